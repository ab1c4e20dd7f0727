//! Scheduler tests: every filter's verdict and exact reason, scores against
//! hand-computed values, the exact FailedScheduling messages, back-off and
//! the unschedulable flush, requeueing on cluster events, preemption,
//! determinism, and a randomized check that no node is ever overcommitted.

use super::queue::{QueuedPod, SchedulingQueue};
use super::*;
use crate::apiserver::WriteOptions;
use crate::cluster::{BOOT_MS, NodeOptions, res};
use crate::quantity::Quantity;
use crate::store::ObjectKey;
use crate::time::{MINUTE, SECOND};

fn v(text: &str) -> Value {
    crate::yaml::load_str(text).unwrap()[0].root.to_value()
}

fn create(c: &mut Cluster, text: &str) -> Value {
    c.create(v(text), &WriteOptions::user())
        .unwrap_or_else(|e| panic!("{}", e.kubectl_message(None)))
}

/// A pod with one container requesting `cpu` and `memory`, plus extra spec lines.
fn pod_yaml(name: &str, cpu: &str, memory: &str, extra: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  labels: {{app: {name}}}\nspec:\n  automountServiceAccountToken: false\n  containers:\n  - name: c\n    image: nginx\n    resources:\n      requests: {{cpu: '{cpu}', memory: {memory}}}\n{extra}"
    )
}

fn get_pod(c: &Cluster, name: &str) -> Value {
    c.get(res("Pod"), "default", name).unwrap().clone()
}

fn node_of(c: &Cluster, name: &str) -> Option<String> {
    get_pod(c, name)
        .str_at(&["spec", "nodeName"])
        .map(str::to_string)
}

/// (type, reason, message, count) of the events about `name`.
fn events(c: &Cluster, name: &str) -> Vec<(String, String, String, u32)> {
    c.events
        .records()
        .iter()
        .filter(|r| &*r.involved.name == name)
        .map(|r| {
            (
                r.event_type.as_str().to_string(),
                r.reason.to_string(),
                r.message.to_string(),
                r.count,
            )
        })
        .collect()
}

fn condition(pod: &Value, kind: &str) -> Value {
    pod.at(&["status", "conditions"])
        .items()
        .find(|c| c.get("type").as_str() == Some(kind))
        .cloned()
        .unwrap_or(Value::Null)
}

fn last_message(c: &Cluster, name: &str) -> String {
    match &c
        .scheduling_attempts("default", name)
        .last()
        .unwrap()
        .outcome
    {
        AttemptOutcome::Unschedulable { message, .. } => message.clone(),
        other => panic!("not unschedulable: {other:?}"),
    }
}

fn node_explanation(c: &Cluster, pod: &str, node: &str) -> NodeExplanation {
    c.scheduling_attempts("default", pod)
        .last()
        .unwrap()
        .nodes()
        .into_iter()
        .find(|n| n.node == node)
        .unwrap()
}

/// The raw score `plugin` gave `node` in `pod`'s last attempt.
fn raw_score(c: &Cluster, pod: &str, node: &str, plugin: &str) -> i64 {
    node_explanation(c, pod, node)
        .scores
        .iter()
        .find(|s| s.plugin == plugin)
        .unwrap()
        .raw
}

fn rejected(n: &NodeExplanation, plugin: &str) -> Vec<String> {
    match &n
        .filters
        .iter()
        .find(|f| f.plugin == plugin)
        .unwrap()
        .result
    {
        FilterResult::Rejected { reasons, .. } => reasons.clone(),
        other => panic!("{plugin} on {}: {other:?}", n.node),
    }
}

const NOT_HELPFUL_4: &str = "no new claims to deallocate, preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.";

#[test]
fn binds_a_pod_with_the_real_event_condition_and_no_generation_bump() {
    let mut c = Cluster::new(1);
    create(&mut c, &pod_yaml("web", "100m", "64Mi", ""));
    c.step(0);
    let pod = get_pod(&c, "web");
    let node = node_of(&c, "web").expect("bound");
    assert!(node.starts_with("node-"), "{node}");
    let cond = condition(&pod, "PodScheduled");
    assert_eq!(cond.get("status").as_str(), Some("True"));
    assert_eq!(
        cond.get("lastTransitionTime").as_str(),
        Some("2026-01-01T00:01:00Z")
    );
    assert!(cond.get("lastProbeTime").is_null());
    assert_eq!(pod.at(&["metadata", "generation"]), &Value::Int(1));
    assert_eq!(
        events(&c, "web"),
        [(
            "Normal".to_string(),
            "Scheduled".to_string(),
            format!("Successfully assigned default/web to {node}"),
            1
        )]
    );
    let rec = c
        .events
        .records()
        .iter()
        .find(|r| &*r.involved.name == "web")
        .unwrap();
    assert_eq!(&*rec.component, "default-scheduler");
    assert!(c.activity().iter().any(|a| a.component == "kube-scheduler"
        && a.message == format!("Successfully assigned default/web to {node}")));
    match &c.scheduling_attempts("default", "web")[0].outcome {
        AttemptOutcome::Scheduled { node: n } => assert_eq!(n, &node),
        o => panic!("{o:?}"),
    }
}

#[test]
fn five_cpu_pod_in_the_default_cluster() {
    let mut c = Cluster::new(1);
    create(&mut c, &pod_yaml("big", "5", "64Mi", ""));
    c.step(0);
    let expected = format!(
        "0/4 nodes are available: 1 node(s) had untolerated taint(s), 3 Insufficient cpu. {NOT_HELPFUL_4}"
    );
    assert_eq!(last_message(&c, "big"), expected);
    assert_eq!(
        events(&c, "big"),
        [(
            "Warning".into(),
            "FailedScheduling".into(),
            expected.clone(),
            1
        )]
    );
    let cond = condition(&get_pod(&c, "big"), "PodScheduled");
    assert_eq!(cond.get("status").as_str(), Some("False"));
    assert_eq!(cond.get("reason").as_str(), Some("Unschedulable"));
    assert_eq!(cond.get("message").as_str(), Some(expected.as_str()));
    assert!(cond.get("lastProbeTime").is_null());
    assert_eq!(node_of(&c, "big"), None);
    // The explanation: the control plane stops at TaintToleration; workers
    // pass everything before NodeResourcesFit.
    let cp = node_explanation(&c, "big", "control-plane");
    assert_eq!(cp.evaluation, NodeEvaluation::Rejected);
    assert_eq!(
        rejected(&cp, "TaintToleration"),
        ["node(s) had untolerated taint(s)"]
    );
    assert_eq!(cp.filters[0].result, FilterResult::Passed);
    assert_eq!(cp.filters[5].result, FilterResult::NotRun);
    let w = node_explanation(&c, "big", "node-2");
    assert_eq!(rejected(&w, "NodeResourcesFit"), ["Insufficient cpu"]);
    assert_eq!(
        w.filters[3].result,
        FilterResult::Skipped,
        "NodeAffinity has nothing to check"
    );
    assert_eq!(
        w.preemption.as_deref(),
        Some("Preemption is not helpful for scheduling")
    );
}

