//! The PersistentVolume controller (`pkg/controller/volume/persistentvolume`,
//! "persistentvolume-binder") with the pvc-protection and pv-protection
//! controllers: binds Pending claims to Available volumes, reports claims
//! nothing can satisfy, releases and reclaims volumes whose claim is gone,
//! and lets protected claims and volumes go once nothing uses them.
//!
//! A kubeadm cluster has no StorageClass and no provisioner, so dynamic
//! provisioning only ever waits (as it would there); static volumes bind.

use super::{is_deleting, requeue_after};
use crate::apiserver::DeleteOptions;
use crate::cluster::{Cluster, Controller, res};
use crate::events::EventType;
use crate::quantity::Quantity;
use crate::store::{ObjectKey, WatchEvent, WatchEventType};
use crate::time::{Millis, rfc3339};
use crate::value::Value;

/// `--pvclaimbinder-sync-period`: unbound claims are tried again this often.
const SYNC_PERIOD: Millis = 15_000;
/// The event source.
const COMPONENT: &str = "persistentvolume-controller";
/// `pv.kubernetes.io/bind-completed`
pub(crate) const BIND_COMPLETED: &str = "pv.kubernetes.io/bind-completed";
/// `pv.kubernetes.io/bound-by-controller`
pub(crate) const BOUND_BY_CONTROLLER: &str = "pv.kubernetes.io/bound-by-controller";
/// `volume.kubernetes.io/selected-node`: the node the scheduler chose for a
/// WaitForFirstConsumer claim to be provisioned on.
pub(crate) const SELECTED_NODE: &str = "volume.kubernetes.io/selected-node";
/// The beta class annotation, read before `storageClassName`.
const BETA_CLASS: &str = "volume.beta.kubernetes.io/storage-class";
/// The StorageObjectInUseProtection finalizers.
pub(crate) const PVC_PROTECTION: &str = "kubernetes.io/pvc-protection";
/// See [`PVC_PROTECTION`].
pub(crate) const PV_PROTECTION: &str = "kubernetes.io/pv-protection";
/// The provisioner of classes for volumes made by hand.
const NO_PROVISIONER: &str = "kubernetes.io/no-provisioner";

/// `GetPersistentVolumeClaimClass` / `GetPersistentVolumeClass`: the beta
/// annotation first, then `storageClassName`, else "".
pub(crate) fn class_of(obj: &Value) -> &str {
    obj.str_at(&["metadata", "annotations", BETA_CLASS])
        .or_else(|| obj.str_at(&["spec", "storageClassName"]))
        .unwrap_or("")
}

/// The StorageClass named `name`, if it exists.
fn storage_class<'a>(cluster: &'a Cluster, name: &str) -> Option<&'a Value> {
    cluster.store.get_named(res("StorageClass"), "", name)
}

/// `IsDelayBindingMode`: the claim's class exists and waits for the first
/// consumer.
pub(crate) fn is_delay_binding(cluster: &Cluster, claim: &Value) -> bool {
    let class = class_of(claim);
    !class.is_empty()
        && storage_class(cluster, class)
            .is_some_and(|c| c.str_at(&["volumeBindingMode"]) == Some("WaitForFirstConsumer"))
}

/// True when the claim is bound (`isPVCFullyBound`).
pub(crate) fn is_fully_bound(claim: &Value) -> bool {
    claim
        .str_at(&["spec", "volumeName"])
        .is_some_and(|v| !v.is_empty())
        && !claim
            .at(&["metadata", "annotations", BIND_COMPLETED])
            .is_null()
}

/// True when a volume can never be provisioned for the class (no
/// provisioner, or the one for volumes made by hand).
pub(crate) fn cannot_provision(class: &Value) -> bool {
    matches!(
        class.str_at(&["provisioner"]),
        None | Some("" | NO_PROVISIONER)
    )
}

fn storage_bytes(obj: &Value, path: &[&str]) -> i64 {
    obj.str_at(path)
        .and_then(|q| Quantity::parse(q).ok())
        .map_or(0, |q| q.value())
}

/// A claim's storage request in bytes.
pub(crate) fn requested_bytes(claim: &Value) -> i64 {
    storage_bytes(claim, &["spec", "resources", "requests", "storage"])
}

fn capacity_bytes(volume: &Value) -> i64 {
    storage_bytes(volume, &["spec", "capacity", "storage"])
}

fn access_modes(obj: &Value) -> Vec<&str> {
    obj.at(&["spec", "accessModes"])
        .items()
        .filter_map(Value::as_str)
        .collect()
}

/// True when the volume's `claimRef` names this claim (without a UID, or
/// with its UID): pre-bound by the user, or bound.
fn claim_ref_is(volume: &Value, claim: &Value) -> bool {
    let r = volume.at(&["spec", "claimRef"]);
    r.get("name").as_str() == claim.str_at(&["metadata", "name"])
        && r.get("namespace").as_str() == claim.str_at(&["metadata", "namespace"])
        && r.get("uid")
            .as_str()
            .is_none_or(|u| u.is_empty() || Some(u) == claim.str_at(&["metadata", "uid"]))
}

