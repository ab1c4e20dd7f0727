//! The EndpointSlice controller (`pkg/controller/endpointslice`): writes a
//! Service's endpoints as EndpointSlices (`<service>-<5 chars>`) of at most
//! 100 endpoints, grouped by the ports the pods resolve, with a placeholder
//! slice when there are none.

use crate::scheduler::util::FxMap;
use crate::sort::CompactSort;
use std::collections::BTreeMap;

use super::endpoints::{
    HEADLESS, TRIGGER_TIME, find_port, hostname_for, is_headless, pod_ip, port_protocol,
    selected_pods, should_pod_be_in_endpoints, target_ref,
};
use super::{controller_uid, is_deleting, new_controller_ref, pod_ready, rfc3339_nano};
use crate::api::errors::StatusReason;
use crate::apiserver::{DeleteOptions, WriteOptions};
use crate::cluster::{Cluster, Controller, res};
use crate::store::ObjectKey;
use crate::value::Value;

/// `discovery.LabelServiceName`
pub const SERVICE_NAME: &str = "kubernetes.io/service-name";
/// `discovery.LabelManagedBy`
pub const MANAGED_BY: &str = "endpointslice.kubernetes.io/managed-by";
/// This controller's name in that label.
pub const CONTROLLER_NAME: &str = "endpointslice-controller.k8s.io";
/// `--max-endpoints-per-slice`
const MAX_ENDPOINTS_PER_SLICE: usize = 100;
/// `topology.kubernetes.io/zone`
const ZONE_LABEL: &str = "topology.kubernetes.io/zone";

/// One endpoint wanted in a slice, keyed by pod.
#[derive(Clone, Debug)]
struct Wanted {
    key: String,
    endpoint: Value,
}

/// `syncService` + the reconciler.
pub(crate) fn reconcile(cluster: &mut Cluster, key: &ObjectKey) {
    let Some(service) = cluster.store.get(key).cloned() else {
        // The slices go with their owner (garbage collector).
        cluster
            .controllers
            .slice_triggers
            .delete_service(&key.namespace, &key.name);
        return;
    };
    if service.str_at(&["spec", "type"]) == Some("ExternalName") {
        return;
    }
    let selector = service.at(&["spec", "selector"]).clone();
    if selector.is_null() {
        return;
    }
    let pods = selected_pods(cluster, &key.namespace, &selector);
    let refs: Vec<&Value> = pods.iter().collect();
    let trigger = cluster.controllers.slice_triggers.compute(&service, &refs);

    // Desired endpoints, grouped by the ports they resolve.
    let mut desired: BTreeMap<String, (Value, Vec<Wanted>)> = BTreeMap::new();
    for pod in &pods {
        if !should_pod_be_in_endpoints(pod, true) {
            continue;
        }
        let ports = endpoint_ports(&service, pod);
        let port_key = crate::yaml::to_json_compact(&ports);
        let Some(endpoint) = pod_to_endpoint(cluster, pod, &service) else {
            continue;
        };
        desired
            .entry(port_key)
            .or_insert_with(|| (ports, Vec::new()))
            .1
            .push(Wanted {
                key: endpoint_key(&endpoint),
                endpoint,
            });
    }

    // The slices this controller manages for the Service.
    let uid = service
        .str_at(&["metadata", "uid"])
        .unwrap_or("")
        .to_string();
    let existing: Vec<Value> = cluster
        .controllers
        .slices_of(&key.namespace, &key.name)
        .iter()
        .filter_map(|n| {
            cluster
                .store
                .get_named(res("EndpointSlice"), &key.namespace, n)
                .cloned()
        })
        .filter(|s| {
            s.str_at(&["metadata", "labels", MANAGED_BY]) == Some(CONTROLLER_NAME)
                && s.str_at(&["addressType"]) == Some("IPv4")
                && !is_deleting(s)
        })
        .collect();
    let labels = slice_labels(&service);

    let mut to_create: Vec<Value> = Vec::new();
    let mut to_update: Vec<Value> = Vec::new();
    let mut to_delete: Vec<Value> = Vec::new();
    let mut by_ports: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for slice in &existing {
        by_ports
            .entry(crate::yaml::to_json_compact(&list_or_empty(
                slice.get("ports"),
            )))
            .or_default()
            .push(slice.clone());
    }
    for (port_key, slices) in &by_ports {
        if !desired.contains_key(port_key) {
            to_delete.extend(slices.iter().cloned());
        }
    }
    for (port_key, (ports, wanted)) in desired {
        let slices = by_ports.remove(&port_key).unwrap_or_default();
        reconcile_by_ports(
            &service,
            &labels,
            &ports,
            wanted,
            slices,
            &mut to_create,
            &mut to_update,
            &mut to_delete,
        );
    }
    // Labels drifted on slices whose endpoints did not change.
    for slice in &existing {
        let name = slice.at(&["metadata", "name"]);
        let touched = to_update
            .iter()
            .chain(to_delete.iter())
            .any(|s| s.at(&["metadata", "name"]) == name);
        if !touched && slice.at(&["metadata", "labels"]) != &labels {
            let mut s = slice.clone();
            s.set_at(&["metadata", "labels"], labels.clone());
            to_update.push(s);
        }
    }
    // Keep one placeholder slice when there would be none.
    if existing.len() == to_delete.len() && to_create.is_empty() {
        let placeholder = new_slice(&service, &labels, Value::Null);
        if to_delete.len() == 1 && is_placeholder_of(&to_delete[0], &labels) {
            to_delete.clear();
        } else {
            to_create.push(placeholder);
        }
    }
    // Rather than delete one slice and create another, update the first.
    while let (Some(_), Some(doomed)) = (to_create.last(), to_delete.first()) {
        if controller_uid(doomed) != Some(uid.as_str()) {
            break;
        }
        let mut slice = to_create.pop().expect("checked above");
        let doomed = to_delete.remove(0);
        let mut metadata = doomed.get("metadata").clone();
        metadata.set("labels", slice.at(&["metadata", "labels"]).clone());
        slice.set("metadata", metadata);
        to_update.push(slice);
    }
    for mut slice in to_create {
        set_trigger_time(&mut slice, trigger);
        if let Err(e) = cluster.create(slice, &WriteOptions::system())
            && e.reason != StatusReason::Forbidden
        {
            super::requeue_rate_limited(cluster, Controller::EndpointSlice, key);
        }
    }
    for mut slice in to_update {
        set_trigger_time(&mut slice, trigger);
        if cluster.update(slice, &WriteOptions::system()).is_err() {
            super::requeue_rate_limited(cluster, Controller::EndpointSlice, key);
        }
    }
    for slice in to_delete {
        let slice_key = ObjectKey::of(res("EndpointSlice"), &slice);
        let _ = cluster.delete(&slice_key, DeleteOptions::default());
    }
}