#[test]
fn no_victims_when_the_request_fits_an_empty_node() {
    let mut c = Cluster::new(1);
    for i in 1..=3 {
        create(
            &mut c,
            &pod_yaml(
                &format!("fill-{i}"),
                "3",
                "64Mi",
                &format!("  nodeName: node-{i}\n"),
            ),
        );
    }
    create(&mut c, &pod_yaml("p", "2", "64Mi", ""));
    c.step(0);
    assert_eq!(
        last_message(&c, "p"),
        "0/4 nodes are available: 1 node(s) had untolerated taint(s), 3 Insufficient cpu. no new claims to deallocate, preemption: 0/4 nodes are available: 1 Preemption is not helpful for scheduling, 3 No preemption victims found for incoming pod."
    );
    let w = node_explanation(&c, "p", "node-1");
    assert_eq!(
        w.preemption.as_deref(),
        Some("No preemption victims found for incoming pod")
    );
}

#[test]
fn preemption_evicts_a_lower_priority_pod_and_nominates_its_node() {
    let mut c = Cluster::new(3);
    create(
        &mut c,
        "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: high}\nvalue: 1000\n",
    );
    // The victims run `sleep`, which ignores SIGTERM: they hold their node
    // for the whole 30 s grace period.
    for i in 1..=3 {
        let low = pod_yaml(
            &format!("low-{i}"),
            "3",
            "64Mi",
            &format!("  nodeName: node-{i}\n"),
        )
        .replace(
            "image: nginx",
            "image: busybox:1.37\n    command: [sleep, '3600']",
        );
        create(&mut c, &low);
    }
    c.step(10 * SECOND);
    create(
        &mut c,
        &pod_yaml("vip", "2", "64Mi", "  priorityClassName: high\n"),
    );
    c.step(0);
    let vip = get_pod(&c, "vip");
    let nominated = vip
        .str_at(&["status", "nominatedNodeName"])
        .expect("nominated")
        .to_string();
    // Preemption succeeded: the message has no PostFilter part.
    assert_eq!(
        last_message(&c, "vip"),
        "0/4 nodes are available: 1 node(s) had untolerated taint(s), 3 Insufficient cpu."
    );
    let victim = format!("low-{}", &nominated["node-".len()..]);
    let vp = get_pod(&c, &victim);
    assert!(!vp.at(&["metadata", "deletionTimestamp"]).is_null());
    let dt = condition(&vp, "DisruptionTarget");
    assert_eq!(dt.get("reason").as_str(), Some("PreemptionByScheduler"));
    assert_eq!(
        dt.get("message").as_str(),
        Some("default-scheduler: preempting to accommodate a higher priority pod")
    );
    let uid = vip.str_at(&["metadata", "uid"]).unwrap();
    assert!(events(&c, &victim).iter().any(
        |e| e.1 == "Preempted" && e.2 == format!("Preempted by pod {uid} on node {nominated}")
    ));
    // Other low pods are untouched.
    for i in 1..=3 {
        let name = format!("low-{i}");
        if name != victim {
            assert!(
                get_pod(&c, &name)
                    .at(&["metadata", "deletionTimestamp"])
                    .is_null()
            );
        }
    }
    // The victim's grace period ends; the preemptor lands on its node, and
    // the binding clears its nomination (KEP-5278, Kubernetes 1.34+).
    c.step(29 * SECOND);
    assert_eq!(node_of(&c, "vip"), None);
    c.step(2 * SECOND);
    assert!(c.get(res("Pod"), "default", &victim).is_err());
    assert_eq!(node_of(&c, "vip").as_deref(), Some(nominated.as_str()));
    assert!(
        get_pod(&c, "vip")
            .at(&["status", "nominatedNodeName"])
            .is_null()
    );
}

#[test]
fn preemption_policy_never_is_not_eligible() {
    let mut c = Cluster::new(1);
    create(
        &mut c,
        "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: polite}\nvalue: 10\npreemptionPolicy: Never\n",
    );
    create(
        &mut c,
        &pod_yaml("p", "5", "64Mi", "  priorityClassName: polite\n"),
    );
    c.step(0);
    assert_eq!(
        last_message(&c, "p"),
        "0/4 nodes are available: 1 node(s) had untolerated taint(s), 3 Insufficient cpu. no new claims to deallocate, preemption: not eligible due to preemptionPolicy=Never."
    );
}

fn cordon(c: &mut Cluster, node: &str) {
    let mut n = c.get(res("Node"), "", node).unwrap().clone();
    n.set_at(&["spec", "unschedulable"], Value::Bool(true));
    c.write(n).unwrap();
}

#[test]
fn node_unschedulable_and_node_selector_reasons() {
    let mut c = Cluster::new(1);
    cordon(&mut c, "node-1");
    create(
        &mut c,
        &pod_yaml(
            "p",
            "100m",
            "64Mi",
            "  nodeSelector: {kubernetes.io/hostname: node-1}\n",
        ),
    );
    c.step(0);
    assert_eq!(
        last_message(&c, "p"),
        format!(
            "0/4 nodes are available: 1 node(s) had untolerated taint(s), 1 node(s) were unschedulable, 2 node(s) didn't match Pod's node affinity/selector. {NOT_HELPFUL_4}"
        )
    );
    // Tolerating the cordon taint lets the pod in.
    create(
        &mut c,
        &pod_yaml(
            "q",
            "100m",
            "64Mi",
            "  nodeSelector: {kubernetes.io/hostname: node-1}\n  tolerations:\n  - {key: node.kubernetes.io/unschedulable, operator: Exists, effect: NoSchedule}\n",
        ),
    );
    c.step(0);
    assert_eq!(node_of(&c, "q").as_deref(), Some("node-1"));
}

#[test]
fn uncordoning_requeues_the_pending_pod() {
    let mut c = Cluster::new(1);
    for n in ["node-1", "node-2", "node-3"] {
        cordon(&mut c, n);
    }
    create(&mut c, &pod_yaml("p", "100m", "64Mi", ""));
    c.step(5 * SECOND);
    assert_eq!(node_of(&c, "p"), None);
    let mut n = c.get(res("Node"), "", "node-2").unwrap().clone();
    n.set_at(&["spec", "unschedulable"], Value::Bool(false));
    c.write(n).unwrap();
    c.step(0);
    assert_eq!(node_of(&c, "p").as_deref(), Some("node-2"));
    assert_eq!(c.scheduling_attempts("default", "p").len(), 2);
}

