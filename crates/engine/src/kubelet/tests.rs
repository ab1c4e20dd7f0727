//! Kubelet behaviour through the API: pods are created with
//! `spec.nodeName` set (standing in for the scheduler) and time is stepped.

use crate::Cluster;
use crate::apiserver::{DeleteOptions, WriteOptions};
use crate::cluster::res;
use crate::store::ObjectKey;
use crate::time::{Millis, SECOND, parse_rfc3339};
use crate::value::Value;

fn load(yaml: &str) -> Value {
    crate::yaml::load_str(yaml).unwrap()[0].root.to_value()
}

fn create(c: &mut Cluster, yaml: &str) -> ObjectKey {
    let obj = c.create(load(yaml), &WriteOptions::user()).unwrap();
    c.settle();
    ObjectKey::of(res(obj.get("kind").as_str().unwrap()), &obj)
}

fn pod(c: &Cluster, name: &str) -> Value {
    c.store()
        .get_named(res("Pod"), "default", name)
        .cloned()
        .unwrap_or(Value::Null)
}

fn container(c: &Cluster, name: &str) -> Value {
    pod(c, name)
        .at(&["status", "containerStatuses"])
        .items()
        .next()
        .cloned()
        .unwrap_or(Value::Null)
}

fn waiting(c: &Cluster, name: &str) -> (String, String) {
    let s = container(c, name);
    (
        s.str_at(&["state", "waiting", "reason"])
            .unwrap_or("")
            .to_string(),
        s.str_at(&["state", "waiting", "message"])
            .unwrap_or("")
            .to_string(),
    )
}

/// (reason, message, count) of the events about a pod, in order.
fn events(c: &Cluster, name: &str) -> Vec<(String, String, u32)> {
    c.events
        .records()
        .iter()
        .filter(|r| &*r.involved.name == name && &*r.involved.kind == "Pod")
        .map(|r| (r.reason.to_string(), r.message.to_string(), r.count))
        .collect()
}

fn has_event(c: &Cluster, name: &str, reason: &str, message: &str) -> bool {
    events(c, name)
        .iter()
        .any(|(r, m, _)| r == reason && m == message)
}

fn condition(c: &Cluster, name: &str, kind: &str) -> Value {
    pod(c, name)
        .at(&["status", "conditions"])
        .items()
        .find(|x| x.get("type").as_str() == Some(kind))
        .cloned()
        .unwrap_or(Value::Null)
}

/// Steps in small increments until `done` holds (at most `limit` ms).
fn step_until(c: &mut Cluster, limit: Millis, mut done: impl FnMut(&Cluster) -> bool) -> Millis {
    let start = c.now_ms();
    while !done(c) {
        assert!(
            c.now_ms() - start <= limit,
            "condition not reached in {limit} ms"
        );
        c.step(100);
    }
    c.now_ms()
}

fn time(s: &str) -> Millis {
    parse_rfc3339(s).unwrap()
}

const SECRET: &str = "apiVersion: v1
kind: Secret
metadata:
  name: lambdaclass-registry
type: kubernetes.io/dockerconfigjson
data:
  .dockerconfigjson: eyJhdXRocyI6eyJyZWdpc3RyeS5sYW1iZGFjbGFzcy5jb20iOnsiYXV0aCI6ImRUcHcifX19
";

#[test]
fn seed_walkthrough_private_image_backs_off_until_the_secret_exists() {
    let mut c = Cluster::new(11);
    create(
        &mut c,
        "apiVersion: v1
kind: Pod
metadata:
  name: snacker
  labels: {app: snacker}
spec:
  nodeName: node-1
  containers:
  - name: snacker
    image: registry.lambdaclass.com/snackerbis
    ports:
    - containerPort: 80
  imagePullSecrets:
  - name: lambdaclass-registry
",
    );
    let t0 = c.now_ms();
    step_until(&mut c, 5_000, |c| waiting(c, "snacker").0 == "ErrImagePull");
    let err = "rpc error: code = Unknown desc = failed to pull and unpack image \"registry.lambdaclass.com/snackerbis:latest\": failed to resolve reference \"registry.lambdaclass.com/snackerbis:latest\": failed to authorize: failed to fetch anonymous token: unexpected status from GET request to https://registry.lambdaclass.com/token?scope=repository%3Asnackerbis%3Apull&service=registry.lambdaclass.com: 401 Unauthorized";
    assert_eq!(waiting(&c, "snacker").1, err);
    assert_eq!(
        pod(&c, "snacker").str_at(&["status", "phase"]),
        Some("Pending")
    );
    step_until(&mut c, 3_000, |c| {
        waiting(c, "snacker").0 == "ImagePullBackOff"
    });
    assert_eq!(
        waiting(&c, "snacker").1,
        format!(
            "Back-off pulling image \"registry.lambdaclass.com/snackerbis\": ErrImagePull: {err}"
        )
    );
    let ev = events(&c, "snacker");
    let reasons: Vec<(&str, &str)> = ev
        .iter()
        .map(|(r, m, _)| (r.as_str(), m.as_str()))
        .collect();
    assert_eq!(
        reasons,
        [
            (
                "FailedToRetrieveImagePullSecret",
                "Unable to retrieve some image pull secrets (lambdaclass-registry); attempting to pull the image may not succeed."
            ),
            (
                "Pulling",
                "Pulling image \"registry.lambdaclass.com/snackerbis\""
            ),
            (
                "Failed",
                format!("Failed to pull image \"registry.lambdaclass.com/snackerbis\": {err}")
                    .as_str()
            ),
            ("Failed", "Error: ErrImagePull"),
            (
                "BackOff",
                "Back-off pulling image \"registry.lambdaclass.com/snackerbis\""
            ),
            ("Failed", "Error: ImagePullBackOff"),
        ]
    );
    // Every event comes from this node's kubelet.
    let rec = c
        .events
        .records()
        .iter()
        .find(|r| {
            &*r.reason == "Pulling"
                && r.involved.field_path.as_deref() == Some("spec.containers{snacker}")
        })
        .unwrap();
    assert_eq!(&*rec.component, "kubelet");
    assert_eq!(rec.host.as_deref(), Some("node-1"));
    assert_eq!(
        rec.involved.field_path.as_deref(),
        Some("spec.containers{snacker}")
    );
    // The pull is retried after 10 s, 20 s, 40 s of back-off.
    let pulls = |c: &Cluster| {
        events(c, "snacker")
            .iter()
            .find(|(r, _, _)| r == "Pulling")
            .map_or(0, |e| e.2)
    };
    let mut attempts = vec![t0];
    for expected_gap in [10 * SECOND, 20 * SECOND, 40 * SECOND] {
        let n = pulls(&c);
        let at = step_until(&mut c, 120_000, |c| pulls(c) > n);
        let gap = at - *attempts.last().unwrap();
        assert!(
            gap >= expected_gap && gap <= expected_gap + 17 * SECOND,
            "retry after {gap} ms, expected about {expected_gap}"
        );
        attempts.push(at);
    }
    step_until(&mut c, 5_000, |c| waiting(c, "snacker").0 == "ErrImagePull");
    step_until(&mut c, 5_000, |c| {
        waiting(c, "snacker").0 == "ImagePullBackOff"
    });
    let until = c.backoff_until("default", "snacker", "snacker").unwrap();
    assert!(until > c.now_ms());
    // The secret appears: the next retry pulls and the pod runs.
    create(&mut c, SECRET);
    let ready_at = step_until(&mut c, 200_000, |c| {
        condition(c, "snacker", "Ready").str_at(&["status"]) == Some("True")
    });
    assert!(ready_at >= until, "pulled before the back-off ended");
    let p = pod(&c, "snacker");
    assert_eq!(p.str_at(&["status", "phase"]), Some("Running"));
    let cs = container(&c, "snacker");
    assert_eq!(
        cs.str_at(&["image"]),
        Some("registry.lambdaclass.com/snackerbis:latest")
    );
    assert!(
        cs.str_at(&["imageID"])
            .unwrap()
            .starts_with("registry.lambdaclass.com/snackerbis@sha256:")
    );
    assert_eq!(
        cs.str_at(&["containerID"]).unwrap().len(),
        "containerd://".len() + 64
    );
    assert!(has_event(&c, "snacker", "Created", "Container created"));
    assert!(has_event(&c, "snacker", "Started", "Container started"));
    let pulled = events(&c, "snacker")
        .into_iter()
        .find(|(r, m, _)| {
            r == "Pulled"
                && m.starts_with(
                    "Successfully pulled image \"registry.lambdaclass.com/snackerbis\" in ",
                )
        })
        .unwrap();
    assert!(pulled.1.ends_with(" bytes."), "{}", pulled.1);
    assert!(
        pulled.1.contains(" including waiting). Image size: "),
        "{}",
        pulled.1
    );
    // The node reports the image.
    let node = c.store().get_named(res("Node"), "", "node-1").unwrap();
    assert!(node.at(&["status", "images"]).items().any(|i| {
        i.get("names")
            .items()
            .any(|n| n.as_str() == Some("registry.lambdaclass.com/snackerbis:latest"))
    }));
}

#[test]
fn pod_status_follows_the_kubelet_shape() {
    let mut c = Cluster::new(3);
    create(
        &mut c,
        "apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  nodeName: node-2
  containers:
  - name: nginx
    image: nginx:1.27
    ports: [{containerPort: 80}]
",
    );
    let p = pod(&c, "web");
    assert_eq!(p.str_at(&["status", "phase"]), Some("Pending"));
    assert_eq!(waiting(&c, "web").0, "ContainerCreating");
    assert_eq!(p.str_at(&["status", "hostIP"]), Some("172.18.0.4"));
    assert!(p.at(&["status", "podIP"]).is_null());
    let types: Vec<&str> = p
        .at(&["status", "conditions"])
        .items()
        .map(|c| c.get("type").as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "PodReadyToStartContainers",
            "Initialized",
            "Ready",
            "ContainersReady",
            "PodScheduled"
        ]
    );
    assert_eq!(
        condition(&c, "web", "Ready").str_at(&["message"]),
        Some("containers with unready status: [nginx]")
    );
    step_until(&mut c, 10_000, |c| {
        condition(c, "web", "Ready").str_at(&["status"]) == Some("True")
    });
    let p = pod(&c, "web");
    assert_eq!(p.str_at(&["status", "phase"]), Some("Running"));
    assert_eq!(p.str_at(&["status", "podIP"]), Some("10.244.2.3"));
    let cs = container(&c, "web");
    assert_eq!(cs.str_at(&["image"]), Some("docker.io/library/nginx:1.27"));
    assert_eq!(cs.get("ready"), &Value::Bool(true));
    assert_eq!(cs.get("started"), &Value::Bool(true));
    assert_eq!(cs.get("lastState"), &Value::object());
    assert_eq!(cs.at(&["user", "linux", "uid"]), &Value::Int(0));
    let ev: Vec<String> = events(&c, "web").into_iter().map(|e| e.0).collect();
    assert_eq!(ev, ["Pulling", "Pulled", "Created", "Started"]);
    // A running pod without probes costs nothing: no timers remain.
    assert_eq!(c.user_timers(), Vec::<String>::new());
    // A second pod with the same image finds it present.
    create(
        &mut c,
        "apiVersion: v1
kind: Pod
metadata: {name: web2}
spec:
  nodeName: node-2
  containers:
  - {name: nginx, image: 'nginx:1.27'}
",
    );
    c.step(3_000);
    assert!(has_event(
        &c,
        "web2",
        "Pulled",
        "Container image \"nginx:1.27\" already present on machine and can be accessed by the pod"
    ));
    assert_eq!(
        pod(&c, "web2").str_at(&["status", "podIP"]),
        Some("10.244.2.4")
    );
    // The app answers; nginx logs the request.
    let p = pod(&c, "web");
    let answer = super::serve_http(
        &mut c,
        &p,
        80,
        &crate::http::HttpRequest {
            method: "GET".into(),
            host: "10.244.2.2".into(),
            path: "/".into(),
            client_ip: "10.244.0.1".into(),
            user_agent: "curl/8.14.1".into(),
        },
    );
    assert_eq!(answer.status, 200);
    assert!(answer.body.contains("<title>Welcome to nginx!</title>"));
    let log = c.container_logs("default", "web", None, false).unwrap();
    assert!(log.starts_with("/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration\n"));
    assert!(log.contains("\"GET / HTTP/1.1\" 200 615 \"-\""), "{log}");
}

