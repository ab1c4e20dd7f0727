//! A kubelet's pods: admission, sandbox, image pulls with back-off, init
//! and regular containers, probes, restarts with CrashLoopBackOff,
//! graceful termination, and the pod status it writes.

use crate::sort::CompactSort;
use std::rc::Rc;

use super::app::{self, App};
use super::images::{self, ResolvedImage};
use super::{KubeletTask, ProbeKind, Slot, Step, Then, go_duration};
use crate::api::errors::{StatusError, quote};
use crate::apiserver::ipv4;
use crate::cluster::{Cluster, Task, res};
use crate::events::EventType;
use crate::http::{ConnectFailure, HttpAnswer, HttpRequest};
use crate::store::{ObjectKey, WatchEvent, WatchEventType};
use crate::time::{Millis, SECOND, parse_rfc3339, rfc3339};
use crate::value::Value;
use crate::vecmap::VecMap;

/// Crash back-off: 10 s doubling to 5 minutes (`MaxContainerBackOff`).
const CRASH_INITIAL: Millis = 10 * SECOND;
const CRASH_MAX: Millis = 300 * SECOND;
/// Image pull back-off: 10 s doubling to `MaxImageBackOff`.
const PULL_INITIAL: Millis = 10 * SECOND;
const PULL_MAX: Millis = 300 * SECOND;
/// How fast images download, bytes per second.
const PULL_RATE: u64 = 50_000_000;

/// `flowcontrol.Backoff`'s entry for one key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Backoff {
    pub delay: Millis,
    pub last: Millis,
}

fn backoff_next(b: &mut Option<Backoff>, at: Millis, initial: Millis, max: Millis) {
    *b = Some(match *b {
        Some(e) if at.saturating_sub(e.last) <= 2 * max => Backoff {
            delay: (e.delay * 2).min(max),
            last: at,
        },
        _ => Backoff {
            delay: initial,
            last: at,
        },
    });
}

/// `IsInBackOffSince(key, eventTime)`.
fn in_backoff_since(b: Option<Backoff>, event: Millis, now: Millis, max: Millis) -> bool {
    match b {
        Some(e) if now.saturating_sub(e.last) <= 2 * max => now.saturating_sub(event) < e.delay,
        _ => false,
    }
}

/// `IsInBackOffSinceUpdate(key, now)`.
fn in_backoff_since_update(b: Option<Backoff>, now: Millis, max: Millis) -> bool {
    match b {
        Some(e) if now.saturating_sub(e.last) <= 2 * max => now.saturating_sub(e.last) < e.delay,
        _ => false,
    }
}

/// A container's state as the runtime reports it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum CState {
    Waiting {
        reason: String,
        message: Option<String>,
    },
    Running,
    Terminated(Term),
}

/// A terminated container instance.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Term {
    pub exit: i32,
    pub reason: String,
    pub message: Option<String>,
    pub started: Millis,
    pub finished: Millis,
    pub id: String,
}

/// One instance of a container (what `kubectl logs` reads).
#[derive(Clone, Debug)]
pub(crate) struct Instance {
    pub id: String,
    pub app: App,
    pub started: Millis,
    pub finished: Option<Millis>,
    /// Lines written outside the app's own plan (shutdown messages).
    pub extra: Vec<(Millis, String)>,
    /// Where the probe workers' ticks fall within a second.
    pub probe_phase: Millis,
    /// When its readiness and liveness probes began: once the startup
    /// probe succeeded (at the start without one).
    pub probes_from: Option<Millis>,
    /// When the kubelet began stopping it, which ends its liveness and
    /// startup probes.
    pub probes_until: Option<Millis>,
    /// When it stopped answering while being stopped (a server closes its
    /// listeners on SIGTERM), which ends its readiness probes' requests.
    pub serving_until: Option<Millis>,
    /// The Redis server it runs, once a client connected: its settings
    /// and keys live as long as the process.
    pub redis: Option<Box<super::redis::Server>>,
}

#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct ProbeRt {
    last: Option<bool>,
    run: u32,
    /// A look is scheduled (none while the probe waits for the app's next
    /// change point).
    pending: bool,
}

/// A pull in progress.
#[derive(Clone, Debug)]
pub(crate) struct PullJob {
    requested: Millis,
    started: Millis,
    result: Result<ResolvedImage, String>,
}

/// One container of a pod on a node.
#[derive(Clone, Debug)]
pub(crate) struct Ctr {
    pub name: Rc<str>,
    pub spec: Value,
    pub sidecar: bool,
    pub state: CState,
    pub last: Option<Term>,
    pub restarts: u32,
    pub image: Option<ResolvedImage>,
    pub crash_backoff: Option<Backoff>,
    pub pull_backoff: Option<Backoff>,
    pub pull_error: Option<String>,
    pub pull: Option<PullJob>,
    pub ready: bool,
    pub started: bool,
    pub current: Option<Instance>,
    pub previous: Option<Instance>,
    pub seq: u64,
    /// A pull or create is under way.
    pub in_flight: bool,
    /// Waiting for a retry or back-off timer.
    pub retry_pending: bool,
    /// An error only a spec change clears (bad image name, Never policy).
    pub stuck: bool,
    /// An init container finished successfully.
    pub done: bool,
    pub stopping: bool,
    /// An ephemeral container (`kubectl debug`): it follows the regular
    /// ones in `main`, never restarts, and counts for neither the pod's
    /// phase nor its readiness.
    pub ephemeral: bool,
    stop_code: i32,
    probes: [ProbeRt; 3],
}

impl Ctr {
    fn new(spec: &Value, sidecar: bool, waiting: &str) -> Ctr {
        Ctr {
            name: Rc::from(spec.get("name").as_str().unwrap_or("")),
            spec: spec.clone(),
            sidecar,
            state: CState::Waiting {
                reason: waiting.to_string(),
                message: None,
            },
            last: None,
            restarts: 0,
            image: None,
            crash_backoff: None,
            pull_backoff: None,
            pull_error: None,
            pull: None,
            ready: false,
            started: false,
            current: None,
            previous: None,
            seq: 0,
            in_flight: false,
            retry_pending: false,
            stuck: false,
            done: false,
            stopping: false,
            ephemeral: false,
            stop_code: 0,
            probes: [ProbeRt::default(); 3],
        }
    }

    fn image_spec(&self) -> &str {
        self.spec.get("image").as_str().unwrap_or("")
    }

    fn running(&self) -> bool {
        matches!(self.state, CState::Running)
    }

    fn probe(&self, kind: ProbeKind) -> Option<&Value> {
        let p = self.spec.get(kind.field());
        (!p.is_null()).then_some(p)
    }

    fn created(&self) -> bool {
        self.current.is_some()
    }
}

/// A pod as one kubelet runs it.
#[derive(Clone, Debug)]
pub(crate) struct PodRuntime {
    pub epoch: u64,
    pub uid: Rc<str>,
    pub node: Rc<str>,
    pub admitted_at: Millis,
    pub ip: Option<u32>,
    pub sandbox: bool,
    pub init: Vec<Ctr>,
    pub main: Vec<Ctr>,
    pub initialized: bool,
    pub terminating: bool,
    pub terminal: Option<&'static str>,
    /// Its effective (milli-CPU, memory) requests, for admitting others.
    pub requests: (i64, i64),
    /// The kubelet's conditions (status, last transition) by type: a
    /// handful, so a sorted vector (no B-tree code for this type).
    conds: VecMap<&'static str, (String, Millis)>,
    mount_backoff: Millis,
    /// The pod sync at which its volumes are next brought up to date, if
    /// one is scheduled.
    volume_sync_due: Option<Millis>,
}

impl PodRuntime {
    fn ctr(&self, init: bool, index: usize) -> Option<&Ctr> {
        if init {
            self.init.get(index)
        } else {
            self.main.get(index)
        }
    }

    fn ctr_mut(&mut self, init: bool, index: usize) -> Option<&mut Ctr> {
        if init {
            self.init.get_mut(index)
        } else {
            self.main.get_mut(index)
        }
    }

    /// The regular containers (not the ephemeral ones).
    fn regular(&self) -> impl Iterator<Item = &Ctr> {
        self.main.iter().filter(|c| !c.ephemeral)
    }

    /// Where the container of this name is: (init, index), a regular
    /// container before an init container of the same name.
    fn slot_of(&self, name: &str) -> Option<(bool, usize)> {
        self.main
            .iter()
            .position(|c| &*c.name == name)
            .map(|i| (false, i))
            .or_else(|| {
                self.init
                    .iter()
                    .position(|c| &*c.name == name)
                    .map(|i| (true, i))
            })
    }

    /// What survives a node stop: (container, restarts, started, ID).
    pub(crate) fn frozen(&self) -> Vec<(String, u32, Millis, String)> {
        self.init
            .iter()
            .chain(self.main.iter())
            .filter_map(|c| {
                let i = c.current.as_ref()?;
                Some((c.name.to_string(), c.restarts, i.started, i.id.clone()))
            })
            .collect()
    }

    fn all(&self) -> impl Iterator<Item = &Ctr> {
        self.init.iter().chain(self.main.iter())
    }
}

fn token(cluster: &mut Cluster) -> u64 {
    cluster.kubelet.tokens += 1;
    cluster.kubelet.tokens
}

fn rt<'a>(cluster: &'a Cluster, key: &ObjectKey) -> Option<&'a PodRuntime> {
    cluster.kubelet.pods.get(key)
}

fn rt_mut<'a>(cluster: &'a mut Cluster, key: &ObjectKey) -> Option<&'a mut PodRuntime> {
    cluster.kubelet.pods.get_mut(key)
}

fn slot_ctr<'a>(cluster: &'a mut Cluster, slot: &Slot) -> Option<&'a mut Ctr> {
    let rt = cluster.kubelet.pods.get_mut(&slot.pod)?;
    if rt.epoch != slot.epoch {
        return None;
    }
    let c = rt.ctr_mut(slot.init, slot.index)?;
    (c.seq == slot.seq).then_some(c)
}

fn schedule(cluster: &mut Cluster, delay: Millis, task: KubeletTask) {
    cluster.schedule(delay, Task::Kubelet(task));
}

fn schedule_step(
    cluster: &mut Cluster,
    key: &ObjectKey,
    init: bool,
    index: usize,
    delay: Millis,
    step: Step,
) {
    let Some(r) = rt(cluster, key) else {
        return;
    };
    let Some(c) = r.ctr(init, index) else {
        return;
    };
    let slot = Slot {
        pod: key.clone(),
        epoch: r.epoch,
        init,
        index,
        seq: c.seq,
    };
    schedule(cluster, delay, KubeletTask::Container(slot, step));
}

fn dirty(cluster: &mut Cluster, key: &ObjectKey) {
    cluster.kubelet.status_dirty.insert(key.clone());
}

fn rand_between(cluster: &mut Cluster, lo: Millis, hi: Millis) -> Millis {
    lo + cluster.rng.below(hi.saturating_sub(lo).max(1))
}

fn field_path(init: bool, name: &str) -> String {
    format!(
        "spec.{}{{{name}}}",
        if init { "initContainers" } else { "containers" }
    )
}

/// Records a kubelet event about a pod (optionally one of its containers).
fn pod_event(
    cluster: &mut Cluster,
    key: &ObjectKey,
    container: Option<(bool, &str)>,
    event_type: EventType,
    reason: &str,
    message: &str,
) {
    let Some(pod) = cluster.store.get(key).cloned() else {
        return;
    };
    let node = pod.str_at(&["spec", "nodeName"]).unwrap_or("").to_string();
    let fp = container.map(|(init, name)| {
        let ephemeral = !init
            && pod
                .at(&["spec", "ephemeralContainers"])
                .items()
                .any(|c| c.get("name").as_str() == Some(name));
        if ephemeral {
            format!("spec.ephemeralContainers{{{name}}}")
        } else {
            field_path(init, name)
        }
    });
    cluster.record_event(
        &pod,
        fp.as_deref(),
        event_type,
        reason,
        message,
        ("kubelet", Some(&node)),
    );
}

fn pod_desc(cluster: &Cluster, key: &ObjectKey) -> String {
    let uid = rt(cluster, key)
        .map(|r| r.uid.to_string())
        .unwrap_or_default();
    format!("{}_{}({uid})", key.name, key.namespace)
}

fn note(cluster: &mut Cluster, key: &ObjectKey, message: String) {
    let node = rt(cluster, key)
        .map(|r| r.node.to_string())
        .unwrap_or_default();
    cluster.note(
        &format!("kubelet/{node}"),
        format!("{}/{}: {message}", key.namespace, key.name),
    );
}

/// Equal values, checking shared subtrees by pointer first (a status
/// write leaves the spec the same allocation).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) if Rc::ptr_eq(x, y) => true,
        (Value::Array(x), Value::Array(y)) if Rc::ptr_eq(x, y) => true,
        _ => a == b,
    }
}

/// Watch events about pods: bound pods are noted for their kubelet.
pub(crate) fn on_pod_change(cluster: &mut Cluster, event: &WatchEvent) {
    let key = &event.key;
    match event.kind {
        WatchEventType::Deleted => {
            if let Some(old) = &event.old
                && let Some(node) = old.str_at(&["spec", "nodeName"])
                && let Some(set) = cluster.kubelet.bound.get_mut(node)
            {
                set.remove(key);
            }
            if cluster.kubelet.pods.contains_key(key) {
                cluster.kubelet.pending.insert(key.clone());
            }
        }
        WatchEventType::Added | WatchEventType::Modified => {
            let Some(pod) = cluster.store.get(key) else {
                return;
            };
            let Some(node) = pod.str_at(&["spec", "nodeName"]).filter(|n| !n.is_empty()) else {
                return;
            };
            let node: Rc<str> = Rc::from(node);
            let known = cluster.kubelet.pods.contains_key(key);
            let interesting = if known {
                // Our own status writes change nothing the kubelet acts on.
                match &event.old {
                    Some(old) => {
                        if !pod.at(&["spec", "readinessGates"]).is_null()
                            && old.at(&["status", "conditions"])
                                != pod.at(&["status", "conditions"])
                        {
                            // A readiness gate's condition may have changed.
                            cluster.kubelet.status_dirty.insert(key.clone());
                        }
                        !same(old.get("spec"), pod.get("spec"))
                            || old.at(&["metadata", "deletionTimestamp"])
                                != pod.at(&["metadata", "deletionTimestamp"])
                            || old.at(&["status", "phase"]) != pod.at(&["status", "phase"])
                    }
                    None => true,
                }
            } else {
                true
            };
            // Labels and annotations shown through the downward API: the
            // pod's update syncs it at once (`podsDifferSemantically`), and
            // the sync remounts its volumes.
            let relabeled = known
                && event.old.as_ref().is_some_and(|old| {
                    ["labels", "annotations"]
                        .iter()
                        .any(|f| old.at(&["metadata", f]) != pod.at(&["metadata", f]))
                })
                && pod.at(&["spec", "volumes"]).items().any(|v| {
                    !v.get("downwardAPI").is_null()
                        || v.at(&["projected", "sources"])
                            .items()
                            .any(|s| !s.get("downwardAPI").is_null())
                });
            cluster
                .kubelet
                .bound
                .entry(node)
                .or_default()
                .insert(key.clone());
            if interesting {
                cluster.kubelet.pending.insert(key.clone());
            }
            if relabeled {
                schedule_volume_sync(cluster, key, true);
            }
        }
    }
}

/// Looks at one pod: admits it, starts its termination, follows spec
/// changes, or forgets it once gone. True if anything changed.
pub(crate) fn sync(cluster: &mut Cluster, key: &ObjectKey) -> bool {
    let pod = cluster.store.get(key).cloned();
    let known = cluster.kubelet.pods.contains_key(key);
    match (pod, known) {
        (None, true) => {
            forget_pod(cluster, key);
            true
        }
        (None, false) => false,
        (Some(pod), false) => {
            let node = pod.str_at(&["spec", "nodeName"]).unwrap_or("");
            if !cluster.kubelet.nodes.get(node).is_some_and(|n| n.up) {
                return false;
            }
            if !pod.at(&["metadata", "deletionTimestamp"]).is_null() {
                // Deleted while the kubelet could not act: nothing runs, so
                // the deletion completes as soon as the kubelet sees it.
                if let Some(agent) = cluster.kubelet.nodes.get_mut(node) {
                    agent.frozen.remove(key);
                }
                cluster.finish_pod_deletion(key);
                return true;
            }
            if matches!(
                pod.str_at(&["status", "phase"]),
                Some("Succeeded" | "Failed")
            ) {
                return false;
            }
            if let Some((reason, message)) = admission_failure(cluster, key, &pod, node) {
                reject(cluster, key, &pod, &reason, &message);
                return true;
            }
            admit(cluster, key, &pod);
            true
        }
        (Some(pod), true) => {
            let deleting = !pod.at(&["metadata", "deletionTimestamp"]).is_null();
            let terminating = rt(cluster, key).is_some_and(|r| r.terminating);
            if deleting && !terminating {
                begin_termination(cluster, key, &pod);
                return true;
            }
            // Another component (the eviction manager, a `status` script
            // line) wrote a terminal phase: like the kubelet's syncPod, stop
            // the containers and keep the pod in that phase.
            if let Some(phase) = terminal_phase(&pod)
                && !terminating
                && rt(cluster, key).is_some_and(|r| r.terminal.is_none())
            {
                if let Some(r) = rt_mut(cluster, key) {
                    r.terminal = Some(phase);
                }
                let mut pod = pod;
                if pod
                    .at(&["metadata", "deletionGracePeriodSeconds"])
                    .is_null()
                {
                    let grace = pod
                        .at(&["spec", "terminationGracePeriodSeconds"])
                        .as_i64()
                        .unwrap_or(30);
                    pod.set_at(
                        &["metadata", "deletionGracePeriodSeconds"],
                        Value::Int(grace),
                    );
                }
                begin_termination(cluster, key, &pod);
                return true;
            }
            if !deleting {
                return follow_spec(cluster, key, &pod);
            }
            false
        }
    }
}

/// `Succeeded` or `Failed` when the pod's stored phase is terminal.
fn terminal_phase(pod: &Value) -> Option<&'static str> {
    match pod.str_at(&["status", "phase"]) {
        Some("Succeeded") => Some("Succeeded"),
        Some("Failed") => Some("Failed"),
        _ => None,
    }
}

fn forget_pod(cluster: &mut Cluster, key: &ObjectKey) {
    redis_pod_gone(cluster, key, false);
    if let Some(r) = cluster.kubelet.pods.remove(key) {
        if let (Some(ip), Some(agent)) = (r.ip, cluster.kubelet.nodes.get_mut(&r.node)) {
            agent.used_ips.remove(&ip);
        }
        let mut logs = cluster.kubelet.request_logs.borrow_mut();
        for c in r.all() {
            for i in [&c.current, &c.previous].into_iter().flatten() {
                logs.remove(&i.id);
            }
        }
    }
    cluster.kubelet.status_dirty.remove(key);
}

/// A pod's effective requests (milli-CPU, memory bytes): the larger of its
/// containers' sum and its biggest init container.
fn requests(pod: &Value) -> (i64, i64) {
    let get = |c: &Value, r: &str, milli: bool| -> i64 {
        c.at(&["resources", "requests", r])
            .as_str()
            .and_then(|q| crate::quantity::Quantity::parse(q).ok())
            .map_or(0, |q| if milli { q.milli_value() } else { q.value() })
    };
    let sum = |list: &str, milli: bool, r: &str| -> i64 {
        pod.at(&["spec", list])
            .items()
            .map(|c| get(c, r, milli))
            .sum()
    };
    let max_init = |milli: bool, r: &str| -> i64 {
        pod.at(&["spec", "initContainers"])
            .items()
            .map(|c| get(c, r, milli))
            .max()
            .unwrap_or(0)
    };
    (
        sum("containers", true, "cpu").max(max_init(true, "cpu")),
        sum("containers", false, "memory").max(max_init(false, "memory")),
    )
}

/// The kubelet's own admission: a pod that does not fit the node's
/// allocatable resources is rejected (`OutOfcpu`, `OutOfmemory`,
/// `OutOfpods`), as is one the node's labels do not suit
/// (`NodeAffinity`), as happens when `nodeName` bypasses the scheduler.
fn admission_failure(
    cluster: &Cluster,
    key: &ObjectKey,
    pod: &Value,
    node: &str,
) -> Option<(String, String)> {
    let node_obj = cluster.store.get_named(res("Node"), "", node)?;
    let alloc = |r: &str, milli: bool| -> Option<i64> {
        node_obj
            .at(&["status", "allocatable", r])
            .as_str()
            .and_then(|q| crate::quantity::Quantity::parse(q).ok())
            .map(|q| if milli { q.milli_value() } else { q.value() })
    };
    let (mut used_cpu, mut used_mem, mut used_pods) = (0i64, 0i64, 0i64);
    for other in cluster.kubelet.bound.get(node).into_iter().flatten() {
        if other == key {
            continue;
        }
        let Some(r) = cluster.kubelet.pods.get(other) else {
            continue;
        };
        if r.terminal.is_some() || cluster.store.get(other).is_none() {
            continue;
        }
        used_cpu += r.requests.0;
        used_mem += r.requests.1;
        used_pods += 1;
    }
    let (cpu, mem) = requests(pod);
    for (name, requested, used, capacity) in [
        ("cpu", cpu, used_cpu, alloc("cpu", true)),
        ("memory", mem, used_mem, alloc("memory", false)),
        ("pods", 1, used_pods, alloc("pods", false)),
    ] {
        if let Some(capacity) = capacity
            && requested > 0
            && used + requested > capacity
        {
            return Some((
                format!("OutOf{name}"),
                format!(
                    "Node didn't have enough resource: {name}, requested: {requested}, used: {used}, capacity: {capacity}"
                ),
            ));
        }
    }
    // AdmissionCheck's next predicate: the pod's nodeSelector and required
    // node affinity against the node's labels (a `nodeName` skips the
    // scheduler, not this).
    use crate::scheduler::{selectors::RequiredNodeAffinity, util};
    let mut interner = util::Interner::default();
    let required = RequiredNodeAffinity::compile(pod.get("spec"), &mut interner);
    if required.is_set() {
        let labels = util::intern_labels(&mut interner, node_obj.at(&["metadata", "labels"]));
        let name = interner.intern(node);
        if !required.matches(&labels, name, &interner) {
            return Some((
                "NodeAffinity".to_string(),
                "Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector"
                    .to_string(),
            ));
        }
    }
    None
}

