//! The DaemonSet controller (`pkg/controller/daemon`): one pod per node
//! the DaemonSet's pods may run on, placed through the scheduler with a
//! node-name affinity; rolling updates that replace at most
//! `maxUnavailable` pods at a time; and the counts of its status.
//!
//! Nodes are remembered from watch events as interned labels and taints,
//! so one sync costs a pass over the nodes without reading them.

use crate::scheduler::util::{FxMap, fx_map};
use crate::sort::CompactSort;
use std::collections::BTreeMap;
use std::rc::Rc;

use super::{
    PodEntry, forget_failures, int_at, is_deleting, requeue_after, requeue_rate_limited, set_count,
};
use crate::apiserver::{DeleteOptions, WriteOptions};
use crate::cluster::{Cluster, Controller, res};
use crate::events::EventType;
use crate::scheduler::selectors::{Effect, RequiredNodeAffinity, Taint, Toleration, tolerated};
use crate::scheduler::util::{Interner, Labels, Sym, intern_labels};
use crate::store::{ObjectKey, WatchEvent, WatchEventType};
use crate::time::Millis;
use crate::value::Value;

/// The event source.
const COMPONENT: &str = "daemonset-controller";
/// The label naming the template revision a pod was made from.
const REVISION_HASH: &str = "controller-revision-hash";
/// The label carrying the DaemonSet's template generation.
const TEMPLATE_GENERATION: &str = "pod-template-generation";

/// What the controller remembers of one node.
#[derive(Clone, Debug)]
struct NodeFacts {
    name: Sym,
    labels: Labels,
    taints: Vec<Taint>,
}

/// The DaemonSet controller's node cache.
#[derive(Clone, Debug, Default)]
pub struct DaemonSetState {
    interner: Interner,
    nodes: BTreeMap<Rc<str>, NodeFacts>,
}

/// Hears about node changes (every DaemonSet looks again when a node
/// appears, goes, or changes its labels or taints) and DaemonSet changes.
pub(crate) fn on_change(cluster: &mut Cluster, event: &WatchEvent) {
    match event.key.resource.get().kind {
        "Node" => {
            let current = cluster.store.get(&event.key).cloned();
            let changed = match (&event.old, &current) {
                (Some(old), Some(new)) => {
                    old.at(&["metadata", "labels"]) != new.at(&["metadata", "labels"])
                        || old.at(&["spec", "taints"]) != new.at(&["spec", "taints"])
                }
                _ => true,
            };
            if !changed {
                return;
            }
            let state = &mut cluster.daemonsets;
            match &current {
                Some(node) => {
                    let facts = NodeFacts {
                        name: state.interner.intern(&event.key.name),
                        labels: intern_labels(
                            &mut state.interner,
                            node.at(&["metadata", "labels"]),
                        ),
                        taints: node
                            .at(&["spec", "taints"])
                            .items()
                            .map(|t| Taint {
                                key: state.interner.intern(t.get("key").as_str().unwrap_or("")),
                                value: state.interner.intern(t.get("value").as_str().unwrap_or("")),
                                effect: Effect::parse(t.get("effect").as_str().unwrap_or("")),
                            })
                            .collect(),
                    };
                    state.nodes.insert(event.key.name.clone(), facts);
                }
                None => {
                    state.nodes.remove(&event.key.name);
                }
            }
            let all: Vec<ObjectKey> = cluster
                .store
                .list(res("DaemonSet"), None)
                .map(|((ns, name), _)| ObjectKey::new(res("DaemonSet"), ns, name))
                .collect();
            for key in all {
                cluster.enqueue(Controller::DaemonSet, key);
            }
        }
        "DaemonSet" if event.kind != WatchEventType::Deleted => {
            cluster.enqueue(Controller::DaemonSet, event.key.clone());
        }
        _ => {}
    }
}