#[test]
fn crash_loop_back_off_doubles_from_10s() {
    let mut c = Cluster::new(5);
    create(
        &mut c,
        "apiVersion: v1
kind: Pod
metadata: {name: crash}
spec:
  nodeName: node-1
  containers:
  - name: app
    image: busybox:1.36
    command: ['sh', '-c', 'echo starting; exit 1']
",
    );
    let uid = pod(&c, "crash")
        .str_at(&["metadata", "uid"])
        .unwrap()
        .to_string();
    let restarts = |c: &Cluster| {
        container(c, "crash")
            .get("restartCount")
            .as_i64()
            .unwrap_or(0)
    };
    // First crash: restarted at once.
    step_until(&mut c, 10_000, |c| restarts(c) == 1);
    // Each later crash waits 10 s, 20 s, 40 s, 80 s from the crash.
    for (n, backoff) in [(2, "10s"), (3, "20s"), (4, "40s"), (5, "1m20s")] {
        step_until(&mut c, 200_000, |c| {
            waiting(c, "crash").0 == "CrashLoopBackOff"
        });
        assert_eq!(
            waiting(&c, "crash").1,
            format!("back-off {backoff} restarting failed container=app pod=crash_default({uid})")
        );
        let last = container(&c, "crash");
        assert_eq!(
            last.at(&["lastState", "terminated", "exitCode"]),
            &Value::Int(1)
        );
        assert_eq!(
            last.at(&["lastState", "terminated", "reason"]).as_str(),
            Some("Error")
        );
        let finished = time(
            last.str_at(&["lastState", "terminated", "finishedAt"])
                .unwrap(),
        );
        step_until(&mut c, 200_000, |c| restarts(c) == n);
        let state = container(&c, "crash");
        let started = time(
            state
                .str_at(&["state", "running", "startedAt"])
                .or_else(|| state.str_at(&["state", "terminated", "startedAt"]))
                .unwrap(),
        );
        let delay = started.saturating_sub(finished);
        let secs = super::app::parse_duration(backoff).unwrap();
        assert!(
            delay + 1000 >= secs && delay <= secs + 1000,
            "{backoff}: restarted after {delay}"
        );
    }
    assert_eq!(
        pod(&c, "crash").str_at(&["status", "phase"]),
        Some("Running")
    );
    let backoff = events(&c, "crash")
        .into_iter()
        .find(|(r, _, _)| r == "BackOff")
        .unwrap();
    assert_eq!(
        backoff.1,
        format!("Back-off restarting failed container app in pod crash_default({uid})")
    );
    assert_eq!(backoff.2, 4);
    // kubectl logs shows the crashed run; --previous the one before.
    assert_eq!(
        c.container_logs("default", "crash", None, false).unwrap(),
        "starting\n"
    );
    assert_eq!(
        c.container_logs("default", "crash", None, true).unwrap(),
        "starting\n"
    );
}

#[test]
fn busybox_without_a_command_completes_and_restarts() {
    let mut c = Cluster::new(6);
    create(
        &mut c,
        "apiVersion: v1
kind: Pod
metadata: {name: bb}
spec:
  nodeName: node-3
  containers:
  - {name: bb, image: busybox}
",
    );
    step_until(&mut c, 20_000, |c| {
        container(c, "bb")
            .at(&["lastState", "terminated", "reason"])
            .as_str()
            == Some("Completed")
    });
    assert_eq!(
        container(&c, "bb").at(&["lastState", "terminated", "exitCode"]),
        &Value::Int(0)
    );
    // restartPolicy Never: the pod succeeds.
    create(
        &mut c,
        "apiVersion: v1
kind: Pod
metadata: {name: once}
spec:
  nodeName: node-3
  restartPolicy: Never
  containers:
  - {name: job, image: 'busybox:1.36', command: [sh, -c, 'echo done']}
",
    );
    step_until(&mut c, 20_000, |c| {
        pod(c, "once").str_at(&["status", "phase"]) == Some("Succeeded")
    });
    assert_eq!(
        condition(&c, "once", "Ready").str_at(&["reason"]),
        Some("PodCompleted")
    );
    assert_eq!(
        condition(&c, "once", "PodReadyToStartContainers").str_at(&["status"]),
        Some("False")
    );
    assert_eq!(
        c.container_logs("default", "once", None, false).unwrap(),
        "done\n"
    );
}

#[test]
fn readiness_waits_for_the_app_and_liveness_restarts_it() {
    let mut c = Cluster::new(8);
    create(
        &mut c,
        "apiVersion: v1
kind: Pod
metadata: {name: slow}
spec:
  nodeName: node-1
  containers:
  - name: app
    image: someone/app:v1
    env: [{name: READY_AFTER, value: 20s}]
    ports: [{containerPort: 8080}]
    readinessProbe:
      httpGet: {path: /ready, port: 8080}
      periodSeconds: 5
",
    );
    let started = step_until(&mut c, 30_000, |c| {
        container(c, "slow").get("started") == &Value::Bool(true)
    });
    c.step(10_000);
    assert_eq!(container(&c, "slow").get("ready"), &Value::Bool(false));
    let unhealthy = events(&c, "slow")
        .into_iter()
        .find(|(r, _, _)| r == "Unhealthy")
        .unwrap();
    assert_eq!(
        unhealthy.1,
        "Readiness probe failed: HTTP probe failed with statuscode: 503"
    );
    let ready_at = step_until(&mut c, 30_000, |c| {
        condition(c, "slow", "Ready").str_at(&["status"]) == Some("True")
    });
    assert!(
        ready_at >= started + 20_000 && ready_at <= started + 26_000,
        "{}",
        ready_at - started
    );
    // Ready and idle: no probe timers.
    assert_eq!(c.user_timers(), Vec::<String>::new());

    // The docs' liveness example: the file goes after 30 s.
    create(
        &mut c,
        "apiVersion: v1
kind: Pod
metadata: {name: liveness-exec}
spec:
  nodeName: node-2
  containers:
  - name: liveness
    image: registry.k8s.io/busybox:1.27.2
    args: [/bin/sh, -c, 'touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600']
    livenessProbe:
      exec:
        command: [cat, /tmp/healthy]
      initialDelaySeconds: 5
      periodSeconds: 5
",
    );
    step_until(&mut c, 120_000, |c| {
        has_event(
            c,
            "liveness-exec",
            "Killing",
            "Container liveness failed liveness probe, will be restarted",
        )
    });
    let unhealthy = events(&c, "liveness-exec")
        .into_iter()
        .find(|(r, _, _)| r == "Unhealthy")
        .unwrap();
    assert_eq!(
        unhealthy.1,
        "Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory\n"
    );
    assert_eq!(unhealthy.2, 3);
    // sh ignores SIGTERM: SIGKILL at the end of the 30 s grace period.
    step_until(&mut c, 40_000, |c| {
        container(c, "liveness-exec").get("restartCount") == &Value::Int(1)
    });
    let last = container(&c, "liveness-exec");
    assert_eq!(
        last.at(&["lastState", "terminated", "exitCode"]),
        &Value::Int(137)
    );
    let t = last.at(&["lastState", "terminated"]);
    let ran = time(t.str_at(&["finishedAt"]).unwrap()) - time(t.str_at(&["startedAt"]).unwrap());
    // Failures at 30, 35 and 40 s (plus the probe worker's phase), then 30 s of grace.
    assert!((70_000..=71_000).contains(&ran), "ran {ran} ms");
}

#[test]
fn http_probes_reach_the_access_log_from_the_pod_cidr_gateway() {
    let mut c = Cluster::new(8);
    create(
        &mut c,
        "apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  nodeName: node-1
  containers:
  - name: nginx
    image: nginx:1.27
    readinessProbe:
      httpGet: {path: /, port: 80}
      periodSeconds: 5
    livenessProbe:
      httpGet:
        path: healthz
        port: 80
        httpHeaders: [{name: user-agent, value: my-probe}]
      initialDelaySeconds: 3
      periodSeconds: 20
      failureThreshold: 10
",
    );
    let started = step_until(&mut c, 30_000, |c| {
        container(c, "web").get("ready") == &Value::Bool(true)
    });
    // Each tick is in nginx's log (though the simulation skips the
    // readiness probes that cannot change anything), from the node's side
    // of the veth (10.244.1.1).
    c.step(60_000 - (c.now_ms() - started));
    let log = c.container_logs("default", "web", None, false).unwrap();
    let readiness: Vec<&str> = log
        .lines()
        .filter(|l| l.ends_with("\"GET / HTTP/1.1\" 200 615 \"-\" \"kube-probe/1.37\" \"-\""))
        .collect();
    assert!(
        (12..=13).contains(&readiness.len()),
        "{} readiness lines:\n{log}",
        readiness.len()
    );
    assert!(
        readiness.iter().all(|l| l.starts_with("10.244.1.1 - - [")),
        "{log}"
    );
    let liveness: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("\"GET /healthz HTTP/1.1\" 404 153 \"-\" \"my-probe\""))
        .collect();
    assert_eq!(liveness.len(), 3, "{log}");
}

#[test]
fn an_https_probe_of_a_plain_http_server_fails_as_gos_client_does() {
    let mut c = Cluster::new(8);
    create(
        &mut c,
        "apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  nodeName: node-1
  containers:
  - name: nginx
    image: nginx:1.27
    readinessProbe:
      httpGet: {path: /, port: 80, scheme: HTTPS}
      periodSeconds: 5
",
    );
    c.step(20_000);
    assert_eq!(container(&c, "web").get("ready"), &Value::Bool(false));
    let ip = c
        .get(res("Pod"), "default", "web")
        .unwrap()
        .str_at(&["status", "podIP"])
        .unwrap()
        .to_string();
    let unhealthy = events(&c, "web")
        .into_iter()
        .find(|(r, _, _)| r == "Unhealthy")
        .unwrap();
    assert_eq!(
        unhealthy.1,
        format!(
            "Readiness probe failed: Get \"https://{ip}:80/\": http: server gave HTTP response to HTTPS client"
        )
    );
    // The handshake is not an HTTP request nginx could log readably.
    let log = c.container_logs("default", "web", None, false).unwrap();
    assert!(!log.contains("kube-probe"), "{log}");
}

