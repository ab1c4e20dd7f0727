//! The UI's calls into the engine that go beyond the object store.
//!
//! Several engine APIs are being written in parallel (kubectl, the
//! scheduler's explanations). Each function here is the one place the UI
//! calls for them; where the engine API does not exist yet, the body is a
//! clearly marked FALLBACK, and switching to the real call is one line.

use kubeplay_engine::Cluster;
use kubeplay_engine::apiserver::manifest::{ManifestVerb, ObjectOutcome};
use kubeplay_engine::network::{Request, Response};
use kubeplay_engine::store::ObjectKey;
use kubeplay_engine::value::Value;

/// What a command printed and how it exited, as a terminal shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommandOutput {
    /// Standard output, verbatim.
    pub stdout: String,
    /// Standard error, verbatim.
    pub stderr: String,
    /// The exit code.
    pub exit_code: i32,
}

/// A file the editor holds, by the name commands use (`-f deployment.yaml`).
pub type NamedFile = (String, String);

/// Runs one `kubectl …` line against the cluster, with the editor's files
/// readable by name. Output is byte-identical to the `kubeplay` binary's.
pub fn kubectl(cluster: &mut Cluster, line: &str, files: &[NamedFile]) -> CommandOutput {
    let files = kubeplay_engine::kubectl::MemoryFiles(files.iter().cloned().collect());
    let out = cluster.kubectl(line, &files);
    CommandOutput {
        stdout: out.stdout,
        stderr: out.stderr,
        exit_code: out.exit_code,
    }
}

/// FALLBACK until the engine's kubectl lands: `apply`, `create` and
/// `delete` with `-f` go through the engine's manifest pipeline (whose
/// messages are kubectl's); other commands report that they are missing.
#[allow(dead_code)]
fn fallback_kubectl(cluster: &mut Cluster, line: &str, files: &[NamedFile]) -> CommandOutput {
    let args = split_args(line);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let Some((&"kubectl", rest)) = args.split_first() else {
        return CommandOutput {
            stderr: format!("{}: command not found\n", args.first().unwrap_or(&"")),
            exit_code: 127,
            ..Default::default()
        };
    };
    let verb = match rest.first() {
        Some(&"apply") => ManifestVerb::Apply,
        Some(&"create") => ManifestVerb::Create,
        Some(&"delete") => ManifestVerb::Delete,
        _ => {
            return CommandOutput {
                stderr: format!(
                    "kubeplay: `kubectl {}` is not simulated in this build yet\n",
                    rest.first().unwrap_or(&"")
                ),
                exit_code: 1,
                ..Default::default()
            };
        }
    };
    let mut names = Vec::new();
    let mut i = 1;
    while i < rest.len() {
        let a = rest[i];
        if a == "-f" || a == "--filename" {
            if let Some(n) = rest.get(i + 1) {
                names.push(*n);
            }
            i += 2;
            continue;
        }
        if let Some(n) = a
            .strip_prefix("-f=")
            .or_else(|| a.strip_prefix("--filename="))
        {
            names.push(n);
        }
        i += 1;
    }
    if names.is_empty() {
        return CommandOutput {
            stderr: "error: must specify one of -f and -k\n".into(),
            exit_code: 1,
            ..Default::default()
        };
    }
    let mut out = CommandOutput::default();
    for name in names {
        let Some((_, text)) = files.iter().find(|(n, _)| n == name) else {
            out.stderr
                .push_str(&format!("error: the path \"{name}\" does not exist\n"));
            out.exit_code = 1;
            continue;
        };
        let outcomes = cluster.run_manifest(text, name, verb);
        let (stdout, stderr, failed) = manifest_output(&outcomes);
        out.stdout.push_str(&stdout);
        out.stderr.push_str(&stderr);
        if failed {
            out.exit_code = 1;
        }
    }
    out
}

/// What kubectl prints for a manifest's outcomes: warnings and errors on
/// stderr, one line per object on stdout.
pub fn manifest_output(outcomes: &[ObjectOutcome]) -> (String, String, bool) {
    let mut stdout = String::new();
    let mut stderr = String::new();
    let mut errors = Vec::new();
    for o in outcomes {
        for w in &o.warnings {
            stderr.push_str("Warning: ");
            stderr.push_str(w);
            stderr.push('\n');
        }
        match &o.result {
            Ok(_) => {
                if let Some(line) = o.kubectl_line() {
                    stdout.push_str(&line);
                    stdout.push('\n');
                }
            }
            Err(e) => errors.push(e.as_str()),
        }
    }
    for e in &errors {
        stderr.push_str(e);
        stderr.push('\n');
    }
    (stdout, stderr, !errors.is_empty())
}

