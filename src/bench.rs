//! The browser benchmark's workload (`?bench=N`): N pods created through
//! the API server, bound to nodes and started by the real kubelets, then a
//! steady churn that the real components carry out (new pods scheduled and
//! flying to their node, pods deleted and terminating, containers killed
//! and restarted), so the view keeps animating. Not recorded in the session.

use kubeplay_engine::Cluster;
use kubeplay_engine::NodeOptions;
use kubeplay_engine::apiserver::{DeleteOptions, WriteOptions};
use kubeplay_engine::store::ObjectKey;
use kubeplay_engine::value::Value;

const APPS: [(&str, &str); 3] = [
    ("web", "nginx:1.27"),
    ("cache", "redis:7.4"),
    ("api", "httpd:2.4"),
];
/// Pods per node the benchmark places (below the kubelet's 110).
const PODS_PER_NODE: usize = 100;
/// Changes per simulated second.
const CHURN_PER_SECOND: f64 = 6.0;

/// The benchmark's churn state.
#[derive(Clone, Debug, PartialEq)]
pub struct Bench {
    rng: u64,
    carry: f64,
    target: usize,
    /// The pods it made and has not deleted.
    pods: Vec<ObjectKey>,
    workers: Vec<String>,
    made: u64,
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

    /// Adds nodes as needed and `pods` pods spread over the workers, and
    /// lets them start (a few simulated minutes).
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
            made: 0,
        };
        for i in 0..pods {
            let node = bench.workers[i % count].clone();
            if let Some(key) = bench.create_pod(cluster, Some(&node)) {
                bench.pods.push(key);
            }
        }
        // The kubelets start a node's pods one after another: wait for them.
        let running = |c: &Cluster| {
            c.store()
                .list(
                    kubeplay_engine::api::registry::by_kind("Pod").expect("served"),
                    None,
                )
                .all(|(_, p)| p.str_at(&["status", "phase"]) == Some("Running"))
        };
        for _ in 0..60 {
            cluster.step(10_000);
            if running(cluster) {
                break;
            }
        }
        bench
    }

    fn create_pod(&mut self, cluster: &mut Cluster, node: Option<&str>) -> Option<ObjectKey> {
        let (app, image) = APPS[self.below(APPS.len())];
        // An odd multiplier permutes 20-bit numbers: names never repeat.
        self.made += 1;
        let name = format!("{app}-{:05x}", self.made.wrapping_mul(0x9_e377) & 0xf_ffff);
        let requests =
            Value::from_pairs([("cpu", Value::str("25m")), ("memory", Value::str("48Mi"))]);
        let container = Value::from_pairs([
            ("name", Value::str(app)),
            ("image", Value::str(image)),
            ("resources", Value::from_pairs([("requests", requests)])),
        ]);
        let mut spec = Value::from_pairs([("containers", Value::array(vec![container]))]);
        if let Some(node) = node {
            spec.set("nodeName", Value::str(node));
        }
        let pod = Value::from_pairs([
            ("apiVersion", Value::str("v1")),
            ("kind", Value::str("Pod")),
            (
                "metadata",
                Value::from_pairs([
                    ("name", Value::from(name)),
                    ("namespace", Value::str("default")),
                    ("labels", Value::from_pairs([("app", Value::str(app))])),
                ]),
            ),
            ("spec", spec),
        ]);
        let created = cluster.create(pod, &WriteOptions::system()).ok()?;
        Some(ObjectKey::of(
            kubeplay_engine::api::registry::by_kind("Pod")?,
            &created,
        ))
    }

    /// Churns pods for `dt_ms` of simulated time: each change picks one
    /// pod at random (no scan of the cluster).
    pub fn tick(&mut self, cluster: &mut Cluster, dt_ms: u64) {
        self.carry += CHURN_PER_SECOND * dt_ms as f64 / 1000.0;
        let changes = self.carry.floor().min(64.0) as usize;
        self.carry -= self.carry.floor();
        for _ in 0..changes {
            let live = self.pods.len();
            match self.below(3) {
                0 if live > self.target / 2 => {
                    let i = self.below(live);
                    let key = self.pods.swap_remove(i);
                    let _ = cluster.delete(&key, DeleteOptions::default());
                }
                0 | 1 if live < self.target + self.target / 10 => {
                    // Unbound: the scheduler places it.
                    if let Some(key) = self.create_pod(cluster, None) {
                        self.pods.push(key);
                    }
                }
                _ if live > 0 => {
                    let i = self.below(live);
                    let key = self.pods[i].clone();
                    if cluster
                        .kill_container(&key.namespace, &key.name, None)
                        .is_err()
                    {
                        self.pods.swap_remove(i);
                    }
                }
                _ => {}
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
        assert_eq!(
            snap.counts[PodState::Ready.index()],
            450,
            "{:?}",
            snap.counts
        );
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
