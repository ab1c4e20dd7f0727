//! kubectl against the simulated cluster: exact outputs per command.

use super::*;
use crate::apiserver::WriteOptions;
use crate::cluster::{BOOT_MS, res};
use crate::events::EventType;
use crate::store::ObjectKey;
use crate::time::SECOND;
use crate::value::Value;

fn v(yaml: &str) -> Value {
    crate::yaml::load_str(yaml).unwrap()[0].root.to_value()
}

fn k(c: &mut Cluster, line: &str) -> KubectlOutput {
    c.kubectl(line, &NoFiles)
}

fn kf(c: &mut Cluster, line: &str, files: &MemoryFiles) -> KubectlOutput {
    c.kubectl(line, files)
}

/// A cluster whose pod statuses the test writes itself, as the kubelet
/// would (the simulated kubelet leaves pods alone).
fn hand_cluster() -> Cluster {
    let mut c = Cluster::new(1);
    c.kubelet.pods_played_by_hand = true;
    c
}

/// A pod created as a component would, then given a status.
fn pod(c: &mut Cluster, yaml: &str, status: &str) {
    let obj = c.create(v(yaml), &WriteOptions::system()).unwrap();
    let key = ObjectKey::of(res("Pod"), &obj);
    c.update_status(&key, v(status)).unwrap();
}

const DEPLOY: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: nginx:1.25
";

#[test]
fn no_command_line_panics() {
    // A small xorshift over a vocabulary of real and broken tokens.
    let vocab: &[&str] = &[
        "kubectl",
        "get",
        "describe",
        "delete",
        "apply",
        "create",
        "label",
        "annotate",
        "scale",
        "rollout",
        "status",
        "history",
        "undo",
        "restart",
        "pause",
        "resume",
        "set",
        "image",
        "taint",
        "cordon",
        "uncordon",
        "drain",
        "logs",
        "top",
        "node",
        "pod",
        "explain",
        "diff",
        "replace",
        "--force",
        "events",
        "--for",
        "pod/web",
        "--types=Warning",
        "--types",
        "env",
        "A=1",
        "A-",
        "==x",
        "--list",
        "--resolve",
        "--from=configmap/x",
        "--keys=a",
        "-e",
        "version",
        "cluster-info",
        "api-resources",
        "config",
        "view",
        "auth",
        "can-i",
        "run",
        "expose",
        "secret",
        "generic",
        "docker-registry",
        "configmap",
        "namespace",
        "deployment",
        "pods",
        "po",
        "deploy",
        "svc",
        "no",
        "ns",
        "ev",
        "all",
        "pods,svc",
        "deploy/web",
        "pod/",
        "/x",
        "web",
        "node-1",
        "-n",
        "kube-system",
        "-A",
        "-o",
        "wide",
        "yaml",
        "json",
        "name",
        "jsonpath={.items[*].metadata.name}",
        "jsonpath={.items[",
        "custom-columns=N:.x",
        "custom-columns=",
        "-l",
        "app=web",
        "app in (a,b)",
        "!app",
        "a=b,",
        "--sort-by=.metadata.name",
        "--show-labels",
        "--no-headers",
        "-f",
        "-",
        "x.yaml",
        "--replicas=3",
        "--replicas",
        "--current-replicas=-5",
        "k=v",
        "k-",
        "--overwrite",
        "k=v:NoSchedule",
        "k:NoSchedule-",
        "--force",
        "--grace-period=0",
        "--cascade=orphan",
        "--cascade=maybe",
        "--dry-run=client",
        "--dry-run",
        "--image=nginx",
        "--from-literal=a=1",
        "--from-literal==",
        "web=nginx:2",
        "*=x",
        "--to-revision=3",
        "--revision=1",
        "--timeout=5s",
        "--watch=false",
        "-w",
        "--",
        "'",
        "\"",
        "\\",
        "é",
        "ñ=ü",
        "--foo",
        "-x",
        "-nfoo",
        "--namespace=",
        "=",
        ":",
        "{",
        "}",
        "--field-selector=status.phase=Running",
        "--field-selector=bogus",
        "-c",
        "--tail=2",
        "-p",
        "--ignore-daemonsets",
        "--all",
        "--selector=",
        "0",
        "-1",
        "999999999999999999999",
    ];
    let mut c = Cluster::new(3);
    let files = MemoryFiles::default()
        .with("x.yaml", DEPLOY)
        .with("bad.yaml", "apiVersion: v1\nkind: Pod\nmetadata: [\n");
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..2500 {
        let n = 1 + (next() % 7) as usize;
        let words: Vec<&str> = (0..n)
            .map(|_| vocab[(next() % vocab.len() as u64) as usize])
            .collect();
        let line = words.join(" ");
        let out = c.kubectl(&line, &files);
        // kubectl diff alone exits 2 on errors (1 means differences).
        assert!(
            out.exit_code == 0 || out.exit_code == 1 || out.exit_code == 2 && line.contains("diff"),
            "{line}: {}",
            out.exit_code
        );
        assert!(
            out.exit_code == 0 || !out.stderr.is_empty() || !out.stdout.is_empty(),
            "{line}: a failure must say why"
        );
    }
}

#[test]
fn unknown_commands_flags_and_types() {
    let mut c = Cluster::new(1);
    let out = k(&mut c, "kubectl gett pods");
    assert_eq!(out.exit_code, 1);
    assert_eq!(
        out.stderr,
        "error: unknown command \"gett\" for \"kubectl\"\n\nDid you mean this?\n\tget\n\tset\n"
    );
    assert_eq!(
        k(&mut c, "kubectl frobnicate").stderr,
        "error: unknown command \"frobnicate\" for \"kubectl\"\n"
    );
    assert_eq!(
        k(&mut c, "kubectl list").stderr,
        "error: unknown command \"list\" for \"kubectl\"\n\nDid you mean this?\n\tget\n"
    );
    assert_eq!(
        k(&mut c, "kubectl get pods --foo").stderr,
        "Error: unknown flag: --foo\nSee 'kubectl get --help' for usage.\n"
    );
    assert_eq!(
        k(&mut c, "kubectl delete pod x --grace-period").stderr,
        "Error: flag needs an argument: --grace-period\nSee 'kubectl delete --help' for usage.\n"
    );
    assert_eq!(
        k(&mut c, "kubectl rollout status -z").stderr,
        "Error: unknown shorthand flag: 'z' in -z\nSee 'kubectl rollout status --help' for usage.\n"
    );
    assert_eq!(
        k(&mut c, "kubectl get foo").stderr,
        "error: the server doesn't have a resource type \"foo\"\n"
    );

    assert_eq!(
        k(&mut c, "get").stderr,
        "You must specify the type of resource to get. Use \"kubectl api-resources\" for a complete list of supported resources.\n\nerror: Required resource not specified.\nUse \"kubectl explain <resource>\" for a detailed description of that resource (e.g. kubectl explain pods).\nSee 'kubectl get -h' for help and examples\n"
    );
    assert_eq!(
        k(&mut c, "kubectl get pod pod/x").stderr,
        "error: there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'\n"
    );
    assert_eq!(
        k(&mut c, "kubectl get pods x -A").stderr,
        "error: a resource cannot be retrieved by name across all namespaces\n"
    );
    assert_eq!(
        k(&mut c, "kubectl rollout frob").stderr,
        "error: unknown command \"frob\"\nSee 'kubectl rollout -h' for help and examples\n"
    );
    assert_eq!(
        k(&mut c, "kubectl exec web ls").stderr,
        "error: exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead\nSee 'kubectl exec -h' for help and examples\n"
    );
    assert_eq!(
        k(&mut c, "kubectl exec web").stderr,
        "error: you must specify at least one command for the container\n"
    );
    assert_eq!(
        k(&mut c, "kubectl exec -- ls").stderr,
        "error: pod, type/name or --filename must be specified\n"
    );
    assert_eq!(
        k(&mut c, "kubectl exec web -- ls").stderr,
        "Error from server (NotFound): pods \"web\" not found\n"
    );
    assert_eq!(
        k(&mut c, "kubectl 'oops").stderr,
        "error: unterminated single quote\n"
    );
}

#[test]
fn get_prints_tables_with_kubectl_columns() {
    let mut c = hand_cluster();
    pod(
        &mut c,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: web-1, labels: {app: web}}\nspec: {nodeName: node-1, containers: [{name: web, image: nginx}]}\n",
        "phase: Running\npodIP: 10.244.1.5\npodIPs: [{ip: 10.244.1.5}]\nconditions: [{type: Ready, status: 'True'}]\ncontainerStatuses: [{name: web, ready: true, restartCount: 2, state: {running: {startedAt: '2026-01-01T00:01:30Z'}}, lastState: {terminated: {exitCode: 1, reason: Error, finishedAt: '2026-01-01T00:01:30Z'}}}]\n",
    );
    pod(
        &mut c,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: db-0}\nspec: {containers: [{name: db, image: postgres}, {name: sidecar, image: envoy}]}\n",
        "phase: Pending\ncontainerStatuses: [{name: db, ready: false, restartCount: 0, state: {waiting: {reason: ImagePullBackOff}}}, {name: sidecar, ready: false, restartCount: 0, state: {waiting: {reason: ContainerCreating}}}]\n",
    );
    c.step(150 * SECOND);
    let out = k(&mut c, "kubectl get pods");
    assert_eq!(out.exit_code, 0);
    assert_eq!(
        out.stdout,
        "NAME    READY   STATUS             RESTARTS     AGE\n\
         db-0    0/2     ImagePullBackOff   0            2m30s\n\
         web-1   1/1     Running            2 (2m ago)   2m30s\n"
    );
    assert_eq!(
        k(&mut c, "kubectl get po -o wide").stdout,
        "NAME    READY   STATUS             RESTARTS     AGE     IP           NODE     NOMINATED NODE   READINESS GATES\n\
         db-0    0/2     ImagePullBackOff   0            2m30s   <none>       <none>   <none>           <none>\n\
         web-1   1/1     Running            2 (2m ago)   2m30s   10.244.1.5   node-1   <none>           <none>\n"
    );
    assert_eq!(
        k(&mut c, "kubectl get pods --show-labels --no-headers").stdout,
        "db-0    0/2   ImagePullBackOff   0            2m30s   <none>\n\
         web-1   1/1   Running            2 (2m ago)   2m30s   app=web\n"
    );
    assert_eq!(
        k(&mut c, "kubectl get pods -A -l app=web").stdout,
        "NAMESPACE   NAME    READY   STATUS    RESTARTS     AGE\n\
         default     web-1   1/1     Running   2 (2m ago)   2m30s\n"
    );
    let out = k(&mut c, "kubectl get pods web-1 nope");
    assert_eq!(
        out.stdout,
        "NAME    READY   STATUS    RESTARTS     AGE\nweb-1   1/1     Running   2 (2m ago)   2m30s\n"
    );
    assert_eq!(
        out.stderr,
        "Error from server (NotFound): pods \"nope\" not found\n"
    );
    assert_eq!(out.exit_code, 1);
    let out = k(&mut c, "kubectl get pods -n kube-public");
    assert_eq!(
        (out.stdout.as_str(), out.stderr.as_str()),
        ("", "No resources found in kube-public namespace.\n")
    );
    assert_eq!(k(&mut c, "kubectl get pv").stderr, "No resources found\n");
    assert_eq!(
        k(&mut c, "kubectl get pods --sort-by=.metadata.name -o name").stdout,
        "pod/db-0\npod/web-1\n"
    );
    assert_eq!(
        k(
            &mut c,
            "kubectl get pods -o jsonpath={.items[*].status.phase}"
        )
        .stdout,
        "Pending Running"
    );
    assert_eq!(
        k(
            &mut c,
            "kubectl get pods -o custom-columns=NAME:.metadata.name,IP:.status.podIP"
        )
        .stdout,
        "NAME    IP\ndb-0    <none>\nweb-1   10.244.1.5\n"
    );
    assert_eq!(
        k(&mut c, "kubectl get pods -o yaml --show-labels").stderr,
        "error: --show-labels option cannot be used with yaml printer\n"
    );
}

#[test]
fn several_kinds_get_prefixes_and_a_blank_line_between_tables() {
    let mut c = Cluster::new(1);
    let files = MemoryFiles::default().with("d.yaml", DEPLOY).with(
        "s.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  type: ClusterIP\n  clusterIP: 10.96.0.20\n  selector: {app: web}\n  ports:\n  - port: 80\n    protocol: TCP\n",
    );
    assert_eq!(
        kf(&mut c, "kubectl apply -f d.yaml -f s.yaml", &files).stdout,
        "deployment.apps/web created\nservice/web created\n"
    );
    c.step(65 * SECOND);
    assert_eq!(
        k(&mut c, "kubectl get deploy,svc").stdout,
        "NAME                  READY   UP-TO-DATE   AVAILABLE   AGE\n\
         deployment.apps/web   2/2     2            2           65s\n\
         \n\
         NAME                 TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE\n\
         service/kubernetes   ClusterIP   10.96.0.1    <none>        443/TCP   2m5s\n\
         service/web          ClusterIP   10.96.0.20   <none>        80/TCP    65s\n"
    );
    assert_eq!(
        k(&mut c, "kubectl get all --no-headers").stdout,
        "pod/web-544c4bf578-76w8k   1/1   Running   0     65s\n\
         pod/web-544c4bf578-d4qrk   1/1   Running   0     65s\n\
         service/kubernetes   ClusterIP   10.96.0.1    <none>   443/TCP   2m5s\n\
         service/web          ClusterIP   10.96.0.20   <none>   80/TCP    65s\n\
         deployment.apps/web   2/2   2     2     65s\n\
         replicaset.apps/web-544c4bf578   2     2     2     65s\n"
    );
    assert_eq!(
        k(&mut c, "kubectl get svc,deploy -o name").stdout,
        "service/kubernetes\nservice/web\ndeployment.apps/web\n"
    );
    assert_eq!(
        k(&mut c, "kubectl get deploy web -o wide").stdout,
        "NAME   READY   UP-TO-DATE   AVAILABLE   AGE   CONTAINERS   IMAGES       SELECTOR\n\
         web    2/2     2            2           65s   web          nginx:1.25   app=web\n"
    );
}

