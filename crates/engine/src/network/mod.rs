//! The cluster network: Services (cluster IPs, NodePorts, load balancers), kube-proxy's endpoint choice, the ingress controller, and HTTP requests through them.
//!
//! What a request meets, in order:
//! - the client (`curl` on the user's machine, 172.18.0.1 on kind's docker
//!   network) resolves the URL's host: an IP is used as is, a
//!   `*.svc.cluster.local` name resolves to the Service's cluster IP, and any
//!   other name resolves to the ingress controller (as if DNS pointed it there);
//! - the address is a node (NodePorts, and the ingress controller on 80/443),
//!   a load-balancer IP (MetalLB-style, [`loadbalancer`]), a cluster IP (as if
//!   curl ran in a shell on a node) or a pod IP;
//! - the ingress controller ([`ingress`]) picks an nginx server and location
//!   from the Ingresses it serves and balances over the Service's ready
//!   endpoints itself (ingress-nginx does not go through kube-proxy);
//! - kube-proxy ([`proxy`]) picks a random usable endpoint per connection,
//!   honouring session affinity and traffic policies;
//! - the pod answers through [`crate::kubelet::serve_http`].
//!
//! Everything is deterministic: random choices come from `cluster.rng`, and
//! time is simulated.

mod explain;
mod ingress;
mod loadbalancer;
mod policy;
pub(crate) mod portforward;
pub(crate) mod proxy;
mod route;
mod traffic;
mod url;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::rc::Rc;

/// The metrics window request load is counted over (metrics-server's
/// resolution).
const LOAD_WINDOW: Millis = 15_000;

use crate::cluster::{Cluster, Task, res};
use crate::scheduler::util::FxMap;
use crate::store::{ObjectKey, WatchEvent, WatchEventType};
use crate::time::Millis;

pub use explain::{
    EndpointState, IngressDecision, RouteExplanation, RuleCheck, RuleVerdict, ServiceRoute, Verdict,
};
pub use portforward::ShellJob;
pub(crate) use traffic::TrafficOwner;
pub use traffic::{MAX_REQUESTS_PER_SECOND, TrafficId, TrafficStats};

/// The address the simulated ingress-nginx is reachable at from outside:
/// the first address of the load-balancer pool, as MetalLB would give the
/// controller's `LoadBalancer` Service. It is also what the controller
/// writes into the `status.loadBalancer` of the Ingresses it serves.
pub const INGRESS_CONTROLLER_IP: &str = "172.18.255.200";

/// The client's address: the host side of kind's docker network, where
/// `curl` runs.
pub const CLIENT_IP: &str = "172.18.0.1";

/// How many recent requests are kept for the UI.
pub const RECENT_REQUESTS: usize = 256;

/// One hop of the simulated wire (client to node, node to pod), in ms.
const NETWORK_LATENCY_MS: u64 = 1;
/// What nginx adds to a proxied request, in ms.
const INGRESS_LATENCY_MS: u64 = 1;
/// How long a connect() to a dropped address takes to fail: Linux retries
/// the SYN 6 times (`net.ipv4.tcp_syn_retries`) with a doubling 1 s timeout,
/// giving up after 1+2+4+8+16+32+64 = 127 s.
const CONNECT_TIMEOUT_MS: u64 = 127_000;

