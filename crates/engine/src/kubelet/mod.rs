//! The kubelet and container runtime of each node: image pulls, containers, probes, restarts, termination and the pod and node status it reports.
//!
//! Every kubelet reacts to watch events (a pod bound to its node, a pod
//! being deleted) and to its own timers (a pull finishing, a container
//! exiting, a probe falling due, a back-off running out). Nothing polls:
//! a healthy running pod with probes costs nothing until its application's
//! behaviour can change, and a node costs nothing until it is stopped.

pub mod images;

mod app;
pub(crate) use app::NODE_RESOLVER;
pub(crate) use pods::{
    end_pid1, instance_running, interactive_shell, proxied, proxy_upstream, stream_request,
};
pub mod exec;
mod nginx;
mod node;
mod pods;
mod python;
pub(crate) mod redis;
mod shell;
pub(crate) use exec::seconds as timeout_seconds;
pub(crate) use shell::{
    CURL_VALUE_OPTIONS, Context, Dialect, ShellState, User, apply_op, host_line, needs_more,
    terminal_text, to_file, to_stderr,
};

#[cfg(test)]
mod tests;

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use crate::api::errors::StatusError;
use crate::cluster::{Cluster, res};
use crate::http::{HttpAnswer, HttpRequest};
use crate::store::{ObjectKey, WatchEvent};
use crate::time::Millis;
use crate::value::Value;

pub(crate) use app::{container_resource_value, managed_hosts_file};
pub(crate) use node::NodeAgent;
pub(crate) use pods::PodRuntime;

/// What this component keeps between steps.
#[derive(Clone, Debug, Default)]
pub struct KubeletState {
    /// Set only in unit tests of other components that play the scheduler
    /// and kubelet by hand: the scheduler binds nothing and kubelets leave
    /// bound pods alone.
    pub(crate) pods_played_by_hand: bool,
    /// Set only by the scheduling benchmark: kubelets leave bound pods
    /// alone, as the nodes of kube's scheduler_perf have no kubelet, so the
    /// figure measures the scheduler alone.
    pub(crate) pods_not_run: bool,
    /// The kubelet of each registered node.
    pub(crate) nodes: BTreeMap<Rc<str>, NodeAgent>,
    /// The pods the kubelets run.
    pub(crate) pods: BTreeMap<ObjectKey, PodRuntime>,
    /// Pods bound to each node, admitted or not (for restarts).
    pub(crate) bound: BTreeMap<Rc<str>, BTreeSet<ObjectKey>>,
    /// Images made unpullable (`set_image_available`).
    pub(crate) unavailable: BTreeSet<std::rc::Rc<str>>,
    /// Pods to look at once controllers settle.
    pub(crate) pending: BTreeSet<ObjectKey>,
    /// Pods whose status changed and must be written.
    pub(crate) status_dirty: BTreeSet<ObjectKey>,
    /// Nodes whose status (images) changed.
    pub(crate) node_dirty: BTreeSet<Rc<str>>,
    /// How many nodes registered so far (their InternalIP).
    pub(crate) registered: u32,
    /// Access-log lines per container instance, written while answering
    /// requests (which only borrow the cluster); by key only.
    pub(crate) request_logs: RefCell<crate::scheduler::util::FxMap<String, Vec<(Millis, String)>>>,
    /// Source of timer tokens.
    pub(crate) tokens: u64,
    /// What containers left in storage that outlives their pods (a
    /// PersistentVolume by name, a hostPath by node and path): path inside
    /// it to content. A sorted vector as the files are (`App::env`): its
    /// own B-tree type cost more code than the map's few volumes warrant.
    pub(crate) volume_data: crate::vecmap::VecMap<String, crate::vecmap::VecMap<String, String>>,
}

/// Work this component scheduled for a later moment.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum KubeletTask {
    /// The pod's sandbox (pause container and network) is up.
    Sandbox(ObjectKey, u64),
    /// A step of one container's life.
    Container(Slot, Step),
    /// Every container stopped: remove the deleted pod.
    Finish(ObjectKey, u64),
}