/// Rejects a pod at admission: it fails without running.
fn reject(cluster: &mut Cluster, key: &ObjectKey, pod: &Value, reason: &str, message: &str) {
    let node = pod.str_at(&["spec", "nodeName"]).unwrap_or("").to_string();
    cluster.record_event(
        pod,
        None,
        EventType::Warning,
        reason,
        message,
        ("kubelet", Some(&node)),
    );
    let mut status = pod.get("status").clone();
    status.set("phase", Value::str("Failed"));
    status.set("reason", Value::str(reason));
    status.set(
        "message",
        Value::from(format!("Pod was rejected: {message}")),
    );
    status.set("startTime", Value::from(rfc3339(cluster.now)));
    let _ = cluster.update_status(key, status);
    cluster.note(
        &format!("kubelet/{node}"),
        format!(
            "{}/{}: rejected the pod ({reason})",
            key.namespace, key.name
        ),
    );
}

/// Admits a pod bound to a running node.
fn admit(cluster: &mut Cluster, key: &ObjectKey, pod: &Value) {
    let node: Rc<str> = Rc::from(pod.str_at(&["spec", "nodeName"]).unwrap_or(""));
    let has_init = pod.at(&["spec", "initContainers"]).items().next().is_some();
    let waiting = if has_init {
        "PodInitializing"
    } else {
        "ContainerCreating"
    };
    let init: Vec<Ctr> = pod
        .at(&["spec", "initContainers"])
        .items()
        .map(|c| {
            Ctr::new(
                c,
                c.get("restartPolicy").as_str() == Some("Always"),
                waiting,
            )
        })
        .collect();
    let mut main: Vec<Ctr> = pod
        .at(&["spec", "containers"])
        .items()
        .map(|c| Ctr::new(c, false, waiting))
        .collect();
    let mut init = init;
    // After a node restart the containers it ran are gone.
    let frozen = cluster
        .kubelet
        .nodes
        .get_mut(&node)
        .and_then(|a| a.frozen.remove(key));
    let restarted = frozen.is_some();
    if let Some(frozen) = frozen {
        for (name, restarts, started, id) in frozen {
            if let Some(c) = init
                .iter_mut()
                .chain(main.iter_mut())
                .find(|c| *c.name == *name)
            {
                c.restarts = restarts + 1;
                c.last = Some(Term {
                    exit: 255,
                    reason: "Unknown".into(),
                    message: None,
                    started,
                    finished: cluster.now,
                    id,
                });
            }
        }
    }
    let epoch = token(cluster);
    let runtime = PodRuntime {
        epoch,
        uid: Rc::from(pod.str_at(&["metadata", "uid"]).unwrap_or("")),
        node,
        admitted_at: cluster.now,
        ip: None,
        sandbox: false,
        init,
        main,
        initialized: !has_init,
        terminating: false,
        terminal: None,
        requests: requests(pod),
        conds: VecMap::new(),
        mount_backoff: 500,
        volume_sync_due: None,
    };
    cluster.kubelet.pods.insert(key.clone(), runtime);
    if restarted {
        pod_event(
            cluster,
            key,
            None,
            EventType::Normal,
            "SandboxChanged",
            "Pod sandbox changed, it will be killed and re-created.",
        );
    }
    dirty(cluster, key);
    let delay = rand_between(cluster, 300, 900);
    schedule(cluster, delay, KubeletTask::Sandbox(key.clone(), epoch));
    note(cluster, key, "creating the pod sandbox".to_string());
}

/// A volume the pod needs that does not exist yet (`FailedMount`).
fn missing_volume(cluster: &Cluster, pod: &Value, ns: &str) -> Option<String> {
    for v in pod.at(&["spec", "volumes"]).items() {
        let vname = v.get("name").as_str().unwrap_or("");
        for (field, kind, plural, name_key) in [
            ("configMap", "ConfigMap", "configmap", "name"),
            ("secret", "Secret", "secret", "secretName"),
        ] {
            let src = v.get(field);
            if src.is_null() || src.get("optional").as_bool() == Some(true) {
                continue;
            }
            let name = src.get(name_key).as_str().unwrap_or("");
            if cluster.store.get_named(res(kind), ns, name).is_none() {
                return Some(format!(
                    "MountVolume.SetUp failed for volume {} : {plural} {} not found",
                    quote(vname),
                    quote(name)
                ));
            }
        }
    }
    None
}

/// The sandbox is up: the pod gets its IP and containers start.
pub(crate) fn sandbox_ready(cluster: &mut Cluster, key: &ObjectKey, epoch: u64) {
    if rt(cluster, key).is_none_or(|r| r.epoch != epoch || r.terminating) {
        return;
    }
    let Some(pod) = cluster.store.get(key).cloned() else {
        return;
    };
    if let Some(msg) = missing_volume(cluster, &pod, &key.namespace) {
        pod_event(cluster, key, None, EventType::Warning, "FailedMount", &msg);
        let r = rt_mut(cluster, key).expect("checked above");
        let delay = r.mount_backoff;
        r.mount_backoff = (delay * 2).min(122 * SECOND);
        schedule(cluster, delay, KubeletTask::Sandbox(key.clone(), epoch));
        return;
    }
    let node = rt(cluster, key).map(|r| r.node.clone()).expect("checked");
    // Pods on the host network share the node's address.
    let host_network = pod.at(&["spec", "hostNetwork"]).as_bool() == Some(true);
    let ip = cluster.kubelet.nodes.get_mut(&node).and_then(|a| {
        if host_network {
            crate::apiserver::parse_ipv4(&a.internal_ip)
        } else {
            a.allocate_ip()
        }
    });
    let Some(ip) = ip else {
        pod_event(
            cluster,
            key,
            None,
            EventType::Warning,
            "FailedCreatePodSandBox",
            "Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox: plugin type=\"host-local\" failed (add): failed to allocate for range 0: no IP addresses available in range set",
        );
        schedule(
            cluster,
            10 * SECOND,
            KubeletTask::Sandbox(key.clone(), epoch),
        );
        return;
    };
    let r = rt_mut(cluster, key).expect("checked above");
    r.ip = Some(ip);
    r.sandbox = true;
    dirty(cluster, key);
    advance(cluster, key);
}

/// Starts the next containers: init containers one by one, then the
/// regular ones in order, one pull at a time.
fn advance(cluster: &mut Cluster, key: &ObjectKey) {
    let Some(r) = rt(cluster, key) else {
        return;
    };
    if r.terminating || r.terminal.is_some() || !r.sandbox {
        return;
    }
    if r.all().any(|c| c.in_flight) {
        return;
    }
    if !r.initialized {
        for (i, c) in r.init.iter().enumerate() {
            if c.sidecar {
                if c.running() && c.started {
                    continue;
                }
                if !c.created() && !c.retry_pending && !c.stuck {
                    start_container(cluster, key, true, i);
                }
                return;
            }
            if c.done {
                continue;
            }
            if !c.created() && !c.retry_pending && !c.stuck {
                start_container(cluster, key, true, i);
            }
            return;
        }
        let r = rt_mut(cluster, key).expect("checked above");
        r.initialized = true;
        dirty(cluster, key);
    }
    let count = rt(cluster, key).map_or(0, |r| r.main.len());
    for i in 0..count {
        let Some(c) = rt(cluster, key).and_then(|r| r.main.get(i)) else {
            return;
        };
        if !c.created() && !c.retry_pending && !c.stuck && !c.in_flight {
            start_container(cluster, key, false, i);
            if rt(cluster, key).is_some_and(|r| r.all().any(|c| c.in_flight)) {
                return;
            }
        }
    }
}

fn set_waiting(
    cluster: &mut Cluster,
    key: &ObjectKey,
    init: bool,
    index: usize,
    reason: &str,
    message: Option<String>,
) {
    if let Some(c) = rt_mut(cluster, key).and_then(|r| r.ctr_mut(init, index)) {
        c.state = CState::Waiting {
            reason: reason.to_string(),
            message,
        };
        c.ready = false;
        c.started = false;
    }
    dirty(cluster, key);
}

/// Registry hosts the pod has credentials for, and the pull secrets it
/// names that do not exist.
fn pull_credentials(cluster: &Cluster, pod: &Value, ns: &str) -> (Vec<String>, Vec<String>) {
    let mut hosts = Vec::new();
    let mut missing = Vec::new();
    for s in pod.at(&["spec", "imagePullSecrets"]).items() {
        let Some(name) = s.get("name").as_str() else {
            continue;
        };
        match cluster.store.get_named(res("Secret"), ns, name) {
            Some(secret) => hosts.extend(images::auth_hosts(secret)),
            None => missing.push(name.to_string()),
        }
    }
    (hosts, missing)
}

fn warn_missing_secrets(cluster: &mut Cluster, key: &ObjectKey, missing: &[String]) {
    if missing.is_empty() {
        return;
    }
    pod_event(
        cluster,
        key,
        None,
        EventType::Warning,
        "FailedToRetrieveImagePullSecret",
        &format!(
            "Unable to retrieve some image pull secrets ({}); attempting to pull the image may not succeed.",
            missing.join(", ")
        ),
    );
}

/// Makes sure a container's image is there (pulling it if needed), then
/// creates and starts the container.
fn start_container(cluster: &mut Cluster, key: &ObjectKey, init: bool, index: usize) {
    let Some(pod) = cluster.store.get(key).cloned() else {
        return;
    };
    let Some(c) = rt(cluster, key).and_then(|r| r.ctr(init, index)) else {
        return;
    };
    let name = c.name.to_string();
    let image = c.image_spec().to_string();
    let policy = c
        .spec
        .get("imagePullPolicy")
        .as_str()
        .unwrap_or_else(|| images::default_pull_policy(&image))
        .to_string();
    let pull_backoff = c.pull_backoff;
    let node = rt(cluster, key).map(|r| r.node.clone()).expect("checked");
    let r = match images::parse(&image) {
        Ok(r) => r,
        Err(e) => {
            let msg = format!(
                "Failed to apply default image tag {}: couldn't parse image reference {}: {e}",
                quote(&image),
                quote(&image)
            );
            let at = (init, index, name.as_str());
            image_failed_for_good(cluster, key, at, "InspectFailed", "InvalidImageName", msg);
            return;
        }
    };
    let present = cluster.kubelet.nodes.get(&node).and_then(|a| {
        a.images.get(&r.full()).cloned().or_else(|| {
            r.digest.as_ref().and_then(|d| {
                a.images
                    .values()
                    .find(|i| i.repo_digest.ends_with(d.as_str()))
                    .cloned()
            })
        })
    });
    if policy == "Never" && present.is_none() {
        let msg = format!(
            "Container image {} is not present with pull policy of Never",
            quote(&image)
        );
        let at = (init, index, name.as_str());
        image_failed_for_good(
            cluster,
            key,
            at,
            "ErrImageNeverPull",
            "ErrImageNeverPull",
            msg,
        );
        return;
    }
    if let Some(img) = present.clone()
        && policy != "Always"
    {
        pod_event(
            cluster,
            key,
            Some((init, &name)),
            EventType::Normal,
            "Pulled",
            &format!(
                "Container image {} already present on machine and can be accessed by the pod",
                quote(&image)
            ),
        );
        let c = rt_mut(cluster, key)
            .and_then(|r| r.ctr_mut(init, index))
            .expect("checked");
        c.image = Some(img);
        c.in_flight = true;
        let delay = rand_between(cluster, 60, 250);
        schedule_step(cluster, key, init, index, delay, Step::Start);
        return;
    }
    let (hosts, missing) = pull_credentials(cluster, &pod, &key.namespace);
    if in_backoff_since_update(pull_backoff, cluster.now, PULL_MAX) {
        warn_missing_secrets(cluster, key, &missing);
        pull_backoff_sync(cluster, key, init, index);
        return;
    }
    warn_missing_secrets(cluster, key, &missing);
    pod_event(
        cluster,
        key,
        Some((init, &name)),
        EventType::Normal,
        "Pulling",
        &format!("Pulling image {}", quote(&image)),
    );
    let result = images::resolve(&r, &hosts, &cluster.kubelet.unavailable).map_err(|e| e.0);
    let duration = match &result {
        Ok(_) if present.is_some() => rand_between(cluster, 150, 600),
        Ok(img) => img.size * 1000 / PULL_RATE + rand_between(cluster, 200, 700),
        Err(_) => rand_between(cluster, 300, 900),
    };
    let now = cluster.now;
    let agent = cluster.kubelet.nodes.get_mut(&node).expect("the node runs");
    let begin = agent.pull_free_at.max(now);
    let end = begin + duration;
    agent.pull_free_at = end;
    let ok = result.is_ok();
    let c = rt_mut(cluster, key)
        .and_then(|r| r.ctr_mut(init, index))
        .expect("checked");
    c.pull = Some(PullJob {
        requested: now,
        started: begin,
        result,
    });
    c.in_flight = true;
    schedule_step(cluster, key, init, index, end - now, Step::PullDone(ok));
    note(cluster, key, format!("pulling image {image}"));
}

/// After a container failed to start: init containers block the pod,
/// regular ones let the next container start.
/// An image problem no retry fixes (a bad reference, `Never` without the
/// image): the kubelet's event, `Failed` with `Error: <reason>`, and the
/// container waits with that reason for good.
fn image_failed_for_good(
    cluster: &mut Cluster,
    key: &ObjectKey,
    (init, index, name): (bool, usize, &str),
    event_reason: &str,
    reason: &str,
    msg: String,
) {
    let container = Some((init, name));
    pod_event(
        cluster,
        key,
        container,
        EventType::Warning,
        event_reason,
        &msg,
    );
    let failed = format!("Error: {reason}");
    pod_event(
        cluster,
        key,
        container,
        EventType::Warning,
        "Failed",
        &failed,
    );
    set_waiting(cluster, key, init, index, reason, Some(msg));
    if let Some(c) = rt_mut(cluster, key).and_then(|r| r.ctr_mut(init, index)) {
        c.stuck = true;
    }
    advance_after_failure(cluster, key, init);
}

fn advance_after_failure(cluster: &mut Cluster, key: &ObjectKey, init: bool) {
    if !init {
        advance(cluster, key);
    }
}

/// A sync while the pull backs off: `BackOff` and `ImagePullBackOff`.
fn pull_backoff_sync(cluster: &mut Cluster, key: &ObjectKey, init: bool, index: usize) {
    let Some(c) = rt(cluster, key).and_then(|r| r.ctr(init, index)) else {
        return;
    };
    let name = c.name.to_string();
    let image = c.image_spec().to_string();
    let prev = c.pull_error.clone();
    let created = c.created();
    let msg = format!("Back-off pulling image {}", quote(&image));
    pod_event(
        cluster,
        key,
        Some((init, &name)),
        EventType::Normal,
        "BackOff",
        &msg,
    );
    pod_event(
        cluster,
        key,
        Some((init, &name)),
        EventType::Warning,
        "Failed",
        "Error: ImagePullBackOff",
    );
    let full = match prev {
        Some(p) => format!("{msg}: ErrImagePull: {p}"),
        None => msg,
    };
    if created {
        // A restart that cannot pull keeps the last run in lastState.
        if let Some(c) = rt_mut(cluster, key).and_then(|r| r.ctr_mut(init, index))
            && let CState::Terminated(t) = &c.state
        {
            c.last = Some(t.clone());
        }
    }
    set_waiting(cluster, key, init, index, "ImagePullBackOff", Some(full));
    let c = rt_mut(cluster, key)
        .and_then(|r| r.ctr_mut(init, index))
        .expect("checked");
    c.retry_pending = true;
    let delay = rand_between(cluster, 10 * SECOND, 15 * SECOND);
    schedule_step(cluster, key, init, index, delay, Step::PullRetry);
    advance_after_failure(cluster, key, init);
}

/// Runs one step of a container's life.
pub(crate) fn container_step(cluster: &mut Cluster, slot: Slot, step: Step) {
    if slot_ctr(cluster, &slot).is_none() {
        return;
    }
    let key = slot.pod.clone();
    let (init, index) = (slot.init, slot.index);
    match step {
        Step::PullDone(_) => pull_done(cluster, &key, init, index),
        Step::Start => create_and_start(cluster, &key, init, index),
        Step::Exit => {
            let now = cluster.now;
            let Some(c) = slot_ctr(cluster, &slot) else {
                return;
            };
            // A volume update may have moved the script's end: only an exit
            // that is due now happens.
            let plan = c
                .current
                .as_ref()
                .and_then(|i| i.app.exit_plan().filter(|p| i.started + p.after <= now));
            if let Some(plan) = plan {
                process_exit(cluster, &key, init, index, plan.code, plan.reason);
            }
        }
        Step::Detect => detect(cluster, &key, init, index),
        Step::Restart => {
            let c = slot_ctr(cluster, &slot).expect("checked");
            c.retry_pending = false;
            restart_now(cluster, &key, init, index);
        }
        Step::PullRetry => {
            let c = slot_ctr(cluster, &slot).expect("checked");
            c.retry_pending = false;
            let waiting_image = matches!(&c.state, CState::Waiting { reason, .. } if reason == "ImagePullBackOff" || reason == "ErrImagePull" || reason == "CreateContainerConfigError");
            let created = c.created();
            if !waiting_image {
                return;
            }
            let busy = rt(cluster, &key).is_some_and(|r| r.all().any(|c| c.in_flight));
            if created || !busy {
                start_container(cluster, &key, init, index);
            }
        }
        Step::Probe(kind) => {
            if let Some(c) = slot_ctr(cluster, &slot) {
                c.probes[probe_index(kind)].pending = false;
            }
            probe_tick(cluster, &key, init, index, kind)
        }
        Step::Stopped(then) => stopped(cluster, &key, init, index, then),
        Step::NetCheck => net_check(cluster, &key, init, index),
        Step::VolumeSync => volume_sync(cluster, &key, init, index),
        Step::ReplicaSync => replica_sync(cluster, &key, init, index),
    }
}

fn pull_done(cluster: &mut Cluster, key: &ObjectKey, init: bool, index: usize) {
    let now = cluster.now;
    let Some(c) = rt_mut(cluster, key).and_then(|r| r.ctr_mut(init, index)) else {
        return;
    };
    let Some(job) = c.pull.take() else {
        return;
    };
    let name = c.name.to_string();
    let image = c.image_spec().to_string();
    match job.result {
        Ok(img) => {
            let pull = go_duration(now - job.started);
            let total = go_duration(now - job.requested);
            c.image = Some(img.clone());
            let node = rt(cluster, key).map(|r| r.node.clone()).expect("checked");
            if let Some(agent) = cluster.kubelet.nodes.get_mut(&node) {
                agent.images.insert(img.name.clone(), img.clone());
            }
            cluster.kubelet.node_dirty.insert(node);
            pod_event(
                cluster,
                key,
                Some((init, &name)),
                EventType::Normal,
                "Pulled",
                &format!(
                    "Successfully pulled image {} in {pull} ({total} including waiting). Image size: {} bytes.",
                    quote(&image),
                    img.size
                ),
            );
            let delay = rand_between(cluster, 60, 250);
            schedule_step(cluster, key, init, index, delay, Step::Start);
        }
        Err(err) => {
            c.in_flight = false;
            c.retry_pending = true;
            c.pull_error = Some(err.clone());
            backoff_next(&mut c.pull_backoff, now, PULL_INITIAL, PULL_MAX);
            let created = c.created();
            if created && let CState::Terminated(t) = &c.state {
                c.last = Some(t.clone());
            }
            pod_event(
                cluster,
                key,
                Some((init, &name)),
                EventType::Warning,
                "Failed",
                &format!("Failed to pull image {}: {err}", quote(&image)),
            );
            pod_event(
                cluster,
                key,
                Some((init, &name)),
                EventType::Warning,
                "Failed",
                "Error: ErrImagePull",
            );
            set_waiting(cluster, key, init, index, "ErrImagePull", Some(err));
            // The next sync (the runtime's events wake it) finds the back-off.
            let delay = rand_between(cluster, 800, 1200);
            schedule_step(cluster, key, init, index, delay, Step::PullRetry);
            note(cluster, key, format!("failed to pull image {image}"));
            advance_after_failure(cluster, key, init);
        }
    }
}

