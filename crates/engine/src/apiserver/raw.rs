//! The API server's HTTP answers to a plain GET, as `kubectl get --raw`
//! and a `kubectl proxy` pass them on: `/version`, the health checks, the
//! resource paths (`/api/v1/namespaces/default/pods/web`, lists), a pod's
//! `log` and the `proxy` subresource of pods and Services, which the
//! Kubernetes Basics tutorial reaches its app through.

use crate::api::errors::{FieldError, StatusError};
use crate::api::schema::golang::{self, TimeLayout};
use crate::cluster::{Cluster, res};
use crate::store::ObjectKey;
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
    /// The body is the pod's own answer through the proxy subresource.
    pub from_pod: bool,
}

/// `version.Info` of this release's server, or of its kubectl (which
/// leaves the emulation fields empty).
pub(crate) fn version_info(server: bool) -> Value {
    let mut v = Value::object();
    v.set("major", "1".into());
    v.set("minor", "37".into());
    if server {
        for (k, val) in [
            ("emulationMajor", "1"),
            ("emulationMinor", "37"),
            ("minCompatibilityMajor", "1"),
            ("minCompatibilityMinor", "36"),
        ] {
            v.set(k, val.into());
        }
    }
    for (k, val) in [
        ("gitVersion", crate::KUBERNETES_VERSION),
        ("gitCommit", "f54c212e3a2f75d674b717a9b29052b20b60aefc"),
        ("gitTreeState", "clean"),
        ("buildDate", "2026-08-26T10:44:25Z"),
        ("goVersion", "go1.26.6"),
        ("compiler", "gc"),
        ("platform", "linux/amd64"),
    ] {
        v.set(k, val.into());
    }
    v
}

/// `version.Info`'s members in its struct's order.
pub(crate) const VERSION_FIELDS: &[&str] = &[
    "major",
    "minor",
    "emulationMajor",
    "emulationMinor",
    "minCompatibilityMajor",
    "minCompatibilityMinor",
    "gitVersion",
    "gitCommit",
    "gitTreeState",
    "buildDate",
    "goVersion",
    "compiler",
    "platform",
];

/// The checks `/readyz?verbose` lists, as a v1.31 API server printed
/// them (`/livez` and `/healthz` have all but `etcd-readiness`,
/// `informer-sync` and `shutdown`).
const READY_CHECKS: &str = "ping log etcd etcd-readiness informer-sync poststarthook/start-apiserver-admission-initializer poststarthook/generic-apiserver-start-informers poststarthook/priority-and-fairness-config-consumer poststarthook/priority-and-fairness-filter poststarthook/storage-object-count-tracker-hook poststarthook/start-apiextensions-informers poststarthook/start-apiextensions-controllers poststarthook/crd-informer-synced poststarthook/start-system-namespaces-controller poststarthook/start-cluster-authentication-info-controller poststarthook/start-kube-apiserver-identity-lease-controller poststarthook/start-kube-apiserver-identity-lease-garbage-collector poststarthook/start-legacy-token-tracking-controller poststarthook/start-service-ip-repair-controllers poststarthook/rbac/bootstrap-roles poststarthook/scheduling/bootstrap-system-priority-classes poststarthook/priority-and-fairness-config-producer poststarthook/bootstrap-controller poststarthook/aggregator-reload-proxy-client-cert poststarthook/start-kube-aggregator-informers poststarthook/apiservice-status-local-available-controller poststarthook/apiservice-status-remote-available-controller poststarthook/apiservice-registration-controller poststarthook/apiservice-discovery-controller poststarthook/kube-apiserver-autoregistration autoregister-completion poststarthook/apiservice-openapi-controller poststarthook/apiservice-openapiv3-controller shutdown";

/// `metav1.ObjectMeta`'s members in the order its Go struct declares them.
pub(crate) const OBJECT_META_FIELDS: &[&str] = &[
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
];

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
        "metadata" => OBJECT_META_FIELDS,
        "details" => &["name", "group", "kind", "causes", "retryAfterSeconds"],
        "causes" => &["reason", "message", "field"],
        _ => &[],
    }
}

/// JSON as the API server encodes it: indented by two (a `curl`, `Wget`
/// or browser client, or `?pretty=true`) without a final newline, else on
/// one line with one.
fn encode(value: &Value, pretty: bool) -> String {
    encode_in(value, pretty, &field_order)
}

