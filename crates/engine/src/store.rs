//! The object store (the simulated etcd): objects by resource, namespace
//! and name, one global resourceVersion, and the ordered watch events every
//! change produces.

use std::collections::BTreeMap;
use std::rc::Rc;

use crate::api::registry::{RESOURCES, ResourceId};
use crate::value::Value;

/// Identifies an object: its resource type, namespace (empty for
/// cluster-scoped kinds) and name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectKey {
    /// The resource type.
    pub resource: ResourceId,
    /// The namespace, or empty for cluster-scoped objects.
    pub namespace: Rc<str>,
    /// The object's name.
    pub name: Rc<str>,
}

impl ObjectKey {
    /// A key from its parts.
    pub fn new(resource: ResourceId, namespace: &str, name: &str) -> ObjectKey {
        ObjectKey {
            resource,
            namespace: Rc::from(namespace),
            name: Rc::from(name),
        }
    }

    /// The key of a stored object (reads its metadata).
    pub fn of(resource: ResourceId, object: &Value) -> ObjectKey {
        ObjectKey::new(
            resource,
            object.str_at(&["metadata", "namespace"]).unwrap_or(""),
            object.str_at(&["metadata", "name"]).unwrap_or(""),
        )
    }
}

impl std::fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let r = self.resource.get();
        if self.namespace.is_empty() {
            write!(f, "{}/{}", r.singular, self.name)
        } else {
            write!(f, "{}/{}/{}", r.singular, self.namespace, self.name)
        }
    }
}

/// What happened to an object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WatchEventType {
    /// It was created.
    Added,
    /// It was changed.
    Modified,
    /// It was removed.
    Deleted,
}

impl WatchEventType {
    /// `ADDED`, `MODIFIED` or `DELETED`, as the watch API names them.
    pub fn as_str(self) -> &'static str {
        match self {
            WatchEventType::Added => "ADDED",
            WatchEventType::Modified => "MODIFIED",
            WatchEventType::Deleted => "DELETED",
        }
    }
}

/// One change, in the order the store made it.
#[derive(Clone, Debug, PartialEq)]
pub struct WatchEvent {
    /// What happened.
    pub kind: WatchEventType,
    /// To which object.
    pub key: ObjectKey,
    /// The object's resourceVersion after the change (for deletions, the
    /// version the deletion was recorded at).
    pub resource_version: u64,
    /// The object as it was before the change (`None` for additions).
    pub old: Option<Value>,
}

/// One resource type's objects, keyed by (namespace, name).
type ObjectMap = BTreeMap<(Rc<str>, Rc<str>), Value>;

/// The objects, per resource type, keyed by (namespace, name).
#[derive(Clone, Debug, Default)]
pub struct Store {
    objects: Vec<ObjectMap>,
    resource_version: u64,
    pending: Vec<WatchEvent>,
}

impl Store {
    /// An empty store.
    pub fn new() -> Store {
        Store {
            objects: vec![BTreeMap::new(); RESOURCES.len()],
            resource_version: 0,
            pending: Vec::new(),
        }
    }

    /// The latest resourceVersion handed out.
    pub fn resource_version(&self) -> u64 {
        self.resource_version
    }

    /// Takes the next resourceVersion for a write kept outside the store
    /// (recorded events).
    pub fn bump_resource_version(&mut self) -> u64 {
        self.resource_version += 1;
        self.resource_version
    }

    /// The object at `key`.
    pub fn get(&self, key: &ObjectKey) -> Option<&Value> {
        self.objects[key.resource.0 as usize].get(&(key.namespace.clone(), key.name.clone()))
    }

    /// The object of `resource` named `name` in `namespace`.
    pub fn get_named(&self, resource: ResourceId, namespace: &str, name: &str) -> Option<&Value> {
        // BTreeMap lookups need the tuple type; build the Rc keys only once.
        self.objects[resource.0 as usize].get(&(Rc::from(namespace), Rc::from(name)))
    }

