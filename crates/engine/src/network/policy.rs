//! NetworkPolicy enforcement, as a kind cluster's kindnetd does it (the
//! kube-network-policies engine, since kind v0.24): the first packet of a
//! new connection is judged after kube-proxy's DNAT, on the pod address and
//! port; egress at the pod that opens it, ingress at the pod it reaches. A
//! pod is isolated in a direction once a policy of its namespace selects it
//! with that policy type; it then takes only what some rule of those
//! policies allows. A judged-out packet is dropped, so the client waits.

use std::borrow::Cow;

use crate::api::selector;
use crate::apiserver::parse_ipv4;
use crate::cluster::{Cluster, res};
use crate::store::ObjectKey;
use crate::value::Value;

/// One end of a connection, as the policies of the other end see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Peer {
    /// A pod, at its pod address.
    Pod(ObjectKey),
    /// The ingress controller's pod (ingress-nginx in its namespace), which
    /// Kubeplay does not run as an object: it matches selectors by the
    /// labels its manifests give it, and no ipBlock.
    IngressController,
    /// An address that is no pod: a node (masqueraded traffic) or the
    /// client outside the cluster. Only ipBlocks match it.
    Address(String),
}

/// The labels ingress-nginx's controller pods carry.
const CONTROLLER_LABELS: [(&str, &str); 3] = [
    ("app.kubernetes.io/component", "controller"),
    ("app.kubernetes.io/instance", "ingress-nginx"),
    ("app.kubernetes.io/name", "ingress-nginx"),
];
/// The namespace ingress-nginx runs in.
const CONTROLLER_NAMESPACE: &str = "ingress-nginx";

/// A connection the policies drop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Denied {
    /// `Ingress` (the pod reached refuses it) or `Egress` (the pod that
    /// opened it may not).
    pub direction: &'static str,
    /// `namespace/name` of the isolated pod.
    pub pod: String,
    /// `namespace/name` of the policies that isolate it.
    pub policies: Vec<String>,
}

/// What a peer is to a selector: its namespace and labels, its
/// namespace's labels, its address.
struct Identity<'c> {
    namespace: &'c str,
    labels: Cow<'c, Value>,
    namespace_labels: Cow<'c, Value>,
    ip: Option<&'c str>,
    /// The pod itself, for its named ports.
    pod: Option<&'c Value>,
}

fn identity<'c>(cluster: &'c Cluster, peer: &'c Peer) -> Option<Identity<'c>> {
    let namespace_labels = |ns: &str| {
        cluster
            .store
            .get_named(res("Namespace"), "", ns)
            .map(|n| Cow::Borrowed(n.at(&["metadata", "labels"])))
    };
    match peer {
        Peer::Pod(key) => {
            let pod = cluster.store.get(key)?;
            if on_host_network(pod) {
                // Its traffic is the node's: an address, no pod.
                return Some(Identity {
                    namespace: "",
                    labels: Cow::Owned(Value::Null),
                    namespace_labels: Cow::Owned(Value::Null),
                    ip: pod.str_at(&["status", "podIP"]),
                    pod: None,
                });
            }
            Some(Identity {
                namespace: &key.namespace,
                labels: Cow::Borrowed(pod.at(&["metadata", "labels"])),
                namespace_labels: namespace_labels(&key.namespace)
                    .unwrap_or(Cow::Owned(Value::Null)),
                ip: crate::controllers::endpoints::pod_ip(pod),
                pod: Some(pod),
            })
        }
        Peer::IngressController => Some(Identity {
            namespace: CONTROLLER_NAMESPACE,
            labels: Cow::Owned(Value::from_pairs(
                CONTROLLER_LABELS.map(|(k, v)| (k, Value::str(v))),
            )),
            namespace_labels: namespace_labels(CONTROLLER_NAMESPACE).unwrap_or_else(|| {
                Cow::Owned(Value::from_pairs([
                    ("app.kubernetes.io/instance", Value::str("ingress-nginx")),
                    ("app.kubernetes.io/name", Value::str("ingress-nginx")),
                    (
                        "kubernetes.io/metadata.name",
                        Value::str(CONTROLLER_NAMESPACE),
                    ),
                ]))
            }),
            ip: None,
            pod: None,
        }),
        Peer::Address(ip) => Some(Identity {
            namespace: "",
            labels: Cow::Owned(Value::Null),
            namespace_labels: Cow::Owned(Value::Null),
            ip: Some(ip),
            pod: None,
        }),
    }
}

/// Judges a new connection to `to` on `port`/`protocol`: `opener` is the
/// pod that opens it (its egress policies apply), `seen_from` what the pod
/// reached sees as the source (the opener, or a node's address after
/// masquerade). Pods on the host network are not judged.
pub(crate) fn judge(
    cluster: &Cluster,
    opener: Option<&ObjectKey>,
    seen_from: &Peer,
    to: &Peer,
    port: i64,
    protocol: &str,
) -> Result<(), Denied> {
    // Nothing to judge without policies (the common case, at every request
    // of a traffic generator).
    if !any(cluster) {
        return Ok(());
    }
    let target = identity(cluster, to);
    if let Some(key) = opener
        && let Some(pod) = judged_pod(cluster, key)
        && let Some(target) = &target
    {
        check(cluster, key, pod, "Egress", target, port, protocol, target)?;
    }
    if let Peer::Pod(key) = to
        && let Some(pod) = judged_pod(cluster, key)
        && let (Some(source), Some(target)) = (identity(cluster, seen_from), &target)
    {
        check(
            cluster, key, pod, "Ingress", &source, port, protocol, target,
        )?;
    }
    Ok(())
}