/// [`encode`] with the fields of another Go type in order.
fn encode_in(value: &Value, pretty: bool, order: crate::yaml::FieldOrder) -> String {
    if pretty {
        crate::yaml::to_json_in_order(value, Some(2), order)
    } else {
        crate::yaml::to_json_in_order(value, None, order) + "\n"
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
    let path = target.split('?').next().unwrap_or("");
    let proxied = path.contains("/proxy");
    // A log is streamed, and, like a proxy, a long-running request that
    // API Priority and Fairness does not classify.
    let log = path.ends_with("/log");
    let mut answer = answer(cluster, target, user_agent);
    cluster.network.api_requests += 1;
    // Version 4 UUIDs drawn from their own seeds (not the cluster's
    // random numbers, which a request through the proxy must not move).
    let uuid = |seed: &str| {
        let h = crate::kubelet::images::hex64(seed);
        crate::rng::Rng::new(u64::from_str_radix(&h[..16], 16).unwrap_or(0)).uuid()
    };
    let audit = uuid(&format!(
        "audit {} {}",
        cluster.now, cluster.network.api_requests
    ));
    if answer.from_pod {
        // The pod's answer through the API server's and kubectl's reverse
        // proxies: Go's canonical names, sorted, the hop-by-hop ones gone.
        let canonical = |k: &str| {
            let mut out = String::with_capacity(k.len());
            let mut upper = true;
            for c in k.chars() {
                out.push(if upper {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                });
                upper = c == '-';
            }
            out
        };
        let mut headers: Vec<(String, String)> = answer
            .headers
            .iter()
            .filter(|(k, _)| {
                !k.eq_ignore_ascii_case("Connection") && !k.eq_ignore_ascii_case("Keep-Alive")
            })
            .map(|(k, v)| (canonical(k), v.clone()))
            .collect();
        headers.push(("Audit-Id".into(), audit));
        headers.push(("Cache-Control".into(), "no-cache, private".into()));
        crate::sort::CompactSort::compact_sort_by(headers.as_mut_slice(), |a, b| a.0.cmp(&b.0));
        answer.headers = headers;
        return answer;
    }
    let field = |name: &str| {
        answer
            .headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let kind = field("Content-Type").unwrap_or_default();
    let location = field("Location");
    // Go's server counts a body it holds whole (up to its 2048-byte
    // buffer) and sends a longer one in chunks; a stream is flushed from
    // its start.
    let chunked = answer.body.len() > 2048 || (log && answer.status == 200);
    let mut headers = vec![
        ("Audit-Id".into(), audit),
        ("Cache-Control".into(), "no-cache, private".into()),
    ];
    if !chunked && answer.status != 204 {
        headers.push(("Content-Length".into(), answer.body.len().to_string()));
    }
    if !kind.is_empty() {
        headers.push(("Content-Type".into(), kind.clone()));
    }
    headers.push(("Date".into(), crate::http::http_date(cluster.now)));
    if let Some(location) = location {
        headers.push(("Location".into(), location));
    }
    // Go's `http.Error` and the health checks say so; a log stream does not.
    if kind == "text/plain; charset=utf-8" {
        headers.push(("X-Content-Type-Options".into(), "nosniff".into()));
    }
    // API Priority and Fairness tells which flow schema and priority
    // level a request was classified by (none for a long-running proxy).
    if !proxied && !log {
        headers.push((
            "X-Kubernetes-Pf-Flowschema-Uid".into(),
            uuid("flowschema exempt"),
        ));
        headers.push((
            "X-Kubernetes-Pf-Prioritylevel-Uid".into(),
            uuid("prioritylevel exempt"),
        ));
    }
    if chunked {
        headers.push(("Transfer-Encoding".into(), "chunked".into()));
    }
    answer.headers = headers;
    answer
}

/// [`get`] without the API server's headers.
fn answer(cluster: &mut Cluster, target: &str, user_agent: &str) -> RawAnswer {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    // `url.ParseQuery`: `+` is a space, `%XX` decoded, the first value of
    // a name counts.
    let pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let decode = |s: &str| {
                let spaced = s.replace('+', " ");
                crate::http::percent_decode(&spaced, false).unwrap_or(spaced)
            };
            (decode(k), decode(v))
        })
        .collect();
    let param = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let pretty = match param("pretty").filter(|v| !v.is_empty()) {
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
        from_pod: false,
    };
    let json = |status: u16, body: String| RawAnswer {
        status,
        body,
        headers: vec![("Content-Type".into(), "application/json".into())],
        latency_ms: 2,
        from_pod: false,
    };
    let failure = |e: &StatusError, d: Option<Value>| {
        let code = e.reason.code();
        // An invalid object's details name its kind and each cause; a
        // plain error (no reason) has none.
        let d = if e.reason == crate::api::StatusReason::Unknown {
            None
        } else if e.causes.is_empty() {
            d
        } else {
            let causes = e.causes.iter().map(|c| {
                let mut cause = Value::from_pairs([
                    ("reason", Value::str(c.kind.reason())),
                    ("message", Value::from(c.body())),
                ]);
                if !c.field.is_empty() {
                    cause.set("field", Value::str(&c.field));
                }
                cause
            });
            Some(Value::from_pairs([
                ("name", Value::str(&e.name)),
                ("kind", Value::str(&e.kind)),
                ("causes", Value::array(causes.collect())),
            ]))
        };
        json(
            code,
            encode(&status_body(code, e.reason.name(), &e.message, d), pretty),
        )
    };
    match path {
        // `WriteRawJSON`: always indented, without a final newline.
        "/version" | "/version/" => {
            let body =
                crate::yaml::to_json_in_order(&version_info(true), Some(2), &|_| VERSION_FIELDS);
            return json(200, body);
        }
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
                // `?exclude=CHECK` (repeatable) skips a check.
                let excluded = query
                    .split('&')
                    .any(|p| p.strip_prefix("exclude=") == Some(check));
                let how = if excluded { " excluded: ok" } else { " ok" };
                out.push_str(&format!("[+]{check}{how}\n"));
            }
            out.push_str(&format!("{name} check passed\n"));
            return text(200, out);
        }
        _ => {}
    }
    // Each segment `%XX`-decoded (`pods/web%3A8080`).
    let Some(decoded) = path
        .trim_start_matches('/')
        .split('/')
        .map(|seg| crate::http::percent_decode(seg, false))
        .collect::<Option<Vec<String>>>()
    else {
        return text(400, "400 Bad Request\n".into());
    };
    let segments: Vec<&str> = decoded.iter().map(String::as_str).collect();
    // Discovery: `/api`, `/apis`, `/api/v1`, `/apis/GROUP[/VERSION]`;
    // `/api` names the API server's advertised address.
    let address = || {
        cluster
            .store
            .get(&ObjectKey::new(res("Endpoints"), "default", "kubernetes"))
            .and_then(|e| {
                let subset = e.get("subsets").items().next()?;
                let ip = subset.get("addresses").items().next()?.get("ip").as_str()?;
                let port = subset.get("ports").items().next()?.get("port").as_i64()?;
                Some(format!("{ip}:{port}"))
            })
            .unwrap_or_default()
    };
    let remote = super::aggregator::remote(cluster);
    if let Some(doc) = super::discovery::document(&segments, &address, &remote) {
        return json(200, encode_in(&doc, pretty, &super::discovery::field_order));
    }
    // An aggregated API: the aggregator proxies to its Service, or says
    // it cannot (`proxyError`); metrics-server's is the one that answers.
    if let ["apis", group, version, rest @ ..] = segments.as_slice()
        && let Some(r) = remote
            .iter()
            .find(|r| r.group == *group && r.version == *version)
    {
        if !r.available {
            return text(503, "service unavailable\n".into());
        }
        // Available means metrics-server answers (the aggregator's check).
        return match metrics(cluster, rest) {
            Ok(list) => json(200, encode_in(&list, pretty, &metrics_field_order)),
            Err(e) => {
                // Its own NotFound (about `nodes`/`pods`) names its group;
                // its listers' (`node`, `pods` of the core group) do not.
                let own =
                    e.message.starts_with("nodemetrics.") || e.message.starts_with("podmetrics.");
                let group = if own {
                    crate::metrics_server::GROUP
                } else {
                    ""
                };
                let d = details(&e.name, group, &e.kind);
                failure(&e, Some(d))
            }
        };
    }
    let known_group = |g: &str| crate::api::registry::RESOURCES.iter().any(|r| r.group == g);
    let (group, version, rest) = match segments.as_slice() {
        ["api", "v1", rest @ ..] if !rest.is_empty() => ("", "v1", rest),
        ["apis", group, version, rest @ ..] if !rest.is_empty() && known_group(group) => {
            (*group, *version, rest)
        }
        ["apis", group, version, _, ..]
            if super::discovery::api_versions(&remote).contains(&format!("{group}/{version}")) =>
        {
            return text(
                501,
                format!(
                    "Kubeplay lists the resources of {group}/{version} but does not serve them ({path})\n"
                ),
            );
        }
        ["api" | "apis", ..] => {
            return text(404, "404 page not found\n".into());
        }
        [""] | ["openapi", ..] | ["metrics"] => {
            return text(
                501,
                format!(
                    "Kubeplay does not simulate the API server's root, OpenAPI and metrics paths ({path})\n"
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
        if let Some(served) = crate::api::registry::by_plural_group(plural, group) {
            return text(
                501,
                format!(
                    "Kubeplay serves {plural} as {} only ({path})\n",
                    served.get().api_version()
                ),
            );
        }
        if super::discovery::resources()
            .iter()
            .any(|r| r.plural == plural && r.group == group && !r.served)
        {
            return text(
                501,
                format!("Kubeplay lists {plural} but does not serve them ({path})\n"),
            );
        }
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
        [_, ""] => unknown(),
        [_, name] => {
            match crate::kubectl::resources::get(cluster, rid, namespace.unwrap_or(""), name) {
                Ok(obj) => json(200, encode(&obj, pretty)),
                Err(e) => failure(&e, Some(details(name, group, plural))),
            }
        }
        [_, name, "log"] if group.is_empty() && plural == "pods" => {
            pod_log(cluster, namespace.unwrap_or(""), name, &param)
                .unwrap_or_else(|e| failure(&e, Some(details(name, group, plural))))
        }
        // `…/proxy` without its slash: redirected to it.
        [_, _, "proxy"] if group.is_empty() && matches!(plural, "pods" | "services") => RawAnswer {
            status: 301,
            body: String::new(),
            headers: vec![
                ("Content-Type".into(), String::new()),
                ("Location".into(), format!("{path}/")),
            ],
            latency_ms: 2,
            from_pod: false,
        },
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
                "Kubeplay's API server answers GETs of objects, lists and the log and proxy subresources, not {path}\n"
            ),
        ),
    }
}

