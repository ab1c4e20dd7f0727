//! kubectl's `-l` label selectors and `--field-selector` field selectors.
//!
//! The label selector parser here is a small stand-in (equality- and
//! set-based requirements: `a=b`, `a==b`, `a!=b`, `a in (x,y)`,
//! `a notin (x)`, `a`, `!a`) behind [`parse_label_selector`]; swap its body
//! for `api::selector::Selector::parse` once that lands, which also brings
//! apimachinery's exact error texts.

use crate::value::Value;

/// A requirement's operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Equals,
    NotEquals,
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

/// One requirement of a label selector.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Requirement {
    key: String,
    op: Op,
    values: Vec<String>,
}

/// A parsed `-l` selector: requirements ANDed together.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LabelQuery {
    requirements: Vec<Requirement>,
}

impl LabelQuery {
    /// True when `labels` (an object of strings) satisfies every requirement.
    pub fn matches(&self, labels: &Value) -> bool {
        self.requirements.iter().all(|r| {
            let v = labels.get(&r.key).as_str();
            match r.op {
                Op::Equals | Op::In => v.is_some_and(|v| r.values.iter().any(|x| x == v)),
                Op::NotEquals | Op::NotIn => v.is_none_or(|v| !r.values.iter().any(|x| x == v)),
                Op::Exists => v.is_some(),
                Op::DoesNotExist => v.is_none(),
            }
        })
    }

    /// True when it selects everything.
    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }
}

/// Parses a `-l` string.
pub fn parse_label_selector(text: &str) -> Result<LabelQuery, String> {
    let mut requirements = Vec::new();
    for part in split_top_level(text) {
        let part = part.trim();
        if part.is_empty() {
            if text.trim().is_empty() {
                continue;
            }
            return Err(format!(
                "unable to parse requirement: found ',', expected: identifier in {}",
                crate::api::errors::quote(text)
            ));
        }
        requirements.push(parse_requirement(part)?);
    }
    Ok(LabelQuery { requirements })
}

fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

fn valid_key(key: &str) -> bool {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    let name_ok = !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    let prefix_ok = prefix.is_none_or(|p| {
        !p.is_empty()
            && p.len() <= 253
            && p.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-.".contains(c))
    });
    name_ok && prefix_ok
}

fn valid_value(v: &str) -> bool {
    v.is_empty()
        || (v.len() <= 63
            && v.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            && v.starts_with(|c: char| c.is_ascii_alphanumeric())
            && v.ends_with(|c: char| c.is_ascii_alphanumeric()))
}

fn parse_requirement(part: &str) -> Result<Requirement, String> {
    let bad_key = |k: &str| {
        format!(
            "unable to parse requirement: <nil>: Invalid value: {}: name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
            crate::api::errors::quote(k)
        )
    };
    let bad_value = |v: &str| {
        format!(
            "unable to parse requirement: values[0][{}]: Invalid value: {}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
            "key",
            crate::api::errors::quote(v)
        )
    };
    if let Some(key) = part.strip_prefix('!') {
        let key = key.trim();
        if !valid_key(key) {
            return Err(bad_key(key));
        }
        return Ok(Requirement {
            key: key.to_string(),
            op: Op::DoesNotExist,
            values: Vec::new(),
        });
    }
    for (token, op) in [("!=", Op::NotEquals), ("==", Op::Equals), ("=", Op::Equals)] {
        if let Some((k, v)) = part.split_once(token) {
            let (k, v) = (k.trim(), v.trim());
            if !valid_key(k) {
                return Err(bad_key(k));
            }
            if !valid_value(v) {
                return Err(bad_value(v));
            }
            return Ok(Requirement {
                key: k.to_string(),
                op,
                values: vec![v.to_string()],
            });
        }
    }
    let words: Vec<&str> = part.splitn(2, char::is_whitespace).collect();
    if words.len() == 2 {
        let key = words[0];
        let rest = words[1].trim_start();
        let (op, list) = if let Some(l) = rest.strip_prefix("notin") {
            (Op::NotIn, l)
        } else if let Some(l) = rest.strip_prefix("in") {
            (Op::In, l)
        } else {
            return Err(format!(
                "unable to parse requirement: found '{}', expected: in, notin, =, ==, !=, gt, lt",
                rest.split_whitespace().next().unwrap_or("")
            ));
        };
        let list = list.trim();
        let Some(inner) = list.strip_prefix('(').and_then(|l| l.strip_suffix(')')) else {
            return Err("unable to parse requirement: found '', expected: '('".to_string());
        };
        if !valid_key(key) {
            return Err(bad_key(key));
        }
        let values: Vec<String> = inner.split(',').map(|v| v.trim().to_string()).collect();
        for v in &values {
            if !valid_value(v) {
                return Err(bad_value(v));
            }
        }
        return Ok(Requirement {
            key: key.to_string(),
            op,
            values,
        });
    }
    if !valid_key(part) {
        return Err(bad_key(part));
    }
    Ok(Requirement {
        key: part.to_string(),
        op: Op::Exists,
        values: Vec::new(),
    })
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
