use super::*;
use crate::api::defaults::{admit_pod, apply_defaults};
use crate::api::errors::StatusError;
use crate::api::registry::{Simulation, by_kind, lookup_kind};
use crate::yaml;

mod apps;
mod corpus;
mod networking;
mod objects;
mod pods;
mod services;

fn load(s: &str) -> Value {
    yaml::load_str(s).unwrap()[0].root.to_value()
}

/// The object as the API server holds it just before validation.
fn prepared(kind: &str, manifest: &str) -> Value {
    let id = by_kind(kind).unwrap();
    let mut obj = load(manifest);
    if id.get().namespaced && obj.at(&["metadata", "namespace"]).is_null() {
        obj.set_at(&["metadata", "namespace"], Value::str("default"));
    }
    apply_defaults(id, &mut obj);
    if kind == "Pod" {
        admit_pod(&mut obj, &[]).unwrap();
    }
    job_strategy(kind, &mut obj);
    obj
}

/// What the API server does to a new Job before validating it: gives it a
/// uid and generates its selector (`apiserver::Cluster::create`).
fn job_strategy(kind: &str, obj: &mut Value) {
    if kind == "Job" {
        let uid = "5b1d3b5e-2f6b-4c0a-9d8e-0123456789ab";
        obj.set_at(&["metadata", "uid"], Value::str(uid));
        crate::api::defaults::generate_job_selector(obj, uid);
    }
}

/// The field errors of creating `manifest`, as strings.
fn create(kind: &str, manifest: &str) -> Vec<String> {
    let obj = prepared(kind, manifest);
    validate(by_kind(kind).unwrap(), &obj, None)
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// The field errors of updating `old` to `new`.
fn update(kind: &str, old: &str, new: &str) -> Vec<String> {
    let old = prepared(kind, old);
    let new = prepared(kind, new);
    validate(by_kind(kind).unwrap(), &new, Some(&old))
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// What kubectl prints for a refused create.
fn kubectl(kind: &str, group_kind: &str, manifest: &str) -> String {
    let obj = prepared(kind, manifest);
    let name = obj
        .at(&["metadata", "name"])
        .as_str()
        .unwrap_or("")
        .to_string();
    let errs = validate(by_kind(kind).unwrap(), &obj, None);
    StatusError::invalid(group_kind, &name, errs).kubectl_message(None)
}

const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports: [{containerPort: 80}]
";

const POD: &str = "metadata: {name: p}
spec:
  containers:
  - name: a
    image: busybox
";

#[test]
fn valid_objects_pass() {
    assert!(create("Deployment", DEPLOYMENT).is_empty());
    assert!(create("Pod", POD).is_empty());
    assert!(
        create(
            "Service",
            "metadata: {name: web}\nspec: {selector: {app: web}, ports: [{port: 80}]}"
        )
        .is_empty()
    );
}

#[test]
fn unknown_kinds_and_odd_values_never_panic() {
    use crate::api::registry::RESOURCES;
    let docs = [
        "{}",
        "metadata: 1\nspec: 2",
        "metadata: {name: [1], labels: {a: 1}, annotations: 3, finalizers: [1, 2]}\nspec: {containers: 1, selector: 'x', template: {spec: {containers: [1, {ports: 'x', resources: {limits: {cpu: []}}}]}}}",
        "spec: {ports: [1, {port: x}], rules: [1, {http: {paths: [1, {backend: 1}]}}], tls: 2, strategy: {type: 1, rollingUpdate: 2}}",
        "spec: {selector: {matchLabels: 1, matchExpressions: [1, {operator: 2, values: 3}]}, template: 1}",
        "data: {a: 1}\nstringData: 2\nsubsets: [{addresses: [1, {ip: 2}], ports: [{port: x}]}]\nendpoints: 1\nports: 2",
        "spec: {affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [1]}}, podAffinity: 1}, tolerations: [1], topologySpreadConstraints: [2], volumes: [1, {name: v, secret: 2}]}",
    ];
    for r in RESOURCES {
        let id = r.id();
        for d in docs {
            let mut v = load(d);
            apply_defaults(id, &mut v);
            let _ = admit_pod(&mut v.clone(), &[]);
            let old = v.clone();
            let _ = validate(id, &v, None);
            let _ = validate(id, &v, Some(&old));
            let _ = validate(id, &v, Some(&Value::Null));
        }
    }
    let _ = lookup_kind("v1", "Pod");
    let _ = Simulation::Simulated;
}

#[test]
fn validation_is_fast_enough() {
    // 1000 Deployments through defaulting and validation; the release
    // target is 100 ms, this debug-build check only guards regressions.
    let id = by_kind("Deployment").unwrap();
    let base = load(DEPLOYMENT);
    let start = std::time::Instant::now();
    for i in 0..1000 {
        let mut d = base.clone();
        d.set_at(&["metadata", "name"], Value::from(format!("web-{i}")));
        d.set_at(&["metadata", "namespace"], Value::str("default"));
        apply_defaults(id, &mut d);
        assert!(validate(id, &d, None).is_empty());
    }
    let took = start.elapsed();
    println!("1000 deployments defaulted and validated in {took:?}");
    assert!(took.as_secs_f64() < 5.0, "{took:?}");
}
