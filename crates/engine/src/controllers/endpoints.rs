//! The Endpoints controller (`pkg/controller/endpoint`): writes, for each
//! Service with a selector, an Endpoints object of the same name listing
//! the selected pods' addresses, ready or not, and the resolved ports.

use crate::sort::CompactSort;
use crate::vecmap::VecMap;
use std::collections::BTreeMap;
use std::rc::Rc;

use super::{is_deleting, pod_ready, rfc3339_nano};
use crate::api::errors::StatusReason;
use crate::apiserver::{DeleteOptions, WriteOptions};
use crate::cluster::{Cluster, res};
use crate::events::EventType;
use crate::store::ObjectKey;
use crate::value::Value;

/// The event source (the controller's client name).
const COMPONENT: &str = "endpoint-controller";
/// The label naming the controller that manages an Endpoints object.
pub const MANAGED_BY: &str = "endpoints.kubernetes.io/managed-by";
/// Its value for this controller.
const CONTROLLER_NAME: &str = "endpoint-controller";
/// `v1.IsHeadlessService`
pub const HEADLESS: &str = "service.kubernetes.io/headless";
/// `v1.EndpointsLastChangeTriggerTime`
pub const TRIGGER_TIME: &str = "endpoints.kubernetes.io/last-change-trigger-time";
/// `v1.EndpointsOverCapacity`
const OVER_CAPACITY: &str = "endpoints.kubernetes.io/over-capacity";
/// The most addresses an Endpoints object lists.
const MAX_CAPACITY: usize = 1000;

