//! kube-scheduler: a scheduling queue with back-off, the filter and score plugins, binding, and the per-node explanation of every attempt.
//!
//! The scheduler keeps its own typed cache of nodes and assigned pods,
//! updated incrementally from watch events ([`on_change`]), so a cycle
//! never reads API objects in its per-node loops. Pods waiting to be
//! scheduled sit in the [`queue`]; [`work`] pops them and runs the cycle in
//! [`cycle`]: PreFilter → Filter (stopping after percentageOfNodesToScore
//! feasible nodes) → PostFilter (preemption) → Score → bind. Each attempt
//! is explained in [`explain`].
//!
//! Work that repeats between cycles is cached, never approximated: the
//! static filters' verdicts and the label columns per node epoch (labels,
//! taints and the node set), the resource scores per node generation and
//! pod size. Each cache returns exactly what its plugin would compute.

// The benchmark measures wall-clock time, which the browser build lacks.
#[cfg(not(target_arch = "wasm32"))]
pub mod bench;
mod cache;
mod cycle;
pub mod explain;
mod plugins;
mod podinfo;
mod preemption;
mod queue;
pub(crate) mod selectors;
pub(crate) mod util;
mod volumes;

use std::rc::Rc;

pub use explain::{
    AttemptOutcome, FilterResult, FilterVerdict, NodeEvaluation, NodeExplanation, PluginScore,
    SchedulingAttempt,
};
pub use util::PodKey;

use crate::cluster::{Cluster, Task};
use crate::store::{WatchEvent, WatchEventType};
use crate::value::Value;
use cache::Cache;
use plugins::{
    F_FIT, F_INTERPOD, F_NODE_AFFINITY, F_NODE_NAME, F_NODE_PORTS, F_NODE_UNSCHEDULABLE, F_SPREAD,
    F_TAINT, F_VOLUME_BINDING, F_VOLUME_RESTRICTIONS, ReasonTable,
};
use podinfo::PodSpecInfo;
use queue::SchedulingQueue;
use selectors::{Effect, Taint};
use util::{Interner, Sym};

/// The scheduler's own name; pods with another `schedulerName` are left alone.
pub const SCHEDULER_NAME: &str = "default-scheduler";
/// How many pods one call of [`work`] schedules before letting the other
/// components react (events are dispatched between batches).
const BATCH: usize = 256;

/// Symbols the plugins use on every cycle.
#[derive(Clone, Debug)]
pub(crate) struct WellKnown {
    pub(crate) hostname: Sym,
    pub(crate) zone: Sym,
    pub(crate) empty: Sym,
    pub(crate) wildcard_ip: Sym,
    pub(crate) unschedulable_taint: Taint,
}

/// Counters for benchmarks and the UI.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SchedulerStats {
    /// Scheduling cycles run.
    pub attempts: u64,
    /// Pods bound.
    pub scheduled: u64,
    /// Attempts that found no node.
    pub unschedulable: u64,
}

/// What this component keeps between steps.
#[derive(Clone)]
pub struct SchedulerState {
    pub(crate) interner: Interner,
    pub(crate) cache: Cache,
    pub(crate) queue: SchedulingQueue,
    pub(crate) attempts: explain::AttemptLog,
    pub(crate) reasons: ReasonTable,
    reasons_snapshot: Option<Rc<[Rc<str>]>>,
    /// `nextStartNodeIndex`: where the next cycle starts filtering.
    pub(crate) next_start: usize,
    pub(crate) stats: SchedulerStats,
    pub(crate) syms: WellKnown,
    pub(crate) static_cache: cycle::StaticCache,
    pub(crate) spread_domains: plugins::SpreadDomainCache,
    pub(crate) label_columns: plugins::LabelColumns,
    pub(crate) preferred_cache: cycle::PreferredCache,
    pub(crate) resource_memo: plugins::ResourceScoreMemo,
}

impl std::fmt::Debug for SchedulerState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SchedulerState")
            .field("cache", &self.cache)
            .field("queue", &self.queue)
            .field("attempts", &self.attempts)
            .field("stats", &self.stats)
            .finish()
    }
}