/// The tolerations the controller adds to every daemon pod
/// (`util.AddOrUpdateDaemonPodTolerations`).
fn daemon_tolerations(host_network: bool) -> Vec<Value> {
    let toleration = |key: &str, effect: &str| {
        Value::from_pairs([
            ("effect", Value::str(effect)),
            ("key", Value::str(key)),
            ("operator", Value::str("Exists")),
        ])
    };
    let mut list = vec![
        toleration("node.kubernetes.io/not-ready", "NoExecute"),
        toleration("node.kubernetes.io/unreachable", "NoExecute"),
        toleration("node.kubernetes.io/disk-pressure", "NoSchedule"),
        toleration("node.kubernetes.io/memory-pressure", "NoSchedule"),
        toleration("node.kubernetes.io/pid-pressure", "NoSchedule"),
        toleration("node.kubernetes.io/unschedulable", "NoSchedule"),
    ];
    if host_network {
        list.push(toleration(
            "node.kubernetes.io/network-unavailable",
            "NoSchedule",
        ));
    }
    list
}

/// The template's spec with the daemon tolerations added (equal ones are
/// not repeated).
fn spec_with_tolerations(template_spec: &Value) -> Value {
    let mut spec = template_spec.clone();
    let host_network = spec.get("hostNetwork").as_bool() == Some(true);
    let mut tolerations: Vec<Value> = spec.get("tolerations").items().cloned().collect();
    for t in daemon_tolerations(host_network) {
        if !tolerations.contains(&t) {
            tolerations.push(t);
        }
    }
    spec.set("tolerations", Value::array(tolerations));
    spec
}

/// The pod for one node (`controller.GetPodFromTemplate` plus
/// `util.ReplaceDaemonSetPodNodeNameNodeAffinity`).
fn pod_for_node(ds: &Value, spec: &Value, hash: &str, node: &str) -> Value {
    let name = ds.str_at(&["metadata", "name"]).unwrap_or("");
    let mut pod = super::pod_from_template(ds, &format!("{name}-"));
    // `util.CreatePodTemplate`: the revision and generation labels.
    pod.set_at(&["metadata", "labels", REVISION_HASH], Value::str(hash));
    pod.set_at(
        &["metadata", "labels", TEMPLATE_GENERATION],
        Value::from(
            crate::api::defaults::template_generation(ds)
                .max(1)
                .to_string(),
        ),
    );
    let mut spec = spec.clone();
    let term = Value::from_pairs([(
        "matchFields",
        Value::array(vec![Value::from_pairs([
            ("key", Value::str("metadata.name")),
            ("operator", Value::str("In")),
            ("values", Value::array(vec![Value::str(node)])),
        ])]),
    )]);
    spec.set_at(
        &[
            "affinity",
            "nodeAffinity",
            "requiredDuringSchedulingIgnoredDuringExecution",
        ],
        Value::from_pairs([("nodeSelectorTerms", Value::array(vec![term]))]),
    );
    pod.set("spec", spec);
    pod
}

/// One daemon pod as the sync sees it.
struct DaemonPod {
    name: Rc<str>,
    entry: PodEntry,
    hash: Option<String>,
}

