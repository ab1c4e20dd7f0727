//! A request's route: where its address leads (ingress controller, node,
//! load balancer, cluster IP, pod), which endpoints may answer, and then the
//! choice of one and the pod's answer.
//!
//! Planning reads the cluster only, so [`Cluster::explain_route`] can show
//! the same decisions the request would meet; executing makes the random
//! and round-robin choices and updates session affinity.

use crate::cluster::{Cluster, res};
use crate::http::{ConnectFailure, HttpRequest};
use crate::store::ObjectKey;
use crate::value::Value;

use super::ingress::{self, Decision, LocationMatch};
use super::policy::{self, Peer};
use super::proxy::{self, Disposition, Endpoint, Traffic};
use super::url::{self, CurlError};
use super::{
    Affinity, AffinityKey, CLIENT_IP, CONNECT_TIMEOUT_MS, Hop, INGRESS_CONTROLLER_IP,
    INGRESS_LATENCY_MS, NETWORK_LATENCY_MS, Request, Response,
};

/// What happens at the end of the planned route.
#[derive(Clone, Debug)]
pub(crate) enum Outcome {
    /// curl fails: nothing reachable.
    Curl(CurlError, u64),
    /// nginx answers by itself (404, 503, 301).
    Page(u16),
    /// A connection to one of these endpoints.
    Forward(Forward),
    /// Straight to a pod's IP.
    Pod(ObjectKey, i64),
    /// The sending pod itself (`localhost`, 127.0.0.0/8, `[::1]`, its own
    /// address or hostname): its network namespace, where its containers
    /// listen. The packets never leave it, so no NetworkPolicy sees them.
    Loopback(ObjectKey, i64),
    /// The user's machine, where a background `kubectl port-forward`
    /// listens: (the forward, local port, pod port).
    PortForward(usize, u16, u16),
}

/// A connection about to be balanced over endpoints.
#[derive(Clone, Debug)]
pub(crate) struct Forward {
    pub candidates: Vec<Endpoint>,
    /// ingress-nginx's round robin (by upstream), else kube-proxy's random.
    pub round_robin: Option<String>,
    /// kube-proxy's ClientIP affinity: key and timeout in seconds.
    pub affinity: Option<(AffinityKey, i64)>,
}

/// The Service part of a route.
#[derive(Clone, Debug)]
pub(crate) struct ServiceTrace {
    /// `namespace/name`.
    pub service: String,
    /// The Service exists.
    pub found: bool,
    /// The Service port used (`port`).
    pub port: Option<i64>,
    /// How the backend named it, when no port matched.
    pub wanted_port: String,
    pub port_name: String,
    pub target_port: String,
    pub node_port: Option<i64>,
    /// All endpoints of the port.
    pub endpoints: Vec<Endpoint>,
    /// The ones the connection may use.
    pub usable: Vec<Endpoint>,
    /// Traffic-policy or affinity notes.
    pub notes: Vec<String>,
}

/// A planned route.
#[derive(Clone, Debug)]
pub(crate) struct Plan {
    pub hops: Vec<Hop>,
    pub latency_ms: u64,
    pub outcome: Outcome,
    /// What the pod will be asked.
    pub http: HttpRequest,
    /// How the URL's address was reached, in words.
    pub entry: String,
    /// The host and port curl connects to (for its messages).
    pub target: (String, u16),
    pub ingress: Option<Decision>,
    pub service: Option<ServiceTrace>,
    /// The pod that opens the connection, if a pod does.
    pub opener: Option<ObjectKey>,
    /// The node whose root shell opens it (the user's in-cluster curl).
    pub shell_node: Option<String>,
    /// The node that masqueraded it (NodePort and load-balancer traffic
    /// under `externalTrafficPolicy: Cluster`).
    pub masquerade_node: Option<String>,
    /// The address the client connects to, once the name resolved.
    pub remote_ip: Option<String>,
}

impl Plan {
    /// Where its connections come from, for the NetworkPolicies.
    pub(crate) fn source(&self) -> Source<'_> {
        Source {
            via_ingress: self.ingress.is_some(),
            opener: self.opener.as_ref(),
            shell_node: self.shell_node.as_deref(),
            masquerade_node: self.masquerade_node.as_deref(),
            client_ip: &self.http.client_ip,
        }
    }

    fn fail(mut self, err: CurlError, latency: u64) -> Plan {
        self.latency_ms = latency;
        self.outcome = Outcome::Curl(err, latency);
        self
    }
}

