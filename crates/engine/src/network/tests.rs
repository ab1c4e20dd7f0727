//! Tests of the cluster network. Pods, node addresses and EndpointSlices
//! are written here the way the kubelet and the EndpointSlice controller
//! write them.

use super::*;
use crate::apiserver::WriteOptions;
use crate::cluster::BOOT_MS;
use crate::value::Value;

fn obj(yaml: &str) -> Value {
    crate::yaml::load_str(yaml).expect("test YAML parses")[0]
        .root
        .to_value()
}

fn create(c: &mut Cluster, yaml: &str) -> Value {
    c.create(obj(yaml), &WriteOptions::system())
        .unwrap_or_else(|e| panic!("{e:?}"))
}

/// Node addresses as kind's kubelets report them.
fn node_addresses(c: &mut Cluster) {
    for (i, name) in ["control-plane", "node-1", "node-2", "node-3"]
        .iter()
        .enumerate()
    {
        let key = ObjectKey::new(res("Node"), "", name);
        let mut status = c.store.get(&key).unwrap().get("status").clone();
        status.set(
            "addresses",
            Value::array(vec![
                Value::from_pairs([
                    ("address", Value::from(format!("172.18.0.{}", i + 2))),
                    ("type", Value::str("InternalIP")),
                ]),
                Value::from_pairs([
                    ("address", Value::str(name)),
                    ("type", Value::str("Hostname")),
                ]),
            ]),
        );
        c.update_status(&key, status).unwrap();
    }
    c.settle();
}

fn cluster(seed: u64) -> Cluster {
    let mut c = Cluster::new(seed);
    // The tests play the kubelet by hand (pod IPs, readiness).
    c.kubelet.pods_played_by_hand = true;
    node_addresses(&mut c);
    c
}

/// A running pod of `app`, as the kubelet reports it.
fn pod(c: &mut Cluster, app: &str, name: &str, node: &str, ip: &str, ready: bool) {
    create(
        c,
        &format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: default\n  labels: {{app: {app}}}\nspec:\n  nodeName: {node}\n  containers:\n  - name: web\n    image: nginx\n    ports:\n    - containerPort: 80\n      name: http\n"
        ),
    );
    // The kubelet's status (the API server resets status on create).
    let status = crate::yaml::load_str(&format!(
        "phase: Running\npodIP: {ip}\npodIPs:\n- ip: {ip}\nconditions:\n- type: Ready\n  status: \"{}\"\n",
        if ready { "True" } else { "False" }
    ))
    .unwrap()[0]
        .root
        .to_value();
    let key = crate::store::ObjectKey::new(res("Pod"), "default", name);
    c.update_status(&key, status).unwrap();
}

/// A Service selecting `app` on port 80 (extra spec lines appended).
fn service(c: &mut Cluster, name: &str, extra: &str) -> Value {
    create(
        c,
        &format!(
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  namespace: default\nspec:\n  selector: {{app: {name}}}\n  ports:\n  - port: 80\n    targetPort: http\n    protocol: TCP\n{extra}"
        ),
    )
}

/// The EndpointSlice the controller writes for a Service: `(pod, ip, node,
/// ready)` endpoints on the container port 80.
fn slice(c: &mut Cluster, svc: &str, endpoints: &[(&str, &str, &str, bool)]) {
    let uid = c
        .store
        .get_named(res("Service"), "default", svc)
        .and_then(|s| s.str_at(&["metadata", "uid"]).map(str::to_string))
        .unwrap_or_default();
    let mut eps = String::from(if endpoints.is_empty() { " []\n" } else { "\n" });
    for (pod, ip, node, ready) in endpoints {
        eps += &format!(
            "- addresses: [\"{ip}\"]\n  conditions: {{ready: {ready}, serving: {ready}, terminating: false}}\n  nodeName: {node}\n  targetRef: {{kind: Pod, name: {pod}, namespace: default}}\n"
        );
    }
    create(
        c,
        &format!(
            "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: {svc}-abcde\n  namespace: default\n  labels:\n    kubernetes.io/service-name: {svc}\n    endpointslice.kubernetes.io/managed-by: endpointslice-controller.k8s.io\n  ownerReferences:\n  - apiVersion: v1\n    kind: Service\n    name: {svc}\n    uid: {uid}\n    controller: true\n    blockOwnerDeletion: true\naddressType: IPv4\nports:\n- name: \"\"\n  port: 80\n  protocol: TCP\nendpoints:{eps}"
        ),
    );
}

/// A Service `web` with three ready pods, one per worker.
fn web(c: &mut Cluster, extra: &str) {
    service(c, "web", extra);
    pod(c, "web", "web-1", "node-1", "10.244.1.2", true);
    pod(c, "web", "web-2", "node-2", "10.244.2.2", true);
    pod(c, "web", "web-3", "node-3", "10.244.3.2", true);
    slice(
        c,
        "web",
        &[
            ("web-1", "10.244.1.2", "node-1", true),
            ("web-2", "10.244.2.2", "node-2", true),
            ("web-3", "10.244.3.2", "node-3", true),
        ],
    );
}

fn ingress(c: &mut Cluster, name: &str, spec: &str) {
    create(
        c,
        &format!(
            "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: {name}\n  namespace: default\nspec:\n  ingressClassName: nginx\n{spec}"
        ),
    );
}

/// An Ingress path rule body.
fn rule(host: &str, paths: &[(&str, &str, &str)]) -> String {
    let mut s = String::new();
    if host.is_empty() {
        s += "  - http:\n      paths:\n";
    } else {
        s += &format!("  - host: \"{host}\"\n    http:\n      paths:\n");
    }
    for (path, ty, svc) in paths {
        s += &format!(
            "      - path: {path}\n        pathType: {ty}\n        backend:\n          service:\n            name: {svc}\n            port:\n              number: 80\n"
        );
    }
    s
}

/// Which backend the ingress controller picks: the Service name, `404`,
/// or `301 <location>`.
fn backend_for(c: &Cluster, host: &str, path: &str) -> String {
    let cfg = ingress::config(c);
    let d = cfg.route(host, path);
    match d.result {
        ingress::LocationMatch::Redirect(_) => format!("301 {}", d.location().path),
        ingress::LocationMatch::Location(_) => match &d.location().backend {
            Some(b) => b.name.clone(),
            None => "404".into(),
        },
    }
}

fn pods_of(r: &Response) -> Option<String> {
    match r.hops.last() {
        Some(Hop::Pod { pod, .. }) => Some(pod.clone()),
        _ => None,
    }
}

const NGINX_404: &str = "<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";
const NGINX_503: &str = "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

