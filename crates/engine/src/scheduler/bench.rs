//! The scheduling benchmark behind `kubeplay bench`: a cluster of N nodes
//! (varied sizes, zones and labels, some tainted) and P pods (mixed
//! requests, some with node selectors, node affinity, tolerations and
//! topology spread constraints), all scheduled through the full pipeline.
//!
//! Pod creation (through the API server) and scheduling are timed
//! separately; `pods_per_second` is the scheduling rate.

use crate::apiserver::WriteOptions;
use crate::cluster::{Cluster, NodeOptions, Taint};
use crate::value::Value;

/// What [`scheduling_benchmark`] measured.
#[derive(Clone, Debug, PartialEq)]
pub struct BenchReport {
    /// Nodes in the cluster.
    pub nodes: usize,
    /// Pods created.
    pub pods: usize,
    /// Pods bound to a node.
    pub scheduled: u64,
    /// Scheduling attempts (cycles), including failed ones.
    pub attempts: u64,
    /// Attempts that found no node.
    pub unschedulable: u64,
    /// Wall time to create the nodes, in milliseconds.
    pub setup_ms: f64,
    /// Wall time to create the pods through the API server, in milliseconds.
    pub create_ms: f64,
    /// Wall time to schedule and bind every pod, in milliseconds.
    pub schedule_ms: f64,
    /// Scheduled pods per second of scheduling time.
    pub pods_per_second: f64,
    /// CPU time this thread spent scheduling, in milliseconds, when the
    /// platform reports it (Linux): unlike wall time it does not grow when
    /// other processes compete for the CPU.
    pub schedule_cpu_ms: Option<f64>,
}

impl BenchReport {
    /// Scheduled pods per second of CPU time, when known.
    pub fn pods_per_cpu_second(&self) -> Option<f64> {
        self.schedule_cpu_ms
            .map(|ms| self.scheduled as f64 / (ms / 1e3).max(1e-9))
    }
}

impl std::fmt::Display for BenchReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} nodes, {} pods: scheduled {} in {:.0} ms ({:.0} pods/s), {} attempts ({} unschedulable); pod creation {:.0} ms, node setup {:.0} ms",
            self.nodes,
            self.pods,
            self.scheduled,
            self.schedule_ms,
            self.pods_per_second,
            self.attempts,
            self.unschedulable,
            self.create_ms,
            self.setup_ms
        )?;
        if let (Some(cpu), Some(rate)) = (self.schedule_cpu_ms, self.pods_per_cpu_second()) {
            write!(
                f,
                "; scheduling CPU time {cpu:.0} ms ({rate:.0} pods per CPU second)"
            )?;
        }
        Ok(())
    }
}

/// A tiny xorshift so the workload does not consume the cluster's RNG.
pub(crate) struct XorShift(pub(crate) u64);

