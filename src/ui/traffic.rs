//! The Traffic tab: send a request or run a generator, and watch status
//! counts, latency and how requests spread over pods.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::model::clock_text;
use crate::state::Handle;
use crate::ui::icons;

/// The Traffic tab's inputs.
#[derive(Properties, PartialEq)]
pub struct TrafficProps {
    /// The playground.
    pub handle: Handle,
    /// Bumped when the statistics change.
    pub traffic_gen: u64,
}

fn status_class(status: u16) -> &'static str {
    match status {
        200..=399 => "ok",
        400..=499 => "client",
        _ => "fail",
    }
}

/// The Traffic tab.
#[function_component(TrafficPanel)]
pub fn traffic_panel(p: &TrafficProps) -> Html {
    let update = use_force_update();
    let handle = p.handle.clone();
    // The rate as typed ("" or "2." while typing), kept apart from the model
    // so re-renders do not rewrite the field.
    let rate_text = use_state(|| handle.traffic.borrow().rate.to_string());
    let set_url = {
        let handle = handle.clone();
        Callback::from(move |e: InputEvent| {
            handle.traffic.borrow_mut().url = e.target_unchecked_into::<HtmlInputElement>().value();
        })
    };
    let set_host = {
        let handle = handle.clone();
        Callback::from(move |e: InputEvent| {
            handle.traffic.borrow_mut().host_header =
                e.target_unchecked_into::<HtmlInputElement>().value();
        })
    };
    let set_rate = {
        let handle = handle.clone();
        let rate_text = rate_text.clone();
        Callback::from(move |e: InputEvent| {
            let text = e.target_unchecked_into::<HtmlInputElement>().value();
            if let Ok(v) = text.trim().parse::<f64>() {
                handle.traffic.borrow_mut().rate = v.clamp(0.0, 1000.0);
            }
            rate_text.set(text);
        })
    };
    let send = {
        let handle = handle.clone();
        let update = update.clone();
        Callback::from(move |_: MouseEvent| {
            let mut cluster = handle.cluster.borrow_mut();
            handle.traffic.borrow_mut().send(&mut cluster);
            update.force_update();
        })
    };
    let toggle = {
        let handle = handle.clone();
        let update = update.clone();
        Callback::from(move |_: MouseEvent| {
            let mut t = handle.traffic.borrow_mut();
            let running = !t.running;
            t.set_running(running);
            drop(t);
            update.force_update();
        })
    };
    let clear = {
        let handle = handle.clone();
        let update = update.clone();
        Callback::from(move |_: MouseEvent| {
            handle.traffic.borrow_mut().reset();
            update.force_update();
        })
    };
    let t = handle.traffic.borrow();
    let max_hits = t.per_pod.values().copied().max().unwrap_or(0).max(1);
    let latency = t.latency();
    html! {
        <div class="traffic">
            <div class="traffic-form">
                <label class="grow">
                    <span>{ "URL" }</span>
                    <input class="url" type="text" value={t.url.clone()} oninput={set_url}
                        aria-label="URL" spellcheck="false" />
                </label>
                <label>
                    <span>{ "Host header" }</span>
                    <input class="host" type="text" value={t.host_header.clone()} oninput={set_host}
                        placeholder="(from the URL)" aria-label="Host header" spellcheck="false" />
                </label>
                <button class="btn primary send" onclick={send}>{ icons::send() }<span>{ "Send" }</span></button>
                <span class="sep"></span>
                <label>
                    <span>{ "Rate /s" }</span>
                    <input class="rate" type="number" min="0" max="1000" step="1" value={(*rate_text).clone()}
                        oninput={set_rate} aria-label="Requests per simulated second" />
                </label>
                <button class={classes!("btn", "generator", t.running.then_some("on"))} onclick={toggle}
                    aria-pressed={t.running.to_string()}>
                    { if t.running { "Stop generator" } else { "Start generator" } }
                </button>
                <button class="btn small" onclick={clear}>{ "Clear" }</button>
            </div>
            <div class="traffic-stats">
                <div class="stat"><b>{ t.sent }</b><span>{ "sent" }</span></div>
                { for t.by_status.iter().map(|(s, n)| html! {
                    <div class={classes!("stat", status_class(*s))}>
                        <b>{ n }</b>
                        <span>{ if *s == 0 { "failed".to_string() } else { format!("{s} {}", kubeplay_engine::http::reason_phrase(*s)) } }</span>
                    </div>
                }) }
                { latency.map(|(avg, p50, p95)| html! {
                    <div class="stat"><b>{ format!("{avg} / {p50} / {p95} ms") }</b><span>{ "latency avg / p50 / p95" }</span></div>
                }).unwrap_or_default() }
            </div>
            <div class="traffic-cols">
                <div class="dist">
                    <h4>{ "Per pod" }</h4>
                    if t.per_pod.is_empty() {
                        <p class="muted">{ "No pod has answered yet." }</p>
                    }
                    { for t.per_pod.iter().map(|(pod, n)| html! {
                        <div class="dist-row" title={format!("{pod}: {n}")}>
                            <span class="dist-name">{ pod.rsplit('/').next().unwrap_or(pod) }</span>
                            <span class="dist-bar"><span style={format!("transform:scaleX({})", crate::model::fraction(*n as i64, max_hits as i64))}></span></span>
                            <span class="dist-n">{ n }</span>
                        </div>
                    }) }
                </div>
                <div class="tlog">
                    <h4>{ "Latest" }</h4>
                    if t.log.is_empty() {
                        <p class="muted">{ "Send a request: it goes through the ingress controller and the Service to a ready pod." }</p>
                    }
                    <ul>
                        { for t.log.iter().rev().map(|l| html! {
                            <li class={status_class(l.status)}>
                                <span class="t-at">{ clock_text(l.at) }</span>
                                <span class="t-status">{ if l.status == 0 { "---".to_string() } else { l.status.to_string() } }</span>
                                <span class="t-lat">{ format!("{} ms", l.latency_ms) }</span>
                                <span class="t-pod">{ l.pod.clone().unwrap_or_default() }</span>
                                <span class="t-body">{ &l.body }</span>
                            </li>
                        }) }
                    </ul>
                </div>
            </div>
        </div>
    }
}