/// `syncDaemonSet`: creates the missing daemon pods, deletes the ones on
/// nodes they may not run on, rolls the template out and writes status.
pub(crate) fn reconcile(cluster: &mut Cluster, key: &ObjectKey) {
    let Some(ds) = cluster.store.get(key).cloned() else {
        return;
    };
    if is_deleting(&ds) {
        return;
    }
    let uid: Rc<str> = Rc::from(ds.str_at(&["metadata", "uid"]).unwrap_or(""));
    let collision = ds.at(&["status", "collisionCount"]).as_i64();
    let hash = super::deployment::compute_hash(ds.at(&["spec", "template"]), collision);
    super::history::ensure_revision(cluster, &ds, &hash, REVISION_HASH);
    let spec = spec_with_tolerations(ds.at(&["spec", "template", "spec"]));
    // Which nodes the pods may run on (`NodeShouldRunDaemonPod`).
    let (affinity, tolerations) = {
        let state = &mut cluster.daemonsets;
        let affinity = RequiredNodeAffinity::compile(&spec, &mut state.interner);
        let tolerations: Vec<Toleration> = spec
            .get("tolerations")
            .items()
            .map(|t| Toleration::compile(t, &mut state.interner))
            .collect();
        (affinity, tolerations)
    };
    let wanted_node = ds
        .str_at(&["spec", "template", "spec", "nodeName"])
        .filter(|n| !n.is_empty())
        .map(str::to_string);
    // (should run, should continue running): a NoSchedule taint keeps new
    // pods away but lets a running one stay; only NoExecute evicts.
    let state = &cluster.daemonsets;
    // In node-name order, as `state.nodes` is kept.
    let placement: Vec<(Rc<str>, (bool, bool))> = state
        .nodes
        .iter()
        .map(|(name, facts)| {
            let fits = wanted_node.as_deref().is_none_or(|n| n == &**name)
                && affinity.matches(&facts.labels, facts.name, &state.interner);
            let untolerated = |effects: &[Effect]| {
                facts
                    .taints
                    .iter()
                    .any(|t| effects.contains(&t.effect) && !tolerated(&tolerations, t))
            };
            let run = fits && !untolerated(&[Effect::NoSchedule, Effect::NoExecute]);
            let stay = fits && !untolerated(&[Effect::NoExecute]);
            (name.clone(), (run, stay))
        })
        .collect();
    // The daemon pods by node.
    let mut by_node: FxMap<Rc<str>, Vec<DaemonPod>> = fx_map();
    for name in cluster.controllers.owned_names(&uid) {
        let Some(entry) = cluster
            .controllers
            .pods
            .get(&(key.namespace.clone(), name.clone()))
            .cloned()
        else {
            continue;
        };
        let hash = entry.labels.get(REVISION_HASH).as_str().map(str::to_string);
        // Unscheduled pods count for the node their affinity names.
        let node = if entry.node.is_empty() {
            cluster
                .store
                .get_named(res("Pod"), &key.namespace, &name)
                .map_or_else(|| Rc::from(""), target_node)
        } else {
            entry.node.clone()
        };
        by_node
            .entry(node)
            .or_default()
            .push(DaemonPod { name, entry, hash });
    }
    let min_ready = int_at(&ds, &["spec", "minReadySeconds"], 0);
    let now = cluster.now;
    let available = |e: &PodEntry| {
        e.active()
            && e.ready
            && e.ready_at
                .is_some_and(|t| t + (min_ready.max(0) as Millis) * 1000 <= now)
    };
    let mut to_create: Vec<Rc<str>> = Vec::new();
    let mut to_delete: Vec<Rc<str>> = Vec::new();
    let mut old_pods: Vec<(Rc<str>, bool)> = Vec::new();
    let (mut desired, mut current, mut misscheduled) = (0i64, 0i64, 0i64);
    let (mut ready, mut updated, mut avail) = (0i64, 0i64, 0i64);
    let mut next_available: Option<Millis> = None;
    for (node, (run, stay)) in placement {
        let pods = by_node.remove(&node).unwrap_or_default();
        let mut active: Vec<&DaemonPod> = pods.iter().filter(|p| p.entry.active()).collect();
        if !run {
            if !active.is_empty() {
                misscheduled += 1;
                if !stay {
                    to_delete.extend(active.iter().map(|p| p.name.clone()));
                }
            }
            continue;
        }
        desired += 1;
        // Failed daemon pods are deleted and replaced.
        for p in &pods {
            if p.entry.terminal && !p.entry.deleting {
                to_delete.push(p.name.clone());
            }
        }
        if active.is_empty() {
            // A pod still terminating on the node is waited for.
            if !pods.iter().any(|p| p.entry.deleting && !p.entry.terminal) {
                to_create.push(node.clone());
            }
            continue;
        }
        current += 1;
        // More than one: keep the oldest.
        if active.len() > 1 {
            let created = |p: &DaemonPod| {
                cluster
                    .store
                    .get_named(res("Pod"), &key.namespace, &p.name)
                    .and_then(super::creation_time)
            };
            active.compact_sort_by_key(|p| (created(p), p.name.clone()));
        }
        for extra in &active[1..] {
            to_delete.push(extra.name.clone());
        }
        let pod = active[0];
        if pod.entry.ready {
            ready += 1;
        }
        if available(&pod.entry) {
            avail += 1;
        } else if pod.entry.ready
            && let Some(t) = pod.entry.ready_at
        {
            let at = t + (min_ready.max(0) as Millis) * 1000;
            next_available = Some(next_available.map_or(at, |n: Millis| n.min(at)));
        }
        if pod.hash.as_deref() == Some(hash.as_str()) {
            updated += 1;
        } else {
            old_pods.push((pod.name.clone(), available(&pod.entry)));
        }
    }
    // Pods on nodes that no longer exist are left to the pod garbage collector.
    // Rolling update: replace old pods, at most maxUnavailable at a time.
    if ds.str_at(&["spec", "updateStrategy", "type"]) != Some("OnDelete") {
        let max_unavailable = scaled(
            ds.at(&["spec", "updateStrategy", "rollingUpdate", "maxUnavailable"]),
            desired,
        );
        let mut unavailable = desired - avail;
        for (name, is_available) in &old_pods {
            if !is_available {
                to_delete.push(name.clone());
            } else if unavailable < max_unavailable {
                to_delete.push(name.clone());
                unavailable += 1;
            }
        }
    }
    let mut failed = false;
    let ns = key.namespace.to_string();
    for node in &to_create {
        let pod = pod_for_node(&ds, &spec, &hash, node);
        match cluster.create(pod, &WriteOptions::system()) {
            Ok(created) => {
                let name = created.str_at(&["metadata", "name"]).unwrap_or("");
                let message = format!("Created pod: {name}");
                record(
                    cluster,
                    &ds,
                    EventType::Normal,
                    "SuccessfulCreate",
                    &message,
                );
            }
            Err(e) if e.message.ends_with("because it is being terminated") => {}
            Err(e) => {
                failed = true;
                let message = format!("Error creating: {}", e.message);
                record(cluster, &ds, EventType::Warning, "FailedCreate", &message);
            }
        }
    }
    to_delete.compact_sort();
    to_delete.dedup();
    for name in &to_delete {
        let pod_key = ObjectKey::new(res("Pod"), &ns, name);
        if cluster.store.get(&pod_key).is_some_and(|p| !is_deleting(p))
            && cluster.delete(&pod_key, DeleteOptions::default()).is_ok()
        {
            let message = format!("Deleted pod: {name}");
            record(
                cluster,
                &ds,
                EventType::Normal,
                "SuccessfulDelete",
                &message,
            );
        }
    }
    // Status (`updateDaemonSetStatus`).
    let mut status = ds.get("status").clone();
    if status.is_null() {
        status = Value::object();
    }
    status.set("currentNumberScheduled", Value::Int(current));
    status.set("desiredNumberScheduled", Value::Int(desired));
    status.set("numberMisscheduled", Value::Int(misscheduled));
    status.set("numberReady", Value::Int(ready));
    set_count(&mut status, "numberAvailable", avail);
    set_count(&mut status, "numberUnavailable", desired - avail);
    set_count(&mut status, "updatedNumberScheduled", updated);
    status.set(
        "observedGeneration",
        Value::Int(int_at(&ds, &["metadata", "generation"], 1)),
    );
    if ds.get("status") != &status {
        let _ = cluster.update_status(key, status);
    }
    if failed {
        requeue_rate_limited(cluster, Controller::DaemonSet, key);
        return;
    }
    forget_failures(cluster, Controller::DaemonSet, key);
    if let Some(at) = next_available {
        requeue_after(cluster, Controller::DaemonSet, key, at.saturating_sub(now));
    }
}

