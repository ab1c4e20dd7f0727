//! The API server's HTTP answers to a plain GET, as `kubectl get --raw`
//! and a `kubectl proxy` pass them on: `/version`, the health checks, the
//! resource paths (`/api/v1/namespaces/default/pods/web`, lists) and the
//! `proxy` subresource of pods and Services, which the Kubernetes Basics
//! tutorial reaches its app through.

use crate::api::errors::StatusError;
use crate::cluster::{Cluster, res};
use crate::time::Millis;
use crate::value::Value;

/// What the API server answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RawAnswer {
    /// The HTTP status.
    pub status: u16,
    /// The body.
    pub body: String,
    /// The headers (Content-Type first).
    pub headers: Vec<(String, String)>,
    /// How long it took.
    pub latency_ms: Millis,
}

/// The release's `version.Info`.
const VERSION_JSON: &str = "{\n  \"major\": \"1\",\n  \"minor\": \"37\",\n  \"emulationMajor\": \"1\",\n  \"emulationMinor\": \"37\",\n  \"minCompatibilityMajor\": \"1\",\n  \"minCompatibilityMinor\": \"36\",\n  \"gitVersion\": \"v1.37.0\",\n  \"gitCommit\": \"f54c212e3a2f75d674b717a9b29052b20b60aefc\",\n  \"gitTreeState\": \"clean\",\n  \"buildDate\": \"2026-08-26T10:44:25Z\",\n  \"goVersion\": \"go1.26.6\",\n  \"compiler\": \"gc\",\n  \"platform\": \"linux/amd64\"\n}";

/// The readiness checks `/readyz?verbose` lists (`/livez` has all but
/// the last three of the first five's kind: see [`health`]).
const READY_CHECKS: &str = "ping log etcd etcd-readiness informer-sync poststarthook/start-apiserver-admission-initializer poststarthook/generic-apiserver-start-informers poststarthook/priority-and-fairness-config-consumer poststarthook/priority-and-fairness-filter poststarthook/storage-object-count-tracker-hook poststarthook/start-apiextensions-informers poststarthook/start-apiextensions-controllers poststarthook/crd-informer-synced poststarthook/start-system-namespaces-controller poststarthook/start-cluster-authentication-info-controller poststarthook/start-kube-apiserver-identity-lease-controller poststarthook/start-kube-apiserver-identity-lease-garbage-collector poststarthook/start-legacy-token-tracking-controller poststarthook/start-service-ip-repair-controllers poststarthook/rbac/bootstrap-roles poststarthook/scheduling/bootstrap-system-priority-classes poststarthook/priority-and-fairness-config-producer poststarthook/bootstrap-controller poststarthook/aggregator-reload-proxy-client-cert poststarthook/start-kube-aggregator-informers poststarthook/apiservice-status-local-available-controller poststarthook/apiservice-status-remote-available-controller poststarthook/apiservice-registration-controller poststarthook/apiservice-discovery-controller poststarthook/kube-apiserver-autoregistration autoregister-completion poststarthook/apiservice-openapi-controller poststarthook/apiservice-openapiv3-controller shutdown";

/// The members of an API object in the order its Go struct declares
/// them, for the parts every object shares (the rest in key order).
fn field_order(key: &str) -> &'static [&'static str] {
    match key {
        "" | "items" => &[
            "kind",
            "apiVersion",
            "metadata",
            "spec",
            "status",
            "message",
            "reason",
            "details",
            "code",
            "items",
        ],
        "metadata" => &[
            "name",
            "generateName",
            "namespace",
            "selfLink",
            "uid",
            "resourceVersion",
            "generation",
            "creationTimestamp",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "labels",
            "annotations",
            "ownerReferences",
            "finalizers",
            "managedFields",
        ],
        "details" => &["name", "group", "kind", "causes", "retryAfterSeconds"],
        _ => &[],
    }
}

/// JSON as the API server encodes it: indented by two (a `curl`, `Wget`
/// or browser client, or `?pretty=true`) without a final newline, else on
/// one line with one.
fn encode(value: &Value, pretty: bool) -> String {
    if pretty {
        crate::yaml::to_json_in_order(value, Some(2), &field_order)
    } else {
        crate::yaml::to_json_in_order(value, None, &field_order) + "\n"
    }
}

