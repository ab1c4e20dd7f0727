//! The JSON-shaped value every API object is stored as.
//!
//! Objects are kept as values (not typed structs) so that every field of the
//! real API survives a round trip, including those the simulation ignores.
//! Arrays, maps and strings are reference-counted: cloning an object is cheap
//! and pods stamped from one template share its unchanged subtrees, which
//! keeps memory per pod low at 150,000 pods. Maps are ordered by key, as
//! kubectl's `-o yaml` and `-o json` print them.

use crate::scheduler::util::FxSet;
use std::borrow::Borrow;
use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

/// An object's members, sorted by key: a vector searched by bisection.
/// API objects have few members per map (a pod has about fifty small
/// maps), where a B-tree's fixed node size costs several times the
/// members themselves. The methods follow `BTreeMap`'s.
#[derive(Clone, Default, PartialEq)]
pub struct Map {
    entries: Vec<(Rc<str>, Value)>,
}

impl Map {
    /// An empty map.
    pub fn new() -> Map {
        Map {
            entries: Vec::new(),
        }
    }

    fn find(&self, key: &str) -> Result<usize, usize> {
        self.entries
            .binary_search_by(|(k, _)| crate::store::cmp_str(k, key))
    }

    /// Where `key` is, for reads: most objects' maps are small, and
    /// comparing lengths and first bytes skips nearly every call to
    /// `memcmp`.
    fn position(&self, key: &str) -> Option<usize> {
        if self.entries.len() <= SCAN_MAX {
            self.entries.iter().position(|(k, _)| {
                k.len() == key.len()
                    && k.as_bytes().first() == key.as_bytes().first()
                    && **k == *key
            })
        } else {
            self.find(key).ok()
        }
    }

    /// The value of `key`.
    pub fn get<Q: ?Sized + Borrow<str>>(&self, key: &Q) -> Option<&Value> {
        self.position(key.borrow()).map(|i| &self.entries[i].1)
    }

    /// The value of `key` for writing.
    pub fn get_mut<Q: ?Sized + Borrow<str>>(&mut self, key: &Q) -> Option<&mut Value> {
        self.position(key.borrow()).map(|i| &mut self.entries[i].1)
    }

    /// Whether `key` is present.
    pub fn contains_key<Q: ?Sized + Borrow<str>>(&self, key: &Q) -> bool {
        self.position(key.borrow()).is_some()
    }

    /// Sets `key`, returning the value it replaced.
    pub fn insert(&mut self, key: Rc<str>, value: Value) -> Option<Value> {
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                self.entries.insert(i, (intern_key_rc(key), value));
                None
            }
        }
    }

    /// Removes `key`, returning its value.
    pub fn remove<Q: ?Sized + Borrow<str>>(&mut self, key: &Q) -> Option<Value> {
        match self.find(key.borrow()) {
            Ok(i) => Some(self.entries.remove(i).1),
            Err(_) => None,
        }
    }

    /// The value of `key` for writing, inserted with `default` when absent.
    pub fn entry_or_insert_with(
        &mut self,
        key: &str,
        default: impl FnOnce() -> Value,
    ) -> &mut Value {
        let i = match self.find(key) {
            Ok(i) => i,
            Err(i) => {
                self.entries.insert(i, (intern_key(key), default()));
                i
            }
        };
        &mut self.entries[i].1
    }

    /// How many members.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True without members.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The members in key order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&Rc<str>, &Value)> + ExactSizeIterator {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// The members in key order, values writable.
    pub fn iter_mut(
        &mut self,
    ) -> impl DoubleEndedIterator<Item = (&Rc<str>, &mut Value)> + ExactSizeIterator {
        self.entries.iter_mut().map(|(k, v)| (&*k, v))
    }

    /// The keys in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &Rc<str>> + ExactSizeIterator {
        self.entries.iter().map(|(k, _)| k)
    }

    /// The values in key order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &Value> + ExactSizeIterator {
        self.entries.iter().map(|(_, v)| v)
    }

    /// The values in key order, writable.
    pub fn values_mut(
        &mut self,
    ) -> impl DoubleEndedIterator<Item = &mut Value> + ExactSizeIterator {
        self.entries.iter_mut().map(|(_, v)| v)
    }

    /// Keeps the members `f` accepts.
    pub fn retain(&mut self, mut f: impl FnMut(&Rc<str>, &mut Value) -> bool) {
        self.entries.retain_mut(|(k, v)| f(k, v));
    }

    /// The first member.
    pub fn first_key_value(&self) -> Option<(&Rc<str>, &Value)> {
        self.entries.first().map(|(k, v)| (k, v))
    }
}

