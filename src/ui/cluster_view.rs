//! The cluster view: the control-plane node with its components and the
//! scheduling queue, worker nodes with their allocations and pods, the
//! workloads (Deployment → ReplicaSets → pods) and the network (Ingress →
//! Service → endpoints), with the animation layer on top.

use std::rc::Rc;

use kubeplay_engine::api::registry::by_kind;
use kubeplay_engine::store::ObjectKey;
use yew::prelude::*;

use crate::fx::COMPONENTS;
use crate::model::{NodeView, PodState, PodView, Snapshot, cpu_text, fraction, mem_text};
use crate::state::Handle;

/// Above this many pods, nodes show counts per state instead of one shape per pod.
pub const INDIVIDUAL_LIMIT: usize = 400;

/// A snapshot shared by reference (equal when it is the same one).
#[derive(Clone)]
pub struct SnapRef(pub Rc<Snapshot>);

impl PartialEq for SnapRef {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// The animation generation, given by context so only animated parts re-render.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct FxTick(pub u64);

/// The traffic statistics' generation, by context.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct TrafficTick(pub u64);

/// Simulated time in whole seconds (ms), by context: countdowns re-render with it.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Clock(pub u64);

#[derive(Properties, PartialEq)]
struct CountdownProps {
    at: u64,
    label: &'static str,
    done: &'static str,
}

/// A chip counting down to a moment of simulated time (what Kubernetes waits for).
#[function_component(Countdown)]
fn countdown(p: &CountdownProps) -> Html {
    let now = use_context::<Clock>().map_or(0, |c| c.0);
    let text = if p.at > now {
        format!("{} {}", p.label, crate::model::human_duration(p.at - now))
    } else {
        p.done.to_string()
    };
    if text.is_empty() {
        return html! {};
    }
    html! { <span class="chip countdown" title="Simulated time left">{ text }</span> }
}

/// `Kind/namespace/name`, the `data-obj` of a clickable object.
pub fn obj_attr(key: &ObjectKey) -> String {
    format!("{}/{}/{}", key.resource.get().kind, key.namespace, key.name)
}

/// Reads a `data-obj` attribute back.
pub fn parse_obj(attr: &str) -> Option<ObjectKey> {
    let mut parts = attr.splitn(3, '/');
    let kind = by_kind(parts.next()?)?;
    let ns = parts.next()?;
    let name = parts.next()?;
    Some(ObjectKey::new(kind, ns, name))
}

/// One pod's shape.
pub fn pod_chip(pod: &PodView, selected: bool) -> Html {
    pod_chip_landing(pod, selected, false)
}

/// One pod's shape; `landing` delays its appearance until its flight from
/// the scheduler arrives.
fn pod_chip_landing(pod: &PodView, selected: bool, landing: bool) -> Html {
    html! {
        <span key={&*pod.uid} class={classes!("pod", pod.state.class(), selected.then_some("sel"), landing.then_some("landing"))}
            data-obj={AttrValue::Rc(pod.attr.clone())} title={AttrValue::Rc(pod.title.clone())}></span>
    }
}

fn is_selected(selected: &Option<ObjectKey>, key: &ObjectKey) -> bool {
    selected.as_ref() == Some(key)
}

fn alloc_bar(label: &'static str, used: i64, total: i64, text: String) -> Html {
    let level = if used > total {
        "over"
    } else if used * 100 >= total * 85 && total > 0 {
        "high"
    } else {
        ""
    };
    html! {
        <div class={classes!("alloc", level)} title={format!("{label}: requested {text}")}>
            <span class="alloc-label">{ label }</span>
            <span class="alloc-track"><span class="alloc-fill" style={format!("transform:scaleX({})", fraction(used, total))}></span></span>
            <span class="alloc-text">{ text }</span>
        </div>
    }
}

fn allocs(n: &NodeView) -> Html {
    let (cpu, mem, pods) = n.requested;
    let (cpu_a, mem_a, pods_a) = n.allocatable;
    html! {
        <div class="allocs">
            { alloc_bar("cpu", cpu, cpu_a, format!("{} / {}", cpu_text(cpu), cpu_text(cpu_a))) }
            { alloc_bar("mem", mem, mem_a, format!("{} / {}", mem_text(mem), mem_text(mem_a))) }
            { alloc_bar("pods", pods, pods_a, format!("{pods} / {pods_a}")) }
            if n.system_pods > 0 {
                <div class="sys-pods" title="Pods of kube-system (kube-proxy, CoreDNS, metrics-server, the control plane's static pods): counted here, listed by kubectl get pods -n kube-system">
                    { format!("incl. {} kube-system pod{}", n.system_pods, if n.system_pods == 1 { "" } else { "s" }) }
                </div>
            }
        </div>
    }
}

fn node_status(n: &NodeView) -> (String, &'static str) {
    let base = match n.ready.as_deref() {
        Some("True") => "Ready",
        Some("False") => "NotReady",
        _ => "Unknown",
    };
    // No Ready condition yet (no kubelet has reported) is not a failure.
    let class = match n.ready.as_deref() {
        Some("True") => "ok",
        None => "unknown",
        _ => "bad",
    };
    if n.unschedulable {
        (format!("{base},SchedulingDisabled"), "warn")
    } else {
        (base.to_string(), class)
    }
}

fn taints(n: &NodeView) -> Html {
    if n.taints.is_empty() && n.problems.is_empty() {
        return html! {};
    }
    html! {
        <div class="chips">
            { for n.problems.iter().map(|p| html! { <span class="chip bad" title="Node condition">{ &**p }</span> }) }
            { for n.taints.iter().map(|t| html! { <span class="chip taint" title="Taint">{ t }</span> }) }
        </div>
    }
}

fn stacked_counts(counts: &[u32; 11]) -> Html {
    let total: u32 = counts.iter().sum();
    if total == 0 {
        return html! { <div class="empty-pods">{ "no pods" }</div> };
    }
    html! {
        <div class="agg">
            <div class="stack">
                { for PodState::ALL.iter().map(|s| {
                    let n = counts[s.index()];
                    html! { <span class={classes!("seg", s.class())} style={format!("flex-grow:{n}")}
                        title={format!("{}: {n}", s.label())}></span> }
                }) }
            </div>
            <ul class="agg-counts">
                { for PodState::ALL.iter().filter(|s| counts[s.index()] > 0).map(|s| html! {
                    <li title={s.label()}><span class={classes!("pod", "mini", s.class())}></span>{ counts[s.index()] }</li>
                }) }
            </ul>
        </div>
    }
}

fn node_pods(
    snap: &Snapshot,
    n: &NodeView,
    individual: bool,
    selected: &Option<ObjectKey>,
    fx: &crate::fx::Fx,
) -> Html {
    if !individual {
        return html! { <div class="node-pods">{ stacked_counts(&n.counts) }</div> };
    }
    if n.groups.is_empty() {
        return html! { <div class="node-pods"><div class="empty-pods">{ "no pods" }</div></div> };
    }
    html! {
        <div class="node-pods">
            { for n.groups.iter().map(|g| {
                let label = if g.label.is_empty() { "pods" } else { &g.label };
                html! {
                    <div class="pgroup" key={&*g.label} style={format!("--hue:{}", g.hue)}>
                        <span class="pgroup-label">{ label }</span>
                        <div class="pods">
                            { for g.pods.iter().map(|&i| {
                                let pod = &snap.pods[i];
                                let landing = !fx.flights.is_empty()
                                    && fx.in_flight(&format!("{}/{}", pod.key.namespace, pod.key.name));
                                pod_chip_landing(pod, is_selected(selected, &pod.key), landing)
                            }) }
                        </div>
                    </div>
                }
            }) }
        </div>
    }
}

/// The control plane node's card: components that light up as they act,
/// and the scheduling queue.
#[derive(Properties, PartialEq)]
struct ControlPlaneProps {
    handle: Handle,
    snap: SnapRef,
    individual: bool,
    selected: Option<ObjectKey>,
}

#[function_component(ControlPlaneCard)]
fn control_plane_card(p: &ControlPlaneProps) -> Html {
    let _tick = use_context::<FxTick>();
    let snap = &p.snap.0;
    let fx = p.handle.fx.borrow();
    let now = crate::dom::now();
    let node = snap.nodes.iter().find(|n| n.control_plane);
    let (status, status_class) = node.map_or(("NotFound".to_string(), "bad"), node_status);
    let name = node.map_or("control-plane", |n| n.name());
    let shown = if p.individual {
        snap.queue.len()
    } else {
        snap.queue.len().min(40)
    };
    let queue = html! {
        <div class="queue" aria-label="Scheduling queue">
            <span class="queue-label">{ format!("scheduling queue · {}", snap.queue.len()) }</span>
            <div class="pods">
                { for snap.queue.iter().take(shown).map(|&i| pod_chip(&snap.pods[i], is_selected(&p.selected, &snap.pods[i].key))) }
                if shown < snap.queue.len() {
                    <span class="more">{ format!("+{}", snap.queue.len() - shown) }</span>
                }
            </div>
            { for snap.queue.iter().filter_map(|&i| {
                let pod = &snap.pods[i];
                pod.unschedulable.as_ref().map(|m| (pod, m))
            }).take(3).map(|(pod, message)| {
                let plain = crate::engine_bridge::plain_failed_scheduling(message);
                html! {
                    <div class="queue-why" data-obj={AttrValue::Rc(pod.attr.clone())} title="Open the scheduler's explanation">
                        <b>{ &*pod.key.name }</b>{ ": " }<span class="kube">{ &**message }</span>
                        if !plain.is_empty() {
                            <span class="plain">{ plain[1..].join(" ") }</span>
                        }
                    </div>
                }
            }) }
        </div>
    };
    let components = COMPONENTS.iter().enumerate().map(|(i, (id, full))| {
        let pulse = &fx.pulses[i];
        html! {
            <div class={classes!("cp-comp", pulse.class(now))} data-cp={*id} title={pulse.message.clone()}>
                <span class={classes!("cp-icon", *id)} aria-hidden="true"></span>
                <span class="cp-name">{ *full }</span>
                <span class="cp-msg">{ if pulse.message.is_empty() { "idle".to_string() } else { pulse.message.clone() } }</span>
            </div>
        }
    });
    let obj = node.map(|n| obj_attr(&n.key));
    html! {
        <article class={classes!("node-card", "cp", node.is_some_and(NodeView::down).then_some("down"))}
            data-node={name.to_string()} data-obj={obj}>
            <header class="node-head">
                <span class="node-name">{ name }</span>
                <span class="node-role">{ "control plane" }</span>
                <span class={classes!("node-status", status_class)}>{ status }</span>
                { node.map(taints).unwrap_or_default() }
            </header>
            <div class="cp-grid">{ for components }</div>
            { queue }
        </article>
    }
}

fn worker_card(
    snap: &Snapshot,
    n: &NodeView,
    individual: bool,
    selected: &Option<ObjectKey>,
    fx: &crate::fx::Fx,
    now: f64,
) -> Html {
    let kubelet_class = fx.kubelets.get(&n.key.name).map_or("", |k| k.class(now));
    let (status, status_class) = node_status(n);
    html! {
        <article key={n.name()} class={classes!("node-card", n.down().then_some("down"), (!n.running).then_some("stopped"),
                n.unschedulable.then_some("cordoned"), is_selected(selected, &n.key).then_some("sel"))}
            data-node={n.name().to_string()} data-obj={obj_attr(&n.key)}>
            <header class="node-head">
                <span class={classes!("kubelet", kubelet_class)} title="kubelet"></span>
                <span class="node-name">{ n.name() }</span>
                if n.control_plane {
                    <span class="node-role">{ "control plane" }</span>
                }
                <span class={classes!("node-status", status_class)}>{ status }</span>
                <span class="node-acts">
                    <button class="node-act" data-cmd={format!("{} node {}", if n.running { "stop" } else { "start" }, n.name())}
                        title={if n.running { "Stop the node (its kubelet and containers)" } else { "Start the node again" }}>
                        { if n.running { "stop" } else { "start" } }
                    </button>
                    <button class="node-act" data-cmd={format!("kubectl {} {}", if n.unschedulable { "uncordon" } else { "cordon" }, n.name())}
                        title={if n.unschedulable { "kubectl uncordon: allow new pods again" } else { "kubectl cordon: no new pods" }}>
                        { if n.unschedulable { "uncordon" } else { "cordon" } }
                    </button>
                </span>
            </header>
            if !n.running || n.unknown_at.is_some() || n.evict_at.is_some() {
                <div class="chips waits">
                    if !n.running {
                        <span class="chip bad" title="The kubelet stopped: the control plane notices when its Lease is not renewed">{ "kubelet stopped" }</span>
                    }
                    if let Some(at) = n.unknown_at {
                        <Countdown {at} label="NotReady in" done="" />
                    }
                    if let Some(at) = n.evict_at {
                        <Countdown {at} label="pods evicted in" done="evicting pods" />
                    }
                </div>
            }
            { allocs(n) }
            { taints(n) }
            { node_pods(snap, n, individual, selected, fx) }
        </article>
    }
}

/// Deployments with their ReplicaSets and pods.
#[derive(Properties, PartialEq)]
struct WorkloadsProps {
    snap: SnapRef,
    individual: bool,
    selected: Option<ObjectKey>,
}

#[function_component(Workloads)]
fn workloads(p: &WorkloadsProps) -> Html {
    let snap = &p.snap.0;
    let pods_of = |list: &[usize]| -> Html {
        if !p.individual {
            let mut counts = [0u32; 11];
            for &i in list {
                counts[snap.pods[i].state.index()] += 1;
            }
            return html! {
                <ul class="agg-counts">
                    { for PodState::ALL.iter().filter(|s| counts[s.index()] > 0).map(|s| html! {
                        <li title={s.label()}><span class={classes!("pod", "mini", s.class())}></span>{ counts[s.index()] }</li>
                    }) }
                </ul>
            };
        }
        html! {
            <div class="pods">
                { for list.iter().map(|&i| pod_chip(&snap.pods[i], is_selected(&p.selected, &snap.pods[i].key))) }
            </div>
        }
    };
    let body = if snap.workloads.is_empty() {
        html! {
            <div class="empty">
                <p>{ "Nothing runs here yet." }</p>
                <p class="muted">{ "Apply the Deployment in the editor (Ctrl/⌘+Enter) and watch the API server, the scheduler and the controllers act." }</p>
            </div>
        }
    } else {
        html! {
            { for snap.workloads.iter().map(|w| {
                let Some(key) = &w.key else {
                    return html! {
                        <div class="wl" key="(standalone)">
                            <div class="wl-head"><span class="wl-kind">{ "pods" }</span><b>{ "without a controller" }</b></div>
                            <div class="rs">{ pods_of(&w.pods) }</div>
                        </div>
                    };
                };
                let kind = key.resource.get().kind;
                let old_hidden = w.replica_sets.iter().skip(1).filter(|rs| rs.desired == 0 && rs.pods.is_empty()).count();
                html! {
                    <div class="wl" key={obj_attr(key)} style={format!("--hue:{}", w.hue)}>
                        <div class={classes!("wl-head", is_selected(&p.selected, key).then_some("sel"))} data-obj={obj_attr(key)}>
                            <span class="wl-kind">{ match kind { "Deployment" => "deploy", "DaemonSet" => "ds", "StatefulSet" => "sts", "Job" => "job", "ReplicationController" => "rc", _ => "rs" } }</span>
                            <b class="wl-name">{ &*w.name }</b>
                            <span class={classes!("wl-ready", (w.ready >= w.desired).then_some("ok"))}
                                title={ if kind == "Job" { "succeeded / completions" } else { "ready / desired" } }>
                                { format!("{}/{}", w.ready, w.desired) }
                            </span>
                            if kind == "Deployment" {
                                <span class="muted">{ format!("up-to-date {} · available {}", w.updated, w.available) }</span>
                            }
                            if let Some(state) = w.state {
                                <span class="muted">{ state }</span>
                            }
                            if let Some(hpa) = &w.autoscaler {
                                <span class="muted wl-hpa" title="HorizontalPodAutoscaler: current / target, min–max replicas">{ format!("hpa {hpa}") }</span>
                            }
                        </div>
                        if !w.pods.is_empty() {
                            <div class="rs">{ pods_of(&w.pods) }</div>
                        }
                        { for w.replica_sets.iter().enumerate().filter(|(i, rs)| *i == 0 || rs.desired > 0 || !rs.pods.is_empty()).map(|(_, rs)| {
                            let draining = !rs.newest && (rs.desired > 0 || !rs.pods.is_empty());
                            html! {
                                <div key={obj_attr(&rs.key)} class={classes!("rs", rs.newest.then_some("newest"), draining.then_some("draining"),
                                        is_selected(&p.selected, &rs.key).then_some("sel"))}
                                    data-obj={obj_attr(&rs.key)}>
                                    <div class="rs-head">
                                        <span class="rs-name">{ &*rs.key.name }</span>
                                        { rs.revision.map(|r| html! { <span class="rs-rev">{ format!("rev {r}") }</span> }).unwrap_or_default() }
                                        <span class="rs-image" title="image">{ rs.images.join(", ") }</span>
                                        <span class="rs-bar" title="ready / desired"><span class="rs-fill" style={format!("transform:scaleX({})", fraction(rs.ready, rs.desired))}></span></span>
                                        <span class="rs-count">{ format!("{}/{}", rs.ready, rs.desired) }</span>
                                    </div>
                                    { pods_of(&rs.pods) }
                                </div>
                            }
                        }) }
                        if w.replica_sets.is_empty() && kind == "Deployment" {
                            <div class="rs-older muted">{ "no ReplicaSet yet" }</div>
                        }
                        if old_hidden > 0 {
                            <div class="rs-older muted">{ format!("{old_hidden} older revision{} scaled to 0", if old_hidden == 1 { "" } else { "s" }) }</div>
                        }
                    </div>
                }
            }) }
        }
    };
    html! {
        <section class="panel workloads" aria-label="Workloads">
            <h3>{ "Workloads" }</h3>
            { body }
        </section>
    }
}

/// Ingress rules → Services → endpoints, with per-pod hit counters.
#[derive(Properties, PartialEq)]
struct NetworkProps {
    handle: Handle,
    snap: SnapRef,
    selected: Option<ObjectKey>,
}

#[function_component(NetworkView)]
fn network_view(p: &NetworkProps) -> Html {
    let _tick = use_context::<TrafficTick>();
    let snap = &p.snap.0;
    let cluster = p.handle.cluster.borrow();
    let hits_of = cluster.pod_hits();
    let services: Vec<&crate::model::ServiceView> = snap
        .services
        .iter()
        .filter(|s| !(s.key.namespace.as_ref() == "default" && s.key.name.as_ref() == "kubernetes"))
        .collect();
    if services.is_empty() && snap.routes.is_empty() {
        return html! {
            <section class="panel network" aria-label="Network">
                <h3>{ "Network" }</h3>
                <div class="empty muted">{ "No Services or Ingresses yet. The seed app (Examples) adds both." }</div>
            </section>
        };
    }
    let row = |svc_ns: &str, svc_name: &str, svc: Option<&crate::model::ServiceView>| -> Html {
        let id = format!("{svc_ns}/{svc_name}");
        let routes = snap
            .routes
            .iter()
            .filter(|r| &*r.ingress.namespace == svc_ns && &*r.service == svc_name);
        let eps = match svc {
            Some(s) if s.ready.is_empty() && s.not_ready.is_empty() => html! {
                <span class="no-eps">{ if s.has_selector { "no ready endpoints" } else { "no selector" } }</span>
            },
            Some(s) => html! {
                { for s.ready.iter().map(|&i| (i, true)).chain(s.not_ready.iter().map(|&i| (i, false))).map(|(i, ready)| {
                    let pod = &snap.pods[i];
                    let name = format!("{}/{}", pod.key.namespace, pod.key.name);
                    let hits = hits_of.get(name.as_str()).copied().unwrap_or(0);
                    html! {
                        <span key={&*pod.uid} class={classes!("ep", (!ready).then_some("notready"), is_selected(&p.selected, &pod.key).then_some("sel"))}
                            data-ep={name.clone()} data-obj={obj_attr(&pod.key)}
                            title={format!("{}{}\n{} requests", pod.key.name, if ready { "" } else { " (not ready)" }, hits)}>
                            <span class={classes!("pod", "mini", pod.state.class())}></span>
                            <span class="ep-name">{ short_pod_name(&pod.key.name) }</span>
                            if hits > 0 {
                                <b class="hits">{ hits }</b>
                            }
                        </span>
                    }
                }) }
            },
            None => html! { <span class="no-eps bad">{ "service not found" }</span> },
        };
        let svc_html = match svc {
            Some(s) => html! {
                <div class={classes!("net-svc", is_selected(&p.selected, &s.key).then_some("sel"))} data-svc={id.clone()} data-obj={obj_attr(&s.key)}
                    title={format!("{} {} {}", s.service_type, s.cluster_ip, s.ports)}>
                    <span class="net-kind">{ "svc" }</span>
                    <b>{ svc_name }</b>
                    <span class="muted">{ format!("{} · {}", s.service_type, s.ports) }</span>
                </div>
            },
            None => html! {
                <div class="net-svc missing" data-svc={id.clone()}>
                    <span class="net-kind">{ "svc" }</span><b>{ svc_name }</b>
                </div>
            },
        };
        html! {
            <div class="net-row" key={id.clone()} data-svc-row={id.clone()}>
                <div class="net-in">
                    { for routes.map(|r| html! {
                        <span class="route" data-ing={format!("{}/{}", r.ingress.namespace, r.ingress.name)}
                            data-obj={obj_attr(&r.ingress)} title={format!("Ingress {} → {}:{}", r.ingress.name, r.service, r.port)}>
                            <span class="net-kind">{ "ing" }</span>
                            { format!("{}{}", r.host, r.path) }
                        </span>
                    }) }
                </div>
                <span class="net-arrow" aria-hidden="true"></span>
                { svc_html }
                <span class="net-arrow" aria-hidden="true"></span>
                <div class="net-eps">{ eps }</div>
            </div>
        }
    };
    let mut rows: Vec<Html> = services
        .iter()
        .map(|s| row(&s.key.namespace, &s.key.name, Some(s)))
        .collect();
    // Rules whose Service does not exist.
    for r in &snap.routes {
        let exists = services
            .iter()
            .any(|s| s.key.namespace == r.ingress.namespace && s.key.name == r.service);
        if !exists {
            rows.push(row(&r.ingress.namespace, &r.service, None));
        }
    }
    html! {
        <section class="panel network" aria-label="Network">
            <h3>{ "Network" }<span class="muted">{ " ingress → service → ready endpoints" }</span>
                <span class="net-entry" data-lb={kubeplay_engine::network::INGRESS_CONTROLLER_IP}
                    title="Requests from curl (172.18.0.1) arrive at the ingress controller's load-balancer address, on a node">
                    { format!("client → {}", kubeplay_engine::network::INGRESS_CONTROLLER_IP) }
                </span>
            </h3>
            <div class="net-rows">{ for rows }</div>
        </section>
    }
}

/// The pod name without its ReplicaSet prefix hash, for small chips (`…-x7k2p`).
fn short_pod_name(name: &str) -> String {
    match name.rsplit_once('-') {
        Some((_, suffix)) if name.len() > 18 => format!("…-{suffix}"),
        _ => name.to_string(),
    }
}

/// The animation layer: pods flying to their node, requests travelling.
#[derive(Properties, PartialEq)]
struct FxLayerProps {
    handle: Handle,
}

#[function_component(FxLayer)]
fn fx_layer(p: &FxLayerProps) -> Html {
    let _tick = use_context::<FxTick>();
    let fx = p.handle.fx.borrow();
    html! {
        <div class="fx" aria-hidden="true">
            { for fx.flights.iter().filter_map(|f| {
                let [x0, y0, x1, y1] = f.geometry?;
                // An arc over the straight line, so the pod is seen to travel.
                let (cx, cy) = ((x0 + x1) / 2, y0.min(y1) - 40);
                Some(html! {
                    <span key={f.id} class="flight"
                        style={format!("offset-path:path('M {x0} {y0} Q {cx} {cy} {x1} {y1}')")}></span>
                })
            }) }
            { for fx.dots.iter().filter_map(|d| {
                let path = d.path.as_ref()?;
                let class = match d.status {
                    200..=399 => "ok",
                    400..=499 => "client",
                    _ => "fail",
                };
                Some(html! {
                    <span key={d.id} class={classes!("dot", class)}
                        style={format!("offset-path:path('{path}');animation-duration:{}ms", d.duration)}></span>
                })
            }) }
        </div>
    }
}

/// The words of `add node` from the form's fields: name, CPU, memory,
/// pods, then labels (`k=v, …`) and taints (`k=v:Effect, …`).
pub fn add_node_line(fields: &[String; 6]) -> String {
    let mut w = vec![
        "add".to_string(),
        "node".into(),
        fields[0].trim().to_string(),
    ];
    for (flag, v) in [
        ("--cpu", &fields[1]),
        ("--memory", &fields[2]),
        ("--pods", &fields[3]),
    ] {
        if !v.trim().is_empty() {
            w.push(flag.into());
            w.push(v.trim().into());
        }
    }
    for (flag, list) in [("--label", &fields[4]), ("--taint", &fields[5])] {
        for item in list.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            w.push(flag.into());
            w.push(item.into());
        }
    }
    crate::session::join_words(&w)
}

