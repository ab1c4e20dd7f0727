//! The root component: owns the engine (`Rc<RefCell<Cluster>>`), drives
//! simulated time from requestAnimationFrame, lays out the editor, the
//! cluster view and the bottom panel with resizable splits (or one pane at
//! a time when embedded), and keeps the workspace: restored from
//! localStorage or a shared link at start, saved as it changes.

use std::rc::Rc;

use kubeplay_engine::apiserver::manifest::ManifestVerb;
use kubeplay_engine::events::EventType;
use kubeplay_engine::store::ObjectKey;
use yew::prelude::*;

use crate::dom::{self, FrameLoop};
use crate::session::{MAX_WORKSPACE_BYTES, Workspace};
use crate::state::{
    Action, AppState, BottomTab, Files, Handle, LineMark, SPEED_1X, SPEEDS, Severity, Theme,
    outcome_report,
};
use crate::ui::cluster_view::{Clock, ClusterView, FxTick, TrafficTick, parse_obj};
use crate::ui::console::Console;
use crate::ui::editor::Editor;
use crate::ui::events::EventsPanel;
use crate::ui::inspector::Inspector;
use crate::ui::topbar::TopBar;
use crate::ui::traffic::TrafficPanel;

/// The seed a fresh playground starts from.
const DEFAULT_SEED: u64 = 1;
/// Longest wall-clock gap one frame turns into simulated time (ms): a
/// background tab or a slow frame must not jump the cluster ahead.
const MAX_FRAME_MS: f64 = 100.0;
/// Above this many pods the live check does not copy the cluster.
const LIVE_CHECK_MAX_PODS: usize = 20_000;
/// localStorage key of the workspace.
pub const WORKSPACE_KEY: &str = "kubeplay.workspace";
/// Where a workspace that could not be restored is set aside.
pub const BROKEN_KEY: &str = "kubeplay.workspace.broken";

/// The bottom panel's tabs, and the embed's.
const PANEL_TABS: &[BottomTab] = &[
    BottomTab::Console,
    BottomTab::Events,
    BottomTab::Inspector,
    BottomTab::Traffic,
];
const EMBED_TABS: &[BottomTab] = &[
    BottomTab::Editor,
    BottomTab::Cluster,
    BottomTab::Console,
    BottomTab::Events,
    BottomTab::Inspector,
    BottomTab::Traffic,
];

/// What the page's URL asks for: `?seed=7&speed=16&paused=1&bench=300`,
/// and for embedding `?embed&example=seed-app&view=cluster&controls=0&apply=1`.
struct Boot {
    seed: Option<u64>,
    speed: usize,
    paused: Option<bool>,
    bench: Option<usize>,
    embed: bool,
    view: BottomTab,
    example: Option<&'static crate::examples::Example>,
    apply: bool,
    controls: bool,
}

impl Boot {
    fn read() -> Boot {
        let speed = dom::query_param("speed")
            .and_then(|s| kubeplay_engine::num::parse_f64(&s))
            .and_then(|s| SPEEDS.iter().position(|x| *x == s))
            .unwrap_or(SPEED_1X);
        let view = match dom::query_param("view").as_deref() {
            Some("editor") => BottomTab::Editor,
            Some("console") => BottomTab::Console,
            Some("events") => BottomTab::Events,
            Some("traffic") => BottomTab::Traffic,
            _ => BottomTab::Cluster,
        };
        let flag = |name: &str| dom::query_param(name).map(|p| p != "0");
        Boot {
            seed: dom::query_param("seed").and_then(|s| s.parse().ok()),
            speed,
            paused: flag("paused"),
            bench: dom::query_param("bench").and_then(|n| n.parse().ok()),
            embed: dom::query_param("embed").is_some(),
            view,
            example: dom::query_param("example")
                .and_then(|id| crate::examples::EXAMPLES.iter().find(|e| e.id == id)),
            apply: flag("apply").unwrap_or(false),
            controls: flag("controls").unwrap_or(true),
        }
    }
}

