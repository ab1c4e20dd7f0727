//! Object metadata, Secrets, ConfigMaps, Namespaces, Nodes, Endpoints.

use super::*;

const SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

#[test]
fn names_follow_their_kind() {
    let e = create("ConfigMap", "metadata: {name: My_Config}");
    assert_eq!(
        e,
        vec![format!(
            "metadata.name: Invalid value: \"My_Config\": {SUBDOMAIN_MSG}"
        )]
    );
    let e = create("Namespace", "metadata: {name: team.a}");
    assert_eq!(
        e,
        vec!["metadata.name: Invalid value: \"team.a\": must not contain dots"]
    );
    let e = create("Namespace", "metadata: {name: Team}");
    assert_eq!(
        e,
        vec![format!(
            "metadata.name: Invalid value: \"Team\": {LABEL_MSG}"
        )]
    );
    let e = create("ConfigMap", "metadata: {}");
    assert_eq!(
        e,
        vec!["metadata.name: Required value: name or generateName is required"]
    );
    // A generateName is checked as a prefix (a trailing dash is fine).
    assert!(create("ConfigMap", "metadata: {generateName: web-}").is_empty());
    let e = create("ConfigMap", "metadata: {generateName: Web-}");
    assert_eq!(
        e,
        vec![format!(
            "metadata.generateName: Invalid value: \"Web-\": {SUBDOMAIN_MSG}"
        )]
    );
    let long = "a".repeat(254);
    let e = create("ConfigMap", &format!("metadata: {{name: {long}}}"));
    assert_eq!(
        e[0],
        format!("metadata.name: Invalid value: \"{long}\": must be no more than 253 characters")
    );
}

#[test]
fn namespaces_of_namespaced_objects() {
    let mut cm = load("metadata: {name: c, namespace: Bad_NS}");
    apply_defaults(by_kind("ConfigMap").unwrap(), &mut cm);
    let e: Vec<String> = validate(by_kind("ConfigMap").unwrap(), &cm, None)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        e,
        vec![format!(
            "metadata.namespace: Invalid value: \"Bad_NS\": {LABEL_MSG}"
        )]
    );
    let cm = load("metadata: {name: c}");
    let e = validate(by_kind("ConfigMap").unwrap(), &cm, None);
    assert_eq!(e[0].to_string(), "metadata.namespace: Required value");
}

#[test]
fn labels_and_annotations() {
    let e = create(
        "ConfigMap",
        "metadata: {name: c, labels: {'app/x/y': a, ok: 'bad value'}}",
    );
    assert_eq!(
        e,
        vec![
            "metadata.labels: Invalid value: \"app/x/y\": a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
            "metadata.labels: Invalid value: \"bad value\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
        ]
    );
    let long = "x".repeat(64);
    let e = create(
        "ConfigMap",
        &format!("metadata: {{name: c, labels: {{a: {long}}}}}"),
    );
    assert_eq!(
        e[0],
        format!("metadata.labels: Invalid value: \"{long}\": must be no more than 63 characters")
    );
    // Annotation keys are checked lower-cased, and the total size capped.
    assert!(
        create(
            "ConfigMap",
            "metadata: {name: c, annotations: {Example.COM/Key: v}}"
        )
        .is_empty()
    );
    let big = "v".repeat(262_144);
    let e = create(
        "ConfigMap",
        &format!("metadata: {{name: c, annotations: {{k: {big}}}}}"),
    );
    assert_eq!(
        e,
        vec!["metadata.annotations: Too long: must have at most 262144 bytes"]
    );
    let e = create("ConfigMap", "metadata: {name: c, finalizers: [foo]}");
    assert_eq!(
        e,
        vec![
            "metadata.finalizers[0]: Invalid value: \"foo\": name is neither a standard finalizer name nor is it fully qualified"
        ]
    );
}

#[test]
fn immutable_metadata_on_update() {
    let e = update(
        "ConfigMap",
        "metadata: {name: a, uid: '1'}",
        "metadata: {name: a, uid: '2'}",
    );
    assert_eq!(
        e,
        vec!["metadata.uid: Invalid value: \"2\": field is immutable"]
    );
    let e = update(
        "ConfigMap",
        "metadata: {name: a, generation: 3}",
        "metadata: {name: a, generation: 2}",
    );
    assert_eq!(
        e,
        vec!["metadata.generation: Invalid value: 2: must not be decremented"]
    );
}

