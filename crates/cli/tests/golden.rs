//! Golden scripts: every `tests/golden/*.kps` runs through `kubeplay script`
//! and its output must equal the checked-in `*.out` byte for byte.
//!
//! When behaviour changes on purpose (a component lands, a message is
//! corrected), regenerate the expectations with
//! `KUBEPLAY_BLESS=1 cargo test -p kubeplay --test golden` and review the
//! diff like any other change.

use std::path::{Path, PathBuf};
use std::process::Command;

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn run_script(path: &Path) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_kubeplay"))
        .arg("script")
        .arg(path)
        .output()
        .expect("the kubeplay binary runs");
    let mut text = String::from_utf8(output.stdout).expect("UTF-8 output");
    text.push_str(&String::from_utf8(output.stderr).expect("UTF-8 errors"));
    if output.status.code() != Some(0) {
        let code = output
            .status
            .code()
            .map_or_else(|| "signal".to_string(), |c| c.to_string());
        text.push_str(&format!("[exit status {code}]\n"));
    }
    text
}

/// A short line diff for the failure message.
fn diff(expected: &str, actual: &str) -> String {
    let e: Vec<&str> = expected.lines().collect();
    let a: Vec<&str> = actual.lines().collect();
    let mut out = String::new();
    for i in 0..e.len().max(a.len()) {
        match (e.get(i), a.get(i)) {
            (Some(x), Some(y)) if x == y => {}
            (x, y) => {
                out.push_str(&format!(
                    "line {}:\n  expected: {:?}\n  actual:   {:?}\n",
                    i + 1,
                    x,
                    y
                ));
                if out.len() > 4000 {
                    out.push_str("  …\n");
                    break;
                }
            }
        }
    }
    out
}

#[test]
fn golden_scripts() {
    let bless = std::env::var_os("KUBEPLAY_BLESS").is_some();
    let mut scripts: Vec<PathBuf> = std::fs::read_dir(golden_dir())
        .expect("tests/golden exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "kps"))
        .collect();
    scripts.sort();
    assert!(!scripts.is_empty(), "no golden scripts found");
    let mut failures = Vec::new();
    for script in &scripts {
        let actual = run_script(script);
        let expected_path = script.with_extension("out");
        if bless {
            std::fs::write(&expected_path, &actual).expect("write the expectation");
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if expected != actual {
            failures.push(format!(
                "{} differs from {}:\n{}",
                script.display(),
                expected_path.display(),
                diff(&expected, &actual)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{}\nRe-bless with KUBEPLAY_BLESS=1 cargo test -p kubeplay --test golden if the change is intended.",
        failures.join("\n")
    );
}