/// Plans a request's route (no random choices, no writes).
pub(crate) fn plan(cluster: &Cluster, request: &Request) -> Plan {
    let mut plan = Plan {
        hops: Vec::new(),
        latency_ms: 0,
        outcome: Outcome::Page(0),
        http: HttpRequest {
            method: request.method.clone(),
            host: String::new(),
            path: "/".into(),
            client_ip: CLIENT_IP.into(),
            user_agent: request
                .user_agent
                .clone()
                .unwrap_or_else(|| CURL_USER_AGENT.into()),
        },
        entry: String::new(),
        target: (String::new(), 0),
        ingress: None,
        service: None,
        opener: request.from.clone(),
        shell_node: None,
        masquerade_node: None,
        remote_ip: None,
    };
    // A pod's requests leave from its node, with its address; the user's
    // in-cluster requests from a shell on a node.
    let source_pod = request.from.as_ref().and_then(|k| cluster.store.get(k));
    let in_cluster = || match source_pod {
        Some(pod) => (
            pod.str_at(&["spec", "nodeName"]).map(str::to_string),
            crate::controllers::endpoints::pod_ip(pod)
                .unwrap_or(CLIENT_IP)
                .to_string(),
        ),
        None => in_cluster_client(cluster),
    };
    if let Some(pod) = source_pod {
        plan.http.client_ip = crate::controllers::endpoints::pod_ip(pod)
            .unwrap_or(CLIENT_IP)
            .to_string();
    }
    let url = match url::parse(&request.url) {
        Ok(u) => u,
        Err(e) => return plan.fail(e, 0),
    };
    plan.target = (url.host.clone(), url.port);
    plan.http.host = request
        .host_header
        .clone()
        .unwrap_or_else(|| url.host_header());
    plan.http.path = if request.user_agent.is_none() {
        url::remove_dot_segments(&url.path)
    } else {
        url.path.clone()
    };
    let port = i64::from(url.port);

    // The user's own machine: its loopback is served by nothing but the
    // port-forwards started from its shell.
    if request.from.is_none() && super::portforward::is_local_host(&url.host) {
        let Some((index, address, remote)) =
            super::portforward::listener_for(cluster, &url.host, url.port)
        else {
            plan.entry = format!("nothing listens on {}:{port} on your machine", url.host);
            return plan.fail(CurlError::refused(&url.host, url.port, 0), 0);
        };
        let forward = &cluster.network.port_forwards[index];
        plan.entry = if forward.api.is_some() {
            format!(
                "{address}:{port} is `{}` (job {}), to the API server",
                forward.job.command, forward.job.number
            )
        } else {
            format!(
                "{address}:{port} is `{}` (job {}), to pod {}/{} port {remote}",
                forward.job.command, forward.job.number, forward.pod.namespace, forward.pod.name
            )
        };
        // containerd dials localhost inside the pod, IPv4 first.
        plan.http.client_ip = "127.0.0.1".into();
        plan.remote_ip = Some(address);
        plan.outcome = Outcome::PortForward(index, url.port, remote);
        return plan;
    }

    // Name resolution. A pod's resolver reads its /etc/hosts first
    // (`localhost`, its own hostname, hostAliases), then asks CoreDNS with
    // its search list (`web` is `web.<namespace>.svc.cluster.local`);
    // its policies may keep CoreDNS out of reach, and it then times out.
    let named = crate::apiserver::parse_ipv4(&url.host).is_none() && !url.host.starts_with('[');
    let hosts_entry = request
        .from
        .as_ref()
        .filter(|_| named)
        .and_then(|_| super::hosts_lookup(source_pod, &url.host, request.prefers_ipv6()));
    if named
        && hosts_entry.is_none()
        && let Some(key) = &request.from
        && !super::dns_reachable(cluster, key)
    {
        return plan.fail(
            CurlError::unresolvable(&url.host),
            super::RESOLVER_TIMEOUT_MS,
        );
    }
    let from_pod = request.from.as_ref().filter(|_| named).and_then(|key| {
        hosts_entry.map(|ip| (None, ip)).or_else(|| {
            super::resolve_from_pod(cluster, &key.namespace, &url.host)
                .map(|(fqdn, ip)| (Some(fqdn), ip))
        })
    });
    let ip = if !named {
        url.host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string()
    } else if let Some((fqdn, ip)) = from_pod {
        plan.entry = match fqdn {
            None => format!("{} resolves (the pod's /etc/hosts) to {ip}; ", url.host),
            Some(f) if f == url.host => {
                format!("{} resolves (cluster DNS) to {ip}; ", url.host)
            }
            Some(f) => format!("{} resolves (cluster DNS, as {f}) to {ip}; ", url.host),
        };
        ip
    } else if request.from.is_some() {
        // CoreDNS forwards other names upstream, which knows nothing of
        // the simulated ingress hosts.
        return plan.fail(CurlError::unresolvable(&url.host), 0);
    } else if let Some((svc, ns)) = cluster_dns_name(&url.host) {
        match resolve_service_name(cluster, ns, svc) {
            Some(ip) => {
                plan.entry = format!("{} resolves (cluster DNS) to {ip}; ", url.host);
                ip
            }
            None => return plan.fail(CurlError::unresolvable(&url.host), 0),
        }
    } else if let Some((hostname, svc, ns)) = pod_dns_name(&url.host) {
        // A StatefulSet pod's stable name under its headless Service.
        match resolve_pod_hostname(cluster, ns, svc, hostname) {
            Some(ip) => {
                plan.entry = format!("{} resolves (cluster DNS) to {ip}; ", url.host);
                ip
            }
            None => return plan.fail(CurlError::unresolvable(&url.host), 0),
        }
    } else if cluster.network.ingress_installed {
        plan.entry = format!(
            "{} resolves to the ingress controller ({INGRESS_CONTROLLER_IP}); ",
            url.host
        );
        INGRESS_CONTROLLER_IP.to_string()
    } else {
        return plan.fail(CurlError::unresolvable(&url.host), 0);
    };
    plan.remote_ip = Some(ip.clone());

    // The pod itself: its loopback, or its own address, which the kernel
    // routes over the loopback too. The packets never leave it, so no
    // policy sees them.
    let own = source_pod.and_then(crate::controllers::endpoints::pod_ip) == Some(ip.as_str());
    let loopback = super::portforward::is_loopback(&ip);
    if let Some(key) = request.from.as_ref().filter(|_| source_pod.is_some())
        && (own || loopback)
    {
        plan.entry += &format!(
            "{ip} is the pod's own {}",
            if own { "address" } else { "loopback" }
        );
        if loopback {
            plan.http.client_ip = if ip == "::1" { "::1" } else { "127.0.0.1" }.into();
        }
        plan.outcome = Outcome::Loopback(key.clone(), port);
        return plan;
    }
    plan.latency_ms = NETWORK_LATENCY_MS;

    // The ingress controller's load-balancer address.
    if ip == INGRESS_CONTROLLER_IP && cluster.network.ingress_installed {
        if port == 80 || port == 443 {
            plan.entry += &format!("{ip}:{port} is the ingress controller (ingress-nginx)");
            plan.hops.push(Hop::LoadBalancer {
                ip: ip.clone(),
                port,
            });
            return via_ingress(cluster, plan);
        }
        plan.entry += &format!("nothing listens on {ip}:{port}");
        return plan.fail(
            CurlError::timed_out(&url.host, url.port, CONNECT_TIMEOUT_MS),
            CONNECT_TIMEOUT_MS,
        );
    }

    // A node.
    if let Some(node) = node_by_ip(cluster, &ip) {
        if (port == 80 || port == 443) && cluster.network.ingress_installed {
            plan.entry +=
                &format!("{ip} is node {node}; port {port} is the ingress controller's host port");
            plan.hops.push(Hop::Node { node, port });
            return via_ingress(cluster, plan);
        }
        if let Some(key) = service_by_node_port(cluster, port) {
            plan.entry += &format!("{ip} is node {node}; {port} is a NodePort");
            plan.hops.push(Hop::Node {
                node: node.clone(),
                port,
            });
            return via_service(
                cluster,
                plan,
                &key,
                port,
                true,
                Traffic::External { node: Some(node) },
            );
        }
        plan.entry += &format!("{ip} is node {node}; nothing listens on port {port}");
        return plan.fail(CurlError::refused(&url.host, url.port, 0), 0);
    }

    // A load-balancer address.
    if let Some(key) = service_by_lb_ip(cluster, &ip) {
        let Some(svc) = cluster.store.get(&key) else {
            return plan.fail(
                CurlError::timed_out(&url.host, url.port, CONNECT_TIMEOUT_MS),
                CONNECT_TIMEOUT_MS,
            );
        };
        if proxy::service_port(svc, port, false).is_none() {
            plan.entry += &format!(
                "{ip} is the load balancer of Service {}/{}, which has no port {port}",
                key.namespace, key.name
            );
            return plan.fail(
                CurlError::timed_out(&url.host, url.port, CONNECT_TIMEOUT_MS),
                CONNECT_TIMEOUT_MS,
            );
        }
        let Some(node) = announcing_node(cluster, &key, svc, port) else {
            plan.entry += &format!(
                "{ip} is the load balancer of Service {}/{}, but no node announces it (no node has a ready endpoint under externalTrafficPolicy: Local)",
                key.namespace, key.name
            );
            return plan.fail(
                CurlError::timed_out(&url.host, url.port, CONNECT_TIMEOUT_MS),
                CONNECT_TIMEOUT_MS,
            );
        };
        plan.entry += &format!(
            "{ip} is the load-balancer address of Service {}/{}, announced by node {node}",
            key.namespace, key.name
        );
        plan.hops.push(Hop::LoadBalancer {
            ip: ip.clone(),
            port,
        });
        plan.hops.push(Hop::Node {
            node: node.clone(),
            port,
        });
        return via_service(
            cluster,
            plan,
            &key,
            port,
            false,
            Traffic::External { node: Some(node) },
        );
    }

    // A cluster IP, as if curl ran in a shell on a node.
    if let Some(key) = service_by_cluster_ip(cluster, &ip) {
        let (client_node, client_ip) = in_cluster();
        plan.entry += &format!(
            "{ip} is the cluster IP of Service {}/{} (reached from node {})",
            key.namespace,
            key.name,
            client_node.as_deref().unwrap_or("-")
        );
        plan.http.client_ip = client_ip;
        if request.from.is_none() {
            plan.shell_node = client_node.clone();
        }
        let has_port = cluster
            .store
            .get(&key)
            .is_some_and(|svc| proxy::service_port(svc, port, false).is_some());
        if !has_port {
            plan.entry += &format!("; the Service has no port {port}");
            return plan.fail(
                CurlError::timed_out(&url.host, url.port, CONNECT_TIMEOUT_MS),
                CONNECT_TIMEOUT_MS,
            );
        }
        return via_service(
            cluster,
            plan,
            &key,
            port,
            false,
            Traffic::Internal { node: client_node },
        );
    }

    // A pod.
    if let Some(key) = pod_by_ip(cluster, &ip) {
        plan.entry += &format!("{ip} is the IP of pod {}/{}", key.namespace, key.name);
        let (client_node, client_ip) = in_cluster();
        plan.http.client_ip = client_ip;
        if request.from.is_none() {
            plan.shell_node = client_node;
        }
        plan.outcome = Outcome::Pod(key, port);
        return plan;
    }

    plan.entry += &format!("{ip} is not an address in the cluster");
    plan.fail(CurlError::refused(&url.host, url.port, 0), 0)
}

