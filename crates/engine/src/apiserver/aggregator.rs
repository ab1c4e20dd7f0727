//! The kube-aggregator's APIServices: the ones kube-apiserver registers
//! for its own group versions at start (`Local`, always available), and
//! those an add-on registers for an API a Service of its own serves
//! (metrics-server's `v1beta1.metrics.k8s.io`), whose `Available`
//! condition the aggregator's availability controller keeps
//! (`pkg/controllers/status/remote`).

use crate::apiserver::WriteOptions;
use crate::cluster::{Cluster, res};
use crate::store::ObjectKey;
use crate::value::Value;

/// The group versions kube-apiserver registers at start, with their
/// group and version priorities (`apiVersionPriorities`, merged with
/// `DefaultGenericAPIServicePriorities`).
const LOCAL: &[(&str, &str, i64, i64)] = &[
    ("", "v1", 18000, 1),
    ("admissionregistration.k8s.io", "v1", 16700, 15),
    ("apiextensions.k8s.io", "v1", 16700, 15),
    ("apps", "v1", 17800, 15),
    ("authentication.k8s.io", "v1", 17700, 15),
    ("authorization.k8s.io", "v1", 17600, 15),
    ("autoscaling", "v1", 17500, 15),
    ("autoscaling", "v2", 17500, 30),
    ("batch", "v1", 17400, 15),
    ("certificates.k8s.io", "v1", 17300, 15),
    ("coordination.k8s.io", "v1", 16500, 15),
    ("discovery.k8s.io", "v1", 16200, 15),
    ("events.k8s.io", "v1", 17750, 15),
    ("flowcontrol.apiserver.k8s.io", "v1", 16100, 21),
    ("networking.k8s.io", "v1", 17200, 15),
    ("node.k8s.io", "v1", 16300, 15),
    ("policy", "v1", 17100, 15),
    ("rbac.authorization.k8s.io", "v1", 17000, 15),
    ("resource.k8s.io", "v1", 16200, 21),
    ("scheduling.k8s.io", "v1", 16600, 15),
    ("storage.k8s.io", "v1", 16800, 15),
    ("storagemigration.k8s.io", "v1", 15800, 15),
];

/// A built-in group's priority among the groups (its versions' highest
/// `groupPriorityMinimum`).
pub(crate) fn local_group_priority(group: &str) -> i64 {
    LOCAL
        .iter()
        .filter(|(g, ..)| *g == group)
        .map(|(_, _, priority, _)| *priority)
        .max()
        .unwrap_or(0)
}

/// The label the autoregister controller puts on the APIServices it
/// keeps.
const AUTOMANAGED: &str = "kube-aggregator.kubernetes.io/automanaged";

/// Registers kube-apiserver's own group versions, as its
/// `kube-apiserver-autoregistration` post-start hook does.
pub(crate) fn register_local(cluster: &mut Cluster) {
    for (group, version, group_priority, version_priority) in LOCAL {
        let obj = Value::from_pairs([
            ("apiVersion", Value::str("apiregistration.k8s.io/v1")),
            ("kind", Value::str("APIService")),
            (
                "metadata",
                Value::from_pairs([
                    ("name", Value::str(&format!("{version}.{group}"))),
                    (
                        "labels",
                        Value::from_pairs([(AUTOMANAGED, Value::str("onstart"))]),
                    ),
                ]),
            ),
            (
                "spec",
                Value::from_pairs([
                    ("group", Value::str(group)),
                    ("version", Value::str(version)),
                    ("groupPriorityMinimum", Value::Int(*group_priority)),
                    ("versionPriority", Value::Int(*version_priority)),
                ]),
            ),
        ]);
        if let Err(e) = cluster.create(obj, &WriteOptions::system()) {
            debug_assert!(false, "APIService refused: {}", e.message);
        }
    }
}

/// Why an APIService is not available: the condition's reason and message.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Unavailable {
    /// `MissingEndpoints`
    pub reason: &'static str,
    /// `endpointslices for service/metrics-server in "kube-system" have no addresses …`
    pub message: String,
}