#[test]
fn readiness_probes_reach_a_stopping_server_until_its_signal() {
    let mut c = Cluster::new(8);
    create(
        &mut c,
        "apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  nodeName: node-1
  containers:
  - name: nginx
    image: nginx:1.27
    env: [{name: READY_AFTER, value: 3s}]
    lifecycle: {preStop: {sleep: {seconds: 10}}}
    readinessProbe: {httpGet: {path: /, port: 80}, periodSeconds: 2}
    livenessProbe: {httpGet: {path: /, port: 80, host: 192.0.2.10}, periodSeconds: 2}
",
    );
    step_until(&mut c, 30_000, |c| {
        container(c, "web").get("ready") == &Value::Bool(true)
    });
    c.step(5_000);
    let key = ObjectKey::new(res("Pod"), "default", "web");
    let deleted_at = c.now_ms();
    c.delete(&key, crate::apiserver::DeleteOptions::default())
        .unwrap();
    c.step(5_000);
    let entries = c
        .container_log_entries("default", "web", None, false)
        .unwrap();
    let probes: Vec<&(u64, String)> = entries
        .iter()
        .filter(|(_, l)| l.contains("kube-probe"))
        .collect();
    let log = || {
        entries
            .iter()
            .map(|(_, l)| l.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    };
    // Before READY_AFTER the app answers 503, logged as nginx logs it.
    assert!(
        probes[0]
            .1
            .ends_with("\"GET / HTTP/1.1\" 503 24 \"-\" \"kube-probe/1.37\" \"-\""),
        "{}",
        log()
    );
    // The liveness probe goes to another host: none of its requests here.
    assert!(
        probes.iter().all(|(_, l)| l.contains("\"GET / ")),
        "{}",
        log()
    );
    // Readiness goes on through the preStop hook's 10 s: nginx gets its
    // SIGQUIT only after it.
    let after: Vec<_> = probes.iter().filter(|(t, _)| *t > deleted_at).collect();
    assert_eq!(after.len(), 3, "{}", log());
    assert!(
        after.iter().all(|(_, l)| l.contains("200 615")),
        "{}",
        log()
    );
    assert!(!log().contains("SIGQUIT"), "{}", log());
}

#[test]
fn agnhost_liveness_fails_after_ten_seconds_as_in_the_docs() {
    let mut c = Cluster::new(8);
    create(
        &mut c,
        "apiVersion: v1
kind: Pod
metadata: {name: liveness-http, labels: {test: liveness}}
spec:
  nodeName: node-1
  containers:
  - name: liveness
    image: registry.k8s.io/e2e-test-images/agnhost:2.40
    args: [liveness]
    livenessProbe:
      httpGet:
        path: /healthz
        port: 8080
        httpHeaders: [{name: Custom-Header, value: Awesome}]
      initialDelaySeconds: 3
      periodSeconds: 3
",
    );
    step_until(&mut c, 60_000, |c| {
        container(c, "liveness-http").get("restartCount") == &Value::Int(1)
    });
    assert!(has_event(
        &c,
        "liveness-http",
        "Unhealthy",
        "Liveness probe failed: HTTP probe failed with statuscode: 500"
    ));
    assert!(has_event(
        &c,
        "liveness-http",
        "Killing",
        "Container liveness failed liveness probe, will be restarted"
    ));
    let last = container(&c, "liveness-http");
    let t = last.at(&["lastState", "terminated"]);
    // Go's runtime re-raises SIGTERM, which PID 1 ignores, then exits 2.
    assert_eq!(t.get("exitCode"), &Value::Int(2));
    assert_eq!(t.str_at(&["reason"]), Some("Error"));
    let ran = time(t.str_at(&["finishedAt"]).unwrap()) - time(t.str_at(&["startedAt"]).unwrap());
    // 200 at 3, 6 and 9 s; 500 at 12, 15 and 18 s (plus the worker's phase;
    // the API keeps whole seconds).
    assert!((18_000..=19_000).contains(&ran), "ran {ran} ms");
    // It logs no request.
    assert_eq!(
        c.container_logs("default", "liveness-http", None, true)
            .unwrap(),
        ""
    );
}

#[test]
fn graceful_termination_takes_as_long_as_the_app() {
    let mut c = Cluster::new(9);
    for (name, image, cmd) in [
        ("quick", "nginx:1.27", ""),
        ("stubborn", "busybox:1.36", "    command: [sleep, '3600']\n"),
    ] {
        create(
            &mut c,
            &format!(
                "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}}}\nspec:\n  nodeName: node-1\n  containers:\n  - name: main\n    image: {image}\n{cmd}"
            ),
        );
    }
    step_until(&mut c, 20_000, |c| {
        ["quick", "stubborn"]
            .iter()
            .all(|n| pod(c, n).str_at(&["status", "phase"]) == Some("Running"))
    });
    for name in ["quick", "stubborn"] {
        let key = ObjectKey::new(res("Pod"), "default", name);
        c.delete(&key, DeleteOptions::default()).unwrap();
    }
    c.settle();
    let t0 = c.now_ms();
    assert!(has_event(&c, "quick", "Killing", "Stopping container main"));
    let gone = step_until(&mut c, 5_000, |c| pod(c, "quick").is_null());
    assert!(gone - t0 <= 1_000, "nginx took {} ms", gone - t0);
    assert!(!pod(&c, "stubborn").is_null());
    // Killed at the grace period's end; the kubelet writes its status,
    // then deletes it.
    let gone = step_until(&mut c, 40_000, |c| pod(c, "stubborn").is_null());
    assert!((30_000..31_000).contains(&(gone - t0)), "{}", gone - t0);
}

#[test]
fn a_shell_that_ignores_sigterm_finishes_its_script_within_the_grace_period() {
    let mut c = Cluster::new(9);
    create(
        &mut c,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: script}\nspec:\n  nodeName: node-1\n  restartPolicy: Never\n  containers:\n  - name: main\n    image: busybox:1.36\n    command: [sh, -c, 'sleep 8; exit 3']\n",
    );
    step_until(&mut c, 20_000, |c| {
        pod(c, "script").str_at(&["status", "phase"]) == Some("Running")
    });
    let started = container(&c, "script")
        .str_at(&["state", "running", "startedAt"])
        .and_then(parse_rfc3339)
        .unwrap();
    c.delete(
        &ObjectKey::new(res("Pod"), "default", "script"),
        DeleteOptions::default(),
    )
    .unwrap();
    c.settle();
    // PID 1 ignores SIGTERM, so the script runs on and exits at 8 s, long
    // before the 30 s SIGKILL.
    let gone = step_until(&mut c, 40_000, |c| pod(c, "script").is_null());
    assert!(
        gone >= started + 8_000 && gone < started + 9_000,
        "{}",
        gone - started
    );
}

#[test]
fn image_errors_have_the_real_reasons() {
    let mut c = Cluster::new(12);
    create(
        &mut c,
        "apiVersion: v1
kind: Pod
metadata: {name: typo}
spec:
  nodeName: node-1
  containers:
  - {name: web, image: 'nginx:1.161'}
---
",
    );
    create(
        &mut c,
        "apiVersion: v1
kind: Pod
metadata: {name: never}
spec:
  nodeName: node-1
  containers:
  - {name: web, image: 'redis:7', imagePullPolicy: Never}
",
    );
    create(
        &mut c,
        "apiVersion: v1
kind: Pod
metadata: {name: upper}
spec:
  nodeName: node-1
  containers:
  - {name: web, image: 'Nginx'}
",
    );
    c.step(5_000);
    assert_eq!(waiting(&c, "typo").0, "ImagePullBackOff");
    assert!(has_event(
        &c,
        "typo",
        "Failed",
        "Failed to pull image \"nginx:1.161\": rpc error: code = NotFound desc = failed to pull and unpack image \"docker.io/library/nginx:1.161\": failed to resolve reference \"docker.io/library/nginx:1.161\": docker.io/library/nginx:1.161: not found"
    ));
    assert_eq!(
        waiting(&c, "never"),
        (
            "ErrImageNeverPull".to_string(),
            "Container image \"redis:7\" is not present with pull policy of Never".to_string()
        )
    );
    assert_eq!(
        waiting(&c, "upper"),
        (
            "InvalidImageName".to_string(),
            "Failed to apply default image tag \"Nginx\": couldn't parse image reference \"Nginx\": invalid reference format: repository name (library/Nginx) must be lowercase".to_string()
        )
    );
    assert_eq!(
        c.container_logs("default", "typo", None, false)
            .unwrap_err()
            .message,
        "container \"web\" in pod \"typo\" is waiting to start: trying and failing to pull image"
    );
    assert_eq!(
        c.container_logs("default", "never", None, false)
            .unwrap_err()
            .message,
        "container \"web\" in pod \"never\" is waiting to start: ErrImageNeverPull"
    );
    assert_eq!(
        c.container_logs("default", "typo", Some("nope"), false)
            .unwrap_err()
            .message,
        "container nope is not valid for pod typo"
    );
    assert_eq!(
        c.container_logs("default", "typo", None, true)
            .unwrap_err()
            .message,
        "previous terminated container \"web\" in pod \"typo\" not found"
    );
    // A registry outage makes a known image unpullable.
    c.set_image_available("httpd", false);
    create(
        &mut c,
        "apiVersion: v1
kind: Pod
metadata: {name: outage}
spec:
  nodeName: node-2
  containers:
  - {name: web, image: 'httpd:2.4'}
",
    );
    c.step(3_000);
    assert_eq!(waiting(&c, "outage").0, "ImagePullBackOff");
}

#[test]
fn init_containers_run_in_order_before_the_app() {
    let mut c = Cluster::new(13);
    create(
        &mut c,
        "apiVersion: v1
kind: Pod
metadata: {name: init}
spec:
  nodeName: node-3
  initContainers:
  - {name: setup, image: 'busybox:1.36', command: [sh, -c, 'echo init running; sleep 10; echo init done']}
  containers:
  - {name: web, image: 'nginx:1.27'}
",
    );
    c.step(2_000);
    assert_eq!(waiting(&c, "init").0, "PodInitializing");
    assert_eq!(
        condition(&c, "init", "Initialized").str_at(&["message"]),
        Some("containers with incomplete status: [setup]")
    );
    assert_eq!(
        c.container_logs("default", "init", None, false)
            .unwrap_err()
            .message,
        "container \"web\" in pod \"init\" is waiting to start: PodInitializing"
    );
    step_until(&mut c, 30_000, |c| {
        pod(c, "init").str_at(&["status", "phase"]) == Some("Running")
    });
    let init = pod(&c, "init")
        .at(&["status", "initContainerStatuses"])
        .items()
        .next()
        .cloned()
        .unwrap();
    assert_eq!(
        init.at(&["state", "terminated", "reason"]).as_str(),
        Some("Completed")
    );
    let t = init.at(&["state", "terminated"]);
    assert_eq!(
        time(t.str_at(&["finishedAt"]).unwrap()) - time(t.str_at(&["startedAt"]).unwrap()),
        10_000
    );
    assert_eq!(
        c.container_logs("default", "init", Some("setup"), false)
            .unwrap(),
        "init running\ninit done\n"
    );
}