/// Fits the endpoints wanted for one port list into the existing slices
/// with those ports: changed endpoints are updated in place, gone ones
/// removed (a slice left empty is deleted), new ones fill slices with room
/// before new slices are made.
#[allow(clippy::too_many_arguments)]
fn reconcile_by_ports(
    service: &Value,
    labels: &Value,
    ports: &Value,
    wanted: Vec<Wanted>,
    mut slices: Vec<Value>,
    to_create: &mut Vec<Value>,
    to_update: &mut Vec<Value>,
    to_delete: &mut Vec<Value>,
) {
    slices.compact_sort_by(|a, b| {
        a.str_at(&["metadata", "name"])
            .cmp(&b.str_at(&["metadata", "name"]))
    });
    // Looked up and removed by key only; `order` keeps the wanted order.
    let mut remaining: FxMap<String, Value> = wanted
        .iter()
        .map(|w| (w.key.clone(), w.endpoint.clone()))
        .collect();
    let order: Vec<String> = wanted.iter().map(|w| w.key.clone()).collect();
    // (slice, endpoints, changed)
    let mut kept: Vec<(Value, Vec<Value>, bool)> = Vec::new();
    for slice in slices {
        let mut endpoints = Vec::new();
        let mut changed = false;
        for ep in slice.get("endpoints").items() {
            match remaining.remove(&endpoint_key(ep)) {
                Some(want) => {
                    changed |= &want != ep;
                    endpoints.push(want);
                }
                None => changed = true,
            }
        }
        if endpoints.is_empty() {
            to_delete.push(slice);
        } else {
            kept.push((slice, endpoints, changed));
        }
    }
    let mut new_endpoints: Vec<Value> = order.iter().filter_map(|k| remaining.remove(k)).collect();
    // Fill slices that change anyway first, then the others.
    for pass in [true, false] {
        for (_, endpoints, changed) in kept.iter_mut() {
            if *changed != pass || new_endpoints.is_empty() {
                continue;
            }
            let room = MAX_ENDPOINTS_PER_SLICE.saturating_sub(endpoints.len());
            if room == 0 {
                continue;
            }
            let take = room.min(new_endpoints.len());
            endpoints.extend(new_endpoints.drain(..take));
            *changed = true;
        }
    }
    for (slice, endpoints, changed) in kept {
        if changed {
            let mut s = slice;
            s.set("endpoints", Value::array(endpoints));
            s.set_at(&["metadata", "labels"], labels.clone());
            to_update.push(s);
        }
    }
    for chunk in new_endpoints.chunks(MAX_ENDPOINTS_PER_SLICE) {
        let mut slice = new_slice(service, labels, ports.clone());
        slice.set("endpoints", Value::array(chunk.to_vec()));
        to_create.push(slice);
    }
}

