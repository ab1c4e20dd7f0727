//! The node lifecycle controller: marks nodes whose kubelet stopped posting
//! status as Unknown, taints them, and evicts their pods when their
//! tolerations run out (the taint-eviction controller). Also the pod
//! garbage collector's part for pods bound to nodes that no longer exist.
//!
//! Nothing here runs periodically. A node that stops gets one timer for
//! the end of its grace period; evictions get one timer each.

use std::collections::{BTreeSet, VecDeque};
use std::rc::Rc;

use crate::apiserver::DeleteOptions;
use crate::cluster::{Cluster, Task, res};
use crate::events::EventType;
use crate::scheduler::util::FxMap;
use crate::sort::CompactSort;
use crate::store::{ObjectKey, WatchEvent, WatchEventType};
use crate::time::{Millis, SECOND, parse_rfc3339, rfc3339};
use crate::value::Value;
use crate::vecmap::VecMap;

/// `--node-monitor-grace-period` (50 s since Kubernetes 1.32).
pub const NODE_MONITOR_GRACE_PERIOD: Millis = 50 * SECOND;
/// `--node-monitor-period`: how often the controller looks at nodes.
pub const NODE_MONITOR_PERIOD: Millis = 5 * SECOND;
/// `--node-eviction-rate` 0.1: one node tainted per 10 s in a healthy zone.
const EVICTION_INTERVAL: Millis = 10 * SECOND;
/// `--secondary-node-eviction-rate` 0.01 (partially disrupted large zones).
const SECONDARY_EVICTION_INTERVAL: Millis = 100 * SECOND;
/// `--large-cluster-size-threshold`.
const LARGE_CLUSTER: usize = 50;
/// `--unhealthy-zone-threshold`.
const UNHEALTHY_ZONE: f64 = 0.55;
/// PodGC: orphaned pods wait out a quarantine, checked every 20 s.
const POD_GC_QUARANTINE: Millis = 40 * SECOND;
const POD_GC_PERIOD: Millis = 20 * SECOND;

const UNREACHABLE: &str = "node.kubernetes.io/unreachable";
const NOT_READY: &str = "node.kubernetes.io/not-ready";

/// A node whose kubelet went silent.
#[derive(Clone, Debug)]
struct Silent {
    /// When the controller marks (or marked) it Unknown.
    at: Millis,
    token: u64,
}

/// What the controller keeps between steps.
#[derive(Clone, Debug, Default)]
pub struct NodeLifecycleState {
    /// By node, looked up by name; iterated only after sorting.
    silent: FxMap<Rc<str>, Silent>,
    /// Scheduled evictions: when, and the token of the timer (by key only:
    /// the timers keep the order).
    evictions: FxMap<ObjectKey, (Millis, u64)>,
    /// Nodes waiting for their NoExecute taint, per zone. The per-zone
    /// maps are sorted vectors (a few zones; no B-tree code for them).
    taint_queue: VecMap<String, VecDeque<Rc<str>>>,
    /// When each zone's rate limiter allows the next taint.
    zone_next: VecMap<String, Millis>,
    /// Zones with a pending `TaintPass` timer.
    zone_timer: BTreeSet<Rc<str>>,
    /// Every zone fully disrupted: taints lifted, evictions stopped.
    master_disruption: bool,
    /// Node names with a pending pod GC check.
    gc_pending: BTreeSet<Rc<str>>,
    tokens: u64,
}

/// Work the node lifecycle controller scheduled for later.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum NodeLifecycleTask {
    /// A silent node's grace period ended.
    GraceExpired(String, u64),
    /// A pod's toleration of a NoExecute taint ran out.
    Evict(ObjectKey, u64),
    /// A zone's rate limiter allows the next NoExecute taint.
    TaintPass(String),
    /// Pods bound to a node that does not exist are garbage.
    PodGc(String),
}

fn token(cluster: &mut Cluster) -> u64 {
    cluster.nodelifecycle.tokens += 1;
    cluster.nodelifecycle.tokens
}

fn node_key(name: &str) -> ObjectKey {
    ObjectKey::new(res("Node"), "", name)
}