#[derive(Properties, PartialEq)]
struct AddNodeProps {
    handle: Handle,
}

/// "Add node": a form for `add node NAME --cpu … --label … --taint …`.
#[function_component(AddNode)]
fn add_node(p: &AddNodeProps) -> Html {
    let open = use_state(|| false);
    let error = use_state(String::new);
    let form = use_node_ref();
    if !*open {
        let show = {
            let open = open.clone();
            Callback::from(move |_: MouseEvent| open.set(true))
        };
        return html! {
            <button class="node-card add-node" onclick={show} title="Add a worker node (the script's add node)">{ "+ Add node" }</button>
        };
    }
    let free = {
        let c = p.handle.cluster.borrow();
        let nodes = by_kind("Node").expect("served");
        (1..)
            .map(|i| format!("node-{i}"))
            .find(|n| c.store().get_named(nodes, "", n).is_none())
            .unwrap_or_default()
    };
    let submit = {
        let handle = p.handle.clone();
        let open = open.clone();
        let error = error.clone();
        let form = form.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(f) = form.cast::<web_sys::Element>() else {
                return;
            };
            let inputs = f.get_elements_by_tag_name("input");
            let fields: [String; 6] = std::array::from_fn(|i| {
                inputs
                    .item(i as u32)
                    .and_then(|el| {
                        wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlInputElement>(el).ok()
                    })
                    .map(|el| el.value())
                    .unwrap_or_default()
            });
            let out = handle.run(&add_node_line(&fields));
            let text = format!("{}{}", out.stdout, out.stderr);
            if out.exit_code == 0 && text.is_empty() {
                open.set(false);
                error.set(String::new());
            } else {
                error.set(text.trim().to_string());
            }
        })
    };
    let cancel = {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| open.set(false))
    };
    let field = |label: &'static str, value: String, hint: &'static str| {
        html! { <label><span>{ label }</span><input type="text" {value} placeholder={hint} spellcheck="false" /></label> }
    };
    html! {
        <form class="node-card add-node-form" ref={form} onsubmit={submit}>
            <b>{ "Add a worker node" }</b>
            { field("Name", free, "node-4") }
            { field("CPU", "4".into(), "4") }
            { field("Memory", "8Gi".into(), "8Gi") }
            { field("Pods", "110".into(), "110") }
            { field("Labels", String::new(), "disktype=ssd, zone=a") }
            { field("Taints", String::new(), "dedicated=cache:NoSchedule") }
            if !error.is_empty() {
                <p class="err">{ (*error).clone() }</p>
            }
            <div class="form-bar">
                <button class="btn primary small" type="submit">{ "Add node" }</button>
                <button class="btn small" type="button" onclick={cancel}>{ "Cancel" }</button>
            </div>
        </form>
    }
}

