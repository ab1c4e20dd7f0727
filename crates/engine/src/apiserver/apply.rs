//! `kubectl apply`'s client-side semantics: create when absent, otherwise a
//! three-way strategic merge of the last applied configuration (from the
//! `kubectl.kubernetes.io/last-applied-configuration` annotation), the new
//! configuration and the live object, so that defaults and fields written
//! by controllers survive while fields the user removed go away.

use std::rc::Rc;

use crate::api::errors::StatusError;
use crate::apiserver::WriteOptions;
use crate::cluster::Cluster;
use crate::store::ObjectKey;
use crate::value::{Map, Value};
use crate::yaml;

/// The annotation kubectl keeps the last applied configuration in.
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// What `apply` did to one object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApplyAction {
    /// It did not exist and was created.
    Created,
    /// It existed and was changed.
    Configured,
    /// It existed and already matched.
    Unchanged,
}

impl ApplyAction {
    /// `created`, `configured` or `unchanged`, as kubectl prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            ApplyAction::Created => "created",
            ApplyAction::Configured => "configured",
            ApplyAction::Unchanged => "unchanged",
        }
    }
}

/// The result of applying one object.
#[derive(Clone, Debug, PartialEq)]
pub struct Applied {
    /// What happened.
    pub action: ApplyAction,
    /// The object as stored afterwards.
    pub object: Value,
    /// Warnings kubectl prints for it (without the `Warning: ` prefix).
    pub warnings: Vec<String>,
}

/// kubectl apply's warning for a live object it did not create.
const MISSING_ANNOTATION: &str = "is missing the kubectl.kubernetes.io/last-applied-configuration annotation which is required by kubectl apply. kubectl apply should only be used on resources created declaratively by either kubectl create --save-config or kubectl apply. The missing annotation will be patched automatically.";

/// True for apply's missing-annotation warning (kubectl's, not the
/// server's: `kubectl diff` does not print it).
pub(crate) fn is_missing_annotation_warning(w: &str) -> bool {
    w.ends_with(MISSING_ANNOTATION)
}

/// The patch merge key of a list field, from the Go types' `patchMergeKey`
/// struct tags (strategic merge patch metadata that the OpenAPI schema in
/// k8s-openapi does not carry). `parent` is the name of the field holding
/// the object the list is in (`containers` for a container's `ports`).
pub fn merge_key(parent: &str, field: &str) -> Option<&'static str> {
    Some(match (parent, field) {
        (_, "containers" | "initContainers" | "ephemeralContainers") => "name",
        (_, "volumes" | "imagePullSecrets" | "env" | "resourceClaims" | "schedulingGates") => {
            "name"
        }
        ("containers" | "initContainers" | "ephemeralContainers", "ports") => "containerPort",
        ("spec", "ports") => "port",
        (_, "volumeMounts") => "mountPath",
        (_, "volumeDevices") => "devicePath",
        (_, "hostAliases") => "ip",
        (_, "ownerReferences") => "uid",
        (_, "topologySpreadConstraints") => "topologyKey",
        ("status", "conditions") => "type",
        _ => return None,
    })
}

/// Three-way merges `modified` (the new configuration) into `current` (the
/// live object), deleting what `original` (the last applied configuration)
/// had and `modified` no longer has.
pub fn three_way_merge(original: Option<&Value>, modified: &Value, current: &Value) -> Value {
    merge_value(original, modified, Some(current), "", "")
}

fn merge_value(
    original: Option<&Value>,
    modified: &Value,
    current: Option<&Value>,
    parent: &str,
    field: &str,
) -> Value {
    match (modified, current) {
        (Value::Object(m), Some(Value::Object(c))) => {
            let o = original.and_then(Value::as_object);
            Value::Object(Rc::new(merge_map(o, m, c, field)))
        }
        (Value::Array(m), Some(Value::Array(c))) => match merge_key(parent, field) {
            Some(key) => {
                let o: &[Value] = original.and_then(Value::as_array).unwrap_or(&[]);
                Value::array(merge_list(o, m, c, key, field))
            }
            None => modified.clone(),
        },
        _ => modified.clone(),
    }
}