/// `FindMatchingVolume`: the smallest volume that satisfies `claim`, or the
/// one pre-bound to it. `on_node` is the scheduler's node check (node
/// affinity); without it (the controller) WaitForFirstConsumer claims are
/// left to the scheduler and volumes are taken by access-mode set, fewest
/// modes first, as the controller's index walks them.
pub(crate) fn find_matching_volume<'a>(
    claim: &Value,
    volumes: &[&'a Value],
    on_node: Option<&dyn Fn(&Value) -> bool>,
    excluded: &[&str],
    delay_binding: bool,
) -> Option<&'a Value> {
    let requested = requested_bytes(claim);
    let wanted_modes = access_modes(claim);
    let claim_class = class_of(claim);
    let claim_mode = claim
        .str_at(&["spec", "volumeMode"])
        .unwrap_or("Filesystem");
    let selector = claim.at(&["spec", "selector"]);
    let mut best: Option<(&Value, (usize, i64))> = None;
    for &volume in volumes {
        let name = volume.str_at(&["metadata", "name"]).unwrap_or("");
        if excluded.contains(&name) {
            continue;
        }
        let claim_ref = volume.at(&["spec", "claimRef"]);
        if !claim_ref.is_null() && !claim_ref_is(volume, claim) {
            continue;
        }
        let capacity = capacity_bytes(volume);
        if capacity < requested
            || volume
                .str_at(&["spec", "volumeMode"])
                .unwrap_or("Filesystem")
                != claim_mode
            || is_deleting(volume)
        {
            continue;
        }
        let modes = access_modes(volume);
        let node_ok = on_node.is_none_or(|f| f(volume));
        if !claim_ref.is_null() {
            // Pre-bound to this claim.
            if on_node.is_none() || node_ok {
                return Some(volume);
            }
            continue;
        }
        if (on_node.is_none() && delay_binding)
            || volume.str_at(&["status", "phase"]) != Some("Available")
            || (!selector.is_null()
                && !crate::api::selector::matches(selector, volume.at(&["metadata", "labels"])))
            || class_of(volume) != claim_class
            || !node_ok
            || !wanted_modes.iter().all(|m| modes.contains(m))
        {
            continue;
        }
        // The controller walks access-mode sets with the fewest modes first.
        let rank = (if on_node.is_none() { modes.len() } else { 0 }, capacity);
        if best.as_ref().is_none_or(|(_, r)| rank < *r) {
            best = Some((volume, rank));
        }
    }
    best.map(|(v, _)| v)
}

/// Hears about claims, volumes, classes and the pods that hold claims.
pub(crate) fn on_change(cluster: &mut Cluster, event: &WatchEvent) {
    match event.key.resource.get().kind {
        "PersistentVolumeClaim" => {
            cluster.enqueue(Controller::PersistentVolume, event.key.clone());
            // A deleted claim releases its volume.
            if event.kind == WatchEventType::Deleted
                && let Some(volume) = event
                    .old
                    .as_ref()
                    .and_then(|c| c.str_at(&["spec", "volumeName"]))
                    .filter(|v| !v.is_empty())
            {
                let key = ObjectKey::new(res("PersistentVolume"), "", volume);
                cluster.enqueue(Controller::PersistentVolume, key);
            }
        }
        // Pending claims see new volumes and classes at their next periodic
        // sync, as the controller's resync finds them.
        "PersistentVolume" => cluster.enqueue(Controller::PersistentVolume, event.key.clone()),
        "Pod" => {
            // A pod that stopped using a claim may let a deleted claim go.
            let Some(old) = &event.old else {
                return;
            };
            let gone = event.kind == WatchEventType::Deleted;
            let claims: Vec<String> = claim_names(old).map(str::to_string).collect();
            for claim in claims {
                let key =
                    ObjectKey::new(res("PersistentVolumeClaim"), &event.key.namespace, &claim);
                if (gone || cluster.store.get(&event.key).is_none())
                    && cluster.store.get(&key).is_some_and(is_deleting)
                {
                    cluster.enqueue(Controller::PersistentVolume, key);
                }
            }
        }
        _ => {}
    }
}

/// The claim names a pod's volumes mount.
pub(crate) fn claim_names(pod: &Value) -> impl Iterator<Item = &str> {
    pod.at(&["spec", "volumes"])
        .items()
        .filter_map(|v| v.at(&["persistentVolumeClaim", "claimName"]).as_str())
}

/// Syncs one claim or volume.
pub(crate) fn reconcile(cluster: &mut Cluster, key: &ObjectKey) {
    if key.resource == res("PersistentVolume") {
        sync_volume(cluster, key);
    } else {
        sync_claim(cluster, key);
    }
}

fn record(cluster: &mut Cluster, obj: &Value, event_type: EventType, reason: &str, message: &str) {
    cluster.record_event(obj, None, event_type, reason, message, (COMPONENT, None));
}

/// True when a scheduled pod mounts the claim (`podUsesPVC`): the kubelet
/// may be using it.
fn claim_in_use(cluster: &Cluster, namespace: &str, name: &str) -> bool {
    cluster
        .store
        .list(res("Pod"), Some(namespace))
        .any(|(_, pod)| {
            pod.str_at(&["spec", "nodeName"])
                .is_some_and(|n| !n.is_empty())
                && claim_names(pod).any(|c| c == name)
        })
}

