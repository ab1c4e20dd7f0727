//! The Traffic tab: send a request or run the engine's traffic generator,
//! and watch status counts, latency and how requests spread over pods.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::markup::Markup;
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

/// The statistics, the spread over pods and the request log, as HTML
/// (display only, rewritten many times a second while traffic flows).
fn stats_html(v: &crate::traffic::TrafficView) -> Html {
    let mut m = Markup::new();
    let stat = |m: &mut Markup, class: &str, big: &str, small: &str| {
        m.open("div", class)
            .el("b", "", big)
            .el("span", "", small)
            .close("div");
    };
    m.open("div", "traffic-stats");
    stat(&mut m, "stat", &v.sent.to_string(), "sent");
    for (&s, n) in &v.by_status {
        // Counted by u64 key (one map type fewer in the bundle); statuses are u16.
        let s = s as u16;
        let label = if s == 0 {
            "failed".to_string()
        } else {
            format!("{s} {}", kubeplay_engine::http::reason_phrase(s))
        };
        stat(
            &mut m,
            &format!("stat {}", status_class(s)),
            &n.to_string(),
            &label,
        );
    }
    if let Some((avg, p50, p95)) = v.latency {
        stat(
            &mut m,
            "stat",
            &format!("{avg} / {p50} / {p95} ms"),
            "latency avg / p50 / p95",
        );
    }
    if let Some((rate, sent, p50, p95)) = v.generator {
        stat(
            &mut m,
            "stat gen",
            &format!("{rate}/s · {sent} sent"),
            &format!(
                "generator · p50 {} ms · p95 {} ms",
                p50.unwrap_or(0),
                p95.unwrap_or(0)
            ),
        );
    }
    m.close("div")
        .open("div", "traffic-cols")
        .open("div", "dist");
    m.el("h4", "", "Per pod");
    if v.per_pod.is_empty() {
        m.el("p", "muted", "No pod has answered yet.");
    }
    let max = v.per_pod.values().copied().max().unwrap_or(0).max(1);
    for (pod, n) in &v.per_pod {
        m.open_with(
            "div",
            &[("class", "dist-row"), ("title", &format!("{pod}: {n}"))],
        );
        m.el("span", "dist-name", pod.rsplit('/').next().unwrap_or(pod));
        m.open("span", "dist-bar");
        let width = format!(
            "transform:scaleX({})",
            crate::model::fraction(*n as i64, max as i64)
        );
        m.open_with("span", &[("style", &width)])
            .close("span")
            .close("span");
        m.el("span", "dist-n", &n.to_string()).close("div");
    }
    m.close("div").open("div", "tlog").el("h4", "", "Latest");
    if v.log.is_empty() {
        m.el(
            "p",
            "muted",
            "Send a request: it goes through the ingress controller and the Service to a ready pod.",
        );
    }
    m.open("ul", "");
    for r in v.log.iter().rev() {
        m.open("li", status_class(r.status));
        m.el("span", "t-at", &clock_text(r.at));
        let status = if r.status == 0 {
            "---".to_string()
        } else {
            r.status.to_string()
        };
        m.el("span", "t-status", &status);
        m.el("span", "t-lat", &format!("{} ms", r.latency_ms));
        m.el("span", "t-pod", answered_by(&r.hops).unwrap_or(""));
        m.el("span", "t-body", &r.url).close("li");
    }
    m.close("ul").close("div").close("div");
    m.into_html()
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
            { stats_html(&v) }
        </div>
    }
}