/// The node a daemon pod is meant for (`util.GetTargetNodeName`): its
/// `spec.nodeName`, or before scheduling the node its affinity names.
fn target_node(pod: &Value) -> Rc<str> {
    if let Some(n) = pod.str_at(&["spec", "nodeName"]).filter(|n| !n.is_empty()) {
        return Rc::from(n);
    }
    pod.at(&[
        "spec",
        "affinity",
        "nodeAffinity",
        "requiredDuringSchedulingIgnoredDuringExecution",
        "nodeSelectorTerms",
    ])
    .items()
    .flat_map(|t| t.get("matchFields").items())
    .find(|r| {
        r.get("key").as_str() == Some("metadata.name") && r.get("operator").as_str() == Some("In")
    })
    .and_then(|r| r.get("values").items().next())
    .and_then(Value::as_str)
    .map_or_else(|| Rc::from(""), Rc::from)
}

/// An int-or-percent of `total`, rounded up (`GetScaledValueFromIntOrPercent`).
fn scaled(v: &Value, total: i64) -> i64 {
    match v {
        Value::Int(n) => *n,
        Value::String(s) => s
            .strip_suffix('%')
            .and_then(|p| p.parse::<i64>().ok())
            .map_or(1, |p| (p * total + 99) / 100),
        _ => 1,
    }
}

