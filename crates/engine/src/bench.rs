//! The steady-state benchmark behind `kubeplay bench steady`: a large
//! cluster built the way a user builds one (Deployments through the API
//! server; the ReplicaSet controller, scheduler and kubelets do the rest),
//! then the cost of letting simulated time pass while nothing changes.
//!
//! Native only: it reads the wall clock and `/proc/self/statm`.

use std::time::Instant;

use crate::apiserver::WriteOptions;
use crate::cluster::{Cluster, NodeOptions, Taint, res};
use crate::time::SECOND;

/// What [`steady_state_benchmark`] measured.
#[derive(Clone, Debug, PartialEq)]
pub struct SteadyReport {
    /// Worker nodes.
    pub nodes: usize,
    /// Pods asked for (Deployment replicas).
    pub pods: usize,
    /// Pods in phase Running once the cluster settled (system pods included).
    pub running: usize,
    /// Deployments created.
    pub deployments: usize,
    /// Wall time to build the cluster (nodes, add-ons), in seconds.
    pub nodes_s: f64,
    /// Wall time for the API server to create the Deployments and the
    /// controllers, scheduler and kubelets to create, bind and admit every
    /// pod, at one simulated instant, in seconds.
    pub create_s: f64,
    /// Wall time until every pod runs (image pulls, container starts), in seconds.
    pub start_s: f64,
    /// Simulated time it took the pods to run, in seconds.
    pub start_simulated_s: f64,
    /// Simulated seconds stepped at steady state (one-second steps).
    pub steady_simulated_s: u64,
    /// Wall time those steps took, in seconds.
    pub steady_wall_s: f64,
    /// Pending timers once steady (0 for a cluster with nothing to do).
    pub pending_timers: usize,
    /// Live heap bytes before building and after, when the caller counts
    /// allocations.
    pub heap_bytes: Option<(usize, usize)>,
    /// Resident set size before building and after, in bytes (Linux).
    pub rss_bytes: Option<(usize, usize)>,
    /// Heap bytes each part of the cluster held (freed when dropped), when
    /// allocations are counted.
    pub breakdown: Vec<(&'static str, usize)>,
}

impl SteadyReport {
    /// Simulated seconds per wall second at steady state.
    pub fn simulated_per_wall_second(&self) -> f64 {
        self.steady_simulated_s as f64 / self.steady_wall_s.max(1e-9)
    }

    /// Heap bytes per running pod (everything the cluster holds, divided
    /// by its pods), when allocations were counted.
    pub fn heap_per_pod(&self) -> Option<f64> {
        self.heap_bytes
            .map(|(a, b)| b.saturating_sub(a) as f64 / self.running.max(1) as f64)
    }

    /// Resident bytes per running pod, when known.
    pub fn rss_per_pod(&self) -> Option<f64> {
        self.rss_bytes
            .map(|(a, b)| b.saturating_sub(a) as f64 / self.running.max(1) as f64)
    }
}

/// The resident set size of this process (Linux), in bytes.
pub fn rss_bytes() -> Option<usize> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: usize = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

/// Empties the cluster part by part, measuring what each part held.
fn memory_breakdown(
    cluster: &mut Cluster,
    heap: &dyn Fn() -> Option<usize>,
) -> Vec<(&'static str, usize)> {
    let mut out = Vec::new();
    let Some(mut before) = heap() else {
        return out;
    };
    let mut measure = |name: &'static str, cluster: &mut Cluster, f: &dyn Fn(&mut Cluster)| {
        f(cluster);
        let after = heap().unwrap_or(before);
        out.push((name, before.saturating_sub(after)));
        before = after;
    };
    measure("events", cluster, &|c| c.events = Default::default());
    measure("activity log", cluster, &|c| c.activity = Vec::new());
    measure("recent watch events", cluster, &|c| {
        c.recent_changes = Default::default()
    });
    measure("kubelets", cluster, &|c| c.kubelet = Default::default());
    measure("scheduler", cluster, &|c| c.scheduler = Default::default());
    measure("controllers", cluster, &|c| {
        c.controllers = Default::default()
    });
    measure("network", cluster, &|c| c.network = Default::default());
    measure("objects (store)", cluster, &|c| {
        c.store = Default::default()
    });
    out
}

/// The benchmark's worker nodes: 16 CPU, 64Gi, 110 pods, spread over four
/// zones; one in twenty is tainted for a dedicated workload.
fn workers(nodes: usize) -> Vec<NodeOptions> {
    (0..nodes)
        .map(|i| {
            let mut n = NodeOptions::worker(&format!("node-{}", i + 1));
            n.cpu_milli = 16_000;
            n.memory_bytes = 64 << 30;
            n.labels.push((
                "topology.kubernetes.io/zone".into(),
                format!("zone-{}", (b'a' + (i % 4) as u8) as char),
            ));
            if i % 20 == 19 {
                n.taints.push(Taint {
                    key: "dedicated".into(),
                    value: "batch".into(),
                    effect: "NoSchedule".into(),
                });
            }
            n
        })
        .collect()
}

