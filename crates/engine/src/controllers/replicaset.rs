//! The ReplicaSet controller (`pkg/controller/replicaset`): keeps the
//! number of a ReplicaSet's active pods at `spec.replicas`, adopting
//! matching orphans and releasing pods that stopped matching, and reports
//! the counts in its status. ReplicationControllers run through the same
//! code, as `pkg/controller/replication` wraps this controller.

use crate::scheduler::util::{FxMap, fx_map};
use crate::sort::CompactSort;
use std::cmp::Ordering;
use std::rc::Rc;

use super::{
    PodEntry, controller_ref, controller_uid, forget_failures, int_at, is_deleting, pod_ready,
    requeue_after, requeue_rate_limited, set_count, spec_replicas, with_controller_ref,
    without_owner_ref,
};
use crate::api::errors::StatusReason;
use crate::api::selector;
use crate::apiserver::{DeleteOptions, WriteOptions};
use crate::cluster::{Cluster, Controller, res};
use crate::events::EventType;
use crate::store::ObjectKey;
use crate::time::{Millis, rfc3339};
use crate::value::Value;

/// The most pods created or deleted in one sync (`BurstReplicas`).
const BURST_REPLICAS: i64 = 500;
/// The first slow-start batch (`controller.SlowStartInitialBatchSize`).
const SLOW_START_INITIAL_BATCH_SIZE: i64 = 1;
/// The event source of ReplicaSets.
const COMPONENT: &str = "replicaset-controller";
/// The event source of ReplicationControllers.
const RC_COMPONENT: &str = "replication-controller";
/// `controller.kubernetes.io/pod-deletion-cost`
const POD_DELETION_COST: &str = "controller.kubernetes.io/pod-deletion-cost";

/// `syncReplicaSet`: claims pods, creates or deletes pods to match
/// `spec.replicas` and writes the status.
pub(crate) fn reconcile(cluster: &mut Cluster, key: &ObjectKey) {
    let Some(rs) = cluster.store.get(key).cloned() else {
        return;
    };
    let controller = queue_of(&rs);
    let selector = label_selector(&rs);
    if selector.is_null() {
        return;
    }
    let uid: Rc<str> = Rc::from(rs.str_at(&["metadata", "uid"]).unwrap_or(""));
    match claim_pods(cluster, &rs, &key.namespace, &uid, &selector, &|_| true) {
        Claim::Unchanged => {}
        // The adoptions and releases come back as pod events, which sync
        // this ReplicaSet again with the claimed pods counted.
        Claim::Changed => return,
        Claim::Failed => {
            requeue_rate_limited(cluster, controller, key);
            return;
        }
    }
    let active = cluster.controllers.owned(&uid).map_or(0, |o| o.active);
    let mut manage_error = None;
    if !is_deleting(&rs) {
        manage_error = manage_replicas(cluster, &rs, &key.namespace, &uid, active);
    }
    let rs = update_status(cluster, key, &rs, &uid, manage_error.as_deref());
    if manage_error.is_some() {
        requeue_rate_limited(cluster, controller, key);
        return;
    }
    forget_failures(cluster, controller, key);
    // Ready pods become available after minReadySeconds with no event to
    // say so: look again then.
    let min_ready = int_at(&rs, &["spec", "minReadySeconds"], 0);
    let ready = int_at(&rs, &["status", "readyReplicas"], 0);
    let available = int_at(&rs, &["status", "availableReplicas"], 0);
    if min_ready > 0 && ready != available {
        let delay = cluster
            .controllers
            .owned(&uid)
            .and_then(|o| o.next_available_in(min_ready, cluster.now))
            .unwrap_or(min_ready as Millis * 1000);
        requeue_after(cluster, controller, key, delay);
    }
}

/// The controller whose queue holds `rs`: ReplicaSet or ReplicationController.
fn queue_of(rs: &Value) -> Controller {
    if rs.get("kind").as_str() == Some("ReplicationController") {
        Controller::ReplicationController
    } else {
        Controller::ReplicaSet
    }
}

/// The LabelSelector of a ReplicaSet, or of a ReplicationController, whose
/// `spec.selector` is a plain label map (null when there is none).
pub(crate) fn label_selector(rs: &Value) -> Value {
    let selector = rs.at(&["spec", "selector"]);
    if rs.get("kind").as_str() == Some("ReplicationController") && !selector.is_null() {
        Value::from_pairs([("matchLabels", selector.clone())])
    } else {
        selector.clone()
    }
}

