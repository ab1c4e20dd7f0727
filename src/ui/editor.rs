//! The manifest editor: tabs, a textarea over a highlighted `<pre>`, line
//! numbers with diagnostics, Apply and Delete, and the Examples menu.

use kubeplay_engine::apiserver::manifest::ManifestVerb;
use web_sys::{HtmlElement, HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::editing::{self, byte_to_utf16, utf16_to_byte};
use crate::examples::EXAMPLES;
use crate::highlight::{escape_into, highlight_lines};
use crate::state::{Handle, LineMark, ResultKind, Severity, outcome_report};
use crate::ui::icons;

/// The height of one editor line in CSS pixels (the stylesheet's `--lh`).
const LINE_HEIGHT: f64 = 20.0;
/// How long typing must pause before the text is checked (ms).
const CHECK_DELAY: f64 = 350.0;

/// The editor's inputs.
#[derive(Properties, PartialEq)]
pub struct EditorProps {
    /// The playground.
    pub handle: Handle,
    /// Bumped when the files change outside the editor.
    pub files_gen: u64,
    /// Shows the console, where Diff prints; no Diff button without it.
    #[prop_or_default]
    pub on_console: Option<Callback<()>>,
}

/// The highlighted text with each marked line's message beside it.
fn code_html(text: &str, marks: &[LineMark]) -> String {
    let lines = highlight_lines(text);
    let mut out = String::with_capacity(text.len() * 3);
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(line);
        let n = i as u32 + 1;
        let mut on_line = marks.iter().filter(|m| m.line == n);
        if let Some(m) = on_line.next() {
            let class = match m.severity {
                Severity::Error => "lint err",
                Severity::Warning => "lint warn",
            };
            out.push_str("<span class=\"");
            out.push_str(class);
            out.push_str("\">");
            escape_into(&mut out, &m.message);
            let more = on_line.count();
            if more > 0 {
                out.push_str(&format!(" (+{more})"));
            }
            out.push_str("</span>");
        }
    }
    if text.ends_with('\n') || text.is_empty() {
        // Keep the last, empty line as tall as the textarea's.
        out.push(' ');
    }
    out
}

/// The line numbers, marked where diagnostics are.
fn gutter_html(lines: usize, marks: &[LineMark]) -> String {
    let mut out = String::with_capacity(lines * 24);
    for n in 1..=lines as u32 {
        let mark = marks
            .iter()
            .filter(|m| m.line == n)
            .min_by_key(|m| m.severity == Severity::Warning);
        match mark {
            Some(m) => {
                let class = if m.severity == Severity::Error {
                    "err"
                } else {
                    "warn"
                };
                out.push_str(&format!(
                    "<div class=\"ln {class}\" data-line=\"{n}\" title=\""
                ));
                escape_into(&mut out, &m.message);
                out.push_str(&format!("\">{n}</div>"));
            }
            None => out.push_str(&format!("<div class=\"ln\">{n}</div>")),
        }
    }
    out
}