/// Whether the Service an APIService names can serve it, in
/// `remote_available_controller.go`'s order: the Service exists; for a
/// ClusterIP Service, a port matches the APIService's and an EndpointSlice
/// has a ready endpoint for it; then the discovery request resolves (as
/// `ResolveCluster` does) and a server answers it. `Ok` for one with no
/// Service (served here).
fn check(cluster: &Cluster, api_service: &Value) -> Result<(), Unavailable> {
    let service_ref = api_service.at(&["spec", "service"]);
    if service_ref.is_null() {
        return Ok(());
    }
    let namespace = service_ref.get("namespace").as_str().unwrap_or("");
    let name = service_ref.get("name").as_str().unwrap_or("");
    let port = service_ref.get("port").as_i64().unwrap_or(443);
    let Some(service) = cluster.store.get_named(res("Service"), namespace, name) else {
        return Err(Unavailable {
            reason: "ServiceNotFound",
            message: format!("service/{name} in \"{namespace}\" is not present"),
        });
    };
    let failed = |message: String| Unavailable {
        reason: "FailedDiscoveryCheck",
        message,
    };
    let service_type = service.str_at(&["spec", "type"]).unwrap_or("ClusterIP");
    let port_name = service
        .at(&["spec", "ports"])
        .items()
        .find(|p| p.get("port").as_i64() == Some(port))
        .map(|p| p.get("name").as_str().unwrap_or("").to_string());
    // The Service's EndpointSlices (found by their service-name label).
    let slices: Vec<&Value> = cluster
        .store
        .list(res("EndpointSlice"), Some(namespace))
        .filter(|(_, slice)| {
            slice.str_at(&["metadata", "labels", "kubernetes.io/service-name"]) == Some(name)
        })
        .map(|(_, slice)| slice)
        .collect();
    // Ready endpoints serving the port, as (node, pod, pod port).
    let ready: Vec<(&str, &str, i64)> = slices
        .iter()
        .filter_map(|slice| {
            let want = port_name.as_deref()?;
            let port = slice
                .get("ports")
                .items()
                .find(|p| p.get("name").as_str().unwrap_or("") == want)?
                .get("port")
                .as_i64()?;
            Some((slice, port))
        })
        .flat_map(|(slice, port)| slice.get("endpoints").items().map(move |e| (e, port)))
        .filter(|(e, _)| e.at(&["conditions", "ready"]).as_bool() != Some(false))
        .map(|(e, port)| {
            (
                e.get("nodeName").as_str().unwrap_or(""),
                e.at(&["targetRef", "name"]).as_str().unwrap_or(""),
                port,
            )
        })
        .collect();
    if service_type == "ClusterIP" {
        let Some(port_name) = &port_name else {
            return Err(Unavailable {
                reason: "ServicePortError",
                message: format!(
                    "service/{name} in \"{namespace}\" is not listening on port {port}"
                ),
            });
        };
        if slices.is_empty() {
            return Err(Unavailable {
                reason: "EndpointsNotFound",
                message: format!(
                    "cannot find endpointslices for service/{name} in \"{namespace}\""
                ),
            });
        }
        if ready.is_empty() {
            return Err(Unavailable {
                reason: "MissingEndpoints",
                message: format!(
                    "endpointslices for service/{name} in \"{namespace}\" have no addresses with port name \"{port_name}\""
                ),
            });
        }
    }
    // `ResolveCluster` (no `--enable-aggregator-routing`): the cluster IP,
    // or an ExternalName's host.
    let host = match service_type {
        "ExternalName" => service.str_at(&["spec", "externalName"]).unwrap_or(""),
        _ if service.str_at(&["spec", "clusterIP"]) == Some("None") => {
            return Err(failed(
                "cannot route to service with ClusterIP \"None\"".to_string(),
            ));
        }
        _ if port_name.is_none() => {
            return Err(failed(format!(
                "no service port {port} found for service \"{name}\""
            )));
        }
        _ => service.str_at(&["spec", "clusterIP"]).unwrap_or(""),
    };
    let group = api_service.str_at(&["spec", "group"]).unwrap_or("");
    let version = api_service.str_at(&["spec", "version"]).unwrap_or("");
    let url = format!("https://{host}:{port}/apis/{group}/{version}");
    let unanswered = |why: &str| failed(format!("failing or missing response from {url}: {why}"));
    // The discovery request, with a 5 s client timeout.
    if service_type == "ExternalName" {
        // kube-apiserver's pure-Go resolver names the node's server.
        return Err(unanswered(&format!(
            "Get \"{url}\": dial tcp: lookup {host} on {}:53: no such host",
            crate::kubelet::NODE_RESOLVER
        )));
    }
    if ready.is_empty() {
        return Err(unanswered(&format!(
            "Get \"{url}\": dial tcp {host}:{port}: connect: connection refused"
        )));
    }
    // A stopped node's pods stay ready until the node lifecycle
    // controller notices; meanwhile nothing answers there.
    let answering: Vec<(&str, i64)> = ready
        .iter()
        .filter(|(node, ..)| cluster.node_running(node))
        .map(|(_, pod, port)| (*pod, *port))
        .collect();
    if answering.is_empty() {
        // As the API server's own dials to a stopped node fail.
        return Err(unanswered(&format!(
            "Get \"{url}\": dial tcp {host}:{port}: connect: no route to host"
        )));
    }
    // Only metrics-server is an API server here. It serves on its
    // `--secure-port` (another port of its pod refuses the connection
    // kube-proxy forwards) and its one group version; any other server
    // answers TLS with plain HTTP.
    let servers: Vec<Option<i64>> = answering
        .iter()
        .map(|(pod, _)| {
            cluster
                .store
                .get_named(res("Pod"), namespace, pod)
                .and_then(crate::metrics_server::secure_port)
        })
        .collect();
    let metrics_server = servers.iter().any(Option::is_some);
    if metrics_server
        && !answering
            .iter()
            .zip(&servers)
            .any(|((_, port), serves)| *serves == Some(*port))
    {
        return Err(unanswered(&format!(
            "Get \"{url}\": dial tcp {host}:{port}: connect: connection refused"
        )));
    }
    if !metrics_server {
        return Err(unanswered(&format!(
            "Get \"{url}\": http: server gave HTTP response to HTTPS client"
        )));
    }
    if (group, version) != (crate::metrics_server::GROUP, crate::metrics_server::VERSION) {
        return Err(unanswered(&format!("bad status from {url}: 404")));
    }
    Ok(())
}