/// What claiming pods did.
#[derive(Debug, PartialEq)]
pub(crate) enum Claim {
    /// Nothing to adopt or release.
    Unchanged,
    /// Pods were adopted or released.
    Changed,
    /// A write failed: try again later.
    Failed,
}

/// `claimPods`: releases owned pods whose labels no longer match and
/// adopts active orphans that match; `member` is the controller's extra
/// filter on pod names (a StatefulSet's `isMemberOf`).
pub(crate) fn claim_pods(
    cluster: &mut Cluster,
    rs: &Value,
    ns: &Rc<str>,
    uid: &Rc<str>,
    selector: &Value,
    member: &dyn Fn(&str) -> bool,
) -> Claim {
    if is_deleting(rs) {
        return Claim::Unchanged;
    }
    let mut changed = false;
    let mut failed = false;
    for name in cluster.controllers.take_dirty(uid) {
        let Some(pod) = cluster.store.get_named(res("Pod"), ns, &name).cloned() else {
            continue;
        };
        if controller_uid(&pod) != Some(&**uid) || !PodEntry::of(&pod).active() {
            continue;
        }
        if !selector::matches(selector, pod.at(&["metadata", "labels"])) || !member(&name) {
            if cluster.write(without_owner_ref(&pod, uid)).is_err() {
                cluster.controllers.mark_dirty(uid, &name);
                failed = true;
            }
            changed = true;
        }
    }
    for name in cluster.controllers.new_orphans(ns, uid) {
        let Some(pod) = cluster.store.get_named(res("Pod"), ns, &name).cloned() else {
            continue;
        };
        if controller_ref(&pod).is_some()
            || !PodEntry::of(&pod).active()
            || !selector::matches(selector, pod.at(&["metadata", "labels"]))
            || !member(&name)
        {
            continue;
        }
        if cluster.write(with_controller_ref(&pod, rs)).is_err() {
            cluster.controllers.forget_owner(uid);
            failed = true;
        }
        changed = true;
    }
    match (changed, failed) {
        (_, true) => Claim::Failed,
        (true, false) => Claim::Changed,
        (false, false) => Claim::Unchanged,
    }
}

/// `manageReplicas`: creates or deletes pods, at most [`BURST_REPLICAS`]
/// per sync. Returns the first error, which the status reports.
fn manage_replicas(
    cluster: &mut Cluster,
    rs: &Value,
    ns: &Rc<str>,
    uid: &Rc<str>,
    active: i64,
) -> Option<String> {
    let diff = active - spec_replicas(rs);
    if diff < 0 {
        let want = (-diff).min(BURST_REPLICAS);
        let prefix = format!("{}-", rs.str_at(&["metadata", "name"]).unwrap_or(""));
        let pod = super::pod_from_template(rs, &prefix);
        slow_start_batch(want, SLOW_START_INITIAL_BATCH_SIZE, || {
            create_pod(cluster, rs, &pod)
        })
    } else if diff > 0 {
        let count = diff.min(BURST_REPLICAS) as usize;
        let mut first_error = None;
        for name in pods_to_delete(cluster, rs, ns, uid, count) {
            let key = ObjectKey::new(res("Pod"), ns, &name);
            match cluster.delete(&key, DeleteOptions::default()) {
                Ok(_) => record(
                    cluster,
                    rs,
                    EventType::Normal,
                    "SuccessfulDelete",
                    &format!("Deleted pod: {name}"),
                ),
                Err(e) if e.reason == StatusReason::NotFound => {}
                Err(e) => {
                    record(
                        cluster,
                        rs,
                        EventType::Warning,
                        "FailedDelete",
                        &format!("Error deleting: {}", e.message),
                    );
                    first_error.get_or_insert(format!("unable to delete pods: {}", e.message));
                }
            }
        }
        first_error
    } else {
        None
    }
}