/// What this component keeps between steps.
#[derive(Clone, Debug, Default)]
pub struct NetworkState {
    /// Whether the cluster runs the ingress controller (see
    /// [`install_ingress_controller`]).
    ingress_installed: bool,
    /// The nginx configuration rendered from the Ingresses, rebuilt when an
    /// Ingress or IngressClass changes.
    ingress_config: std::cell::RefCell<Option<std::rc::Rc<ingress::Config>>>,
    /// When the ingress controller's next status sync runs, if one is due.
    status_sync_at: Option<Millis>,
    /// LoadBalancer Services waiting for their address.
    lb_pending: BTreeSet<ObjectKey>,
    /// Indexes kept from watch events, so a request costs no scans.
    index: Index,
    /// kube-proxy's session-affinity table (the iptables `recent` module),
    /// looked up by key only.
    affinity: FxMap<AffinityKey, Affinity>,
    /// ingress-nginx's round-robin position per upstream.
    round_robin: BTreeMap<Rc<str>, u64>,
    /// Requests answered per pod (`namespace/name`).
    pod_hits: BTreeMap<Rc<str>, u64>,
    /// Requests answered per pod in the current and the previous metrics
    /// window: (window index, current count, previous count).
    pod_load: FxMap<Rc<str>, (u64, u64, u64)>,
    /// Responses per status code (0 = client-side failure).
    status_counts: BTreeMap<u64, u64>,
    /// The last [`RECENT_REQUESTS`] requests, oldest first.
    recent: VecDeque<RequestRecord>,
    next_request_id: u64,
    /// Traffic generators by id (a few: a sorted vector, no B-tree code).
    traffic: crate::vecmap::VecMap<u64, traffic::Generator>,
    next_traffic_id: u64,
    /// While a container's poll sends its next request through its
    /// script's tool: when the request goes and the stream's generator.
    pub(crate) stream_send: Option<(Millis, TrafficId)>,
    /// The response that request got, for the generator's statistics.
    pub(crate) stream_response: Option<Response>,
    /// The user's `kubectl port-forward … &` jobs, running or ended and
    /// not yet reported by `jobs`.
    pub(crate) port_forwards: Vec<portforward::PortForward>,
    /// How many proxies a request is passing through now (a proxy whose
    /// upstream leads back to itself stops here).
    pub(crate) proxy_depth: u8,
    /// Requests the API server answered over HTTP (each gets its own
    /// audit ID).
    pub(crate) api_requests: u64,
}

/// Lookups from addresses to objects, maintained from watch events (never
/// iterated, so the hash maps' order cannot show).
#[derive(Clone, Debug, Default)]
struct Index {
    cluster_ips: FxMap<String, ObjectKey>,
    /// Keyed by the port in decimal, like the address indexes beside it
    /// (one map type for the four in the browser bundle).
    node_ports: FxMap<String, ObjectKey>,
    lb_ips: FxMap<String, ObjectKey>,
    /// The node's key, not its name: the map type of the indexes beside
    /// it, so no B-tree of strings to strings is linked for it.
    node_ips: FxMap<String, ObjectKey>,
    pod_ips: FxMap<String, ObjectKey>,
    /// EndpointSlice names per (namespace, service name).
    slices: BTreeMap<(String, String), BTreeSet<Rc<str>>>,
}

/// (service `namespace/name`, port name, client IP).
type AffinityKey = (String, String, String);

#[derive(Clone, Debug)]
struct Affinity {
    address: String,
    port: i64,
    last_used: Millis,
}

/// Work this component scheduled for a later moment.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum NetworkTask {
    /// MetalLB's controller assigns an address to a LoadBalancer Service.
    AssignLoadBalancerIp(ObjectKey),
    /// ingress-nginx's periodic status sync (every 60 s) writes its address
    /// into the Ingresses it serves.
    SyncIngressStatus,
    /// A traffic generator sends its next batch of requests.
    TrafficTick(u64),
}

/// Hears about every change to the store.
pub(crate) fn on_change(cluster: &mut Cluster, event: &WatchEvent) {
    let kind = event.key.resource.get().kind;
    if !matches!(
        kind,
        "Service" | "EndpointSlice" | "Node" | "Pod" | "Ingress" | "IngressClass"
    ) {
        return;
    }
    let current = cluster.store.get(&event.key).cloned();
    match kind {
        "Service" => {
            index_service(cluster, event, current.as_ref());
            loadbalancer::on_service_change(cluster, event, current.as_ref());
        }
        "EndpointSlice" => index_slice(cluster, event, current.as_ref()),
        "Node" => index_node(cluster, event, current.as_ref()),
        "Pod" => index_pod(cluster, event, current.as_ref()),
        "Ingress" | "IngressClass" => {
            cluster.network.ingress_config.replace(None);
            ingress::on_change(cluster, event, current.as_ref());
        }
        _ => {}
    }
}

