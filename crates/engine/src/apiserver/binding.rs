//! The `pods/binding` subresource: how kube-scheduler assigns a pod to a
//! node. One write sets `spec.nodeName` and the `PodScheduled=True`
//! condition; like the real registry it bypasses the pod update strategy,
//! so `metadata.generation` does not move.

use crate::api::errors::StatusError;
use crate::cluster::{Cluster, res};
use crate::store::ObjectKey;
use crate::time::{Millis, rfc3339};
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
        let scheduled = scheduled_condition(self.now);
        let mut conditions: Vec<Value> =
            pod.at(&["status", "conditions"]).items().cloned().collect();
        match conditions
            .iter_mut()
            .find(|c| c.get("type").as_str() == Some("PodScheduled"))
        {
            Some(c) => {
                if c.get("status").as_str() != Some("True") {
                    *c = scheduled;
                }
            }
            None => conditions.push(scheduled),
        }
        pod.set_at(&["status", "conditions"], Value::array(conditions));
        Ok(self.store.put(&key, pod).clone())
    }
}

thread_local! {
    /// The last PodScheduled=True condition built: every pod bound at the
    /// same instant shares one (copy-on-write) value.
    static SCHEDULED: std::cell::RefCell<Option<(Millis, Value)>> =
        const { std::cell::RefCell::new(None) };
}

/// `{type: PodScheduled, status: "True", lastTransitionTime: now}`.
fn scheduled_condition(now: Millis) -> Value {
    SCHEDULED.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some((at, v)) = cache.as_ref()
            && *at == now
        {
            return v.clone();
        }
        let v = Value::from_pairs([
            ("lastProbeTime", Value::Null),
            ("lastTransitionTime", Value::from(rfc3339(now))),
            ("status", Value::str("True")),
            ("type", Value::str("PodScheduled")),
        ]);
        *cache = Some((now, v.clone()));
        v
    })
}
