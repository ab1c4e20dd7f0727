//! Tab completion for the console: kubectl's commands, resource kinds,
//! object names, namespaces, output formats and the editor's file names.

use kubeplay_engine::Cluster;
use kubeplay_engine::api::registry::{RESOURCES, lookup_resource};
use kubeplay_engine::sort::CompactSort;

/// kubectl's commands, sorted.
pub const COMMANDS: &[&str] = &[
    "annotate",
    "api-resources",
    "apply",
    "auth",
    "cluster-info",
    "cordon",
    "create",
    "delete",
    "describe",
    "diff",
    "drain",
    "events",
    "exec",
    "explain",
    "expose",
    "get",
    "label",
    "logs",
    "patch",
    "replace",
    "rollout",
    "run",
    "scale",
    "set",
    "taint",
    "top",
    "uncordon",
    "version",
    "wait",
];

const ROLLOUT: &[&str] = &["history", "pause", "restart", "resume", "status", "undo"];
const OUTPUTS: &[&str] = &["json", "jsonpath=", "name", "wide", "yaml"];
const TOP: &[&str] = &["node", "pod"];

/// The result of pressing Tab.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    /// The line with the word completed as far as it is unambiguous.
    pub line: String,
    /// Every candidate, when more than one remains.
    pub candidates: Vec<String>,
}

/// The words a position can take, given the words before it.
fn candidates(cluster: &Cluster, words: &[&str], current: &str, files: &[String]) -> Vec<String> {
    let owned = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let prev = words.last().copied().unwrap_or("");
    if words.is_empty() {
        return owned(&[
            "add", "break", "curl", "echo", "fix", "jobs", "kill", "kubectl", "remove", "sleep",
            "start", "stop", "traffic",
        ]);
    }
    // The script's own commands: `stop node NAME`, `kill pod NAME`, `traffic start`.
    if words[0] != "kubectl" {
        return match (words[0], words.len()) {
            ("stop" | "start" | "remove" | "add", 1) => vec!["node".into()],
            ("kill", 1) => vec!["pod".into()],
            ("traffic", 1) => owned(&["start", "stop"]),
            ("stop" | "start" | "remove", 2) => names(cluster, "nodes", ""),
            ("kill", 2) => names(cluster, "pods", "default"),
            _ => Vec::new(),
        };
    }
    if words.len() == 1 {
        return owned(COMMANDS);
    }
    let namespace = words
        .windows(2)
        .find(|w| w[0] == "-n" || w[0] == "--namespace")
        .map_or("default", |w| w[1]);
    match prev {
        "-f" | "--filename" => return files.to_vec(),
        "-n" | "--namespace" => return names(cluster, "namespaces", ""),
        "-o" | "--output" => return owned(OUTPUTS),
        _ => {}
    }
    if current.starts_with('-') {
        return Vec::new();
    }
    let command = words[1];
    // Positional words after the command (flags and their values skipped).
    let mut positional = Vec::new();
    let mut skip = false;
    for w in &words[2..] {
        if skip {
            skip = false;
            continue;
        }
        if matches!(
            *w,
            "-n" | "--namespace" | "-f" | "--filename" | "-o" | "--output" | "-l" | "-c"
        ) {
            skip = true;
            continue;
        }
        if !w.starts_with('-') {
            positional.push(*w);
        }
    }
    let kinds = || {
        let mut k: Vec<String> = RESOURCES
            .iter()
            .flat_map(|r| {
                std::iter::once(r.plural)
                    .chain(std::iter::once(r.singular))
                    .chain(r.short_names.iter().copied())
            })
            .map(str::to_string)
            .collect();
        k.compact_sort();
        k.dedup();
        k
    };
    match (command, positional.as_slice()) {
        ("cordon" | "uncordon" | "drain", []) => names(cluster, "nodes", ""),
        ("taint", []) => vec!["nodes".into()],
        ("taint", ["nodes" | "node" | "no"]) => names(cluster, "nodes", ""),
        ("logs", []) => names(cluster, "pods", namespace),
        ("top", []) => owned(TOP),
        ("rollout", []) => owned(ROLLOUT),
        ("rollout", [_]) => {
            let mut out = vec!["deployment".to_string()];
            out.extend(
                names(cluster, "deployments", namespace)
                    .into_iter()
                    .map(|n| format!("deployment/{n}")),
            );
            out
        }
        ("set", []) => owned(&["env", "image", "resources", "serviceaccount", "subject"]),
        (
            "get" | "describe" | "delete" | "label" | "annotate" | "scale" | "explain" | "edit",
            [],
        ) => {
            if let Some((kind, _)) = current.split_once('/') {
                return names(cluster, kind, namespace)
                    .into_iter()
                    .map(|n| format!("{kind}/{n}"))
                    .collect();
            }
            kinds()
        }
        ("get" | "describe" | "delete" | "label" | "annotate" | "scale", [kind, ..])
            if !kind.contains('/') =>
        {
            names(cluster, kind, namespace)
        }
        _ => Vec::new(),
    }
}