/// Does pending work at the current instant; true if it did anything.
/// Everything this component does is driven by watch events and timers.
pub(crate) fn work(cluster: &mut Cluster) -> bool {
    let _ = cluster;
    false
}

/// Runs a task that fell due.
pub(crate) fn run_task(cluster: &mut Cluster, task: NetworkTask) {
    match task {
        NetworkTask::AssignLoadBalancerIp(key) => loadbalancer::assign(cluster, &key),
        NetworkTask::SyncIngressStatus => ingress::sync_status(cluster),
        NetworkTask::TrafficTick(id) => traffic::tick(cluster, id),
    }
}

/// Makes the cluster run an ingress controller, as if ingress-nginx had
/// been installed the way minikube's `ingress` addon installs it.
///
/// Assumptions, since the controller's own pods are not simulated: it
/// answers on port 80 and 443 of every node (hostPorts, like a DaemonSet)
/// and at [`INGRESS_CONTROLLER_IP`] (its Service's load-balancer address);
/// every other host name resolves to it, as if DNS pointed there. Only its
/// IngressClass exists as an object: `nginx`, controller
/// `k8s.io/ingress-nginx`, marked as the default class.
pub(crate) fn install_ingress_controller(cluster: &mut Cluster) {
    // The controller's objects must not shift the random sequence other
    // components see (pod names, UIDs), so they draw from their own stream.
    let main_rng = std::mem::replace(
        &mut cluster.rng,
        crate::rng::Rng::new(cluster.seed ^ 0x696E_6772_6573_735F),
    );
    let class = crate::value::Value::from_pairs([
        ("apiVersion", "networking.k8s.io/v1".into()),
        ("kind", "IngressClass".into()),
        (
            "metadata",
            crate::value::Value::from_pairs([
                ("name", ingress::CLASS_NAME.into()),
                (
                    "labels",
                    crate::value::Value::from_pairs([
                        ("app.kubernetes.io/component", "controller".into()),
                        ("app.kubernetes.io/instance", "ingress-nginx".into()),
                        ("app.kubernetes.io/name", "ingress-nginx".into()),
                    ]),
                ),
                (
                    "annotations",
                    crate::value::Value::from_pairs([(
                        ingress::DEFAULT_CLASS_ANNOTATION,
                        "true".into(),
                    )]),
                ),
            ]),
        ),
        (
            "spec",
            crate::value::Value::from_pairs([("controller", ingress::CONTROLLER.into())]),
        ),
    ]);
    let created = cluster.create(class, &crate::apiserver::WriteOptions::system());
    cluster.rng = main_rng;
    if created.is_ok() {
        cluster.network.ingress_installed = true;
        if let Some(ip) = crate::apiserver::parse_ipv4(INGRESS_CONTROLLER_IP) {
            cluster.alloc.load_balancer_ips.insert(ip);
        }
    }
}

/// The DefaultIngressClass admission plugin: an Ingress created with
/// neither `spec.ingressClassName` nor the `kubernetes.io/ingress.class`
/// annotation gets the default IngressClass (the newest one when several
/// are marked).
pub(crate) fn admit_ingress(cluster: &Cluster, ingress: &mut crate::value::Value) {
    ingress::admit_default_class(cluster, ingress);
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
    /// The pod that sends it (a tool under `kubectl exec`, a container's
    /// script); `None` for the user's machine.
    pub from: Option<ObjectKey>,
    /// The client's User-Agent (curl's when `None`).
    pub user_agent: Option<String>,
}

impl Request {
    /// A `GET` of `url`.
    pub fn get(url: &str) -> Request {
        Request {
            method: "GET".into(),
            url: url.into(),
            host_header: None,
            from: None,
            user_agent: None,
        }
    }

    /// The same request sent from a pod.
    pub fn from_pod(mut self, pod: ObjectKey) -> Request {
        self.from = Some(pod);
        self
    }

    /// Whether the client tries IPv6 first for a name with both addresses:
    /// curl (the default client) does; BusyBox wget prefers IPv4
    /// (`FEATURE_PREFER_IPV4_ADDRESS`).
    pub(crate) fn prefers_ipv6(&self) -> bool {
        self.user_agent.is_none()
    }

