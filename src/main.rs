//! Kubeplay's web app: the playground UI over the simulated cluster.

mod app;
mod bench;
mod completion;
mod dom;
mod editing;
mod embed;
mod engine_bridge;
mod examples;
mod fx;
mod highlight;
mod markup;
mod model;
mod session;
mod state;
mod traffic;
mod ui;

fn main() {
    yew::Renderer::<app::App>::new().render();
}
