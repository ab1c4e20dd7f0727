//! The Kubernetes website's example manifests (read from the shared
//! corpus, never copied here) validate cleanly after defaulting.

use super::*;
use std::path::{Path as FsPath, PathBuf};

fn corpus_dir() -> PathBuf {
    match std::env::var_os("KUBEPLAY_CORPUS") {
        Some(d) => PathBuf::from(d),
        None => FsPath::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/corpus/k8s-website-examples"),
    }
}

fn walk(dir: &FsPath, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else if p
            .extension()
            .is_some_and(|x| x == "yaml" || x == "yml" || x == "json")
        {
            out.push(p);
        }
    }
}

/// Defaults, admits (pods) and validates one document as the API server
/// would on create; `None` when the kind is not served in that version.
pub(super) fn create_errors(doc: &Value) -> Option<Vec<FieldError>> {
    let api_version = doc.get("apiVersion").as_str()?;
    let kind = doc.get("kind").as_str()?;
    let (id, _) = lookup_kind(api_version, kind)?;
    // Older versions are converted before this point; skip them here.
    if id.get().api_version() != api_version {
        return None;
    }
    let mut obj = doc.clone();
    if id.get().namespaced && obj.at(&["metadata", "namespace"]).is_null() {
        obj.set_at(&["metadata", "namespace"], Value::str("default"));
    }
    apply_defaults(id, &mut obj);
    if kind == "Pod" {
        admit_pod(&mut obj, &[]).ok()?;
    }
    super::job_strategy(kind, &mut obj);
    Some(validate(id, &obj, None))
}

/// Examples real Kubernetes refuses too, with its errors.
const REFUSED: &[(&str, &[&str])] = &[
    (
        "controllers/job-success-policy-example.yaml",
        &[
            "metadata.name: Required value: name or generateName is required",
            "spec.template.spec.restartPolicy: Required value: valid values: \"OnFailure\", \"Never\"",
        ],
    ),
    (
        "pods/security/seccomp/fields.yaml",
        &["spec.ephemeralContainers: Forbidden: cannot be set on create"],
    ),
];

#[test]
fn website_examples_validate_cleanly() {
    let dir = corpus_dir();
    if !dir.is_dir() {
        println!("note: {} is absent; corpus test skipped", dir.display());
        return;
    }
    let mut files = Vec::new();
    walk(&dir, &mut files);
    files.sort();
    let mut failures = Vec::new();
    let mut checked = 0;
    for f in &files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        // Files that do not load are refused before validation.
        let Ok(docs) = yaml::load_str(&text) else {
            continue;
        };
        for d in docs {
            let v = d.root.to_value();
            let Some(errs) = create_errors(&v) else {
                continue;
            };
            checked += 1;
            let kind = v.get("kind").as_str().unwrap_or("");
            let simulated =
                by_kind(kind).is_some_and(|k| k.get().simulation == Simulation::Simulated);
            let rel = f.strip_prefix(&dir).unwrap_or(f).display().to_string();
            let got: Vec<String> = errs.iter().map(ToString::to_string).collect();
            if let Some((_, want)) = REFUSED.iter().find(|(name, _)| *name == rel) {
                assert_eq!(got, *want, "{rel}");
                continue;
            }
            if !errs.is_empty() {
                failures.push(format!(
                    "{} ({kind}{}):\n  {}",
                    f.strip_prefix(&dir).unwrap_or(f).display(),
                    if simulated { "" } else { ", stored only" },
                    errs.iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("\n  ")
                ));
            }
        }
    }
    println!("validated {checked} example objects");
    assert!(checked > 50, "only {checked} examples were validated");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every path to a member or item of `v`, up to `limit` of them.
fn paths(v: &Value, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>, limit: usize) {
    if out.len() >= limit {
        return;
    }
    match v {
        Value::Object(m) => {
            for (k, c) in m.iter() {
                prefix.push(k.to_string());
                out.push(prefix.clone());
                paths(c, prefix, out, limit);
                prefix.pop();
            }
        }
        Value::Array(items) => {
            for (i, c) in items.iter().enumerate() {
                prefix.push(format!("#{i}"));
                out.push(prefix.clone());
                paths(c, prefix, out, limit);
                prefix.pop();
            }
        }
        _ => {}
    }
}

fn replace_at(v: &mut Value, path: &[String], with: Value) {
    let Some((first, rest)) = path.split_first() else {
        *v = with;
        return;
    };
    let child = match first.strip_prefix('#') {
        Some(i) => v
            .as_array_mut()
            .and_then(|a| a.get_mut(i.parse::<usize>().unwrap_or(usize::MAX))),
        None => v.as_object_mut().and_then(|m| m.get_mut(first.as_str())),
    };
    if let Some(c) = child {
        replace_at(c, rest, with);
    }
}

#[test]
fn mutated_examples_never_panic() {
    let dir = corpus_dir();
    if !dir.is_dir() {
        println!("note: {} is absent; mutation test skipped", dir.display());
        return;
    }
    let mut files = Vec::new();
    walk(&dir, &mut files);
    files.sort();
    let variants = || {
        [
            Value::Null,
            Value::Int(-1),
            Value::str(""),
            Value::str("-Bad Value-"),
            Value::array(vec![Value::Int(1)]),
            Value::object(),
        ]
    };
    for f in files.iter().filter(|f| {
        f.to_string_lossy().contains("deployment")
            || f.to_string_lossy().contains("service")
            || f.to_string_lossy().contains("pods/")
    }) {
        let Ok(docs) = std::fs::read_to_string(f).map(|t| yaml::load_str(&t)) else {
            continue;
        };
        let Ok(docs) = docs else { continue };
        for d in docs {
            let v = d.root.to_value();
            let mut ps = Vec::new();
            paths(&v, &mut Vec::new(), &mut ps, 60);
            for p in ps
                .iter()
                .filter(|p| p.first().is_some_and(|k| k != "apiVersion" && k != "kind"))
            {
                for with in variants() {
                    let mut m = v.clone();
                    replace_at(&mut m, p, with);
                    let _ = create_errors(&m);
                }
            }
        }
    }
}
