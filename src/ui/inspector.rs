//! The Inspector: one object, described, as YAML, with its Events, and for
//! pods the scheduler's explanation and the container's log. Also the
//! actions a learner tries (delete, kill a container, stop a node, scale).

use kubeplay_engine::Cluster;
use kubeplay_engine::api::registry::by_kind;
use kubeplay_engine::apiserver::{DeleteOptions, WriteOptions};
use kubeplay_engine::events::EventType;
use kubeplay_engine::store::ObjectKey;
use kubeplay_engine::time::parse_rfc3339;
use kubeplay_engine::value::Value;
use kubeplay_engine::yaml::to_yaml;
use yew::prelude::*;

use crate::engine_bridge::{describe, scheduling_explanation};
use crate::highlight::highlight;
use crate::markup::Markup;
use crate::model::{human_duration, pod_status};
use crate::state::Handle;
use crate::ui::cluster_view::obj_attr;

/// The Inspector's inputs.
#[derive(Properties, PartialEq)]
pub struct InspectorProps {
    /// The playground.
    pub handle: Handle,
    /// The cluster's version.
    pub version: u64,
    /// Simulated seconds (ages move with it).
    pub now_s: u64,
    /// The object shown.
    pub selected: Option<ObjectKey>,
}

/// An action on the cluster, answering with what happened.
type ClusterAction = Box<dyn Fn(&mut Cluster) -> Result<String, String>>;

#[derive(Clone, Copy, PartialEq, Eq)]
enum View {
    Describe,
    Yaml,
    Events,
    Scheduling,
    Logs,
}

fn age(now: u64, obj: &Value) -> String {
    obj.str_at(&["metadata", "creationTimestamp"])
        .and_then(parse_rfc3339)
        .map_or_else(
            || "<unknown>".into(),
            |t| human_duration(now.saturating_sub(t)),
        )
}

/// A `<dt>`/`<dd>` pair with plain text.
fn kv(m: &mut Markup, label: &str, value: &str) {
    m.el("dt", "", label).el("dd", "", value);
}

/// Labels (or a selector) as chips.
fn labels(m: &mut Markup, label: &str, v: &Value) {
    m.el("dt", "", label).open("dd", "");
    let mut any = false;
    for (k, v) in v.members() {
        any = true;
        m.el("span", "chip", &format!("{k}={}", v.as_str().unwrap_or("")));
    }
    if !any {
        m.text("<none>");
    }
    m.close("dd");
}

/// A link to an object by kind and name.
fn link(m: &mut Markup, kind: &str, namespace: &str, name: &str) {
    let text = format!("{kind}/{name}");
    match by_kind(kind) {
        Some(r) => {
            let ns = if r.get().namespaced { namespace } else { "" };
            m.link(&obj_attr(&ObjectKey::new(r, ns, name)), &text);
        }
        None => {
            m.text(&text);
        }
    }
}

fn conditions(m: &mut Markup, obj: &Value) {
    let rows = obj.at(&["status", "conditions"]);
    if rows.items().next().is_none() {
        return;
    }
    m.el("h4", "", "Conditions").open("table", "table small");
    m.head(&["Type", "Status", "Reason", "Message"])
        .open("tbody", "");
    for c in rows.items() {
        let s = |k: &str| c.get(k).as_str().unwrap_or("");
        let class = if s("status") == "True" { "ok" } else { "" };
        m.row(class, &[s("type"), s("status"), s("reason"), s("message")]);
    }
    m.close("tbody").close("table");
}

fn taint_text(t: &Value) -> String {
    let k = t.get("key").as_str().unwrap_or("");
    let e = t.get("effect").as_str().unwrap_or("");
    match t.get("value").as_str() {
        Some(v) if !v.is_empty() => format!("{k}={v}:{e}"),
        _ => format!("{k}:{e}"),
    }
}

