//! Small building blocks for the scheduler's hot paths: a deterministic fast
//! hasher, a string interner (labels, names and images become `u32`
//! symbols so the per-node loops compare integers), and helpers to read
//! objects.

use crate::sort::CompactSort;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::rc::Rc;

use crate::value::Value;

/// An interned string.
pub(crate) type Sym = u32;

/// The Fx hash (rustc's): fast, and the same on every platform and run, so
/// maps hashed with it never make the simulation nondeterministic.
#[derive(Clone, Copy, Default)]
pub struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes([
                c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7],
            ]));
        }
        for &b in chunks.remainder() {
            self.add(u64::from(b));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

/// A hash map with the deterministic Fx hasher. The engine and the app use
/// it for every hash map: one hasher means one copy of each map operation
/// per key type in the browser bundle, and no SipHash.
pub type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// A hash set with the deterministic Fx hasher.
pub type FxSet<T> = std::collections::HashSet<T, BuildHasherDefault<FxHasher>>;

/// An empty [`FxMap`].
pub fn fx_map<K, V>() -> FxMap<K, V> {
    HashMap::with_hasher(BuildHasherDefault::default())
}

/// `n / d` (Go's integer division) through one f64 division where that is
/// exact: for 0 ≤ n, 0 < d and n + d < 2^53 the correctly rounded quotient
/// truncates to the integer quotient (a fractional n/d lies at least 1/d
/// below the next integer K, and the rounding error is under K·2^-53 ≤ 1/d).
/// The scoring loops divide by each node's capacity; a 64-bit integer
/// division costs several times an f64 one.
#[inline(always)]
pub(crate) fn div_exact(n: i64, d: i64) -> i64 {
    const LIMIT: i64 = 1 << 53;
    if n >= 0 && d > 0 && n < LIMIT && d < LIMIT - n {
        (n as f64 / d as f64) as i64
    } else {
        n / d
    }
}

/// Interns strings as [`Sym`]s; symbols are never freed (the set of
/// distinct label keys, values, names and images stays small).
#[derive(Clone, Default)]
pub(crate) struct Interner {
    map: FxMap<Rc<str>, Sym>,
    strings: Vec<Rc<str>>,
    /// Each symbol read as a base-10 integer (for `Gt`/`Lt`).
    ints: Vec<Option<i64>>,
}

impl std::fmt::Debug for Interner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Interner({} symbols)", self.strings.len())
    }
}

impl Interner {
    /// The symbol of `s`, adding it when new.
    pub(crate) fn intern(&mut self, s: &str) -> Sym {
        if let Some(&sym) = self.map.get(s) {
            return sym;
        }
        let sym = self.strings.len() as Sym;
        let rc: Rc<str> = Rc::from(s);
        self.map.insert(rc.clone(), sym);
        self.strings.push(rc);
        self.ints.push(s.parse::<i64>().ok());
        sym
    }

    /// The symbol of `s` if it was interned.
    pub(crate) fn get(&self, s: &str) -> Option<Sym> {
        self.map.get(s).copied()
    }

    /// The string of a symbol.
    pub(crate) fn str(&self, sym: Sym) -> &Rc<str> {
        &self.strings[sym as usize]
    }

    /// The symbol read as an integer, if it is one.
    pub(crate) fn int(&self, sym: Sym) -> Option<i64> {
        self.ints.get(sym as usize).copied().flatten()
    }

    /// How many symbols exist.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.strings.len()
    }
}

/// Labels as symbol pairs sorted by key (binary-searchable).
pub(crate) type Labels = Box<[(Sym, Sym)]>;

/// Interns an object of string values (labels, nodeSelector) sorted by key.
pub(crate) fn intern_labels(interner: &mut Interner, v: &Value) -> Labels {
    let mut out: Vec<(Sym, Sym)> = v
        .members()
        .filter_map(|(k, v)| Some((interner.intern(k), interner.intern(v.as_str()?))))
        .collect();
    out.compact_sort();
    out.dedup_by_key(|p| p.0);
    out.into_boxed_slice()
}