/// `slowStartBatch`: calls `create` in batches of 1, 2, 4, … until
/// `count` calls are made, stopping after the first batch with an error.
fn slow_start_batch(
    count: i64,
    initial: i64,
    mut create: impl FnMut() -> Result<(), String>,
) -> Option<String> {
    let mut remaining = count;
    let mut batch = remaining.min(initial);
    while batch > 0 {
        let mut error = None;
        for _ in 0..batch {
            if let Err(e) = create() {
                error.get_or_insert(e);
            }
        }
        if error.is_some() {
            return error;
        }
        remaining -= batch;
        batch = (2 * batch).min(remaining);
    }
    None
}

/// `RealPodControl.CreatePods` for one pod, with its event.
fn create_pod(cluster: &mut Cluster, rs: &Value, pod: &Value) -> Result<(), String> {
    if pod.at(&["metadata", "labels"]).is_empty() {
        return Err("unable to create pods, no labels".into());
    }
    match cluster.create(pod.clone(), &WriteOptions::system()) {
        Ok(created) => {
            let name = created
                .str_at(&["metadata", "name"])
                .unwrap_or("")
                .to_string();
            record(
                cluster,
                rs,
                EventType::Normal,
                "SuccessfulCreate",
                &format!("Created pod: {name}"),
            );
            Ok(())
        }
        // A terminating namespace refuses new pods; that is not a failure.
        Err(e) if e.message.ends_with("because it is being terminated") => Ok(()),
        Err(e) => {
            record(
                cluster,
                rs,
                EventType::Warning,
                "FailedCreate",
                &format!("Error creating: {}", e.message),
            );
            Err(e.message)
        }
    }
}

fn record(cluster: &mut Cluster, rs: &Value, event_type: EventType, reason: &str, message: &str) {
    let component = match queue_of(rs) {
        Controller::ReplicationController => RC_COMPONENT,
        _ => COMPONENT,
    };
    cluster.record_event(rs, None, event_type, reason, message, (component, None));
}

/// What `ActivePodsWithRanks.Less` compares of a pod.
struct Candidate {
    name: Rc<str>,
    node: Rc<str>,
    phase: u8,
    ready: bool,
    ready_at: Option<Millis>,
    cost: i64,
    rank: i64,
    restarts: i64,
    created: Option<Millis>,
    uid: Rc<str>,
}

/// `getPodsToDelete`: the `count` active pods to delete, ranked the way
/// kube-controller-manager ranks them.
fn pods_to_delete(
    cluster: &Cluster,
    rs: &Value,
    ns: &Rc<str>,
    uid: &str,
    count: usize,
) -> Vec<Rc<str>> {
    let state = &cluster.controllers;
    let active: Vec<Rc<str>> = state
        .owned_names(uid)
        .into_iter()
        .filter(|n| {
            state
                .pods
                .get(&(ns.clone(), n.clone()))
                .is_some_and(|e| e.active())
        })
        .collect();
    if count >= active.len() {
        return active;
    }
    // Active pods of the ReplicaSets sharing this one's controller, per node
    // (counted in u32: a map type the bundle has already).
    let mut pods_on_node: FxMap<Rc<str>, u32> = fx_map();
    if let Some(owner) = controller_uid(rs) {
        let (related, _) = state.replica_sets_for(ns, owner);
        for rs_name in related {
            let Some(rs_uid) = cluster
                .store
                .get_named(res("ReplicaSet"), ns, &rs_name)
                .and_then(|r| r.str_at(&["metadata", "uid"]))
            else {
                continue;
            };
            for pod in state.owned_names(rs_uid) {
                if let Some(entry) = state.pods.get(&(ns.clone(), pod))
                    && entry.active()
                {
                    *pods_on_node.entry(entry.node.clone()).or_insert(0) += 1;
                }
            }
        }
    }
    let mut candidates: Vec<Candidate> = active
        .iter()
        .filter_map(|name| {
            let pod = cluster.store.get_named(res("Pod"), ns, name)?;
            let node: Rc<str> = Rc::from(pod.str_at(&["spec", "nodeName"]).unwrap_or(""));
            let (ready, ready_at) = pod_ready(pod);
            Some(Candidate {
                name: name.clone(),
                rank: i64::from(pods_on_node.get(&node).copied().unwrap_or(0)),
                node,
                phase: match pod.str_at(&["status", "phase"]) {
                    Some("Unknown") => 1,
                    Some("Running") => 2,
                    _ => 0,
                },
                ready,
                ready_at,
                cost: pod
                    .str_at(&["metadata", "annotations", POD_DELETION_COST])
                    .and_then(|c| c.parse::<i32>().ok())
                    .map_or(0, i64::from),
                restarts: super::max_container_restarts(pod),
                created: super::creation_time(pod),
                uid: Rc::from(pod.str_at(&["metadata", "uid"]).unwrap_or("")),
            })
        })
        .collect();
    let now = cluster.now;
    candidates.compact_sort_by(|a, b| {
        if less(a, b, now) {
            Ordering::Less
        } else if less(b, a, now) {
            Ordering::Greater
        } else {
            Ordering::Equal
        }
    });
    candidates.into_iter().take(count).map(|c| c.name).collect()
}

