//! Inline SVG icons (stroked with the current colour, no icon font).

use yew::prelude::*;

fn icon(path: &'static str) -> Html {
    html! {
        <svg class="i" viewBox="0 0 24 24" width="16" height="16" aria-hidden="true"
            fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
            <path d={path} />
        </svg>
    }
}

/// Kubeplay's mark: a seven-spoked wheel in a heptagon.
pub fn logo() -> Html {
    html! {
        <svg class="logo" viewBox="0 0 32 32" width="26" height="26" aria-hidden="true">
            <path d="M16 2 27 7.3 29.7 19.2 22.1 28.8H9.9L2.3 19.2 5 7.3Z" fill="var(--accent)" />
            <circle cx="16" cy="16.5" r="7" fill="none" stroke="#fff" stroke-width="2" />
            <circle cx="16" cy="16.5" r="2" fill="#fff" />
            <path d="M16 6.5v5M16 21.5v5M6.5 16.5h5M20.5 16.5h5M9.3 9.8l3.5 3.5M19.2 19.7l3.5 3.5M22.7 9.8l-3.5 3.5M12.8 19.7l-3.5 3.5"
                stroke="#fff" stroke-width="1.8" stroke-linecap="round" />
        </svg>
    }
}

/// ▶
pub fn play() -> Html {
    html! {
        <svg class="i" viewBox="0 0 24 24" width="16" height="16" aria-hidden="true">
            <path d="M7 4.5v15l12.5-7.5z" fill="currentColor" />
        </svg>
    }
}

/// ❚❚
pub fn pause() -> Html {
    html! {
        <svg class="i" viewBox="0 0 24 24" width="16" height="16" aria-hidden="true">
            <rect x="6" y="4.5" width="4" height="15" rx="1" fill="currentColor" />
            <rect x="14" y="4.5" width="4" height="15" rx="1" fill="currentColor" />
        </svg>
    }
}

/// Step forward.
pub fn step() -> Html {
    icon("M5 5l9 7-9 7zM18 5v14")
}

/// Reset (a circular arrow).
pub fn reset() -> Html {
    icon("M3 12a9 9 0 1 0 3-6.7L3 8M3 3v5h5")
}

/// Theme (half-filled circle).
pub fn theme() -> Html {
    html! {
        <svg class="i" viewBox="0 0 24 24" width="16" height="16" aria-hidden="true">
            <circle cx="12" cy="12" r="8.5" fill="none" stroke="currentColor" stroke-width="2" />
            <path d="M12 3.5a8.5 8.5 0 0 1 0 17z" fill="currentColor" />
        </svg>
    }
}

/// +
pub fn plus() -> Html {
    icon("M12 5v14M5 12h14")
}

/// ×
pub fn close() -> Html {
    icon("M6 6l12 12M18 6L6 18")
}

/// ▾
pub fn chevron() -> Html {
    icon("M6 9l6 6 6-6")
}

/// Apply (an arrow into a box).
pub fn apply() -> Html {
    icon("M12 3v12M7 10l5 5 5-5M4 17v3h16v-3")
}

/// Delete (a bin).
pub fn trash() -> Html {
    icon("M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13")
}

/// Diff (a minus over a plus).
pub fn diff() -> Html {
    icon("M8 6h8M12 14v8M8 18h8")
}

/// Send (a paper plane).
pub fn send() -> Html {
    icon("M4 12l16-8-6 16-2-6z")
}
