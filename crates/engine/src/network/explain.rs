//! Route explanations for the UI and `describe`: which Ingress rule
//! matched and why the others did not, the Service and its endpoints, and
//! the outcome.

use super::Request;
use super::ingress::{self, LocationMatch, RuleStatus};
use super::proxy::Endpoint;
use super::route::{Outcome, Plan};
use crate::cluster::Cluster;

/// How a request would be routed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteExplanation {
    /// The URL.
    pub url: String,
    /// How the URL's host and port were reached, in words.
    pub entry: String,
    /// The ingress controller's decision, when the request goes through it.
    pub ingress: Option<IngressDecision>,
    /// The Service and its endpoints, when one is involved.
    pub service: Option<ServiceRoute>,
    /// What the NetworkPolicies do to the connections, one line per
    /// endpoint they drop.
    pub policies: Vec<String>,
    /// The outcome.
    pub verdict: Verdict,
}

/// What ingress-nginx decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IngressDecision {
    /// The host nginx matched servers against (Host header, no port).
    pub host: String,
    /// The path it matched locations against (no query).
    pub path: String,
    /// The server chosen: the host, a `*.` wildcard, or `_` (catch-all,
    /// for hosts no rule names and rules without a host).
    pub server: String,
    /// Every Ingress path, with its verdict.
    pub rules: Vec<RuleCheck>,
    /// The location that answered, as nginx writes it (`= /foo`, `/foo/`).
    pub location: String,
}

/// One path of one Ingress and why it did or did not take the request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleCheck {
    /// `namespace/name` of the Ingress.
    pub ingress: String,
    /// The rule's host (empty: any host).
    pub host: String,
    /// The path.
    pub path: String,
    /// Exact, Prefix or ImplementationSpecific.
    pub path_type: String,
    /// `service:port`.
    pub backend: String,
    /// The verdict.
    pub verdict: RuleVerdict,
}

/// Why a rule did or did not take the request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RuleVerdict {
    /// This rule took the request.
    Matched,
    /// Its path would match, but nginx redirects to the path with a slash.
    Redirect {
        /// Where to (`/foo/`).
        location: String,
    },
    /// The request is for another server (host).
    HostMismatch,
    /// The path does not match.
    PathMismatch,
    /// The path matches, but another location wins (an Exact location, or a
    /// longer prefix).
    Outranked {
        /// The winning rule (`ns/name host/path (type)`) or `default backend`.
        by: String,
    },
    /// An older Ingress defines the same host, path and type; its rule wins.
    Duplicate {
        /// `namespace/name` of that Ingress.
        kept_by: String,
    },
    /// The ingress controller does not serve this Ingress.
    NotServed {
        /// Why.
        reason: String,
    },
}

/// The Service a request reaches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceRoute {
    /// `namespace/name`.
    pub service: String,
    /// Whether it exists.
    pub found: bool,
    /// The Service port used, if one matched.
    pub port: Option<i64>,
    /// The port asked for (Ingress backend port or the port connected to).
    pub requested_port: String,
    /// `targetPort` as written.
    pub target_port: String,
    /// The NodePort, if any.
    pub node_port: Option<i64>,
    /// Its endpoints.
    pub endpoints: Vec<EndpointState>,
    /// Traffic-policy, affinity and kube-proxy notes.
    pub notes: Vec<String>,
}

/// One endpoint and whether this request may use it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndpointState {
    /// `namespace/name` of the pod.
    pub pod: String,
    /// Pod IP.
    pub address: String,
    /// Container port.
    pub port: i64,
    /// Node.
    pub node: String,
    /// `conditions.ready`.
    pub ready: bool,
    /// `conditions.serving`.
    pub serving: bool,
    /// `conditions.terminating`.
    pub terminating: bool,
    /// Whether this request may be sent to it.
    pub usable: bool,
}

/// The outcome of a route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// One of these pods answers (chosen per connection).
    Forwarded {
        /// `namespace/name` of each candidate.
        pods: Vec<String>,
    },
    /// No rule matched: the default backend answers 404.
    NotFound,
    /// The backend has no ready endpoint: 503.
    NoReadyEndpoints,
    /// nginx redirects (301) to the path with a trailing slash.
    Redirect {
        /// The new path.
        location: String,
    },
    /// The endpoint's pod is gone: 502.
    BadGateway,
    /// NetworkPolicies drop nginx's connections to every endpoint: 504
    /// after its tries.
    GatewayTimeout,
    /// curl fails.
    ConnectionFailed {
        /// curl's message.
        message: String,
    },
}