/// Looks up a ConfigMap's or Secret's value (`key` empty: all as `k=v` lines).
fn config_value(cluster: &Cluster, ns: &str, kind: &str, name: &str, key: &str) -> Option<String> {
    let obj = cluster.store.get_named(res(kind), ns, name)?;
    let decode = |v: &Value| -> Option<String> {
        let s = v.as_str()?;
        if kind == "Secret" {
            images::decode_base64(s).map(|b| String::from_utf8_lossy(&b).into_owned())
        } else {
            Some(s.to_string())
        }
    };
    if key.is_empty() {
        let mut out = String::new();
        for (k, v) in obj.get("data").members() {
            out.push_str(&format!("{k}={}\n", decode(v).unwrap_or_default()));
        }
        if kind == "Secret" {
            for (k, v) in obj.get("stringData").members() {
                out.push_str(&format!("{k}={}\n", v.as_str().unwrap_or("")));
            }
        }
        return Some(out);
    }
    obj.at(&["data", key])
        .as_str()
        .map(|_| decode(obj.at(&["data", key])))
        .unwrap_or_else(|| obj.at(&["stringData", key]).as_str().map(str::to_string))
}

/// What the pod's containers have written in its emptyDir volumes, by
/// volume name and path inside it: an emptyDir lives as long as the pod,
/// so a container starting (or starting again after a crash) finds what
/// the init containers, the others and its own earlier runs left there
/// (the docs' init-container and env-file examples). Later runs' files win.
fn init_volume_files(
    cluster: &Cluster,
    key: &ObjectKey,
    pod: &Value,
) -> VecMap<String, VecMap<String, String>> {
    let Some(r) = rt(cluster, key) else {
        return VecMap::new();
    };
    let mut runs: Vec<(&Ctr, &Instance)> = r
        .init
        .iter()
        .chain(&r.main)
        .flat_map(|c| {
            [&c.previous, &c.current]
                .into_iter()
                .flatten()
                .map(move |i| (c, i))
        })
        .collect();
    runs.compact_sort_by_key(|(_, i)| i.started);
    // Persistent storage starts with what earlier pods left in it.
    // A VecMap collects by inserting one by one: no sort linked.
    let mut files: VecMap<_, _> =
        VecMap::from_iter(pod.at(&["spec", "volumes"]).items().filter_map(|v| {
            let data = cluster
                .kubelet
                .volume_data
                .get(&storage_of(cluster, pod, v)?)?;
            Some((v.get("name").as_str()?.to_string(), data.clone()))
        }));
    for (volume, written) in empty_dir_files(cluster, pod, runs, false) {
        files.entry(volume).or_default().extend(written);
    }
    files
}

/// Where a volume's data lives beyond the pod: the PersistentVolume its
/// claim is bound to, or a hostPath on the pod's node. `None` for the
/// pod's own emptyDirs.
fn storage_of(cluster: &Cluster, pod: &Value, volume: &Value) -> Option<String> {
    if let Some(claim) = volume.at(&["persistentVolumeClaim", "claimName"]).as_str() {
        let ns = pod.str_at(&["metadata", "namespace"]).unwrap_or("default");
        let pvc = cluster
            .store
            .get_named(res("PersistentVolumeClaim"), ns, claim)?;
        return Some(format!("pv/{}", pvc.str_at(&["spec", "volumeName"])?));
    }
    let path = volume.at(&["hostPath", "path"]).as_str()?;
    let node = pod.str_at(&["spec", "nodeName"])?;
    Some(format!("hostPath/{node}/{}", path.trim_matches('/')))
}

/// Where a container mounts the pod's writable volumes whole (emptyDir,
/// a claim's PersistentVolume, hostPath): (volume, mount path with a
/// trailing `/`).
fn empty_dir_mounts(pod: &Value, spec: &Value) -> Vec<(String, String)> {
    let volumes = pod.at(&["spec", "volumes"]);
    spec.get("volumeMounts")
        .items()
        .filter(|m| m.get("subPath").as_str().is_none_or(str::is_empty))
        .filter_map(|m| {
            let name = m.get("name").as_str()?;
            let path = m.get("mountPath").as_str()?;
            volumes
                .items()
                .any(|v| {
                    v.get("name").as_str() == Some(name)
                        && ["emptyDir", "persistentVolumeClaim", "hostPath"]
                            .iter()
                            .any(|k| !v.get(k).is_null())
                })
                .then(|| (name.to_string(), format!("{}/", path.trim_end_matches('/'))))
        })
        .collect()
}

/// Keeps what a container that ended wrote in storage that outlives the
/// pod, for the pods that mount it later.
fn persist_volumes(cluster: &mut Cluster, key: &ObjectKey, init: bool, index: usize) {
    let Some(pod) = cluster.store.get(key).cloned() else {
        return;
    };
    let Some(c) = rt(cluster, key).and_then(|r| r.ctr(init, index)) else {
        return;
    };
    let Some(inst) = c.current.as_ref() else {
        return;
    };
    let mut kept = Vec::new();
    for (volume, files) in empty_dir_files(cluster, &pod, [(c, inst)], true) {
        let storage = pod
            .at(&["spec", "volumes"])
            .items()
            .find(|v| v.get("name").as_str() == Some(volume.as_str()))
            .and_then(|v| storage_of(cluster, &pod, v));
        if let Some(storage) = storage {
            kept.push((storage, files));
        }
    }
    for (storage, files) in kept {
        cluster
            .kubelet
            .volume_data
            .entry(storage)
            .or_default()
            .extend(files);
    }
}

/// The files these runs have in the pod's emptyDir volumes, by volume and
/// path inside it, the later runs' winning; `written`: only those a run
/// changed from what it started with.
fn empty_dir_files<'a>(
    cluster: &Cluster,
    pod: &Value,
    runs: impl IntoIterator<Item = (&'a Ctr, &'a Instance)>,
    written: bool,
) -> VecMap<String, VecMap<String, String>> {
    let mut shared: VecMap<String, VecMap<String, String>> = VecMap::new();
    for (c, inst) in runs {
        let mounts = empty_dir_mounts(pod, &c.spec);
        if mounts.is_empty() {
            continue;
        }
        let end = inst.finished.unwrap_or(cluster.now);
        for (file, text) in &inst.app.files_at(end.saturating_sub(inst.started)) {
            if written && inst.app.files.get(file) == Some(text) {
                continue;
            }
            for (volume, at) in &mounts {
                if let Some(rel) = file.strip_prefix(at.as_str()) {
                    shared
                        .entry(volume.clone())
                        .or_default()
                        .insert(rel.to_string(), text.clone());
                }
            }
        }
    }
    shared
}

/// `valueFrom.fileKeyRef`: a variable read from an env file in one of the
/// pod's emptyDir volumes (`KEY=VALUE` lines; quotes around the value go).
fn file_key_refs(
    container: &Value,
    shared: &VecMap<String, VecMap<String, String>>,
    env: &mut VecMap<String, String>,
) {
    for e in container.get("env").items() {
        let r = e.at(&["valueFrom", "fileKeyRef"]);
        let (Some(name), Some(volume), Some(path), Some(wanted)) = (
            e.get("name").as_str(),
            r.get("volumeName").as_str(),
            r.get("path").as_str(),
            r.get("key").as_str(),
        ) else {
            continue;
        };
        let text = shared.get(volume).and_then(|files| files.get(path));
        let value = text.and_then(|t| {
            t.lines().find_map(|line| {
                let (k, v) = line.split_once('=')?;
                (k.trim() == wanted).then(|| {
                    let v = v.trim();
                    v.strip_prefix('\'')
                        .and_then(|x| x.strip_suffix('\''))
                        .or_else(|| v.strip_prefix('"').and_then(|x| x.strip_suffix('"')))
                        .unwrap_or(v)
                        .to_string()
                })
            })
        });
        match value {
            Some(v) => {
                env.insert(name.to_string(), v);
            }
            None => {
                env.remove(name);
            }
        }
    }
}

/// The Services' environment variables the kubelet gives a container
/// (`getServiceEnvVarMap`, `envvars.FromServices`): the `kubernetes`
/// Service always, the namespace's other Services with a cluster IP when
/// service links are on.
fn service_env(cluster: &Cluster, ns: &str, links: bool) -> VecMap<String, String> {
    let mut env = VecMap::new();
    let master = cluster
        .store
        .get_named(res("Service"), "default", "kubernetes");
    let local = cluster
        .store
        .list(res("Service"), Some(ns))
        .map(|(_, s)| s)
        .filter(|s| ns != "default" || s.str_at(&["metadata", "name"]) != Some("kubernetes"));
    for svc in master.into_iter().chain(local) {
        let svc_ns = svc.str_at(&["metadata", "namespace"]).unwrap_or("");
        let name = svc.str_at(&["metadata", "name"]).unwrap_or("");
        let master = svc_ns == "default" && name == "kubernetes";
        if !(master || links && svc_ns == ns) {
            continue;
        }
        let ip = svc.str_at(&["spec", "clusterIP"]).unwrap_or("");
        if ip.is_empty() || ip == "None" {
            continue;
        }
        let prefix = name.to_ascii_uppercase().replace('-', "_");
        let ports: Vec<&Value> = svc.at(&["spec", "ports"]).items().collect();
        env.insert(format!("{prefix}_SERVICE_HOST"), ip.to_string());
        for (i, p) in ports.iter().enumerate() {
            let port = p.get("port").as_i64().unwrap_or(0);
            if i == 0 {
                env.insert(format!("{prefix}_SERVICE_PORT"), port.to_string());
            }
            if let Some(pn) = p.get("name").as_str().filter(|n| !n.is_empty()) {
                let pn = pn.to_ascii_uppercase().replace('-', "_");
                env.insert(format!("{prefix}_SERVICE_PORT_{pn}"), port.to_string());
            }
            let proto = p.get("protocol").as_str().unwrap_or("TCP");
            let url = format!("{}://{ip}:{port}", proto.to_ascii_lowercase());
            if i == 0 {
                env.insert(format!("{prefix}_PORT"), url.clone());
            }
            let pp = format!("{prefix}_PORT_{port}_{}", proto.to_ascii_uppercase());
            env.insert(format!("{pp}_PROTO"), proto.to_ascii_lowercase());
            env.insert(format!("{pp}_PORT"), port.to_string());
            env.insert(format!("{pp}_ADDR"), ip.to_string());
            env.insert(pp, url);
        }
    }
    env
}

/// A missing ConfigMap, Secret or key the container's environment needs
/// (`CreateContainerConfigError`).
fn config_error(cluster: &Cluster, ns: &str, spec: &Value) -> Option<String> {
    for e in spec.get("env").items() {
        for (field, kind, plural) in [
            ("configMapKeyRef", "ConfigMap", "configmap"),
            ("secretKeyRef", "Secret", "secret"),
        ] {
            let r = e.at(&["valueFrom", field]);
            if r.is_null() || r.get("optional").as_bool() == Some(true) {
                continue;
            }
            let name = r.get("name").as_str().unwrap_or("");
            let k = r.get("key").as_str().unwrap_or("");
            match cluster.store.get_named(res(kind), ns, name) {
                None => return Some(format!("{plural} {} not found", quote(name))),
                Some(obj) => {
                    if obj.at(&["data", k]).is_null() && obj.at(&["stringData", k]).is_null() {
                        return Some(format!("couldn't find key {k} in {kind} {ns}/{name}"));
                    }
                }
            }
        }
    }
    for from in spec.get("envFrom").items() {
        for (field, kind, plural) in [
            ("configMapRef", "ConfigMap", "configmap"),
            ("secretRef", "Secret", "secret"),
        ] {
            let r = from.get(field);
            if r.is_null() || r.get("optional").as_bool() == Some(true) {
                continue;
            }
            let name = r.get("name").as_str().unwrap_or("");
            if cluster.store.get_named(res(kind), ns, name).is_none() {
                return Some(format!("{plural} {} not found", quote(name)));
            }
        }
    }
    None
}

/// Creates and starts a container whose image is present.
fn create_and_start(cluster: &mut Cluster, key: &ObjectKey, init: bool, index: usize) {
    let Some(pod) = cluster.store.get(key).cloned() else {
        return;
    };
    let Some(c) = rt(cluster, key).and_then(|r| r.ctr(init, index)) else {
        return;
    };
    let name = c.name.to_string();
    let spec = c.spec.clone();
    if let Some(err) = config_error(cluster, &key.namespace, &spec) {
        pod_event(
            cluster,
            key,
            Some((init, &name)),
            EventType::Warning,
            "Failed",
            &format!("Error: {err}"),
        );
        set_waiting(
            cluster,
            key,
            init,
            index,
            "CreateContainerConfigError",
            Some(err),
        );
        let c = rt_mut(cluster, key)
            .and_then(|r| r.ctr_mut(init, index))
            .expect("checked");
        c.in_flight = false;
        c.retry_pending = true;
        // The kubelet retries on its next sync, from the image check on
        // (`Pulled`: already present, then this error again).
        let delay = rand_between(cluster, 10 * SECOND, 15 * SECOND);
        let (epoch, seq) = {
            let r = rt(cluster, key).expect("checked");
            (r.epoch, r.ctr(init, index).expect("checked").seq)
        };
        schedule(
            cluster,
            delay,
            KubeletTask::Container(
                Slot {
                    pod: key.clone(),
                    epoch,
                    init,
                    index,
                    seq,
                },
                Step::PullRetry,
            ),
        );
        advance_after_failure(cluster, key, init);
        return;
    }
    let ns = key.namespace.to_string();
    let lookup = |kind: &str, name: &str, k: &str| config_value(cluster, &ns, kind, name, k);
    let object = |kind: &str, name: &str| {
        let scope = if kind == "Node" { "" } else { ns.as_str() };
        cluster.store.get_named(res(kind), scope, name).cloned()
    };
    let links = pod.at(&["spec", "enableServiceLinks"]).as_bool() != Some(false);
    let services = service_env(cluster, &ns, links);
    let mut env = app::container_env(&spec, &pod, &lookup, &object, services);
    let pod_ip = rt(cluster, key)
        .and_then(|r| r.ip)
        .map(ipv4)
        .unwrap_or_default();
    let shared = init_volume_files(cluster, key, &pod);
    file_key_refs(&spec, &shared, &mut env);
    let app::ContainerFiles {
        files,
        dirs,
        read_only,
        volumes,
    } = app::container_files(&spec, &pod, &pod_ip, &object, &shared);
    let Some(img) = rt(cluster, key)
        .and_then(|r| r.ctr(init, index))
        .and_then(|c| c.image.clone())
    else {
        return;
    };
    let display = spec.get("image").as_str().unwrap_or("").to_string();
    let mut application = app::build(&spec, &pod, img.flavor, img.port, &display, env);
    // metrics-server that verifies the kubelets' certificates scrapes the
    // nodes there are as it starts (their InternalIP, the first address
    // type it prefers) and fails on each.
    if application.text == app::METRICS_SERVER_X509 {
        for (_, node) in cluster.store.list(res("Node"), None) {
            let name = node.str_at(&["metadata", "name"]).unwrap_or("");
            let ip = crate::network::node_internal_ip(node).unwrap_or_default();
            application.text.push_str(&format!(" {name}={ip}"));
        }
    }
    let mut files = files;
    // nginx's web root, unless a volume is mounted over it.
    if img.flavor == images::Flavor::Nginx {
        for (name, text) in super::nginx::NginxImage::of(&display).root_files() {
            let path = format!("{}/{name}", app::NGINX_ROOT);
            let hidden = dirs
                .iter()
                .any(|d| path.starts_with(&format!("{}/", d.trim_end_matches('/'))));
            if !hidden {
                files.entry(path).or_insert(text);
            }
        }
    }
    // The bootcamp's source beside its root directories.
    if let Some(version) = application.text.strip_prefix("bootcamp ") {
        files.insert(
            "/server.js".to_string(),
            app::BOOTCAMP_SERVER_JS.replace("v=1", version),
        );
    }
    application.files = files;
    // redis-server reads its configuration file as it starts.
    if let Some(launch) = &application.redis {
        match launch.settings(&application.files) {
            Err(fatal) => {
                let t = app::redis_time(cluster.now);
                application.program = app::Program::Exits {
                    after: 10,
                    code: 1,
                    lines: fatal.lines(&launch.version, &t),
                    oom: false,
                };
            }
            Ok(settings) => {
                if let Some(port) = super::redis::port(&settings) {
                    application.ports = vec![port];
                }
            }
        }
    }
    application.dirs = dirs;
    if application.workdir != "/" && !application.dirs.contains(&application.workdir) {
        application.dirs.push(application.workdir.clone());
    }
    application.read_only = read_only;
    application.volumes = volumes;
    let now = cluster.now;
    // nginx resolves an upstream's name as it loads its configuration: a
    // name no one resolves stops it.
    if let Some((upstream, address)) = &mut application.upstream {
        match crate::network::resolve_from_pod(cluster, &key.namespace, upstream) {
            Some((_, ip)) => *address = ip,
            None => {
                let what = format!(
                    "host not found in upstream \"{upstream}\" in /etc/nginx/conf.d/frontend.conf:2"
                );
                application.program = app::Program::Exits {
                    after: 20,
                    code: 1,
                    lines: vec![
                        format!("{} [emerg] 1#1: {what}", app::go_log_time(now)),
                        format!("nginx: [emerg] {what}"),
                    ],
                    oom: false,
                };
            }
        }
    }
    let hostname = pod_hostname(cluster, key);
    {
        let tool = (application.dialect, img.flavor, display.clone());
        let mut net = super::exec::container_network(cluster, key, tool, application.tty);
        application.prepare(now, &hostname, &mut net);
    }
    let id = {
        let mut s = String::with_capacity(64);
        for _ in 0..4 {
            s.push_str(&format!("{:016x}", cluster.rng.next_u64()));
        }
        format!("containerd://{s}")
    };
    let seq = token(cluster);
    let probe_phase = cluster.rng.below(1000);
    let has_startup = spec.get("startupProbe").as_object().is_some();
    let has_readiness = spec.get("readinessProbe").as_object().is_some();
    let old_previous = {
        let c = rt_mut(cluster, key)
            .and_then(|r| r.ctr_mut(init, index))
            .expect("checked");
        c.in_flight = false;
        c.retry_pending = false;
        c.stopping = false;
        c.seq = seq;
        c.state = CState::Running;
        c.started = !has_startup;
        // Regular init containers are never ready while they run.
        c.ready = c.started && !has_readiness && (!init || c.sidecar);
        c.probes = [ProbeRt::default(); 3];
        let old_previous = c.previous.take();
        c.previous = c.current.take();
        c.current = Some(Instance {
            id: id.clone(),
            app: application.clone(),
            started: now,
            finished: None,
            extra: Vec::new(),
            probe_phase,
            probes_from: (!has_startup).then_some(now),
            probes_until: None,
            serving_until: None,
            redis: None,
        });
        old_previous
    };
    if let Some(old) = old_previous {
        cluster.kubelet.request_logs.borrow_mut().remove(&old.id);
    }
    pod_event(
        cluster,
        key,
        Some((init, &name)),
        EventType::Normal,
        "Created",
        "Container created",
    );
    pod_event(
        cluster,
        key,
        Some((init, &name)),
        EventType::Normal,
        "Started",
        "Container started",
    );
    note(cluster, key, format!("started container {name}"));
    if let Some(plan) = application.exit_plan() {
        schedule_step(cluster, key, init, index, plan.after.max(10), Step::Exit);
    }
    if application.net_waiting {
        schedule_step(cluster, key, init, index, NET_CHECK_EVERY, Step::NetCheck);
    }
    // A replica's first `replicationCron` runs as it starts serving.
    if let Some(launch) = application.redis.as_deref()
        && matches!(application.program, app::Program::Server)
        && launch
            .settings(&application.files)
            .is_ok_and(|s| super::redis::replica_of(&s).is_some())
    {
        schedule_step(cluster, key, init, index, 0, Step::ReplicaSync);
    }
    if let Some(app::RequestStream {
        url,
        pause,
        first_at,
        ..
    }) = application.request_stream.clone()
    {
        cluster.start_container_traffic(
            &url,
            (pause, first_at),
            crate::network::TrafficOwner {
                pod: key.clone(),
                container: name.as_str().into(),
                instance: id.clone(),
            },
        );
    }
    for kind in [
        ProbeKind::Startup,
        ProbeKind::Readiness,
        ProbeKind::Liveness,
    ] {
        schedule_probe(cluster, key, init, index, kind, now);
    }
    if let Some(command) = spec
        .at(&["lifecycle", "postStart", "exec", "command"])
        .as_array()
    {
        let argv: Vec<String> = command
            .iter()
            .map(|v| v.as_str().unwrap_or("").to_string())
            .collect();
        if !post_start(cluster, key, (init, index), &name, &argv) {
            return;
        }
    }
    dirty(cluster, key);
    advance(cluster, key);
}

/// Runs an `exec` postStart hook in the container as it starts: what it
/// writes stays. When it fails, the kubelet reports `PostStartHook failed`
/// (not the hook's output, which may hold secrets) and kills the container
/// to start it again. False when it failed.
fn post_start(
    cluster: &mut Cluster,
    key: &ObjectKey,
    (init, index): (bool, usize),
    name: &str,
    argv: &[String],
) -> bool {
    let Some(app) = rt(cluster, key)
        .and_then(|r| r.ctr(init, index))
        .and_then(|c| c.current.as_ref())
        .map(|inst| inst.app.clone())
    else {
        return true;
    };
    let hostname = pod_hostname(cluster, key);
    let ctx = app.exec_context(cluster.now, &hostname, 0);
    let tool = (app.dialect, app.flavor, app.image.clone());
    let ran = {
        // A hook's output is not the container's terminal.
        let mut net = super::exec::container_network(cluster, key, tool, false);
        super::shell::exec_command(argv, &ctx, super::exec::EXEC_HORIZON, &mut net, None)
    };
    keep_exec_writes(cluster, key, name, 0, ran.file_events);
    if ran.code == Some(0) {
        return true;
    }
    pod_event(
        cluster,
        key,
        Some((init, name)),
        EventType::Warning,
        "FailedPostStartHook",
        "PostStartHook failed",
    );
    let grace = cluster
        .store
        .get(key)
        .and_then(|p| p.at(&["spec", "terminationGracePeriodSeconds"]).as_i64())
        .unwrap_or(30)
        .max(0) as Millis
        * SECOND;
    stop_container(
        cluster,
        key,
        init,
        index,
        Some("FailedPostStartHook".to_string()),
        grace,
        Then::Restart,
    );
    false
}

