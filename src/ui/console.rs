//! The console: a terminal for kubectl. Output is the engine's, shown
//! verbatim; history with ↑/↓ and Tab completion.

use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::completion::complete;
use crate::engine_bridge::CommandOutput;
use crate::markup::Markup;
use crate::state::{ConsoleEntry, Handle};

/// Scrollback kept in the page.
const MAX_ENTRIES: usize = 200;

/// The console's inputs.
#[derive(Properties, PartialEq)]
pub struct ConsoleProps {
    /// The playground.
    pub handle: Handle,
    /// Bumped when commands run here from elsewhere (the editor's Diff).
    #[prop_or_default]
    pub generation: u64,
}

/// Stderr's warning lines (printed before the result) and the rest.
fn split_warnings(stderr: &str) -> (String, String) {
    let mut warnings = String::new();
    let mut rest = String::new();
    for line in stderr.split_inclusive('\n') {
        if line.starts_with("Warning: ") && rest.is_empty() {
            warnings.push_str(line);
        } else {
            rest.push_str(line);
        }
    }
    (warnings, rest)
}

/// One entry, as HTML (display only: a string is much lighter than nodes).
fn entry_html(m: &mut Markup, e: &ConsoleEntry) {
    let script = e.command.contains('\n');
    m.open("div", if script { "entry script" } else { "entry" });
    m.open("div", "cmd").el("span", "prompt", &e.prompt);
    if script {
        // A script: its transcript echoes each command itself.
        let lines = e.command.lines().count();
        m.text(&format!(
            " # script, {lines} line{}",
            if lines == 1 { "" } else { "s" }
        ))
        .close("div");
        m.el("pre", "out stdout transcript", &e.output.stdout);
        m.close("div");
        return;
    }
    m.text(" ").text(&e.command).close("div");
    let (warnings, errors) = split_warnings(&e.output.stderr);
    for (class, text) in [
        ("out stderr warn", warnings.as_str()),
        ("out stdout", e.output.stdout.as_str()),
        ("out stderr", errors.as_str()),
    ] {
        if !text.is_empty() {
            m.el("pre", class, text);
        }
    }
    m.close("div");
}