/// The ingress controller's part.
fn via_ingress(cluster: &Cluster, mut plan: Plan) -> Plan {
    plan.latency_ms += INGRESS_LATENCY_MS;
    let cfg = ingress::config(cluster);
    let host = url::server_name(&plan.http.host);
    let uri = url::location_uri(&plan.http.path);
    let decision = cfg.route(&host, &uri);
    let loc = decision.location().clone();
    let rule_text = |loc: &ingress::Location| match loc.rule {
        Some(i) => {
            let r = &decision.config.rules[i];
            let host = if r.host.is_empty() { "*" } else { &r.host };
            format!("{host}{} ({})", r.path, r.path_type)
        }
        None if loc.backend.is_some() => "defaultBackend".to_string(),
        None => "default backend".to_string(),
    };
    plan.hops.push(Hop::Ingress {
        ingress: loc.ingress.clone().unwrap_or_default(),
        rule: rule_text(&loc),
    });
    let redirect = matches!(decision.result, LocationMatch::Redirect(_));
    plan.ingress = Some(decision);
    if redirect {
        plan.outcome = Outcome::Page(301);
        return plan;
    }
    let Some(backend) = loc.backend else {
        plan.outcome = Outcome::Page(404);
        return plan;
    };
    let service = format!("{}/{}", backend.namespace, backend.name);
    let mut trace = ServiceTrace {
        service: service.clone(),
        found: false,
        port: None,
        wanted_port: backend.port.to_string(),
        port_name: String::new(),
        target_port: String::new(),
        node_port: None,
        endpoints: Vec::new(),
        usable: Vec::new(),
        notes: Vec::new(),
    };
    let svc = cluster
        .store
        .get_named(res("Service"), &backend.namespace, &backend.name);
    // ingress-nginx's serviceEndpoints: a Service port whose number,
    // targetPort or name equals the backend's port.
    let svc_port = svc.and_then(|svc| {
        let wanted = backend.port.to_string();
        svc.at(&["spec", "ports"]).items().find(|p| {
            p.get("port").as_i64().map(|n| n.to_string()).as_deref() == Some(&wanted)
                || proxy::target_port_text(p) == wanted
                || p.get("name").as_str() == Some(wanted.as_str())
        })
    });
    trace.found = svc.is_some();
    if let (Some(svc), Some(p)) = (svc, svc_port) {
        let number = p.get("port").as_i64().unwrap_or(0);
        trace.port = Some(number);
        trace.port_name = p.get("name").as_str().unwrap_or("").to_string();
        trace.target_port = proxy::target_port_text(p);
        trace.node_port = p.get("nodePort").as_i64();
        trace.endpoints =
            proxy::endpoints_for_port(cluster, &backend.namespace, &backend.name, &trace.port_name);
        trace.usable = if svc.str_at(&["spec", "type"]) == Some("ExternalName") {
            Vec::new()
        } else {
            proxy::ingress_endpoints(cluster, &backend.namespace, &backend.name, p)
        };
        plan.hops.push(Hop::Service {
            service: service.clone(),
            port: number,
        });
    }
    let candidates = trace.usable.clone();
    plan.service = Some(trace);
    if candidates.is_empty() {
        plan.outcome = Outcome::Page(503);
        return plan;
    }
    plan.outcome = Outcome::Forward(Forward {
        candidates,
        round_robin: Some(backend.upstream()),
        affinity: None,
    });
    plan
}