#[test]
fn path_matching_follows_the_kubernetes_examples_as_ingress_nginx_renders_them() {
    // The Kubernetes docs' Ingress "Examples" table, one host per row.
    // Where ingress-nginx differs from the table it is noted: a path that
    // ends in `/` only matches the same path without it through nginx's
    // 301 redirect to the slashed path.
    /// (paths with their types, request path, expected backend)
    type Row<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);
    let rows: &[Row] = &[
        (&[("/", "Prefix")], "/anything/at/all", "a"),
        (&[("/foo", "Exact")], "/foo", "a"),
        (&[("/foo", "Exact")], "/bar", "404"),
        (&[("/foo", "Exact")], "/foo/", "404"),
        // Table: no match. nginx: auto_redirect of `location = /foo/`.
        (&[("/foo/", "Exact")], "/foo", "301 /foo/"),
        (&[("/foo", "Prefix")], "/foo", "a"),
        (&[("/foo", "Prefix")], "/foo/", "a"),
        // Table: match. nginx: 301 to /foo/, which then matches.
        (&[("/foo/", "Prefix")], "/foo", "301 /foo/"),
        (&[("/foo/", "Prefix")], "/foo/", "a"),
        (&[("/aaa/bb", "Prefix")], "/aaa/bbb", "404"),
        (&[("/aaa/bbb", "Prefix")], "/aaa/bbb", "a"),
        (&[("/aaa/bbb/", "Prefix")], "/aaa/bbb", "301 /aaa/bbb/"),
        (&[("/aaa/bbb", "Prefix")], "/aaa/bbb/", "a"),
        (&[("/aaa/bbb", "Prefix")], "/aaa/bbb/ccc", "a"),
        (&[("/aaa/bbb", "Prefix")], "/aaa/bbbxyz", "404"),
        (&[("/", "Prefix"), ("/aaa", "Prefix")], "/aaa/ccc", "b"),
        (
            &[("/", "Prefix"), ("/aaa", "Prefix"), ("/aaa/bbb", "Prefix")],
            "/aaa/bbb",
            "c",
        ),
        (
            &[("/", "Prefix"), ("/aaa", "Prefix"), ("/aaa/bbb", "Prefix")],
            "/ccc",
            "a",
        ),
        (&[("/aaa", "Prefix")], "/ccc", "404"),
        (&[("/foo", "Prefix"), ("/foo", "Exact")], "/foo", "b"),
        (&[("/foo", "Prefix"), ("/foo", "Exact")], "/foo/x", "a"),
        // ImplementationSpecific is a plain nginx prefix: string prefix.
        (&[("/foo", "ImplementationSpecific")], "/foo", "a"),
        (&[("/foo", "ImplementationSpecific")], "/foo/bar", "a"),
        (&[("/foo", "ImplementationSpecific")], "/foobar", "a"),
        (&[("/foo", "ImplementationSpecific")], "/fo", "404"),
        (&[("/", "ImplementationSpecific")], "/x", "a"),
    ];
    let mut c = cluster(1);
    for (i, (paths, _, _)) in rows.iter().enumerate() {
        let names = ["a", "b", "c"];
        let paths: Vec<(&str, &str, &str)> = paths
            .iter()
            .zip(names)
            .map(|((p, t), n)| (*p, *t, n))
            .collect();
        ingress(
            &mut c,
            &format!("row-{i}"),
            &format!("  rules:\n{}", rule(&format!("row{i}.example"), &paths)),
        );
    }
    c.settle();
    for (i, (paths, request, expected)) in rows.iter().enumerate() {
        assert_eq!(
            backend_for(&c, &format!("row{i}.example"), request),
            *expected,
            "row {i}: {paths:?} requested {request}"
        );
    }
}

#[test]
fn hosts_match_exactly_then_by_single_label_wildcard_then_catch_all() {
    let mut c = cluster(1);
    ingress(
        &mut c,
        "hosts",
        &format!(
            "  rules:\n{}{}{}",
            rule("*.foo.com", &[("/", "Prefix", "wild")]),
            rule("bar.foo.com", &[("/", "Prefix", "exact")]),
            rule("", &[("/", "Prefix", "any")]),
        ),
    );
    c.settle();
    assert_eq!(backend_for(&c, "bar.foo.com", "/"), "exact");
    assert_eq!(backend_for(&c, "baz.foo.com", "/"), "wild");
    // One label only, and the bare domain is not a subdomain.
    assert_eq!(backend_for(&c, "a.baz.foo.com", "/"), "any");
    assert_eq!(backend_for(&c, "foo.com", "/"), "any");
    assert_eq!(backend_for(&c, "172.18.255.200", "/"), "any");
    // nginx lowercases the Host and drops its port.
    let r = Request::get("http://172.18.255.200/").with_host("BAZ.foo.com:80");
    let e = c.explain_route(&r);
    assert_eq!(e.ingress.as_ref().unwrap().server, "*.foo.com");
}

#[test]
fn longest_path_wins_across_ingresses_of_a_host_and_the_oldest_keeps_duplicates() {
    let mut c = cluster(1);
    ingress(
        &mut c,
        "first",
        &format!(
            "  rules:\n{}",
            rule("shop.example", &[("/", "Prefix", "front")])
        ),
    );
    c.step(1000);
    ingress(
        &mut c,
        "second",
        &format!(
            "  rules:\n{}",
            rule(
                "shop.example",
                &[("/api", "Prefix", "api"), ("/", "Prefix", "other")]
            )
        ),
    );
    c.settle();
    assert_eq!(backend_for(&c, "shop.example", "/api/v1/items"), "api");
    assert_eq!(backend_for(&c, "shop.example", "/cart"), "front");
    let e = c.explain_route(&Request::get("http://shop.example/api/v1"));
    let verdicts: Vec<(String, String, RuleVerdict)> = e
        .ingress
        .unwrap()
        .rules
        .into_iter()
        .map(|r| (r.ingress, r.path, r.verdict))
        .collect();
    assert_eq!(
        verdicts,
        [
            (
                "default/first".to_string(),
                "/".to_string(),
                RuleVerdict::Outranked {
                    by: "default/second shop.example/api (Prefix)".into()
                }
            ),
            (
                "default/second".to_string(),
                "/api".to_string(),
                RuleVerdict::Matched
            ),
            (
                "default/second".to_string(),
                "/".to_string(),
                RuleVerdict::Duplicate {
                    kept_by: "default/first".into()
                }
            ),
        ]
    );
}

#[test]
fn default_backends_catch_what_no_rule_matches() {
    let mut c = cluster(1);
    web(&mut c, "");
    // No rule and no default backend: ingress-nginx's own 404.
    let r = c.send_request(&Request::get("http://nothing.example/"));
    assert_eq!((r.status, r.body.as_str()), (404, NGINX_404));
    assert_eq!(
        r.hops,
        [
            Hop::LoadBalancer {
                ip: INGRESS_CONTROLLER_IP.into(),
                port: 80
            },
            Hop::Ingress {
                ingress: String::new(),
                rule: "default backend".into()
            }
        ]
    );
    assert_eq!(r.latency_ms, 2);
    // An Ingress with only a defaultBackend becomes the catch-all.
    ingress(
        &mut c,
        "catch-all",
        "  defaultBackend:\n    service:\n      name: web\n      port:\n        number: 80\n",
    );
    assert_eq!(backend_for(&c, "nothing.example", "/x"), "web");
    let r = c.send_request(&Request::get("http://nothing.example/x"));
    assert!(matches!(r.hops.last(), Some(Hop::Pod { .. })), "{r:?}");
    assert_eq!(
        r.hops[1],
        Hop::Ingress {
            ingress: "default/catch-all".into(),
            rule: "defaultBackend".into()
        }
    );
    // A host's unmatched paths use its Ingress's default backend.
    ingress(
        &mut c,
        "shop",
        &format!(
            "  defaultBackend:\n    service:\n      name: fallback\n      port:\n        number: 80\n  rules:\n{}",
            rule("shop.example", &[("/api", "Prefix", "api")])
        ),
    );
    assert_eq!(backend_for(&c, "shop.example", "/other"), "fallback");
}