fn sync_claim(cluster: &mut Cluster, key: &ObjectKey) {
    let Some(claim) = cluster.store.get(key).cloned() else {
        return;
    };
    if is_deleting(&claim) {
        // The pvc-protection controller.
        let protected = claim
            .at(&["metadata", "finalizers"])
            .items()
            .any(|f| f.as_str() == Some(PVC_PROTECTION));
        if protected && !claim_in_use(cluster, &key.namespace, &key.name) {
            cluster.remove_finalizer(key, PVC_PROTECTION);
        }
        return;
    }
    if is_fully_bound(&claim) {
        sync_bound_claim(cluster, key, &claim);
    } else {
        sync_unbound_claim(cluster, key, &claim);
    }
}

fn volumes(cluster: &Cluster) -> Vec<Value> {
    cluster
        .store
        .list(res("PersistentVolume"), None)
        .map(|(_, v)| v.clone())
        .collect()
}

fn sync_unbound_claim(cluster: &mut Cluster, key: &ObjectKey, claim: &Value) {
    let wanted = claim.str_at(&["spec", "volumeName"]).unwrap_or("");
    if wanted.is_empty() {
        let delay = is_delay_binding(cluster, claim);
        let all = volumes(cluster);
        let refs: Vec<&Value> = all.iter().collect();
        if let Some(volume) = find_matching_volume(claim, &refs, None, &[], delay) {
            bind(cluster, volume, claim);
            return;
        }
        // Retroactive default StorageClass assignment.
        if claim.at(&["spec", "storageClassName"]).is_null()
            && claim.at(&["metadata", "annotations", BETA_CLASS]).is_null()
            && let Some(default) = default_class(cluster)
        {
            let mut updated = claim.clone();
            updated.set_at(&["spec", "storageClassName"], Value::from(default));
            let _ = cluster.write(updated);
            return;
        }
        let class = class_of(claim).to_string();
        let selected = !claim
            .at(&["metadata", "annotations", SELECTED_NODE])
            .is_null();
        if delay && !selected {
            let waiting: Vec<String> = cluster
                .store
                .list(res("Pod"), Some(&key.namespace))
                .filter(|(_, p)| {
                    p.str_at(&["spec", "nodeName"]).is_none_or(str::is_empty)
                        && claim_names(p).any(|c| c == &*key.name)
                })
                .map(|((_, n), _)| n.to_string())
                .collect();
            if waiting.is_empty() {
                record(
                    cluster,
                    claim,
                    EventType::Normal,
                    "WaitForFirstConsumer",
                    "waiting for first consumer to be created before binding",
                );
            } else {
                let noun = if waiting.len() == 1 { "pod" } else { "pods" };
                record(
                    cluster,
                    claim,
                    EventType::Normal,
                    "WaitForPodScheduled",
                    &format!("waiting for {noun} {} to be scheduled", waiting.join(",")),
                );
            }
        } else if !class.is_empty() {
            provision(cluster, claim, &class);
        } else {
            record(
                cluster,
                claim,
                EventType::Normal,
                "FailedBinding",
                "no persistent volumes available for this claim and no storage class is set",
            );
        }
        requeue_after(cluster, Controller::PersistentVolume, key, SYNC_PERIOD);
        return;
    }
    // The user asked for a volume by name.
    let Some(volume) = cluster
        .store
        .get_named(res("PersistentVolume"), "", wanted)
        .cloned()
    else {
        requeue_after(cluster, Controller::PersistentVolume, key, SYNC_PERIOD);
        return;
    };
    if volume.at(&["spec", "claimRef"]).is_null() {
        match mismatch(&volume, claim) {
            Some(reason) => {
                record(
                    cluster,
                    claim,
                    EventType::Warning,
                    "VolumeMismatch",
                    &format!("Cannot bind to requested volume \"{wanted}\": {reason}"),
                );
                requeue_after(cluster, Controller::PersistentVolume, key, SYNC_PERIOD);
            }
            None => bind(cluster, &volume, claim),
        }
    } else if claim_ref_is(&volume, claim) {
        bind(cluster, &volume, claim);
    } else {
        record(
            cluster,
            claim,
            EventType::Warning,
            "FailedBinding",
            &format!("volume \"{wanted}\" already bound to a different claim."),
        );
        requeue_after(cluster, Controller::PersistentVolume, key, SYNC_PERIOD);
    }
}

/// `checkVolumeSatisfyClaim`: why the volume cannot serve the claim.
fn mismatch(volume: &Value, claim: &Value) -> Option<String> {
    let name = volume.str_at(&["metadata", "name"]).unwrap_or("");
    if is_deleting(volume) {
        return Some(format!("the volume is marked for deletion \"{name}\""));
    }
    if capacity_bytes(volume) < requested_bytes(claim) {
        return Some("requested PV is too small".into());
    }
    if class_of(volume) != class_of(claim) {
        return Some("storageClassName does not match".into());
    }
    let mode = |o: &Value| {
        o.str_at(&["spec", "volumeMode"])
            .unwrap_or("Filesystem")
            .to_string()
    };
    if mode(volume) != mode(claim) {
        return Some("incompatible volumeMode".into());
    }
    let modes = access_modes(volume);
    if !access_modes(claim).iter().all(|m| modes.contains(m)) {
        return Some("incompatible accessMode".into());
    }
    None
}

