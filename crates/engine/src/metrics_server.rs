//! metrics-server, installed the way its README says: `kubectl apply -f`
//! of the release's `components.yaml` (v0.8.0), with
//! `--kubelet-insecure-tls` as kubeadm clusters need. Its APIService
//! `v1beta1.metrics.k8s.io` is what `kubectl top` and the
//! HorizontalPodAutoscaler reach the metrics API through: while no ready
//! metrics-server endpoint backs it, there are no metrics.

use crate::apiserver::aggregator;
use crate::cluster::Cluster;

/// The release manifest, as applied.
const COMPONENTS_YAML: &str = include_str!("metrics_server.yaml");

/// The resource metrics API's group and version.
pub(crate) const GROUP: &str = "metrics.k8s.io";
/// See [`GROUP`].
pub(crate) const VERSION: &str = "v1beta1";

/// Applies `components.yaml` as the cluster's admin, from a random stream
/// of its own (the names of what the user creates stay the same).
pub(crate) fn install(cluster: &mut Cluster) {
    let main_rng = std::mem::replace(
        &mut cluster.rng,
        crate::rng::Rng::new(cluster.seed ^ 0x6d65_7472_6963_7321),
    );
    let files = crate::kubectl::MemoryFiles::default().with("components.yaml", COMPONENTS_YAML);
    let out = cluster.kubectl("kubectl apply -f components.yaml", &files);
    debug_assert_eq!(out.exit_code, 0, "components.yaml applies: {}", out.stderr);
    cluster.step(0);
    cluster.rng = main_rng;
}

/// Whether a pod runs metrics-server (its image), the one aggregated API
/// server Kubeplay simulates.
pub(crate) fn runs_metrics_server(pod: &crate::value::Value) -> bool {
    pod.at(&["spec", "containers"]).items().any(|c| {
        c.get("image")
            .as_str()
            .is_some_and(|image| image.contains("metrics-server/metrics-server"))
    })
}

/// Whether the resource metrics API answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum MetricsApi {
    /// No APIService registers it (metrics-server is not installed).
    NotRegistered,
    /// Registered, but not available (no ready endpoint, or it does not
    /// answer).
    Unavailable,
    /// metrics-server answers.
    Available,
}

/// The resource metrics API's state, from its APIService.
pub(crate) fn metrics_api(cluster: &Cluster) -> MetricsApi {
    match aggregator::available(cluster, GROUP, VERSION) {
        None => MetricsApi::NotRegistered,
        Some(false) => MetricsApi::Unavailable,
        Some(true) => MetricsApi::Available,
    }
}

/// The error a direct request to the metrics API gets when it does not
/// answer (`(get pods.metrics.k8s.io)` names the resource asked for), as
/// client-go words a 404 or a 503; `None` when it answers.
pub(crate) fn request_error(cluster: &Cluster, resource: &str) -> Option<String> {
    match metrics_api(cluster) {
        MetricsApi::Available => None,
        MetricsApi::NotRegistered => Some(format!(
            "the server could not find the requested resource (get {resource}.{GROUP})"
        )),
        MetricsApi::Unavailable => Some(format!(
            "the server is currently unable to handle the request (get {resource}.{GROUP})"
        )),
    }
}
