//! `go_sort_by` against Go's `sort.Sort`: the vectors in
//! `data/go_sort_vectors.txt` are inputs and the order Go left them in
//! (written by `scripts/go-sort-vectors.sh` with Go's own sort package).
//! Equal keys are where an unstable sort shows its algorithm: kubectl
//! sorts events with `sort.Sort`, and most of them tie to the second.

use kubeplay_engine::sort::{CompactSort, go_sort_by};

fn numbers(text: &str) -> Vec<usize> {
    text.split_whitespace()
        .map(|n| n.parse().expect("a number"))
        .collect()
}

#[test]
fn go_sort_by_leaves_ties_where_go_sort_does() {
    let text = include_str!("data/go_sort_vectors.txt");
    let mut cases = 0;
    let mut unstable = 0;
    for (line_no, line) in text.lines().enumerate() {
        if line.starts_with('#') {
            continue;
        }
        let (keys, want) = line.split_once('|').expect("keys | order");
        let keys = numbers(keys);
        let want = numbers(want);
        let mut got: Vec<usize> = (0..keys.len()).collect();
        go_sort_by(&mut got, |a, b| keys[*a] < keys[*b]);
        assert_eq!(got, want, "line {}: keys {keys:?}", line_no + 1);
        let mut stable: Vec<usize> = (0..keys.len()).collect();
        stable.compact_sort_by_key(|i| keys[*i]);
        if stable != want {
            unstable += 1;
        }
        cases += 1;
    }
    assert!(cases > 250, "only {cases} vectors");
    // The vectors must exercise the unstable paths, or a stable sort
    // would pass them too.
    assert!(
        unstable > 50,
        "only {unstable} vectors differ from a stable sort"
    );
}