fn record(cluster: &mut Cluster, ds: &Value, event_type: EventType, reason: &str, message: &str) {
    cluster.record_event(ds, None, event_type, reason, message, (COMPONENT, None));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controllers::testutil::{create, yaml};
    use crate::time::SECOND;

    /// (node, phase, revision hash) of the pods of a DaemonSet, by node.
    fn daemon_pods(c: &Cluster, ns: &str, ds: &str) -> Vec<(String, String, String)> {
        let mut out: Vec<(String, String, String)> = c
            .store
            .list(res("Pod"), Some(ns))
            .filter(|(_, p)| {
                super::super::controller_ref(p).is_some_and(|r| r.get("name").as_str() == Some(ds))
            })
            .map(|(_, p)| {
                (
                    p.str_at(&["spec", "nodeName"]).unwrap_or("").to_string(),
                    p.str_at(&["status", "phase"]).unwrap_or("").to_string(),
                    p.str_at(&["metadata", "labels", REVISION_HASH])
                        .unwrap_or("")
                        .to_string(),
                )
            })
            .collect();
        out.sort();
        out
    }

    fn status(c: &Cluster, ns: &str, ds: &str) -> Vec<i64> {
        let d = c.store.get_named(res("DaemonSet"), ns, ds).unwrap();
        [
            "desiredNumberScheduled",
            "currentNumberScheduled",
            "numberReady",
            "updatedNumberScheduled",
            "numberAvailable",
            "numberMisscheduled",
        ]
        .iter()
        .map(|f| int_at(d, &["status", f], 0))
        .collect()
    }

    const AGENT: &str = "apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      nodeSelector: {disk: ssd}
      containers: [{name: agent, image: 'nginx:1.25'}]
";

    #[test]
    fn kube_proxy_runs_one_pod_per_node_and_follows_nodes() {
        let mut c = Cluster::new(1);
        c.step(5 * SECOND);
        let pods = daemon_pods(&c, "kube-system", "kube-proxy");
        let nodes: Vec<&str> = pods.iter().map(|p| p.0.as_str()).collect();
        assert_eq!(nodes, ["control-plane", "node-1", "node-2", "node-3"]);
        assert!(pods.iter().all(|p| p.1 == "Running"));
        assert_eq!(status(&c, "kube-system", "kube-proxy"), [4, 4, 4, 4, 4, 0]);
        // The revision its pods were made from.
        let hash = &pods[0].2;
        assert!(
            c.store
                .get_named(
                    res("ControllerRevision"),
                    "kube-system",
                    &format!("kube-proxy-{hash}")
                )
                .is_some_and(|cr| cr.get("revision").as_i64() == Some(1))
        );
        // A node joins: its kube-proxy starts there.
        c.add_node(crate::cluster::NodeOptions::worker("node-4"))
            .unwrap();
        c.step(5 * SECOND);
        assert_eq!(daemon_pods(&c, "kube-system", "kube-proxy").len(), 5);
        assert_eq!(status(&c, "kube-system", "kube-proxy"), [5, 5, 5, 5, 5, 0]);
        // It leaves: the DaemonSet wants 4 again; the pod garbage collector
        // removes the orphaned pod after its quarantine.
        c.remove_node("node-4").unwrap();
        c.step(0);
        assert_eq!(status(&c, "kube-system", "kube-proxy"), [4, 4, 4, 4, 4, 0]);
        c.step(90 * SECOND);
        assert_eq!(daemon_pods(&c, "kube-system", "kube-proxy").len(), 4);
    }

    #[test]
    fn node_selectors_and_taints_choose_the_nodes() {
        let mut c = Cluster::new(2);
        create(&mut c, AGENT);
        assert_eq!(status(&c, "default", "agent"), [0, 0, 0, 0, 0, 0]);
        for n in ["node-1", "node-2"] {
            let mut node = c.get(res("Node"), "", n).unwrap().clone();
            node.set_at(&["metadata", "labels", "disk"], Value::str("ssd"));
            c.write(node).unwrap();
        }
        c.step(10 * SECOND);
        let pods = daemon_pods(&c, "default", "agent");
        let nodes: Vec<&str> = pods.iter().map(|p| p.0.as_str()).collect();
        assert_eq!(nodes, ["node-1", "node-2"]);
        assert_eq!(status(&c, "default", "agent"), [2, 2, 2, 2, 2, 0]);
        // A NoSchedule taint keeps new pods away but not running ones.
        let mut node = c.get(res("Node"), "", "node-2").unwrap().clone();
        node.set_at(
            &["spec", "taints"],
            yaml("[{key: dedicated, value: gpu, effect: NoSchedule}]"),
        );
        c.write(node).unwrap();
        c.step(SECOND);
        assert_eq!(daemon_pods(&c, "default", "agent").len(), 2);
        assert_eq!(status(&c, "default", "agent"), [1, 1, 1, 1, 1, 1]);
        // A NoExecute one evicts it; so does losing the label.
        let mut node = c.get(res("Node"), "", "node-2").unwrap().clone();
        node.set_at(
            &["spec", "taints"],
            yaml("[{key: dedicated, value: gpu, effect: NoExecute}]"),
        );
        c.write(node).unwrap();
        let mut node = c.get(res("Node"), "", "node-1").unwrap().clone();
        node.entry("metadata").entry("labels").remove("disk");
        c.write(node).unwrap();
        c.step(40 * SECOND);
        assert_eq!(daemon_pods(&c, "default", "agent"), []);
        assert_eq!(status(&c, "default", "agent"), [0, 0, 0, 0, 0, 0]);
        let events: Vec<String> = c
            .events
            .records()
            .iter()
            .filter(|r| &*r.involved.name == "agent")
            .map(|r| format!("{} {}", r.reason, &r.message[..12]))
            .collect();
        // The pod on the NoExecute-tainted node was evicted by the taint
        // eviction controller first; the controller deleted the other.
        assert_eq!(
            events,
            [
                "SuccessfulCreate Created pod:",
                "SuccessfulCreate Created pod:",
                "SuccessfulDelete Deleted pod:",
            ]
        );
    }

    #[test]
    fn a_template_change_rolls_out_one_node_at_a_time() {
        let mut c = Cluster::new(3);
        create(
            &mut c,
            &AGENT.replace("      nodeSelector: {disk: ssd}\n", ""),
        );
        c.step(10 * SECOND);
        assert_eq!(status(&c, "default", "agent"), [3, 3, 3, 3, 3, 0]);
        let old_hash = daemon_pods(&c, "default", "agent")[0].2.clone();
        let mut ds = c.get(res("DaemonSet"), "default", "agent").unwrap().clone();
        ds.set_at(
            &["spec", "template", "spec", "containers"],
            yaml("[{name: agent, image: 'nginx:1.26'}]"),
        );
        c.update(ds, &WriteOptions::user()).unwrap();
        // maxUnavailable 1: never more than one node without an available pod.
        let mut seen_new = 0;
        for _ in 0..600 {
            c.step(100);
            let s = status(&c, "default", "agent");
            assert!(s[0] - s[4] <= 1, "{s:?}");
            seen_new = s[3];
            if s == [3, 3, 3, 3, 3, 0] && seen_new == 3 {
                break;
            }
        }
        assert_eq!(seen_new, 3);
        let pods = daemon_pods(&c, "default", "agent");
        assert!(pods.iter().all(|p| p.2 != old_hash && p.1 == "Running"));
        let revisions: Vec<i64> = c
            .store
            .list(res("ControllerRevision"), Some("default"))
            .map(|(_, cr)| cr.get("revision").as_i64().unwrap_or(0))
            .collect();
        assert_eq!(revisions.len(), 2);
        assert!(revisions.contains(&2));
    }

    #[test]
    fn the_template_generation_counts_template_changes_only() {
        let mut c = Cluster::new(3);
        create(
            &mut c,
            &AGENT.replace("      nodeSelector: {disk: ssd}\n", ""),
        );
        c.step(10 * SECOND);
        let read = |c: &Cluster| {
            let ds = c.get(res("DaemonSet"), "default", "agent").unwrap();
            let generation = ds.at(&["metadata", "generation"]).as_i64().unwrap();
            let annotation = ds
                .str_at(&[
                    "metadata",
                    "annotations",
                    "deprecated.daemonset.template.generation",
                ])
                .unwrap()
                .to_string();
            (generation, annotation)
        };
        let labels = |c: &Cluster| {
            c.store
                .list(res("Pod"), Some("default"))
                .map(|(_, p)| {
                    p.str_at(&["metadata", "labels", TEMPLATE_GENERATION])
                        .unwrap()
                        .to_string()
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(read(&c), (1, "1".to_string()));
        assert_eq!(labels(&c), ["1", "1", "1"]);
        // A spec change outside the template: a new generation, same template.
        let mut ds = c.get(res("DaemonSet"), "default", "agent").unwrap().clone();
        ds.set_at(&["spec", "minReadySeconds"], Value::Int(1));
        c.update(ds, &WriteOptions::user()).unwrap();
        assert_eq!(read(&c), (2, "1".to_string()));
        // The template changes: both go up, and new pods carry the new one.
        let mut ds = c.get(res("DaemonSet"), "default", "agent").unwrap().clone();
        ds.set_at(
            &["spec", "template", "metadata", "labels", "tier"],
            Value::str("x"),
        );
        c.update(ds, &WriteOptions::user()).unwrap();
        assert_eq!(read(&c), (3, "2".to_string()));
        c.step(60 * SECOND);
        assert_eq!(labels(&c), ["2", "2", "2"]);
        // Users cannot set it.
        let mut ds = c.get(res("DaemonSet"), "default", "agent").unwrap().clone();
        ds.set_at(
            &[
                "metadata",
                "annotations",
                "deprecated.daemonset.template.generation",
            ],
            Value::str("9"),
        );
        c.update(ds, &WriteOptions::user()).unwrap();
        assert_eq!(read(&c).1, "2");
        // A generation given on create is kept; at the top it stays there.
        let top = i64::MAX.to_string();
        create(
            &mut c,
            &AGENT
                .replace("      nodeSelector: {disk: ssd}\n", "")
                .replace(
                    "metadata: {name: agent}",
                    &format!(
                        "metadata: {{name: top, annotations: {{deprecated.daemonset.template.generation: '{top}'}}}}"
                    ),
                ),
        );
        let mut ds = c.get(res("DaemonSet"), "default", "top").unwrap().clone();
        ds.set_at(
            &["spec", "template", "metadata", "labels", "tier"],
            Value::str("y"),
        );
        c.update(ds, &WriteOptions::user()).unwrap();
        let ds = c.get(res("DaemonSet"), "default", "top").unwrap();
        assert_eq!(
            ds.str_at(&[
                "metadata",
                "annotations",
                "deprecated.daemonset.template.generation"
            ]),
            Some(top.as_str())
        );
    }
}
