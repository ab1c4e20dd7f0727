//! The JSON-shaped value every API object is stored as.
//!
//! Objects are kept as values (not typed structs) so that every field of the
//! real API survives a round trip, including those the simulation ignores.
//! Arrays, maps and strings are reference-counted: cloning an object is cheap
//! and pods stamped from one template share its unchanged subtrees, which
//! keeps memory per pod low at 150,000 pods. Maps are ordered by key, as
//! kubectl's `-o yaml` and `-o json` print them.

use std::collections::BTreeMap;
use std::fmt;
use std::rc::Rc;

/// A map from keys to values, sorted by key.
pub type Map = BTreeMap<Rc<str>, Value>;

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
        if !map.contains_key(key) {
            map.insert(Rc::from(key), Value::Null);
        }
        map.get_mut(key).expect("inserted above")
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