/// `ActivePodsWithRanks.Less`: whether `a` should be deleted before `b`.
fn less(a: &Candidate, b: &Candidate, now: Millis) -> bool {
    // 1. Unassigned < assigned.
    if a.node != b.node && (a.node.is_empty() || b.node.is_empty()) {
        return a.node.is_empty();
    }
    // 2. Pending < Unknown < Running.
    if a.phase != b.phase {
        return a.phase < b.phase;
    }
    // 3. Not ready < ready.
    if a.ready != b.ready {
        return !a.ready;
    }
    // 4. Lower pod-deletion-cost < higher.
    if a.cost != b.cost {
        return a.cost < b.cost;
    }
    // 5. Doubled up on a node < not doubled up.
    if a.rank != b.rank {
        return a.rank > b.rank;
    }
    // 6. Ready for less time < more time (on a logarithmic scale).
    if a.ready && b.ready && a.ready_at != b.ready_at {
        return match (a.ready_at, b.ready_at) {
            (Some(t1), Some(t2)) => newer_on_log_scale(t1, t2, &a.uid, &b.uid, now),
            (t1, _) => t1.is_none(),
        };
    }
    // 7. More container restarts < fewer.
    if a.restarts != b.restarts {
        return a.restarts > b.restarts;
    }
    // 8. Newer < older (on a logarithmic scale).
    if a.created != b.created {
        return match (a.created, b.created) {
            (Some(t1), Some(t2)) => newer_on_log_scale(t1, t2, &a.uid, &b.uid, now),
            (t1, _) => t1.is_none(),
        };
    }
    false
}

/// `logarithmicRankDiff` < 0, with the UID as tie-break in one bucket
/// (the LogarithmicScaleDown behaviour).
fn newer_on_log_scale(t1: Millis, t2: Millis, uid1: &str, uid2: &str, now: Millis) -> bool {
    let bucket = |t: Millis| -> i64 {
        if now > t {
            ((now - t) as f64 * 1e6).log2() as i64
        } else {
            -1
        }
    };
    let diff = bucket(t1) - bucket(t2);
    if diff == 0 {
        return uid1 < uid2;
    }
    diff < 0
}