/// Splits a command line into words, honouring single and double quotes
/// and backslash escapes, as a shell would.
pub fn split_args(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') => {
                if let Some(n) = chars.next() {
                    word.push(n);
                }
            }
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, '\\') => {
                if let Some(n) = chars.next() {
                    word.push(n);
                    in_word = true;
                }
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// `kubectl describe` of an object, when the engine's kubectl can print it.
pub fn describe(cluster: &mut Cluster, key: &ObjectKey) -> Option<String> {
    let rt = key.resource.get();
    let mut line = format!("kubectl describe {} {}", rt.singular_group(), key.name);
    if !key.namespace.is_empty() {
        line.push_str(" -n ");
        line.push_str(&key.namespace);
    }
    let out = kubectl(cluster, &line, &[]);
    (out.exit_code == 0 && !out.stdout.is_empty()).then_some(out.stdout)
}

/// One node's verdict in a scheduling attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeVerdict {
    /// The node.
    pub node: String,
    /// Whether it passed every filter.
    pub feasible: bool,
    /// Why not (one line per failing filter plugin).
    pub reasons: Vec<String>,
    /// Its total score, when it was scored.
    pub score: Option<i64>,
}

/// Why a pod is where it is, or why it is still Pending.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SchedulingExplanation {
    /// The node it is bound to.
    pub node: Option<String>,
    /// The PodScheduled condition: status, reason, message.
    pub condition: Option<(String, String, String)>,
    /// Each node's verdict in the last attempt (from the scheduler).
    pub verdicts: Vec<NodeVerdict>,
    /// Whether the per-node verdicts come from the engine's scheduler.
    pub from_scheduler: bool,
}

/// The scheduler's explanation for a pod.
pub fn scheduling_explanation(cluster: &Cluster, pod: &Value) -> SchedulingExplanation {
    let _ = cluster;
    // FALLBACK until the scheduler exposes its per-node explanation:
    // let verdicts = cluster.scheduling_explanation(&key) …; from_scheduler: true.
    let condition = pod
        .at(&["status", "conditions"])
        .items()
        .find(|c| c.get("type").as_str() == Some("PodScheduled"))
        .map(|c| {
            let s = |k: &str| c.get(k).as_str().unwrap_or("").to_string();
            (s("status"), s("reason"), s("message"))
        });
    SchedulingExplanation {
        node: pod
            .str_at(&["spec", "nodeName"])
            .filter(|n| !n.is_empty())
            .map(str::to_string),
        condition,
        verdicts: Vec::new(),
        from_scheduler: false,
    }
}

/// Sends one HTTP request into the cluster (the engine's network).
pub fn send_request(cluster: &mut Cluster, url: &str, host_header: Option<&str>) -> Response {
    cluster.send_request(&Request {
        method: "GET".into(),
        url: url.to_string(),
        host_header: host_header.map(str::to_string),
    })
}

/// How far "step" moves the clock: to the next scheduled work if it is
/// within a minute, else one second.
pub fn step_size(cluster: &Cluster) -> u64 {
    let now = cluster.now_ms();
    match cluster.next_timer_at() {
        Some(at) if at > now && at - now <= 60_000 => at - now,
        _ => 1_000,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::examples::{SEED_DEPLOYMENT, SEED_INGRESS};

    #[test]
    fn words_split_like_a_shell() {
        assert_eq!(
            split_args(r#"kubectl  get pods -l 'app in (a, b)' "x y" a\ b"#),
            [
                "kubectl",
                "get",
                "pods",
                "-l",
                "app in (a, b)",
                "x y",
                "a b"
            ]
        );
        assert_eq!(split_args("  "), Vec::<String>::new());
        assert_eq!(split_args("''"), [""]);
    }

    #[test]
    fn apply_from_a_named_file_prints_what_kubectl_prints() {
        let mut c = Cluster::new(1);
        let files = vec![
            ("deployment.yaml".to_string(), SEED_DEPLOYMENT.to_string()),
            ("ingress.yaml".to_string(), SEED_INGRESS.to_string()),
        ];
        let out = kubectl(
            &mut c,
            "kubectl apply -f deployment.yaml -f ingress.yaml",
            &files,
        );
        assert_eq!(
            out.stdout,
            "deployment.apps/snacker-deployment created\ningress.networking.k8s.io/snackerbis-ingress created\n"
        );
        assert_eq!(
            out.stderr,
            "Warning: extensions/v1beta1 Ingress is deprecated in v1.14+, unavailable in v1.22+; use networking.k8s.io/v1 Ingress\n"
        );
        assert_eq!(out.exit_code, 0);
        let out = kubectl(&mut c, "kubectl apply -f nope.yaml", &files);
        assert_eq!(out.stderr, "error: the path \"nope.yaml\" does not exist\n");
        assert_eq!(out.exit_code, 1);
    }

    #[test]
    fn other_programs_are_not_found() {
        let mut c = Cluster::new(1);
        let out = kubectl(&mut c, "ls -l", &[]);
        assert_eq!(out.stderr, "ls: command not found\n");
        assert_eq!(out.exit_code, 127);
    }

    #[test]
    fn pending_pods_explain_themselves_from_their_condition() {
        let pod = kubeplay_engine::yaml::load_str(
            "spec: {}\nstatus:\n  conditions:\n  - {type: PodScheduled, status: \"False\", reason: Unschedulable, message: \"0/4 nodes are available\"}\n",
        )
        .unwrap()[0]
            .root
            .to_value();
        let c = Cluster::new(1);
        let e = scheduling_explanation(&c, &pod);
        assert_eq!(
            e.condition,
            Some((
                "False".into(),
                "Unschedulable".into(),
                "0/4 nodes are available".into()
            ))
        );
        assert_eq!(e.node, None);
    }
}