#[test]
fn secrets() {
    let e = create("Secret", "metadata: {name: s}\ndata: {'bad key': YQ==}");
    assert_eq!(
        e,
        vec![
            "data[bad key]: Invalid value: \"bad key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"
        ]
    );
    let e = create(
        "Secret",
        "metadata: {name: s}\ntype: kubernetes.io/dockerconfigjson\ndata: {}",
    );
    assert_eq!(e, vec!["data[.dockerconfigjson]: Required value"]);
    // `e30K` is "{}\n"; `bm9wZQ==` is "nope".
    assert!(create("Secret", "metadata: {name: s}\ntype: kubernetes.io/dockerconfigjson\ndata: {.dockerconfigjson: e30K}").is_empty());
    let e = create(
        "Secret",
        "metadata: {name: s}\ntype: kubernetes.io/dockerconfigjson\ndata: {.dockerconfigjson: bm9wZQ==}",
    );
    assert_eq!(
        e,
        vec![
            "data[.dockerconfigjson]: Invalid value: \"<secret contents redacted>\": invalid character 'o' in literal null (expecting 'u')"
        ]
    );
    let e = create(
        "Secret",
        "metadata: {name: s}\ntype: kubernetes.io/dockerconfigjson\nstringData: {.dockerconfigjson: '[1]'}",
    );
    assert_eq!(
        e,
        vec![
            "data[.dockerconfigjson]: Invalid value: \"<secret contents redacted>\": json: cannot unmarshal array into Go value of type map[string]interface {}"
        ]
    );
    let e = create(
        "Secret",
        "metadata: {name: s}\ntype: kubernetes.io/tls\ndata: {tls.crt: YQ==}",
    );
    assert_eq!(e, vec!["data[tls.key]: Required value"]);
    let e = create(
        "Secret",
        "metadata: {name: s}\ntype: kubernetes.io/basic-auth",
    );
    assert_eq!(
        e,
        vec![
            "data[username]: Required value",
            "data[password]: Required value"
        ]
    );
    let big = "QUFB".repeat(350_000);
    let e = create(
        "Secret",
        &format!("metadata: {{name: s}}\ndata: {{a: {big}}}"),
    );
    assert_eq!(e, vec!["data: Too long: must have at most 1048576 bytes"]);
}

#[test]
fn immutable_secrets_and_configmaps() {
    let e = update(
        "Secret",
        "metadata: {name: s}\nimmutable: true\ndata: {a: YQ==}",
        "metadata: {name: s}\nimmutable: true\ndata: {a: Yg==}",
    );
    assert_eq!(
        e,
        vec!["data: Forbidden: field is immutable when `immutable` is set"]
    );
    let e = update(
        "Secret",
        "metadata: {name: s}\ntype: Opaque",
        "metadata: {name: s}\ntype: kubernetes.io/tls\ndata: {tls.crt: YQ==, tls.key: YQ==}",
    );
    assert_eq!(
        e,
        vec!["type: Invalid value: \"kubernetes.io/tls\": field is immutable"]
    );
    let e = update(
        "ConfigMap",
        "metadata: {name: c}\nimmutable: true\ndata: {a: b}",
        "metadata: {name: c}\ndata: {a: b}",
    );
    assert_eq!(
        e,
        vec!["immutable: Forbidden: field is immutable when `immutable` is set"]
    );
}

#[test]
fn configmaps() {
    let e = create(
        "ConfigMap",
        "metadata: {name: c}\ndata: {a: x}\nbinaryData: {a: eA==}",
    );
    assert_eq!(
        e,
        vec!["data[a]: Invalid value: \"a\": duplicate of key present in binaryData"]
    );
    let big = "x".repeat(1_048_577);
    let e = create(
        "ConfigMap",
        &format!("metadata: {{name: c}}\ndata: {{a: {big}}}"),
    );
    assert_eq!(e, vec![": Too long: must have at most 1048576 bytes"]);
}

#[test]
fn namespaces_and_nodes() {
    let e = create(
        "Namespace",
        "metadata: {name: dev}\nspec: {finalizers: [custom]}",
    );
    assert_eq!(
        e,
        vec![
            "spec.finalizers: Invalid value: \"custom\": name is neither a standard finalizer name nor is it fully qualified"
        ]
    );
    let e = create(
        "Node",
        "metadata: {name: n1}\nspec: {taints: [{key: a, effect: Bad}, {key: b, effect: NoSchedule}, {key: b, effect: NoSchedule}]}",
    );
    assert_eq!(
        e,
        vec![
            "metadata.taints[0].effect: Unsupported value: \"Bad\": supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\"",
            "metadata.taints[2]: Duplicate value: core.Taint{Key:\"b\", Value:\"\", Effect:\"NoSchedule\", TimeAdded:(*v1.Time)(nil)}: taints must be unique by key and effect pair",
        ]
    );
    let e = create(
        "Node",
        "metadata: {name: n1}\nstatus: {capacity: {cpu: '-1'}}",
    );
    // Allocatable defaults to capacity, so both report.
    assert_eq!(
        e,
        vec![
            "status.capacity.cpu: Invalid value: \"-1\": must be greater than or equal to 0",
            "status.allocatable.cpu: Invalid value: \"-1\": must be greater than or equal to 0",
        ]
    );
}

#[test]
fn endpoints() {
    let e = create(
        "Endpoints",
        "metadata: {name: e}\nsubsets: [{ports: [{port: 80}]}, {addresses: [{ip: 127.0.0.1}], ports: [{port: 0, name: a}, {port: 1}]}]",
    );
    assert_eq!(
        e,
        vec![
            "subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`",
            "subsets[1].addresses[0].ip: Invalid value: \"127.0.0.1\": may not be in the loopback range (127.0.0.0/8, ::1/128)",
            "subsets[1].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
            "subsets[1].ports[1].name: Required value",
        ]
    );
    let e = create(
        "EndpointSlice",
        "metadata: {name: e}\naddressType: IPv4\nendpoints: [{addresses: []}, {addresses: [fe80::1]}]\nports: [{name: http, port: 80}, {name: http, port: 81}]",
    );
    assert_eq!(
        e,
        vec![
            "endpoints[0].addresses: Required value: must contain at least 1 address",
            "endpoints[1].addresses[0]: Invalid value: \"fe80::1\": must be a valid IPv4 address",
            "ports[1].name: Duplicate value: \"http\"",
        ]
    );
}