/// The pod's hostname: `spec.hostname`, else its name.
fn pod_hostname(cluster: &Cluster, key: &ObjectKey) -> String {
    let Some(pod) = cluster.store.get(key) else {
        return key.name.to_string();
    };
    // A pod in the host's network shares its UTS namespace too: the node's
    // name (`kubectl debug node/…`, kube-proxy).
    if pod.at(&["spec", "hostNetwork"]).as_bool() == Some(true)
        && let Some(node) = pod.str_at(&["spec", "nodeName"])
    {
        return node.to_string();
    }
    pod.str_at(&["spec", "hostname"])
        .unwrap_or(&key.name)
        .to_string()
}

/// How often a script waiting on the network looks again.
const NET_CHECK_EVERY: Millis = 2 * SECOND;

/// A script waiting on the network runs again against the network as it is
/// now; when it now ends, its exit is scheduled.
fn net_check(cluster: &mut Cluster, key: &ObjectKey, init: bool, index: usize) {
    let Some(c) = rt(cluster, key).and_then(|r| r.ctr(init, index)) else {
        return;
    };
    let Some(inst) = c.current.as_ref().filter(|_| c.running()) else {
        return;
    };
    if !inst.app.net_waiting {
        return;
    }
    let app = inst.app.clone();
    let started = inst.started;
    if run_app_again(cluster, key, (init, index), app, started, App::recheck).is_none() {
        schedule_step(cluster, key, init, index, NET_CHECK_EVERY, Step::NetCheck);
    }
}

/// The first of a pod's periodic syncs after `now`. The kubelet syncs a
/// pod again a jittered minute after its last sync (`wait.Jitter(1m, 0.5)`:
/// 60 to 90 s); here the syncs count from its admission, with the jitter
/// drawn from its UID, so that they never consume the cluster's random
/// numbers.
fn next_pod_sync(admitted: Millis, uid: &str, now: Millis) -> Millis {
    let seed = uid.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let mut t = admitted;
    let mut k = 0u64;
    while t <= now {
        let mut x = seed ^ k.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
        x ^= x >> 33;
        t += 60 * SECOND + x % (30 * SECOND);
        k += 1;
    }
    t
}

/// How long after a pod update the kubelet has remounted its volumes: the
/// update syncs the pod at once, and the volume manager's populator and
/// reconciler each run every 100 ms.
const REMOUNT_AFTER_UPDATE: Millis = 200;

/// Schedules a volume update for each of the pod's running containers
/// (each finds out what changed for it): at the pod's next periodic sync,
/// or `soon` after an update of the pod itself.
fn schedule_volume_sync(cluster: &mut Cluster, key: &ObjectKey, soon: bool) {
    let Some(r) = rt(cluster, key) else {
        return;
    };
    if r.terminating {
        return;
    }
    let at = if soon {
        cluster.now + REMOUNT_AFTER_UPDATE
    } else {
        next_pod_sync(r.admitted_at, &r.uid, cluster.now)
    };
    // One update per sync, however many changes asked for it.
    if r.volume_sync_due == Some(at) {
        return;
    }
    let running: Vec<(bool, usize)> = r
        .init
        .iter()
        .enumerate()
        .map(|(i, c)| (true, i, c))
        .chain(r.main.iter().enumerate().map(|(i, c)| (false, i, c)))
        .filter(|(_, _, c)| c.running())
        .map(|(init, i, _)| (init, i))
        .collect();
    // A pod with nothing running yet mounts what is current when its
    // containers start; marking a sync due would swallow the next change.
    if running.is_empty() {
        return;
    }
    let delay = at - cluster.now;
    if let Some(r) = rt_mut(cluster, key) {
        r.volume_sync_due = Some(at);
    }
    for (init, index) in running {
        schedule_step(cluster, key, init, index, delay, Step::VolumeSync);
    }
}

/// A ConfigMap or Secret changed: the pods of its namespace that mount it
/// see the change at their next sync (the kubelet's cache follows the
/// object at once; the volume is rewritten when the pod is synced).
pub(crate) fn on_volume_source_change(cluster: &mut Cluster, event: &WatchEvent) {
    let (kind, ns, name) = (
        event.key.resource.get().kind,
        &*event.key.namespace,
        &*event.key.name,
    );
    let (field, name_key) = if kind == "Secret" {
        ("secret", "secretName")
    } else {
        ("configMap", "name")
    };
    let mounts_it = |pod: &Value| {
        pod.at(&["spec", "volumes"]).items().any(|v| {
            v.get(field).get(name_key).as_str() == Some(name)
                || v.at(&["projected", "sources"])
                    .items()
                    .any(|s| s.get(field).get("name").as_str() == Some(name))
        })
    };
    let pods: Vec<ObjectKey> = cluster
        .kubelet
        .pods
        .keys()
        .filter(|k| &*k.namespace == ns)
        .filter(|k| cluster.store.get(k).is_some_and(mounts_it))
        .cloned()
        .collect();
    for key in pods {
        schedule_volume_sync(cluster, &key, false);
    }
}

/// The pod's sync rewrites its updated volumes for one container; a script
/// reading them runs on with the new files.
fn volume_sync(cluster: &mut Cluster, key: &ObjectKey, init: bool, index: usize) {
    let Some(c) = rt(cluster, key).and_then(|r| r.ctr(init, index)) else {
        return;
    };
    let Some(inst) = c.current.as_ref().filter(|_| c.running() && !c.stopping) else {
        return;
    };
    let Some(pod) = cluster.store.get(key).cloned() else {
        return;
    };
    let spec = c.spec.clone();
    let (started, mut app) = (inst.started, inst.app.clone());
    if let Some(msg) = missing_volume(cluster, &pod, &key.namespace) {
        // The remount fails at every sync while the ConfigMap or Secret
        // is gone: one warning per sync for the pod (its first running
        // container reports it), the files left as they were.
        let first = rt(cluster, key).and_then(|r| {
            let inits = r.init.iter().enumerate().map(|(i, c)| (true, i, c));
            let mains = r.main.iter().enumerate().map(|(i, c)| (false, i, c));
            inits
                .chain(mains)
                .find(|(_, _, c)| c.running())
                .map(|(t, i, _)| (t, i))
        });
        if first == Some((init, index)) {
            pod_event(cluster, key, None, EventType::Warning, "FailedMount", &msg);
            schedule_volume_sync(cluster, key, false);
        }
    }
    let ns = key.namespace.to_string();
    let object = |kind: &str, name: &str| {
        let scope = if kind == "Node" { "" } else { ns.as_str() };
        cluster.store.get_named(res(kind), scope, name).cloned()
    };
    let mounts = app::updated_mounts(&spec, &pod, &object);
    if mounts.is_empty() {
        return;
    }
    let pod_ip = rt(cluster, key)
        .and_then(|r| r.ip)
        .map(ipv4)
        .unwrap_or_default();
    let shared = init_volume_files(cluster, key, &pod);
    let fresh = app::container_files(&spec, &pod, &pod_ip, &object, &shared).files;
    let elapsed = cluster.now.saturating_sub(started);
    if !app.update_volumes(elapsed, &mounts, &fresh) {
        return;
    }
    files_changed(cluster, key, (init, index), app, started);
}

/// What a `kubectl exec` process (or a postStart hook) wrote stays in the
/// container: its file changes join the container's own, `offset` after
/// the container started.
pub(crate) fn keep_exec_writes(
    cluster: &mut Cluster,
    key: &ObjectKey,
    container: &str,
    offset: Millis,
    events: Vec<(Millis, String, super::shell::FileOp)>,
) {
    if events.is_empty() {
        return;
    }
    let Some((init, index, started, mut app)) = rt(cluster, key).and_then(|r| {
        let (init, index) = r.slot_of(container)?;
        let inst = r.ctr(init, index)?.current.as_ref()?;
        Some((init, index, inst.started, inst.app.clone()))
    }) else {
        return;
    };
    app.external.extend(
        events
            .into_iter()
            .map(|(t, path, op)| (offset + t, path, op)),
    );
    files_changed(cluster, key, (init, index), app, started);
}

/// A container's files changed from outside its own program: its script
/// runs again with them, and its idle probes look again.
fn files_changed(
    cluster: &mut Cluster,
    key: &ObjectKey,
    (init, index): (bool, usize),
    app: App,
    started: Millis,
) {
    run_app_again(cluster, key, (init, index), app, started, App::rerun);
    // A probe waiting for the app's next change point looks again: an exec
    // probe may read the files that changed.
    for kind in [
        ProbeKind::Startup,
        ProbeKind::Readiness,
        ProbeKind::Liveness,
    ] {
        let idle = rt(cluster, key)
            .and_then(|r| r.ctr(init, index))
            .is_some_and(|c| c.probe(kind).is_some() && !c.probes[probe_index(kind)].pending);
        if idle {
            schedule_probe(cluster, key, init, index, kind, cluster.now);
        }
    }
}

/// How the kubelet runs a container's script again (`App::recheck`,
/// `App::rerun`): from its start, `elapsed` into it, with the network.
type RunAgain =
    fn(&mut App, Millis, &str, Millis, &mut super::shell::Network<'_>) -> Option<Millis>;

/// Runs a container's script again with the network as the pod reaches it
/// now and keeps the result; when it now ends, its exit is scheduled. The
/// offset at which it exits, if it does.
fn run_app_again(
    cluster: &mut Cluster,
    key: &ObjectKey,
    (init, index): (bool, usize),
    mut app: App,
    started: Millis,
    again: RunAgain,
) -> Option<Millis> {
    let elapsed = cluster.now.saturating_sub(started);
    let hostname = pod_hostname(cluster, key);
    let tool = (app.dialect, app.flavor, app.image.clone());
    let exits = {
        let mut net = super::exec::container_network(cluster, key, tool, app.tty);
        again(&mut app, started, &hostname, elapsed, &mut net)
    };
    if let Some(inst) = rt_mut(cluster, key)
        .and_then(|r| r.ctr_mut(init, index))
        .and_then(|c| c.current.as_mut())
    {
        inst.app = app;
    }
    if let Some(at) = exits {
        schedule_step(
            cluster,
            key,
            init,
            index,
            (at - elapsed).max(10),
            Step::Exit,
        );
    }
    exits
}

/// What the kubelet reads when a container ends: the last 4 KiB of the
/// file at `terminationMessagePath`; with `FallbackToLogsOnError`, when
/// that is empty and the exit code is not 0, the last 80 lines (2 KiB at
/// most) of its log.
fn termination_message(
    cluster: &Cluster,
    key: &ObjectKey,
    init: bool,
    index: usize,
    code: i32,
) -> Option<String> {
    let c = rt(cluster, key)?.ctr(init, index)?;
    let inst = c.current.as_ref()?;
    let path = c
        .spec
        .get("terminationMessagePath")
        .as_str()
        .unwrap_or("/dev/termination-log");
    let files = inst.app.files_at(cluster.now.saturating_sub(inst.started));
    let last = |text: &str, max: usize| {
        let mut from = text.len().saturating_sub(max);
        while !text.is_char_boundary(from) {
            from += 1;
        }
        text[from..].to_string()
    };
    let written = files.get(path).map(|t| last(t, 4096)).unwrap_or_default();
    let fallback = code != 0
        && c.spec.get("terminationMessagePolicy").as_str() == Some("FallbackToLogsOnError");
    let message = if written.is_empty() && fallback {
        let lines = instance_logs(cluster, key, (init, c), inst);
        let tail: Vec<&str> = lines
            .iter()
            .rev()
            .take(80)
            .map(|(_, l)| l.as_str())
            .collect();
        let text: String = tail.into_iter().rev().map(|l| format!("{l}\n")).collect();
        last(&text, 2048)
    } else {
        written
    };
    (!message.is_empty()).then_some(message)
}

/// The container's process ended on its own (or was killed outright).
fn process_exit(
    cluster: &mut Cluster,
    key: &ObjectKey,
    init: bool,
    index: usize,
    code: i32,
    reason: &str,
) {
    let now = cluster.now;
    let seq = token(cluster);
    let message = termination_message(cluster, key, init, index, code);
    let Some(c) = rt_mut(cluster, key).and_then(|r| r.ctr_mut(init, index)) else {
        return;
    };
    let Some(inst) = c.current.as_mut() else {
        return;
    };
    inst.finished = Some(now);
    let term = Term {
        exit: code,
        reason: reason.to_string(),
        message,
        started: inst.started,
        finished: now,
        id: inst.id.clone(),
    };
    let name = c.name.to_string();
    c.state = CState::Terminated(term);
    c.ready = false;
    c.started = false;
    c.stopping = false;
    c.seq = seq;
    dirty(cluster, key);
    redis_process_ended(cluster, key, init, index, false);
    persist_volumes(cluster, key, init, index);
    note(
        cluster,
        key,
        format!("container {name} exited with code {code}"),
    );
    after_exit(cluster, key, init, index, code);
}

/// What follows an exit: the next init container, a restart, or the end
/// of the pod.
fn after_exit(cluster: &mut Cluster, key: &ObjectKey, init: bool, index: usize, code: i32) {
    let Some(pod) = cluster.store.get(key).cloned() else {
        return;
    };
    let policy = pod
        .str_at(&["spec", "restartPolicy"])
        .unwrap_or("Always")
        .to_string();
    let Some(r) = rt(cluster, key) else {
        return;
    };
    if r.terminating {
        return;
    }
    let sidecar = r.ctr(init, index).is_some_and(|c| c.sidecar);
    // An ephemeral container is never restarted, and ends nothing.
    if r.ctr(init, index).is_some_and(|c| c.ephemeral) {
        return;
    }
    if init && !sidecar {
        if code == 0 {
            if let Some(c) = rt_mut(cluster, key).and_then(|r| r.ctr_mut(init, index)) {
                c.done = true;
                c.ready = true;
            }
            advance(cluster, key);
            return;
        }
        if policy == "Never" {
            let r = rt_mut(cluster, key).expect("checked above");
            r.terminal = Some("Failed");
            end_sandbox(cluster, key);
            return;
        }
        let delay = rand_between(cluster, 100, 1000);
        schedule_step(cluster, key, init, index, delay, Step::Detect);
        return;
    }
    let restart = sidecar
        || match policy.as_str() {
            "Never" => false,
            "OnFailure" => code != 0,
            _ => true,
        };
    if restart {
        let delay = rand_between(cluster, 100, 1000);
        schedule_step(cluster, key, init, index, delay, Step::Detect);
        return;
    }
    // Does the pod end? Every regular container has terminated for good.
    let r = rt(cluster, key).expect("checked above");
    let all_done = r.regular().all(|c| match &c.state {
        CState::Terminated(t) => match policy.as_str() {
            "Never" => true,
            "OnFailure" => t.exit == 0,
            _ => false,
        },
        _ => false,
    });
    if all_done {
        let failed = r
            .regular()
            .any(|c| matches!(&c.state, CState::Terminated(t) if t.exit != 0));
        let r = rt_mut(cluster, key).expect("checked above");
        r.terminal = Some(if failed { "Failed" } else { "Succeeded" });
        // Sidecars stop once the regular containers are done.
        let sidecars: Vec<usize> = r
            .init
            .iter()
            .enumerate()
            .filter(|(_, c)| c.sidecar && c.running())
            .map(|(i, _)| i)
            .collect();
        for i in sidecars {
            process_exit_quiet(cluster, key, i);
        }
        end_sandbox(cluster, key);
        note(
            cluster,
            key,
            format!("the pod {}", if failed { "failed" } else { "succeeded" }),
        );
    }
}

/// A sidecar stopped at the end of its pod (exits 0 on SIGTERM).
fn process_exit_quiet(cluster: &mut Cluster, key: &ObjectKey, index: usize) {
    let now = cluster.now;
    if let Some(c) = rt_mut(cluster, key).and_then(|r| r.ctr_mut(true, index))
        && let Some(inst) = c.current.as_mut()
    {
        inst.finished = Some(now);
        c.state = CState::Terminated(Term {
            exit: 0,
            reason: "Completed".into(),
            message: None,
            started: inst.started,
            finished: now,
            id: inst.id.clone(),
        });
        c.ready = false;
        c.started = false;
        c.seq = c.seq.wrapping_add(1 << 40);
    }
    redis_process_ended(cluster, key, true, index, false);
}

/// The pod finished: its sandbox goes and its IP returns to the range.
fn end_sandbox(cluster: &mut Cluster, key: &ObjectKey) {
    let Some(r) = rt_mut(cluster, key) else {
        return;
    };
    r.sandbox = false;
    let (ip, node) = (r.ip, r.node.clone());
    if let (Some(ip), Some(agent)) = (ip, cluster.kubelet.nodes.get_mut(&node)) {
        agent.used_ips.remove(&ip);
    }
    dirty(cluster, key);
}

/// The kubelet notices an exited container that should restart: now, or
/// after the crash back-off (CrashLoopBackOff).
fn detect(cluster: &mut Cluster, key: &ObjectKey, init: bool, index: usize) {
    let now = cluster.now;
    let Some(c) = rt(cluster, key).and_then(|r| r.ctr(init, index)) else {
        return;
    };
    let CState::Terminated(term) = c.state.clone() else {
        return;
    };
    let backoff = c.crash_backoff;
    if in_backoff_since(backoff, term.finished, now, CRASH_MAX) {
        let b = backoff.expect("in back-off");
        let name = c.name.to_string();
        let desc = pod_desc(cluster, key);
        pod_event(
            cluster,
            key,
            Some((init, &name)),
            EventType::Warning,
            "BackOff",
            &format!("Back-off restarting failed container {name} in pod {desc}"),
        );
        let msg = format!(
            "back-off {} restarting failed container={name} pod={desc}",
            go_duration(b.delay)
        );
        let c = rt_mut(cluster, key)
            .and_then(|r| r.ctr_mut(init, index))
            .expect("checked");
        c.last = Some(term.clone());
        c.state = CState::Waiting {
            reason: "CrashLoopBackOff".into(),
            message: Some(msg),
        };
        c.retry_pending = true;
        dirty(cluster, key);
        let wait = (term.finished + b.delay).saturating_sub(now);
        schedule_step(cluster, key, init, index, wait, Step::Restart);
        note(
            cluster,
            key,
            format!("container {name} is in CrashLoopBackOff"),
        );
        return;
    }
    restart_now(cluster, key, init, index);
}

/// Starts a new instance of an exited container.
fn restart_now(cluster: &mut Cluster, key: &ObjectKey, init: bool, index: usize) {
    let Some(c) = rt_mut(cluster, key).and_then(|r| r.ctr_mut(init, index)) else {
        return;
    };
    let finished = match &c.state {
        CState::Terminated(t) => Some(t.clone()),
        _ => None,
    };
    if let Some(t) = &finished {
        c.last = Some(t.clone());
    }
    let at = c.last.as_ref().map_or(0, |t| t.finished);
    backoff_next(&mut c.crash_backoff, at, CRASH_INITIAL, CRASH_MAX);
    c.restarts += 1;
    c.done = false;
    start_container(cluster, key, init, index);
}

/// Parses a probe's timing fields, with the API defaults.
fn probe_params(p: &Value) -> (Millis, Millis, Millis, u32, u32) {
    let n = |k: &str, d: i64| p.get(k).as_i64().filter(|v| *v >= 0).unwrap_or(d);
    (
        n("initialDelaySeconds", 0) as Millis * SECOND,
        n("periodSeconds", 10).max(1) as Millis * SECOND,
        n("timeoutSeconds", 1).max(1) as Millis * SECOND,
        n("successThreshold", 1).max(1) as u32,
        n("failureThreshold", 3).max(1) as u32,
    )
}

/// The port a probe or request names (a number or a container port name).
fn resolve_port(spec: &Value, port: &Value) -> Option<u16> {
    match port {
        Value::Int(p) => u16::try_from(*p).ok(),
        Value::String(name) => name.parse().ok().or_else(|| {
            spec.get("ports")
                .items()
                .find(|p| p.get("name").as_str() == Some(name))
                .and_then(|p| p.get("containerPort").as_i64())
                .and_then(|p| u16::try_from(p).ok())
        }),
        _ => None,
    }
}

/// Where an `httpGet` probe connects and what it sends.
struct ProbeTarget {
    request: crate::http::HttpRequest,
    /// The URL's host: `host`, or the pod's IP.
    host: String,
    port: u16,
    url: String,
}

/// The kubelet's request for an `httpGet` probe. It comes from the node's
/// side of the pod's veth, which kindnet's ptp plugin gives the gateway
/// address of the node's pod CIDR; its User-Agent is `kube-probe/1.37`
/// unless `httpHeaders` set one (an empty one is not sent).
fn probe_target(
    cluster: &Cluster,
    key: &ObjectKey,
    spec: &Value,
    http: &crate::value::Map,
) -> ProbeTarget {
    let get = |k: &str| http.get(k).cloned().unwrap_or(Value::Null);
    let port = resolve_port(spec, &get("port")).unwrap_or(0);
    let path = get("path").as_str().unwrap_or("/").to_string();
    // Go's URL puts a `/` between the host and a relative path.
    let path = if path.starts_with('/') {
        path
    } else {
        format!("/{path}")
    };
    let scheme = get("scheme")
        .as_str()
        .unwrap_or("HTTP")
        .to_ascii_lowercase();
    let runtime = rt(cluster, key);
    let host = get("host")
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| runtime.and_then(|r| r.ip).map(ipv4).unwrap_or_default());
    let gateway = runtime
        .and_then(|r| cluster.kubelet.nodes.get(&r.node))
        .and_then(|n| n.cidr)
        .map(|(base, _)| ipv4(base + 1))
        .unwrap_or_default();
    let header = |name: &str| {
        get("httpHeaders")
            .items()
            .find(|h| {
                h.get("name")
                    .as_str()
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
            })
            .map(|h| h.get("value").as_str().unwrap_or("").to_string())
    };
    let user_agent = match header("User-Agent") {
        Some(ua) if ua.is_empty() => "-".to_string(),
        Some(ua) => ua,
        None => format!(
            "kube-probe/{}",
            crate::KUBERNETES_VERSION
                .trim_start_matches('v')
                .rsplit_once('.')
                .map_or("", |(minor, _)| minor)
        ),
    };
    let url = format!("{scheme}://{host}:{port}{path}");
    ProbeTarget {
        request: crate::http::HttpRequest {
            method: "GET".into(),
            host: header("Host")
                .filter(|h| !h.is_empty())
                .unwrap_or_else(|| format!("{host}:{port}")),
            path,
            client_ip: gateway,
            user_agent,
        },
        host,
        port,
        url,
    }
}

