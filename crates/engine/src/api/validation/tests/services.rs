//! Services.

use super::*;

fn svc(spec: &str) -> Vec<String> {
    create(
        "Service",
        &format!("metadata: {{name: web}}\nspec:\n{spec}"),
    )
}

#[test]
fn service_names_are_dns_1035_labels() {
    let e = create(
        "Service",
        "metadata: {name: 1web}\nspec: {ports: [{port: 80}]}",
    );
    assert_eq!(
        e,
        vec![
            "metadata.name: Invalid value: \"1web\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
        ]
    );
}

#[test]
fn ports() {
    assert_eq!(
        svc("  selector: {app: web}"),
        vec!["spec.ports: Required value"]
    );
    // Headless and ExternalName services need no ports.
    assert!(svc("  clusterIP: None\n  selector: {app: web}").is_empty());
    let e = svc(
        "  ports: [{port: 0, protocol: HTTP}, {port: 80, name: web, targetPort: Web}, {port: 81, name: web}]",
    );
    assert_eq!(
        e,
        vec![
            "spec.ports[0].name: Required value",
            "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
            "spec.ports[0].protocol: Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\"",
            "spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive",
            "spec.ports[1].targetPort: Invalid value: \"Web\": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
            "spec.ports[2].name: Duplicate value: \"web\"",
        ]
    );
    let e = svc("  ports: [{port: 80, name: a}, {port: 80, name: b}]");
    assert_eq!(
        e,
        vec![
            "spec.ports[1]: Duplicate value: core.ServicePort{Name:\"\", Protocol:\"TCP\", AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}, NodePort:0}"
        ]
    );
    let e = svc("  ports: [{port: 80, nodePort: 30080}]");
    assert_eq!(
        e,
        vec!["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"]
    );
    let e = svc(
        "  type: NodePort\n  ports: [{port: 80, nodePort: 30080, name: a}, {port: 81, nodePort: 30080, name: b}]",
    );
    assert_eq!(e, vec!["spec.ports[1].nodePort: Duplicate value: 30080"]);
}

#[test]
fn types_and_policies() {
    let e = svc("  type: Internal\n  ports: [{port: 80}]");
    assert_eq!(
        e,
        vec![
            "spec.type: Unsupported value: \"Internal\": supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\""
        ]
    );
    let e = svc("  type: ExternalName\n  externalName: Example.COM");
    assert_eq!(
        e,
        vec![
            "spec.externalName: Invalid value: \"Example.COM\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
        ]
    );
    assert!(svc("  type: ExternalName\n  externalName: example.com.").is_empty());
    let e = svc("  type: ExternalName");
    assert_eq!(e, vec!["spec.externalName: Required value"]);
    let e = svc("  type: LoadBalancer\n  clusterIP: None\n  ports: [{port: 10250}]");
    assert_eq!(
        e,
        vec![
            "spec.ports[0]: Invalid value: 10250: may not expose port 10250 externally since it is used by kubelet",
            "spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for LoadBalancer services",
        ]
    );
    let e = svc(
        "  sessionAffinity: Sticky\n  externalTrafficPolicy: Local\n  internalTrafficPolicy: Node\n  ports: [{port: 80}]",
    );
    assert_eq!(
        e,
        vec![
            "spec.sessionAffinity: Unsupported value: \"Sticky\": supported values: \"ClientIP\", \"None\"",
            "spec.externalTrafficPolicy: Invalid value: \"Local\": may only be set for externally-accessible services",
            "spec.internalTrafficPolicy: Unsupported value: \"Node\": supported values: \"Cluster\", \"Local\"",
        ]
    );
    let e = svc("  clusterIP: 10.0.0.300\n  ports: [{port: 80}]\n  externalIPs: [127.0.0.1]");
    assert_eq!(
        e,
        vec![
            "spec.clusterIPs[0]: Invalid value: \"10.0.0.300\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
            "spec.externalIPs[0]: Invalid value: \"127.0.0.1\": may not be in the loopback range (127.0.0.0/8, ::1/128)",
        ]
    );
    let e = svc("  selector: {app: 'a b'}\n  ports: [{port: 80}]");
    assert_eq!(e.len(), 1);
    assert!(e[0].starts_with("spec.selector: Invalid value: \"a b\": a valid label must be"));
}

#[test]
fn cluster_ips_are_immutable() {
    let old = "metadata: {name: web}\nspec: {clusterIP: 10.96.0.10, ports: [{port: 80}]}";
    let new = "metadata: {name: web}\nspec: {clusterIP: 10.96.0.11, ports: [{port: 80}]}";
    let e = update("Service", old, new);
    assert_eq!(
        e,
        vec![
            "spec.clusterIPs[0]: Invalid value: []string{\"10.96.0.11\"}: may not change once set"
        ]
    );
    assert!(update("Service", old, old).is_empty());
}
