//! The browser benchmark's workload (`?bench=N`): N pods created directly
//! through the API server, already bound to nodes and reported Running,
//! then a steady churn (pods created, started, crashing, deleted) so the
//! view keeps animating. It bypasses the scheduler and the kubelet on
//! purpose: it measures the UI, not the simulation.

use kubeplay_engine::Cluster;
use kubeplay_engine::NodeOptions;
use kubeplay_engine::api::registry::by_kind;
use kubeplay_engine::apiserver::{DeleteOptions, WriteOptions};
use kubeplay_engine::store::ObjectKey;
use kubeplay_engine::time::rfc3339;
use kubeplay_engine::value::Value;

const APPS: [(&str, &str); 4] = [
    ("web", "nginx:1.27"),
    ("api", "registry.lambdaclass.com/snackerbis"),
    ("worker", "busybox:1.36"),
    ("cache", "redis:7.4"),
];
/// Pods per node the benchmark places (below the kubelet's 110).
const PODS_PER_NODE: usize = 100;
/// Changes per simulated second.
const CHURN_PER_SECOND: f64 = 6.0;

/// Where a benchmark pod is in its made-up life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Queued,
    Creating,
    Ready,
    NotReady,
    Crashing,
}

/// The benchmark's churn state.
#[derive(Clone, Debug, PartialEq)]
pub struct Bench {
    rng: u64,
    carry: f64,
    target: usize,
    /// The pods it made and has not deleted, with their phase.
    pods: Vec<(ObjectKey, Phase)>,
    workers: Vec<String>,
}