#[test]
fn yaml_json_and_lists() {
    let mut c = Cluster::new(1);
    k(&mut c, "kubectl create namespace dev");
    k(
        &mut c,
        "kubectl create configmap cfg --from-literal=b=2 --from-literal=a=1 -n dev",
    );
    let out = k(&mut c, "kubectl get cm cfg -n dev -o yaml");
    assert!(
        out.stdout.starts_with("apiVersion: v1\ndata:\n  a: \"1\"\n  b: \"2\"\nkind: ConfigMap\nmetadata:\n  creationTimestamp: \"2026-01-01T00:01:00Z\"\n  name: cfg\n  namespace: dev\n"),
        "{}",
        out.stdout
    );
    let out = k(&mut c, "kubectl get cm -n dev -o json");
    assert!(
        out.stdout
            .starts_with("{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n        {\n"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.ends_with("    ],\n    \"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}\n"));
    assert_eq!(
        k(&mut c, "kubectl get pods -o yaml").stdout,
        "apiVersion: v1\nitems: []\nkind: List\nmetadata:\n  resourceVersion: \"\"\n"
    );
    assert_eq!(
        k(
            &mut c,
            "kubectl get cm -n dev -o jsonpath='{range .items[*]}{.metadata.name}{\"\\n\"}{end}'"
        )
        .stdout,
        "cfg\nkube-root-ca.crt\n"
    );
    assert_eq!(
        k(&mut c, "kubectl get cm cfg -n dev -o jsonpath={.data.a}").stdout,
        "1"
    );
    assert_eq!(
        k(&mut c, "kubectl get cm -n dev -o jsonpath={.items[").stderr,
        "error: error parsing jsonpath {.items[, unclosed action\n"
    );
    assert_eq!(
        k(&mut c, "kubectl get cm -o foo").stderr,
        "error: unable to match a printer suitable for the output format \"foo\", allowed formats are: custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml\n"
    );
}

#[test]
fn apply_create_and_delete_messages() {
    let mut c = Cluster::new(1);
    let legacy = "apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata:\n  name: a\nspec:\n  rules:\n  - host: a.example.com\n    http:\n      paths:\n      - path: /\n        backend:\n          serviceName: s\n          servicePort: 80\n---\napiVersion: extensions/v1beta1\nkind: Ingress\nmetadata:\n  name: b\nspec:\n  backend:\n    serviceName: s\n    servicePort: 80\n---\napiVersion: v1\nkind: Frob\nmetadata:\n  name: f\n";
    let files = MemoryFiles::default()
        .with("d.yaml", DEPLOY)
        .with("ing.yaml", legacy)
        .with(
            "dir/a.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
        )
        .with(
            "dir/b.yml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n",
        )
        .with("dir/notes.txt", "ignored");
    let out = kf(&mut c, "kubectl apply -f d.yaml", &files);
    assert_eq!(out.stdout, "deployment.apps/web created\n");
    assert_eq!(
        kf(&mut c, "kubectl apply -f d.yaml", &files).stdout,
        "deployment.apps/web unchanged\n"
    );
    let out = kf(&mut c, "kubectl apply -f ing.yaml", &files);
    assert_eq!(
        out.terminal,
        "Warning: extensions/v1beta1 Ingress is deprecated in v1.14+, unavailable in v1.22+; use networking.k8s.io/v1 Ingress\n\
         ingress.networking.k8s.io/a created\n\
         ingress.networking.k8s.io/b created\n\
         error: resource mapping not found for name: \"f\" namespace: \"\" from \"ing.yaml\": no matches for kind \"Frob\" in version \"v1\"\n\
         ensure CRDs are installed first\n"
    );
    assert_eq!(out.exit_code, 1);
    assert_eq!(
        kf(&mut c, "kubectl apply -f dir", &files).stdout,
        "configmap/a created\nconfigmap/b created\n"
    );
    assert_eq!(
        kf(&mut c, "kubectl apply -f missing.yaml", &files).stderr,
        "error: the path \"missing.yaml\" does not exist\n"
    );
    assert_eq!(
        k(&mut c, "kubectl apply").stderr,
        "error: must specify one of -f and -k\n"
    );
    assert_eq!(
        kf(&mut c, "kubectl create -f d.yaml", &files).stderr,
        "Error from server (AlreadyExists): error when creating \"d.yaml\": deployments.apps \"web\" already exists\n"
    );
    assert_eq!(
        k(&mut c, "kubectl create deployment web --image=nginx").stderr,
        "error: failed to create deployment: deployments.apps \"web\" already exists\n"
    );
    assert_eq!(
        kf(&mut c, "kubectl delete -f d.yaml", &files).stdout,
        "deployment.apps \"web\" deleted from default namespace\n"
    );
    assert_eq!(
        kf(&mut c, "kubectl delete -f d.yaml", &files).stderr,
        "Error from server (NotFound): error when deleting \"d.yaml\": deployments.apps \"web\" not found\n"
    );
    assert_eq!(
        k(&mut c, "kubectl create ns dev").stdout,
        "namespace/dev created\n"
    );
    let out = k(&mut c, "kubectl delete ns dev -n default");
    assert_eq!(
        out.terminal,
        "Warning: deleting cluster-scoped resources, not scoped to the provided namespace\nnamespace \"dev\" deleted\n"
    );
    assert_eq!(
        k(&mut c, "kubectl delete cm a b nope").terminal,
        "configmap \"a\" deleted from default namespace\nconfigmap \"b\" deleted from default namespace\nError from server (NotFound): configmaps \"nope\" not found\n"
    );
    assert_eq!(
        k(&mut c, "kubectl delete cm -l app=none").stdout,
        "No resources found\n"
    );
    assert_eq!(
        k(&mut c, "kubectl delete cm").stderr,
        "error: resource(s) were provided, but no name was specified\n"
    );
    assert_eq!(
        k(&mut c, "kubectl delete").stderr,
        "error: You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'\n"
    );
    assert_eq!(
        k(&mut c, "kubectl delete pod x --force --grace-period=5").stderr,
        "error: --force and --grace-period greater than 0 cannot be specified together\n"
    );
    assert_eq!(
        k(&mut c, "kubectl delete pod x --cascade=maybe").stderr,
        "error: invalid cascade value (maybe). Must be \"background\", \"foreground\", or \"orphan\".\n"
    );
}

#[test]
fn deleting_a_running_pod_waits_for_its_grace_period() {
    let mut c = hand_cluster();
    pod(
        &mut c,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {nodeName: node-1, terminationGracePeriodSeconds: 20, containers: [{name: a, image: nginx}]}\n",
        "phase: Running\n",
    );
    let out = k(&mut c, "kubectl delete pod p");
    assert_eq!(out.stdout, "pod \"p\" deleted from default namespace\n");
    assert_eq!(
        c.now_ms(),
        BOOT_MS + 20 * SECOND,
        "kubectl waited for the pod to go"
    );
    assert!(c.store.get_named(res("Pod"), "default", "p").is_none());
    pod(
        &mut c,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: q}\nspec: {nodeName: node-1, containers: [{name: a, image: nginx}]}\n",
        "phase: Running\n",
    );
    let out = k(&mut c, "kubectl delete pod q --wait=false --cascade=false");
    assert_eq!(out.stdout, "pod \"q\" deleted from default namespace\n");
    assert_eq!(
        out.stderr,
        "warning: --cascade=false is deprecated (boolean value) and can be replaced with --cascade=orphan.\n"
    );
    assert_eq!(
        k(&mut c, "kubectl get pod q --no-headers").stdout,
        "q     0/1   Terminating   0     0s\n"
    );
}

#[test]
fn label_annotate_scale_and_set_image() {
    let mut c = Cluster::new(1);
    let files = MemoryFiles::default().with("d.yaml", DEPLOY);
    kf(&mut c, "kubectl apply -f d.yaml", &files);
    let run = |c: &mut Cluster, l: &str| {
        let o = k(c, l);
        format!("{}{}", o.terminal, o.exit_code)
    };
    assert_eq!(
        run(&mut c, "kubectl label deploy web tier=front"),
        "deployment.apps/web labeled\n0"
    );
    assert_eq!(
        run(&mut c, "kubectl label deploy web tier=front"),
        "deployment.apps/web not labeled\n0"
    );
    assert_eq!(
        run(&mut c, "kubectl label deploy web tier=back"),
        "error: 'tier' already has a value (front), and --overwrite is false\n1"
    );
    assert_eq!(
        run(&mut c, "kubectl label deploy/web tier=back --overwrite"),
        "deployment.apps/web labeled\n0"
    );
    assert_eq!(
        run(&mut c, "kubectl label deploy web tier-"),
        "deployment.apps/web unlabeled\n0"
    );
    assert_eq!(
        run(&mut c, "kubectl label deploy web tier-"),
        "label \"tier\" not found.\ndeployment.apps/web not labeled\n0"
    );
    assert_eq!(
        run(&mut c, "kubectl label deploy web a=b a-"),
        "error: can not both modify and remove a label in the same command\n1"
    );
    assert_eq!(
        run(&mut c, "kubectl label deploy web"),
        "error: at least one label update is required\n1"
    );
    assert_eq!(
        run(&mut c, "kubectl annotate deploy web note=hi"),
        "deployment.apps/web annotated\n0"
    );
    assert_eq!(
        run(&mut c, "kubectl annotate deploy web note=bye"),
        "error: --overwrite is false but found the following declared annotation(s): 'note' already has a value (hi)\n1"
    );
    assert_eq!(
        run(&mut c, "kubectl scale deploy web --replicas=5"),
        "deployment.apps/web scaled\n0"
    );
    assert_eq!(
        run(
            &mut c,
            "kubectl scale deploy web --replicas=1 --current-replicas=3"
        ),
        "error: Expected replicas to be 3, was 5\n1"
    );
    assert_eq!(
        run(&mut c, "kubectl scale deploy web"),
        "error: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0\n1"
    );
    assert_eq!(
        run(&mut c, "kubectl scale --replicas=abc deploy web"),
        "Error: invalid argument \"abc\" for \"--replicas\" flag: strconv.ParseInt: parsing \"abc\": invalid syntax\nSee 'kubectl scale --help' for usage.\n1"
    );
    assert_eq!(
        run(&mut c, "kubectl set image deployment/web web=nginx:1.26"),
        "deployment.apps/web image updated\n0"
    );
    assert_eq!(
        run(&mut c, "kubectl set image deployment/web web=nginx:1.26"),
        "0"
    );
    assert_eq!(
        run(&mut c, "kubectl set image deployment/web nope=x"),
        "error: unable to find container named \"nope\"\n1"
    );
    let d = c
        .store
        .get_named(res("Deployment"), "default", "web")
        .unwrap();
    assert_eq!(d.at(&["spec", "replicas"]), &Value::Int(5));
    assert_eq!(d.str_at(&["metadata", "annotations", "note"]), Some("hi"));
    assert_eq!(
        d.at(&["spec", "template", "spec", "containers"])
            .items()
            .next()
            .unwrap()
            .str_at(&["image"]),
        Some("nginx:1.26")
    );
}

#[test]
fn nodes_cordon_taint_and_drain() {
    let mut c = hand_cluster();
    let run = |c: &mut Cluster, l: &str| {
        let o = k(c, l);
        format!("{}{}", o.terminal, o.exit_code)
    };
    assert_eq!(
        run(&mut c, "kubectl cordon node-1"),
        "node/node-1 cordoned\n0"
    );
    assert_eq!(
        run(&mut c, "kubectl cordon node-1"),
        "node/node-1 already cordoned\n0"
    );
    assert_eq!(
        run(&mut c, "kubectl uncordon node-1"),
        "node/node-1 uncordoned\n0"
    );
    assert_eq!(
        run(&mut c, "kubectl uncordon node-1"),
        "node/node-1 already uncordoned\n0"
    );
    assert_eq!(
        run(&mut c, "kubectl cordon nope"),
        "Error from server (NotFound): nodes \"nope\" not found\n1"
    );
    assert_eq!(
        run(&mut c, "kubectl cordon"),
        "error: USAGE: cordon NODE [flags]\nSee 'kubectl cordon -h' for help and examples\n1"
    );
    assert_eq!(
        run(&mut c, "kubectl taint nodes node-2 gpu=true:NoSchedule"),
        "node/node-2 tainted\n0"
    );
    assert_eq!(
        run(&mut c, "kubectl taint nodes node-2 gpu=false:NoSchedule"),
        "error: node node-2 already has gpu taint(s) with same effect(s) and --overwrite is false\n1"
    );
    assert_eq!(
        run(
            &mut c,
            "kubectl taint nodes node-2 gpu=false:NoSchedule --overwrite"
        ),
        "node/node-2 modified\n0"
    );
    assert_eq!(
        run(&mut c, "kubectl taint no node-2 gpu-"),
        "node/node-2 untainted\n0"
    );
    assert_eq!(
        run(&mut c, "kubectl taint nodes node-2 gpu-"),
        "error: taint \"gpu\" not found\n1"
    );
    assert_eq!(
        run(&mut c, "kubectl taint nodes node-2 gpu=x:Sometimes"),
        "error: invalid taint effect: Sometimes, unsupported taint effect\nSee 'kubectl taint -h' for help and examples\n1"
    );
    // A removal names the key and effect; a value in it is ignored.
    run(&mut c, "kubectl taint nodes node-2 gpu=true:NoSchedule");
    assert_eq!(
        run(
            &mut c,
            "kubectl taint nodes node-2 gpu=whatever:NoSchedule-"
        ),
        "node/node-2 untainted\n0"
    );
    assert_eq!(
        run(&mut c, "kubectl taint nodes node-2 gpu=true:NoSchedule-"),
        "error: taint \"gpu:NoSchedule\" not found\n1"
    );
    // cordon: the node lifecycle controller adds the unschedulable taint.
    run(&mut c, "kubectl cordon node-2");
    assert_eq!(
        run(&mut c, "kubectl get node node-2 -o jsonpath={.spec.taints}"),
        "[{\"effect\":\"NoSchedule\",\"key\":\"node.kubernetes.io/unschedulable\"}]0"
    );
    run(&mut c, "kubectl uncordon node-2");
    assert_eq!(
        run(&mut c, "kubectl get node node-2 -o jsonpath={.spec.taints}"),
        "0"
    );
    assert_eq!(
        run(&mut c, "kubectl taint pods x a=b:NoSchedule"),
        "error: invalid resource type pods, only node types are supported\n1"
    );
    // A bare pod blocks a drain unless --force.
    pod(
        &mut c,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: bare}\nspec: {nodeName: node-3, terminationGracePeriodSeconds: 5, containers: [{name: a, image: nginx}]}\n",
        "phase: Running\n",
    );
    // Every node runs a kube-proxy pod (a DaemonSet's): drains need
    // --ignore-daemonsets, as on any kubeadm cluster.
    let proxy = c
        .store
        .list(res("Pod"), Some("kube-system"))
        .find(|(_, p)| {
            p.str_at(&["spec", "nodeName"]) == Some("node-3")
                && p.str_at(&["metadata", "generateName"]) == Some("kube-proxy-")
        })
        .map(|((_, n), _)| n.to_string())
        .unwrap();
    // metrics-server runs there, with an emptyDir for its certificates.
    let metrics = c
        .store
        .list(res("Pod"), Some("kube-system"))
        .find(|(_, p)| {
            p.str_at(&["spec", "nodeName"]) == Some("node-3")
                && p.str_at(&["metadata", "labels", "k8s-app"]) == Some("metrics-server")
        })
        .map(|((_, n), _)| n.to_string())
        .unwrap();
    assert_eq!(
        run(&mut c, "kubectl drain node-3"),
        format!(
            "node/node-3 cordoned\nerror: unable to drain node \"node-3\" due to error: [cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): kube-system/{proxy}, cannot delete Pods with local storage (use --delete-emptydir-data to override): kube-system/{metrics}, cannot delete Pods that declare no controller (use --force to override): default/bare], continuing command...\nThere are pending nodes to be drained:\n node-3\ncannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): kube-system/{proxy}\ncannot delete Pods with local storage (use --delete-emptydir-data to override): kube-system/{metrics}\ncannot delete Pods that declare no controller (use --force to override): default/bare\n1"
        )
    );
    assert_eq!(
        run(&mut c, "kubectl drain node-3 --force"),
        format!(
            "node/node-3 already cordoned\nerror: unable to drain node \"node-3\" due to error: [cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): kube-system/{proxy}, cannot delete Pods with local storage (use --delete-emptydir-data to override): kube-system/{metrics}], continuing command...\nThere are pending nodes to be drained:\n node-3\ncannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): kube-system/{proxy}\ncannot delete Pods with local storage (use --delete-emptydir-data to override): kube-system/{metrics}\n1"
        )
    );
    // Pods here end only by hand: metrics-server goes at once.
    k(
        &mut c,
        "kubectl delete deploy metrics-server -n kube-system",
    );
    k(
        &mut c,
        &format!("kubectl delete pod {metrics} -n kube-system --grace-period=0 --force"),
    );
    assert_eq!(
        run(&mut c, "kubectl drain node-3 --force --ignore-daemonsets"),
        format!(
            "node/node-3 already cordoned\nWarning: ignoring DaemonSet-managed Pods: kube-system/{proxy}; deleting Pods that declare no controller: default/bare\nevicting pod default/bare\npod/bare evicted\nnode/node-3 drained\n0"
        )
    );
    assert_eq!(c.now_ms(), BOOT_MS + 5 * SECOND);
    let node = c.store.get_named(res("Node"), "", "node-3").unwrap();
    assert_eq!(node.at(&["spec", "unschedulable"]), &Value::Bool(true));
}