/// The kubelet of `node` last renewed its Lease at `last_renew`.
pub(crate) fn heartbeat_stopped(cluster: &mut Cluster, node: &str, last_renew: Millis) {
    // The first monitor pass after the grace period notices.
    let deadline = last_renew + NODE_MONITOR_GRACE_PERIOD;
    let at = (deadline / NODE_MONITOR_PERIOD + 1) * NODE_MONITOR_PERIOD;
    let t = token(cluster);
    cluster
        .nodelifecycle
        .silent
        .insert(Rc::from(node), Silent { at, token: t });
    let delay = at.saturating_sub(cluster.now);
    cluster.schedule(
        delay,
        Task::NodeLifecycle(NodeLifecycleTask::GraceExpired(node.to_string(), t)),
    );
}

/// The kubelet of `node` posts status again: it is Ready, so its
/// unreachable taints go.
pub(crate) fn heartbeat_resumed(cluster: &mut Cluster, node: &str) {
    cluster.nodelifecycle.silent.remove(node);
    for q in cluster.nodelifecycle.taint_queue.values_mut() {
        q.retain(|n| &**n != node);
    }
    set_taints(cluster, node, &[], &[UNREACHABLE, NOT_READY]);
    update_disruption(cluster);
}

/// When a silent node is (or was) marked Unknown.
pub(crate) fn node_unknown_at(cluster: &Cluster, node: &str) -> Option<Millis> {
    cluster.nodelifecycle.silent.get(node).map(|s| s.at)
}

/// When a pod's scheduled eviction happens.
pub(crate) fn eviction_deadline(cluster: &Cluster, namespace: &str, pod: &str) -> Option<Millis> {
    let key = ObjectKey::new(res("Pod"), namespace, pod);
    cluster.nodelifecycle.evictions.get(&key).map(|(at, _)| *at)
}

/// Hears about every change to the store.
pub(crate) fn on_change(cluster: &mut Cluster, event: &WatchEvent) {
    match event.key.resource.get().kind {
        "Node" => {
            let name = event.key.name.to_string();
            match event.kind {
                WatchEventType::Deleted => {
                    cluster.nodelifecycle.silent.remove(name.as_str());
                    schedule_pod_gc(cluster, &name);
                }
                _ => {
                    unschedulable_taint(cluster, &name);
                    let old = event
                        .old
                        .as_ref()
                        .map(no_execute_taints)
                        .unwrap_or_default();
                    let new = cluster
                        .store
                        .get(&event.key)
                        .map(no_execute_taints)
                        .unwrap_or_default();
                    if old != new {
                        let pods: Vec<ObjectKey> = cluster
                            .kubelet
                            .bound
                            .get(name.as_str())
                            .map(|s| s.iter().cloned().collect())
                            .unwrap_or_default();
                        for pod in pods {
                            process_pod(cluster, &pod);
                        }
                    }
                }
            }
        }
        "Pod" => match event.kind {
            WatchEventType::Deleted => {
                cluster.nodelifecycle.evictions.remove(&event.key);
            }
            _ => {
                let Some(pod) = cluster.store.get(&event.key) else {
                    return;
                };
                let Some(node) = pod.str_at(&["spec", "nodeName"]).filter(|n| !n.is_empty()) else {
                    return;
                };
                let newly_bound = event
                    .old
                    .as_ref()
                    .is_none_or(|o| o.str_at(&["spec", "nodeName"]) != Some(node));
                let tolerations_changed = event.old.as_ref().is_some_and(|o| {
                    o.at(&["spec", "tolerations"]) != pod.at(&["spec", "tolerations"])
                });
                if !newly_bound && !tolerations_changed {
                    return;
                }
                // Every binding passes here: one lookup, no allocation.
                let tainted = match cluster.store.get_named(res("Node"), "", node) {
                    Some(n) => n.at(&["spec", "taints"]).items().any(is_no_execute),
                    None => {
                        let node = node.to_string();
                        schedule_pod_gc(cluster, &node);
                        return;
                    }
                };
                if tainted || cluster.nodelifecycle.evictions.contains_key(&event.key) {
                    let key = event.key.clone();
                    process_pod(cluster, &key);
                }
            }
        },
        _ => {}
    }
}