/// One probe against the container's app at time `at`: success and
/// output, or the error that leaves its result unknown (a port the
/// container does not name), which the kubelet reports and discards.
fn evaluate(
    cluster: &Cluster,
    key: &ObjectKey,
    c: &Ctr,
    probe: &Value,
    at: Millis,
) -> Result<(bool, String), String> {
    let http = probe.at(&["httpGet", "port"]);
    let port = if http.is_null() {
        probe.at(&["tcpSocket", "port"])
    } else {
        http
    };
    // `probe.ResolveContainerPort`: a name, else a number in a string.
    let error = match port {
        Value::String(name) if resolve_port(&c.spec, port).is_none() => {
            Some(match name.parse::<i64>() {
                Ok(n) => format!("invalid port number: {n}"),
                Err(_) => format!("strconv.Atoi: parsing {name:?}: invalid syntax"),
            })
        }
        Value::Int(n) if !(1..65536).contains(n) => Some(format!("invalid port number: {n}")),
        _ => None,
    };
    match error {
        Some(e) => Err(e),
        None => Ok(evaluate_port(cluster, key, c, probe, at)),
    }
}

/// [`evaluate`] once the probe's port is known.
fn evaluate_port(
    cluster: &Cluster,
    key: &ObjectKey,
    c: &Ctr,
    probe: &Value,
    at: Millis,
) -> (bool, String) {
    let Some(inst) = &c.current else {
        return (false, String::new());
    };
    let a = &inst.app;
    let offset = at.saturating_sub(inst.started);
    let ip = rt(cluster, key)
        .and_then(|r| r.ip)
        .map(ipv4)
        .unwrap_or_default();
    let (_, _, timeout, _, _) = probe_params(probe);
    if let Some(cmd) = probe.at(&["exec", "command"]).as_array() {
        let argv: Vec<String> = cmd
            .iter()
            .map(|v| v.as_str().unwrap_or("").to_string())
            .collect();
        return a.exec_probe(&argv, (offset, timeout), inst.started, &key.name);
    }
    if let Some(http) = probe.get("httpGet").as_object() {
        let ProbeTarget {
            request,
            host,
            port,
            url,
        } = probe_target(cluster, key, &c.spec, http);
        if !a.listens(port) {
            return (
                false,
                format!("Get \"{url}\": dial tcp {host}:{port}: connect: connection refused"),
            );
        }
        if !a.http {
            return (false, format!("Get \"{url}\": EOF"));
        }
        // A plain server answers the ClientHello with a 400, which Go's
        // client recognises; a TLS server answers plain HTTP with a 400.
        if url.starts_with("https:") != a.tls {
            return (
                false,
                if a.tls {
                    "HTTP probe failed with statuscode: 400".to_string()
                } else {
                    format!("Get \"{url}\": http: server gave HTTP response to HTTPS client")
                },
            );
        }
        if a.latency_ms >= timeout {
            return (
                false,
                format!(
                    "Get \"{url}\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)"
                ),
            );
        }
        let (status, _, _) = a.answer(offset, at, port, &request, &key.name, &ip, None);
        return if (200..400).contains(&status) {
            (true, String::new())
        } else {
            (
                false,
                format!("HTTP probe failed with statuscode: {status}"),
            )
        };
    }
    if let Some(tcp) = probe.get("tcpSocket").as_object() {
        let port = tcp
            .get("port")
            .and_then(|p| resolve_port(&c.spec, p))
            .unwrap_or(0);
        return if a.listens(port) {
            (true, String::new())
        } else {
            (
                false,
                format!("dial tcp {ip}:{port}: connect: connection refused"),
            )
        };
    }
    if let Some(grpc) = probe.get("grpc").as_object() {
        let port = grpc
            .get("port")
            .and_then(Value::as_i64)
            .and_then(|p| u16::try_from(p).ok())
            .unwrap_or(0);
        if !a.listens(port) {
            return (
                false,
                format!(
                    "timeout: failed to connect service \"{ip}:{port}\" within {}s: context deadline exceeded",
                    timeout / SECOND
                ),
            );
        }
        return if a.status_at(offset) < 400 {
            (true, String::new())
        } else {
            (
                false,
                "service unhealthy (responded with \"NOT_SERVING\")".to_string(),
            )
        };
    }
    (true, String::new())
}

fn probe_index(kind: ProbeKind) -> usize {
    match kind {
        ProbeKind::Readiness => 0,
        ProbeKind::Liveness => 1,
        ProbeKind::Startup => 2,
    }
}

/// Schedules a probe's next look at or after `from`. Probes whose answer
/// cannot change (a healthy app between its behaviour's change points)
/// are not run at all: the next look waits for the next change point.
fn schedule_probe(
    cluster: &mut Cluster,
    key: &ObjectKey,
    init: bool,
    index: usize,
    kind: ProbeKind,
    from: Millis,
) {
    let Some(c) = rt(cluster, key).and_then(|r| r.ctr(init, index)) else {
        return;
    };
    if !c.running() || c.stopping {
        return;
    }
    // Regular init containers have no probes; the others wait for startup.
    if init && !c.sidecar {
        return;
    }
    let Some(probe) = c.probe(kind).cloned() else {
        return;
    };
    match kind {
        ProbeKind::Startup if c.started => return,
        ProbeKind::Readiness | ProbeKind::Liveness if !c.started => return,
        _ => {}
    }
    let Some(inst) = &c.current else {
        return;
    };
    let (delay, period, _, _, _) = probe_params(&probe);
    let first = inst.started + delay + inst.probe_phase;
    let tick_at = |t: Millis| -> Millis {
        if t <= first {
            first
        } else {
            first + (t - first).div_ceil(period) * period
        }
    };
    let changes: Vec<Millis> = inst
        .app
        .change_points()
        .into_iter()
        .map(|p| inst.started + p)
        .collect();
    let state = c.probes[probe_index(kind)];
    let mut t = tick_at(from);
    for _ in 0..64 {
        let ok = evaluate(cluster, key, c, &probe, t).is_ok_and(|(ok, _)| ok);
        let matters = !ok
            || state.last != Some(true)
            || match kind {
                ProbeKind::Readiness => !c.ready,
                ProbeKind::Startup => true,
                ProbeKind::Liveness => false,
            };
        if matters {
            schedule_step(
                cluster,
                key,
                init,
                index,
                t - cluster.now,
                Step::Probe(kind),
            );
            if let Some(c) = rt_mut(cluster, key).and_then(|r| r.ctr_mut(init, index)) {
                c.probes[probe_index(kind)].pending = true;
            }
            return;
        }
        // Nothing changes until the app's next change point.
        match changes.iter().find(|&&p| p > t) {
            Some(&p) => t = tick_at(p),
            None => return,
        }
    }
}

fn probe_tick(cluster: &mut Cluster, key: &ObjectKey, init: bool, index: usize, kind: ProbeKind) {
    let now = cluster.now;
    let Some(c) = rt(cluster, key).and_then(|r| r.ctr(init, index)) else {
        return;
    };
    let Some(probe) = c.probe(kind).cloned() else {
        return;
    };
    let (ok, output) = match evaluate(cluster, key, c, &probe, now) {
        Ok(result) => result,
        Err(e) => {
            let name = c.name.to_string();
            pod_event(
                cluster,
                key,
                Some((init, &name)),
                EventType::Warning,
                "Unhealthy",
                &format!(
                    "{} probe errored and resulted in unknown state: {e}",
                    kind.title()
                ),
            );
            schedule_probe(cluster, key, init, index, kind, now + 1);
            return;
        }
    };
    let (_, _, _, success, failure) = probe_params(&probe);
    let name = c.name.to_string();
    let spec = c.spec.clone();
    let c = rt_mut(cluster, key)
        .and_then(|r| r.ctr_mut(init, index))
        .expect("checked");
    let st = &mut c.probes[probe_index(kind)];
    if st.last == Some(ok) {
        st.run += 1;
    } else {
        st.last = Some(ok);
        st.run = 1;
    }
    let run = st.run;
    if !ok {
        pod_event(
            cluster,
            key,
            Some((init, &name)),
            EventType::Warning,
            "Unhealthy",
            &format!("{} probe failed: {output}", kind.title()),
        );
    }
    let pod_grace = cluster
        .store
        .get(key)
        .and_then(|p| p.at(&["spec", "terminationGracePeriodSeconds"]).as_i64())
        .unwrap_or(30);
    let grace = probe
        .get("terminationGracePeriodSeconds")
        .as_i64()
        .unwrap_or(pod_grace)
        .max(0) as Millis
        * SECOND;
    match kind {
        ProbeKind::Readiness => {
            let c = rt_mut(cluster, key)
                .and_then(|r| r.ctr_mut(init, index))
                .expect("checked");
            if ok && run >= success && !c.ready {
                c.ready = true;
                dirty(cluster, key);
            } else if !ok && run >= failure && c.ready {
                c.ready = false;
                dirty(cluster, key);
            }
        }
        ProbeKind::Liveness => {
            if !ok && run >= failure {
                stop_container(
                    cluster,
                    key,
                    init,
                    index,
                    Some(format!(
                        "Container {name} failed liveness probe, will be restarted"
                    )),
                    grace,
                    Then::Restart,
                );
                return;
            }
        }
        ProbeKind::Startup => {
            if ok && run >= 1 {
                let has_readiness = spec.get("readinessProbe").as_object().is_some();
                let c = rt_mut(cluster, key)
                    .and_then(|r| r.ctr_mut(init, index))
                    .expect("checked");
                c.started = true;
                c.ready = !has_readiness;
                if let Some(inst) = &mut c.current {
                    inst.probes_from = Some(now);
                }
                dirty(cluster, key);
                schedule_probe(cluster, key, init, index, ProbeKind::Readiness, now);
                schedule_probe(cluster, key, init, index, ProbeKind::Liveness, now);
                if init {
                    advance(cluster, key);
                }
                return;
            }
            if !ok && run >= failure {
                stop_container(
                    cluster,
                    key,
                    init,
                    index,
                    Some(format!(
                        "Container {name} failed startup probe, will be restarted"
                    )),
                    grace,
                    Then::Restart,
                );
                return;
            }
        }
    }
    schedule_probe(cluster, key, init, index, kind, now + 1);
}

/// How long a preStop hook runs.
fn prestop_duration(spec: &Value) -> Millis {
    let hook = spec.at(&["lifecycle", "preStop"]);
    if let Some(s) = hook.at(&["sleep", "seconds"]).as_i64() {
        return s.max(0) as Millis * SECOND;
    }
    if let Some(cmd) = hook.at(&["exec", "command"]).as_array() {
        let text: Vec<&str> = cmd.iter().filter_map(Value::as_str).collect();
        let joined = text.join(" ");
        if let Some(i) = joined.find("sleep ") {
            let arg: String = joined[i + 6..]
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.')
                .collect();
            if let Some(secs) = crate::num::parse_f64(&arg) {
                return (secs * 1000.0) as Millis;
            }
        }
        return 50;
    }
    if !hook.get("httpGet").is_null() {
        return 10;
    }
    0
}

/// Stops a running container: `Killing` event, preStop hook, SIGTERM,
/// and SIGKILL when the grace period runs out.
fn stop_container(
    cluster: &mut Cluster,
    key: &ObjectKey,
    init: bool,
    index: usize,
    message: Option<String>,
    grace: Millis,
    then: Then,
) {
    let now = cluster.now;
    let Some(c) = rt(cluster, key).and_then(|r| r.ctr(init, index)) else {
        return;
    };
    if !c.running() || c.stopping {
        return;
    }
    let name = c.name.to_string();
    let message = message.unwrap_or_else(|| format!("Stopping container {name}"));
    pod_event(
        cluster,
        key,
        Some((init, &name)),
        EventType::Normal,
        "Killing",
        &message,
    );
    // The kubelet never gives less than 2 seconds.
    let grace = grace.max(2 * SECOND);
    let c = rt_mut(cluster, key)
        .and_then(|r| r.ctr_mut(init, index))
        .expect("checked");
    let prestop = prestop_duration(&c.spec).min(grace);
    let inst = c.current.as_mut().expect("running");
    inst.probes_until = Some(now);
    let (on_term, code) = inst.app.on_sigterm();
    let term_at = now + prestop;
    // A process that ignores SIGTERM (a shell as PID 1) goes on with its
    // work: it ends on its own if that comes before the SIGKILL.
    let own_exit = inst
        .app
        .exit_plan()
        .map(|plan| (inst.started + plan.after.max(10), plan.code))
        .filter(|(at, _)| on_term.is_none() && *at > now && *at < now.saturating_add(grace));
    let (exit_at, code) = match (on_term, own_exit) {
        (None, Some(own)) => own,
        (Some(d), None) if prestop + d <= grace => (term_at + d, code),
        _ => (now.saturating_add(grace), 137),
    };
    inst.serving_until = Some(if on_term.is_some() {
        term_at.min(exit_at)
    } else {
        exit_at
    });
    for (offset, line) in inst.app.sigterm_lines() {
        if term_at + offset <= exit_at {
            inst.extra.push((term_at + offset, line));
        }
    }
    redis_shutdown(inst, term_at, "SIGTERM");
    // Images before 1.20.1 log at `warn`: their shutdown notices are hidden.
    if inst.app.flavor == images::Flavor::Nginx
        && matches!(inst.app.program, app::Program::Server)
        && super::nginx::NginxImage::of(&inst.app.image).logs_notices()
    {
        let ts = app::go_log_time(term_at);
        inst.extra.push((
            term_at,
            format!("{ts} [notice] 1#1: signal 3 (SIGQUIT) received, shutting down"),
        ));
        inst.extra.push((
            exit_at,
            format!("{} [notice] 1#1: exit", app::go_log_time(exit_at)),
        ));
    }
    c.stopping = true;
    c.stop_code = code;
    c.seq += 1;
    schedule_step(
        cluster,
        key,
        init,
        index,
        exit_at - now,
        Step::Stopped(then),
    );
    note(cluster, key, format!("stopping container {name}"));
}

fn stopped(cluster: &mut Cluster, key: &ObjectKey, init: bool, index: usize, then: Then) {
    let Some(c) = rt(cluster, key).and_then(|r| r.ctr(init, index)) else {
        return;
    };
    let code = c.stop_code;
    let reason = if code == 0 { "Completed" } else { "Error" };
    let now = cluster.now;
    let seq = token(cluster);
    let message = termination_message(cluster, key, init, index, code);
    let c = rt_mut(cluster, key)
        .and_then(|r| r.ctr_mut(init, index))
        .expect("checked");
    let Some(inst) = c.current.as_mut() else {
        return;
    };
    inst.finished = Some(now);
    c.state = CState::Terminated(Term {
        exit: code,
        reason: reason.to_string(),
        message,
        started: inst.started,
        finished: now,
        id: inst.id.clone(),
    });
    c.ready = false;
    c.started = false;
    c.stopping = false;
    c.seq = seq;
    dirty(cluster, key);
    redis_process_ended(cluster, key, init, index, false);
    persist_volumes(cluster, key, init, index);
    match then {
        Then::Terminate => check_all_stopped(cluster, key),
        Then::Restart => detect(cluster, key, init, index),
        Then::Replace => {
            let c = rt_mut(cluster, key)
                .and_then(|r| r.ctr_mut(init, index))
                .expect("checked");
            if let CState::Terminated(t) = &c.state {
                c.last = Some(t.clone());
            }
            c.restarts += 1;
            start_container(cluster, key, init, index);
        }
    }
}

/// The pod was deleted: stop every container within the grace period.
fn begin_termination(cluster: &mut Cluster, key: &ObjectKey, pod: &Value) {
    let grace = pod
        .at(&["metadata", "deletionGracePeriodSeconds"])
        .as_i64()
        .unwrap_or(30)
        .max(0) as Millis
        * SECOND;
    let Some(r) = rt_mut(cluster, key) else {
        return;
    };
    r.terminating = true;
    // Pending pulls and restarts no longer matter.
    for c in r.init.iter_mut().chain(r.main.iter_mut()) {
        if !c.running() {
            c.seq += 1;
            c.in_flight = false;
            c.retry_pending = false;
            c.pull = None;
        }
    }
    let running: Vec<(bool, usize)> = r
        .main
        .iter()
        .enumerate()
        .filter(|(_, c)| c.running())
        .map(|(i, _)| (false, i))
        .chain(
            r.init
                .iter()
                .enumerate()
                .filter(|(_, c)| c.running())
                .map(|(i, _)| (true, i)),
        )
        .collect();
    let why = if pod.at(&["metadata", "deletionTimestamp"]).is_null() {
        "the pod's phase is terminal: its containers stop"
    } else {
        "the pod is being deleted"
    };
    note(cluster, key, why.to_string());
    for (init, i) in &running {
        stop_container(cluster, key, *init, *i, None, grace, Then::Terminate);
    }
    check_all_stopped(cluster, key);
}

/// When nothing runs any more in a terminating pod, the kubelet writes
/// its final status and completes the deletion.
fn check_all_stopped(cluster: &mut Cluster, key: &ObjectKey) {
    let Some(r) = rt(cluster, key) else {
        return;
    };
    if !r.terminating || r.all().any(|c| c.running()) {
        return;
    }
    let failed = r.main.iter().any(|c| match &c.state {
        CState::Terminated(t) => t.exit != 0,
        _ => true,
    });
    let epoch = r.epoch;
    let r = rt_mut(cluster, key).expect("checked above");
    if r.terminal.is_none() {
        r.terminal = Some(if failed { "Failed" } else { "Succeeded" });
    }
    end_sandbox(cluster, key);
    let delay = rand_between(cluster, 50, 300);
    schedule(cluster, delay, KubeletTask::Finish(key.clone(), epoch));
}

/// Completes a deletion once the final status is written.
pub(crate) fn finish(cluster: &mut Cluster, key: &ObjectKey, epoch: u64) {
    if rt(cluster, key).is_some_and(|r| r.epoch == epoch) {
        write_status(cluster, key);
        note(
            cluster,
            key,
            "containers stopped; the pod is removed".to_string(),
        );
        cluster.finish_pod_deletion(key);
    }
}

/// A spec change on a running pod: a new image restarts that container.
fn follow_spec(cluster: &mut Cluster, key: &ObjectKey, pod: &Value) -> bool {
    // Ephemeral containers added through the API (`kubectl debug`) start
    // in the running pod.
    let added: Vec<Ctr> = pod
        .at(&["spec", "ephemeralContainers"])
        .items()
        .filter(|spec| {
            rt(cluster, key).is_some_and(|r| {
                !r.main
                    .iter()
                    .any(|c| Some(&*c.name) == spec.get("name").as_str())
            })
        })
        .map(|spec| {
            let mut c = Ctr::new(spec, false, "ContainerCreating");
            c.ephemeral = true;
            c
        })
        .collect();
    let started = !added.is_empty();
    if started {
        if let Some(r) = rt_mut(cluster, key) {
            r.main.extend(added);
        }
        dirty(cluster, key);
        advance(cluster, key);
    }
    let mut changed = Vec::new();
    for (init, list) in [(true, "initContainers"), (false, "containers")] {
        for (i, spec) in pod.at(&["spec", list]).items().enumerate() {
            if let Some(c) = rt(cluster, key).and_then(|r| r.ctr(init, i))
                && c.image_spec() != spec.get("image").as_str().unwrap_or("")
            {
                changed.push((init, i, spec.clone()));
            }
        }
    }
    if changed.is_empty() {
        return started;
    }
    let grace = pod
        .at(&["spec", "terminationGracePeriodSeconds"])
        .as_i64()
        .unwrap_or(30)
        .max(0) as Millis
        * SECOND;
    for (init, i, spec) in changed {
        let c = rt_mut(cluster, key)
            .and_then(|r| r.ctr_mut(init, i))
            .expect("checked");
        c.spec = spec;
        c.pull_backoff = None;
        c.pull_error = None;
        c.stuck = false;
        let name = c.name.to_string();
        if c.running() {
            stop_container(
                cluster,
                key,
                init,
                i,
                Some(format!(
                    "Container {name} definition changed, will be restarted"
                )),
                grace,
                Then::Replace,
            );
        } else if !c.in_flight {
            c.seq += 1;
            c.retry_pending = false;
            if c.created() {
                restart_now(cluster, key, init, i);
            } else {
                advance(cluster, key);
            }
        }
    }
    true
}