/// A `metav1.Status` for a failure.
fn status_body(code: u16, reason: &str, message: &str, details: Option<Value>) -> Value {
    let mut s = Value::object();
    s.set("kind", "Status".into());
    s.set("apiVersion", "v1".into());
    s.set("metadata", Value::object());
    s.set("status", "Failure".into());
    s.set("message", message.into());
    if !reason.is_empty() {
        s.set("reason", reason.into());
    }
    if let Some(d) = details {
        s.set("details", d);
    }
    s.set("code", i64::from(code).into());
    s
}

/// The details of a Status about one object (`{"name":…,"kind":"pods"}`).
fn details(name: &str, group: &str, plural: &str) -> Value {
    let mut d = Value::object();
    if !name.is_empty() {
        d.set("name", name.into());
    }
    if !group.is_empty() {
        d.set("group", group.into());
    }
    if !plural.is_empty() {
        d.set("kind", plural.into());
    }
    d
}

/// Serves `GET target` (a path with its query) for a client whose
/// User-Agent is `user_agent`: the API server's own answers carry its
/// headers (an audit ID, API Priority and Fairness' flow schema and
/// priority level: `exempt` for the cluster's admin), sorted as Go writes
/// them; a proxied answer comes back as the pod gave it.
pub(crate) fn get(cluster: &mut Cluster, target: &str, user_agent: &str) -> RawAnswer {
    let proxied = target.contains("/proxy");
    let mut answer = answer(cluster, target, user_agent);
    if proxied && !answer.headers.iter().any(|(_, v)| v == "application/json") {
        return answer;
    }
    let uuid = |seed: &str| {
        let h = crate::kubelet::images::hex64(seed);
        // A version 4 UUID: its version nibble 4, its variant 8 to b.
        let variant = ["8", "9", "a", "b"][usize::from(h.as_bytes()[16] % 4)];
        format!(
            "{}-{}-4{}-{variant}{}-{}",
            &h[..8],
            &h[8..12],
            &h[13..16],
            &h[17..20],
            &h[20..32]
        )
    };
    let kind = answer
        .headers
        .first()
        .map_or_else(String::new, |(_, v)| v.clone());
    let mut headers = vec![
        (
            "Audit-Id".into(),
            uuid(&format!("audit {} {target}", cluster.now)),
        ),
        ("Cache-Control".into(), "no-cache, private".into()),
        ("Content-Length".into(), answer.body.len().to_string()),
        ("Content-Type".into(), kind.clone()),
        ("Date".into(), crate::http::http_date(cluster.now)),
    ];
    if kind.starts_with("text/plain") {
        headers.push(("X-Content-Type-Options".into(), "nosniff".into()));
    }
    headers.push((
        "X-Kubernetes-Pf-Flowschema-Uid".into(),
        uuid("flowschema exempt"),
    ));
    headers.push((
        "X-Kubernetes-Pf-Prioritylevel-Uid".into(),
        uuid("prioritylevel exempt"),
    ));
    answer.headers = headers;
    answer
}

