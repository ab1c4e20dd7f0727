//! Pod spec rules and pod updates.

use super::*;

fn pod(spec: &str) -> Vec<String> {
    create("Pod", &format!("metadata: {{name: p}}\nspec:\n{spec}"))
}

#[test]
fn containers_are_required_and_unique() {
    assert_eq!(
        pod("  containers: []"),
        vec!["spec.containers: Required value"]
    );
    let e = pod(
        "  containers: [{name: a, image: x}, {name: a, image: y}]\n  initContainers: [{name: a, image: z}]",
    );
    assert_eq!(
        e,
        vec![
            "spec.containers[1].name: Duplicate value: \"a\"",
            "spec.initContainers[0].name: Duplicate value: \"a\"",
        ]
    );
    let e = pod("  containers: [{name: Web_1, image: x}, {name: b}]");
    assert_eq!(
        e,
        vec![
            "spec.containers[0].name: Invalid value: \"Web_1\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
            "spec.containers[1].image: Required value",
        ]
    );
    let e = pod("  containers: [{image: x}]");
    assert_eq!(e, vec!["spec.containers[0].name: Required value"]);
    let e = pod("  containers: [{name: a, image: ' nginx'}]");
    assert_eq!(
        e,
        vec![
            "spec.containers[0].image: Invalid value: \" nginx\": must not have leading or trailing whitespace"
        ]
    );
}

#[test]
fn ports() {
    let e = pod(
        "  containers: [{name: a, image: x, ports: [{containerPort: 70000, name: HTTP}, {containerPort: 80, name: web, protocol: HTTP}, {containerPort: 81, name: web}]}]",
    );
    assert_eq!(
        e,
        vec![
            "spec.containers[0].ports[0].name: Invalid value: \"HTTP\": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
            "spec.containers[0].ports[0].name: Invalid value: \"HTTP\": must contain at least one letter (a-z)",
            "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
            "spec.containers[0].ports[1].protocol: Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\"",
            "spec.containers[0].ports[2].name: Duplicate value: \"web\"",
        ]
    );
    let e = pod("  containers: [{name: a, image: x, ports: [{name: p}]}]");
    assert_eq!(
        e,
        vec!["spec.containers[0].ports[0].containerPort: Required value"]
    );
    let e = pod(
        "  containers: [{name: a, image: x, ports: [{containerPort: 80, hostPort: 8080}]}, {name: b, image: x, ports: [{containerPort: 81, hostPort: 8080}]}]",
    );
    assert_eq!(
        e,
        vec!["spec.containers[1].ports[0].hostPort: Duplicate value: \"TCP//8080\""]
    );
}

#[test]
fn enums() {
    let e = pod(
        "  restartPolicy: Sometimes\n  dnsPolicy: Foo\n  containers: [{name: a, image: x, imagePullPolicy: Maybe, terminationMessagePolicy: X}]",
    );
    assert_eq!(
        e,
        vec![
            "spec.containers[0].terminationMessagePolicy: Unsupported value: \"X\": supported values: \"File\", \"FallbackToLogsOnError\"",
            "spec.containers[0].imagePullPolicy: Unsupported value: \"Maybe\": supported values: \"Always\", \"IfNotPresent\", \"Never\"",
            "spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\"",
            "spec.dnsPolicy: Unsupported value: \"Foo\": supported values: \"ClusterFirstWithHostNet\", \"ClusterFirst\", \"Default\", \"None\"",
        ]
    );
}