#[test]
fn required_node_affinity_with_gt_lt_and_match_fields() {
    let mut c = Cluster::empty(1);
    for (name, cores) in [("small", "4"), ("medium", "8"), ("large", "16")] {
        let mut n = NodeOptions::worker(name);
        n.labels.push(("cores".into(), cores.into()));
        c.add_node(n).unwrap();
    }
    c.step(0);
    let affinity = |expr: &str| {
        format!(
            "  affinity:\n    nodeAffinity:\n      requiredDuringSchedulingIgnoredDuringExecution:\n        nodeSelectorTerms:\n        - {expr}\n"
        )
    };
    create(
        &mut c,
        &pod_yaml(
            "gt",
            "100m",
            "64Mi",
            &affinity("matchExpressions: [{key: cores, operator: Gt, values: ['8']}]"),
        ),
    );
    create(
        &mut c,
        &pod_yaml(
            "lt",
            "100m",
            "64Mi",
            &affinity("matchExpressions: [{key: cores, operator: Lt, values: ['8']}]"),
        ),
    );
    create(
        &mut c,
        &pod_yaml(
            "named",
            "100m",
            "64Mi",
            &affinity("matchFields: [{key: metadata.name, operator: In, values: [medium]}]"),
        ),
    );
    c.step(0);
    assert_eq!(node_of(&c, "gt").as_deref(), Some("large"));
    assert_eq!(node_of(&c, "lt").as_deref(), Some("small"));
    assert_eq!(node_of(&c, "named").as_deref(), Some("medium"));
    // matchFields narrows the nodes in PreFilter; the others are reported
    // as not satisfying NodeAffinity.
    create(
        &mut c,
        &pod_yaml(
            "named-big",
            "5",
            "64Mi",
            &affinity("matchFields: [{key: metadata.name, operator: In, values: [medium]}]"),
        ),
    );
    c.step(0);
    assert_eq!(
        last_message(&c, "named-big"),
        "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't satisfy plugin(s) [NodeAffinity]. no new claims to deallocate, preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
    );
    assert_eq!(
        node_explanation(&c, "named-big", "large").evaluation,
        NodeEvaluation::ExcludedByPreFilter {
            reason: "node(s) didn't satisfy plugin(s) [NodeAffinity]".into()
        }
    );
    // Disjoint names in one term: the terms conflict.
    create(
        &mut c,
        &pod_yaml(
            "conflict",
            "100m",
            "64Mi",
            &affinity(
                "matchFields: [{key: metadata.name, operator: In, values: [small]}, {key: metadata.name, operator: In, values: [large]}]",
            ),
        ),
    );
    c.step(0);
    assert_eq!(
        last_message(&c, "conflict"),
        "0/3 nodes are available: pod affinity terms conflict. no new claims to deallocate, preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
    );
}

#[test]
fn host_ports_and_too_many_pods() {
    let mut c = Cluster::new(1);
    let port = "    ports: [{containerPort: 80, hostPort: 8080}]\n";
    for i in 1..=3 {
        create(
            &mut c,
            &format!(
                "{}{port}  nodeName: node-{i}\n",
                pod_yaml(&format!("h{i}"), "100m", "64Mi", "")
            ),
        );
    }
    // A different protocol on the same port does not conflict.
    create(
        &mut c,
        &format!(
            "{}    ports: [{{containerPort: 80, hostPort: 8080, protocol: UDP}}]\n",
            pod_yaml("udp", "100m", "64Mi", "")
        ),
    );
    create(
        &mut c,
        &format!("{}{port}", pod_yaml("p", "100m", "64Mi", "")),
    );
    c.step(0);
    assert!(node_of(&c, "udp").is_some());
    assert_eq!(
        last_message(&c, "p"),
        "0/4 nodes are available: 1 node(s) had untolerated taint(s), 3 node(s) didn't have free ports for the requested pod ports. no new claims to deallocate, preemption: 0/4 nodes are available: 1 Preemption is not helpful for scheduling, 3 No preemption victims found for incoming pod."
    );
    let mut c = Cluster::empty(1);
    let mut n = NodeOptions::worker("tiny");
    n.pods = 1;
    c.add_node(n).unwrap();
    create(&mut c, &pod_yaml("first", "100m", "64Mi", ""));
    create(&mut c, &pod_yaml("second", "100m", "64Mi", ""));
    c.step(0);
    assert_eq!(node_of(&c, "first").as_deref(), Some("tiny"));
    assert_eq!(
        last_message(&c, "second"),
        "0/1 nodes are available: 1 Too many pods. no new claims to deallocate, preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod."
    );
}

#[test]
fn extended_resources_memory_and_several_reasons_per_node() {
    let mut c = Cluster::new(1);
    create(
        &mut c,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: gpu}\nspec:\n  automountServiceAccountToken: false\n  containers:\n  - name: c\n    image: cuda\n    resources:\n      limits: {nvidia.com/gpu: '1'}\n",
    );
    create(&mut c, &pod_yaml("huge", "5", "10Gi", ""));
    create(
        &mut c,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: scratch}\nspec:\n  automountServiceAccountToken: false\n  containers:\n  - name: c\n    image: busybox\n    resources:\n      requests: {ephemeral-storage: 200Gi}\n",
    );
    c.step(0);
    assert_eq!(
        last_message(&c, "scratch"),
        format!(
            "0/4 nodes are available: 1 node(s) had untolerated taint(s), 3 Insufficient ephemeral-storage. {NOT_HELPFUL_4}"
        )
    );
    assert_eq!(std::mem::size_of::<super::cache::NodeHot>(), 64);
    assert_eq!(
        last_message(&c, "gpu"),
        format!(
            "0/4 nodes are available: 1 node(s) had untolerated taint(s), 3 Insufficient nvidia.com/gpu. {NOT_HELPFUL_4}"
        )
    );
    // One node with two reasons counts once for each.
    assert_eq!(
        last_message(&c, "huge"),
        format!(
            "0/4 nodes are available: 1 node(s) had untolerated taint(s), 3 Insufficient cpu, 3 Insufficient memory. {NOT_HELPFUL_4}"
        )
    );
    assert_eq!(
        rejected(&node_explanation(&c, "huge", "node-3"), "NodeResourcesFit"),
        ["Insufficient cpu", "Insufficient memory"]
    );
}

#[test]
fn init_containers_and_sidecars_count_in_requests() {
    let mut c = Cluster::new(1);
    // Containers 1 CPU; an init container 3.5 CPU after a 1 CPU sidecar:
    // max(1 + 1, 3.5 + 1) = 4.5 CPU > 4.
    create(
        &mut c,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: init}\nspec:\n  automountServiceAccountToken: false\n  initContainers:\n  - {name: side, image: envoy, restartPolicy: Always, resources: {requests: {cpu: '1'}}}\n  - {name: setup, image: busybox, resources: {requests: {cpu: 3500m}}}\n  containers:\n  - {name: c, image: nginx, resources: {requests: {cpu: '1'}}}\n",
    );
    c.step(0);
    assert!(last_message(&c, "init").contains("3 Insufficient cpu"));
}

#[test]
fn taints_and_tolerations() {
    let mut c = Cluster::new(1);
    create(
        &mut c,
        &pod_yaml(
            "cp",
            "100m",
            "64Mi",
            "  nodeSelector: {node-role.kubernetes.io/control-plane: ''}\n  tolerations:\n  - {key: node-role.kubernetes.io/control-plane, operator: Exists, effect: NoSchedule}\n",
        ),
    );
    create(
        &mut c,
        &pod_yaml(
            "wrong-value",
            "100m",
            "64Mi",
            "  nodeSelector: {node-role.kubernetes.io/control-plane: ''}\n  tolerations:\n  - {key: node-role.kubernetes.io/control-plane, operator: Equal, value: 'x'}\n",
        ),
    );
    c.step(0);
    assert_eq!(node_of(&c, "cp").as_deref(), Some("control-plane"));
    assert_eq!(
        last_message(&c, "wrong-value"),
        format!(
            "0/4 nodes are available: 1 node(s) had untolerated taint(s), 3 node(s) didn't match Pod's node affinity/selector. {NOT_HELPFUL_4}"
        )
    );
}