/// One container of one pod, with the tokens that keep old timers from
/// acting on a newer state.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Slot {
    /// The pod.
    pub pod: ObjectKey,
    /// The pod runtime's token.
    pub epoch: u64,
    /// An init container (else a regular one).
    pub init: bool,
    /// Its index in the spec list.
    pub index: usize,
    /// The container's token.
    pub seq: u64,
}

/// What falls due for a container.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    /// The image pull ends (successfully or not).
    PullDone(bool),
    /// The container is created and started.
    Start,
    /// The application exits on its own.
    Exit,
    /// The kubelet notices the exit (PLEG) and decides on a restart.
    Detect,
    /// A crash back-off ended: start again.
    Restart,
    /// A sync while the image pull is backing off.
    PullRetry,
    /// A probe is due.
    Probe(ProbeKind),
    /// The container's process ended after SIGTERM or SIGKILL.
    Stopped(Then),
    /// A script waiting on the network (`until nslookup my-service; do
    /// sleep 2; done`) looks at the network again.
    NetCheck,
    /// The pod's periodic sync brings its ConfigMap, Secret and downward
    /// API volumes up to date.
    VolumeSync,
    /// A Redis replica's `replicationCron` connects to its master, or
    /// notices the link is lost.
    ReplicaSync,
}

/// Which probe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ProbeKind {
    /// readinessProbe
    Readiness,
    /// livenessProbe
    Liveness,
    /// startupProbe
    Startup,
}

impl ProbeKind {
    fn title(self) -> &'static str {
        match self {
            ProbeKind::Readiness => "Readiness",
            ProbeKind::Liveness => "Liveness",
            ProbeKind::Startup => "Startup",
        }
    }

    fn field(self) -> &'static str {
        match self {
            ProbeKind::Readiness => "readinessProbe",
            ProbeKind::Liveness => "livenessProbe",
            ProbeKind::Startup => "startupProbe",
        }
    }
}

/// What follows a container's stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Then {
    /// The pod is terminating: nothing restarts.
    Terminate,
    /// A failed probe: restart per policy.
    Restart,
    /// Its definition changed: start the new one at once.
    Replace,
}

/// Hears about every change to the store.
pub(crate) fn on_change(cluster: &mut Cluster, event: &WatchEvent) {
    let kind = event.key.resource.get().kind;
    match kind {
        "Pod" if !cluster.kubelet.pods_played_by_hand && !cluster.kubelet.pods_not_run => {
            pods::on_pod_change(cluster, event)
        }
        "Node" => node::on_node_change(cluster, event),
        "ConfigMap" | "Secret"
            if !cluster.kubelet.pods_played_by_hand && !cluster.kubelet.pods_not_run =>
        {
            pods::on_volume_source_change(cluster, event)
        }
        _ => {}
    }
}

/// Does pending work at the current instant; true if it did anything.
pub(crate) fn work(cluster: &mut Cluster) -> bool {
    let k = &cluster.kubelet;
    if k.pending.is_empty() && k.status_dirty.is_empty() && k.node_dirty.is_empty() {
        return false;
    }
    let mut did = false;
    let pending = std::mem::take(&mut cluster.kubelet.pending);
    for key in pending {
        did |= pods::sync(cluster, &key);
    }
    let dirty = std::mem::take(&mut cluster.kubelet.status_dirty);
    for key in dirty {
        did |= pods::write_status(cluster, &key);
    }
    let nodes = std::mem::take(&mut cluster.kubelet.node_dirty);
    for name in nodes {
        did |= node::write_images(cluster, &name);
    }
    did
}

/// When the kubelet of `node` last renewed its Lease (every 10 s while it
/// runs, computed rather than written), if it ever ran.
pub(crate) fn lease_renewed_at(cluster: &Cluster, node: &str) -> Option<Millis> {
    cluster
        .kubelet
        .nodes
        .get(node)
        .map(|agent| agent.last_renew(cluster.now))
}

