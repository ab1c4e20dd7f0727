//! Kubeplay's engine: a simulated Kubernetes cluster.
//!
//! The engine has no web dependencies: it builds and tests natively, and the
//! same code runs in the browser. Simulated time only advances through
//! [`Cluster::step`], and every random choice comes from one seeded generator.

// Tests may sort with std (clippy.toml steers engine code to CompactSort).
#![cfg_attr(test, allow(clippy::disallowed_methods))]

pub mod api;
pub mod apiserver;
#[cfg(not(target_arch = "wasm32"))]
pub mod bench;
pub mod casemap;
pub mod cluster;
pub mod controllers;
pub mod events;
pub(crate) mod host;
pub mod http;
pub mod kubeadm;
pub mod kubectl;
pub mod kubelet;
pub(crate) mod metrics_server;
pub mod network;
pub mod num;
pub mod quantity;
pub mod rng;
pub mod scheduler;
pub mod script;
pub mod sort;
pub mod store;
pub mod time;
pub mod unidiff;
pub mod value;
pub mod vecmap;
pub mod yaml;

pub use cluster::{Cluster, NodeOptions, NodeRole, NodeSummary, Taint};
pub use scheduler::util::{FxMap, fx_map};

/// The Kubernetes release whose behaviour the engine reproduces.
pub const KUBERNETES_VERSION: &str = "v1.37.0";

/// The engine's own version (the workspace version).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