/// Whether the APIService serving `group`/`version` is available, as
/// the aggregator's proxy reads it (its `Available` condition): `None`
/// when none is registered.
pub(crate) fn available(cluster: &Cluster, group: &str, version: &str) -> Option<bool> {
    let api_service =
        cluster
            .store
            .get_named(res("APIService"), "", &format!("{version}.{group}"))?;
    Some(is_available(api_service))
}

/// Whether an APIService's `Available` condition is True.
fn is_available(api_service: &Value) -> bool {
    api_service.at(&["status", "conditions"]).items().any(|c| {
        c.get("type").as_str() == Some("Available") && c.get("status").as_str() == Some("True")
    })
}

/// The APIServices' `Available` conditions, brought up to date.
pub(crate) fn sync(cluster: &mut Cluster) {
    let names: Vec<String> = cluster
        .store
        .list(res("APIService"), None)
        .map(|((_, name), _)| name.to_string())
        .collect();
    let now = crate::time::rfc3339(cluster.now);
    for name in names {
        let key = ObjectKey::new(res("APIService"), "", &name);
        let Some(api_service) = cluster.store.get(&key) else {
            continue;
        };
        let (status, reason, message) = if api_service.at(&["spec", "service"]).is_null() {
            (
                "True",
                "Local",
                "Local APIServices are always available".to_string(),
            )
        } else {
            match check(cluster, api_service) {
                Ok(()) => ("True", "Passed", "all checks passed".to_string()),
                Err(u) => ("False", u.reason, u.message),
            }
        };
        let old = api_service
            .at(&["status", "conditions"])
            .items()
            .find(|c| c.get("type").as_str() == Some("Available"));
        let unchanged =
            |field: &str, want: &str| old.is_some_and(|c| c.get(field).as_str() == Some(want));
        if unchanged("status", status)
            && unchanged("reason", reason)
            && unchanged("message", &message)
        {
            continue;
        }
        // The transition time moves only when the status does.
        let since = match old {
            Some(c) if c.get("status").as_str() == Some(status) => c
                .get("lastTransitionTime")
                .as_str()
                .unwrap_or(&now)
                .to_string(),
            _ => now.clone(),
        };
        let condition = Value::from_pairs([
            ("lastTransitionTime", Value::str(&since)),
            ("message", Value::str(&message)),
            ("reason", Value::str(reason)),
            ("status", Value::str(status)),
            ("type", Value::str("Available")),
        ]);
        let status = Value::from_pairs([("conditions", Value::array(vec![condition]))]);
        let _ = cluster.update_status(&key, status);
    }
}