/// Builds the playground the URL and localStorage ask for; the notice says
/// what could not be restored, and the origin where the workspace came from.
fn start(boot: &Boot) -> (Handle, Option<String>, &'static str) {
    let handle = Handle::new(boot.seed.unwrap_or(DEFAULT_SEED), Files::initial());
    if let Some(n) = boot.bench {
        handle.recording.set(false);
        let bench = crate::bench::Bench::setup(&mut handle.cluster.borrow_mut(), n);
        *handle.bench.borrow_mut() = Some(bench);
        return (handle, None, "bench");
    }
    let mut notice = None;
    let mut origin = "fresh";
    handle.outbox.borrow_mut().push((
        "ready",
        vec![
            ("seed", handle.cluster.borrow().seed().to_string()),
            ("example", boot.example.map_or("", |e| e.id).to_string()),
        ],
    ));
    // An embedded playground starts from what its author gave, never from
    // the visitor's own saved workspace (nor does it overwrite it).
    if !boot.embed
        && boot.seed.is_none()
        && let Some(text) = dom::load(WORKSPACE_KEY)
    {
        match Workspace::decode(&text).and_then(|ws| handle.load(&ws)) {
            Ok(()) => origin = "restored",
            Err(why) => {
                dom::save(BROKEN_KEY, &text);
                notice = Some(format!(
                    "Your saved workspace could not be restored: {why}. A fresh playground started; the old data is kept in localStorage under {BROKEN_KEY}."
                ));
            }
        }
    }
    if let Some(ex) = boot.example {
        {
            let mut files = handle.files.borrow_mut();
            files.open(ex.file_name, ex.text);
            if files.list[0].name == "deployment.yaml"
                && ex.file_name != "deployment.yaml"
                && origin == "fresh"
            {
                files.close(0);
            }
        }
        if boot.apply {
            handle.run_manifest(ManifestVerb::Apply);
        }
        origin = "example";
    }
    (handle, notice, origin)
}

/// What the frame loop compares to know whether the cluster changed.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
struct Fingerprint {
    epoch: u64,
    resource_version: u64,
    activity: u64,
}

