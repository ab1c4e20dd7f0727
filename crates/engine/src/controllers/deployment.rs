//! The Deployment controller (`pkg/controller/deployment`): rolls a
//! Deployment's pod template out through ReplicaSets named after the
//! template's hash, with the RollingUpdate or Recreate strategy,
//! proportional scaling, revision history and the Progressing/Available
//! conditions.

use crate::sort::CompactSort;
use std::cmp::Ordering;
use std::rc::Rc;

use super::{
    controller_ref, controller_uid, creation_time, forget_failures, int_at, is_deleting,
    new_controller_ref, requeue_after, requeue_rate_limited, set_count, spec_replicas,
    with_controller_ref, without_owner_ref,
};
use crate::api::errors::{StatusReason, quote};
use crate::api::selector;
use crate::apiserver::{DeleteOptions, WriteOptions};
use crate::cluster::{Cluster, Controller, res};
use crate::events::EventType;
use crate::store::ObjectKey;
use crate::time::{Millis, parse_rfc3339, rfc3339};
use crate::value::Value;

/// The event source.
const COMPONENT: &str = "deployment-controller";
/// The label that tells a Deployment's ReplicaSets apart.
pub const POD_TEMPLATE_HASH: &str = "pod-template-hash";
/// The rollout sequence number of a ReplicaSet (and its Deployment).
pub const REVISION: &str = "deployment.kubernetes.io/revision";
/// Earlier revisions a ReplicaSet served (after rollbacks).
pub const REVISION_HISTORY: &str = "deployment.kubernetes.io/revision-history";
/// `spec.replicas` of the Deployment when it last scaled the ReplicaSet.
pub const DESIRED_REPLICAS: &str = "deployment.kubernetes.io/desired-replicas";
/// `spec.replicas + maxSurge` then.
pub const MAX_REPLICAS: &str = "deployment.kubernetes.io/max-replicas";
/// `maxRevHistoryLengthInChars`
const MAX_REV_HISTORY_LENGTH_IN_CHARS: usize = 2000;
/// Deployment annotations not copied to its ReplicaSets.
const ANNOTATIONS_TO_SKIP: [&str; 6] = [
    "kubectl.kubernetes.io/last-applied-configuration",
    REVISION,
    REVISION_HISTORY,
    DESIRED_REPLICAS,
    MAX_REPLICAS,
    "deprecated.deployment.rollback.to",
];
/// `math.MaxInt32`: "no limit" for progressDeadlineSeconds and
/// revisionHistoryLimit.
const MAX_INT32: i64 = i32::MAX as i64;

// Condition reasons (`deploymentutil`).
const REPLICA_SET_UPDATED: &str = "ReplicaSetUpdated";
const FAILED_RS_CREATE: &str = "ReplicaSetCreateError";
const NEW_REPLICA_SET_CREATED: &str = "NewReplicaSetCreated";
const FOUND_NEW_RS: &str = "FoundNewReplicaSet";
const NEW_RS_AVAILABLE: &str = "NewReplicaSetAvailable";
const TIMED_OUT: &str = "ProgressDeadlineExceeded";
const PAUSED: &str = "DeploymentPaused";
const RESUMED: &str = "DeploymentResumed";
const MINIMUM_REPLICAS_AVAILABLE: &str = "MinimumReplicasAvailable";
const MINIMUM_REPLICAS_UNAVAILABLE: &str = "MinimumReplicasUnavailable";

/// What a step of the sync returns: errors end the sync and retry it.
type Sync<T> = Result<T, String>;

/// `syncDeployment`.
pub(crate) fn reconcile(cluster: &mut Cluster, key: &ObjectKey) {
    let Some(mut d) = cluster.store.get(key).cloned() else {
        return;
    };
    match sync_deployment(cluster, &mut d) {
        Ok(()) => forget_failures(cluster, Controller::Deployment, key),
        Err(_) => requeue_rate_limited(cluster, Controller::Deployment, key),
    }
}

fn sync_deployment(cluster: &mut Cluster, d: &mut Value) -> Sync<()> {
    if d.at(&["spec", "selector"]).is_empty() {
        record(
            cluster,
            d,
            EventType::Warning,
            "SelectingAll",
            "This deployment is selecting all pods. A non-empty selector is required.",
        );
        let generation = int_at(d, &["metadata", "generation"], 0);
        if int_at(d, &["status", "observedGeneration"], 0) < generation {
            d.set_at(&["status", "observedGeneration"], Value::Int(generation));
            write_deployment(cluster, d)?;
        }
        return Ok(());
    }
    let names = replica_sets_for_deployment(cluster, d);
    if is_deleting(d) {
        return sync_status_only(cluster, d, &names);
    }
    check_paused_conditions(cluster, d)?;
    if paused(d) {
        return sync(cluster, d, &names);
    }
    if is_scaling_event(cluster, d, &names)? {
        return sync(cluster, d, &names);
    }
    if d.str_at(&["spec", "strategy", "type"]) == Some("Recreate") {
        rollout_recreate(cluster, d, &names)
    } else {
        rollout_rolling(cluster, d, &names)
    }
}

// ---------------------------------------------------------------------
// ReplicaSets of a Deployment.

/// `getReplicaSetsForDeployment`: the ReplicaSets the Deployment controls,
/// adopting matching orphans and releasing the ones that stopped matching.
fn replica_sets_for_deployment(cluster: &mut Cluster, d: &Value) -> Vec<Rc<str>> {
    let ns: Rc<str> = Rc::from(d.str_at(&["metadata", "namespace"]).unwrap_or(""));
    let uid = d.str_at(&["metadata", "uid"]).unwrap_or("").to_string();
    let selector = d.at(&["spec", "selector"]).clone();
    let deleting = is_deleting(d);
    let (owned, orphans) = cluster.controllers.replica_sets_for(&ns, &uid);
    let mut result = Vec::new();
    for name in owned {
        let Some(rs) = cluster
            .store
            .get_named(res("ReplicaSet"), &ns, &name)
            .cloned()
        else {
            continue;
        };
        if controller_uid(&rs) != Some(uid.as_str()) {
            continue;
        }
        if selector::matches(&selector, rs.at(&["metadata", "labels"])) {
            result.push(name);
        } else if !deleting {
            let _ = cluster.write(without_owner_ref(&rs, &uid));
        }
    }
    if !deleting {
        for name in orphans {
            let Some(rs) = cluster
                .store
                .get_named(res("ReplicaSet"), &ns, &name)
                .cloned()
            else {
                continue;
            };
            if controller_ref(&rs).is_some()
                || is_deleting(&rs)
                || !selector::matches(&selector, rs.at(&["metadata", "labels"]))
            {
                continue;
            }
            if cluster.write(with_controller_ref(&rs, d)).is_ok() {
                result.push(name);
            }
        }
    }
    result.compact_sort();
    result
}

/// The ReplicaSets named `names` as the store holds them now.
fn load(cluster: &Cluster, d: &Value, names: &[Rc<str>]) -> Vec<Value> {
    let ns = d.str_at(&["metadata", "namespace"]).unwrap_or("");
    names
        .iter()
        .filter_map(|n| cluster.store.get_named(res("ReplicaSet"), ns, n).cloned())
        .collect()
}

fn name_of(obj: &Value) -> Rc<str> {
    Rc::from(obj.str_at(&["metadata", "name"]).unwrap_or(""))
}

fn uid_of(obj: &Value) -> &str {
    obj.str_at(&["metadata", "uid"]).unwrap_or("")
}

/// The current versions of `rss` (after some were scaled).
fn reload(cluster: &Cluster, d: &Value, rss: &[Value]) -> Vec<Value> {
    let names: Vec<Rc<str>> = rss.iter().map(name_of).collect();
    load(cluster, d, &names)
}

/// `ReplicaSetsByCreationTimestamp`: oldest first, then by name.
fn by_creation(a: &Value, b: &Value) -> Ordering {
    (creation_time(a), name_of(a)).cmp(&(creation_time(b), name_of(b)))
}

/// `FilterActiveReplicaSets`: those with pods wanted.
fn active(rss: &[Value]) -> Vec<Value> {
    rss.iter()
        .filter(|rs| spec_replicas(rs) > 0)
        .cloned()
        .collect()
}

/// `EqualIgnoreHash`: templates equal apart from the pod-template-hash label.
pub(crate) fn equal_ignore_hash(a: &Value, b: &Value) -> bool {
    fn strip(t: &Value) -> Value {
        let mut t = t.clone();
        if !t.at(&["metadata", "labels"]).is_null() {
            let labels = t.entry("metadata").entry("labels");
            labels.remove(POD_TEMPLATE_HASH);
            if labels.is_empty() {
                t.entry("metadata").remove("labels");
            }
        }
        t
    }
    strip(a) == strip(b)
}

/// `FindNewReplicaSet`: the oldest ReplicaSet whose template is the
/// Deployment's.
fn find_new_replica_set(d: &Value, rss: &[Value]) -> Option<Value> {
    let mut sorted = rss.to_vec();
    sorted.compact_sort_by(by_creation);
    let template = d.at(&["spec", "template"]);
    sorted
        .into_iter()
        .find(|rs| equal_ignore_hash(rs.at(&["spec", "template"]), template))
}

/// `controller.ComputeHash`: FNV-32a of the template (its compact JSON)
/// and the collision count, encoded as `rand.SafeEncodeString` of the
/// decimal number.
pub fn compute_hash(template: &Value, collision_count: Option<i64>) -> String {
    let mut hash: u32 = 0x811c_9dc5;
    let mut write = |bytes: &[u8]| {
        for b in bytes {
            hash ^= u32::from(*b);
            hash = hash.wrapping_mul(0x0100_0193);
        }
    };
    write(crate::yaml::to_json_compact(template).as_bytes());
    if let Some(count) = collision_count {
        let mut bytes = [0u8; 8];
        bytes[..4].copy_from_slice(&(count as u32).to_le_bytes());
        write(&bytes);
    }
    safe_encode_string(&hash.to_string())
}

