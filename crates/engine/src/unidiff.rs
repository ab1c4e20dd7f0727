//! Unified diffs as GNU `diff -u` prints them.
//!
//! `kubectl diff` writes the live and the merged objects as YAML files and
//! runs `diff -u -N` over the two directories, so what users see is GNU
//! diff's output. Where several edit scripts are equally short, which one
//! GNU diff prints depends on its whole pipeline, so each step is followed:
//! identical leading and trailing lines are set aside except for a horizon
//! of three; lines with no match in the other file (and some that match too
//! many) are left out of the search; Myers' middle-snake bisection finds a
//! shortest script; runs of changes are slid to merge and to sit as low as
//! they can; changes less than seven lines apart share a hunk. A test
//! compares the output with the system's `diff -u` on thousands of inputs.
//!
//! Not followed: GNU's cut-off for edit scripts longer than 4096 lines,
//! where it settles for a script that may not be shortest.

use crate::{FxMap, fx_map};
use std::rc::Rc;

/// Lines of context around each change (`-u`).
const CONTEXT: usize = 3;

/// Identical leading and trailing lines kept in the comparison (GNU's
/// horizon, which is the context width).
const HORIZON: usize = CONTEXT;

/// One change: `deleted` lines from `line0` of the old text replaced by
/// `inserted` lines from `line1` of the new one (0-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Change {
    line0: usize,
    line1: usize,
    deleted: usize,
    inserted: usize,
}

/// The hunks of `diff -u` between two texts (without the `---`/`+++`
/// header), or an empty string when they are the same. Both texts end in a
/// newline or are empty, as YAML documents do.
pub fn unified_hunks(old: &str, new: &str) -> String {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let changes = changes(&a, &b);
    let mut out = String::new();
    let mut rest = &changes[..];
    while !rest.is_empty() {
        // A hunk takes the following changes while fewer than 2 * CONTEXT + 1
        // unchanged lines separate them.
        let mut len = 1;
        while len < rest.len() {
            let prev = rest[len - 1];
            if rest[len].line0 - (prev.line0 + prev.deleted) > 2 * CONTEXT {
                break;
            }
            len += 1;
        }
        write_hunk(&mut out, &a, &b, &rest[..len]);
        rest = &rest[len..];
    }
    out
}

fn write_hunk(out: &mut String, a: &[&str], b: &[&str], hunk: &[Change]) {
    let (first, last) = (hunk[0], hunk[hunk.len() - 1]);
    // Inclusive ranges as signed numbers: an empty range ends before it starts.
    let first0 = first.line0.saturating_sub(CONTEXT) as isize;
    let first1 = first.line1.saturating_sub(CONTEXT) as isize;
    let last0 = ((last.line0 + last.deleted + CONTEXT) as isize - 1).min(a.len() as isize - 1);
    let last1 = ((last.line1 + last.inserted + CONTEXT) as isize - 1).min(b.len() as isize - 1);
    out.push_str("@@ -");
    push_range(out, first0, last0);
    out.push_str(" +");
    push_range(out, first1, last1);
    out.push_str(" @@\n");
    let mut i = first0 as usize;
    let mut next = hunk.iter().peekable();
    while (i as isize) <= last0 {
        match next.peek() {
            Some(c) if c.line0 == i => {
                for line in &a[c.line0..c.line0 + c.deleted] {
                    push_line(out, '-', line);
                }
                for line in &b[c.line1..c.line1 + c.inserted] {
                    push_line(out, '+', line);
                }
                i += c.deleted;
                next.next();
            }
            _ => {
                push_line(out, ' ', a[i]);
                i += 1;
            }
        }
    }
    // An insertion after the last old line of the hunk.
    for c in next {
        for line in &b[c.line1..c.line1 + c.inserted] {
            push_line(out, '+', line);
        }
    }
}

fn push_line(out: &mut String, mark: char, line: &str) {
    out.push(mark);
    out.push_str(line);
    out.push('\n');
}

