//! kube-proxy: a Service's endpoints as read from its EndpointSlices, and
//! which of them a connection may use (`pkg/proxy/topology.go`
//! `CategorizeEndpoints`): Ready endpoints, falling back to serving and
//! terminating ones; only node-local ones under a `Local` traffic policy.

use crate::cluster::{Cluster, res};
use crate::value::Value;

/// The label tying an EndpointSlice to its Service.
pub(crate) const SERVICE_NAME_LABEL: &str = "kubernetes.io/service-name";

/// The default `sessionAffinityConfig.clientIP.timeoutSeconds` (3 hours).
pub(crate) const DEFAULT_AFFINITY_TIMEOUT_SECONDS: i64 = 10_800;

/// One endpoint of a Service port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Endpoint {
    /// The pod's IP.
    pub address: String,
    /// The container port (the resolved `targetPort`).
    pub port: i64,
    /// The node the pod runs on (`nodeName`).
    pub node: String,
    /// The pod (`targetRef`): namespace and name.
    pub pod: Option<(String, String)>,
    /// `conditions.ready`.
    pub ready: bool,
    /// `conditions.serving`.
    pub serving: bool,
    /// `conditions.terminating`.
    pub terminating: bool,
}

impl Endpoint {
    /// `namespace/name` of the pod, or the address when there is no pod.
    pub fn pod_name(&self) -> String {
        match &self.pod {
            Some((ns, name)) => format!("{ns}/{name}"),
            None => self.address.clone(),
        }
    }
}

/// The IPv4 EndpointSlices of a Service, in name order.
pub(crate) fn slices<'a>(cluster: &'a Cluster, namespace: &str, service: &str) -> Vec<&'a Value> {
    let rid = res("EndpointSlice");
    let found: Vec<&Value> = if cluster.store.has_events() {
        // Changes not yet dispatched: the index may be stale.
        cluster
            .store
            .list(rid, Some(namespace))
            .map(|(_, v)| v)
            .filter(|v| v.str_at(&["metadata", "labels", SERVICE_NAME_LABEL]) == Some(service))
            .collect()
    } else {
        cluster
            .network
            .index
            .slices
            .get(&(namespace.to_string(), service.to_string()))
            .into_iter()
            .flatten()
            .filter_map(|name| cluster.store.get_named(rid, namespace, name))
            .collect()
    };
    found
        .into_iter()
        .filter(|s| matches!(s.get("addressType").as_str(), None | Some("IPv4")))
        .collect()
}

/// The endpoint of a slice entry for one port number.
fn endpoint(ep: &Value, port: i64) -> Option<Endpoint> {
    // kube-proxy uses the first address of an endpoint.
    let address = ep.get("addresses").items().next()?.as_str()?.to_string();
    let cond = ep.get("conditions");
    Some(Endpoint {
        address,
        port,
        node: ep.get("nodeName").as_str().unwrap_or("").to_string(),
        pod: match ep.get("targetRef") {
            r if r.get("kind").as_str().unwrap_or("Pod") == "Pod" && !r.is_null() => Some((
                r.get("namespace").as_str().unwrap_or("").to_string(),
                r.get("name").as_str()?.to_string(),
            )),
            _ => None,
        },
        ready: cond.get("ready").as_bool().unwrap_or(true),
        serving: cond.get("serving").as_bool().unwrap_or(true),
        terminating: cond.get("terminating").as_bool().unwrap_or(false),
    })
}

/// The endpoints kube-proxy programs for the Service port named
/// `port_name` (empty for an unnamed port): slice ports are matched by name.
pub(crate) fn endpoints_for_port(
    cluster: &Cluster,
    namespace: &str,
    service: &str,
    port_name: &str,
) -> Vec<Endpoint> {
    let mut out: Vec<Endpoint> = Vec::new();
    for slice in slices(cluster, namespace, service) {
        let Some(port) = slice
            .get("ports")
            .items()
            .find(|p| {
                p.get("name").as_str().unwrap_or("") == port_name
                    && p.get("protocol").as_str().unwrap_or("TCP") == "TCP"
            })
            .and_then(|p| p.get("port").as_i64())
        else {
            continue;
        };
        for ep in slice.get("endpoints").items() {
            if let Some(e) = endpoint(ep, port)
                && !out
                    .iter()
                    .any(|o| o.address == e.address && o.port == e.port)
            {
                out.push(e);
            }
        }
    }
    out
}