/// The default StorageClass (`storageclass.kubernetes.io/is-default-class`),
/// the newest when several claim it, as `GetDefaultClass` picks.
pub(crate) fn default_class(cluster: &Cluster) -> Option<String> {
    let mut best: Option<(String, String)> = None;
    for ((_, name), class) in cluster.store.list(res("StorageClass"), None) {
        let annotations = class.at(&["metadata", "annotations"]);
        let default = [
            "storageclass.kubernetes.io/is-default-class",
            "storageclass.beta.kubernetes.io/is-default-class",
        ]
        .iter()
        .any(|a| annotations.get(a).as_str() == Some("true"));
        if !default {
            continue;
        }
        let created = class
            .str_at(&["metadata", "creationTimestamp"])
            .unwrap_or("")
            .to_string();
        if best.as_ref().is_none_or(|(c, _)| created > *c) {
            best = Some((created, name.to_string()));
        }
    }
    best.map(|(_, n)| n)
}

/// `provisionClaim` with no provisioner running: the class is missing, has
/// no in-tree plugin, or waits for an external provisioner.
fn provision(cluster: &mut Cluster, claim: &Value, class_name: &str) {
    let Some(class) = storage_class(cluster, class_name).cloned() else {
        record(
            cluster,
            claim,
            EventType::Warning,
            "ProvisioningFailed",
            &format!("storageclass.storage.k8s.io \"{class_name}\" not found"),
        );
        return;
    };
    let provisioner = class.str_at(&["provisioner"]).unwrap_or("");
    if provisioner.starts_with("kubernetes.io/") {
        record(
            cluster,
            claim,
            EventType::Warning,
            "ProvisioningFailed",
            &format!("no volume plugin matched name: {provisioner}"),
        );
        return;
    }
    let annotations = claim.at(&["metadata", "annotations"]);
    if annotations
        .get("volume.kubernetes.io/storage-provisioner")
        .as_str()
        != Some(provisioner)
    {
        let mut updated = claim.clone();
        for a in [
            "volume.beta.kubernetes.io/storage-provisioner",
            "volume.kubernetes.io/storage-provisioner",
        ] {
            updated.set_at(&["metadata", "annotations", a], Value::str(provisioner));
        }
        let _ = cluster.write(updated);
    }
    record(
        cluster,
        claim,
        EventType::Normal,
        "ExternalProvisioning",
        &format!(
            "Waiting for a volume to be created either by the external provisioner '{provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered."
        ),
    );
}

/// `bind`: the volume's claimRef and phase, then the claim's volumeName,
/// annotations and status.
fn bind(cluster: &mut Cluster, volume: &Value, claim: &Value) {
    let mut pv = volume.clone();
    // Unbound, or pre-bound by the user without the claim's UID.
    if volume
        .str_at(&["spec", "claimRef", "uid"])
        .is_none_or(str::is_empty)
    {
        if volume.at(&["spec", "claimRef"]).is_null() {
            pv.set_at(
                &["metadata", "annotations", BOUND_BY_CONTROLLER],
                Value::str("yes"),
            );
        }
        pv.set_at(&["spec", "claimRef"], claim_ref(claim));
        match cluster.write(pv) {
            Ok(v) => pv = v,
            Err(_) => return,
        }
    }
    let pv_key = ObjectKey::of(res("PersistentVolume"), &pv);
    set_volume_phase(cluster, &pv_key, &pv, "Bound", None);
    let mut pvc = claim.clone();
    let volume_name = pv.str_at(&["metadata", "name"]).unwrap_or("").to_string();
    if claim.str_at(&["spec", "volumeName"]) != Some(&volume_name) {
        pvc.set_at(&["spec", "volumeName"], Value::from(volume_name));
        pvc.set_at(
            &["metadata", "annotations", BOUND_BY_CONTROLLER],
            Value::str("yes"),
        );
    }
    pvc.set_at(
        &["metadata", "annotations", BIND_COMPLETED],
        Value::str("yes"),
    );
    let Ok(pvc) = cluster.write(pvc) else {
        return;
    };
    let key = ObjectKey::of(res("PersistentVolumeClaim"), &pvc);
    let mut status = pvc.get("status").clone();
    if status.as_object().is_none() {
        status = Value::object();
    }
    status.set("accessModes", pv.at(&["spec", "accessModes"]).clone());
    status.set("capacity", pv.at(&["spec", "capacity"]).clone());
    status.set("phase", Value::str("Bound"));
    if &status != pvc.get("status") {
        let _ = cluster.update_status(&key, status);
    }
}

/// The ObjectReference a bound volume keeps to its claim.
pub(crate) fn claim_ref(claim: &Value) -> Value {
    let meta = claim.get("metadata");
    Value::from_pairs([
        ("apiVersion", Value::str("v1")),
        ("kind", Value::str("PersistentVolumeClaim")),
        ("name", meta.get("name").clone()),
        ("namespace", meta.get("namespace").clone()),
        ("resourceVersion", meta.get("resourceVersion").clone()),
        ("uid", meta.get("uid").clone()),
    ])
}