#[test]
fn topology_spread_filter() {
    let mut c = Cluster::empty(1);
    for (name, zone) in [("a1", Some("a")), ("b1", Some("b")), ("none", None)] {
        let mut n = NodeOptions::worker(name);
        if let Some(z) = zone {
            n.labels
                .push(("topology.kubernetes.io/zone".into(), z.into()));
        }
        c.add_node(n).unwrap();
    }
    for i in 0..2 {
        create(
            &mut c,
            &format!(
                "apiVersion: v1\nkind: Pod\nmetadata: {{name: web-{i}, labels: {{app: web}}}}\nspec:\n  automountServiceAccountToken: false\n  nodeName: a1\n  containers: [{{name: c, image: nginx}}]\n"
            ),
        );
    }
    let spread = |name: &str, skew: i64, extra: &str| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, labels: {{app: web}}}}\nspec:\n  automountServiceAccountToken: false\n  containers: [{{name: c, image: nginx}}]\n  topologySpreadConstraints:\n  - maxSkew: {skew}\n    topologyKey: topology.kubernetes.io/zone\n    whenUnsatisfiable: DoNotSchedule\n    labelSelector: {{matchLabels: {{app: web}}}}\n{extra}"
        )
    };
    create(&mut c, &spread("web-2", 1, ""));
    c.step(0);
    // a: 2 + 1 − 0 = 3 > 1; b: 0 + 1 − 0 = 1; the unlabeled node lacks the key.
    assert_eq!(node_of(&c, "web-2").as_deref(), Some("b1"));
    let none = node_explanation(&c, "web-2", "none");
    assert_eq!(
        rejected(&none, "PodTopologySpread"),
        ["node(s) didn't match pod topology spread constraints (missing required label)"]
    );
    assert_eq!(
        rejected(&node_explanation(&c, "web-2", "a1"), "PodTopologySpread"),
        ["node(s) didn't match pod topology spread constraints"]
    );
    // Now a has 2 and b 1; the minimum would be 1, but with minDomains 3
    // and only two domains the global minimum is 0: a 3 > 1, b 2 > 1.
    create(&mut c, &spread("web-3", 1, "    minDomains: 3\n"));
    c.step(0);
    assert_eq!(
        last_message(&c, "web-3"),
        "0/3 nodes are available: 1 node(s) didn't match pod topology spread constraints (missing required label), 2 node(s) didn't match pod topology spread constraints. no new claims to deallocate, preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod."
    );
    // Without minDomains the minimum is b's 1: b 1 + 1 − 1 = 1 fits.
    create(&mut c, &spread("web-4", 1, ""));
    c.step(0);
    assert_eq!(node_of(&c, "web-4").as_deref(), Some("b1"));
}

#[test]
fn inter_pod_affinity_and_anti_affinity() {
    let mut c = Cluster::new(1);
    create(
        &mut c,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: db, labels: {app: db}}\nspec:\n  automountServiceAccountToken: false\n  nodeName: node-1\n  containers: [{name: c, image: postgres}]\n",
    );
    // Existing anti-affinity: the guard pod keeps app=web away from node-2.
    create(
        &mut c,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: guard, labels: {app: guard}}\nspec:\n  automountServiceAccountToken: false\n  nodeName: node-2\n  containers: [{name: c, image: nginx}]\n  affinity:\n    podAntiAffinity:\n      requiredDuringSchedulingIgnoredDuringExecution:\n      - labelSelector: {matchLabels: {app: web}}\n        topologyKey: kubernetes.io/hostname\n",
    );
    let term = |kind: &str, app: &str| {
        format!(
            "  affinity:\n    {kind}:\n      requiredDuringSchedulingIgnoredDuringExecution:\n      - labelSelector: {{matchLabels: {{app: {app}}}}}\n        topologyKey: kubernetes.io/hostname\n"
        )
    };
    // app=web, anti-affinity to db: node-1 (db) and node-2 (guard) are out.
    create(
        &mut c,
        &format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: web, labels: {{app: web}}}}\nspec:\n  automountServiceAccountToken: false\n  containers: [{{name: c, image: nginx}}]\n{}",
            term("podAntiAffinity", "db")
        ),
    );
    // Affinity to db: only node-1.
    create(
        &mut c,
        &pod_yaml("near-db", "100m", "64Mi", &term("podAffinity", "db")),
    );
    // Affinity to something that does not exist (and not to itself).
    create(
        &mut c,
        &pod_yaml("lonely", "100m", "64Mi", &term("podAffinity", "cache")),
    );
    // Affinity to its own label with no such pod yet: allowed (first of a group).
    create(
        &mut c,
        &pod_yaml("self", "100m", "64Mi", &term("podAffinity", "self")),
    );
    c.step(0);
    assert_eq!(node_of(&c, "web").as_deref(), Some("node-3"));
    assert_eq!(
        rejected(&node_explanation(&c, "web", "node-1"), "InterPodAffinity"),
        ["node(s) didn't match pod anti-affinity rules"]
    );
    assert_eq!(
        rejected(&node_explanation(&c, "web", "node-2"), "InterPodAffinity"),
        ["node(s) didn't satisfy existing pods anti-affinity rules"]
    );
    assert_eq!(node_of(&c, "near-db").as_deref(), Some("node-1"));
    assert_eq!(
        last_message(&c, "lonely"),
        format!(
            "0/4 nodes are available: 1 node(s) had untolerated taint(s), 3 node(s) didn't match pod affinity rules. {NOT_HELPFUL_4}"
        )
    );
    assert!(node_of(&c, "self").is_some());
}

#[test]
fn a_pod_waiting_for_affinity_follows_the_pod_it_wants() {
    let mut c = Cluster::new(1);
    let term = "  affinity:\n    podAffinity:\n      requiredDuringSchedulingIgnoredDuringExecution:\n      - labelSelector: {matchLabels: {app: cache}}\n        topologyKey: kubernetes.io/hostname\n";
    create(&mut c, &pod_yaml("web", "100m", "64Mi", term));
    c.step(SECOND);
    assert_eq!(node_of(&c, "web"), None);
    // The scheduler binds the cache pod; that wakes web, which joins it.
    create(&mut c, &pod_yaml("cache", "100m", "64Mi", ""));
    c.step(0);
    let cache = node_of(&c, "cache").unwrap();
    assert_eq!(node_of(&c, "web").as_deref(), Some(cache.as_str()));
}