impl fmt::Debug for Map {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K: Into<Rc<str>>> FromIterator<(K, Value)> for Map {
    fn from_iter<I: IntoIterator<Item = (K, Value)>>(iter: I) -> Map {
        let mut map = Map::new();
        map.extend(iter);
        map
    }
}

impl<K: Into<Rc<str>>> Extend<(K, Value)> for Map {
    fn extend<I: IntoIterator<Item = (K, Value)>>(&mut self, iter: I) {
        for (k, v) in iter {
            insert_member(self, k.into(), v);
        }
    }
}

impl IntoIterator for Map {
    type Item = (Rc<str>, Value);
    type IntoIter = std::vec::IntoIter<(Rc<str>, Value)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<'a> IntoIterator for &'a Map {
    type Item = (&'a Rc<str>, &'a Value);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (Rc<str>, Value)>,
        fn(&'a (Rc<str>, Value)) -> (&'a Rc<str>, &'a Value),
    >;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(k, v)| (k, v))
    }
}

/// How many distinct keys the key interner keeps (user-chosen label and
/// data keys beyond this are stored unshared).
const INTERNED_KEYS_MAX: usize = 16_384;

/// Maps up to this size are scanned on reads rather than binary-searched:
/// a defaulted pod spec has about fifteen members, and scanning lengths and
/// first bytes beats four string comparisons (measured with callgrind).
const SCAN_MAX: usize = 24;

thread_local! {
    /// Member names shared by every object (`metadata`, `name`, …): one
    /// allocation each instead of one per object.
    static KEYS: RefCell<FxSet<Rc<str>>> = RefCell::new(FxSet::default());
}

/// The shared copy of a member name.
pub fn intern_key(key: &str) -> Rc<str> {
    KEYS.with(|keys| {
        let mut keys = keys.borrow_mut();
        if let Some(k) = keys.get(key) {
            return k.clone();
        }
        let k: Rc<str> = Rc::from(key);
        if key.len() <= 64 && keys.len() < INTERNED_KEYS_MAX {
            keys.insert(k.clone());
        }
        k
    })
}

/// The shared copy of a member name given as an `Rc`.
fn intern_key_rc(key: Rc<str>) -> Rc<str> {
    KEYS.with(|keys| {
        let mut keys = keys.borrow_mut();
        if let Some(k) = keys.get(&*key) {
            return k.clone();
        }
        if key.len() <= 64 && keys.len() < INTERNED_KEYS_MAX {
            keys.insert(key.clone());
        }
        key
    })
}

/// A JSON value with shared, copy-on-write children.
#[derive(Clone, Default, PartialEq)]
pub enum Value {
    /// `null` (also an absent optional field).
    #[default]
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An integer (JSON numbers without a fraction).
    Int(i64),
    /// A number with a fraction or exponent.
    Float(f64),
    /// A string.
    String(Rc<str>),
    /// An array.
    Array(Rc<Vec<Value>>),
    /// An object.
    Object(Rc<Map>),
}

impl Value {
    /// An empty object.
    pub fn object() -> Value {
        Value::Object(Rc::new(Map::new()))
    }

    /// An object built from key/value pairs.
    pub fn from_pairs<K: Into<Rc<str>>>(pairs: impl IntoIterator<Item = (K, Value)>) -> Value {
        let mut map = Map::new();
        for (k, v) in pairs {
            insert_member(&mut map, k.into(), v);
        }
        Value::Object(Rc::new(map))
    }

    /// An array of values.
    pub fn array(items: Vec<Value>) -> Value {
        Value::Array(Rc::new(items))
    }

    /// A string value.
    pub fn str(s: &str) -> Value {
        Value::String(Rc::from(s))
    }