/// Runs a task that fell due.
pub(crate) fn run_task(cluster: &mut Cluster, task: NodeLifecycleTask) {
    match task {
        NodeLifecycleTask::GraceExpired(node, t) => {
            if cluster
                .nodelifecycle
                .silent
                .get(node.as_str())
                .is_some_and(|s| s.token == t)
            {
                mark_unknown(cluster, &node);
            }
        }
        NodeLifecycleTask::Evict(pod, t) => {
            if cluster
                .nodelifecycle
                .evictions
                .get(&pod)
                .is_some_and(|(_, tok)| *tok == t)
            {
                cluster.nodelifecycle.evictions.remove(&pod);
                evict(cluster, &pod);
            }
        }
        NodeLifecycleTask::TaintPass(zone) => {
            cluster.nodelifecycle.zone_timer.remove(zone.as_str());
            taint_pass(cluster, &zone);
        }
        NodeLifecycleTask::PodGc(node) => {
            cluster.nodelifecycle.gc_pending.remove(node.as_str());
            pod_gc(cluster, &node);
        }
    }
}

/// `tryUpdateNodeHealth`: the grace period passed without a heartbeat.
fn mark_unknown(cluster: &mut Cluster, node: &str) {
    let key = node_key(node);
    let Some(obj) = cluster.store.get(&key).cloned() else {
        return;
    };
    let now = cluster.now;
    let was_ready = obj.at(&["status", "conditions"]).items().any(|c| {
        c.get("type").as_str() == Some("Ready") && c.get("status").as_str() == Some("True")
    });
    let conditions: Vec<Value> = obj
        .at(&["status", "conditions"])
        .items()
        .map(|c| {
            let t = c.get("type").as_str().unwrap_or("");
            if matches!(
                t,
                "Ready" | "MemoryPressure" | "DiskPressure" | "PIDPressure"
            ) && c.get("status").as_str() != Some("Unknown")
            {
                let mut c = c.clone();
                c.set("status", Value::str("Unknown"));
                c.set("reason", Value::str("NodeStatusUnknown"));
                c.set(
                    "message",
                    Value::str("Kubelet stopped posting node status."),
                );
                c.set("lastTransitionTime", Value::from(rfc3339(now)));
                c
            } else {
                c.clone()
            }
        })
        .collect();
    let mut status = obj.get("status").clone();
    status.set("conditions", Value::array(conditions));
    let _ = cluster.update_status(&key, status);
    cluster.note(
        "kube-controller-manager",
        format!("node-lifecycle-controller: node {node} is unreachable (Kubelet stopped posting node status.)"),
    );
    if was_ready && let Some(obj) = cluster.store.get(&key).cloned() {
        cluster.record_event(
            &obj,
            None,
            EventType::Normal,
            "NodeNotReady",
            &format!("Node {node} status is now: NodeNotReady"),
            ("node-controller", None),
        );
        mark_pods_not_ready(cluster, node);
    }
    // The no-schedule tainting pass is not rate limited.
    set_taints(cluster, node, &[(UNREACHABLE, "NoSchedule")], &[]);
    let zone = zone_of(cluster, node);
    let q = cluster
        .nodelifecycle
        .taint_queue
        .get_or_insert_with(zone.clone(), VecDeque::new);
    if !q.iter().any(|n| &**n == node) {
        q.push_back(Rc::from(node));
    }
    update_disruption(cluster);
    taint_pass(cluster, &zone);
}