    /// The same request with another client's User-Agent.
    pub fn with_user_agent(mut self, agent: &str) -> Request {
        self.user_agent = Some(agent.into());
        self
    }

    /// The same request with a Host header.
    pub fn with_host(mut self, host: &str) -> Request {
        self.host_header = Some(host.into());
        self
    }
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
    /// The request entered the cluster at a node (a NodePort, the ingress
    /// controller's host port, or the node announcing a load-balancer IP).
    Node {
        /// The node's name.
        node: String,
        /// The port it arrived at.
        port: i64,
    },
    /// The request was sent to a load-balancer address.
    LoadBalancer {
        /// The address.
        ip: String,
        /// The port.
        port: i64,
    },
}

/// What came back.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Response {
    /// Status code (a client-side failure such as an unresolvable host is 0).
    pub status: u16,
    /// Body, or curl's error message when `status` is 0.
    pub body: String,
    /// Total simulated latency.
    pub latency_ms: u64,
    /// The way it took.
    pub hops: Vec<Hop>,
    /// The response headers, in order.
    pub headers: Vec<(String, String)>,
    /// The address the client connected to, once the name resolved.
    pub remote_ip: Option<String>,
    /// What the user's background `kubectl port-forward` printed while it
    /// carried the connection (`Handling connection for 8080`).
    pub job_output: String,
}

/// A request the network carried, kept for the UI to animate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestRecord {
    /// Increasing id.
    pub id: u64,
    /// When it was sent (simulated ms).
    pub at: Millis,
    /// The traffic generator that sent it, if any.
    pub traffic: Option<TrafficId>,
    /// `GET`, …
    pub method: String,
    /// The URL.
    pub url: String,
    /// Status code (0 for a client-side failure).
    pub status: u16,
    /// Total latency.
    pub latency_ms: u64,
    /// The way it took.
    pub hops: Vec<Hop>,
}

impl Cluster {
    /// Sends an HTTP request through the cluster network, as `curl` would
    /// from the user's machine (cluster IPs as if from a shell on a node).
    pub fn send_request(&mut self, request: &Request) -> Response {
        // A container's poll sends when its stream is due, in the middle
        // of a step.
        if let Some((at, traffic)) = self.network.stream_send {
            let response = self.deliver(request, at, Some(traffic));
            self.network.stream_response = Some(response.clone());
            return response;
        }
        // A real cluster has converged by the time the user runs curl.
        self.settle();
        let now = self.now;
        self.deliver(request, now, None)
    }

    /// Explains how a request would be routed, without sending it: which
    /// Ingress rule matches and why the others do not, the Service and its
    /// endpoints, and the outcome.
    pub fn explain_route(&self, request: &Request) -> RouteExplanation {
        let plan = route::plan(self, request);
        explain::build(self, request, &plan)
    }

    /// Requests answered per pod (`namespace/name`), since the last reset.
    pub fn pod_hits(&self) -> &BTreeMap<Rc<str>, u64> {
        &self.network.pod_hits
    }

    /// Responses per status code (0 = client-side failure), since the last
    /// reset.
    pub fn status_counts(&self) -> &BTreeMap<u64, u64> {
        &self.network.status_counts
    }

    /// The most recent requests (at most [`RECENT_REQUESTS`]), oldest first.
    pub fn recent_requests(&self) -> impl Iterator<Item = &RequestRecord> {
        self.network.recent.iter()
    }

    /// Requests a pod (`namespace/name`) answered in the last complete
    /// metrics window before `now`, as metrics-server's sample covers it.
    pub fn pod_requests_last_window(&self, pod: &str, now: Millis) -> u64 {
        let wanted = (now / LOAD_WINDOW).saturating_sub(1);
        match self.network.pod_load.get(pod) {
            Some(&(w, current, _)) if w == wanted => current,
            Some(&(w, _, previous)) if w == wanted + 1 => previous,
            _ => 0,
        }
    }