#[test]
fn env_driven_failures_crash_and_oom() {
    let mut c = Cluster::new(14);
    create(
        &mut c,
        "apiVersion: v1
kind: Pod
metadata: {name: flaky}
spec:
  nodeName: node-1
  containers:
  - name: app
    image: someone/app:v2
    env:
    - {name: CRASH_AFTER, value: 30s}
    - {name: EXIT_CODE, value: '3'}
    - {name: CPU_MILLICORES, value: '250'}
    - {name: MEMORY_MB, value: '64'}
",
    );
    c.step(20_000);
    let (cpu, mem) = c.pod_usage("default", "flaky").unwrap();
    assert!((249..=252).contains(&cpu), "{cpu}");
    assert!((64 << 20..72 << 20).contains(&mem), "{mem}");
    step_until(&mut c, 40_000, |c| {
        container(c, "flaky").get("restartCount") == &Value::Int(1)
    });
    let t = container(&c, "flaky");
    assert_eq!(
        t.at(&["lastState", "terminated", "exitCode"]),
        &Value::Int(3)
    );
    let prev = c.container_logs("default", "flaky", None, true).unwrap();
    assert!(
        prev.ends_with("fatal: simulated crash after 30s (CRASH_AFTER), exiting with code 3\n"),
        "{prev}"
    );
    create(
        &mut c,
        "apiVersion: v1
kind: Pod
metadata: {name: hog}
spec:
  nodeName: node-1
  containers:
  - name: memory-demo-ctr
    image: polinux/stress
    resources: {limits: {memory: 100Mi}, requests: {memory: 50Mi}}
    command: [stress]
    args: [--vm, '1', --vm-bytes, 250M, --vm-hang, '1']
",
    );
    step_until(&mut c, 20_000, |c| {
        container(c, "hog")
            .at(&["lastState", "terminated", "reason"])
            .as_str()
            == Some("OOMKilled")
    });
    assert_eq!(
        container(&c, "hog").at(&["lastState", "terminated", "exitCode"]),
        &Value::Int(137)
    );
}

#[test]
fn a_stopped_node_goes_unknown_then_its_pods_are_evicted() {
    let mut c = Cluster::new(21);
    create(
        &mut c,
        "apiVersion: v1
kind: Pod
metadata: {name: victim}
spec:
  nodeName: node-2
  containers:
  - {name: web, image: 'nginx:1.27'}
",
    );
    step_until(&mut c, 10_000, |c| {
        condition(c, "victim", "Ready").str_at(&["status"]) == Some("True")
    });
    c.step(37_000);
    let stopped_at = c.now_ms();
    c.stop_node("node-2").unwrap();
    let renew = c.node_last_heartbeat("node-2").unwrap();
    assert!(stopped_at - renew < 10_000);
    let unknown_at = c.node_unknown_at("node-2").unwrap();
    assert!(unknown_at > renew + 50_000 && unknown_at <= renew + 55_000);
    assert_eq!(unknown_at % 5_000, 0);
    // Nothing changes until the grace period passes.
    c.step(unknown_at - c.now_ms() - 100);
    let node = |c: &Cluster| {
        c.store()
            .get_named(res("Node"), "", "node-2")
            .cloned()
            .unwrap()
    };
    let ready = |c: &Cluster| {
        node(c)
            .at(&["status", "conditions"])
            .items()
            .find(|x| x.get("type").as_str() == Some("Ready"))
            .cloned()
            .unwrap()
    };
    assert_eq!(ready(&c).str_at(&["status"]), Some("True"));
    assert_eq!(
        pod(&c, "victim").str_at(&["status", "phase"]),
        Some("Running")
    );
    c.step(100);
    let r = ready(&c);
    assert_eq!(r.str_at(&["status"]), Some("Unknown"));
    assert_eq!(r.str_at(&["reason"]), Some("NodeStatusUnknown"));
    assert_eq!(
        r.str_at(&["message"]),
        Some("Kubelet stopped posting node status.")
    );
    for kind in ["MemoryPressure", "DiskPressure", "PIDPressure"] {
        let cond = node(&c)
            .at(&["status", "conditions"])
            .items()
            .find(|x| x.get("type").as_str() == Some(kind))
            .cloned()
            .unwrap();
        assert_eq!(cond.str_at(&["status"]), Some("Unknown"));
    }
    let taints: Vec<(String, String)> = node(&c)
        .at(&["spec", "taints"])
        .items()
        .map(|t| {
            (
                t.str_at(&["key"]).unwrap().to_string(),
                t.str_at(&["effect"]).unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        taints,
        [
            (
                "node.kubernetes.io/unreachable".to_string(),
                "NoSchedule".to_string()
            ),
            (
                "node.kubernetes.io/unreachable".to_string(),
                "NoExecute".to_string()
            )
        ]
    );
    assert_eq!(
        condition(&c, "victim", "Ready").str_at(&["status"]),
        Some("False")
    );
    assert_eq!(
        pod(&c, "victim").str_at(&["status", "phase"]),
        Some("Running")
    );
    assert!(has_event(&c, "victim", "NodeNotReady", "Node is not ready"));
    assert!(
        c.events
            .records()
            .iter()
            .any(|e| &*e.reason == "NodeNotReady"
                && &*e.message == "Node node-2 status is now: NodeNotReady"
                && &*e.component == "node-controller")
    );
    // Evicted when the 300 s toleration runs out.
    let deadline = c.eviction_deadline("default", "victim").unwrap();
    assert_eq!(deadline, c.now_ms() + 300_000);
    c.step(300_000);
    assert!(has_event(
        &c,
        "victim",
        "TaintManagerEviction",
        "Marking for deletion Pod default/victim"
    ));
    let p = pod(&c, "victim");
    assert!(!p.at(&["metadata", "deletionTimestamp"]).is_null());
    assert_eq!(
        condition(&c, "victim", "DisruptionTarget").str_at(&["reason"]),
        Some("DeletionByTaintManager")
    );
    // The kubelet cannot confirm: the pod stays Terminating.
    c.step(120_000);
    assert!(!pod(&c, "victim").is_null());
    // Logs cannot be fetched from a dead node.
    assert!(
        c.container_logs("default", "victim", None, false)
            .unwrap_err()
            .message
            .contains(":10250: connect: no route to host")
    );
    // The node comes back: Ready, untainted, and the deleted pod goes.
    c.start_node("node-2").unwrap();
    c.step(2_000);
    assert!(pod(&c, "victim").is_null());
    assert_eq!(ready(&c).str_at(&["status"]), Some("True"));
    assert!(node(&c).at(&["spec", "taints"]).is_null());
}

#[test]
fn a_node_restarting_in_time_restarts_its_containers() {
    let mut c = Cluster::new(22);
    create(
        &mut c,
        "apiVersion: v1
kind: Pod
metadata: {name: survivor}
spec:
  nodeName: node-3
  containers:
  - {name: web, image: 'nginx:1.27'}
",
    );
    step_until(&mut c, 10_000, |c| {
        condition(c, "survivor", "Ready").str_at(&["status"]) == Some("True")
    });
    c.stop_node("node-3").unwrap();
    c.step(20_000);
    c.start_node("node-3").unwrap();
    assert_eq!(c.node_unknown_at("node-3"), None);
    step_until(&mut c, 10_000, |c| {
        container(c, "survivor").get("restartCount") == &Value::Int(1)
    });
    step_until(&mut c, 10_000, |c| {
        condition(c, "survivor", "Ready").str_at(&["status"]) == Some("True")
    });
    let cs = container(&c, "survivor");
    assert_eq!(
        cs.at(&["lastState", "terminated", "reason"]).as_str(),
        Some("Unknown")
    );
    assert_eq!(
        cs.at(&["lastState", "terminated", "exitCode"]),
        &Value::Int(255)
    );
    assert!(has_event(
        &c,
        "survivor",
        "SandboxChanged",
        "Pod sandbox changed, it will be killed and re-created."
    ));
}

#[test]
fn registered_nodes_report_kubelet_status() {
    let c = Cluster::new(1);
    let node = c.store().get_named(res("Node"), "", "node-1").unwrap();
    assert_eq!(
        node.str_at(&["status", "nodeInfo", "kubeletVersion"]),
        Some("v1.37.0")
    );
    assert_eq!(
        node.str_at(&["status", "nodeInfo", "containerRuntimeVersion"]),
        Some("containerd://2.3.4")
    );
    let addresses: Vec<(&str, &str)> = node
        .at(&["status", "addresses"])
        .items()
        .map(|a| {
            (
                a.str_at(&["type"]).unwrap(),
                a.str_at(&["address"]).unwrap(),
            )
        })
        .collect();
    assert_eq!(
        addresses,
        [("InternalIP", "172.18.0.3"), ("Hostname", "node-1")]
    );
    let conds: Vec<(&str, &str, &str)> = node
        .at(&["status", "conditions"])
        .items()
        .map(|c| {
            (
                c.str_at(&["type"]).unwrap(),
                c.str_at(&["status"]).unwrap(),
                c.str_at(&["reason"]).unwrap(),
            )
        })
        .collect();
    assert_eq!(
        conds,
        [
            ("MemoryPressure", "False", "KubeletHasSufficientMemory"),
            ("DiskPressure", "False", "KubeletHasNoDiskPressure"),
            ("PIDPressure", "False", "KubeletHasSufficientPID"),
            ("Ready", "True", "KubeletReady"),
        ]
    );
    assert_eq!(
        node.at(&["status", "daemonEndpoints", "kubeletEndpoint", "Port"]),
        &Value::Int(10250)
    );
    assert!(
        c.store()
            .get_named(res("Lease"), "kube-node-lease", "node-1")
            .is_some()
    );
    assert_eq!(c.user_timers(), Vec::<String>::new());
}

#[test]
fn a_node_applied_from_a_manifest_joins_with_the_default_size() {
    let mut c = Cluster::new(2);
    create(
        &mut c,
        "apiVersion: v1
kind: Node
metadata:
  name: extra
  labels: {disk: ssd}
",
    );
    let node = c.store().get_named(res("Node"), "", "extra").unwrap();
    assert_eq!(node.str_at(&["status", "capacity", "cpu"]), Some("4"));
    assert_eq!(
        node.str_at(&["status", "allocatable", "memory"]),
        Some("8Gi")
    );
    assert!(c.node_running("extra"));
    // Removing a node: its pods are garbage-collected after the quarantine.
    create(
        &mut c,
        "apiVersion: v1
kind: Pod
metadata: {name: orphan}
spec:
  nodeName: extra
  containers:
  - {name: web, image: 'nginx:1.27'}
",
    );
    c.step(5_000);
    c.remove_node("extra").unwrap();
    c.step(30_000);
    assert!(!pod(&c, "orphan").is_null());
    c.step(40_000);
    assert!(pod(&c, "orphan").is_null());
}

#[test]
fn a_missing_configmap_blocks_the_container() {
    let mut c = Cluster::new(4);
    create(
        &mut c,
        "apiVersion: v1
kind: Pod
metadata: {name: cfg}
spec:
  nodeName: node-1
  containers:
  - name: app
    image: 'nginx:1.27'
    env:
    - name: MODE
      valueFrom: {configMapKeyRef: {name: settings, key: mode}}
",
    );
    c.step(4_000);
    assert_eq!(
        waiting(&c, "cfg"),
        (
            "CreateContainerConfigError".to_string(),
            "configmap \"settings\" not found".to_string()
        )
    );
    assert!(has_event(
        &c,
        "cfg",
        "Failed",
        "Error: configmap \"settings\" not found"
    ));
    // Each retry checks the image again before it fails again.
    let present = |c: &Cluster| {
        events(c, "cfg")
            .iter()
            .find(|(r, m, _)| r == "Pulled" && m.contains("already present on machine"))
            .map_or(0, |(_, _, n)| *n)
    };
    let before = present(&c);
    c.step(16_000);
    assert_eq!(present(&c), before + 1);
    create(
        &mut c,
        "apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {mode: fast}
",
    );
    step_until(&mut c, 20_000, |c| {
        pod(c, "cfg").str_at(&["status", "phase"]) == Some("Running")
    });
}

#[test]
fn optional_references_to_missing_keys_set_no_variable() {
    let mut c = Cluster::new(15);
    create(
        &mut c,
        "apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {mode: fast}
",
    );
    create(
        &mut c,
        "apiVersion: v1
kind: Pod
metadata: {name: opt}
spec:
  nodeName: node-1
  restartPolicy: Never
  containers:
  - name: app
    image: busybox:1.36
    command: [sh, -c, 'env | grep X_ | sort; echo done']
    env:
    - {name: X_MODE, valueFrom: {configMapKeyRef: {name: settings, key: mode}}}
    - {name: X_KEY, valueFrom: {configMapKeyRef: {name: settings, key: nope, optional: true}}}
    - {name: X_MAP, valueFrom: {configMapKeyRef: {name: nope, key: mode, optional: true}}}
    - {name: X_SECRET, valueFrom: {secretKeyRef: {name: nope, key: pw, optional: true}}}
",
    );
    step_until(&mut c, 30_000, |c| {
        pod(c, "opt").str_at(&["status", "phase"]) == Some("Succeeded")
    });
    assert_eq!(
        c.container_logs("default", "opt", None, false).unwrap(),
        "X_MODE=fast\ndone\n"
    );
}

#[test]
fn kill_container_restarts_per_policy() {
    let mut c = Cluster::new(15);
    create(
        &mut c,
        "apiVersion: v1
kind: Pod
metadata: {name: victim}
spec:
  nodeName: node-1
  containers:
  - {name: web, image: 'nginx:1.27'}
",
    );
    step_until(&mut c, 10_000, |c| {
        pod(c, "victim").str_at(&["status", "phase"]) == Some("Running")
    });
    c.kill_container("default", "victim", None).unwrap();
    let cs = container(&c, "victim");
    assert_eq!(
        cs.at(&["state", "terminated", "exitCode"]),
        &Value::Int(137)
    );
    step_until(&mut c, 5_000, |c| {
        container(c, "victim").get("restartCount") == &Value::Int(1)
    });
    assert!(c.kill_container("default", "nobody", None).is_err());
}

#[test]
fn simulated_runs_are_deterministic() {
    let run = || {
        let mut c = Cluster::new(99);
        create(
            &mut c,
            "apiVersion: v1
kind: Pod
metadata: {name: a}
spec:
  nodeName: node-1
  containers:
  - {name: a, image: 'busybox:1.36', command: [sh, -c, 'sleep 5; exit 2']}
",
        );
        c.step(120_000);
        crate::yaml::to_yaml(&pod(&c, "a"))
    };
    assert_eq!(run(), run());
}

#[test]
fn a_sigterm_trap_shortens_the_shutdown() {
    let mut c = Cluster::new(16);
    create(
        &mut c,
        "apiVersion: v1
kind: Pod
metadata: {name: trap}
spec:
  nodeName: node-1
  terminationGracePeriodSeconds: 20
  containers:
  - name: app
    image: busybox:1.36
    command: [sh, -c, \"trap 'echo SIGTERM received; sleep 10; exit 0' TERM; echo Application running; sleep 3600\"]
",
    );
    step_until(&mut c, 10_000, |c| {
        pod(c, "trap").str_at(&["status", "phase"]) == Some("Running")
    });
    let key = ObjectKey::new(res("Pod"), "default", "trap");
    c.delete(&key, DeleteOptions::default()).unwrap();
    c.settle();
    let t0 = c.now_ms();
    c.step(1_000);
    assert_eq!(
        c.container_logs("default", "trap", None, false).unwrap(),
        "Application running\nSIGTERM received\n"
    );
    let gone = step_until(&mut c, 25_000, |c| pod(c, "trap").is_null());
    assert!((10_000..=10_500).contains(&(gone - t0)), "{}", gone - t0);
}

/// Scale check (run with `--ignored --release`): many nodes and pods start,
/// then an idle cluster schedules nothing.
#[test]
#[ignore]
fn scale_idle_cluster_costs_nothing() {
    let started = std::time::Instant::now();
    let mut c = Cluster::empty(1);
    for i in 0..5000 {
        c.add_node(crate::NodeOptions::worker(&format!("n{i}")))
            .unwrap();
    }
    c.settle();
    eprintln!("5000 nodes registered in {:?}", started.elapsed());
    let t = std::time::Instant::now();
    for i in 0..30_000 {
        let pod = load(&format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}}}\nspec:\n  nodeName: n{}\n  containers:\n  - {{name: web, image: 'nginx:1.27', readinessProbe: {{httpGet: {{path: /, port: 80}}}}}}\n",
            i % 5000
        ));
        c.create(pod, &WriteOptions::user()).unwrap();
    }
    c.settle();
    eprintln!("30000 pods created in {:?}", t.elapsed());
    let t = std::time::Instant::now();
    c.step(60_000);
    eprintln!("60 s of start-up in {:?}", t.elapsed());
    let running = c
        .store()
        .list(res("Pod"), None)
        .filter(|(_, p)| p.str_at(&["status", "phase"]) == Some("Running"))
        .count();
    assert_eq!(running, 30_000);
    assert_eq!(c.next_timer_at(), None);
    let t = std::time::Instant::now();
    for _ in 0..600 {
        c.step(1_000);
    }
    eprintln!("600 idle steps in {:?}", t.elapsed());
    assert!(t.elapsed() < std::time::Duration::from_millis(200));
}