    /// True for `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The integer, if this is one (or a float with no fraction).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(*f as i64),
            _ => None,
        }
    }

    /// The number as a float, if this is a number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The items, if this is an array.
    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The map, if this is an object.
    pub fn as_object(&self) -> Option<&Map> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// The map for writing, unsharing it first; `None` unless an object.
    pub fn as_object_mut(&mut self) -> Option<&mut Map> {
        match self {
            Value::Object(m) => Some(Rc::make_mut(m)),
            _ => None,
        }
    }

    /// The items for writing, unsharing them first; `None` unless an array.
    pub fn as_array_mut(&mut self) -> Option<&mut Vec<Value>> {
        match self {
            Value::Array(a) => Some(Rc::make_mut(a)),
            _ => None,
        }
    }

    /// The member `key` of an object (`Null` when absent or not an object).
    pub fn get(&self, key: &str) -> &Value {
        match self {
            Value::Object(m) => m.get(key).unwrap_or(&NULL.0),
            _ => &NULL.0,
        }
    }

    /// Follows object keys; `Null` when any step is missing.
    pub fn at(&self, path: &[&str]) -> &Value {
        path.iter().fold(self, |v, k| v.get(k))
    }

    /// The string at `path`, if there is one.
    pub fn str_at(&self, path: &[&str]) -> Option<&str> {
        self.at(path).as_str()
    }

    /// The member `key` for writing, creating it (as `Null`) when absent.
    /// Turns a non-object into an empty object first.
    pub fn entry(&mut self, key: &str) -> &mut Value {
        if !matches!(self, Value::Object(_)) {
            *self = Value::object();
        }
        let map = self.as_object_mut().expect("made an object above");
        map.entry_or_insert_with(key, || Value::Null)
    }

    /// The value at `path` for writing, creating objects along the way.
    pub fn entry_at(&mut self, path: &[&str]) -> &mut Value {
        path.iter().fold(self, |v, k| v.entry(k))
    }

    /// Sets `key` on an object (turning a non-object into one).
    pub fn set(&mut self, key: &str, value: Value) {
        *self.entry(key) = value;
    }

    /// Sets the value at `path`, creating objects along the way.
    pub fn set_at(&mut self, path: &[&str], value: Value) {
        *self.entry_at(path) = value;
    }

    /// Removes `key` from an object, returning it.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        self.as_object_mut().and_then(|m| m.remove(key))
    }

    /// True when this is an empty object, array or string, or null.
    pub fn is_empty(&self) -> bool {
        match self {
            Value::Null => true,
            Value::String(s) => s.is_empty(),
            Value::Array(a) => a.is_empty(),
            Value::Object(m) => m.is_empty(),
            _ => false,
        }
    }

    /// The JSON type name Kubernetes uses in decoding errors.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) | Value::Float(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        }
    }

    /// Iterates over an array's items (nothing for a non-array).
    pub fn items(&self) -> std::slice::Iter<'_, Value> {
        match self {
            Value::Array(a) => a.iter(),
            _ => [].iter(),
        }
    }

    /// Iterates over an object's members (nothing for a non-object).
    pub fn members(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.as_object()
            .into_iter()
            .flat_map(|m| m.iter().map(|(k, v)| (&**k, v)))
    }
}

/// Inserts one member. Kept out of line so that building maps from the
/// many kinds of iterators at call sites shares one copy of the map code
/// (`BTreeMap::from_iter` would sort each kind separately: large in wasm).
#[inline(never)]
fn insert_member(map: &mut Map, key: Rc<str>, value: Value) {
    map.insert(key, value);
}

/// A shared `Null` to return references to.
struct SharedNull(Value);
// SAFETY: the wrapped value is always `Value::Null`, which holds no `Rc`, so
// sharing it between threads cannot touch a reference count.
unsafe impl Sync for SharedNull {}
static NULL: SharedNull = SharedNull(Value::Null);

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::str(s)
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(Rc::from(s))
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::Int(i)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<Vec<Value>> for Value {
    fn from(items: Vec<Value>) -> Value {
        Value::array(items)
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::yaml::to_json_compact(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_read_and_write() {
        let mut v = Value::object();
        v.set_at(&["spec", "template", "spec", "nodeName"], "node-1".into());
        assert_eq!(
            v.str_at(&["spec", "template", "spec", "nodeName"]),
            Some("node-1")
        );
        assert!(v.at(&["spec", "missing", "deeper"]).is_null());
        assert_eq!(
            v.remove("spec").map(|s| s.get("template").is_null()),
            Some(false)
        );
        assert!(v.is_empty());
    }

    #[test]
    fn clones_share_until_written() {
        let mut a = Value::object();
        a.set_at(&["spec", "containers"], Value::array(vec!["x".into()]));
        let mut b = a.clone();
        b.set_at(&["spec", "nodeName"], "n".into());
        assert!(a.at(&["spec", "nodeName"]).is_null());
        // The untouched containers array is still the same allocation.
        match (a.at(&["spec", "containers"]), b.at(&["spec", "containers"])) {
            (Value::Array(x), Value::Array(y)) => assert!(Rc::ptr_eq(x, y)),
            _ => panic!("containers should be arrays"),
        }
    }
}
