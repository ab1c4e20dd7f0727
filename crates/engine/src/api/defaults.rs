//! Defaulting as kube-apiserver does it: the fields it fills in when a
//! manifest leaves them out.
//!
//! (Placeholder until the defaulting rules land.)

use crate::api::registry::ResourceId;
use crate::value::Value;

/// Fills in the defaults of an object of `resource`.
pub fn apply_defaults(resource: ResourceId, object: &mut Value) {
    let _ = (resource, object);
}

/// Pod admission defaults (the Priority and DefaultTolerationSeconds
/// admission plugins): priority 0 with `PreemptLowerPriority`, and the
/// not-ready/unreachable NoExecute tolerations for 300 seconds.
pub fn admit_pod(pod: &mut Value) {
    if pod.at(&["spec", "priority"]).is_null() {
        pod.set_at(&["spec", "priority"], Value::Int(0));
    }
    if pod.at(&["spec", "preemptionPolicy"]).is_null() {
        pod.set_at(
            &["spec", "preemptionPolicy"],
            Value::str("PreemptLowerPriority"),
        );
    }
    let mut tolerations: Vec<Value> = pod.at(&["spec", "tolerations"]).items().cloned().collect();
    let before = tolerations.len();
    for key in [
        "node.kubernetes.io/not-ready",
        "node.kubernetes.io/unreachable",
    ] {
        let tolerated = tolerations.iter().any(|t| {
            let k = t.get("key").as_str().unwrap_or("");
            let effect = t.get("effect").as_str().unwrap_or("");
            (k == key || (k.is_empty() && t.get("operator").as_str() == Some("Exists")))
                && (effect.is_empty() || effect == "NoExecute")
        });
        if !tolerated {
            tolerations.push(Value::from_pairs([
                ("effect", Value::str("NoExecute")),
                ("key", Value::str(key)),
                ("operator", Value::str("Exists")),
                ("tolerationSeconds", Value::Int(300)),
            ]));
        }
    }
    if tolerations.len() != before {
        pod.set_at(&["spec", "tolerations"], Value::array(tolerations));
    }
}