/// `rand.SafeEncodeString`: each character mapped into the alphabet of
/// generated names, so hashes never spell words.
pub(crate) fn safe_encode_string(s: &str) -> String {
    const ALPHANUMS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    s.chars()
        .map(|c| ALPHANUMS[(c as usize) % ALPHANUMS.len()] as char)
        .collect()
}

/// `Revision`: the revision annotation (0 when absent).
fn revision(rs: &Value) -> Result<i64, ()> {
    match rs.str_at(&["metadata", "annotations", REVISION]) {
        None => Ok(0),
        Some(v) => v.parse().map_err(|_| ()),
    }
}

/// `MaxRevision`
fn max_revision(rss: &[Value]) -> i64 {
    rss.iter()
        .filter_map(|rs| revision(rs).ok())
        .max()
        .unwrap_or(0)
        .max(0)
}

// ---------------------------------------------------------------------
// Strategy arithmetic.

fn is_rolling_update(d: &Value) -> bool {
    d.str_at(&["spec", "strategy", "type"])
        .is_none_or(|t| t == "RollingUpdate")
}

/// `intstr.GetScaledValueFromIntOrPercent`
fn scaled_value(v: &Value, total: i64, round_up: bool) -> Sync<i64> {
    match v {
        Value::Int(i) => Ok(*i),
        Value::String(s) => {
            let Some(p) = s.strip_suffix('%') else {
                return Err("invalid type: string is not a percentage".to_string());
            };
            let p: i64 = p.parse().map_err(|_| {
                format!("invalid value for IntOrString: invalid value {}", quote(s))
            })?;
            let product = p * total;
            Ok(if round_up {
                product.div_euclid(100) + i64::from(product.rem_euclid(100) != 0)
            } else {
                product.div_euclid(100)
            })
        }
        _ => Err("invalid type: neither int nor percentage".into()),
    }
}

/// The rolling update's maxSurge or maxUnavailable (defaulted to 25%).
fn rolling_param(d: &Value, field: &str) -> Value {
    match d.at(&["spec", "strategy", "rollingUpdate", field]) {
        Value::Null => Value::str("25%"),
        v => v.clone(),
    }
}

/// `ResolveFenceposts`: surge rounds up, unavailable down; both zero
/// makes unavailable one.
fn resolve_fenceposts(d: &Value) -> Sync<(i64, i64)> {
    let desired = spec_replicas(d);
    let surge = scaled_value(&rolling_param(d, "maxSurge"), desired, true)?;
    let mut unavailable = scaled_value(&rolling_param(d, "maxUnavailable"), desired, false)?;
    if surge == 0 && unavailable == 0 {
        unavailable = 1;
    }
    Ok((surge, unavailable))
}

/// `MaxUnavailable`
pub(crate) fn max_unavailable(d: &Value) -> i64 {
    let desired = spec_replicas(d);
    if !is_rolling_update(d) || desired == 0 {
        return 0;
    }
    let (_, unavailable) = resolve_fenceposts(d).unwrap_or((0, 0));
    unavailable.min(desired)
}

/// `MaxSurge`
pub(crate) fn max_surge(d: &Value) -> i64 {
    if !is_rolling_update(d) {
        return 0;
    }
    resolve_fenceposts(d).map_or(0, |(surge, _)| surge)
}

/// `NewRSNewReplicas`: how far the new ReplicaSet may grow now.
fn new_rs_new_replicas(d: &Value, all: &[Value], new_rs: &Value) -> Sync<i64> {
    let desired = spec_replicas(d);
    if !is_rolling_update(d) {
        return Ok(desired);
    }
    let surge = scaled_value(&rolling_param(d, "maxSurge"), desired, true)?;
    let current: i64 = all.iter().map(spec_replicas).sum();
    let max_total = desired + surge;
    let new_replicas = spec_replicas(new_rs);
    if current >= max_total {
        return Ok(new_replicas);
    }
    let scale_up = (max_total - current).min(desired - new_replicas);
    Ok(new_replicas + scale_up)
}

fn sum_status(rss: &[Value], field: &str) -> i64 {
    rss.iter().map(|rs| int_at(rs, &["status", field], 0)).sum()
}

/// `GetTerminatingReplicaCountForReplicaSets`: unknown while a ReplicaSet
/// that was synced does not report it.
fn terminating_replicas(rss: &[Value]) -> Option<i64> {
    let mut total = 0;
    for rs in rss {
        let terminating = rs.at(&["status", "terminatingReplicas"]).as_i64();
        if int_at(rs, &["status", "observedGeneration"], 0) == 0 && terminating.is_none() {
            continue;
        }
        total += terminating?;
    }
    Some(total)
}

fn progress_deadline(d: &Value) -> i64 {
    int_at(d, &["spec", "progressDeadlineSeconds"], 600)
}

fn has_progress_deadline(d: &Value) -> bool {
    progress_deadline(d) != MAX_INT32
}

fn revision_history_limit(d: &Value) -> i64 {
    int_at(d, &["spec", "revisionHistoryLimit"], 10)
}

fn paused(d: &Value) -> bool {
    d.at(&["spec", "paused"]).as_bool() == Some(true)
}

// ---------------------------------------------------------------------
// Conditions.

fn get_condition<'a>(status: &'a Value, kind: &str) -> Option<&'a Value> {
    status
        .get("conditions")
        .items()
        .find(|c| c.get("type").as_str() == Some(kind))
}

/// `NewDeploymentCondition`
fn new_condition(now: Millis, kind: &str, status: &str, reason: &str, message: &str) -> Value {
    let t = Value::from(rfc3339(now));
    Value::from_pairs([
        ("lastTransitionTime", t.clone()),
        ("lastUpdateTime", t),
        ("message", Value::str(message)),
        ("reason", Value::str(reason)),
        ("status", Value::str(status)),
        ("type", Value::str(kind)),
    ])
}

/// `SetDeploymentCondition`: no change for the same status and reason;
/// the transition time stays while the status does; the condition moves
/// to the end of the list.
fn set_condition(status: &mut Value, mut condition: Value) {
    let kind = condition.get("type").as_str().unwrap_or("").to_string();
    if let Some(current) = get_condition(status, &kind) {
        if current.get("status") == condition.get("status")
            && current.get("reason") == condition.get("reason")
        {
            return;
        }
        if current.get("status") == condition.get("status") {
            condition.set(
                "lastTransitionTime",
                current.get("lastTransitionTime").clone(),
            );
        }
    }
    let mut conditions: Vec<Value> = status
        .get("conditions")
        .items()
        .filter(|c| c.get("type").as_str() != Some(&kind))
        .cloned()
        .collect();
    conditions.push(condition);
    status.set("conditions", Value::array(conditions));
}

fn remove_condition(status: &mut Value, kind: &str) {
    if get_condition(status, kind).is_none() {
        return;
    }
    let conditions: Vec<Value> = status
        .get("conditions")
        .items()
        .filter(|c| c.get("type").as_str() != Some(kind))
        .cloned()
        .collect();
    if conditions.is_empty() {
        status.remove("conditions");
    } else {
        status.set("conditions", Value::array(conditions));
    }
}

/// The Deployment's status, as a (possibly empty) object.
fn status_of(d: &Value) -> Value {
    match d.get("status") {
        Value::Object(_) => d.get("status").clone(),
        _ => Value::object(),
    }
}

// ---------------------------------------------------------------------
// Writes.

fn record(cluster: &mut Cluster, d: &Value, event_type: EventType, reason: &str, message: &str) {
    cluster.record_event(d, None, event_type, reason, message, (COMPONENT, None));
}

/// `UpdateStatus` of the Deployment: status and the annotations the
/// controller manages (the status strategy keeps metadata changes).
fn write_deployment(cluster: &mut Cluster, d: &mut Value) -> Sync<()> {
    let key = ObjectKey::of(res("Deployment"), d);
    let stored = cluster.store.get(&key);
    // Status alone goes through the cheaper status write.
    if stored
        .is_some_and(|s| s.get("metadata") == d.get("metadata") && s.get("spec") == d.get("spec"))
    {
        return match cluster.update_status(&key, d.get("status").clone()) {
            Ok(stored) => {
                *d = stored;
                Ok(())
            }
            Err(e) => Err(e.message),
        };
    }
    match cluster.update(d.clone(), &WriteOptions::system()) {
        Ok(stored) => {
            *d = stored;
            Ok(())
        }
        Err(e) => Err(e.message),
    }
}

/// `SetDeploymentRevision`
fn set_deployment_revision(d: &mut Value, revision: &str) -> bool {
    if d.str_at(&["metadata", "annotations", REVISION]) == Some(revision) {
        return false;
    }
    d.set_at(&["metadata", "annotations", REVISION], Value::str(revision));
    true
}

/// `SetReplicasAnnotations`
fn set_replicas_annotations(rs: &mut Value, desired: i64, max: i64) -> bool {
    let mut updated = false;
    for (key, n) in [(DESIRED_REPLICAS, desired), (MAX_REPLICAS, max)] {
        let want = n.to_string();
        if rs.str_at(&["metadata", "annotations", key]) != Some(want.as_str()) {
            rs.set_at(&["metadata", "annotations", key], Value::from(want));
            updated = true;
        }
    }
    updated
}

