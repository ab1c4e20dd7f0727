//! The top bar: brand, time controls (play/pause, step, speed, clock),
//! the seed with reset, and the theme switch.

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::model::clock_text;
use crate::state::Theme;
use crate::ui::icons;

/// The top bar's inputs.
#[derive(Properties, PartialEq)]
pub struct TopBarProps {
    /// The playground (for Share).
    pub handle: crate::state::Handle,
    /// Simulated time.
    pub now_ms: u64,
    /// Whether time runs.
    pub playing: bool,
    /// Index into [`SPEEDS`].
    pub speed: usize,
    /// The cluster's seed.
    pub seed: u64,
    /// The theme.
    pub theme: Theme,
    /// Play or pause.
    pub on_play: Callback<bool>,
    /// Step once.
    pub on_step: Callback<()>,
    /// Choose a speed.
    pub on_speed: Callback<usize>,
    /// Reset with a seed.
    pub on_reset: Callback<u64>,
    /// Choose a theme.
    pub on_theme: Callback<Theme>,
}

/// The speeds' labels, in [`SPEEDS`] order.
const SPEED_LABELS: [&str; 9] = ["0.25×", "0.5×", "1×", "2×", "4×", "8×", "16×", "32×", "64×"];

/// The top bar.
#[function_component(TopBar)]
pub fn top_bar(p: &TopBarProps) -> Html {
    // What is typed in the seed box: the top bar re-renders every frame, and
    // a controlled input would be reset to the current seed while typing.
    let draft = use_state(|| p.seed.to_string());
    {
        let draft = draft.clone();
        use_effect_with(p.seed, move |seed| draft.set(seed.to_string()));
    }
    let seed_input = {
        let draft = draft.clone();
        Callback::from(move |e: InputEvent| {
            draft.set(e.target_unchecked_into::<HtmlInputElement>().value());
        })
    };
    let play = {
        let cb = p.on_play.clone();
        let playing = p.playing;
        Callback::from(move |_| cb.emit(!playing))
    };
    let step = p.on_step.reform(|_: MouseEvent| ());
    let speed = p.on_speed.reform(|e: Event| {
        e.target_unchecked_into::<HtmlSelectElement>()
            .value()
            .parse()
            .unwrap_or(crate::state::SPEED_1X)
    });
    let reset = {
        let cb = p.on_reset.clone();
        let draft = draft.clone();
        let seed = p.seed;
        Callback::from(move |_: MouseEvent| cb.emit(draft.trim().parse().unwrap_or(seed)))
    };
    let seed_key = {
        let cb = p.on_reset.clone();
        let seed = p.seed;
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" {
                let input: HtmlInputElement = e.target_unchecked_into();
                cb.emit(input.value().trim().parse().unwrap_or(seed));
            }
        })
    };
    let (next_theme, theme_label) = match p.theme {
        Theme::System => (Theme::Dark, "Theme: system"),
        Theme::Dark => (Theme::Light, "Theme: dark"),
        Theme::Light => (Theme::System, "Theme: light"),
    };
    let theme = p.on_theme.reform(move |_: MouseEvent| next_theme);
    let date = kubeplay_engine::time::rfc3339(p.now_ms);
    html! {
        <header class="topbar">
            <div class="brand">
                { icons::logo() }
                <span class="brand-name">{ "Kubeplay" }</span>
            </div>
            <div class="time" role="group" aria-label="Time controls">
                <button class={classes!("btn", "icon", "play", p.playing.then_some("on"))}
                    onclick={play}
                    aria-label={ if p.playing { "Pause" } else { "Play" } }
                    title={ if p.playing { "Pause" } else { "Play" } }>
                    { if p.playing { icons::pause() } else { icons::play() } }
                </button>
                <button class="btn icon step" onclick={step} aria-label="Step"
                    title="Step: advance to the next scheduled event (at most a minute)">
                    { icons::step() }
                </button>
                <select class="speed" aria-label="Speed" title="Simulation speed" onchange={speed}>
                    { for SPEED_LABELS.iter().enumerate().map(|(i, s)| html! {
                        <option value={i.to_string()} selected={i == p.speed}>{ *s }</option>
                    }) }
                </select>
                <output class="clock" aria-label="Simulated time" title={format!("Simulated time since the cluster started ({date})")}>
                    { clock_text(p.now_ms) }
                </output>
            </div>
            <div class="seed">
                <label>
                    <span>{ "seed" }</span>
                    <input class="seed-input" type="number" min="0" aria-label="Seed"
                        value={(*draft).clone()} oninput={seed_input} onkeydown={seed_key}
                        title="Same seed and same actions give the same cluster, byte for byte" />
                </label>
                <button class="btn reset" onclick={reset} title="Start a fresh cluster from this seed">
                    { icons::reset() }<span>{ "Reset" }</span>
                </button>
            </div>
            <div class="spacer"></div>
            <crate::ui::share::Share handle={p.handle.clone()} />
            <button class="btn icon theme" onclick={theme} aria-label={theme_label} title={theme_label}>
                { icons::theme() }
            </button>
            <span class="k8s-version" title="The Kubernetes release Kubeplay reproduces">
                { format!("Kubernetes {}", kubeplay_engine::KUBERNETES_VERSION) }
            </span>
        </header>
    }
}
