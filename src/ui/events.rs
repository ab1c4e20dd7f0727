//! The Events tab: what the components reported, newest first, in
//! `kubectl get events`' columns.

use kubeplay_engine::api::registry::by_kind;
use kubeplay_engine::events::{EventRecord, EventType};
use kubeplay_engine::sort::CompactSort;
use yew::prelude::*;

use crate::markup::Markup;
use crate::model::human_duration;
use crate::state::Handle;

/// Rows kept in the page.
const MAX_ROWS: usize = 300;

/// The Events tab's inputs.
#[derive(Properties, PartialEq)]
pub struct EventsProps {
    /// The playground.
    pub handle: Handle,
    /// The cluster's version.
    pub version: u64,
    /// Simulated seconds (LAST SEEN moves with it).
    pub now_s: u64,
}

/// The table, newest first (as HTML: it can hold hundreds of rows).
fn table(rows: &[&EventRecord], now: u64) -> Html {
    let mut m = Markup::new();
    m.open("table", "table");
    // As `kubectl get events -A` prints them (a cluster-scoped object's
    // events live in `default`).
    m.head(&[
        "NAMESPACE",
        "LAST SEEN",
        "TYPE",
        "REASON",
        "OBJECT",
        "MESSAGE",
    ]);
    m.open("tbody", "");
    for r in rows {
        let kind = &*r.involved.kind;
        let target = format!(
            "{}/{}",
            kubeplay_engine::casemap::to_lower(kind),
            r.involved.name
        );
        let warn = r.event_type == EventType::Warning;
        m.open("tr", if warn { "warn" } else { "" });
        let namespace = match &*r.involved.namespace {
            "" => "default",
            ns => ns,
        };
        m.el("td", "ev-ns", namespace);
        m.open("td", "ev-age")
            .text(&human_duration(now.saturating_sub(r.last)));
        if r.count > 1 {
            m.el("span", "ev-count", &format!(" ×{}", r.count));
        }
        m.close("td");
        m.el("td", "ev-type", r.event_type.as_str());
        m.el("td", "ev-reason", &r.reason);
        m.open("td", "ev-object");
        if by_kind(kind).is_some() {
            let obj = format!("{kind}/{}/{}", r.involved.namespace, r.involved.name);
            m.link(&obj, &target);
        } else {
            m.text(&target);
        }
        m.close("td");
        m.el("td", "ev-message", r.message.trim());
        m.close("tr");
    }
    m.close("tbody").close("table");
    m.into_html()
}

/// The Events tab.
#[function_component(EventsPanel)]
pub fn events_panel(p: &EventsProps) -> Html {
    let warnings_only = use_state(|| false);
    let cluster = p.handle.cluster.borrow();
    let now = cluster.now_ms();
    let all = cluster.events().records();
    let warning_count = all
        .iter()
        .filter(|r| r.event_type == EventType::Warning)
        .count();
    let mut rows: Vec<&EventRecord> = all
        .iter()
        .filter(|r| !*warnings_only || r.event_type == EventType::Warning)
        .collect();
    rows.compact_sort_by_key(|r| std::cmp::Reverse(r.last));
    rows.truncate(MAX_ROWS);
    let toggle = {
        let w = warnings_only.clone();
        Callback::from(move |_: MouseEvent| w.set(!*w))
    };
    html! {
        <div class="events">
            <div class="panel-tools">
                <span class="muted">{ format!("{} events · {} warnings", all.len(), warning_count) }</span>
                <button class={classes!("btn", "small", warnings_only.then_some("on"))} onclick={toggle}
                    aria-pressed={warnings_only.to_string()}>{ "Warnings only" }</button>
            </div>
            if rows.is_empty() {
                <p class="empty muted">{ "No events yet. Components record Events as they act: Scheduled, Pulling, Started, ScalingReplicaSet, FailedScheduling…" }</p>
            } else {
                { table(&rows, now) }
            }
        </div>
    }
}