/// Names of objects of a kind (`pods`, `deploy`, …) in a namespace.
fn names(cluster: &Cluster, kind: &str, namespace: &str) -> Vec<String> {
    let Some(rid) = lookup_resource(kind) else {
        return Vec::new();
    };
    let ns = rid.get().namespaced.then_some(namespace);
    cluster
        .store()
        .list(rid, ns)
        .map(|((_, name), _)| name.to_string())
        .collect()
}

/// Completes the last word of `line`.
pub fn complete(cluster: &Cluster, line: &str, files: &[String]) -> Completion {
    let at_word_start = line.is_empty() || line.ends_with(char::is_whitespace);
    let words: Vec<&str> = line.split_whitespace().collect();
    let (before, current) = if at_word_start {
        (&words[..], "")
    } else {
        (&words[..words.len() - 1], words[words.len() - 1])
    };
    let matching: Vec<String> = candidates(cluster, before, current, files)
        .into_iter()
        .filter(|c| c.starts_with(current))
        .collect();
    let stem = &line[..line.len() - current.len()];
    match matching.as_slice() {
        [] => Completion {
            line: line.to_string(),
            candidates: Vec::new(),
        },
        [one] => {
            let space = if one.ends_with('=') || one.ends_with('/') {
                ""
            } else {
                " "
            };
            Completion {
                line: format!("{stem}{one}{space}"),
                candidates: Vec::new(),
            }
        }
        many => {
            let mut prefix = many[0].clone();
            for c in &many[1..] {
                let common = prefix
                    .char_indices()
                    .zip(c.chars())
                    .find(|((_, a), b)| a != b)
                    .map_or(prefix.len().min(c.len()), |((i, _), _)| i);
                prefix.truncate(common);
            }
            Completion {
                line: format!("{stem}{prefix}"),
                candidates: many.to_vec(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubeplay_engine::apiserver::manifest::ManifestVerb;

    fn cluster() -> Cluster {
        let mut c = Cluster::new(1);
        c.run_manifest(
            crate::examples::SEED_DEPLOYMENT,
            "d.yaml",
            ManifestVerb::Apply,
        );
        c
    }

    #[test]
    fn completes_commands_and_kinds() {
        let c = cluster();
        assert_eq!(complete(&c, "kub", &[]).line, "kubectl ");
        assert_eq!(complete(&c, "st", &[]).candidates, ["start", "stop"]);
        assert_eq!(complete(&c, "stop n", &[]).line, "stop node ");
        assert_eq!(
            complete(&c, "stop node node-", &[]).candidates,
            ["node-1", "node-2", "node-3"]
        );
        assert_eq!(complete(&c, "traffic sta", &[]).line, "traffic start ");
        assert_eq!(complete(&c, "kubectl desc", &[]).line, "kubectl describe ");
        let r = complete(&c, "kubectl c", &[]);
        assert_eq!(r.line, "kubectl c");
        assert_eq!(r.candidates, ["cluster-info", "cordon", "create"]);
        assert_eq!(
            complete(&c, "kubectl get deployments.", &[]).line,
            "kubectl get deployments."
        );
        assert_eq!(
            complete(&c, "kubectl get deploym", &[]).line,
            "kubectl get deployment"
        );
    }

    #[test]
    fn completes_names_files_and_nodes() {
        let c = cluster();
        assert_eq!(
            complete(&c, "kubectl describe deploy sn", &[]).line,
            "kubectl describe deploy snacker-deployment "
        );
        assert_eq!(
            complete(&c, "kubectl get deploy/s", &[]).line,
            "kubectl get deploy/snacker-deployment "
        );
        assert_eq!(
            complete(&c, "kubectl apply -f d", &["deployment.yaml".into()]).line,
            "kubectl apply -f deployment.yaml "
        );
        let r = complete(&c, "kubectl cordon node-", &[]);
        assert_eq!(r.candidates, ["node-1", "node-2", "node-3"]);
        assert_eq!(
            complete(&c, "kubectl get pods -n kube-s", &[]).line,
            "kubectl get pods -n kube-system "
        );
    }
}
