//! kubectl's `-l` label selectors and `--field-selector` field selectors.
//!
//! `-l` strings are parsed by `api::selector` (apimachinery's `labels.Parse`
//! with its error texts); field selectors are parsed here.

use crate::value::Value;

/// A parsed `-l` selector.
pub type LabelQuery = crate::api::selector::Selector;

/// Parses a `-l` string (`labels.Parse`).
pub fn parse_label_selector(text: &str) -> Result<LabelQuery, String> {
    LabelQuery::parse(text)
}

/// One `--field-selector` term.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldTerm {
    /// The field (`status.phase`).
    pub field: String,
    /// True for `!=`.
    pub negated: bool,
    /// The value compared against.
    pub value: String,
}

/// Parses `--field-selector` (`a=b,c!=d`).
pub fn parse_field_selector(text: &str) -> Result<Vec<FieldTerm>, String> {
    let mut terms = Vec::new();
    for part in text.split(',') {
        if part.is_empty() {
            continue;
        }
        let (field, negated, value) = if let Some((f, v)) = part.split_once("!=") {
            (f, true, v)
        } else if let Some((f, v)) = part.split_once("==") {
            (f, false, v)
        } else if let Some((f, v)) = part.split_once('=') {
            (f, false, v)
        } else {
            return Err(format!(
                "invalid selector: '{text}'; can't understand '{part}'"
            ));
        };
        terms.push(FieldTerm {
            field: field.trim().to_string(),
            negated,
            value: value.trim().to_string(),
        });
    }
    Ok(terms)
}

/// The fields the API server lets you select on, per kind, and each
/// field's value on an object.
pub fn field_value(kind: &str, obj: &Value, field: &str) -> Option<String> {
    let s = |path: &[&str]| obj.str_at(path).unwrap_or("").to_string();
    match (kind, field) {
        (_, "metadata.name") => Some(s(&["metadata", "name"])),
        (_, "metadata.namespace") => Some(s(&["metadata", "namespace"])),
        ("Pod", "spec.nodeName") => Some(s(&["spec", "nodeName"])),
        ("Pod", "spec.restartPolicy") => Some(s(&["spec", "restartPolicy"])),
        ("Pod", "spec.schedulerName") => Some(s(&["spec", "schedulerName"])),
        ("Pod", "spec.serviceAccountName") => Some(s(&["spec", "serviceAccountName"])),
        ("Pod", "spec.hostNetwork") => Some(
            obj.at(&["spec", "hostNetwork"])
                .as_bool()
                .unwrap_or(false)
                .to_string(),
        ),
        ("Pod", "status.phase") => Some(s(&["status", "phase"])),
        ("Pod", "status.podIP") => Some(s(&["status", "podIP"])),
        ("Pod", "status.nominatedNodeName") => Some(s(&["status", "nominatedNodeName"])),
        ("Node", "spec.unschedulable") => Some(
            obj.at(&["spec", "unschedulable"])
                .as_bool()
                .unwrap_or(false)
                .to_string(),
        ),
        ("Namespace", "status.phase") => Some(s(&["status", "phase"])),
        ("Secret", "type") => Some(s(&["type"])),
        ("ReplicaSet" | "ReplicationController", "status.replicas") => Some(
            obj.at(&["status", "replicas"])
                .as_i64()
                .unwrap_or(0)
                .to_string(),
        ),
        ("Event", f) => {
            let path: Vec<&str> = f.split('.').collect();
            match f {
                "involvedObject.kind"
                | "involvedObject.namespace"
                | "involvedObject.name"
                | "involvedObject.uid"
                | "involvedObject.apiVersion"
                | "involvedObject.resourceVersion"
                | "involvedObject.fieldPath"
                | "reason"
                | "reportingComponent"
                | "type" => Some(s(&path)),
                "source" => Some(s(&["source", "component"])),
                _ => None,
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Value {
        Value::from_pairs(pairs.iter().map(|(k, v)| (*k, Value::str(v))))
    }

    #[test]
    fn equality_and_set_based_requirements() {
        let l = labels(&[("app", "web"), ("tier", "front")]);
        for (sel, want) in [
            ("app=web", true),
            ("app==web", true),
            ("app!=web", false),
            ("app=db", false),
            ("app in (db, web)", true),
            ("app notin (web)", false),
            ("tier", true),
            ("!tier", false),
            ("!canary", true),
            ("app=web,tier=front", true),
            ("app=web,tier=back", false),
            ("", true),
            ("missing!=x", true),
        ] {
            assert_eq!(
                parse_label_selector(sel).unwrap().matches(&l),
                want,
                "{sel}"
            );
        }
        assert!(parse_label_selector("a b").is_err());
        assert!(parse_label_selector("a=b,").is_err());
        assert_eq!(
            parse_label_selector("a b").unwrap_err(),
            "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"
        );
        assert!(parse_label_selector("-bad=x").is_err());
    }

    #[test]
    fn field_selectors() {
        let terms = parse_field_selector("involvedObject.name=web,type!=Normal").unwrap();
        assert_eq!(terms.len(), 2);
        assert!(terms[1].negated);
        assert!(parse_field_selector("nonsense").is_err());
        let pod = crate::yaml::load_str("metadata: {name: p}\nstatus: {phase: Running}\n").unwrap()
            [0]
        .root
        .to_value();
        assert_eq!(
            field_value("Pod", &pod, "status.phase").as_deref(),
            Some("Running")
        );
        assert_eq!(field_value("Pod", &pod, "spec.foo"), None);
    }
}