/// The console.
#[function_component(Console)]
pub fn console(p: &ConsoleProps) -> Html {
    let update = use_force_update();
    let input = use_node_ref();
    let scroll = use_node_ref();
    let cursor = use_mut_ref(|| None::<usize>);
    let candidates = use_state(Vec::<String>::new);
    // The script being written (multi-line input), when the script box is open.
    let script = use_state(|| None::<String>);
    let script_area = use_node_ref();
    {
        let scroll = scroll.clone();
        let count = p.handle.console.borrow().entries.len();
        use_effect_with(count, move |_| {
            if let Some(el) = scroll.cast::<HtmlElement>() {
                el.set_scroll_top(el.scroll_height());
            }
        });
    }
    let onkeydown = {
        let handle = p.handle.clone();
        let update = update.clone();
        let cursor = cursor.clone();
        let candidates = candidates.clone();
        Callback::from(move |e: KeyboardEvent| {
            let field: HtmlInputElement = e.target_unchecked_into();
            match e.key().as_str() {
                "Enter" => {
                    let line = field.value();
                    field.set_value("");
                    *cursor.borrow_mut() = None;
                    candidates.set(Vec::new());
                    run_line(&handle, line.trim());
                    update.force_update();
                }
                "Tab" => {
                    e.prevent_default();
                    let files: Vec<String> = handle
                        .files
                        .borrow()
                        .list
                        .iter()
                        .map(|f| f.name.clone())
                        .collect();
                    let c = complete(&handle.cluster.borrow(), &field.value(), &files);
                    field.set_value(&c.line);
                    candidates.set(c.candidates);
                }
                "ArrowUp" | "ArrowDown" => {
                    e.prevent_default();
                    let console = handle.console.borrow();
                    let n = console.history.len();
                    if n == 0 {
                        return;
                    }
                    let mut at = cursor.borrow_mut();
                    let next = match (e.key().as_str(), *at) {
                        ("ArrowUp", None) => Some(n - 1),
                        ("ArrowUp", Some(i)) => Some(i.saturating_sub(1)),
                        ("ArrowDown", Some(i)) if i + 1 < n => Some(i + 1),
                        _ => None,
                    };
                    *at = next;
                    field.set_value(next.map_or("", |i| console.history[i].as_str()));
                }
                "l" if e.ctrl_key() => {
                    e.prevent_default();
                    handle.console.borrow_mut().entries.clear();
                    update.force_update();
                }
                "c" if e.ctrl_key() && field.selection_start() == field.selection_end() => {
                    let line = field.value();
                    field.set_value("");
                    let prompt = handle.prompt();
                    handle.console.borrow_mut().entries.push(ConsoleEntry {
                        prompt,
                        command: format!("{line}^C"),
                        output: CommandOutput::default(),
                    });
                    update.force_update();
                }
                _ => {
                    if !candidates.is_empty() {
                        candidates.set(Vec::new());
                    }
                }
            }
        })
    };
    let focus = {
        let input = input.clone();
        Callback::from(move |_: MouseEvent| {
            // Keep text selectable: focus only when nothing is selected.
            let selected = crate::dom::window()
                .get_selection()
                .ok()
                .flatten()
                .is_some_and(|s| !s.is_collapsed());
            if !selected && let Some(i) = input.cast::<HtmlInputElement>() {
                let _ = i.focus();
            }
        })
    };
    let onpaste = {
        let script = script.clone();
        Callback::from(move |e: Event| {
            // Several lines pasted at the prompt become a script.
            let text = e
                .dyn_ref::<web_sys::ClipboardEvent>()
                .and_then(|c| c.clipboard_data())
                .and_then(|d| d.get_data("text").ok())
                .unwrap_or_default();
            if text.trim_end().contains('\n') {
                e.prevent_default();
                script.set(Some(text));
            }
        })
    };
    let open_script = {
        let script = script.clone();
        Callback::from(move |_: MouseEvent| script.set(Some(String::new())))
    };
    let close_script = {
        let script = script.clone();
        Callback::from(move |_: MouseEvent| script.set(None))
    };
    let run = {
        let handle = p.handle.clone();
        let script = script.clone();
        let area = script_area.clone();
        let update = update.clone();
        Callback::from(move |_: MouseEvent| {
            let Some(a) = area.cast::<HtmlTextAreaElement>() else {
                return;
            };
            run_script(&handle, &a.value());
            script.set(None);
            update.force_update();
        })
    };
    let console = p.handle.console.borrow();
    html! {
        <div class="console" onclick={focus}>
            <div class="scrollback" ref={scroll}>
                <p class="hint">
                    { "kubectl against the simulated cluster, and the script commands: sleep 30s, curl URL, stop node NAME, kill pod NAME, traffic start URL … Tab completes; ↑/↓ walk the history; Ctrl+L clears; kubectl exec -it POD -- sh opens a shell in a container (exit leaves it); pasting several lines opens them as a script. The editor's files are readable by name: " }
                    <code>{ "kubectl apply -f deployment.yaml" }</code>
                </p>
                { {
                    let mut m = Markup::new();
                    for e in &console.entries {
                        entry_html(&mut m, e);
                    }
                    m.into_html()
                } }
            </div>
            if !candidates.is_empty() {
                <div class="candidates">{ for candidates.iter().map(|c| html! { <span>{ c }</span> }) }</div>
            }
            if let Some(text) = &*script {
                <div class="script-box">
                    <textarea ref={script_area} class="script-input" spellcheck="false" aria-label="Script"
                        value={text.clone()} placeholder="kubectl apply -f deployment.yaml\nsleep 30s\nkubectl get pods" />
                    <div class="script-bar">
                        <button class="btn primary small run-script" onclick={run}>{ "Run script" }</button>
                        <button class="btn small" onclick={close_script}>{ "Cancel" }</button>
                        <span class="muted">{ "Runs line by line as `kubeplay script` does; the output is the same, byte for byte." }</span>
                    </div>
                </div>
            } else {
                <div class="prompt-line">
                    <span class="prompt">{ p.handle.prompt() }</span>
                    <input ref={input} class="console-input" aria-label="Command" spellcheck="false"
                        autocomplete="off" autocapitalize="off" placeholder="kubectl get pods" {onkeydown} {onpaste} />
                    <button class="btn small open-script" onclick={open_script} title="Write or paste a script of several lines">{ "Script…" }</button>
                </div>
            }
        </div>
    }
}

