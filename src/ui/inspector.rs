//! The Inspector: one object, as `kubectl describe` prints it, as YAML,
//! with its Events, and what explains it: for pods the scheduler's
//! attempts and the container's log, for Deployments where a rollout
//! stands, for Services and Ingresses where a URL goes. Its buttons are the
//! commands a learner tries (delete, scale, undo, kill a container, stop,
//! cordon or drain a node, make an image unavailable), run and recorded
//! like console lines.

use kubeplay_engine::Cluster;
use kubeplay_engine::events::EventType;
use kubeplay_engine::network::{Request, Verdict};
use kubeplay_engine::scheduler::{AttemptOutcome, FilterResult, NodeEvaluation};
use kubeplay_engine::store::ObjectKey;
use kubeplay_engine::value::Value;
use kubeplay_engine::yaml::to_yaml;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::engine_bridge::{
    CommandOutput, describe, plain_failed_scheduling, plain_reason, scheduling_attempts,
};
use crate::highlight::highlight;
use crate::markup::Markup;
use crate::model::{clock_text, human_duration, pod_status};
use crate::session::join_words;
use crate::state::Handle;

/// The Inspector's inputs.
#[derive(Properties, PartialEq)]
pub struct InspectorProps {
    /// The playground.
    pub handle: Handle,
    /// The cluster's version.
    pub version: u64,
    /// Simulated seconds (ages and countdowns move with it).
    pub now_s: u64,
    /// The object shown.
    pub selected: Option<ObjectKey>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum View {
    Describe,
    Yaml,
    Events,
    Scheduling,
    Logs,
    Rollout,
    Route,
}

fn events_of(cluster: &Cluster, uid: &str) -> String {
    let now = cluster.now_ms();
    let mut m = Markup::new();
    // Recorded in the order they first happened.
    let mut rows = cluster.events().for_object(uid).peekable();
    if rows.peek().is_none() {
        m.el("p", "empty muted", "No events about this object.");
        return m.finish();
    }
    m.open("table", "table");
    m.head(&["Type", "Reason", "Age", "From", "Message"])
        .open("tbody", "");
    for r in rows {
        let age = if r.count > 1 {
            format!(
                "{} (x{} over {})",
                human_duration(now.saturating_sub(r.last)),
                r.count,
                human_duration(now.saturating_sub(r.first))
            )
        } else {
            human_duration(now.saturating_sub(r.first))
        };
        let from = match &r.host {
            Some(h) => format!("{}, {h}", r.component),
            None => r.component.to_string(),
        };
        let warn = r.event_type == EventType::Warning;
        m.row(
            if warn { "warn" } else { "" },
            &[
                r.event_type.as_str(),
                &r.reason,
                &age,
                &from,
                r.message.trim(),
            ],
        );
    }
    m.close("tbody").close("table");
    m.finish()
}

/// Why the pod is where it is: the PodScheduled condition, the
/// FailedScheduling message in kube's words and in plain ones, and the
/// latest attempt's verdict of every filter plugin on every node and every
/// score plugin's raw and weighted score.
fn scheduling(cluster: &Cluster, key: &ObjectKey, pod: &Value) -> String {
    let mut m = Markup::new();
    m.open("div", "scheduling").open("dl", "kv");
    m.el("dt", "", "Node").open("dd", "");
    match pod.str_at(&["spec", "nodeName"]).filter(|n| !n.is_empty()) {
        Some(n) => {
            m.link(&format!("Node//{n}"), &format!("Node/{n}"));
        }
        None => {
            m.text("<none> (Pending)");
        }
    }
    m.close("dd");
    let cond = pod
        .at(&["status", "conditions"])
        .items()
        .find(|c| c.get("type").as_str() == Some("PodScheduled"));
    let s = |k: &str| cond.and_then(|c| c.get(k).as_str()).unwrap_or("");
    let state = match (s("status"), s("reason")) {
        ("", _) => "not yet attempted".to_string(),
        (st, "") => st.to_string(),
        (st, r) => format!("{st} ({r})"),
    };
    m.el("dt", "", "PodScheduled").el("dd", "", &state);
    m.close("dl");
    if s("reason") == "Unschedulable" && !s("message").is_empty() {
        m.open("div", "why");
        m.open("p", "kube").el("b", "", "kube-scheduler says: ");
        m.text(s("message")).close("p");
        m.open("ul", "plain");
        for line in plain_failed_scheduling(s("message")) {
            m.el("li", "", &line);
        }
        m.close("ul").close("div");
    }
    let attempts = scheduling_attempts(cluster, key);
    let Some(last) = attempts.last() else {
        m.el(
            "p",
            "note muted",
            if pod.str_at(&["spec", "nodeName"]).is_some() {
                "The scheduler never tried this pod: it named its node itself (spec.nodeName), or was bound before the scheduler ran."
            } else {
                "The scheduler has not tried this pod yet."
            },
        );
        m.close("div");
        return m.finish();
    };
    let outcome = |o: &AttemptOutcome| match o {
        AttemptOutcome::Scheduled { node } => format!("bound to {node}"),
        AttemptOutcome::Unschedulable { message, .. } => format!("unschedulable: {message}"),
        AttemptOutcome::Error { message } => format!("error: {message}"),
    };
    m.el(
        "h4",
        "",
        &format!(
            "Attempt {} at {} — {}",
            last.number,
            clock_text(last.at),
            outcome(&last.outcome)
        ),
    );
    let nodes = last.nodes();
    if nodes.is_empty() {
        m.el(
            "p",
            "note muted",
            "This attempt's per-node details were dropped to bound memory.",
        );
    } else {
        if last.nodes_to_find < last.num_all_nodes {
            m.el(
                "p",
                "note muted",
                &format!(
                    "The scheduler stops filtering after {} feasible nodes of {} (percentageOfNodesToScore): nodes marked “not evaluated” were not looked at.",
                    last.nodes_to_find, last.num_all_nodes
                ),
            );
        }
        let filters: Vec<&str> = nodes[0].filters.iter().map(|f| f.plugin).collect();
        m.el("h4", "", "Filter plugins: can the node take the pod?");
        m.open("div", "scroll-x")
            .open("table", "table small sched-filters");
        let mut head = vec!["Node"];
        head.extend(&filters);
        head.push("Verdict");
        m.head(&head).open("tbody", "");
        for n in nodes.iter().take(200) {
            let verdict = match &n.evaluation {
                NodeEvaluation::NotEvaluated => "not evaluated".to_string(),
                NodeEvaluation::ExcludedByPreFilter { reason } => format!("excluded: {reason}"),
                NodeEvaluation::Rejected => "rejected".to_string(),
                NodeEvaluation::Feasible if n.selected => "feasible ★ chosen".to_string(),
                NodeEvaluation::Feasible => "feasible".to_string(),
            };
            let class = match n.evaluation {
                NodeEvaluation::Feasible if n.selected => "ok chosen",
                NodeEvaluation::Feasible => "ok",
                NodeEvaluation::Rejected => "bad",
                _ => "muted",
            };
            m.open_with("tr", &[("class", class), ("data-row", &n.node)]);
            m.el("td", "mono", &n.node);
            for f in &n.filters {
                let (class, text) = match &f.result {
                    FilterResult::Passed => ("pass", "✓".to_string()),
                    FilterResult::Skipped => ("skip", "skip".to_string()),
                    FilterResult::NotRun => ("notrun", "–".to_string()),
                    FilterResult::Rejected { reasons, .. } => {
                        ("fail", format!("✗ {}", reasons.join("; ")))
                    }
                };
                let title = match &f.result {
                    FilterResult::Rejected { reasons, .. } => reasons
                        .iter()
                        .map(|r| plain_reason(r))
                        .collect::<Vec<_>>()
                        .join("; "),
                    FilterResult::Skipped => {
                        "nothing to check for this pod (PreFilter skipped)".into()
                    }
                    FilterResult::NotRun => {
                        "not run: an earlier filter rejected the node, or it was not evaluated"
                            .into()
                    }
                    FilterResult::Passed => "passed".into(),
                };
                m.open_with(
                    "td",
                    &[
                        ("class", class),
                        ("data-plugin", f.plugin),
                        ("title", &title),
                    ],
                )
                .text(&text)
                .close("td");
            }
            m.el("td", "", &verdict).close("tr");
        }
        m.close("tbody").close("table").close("div");
        if nodes.len() > 200 {
            m.el(
                "p",
                "note muted",
                &format!("… and {} more nodes", nodes.len() - 200),
            );
        }
        let scored: Vec<_> = nodes.iter().filter(|n| !n.scores.is_empty()).collect();
        if scored.is_empty() {
            if matches!(last.outcome, AttemptOutcome::Scheduled { .. }) {
                m.el(
                    "p",
                    "note muted",
                    "Only one node was feasible, so nothing was scored.",
                );
            }
        } else {
            m.el(
                "h4",
                "",
                "Score plugins: raw score → weighted (normalized × weight)",
            );
            m.open("div", "scroll-x")
                .open("table", "table small sched-scores");
            let mut head = vec!["Node".to_string()];
            head.extend(
                scored[0]
                    .scores
                    .iter()
                    .map(|s| format!("{} ×{}", s.plugin, s.weight)),
            );
            head.push("Total".into());
            let head: Vec<&str> = head.iter().map(String::as_str).collect();
            m.head(&head).open("tbody", "");
            for n in scored.iter().take(200) {
                m.open_with(
                    "tr",
                    &[
                        ("class", if n.selected { "ok chosen" } else { "" }),
                        ("data-row", &n.node),
                    ],
                );
                m.el("td", "mono", &n.node);
                for s in &n.scores {
                    let text = if s.skipped {
                        "skip".to_string()
                    } else {
                        format!("{} → {}", s.raw, s.weighted)
                    };
                    m.open_with("td", &[("data-plugin", s.plugin)])
                        .text(&text)
                        .close("td");
                }
                let total = n.total_score.map(|t| t.to_string()).unwrap_or_default();
                m.el(
                    "td",
                    "total",
                    &if n.selected {
                        format!("{total} ★")
                    } else {
                        total
                    },
                );
                m.close("tr");
            }
            m.close("tbody").close("table").close("div");
        }
    }
    if attempts.len() > 1 {
        m.el("h4", "", "Earlier attempts").open("ul", "attempts");
        for a in attempts[..attempts.len() - 1].iter().rev() {
            m.el(
                "li",
                "",
                &format!(
                    "{} at {}: {}",
                    a.number,
                    clock_text(a.at),
                    outcome(&a.outcome)
                ),
            );
        }
        m.close("ul");
    }
    m.close("div");
    m.finish()
}

/// A rolling update's bound (`intstr` scaled: surge rounds up, unavailable down).
fn scaled(v: &Value, default: &str, desired: i64, round_up: bool) -> (String, i64) {
    let text = match v {
        Value::Int(n) => n.to_string(),
        Value::String(s) => s.to_string(),
        _ => default.to_string(),
    };
    let n = match text.strip_suffix('%').map(|p| p.parse::<i64>()) {
        Some(Ok(p)) if round_up => (p * desired + 99) / 100,
        Some(Ok(p)) => p * desired / 100,
        _ => text.parse().unwrap_or(0),
    };
    (text, n)
}

/// Where a Deployment's rollout stands against maxSurge and maxUnavailable,
/// which ReplicaSet grows and which shrink, and its revision history.
fn rollout(cluster: &Cluster, d: &Value) -> String {
    let mut m = Markup::new();
    let int = |v: &Value, p: &[&str]| v.at(p).as_i64().unwrap_or(0);
    let desired = d.at(&["spec", "replicas"]).as_i64().unwrap_or(1);
    let strategy = d
        .str_at(&["spec", "strategy", "type"])
        .unwrap_or("RollingUpdate");
    let (total, updated, available) = (
        int(d, &["status", "replicas"]),
        int(d, &["status", "updatedReplicas"]),
        int(d, &["status", "availableReplicas"]),
    );
    let uid = d.str_at(&["metadata", "uid"]).unwrap_or("");
    let ns = d.str_at(&["metadata", "namespace"]).unwrap_or("default");
    let revision_of = |o: &Value| {
        o.str_at(&[
            "metadata",
            "annotations",
            "deployment.kubernetes.io/revision",
        ])
        .and_then(|r| r.parse::<i64>().ok())
        .unwrap_or(0)
    };
    let current = revision_of(d);
    let rs_rid = kubeplay_engine::api::registry::by_kind("ReplicaSet").expect("served");
    let mut sets: Vec<&Value> = cluster
        .store()
        .list(rs_rid, Some(ns))
        .map(|(_, rs)| rs)
        .filter(|rs| {
            rs.at(&["metadata", "ownerReferences"])
                .items()
                .any(|o| o.get("uid").as_str() == Some(uid))
        })
        .collect();
    crate::model::sort_small(&mut sets, |a, b| revision_of(a) > revision_of(b));
    m.open("div", "rollout").open("dl", "kv");
    m.el("dt", "", "Strategy");
    if strategy == "RollingUpdate" {
        let ru = d.at(&["spec", "strategy", "rollingUpdate"]);
        let (surge_text, surge) = scaled(ru.get("maxSurge"), "25%", desired, true);
        let (unavail_text, mut unavail) = scaled(ru.get("maxUnavailable"), "25%", desired, false);
        if surge == 0 && unavail == 0 {
            unavail = 1;
        }
        m.el(
            "dd",
            "",
            &format!(
                "RollingUpdate: maxSurge {surge_text} → {surge} pod(s), maxUnavailable {unavail_text} → {unavail} pod(s)"
            ),
        );
        m.el("dt", "", "Bounds").el(
            "dd",
            "",
            &format!(
                "at most {} pods in total (replicas + maxSurge); at least {} available (replicas − maxUnavailable)",
                desired + surge,
                (desired - unavail).max(0)
            ),
        );
    } else {
        m.el(
            "dd",
            "",
            "Recreate: every old pod stops before new ones start",
        );
    }
    m.el("dt", "", "Now").el(
        "dd",
        "",
        &format!("{total} pods, {updated} up to date, {available} available, {desired} desired"),
    );
    m.close("dl");
    let generation_seen =
        int(d, &["status", "observedGeneration"]) >= int(d, &["metadata", "generation"]);
    let complete =
        generation_seen && updated == desired && total == desired && available == desired;
    let state = if d.at(&["spec", "paused"]).as_bool() == Some(true) {
        "The rollout is paused: kubectl rollout resume continues it.".to_string()
    } else if complete {
        format!(
            "Rollout complete: revision {current}, {desired} of {desired} pods up to date and available."
        )
    } else {
        let new = sets.iter().find(|rs| revision_of(rs) == current);
        let old: Vec<String> = sets
            .iter()
            .filter(|rs| revision_of(rs) != current && int(rs, &["spec", "replicas"]) > 0)
            .map(|rs| {
                format!(
                    "{} ({} → 0)",
                    rs.str_at(&["metadata", "name"]).unwrap_or(""),
                    int(rs, &["spec", "replicas"])
                )
            })
            .collect();
        let grows = new.map_or("no new ReplicaSet yet".to_string(), |rs| {
            format!(
                "new ReplicaSet {} grows ({} of {desired} ready)",
                rs.str_at(&["metadata", "name"]).unwrap_or(""),
                int(rs, &["status", "readyReplicas"]),
            )
        });
        if old.is_empty() {
            format!("In progress: {grows}.")
        } else {
            format!("In progress: {grows}; shrinking: {}.", old.join(", "))
        }
    };
    m.el("p", if complete { "state ok" } else { "state" }, &state);
    if let Some(c) = d
        .at(&["status", "conditions"])
        .items()
        .find(|c| c.get("type").as_str() == Some("Progressing"))
    {
        m.el(
            "p",
            "note muted",
            &format!(
                "Progressing: {} ({}): {}",
                c.get("status").as_str().unwrap_or(""),
                c.get("reason").as_str().unwrap_or(""),
                c.get("message").as_str().unwrap_or("")
            ),
        );
    }
    m.el("h4", "", "Revision history");
    m.open("table", "table small").head(&[
        "Revision",
        "ReplicaSet",
        "Images",
        "Pods",
        "Change cause",
    ]);
    m.open("tbody", "");
    for rs in &sets {
        let rev = revision_of(rs);
        let images: Vec<&str> = rs
            .at(&["spec", "template", "spec", "containers"])
            .items()
            .filter_map(|c| c.get("image").as_str())
            .collect();
        let name = rs.str_at(&["metadata", "name"]).unwrap_or("");
        m.open("tr", if rev == current { "ok" } else { "" });
        m.el(
            "td",
            "",
            &if rev == current {
                format!("{rev} (current)")
            } else {
                rev.to_string()
            },
        );
        m.open("td", "")
            .link(&format!("ReplicaSet/{ns}/{name}"), name)
            .close("td");
        m.el("td", "mono", &images.join(", "));
        m.el(
            "td",
            "",
            &format!(
                "{}/{}",
                int(rs, &["status", "readyReplicas"]),
                int(rs, &["spec", "replicas"])
            ),
        );
        m.el(
            "td",
            "",
            rs.str_at(&["metadata", "annotations", "kubernetes.io/change-cause"])
                .unwrap_or("<none>"),
        );
        m.close("tr");
    }
    m.close("tbody").close("table").close("div");
    m.finish()
}

/// A URL to try for a Service or an Ingress.
fn default_url(obj: &Value, kind: &str) -> String {
    if kind == "Ingress" {
        let rule = obj.at(&["spec", "rules"]).items().next();
        let host = rule
            .and_then(|r| r.get("host").as_str())
            .unwrap_or("example.com");
        let path = rule
            .and_then(|r| r.at(&["http", "paths"]).items().next())
            .and_then(|p| p.get("path").as_str())
            .unwrap_or("/");
        return format!("http://{host}{path}");
    }
    let name = obj.str_at(&["metadata", "name"]).unwrap_or("");
    let ns = obj.str_at(&["metadata", "namespace"]).unwrap_or("default");
    let port = obj
        .at(&["spec", "ports"])
        .items()
        .next()
        .and_then(|p| p.get("port").as_i64())
        .unwrap_or(80);
    format!("http://{name}.{ns}.svc.cluster.local:{port}/")
}

/// Which rule and endpoint a URL resolves to, and why.
fn route(cluster: &Cluster, url: &str) -> String {
    let e = cluster.explain_route(&Request::get(url));
    let plain = match &e.verdict {
        Verdict::Forwarded { pods } if pods.len() == 1 => format!("{} answers.", pods[0]),
        Verdict::Forwarded { pods } => format!(
            "Each connection goes to one of {} ready endpoints, picked at random (kube-proxy) or in turn (ingress-nginx).",
            pods.len()
        ),
        Verdict::NotFound => "No Ingress rule matches this host and path, so the ingress controller's default backend answers 404 Not Found.".into(),
        Verdict::NoReadyEndpoints => "A rule matches, but its Service has no ready endpoint (no pod selected, or none Ready), so the answer is 503.".into(),
        Verdict::Redirect { location } => format!("The path matches only with a trailing slash: nginx answers 301 to {location}."),
        Verdict::BadGateway => "The endpoint's pod is gone: 502 Bad Gateway.".into(),
        Verdict::GatewayTimeout => "NetworkPolicies drop the ingress controller's connections to every endpoint: nginx gives up with 504 Gateway Time-out.".into(),
        Verdict::ConnectionFailed { .. } => "The connection fails before any HTTP answer.".into(),
    };
    let mut m = Markup::new();
    m.el("pre", "route-lines", &e.lines().join("\n"));
    m.el("p", "plain", &plain);
    m.finish()
}

fn raw(html: String) -> Html {
    Html::from_html_unchecked(AttrValue::from(html))
}

/// Countdowns of what Kubernetes waits for on this object: back-offs,
/// eviction from an unreachable node, the grace period, a node's
/// node-monitor-grace-period.
fn countdowns(cluster: &Cluster, key: &ObjectKey, obj: &Value) -> Vec<String> {
    let now = cluster.now_ms();
    let left = |at: u64| human_duration(at.saturating_sub(now));
    let mut out = Vec::new();
    match key.resource.get().kind {
        "Pod" => {
            for c in obj.at(&["status", "containerStatuses"]).items() {
                let name = c.get("name").as_str().unwrap_or("");
                let reason = c.at(&["state", "waiting", "reason"]).as_str().unwrap_or("");
                if let Some(at) = cluster.backoff_until(&key.namespace, &key.name, name)
                    && at > now
                {
                    let what = if reason == "CrashLoopBackOff" {
                        "restarts"
                    } else {
                        "pulls again"
                    };
                    out.push(format!("{reason}: {name} {what} in {}", left(at)));
                }
            }
            if let Some(at) = cluster.eviction_deadline(&key.namespace, &key.name) {
                out.push(format!("node unreachable: evicted in {}", left(at)));
            }
            if let Some(at) = obj
                .str_at(&["metadata", "deletionTimestamp"])
                .and_then(kubeplay_engine::time::parse_rfc3339)
            {
                out.push(if at > now {
                    format!("terminating: grace period ends in {}", left(at))
                } else {
                    "terminating: waiting for the kubelet to confirm".to_string()
                });
            }
        }
        "Node" if !cluster.node_running(&key.name) => {
            out.push("kubelet stopped".into());
            if let Some(at) = cluster.node_unknown_at(&key.name) {
                out.push(if at > now {
                    format!("marked NotReady (Unknown) in {}", left(at))
                } else {
                    format!("Unknown for {}", human_duration(now - at))
                });
            }
        }
        _ => {}
    }
    out
}

/// The commands the Inspector offers for an object: (label, line, class).
fn actions(cluster: &Cluster, key: &ObjectKey, obj: &Value) -> Vec<(String, String, &'static str)> {
    let rt = key.resource.get();
    let (ns, name) = (key.namespace.to_string(), key.name.to_string());
    let line = |w: &[&str]| join_words(w);
    let mut out = Vec::new();
    match rt.kind {
        "Pod" => {
            for c in obj.at(&["spec", "containers"]).items() {
                let c = c.get("name").as_str().unwrap_or("");
                out.push((
                    format!("Kill {c}"),
                    line(&["kill", "pod", &name, "-c", c, "-n", &ns]),
                    "",
                ));
            }
            if let Some(image) = obj
                .at(&["spec", "containers"])
                .items()
                .next()
                .and_then(|c| c.get("image").as_str())
            {
                out.push(("Break image".into(), line(&["break", "image", image]), ""));
                out.push(("Fix image".into(), line(&["fix", "image", image]), ""));
            }
        }
        "Node" => {
            let (power, verb) = if cluster.node_running(&name) {
                ("Stop node", "stop")
            } else {
                ("Start node", "start")
            };
            out.push((power.into(), line(&[verb, "node", &name]), ""));
            if obj.at(&["spec", "unschedulable"]).as_bool() == Some(true) {
                out.push(("Uncordon".into(), line(&["kubectl", "uncordon", &name]), ""));
            } else {
                out.push(("Cordon".into(), line(&["kubectl", "cordon", &name]), ""));
            }
            out.push((
                "Drain".into(),
                line(&[
                    "kubectl",
                    "drain",
                    &name,
                    "--ignore-daemonsets",
                    "--delete-emptydir-data",
                    "--force",
                ]),
                "",
            ));
            out.push((
                "Remove node".into(),
                line(&["remove", "node", &name]),
                "danger",
            ));
            return out;
        }
        "Deployment" | "ReplicaSet" | "ReplicationController" | "StatefulSet" => {
            let kind = rt.singular;
            let replicas = obj.at(&["spec", "replicas"]).as_i64().unwrap_or(1);
            for (label, n) in [("−", (replicas - 1).max(0)), ("+", replicas + 1)] {
                let to = format!("--replicas={n}");
                out.push((
                    label.into(),
                    line(&["kubectl", "scale", kind, &name, &to, "-n", &ns]),
                    "scale",
                ));
            }
            if rt.kind == "Deployment" {
                let target = format!("deployment/{name}");
                out.push((
                    "Restart".into(),
                    line(&["kubectl", "rollout", "restart", &target, "-n", &ns]),
                    "",
                ));
                out.push((
                    "Undo".into(),
                    line(&["kubectl", "rollout", "undo", &target, "-n", &ns]),
                    "",
                ));
            }
        }
        "Namespace" => return out,
        _ => {}
    }
    out.push((
        "Delete".into(),
        line(&[
            "kubectl",
            "delete",
            &rt.singular_group(),
            &name,
            "-n",
            &ns,
            "--wait=false",
        ]),
        "danger",
    ));
    out
}

/// The Inspector.
#[function_component(Inspector)]
pub fn inspector(p: &InspectorProps) -> Html {
    let view = use_state(|| View::Describe);
    let message = use_state(|| None::<CommandOutput>);
    let url = use_state(String::new);
    {
        let message = message.clone();
        let url = url.clone();
        use_effect_with(p.selected.clone(), move |_| {
            message.set(None);
            url.set(String::new());
        });
    }
    let msg = message.as_ref().map(|o| {
        let text = format!("{}{}", o.stdout, o.stderr);
        html! { <div class={classes!("insp-msg", (o.exit_code != 0).then_some("err"))}>{ text.trim_end().to_string() }</div> }
    });
    let Some(key) = p.selected.clone() else {
        return html! {
            <div class="inspector empty-state">
                <p>{ "Click a node, pod, Deployment, ReplicaSet, Service or Ingress to inspect it." }</p>
                <p class="muted">{ "You see kubectl describe, its YAML as the API server stores it, its Events and what explains it: why a pod is where it is, where a rollout stands, where a URL goes." }</p>
            </div>
        };
    };
    let rt = key.resource.get();
    let mut cluster = p.handle.cluster.borrow_mut();
    let Some(obj) = cluster.store().get(&key).cloned() else {
        // Keep what the last action printed (`… deleted`).
        return html! {
            <div class="inspector">
                { msg }
                <p class="empty-state">{ format!("{}/{} no longer exists.", rt.singular, key.name) }</p>
            </div>
        };
    };
    let mut views = vec![
        (View::Describe, "Describe"),
        (View::Yaml, "YAML"),
        (View::Events, "Events"),
    ];
    match rt.kind {
        "Pod" => views.extend([(View::Scheduling, "Scheduling"), (View::Logs, "Logs")]),
        "Deployment" => views.push((View::Rollout, "Rollout")),
        "Service" | "Ingress" => views.push((View::Route, "Route")),
        _ => {}
    }
    let current = if views.iter().any(|(v, _)| *v == *view) {
        *view
    } else {
        View::Describe
    };
    let route_url = if url.is_empty() {
        default_url(&obj, rt.kind)
    } else {
        (*url).clone()
    };
    let body = match current {
        View::Describe => {
            let out = describe(&mut cluster, &key);
            html! { <pre class={classes!("describe", (out.exit_code != 0).then_some("err"))}>{ out.stdout }{ out.stderr }</pre> }
        }
        View::Yaml => {
            let html = raw(highlight(&to_yaml(&obj)));
            html! { <pre class="yaml">{ html }</pre> }
        }
        View::Events => raw(events_of(
            &cluster,
            obj.str_at(&["metadata", "uid"]).unwrap_or(""),
        )),
        View::Scheduling => raw(scheduling(&cluster, &key, &obj)),
        View::Rollout => raw(rollout(&cluster, &obj)),
        View::Route => {
            let set = {
                let url = url.clone();
                Callback::from(move |e: Event| {
                    url.set(e.target_unchecked_into::<HtmlInputElement>().value())
                })
            };
            html! {
                <div class="route">
                    <label class="route-url"><span>{ "URL" }</span>
                        <input type="text" value={route_url.clone()} onchange={set} spellcheck="false" aria-label="URL to explain" />
                    </label>
                    { raw(route(&cluster, &route_url)) }
                </div>
            }
        }
        View::Logs => {
            let container = obj
                .at(&["spec", "containers"])
                .items()
                .next()
                .and_then(|c| c.get("name").as_str())
                .map(str::to_string);
            match cluster.container_logs(&key.namespace, &key.name, container.as_deref(), false) {
                Ok(log) if log.is_empty() => {
                    html! { <p class="empty muted">{ "The container has printed nothing." }</p> }
                }
                Ok(log) => html! { <pre class="logs">{ log }</pre> },
                Err(e) => html! { <pre class="logs err">{ e.kubectl_message(None) }</pre> },
            }
        }
    };
    let waits = countdowns(&cluster, &key, &obj);
    let buttons = actions(&cluster, &key, &obj);
    drop(cluster);
    let status = (rt.kind == "Pod").then(|| pod_status(&obj).reason.to_string());
    let buttons = buttons.into_iter().map(|(label, line, class)| {
        let handle = p.handle.clone();
        let message = message.clone();
        let title = line.clone();
        let aria = match label.as_str() {
            "−" => Some("Scale down"),
            "+" => Some("Scale up"),
            _ => None,
        };
        let onclick = Callback::from(move |_: MouseEvent| message.set(Some(handle.run(&line))));
        html! { <button class={classes!("btn", "small", class)} {onclick} {title} aria-label={aria}>{ label }</button> }
    });
    let tabs = views.iter().map(|(v, label)| {
        let set = {
            let view = view.clone();
            let v = *v;
            Callback::from(move |_: MouseEvent| view.set(v))
        };
        html! {
            <button class={classes!("subtab", (*v == current).then_some("on"))} onclick={set}
                role="tab" aria-selected={(*v == current).to_string()}>{ *label }</button>
        }
    });
    html! {
        <div class="inspector">
            <div class="insp-head">
                <span class="kind-badge">{ rt.kind }</span>
                <b class="insp-name">{ &*key.name }</b>
                if !key.namespace.is_empty() {
                    <span class="muted">{ format!("in {}", key.namespace) }</span>
                }
                { status.map(|s| html! { <span class="status-pill">{ s }</span> }).unwrap_or_default() }
                { for waits.into_iter().map(|w| html! { <span class="countdown">{ w }</span> }) }
                <div class="spacer"></div>
                { for buttons }
            </div>
            { msg }
            <div class="subtabs" role="tablist">{ for tabs }</div>
            <div class="insp-body">{ body }</div>
        </div>
    }
}