#[test]
fn a_pod_that_does_not_fit_is_rejected_by_the_kubelet() {
    let mut c = Cluster::new(17);
    create(
        &mut c,
        "apiVersion: v1
kind: Pod
metadata: {name: huge}
spec:
  nodeName: node-1
  containers:
  - name: app
    image: 'nginx:1.27'
    resources: {requests: {cpu: '8'}}
",
    );
    let p = pod(&c, "huge");
    assert_eq!(p.str_at(&["status", "phase"]), Some("Failed"));
    assert_eq!(p.str_at(&["status", "reason"]), Some("OutOfcpu"));
    assert_eq!(
        p.str_at(&["status", "message"]),
        Some(
            "Pod was rejected: Node didn't have enough resource: cpu, requested: 8000, used: 100, capacity: 4000"
        )
    );
    assert!(has_event(
        &c,
        "huge",
        "OutOfcpu",
        "Node didn't have enough resource: cpu, requested: 8000, used: 100, capacity: 4000"
    ));
    c.step(10_000);
    assert_eq!(pod(&c, "huge").str_at(&["status", "phase"]), Some("Failed"));
    // A nodeSelector the named node's labels do not meet: NodeAffinity.
    create(
        &mut c,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: picky}\nspec:\n  nodeName: node-2\n  nodeSelector: {disktype: ssd}\n  containers: [{name: app, image: nginx}]\n",
    );
    let p = pod(&c, "picky");
    assert_eq!(
        (
            p.str_at(&["status", "phase"]),
            p.str_at(&["status", "reason"])
        ),
        (Some("Failed"), Some("NodeAffinity"))
    );
    assert_eq!(
        p.str_at(&["status", "message"]),
        Some(
            "Pod was rejected: Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector"
        )
    );
    // The same pod on a node with the label runs.
    c.kubectl(
        "kubectl label node node-3 disktype=ssd",
        &crate::kubectl::NoFiles,
    );
    create(
        &mut c,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: suited}\nspec:\n  nodeName: node-3\n  nodeSelector: {disktype: ssd}\n  containers: [{name: app, image: nginx}]\n",
    );
    assert_ne!(
        pod(&c, "suited").str_at(&["status", "phase"]),
        Some("Failed")
    );
}

#[test]
fn exec_sees_mounted_files_service_env_and_the_cluster_network() {
    use crate::kubectl::NoFiles;
    let mut c = Cluster::new(7);
    let run = |c: &mut Cluster, line: &str| {
        let out = c.kubectl(line, &NoFiles);
        (out.stdout, out.stderr, out.exit_code)
    };
    run(&mut c, "kubectl create deployment web --image=nginx");
    run(&mut c, "kubectl expose deployment web --port=80");
    run(
        &mut c,
        "kubectl create configmap game --from-literal=lives=3",
    );
    create(
        &mut c,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: box, labels: {app: box, tier: a.b}}\nspec:\n  containers:\n  - name: box\n    image: busybox:1.36\n    command: [sh, -c, 'echo started > /tmp/log; sleep 3600']\n    resources: {limits: {memory: 64Mi}}\n    env:\n    - {name: MEM, valueFrom: {resourceFieldRef: {resource: limits.memory, divisor: 1Mi}}}\n    - {name: CPU, valueFrom: {resourceFieldRef: {resource: limits.cpu}}}\n    - {name: URL, value: 'http://$(WEB_SERVICE_HOST):$(WEB_SERVICE_PORT)/'}\n    volumeMounts:\n    - {name: cfg, mountPath: /etc/config}\n    - {name: info, mountPath: /etc/podinfo}\n  volumes:\n  - {name: cfg, configMap: {name: game}}\n  - name: info\n    downwardAPI: {items: [{path: labels, fieldRef: {fieldPath: metadata.labels}}]}\n",
    );
    step_until(&mut c, 60 * SECOND, |c| {
        pod(c, "box").at(&["status", "phase"]).as_str() == Some("Running")
            && c.store()
                .list(res("Pod"), Some("default"))
                .all(|(_, p)| p.at(&["status", "phase"]).as_str() == Some("Running"))
    });
    assert_eq!(
        run(
            &mut c,
            "kubectl exec box -- cat /etc/config/lives /tmp/log /etc/podinfo/labels"
        )
        .0,
        "3started\napp=\"box\"\ntier=\"a.b\"\n"
    );
    let svc_ip = c
        .store()
        .get_named(res("Service"), "default", "web")
        .and_then(|s| s.str_at(&["spec", "clusterIP"]))
        .unwrap()
        .to_string();
    let node_cpu = c
        .store()
        .get_named(
            res("Node"),
            "",
            pod(&c, "box").str_at(&["spec", "nodeName"]).unwrap(),
        )
        .and_then(|n| n.str_at(&["status", "allocatable", "cpu"]))
        .unwrap()
        .to_string();
    assert_eq!(
        run(
            &mut c,
            "kubectl exec box -- printenv WEB_SERVICE_HOST WEB_PORT KUBERNETES_SERVICE_HOST MEM CPU URL"
        )
        .0,
        format!("{svc_ip}\ntcp://{svc_ip}:80\n10.96.0.1\n64\n{node_cpu}\nhttp://{svc_ip}:80/\n")
    );
    let (out, _, code) = run(&mut c, "kubectl exec box -- wget -qO- web");
    assert!(out.contains("<h1>Welcome to nginx!</h1>"), "{out}");
    assert_eq!(code, 0);
    let (out, err, code) = run(&mut c, "kubectl exec box -- sh -c 'nslookup web; exit 4'");
    assert!(
        out.contains(&format!(
            "Name:\tweb.default.svc.cluster.local\nAddress: {svc_ip}\n"
        )),
        "{out}"
    );
    assert_eq!(
        (err.as_str(), code),
        ("command terminated with exit code 4\n", 4)
    );
    // busybox has no curl; nginx's Debian image has.
    let (_, err, code) = run(&mut c, "kubectl exec box -- curl web");
    assert!(
        err.contains("exec: \"curl\": executable file not found in $PATH: unknown"),
        "{err}"
    );
    assert_eq!(code, 1);
    let (out, _, _) = run(&mut c, "kubectl exec deploy/web -- curl -s web");
    assert!(out.contains("<h1>Welcome to nginx!</h1>"), "{out}");
    // The clock moves while the command runs.
    let before = c.now;
    run(&mut c, "kubectl exec box -- sleep 3");
    assert!(c.now >= before + 3 * SECOND);
    // An interactive shell takes the lines typed until its exit; what it
    // writes stays in the container.
    let (out, err, code) = run(&mut c, "kubectl exec -it box -- sh");
    assert_eq!((out.as_str(), err.as_str(), code), ("", "", 0));
    assert_eq!(c.terminal_prompt().as_deref(), Some("/ # "));
    let line = |c: &mut Cluster, text: &str| c.terminal_input(text, &crate::kubectl::NoFiles);
    assert_eq!(line(&mut c, "cd /tmp; N=7").terminal, "");
    assert_eq!(c.terminal_prompt().as_deref(), Some("/tmp # "));
    assert_eq!(line(&mut c, "echo $N > n.txt").terminal, "");
    let before = c.now;
    assert_eq!(line(&mut c, "sleep 2; cat n.txt").stdout, "7\n");
    assert!(c.now >= before + 2 * SECOND);
    let end = line(&mut c, "exit 5");
    assert_eq!(
        (end.stderr.as_str(), end.exit_code),
        ("command terminated with exit code 5\n", 5)
    );
    assert_eq!(c.terminal_prompt(), None);
    let (out, _, _) = run(&mut c, "kubectl exec box -- cat /tmp/n.txt");
    assert_eq!(out, "7\n");
}

