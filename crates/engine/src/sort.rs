//! Stable sorting with one shared sort routine in the browser bundle.
//!
//! The standard library's sorts are generic: every element type and every
//! comparison closure gets its own copy of the sorting algorithm (several
//! KiB each in WebAssembly). With about seventy sort calls that was a tenth
//! of the bundle. In the browser, [`CompactSort`] sorts a permutation of
//! indices with a single non-generic routine and then moves the elements
//! into place; natively, where code size does not matter, it calls the
//! standard stable sort. Both are stable, so both give the same order for
//! the same comparator: output is identical on every platform.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// Stable sorting methods for slices; see the module documentation.
pub trait CompactSort<T> {
    /// Sorts by `compare`, keeping equal elements in their order.
    fn compact_sort_by(&mut self, compare: impl FnMut(&T, &T) -> Ordering);

    /// Sorts by the key `key` returns, keeping equal elements in their order.
    fn compact_sort_by_key<K: Ord>(&mut self, mut key: impl FnMut(&T) -> K) {
        self.compact_sort_by(|a, b| key(a).cmp(&key(b)));
    }

    /// Sorts in ascending order, keeping equal elements in their order.
    fn compact_sort(&mut self)
    where
        T: Ord,
    {
        self.compact_sort_by(T::cmp);
    }
}

impl<T> CompactSort<T> for [T] {
    #[cfg(not(target_arch = "wasm32"))]
    #[allow(clippy::disallowed_methods)] // natively, std's sort is the one
    fn compact_sort_by(&mut self, compare: impl FnMut(&T, &T) -> Ordering) {
        self.sort_by(compare);
    }

    #[cfg(target_arch = "wasm32")]
    fn compact_sort_by(&mut self, compare: impl FnMut(&T, &T) -> Ordering) {
        sort_by_permutation(self, compare);
    }
}

/// Sorts `items` by sorting a permutation of their indices with the one
/// shared routine, then applying it (the browser's path; tested natively).
pub fn sort_by_permutation<T>(items: &mut [T], mut compare: impl FnMut(&T, &T) -> Ordering) {
    if items.len() < 2 {
        return;
    }
    assert!(
        u32::try_from(items.len()).is_ok(),
        "sorting more than u32::MAX elements"
    );
    let mut order: Vec<u32> = (0..items.len() as u32).collect();
    {
        let view: &[T] = items;
        sort_indices(&mut order, &mut |a, b| {
            compare(&view[a as usize], &view[b as usize])
        });
    }
    apply_permutation(items, &mut order);
}

/// The single instance of the standard stable sort: indices compared
/// through a trait object.
#[inline(never)]
#[allow(clippy::disallowed_methods)] // the one std sort instance in wasm
fn sort_indices(order: &mut [u32], compare: &mut dyn FnMut(u32, u32) -> Ordering) {
    order.sort_by(|a, b| compare(*a, *b));
}

/// Rearranges `items` so that position `i` holds the element that was at
/// `order[i]`, following each cycle of the permutation with swaps.
fn apply_permutation<T>(items: &mut [T], order: &mut [u32]) {
    for start in 0..items.len() {
        let mut at = start;
        loop {
            let from = order[at] as usize;
            order[at] = at as u32;
            if from == start {
                break;
            }
            items.swap(at, from);
            at = from;
        }
    }
}

/// A `BTreeMap` from pairs, inserted one by one: `collect()` sorts them
/// first, with yet another copy of the sort routine per call site.
/// Equal keys keep the last value, as with `collect()`.
pub fn btree_map<K: Ord, V>(pairs: impl IntoIterator<Item = (K, V)>) -> BTreeMap<K, V> {
    let mut map = BTreeMap::new();
    for (k, v) in pairs {
        map.insert(k, v);
    }
    map
}

/// A `BTreeSet` from items, inserted one by one (see [`btree_map`]).
pub fn btree_set<T: Ord>(items: impl IntoIterator<Item = T>) -> BTreeSet<T> {
    let mut set = BTreeSet::new();
    for item in items {
        set.insert(item);
    }
    set
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xorshift(seed: &mut u64) -> u64 {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        *seed
    }

    #[test]
    fn the_permutation_sort_is_the_standard_stable_sort() {
        let mut seed = 0x2545_F491_4F6C_DD1D;
        for len in [0usize, 1, 2, 3, 7, 20, 33, 100, 1000] {
            for _ in 0..20 {
                // Few distinct keys, so stability is exercised; the second
                // field tells equal keys apart.
                let items: Vec<(u64, usize)> =
                    (0..len).map(|i| (xorshift(&mut seed) % 5, i)).collect();
                let mut expected = items.clone();
                expected.sort_by_key(|x| x.0);
                let mut got = items.clone();
                sort_by_permutation(&mut got, |a, b| a.0.cmp(&b.0));
                assert_eq!(got, expected, "len {len}");
                let mut reversed = items;
                reversed.compact_sort_by_key(|x| std::cmp::Reverse(x.0));
                expected.sort_by_key(|x| std::cmp::Reverse(x.0));
                assert_eq!(reversed, expected, "len {len}, descending");
            }
        }
    }

    #[test]
    fn inserted_collections_equal_collected_ones() {
        let pairs = [("b", 1), ("a", 2), ("b", 3), ("c", 4)];
        assert_eq!(
            btree_map(pairs),
            pairs.into_iter().collect::<BTreeMap<_, _>>()
        );
        assert_eq!(btree_set([3, 1, 3, 2]), BTreeSet::from([1, 2, 3]));
    }

    #[test]
    fn owned_values_move_without_loss() {
        let mut names: Vec<String> = ["node-3", "node-1", "node-2", "node-1"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        sort_by_permutation(&mut names, |a, b| a.cmp(b));
        assert_eq!(names, ["node-1", "node-1", "node-2", "node-3"]);
        names.compact_sort();
        assert_eq!(names, ["node-1", "node-1", "node-2", "node-3"]);
    }
}