/// GNU's unified range: `start,count`, just `start` for one line, and the
/// line before with a count of 0 for none.
fn push_range(out: &mut String, first: isize, last: isize) {
    let (a, b) = (first + 1, last + 1);
    let text = if b < a {
        format!("{b},0")
    } else if b == a {
        format!("{b}")
    } else {
        format!("{a},{}", b - a + 1)
    };
    out.push_str(&text);
}

/// The edit script from `a` to `b`, in order.
fn changes(a: &[&str], b: &[&str]) -> Vec<Change> {
    // Identical ends are set aside, all but a horizon of lines next to the
    // first and last difference.
    let same_start = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    if same_start == a.len() && a.len() == b.len() {
        return Vec::new();
    }
    let prefix = same_start.saturating_sub(HORIZON);
    let room = (a.len() - prefix).min(b.len() - prefix);
    let same_end = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take(room)
        .take_while(|(x, y)| x == y)
        .count();
    let suffix = same_end.saturating_sub(HORIZON);
    let mid = [&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]];
    // Equivalence classes, numbered from 1. Keyed by Rc<str> with u32
    // classes: a map type the bundle links already (no hash table code of
    // its own); a line is copied once, when its class is new.
    let mut classes: FxMap<Rc<str>, u32> = fx_map();
    let equivs: [Vec<usize>; 2] = mid.map(|lines| {
        lines
            .iter()
            .map(|l| {
                if let Some(&class) = classes.get(*l) {
                    return class as usize;
                }
                let next = classes.len() + 1;
                classes.insert(Rc::from(*l), next as u32);
                next
            })
            .collect()
    });
    let mut changed = [vec![false; mid[0].len() + 2], vec![false; mid[1].len() + 2]];
    let (kept, real) = discard_confusing_lines(&equivs, classes.len() + 1, &mut changed);
    let mut search = Search {
        xv: &kept[0],
        yv: &kept[1],
        xreal: &real[0],
        yreal: &real[1],
        fd: vec![0; kept[0].len() + kept[1].len() + 3],
        bd: vec![0; kept[0].len() + kept[1].len() + 3],
        offset: kept[1].len() as isize + 1,
        changed: &mut changed,
    };
    search.compare(0, kept[0].len(), 0, kept[1].len());
    shift_boundaries(&equivs, &mut changed);
    // The script, in the whole texts' line numbers.
    let mut script = Vec::new();
    let (n0, n1) = (mid[0].len(), mid[1].len());
    let (mut i0, mut i1) = (0, 0);
    while i0 < n0 || i1 < n1 {
        if changed[0][i0 + 1] || changed[1][i1 + 1] {
            let (line0, line1) = (i0, i1);
            while changed[0][i0 + 1] {
                i0 += 1;
            }
            while changed[1][i1 + 1] {
                i1 += 1;
            }
            script.push(Change {
                line0: line0 + prefix,
                line1: line1 + prefix,
                deleted: i0 - line0,
                inserted: i1 - line1,
            });
        }
        i0 += 1;
        i1 += 1;
    }
    script
}