/// `newEndpointSlice`
fn new_slice(service: &Value, labels: &Value, ports: Value) -> Value {
    let name = service.str_at(&["metadata", "name"]).unwrap_or("");
    Value::from_pairs([
        ("addressType", Value::str("IPv4")),
        ("apiVersion", Value::str("discovery.k8s.io/v1")),
        ("endpoints", Value::Null),
        ("kind", Value::str("EndpointSlice")),
        (
            "metadata",
            Value::from_pairs([
                ("generateName", Value::from(format!("{name}-"))),
                ("labels", labels.clone()),
                ("namespace", service.at(&["metadata", "namespace"]).clone()),
                (
                    "ownerReferences",
                    Value::array(vec![new_controller_ref(service)]),
                ),
            ]),
        ),
        ("ports", if ports.is_empty() { Value::Null } else { ports }),
    ])
}

/// Whether a slice is an empty placeholder with these labels.
fn is_placeholder_of(slice: &Value, labels: &Value) -> bool {
    slice.get("endpoints").is_empty()
        && slice.get("ports").is_empty()
        && slice.at(&["metadata", "labels"]) == labels
}

/// `[]` for null.
fn list_or_empty(v: &Value) -> Value {
    if v.is_null() {
        Value::array(Vec::new())
    } else {
        v.clone()
    }
}

/// `setEndpointSliceLabels`: the Service's labels, the headless marker,
/// and the Service name and managing controller.
fn slice_labels(service: &Value) -> Value {
    let mut labels = Value::object();
    for (k, v) in service.at(&["metadata", "labels"]).members() {
        if matches!(k, SERVICE_NAME | MANAGED_BY | HEADLESS) {
            continue;
        }
        labels.set(k, v.clone());
    }
    if is_headless(service) {
        labels.set(HEADLESS, Value::str(""));
    }
    labels.set(SERVICE_NAME, service.at(&["metadata", "name"]).clone());
    labels.set(MANAGED_BY, Value::str(CONTROLLER_NAME));
    labels
}

/// `getEndpointPorts`: the Service ports the pod resolves.
fn endpoint_ports(service: &Value, pod: &Value) -> Value {
    let mut ports = Vec::new();
    for port in service.at(&["spec", "ports"]).items() {
        let Some(number) = find_port(pod, port) else {
            continue;
        };
        let mut p = Value::from_pairs([
            ("name", Value::str(port.get("name").as_str().unwrap_or(""))),
            ("port", Value::Int(number)),
            ("protocol", Value::str(port_protocol(port))),
        ]);
        if !port.get("appProtocol").is_null() {
            p.set("appProtocol", port.get("appProtocol").clone());
        }
        ports.push(p);
    }
    Value::array(ports)
}