    /// Objects of `resource`, in one namespace (`Some`) or all (`None`),
    /// ordered by namespace then name.
    pub fn list(
        &self,
        resource: ResourceId,
        namespace: Option<&str>,
    ) -> impl Iterator<Item = (&(Rc<str>, Rc<str>), &Value)> {
        let map = &self.objects[resource.0 as usize];
        let range: Box<dyn Iterator<Item = _>> = match namespace {
            None => Box::new(map.iter()),
            Some(ns) => {
                let ns: Rc<str> = Rc::from(ns);
                let start = (ns.clone(), Rc::from(""));
                Box::new(map.range(start..).take_while(move |((n, _), _)| **n == *ns))
            }
        };
        range
    }

    /// How many objects of `resource` there are.
    pub fn count(&self, resource: ResourceId) -> usize {
        self.objects[resource.0 as usize].len()
    }

    /// Stores `object` at `key`, stamping the next resourceVersion into its
    /// metadata, and records the watch event. Returns the stored object.
    pub fn put(&mut self, key: &ObjectKey, mut object: Value) -> &Value {
        self.resource_version += 1;
        let rv = self.resource_version;
        object.set_at(
            &["metadata", "resourceVersion"],
            Value::from(rv.to_string()),
        );
        let map = &mut self.objects[key.resource.0 as usize];
        let old = map.insert((key.namespace.clone(), key.name.clone()), object);
        self.pending.push(WatchEvent {
            kind: if old.is_some() {
                WatchEventType::Modified
            } else {
                WatchEventType::Added
            },
            key: key.clone(),
            resource_version: rv,
            old,
        });
        map.get(&(key.namespace.clone(), key.name.clone()))
            .expect("inserted above")
    }

    /// Removes the object at `key`, recording the watch event.
    pub fn remove(&mut self, key: &ObjectKey) -> Option<Value> {
        let old = self.objects[key.resource.0 as usize]
            .remove(&(key.namespace.clone(), key.name.clone()))?;
        self.resource_version += 1;
        self.pending.push(WatchEvent {
            kind: WatchEventType::Deleted,
            key: key.clone(),
            resource_version: self.resource_version,
            old: Some(old.clone()),
        });
        Some(old)
    }

    /// Takes the watch events recorded since the last call, in order.
    pub fn take_events(&mut self) -> Vec<WatchEvent> {
        std::mem::take(&mut self.pending)
    }

    /// True when changes are waiting to be dispatched.
    pub fn has_events(&self) -> bool {
        !self.pending.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::registry::by_kind;

    fn pod(ns: &str, name: &str) -> Value {
        let mut v = Value::object();
        v.set_at(&["metadata", "name"], name.into());
        v.set_at(&["metadata", "namespace"], ns.into());
        v
    }

    #[test]
    fn put_get_list_remove_with_watch_events() {
        let pods = by_kind("Pod").unwrap();
        let mut store = Store::new();
        for (ns, name) in [
            ("default", "b"),
            ("default", "a"),
            ("kube-system", "c"),
            ("dev", "d"),
        ] {
            let obj = pod(ns, name);
            store.put(&ObjectKey::of(pods, &obj), obj);
        }
        let names: Vec<_> = store
            .list(pods, Some("default"))
            .map(|(k, _)| k.1.to_string())
            .collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(store.list(pods, None).count(), 4);
        let key = ObjectKey::new(pods, "default", "a");
        assert_eq!(
            store
                .get(&key)
                .unwrap()
                .str_at(&["metadata", "resourceVersion"]),
            Some("2")
        );
        let obj = pod("default", "a");
        store.put(&key, obj);
        assert!(store.remove(&key).is_some());
        assert!(store.get(&key).is_none());
        let kinds: Vec<_> = store
            .take_events()
            .iter()
            .map(|e| (e.kind, e.resource_version))
            .collect();
        assert_eq!(
            kinds,
            [
                (WatchEventType::Added, 1),
                (WatchEventType::Added, 2),
                (WatchEventType::Added, 3),
                (WatchEventType::Added, 4),
                (WatchEventType::Modified, 5),
                (WatchEventType::Deleted, 6)
            ]
        );
        assert!(!store.has_events());
    }
}