#[test]
fn resources() {
    let e = pod(
        "  containers: [{name: a, image: x, resources: {requests: {cpu: '1', memory: 2Gi}, limits: {cpu: 500m, memory: 1Gi}}}]",
    );
    assert_eq!(
        e,
        vec![
            "spec.containers[0].resources.requests: Invalid value: \"1\": must be less than or equal to cpu limit of 500m",
            "spec.containers[0].resources.requests: Invalid value: \"2Gi\": must be less than or equal to memory limit of 1Gi",
        ]
    );
    let e = pod("  containers: [{name: a, image: x, resources: {requests: {cpu: '-1'}}}]");
    assert_eq!(
        e,
        vec![
            "spec.containers[0].resources.requests[cpu]: Invalid value: \"-1\": must be greater than or equal to 0"
        ]
    );
    let e = pod("  containers: [{name: a, image: x, resources: {requests: {example.com/gpu: 1}}}]");
    assert_eq!(
        e,
        vec![
            "spec.containers[0].resources.limits: Required value: Limit must be set for non overcommitable resources"
        ]
    );
    let e = pod(
        "  containers: [{name: a, image: x, resources: {requests: {example.com/gpu: 1}, limits: {example.com/gpu: 2}}}]",
    );
    assert_eq!(
        e,
        vec![
            "spec.containers[0].resources.requests: Invalid value: \"1\": must be equal to example.com/gpu limit of 2"
        ]
    );
    let e = pod(
        "  containers: [{name: a, image: x, resources: {limits: {gpu: 1, example.com/dongle: 500m}}}]",
    );
    assert_eq!(
        e,
        vec![
            "spec.containers[0].resources.limits[example.com/dongle]: Invalid value: 500m: must be an integer",
            "spec.containers[0].resources.limits[gpu]: Invalid value: gpu: must be a standard resource type or fully qualified",
            "spec.containers[0].resources.limits[gpu]: Invalid value: gpu: must be a standard resource for containers",
            "spec.containers[0].resources.requests[example.com/dongle]: Invalid value: 500m: must be an integer",
            "spec.containers[0].resources.requests[gpu]: Invalid value: gpu: must be a standard resource type or fully qualified",
            "spec.containers[0].resources.requests[gpu]: Invalid value: gpu: must be a standard resource for containers",
        ]
    );
}

#[test]
fn probes_and_handlers() {
    let e = pod(
        "  containers: [{name: a, image: x, livenessProbe: {httpGet: {port: 0}, successThreshold: 2, periodSeconds: -1}, readinessProbe: {}, startupProbe: {tcpSocket: {port: Web}}}]",
    );
    assert_eq!(
        e,
        vec![
            "spec.containers[0].livenessProbe.httpGet.port: Invalid value: 0: must be between 1 and 65535, inclusive",
            "spec.containers[0].livenessProbe.periodSeconds: Invalid value: -1: must be greater than or equal to 0",
            "spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1",
            "spec.containers[0].readinessProbe: Required value: must specify a handler type",
            "spec.containers[0].startupProbe.tcpSocket.port: Invalid value: \"Web\": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
        ]
    );
    let e = pod(
        "  containers: [{name: a, image: x, livenessProbe: {exec: {command: [true]}, httpGet: {port: 80}}}]",
    );
    assert_eq!(
        e,
        vec![
            "spec.containers[0].livenessProbe.httpGet: Forbidden: may not specify more than 1 handler type"
        ]
    );
    let e = pod(
        "  initContainers: [{name: i, image: x, readinessProbe: {exec: {command: [x]}}}]\n  containers: [{name: a, image: x}]",
    );
    assert_eq!(
        e,
        vec![
            "spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always"
        ]
    );
    // Sidecars (restartPolicy Always) may have probes.
    assert!(pod("  initContainers: [{name: i, image: x, restartPolicy: Always, readinessProbe: {exec: {command: [x]}}}]\n  containers: [{name: a, image: x}]").is_empty());
    let e = pod("  containers: [{name: a, image: x, restartPolicy: Always}]");
    assert_eq!(
        e,
        vec!["spec.containers[0].restartPolicy: Forbidden: may not be set for non-init containers"]
    );
}

