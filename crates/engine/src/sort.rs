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
    let mut order = identity_order(items.len());
    {
        let view: &[T] = items;
        sort_indices(&mut order, &mut |a, b| {
            compare(&view[a as usize], &view[b as usize])
        });
    }
    apply_permutation(items, &mut order);
}

/// The positions `0..len` in order, the permutation a sort starts from.
fn identity_order(len: usize) -> Vec<u32> {
    assert!(
        u32::try_from(len).is_ok(),
        "sorting more than u32::MAX elements"
    );
    (0..len as u32).collect()
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

/// Sorts `items` as Go's `sort.Sort` does (pattern-defeating quicksort,
/// not stable): where kubectl sorts with `sort.Sort`, equal elements end
/// up in an order only this algorithm reproduces, and users compare with
/// what their kubectl printed. `less` is the `sort.Interface`'s `Less`.
pub fn go_sort_by<T>(items: &mut [T], mut less: impl FnMut(&T, &T) -> bool) {
    if items.len() < 2 {
        return;
    }
    let mut order = identity_order(items.len());
    {
        let view: &[T] = items;
        let mut data = GoSort {
            order: &mut order,
            less: &mut |a, b| less(&view[a as usize], &view[b as usize]),
        };
        let n = data.order.len();
        // `limit := bits.Len(uint(n))`
        let limit = (usize::BITS - n.leading_zeros()) as usize;
        data.pdqsort(0, n, limit);
    }
    apply_permutation(items, &mut order);
}

/// Go's `sort.Interface` over a permutation: `Less(i, j)` compares the
/// elements at positions `i` and `j`, `Swap` swaps positions.
struct GoSort<'a> {
    order: &'a mut [u32],
    less: &'a mut dyn FnMut(u32, u32) -> bool,
}

/// pdqsort's guess at how the slice is ordered (`sortedHint`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum SortedHint {
    Unknown,
    Increasing,
    Decreasing,
}