/// `podToEndpoint`
fn pod_to_endpoint(cluster: &Cluster, pod: &Value, service: &Value) -> Option<Value> {
    let ip = pod_ip(pod)?;
    let serving = pod_ready(pod).0;
    let terminating = is_deleting(pod);
    let publish_not_ready =
        service.at(&["spec", "publishNotReadyAddresses"]).as_bool() == Some(true);
    let ready = publish_not_ready || (serving && !terminating);
    let mut endpoint = Value::from_pairs([
        ("addresses", Value::array(vec![Value::str(ip)])),
        (
            "conditions",
            Value::from_pairs([
                ("ready", Value::Bool(ready)),
                ("serving", Value::Bool(serving)),
                ("terminating", Value::Bool(terminating)),
            ]),
        ),
        ("targetRef", target_ref(pod)),
    ]);
    if let Some(node) = pod.str_at(&["spec", "nodeName"]).filter(|n| !n.is_empty()) {
        endpoint.set("nodeName", Value::str(node));
        if let Some(zone) = cluster
            .store
            .get_named(res("Node"), "", node)
            .and_then(|n| n.str_at(&["metadata", "labels", ZONE_LABEL]))
            .filter(|z| !z.is_empty())
        {
            endpoint.set("zone", Value::str(zone));
        }
    }
    if let Some(hostname) = hostname_for(pod, service) {
        endpoint.set("hostname", hostname);
    }
    Some(endpoint)
}

/// Identifies an endpoint across syncs: its pod (or its address).
fn endpoint_key(endpoint: &Value) -> String {
    match endpoint.at(&["targetRef", "uid"]).as_str() {
        Some(uid) if !uid.is_empty() => uid.to_string(),
        _ => {
            // Sorted and deduplicated in a vector: a BTreeSet<&str> linked
            // B-tree code for this one call.
            let mut addresses: Vec<&str> = endpoint
                .get("addresses")
                .items()
                .filter_map(|a| a.as_str())
                .collect();
            addresses.compact_sort();
            addresses.dedup();
            addresses.join(",")
        }
    }
}

fn set_trigger_time(slice: &mut Value, trigger: Option<crate::time::Millis>) {
    match trigger {
        Some(t) => slice.set_at(
            &["metadata", "annotations", TRIGGER_TIME],
            Value::from(rfc3339_nano(t)),
        ),
        None => {
            if !slice.at(&["metadata", "annotations"]).is_null() {
                let annotations = slice.entry("metadata").entry("annotations");
                annotations.remove(TRIGGER_TIME);
                if annotations.is_empty() {
                    slice.entry("metadata").remove("annotations");
                }
            }
        }
    }
}