/// [`get`] without the API server's headers.
fn answer(cluster: &mut Cluster, target: &str, user_agent: &str) -> RawAnswer {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let param = |name: &str| {
        query.split('&').find_map(|p| match p.split_once('=') {
            Some((k, v)) if k == name => Some(v),
            None if p == name => Some(""),
            _ => None,
        })
    };
    let pretty = match param("pretty") {
        Some(v) => matches!(v, "1" | "t" | "T" | "true" | "TRUE" | "True"),
        None => ["curl", "Wget", "Mozilla/5.0"]
            .iter()
            .any(|p| user_agent.starts_with(p)),
    };
    let text = |status: u16, body: String| RawAnswer {
        status,
        body,
        headers: vec![("Content-Type".into(), "text/plain; charset=utf-8".into())],
        latency_ms: 2,
    };
    let json = |status: u16, body: String| RawAnswer {
        status,
        body,
        headers: vec![("Content-Type".into(), "application/json".into())],
        latency_ms: 2,
    };
    let failure = |e: &StatusError, d: Option<Value>| {
        let code = e.reason.code();
        json(
            code,
            encode(&status_body(code, e.reason.name(), &e.message, d), pretty),
        )
    };
    match path {
        "/version" | "/version/" => return json(200, VERSION_JSON.into()),
        "/healthz" | "/livez" | "/readyz" => {
            if param("verbose").is_none() {
                return text(200, "ok".into());
            }
            let name = &path[1..];
            let mut out = String::new();
            for check in READY_CHECKS.split(' ') {
                // `/livez` and `/healthz` wait for no informers, the
                // storage's readiness or the shutdown.
                if name != "readyz"
                    && matches!(check, "etcd-readiness" | "informer-sync" | "shutdown")
                {
                    continue;
                }
                out.push_str(&format!("[+]{check} ok\n"));
            }
            out.push_str(&format!("{name} check passed\n"));
            return text(200, out);
        }
        _ => {}
    }
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (group, version, rest) = match segments.as_slice() {
        ["api", "v1", rest @ ..] => ("", "v1", rest),
        ["apis", group, version, rest @ ..] if !rest.is_empty() => (*group, *version, rest),
        ["api" | "apis", ..] | ["openapi", ..] | ["metrics"] => {
            return text(
                501,
                format!(
                    "Kubeplay does not simulate the API server's discovery, OpenAPI and metrics paths ({path})\n"
                ),
            );
        }
        _ => return text(404, "404 page not found\n".into()),
    };
    let unknown = || {
        json(
            404,
            encode(
                &status_body(
                    404,
                    "NotFound",
                    "the server could not find the requested resource",
                    Some(Value::object()),
                ),
                pretty,
            ),
        )
    };
    // `namespaces/NS/RESOURCE…`, but `namespaces` and `namespaces/NAME`
    // are the namespaces themselves.
    let (namespace, rest) = match rest {
        ["namespaces", ns, resource, tail @ ..] if !resource.is_empty() => (Some(*ns), {
            let mut r = vec![*resource];
            r.extend_from_slice(tail);
            r
        }),
        _ => (None, rest.to_vec()),
    };
    let Some(&plural) = rest.first() else {
        return unknown();
    };
    let Some(rid) =
        crate::api::registry::by_plural_group(plural, group).filter(|r| r.get().version == version)
    else {
        return unknown();
    };
    let kind = rid.get();
    if kind.namespaced != namespace.is_some() && (namespace.is_some() || rest.len() > 1) {
        return unknown();
    }
    match rest.as_slice() {
        [_] => {
            let items = match crate::kubectl::resources::list(cluster, rid, namespace) {
                Ok(items) => items,
                Err(e) => return failure(&e, Some(details("", group, plural))),
            };
            let mut list = Value::object();
            list.set("kind", format!("{}List", kind.kind).into());
            list.set("apiVersion", kind.api_version().into());
            let mut meta = Value::object();
            meta.set(
                "resourceVersion",
                cluster.store.resource_version().to_string().into(),
            );
            list.set("metadata", meta);
            // A typed list's items have no type of their own.
            let items = items
                .into_iter()
                .map(|mut item| {
                    item.remove("kind");
                    item.remove("apiVersion");
                    item
                })
                .collect::<Vec<_>>();
            list.set("items", items.into());
            json(200, encode(&list, pretty))
        }
        [_, name] => {
            match crate::kubectl::resources::get(cluster, rid, namespace.unwrap_or(""), name) {
                Ok(obj) => json(200, encode(&obj, pretty)),
                Err(e) => failure(&e, Some(details(name, group, plural))),
            }
        }
        [_, name, "proxy", tail @ ..]
            if group.is_empty() && matches!(plural, "pods" | "services") =>
        {
            let tail = tail.join("/");
            let q = if query.is_empty() {
                String::new()
            } else {
                format!("?{query}")
            };
            proxy(
                cluster,
                (namespace.unwrap_or(""), plural, name),
                (tail, q),
                user_agent,
                pretty,
            )
        }
        _ => text(
            501,
            format!(
                "Kubeplay's API server answers GETs of objects, lists and the proxy subresource, not {path}\n"
            ),
        ),
    }
}