/// The cluster view's inputs.
#[derive(Properties, PartialEq)]
pub struct ClusterViewProps {
    /// The playground.
    pub handle: Handle,
    /// The cluster's version (the view rebuilds when it changes).
    pub version: u64,
    /// The object open in the Inspector.
    pub selected: Option<ObjectKey>,
    /// Opens an object in the Inspector.
    pub on_select: Callback<ObjectKey>,
    /// The user's choice of pods one by one or per node.
    pub individual: Option<bool>,
    /// Changes that choice.
    pub on_individual: Callback<Option<bool>>,
}

/// The cluster view.
#[function_component(ClusterView)]
pub fn cluster_view(p: &ClusterViewProps) -> Html {
    // kubeadm's add-ons are left out unless asked for, as `kubectl get
    // pods` leaves kube-system out.
    let show_system = use_state(|| false);
    let snap = {
        let handle = p.handle.clone();
        use_memo((p.version, *show_system), move |&(_, include_system)| {
            let cluster = handle.cluster.borrow();
            SnapRef(Rc::new(Snapshot::build_cached(
                &cluster,
                &mut handle.pods.borrow_mut(),
                include_system,
            )))
        })
    };
    let toggle_system = {
        let show_system = show_system.clone();
        Callback::from(move |_: MouseEvent| show_system.set(!*show_system))
    };
    let snap: SnapRef = (*snap).clone();
    let s = &snap.0;
    let auto = s.pod_count() <= INDIVIDUAL_LIMIT;
    let individual = p.individual.unwrap_or(auto);
    let onclick = {
        let on_select = p.on_select.clone();
        let handle = p.handle.clone();
        Callback::from(move |e: MouseEvent| {
            // A card's quick action runs its command (recorded like a console line).
            if let Some(cmd) = crate::dom::closest_attr(e.target(), "data-cmd") {
                handle.run(&cmd);
            }
            if let Some(key) = crate::dom::closest_obj(e.target()).and_then(|a| parse_obj(&a)) {
                on_select.emit(key);
            }
        })
    };
    let set_individual = {
        let cb = p.on_individual.clone();
        Callback::from(move |v: bool| cb.emit(Some(v)))
    };
    let now = crate::dom::now();
    let fx = p.handle.fx.borrow();
    let workers = s
        .nodes
        .iter()
        .skip_while(|n| n.control_plane)
        .chain(s.nodes.iter().filter(|n| n.control_plane).skip(1));
    let worker_cards: Vec<Html> = workers
        .map(|n| worker_card(s, n, individual, &p.selected, &fx, now))
        .collect();
    drop(fx);
    let legend = PodState::ALL.iter().filter(|st| s.counts[st.index()] > 0).map(|st| {
        html! {
            <li title={st.label()}><span class={classes!("pod", "mini", st.class())}></span>
                <span class="legend-label">{ st.label() }</span><b>{ s.counts[st.index()] }</b></li>
        }
    });
    let one = set_individual.reform(|_: MouseEvent| true);
    let agg = set_individual.reform(|_: MouseEvent| false);
    html! {
        <section class="pane cluster" aria-label="Cluster" {onclick}>
            <div class="cv-toolbar">
                <h2>{ "Cluster" }</h2>
                <span class="muted">{ format!("{} nodes · {} pods", s.nodes.len(), s.pod_count()) }</span>
                <ul class="legend">{ for legend }</ul>
                <button class={classes!("btn", "small", "sys-toggle", show_system.then_some("on"))} onclick={toggle_system}
                    aria-pressed={show_system.to_string()}
                    title="Also draw kube-system's pods and workloads (CoreDNS, kube-proxy, metrics-server, the control plane's static pods)">{ "kube-system" }</button>
                <div class="seg-ctl" role="group" aria-label="Draw pods">
                    <button class={classes!("btn", "small", individual.then_some("on"))} onclick={one}
                        aria-pressed={individual.to_string()} title="One shape per pod">{ "Pods" }</button>
                    <button class={classes!("btn", "small", (!individual).then_some("on"))} onclick={agg}
                        aria-pressed={(!individual).to_string()} title="Counts per node (for large clusters)">{ "Per node" }</button>
                </div>
            </div>
            <div class="cv-scroll">
                <div class="cv-content">
                    <ControlPlaneCard handle={p.handle.clone()} snap={snap.clone()} {individual} selected={p.selected.clone()} />
                    <div class="nodes">{ for worker_cards }<AddNode handle={p.handle.clone()} /></div>
                    <div class="lower">
                        <Workloads snap={snap.clone()} {individual} selected={p.selected.clone()} />
                        <NetworkView handle={p.handle.clone()} snap={snap.clone()} selected={p.selected.clone()} />
                    </div>
                    <FxLayer handle={p.handle.clone()} />
                </div>
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_add_node_form_writes_the_script_line() {
        let f = |v: [&str; 6]| add_node_line(&v.map(String::from));
        assert_eq!(
            f([
                "node-4",
                "8",
                "16Gi",
                "",
                "disktype=ssd, zone=a",
                "dedicated=cache:NoSchedule"
            ]),
            "add node node-4 --cpu 8 --memory 16Gi --label disktype=ssd --label zone=a --taint dedicated=cache:NoSchedule"
        );
        let mut c = kubeplay_engine::Cluster::new(1);
        let (out, ok) =
            crate::state::run_command(&mut c, &f(["big", "16", "", "", "", "gpu:NoExecute"]), &[]);
        assert!(ok && out.stdout.is_empty(), "{out:?}");
        assert_eq!(c.nodes().len(), 5);
    }

    #[test]
    fn object_attributes_round_trip() {
        let key = ObjectKey::new(by_kind("Pod").unwrap(), "default", "web-1");
        assert_eq!(obj_attr(&key), "Pod/default/web-1");
        assert_eq!(parse_obj("Pod/default/web-1"), Some(key));
        let node = parse_obj("Node//node-1").unwrap();
        assert_eq!((&*node.namespace, &*node.name), ("", "node-1"));
        assert_eq!(parse_obj("Nope/x/y"), None);
        assert_eq!(
            short_pod_name("snacker-deployment-7d9f8c6b5-x7k2p"),
            "…-x7k2p"
        );
        assert_eq!(short_pod_name("web-1"), "web-1");
    }
}