fn merge_map(original: Option<&Map>, modified: &Map, current: &Map, field: &str) -> Map {
    let mut result = current.clone();
    for (k, mv) in modified {
        if mv.is_null() {
            // An explicit null in the configuration deletes the field.
            result.remove(k);
            continue;
        }
        let ov = original.and_then(|o| o.get(k));
        let merged = merge_value(ov, mv, current.get(k), field, k);
        result.insert(k.clone(), merged);
    }
    if let Some(original) = original {
        for k in original.keys() {
            if !modified.contains_key(k) {
                result.remove(k);
            }
        }
    }
    result
}

fn merge_list(
    original: &[Value],
    modified: &[Value],
    current: &[Value],
    key: &str,
    field: &str,
) -> Vec<Value> {
    let key_of = |v: &Value| v.get(key).clone();
    let mut result: Vec<Value> = Vec::with_capacity(modified.len());
    for item in modified {
        let k = key_of(item);
        let cur = current.iter().find(|c| key_of(c) == k);
        let orig = original.iter().find(|o| key_of(o) == k);
        result.push(match cur {
            // The item's members are under the list's key.
            Some(cur) => merge_value(orig, item, Some(cur), "", field),
            None => item.clone(),
        });
    }
    // Items others added are kept; items the user removed are dropped.
    for cur in current {
        let k = key_of(cur);
        let in_modified = modified.iter().any(|m| key_of(m) == k);
        let in_original = original.iter().any(|o| key_of(o) == k);
        if !in_modified && !in_original {
            result.push(cur.clone());
        }
    }
    result
}

/// The configuration as kubectl sends it, with the last-applied annotation
/// set to its own compact JSON (without that annotation).
/// `GetModifiedConfiguration` takes the annotation out by setting the
/// object's annotations to what is left, an empty map when nothing is: so
/// the JSON always holds `"annotations":{}` or the other annotations.
pub fn with_last_applied(config: &Value) -> Value {
    let mut bare = config.clone();
    let annotations = bare.entry("metadata").entry("annotations");
    if annotations.as_object().is_none() {
        *annotations = Value::object();
    }
    annotations.remove(LAST_APPLIED);
    let json = yaml::to_json_compact(&bare) + "\n";
    let mut out = bare;
    out.set_at(
        &["metadata", "annotations", LAST_APPLIED],
        Value::from(json),
    );
    out
}