#[test]
fn scores_match_hand_computed_values() {
    // The default cluster's system pods count: node-1 runs a coredns pod
    // (100m, 70Mi) and every node a kube-proxy pod without requests, which
    // LeastAllocated counts as 100m and 200Mi (the non-zero defaults).
    // node-3 has kube-proxy and metrics-server (100m, 200Mi).
    let mut c = Cluster::new(1);
    create(
        &mut c,
        &pod_yaml("existing", "2", "1Gi", "  nodeName: node-1\n"),
    );
    create(&mut c, &pod_yaml("p", "500m", "512Mi", ""));
    c.step(0);
    let n1 = node_explanation(&c, "p", "node-1");
    let n3 = node_explanation(&c, "p", "node-3");
    let get = |n: &NodeExplanation, plugin: &str| {
        let s = n.scores.iter().find(|s| s.plugin == plugin).unwrap();
        (s.raw, s.normalized, s.weighted, s.skipped)
    };
    // TaintToleration: no PreferNoSchedule taints → reversed → 100 × 3.
    assert_eq!(get(&n1, "TaintToleration"), (0, 100, 300, false));
    assert_eq!(get(&n1, "NodeAffinity"), (0, 0, 0, true));
    // LeastAllocated: cpu (4000−2000−100−100−500)·100/4000 = 32,
    // memory (8192−1024−70−200−512)Mi·100/8Gi = 77 → 54.
    assert_eq!(get(&n1, "NodeResourcesFit"), (54, 54, 54, false));
    // node-3: cpu (4000−100−100−500)·100/4000 = 82, memory
    // (8192−200−200−512)·100/8192 = 88 → 85.
    assert_eq!(get(&n3, "NodeResourcesFit"), (85, 85, 85, false));
    // Balance (actual requests): without the pod 0.525/0.134 → 80, with
    // it 0.65/0.196 → 77: 50 + (50+77−80)/2 = 73.
    assert_eq!(
        get(&n1, "NodeResourcesBalancedAllocation"),
        (73, 73, 73, false)
    );
    // node-3: without 0.025/0.024 → 99, with 0.15/0.087 → 96:
    // 50 + (50+96−99)/2 = 73.
    assert_eq!(
        get(&n3, "NodeResourcesBalancedAllocation"),
        (73, 73, 73, false)
    );
    assert!(get(&n1, "PodTopologySpread").3);
    // coredns' preferred anti-affinity makes InterPodAffinity score (its
    // terms select kube-dns pods, not this one).
    assert_eq!(get(&n1, "InterPodAffinity"), (0, 0, 0, false));
    assert_eq!(get(&n1, "ImageLocality"), (0, 0, 0, false));
    assert_eq!(n1.total_score, Some(300 + 54 + 73));
    assert_eq!(n3.total_score, Some(300 + 85 + 73));
    // node-2's coredns pod (100m, 70Mi) leaves more memory than node-3's
    // metrics-server (100m, 200Mi).
    let n2 = node_explanation(&c, "p", "node-2");
    assert!(n2.total_score > n3.total_score);
    assert_eq!(node_of(&c, "p").as_deref(), Some("node-2"));
    assert!(n2.selected);
}

/// Sets a node's `status.images` (YAML flow text), as its kubelet reports them.
fn set_node_images(c: &mut Cluster, node: &str, images: &str) {
    let key = ObjectKey::new(res("Node"), "", node);
    let mut status = c.store.get(&key).unwrap().get("status").clone();
    status.set("images", v(images));
    c.update_status(&key, status).unwrap();
}

#[test]
fn preferred_affinity_prefer_no_schedule_and_image_locality_scores() {
    let mut c = Cluster::new(1);
    // node-2 has the image (500 MB) and a PreferNoSchedule taint; node-3 has the label.
    set_node_images(
        &mut c,
        "node-2",
        "[{names: ['nginx:1.25'], sizeBytes: 524288000}]",
    );
    let mut n2 = c.get(res("Node"), "", "node-2").unwrap().clone();
    n2.set_at(
        &["spec", "taints"],
        v("[{key: spot, value: 'true', effect: PreferNoSchedule}]"),
    );
    c.write(n2).unwrap();
    let mut n3 = c.get(res("Node"), "", "node-3").unwrap().clone();
    n3.set_at(&["metadata", "labels", "disktype"], Value::str("ssd"));
    c.write(n3).unwrap();
    create(
        &mut c,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  automountServiceAccountToken: false\n  containers: [{name: c, image: 'nginx:1.25'}]\n  affinity:\n    nodeAffinity:\n      preferredDuringSchedulingIgnoredDuringExecution:\n      - weight: 30\n        preference: {matchExpressions: [{key: disktype, operator: In, values: [ssd]}]}\n",
    );
    c.step(0);
    let get = |node: &str, plugin: &str| {
        let n = node_explanation(&c, "p", node);
        let s = n
            .scores
            .iter()
            .find(|s| s.plugin == plugin)
            .unwrap()
            .clone();
        (s.raw, s.normalized, s.weighted)
    };
    assert_eq!(get("node-2", "TaintToleration"), (1, 0, 0));
    assert_eq!(get("node-1", "TaintToleration"), (0, 100, 300));
    assert_eq!(get("node-3", "NodeAffinity"), (30, 100, 200));
    assert_eq!(get("node-1", "NodeAffinity"), (0, 0, 0));
    // 500 MB on 1 of 4 nodes → 125 MB: 100·(125−23)/(1000−23) = 10.
    assert_eq!(get("node-2", "ImageLocality"), (10, 10, 10));
    assert_eq!(get("node-1", "ImageLocality"), (0, 0, 0));
    // Best effort: BalancedAllocation is skipped.
    let n = node_explanation(&c, "p", "node-1");
    assert!(
        n.scores
            .iter()
            .any(|s| s.plugin == "NodeResourcesBalancedAllocation" && s.skipped)
    );
    assert_eq!(node_of(&c, "p").as_deref(), Some("node-3"));
}

#[test]
fn prefer_no_schedule_counts_from_packed_numbers_match_the_taints() {
    let mut c = Cluster::new(1);
    // node-2: three PreferNoSchedule taints; node-3: 300 (more than the
    // packed count holds, so they are counted on the node).
    let mut n2 = c.get(res("Node"), "", "node-2").unwrap().clone();
    n2.set_at(
        &["spec", "taints"],
        v("[{key: spot, value: 'true', effect: PreferNoSchedule}, {key: a, effect: PreferNoSchedule}, {key: b, effect: PreferNoSchedule}]"),
    );
    c.write(n2).unwrap();
    let many: Vec<String> = (0..300)
        .map(|i| format!("{{key: k{i}, effect: PreferNoSchedule}}"))
        .collect();
    let mut n3 = c.get(res("Node"), "", "node-3").unwrap().clone();
    n3.set_at(&["spec", "taints"], v(&format!("[{}]", many.join(", "))));
    c.write(n3).unwrap();
    let pods = [
        ("none", ""),
        (
            "spot",
            "  tolerations: [{key: spot, operator: Exists, effect: PreferNoSchedule}]\n",
        ),
        ("all", "  tolerations: [{operator: Exists}]\n"),
        (
            "a-any-effect",
            "  tolerations: [{key: a, operator: Exists}]\n",
        ),
        (
            "a-noschedule",
            "  tolerations: [{key: a, operator: Exists, effect: NoSchedule}]\n",
        ),
        (
            "k7",
            "  tolerations: [{key: k7, operator: Exists, effect: PreferNoSchedule}]\n",
        ),
    ];
    for (name, tolerations) in pods {
        create(
            &mut c,
            &format!(
                "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}}}\nspec:\n  automountServiceAccountToken: false\n  containers: [{{name: c, image: nginx}}]\n{tolerations}"
            ),
        );
    }
    c.step(0);
    let raw = |pod: &str, node: &str| raw_score(&c, pod, node, "TaintToleration");
    for (pod, node2, node3) in [
        ("none", 3, 300),
        ("spot", 2, 300),
        ("all", 0, 0),
        ("a-any-effect", 2, 300),
        ("a-noschedule", 3, 300),
        ("k7", 3, 299),
    ] {
        assert_eq!(raw(pod, "node-2"), node2, "{pod} on node-2");
        assert_eq!(raw(pod, "node-3"), node3, "{pod} on node-3");
        assert_eq!(raw(pod, "node-1"), 0, "{pod} on node-1");
    }
}