impl Default for SchedulerState {
    fn default() -> SchedulerState {
        let mut interner = Interner::default();
        let empty = interner.intern("");
        let syms = WellKnown {
            hostname: interner.intern("kubernetes.io/hostname"),
            zone: interner.intern("topology.kubernetes.io/zone"),
            empty,
            wildcard_ip: interner.intern("0.0.0.0"),
            unschedulable_taint: Taint {
                key: interner.intern("node.kubernetes.io/unschedulable"),
                value: empty,
                effect: Effect::NoSchedule,
            },
        };
        SchedulerState {
            interner,
            cache: Cache::default(),
            queue: SchedulingQueue::new(),
            attempts: explain::AttemptLog::new(),
            reasons: ReasonTable::default(),
            reasons_snapshot: None,
            next_start: 0,
            stats: SchedulerStats::default(),
            syms,
            static_cache: cycle::StaticCache::default(),
            spread_domains: plugins::SpreadDomainCache::default(),
            label_columns: plugins::LabelColumns::default(),
            preferred_cache: cycle::PreferredCache::default(),
            resource_memo: plugins::ResourceScoreMemo::default(),
        }
    }
}

impl SchedulerState {
    /// An empty state that allocates nothing, left in the cluster while a
    /// batch of cycles runs on the real one.
    fn placeholder() -> SchedulerState {
        SchedulerState {
            interner: Interner::default(),
            cache: Cache::default(),
            queue: SchedulingQueue::default(),
            attempts: explain::AttemptLog::default(),
            reasons: ReasonTable::empty(),
            reasons_snapshot: None,
            next_start: 0,
            stats: SchedulerStats::default(),
            syms: WellKnown {
                hostname: 0,
                zone: 0,
                empty: 0,
                wildcard_ip: 0,
                unschedulable_taint: Taint {
                    key: 0,
                    value: 0,
                    effect: Effect::NoSchedule,
                },
            },
            static_cache: cycle::StaticCache::default(),
            spread_domains: plugins::SpreadDomainCache::default(),
            label_columns: plugins::LabelColumns::default(),
            preferred_cache: cycle::PreferredCache::default(),
            resource_memo: plugins::ResourceScoreMemo::default(),
        }
    }

    /// The reason strings as a shared slice (rebuilt only when new ones appear).
    pub(crate) fn reasons_snapshot(&mut self) -> Rc<[Rc<str>]> {
        match &self.reasons_snapshot {
            Some(s) if s.len() == self.reasons.strings.len() => s.clone(),
            _ => {
                let s: Rc<[Rc<str>]> = self.reasons.strings.clone().into();
                self.reasons_snapshot = Some(s.clone());
                s
            }
        }
    }
}

/// Work this component scheduled for a later moment.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SchedulerTask {
    /// Move pods whose back-off ended from backoffQ to activeQ
    /// (`flushBackoffQCompleted`).
    FlushBackoff,
    /// Retry pods unschedulable for more than five minutes
    /// (`flushUnschedulablePodsLeftover`, every 30 s).
    FlushUnschedulable,
}

const fn bit(p: u8) -> u16 {
    1 << p
}
/// Plugins whose rejection a node being added may undo.
const NODE_ADDED: u16 = bit(F_NODE_UNSCHEDULABLE)
    | bit(F_NODE_NAME)
    | bit(F_TAINT)
    | bit(F_NODE_AFFINITY)
    | bit(F_NODE_PORTS)
    | bit(F_FIT)
    | bit(F_VOLUME_BINDING)
    | bit(F_SPREAD)
    | bit(F_INTERPOD);
/// Plugins whose rejection a claim, volume or class changing may undo.
const STORAGE_CHANGED: u16 = bit(F_VOLUME_RESTRICTIONS) | bit(F_VOLUME_BINDING);
/// Plugins whose rejection an assigned pod going away may undo.
const POD_DELETED: u16 = bit(F_FIT) | bit(F_NODE_PORTS) | bit(F_SPREAD) | bit(F_INTERPOD);
/// Plugins whose rejection an assigned pod appearing or relabeled may undo.
pub(crate) const POD_ASSIGNED: u16 = bit(F_SPREAD) | bit(F_INTERPOD);

fn responsible(pod: &Value) -> bool {
    pod.str_at(&["spec", "schedulerName"])
        .is_none_or(|s| s.is_empty() || s == SCHEDULER_NAME)
}

fn terminal(pod: &Value) -> bool {
    matches!(
        pod.str_at(&["status", "phase"]),
        Some("Succeeded" | "Failed")
    )
}

fn preempted(pod: &Value) -> bool {
    pod.at(&["status", "conditions"]).items().any(|c| {
        c.get("type").as_str() == Some("DisruptionTarget")
            && c.get("reason").as_str() == Some("PreemptionByScheduler")
    })
}