/// Whether a change to this object can change an APIService's
/// availability: an APIService, or the Service one names, or one of that
/// Service's EndpointSlices (by their service-name label). `obj` is the
/// object as it is, or was before its deletion.
pub(crate) fn concerns(cluster: &Cluster, key: &ObjectKey, obj: Option<&Value>) -> bool {
    let service = match key.resource.get().kind {
        "APIService" => return true,
        "Service" => &*key.name,
        "EndpointSlice" => {
            match obj.and_then(|o| o.str_at(&["metadata", "labels", "kubernetes.io/service-name"]))
            {
                Some(service) => service,
                None => return false,
            }
        }
        _ => return false,
    };
    cluster.store.list(res("APIService"), None).any(|(_, a)| {
        let reference = a.at(&["spec", "service"]);
        reference.get("namespace").as_str() == Some(&*key.namespace)
            && reference.get("name").as_str() == Some(service)
    })
}

/// An API another server serves through the aggregator.
#[derive(Clone, Debug)]
pub(crate) struct Remote {
    /// `metrics.k8s.io`
    pub group: String,
    /// `v1beta1`
    pub version: String,
    /// `spec.groupPriorityMinimum`, which orders it among the groups.
    pub group_priority: i64,
    /// Whether it answers (its `Available` condition is True).
    pub available: bool,
}

