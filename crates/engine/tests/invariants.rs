//! Properties the real components keep under random scripts of applies,
//! scales, image changes, deletions and node failures:
//!
//! - no node is ever over its allocatable CPU, memory or pod count;
//! - endpoints list only ready pods;
//! - during a rolling update, available pods never fall below
//!   `replicas − maxUnavailable` and pods never exceed `replicas + maxSurge`;
//! - once things calm down, every Deployment has its replicas, ready;
//! - after cascading deletes (background and foreground) nothing is left
//!   pointing at an owner that is gone.

use std::collections::{BTreeMap, BTreeSet};

use kubeplay_engine::Cluster;
use kubeplay_engine::api::registry::{RESOURCES, by_kind};
use kubeplay_engine::kubectl::NoFiles;
use kubeplay_engine::quantity::Quantity;
use kubeplay_engine::value::Value;

/// A small xorshift: the scripts do not touch the cluster's generator.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a>(&mut self, items: &'a [&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

const APPS: [&str; 4] = ["alpha", "beta", "gamma", "delta"];
const WORKERS: [&str; 3] = ["node-1", "node-2", "node-3"];

fn kubectl(c: &mut Cluster, line: &str) -> String {
    c.kubectl(line, &NoFiles).terminal
}

fn quantity(v: &Value, milli: bool) -> i64 {
    v.as_str()
        .and_then(|s| Quantity::parse(s).ok())
        .map_or(0, |q| if milli { q.milli_value() } else { q.value() })
}

fn pods(c: &Cluster) -> Vec<Value> {
    c.store()
        .list(by_kind("Pod").unwrap(), None)
        .map(|(_, p)| p.clone())
        .collect()
}

fn is_ready(pod: &Value) -> bool {
    pod.at(&["status", "conditions"]).items().any(|c| {
        c.get("type").as_str() == Some("Ready") && c.get("status").as_str() == Some("True")
    })
}

fn terminal(pod: &Value) -> bool {
    matches!(
        pod.str_at(&["status", "phase"]),
        Some("Succeeded" | "Failed")
    )
}

fn deleting(obj: &Value) -> bool {
    !obj.at(&["metadata", "deletionTimestamp"]).is_null()
}

/// No node holds more than its allocatable resources.
fn check_allocatable(c: &Cluster, ctx: &str) {
    let mut used: BTreeMap<String, (i64, i64, i64)> = BTreeMap::new();
    for p in pods(c) {
        let Some(node) = p.str_at(&["spec", "nodeName"]) else {
            continue;
        };
        if terminal(&p) {
            continue;
        }
        let u = used.entry(node.to_string()).or_default();
        for ctr in p.at(&["spec", "containers"]).items() {
            u.0 += quantity(ctr.at(&["resources", "requests", "cpu"]), true);
            u.1 += quantity(ctr.at(&["resources", "requests", "memory"]), false);
        }
        u.2 += 1;
    }
    for (node, (cpu, mem, count)) in used {
        let Some(n) = c.store().get_named(by_kind("Node").unwrap(), "", &node) else {
            continue;
        };
        let a = n.at(&["status", "allocatable"]);
        assert!(
            cpu <= quantity(a.get("cpu"), true),
            "{ctx}: {node} cpu {cpu}"
        );
        assert!(
            mem <= quantity(a.get("memory"), false),
            "{ctx}: {node} memory {mem}"
        );
        assert!(
            count <= quantity(a.get("pods"), false),
            "{ctx}: {node} pods {count}"
        );
    }
}