/// Advances time, runs due work and reports to the root, once per frame.
fn frame_loop(handle: Handle, dispatch: UseReducerDispatcher<AppState>, save: bool) -> FrameLoop {
    let mut last: Option<f64> = None;
    let mut carry = 0.0;
    let mut seen = Fingerprint::default();
    let mut version = 0u64;
    let mut shown_at = 0.0;
    let pod_resource = kubeplay_engine::api::registry::by_kind("Pod").expect("pods are served");
    let mut saved = String::new();
    let mut save_at = 0.0;
    let measure = handle.bench.borrow().is_some();
    let host = crate::embed::embedded();
    let mut watch = crate::embed::HostWatch::default();
    let mut epoch = 0;
    FrameLoop::start(move |t| {
        let started = if measure { dom::now() } else { 0.0 };
        let dt = last.map_or(0.0, |l| (t - l).clamp(0.0, MAX_FRAME_MS));
        last = Some(t);
        let mut cluster = handle.cluster.borrow_mut();
        if handle.playing.get() {
            carry += dt * handle.speed.get();
            let step = carry.floor();
            carry -= step;
            let step = step as u64;
            if step > 0 {
                if let Some(bench) = handle.bench.borrow_mut().as_mut() {
                    bench.tick(&mut cluster, step);
                }
                cluster.step(step);
            }
        }
        if cluster.store().has_events() {
            // Paused time still lets components react at this instant
            // (controllers, scheduler): only the clock is frozen.
            cluster.step(0);
        }
        // The editor's live check: a server-side dry run on a copy of the cluster.
        let due = {
            let mut files = handle.files.borrow_mut();
            let found = files
                .list
                .iter()
                .position(|f| f.check_at.is_some_and(|at| at <= t));
            found.map(|i| {
                files.list[i].check_at = None;
                (i, files.list[i].name.clone(), files.list[i].text.clone())
            })
        };
        if let Some((i, name, text)) = due {
            let marks = if text.trim().is_empty() {
                Vec::new()
            } else if cluster.store().count(pod_resource) > LIVE_CHECK_MAX_PODS {
                // Copying a huge cluster per pause in typing costs too much:
                // check the YAML syntax only (Apply still reports everything).
                kubeplay_engine::yaml::load_stream(&text)
                    .1
                    .map(|e| LineMark {
                        line: e.mark.line.max(1),
                        severity: Severity::Error,
                        message: e.message,
                    })
                    .into_iter()
                    .collect()
            } else {
                let mut copy = cluster.clone();
                outcome_report(&copy.run_manifest(&text, &name, ManifestVerb::Check)).1
            };
            let mut files = handle.files.borrow_mut();
            if let Some(f) = files.list.get_mut(i).filter(|f| f.text == text) {
                f.live_marks = marks;
                files.generation += 1;
            }
        }
        let mut fx = handle.fx.borrow_mut();
        fx.observe(&cluster, t);
        fx.observe_requests(&cluster, t);
        fx.expire(t);
        if handle.epoch.get() != epoch {
            // A new cluster: what the host hears starts from now.
            epoch = handle.epoch.get();
            watch = crate::embed::HostWatch::default();
            watch.observe(&cluster);
        }
        if host {
            let mut messages = std::mem::take(&mut *handle.outbox.borrow_mut());
            messages.extend(watch.observe(&cluster));
            if !messages.is_empty() {
                crate::embed::send(messages, cluster.now_ms());
            }
        } else {
            handle.outbox.borrow_mut().clear();
        }
        let now_ms = cluster.now_ms();
        let traffic_gen = crate::traffic::last_request_id(&cluster);
        let print = Fingerprint {
            epoch: handle.epoch.get(),
            resource_version: cluster.store().resource_version(),
            activity: cluster.activity_count(),
        };
        drop(cluster);
        if fx.needs_placing()
            && let Some(origin) = dom::query(".cv-content")
        {
            fx.place(|sel| dom::query(sel).map(|el| dom::centre_in(&el, &origin)));
        }
        let fx_gen = fx.generation;
        drop(fx);
        // Large clusters redraw at most every `pods / 10` ms (up to half a
        // second): CSS carries the motion in between.
        if print != seen {
            let pods = handle.cluster.borrow().store().count(pod_resource) as f64;
            let interval = if pods <= 300.0 {
                0.0
            } else {
                (pods / 10.0).min(500.0)
            };
            if t - shown_at >= interval || print.epoch != seen.epoch {
                seen = print;
                version += 1;
                shown_at = t;
            }
        }
        let files_gen = handle.files.borrow().generation;
        if save && t >= save_at {
            save_at = t + 1000.0;
            let text = handle.workspace().encode();
            if text != saved && text.len() <= MAX_WORKSPACE_BYTES {
                dom::save(WORKSPACE_KEY, &text);
                saved = text;
            }
        }
        dispatch.dispatch(Action::Frame {
            version,
            fx_gen,
            files_gen,
            traffic_gen,
            now_ms,
        });
        if measure {
            // The benchmark reads each frame's work (simulation and render).
            dom::record_frame_work(started);
        }
    })
}

/// The tabbed panel's inputs: the bottom panel, or the whole embed.
#[derive(Properties, PartialEq)]
struct PanelProps {
    handle: Handle,
    version: u64,
    now_s: u64,
    traffic_gen: u64,
    files_gen: u64,
    console_gen: u64,
    tab: BottomTab,
    tabs: &'static [BottomTab],
    selected: Option<ObjectKey>,
    individual: Option<bool>,
    on_tab: Callback<BottomTab>,
    on_select: Callback<ObjectKey>,
    on_individual: Callback<Option<bool>>,
    /// Extra controls at the end of the tab strip (the embed's time controls).
    #[prop_or_default]
    children: Html,
}