/// Runs a script and records its transcript.
pub fn run_script(handle: &Handle, text: &str) {
    if text.trim().is_empty() {
        return;
    }
    let result = handle.run_script(text);
    push(
        handle,
        ConsoleEntry {
            prompt: "$".to_string(),
            command: format!("{}\n", text.trim_end()),
            output: CommandOutput {
                stdout: result.output,
                stderr: String::new(),
                exit_code: result.exit_code,
            },
        },
    );
}

/// The most output one entry keeps, like a terminal's scrollback: a pod
/// flooding its log (`kubectl run -i` of a load generator) must not slow
/// every later command's rendering.
const MAX_ENTRY_BYTES: usize = 256 * 1024;

/// Keeps the end of an output longer than [`MAX_ENTRY_BYTES`], from a line
/// start, saying how much went.
fn keep_tail(text: &mut String) {
    if text.len() <= MAX_ENTRY_BYTES {
        return;
    }
    let mut cut = text.len() - MAX_ENTRY_BYTES;
    while !text.is_char_boundary(cut) {
        cut += 1;
    }
    // From the next line start, unless that is the very end (one long
    // last line): then from a character boundary within it.
    let cut = match text[cut..].find('\n') {
        Some(i) if cut + i + 1 < text.len() => cut + i + 1,
        _ => cut,
    };
    let dropped = text[..cut].lines().count();
    *text = format!(
        "[the console keeps the last {} KiB of an output: {dropped} earlier lines are not shown]\n{}",
        MAX_ENTRY_BYTES / 1024,
        &text[cut..]
    );
}

fn push(handle: &Handle, mut entry: ConsoleEntry) {
    keep_tail(&mut entry.output.stdout);
    let mut console = handle.console.borrow_mut();
    console.entries.push(entry);
    if console.entries.len() > MAX_ENTRIES {
        let extra = console.entries.len() - MAX_ENTRIES;
        console.entries.drain(..extra);
    }
}

/// Runs a typed line and records it.
pub fn run_line(handle: &Handle, line: &str) {
    let prompt = handle.prompt();
    if line.is_empty() {
        handle.console.borrow_mut().entries.push(ConsoleEntry {
            prompt,
            command: String::new(),
            output: CommandOutput::default(),
        });
        return;
    }
    {
        let mut console = handle.console.borrow_mut();
        if console.history.last().map(String::as_str) != Some(line) {
            console.history.push(line.to_string());
        }
        if line == "clear" {
            console.entries.clear();
            return;
        }
    }
    let output = handle.run(line);
    push(
        handle,
        ConsoleEntry {
            prompt,
            command: line.to_string(),
            output,
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_come_before_the_result() {
        let (w, rest) = split_warnings("Warning: old\nWarning: older\nerror: bad\nWarning: late\n");
        assert_eq!(w, "Warning: old\nWarning: older\n");
        assert_eq!(rest, "error: bad\nWarning: late\n");
    }

    #[test]
    fn a_long_output_keeps_its_last_lines() {
        let mut short = "OK!\n".repeat(100);
        keep_tail(&mut short);
        assert_eq!(short, "OK!\n".repeat(100));
        let mut long: String = (0..100_000).map(|i| format!("line {i}\n")).collect();
        keep_tail(&mut long);
        assert!(long.len() <= MAX_ENTRY_BYTES + 100);
        let mut lines = long.lines();
        let note = lines.next().unwrap();
        let first: usize = lines.next().unwrap()[5..].parse().unwrap();
        assert_eq!(
            note,
            format!(
                "[the console keeps the last 256 KiB of an output: {first} earlier lines are not shown]"
            )
        );
        assert!(long.ends_with("line 99999\n"));
        // One long line without breaks is cut on a character boundary.
        let mut flood = "é".repeat(200_000);
        keep_tail(&mut flood);
        assert!(flood.len() <= MAX_ENTRY_BYTES + 100);
        let mut line = format!("{}\n", "OK!".repeat(100_000));
        keep_tail(&mut line);
        assert!(line.ends_with("OK!\n") && line.len() > MAX_ENTRY_BYTES);
    }
}