/// Hears about every change to the store.
pub(crate) fn on_change(cluster: &mut Cluster, event: &WatchEvent) {
    let kind = event.key.resource.get().kind;
    if matches!(
        kind,
        "PersistentVolumeClaim" | "PersistentVolume" | "StorageClass"
    ) {
        let now = cluster.now;
        cluster.scheduler.queue.on_event(STORAGE_CHANGED, now);
        return;
    }
    if !matches!(kind, "Pod" | "Node" | "Namespace") {
        return;
    }
    let now = cluster.now;
    if kind == "Pod" && event.kind == WatchEventType::Modified {
        let key = PodKey {
            namespace: event.key.namespace.clone(),
            name: event.key.name.clone(),
        };
        // The event of our own binding: already accounted.
        if cluster
            .scheduler
            .cache
            .pod(&key)
            .is_some_and(|p| p.bound_rv == event.resource_version)
        {
            return;
        }
    }
    let obj = match event.kind {
        WatchEventType::Deleted => None,
        _ => cluster.store.get(&event.key),
    };
    let st = &mut cluster.scheduler;
    match kind {
        "Node" => match obj {
            None => {
                if st.cache.remove_node(&event.key.name) {
                    st.queue.on_event(bit(F_SPREAD) | bit(F_INTERPOD), now);
                }
            }
            Some(node) => {
                if let Some(change) = st.cache.set_node(node, &mut st.interner) {
                    let mut mask = 0;
                    if event.kind == WatchEventType::Added || event.old.is_none() {
                        mask = NODE_ADDED;
                    } else {
                        if change.allocatable {
                            mask |= bit(F_FIT);
                        }
                        if change.labels {
                            mask |= bit(F_NODE_AFFINITY) | bit(F_SPREAD) | bit(F_INTERPOD);
                        }
                        if change.taints {
                            mask |= bit(F_TAINT) | bit(F_SPREAD) | bit(F_NODE_UNSCHEDULABLE);
                        }
                        if change.unschedulable {
                            mask |= bit(F_NODE_UNSCHEDULABLE);
                        }
                    }
                    st.queue.on_event(mask, now);
                }
            }
        },
        "Namespace" => {
            if let Some(ns) = obj
                && st.cache.set_namespace(ns, &mut st.interner)
            {
                st.queue.on_event(bit(F_INTERPOD), now);
            }
        }
        _ => {
            let key = PodKey {
                namespace: event.key.namespace.clone(),
                name: event.key.name.clone(),
            };
            let Some(pod) = obj else {
                st.queue.remove(&key);
                st.attempts.forget(&key);
                if st.cache.remove_pod(&key).is_some() {
                    st.queue.on_event(POD_DELETED, now);
                }
                return;
            };
            let node = pod.str_at(&["spec", "nodeName"]).filter(|n| !n.is_empty());
            if terminal(pod) {
                st.queue.remove(&key);
                if st.cache.remove_pod(&key).is_some() {
                    st.queue.on_event(POD_DELETED, now);
                }
                return;
            }
            let deleting = !pod.at(&["metadata", "deletionTimestamp"]).is_null();
            if let Some(node) = node {
                st.queue.remove(&key);
                // Fast path: the pod is already accounted where it runs
                // (our own binding, or a status update).
                if !deleting
                    && let Some(p) = st.cache.pod(&key)
                    && !p.deleting
                    && *st.cache.nodes[p.node as usize].name == *node
                    && p.info.fingerprint.matches(pod)
                {
                    return;
                }
                let fp = podinfo::Fingerprint::of(pod);
                let info = match st.cache.pod(&key) {
                    Some(p) if p.info.fingerprint.same(&fp) => p.info.clone(),
                    _ => Rc::new(PodSpecInfo::compile(pod, &mut st.interner)),
                };
                let started = pod
                    .str_at(&["status", "startTime"])
                    .and_then(crate::time::parse_rfc3339)
                    .unwrap_or(info.created_ms);
                let was = st.cache.pod(&key).map(|p| (p.deleting, p.info.clone()));
                let state = cache::PodState {
                    deleting,
                    preempted: preempted(pod),
                    started_ms: started,
                };
                if st
                    .cache
                    .add_pod(&key, info.clone(), node, state, &mut st.interner)
                {
                    match was {
                        // Starting to terminate frees nothing yet, but
                        // spreading stops counting the pod.
                        Some((was_deleting, old)) if Rc::ptr_eq(&old, &info) => {
                            if was_deleting != deleting {
                                st.queue.on_event(bit(F_SPREAD), now);
                            }
                        }
                        _ => {
                            st.queue.on_event(POD_ASSIGNED, now);
                        }
                    }
                }
                return;
            }
            if st.cache.remove_pod(&key).is_some() {
                st.queue.on_event(POD_DELETED, now);
            }
            if !responsible(pod) {
                st.queue.remove(&key);
                return;
            }
            let nominated = pod
                .str_at(&["status", "nominatedNodeName"])
                .filter(|n| !n.is_empty())
                .map(Rc::from);
            match st.queue.entries.get(&key) {
                Some(e) if e.info.fingerprint.same(&podinfo::Fingerprint::of(pod)) => {
                    // Status-only change (`isPodUpdated` is false): keep it
                    // where it is, but track its nomination.
                    let info = e.info.clone();
                    st.queue.update(&key, info, nominated, now);
                }
                Some(_) => {
                    let info = Rc::new(PodSpecInfo::compile(pod, &mut st.interner));
                    st.queue.update(&key, info, nominated, now);
                }
                None => {
                    let info = Rc::new(PodSpecInfo::compile(pod, &mut st.interner));
                    st.queue.add(key, info, nominated, now);
                }
            }
        }
    }
}