/// The pod at `key`, unless it is on the host network (its traffic is the
/// node's).
fn judged_pod<'c>(cluster: &'c Cluster, key: &ObjectKey) -> Option<&'c Value> {
    cluster.store.get(key).filter(|p| !on_host_network(p))
}

/// Whether a pod uses its node's network namespace.
pub(crate) fn on_host_network(pod: &Value) -> bool {
    pod.at(&["spec", "hostNetwork"]).as_bool() == Some(true)
}

/// Whether any NetworkPolicy exists (with none, nothing is judged).
pub(crate) fn any(cluster: &Cluster) -> bool {
    cluster
        .store
        .list(res("NetworkPolicy"), None)
        .next()
        .is_some()
}

/// Whether `pod`'s policies of `direction` let `peer` through; `target` is
/// the pod the connection reaches (named ports are its ports).
#[allow(clippy::too_many_arguments)]
fn check(
    cluster: &Cluster,
    key: &ObjectKey,
    pod: &Value,
    direction: &'static str,
    peer: &Identity,
    port: i64,
    protocol: &str,
    target: &Identity,
) -> Result<(), Denied> {
    let labels = pod.at(&["metadata", "labels"]);
    let (rules_field, peers_field) = match direction {
        "Ingress" => ("ingress", "from"),
        _ => ("egress", "to"),
    };
    let mut isolating = Vec::new();
    for ((ns, name), policy) in cluster
        .store
        .list(res("NetworkPolicy"), Some(&key.namespace))
    {
        let spec = policy.get("spec");
        if !selector::matches(spec.get("podSelector"), labels) || !has_type(spec, direction) {
            continue;
        }
        let allows = spec.get(rules_field).items().any(|rule| {
            ports_match(rule.get("ports"), target, port, protocol)
                && peers_match(rule.get(peers_field), peer, ns)
        });
        if allows {
            return Ok(());
        }
        isolating.push(format!("{ns}/{name}"));
    }
    if isolating.is_empty() {
        return Ok(());
    }
    Err(Denied {
        direction,
        pod: format!("{}/{}", key.namespace, key.name),
        policies: isolating,
    })
}

/// Whether a policy has this type: `spec.policyTypes`, or when a stored
/// object has none, the API server's default (Ingress, and Egress when it
/// has egress rules).
fn has_type(spec: &Value, direction: &str) -> bool {
    let types = spec.get("policyTypes");
    if types.is_empty() {
        return direction == "Ingress" || !spec.get("egress").is_empty();
    }
    types.items().any(|t| t.as_str() == Some(direction))
}

/// A rule's ports: none listed means every port; a named port is the
/// target pod's container port of that name and protocol.
fn ports_match(ports: &Value, target: &Identity, port: i64, protocol: &str) -> bool {
    if ports.is_empty() {
        return true;
    }
    ports.items().any(|p| {
        if p.get("protocol").as_str().unwrap_or("TCP") != protocol {
            return false;
        }
        let wanted = p.get("port");
        if let Some(first) = wanted.as_i64() {
            let last = p.get("endPort").as_i64().unwrap_or(first);
            return (first..=last).contains(&port);
        }
        match wanted.as_str() {
            Some(name) => named_port(target, name, protocol) == Some(port),
            None => wanted.is_null(),
        }
    })
}

fn named_port(target: &Identity, name: &str, protocol: &str) -> Option<i64> {
    let Some(pod) = target.pod else {
        // ingress-nginx's container ports.
        return match (name, protocol) {
            ("http", "TCP") => Some(80),
            ("https", "TCP") => Some(443),
            ("webhook", "TCP") => Some(8443),
            _ => None,
        };
    };
    pod.at(&["spec", "containers"])
        .items()
        .flat_map(|c| c.get("ports").items())
        .find(|p| {
            p.get("name").as_str() == Some(name)
                && p.get("protocol").as_str().unwrap_or("TCP") == protocol
        })
        .and_then(|p| p.get("containerPort").as_i64())
}

/// A rule's peers: none listed means everyone.
fn peers_match(peers: &Value, peer: &Identity, policy_namespace: &str) -> bool {
    peers.is_empty()
        || peers
            .items()
            .any(|p| peer_matches(p, peer, policy_namespace))
}

fn peer_matches(p: &Value, peer: &Identity, policy_namespace: &str) -> bool {
    let block = p.get("ipBlock");
    if !block.is_null() {
        let Some(ip) = peer.ip.and_then(parse_ipv4) else {
            return false;
        };
        let inside = |cidr: &Value| cidr.as_str().is_some_and(|c| cidr_contains(c, ip));
        return inside(block.get("cidr")) && !block.get("except").items().any(inside);
    }
    // Selectors match pods only.
    if peer.namespace.is_empty() {
        return false;
    }
    let namespace_selector = p.get("namespaceSelector");
    let namespace_ok = if namespace_selector.is_null() {
        peer.namespace == policy_namespace
    } else {
        selector::matches(namespace_selector, &peer.namespace_labels)
    };
    let pod_selector = p.get("podSelector");
    namespace_ok && (pod_selector.is_null() || selector::matches(pod_selector, &peer.labels))
}

/// Whether an IPv4 CIDR holds the address (IPv6 CIDRs hold none).
fn cidr_contains(cidr: &str, ip: u32) -> bool {
    let Some((net, bits)) = cidr.split_once('/') else {
        return false;
    };
    let (Some(net), Ok(bits)) = (parse_ipv4(net), bits.parse::<u32>()) else {
        return false;
    };
    if bits > 32 {
        return false;
    }
    let mask = if bits == 0 {
        0
    } else {
        u32::MAX << (32 - bits)
    };
    ip & mask == net & mask
}