    /// Clears the per-pod and per-status counters and the recent requests.
    pub fn reset_network_counters(&mut self) {
        self.network.pod_hits.clear();
        self.network.status_counts.clear();
        self.network.recent.clear();
    }

    /// Sends one request and records it.
    pub(crate) fn deliver(
        &mut self,
        request: &Request,
        at: Millis,
        traffic: Option<TrafficId>,
    ) -> Response {
        let plan = route::plan(self, request);
        let response = route::execute(self, plan);
        let net = &mut self.network;
        *net.status_counts
            .entry(u64::from(response.status))
            .or_insert(0) += 1;
        if let Some(Hop::Pod { pod, .. }) = response.hops.last() {
            *net.pod_hits.entry(pod.as_str().into()).or_insert(0) += 1;
            let window = at / LOAD_WINDOW;
            let load = net
                .pod_load
                .entry(pod.as_str().into())
                .or_insert((window, 0, 0));
            if load.0 != window {
                let previous = if load.0 + 1 == window { load.1 } else { 0 };
                *load = (window, 0, previous);
            }
            load.1 += 1;
        }
        net.next_request_id += 1;
        if net.recent.len() == RECENT_REQUESTS {
            net.recent.pop_front();
        }
        net.recent.push_back(RequestRecord {
            id: net.next_request_id,
            at,
            traffic,
            method: request.method.clone(),
            url: request.url.clone(),
            status: response.status,
            latency_ms: response.latency_ms,
            hops: response.hops.clone(),
        });
        response
    }
}

/// Keeps the address indexes of a Service.
fn index_service(cluster: &mut Cluster, event: &WatchEvent, current: Option<&crate::value::Value>) {
    let idx = &mut cluster.network.index;
    if let Some(old) = &event.old {
        for ip in service_addresses(old) {
            if idx.cluster_ips.get(&ip) == Some(&event.key) {
                idx.cluster_ips.remove(&ip);
            }
        }
        for np in node_ports(old) {
            let np = np.to_string();
            if idx.node_ports.get(&np) == Some(&event.key) {
                idx.node_ports.remove(&np);
            }
        }
        for ip in lb_ips(old) {
            if idx.lb_ips.get(&ip) == Some(&event.key) {
                idx.lb_ips.remove(&ip);
            }
        }
    }
    if let Some(svc) = current {
        for ip in service_addresses(svc) {
            idx.cluster_ips.insert(ip, event.key.clone());
        }
        for np in node_ports(svc) {
            idx.node_ports.insert(np.to_string(), event.key.clone());
        }
        for ip in lb_ips(svc) {
            idx.lb_ips.insert(ip, event.key.clone());
        }
    }
}

/// A Service's cluster IPs (none for headless and ExternalName Services).
fn service_addresses(svc: &crate::value::Value) -> Vec<String> {
    let mut ips: Vec<String> = svc
        .at(&["spec", "clusterIPs"])
        .items()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    if ips.is_empty()
        && let Some(ip) = svc.str_at(&["spec", "clusterIP"])
    {
        ips.push(ip.to_string());
    }
    ips.retain(|ip| crate::apiserver::parse_ipv4(ip).is_some());
    ips
}

/// The NodePorts a Service holds.
fn node_ports(svc: &crate::value::Value) -> Vec<i64> {
    svc.at(&["spec", "ports"])
        .items()
        .filter_map(|p| p.get("nodePort").as_i64())
        .collect()
}

/// The load-balancer addresses in a Service's status.
fn lb_ips(svc: &crate::value::Value) -> Vec<String> {
    svc.at(&["status", "loadBalancer", "ingress"])
        .items()
        .filter_map(|i| i.get("ip").as_str().map(str::to_string))
        .collect()
}