/// The editor pane.
#[function_component(Editor)]
pub fn editor(p: &EditorProps) -> Html {
    let update = use_force_update();
    let area = use_node_ref();
    let scroller = use_node_ref();
    let renaming = use_state(|| None::<(usize, String, bool)>);
    let menu_open = use_state(|| false);
    let handle = p.handle.clone();

    let run = {
        let handle = handle.clone();
        let update = update.clone();
        move |verb: ManifestVerb| {
            let outcomes = handle.run_manifest(verb);
            let (lines, marks) = outcome_report(&outcomes);
            {
                let mut files = handle.files.borrow_mut();
                let f = files.current_mut();
                f.result = lines;
                f.result_marks = marks;
                f.live_marks.clear();
                f.edited = false;
                f.check_at = None;
            }
            update.force_update();
        }
    };
    let apply = {
        let run = run.clone();
        Callback::from(move |_: MouseEvent| run(ManifestVerb::Apply))
    };
    let delete = {
        let run = run.clone();
        Callback::from(move |_: MouseEvent| run(ManifestVerb::Delete))
    };
    // `kubectl diff -f FILE` in the console: what Apply would change.
    let diff = p.on_console.clone().map(|show| {
        let handle = handle.clone();
        Callback::from(move |_: MouseEvent| {
            let name = handle.files.borrow().current().name.clone();
            let line = format!(
                "kubectl diff -f {}",
                kubeplay_engine::kubectl::shell::quote(&name)
            );
            crate::ui::console::run_line(&handle, &line);
            show.emit(());
        })
    });

    let oninput = {
        let handle = handle.clone();
        let update = update.clone();
        Callback::from(move |e: InputEvent| {
            let area: HtmlTextAreaElement = e.target_unchecked_into();
            {
                let mut files = handle.files.borrow_mut();
                let i = files.active;
                if let Some(f) = files.list.get_mut(i) {
                    f.text = area.value();
                    f.edited = true;
                    f.check_at = Some(crate::dom::now() + CHECK_DELAY);
                }
            }
            update.force_update();
        })
    };

    let onkeydown = {
        let run = run.clone();
        Callback::from(move |e: KeyboardEvent| {
            let area: HtmlTextAreaElement = e.target_unchecked_into();
            let key = e.key();
            if key == "Enter" && (e.ctrl_key() || e.meta_key()) {
                e.prevent_default();
                run(ManifestVerb::Apply);
                return;
            }
            if key == "Escape" {
                let _ = area.blur();
                return;
            }
            let edit = match key.as_str() {
                "Tab" if e.shift_key() => editing::dedent,
                "Tab" => editing::indent,
                "Enter" if !e.shift_key() && !e.alt_key() => editing::newline,
                _ => return,
            };
            e.prevent_default();
            let value = area.value();
            let s = area.selection_start().ok().flatten().unwrap_or(0);
            let t = area.selection_end().ok().flatten().unwrap_or(s);
            let edit = edit(&value, utf16_to_byte(&value, s), utf16_to_byte(&value, t));
            if edit.insert == value[edit.start..edit.end] {
                let new = (
                    byte_to_utf16(&value, edit.selection.0),
                    byte_to_utf16(&value, edit.selection.1),
                );
                let _ = area.set_selection_range(new.0, new.1);
                return;
            }
            crate::dom::insert_text(
                &area,
                byte_to_utf16(&value, edit.start),
                byte_to_utf16(&value, edit.end),
                &edit.insert,
            );
            let after = area.value();
            let _ = area.set_selection_range(
                byte_to_utf16(&after, edit.selection.0),
                byte_to_utf16(&after, edit.selection.1),
            );
        })
    };

    let jump = {
        let area = area.clone();
        let scroller = scroller.clone();
        Callback::from(move |line: u32| {
            let Some(a) = area.cast::<HtmlTextAreaElement>() else {
                return;
            };
            let value = a.value();
            let at = byte_to_utf16(&value, editing::offset_of_line(&value, line));
            let _ = a.focus();
            let _ = a.set_selection_range(at, at);
            if let Some(s) = scroller.cast::<HtmlElement>() {
                let top =
                    (f64::from(line) - 1.0) * LINE_HEIGHT - f64::from(s.client_height()) / 3.0;
                s.set_scroll_top(top.max(0.0) as i32);
            }
        })
    };

    let files = handle.files.borrow();
    let active = files.active.min(files.list.len() - 1);
    let file = files.current();
    let marks = file.marks();
    let line_count = file.text.split('\n').count();
    let errors = marks
        .iter()
        .filter(|m| m.severity == Severity::Error)
        .count();
    let warnings = marks.len() - errors;

    let tabs = files.list.iter().enumerate().map(|(i, f)| {
        let activate = {
            let handle = handle.clone();
            let update = update.clone();
            Callback::from(move |_: MouseEvent| {
                handle.files.borrow_mut().active = i;
                update.force_update();
            })
        };
        let start_rename = {
            let renaming = renaming.clone();
            let name = f.name.clone();
            Callback::from(move |_: MouseEvent| renaming.set(Some((i, name.clone(), false))))
        };
        let close = {
            let handle = handle.clone();
            let update = update.clone();
            Callback::from(move |e: MouseEvent| {
                e.stop_propagation();
                handle.files.borrow_mut().close(i);
                update.force_update();
            })
        };
        let is_active = i == active;
        let has_error = f.marks().iter().any(|m| m.severity == Severity::Error);
        let editing_name = renaming.as_ref().filter(|(j, _, _)| *j == i).cloned();
        let label = match editing_name {
            Some((_, value, bad)) => {
                let commit = {
                    let handle = handle.clone();
                    let update = update.clone();
                    let renaming = renaming.clone();
                    move |value: String| {
                        let result = handle.files.borrow_mut().rename(i, &value);
                        match result {
                            Ok(()) => renaming.set(None),
                            Err(_) => renaming.set(Some((i, value, true))),
                        }
                        update.force_update();
                    }
                };
                let onkeydown = {
                    let renaming = renaming.clone();
                    let commit = commit.clone();
                    Callback::from(move |e: KeyboardEvent| {
                        let input: HtmlInputElement = e.target_unchecked_into();
                        match e.key().as_str() {
                            "Enter" => commit(input.value()),
                            "Escape" => renaming.set(None),
                            _ => {}
                        }
                    })
                };
                let onblur = Callback::from(move |e: FocusEvent| {
                    let input: HtmlInputElement = e.target_unchecked_into();
                    commit(input.value());
                });
                let oninput = {
                    let renaming = renaming.clone();
                    Callback::from(move |e: InputEvent| {
                        let input: HtmlInputElement = e.target_unchecked_into();
                        renaming.set(Some((i, input.value(), false)));
                    })
                };
                html! {
                    <input class={classes!("tab-rename", bad.then_some("bad"))} value={value}
                        aria-label="File name" {oninput} {onkeydown} {onblur} autofocus=true />
                }
            }
            None => html! {
                <button class="tab-name" onclick={activate} ondblclick={start_rename}
                    role="tab" aria-selected={is_active.to_string()}
                    title="Double-click to rename">
                    { if has_error { html! { <span class="tab-dot" aria-label="has errors"></span> } } else { html! {} } }
                    { &f.name }
                </button>
            },
        };
        html! {
            <div class={classes!("tab", is_active.then_some("active"))} key={i}>
                { label }
                <button class="tab-close" onclick={close} aria-label={format!("Close {}", f.name)} title="Close">
                    { icons::close() }
                </button>
            </div>
        }
    });

    let add = {
        let handle = handle.clone();
        let update = update.clone();
        Callback::from(move |_: MouseEvent| {
            let mut files = handle.files.borrow_mut();
            let name = files.unique_name("untitled.yaml");
            files.open(&name, "");
            drop(files);
            update.force_update();
        })
    };
    let toggle_menu = {
        let menu_open = menu_open.clone();
        Callback::from(move |_: MouseEvent| menu_open.set(!*menu_open))
    };
    let close_menu = {
        let menu_open = menu_open.clone();
        Callback::from(move |_: MouseEvent| menu_open.set(false))
    };
    let menu_key = {
        let menu_open = menu_open.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" {
                menu_open.set(false);
            }
        })
    };
    let examples = EXAMPLES.iter().map(|ex| {
        let open = {
            let handle = handle.clone();
            let update = update.clone();
            let menu_open = menu_open.clone();
            Callback::from(move |_: MouseEvent| {
                let mut files = handle.files.borrow_mut();
                let taken = files
                    .list
                    .iter()
                    .any(|f| f.name == ex.file_name && f.text != ex.text && !f.text.is_empty());
                let name = if taken {
                    files.unique_name(ex.file_name)
                } else {
                    ex.file_name.to_string()
                };
                files.open(&name, ex.text);
                drop(files);
                menu_open.set(false);
                update.force_update();
            })
        };
        html! {
            <li role="none">
                <button role="menuitem" class="menu-item" onclick={open}>
                    <span class="menu-title">{ ex.title }</span>
                    <span class="menu-desc">{ ex.description }</span>
                </button>
            </li>
        }
    });

    let results = file.result.iter().map(|r| {
        let class = match r.kind {
            ResultKind::Done => "res done",
            ResultKind::Warning => "res warn",
            ResultKind::Error => "res err",
        };
        let onclick = {
            let jump = jump.clone();
            let line = r.line;
            Callback::from(move |_: MouseEvent| {
                if let Some(l) = line {
                    jump.emit(l);
                }
            })
        };
        html! {
            <li class={class} {onclick} title={r.line.map(|l| format!("line {l}"))}>
                <pre>{ &r.text }</pre>
            </li>
        }
    });

    let code = Html::from_html_unchecked(AttrValue::from(code_html(&file.text, &marks)));
    let gutter = Html::from_html_unchecked(AttrValue::from(gutter_html(line_count, &marks)));
    let empty = file.text.trim().is_empty();
    let status = if errors + warnings == 0 {
        html! { <span class="ed-status ok">{ if file.edited || file.result.is_empty() { "" } else { "applied" } }</span> }
    } else {
        html! {
            <span class="ed-status">
                { (errors > 0).then(|| html! { <span class="count err">{ format!("{errors} error{}", if errors == 1 { "" } else { "s" }) }</span> }) }
                { (warnings > 0).then(|| html! { <span class="count warn">{ format!("{warnings} warning{}", if warnings == 1 { "" } else { "s" }) }</span> }) }
            </span>
        }
    };

    html! {
        <section class="pane editor" aria-label="Manifest editor">
            <div class="tabs" role="tablist">
                { for tabs }
                <button class="btn icon tab-add" onclick={add} aria-label="New file" title="New file">{ icons::plus() }</button>
                <div class="spacer"></div>
                <div class="menu-wrap" onkeydown={menu_key}>
                    <button class={classes!("btn", "examples", menu_open.then_some("on"))} onclick={toggle_menu}
                        aria-haspopup="menu" aria-expanded={menu_open.to_string()}>
                        { "Examples" }{ icons::chevron() }
                    </button>
                    if *menu_open {
                        <div class="menu-backdrop" onclick={close_menu.clone()}></div>
                        <ul class="menu" role="menu">{ for examples }</ul>
                    }
                </div>
            </div>
            <div class="code" ref={scroller}>
                <div class="gutter" aria-hidden="true">{ gutter }</div>
                <div class="code-body">
                    <pre class="code-hl" aria-hidden="true">{ code }</pre>
                    <textarea ref={area} class="code-input" spellcheck="false" autocapitalize="off"
                        autocomplete="off" wrap="off" aria-label={format!("Contents of {}", file.name)}
                        value={file.text.clone()} {oninput} {onkeydown}
                        placeholder="# Write a manifest, or open one from Examples" />
                </div>
            </div>
            <div class="editor-bar">
                <button class="btn primary apply" onclick={apply} disabled={empty}
                    title="kubectl apply -f (Ctrl/⌘+Enter)">
                    { icons::apply() }<span>{ "Apply" }</span>
                </button>
                if let Some(diff) = diff {
                    <button class="btn diff" onclick={diff} disabled={empty} title="kubectl diff -f: what Apply would change">
                        { icons::diff() }<span>{ "Diff" }</span>
                    </button>
                }
                <button class="btn delete" onclick={delete} disabled={empty} title="kubectl delete -f">
                    { icons::trash() }<span>{ "Delete" }</span>
                </button>
                { status }
                <span class="ed-hint">{ "Ctrl/⌘+Enter applies" }</span>
            </div>
            if !file.result.is_empty() {
                <ul class="results" aria-label="Apply results" aria-live="polite">{ for results }</ul>
            }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_sit_beside_their_lines() {
        let marks = vec![
            LineMark {
                line: 2,
                severity: Severity::Error,
                message: "bad <kind>".into(),
            },
            LineMark {
                line: 2,
                severity: Severity::Warning,
                message: "old".into(),
            },
        ];
        let html = code_html("a: 1\nkind: X\n", &marks);
        assert!(html.ends_with("<span class=\"lint err\">bad &lt;kind&gt; (+1)</span>\n "));
        let gutter = gutter_html(3, &marks);
        assert!(
            gutter.contains(
                "<div class=\"ln err\" data-line=\"2\" title=\"bad &lt;kind&gt;\">2</div>"
            )
        );
        assert!(gutter.ends_with("<div class=\"ln\">3</div>"));
    }
}