/// A signal to a container's PID 1 from inside it (`kubectl exec … kill
/// 1`). The kernel delivers to a namespace's init only the signals it
/// handles, so SIGKILL and a shell's unhandled SIGTERM do nothing; a
/// process that handles SIGTERM, SIGINT or SIGQUIT stops as it stops on
/// SIGTERM, and the kubelet restarts it per the pod's policy.
pub(crate) fn signal_pid1(cluster: &mut Cluster, key: &ObjectKey, container: &str, signal: i32) {
    if !matches!(signal, 2 | 3 | 15) {
        return;
    }
    let now = cluster.now;
    let Some(r) = rt_mut(cluster, key) else {
        return;
    };
    let Some((init, index)) = r.slot_of(container) else {
        return;
    };
    let Some(c) = r
        .ctr_mut(init, index)
        .filter(|c| c.running() && !c.stopping)
    else {
        return;
    };
    let Some(inst) = c.current.as_mut() else {
        return;
    };
    let (Some(_), code) = inst.app.on_sigterm() else {
        return;
    };
    for (_, line) in inst.app.sigterm_lines() {
        inst.extra.push((now, line));
    }
    match signal {
        2 => redis_shutdown(inst, now, "SIGINT"),
        15 => redis_shutdown(inst, now, "SIGTERM"),
        _ => {}
    }
    if inst.app.flavor == images::Flavor::Nginx
        && super::nginx::NginxImage::of(&inst.app.image).logs_notices()
    {
        let ts = app::go_log_time(now);
        let received = match signal {
            2 => "signal 2 (SIGINT) received, exiting",
            3 => "signal 3 (SIGQUIT) received, shutting down",
            _ => "signal 15 (SIGTERM) received, exiting",
        };
        inst.extra
            .push((now, format!("{ts} [notice] 1#1: {received}")));
        inst.extra.push((now, format!("{ts} [notice] 1#1: exit")));
    }
    let reason = if code == 0 { "Completed" } else { "Error" };
    process_exit(cluster, key, init, index, code, reason);
}

/// The shell a running container's PID 1 is, when it waits on its
/// standard input for a session (`kubectl run -it`, `attach -it`,
/// `debug -it`).
pub(crate) fn interactive_shell(
    cluster: &Cluster,
    namespace: &str,
    pod: &str,
    container: &str,
) -> Option<String> {
    let key = ObjectKey::new(res("Pod"), namespace, pod);
    let (_, c) = find_ctr(rt(cluster, &key)?, container)?;
    let inst = c.current.as_ref().filter(|_| c.running())?;
    inst.app.interactive_shell.clone()
}

/// redis-server's lines as a signal shuts it down (it saves its data).
fn redis_shutdown(inst: &mut Instance, at: Millis, signal: &str) {
    // A script as PID 1 (gb-redis-follower's run.sh) takes the signal.
    if let Some(launch) = &inst.app.redis
        && matches!(inst.app.program, app::Program::Server)
        && !inst.app.ignores_sigterm
    {
        // Without save points (`save ""`) it does not save as it stops.
        let saves = launch.settings(&inst.app.files).is_ok_and(|s| {
            s.iter()
                .find(|(n, _)| n == "save")
                .is_none_or(|(_, v)| !v.is_empty() && v != "\"\"")
        });
        let lines =
            super::redis::shutdown_lines(&launch.version, &app::redis_time(at), at, signal, saves);
        inst.extra.extend(lines.into_iter().map(|l| (at, l)));
    }
}

/// The Redis server a pod's running `redis-server` is (the process a
/// connection stays with, or the one listening on `port`): its settings
/// and keys, made from how it started as the first client connects.
pub(crate) fn redis_server<'a>(
    cluster: &'a mut Cluster,
    key: &ObjectKey,
    instance: Option<&str>,
    port: Option<u16>,
) -> Option<(&'a mut super::redis::Server, String)> {
    let r = rt_mut(cluster, key)?;
    let inst = r
        .init
        .iter_mut()
        .chain(r.main.iter_mut())
        .filter(|c| c.running())
        .filter_map(|c| c.current.as_mut())
        .find(|i| {
            i.app.redis.is_some()
                && matches!(i.app.program, app::Program::Server)
                && instance.is_none_or(|id| i.id == id)
                && port.is_none_or(|p| i.app.listens(p))
        })?;
    let id = inst.id.clone();
    server_of(inst).map(|s| (s, id))
}

/// The Redis server an instance runs, made from how it started as the
/// first client connects.
fn server_of(inst: &mut Instance) -> Option<&mut super::redis::Server> {
    if inst.redis.is_none() {
        let launch = inst.app.redis.as_deref()?;
        let settings = launch.settings(&inst.app.files).ok()?;
        let server = super::redis::Server::start(launch, settings, &inst.app.workdir);
        inst.redis = Some(Box::new(server));
    }
    inst.redis.as_deref_mut()
}

/// [`redis_server`], with a replica's data brought up to its master's,
/// through a chain of replicas too (a master propagates every write to
/// the replicas in sync with it).
pub(crate) fn redis_server_synced<'a>(
    cluster: &'a mut Cluster,
    key: &ObjectKey,
    instance: Option<&str>,
    port: Option<u16>,
) -> Option<(&'a mut super::redis::Server, String)> {
    let id = redis_server(cluster, key, instance, port)?.1;
    let mut chain = vec![(key.clone(), id)];
    while chain.len() < 8 {
        let (k, i) = chain.last().expect("not empty").clone();
        let Some(link) = redis_server(cluster, &k, Some(&i), None)
            .and_then(|(s, _)| s.replica.link.clone())
            .filter(|l| !chain.contains(l))
        else {
            break;
        };
        chain.push(link);
    }
    // From the top of the chain down, each loads what the one above has.
    for pair in chain.windows(2).rev() {
        let data =
            redis_server(cluster, &pair[1].0, Some(&pair[1].1), None).map(|(s, _)| s.dataset());
        if let (Some(data), Some((s, _))) = (
            data,
            redis_server(cluster, &pair[0].0, Some(&pair[0].1), None),
        ) {
            s.load(data);
        }
    }
    redis_server(cluster, key, Some(&chain[0].1), None)
}

/// A Redis process, running or ended, by its container id.
fn redis_instance<'a>(
    cluster: &'a mut Cluster,
    key: &ObjectKey,
    id: &str,
) -> Option<&'a mut Instance> {
    let r = rt_mut(cluster, key)?;
    r.init.iter_mut().chain(r.main.iter_mut()).find_map(|c| {
        [c.current.as_mut(), c.previous.as_mut()]
            .into_iter()
            .flatten()
            .find(|i| i.id == id)
    })
}

/// A container slot's running process.
fn running_instance<'a>(
    cluster: &'a mut Cluster,
    key: &ObjectKey,
    init: bool,
    index: usize,
) -> Option<&'a mut Instance> {
    rt_mut(cluster, key)?
        .ctr_mut(init, index)
        .filter(|c| c.running())?
        .current
        .as_mut()
}

/// A Redis process's log prefix: its pid and role (`1:M`, `10:S`).
fn redis_who(inst: &Instance) -> String {
    let replica = inst
        .redis
        .as_deref()
        .is_some_and(|s| s.replica.of.is_some());
    format!(
        "{}:{}",
        inst.app.redis.as_deref().map_or(1, |l| l.pid),
        if replica { 'S' } else { 'M' }
    )
}

/// Adds a Redis process's log lines, keeping its most recent ones (the
/// kubelet rotates a container's log as it grows).
fn redis_log(inst: &mut Instance, lines: Vec<(Millis, String)>) {
    if inst.extra.len() >= 10_000 {
        inst.extra.drain(..1_000);
    }
    if inst.app.redis.as_ref().is_some_and(|l| l.major() < 3) {
        inst.extra.extend(
            lines
                .into_iter()
                .filter_map(|(t, l)| Some((t, super::redis::legacy_line(l)?))),
        );
    } else {
        inst.extra.extend(lines);
    }
}

/// One run of a replica's `replicationCron`: a lost link to the master is
/// noticed, a connection attempt made (and logged as Redis 6 logs it),
/// or, with the master reached, a full synchronization on both sides.
/// While unconnected it runs again each second.
fn replica_sync(cluster: &mut Cluster, key: &ObjectKey, init: bool, index: usize) {
    let now = cluster.now;
    let t = |ms: Millis| app::redis_time(ms);
    let Some(inst) = running_instance(cluster, key, init, index) else {
        return;
    };
    let (started, own_id) = (inst.started, inst.id.clone());
    let pid = inst.app.redis.as_deref().map_or(1, |l| l.pid);
    let Some(server) = server_of(inst) else {
        return;
    };
    let Some((host, master_port)) = server.replica.of.clone() else {
        return;
    };
    let port = super::redis::port(server.settings()).unwrap_or(6379);
    let link = server.replica.link.clone();
    // Only the cron run it scheduled itself goes on unconnected (a
    // master's end may wake it too).
    if link.is_none() && server.replica.cron_at.is_some_and(|at| at != now) {
        return;
    }
    let since = server.replica.connecting_since;
    let silent = server.replica.silent_since.take();
    // The next run of the cron, once a second from the start.
    let next_tick = 1000 - now.saturating_sub(started) % 1000;
    let mut lines: Vec<(Millis, String)> = Vec::new();
    let mut line = |ms: Millis, text: &str| lines.push((ms, format!("{pid}:S {} {text}", t(ms))));
    let mut retry = Some(next_tick);
    if let Some((master, id)) = link {
        let alive = redis_server(cluster, &master, Some(&id), None).is_some()
            && rt(cluster, &master)
                .is_some_and(|r| cluster.kubelet.nodes.get(&r.node).is_some_and(|n| n.up));
        if alive {
            return;
        }
        // A master that went silent (its node gone): `repl-timeout` ends
        // the link; one that ended closed its connection.
        if silent.is_some() {
            line(now, "# MASTER timeout: no data nor PING received...");
        }
        line(now, "# Connection with master lost.");
        line(now, "* Caching the disconnected master state.");
        // What it keeps of the master (the hook that woke it may have
        // kept it already, the master's pod being gone since).
        let cached = redis_instance(cluster, &master, &id)
            .and_then(|i| i.redis.as_deref()?.as_cached_master(i.started, now));
        if let Some(server) =
            running_instance(cluster, key, init, index).and_then(|i| i.redis.as_deref_mut())
        {
            server.replica.link = None;
            if cached.is_some() {
                server.replica.cached = cached;
            }
        }
    } else {
        if let Some(since) = since {
            if now < since + super::redis::REPL_TIMEOUT {
                return;
            }
            line(now, "# Timeout connecting to the MASTER...");
        }
        // The replication connection: a TCP dial, not a request the
        // network's counters keep.
        let request = crate::network::Request::get(&format!("http://{host}:{master_port}/"))
            .from_pod(key.clone())
            .with_user_agent("redis-server");
        let response = cluster.deliver(&request, now, None);
        let dial = super::exec::Dial::of(&response);
        let reached = match &dial {
            super::exec::Dial::Accepted(pod) => pod.clone(),
            _ => None,
        };
        let target = reached.as_ref().and_then(|master| {
            let (server, id) = redis_server(cluster, master, None, Some(master_port))?;
            Some((
                master.clone(),
                id,
                server.replica.of.is_some(),
                server.replica.link.is_some(),
            ))
        });
        use super::exec::Dial;
        use super::redis::{
            CONNECT_FIRED as FIRED, NO_CACHED_MASTER as NO_CACHE, PING_REPLIED as PINGED,
            SYNC_STARTED as STARTED,
        };
        let mut connecting_since = None;
        // What an attempt that does not reach a master logs after
        // `Connecting`.
        let failed: Option<&[(Millis, &str)]> = match (&dial, &target) {
            (Dial::Unresolved, _) => Some(&[(
                0,
                "# Unable to connect to MASTER: Resource temporarily unavailable",
            )]),
            // An HTTP server answers the PING with its status line.
            (Dial::Http, _) => Some(&[
                (7, STARTED),
                (7, FIRED),
                (
                    8,
                    "# Error reply to PING from master: 'HTTP/1.1 400 Bad Request'",
                ),
            ]),
            (Dial::Refused, _) => Some(&[
                (7, STARTED),
                (
                    7,
                    "# Error condition on socket for SYNC: Connection refused",
                ),
            ]),
            // No answer: `repl-timeout` ends the attempt.
            (Dial::NoAnswer, _) => {
                connecting_since = Some(now);
                retry = Some(super::redis::REPL_TIMEOUT);
                Some(&[(7, STARTED)])
            }
            // A process that takes connections but is no Redis closes
            // them.
            (Dial::Accepted(_), None) => Some(&[
                (7, STARTED),
                (7, FIRED),
                (
                    8,
                    "# Error reply to PING from master: '-Reading from master: Resource temporarily unavailable'",
                ),
            ]),
            // A replica not in sync itself (this one, say) refuses.
            (Dial::Accepted(_), Some((_, id, is_replica, linked)))
                if *id == own_id || (*is_replica && !*linked) =>
            {
                Some(&[
                    (7, STARTED),
                    (7, FIRED),
                    (8, PINGED),
                    (8, NO_CACHE),
                    (
                        9,
                        "* Master is currently unable to PSYNC but should be in the future: -NOMASTERLINK Can't SYNC while not connected with my master",
                    ),
                ])
            }
            (Dial::Accepted(_), Some(_)) => None,
        };
        if let Some(after) = failed {
            line(now, &format!("* Connecting to MASTER {host}:{master_port}"));
            for (ms, text) in after {
                line(now + ms, text);
            }
        } else if let Some((master, mid, _, _)) = target {
            let replica_ip = cluster
                .store
                .get(key)
                .and_then(|p| p.str_at(&["status", "podIP"]).map(str::to_string))
                .unwrap_or_default();
            let (master_started, who) = redis_instance(cluster, &master, &mid)
                .map_or((now, "1:M".to_string()), |i| (i.started, redis_who(i)));
            let taken = running_instance(cluster, key, init, index).and_then(|i| i.redis.take());
            if let Some(mut replica) = taken {
                let addr = format!("{replica_ip}:{port}");
                let log = redis_server(cluster, &master, Some(&mid), None).map(|(m, _)| {
                    let parties = super::redis::SyncParties {
                        replica_addr: &addr,
                        replica_pid: pid,
                        master_started,
                        seed: &mid,
                        master_who: &who,
                    };
                    let log = m.full_sync(&mut replica, &parties, now, &t);
                    m.master
                        .replicas
                        .retain(|(k, i, x, _)| (k, *i, *x) != (key, init, index));
                    m.master
                        .replicas
                        .push((key.clone(), init, index, addr.clone()));
                    log
                });
                if log.is_some() {
                    replica.replica.link = Some((master.clone(), mid.clone()));
                    retry = None;
                }
                if let Some(inst) = running_instance(cluster, key, init, index) {
                    inst.redis = Some(replica);
                }
                if let Some(log) = log {
                    lines.extend(log.replica);
                    if let Some(inst) = redis_instance(cluster, &master, &mid) {
                        redis_log(inst, log.master);
                    }
                }
            }
        }
        if let Some(server) =
            running_instance(cluster, key, init, index).and_then(|i| i.redis.as_deref_mut())
        {
            server.replica.connecting_since = connecting_since;
        }
    }
    if let Some(inst) = running_instance(cluster, key, init, index) {
        redis_log(inst, lines);
    }
    if let Some(delay) = retry {
        if let Some(server) =
            running_instance(cluster, key, init, index).and_then(|i| i.redis.as_deref_mut())
        {
            server.replica.cron_at = Some(now + delay);
        }
        schedule_step(cluster, key, init, index, delay, Step::ReplicaSync);
    }
}

/// A pod's processes are gone with it (`silently`: with their node).
pub(crate) fn redis_pod_gone(cluster: &mut Cluster, key: &ObjectKey, silently: bool) {
    let Some(r) = rt(cluster, key) else {
        return;
    };
    let slots: Vec<(bool, usize)> = (r.init.iter().enumerate().map(|(i, c)| (true, i, c)))
        .chain(r.main.iter().enumerate().map(|(i, c)| (false, i, c)))
        .filter(|(_, _, c)| c.running() && c.current.as_ref().is_some_and(|i| i.redis.is_some()))
        .map(|(init, i, _)| (init, i))
        .collect();
    for (init, index) in slots {
        redis_process_ended(cluster, key, init, index, silently);
    }
}

/// A Redis process ended (`silently`: its node went away, so nothing
/// closed its connections). Its replicas notice: at once as the
/// connection closes, else after `repl-timeout`. A replica's master logs
/// the connection's loss.
fn redis_process_ended(
    cluster: &mut Cluster,
    key: &ObjectKey,
    init: bool,
    index: usize,
    silently: bool,
) {
    let now = cluster.now;
    let Some(inst) = rt(cluster, key)
        .and_then(|r| r.ctr(init, index))
        .and_then(|c| c.current.as_ref())
    else {
        return;
    };
    let Some(server) = inst.redis.as_deref() else {
        return;
    };
    let id = inst.id.clone();
    let replicas = server.master.replicas.clone();
    let master = server.replica.link.clone();
    let cached = server.as_cached_master(inst.started, now);
    for (pod, i, x, _) in replicas {
        let Some(replica) =
            running_instance(cluster, &pod, i, x).and_then(|r| r.redis.as_deref_mut())
        else {
            continue;
        };
        // Only a replica still in sync with this process.
        if replica.replica.link.as_ref() != Some(&(key.clone(), id.clone())) {
            continue;
        }
        if silently {
            replica.replica.silent_since = Some(now);
        }
        replica.replica.cached.clone_from(&cached);
        let delay = if silently {
            super::redis::REPL_TIMEOUT - 1_000
        } else {
            0
        };
        schedule_step(cluster, &pod, i, x, delay, Step::ReplicaSync);
    }
    if let Some((master, mid)) = master.filter(|_| !silently)
        && let Some(m) = redis_instance(cluster, &master, &mid)
        && m.finished.is_none()
        && let Some(server) = m.redis.as_deref_mut()
        && let Some(at) = server
            .master
            .replicas
            .iter()
            .position(|(k, i, x, _)| (k, *i, *x) == (key, init, index))
    {
        let (_, _, _, addr) = server.master.replicas.remove(at);
        let who = redis_who(m);
        redis_log(
            m,
            vec![(
                now,
                format!(
                    "{who} {} # Connection with replica {addr} lost.",
                    app::redis_time(now)
                ),
            )],
        );
    }
}

/// The container's own process (an attached shell) exits with `code`.
pub(crate) fn end_pid1(cluster: &mut Cluster, key: &ObjectKey, container: &str, code: i32) {
    let Some((init, index)) =
        rt(cluster, key)
            .and_then(|r| r.slot_of(container))
            .filter(|&(init, index)| {
                rt(cluster, key)
                    .and_then(|r| r.ctr(init, index))
                    .is_some_and(|c| c.running() && !c.stopping)
            })
    else {
        return;
    };
    let reason = if code == 0 { "Completed" } else { "Error" };
    process_exit(cluster, key, init, index, code, reason);
}

/// `kill_container`: the process dies (SIGKILL, exit code 137).
pub(crate) fn kill_container(
    cluster: &mut Cluster,
    namespace: &str,
    pod: &str,
    container: Option<&str>,
) -> Result<(), String> {
    let key = ObjectKey::new(res("Pod"), namespace, pod);
    let Some(r) = rt(cluster, &key) else {
        return Err(format!("pod {namespace}/{pod} is not running on a node"));
    };
    let found = match container {
        None => r
            .main
            .iter()
            .position(Ctr::running)
            .map(|i| (false, i))
            .or(Some((false, 0))),
        Some(name) => r.slot_of(name),
    };
    let Some((init, i)) = found else {
        return Err(format!(
            "container {} is not valid for pod {pod}",
            container.unwrap_or("")
        ));
    };
    let c = r.ctr(init, i).expect("found above");
    if !c.running() {
        return Err(format!("container {} in pod {pod} is not running", c.name));
    }
    process_exit(cluster, &key, init, i, 137, "Error");
    Ok(())
}

/// The kubelet-owned conditions and the pod status it writes.
pub(crate) fn write_status(cluster: &mut Cluster, key: &ObjectKey) -> bool {
    let Some(status) = build_status(cluster, key) else {
        return false;
    };
    let before = cluster.store.resource_version();
    let _ = cluster.update_status(key, status);
    cluster.store.resource_version() != before
}

fn cond_value(
    kind: &str,
    status: bool,
    reason: Option<&str>,
    message: Option<&str>,
    ltt: Millis,
    generation: i64,
) -> Value {
    let mut c = Value::from_pairs([
        ("lastProbeTime", Value::Null),
        ("lastTransitionTime", Value::from(rfc3339(ltt))),
        ("observedGeneration", Value::Int(generation)),
        ("status", Value::str(if status { "True" } else { "False" })),
        ("type", Value::str(kind)),
    ]);
    if let Some(r) = reason {
        c.set("reason", Value::str(r));
    }
    if let Some(m) = message {
        c.set("message", Value::str(m));
    }
    c
}