/// Every ready address in Endpoints and EndpointSlices is a ready pod.
fn check_endpoints(c: &Cluster, ctx: &str) {
    let ready_ips: BTreeSet<(String, String)> = pods(c)
        .iter()
        .filter(|p| is_ready(p) && !deleting(p))
        .filter_map(|p| {
            Some((
                p.str_at(&["metadata", "namespace"])?.to_string(),
                p.str_at(&["status", "podIP"])?.to_string(),
            ))
        })
        .collect();
    let services: BTreeSet<(String, String)> = c
        .store()
        .list(by_kind("Service").unwrap(), None)
        .filter(|(_, s)| !s.at(&["spec", "selector"]).is_null())
        .map(|((ns, n), _)| (ns.to_string(), n.to_string()))
        .collect();
    for ((ns, name), ep) in c.store().list(by_kind("Endpoints").unwrap(), None) {
        if !services.contains(&(ns.to_string(), name.to_string())) {
            continue;
        }
        for subset in ep.get("subsets").items() {
            for a in subset.get("addresses").items() {
                let ip = a.get("ip").as_str().unwrap_or("").to_string();
                assert!(
                    ready_ips.contains(&(ns.to_string(), ip.clone())),
                    "{ctx}: endpoints {ns}/{name} lists {ip}, not a ready pod"
                );
            }
        }
    }
    for ((ns, name), slice) in c.store().list(by_kind("EndpointSlice").unwrap(), None) {
        if slice.str_at(&[
            "metadata",
            "labels",
            "endpointslice.kubernetes.io/managed-by",
        ]) != Some("endpointslice-controller.k8s.io")
        {
            continue;
        }
        for e in slice.get("endpoints").items() {
            if e.at(&["conditions", "ready"]).as_bool() != Some(true) {
                continue;
            }
            for ip in e.get("addresses").items() {
                let ip = ip.as_str().unwrap_or("").to_string();
                assert!(
                    ready_ips.contains(&(ns.to_string(), ip.clone())),
                    "{ctx}: slice {ns}/{name} has ready {ip}, not a ready pod"
                );
            }
        }
    }
}

/// The pods of a Deployment's ReplicaSets.
fn deployment_pods(c: &Cluster, name: &str) -> Vec<Value> {
    let d = match c
        .store()
        .get_named(by_kind("Deployment").unwrap(), "default", name)
    {
        Some(d) => d.clone(),
        None => return Vec::new(),
    };
    let uid = d.str_at(&["metadata", "uid"]).unwrap_or("").to_string();
    let rs_uids: BTreeSet<String> = c
        .store()
        .list(by_kind("ReplicaSet").unwrap(), Some("default"))
        .filter(|(_, rs)| {
            rs.at(&["metadata", "ownerReferences"])
                .items()
                .any(|o| o.get("uid").as_str() == Some(&uid))
        })
        .filter_map(|(_, rs)| rs.str_at(&["metadata", "uid"]).map(str::to_string))
        .collect();
    pods(c)
        .into_iter()
        .filter(|p| {
            p.at(&["metadata", "ownerReferences"])
                .items()
                .any(|o| o.get("uid").as_str().is_some_and(|u| rs_uids.contains(u)))
        })
        .collect()
}

/// Applies a Deployment of `app` with the given shape.
fn apply(
    c: &mut Cluster,
    app: &str,
    replicas: u64,
    image: &str,
    cpu: u64,
    surge: u64,
    unavailable: u64,
) {
    let manifest = format!(
        "apiVersion: apps/v1
kind: Deployment
metadata: {{name: {app}}}
spec:
  replicas: {replicas}
  strategy:
    rollingUpdate: {{maxSurge: {surge}, maxUnavailable: {unavailable}}}
  selector: {{matchLabels: {{app: {app}}}}}
  template:
    metadata: {{labels: {{app: {app}}}}}
    spec:
      terminationGracePeriodSeconds: 5
      containers:
      - name: main
        image: {image}
        resources: {{requests: {{cpu: {cpu}m, memory: 64Mi}}}}
        readinessProbe: {{httpGet: {{path: /, port: 80}}, periodSeconds: 2}}
---
apiVersion: v1
kind: Service
metadata: {{name: {app}}}
spec:
  selector: {{app: {app}}}
  ports: [{{port: 80}}]
"
    );
    let files = kubeplay_engine::kubectl::MemoryFiles::default().with("m.yaml", &manifest);
    let out = c.kubectl("kubectl apply -f m.yaml", &files);
    assert_eq!(out.exit_code, 0, "{}", out.terminal);
}

/// Steps `ms` of simulated time in small slices, checking the invariants
/// after each.
fn run_for(c: &mut Cluster, ms: u64, ctx: &str) {
    let mut left = ms;
    while left > 0 {
        let d = left.min(250);
        c.step(d);
        left -= d;
        check_allocatable(c, ctx);
        check_endpoints(c, ctx);
    }
}