/// kube-proxy's part.
fn via_service(
    cluster: &Cluster,
    mut plan: Plan,
    key: &ObjectKey,
    port: i64,
    node_port: bool,
    traffic: Traffic,
) -> Plan {
    let (host, curl_port) = plan.target.clone();
    let Some(svc) = cluster.store.get(key) else {
        return plan.fail(CurlError::refused(&host, curl_port, 0), 0);
    };
    let Some(svc_port) = proxy::service_port(svc, port, node_port) else {
        return plan.fail(CurlError::refused(&host, curl_port, 0), 0);
    };
    let service = format!("{}/{}", key.namespace, key.name);
    let port_name = svc_port.get("name").as_str().unwrap_or("").to_string();
    let number = svc_port.get("port").as_i64().unwrap_or(0);
    let endpoints = proxy::endpoints_for_port(cluster, &key.namespace, &key.name, &port_name);
    let mut trace = ServiceTrace {
        service: service.clone(),
        found: true,
        port: Some(number),
        wanted_port: port.to_string(),
        port_name: port_name.clone(),
        target_port: proxy::target_port_text(svc_port),
        node_port: svc_port.get("nodePort").as_i64(),
        endpoints: endpoints.clone(),
        usable: Vec::new(),
        notes: Vec::new(),
    };
    plan.hops.push(Hop::Service {
        service: service.clone(),
        port: number,
    });
    let local = proxy::local_policy(svc, &traffic);
    if local {
        let (field, node) = match &traffic {
            Traffic::Internal { node } => ("internalTrafficPolicy", node),
            Traffic::External { node } => ("externalTrafficPolicy", node),
        };
        trace.notes.push(format!(
            "{field}: Local — only endpoints on node {}",
            node.as_deref().unwrap_or("-")
        ));
    }
    match proxy::categorize(svc, &endpoints, &traffic) {
        Disposition::Reject => {
            trace.notes.push(format!(
                "kube-proxy: \"{service} has no endpoints\" (REJECT)"
            ));
            plan.service = Some(trace);
            plan.fail(CurlError::refused(&host, curl_port, 0), 0)
        }
        Disposition::Drop => {
            trace.notes.push(format!(
                "kube-proxy: \"{service} has no local endpoints\" (DROP)"
            ));
            plan.service = Some(trace);
            plan.fail(
                CurlError::timed_out(&host, curl_port, CONNECT_TIMEOUT_MS),
                CONNECT_TIMEOUT_MS,
            )
        }
        Disposition::Forward(usable) => {
            // Masquerade hides the client unless the policy is Local.
            if let Traffic::External { node: Some(node) } = &traffic
                && !local
                && let Some(ip) = cluster
                    .store
                    .get_named(res("Node"), "", node)
                    .and_then(super::node_internal_ip)
            {
                plan.http.client_ip = ip;
                plan.masquerade_node = Some(node.clone());
            }
            let affinity = proxy::affinity_timeout(svc).map(|timeout| {
                let client = match &traffic {
                    Traffic::External { .. } => CLIENT_IP.to_string(),
                    Traffic::Internal { .. } => plan.http.client_ip.clone(),
                };
                trace.notes.push(format!(
                    "sessionAffinity: ClientIP — {client} sticks to one endpoint for {timeout}s"
                ));
                ((service.clone(), port_name.clone(), client), timeout)
            });
            trace.usable = usable.clone();
            plan.service = Some(trace);
            plan.outcome = Outcome::Forward(Forward {
                candidates: usable,
                round_robin: None,
                affinity,
            });
            plan
        }
    }
}