fn term_value(t: &Term) -> Value {
    let mut v = Value::from_pairs([
        ("containerID", Value::from(t.id.clone())),
        ("exitCode", Value::Int(i64::from(t.exit))),
        ("finishedAt", Value::from(rfc3339(t.finished))),
        ("reason", Value::from(t.reason.clone())),
        ("startedAt", Value::from(rfc3339(t.started))),
    ]);
    if let Some(m) = &t.message {
        v.set("message", Value::from(m.clone()));
    }
    v
}

/// The identity of the container's first process (`status.containerStatuses[].user`).
fn user_value(c: &Ctr, pod: &Value) -> Value {
    let (uid, gid, groups) = app::identity(&c.spec, pod, c.image_spec());
    Value::from_pairs([(
        "linux",
        Value::from_pairs([
            ("gid", Value::Int(gid)),
            (
                "supplementalGroups",
                Value::array(groups.into_iter().map(Value::Int).collect()),
            ),
            ("uid", Value::Int(uid)),
        ]),
    )])
}

fn container_status(c: &Ctr, pod: &Value) -> Value {
    let created = c.created();
    let mut s = Value::from_pairs([
        ("name", Value::from(c.name.to_string())),
        ("ready", Value::Bool(c.ready)),
        ("restartCount", Value::Int(i64::from(c.restarts))),
        ("started", Value::Bool(c.started && c.running())),
    ]);
    let (image, image_id) = match (&c.image, created || c.last.is_some()) {
        (Some(i), true) => (i.name.clone(), i.repo_digest.clone()),
        _ => (c.image_spec().to_string(), String::new()),
    };
    s.set("image", Value::from(image));
    s.set("imageID", Value::from(image_id));
    let id = match &c.state {
        CState::Terminated(t) => Some(t.id.clone()),
        _ => c
            .current
            .as_ref()
            .map(|i| i.id.clone())
            .or_else(|| c.last.as_ref().map(|t| t.id.clone())),
    };
    if let Some(id) = id {
        s.set("containerID", Value::from(id));
    }
    s.set(
        "lastState",
        match &c.last {
            Some(t) => Value::from_pairs([("terminated", term_value(t))]),
            None => Value::object(),
        },
    );
    let state = match &c.state {
        CState::Waiting { reason, message } => {
            let mut w = Value::from_pairs([("reason", Value::from(reason.clone()))]);
            if let Some(m) = message {
                w.set("message", Value::from(m.clone()));
            }
            Value::from_pairs([("waiting", w)])
        }
        CState::Running => Value::from_pairs([(
            "running",
            Value::from_pairs([(
                "startedAt",
                Value::from(rfc3339(c.current.as_ref().map_or(0, |i| i.started))),
            )]),
        )]),
        CState::Terminated(t) => Value::from_pairs([("terminated", term_value(t))]),
    };
    s.set("state", state);
    if created {
        let resources = c.spec.get("resources");
        let mut r = Value::object();
        for k in ["limits", "requests"] {
            if !resources.get(k).is_empty() {
                r.set(k, resources.get(k).clone());
            }
        }
        if !resources.get("requests").is_empty() {
            s.set("allocatedResources", resources.get("requests").clone());
        }
        s.set("resources", r);
        s.set("user", user_value(c, pod));
        let mounts: Vec<Value> = c
            .spec
            .get("volumeMounts")
            .items()
            .map(|m| {
                let mut v = Value::from_pairs([
                    ("mountPath", m.get("mountPath").clone()),
                    ("name", m.get("name").clone()),
                ]);
                if m.get("readOnly").as_bool() == Some(true) {
                    v.set("readOnly", Value::Bool(true));
                    v.set("recursiveReadOnly", Value::str("Disabled"));
                }
                v
            })
            .collect();
        if !mounts.is_empty() {
            s.set("volumeMounts", Value::array(mounts));
        }
    }
    s
}

/// `getPhase`.
fn phase(r: &PodRuntime, policy: &str) -> &'static str {
    if let Some(t) = r.terminal {
        return t;
    }
    if !r.initialized {
        return "Pending";
    }
    let (mut running, mut waiting, mut stopped, mut succeeded) = (0, 0, 0, 0);
    for c in r.regular() {
        match &c.state {
            CState::Running => running += 1,
            CState::Terminated(t) => {
                stopped += 1;
                if t.exit == 0 {
                    succeeded += 1;
                }
            }
            CState::Waiting { .. } if c.last.is_some() => stopped += 1,
            CState::Waiting { .. } => waiting += 1,
        }
    }
    if waiting > 0 {
        return "Pending";
    }
    if running > 0 {
        return "Running";
    }
    if stopped > 0 {
        return match policy {
            "Always" => "Running",
            _ if succeeded == stopped => "Succeeded",
            "Never" => "Failed",
            _ => "Running",
        };
    }
    "Pending"
}

fn build_status(cluster: &mut Cluster, key: &ObjectKey) -> Option<Value> {
    let pod = cluster.store.get(key)?.clone();
    let now = cluster.now;
    let r = cluster.kubelet.pods.get(key)?;
    let agent = cluster.kubelet.nodes.get(&r.node)?;
    if !agent.up {
        return None;
    }
    let host_ip = agent.internal_ip.clone();
    let policy = pod.str_at(&["spec", "restartPolicy"]).unwrap_or("Always");
    let generation = pod.at(&["metadata", "generation"]).as_i64().unwrap_or(1);
    let phase = phase(r, policy);
    let old = pod.get("status");
    // Conditions.
    let names = |list: &mut dyn Iterator<Item = &Ctr>| -> Vec<String> {
        list.map(|c| c.name.to_string()).collect()
    };
    let incomplete = names(&mut r.init.iter().filter(|c| {
        if c.sidecar {
            !(c.running() && c.started)
        } else {
            !c.done
        }
    }));
    let unready = names(
        &mut r
            .init
            .iter()
            .filter(|c| c.sidecar && !c.ready)
            .chain(r.regular().filter(|c| !c.ready)),
    );
    let list = |v: &[String]| format!("[{}]", v.join(" "));
    let mut wanted: Vec<(&'static str, bool, Option<String>, Option<String>)> = Vec::new();
    wanted.push(("PodReadyToStartContainers", r.sandbox, None, None));
    let initialized = r.initialized || incomplete.is_empty();
    wanted.push(match (phase, initialized) {
        ("Succeeded", _) => ("Initialized", true, Some("PodCompleted".into()), None),
        (_, true) => ("Initialized", true, None, None),
        (_, false) => (
            "Initialized",
            false,
            Some("ContainersNotInitialized".into()),
            Some(format!(
                "containers with incomplete status: {}",
                list(&incomplete)
            )),
        ),
    });
    let containers_ready: (bool, Option<String>, Option<String>) = match phase {
        "Succeeded" => (false, Some("PodCompleted".into()), None),
        "Failed" if r.terminal.is_some() => (false, Some("PodFailed".into()), None),
        _ if unready.is_empty() => (true, None, None),
        _ => (
            false,
            Some("ContainersNotReady".into()),
            Some(format!(
                "containers with unready status: {}",
                list(&unready)
            )),
        ),
    };
    let mut ready = containers_ready.clone();
    if ready.0 {
        // Readiness gates: conditions other components own.
        let mut gate_msgs = Vec::new();
        for g in pod.at(&["spec", "readinessGates"]).items() {
            let t = g.get("conditionType").as_str().unwrap_or("");
            match old
                .get("conditions")
                .items()
                .find(|c| c.get("type").as_str() == Some(t))
            {
                None => gate_msgs.push(format!(
                    "corresponding condition of pod readiness gate {} does not exist.",
                    quote(t)
                )),
                Some(c) if c.get("status").as_str() != Some("True") => gate_msgs.push(format!(
                    "the status of pod readiness gate {} is not \"True\", but {}",
                    quote(t),
                    c.get("status").as_str().unwrap_or("")
                )),
                _ => {}
            }
        }
        if !gate_msgs.is_empty() {
            ready = (
                false,
                Some("ReadinessGatesNotReady".into()),
                Some(gate_msgs.join(", ")),
            );
        }
    }
    wanted.push(("Ready", ready.0, ready.1, ready.2));
    wanted.push((
        "ContainersReady",
        containers_ready.0,
        containers_ready.1,
        containers_ready.2,
    ));
    let kubelet_owned = [
        "PodReadyToStartContainers",
        "Initialized",
        "Ready",
        "ContainersReady",
        "PodScheduled",
    ];
    let mut conditions: Vec<Value> = old
        .get("conditions")
        .items()
        .filter(|c| !kubelet_owned.contains(&c.get("type").as_str().unwrap_or("")))
        .cloned()
        .collect();
    let mut new_conds = VecMap::new();
    for (kind, status, reason, message) in &wanted {
        let s = if *status { "True" } else { "False" };
        let ltt = match r.conds.get(kind) {
            Some((prev, t)) if prev == s => *t,
            _ => now,
        };
        new_conds.insert(*kind, (s.to_string(), ltt));
        conditions.push(cond_value(
            kind,
            *status,
            reason.as_deref(),
            message.as_deref(),
            ltt,
            generation,
        ));
    }
    let scheduled_ltt = old
        .get("conditions")
        .items()
        .find(|c| c.get("type").as_str() == Some("PodScheduled"))
        .and_then(|c| c.get("lastTransitionTime").as_str())
        .and_then(parse_rfc3339)
        .unwrap_or(r.admitted_at);
    conditions.push(cond_value(
        "PodScheduled",
        true,
        None,
        None,
        scheduled_ltt,
        generation,
    ));
    let mut status = Value::object();
    status.set("conditions", Value::array(conditions));
    let mut main: Vec<&Ctr> = r.regular().collect();
    main.compact_sort_by(|a, b| a.name.cmp(&b.name));
    status.set(
        "containerStatuses",
        Value::array(main.iter().map(|c| container_status(c, &pod)).collect()),
    );
    // Ephemeral containers' statuses: never ready, no `started`.
    let ephemeral: Vec<Value> = r
        .main
        .iter()
        .filter(|c| c.ephemeral)
        .map(|c| {
            let mut s = container_status(c, &pod);
            s.remove("started");
            s.remove("resources");
            s
        })
        .collect();
    if !ephemeral.is_empty() {
        status.set("ephemeralContainerStatuses", Value::array(ephemeral));
    }
    if !r.init.is_empty() {
        status.set(
            "initContainerStatuses",
            Value::array(r.init.iter().map(|c| container_status(c, &pod)).collect()),
        );
    }
    status.set("hostIP", Value::from(host_ip.clone()));
    status.set(
        "hostIPs",
        Value::array(vec![Value::from_pairs([("ip", Value::from(host_ip))])]),
    );
    status.set("observedGeneration", Value::Int(generation));
    status.set("phase", Value::str(phase));
    if let Some(ip) = r.ip {
        let ip = ipv4(ip);
        status.set("podIP", Value::from(ip.clone()));
        status.set(
            "podIPs",
            Value::array(vec![Value::from_pairs([("ip", Value::from(ip))])]),
        );
    }
    if let Some(q) = old.get("qosClass").as_str() {
        status.set("qosClass", Value::str(q));
    }
    // A terminal phase another component wrote keeps its reason (Evicted).
    if r.terminal.is_some() && old.get("phase").as_str() == Some(phase) {
        for field in ["reason", "message"] {
            if let Some(v) = old.get(field).as_str() {
                status.set(field, Value::str(v));
            }
        }
    }
    let start = old
        .get("startTime")
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| rfc3339(r.admitted_at));
    status.set("startTime", Value::from(start));
    cluster
        .kubelet
        .pods
        .get_mut(key)
        .expect("checked above")
        .conds = new_conds;
    Some(status)
}

fn find_ctr<'a>(r: &'a PodRuntime, name: &str) -> Option<(bool, &'a Ctr)> {
    r.main
        .iter()
        .find(|c| &*c.name == name)
        .map(|c| (false, c))
        .or_else(|| r.init.iter().find(|c| &*c.name == name).map(|c| (true, c)))
}

/// Whether the container instance that owns a request stream still runs.
pub(crate) fn instance_running(cluster: &Cluster, owner: &crate::network::TrafficOwner) -> bool {
    rt(cluster, &owner.pod)
        .and_then(|r| find_ctr(r, &owner.container))
        .is_some_and(|(_, c)| {
            c.running() && c.current.as_ref().is_some_and(|i| i.id == owner.instance)
        })
}

/// Sends the next request of a container's stream through its script's
/// own tool, `at` its time, and keeps the tool's answer for the
/// container's logs; with when the next request goes, when the script's
/// run says (else the stream's pace sets it). `None` when that container
/// instance is gone.
pub(crate) fn stream_request(
    cluster: &mut Cluster,
    owner: &crate::network::TrafficOwner,
    at: Millis,
    traffic: crate::network::TrafficId,
) -> Option<(crate::network::Response, Option<Millis>)> {
    let key = &owner.pod;
    let r = rt(cluster, key)?;
    let slot = match r.main.iter().position(|c| c.name == owner.container) {
        Some(i) => (false, i),
        None => (true, r.init.iter().position(|c| c.name == owner.container)?),
    };
    let inst = r.ctr(slot.0, slot.1)?.current.as_ref()?;
    let stream = inst.app.request_stream.as_ref()?;
    let (argv, started) = (stream.argv.clone(), inst.started);
    let (dialect, flavor, image) = (inst.app.dialect, inst.app.flavor, inst.app.image.clone());
    let caller = super::exec::Caller {
        exec: false,
        tty: inst.app.tty,
    };
    cluster.network.stream_send = Some((at, traffic));
    let reply = super::exec::network_tool(cluster, key, dialect, flavor, &image, caller, &argv);
    cluster.network.stream_send = None;
    // A tool that sent nothing (a usage error) still took its turn; the
    // next request goes after the tool's own time (its timeouts).
    let mut response =
        cluster
            .network
            .stream_response
            .take()
            .unwrap_or_else(|| crate::network::Response {
                status: 0,
                body: String::new(),
                latency_ms: 0,
                ..Default::default()
            });
    response.latency_ms = reply.2;
    let hostname = pod_hostname(cluster, key);
    let inst = rt_mut(cluster, key)?
        .ctr_mut(slot.0, slot.1)?
        .current
        .as_mut()?;
    let offset = at.saturating_sub(started);
    let (exits, next) = inst.app.stream_answer(started, &hostname, offset, reply);
    if let Some(exit) = exits {
        let elapsed = cluster.now.saturating_sub(started);
        schedule_step(
            cluster,
            key,
            slot.0,
            slot.1,
            exit.saturating_sub(elapsed).max(10),
            Step::Exit,
        );
    }
    Some((response, next.map(|n| started + n)))
}

/// Why `kubectl exec` cannot run in a container.
pub(crate) enum ExecRefusal {
    /// An API error (`Error from server …`).
    Status(StatusError),
    /// The stream could not be opened (`error: unable to upgrade connection: …`).
    Upgrade(String),
    /// The API server could not reach the kubelet (`Error from server: …`).
    Backend(String),
}

/// What a process started by `kubectl exec` in a running container sees:
/// its environment and files now, and the image it runs in.
pub(crate) fn exec_context(
    cluster: &Cluster,
    namespace: &str,
    pod: &str,
    container: &str,
) -> Result<(super::shell::Context, images::Flavor, String, Millis), ExecRefusal> {
    let key = ObjectKey::new(res("Pod"), namespace, pod);
    let Some(obj) = cluster.store.get(&key) else {
        return Err(ExecRefusal::Status(StatusError::not_found("pods", pod)));
    };
    let in_spec = ["containers", "initContainers", "ephemeralContainers"]
        .iter()
        .flat_map(|l| obj.at(&["spec", l]).items())
        .any(|c| c.get("name").as_str() == Some(container));
    if !in_spec {
        return Err(ExecRefusal::Status(StatusError::bad_request(format!(
            "container {container} is not valid for pod {pod}"
        ))));
    }
    let not_found = || ExecRefusal::Upgrade(format!("container not found ({})", quote(container)));
    let node = obj.str_at(&["spec", "nodeName"]).unwrap_or("");
    if node.is_empty() {
        return Err(ExecRefusal::Status(StatusError::bad_request(format!(
            "pod {pod} does not have a host assigned"
        ))));
    }
    if let Some(agent) = cluster.kubelet.nodes.get(node)
        && !agent.up
    {
        return Err(ExecRefusal::Backend(format!(
            "error dialing backend: dial tcp {}:10250: connect: no route to host",
            agent.internal_ip
        )));
    }
    let r = rt(cluster, &key).ok_or_else(not_found)?;
    let (_, c) = find_ctr(r, container).ok_or_else(not_found)?;
    let inst = c
        .current
        .as_ref()
        .filter(|_| c.running())
        .ok_or_else(not_found)?;
    let offset = cluster.now.saturating_sub(inst.started);
    let hostname = pod_hostname(cluster, &key);
    let mut ctx = inst.app.exec_context(inst.started, &hostname, offset);
    ctx.files.extend(sibling_writes(cluster, &key, r, c));
    ctx.processes = shared_processes(obj, r, c);
    Ok((ctx, inst.app.flavor, inst.app.image.clone(), inst.started))
}

/// What `ps` sees beyond the container's own process: with
/// `shareProcessNamespace`, the sandbox's `/pause` and every running
/// container's PID 1 in start order; for a debug container with a target,
/// the target's process first.
fn shared_processes(pod: &Value, r: &PodRuntime, own: &Ctr) -> Vec<(String, String)> {
    let process = |c: &Ctr| {
        c.current.as_ref().filter(|_| c.running()).map(|i| {
            let user = &i.app.user;
            let who = user
                .name
                .map_or_else(|| user.uid.to_string(), str::to_string);
            (i.started, who, i.app.cmdline.clone(), i.app.flavor)
        })
    };
    if pod.at(&["spec", "shareProcessNamespace"]).as_bool() == Some(true) {
        let mut running: Vec<_> = r.init.iter().chain(&r.main).filter_map(process).collect();
        running.compact_sort_by_key(|p| p.0);
        let mut seen = vec![("65535".to_string(), "/pause".to_string())];
        for (_, user, cmd, flavor) in running {
            if flavor == images::Flavor::Nginx {
                // nginx retitles its master and forks a worker per CPU
                // (its log's four `start worker process` lines), as the
                // image's user nginx (101).
                seen.push((user, "nginx: master process nginx -g daemon off;".into()));
                for _ in 0..4 {
                    seen.push(("101".into(), "nginx: worker process".into()));
                }
            } else {
                seen.push((user, cmd));
            }
        }
        return seen;
    }
    let target = pod
        .at(&["spec", "ephemeralContainers"])
        .items()
        .find(|c| c.get("name").as_str() == Some(&*own.name))
        .and_then(|c| c.get("targetContainerName").as_str());
    match target.and_then(|t| r.main.iter().find(|c| &*c.name == t)) {
        Some(t) => [t, own]
            .into_iter()
            .filter_map(process)
            .map(|(_, user, cmd, _)| (user, cmd))
            .collect(),
        None => Vec::new(),
    }
}

/// The log of one container instance.
fn instance_logs(
    cluster: &Cluster,
    key: &ObjectKey,
    (init, c): (bool, &Ctr),
    inst: &Instance,
) -> Vec<(Millis, String)> {
    let end = inst.finished.unwrap_or(cluster.now);
    let ip = rt(cluster, key)
        .and_then(|r| r.ip)
        .map(ipv4)
        .unwrap_or_default();
    let hostname = pod_hostname(cluster, key);
    // Each line, and whether a request (one connection) wrote it.
    let mut lines: Vec<(Millis, String, bool)> = inst
        .app
        .logs_until(
            end.saturating_sub(inst.started),
            inst.started,
            &hostname,
            &ip,
        )
        .into_iter()
        .map(|(t, l)| (inst.started + t, l, false))
        .collect();
    if let Some(reqs) = cluster.kubelet.request_logs.borrow().get(&inst.id) {
        lines.extend(reqs.iter().map(|(t, l)| (*t, l.clone(), true)));
    }
    // Regular init containers are not probed. A probe that stopped the
    // container is logged before its shutdown.
    let mut rotated = 0;
    if !init || c.sidecar {
        let (probes, from) = probe_access_log(cluster, key, c, inst, end);
        lines.extend(probes.into_iter().map(|(t, l)| (t, l, true)));
        rotated = from;
    }
    lines.extend(
        inst.extra
            .iter()
            .filter(|(t, _)| *t <= end)
            .map(|(t, l)| (*t, l.clone(), false)),
    );
    lines.compact_sort_by_key(|(t, _, _)| *t);
    // nginx numbers its connections: an error line gets its request's.
    let mut connections = 0;
    let mut out = Vec::with_capacity(lines.len());
    for (t, line, request) in lines {
        connections += usize::from(request);
        match line.split_once('\n') {
            // One request's lines (nginx's error and access lines,
            // metrics-server's scrapes and probe), one entry each.
            Some((error, rest)) if request => {
                let n = connections.to_string();
                out.push((t, error.replace(app::REQUEST_NUMBER, &n)));
                out.extend(rest.split('\n').map(|l| (t, l.to_string())));
            }
            // An app that counts its requests (the bootcamp's `++requests`).
            _ if request && line.contains(app::REQUEST_NUMBER) => {
                out.push((
                    t,
                    line.replace(app::REQUEST_NUMBER, &connections.to_string()),
                ));
            }
            _ => out.push((t, line)),
        }
    }
    if rotated > 0 {
        out.retain(|(t, _)| *t >= rotated);
    }
    out
}

/// How many requests of one probe a log keeps: past them, the log starts
/// at the oldest one kept, as a rotated log file does (the kubelet rotates
/// at 10 MiB, about 100,000 access-log lines; kubectl reads the newest
/// file).
const PROBE_LOG_LINES: u64 = 10_000;