#[test]
fn kubectl_events_sorts_filters_and_prints_as_kubectl() {
    let mut c = hand_cluster();
    pod(
        &mut c,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: web-1}\nspec:\n  nodeName: node-1\n  containers: [{name: web, image: nginx}]\n",
        "phase: Pending\n",
    );
    let p = c
        .store
        .get_named(res("Pod"), "default", "web-1")
        .unwrap()
        .clone();
    // Fourteen events in the same second: more than Go's insertion sort
    // handles, so kubectl's pdqsort moves ties around.
    let reasons: Vec<String> = (0..14).map(|i| format!("Reason{i:02}")).collect();
    for (i, reason) in reasons.iter().enumerate() {
        let kind = if i % 5 == 4 {
            EventType::Warning
        } else {
            EventType::Normal
        };
        let message = if i == 3 {
            "first line\nsecond line"
        } else {
            "text"
        };
        c.record_event(&p, None, kind, reason, message, ("kubelet", Some("node-1")));
    }
    c.step(2 * SECOND);
    // A repeat moves the first event's last time: the list, in name order,
    // is no longer in time order.
    c.record_event(
        &p,
        None,
        EventType::Normal,
        "Reason00",
        "text",
        ("kubelet", Some("node-1")),
    );
    c.record_event(
        &p,
        None,
        EventType::Normal,
        "Later",
        "  padded  ",
        ("kubelet", None),
    );
    c.step(SECOND);
    let out = k(&mut c, "kubectl events --for pod/web-1");
    assert_eq!(out.exit_code, 0, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(
        lines[0],
        "LAST SEEN         TYPE      REASON     OBJECT      MESSAGE"
    );
    assert_eq!(lines.len(), 16);
    // The later event sorts last; the ties are not in name order.
    assert_eq!(
        lines[15],
        "1s                Normal    Later      Pod/web-1   padded"
    );
    let listed: Vec<&str> = lines[1..14]
        .iter()
        .map(|l| l.split_whitespace().nth(2).unwrap())
        .collect();
    // Reason00 sorts among the last, the other ties not in name order.
    assert!(lines[14].contains("Reason00") || lines[15].contains("Reason00"));
    assert_ne!(
        listed,
        reasons[1..].iter().map(String::as_str).collect::<Vec<_>>()
    );
    let mut sorted = listed.clone();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        reasons[1..].iter().map(String::as_str).collect::<Vec<_>>()
    );
    // kubectl describe sorts the same list the same way.
    let describe = k(&mut c, "kubectl describe pod web-1").stdout;
    let described: Vec<&str> = describe
        .lines()
        .skip_while(|l| !l.starts_with("Events:"))
        .skip(3)
        .filter(|l| l.starts_with("  Normal") || l.starts_with("  Warning"))
        .map(|l| l.split_whitespace().nth(1).unwrap())
        .collect();
    assert_eq!(described[..13], listed[..]);
    // A message is cut at its first line break.
    assert!(
        out.stdout.contains("Pod/web-1   first line...\n"),
        "{}",
        out.stdout
    );
    // Types match without regard to case; -A adds the namespace.
    let warnings = k(
        &mut c,
        "kubectl events -A --types=WARNING,warning --no-headers",
    );
    assert_eq!(warnings.stdout.lines().count(), 2, "{}", warnings.stdout);
    assert!(
        warnings
            .stdout
            .lines()
            .all(|l| l.starts_with("default   3s "))
    );
    // JSON in the typed EventList's field order.
    let json = k(
        &mut c,
        "kubectl events --for pod/web-1 --types=Normal -o json",
    )
    .stdout;
    let keys: Vec<&str> = json
        .lines()
        .filter(|l| l.starts_with("            \"") && l.contains("\": "))
        .take(13)
        .map(|l| l.trim().split('"').nth(1).unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "kind",
            "apiVersion",
            "metadata",
            "involvedObject",
            "reason",
            "message",
            "source",
            "firstTimestamp",
            "lastTimestamp",
            "count",
            "type",
            "eventTime",
            "reportingComponent"
        ]
    );
    assert!(json.starts_with(
        "{\n    \"kind\": \"EventList\",\n    \"apiVersion\": \"v1\",\n    \"metadata\": {},\n"
    ));
    let none = k(&mut c, "kubectl events -n kube-public");
    assert_eq!(
        (none.stdout.as_str(), none.stderr.as_str(), none.exit_code),
        ("", "No events found in kube-public namespace.\n", 0)
    );
}

#[test]
fn describe_pod_layout() {
    let mut c = hand_cluster();
    pod(
        &mut c,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: web-1, labels: {app: web, tier: front}, ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-abc, uid: u1, controller: true}]}\nspec:\n  nodeName: node-1\n  containers:\n  - name: web\n    image: nginx:1.25\n    ports: [{containerPort: 80, protocol: TCP}]\n    env: [{name: MODE, value: prod}, {name: POD, valueFrom: {fieldRef: {apiVersion: v1, fieldPath: metadata.name}}}]\n    resources: {requests: {cpu: 100m, memory: 64Mi}}\n    readinessProbe: {httpGet: {path: /healthz, port: 80, scheme: HTTP}, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3}\n",
        "phase: Running\nhostIP: 10.0.0.11\npodIP: 10.244.1.7\npodIPs: [{ip: 10.244.1.7}]\nstartTime: '2026-01-01T00:01:01Z'\nqosClass: Burstable\nconditions: [{type: Initialized, status: 'True'}, {type: Ready, status: 'True'}, {type: PodScheduled, status: 'True'}]\ncontainerStatuses: [{name: web, ready: true, restartCount: 0, image: 'nginx:1.25', imageID: 'docker.io/library/nginx@sha256:abc', containerID: 'containerd://0123', state: {running: {startedAt: '2026-01-01T00:01:04Z'}}}]\n",
    );
    let p = c
        .store
        .get_named(res("Pod"), "default", "web-1")
        .unwrap()
        .clone();
    c.record_event(
        &p,
        None,
        EventType::Normal,
        "Scheduled",
        "Successfully assigned default/web-1 to node-1",
        ("default-scheduler", None),
    );
    c.step(3 * SECOND);
    let p = c
        .store
        .get_named(res("Pod"), "default", "web-1")
        .unwrap()
        .clone();
    for _ in 0..3 {
        c.record_event(
            &p,
            Some("spec.containers{web}"),
            EventType::Normal,
            "Pulling",
            "Pulling image \"nginx:1.25\"",
            ("kubelet", Some("node-1")),
        );
    }
    c.step(57 * SECOND);
    let vol = p
        .at(&["spec", "volumes"])
        .items()
        .next()
        .unwrap()
        .str_at(&["name"])
        .unwrap()
        .to_string();
    let out = k(&mut c, "kubectl describe pod web-1");
    assert_eq!(out.exit_code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        format!(
            "Name:             web-1
Namespace:        default
Priority:         0
Service Account:  default
Node:             node-1/10.0.0.11
Start Time:       Thu, 01 Jan 2026 00:01:01 +0000
Labels:           app=web
                  tier=front
Annotations:      <none>
Status:           Running
IP:               10.244.1.7
IPs:
  IP:           10.244.1.7
Controlled By:  ReplicaSet/web-abc
Containers:
  web:
    Container ID:   containerd://0123
    Image:          nginx:1.25
    Image ID:       docker.io/library/nginx@sha256:abc
    Port:           80/TCP
    Host Port:      0/TCP
    State:          Running
      Started:      Thu, 01 Jan 2026 00:01:04 +0000
    Ready:          True
    Restart Count:  0
    Requests:
      cpu:      100m
      memory:   64Mi
    Readiness:  http-get http://:80/healthz delay=0s timeout=1s period=10s #success=1 #failure=3
    Environment:
      MODE:  prod
      POD:   web-1 (v1:metadata.name)
    Mounts:
      /var/run/secrets/kubernetes.io/serviceaccount from {vol} (ro)
Conditions:
  Type           Status
  Initialized    True 
  Ready          True 
  PodScheduled   True 
Volumes:
  {vol}:
    Type:                    Projected (a volume that contains injected data from multiple sources)
    TokenExpirationSeconds:  3607
    ConfigMapName:           kube-root-ca.crt
    Optional:                false
    DownwardAPI:             true
QoS Class:                   Burstable
Node-Selectors:              <none>
Tolerations:                 node.kubernetes.io/not-ready:NoExecute op=Exists for 300s
                             node.kubernetes.io/unreachable:NoExecute op=Exists for 300s
Events:
  Type    Reason     Age                From               Message
  ----    ------     ----               ----               -------
  Normal  Scheduled  60s                default-scheduler  Successfully assigned default/web-1 to node-1
  Normal  Pulling    57s (x3 over 57s)  kubelet            spec.containers{{web}}: Pulling image \"nginx:1.25\"
"
        )
    );
}

#[test]
fn describe_daemonset_layout() {
    let mut c = Cluster::new(1);
    let out = k(&mut c, "describe ds kube-proxy -n kube-system").stdout;
    let head: Vec<&str> = out.lines().take(13).collect();
    assert_eq!(
        head,
        [
            "Name:           kube-proxy",
            "Namespace:      kube-system",
            "Selector:       k8s-app=kube-proxy",
            "Node-Selector:  kubernetes.io/os=linux",
            "Labels:         k8s-app=kube-proxy",
            "Annotations:    deprecated.daemonset.template.generation: 1",
            "Desired Number of Nodes Scheduled: 4",
            "Current Number of Nodes Scheduled: 4",
            "Number of Nodes Scheduled with Up-to-date Pods: 4",
            "Number of Nodes Scheduled with Available Pods: 4",
            "Number of Nodes Misscheduled: 0",
            "Pods Status:  4 Running / 0 Waiting / 0 Succeeded / 0 Failed",
            "Pod Template:",
        ]
    );
    assert!(
        out.contains(
            "\n  Normal  SuccessfulCreate  60s   daemonset-controller  Created pod: kube-proxy-"
        ),
        "{out}"
    );
}

#[test]
fn describe_job_layout() {
    let mut c = Cluster::new(1);
    let files = MemoryFiles::default().with(
        "job.yaml",
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: pi\nspec:\n  backoffLimit: 4\n  activeDeadlineSeconds: 100\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: pi\n        image: perl:5.34.0\n",
    );
    assert_eq!(
        kf(&mut c, "apply -f job.yaml", &files).stdout,
        "job.batch/pi created\n"
    );
    let uid = c
        .get(res("Job"), "default", "pi")
        .unwrap()
        .str_at(&["metadata", "uid"])
        .unwrap()
        .to_string();
    let out = k(&mut c, "describe job pi").stdout;
    // The Job controller has started it: one pod, pulling its image.
    let start = crate::time::rfc1123z(c.now / 1000 * 1000);
    let head: Vec<&str> = out.lines().take(17).collect();
    let want = [
        "Name:                     pi".to_string(),
        "Namespace:                default".to_string(),
        format!("Selector:                 batch.kubernetes.io/controller-uid={uid}"),
        format!("Labels:                   batch.kubernetes.io/controller-uid={uid}"),
        "                          batch.kubernetes.io/job-name=pi".to_string(),
        format!("                          controller-uid={uid}"),
        "                          job-name=pi".to_string(),
        "Annotations:              <none>".to_string(),
        "Parallelism:              1".to_string(),
        "Completions:              1".to_string(),
        "Completion Mode:          NonIndexed".to_string(),
        "Suspend:                  false".to_string(),
        "Backoff Limit:            4".to_string(),
        format!("Start Time:               {start}"),
        "Active Deadline Seconds:  100s".to_string(),
        "Pods Statuses:            1 Active (0 Ready) / 0 Succeeded / 0 Failed".to_string(),
        "Pod Template:".to_string(),
    ];
    assert_eq!(head, want);
    assert!(
        out.contains("  Tolerations:     <none>\nEvents:\n  Type    Reason            Age   From            Message\n  ----    ------            ----  ----            -------\n  Normal  SuccessfulCreate  0s    job-controller  Created pod: pi-"),
        "{out}"
    );
    assert_eq!(describe::cap_indexes("1,2,3", 2), "1,2,...");
    assert_eq!(describe::cap_indexes("1-5", 50), "1-5");
    assert_eq!(describe::cap_indexes("", 50), "<none>");
}

#[test]
fn describe_endpointslice_and_statefulset_layout() {
    let mut c = Cluster::new(1);
    let out = k(&mut c, "describe endpointslice kubernetes").stdout;
    assert_eq!(
        out,
        "Name:         kubernetes
Namespace:    default
Labels:       kubernetes.io/service-name=kubernetes
Annotations:  <none>
AddressType:  IPv4
Ports:
  Name   Port  Protocol
  ----   ----  --------
  https  6443  TCP
Endpoints:
  - Addresses:  172.18.0.2
    Conditions:
      Ready:   true
    Hostname:  <unset>
    NodeName:  <unset>
    Zone:      <unset>
Events:        <none>
"
    );
    let files = MemoryFiles::default().with(
        "sts.yaml",
        "apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  selector: {matchLabels: {app: nginx}}
  serviceName: nginx
  replicas: 3
  template:
    metadata: {labels: {app: nginx}}
    spec:
      containers:
      - name: nginx
        image: registry.k8s.io/nginx-slim:0.24
  volumeClaimTemplates:
  - metadata: {name: www}
    spec:
      accessModes: [ReadWriteOnce, ReadOnlyMany]
      resources: {requests: {storage: 1024Mi}}
",
    );
    kf(&mut c, "apply -f sts.yaml", &files);
    let out = k(&mut c, "describe sts web").stdout;
    let head: Vec<&str> = out.lines().take(11).collect();
    assert_eq!(
        head,
        [
            "Name:               web",
            "Namespace:          default",
            "CreationTimestamp:  Thu, 01 Jan 2026 00:01:00 +0000",
            "Selector:           app=nginx",
            "Labels:             <none>",
            "Annotations:        <none>",
            "Replicas:           3 desired | 1 total",
            "Update Strategy:    RollingUpdate",
            "  Partition:        0",
            "Pods Status:        0 Running / 1 Waiting / 0 Succeeded / 0 Failed",
            "Pod Template:",
        ]
    );
    // The controller has made web-0 and its claim.
    assert!(
        out.contains(
            "Volume Claims:
  Name:          www
  StorageClass:  
  Labels:        <none>
  Annotations:   <none>
  Capacity:      1Gi
  Access Modes:  [ReadWriteOnce ReadOnlyMany]
Events:
"
        ) && out.contains("create Pod web-0 in StatefulSet web successful"),
        "{out}"
    );
}