/// `SetNewReplicaSetAnnotations`: copies the Deployment's annotations,
/// moves the revision forward (keeping the old one in the history when it
/// had one: a rollback) and, for a new ReplicaSet, the replica annotations.
fn set_new_rs_annotations(d: &Value, rs: &mut Value, new_revision: i64, exists: bool) -> bool {
    let mut changed = false;
    for (k, v) in d.at(&["metadata", "annotations"]).members() {
        if ANNOTATIONS_TO_SKIP.contains(&k) || rs.at(&["metadata", "annotations", k]) == v {
            continue;
        }
        rs.set_at(&["metadata", "annotations", k], v.clone());
        changed = true;
    }
    let old = rs
        .str_at(&["metadata", "annotations", REVISION])
        .map(str::to_string);
    let old_revision = match &old {
        None => 0,
        Some(v) => match v.parse::<i64>() {
            Ok(n) => n,
            Err(_) => return false,
        },
    };
    if old_revision < new_revision {
        rs.set_at(
            &["metadata", "annotations", REVISION],
            Value::from(new_revision.to_string()),
        );
        changed = true;
        if let Some(old) = old {
            let history = rs
                .str_at(&["metadata", "annotations", REVISION_HISTORY])
                .unwrap_or("")
                .to_string();
            if history.is_empty() {
                rs.set_at(
                    &["metadata", "annotations", REVISION_HISTORY],
                    Value::from(old),
                );
            } else {
                let mut entries: Vec<&str> = history.split(',').collect();
                let mut total = history.len() + old.len() + 1;
                let mut start = 0;
                while total > MAX_REV_HISTORY_LENGTH_IN_CHARS && start < entries.len() {
                    total -= entries[start].len() + 1;
                    start += 1;
                }
                if total <= MAX_REV_HISTORY_LENGTH_IN_CHARS {
                    entries = entries.split_off(start);
                    entries.push(&old);
                    rs.set_at(
                        &["metadata", "annotations", REVISION_HISTORY],
                        Value::from(entries.join(",")),
                    );
                }
            }
        }
    }
    if !exists {
        let desired = spec_replicas(d);
        if set_replicas_annotations(rs, desired, desired + max_surge(d)) {
            changed = true;
        }
    }
    changed
}

/// `scaleReplicaSetAndRecordEvent`
fn scale_and_record(
    cluster: &mut Cluster,
    rs: &Value,
    new_scale: i64,
    d: &Value,
) -> Sync<(bool, Value)> {
    let current = spec_replicas(rs);
    if current == new_scale {
        return Ok((false, rs.clone()));
    }
    let operation = if current < new_scale { "up" } else { "down" };
    scale_replica_set(cluster, rs, new_scale, d, operation)
}

/// `scaleReplicaSet`: sets the size and the replica annotations; the
/// ScalingReplicaSet event when the size changed.
fn scale_replica_set(
    cluster: &mut Cluster,
    rs: &Value,
    new_scale: i64,
    d: &Value,
    operation: &str,
) -> Sync<(bool, Value)> {
    let current = spec_replicas(rs);
    let desired = spec_replicas(d);
    let max = desired + max_surge(d);
    let mut copy = rs.clone();
    let annotations_changed = set_replicas_annotations(&mut copy, desired, max);
    if current == new_scale && !annotations_changed {
        return Ok((false, rs.clone()));
    }
    copy.set_at(&["spec", "replicas"], Value::Int(new_scale));
    let updated = cluster
        .update(copy, &WriteOptions::system())
        .map_err(|e| e.message)?;
    if current != new_scale {
        let message = format!(
            "Scaled {operation} replica set {} from {current} to {new_scale}",
            name_of(rs)
        );
        record(cluster, d, EventType::Normal, "ScalingReplicaSet", &message);
        return Ok((true, updated));
    }
    Ok((false, updated))
}

// ---------------------------------------------------------------------
// The new ReplicaSet and revisions.

/// `getAllReplicaSetsAndSyncRevision`: the new ReplicaSet (created when
/// asked and missing) and all the others.
fn get_all_and_sync_revision(
    cluster: &mut Cluster,
    d: &mut Value,
    names: &[Rc<str>],
    create: bool,
) -> Sync<(Option<Value>, Vec<Value>)> {
    let rss = load(cluster, d, names);
    let existing = find_new_replica_set(d, &rss);
    let old: Vec<Value> = rss
        .iter()
        .filter(|rs| existing.as_ref().is_none_or(|n| uid_of(n) != uid_of(rs)))
        .cloned()
        .collect();
    let new_rs = get_new_replica_set(cluster, d, existing, &old, create)?;
    Ok((new_rs, old))
}

/// `getNewReplicaSet`
fn get_new_replica_set(
    cluster: &mut Cluster,
    d: &mut Value,
    existing: Option<Value>,
    old: &[Value],
    create: bool,
) -> Sync<Option<Value>> {
    let new_revision = max_revision(old) + 1;
    if let Some(existing) = existing {
        let mut copy = existing.clone();
        let annotations_updated = set_new_rs_annotations(d, &mut copy, new_revision, true);
        let min_ready = int_at(d, &["spec", "minReadySeconds"], 0);
        if annotations_updated || int_at(&copy, &["spec", "minReadySeconds"], 0) != min_ready {
            set_count(copy.entry("spec"), "minReadySeconds", min_ready);
            let updated = cluster
                .update(copy, &WriteOptions::system())
                .map_err(|e| e.message)?;
            return Ok(Some(updated));
        }
        let rs_revision = copy
            .str_at(&["metadata", "annotations", REVISION])
            .unwrap_or("")
            .to_string();
        let mut needs_update = set_deployment_revision(d, &rs_revision);
        let mut status = status_of(d);
        if has_progress_deadline(d) && get_condition(&status, "Progressing").is_none() {
            let message = format!("Found new replica set {}", quote(&name_of(&copy)));
            set_condition(
                &mut status,
                new_condition(cluster.now, "Progressing", "True", FOUND_NEW_RS, &message),
            );
            d.set("status", status);
            needs_update = true;
        }
        if needs_update {
            write_deployment(cluster, d)?;
        }
        return Ok(Some(copy));
    }
    if !create {
        return Ok(None);
    }
    // A new ReplicaSet named after the template's hash.
    let collision_count = d.at(&["status", "collisionCount"]).as_i64();
    let mut template = d.at(&["spec", "template"]).clone();
    let hash = compute_hash(&template, collision_count);
    template.set_at(
        &["metadata", "labels", POD_TEMPLATE_HASH],
        Value::from(hash.clone()),
    );
    let mut rs_selector = d.at(&["spec", "selector"]).clone();
    rs_selector.set_at(
        &["matchLabels", POD_TEMPLATE_HASH],
        Value::from(hash.clone()),
    );
    let d_name = d.str_at(&["metadata", "name"]).unwrap_or("");
    // Keep the name a valid DNS subdomain (253 characters).
    let room = 253usize.saturating_sub(hash.len() + 1);
    let base: String = d_name.chars().take(room).collect();
    let mut spec = Value::from_pairs([
        ("replicas", Value::Int(0)),
        ("selector", rs_selector),
        ("template", template.clone()),
    ]);
    set_count(
        &mut spec,
        "minReadySeconds",
        int_at(d, &["spec", "minReadySeconds"], 0),
    );
    let mut new_rs = Value::from_pairs([
        ("apiVersion", Value::str("apps/v1")),
        ("kind", Value::str("ReplicaSet")),
        (
            "metadata",
            Value::from_pairs([
                ("labels", template.at(&["metadata", "labels"]).clone()),
                ("name", Value::from(format!("{base}-{hash}"))),
                ("namespace", d.at(&["metadata", "namespace"]).clone()),
                ("ownerReferences", Value::array(vec![new_controller_ref(d)])),
            ]),
        ),
        ("spec", spec),
    ]);
    let mut all = old.to_vec();
    all.push(new_rs.clone());
    let new_replicas = new_rs_new_replicas(d, &all, &new_rs)?;
    new_rs.set_at(&["spec", "replicas"], Value::Int(new_replicas));
    set_new_rs_annotations(d, &mut new_rs, new_revision, false);
    let rs_name = name_of(&new_rs);
    let mut already_exists = false;
    let created = match cluster.create(new_rs, &WriteOptions::system()) {
        Ok(created) => created,
        Err(e) if e.reason == StatusReason::AlreadyExists => {
            let ns = d
                .str_at(&["metadata", "namespace"])
                .unwrap_or("")
                .to_string();
            let found = cluster
                .store
                .get_named(res("ReplicaSet"), &ns, &rs_name)
                .cloned();
            match found {
                Some(rs)
                    if controller_uid(&rs) == Some(uid_of(d))
                        && equal_ignore_hash(
                            d.at(&["spec", "template"]),
                            rs.at(&["spec", "template"]),
                        ) =>
                {
                    already_exists = true;
                    rs
                }
                _ => {
                    // A hash collision: the next hash takes the count into account.
                    let count = collision_count.unwrap_or(0) + 1;
                    d.set_at(&["status", "collisionCount"], Value::Int(count));
                    write_deployment(cluster, d)?;
                    return Err(e.message);
                }
            }
        }
        Err(e) if e.message.ends_with("because it is being terminated") => return Err(e.message),
        Err(e) => {
            let message = format!(
                "Failed to create new replica set {}: {}",
                quote(&rs_name),
                e.message
            );
            if has_progress_deadline(d) {
                let mut status = status_of(d);
                set_condition(
                    &mut status,
                    new_condition(
                        cluster.now,
                        "Progressing",
                        "False",
                        FAILED_RS_CREATE,
                        &message,
                    ),
                );
                d.set("status", status);
                write_deployment(cluster, d)?;
            }
            record(cluster, d, EventType::Warning, FAILED_RS_CREATE, &message);
            return Err(e.message);
        }
    };
    if !already_exists && new_replicas > 0 {
        let message = format!("Scaled up replica set {rs_name} from 0 to {new_replicas}");
        record(cluster, d, EventType::Normal, "ScalingReplicaSet", &message);
    }
    let mut needs_update = set_deployment_revision(d, &new_revision.to_string());
    if !already_exists && has_progress_deadline(d) {
        let message = format!("Created new replica set {}", quote(&rs_name));
        let mut status = status_of(d);
        set_condition(
            &mut status,
            new_condition(
                cluster.now,
                "Progressing",
                "True",
                NEW_REPLICA_SET_CREATED,
                &message,
            ),
        );
        d.set("status", status);
        needs_update = true;
    }
    if needs_update {
        write_deployment(cluster, d)?;
    }
    Ok(Some(created))
}