/// The `proxy` subresource: `pods/NAME[:PORT]/proxy/PATH` dials the pod,
/// `services/NAME[:PORT]/proxy/PATH` one of the Service's endpoints; the
/// answer comes back as it is.
fn proxy(
    cluster: &mut Cluster,
    (namespace, plural, id): (&str, &str, &str),
    (tail, query): (String, String),
    user_agent: &str,
    pretty: bool,
) -> RawAnswer {
    let fail = |code: u16, reason: &str, message: &str, d: Option<Value>| RawAnswer {
        status: code,
        body: encode(&status_body(code, reason, message, d), pretty),
        headers: vec![("Content-Type".into(), "application/json".into())],
        latency_ms: 2,
    };
    // `name`, `name:port` or `scheme:name:port`.
    let parts: Vec<&str> = id.split(':').collect();
    let (name, port) = match parts.as_slice() {
        [name] => (*name, ""),
        [name, port] => (*name, *port),
        [_, name, port] => (*name, *port),
        _ => {
            let what = if plural == "pods" { "pod" } else { "service" };
            return fail(
                400,
                "BadRequest",
                &format!("invalid {what} request \"{id}\""),
                None,
            );
        }
    };
    let (address, port) = if plural == "pods" {
        let pod = match crate::kubectl::resources::get(cluster, res("Pod"), namespace, name) {
            Ok(p) => p,
            Err(e) => {
                let code = e.reason.code();
                return fail(
                    code,
                    e.reason.name(),
                    &e.message,
                    Some(details(name, "", "pods")),
                );
            }
        };
        // No port: the first one a container declares, else HTTP's.
        let declared = pod
            .at(&["spec", "containers"])
            .items()
            .flat_map(|c| c.get("ports").items())
            .find_map(|p| p.get("containerPort").as_i64());
        let port = if port.is_empty() {
            declared.unwrap_or(80).to_string()
        } else {
            port.to_string()
        };
        match pod.str_at(&["status", "podIP"]).filter(|ip| !ip.is_empty()) {
            Some(ip) => (ip.to_string(), port),
            None => return fail(400, "BadRequest", "address not allowed", None),
        }
    } else {
        let service = match crate::kubectl::resources::get(cluster, res("Service"), namespace, name)
        {
            Ok(s) => s,
            Err(e) => {
                let code = e.reason.code();
                return fail(
                    code,
                    e.reason.name(),
                    &e.message,
                    Some(details(name, "", "services")),
                );
            }
        };
        let ip = service
            .str_at(&["spec", "clusterIP"])
            .unwrap_or("")
            .to_string();
        let port = if port.is_empty() {
            service
                .at(&["spec", "ports"])
                .items()
                .next()
                .and_then(|p| p.get("port").as_i64())
                .unwrap_or(80)
                .to_string()
        } else {
            port.to_string()
        };
        (ip, port)
    };
    let path = format!("/{tail}{query}");
    let request = crate::network::Request::get(&format!("http://{address}:{port}{path}"))
        .with_user_agent(user_agent);
    let now = cluster.now;
    let response = cluster.deliver(&request, now, None);
    if response.status == 0 {
        // The API server's dial failed.
        let why = if response.body.contains("(7)") {
            "connect: connection refused"
        } else {
            "i/o timeout"
        };
        let message = if plural == "services" && response.remote_ip.is_none() {
            format!("no endpoints available for service \"{name}\"")
        } else {
            format!("error trying to reach service: dial tcp {address}:{port}: {why}")
        };
        return RawAnswer {
            latency_ms: response.latency_ms,
            ..fail(503, "ServiceUnavailable", &message, None)
        };
    }
    RawAnswer {
        status: response.status,
        body: response.body,
        headers: response.headers,
        latency_ms: response.latency_ms,
    }
}