/// Schedules timers for the next back-off expiry and unschedulable flush.
fn ensure_timers(cluster: &mut Cluster) {
    let now = cluster.now;
    let q = &mut cluster.scheduler.queue;
    let mut want = Vec::new();
    if let Some(at) = q.next_backoff_expiry()
        && q.backoff_timer.is_none_or(|t| at < t)
    {
        let at = at.max(now);
        q.backoff_timer = Some(at);
        want.push((at, SchedulerTask::FlushBackoff));
    }
    if let Some(at) = q.next_flush_due()
        && q.flush_timer.is_none_or(|t| at < t)
    {
        let at = at.max(now);
        q.flush_timer = Some(at);
        want.push((at, SchedulerTask::FlushUnschedulable));
    }
    for (at, task) in want {
        cluster.schedule(at - now, Task::Scheduler(task));
    }
}

/// Does pending work at the current instant; true if it did anything.
pub(crate) fn work(cluster: &mut Cluster) -> bool {
    if cluster.kubelet.pods_played_by_hand || !cluster.scheduler.queue.has_ready() {
        return false;
    }
    // The state is taken out so the cycle can call the API server.
    let mut st = std::mem::replace(&mut cluster.scheduler, SchedulerState::placeholder());
    let mut did = false;
    for _ in 0..BATCH {
        let Some(key) = st.queue.pop() else {
            break;
        };
        did = true;
        cycle::schedule_one(cluster, &mut st, key);
    }
    cluster.scheduler = st;
    ensure_timers(cluster);
    did
}

/// Runs a task that fell due.
pub(crate) fn run_task(cluster: &mut Cluster, task: SchedulerTask) {
    let now = cluster.now;
    let q = &mut cluster.scheduler.queue;
    match task {
        SchedulerTask::FlushBackoff => {
            if q.backoff_timer.is_some_and(|t| t <= now) {
                q.backoff_timer = None;
            }
            q.flush_backoff(now);
        }
        SchedulerTask::FlushUnschedulable => {
            if q.flush_timer.is_some_and(|t| t <= now) {
                q.flush_timer = None;
            }
            q.flush_unschedulable(now);
        }
    }
    ensure_timers(cluster);
}

impl Cluster {
    /// The last scheduling attempts of a pod (oldest first, at most
    /// [`explain::ATTEMPTS_PER_POD`]): each node's filter verdicts and
    /// scores, the chosen node or the FailedScheduling message. Empty for
    /// pods the scheduler never tried.
    pub fn scheduling_attempts(&self, namespace: &str, pod: &str) -> &[SchedulingAttempt] {
        self.scheduler.attempts.get(&PodKey::new(namespace, pod))
    }

    /// The scheduler's counters.
    pub fn scheduler_stats(&self) -> SchedulerStats {
        self.scheduler.stats
    }

    /// How many pods wait in the scheduler's unschedulable pool.
    pub fn unschedulable_pods(&self) -> usize {
        self.scheduler.queue.unschedulable_len()
    }
}

#[cfg(test)]
mod tests;
