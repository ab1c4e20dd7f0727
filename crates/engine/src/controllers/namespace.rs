//! The namespace controller: empties a terminating namespace, then lets it go.

use crate::api::registry::RESOURCES;
use crate::apiserver::DeleteOptions;
use crate::cluster::Cluster;
use crate::store::ObjectKey;
use crate::value::Value;

/// Deletes everything in a namespace that is being deleted; once it is
/// empty, removes the `kubernetes` finalizer so the namespace goes away.
pub(crate) fn reconcile(cluster: &mut Cluster, key: &ObjectKey) {
    let Some(ns_obj) = cluster.store.get(key).cloned() else {
        return;
    };
    if ns_obj.at(&["metadata", "deletionTimestamp"]).is_null() {
        return;
    }
    let ns = key.name.to_string();
    let mut remaining = 0;
    let contents: Vec<ObjectKey> = RESOURCES
        .iter()
        .filter(|r| r.namespaced)
        .flat_map(|r| {
            let rid = r.id();
            cluster
                .store
                .list(rid, Some(&ns))
                .map(move |((n, name), _)| ObjectKey {
                    resource: rid,
                    namespace: n.clone(),
                    name: name.clone(),
                })
                .collect::<Vec<_>>()
        })
        .collect();
    for obj_key in contents {
        remaining += 1;
        let deleting = cluster
            .store
            .get(&obj_key)
            .is_some_and(|o| !o.at(&["metadata", "deletionTimestamp"]).is_null());
        if !deleting {
            let _ = cluster.delete(&obj_key, DeleteOptions::default());
        }
    }
    let still_there = RESOURCES
        .iter()
        .filter(|r| r.namespaced)
        .any(|r| cluster.store.list(r.id(), Some(&ns)).next().is_some());
    if remaining > 0 && still_there {
        return;
    }
    // Empty: drop the `kubernetes` finalizer and the namespace with it.
    let mut obj = ns_obj;
    let left: Vec<Value> = obj
        .at(&["spec", "finalizers"])
        .items()
        .filter(|f| f.as_str() != Some("kubernetes"))
        .cloned()
        .collect();
    obj.set_at(&["spec", "finalizers"], Value::array(left.clone()));
    cluster.events.drop_namespace(&ns);
    if left.is_empty() && obj.at(&["metadata", "finalizers"]).items().next().is_none() {
        cluster.store.remove(key);
    } else {
        cluster.store.put(key, obj);
    }
}