/// Runs a task that fell due.
pub(crate) fn run_task(cluster: &mut Cluster, task: KubeletTask) {
    match task {
        KubeletTask::Sandbox(key, epoch) => pods::sandbox_ready(cluster, &key, epoch),
        KubeletTask::Container(slot, step) => pods::container_step(cluster, slot, step),
        KubeletTask::Finish(key, epoch) => pods::finish(cluster, &key, epoch),
    }
}

/// Go's `time.Duration` formatting of whole milliseconds: `850ms`,
/// `1.234s`, `1m20s`, `5m0s`.
pub(crate) fn go_duration(ms: Millis) -> String {
    if ms == 0 {
        return "0s".to_string();
    }
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let h = ms / 3_600_000;
    let m = (ms / 60_000) % 60;
    let s = (ms / 1000) % 60;
    let frac = ms % 1000;
    let secs = if frac == 0 {
        format!("{s}s")
    } else {
        let f = format!("{frac:03}");
        format!("{s}.{}s", f.trim_end_matches('0'))
    };
    if h > 0 {
        format!("{h}h{m}m{secs}")
    } else if m > 0 {
        format!("{m}m{secs}")
    } else {
        secs
    }
}

/// What a running pod's container answers on `port` (the simulated
/// application; its behaviour follows the container's environment).
/// Status 0 means the connection failed; the body is then curl's message.
/// An application that asks other services while it answers (the
/// Guestbook's PHP) does so through the network, as far as the nesting
/// of proxies allows.
pub(crate) fn serve_http(
    cluster: &mut Cluster,
    pod: &Value,
    port: i64,
    request: &HttpRequest,
) -> HttpAnswer {
    if cluster.network.proxy_depth < 4
        && let Some(answer) = pods::guestbook_php(cluster, pod, port, request)
    {
        return answer;
    }
    pods::serve_http(cluster, pod, port, request)
}

impl Cluster {
    /// Stops a node: its kubelet stops posting status and its containers stop.
    pub fn stop_node(&mut self, name: &str) -> Result<(), String> {
        node::stop(self, name)?;
        self.node_reachability_changed();
        Ok(())
    }

    /// Starts a stopped node again.
    pub fn start_node(&mut self, name: &str) -> Result<(), String> {
        node::start(self, name)?;
        self.node_reachability_changed();
        Ok(())
    }

    /// The aggregator's discovery checks reach pods on a node, or stop
    /// reaching them, the moment its kubelet stops or starts.
    fn node_reachability_changed(&mut self) {
        self.controllers.apiservice_pending = true;
        self.settle();
    }

    /// Removes a node from the cluster (its Node object and kubelet).
    pub fn remove_node(&mut self, name: &str) -> Result<(), String> {
        let key = ObjectKey::new(res("Node"), "", name);
        if self.store.get(&key).is_none() {
            return Err(format!("node \"{name}\" not found"));
        }
        self.delete(&key, crate::apiserver::DeleteOptions::default())
            .map(|_| ())
            .map_err(|e| e.message)?;
        self.settle();
        Ok(())
    }

    /// Whether a node's kubelet is running (registered and not stopped).
    pub fn node_running(&self, name: &str) -> bool {
        self.kubelet.nodes.get(name).is_some_and(|n| n.up)
    }

    /// When the node's kubelet last renewed its Lease (every 10 s while it
    /// runs; for a stopped node, the moment the node-monitor grace period
    /// counts from). The Lease object in the store is not rewritten every
    /// 10 s: this is the value to show.
    pub fn node_last_heartbeat(&self, name: &str) -> Option<Millis> {
        self.kubelet.nodes.get(name).map(|n| n.last_renew(self.now))
    }

    /// Kills a pod's container (the first one when `container` is None), as
    /// if its process died.
    pub fn kill_container(
        &mut self,
        namespace: &str,
        pod: &str,
        container: Option<&str>,
    ) -> Result<(), String> {
        let r = pods::kill_container(self, namespace, pod, container);
        self.settle();
        r
    }