#[test]
fn default_spreading_spreads_a_replica_sets_pods() {
    let mut c = Cluster::new(9);
    create(
        &mut c,
        "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: web}\nspec:\n  replicas: 6\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: c, image: nginx}]}\n",
    );
    c.step(0);
    let pods: Vec<Value> = c
        .store
        .list(res("Pod"), Some("default"))
        .map(|(_, p)| p.clone())
        .collect();
    assert_eq!(pods.len(), 6);
    let mut per_node = std::collections::BTreeMap::new();
    for p in &pods {
        *per_node
            .entry(p.str_at(&["spec", "nodeName"]).unwrap().to_string())
            .or_insert(0) += 1;
    }
    assert_eq!(per_node.values().copied().collect::<Vec<_>>(), [2, 2, 2]);
    let last = pods.last().unwrap().str_at(&["metadata", "name"]).unwrap();
    let n = node_explanation(&c, last, "node-1");
    assert!(
        n.scores
            .iter()
            .any(|s| s.plugin == "PodTopologySpread" && !s.skipped)
    );
}

#[test]
fn back_off_durations_double_to_ten_seconds() {
    let info = {
        let mut i = super::util::Interner::default();
        Rc::new(PodSpecInfo::compile(
            &v(&pod_yaml("p", "1", "1Gi", "")),
            &mut i,
        ))
    };
    let mut q = SchedulingQueue::new();
    let key = PodKey::new("default", "p");
    q.add(key.clone(), info, None, 0);
    let mut seen = Vec::new();
    for _ in 0..6 {
        assert_eq!(q.pop(), Some(key.clone()));
        q.unschedulable(&key, 1, 1500);
        let e: &QueuedPod = &q.entries[&key];
        seen.push(SchedulingQueue::backoff_duration(e));
        // The expiry is aligned down to the 1 s ordering window.
        assert_eq!(
            SchedulingQueue::backoff_expiry(e),
            (1500 + seen[seen.len() - 1]) / 1000 * 1000
        );
        q.on_event(1, 1500);
        // Still backing off: in backoffQ, yet popped at once because
        // activeQ is empty (SchedulerPopFromBackoffQ).
    }
    assert_eq!(seen, [1000, 2000, 4000, 8000, 10000, 10000]);
}

#[test]
fn active_pods_go_before_backing_off_ones_and_timers_flush_backoff() {
    let mut i = super::util::Interner::default();
    let mk = |name: &str, prio: &str, i: &mut super::util::Interner| {
        Rc::new(PodSpecInfo::compile(
            &v(&pod_yaml(name, "1", "1Gi", prio)),
            i,
        ))
    };
    let mut q = SchedulingQueue::new();
    let (a, b, hi) = (
        PodKey::new("default", "a"),
        PodKey::new("default", "b"),
        PodKey::new("default", "hi"),
    );
    q.add(a.clone(), mk("a", "", &mut i), None, 0);
    assert_eq!(q.pop(), Some(a.clone()));
    q.unschedulable(&a, 1, 0);
    q.on_event(1, 0); // a → backoffQ until 1 s
    q.add(b.clone(), mk("b", "", &mut i), None, 10);
    q.add(hi.clone(), mk("hi", "  priority: 10\n", &mut i), None, 20);
    assert_eq!(q.next_backoff_expiry(), Some(1000));
    // Higher priority first, then queue time; the backing-off pod last.
    assert_eq!(q.pop(), Some(hi));
    assert_eq!(q.pop(), Some(b));
    q.flush_backoff(999);
    assert_eq!(
        q.pop(),
        Some(a.clone()),
        "popped from backoffQ when activeQ is empty"
    );
}

#[test]
fn unschedulable_pods_are_retried_after_five_minutes() {
    let mut c = Cluster::new(1);
    create(&mut c, &pod_yaml("big", "5", "64Mi", ""));
    c.step(0);
    c.step(5 * MINUTE);
    assert_eq!(c.scheduling_attempts("default", "big").len(), 1);
    // The leftover flush runs every 30 s and takes pods older than 5 min.
    c.step(30 * SECOND);
    let attempts: Vec<u64> = c
        .scheduling_attempts("default", "big")
        .iter()
        .map(|a| a.at)
        .collect();
    assert_eq!(attempts, [BOOT_MS, BOOT_MS + 5 * MINUTE + 30 * SECOND]);
    // The first failure wrote the pod's PodScheduled condition, so the
    // retry's event is about another resourceVersion of the pod: a new
    // event, as the events.k8s.io recorder keys them.
    let failed = events(&c, "big");
    assert_eq!(failed.len(), 2);
    assert_eq!((failed[0].3, failed[1].3), (1, 1));
    // The third attempt finds the same pod: it joins the second event's
    // series, written at once (count 2).
    c.step(5 * MINUTE + 30 * SECOND);
    assert_eq!(c.scheduling_attempts("default", "big").len(), 3);
    let failed = events(&c, "big");
    assert_eq!(failed.len(), 2);
    assert_eq!(failed[1].3, 2, "the repeated event is a series");
    let series = c.events.records()[c.events.records().len() - 1].to_value();
    assert_eq!(series.at(&["series", "count"]).as_i64(), Some(2));
    assert!(series.get("count").is_null() && series.get("firstTimestamp").is_null());
    assert_eq!(series.get("action").as_str(), Some("Scheduling"));
    // Further repeats are counted by the recorder and written every 30
    // minutes, or when the series has been quiet for 6.
    c.step(11 * MINUTE);
    assert!(c.now < 30 * MINUTE);
    assert!(c.scheduling_attempts("default", "big").len() > 3);
    assert_eq!(events(&c, "big")[1].3, 2);
    c.step(30 * MINUTE);
    assert!(c.now < 60 * MINUTE);
    // Attempts every 5.5 minutes from 1 minute: six by the refresh at 30
    // minutes, five of them about the second resourceVersion; the refresh
    // wrote that count, and later ones wait for the next refresh.
    let attempts = c.scheduling_attempts("default", "big");
    assert_eq!(
        attempts.last().map(|a| a.at),
        Some(BOOT_MS + 9 * 330 * SECOND)
    );
    let counts: Vec<u32> = events(&c, "big").iter().map(|e| e.3).collect();
    assert_eq!(counts, [1, 5]);
}

#[test]
fn pending_pod_is_scheduled_when_a_node_is_added() {
    let mut c = Cluster::new(1);
    create(&mut c, &pod_yaml("big", "5", "64Mi", ""));
    c.step(10 * SECOND);
    assert_eq!(node_of(&c, "big"), None);
    let mut n = NodeOptions::worker("node-4");
    n.cpu_milli = 8000;
    c.add_node(n).unwrap();
    c.step(0);
    assert_eq!(node_of(&c, "big").as_deref(), Some("node-4"));
    let a = c.scheduling_attempts("default", "big");
    assert_eq!(a.len(), 2);
    assert_eq!(a[1].at, BOOT_MS + 10 * SECOND);
}

#[test]
fn deleting_a_pod_frees_room_for_a_pending_one() {
    let mut c = Cluster::new(1);
    for i in 1..=3 {
        create(
            &mut c,
            &pod_yaml(
                &format!("fill-{i}"),
                "3",
                "64Mi",
                &format!("  nodeName: node-{i}\n"),
            ),
        );
    }
    create(&mut c, &pod_yaml("p", "2", "64Mi", ""));
    c.step(SECOND);
    assert_eq!(node_of(&c, "p"), None);
    let key = ObjectKey::new(res("Pod"), "default", "fill-2");
    c.delete(
        &key,
        crate::apiserver::DeleteOptions {
            grace_period_seconds: Some(0),
            ..Default::default()
        },
    )
    .unwrap();
    c.step(0);
    assert_eq!(node_of(&c, "p").as_deref(), Some("node-2"));
}

