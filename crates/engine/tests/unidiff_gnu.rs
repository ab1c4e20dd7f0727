//! `kubectl diff` shows GNU `diff -u` output, so Kubeplay's unified diff
//! must pick the same hunks, line for line, as GNU diff does. This test
//! runs the system's `diff` (GNU diffutils, essential on Debian) on
//! thousands of generated pairs of texts and compares.

use kubeplay_engine::rng::Rng;
use kubeplay_engine::unidiff::unified_hunks;
use std::process::Command;

/// GNU diff's hunks for two texts (its two header lines dropped).
fn gnu_hunks(dir: &std::path::Path, old: &str, new: &str) -> String {
    let (a, b) = (dir.join("old"), dir.join("new"));
    std::fs::write(&a, old).unwrap();
    std::fs::write(&b, new).unwrap();
    let out = Command::new("diff")
        .args(["-u", "--label", "old", "--label", "new"])
        .arg(&a)
        .arg(&b)
        .env("LC_ALL", "C")
        .output()
        .expect("GNU diff must be installed (Debian's diffutils)");
    let code = out.status.code();
    assert!(
        matches!(code, Some(0 | 1)),
        "diff failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    match text.strip_prefix("--- old\n+++ new\n") {
        Some(hunks) => hunks.to_string(),
        None => {
            assert!(text.is_empty(), "unexpected diff output: {text}");
            String::new()
        }
    }
}

/// Lines drawn from a small vocabulary, so that many lines repeat and
/// several shortest edit scripts compete.
fn lines(rng: &mut Rng, vocabulary: &[&str], len: usize) -> Vec<String> {
    (0..len)
        .map(|_| vocabulary[rng.index(vocabulary.len())].to_string())
        .collect()
}

/// A copy of `base` with random insertions, deletions and replacements.
fn edited(rng: &mut Rng, base: &[String], vocabulary: &[&str], edits: usize) -> Vec<String> {
    let mut out = base.to_vec();
    for _ in 0..edits {
        let at = rng.index(out.len() + 1);
        let fresh = if rng.below(3) == 0 {
            format!("new {}", rng.below(1000))
        } else {
            vocabulary[rng.index(vocabulary.len())].to_string()
        };
        match rng.below(3) {
            0 => out.insert(at, fresh),
            1 if at < out.len() => {
                out.remove(at);
            }
            _ if at < out.len() => out[at] = fresh,
            _ => out.push(fresh),
        }
    }
    out
}

/// A copy of `base` with bursts: runs of fresh lines mixed with common
/// ones, replacing stretches of it (lines with no match next to lines with
/// many, which is what GNU diff's discarding weighs).
fn burst_edited(rng: &mut Rng, base: &[String], vocabulary: &[&str], bursts: usize) -> Vec<String> {
    let mut out = base.to_vec();
    for _ in 0..bursts {
        let at = rng.index(out.len() + 1);
        let remove = rng.index(8).min(out.len() - at);
        let burst: Vec<String> = (0..3 + rng.index(20))
            .map(|_| match rng.below(3) {
                0 => vocabulary[rng.index(vocabulary.len())].to_string(),
                _ => format!("fresh {}", rng.below(100_000)),
            })
            .collect();
        out.splice(at..at + remove, burst);
    }
    out
}

fn text(lines: &[String]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

#[test]
fn hunks_match_gnu_diff() {
    let dir = std::env::temp_dir().join(format!("kubeplay-unidiff-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // Short vocabularies make ties; YAML-like ones repeat lines the way
    // objects do (`- name:`, `protocol: TCP`), which exercises the
    // discarding of lines that match many others in long texts.
    let small = ["a", "b", "c"];
    let yaml = [
        "  - name: web",
        "    protocol: TCP",
        "    ports:",
        "  labels:",
        "    app: web",
        "  replicas: 3",
        "      containers:",
        "      - image: nginx",
        "  selector:",
        "status: {}",
        "",
    ];
    let mut rng = Rng::new(20261128);
    let mut compared = 0;
    let mut differing = 0;
    for case in 0..3000 {
        let (vocabulary, len, edits): (&[&str], usize, usize) = match case % 5 {
            0 => (&small, rng.index(25), 1 + rng.index(6)),
            1 => (&yaml, rng.index(60), 1 + rng.index(8)),
            2 => (&yaml, 60 + rng.index(400), 1 + rng.index(40)),
            3 => (&yaml, 30 + rng.index(300), 1 + rng.index(6)),
            _ => (&small[..2], rng.index(90), 1 + rng.index(30)),
        };
        let old = lines(&mut rng, vocabulary, len);
        let new = if case % 5 == 3 {
            burst_edited(&mut rng, &old, vocabulary, edits)
        } else {
            edited(&mut rng, &old, vocabulary, edits)
        };
        let (old, new) = if case % 7 == 3 {
            (text(&new), text(&old))
        } else {
            (text(&old), text(&new))
        };
        let expected = gnu_hunks(&dir, &old, &new);
        let ours = unified_hunks(&old, &new);
        assert_eq!(
            ours, expected,
            "case {case} differs from GNU diff\n--- old:\n{old}--- new:\n{new}"
        );
        compared += 1;
        differing += usize::from(!expected.is_empty());
    }
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(compared, 3000);
    // The generator must produce real differences, not only equal texts.
    assert!(differing > 2500, "only {differing} pairs differed");
}
