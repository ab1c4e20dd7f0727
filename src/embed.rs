//! Telling the page that embeds the playground what happens
//! (`window.parent.postMessage`), and the browser APIs the workspace link
//! needs (CompressionStream, clipboard, history) in a few lines of JS.
//!
//! Every message is an object `{source: "kubeplay", type, time, …fields}`;
//! the README lists them.

use kubeplay_engine::Cluster;
use kubeplay_engine::store::WatchEventType;
use kubeplay_engine::value::Value;
use wasm_bindgen::prelude::*;
use web_sys::js_sys::{Array, Promise};

use crate::state::HostMessage;

#[wasm_bindgen(inline_js = r#"
export async function pack(text) {
  const s = new Blob([text]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  const b = new Uint8Array(await new Response(s).arrayBuffer());
  let bin = '';
  for (let i = 0; i < b.length; i += 32768) bin += String.fromCharCode.apply(null, b.subarray(i, i + 32768));
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
export async function unpack(code, limit) {
  if (!/^[A-Za-z0-9_-]*$/.test(code)) throw new Error('it is not a workspace link');
  const bin = atob(code.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  const reader = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate-raw')).getReader();
  const parts = [];
  let n = 0;
  for (;;) {
    let r;
    try { r = await reader.read(); } catch { throw new Error('it is damaged (the data does not decompress)'); }
    if (r.done) break;
    n += r.value.length;
    if (n > limit) { reader.cancel(); throw new Error('it is larger than ' + (limit >> 20) + ' MiB'); }
    parts.push(r.value);
  }
  const all = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { all.set(p, o); o += p.length; }
  try { return new TextDecoder('utf-8', { fatal: true }).decode(all); } catch { throw new Error('it is not text'); }
}
export function embedded() { try { return window.parent !== window; } catch { return true; } }
export function post(pairs) {
  const m = { source: 'kubeplay' };
  for (let i = 0; i + 1 < pairs.length; i += 2) m[pairs[i]] = pairs[i + 1];
  window.parent.postMessage(m, '*');
}
export function copy(text) { return navigator.clipboard ? navigator.clipboard.writeText(text) : Promise.reject(new Error('no clipboard')); }
export async function fetchText(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(url + ': HTTP ' + r.status);
  return r.text();
}
export function dropHash() { history.replaceState(null, '', location.pathname + location.search); }
export function download(name, type, text) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type }));
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}
"#)]
extern "C" {
    /// deflate-raw, then base64url: the text of a workspace link.
    pub fn pack(text: &str) -> Promise;
    /// The reverse, refusing more than `limit` bytes of text.
    pub fn unpack(code: &str, limit: u32) -> Promise;
    /// Whether the page runs in a frame.
    pub fn embedded() -> bool;
    fn post(pairs: Array);
    /// Copies text to the clipboard.
    pub fn copy(text: &str) -> Promise;
    /// The text at a URL (relative to the page).
    #[wasm_bindgen(js_name = fetchText)]
    pub fn fetch_text(url: &str) -> Promise;
    /// Drops the `#…` fragment from the address bar.
    #[wasm_bindgen(js_name = dropHash)]
    pub fn drop_hash();
    /// Saves text as a file.
    pub fn download(name: &str, mime: &str, text: &str);
}

/// Runs `done` with a promise's string result, or its error's message.
pub fn then_text(promise: Promise, done: impl FnOnce(Result<String, String>) + 'static) {
    let done = std::rc::Rc::new(std::cell::RefCell::new(Some(done)));
    let again = done.clone();
    let ok = Closure::<dyn FnMut(JsValue)>::once(move |v: JsValue| {
        if let Some(f) = done.borrow_mut().take() {
            f(Ok(v.as_string().unwrap_or_default()));
        }
    });
    let err = Closure::<dyn FnMut(JsValue)>::once(move |e: JsValue| {
        let message = web_sys::js_sys::Reflect::get(&e, &"message".into())
            .ok()
            .and_then(|m| m.as_string())
            .unwrap_or_else(|| "it could not be read".into());
        if let Some(f) = again.borrow_mut().take() {
            f(Err(message));
        }
    });
    let _ = promise.then2(&ok, &err);
    // Owned by JS from here on (a few bytes per share or link).
    ok.forget();
    err.forget();
}

/// Sends messages to the embedding page.
pub fn send(messages: Vec<HostMessage>, time: u64) {
    for (kind, fields) in messages {
        let pairs = Array::new();
        for (k, v) in [("type", kind.to_string()), ("time", time.to_string())]
            .into_iter()
            .chain(fields)
        {
            pairs.push(&k.into());
            let value: JsValue = match kubeplay_engine::num::parse_f64(&v) {
                Some(n) if k != "command" && k != "results" => n.into(),
                _ => v.into(),
            };
            pairs.push(&value);
        }
        post(pairs);
    }
}