/// GNU's `discard_confusing_lines`: a line with no match in the other text
/// is certainly changed and left out of the search; one with many matches
/// is left out too when it sits inside a run of such lines. Returns the
/// kept lines' classes and their indexes, per text. `changed` is indexed
/// from 1 (0 and the last entry are sentinels).
fn discard_confusing_lines(
    equivs: &[Vec<usize>; 2],
    class_count: usize,
    changed: &mut [Vec<bool>; 2],
) -> ([Vec<usize>; 2], [Vec<usize>; 2]) {
    let mut counts = [vec![0usize; class_count], vec![0usize; class_count]];
    for f in 0..2 {
        for &e in &equivs[f] {
            counts[f][e] += 1;
        }
    }
    const KEEP: u8 = 0;
    const DISCARD: u8 = 1;
    const PROVISIONAL: u8 = 2;
    let mut discards: [Vec<u8>; 2] = [vec![KEEP; equivs[0].len()], vec![KEEP; equivs[1].len()]];
    for f in 0..2 {
        let end = equivs[f].len();
        // About the square root of the length, at least 5.
        let many = 5usize << if end < 64 { 0 } else { (end.ilog2() >> 1) - 3 };
        for (i, &e) in equivs[f].iter().enumerate() {
            let matches = counts[1 - f][e];
            if matches == 0 {
                discards[f][i] = DISCARD;
            } else if matches > many {
                discards[f][i] = PROVISIONAL;
            }
        }
    }
    for d in &mut discards {
        let end = d.len();
        let mut i = 0;
        while i < end {
            if d[i] == PROVISIONAL {
                // Not inside a run that starts with a certain discard.
                d[i] = KEEP;
            } else if d[i] == DISCARD {
                let mut j = i;
                let mut provisional = 0;
                while j < end && d[j] != KEEP {
                    provisional += usize::from(d[j] == PROVISIONAL);
                    j += 1;
                }
                // A run ends with a certain discard too.
                while j > i && d[j - 1] == PROVISIONAL {
                    j -= 1;
                    d[j] = KEEP;
                    provisional -= 1;
                }
                let length = j - i;
                if provisional > length >> 2 {
                    // Too many uncertain lines: keep them all.
                    for x in &mut d[i..j] {
                        if *x == PROVISIONAL {
                            *x = KEEP;
                        }
                    }
                } else {
                    cancel_provisional_runs(&mut d[i..j]);
                    i += length - 1;
                }
            }
            i += 1;
        }
    }
    let mut kept = [Vec::new(), Vec::new()];
    let mut real = [Vec::new(), Vec::new()];
    for f in 0..2 {
        for (i, &e) in equivs[f].iter().enumerate() {
            if discards[f][i] == KEEP {
                kept[f].push(e);
                real[f].push(i);
            } else {
                changed[f][i + 1] = true;
            }
        }
    }
    (kept, real)
}

/// Within a run of discards whose ends are certain: long stretches of
/// uncertain lines are kept, and so are uncertain lines near either end
/// (before three certain discards in a row, or eight lines in).
fn cancel_provisional_runs(run: &mut [u8]) {
    const KEEP: u8 = 0;
    const DISCARD: u8 = 1;
    const PROVISIONAL: u8 = 2;
    let length = run.len();
    // About the square root of a quarter of the run; a stretch this long
    // is kept.
    let minimum = if length < 4 {
        2
    } else {
        (1usize << ((length.ilog2() >> 1) - 1)) + 1
    };
    let mut consec = 0;
    let mut j = 0;
    while j < length {
        if run[j] != PROVISIONAL {
            consec = 0;
        } else {
            consec += 1;
            if consec == minimum {
                // Back to the start of the stretch, to keep all of it.
                j -= consec;
            } else if consec > minimum {
                run[j] = KEEP;
            }
        }
        j += 1;
    }
    let mut from_end = |index: &dyn Fn(usize) -> usize| {
        let mut consec = 0;
        for j in 0..length {
            let at = index(j);
            if j >= 8 && run[at] == DISCARD {
                break;
            }
            match run[at] {
                PROVISIONAL => {
                    consec = 0;
                    run[at] = KEEP;
                }
                KEEP => consec = 0,
                _ => consec += 1,
            }
            if consec == 3 {
                break;
            }
        }
    };
    from_end(&|j| j);
    from_end(&|j| length - 1 - j);
}

/// Myers' O(ND) search with the middle snake, over the kept lines.
struct Search<'a> {
    xv: &'a [usize],
    yv: &'a [usize],
    xreal: &'a [usize],
    yreal: &'a [usize],
    /// Furthest x reached on each diagonal k = x - y, forward and backward,
    /// indexed at k + offset.
    fd: Vec<isize>,
    bd: Vec<isize>,
    offset: isize,
    changed: &'a mut [Vec<bool>; 2],
}

