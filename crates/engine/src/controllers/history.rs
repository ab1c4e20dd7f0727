//! ControllerRevisions (`pkg/controller/history`), shared by the DaemonSet
//! and StatefulSet controllers: one revision per distinct pod template,
//! numbered in the order the templates were last rolled out.

use super::{controller_uid, new_controller_ref};
use crate::apiserver::{DeleteOptions, WriteOptions};
use crate::cluster::{Cluster, res};
use crate::sort::CompactSort;
use crate::store::ObjectKey;
use crate::value::Value;

/// `{"spec":{"template":{…,"$patch":"replace"}}}`: the strategic-merge
/// patch both controllers store as a revision's data.
pub(crate) fn template_patch(template: &Value) -> Value {
    let mut patch_template = template.clone();
    patch_template.set("$patch", Value::str("replace"));
    Value::from_pairs([("spec", Value::from_pairs([("template", patch_template)]))])
}

/// The pod template a revision's data holds (`ApplyRevision`).
pub(crate) fn revision_template(cr: &Value) -> Value {
    let mut template = cr.at(&["data", "spec", "template"]).clone();
    template.remove("$patch");
    template
}

/// `history.HashControllerRevision`: FNV-32 (not 32a) of the data, then
/// the collision count in decimal, safe-encoded.
pub(crate) fn hash_revision_data(data: &Value, collision_count: i64) -> String {
    let mut hash: u32 = 0x811c_9dc5;
    let bytes = crate::yaml::to_json_compact(data);
    for b in bytes.bytes().chain(collision_count.to_string().bytes()) {
        hash = hash.wrapping_mul(0x0100_0193);
        hash ^= u32::from(b);
    }
    super::deployment::safe_encode_string(&hash.to_string())
}

/// The ControllerRevisions controlled by the object with `uid`, oldest
/// revision first.
pub(crate) fn owned_revisions(cluster: &Cluster, namespace: &str, uid: &str) -> Vec<Value> {
    let mut revisions: Vec<Value> = cluster
        .store
        .list(res("ControllerRevision"), Some(namespace))
        .filter(|(_, cr)| controller_uid(cr) == Some(uid))
        .map(|(_, cr)| cr.clone())
        .collect();
    revisions.compact_sort_by_key(|cr| {
        (
            cr.get("revision").as_i64().unwrap_or(0),
            cr.str_at(&["metadata", "name"]).unwrap_or("").to_string(),
        )
    });
    revisions
}

/// `adoptOrphanRevisions`: revisions without a controller whose labels
/// the owner's selector matches become the owner's (a set deleted with
/// `--cascade=orphan` and made again finds its history).
pub(crate) fn adopt_orphan_revisions(cluster: &mut Cluster, owner: &Value, selector: &Value) {
    let ns = owner.str_at(&["metadata", "namespace"]).unwrap_or("");
    let orphans: Vec<Value> = cluster
        .store
        .list(res("ControllerRevision"), Some(ns))
        .filter(|(_, cr)| {
            controller_uid(cr).is_none()
                && !super::is_deleting(cr)
                && crate::api::selector::matches(selector, cr.at(&["metadata", "labels"]))
        })
        .map(|(_, cr)| cr.clone())
        .collect();
    for cr in orphans {
        let _ = cluster.write(super::with_controller_ref(&cr, owner));
    }
}

/// The revision `<owner>-<hash>` of the owner's current template
/// (`constructHistory`, `getStatefulSetRevisions`): created with the next
/// revision number when the template is new; an older identical one (a
/// rollback) is renumbered to be the newest. `hash_label` is the label
/// naming the hash (`controller-revision-hash` for DaemonSets,
/// `controller.kubernetes.io/hash` for StatefulSets). Returns the
/// revision as stored.
pub(crate) fn ensure_revision(
    cluster: &mut Cluster,
    owner: &Value,
    hash: &str,
    hash_label: &str,
) -> Option<Value> {
    let ns = owner.str_at(&["metadata", "namespace"]).unwrap_or("");
    let name = owner.str_at(&["metadata", "name"]).unwrap_or("");
    let uid = owner.str_at(&["metadata", "uid"]).unwrap_or("");
    // `ControllerRevisionName`: the prefix is cut to fit a name.
    let prefix: String = name.chars().take(223).collect();
    let cr_name = format!("{prefix}-{hash}");
    let revisions = owned_revisions(cluster, ns, uid);
    let max_other = revisions
        .iter()
        .filter(|cr| cr.str_at(&["metadata", "name"]) != Some(&cr_name))
        .filter_map(|cr| cr.get("revision").as_i64())
        .max()
        .unwrap_or(0);
    if let Some(existing) = revisions
        .iter()
        .find(|cr| cr.str_at(&["metadata", "name"]) == Some(&cr_name))
    {
        if existing.get("revision").as_i64().unwrap_or(0) > max_other {
            return Some(existing.clone());
        }
        let mut bumped = existing.clone();
        bumped.set("revision", Value::Int(max_other + 1));
        return cluster.update(bumped, &WriteOptions::system()).ok();
    }
    let template = owner.at(&["spec", "template"]);
    let mut labels = template.at(&["metadata", "labels"]).clone();
    labels.set(hash_label, Value::str(hash));
    let mut meta = Value::from_pairs([
        ("name", Value::from(cr_name)),
        ("namespace", Value::str(ns)),
        ("labels", labels),
        (
            "annotations",
            owner.at(&["metadata", "annotations"]).clone(),
        ),
        (
            "ownerReferences",
            Value::array(vec![new_controller_ref(owner)]),
        ),
    ]);
    if meta.get("annotations").is_empty() {
        meta.remove("annotations");
    }
    let cr = Value::from_pairs([
        ("apiVersion", Value::str("apps/v1")),
        ("kind", Value::str("ControllerRevision")),
        ("metadata", meta),
        ("data", template_patch(template)),
        ("revision", Value::Int(max_other + 1)),
    ]);
    cluster.create(cr, &WriteOptions::system()).ok()
}

/// `truncateHistory`: deletes the oldest revisions beyond `limit`, never
/// one in `live` (the current and update revisions, and any a pod was
/// made from).
pub(crate) fn truncate_history(cluster: &mut Cluster, owner: &Value, limit: i64, live: &[&str]) {
    let ns = owner.str_at(&["metadata", "namespace"]).unwrap_or("");
    let uid = owner.str_at(&["metadata", "uid"]).unwrap_or("");
    let dead: Vec<String> = owned_revisions(cluster, ns, uid)
        .iter()
        .filter_map(|cr| cr.str_at(&["metadata", "name"]))
        .filter(|n| !live.contains(n))
        .map(str::to_string)
        .collect();
    let excess = dead.len().saturating_sub(limit.max(0) as usize);
    for name in &dead[..excess] {
        let key = ObjectKey::new(res("ControllerRevision"), ns, name);
        let _ = cluster.delete(&key, DeleteOptions::default());
    }
}
