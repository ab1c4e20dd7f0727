//! The garbage collector: deletes dependents whose owners are gone
//! (background), deletes dependents before their owner (foreground), or
//! strips owner references from them (orphan).

use crate::api::registry::by_kind;
use crate::apiserver::{DeleteOptions, Propagation};
use crate::cluster::{Cluster, Controller, res};
use crate::store::ObjectKey;
use crate::value::Value;

/// Reconciles one object: an owner being deleted with `foregroundDeletion`
/// or `orphan` finalizers, or a dependent whose owners may be gone.
pub(crate) fn reconcile(cluster: &mut Cluster, key: &ObjectKey) {
    let Some(obj) = cluster.store.get(key).cloned() else {
        return;
    };
    let deleting = !obj.at(&["metadata", "deletionTimestamp"]).is_null();
    let finalizers: Vec<String> = obj
        .at(&["metadata", "finalizers"])
        .items()
        .filter_map(|f| f.as_str().map(str::to_string))
        .collect();
    let uid = obj.str_at(&["metadata", "uid"]).unwrap_or("").to_string();
    let namespace = obj.str_at(&["metadata", "namespace"]).map(str::to_string);
    if deleting && finalizers.iter().any(|f| f == "orphan") {
        let dependents: Vec<ObjectKey> =
            cluster.dependents_of(&uid, namespace.as_deref()).collect();
        for dep in dependents {
            strip_owner(cluster, &dep, &uid);
        }
        cluster.remove_finalizer(key, "orphan");
        return;
    }
    if deleting && finalizers.iter().any(|f| f == "foregroundDeletion") {
        let dependents: Vec<ObjectKey> =
            cluster.dependents_of(&uid, namespace.as_deref()).collect();
        let mut blocking = 0;
        for dep in dependents {
            let Some(dep_obj) = cluster.store.get(&dep) else {
                continue;
            };
            let blocks = dep_obj
                .at(&["metadata", "ownerReferences"])
                .items()
                .any(|o| {
                    o.get("uid").as_str() == Some(&uid)
                        && o.get("blockOwnerDeletion").as_bool() == Some(true)
                });
            if blocks {
                blocking += 1;
            }
            if dep_obj.at(&["metadata", "deletionTimestamp"]).is_null() {
                let propagation = if cluster.has_dependents(dep_obj) {
                    Propagation::Foreground
                } else {
                    Propagation::Background
                };
                let _ = cluster.delete(
                    &dep,
                    DeleteOptions {
                        propagation,
                        grace_period_seconds: None,
                    },
                );
            }
        }
        if blocking == 0 {
            cluster.remove_finalizer(key, "foregroundDeletion");
        }
        return;
    }
    // A dependent: delete it when all its owners are gone or going in the foreground.
    let owners: Vec<Value> = obj
        .at(&["metadata", "ownerReferences"])
        .items()
        .cloned()
        .collect();
    if owners.is_empty() || deleting {
        return;
    }
    let mut solid = 0;
    let mut dangling = Vec::new();
    let mut waiting = 0;
    for owner in &owners {
        let owner_uid = owner.get("uid").as_str().unwrap_or("");
        let found = owner
            .get("kind")
            .as_str()
            .and_then(by_kind)
            .and_then(|r| {
                let ns = if r.get().namespaced {
                    namespace.as_deref().unwrap_or("")
                } else {
                    ""
                };
                cluster
                    .store
                    .get_named(r, ns, owner.get("name").as_str().unwrap_or(""))
            })
            .filter(|o| o.str_at(&["metadata", "uid"]) == Some(owner_uid));
        match found {
            None => dangling.push(owner_uid.to_string()),
            Some(o)
                if !o.at(&["metadata", "deletionTimestamp"]).is_null()
                    && o.at(&["metadata", "finalizers"])
                        .items()
                        .any(|f| f.as_str() == Some("foregroundDeletion")) =>
            {
                waiting += 1
            }
            Some(_) => solid += 1,
        }
    }
    if solid > 0 {
        for uid in dangling {
            strip_owner(cluster, key, &uid);
        }
        return;
    }
    if dangling.is_empty() && waiting == 0 {
        return;
    }
    let propagation = if waiting > 0 && cluster.has_dependents(&obj) {
        Propagation::Foreground
    } else {
        Propagation::Background
    };
    let _ = cluster.delete(
        key,
        DeleteOptions {
            propagation,
            grace_period_seconds: None,
        },
    );
}

/// Removes the owner reference to `owner_uid` from `key`.
fn strip_owner(cluster: &mut Cluster, key: &ObjectKey, owner_uid: &str) {
    let Some(mut obj) = cluster.store.get(key).cloned() else {
        return;
    };
    let refs: Vec<Value> = obj
        .at(&["metadata", "ownerReferences"])
        .items()
        .filter(|o| o.get("uid").as_str() != Some(owner_uid))
        .cloned()
        .collect();
    if refs.is_empty() {
        obj.entry("metadata").remove("ownerReferences");
    } else {
        obj.set_at(&["metadata", "ownerReferences"], Value::array(refs));
    }
    let _ = cluster.write(obj);
}

impl Cluster {
    /// Wakes the garbage collector for the dependents of a deleted object
    /// and for the owners waiting on it.
    pub(crate) fn gc_on_delete(&mut self, old: &Value) {
        if let Some(uid) = old.str_at(&["metadata", "uid"]) {
            let ns = old.str_at(&["metadata", "namespace"]);
            let deps: Vec<ObjectKey> = self.dependents_of(uid, ns).collect();
            for dep in deps {
                self.enqueue(Controller::GarbageCollector, dep);
            }
        }
        for owner in old.at(&["metadata", "ownerReferences"]).items() {
            if let (Some(r), Some(name)) = (
                owner.get("kind").as_str().and_then(by_kind),
                owner.get("name").as_str(),
            ) {
                let ns = if r.get().namespaced {
                    old.str_at(&["metadata", "namespace"]).unwrap_or("")
                } else {
                    ""
                };
                self.enqueue(Controller::GarbageCollector, ObjectKey::new(r, ns, name));
            }
        }
        // A terminating namespace waits for its content to go.
        if let Some(ns) = old.str_at(&["metadata", "namespace"])
            && let Some(n) = self.store.get_named(res("Namespace"), "", ns)
            && !n.at(&["metadata", "deletionTimestamp"]).is_null()
        {
            self.enqueue(
                Controller::Namespace,
                ObjectKey::new(res("Namespace"), "", ns),
            );
        }
    }
}