impl Search<'_> {
    fn compare(&mut self, mut xoff: usize, mut xlim: usize, mut yoff: usize, mut ylim: usize) {
        while xoff < xlim && yoff < ylim && self.xv[xoff] == self.yv[yoff] {
            xoff += 1;
            yoff += 1;
        }
        while xoff < xlim && yoff < ylim && self.xv[xlim - 1] == self.yv[ylim - 1] {
            xlim -= 1;
            ylim -= 1;
        }
        if xoff == xlim {
            for y in yoff..ylim {
                self.changed[1][self.yreal[y] + 1] = true;
            }
        } else if yoff == ylim {
            for x in xoff..xlim {
                self.changed[0][self.xreal[x] + 1] = true;
            }
        } else {
            let (xmid, ymid) = self.middle_snake(xoff, xlim, yoff, ylim);
            self.compare(xoff, xmid, yoff, ymid);
            self.compare(xmid, xlim, ymid, ylim);
        }
    }

    /// Where a shortest path from (xoff, yoff) to (xlim, ylim) crosses the
    /// middle: searches forward and backward one edit at a time, the
    /// diagonals from the highest down, until the two searches meet.
    fn middle_snake(
        &mut self,
        xoff: usize,
        xlim: usize,
        yoff: usize,
        ylim: usize,
    ) -> (usize, usize) {
        let (xoff, xlim, yoff, ylim) = (xoff as isize, xlim as isize, yoff as isize, ylim as isize);
        let o = self.offset;
        let dmin = xoff - ylim;
        let dmax = xlim - yoff;
        let fmid = xoff - yoff;
        let bmid = xlim - ylim;
        let (mut fmin, mut fmax, mut bmin, mut bmax) = (fmid, fmid, bmid, bmid);
        let odd = (fmid - bmid) & 1 != 0;
        self.fd[(fmid + o) as usize] = xoff;
        self.bd[(bmid + o) as usize] = xlim;
        loop {
            if fmin > dmin {
                fmin -= 1;
                self.fd[(fmin - 1 + o) as usize] = -1;
            } else {
                fmin += 1;
            }
            if fmax < dmax {
                fmax += 1;
                self.fd[(fmax + 1 + o) as usize] = -1;
            } else {
                fmax -= 1;
            }
            let mut d = fmax;
            while d >= fmin {
                let tlo = self.fd[(d - 1 + o) as usize];
                let thi = self.fd[(d + 1 + o) as usize];
                let mut x = if tlo >= thi { tlo + 1 } else { thi };
                let mut y = x - d;
                while x < xlim && y < ylim && self.xv[x as usize] == self.yv[y as usize] {
                    x += 1;
                    y += 1;
                }
                self.fd[(d + o) as usize] = x;
                if odd && bmin <= d && d <= bmax && self.bd[(d + o) as usize] <= x {
                    return (x as usize, y as usize);
                }
                d -= 2;
            }
            if bmin > dmin {
                bmin -= 1;
                self.bd[(bmin - 1 + o) as usize] = isize::MAX;
            } else {
                bmin += 1;
            }
            if bmax < dmax {
                bmax += 1;
                self.bd[(bmax + 1 + o) as usize] = isize::MAX;
            } else {
                bmax -= 1;
            }
            let mut d = bmax;
            while d >= bmin {
                let tlo = self.bd[(d - 1 + o) as usize];
                let thi = self.bd[(d + 1 + o) as usize];
                let mut x = if tlo < thi { tlo } else { thi - 1 };
                let mut y = x - d;
                while x > xoff && y > yoff && self.xv[x as usize - 1] == self.yv[y as usize - 1] {
                    x -= 1;
                    y -= 1;
                }
                self.bd[(d + o) as usize] = x;
                if !odd && fmin <= d && d <= fmax && x <= self.fd[(d + o) as usize] {
                    return (x as usize, y as usize);
                }
                d -= 2;
            }
        }
    }
}