/// Writes a volume's phase (and message), stamping the transition time.
fn set_volume_phase(
    cluster: &mut Cluster,
    key: &ObjectKey,
    volume: &Value,
    phase: &str,
    message: Option<&str>,
) {
    let mut status = volume.get("status").clone();
    if status.as_object().is_none() {
        status = Value::object();
    }
    if status.get("phase").as_str() != Some(phase) {
        status.set("phase", Value::str(phase));
        status.set("lastPhaseTransitionTime", Value::from(rfc3339(cluster.now)));
    }
    match message {
        Some(m) => status.set("message", Value::str(m)),
        None => {
            status.remove("message");
        }
    }
    if &status != volume.get("status") {
        let _ = cluster.update_status(key, status);
    }
}

fn set_claim_phase(cluster: &mut Cluster, key: &ObjectKey, claim: &Value, phase: &str) -> bool {
    if claim.str_at(&["status", "phase"]) == Some(phase) {
        return false;
    }
    let mut status = claim.get("status").clone();
    if status.as_object().is_none() {
        status = Value::object();
    }
    status.set("phase", Value::str(phase));
    cluster.update_status(key, status).is_ok()
}

fn sync_bound_claim(cluster: &mut Cluster, key: &ObjectKey, claim: &Value) {
    let name = claim.str_at(&["spec", "volumeName"]).unwrap_or("");
    let volume = cluster
        .store
        .get_named(res("PersistentVolume"), "", name)
        .cloned();
    match volume {
        None => {
            if set_claim_phase(cluster, key, claim, "Lost") {
                record(
                    cluster,
                    claim,
                    EventType::Warning,
                    "ClaimLost",
                    "Bound claim has lost its PersistentVolume. Data on the volume is lost!",
                );
            }
        }
        Some(volume) if volume.at(&["spec", "claimRef"]).is_null() => bind(cluster, &volume, claim),
        Some(volume) if claim_ref_is(&volume, claim) => {
            if claim.str_at(&["status", "phase"]) != Some("Bound") {
                bind(cluster, &volume, claim);
            }
        }
        Some(_) => {
            if set_claim_phase(cluster, key, claim, "Lost") {
                record(
                    cluster,
                    claim,
                    EventType::Warning,
                    "ClaimMisbound",
                    "Two claims are bound to the same volume, this one is bound incorrectly",
                );
            }
        }
    }
}

fn sync_volume(cluster: &mut Cluster, key: &ObjectKey) {
    let Some(volume) = cluster.store.get(key).cloned() else {
        return;
    };
    sync_volume_claim(cluster, key, &volume);
    // The pv-protection controller: a deleted volume goes once it is not
    // Bound (`syncVolume` above ignores the deletion).
    if let Some(volume) = cluster.store.get(key)
        && is_deleting(volume)
        && volume.str_at(&["status", "phase"]) != Some("Bound")
    {
        cluster.remove_finalizer(key, PV_PROTECTION);
    }
}

/// `syncVolume`: the volume's phase from its claim reference.
fn sync_volume_claim(cluster: &mut Cluster, key: &ObjectKey, volume: &Value) {
    let volume = volume.clone();
    let claim_ref = volume.at(&["spec", "claimRef"]);
    if claim_ref.is_null() || claim_ref.get("uid").as_str().is_none_or(str::is_empty) {
        set_volume_phase(cluster, key, &volume, "Available", None);
        return;
    }
    let claim_key = ObjectKey::new(
        res("PersistentVolumeClaim"),
        claim_ref.get("namespace").as_str().unwrap_or(""),
        claim_ref.get("name").as_str().unwrap_or(""),
    );
    let claim = cluster
        .store
        .get(&claim_key)
        .filter(|c| c.str_at(&["metadata", "uid"]) == claim_ref.get("uid").as_str())
        .cloned();
    let Some(claim) = claim else {
        release(cluster, key, &volume);
        return;
    };
    match claim.str_at(&["spec", "volumeName"]).unwrap_or("") {
        // The claim is being bound to this volume.
        "" => cluster.enqueue(Controller::PersistentVolume, claim_key),
        v if v == &*key.name => set_volume_phase(cluster, key, &volume, "Bound", None),
        // The claim went to another volume: one this controller bound
        // is freed again.
        _ => {
            if volume
                .str_at(&["metadata", "annotations", BOUND_BY_CONTROLLER])
                .is_some()
            {
                let mut freed = volume.clone();
                freed.entry("spec").remove("claimRef");
                freed
                    .entry("metadata")
                    .entry("annotations")
                    .remove(BOUND_BY_CONTROLLER);
                let _ = cluster.write(freed);
            }
        }
    }
}