/// The endpoints ingress-nginx balances over for a Service port
/// (`getEndpointsFromSlices`): Ready ones only; a slice port is used when
/// its name matches the Service port's (any port when that is unnamed),
/// else the Service's numeric `targetPort`.
pub(crate) fn ingress_endpoints(
    cluster: &Cluster,
    namespace: &str,
    service: &str,
    service_port: &Value,
) -> Vec<Endpoint> {
    let port_name = service_port.get("name").as_str().unwrap_or("");
    let numeric_target = service_port.get("targetPort").as_i64();
    let mut out: Vec<Endpoint> = Vec::new();
    for slice in slices(cluster, namespace, service) {
        let mut ports: Vec<i64> = Vec::new();
        let slice_ports: Vec<&Value> = slice.get("ports").items().collect();
        if slice_ports.is_empty() {
            ports.extend(numeric_target);
        }
        for p in slice_ports {
            if p.get("protocol").as_str().unwrap_or("TCP") != "TCP" {
                continue;
            }
            let named = if port_name.is_empty() || p.get("name").as_str() == Some(port_name) {
                p.get("port").as_i64()
            } else {
                None
            };
            if let Some(port) = named.or(numeric_target) {
                ports.push(port);
            }
        }
        for ep in slice.get("endpoints").items() {
            for &port in &ports {
                if let Some(e) = endpoint(ep, port)
                    && e.ready
                    && !out
                        .iter()
                        .any(|o| o.address == e.address && o.port == e.port)
                {
                    out.push(e);
                }
            }
        }
    }
    out
}

/// Where a connection comes from, for the traffic policies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Traffic {
    /// To a cluster IP, from a client on `node`.
    Internal { node: Option<String> },
    /// To a NodePort or load-balancer IP, arriving at `node`.
    External { node: Option<String> },
}

/// What kube-proxy does with a connection to a Service port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Disposition {
    /// DNAT to one of these endpoints.
    Forward(Vec<Endpoint>),
    /// No usable endpoint anywhere: `REJECT` ("has no endpoints").
    Reject,
    /// `Local` policy and no usable endpoint on this node: `DROP`
    /// ("has no local endpoints").
    Drop,
}

/// True when the Service's traffic policy for this traffic is `Local`.
pub(crate) fn local_policy(service: &Value, traffic: &Traffic) -> bool {
    let field = match traffic {
        Traffic::Internal { .. } => "internalTrafficPolicy",
        Traffic::External { .. } => "externalTrafficPolicy",
    };
    service.str_at(&["spec", field]) == Some("Local")
}

/// kube-proxy's choice of usable endpoints (`CategorizeEndpoints`).
pub(crate) fn categorize(
    service: &Value,
    endpoints: &[Endpoint],
    traffic: &Traffic,
) -> Disposition {
    let node = match traffic {
        Traffic::Internal { node } | Traffic::External { node } => node.as_deref(),
    };
    let pick = |f: &dyn Fn(&Endpoint) -> bool| -> Vec<Endpoint> {
        endpoints.iter().filter(|e| f(e)).cloned().collect()
    };
    let has_any = endpoints
        .iter()
        .any(|e| e.ready || (e.serving && e.terminating));
    if !has_any {
        return Disposition::Reject;
    }
    if local_policy(service, traffic) {
        let is_local = |e: &Endpoint| node.is_some_and(|n| n == e.node);
        let mut local = pick(&|e| is_local(e) && e.ready);
        if local.is_empty() {
            local = pick(&|e| is_local(e) && e.serving && e.terminating);
        }
        return if local.is_empty() {
            Disposition::Drop
        } else {
            Disposition::Forward(local)
        };
    }
    let mut cluster = pick(&|e| e.ready);
    if cluster.is_empty() {
        cluster = pick(&|e| e.serving && e.terminating);
    }
    Disposition::Forward(cluster)
}

/// The session-affinity timeout of a `ClientIP` Service, in seconds.
pub(crate) fn affinity_timeout(service: &Value) -> Option<i64> {
    if service.str_at(&["spec", "sessionAffinity"]) != Some("ClientIP") {
        return None;
    }
    Some(
        service
            .at(&[
                "spec",
                "sessionAffinityConfig",
                "clientIP",
                "timeoutSeconds",
            ])
            .as_i64()
            .unwrap_or(DEFAULT_AFFINITY_TIMEOUT_SECONDS),
    )
}

/// The Service port a connection to `port` (the Service's `port`, or its
/// `nodePort` when `node_port` is set) addresses.
pub(crate) fn service_port(service: &Value, port: i64, node_port: bool) -> Option<&Value> {
    let field = if node_port { "nodePort" } else { "port" };
    service.at(&["spec", "ports"]).items().find(|p| {
        p.get(field).as_i64() == Some(port) && p.get("protocol").as_str().unwrap_or("TCP") == "TCP"
    })
}

/// `targetPort` as written (a number or a port name), defaulting to `port`.
pub(crate) fn target_port_text(port: &Value) -> String {
    match port.get("targetPort") {
        Value::Int(n) => n.to_string(),
        Value::String(s) => s.to_string(),
        _ => port
            .get("port")
            .as_i64()
            .map(|p| p.to_string())
            .unwrap_or_default(),
    }
}