/// GNU's `shift_boundaries`: a run of changes is slid up while the line
/// before it equals its last line (merging with changes above), then down
/// while its first line equals the line after it (merging below, and
/// otherwise ending as low as it can), and finally back up to line up with
/// a run of changes in the other text if it passed one.
fn shift_boundaries(equivs: &[Vec<usize>; 2], changed: &mut [Vec<bool>; 2]) {
    for (f, eq) in equivs.iter().enumerate() {
        let [x, y] = changed;
        let (mine, other) = if f == 0 { (x, &*y) } else { (y, &*x) };
        let end = eq.len() as isize;
        // Both flag vectors have a false sentinel before and after.
        let ch = |v: &Vec<bool>, i: isize| v[(i + 1) as usize];
        let mut i: isize = 0;
        let mut j: isize = 0;
        loop {
            while i < end && !ch(mine, i) {
                loop {
                    let c = ch(other, j);
                    j += 1;
                    if !c {
                        break;
                    }
                }
                i += 1;
            }
            if i == end {
                break;
            }
            let mut start = i;
            i += 1;
            while ch(mine, i) {
                i += 1;
            }
            while ch(other, j) {
                j += 1;
            }
            let mut corresponding;
            loop {
                let runlength = i - start;
                while start > 0 && eq[(start - 1) as usize] == eq[(i - 1) as usize] {
                    start -= 1;
                    mine[(start + 1) as usize] = true;
                    i -= 1;
                    mine[(i + 1) as usize] = false;
                    while ch(mine, start - 1) {
                        start -= 1;
                    }
                    loop {
                        j -= 1;
                        if !ch(other, j) {
                            break;
                        }
                    }
                }
                corresponding = if ch(other, j - 1) { i } else { end };
                while i != end && eq[start as usize] == eq[i as usize] {
                    mine[(start + 1) as usize] = false;
                    start += 1;
                    mine[(i + 1) as usize] = true;
                    i += 1;
                    while ch(mine, i) {
                        i += 1;
                    }
                    loop {
                        j += 1;
                        if !ch(other, j) {
                            break;
                        }
                        corresponding = i;
                    }
                }
                if runlength == i - start {
                    break;
                }
            }
            while corresponding < i {
                start -= 1;
                mine[(start + 1) as usize] = true;
                i -= 1;
                mine[(i + 1) as usize] = false;
                loop {
                    j -= 1;
                    if !ch(other, j) {
                        break;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::unified_hunks;

    #[test]
    fn one_changed_line_has_three_lines_of_context() {
        let old = "a\nb\nc\nd\ne\nf\ng\n";
        let new = "a\nb\nc\nD\ne\nf\ng\n";
        assert_eq!(
            unified_hunks(old, new),
            "@@ -1,7 +1,7 @@\n a\n b\n c\n-d\n+D\n e\n f\n g\n"
        );
    }

    #[test]
    fn a_new_file_is_one_insertion_against_nothing() {
        assert_eq!(unified_hunks("", "x\ny\n"), "@@ -0,0 +1,2 @@\n+x\n+y\n");
        assert_eq!(unified_hunks("x\n", "x\n"), "");
    }

    #[test]
    fn changes_seven_lines_apart_make_two_hunks() {
        let text = |changed: &[usize]| -> String {
            (0..20)
                .map(|i| match changed.contains(&i) {
                    true => format!("changed {i}\n"),
                    false => format!("{i}\n"),
                })
                .collect()
        };
        // Lines 3 to 9 (seven) between the changes: two hunks.
        let hunks = unified_hunks(&text(&[]), &text(&[2, 10]));
        assert_eq!(hunks.matches("@@ -").count(), 2, "{hunks}");
        // Six: one.
        let hunks = unified_hunks(&text(&[]), &text(&[2, 9]));
        assert_eq!(hunks.matches("@@ -").count(), 1, "{hunks}");
    }
}