#[test]
fn init_containers_leave_files_in_an_empty_dir_for_the_app_and_file_key_refs() {
    // The docs' pods/inject/envars-file-container.yaml, shortened.
    let mut c = Cluster::new(3);
    create(
        &mut c,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: envfile}\nspec:\n  restartPolicy: Never\n  initContainers:\n  - name: setup\n    image: nginx\n    command: ['sh', '-c', \"echo \\\"DB_ADDRESS=\\'address\\'\\nOTHER=x\\\" > /data/config.env\"]\n    volumeMounts: [{name: config, mountPath: /data}]\n  containers:\n  - name: app\n    image: busybox\n    command: [sh, -c, 'printenv DB_ADDRESS; cat /config/config.env']\n    volumeMounts: [{name: config, mountPath: /config}]\n    env:\n    - name: DB_ADDRESS\n      valueFrom: {fileKeyRef: {path: config.env, volumeName: config, key: DB_ADDRESS}}\n  volumes: [{name: config, emptyDir: {}}]\n",
    );
    step_until(&mut c, 60 * SECOND, |c| {
        pod(c, "envfile").at(&["status", "phase"]).as_str() == Some("Succeeded")
    });
    assert_eq!(
        c.container_logs("default", "envfile", Some("app"), false)
            .unwrap(),
        "address\nDB_ADDRESS='address'\nOTHER=x\n"
    );
}

#[test]
fn a_script_waiting_for_a_service_goes_on_once_it_exists() {
    let mut c = Cluster::new(5);
    create(
        &mut c,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: waiter}\nspec:\n  restartPolicy: Never\n  containers:\n  - name: c\n    image: busybox:1.28\n    command: [sh, -c, 'until nslookup db; do echo waiting; sleep 2; done; echo ready; sleep 30']\n",
    );
    step_until(&mut c, 30 * SECOND, |c| {
        pod(c, "waiter").at(&["status", "phase"]).as_str() == Some("Running")
    });
    c.step(10 * SECOND);
    assert_eq!(
        pod(&c, "waiter").at(&["status", "phase"]).as_str(),
        Some("Running")
    );
    let created = c.now;
    create(
        &mut c,
        "apiVersion: v1\nkind: Service\nmetadata: {name: db}\nspec:\n  ports: [{port: 5432}]\n",
    );
    let took = step_until(&mut c, 120 * SECOND, |c| {
        pod(c, "waiter").at(&["status", "phase"]).as_str() == Some("Succeeded")
    });
    // The next look (within 2 s) sees db, then the script sleeps 30 s.
    assert!(
        (30 * SECOND..=34 * SECOND).contains(&(c.now - created)),
        "{took}"
    );
    let logs = c.container_logs("default", "waiter", None, false).unwrap();
    assert!(
        logs.contains("nslookup: can't resolve 'db'\nwaiting\n"),
        "{logs}"
    );
    assert!(logs.contains("Name:      db\nAddress 1: "), "{logs}");
    assert!(
        logs.ends_with("db.default.svc.cluster.local\nready\n"),
        "{logs}"
    );
    // A tool Kubeplay does not simulate succeeds in a script, so waits on
    // it end at once.
    create(
        &mut c,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: nc}\nspec:\n  restartPolicy: Never\n  containers:\n  - name: c\n    image: busybox\n    command: [sh, -c, 'until nc -z db 5432; do sleep 2; done; echo up']\n",
    );
    step_until(&mut c, 30 * SECOND, |c| {
        pod(c, "nc").at(&["status", "phase"]).as_str() == Some("Succeeded")
    });
}

#[test]
fn mounted_configmaps_secrets_and_labels_follow_their_objects_at_the_next_sync() {
    use crate::kubectl::NoFiles;
    let mut c = Cluster::new(11);
    let run = |c: &mut Cluster, line: &str| {
        let out = c.kubectl(line, &NoFiles);
        assert!(
            out.exit_code == 0 || line.contains("cat "),
            "{line}: {}",
            out.stderr
        );
        out.stdout
    };
    run(
        &mut c,
        "kubectl create configmap game --from-literal=lives=3 --from-literal=level=1",
    );
    run(&mut c, "kubectl create configmap extra --from-literal=x=1");
    run(
        &mut c,
        "kubectl create secret generic pass --from-literal=word=one",
    );
    create(
        &mut c,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: box, labels: {app: box}}\nspec:\n  restartPolicy: Never\n  containers:\n  - name: box\n    image: busybox:1.36\n    command: [sh, -c, 'until [ \"$(cat /etc/config/lives)\" = 0 ]; do sleep 5; done; echo over']\n    env:\n    - {name: LIVES, valueFrom: {configMapKeyRef: {name: game, key: lives}}}\n    volumeMounts:\n    - {name: cfg, mountPath: /etc/config}\n    - {name: cfg, mountPath: /etc/lives, subPath: lives}\n    - {name: extra, mountPath: /etc/extra}\n    - {name: pass, mountPath: /etc/pass}\n    - {name: info, mountPath: /etc/podinfo}\n  volumes:\n  - {name: cfg, configMap: {name: game}}\n  - {name: extra, configMap: {name: extra, optional: true}}\n  - {name: pass, secret: {secretName: pass}}\n  - name: info\n    downwardAPI: {items: [{path: labels, fieldRef: {fieldPath: metadata.labels}}]}\n",
    );
    step_until(&mut c, 60 * SECOND, |c| {
        pod(c, "box").at(&["status", "phase"]).as_str() == Some("Running")
    });
    let files = "kubectl exec box -- cat /etc/config/lives /etc/config/level /etc/lives /etc/extra/x /etc/pass/word /etc/podinfo/labels";
    assert_eq!(run(&mut c, files), "3131oneapp=\"box\"\n");
    run(
        &mut c,
        r#"kubectl patch configmap game --type=json -p '[{"op":"replace","path":"/data/lives","value":"2"},{"op":"remove","path":"/data/level"}]'"#,
    );
    run(&mut c, "kubectl delete configmap extra");
    run(&mut c, "kubectl delete secret pass");
    run(&mut c, "kubectl label pod box app=crate --overwrite");
    // Nothing changes in the files until the pod's next sync.
    assert_eq!(run(&mut c, files), "3131oneapp=\"box\"\n");
    c.step(90 * SECOND);
    // The ConfigMap's new value and removed key, the optional volume
    // emptied, the missing Secret's files kept (its update fails), the new
    // label; never the subPath mount or the environment.
    assert_eq!(
        run(
            &mut c,
            "kubectl exec box -- cat /etc/config/lives /etc/lives /etc/pass/word /etc/podinfo/labels"
        ),
        "23oneapp=\"crate\"\n"
    );
    assert_eq!(run(&mut c, "kubectl exec box -- printenv LIVES"), "3\n");
    // The Secret's volume cannot be remounted: the kubelet says so.
    assert!(
        c.events
            .records()
            .iter()
            .any(|e| &*e.reason == "FailedMount"
                && &*e.message
                    == "MountVolume.SetUp failed for volume \"pass\" : secret \"pass\" not found"),
        "no FailedMount event"
    );
    assert_eq!(
        run(&mut c, "kubectl exec box -- ls /etc/config /etc/extra"),
        "/etc/config:\nlives\n/etc/extra:\n"
    );
    // A change to the pod itself syncs it at once: its labels file follows
    // within a second.
    run(&mut c, "kubectl label pod box app=third --overwrite");
    c.step(SECOND);
    assert_eq!(
        run(&mut c, "kubectl exec box -- cat /etc/podinfo/labels"),
        "app=\"third\"\n"
    );
    // The script sees the update too and ends.
    run(
        &mut c,
        r#"kubectl patch configmap game -p '{"data":{"lives":"0"}}'"#,
    );
    step_until(&mut c, 91 * SECOND, |c| {
        pod(c, "box").at(&["status", "phase"]).as_str() == Some("Succeeded")
    });
    assert_eq!(run(&mut c, "kubectl logs box"), "over\n");
}

#[test]
fn an_exec_probe_reads_an_updated_volume() {
    use crate::kubectl::NoFiles;
    let mut c = Cluster::new(12);
    c.kubectl(
        "kubectl create configmap gate --from-literal=ready=yes",
        &NoFiles,
    );
    create(
        &mut c,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: gated}\nspec:\n  containers:\n  - name: app\n    image: busybox:1.36\n    command: [sleep, '3600']\n    readinessProbe: {exec: {command: [cat, /etc/gate/ready]}, periodSeconds: 5}\n    volumeMounts: [{name: gate, mountPath: /etc/gate}]\n  volumes:\n  - {name: gate, configMap: {name: gate}}\n",
    );
    let ready = |c: &Cluster| {
        pod(c, "gated")
            .at(&["status", "conditions"])
            .items()
            .any(|x| {
                x.get("type").as_str() == Some("Ready") && x.get("status").as_str() == Some("True")
            })
    };
    step_until(&mut c, 60 * SECOND, ready);
    // The probe passes and waits for the app's next change; the key's
    // removal reaches the file at the pod's next sync, and the probe's
    // next look fails.
    let out = c.kubectl(
        r#"kubectl patch configmap gate --type=json -p '[{"op":"remove","path":"/data/ready"}]'"#,
        &NoFiles,
    );
    assert_eq!(out.exit_code, 0, "{}", out.stderr);
    step_until(&mut c, 100 * SECOND, |c| !ready(c));
}