/// The `log` subresource: the container's log as plain text, read for
/// `PodLogOptions` (`container`, `previous`, `timestamps`, `tailLines`,
/// `sinceSeconds`, `sinceTime`, `limitBytes`). Without a container, the
/// pod's only one (the default-container annotation is kubectl's, not the
/// API server's).
fn pod_log<'q>(
    cluster: &Cluster,
    namespace: &str,
    name: &str,
    param: &dyn Fn(&str) -> Option<&'q str>,
) -> Result<RawAnswer, StatusError> {
    // The query converts as apimachinery converts it, field by field in
    // PodLogOptions' order (the first error is the answer): a boolean is
    // false only for `0` and `false`, a number as `strconv.ParseInt`
    // reads it, a time as RFC 3339 (empty: the zero time).
    let flag = |key: &str| {
        param(key).is_some_and(|v| !matches!(v.to_ascii_lowercase().as_str(), "0" | "false"))
    };
    let int = |key: &str| -> Result<Option<i64>, StatusError> {
        let Some(v) = param(key) else {
            return Ok(None);
        };
        v.parse()
            .map(Some)
            .map_err(|_| StatusError::bad_request(golang::strconv_error("ParseInt", v)))
    };
    let previous = flag("previous");
    let since_seconds = int("sinceSeconds")?;
    let since_time = match param("sinceTime") {
        Some("") => Some(0),
        Some(t) => {
            let t = golang::parse_time(t, TimeLayout::Rfc3339).map_err(StatusError::bad_request)?;
            Some(crate::time::parse_rfc3339(&t.format(TimeLayout::Rfc3339)).unwrap_or(0))
        }
        None => None,
    };
    let timestamps = flag("timestamps");
    let (tail, limit) = (int("tailLines")?, int("limitBytes")?);
    // `ValidatePodLogOptions`, in its order, before the pod is read.
    let mut causes = Vec::new();
    if let Some(n) = tail.filter(|n| *n < 0) {
        causes.push(FieldError::invalid(
            "tailLines",
            n.to_string(),
            "must be greater than or equal to 0",
        ));
    }
    if let Some(n) = limit.filter(|n| *n < 1) {
        causes.push(FieldError::invalid(
            "limitBytes",
            n.to_string(),
            "must be greater than 0",
        ));
    }
    if since_seconds.is_some() && since_time.is_some() {
        causes.push(FieldError::forbidden(
            "",
            "at most one of `sinceTime` or `sinceSeconds` may be specified",
        ));
    } else if let Some(n) = since_seconds.filter(|n| *n < 1) {
        causes.push(FieldError::invalid(
            "sinceSeconds",
            n.to_string(),
            "must be greater than 0",
        ));
    }
    if !causes.is_empty() {
        return Err(StatusError::invalid("PodLogOptions", name, causes));
    }
    let Some(pod) = cluster
        .store
        .get(&ObjectKey::new(res("Pod"), namespace, name))
    else {
        return Err(StatusError::not_found("pods", name));
    };
    let names = |list: &str| {
        pod.at(&["spec", list])
            .items()
            .filter_map(|c| c.get("name").as_str())
            .collect::<Vec<_>>()
    };
    let container = match param("container").filter(|c| !c.is_empty()) {
        Some(c) => {
            let known = ["containers", "initContainers", "ephemeralContainers"]
                .iter()
                .any(|l| names(l).contains(&c));
            if !known {
                return Err(StatusError::bad_request(format!(
                    "container {c} is not valid for pod {name}"
                )));
            }
            c.to_string()
        }
        None => {
            let containers = names("containers");
            if let [only] = containers.as_slice() {
                only.to_string()
            } else {
                let mut message = format!(
                    "a container name must be specified for pod {name}, choose one of: [{}]",
                    containers.join(" ")
                );
                let inits = names("initContainers");
                if !inits.is_empty() {
                    message.push_str(&format!(
                        " or one of the init containers: [{}]",
                        inits.join(" ")
                    ));
                }
                return Err(StatusError::bad_request(message));
            }
        }
    };
    // A pod on no node has no log to stream: no content.
    if pod.str_at(&["spec", "nodeName"]).unwrap_or("").is_empty() {
        return Ok(RawAnswer {
            status: 204,
            body: String::new(),
            headers: Vec::new(),
            latency_ms: 2,
            from_pod: false,
        });
    }
    let entries = cluster.container_log_entries(namespace, name, Some(&container), previous)?;
    let window = crate::kubectl::logs::LogWindow {
        tail: tail.and_then(|n| usize::try_from(n).ok()),
        since: since_time.or(since_seconds.map(|s| {
            cluster
                .now
                .saturating_sub((s as Millis).saturating_mul(1000))
        })),
        since_seconds,
        timestamps,
        limit_bytes: limit.and_then(|n| usize::try_from(n).ok()),
    };
    Ok(RawAnswer {
        status: 200,
        body: window.render(&entries),
        headers: vec![("Content-Type".into(), "text/plain".into())],
        latency_ms: 2,
        from_pod: false,
    })
}