/// The access-log lines the kubelet's `httpGet` probes left, written out
/// when the log is read: the simulation skips probes that cannot change
/// the container's state, but each tick of a real probe worker reaches the
/// app like any request. Also the moment the log starts from, when it
/// holds too many of them (0: from the start).
fn probe_access_log(
    cluster: &Cluster,
    key: &ObjectKey,
    c: &Ctr,
    inst: &Instance,
    end: Millis,
) -> (Vec<(Millis, String)>, Millis) {
    let mut lines = Vec::new();
    let mut rotated = 0;
    let a = &inst.app;
    let pod_ip = rt(cluster, key)
        .and_then(|r| r.ip)
        .map(ipv4)
        .unwrap_or_default();
    for kind in [
        ProbeKind::Startup,
        ProbeKind::Readiness,
        ProbeKind::Liveness,
    ] {
        let Some(probe) = c.probe(kind) else {
            continue;
        };
        let Some(http) = probe.get("httpGet").as_object() else {
            continue;
        };
        let (delay, period, _, _, _) = probe_params(probe);
        let first = inst.started + delay + inst.probe_phase;
        // Liveness and startup stop when the kubelet begins stopping the
        // container (the tick that made it, a failed liveness probe, ran);
        // readiness goes on while it still answers.
        let until = match kind {
            ProbeKind::Readiness => inst.serving_until.unwrap_or(end),
            _ => inst.probes_until.map_or(end, |t| t + 1),
        }
        .min(end);
        // The ticks this probe ran at, `from..last` (exclusive).
        let (from, last) = match (kind, inst.probes_from) {
            // The startup probe runs until it succeeds, that tick included.
            (ProbeKind::Startup, Some(done)) => (first, done.min(until) + 1),
            (ProbeKind::Startup, None) => (first, until),
            (_, Some(started)) => (first.max(started), until),
            (_, None) => continue,
        };
        if last <= from {
            continue;
        }
        let ticks_before = |t: Millis| (t.saturating_sub(first)).div_ceil(period);
        let (k_from, k_last) = (ticks_before(from), ticks_before(last));
        let target = probe_target(cluster, key, &c.spec, http);
        // A probe of another `host` reaches some other server. A slow
        // answer is logged too: the server finishes it after the kubelet
        // stopped waiting.
        // An HTTPS probe's handshake is a 400 with binary bytes there.
        if target.host != pod_ip
            || !a.listens(target.port)
            || !a.http
            || target.url.starts_with("https:") != a.tls
        {
            continue;
        }
        let kept = k_last.saturating_sub(PROBE_LOG_LINES);
        if k_from < kept {
            rotated = rotated.max(first + kept * period);
        }
        let k_from = k_from.max(kept);
        for k in k_from..k_last {
            let t = first + k * period;
            let (_, _, log) = a.answer(
                t - inst.started,
                t,
                target.port,
                &target.request,
                &key.name,
                &pod_ip,
                None,
            );
            lines.extend(log.map(|line| (t, line)));
        }
    }
    (lines, rotated)
}

/// `kubectl logs` through the kubelet, with its errors.
pub(crate) fn logs(
    cluster: &Cluster,
    namespace: &str,
    pod: &str,
    container: Option<&str>,
    previous: bool,
) -> Result<Vec<(Millis, String)>, StatusError> {
    let key = ObjectKey::new(res("Pod"), namespace, pod);
    let Some(obj) = cluster.store.get(&key) else {
        return Err(StatusError::not_found("pods", pod));
    };
    let name = match container {
        Some(c) => c.to_string(),
        None => obj
            .at(&[
                "metadata",
                "annotations",
                "kubectl.kubernetes.io/default-container",
            ])
            .as_str()
            .or_else(|| {
                obj.at(&["spec", "containers"])
                    .items()
                    .next()
                    .and_then(|c| c.get("name").as_str())
            })
            .unwrap_or("")
            .to_string(),
    };
    let in_spec = ["containers", "initContainers", "ephemeralContainers"]
        .iter()
        .flat_map(|l| obj.at(&["spec", l]).items())
        .any(|c| c.get("name").as_str() == Some(&name));
    if !in_spec {
        return Err(StatusError::bad_request(format!(
            "container {name} is not valid for pod {pod}"
        )));
    }
    let node = obj.str_at(&["spec", "nodeName"]).unwrap_or("");
    if node.is_empty() {
        return Ok(Vec::new());
    }
    if let Some(agent) = cluster.kubelet.nodes.get(node)
        && !agent.up
    {
        return Err(StatusError::internal(format!(
            "Get \"https://{}:10250/containerLogs/{namespace}/{pod}/{name}\": dial tcp {}:10250: connect: no route to host",
            agent.internal_ip, agent.internal_ip
        )));
    }
    let waiting = |reason: &str| {
        StatusError::bad_request(format!(
            "container {} in pod {} is waiting to start: {reason}",
            quote(&name),
            quote(pod)
        ))
    };
    let Some(r) = rt(cluster, &key) else {
        let has_init = obj.at(&["spec", "initContainers"]).items().next().is_some();
        return Err(waiting(if has_init {
            "PodInitializing"
        } else {
            "ContainerCreating"
        }));
    };
    let Some(ctr) = find_ctr(r, &name) else {
        return Err(waiting("ContainerCreating"));
    };
    let c = ctr.1;
    if previous {
        return match (&c.last, &c.previous, &c.current) {
            (Some(t), Some(p), _) if p.id == t.id => Ok(instance_logs(cluster, &key, ctr, p)),
            (Some(t), _, Some(cur)) if cur.id == t.id => Ok(instance_logs(cluster, &key, ctr, cur)),
            (Some(_), _, _) => Ok(Vec::new()),
            _ => Err(StatusError::bad_request(format!(
                "previous terminated container {} in pod {} not found",
                quote(&name),
                quote(pod)
            ))),
        };
    }
    match &c.state {
        CState::Running | CState::Terminated(_) => match &c.current {
            Some(cur) => Ok(instance_logs(cluster, &key, ctr, cur)),
            None => Ok(Vec::new()),
        },
        CState::Waiting { reason, .. } => {
            if let Some(t) = &c.last {
                // Back-off after a crash: the last run's log.
                for inst in [&c.current, &c.previous].into_iter().flatten() {
                    if inst.id == t.id {
                        return Ok(instance_logs(cluster, &key, ctr, inst));
                    }
                }
                return Ok(Vec::new());
            }
            Err(match reason.as_str() {
                "ErrImagePull" => waiting("image can't be pulled"),
                "ImagePullBackOff" => waiting("trying and failing to pull image"),
                other => waiting(other),
            })
        }
    }
}

/// Resource use of each running container, once metrics-server has
/// scraped it (15 s after the container started).
pub(crate) fn usage(
    cluster: &Cluster,
    namespace: &str,
    pod: &str,
) -> Option<Vec<(String, i64, i64)>> {
    let key = ObjectKey::new(res("Pod"), namespace, pod);
    let r = rt(cluster, &key)?;
    if !cluster.kubelet.nodes.get(&r.node).is_some_and(|n| n.up) {
        return None;
    }
    let now = cluster.now;
    let window = now / (15 * SECOND);
    let mut out = Vec::new();
    for c in r.all() {
        let Some(inst) = c.current.as_ref().filter(|_| c.running()) else {
            continue;
        };
        if now < inst.started + 15 * SECOND {
            continue;
        }
        let a = &inst.app;
        let h = u64::from_str_radix(
            &images::hex64(&format!("{}{}{window}", r.uid, c.name))[..8],
            16,
        )
        .unwrap_or(0);
        let mut mem = a.memory_bytes + (a.memory_bytes / 20) * (h % 3) as i64;
        if let Some(oom) = a.oom_after {
            // Memory grows towards the moment it is killed.
            let limit = c
                .spec
                .at(&["resources", "limits", "memory"])
                .as_str()
                .and_then(|q| crate::quantity::Quantity::parse(q).ok())
                .map(|q| q.value())
                .unwrap_or(a.memory_bytes * 8);
            let elapsed = now - inst.started;
            mem += (limit - mem).max(0) * elapsed.min(oom) as i64 / oom.max(1) as i64;
        }
        let mut cpu = if a.cpu_milli > 0 {
            a.cpu_milli + (h % 3) as i64 - 1
        } else {
            (h % 2) as i64
        };
        // Requests served in the last window cost CPU time, up to the limit.
        if a.cpu_ms_per_request > 0 {
            let served = cluster.pod_requests_last_window(&format!("{namespace}/{pod}"), now);
            cpu += (served as i64).saturating_mul(a.cpu_ms_per_request) / 15;
            if let Some(limit) = c
                .spec
                .at(&["resources", "limits", "cpu"])
                .as_str()
                .and_then(|q| crate::quantity::Quantity::parse(q).ok())
            {
                cpu = cpu.min(limit.milli_value());
            }
        }
        out.push((c.name.to_string(), cpu.max(0), mem));
    }
    if out.is_empty() { None } else { Some(out) }
}

/// When a container's back-off ends.
pub(crate) fn backoff_until(
    cluster: &Cluster,
    namespace: &str,
    pod: &str,
    container: &str,
) -> Option<Millis> {
    let key = ObjectKey::new(res("Pod"), namespace, pod);
    let (_, c) = find_ctr(rt(cluster, &key)?, container)?;
    match &c.state {
        CState::Waiting { reason, .. } if reason == "CrashLoopBackOff" => {
            let t = c.last.as_ref()?;
            Some(t.finished + c.crash_backoff?.delay)
        }
        CState::Waiting { reason, .. }
            if reason == "ImagePullBackOff" || reason == "ErrImagePull" =>
        {
            let b = c.pull_backoff?;
            Some(b.last + b.delay)
        }
        _ => None,
    }
}

/// The files the pod's other running containers wrote in the emptyDir
/// volumes they share with container `c`, at `c`'s paths (the docs'
/// shared-volume example: one container writes the page the other's
/// nginx serves).
fn sibling_writes(
    cluster: &Cluster,
    key: &ObjectKey,
    r: &PodRuntime,
    c: &Ctr,
) -> VecMap<String, String> {
    let mut out = VecMap::new();
    let Some(pod) = cluster.store.get(key) else {
        return out;
    };
    let ours = empty_dir_mounts(pod, &c.spec);
    if ours.is_empty() {
        return out;
    }
    let others = r
        .init
        .iter()
        .chain(&r.main)
        .filter(|o| !std::ptr::eq(*o, c))
        .filter_map(|o| o.current.as_ref().map(|i| (o, i)));
    for (volume, files) in empty_dir_files(cluster, pod, others, true) {
        for (_, at) in ours.iter().filter(|(v, _)| *v == volume) {
            out.extend(
                files
                    .iter()
                    .map(|(rel, text)| (format!("{at}{rel}"), text.clone())),
            );
        }
    }
    out
}

/// Adds a line a request left in a container's log (its access log).
fn log_request(cluster: &Cluster, instance: &str, line: String) {
    let mut logs = cluster.kubelet.request_logs.borrow_mut();
    let entry = logs.entry(instance.to_string()).or_default();
    // Keep the most recent lines of a busy container.
    if entry.len() >= 10_000 {
        entry.drain(..1_000);
    }
    entry.push((cluster.now, line));
}

/// The upstream of the nginx that serves `port` in `pod`, if one does
/// (it passes the request on rather than answering it).
pub(crate) fn proxy_upstream(
    cluster: &Cluster,
    pod: &Value,
    port: i64,
) -> Option<(String, String)> {
    let r = rt(cluster, &ObjectKey::of(res("Pod"), pod))?;
    let port = u16::try_from(port).ok()?;
    if !cluster.kubelet.nodes.get(&r.node).is_some_and(|n| n.up) {
        return None;
    }
    r.all()
        .filter(|c| c.running())
        .filter_map(|c| c.current.as_ref())
        .find(|i| i.app.listens(port))
        .and_then(|i| i.app.upstream.clone())
}

/// What an nginx proxy answers once its upstream answered (`Ok`: passed
/// on with nginx's headers) or failed (`Err` of whether it timed out and
/// the upstream's address: 502 when the connection is refused or closed,
/// 504 after a timeout), logged as nginx logs it.
pub(crate) fn proxied(
    cluster: &Cluster,
    pod: &Value,
    request: &HttpRequest,
    upstream: Result<HttpAnswer, (bool, String)>,
) -> HttpAnswer {
    let key = ObjectKey::of(res("Pod"), pod);
    let now = cluster.now;
    let Some(inst) = rt(cluster, &key)
        .and_then(|r| {
            r.all().find(|c| {
                c.running() && c.current.as_ref().is_some_and(|i| i.app.upstream.is_some())
            })
        })
        .and_then(|c| c.current.as_ref())
    else {
        return HttpAnswer {
            status: 0,
            body: String::new(),
            latency_ms: 1,
            failure: Some(ConnectFailure::Refused),
            headers: Vec::new(),
        };
    };
    let nginx = super::nginx::NginxImage::of(&inst.app.image);
    let (method, path, client) = (&request.method, &request.path, &request.client_ip);
    let (status, body, headers, latency, error) = match upstream {
        Ok(answer) => {
            let mut h = vec![("Server".to_string(), nginx.server())];
            h.extend(crate::network::proxied_headers(answer.headers));
            (answer.status, answer.body, h, answer.latency_ms, None)
        }
        Err((timed_out, address)) => {
            let (status, what) = if timed_out {
                (
                    504,
                    "upstream timed out (110: Connection timed out) while connecting to upstream",
                )
            } else {
                (
                    502,
                    "connect() failed (111: Connection refused) while connecting to upstream",
                )
            };
            let body = nginx.error_page(if timed_out {
                "504 Gateway Time-out"
            } else {
                "502 Bad Gateway"
            });
            let error = format!(
                "{} [error] 6#6: *{} {what}, client: {client}, server: , request: \"{method} {path} HTTP/1.1\", upstream: \"http://{address}{path}\", host: \"{}\"\n",
                app::go_log_time(now),
                app::REQUEST_NUMBER,
                request.host
            );
            let h = nginx.headers(now, &body, None);
            (
                status,
                body,
                h,
                if timed_out { 60_000 } else { 1 },
                Some(error),
            )
        }
    };
    let sent = if method == "HEAD" { 0 } else { body.len() };
    let line = format!(
        "{}{client} - - [{}] \"{method} {path} HTTP/1.1\" {status} {sent} \"-\" \"{}\" \"-\"",
        error.unwrap_or_default(),
        app::nginx_time(now),
        request.user_agent
    );
    log_request(cluster, &inst.id, line);
    HttpAnswer {
        status,
        body: if method == "HEAD" {
            String::new()
        } else {
            body
        },
        latency_ms: 1 + latency,
        failure: None,
        headers,
    }
}

/// `guestbook.php?cmd=…` on the Guestbook's frontend: PHP sets a key
/// on `redis-leader` or gets it from `redis-follower` (their Services'
/// addresses with `GET_HOSTS_FROM=env`) through Predis, and prints JSON;
/// a Redis it cannot reach ends the script with PHP's fatal error, shown
/// (`display_errors`). `None` for any other request.
pub(crate) fn guestbook_php(
    cluster: &mut Cluster,
    pod: &Value,
    port: i64,
    request: &HttpRequest,
) -> Option<HttpAnswer> {
    let (file, query) = request.path.split_once('?')?;
    if file != "/guestbook.php" {
        return None;
    }
    let key = ObjectKey::of(res("Pod"), pod);
    let r = rt(cluster, &key)?;
    if !cluster.kubelet.nodes.get(&r.node).is_some_and(|n| n.up) {
        return None;
    }
    let port = u16::try_from(port).ok()?;
    let inst = r
        .all()
        .filter(|c| c.running())
        .filter_map(|c| c.current.as_ref())
        .find(|i| i.app.listens(port) && i.app.flavor == images::Flavor::Guestbook)?;
    if inst.app.status_at(cluster.now.saturating_sub(inst.started)) != 200 {
        return None;
    }
    // PHP's $_GET: `+` and %XX decoded, the last of a name kept.
    let decode =
        |s: &str| crate::http::percent_decode(&s.replace('+', " "), true).unwrap_or_default();
    let mut params: VecMap<String, String> = VecMap::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        params.insert(decode(name), decode(value));
    }
    let cmd = params.get("cmd")?.clone();
    let from_env = inst
        .app
        .env
        .get("GET_HOSTS_FROM")
        .is_some_and(|v| v == "env");
    let host = |name: &str, var: &str| {
        if from_env {
            inst.app.env.get(var).cloned().unwrap_or_default()
        } else {
            name.to_string()
        }
    };
    let param = |name: &str| params.get(name).cloned().unwrap_or_default();
    let (host, command) = if cmd == "set" {
        (
            host("redis-leader", "REDIS_LEADER_SERVICE_HOST"),
            vec!["SET".to_string(), param("key"), param("value")],
        )
    } else {
        (
            host("redis-follower", "REDIS_FOLLOWER_SERVICE_HOST"),
            vec!["GET".to_string(), param("key")],
        )
    };
    let instance = inst.id.clone();
    let (result, took) = super::exec::redis_call(cluster, &key, (&host, 6379), &command);
    let fatal = |what: String| format!("<br />\n<b>Fatal error</b>:  Uncaught {what}\n");
    let body = match result {
        Ok(super::redis::Reply::Error(e)) => {
            fatal(format!("Predis\\Response\\ServerException: {e}"))
        }
        Ok(_) if cmd == "set" => "{\"message\": \"Updated\"}".to_string(),
        Ok(super::redis::Reply::Bulk(value)) => {
            format!("{{\"data\": \"{}\"}}", value.unwrap_or_default())
        }
        Ok(_) => "{\"data\": \"\"}".to_string(),
        Err(why) => fatal(format!("{why} [tcp://{host}:6379]")),
    };
    let now = cluster.now;
    let headers = app::guestbook_headers(200, &request.path, &body, now, true);
    let sent = if request.method == "HEAD" {
        0
    } else {
        body.len()
    };
    let line = app::apache_combined(request, &app::nginx_time(now), 200, &headers, sent);
    log_request(cluster, &instance, line);
    Some(HttpAnswer {
        status: 200,
        body: if request.method == "HEAD" {
            String::new()
        } else {
            body
        },
        latency_ms: 2 + took,
        failure: None,
        headers,
    })
}

/// What a pod's container answers on a port.
pub(crate) fn serve_http(
    cluster: &Cluster,
    pod: &Value,
    port: i64,
    request: &HttpRequest,
) -> HttpAnswer {
    let key = ObjectKey::of(res("Pod"), pod);
    let ip = pod.str_at(&["status", "podIP"]).unwrap_or("").to_string();
    let failed = |failure: ConnectFailure, latency_ms: u64| HttpAnswer {
        status: 0,
        body: String::new(),
        latency_ms,
        failure: Some(failure),
        headers: Vec::new(),
    };
    let Some(r) = rt(cluster, &key) else {
        // Tests that play the kubelet by hand run no containers: their
        // Running pods answer with their name, so routes can be followed
        // to the end.
        if cluster.kubelet.pods_played_by_hand
            && pod.str_at(&["status", "phase"]) == Some("Running")
        {
            return HttpAnswer {
                status: 200,
                body: format!("{}\n", key.name),
                latency_ms: 1,
                failure: None,
                headers: Vec::new(),
            };
        }
        return failed(ConnectFailure::Refused, 1);
    };
    if !cluster.kubelet.nodes.get(&r.node).is_some_and(|n| n.up) {
        // The kernel's SYN retries (net.ipv4.tcp_syn_retries = 6).
        return failed(ConnectFailure::Unreachable, 130_001);
    }
    let Ok(port16) = u16::try_from(port) else {
        return failed(ConnectFailure::Refused, 1);
    };
    let Some(c) = r
        .all()
        .find(|c| c.running() && c.current.as_ref().is_some_and(|i| i.app.listens(port16)))
    else {
        return failed(ConnectFailure::Refused, 1);
    };
    let inst = c.current.as_ref().expect("checked above");
    let a = &inst.app;
    if !a.http {
        return failed(ConnectFailure::EmptyReply, 1);
    }
    let now = cluster.now;
    // Only nginx's static files come from what the other containers wrote.
    let shared = (a.flavor == images::Flavor::Nginx && a.text.is_empty())
        .then(|| sibling_writes(cluster, &key, r, c));
    let (status, body, log) = a.answer(
        now.saturating_sub(inst.started),
        now,
        port16,
        request,
        &key.name,
        &ip,
        shared.as_ref(),
    );
    if let Some(line) = log {
        log_request(cluster, &inst.id, line);
    }
    // A CPU-bound request takes its CPU time, stretched by a limit below
    // one core (hpa-example's 20 ms take 40 ms at 500m).
    let mut cpu_ms = a.cpu_ms_per_request.max(0) as u64;
    if cpu_ms > 0
        && let Some(limit) = c
            .spec
            .at(&["resources", "limits", "cpu"])
            .as_str()
            .and_then(|q| crate::quantity::Quantity::parse(q).ok())
            .map(|q| q.milli_value())
            .filter(|l| (1..1000).contains(l))
    {
        cpu_ms = cpu_ms * 1000 / limit as u64;
    }
    let headers = a.headers(status, &body, now, request);
    // A HEAD answer has the headers of the GET, no body.
    let body = if request.method == "HEAD" {
        String::new()
    } else {
        body
    };
    HttpAnswer {
        status,
        body,
        latency_ms: 1 + a.latency_ms + cpu_ms,
        failure: None,
        headers,
    }
}
