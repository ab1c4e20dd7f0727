//! The cluster network: Services (cluster IPs, NodePorts, load balancers), kube-proxy's endpoint choice, the ingress controller, and HTTP requests through them.

use crate::cluster::Cluster;
use crate::store::WatchEvent;

/// What this component keeps between steps.
#[derive(Clone, Debug, Default)]
pub struct NetworkState {}

/// Work this component scheduled for a later moment.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum NetworkTask {}

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
pub(crate) fn run_task(cluster: &mut Cluster, task: NetworkTask) {
    let _ = cluster;
    match task {}
}

/// A request sent into the cluster from outside (`curl`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// `GET`, `POST`, …
    pub method: String,
    /// The URL: `http://kube.lambdaclass.com/snackerbis`, `http://<node-ip>:30080/`, …
    pub url: String,
    /// A Host header overriding the URL's host (`curl -H 'Host: …'`).
    pub host_header: Option<String>,
}

/// One step of a request's way through the cluster, for the UI to animate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Hop {
    /// The ingress controller matched an Ingress rule.
    Ingress {
        /// namespace/name of the Ingress.
        ingress: String,
        /// The host and path rule that matched.
        rule: String,
    },
    /// A Service was chosen.
    Service {
        /// namespace/name of the Service.
        service: String,
        /// Its port.
        port: i64,
    },
    /// A pod answered.
    Pod {
        /// namespace/name of the pod.
        pod: String,
        /// The node it runs on.
        node: String,
    },
}

/// What came back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// Status code (a client-side failure such as an unresolvable host is 0).
    pub status: u16,
    /// Body, or curl's error message when `status` is 0.
    pub body: String,
    /// Total simulated latency.
    pub latency_ms: u64,
    /// The way it took.
    pub hops: Vec<Hop>,
}

impl Cluster {
    /// Sends an HTTP request through the cluster network.
    pub fn send_request(&mut self, request: &Request) -> Response {
        let _ = request;
        Response {
            status: 0,
            body: "curl: (7) Failed to connect: the cluster network is not simulated yet".into(),
            latency_ms: 0,
            hops: Vec::new(),
        }
    }
}