/// A script's loop polling a Service sends each request when it is due,
/// through its own tool: each answer comes from the endpoint that request
/// reached, the logs print them as they come (never changing what they
/// printed), and a failure can end the script.
#[test]
fn a_poll_of_a_service_logs_each_endpoint_that_answered() {
    let mut c = Cluster::new(7);
    for (i, node) in ["node-1", "node-2", "node-3"].iter().enumerate() {
        create(
            &mut c,
            &format!(
                "apiVersion: v1\nkind: Pod\nmetadata:\n  name: hello-{i}\n  labels: {{app: hello}}\nspec:\n  nodeName: {node}\n  containers:\n  - name: hello\n    image: registry.k8s.io/e2e-test-images/agnhost:2.39\n    args: [serve-hostname, --port=8080]\n"
            ),
        );
    }
    create(
        &mut c,
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: hello\nspec:\n  selector: {app: hello}\n  ports:\n  - port: 80\n    targetPort: 8080\n",
    );
    step_until(&mut c, 60 * SECOND, |c| {
        (0..3).all(|i| {
            condition(c, &format!("hello-{i}"), "Ready").str_at(&["status"]) == Some("True")
        })
    });
    create(
        &mut c,
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: poller\nspec:\n  nodeName: node-1\n  containers:\n  - name: poller\n    image: busybox:1.36\n    command: [sh, -c, 'while true; do wget -qO- -T 2 http://hello || exit 4; echo; sleep 1; done']\n",
    );
    c.reset_network_counters();
    let mut seen = String::new();
    for _ in 0..60 {
        c.step(SECOND);
        let log = c
            .container_logs("default", "poller", None, false)
            .unwrap_or_default();
        // What was printed stays printed.
        assert!(log.starts_with(&seen), "{seen:?} then {log:?}");
        seen = log;
    }
    // One line per request the network carried, naming the pod that
    // answered it.
    let mut per_pod = std::collections::BTreeMap::new();
    for line in seen.lines() {
        *per_pod.entry(format!("default/{line}")).or_insert(0u64) += 1;
    }
    let hits: std::collections::BTreeMap<String, u64> = c
        .pod_hits()
        .iter()
        .map(|(k, v)| (k.to_string(), *v))
        .collect();
    assert!(seen.lines().count() > 40, "{seen}");
    assert_eq!(per_pod, hits);
    assert_eq!(per_pod.len(), 3, "{per_pod:?}");
    // A short loop that ends: each call reaches an endpoint of its own.
    create(
        &mut c,
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: twelve\nspec:\n  nodeName: node-2\n  restartPolicy: Never\n  containers:\n  - name: twelve\n    image: busybox:1.36\n    command: [sh, -c, 'for i in 1 2 3 4 5 6 7 8 9 10 11 12; do wget -qO- http://hello; echo; done']\n",
    );
    step_until(&mut c, 30 * SECOND, |c| {
        pod(c, "twelve").str_at(&["status", "phase"]) == Some("Succeeded")
    });
    let twelve = c.container_logs("default", "twelve", None, false).unwrap();
    let distinct: std::collections::BTreeSet<&str> = twelve.lines().collect();
    assert_eq!(twelve.lines().count(), 12, "{twelve}");
    assert!(distinct.len() >= 2, "{twelve}");
    // The Service goes: the next request fails and the script exits 4.
    c.delete(
        &ObjectKey::new(res("Service"), "default", "hello"),
        DeleteOptions::default(),
    )
    .unwrap();
    step_until(&mut c, 10 * SECOND, |c| {
        container(c, "poller")
            .at(&["lastState", "terminated", "exitCode"])
            .as_i64()
            == Some(4)
    });
    let previous = c.container_logs("default", "poller", None, true).unwrap();
    assert!(previous.starts_with(&seen));
    assert!(
        previous.ends_with("wget: bad address 'hello'\n"),
        "{previous}"
    );
}

/// An exec probe still running at its `timeoutSeconds` fails as the
/// kubelet reports the runtime's deadline.
#[test]
fn an_exec_probe_that_outlives_its_timeout_fails() {
    let mut c = Cluster::new(3);
    create(
        &mut c,
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: slow\nspec:\n  nodeName: node-1\n  containers:\n  - name: app\n    image: busybox:1.36\n    command: [sleep, '3600']\n    livenessProbe:\n      exec:\n        command: [sh, -c, 'sleep 5']\n      timeoutSeconds: 2\n      periodSeconds: 5\n",
    );
    step_until(&mut c, 60 * SECOND, |c| {
        has_event(
            c,
            "slow",
            "Unhealthy",
            "Liveness probe failed: command \"sh -c sleep 5\" timed out",
        )
    });
    // Within its timeout the same command passes.
    create(
        &mut c,
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: quick\nspec:\n  nodeName: node-2\n  containers:\n  - name: app\n    image: busybox:1.36\n    command: [sleep, '3600']\n    livenessProbe:\n      exec:\n        command: [sh, -c, 'sleep 1']\n      timeoutSeconds: 2\n      periodSeconds: 5\n",
    );
    c.step(60 * SECOND);
    assert!(!events(&c, "quick").iter().any(|(r, _, _)| r == "Unhealthy"));
}

/// A poll that sleeps longer after a failure (`|| sleep 30`) sends its
/// requests at the script's own pace, not the pace it had while they
/// succeeded.
#[test]
fn a_poll_backs_off_as_its_script_does() {
    let mut c = Cluster::new(5);
    create(
        &mut c,
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: poller\nspec:\n  nodeName: node-1\n  containers:\n  - name: poller\n    image: busybox:1.36\n    command: [sh, -c, 'while true; do wget -qO- http://nowhere || sleep 30; echo; sleep 2; done']\n",
    );
    c.step(100 * SECOND);
    let log = c.container_logs("default", "poller", None, false).unwrap();
    let failures = log.matches("wget: bad address 'nowhere'").count();
    // Every 32 s after the first: 3 or 4 in 100 s (not one every 2 s),
    // in the log and on the network.
    assert!((3..=4).contains(&failures), "{log}");
    let sent = c
        .recent_requests()
        .filter(|r| r.url.contains("nowhere"))
        .count();
    assert_eq!(sent, failures, "{log}");
}

#[test]
fn dollar_references_expand_as_kubernetes_expands_them() {
    let env: crate::vecmap::VecMap<String, String> = [("PROTOCOL", "https"), ("HOST", "h")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let cases = [
        // The docs' dependent environment variables.
        ("$(PROTOCOL)://$(HOST):80", "https://h:80"),
        ("$$(PROTOCOL)://$(HOST):80", "$(PROTOCOL)://h:80"),
        ("$(PROTOCL)://x", "$(PROTOCL)://x"),
        ("$$$(HOST)", "$h"),
        ("cost: $5 $", "cost: $5 $"),
        ("$(HOST", "$(HOST"),
        ("$()", "$()"),
        ("naïve $(HOST) ü", "naïve h ü"),
    ];
    for (input, want) in cases {
        assert_eq!(super::app::expand(input, &env), want, "{input}");
    }
}

#[test]
fn termination_messages_come_from_the_file_or_the_log() {
    let mut c = Cluster::new(8);
    create(
        &mut c,
        "apiVersion: v1
kind: Pod
metadata: {name: file}
spec:
  restartPolicy: Never
  nodeName: node-1
  containers:
  - name: main
    image: busybox:1.36
    command: [sh, -c, 'sleep 2 && echo Sleep expired > /dev/termination-log']
",
    );
    create(
        &mut c,
        "apiVersion: v1
kind: Pod
metadata: {name: logs}
spec:
  restartPolicy: Never
  nodeName: node-2
  containers:
  - name: main
    image: busybox:1.36
    command: [sh, -c, 'echo starting; echo fatal: no config >&2; exit 3']
    terminationMessagePolicy: FallbackToLogsOnError
",
    );
    c.step(30_000);
    let message = |name: &str| {
        container(&c, name)
            .at(&["state", "terminated", "message"])
            .as_str()
            .map(str::to_string)
    };
    assert_eq!(message("file").as_deref(), Some("Sleep expired\n"));
    assert_eq!(
        message("logs").as_deref(),
        Some("starting\nfatal: no config\n")
    );
}

#[test]
fn nginx_resolves_uris_as_its_parser_does() {
    for (raw, want) in [
        ("/", Some("/")),
        ("/%69ndex.html?x=1", Some("/index.html")),
        ("//docs//", Some("/docs/")),
        ("/a/./b/../c", Some("/a/c")),
        ("/a/..", Some("/")),
        ("/docs/.", Some("/docs/")),
        ("/..", None),
        ("/%zz", None),
        ("/%4", None),
    ] {
        assert_eq!(super::app::nginx_uri(raw).as_deref(), want, "{raw}");
    }
}

#[test]
fn kill_from_inside_reaches_pid_1_only_through_its_handlers() {
    use crate::kubectl::NoFiles;
    let mut c = Cluster::new(7);
    let run = |c: &mut Cluster, line: &str| {
        let out = c.kubectl(line, &NoFiles);
        (out.stdout, out.stderr, out.exit_code)
    };
    create(
        &mut c,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: redis}\nspec:\n  containers:\n  - {name: redis, image: redis}\n",
    );
    create(
        &mut c,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: box}\nspec:\n  containers:\n  - {name: box, image: busybox:1.36, command: [sh, -c, 'sleep 1h']}\n",
    );
    step_until(&mut c, 30_000, |c| {
        container(c, "redis").get("ready") == &Value::Bool(true)
            && container(c, "box").get("ready") == &Value::Bool(true)
    });
    // A namespace's init ignores what it does not handle: SIGKILL too.
    assert_eq!(run(&mut c, "kubectl exec box -- kill -9 1").2, 0);
    assert_eq!(run(&mut c, "kubectl exec box -- kill 1").2, 0);
    assert_eq!(
        run(&mut c, "kubectl exec box -- sh -c 'kill 42'"),
        (
            "sh: can't kill pid 42: No such process\n".to_string(),
            "command terminated with exit code 1\n".to_string(),
            1
        )
    );
    // redis handles SIGTERM: it exits 0, and the kubelet restarts it.
    assert!(
        run(&mut c, "kubectl exec redis -- kill 1")
            .1
            .contains("executable file not found")
    );
    assert_eq!(run(&mut c, "kubectl exec redis -- sh -c 'kill 1'").2, 0);
    let last = container(&c, "redis");
    assert_eq!(
        last.at(&["state", "terminated", "exitCode"]),
        &Value::Int(0),
        "{last:?}"
    );
    step_until(&mut c, 30_000, |c| {
        container(c, "redis").get("restartCount") == &Value::Int(1)
    });
    assert_eq!(container(&c, "box").get("restartCount"), &Value::Int(0));
}

