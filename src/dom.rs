//! Small browser helpers over web-sys (no other JS dependencies).

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{Element, HtmlTextAreaElement};

/// The page's window.
pub fn window() -> web_sys::Window {
    web_sys::window().expect("a browser window")
}

/// The page's document.
pub fn document() -> web_sys::Document {
    window().document().expect("a document")
}

/// Wall-clock milliseconds (`performance.now()`).
pub fn now() -> f64 {
    window().performance().map_or(0.0, |p| p.now())
}

/// A query parameter of the page's URL (`?seed=7`).
pub fn query_param(name: &str) -> Option<String> {
    let search = window().location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search)
        .ok()?
        .get(name)
}

/// The first element matching a CSS selector.
pub fn query(selector: &str) -> Option<Element> {
    document().query_selector(selector).ok().flatten()
}

/// The centre of an element relative to another's top-left corner (both
/// in the same scrolling content).
pub fn centre_in(el: &Element, origin: &Element) -> (i32, i32) {
    let r = el.get_bounding_client_rect();
    let o = origin.get_bounding_client_rect();
    (
        (r.left() - o.left() + r.width() / 2.0) as i32,
        (r.top() - o.top() + r.height() / 2.0) as i32,
    )
}

/// Inserts text at a textarea's selection the way typing does, so the
/// browser's undo history keeps it; falls back to setting the value.
pub fn insert_text(area: &HtmlTextAreaElement, start: u32, end: u32, text: &str) {
    let _ = area.focus();
    let _ = area.set_selection_range(start, end);
    let inserted = document()
        .dyn_into::<web_sys::HtmlDocument>()
        .ok()
        .and_then(|d| {
            d.exec_command_with_show_ui_and_value("insertText", false, text)
                .ok()
        })
        .unwrap_or(false);
    if !inserted {
        let value = area.value();
        let a = crate::editing::utf16_to_byte(&value, start);
        let b = crate::editing::utf16_to_byte(&value, end);
        area.set_value(&format!("{}{text}{}", &value[..a], &value[b..]));
        let _ = area.dispatch_event(&web_sys::Event::new("input").expect("an input event"));
    }
}

/// Runs `f` on every animation frame until the returned guard is dropped.
pub struct FrameLoop {
    alive: std::rc::Rc<std::cell::Cell<bool>>,
}

impl FrameLoop {
    /// Starts calling `f(timestamp)` once per frame.
    pub fn start(mut f: impl FnMut(f64) + 'static) -> FrameLoop {
        use std::cell::{Cell, RefCell};
        use std::rc::Rc;
        let alive = Rc::new(Cell::new(true));
        type Slot = Rc<RefCell<Option<Closure<dyn FnMut(f64)>>>>;
        let slot: Slot = Rc::new(RefCell::new(None));
        let again = slot.clone();
        let running = alive.clone();
        *slot.borrow_mut() = Some(Closure::new(move |t: f64| {
            if !running.get() {
                // Stop asking for frames. The closure stays allocated: it
                // cannot be freed while it runs, and apps mount once.
                return;
            }
            f(t);
            if let Some(cb) = again.borrow().as_ref() {
                let _ = window().request_animation_frame(cb.as_ref().unchecked_ref());
            }
        }));
        if let Some(cb) = slot.borrow().as_ref() {
            let _ = window().request_animation_frame(cb.as_ref().unchecked_ref());
        }
        FrameLoop { alive }
    }
}

impl Drop for FrameLoop {
    fn drop(&mut self) {
        self.alive.set(false);
    }
}

/// Reads a value from localStorage.
pub fn load(key: &str) -> Option<String> {
    window().local_storage().ok()??.get_item(key).ok()?
}

/// Writes a value to localStorage (ignored when storage is unavailable).
pub fn save(key: &str, value: &str) {
    if let Ok(Some(s)) = window().local_storage() {
        let _ = s.set_item(key, value);
    }
}

/// The `data-obj` attribute of the closest element carrying one, from an event's target.
pub fn closest_obj(target: Option<web_sys::EventTarget>) -> Option<String> {
    closest_attr(target, "data-obj")
}

/// An attribute of the closest element carrying it, from an event's target.
pub fn closest_attr(target: Option<web_sys::EventTarget>, attr: &str) -> Option<String> {
    let el: Element = target?.dyn_into().ok()?;
    let hit = el.closest(&format!("[{attr}]")).ok()??;
    hit.get_attribute(attr)
}

/// Appends one frame's work to `window.__kubeplayFrameWork`, for the
/// browser benchmark: from `started` (ms) until the renders Yew runs in
/// microtasks after the frame callback have finished.
pub fn record_frame_work(started: f64) {
    // Yew's scheduler runs in a microtask queued during the frame; this one
    // is queued after it, so it sees the frame's renders done.
    let after: Closure<dyn FnMut(wasm_bindgen::JsValue)> =
        Closure::new(move |_| push_frame_work(now() - started));
    let _ = web_sys::js_sys::Promise::resolve(&wasm_bindgen::JsValue::NULL).then(&after);
    // Benchmark only: a few bytes per frame.
    after.forget();
}

fn push_frame_work(ms: f64) {
    use web_sys::js_sys::{Array, Reflect};
    let w = window();
    let key = wasm_bindgen::JsValue::from_str("__kubeplayFrameWork");
    let list = match Reflect::get(&w, &key)
        .ok()
        .and_then(|v| v.dyn_into::<Array>().ok())
    {
        Some(a) => a,
        None => {
            let a = Array::new();
            let _ = Reflect::set(&w, &key, &a);
            a
        }
    };
    if list.length() < 100_000 {
        list.push(&wasm_bindgen::JsValue::from_f64(ms));
    }
}