/// The names of a Service's slices, for tests and the UI.
#[cfg(test)]
fn slice_names(cluster: &Cluster, service: &str) -> Vec<std::rc::Rc<str>> {
    cluster
        .controllers
        .slices_of(&std::rc::Rc::from("default"), service)
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;

    const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: NAME\n  labels: {app: web}\nspec:\n  containers:\n  - name: web\n    image: nginx\n    ports:\n    - name: http\n      containerPort: 8080\n";
    const SERVICE: &str = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {app: web}\n  ports:\n  - port: 80\n    targetPort: http\n";

    fn slices(c: &Cluster) -> Vec<Value> {
        slice_names(c, "web")
            .iter()
            .map(|n| {
                c.store
                    .get_named(res("EndpointSlice"), "default", n)
                    .cloned()
                    .unwrap()
            })
            .collect()
    }

    #[test]
    fn a_placeholder_slice_then_endpoints_with_conditions() {
        let mut c = hand_cluster(1);
        create(&mut c, &POD.replace("NAME", "a"));
        let svc = create(&mut c, SERVICE);
        let placeholder = slices(&c);
        assert_eq!(placeholder.len(), 1);
        let p = &placeholder[0];
        let name = p.str_at(&["metadata", "name"]).unwrap().to_string();
        assert!(name.starts_with("web-") && name.len() == 9, "{name}");
        assert_eq!(p.str_at(&["metadata", "generateName"]), Some("web-"));
        assert!(p.get("endpoints").is_null());
        assert!(p.get("ports").is_null());
        assert_eq!(p.str_at(&["addressType"]), Some("IPv4"));
        assert_eq!(p.at(&["metadata", "generation"]), &Value::Int(1));
        assert_eq!(
            crate::yaml::to_json_compact(p.at(&["metadata", "labels"])),
            r#"{"endpointslice.kubernetes.io/managed-by":"endpointslice-controller.k8s.io","kubernetes.io/service-name":"web"}"#
        );
        assert_eq!(
            crate::yaml::to_json_compact(p.at(&["metadata", "ownerReferences"])),
            format!(
                r#"[{{"apiVersion":"v1","blockOwnerDeletion":true,"controller":true,"kind":"Service","name":"web","uid":"{}"}}]"#,
                svc.str_at(&["metadata", "uid"]).unwrap()
            )
        );
        run_pod(&mut c, "a", "node-1", "10.244.1.7", true);
        let s = slices(&c);
        assert_eq!(s.len(), 1);
        // The placeholder became the slice (same name).
        assert_eq!(s[0].str_at(&["metadata", "name"]), Some(name.as_str()));
        assert_eq!(s[0].at(&["metadata", "generation"]), &Value::Int(2));
        assert_eq!(
            s[0].str_at(&["metadata", "annotations", TRIGGER_TIME]),
            Some("2026-01-01T00:01:00Z")
        );
        let pod_uid = c
            .store
            .get_named(res("Pod"), "default", "a")
            .unwrap()
            .str_at(&["metadata", "uid"])
            .unwrap()
            .to_string();
        assert_eq!(
            crate::yaml::to_json_compact(s[0].get("endpoints")),
            format!(
                r#"[{{"addresses":["10.244.1.7"],"conditions":{{"ready":true,"serving":true,"terminating":false}},"nodeName":"node-1","targetRef":{{"kind":"Pod","name":"a","namespace":"default","uid":"{pod_uid}"}}}}]"#
            )
        );
        assert_eq!(
            crate::yaml::to_json_compact(s[0].get("ports")),
            r#"[{"name":"","port":8080,"protocol":"TCP"}]"#
        );
        // Terminating: not ready, still serving.
        c.delete(
            &ObjectKey::new(res("Pod"), "default", "a"),
            DeleteOptions::default(),
        )
        .unwrap();
        c.step(0);
        let s = slices(&c);
        assert_eq!(
            crate::yaml::to_json_compact(
                s[0].at(&["endpoints"])
                    .items()
                    .next()
                    .unwrap()
                    .get("conditions")
            ),
            r#"{"ready":false,"serving":true,"terminating":true}"#
        );
        // Gone: back to a placeholder, same name.
        finish_terminating(&mut c);
        let s = slices(&c);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].str_at(&["metadata", "name"]), Some(name.as_str()));
        assert!(s[0].get("endpoints").is_null());
    }

    #[test]
    fn pods_resolving_different_ports_get_separate_slices() {
        let mut c = hand_cluster(1);
        create(&mut c, &POD.replace("NAME", "a"));
        create(
            &mut c,
            &POD.replace("NAME", "b")
                .replace("name: http", "name: other"),
        );
        create(&mut c, SERVICE);
        run_pod(&mut c, "a", "node-1", "10.244.1.7", true);
        run_pod(&mut c, "b", "node-2", "10.244.2.7", false);
        let s = slices(&c);
        assert_eq!(s.len(), 2);
        let mut ports: Vec<String> = s
            .iter()
            .map(|x| crate::yaml::to_json_compact(x.get("ports")))
            .collect();
        ports.sort();
        assert_eq!(
            ports,
            vec![
                r#"[{"name":"","port":8080,"protocol":"TCP"}]"#.to_string(),
                "null".to_string()
            ]
        );
    }

    #[test]
    fn slices_hold_at_most_a_hundred_endpoints() {
        let mut c = hand_cluster(1);
        create(&mut c, SERVICE);
        for i in 0..150 {
            create(&mut c, &POD.replace("NAME", &format!("p{i:03}")));
            run_pod(
                &mut c,
                &format!("p{i:03}"),
                "node-1",
                &format!("10.244.{}.{}", 1 + i / 200, 10 + i % 200),
                true,
            );
        }
        let mut sizes: Vec<usize> = slices(&c)
            .iter()
            .map(|s| s.get("endpoints").items().len())
            .collect();
        sizes.sort();
        assert_eq!(sizes, vec![50, 100]);
    }

    #[test]
    fn headless_services_and_service_labels_are_reflected() {
        let mut c = hand_cluster(1);
        create(
            &mut c,
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  labels: {team: blue, kubernetes.io/service-name: spoof}\nspec:\n  clusterIP: None\n  selector: {app: web}\n",
        );
        let s = slices(&c);
        assert_eq!(
            crate::yaml::to_json_compact(s[0].at(&["metadata", "labels"])),
            r#"{"endpointslice.kubernetes.io/managed-by":"endpointslice-controller.k8s.io","kubernetes.io/service-name":"web","service.kubernetes.io/headless":"","team":"blue"}"#
        );
    }
}