#[test]
fn a_change_before_the_containers_start_does_not_swallow_later_ones() {
    use crate::kubectl::NoFiles;
    let mut c = Cluster::new(3);
    let run = |c: &mut Cluster, line: &str| c.kubectl(line, &NoFiles).stdout;
    c.kubectl(
        "kubectl create configmap cfg --from-literal=k=one",
        &NoFiles,
    );
    create(
        &mut c,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: late}\nspec:\n  containers:\n  - name: c\n    image: busybox:1.36\n    command: [sleep, '3600']\n    volumeMounts: [{name: cfg, mountPath: /etc/config}]\n  volumes:\n  - {name: cfg, configMap: {name: cfg}}\n",
    );
    // Still being created: its volume is written when it starts.
    run(
        &mut c,
        r#"kubectl patch configmap cfg -p '{"data":{"k":"two"}}'"#,
    );
    c.step(20 * SECOND);
    assert_eq!(
        run(&mut c, "kubectl exec late -- cat /etc/config/k"),
        "two\n"
    );
    run(
        &mut c,
        r#"kubectl patch configmap cfg -p '{"data":{"k":"three"}}'"#,
    );
    // At the pod's next sync, within its period (60 s) and jitter.
    c.step(100 * SECOND);
    assert_eq!(
        run(&mut c, "kubectl exec late -- cat /etc/config/k"),
        "three\n"
    );
}

#[test]
fn files_wget_and_curl_download_are_kept() {
    use crate::kubectl::NoFiles;
    let mut c = Cluster::new(4);
    let run = |c: &mut Cluster, line: &str| c.kubectl(line, &NoFiles).stdout;
    run(&mut c, "kubectl create deployment web --image=nginx:1.27");
    run(&mut c, "kubectl expose deployment web --port=80");
    run(&mut c, "kubectl run b --image=busybox:1.36 -- sleep 3600");
    run(&mut c, "kubectl run d --image=debian -- sleep 3600");
    c.step(20 * SECOND);
    run(&mut c, "kubectl exec b -- wget -q -O /tmp/page http://web");
    assert_eq!(
        run(&mut c, "kubectl exec b -- head -1 /tmp/page"),
        "<!DOCTYPE html>\n"
    );
    run(&mut c, "kubectl exec d -- curl -s -o /tmp/page http://web");
    assert_eq!(
        run(&mut c, "kubectl exec d -- wc -c /tmp/page"),
        "615 /tmp/page\n"
    );
}

#[test]
fn entrypoint_scripts_run_arguments_that_are_not_their_servers() {
    let mut c = Cluster::new(1);
    let kubectl = |c: &mut Cluster, line: &str| c.kubectl(line, &crate::kubectl::NoFiles);
    kubectl(
        &mut c,
        "kubectl run a --image=nginx -- sh -c 'echo from args; sleep 3600'",
    );
    kubectl(
        &mut c,
        "kubectl run b --image=redis:7 -- redis-cli --version",
    );
    kubectl(&mut c, "kubectl run r --image=redis:7 -- --port 7000");
    c.step(10_000);
    assert_eq!(kubectl(&mut c, "kubectl logs a").stdout, "from args\n");
    assert_eq!(
        kubectl(&mut c, "kubectl logs b").stdout,
        "redis-cli 7.4.6\n"
    );
    // An option goes to the server, as redis' entrypoint prepends it.
    assert!(
        kubectl(&mut c, "kubectl logs r")
            .stdout
            .contains("Running mode=standalone, port=7000.")
    );
}

fn kubectl(c: &mut Cluster, line: &str) -> String {
    c.kubectl(line, &crate::kubectl::NoFiles).stdout
}

const FOLLOWER: &str = "us-docker.pkg.dev/google-samples/containers/gke/gb-redis-follower:v2";

/// The Guestbook tutorial's leader image today (kubernetes/website pins
/// it by digest).
const LEGACY_LEADER: &str =
    "registry.k8s.io/redis@sha256:cb111d1bd870a6a471385a4a69ad17469d326e9dd91e0e455350cacf36e1b3ee";

#[test]
fn the_tutorials_redis_2_8_leader_syncs_6_0_followers_and_logs_as_2_8_does() {
    let mut c = Cluster::new(1);
    kubectl(
        &mut c,
        &format!("run leader --image={LEGACY_LEADER} --labels=role=leader"),
    );
    kubectl(&mut c, "expose pod leader --name=redis-leader --port=6379");
    kubectl(&mut c, &format!("run follower --image={FOLLOWER}"));
    c.step(60 * SECOND);
    let leader = kubectl(&mut c, "logs leader");
    assert!(
        leader.contains("           Redis 2.8.19 (00000000/0) 64 bit\n  .-`` .-```.  ```\\/    _.,_ ''-._                                   \n (    '      ,       .-`  | `,    )     Running in stand alone mode\n"),
        "{leader}"
    );
    let follower_ip = pod(&c, "follower")
        .str_at(&["status", "podIP"])
        .unwrap()
        .to_string();
    let synced: Vec<&str> = leader
        .lines()
        .skip_while(|l| !l.starts_with('['))
        .map(|l| l.split_once(' ').unwrap().1.split_once(" 00:").unwrap().0)
        .collect();
    assert_eq!(synced.len(), 10, "{leader}");
    assert!(leader.contains("\n[1] 01 Jan 00:0"));
    for text in [
        "# Server started, Redis version 2.8.19".to_string(),
        "* The server is now ready to accept connections on port 6379".into(),
        format!("* Slave {follower_ip}:6379 asks for synchronization"),
        format!("* Full resync requested by slave {follower_ip}:6379"),
        "* Background saving started by pid 8".into(),
        format!("* Synchronization with slave {follower_ip}:6379 succeeded"),
    ] {
        assert!(leader.contains(&text), "{text}\n{leader}");
    }
    assert!(leader.contains("\n[8] 01 Jan "), "{leader}");
    let follower = kubectl(&mut c, "logs follower");
    assert!(follower.contains("* (Non critical) Master does not understand REPLCONF capa: -ERR Unrecognized REPLCONF option: capa\n"), "{follower}");
    assert!(follower.contains(":1\n"), "{follower}");
    assert!(
        follower.contains("* MASTER <-> REPLICA sync: receiving 18 bytes from master to disk\n"),
        "{follower}"
    );
    assert!(!follower.contains("Loading RDB produced"), "{follower}");
    assert_eq!(kubectl(&mut c, "exec leader -- redis-cli SET k v"), "OK\n");
    assert_eq!(kubectl(&mut c, "exec follower -- redis-cli GET k"), "v\n");
    assert_eq!(
        kubectl(&mut c, "exec leader -- redis-cli --version"),
        "redis-cli 2.8.19\n"
    );
    assert_eq!(
        kubectl(&mut c, "exec follower -- redis-cli --version"),
        "redis-cli 6.0.5\n"
    );
    // A new leader process knows nothing of the run ID the follower
    // cached, and 2.8 says so in its own words.
    kubectl(&mut c, "delete pod leader");
    kubectl(
        &mut c,
        &format!("run leader --image={LEGACY_LEADER} --labels=role=leader"),
    );
    c.step(60 * SECOND);
    let leader = kubectl(&mut c, "logs leader");
    assert!(
        leader.contains(
            "* Partial resynchronization not accepted: Runid mismatch (Client asked for runid '"
        ),
        "{leader}"
    );
    assert!(!leader.contains("replica"), "{leader}");
}

#[test]
fn a_redis_replica_that_reaches_itself_is_refused_and_retries_each_second() {
    let mut c = Cluster::new(1);
    kubectl(
        &mut c,
        &format!("create deployment redis-leader --image={FOLLOWER}"),
    );
    kubectl(&mut c, "expose deployment redis-leader --port=6379");
    c.step(30 * SECOND);
    let log = kubectl(&mut c, "logs deployment/redis-leader");
    assert!(
        log.contains("* Master is currently unable to PSYNC but should be in the future: -NOMASTERLINK Can't SYNC while not connected with my master"),
        "{log}"
    );
    // No master's lines in its own log, and one attempt a second.
    assert!(!log.contains(":M "), "{log}");
    let attempts = log
        .matches("* Connecting to MASTER redis-leader:6379")
        .count();
    assert!((20..=30).contains(&attempts), "{attempts}\n{log}");
    assert_eq!(
        kubectl(&mut c, "exec deployment/redis-leader -- redis-cli SET a b"),
        "READONLY You can't write against a read only replica.\n\n"
    );
}

#[test]
fn gb_redis_follower_with_get_hosts_from_env_and_no_service_fails_its_config() {
    let mut c = Cluster::new(1);
    c.run_manifest(
        &format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: follower\nspec:\n  containers:\n  - name: follower\n    image: {FOLLOWER}\n    env:\n    - name: GET_HOSTS_FROM\n      value: env\n"
        ),
        "follower.yaml",
        crate::apiserver::manifest::ManifestVerb::Apply,
    );
    c.step(30 * SECOND);
    let log = kubectl(&mut c, "logs follower");
    assert!(log.contains(">>> 'replicaof \"6379\"'"), "{log}");
    assert!(
        log.contains("Bad directive or wrong number of arguments"),
        "{log}"
    );
    assert!(kubectl(&mut c, "get pod follower").contains("CrashLoopBackOff"));
}

#[test]
fn a_replica_times_out_a_master_whose_node_stopped_and_follows_its_successor() {
    let mut c = Cluster::new(1);
    kubectl(&mut c, "create deployment redis-leader --image=redis:6.0.5");
    kubectl(&mut c, "expose deployment redis-leader --port=6379");
    kubectl(
        &mut c,
        &format!("create deployment redis-follower --image={FOLLOWER}"),
    );
    c.step(30 * SECOND);
    let node_of = |c: &mut Cluster, app: &str| {
        kubectl(
            c,
            &format!("get pods -l app={app} -o jsonpath={{.items[0].spec.nodeName}}"),
        )
    };
    let leader_node = node_of(&mut c, "redis-leader");
    assert_ne!(leader_node, node_of(&mut c, "redis-follower"));
    kubectl(
        &mut c,
        "exec deployment/redis-leader -- redis-cli SET k old",
    );
    assert_eq!(
        kubectl(&mut c, "exec deployment/redis-follower -- redis-cli GET k"),
        "old\n"
    );
    c.stop_node(&leader_node).unwrap();
    c.step(59 * SECOND);
    assert!(!kubectl(&mut c, "logs deployment/redis-follower").contains("MASTER timeout"));
    c.step(10 * SECOND);
    let log = kubectl(&mut c, "logs deployment/redis-follower");
    let lost = log
        .lines()
        .skip_while(|l| !l.ends_with("# MASTER timeout: no data nor PING received..."))
        .take(3)
        .map(|l| {
            l.split_once(" # ")
                .or(l.split_once(" * "))
                .map_or("", |(_, t)| t)
        })
        .collect::<Vec<_>>();
    assert_eq!(
        lost,
        [
            "MASTER timeout: no data nor PING received...",
            "Connection with master lost.",
            "Caching the disconnected master state."
        ],
        "{log}"
    );
    // The Deployment's new leader, once the node is found gone.
    c.step(400 * SECOND);
    kubectl(
        &mut c,
        "exec deployment/redis-leader -- redis-cli SET k new",
    );
    assert_eq!(
        kubectl(&mut c, "exec deployment/redis-follower -- redis-cli GET k"),
        "new\n"
    );
}