// ---------------------------------------------------------------------
// Status.

/// `calculateStatus`
fn calculate_status(cluster: &Cluster, all: &[Value], new_rs: Option<&Value>, d: &Value) -> Value {
    let available = sum_status(all, "availableReplicas");
    let total: i64 = all.iter().map(spec_replicas).sum();
    let mut status = Value::object();
    set_count(
        &mut status,
        "observedGeneration",
        int_at(d, &["metadata", "generation"], 0),
    );
    set_count(&mut status, "replicas", sum_status(all, "replicas"));
    set_count(
        &mut status,
        "updatedReplicas",
        new_rs.map_or(0, |rs| int_at(rs, &["status", "replicas"], 0)),
    );
    set_count(
        &mut status,
        "readyReplicas",
        sum_status(all, "readyReplicas"),
    );
    set_count(&mut status, "availableReplicas", available);
    set_count(
        &mut status,
        "unavailableReplicas",
        (total - available).max(0),
    );
    if let Some(terminating) = terminating_replicas(all) {
        status.set("terminatingReplicas", Value::Int(terminating));
    }
    if let Some(count) = d.at(&["status", "collisionCount"]).as_i64() {
        status.set("collisionCount", Value::Int(count));
    }
    let conditions = d.at(&["status", "conditions"]);
    if !conditions.is_empty() {
        status.set("conditions", conditions.clone());
    }
    let condition = if available >= spec_replicas(d) - max_unavailable(d) {
        new_condition(
            cluster.now,
            "Available",
            "True",
            MINIMUM_REPLICAS_AVAILABLE,
            "Deployment has minimum availability.",
        )
    } else {
        new_condition(
            cluster.now,
            "Available",
            "False",
            MINIMUM_REPLICAS_UNAVAILABLE,
            "Deployment does not have minimum availability.",
        )
    };
    set_condition(&mut status, condition);
    status
}

/// `DeploymentComplete`
fn deployment_complete(d: &Value, status: &Value) -> bool {
    let desired = spec_replicas(d);
    int_at(status, &["updatedReplicas"], 0) == desired
        && int_at(status, &["replicas"], 0) == desired
        && int_at(status, &["availableReplicas"], 0) == desired
        && int_at(status, &["observedGeneration"], 0) >= int_at(d, &["metadata", "generation"], 0)
}

/// `DeploymentProgressing`: more updated, ready or available pods, or
/// fewer old ones, than the stored status says.
fn deployment_progressing(d: &Value, new_status: &Value) -> bool {
    let old = d.get("status");
    let n = |s: &Value, f: &str| int_at(s, &[f], 0);
    let old_old = n(old, "replicas") - n(old, "updatedReplicas");
    let new_old = n(new_status, "replicas") - n(new_status, "updatedReplicas");
    n(new_status, "updatedReplicas") > n(old, "updatedReplicas")
        || new_old < old_old
        || n(new_status, "readyReplicas") > n(old, "readyReplicas")
        || n(new_status, "availableReplicas") > n(old, "availableReplicas")
}

/// `DeploymentTimedOut`: no progress for progressDeadlineSeconds.
fn deployment_timed_out(now: Millis, d: &Value, new_status: &Value) -> bool {
    if !has_progress_deadline(d) {
        return false;
    }
    let Some(condition) = get_condition(new_status, "Progressing") else {
        return false;
    };
    match condition.get("reason").as_str() {
        Some(NEW_RS_AVAILABLE) => return false,
        Some(TIMED_OUT) => return true,
        _ => {}
    }
    let Some(from) = condition
        .get("lastUpdateTime")
        .as_str()
        .and_then(parse_rfc3339)
    else {
        return false;
    };
    from + progress_deadline(d).max(0) as Millis * 1000 < now
}

/// `syncRolloutStatus`: the status with the Progressing condition.
fn sync_rollout_status(
    cluster: &mut Cluster,
    all: &[Value],
    new_rs: Option<&Value>,
    d: &mut Value,
) -> Sync<()> {
    let mut new_status = calculate_status(cluster, all, new_rs, d);
    if !has_progress_deadline(d) {
        remove_condition(&mut new_status, "Progressing");
    }
    let current = get_condition(d.get("status"), "Progressing").cloned();
    let complete_before = int_at(&new_status, &["replicas"], 0)
        == int_at(&new_status, &["updatedReplicas"], 0)
        && current
            .as_ref()
            .is_some_and(|c| c.get("reason").as_str() == Some(NEW_RS_AVAILABLE));
    let subject = match new_rs {
        Some(rs) => format!("ReplicaSet {}", quote(&name_of(rs))),
        None => format!(
            "Deployment {}",
            quote(d.str_at(&["metadata", "name"]).unwrap_or(""))
        ),
    };
    let now = cluster.now;
    if has_progress_deadline(d) && !complete_before {
        if deployment_complete(d, &new_status) {
            let message = format!("{subject} has successfully progressed.");
            set_condition(
                &mut new_status,
                new_condition(now, "Progressing", "True", NEW_RS_AVAILABLE, &message),
            );
        } else if deployment_progressing(d, &new_status) {
            let message = format!("{subject} is progressing.");
            let mut condition =
                new_condition(now, "Progressing", "True", REPLICA_SET_UPDATED, &message);
            // Bump lastUpdateTime, keeping lastTransitionTime while True.
            if let Some(current) = &current {
                if current.get("status").as_str() == Some("True") {
                    condition.set(
                        "lastTransitionTime",
                        current.get("lastTransitionTime").clone(),
                    );
                }
                remove_condition(&mut new_status, "Progressing");
            }
            set_condition(&mut new_status, condition);
        } else if deployment_timed_out(now, d, &new_status) {
            let message = format!("{subject} has timed out progressing.");
            set_condition(
                &mut new_status,
                new_condition(now, "Progressing", "False", TIMED_OUT, &message),
            );
        }
    }
    // ReplicaFailure comes from the ReplicaSets (the new one first).
    let failures: Vec<Value> = new_rs
        .into_iter()
        .flat_map(|rs| rs.at(&["status", "conditions"]).items())
        .filter(|c| c.get("type").as_str() == Some("ReplicaFailure"))
        .cloned()
        .collect();
    let failures = if failures.is_empty() {
        all.iter()
            .flat_map(|rs| rs.at(&["status", "conditions"]).items())
            .filter(|c| c.get("type").as_str() == Some("ReplicaFailure"))
            .cloned()
            .collect()
    } else {
        failures
    };
    match failures.first() {
        Some(c) => set_condition(
            &mut new_status,
            Value::from_pairs([
                ("lastTransitionTime", c.get("lastTransitionTime").clone()),
                ("lastUpdateTime", c.get("lastTransitionTime").clone()),
                ("message", c.get("message").clone()),
                ("reason", c.get("reason").clone()),
                ("status", c.get("status").clone()),
                ("type", c.get("type").clone()),
            ]),
        ),
        None => remove_condition(&mut new_status, "ReplicaFailure"),
    }
    if &new_status == d.get("status") {
        requeue_stuck_deployment(cluster, d, &new_status);
        return Ok(());
    }
    d.set("status", new_status);
    write_deployment(cluster, d)
}

/// `requeueStuckDeployment`: look again when the progress deadline passes.
fn requeue_stuck_deployment(cluster: &mut Cluster, d: &Value, new_status: &Value) {
    let Some(current) = get_condition(d.get("status"), "Progressing") else {
        return;
    };
    if !has_progress_deadline(d)
        || deployment_complete(d, new_status)
        || current.get("reason").as_str() == Some(TIMED_OUT)
    {
        return;
    }
    let Some(last) = current
        .get("lastUpdateTime")
        .as_str()
        .and_then(parse_rfc3339)
    else {
        return;
    };
    let deadline = last as i64 + progress_deadline(d) * 1000;
    let after = deadline - cluster.now as i64;
    // Real: under a second is a rate-limited retry, else after + 1s.
    let delay = if after < 1000 {
        after.max(0) + 1
    } else {
        after + 1000
    };
    let key = ObjectKey::of(res("Deployment"), d);
    requeue_after(cluster, Controller::Deployment, &key, delay as Millis);
}

/// `syncDeploymentStatus`: the status without touching Progressing.
fn sync_deployment_status(
    cluster: &mut Cluster,
    all: &[Value],
    new_rs: Option<&Value>,
    d: &mut Value,
) -> Sync<()> {
    let new_status = calculate_status(cluster, all, new_rs, d);
    if &new_status == d.get("status") {
        return Ok(());
    }
    d.set("status", new_status);
    write_deployment(cluster, d)
}

/// `syncStatusOnly`: a Deployment being deleted only reports.
fn sync_status_only(cluster: &mut Cluster, d: &mut Value, names: &[Rc<str>]) -> Sync<()> {
    let (new_rs, old) = get_all_and_sync_revision(cluster, d, names, false)?;
    let mut all = old;
    all.extend(new_rs.iter().cloned());
    sync_deployment_status(cluster, &all, new_rs.as_ref(), d)
}

/// `checkPausedConditions`
fn check_paused_conditions(cluster: &mut Cluster, d: &mut Value) -> Sync<()> {
    if !has_progress_deadline(d) {
        return Ok(());
    }
    let mut status = status_of(d);
    let reason = get_condition(&status, "Progressing")
        .and_then(|c| c.get("reason").as_str())
        .map(str::to_string);
    if reason.as_deref() == Some(TIMED_OUT) {
        return Ok(());
    }
    let paused_exists = reason.as_deref() == Some(PAUSED);
    let condition = if paused(d) && !paused_exists {
        new_condition(
            cluster.now,
            "Progressing",
            "Unknown",
            PAUSED,
            "Deployment is paused",
        )
    } else if !paused(d) && paused_exists {
        new_condition(
            cluster.now,
            "Progressing",
            "Unknown",
            RESUMED,
            "Deployment is resumed",
        )
    } else {
        return Ok(());
    };
    set_condition(&mut status, condition);
    d.set("status", status);
    write_deployment(cluster, d)
}

