#!/usr/bin/env bash
# Writes crates/engine/tests/data/go_sort_vectors.txt: inputs and the order
# Go's sort.Sort leaves them in, for the test of crate::sort::go_sort_by.
# Needs a Go toolchain (1.19 or later: pdqsort). It copies the standard
# library's sort package into a scratch module and, for Go before 1.24, sets
# breakPatterns' xorshift to the shifts Go 1.24 changed it to (13, 7, 17;
# golang/go#70144), so the vectors are those of the Go that builds kubectl.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
goroot="$(go env GOROOT)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/gosort"
# sort.go, the generated sort.Interface variant and (from Go 1.21) the
# wrappers sort.go calls; slice.go needs internal packages and is not used.
for f in sort.go zsortinterface.go sort_impl_go121.go; do
  if [ -f "$goroot/src/sort/$f" ]; then cp "$goroot/src/sort/$f" "$scratch/gosort/"; fi
done
sed -i 's/^package sort$/package gosort/; s/\*r >> 17$/*r >> 7/; s/\*r << 5$/*r << 17/' "$scratch/gosort/"*.go
grep -q '\*r >> 7' "$scratch/gosort/sort.go"
grep -q '\*r << 17' "$scratch/gosort/sort.go"
cat > "$scratch/go.mod" <<'MOD'
module vectors

go 1.19
MOD
cat > "$scratch/main.go" <<'MAIN'
package main

import (
	"fmt"
	"strings"

	"vectors/gosort"
)

type byKey struct{ keys, idx []int }

func (s byKey) Len() int           { return len(s.idx) }
func (s byKey) Less(i, j int) bool { return s.keys[s.idx[i]] < s.keys[s.idx[j]] }
func (s byKey) Swap(i, j int)      { s.idx[i], s.idx[j] = s.idx[j], s.idx[i] }

var state uint64 = 0x9E3779B97F4A7C15

func next() int {
	state ^= state << 13
	state ^= state >> 7
	state ^= state << 17
	return int(state >> 33)
}

func emit(keys []int) {
	idx := make([]int, len(keys))
	for i := range idx {
		idx[i] = i
	}
	gosort.Sort(byKey{keys, idx})
	join := func(xs []int) string {
		s := make([]string, len(xs))
		for i, x := range xs {
			s[i] = fmt.Sprint(x)
		}
		return strings.Join(s, " ")
	}
	fmt.Printf("%s | %s\n", join(keys), join(idx))
}

func main() {
	fmt.Println("# keys | the indices in the order Go's sort.Sort leaves them (scripts/go-sort-vectors.sh)")
	for n := 0; n <= 48; n++ {
		for _, distinct := range []int{1, 2, 3, n/2 + 1, n + 1} {
			keys := make([]int, n)
			for i := range keys {
				keys[i] = next() % distinct
			}
			emit(keys)
		}
	}
	for _, n := range []int{13, 50, 51, 100, 257, 600} {
		patterns := map[string]func(i int) int{}
		order := []string{"sorted", "reversed", "equal", "sawtooth", "pipe", "few", "many", "swapped"}
		patterns["sorted"] = func(i int) int { return i / 3 }
		patterns["reversed"] = func(i int) int { return (n - i) / 3 }
		patterns["equal"] = func(i int) int { return 7 }
		patterns["sawtooth"] = func(i int) int { return i % 7 }
		patterns["pipe"] = func(i int) int {
			if i < n/2 {
				return i
			}
			return n - i
		}
		patterns["few"] = func(i int) int { return next() % 3 }
		patterns["many"] = func(i int) int { return next() % 1000 }
		patterns["swapped"] = func(i int) int {
			if i == n/3 {
				return n
			}
			return i
		}
		for _, p := range order {
			keys := make([]int, n)
			for i := range keys {
				keys[i] = patterns[p](i)
			}
			emit(keys)
		}
	}
}
MAIN
(cd "$scratch" && go run .) > "$root/crates/engine/tests/data/go_sort_vectors.txt"