/// Keeps the EndpointSlices-by-Service index.
fn index_slice(cluster: &mut Cluster, event: &WatchEvent, current: Option<&crate::value::Value>) {
    let service_of = |v: &crate::value::Value| {
        v.str_at(&["metadata", "labels", proxy::SERVICE_NAME_LABEL])
            .map(str::to_string)
    };
    let idx = &mut cluster.network.index;
    let ns = event.key.namespace.to_string();
    let name = event.key.name.to_string();
    if let Some(old_svc) = event.old.as_ref().and_then(service_of) {
        let key = (ns.clone(), old_svc);
        if let Some(set) = idx.slices.get_mut(&key) {
            set.remove(name.as_str());
            if set.is_empty() {
                idx.slices.remove(&key);
            }
        }
    }
    if let Some(svc) = current.and_then(service_of) {
        idx.slices.entry((ns, svc)).or_default().insert(name.into());
    }
}

/// Keeps the node-address index.
fn index_node(cluster: &mut Cluster, event: &WatchEvent, current: Option<&crate::value::Value>) {
    let old_ips: Vec<String> = event.old.as_ref().map(node_ips).unwrap_or_default();
    let new_ips: Vec<String> = current.map(node_ips).unwrap_or_default();
    if old_ips == new_ips {
        return;
    }
    let idx = &mut cluster.network.index;
    for ip in old_ips {
        if idx
            .node_ips
            .get(&ip)
            .is_some_and(|k| k.name == event.key.name)
        {
            idx.node_ips.remove(&ip);
        }
    }
    for ip in new_ips {
        idx.node_ips.insert(ip, event.key.clone());
    }
}

pub(crate) use route::{proxied_headers, resolve_cluster_addresses};

/// Resolves `host` from a pod in `namespace` as its resolv.conf does
/// (`ndots:5`, the search list `<ns>.svc.cluster.local svc.cluster.local
/// cluster.local`): the name that answered and its address.
pub(crate) fn resolve_from_pod(
    cluster: &Cluster,
    namespace: &str,
    host: &str,
) -> Option<(String, String)> {
    if crate::apiserver::parse_ipv4(host).is_some() {
        return Some((host.to_string(), host.to_string()));
    }
    let absolute = host.strip_suffix('.');
    let name = absolute.unwrap_or(host);
    let search = search_domains(namespace).map(|d| format!("{name}.{d}"));
    let mut candidates: Vec<String> = Vec::new();
    if absolute.is_some() || name.matches('.').count() >= 5 {
        candidates.push(name.to_string());
    }
    if absolute.is_none() {
        candidates.extend(search);
        candidates.push(name.to_string());
    }
    candidates
        .into_iter()
        .find_map(|c| route::resolve_cluster_name(cluster, &c).map(|ip| (c, ip)))
}

/// How long a pod's resolver waits for CoreDNS before it gives up: glibc's
/// default `timeout:5` and `attempts:2` (a timeout ends the search list).
pub(crate) const RESOLVER_TIMEOUT_MS: u64 = 10_000;

/// Whether a pod's DNS queries reach CoreDNS: its egress policies (and
/// CoreDNS's ingress policies) judge UDP 53 to a CoreDNS pod like any other
/// packet, so a default-deny egress policy breaks name resolution.
pub(crate) fn dns_reachable(cluster: &Cluster, pod: &ObjectKey) -> bool {
    if !policy::any(cluster) {
        return true;
    }
    let coredns = cluster
        .store
        .list(res("Pod"), Some("kube-system"))
        .map(|(_, p)| p)
        .find(|p| {
            p.str_at(&["metadata", "labels", "k8s-app"]) == Some("kube-dns")
                && crate::controllers::endpoints::pod_ip(p).is_some()
        });
    let Some(coredns) = coredns else {
        return true;
    };
    let to = policy::Peer::Pod(ObjectKey::of(res("Pod"), coredns));
    let from = policy::Peer::Pod(pod.clone());
    policy::judge(cluster, Some(pod), &from, &to, 53, "UDP").is_ok()
}

/// The host and port curl connects to for `url` (empty and 80 when it
/// does not parse).
pub(crate) fn url_host_port(url: &str) -> (String, u16) {
    url::parse(url).map_or((String::new(), 80), |u| (u.host, u.port))
}

/// The path and query curl asks for (`/` when the URL has none).
pub(crate) fn url_path(url: &str) -> String {
    url::parse(url).map_or_else(|_| "/".to_string(), |u| url::remove_dot_segments(&u.path))
}