/// `isScalingEvent`: an active ReplicaSet was sized for another replica count.
fn is_scaling_event(cluster: &mut Cluster, d: &mut Value, names: &[Rc<str>]) -> Sync<bool> {
    let (new_rs, old) = get_all_and_sync_revision(cluster, d, names, false)?;
    let mut all = old;
    all.extend(new_rs);
    let desired = spec_replicas(d);
    Ok(active(&all).iter().any(|rs| {
        rs.str_at(&["metadata", "annotations", DESIRED_REPLICAS])
            .and_then(|v| v.parse::<i64>().ok())
            .is_some_and(|n| n != desired)
    }))
}

// ---------------------------------------------------------------------
// Scaling (paused Deployments and scaling events).

/// `sync`: scale, clean up (when paused) and report.
fn sync(cluster: &mut Cluster, d: &mut Value, names: &[Rc<str>]) -> Sync<()> {
    let (new_rs, old) = get_all_and_sync_revision(cluster, d, names, false)?;
    scale(cluster, d, new_rs.as_ref(), &old)?;
    let old = reload(cluster, d, &old);
    if paused(d) {
        cleanup_deployment(cluster, &old, d)?;
    }
    let new_rs = new_rs.and_then(|rs| reload(cluster, d, &[rs]).pop());
    let mut all = reload(cluster, d, &old);
    all.extend(new_rs.iter().cloned());
    sync_deployment_status(cluster, &all, new_rs.as_ref(), d)
}

/// `FindActiveOrLatest`: the only active ReplicaSet, or the latest when
/// none is active; `None` when several are active.
fn find_active_or_latest(new_rs: Option<&Value>, old: &[Value]) -> Option<Value> {
    let mut sorted = old.to_vec();
    sorted.compact_sort_by(|a, b| by_creation(b, a));
    let mut all = sorted.clone();
    all.extend(new_rs.cloned());
    let active = active(&all);
    match active.len() {
        0 => new_rs.cloned().or_else(|| sorted.first().cloned()),
        1 => active.into_iter().next(),
        _ => None,
    }
}

/// `IsSaturated`: the new ReplicaSet runs every replica, available.
fn is_saturated(d: &Value, rs: Option<&Value>) -> bool {
    let Some(rs) = rs else {
        return false;
    };
    let desired = spec_replicas(d);
    let Some(annotated) = rs
        .str_at(&["metadata", "annotations", DESIRED_REPLICAS])
        .and_then(|v| v.parse::<i64>().ok())
    else {
        return false;
    };
    spec_replicas(rs) == desired
        && annotated == desired
        && int_at(rs, &["status", "availableReplicas"], 0) == desired
}

/// `getReplicaSetFraction`: the ReplicaSet's share of the new size.
fn replica_set_fraction(rs: &Value, d: &Value) -> i64 {
    let desired = spec_replicas(d);
    let current = spec_replicas(rs);
    if desired == 0 {
        return -current;
    }
    let deployment_replicas = desired + max_surge(d);
    let annotated = rs
        .str_at(&["metadata", "annotations", MAX_REPLICAS])
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or_else(|| int_at(d, &["status", "replicas"], 0));
    if annotated == 0 {
        return 0;
    }
    let size = (current * deployment_replicas) as f64 / annotated as f64;
    size.round() as i64 - current
}

/// `GetProportion`
fn proportion(rs: &Value, d: &Value, to_add: i64, added: i64) -> i64 {
    if spec_replicas(rs) == 0 || to_add == 0 || to_add == added {
        return 0;
    }
    let fraction = replica_set_fraction(rs, d);
    let allowed = to_add - added;
    if to_add > 0 {
        fraction.min(allowed)
    } else {
        fraction.max(allowed)
    }
}

/// `scale`: proportional scaling across the active ReplicaSets.
fn scale(cluster: &mut Cluster, d: &Value, new_rs: Option<&Value>, old: &[Value]) -> Sync<()> {
    let desired = spec_replicas(d);
    if let Some(rs) = find_active_or_latest(new_rs, old) {
        if spec_replicas(&rs) == desired {
            return Ok(());
        }
        scale_and_record(cluster, &rs, desired, d)?;
        return Ok(());
    }
    if is_saturated(d, new_rs) {
        for rs in active(old) {
            scale_and_record(cluster, &rs, 0, d)?;
        }
        return Ok(());
    }
    if !is_rolling_update(d) {
        return Ok(());
    }
    let mut all = old.to_vec();
    all.extend(new_rs.cloned());
    let mut all = active(&all);
    let current: i64 = all.iter().map(spec_replicas).sum();
    let allowed = if desired > 0 {
        desired + max_surge(d)
    } else {
        0
    };
    let to_add = allowed - current;
    let operation = match to_add.cmp(&0) {
        Ordering::Greater => {
            // Largest first; the newer of equal sizes first.
            all.compact_sort_by(|a, b| {
                spec_replicas(b)
                    .cmp(&spec_replicas(a))
                    .then_with(|| by_creation(b, a))
            });
            "up"
        }
        Ordering::Less => {
            // Largest first; the older of equal sizes first.
            all.compact_sort_by(|a, b| {
                spec_replicas(b)
                    .cmp(&spec_replicas(a))
                    .then_with(|| by_creation(a, b))
            });
            "down"
        }
        Ordering::Equal => "",
    };
    let mut added = 0;
    let mut sizes: Vec<i64> = Vec::with_capacity(all.len());
    for rs in &all {
        if to_add != 0 {
            let p = proportion(rs, d, to_add, added);
            sizes.push(spec_replicas(rs) + p);
            added += p;
        } else {
            sizes.push(spec_replicas(rs));
        }
    }
    for (i, rs) in all.iter().enumerate() {
        if i == 0 && to_add != 0 {
            // Leftovers go to the largest ReplicaSet.
            sizes[0] = (sizes[0] + to_add - added).max(0);
        }
        scale_replica_set(cluster, rs, sizes[i], d, operation)?;
    }
    Ok(())
}