/// `syncService`
pub(crate) fn reconcile(cluster: &mut Cluster, key: &ObjectKey) {
    let ep_key = ObjectKey::new(res("Endpoints"), &key.namespace, &key.name);
    let Some(service) = cluster.store.get(key).cloned() else {
        // The Service is gone: so are its Endpoints.
        if cluster.store.get(&ep_key).is_some() {
            let _ = cluster.delete(&ep_key, DeleteOptions::default());
        }
        cluster
            .controllers
            .endpoints_triggers
            .delete_service(&key.namespace, &key.name);
        return;
    };
    if service.str_at(&["spec", "type"]) == Some("ExternalName") {
        return;
    }
    let selector = service.at(&["spec", "selector"]).clone();
    if selector.is_null() {
        // Endpoints of Services without a selector are the user's.
        return;
    }
    let pods = selected_pods(cluster, &key.namespace, &selector);
    let refs: Vec<&Value> = pods.iter().collect();
    let trigger = cluster
        .controllers
        .endpoints_triggers
        .compute(&service, &refs);
    let publish_not_ready =
        service.at(&["spec", "publishNotReadyAddresses"]).as_bool() == Some(true);
    let headless_no_ports = service.at(&["spec", "ports"]).is_empty()
        && service.str_at(&["spec", "clusterIP"]) == Some("None");
    let mut entries: Vec<(Option<Value>, Value, bool)> = Vec::new();
    for pod in &pods {
        if !should_pod_be_in_endpoints(pod, publish_not_ready) {
            continue;
        }
        let Some(address) = endpoint_address(pod, &service) else {
            continue;
        };
        let ready = publish_not_ready || pod_ready(pod).0;
        if service.at(&["spec", "ports"]).is_empty() {
            if headless_no_ports {
                entries.push((None, address, ready));
            }
            continue;
        }
        for port in service.at(&["spec", "ports"]).items() {
            let Some(number) = find_port(pod, port) else {
                continue;
            };
            let mut endpoint_port = Value::object();
            if let Some(name) = port.get("name").as_str().filter(|n| !n.is_empty()) {
                endpoint_port.set("name", Value::str(name));
            }
            endpoint_port.set("port", Value::Int(number));
            endpoint_port.set("protocol", Value::str(port_protocol(port)));
            if !port.get("appProtocol").is_null() {
                endpoint_port.set("appProtocol", port.get("appProtocol").clone());
            }
            entries.push((Some(endpoint_port), address.clone(), ready));
        }
    }
    let subsets = repack_subsets(entries);

    let current = cluster.store.get(&ep_key).cloned();
    let service_labels = service.at(&["metadata", "labels"]).clone();
    if let Some(current) = &current {
        let mut compare = current.at(&["metadata", "labels"]).clone();
        compare.remove(HEADLESS);
        compare.remove(MANAGED_BY);
        let capacity_ok = addresses_in(current.get("subsets")) <= MAX_CAPACITY
            && current
                .at(&["metadata", "annotations", OVER_CAPACITY])
                .is_null();
        if subsets_value(&subsets) == *current.get("subsets")
            && compare.members().eq(service_labels.members())
            && capacity_ok
        {
            return;
        }
    }
    let mut endpoints = current.clone().unwrap_or_else(|| {
        Value::from_pairs([
            ("apiVersion", Value::str("v1")),
            ("kind", Value::str("Endpoints")),
            (
                "metadata",
                Value::from_pairs([
                    ("name", Value::from(key.name.to_string())),
                    ("namespace", Value::from(key.namespace.to_string())),
                ]),
            ),
        ])
    });
    let mut subsets = subsets;
    let truncated = truncate_endpoints(&mut subsets);
    match subsets_value(&subsets) {
        Value::Null => {
            endpoints.remove("subsets");
        }
        v => endpoints.set("subsets", v),
    }
    let mut labels = match &service_labels {
        Value::Object(_) => service_labels.clone(),
        _ => Value::object(),
    };
    if is_headless(&service) {
        labels.set(HEADLESS, Value::str(""));
    } else {
        labels.remove(HEADLESS);
    }
    labels.set(MANAGED_BY, Value::str(CONTROLLER_NAME));
    endpoints.set_at(&["metadata", "labels"], labels);
    let mut annotations = match endpoints.at(&["metadata", "annotations"]) {
        Value::Object(_) => endpoints.at(&["metadata", "annotations"]).clone(),
        _ => Value::object(),
    };
    match trigger {
        Some(t) => annotations.set(TRIGGER_TIME, Value::from(rfc3339_nano(t))),
        None => {
            annotations.remove(TRIGGER_TIME);
        }
    }
    if truncated {
        annotations.set(OVER_CAPACITY, Value::str("truncated"));
    } else {
        annotations.remove(OVER_CAPACITY);
    }
    if annotations.is_empty() {
        endpoints.entry("metadata").remove("annotations");
    } else {
        endpoints.set_at(&["metadata", "annotations"], annotations);
    }
    let result = if current.is_some() {
        cluster.update(endpoints.clone(), &WriteOptions::system())
    } else {
        cluster.create(endpoints.clone(), &WriteOptions::system())
    };
    if let Err(e) = result {
        if current.is_none() && e.reason == StatusReason::Forbidden {
            // A terminating namespace takes no new objects.
            return;
        }
        let (reason, message) = if current.is_none() {
            (
                "FailedToCreateEndpoint",
                format!(
                    "Failed to create endpoint for service {}/{}: {}",
                    key.namespace, key.name, e.message
                ),
            )
        } else {
            (
                "FailedToUpdateEndpoint",
                format!(
                    "Failed to update endpoint {}/{}: {}",
                    key.namespace, key.name, e.message
                ),
            )
        };
        cluster.record_event(
            &endpoints,
            None,
            EventType::Warning,
            reason,
            &message,
            (COMPONENT, None),
        );
        super::requeue_rate_limited(cluster, crate::cluster::Controller::Endpoints, key);
    }
}

/// The pods of `namespace` matching a Service selector, in name order.
pub(crate) fn selected_pods(
    cluster: &Cluster,
    namespace: &Rc<str>,
    selector: &Value,
) -> Vec<Value> {
    cluster
        .controllers
        .pods_matching(namespace, selector)
        .into_iter()
        .filter_map(|name| {
            cluster
                .store
                .get_named(res("Pod"), namespace, &name)
                .cloned()
        })
        .collect()
}

/// `ShouldPodBeInEndpoints`: not finished, has an IP, and not terminating
/// unless terminating pods are included.
pub(crate) fn should_pod_be_in_endpoints(pod: &Value, include_terminating: bool) -> bool {
    if matches!(
        pod.str_at(&["status", "phase"]),
        Some("Succeeded" | "Failed")
    ) {
        return false;
    }
    if pod_ip(pod).is_none() {
        return false;
    }
    include_terminating || !is_deleting(pod)
}

