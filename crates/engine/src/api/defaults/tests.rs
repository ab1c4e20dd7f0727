use super::*;
use crate::api::registry::by_kind;
use crate::yaml;

fn load(s: &str) -> Value {
    yaml::load_str(s).unwrap()[0].root.to_value()
}

fn defaulted(kind: &str, s: &str) -> Value {
    let mut v = load(s);
    apply_defaults(by_kind(kind).unwrap(), &mut v);
    v
}

#[test]
fn deployment_defaults_match_the_api_server() {
    let d = defaulted(
        "Deployment",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n        ports: [{containerPort: 80}]\n        livenessProbe: {httpGet: {port: 80}}\n",
    );
    let spec = d.get("spec");
    assert_eq!(spec.get("replicas"), &Value::Int(1));
    assert_eq!(
        spec.at(&["strategy", "type"]).as_str(),
        Some("RollingUpdate")
    );
    assert_eq!(
        spec.at(&["strategy", "rollingUpdate", "maxSurge"]).as_str(),
        Some("25%")
    );
    assert_eq!(
        spec.at(&["strategy", "rollingUpdate", "maxUnavailable"])
            .as_str(),
        Some("25%")
    );
    assert_eq!(spec.get("revisionHistoryLimit"), &Value::Int(10));
    assert_eq!(spec.get("progressDeadlineSeconds"), &Value::Int(600));
    let ps = spec.at(&["template", "spec"]);
    assert_eq!(ps.get("restartPolicy").as_str(), Some("Always"));
    assert_eq!(ps.get("dnsPolicy").as_str(), Some("ClusterFirst"));
    assert_eq!(ps.get("schedulerName").as_str(), Some("default-scheduler"));
    assert_eq!(ps.get("terminationGracePeriodSeconds"), &Value::Int(30));
    assert_eq!(ps.get("securityContext"), &Value::object());
    // Pod-only defaults stay off templates.
    assert!(ps.get("enableServiceLinks").is_null());
    let c = &ps.get("containers").as_array().unwrap()[0];
    assert_eq!(c.get("imagePullPolicy").as_str(), Some("IfNotPresent"));
    assert_eq!(
        c.get("terminationMessagePath").as_str(),
        Some("/dev/termination-log")
    );
    assert_eq!(c.get("terminationMessagePolicy").as_str(), Some("File"));
    assert_eq!(c.get("resources"), &Value::object());
    assert_eq!(
        c.at(&["ports"])
            .items()
            .next()
            .unwrap()
            .get("protocol")
            .as_str(),
        Some("TCP")
    );
    let probe = c.get("livenessProbe");
    assert_eq!(probe.get("timeoutSeconds"), &Value::Int(1));
    assert_eq!(probe.get("periodSeconds"), &Value::Int(10));
    assert_eq!(probe.get("successThreshold"), &Value::Int(1));
    assert_eq!(probe.get("failureThreshold"), &Value::Int(3));
    assert_eq!(probe.at(&["httpGet", "path"]).as_str(), Some("/"));
    assert_eq!(probe.at(&["httpGet", "scheme"]).as_str(), Some("HTTP"));
}

#[test]
fn recreate_strategy_gets_no_rolling_update() {
    let d = defaulted(
        "Deployment",
        "spec:\n  strategy: {type: Recreate}\n  template: {spec: {containers: [{name: a, image: a}]}}\n",
    );
    assert!(d.at(&["spec", "strategy", "rollingUpdate"]).is_null());
}

#[test]
fn image_pull_policy_follows_the_tag() {
    for (image, policy) in [
        ("nginx", "Always"),
        ("nginx:latest", "Always"),
        ("nginx:1.27", "IfNotPresent"),
        ("localhost:5000/nginx", "Always"),
        ("localhost:5000/nginx:v1", "IfNotPresent"),
        ("registry.example.com/team/app:latest", "Always"),
        (
            "nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "IfNotPresent",
        ),
        (
            "nginx:latest@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "Always",
        ),
        ("Nginx", "IfNotPresent"),
        ("", "IfNotPresent"),
    ] {
        assert_eq!(default_pull_policy(image), policy, "{image}");
    }
}