/// `kubectl get --raw PATH`: the body as it came, or the error kubectl
/// makes of a failed request.
pub(crate) fn kubectl_get_raw(cluster: &mut Cluster, target: &str) -> Result<String, String> {
    let answer = get(
        cluster,
        target,
        "kubectl/v1.37.0 (linux/amd64) kubernetes/f54c212",
    );
    if (200..300).contains(&answer.status) {
        return Ok(answer.body);
    }
    let status = crate::yaml::load_str(&answer.body)
        .ok()
        .and_then(|docs| docs.into_iter().next())
        .map(|d| d.root.to_value())
        .filter(|v| v.str_at(&["kind"]) == Some("Status"));
    Err(match status {
        Some(s) => format!(
            "Error from server ({}): {}",
            s.str_at(&["reason"]).unwrap_or("Unknown"),
            s.str_at(&["message"]).unwrap_or("")
        ),
        None if answer.status == 404 => {
            "Error from server (NotFound): the server could not find the requested resource"
                .to_string()
        }
        None => format!("Error from server: {}", answer.body.trim_end()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CURL: &str = "curl/8.14.1";
    const KUBECTL: &str = "kubectl/v1.37.0 (linux/amd64) kubernetes/f54c212";

    #[test]
    fn version_is_indented_json_without_a_final_newline() {
        let mut c = Cluster::new(1);
        let a = get(&mut c, "/version", KUBECTL);
        assert_eq!(a.status, 200);
        assert!(
            a.body
                .starts_with("{\n  \"major\": \"1\",\n  \"minor\": \"37\",")
        );
        assert!(a.body.ends_with("\"platform\": \"linux/amd64\"\n}"));
        let names: Vec<&str> = a.headers.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "Audit-Id",
                "Cache-Control",
                "Content-Length",
                "Content-Type",
                "Date",
                "X-Kubernetes-Pf-Flowschema-Uid",
                "X-Kubernetes-Pf-Prioritylevel-Uid"
            ]
        );
    }

    #[test]
    fn objects_are_pretty_for_curl_and_compact_for_kubectl() {
        let mut c = Cluster::new(1);
        let target = "/api/v1/namespaces/default/services/kubernetes";
        let pretty = get(&mut c, target, CURL).body;
        assert!(pretty.starts_with("{\n  \"kind\": \"Service\",\n  \"apiVersion\": \"v1\",\n  \"metadata\": {\n    \"name\": \"kubernetes\",\n    \"namespace\": \"default\",\n    \"uid\": "));
        assert!(pretty.ends_with('}'));
        let compact = get(&mut c, target, KUBECTL).body;
        assert!(compact.starts_with(
            "{\"kind\":\"Service\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"kubernetes\""
        ));
        assert!(compact.ends_with("}\n") && compact.lines().count() == 1);
        // `?pretty` wins over the client.
        let forced = get(&mut c, &format!("{target}?pretty=true"), KUBECTL).body;
        assert_eq!(forced, pretty);
    }

    #[test]
    fn a_list_names_its_type_once_and_its_items_not_at_all() {
        let mut c = Cluster::new(1);
        let list = get(&mut c, "/api/v1/namespaces/default/services", KUBECTL).body;
        assert!(list.starts_with(
            "{\"kind\":\"ServiceList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\""
        ));
        assert!(list.contains("\"items\":[{\"metadata\":{\"name\":\"kubernetes\""));
        assert_eq!(list.matches("\"kind\"").count(), 1);
    }

    #[test]
    fn errors_are_statuses_or_go_not_found_pages() {
        let mut c = Cluster::new(1);
        let missing = get(
            &mut c,
            "/apis/apps/v1/namespaces/default/deployments/web",
            KUBECTL,
        );
        assert_eq!(missing.status, 404);
        assert_eq!(
            missing.body,
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"deployments.apps \\\"web\\\" not found\",\"reason\":\"NotFound\",\"details\":{\"name\":\"web\",\"group\":\"apps\",\"kind\":\"deployments\"},\"code\":404}\n"
        );
        let unknown = get(&mut c, "/api/v1/widgets", KUBECTL);
        assert!(unknown.body.contains("\"message\":\"the server could not find the requested resource\",\"reason\":\"NotFound\",\"details\":{},\"code\":404"));
        let nowhere = get(&mut c, "/nowhere", KUBECTL);
        assert_eq!(
            (nowhere.status, nowhere.body.as_str()),
            (404, "404 page not found\n")
        );
        assert_eq!(
            kubectl_get_raw(&mut c, "/api/v1/namespaces/default/pods/x"),
            Err("Error from server (NotFound): pods \"x\" not found".into())
        );
        assert_eq!(get(&mut c, "/healthz", KUBECTL).body, "ok");
        assert!(
            !get(&mut c, "/livez?verbose", KUBECTL)
                .body
                .contains("[+]shutdown ok")
        );
        assert!(
            get(&mut c, "/livez?verbose", KUBECTL)
                .body
                .ends_with("livez check passed\n")
        );
    }

    #[test]
    fn the_pod_proxy_dials_the_pods_port_or_says_why_it_cannot() {
        let mut c = Cluster::new(1);
        c.kubectl(
            "run web --image=nginx:1.27 --port=80",
            &crate::kubectl::NoFiles,
        );
        c.step(30_000);
        let page = get(&mut c, "/api/v1/namespaces/default/pods/web/proxy/", CURL);
        assert_eq!(page.status, 200);
        assert!(page.body.contains("<title>Welcome to nginx!</title>"));
        let closed = get(
            &mut c,
            "/api/v1/namespaces/default/pods/web:8080/proxy/",
            KUBECTL,
        );
        assert_eq!(closed.status, 503);
        assert!(closed.body.contains(
            ":8080: connect: connection refused\",\"reason\":\"ServiceUnavailable\",\"code\":503}"
        ));
        let bad = get(
            &mut c,
            "/api/v1/namespaces/default/pods/a:b:c:d/proxy/",
            KUBECTL,
        );
        assert!(bad.body.contains("invalid pod request \\\"a:b:c:d\\\""));
    }
}