/// The pod's IPv4 address.
pub(crate) fn pod_ip(pod: &Value) -> Option<&str> {
    pod.at(&["status", "podIPs"])
        .items()
        .filter_map(|ip| ip.get("ip").as_str())
        .find(|ip| !ip.contains(':'))
        .or_else(|| {
            pod.str_at(&["status", "podIP"])
                .filter(|ip| !ip.is_empty() && !ip.contains(':'))
        })
}

/// `ShouldSetHostname`: the pod's hostname, when its subdomain is the Service.
pub(crate) fn hostname_for(pod: &Value, service: &Value) -> Option<Value> {
    let hostname = pod
        .str_at(&["spec", "hostname"])
        .filter(|h| !h.is_empty())?;
    (pod.str_at(&["spec", "subdomain"]) == service.str_at(&["metadata", "name"])
        && pod.str_at(&["metadata", "namespace"]) == service.str_at(&["metadata", "namespace"]))
    .then(|| Value::str(hostname))
}

/// `{kind: Pod, name, namespace, uid}`
pub(crate) fn target_ref(pod: &Value) -> Value {
    Value::from_pairs([
        ("kind", Value::str("Pod")),
        ("name", pod.at(&["metadata", "name"]).clone()),
        ("namespace", pod.at(&["metadata", "namespace"]).clone()),
        ("uid", pod.at(&["metadata", "uid"]).clone()),
    ])
}

/// `podToEndpointAddressForService`
fn endpoint_address(pod: &Value, service: &Value) -> Option<Value> {
    let ip = pod_ip(pod)?;
    let mut address = Value::from_pairs([
        ("ip", Value::str(ip)),
        (
            "nodeName",
            Value::str(pod.str_at(&["spec", "nodeName"]).unwrap_or("")),
        ),
        ("targetRef", target_ref(pod)),
    ]);
    if let Some(hostname) = hostname_for(pod, service) {
        address.set("hostname", hostname);
    }
    Some(address)
}

/// A Service port's protocol (TCP when unset).
pub(crate) fn port_protocol(port: &Value) -> &str {
    port.get("protocol").as_str().unwrap_or("TCP")
}

/// `podutil.FindPort`: the container port a Service port's targetPort
/// names (by number, or by name and protocol among the containers and
/// sidecar init containers).
pub(crate) fn find_port(pod: &Value, service_port: &Value) -> Option<i64> {
    match service_port.get("targetPort") {
        Value::Null => service_port.get("port").as_i64(),
        Value::String(name) => {
            let protocol = port_protocol(service_port);
            let sidecars = pod
                .at(&["spec", "initContainers"])
                .items()
                .filter(|c| c.get("restartPolicy").as_str() == Some("Always"));
            pod.at(&["spec", "containers"])
                .items()
                .chain(sidecars)
                .flat_map(|c| c.get("ports").items())
                .find(|p| {
                    p.get("name").as_str() == Some(name)
                        && p.get("protocol").as_str().unwrap_or("TCP") == protocol
                })
                .and_then(|p| p.get("containerPort").as_i64())
        }
        v => v.as_i64(),
    }
}

/// `helper.IsServiceIPSet` negated: headless (`None`) or no cluster IP.
pub(crate) fn is_headless(service: &Value) -> bool {
    matches!(
        service.str_at(&["spec", "clusterIP"]),
        None | Some("None") | Some("")
    )
}

/// One repacked subset: ports, and addresses by (IP, UID) with readiness.
#[derive(Clone, Debug, PartialEq)]
struct Subset {
    ports: Vec<Value>,
    addresses: Vec<(Value, bool)>,
}

/// Addresses by (IP, UID), with whether each is ready.
type AddressSet = BTreeMap<(String, String), (Value, bool)>;

