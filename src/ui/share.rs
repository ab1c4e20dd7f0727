//! Share and export: a link carrying the workspace in its fragment (the
//! session script compressed, no server), the iframe snippet that embeds
//! it, and the manifests or the session script as files.

use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::embed;
use crate::session::{Workspace, export_manifests};
use crate::state::Handle;

/// The longest workspace link code Kubeplay writes or reads (characters
/// after `#w=`); browsers and chat apps cope with links of this size.
pub const MAX_LINK_CODE: usize = 32 * 1024;

/// The page's address without query or fragment.
pub fn base_url() -> String {
    let l = crate::dom::window().location();
    format!(
        "{}{}",
        l.origin().unwrap_or_default(),
        l.pathname().unwrap_or_default()
    )
}

/// Why a workspace is too large to share, or `None`.
pub fn too_large(code_len: usize, seed: u64) -> Option<String> {
    (code_len > MAX_LINK_CODE).then(|| {
        format!(
            "This workspace is too large to share as a link: compressed, it takes {} KiB and a link holds at most {} KiB. Export the session script instead and run it with `kubeplay script session.kps --seed {seed}`, or paste it into the console of a fresh playground.",
            code_len.div_ceil(1024),
            MAX_LINK_CODE / 1024
        )
    })
}

/// The Share menu's inputs.
#[derive(Properties, PartialEq)]
pub struct ShareProps {
    /// The playground.
    pub handle: Handle,
}

/// The Share button and its panel.
#[function_component(Share)]
pub fn share(p: &ShareProps) -> Html {
    let open = use_state(|| false);
    // The link code, or why there is none.
    let code = use_state(|| None::<Result<String, String>>);
    let view = use_state(|| "cluster".to_string());
    let copied = use_state(|| false);
    let toggle = {
        let open = open.clone();
        let code = code.clone();
        let handle = p.handle.clone();
        let copied = copied.clone();
        Callback::from(move |_: MouseEvent| {
            let opening = !*open;
            open.set(opening);
            copied.set(false);
            if !opening {
                return;
            }
            code.set(None);
            let ws = handle.workspace();
            let seed = ws.seed;
            let code = code.clone();
            embed::then_text(embed::pack(&ws.encode()), move |r| {
                code.set(Some(r.and_then(|c| match too_large(c.len(), seed) {
                    Some(why) => Err(why),
                    None => Ok(c),
                })))
            });
        })
    };
    if !*open {
        return html! {
            <button class="btn share" onclick={toggle} aria-haspopup="dialog" aria-expanded="false">{ "Share" }</button>
        };
    }
    let download = |what: u8| {
        let handle = p.handle.clone();
        Callback::from(move |_: MouseEvent| {
            let ws: Workspace = handle.workspace();
            if what == 0 {
                embed::download(
                    "kubeplay-manifests.yaml",
                    "application/yaml",
                    &export_manifests(&handle.cluster.borrow()),
                );
            } else {
                let text = format!(
                    "# Kubeplay session: kubeplay script kubeplay-session.kps --seed {}\n{}",
                    ws.seed, ws.script
                );
                embed::download("kubeplay-session.kps", "text/plain", &text);
            }
        })
    };
    let body = match &*code {
        None => html! { <p class="muted">{ "Compressing the workspace…" }</p> },
        Some(Err(why)) => html! { <p class="err share-error">{ why.clone() }</p> },
        Some(Ok(c)) => {
            let link = format!("{}#w={c}", base_url());
            let embed_src = format!("{}?embed&view={}#w={c}", base_url(), *view);
            let snippet = format!(
                "<iframe src=\"{embed_src}\" width=\"800\" height=\"500\" style=\"border:0\" title=\"Kubeplay: a Kubernetes cluster in your browser\"></iframe>"
            );
            let copy = {
                let link = link.clone();
                let copied = copied.clone();
                Callback::from(move |_: MouseEvent| {
                    let copied = copied.clone();
                    embed::then_text(embed::copy(&link), move |r| copied.set(r.is_ok()));
                })
            };
            let set_view = {
                let view = view.clone();
                Callback::from(move |e: Event| {
                    view.set(e.target_unchecked_into::<HtmlSelectElement>().value())
                })
            };
            html! {
                <>
                    <label class="share-row"><span>{ "Link" }</span>
                        <input class="share-url" type="text" readonly=true value={link} aria-label="Link to this workspace" />
                        <button class="btn small" onclick={copy}>{ if *copied { "Copied" } else { "Copy" } }</button>
                    </label>
                    <p class="muted small">{ format!("Opens the same cluster at the same simulated time ({} characters, no server involved).", c.len()) }</p>
                    <label class="share-row"><span>{ "Embed" }</span>
                        <select onchange={set_view} aria-label="View the embed opens on">
                            { for ["cluster", "console", "editor"].iter().map(|v| html! { <option value={*v} selected={*v == *view}>{ *v }</option> }) }
                        </select>
                    </label>
                    <textarea class="embed-snippet" readonly=true rows="3" value={snippet} aria-label="Embed snippet" />
                </>
            }
        }
    };
    html! {
        <div class="share-wrap">
            <button class="btn share on" onclick={toggle.clone()} aria-haspopup="dialog" aria-expanded="true">{ "Share" }</button>
            <div class="menu-backdrop" onclick={toggle}></div>
            <div class="share-panel" role="dialog" aria-label="Share and export">
                { body }
                <div class="share-row exports"><span>{ "Export" }</span>
                    <button class="btn small export-yaml" onclick={download(0)} title="The objects you made, for kubectl apply -f">{ "Manifests (.yaml)" }</button>
                    <button class="btn small export-script" onclick={download(1)} title="What you did, for kubeplay script">{ "Session script (.kps)" }</button>
                </div>
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_have_a_size_limit_with_a_way_out() {
        assert_eq!(too_large(MAX_LINK_CODE, 1), None);
        let why = too_large(MAX_LINK_CODE + 1, 7).unwrap();
        assert!(why.starts_with(
            "This workspace is too large to share as a link: compressed, it takes 33 KiB"
        ));
        assert!(why.contains("--seed 7"));
    }
}