/// `MarkPodsNotReady`: the pods' Ready condition turns False (reason and
/// message kept) and each gets a `NodeNotReady` event.
fn mark_pods_not_ready(cluster: &mut Cluster, node: &str) {
    let now = cluster.now;
    let pods: Vec<ObjectKey> = cluster
        .kubelet
        .bound
        .get(node)
        .map(|s| s.iter().cloned().collect())
        .unwrap_or_default();
    for key in pods {
        let Some(pod) = cluster.store.get(&key).cloned() else {
            continue;
        };
        let mut changed = false;
        let conditions: Vec<Value> = pod
            .at(&["status", "conditions"])
            .items()
            .map(|c| {
                if c.get("type").as_str() == Some("Ready")
                    && c.get("status").as_str() != Some("False")
                {
                    changed = true;
                    let mut c = c.clone();
                    c.set("status", Value::str("False"));
                    c.set("lastTransitionTime", Value::from(rfc3339(now)));
                    c
                } else {
                    c.clone()
                }
            })
            .collect();
        if !changed {
            continue;
        }
        let mut status = pod.get("status").clone();
        status.set("conditions", Value::array(conditions));
        let _ = cluster.update_status(&key, status);
        if let Some(pod) = cluster.store.get(&key).cloned() {
            cluster.record_event(
                &pod,
                None,
                EventType::Warning,
                "NodeNotReady",
                "Node is not ready",
                ("node-controller", None),
            );
        }
    }
}