/// The APIServices a Service serves, by group priority (highest first)
/// and then name, as the aggregator orders groups.
pub(crate) fn remote(cluster: &Cluster) -> Vec<Remote> {
    let mut out: Vec<(String, Remote)> = cluster
        .store
        .list(res("APIService"), None)
        .filter(|(_, a)| !a.at(&["spec", "service"]).is_null())
        .map(|((_, name), a)| {
            let available = is_available(a);
            (
                name.to_string(),
                Remote {
                    group: a.str_at(&["spec", "group"]).unwrap_or("").to_string(),
                    version: a.str_at(&["spec", "version"]).unwrap_or("").to_string(),
                    group_priority: a
                        .at(&["spec", "groupPriorityMinimum"])
                        .as_i64()
                        .unwrap_or(0),
                    available,
                },
            )
        })
        .collect();
    crate::sort::CompactSort::compact_sort_by(out.as_mut_slice(), |a, b| {
        b.1.group_priority
            .cmp(&a.1.group_priority)
            .then_with(|| a.0.cmp(&b.0))
    });
    out.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kubectl(c: &mut Cluster, line: &str) -> String {
        let out = c.kubectl(line, &crate::kubectl::NoFiles);
        out.stdout + &out.stderr
    }

    /// An APIService's `Available` condition: status, reason, message.
    fn available_condition(c: &Cluster, name: &str) -> (String, String, String) {
        let a = c.store.get_named(res("APIService"), "", name).unwrap();
        let cond = a.at(&["status", "conditions"]).items().next().unwrap();
        let field = |f: &str| cond.str_at(&[f]).unwrap_or("").to_string();
        (field("status"), field("reason"), field("message"))
    }

    #[test]
    fn local_apiservices_are_registered_and_always_available() {
        let c = Cluster::empty(3);
        let names: Vec<String> = c
            .store
            .list(res("APIService"), None)
            .map(|((_, n), _)| n.to_string())
            .collect();
        // Sorted as the store's keys are: `v1.` first, `v2.autoscaling` last.
        assert_eq!(names.first().map(String::as_str), Some("v1."));
        assert_eq!(names.last().map(String::as_str), Some("v2.autoscaling"));
        assert_eq!(names.len(), LOCAL.len());
        assert!(
            c.store
                .list(res("APIService"), None)
                .all(|(_, a)| is_available(a))
        );
        // Nothing aggregated in an empty cluster: no metrics API.
        assert!(remote(&c).is_empty());
    }

    #[test]
    fn the_metrics_apiservice_follows_its_endpoints() {
        let mut c = Cluster::new(1);
        let condition = |c: &Cluster| {
            let (status, reason, _) = available_condition(c, "v1beta1.metrics.k8s.io");
            format!("{status} {reason}")
        };
        assert_eq!(condition(&c), "True Passed");
        let r = remote(&c);
        assert_eq!(r.len(), 1);
        assert!(r[0].available);
        kubectl(
            &mut c,
            "kubectl scale deploy metrics-server -n kube-system --replicas=0",
        );
        c.step(40_000);
        assert_eq!(condition(&c), "False MissingEndpoints");
        assert!(!remote(&c)[0].available);
        kubectl(&mut c, "kubectl delete svc metrics-server -n kube-system");
        assert_eq!(condition(&c), "False ServiceNotFound");
        assert_eq!(
            kubectl(&mut c, "kubectl top pods"),
            "error: Metrics API not available\n"
        );
        kubectl(&mut c, "kubectl delete apiservice v1beta1.metrics.k8s.io");
        assert_eq!(
            crate::metrics_server::metrics_api(&c),
            crate::metrics_server::MetricsApi::NotRegistered
        );
        assert_eq!(
            crate::metrics_server::request_error(&c, "pods").as_deref(),
            Some("the server could not find the requested resource (get pods.metrics.k8s.io)")
        );
    }

    #[test]
    fn the_discovery_check_needs_a_server_that_answers() {
        let mut c = Cluster::new(1);
        let files = crate::kubectl::MemoryFiles::default().with(
            "api.yaml",
            "apiVersion: v1
kind: Service
metadata: {name: headless, namespace: kube-system}
spec: {clusterIP: None, selector: {k8s-app: kube-dns}, ports: [{name: https, port: 443}]}
---
apiVersion: v1
kind: Service
metadata: {name: outside}
spec: {type: ExternalName, externalName: api.example.com}
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: {name: v1.a.example.com}
spec: {group: a.example.com, version: v1, groupPriorityMinimum: 100, versionPriority: 10, service: {namespace: kube-system, name: headless}}
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: {name: v1.b.example.com}
spec: {group: b.example.com, version: v1, groupPriorityMinimum: 20000, versionPriority: 10, service: {namespace: default, name: outside}}
",
        );
        let out = c.kubectl("kubectl apply -f api.yaml", &files);
        assert_eq!(out.exit_code, 0, "{}", out.stderr);
        c.step(1_000);
        let condition = |c: &Cluster, name: &str| {
            let (_, reason, message) = available_condition(c, name);
            format!("{reason}: {message}")
        };
        assert_eq!(
            condition(&c, "v1.a.example.com"),
            "FailedDiscoveryCheck: cannot route to service with ClusterIP \"None\""
        );
        assert_eq!(
            condition(&c, "v1.b.example.com"),
            "FailedDiscoveryCheck: failing or missing response from https://api.example.com:443/apis/b.example.com/v1: Get \"https://api.example.com:443/apis/b.example.com/v1\": dial tcp: lookup api.example.com on 172.18.0.1:53: no such host"
        );
        // A group of priority 20000 comes right after the aggregator's own.
        let apis = c
            .kubectl("kubectl get --raw /apis", &crate::kubectl::NoFiles)
            .stdout;
        assert!(
            apis.contains("\"name\":\"apiregistration.k8s.io\",\"versions\":[{\"groupVersion\":\"apiregistration.k8s.io/v1\",\"version\":\"v1\"}],\"preferredVersion\":{\"groupVersion\":\"apiregistration.k8s.io/v1\",\"version\":\"v1\"}},{\"name\":\"b.example.com\""),
            "{apis}"
        );
        // Another server behind metrics-server's Service answers TLS with
        // plain HTTP: the metrics API is not available.
        kubectl(
            &mut c,
            "kubectl create deployment fake -n kube-system --image=nginx",
        );
        kubectl(
            &mut c,
            r#"kubectl patch svc metrics-server -n kube-system -p '{"spec":{"selector":{"k8s-app":null,"app":"fake"},"ports":[{"name":"https","port":443,"targetPort":80}]}}'"#,
        );
        c.step(30_000);
        assert!(
            condition(&c, "v1beta1.metrics.k8s.io")
                .ends_with(": http: server gave HTTP response to HTTPS client"),
            "{}",
            condition(&c, "v1beta1.metrics.k8s.io")
        );
        assert_eq!(
            kubectl(&mut c, "kubectl top nodes"),
            "error: Metrics API not available\n"
        );
    }
}