#[test]
fn describe_network_policy_priority_class_ingress_class_and_rc_layout() {
    let mut c = Cluster::new(1);
    let files = MemoryFiles::default().with(
        "np.yaml",
        "apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: test-network-policy}
spec:
  podSelector: {matchLabels: {role: db}}
  policyTypes: [Ingress, Egress]
  ingress:
  - from:
    - ipBlock: {cidr: 172.17.0.0/16, except: [172.17.1.0/24]}
    - namespaceSelector: {matchLabels: {project: myproject}}
      podSelector: {matchLabels: {role: frontend}}
    ports:
    - {protocol: TCP, port: 6379}
    - {port: 8000, endPort: 8080}
  - {}
  egress:
  - to:
    - ipBlock: {cidr: 10.0.0.0/24}
---
apiVersion: v1
kind: ReplicationController
metadata: {name: nginx}
spec:
  replicas: 3
  selector: {app: nginx}
  template:
    metadata: {labels: {app: nginx}}
    spec:
      containers: [{name: nginx, image: nginx}]
",
    );
    kf(&mut c, "apply -f np.yaml", &files);
    assert_eq!(
        k(&mut c, "describe networkpolicy test-network-policy").stdout,
        "Name:         test-network-policy
Namespace:    default
Created on:   2026-01-01 00:01:00 +0000 UTC
Labels:       <none>
Annotations:  <none>
Spec:
  PodSelector:     role=db
  Allowing ingress traffic:
    To Port: 6379/TCP
    To Port Range: 8000-8080/TCP
    From:
      IPBlock:
        CIDR: 172.17.0.0/16
        Except: 172.17.1.0/24
    From:
      NamespaceSelector: project=myproject
      PodSelector: role=frontend
    ----------
    To Port: <any> (traffic allowed to all ports)
    From: <any> (traffic not restricted by source)
  Allowing egress traffic:
    To Port: <any> (traffic allowed to all ports)
    To:
      IPBlock:
        CIDR: 10.0.0.0/24
        Except: 
  Policy Types: Ingress, Egress
"
    );
    assert_eq!(
        k(&mut c, "describe priorityclass system-node-critical").stdout,
        "Name:              system-node-critical
Value:             2000001000
GlobalDefault:     false
PreemptionPolicy:  PreemptLowerPriority
Description:       Used for system critical pods that must not be moved from their current node.
Annotations:       <none>
Events:            <none>
"
    );
    assert_eq!(
        k(&mut c, "describe ingressclass nginx").stdout,
        "Name:         nginx
Labels:       app.kubernetes.io/component=controller
              app.kubernetes.io/instance=ingress-nginx
              app.kubernetes.io/name=ingress-nginx
Annotations:  ingressclass.kubernetes.io/is-default-class: true
Controller:   k8s.io/ingress-nginx
Events:       <none>
"
    );
    let rc = k(&mut c, "describe rc nginx").stdout;
    let head: Vec<&str> = rc.lines().take(8).collect();
    assert_eq!(
        head,
        [
            "Name:         nginx",
            "Namespace:    default",
            "Selector:     app=nginx",
            "Labels:       app=nginx",
            "Annotations:  <none>",
            // The controller created the pods; no kubelet ran them yet.
            "Replicas:     3 current / 3 desired",
            "Pods Status:  0 Running / 3 Waiting / 0 Succeeded / 0 Failed",
            "Pod Template:",
        ]
    );
}

#[test]
fn describe_cronjob_and_pvc_layout() {
    let mut c = Cluster::new(1);
    let files = MemoryFiles::default().with(
        "stored.yaml",
        "apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: Pod
metadata: {name: b-user}
spec:
  containers: [{name: c, image: busybox}]
  volumes: [{name: d, persistentVolumeClaim: {claimName: data}}]
---
apiVersion: v1
kind: Pod
metadata: {name: a-user}
spec:
  containers: [{name: c, image: busybox}]
  volumes: [{name: d, persistentVolumeClaim: {claimName: data}}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: hello}
spec:
  schedule: '*/5 * * * *'
  startingDeadlineSeconds: 30
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{name: hello, image: busybox}]
",
    );
    kf(&mut c, "apply -f stored.yaml", &files);
    let pvc = k(&mut c, "describe pvc data").stdout;
    assert_eq!(
        pvc,
        "Name:          data
Namespace:     default
StorageClass:  
Status:        Pending
Volume:        
Labels:        <none>
Annotations:   <none>
Finalizers:    [kubernetes.io/pvc-protection]
Capacity:      
Access Modes:  
VolumeMode:    Filesystem
Used By:       a-user
               b-user
Events:
  Type    Reason         Age   From                         Message
  ----    ------         ----  ----                         -------
  Normal  FailedBinding  0s    persistentvolume-controller  no persistent volumes available for this claim and no storage class is set
"
    );
    let cj = k(&mut c, "describe cronjob hello").stdout;
    let head: Vec<&str> = cj.lines().take(14).collect();
    assert_eq!(
        head,
        [
            "Name:                          hello",
            "Namespace:                     default",
            "Labels:                        <none>",
            "Annotations:                   <none>",
            "Schedule:                      */5 * * * *",
            "Concurrency Policy:            Allow",
            "Suspend:                       False",
            "Successful Job History Limit:  3",
            "Failed Job History Limit:      1",
            "Starting Deadline Seconds:     30s",
            "Selector:                      <unset>",
            "Parallelism:                   <unset>",
            "Completions:                   <unset>",
            "Pod Template:",
        ]
    );
    assert!(
        cj.ends_with("Last Schedule Time:  <unset>\nActive Jobs:         <none>\nEvents:              <none>\n"),
        "{cj}"
    );
}

#[test]
fn last_applied_keeps_the_version_the_manifest_was_written_in() {
    let mut c = Cluster::new(1);
    let files = MemoryFiles::default().with(
        "hpa.yaml",
        "apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 5
  targetCPUUtilizationPercentage: 50
",
    );
    kf(&mut c, "apply -f hpa.yaml", &files);
    let hpa = c
        .get(res("HorizontalPodAutoscaler"), "default", "web")
        .unwrap()
        .clone();
    // Stored as autoscaling/v2; kubectl recorded what it sent.
    assert!(hpa.at(&["spec", "metrics"]).items().next().is_some());
    assert_eq!(
        hpa.str_at(&[
            "metadata",
            "annotations",
            "kubectl.kubernetes.io/last-applied-configuration"
        ]),
        Some(
            "{\"apiVersion\":\"autoscaling/v1\",\"kind\":\"HorizontalPodAutoscaler\",\"metadata\":{\"annotations\":{},\"name\":\"web\",\"namespace\":\"default\"},\"spec\":{\"maxReplicas\":5,\"scaleTargetRef\":{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"name\":\"web\"},\"targetCPUUtilizationPercentage\":50}}\n"
        )
    );
    assert_eq!(
        kf(&mut c, "apply -f hpa.yaml", &files).stdout,
        "horizontalpodautoscaler.autoscaling/web unchanged\n"
    );
}

#[test]
fn describe_hpa_layout_and_defaults() {
    let mut c = Cluster::new(1);
    let files = MemoryFiles::default().with(
        "hpa.yaml",
        "apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata: {name: frontend-scaler}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: ReplicaSet, name: frontend}
  minReplicas: 3
  maxReplicas: 10
  targetCPUUtilizationPercentage: 50
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: bare}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 4
  behavior:
    scaleDown: {stabilizationWindowSeconds: 60}
",
    );
    kf(&mut c, "apply -f hpa.yaml", &files);
    assert_eq!(
        k(&mut c, "describe hpa frontend-scaler").stdout,
        "Name:                                                  frontend-scaler
Namespace:                                             default
Labels:                                                <none>
Annotations:                                           <none>
CreationTimestamp:                                     Thu, 01 Jan 2026 00:01:00 +0000
Reference:                                             ReplicaSet/frontend
Metrics:                                               ( current / target )
  resource cpu on pods  (as a percentage of request):  <unknown> / 50%
Min replicas:                                          3
Max replicas:                                          10
ReplicaSet pods:                                       0 current / 0 desired
Events:                                                <none>
"
    );
    // SetDefaults_HorizontalPodAutoscaler: one replica, 80% CPU, full rules.
    let bare = c
        .get(res("HorizontalPodAutoscaler"), "default", "bare")
        .unwrap();
    assert_eq!(
        crate::yaml::to_json_compact(bare.get("spec")),
        "{\"behavior\":{\"scaleDown\":{\"policies\":[{\"periodSeconds\":15,\"type\":\"Percent\",\"value\":100}],\"selectPolicy\":\"Max\",\"stabilizationWindowSeconds\":60},\"scaleUp\":{\"policies\":[{\"periodSeconds\":15,\"type\":\"Pods\",\"value\":4},{\"periodSeconds\":15,\"type\":\"Percent\",\"value\":100}],\"selectPolicy\":\"Max\",\"stabilizationWindowSeconds\":0}},\"maxReplicas\":4,\"metrics\":[{\"resource\":{\"name\":\"cpu\",\"target\":{\"averageUtilization\":80,\"type\":\"Utilization\"}},\"type\":\"Resource\"}],\"minReplicas\":1,\"scaleTargetRef\":{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"name\":\"web\"}}"
    );
    assert_eq!(
        kf(&mut c, "apply -f hpa.yaml", &files).stdout,
        "horizontalpodautoscaler.autoscaling/frontend-scaler unchanged\nhorizontalpodautoscaler.autoscaling/bare unchanged\n"
    );
    // Every metric source, and the behavior block.
    let files = MemoryFiles::default().with(
        "metrics.yaml",
        "apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 10
  metrics:
  - type: Resource
    resource: {name: memory, target: {type: AverageValue, averageValue: 500Mi}}
  - type: ContainerResource
    containerResource: {name: cpu, container: app, target: {type: Utilization, averageUtilization: 60}}
  - type: Pods
    pods: {metric: {name: packets-per-second}, target: {type: AverageValue, averageValue: 1k}}
  - type: Object
    object:
      metric: {name: requests-per-second}
      describedObject: {apiVersion: networking.k8s.io/v1, kind: Ingress, name: main-route}
      target: {type: Value, value: 10k}
  - type: External
    external: {metric: {name: queue_messages_ready}, target: {type: AverageValue, averageValue: '30'}}
  behavior:
    scaleDown: {stabilizationWindowSeconds: 300}
",
    );
    kf(&mut c, "apply -f metrics.yaml", &files);
    let out = k(&mut c, "describe hpa web").stdout;
    let body: Vec<&str> = out.lines().skip(6).take(20).collect();
    assert_eq!(
        body,
        [
            "Metrics:                                                                  ( current / target )",
            "  resource memory on pods:                                                <unknown> / 500Mi",
            "  resource cpu of container \"app\" on pods  (as a percentage of request):  <unknown> / 60%",
            "  \"packets-per-second\" on pods:                                           <unknown> / 1k",
            "  \"requests-per-second\" on Ingress/main-route (target value):             <unknown> / 10k",
            "  \"queue_messages_ready\" (target average value):                          <unknown> / 30",
            "Min replicas:                                                             1",
            "Max replicas:                                                             10",
            "Behavior:",
            "  Scale Up:",
            "    Stabilization Window: 0 seconds",
            "    Select Policy: Max",
            "    Policies:",
            "      - Type: Pods     Value: 4    Period: 15 seconds",
            "      - Type: Percent  Value: 100  Period: 15 seconds",
            "  Scale Down:",
            "    Stabilization Window: 300 seconds",
            "    Select Policy: Max",
            "    Policies:",
            "      - Type: Percent  Value: 100  Period: 15 seconds",
        ]
    );
}

#[test]
fn describe_pdb_and_storage_class_layout() {
    let mut c = Cluster::new(1);
    let files = MemoryFiles::default().with(
        "stored.yaml",
        "apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: zk-pdb}
spec:
  maxUnavailable: 25%
  selector: {matchLabels: {app: zookeeper}}
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: standard}
provisioner: kubernetes.io/aws-ebs
parameters: {type: gp2}
allowedTopologies:
- matchLabelExpressions:
  - key: topology.kubernetes.io/zone
    values: [us-central-1a, us-central-1b]
",
    );
    kf(&mut c, "apply -f stored.yaml", &files);
    assert_eq!(
        k(&mut c, "describe pdb zk-pdb").stdout,
        "Name:             zk-pdb
Namespace:        default
Max unavailable:  25%
Selector:         app=zookeeper
Status:
    Allowed disruptions:  0
    Current:              0
    Desired:              0
    Total:                0
Events:
  Type    Reason  Age              From               Message
  ----    ------  ----             ----               -------
  Normal  NoPods  0s (x2 over 0s)  controllermanager  No matching pods found
"
    );
    let sc = k(&mut c, "describe storageclass standard").stdout;
    assert!(sc.starts_with("Name:            standard\nIsDefaultClass:  No\nAnnotations:     kubectl.kubernetes.io/last-applied-configuration={"), "{sc}");
    // SetDefaults_StorageClass fills in the reclaim policy and binding mode.
    assert!(
        sc.ends_with(
            "Provisioner:           kubernetes.io/aws-ebs
Parameters:            type=gp2
AllowVolumeExpansion:  <unset>
MountOptions:          <none>
ReclaimPolicy:         Delete
VolumeBindingMode:     Immediate
AllowedTopologies:     
  Term 0:              topology.kubernetes.io/zone in [us-central-1a, us-central-1b]
Events:                <none>
"
        ),
        "{sc}"
    );
}

#[test]
fn describe_edge_cases_follow_kubectl() {
    let mut c = Cluster::new(1);
    let files = MemoryFiles::default().with(
        "edge.yaml",
        "apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: bound}
spec:
  volumeName: pv-1
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: hand}
addressType: IPv4
ports: [{name: '', port: 80, protocol: TCP}]
endpoints: [{addresses: [10.0.0.1], zone: ''}]
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: high}
value: 1000
---
apiVersion: batch/v1
kind: Job
metadata: {name: by-hand}
spec:
  manualSelector: true
  selector: {}
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox}]
",
    );
    kf(&mut c, "apply -f edge.yaml", &files);
    // Bound, but no capacity in the status yet: Go prints the zero Quantity.
    let pvc = k(&mut c, "describe pvc bound").stdout;
    assert!(
        pvc.contains("\nCapacity:      0\nAccess Modes:  \n"),
        "{pvc}"
    );
    // `<unset>` is for a missing field (and an empty port name) only.
    let eps = k(&mut c, "describe endpointslice hand").stdout;
    assert!(eps.contains("  <unset>  80    TCP\n"), "{eps}");
    assert!(eps.contains("    Hostname:  <unset>\n"), "{eps}");
    assert!(eps.contains("    Zone:      \n"), "{eps}");
    // SetDefaults_PriorityClass.
    let pc = k(&mut c, "describe priorityclass high").stdout;
    assert!(
        pc.contains("PreemptionPolicy:  PreemptLowerPriority\n"),
        "{pc}"
    );
    // An empty selector prints as the empty string, as LabelSelectorAsSelector does.
    let job = k(&mut c, "describe job by-hand").stdout;
    assert!(job.contains("\nSelector:         \n"), "{job}");
    // A Job's labels are copied from its template after validation, so a
    // 64-character name is reported once, on the template's labels.
    let name = "a".repeat(64);
    let long = MemoryFiles::default().with(
        "long.yaml",
        &format!(
            "apiVersion: batch/v1\nkind: Job\nmetadata: {{name: {name}}}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{{name: c, image: busybox}}]\n"
        ),
    );
    let err = kf(&mut c, "apply -f long.yaml", &long).stderr;
    assert_eq!(
        err,
        format!(
            "The Job \"{name}\" is invalid: spec.template.labels: Invalid value: \"{name}\": must be no more than 63 characters\n"
        )
    );
}