/// Sends the planned request: picks the endpoint, lets the NetworkPolicies
/// judge the connection, and asks the pod.
pub(crate) fn execute(cluster: &mut Cluster, plan: Plan) -> Response {
    let remote_ip = plan.remote_ip.clone();
    let now = cluster.now;
    let mut response = connect(cluster, plan);
    response.remote_ip = remote_ip;
    // ingress-nginx's own pages (404, 502, 503, 504, its redirects).
    if response.status != 0 && response.headers.is_empty() {
        response.headers = crate::http::nginx_page_headers(now, &response.body);
    }
    response
}

/// Makes the connection a plan leads to and gets the answer.
fn connect(cluster: &mut Cluster, plan: Plan) -> Response {
    let Plan {
        mut hops,
        latency_ms,
        outcome,
        http,
        target,
        ingress,
        opener,
        shell_node,
        masquerade_node,
        ..
    } = plan;
    let via_ingress = ingress.is_some();
    let dropped = |hops: Vec<Hop>| Response {
        status: 0,
        body: CurlError::timed_out(&target.0, target.1, CONNECT_TIMEOUT_MS).line(),
        latency_ms: CONNECT_TIMEOUT_MS,
        hops,
        ..Default::default()
    };
    // The opener's egress policies judge its connection to the controller.
    if via_ingress
        && let Some(key) = &opener
        && policy::judge(
            cluster,
            Some(key),
            &Peer::Pod(key.clone()),
            &Peer::IngressController,
            i64::from(target.1),
            "TCP",
        )
        .is_err()
    {
        return dropped(hops);
    }
    let source = Source {
        via_ingress,
        opener: opener.as_ref(),
        shell_node: shell_node.as_deref(),
        masquerade_node: masquerade_node.as_deref(),
        client_ip: &http.client_ip,
    };
    let loopback = matches!(outcome, Outcome::Loopback(..));
    match outcome {
        Outcome::PortForward(index, local, remote) => {
            super::portforward::connect(cluster, index, remote, local, &http)
        }
        Outcome::Curl(err, latency) => Response {
            status: 0,
            body: err.line(),
            latency_ms: latency,
            hops,
            ..Default::default()
        },
        Outcome::Page(status) => Response {
            status,
            body: ingress::nginx_page(status),
            latency_ms,
            hops,
            ..Default::default()
        },
        Outcome::Pod(key, port) | Outcome::Loopback(key, port) => {
            let Some(pod) = cluster.store.get(&key).cloned() else {
                return Response {
                    status: 0,
                    body: CurlError::refused(&target.0, target.1, 0).line(),
                    latency_ms: 0,
                    hops,
                    ..Default::default()
                };
            };
            if !loopback && source.judge(cluster, &pod, port).is_err() {
                return dropped(hops);
            }
            hops.push(Hop::Pod {
                pod: format!("{}/{}", key.namespace, key.name),
                node: pod.str_at(&["spec", "nodeName"]).unwrap_or("").to_string(),
            });
            let answer = serve(cluster, &pod, port, &http);
            connected(answer, &target, latency_ms, false, hops)
        }
        Outcome::Forward(fwd) => {
            // nginx gives each upstream connection proxy-connect-timeout
            // and tries the next on an error or a timeout
            // (proxy-next-upstream-tries: 3); a connection through
            // kube-proxy stays with its endpoint.
            let mut waited = 0;
            let tries = if via_ingress { UPSTREAM_TRIES } else { 1 };
            let mut attempt = 0;
            let (chosen, pod, answer) = loop {
                attempt += 1;
                let chosen = choose(cluster, &fwd);
                let pod = chosen
                    .pod
                    .as_ref()
                    .and_then(|(ns, name)| cluster.store.get_named(res("Pod"), ns, name).cloned());
                let Some(pod) = pod else {
                    // The endpoint's pod is gone: nginx reports a bad
                    // gateway; a direct connection is refused.
                    return if via_ingress {
                        Response {
                            status: 502,
                            body: ingress::nginx_page(502),
                            latency_ms: latency_ms + waited,
                            hops,
                            ..Default::default()
                        }
                    } else {
                        Response {
                            status: 0,
                            body: CurlError::refused(&target.0, target.1, 0).line(),
                            latency_ms: 0,
                            hops,
                            ..Default::default()
                        }
                    };
                };
                if source.judge(cluster, &pod, chosen.port).is_ok() {
                    let answer = serve(cluster, &pod, chosen.port, &http);
                    let Some(failure) = answer.failure.filter(|_| via_ingress && attempt < tries)
                    else {
                        break (chosen, pod, answer);
                    };
                    waited += match failure {
                        ConnectFailure::Unreachable => UPSTREAM_CONNECT_TIMEOUT_MS,
                        _ => answer.latency_ms,
                    };
                    continue;
                }
                if !via_ingress {
                    return dropped(hops);
                }
                waited += UPSTREAM_CONNECT_TIMEOUT_MS;
                if attempt == tries {
                    return Response {
                        status: 504,
                        body: ingress::nginx_page(504),
                        latency_ms: latency_ms + waited,
                        hops,
                        ..Default::default()
                    };
                }
            };
            let node = if chosen.node.is_empty() {
                pod.str_at(&["spec", "nodeName"]).unwrap_or("").to_string()
            } else {
                chosen.node.clone()
            };
            hops.push(Hop::Pod {
                pod: chosen.pod_name(),
                node,
            });
            connected(answer, &target, latency_ms + waited, via_ingress, hops)
        }
    }
}

