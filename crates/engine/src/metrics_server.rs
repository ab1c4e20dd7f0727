//! metrics-server, installed the way its README says: `kubectl apply -f`
//! of the release's `components.yaml` (v0.8.0), with
//! `--kubelet-insecure-tls` as kubeadm clusters need. Its APIService
//! `v1beta1.metrics.k8s.io` is what `kubectl top` and the
//! HorizontalPodAutoscaler reach the metrics API through: while no ready
//! metrics-server endpoint backs it, there are no metrics.

use crate::apiserver::aggregator;
use crate::cluster::Cluster;
use crate::value::Value;

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

/// metrics-server's image repository, on any registry.
pub(crate) const IMAGE_REPOSITORY: &str = "metrics-server/metrics-server";

/// The container of a pod that runs metrics-server (its image), the one
/// aggregated API server Kubeplay simulates.
fn metrics_server_container(pod: &Value) -> Option<&Value> {
    pod.at(&["spec", "containers"]).items().find(|c| {
        c.get("image")
            .as_str()
            .is_some_and(|image| crate::kubelet::images::repository_path(image) == IMAGE_REPOSITORY)
    })
}

/// The port a pod's metrics-server serves on (`--secure-port`, 10250 in
/// v0.8), if it runs one.
pub(crate) fn secure_port(pod: &Value) -> Option<i64> {
    let c = metrics_server_container(pod)?;
    let port = args_of(c)
        .iter()
        .rev()
        .find_map(|a| a.strip_prefix("--secure-port=")?.parse().ok());
    Some(port.unwrap_or(10250))
}

/// A container's command and arguments.
fn args_of(c: &Value) -> Vec<String> {
    c.get("command")
        .items()
        .chain(c.get("args").items())
        .filter_map(|a| a.as_str().map(str::to_string))
        .collect()
}

/// Whether metrics-server started with `args` verifies the kubelets'
/// serving certificates: unless `--kubelet-insecure-tls` (a pflag bool,
/// its last occurrence winning) is true. A kubeadm kubelet's self-signed
/// certificate has no IP SANs, so no CA makes it pass.
pub(crate) fn verifies_kubelet_tls(args: &[String]) -> bool {
    let mut insecure = false;
    for a in args {
        if a == "--kubelet-insecure-tls" {
            insecure = true;
        } else if let Some(v) = a.strip_prefix("--kubelet-insecure-tls=") {
            insecure = matches!(v, "1" | "t" | "T" | "TRUE" | "true" | "True");
        }
    }
    !insecure
}

/// Whether metrics-server has scraped anything: a pod behind its
/// APIService's Service that runs it without verifying the kubelets'
/// certificates (else every scrape fails and it serves empty lists).
pub(crate) fn has_metrics(cluster: &Cluster) -> bool {
    let Some(api_service) = cluster.store.get_named(
        crate::cluster::res("APIService"),
        "",
        &format!("{VERSION}.{GROUP}"),
    ) else {
        return false;
    };
    let service = api_service.at(&["spec", "service"]);
    let namespace = service.get("namespace").as_str().unwrap_or("");
    let name = service.get("name").as_str().unwrap_or("");
    cluster
        .store
        .list(crate::cluster::res("EndpointSlice"), Some(namespace))
        .filter(|(_, slice)| {
            slice.str_at(&["metadata", "labels", "kubernetes.io/service-name"]) == Some(name)
        })
        .flat_map(|(_, slice)| slice.get("endpoints").items())
        .filter_map(|e| e.at(&["targetRef", "name"]).as_str())
        .filter_map(|pod| {
            cluster
                .store
                .get_named(crate::cluster::res("Pod"), namespace, pod)
        })
        .filter_map(metrics_server_container)
        .any(|c| !verifies_kubelet_tls(&args_of(c)))
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