impl RouteExplanation {
    /// The explanation as lines of text (for `describe`-like views).
    pub fn lines(&self) -> Vec<String> {
        let mut out = vec![
            format!("Request: {}", self.url),
            format!("Entry: {}", self.entry),
        ];
        if let Some(ing) = &self.ingress {
            out.push(format!(
                "Ingress controller: host {} path {} → server {}, location {}",
                ing.host, ing.path, ing.server, ing.location
            ));
            for r in &ing.rules {
                let host = if r.host.is_empty() { "*" } else { &r.host };
                let why = match &r.verdict {
                    RuleVerdict::Matched => "matched".to_string(),
                    RuleVerdict::Redirect { location } => {
                        format!("matches only with a trailing slash: 301 to {location}")
                    }
                    RuleVerdict::HostMismatch => "host does not match".to_string(),
                    RuleVerdict::PathMismatch => "path does not match".to_string(),
                    RuleVerdict::Outranked { by } => format!("path matches, but {by} wins"),
                    RuleVerdict::Duplicate { kept_by } => {
                        format!("same host and path already defined by {kept_by} (older)")
                    }
                    RuleVerdict::NotServed { reason } => format!("Ingress not served: {reason}"),
                };
                out.push(format!(
                    "  {} {}{} ({}) → {}: {}",
                    r.ingress, host, r.path, r.path_type, r.backend, why
                ));
            }
        }
        if let Some(svc) = &self.service {
            if !svc.found {
                out.push(format!("Service {}: not found", svc.service));
            } else if let Some(port) = svc.port {
                out.push(format!(
                    "Service {} port {port} → targetPort {}",
                    svc.service, svc.target_port
                ));
            } else {
                out.push(format!(
                    "Service {}: no port {}",
                    svc.service, svc.requested_port
                ));
            }
            for n in &svc.notes {
                out.push(format!("  {n}"));
            }
            for e in &svc.endpoints {
                let state = if e.ready {
                    "ready"
                } else if e.serving && e.terminating {
                    "terminating"
                } else {
                    "not ready"
                };
                out.push(format!(
                    "  {} {}:{} on {} ({state}{})",
                    e.pod,
                    e.address,
                    e.port,
                    e.node,
                    if e.usable { "" } else { ", not used" }
                ));
            }
        }
        out.extend(self.policies.iter().cloned());
        out.push(match &self.verdict {
            Verdict::Forwarded { pods } => format!("→ one of: {}", pods.join(", ")),
            Verdict::NotFound => "→ 404 Not Found (no rule matched: default backend)".into(),
            Verdict::NoReadyEndpoints => {
                "→ 503 Service Temporarily Unavailable (no ready endpoint)".into()
            }
            Verdict::Redirect { location } => format!("→ 301 Moved Permanently to {location}"),
            Verdict::BadGateway => "→ 502 Bad Gateway".into(),
            Verdict::GatewayTimeout => {
                "→ 504 Gateway Time-out (every connection to an endpoint dropped)".into()
            }
            Verdict::ConnectionFailed { message } => format!("→ {message}"),
        });
        out
    }
}

