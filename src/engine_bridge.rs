//! The UI's calls into the engine beyond the object store: kubectl, the
//! scheduler's explanations, requests, and the words that explain them.

use kubeplay_engine::Cluster;
use kubeplay_engine::scheduler::SchedulingAttempt;
use kubeplay_engine::store::ObjectKey;

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

/// Runs one `kubectl …` line against the cluster, with the editor's files
/// readable by name. Output is byte-identical to the `kubeplay` binary's.
pub fn kubectl(cluster: &mut Cluster, line: &str, files: &[(String, String)]) -> CommandOutput {
    let files = kubeplay_engine::kubectl::MemoryFiles::from_pairs(files.iter().cloned());
    let out = cluster.kubectl(line, &files);
    CommandOutput {
        stdout: out.stdout,
        stderr: out.stderr,
        exit_code: out.exit_code,
    }
}

/// `kubectl describe` of an object, verbatim (or kubectl's error).
pub fn describe(cluster: &mut Cluster, key: &ObjectKey) -> CommandOutput {
    let rt = key.resource.get();
    let mut line = format!("kubectl describe {} {}", rt.singular_group(), key.name);
    if !key.namespace.is_empty() {
        line.push_str(" -n ");
        line.push_str(&key.namespace);
    }
    kubectl(cluster, &line, &[])
}

/// The scheduler's last attempts for a pod, oldest first.
pub fn scheduling_attempts<'a>(cluster: &'a Cluster, key: &ObjectKey) -> &'a [SchedulingAttempt] {
    cluster.scheduling_attempts(&key.namespace, &key.name)
}

/// What a scheduler reason means, in plain words.
pub fn plain_reason(reason: &str) -> String {
    let r = reason.trim();
    let text = if let Some(what) = r.strip_prefix("Insufficient ") {
        return format!(
            "not enough {what} left: the node's allocatable {what}, minus what the pods already on it request, is less than this pod requests"
        );
    } else if r.contains("untolerated taint") {
        "the node has a taint (a keep-out sign) that the pod does not tolerate"
    } else if r.contains("were unschedulable") {
        "the node is cordoned (spec.unschedulable): no new pods go there"
    } else if r.contains("node affinity/selector") || r.contains("plugin(s) [NodeAffinity]") {
        "the node lacks a label the pod requires (nodeSelector or required node affinity)"
    } else if r.contains("requested node name") {
        "the pod asks for another node by name (spec.nodeName)"
    } else if r.contains("free ports") {
        "a pod already on the node uses the same host port"
    } else if r == "Too many pods" {
        "the node already runs as many pods as it accepts (allocatable pods)"
    } else if r.contains("topology spread") {
        "placing it there would spread the pods more unevenly than its topologySpreadConstraints allow"
    } else if r.contains("anti-affinity") {
        "pod anti-affinity: it must not run beside pods already on the node"
    } else if r.contains("pod affinity") {
        "pod affinity: it must run beside pods that are not on the node"
    } else if r.contains("Preemption is not helpful") {
        "evicting lower-priority pods would not make room either"
    } else if r.contains("No preemption victims") {
        "no lower-priority pods could be evicted to make room"
    } else {
        return String::new();
    };
    text.to_string()
}

/// The FailedScheduling message in plain words, one line per reason:
/// `0/4 nodes are available: 1 node(s) had untolerated taint {…}, 3
/// Insufficient cpu. preemption: …`.
pub fn plain_failed_scheduling(message: &str) -> Vec<String> {
    let Some((head, rest)) = message.split_once(": ") else {
        return Vec::new();
    };
    // `… 3 Insufficient cpu. no new claims to deallocate, preemption: …`
    let reasons = rest
        .split_once(". ")
        .map_or(rest.trim_end_matches('.'), |(r, _)| r);
    let preemption = rest.split_once("preemption: ").map(|(_, p)| p);
    let mut out = Vec::new();
    if let Some((n, total)) = head
        .strip_suffix(" nodes are available")
        .and_then(|h| h.split_once('/'))
    {
        out.push(format!(
            "{n} of the {total} nodes can take this pod, so it stays Pending; the scheduler tries again when something changes (a node added, a pod deleted)."
        ));
    }
    // Reasons are separated by ", " but taints contain ", " too.
    let mut items: Vec<String> = Vec::new();
    for part in reasons.split(", ") {
        let starts_new = part
            .split_once(' ')
            .is_some_and(|(n, _)| n.parse::<u32>().is_ok());
        match items.last_mut() {
            Some(last) if !starts_new => {
                last.push_str(", ");
                last.push_str(part);
            }
            _ => items.push(part.to_string()),
        }
    }
    for item in items {
        let (count, reason) = item.split_once(' ').unwrap_or(("", &item));
        let plain = plain_reason(reason);
        if !plain.is_empty() {
            out.push(format!("{count} node(s): {plain}."));
        }
    }
    if let Some(p) = preemption {
        let plain = plain_reason(p);
        if !plain.is_empty() {
            out.push(format!("Preemption: {plain}."));
        }
    }
    out
}

/// How far "step" moves the clock: to the next scheduled work if it is
/// within a minute, else one second; never less than the clock's tenth of
/// a second (the add-ons' probes keep work a few milliseconds away).
pub fn step_size(cluster: &Cluster) -> u64 {
    const CLOCK_RESOLUTION: u64 = 100;
    let now = cluster.now_ms();
    match cluster.next_timer_at() {
        Some(at) if at > now && at - now <= 60_000 => (at - now).max(CLOCK_RESOLUTION),
        _ => 1_000,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::examples::{SEED_DEPLOYMENT, SEED_INGRESS};

    #[test]
    fn a_step_moves_the_shown_clock_and_reaches_the_next_work() {
        let mut c = Cluster::new(1);
        for _ in 0..50 {
            let before = c.now_ms();
            let next = c.next_timer_at();
            let dt = step_size(&c);
            assert!((100..=60_000).contains(&dt), "{dt}");
            c.step(dt);
            if let Some(at) = next.filter(|&at| at > before && at - before <= 60_000) {
                assert!(c.now_ms() >= at, "the step reached the next scheduled work");
            }
        }
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
    fn failed_scheduling_in_plain_words() {
        let m = "0/4 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 3 Insufficient cpu. no new claims to deallocate, preemption: 0/4 nodes are available: 1 Preemption is not helpful for scheduling, 3 No preemption victims found for incoming pod.";
        let plain = plain_failed_scheduling(m);
        assert_eq!(plain.len(), 4, "{plain:?}");
        assert!(plain[0].starts_with("0 of the 4 nodes can take this pod"));
        assert_eq!(
            plain[1],
            "1 node(s): the node has a taint (a keep-out sign) that the pod does not tolerate."
        );
        assert!(plain[2].starts_with("3 node(s): not enough cpu left"));
        assert!(plain[3].starts_with("Preemption: "));
    }
}