impl Cluster {
    /// Applies one decoded configuration object (`kubectl apply`). The
    /// caller has authorized kubectl's read of the live object.
    /// `annotation_source` is the configuration to record as last applied
    /// (the object as written, before any version conversion), or `None`
    /// to record nothing and leave the live annotation as it is (`kubectl
    /// diff`'s patch); `convert` turns a recorded configuration into the
    /// stored version.
    pub fn apply_object(
        &mut self,
        config: Value,
        annotation_source: Option<&Value>,
        convert: &dyn Fn(&Value) -> Value,
        opts: &WriteOptions,
    ) -> Result<Applied, StatusError> {
        let resource = crate::apiserver::resource_of(&config)?;
        let rt = resource.get();
        let mut config = config;
        let mut recorded = annotation_source.cloned();
        if rt.namespaced {
            let ns = config
                .str_at(&["metadata", "namespace"])
                .filter(|s| !s.is_empty())
                .unwrap_or("default")
                .to_string();
            config.set_at(&["metadata", "namespace"], Value::from(ns.clone()));
            if let Some(r) = recorded.as_mut() {
                r.set_at(&["metadata", "namespace"], Value::from(ns));
            }
        }
        match recorded {
            Some(recorded) => {
                let annotated = with_last_applied(&recorded);
                let annotation = annotated
                    .at(&["metadata", "annotations", LAST_APPLIED])
                    .clone();
                config.set_at(&["metadata", "annotations", LAST_APPLIED], annotation);
            }
            None => {
                // As `GetModifiedConfiguration` leaves it: the annotations
                // without the last-applied one, an empty map if none, so the
                // three-way merge removes none of the live ones.
                let annotations = config.entry("metadata").entry("annotations");
                if annotations.as_object().is_none() {
                    *annotations = Value::object();
                }
                annotations.remove(LAST_APPLIED);
            }
        }
        let name = config
            .str_at(&["metadata", "name"])
            .unwrap_or("")
            .to_string();
        let namespace = config
            .str_at(&["metadata", "namespace"])
            .unwrap_or("")
            .to_string();
        let key = ObjectKey::new(resource, &namespace, &name);
        let Some(current) = self.store.get(&key).cloned() else {
            let object = self.create(config, opts)?;
            return Ok(Applied {
                action: ApplyAction::Created,
                object,
                warnings: Vec::new(),
            });
        };
        let mut warnings = Vec::new();
        let original = match current.str_at(&["metadata", "annotations", LAST_APPLIED]) {
            Some(json) => yaml::load_str(json)
                .ok()
                .and_then(|docs| docs.into_iter().next())
                .map(|d| convert(&d.root.to_value())),
            None => {
                // `info.ObjectName()`: the plural resource (no group) and the name.
                warnings.push(format!(
                    "resource {}/{name} {MISSING_ANNOTATION}",
                    rt.plural
                ));
                None
            }
        };
        let mut merged = three_way_merge(original.as_ref(), &config, &current);
        // An empty map is omitted when the server encodes the object.
        if merged
            .at(&["metadata", "annotations"])
            .as_object()
            .is_some_and(|a| a.is_empty())
        {
            merged.entry("metadata").remove("annotations");
        }
        // The live resourceVersion: apply patches the latest object.
        if let Some(rv) = current.at(&["metadata", "resourceVersion"]).as_str() {
            merged.set_at(&["metadata", "resourceVersion"], Value::str(rv));
        }
        if merged == current {
            return Ok(Applied {
                action: ApplyAction::Unchanged,
                object: current,
                warnings,
            });
        }
        let patch = WriteOptions {
            patch: true,
            ..*opts
        };
        let object = match self.update(merged, &patch) {
            Ok(object) => object,
            Err(e) => {
                // kubectl printed its warning before sending the patch.
                self.warnings.extend(warnings);
                return Err(e);
            }
        };
        let action = if object == current {
            ApplyAction::Unchanged
        } else {
            ApplyAction::Configured
        };
        Ok(Applied {
            action,
            object,
            warnings,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Value {
        yaml::load_str(text).unwrap()[0].root.to_value()
    }

    #[test]
    fn merge_keeps_server_fields_and_drops_removed_ones() {
        let original = v(
            "spec:\n  replicas: 2\n  paused: true\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx:1\n        env: [{name: A, value: '1'}]\n",
        );
        let modified = v(
            "spec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx:2\n",
        );
        let current = v(
            "spec:\n  replicas: 2\n  paused: true\n  revisionHistoryLimit: 10\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx:1\n        env: [{name: A, value: '1'}]\n        imagePullPolicy: IfNotPresent\n      - name: sidecar\n        image: envoy\nstatus:\n  replicas: 2\n",
        );
        let merged = three_way_merge(Some(&original), &modified, &current);
        assert_eq!(merged.at(&["spec", "replicas"]), &Value::Int(3));
        assert!(
            merged.at(&["spec", "paused"]).is_null(),
            "removed by the user"
        );
        assert_eq!(
            merged.at(&["spec", "revisionHistoryLimit"]),
            &Value::Int(10)
        );
        assert_eq!(merged.at(&["status", "replicas"]), &Value::Int(2));
        let containers: Vec<_> = merged
            .at(&["spec", "template", "spec", "containers"])
            .items()
            .collect();
        assert_eq!(containers.len(), 2, "the sidecar someone else added stays");
        assert_eq!(containers[0].get("image"), &Value::str("nginx:2"));
        assert_eq!(
            containers[0].get("imagePullPolicy"),
            &Value::str("IfNotPresent")
        );
        assert!(
            containers[0].get("env").is_null(),
            "env removed by the user"
        );
    }

    #[test]
    fn last_applied_is_compact_json_with_a_newline() {
        let config = v("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: b\n");
        let annotated = with_last_applied(&config);
        assert_eq!(
            annotated.str_at(&["metadata", "annotations", LAST_APPLIED]),
            Some(
                "{\"apiVersion\":\"v1\",\"data\":{\"a\":\"b\"},\"kind\":\"ConfigMap\",\"metadata\":{\"annotations\":{},\"name\":\"x\"}}\n"
            )
        );
    }
}