#[test]
fn no_ready_endpoint_gives_nginx_503_and_a_missing_service_too() {
    let mut c = cluster(1);
    service(&mut c, "web", "");
    pod(&mut c, "web", "web-1", "node-1", "10.244.1.2", false);
    slice(&mut c, "web", &[("web-1", "10.244.1.2", "node-1", false)]);
    ingress(
        &mut c,
        "site",
        &format!(
            "  rules:\n{}",
            rule(
                "site.example",
                &[("/", "Prefix", "web"), ("/gone", "Prefix", "missing")]
            )
        ),
    );
    let r = c.send_request(&Request::get("http://site.example/"));
    assert_eq!((r.status, r.body.as_str()), (503, NGINX_503));
    assert_eq!(
        r.hops[1..],
        [
            Hop::Ingress {
                ingress: "default/site".into(),
                rule: "site.example/ (Prefix)".into()
            },
            Hop::Service {
                service: "default/web".into(),
                port: 80
            }
        ]
    );
    let r = c.send_request(&Request::get("http://site.example/gone"));
    assert_eq!((r.status, r.body.as_str()), (503, NGINX_503));
    let e = c.explain_route(&Request::get("http://site.example/"));
    assert_eq!(e.verdict, Verdict::NoReadyEndpoints);
    let svc = e.service.unwrap();
    assert_eq!(svc.port, Some(80));
    assert_eq!(svc.target_port, "http");
    assert_eq!(svc.endpoints.len(), 1);
    assert!(!svc.endpoints[0].ready && !svc.endpoints[0].usable);
    assert_eq!(*c.status_counts(), BTreeMap::from([(503, 2)]));
}