#[test]
fn volumes_and_mounts() {
    let e = pod(
        "  volumes: [{name: data, emptyDir: {}}, {name: data, emptyDir: {}}, {name: cfg, configMap: {}, secret: {secretName: s}}]\n  containers: [{name: a, image: x, volumeMounts: [{name: missing, mountPath: /m}, {name: data, mountPath: /m}]}]",
    );
    assert_eq!(
        e,
        vec![
            "spec.volumes[1].name: Duplicate value: \"data\"",
            // secret is checked before configMap, so configMap is the extra one.
            "spec.volumes[2].configMap: Forbidden: may not specify more than 1 volume type",
            "spec.containers[0].volumeMounts[0].name: Not found: \"missing\"",
            "spec.containers[0].volumeMounts[1].mountPath: Invalid value: \"/m\": must be unique",
        ]
    );
    let e = pod(
        "  volumes: [{name: h, hostPath: {path: /a/../b}}]\n  containers: [{name: a, image: x, volumeMounts: [{name: h, mountPath: /h, subPath: ../x}]}]",
    );
    assert_eq!(
        e,
        vec![
            "spec.volumes[0].hostPath.path: Invalid value: \"/a/../b\": must not contain '..'",
            "spec.containers[0].volumeMounts[0].name: Not found: \"h\"",
            "spec.containers[0].volumeMounts.subPath: Invalid value: \"../x\": must not contain '..'",
        ]
    );
}

#[test]
fn env() {
    let e = pod(
        "  containers: [{name: a, image: x, env: [{name: ''}, {name: 'A=B', value: v}, {name: C, valueFrom: {}}, {name: D, valueFrom: {fieldRef: {fieldPath: status.phase}}}, {name: E, valueFrom: {fieldRef: {fieldPath: spec.foo}}}, {name: F, valueFrom: {secretKeyRef: {name: s, key: 'a b'}}}]}]",
    );
    assert_eq!(
        e,
        vec![
            "spec.containers[0].env[0].name: Required value",
            "spec.containers[0].env[1].name: Invalid value: \"A=B\": a valid environment variable name must consist only of printable ASCII characters other than '='",
            "spec.containers[0].env[2].valueFrom: Invalid value: \"\": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`",
            "spec.containers[0].env[3].valueFrom.fieldRef.fieldPath: Unsupported value: \"status.phase\": supported values: \"metadata.name\", \"metadata.namespace\", \"metadata.uid\", \"spec.nodeName\", \"spec.serviceAccountName\", \"status.hostIP\", \"status.hostIPs\", \"status.podIP\", \"status.podIPs\"",
            "spec.containers[0].env[4].valueFrom.fieldRef.fieldPath: Invalid value: \"spec.foo\": error converting fieldPath: field label not supported: spec.foo",
            "spec.containers[0].env[5].valueFrom.secretKeyRef.key: Invalid value: \"a b\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
        ]
    );
    let e = pod("  containers: [{name: a, image: x, envFrom: [{prefix: P_}]}]");
    assert_eq!(
        e,
        vec![
            "spec.containers[0].envFrom: Invalid value: \"\": must specify one of: `configMapRef` or `secretRef`"
        ]
    );
}

#[test]
fn scheduling_fields() {
    let e = pod(
        "  containers: [{name: a, image: x}]\n  tolerations: [{operator: Equal, value: v}, {key: k, operator: Exists, value: v}, {key: k, tolerationSeconds: 5, effect: NoSchedule}, {key: k, operator: Gte}]",
    );
    assert_eq!(
        e,
        vec![
            "spec.tolerations[0].operator: Invalid value: \"Equal\": operator must be Exists when `key` is empty, which means \"match all values and all keys\"",
            "spec.tolerations[1].operator: Invalid value: core.Toleration{Key:\"k\", Operator:\"Exists\", Value:\"v\", Effect:\"\", TolerationSeconds:(*int64)(nil)}: value must be empty when `operator` is 'Exists'",
            "spec.tolerations[2].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set",
            "spec.tolerations[3].operator: Unsupported value: \"Gte\": supported values: \"Equal\", \"Exists\"",
        ]
    );
    let e = pod(
        "  containers: [{name: a, image: x}]\n  affinity:\n    nodeAffinity:\n      requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: zone, operator: In}]}]}\n      preferredDuringSchedulingIgnoredDuringExecution: [{weight: 0, preference: {matchExpressions: [{key: a, operator: Near}]}}]\n    podAntiAffinity:\n      requiredDuringSchedulingIgnoredDuringExecution: [{labelSelector: {matchLabels: {app: web}}}]",
    );
    assert_eq!(
        e,
        vec![
            "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
            "spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 0: must be in the range 1-100",
            "spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].preference.matchExpressions[0].operator: Invalid value: \"Near\": not a valid selector operator",
            "spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: Required value: can not be empty",
            "spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: Invalid value: \"\": name part must be non-empty",
            "spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: Invalid value: \"\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
        ]
    );
    let e = pod(
        "  containers: [{name: a, image: x}]\n  nodeSelector: {'disk type': ssd}\n  activeDeadlineSeconds: 0\n  topologySpreadConstraints: [{maxSkew: 0, topologyKey: zone, whenUnsatisfiable: Maybe}]",
    );
    assert_eq!(
        e,
        vec![
            "spec.nodeSelector: Invalid value: \"disk type\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
            "spec.topologySpreadConstraints[0].maxSkew: Invalid value: 0: must be greater than zero",
            "spec.topologySpreadConstraints[0].whenUnsatisfiable: Unsupported value: \"Maybe\": supported values: \"DoNotSchedule\", \"ScheduleAnyway\"",
            "spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive",
        ]
    );
}