/// What a pod answers on `port`: its container's answer, or, for an nginx
/// proxy, what its upstream answered, passed on. The proxy's request goes
/// from the pod to the address nginx resolved the upstream's name to as it
/// started, with `Host` set to that name (`$proxy_host`).
fn serve(
    cluster: &mut Cluster,
    pod: &crate::value::Value,
    port: i64,
    http: &crate::http::HttpRequest,
) -> crate::http::HttpAnswer {
    let (name, ip) = match crate::kubelet::proxy_upstream(cluster, pod, port) {
        Some(u) if cluster.network.proxy_depth < 4 => u,
        _ => return crate::kubelet::serve_http(cluster, pod, port, http),
    };
    let request = super::Request {
        method: http.method.clone(),
        url: format!("http://{ip}{}", http.path),
        host_header: Some(name),
        from: Some(ObjectKey::of(res("Pod"), pod)),
        user_agent: Some(http.user_agent.clone()),
    };
    cluster.network.proxy_depth += 1;
    let now = cluster.now;
    let response = cluster.deliver(&request, now, None);
    cluster.network.proxy_depth -= 1;
    let address = format!("{ip}:80");
    let result = if response.status == 0 {
        Err((response.latency_ms >= CONNECT_TIMEOUT_MS, address))
    } else {
        Ok(crate::http::HttpAnswer {
            status: response.status,
            body: response.body,
            latency_ms: response.latency_ms,
            failure: None,
            headers: response.headers,
        })
    };
    crate::kubelet::proxied(cluster, pod, http, result)
}

/// The response to a connection that reached a pod. The client's messages
/// name the host and port it was asked for, not the pod's address behind
/// them; nginx turns an upstream that refuses or closes into its 502, one
/// that never answers into its 504.
fn connected(
    answer: crate::http::HttpAnswer,
    target: &(String, u16),
    latency_ms: u64,
    via_ingress: bool,
    hops: Vec<Hop>,
) -> Response {
    // nginx's own error pages get their headers in `execute`.
    let headers = if answer.failure.is_some() {
        Vec::new()
    } else if via_ingress {
        proxied_headers(answer.headers)
    } else {
        answer.headers
    };
    let (status, body, latency) = match answer.failure {
        None => (answer.status, answer.body, latency_ms + answer.latency_ms),
        Some(failure) if via_ingress => {
            let status = match failure {
                ConnectFailure::Unreachable => 504,
                _ => 502,
            };
            let wait = match failure {
                ConnectFailure::Unreachable => UPSTREAM_CONNECT_TIMEOUT_MS,
                _ => answer.latency_ms,
            };
            (status, ingress::nginx_page(status), latency_ms + wait)
        }
        Some(failure) => {
            let err = match failure {
                ConnectFailure::Refused => CurlError::refused(&target.0, target.1, 0),
                ConnectFailure::Unreachable => {
                    CurlError::timed_out(&target.0, target.1, answer.latency_ms)
                }
                ConnectFailure::EmptyReply => CurlError::empty_reply(),
            };
            (0, err.line(), answer.latency_ms)
        }
    };
    Response {
        status,
        body,
        latency_ms: latency,
        hops,
        headers,
        ..Default::default()
    }
}

/// The headers nginx sends for a proxied answer: its own Date, the
/// upstream's type and length, its Connection, then the upstream's others
/// (its Server and Date are hidden, `proxy_hide_header`'s defaults).
pub(crate) fn proxied_headers(upstream: Vec<(String, String)>) -> Vec<(String, String)> {
    let find = |name: &str| {
        upstream
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let mut out = Vec::new();
    if let Some(date) = find("Date") {
        out.push(("Date".to_string(), date));
    }
    for name in ["Content-Type", "Content-Length"] {
        if let Some(v) = find(name) {
            out.push((name.to_string(), v));
        }
    }
    out.push(("Connection".to_string(), "keep-alive".to_string()));
    out.extend(upstream.into_iter().filter(|(k, _)| {
        ![
            "Server",
            "Date",
            "Content-Type",
            "Content-Length",
            "Connection",
        ]
        .iter()
        .any(|h| k.eq_ignore_ascii_case(h))
    }));
    out
}

/// ingress-nginx's `proxy-next-upstream-tries`.
const UPSTREAM_TRIES: u32 = 3;
/// ingress-nginx's `proxy-connect-timeout` (5 s).
const UPSTREAM_CONNECT_TIMEOUT_MS: u64 = 5_000;

/// Where a connection comes from, for the NetworkPolicies of the pod it
/// reaches.
pub(crate) struct Source<'a> {
    pub via_ingress: bool,
    pub opener: Option<&'a ObjectKey>,
    pub shell_node: Option<&'a str>,
    pub masquerade_node: Option<&'a str>,
    pub client_ip: &'a str,
}

impl Source<'_> {
    /// Judges the connection to `pod` on `port`. A root shell's connection
    /// to a pod on its own node is not judged (kindnetd accepts local root
    /// sockets: kubelet probes, a shell on the node); masqueraded traffic
    /// is judged before the masquerade on the node that did it, after it
    /// on any other.
    pub(crate) fn judge(
        &self,
        cluster: &Cluster,
        pod: &Value,
        port: i64,
    ) -> Result<(), policy::Denied> {
        if !policy::any(cluster) {
            return Ok(());
        }
        let node = pod.str_at(&["spec", "nodeName"]);
        // A host-network pod's root sockets reach pods on its own node
        // unjudged, like a shell on the node.
        if let Some(opener) = self.opener.and_then(|k| cluster.store.get(k))
            && policy::on_host_network(opener)
            && opener.str_at(&["spec", "nodeName"]) == node
        {
            return Ok(());
        }
        let to = Peer::Pod(ObjectKey::of(res("Pod"), pod));
        // ingress-nginx's connections to the upstream are its own: no
        // egress policy of the opener applies to them.
        let opener = if self.via_ingress { None } else { self.opener };
        let seen_from = if self.via_ingress {
            Peer::IngressController
        } else if let Some(masq) = self.masquerade_node {
            match (node == Some(masq), self.opener) {
                (true, Some(key)) => Peer::Pod(key.clone()),
                (true, None) => Peer::Address(CLIENT_IP.to_string()),
                (false, _) => Peer::Address(self.client_ip.to_string()),
            }
        } else if let Some(shell) = self.shell_node {
            if node == Some(shell) {
                return Ok(());
            }
            Peer::Address(self.client_ip.to_string())
        } else if let Some(key) = self.opener {
            Peer::Pod(key.clone())
        } else {
            Peer::Address(self.client_ip.to_string())
        };
        policy::judge(cluster, opener, &seen_from, &to, port, "TCP")
    }
}