/// Waits until a Deployment's current rollout has finished.
fn settle_deployment(c: &mut Cluster, app: &str) {
    for _ in 0..600 {
        let d = c
            .store()
            .get_named(by_kind("Deployment").unwrap(), "default", app)
            .cloned();
        let Some(d) = d else { return };
        let want = d.at(&["spec", "replicas"]).as_i64().unwrap_or(1);
        let s = |f: &str| d.at(&["status", f]).as_i64().unwrap_or(0);
        if d.at(&["status", "observedGeneration"]) == d.at(&["metadata", "generation"])
            && s("updatedReplicas") == want
            && s("availableReplicas") == want
            && s("replicas") == want
        {
            return;
        }
        run_for(c, 1000, "settling");
    }
    panic!("{app} never finished rolling out");
}

/// A rolling update with every node up: the availability and surge
/// bounds hold at every step.
fn checked_rollout(c: &mut Cluster, app: &str, image: &str) {
    settle_deployment(c, app);
    let d = c
        .store()
        .get_named(by_kind("Deployment").unwrap(), "default", app)
        .unwrap()
        .clone();
    let replicas = d.at(&["spec", "replicas"]).as_i64().unwrap();
    let ru = d.at(&["spec", "strategy", "rollingUpdate"]);
    let surge = ru.get("maxSurge").as_i64().unwrap();
    let unavailable = ru.get("maxUnavailable").as_i64().unwrap();
    let current = d
        .at(&["spec", "template", "spec", "containers"])
        .items()
        .next()
        .unwrap();
    if current.get("image").as_str() == Some(image) {
        return;
    }
    let out = kubectl(
        c,
        &format!("kubectl set image deployment/{app} main={image}"),
    );
    assert!(out.contains("image updated"), "{out}");
    for _ in 0..2400 {
        c.step(100);
        let ps = deployment_pods(c, app);
        let active: Vec<&Value> = ps.iter().filter(|p| !deleting(p) && !terminal(p)).collect();
        let available = active.iter().filter(|p| is_ready(p)).count() as i64;
        assert!(
            available >= replicas - unavailable,
            "{app}: {available} available of {replicas} (maxUnavailable {unavailable})"
        );
        assert!(
            active.len() as i64 <= replicas + surge,
            "{app}: {} pods for {replicas} (maxSurge {surge})",
            active.len()
        );
        let d = c
            .store()
            .get_named(by_kind("Deployment").unwrap(), "default", app)
            .unwrap();
        let s = |f: &str| d.at(&["status", f]).as_i64().unwrap_or(0);
        if d.at(&["status", "observedGeneration"]) == d.at(&["metadata", "generation"])
            && s("updatedReplicas") == replicas
            && s("availableReplicas") == replicas
            && s("replicas") == replicas
        {
            return;
        }
    }
    panic!("{app}: the rollout to {image} never finished");
}

/// Nothing names an owner that no longer exists.
fn check_no_orphans(c: &Cluster) {
    let mut uids: BTreeSet<String> = BTreeSet::new();
    for (i, _) in RESOURCES.iter().enumerate() {
        let rid = kubeplay_engine::api::registry::ResourceId(i as u16);
        for (_, obj) in c.store().list(rid, None) {
            if let Some(uid) = obj.str_at(&["metadata", "uid"]) {
                uids.insert(uid.to_string());
            }
        }
    }
    for (i, r) in RESOURCES.iter().enumerate() {
        let rid = kubeplay_engine::api::registry::ResourceId(i as u16);
        for ((ns, name), obj) in c.store().list(rid, None) {
            for o in obj.at(&["metadata", "ownerReferences"]).items() {
                let uid = o.get("uid").as_str().unwrap_or("");
                assert!(
                    uids.contains(uid),
                    "{} {ns}/{name} is owned by a {} that is gone",
                    r.kind,
                    o.get("kind").as_str().unwrap_or("")
                );
            }
        }
    }
}

