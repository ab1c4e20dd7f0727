//! The object store (the simulated etcd): objects by resource, namespace
//! and name, one global resourceVersion, and the ordered watch events every
//! change produces.

use std::collections::hash_map::Entry as HashEntry;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use crate::api::registry::{RESOURCES, ResourceId};
use crate::scheduler::util::FxMap;
use crate::value::Value;

/// Identifies an object: its resource type, namespace (empty for
/// cluster-scoped kinds) and name.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
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

impl PartialOrd for ObjectKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Ordered by resource, namespace, name (as the derived order would be).
impl Ord for ObjectKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.resource.cmp(&other.resource).then_with(|| {
            cmp_ns_name(
                (&self.namespace, &self.name),
                (&other.namespace, &other.name),
            )
        })
    }
}

/// The lexicographic order of two strings (`str::cmp`'s), decided from
/// their first eight bytes when it can: object keys are looked up in
/// B-trees of up to 150,000 entries, and a call to `memcmp` per step
/// was a tenth of a scheduling cycle.
#[inline]
pub(crate) fn cmp_str(a: &str, b: &str) -> std::cmp::Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    // Zero-padded big-endian prefixes order as the strings do, except
    // that padding cannot tell "a" from "a\0": lengths settle that.
    let (x, y) = (prefix8(a), prefix8(b));
    if x != y {
        return x.cmp(&y);
    }
    if a.len() <= 8 && b.len() <= 8 {
        return a.len().cmp(&b.len());
    }
    a.get(8..).unwrap_or(&[]).cmp(b.get(8..).unwrap_or(&[]))
}

/// The order of (namespace, name) pairs, as the tuples order: every key
/// type of the store and the scheduler sorts by it.
#[inline]
pub(crate) fn cmp_ns_name(a: (&str, &str), b: (&str, &str)) -> std::cmp::Ordering {
    cmp_str(a.0, b.0).then_with(|| cmp_str(a.1, b.1))
}

/// The first eight bytes of `s` as a big-endian number, zero-padded.
#[inline]
fn prefix8(s: &[u8]) -> u64 {
    let n = s.len();
    if let Some(head) = s.first_chunk::<8>() {
        return u64::from_be_bytes(*head);
    }
    // Shorter strings: two overlapping loads instead of a byte loop (the
    // overlap ORs equal bytes into equal places).
    if n >= 4 {
        let first = u32::from_be_bytes([s[0], s[1], s[2], s[3]]);
        let last = u32::from_be_bytes([s[n - 4], s[n - 3], s[n - 2], s[n - 1]]);
        return u64::from(first) << 32 | u64::from(last) << (64 - 8 * n);
    }
    let mut x = 0u64;
    for (i, &c) in s.iter().enumerate() {
        x |= u64::from(c) << (56 - 8 * i);
    }
    x
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

/// One resource type's objects, keyed by (namespace, name): ordered for
/// listing, and hashed too, because at 150,000 pods a B-tree lookup was
/// several comparisons of two strings per level on every get. Both hold
/// the same (reference-counted) values; only `put` and `remove` change
/// them. The hash map is never iterated, so its order cannot leak out.
#[derive(Clone, Debug, Default)]
struct ObjectMap {
    sorted: BTreeMap<(Rc<str>, Rc<str>), Value>,
    by_key: FxMap<(Rc<str>, Rc<str>), Value>,
}

/// A (namespace, name) pair to look keys up by without building `Rc`s:
/// the stored `(Rc<str>, Rc<str>)` keys borrow as `dyn NsNameKey`, which
/// orders exactly as the tuples do.
trait NsNameKey {
    fn parts(&self) -> (&str, &str);
}

impl NsNameKey for (Rc<str>, Rc<str>) {
    fn parts(&self) -> (&str, &str) {
        (&self.0, &self.1)
    }
}

impl NsNameKey for (&str, &str) {
    fn parts(&self) -> (&str, &str) {
        (self.0, self.1)
    }
}

impl<'a> std::borrow::Borrow<dyn NsNameKey + 'a> for (Rc<str>, Rc<str>) {
    fn borrow(&self) -> &(dyn NsNameKey + 'a) {
        self
    }
}

impl PartialEq for dyn NsNameKey + '_ {
    fn eq(&self, other: &Self) -> bool {
        self.parts() == other.parts()
    }
}

impl Eq for dyn NsNameKey + '_ {}

/// Hashes as the `(Rc<str>, Rc<str>)` tuple does (field by field).
impl std::hash::Hash for dyn NsNameKey + '_ {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let (namespace, name) = self.parts();
        namespace.hash(state);
        name.hash(state);
    }
}

impl PartialOrd for dyn NsNameKey + '_ {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for dyn NsNameKey + '_ {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        cmp_ns_name(self.parts(), other.parts())
    }
}

/// The objects that name an owner (by UID) in their ownerReferences.
type OwnerIndex = FxMap<Rc<str>, BTreeSet<ObjectKey>>;