#[test]
fn the_seed_ingress_is_served_through_its_legacy_class_annotation() {
    let mut c = cluster(1);
    let seed = "apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata:\n  name: snackerbis-ingress\n  annotations:\n    kubernetes.io/ingress.class: \"nginx\"\n  labels:\n    app: snackerbis\nspec:\n  rules:\n  - host: kube.lambdaclass.com\n    http:\n      paths:\n      - path: /snackerbis\n        backend:\n          serviceName: snackerbis-service\n          servicePort: 80\n";
    let out = c.run_manifest(
        seed,
        "ingress.yaml",
        crate::apiserver::manifest::ManifestVerb::Apply,
    );
    assert!(out[0].result.is_ok(), "{out:?}");
    // The annotation is kept, so admission does not add a class.
    let key = ObjectKey::new(res("Ingress"), "default", "snackerbis-ingress");
    assert!(
        c.store
            .get(&key)
            .unwrap()
            .at(&["spec", "ingressClassName"])
            .is_null()
    );
    // No Service yet: 503 on the rule, 404 elsewhere on the host.
    let r = c.send_request(&Request::get("http://kube.lambdaclass.com/snackerbis"));
    assert_eq!((r.status, r.body.as_str()), (503, NGINX_503));
    assert_eq!(
        r.hops[1],
        Hop::Ingress {
            ingress: "default/snackerbis-ingress".into(),
            rule: "kube.lambdaclass.com/snackerbis (ImplementationSpecific)".into()
        }
    );
    let r = c.send_request(&Request::get("http://kube.lambdaclass.com/"));
    assert_eq!((r.status, r.body.as_str()), (404, NGINX_404));
    // The controller writes its address at its next 60-second status sync.
    c.step(59_000);
    assert!(
        c.store
            .get(&key)
            .unwrap()
            .at(&["status", "loadBalancer", "ingress"])
            .is_null()
    );
    c.step(1_000);
    assert_eq!(
        c.store.get(&key).unwrap().at(&["status", "loadBalancer"]),
        &obj("ingress:\n- ip: 172.18.255.200\n")
    );
    // Its events: one Sync for the create, one for the status update.
    let uid = c
        .store
        .get(&key)
        .unwrap()
        .str_at(&["metadata", "uid"])
        .unwrap()
        .to_string();
    let events: Vec<(String, String, i64)> = c
        .events
        .for_object(&uid)
        .map(|e| {
            let v = e.to_value();
            (
                v.str_at(&["reason"]).unwrap_or("").to_string(),
                v.str_at(&["source", "component"]).unwrap_or("").to_string(),
                v.get("count").as_i64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        events,
        [(
            "Sync".to_string(),
            "nginx-ingress-controller".to_string(),
            2
        )]
    );
}

#[test]
fn only_ingresses_of_the_nginx_class_are_served() {
    let mut c = cluster(1);
    create(
        &mut c,
        "apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata:\n  name: traefik\nspec:\n  controller: traefik.io/ingress-controller\n",
    );
    let body = rule("x.example", &[("/", "Prefix", "web")]);
    for (name, class) in [
        ("by-name", "  ingressClassName: nginx\n"),
        ("other-class", "  ingressClassName: traefik\n"),
        ("unknown-class", "  ingressClassName: nope\n"),
    ] {
        create(
            &mut c,
            &format!(
                "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: {name}\nspec:\n{class}  rules:\n{body}"
            ),
        );
    }
    create(
        &mut c,
        &format!(
            "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: annotated\n  annotations:\n    kubernetes.io/ingress.class: traefik\nspec:\n  rules:\n{body}"
        ),
    );
    // No class at all: the DefaultIngressClass admission plugin gives it
    // the default class, nginx.
    let defaulted = create(
        &mut c,
        &format!(
            "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: defaulted\nspec:\n  rules:\n{body}"
        ),
    );
    assert_eq!(
        defaulted.str_at(&["spec", "ingressClassName"]),
        Some("nginx")
    );
    c.settle();
    let e = c.explain_route(&Request::get("http://x.example/"));
    let verdicts: Vec<(String, RuleVerdict)> = e
        .ingress
        .unwrap()
        .rules
        .into_iter()
        .map(|r| (r.ingress, r.verdict))
        .collect();
    assert_eq!(
        verdicts,
        [
            (
                "default/annotated".to_string(),
                RuleVerdict::NotServed {
                    reason: "annotation kubernetes.io/ingress.class is \"traefik\", not \"nginx\"".into()
                }
            ),
            (
                "default/other-class".to_string(),
                RuleVerdict::NotServed {
                    reason: "IngressClass \"traefik\" belongs to controller \"traefik.io/ingress-controller\", not k8s.io/ingress-nginx".into()
                }
            ),
            (
                "default/unknown-class".to_string(),
                RuleVerdict::NotServed {
                    reason: "IngressClass \"nope\" not found".into()
                }
            ),
            // Oldest first; equal creation times by name, descending.
            ("default/defaulted".to_string(), RuleVerdict::Matched),
            ("default/by-name".to_string(), RuleVerdict::Duplicate { kept_by: "default/defaulted".into() }),
        ]
    );
}

#[test]
fn ingress_balances_round_robin_over_ready_endpoints() {
    let mut c = cluster(1);
    web(&mut c, "");
    ingress(
        &mut c,
        "site",
        &format!(
            "  rules:\n{}",
            rule("site.example", &[("/", "Prefix", "web")])
        ),
    );
    let mut seen = Vec::new();
    for _ in 0..6 {
        let r = c.send_request(&Request::get("http://site.example/"));
        seen.push(pods_of(&r).unwrap());
    }
    // Every pod in turn, twice.
    assert_eq!(seen[0..3], seen[3..6]);
    let mut first: Vec<String> = seen[0..3].to_vec();
    first.sort();
    assert_eq!(first, ["default/web-1", "default/web-2", "default/web-3"]);
    assert_eq!(
        *c.pod_hits(),
        BTreeMap::from([
            ("default/web-1".into(), 2),
            ("default/web-2".into(), 2),
            ("default/web-3".into(), 2)
        ])
    );
    // The body is whatever the pod's container answers.
    let r = c.send_request(&Request::get("http://site.example/hello"));
    let name = pods_of(&r).unwrap();
    let pod = c
        .store
        .get_named(res("Pod"), "default", name.trim_start_matches("default/"))
        .unwrap()
        .clone();
    let expected = crate::kubelet::serve_http(
        &mut c,
        &pod,
        80,
        &crate::http::HttpRequest {
            method: "GET".into(),
            host: "site.example".into(),
            path: "/hello".into(),
            client_ip: CLIENT_IP.into(),
            user_agent: "curl/8.14.1".into(),
        },
    );
    assert_eq!(
        (r.status, r.body.as_str()),
        (expected.status, expected.body.as_str())
    );
    assert_eq!(r.latency_ms, 2 + expected.latency_ms);
}

#[test]
fn node_ports_route_through_kube_proxy_and_fail_like_curl() {
    let mut c = cluster(1);
    let svc = service(&mut c, "web", "  type: NodePort\n");
    let node_port = svc
        .at(&["spec", "ports"])
        .items()
        .next()
        .unwrap()
        .get("nodePort")
        .as_i64()
        .unwrap();
    // No endpoints: kube-proxy rejects.
    let url = format!("http://172.18.0.3:{node_port}/");
    let r = c.send_request(&Request::get(&url));
    assert_eq!(
        (r.status, r.body.clone()),
        (
            0,
            format!(
                "curl: (7) Failed to connect to 172.18.0.3 port {node_port} after 0 ms: Could not connect to server"
            )
        )
    );
    pod(&mut c, "web", "web-2", "node-2", "10.244.2.2", true);
    slice(&mut c, "web", &[("web-2", "10.244.2.2", "node-2", true)]);
    // Entering at node-1, forwarded to the pod on node-2.
    let r = c.send_request(&Request::get(&url));
    assert_eq!(
        r.hops,
        [
            Hop::Node {
                node: "node-1".into(),
                port: node_port
            },
            Hop::Service {
                service: "default/web".into(),
                port: 80
            },
            Hop::Pod {
                pod: "default/web-2".into(),
                node: "node-2".into()
            }
        ]
    );
    // Nothing on another port of the node.
    let r = c.send_request(&Request::get("http://172.18.0.3:8080/"));
    assert_eq!(
        r.body,
        "curl: (7) Failed to connect to 172.18.0.3 port 8080 after 0 ms: Could not connect to server"
    );
    // externalTrafficPolicy: Local drops traffic at nodes without a local endpoint.
    let key = ObjectKey::new(res("Service"), "default", "web");
    let mut svc = c.store.get(&key).unwrap().clone();
    svc.set_at(&["spec", "externalTrafficPolicy"], Value::str("Local"));
    c.update(svc, &WriteOptions::user()).unwrap();
    let r = c.send_request(&Request::get(&url));
    assert_eq!(
        (r.status, r.body.clone(), r.latency_ms),
        (
            0,
            format!(
                "curl: (28) Failed to connect to 172.18.0.3 port {node_port} after 127000 ms: Could not connect to server"
            ),
            127_000
        )
    );
    let r = c.send_request(&Request::get(&format!("http://172.18.0.4:{node_port}/")));
    assert_eq!(pods_of(&r).as_deref(), Some("default/web-2"));
    let e = c.explain_route(&Request::get(&url));
    assert_eq!(
        e.service.unwrap().notes,
        [
            "externalTrafficPolicy: Local — only endpoints on node node-1",
            "kube-proxy: \"default/web has no local endpoints\" (DROP)"
        ]
    );
}

#[test]
fn cluster_ips_and_dns_names_reach_services_from_inside() {
    let mut c = cluster(1);
    let svc = service(&mut c, "web", "");
    let ip = svc.str_at(&["spec", "clusterIP"]).unwrap().to_string();
    pod(&mut c, "web", "web-3", "node-3", "10.244.3.2", true);
    slice(&mut c, "web", &[("web-3", "10.244.3.2", "node-3", true)]);
    for url in [
        format!("http://{ip}/"),
        "http://web.default.svc.cluster.local/".to_string(),
        "web.default.svc".to_string(),
    ] {
        let r = c.send_request(&Request::get(&url));
        assert_eq!(
            r.hops,
            [
                Hop::Service {
                    service: "default/web".into(),
                    port: 80
                },
                Hop::Pod {
                    pod: "default/web-3".into(),
                    node: "node-3".into()
                }
            ],
            "{url}"
        );
    }
    // A pod IP directly.
    let r = c.send_request(&Request::get("http://10.244.3.2/"));
    assert_eq!(pods_of(&r).as_deref(), Some("default/web-3"));
    let r = c.send_request(&Request::get("http://nope.default.svc.cluster.local/"));
    assert_eq!(
        r.body,
        "curl: (6) Could not resolve host: nope.default.svc.cluster.local"
    );
    let r = c.send_request(&Request::get("http://10.0.0.1/"));
    assert_eq!(
        r.body,
        "curl: (7) Failed to connect to 10.0.0.1 port 80 after 0 ms: Could not connect to server"
    );
    // internalTrafficPolicy: Local from node-1 (the in-cluster client).
    let key = ObjectKey::new(res("Service"), "default", "web");
    let mut svc = c.store.get(&key).unwrap().clone();
    svc.set_at(&["spec", "internalTrafficPolicy"], Value::str("Local"));
    c.update(svc, &WriteOptions::user()).unwrap();
    let r = c.send_request(&Request::get(&format!("http://{ip}/")));
    assert_eq!(r.status, 0);
    assert!(r.body.starts_with("curl: (28) "), "{}", r.body);
}

#[test]
fn names_do_not_resolve_without_an_ingress_controller() {
    let mut c = Cluster::empty(1);
    let r = c.send_request(&Request::get("http://kube.lambdaclass.com/"));
    assert_eq!(
        (r.status, r.body.as_str(), r.latency_ms),
        (
            0,
            "curl: (6) Could not resolve host: kube.lambdaclass.com",
            0
        )
    );
    assert_eq!(*c.status_counts(), BTreeMap::from([(0, 1)]));
}

#[test]
fn client_ip_affinity_sticks_until_it_times_out() {
    let mut c = cluster(3);
    web(
        &mut c,
        "  type: NodePort\n  sessionAffinity: ClientIP\n  sessionAffinityConfig:\n    clientIP:\n      timeoutSeconds: 10\n",
    );
    let np = c
        .store
        .get_named(res("Service"), "default", "web")
        .unwrap()
        .at(&["spec", "ports"])
        .items()
        .next()
        .unwrap()
        .get("nodePort")
        .as_i64()
        .unwrap();
    let url = format!("http://172.18.0.3:{np}/");
    let first = pods_of(&c.send_request(&Request::get(&url))).unwrap();
    for _ in 0..30 {
        c.step(5_000);
        assert_eq!(
            pods_of(&c.send_request(&Request::get(&url))).unwrap(),
            first
        );
    }
    let key = (
        "default/web".to_string(),
        String::new(),
        CLIENT_IP.to_string(),
    );
    assert_eq!(c.network.affinity[&key].last_used, c.now_ms());
    // Idle longer than the timeout: the next connection is balanced afresh
    // (and pinned again).
    c.step(11_000);
    c.send_request(&Request::get(&url));
    assert_eq!(c.network.affinity[&key].last_used, c.now_ms());
    // Without affinity, connections spread.
    let mut d = cluster(3);
    web(&mut d, "  type: NodePort\n");
    let np = d
        .store
        .get_named(res("Service"), "default", "web")
        .unwrap()
        .at(&["spec", "ports"])
        .items()
        .next()
        .unwrap()
        .get("nodePort")
        .as_i64()
        .unwrap();
    for _ in 0..30 {
        d.send_request(&Request::get(&format!("http://172.18.0.3:{np}/")));
    }
    assert_eq!(d.pod_hits().len(), 3);
    let e = c.explain_route(&Request::get(&url));
    assert_eq!(
        e.service.unwrap().notes,
        ["sessionAffinity: ClientIP — 172.18.0.1 sticks to one endpoint for 10s"]
    );
}

#[test]
fn random_choices_replay_with_the_seed() {
    let run = |seed: u64| -> Vec<String> {
        let mut c = cluster(seed);
        let svc = service(&mut c, "web", "");
        let ip = svc.str_at(&["spec", "clusterIP"]).unwrap().to_string();
        for i in 1..=3 {
            pod(
                &mut c,
                "web",
                &format!("web-{i}"),
                &format!("node-{i}"),
                &format!("10.244.{i}.2"),
                true,
            );
        }
        slice(
            &mut c,
            "web",
            &[
                ("web-1", "10.244.1.2", "node-1", true),
                ("web-2", "10.244.2.2", "node-2", true),
                ("web-3", "10.244.3.2", "node-3", true),
            ],
        );
        (0..40)
            .map(|_| pods_of(&c.send_request(&Request::get(&format!("http://{ip}/")))).unwrap())
            .collect()
    };
    let a = run(11);
    assert_eq!(a, run(11));
    assert_ne!(a, run(12));
    // Random, not round robin: some pod is hit twice in a row.
    assert!(a.windows(2).any(|w| w[0] == w[1]));
}

#[test]
fn load_balancers_get_an_address_after_a_moment_and_release_it() {
    let mut c = cluster(1);
    let svc = service(&mut c, "web", "  type: LoadBalancer\n");
    assert!(svc.at(&["status", "loadBalancer", "ingress"]).is_null());
    let key = ObjectKey::new(res("Service"), "default", "web");
    c.step(1_999);
    assert!(
        c.store
            .get(&key)
            .unwrap()
            .at(&["status", "loadBalancer", "ingress"])
            .is_null()
    );
    c.step(1);
    // The ingress controller holds .200; the first free address is .201.
    assert_eq!(
        c.store.get(&key).unwrap().at(&["status", "loadBalancer"]),
        &obj("ingress:\n- ip: 172.18.255.201\n  ipMode: VIP\n")
    );
    let uid = c
        .store
        .get(&key)
        .unwrap()
        .str_at(&["metadata", "uid"])
        .unwrap()
        .to_string();
    let messages: Vec<String> = c
        .events
        .for_object(&uid)
        .map(|e| e.to_value().str_at(&["message"]).unwrap_or("").to_string())
        .collect();
    assert_eq!(messages, ["Assigned IP [\"172.18.255.201\"]"]);
    // Reachable at the address on the Service port, via the announcing node.
    pod(&mut c, "web", "web-1", "node-1", "10.244.1.2", true);
    slice(&mut c, "web", &[("web-1", "10.244.1.2", "node-1", true)]);
    let r = c.send_request(&Request::get("http://172.18.255.201/"));
    assert_eq!(
        r.hops[0],
        Hop::LoadBalancer {
            ip: "172.18.255.201".into(),
            port: 80
        }
    );
    assert!(
        matches!(&r.hops[1], Hop::Node { port: 80, .. }),
        "{:?}",
        r.hops
    );
    assert_eq!(pods_of(&r).as_deref(), Some("default/web-1"));
    // Another port of the address: nothing answers.
    let r = c.send_request(&Request::get("http://172.18.255.201:81/"));
    assert!(
        r.body
            .starts_with("curl: (28) Failed to connect to 172.18.255.201 port 81 after 127000 ms"),
        "{}",
        r.body
    );
    // Deleting frees the address for the next Service.
    c.delete(&key, Default::default()).unwrap();
    service(&mut c, "other", "  type: LoadBalancer\n");
    c.step(2_000);
    let other = ObjectKey::new(res("Service"), "default", "other");
    assert_eq!(
        c.store
            .get(&other)
            .unwrap()
            .at(&["status", "loadBalancer", "ingress"])
            .items()
            .next()
            .unwrap()
            .get("ip"),
        &Value::str("172.18.255.201")
    );
    // Turning it into a ClusterIP Service clears the address.
    let mut svc = c.store.get(&other).unwrap().clone();
    svc.set_at(&["spec", "type"], Value::str("ClusterIP"));
    if let Some(ports) = svc.entry_at(&["spec", "ports"]).as_array_mut() {
        for p in ports {
            p.remove("nodePort");
        }
    }
    c.update(svc, &WriteOptions::user()).unwrap();
    c.settle();
    assert_eq!(
        c.store.get(&other).unwrap().at(&["status", "loadBalancer"]),
        &Value::object()
    );
    assert!(
        !c.alloc
            .load_balancer_ips
            .contains(&crate::apiserver::parse_ipv4("172.18.255.201").unwrap())
    );
}

#[test]
fn traffic_generators_send_at_their_rate_in_simulated_time() {
    let mut c = cluster(5);
    web(&mut c, "");
    ingress(
        &mut c,
        "site",
        &format!(
            "  rules:\n{}",
            rule("site.example", &[("/", "Prefix", "web")])
        ),
    );
    let id = c.start_traffic("http://site.example/", None, 50);
    let miss = c.start_traffic("http://172.18.255.200/", Some("nothing.example"), 10);
    c.step(2_000);
    let s = c.traffic_stats(id).unwrap().clone();
    assert_eq!(s.sent, 100);
    assert_eq!(s.by_status.values().sum::<u64>(), 100);
    assert_eq!(s.by_pod.values().sum::<u64>(), 100);
    // Round robin through the ingress: an even spread.
    assert_eq!(
        s.by_pod
            .values()
            .copied()
            .collect::<Vec<_>>()
            .iter()
            .max()
            .unwrap()
            - s.by_pod.values().min().unwrap(),
        1
    );
    assert!(s.p50().is_some() && s.p50() <= s.p95());
    let m = c.traffic_stats(miss).unwrap();
    assert_eq!(
        (m.sent, m.by_status.clone()),
        (20, BTreeMap::from([(404, 20)]))
    );
    assert_eq!((m.p50(), m.p95()), (Some(2), Some(2)));
    // Requests are stamped evenly in time.
    let stamps: Vec<Millis> = c
        .recent_requests()
        .filter(|r| r.traffic == Some(miss))
        .map(|r| r.at)
        .collect();
    assert_eq!(stamps[..3], [BOOT_MS, BOOT_MS + 100, BOOT_MS + 200]);
    assert!(c.stop_traffic(id));
    c.step(1_000);
    assert_eq!(c.traffic_stats(id).unwrap().sent, 100);
    assert!(!c.traffic_stats(id).unwrap().running);
    assert_eq!(c.traffic_stats(miss).unwrap().sent, 30);
    // A high rate is batched per tick, and the recent-request ring is bounded.
    let fast = c.start_traffic("http://site.example/", None, 1000);
    c.step(1_000);
    assert_eq!(c.traffic_stats(fast).unwrap().sent, 1000);
    assert_eq!(c.recent_requests().count(), RECENT_REQUESTS);
    let ids: Vec<u64> = c.recent_requests().map(|r| r.id).collect();
    assert!(ids.windows(2).all(|w| w[1] == w[0] + 1));
    assert!(c.remove_traffic(fast) && c.traffic_stats(fast).is_none());
}

#[test]
fn percentiles_use_the_nearest_rank() {
    let mut s = TrafficStats::default();
    for (latency, count) in [(1u64, 90u64), (5, 5), (40, 5)] {
        s.latencies.insert(latency, count);
        s.sent += count;
    }
    assert_eq!(
        (s.p50(), s.p95(), s.percentile(96), s.percentile(100)),
        (Some(1), Some(5), Some(40), Some(40))
    );
    assert_eq!(TrafficStats::default().p50(), None);
}

#[test]
fn explanations_read_as_text() {
    let mut c = cluster(1);
    web(&mut c, "");
    ingress(
        &mut c,
        "site",
        &format!(
            "  rules:\n{}{}",
            rule("site.example", &[("/app", "Prefix", "web")]),
            rule("other.example", &[("/", "Prefix", "web")])
        ),
    );
    let e = c.explain_route(&Request::get("http://site.example/app/x?y=1"));
    assert_eq!(
        e.lines(),
        [
            "Request: http://site.example/app/x?y=1",
            "Entry: site.example resolves to the ingress controller (172.18.255.200); 172.18.255.200:80 is the ingress controller (ingress-nginx)",
            "Ingress controller: host site.example path /app/x → server site.example, location /app/",
            "  default/site site.example/app (Prefix) → web:80: matched",
            "  default/site other.example/ (Prefix) → web:80: host does not match",
            "Service default/web port 80 → targetPort http",
            "  default/web-1 10.244.1.2:80 on node-1 (ready)",
            "  default/web-2 10.244.2.2:80 on node-2 (ready)",
            "  default/web-3 10.244.3.2:80 on node-3 (ready)",
            "→ one of: default/web-1, default/web-2, default/web-3",
        ]
    );
    let e = c.explain_route(&Request::get("http://site.example/application"));
    assert_eq!(e.verdict, Verdict::NotFound);
    assert_eq!(
        e.ingress.unwrap().rules[0].verdict,
        RuleVerdict::PathMismatch
    );
    let e = c.explain_route(&Request::get("http://site.example/app"));
    assert_eq!(e.ingress.unwrap().location, "= /app");
    // Explaining sends nothing.
    assert!(c.status_counts().is_empty() && c.recent_requests().next().is_none());
}

#[test]
fn node_ip_port_80_reaches_the_ingress_controller() {
    let mut c = cluster(1);
    let r = c.send_request(&Request::get("http://172.18.0.4/").with_host("nothing.example"));
    assert_eq!(r.status, 404);
    assert_eq!(
        r.hops[0],
        Hop::Node {
            node: "node-2".into(),
            port: 80
        }
    );
    let r = c.send_request(&Request::get("http://172.18.255.200:8080/"));
    assert_eq!(
        r.body,
        "curl: (28) Failed to connect to 172.18.255.200 port 8080 after 127000 ms: Could not connect to server"
    );
}

#[test]
fn the_default_cluster_has_the_nginx_ingress_class() {
    let c = Cluster::new(1);
    let ic = c.store.get_named(res("IngressClass"), "", "nginx").unwrap();
    assert_eq!(
        ic.str_at(&["spec", "controller"]),
        Some("k8s.io/ingress-nginx")
    );
    assert_eq!(
        ic.at(&["metadata", "annotations"])
            .get("ingressclass.kubernetes.io/is-default-class"),
        &Value::str("true")
    );
    // It does not move the random sequence other components see.
    let with = Cluster::new(9);
    let mut without = Cluster::empty(9);
    let mut cp = crate::cluster::NodeOptions::worker("control-plane");
    cp.control_plane = true;
    cp.taints.push(crate::cluster::Taint {
        key: "node-role.kubernetes.io/control-plane".into(),
        value: String::new(),
        effect: "NoSchedule".into(),
    });
    without.add_node(cp).unwrap();
    for i in 1..=3 {
        without
            .add_node(crate::cluster::NodeOptions::worker(&format!("node-{i}")))
            .unwrap();
    }
    without.settle();
    assert_eq!(with.rng, without.rng);
    assert!(
        without
            .store
            .get_named(res("IngressClass"), "", "nginx")
            .is_none()
    );
}

#[test]
fn named_ports_pick_the_endpoint_port_of_the_same_name() {
    let mut c = cluster(1);
    let svc = create(
        &mut c,
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: app\n  namespace: default\nspec:\n  selector: {app: app}\n  ports:\n  - name: http\n    port: 80\n    targetPort: http\n  - name: metrics\n    port: 9090\n    targetPort: 9100\n",
    );
    let ip = svc.str_at(&["spec", "clusterIP"]).unwrap().to_string();
    pod(&mut c, "app", "app-1", "node-1", "10.244.1.7", true);
    create(
        &mut c,
        "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: app-x2k9p\n  namespace: default\n  labels:\n    kubernetes.io/service-name: app\naddressType: IPv4\nports:\n- name: http\n  port: 80\n  protocol: TCP\n- name: metrics\n  port: 9100\n  protocol: TCP\nendpoints:\n- addresses: [\"10.244.1.7\"]\n  conditions: {ready: true, serving: true, terminating: false}\n  nodeName: node-1\n  targetRef: {kind: Pod, name: app-1, namespace: default}\n",
    );
    let e = c.explain_route(&Request::get(&format!("http://{ip}:9090/metrics")));
    let s = e.service.unwrap();
    assert_eq!((s.port, s.target_port.as_str()), (Some(9090), "9100"));
    assert_eq!(
        s.endpoints
            .iter()
            .map(|e| (e.address.as_str(), e.port))
            .collect::<Vec<_>>(),
        [("10.244.1.7", 9100)]
    );
    // An Ingress backend naming the port reaches the same endpoint port.
    ingress(
        &mut c,
        "metrics",
        "  rules:\n  - host: m.example\n    http:\n      paths:\n      - path: /\n        pathType: Prefix\n        backend:\n          service:\n            name: app\n            port:\n              name: metrics\n",
    );
    let e = c.explain_route(&Request::get("http://m.example/"));
    let s = e.service.unwrap();
    assert_eq!((s.port, s.requested_port.as_str()), (Some(9090), "metrics"));
    assert_eq!(
        e.verdict,
        Verdict::Forwarded {
            pods: vec!["default/app-1".into()]
        }
    );
    let r = c.send_request(&Request::get("http://m.example/"));
    assert_eq!(
        r.hops[1..3],
        [
            Hop::Ingress {
                ingress: "default/metrics".into(),
                rule: "m.example/ (Prefix)".into()
            },
            Hop::Service {
                service: "default/app".into(),
                port: 9090
            }
        ]
    );
}

#[test]
fn a_prefix_with_a_trailing_slash_redirects_the_bare_path() {
    let mut c = cluster(1);
    ingress(
        &mut c,
        "docs",
        &format!(
            "  rules:\n{}",
            rule("docs.example", &[("/guide/", "Prefix", "web")])
        ),
    );
    let r = c.send_request(&Request::get("http://docs.example/guide"));
    assert_eq!(
        (r.status, r.body.as_str()),
        (
            301,
            "<html>\r\n<head><title>301 Moved Permanently</title></head>\r\n<body>\r\n<center><h1>301 Moved Permanently</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
        )
    );
    let e = c.explain_route(&Request::get("http://docs.example/guide"));
    assert_eq!(
        e.verdict,
        Verdict::Redirect {
            location: "/guide/".into()
        }
    );
    assert_eq!(
        e.ingress.unwrap().rules[0].verdict,
        RuleVerdict::Redirect {
            location: "/guide/".into()
        }
    );
}

#[test]
fn odd_requests_get_answers_not_panics() {
    let mut c = cluster(1);
    web(&mut c, "");
    for url in [
        "",
        " ",
        "http://",
        "://",
        "http://:80",
        "http://a:b/",
        "http://%%%/%",
        "http://x/%zz%4",
        "http://[",
        "http://@/",
        "http://[::1]/",
        "http://10.96.0.1:0/",
        "http://é.example/ü?ö#ä",
        "HTTP://SITE.EXAMPLE//a//b",
        "http://web.svc",
        "http://.svc.cluster.local/",
    ] {
        let req = Request::get(url).with_host("\u{0}:::");
        let r = c.send_request(&req);
        let e = c.explain_route(&req);
        assert!(!e.lines().is_empty(), "{url}");
        if r.status == 0 {
            assert!(r.body.starts_with("curl: ("), "{url}: {}", r.body);
        }
    }
    assert_eq!(
        c.send_request(&Request::get("")).body,
        "curl: (3) URL rejected: No host part in the URL"
    );
}

/// A NetworkPolicy in `default` with this spec.
fn network_policy(c: &mut Cluster, name: &str, spec: &str) {
    create(
        c,
        &format!(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: {name}\n  namespace: default\nspec:\n{spec}"
        ),
    );
}

/// Whether a connection from `from` to pod `default/to` on `port` passes.
fn passes(c: &Cluster, from: &policy::Peer, to: &str, port: i64, protocol: &str) -> bool {
    let opener = match from {
        policy::Peer::Pod(k) => Some(k),
        _ => None,
    };
    let to = policy::Peer::Pod(ObjectKey::new(res("Pod"), "default", to));
    policy::judge(c, opener, from, &to, port, protocol).is_ok()
}

fn pod_peer(ns: &str, name: &str) -> policy::Peer {
    policy::Peer::Pod(ObjectKey::new(res("Pod"), ns, name))
}

#[test]
fn network_policies_isolate_the_pods_they_select_and_allow_what_a_rule_matches() {
    let mut c = cluster(1);
    pod(&mut c, "web", "web-1", "node-1", "10.244.1.2", true);
    pod(&mut c, "client", "client", "node-2", "10.244.2.5", true);
    pod(&mut c, "other", "other", "node-2", "10.244.2.6", true);
    create(
        &mut c,
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team\n  labels: {project: myproject}\n",
    );
    create(
        &mut c,
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: probe\n  namespace: team\n  labels: {app: client}\nspec:\n  containers:\n  - name: c\n    image: busybox\n",
    );
    let outside = policy::Peer::Address(CLIENT_IP.into());
    let client = pod_peer("default", "client");
    let other = pod_peer("default", "other");
    let team = pod_peer("team", "probe");
    // No policy: everything passes.
    assert!(passes(&c, &outside, "web-1", 80, "TCP"));
    // Selected by a policy, the pod takes only what its rules allow:
    // a podSelector peer is a pod of the policy's namespace.
    network_policy(
        &mut c,
        "web",
        "  podSelector: {matchLabels: {app: web}}\n  ingress:\n  - from:\n    - podSelector: {matchLabels: {app: client}}\n    ports:\n    - port: http\n    - port: 8000\n      endPort: 8080\n",
    );
    let stored = c
        .store
        .get_named(res("NetworkPolicy"), "default", "web")
        .unwrap()
        .clone();
    assert_eq!(
        stored.at(&["spec", "policyTypes"]),
        &Value::array(vec![Value::str("Ingress")])
    );
    assert!(passes(&c, &client, "web-1", 80, "TCP"));
    assert!(passes(&c, &client, "web-1", 8080, "TCP"));
    assert!(!passes(&c, &client, "web-1", 8081, "TCP"));
    assert!(!passes(&c, &client, "web-1", 80, "UDP"));
    assert!(!passes(&c, &other, "web-1", 80, "TCP"));
    assert!(!passes(&c, &team, "web-1", 80, "TCP"));
    assert!(!passes(&c, &outside, "web-1", 80, "TCP"));
    // Pods it does not select are not isolated.
    assert!(passes(&c, &outside, "client", 80, "TCP"));
    // A second policy adds: a namespace by its labels, and an ipBlock
    // (which holds pod addresses too) minus its except.
    network_policy(
        &mut c,
        "more",
        "  podSelector: {}\n  ingress:\n  - from:\n    - namespaceSelector: {matchLabels: {project: myproject}}\n    - ipBlock:\n        cidr: 10.244.2.0/24\n        except: [10.244.2.5/32]\n",
    );
    assert!(passes(&c, &team, "web-1", 9999, "TCP"));
    assert!(passes(&c, &other, "web-1", 9999, "TCP"));
    assert!(!passes(&c, &client, "web-1", 9999, "TCP"));
    // Now every pod is isolated; the client takes nothing from outside.
    assert!(!passes(&c, &outside, "client", 80, "TCP"));
    let denied = policy::judge(
        &c,
        None,
        &outside,
        &pod_peer("default", "client"),
        80,
        "TCP",
    )
    .unwrap_err();
    assert_eq!(
        (denied.direction, denied.pod.as_str(), denied.policies),
        (
            "Ingress",
            "default/client",
            vec!["default/more".to_string()]
        )
    );
}

#[test]
fn egress_policies_judge_the_pod_that_opens_the_connection() {
    let mut c = cluster(1);
    pod(&mut c, "web", "web-1", "node-1", "10.244.1.2", true);
    pod(&mut c, "client", "client", "node-2", "10.244.2.5", true);
    let client = pod_peer("default", "client");
    // Egress only: the client's ingress stays open.
    network_policy(
        &mut c,
        "client-out",
        "  podSelector: {matchLabels: {app: client}}\n  policyTypes: [Egress]\n  egress:\n  - to:\n    - podSelector: {matchLabels: {app: web}}\n    ports:\n    - port: http\n",
    );
    assert!(passes(&c, &client, "web-1", 80, "TCP"));
    assert!(!passes(&c, &client, "web-1", 81, "TCP"));
    assert!(passes(
        &c,
        &policy::Peer::Address(CLIENT_IP.into()),
        "client",
        80,
        "TCP"
    ));
    // DNS is a packet like any other: CoreDNS is not among the allowed.
    let key = ObjectKey::new(res("Pod"), "default", "client");
    let coredns_runs = c.store.list(res("Pod"), Some("kube-system")).any(|(_, p)| {
        p.str_at(&["metadata", "labels", "k8s-app"]) == Some("kube-dns")
            && crate::controllers::endpoints::pod_ip(p).is_some()
    });
    assert!(coredns_runs);
    assert!(!dns_reachable(&c, &key));
    // Any request of the pod by name waits out its resolver.
    let r = c
        .send_request(&Request::get("http://web.default.svc.cluster.local/").from_pod(key.clone()));
    assert_eq!(
        (r.status, r.body.as_str(), r.latency_ms),
        (
            0,
            "curl: (6) Could not resolve host: web.default.svc.cluster.local",
            RESOLVER_TIMEOUT_MS
        )
    );
    // curl's limits bound the resolver too.
    let args: Vec<String> = ["--connect-timeout", "2", "http://web/"]
        .iter()
        .map(|a| a.to_string())
        .collect();
    assert_eq!(
        crate::script::curl_code(&mut c, &args, Some(&key), true),
        (
            28,
            crate::kubelet::to_stderr("curl: (28) Resolving timed out after 2000 milliseconds\n"),
            2000
        )
    );
    network_policy(
        &mut c,
        "dns",
        "  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - ports:\n    - protocol: UDP\n      port: 53\n",
    );
    assert!(dns_reachable(&c, &key));
    // Pods on the host network are never isolated.
    create(
        &mut c,
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: host\n  namespace: default\n  labels: {app: client}\nspec:\n  hostNetwork: true\n  containers:\n  - name: c\n    image: busybox\n",
    );
    network_policy(&mut c, "deny", "  podSelector: {}\n");
    assert!(passes(
        &c,
        &policy::Peer::Address(CLIENT_IP.into()),
        "host",
        80,
        "TCP"
    ));
}

#[test]
fn dropped_connections_time_out_and_ingress_nginx_gives_up_with_504() {
    let mut c = cluster(1);
    web(&mut c, "  type: NodePort\n");
    let node_port = c
        .store
        .get_named(res("Service"), "default", "web")
        .and_then(|s| {
            s.at(&["spec", "ports"])
                .items()
                .next()?
                .get("nodePort")
                .as_i64()
        })
        .unwrap();
    ingress(
        &mut c,
        "web",
        &format!(
            "  rules:\n{}",
            rule("web.example", &[("/", "Prefix", "web")])
        ),
    );
    network_policy(&mut c, "deny", "  podSelector: {}\n");
    // Through a NodePort from outside: the SYN is dropped.
    let r = c.send_request(&Request::get(&format!("http://172.18.0.3:{node_port}/")));
    assert_eq!(
        (r.status, r.body, r.latency_ms),
        (
            0,
            format!(
                "curl: (28) Failed to connect to 172.18.0.3 port {node_port} after 127000 ms: Could not connect to server"
            ),
            127_000
        )
    );
    assert!(!r.hops.iter().any(|h| matches!(h, Hop::Pod { .. })));
    // Through ingress-nginx: three tries of proxy-connect-timeout, then 504.
    let r = c.send_request(&Request::get("http://web.example/"));
    assert_eq!((r.status, r.latency_ms >= 15_000), (504, true));
    let e = c.explain_route(&Request::get("http://web.example/"));
    assert_eq!(e.verdict, Verdict::GatewayTimeout);
    assert_eq!(
        e.policies[0],
        "NetworkPolicy default/deny isolates default/web-1 for ingress; no rule allows this connection: dropped"
    );
    // A root shell on a pod's own node is not judged: the in-cluster
    // client is node-1, where web-1 runs (these pods, played by hand,
    // answer with their names).
    let r = c.send_request(&Request::get("http://10.244.1.2/"));
    assert_eq!((r.status, r.body.as_str()), (200, "web-1\n"));
    let r = c.send_request(&Request::get("http://10.244.2.2/"));
    assert!(r.body.starts_with("curl: (28)"), "{}", r.body);
    // Let the ingress controller's namespace in.
    network_policy(
        &mut c,
        "from-ingress",
        "  podSelector: {}\n  ingress:\n  - from:\n    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress-nginx}}\n",
    );
    let r = c.send_request(&Request::get("http://web.example/"));
    assert!(pods_of(&r).is_some() && r.latency_ms < 1000);
    assert!(
        c.explain_route(&Request::get("http://web.example/"))
            .policies
            .is_empty()
    );
}

#[test]
fn a_policy_without_pod_selector_selects_every_pod_and_host_network_pods_are_addresses() {
    let mut c = cluster(1);
    pod(&mut c, "web", "web-1", "node-1", "10.244.1.2", true);
    create(
        &mut c,
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: host\n  namespace: default\n  labels: {app: client}\nspec:\n  hostNetwork: true\n  nodeName: node-2\n  containers:\n  - name: c\n    image: busybox\n",
    );
    let key = ObjectKey::new(res("Pod"), "default", "host");
    let mut status = c.store.get(&key).unwrap().get("status").clone();
    status.set("podIP", Value::str("172.18.0.4"));
    c.update_status(&key, status).unwrap();
    // No podSelector: `{}` (every pod), as the API decodes it.
    network_policy(
        &mut c,
        "clients",
        "  ingress:\n  - from:\n    - podSelector: {matchLabels: {app: client}}\n    - ipBlock: {cidr: 172.18.0.3/32}\n",
    );
    let stored = c
        .store
        .get_named(res("NetworkPolicy"), "default", "clients")
        .unwrap()
        .clone();
    assert_eq!(stored.at(&["spec", "podSelector"]), &Value::object());
    // The host-network pod carries app=client, but it is its node's
    // address to the policy: only an ipBlock could match it.
    let host = pod_peer("default", "host");
    assert!(!passes(&c, &host, "web-1", 80, "TCP"));
    network_policy(
        &mut c,
        "node-2",
        "  ingress:\n  - from:\n    - ipBlock: {cidr: 172.18.0.4/32}\n",
    );
    assert!(passes(&c, &host, "web-1", 80, "TCP"));
}