#[test]
fn pods_get_pod_only_defaults_and_admission() {
    let mut p = defaulted(
        "Pod",
        "metadata: {name: p}\nspec:\n  containers:\n  - name: a\n    image: busybox\n    resources: {limits: {cpu: 500m, memory: 64Mi}}\n",
    );
    let c = &p.at(&["spec", "containers"]).as_array().unwrap()[0];
    assert_eq!(
        c.at(&["resources", "requests", "cpu"]).as_str(),
        Some("500m")
    );
    assert_eq!(
        c.at(&["resources", "requests", "memory"]).as_str(),
        Some("64Mi")
    );
    assert_eq!(c.get("imagePullPolicy").as_str(), Some("Always"));
    assert_eq!(p.at(&["spec", "enableServiceLinks"]), &Value::Bool(true));
    assert_eq!(pod_qos_class(&p), "Guaranteed");
    admit_pod(&mut p, &[]).unwrap();
    let spec = p.get("spec");
    assert_eq!(spec.get("priority"), &Value::Int(0));
    assert_eq!(
        spec.get("preemptionPolicy").as_str(),
        Some("PreemptLowerPriority")
    );
    assert_eq!(spec.get("serviceAccountName").as_str(), Some("default"));
    assert_eq!(spec.get("serviceAccount").as_str(), Some("default"));
    let tol = spec.get("tolerations").as_array().unwrap();
    assert_eq!(tol.len(), 2);
    assert_eq!(
        yaml::to_json_compact(&tol[0]),
        r#"{"effect":"NoExecute","key":"node.kubernetes.io/not-ready","operator":"Exists","tolerationSeconds":300}"#
    );
    assert_eq!(
        tol[1].get("key").as_str(),
        Some("node.kubernetes.io/unreachable")
    );
}

#[test]
fn admission_keeps_existing_tolerations_and_refuses_unknown_classes() {
    let mut p = load(
        "metadata: {name: p}\nspec:\n  tolerations: [{key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 10}]\n  containers: [{name: a, image: a}]\n",
    );
    admit_pod(&mut p, &[]).unwrap();
    let tol = p.at(&["spec", "tolerations"]).as_array().unwrap();
    assert_eq!(tol.len(), 2);
    assert_eq!(tol[0].get("tolerationSeconds"), &Value::Int(10));
    assert_eq!(
        tol[1].get("key").as_str(),
        Some("node.kubernetes.io/not-ready")
    );
    // A wildcard toleration tolerates both taints.
    let mut p =
        load("metadata: {name: p}\nspec: {tolerations: [{operator: Exists}], containers: []}\n");
    admit_pod(&mut p, &[]).unwrap();
    assert_eq!(p.at(&["spec", "tolerations"]).as_array().unwrap().len(), 1);
    let mut p = load("metadata: {name: p}\nspec: {priorityClassName: gold, containers: []}\n");
    assert_eq!(
        admit_pod(&mut p, &[]).unwrap_err().message,
        "pods \"p\" is forbidden: no PriorityClass with name gold was found"
    );
    let mut p = load(
        "metadata: {name: p}\nspec: {priorityClassName: system-node-critical, containers: []}\n",
    );
    admit_pod(&mut p, &[]).unwrap();
    assert_eq!(p.at(&["spec", "priority"]), &Value::Int(2_000_001_000));
}

#[test]
fn qos_classes() {
    let q = |s: &str| pod_qos_class(&defaulted("Pod", s));
    assert_eq!(q("spec: {containers: [{name: a, image: a}]}"), "BestEffort");
    assert_eq!(
        q("spec: {containers: [{name: a, image: a, resources: {requests: {cpu: 100m}}}]}"),
        "Burstable"
    );
    assert_eq!(
        q(
            "spec: {containers: [{name: a, image: a, resources: {requests: {cpu: 100m, memory: 1Gi}, limits: {cpu: 200m, memory: 1Gi}}}]}"
        ),
        "Burstable"
    );
}