#[test]
fn describe_limit_range_and_quota_layout() {
    let mut c = Cluster::new(1);
    let files = MemoryFiles::default().with(
        "policy.yaml",
        "apiVersion: v1
kind: LimitRange
metadata: {name: cpu-mem}
spec:
  limits:
  - type: Container
    default: {memory: 512Mi, cpu: 500m}
    defaultRequest: {cpu: 250m}
    maxLimitRequestRatio: {cpu: '4'}
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: compute}
spec:
  hard: {pods: '10'}
  scopes: [NotTerminating, BestEffort]
",
    );
    kf(&mut c, "apply -f policy.yaml", &files);
    assert_eq!(
        k(&mut c, "describe limitrange cpu-mem").stdout,
        "Name:       cpu-mem
Namespace:  default
Type        Resource  Min  Max  Default Request  Default Limit  Max Limit/Request Ratio
----        --------  ---  ---  ---------------  -------------  -----------------------
Container   cpu       -    -    250m             500m           4
Container   memory    -    -    512Mi            512Mi          -
"
    );
    // The default request was defaulted from the default limit. A status
    // written by hand shows until the controller's next recount, and an
    // uncounted resource is the zero quantity.
    let key = crate::store::ObjectKey::new(res("ResourceQuota"), "default", "compute");
    c.update_status(
        &key,
        v("{hard: {pods: '10', services: '2'}, used: {pods: '3'}}"),
    )
    .unwrap();
    let quota = k(&mut c, "describe quota compute").stdout;
    assert!(
        quota.ends_with(
            "Resource  Used  Hard
--------  ----  ----
pods      3     10
services  0     2
"
        ),
        "{quota}"
    );
    assert!(quota.contains("Scopes:     BestEffort, NotTerminating\n * Matches all pods that do not have resource requirements set."), "{quota}");
    let ns = k(&mut c, "describe namespace default").stdout;
    assert!(
        ns.contains("  Scopes:  BestEffort, NotTerminating\n  * Matches"),
        "{ns}"
    );
    assert!(ns.contains("  services  0     2\n"), "{ns}");
}

#[test]
fn describe_service_namespace_secret_and_not_found() {
    let mut c = Cluster::new(1);
    let files = MemoryFiles::default().with(
        "s.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  labels: {app: web}\nspec:\n  type: NodePort\n  clusterIP: 10.96.0.20\n  selector: {app: web}\n  sessionAffinity: None\n  ports:\n  - name: http\n    port: 80\n    targetPort: 8080\n    nodePort: 30080\n    protocol: TCP\n",
    );
    kf(&mut c, "kubectl apply -f s.yaml", &files);
    assert_eq!(
        k(&mut c, "kubectl describe svc web").stdout,
        "Name:                     web
Namespace:                default
Labels:                   app=web
Annotations:              <none>
Selector:                 app=web
Type:                     NodePort
IP Family Policy:         SingleStack
IP Families:              IPv4
IP:                       10.96.0.20
IPs:                      10.96.0.20
Port:                     http  80/TCP
TargetPort:               8080/TCP
NodePort:                 http  30080/TCP
Endpoints:                
Session Affinity:         None
External Traffic Policy:  Cluster
Internal Traffic Policy:  Cluster
Events:                   <none>
"
    );
    k(
        &mut c,
        "kubectl create secret generic creds --from-literal=username=admin --from-literal=password=hunter22 --type=Opaque",
    );
    assert_eq!(
        k(&mut c, "kubectl describe secret creds").stdout,
        "Name:         creds\nNamespace:    default\nLabels:       <none>\nAnnotations:  <none>\n\nType:  Opaque\n\nData\n====\npassword:  8 bytes\nusername:  5 bytes\n"
    );
    let out = k(&mut c, "kubectl describe ns kube-public");
    assert!(
        out.stdout
            .ends_with("\nNo resource quota.\n\nNo LimitRange resource.\n"),
        "{}",
        out.stdout
    );
    assert_eq!(
        k(&mut c, "kubectl describe pods nope").stderr,
        "Error from server (NotFound): pods \"nope\" not found\n"
    );
    assert_eq!(
        k(&mut c, "kubectl describe").stderr,
        "error: You must specify the type of resource to describe. Use \"kubectl api-resources\" for a complete list of supported resources.\n"
    );
    // A name prefix describes every match.
    let out = k(&mut c, "kubectl describe secret cre");
    assert!(
        out.stdout.starts_with("Name:         creds\n"),
        "{}",
        out.stdout
    );
}

#[test]
fn rollout_history_undo_and_status() {
    let mut c = Cluster::new(1);
    let files = MemoryFiles::default().with("d.yaml", DEPLOY);
    kf(&mut c, "kubectl apply -f d.yaml", &files);
    let d = c
        .store
        .get_named(res("Deployment"), "default", "web")
        .unwrap()
        .clone();
    let _ = d;
    c.step(SECOND);
    // Revision 2 with a change cause, as the deployment controller records it.
    k(&mut c, "kubectl set image deployment/web web=nginx:1.26");
    k(
        &mut c,
        "kubectl annotate deployment/web kubernetes.io/change-cause='image updated'",
    );
    c.step(SECOND);
    assert_eq!(
        k(&mut c, "kubectl rollout history deployment/web").stdout,
        "deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n2         image updated\n\n"
    );
    assert_eq!(
        k(
            &mut c,
            "kubectl rollout history deployment/web --revision=1"
        )
        .stdout,
        "deployment.apps/web with revision #1\nPod Template:\n  Labels:\tapp=web\n\tpod-template-hash=544c4bf578\n  Containers:\n   web:\n    Image:\tnginx:1.25\n    Port:\t<none>\n    Host Port:\t<none>\n    Environment:\t<none>\n    Mounts:\t<none>\n  Volumes:\t<none>\n  Node-Selectors:\t<none>\n  Tolerations:\t<none>\n\n"
    );
    assert_eq!(
        k(
            &mut c,
            "kubectl rollout history deployment/web --revision=9"
        )
        .stderr,
        "error: unable to find the specified revision\n"
    );
    // The template matches revision 2, so undo goes to revision 1.
    assert_eq!(
        k(&mut c, "kubectl rollout undo deployment/web").stdout,
        "deployment.apps/web rolled back\n"
    );
    let d = c
        .store
        .get_named(res("Deployment"), "default", "web")
        .unwrap();
    assert_eq!(
        d.at(&["spec", "template", "spec", "containers"])
            .items()
            .next()
            .unwrap()
            .str_at(&["image"]),
        Some("nginx:1.25")
    );
    assert_eq!(
        d.at(&["spec", "template", "metadata", "labels"]),
        &v("{app: web}")
    );
    assert_eq!(
        k(
            &mut c,
            "kubectl rollout undo deployment/web --to-revision=1"
        )
        .stderr,
        "error: unable to find specified revision 1 in history\n",
        "the controller renumbered revision 1 as 3"
    );
    assert_eq!(
        k(
            &mut c,
            "kubectl rollout undo deployment/web --to-revision=3"
        )
        .stdout,
        "deployment.apps/web skipped rollback (current template already matches revision 3)\n"
    );
    assert_eq!(
        k(
            &mut c,
            "kubectl rollout undo deployment/web --to-revision=7"
        )
        .stderr,
        "error: unable to find specified revision 7 in history\n"
    );
    // A finished rollout: observed generation caught up, all replicas available.
    let d = c
        .store
        .get_named(res("Deployment"), "default", "web")
        .unwrap()
        .clone();
    let generation = d.at(&["metadata", "generation"]).as_i64().unwrap();
    let key = ObjectKey::of(res("Deployment"), &d);
    c.update_status(&key, v(&format!("{{observedGeneration: {generation}, replicas: 2, updatedReplicas: 2, availableReplicas: 1, readyReplicas: 1}}"))).unwrap();
    assert_eq!(
        k(&mut c, "kubectl rollout status deploy/web --watch=false").stdout,
        "Waiting for deployment \"web\" rollout to finish: 1 of 2 updated replicas are available...\n"
    );
    c.update_status(&key, v(&format!("{{observedGeneration: {generation}, replicas: 2, updatedReplicas: 2, availableReplicas: 2, readyReplicas: 2}}"))).unwrap();
    assert_eq!(
        k(&mut c, "kubectl rollout status deploy/web").stdout,
        "deployment \"web\" successfully rolled out\n"
    );
    assert_eq!(
        k(&mut c, "kubectl rollout pause deploy/web").stdout,
        "deployment.apps/web paused\n"
    );
    assert_eq!(
        k(&mut c, "kubectl rollout undo deploy/web").stderr,
        "error: you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume deployment/web' and try again\n"
    );
    assert_eq!(
        k(&mut c, "kubectl rollout resume deploy/web").stdout,
        "deployment.apps/web resumed\n"
    );
    assert_eq!(
        k(&mut c, "kubectl rollout resume deploy/web").stderr,
        "error: deployments.apps \"web\" is not paused\n"
    );
    assert_eq!(
        k(&mut c, "kubectl rollout restart deploy/web").stdout,
        "deployment.apps/web restarted\n"
    );
    let d = c
        .store
        .get_named(res("Deployment"), "default", "web")
        .unwrap();
    assert_eq!(
        d.str_at(&[
            "spec",
            "template",
            "metadata",
            "annotations",
            "kubectl.kubernetes.io/restartedAt"
        ]),
        Some("2026-01-01T00:01:02Z")
    );
    assert_eq!(
        k(&mut c, "kubectl rollout status rs/web-544c4bf578").stderr,
        "error: no status viewer has been implemented for ReplicaSet.apps\n"
    );
}

#[test]
fn a_stuck_rollout_waits_until_its_timeout() {
    let mut c = Cluster::new(1);
    // A tag that does not exist: the pods stay in ImagePullBackOff.
    let files =
        MemoryFiles::default().with("d.yaml", &DEPLOY.replace("nginx:1.25", "nginx:no-such-tag"));
    kf(&mut c, "kubectl apply -f d.yaml", &files);
    let out = k(&mut c, "kubectl rollout status deploy/web --timeout=30s");
    assert_eq!(
        out.terminal,
        "Waiting for deployment \"web\" rollout to finish: 0 of 2 updated replicas are available...\nerror: timed out waiting for the condition\n"
    );
    assert_eq!(c.now_ms(), BOOT_MS + 30 * SECOND);
    // Without --timeout it waits until the progress deadline (600s) passes.
    let out = k(&mut c, "kubectl rollout status deploy/web");
    assert_eq!(
        out.terminal,
        "Waiting for deployment \"web\" rollout to finish: 0 of 2 updated replicas are available...\nerror: deployment \"web\" exceeded its progress deadline\n"
    );
    assert_eq!(out.exit_code, 1);
}

#[test]
fn events_are_listed_and_filtered() {
    // Real components report: the scheduler binds both pods; b's tag does
    // not exist, so its kubelet reports the failed pulls and the back-off.
    let mut c = Cluster::new(1);
    k(&mut c, "kubectl run a --image=nginx");
    k(&mut c, "kubectl run b --image=nginx:no-such-tag");
    c.step(15 * SECOND);
    let not_found = "rpc error: code = NotFound desc = failed to pull and unpack image \"docker.io/library/nginx:no-such-tag\": failed to resolve reference \"docker.io/library/nginx:no-such-tag\": docker.io/library/nginx:no-such-tag: not found";
    assert_eq!(
        k(
            &mut c,
            "kubectl get events --field-selector involvedObject.kind=Pod"
        )
        .stdout,
        format!(
            "LAST SEEN   TYPE      REASON      OBJECT   MESSAGE\n\
             15s         Normal    Scheduled   pod/a    Successfully assigned default/a to node-2\n\
             15s         Normal    Pulling     pod/a    Pulling image \"nginx\"\n\
             13s         Normal    Pulled      pod/a    Successfully pulled image \"nginx\" in 1.787s (1.787s including waiting). Image size: 72319283 bytes.\n\
             13s         Normal    Created     pod/a    Container created\n\
             13s         Normal    Started     pod/a    Container started\n\
             15s         Normal    Scheduled   pod/b    Successfully assigned default/b to node-1\n\
             1s          Normal    Pulling     pod/b    Pulling image \"nginx:no-such-tag\"\n\
             1s          Warning   Failed      pod/b    Failed to pull image \"nginx:no-such-tag\": {not_found}\n\
             1s          Warning   Failed      pod/b    Error: ErrImagePull\n\
             14s         Normal    BackOff     pod/b    Back-off pulling image \"nginx:no-such-tag\"\n\
             14s         Warning   Failed      pod/b    Error: ImagePullBackOff\n"
        )
    );
    assert_eq!(
        k(
            &mut c,
            "kubectl get ev --field-selector involvedObject.name=b,type=Warning --no-headers"
        )
        .stdout,
        format!(
            "1s    Warning   Failed   pod/b   Failed to pull image \"nginx:no-such-tag\": {not_found}\n\
             1s    Warning   Failed   pod/b   Error: ErrImagePull\n\
             14s   Warning   Failed   pod/b   Error: ImagePullBackOff\n"
        )
    );
    assert_eq!(
        k(
            &mut c,
            "kubectl get ev --field-selector involvedObject.name=a,type=Warning"
        )
        .stderr,
        "No resources found in default namespace.\n"
    );
    let wide = k(
        &mut c,
        "kubectl get events -o wide --field-selector involvedObject.name=a",
    )
    .stdout;
    let lines: Vec<&str> = wide.lines().collect();
    assert_eq!(
        lines[0],
        "LAST SEEN   TYPE     REASON      OBJECT   SUBOBJECT            SOURCE                                               MESSAGE                                                                                               FIRST SEEN   COUNT   NAME"
    );
    // The scheduler writes through events.k8s.io: no source, its
    // reporting controller and instance instead (`formatEventSource`).
    assert!(
        lines[1].starts_with("15s         Normal   Scheduled   pod/a                         default-scheduler, default-scheduler-control-plane   Successfully assigned default/a to node-2 "),
        "{wide}"
    );
    assert!(
        lines[2].starts_with("15s         Normal   Pulling     pod/a    spec.containers{a}   kubelet, node-2                                      Pulling image \"nginx\" "),
        "{wide}"
    );
    // Repeats are aggregated: b's image is pulled again after the back-off.
    c.step(20 * SECOND);
    let wide_b = k(
        &mut c,
        "kubectl get events -o wide --field-selector involvedObject.name=b,reason=Pulling --no-headers",
    )
    .stdout;
    assert!(
        wide_b.starts_with("21s   Normal   Pulling   pod/b   spec.containers{b}   kubelet, node-1   Pulling image \"nginx:no-such-tag\"   35s   2     b."),
        "{wide_b}"
    );
}

#[test]
fn version_api_resources_and_cluster_info() {
    let mut c = Cluster::new(1);
    assert_eq!(
        k(&mut c, "kubectl version").stdout,
        "Client Version: v1.37.0\nKustomize Version: v5.8.1\nServer Version: v1.37.0\n"
    );
    assert_eq!(
        k(&mut c, "version --client").stdout,
        "Client Version: v1.37.0\nKustomize Version: v5.8.1\n"
    );
    let out = k(&mut c, "kubectl api-resources");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(
        lines[0],
        "NAME                                SHORTNAMES   APIVERSION                        NAMESPACED   KIND"
    );
    // What a v1.37 cluster serves, Kubeplay's or not (a pasted minikube
    // v1.37.0 listing has these 71 rows), and metrics-server's two.
    assert_eq!(
        lines[1],
        "bindings                                         v1                                true         Binding"
    );
    assert_eq!(lines.len(), 74);
    assert_eq!(
        lines[48],
        "nodes                                            metrics.k8s.io/v1beta1            false        NodeMetrics"
    );
    assert_eq!(
        lines[73],
        "storageversionmigrations                         storagemigration.k8s.io/v1        false        StorageVersionMigration"
    );
    assert!(lines.contains(&"deployments                         deploy       apps/v1                           true         Deployment"));
    assert_eq!(
        k(&mut c, "kubectl api-resources --api-group=apps -o name").stdout,
        "controllerrevisions.apps\ndaemonsets.apps\ndeployments.apps\nreplicasets.apps\nstatefulsets.apps\n"
    );
    assert_eq!(
        k(&mut c, "kubectl cluster-info").stdout,
        "Kubernetes control plane is running at https://127.0.0.1:6443\nCoreDNS is running at https://127.0.0.1:6443/api/v1/namespaces/kube-system/services/kube-dns:dns/proxy\n\nTo further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.\n"
    );
    assert_eq!(
        k(&mut c, "kubectl top pods").stderr,
        "No resources found in default namespace.\n"
    );
    // With every kubelet stopped nothing reports metrics.
    for n in ["control-plane", "node-1", "node-2", "node-3"] {
        c.stop_node(n).unwrap();
    }
    assert_eq!(
        k(&mut c, "kubectl top nodes").stderr,
        "error: Metrics API not available\n"
    );
}

