//! Conformance over the Kubernetes documentation's example manifests
//! (`../shared/corpus/k8s-website-examples/`, read in place, never copied).
//!
//! Each file is applied to a fresh default cluster, as `kubectl apply -f`
//! would be, after creating the namespaces it names (the docs' tutorials
//! create them first). The outcome — kubectl's output lines, warnings and
//! errors — must equal the expectation kept in `tests/corpus.golden`
//! (regenerate with `KUBEPLAY_BLESS=1 cargo test -p kubeplay-engine --test corpus`),
//! and every file outside `REFUSED` must be accepted: real Kubernetes
//! accepts it.

// Test code may sort with std (clippy.toml steers engine code away).
#![allow(clippy::disallowed_methods)]

use std::path::{Path, PathBuf};

use kubeplay_engine::Cluster;
use kubeplay_engine::apiserver::manifest::ManifestVerb;
use kubeplay_engine::kubectl::MemoryFiles;

/// Files real Kubernetes 1.37 refuses on a cluster like ours, and why.
const REFUSED: &[(&str, &str)] = &[
    (
        "pods/security/seccomp/fields.yaml",
        "ephemeralContainers cannot be set on create (a field reference, not a manifest to apply)",
    ),
    (
        "service/networking/dual-stack-ipv6-svc.yaml",
        "spec.ipFamily was removed in 1.20: strict decoding refuses it",
    ),
    (
        "service/networking/dual-stack-ipv6-lb-svc.yaml",
        "spec.ipFamily was removed in 1.20: strict decoding refuses it",
    ),
    (
        "controllers/job-pod-failure-policy-ignore.yaml",
        "tab indentation is not YAML",
    ),
    (
        "controllers/job-success-policy-example.yaml",
        "no metadata.name: kubectl apply needs one",
    ),
    (
        "pods/security/seccomp/kind.yaml",
        "a kind cluster config, not a Kubernetes object",
    ),
    (
        "service/networking/gateway.yaml",
        "Gateway API kinds are CRDs, not installed",
    ),
    (
        "service/networking/gatewayclass.yaml",
        "Gateway API kinds are CRDs, not installed",
    ),
    (
        "service/networking/httproute.yaml",
        "Gateway API kinds are CRDs, not installed",
    ),
    (
        "service/networking/grpcroute.yaml",
        "Gateway API kinds are CRDs, not installed",
    ),
    (
        "service/networking/grpcroute-matching.yaml",
        "Gateway API kinds are CRDs, not installed",
    ),
];

fn corpus_dir() -> Option<PathBuf> {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/k8s-website-examples");
    dir.is_dir().then_some(dir)
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("corpus folder is readable")
        .map(|e| e.expect("corpus entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            yaml_files(&path, out);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml" | "json")
        ) {
            out.push(path);
        }
    }
}

/// Every example file: its path under the corpus (`/`-separated) and its
/// text, in path order.
fn examples(dir: &Path) -> Vec<(String, String)> {
    let mut files = Vec::new();
    yaml_files(dir, &mut files);
    files
        .iter()
        .map(|path| {
            let rel = path
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let text = std::fs::read(path).expect("readable");
            (rel, String::from_utf8_lossy(&text).into_owned())
        })
        .collect()
}

/// Namespaces a manifest places objects in (found textually, so that broken
/// YAML still gets its namespaces).
fn named_namespaces(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let t = line.trim().trim_end_matches(',');
        let Some(rest) = t
            .strip_prefix("namespace:")
            .or_else(|| t.strip_prefix("\"namespace\":"))
        else {
            continue;
        };
        let ns = rest.trim().trim_matches('"').trim_matches('\'').to_string();
        if !ns.is_empty() && !out.contains(&ns) {
            out.push(ns);
        }
    }
    out
}

/// What kubectl would print for one file, and whether anything failed.
fn apply_file(rel: &str, text: &str) -> (String, bool) {
    let mut cluster = Cluster::new(1);
    for ns in named_namespaces(text) {
        let _ = cluster.run_manifest(
            &format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n"),
            "setup",
            ManifestVerb::Apply,
        );
    }
    let file_name = Path::new(rel)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(rel);
    let outcomes = cluster.run_manifest(text, file_name, ManifestVerb::Apply);
    let mut out = String::new();
    let mut failed = false;
    for o in &outcomes {
        for w in &o.warnings {
            out.push_str(&format!("Warning: {w}\n"));
        }
        match (&o.result, o.kubectl_line()) {
            (Ok(_), Some(line)) => out.push_str(&format!("{line}\n")),
            (Ok(_), None) => {}
            (Err(e), _) => {
                failed = true;
                for d in &o.diagnostics {
                    out.push_str(&format!(
                        "  at line {}, column {}: {}\n",
                        d.line, d.column, d.message
                    ));
                }
                out.push_str(&format!("{e}\n"));
            }
        }
    }
    (out, failed)
}

