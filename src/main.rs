//! Kubeplay's web app: the playground UI over the simulated cluster.

mod app;

fn main() {
    yew::Renderer::<app::App>::new().render();
}