    /// Makes an image pullable or not (a registry outage, a deleted tag).
    /// `image` is a reference (`nginx:1.27`) or a repository (`nginx`).
    pub fn set_image_available(&mut self, image: &str, available: bool) {
        let Ok(r) = images::parse(image) else {
            return;
        };
        let key = if r.explicit { r.full() } else { r.repository() };
        if available {
            self.kubelet.unavailable.remove(key.as_str());
        } else {
            self.kubelet.unavailable.insert(key.into());
        }
    }

    /// A container's log, as `kubectl logs` prints it (`previous` for the
    /// last terminated instance).
    pub fn container_logs(
        &self,
        namespace: &str,
        pod: &str,
        container: Option<&str>,
        previous: bool,
    ) -> Result<String, StatusError> {
        self.authorize_resource("get", crate::cluster::res("Pod"), "log", namespace, pod)?;
        let entries = self.container_log_entries(namespace, pod, container, previous)?;
        let mut out = String::new();
        for (_, line) in entries {
            out.push_str(&line);
            out.push('\n');
        }
        Ok(out)
    }

    /// A container's log lines with the moment each was written (for
    /// `kubectl logs --timestamps` and `--since`).
    pub fn container_log_entries(
        &self,
        namespace: &str,
        pod: &str,
        container: Option<&str>,
        previous: bool,
    ) -> Result<Vec<(Millis, String)>, StatusError> {
        pods::logs(self, namespace, pod, container, previous)
    }

    /// A pod's current CPU (millicores) and memory (bytes) use, as
    /// metrics-server reports it for `kubectl top`.
    pub fn pod_usage(&self, namespace: &str, pod: &str) -> Option<(i64, i64)> {
        let per = self.container_usage(namespace, pod)?;
        Some(
            per.iter()
                .fold((0, 0), |(c, m), (_, cc, mm)| (c + cc, m + mm)),
        )
    }

    /// Each running container's CPU (millicores) and memory (bytes), for
    /// `kubectl top pod --containers`.
    pub fn container_usage(&self, namespace: &str, pod: &str) -> Option<Vec<(String, i64, i64)>> {
        // Nothing while metrics-server's scrapes fail.
        if !crate::metrics_server::has_metrics(self) {
            return None;
        }
        pods::usage(self, namespace, pod)
    }

    /// A node's CPU (millicores) and memory (bytes) use: its pods plus the
    /// system's own share, for `kubectl top node`.
    pub fn node_usage(&self, name: &str) -> Option<(i64, i64)> {
        if !crate::metrics_server::has_metrics(self) {
            return None;
        }
        node::usage(self, name)
    }

    /// When a pod on an unreachable node will be evicted by the
    /// taint-eviction controller, if an eviction is scheduled.
    pub fn eviction_deadline(&self, namespace: &str, pod: &str) -> Option<Millis> {
        crate::controllers::nodelifecycle::eviction_deadline(self, namespace, pod)
    }

    /// When the node lifecycle controller will mark a stopped node's
    /// conditions Unknown (pending), or marked them (past).
    pub fn node_unknown_at(&self, name: &str) -> Option<Millis> {
        crate::controllers::nodelifecycle::node_unknown_at(self, name)
    }

    /// When a container's crash or image-pull back-off ends, if it is
    /// waiting in one.
    pub fn backoff_until(&self, namespace: &str, pod: &str, container: &str) -> Option<Millis> {
        pods::backoff_until(self, namespace, pod, container)
    }
}

/// Whether the API server may drop a deleted pod whose grace period ran
/// out: not when it is bound to a node whose kubelet is down or gone.
pub(crate) fn may_expire_grace(cluster: &Cluster, key: &ObjectKey) -> bool {
    let Some(pod) = cluster.store.get(key) else {
        return false;
    };
    match pod.str_at(&["spec", "nodeName"]).filter(|n| !n.is_empty()) {
        // A kubelet that runs the pod kills what is left at the grace
        // period's end, writes the status and deletes it itself.
        Some(_) if cluster.kubelet.pods.contains_key(key) => false,
        Some(node) => cluster.kubelet.nodes.get(node).is_some_and(|n| n.up),
        None => true,
    }
}
