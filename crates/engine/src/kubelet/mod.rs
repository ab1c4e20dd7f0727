//! The kubelet and container runtime of each node: image pulls, containers, probes, restarts, termination and the pod and node status it reports.

use crate::cluster::Cluster;
use crate::store::WatchEvent;

/// What this component keeps between steps.
#[derive(Clone, Debug, Default)]
pub struct KubeletState {}

/// Work this component scheduled for a later moment.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum KubeletTask {}

/// Hears about every change to the store.
pub(crate) fn on_change(cluster: &mut Cluster, event: &WatchEvent) {
    let _ = (cluster, event);
}

/// Does pending work at the current instant; true if it did anything.
pub(crate) fn work(cluster: &mut Cluster) -> bool {
    let _ = cluster;
    false
}

/// Runs a task that fell due.
pub(crate) fn run_task(cluster: &mut Cluster, task: KubeletTask) {
    let _ = cluster;
    match task {}
}

use crate::api::errors::StatusError;
use crate::http::{HttpAnswer, HttpRequest};
use crate::value::Value;

/// What a running pod's container answers on `port` (the simulated
/// application; its behaviour follows the container's environment).
#[allow(dead_code)] // called by the network once it lands
pub(crate) fn serve_http(
    cluster: &Cluster,
    pod: &Value,
    port: i64,
    request: &HttpRequest,
) -> HttpAnswer {
    let _ = (cluster, port, request);
    let name = pod.str_at(&["metadata", "name"]).unwrap_or("");
    let image = pod
        .at(&["spec", "containers"])
        .items()
        .next()
        .and_then(|c| c.get("image").as_str())
        .unwrap_or("");
    HttpAnswer {
        status: 200,
        body: format!("Hello from {name} ({image})\n"),
        latency_ms: 1,
    }
}

impl Cluster {
    /// Stops a node: its kubelet stops posting status and its containers stop.
    pub fn stop_node(&mut self, name: &str) -> Result<(), String> {
        Err(format!("stopping node {name} is not simulated yet"))
    }

    /// Starts a stopped node again.
    pub fn start_node(&mut self, name: &str) -> Result<(), String> {
        Err(format!("starting node {name} is not simulated yet"))
    }

    /// Removes a node from the cluster (its Node object and kubelet).
    pub fn remove_node(&mut self, name: &str) -> Result<(), String> {
        Err(format!("removing node {name} is not simulated yet"))
    }

    /// Kills a pod's container (the first one when `container` is None), as
    /// if its process died.
    pub fn kill_container(
        &mut self,
        namespace: &str,
        pod: &str,
        container: Option<&str>,
    ) -> Result<(), String> {
        let _ = (namespace, container);
        Err(format!("killing containers of {pod} is not simulated yet"))
    }

    /// Makes an image pullable or not (a registry outage, a deleted tag).
    pub fn set_image_available(&mut self, image: &str, available: bool) {
        let _ = (image, available);
    }

    /// A container's log, as `kubectl logs` prints it (`previous` for the
    /// last terminated instance).
    pub fn container_logs(
        &self,
        namespace: &str,
        pod: &str,
        container: Option<&str>,
        previous: bool,
    ) -> Result<String, StatusError> {
        let _ = (namespace, container, previous);
        Err(StatusError::not_found("pods", pod))
    }

    /// A pod's current CPU (millicores) and memory (bytes) use, as
    /// metrics-server reports it for `kubectl top`.
    pub fn pod_usage(&self, namespace: &str, pod: &str) -> Option<(i64, i64)> {
        let _ = (namespace, pod);
        None
    }
}
