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

fn kv(label: &str, value: Html) -> Html {
    html! { <><dt>{ label }</dt><dd>{ value }</dd></> }
}

fn text(s: impl Into<String>) -> Html {
    html! { { s.into() } }
}

fn labels(v: &Value) -> Html {
    let items: Vec<(&str, &Value)> = v.members().collect();
    if items.is_empty() {
        return text("<none>");
    }
    html! {
        <span class="chips">
            { for items.iter().map(|(k, v)| html! { <span class="chip">{ format!("{k}={}", v.as_str().unwrap_or("")) }</span> }) }
        </span>
    }
}

fn link(kind: &str, namespace: &str, name: &str) -> Html {
    match by_kind(kind) {
        Some(r) => {
            let key = ObjectKey::new(r, if r.get().namespaced { namespace } else { "" }, name);
            html! { <span class="link" data-obj={obj_attr(&key)}>{ format!("{}/{name}", kind) }</span> }
        }
        None => text(format!("{kind}/{name}")),
    }
}

fn conditions(obj: &Value) -> Html {
    let rows: Vec<&Value> = obj.at(&["status", "conditions"]).items().collect();
    if rows.is_empty() {
        return html! {};
    }
    html! {
        <table class="table small">
            <thead><tr><th>{ "Type" }</th><th>{ "Status" }</th><th>{ "Reason" }</th><th>{ "Message" }</th></tr></thead>
            <tbody>
                { for rows.iter().map(|c| {
                    let s = |k: &str| c.get(k).as_str().unwrap_or("").to_string();
                    html! { <tr class={classes!((s("status") == "True").then_some("ok"))}>
                        <td>{ s("type") }</td><td>{ s("status") }</td><td>{ s("reason") }</td><td>{ s("message") }</td>
                    </tr> }
                }) }
            </tbody>
        </table>
    }
}

