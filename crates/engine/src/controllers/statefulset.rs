//! The StatefulSet controller (`pkg/controller/statefulset`): pods with
//! stable names `<set>-<ordinal>`, each with its own PersistentVolumeClaims
//! from the volumeClaimTemplates, created in ordinal order (OrderedReady:
//! one at a time, each waiting for its predecessors to be Running, Ready
//! and available) or all at once (Parallel); scale-down from the highest
//! ordinal; rolling updates in reverse ordinal order down to the
//! partition; ControllerRevisions; and the counts of its status.

use super::{
    forget_failures, int_at, is_deleting, new_controller_ref, pod_ready, requeue_after,
    requeue_rate_limited, set_count,
};
use super::{history, replicaset};
use crate::api::errors::StatusReason;
use crate::apiserver::{DeleteOptions, WriteOptions};
use crate::cluster::{Cluster, Controller, res};
use crate::events::EventType;
use crate::sort::CompactSort;
use crate::store::{ObjectKey, WatchEvent, WatchEventType};
use crate::time::{Millis, SECOND};
use crate::value::Value;

/// The event source.
const COMPONENT: &str = "statefulset-controller";
/// The most pods created in one sync (Parallel), as the ReplicaSet
/// controller's `BurstReplicas`.
const BURST_REPLICAS: i64 = 500;
/// The pod label naming the ControllerRevision the pod was made from.
const REVISION_LABEL: &str = "controller-revision-hash";
/// The ControllerRevision label carrying its hash (`history.ControllerRevisionHashLabel`).
const HASH_LABEL: &str = "controller.kubernetes.io/hash";
/// The pod label naming the pod (`apps.StatefulSetPodNameLabel`).
const POD_NAME_LABEL: &str = "statefulset.kubernetes.io/pod-name";
/// The pod label carrying its ordinal (`apps.PodIndexLabel`).
const POD_INDEX_LABEL: &str = "apps.kubernetes.io/pod-index";

/// Wakes the controller for StatefulSet changes; its pods wake it through
/// their owner references.
pub(crate) fn on_change(cluster: &mut Cluster, event: &WatchEvent) {
    if event.key.resource.get().kind == "StatefulSet" && event.kind != WatchEventType::Deleted {
        cluster.enqueue(Controller::StatefulSet, event.key.clone());
    }
}

