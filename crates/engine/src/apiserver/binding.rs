//! The `pods/binding` subresource: how kube-scheduler assigns a pod to a
//! node. One write sets `spec.nodeName` and the `PodScheduled=True`
//! condition; like the real registry it bypasses the pod update strategy,
//! so `metadata.generation` does not move.

use crate::api::errors::StatusError;
use crate::cluster::{Cluster, res};
use crate::store::ObjectKey;
use crate::time::rfc3339;
use crate::value::Value;

impl Cluster {
    /// Binds the pod `namespace/name` to `node` (`POST …/pods/<name>/binding`).
    pub fn bind_pod(
        &mut self,
        namespace: &str,
        name: &str,
        node: &str,
    ) -> Result<Value, StatusError> {
        let key = ObjectKey::new(res("Pod"), namespace, name);
        let Some(mut pod) = self.store.get(&key).cloned() else {
            return Err(StatusError::not_found("pods", name));
        };
        // registry/core/pod/storage assignPod / setPodNodeAndMetadata.
        if !pod.at(&["metadata", "deletionTimestamp"]).is_null() {
            return Err(StatusError::internal(format!(
                "pod {name} is being deleted, cannot be assigned to a host"
            )));
        }
        if let Some(current) = pod.str_at(&["spec", "nodeName"]).filter(|n| !n.is_empty()) {
            return Err(StatusError::internal(format!(
                "pod {name} is already assigned to node \"{current}\""
            )));
        }
        if pod
            .at(&["spec", "schedulingGates"])
            .items()
            .next()
            .is_some()
        {
            return Err(StatusError::internal(format!(
                "pod {name} has non-empty .spec.schedulingGates"
            )));
        }
        pod.set_at(&["spec", "nodeName"], Value::str(node));
        // podutil.UpdatePodCondition: the transition time moves only when
        // the status changes.
        let now = Value::from(rfc3339(self.now));
        let mut conditions: Vec<Value> =
            pod.at(&["status", "conditions"]).items().cloned().collect();
        match conditions
            .iter_mut()
            .find(|c| c.get("type").as_str() == Some("PodScheduled"))
        {
            Some(c) => {
                if c.get("status").as_str() != Some("True") {
                    *c = Value::from_pairs([
                        ("lastProbeTime", Value::Null),
                        ("lastTransitionTime", now),
                        ("status", Value::str("True")),
                        ("type", Value::str("PodScheduled")),
                    ]);
                }
            }
            None => conditions.push(Value::from_pairs([
                ("lastProbeTime", Value::Null),
                ("lastTransitionTime", now),
                ("status", Value::str("True")),
                ("type", Value::str("PodScheduled")),
            ])),
        }
        pod.set_at(&["status", "conditions"], Value::array(conditions));
        Ok(self.store.put(&key, pod).clone())
    }
}