/// `endpoints.RepackSubsets`: addresses offering the same ports share a
/// subset; an address ready for a port stays ready. Addresses sort by IP,
/// then UID.
fn repack_subsets(entries: Vec<(Option<Value>, Value, bool)>) -> Vec<Subset> {
    let address_key = |a: &Value| -> (String, String) {
        (
            a.get("ip").as_str().unwrap_or("").to_string(),
            a.at(&["targetRef", "uid"])
                .as_str()
                .unwrap_or("")
                .to_string(),
        )
    };
    // port (compact JSON, or "" for none) → address key → (address, ready).
    // The few ports and subsets are sorted vectors (VecMap): B-trees of
    // their own types linked code for a handful of entries.
    let mut by_port: VecMap<String, (Option<Value>, AddressSet)> = VecMap::new();
    for (port, address, ready) in entries {
        let port_key = port
            .as_ref()
            .map(crate::yaml::to_json_compact)
            .unwrap_or_default();
        let slot = by_port
            .entry(port_key)
            .or_insert_with(|| (port, BTreeMap::new()));
        let entry = slot
            .1
            .entry(address_key(&address))
            .or_insert_with(|| (address, ready));
        entry.1 |= ready;
    }
    // address set → ports
    let mut by_addresses: VecMap<String, Subset> = VecMap::new();
    for (_, (port, addresses)) in by_port {
        let key: String = addresses
            .iter()
            .map(|((ip, uid), (_, ready))| format!("{ip}/{uid}/{ready};"))
            .collect();
        let subset = by_addresses.entry(key).or_insert_with(|| Subset {
            ports: Vec::new(),
            addresses: addresses.values().cloned().collect(),
        });
        if let Some(port) = port {
            subset.ports.push(port);
        }
    }
    // Upstream orders ports and subsets by hashes of Go structs; name,
    // number and protocol give a stable order that reads well.
    let port_key = |p: &Value| {
        (
            p.get("name").as_str().unwrap_or("").to_string(),
            p.get("port").as_i64().unwrap_or(0),
            p.get("protocol").as_str().unwrap_or("").to_string(),
        )
    };
    let mut subsets: Vec<Subset> = by_addresses.into_iter().map(|(_, s)| s).collect();
    for subset in &mut subsets {
        subset.ports.compact_sort_by_key(port_key);
    }
    subsets.compact_sort_by_key(|s| s.ports.iter().map(port_key).collect::<Vec<_>>());
    subsets
}

/// The subsets as the API object lists them (`null` when none).
fn subsets_value(subsets: &[Subset]) -> Value {
    if subsets.is_empty() {
        return Value::Null;
    }
    Value::array(
        subsets
            .iter()
            .map(|s| {
                let mut v = Value::object();
                let ready: Vec<Value> = s
                    .addresses
                    .iter()
                    .filter(|a| a.1)
                    .map(|a| a.0.clone())
                    .collect();
                let not_ready: Vec<Value> = s
                    .addresses
                    .iter()
                    .filter(|a| !a.1)
                    .map(|a| a.0.clone())
                    .collect();
                if !ready.is_empty() {
                    v.set("addresses", Value::array(ready));
                }
                if !not_ready.is_empty() {
                    v.set("notReadyAddresses", Value::array(not_ready));
                }
                if !s.ports.is_empty() {
                    v.set("ports", Value::array(s.ports.clone()));
                }
                v
            })
            .collect(),
    )
}

fn addresses_in(subsets: &Value) -> usize {
    subsets
        .items()
        .map(|s| s.get("addresses").items().len() + s.get("notReadyAddresses").items().len())
        .sum()
}