#[test]
fn docs_examples_apply_as_on_a_real_cluster() {
    let Some(dir) = corpus_dir() else {
        println!("corpus not found at ../shared/corpus/k8s-website-examples: skipped");
        return;
    };
    let files = examples(&dir);
    assert!(files.len() > 50, "the corpus holds {} files", files.len());
    let mut report = String::new();
    let mut wrongly_refused = Vec::new();
    for (rel, text) in &files {
        let (out, failed) = apply_file(rel, text);
        report.push_str(&format!("== {rel}\n{out}"));
        if failed && !REFUSED.iter().any(|(f, _)| *f == rel) {
            wrongly_refused.push(format!("{rel}:\n{out}"));
        }
    }
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus.golden");
    if std::env::var_os("KUBEPLAY_BLESS").is_some() {
        std::fs::write(&golden, &report).expect("write golden");
    }
    assert!(
        wrongly_refused.is_empty(),
        "real Kubernetes accepts these files, Kubeplay refused them:\n{}",
        wrongly_refused.join("\n")
    );
    let expected = std::fs::read_to_string(&golden).unwrap_or_default();
    if expected != report {
        let diff: Vec<String> = expected
            .lines()
            .zip(report.lines())
            .enumerate()
            .filter(|(_, (a, b))| a != b)
            .take(10)
            .map(|(i, (a, b))| format!("line {}:\n  expected: {a}\n  actual:   {b}", i + 1))
            .collect();
        panic!(
            "corpus outcomes differ from tests/corpus.golden (bless with KUBEPLAY_BLESS=1):\n{}",
            diff.join("\n")
        );
    }
}

/// The docs' NetworkPolicy examples act as they do on kind (kindnetd
/// enforces them): default-deny-ingress drops a pod's connection to nginx,
/// allow-all-ingress lets it through again, default-deny-egress breaks
/// name resolution, and the Declare Network Policy task's policy selects
/// `app.kubernetes.io/name: nginx`, which `kubectl create deployment`
/// does not set, so it changes nothing.
#[test]
fn docs_network_policies_act_as_on_kind() {
    let Some(dir) = corpus_dir() else {
        println!("corpus not found at ../shared/corpus/k8s-website-examples: skipped");
        return;
    };
    let net = dir.join("service/networking");
    let mut files = kubeplay_engine::kubectl::MemoryFiles::default();
    for name in [
        "nginx-policy.yaml",
        "network-policy-default-deny-ingress.yaml",
        "network-policy-allow-all-ingress.yaml",
        "network-policy-default-deny-egress.yaml",
    ] {
        let text = std::fs::read_to_string(net.join(name)).expect("corpus file is readable");
        files = files.with(name, &text);
    }
    let mut cluster = Cluster::new(1);
    let script = "\
kubectl create deployment nginx --image=nginx
kubectl expose deployment nginx --port=80
kubectl run box --image=busybox:1.36 -- sleep 3600
sleep 20s
kubectl apply -f nginx-policy.yaml
kubectl exec box -- wget --spider -T 1 nginx
kubectl apply -f network-policy-default-deny-ingress.yaml
kubectl exec box -- wget --spider -T 1 nginx
kubectl apply -f network-policy-allow-all-ingress.yaml
kubectl exec box -- wget --spider -T 1 nginx
kubectl apply -f network-policy-default-deny-egress.yaml
kubectl exec box -- wget --spider -T 1 nginx
kubectl exec box -- nslookup kubernetes.default
";
    let result = kubeplay_engine::script::run_script(&mut cluster, script, &files);
    let answers: Vec<&str> = result
        .output
        .split("$ kubectl exec box -- ")
        .skip(1)
        .map(|chunk| {
            let own = chunk.split("\n$ ").next().unwrap_or("");
            own.lines().rfind(|l| !l.is_empty()).unwrap_or("")
        })
        .collect();
    assert_eq!(
        answers,
        [
            "remote file exists",
            "command terminated with exit code 1",
            "remote file exists",
            "command terminated with exit code 1",
            "command terminated with exit code 1",
        ],
        "{}",
        result.output
    );
    assert!(result.output.contains("wget: download timed out\n"));
    assert!(result.output.contains("wget: bad address 'nginx'\n"));
    assert!(
        result
            .output
            .contains(";; connection timed out; no servers could be reached\n")
    );
}