/// Builds the explanation of a planned route.
pub(crate) fn build(cluster: &Cluster, request: &Request, plan: &Plan) -> RouteExplanation {
    let ingress = plan.ingress.as_ref().map(|d| {
        let server = d.server();
        let chosen = d.location();
        let location = format!("{}{}", if chosen.exact { "= " } else { "" }, chosen.path);
        let describe = |loc: &ingress::Location| match loc.rule {
            Some(i) => {
                let r = &d.config.rules[i];
                let host = if r.host.is_empty() { "*" } else { &r.host };
                format!("{} {host}{} ({})", r.ingress, r.path, r.path_type)
            }
            None => "the default backend".to_string(),
        };
        let rules =
            d.config
                .rules
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let verdict =
                        match &r.status {
                            RuleStatus::NotServed(reason) => RuleVerdict::NotServed {
                                reason: reason.clone(),
                            },
                            RuleStatus::Duplicate { kept_by } => RuleVerdict::Duplicate {
                                kept_by: kept_by.clone(),
                            },
                            RuleStatus::Active => {
                                let host = if r.host.is_empty() {
                                    ingress::CATCH_ALL
                                } else {
                                    &r.host
                                };
                                if host != server.host {
                                    RuleVerdict::HostMismatch
                                } else if chosen.rule == Some(i) {
                                    match d.result {
                                        LocationMatch::Location(_) => RuleVerdict::Matched,
                                        LocationMatch::Redirect(_) => RuleVerdict::Redirect {
                                            location: chosen.path.clone(),
                                        },
                                    }
                                } else if server.locations.iter().any(|l| {
                                    l.rule == Some(i) && ingress::location_matches(l, &d.uri)
                                }) {
                                    RuleVerdict::Outranked {
                                        by: describe(chosen),
                                    }
                                } else {
                                    RuleVerdict::PathMismatch
                                }
                            }
                        };
                    RuleCheck {
                        ingress: r.ingress.clone(),
                        host: r.host.clone(),
                        path: r.path.clone(),
                        path_type: r.path_type.clone(),
                        backend: r.backend.clone(),
                        verdict,
                    }
                })
                .collect();
        IngressDecision {
            host: d.host.clone(),
            path: d.uri.clone(),
            server: server.host.clone(),
            rules,
            location,
        }
    });
    let service = plan.service.as_ref().map(|s| ServiceRoute {
        service: s.service.clone(),
        found: s.found,
        port: s.port,
        requested_port: s.wanted_port.clone(),
        target_port: s.target_port.clone(),
        node_port: s.node_port,
        endpoints: s
            .endpoints
            .iter()
            .map(|e| endpoint_state(e, &s.usable))
            .collect(),
        notes: s.notes.clone(),
    });
    let verdict = match &plan.outcome {
        Outcome::Curl(err, _) => Verdict::ConnectionFailed {
            message: err.line(),
        },
        Outcome::Page(301) => Verdict::Redirect {
            location: plan
                .ingress
                .as_ref()
                .map(|d| d.location().path.clone())
                .unwrap_or_default(),
        },
        Outcome::Page(404) => Verdict::NotFound,
        Outcome::Page(502) => Verdict::BadGateway,
        Outcome::Page(_) => Verdict::NoReadyEndpoints,
        Outcome::Forward(f) => {
            let pods: Vec<String> = f
                .candidates
                .iter()
                .filter(|e| {
                    e.pod.as_ref().is_none_or(|(ns, name)| {
                        cluster
                            .store
                            .get_named(crate::cluster::res("Pod"), ns, name)
                            .is_some()
                    })
                })
                .map(Endpoint::pod_name)
                .collect();
            if pods.is_empty() && plan.ingress.is_some() {
                Verdict::BadGateway
            } else {
                Verdict::Forwarded { pods }
            }
        }
        Outcome::Pod(key, _) | Outcome::Loopback(key, _) => Verdict::Forwarded {
            pods: vec![format!("{}/{}", key.namespace, key.name)],
        },
        Outcome::PortForward(index, ..) => {
            let forward = &cluster.network.port_forwards[*index];
            let key = &forward.pod;
            Verdict::Forwarded {
                // `kubectl proxy` goes to the API server, not a pod.
                pods: if forward.api.is_some() {
                    Vec::new()
                } else {
                    vec![format!("{}/{}", key.namespace, key.name)]
                },
            }
        }
    };
    // What the NetworkPolicies do to a connection to each endpoint.
    let pod = |ns: &str, name: &str| {
        cluster
            .store
            .get_named(crate::cluster::res("Pod"), ns, name)
    };
    let targets: Vec<(&crate::value::Value, i64)> = match &plan.outcome {
        Outcome::Forward(f) => f
            .candidates
            .iter()
            .filter_map(|e| {
                let (ns, name) = e.pod.as_ref()?;
                Some((pod(ns, name)?, e.port))
            })
            .collect(),
        Outcome::Pod(key, port) => cluster
            .store
            .get(key)
            .map(|p| (p, *port))
            .into_iter()
            .collect(),
        _ => Vec::new(),
    };
    let source = plan.source();
    let policies: Vec<String> = targets
        .iter()
        .filter_map(|(pod, port)| source.judge(cluster, pod, *port).err())
        .map(|d| {
            format!(
                "NetworkPolicy {} isolates {} for {}; no rule allows this connection: dropped",
                d.policies.join(", "),
                d.pod,
                d.direction.to_ascii_lowercase()
            )
        })
        .collect();
    let verdict = if !targets.is_empty() && policies.len() == targets.len() {
        if plan.ingress.is_some() {
            Verdict::GatewayTimeout
        } else {
            Verdict::ConnectionFailed {
                message: super::url::CurlError::timed_out(
                    &plan.target.0,
                    plan.target.1,
                    super::CONNECT_TIMEOUT_MS,
                )
                .line(),
            }
        }
    } else {
        verdict
    };
    RouteExplanation {
        url: request.url.clone(),
        entry: plan.entry.clone(),
        ingress,
        service,
        policies,
        verdict,
    }
}

fn endpoint_state(e: &Endpoint, usable: &[Endpoint]) -> EndpointState {
    EndpointState {
        pod: e.pod_name(),
        address: e.address.clone(),
        port: e.port,
        node: e.node.clone(),
        ready: e.ready,
        serving: e.serving,
        terminating: e.terminating,
        usable: usable
            .iter()
            .any(|u| u.address == e.address && u.port == e.port),
    }
}