#[test]
fn create_only_rules_and_kubectl_output() {
    let e = pod(
        "  containers: [{name: a, image: x}]\n  ephemeralContainers: [{name: d, image: busybox}]",
    );
    assert_eq!(
        e,
        vec!["spec.ephemeralContainers: Forbidden: cannot be set on create"]
    );
    assert_eq!(
        kubectl(
            "Pod",
            "Pod",
            "metadata: {name: bad}\nspec: {containers: [{name: a}, {name: a, image: x}]}"
        ),
        "The Pod \"bad\" is invalid: \n* spec.containers[0].image: Required value\n* spec.containers[1].name: Duplicate value: \"a\""
    );
}

#[test]
fn pod_updates() {
    // Images and activeDeadlineSeconds may change.
    // As kubectl apply does: the stored pod with the image changed.
    let old = prepared("Pod", POD);
    let mut new = old.clone();
    if let Some(cs) = new.entry_at(&["spec", "containers"]).as_array_mut() {
        cs[0].set("image", Value::str("busybox:1.37"));
    }
    assert!(validate(by_kind("Pod").unwrap(), &new, Some(&old)).is_empty());
    // Replacing with a manifest that leaves imagePullPolicy to defaulting
    // changes it too (busybox pulls Always, busybox:1.37 IfNotPresent).
    let e = update("Pod", POD, &POD.replace("busybox", "busybox:1.37"));
    assert!(e[0].contains("ImagePullPolicy: \"IfNotPresent\""), "{e:?}");
    let e = update("Pod", POD, &format!("{POD}  - {{name: b, image: x}}\n"));
    assert_eq!(
        e,
        vec!["spec.containers: Forbidden: pod updates may not add or remove containers"]
    );
    let e = update("Pod", POD, &format!("{POD}  nodeName: node-1\n"));
    assert_eq!(e.len(), 1);
    assert!(
        e[0].starts_with("spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n  core.PodSpec{\n"),
        "{}",
        e[0]
    );
    assert!(e[0].contains("+ \tNodeName: \"node-1\",\n"), "{}", e[0]);
    let with_ads = format!("{POD}  activeDeadlineSeconds: 30\n");
    let e = update(
        "Pod",
        &with_ads,
        &format!("{POD}  activeDeadlineSeconds: 60\n"),
    );
    assert_eq!(
        e,
        vec![
            "spec.activeDeadlineSeconds: Invalid value: 60: must be less than or equal to previous value"
        ]
    );
    assert!(
        update(
            "Pod",
            &with_ads,
            &format!("{POD}  activeDeadlineSeconds: 10\n")
        )
        .is_empty()
    );
    let e = update("Pod", &with_ads, POD);
    assert_eq!(
        e,
        vec![
            "spec.activeDeadlineSeconds: Invalid value: null: must not update from a positive integer to nil value"
        ]
    );
    // Tolerations may be added, not changed.
    let extra = format!("{POD}  tolerations: [{{key: a, operator: Exists}}]\n");
    assert!(update("Pod", POD, &extra).is_empty());
    let e = update(
        "Pod",
        &extra,
        &format!("{POD}  tolerations: [{{key: b, operator: Exists}}]\n"),
    );
    assert_eq!(
        e,
        vec![
            "spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds"
        ]
    );
}