#[test]
fn create_generators_and_dry_runs() {
    let mut c = Cluster::new(1);
    assert_eq!(
        k(&mut c, "kubectl create deployment web --image=nginx:1.25 --port=80 -r 3 --dry-run=client -o yaml").stdout,
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  labels:\n    app: web\n  name: web\nspec:\n  replicas: 3\n  selector:\n    matchLabels:\n      app: web\n  strategy: {}\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - image: nginx:1.25\n        name: nginx\n        ports:\n        - containerPort: 80\n        resources: {}\nstatus: {}\n"
    );
    assert!(
        c.store
            .get_named(res("Deployment"), "default", "web")
            .is_none()
    );
    assert_eq!(
        k(
            &mut c,
            "kubectl create deployment web --image=nginx --dry-run=server"
        )
        .stdout,
        "deployment.apps/web created (server dry run)\n"
    );
    assert!(
        c.store
            .get_named(res("Deployment"), "default", "web")
            .is_none()
    );
    assert_eq!(
        k(&mut c, "kubectl create deployment web").stderr,
        "error: required flag(s) \"image\" not set\n"
    );
    assert_eq!(
        k(&mut c, "kubectl create deployment --image=nginx").stderr,
        "error: exactly one NAME is required, got 0\nSee 'kubectl create deployment -h' for help and examples\n"
    );
    assert_eq!(
        k(&mut c, "kubectl create secret docker-registry reg --docker-server=r.example.com --docker-username=u --docker-password=p -o jsonpath='{.data.\\.dockerconfigjson}'").stdout,
        "eyJhdXRocyI6eyJyLmV4YW1wbGUuY29tIjp7InVzZXJuYW1lIjoidSIsInBhc3N3b3JkIjoicCIsImF1dGgiOiJkVHB3In19fQ=="
    );
    assert_eq!(
        k(&mut c, "kubectl create configmap x --from-literal=novalue").stderr,
        "error: invalid literal source novalue, expected key=value\n"
    );
    let out = k(&mut c, "kubectl create");
    assert_eq!(out.exit_code, 1);
    assert!(out.stderr.starts_with(
        "Error: must specify one of -f and -k\n\nCreate a resource from a file or from stdin."
    ));
    assert_eq!(
        k(&mut c, "kubectl run web --image=nginx").stdout,
        "pod/web created\n"
    );
    assert_eq!(
        k(&mut c, "kubectl expose pod web").stderr,
        "error: couldn't find port via --port flag or introspection\n"
    );
    assert_eq!(
        k(
            &mut c,
            "kubectl expose pod web --port=80 --target-port=8080"
        )
        .stdout,
        "service/web exposed\n"
    );
    let svc = c.store.get_named(res("Service"), "default", "web").unwrap();
    assert_eq!(svc.at(&["spec", "selector"]), &v("{run: web}"));
    assert_eq!(
        svc.at(&["spec", "ports"])
            .items()
            .next()
            .unwrap()
            .get("targetPort"),
        &Value::Int(8080)
    );
}

#[test]
fn kubeconfig_namespace_and_explicit_namespaces() {
    let mut c = Cluster::new(1);
    k(&mut c, "kubectl create ns dev");
    assert_eq!(
        k(
            &mut c,
            "kubectl config set-context --current --namespace=dev"
        )
        .stdout,
        "Context \"kubeplay\" modified.\n"
    );
    assert_eq!(
        k(&mut c, "kubectl create cm a").stdout,
        "configmap/a created\n"
    );
    assert!(c.store.get_named(res("ConfigMap"), "dev", "a").is_some());
    assert_eq!(
        k(&mut c, "kubectl get pods").stderr,
        "No resources found in dev namespace.\n"
    );
    let files = MemoryFiles::default().with(
        "cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, namespace: other}\n",
    );
    assert_eq!(
        kf(&mut c, "kubectl apply -f cm.yaml -n dev", &files).stderr,
        "error: the namespace from the provided object \"other\" does not match the namespace \"dev\". You must pass '--namespace=other' to perform this operation.\n"
    );
}

#[test]
fn help_is_printed_for_commands() {
    let mut c = Cluster::new(1);
    let out = k(&mut c, "kubectl");
    assert!(
        out.stdout
            .starts_with("kubectl controls the Kubernetes cluster manager.\n")
    );
    let out = k(&mut c, "kubectl rollout --help");
    assert_eq!(out.exit_code, 0);
    assert!(
        out.stdout
            .contains("Available Commands:\n  history       View rollout history\n"),
        "{}",
        out.stdout
    );
    // A group without a subcommand: the help, and exit status 1.
    let out = k(&mut c, "kubectl rollout");
    assert_eq!(out.exit_code, 1);
    assert!(
        out.stdout
            .starts_with("Manage the rollout of one or many resources.\n        \n Valid resource types include:\n"),
        "{}",
        out.stdout
    );
    let out = k(&mut c, "kubectl set");
    assert_eq!((out.exit_code, out.stdout.as_str()), (1, ""));
    assert!(
        out.stderr
            .starts_with("Configure application resources.\n\n These commands")
    );
    let out = k(&mut c, "kubectl get -h");
    assert!(
        out.stdout
            .starts_with("Display one or many resources.\n\nUsage:\n  kubectl get ["),
        "{}",
        out.stdout
    );
}

#[test]
fn explain_follows_the_plaintext_template() {
    let mut c = Cluster::new(1);
    assert_eq!(
        k(&mut c, "kubectl explain deploy.spec.replicas").stdout,
        "GROUP:      apps\nKIND:       Deployment\nVERSION:    v1\n\nFIELD: replicas <integer>\n\n\nDESCRIPTION:\n    Number of desired pods. This is a pointer to distinguish between explicit\n    zero and not specified. Defaults to 1.\n    \n\n"
    );
    // An object field: its own description, then its type's; then the fields.
    let out = k(&mut c, "kubectl explain pods.metadata").stdout;
    assert!(
        out.starts_with(
            "KIND:       Pod\nVERSION:    v1\n\nFIELD: metadata <ObjectMeta>\n\n\nDESCRIPTION:\n    Standard object's metadata. More info:\n    https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata\n    ObjectMeta is metadata that all persisted resources must have, which\n    includes all objects users must create.\n    \nFIELDS:\n  annotations\t<map[string]string>\n"
        ),
        "{out}"
    );
    // Existing line breaks are kept and each line wraps on its own.
    assert!(
        out.contains("    represented in RFC3339 form and is in UTC.\n    \n    Populated by the system. Read-only. Null for lists. More info:\n"),
        "{out}"
    );
    let out = k(
        &mut c,
        "kubectl explain deployment.spec.strategy.rollingUpdate.maxSurge",
    )
    .stdout;
    assert!(out.contains("FIELD: maxSurge <IntOrString>\n"), "{out}");
    assert!(
        out.contains("    time during the update is at most 130% of desired pods.\n    IntOrString is a type that can hold an int32 or a string.  When used in JSON\n"),
        "{out}"
    );
    assert!(
        k(&mut c, "kubectl explain pods.spec.containers.resources")
            .stdout
            .contains("  limits\t<map[string]Quantity>\n")
    );
    // The template reports the last path element, whichever one is missing.
    assert_eq!(
        k(&mut c, "kubectl explain deploy.spec.replica").stderr,
        "error: field \"replica\" does not exist\n"
    );
    assert_eq!(
        k(&mut c, "kubectl explain deploy.spek.replicas").stderr,
        "error: field \"replicas\" does not exist\n"
    );
    assert_eq!(
        k(&mut c, "kubectl explain frobs").stderr,
        "error: the server doesn't have a resource type \"frobs\"\n"
    );
    // --recursive: names and types only; a type is not expanded inside itself.
    let out = k(
        &mut c,
        "kubectl explain crd.spec.versions.schema.openAPIV3Schema --recursive",
    )
    .stdout;
    assert!(
        out.contains("FIELDS:\n  $ref\t<string>\n  $schema\t<string>\n  additionalItems\t<JSONSchemaPropsOrBool>\n"),
        "{out}"
    );
    assert!(
        out.contains("  properties\t<map[string]JSONSchemaProps>\n  required\t<[]string>\n"),
        "{out}"
    );
    let out = k(&mut c, "kubectl explain deploy.spec.selector --recursive").stdout;
    assert!(
        out.ends_with("FIELDS:\n  matchExpressions\t<[]LabelSelectorRequirement>\n    key\t<string> -required-\n    operator\t<string> -required-\n    values\t<[]string>\n  matchLabels\t<map[string]string>\n\n"),
        "{out}"
    );
}

#[test]
fn create_job_and_cronjob_as_kubectl_builds_them() {
    let mut c = Cluster::new(1);
    assert_eq!(
        k(
            &mut c,
            "kubectl create job hello --image=busybox --dry-run=client -o yaml -- echo hi"
        )
        .stdout,
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: hello\nspec:\n  template:\n    metadata: {}\n    spec:\n      containers:\n      - command:\n        - echo\n        - hi\n        image: busybox\n        name: hello\n        resources: {}\n      restartPolicy: Never\nstatus: {}\n"
    );
    assert_eq!(
        k(&mut c, "kubectl create cronjob tick --image=busybox --schedule=@hourly --dry-run=client -o yaml").stdout,
        "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: tick\nspec:\n  jobTemplate:\n    metadata:\n      name: tick\n    spec:\n      template:\n        metadata: {}\n        spec:\n          containers:\n          - image: busybox\n            name: tick\n            resources: {}\n          restartPolicy: OnFailure\n  schedule: '@hourly'\nstatus: {}\n"
    );
    assert_eq!(
        k(
            &mut c,
            "kubectl create cronjob tick --image=busybox --schedule=@hourly -- date"
        )
        .stdout,
        "cronjob.batch/tick created\n"
    );
    assert_eq!(
        k(&mut c, "kubectl create job now --from=cronjob/tick").stdout,
        "job.batch/now created\n"
    );
    let job = c.get(res("Job"), "default", "now").unwrap();
    assert_eq!(
        job.str_at(&[
            "metadata",
            "annotations",
            "cronjob.kubernetes.io/instantiate"
        ]),
        Some("manual")
    );
    let owner = job
        .at(&["metadata", "ownerReferences"])
        .items()
        .next()
        .unwrap();
    assert_eq!(owner.str_at(&["kind"]), Some("CronJob"));
    assert!(owner.get("blockOwnerDeletion").is_null());
    for (cmd, err) in [
        (
            "kubectl create job x",
            "error: either --image or --from must be specified\n",
        ),
        (
            "kubectl create job x --image=a --from=cronjob/tick",
            "error: either --image or --from must be specified\n",
        ),
        (
            "kubectl create job x --from=cronjob/tick -- echo",
            "error: cannot specify --from and command\n",
        ),
        (
            "kubectl create job x --from=cronjob/nope",
            "Error from server (NotFound): cronjobs.batch \"nope\" not found\n",
        ),
        (
            "kubectl create cronjob y --image=busybox",
            "error: required flag(s) \"schedule\" not set\n",
        ),
        (
            "kubectl create cronjob",
            "error: required flag(s) \"image\", \"schedule\" not set\n",
        ),
        (
            "kubectl create cronjob y --image=busybox --schedule='61 * * * *'",
            "error: failed to create cronjob: CronJob.batch \"y\" is invalid: spec.schedule: Invalid value: \"61 * * * *\": end of range (61) above maximum (59): 61\n",
        ),
    ] {
        let out = k(&mut c, cmd);
        assert_eq!(out.stderr, err, "{cmd}");
    }
}

#[test]
fn drain_evicts_through_the_eviction_api_so_a_job_can_ignore_the_disruption() {
    let mut c = Cluster::new(1);
    let files = MemoryFiles::default().with(
        "ignore.yaml",
        "apiVersion: batch/v1
kind: Job
metadata: {name: ignore}
spec:
  completions: 1
  backoffLimit: 0
  podFailurePolicy:
    rules:
    - action: Ignore
      onPodConditions: [{type: DisruptionTarget}]
  template:
    spec:
      restartPolicy: Never
      containers: [{name: main, image: bash, command: [bash, -c, 'sleep 90']}]
",
    );
    kf(&mut c, "apply -f ignore.yaml", &files);
    c.step(5 * crate::time::SECOND);
    let node = c
        .store
        .list(res("Pod"), Some("default"))
        .next()
        .and_then(|(_, p)| p.str_at(&["spec", "nodeName"]).map(str::to_string))
        .unwrap();
    // No grace period and the Job's finalizer: nothing waits on a timer.
    let out = k(
        &mut c,
        &format!("drain nodes/{node} --ignore-daemonsets --grace-period=0"),
    );
    assert!(
        out.stdout
            .ends_with(&format!("evicted\nnode/{node} drained\n")),
        "{out:?}"
    );
    c.step(5 * crate::time::SECOND);
    let job = c.get(res("Job"), "default", "ignore").unwrap();
    // The evicted pod carried DisruptionTarget, so its failure is ignored
    // and a replacement runs.
    assert!(job.at(&["status", "failed"]).is_null(), "{job:?}");
    assert_eq!(job.at(&["status", "active"]).as_i64(), Some(1));
}