fn ready(pod: Option<&Value>) -> bool {
    pod.is_some_and(|p| {
        p.at(&["status", "conditions"]).items().any(|c| {
            c.get("type").as_str() == Some("Ready") && c.get("status").as_str() == Some("True")
        })
    })
}

fn node_of(pod: Option<&Value>) -> Option<&str> {
    pod?.str_at(&["spec", "nodeName"]).filter(|n| !n.is_empty())
}

fn rollout_complete(d: Option<&Value>) -> bool {
    d.is_some_and(|d| {
        let int = |p: &[&str]| d.at(p).as_i64().unwrap_or(0);
        let desired = d.at(&["spec", "replicas"]).as_i64().unwrap_or(1);
        int(&["status", "observedGeneration"]) >= int(&["metadata", "generation"])
            && int(&["status", "updatedReplicas"]) == desired
            && int(&["status", "replicas"]) == desired
            && int(&["status", "availableReplicas"]) == desired
    })
}

/// Watches the cluster for what a tutorial wants to hear about: a pod
/// scheduled, a pod ready, a rollout complete, a node not ready.
#[derive(Clone, Debug, Default)]
pub struct HostWatch {
    seen: u64,
}

impl HostWatch {
    /// The messages for what changed since the last call.
    pub fn observe(&mut self, cluster: &Cluster) -> Vec<HostMessage> {
        let mut out = Vec::new();
        for (seq, ev, new) in crate::fx::changes_since(cluster, self.seen) {
            self.seen = seq;
            // A tutorial follows its own objects, not kube-system's add-ons.
            if ev.kind != WatchEventType::Modified
                || crate::model::is_system_namespace(&ev.key.namespace)
            {
                continue;
            }
            let old = ev.old.as_ref();
            let name = format!("{}/{}", ev.key.namespace, ev.key.name);
            match ev.key.resource.get().kind {
                "Pod" => {
                    if let (None, Some(node)) = (node_of(old), node_of(new)) {
                        out.push((
                            "pod-scheduled",
                            vec![("pod", name.clone()), ("node", node.to_string())],
                        ));
                    }
                    if !ready(old) && ready(new) {
                        let node = node_of(new).unwrap_or("").to_string();
                        out.push(("pod-ready", vec![("pod", name), ("node", node)]));
                    }
                }
                "Deployment" if !rollout_complete(old) && rollout_complete(new) => {
                    let revision = new
                        .and_then(|d| {
                            d.str_at(&[
                                "metadata",
                                "annotations",
                                "deployment.kubernetes.io/revision",
                            ])
                        })
                        .unwrap_or("")
                        .to_string();
                    out.push((
                        "rollout-complete",
                        vec![("deployment", name), ("revision", revision)],
                    ));
                }
                "Node" => {
                    let status = |n: Option<&Value>| {
                        n.and_then(|n| {
                            n.at(&["status", "conditions"])
                                .items()
                                .find(|c| c.get("type").as_str() == Some("Ready"))
                                .and_then(|c| c.get("status").as_str())
                        })
                        .map(str::to_string)
                    };
                    let (was, is) = (status(old), status(new));
                    if was.as_deref() == Some("True") && is.as_deref() != Some("True") {
                        out.push(("node-not-ready", vec![("node", ev.key.name.to_string())]));
                    }
                }
                _ => {}
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tutorial_hears_pods_scheduled_and_ready_and_rollouts_complete() {
        let mut c = Cluster::new(1);
        let mut watch = HostWatch::default();
        assert!(watch.observe(&c).is_empty());
        let mut text = crate::examples::EXAMPLES
            .iter()
            .find(|e| e.id == "nginx")
            .unwrap()
            .text
            .replace("replicas: 3", "replicas: 1");
        text.push('\n');
        crate::state::run_command(
            &mut c,
            "kubectl apply -f nginx.yaml",
            &[("nginx.yaml".into(), text)],
        );
        c.step(60_000);
        let got: Vec<&str> = watch.observe(&c).iter().map(|m| m.0).collect();
        assert_eq!(got, ["pod-scheduled", "pod-ready", "rollout-complete"]);
        crate::state::run_command(&mut c, "stop node node-1", &[]);
        crate::state::run_command(&mut c, "stop node node-2", &[]);
        crate::state::run_command(&mut c, "stop node node-3", &[]);
        c.step(60_000);
        let got: Vec<(&str, String)> = watch
            .observe(&c)
            .into_iter()
            .filter(|m| m.0 == "node-not-ready")
            .map(|m| (m.0, m.1[0].1.clone()))
            .collect();
        assert_eq!(got.len(), 3, "{got:?}");
    }
}