/// What the pod's /etc/hosts (the kubelet's file) says of `host`. For a
/// name with both families (`localhost`), a client that tries IPv6 first
/// (`prefer_ipv6`: curl) gets that address, others (BusyBox wget) IPv4's.
pub(crate) fn hosts_lookup(
    pod: Option<&crate::value::Value>,
    host: &str,
    prefer_ipv6: bool,
) -> Option<String> {
    let pod = pod?;
    let pod_ip = crate::controllers::endpoints::pod_ip(pod).unwrap_or("");
    let file = crate::kubelet::managed_hosts_file(pod, pod_ip);
    let name = host.trim_end_matches('.');
    let found: Vec<&str> = file
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let mut fields = l.split_whitespace();
            let ip = fields.next()?;
            fields.any(|n| n.eq_ignore_ascii_case(name)).then_some(ip)
        })
        .collect();
    found
        .iter()
        .find(|ip| ip.contains(':') == prefer_ipv6)
        .or(found.first())
        .map(|ip| ip.to_string())
}

/// The host a tool names in its messages (with the port when the URL
/// gives one) and the port it connects to (no scheme: http).
pub(crate) fn typed_host_port(url: &str) -> (String, u16) {
    match url::parse(url) {
        Ok(u) if u.explicit_port => (format!("{}:{}", u.host, u.port), u.port),
        Ok(u) => (u.host, u.port),
        Err(_) => {
            let rest = url.split_once("://").map_or(url, |(_, r)| r);
            (
                rest.split(['/', '?', '#']).next().unwrap_or("").to_string(),
                80,
            )
        }
    }
}

/// A pod's DNS search list in `namespace` (resolv.conf's `search`).
pub(crate) fn search_domains(namespace: &str) -> [String; 3] {
    [
        format!("{namespace}.svc.cluster.local"),
        "svc.cluster.local".to_string(),
        "cluster.local".to_string(),
    ]
}

/// A node's InternalIP and ExternalIP addresses.
pub(crate) fn node_ips(node: &crate::value::Value) -> Vec<String> {
    node.at(&["status", "addresses"])
        .items()
        .filter(|a| matches!(a.get("type").as_str(), Some("InternalIP" | "ExternalIP")))
        .filter_map(|a| a.get("address").as_str().map(str::to_string))
        .collect()
}

/// A node's first InternalIP.
pub(crate) fn node_internal_ip(node: &crate::value::Value) -> Option<String> {
    node.at(&["status", "addresses"])
        .items()
        .find(|a| a.get("type").as_str() == Some("InternalIP"))
        .and_then(|a| a.get("address").as_str().map(str::to_string))
}

/// Keeps the pod-address index (touched only when a pod's IP changes).
fn index_pod(cluster: &mut Cluster, event: &WatchEvent, current: Option<&crate::value::Value>) {
    // Host-network pods answer at their node's address, not a pod address.
    let ip_of = |v: &crate::value::Value| {
        if v.at(&["spec", "hostNetwork"]).as_bool() == Some(true) {
            return None;
        }
        v.str_at(&["status", "podIP"]).map(str::to_string)
    };
    let old_ip = event.old.as_ref().and_then(ip_of);
    let new_ip = current.and_then(ip_of);
    if old_ip == new_ip && event.kind != WatchEventType::Added {
        return;
    }
    let idx = &mut cluster.network.index;
    if let Some(ip) = old_ip
        && idx.pod_ips.get(&ip) == Some(&event.key)
    {
        idx.pod_ips.remove(&ip);
    }
    if let Some(ip) = new_ip {
        idx.pod_ips.insert(ip, event.key.clone());
    }
}

impl Cluster {
    /// Schedules a network task.
    fn schedule_network(&mut self, delay: Millis, task: NetworkTask) {
        self.schedule(delay, Task::Network(task));
    }
}

/// The Service at `key`, if it still exists.
fn service_at<'a>(cluster: &'a Cluster, key: &ObjectKey) -> Option<&'a crate::value::Value> {
    if key.resource != res("Service") {
        return None;
    }
    cluster.store.get(key)
}