fn random_script(seed: u64) {
    let mut rng = XorShift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut c = Cluster::new(seed);
    let mut stopped: BTreeSet<&str> = BTreeSet::new();
    let images = ["nginx:1.27", "nginx:1.28", "httpd:2.4", "nginx:1.26"];
    for step in 0..30 {
        let ctx = format!("seed {seed} step {step}");
        let app = rng.pick(&APPS);
        let exists = c
            .store()
            .get_named(by_kind("Deployment").unwrap(), "default", app)
            .is_some();
        match rng.below(12) {
            0..=2 => {
                let replicas = 1 + rng.below(6);
                let image = images[rng.below(2) as usize];
                let cpu = 50 + 50 * rng.below(8);
                apply(
                    &mut c,
                    app,
                    replicas,
                    image,
                    cpu,
                    rng.below(3),
                    1 + rng.below(2),
                );
            }
            3 if exists => {
                let out = kubectl(
                    &mut c,
                    &format!("kubectl scale deployment {app} --replicas={}", rng.below(8)),
                );
                assert!(out.contains("scaled"), "{ctx}: {out}");
            }
            4..=6 if exists => {
                let image = images[rng.below(images.len() as u64) as usize];
                if stopped.is_empty() {
                    checked_rollout(&mut c, app, image);
                } else {
                    kubectl(
                        &mut c,
                        &format!("kubectl set image deployment/{app} main={image}"),
                    );
                }
            }
            7 if exists => {
                let cascade = if rng.below(2) == 0 {
                    "foreground"
                } else {
                    "background"
                };
                let out = kubectl(
                    &mut c,
                    &format!("kubectl delete deployment {app} --cascade={cascade}"),
                );
                assert!(out.contains("deleted"), "{ctx}: {out}");
            }
            8 => {
                let node = rng.pick(&WORKERS);
                // At most one worker down: the others have room.
                if stopped.is_empty() && c.stop_node(node).is_ok() {
                    stopped.insert(node);
                }
            }
            9 | 10 => {
                if let Some(node) = stopped.pop_first() {
                    c.start_node(node).unwrap();
                }
            }
            _ => {}
        }
        run_for(&mut c, 1000 * (1 + rng.below(40)), &ctx);
    }
    // Everything up again; the controllers converge.
    for node in std::mem::take(&mut stopped) {
        c.start_node(node).unwrap();
    }
    run_for(&mut c, 10 * 60 * 1000, &format!("seed {seed} converging"));
    for app in APPS {
        let Some(d) = c
            .store()
            .get_named(by_kind("Deployment").unwrap(), "default", app)
            .cloned()
        else {
            continue;
        };
        let want = d.at(&["spec", "replicas"]).as_i64().unwrap_or(1);
        let ps = deployment_pods(&c, app);
        let active = ps.iter().filter(|p| !deleting(p) && !terminal(p)).count() as i64;
        let ready = ps.iter().filter(|p| !deleting(p) && is_ready(p)).count() as i64;
        assert_eq!(
            active, want,
            "seed {seed}: {app} has {active} pods, wants {want}"
        );
        assert_eq!(
            ready, want,
            "seed {seed}: {app} has {ready} ready, wants {want}"
        );
        let s = |f: &str| d.at(&["status", f]).as_i64().unwrap_or(0);
        assert_eq!(s("readyReplicas"), want, "seed {seed}: {app} status");
    }
    // Cascading deletes of everything left, both ways; nothing remains.
    for (i, app) in APPS.iter().enumerate() {
        let cascade = if i % 2 == 0 {
            "foreground"
        } else {
            "background"
        };
        kubectl(
            &mut c,
            &format!("kubectl delete deployment {app} --cascade={cascade} --ignore-not-found"),
        );
    }
    run_for(&mut c, 2 * 60 * 1000, &format!("seed {seed} deleting"));
    check_no_orphans(&c);
    for app in APPS {
        assert!(deployment_pods(&c, app).is_empty(), "seed {seed}: {app}");
    }
    let leftover: Vec<String> = pods(&c)
        .iter()
        .filter(|p| p.str_at(&["metadata", "namespace"]) == Some("default"))
        .map(|p| p.str_at(&["metadata", "name"]).unwrap_or("").to_string())
        .collect();
    assert!(leftover.is_empty(), "seed {seed}: {leftover:?}");
    assert!(
        c.store()
            .list(by_kind("ReplicaSet").unwrap(), Some("default"))
            .next()
            .is_none(),
        "seed {seed}: ReplicaSets left"
    );
}

#[test]
fn invariants_hold_under_random_scripts() {
    for seed in 1..=10 {
        random_script(seed);
    }
}