/// The claim of a bound volume is gone: `Released`, then the reclaim
/// policy.
fn release(cluster: &mut Cluster, key: &ObjectKey, volume: &Value) {
    let phase = volume.str_at(&["status", "phase"]).unwrap_or("");
    if phase == "Failed" {
        return;
    }
    if phase != "Released" {
        set_volume_phase(cluster, key, volume, "Released", None);
    }
    if volume.str_at(&["spec", "persistentVolumeReclaimPolicy"]) != Some("Delete") {
        return;
    }
    // CSI volumes and provisioned ones wait for their external deleter.
    if !volume.at(&["spec", "csi"]).is_null()
        || !volume
            .at(&["metadata", "annotations", "pv.kubernetes.io/provisioned-by"])
            .is_null()
    {
        return;
    }
    // Of the in-tree volumes, only hostPath has a deleter, for /tmp/.+.
    let message = match volume.str_at(&["spec", "hostPath", "path"]) {
        Some(path) if tmp_path(path) => {
            let _ = cluster.delete(key, DeleteOptions::default());
            return;
        }
        Some(path) => {
            format!("host_path deleter only supports /tmp/.+ but received provided {path}")
        }
        None => format!(
            "error getting deleter volume plugin for volume \"{}\": no deletable volume plugin matched",
            key.name
        ),
    };
    if let Some(current) = cluster.store.get(key).cloned() {
        set_volume_phase(cluster, key, &current, "Failed", Some(&message));
    }
    record(
        cluster,
        volume,
        EventType::Warning,
        "VolumeFailedDelete",
        &message,
    );
}

