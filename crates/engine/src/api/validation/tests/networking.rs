//! Ingresses and IngressClasses.

use super::*;

fn ing(spec: &str) -> Vec<String> {
    create("Ingress", &format!("metadata: {{name: i}}\nspec:\n{spec}"))
}

fn rule(path: &str) -> String {
    format!("  rules:\n  - host: example.com\n    http:\n      paths:\n      - {path}\n")
}

#[test]
fn rules_or_default_backend() {
    assert_eq!(
        create("Ingress", "metadata: {name: i}\nspec: {}"),
        vec![
            "spec: Invalid value: []networking.IngressRule(nil): either `defaultBackend` or `rules` must be specified"
        ]
    );
    assert!(ing("  defaultBackend: {service: {name: web, port: {number: 80}}}").is_empty());
    let e = ing("  rules: [{host: example.com, http: {paths: []}}]");
    assert_eq!(e, vec!["spec.rules[0].http.paths: Required value"]);
}

#[test]
fn paths() {
    let e = ing(&rule(
        "{path: /, backend: {service: {name: web, port: {number: 80}}}}",
    ));
    assert_eq!(
        e,
        vec!["spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified"]
    );
    let e = ing(&rule(
        "{path: /, pathType: Regex, backend: {service: {name: web, port: {number: 80}}}}",
    ));
    assert_eq!(
        e,
        vec![
            "spec.rules[0].http.paths[0].pathType: Unsupported value: \"Regex\": supported values: \"Exact\", \"ImplementationSpecific\", \"Prefix\""
        ]
    );
    let e = ing(&rule(
        "{path: api//v1/., pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}",
    ));
    assert_eq!(
        e,
        vec![
            "spec.rules[0].http.paths[0].path: Invalid value: \"api//v1/.\": must be an absolute path",
            "spec.rules[0].http.paths[0].path: Invalid value: \"api//v1/.\": must not contain '//'",
            "spec.rules[0].http.paths[0].path: Invalid value: \"api//v1/.\": cannot end with '/.'",
        ]
    );
    assert!(ing(&rule("{pathType: ImplementationSpecific, backend: {service: {name: web, port: {number: 80}}}}")).is_empty());
}

#[test]
fn backends() {
    let e = ing(&rule("{path: /, pathType: Prefix, backend: {}}"));
    assert_eq!(
        e,
        vec![
            "spec.rules[0].http.paths[0].backend: Invalid value: \"\": resource or service backend is required"
        ]
    );
    let e = ing(&rule(
        "{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}, resource: {kind: K, name: n}}}",
    ));
    assert_eq!(
        e,
        vec![
            "spec.rules[0].http.paths[0].backend: Invalid value: \"\": cannot set both resource and service backends"
        ]
    );
    let e = ing(&rule(
        "{path: /, pathType: Prefix, backend: {service: {name: Web, port: {name: http, number: 80}}}}",
    ));
    assert_eq!(
        e,
        vec![
            "spec.rules[0].http.paths[0].backend.service.name: Invalid value: \"Web\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
            "spec.rules[0].http.paths[0].backend: Invalid value: \"\": cannot set both port name & port number",
        ]
    );
    let e = ing(&rule(
        "{path: /, pathType: Prefix, backend: {service: {name: web}}}",
    ));
    assert_eq!(
        e,
        vec![
            "spec.rules[0].http.paths[0].backend: Required value: port name or number is required"
        ]
    );
    let e = ing(&rule(
        "{path: /, pathType: Prefix, backend: {service: {port: {number: 70000}}}}",
    ));
    assert_eq!(
        e,
        vec![
            "spec.rules[0].http.paths[0].backend.service.name: Required value",
            "spec.rules[0].http.paths[0].backend.service.port.number: Invalid value: 70000: must be between 1 and 65535, inclusive",
        ]
    );
}

#[test]
fn hosts_tls_and_classes() {
    let e = ing("  rules: [{host: 10.0.0.1}, {host: '*.*.example.com'}, {host: '*.example.com'}]");
    assert_eq!(
        e,
        vec![
            "spec.rules[0].host: Invalid value: \"10.0.0.1\": must be a DNS name, not an IP address",
            "spec.rules[1].host: Invalid value: \"*.*.example.com\": a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
        ]
    );
    let e = create(
        "Ingress",
        "metadata: {name: i, annotations: {kubernetes.io/ingress.class: nginx}}\nspec: {ingressClassName: traefik, defaultBackend: {service: {name: web, port: {number: 80}}}}",
    );
    assert_eq!(
        e,
        vec![
            "annotations.kubernetes.io/ingress.class: Invalid value: \"nginx\": must match `ingressClassName` when both are specified"
        ]
    );
    let e = ing(
        "  defaultBackend: {service: {name: web, port: {number: 80}}}\n  tls: [{hosts: [Example.com], secretName: My_Secret}]",
    );
    assert_eq!(e.len(), 2);
    assert!(e[0].starts_with(
        "spec.tls[0].hosts[0]: Invalid value: \"Example.com\": a lowercase RFC 1123 subdomain"
    ));
    assert!(e[1].starts_with(
        "spec.tls[0].secretName: Invalid value: \"My_Secret\": a lowercase RFC 1123 subdomain"
    ));
}

#[test]
fn ingress_classes() {
    assert!(
        create(
            "IngressClass",
            "metadata: {name: nginx}\nspec: {controller: k8s.io/ingress-nginx}"
        )
        .is_empty()
    );
    let e = create(
        "IngressClass",
        "metadata: {name: nginx}\nspec: {controller: nginx}",
    );
    assert_eq!(
        e,
        vec![
            "spec.controller: Invalid value: \"nginx\": must be a domain-prefixed path (such as \"acme.io/foo\")"
        ]
    );
    let e = create("IngressClass", "metadata: {name: nginx}\nspec: {}");
    assert_eq!(e, vec!["spec.controller: Required value"]);
    let e = create(
        "IngressClass",
        "metadata: {name: nginx}\nspec: {controller: example.com/a b}",
    );
    assert_eq!(
        e,
        vec![
            "spec.controller: Invalid value: \"a b\": Invalid path (regex used for validation is '[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+')"
        ]
    );
    let e = update(
        "IngressClass",
        "metadata: {name: nginx}\nspec: {controller: k8s.io/ingress-nginx}",
        "metadata: {name: nginx}\nspec: {controller: example.com/other}",
    );
    assert_eq!(
        e,
        vec!["spec.controller: Invalid value: \"example.com/other\": field is immutable"]
    );
    let e = create(
        "IngressClass",
        "metadata: {name: nginx}\nspec: {controller: k8s.io/ingress-nginx, parameters: {kind: Params, name: p, scope: Namespace}}",
    );
    assert_eq!(
        e,
        vec!["spec.parameters.namespace: Required value: `parameters.scope` is set to 'Namespace'"]
    );
}
