//! The top-level component: boots the engine's default cluster and shows it.

use kubeplay_engine::{Cluster, NodeRole};
use yew::prelude::*;

/// The seed a fresh playground starts from.
const DEFAULT_SEED: u64 = 1;

/// The playground's root component.
#[function_component(App)]
pub fn app() -> Html {
    let cluster = use_memo((), |_| Cluster::new(DEFAULT_SEED));
    let node_list = cluster.nodes();
    let nodes = node_list.iter().map(|node| {
        let role = match node.role {
            NodeRole::ControlPlane => "control-plane",
            NodeRole::Worker => "worker",
        };
        html! {
            <li class={classes!("node-card", role)} data-node={node.name.clone()}>
                <span class="node-name">{ &node.name }</span>
                <span class="node-role">{ role }</span>
                <span class="node-capacity">
                    { format!("{} CPU · {} memory · {} pods", node.cpu, node.memory, node.pods) }
                </span>
            </li>
        }
    });
    html! {
        <main class="app" data-ready="true">
            <header class="topbar">
                <h1>{ "Kubeplay" }</h1>
                <span class="tagline">{ "a Kubernetes cluster in your browser tab" }</span>
                <span class="version">{ format!("Kubernetes {}", kubeplay_engine::KUBERNETES_VERSION) }</span>
            </header>
            <section class="cluster" aria-label="Cluster">
                <ul class="nodes">{ for nodes }</ul>
            </section>
        </main>
    }
}