/// The value of label `key`, if set.
#[inline]
pub(crate) fn label(labels: &[(Sym, Sym)], key: Sym) -> Option<Sym> {
    // Nodes and pods carry a handful of labels: a linear scan beats a
    // binary search's branches at these sizes.
    if labels.len() <= 8 {
        return labels.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
    }
    labels
        .binary_search_by_key(&key, |(k, _)| *k)
        .ok()
        .map(|i| labels[i].1)
}

/// True when both values are the same shared allocation (or equal
/// scalars): a cheap "did this subtree change" test for copy-on-write
/// objects.
pub(crate) fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => Rc::ptr_eq(x, y) || x == y,
        (Value::Array(x), Value::Array(y)) => Rc::ptr_eq(x, y) || x == y,
        _ => a == b,
    }
}

/// Identifies a pod: namespace and name.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PodKey {
    /// The namespace.
    pub namespace: Rc<str>,
    /// The name.
    pub name: Rc<str>,
}

impl PartialOrd for PodKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Ordered by namespace, then name (as the derived order would be).
impl Ord for PodKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        crate::store::cmp_ns_name(
            (&self.namespace, &self.name),
            (&other.namespace, &other.name),
        )
    }
}

impl PodKey {
    /// A key from its parts.
    pub fn new(namespace: &str, name: &str) -> PodKey {
        PodKey {
            namespace: Rc::from(namespace),
            name: Rc::from(name),
        }
    }
}

impl std::fmt::Display for PodKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.namespace, self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_division_is_the_integer_quotient() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        // Near-integer quotients at the edge of the exact range, scores
        // against node sizes, and the fallbacks (negative, huge).
        let edges = [
            (0, 1),
            (99, 100),
            (100, 100),
            ((1 << 46) * 100 - 1, 1 << 46),
            ((1 << 52) - 1, (1 << 52) - 3),
            ((1 << 53) - 2, 1),
            (-7, 2),
            (i64::MAX, 3),
            (12_884_901_888 * 100 - 1, 12_884_901_888),
        ];
        for (n, d) in edges {
            assert_eq!(div_exact(n, d), n / d, "{n} / {d}");
        }
        for _ in 0..200_000 {
            let d = (next() % (1 << 46)) as i64 + 1;
            let q = (next() % 101) as i64;
            // n just below, at and above a multiple of d.
            for n in [q * d - 1, q * d, q * d + 1, (next() % (1 << 52)) as i64] {
                if n >= 0 {
                    assert_eq!(div_exact(n, d), n / d, "{n} / {d}");
                }
            }
        }
    }

    #[test]
    fn interner_round_trips_and_reads_integers() {
        let mut i = Interner::default();
        let a = i.intern("zone-a");
        let n = i.intern("42");
        assert_eq!(i.intern("zone-a"), a);
        assert_eq!(&**i.str(a), "zone-a");
        assert_eq!(i.int(n), Some(42));
        assert_eq!(i.int(a), None);
        assert_eq!(i.get("missing"), None);
        assert_eq!(i.len(), 2);
    }

    #[test]
    fn labels_are_sorted_and_searchable() {
        let mut i = Interner::default();
        let v = Value::from_pairs([("b", Value::str("2")), ("a", Value::str("1"))]);
        let l = intern_labels(&mut i, &v);
        let a = i.get("a").unwrap();
        assert_eq!(label(&l, a), i.get("1"));
        assert_eq!(label(&l, i.intern("c")), None);
    }

    #[test]
    fn fx_hash_is_stable() {
        let mut h = FxHasher::default();
        h.write(b"kubeplay");
        let first = h.finish();
        let mut h = FxHasher::default();
        h.write(b"kubeplay");
        assert_eq!(h.finish(), first);
    }
}