/// The `proxy` subresource: `pods/NAME[:PORT]/proxy/PATH` dials the pod,
/// `services/NAME[:PORT]/proxy/PATH` one of the Service's ready endpoints
/// (read from its EndpointSlices, as the API server reads its
/// endpoints); the answer comes back as it is.
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
        from_pod: false,
    };
    let what = if plural == "pods" { "pod" } else { "service" };
    // `name`, `name:port` or `scheme:name:port` (http or https).
    let parts: Vec<&str> = id.split(':').collect();
    let (name, port) = match parts.as_slice() {
        [name] => (*name, ""),
        [name, port] => (*name, *port),
        ["http" | "https", name, port] => (*name, *port),
        _ => ("", ""),
    };
    if name.is_empty() {
        return fail(
            400,
            "BadRequest",
            &format!("invalid {what} request \"{id}\""),
            None,
        );
    }
    // The pod or Service, or the API server's NotFound.
    let lookup = |cluster: &Cluster, kind: &str| {
        crate::kubectl::resources::get(cluster, res(kind), namespace, name).map_err(|e| {
            let code = e.reason.code();
            fail(
                code,
                e.reason.name(),
                &e.message,
                Some(details(name, "", plural)),
            )
        })
    };
    let (address, port) = if plural == "pods" {
        let pod = match lookup(cluster, "Pod") {
            Ok(p) => p,
            Err(answer) => return answer,
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
        // Only a pod's own unicast address is dialled.
        let ip = pod.str_at(&["status", "podIP"]).unwrap_or("");
        if crate::apiserver::parse_ipv4(ip).is_none_or(|a| a >> 24 == 127 || a == 0) {
            return fail(400, "BadRequest", "address not allowed", None);
        }
        (ip.to_string(), port)
    } else {
        let service = match lookup(cluster, "Service") {
            Ok(s) => s,
            Err(answer) => return answer,
        };
        // The Service port (by number or name), then a ready endpoint's
        // address and port for it.
        let ports: Vec<&Value> = service.at(&["spec", "ports"]).items().collect();
        let chosen = if port.is_empty() {
            ports.first().copied()
        } else {
            ports.iter().copied().find(|p| {
                p.get("name").as_str() == Some(port)
                    || p.get("port")
                        .as_i64()
                        .is_some_and(|n| n.to_string() == port)
            })
        };
        let Some(service_port) = chosen else {
            return fail(
                503,
                "ServiceUnavailable",
                &format!("no service port {port} found for service \"{name}\""),
                None,
            );
        };
        let port_name = service_port.get("name").as_str().unwrap_or("");
        let endpoint =
            crate::network::proxy::endpoints_for_port(cluster, namespace, name, port_name)
                .into_iter()
                .find(|e| e.ready && e.pod.is_some());
        let Some(endpoint) = endpoint else {
            return fail(
                503,
                "ServiceUnavailable",
                &format!("no endpoints available for service \"{id}\""),
                None,
            );
        };
        (endpoint.address, endpoint.port.to_string())
    };
    if cluster.network.proxy_depth >= 4 {
        return fail(
            503,
            "ServiceUnavailable",
            "error trying to reach service: EOF",
            None,
        );
    }
    let path = format!("/{tail}{query}");
    let request = crate::network::Request::get(&format!("http://{address}:{port}{path}"))
        .with_user_agent(user_agent);
    let now = cluster.now;
    cluster.network.proxy_depth += 1;
    let response = cluster.deliver(&request, now, None);
    cluster.network.proxy_depth -= 1;
    // The API server's dial failed (it gives up after 30 s).
    use crate::kubelet::exec::Dial;
    let (why, latency) = match Dial::of(&response) {
        Dial::Http => {
            return RawAnswer {
                status: response.status,
                body: response.body,
                headers: response.headers,
                latency_ms: response.latency_ms,
                from_pod: true,
            };
        }
        Dial::Refused => (
            format!("dial tcp {address}:{port}: connect: connection refused"),
            response.latency_ms,
        ),
        Dial::Accepted(_) => ("EOF".to_string(), response.latency_ms),
        Dial::Unresolved | Dial::NoAnswer => {
            (format!("dial tcp {address}:{port}: i/o timeout"), 30_000)
        }
    };
    RawAnswer {
        latency_ms: latency,
        ..fail(
            503,
            "ServiceUnavailable",
            &format!("error trying to reach service: {why}"),
            None,
        )
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
    let status = Some(&answer.body)
        .filter(|b| b.starts_with('{'))
        .and_then(|b| crate::yaml::load_str(b).ok())
        .and_then(|docs| docs.into_iter().next())
        .map(|d| d.root.to_value())
        .filter(|v| v.str_at(&["kind"]) == Some("Status"));
    Err(match status {
        // `checkErr`'s Invalid: the kind and name, then each cause.
        Some(s)
            if s.str_at(&["reason"]) == Some("Invalid")
                && s.at(&["details", "causes"]).items().next().is_some() =>
        {
            let d = s.get("details");
            let causes: Vec<String> = d
                .get("causes")
                .items()
                .map(|c| {
                    format!(
                        "{}: {}",
                        c.str_at(&["field"]).unwrap_or(""),
                        c.str_at(&["message"]).unwrap_or("")
                    )
                })
                .collect();
            let head = format!(
                "The {} \"{}\" is invalid: ",
                d.str_at(&["kind"]).unwrap_or(""),
                d.str_at(&["name"]).unwrap_or("")
            );
            match causes.as_slice() {
                [one] => format!("{head}{one}"),
                many => format!("{head}\n* {}", many.join("\n* ")),
            }
        }
        Some(s) => match s.str_at(&["reason"]) {
            Some(reason) => format!(
                "Error from server ({reason}): {}",
                s.str_at(&["message"]).unwrap_or("")
            ),
            None => format!(
                "Error from server: {}",
                s.str_at(&["message"]).unwrap_or("")
            ),
        },
        // client-go's `NewGenericServerResponse` for a body that is no Status.
        None if answer.status == 404 => {
            "Error from server (NotFound): the server could not find the requested resource"
                .to_string()
        }
        None if answer.status == 503 => {
            "Error from server (ServiceUnavailable): the server is currently unable to handle the request"
                .to_string()
        }
        None => format!("Error from server: {}", answer.body.trim_end()),
    })
}

/// The members of metrics-server's objects in Go's order.
fn metrics_field_order(key: &str) -> &'static [&'static str] {
    match key {
        "" | "items" => &[
            "kind",
            "apiVersion",
            "metadata",
            "timestamp",
            "window",
            "usage",
            "containers",
            "items",
        ],
        "metadata" => OBJECT_META_FIELDS,
        "containers" => &["name", "usage"],
        "usage" => &["cpu", "memory"],
        _ => &[],
    }
}