impl XorShift {
    pub(crate) fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

pub(crate) const ZONES: [&str; 4] = ["zone-a", "zone-b", "zone-c", "zone-d"];

/// Builds the benchmark cluster's nodes.
pub(crate) fn bench_nodes(cluster: &mut Cluster, nodes: usize) {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    for i in 0..nodes {
        let mut n = NodeOptions::worker(&format!("node-{}", i + 1));
        let size = rng.below(3);
        n.cpu_milli = [8000, 16000, 32000][size as usize];
        n.memory_bytes = [32i64 << 30, 64 << 30, 128 << 30][size as usize];
        n.pods = 110;
        n.labels.push((
            "topology.kubernetes.io/zone".into(),
            ZONES[i % ZONES.len()].into(),
        ));
        n.labels.push((
            "disktype".into(),
            if rng.below(4) == 0 { "ssd" } else { "hdd" }.into(),
        ));
        n.labels
            .push(("cores".into(), (n.cpu_milli / 1000).to_string()));
        match rng.below(20) {
            0 => n.taints.push(Taint {
                key: "dedicated".into(),
                value: "batch".into(),
                effect: "NoSchedule".into(),
            }),
            1 => n.taints.push(Taint {
                key: "spot".into(),
                value: "true".into(),
                effect: "PreferNoSchedule".into(),
            }),
            _ => {}
        }
        let _ = cluster.add_node(n);
    }
}

/// The i-th benchmark pod.
pub(crate) fn bench_pod(i: usize, rng: &mut XorShift) -> Value {
    let app = format!("app-{}", i % 64);
    let cpu = ["100m", "250m", "500m", "1"][rng.below(4) as usize];
    let mem = ["128Mi", "256Mi", "512Mi", "1Gi"][rng.below(4) as usize];
    let mut spec = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: bench-{i}\n  labels: {{app: {app}}}\nspec:\n  automountServiceAccountToken: false\n  containers:\n  - name: main\n    image: registry.k8s.io/pause:3.10\n    resources:\n      requests: {{cpu: {cpu}, memory: {mem}}}\n"
    );
    match rng.below(20) {
        0..=3 => spec.push_str("  nodeSelector: {disktype: ssd}\n"),
        4..=5 => spec.push_str(&format!(
            "  affinity:\n    nodeAffinity:\n      requiredDuringSchedulingIgnoredDuringExecution:\n        nodeSelectorTerms:\n        - matchExpressions:\n          - {{key: topology.kubernetes.io/zone, operator: In, values: [{}, {}]}}\n          - {{key: cores, operator: Gt, values: ['8']}}\n",
            ZONES[rng.below(4) as usize],
            ZONES[rng.below(4) as usize]
        )),
        6..=7 => spec.push_str(
            "  affinity:\n    nodeAffinity:\n      preferredDuringSchedulingIgnoredDuringExecution:\n      - weight: 50\n        preference:\n          matchExpressions:\n          - {key: disktype, operator: In, values: [ssd]}\n",
        ),
        8 => spec.push_str(&format!(
            "  topologySpreadConstraints:\n  - maxSkew: 5\n    topologyKey: topology.kubernetes.io/zone\n    whenUnsatisfiable: DoNotSchedule\n    labelSelector: {{matchLabels: {{app: {app}}}}}\n"
        )),
        9 => spec.push_str(&format!(
            "  topologySpreadConstraints:\n  - maxSkew: 1\n    topologyKey: kubernetes.io/hostname\n    whenUnsatisfiable: ScheduleAnyway\n    labelSelector: {{matchLabels: {{app: {app}}}}}\n"
        )),
        10 => spec.push_str(
            "  tolerations:\n  - {key: dedicated, operator: Equal, value: batch, effect: NoSchedule}\n",
        ),
        _ => {}
    }
    crate::yaml::load_str(&spec).expect("benchmark pods are valid YAML")[0]
        .root
        .to_value()
}

/// CPU time of the calling thread in nanoseconds (Linux `schedstat`).
fn thread_cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// The timed phase, a function of its own so that profilers can single it
/// out (`valgrind --toggle-collect=*timed_settle`).
#[inline(never)]
fn timed_settle(cluster: &mut Cluster) {
    cluster.settle();
}

/// Builds a cluster of `nodes` nodes, creates `pods` pods and schedules
/// them all, timing creation and scheduling separately; with
/// `controller_manager`, kube-controller-manager's controllers react to
/// every binding too.
pub fn scheduling_benchmark(nodes: usize, pods: usize, controller_manager: bool) -> BenchReport {
    use std::time::Instant;
    let t0 = Instant::now();
    let mut cluster = Cluster::empty(42);
    // Like kube's scheduler_perf: nodes without kubelets, so only the
    // scheduler's work is timed.
    cluster.kubelet.pods_not_run = true;
    bench_nodes(&mut cluster, nodes);
    cluster.settle();
    // scheduler_perf runs no kube-controller-manager either; with
    // `controller_manager` its controllers hear every binding, as in a
    // whole cluster.
    cluster.controllers.off = !controller_manager;
    let setup_ms = t0.elapsed().as_secs_f64() * 1e3;
    let mut rng = XorShift(7);
    let t1 = Instant::now();
    for i in 0..pods {
        let pod = bench_pod(i, &mut rng);
        let _ = cluster.create(pod, &WriteOptions::user());
    }
    let create_ms = t1.elapsed().as_secs_f64() * 1e3;
    let before = cluster.scheduler_stats();
    let cpu0 = thread_cpu_ns();
    let t2 = Instant::now();
    timed_settle(&mut cluster);
    let schedule_ms = t2.elapsed().as_secs_f64() * 1e3;
    let schedule_cpu_ms = match (cpu0, thread_cpu_ns()) {
        (Some(a), Some(b)) => Some(b.saturating_sub(a) as f64 / 1e6),
        _ => None,
    };
    let after = cluster.scheduler_stats();
    let scheduled = after.scheduled - before.scheduled;
    BenchReport {
        nodes,
        pods,
        scheduled,
        attempts: after.attempts - before.attempts,
        unschedulable: after.unschedulable - before.unschedulable,
        setup_ms,
        create_ms,
        schedule_ms,
        pods_per_second: scheduled as f64 / (schedule_ms / 1e3).max(1e-9),
        schedule_cpu_ms,
    }
}