/// Picks the endpoint for one connection.
fn choose(cluster: &mut Cluster, fwd: &Forward) -> Endpoint {
    let n = fwd.candidates.len();
    if let Some(upstream) = &fwd.round_robin {
        let next = match cluster.network.round_robin.get(upstream.as_str()) {
            Some(&i) => i,
            None => cluster.rng.index(n) as u64,
        };
        cluster
            .network
            .round_robin
            .insert(upstream.as_str().into(), next.wrapping_add(1));
        return fwd.candidates[(next % n as u64) as usize].clone();
    }
    let now = cluster.now;
    if let Some((key, timeout)) = &fwd.affinity
        && let Some(a) = cluster.network.affinity.get(key)
        && now.saturating_sub(a.last_used) <= (*timeout as u64).saturating_mul(1000)
        && let Some(ep) = fwd
            .candidates
            .iter()
            .find(|e| e.address == a.address && e.port == a.port)
    {
        let ep = ep.clone();
        if let Some(a) = cluster.network.affinity.get_mut(key) {
            a.last_used = now;
        }
        return ep;
    }
    let ep = fwd.candidates[cluster.rng.index(n)].clone();
    if let Some((key, _)) = &fwd.affinity {
        cluster.network.affinity.insert(
            key.clone(),
            Affinity {
                address: ep.address.clone(),
                port: ep.port,
                last_used: now,
            },
        );
    }
    ep
}

/// curl's User-Agent.
pub(crate) const CURL_USER_AGENT: &str = "curl/8.14.1";

/// `<service>.<namespace>.svc[.cluster.local]` → (service, namespace).
fn cluster_dns_name(host: &str) -> Option<(&str, &str)> {
    let rest = host
        .strip_suffix(".svc.cluster.local")
        .or_else(|| host.strip_suffix(".svc"))?;
    let (svc, ns) = rest.split_once('.')?;
    if ns.contains('.') || svc.is_empty() || ns.is_empty() {
        return None;
    }
    Some((svc, ns))
}

/// `<hostname>.<service>.<namespace>.svc[.cluster.local]` → (hostname,
/// service, namespace): the name of a pod whose `spec.subdomain` is a
/// headless Service (a StatefulSet's pods).
fn pod_dns_name(host: &str) -> Option<(&str, &str, &str)> {
    let rest = host
        .strip_suffix(".svc.cluster.local")
        .or_else(|| host.strip_suffix(".svc"))?;
    let (hostname, rest) = rest.split_once('.')?;
    let (svc, ns) = rest.split_once('.')?;
    if ns.contains('.') || [hostname, svc, ns].iter().any(|s| s.is_empty()) {
        return None;
    }
    Some((hostname, svc, ns))
}

/// What cluster DNS answers for a pod's hostname under a headless
/// Service: the ready endpoint with that hostname.
fn resolve_pod_hostname(cluster: &Cluster, ns: &str, svc: &str, hostname: &str) -> Option<String> {
    let service = cluster.store.get_named(res("Service"), ns, svc)?;
    if service.str_at(&["spec", "clusterIP"]) != Some("None") {
        return None;
    }
    proxy::slices(cluster, ns, svc)
        .into_iter()
        .flat_map(|s| s.get("endpoints").items())
        .find(|e| {
            e.get("hostname").as_str() == Some(hostname)
                && e.at(&["conditions", "ready"]).as_bool().unwrap_or(true)
        })
        .and_then(|e| e.get("addresses").items().next())
        .and_then(|a| a.as_str().map(str::to_string))
}

/// Every address cluster DNS answers for a fully qualified name, each with
/// the name its reverse lookup gives: a headless Service has one per ready
/// endpoint (`web-0.nginx.default.svc.cluster.local` for a pod with a
/// hostname, `10-244-1-5.nginx…` for one without); other names have one.
pub(crate) fn resolve_cluster_addresses(cluster: &Cluster, host: &str) -> Vec<(String, String)> {
    if let Some((svc, ns)) = cluster_dns_name(host)
        && let Some(service) = cluster.store.get_named(res("Service"), ns, svc)
        && service.str_at(&["spec", "clusterIP"]) == Some("None")
    {
        return proxy::slices(cluster, ns, svc)
            .into_iter()
            .flat_map(|s| s.get("endpoints").items())
            .filter(|e| e.at(&["conditions", "ready"]).as_bool().unwrap_or(true))
            .filter_map(|e| {
                let ip = e.get("addresses").items().next()?.as_str()?.to_string();
                let label = match e.get("hostname").as_str() {
                    Some(h) => h.to_string(),
                    None => ip.replace('.', "-"),
                };
                Some((ip, format!("{label}.{svc}.{ns}.svc.cluster.local")))
            })
            .collect();
    }
    resolve_cluster_name(cluster, host)
        .map(|ip| (ip, host.trim_end_matches('.').to_string()))
        .into_iter()
        .collect()
}

/// What cluster DNS answers for a fully qualified name: a Service's
/// cluster IP (a ready endpoint for a headless one) or a pod's address
/// under its headless Service.
pub(crate) fn resolve_cluster_name(cluster: &Cluster, host: &str) -> Option<String> {
    if let Some((svc, ns)) = cluster_dns_name(host)
        && let Some(ip) = resolve_service_name(cluster, ns, svc)
    {
        return Some(ip);
    }
    let (hostname, svc, ns) = pod_dns_name(host)?;
    resolve_pod_hostname(cluster, ns, svc, hostname)
}