/// The ordinal of a pod of the set named `set` (`getParentNameAndOrdinal`:
/// the name must be `<set>-<digits>`).
fn ordinal_of(set: &str, pod: &str) -> Option<i64> {
    let (parent, digits) = pod.rsplit_once('-')?;
    if parent != set || digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

fn phase(pod: &Value) -> &str {
    pod.str_at(&["status", "phase"]).unwrap_or("")
}

/// `isRunningAndReady`.
fn running_and_ready(pod: &Value) -> bool {
    phase(pod) == "Running" && pod_ready(pod).0
}

/// `isRunningAndAvailable`: ready for at least minReadySeconds.
fn running_and_available(pod: &Value, min_ready: i64, now: Millis) -> bool {
    if !running_and_ready(pod) {
        return false;
    }
    min_ready <= 0
        || pod_ready(pod)
            .1
            .is_some_and(|t| t + min_ready as Millis * SECOND <= now)
}

/// `isHealthy`: Running and Ready, not terminating.
fn healthy(pod: &Value) -> bool {
    running_and_ready(pod) && !is_deleting(pod)
}

fn revision_of(pod: &Value) -> &str {
    pod.str_at(&["metadata", "labels", REVISION_LABEL])
        .unwrap_or("")
}

/// The claims of the pod with `ordinal` (`getPersistentVolumeClaims`),
/// by template name in name order: the template's metadata and spec,
/// named `<template>-<set>-<ordinal>`, labelled with the selector too.
fn claims_for(set: &Value, ordinal: i64) -> Vec<(String, Value)> {
    let set_name = set.str_at(&["metadata", "name"]).unwrap_or("");
    let selector = set.at(&["spec", "selector", "matchLabels"]);
    let mut claims: Vec<(String, Value)> = set
        .at(&["spec", "volumeClaimTemplates"])
        .items()
        .map(|t| {
            let template = t.str_at(&["metadata", "name"]).unwrap_or("").to_string();
            let mut labels = t.at(&["metadata", "labels"]).clone();
            if labels.is_empty() {
                labels = selector.clone();
            } else {
                for (k, v) in selector.members() {
                    labels.set(k, v.clone());
                }
            }
            let mut meta = Value::from_pairs([
                (
                    "name",
                    Value::from(format!("{template}-{set_name}-{ordinal}")),
                ),
                ("namespace", set.at(&["metadata", "namespace"]).clone()),
            ]);
            if !labels.is_empty() {
                meta.set("labels", labels);
            }
            let annotations = t.at(&["metadata", "annotations"]);
            if !annotations.is_empty() {
                meta.set("annotations", annotations.clone());
            }
            let claim = Value::from_pairs([
                ("apiVersion", Value::str("v1")),
                ("kind", Value::str("PersistentVolumeClaim")),
                ("metadata", meta),
                ("spec", t.get("spec").clone()),
            ]);
            (template, claim)
        })
        .collect();
    claims.compact_sort_by(|a, b| a.0.cmp(&b.0));
    claims
}

/// `newStatefulSetPod`: the pod for `ordinal` from `template`, with its
/// identity (`initIdentity`) and storage (`updateStorage`).
fn new_pod(set: &Value, template: &Value, revision: &str, ordinal: i64) -> Value {
    let set_name = set.str_at(&["metadata", "name"]).unwrap_or("");
    let mut owner = set.clone();
    owner.set_at(&["spec", "template"], template.clone());
    let mut pod = super::pod_from_template(&owner, &format!("{set_name}-"));
    let name = format!("{set_name}-{ordinal}");
    pod.set_at(&["metadata", "name"], Value::from(name.clone()));
    let labels = pod.entry("metadata").entry("labels");
    labels.set(POD_NAME_LABEL, Value::from(name.clone()));
    labels.set(POD_INDEX_LABEL, Value::from(ordinal.to_string()));
    labels.set(REVISION_LABEL, Value::str(revision));
    pod.set_at(&["spec", "hostname"], Value::from(name));
    if let Some(service) = set
        .str_at(&["spec", "serviceName"])
        .filter(|s| !s.is_empty())
    {
        pod.set_at(&["spec", "subdomain"], Value::str(service));
    }
    let claims = claims_for(set, ordinal);
    if !claims.is_empty() {
        let mut volumes: Vec<Value> = claims
            .iter()
            .map(|(template, claim)| {
                Value::from_pairs([
                    ("name", Value::from(template.clone())),
                    (
                        "persistentVolumeClaim",
                        Value::from_pairs([("claimName", claim.at(&["metadata", "name"]).clone())]),
                    ),
                ])
            })
            .collect();
        for v in pod.at(&["spec", "volumes"]).items() {
            let name = v.get("name").as_str().unwrap_or("");
            if !claims.iter().any(|(t, _)| t == name) {
                volumes.push(v.clone());
            }
        }
        pod.set_at(&["spec", "volumes"], Value::array(volumes));
    }
    pod
}

/// `persistentVolumeClaimRetentionPolicy`: (whenScaled, whenDeleted) are Delete.
fn retention(set: &Value) -> (bool, bool) {
    let policy = set.at(&["spec", "persistentVolumeClaimRetentionPolicy"]);
    (
        policy.get("whenScaled").as_str() == Some("Delete"),
        policy.get("whenDeleted").as_str() == Some("Delete"),
    )
}

/// `updateClaimOwnerRefForSetAndPod`: the claim's owner references as the
/// retention policy wants them; whether they changed. A claim controlled
/// by someone else keeps its references (with a warning).
fn fix_claim_refs(
    cluster: &mut Cluster,
    set: &Value,
    pod: Option<&Value>,
    in_range: bool,
    claim: &mut Value,
) -> bool {
    let set_uid = set.at(&["metadata", "uid"]).clone();
    let pod_uid = pod.map(|p| p.at(&["metadata", "uid"]).clone());
    let refs: Vec<Value> = claim
        .at(&["metadata", "ownerReferences"])
        .items()
        .cloned()
        .collect();
    let ours = |r: &Value| r.get("uid") == &set_uid || Some(r.get("uid")) == pod_uid.as_ref();
    if refs
        .iter()
        .any(|r| r.get("controller").as_bool() == Some(true) && !ours(r))
    {
        let message = format!(
            "PersistentVolumeClaim {} has a conflicting OwnerReference that acts as a manging controller, the retention policy is ignored for this claim",
            claim.str_at(&["metadata", "name"]).unwrap_or("")
        );
        record(
            cluster,
            set,
            EventType::Warning,
            "ConflictingController",
            &message,
        );
        return false;
    }
    let (when_scaled, when_deleted) = retention(set);
    let mut wanted: Vec<Value> = refs.iter().filter(|r| !ours(r)).cloned().collect();
    match (when_scaled && !in_range, when_deleted) {
        (true, _) => {
            if let Some(pod) = pod {
                wanted.push(new_controller_ref(pod));
            }
        }
        (false, true) => wanted.push(new_controller_ref(set)),
        (false, false) => {}
    }
    if wanted == refs {
        return false;
    }
    if wanted.is_empty() {
        claim.entry("metadata").remove("ownerReferences");
    } else {
        claim.set_at(&["metadata", "ownerReferences"], Value::array(wanted));
    }
    true
}

/// Brings the owner references of a pod's existing claims in line with
/// the retention policy (`UpdatePodClaimForRetentionPolicy`).
fn fix_pod_claims(cluster: &mut Cluster, set: &Value, pod: &Value, ordinal: i64, in_range: bool) {
    let ns = set
        .str_at(&["metadata", "namespace"])
        .unwrap_or("")
        .to_string();
    for (_, claim) in claims_for(set, ordinal) {
        let name = claim.str_at(&["metadata", "name"]).unwrap_or("");
        let Some(mut existing) = cluster
            .store
            .get_named(res("PersistentVolumeClaim"), &ns, name)
            .cloned()
        else {
            continue;
        };
        if !is_deleting(&existing)
            && fix_claim_refs(cluster, set, Some(pod), in_range, &mut existing)
        {
            let _ = cluster.update(existing, &WriteOptions::system());
        }
    }
}

/// `createPersistentVolumeClaims`: creates the pod's missing claims
/// (`createMissingPersistentVolumeClaims` for a Pending pod is the same).
fn create_claims(
    cluster: &mut Cluster,
    set: &Value,
    pod_name: &str,
    ordinal: i64,
) -> Result<(), String> {
    let ns = set
        .str_at(&["metadata", "namespace"])
        .unwrap_or("")
        .to_string();
    let mut errors: Vec<String> = Vec::new();
    for (_, mut claim) in claims_for(set, ordinal) {
        let name = claim
            .str_at(&["metadata", "name"])
            .unwrap_or("")
            .to_string();
        match cluster
            .store
            .get_named(res("PersistentVolumeClaim"), &ns, &name)
        {
            Some(existing) if is_deleting(existing) => {
                errors.push(format!("pvc {name} is being deleted"));
            }
            Some(_) => {}
            None => {
                fix_claim_refs(cluster, set, None, true, &mut claim);
                match cluster.create(claim, &WriteOptions::system()) {
                    Ok(_) => {
                        let message = format!(
                            "create Claim {name} Pod {pod_name} in StatefulSet {} success",
                            set_name(set)
                        );
                        record(
                            cluster,
                            set,
                            EventType::Normal,
                            "SuccessfulCreate",
                            &message,
                        );
                    }
                    Err(e) => {
                        errors.push(format!("failed to create PVC {name}: {}", e.message));
                        if e.reason != StatusReason::AlreadyExists {
                            let message = format!(
                                "create Claim {name} for Pod {pod_name} in StatefulSet {} failed error: {}",
                                set_name(set),
                                e.message
                            );
                            record(cluster, set, EventType::Warning, "FailedCreate", &message);
                        }
                    }
                }
            }
        }
    }
    // `errorutils.NewAggregate`: one error as itself, more in brackets.
    match errors.len() {
        0 => Ok(()),
        1 => Err(errors.remove(0)),
        _ => Err(format!("[{}]", errors.join(", "))),
    }
}

/// `CreateStatefulPod`: the claims first, then the pod. Returns the pod
/// as created.
fn create_pod(cluster: &mut Cluster, set: &Value, pod: Value, ordinal: i64) -> Result<Value, ()> {
    let pod_name = pod.str_at(&["metadata", "name"]).unwrap_or("").to_string();
    if let Err(e) = create_claims(cluster, set, &pod_name, ordinal) {
        pod_event(cluster, set, "create", &pod_name, Some(&e));
        return Err(());
    }
    match cluster.create(pod, &WriteOptions::system()) {
        Ok(created) => {
            pod_event(cluster, set, "create", &pod_name, None);
            Ok(created)
        }
        Err(e) if e.reason == StatusReason::AlreadyExists => Err(()),
        Err(e) => {
            pod_event(cluster, set, "create", &pod_name, Some(&e.message));
            Err(())
        }
    }
}

/// `DeleteStatefulPod`.
fn delete_pod(cluster: &mut Cluster, set: &Value, pod: &Value) -> bool {
    let name = pod.str_at(&["metadata", "name"]).unwrap_or("").to_string();
    let key = ObjectKey::new(
        res("Pod"),
        set.str_at(&["metadata", "namespace"]).unwrap_or(""),
        &name,
    );
    match cluster.delete(&key, DeleteOptions::default()) {
        Ok(_) => {
            pod_event(cluster, set, "delete", &name, None);
            true
        }
        Err(e) if e.reason == StatusReason::NotFound => true,
        Err(e) => {
            pod_event(cluster, set, "delete", &name, Some(&e.message));
            false
        }
    }
}

/// The counts of `updateStatus` over every pod of the set.
fn count_status(
    pods: &[&Value],
    min_ready: i64,
    now: Millis,
    current: &str,
    update: &str,
) -> [i64; 5] {
    let (mut replicas, mut ready, mut available, mut current_n, mut updated) = (0, 0, 0, 0, 0);
    for pod in pods {
        let created = !phase(pod).is_empty();
        if created {
            replicas += 1;
        }
        if running_and_ready(pod) {
            ready += 1;
            if running_and_available(pod, min_ready, now) {
                available += 1;
            }
        }
        if created && !is_deleting(pod) {
            let revision = revision_of(pod);
            if revision == current {
                current_n += 1;
            }
            if revision == update {
                updated += 1;
            }
        }
    }
    [replicas, ready, available, current_n, updated]
}

/// `updateStatefulSet` and `updateStatefulSetStatus`: one sync.
pub(crate) fn reconcile(cluster: &mut Cluster, key: &ObjectKey) {
    let Some(set) = cluster.store.get(key).cloned() else {
        return;
    };
    let ns = key.namespace.to_string();
    let name = set_name(&set).to_string();
    let uid = set.str_at(&["metadata", "uid"]).unwrap_or("").to_string();
    let spec = set.get("spec");
    // Revisions: the update revision is the template now; the current one
    // the revision status names, while it exists.
    let collision = int_at(&set, &["status", "collisionCount"], 0);
    let template = spec.get("template");
    if !is_deleting(&set) && !spec.get("selector").is_empty() {
        history::adopt_orphan_revisions(cluster, &set, spec.get("selector"));
    }
    let hash = history::hash_revision_data(&history::template_patch(template), collision);
    let Some(update_rev) = history::ensure_revision(cluster, &set, &hash, HASH_LABEL) else {
        requeue_rate_limited(cluster, Controller::StatefulSet, key);
        return;
    };
    let update_name = update_rev
        .str_at(&["metadata", "name"])
        .unwrap_or("")
        .to_string();
    let revisions = history::owned_revisions(cluster, &ns, &uid);
    let current_rev = set
        .str_at(&["status", "currentRevision"])
        .and_then(|c| {
            revisions
                .iter()
                .find(|cr| cr.str_at(&["metadata", "name"]) == Some(c))
        })
        .unwrap_or(&update_rev)
        .clone();
    let current_name = current_rev
        .str_at(&["metadata", "name"])
        .unwrap_or("")
        .to_string();
    let current_template = history::revision_template(&current_rev);

    let now = cluster.now;
    let min_ready = int_at(spec, &["minReadySeconds"], 0);
    let start = int_at(spec, &["ordinals", "start"], 0);
    let count = int_at(spec, &["replicas"], 1).max(0);
    let monotonic = spec.str_at(&["podManagementPolicy"]) != Some("Parallel");
    let rolling = spec.str_at(&["updateStrategy", "type"]) != Some("OnDelete");
    let rolling_update = spec.at(&["updateStrategy", "rollingUpdate"]);
    let partition = rolling_update.get("partition").as_i64();

    // `getPodsForStatefulSet`: adopt orphans the selector matches and that
    // are named like its pods; release pods that no longer qualify.
    let mut failed = false;
    let selector = spec.get("selector");
    if !selector.is_empty() {
        let uid_rc: std::rc::Rc<str> = std::rc::Rc::from(uid.as_str());
        let member = |pod: &str| ordinal_of(&name, pod).is_some();
        let claim =
            replicaset::claim_pods(cluster, &set, &key.namespace, &uid_rc, selector, &member);
        failed = claim == replicaset::Claim::Failed;
    }
    // Pods in the ordinal range, and the condemned ones beyond it.
    // By index from the first ordinal; sparse, as `replicas` may be huge.
    let mut replicas: std::collections::BTreeMap<i64, Value> = std::collections::BTreeMap::new();
    let mut condemned: Vec<(i64, Value)> = Vec::new();
    for pod_name in cluster.controllers.owned_names(&uid) {
        let Some(ordinal) = ordinal_of(&name, &pod_name) else {
            continue;
        };
        let Some(pod) = cluster.store.get_named(res("Pod"), &ns, &pod_name).cloned() else {
            continue;
        };
        if (start..start + count).contains(&ordinal) {
            replicas.insert(ordinal - start, pod);
        } else {
            condemned.push((ordinal, pod));
        }
    }
    condemned.compact_sort_by_key(|c| std::cmp::Reverse(c.0));
    let existing: Vec<&Value> = replicas
        .values()
        .chain(condemned.iter().map(|(_, p)| p))
        .collect();
    let [n_replicas, ready, available, mut current_n, updated] =
        count_status(&existing, min_ready, now, &current_name, &update_name);
    let pod_revisions: Vec<String> = existing
        .iter()
        .map(|p| revision_of(p).to_string())
        .collect();
    // `newVersionedStatefulSetPod`: below the partition (or, without a
    // rollingUpdate, the current replicas) a missing pod is made at the
    // current revision.
    let at_current = |ordinal: i64| {
        if rolling_update.is_null() {
            rolling && ordinal < start + int_at(&set, &["status", "currentReplicas"], 0)
        } else {
            ordinal < start + partition.unwrap_or(0)
        }
    };
    // The first unhealthy pod: missing or unhealthy replicas first, then
    // condemned ones from the lowest ordinal.
    let first_unhealthy_condemned: Option<i64> =
        if (replicas.len() as i64) < count || replicas.values().any(|p| !healthy(p)) {
            None
        } else {
            condemned
                .iter()
                .rev()
                .find(|(_, p)| !healthy(p))
                .map(|(o, _)| *o)
        };

    let mut blocked = false;
    if !is_deleting(&set) {
        // Each replica, in ordinal order (`processReplica`).
        // At most BURST_REPLICAS creations a sync; the new pods' events
        // bring the next.
        let mut created = 0;
        for i in 0..count {
            let ordinal = start + i;
            if created == BURST_REPLICAS {
                blocked = true;
                break;
            }
            match replicas.get(&i).cloned() {
                Some(pod) if matches!(phase(&pod), "Failed" | "Succeeded") => {
                    // Deleted now, recreated once it is gone.
                    if !is_deleting(&pod) && !delete_pod(cluster, &set, &pod) {
                        failed = true;
                    }
                    blocked = true;
                    break;
                }
                None => {
                    let pod = if at_current(ordinal) {
                        new_pod(&set, &current_template, &current_name, ordinal)
                    } else {
                        new_pod(&set, template, &update_name, ordinal)
                    };
                    match create_pod(cluster, &set, pod, ordinal) {
                        Ok(pod) => {
                            created += 1;
                            replicas.insert(i, pod);
                        }
                        Err(()) => {
                            failed = true;
                            blocked = true;
                            break;
                        }
                    }
                    if monotonic {
                        blocked = true;
                        break;
                    }
                }
                Some(pod) => {
                    if phase(&pod) == "Pending" {
                        let pod_name = pod.str_at(&["metadata", "name"]).unwrap_or("");
                        if let Err(e) = create_claims(cluster, &set, pod_name, ordinal) {
                            pod_event(cluster, &set, "create", pod_name, Some(&e));
                            failed = true;
                            blocked = true;
                            break;
                        }
                    }
                    if monotonic
                        && (is_deleting(&pod) || !running_and_available(&pod, min_ready, now))
                    {
                        blocked = true;
                        break;
                    }
                    fix_pod_claims(cluster, &set, &pod, ordinal, true);
                }
            }
        }
        if !blocked {
            for (ordinal, pod) in &condemned {
                fix_pod_claims(cluster, &set, pod, *ordinal, false);
            }
            // Scale down from the highest ordinal (`processCondemned`).
            for (ordinal, pod) in &condemned {
                if is_deleting(pod) {
                    if monotonic {
                        blocked = true;
                        break;
                    }
                    continue;
                }
                if monotonic
                    && !running_and_available(pod, min_ready, now)
                    && first_unhealthy_condemned != Some(*ordinal)
                {
                    blocked = true;
                    break;
                }
                if !delete_pod(cluster, &set, pod) {
                    failed = true;
                }
                if monotonic {
                    blocked = true;
                    break;
                }
            }
        }
        // RollingUpdate: replace the highest-ordinal pod not at the update
        // revision, down to the partition, one at a time.
        if !blocked && rolling {
            let update_min = partition.unwrap_or(0).max(0);
            for target in (update_min..count).rev() {
                let Some(pod) = replicas.get(&target) else {
                    break;
                };
                if revision_of(pod) != update_name && !is_deleting(pod) {
                    if delete_pod(cluster, &set, pod) {
                        current_n -= 1;
                    } else {
                        failed = true;
                    }
                    break;
                }
                if !healthy(pod) || !running_and_available(pod, min_ready, now) {
                    break;
                }
            }
        }
    }

    // History beyond the limit goes, except revisions still in use.
    let mut live: Vec<&str> = vec![current_name.as_str(), update_name.as_str()];
    live.extend(pod_revisions.iter().map(String::as_str));
    history::truncate_history(
        cluster,
        &set,
        int_at(spec, &["revisionHistoryLimit"], 10),
        &live,
    );

    // Status (`completeRollingUpdate`, written only when it changed).
    let (mut status_current, mut status_current_revision) = (current_n, current_name.clone());
    if rolling && updated == n_replicas && ready == n_replicas && n_replicas == count {
        status_current = updated;
        status_current_revision = update_name.clone();
    }
    let mut status = set.get("status").clone();
    if status.is_null() {
        status = Value::object();
    }
    set_count(
        &mut status,
        "observedGeneration",
        int_at(&set, &["metadata", "generation"], 0),
    );
    status.set("replicas", Value::Int(n_replicas));
    set_count(&mut status, "readyReplicas", ready);
    set_count(&mut status, "currentReplicas", status_current);
    set_count(&mut status, "updatedReplicas", updated);
    status.set("availableReplicas", Value::Int(available));
    status.set("currentRevision", Value::from(status_current_revision));
    status.set("updateRevision", Value::from(update_name));
    status.set("collisionCount", Value::Int(collision));
    if set.get("status") != &status {
        let _ = cluster.update_status(key, status);
    }
    if failed {
        requeue_rate_limited(cluster, Controller::StatefulSet, key);
        return;
    }
    forget_failures(cluster, Controller::StatefulSet, key);
    // Pods ready but not yet available are looked at again once they are.
    if min_ready > 0 && ready != available {
        requeue_after(
            cluster,
            Controller::StatefulSet,
            key,
            min_ready as Millis * SECOND,
        );
    }
}

fn set_name(set: &Value) -> &str {
    set.str_at(&["metadata", "name"]).unwrap_or("")
}

/// `recordPodEvent`: `Successful<Verb>` / `Failed<Verb>`.
fn pod_event(cluster: &mut Cluster, set: &Value, verb: &str, pod: &str, error: Option<&str>) {
    let title: String = verb[..1].to_ascii_uppercase() + &verb[1..];
    let set_name = set_name(set);
    match error {
        None => {
            let message = format!("{verb} Pod {pod} in StatefulSet {set_name} successful");
            record(
                cluster,
                set,
                EventType::Normal,
                &format!("Successful{title}"),
                &message,
            );
        }
        Some(e) => {
            let message = format!("{verb} Pod {pod} in StatefulSet {set_name} failed error: {e}");
            record(
                cluster,
                set,
                EventType::Warning,
                &format!("Failed{title}"),
                &message,
            );
        }
    }
}

fn record(cluster: &mut Cluster, set: &Value, event_type: EventType, reason: &str, message: &str) {
    cluster.record_event(set, None, event_type, reason, message, (COMPONENT, None));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controllers::testutil::{
        create, event_messages, finish_terminating, hand_cluster, pod_names, run_pod, yaml,
    };

    const WEB: &str = "apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: nginx
  replicas: 3
  selector: {matchLabels: {app: nginx}}
  template:
    metadata: {labels: {app: nginx}}
    spec:
      containers:
      - name: nginx
        image: nginx:1.25
        volumeMounts: [{name: www, mountPath: /usr/share/nginx/html}]
  volumeClaimTemplates:
  - metadata: {name: www}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
";

    fn set(c: &Cluster) -> Value {
        c.store
            .get_named(res("StatefulSet"), "default", "web")
            .unwrap()
            .clone()
    }

    fn uid(c: &Cluster) -> String {
        set(c).str_at(&["metadata", "uid"]).unwrap().to_string()
    }

    /// Plays the kubelet for every pod of the set not yet Running and Ready.
    fn ready_pods(c: &mut Cluster) {
        for (i, name) in pod_names(c, "default").iter().enumerate() {
            let pod = c.store.get_named(res("Pod"), "default", name).unwrap();
            if !is_deleting(pod) && !running_and_ready(pod) {
                run_pod(c, name, "node-1", &format!("10.244.1.{}", 10 + i), true);
            }
        }
    }

    fn status(c: &Cluster) -> [i64; 5] {
        let s = set(c);
        [
            "replicas",
            "readyReplicas",
            "currentReplicas",
            "updatedReplicas",
            "availableReplicas",
        ]
        .map(|f| int_at(&s, &["status", f], 0))
    }

    fn scale(c: &mut Cluster, n: i64) {
        let mut s = set(c);
        s.set_at(&["spec", "replicas"], Value::Int(n));
        c.update(s, &WriteOptions::user()).unwrap();
        c.step(0);
    }

    fn set_image(c: &mut Cluster, image: &str) {
        let mut s = set(c);
        let containers = yaml(&format!(
            "[{{name: nginx, image: '{image}', volumeMounts: [{{name: www, mountPath: /usr/share/nginx/html}}]}}]"
        ));
        s.set_at(&["spec", "template", "spec", "containers"], containers);
        c.update(s, &WriteOptions::user()).unwrap();
        c.step(0);
    }

    fn image_of(c: &Cluster, pod: &str) -> String {
        c.store
            .get_named(res("Pod"), "default", pod)
            .unwrap()
            .at(&["spec", "containers"])
            .items()
            .next()
            .and_then(|c| c.get("image").as_str())
            .unwrap()
            .to_string()
    }

    #[test]
    fn a_huge_replica_count_creates_pods_without_allocating_for_all() {
        let mut c = hand_cluster(1);
        create(&mut c, &WEB.replace("replicas: 3", "replicas: 2000000000"));
        assert_eq!(pod_names(&c, "default"), ["web-0"]);
        assert_eq!(set(&c).at(&["status", "replicas"]).as_i64(), Some(1));
    }

    #[test]
    fn ordered_ready_creates_one_pod_at_a_time_with_identity_and_claims() {
        let mut c = hand_cluster(1);
        create(&mut c, WEB);
        assert_eq!(pod_names(&c, "default"), ["web-0"]);
        // web-1 waits for web-0 to be Running and Ready.
        c.step(5 * SECOND);
        assert_eq!(pod_names(&c, "default"), ["web-0"]);
        run_pod(&mut c, "web-0", "node-1", "10.244.1.10", false);
        assert_eq!(pod_names(&c, "default"), ["web-0"]);
        run_pod(&mut c, "web-0", "node-1", "10.244.1.10", true);
        assert_eq!(pod_names(&c, "default"), ["web-0", "web-1"]);
        ready_pods(&mut c);
        ready_pods(&mut c);
        assert_eq!(pod_names(&c, "default"), ["web-0", "web-1", "web-2"]);

        let pod = c.store.get_named(res("Pod"), "default", "web-1").unwrap();
        let hash = set(&c)
            .str_at(&["status", "updateRevision"])
            .unwrap()
            .to_string();
        assert!(hash.starts_with("web-"));
        assert_eq!(pod.str_at(&["metadata", "generateName"]), Some("web-"));
        assert_eq!(pod.str_at(&["spec", "hostname"]), Some("web-1"));
        assert_eq!(pod.str_at(&["spec", "subdomain"]), Some("nginx"));
        let labels = pod.at(&["metadata", "labels"]);
        assert_eq!(labels.get("app").as_str(), Some("nginx"));
        assert_eq!(labels.get(POD_NAME_LABEL).as_str(), Some("web-1"));
        assert_eq!(labels.get(POD_INDEX_LABEL).as_str(), Some("1"));
        assert_eq!(labels.get(REVISION_LABEL).as_str(), Some(hash.as_str()));
        let owner = super::super::controller_ref(pod).unwrap();
        assert_eq!(owner.get("kind").as_str(), Some("StatefulSet"));
        assert_eq!(
            pod.at(&["spec", "volumes"]).items().next().unwrap(),
            &yaml("{name: www, persistentVolumeClaim: {claimName: www-web-1}}")
        );
        // The claims: template spec, selector labels, no owner (Retain).
        let pvc = c
            .store
            .get_named(res("PersistentVolumeClaim"), "default", "www-web-1")
            .unwrap();
        assert_eq!(pvc.str_at(&["metadata", "labels", "app"]), Some("nginx"));
        assert_eq!(
            pvc.str_at(&["spec", "resources", "requests", "storage"]),
            Some("1Gi")
        );
        assert!(pvc.at(&["metadata", "ownerReferences"]).is_null());
        assert_eq!(
            event_messages(&c, &uid(&c)),
            [
                "SuccessfulCreate create Claim www-web-0 Pod web-0 in StatefulSet web success",
                "SuccessfulCreate create Pod web-0 in StatefulSet web successful",
                "SuccessfulCreate create Claim www-web-1 Pod web-1 in StatefulSet web success",
                "SuccessfulCreate create Pod web-1 in StatefulSet web successful",
                "SuccessfulCreate create Claim www-web-2 Pod web-2 in StatefulSet web success",
                "SuccessfulCreate create Pod web-2 in StatefulSet web successful",
            ]
        );
        c.step(0);
        assert_eq!(status(&c), [3, 3, 3, 3, 3]);
        let s = set(&c);
        assert_eq!(
            s.str_at(&["status", "currentRevision"]),
            Some(hash.as_str())
        );
        assert_eq!(s.at(&["status", "collisionCount"]).as_i64(), Some(0));
        assert_eq!(s.at(&["status", "observedGeneration"]).as_i64(), Some(1));
        let cr = c
            .store
            .get_named(res("ControllerRevision"), "default", &hash)
            .unwrap();
        assert_eq!(cr.get("revision").as_i64(), Some(1));
        assert_eq!(
            cr.str_at(&["metadata", "labels", HASH_LABEL]),
            hash.strip_prefix("web-")
        );
    }

    #[test]
    fn scale_down_goes_from_the_highest_ordinal_one_at_a_time_keeping_claims() {
        let mut c = hand_cluster(2);
        create(&mut c, WEB);
        for _ in 0..3 {
            ready_pods(&mut c);
        }
        scale(&mut c, 1);
        let terminating = |c: &Cluster| -> Vec<String> {
            pod_names(c, "default")
                .into_iter()
                .filter(|n| is_deleting(c.store.get_named(res("Pod"), "default", n).unwrap()))
                .collect()
        };
        assert_eq!(terminating(&c), ["web-2"]);
        finish_terminating(&mut c);
        assert_eq!(terminating(&c), ["web-1"]);
        finish_terminating(&mut c);
        assert_eq!(pod_names(&c, "default"), ["web-0"]);
        let events = event_messages(&c, &uid(&c));
        assert_eq!(
            events[events.len() - 2..],
            [
                "SuccessfulDelete delete Pod web-2 in StatefulSet web successful",
                "SuccessfulDelete delete Pod web-1 in StatefulSet web successful",
            ]
        );
        assert_eq!(status(&c), [1, 1, 1, 1, 1]);
        // Claims stay and are reused: no new Claim event on scale-up.
        assert!(
            c.store
                .get_named(res("PersistentVolumeClaim"), "default", "www-web-2")
                .is_some()
        );
        let before = event_messages(&c, &uid(&c)).len();
        scale(&mut c, 2);
        assert_eq!(pod_names(&c, "default"), ["web-0", "web-1"]);
        // (The repeated "create Pod web-1" is counted on its first event.)
        assert_eq!(event_messages(&c, &uid(&c)).len(), before);
    }

    #[test]
    fn rolling_update_replaces_in_reverse_order_down_to_the_partition() {
        let mut c = hand_cluster(3);
        create(&mut c, WEB);
        for _ in 0..3 {
            ready_pods(&mut c);
        }
        let old = set(&c)
            .str_at(&["status", "currentRevision"])
            .unwrap()
            .to_string();
        let mut s = set(&c);
        s.set_at(
            &["spec", "updateStrategy", "rollingUpdate", "partition"],
            Value::Int(1),
        );
        c.update(s, &WriteOptions::user()).unwrap();
        set_image(&mut c, "nginx:1.26");
        let mut order = Vec::new();
        for _ in 0..6 {
            for name in pod_names(&c, "default") {
                let pod = c.store.get_named(res("Pod"), "default", &name).unwrap();
                if is_deleting(pod) && !order.contains(&name) {
                    order.push(name);
                }
            }
            finish_terminating(&mut c);
            ready_pods(&mut c);
        }
        assert_eq!(order, ["web-2", "web-1"]);
        assert_eq!(image_of(&c, "web-0"), "nginx:1.25");
        assert_eq!(image_of(&c, "web-1"), "nginx:1.26");
        assert_eq!(image_of(&c, "web-2"), "nginx:1.26");
        let s = set(&c);
        let new = s.str_at(&["status", "updateRevision"]).unwrap();
        assert_ne!(new, old);
        // Not complete below the partition: web-0 is still current.
        assert_eq!(s.str_at(&["status", "currentRevision"]), Some(old.as_str()));
        assert_eq!(status(&c), [3, 3, 1, 2, 3]);
        // Partition 0: web-0 goes too, and the update completes.
        let mut s = set(&c);
        s.set_at(
            &["spec", "updateStrategy", "rollingUpdate", "partition"],
            Value::Int(0),
        );
        c.update(s, &WriteOptions::user()).unwrap();
        c.step(0);
        finish_terminating(&mut c);
        ready_pods(&mut c);
        assert_eq!(image_of(&c, "web-0"), "nginx:1.26");
        let s = set(&c);
        assert_eq!(status(&c), [3, 3, 3, 3, 3]);
        assert_eq!(
            s.str_at(&["status", "currentRevision"]),
            s.str_at(&["status", "updateRevision"])
        );
        let revisions: Vec<i64> = history::owned_revisions(&c, "default", &uid(&c))
            .iter()
            .map(|cr| cr.get("revision").as_i64().unwrap())
            .collect();
        assert_eq!(revisions, [1, 2]);
        // Rolling back to the first template renumbers its revision.
        set_image(&mut c, "nginx:1.25");
        let names: Vec<(String, i64)> = history::owned_revisions(&c, "default", &uid(&c))
            .iter()
            .map(|cr| {
                (
                    cr.str_at(&["metadata", "name"]).unwrap().to_string(),
                    cr.get("revision").as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(names.len(), 2);
        assert_eq!(names[1], (old, 3));
    }

    #[test]
    fn on_delete_waits_for_the_user_to_delete_pods() {
        let mut c = hand_cluster(4);
        create(
            &mut c,
            &WEB.replace(
                "  replicas: 3\n",
                "  replicas: 2\n  updateStrategy: {type: OnDelete}\n",
            ),
        );
        for _ in 0..2 {
            ready_pods(&mut c);
        }
        set_image(&mut c, "nginx:1.26");
        c.step(10 * SECOND);
        assert!(
            pod_names(&c, "default")
                .iter()
                .all(|p| !is_deleting(c.store.get_named(res("Pod"), "default", p).unwrap()))
        );
        assert_eq!(image_of(&c, "web-1"), "nginx:1.25");
        assert_eq!(status(&c), [2, 2, 2, 0, 2]);
        c.delete(
            &ObjectKey::new(res("Pod"), "default", "web-1"),
            DeleteOptions::default(),
        )
        .unwrap();
        c.step(0);
        finish_terminating(&mut c);
        assert_eq!(image_of(&c, "web-1"), "nginx:1.26");
        ready_pods(&mut c);
        assert_eq!(status(&c), [2, 2, 1, 1, 2]);
    }

    #[test]
    fn parallel_creates_and_deletes_all_at_once() {
        let mut c = hand_cluster(5);
        create(
            &mut c,
            &WEB.replace(
                "  replicas: 3\n",
                "  replicas: 3\n  podManagementPolicy: Parallel\n",
            ),
        );
        assert_eq!(pod_names(&c, "default"), ["web-0", "web-1", "web-2"]);
        scale(&mut c, 0);
        let all_terminating = pod_names(&c, "default")
            .iter()
            .all(|p| is_deleting(c.store.get_named(res("Pod"), "default", p).unwrap()));
        assert!(all_terminating);
    }

    #[test]
    fn min_ready_seconds_holds_the_next_pod_and_failed_pods_are_replaced() {
        let mut c = hand_cluster(6);
        create(
            &mut c,
            &WEB.replace("  replicas: 3\n", "  replicas: 2\n  minReadySeconds: 10\n"),
        );
        run_pod(&mut c, "web-0", "node-1", "10.244.1.10", true);
        assert_eq!(pod_names(&c, "default"), ["web-0"]);
        assert_eq!(status(&c), [1, 1, 1, 1, 0]);
        c.step(9 * SECOND);
        assert_eq!(pod_names(&c, "default"), ["web-0"]);
        c.step(SECOND);
        assert_eq!(pod_names(&c, "default"), ["web-0", "web-1"]);
        assert_eq!(status(&c)[4], 1);
        // A Failed pod is deleted (at once, being terminal) and made again.
        let key = ObjectKey::new(res("Pod"), "default", "web-1");
        let old_uid = c.store.get(&key).unwrap().at(&["metadata", "uid"]).clone();
        let mut st = c.store.get(&key).unwrap().get("status").clone();
        st.set("phase", Value::str("Failed"));
        c.update_status(&key, st).unwrap();
        c.step(0);
        finish_terminating(&mut c);
        let pod = c.store.get(&key).unwrap();
        assert_ne!(pod.at(&["metadata", "uid"]), &old_uid);
        assert_eq!(phase(pod), "Pending");
        assert_eq!(
            event_messages(&c, &uid(&c)).last().unwrap(),
            "SuccessfulDelete delete Pod web-1 in StatefulSet web successful"
        );
    }

    #[test]
    fn retention_policy_delete_owns_claims() {
        let mut c = hand_cluster(7);
        create(
            &mut c,
            &WEB.replace(
                "  replicas: 3\n",
                "  replicas: 2\n  persistentVolumeClaimRetentionPolicy: {whenDeleted: Delete, whenScaled: Delete}\n",
            ),
        );
        for _ in 0..2 {
            ready_pods(&mut c);
        }
        let owner = |c: &Cluster, claim: &str| {
            c.store
                .get_named(res("PersistentVolumeClaim"), "default", claim)
                .and_then(|p| super::super::controller_ref(p).cloned())
                .map(|r| r.get("kind").as_str().unwrap().to_string())
        };
        assert_eq!(owner(&c, "www-web-1").as_deref(), Some("StatefulSet"));
        scale(&mut c, 1);
        assert_eq!(owner(&c, "www-web-1").as_deref(), Some("Pod"));
        assert_eq!(owner(&c, "www-web-0").as_deref(), Some("StatefulSet"));
    }

    #[test]
    fn a_recreated_set_adopts_the_orphaned_pods() {
        let mut c = hand_cluster(8);
        create(&mut c, WEB);
        for _ in 0..3 {
            ready_pods(&mut c);
        }
        // `kubectl delete sts web --cascade=orphan`.
        let key = ObjectKey::new(res("StatefulSet"), "default", "web");
        let orphan = DeleteOptions {
            propagation: crate::apiserver::Propagation::Orphan,
            ..DeleteOptions::default()
        };
        c.delete(&key, orphan).unwrap();
        c.step(SECOND);
        let pod = |c: &Cluster| {
            c.store
                .get_named(res("Pod"), "default", "web-0")
                .unwrap()
                .clone()
        };
        assert!(super::super::controller_ref(&pod(&c)).is_none());
        // A pod named unlike the set's is not adopted.
        create(
            &mut c,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: stray, labels: {app: nginx}}\nspec: {containers: [{name: c, image: nginx}]}\n",
        );
        create(&mut c, WEB);
        let new_uid = uid(&c);
        assert_eq!(
            super::super::controller_uid(&pod(&c)),
            Some(new_uid.as_str())
        );
        let stray = c.store.get_named(res("Pod"), "default", "stray").unwrap();
        assert!(super::super::controller_ref(stray).is_none());
        c.step(0);
        assert_eq!(status(&c), [3, 3, 3, 3, 3]);
        // Nothing was created again.
        assert_eq!(event_messages(&c, &new_uid), Vec::<String>::new());
    }

    #[test]
    fn ordinals_parse_only_for_the_set() {
        assert_eq!(ordinal_of("web", "web-12"), Some(12));
        assert_eq!(ordinal_of("web", "web-x"), None);
        assert_eq!(ordinal_of("web", "webs-1"), None);
        assert_eq!(ordinal_of("my-web", "my-web-0"), Some(0));
    }
}