/// One benchmark Deployment of `replicas` nginx pods.
fn deployment(i: usize, replicas: usize) -> crate::value::Value {
    let text = format!(
        "apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{i:05}
  labels: {{app: app-{i:05}, team: team-{team}}}
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: app-{i:05}}}
  template:
    metadata:
      labels: {{app: app-{i:05}, team: team-{team}}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports: [{{containerPort: 80}}]
        resources:
          requests: {{cpu: 50m, memory: 64Mi}}
",
        team = i % 16
    );
    crate::yaml::load_str(&text).expect("benchmark manifests are valid YAML")[0]
        .root
        .to_value()
}

/// Builds a default-shaped cluster with `nodes` workers, runs `pods` pods
/// in Deployments of 100 replicas, lets two simulated hours pass, then
/// steps `steady_seconds` of idle simulated time one second at a time. `heap` reports live heap bytes
/// when the caller counts allocations.
pub fn steady_state_benchmark(
    nodes: usize,
    pods: usize,
    steady_seconds: u64,
    heap: &dyn Fn() -> Option<usize>,
) -> SteadyReport {
    let heap0 = heap();
    let rss0 = rss_bytes();
    let t0 = Instant::now();
    let mut cluster = Cluster::with_workers(1, workers(nodes));
    let nodes_s = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let per = 100;
    let deployments = pods.div_ceil(per);
    for i in 0..deployments {
        let replicas = per.min(pods - i * per);
        let _ = cluster.create(deployment(i, replicas), &WriteOptions::user());
    }
    cluster.settle();
    let create_s = t1.elapsed().as_secs_f64();
    let t2 = Instant::now();
    let started_at = cluster.now_ms();
    let pod_res = res("Pod");
    let running = |c: &Cluster| {
        c.store()
            .list(pod_res, None)
            .filter(|(_, p)| p.str_at(&["status", "phase"]) == Some("Running"))
            .count()
    };
    let total = |c: &Cluster| c.store().count(pod_res);
    // Pulls are serialized per node: a few simulated minutes at most.
    for _ in 0..600 {
        cluster.step(SECOND);
        if cluster.now_ms().is_multiple_of(10 * SECOND) && running(&cluster) == total(&cluster) {
            break;
        }
    }
    let start_s = t2.elapsed().as_secs_f64();
    let start_simulated_s = (cluster.now_ms() - started_at) as f64 / 1e3;
    // Let the last probes and requeues pass and the build's events expire
    // (an hour after they were written), then measure idle steps.
    cluster.step(2 * 60 * 60 * SECOND);
    let running_pods = running(&cluster);
    let t3 = Instant::now();
    for _ in 0..steady_seconds {
        cluster.step(SECOND);
    }
    let steady_wall_s = t3.elapsed().as_secs_f64();
    let pending_timers = cluster.pending_timer_count();
    let heap1 = heap();
    let rss1 = rss_bytes();
    let breakdown = memory_breakdown(&mut cluster, heap);
    let report = SteadyReport {
        nodes,
        pods,
        running: running_pods,
        deployments,
        nodes_s,
        create_s,
        start_s,
        start_simulated_s,
        steady_simulated_s: steady_seconds,
        steady_wall_s,
        pending_timers,
        heap_bytes: heap0.zip(heap1),
        rss_bytes: rss0.zip(rss1),
        breakdown,
    };
    drop(cluster);
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_steady_cluster_runs_every_pod_and_idles() {
        let r = steady_state_benchmark(20, 500, 60, &|| None);
        // 500 pods, plus per node a kube-proxy, plus the control plane's,
        // CoreDNS and metrics-server.
        assert_eq!(r.running, 500 + 21 + 4 + 2 + 1);
        assert_eq!(r.deployments, 5);
        assert_eq!(r.pending_timers, 0);
        assert!(r.start_simulated_s < 120.0, "{}", r.start_simulated_s);
    }
}

#[cfg(test)]
mod idle_tests {
    use super::*;

    /// An idle cluster of `nodes` workers: stepping an hour of simulated
    /// time one second at a time does no work at all.
    fn idle_hour(nodes: usize) -> std::time::Duration {
        let mut c = Cluster::with_workers(3, workers(nodes));
        c.step(2 * 60 * 60 * SECOND);
        assert_eq!(c.pending_timer_count(), 0);
        let rv = c.store().resource_version();
        let activity = c.activity_count();
        let events = c.events().records().len();
        let t = Instant::now();
        for _ in 0..3600 {
            c.step(SECOND);
        }
        let took = t.elapsed();
        assert_eq!(c.store().resource_version(), rv);
        assert_eq!(c.activity_count(), activity);
        assert_eq!(c.events().records().len(), events);
        assert_eq!(c.pending_timer_count(), 0);
        took
    }

    #[test]
    fn an_idle_cluster_does_no_work_as_time_passes() {
        let took = idle_hour(300);
        // 3600 empty steps: microseconds each, whatever the cluster's size.
        assert!(took.as_millis() < 500, "{took:?}");
    }

    /// The same at 5000 nodes (`cargo test --release -p kubeplay-engine
    /// --lib idle -- --ignored`).
    #[test]
    #[ignore]
    fn an_idle_cluster_of_5000_nodes_does_no_work() {
        let took = idle_hour(5000);
        eprintln!("an idle hour of 5000 nodes: {took:?}");
        assert!(took.as_millis() < 100, "{took:?}");
    }
}