/// A short summary while the engine's `kubectl describe` is not available.
fn summary(cluster: &Cluster, key: &ObjectKey, obj: &Value) -> String {
    let now = cluster.now_ms();
    let kind = key.resource.get().kind;
    let meta = obj.get("metadata");
    let ns = meta.get("namespace").as_str().unwrap_or("");
    let mut m = Markup::new();
    m.el(
        "p",
        "note muted",
        "Summary of the stored object. The full kubectl describe output appears here when the engine's kubectl can print it.",
    );
    m.open("dl", "kv");
    kv(&mut m, "Name", &key.name);
    if !ns.is_empty() {
        kv(&mut m, "Namespace", ns);
    }
    kv(&mut m, "Age", &age(now, obj));
    labels(&mut m, "Labels", meta.get("labels"));
    for owner in meta.get("ownerReferences").items() {
        m.el("dt", "", "Controlled By").open("dd", "");
        link(
            &mut m,
            owner.get("kind").as_str().unwrap_or(""),
            ns,
            owner.get("name").as_str().unwrap_or(""),
        );
        m.close("dd");
    }
    let int = |p: &[&str]| obj.at(p).as_i64().unwrap_or(0);
    match kind {
        "Pod" => {
            let st = pod_status(obj);
            m.el("dt", "", "Node").open("dd", "");
            match obj.str_at(&["spec", "nodeName"]).filter(|n| !n.is_empty()) {
                Some(node) => link(&mut m, "Node", "", node),
                None => {
                    m.text("<none>");
                }
            }
            m.close("dd");
            kv(&mut m, "Status", &st.reason);
            kv(&mut m, "Ready", &format!("{}/{}", st.ready, st.total));
            kv(&mut m, "Restarts", &st.restarts.to_string());
            kv(
                &mut m,
                "IP",
                obj.str_at(&["status", "podIP"]).unwrap_or("<none>"),
            );
            kv(
                &mut m,
                "QoS Class",
                obj.str_at(&["status", "qosClass"]).unwrap_or(""),
            );
            m.close("dl");
            let statuses = obj.at(&["status", "containerStatuses"]);
            m.el("h4", "", "Containers").open("table", "table small");
            m.head(&["Name", "Image", "State", "Ready", "Restarts", "Requests"])
                .open("tbody", "");
            for c in obj.at(&["spec", "containers"]).items() {
                let name = c.get("name").as_str().unwrap_or("");
                let cs = statuses
                    .items()
                    .find(|s| s.get("name").as_str() == Some(name));
                let state = cs.map_or("Waiting".to_string(), |s| {
                    let st = s.get("state");
                    if let Some(r) = st.at(&["waiting", "reason"]).as_str() {
                        format!("Waiting ({r})")
                    } else if !st.get("running").is_null() {
                        "Running".into()
                    } else if let Some(r) = st.at(&["terminated", "reason"]).as_str() {
                        format!("Terminated ({r})")
                    } else {
                        "Waiting".into()
                    }
                });
                let requests: Vec<String> = c
                    .at(&["resources", "requests"])
                    .members()
                    .map(|(k, v)| format!("{k}: {}", v.as_str().unwrap_or("")))
                    .collect();
                let ready = cs.and_then(|s| s.get("ready").as_bool()).unwrap_or(false);
                let restarts = cs
                    .and_then(|s| s.get("restartCount").as_i64())
                    .unwrap_or(0)
                    .to_string();
                let requests = if requests.is_empty() {
                    "<none>".to_string()
                } else {
                    requests.join(", ")
                };
                m.row(
                    "",
                    &[
                        name,
                        c.get("image").as_str().unwrap_or(""),
                        &state,
                        if ready { "true" } else { "false" },
                        &restarts,
                        &requests,
                    ],
                );
            }
            m.close("tbody").close("table");
            conditions(&mut m, obj);
            return m.finish();
        }
        "Node" => {
            let taints: Vec<String> = obj
                .at(&["spec", "taints"])
                .items()
                .map(taint_text)
                .collect();
            kv(
                &mut m,
                "Taints",
                &if taints.is_empty() {
                    "<none>".to_string()
                } else {
                    taints.join(", ")
                },
            );
            let cordoned = obj.at(&["spec", "unschedulable"]).as_bool() == Some(true);
            kv(
                &mut m,
                "Unschedulable",
                if cordoned { "true" } else { "false" },
            );
            let alloc: Vec<String> = obj
                .at(&["status", "allocatable"])
                .members()
                .filter(|(k, _)| matches!(*k, "cpu" | "memory" | "pods"))
                .map(|(k, v)| format!("{k}: {}", v.as_str().unwrap_or("")))
                .collect();
            kv(&mut m, "Allocatable", &alloc.join(", "));
        }
        "Deployment" | "ReplicaSet" => {
            kv(
                &mut m,
                "Replicas",
                &format!(
                    "{} desired | {} updated | {} total | {} available",
                    obj.at(&["spec", "replicas"]).as_i64().unwrap_or(1),
                    int(&["status", "updatedReplicas"]),
                    int(&["status", "replicas"]),
                    int(&["status", "availableReplicas"]),
                ),
            );
            if let Some(s) = obj.str_at(&["spec", "strategy", "type"]) {
                kv(&mut m, "StrategyType", s);
            }
            labels(
                &mut m,
                "Selector",
                obj.at(&["spec", "selector", "matchLabels"]),
            );
            let images: Vec<&str> = obj
                .at(&["spec", "template", "spec", "containers"])
                .items()
                .filter_map(|c| c.get("image").as_str())
                .collect();
            kv(&mut m, "Images", &images.join(", "));
        }
        "Service" => {
            kv(
                &mut m,
                "Type",
                obj.str_at(&["spec", "type"]).unwrap_or("ClusterIP"),
            );
            kv(
                &mut m,
                "IP",
                obj.str_at(&["spec", "clusterIP"]).unwrap_or(""),
            );
            kv(&mut m, "Port(s)", &crate::model::service_ports(obj));
            labels(&mut m, "Selector", obj.at(&["spec", "selector"]));
        }
        _ => {}
    }
    m.close("dl");
    conditions(&mut m, obj);
    m.finish()
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
        let class = if r.event_type == EventType::Warning {
            "warn"
        } else {
            ""
        };
        m.row(
            class,
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

fn scheduling(cluster: &Cluster, pod: &Value) -> String {
    let e = scheduling_explanation(cluster, pod);
    let mut m = Markup::new();
    m.open("div", "scheduling").open("dl", "kv");
    m.el("dt", "", "Node").open("dd", "");
    match &e.node {
        Some(n) => link(&mut m, "Node", "", n),
        None => {
            m.text("<none> (Pending)");
        }
    }
    m.close("dd");
    match &e.condition {
        Some((status, reason, message)) => {
            let value = if reason.is_empty() {
                status.clone()
            } else {
                format!("{status} ({reason})")
            };
            kv(&mut m, "PodScheduled", &value);
            if !message.is_empty() {
                kv(&mut m, "Message", message);
            }
        }
        None => kv(&mut m, "PodScheduled", "not yet attempted"),
    }
    m.close("dl");
    if e.verdicts.is_empty() {
        m.el(
            "p",
            "note muted",
            "Each node's verdict from the scheduler's filter and score plugins appears here once the scheduler reports it.",
        );
    } else {
        m.open("table", "table small");
        m.head(&["Node", "Feasible", "Score", "Why not"])
            .open("tbody", "");
        for v in &e.verdicts {
            let score = v.score.map(|s| s.to_string()).unwrap_or_default();
            m.row(
                if v.feasible { "ok" } else { "" },
                &[
                    &v.node,
                    if v.feasible { "yes" } else { "no" },
                    &score,
                    &v.reasons.join("; "),
                ],
            );
        }
        m.close("tbody").close("table");
    }
    m.close("div");
    m.finish()
}

fn raw(html: String) -> Html {
    Html::from_html_unchecked(AttrValue::from(html))
}

/// The Inspector.
#[function_component(Inspector)]
pub fn inspector(p: &InspectorProps) -> Html {
    let view = use_state(|| View::Describe);
    let message = use_state(|| None::<(bool, String)>);
    {
        let message = message.clone();
        use_effect_with(p.selected.clone(), move |_| message.set(None));
    }
    let Some(key) = p.selected.clone() else {
        return html! {
            <div class="inspector empty-state">
                <p>{ "Click a node, pod, Deployment, ReplicaSet, Service or Ingress to inspect it." }</p>
                <p class="muted">{ "You see its description, its YAML as the API server stores it, its Events and, for pods, why the scheduler put it where it is." }</p>
            </div>
        };
    };
    let rt = key.resource.get();
    let handle = p.handle.clone();
    let act = {
        let handle = handle.clone();
        let message = message.clone();
        move |f: ClusterAction| {
            let handle = handle.clone();
            let message = message.clone();
            Callback::from(move |_: MouseEvent| {
                let result = f(&mut handle.cluster.borrow_mut());
                message.set(Some(match result {
                    Ok(m) => (true, m),
                    Err(m) => (false, m),
                }));
            })
        }
    };
    let mut cluster = p.handle.cluster.borrow_mut();
    let Some(obj) = cluster.store().get(&key).cloned() else {
        // Keep what the last action printed (`… deleted`).
        return html! {
            <div class="inspector">
                { message.as_ref().map(|(ok, m)| html! {
                    <div class={classes!("insp-msg", (!ok).then_some("err"))}>{ m.clone() }</div>
                }).unwrap_or_default() }
                <p class="empty-state">{ format!("{}/{} no longer exists.", rt.singular, key.name) }</p>
            </div>
        };
    };
    let is_pod = rt.kind == "Pod";
    let views: Vec<(View, &str)> = [
        (View::Describe, "Describe"),
        (View::Yaml, "YAML"),
        (View::Events, "Events"),
    ]
    .into_iter()
    .chain(
        is_pod
            .then_some([(View::Scheduling, "Scheduling"), (View::Logs, "Logs")])
            .into_iter()
            .flatten(),
    )
    .collect();
    let current = if !is_pod && matches!(*view, View::Scheduling | View::Logs) {
        View::Describe
    } else {
        *view
    };
    let body = match current {
        View::Describe => match describe(&mut cluster, &key) {
            Some(out) => html! { <pre class="describe">{ out }</pre> },
            None => raw(summary(&cluster, &key, &obj)),
        },
        View::Yaml => {
            let html = Html::from_html_unchecked(AttrValue::from(highlight(&to_yaml(&obj))));
            html! { <pre class="yaml">{ html }</pre> }
        }
        View::Events => raw(events_of(
            &cluster,
            obj.str_at(&["metadata", "uid"]).unwrap_or(""),
        )),
        View::Scheduling => raw(scheduling(&cluster, &obj)),
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
    drop(cluster);
    let status = if is_pod {
        Some(pod_status(&obj).reason.to_string())
    } else {
        None
    };
    let mut actions: Vec<Html> = Vec::new();
    let delete_key = key.clone();
    let delete = act(Box::new(move |c: &mut Cluster| {
        let rt = delete_key.resource.get();
        // kubectl delete's line (cmd/delete PrintObj).
        let mut line = format!("{} \"{}\" deleted", rt.singular_group(), delete_key.name);
        if !delete_key.namespace.is_empty() {
            line.push_str(&format!(" from {} namespace", delete_key.namespace));
        }
        c.delete(&delete_key, DeleteOptions::default())
            .map(|_| line)
            .map_err(|e| e.kubectl_message(None))
    }));
    match rt.kind {
        "Pod" => {
            let (ns, name) = (key.namespace.to_string(), key.name.to_string());
            let kill = act(Box::new(move |c: &mut Cluster| {
                c.kill_container(&ns, &name, None)
                    .map(|_| "the container's process was killed".into())
            }));
            actions.push(html! { <button class="btn small" onclick={kill} title="Kill the container's process, as if it crashed">{ "Kill container" }</button> });
        }
        "Node" => {
            let name = key.name.to_string();
            let down = obj.at(&["status", "conditions"]).items().any(|c| {
                c.get("type").as_str() == Some("Ready") && c.get("status").as_str() != Some("True")
            });
            let toggle = act(Box::new(move |c: &mut Cluster| {
                if down {
                    c.start_node(&name).map(|_| format!("node {name} started"))
                } else {
                    c.stop_node(&name).map(|_| format!("node {name} stopped"))
                }
            }));
            actions.push(html! { <button class="btn small" onclick={toggle}>{ if down { "Start node" } else { "Stop node" } }</button> });
        }
        "Deployment" | "ReplicaSet" => {
            let replicas = obj.at(&["spec", "replicas"]).as_i64().unwrap_or(1);
            for (label, delta) in [("−", -1i64), ("+", 1)] {
                let k = key.clone();
                let scale = act(Box::new(move |c: &mut Cluster| {
                    let mut o = c.store().get(&k).cloned().ok_or("not found")?;
                    let n = (o.at(&["spec", "replicas"]).as_i64().unwrap_or(1) + delta).max(0);
                    o.set_at(&["spec", "replicas"], Value::Int(n));
                    // kubectl scale's line.
                    c.update(o, &WriteOptions::user())
                        .map(|_| format!("{}/{} scaled", k.resource.get().singular_group(), k.name))
                        .map_err(|e| e.kubectl_message(None))
                }));
                actions.push(html! { <button class="btn small" onclick={scale} aria-label={format!("Scale {}", if delta < 0 { "down" } else { "up" })}
                    title={format!("Scale to {}", (replicas + delta).max(0))}>{ label }</button> });
            }
        }
        _ => {}
    }
    if rt.kind != "Node" && rt.kind != "Namespace" {
        actions.push(
            html! { <button class="btn small danger" onclick={delete}>{ "Delete" }</button> },
        );
    }
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
                <div class="spacer"></div>
                { for actions }
            </div>
            { message.as_ref().map(|(ok, m)| html! {
                <div class={classes!("insp-msg", (!ok).then_some("err"))}>{ m.clone() }</div>
            }).unwrap_or_default() }
            <div class="subtabs" role="tablist">{ for tabs }</div>
            <div class="insp-body">{ body }</div>
        </div>
    }
}