#[test]
fn no_nodes_is_a_scheduler_error_retried_with_back_off() {
    let mut c = Cluster::empty(1);
    create(&mut c, &pod_yaml("p", "100m", "64Mi", ""));
    c.step(0);
    let cond = condition(&get_pod(&c, "p"), "PodScheduled");
    assert_eq!(cond.get("reason").as_str(), Some("SchedulerError"));
    assert_eq!(
        cond.get("message").as_str(),
        Some("no nodes available to schedule pods")
    );
    c.step(SECOND);
    c.step(2 * SECOND);
    let times: Vec<u64> = c
        .scheduling_attempts("default", "p")
        .iter()
        .map(|a| a.at)
        .collect();
    assert_eq!(times, [0, 1000, 3000]);
}

#[test]
fn other_schedulers_and_gated_pods_are_left_alone() {
    let mut c = Cluster::new(1);
    create(
        &mut c,
        &pod_yaml("mine", "100m", "64Mi", "  schedulerName: my-scheduler\n"),
    );
    create(
        &mut c,
        &pod_yaml(
            "gated",
            "100m",
            "64Mi",
            "  schedulingGates: [{name: example.com/wait}]\n",
        ),
    );
    c.step(SECOND);
    assert_eq!(node_of(&c, "mine"), None);
    assert_eq!(node_of(&c, "gated"), None);
    assert!(c.scheduling_attempts("default", "mine").is_empty());
    assert!(c.scheduling_attempts("default", "gated").is_empty());
    let mut g = get_pod(&c, "gated");
    g.entry("spec").remove("schedulingGates");
    c.write(g).unwrap();
    c.step(0);
    assert!(node_of(&c, "gated").is_some());
}

fn placements(seed: u64) -> Vec<String> {
    let mut c = Cluster::new(seed);
    for i in 0..30 {
        create(&mut c, &pod_yaml(&format!("p{i}"), "100m", "64Mi", ""));
    }
    c.step(0);
    (0..30)
        .map(|i| node_of(&c, &format!("p{i}")).unwrap())
        .collect()
}

#[test]
fn same_seed_same_placements() {
    assert_eq!(placements(5), placements(5));
    let spread: std::collections::BTreeSet<String> = placements(5).into_iter().collect();
    assert_eq!(spread.len(), 3, "ties spread over the workers");
}

#[test]
fn percentage_of_nodes_to_score_and_the_rotating_start() {
    let mut c = Cluster::empty(1);
    for i in 0..200 {
        c.add_node(NodeOptions::worker(&format!("n{i:03}")))
            .unwrap();
    }
    create(&mut c, &pod_yaml("a", "100m", "64Mi", ""));
    create(&mut c, &pod_yaml("b", "100m", "64Mi", ""));
    c.step(0);
    // 50 − 200/125 = 49 % of 200 = 98, raised to the 100-node minimum.
    let a = &c.scheduling_attempts("default", "a")[0];
    assert_eq!(a.nodes_to_find, 100);
    let nodes = a.nodes();
    assert!(
        nodes[..100]
            .iter()
            .all(|n| n.evaluation == NodeEvaluation::Feasible)
    );
    assert!(
        nodes[100..]
            .iter()
            .all(|n| n.evaluation == NodeEvaluation::NotEvaluated)
    );
    assert!(
        nodes[150]
            .filters
            .iter()
            .all(|f| f.result == FilterResult::NotRun)
    );
    // The next pod starts where the last one stopped.
    let b = c.scheduling_attempts("default", "b")[0].nodes();
    assert!(
        b[..100]
            .iter()
            .all(|n| n.evaluation == NodeEvaluation::NotEvaluated)
    );
    assert!(
        b[100..]
            .iter()
            .all(|n| n.evaluation == NodeEvaluation::Feasible)
    );
    let b_node = node_of(&c, "b").unwrap();
    assert!(b_node.as_str() >= "n100", "{b_node}");
}

