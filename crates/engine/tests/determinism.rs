//! Determinism: the same seed and the same script give the same cluster,
//! event for event and line for line; another seed gives other names.

use kubeplay_engine::Cluster;
use kubeplay_engine::kubectl::NoFiles;
use kubeplay_engine::script::run_script;

/// A session touching every component: workloads through the controllers,
/// scheduling, image pulls and probes, a Service and an Ingress answering
/// requests, a rollout, a node failure and its evictions.
const SCRIPT: &str = r#"kubectl create deployment web --image=nginx:1.27 --replicas=3
kubectl expose deployment web --port=80
kubectl apply -f - <<EOF
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  ingressClassName: nginx
  rules:
  - host: web.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: probed}
spec:
  replicas: 2
  selector: {matchLabels: {app: probed}}
  template:
    metadata: {labels: {app: probed}}
    spec:
      containers:
      - name: app
        image: nginx:1.27
        env: [{name: READY_AFTER, value: 8s}]
        readinessProbe: {httpGet: {path: /, port: 80}, periodSeconds: 5}
EOF
sleep 20s
curl -s -o /dev/null -w '%{http_code}\n' -H 'Host: web.example.com' http://172.18.255.200/
kubectl scale deployment web --replicas=5
kubectl set image deployment/web nginx=nginx:1.28
sleep 30s
stop node node-2
sleep 6m
kubectl run broken --image=nginx:no-such-tag
sleep 1m
kubectl delete deployment probed
sleep 40s
kubectl get pods -o wide
curl -s -o /dev/null -w '%{http_code}\n' -H 'Host: web.example.com' http://172.18.255.200/
"#;

struct Run {
    transcript: String,
    events: Vec<kubeplay_engine::events::EventRecord>,
    activity: Vec<kubeplay_engine::cluster::Activity>,
    everything: String,
    pod_names: Vec<String>,
}

fn run(seed: u64) -> Run {
    let mut cluster = Cluster::new(seed);
    let result = run_script(&mut cluster, SCRIPT, &NoFiles);
    assert_eq!(result.exit_code, 0, "{}", result.output);
    let everything = cluster
        .kubectl("kubectl get all -A -o yaml", &NoFiles)
        .stdout;
    let pod_names = cluster
        .kubectl("kubectl get pods -A -o name", &NoFiles)
        .stdout
        .lines()
        .map(str::to_string)
        .collect();
    Run {
        transcript: result.output,
        events: cluster.events().records().to_vec(),
        activity: cluster.activity().to_vec(),
        everything,
        pod_names,
    }
}

#[test]
fn the_same_seed_and_script_give_the_same_cluster() {
    let a = run(7);
    let b = run(7);
    assert_eq!(a.transcript, b.transcript);
    assert_eq!(a.events.len(), b.events.len());
    assert!(a.events.len() > 100, "{}", a.events.len());
    for (x, y) in a.events.iter().zip(&b.events) {
        assert_eq!(x, y);
    }
    assert_eq!(a.activity, b.activity);
    assert!(a.activity.len() > 100, "{}", a.activity.len());
    assert_eq!(a.everything, b.everything);
    assert!(a.everything.contains("kind: Deployment"));
    // The session did what it says: traffic answered before and after the
    // node failure.
    assert_eq!(
        a.transcript.matches("\n200\n").count(),
        2,
        "{}",
        a.transcript
    );
}

#[test]
fn another_seed_gives_other_names() {
    let a = run(7);
    let c = run(8);
    let user_pods = |r: &Run| -> Vec<String> {
        r.pod_names
            .iter()
            .filter(|n| n.starts_with("pod/web-"))
            .cloned()
            .collect()
    };
    assert!(user_pods(&a).len() >= 5 && user_pods(&c).len() >= 5);
    for name in user_pods(&a) {
        assert!(!user_pods(&c).contains(&name), "{name} in both");
    }
    assert_ne!(a.everything, c.everything);
}