#[test]
fn patch_applies_strategic_merge_and_json_patches() {
    let mut c = Cluster::new(1);
    k(&mut c, "create deployment web --image=nginx:1.27 -r 2");
    let run = |c: &mut Cluster, line: &str| {
        let out = k(c, line);
        format!("{}{}", out.stdout, out.stderr)
    };
    assert_eq!(
        run(
            &mut c,
            r#"patch deployment web -p '{"spec":{"replicas":3}}'"#
        ),
        "deployment.apps/web patched\n"
    );
    assert_eq!(
        run(&mut c, r#"patch deploy/web -p 'spec: {replicas: 3}'"#),
        "deployment.apps/web patched (no change)\n"
    );
    // Containers merge by name: the image changes, the rest stays.
    assert_eq!(
        run(
            &mut c,
            r#"patch deployment web -p '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.28"}]}}}}'"#
        ),
        "deployment.apps/web patched\n"
    );
    let d = c.get(res("Deployment"), "default", "web").unwrap();
    let containers: Vec<&Value> = d
        .at(&["spec", "template", "spec", "containers"])
        .items()
        .collect();
    assert_eq!(containers.len(), 1);
    assert_eq!(containers[0].str_at(&["image"]), Some("nginx:1.28"));
    assert_eq!(
        containers[0].str_at(&["terminationMessagePolicy"]),
        Some("File")
    );
    // A merge patch replaces lists and deletes with null.
    assert_eq!(
        run(
            &mut c,
            r#"patch deployment web --type=merge -p '{"metadata":{"labels":{"app":null,"tier":"front"}}}'"#
        ),
        "deployment.apps/web patched\n"
    );
    let d = c.get(res("Deployment"), "default", "web").unwrap();
    assert!(d.at(&["metadata", "labels", "app"]).is_null());
    assert_eq!(d.str_at(&["metadata", "labels", "tier"]), Some("front"));
    assert_eq!(
        run(
            &mut c,
            r#"patch deployment web --type=json -p '[{"op":"replace","path":"/spec/replicas","value":1},{"op":"add","path":"/metadata/annotations/team","value":"blue"}]'"#
        ),
        "deployment.apps/web patched\n"
    );
    let d = c.get(res("Deployment"), "default", "web").unwrap();
    assert_eq!(d.at(&["spec", "replicas"]).as_i64(), Some(1));
    assert_eq!(d.str_at(&["metadata", "annotations", "team"]), Some("blue"));
    for (line, err) in [
        (
            r#"patch deployment web --type=json -p '[{"op":"remove","path":"/spec/nope"}]'"#,
            "Error from server (UnprocessableEntity): remove operation does not apply: doc is missing path: /spec/nope: missing value\n",
        ),
        (
            "patch deployment web --type=xml -p '{}'",
            "error: --type must be one of [json merge strategic], not \"xml\"\n",
        ),
        (
            "patch deployment web",
            "error: must specify --patch or --patch-file containing the contents of the patch\n",
        ),
        (
            r#"patch deployment web -p '{"spec":{"replicas":-1}}'"#,
            "The Deployment \"web\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0\n",
        ),
        (
            "patch deployment nope -p '{}'",
            "Error from server (NotFound): deployments.apps \"nope\" not found\n",
        ),
        // The patched object is decoded as strictly as a manifest.
        (
            r#"patch deployment web -p '{"spec":{"bogusField":1}}'"#,
            "Error from server (BadRequest): strict decoding error: unknown field \"spec.bogusField\"\n",
        ),
        (
            r#"patch deployment web --type=merge -p '{"spec":{"replicas":"3"}}'"#,
            "Error from server (BadRequest): Deployment in version \"v1\" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32\n",
        ),
    ] {
        assert_eq!(run(&mut c, line), err, "{line}");
    }
    // The Scale view changes replicas only; a server dry run of a status
    // patch writes nothing.
    assert_eq!(
        run(
            &mut c,
            r#"patch deployment web --subresource=scale -p '{"spec":{"replicas":4},"metadata":{"labels":{"x":"y"}}}'"#
        ),
        "deployment.apps/web patched\n"
    );
    let d = c.get(res("Deployment"), "default", "web").unwrap();
    assert_eq!(d.at(&["spec", "replicas"]).as_i64(), Some(4));
    assert!(d.at(&["metadata", "labels", "x"]).is_null());
    assert_eq!(
        run(
            &mut c,
            r#"patch deployment web --dry-run=server --subresource=status -p '{"status":{"replicas":99}}'"#
        ),
        "deployment.apps/web patched (server dry run)\n"
    );
    let d = c.get(res("Deployment"), "default", "web").unwrap();
    assert_ne!(d.at(&["status", "replicas"]).as_i64(), Some(99));
    // Deleting a key that is not there changes nothing (no empty map appears).
    assert_eq!(
        run(
            &mut c,
            r#"patch deployment web -p '{"spec":{"template":{"metadata":{"annotations":{"a":null}}}}}'"#
        ),
        "deployment.apps/web patched (no change)\n"
    );
    // The docs' way to suspend a Job.
    k(&mut c, "create job myjob --image=busybox -- sleep 60");
    assert_eq!(
        run(
            &mut c,
            r#"patch job/myjob --type=strategic --patch '{"spec":{"suspend":true}}'"#
        ),
        "job.batch/myjob patched\n"
    );
    c.step(crate::time::SECOND);
    let job = c.get(res("Job"), "default", "myjob").unwrap();
    let first = job.at(&["status", "conditions"]).items().next().cloned();
    assert_eq!(
        first.as_ref().and_then(|c| c.str_at(&["type"])),
        Some("Suspended")
    );
    // Status through the subresource: conditions merge by type.
    assert_eq!(
        run(
            &mut c,
            r#"patch job myjob --subresource=status -p '{"status":{"conditions":[{"type":"ConfigIssue","status":"True"}]}}'"#
        ),
        "job.batch/myjob patched\n"
    );
    let job = c.get(res("Job"), "default", "myjob").unwrap();
    let types: Vec<&str> = job
        .at(&["status", "conditions"])
        .items()
        .filter_map(|c| c.str_at(&["type"]))
        .collect();
    assert_eq!(types, ["Suspended", "ConfigIssue"]);
}

#[test]
fn wait_advances_time_until_the_condition_or_the_timeout() {
    let mut c = Cluster::new(1);
    let run = |c: &mut Cluster, line: &str| {
        let out = k(c, line);
        format!("{}{}", out.stdout, out.stderr)
    };
    run(&mut c, "create job hello --image=busybox -- echo hi");
    let t0 = c.now;
    assert_eq!(
        run(
            &mut c,
            "wait --for=condition=complete --timeout=300s job/hello"
        ),
        "job.batch/hello condition met\n"
    );
    assert!(c.now > t0 && c.now - t0 < 60 * crate::time::SECOND);
    run(&mut c, "create deployment web --image=nginx -r 2");
    let out = run(&mut c, "wait --for=condition=Ready pod -l app=web");
    assert_eq!(out.matches("condition met\n").count(), 2, "{out}");
    let out = run(
        &mut c,
        "wait --for=jsonpath='{.status.phase}'=Running pod -l app=web",
    );
    assert_eq!(out.matches("condition met\n").count(), 2, "{out}");
    run(&mut c, "create job slow --image=busybox -- sleep 600");
    let t1 = c.now;
    assert_eq!(
        run(
            &mut c,
            "wait --for=condition=complete job/slow --timeout=10s"
        ),
        "error: timed out waiting for the condition on jobs/slow\n"
    );
    assert_eq!(c.now - t1, 10 * crate::time::SECOND);
    run(&mut c, "delete job slow --wait=false");
    // Already gone counts as deleted.
    assert_eq!(run(&mut c, "wait --for=delete job/slow"), "");
    assert_eq!(
        run(&mut c, "wait --for=condition=complete job/nope"),
        "Error from server (NotFound): jobs.batch \"nope\" not found\n"
    );
    assert_eq!(run(&mut c, "wait job/hello"), "error: --for must be set\n");
}

#[test]
fn rollout_status_and_undo_of_a_statefulset() {
    let mut c = Cluster::new(1);
    let files = MemoryFiles::default().with(
        "sts.yaml",
        "apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  selector: {matchLabels: {app: nginx}}
  serviceName: nginx
  replicas: 2
  template:
    metadata: {labels: {app: nginx}}
    spec:
      containers: [{name: nginx, image: 'nginx:1.25'}]
",
    );
    kf(&mut c, "apply -f sts.yaml", &files);
    assert_eq!(
        k(&mut c, "rollout undo sts/web").stderr,
        "error: no last revision to roll back to\n"
    );
    let out = k(&mut c, "rollout status sts/web");
    assert_eq!(
        out.stdout,
        "Waiting for 2 pods to be ready...\nWaiting for 1 pods to be ready...\npartitioned roll out complete: 2 new pods have been updated...\n"
    );
    k(&mut c, "set image sts/web nginx=nginx:1.26");
    k(&mut c, "rollout status sts/web");
    assert_eq!(
        k(&mut c, "rollout undo sts/web").stdout,
        "statefulset.apps/web rolled back\n"
    );
    assert_eq!(
        k(&mut c, "rollout undo sts/web --to-revision=9").stderr,
        "error: unable to find specified revision 9 in history\n"
    );
    let out = k(
        &mut c,
        r#"patch sts web -p '{"spec":{"updateStrategy":{"type":"OnDelete","rollingUpdate":null}}}'"#,
    );
    assert_eq!(
        out.stdout, "statefulset.apps/web patched\n",
        "{}",
        out.stderr
    );
    assert_eq!(
        k(&mut c, "rollout status sts/web").stderr,
        "error: rollout status is only available for RollingUpdate strategy type\n"
    );
}

#[test]
fn describe_rbac_rules_broken_down_compacted_and_sorted() {
    let mut c = Cluster::new(1);
    let files = MemoryFiles::default().with(
        "rbac.yaml",
        r#"apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  namespace: default
  name: pod-reader
rules:
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "watch", "list"]
- apiGroups: ["apps", ""]
  resources: ["deployments", "deployments/scale"]
  verbs: ["get", "update"]
- apiGroups: [""]
  resources: ["configmaps"]
  resourceNames: ["my-config", "other"]
  verbs: ["get"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: secret-reader
rules:
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "watch", "list"]
- nonResourceURLs: ["/healthz", "/healthz/*"]
  verbs: ["get", "post"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: read-pods
  namespace: default
subjects:
- kind: User
  name: jane
  apiGroup: rbac.authorization.k8s.io
- kind: ServiceAccount
  name: default
  namespace: kube-system
roleRef:
  kind: Role
  name: pod-reader
  apiGroup: rbac.authorization.k8s.io
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: read-secrets-global
subjects:
- kind: Group
  name: manager
  apiGroup: rbac.authorization.k8s.io
roleRef:
  kind: ClusterRole
  name: secret-reader
  apiGroup: rbac.authorization.k8s.io
"#,
    );
    kf(&mut c, "apply -f rbac.yaml", &files);
    assert_eq!(
        k(&mut c, "describe role pod-reader").stdout,
        "Name:         pod-reader
Labels:       <none>
Annotations:  <none>
PolicyRule:
  Resources               Non-Resource URLs  Resource Names  Verbs
  ---------               -----------------  --------------  -----
  deployments/scale       []                 []              [get update]
  deployments             []                 []              [get update]
  deployments.apps/scale  []                 []              [get update]
  deployments.apps        []                 []              [get update]
  pods                    []                 []              [get watch list]
  configmaps              []                 [my-config]     [get]
  configmaps              []                 [other]         [get]
"
    );
    assert_eq!(
        k(&mut c, "describe clusterrole secret-reader").stdout,
        "Name:         secret-reader
Labels:       <none>
Annotations:  <none>
PolicyRule:
  Resources  Non-Resource URLs  Resource Names  Verbs
  ---------  -----------------  --------------  -----
  secrets    []                 []              [get watch list]
             [/healthz/*]       []              [get]
             [/healthz]         []              [get]
             [/healthz/*]       []              [post]
             [/healthz]         []              [post]
"
    );
    assert_eq!(
        k(&mut c, "describe rolebinding read-pods").stdout,
        "Name:         read-pods
Labels:       <none>
Annotations:  <none>
Role:
  Kind:  Role
  Name:  pod-reader
Subjects:
  Kind            Name     Namespace
  ----            ----     ---------
  User            jane     
  ServiceAccount  default  kube-system
"
    );
}

#[test]
fn wait_for_create_polls_until_the_object_exists() {
    let mut c = Cluster::new(1);
    k(&mut c, "create job later --image=busybox -- sleep 1");
    // An object that exists, and one nobody creates.
    let out = k(&mut c, "wait --for=create job/later --timeout=10s");
    assert_eq!(out.stdout, "job.batch/later condition met\n");
    let before = c.now;
    let out = k(&mut c, "wait --for=create pod/nothing --timeout=5s");
    assert_eq!(out.stderr, "error: timed out waiting for the condition\n");
    assert_eq!(c.now - before, 5000, "the whole timeout passes");
    assert_eq!(
        k(&mut c, "wait --for=create pods").stderr,
        "error: resource name must be provided\n"
    );
}

#[test]
fn diff_shows_what_apply_would_change_and_exits_1() {
    let mut c = Cluster::new(1);
    let files = MemoryFiles::default().with("d.yaml", DEPLOY);
    assert_eq!(kf(&mut c, "apply -f d.yaml", &files).exit_code, 0);
    c.step(10 * SECOND);
    // Nothing would change: no output, status 0.
    let same = kf(&mut c, "diff -f d.yaml", &files);
    assert_eq!(
        (same.stdout.as_str(), same.stderr.as_str(), same.exit_code),
        ("", "", 0)
    );
    let changed = DEPLOY.replace("replicas: 2", "replicas: 5");
    let files = MemoryFiles::default().with("d.yaml", &changed);
    let before = c
        .store
        .get(&ObjectKey::new(res("Deployment"), "default", "web"))
        .cloned();
    let out = kf(&mut c, "diff -f d.yaml", &files);
    assert_eq!(out.exit_code, 1, "{}", out.stderr);
    assert_eq!(out.stderr, "");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(
        lines[0].starts_with("diff -u -N /tmp/LIVE-"),
        "{}",
        out.stdout
    );
    assert!(
        lines[0].ends_with("/apps.v1.Deployment.default.web"),
        "{}",
        lines[0]
    );
    assert!(lines[1].starts_with("--- /tmp/LIVE-") && lines[1].ends_with(" +0000"));
    assert!(lines[2].starts_with("+++ /tmp/MERGED-"));
    // The generation moves with the spec, the last-applied annotation with
    // the file; the resourceVersion stays (a dry run stores nothing).
    for want in [
        "-  generation: 1",
        "+  generation: 2",
        "-  replicas: 2",
        "+  replicas: 5",
    ] {
        assert!(lines.contains(&want), "{want} missing:\n{}", out.stdout);
    }
    assert!(
        !lines
            .iter()
            .any(|l| l.starts_with(['-', '+']) && l.contains("resourceVersion")),
        "{}",
        out.stdout
    );
    // kubectl diff's patch records nothing: the last-applied annotation
    // is the live one on both sides.
    let annotation: Vec<&&str> = lines
        .iter()
        .filter(|l| l.contains("\"replicas\":"))
        .collect();
    assert_eq!(annotation.len(), 1, "{}", out.stdout);
    assert!(annotation[0].starts_with(' ') && annotation[0].contains("\"replicas\":2"));
    // Nothing was changed.
    let after = c
        .store
        .get(&ObjectKey::new(res("Deployment"), "default", "web"))
        .cloned();
    assert_eq!(before, after);
}

#[test]
fn diff_of_new_objects_is_a_dry_run_create() {
    let mut c = Cluster::new(1);
    let files = MemoryFiles::default().with(
        "all.yaml",
        &format!(
            "{DEPLOY}---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  a: YQ==\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: team\n  labels:\n    tier: x\n"
        ),
    );
    let uid_before = c.rng.clone();
    let out = kf(&mut c, "diff -f all.yaml", &files);
    assert_eq!(out.exit_code, 1, "{}", out.stderr);
    // Files in name order: apps.…, v1.Namespace.., v1.Secret.
    let heads: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("diff -u -N"))
        .collect();
    assert_eq!(heads.len(), 3, "{}", out.stdout);
    assert!(heads[0].ends_with("/apps.v1.Deployment.default.web"));
    assert!(heads[1].ends_with("/v1.Namespace..team"));
    assert!(heads[2].ends_with("/v1.Secret.default.s"));
    // A create records no last-applied annotation; Secret values are masked.
    assert!(!out.stdout.contains("last-applied"), "{}", out.stdout);
    assert!(out.stdout.contains("@@ -0,0 +1,"));
    assert!(out.stdout.contains("+  a: '***'"), "{}", out.stdout);
    assert!(!out.stdout.contains("YQ=="));
    let team = ObjectKey::new(res("Namespace"), "", "team");
    assert!(c.store.get(&team).is_none());
    // Only the two directory names were drawn from the cluster's generator.
    let mut expected = uid_before;
    expected.below(1 << 32);
    expected.below(1 << 32);
    assert_eq!(c.rng, expected);
    // -l keeps the objects whose labels match.
    let out = kf(&mut c, "diff -f all.yaml -l tier=x", &files);
    let heads: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("diff -u -N"))
        .collect();
    assert_eq!(heads.len(), 1, "{}", out.stdout);
    assert!(heads[0].ends_with("/v1.Namespace..team"));
}

#[test]
fn diff_masks_changed_secret_values_before_and_after() {
    let mut c = Cluster::new(1);
    let secret =
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  a: YQ==\n  b: Yg==\n";
    let files = MemoryFiles::default().with("s.yaml", secret);
    assert_eq!(kf(&mut c, "apply -f s.yaml", &files).exit_code, 0);
    let files = MemoryFiles::default().with("s.yaml", &secret.replace("Yg==", "Yw=="));
    let out = kf(&mut c, "diff -f s.yaml", &files);
    assert_eq!(out.exit_code, 1);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(lines.contains(&"   a: '***'"), "{}", out.stdout);
    assert!(lines.contains(&"-  b: '*** (before)'"), "{}", out.stdout);
    assert!(lines.contains(&"+  b: '*** (after)'"), "{}", out.stdout);
    // Only `data` is masked: the last-applied annotation shows the values,
    // as it does in kubectl.
    assert!(
        !lines
            .iter()
            .any(|l| l.starts_with(['-', '+', ' ']) && l.ends_with(": Yw=="))
    );
}

#[test]
fn diff_errors_exit_2_and_print_no_diff() {
    let mut c = Cluster::new(1);
    let out = k(&mut c, "diff");
    assert_eq!(
        (out.stderr.as_str(), out.exit_code),
        ("error: must specify one of -f and -k\n", 2)
    );
    let out = k(&mut c, "diff --nope");
    assert_eq!(
        (out.stderr.as_str(), out.exit_code),
        (
            "Error: unknown flag: --nope\nSee 'kubectl diff -h' for help and examples\n",
            2
        )
    );
    let out = k(&mut c, "diff -f x.yaml extra");
    assert_eq!(
        (out.stderr.as_str(), out.exit_code),
        (
            "error: Unexpected args: [extra]\nSee 'kubectl diff -h' for help and examples\n",
            2
        )
    );
    let out = k(&mut c, "diff -f x.yaml --force-conflicts");
    assert_eq!(
        out.stderr,
        "error: --force-conflicts only works with --server-side\n"
    );
    let out = k(&mut c, "diff -f x.yaml");
    assert_eq!(out.exit_code, 2);
    // An invalid object: the dry-run create's error, bare; nothing printed
    // for the valid object before it.
    let files = MemoryFiles::default().with(
        "d.yaml",
        &format!(
            "{DEPLOY}---\n{}",
            DEPLOY
                .replace("name: web\n", "name: bad\n")
                .replace("replicas: 2", "replicas: -1")
        ),
    );
    let out = kf(&mut c, "diff -f d.yaml", &files);
    assert_eq!(out.stdout, "");
    assert_eq!(out.exit_code, 2);
    assert!(
        out.stderr
            .starts_with("The Deployment \"bad\" is invalid: spec.replicas: Invalid value: -1"),
        "{}",
        out.stderr
    );
    // A namespace the files create does not exist for the dry runs.
    let files = MemoryFiles::default().with(
        "ns.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: fresh\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: fresh\n",
    );
    let out = kf(&mut c, "diff -f ns.yaml", &files);
    assert_eq!(
        (out.stderr.as_str(), out.exit_code),
        (
            "Error from server (NotFound): namespaces \"fresh\" not found\n",
            2
        )
    );
}

#[test]
fn apply_with_a_selector_applies_the_matching_objects_only() {
    let mut c = Cluster::new(1);
    let files = MemoryFiles::default().with(
        "two.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels:\n    tier: x\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n",
    );
    let out = kf(&mut c, "apply -f two.yaml -l tier=x", &files);
    assert_eq!(out.stdout, "configmap/a created\n");
    let out = kf(&mut c, "apply -f two.yaml -l tier=y", &files);
    assert_eq!(
        (out.stderr.as_str(), out.exit_code),
        ("error: no objects passed to apply\n", 1)
    );
    assert!(
        c.store
            .get(&ObjectKey::new(res("ConfigMap"), "default", "b"))
            .is_none()
    );
}

#[test]
fn set_env_splits_arguments_and_keeps_variables_in_place() {
    let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        edit::split_env_args(&args(&["deploy/web", "pods", "A=1", "B-", "C=x=y"])),
        Some((args(&["deploy/web", "pods"]), args(&["A=1", "B-", "C=x=y"])))
    );
    // `=1` has nothing before the `=`: a resource, which then follows none.
    assert_eq!(edit::split_env_args(&args(&["A=1", "deploy/web"])), None);
    let mut c = Cluster::new(1);
    let files = MemoryFiles::default().with(
        "d.yaml",
        &DEPLOY.replace("        image: nginx:1.25\n", "        image: nginx:1.25\n        env:\n        - {name: A, value: a}\n        - {name: B, value: b}\n        - {name: C, value: c}\n"),
    );
    assert_eq!(kf(&mut c, "apply -f d.yaml", &files).exit_code, 0);
    let out = k(&mut c, "set env deploy/web B=bb D=d A-");
    assert_eq!(
        out.stdout, "deployment.apps/web env updated\n",
        "{}",
        out.stderr
    );
    let out = k(&mut c, "set env deploy/web --list");
    assert_eq!(
        out.stdout,
        "# Deployment web, container web\nB=bb\nC=c\nD=d\n"
    );
    // Nothing to change: no patch, no output.
    let out = k(&mut c, "set env deploy/web A-");
    assert_eq!(
        (out.stdout.as_str(), out.stderr.as_str(), out.exit_code),
        ("", "", 0)
    );
}

#[test]
fn set_env_and_replace_lines_never_panic() {
    // Random lines of these commands against a cluster with something to
    // change: every one ends with status 0 or 1 and says something when it
    // fails, and enough of them get past the checks to do their work.
    let targets = [
        "deploy/web",
        "pods --all",
        "-f d.yaml",
        "deploy -l app=web",
        "deploy/nosuch",
    ];
    let flags = [
        "--list",
        "--resolve",
        "--from=configmap/cfg",
        "--from=secret/nosuch",
        "--keys=k",
        "--prefix=P_",
        "-c web",
        "-c nope*",
        "-c *e*",
        "--overwrite=false",
        "-o yaml",
        "-o name",
        "--dry-run=client",
        "--dry-run=server",
        "-e C=3",
        "-e -",
        "-e D-",
    ];
    let envs = [
        "A=1",
        "A-",
        "B=x=y",
        "=1",
        "==x",
        "é=1",
        "1A=2",
        "E=",
        "deploy/web",
    ];
    let replace_flags = [
        "--force",
        "--save-config",
        "-o name",
        "--dry-run=server",
        "--grace-period=1",
        "--cascade=orphan",
        "--timeout=5s",
    ];
    let mut c = Cluster::new(3);
    let files = MemoryFiles::default().with("d.yaml", DEPLOY);
    assert_eq!(kf(&mut c, "apply -f d.yaml", &files).exit_code, 0);
    assert_eq!(
        k(
            &mut c,
            "create configmap cfg --from-literal=k=v --from-literal=k.2=w"
        )
        .exit_code,
        0
    );
    let mut rng = crate::rng::Rng::new(29);
    let mut pick = |list: &[&'static str], most: usize| -> String {
        let n = rng.index(most + 1);
        (0..n)
            .map(|_| list[rng.index(list.len())])
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut succeeded = 0;
    for i in 0..400 {
        let line = if i % 4 == 0 {
            format!("replace -f d.yaml {}", pick(&replace_flags, 3))
        } else {
            let target = targets[i % targets.len()];
            format!("set env {target} {} {}", pick(&flags, 2), pick(&envs, 3))
        };
        let out = kf(&mut c, &line, &files);
        assert!(matches!(out.exit_code, 0 | 1), "{line}: {}", out.exit_code);
        assert!(
            out.exit_code == 0 || !out.stderr.is_empty() || !out.stdout.is_empty(),
            "{line}: failed silently"
        );
        succeeded += usize::from(out.exit_code == 0 && !out.stdout.is_empty());
    }
    assert!(succeeded >= 60, "only {succeeded} lines did something");
}

#[test]
fn get_watch_prints_each_change_under_the_first_table_then_stops() {
    let mut c = Cluster::new(1);
    k(&mut c, "kubectl create deployment web --image=nginx");
    let out = k(&mut c, "kubectl get pods -w");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(lines[0].starts_with("NAME "), "{}", out.stdout);
    // The pod's start arrives as a row, aligned under the header.
    let running = lines
        .iter()
        .find(|l| l.contains("Running"))
        .expect("the pod's start is watched");
    assert_eq!(running.find("1/1"), lines[0].find("READY"));
    assert_eq!(
        out.stderr,
        "(Kubeplay stopped watching 1m30s after the last change; kubectl watches until Ctrl-C, or --request-timeout)\n"
    );
    // --request-timeout ends it, quietly, after exactly that long.
    let before = c.now;
    let out = k(&mut c, "kubectl get deploy web -w --request-timeout=10s");
    assert_eq!(c.now - before, 10_000);
    assert_eq!((out.stdout.lines().count(), out.stderr.as_str()), (2, ""));
    // A deletion is the object's last row, with --output-watch-events.
    let out = k(
        &mut c,
        "kubectl get pods -w --watch-only --output-watch-events --request-timeout=1m",
    );
    assert_eq!(out.stdout, "");
    let pod = c
        .store()
        .list(crate::cluster::res("Pod"), Some("default"))
        .map(|(_, p)| p.str_at(&["metadata", "name"]).unwrap_or("").to_string())
        .next()
        .unwrap();
    k(&mut c, &format!("kubectl delete pod {pod} --wait=false"));
    let out = k(
        &mut c,
        &format!("kubectl get pod {pod} -w --output-watch-events --request-timeout=1m"),
    );
    assert!(out.stdout.starts_with("EVENT "), "{}", out.stdout);
    assert!(
        out.stdout.lines().last().unwrap().starts_with("DELETED "),
        "{}",
        out.stdout
    );
    // `kubectl events -w`: the events so far, then the new ones as rows.
    k(&mut c, "kubectl run later --image=nginx");
    let out = k(&mut c, "kubectl events -w --request-timeout=10s");
    assert!(out.stdout.starts_with("LAST SEEN "), "{}", out.stdout);
    assert!(out.stdout.contains("Pod/later"), "{}", out.stdout);
    assert_eq!(out.stdout.matches("LAST SEEN").count(), 1);
    // Events recorded while watching arrive too, the event type padded.
    k(&mut c, "kubectl run late --image=nginx");
    let out = k(
        &mut c,
        "kubectl get events --watch-only --output-watch-events --request-timeout=10s",
    );
    assert!(out.stdout.contains("\nADDED      "), "{}", out.stdout);
    assert!(out.stdout.contains("Started"), "{}", out.stdout);
    assert_eq!(
        k(&mut c, "kubectl get pods,deploy -w").stderr,
        "error: you may only specify a single resource type\n"
    );
}

#[test]
fn logs_follow_prints_new_lines_until_the_container_stops() {
    let mut c = Cluster::new(1);
    k(
        &mut c,
        "kubectl run ticker --image=busybox --restart=Never -- sh -c 'for i in 1 2 3; do echo tick $i; sleep 10; done'",
    );
    c.step(3_000);
    let before = c.now;
    let out = k(&mut c, "kubectl logs -f ticker");
    assert_eq!(out.stdout, "tick 1\ntick 2\ntick 3\n");
    // The stream ended with the container, about 30 s after it started.
    assert_eq!(out.stderr, "");
    assert!(
        (25_000..35_000).contains(&(c.now - before)),
        "{}",
        c.now - before
    );
    // A finished container's log prints at once.
    let before = c.now;
    assert_eq!(
        k(&mut c, "kubectl logs -f ticker").stdout,
        "tick 1\ntick 2\ntick 3\n"
    );
    assert_eq!(c.now, before);
}

#[test]
fn record_is_deprecated_and_writes_the_command_as_the_change_cause() {
    let mut c = Cluster::new(1);
    k(&mut c, "kubectl create deployment web --image=nginx:1.26");
    c.step(SECOND);
    let out = k(
        &mut c,
        "kubectl set image deployment/web nginx=nginx:1.27 --record",
    );
    assert_eq!(
        out.stderr,
        "Flag --record has been deprecated, --record will be removed in the future\n"
    );
    c.step(SECOND);
    // A change cause the command sets itself wins over the recorded one.
    k(
        &mut c,
        "kubectl annotate deployment/web kubernetes.io/change-cause=mine --overwrite --record",
    );
    let cause = |c: &mut Cluster| {
        k(
            c,
            "kubectl get deploy web -o jsonpath='{.metadata.annotations.kubernetes\\.io/change-cause}'",
        )
        .stdout
    };
    assert_eq!(cause(&mut c), "mine");
    k(
        &mut c,
        "kubectl scale deploy web --replicas=2 -n default --record",
    );
    assert_eq!(
        cause(&mut c),
        "kubectl scale deploy web --replicas=2 --namespace=default --record=true"
    );
    assert_eq!(
        k(&mut c, "kubectl rollout history deployment/web").stdout,
        // The Deployment's annotations reach its current ReplicaSet.
        "deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n2         kubectl scale deploy web --replicas=2 --namespace=default --record=true\n\n"
    );
    // Commands without the flag refuse it, as cobra does.
    assert_eq!(
        k(&mut c, "kubectl create deployment x --image=nginx --record").stderr,
        "Error: unknown flag: --record\nSee 'kubectl create deployment --help' for usage.\n"
    );
}

#[test]
fn logs_follow_refuses_more_streams_than_max_log_requests() {
    let mut c = Cluster::new(1);
    k(
        &mut c,
        "kubectl create deployment many --image=nginx --replicas=6",
    );
    c.step(10_000);
    assert_eq!(
        k(&mut c, "kubectl logs -f -l app=many").stderr,
        "error: you are attempting to follow 6 log streams, but maximum allowed concurrency is 5, use --max-log-requests to increase the limit\n"
    );
}

#[test]
fn redis_cli_prompt_stays_with_the_server_it_reached() {
    let mut c = Cluster::new(3);
    k(
        &mut c,
        "kubectl create deployment cache --image=redis:7 --replicas=2",
    );
    k(&mut c, "kubectl expose deployment cache --port=6379");
    k(&mut c, "kubectl run client --image=redis:7");
    c.step(20_000);
    k(&mut c, "kubectl exec -it client -- redis-cli -h cache");
    assert_eq!(c.terminal_prompt().as_deref(), Some("cache:6379> "));
    assert_eq!(c.terminal_input("SET a 1", &NoFiles).stdout, "OK\n");
    // The Service balanced the connection once: every line reads the same
    // server's keys.
    for _ in 0..6 {
        assert_eq!(c.terminal_input("GET a", &NoFiles).stdout, "\"1\"\n");
    }
    c.terminal_input("quit", &NoFiles);
    assert_eq!(c.terminal_prompt(), None);
}

#[test]
fn sort_by_compares_strings_naturally_as_kubectl() {
    // `sortorder.NaturalLess`: web-9 before web-10 (the store lists them
    // the other way), digits before letters.
    let mut c = Cluster::new(1);
    for name in ["web-10", "web-9", "web-a", "web-09"] {
        k(&mut c, &format!("kubectl create configmap {name}"));
    }
    assert_eq!(
        k(
            &mut c,
            "kubectl get cm --sort-by=.metadata.name -o custom-columns=N:.metadata.name --no-headers"
        )
        .stdout,
        "kube-root-ca.crt\nweb-9\nweb-09\nweb-10\nweb-a\n"
    );
}

#[test]
fn sort_by_compares_quantities_by_value() {
    // sorter.go: two strings that are quantities compare as quantities.
    let mut c = Cluster::new(1);
    for (name, v) in [
        ("a", "1Gi"),
        ("b", "128Mi"),
        ("c", "19Mi"),
        ("d", "17200Ki"),
    ] {
        k(
            &mut c,
            &format!("kubectl create configmap {name} --from-literal=v={v}"),
        );
    }
    k(&mut c, "kubectl label cm a b c d size=t");
    assert_eq!(
        k(
            &mut c,
            "kubectl get cm -l size=t --sort-by=.data.v -o custom-columns=N:.metadata.name --no-headers"
        )
        .stdout,
        "d\nc\nb\na\n"
    );
}
