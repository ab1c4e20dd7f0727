//! The Traffic tab: send a request or run the engine's traffic generator,
//! and watch status counts, latency and how requests spread over pods.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::model::clock_text;
use crate::state::Handle;
use crate::traffic::{answered_by, running_generator};
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
    // The rate as typed ("" or "2" while typing), kept apart from the model
    // so re-renders do not rewrite the field.
    let rate_text = use_state(|| handle.traffic.borrow().rate.to_string());
    // One setter for the three fields.
    let field = |set: fn(&mut crate::traffic::Traffic, String)| {
        let handle = handle.clone();
        Callback::from(move |e: InputEvent| {
            set(
                &mut handle.traffic.borrow_mut(),
                e.target_unchecked_into::<HtmlInputElement>().value(),
            )
        })
    };
    let set_url = field(|t, v| t.url = v);
    let set_host = field(|t, v| t.host_header = v);
    let set_rate = {
        let handle = handle.clone();
        let rate_text = rate_text.clone();
        Callback::from(move |e: InputEvent| {
            let text = e.target_unchecked_into::<HtmlInputElement>().value();
            if let Ok(v) = text.trim().parse::<u32>() {
                handle.traffic.borrow_mut().rate = v.clamp(1, 1000);
            }
            rate_text.set(text);
        })
    };
    let running = running_generator(&handle.cluster.borrow()).is_some();
    // Every button runs a command line (recorded in the session) or clears.
    let act = |what: u8| {
        let handle = handle.clone();
        let update = update.clone();
        Callback::from(move |_: MouseEvent| {
            let line = {
                let t = handle.traffic.borrow();
                match what {
                    0 => t.curl_line(),
                    1 if running => "traffic stop".to_string(),
                    1 => t.start_line(),
                    _ => String::new(),
                }
            };
            if line.is_empty() {
                let c = handle.cluster.borrow();
                handle.traffic.borrow_mut().clear(&c);
            } else {
                handle.run(&line);
            }
            update.force_update();
        })
    };
    let t = handle.traffic.borrow();
    let v = t.view(&handle.cluster.borrow());
    let max_hits = v.per_pod.values().copied().max().unwrap_or(0).max(1);
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
                <button class="btn primary send" onclick={act(0)}>{ icons::send() }<span>{ "Send" }</span></button>
                <span class="sep"></span>
                <label>
                    <span>{ "Rate /s" }</span>
                    <input class="rate" type="number" min="1" max="1000" step="1" value={(*rate_text).clone()}
                        oninput={set_rate} aria-label="Requests per simulated second" />
                </label>
                <button class={classes!("btn", "generator", running.then_some("on"))} onclick={act(1)}
                    aria-pressed={running.to_string()}>
                    { if running { "Stop generator" } else { "Start generator" } }
                </button>
                <button class="btn small" onclick={act(2)}>{ "Clear" }</button>
            </div>
            <div class="traffic-stats">
                <div class="stat"><b>{ v.sent }</b><span>{ "sent" }</span></div>
                { for v.by_status.iter().map(|(s, n)| html! {
                    <div class={classes!("stat", status_class(*s))}>
                        <b>{ n }</b>
                        <span>{ if *s == 0 { "failed".to_string() } else { format!("{s} {}", kubeplay_engine::http::reason_phrase(*s)) } }</span>
                    </div>
                }) }
                { v.latency.map(|(avg, p50, p95)| html! {
                    <div class="stat"><b>{ format!("{avg} / {p50} / {p95} ms") }</b><span>{ "latency avg / p50 / p95" }</span></div>
                }).unwrap_or_default() }
                { v.generator.map(|(rate, sent, p50, p95)| html! {
                    <div class="stat gen"><b>{ format!("{rate}/s · {sent} sent") }</b>
                        <span>{ format!("generator · p50 {} ms · p95 {} ms", p50.unwrap_or(0), p95.unwrap_or(0)) }</span></div>
                }).unwrap_or_default() }
            </div>
            <div class="traffic-cols">
                <div class="dist">
                    <h4>{ "Per pod" }</h4>
                    if v.per_pod.is_empty() {
                        <p class="muted">{ "No pod has answered yet." }</p>
                    }
                    { for v.per_pod.iter().map(|(pod, n)| html! {
                        <div class="dist-row" title={format!("{pod}: {n}")}>
                            <span class="dist-name">{ pod.rsplit('/').next().unwrap_or(pod) }</span>
                            <span class="dist-bar"><span style={format!("transform:scaleX({})", crate::model::fraction(*n as i64, max_hits as i64))}></span></span>
                            <span class="dist-n">{ n }</span>
                        </div>
                    }) }
                </div>
                <div class="tlog">
                    <h4>{ "Latest" }</h4>
                    if v.log.is_empty() {
                        <p class="muted">{ "Send a request: it goes through the ingress controller and the Service to a ready pod." }</p>
                    }
                    <ul>
                        { for v.log.iter().rev().map(|r| html! {
                            <li class={status_class(r.status)}>
                                <span class="t-at">{ clock_text(r.at) }</span>
                                <span class="t-status">{ if r.status == 0 { "---".to_string() } else { r.status.to_string() } }</span>
                                <span class="t-lat">{ format!("{} ms", r.latency_ms) }</span>
                                <span class="t-pod">{ answered_by(&r.hops).unwrap_or("").to_string() }</span>
                                <span class="t-body">{ &r.url }</span>
                            </li>
                        }) }
                    </ul>
                </div>
            </div>
        </div>
    }
}