/// The owner UIDs an object names.
fn owner_uids(object: &Value) -> impl Iterator<Item = &str> {
    object
        .at(&["metadata", "ownerReferences"])
        .items()
        .filter_map(|o| o.get("uid").as_str())
}

/// Moves `key` between the owner index's sets as its ownerReferences
/// change from `old`'s to `new`'s.
fn index_owners(
    owners: &mut OwnerIndex,
    key: &ObjectKey,
    old: Option<&Value>,
    new: Option<&Value>,
) {
    let before: Vec<&str> = old.map(|o| owner_uids(o).collect()).unwrap_or_default();
    let after: Vec<&str> = new.map(|o| owner_uids(o).collect()).unwrap_or_default();
    if before == after {
        return;
    }
    for uid in &before {
        if !after.contains(uid)
            && let Some(set) = owners.get_mut(*uid)
        {
            set.remove(key);
            if set.is_empty() {
                owners.remove(*uid);
            }
        }
    }
    for uid in after {
        if !before.contains(&uid) {
            owners.entry(Rc::from(uid)).or_default().insert(key.clone());
        }
    }
}

/// The objects, per resource type, keyed by (namespace, name).
#[derive(Clone, Debug, Default)]
pub struct Store {
    objects: Vec<ObjectMap>,
    resource_version: u64,
    pending: Vec<WatchEvent>,
    /// Dependents by owner UID, so cascading deletion and the garbage
    /// collector find them without scanning every object.
    owners: OwnerIndex,
}

impl Store {
    /// An empty store.
    pub fn new() -> Store {
        Store {
            objects: vec![ObjectMap::default(); RESOURCES.len()],
            resource_version: 0,
            pending: Vec::new(),
            owners: FxMap::default(),
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
        self.get_named(key.resource, &key.namespace, &key.name)
    }

    /// The object of `resource` named `name` in `namespace`.
    pub fn get_named(&self, resource: ResourceId, namespace: &str, name: &str) -> Option<&Value> {
        self.objects[resource.0 as usize]
            .by_key
            .get(&(namespace, name) as &dyn NsNameKey)
    }

    /// Keys of the objects whose ownerReferences name `uid`, in key order.
    pub fn dependents(&self, uid: &str) -> impl Iterator<Item = &ObjectKey> {
        self.owners.get(uid).into_iter().flatten()
    }

    /// Objects of `resource`, in one namespace (`Some`) or all (`None`),
    /// ordered by namespace then name.
    pub fn list(
        &self,
        resource: ResourceId,
        namespace: Option<&str>,
    ) -> impl Iterator<Item = (&(Rc<str>, Rc<str>), &Value)> {
        let map = &self.objects[resource.0 as usize].sorted;
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
        self.objects[resource.0 as usize].sorted.len()
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
        let (old, stored) = match map.by_key.entry((key.namespace.clone(), key.name.clone())) {
            // An update: the B-tree's key stays, only its value changes.
            HashEntry::Occupied(e) => {
                let slot = e.into_mut();
                let old = std::mem::replace(slot, object.clone());
                let lookup = (&*key.namespace, &*key.name);
                if let Some(sorted) = map.sorted.get_mut(&lookup as &dyn NsNameKey) {
                    *sorted = object;
                }
                (Some(old), &*slot)
            }
            HashEntry::Vacant(e) => {
                map.sorted.insert(e.key().clone(), object.clone());
                (None, &*e.insert(object))
            }
        };
        let refs_of = ["metadata", "ownerReferences"];
        if old.as_ref().map(|o| o.at(&refs_of)) != Some(stored.at(&refs_of)) {
            index_owners(&mut self.owners, key, old.as_ref(), Some(stored));
        }
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
        stored
    }

    /// Removes the object at `key`, recording the watch event.
    pub fn remove(&mut self, key: &ObjectKey) -> Option<Value> {
        let map = &mut self.objects[key.resource.0 as usize];
        let lookup = (&*key.namespace, &*key.name);
        map.sorted.remove(&lookup as &dyn NsNameKey);
        let old = map.by_key.remove(&lookup as &dyn NsNameKey)?;
        index_owners(&mut self.owners, key, Some(&old), None);
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
    fn cmp_str_orders_as_str_cmp() {
        // Short alphabets make long shared prefixes (and NULs, which the
        // zero padding must not confuse with the end) common.
        let alphabet = ["\0", "a", "b", "-", "é", "\u{10ffff}"];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let word = |next: &mut dyn FnMut() -> u64| {
            let len = (next() % 13) as usize;
            (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect::<String>()
        };
        for _ in 0..20_000 {
            let a = word(&mut next);
            // Half the pairs share a prefix of `a`.
            let b = if next() % 2 == 0 {
                let cut = a.char_indices().map(|(i, _)| i).nth((next() % 6) as usize);
                format!("{}{}", &a[..cut.unwrap_or(a.len())], word(&mut next))
            } else {
                word(&mut next)
            };
            assert_eq!(cmp_str(&a, &b), a.cmp(&b), "{a:?} vs {b:?}");
            assert_eq!(cmp_str(&a, &a), std::cmp::Ordering::Equal);
        }
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