/// `calculateStatus` + `updateReplicaSetStatus`. Returns the ReplicaSet
/// as stored afterwards.
fn update_status(
    cluster: &mut Cluster,
    key: &ObjectKey,
    rs: &Value,
    uid: &Rc<str>,
    manage_error: Option<&str>,
) -> Value {
    let template_labels = rs.at(&["spec", "template", "metadata", "labels"]).clone();
    cluster
        .controllers
        .set_template_labels(&key.namespace, uid, &template_labels);
    let min_ready = int_at(rs, &["spec", "minReadySeconds"], 0);
    let (active, fully_labeled, ready, available, terminating) =
        match cluster.controllers.owned(uid) {
            Some(o) => (
                o.active,
                o.fully_labeled,
                o.ready,
                o.available(min_ready, cluster.now),
                o.terminating,
            ),
            None => (0, 0, 0, 0, 0),
        };
    let mut status = match rs.get("status") {
        Value::Object(_) => rs.get("status").clone(),
        _ => Value::object(),
    };
    status.set("replicas", Value::Int(active));
    set_count(&mut status, "fullyLabeledReplicas", fully_labeled);
    set_count(&mut status, "readyReplicas", ready);
    set_count(&mut status, "availableReplicas", available);
    // ReplicationControllerStatus has no terminatingReplicas.
    if queue_of(rs) == Controller::ReplicaSet {
        status.set("terminatingReplicas", Value::Int(terminating));
    }
    let conditions: Vec<Value> = status.get("conditions").items().cloned().collect();
    let has_failure = conditions
        .iter()
        .any(|c| c.get("type").as_str() == Some("ReplicaFailure"));
    match manage_error {
        Some(message) if !has_failure => {
            let reason = match active.cmp(&spec_replicas(rs)) {
                Ordering::Less => "FailedCreate",
                Ordering::Greater => "FailedDelete",
                Ordering::Equal => "",
            };
            let mut next = conditions;
            next.push(Value::from_pairs([
                ("lastTransitionTime", Value::from(rfc3339(cluster.now))),
                ("message", Value::str(message)),
                ("reason", Value::str(reason)),
                ("status", Value::str("True")),
                ("type", Value::str("ReplicaFailure")),
            ]));
            status.set("conditions", Value::array(next));
        }
        None if has_failure => {
            let next: Vec<Value> = conditions
                .into_iter()
                .filter(|c| c.get("type").as_str() != Some("ReplicaFailure"))
                .collect();
            if next.is_empty() {
                status.remove("conditions");
            } else {
                status.set("conditions", Value::array(next));
            }
        }
        _ => {}
    }
    let generation = int_at(rs, &["metadata", "generation"], 0);
    set_count(&mut status, "observedGeneration", generation);
    if &status == rs.get("status") {
        return rs.clone();
    }
    cluster
        .update_status(key, status)
        .unwrap_or_else(|_| rs.clone())
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;
    use crate::apiserver::WriteOptions;

    const RS: &str = "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata:\n  name: web\nspec:\n  replicas: 3\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n      annotations: {team: blue}\n    spec:\n      containers:\n      - name: web\n        image: nginx\n";

    fn rs(cluster: &Cluster) -> Value {
        cluster
            .store
            .get_named(res("ReplicaSet"), "default", "web")
            .cloned()
            .expect("rs exists")
    }

    fn set_replicas(cluster: &mut Cluster, n: i64) {
        let mut obj = rs(cluster);
        obj.set_at(&["spec", "replicas"], Value::Int(n));
        cluster.update(obj, &WriteOptions::user()).unwrap();
        cluster.settle();
    }

    #[test]
    fn creates_pods_from_the_template_with_owner_references_and_events() {
        let mut c = hand_cluster(1);
        let created = create(&mut c, RS);
        let pods = pods(&c, "default");
        assert_eq!(pods.len(), 3);
        let uid = created.str_at(&["metadata", "uid"]).unwrap();
        for pod in &pods {
            let name = pod.str_at(&["metadata", "name"]).unwrap();
            assert!(name.starts_with("web-") && name.len() == 9, "{name}");
            assert_eq!(pod.str_at(&["metadata", "generateName"]), Some("web-"));
            assert_eq!(pod.str_at(&["metadata", "labels", "app"]), Some("web"));
            assert_eq!(
                pod.str_at(&["metadata", "annotations", "team"]),
                Some("blue")
            );
            assert_eq!(
                crate::yaml::to_json_compact(pod.at(&["metadata", "ownerReferences"])),
                format!(
                    r#"[{{"apiVersion":"apps/v1","blockOwnerDeletion":true,"controller":true,"kind":"ReplicaSet","name":"web","uid":"{uid}"}}]"#
                )
            );
        }
        let events = event_messages(&c, uid);
        let names = pod_names(&c, "default");
        let mut expected: Vec<String> = Vec::new();
        for e in &events {
            assert!(e.starts_with("SuccessfulCreate Created pod: web-"), "{e}");
        }
        for n in &names {
            expected.push(format!("SuccessfulCreate Created pod: {n}"));
        }
        let mut sorted = events.clone();
        sorted.sort();
        assert_eq!(sorted, expected);
        let status = rs(&c).get("status").clone();
        assert_eq!(
            crate::yaml::to_json_compact(&status),
            r#"{"fullyLabeledReplicas":3,"observedGeneration":1,"replicas":3,"terminatingReplicas":0}"#
        );
    }

    #[test]
    fn replication_controllers_run_through_the_same_code() {
        let mut c = hand_cluster(1);
        // An orphan the plain-map selector matches, and one it does not
        // (a map read as a LabelSelector without matchLabels would match
        // every pod).
        for (name, app) in [("stray", "web"), ("other", "db")] {
            create(
                &mut c,
                &format!(
                    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  labels: {{app: {app}}}\nspec:\n  containers:\n  - name: c\n    image: nginx\n"
                ),
            );
        }
        let rc = create(
            &mut c,
            "apiVersion: v1\nkind: ReplicationController\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: nginx\n",
        );
        c.settle();
        let uid = rc.str_at(&["metadata", "uid"]).unwrap();
        let owned: Vec<String> = pods(&c, "default")
            .iter()
            .filter(|p| controller_uid(p) == Some(uid))
            .map(|p| {
                let owner = controller_ref(p).unwrap();
                assert_eq!(owner.get("apiVersion").as_str(), Some("v1"));
                assert_eq!(owner.get("kind").as_str(), Some("ReplicationController"));
                p.str_at(&["metadata", "name"]).unwrap().to_string()
            })
            .collect();
        assert_eq!(owned.len(), 2, "{owned:?}");
        assert!(owned.contains(&"stray".to_string()), "{owned:?}");
        let other = c.store.get_named(res("Pod"), "default", "other").unwrap();
        assert!(controller_ref(other).is_none());
        let events: Vec<(String, String)> = c
            .events
            .for_object(uid)
            .map(|e| (e.component.to_string(), e.message.to_string()))
            .collect();
        assert_eq!(events.len(), 1, "{events:?}");
        assert_eq!(events[0].0, "replication-controller");
        assert!(events[0].1.starts_with("Created pod: web-"), "{events:?}");
        let stored = c
            .store
            .get_named(res("ReplicationController"), "default", "web")
            .unwrap();
        // ReplicationControllerStatus has no terminatingReplicas.
        assert_eq!(
            crate::yaml::to_json_compact(stored.get("status")),
            r#"{"fullyLabeledReplicas":2,"observedGeneration":1,"replicas":2}"#
        );
    }

    #[test]
    fn status_counts_ready_and_available_after_min_ready_seconds() {
        let mut c = hand_cluster(1);
        create(
            &mut c,
            &RS.replace("replicas: 3", "replicas: 2\n  minReadySeconds: 10"),
        );
        let names = pod_names(&c, "default");
        run_pod(&mut c, &names[0], "node-1", "10.244.1.5", true);
        run_pod(&mut c, &names[1], "node-2", "10.244.2.5", false);
        let status = rs(&c).get("status").clone();
        assert_eq!(status.get("readyReplicas"), &Value::Int(1));
        assert!(status.get("availableReplicas").is_null());
        c.step(9_999);
        assert!(rs(&c).at(&["status", "availableReplicas"]).is_null());
        c.step(1);
        assert_eq!(rs(&c).at(&["status", "availableReplicas"]), &Value::Int(1));
    }

    #[test]
    fn scale_up_and_down_deletes_in_kube_order() {
        let mut c = hand_cluster(3);
        create(&mut c, RS);
        let names = pod_names(&c, "default");
        // names[0]: running and ready on node-1; names[1]: running, not
        // ready; names[2]: unscheduled.
        run_pod(&mut c, &names[0], "node-1", "10.244.1.5", true);
        run_pod(&mut c, &names[1], "node-2", "10.244.2.5", false);
        set_replicas(&mut c, 2);
        let left = pod_names(&c, "default");
        assert_eq!(left, vec![names[0].clone(), names[1].clone()]);
        set_replicas(&mut c, 1);
        // The not-ready pod goes next; it terminates gracefully.
        let pod1 = c
            .store
            .get_named(res("Pod"), "default", &names[1])
            .cloned()
            .unwrap();
        assert!(is_deleting(&pod1));
        let status = rs(&c).get("status").clone();
        assert_eq!(status.get("replicas"), &Value::Int(1));
        assert_eq!(status.get("terminatingReplicas"), &Value::Int(1));
        let uid = rs(&c).str_at(&["metadata", "uid"]).unwrap().to_string();
        let events = event_messages(&c, &uid);
        assert_eq!(
            events[3..].to_vec(),
            vec![
                format!("SuccessfulDelete Deleted pod: {}", names[2]),
                format!("SuccessfulDelete Deleted pod: {}", names[1]),
            ]
        );
        finish_terminating(&mut c);
        set_replicas(&mut c, 4);
        assert_eq!(pods(&c, "default").len(), 4);
        assert_eq!(
            rs(&c).at(&["status", "terminatingReplicas"]),
            &Value::Int(0)
        );
    }

    fn deleting(c: &Cluster) -> Vec<String> {
        pods(c, "default")
            .iter()
            .filter(|p| is_deleting(p))
            .map(|p| p.str_at(&["metadata", "name"]).unwrap().to_string())
            .collect()
    }

    #[test]
    fn newer_ready_pods_go_first() {
        let mut c = hand_cluster(5);
        create(&mut c, &RS.replace("replicas: 3", "replicas: 4"));
        let names = pod_names(&c, "default");
        run_pod(&mut c, &names[0], "node-1", "10.244.1.5", true);
        c.step(100_000);
        run_pod(&mut c, &names[1], "node-2", "10.244.2.5", true);
        run_pod(&mut c, &names[2], "node-3", "10.244.3.5", true);
        c.step(1_000);
        run_pod(&mut c, &names[3], "node-3", "10.244.3.6", true);
        // A ReplicaSet without a controller has no related pods: no node
        // ranks. The pod ready most recently goes.
        set_replicas(&mut c, 3);
        assert_eq!(deleting(&c), vec![names[3].clone()]);
        // Ready ~1s and ~101s ago fall in different log2 buckets: the
        // pods ready for ~1s go before the one ready for ~101s.
        set_replicas(&mut c, 1);
        let gone = deleting(&c);
        assert_eq!(gone.len(), 3);
        assert!(!gone.contains(&names[0]), "{gone:?}");
    }

    #[test]
    fn doubled_up_pods_of_a_deployment_go_first() {
        let mut c = hand_cluster(5);
        create(
            &mut c,
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 4\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: nginx\n",
        );
        let names = pod_names(&c, "default");
        for (name, node, ip) in [
            (&names[0], "node-1", "10.244.1.5"),
            (&names[1], "node-3", "10.244.3.5"),
            (&names[2], "node-3", "10.244.3.6"),
            (&names[3], "node-2", "10.244.2.5"),
        ] {
            run_pod(&mut c, name, node, ip, true);
        }
        let mut d = c
            .store
            .get_named(res("Deployment"), "default", "web")
            .cloned()
            .unwrap();
        d.set_at(&["spec", "replicas"], Value::Int(3));
        c.update(d, &WriteOptions::user()).unwrap();
        c.step(0);
        // node-3 runs two of the Deployment's pods: one of them goes.
        assert_eq!(deleting(&c), vec![names[1].clone()]);
    }

    #[test]
    fn deletion_cost_and_restarts_rank_pods() {
        let a = Candidate {
            name: Rc::from("a"),
            node: Rc::from("n"),
            phase: 2,
            ready: true,
            ready_at: Some(0),
            cost: 0,
            rank: 1,
            restarts: 0,
            created: Some(0),
            uid: Rc::from("1"),
        };
        let mut b = Candidate {
            name: Rc::from("b"),
            cost: 5,
            uid: Rc::from("2"),
            ..a
        };
        let a = Candidate {
            name: Rc::from("a"),
            node: Rc::from("n"),
            phase: 2,
            ready: true,
            ready_at: Some(0),
            cost: 0,
            rank: 1,
            restarts: 0,
            created: Some(0),
            uid: Rc::from("1"),
        };
        assert!(less(&a, &b, 10_000));
        b.cost = 0;
        b.restarts = 3;
        assert!(less(&b, &a, 10_000));
        b.restarts = 0;
        // Same everything: the UID breaks the tie inside one log bucket.
        assert!(!less(&b, &a, 10_000));
        assert!(!less(&a, &a, 10_000));
    }

    #[test]
    fn adopts_matching_orphans_and_releases_relabelled_pods() {
        let mut c = hand_cluster(2);
        create(
            &mut c,
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: stray\n  labels: {app: web}\nspec:\n  containers:\n  - name: c\n    image: nginx\n",
        );
        let rs_obj = create(&mut c, RS);
        let uid = rs_obj.str_at(&["metadata", "uid"]).unwrap().to_string();
        let stray = c
            .store
            .get_named(res("Pod"), "default", "stray")
            .cloned()
            .unwrap();
        assert_eq!(super::super::controller_uid(&stray), Some(uid.as_str()));
        assert_eq!(pods(&c, "default").len(), 3);
        // Relabelling a pod out of the selector releases it and a
        // replacement is created.
        let mut stray = stray;
        stray.set_at(&["metadata", "labels", "app"], Value::str("other"));
        c.update(stray, &WriteOptions::user()).unwrap();
        c.settle();
        let stray = c
            .store
            .get_named(res("Pod"), "default", "stray")
            .cloned()
            .unwrap();
        assert!(stray.at(&["metadata", "ownerReferences"]).is_null());
        assert_eq!(pods(&c, "default").len(), 4);
        assert_eq!(rs(&c).at(&["status", "replicas"]), &Value::Int(3));
    }

    #[test]
    fn fully_labeled_counts_pods_with_every_template_label() {
        let mut c = hand_cluster(2);
        create(
            &mut c,
            &RS.replace(
                "labels: {app: web}\n      annotations",
                "labels: {app: web, tier: front}\n      annotations",
            ),
        );
        let mut pod = pods(&c, "default")[0].clone();
        pod.entry("metadata").entry("labels").remove("tier");
        c.update(pod, &WriteOptions::user()).unwrap();
        c.settle();
        let status = rs(&c).get("status").clone();
        assert_eq!(status.get("replicas"), &Value::Int(3));
        assert_eq!(status.get("fullyLabeledReplicas"), &Value::Int(2));
    }

    #[test]
    fn slow_start_stops_after_the_first_failing_batch() {
        let mut calls = 0;
        let err = slow_start_batch(10, 1, || {
            calls += 1;
            if calls == 2 {
                Err("boom".to_string())
            } else {
                Ok(())
            }
        });
        // Batches 1 then 2: the failure is in the second batch, which
        // still runs to its end.
        assert_eq!(err.as_deref(), Some("boom"));
        assert_eq!(calls, 3);
        let mut calls = 0;
        assert!(
            slow_start_batch(10, 1, || {
                calls += 1;
                Ok(())
            })
            .is_none()
        );
        assert_eq!(calls, 10);
    }

    #[test]
    fn same_seed_same_pod_names() {
        let names = |seed| {
            let mut c = hand_cluster(seed);
            create(&mut c, RS);
            pod_names(&c, "default")
        };
        assert_eq!(names(42), names(42));
        assert_ne!(names(42), names(43));
    }
}