/// A short summary while the engine's `kubectl describe` is not available.
fn summary(cluster: &Cluster, key: &ObjectKey, obj: &Value) -> Html {
    let now = cluster.now_ms();
    let kind = key.resource.get().kind;
    let meta = obj.get("metadata");
    let ns = meta.get("namespace").as_str().unwrap_or("");
    let mut rows = vec![kv("Name", text(key.name.to_string()))];
    if !ns.is_empty() {
        rows.push(kv("Namespace", text(ns)));
    }
    rows.push(kv("Age", text(age(now, obj))));
    rows.push(kv("Labels", labels(meta.get("labels"))));
    for owner in meta.get("ownerReferences").items() {
        rows.push(kv(
            "Controlled By",
            link(
                owner.get("kind").as_str().unwrap_or(""),
                ns,
                owner.get("name").as_str().unwrap_or(""),
            ),
        ));
    }
    let mut extra = Html::default();
    match kind {
        "Pod" => {
            let st = pod_status(obj);
            let node = obj.str_at(&["spec", "nodeName"]).unwrap_or("");
            rows.push(kv(
                "Node",
                if node.is_empty() {
                    text("<none>")
                } else {
                    link("Node", "", node)
                },
            ));
            rows.push(kv("Status", text(&*st.reason)));
            rows.push(kv("Ready", text(format!("{}/{}", st.ready, st.total))));
            rows.push(kv("Restarts", text(st.restarts.to_string())));
            rows.push(kv(
                "IP",
                text(obj.str_at(&["status", "podIP"]).unwrap_or("<none>")),
            ));
            rows.push(kv(
                "QoS Class",
                text(obj.str_at(&["status", "qosClass"]).unwrap_or("")),
            ));
            let statuses = obj.at(&["status", "containerStatuses"]);
            extra = html! {
                <>
                <h4>{ "Containers" }</h4>
                <table class="table small">
                    <thead><tr><th>{ "Name" }</th><th>{ "Image" }</th><th>{ "State" }</th><th>{ "Ready" }</th><th>{ "Restarts" }</th><th>{ "Requests" }</th></tr></thead>
                    <tbody>
                    { for obj.at(&["spec", "containers"]).items().map(|c| {
                        let name = c.get("name").as_str().unwrap_or("");
                        let cs = statuses.items().find(|s| s.get("name").as_str() == Some(name));
                        let state = cs.map_or("Waiting".to_string(), |s| {
                            let st = s.get("state");
                            if let Some(r) = st.at(&["waiting", "reason"]).as_str() { format!("Waiting ({r})") }
                            else if !st.get("running").is_null() { "Running".into() }
                            else if let Some(r) = st.at(&["terminated", "reason"]).as_str() { format!("Terminated ({r})") }
                            else { "Waiting".into() }
                        });
                        let requests: Vec<String> = c.at(&["resources", "requests"]).members()
                            .map(|(k, v)| format!("{k}: {}", v.as_str().unwrap_or(""))).collect();
                        html! { <tr>
                            <td>{ name }</td>
                            <td>{ c.get("image").as_str().unwrap_or("") }</td>
                            <td>{ state }</td>
                            <td>{ cs.and_then(|s| s.get("ready").as_bool()).unwrap_or(false).to_string() }</td>
                            <td>{ cs.and_then(|s| s.get("restartCount").as_i64()).unwrap_or(0) }</td>
                            <td>{ if requests.is_empty() { "<none>".to_string() } else { requests.join(", ") } }</td>
                        </tr> }
                    }) }
                    </tbody>
                </table>
                <h4>{ "Conditions" }</h4>
                { conditions(obj) }
                </>
            };
        }
        "Node" => {
            let taints: Vec<String> = obj
                .at(&["spec", "taints"])
                .items()
                .map(|t| {
                    let k = t.get("key").as_str().unwrap_or("");
                    let e = t.get("effect").as_str().unwrap_or("");
                    match t.get("value").as_str() {
                        Some(v) if !v.is_empty() => format!("{k}={v}:{e}"),
                        _ => format!("{k}:{e}"),
                    }
                })
                .collect();
            rows.push(kv(
                "Taints",
                text(if taints.is_empty() {
                    "<none>".to_string()
                } else {
                    taints.join(", ")
                }),
            ));
            rows.push(kv(
                "Unschedulable",
                text(
                    obj.at(&["spec", "unschedulable"])
                        .as_bool()
                        .unwrap_or(false)
                        .to_string(),
                ),
            ));
            let alloc: Vec<String> = obj
                .at(&["status", "allocatable"])
                .members()
                .filter(|(k, _)| matches!(*k, "cpu" | "memory" | "pods"))
                .map(|(k, v)| format!("{k}: {}", v.as_str().unwrap_or("")))
                .collect();
            rows.push(kv("Allocatable", text(alloc.join(", "))));
            extra = html! { <><h4>{ "Conditions" }</h4>{ conditions(obj) }</> };
        }
        "Deployment" | "ReplicaSet" => {
            let int = |p: &[&str]| obj.at(p).as_i64().unwrap_or(0);
            rows.push(kv(
                "Replicas",
                text(format!(
                    "{} desired | {} updated | {} total | {} available",
                    obj.at(&["spec", "replicas"]).as_i64().unwrap_or(1),
                    int(&["status", "updatedReplicas"]),
                    int(&["status", "replicas"]),
                    int(&["status", "availableReplicas"]),
                )),
            ));
            if let Some(s) = obj.str_at(&["spec", "strategy", "type"]) {
                rows.push(kv("StrategyType", text(s)));
            }
            rows.push(kv(
                "Selector",
                labels(obj.at(&["spec", "selector", "matchLabels"])),
            ));
            let images: Vec<&str> = obj
                .at(&["spec", "template", "spec", "containers"])
                .items()
                .filter_map(|c| c.get("image").as_str())
                .collect();
            rows.push(kv("Images", text(images.join(", "))));
            extra = html! { <><h4>{ "Conditions" }</h4>{ conditions(obj) }</> };
        }
        "Service" => {
            rows.push(kv(
                "Type",
                text(obj.str_at(&["spec", "type"]).unwrap_or("ClusterIP")),
            ));
            rows.push(kv(
                "IP",
                text(obj.str_at(&["spec", "clusterIP"]).unwrap_or("")),
            ));
            rows.push(kv("Port(s)", text(crate::model::service_ports(obj))));
            rows.push(kv("Selector", labels(obj.at(&["spec", "selector"]))));
        }
        _ => {}
    }
    html! {
        <div class="summary">
            <p class="note muted">{ "Summary of the stored object. The full kubectl describe output appears here when the engine's kubectl can print it." }</p>
            <dl class="kv">{ for rows }</dl>
            { extra }
        </div>
    }
}