/// metrics-server's answer at `rest` under `/apis/metrics.k8s.io/v1beta1`
/// (`nodes[/NAME]`, `pods`, `namespaces/NS/pods[/NAME]`): the latest
/// scrape of each node and running pod, CPU in nanocores and memory in
/// KiB, as its `resource.Quantity` values print.
pub(crate) fn metrics(cluster: &Cluster, rest: &[&str]) -> Result<Value, StatusError> {
    use crate::metrics_server::GROUP;
    let (plural, namespace, name) = match rest {
        ["nodes"] => ("nodes", None, None),
        ["nodes", name] => ("nodes", None, Some(*name)),
        ["pods"] => ("pods", None, None),
        ["namespaces", ns, "pods"] => ("pods", Some(*ns), None),
        ["namespaces", ns, "pods", name] => ("pods", Some(*ns), Some(*name)),
        _ => {
            let mut e = StatusError::not_found("", "");
            e.message = "the server could not find the requested resource".into();
            return Err(e);
        }
    };
    cluster.authorize_request(&crate::apiserver::rbac::Request {
        verb: if name.is_some() { "get" } else { "list" },
        api_group: GROUP,
        resource: plural,
        namespace: namespace.unwrap_or(""),
        name: name.unwrap_or(""),
        ..Default::default()
    })?;
    // Scrapes land every 15 s (`--metric-resolution`).
    let resolution = 15 * crate::time::SECOND;
    let scraped = crate::time::rfc3339(cluster.now / resolution * resolution);
    // What the scrape read: CPU in nanocores (below the millicore
    // `kubectl top` rounds up to), memory as the kubelet's page-aligned
    // working set, both as `resource.Quantity` prints them.
    let usage = |cpu: i64, memory: i64, seed: &str| {
        let cpu = if cpu > 0 {
            let jitter = crate::kubelet::images::hex64(seed)[..5]
                .chars()
                .fold(0i64, |n, c| n * 16 + i64::from(c.to_digit(16).unwrap_or(0)));
            (cpu - 1) * 1_000_000 + 1 + jitter % 1_000_000
        } else {
            0
        };
        Value::from_pairs([
            (
                "cpu",
                Value::str(&crate::quantity::Quantity::from_nanos(cpu).to_string()),
            ),
            (
                "memory",
                Value::str(&crate::quantity::Quantity::from_bytes(memory & !4095).to_string()),
            ),
        ])
    };
    let meta = |obj: &Value, namespaced: bool| {
        let mut m = Value::object();
        m.set("name", obj.at(&["metadata", "name"]).clone());
        if namespaced {
            m.set("namespace", obj.at(&["metadata", "namespace"]).clone());
        }
        m.set(
            "creationTimestamp",
            Value::str(&crate::time::rfc3339(cluster.now)),
        );
        if !obj.at(&["metadata", "labels"]).is_null() {
            m.set("labels", obj.at(&["metadata", "labels"]).clone());
        }
        m
    };
    let mut items = Vec::new();
    if plural == "nodes" {
        for (_, node) in cluster.store.list(res("Node"), None) {
            let node_name = node.str_at(&["metadata", "name"]).unwrap_or("");
            if name.is_some_and(|n| n != node_name) {
                continue;
            }
            let Some((cpu, memory)) = cluster.node_usage(node_name) else {
                continue;
            };
            items.push(Value::from_pairs([
                ("metadata", meta(node, false)),
                ("timestamp", Value::str(&scraped)),
                ("window", Value::str("15s")),
                (
                    "usage",
                    usage(cpu, memory, &format!("{node_name}{scraped}")),
                ),
            ]));
        }
    } else {
        for (_, pod) in cluster.store.list(res("Pod"), namespace) {
            let pod_ns = pod.str_at(&["metadata", "namespace"]).unwrap_or("");
            let pod_name = pod.str_at(&["metadata", "name"]).unwrap_or("");
            if name.is_some_and(|n| n != pod_name) {
                continue;
            }
            let Some(containers) = cluster.container_usage(pod_ns, pod_name) else {
                continue;
            };
            let containers = containers
                .into_iter()
                .map(|(c, cpu, memory)| {
                    let seed = format!("{pod_ns}/{pod_name}/{c}{scraped}");
                    Value::from_pairs([
                        ("name", Value::str(&c)),
                        ("usage", usage(cpu, memory, &seed)),
                    ])
                })
                .collect();
            items.push(Value::from_pairs([
                ("metadata", meta(pod, true)),
                ("timestamp", Value::str(&scraped)),
                ("window", Value::str("15s")),
                ("containers", Value::array(containers)),
            ]));
        }
    }
    let kind = if plural == "nodes" {
        "NodeMetrics"
    } else {
        "PodMetrics"
    };
    if let Some(name) = name {
        return items
            .pop()
            .ok_or_else(|| {
                // The node's or pod's lister says so first (typed for
                // nodes, metadata-only for pods); then metrics-server's
                // own word for an object without metrics.
                let (resource, exists) = match namespace {
                    Some(ns) => (
                        "pods",
                        cluster.store.get_named(res("Pod"), ns, name).is_some(),
                    ),
                    None => (
                        "node",
                        cluster.store.get_named(res("Node"), "", name).is_some(),
                    ),
                };
                let mut e = if exists {
                    let shown = match namespace {
                        Some(ns) => format!("{ns}/{name}"),
                        None => name.to_string(),
                    };
                    StatusError::not_found(
                        &format!("{}.{GROUP}", kind.to_ascii_lowercase()),
                        &shown,
                    )
                } else {
                    StatusError::not_found(resource, name)
                };
                e.name = name.to_string();
                e.kind = if exists { plural } else { resource }.to_string();
                e
            })
            .map(|mut item| {
                item.set("kind", Value::str(kind));
                item.set("apiVersion", Value::str("metrics.k8s.io/v1beta1"));
                item
            });
    }
    Ok(Value::from_pairs([
        ("kind", Value::str(&format!("{kind}List"))),
        ("apiVersion", Value::str("metrics.k8s.io/v1beta1")),
        ("metadata", Value::object()),
        ("items", Value::array(items)),
    ]))
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
        assert!(
            get(&mut c, "/readyz?verbose&exclude=etcd", KUBECTL)
                .body
                .contains("\n[+]etcd excluded: ok\n[+]etcd-readiness ok\n")
        );
    }

    #[test]
    fn the_log_subresource_reads_one_container_as_plain_text() {
        let mut c = Cluster::new(1);
        c.run_manifest(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: two\nspec:\n  initContainers:\n  - name: init\n    image: busybox\n    command: [\"sh\", \"-c\", \"echo ready\"]\n  containers:\n  - name: a\n    image: busybox\n    command: [\"sh\", \"-c\", \"echo one; echo two; sleep 3600\"]\n  - name: b\n    image: busybox\n    command: [\"sleep\", \"3600\"]\n",
            "two.yaml",
            crate::apiserver::manifest::ManifestVerb::Apply,
        );
        c.step(30_000);
        let log = |c: &mut Cluster, query: &str| {
            kubectl_get_raw(
                c,
                &format!("/api/v1/namespaces/default/pods/two/log{query}"),
            )
        };
        assert_eq!(log(&mut c, "?container=a"), Ok("one\ntwo\n".into()));
        assert_eq!(log(&mut c, "?container=a&tailLines=1"), Ok("two\n".into()));
        assert_eq!(
            log(&mut c, "?container=a&limitBytes=5"),
            Ok("one\nt".into())
        );
        assert_eq!(log(&mut c, "?container=init"), Ok("ready\n".into()));
        assert_eq!(
            log(&mut c, ""),
            Err("Error from server (BadRequest): a container name must be specified for pod two, choose one of: [a b] or one of the init containers: [init]".into())
        );
        assert_eq!(
            log(&mut c, "?container=a&tailLines=-2&sinceSeconds=0"),
            Err("The PodLogOptions \"two\" is invalid: \n* tailLines: Invalid value: -2: must be greater than or equal to 0\n* sinceSeconds: Invalid value: 0: must be greater than 0".into())
        );
        assert_eq!(
            log(&mut c, "?container=a&tailLines=x"),
            Err(
                "Error from server (BadRequest): strconv.ParseInt: parsing \"x\": invalid syntax"
                    .into()
            )
        );
        // Options are read and checked before the pod: in Go's order, as
        // apimachinery converts them.
        assert_eq!(
            kubectl_get_raw(&mut c, "/api/v1/namespaces/default/pods/nope/log?tailLines=-1"),
            Err("The PodLogOptions \"nope\" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0".into())
        );
        assert_eq!(
            log(&mut c, "?container=a&tailLines=x&sinceSeconds=y"),
            Err(
                "Error from server (BadRequest): strconv.ParseInt: parsing \"y\": invalid syntax"
                    .into()
            )
        );
        assert_eq!(
            log(&mut c, "?container=a&tailLines=99999999999999999999"),
            Err("Error from server (BadRequest): strconv.ParseInt: parsing \"99999999999999999999\": value out of range".into())
        );
        assert_eq!(
            log(
                &mut c,
                "?container=a&sinceSeconds=9223372036854775807&tailLines=1"
            ),
            Ok("two\n".into())
        );
        assert_eq!(
            log(
                &mut c,
                "?container=%61&timestamps=yes&sinceTime=2025-12-31T23:00:00%2B00:00"
            ),
            log(&mut c, "?container=a&timestamps=1")
        );
        // A stream: chunked from its start, and not classified by API
        // Priority and Fairness.
        let a = get(
            &mut c,
            "/api/v1/namespaces/default/pods/two/log?container=a",
            CURL,
        );
        let names: Vec<&str> = a.headers.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "Audit-Id",
                "Cache-Control",
                "Content-Type",
                "Date",
                "Transfer-Encoding"
            ]
        );
        assert_eq!(a.headers[2].1, "text/plain");
        // A long answer goes in chunks, without a length.
        let list = get(&mut c, "/api/v1/pods", CURL);
        assert!(list.body.len() > 2048);
        assert_eq!(
            list.headers.last(),
            Some(&("Transfer-Encoding".into(), "chunked".into()))
        );
        assert!(!list.headers.iter().any(|(k, _)| k == "Content-Length"));
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

    #[test]
    fn the_service_proxy_picks_a_ready_endpoint_of_the_port_and_redirects_the_bare_path() {
        let mut c = Cluster::new(1);
        let files = &crate::kubectl::NoFiles;
        c.kubectl("create deployment web --image=nginx:1.27", files);
        c.kubectl("expose deployment web --port=8000 --target-port=80", files);
        c.kubectl("create service clusterip empty --tcp=80", files);
        c.step(30_000);
        let page = get(
            &mut c,
            "/api/v1/namespaces/default/services/web:8000/proxy/",
            CURL,
        );
        assert!(page.body.contains("<title>Welcome to nginx!</title>"));
        // The pod's headers, canonical and sorted, with the API server's.
        let names: Vec<&str> = page.headers.iter().map(|(k, _)| k.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
        assert!(names.contains(&"Audit-Id") && names.contains(&"Etag"));
        assert!(!names.contains(&"Connection"));
        let port = get(
            &mut c,
            "/api/v1/namespaces/default/services/web:9/proxy/",
            KUBECTL,
        );
        assert!(
            port.body
                .contains(r#""message":"no service port 9 found for service \"web\"""#)
        );
        let none = get(
            &mut c,
            "/api/v1/namespaces/default/services/empty/proxy/",
            KUBECTL,
        );
        assert!(
            none.body
                .contains(r#""message":"no endpoints available for service \"empty\"""#)
        );
        let bare = get(
            &mut c,
            "/api/v1/namespaces/default/services/web/proxy",
            KUBECTL,
        );
        assert_eq!(bare.status, 301);
        assert!(bare.headers.contains(&(
            "Location".into(),
            "/api/v1/namespaces/default/services/web/proxy/".into()
        )));
    }
}