/// The docs' per-index back-off and success-policy Jobs end as the Job
/// page and the Pod failure policy task show: failed indexes
/// `0,2,4,6,8` (10 failed pods) and `0,1` (3), and a Job completed by its
/// success policy.
#[test]
fn docs_indexed_job_policies_end_as_documented() {
    let Some(dir) = corpus_dir() else {
        println!("corpus not found at ../shared/corpus/k8s-website-examples: skipped");
        return;
    };
    // Each page's Jobs in a cluster of their own, as the docs run them: the
    // success policy races its own failures against the default back-off
    // limit, which other Jobs' pods pulling `python` too would slow.
    let run = |names: &[&str]| {
        let mut cluster = Cluster::new(1);
        for name in names {
            let text =
                std::fs::read_to_string(dir.join("controllers").join(name)).expect("readable");
            let outcomes = cluster.run_manifest(&text, name, ManifestVerb::Apply);
            assert!(
                outcomes
                    .iter()
                    .all(|o| o.result.is_ok() && o.warnings.is_empty())
            );
        }
        cluster.step(5 * 60 * 1000);
        cluster
    };
    let status = |cluster: &Cluster, name: &str| {
        let job = cluster
            .store()
            .get_named(
                kubeplay_engine::api::registry::by_kind("Job").unwrap(),
                "default",
                name,
            )
            .expect("the Job exists");
        let s = job.get("status");
        let text = |f: &str| s.get(f).as_str().unwrap_or("").to_string();
        let int = |f: &str| s.get(f).as_i64().unwrap_or(0);
        let conditions: Vec<String> = s
            .get("conditions")
            .items()
            .map(|c| {
                format!(
                    "{}/{}",
                    c.get("type").as_str().unwrap_or(""),
                    c.get("reason").as_str().unwrap_or("")
                )
            })
            .collect();
        (
            text("completedIndexes"),
            text("failedIndexes"),
            int("succeeded"),
            int("failed"),
            conditions.join(" "),
        )
    };
    let per_index = run(&[
        "job-backoff-limit-per-index-example.yaml",
        "job-backoff-limit-per-index-failindex.yaml",
    ]);
    assert_eq!(
        status(&per_index, "job-backoff-limit-per-index-example"),
        (
            "1,3,5,7,9".into(),
            "0,2,4,6,8".into(),
            5,
            10,
            "FailureTarget/FailedIndexes Failed/FailedIndexes".into()
        )
    );
    assert_eq!(
        status(&per_index, "job-backoff-limit-per-index-failindex"),
        (
            "2,3".into(),
            "0,1".into(),
            2,
            3,
            "FailureTarget/FailedIndexes Failed/FailedIndexes".into()
        )
    );
    let success = status(&run(&["job-success-policy.yaml"]), "job-success");
    assert_eq!(success.0, "2");
    assert_eq!(
        success.4,
        "SuccessCriteriaMet/SuccessPolicy Complete/SuccessPolicy"
    );
}

/// `kubectl diff` on the docs' examples: before they are applied every
/// object is new (a dry-run create against nothing, exit status 1); once
/// applied, diffing the same file shows nothing and exits 0, as on a real
/// cluster, even after the controllers have acted on the objects.
#[test]
fn docs_examples_diff_clean_once_applied() {
    let Some(dir) = corpus_dir() else {
        println!("corpus not found at ../shared/corpus/k8s-website-examples: skipped");
        return;
    };
    let mut problems = Vec::new();
    let mut refused_dry_runs = Vec::new();
    let mut checked = 0;
    for (rel, text) in examples(&dir) {
        if REFUSED.iter().any(|(f, _)| *f == rel) {
            continue;
        }
        let mut cluster = Cluster::new(1);
        for ns in named_namespaces(&text) {
            let _ = cluster.kubectl(&format!("create namespace {ns}"), &MemoryFiles::default());
        }
        let files = MemoryFiles::default().with("f.yaml", &text);
        let before = cluster.kubectl("diff -f f.yaml", &files);
        let new_only = before
            .stdout
            .lines()
            .filter(|l| l.starts_with("@@"))
            .all(|l| l.starts_with("@@ -0,0 +1,"));
        // A file whose objects depend on each other (a Namespace and what
        // goes in it) fails its dry runs, as it does with kubectl.
        if before.exit_code == 2 {
            refused_dry_runs.push(rel);
            continue;
        }
        if before.exit_code != 1 || !new_only {
            problems.push(format!(
                "{rel}: before apply (exit {}):\n{}{}",
                before.exit_code, before.stdout, before.stderr
            ));
            continue;
        }
        let applied = cluster.kubectl("apply -f f.yaml", &files);
        if applied.exit_code != 0 {
            continue;
        }
        cluster.step(30_000);
        let after = cluster.kubectl("diff -f f.yaml", &files);
        if after.exit_code != 0 || !after.stdout.is_empty() {
            problems.push(format!(
                "{rel}: after apply (exit {}):\n{}{}",
                after.exit_code, after.stdout, after.stderr
            ));
        }
        checked += 1;
    }
    assert!(checked > 50, "only {checked} files were diffed");
    // Which files' dry runs fail before anything exists (objects that need
    // another object of the same file first): few, and known.
    assert!(
        refused_dry_runs.len() <= 10,
        "{} files refused before apply: {refused_dry_runs:?}",
        refused_dry_runs.len()
    );
    println!("{checked} files diffed; refused before apply: {refused_dry_runs:?}");
    assert!(
        problems.is_empty(),
        "{} files:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