#[test]
fn service_defaults() {
    let s = defaulted(
        "Service",
        "metadata: {name: web}\nspec:\n  selector: {app: web}\n  ports: [{port: 80}, {port: 443, targetPort: https, protocol: TCP}]\n",
    );
    let spec = s.get("spec");
    assert_eq!(spec.get("type").as_str(), Some("ClusterIP"));
    assert_eq!(spec.get("sessionAffinity").as_str(), Some("None"));
    assert_eq!(spec.get("internalTrafficPolicy").as_str(), Some("Cluster"));
    assert!(spec.get("externalTrafficPolicy").is_null());
    assert_eq!(spec.get("ipFamilyPolicy").as_str(), Some("SingleStack"));
    assert_eq!(yaml::to_json_compact(spec.get("ipFamilies")), r#"["IPv4"]"#);
    let ports = spec.get("ports").as_array().unwrap();
    assert_eq!(ports[0].get("protocol").as_str(), Some("TCP"));
    assert_eq!(ports[0].get("targetPort"), &Value::Int(80));
    assert_eq!(ports[1].get("targetPort").as_str(), Some("https"));
    assert_eq!(s.at(&["status", "loadBalancer"]), &Value::object());

    let lb = defaulted("Service", "spec: {type: LoadBalancer, ports: [{port: 80}]}");
    assert_eq!(
        lb.at(&["spec", "externalTrafficPolicy"]).as_str(),
        Some("Cluster")
    );
    assert_eq!(
        lb.at(&["spec", "allocateLoadBalancerNodePorts"]),
        &Value::Bool(true)
    );
    let np = defaulted("Service", "spec: {type: NodePort, ports: [{port: 80}]}");
    assert_eq!(
        np.at(&["spec", "externalTrafficPolicy"]).as_str(),
        Some("Cluster")
    );
    assert!(np.at(&["spec", "allocateLoadBalancerNodePorts"]).is_null());
    let ca = defaulted(
        "Service",
        "spec: {sessionAffinity: ClientIP, ports: [{port: 80}]}",
    );
    assert_eq!(
        ca.at(&[
            "spec",
            "sessionAffinityConfig",
            "clientIP",
            "timeoutSeconds"
        ]),
        &Value::Int(10800)
    );
    let headless = defaulted("Service", "spec: {clusterIP: None, ports: [{port: 80}]}");
    assert_eq!(
        yaml::to_json_compact(headless.at(&["spec", "clusterIPs"])),
        r#"["None"]"#
    );
    assert_eq!(
        headless.at(&["spec", "ipFamilyPolicy"]).as_str(),
        Some("RequireDualStack")
    );
    assert_eq!(
        yaml::to_json_compact(headless.at(&["spec", "ipFamilies"])),
        r#"["IPv4","IPv6"]"#
    );
    let en = defaulted(
        "Service",
        "spec: {type: ExternalName, externalName: example.com}",
    );
    assert!(en.at(&["spec", "ipFamilies"]).is_null());
    assert!(en.at(&["spec", "internalTrafficPolicy"]).is_null());
}

#[test]
fn namespace_secret_configmap_and_others() {
    let ns = defaulted("Namespace", "metadata: {name: dev}");
    assert_eq!(
        ns.at(&["metadata", "labels", "kubernetes.io/metadata.name"])
            .as_str(),
        Some("dev")
    );
    assert_eq!(
        yaml::to_json_compact(ns.at(&["spec", "finalizers"])),
        r#"["kubernetes"]"#
    );
    assert_eq!(ns.at(&["status", "phase"]).as_str(), Some("Active"));
    let s = defaulted(
        "Secret",
        "metadata: {name: s}\nstringData: {user: admin}\ndata: {a: YQ==}",
    );
    assert_eq!(s.get("type").as_str(), Some("Opaque"));
    assert_eq!(s.at(&["data", "user"]).as_str(), Some("YWRtaW4="));
    assert_eq!(s.at(&["data", "a"]).as_str(), Some("YQ=="));
    assert!(s.get("stringData").is_null());
    let cm = defaulted("ConfigMap", "metadata: {name: c}");
    assert!(cm.get("data").is_null());
    let rs = defaulted(
        "ReplicaSet",
        "spec: {template: {spec: {containers: [{name: a, image: a}]}}}",
    );
    assert_eq!(rs.at(&["spec", "replicas"]), &Value::Int(1));
    let ep = defaulted("Endpoints", "subsets: [{ports: [{port: 80}]}]");
    assert_eq!(
        ep.at(&["subsets"])
            .items()
            .next()
            .unwrap()
            .get("ports")
            .items()
            .next()
            .unwrap()
            .get("protocol")
            .as_str(),
        Some("TCP")
    );
    let es = defaulted("EndpointSlice", "addressType: IPv4\nports: [{port: 80}]");
    let port = es.get("ports").items().next().unwrap();
    assert_eq!(port.get("protocol").as_str(), Some("TCP"));
    assert_eq!(port.get("name").as_str(), Some(""));
    assert!(es.as_object().unwrap().contains_key("endpoints"));
    let ic = defaulted(
        "IngressClass",
        "spec: {controller: example.com/x, parameters: {kind: K, name: n}}",
    );
    assert_eq!(
        ic.at(&["spec", "parameters", "scope"]).as_str(),
        Some("Cluster")
    );
    let ing = defaulted("Ingress", "spec: {rules: [{http: {paths: [{path: /}]}}]}");
    assert!(
        ing.at(&["spec", "rules"])
            .items()
            .next()
            .unwrap()
            .at(&["http", "paths"])
            .items()
            .next()
            .unwrap()
            .get("pathType")
            .is_null()
    );
    assert_eq!(ing.at(&["status", "loadBalancer"]), &Value::object());
    let mut old = load("spec: {rules: [{http: {paths: [{path: /}]}}]}");
    default_ingress_v1beta1(&mut old);
    assert_eq!(
        old.at(&["spec", "rules"])
            .items()
            .next()
            .unwrap()
            .at(&["http", "paths"])
            .items()
            .next()
            .unwrap()
            .get("pathType")
            .as_str(),
        Some("ImplementationSpecific")
    );
    let node = defaulted(
        "Node",
        "metadata: {name: n, namespace: x}\nstatus: {capacity: {cpu: '4'}}",
    );
    assert_eq!(
        node.at(&["status", "allocatable", "cpu"]).as_str(),
        Some("4")
    );
    assert!(node.at(&["metadata", "namespace"]).is_null());
}

#[test]
fn volumes_and_quantities() {
    let p = defaulted(
        "Pod",
        "spec:\n  volumes: [{name: a}, {name: b, configMap: {name: c}}, {name: h, hostPath: {path: /x}}]\n  containers: [{name: a, image: a, resources: {requests: {cpu: 100u}}}]\n",
    );
    let vols = p.at(&["spec", "volumes"]).as_array().unwrap();
    assert_eq!(vols[0].get("emptyDir"), &Value::object());
    assert_eq!(vols[1].at(&["configMap", "defaultMode"]), &Value::Int(420));
    assert_eq!(vols[2].at(&["hostPath", "type"]).as_str(), Some(""));
    let c = &p.at(&["spec", "containers"]).as_array().unwrap()[0];
    assert_eq!(c.at(&["resources", "requests", "cpu"]).as_str(), Some("1m"));
}

#[test]
fn batch_and_stateful_defaults() {
    let j = defaulted(
        "Job",
        "spec: {template: {spec: {restartPolicy: Never, containers: [{name: a, image: a}]}}}",
    );
    let s = j.get("spec");
    assert_eq!(s.get("completions"), &Value::Int(1));
    assert_eq!(s.get("parallelism"), &Value::Int(1));
    assert_eq!(s.get("backoffLimit"), &Value::Int(6));
    assert_eq!(s.get("completionMode").as_str(), Some("NonIndexed"));
    assert_eq!(
        s.get("podReplacementPolicy").as_str(),
        Some("TerminatingOrFailed")
    );
    let cj = defaulted(
        "CronJob",
        "spec: {schedule: '* * * * *', jobTemplate: {spec: {template: {spec: {containers: [{name: a, image: a}]}}}}}",
    );
    assert_eq!(
        cj.at(&["spec", "concurrencyPolicy"]).as_str(),
        Some("Allow")
    );
    // SetObjectDefaults_CronJob defaults the template's pod spec, not the
    // JobSpec (the Job made from it is defaulted when it is created).
    assert!(
        cj.at(&["spec", "jobTemplate", "spec", "backoffLimit"])
            .is_null()
    );
    assert!(
        cj.at(&["spec", "jobTemplate", "spec", "completions"])
            .is_null()
    );
    assert_eq!(
        cj.at(&[
            "spec",
            "jobTemplate",
            "spec",
            "template",
            "spec",
            "dnsPolicy"
        ])
        .as_str(),
        Some("ClusterFirst")
    );
    let ss = defaulted(
        "StatefulSet",
        "spec: {template: {spec: {containers: [{name: a, image: a}]}}}",
    );
    assert_eq!(
        ss.at(&["spec", "podManagementPolicy"]).as_str(),
        Some("OrderedReady")
    );
    assert_eq!(
        ss.at(&["spec", "updateStrategy", "rollingUpdate", "partition"]),
        &Value::Int(0)
    );
    let ds = defaulted(
        "DaemonSet",
        "spec: {template: {spec: {containers: [{name: a, image: a}]}}}",
    );
    assert_eq!(
        ds.at(&["spec", "updateStrategy", "rollingUpdate", "maxUnavailable"]),
        &Value::Int(1)
    );
    assert_eq!(
        ds.at(&["spec", "updateStrategy", "rollingUpdate", "maxSurge"]),
        &Value::Int(0)
    );
}

#[test]
fn needs_check_agrees_with_defaulting() {
    // For every partial spec, the pre-check says "needs" exactly when
    // defaulting changes something, so shared specs are never unshared
    // needlessly and never left undefaulted.
    let specs = [
        "{}",
        "{containers: [{name: a, image: a}]}",
        "{containers: [{name: a, image: a, ports: [{containerPort: 1}]}]}",
        "{containers: [{name: a, image: a, readinessProbe: {tcpSocket: {port: 1}}}]}",
        "{containers: [{name: a, image: a, lifecycle: {preStop: {httpGet: {port: 1}}}}]}",
        "{containers: [{name: a, image: a, env: [{name: x, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]}]}",
        "{volumes: [{name: v}]}",
        "{volumes: [{name: v, secret: {secretName: s}}]}",
        "{volumes: [{name: v, projected: {sources: [{serviceAccountToken: {path: t}}]}}]}",
        "{volumes: [{name: v, downwardAPI: {items: [{path: p, fieldRef: {fieldPath: metadata.name}}]}}]}",
        "{initContainers: [{name: a, image: a, resources: {limits: {cpu: 1n}}}]}",
    ];
    for s in specs {
        let mut v = load(s);
        let needs = pod_spec_needs(&v);
        let before = v.clone();
        pod_spec(&mut v);
        assert_eq!(needs, v != before, "{s}");
        assert!(!pod_spec_needs(&v), "still needs after defaulting: {s}");
        // Force the defaulting past the pre-check to find anything missed.
        let mut w = before.clone();
        set_str(&mut w, "dnsPolicy", "ClusterFirst");
        set_str(&mut w, "restartPolicy", "Always");
        set_if_null(&mut w, "securityContext", Value::object);
        set_if_null(&mut w, "terminationGracePeriodSeconds", || Value::Int(30));
        set_str(&mut w, "schedulerName", "default-scheduler");
        for list in CONTAINER_LISTS {
            each_item(&mut w, list, |_| true, container);
        }
        each_item(&mut w, "volumes", |_| true, volume);
        assert_eq!(w, v, "pre-check missed a default: {s}");
    }
}

#[test]
fn stamped_pods_keep_sharing_the_template() {
    let mut d = defaulted(
        "Deployment",
        "spec:\n  template:\n    spec:\n      containers: [{name: a, image: a:1}]\n",
    );
    let template_spec = d.at(&["spec", "template", "spec"]).clone();
    let mut pod = Value::object();
    pod.set("spec", template_spec.clone());
    apply_defaults(by_kind("Pod").unwrap(), &mut pod);
    match (
        template_spec.get("containers"),
        pod.at(&["spec", "containers"]),
    ) {
        (Value::Array(a), Value::Array(b)) => assert!(Rc::ptr_eq(a, b)),
        _ => panic!("containers should be arrays"),
    }
    let _ = &mut d;
}

#[test]
fn type_mismatches_do_not_panic() {
    for kind in [
        "Pod",
        "Deployment",
        "Service",
        "Namespace",
        "Secret",
        "Ingress",
        "Job",
        "CronJob",
        "StatefulSet",
        "DaemonSet",
        "Event",
        "EndpointSlice",
        "Endpoints",
        "Node",
        "ReplicationController",
    ] {
        for doc in [
            "spec: 1",
            "spec: {template: 3, containers: x, volumes: [1, {name: 2}], ports: 'a'}",
            "spec: {template: {spec: {containers: [1, {ports: [1, {protocol: 3}]}]}}}",
            "spec: {ports: [1, {port: x, targetPort: [1]}], type: 3}",
            "metadata: 1\nstringData: 5\nsubsets: [1]",
            "[]",
        ] {
            let mut v = load(doc);
            apply_defaults(by_kind(kind).unwrap(), &mut v);
            let _ = admit_pod(&mut v, &[]);
        }
    }
}

#[test]
fn strategies_prepare_creates_and_updates() {
    let id = by_kind("Deployment").unwrap();
    let mut d = defaulted(
        "Deployment",
        "metadata: {name: d}\nspec: {template: {spec: {containers: [{name: a, image: a}]}}}\nstatus: {replicas: 5}",
    );
    prepare_for_create(id, &mut d);
    assert_eq!(d.at(&["metadata", "generation"]), &Value::Int(1));
    assert_eq!(d.get("status"), &Value::object());
    let mut changed = d.clone();
    changed.set_at(&["spec", "replicas"], Value::Int(3));
    changed.set("status", Value::from_pairs([("replicas", Value::Int(9))]));
    prepare_for_update(id, &mut changed, &d);
    assert_eq!(changed.at(&["metadata", "generation"]), &Value::Int(2));
    assert_eq!(changed.get("status"), &Value::object());
    let mut same = d.clone();
    prepare_for_update(id, &mut same, &d);
    assert_eq!(same.at(&["metadata", "generation"]), &Value::Int(1));

    let pod_id = by_kind("Pod").unwrap();
    let mut p = defaulted(
        "Pod",
        "metadata: {name: p}\nspec: {containers: [{name: a, image: a}]}",
    );
    prepare_for_create(pod_id, &mut p);
    assert_eq!(
        yaml::to_json_compact(p.get("status")),
        r#"{"phase":"Pending","qosClass":"BestEffort"}"#
    );

    let svc = by_kind("Service").unwrap();
    let mut old = defaulted(
        "Service",
        "metadata: {name: s}\nspec: {type: NodePort, ports: [{port: 80}]}",
    );
    old.set_at(&["spec", "clusterIP"], Value::str("10.96.0.7"));
    old.set_at(
        &["spec", "clusterIPs"],
        Value::array(vec![Value::str("10.96.0.7")]),
    );
    if let Some(ports) = old.entry_at(&["spec", "ports"]).as_array_mut() {
        ports[0].set("nodePort", Value::Int(30007));
    }
    let mut replaced = defaulted(
        "Service",
        "metadata: {name: s}\nspec: {type: NodePort, ports: [{port: 80}]}",
    );
    prepare_for_update(svc, &mut replaced, &old);
    assert_eq!(
        replaced.at(&["spec", "clusterIP"]).as_str(),
        Some("10.96.0.7")
    );
    assert_eq!(
        yaml::to_json_compact(replaced.at(&["spec", "clusterIPs"])),
        r#"["10.96.0.7"]"#
    );
    assert_eq!(
        replaced
            .at(&["spec", "ports"])
            .items()
            .next()
            .unwrap()
            .get("nodePort"),
        &Value::Int(30007)
    );
    assert!(
        crate::api::validation::validate(svc, &replaced, Some(&old))
            .iter()
            .all(|e| !e.to_string().contains("clusterIPs"))
    );

    let ns = by_kind("Namespace").unwrap();
    let old = defaulted("Namespace", "metadata: {name: n}");
    let mut new = load("metadata: {name: n}\nspec: {finalizers: []}");
    prepare_for_update(ns, &mut new, &old);
    assert_eq!(
        yaml::to_json_compact(new.at(&["spec", "finalizers"])),
        r#"["kubernetes"]"#
    );
}