/// What cluster DNS answers for a Service: its cluster IP, or for a
/// headless Service the first ready endpoint.
fn resolve_service_name(cluster: &Cluster, ns: &str, name: &str) -> Option<String> {
    let svc = cluster.store.get_named(res("Service"), ns, name)?;
    match svc.str_at(&["spec", "clusterIP"]) {
        Some("None") => proxy::slices(cluster, ns, name)
            .into_iter()
            .flat_map(|s| s.get("endpoints").items())
            .find(|e| e.at(&["conditions", "ready"]).as_bool().unwrap_or(true))
            .and_then(|e| e.get("addresses").items().next())
            .and_then(|a| a.as_str().map(str::to_string)),
        Some(ip) if !ip.is_empty() => Some(ip.to_string()),
        _ => None,
    }
}

/// The node with this address.
fn node_by_ip(cluster: &Cluster, ip: &str) -> Option<String> {
    if !cluster.store.has_events() {
        return cluster
            .network
            .index
            .node_ips
            .get(ip)
            .map(|k| k.name.to_string());
    }
    cluster
        .store
        .list(res("Node"), None)
        .find(|(_, n)| super::node_ips(n).iter().any(|a| a == ip))
        .map(|((_, name), _)| name.to_string())
}

fn service_by_node_port(cluster: &Cluster, port: i64) -> Option<ObjectKey> {
    if !cluster.store.has_events() {
        return cluster
            .network
            .index
            .node_ports
            .get(&port.to_string())
            .cloned();
    }
    find_service(cluster, |svc| super::node_ports(svc).contains(&port))
}

fn service_by_lb_ip(cluster: &Cluster, ip: &str) -> Option<ObjectKey> {
    if !cluster.store.has_events() {
        return cluster.network.index.lb_ips.get(ip).cloned();
    }
    find_service(cluster, |svc| super::lb_ips(svc).iter().any(|a| a == ip))
}

fn service_by_cluster_ip(cluster: &Cluster, ip: &str) -> Option<ObjectKey> {
    if !cluster.store.has_events() {
        return cluster.network.index.cluster_ips.get(ip).cloned();
    }
    find_service(cluster, |svc| {
        super::service_addresses(svc).iter().any(|a| a == ip)
    })
}

fn pod_by_ip(cluster: &Cluster, ip: &str) -> Option<ObjectKey> {
    if !cluster.store.has_events() {
        return cluster.network.index.pod_ips.get(ip).cloned();
    }
    cluster
        .store
        .list(res("Pod"), None)
        .find(|(_, p)| p.str_at(&["status", "podIP"]) == Some(ip))
        .map(|(_, p)| ObjectKey::of(res("Pod"), p))
}

fn find_service(cluster: &Cluster, f: impl Fn(&Value) -> bool) -> Option<ObjectKey> {
    cluster
        .store
        .list(res("Service"), None)
        .find(|(_, svc)| f(svc))
        .map(|(_, svc)| ObjectKey::of(res("Service"), svc))
}

/// Where in-cluster requests come from: a shell on the first worker node
/// (by name), with that node's address.
pub(crate) fn in_cluster_client(cluster: &Cluster) -> (Option<String>, String) {
    let mut nodes = cluster.store.list(res("Node"), None).map(|(_, n)| n);
    let first = nodes.next();
    let worker = first
        .into_iter()
        .chain(nodes)
        .find(|n| {
            n.at(&["metadata", "labels"])
                .get("node-role.kubernetes.io/control-plane")
                .is_null()
        })
        .or(first);
    match worker {
        Some(n) => (
            n.str_at(&["metadata", "name"]).map(str::to_string),
            super::node_internal_ip(n).unwrap_or_else(|| CLIENT_IP.to_string()),
        ),
        None => (None, CLIENT_IP.to_string()),
    }
}

/// The node MetalLB (layer 2) answers for a load-balancer address from:
/// one of the nodes not excluded from load balancers and not NotReady
/// (under `externalTrafficPolicy: Local`, only nodes with a ready endpoint),
/// chosen by a hash of the Service so it stays put.
fn announcing_node(cluster: &Cluster, key: &ObjectKey, svc: &Value, port: i64) -> Option<String> {
    let local = svc.str_at(&["spec", "externalTrafficPolicy"]) == Some("Local");
    let local_nodes: Vec<String> = if local {
        let port_name = proxy::service_port(svc, port, false)
            .and_then(|p| p.get("name").as_str())
            .unwrap_or("")
            .to_string();
        proxy::endpoints_for_port(cluster, &key.namespace, &key.name, &port_name)
            .into_iter()
            .filter(|e| e.ready)
            .map(|e| e.node)
            .collect()
    } else {
        Vec::new()
    };
    let eligible: Vec<String> = cluster
        .store
        .list(res("Node"), None)
        .map(|(_, n)| n)
        .filter(|n| {
            n.at(&["metadata", "labels"])
                .get("node.kubernetes.io/exclude-from-external-load-balancers")
                .is_null()
        })
        .filter(|n| {
            !n.at(&["status", "conditions"]).items().any(|c| {
                c.get("type").as_str() == Some("Ready") && c.get("status").as_str() != Some("True")
            })
        })
        .filter_map(|n| n.str_at(&["metadata", "name"]).map(str::to_string))
        .filter(|name| !local || local_nodes.contains(name))
        .collect();
    if eligible.is_empty() {
        return None;
    }
    let hash = format!("{}/{}", key.namespace, key.name)
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
    Some(eligible[(hash % eligible.len() as u64) as usize].clone())
}