/// `truncateEndpoints`: past [`MAX_CAPACITY`] addresses, keep a share of
/// each subset, ready ones first. Returns whether it truncated.
fn truncate_endpoints(subsets: &mut [Subset]) -> bool {
    let total_ready: usize = subsets
        .iter()
        .map(|s| s.addresses.iter().filter(|a| a.1).count())
        .sum();
    let total_not_ready: usize = subsets
        .iter()
        .map(|s| s.addresses.iter().filter(|a| !a.1).count())
        .sum();
    if total_ready + total_not_ready <= MAX_CAPACITY {
        return false;
    }
    let truncate_ready = total_ready > MAX_CAPACITY;
    let (max, total) = if truncate_ready {
        (MAX_CAPACITY, total_ready)
    } else {
        (MAX_CAPACITY - total_ready, total_not_ready)
    };
    let mut can_be_added = max;
    for subset in subsets.iter_mut() {
        let in_subset = subset
            .addresses
            .iter()
            .filter(|a| a.1 == truncate_ready)
            .count();
        let share = ((in_subset as f64 / total as f64) * max as f64).ceil() as usize;
        let keep = share.min(can_be_added);
        let mut kept = 0;
        subset.addresses.retain(|a| {
            if a.1 != truncate_ready {
                // Truncating ready addresses drops every not-ready one.
                return !truncate_ready;
            }
            kept += 1;
            kept <= keep
        });
        can_be_added -= kept.min(keep);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;

    const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: NAME\n  labels: {app: web}\nspec:\n  containers:\n  - name: web\n    image: nginx\n    ports:\n    - name: http\n      containerPort: 8080\n";
    const SERVICE: &str = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  labels: {tier: front}\nspec:\n  selector: {app: web}\n  ports:\n  - name: web\n    port: 80\n    targetPort: http\n";

    fn endpoints(c: &Cluster) -> Value {
        c.store
            .get_named(res("Endpoints"), "default", "web")
            .cloned()
            .expect("endpoints exist")
    }

    #[test]
    fn lists_ready_and_not_ready_pods_with_named_target_ports() {
        let mut c = hand_cluster(1);
        for name in ["a", "b", "c"] {
            create(&mut c, &POD.replace("NAME", name));
        }
        let svc = create(&mut c, SERVICE);
        // No pod has an IP yet: no subsets.
        let ep = endpoints(&c);
        assert!(ep.get("subsets").is_null());
        assert_eq!(
            crate::yaml::to_json_compact(ep.at(&["metadata", "labels"])),
            r#"{"endpoints.kubernetes.io/managed-by":"endpoint-controller","tier":"front"}"#
        );
        assert_eq!(
            ep.str_at(&["metadata", "annotations", TRIGGER_TIME]),
            svc.str_at(&["metadata", "creationTimestamp"])
        );
        c.step(3_000);
        run_pod(&mut c, "a", "node-1", "10.244.1.7", true);
        run_pod(&mut c, "b", "node-2", "10.244.2.3", false);
        let ep = endpoints(&c);
        let uid = |n: &str| {
            c.store
                .get_named(res("Pod"), "default", n)
                .unwrap()
                .str_at(&["metadata", "uid"])
                .unwrap()
                .to_string()
        };
        assert_eq!(
            crate::yaml::to_json_compact(ep.get("subsets")),
            format!(
                r#"[{{"addresses":[{{"ip":"10.244.1.7","nodeName":"node-1","targetRef":{{"kind":"Pod","name":"a","namespace":"default","uid":"{}"}}}}],"notReadyAddresses":[{{"ip":"10.244.2.3","nodeName":"node-2","targetRef":{{"kind":"Pod","name":"b","namespace":"default","uid":"{}"}}}}],"ports":[{{"name":"web","port":8080,"protocol":"TCP"}}]}}]"#,
                uid("a"),
                uid("b")
            )
        );
        assert_eq!(
            ep.str_at(&["metadata", "annotations", TRIGGER_TIME]),
            Some("2026-01-01T00:01:03Z")
        );
        // Pod deletion takes the address out at once.
        c.delete(
            &ObjectKey::new(res("Pod"), "default", "a"),
            DeleteOptions::default(),
        )
        .unwrap();
        c.step(0);
        let ep = endpoints(&c);
        assert_eq!(ep.get("subsets").items().len(), 1);
        assert!(
            ep.at(&["subsets"])
                .items()
                .next()
                .unwrap()
                .get("addresses")
                .is_null()
        );
    }

    #[test]
    fn numeric_target_ports_headless_labels_and_service_deletion() {
        let mut c = hand_cluster(1);
        create(&mut c, &POD.replace("NAME", "a"));
        create(
            &mut c,
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  clusterIP: None\n  selector: {app: web}\n  ports:\n  - port: 80\n    targetPort: 9090\n",
        );
        run_pod(&mut c, "a", "node-1", "10.244.1.7", true);
        let ep = endpoints(&c);
        assert_eq!(
            crate::yaml::to_json_compact(ep.at(&["metadata", "labels"])),
            r#"{"endpoints.kubernetes.io/managed-by":"endpoint-controller","service.kubernetes.io/headless":""}"#
        );
        assert_eq!(
            crate::yaml::to_json_compact(ep.at(&["subsets"]).items().next().unwrap().get("ports")),
            r#"[{"port":9090,"protocol":"TCP"}]"#
        );
        c.delete(
            &ObjectKey::new(res("Service"), "default", "web"),
            DeleteOptions::default(),
        )
        .unwrap();
        c.step(0);
        assert!(
            c.store
                .get_named(res("Endpoints"), "default", "web")
                .is_none()
        );
    }

    #[test]
    fn pods_without_the_named_port_are_left_out() {
        let mut c = hand_cluster(1);
        create(&mut c, &POD.replace("NAME", "a"));
        create(
            &mut c,
            &POD.replace("NAME", "b")
                .replace("name: http", "name: other"),
        );
        create(&mut c, SERVICE);
        run_pod(&mut c, "a", "node-1", "10.244.1.7", true);
        run_pod(&mut c, "b", "node-1", "10.244.1.8", true);
        let ep = endpoints(&c);
        let ips: Vec<&str> = ep
            .get("subsets")
            .items()
            .flat_map(|s| s.get("addresses").items())
            .filter_map(|a| a.get("ip").as_str())
            .collect();
        assert_eq!(ips, vec!["10.244.1.7"]);
    }

    #[test]
    fn services_without_selectors_keep_user_endpoints() {
        let mut c = hand_cluster(1);
        create(
            &mut c,
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: ext\nspec:\n  ports:\n  - port: 443\n",
        );
        create(
            &mut c,
            "apiVersion: v1\nkind: Endpoints\nmetadata:\n  name: ext\nsubsets:\n- addresses:\n  - ip: 10.0.0.1\n  ports:\n  - port: 443\n",
        );
        let ep = c
            .store
            .get_named(res("Endpoints"), "default", "ext")
            .unwrap();
        assert!(ep.at(&["metadata", "labels"]).is_null());
    }

    #[test]
    fn repack_merges_addresses_sharing_ports() {
        let addr = |ip: &str| Value::from_pairs([("ip", Value::str(ip))]);
        let port = |n: i64| Some(Value::from_pairs([("port", Value::Int(n))]));
        let subsets = repack_subsets(vec![
            (port(80), addr("10.0.0.2"), true),
            (port(81), addr("10.0.0.2"), true),
            (port(80), addr("10.0.0.1"), false),
            (port(81), addr("10.0.0.1"), false),
            (port(80), addr("10.0.0.3"), true),
        ]);
        assert_eq!(
            crate::yaml::to_json_compact(&subsets_value(&subsets)),
            r#"[{"addresses":[{"ip":"10.0.0.2"},{"ip":"10.0.0.3"}],"notReadyAddresses":[{"ip":"10.0.0.1"}],"ports":[{"port":80}]},{"addresses":[{"ip":"10.0.0.2"}],"notReadyAddresses":[{"ip":"10.0.0.1"}],"ports":[{"port":81}]}]"#
        );
    }

    #[test]
    fn over_capacity_keeps_ready_addresses_first() {
        let mut subsets = vec![Subset {
            ports: Vec::new(),
            addresses: (0..1200)
                .map(|i| {
                    (
                        Value::from_pairs([(
                            "ip",
                            Value::from(format!("10.0.{}.{}", i / 250, i % 250)),
                        )]),
                        i < 900,
                    )
                })
                .collect(),
        }];
        assert!(truncate_endpoints(&mut subsets));
        let ready = subsets[0].addresses.iter().filter(|a| a.1).count();
        let not_ready = subsets[0].addresses.iter().filter(|a| !a.1).count();
        assert_eq!((ready, not_ready), (900, 100));
    }
}