#[function_component(Panel)]
fn panel(p: &PanelProps) -> Html {
    let warnings = p
        .handle
        .cluster
        .borrow()
        .events()
        .records()
        .iter()
        .filter(|r| r.event_type == EventType::Warning)
        .count();
    let running = crate::traffic::running_generator(&p.handle.cluster.borrow()).is_some();
    let tab = |t: BottomTab| {
        let on = p.tab == t;
        let cb = p.on_tab.reform(move |_: MouseEvent| t);
        let (label, badge) = match t {
            BottomTab::Editor => ("Editor", None),
            BottomTab::Cluster => ("Cluster", None),
            BottomTab::Console => ("Console", None),
            BottomTab::Events => ("Events", (warnings > 0).then(|| warnings.to_string())),
            BottomTab::Inspector => ("Inspector", p.selected.as_ref().map(|k| k.name.to_string())),
            BottomTab::Traffic => ("Traffic", running.then(|| "live".to_string())),
        };
        html! {
            <button class={classes!("ptab", on.then_some("on"))} role="tab" aria-selected={on.to_string()} onclick={cb} data-tab={kubeplay_engine::casemap::to_lower(label)}>
                { label }
                { badge.map(|b| html! { <span class="badge">{ b }</span> }).unwrap_or_default() }
            </button>
        }
    };
    let onclick = {
        let on_select = p.on_select.clone();
        Callback::from(move |e: MouseEvent| {
            if let Some(key) = dom::closest_obj(e.target()).and_then(|a| parse_obj(&a)) {
                on_select.emit(key);
            }
        })
    };
    let h = p.handle.clone();
    let body = match p.tab {
        BottomTab::Editor => {
            // The Diff button shows its output in the console: only where
            // the console can be reached.
            let on_console = p
                .tabs
                .contains(&BottomTab::Console)
                .then(|| p.on_tab.reform(|()| BottomTab::Console));
            html! { <Editor handle={h} files_gen={p.files_gen} {on_console} /> }
        }
        BottomTab::Cluster => html! {
            <ClusterView handle={h} version={p.version} selected={p.selected.clone()}
                on_select={p.on_select.clone()} individual={p.individual} on_individual={p.on_individual.clone()} />
        },
        BottomTab::Console => html! { <Console handle={h} generation={p.console_gen} /> },
        BottomTab::Events => {
            html! { <EventsPanel handle={h} version={p.version} now_s={p.now_s} /> }
        }
        BottomTab::Inspector => html! {
            <Inspector handle={h} version={p.version} now_s={p.now_s} selected={p.selected.clone()} />
        },
        BottomTab::Traffic => html! { <TrafficPanel handle={h} traffic_gen={p.traffic_gen} /> },
    };
    // The editor and cluster view handle their own clicks.
    let delegated = !matches!(p.tab, BottomTab::Editor | BottomTab::Cluster);
    html! {
        <section class="pane panel-bottom" aria-label="Console, Events, Inspector and Traffic">
            <div class="ptabs" role="tablist">
                { for p.tabs.iter().map(|t| tab(*t)) }
                { p.children.clone() }
            </div>
            <div class="pbody" onclick={delegated.then_some(onclick)}>{ body }</div>
        </section>
    }
}

/// A drag handle between panes; `vertical` splits left/right.
#[derive(Properties, PartialEq)]
struct SplitProps {
    vertical: bool,
    value: f64,
    on_change: Callback<f64>,
}