/// A tiny xorshift for the randomized test.
struct Xs(u64);
impl Xs {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

#[test]
fn no_node_is_ever_over_its_allocatable() {
    for seed in 1..=4u64 {
        let mut rng = Xs(seed * 0x9E37_79B9);
        let mut c = Cluster::empty(seed);
        for i in 0..(3 + rng.below(5)) {
            let mut n = NodeOptions::worker(&format!("w{i}"));
            n.cpu_milli = 1000 + 500 * rng.below(8) as i64;
            n.memory_bytes = (1 + rng.below(8) as i64) << 30;
            n.pods = 3 + rng.below(10) as i64;
            c.add_node(n).unwrap();
        }
        for p in 0..60 {
            let cpu = 50 * (1 + rng.below(20));
            let mem = 64 * (1 + rng.below(16));
            let sidecar = if rng.below(4) == 0 {
                format!(
                    "  initContainers:\n  - {{name: s, image: x, restartPolicy: Always, resources: {{requests: {{cpu: {cpu}m}}}}}}\n"
                )
            } else {
                String::new()
            };
            create(
                &mut c,
                &pod_yaml(
                    &format!("p{p}"),
                    &format!("{cpu}m"),
                    &format!("{mem}Mi"),
                    &sidecar,
                ),
            );
            if rng.below(5) == 0 {
                c.step(SECOND);
            }
            if rng.below(9) == 0 && p > 3 {
                let victim = format!("p{}", rng.below(p));
                let _ = c.delete(
                    &ObjectKey::new(res("Pod"), "default", &victim),
                    crate::apiserver::DeleteOptions {
                        grace_period_seconds: Some(0),
                        ..Default::default()
                    },
                );
            }
        }
        c.step(MINUTE);
        let mut used: std::collections::BTreeMap<String, (i64, i64, i64)> = Default::default();
        for (_, pod) in c.store.list(res("Pod"), None) {
            let Some(node) = pod.str_at(&["spec", "nodeName"]) else {
                continue;
            };
            let q = |v: &Value| v.as_str().map(|s| Quantity::parse(s).unwrap());
            let mut cpu = 0;
            let mut mem = 0;
            for ct in pod
                .at(&["spec", "containers"])
                .items()
                .chain(pod.at(&["spec", "initContainers"]).items())
            {
                let r = ct.at(&["resources", "requests"]);
                cpu += q(r.get("cpu")).map_or(0, |q| q.milli_value());
                mem += q(r.get("memory")).map_or(0, |q| q.value());
            }
            let e = used.entry(node.to_string()).or_default();
            e.0 += cpu;
            e.1 += mem;
            e.2 += 1;
        }
        for n in c.nodes() {
            let (cpu, mem, pods) = used.get(&n.name).copied().unwrap_or_default();
            assert!(
                cpu <= n.cpu.milli_value(),
                "seed {seed}: {} cpu {cpu}",
                n.name
            );
            assert!(
                mem <= n.memory.value(),
                "seed {seed}: {} memory {mem}",
                n.name
            );
            assert!(pods <= n.pods, "seed {seed}: {} pods {pods}", n.name);
        }
    }
}

#[test]
fn attempts_are_bounded_per_pod() {
    let mut c = Cluster::new(1);
    create(&mut c, &pod_yaml("big", "5", "64Mi", ""));
    c.step(0);
    // Each allocatable change may help a pod rejected by NodeResourcesFit.
    let key = ObjectKey::new(res("Node"), "", "node-1");
    for i in 0..6 {
        let mut status = c.store.get(&key).unwrap().get("status").clone();
        status.set_at(
            &["allocatable", "cpu"],
            Value::from(format!("{}m", 4001 + i)),
        );
        c.update_status(&key, status).unwrap();
        c.step(SECOND);
    }
    let a = c.scheduling_attempts("default", "big");
    assert_eq!(a.len(), explain::ATTEMPTS_PER_POD);
    assert_eq!(a.last().unwrap().number, 1 + 6);
}

#[test]
#[ignore = "benchmark: cargo test --release -p kubeplay-engine --lib scheduler::tests::benchmark -- --ignored --nocapture"]
fn benchmark() {
    let nodes = std::env::var("BENCH_NODES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5000);
    let pods = std::env::var("BENCH_PODS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(150_000);
    for controller_manager in [false, true] {
        let report = bench::scheduling_benchmark(nodes, pods, controller_manager);
        println!("{report}");
        assert!(report.attempts as usize >= pods);
    }
}

#[test]
#[ignore = "micro-benchmark of one cycle's filter and score phases"]
fn cycle_phases_microbench() {
    let mut c = Cluster::empty(42);
    bench::bench_nodes(&mut c, 5000);
    c.settle();
    // Fill the nodes a bit so scores differ.
    let mut rng = bench::XorShift(7);
    for i in 0..20_000 {
        let _ = c.create(bench::bench_pod(i, &mut rng), &WriteOptions::user());
    }
    c.settle();
    let probe = |i: usize, rng: &mut bench::XorShift, c: &mut Cluster| {
        let mut p = bench::bench_pod(i, rng);
        p.set_at(&["metadata", "name"], Value::from(format!("probe-{i}")));
        let mut st = std::mem::take(&mut c.scheduler);
        let info = Rc::new(PodSpecInfo::compile(&p, &mut st.interner));
        let key = PodKey::new("default", &format!("probe-{i}"));
        let mut el = [std::time::Duration::ZERO; 3];
        let mut n = 0;
        for _ in 0..200 {
            let t = std::time::Instant::now();
            let found = cycle::find_nodes_that_fit(&mut st, &key, &info, None, Ok(None));
            el[0] += t.elapsed();
            let t = std::time::Instant::now();
            let scores = cycle::score_nodes(&mut st, c, &info, &found.feasible);
            el[1] += t.elapsed();
            let t = std::time::Instant::now();
            n += cycle::select_host(c, &scores);
            el[2] += t.elapsed();
        }
        c.scheduler = st;
        (el, n)
    };
    let mut total = [std::time::Duration::ZERO; 3];
    for i in 0..40 {
        let (el, _) = probe(100_000 + i, &mut rng, &mut c);
        for j in 0..3 {
            total[j] += el[j];
        }
    }
    let us = |d: std::time::Duration| d.as_secs_f64() * 1e6 / 8000.0;
    println!(
        "per cycle: filter {:.1} µs, score {:.1} µs, select {:.1} µs",
        us(total[0]),
        us(total[1]),
        us(total[2])
    );
}

#[test]
fn absurd_quantities_do_not_panic() {
    let mut c = Cluster::empty(1);
    let mut n = NodeOptions::worker("huge");
    n.cpu_milli = i64::MAX;
    n.memory_bytes = i64::MAX;
    n.pods = i64::MAX;
    c.add_node(n).unwrap();
    c.add_node(NodeOptions::worker("small")).unwrap();
    for (i, (cpu, mem)) in [
        ("9223372036854775807", "9223372036854775807"),
        ("9e18", "8Ei"),
        ("1", "1Gi"),
        ("-5", "-1Gi"),
    ]
    .iter()
    .enumerate()
    {
        let _ = c.create(
            v(&pod_yaml(&format!("p{i}"), cpu, mem, "")),
            &WriteOptions::user(),
        );
    }
    c.step(SECOND);
    assert_eq!(c.scheduling_attempts("default", "p2").len(), 1);
    let key = ObjectKey::new(res("Pod"), "default", "p0");
    let _ = c.delete(
        &key,
        crate::apiserver::DeleteOptions {
            grace_period_seconds: Some(0),
            ..Default::default()
        },
    );
    c.step(SECOND);
}

#[test]
fn image_locality_scores_big_images_and_skips_images_below_the_threshold() {
    let mut c = Cluster::new(1);
    set_node_images(
        &mut c,
        "node-2",
        "[{names: ['nginx:1.25'], sizeBytes: 524288000}, {names: ['tiny:1'], sizeBytes: 700000}]",
    );
    // Plain pods take the scheduler's tight scoring loop.
    for (name, image) in [("big", "nginx:1.25"), ("small", "tiny:1")] {
        create(
            &mut c,
            &format!(
                "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}}}\nspec:\n  automountServiceAccountToken: false\n  containers: [{{name: c, image: '{image}'}}]\n"
            ),
        );
    }
    c.step(0);
    let raw = |pod: &str, node: &str| raw_score(&c, pod, node, "ImageLocality");
    // 500 MB on 1 of 4 nodes → 125 MB: 100·(125−23)/(1000−23) = 10.
    assert_eq!(raw("big", "node-2"), 10);
    assert_eq!(raw("big", "node-1"), 0);
    // 0.7 MB can never pass the 23 MB minimum: 0 everywhere.
    assert_eq!(raw("small", "node-2"), 0);
}

/// The memoized LeastAllocated and BalancedAllocation scores equal the
/// formulas on the node as it is now, across bindings that change nodes,
/// more pod sizes than the memo has ways (so classes share entries) and
/// generations crossing 2^32.
#[test]
fn memoized_resource_scores_match_the_formulas() {
    use super::plugins::{S_BALANCED, S_FIT, balanced_allocation, least_allocated};
    let mut c = Cluster::empty(3);
    bench::bench_nodes(&mut c, 40);
    c.settle();
    let sizes: Vec<(String, String)> = (1..=20)
        .map(|i| (format!("{}m", 50 * i), format!("{}Mi", 64 * i)))
        .collect();
    let mut rng = bench::XorShift(11);
    for round in 0..15 {
        // Bind some pods: the nodes they land on change generation.
        for k in 0..25 {
            let (cpu, mem) = &sizes[rng.below(sizes.len() as u64) as usize];
            create(
                &mut c,
                &pod_yaml(&format!("fill-{round}-{k}"), cpu, mem, ""),
            );
        }
        c.settle();
        let mut st = std::mem::take(&mut c.scheduler);
        if round == 7 {
            // Generations cross 2^32: entries keep only the low 32 bits.
            st.cache.next_hot_gen = (1 << 32) - 10;
        }
        for (i, (cpu, mem)) in sizes.iter().enumerate() {
            let probe = v(&pod_yaml(&format!("probe-{round}-{i}"), cpu, mem, ""));
            let info = Rc::new(PodSpecInfo::compile(&probe, &mut st.interner));
            let key = PodKey::new("default", &format!("probe-{round}-{i}"));
            let found = cycle::find_nodes_that_fit(&mut st, &key, &info, None, Ok(None));
            assert!(!found.feasible.is_empty());
            let scores = cycle::score_nodes(&mut st, &c, &info, &found.feasible);
            for (r, &pos) in scores.raw.iter().zip(&found.feasible) {
                let hot = &st.cache.hot[st.cache.order[pos as usize] as usize];
                assert_eq!(i64::from(r[S_FIT]), least_allocated(&info, hot));
                assert_eq!(i64::from(r[S_BALANCED]), balanced_allocation(&info, hot));
            }
        }
        c.scheduler = st;
    }
}