/// `cleanupDeployment`: deletes the oldest unused ReplicaSets beyond
/// revisionHistoryLimit.
fn cleanup_deployment(cluster: &mut Cluster, old: &[Value], d: &Value) -> Sync<()> {
    let limit = revision_history_limit(d);
    if limit == MAX_INT32 {
        return Ok(());
    }
    let mut cleanable: Vec<Value> = old.iter().filter(|rs| !is_deleting(rs)).cloned().collect();
    let diff = cleanable.len() as i64 - limit;
    if diff <= 0 {
        return Ok(());
    }
    cleanable.compact_sort_by(|a, b| match (revision(a), revision(b)) {
        (Ok(x), Ok(y)) if x != y => x.cmp(&y),
        _ => by_creation(a, b),
    });
    for rs in cleanable.iter().take(diff as usize) {
        if int_at(rs, &["status", "replicas"], 0) != 0
            || spec_replicas(rs) != 0
            || int_at(rs, &["metadata", "generation"], 0)
                > int_at(rs, &["status", "observedGeneration"], 0)
            || int_at(rs, &["status", "terminatingReplicas"], 0) != 0
            || is_deleting(rs)
        {
            continue;
        }
        let key = ObjectKey::of(res("ReplicaSet"), rs);
        match cluster.delete(&key, DeleteOptions::default()) {
            Ok(_) => {}
            Err(e) if e.reason == StatusReason::NotFound => {}
            Err(e) => return Err(e.message),
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------
// Rollouts.

/// `rolloutRolling`
fn rollout_rolling(cluster: &mut Cluster, d: &mut Value, names: &[Rc<str>]) -> Sync<()> {
    let (new_rs, old) = get_all_and_sync_revision(cluster, d, names, true)?;
    let Some(new_rs) = new_rs else {
        return Ok(());
    };
    let mut all = old.clone();
    all.push(new_rs.clone());
    let (scaled_up, new_rs) = reconcile_new_replica_set(cluster, &all, &new_rs, d)?;
    if scaled_up {
        let all = reload(cluster, d, &all);
        return sync_rollout_status(cluster, &all, Some(&new_rs), d);
    }
    if reconcile_old_replica_sets(cluster, &all, &active(&old), &new_rs, d)? {
        let all = reload(cluster, d, &all);
        let new_rs = reload(cluster, d, &[new_rs]).pop();
        return sync_rollout_status(cluster, &all, new_rs.as_ref(), d);
    }
    if deployment_complete(d, d.get("status")) {
        cleanup_deployment(cluster, &old, d)?;
    }
    let all = reload(cluster, d, &all);
    sync_rollout_status(cluster, &all, Some(&new_rs), d)
}

/// `reconcileNewReplicaSet`: grow the new ReplicaSet within maxSurge (or
/// shrink it to the replica count).
fn reconcile_new_replica_set(
    cluster: &mut Cluster,
    all: &[Value],
    new_rs: &Value,
    d: &Value,
) -> Sync<(bool, Value)> {
    let desired = spec_replicas(d);
    let current = spec_replicas(new_rs);
    if current == desired {
        return Ok((false, new_rs.clone()));
    }
    if current > desired {
        return scale_and_record(cluster, new_rs, desired, d);
    }
    let count = new_rs_new_replicas(d, all, new_rs)?;
    scale_and_record(cluster, new_rs, count, d)
}

/// `reconcileOldReplicaSets`: shrink old ReplicaSets within maxUnavailable.
fn reconcile_old_replica_sets(
    cluster: &mut Cluster,
    all: &[Value],
    old: &[Value],
    new_rs: &Value,
    d: &Value,
) -> Sync<bool> {
    let old_pods: i64 = old.iter().map(spec_replicas).sum();
    if old_pods == 0 {
        return Ok(false);
    }
    let all_pods: i64 = all.iter().map(spec_replicas).sum();
    let min_available = spec_replicas(d) - max_unavailable(d);
    let new_unavailable =
        spec_replicas(new_rs) - int_at(new_rs, &["status", "availableReplicas"], 0);
    let max_scaled_down = all_pods - min_available - new_unavailable;
    if max_scaled_down <= 0 {
        return Ok(false);
    }
    // Errors here end the step quietly, as upstream does.
    let Ok((old, cleaned)) = cleanup_unhealthy_replicas(cluster, old, d, max_scaled_down) else {
        return Ok(false);
    };
    let mut all = old.clone();
    all.push(new_rs.clone());
    let Ok(scaled) = scale_down_old_replica_sets(cluster, &all, &old, d) else {
        return Ok(false);
    };
    Ok(cleaned + scaled > 0)
}

/// `cleanupUnhealthyReplicas`: first drop old pods that are not available.
fn cleanup_unhealthy_replicas(
    cluster: &mut Cluster,
    old: &[Value],
    d: &Value,
    max_cleanup: i64,
) -> Sync<(Vec<Value>, i64)> {
    let mut sorted = old.to_vec();
    sorted.compact_sort_by(by_creation);
    let mut total = 0;
    for rs in sorted.iter_mut() {
        if total >= max_cleanup {
            break;
        }
        let replicas = spec_replicas(rs);
        let available = int_at(rs, &["status", "availableReplicas"], 0);
        if replicas == 0 || replicas == available {
            continue;
        }
        let count = (max_cleanup - total).min(replicas - available);
        let new_count = replicas - count;
        if new_count > replicas {
            return Err(format!(
                "when cleaning up unhealthy replicas, got invalid request to scale down {}/{} {replicas} -> {new_count}",
                rs.str_at(&["metadata", "namespace"]).unwrap_or(""),
                name_of(rs)
            ));
        }
        let (_, updated) = scale_and_record(cluster, rs, new_count, d)?;
        total += count;
        *rs = updated;
    }
    Ok((sorted, total))
}

/// `scaleDownOldReplicaSetsForRollingUpdate`: shrink old ReplicaSets,
/// oldest first, while enough pods stay available.
fn scale_down_old_replica_sets(
    cluster: &mut Cluster,
    all: &[Value],
    old: &[Value],
    d: &Value,
) -> Sync<i64> {
    let min_available = spec_replicas(d) - max_unavailable(d);
    let available = sum_status(all, "availableReplicas");
    if available <= min_available {
        return Ok(0);
    }
    let mut sorted = old.to_vec();
    sorted.compact_sort_by(by_creation);
    let wanted = available - min_available;
    let mut total = 0;
    for rs in &sorted {
        if total >= wanted {
            break;
        }
        let replicas = spec_replicas(rs);
        if replicas == 0 {
            continue;
        }
        let count = replicas.min(wanted - total);
        scale_and_record(cluster, rs, replicas - count, d)?;
        total += count;
    }
    Ok(total)
}

/// `rolloutRecreate`: all old pods go before any new one starts.
fn rollout_recreate(cluster: &mut Cluster, d: &mut Value, names: &[Rc<str>]) -> Sync<()> {
    let (mut new_rs, mut old) = get_all_and_sync_revision(cluster, d, names, false)?;
    let mut all = old.clone();
    all.extend(new_rs.iter().cloned());
    let mut scaled_down = false;
    for rs in active(&old) {
        if scale_and_record(cluster, &rs, 0, d)?.0 {
            scaled_down = true;
        }
    }
    if scaled_down {
        let all = reload(cluster, d, &all);
        let new_rs = new_rs.and_then(|rs| reload(cluster, d, &[rs]).pop());
        return sync_rollout_status(cluster, &all, new_rs.as_ref(), d);
    }
    if old_pods_running(cluster, new_rs.as_ref(), &old) {
        return sync_rollout_status(cluster, &all, new_rs.as_ref(), d);
    }
    if new_rs.is_none() {
        let (created, others) = get_all_and_sync_revision(cluster, d, names, true)?;
        new_rs = created;
        old = others;
    }
    let Some(rs) = new_rs else {
        return Ok(());
    };
    let (_, rs) = scale_and_record(cluster, &rs, spec_replicas(d), d)?;
    if deployment_complete(d, d.get("status")) {
        cleanup_deployment(cluster, &old, d)?;
    }
    let mut all = reload(cluster, d, &old);
    all.push(rs.clone());
    sync_rollout_status(cluster, &all, Some(&rs), d)
}

/// `oldPodsRunning`: old ReplicaSets still report pods, or pods of theirs
/// have not finished.
fn old_pods_running(cluster: &Cluster, new_rs: Option<&Value>, old: &[Value]) -> bool {
    if sum_status(old, "replicas") > 0 {
        return true;
    }
    old.iter()
        .filter(|rs| new_rs.is_none_or(|n| uid_of(n) != uid_of(rs)))
        .any(|rs| {
            cluster
                .controllers
                .owned(uid_of(rs))
                .is_some_and(|o| o.non_terminal > 0)
        })
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;

    const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.25\n";

    fn deployment(c: &Cluster) -> Value {
        c.store
            .get_named(res("Deployment"), "default", "web")
            .cloned()
            .expect("deployment exists")
    }

    fn replica_sets(c: &Cluster) -> Vec<Value> {
        c.store
            .list(res("ReplicaSet"), Some("default"))
            .map(|(_, rs)| rs.clone())
            .collect()
    }

    fn rs_summary(c: &Cluster) -> Vec<(String, i64, String)> {
        replica_sets(c)
            .iter()
            .map(|rs| {
                (
                    rs.str_at(&["metadata", "name"]).unwrap().to_string(),
                    spec_replicas(rs),
                    rs.str_at(&["metadata", "annotations", REVISION])
                        .unwrap_or("")
                        .to_string(),
                )
            })
            .collect()
    }

    fn set_image(c: &mut Cluster, image: &str) {
        let mut d = deployment(c);
        let mut containers: Vec<Value> = d
            .at(&["spec", "template", "spec", "containers"])
            .items()
            .cloned()
            .collect();
        containers[0].set("image", Value::str(image));
        d.set_at(
            &["spec", "template", "spec", "containers"],
            Value::array(containers),
        );
        c.update(d, &WriteOptions::user()).unwrap();
        c.settle();
    }

    fn edit(c: &mut Cluster, f: impl FnOnce(&mut Value)) {
        let mut d = deployment(c);
        f(&mut d);
        c.update(d, &WriteOptions::user()).unwrap();
        c.settle();
    }

    fn conditions(d: &Value) -> Vec<(String, String, String, String)> {
        d.at(&["status", "conditions"])
            .items()
            .map(|c| {
                (
                    c.get("type").as_str().unwrap().to_string(),
                    c.get("status").as_str().unwrap().to_string(),
                    c.get("reason").as_str().unwrap().to_string(),
                    c.get("message").as_str().unwrap().to_string(),
                )
            })
            .collect()
    }

    fn deployment_events(c: &Cluster) -> Vec<String> {
        let uid = deployment(c)
            .str_at(&["metadata", "uid"])
            .unwrap()
            .to_string();
        event_messages(c, &uid)
    }

    /// Active pods (not terminating, not finished) and the ready ones.
    fn pod_counts(c: &Cluster) -> (i64, i64) {
        let mut active = 0;
        let mut ready = 0;
        for p in pods(c, "default") {
            if is_deleting(&p) {
                continue;
            }
            active += 1;
            if super::super::pod_ready(&p).0 {
                ready += 1;
            }
        }
        (active, ready)
    }

    #[test]
    fn hash_is_fnv32a_of_the_template_safe_encoded() {
        let t = Value::from_pairs([("a", Value::Int(1))]);
        // FNV-32a of `{"a":1}` is 2342405393; the digits map 2→6, 3→7,
        // 4→8, 0→4, 5→9, 9→f.
        assert_eq!(compute_hash(&t, None), "67868497f7");
        assert_ne!(compute_hash(&t, Some(1)), compute_hash(&t, None));
        for c in compute_hash(&t, Some(7)).chars() {
            assert!("456789bcdf".contains(c), "{c}");
        }
    }

    #[test]
    fn fenceposts_round_surge_up_and_unavailable_down() {
        let d = |surge: &str, unavailable: &str, replicas: i64| {
            yaml(&format!(
                "spec:\n  replicas: {replicas}\n  strategy:\n    type: RollingUpdate\n    rollingUpdate:\n      maxSurge: {surge}\n      maxUnavailable: {unavailable}\n"
            ))
        };
        assert_eq!(resolve_fenceposts(&d("25%", "25%", 3)), Ok((1, 0)));
        assert_eq!(resolve_fenceposts(&d("39%", "39%", 10)), Ok((4, 3)));
        assert_eq!(resolve_fenceposts(&d("0%", "0%", 0)), Ok((0, 1)));
        assert_eq!(resolve_fenceposts(&d("0", "0", 5)), Ok((0, 1)));
        assert_eq!(resolve_fenceposts(&d("2", "10", 4)), Ok((2, 10)));
        assert_eq!(max_unavailable(&d("2", "10", 4)), 4);
        assert!(resolve_fenceposts(&d("oops", "1", 4)).is_err());
        let recreate = yaml("spec:\n  replicas: 4\n  strategy:\n    type: Recreate\n");
        assert_eq!((max_surge(&recreate), max_unavailable(&recreate)), (0, 0));
    }

    #[test]
    fn creates_a_replica_set_named_after_the_template_hash() {
        let mut c = hand_cluster(1);
        let d = create(&mut c, DEPLOYMENT);
        let hash = compute_hash(d.at(&["spec", "template"]), None);
        let rss = replica_sets(&c);
        assert_eq!(rss.len(), 1);
        let rs = &rss[0];
        assert_eq!(
            rs.str_at(&["metadata", "name"]),
            Some(format!("web-{hash}").as_str())
        );
        assert_eq!(
            rs.str_at(&["metadata", "labels", POD_TEMPLATE_HASH]),
            Some(hash.as_str())
        );
        assert_eq!(
            rs.str_at(&["spec", "selector", "matchLabels", POD_TEMPLATE_HASH]),
            Some(hash.as_str())
        );
        assert_eq!(
            rs.str_at(&["spec", "template", "metadata", "labels", POD_TEMPLATE_HASH]),
            Some(hash.as_str())
        );
        assert_eq!(
            crate::yaml::to_json_compact(rs.at(&["metadata", "annotations"])),
            r#"{"deployment.kubernetes.io/desired-replicas":"3","deployment.kubernetes.io/max-replicas":"4","deployment.kubernetes.io/revision":"1"}"#
        );
        assert_eq!(spec_replicas(rs), 3);
        assert_eq!(pods(&c, "default").len(), 3);
        let d = deployment(&c);
        assert_eq!(d.str_at(&["metadata", "annotations", REVISION]), Some("1"));
        assert_eq!(
            deployment_events(&c),
            vec![format!(
                "ScalingReplicaSet Scaled up replica set web-{hash} from 0 to 3"
            )]
        );
        // Created (NewReplicaSetCreated), then at once progressing as the
        // ReplicaSet reports its pods: what `kubectl describe` shows.
        assert_eq!(
            conditions(&d),
            vec![
                (
                    "Available".into(),
                    "False".into(),
                    "MinimumReplicasUnavailable".into(),
                    "Deployment does not have minimum availability.".into()
                ),
                (
                    "Progressing".into(),
                    "True".into(),
                    "ReplicaSetUpdated".into(),
                    format!("ReplicaSet \"web-{hash}\" is progressing.")
                ),
            ]
        );
        let created_condition = c.recent_changes().any(|(_, e)| {
            e.key.resource == res("Deployment")
                && c.store.get(&e.key).is_some()
                && e.old.as_ref().is_some_and(|o| {
                    conditions(o).first().map(|x| x.2.as_str()) == Some("NewReplicaSetCreated")
                })
        });
        assert!(
            created_condition,
            "the first status write says NewReplicaSetCreated"
        );
        // The same template in another cluster gets the same name.
        let mut other = hand_cluster(99);
        create(&mut other, DEPLOYMENT);
        assert_eq!(rs_summary(&other)[0].0, format!("web-{hash}"));
    }

    #[test]
    fn becomes_available_and_complete_when_pods_are_ready() {
        let mut c = hand_cluster(1);
        create(&mut c, DEPLOYMENT);
        c.step(2_000);
        ready_all(&mut c);
        let d = deployment(&c);
        let rs_name = rs_summary(&c)[0].0.clone();
        assert_eq!(
            conditions(&d),
            vec![
                (
                    "Available".into(),
                    "True".into(),
                    "MinimumReplicasAvailable".into(),
                    "Deployment has minimum availability.".into()
                ),
                (
                    "Progressing".into(),
                    "True".into(),
                    "NewReplicaSetAvailable".into(),
                    format!("ReplicaSet \"{rs_name}\" has successfully progressed.")
                ),
            ]
        );
        let status = d.get("status");
        for (field, n) in [
            ("replicas", 3),
            ("updatedReplicas", 3),
            ("readyReplicas", 3),
            ("availableReplicas", 3),
            ("observedGeneration", 1),
            ("terminatingReplicas", 0),
        ] {
            assert_eq!(status.get(field), &Value::Int(n), "{field}");
        }
        assert!(status.get("unavailableReplicas").is_null());
        // Progressing kept its transition time from creation (still True).
        let progressing = get_condition(status, "Progressing").unwrap();
        assert_eq!(
            progressing.str_at(&["lastTransitionTime"]),
            Some("2026-01-01T00:01:00Z")
        );
        assert_eq!(
            progressing.str_at(&["lastUpdateTime"]),
            Some("2026-01-01T00:01:02Z")
        );
    }

    /// Drives a rollout to completion, marking pods ready and letting
    /// terminating ones go, checking the RollingUpdate bounds at each step.
    fn drive_rollout(c: &mut Cluster, replicas: i64, surge: i64, unavailable: i64) {
        // A first rollout starts from nothing available.
        let check = pod_counts(c).1 >= replicas;
        for _ in 0..100 {
            let (active, ready) = pod_counts(c);
            assert!(
                active <= replicas + surge,
                "{active} pods > {replicas} + {surge}"
            );
            assert!(
                !check || ready >= replicas - unavailable,
                "{ready} ready < {replicas} - {unavailable}"
            );
            let total: i64 = replica_sets(c).iter().map(spec_replicas).sum();
            assert!(total <= replicas + surge, "replica sets want {total}");
            c.step(1_000);
            let terminating = pods(c, "default").iter().any(is_deleting);
            let unready = active > ready;
            if !terminating
                && !unready
                && deployment_complete(&deployment(c), deployment(c).get("status"))
            {
                return;
            }
            // Mark one pod at a time ready, to see every step.
            if let Some(p) = pods(c, "default")
                .iter()
                .find(|p| !is_deleting(p) && !super::super::pod_ready(p).0)
            {
                let name = p.str_at(&["metadata", "name"]).unwrap().to_string();
                let ip = format!("10.244.1.{}", 100 + c.rng.below(100));
                run_pod(c, &name, "node-1", &ip, true);
                continue;
            }
            finish_terminating(c);
        }
        panic!("rollout did not finish: {:?}", rs_summary(c));
    }

    #[test]
    fn rolling_update_respects_max_surge_and_max_unavailable() {
        for (replicas, surge, unavailable, yaml_surge, yaml_unavailable) in [
            (3, 1, 0, "25%", "25%"),
            (10, 3, 2, "30%", "25%"),
            (4, 0, 1, "0", "1"),
            (5, 2, 2, "2", "2"),
        ] {
            let mut c = hand_cluster(7);
            create(
                &mut c,
                &DEPLOYMENT.replace(
                    "replicas: 3",
                    &format!(
                        "replicas: {replicas}\n  strategy:\n    type: RollingUpdate\n    rollingUpdate:\n      maxSurge: {yaml_surge}\n      maxUnavailable: {yaml_unavailable}"
                    ),
                ),
            );
            drive_rollout(&mut c, replicas, surge, unavailable);
            set_image(&mut c, "nginx:1.26");
            drive_rollout(&mut c, replicas, surge, unavailable);
            let summary = rs_summary(&c);
            assert_eq!(summary.len(), 2);
            let new = summary.iter().find(|(_, _, rev)| rev == "2").unwrap();
            assert_eq!(new.1, replicas);
            let old = summary.iter().find(|(_, _, rev)| rev == "1").unwrap();
            assert_eq!(old.1, 0);
        }
    }

    #[test]
    fn rolling_update_events_scale_up_new_and_down_old() {
        let mut c = hand_cluster(4);
        create(&mut c, DEPLOYMENT);
        drive_rollout(&mut c, 3, 1, 0);
        let old_name = rs_summary(&c)[0].0.clone();
        set_image(&mut c, "nginx:1.26");
        drive_rollout(&mut c, 3, 1, 0);
        let new_name = rs_summary(&c)
            .into_iter()
            .find(|(n, _, _)| *n != old_name)
            .unwrap()
            .0;
        assert_eq!(
            deployment_events(&c),
            vec![
                format!("ScalingReplicaSet Scaled up replica set {old_name} from 0 to 3"),
                format!("ScalingReplicaSet Scaled up replica set {new_name} from 0 to 1"),
                format!("ScalingReplicaSet Scaled down replica set {old_name} from 3 to 2"),
                format!("ScalingReplicaSet Scaled up replica set {new_name} from 1 to 2"),
                format!("ScalingReplicaSet Scaled down replica set {old_name} from 2 to 1"),
                format!("ScalingReplicaSet Scaled up replica set {new_name} from 2 to 3"),
                format!("ScalingReplicaSet Scaled down replica set {old_name} from 1 to 0"),
            ]
        );
    }

    #[test]
    fn rollback_reuses_the_old_replica_set_with_a_new_revision() {
        let mut c = hand_cluster(2);
        create(&mut c, DEPLOYMENT);
        drive_rollout(&mut c, 3, 1, 0);
        let first = rs_summary(&c)[0].0.clone();
        set_image(&mut c, "nginx:1.26");
        drive_rollout(&mut c, 3, 1, 0);
        // kubectl rollout undo: the old template comes back.
        set_image(&mut c, "nginx:1.25");
        drive_rollout(&mut c, 3, 1, 0);
        let summary = rs_summary(&c);
        assert_eq!(summary.len(), 2, "{summary:?}");
        let reused = summary.iter().find(|(n, _, _)| *n == first).unwrap();
        assert_eq!((reused.1, reused.2.as_str()), (3, "3"));
        let rs = c
            .store
            .get_named(res("ReplicaSet"), "default", &first)
            .unwrap();
        assert_eq!(
            rs.str_at(&["metadata", "annotations", REVISION_HISTORY]),
            Some("1")
        );
        assert_eq!(
            deployment(&c).str_at(&["metadata", "annotations", REVISION]),
            Some("3")
        );
        let other = summary.iter().find(|(n, _, _)| *n != first).unwrap();
        assert_eq!((other.1, other.2.as_str()), (0, "2"));
    }

    #[test]
    fn change_cause_is_copied_to_the_new_replica_set() {
        let mut c = hand_cluster(2);
        create(
            &mut c,
            &DEPLOYMENT.replace(
                "  name: web\n",
                "  name: web\n  annotations:\n    kubernetes.io/change-cause: first\n    kubectl.kubernetes.io/last-applied-configuration: '{}'\n",
            ),
        );
        let rs = replica_sets(&c).pop().unwrap();
        assert_eq!(
            rs.str_at(&["metadata", "annotations", "kubernetes.io/change-cause"]),
            Some("first")
        );
        assert!(
            rs.at(&[
                "metadata",
                "annotations",
                "kubectl.kubernetes.io/last-applied-configuration"
            ])
            .is_null()
        );
        edit(&mut c, |d| {
            d.set_at(
                &["metadata", "annotations", "kubernetes.io/change-cause"],
                Value::str("second"),
            );
        });
        let rs = replica_sets(&c).pop().unwrap();
        assert_eq!(
            rs.str_at(&["metadata", "annotations", "kubernetes.io/change-cause"]),
            Some("second")
        );
    }

    #[test]
    fn old_replica_sets_beyond_the_history_limit_are_deleted() {
        let mut c = hand_cluster(3);
        create(
            &mut c,
            &DEPLOYMENT.replace("replicas: 3", "replicas: 1\n  revisionHistoryLimit: 1"),
        );
        drive_rollout(&mut c, 1, 1, 0);
        for image in ["nginx:1.26", "nginx:1.27", "nginx:1.28"] {
            set_image(&mut c, image);
            drive_rollout(&mut c, 1, 1, 0);
        }
        c.step(1_000);
        let revisions: Vec<String> = rs_summary(&c).into_iter().map(|(_, _, r)| r).collect();
        let mut revisions = revisions;
        revisions.sort();
        assert_eq!(revisions, vec!["3".to_string(), "4".to_string()]);
    }

    #[test]
    fn scaling_is_proportional_during_a_rollout() {
        let mut c = hand_cluster(3);
        create(
            &mut c,
            &DEPLOYMENT.replace(
                "replicas: 3",
                "replicas: 10\n  strategy:\n    rollingUpdate:\n      maxSurge: 3\n      maxUnavailable: 2",
            ),
        );
        drive_rollout(&mut c, 10, 3, 2);
        set_image(&mut c, "nginx:1.26");
        // The new ReplicaSet got 3 pods (surge), the old one went 10 → 8
        // (2 unavailable allowed), making room for 2 more new ones.
        let sizes = |c: &Cluster| {
            let mut s: Vec<(String, i64)> =
                rs_summary(c).into_iter().map(|(_, n, r)| (r, n)).collect();
            s.sort();
            s
        };
        assert_eq!(sizes(&c), vec![("1".to_string(), 8), ("2".to_string(), 5)]);
        // Scale to 20 mid-rollout: 23 allowed (20 + surge 3), the 10 extra
        // shared by size: 8·23/13 → 14, 5·23/13 → 9.
        edit(&mut c, |d| d.set_at(&["spec", "replicas"], Value::Int(20)));
        assert_eq!(sizes(&c), vec![("1".to_string(), 14), ("2".to_string(), 9)]);
        let old_name = rs_summary(&c)
            .into_iter()
            .find(|(_, _, r)| r == "1")
            .unwrap()
            .0;
        let new_name = rs_summary(&c)
            .into_iter()
            .find(|(_, _, r)| r == "2")
            .unwrap()
            .0;
        let events = deployment_events(&c);
        assert_eq!(
            events[events.len() - 2..].to_vec(),
            vec![
                format!("ScalingReplicaSet Scaled up replica set {old_name} from 8 to 14"),
                format!("ScalingReplicaSet Scaled up replica set {new_name} from 5 to 9"),
            ]
        );
        drive_rollout(&mut c, 20, 3, 2);
        assert_eq!(sizes(&c), vec![("1".to_string(), 0), ("2".to_string(), 20)]);
    }

    #[test]
    fn paused_deployments_scale_but_do_not_roll_out() {
        let mut c = hand_cluster(3);
        create(&mut c, DEPLOYMENT);
        drive_rollout(&mut c, 3, 1, 0);
        edit(&mut c, |d| d.set_at(&["spec", "paused"], Value::Bool(true)));
        let d = deployment(&c);
        let progressing = get_condition(d.get("status"), "Progressing").unwrap();
        assert_eq!(progressing.str_at(&["reason"]), Some("DeploymentPaused"));
        assert_eq!(progressing.str_at(&["status"]), Some("Unknown"));
        assert_eq!(
            progressing.str_at(&["message"]),
            Some("Deployment is paused")
        );
        set_image(&mut c, "nginx:1.26");
        assert_eq!(replica_sets(&c).len(), 1);
        edit(&mut c, |d| d.set_at(&["spec", "replicas"], Value::Int(5)));
        assert_eq!(rs_summary(&c)[0].1, 5);
        edit(&mut c, |d| {
            d.set_at(&["spec", "paused"], Value::Bool(false))
        });
        assert_eq!(replica_sets(&c).len(), 2);
        let d = deployment(&c);
        let progressing = get_condition(d.get("status"), "Progressing").unwrap();
        assert_ne!(progressing.str_at(&["reason"]), Some("DeploymentPaused"));
    }

    #[test]
    fn recreate_waits_for_old_pods_to_go() {
        let mut c = hand_cluster(3);
        create(
            &mut c,
            &DEPLOYMENT.replace(
                "replicas: 3",
                "replicas: 2\n  strategy:\n    type: Recreate",
            ),
        );
        ready_all(&mut c);
        set_image(&mut c, "nginx:1.26");
        // Old scaled to 0, pods terminating; no new ReplicaSet yet.
        assert_eq!(replica_sets(&c).len(), 1);
        assert_eq!(
            pods(&c, "default")
                .iter()
                .filter(|p| is_deleting(p))
                .count(),
            2
        );
        finish_terminating(&mut c);
        let summary = rs_summary(&c);
        assert_eq!(summary.len(), 2);
        let new = summary.iter().find(|(_, _, r)| r == "2").unwrap();
        assert_eq!(new.1, 2);
        assert_eq!(pods(&c, "default").len(), 2);
    }

    #[test]
    fn progress_deadline_exceeded_when_pods_never_become_ready() {
        let mut c = hand_cluster(3);
        create(
            &mut c,
            &DEPLOYMENT.replace("replicas: 3", "replicas: 1\n  progressDeadlineSeconds: 30"),
        );
        let rs_name = rs_summary(&c)[0].0.clone();
        c.step(30_000);
        assert_eq!(
            get_condition(deployment(&c).get("status"), "Progressing")
                .unwrap()
                .str_at(&["reason"]),
            Some("ReplicaSetUpdated")
        );
        c.step(1_000);
        let d = deployment(&c);
        let progressing = get_condition(d.get("status"), "Progressing").unwrap();
        assert_eq!(progressing.str_at(&["status"]), Some("False"));
        assert_eq!(
            progressing.str_at(&["reason"]),
            Some("ProgressDeadlineExceeded")
        );
        assert_eq!(
            progressing.str_at(&["message"]),
            Some(format!("ReplicaSet \"{rs_name}\" has timed out progressing.").as_str())
        );
        assert_eq!(
            progressing.str_at(&["lastUpdateTime"]),
            Some("2026-01-01T00:01:31Z")
        );
    }

    #[test]
    fn orphaned_replica_sets_are_adopted() {
        let mut c = hand_cluster(3);
        let d = create(&mut c, DEPLOYMENT);
        let hash = compute_hash(d.at(&["spec", "template"]), None);
        let rs = replica_sets(&c).pop().unwrap();
        // Orphan the ReplicaSet: the controller adopts it back.
        let orphan = without_owner_ref(&rs, uid_of(&d));
        c.update(orphan, &WriteOptions::user()).unwrap();
        c.settle();
        let rs = replica_sets(&c).pop().unwrap();
        assert_eq!(
            rs.str_at(&["metadata", "name"]),
            Some(format!("web-{hash}").as_str())
        );
        assert_eq!(controller_uid(&rs), Some(uid_of(&d)));
        assert_eq!(replica_sets(&c).len(), 1);
    }

    #[test]
    fn a_hash_collision_bumps_the_collision_count() {
        let mut probe = hand_cluster(1);
        let d = create(&mut probe, DEPLOYMENT);
        let hash = compute_hash(d.at(&["spec", "template"]), None);
        let mut c = hand_cluster(1);
        // Someone else's ReplicaSet already has the name.
        create(
            &mut c,
            &format!(
                "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata:\n  name: web-{hash}\nspec:\n  replicas: 0\n  selector:\n    matchLabels: {{app: other}}\n  template:\n    metadata:\n      labels: {{app: other}}\n    spec:\n      containers:\n      - name: c\n        image: busybox\n"
            ),
        );
        let d = create(&mut c, DEPLOYMENT);
        let next = compute_hash(d.at(&["spec", "template"]), Some(1));
        assert_eq!(
            deployment(&c).at(&["status", "collisionCount"]),
            &Value::Int(1)
        );
        let names: Vec<String> = rs_summary(&c).into_iter().map(|(n, _, _)| n).collect();
        assert_eq!(names, {
            let mut v = vec![format!("web-{hash}"), format!("web-{next}")];
            v.sort();
            v
        });
        let theirs = c
            .store
            .get_named(res("ReplicaSet"), "default", &format!("web-{hash}"))
            .unwrap();
        assert!(controller_ref(theirs).is_none());
    }

    #[test]
    fn revision_history_is_kept_within_its_length_limit() {
        let d = yaml("metadata:\n  name: web\nspec:\n  replicas: 1\n");
        let mut rs = yaml(
            "metadata:\n  annotations:\n    deployment.kubernetes.io/revision: \"7\"\n    deployment.kubernetes.io/revision-history: 1,3,5\n",
        );
        assert!(set_new_rs_annotations(&d, &mut rs, 9, true));
        assert_eq!(rs.str_at(&["metadata", "annotations", REVISION]), Some("9"));
        assert_eq!(
            rs.str_at(&["metadata", "annotations", REVISION_HISTORY]),
            Some("1,3,5,7")
        );
        // Not moving backwards.
        assert!(!set_new_rs_annotations(&d, &mut rs, 4, true));
    }
}
