//! Component statuses (`kubectl get cs`): not stored, the API server
//! probes the controller manager's and the scheduler's `/healthz` on its
//! own host, and etcd, each time it is asked
//! (`pkg/registry/core/componentstatus`).

use crate::cluster::{Cluster, res};
use crate::value::Value;

/// `kubectl get componentstatuses`: the API server probes the controller
/// manager's and the scheduler's `/healthz` on its own host, and etcd,
/// each time it is asked (nothing is stored, so no creation time).
pub(crate) fn list(cluster: &Cluster) -> Vec<Value> {
    let running = |pod: &str| {
        cluster
            .store
            .get_named(res("Pod"), "kube-system", pod)
            .is_some_and(|p| {
                p.at(&["status", "containerStatuses"])
                    .items()
                    .any(|c| !c.at(&["state", "running"]).is_null())
            })
    };
    let control_plane = crate::kubeadm::CONTROL_PLANE;
    let probe = |name: &str, pod: String, port: u16| {
        if running(&pod) {
            (name.to_string(), "True", "ok".to_string())
        } else {
            (
                name.to_string(),
                "False",
                format!(
                    "Get \"https://127.0.0.1:{port}/healthz\": dial tcp 127.0.0.1:{port}: connect: connection refused"
                ),
            )
        }
    };
    [
        probe(
            "controller-manager",
            format!("kube-controller-manager-{control_plane}"),
            10257,
        ),
        probe(
            "scheduler",
            format!("kube-scheduler-{control_plane}"),
            10259,
        ),
        ("etcd-0".to_string(), "True", "ok".to_string()),
    ]
    .into_iter()
    .map(|(name, status, message)| {
        Value::from_pairs([
            ("apiVersion", Value::str("v1")),
            ("kind", Value::str("ComponentStatus")),
            (
                "metadata",
                Value::from_pairs([
                    ("creationTimestamp", Value::Null),
                    ("name", Value::str(&name)),
                ]),
            ),
            (
                "conditions",
                Value::array(vec![Value::from_pairs([
                    ("message", Value::str(&message)),
                    ("status", Value::str(status)),
                    ("type", Value::str("Healthy")),
                ])]),
            ),
        ])
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kubectl(c: &mut Cluster, line: &str) -> String {
        let out = c.kubectl(line, &crate::kubectl::NoFiles);
        out.stdout + &out.stderr
    }

    #[test]
    fn component_statuses_probe_the_control_plane() {
        let mut c = Cluster::new(1);
        let statuses = |c: &Cluster| -> Vec<String> {
            list(c)
                .iter()
                .map(|s| {
                    format!(
                        "{} {}",
                        s.str_at(&["metadata", "name"]).unwrap_or(""),
                        s.at(&["conditions"])
                            .items()
                            .next()
                            .unwrap()
                            .str_at(&["status"])
                            .unwrap_or("")
                    )
                })
                .collect()
        };
        assert_eq!(
            statuses(&c),
            ["controller-manager True", "scheduler True", "etcd-0 True"]
        );
        // A scheduler whose process died is refused until it restarts.
        c.kill_container("kube-system", "kube-scheduler-control-plane", None)
            .unwrap();
        assert_eq!(
            statuses(&c),
            ["controller-manager True", "scheduler False", "etcd-0 True"]
        );
        assert!(kubectl(&mut c, "kubectl get cs scheduler").contains(
            "scheduler   Unhealthy   Get \"https://127.0.0.1:10259/healthz\": dial tcp 127.0.0.1:10259: connect: connection refused   \n"
        ));
    }
}