fn events_of(cluster: &Cluster, uid: &str) -> Html {
    let now = cluster.now_ms();
    let mut rows: Vec<_> = cluster.events().for_object(uid).collect();
    rows.sort_by_key(|r| r.first);
    if rows.is_empty() {
        return html! { <p class="empty muted">{ "No events about this object." }</p> };
    }
    html! {
        <table class="table">
            <thead><tr><th>{ "Type" }</th><th>{ "Reason" }</th><th>{ "Age" }</th><th>{ "From" }</th><th>{ "Message" }</th></tr></thead>
            <tbody>
            { for rows.iter().map(|r| {
                let age = if r.count > 1 {
                    format!("{} (x{} over {})", human_duration(now.saturating_sub(r.last)), r.count, human_duration(now.saturating_sub(r.first)))
                } else {
                    human_duration(now.saturating_sub(r.first))
                };
                let from = match &r.host { Some(h) => format!("{}, {h}", r.component), None => r.component.to_string() };
                html! { <tr class={classes!((r.event_type == EventType::Warning).then_some("warn"))}>
                    <td>{ r.event_type.as_str() }</td><td>{ &*r.reason }</td><td>{ age }</td><td>{ from }</td><td>{ r.message.trim() }</td>
                </tr> }
            }) }
            </tbody>
        </table>
    }
}

fn scheduling(cluster: &Cluster, pod: &Value) -> Html {
    let e = scheduling_explanation(cluster, pod);
    html! {
        <div class="scheduling">
            <dl class="kv">
                { kv("Node", match &e.node { Some(n) => link("Node", "", n), None => text("<none> (Pending)") }) }
                { match &e.condition {
                    Some((status, reason, message)) => html! { <>
                        { kv("PodScheduled", text(format!("{status}{}", if reason.is_empty() { String::new() } else { format!(" ({reason})") }))) }
                        if !message.is_empty() { { kv("Message", text(message.clone())) } }
                    </> },
                    None => kv("PodScheduled", text("not yet attempted")),
                } }
            </dl>
            if e.verdicts.is_empty() {
                <p class="note muted">{ "Each node's verdict from the scheduler's filter and score plugins appears here once the scheduler reports it." }</p>
            } else {
                <table class="table small">
                    <thead><tr><th>{ "Node" }</th><th>{ "Feasible" }</th><th>{ "Score" }</th><th>{ "Why not" }</th></tr></thead>
                    <tbody>
                    { for e.verdicts.iter().map(|v| html! { <tr class={classes!(v.feasible.then_some("ok"))}>
                        <td>{ &v.node }</td>
                        <td>{ if v.feasible { "yes" } else { "no" } }</td>
                        <td>{ v.score.map(|s| s.to_string()).unwrap_or_default() }</td>
                        <td>{ v.reasons.join("; ") }</td>
                    </tr> }) }
                    </tbody>
                </table>
            }
        </div>
    }
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
        return html! {
            <div class="inspector empty-state">
                <p>{ format!("{}/{} no longer exists.", rt.singular, key.name) }</p>
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
            None => summary(&cluster, &key, &obj),
        },
        View::Yaml => {
            let html = Html::from_html_unchecked(AttrValue::from(highlight(&to_yaml(&obj))));
            html! { <pre class="yaml">{ html }</pre> }
        }
        View::Events => events_of(&cluster, obj.str_at(&["metadata", "uid"]).unwrap_or("")),
        View::Scheduling => scheduling(&cluster, &obj),
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
        c.delete(&delete_key, DeleteOptions::default())
            .map(|_| format!("{} \"{}\" deleted", rt.singular_group(), delete_key.name))
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
                    c.update(o, &WriteOptions::user())
                        .map(|_| {
                            format!(
                                "{}/{} scaled to {n}",
                                k.resource.get().singular_group(),
                                k.name
                            )
                        })
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