#[cfg(test)]
mod perf {
    use super::super::testutil::*;
    use super::*;

    /// `cargo test --release -p kubeplay-engine --lib perf -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn many_pods_across_many_replica_sets() {
        let mut c = hand_cluster(1);
        let start = std::time::Instant::now();
        for i in 0..300 {
            create(
                &mut c,
                &format!(
                    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app{i}\nspec:\n  replicas: 500\n  selector:\n    matchLabels: {{app: app{i}}}\n  template:\n    metadata:\n      labels: {{app: app{i}}}\n    spec:\n      containers:\n      - name: c\n        image: nginx\n"
                ),
            );
        }
        let created = start.elapsed();
        let names = pod_names(&c, "default");
        assert_eq!(names.len(), 150_000);
        // The kubelet's part, in batches: every pod running and ready.
        let start = std::time::Instant::now();
        let now = crate::time::rfc3339(c.now);
        for (i, name) in names.iter().enumerate() {
            let key = ObjectKey::new(res("Pod"), "default", name);
            let mut status = c.store.get(&key).unwrap().get("status").clone();
            status.set("phase", Value::str("Running"));
            status.set(
                "podIP",
                Value::from(format!("10.{}.{}.{}", i / 65536, (i / 256) % 256, i % 256)),
            );
            status.set(
                "conditions",
                Value::array(vec![Value::from_pairs([
                    ("lastTransitionTime", Value::from(now.clone())),
                    ("status", Value::str("True")),
                    ("type", Value::str("Ready")),
                ])]),
            );
            c.update_status(&key, status).unwrap();
            if i % 1000 == 999 {
                c.settle();
            }
        }
        c.settle();
        let readied = start.elapsed();
        let start = std::time::Instant::now();
        c.step(1_000);
        let idle = start.elapsed();
        let d = c
            .store
            .get_named(res("Deployment"), "default", "app7")
            .unwrap();
        assert_eq!(d.at(&["status", "availableReplicas"]), &Value::Int(500));
        eprintln!("create {created:?}, ready {readied:?}, idle step {idle:?}");
    }
}