// The methods follow Go's `sort/zsortinterface.go` step by step (same
// comparisons, same swaps), so ties come out where Go puts them.
impl GoSort<'_> {
    fn less(&mut self, i: usize, j: usize) -> bool {
        (self.less)(self.order[i], self.order[j])
    }

    fn swap(&mut self, i: usize, j: usize) {
        self.order.swap(i, j);
    }

    fn insertion_sort(&mut self, a: usize, b: usize) {
        for i in a + 1..b {
            let mut j = i;
            while j > a && self.less(j, j - 1) {
                self.swap(j, j - 1);
                j -= 1;
            }
        }
    }

    fn sift_down(&mut self, lo: usize, hi: usize, first: usize) {
        let mut root = lo;
        loop {
            let mut child = 2 * root + 1;
            if child >= hi {
                return;
            }
            if child + 1 < hi && self.less(first + child, first + child + 1) {
                child += 1;
            }
            if !self.less(first + root, first + child) {
                return;
            }
            self.swap(first + root, first + child);
            root = child;
        }
    }

    fn heap_sort(&mut self, a: usize, b: usize) {
        let first = a;
        let hi = b - a;
        for i in (0..hi.div_ceil(2)).rev() {
            self.sift_down(i, hi, first);
        }
        for i in (0..hi).rev() {
            self.swap(first, first + i);
            self.sift_down(0, i, first);
        }
    }

    fn pdqsort(&mut self, mut a: usize, mut b: usize, mut limit: usize) {
        const MAX_INSERTION: usize = 12;
        let mut was_balanced = true;
        let mut was_partitioned = true;
        loop {
            let length = b - a;
            if length <= MAX_INSERTION {
                self.insertion_sort(a, b);
                return;
            }
            if limit == 0 {
                self.heap_sort(a, b);
                return;
            }
            if !was_balanced {
                self.break_patterns(a, b);
                limit -= 1;
            }
            let (mut pivot, mut hint) = self.choose_pivot(a, b);
            if hint == SortedHint::Decreasing {
                self.reverse_range(a, b);
                pivot = (b - 1) - (pivot - a);
                hint = SortedHint::Increasing;
            }
            if was_balanced
                && was_partitioned
                && hint == SortedHint::Increasing
                && self.partial_insertion_sort(a, b)
            {
                return;
            }
            if a > 0 && !self.less(a - 1, pivot) {
                a = self.partition_equal(a, b, pivot);
                continue;
            }
            let (mid, already_partitioned) = self.partition(a, b, pivot);
            was_partitioned = already_partitioned;
            let (left, right) = (mid - a, b - mid);
            let balance_threshold = length / 8;
            if left < right {
                was_balanced = left >= balance_threshold;
                self.pdqsort(a, mid, limit);
                a = mid + 1;
            } else {
                was_balanced = right >= balance_threshold;
                self.pdqsort(mid + 1, b, limit);
                b = mid;
            }
        }
    }

    fn partition(&mut self, a: usize, b: usize, pivot: usize) -> (usize, bool) {
        self.swap(a, pivot);
        // `j` never drops below `a` (it stops at `i - 1`), so no underflow.
        let (mut i, mut j) = (a + 1, b - 1);
        while i <= j && self.less(i, a) {
            i += 1;
        }
        while i <= j && !self.less(j, a) {
            j -= 1;
        }
        if i > j {
            self.swap(j, a);
            return (j, true);
        }
        self.swap(i, j);
        i += 1;
        j -= 1;
        loop {
            while i <= j && self.less(i, a) {
                i += 1;
            }
            while i <= j && !self.less(j, a) {
                j -= 1;
            }
            if i > j {
                break;
            }
            self.swap(i, j);
            i += 1;
            j -= 1;
        }
        self.swap(j, a);
        (j, false)
    }

    fn partition_equal(&mut self, a: usize, b: usize, pivot: usize) -> usize {
        self.swap(a, pivot);
        let (mut i, mut j) = (a + 1, b - 1);
        loop {
            while i <= j && !self.less(a, i) {
                i += 1;
            }
            while i <= j && self.less(a, j) {
                j -= 1;
            }
            if i > j {
                break;
            }
            self.swap(i, j);
            i += 1;
            j -= 1;
        }
        i
    }

    fn partial_insertion_sort(&mut self, a: usize, b: usize) -> bool {
        const MAX_STEPS: usize = 5;
        const SHORTEST_SHIFTING: usize = 50;
        let mut i = a + 1;
        for _ in 0..MAX_STEPS {
            while i < b && !self.less(i, i - 1) {
                i += 1;
            }
            if i == b {
                return true;
            }
            if b - a < SHORTEST_SHIFTING {
                return false;
            }
            self.swap(i, i - 1);
            // Go shifts down to index 1 of the whole slice, not to `a`.
            if i - a >= 2 {
                let mut j = i - 1;
                while j >= 1 && self.less(j, j - 1) {
                    self.swap(j, j - 1);
                    j -= 1;
                }
            }
            if b - i >= 2 {
                let mut j = i + 1;
                while j < b && self.less(j, j - 1) {
                    self.swap(j, j - 1);
                    j += 1;
                }
            }
        }
        false
    }

    fn break_patterns(&mut self, a: usize, b: usize) {
        let length = b - a;
        if length >= 8 {
            // `xorshift(length)` with sort.Sort's shifts (13, 7, 17).
            let mut random = length as u64;
            let modulus = 1usize << (usize::BITS - length.leading_zeros());
            for idx in a + (length / 4) * 2 - 1..=a + (length / 4) * 2 + 1 {
                random ^= random << 13;
                random ^= random >> 7;
                random ^= random << 17;
                let mut other = (random as usize) & (modulus - 1);
                if other >= length {
                    other -= length;
                }
                self.swap(idx, a + other);
            }
        }
    }

    fn choose_pivot(&mut self, a: usize, b: usize) -> (usize, SortedHint) {
        const SHORTEST_NINTHER: usize = 50;
        const MAX_SWAPS: usize = 4 * 3;
        let l = b - a;
        let mut swaps = 0;
        let mut i = a + l / 4;
        let mut j = a + l / 4 * 2;
        let mut k = a + l / 4 * 3;
        if l >= 8 {
            if l >= SHORTEST_NINTHER {
                i = self.median(i - 1, i, i + 1, &mut swaps);
                j = self.median(j - 1, j, j + 1, &mut swaps);
                k = self.median(k - 1, k, k + 1, &mut swaps);
            }
            j = self.median(i, j, k, &mut swaps);
        }
        let hint = match swaps {
            0 => SortedHint::Increasing,
            MAX_SWAPS => SortedHint::Decreasing,
            _ => SortedHint::Unknown,
        };
        (j, hint)
    }

    fn order2(&mut self, a: usize, b: usize, swaps: &mut usize) -> (usize, usize) {
        if self.less(b, a) {
            *swaps += 1;
            return (b, a);
        }
        (a, b)
    }

    fn median(&mut self, a: usize, b: usize, c: usize, swaps: &mut usize) -> usize {
        let (a, b) = self.order2(a, b, swaps);
        let (b, _) = self.order2(b, c, swaps);
        let (_, b) = self.order2(a, b, swaps);
        b
    }

    fn reverse_range(&mut self, a: usize, b: usize) {
        let (mut i, mut j) = (a, b - 1);
        while i < j {
            self.swap(i, j);
            i += 1;
            j -= 1;
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