fn zone_of(cluster: &Cluster, node: &str) -> String {
    cluster
        .store
        .get(&node_key(node))
        .and_then(|n| {
            n.at(&["metadata", "labels", "topology.kubernetes.io/zone"])
                .as_str()
                .map(str::to_string)
        })
        .unwrap_or_default()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ZoneState {
    Normal,
    Partial,
    Full,
}

/// `ComputeZoneState` over the nodes of each zone: (state, size).
fn zone_states(cluster: &Cluster) -> VecMap<String, (ZoneState, usize)> {
    let mut counts: VecMap<String, (usize, usize)> = VecMap::new();
    for (_, n) in cluster.store.list(res("Node"), None) {
        let zone = n
            .at(&["metadata", "labels", "topology.kubernetes.io/zone"])
            .as_str()
            .unwrap_or("")
            .to_string();
        let ready = n.at(&["status", "conditions"]).items().any(|c| {
            c.get("type").as_str() == Some("Ready") && c.get("status").as_str() == Some("True")
        });
        let e = counts.get_or_insert_with(zone, Default::default);
        if ready {
            e.0 += 1;
        } else {
            e.1 += 1;
        }
    }
    let mut states = VecMap::new();
    for (z, (ready, not_ready)) in counts {
        let state = if ready == 0 && not_ready > 0 {
            ZoneState::Full
        } else if not_ready > 2 && not_ready as f64 / (not_ready + ready) as f64 >= UNHEALTHY_ZONE {
            ZoneState::Partial
        } else {
            ZoneState::Normal
        };
        states.insert(z, (state, ready + not_ready));
    }
    states
}

/// `handleDisruption`: entering or leaving master disruption mode.
fn update_disruption(cluster: &mut Cluster) {
    let states = zone_states(cluster);
    let all_full = !states.is_empty() && states.values().all(|(s, _)| *s == ZoneState::Full);
    let was = cluster.nodelifecycle.master_disruption;
    if all_full && !was {
        cluster.nodelifecycle.master_disruption = true;
        cluster.note(
            "kube-controller-manager",
            "node-lifecycle-controller: Controller detected that all Nodes are not-Ready. Entering master disruption mode".to_string(),
        );
        // Taints come off every node; nothing is evicted.
        let names: Vec<String> = cluster
            .store
            .list(res("Node"), None)
            .map(|((_, n), _)| n.to_string())
            .collect();
        for n in &names {
            set_taints(cluster, n, &[], &[UNREACHABLE, NOT_READY]);
        }
        cluster.nodelifecycle.taint_queue.clear();
    } else if !all_full && was {
        cluster.nodelifecycle.master_disruption = false;
        cluster.note(
            "kube-controller-manager",
            "node-lifecycle-controller: Controller detected that some Nodes are Ready. Exiting master disruption mode".to_string(),
        );
        let mut silent: Vec<(Rc<str>, Millis)> = cluster
            .nodelifecycle
            .silent
            .iter()
            .map(|(n, s)| (n.clone(), s.at))
            .collect();
        // In node-name order.
        silent.compact_sort();
        for (n, at) in silent {
            if at <= cluster.now {
                set_taints(cluster, &n, &[(UNREACHABLE, "NoSchedule")], &[]);
                let zone = zone_of(cluster, &n);
                cluster
                    .nodelifecycle
                    .taint_queue
                    .get_or_insert_with(zone, VecDeque::new)
                    .push_back(n);
            }
        }
        let zones: Vec<String> = cluster.nodelifecycle.taint_queue.keys().cloned().collect();
        for z in zones {
            taint_pass(cluster, &z);
        }
    }
}

/// Applies queued NoExecute taints as the zone's rate limiter allows.
fn taint_pass(cluster: &mut Cluster, zone: &str) {
    if cluster.nodelifecycle.master_disruption {
        return;
    }
    let states = zone_states(cluster);
    let (state, size) = states.get(zone).copied().unwrap_or((ZoneState::Normal, 0));
    let interval = match state {
        ZoneState::Normal | ZoneState::Full => EVICTION_INTERVAL,
        ZoneState::Partial if size > LARGE_CLUSTER => SECONDARY_EVICTION_INTERVAL,
        // A small cluster in partial disruption stops evicting altogether.
        ZoneState::Partial => return,
    };
    loop {
        let Some(node) = cluster
            .nodelifecycle
            .taint_queue
            .get(zone)
            .and_then(|q| q.front().cloned())
        else {
            return;
        };
        let next = cluster
            .nodelifecycle
            .zone_next
            .get(zone)
            .copied()
            .unwrap_or(0);
        if next > cluster.now {
            if cluster.nodelifecycle.zone_timer.insert(Rc::from(zone)) {
                cluster.schedule(
                    next - cluster.now,
                    Task::NodeLifecycle(NodeLifecycleTask::TaintPass(zone.to_string())),
                );
            }
            return;
        }
        if let Some(q) = cluster.nodelifecycle.taint_queue.get_mut(zone) {
            q.pop_front();
        }
        let still_silent = cluster.nodelifecycle.silent.contains_key(&node);
        if !still_silent || cluster.store.get(&node_key(&node)).is_none() {
            continue;
        }
        cluster
            .nodelifecycle
            .zone_next
            .insert(zone.to_string(), cluster.now + interval);
        set_taints(cluster, &node, &[(UNREACHABLE, "NoExecute")], &[]);
    }
}

/// Adds and removes taints on a node (adding a NoExecute taint stamps
/// `timeAdded`).
fn set_taints(cluster: &mut Cluster, node: &str, add: &[(&str, &str)], remove: &[&str]) {
    let key = node_key(node);
    let Some(mut obj) = cluster.store.get(&key).cloned() else {
        return;
    };
    let mut taints: Vec<Value> = obj.at(&["spec", "taints"]).items().cloned().collect();
    let before = taints.clone();
    taints.retain(|t| !remove.contains(&t.get("key").as_str().unwrap_or("")));
    for (k, effect) in add {
        let exists = taints
            .iter()
            .any(|t| t.get("key").as_str() == Some(k) && t.get("effect").as_str() == Some(effect));
        if !exists {
            let mut t = Value::from_pairs([("effect", Value::str(effect)), ("key", Value::str(k))]);
            if *effect == "NoExecute" {
                t.set("timeAdded", Value::from(rfc3339(cluster.now)));
            }
            taints.push(t);
        }
    }
    if taints == before {
        return;
    }
    if taints.is_empty() {
        obj.entry("spec").remove("taints");
    } else {
        obj.set_at(&["spec", "taints"], Value::array(taints));
    }
    let _ = cluster.write(obj);
}

/// `doNoScheduleTaintingPass`: a cordoned node (`spec.unschedulable`)
/// carries `node.kubernetes.io/unschedulable:NoSchedule`, and loses it
/// when uncordoned.
fn unschedulable_taint(cluster: &mut Cluster, node: &str) {
    const TAINT: &str = "node.kubernetes.io/unschedulable";
    let Some(obj) = cluster.store.get(&node_key(node)) else {
        return;
    };
    let cordoned = obj.at(&["spec", "unschedulable"]).as_bool() == Some(true);
    let tainted = obj
        .at(&["spec", "taints"])
        .items()
        .any(|t| t.get("key").as_str() == Some(TAINT));
    if cordoned && !tainted {
        set_taints(cluster, node, &[(TAINT, "NoSchedule")], &[]);
    } else if !cordoned && tainted {
        set_taints(cluster, node, &[], &[TAINT]);
    }
}

/// A node's NoExecute taints: (key, value).
fn is_no_execute(taint: &Value) -> bool {
    taint.get("effect").as_str() == Some("NoExecute")
}

fn no_execute_taints(node: &Value) -> Vec<(String, String, Option<Millis>)> {
    node.at(&["spec", "taints"])
        .items()
        .filter(|t| is_no_execute(t))
        .map(|t| {
            (
                t.get("key").as_str().unwrap_or("").to_string(),
                t.get("value").as_str().unwrap_or("").to_string(),
                t.get("timeAdded").as_str().and_then(parse_rfc3339),
            )
        })
        .collect()
}

/// Whether a toleration matches a NoExecute taint.
fn tolerates(t: &Value, key: &str, value: &str) -> bool {
    let effect = t.get("effect").as_str().unwrap_or("");
    if !effect.is_empty() && effect != "NoExecute" {
        return false;
    }
    let tkey = t.get("key").as_str().unwrap_or("");
    let op = t.get("operator").as_str().unwrap_or("Equal");
    if tkey.is_empty() {
        return op == "Exists";
    }
    tkey == key && (op == "Exists" || t.get("value").as_str().unwrap_or("") == value)
}

/// The taint-eviction controller's look at one pod: delete it now, at the
/// end of its shortest toleration, or never.
fn process_pod(cluster: &mut Cluster, key: &ObjectKey) {
    let Some(pod) = cluster.store.get(key).cloned() else {
        return;
    };
    if !pod.at(&["metadata", "deletionTimestamp"]).is_null() {
        return;
    }
    let node = pod.str_at(&["spec", "nodeName"]).unwrap_or("").to_string();
    let taints = cluster
        .store
        .get(&node_key(&node))
        .map(no_execute_taints)
        .unwrap_or_default();
    let scheduled = cluster.nodelifecycle.evictions.get(key).copied();
    if taints.is_empty() {
        if scheduled.is_some() {
            cluster.nodelifecycle.evictions.remove(key);
            cluster.record_event(
                &pod,
                None,
                EventType::Normal,
                "TaintManagerEviction",
                &format!("Cancelling deletion of Pod {}/{}", key.namespace, key.name),
                ("taint-eviction-controller", None),
            );
        }
        return;
    }
    let tolerations: Vec<Value> = pod.at(&["spec", "tolerations"]).items().cloned().collect();
    let mut min_seconds: Option<i64> = None;
    let mut forever = true;
    for (k, v, _) in &taints {
        let matching: Vec<&Value> = tolerations.iter().filter(|t| tolerates(t, k, v)).collect();
        if matching.is_empty() {
            // Not tolerated at all: deleted right away.
            cluster.nodelifecycle.evictions.remove(key);
            evict(cluster, key);
            return;
        }
        for t in matching {
            if let Some(s) = t.get("tolerationSeconds").as_i64() {
                forever = false;
                min_seconds = Some(min_seconds.map_or(s, |m| m.min(s)));
            }
        }
    }
    if forever {
        return;
    }
    let seconds = min_seconds.unwrap_or(0).max(0) as Millis;
    let at = match scheduled {
        Some((at, _)) => at.min(cluster.now + seconds * SECOND),
        None => cluster.now + seconds * SECOND,
    };
    if at <= cluster.now {
        cluster.nodelifecycle.evictions.remove(key);
        evict(cluster, key);
        return;
    }
    if scheduled.is_some_and(|(s, _)| s == at) {
        return;
    }
    let t = token(cluster);
    cluster.nodelifecycle.evictions.insert(key.clone(), (at, t));
    cluster.schedule(
        at - cluster.now,
        Task::NodeLifecycle(NodeLifecycleTask::Evict(key.clone(), t)),
    );
}

/// Deletes a pod for a NoExecute taint it does not (or no longer) tolerate.
fn evict(cluster: &mut Cluster, key: &ObjectKey) {
    let Some(pod) = cluster.store.get(key).cloned() else {
        return;
    };
    if !pod.at(&["metadata", "deletionTimestamp"]).is_null() {
        return;
    }
    cluster.record_event(
        &pod,
        None,
        EventType::Normal,
        "TaintManagerEviction",
        &format!("Marking for deletion Pod {}/{}", key.namespace, key.name),
        ("taint-eviction-controller", None),
    );
    add_disruption_target(
        cluster,
        key,
        "DeletionByTaintManager",
        "Taint manager: deleting due to NoExecute taint",
        false,
    );
    cluster.note(
        "kube-controller-manager",
        format!(
            "taint-eviction-controller: deleting pod {}/{}",
            key.namespace, key.name
        ),
    );
    let _ = cluster.delete(key, DeleteOptions::default());
}

/// Sets a pod's `DisruptionTarget` condition (and, with `fail`, phase
/// Failed), as the taint-eviction controller and the Eviction API do.
pub(crate) fn add_disruption_target(
    cluster: &mut Cluster,
    key: &ObjectKey,
    reason: &str,
    message: &str,
    fail: bool,
) {
    let Some(pod) = cluster.store.get(key).cloned() else {
        return;
    };
    let generation = pod.at(&["metadata", "generation"]).as_i64().unwrap_or(1);
    let mut conditions: Vec<Value> = pod
        .at(&["status", "conditions"])
        .items()
        .filter(|c| c.get("type").as_str() != Some("DisruptionTarget"))
        .cloned()
        .collect();
    conditions.push(Value::from_pairs([
        ("lastProbeTime", Value::Null),
        ("lastTransitionTime", Value::from(rfc3339(cluster.now))),
        ("message", Value::str(message)),
        ("observedGeneration", Value::Int(generation)),
        ("reason", Value::str(reason)),
        ("status", Value::str("True")),
        ("type", Value::str("DisruptionTarget")),
    ]));
    let mut status = pod.get("status").clone();
    status.set("conditions", Value::array(conditions));
    if fail && !matches!(status.get("phase").as_str(), Some("Succeeded" | "Failed")) {
        status.set("phase", Value::str("Failed"));
    }
    let _ = cluster.update_status(key, status);
}

fn schedule_pod_gc(cluster: &mut Cluster, node: &str) {
    if !cluster.nodelifecycle.gc_pending.insert(Rc::from(node)) {
        return;
    }
    let earliest = cluster.now + POD_GC_QUARANTINE;
    let at = earliest.div_ceil(POD_GC_PERIOD) * POD_GC_PERIOD;
    cluster.schedule(
        at - cluster.now,
        Task::NodeLifecycle(NodeLifecycleTask::PodGc(node.to_string())),
    );
}

/// PodGC `gcOrphaned`: force-deletes pods bound to a node that is gone.
fn pod_gc(cluster: &mut Cluster, node: &str) {
    if cluster.store.get(&node_key(node)).is_some() {
        return;
    }
    let pods: Vec<ObjectKey> = cluster
        .kubelet
        .bound
        .get(node)
        .map(|s| s.iter().cloned().collect())
        .unwrap_or_default();
    for key in pods {
        if cluster.store.get(&key).is_none() {
            continue;
        }
        add_disruption_target(
            cluster,
            &key,
            "DeletionByPodGC",
            "PodGC: node no longer exists",
            true,
        );
        cluster.note(
            "kube-controller-manager",
            format!(
                "pod-garbage-collector: PodGC is force deleting Pod {}/{}",
                key.namespace, key.name
            ),
        );
        let _ = cluster.delete(
            &key,
            DeleteOptions {
                grace_period_seconds: Some(0),
                ..DeleteOptions::default()
            },
        );
        // A pod already terminating is removed by the forced delete.
        cluster.finish_pod_deletion(&key);
    }
}