/// The hostPath deleter's `regexp.MustCompile("/tmp/.+").MatchString`.
fn tmp_path(path: &str) -> bool {
    path.match_indices("/tmp/")
        .any(|(i, m)| path.len() > i + m.len())
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{create, yaml};
    use super::*;
    use crate::apiserver::WriteOptions;

    fn pv(name: &str, size: &str, class: &str, extra: &str) -> String {
        format!(
            "apiVersion: v1\nkind: PersistentVolume\nmetadata: {{name: {name}}}\nspec:\n  storageClassName: '{class}'\n  capacity: {{storage: {size}}}\n  accessModes: [ReadWriteOnce]\n{extra}"
        )
    }

    fn pvc(name: &str, size: &str, class: Option<&str>) -> String {
        let class = class.map_or(String::new(), |c| format!("  storageClassName: '{c}'\n"));
        format!(
            "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: {name}, namespace: default}}\nspec:\n{class}  accessModes: [ReadWriteOnce]\n  resources: {{requests: {{storage: {size}}}}}\n"
        )
    }

    fn pod(name: &str, claim: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: default}}\nspec:\n  containers: [{{name: c, image: nginx}}]\n  volumes: [{{name: d, persistentVolumeClaim: {{claimName: {claim}}}}}]\n"
        )
    }

    fn get(c: &Cluster, kind: &str, name: &str) -> Value {
        let ns = if kind == "PersistentVolume" {
            ""
        } else {
            "default"
        };
        c.store
            .get_named(res(kind), ns, name)
            .cloned()
            .unwrap_or(Value::Null)
    }

    fn events(c: &Cluster, obj: &Value) -> Vec<String> {
        c.events
            .for_object(obj.str_at(&["metadata", "uid"]).unwrap_or(""))
            .map(|e| format!("{} {} x{}", e.reason, e.message, e.count))
            .collect()
    }

    #[test]
    fn binds_the_smallest_matching_volume_of_the_same_class() {
        let mut c = Cluster::new(1);
        create(
            &mut c,
            &pv("big", "10Gi", "manual", "  hostPath: {path: /mnt/big}\n"),
        );
        create(
            &mut c,
            &pv("small", "5Gi", "manual", "  hostPath: {path: /mnt/small}\n"),
        );
        create(
            &mut c,
            &pv("other", "1Gi", "fast", "  hostPath: {path: /mnt/o}\n"),
        );
        create(
            &mut c,
            &pv("tiny", "1Gi", "manual", "  hostPath: {path: /mnt/t}\n"),
        );
        assert_eq!(
            get(&c, "PersistentVolume", "big").str_at(&["status", "phase"]),
            Some("Available")
        );
        assert_eq!(
            get(&c, "PersistentVolume", "big")
                .at(&["metadata", "finalizers"])
                .items()
                .next()
                .and_then(Value::as_str),
            Some(PV_PROTECTION)
        );
        create(&mut c, &pvc("data", "3Gi", Some("manual")));
        c.step(0);
        let claim = get(&c, "PersistentVolumeClaim", "data");
        assert_eq!(claim.str_at(&["spec", "volumeName"]), Some("small"));
        assert_eq!(
            crate::yaml::to_json_compact(claim.at(&["metadata", "annotations"])),
            r#"{"pv.kubernetes.io/bind-completed":"yes","pv.kubernetes.io/bound-by-controller":"yes"}"#
        );
        assert_eq!(
            crate::yaml::to_json_compact(claim.get("status")),
            r#"{"accessModes":["ReadWriteOnce"],"capacity":{"storage":"5Gi"},"phase":"Bound"}"#
        );
        let volume = get(&c, "PersistentVolume", "small");
        assert_eq!(volume.str_at(&["status", "phase"]), Some("Bound"));
        assert_eq!(volume.str_at(&["spec", "claimRef", "name"]), Some("data"));
        assert_eq!(
            volume.str_at(&["spec", "claimRef", "uid"]),
            claim.str_at(&["metadata", "uid"])
        );
        assert!(events(&c, &claim).is_empty());
    }

    #[test]
    fn unsatisfiable_claims_say_why_every_sync_period() {
        let mut c = Cluster::new(1);
        create(&mut c, &pvc("plain", "1Gi", None));
        create(
            &mut c,
            &pvc("missing-class", "1Gi", Some("my-storage-class")),
        );
        create(
            &mut c,
            "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: external}\nprovisioner: example.com/nfs\n",
        );
        create(&mut c, &pvc("external", "1Gi", Some("external")));
        c.step(31_000);
        let plain = get(&c, "PersistentVolumeClaim", "plain");
        assert_eq!(plain.str_at(&["status", "phase"]), Some("Pending"));
        assert_eq!(
            events(&c, &plain),
            [
                "FailedBinding no persistent volumes available for this claim and no storage class is set x3"
            ]
        );
        let missing = get(&c, "PersistentVolumeClaim", "missing-class");
        assert_eq!(
            events(&c, &missing),
            ["ProvisioningFailed storageclass.storage.k8s.io \"my-storage-class\" not found x3"]
        );
        let external = get(&c, "PersistentVolumeClaim", "external");
        assert_eq!(
            external.str_at(&[
                "metadata",
                "annotations",
                "volume.kubernetes.io/storage-provisioner"
            ]),
            Some("example.com/nfs")
        );
        assert!(events(&c, &external)[0].starts_with(
            "ExternalProvisioning Waiting for a volume to be created either by the external provisioner 'example.com/nfs' or manually"
        ));
    }

    #[test]
    fn pods_wait_for_their_claims_and_run_once_bound() {
        let mut c = Cluster::new(1);
        create(&mut c, &pod("app", "data"));
        c.step(1000);
        let p = get(&c, "Pod", "app");
        assert!(p.str_at(&["spec", "nodeName"]).is_none());
        let failed: Vec<String> = events(&c, &p);
        assert_eq!(
            failed,
            [
                "FailedScheduling 0/4 nodes are available: persistentvolumeclaim \"data\" not found. no new claims to deallocate, preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling. x1"
            ]
        );
        create(&mut c, &pvc("data", "1Gi", Some("manual")));
        c.step(1000);
        let p = get(&c, "Pod", "app");
        assert!(p.str_at(&["spec", "nodeName"]).is_none());
        assert!(
            events(&c, &p).iter().any(|e| e.contains(
                "0/4 nodes are available: pod has unbound immediate PersistentVolumeClaims. no new claims"
            )),
            "{:?}",
            events(&c, &p)
        );
        create(
            &mut c,
            &pv("vol", "1Gi", "manual", "  hostPath: {path: /mnt/v}\n"),
        );
        c.step(20_000);
        let p = get(&c, "Pod", "app");
        assert!(
            p.str_at(&["spec", "nodeName"])
                .is_some_and(|n| n.starts_with("node-"))
        );
        assert_eq!(p.str_at(&["status", "phase"]), Some("Running"));
    }

    #[test]
    fn deleted_claims_wait_for_their_pods_then_release_the_volume() {
        let mut c = Cluster::new(1);
        create(
            &mut c,
            &pv("keep", "1Gi", "a", "  hostPath: {path: /mnt/keep}\n"),
        );
        create(
            &mut c,
            &pv(
                "scratch",
                "1Gi",
                "b",
                "  persistentVolumeReclaimPolicy: Delete\n  hostPath: {path: /tmp/scratch}\n",
            ),
        );
        create(
            &mut c,
            &pv(
                "data",
                "1Gi",
                "c",
                "  persistentVolumeReclaimPolicy: Delete\n  hostPath: {path: /mnt/data}\n",
            ),
        );
        for (claim, class) in [("keep", "a"), ("scratch", "b"), ("data", "c")] {
            create(&mut c, &pvc(claim, "1Gi", Some(class)));
        }
        create(&mut c, &pod("user", "keep"));
        c.step(20_000);
        let key = ObjectKey::new(res("PersistentVolumeClaim"), "default", "keep");
        c.delete(&key, DeleteOptions::default()).unwrap();
        c.step(5_000);
        // The pod still mounts it.
        assert!(is_deleting(&get(&c, "PersistentVolumeClaim", "keep")));
        let pod_key = ObjectKey::new(res("Pod"), "default", "user");
        c.delete(&pod_key, DeleteOptions::default()).unwrap();
        c.step(40_000);
        assert!(get(&c, "PersistentVolumeClaim", "keep").is_null());
        assert_eq!(
            get(&c, "PersistentVolume", "keep").str_at(&["status", "phase"]),
            Some("Released")
        );
        for claim in ["scratch", "data"] {
            let key = ObjectKey::new(res("PersistentVolumeClaim"), "default", claim);
            c.delete(&key, DeleteOptions::default()).unwrap();
        }
        c.step(1_000);
        // The hostPath deleter removes /tmp volumes only.
        assert!(get(&c, "PersistentVolume", "scratch").is_null());
        let failed = get(&c, "PersistentVolume", "data");
        assert_eq!(failed.str_at(&["status", "phase"]), Some("Failed"));
        assert_eq!(
            events(&c, &failed),
            [
                "VolumeFailedDelete host_path deleter only supports /tmp/.+ but received provided /mnt/data x1"
            ]
        );
        // A Released volume is not bound again.
        create(&mut c, &pvc("again", "1Gi", Some("a")));
        c.step(1_000);
        assert_eq!(
            get(&c, "PersistentVolumeClaim", "again").str_at(&["status", "phase"]),
            Some("Pending")
        );
    }

    #[test]
    fn wait_for_first_consumer_binds_a_local_volume_on_the_pods_node() {
        let mut c = Cluster::new(1);
        create(
            &mut c,
            "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: local}\nprovisioner: kubernetes.io/no-provisioner\nvolumeBindingMode: WaitForFirstConsumer\n",
        );
        create(&mut c, &pvc("data", "1Gi", Some("local")));
        c.step(1_000);
        let claim = get(&c, "PersistentVolumeClaim", "data");
        assert_eq!(
            events(&c, &claim),
            ["WaitForFirstConsumer waiting for first consumer to be created before binding x1"]
        );
        create(&mut c, &pod("app", "data"));
        c.step(1_000);
        let p = get(&c, "Pod", "app");
        assert!(
            events(&c, &p).iter().any(|e| e.contains(
                "0/4 nodes are available: 1 node(s) had untolerated taint(s), 3 node(s) didn't find available persistent volumes to bind."
            )),
            "{:?}",
            events(&c, &p)
        );
        c.create(
            yaml(&pv(
                "local-2",
                "5Gi",
                "local",
                "  local: {path: /mnt/disks/ssd1}\n  nodeAffinity:\n    required:\n      nodeSelectorTerms:\n      - matchExpressions:\n        - {key: kubernetes.io/hostname, operator: In, values: [node-2]}\n",
            )),
            &WriteOptions::user(),
        )
        .unwrap();
        c.step(20_000);
        let p = get(&c, "Pod", "app");
        assert_eq!(p.str_at(&["spec", "nodeName"]), Some("node-2"));
        let claim = get(&c, "PersistentVolumeClaim", "data");
        assert_eq!(claim.str_at(&["spec", "volumeName"]), Some("local-2"));
        assert_eq!(claim.str_at(&["status", "phase"]), Some("Bound"));
    }

    #[test]
    fn a_deleted_volume_goes_once_its_claim_is_gone() {
        let mut c = Cluster::new(1);
        create(
            &mut c,
            &pv("pv-a", "1Gi", "a", "  hostPath: {path: /mnt/a}\n"),
        );
        create(&mut c, &pvc("c-a", "1Gi", Some("a")));
        c.step(1_000);
        let pv_key = ObjectKey::new(res("PersistentVolume"), "", "pv-a");
        c.delete(&pv_key, DeleteOptions::default()).unwrap();
        c.step(1_000);
        // Bound: the pv-protection finalizer holds it.
        assert!(is_deleting(&get(&c, "PersistentVolume", "pv-a")));
        let claim = ObjectKey::new(res("PersistentVolumeClaim"), "default", "c-a");
        c.delete(&claim, DeleteOptions::default()).unwrap();
        c.step(1_000);
        assert!(get(&c, "PersistentVolume", "pv-a").is_null());
    }

    #[test]
    fn in_tree_volumes_without_a_deleter_fail_their_delete_policy() {
        let mut c = Cluster::new(1);
        create(
            &mut c,
            &pv(
                "local-pv",
                "1Gi",
                "l",
                "  persistentVolumeReclaimPolicy: Delete\n  local: {path: /mnt/disks/ssd1}\n  nodeAffinity:\n    required:\n      nodeSelectorTerms:\n      - matchExpressions:\n        - {key: kubernetes.io/hostname, operator: In, values: [node-1]}\n",
            ),
        );
        create(&mut c, &pvc("c", "1Gi", Some("l")));
        c.step(1_000);
        let claim = ObjectKey::new(res("PersistentVolumeClaim"), "default", "c");
        c.delete(&claim, DeleteOptions::default()).unwrap();
        c.step(1_000);
        let v = get(&c, "PersistentVolume", "local-pv");
        assert_eq!(v.str_at(&["status", "phase"]), Some("Failed"));
        let message = "error getting deleter volume plugin for volume \"local-pv\": no deletable volume plugin matched";
        assert_eq!(v.str_at(&["status", "message"]), Some(message));
        assert_eq!(events(&c, &v), [format!("VolumeFailedDelete {message} x1")]);
        let described = c
            .kubectl("describe pv local-pv", &crate::kubectl::NoFiles)
            .stdout;
        assert!(
            described.contains("Source:\n    Type:  LocalVolume (a persistent volume backed by local storage on a node)\n    Path:  /mnt/disks/ssd1\n"),
            "{described}"
        );
        assert!(described.contains("Node Affinity:     \n  Required Terms:  \n    Term 0:        kubernetes.io/hostname in [node-1]\n"), "{described}");
        assert!(
            tmp_path("/tmp/x")
                && tmp_path("/var/tmp/x")
                && !tmp_path("/tmp/")
                && !tmp_path("/mnt/x")
        );
    }
}