#[function_component(Split)]
fn split(p: &SplitProps) -> Html {
    let dragging = use_mut_ref(|| false);
    let vertical = p.vertical;
    let size_at = move |x: f64, y: f64| {
        let w = dom::window();
        if vertical {
            x
        } else {
            let h = w
                .inner_height()
                .ok()
                .and_then(|v| v.as_f64())
                .unwrap_or(800.0);
            h - y
        }
    };
    let down = {
        let dragging = dragging.clone();
        Callback::from(move |e: PointerEvent| {
            e.prevent_default();
            *dragging.borrow_mut() = true;
            let el: web_sys::Element = e.target_unchecked_into();
            let _ = el.set_pointer_capture(e.pointer_id());
        })
    };
    let moved = {
        let dragging = dragging.clone();
        let cb = p.on_change.clone();
        Callback::from(move |e: PointerEvent| {
            if *dragging.borrow() {
                cb.emit(size_at(f64::from(e.client_x()), f64::from(e.client_y())));
            }
        })
    };
    let up = {
        let dragging = dragging.clone();
        Callback::from(move |_: PointerEvent| *dragging.borrow_mut() = false)
    };
    let key = {
        let cb = p.on_change.clone();
        let value = p.value;
        Callback::from(move |e: KeyboardEvent| {
            let delta = match (vertical, e.key().as_str()) {
                (true, "ArrowLeft") | (false, "ArrowDown") => -24.0,
                (true, "ArrowRight") | (false, "ArrowUp") => 24.0,
                _ => return,
            };
            e.prevent_default();
            cb.emit(value + delta);
        })
    };
    html! {
        <div class={classes!("split", if vertical { "v" } else { "h" })} role="separator" tabindex="0"
            aria-orientation={if vertical { "vertical" } else { "horizontal" }}
            aria-valuenow={(p.value as i64).to_string()}
            aria-label={if vertical { "Resize the editor" } else { "Resize the bottom panel" }}
            onpointerdown={down} onpointermove={moved} onpointerup={up.clone()} onpointercancel={up}
            onkeydown={key}></div>
    }
}

fn viewport() -> (f64, f64) {
    let w = dom::window();
    let px = |v: Result<wasm_bindgen::JsValue, wasm_bindgen::JsValue>, d: f64| {
        v.ok().and_then(|v| v.as_f64()).unwrap_or(d)
    };
    (px(w.inner_width(), 1280.0), px(w.inner_height(), 800.0))
}

/// Opens the workspace a shared link carries (`#w=…`), when there is one.
fn open_shared_link(handle: &Handle, dispatch: UseReducerDispatcher<AppState>, embed: bool) {
    let hash = dom::window().location().hash().unwrap_or_default();
    let Some(code) = hash.strip_prefix("#w=") else {
        return;
    };
    let fail = |why: String| format!("This link's workspace could not be opened: {why}.");
    if code.len() > crate::ui::share::MAX_LINK_CODE {
        dispatch.dispatch(Action::Notice(Some(Rc::from(fail(format!(
            "it is longer than {} KiB",
            crate::ui::share::MAX_LINK_CODE / 1024
        ))))));
        return;
    }
    let handle = handle.clone();
    crate::embed::then_text(
        crate::embed::unpack(code, MAX_WORKSPACE_BYTES as u32),
        move |r| {
            let loaded = r.and_then(|text| {
                let ws = Workspace::decode(&text)?;
                handle.load(&ws)?;
                Ok(ws.seed)
            });
            match loaded {
                Ok(seed) => {
                    if !embed {
                        // From now on the workspace lives in localStorage.
                        crate::embed::drop_hash();
                    }
                    dispatch.dispatch(Action::Loaded(seed, "shared"));
                }
                Err(why) => dispatch.dispatch(Action::Notice(Some(Rc::from(fail(why))))),
            }
        },
    );
}