impl Bench {
    fn next(&mut self) -> u64 {
        // xorshift64*: the benchmark's own randomness leaves the cluster's RNG alone.
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        self.rng.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// Adds nodes as needed and `pods` Running pods spread over the workers.
    pub fn setup(cluster: &mut Cluster, pods: usize) -> Bench {
        let count = pods.div_ceil(PODS_PER_NODE).max(3);
        for i in 4..=count {
            let _ = cluster.add_node(NodeOptions::worker(&format!("node-{i}")));
        }
        let mut bench = Bench {
            rng: 0x9e37_79b9_7f4a_7c15,
            carry: 0.0,
            target: pods,
            pods: Vec::with_capacity(pods + pods / 8),
            workers: (1..=count).map(|i| format!("node-{i}")).collect(),
        };
        for i in 0..pods {
            let node = bench.workers[i % count].clone();
            if let Some(key) = bench.create_pod(cluster, Some(&node)) {
                let status = bench.status(cluster, &key, "Running", true, "", 0);
                let _ = cluster.update_status(&key, status);
                bench.pods.push((key, Phase::Ready));
            }
        }
        cluster.step(0);
        bench
    }

    fn create_pod(&mut self, cluster: &mut Cluster, node: Option<&str>) -> Option<ObjectKey> {
        let (app, image) = APPS[self.below(APPS.len())];
        let name = format!("{app}-{:05x}", self.next() & 0xf_ffff);
        let container = Value::from_pairs([
            ("name", Value::str(app)),
            ("image", Value::str(image)),
            (
                "resources",
                Value::from_pairs([(
                    "requests",
                    Value::from_pairs([("cpu", Value::str("25m")), ("memory", Value::str("48Mi"))]),
                )]),
            ),
        ]);
        let pod = Value::from_pairs([
            ("apiVersion", Value::str("v1")),
            ("kind", Value::str("Pod")),
            (
                "metadata",
                Value::from_pairs([
                    ("name", Value::from(name.clone())),
                    ("namespace", Value::str("default")),
                    ("labels", Value::from_pairs([("app", Value::str(app))])),
                ]),
            ),
            (
                "spec",
                Value::from_pairs([("containers", Value::array(vec![container]))]),
            ),
        ]);
        let mut pod = pod;
        if let Some(node) = node {
            pod.set_at(&["spec", "nodeName"], Value::str(node));
        }
        cluster.create(pod, &WriteOptions::system()).ok()?;
        let key = ObjectKey::new(by_kind("Pod")?, "default", &name);
        if node.is_some() {
            let status = self.status(cluster, &key, "Pending", false, "ContainerCreating", 0);
            let _ = cluster.update_status(&key, status);
        }
        Some(key)
    }

    /// Binds a queued pod to a node, as the scheduler would.
    fn bind(&mut self, cluster: &mut Cluster, key: &ObjectKey) -> bool {
        let Some(mut pod) = cluster.store().get(key).cloned() else {
            return false;
        };
        let w = self.below(self.workers.len());
        pod.set_at(&["spec", "nodeName"], Value::from(self.workers[w].clone()));
        if cluster.update(pod, &WriteOptions::system()).is_err() {
            return false;
        }
        let status = self.status(cluster, key, "Pending", false, "ContainerCreating", 0);
        cluster.update_status(key, status).is_ok()
    }

    fn status(
        &mut self,
        cluster: &Cluster,
        key: &ObjectKey,
        phase: &str,
        ready: bool,
        waiting: &str,
        restarts: i64,
    ) -> Value {
        let now = rfc3339(cluster.now_ms());
        let cond = |t: &str, ok: bool| {
            Value::from_pairs([
                ("type", Value::str(t)),
                ("status", Value::str(if ok { "True" } else { "False" })),
                ("lastTransitionTime", Value::from(now.clone())),
            ])
        };
        let state = if waiting.is_empty() {
            Value::from_pairs([(
                "running",
                Value::from_pairs([("startedAt", Value::from(now.clone()))]),
            )])
        } else {
            Value::from_pairs([(
                "waiting",
                Value::from_pairs([("reason", Value::str(waiting))]),
            )])
        };
        let name = cluster
            .store()
            .get(key)
            .and_then(|p| {
                p.at(&["spec", "containers"])
                    .items()
                    .next()?
                    .get("name")
                    .as_str()
            })
            .unwrap_or("app")
            .to_string();
        let mut status = Value::from_pairs([
            ("phase", Value::str(phase)),
            (
                "conditions",
                Value::array(vec![
                    cond("PodScheduled", true),
                    cond("Initialized", true),
                    cond("ContainersReady", ready),
                    cond("Ready", ready),
                ]),
            ),
            (
                "containerStatuses",
                Value::array(vec![Value::from_pairs([
                    ("name", Value::from(name)),
                    ("ready", Value::Bool(ready)),
                    ("restartCount", Value::Int(restarts)),
                    ("started", Value::Bool(waiting.is_empty())),
                    ("state", state),
                ])]),
            ),
            ("qosClass", Value::str("Burstable")),
        ]);
        if phase == "Running" {
            let ip = format!("10.244.{}.{}", self.below(250) + 1, self.below(250) + 2);
            status.set("podIP", Value::from(ip));
        }
        status
    }

    /// Churns pods for `dt_ms` of simulated time: each change picks one
    /// pod at random (no scan of the cluster).
    pub fn tick(&mut self, cluster: &mut Cluster, dt_ms: u64) {
        self.carry += CHURN_PER_SECOND * dt_ms as f64 / 1000.0;
        let changes = self.carry.floor().min(64.0) as usize;
        self.carry -= self.carry.floor();
        for _ in 0..changes {
            let live = self.pods.len();
            let roll = self.below(4);
            if roll == 0 && live > self.target / 2 {
                let i = self.below(live);
                let (key, _) = self.pods.swap_remove(i);
                let _ = cluster.delete(&key, DeleteOptions::default());
            } else if roll <= 1 {
                if live < self.target + self.target / 10
                    && let Some(key) = self.create_pod(cluster, None)
                {
                    self.pods.push((key, Phase::Queued));
                }
            } else if live > 0 {
                // Queued pods are bound soon (as the scheduler would), others change at random.
                let queued = self.pods.iter().rposition(|(_, p)| *p == Phase::Queued);
                let i = match queued {
                    Some(q) if roll == 2 => q,
                    _ => self.below(live),
                };
                let (key, phase) = self.pods[i].clone();
                if phase == Phase::Queued {
                    if self.bind(cluster, &key) {
                        self.pods[i].1 = Phase::Creating;
                    } else {
                        self.pods.swap_remove(i);
                    }
                    continue;
                }
                let next = match phase {
                    Phase::Queued | Phase::Creating | Phase::Crashing | Phase::NotReady => {
                        Phase::Ready
                    }
                    Phase::Ready if roll == 2 => Phase::Crashing,
                    Phase::Ready => Phase::NotReady,
                };
                let status = match next {
                    Phase::Ready => self.status(cluster, &key, "Running", true, "", 0),
                    Phase::Crashing => {
                        self.status(cluster, &key, "Running", false, "CrashLoopBackOff", 3)
                    }
                    _ => self.status(cluster, &key, "Running", false, "", 0),
                };
                if cluster.update_status(&key, status).is_ok() {
                    self.pods[i].1 = next;
                } else {
                    self.pods.swap_remove(i);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{PodState, Snapshot};

    #[test]
    fn the_benchmark_places_running_pods_and_churns_them() {
        let mut c = Cluster::new(1);
        let mut bench = Bench::setup(&mut c, 450);
        let snap = Snapshot::build(&c);
        assert_eq!(snap.nodes.len(), 6, "control plane and five workers");
        assert_eq!(snap.pods.len(), 450);
        assert_eq!(snap.counts[PodState::Ready.index()], 450);
        for _ in 0..20 {
            bench.tick(&mut c, 1000);
            c.step(1000);
        }
        let snap = Snapshot::build(&c);
        assert!(snap.counts[PodState::Ready.index()] < 450);
        let n = snap.pods.len();
        assert!((400..=500).contains(&n), "{n}");
    }
}