/// The playground's root component.
#[function_component(App)]
pub fn app() -> Html {
    let boot = use_memo((), |_| Boot::read());
    let started = {
        let boot = boot.clone();
        use_memo((), move |_| start(&boot))
    };
    let handle: Handle = started.0.clone();
    let state = {
        let started = started.clone();
        let boot = boot.clone();
        use_reducer(move || {
            let (w, h) = viewport();
            AppState {
                version: 0,
                fx_gen: 0,
                files_gen: 0,
                traffic_gen: 0,
                // The first render shows the cluster's time, not 0 until
                // the first frame.
                now_ms: started.0.cluster.borrow().now_ms(),
                // A shared link opens paused at the moment it was shared.
                playing: !boot.paused.unwrap_or(false),
                speed: boot.speed,
                seed: started.0.cluster.borrow().seed(),
                selected: None,
                tab: if boot.embed {
                    boot.view
                } else {
                    BottomTab::Console
                },
                console_gen: 0,
                editor_width: (w * 0.36).clamp(320.0, 620.0),
                panel_height: (h * 0.34).clamp(170.0, 340.0),
                theme: Theme::System,
                individual: None,
                notice: started.1.as_deref().map(Rc::from),
                origin: started.2,
            }
        })
    };
    {
        let handle = handle.clone();
        use_effect_with((state.playing, state.speed), move |(playing, speed)| {
            handle.playing.set(*playing);
            handle.speed.set(SPEEDS[*speed]);
        });
    }
    {
        let handle = handle.clone();
        let dispatch = state.dispatcher();
        let save = !boot.embed && boot.bench.is_none();
        let embed = boot.embed;
        let keep_playing = boot.paused == Some(false);
        use_effect_with((), move |_| {
            // `kubectl explain`'s field documentation is not compiled in
            // (bundle size): it comes once the page is up.
            crate::embed::then_text(crate::embed::fetch_text("explain.txt"), |text| {
                if let Ok(text) = text {
                    kubeplay_engine::api::explain::provide_explain_text(text);
                }
            });
            open_shared_link(&handle, dispatch.clone(), embed);
            if !keep_playing
                && dom::window()
                    .location()
                    .hash()
                    .unwrap_or_default()
                    .starts_with("#w=")
            {
                dispatch.dispatch(Action::SetPlaying(false));
            }
            let looper = frame_loop(handle, dispatch, save);
            move || drop(looper)
        });
    }
    use_effect_with(state.theme, |theme| {
        if let Some(root) = dom::document().document_element() {
            let _ = match theme {
                Theme::System => root.remove_attribute("data-theme"),
                Theme::Light => root.set_attribute("data-theme", "light"),
                Theme::Dark => root.set_attribute("data-theme", "dark"),
            };
        }
    });

    let d = state.dispatcher();
    let on_play = use_callback(d.clone(), |p: bool, d| d.dispatch(Action::SetPlaying(p)));
    let on_speed = use_callback(d.clone(), |s: usize, d| d.dispatch(Action::SetSpeed(s)));
    let on_step = use_callback(handle.clone(), |_: (), h| {
        let mut c = h.cluster.borrow_mut();
        let dt = crate::engine_bridge::step_size(&c);
        c.step(dt);
    });
    let on_reset = use_callback((handle.clone(), d.clone()), |seed: u64, (h, d)| {
        h.reset(seed);
        d.dispatch(Action::Reset(seed));
    });
    let on_theme = use_callback(d.clone(), |t: Theme, d| d.dispatch(Action::Theme(t)));
    let on_select = use_callback(d.clone(), |k: ObjectKey, d| {
        d.dispatch(Action::Select(Some(k)))
    });
    let on_tab = use_callback(d.clone(), |t: BottomTab, d| match t {
        BottomTab::Console => d.dispatch(Action::ConsoleRan),
        t => d.dispatch(Action::Tab(t)),
    });
    let on_individual = use_callback(d.clone(), |i: Option<bool>, d| {
        d.dispatch(Action::Individual(i))
    });
    let on_editor_w = use_callback(d.clone(), |w: f64, d| {
        let (vw, _) = viewport();
        d.dispatch(Action::EditorWidth(w.clamp(260.0, (vw - 380.0).max(260.0))));
    });
    let on_panel_h = use_callback(d.clone(), |h: f64, d| {
        let (_, vh) = viewport();
        d.dispatch(Action::PanelHeight(h.clamp(110.0, (vh - 220.0).max(110.0))));
    });
    let dismiss = {
        let d = d.clone();
        Callback::from(move |_: MouseEvent| d.dispatch(Action::Notice(None)))
    };

    let s = &*state;
    let notice = s.notice.as_ref().map(|n| html! {
        <div class="notice" role="alert">
            <span>{ &**n }</span>
            <button class="btn icon small" onclick={dismiss} aria-label="Dismiss">{ "×" }</button>
        </div>
    });
    let panel = |tabs: &'static [BottomTab], children: Html| {
        html! {
            <Panel handle={handle.clone()} version={s.version} now_s={s.now_ms / 1000} traffic_gen={s.traffic_gen}
                files_gen={s.files_gen} console_gen={s.console_gen} tab={s.tab} {tabs} selected={s.selected.clone()} individual={s.individual}
                on_tab={on_tab.clone()} on_select={on_select.clone()} on_individual={on_individual.clone()}>{ children }</Panel>
        }
    };
    let body = if boot.embed {
        let controls = boot.controls.then(|| {
            let play = {
                let on_play = on_play.clone();
                let playing = s.playing;
                Callback::from(move |_: MouseEvent| on_play.emit(!playing))
            };
            let full = dom::window()
                .location()
                .href()
                .unwrap_or_default()
                .replacen("embed&", "", 1)
                .replacen("?embed#", "#", 1)
                .replacen("?embed", "?", 1);
            html! {
                <>
                    <div class="spacer"></div>
                    <button class={classes!("btn", "icon", "small", "play", s.playing.then_some("on"))} onclick={play}
                        aria-label={if s.playing { "Pause" } else { "Play" }}>
                        { if s.playing { crate::ui::icons::pause() } else { crate::ui::icons::play() } }
                    </button>
                    <output class="clock">{ crate::model::clock_text(s.now_ms) }</output>
                    <a class="open-full" href={full} target="_blank" rel="noopener">{ "Kubeplay ↗" }</a>
                </>
            }
        });
        let tabs: &'static [BottomTab] = if boot.controls { EMBED_TABS } else { &[] };
        html! { <main class={classes!("app", "embed", (!boot.controls).then_some("bare"))} data-ready="true" data-origin={s.origin}>
            { notice }
            { panel(tabs, controls.unwrap_or_default()) }
        </main> }
    } else {
        let style = format!(
            "--editor-w:{}px;--panel-h:{}px",
            s.editor_width as i64, s.panel_height as i64
        );
        html! {
            <main class="app" data-ready="true" data-origin={s.origin} {style}>
                <TopBar handle={handle.clone()} now_ms={s.now_ms} playing={s.playing} speed={s.speed} seed={s.seed} theme={s.theme}
                    {on_play} {on_step} {on_speed} {on_reset} {on_theme} />
                { notice }
                <div class="workspace">
                    <Editor handle={handle.clone()} files_gen={s.files_gen} on_console={on_tab.reform(|()| BottomTab::Console)} />
                    <Split vertical=true value={s.editor_width} on_change={on_editor_w} />
                    <div class="right">
                        <ClusterView handle={handle.clone()} version={s.version} selected={s.selected.clone()}
                            on_select={on_select.clone()} individual={s.individual} on_individual={on_individual.clone()} />
                        <Split vertical=false value={s.panel_height} on_change={on_panel_h} />
                        { panel(PANEL_TABS, Html::default()) }
                    </div>
                </div>
            </main>
        }
    };
    html! {
        <ContextProvider<FxTick> context={FxTick(s.fx_gen)}>
        <ContextProvider<TrafficTick> context={TrafficTick(s.traffic_gen)}>
        <ContextProvider<Clock> context={Clock(s.now_ms / 1000 * 1000)}>
            { body }
        </ContextProvider<Clock>>
        </ContextProvider<TrafficTick>>
        </ContextProvider<FxTick>>
    }
}
