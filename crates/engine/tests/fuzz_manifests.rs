//! Random and mutated manifests never panic the API server: documents from
//! the docs' examples (and a few of our own) are mutated at the byte, line
//! and token level and applied, then the cluster is stepped and listed.

// Test code may sort with std (clippy.toml steers engine code away).
#![allow(clippy::disallowed_methods)]

use std::path::Path;

use kubeplay_engine::Cluster;
use kubeplay_engine::apiserver::manifest::ManifestVerb;

/// A tiny deterministic generator (xorshift64*).
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const SEEDS: &[&str] = &[
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n        ports:\n        - containerPort: 80\n        resources:\n          requests: {cpu: 100m, memory: 64Mi}\n",
    "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  type: NodePort\n  selector: {app: web}\n  ports:\n  - port: 80\n    targetPort: 80\n",
    "apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata:\n  name: web\n  annotations:\n    kubernetes.io/ingress.class: nginx\nspec:\n  rules:\n  - host: a.example.com\n    http:\n      paths:\n      - path: /x\n        backend:\n          serviceName: web\n          servicePort: 80\n",
    "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ntype: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: eyJhdXRocyI6e319\n",
    "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: local}\nprovisioner: kubernetes.io/no-provisioner\nvolumeBindingMode: WaitForFirstConsumer\n---\napiVersion: v1\nkind: PersistentVolume\nmetadata: {name: pv}\nspec:\n  storageClassName: local\n  capacity: {storage: 1Gi}\n  accessModes: [ReadWriteOnce]\n  persistentVolumeReclaimPolicy: Delete\n  local: {path: /mnt/d}\n  nodeAffinity:\n    required:\n      nodeSelectorTerms:\n      - matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [node-1]}]\n---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: c}\nspec:\n  storageClassName: local\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: user}\nspec:\n  containers: [{name: c, image: nginx}]\n  volumes: [{name: d, persistentVolumeClaim: {claimName: c}}]\n",
    "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  minReplicas: 1\n  maxReplicas: 5\n  metrics:\n  - type: Resource\n    resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}\n  - type: Pods\n    pods: {metric: {name: rps}, target: {type: AverageValue, averageValue: 1k}}\n  behavior:\n    scaleDown:\n      stabilizationWindowSeconds: 0\n      policies: [{type: Pods, value: 1, periodSeconds: 15}]\n",
    "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec:\n  serviceName: db\n  replicas: 3\n  podManagementPolicy: Parallel\n  selector: {matchLabels: {app: db}}\n  template:\n    metadata: {labels: {app: db}}\n    spec:\n      containers: [{name: c, image: nginx}]\n  volumeClaimTemplates:\n  - metadata: {name: data}\n    spec:\n      accessModes: [ReadWriteOnce]\n      resources: {requests: {storage: 1Gi}}\n",
    // Container files, the downward API, env files and network scripts
    // (waiting, one-shot and load loops) the kubelet runs.
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {a: x, b: 'y\\n'}\nbinaryData: {bin: aGk=}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: svc}\nspec:\n  ports: [{port: 80}]\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: files, labels: {app: f}, annotations: {note: \"a\\\"b\"}}\nspec:\n  hostname: h\n  subdomain: svc\n  hostAliases: [{ip: 10.0.0.9, hostnames: [a, b]}]\n  initContainers:\n  - name: init\n    image: busybox\n    command: [sh, -c, \"echo K=v > /data/e.env; until nslookup svc; do sleep 2; done\"]\n    volumeMounts: [{name: d, mountPath: /data}]\n  containers:\n  - name: c\n    image: busybox:1.28\n    command: [sh, -c, 'cat /etc/cfg/a /etc/info/labels; wget -qO- svc; while sleep 0.01; do wget -q -O- http://svc; done']\n    resources: {limits: {cpu: 250m, memory: 64Mi}}\n    env:\n    - {name: K, valueFrom: {fileKeyRef: {path: e.env, volumeName: d, key: K}}}\n    - {name: M, valueFrom: {resourceFieldRef: {resource: limits.memory, divisor: 1Mi}}}\n    volumeMounts:\n    - {name: cfg, mountPath: /etc/cfg}\n    - {name: info, mountPath: /etc/info}\n    - {name: p, mountPath: /etc/p, subPath: x}\n  volumes:\n  - {name: d, emptyDir: {}}\n  - {name: cfg, configMap: {name: cm, items: [{key: a, path: a}]}}\n  - name: info\n    downwardAPI: {items: [{path: labels, fieldRef: {fieldPath: metadata.labels}}, {path: cpu, resourceFieldRef: {containerName: c, resource: requests.cpu, divisor: 1m}}]}\n  - name: p\n    projected: {sources: [{configMap: {name: cm}}, {serviceAccountToken: {path: t}}]}\n",
    // Roles, bindings and an aggregated ClusterRole (the aggregation
    // controller and RBAC validation).
    "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r}\nrules:\n- apiGroups: ['', apps]\n  resources: [pods, '*/scale', deployments]\n  resourceNames: [web]\n  verbs: [get, list]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: rb}\nsubjects:\n- {kind: User, name: jane}\n- {kind: ServiceAccount, name: default}\n- {kind: Group, name: devs, apiGroup: rbac.authorization.k8s.io}\nroleRef: {kind: Role, name: r}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: agg}\naggregationRule:\n  clusterRoleSelectors: [{matchLabels: {x: 'y'}}, {matchExpressions: [{key: rbac.authorization.k8s.io/aggregate-to-view, operator: Exists}]}]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: part, labels: {x: 'y', rbac.authorization.k8s.io/aggregate-to-edit: 'true'}}\nrules:\n- {nonResourceURLs: ['/healthz', '/logs/*'], verbs: [get]}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: crb}\nsubjects: [{kind: ServiceAccount, name: default, namespace: default}]\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: agg}\n",
    // NetworkPolicies the network judges every request of the scripts above by.
    "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np}\nspec:\n  podSelector: {matchExpressions: [{key: app, operator: In, values: [f, web]}]}\n  policyTypes: [Ingress, Egress]\n  ingress:\n  - from:\n    - ipBlock: {cidr: 10.244.0.0/16, except: [10.244.1.0/24]}\n    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress-nginx}}\n      podSelector: {}\n    ports: [{port: http}, {port: 8000, endPort: 8080}, {protocol: UDP}]\n  egress:\n  - to: [{podSelector: {matchLabels: {k8s-app: kube-dns}}, namespaceSelector: {}}]\n    ports: [{protocol: UDP, port: 53}]\n  - {}\n",
    "apiVersion: v1\nkind: LimitRange\nmetadata: {name: lr}\nspec:\n  limits:\n  - type: Container\n    max: {cpu: '2', memory: 1Gi}\n    min: {cpu: 10m}\n    maxLimitRequestRatio: {cpu: '4'}\n  - type: Pod\n    max: {memory: 2Gi}\n  - type: PersistentVolumeClaim\n    min: {storage: 1Mi}\n---\napiVersion: v1\nkind: ResourceQuota\nmetadata: {name: q}\nspec:\n  hard: {pods: '3', requests.cpu: '2', limits.memory: 4Gi, count/configmaps: '9', services.nodeports: '1'}\n  scopeSelector:\n    matchExpressions: [{scopeName: PriorityClass, operator: NotIn, values: [high]}]\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: sized}\nspec:\n  containers: [{name: c, image: nginx, resources: {requests: {cpu: 100m}, limits: {memory: 64Mi}}}]\n",
    "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n  data: {k: v}\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: p}\n  spec:\n    containers: [{name: c, image: busybox, command: [sh, -c, 'sleep 10']}]\n",
];

fn corpus_texts() -> Vec<String> {
    let mut out: Vec<String> = SEEDS.iter().map(|s| s.to_string()).collect();
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/k8s-website-examples");
    let mut stack = vec![dir];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for p in paths {
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "yaml")
                && let Ok(text) = std::fs::read_to_string(&p)
            {
                out.push(text);
            }
        }
    }
    out
}

const TOKENS: &[&str] = &[
    "",
    "null",
    "~",
    "true",
    "yes",
    "-1",
    "0",
    "99999999999999999999",
    "1.5",
    "\"\"",
    "[]",
    "{}",
    "[1, 2]",
    "{a: b}",
    "&a x",
    "*a",
    "!!binary aGk=",
    "'500m'",
    "5Gi",
    "-",
    ":",
    "? x",
    "|\n  text",
    ">",
    "0x1F",
    "%",
    "@",
    "`",
    "\"\\u0000\"",
    "é",
    "\t",
];

fn mutate(rng: &mut XorShift, text: &str) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for _ in 0..1 + rng.below(4) {
        if lines.is_empty() {
            lines.push(String::new());
        }
        let i = rng.below(lines.len());
        match rng.below(7) {
            0 => {
                lines.remove(i);
            }
            1 => {
                let j = rng.below(lines.len());
                let copy = lines[j].clone();
                lines.insert(i, copy);
            }
            2 => lines[i] = format!(" {}", lines[i]),
            3 => lines[i] = lines[i].trim_start().to_string(),
            4 => {
                // Replace the value after a colon with a random token.
                if let Some(pos) = lines[i].find(": ") {
                    let token = TOKENS[rng.below(TOKENS.len())];
                    lines[i] = format!("{}: {token}", &lines[i][..pos]);
                }
            }
            5 => {
                // Flip one byte to a random ASCII character.
                let mut bytes = lines[i].clone().into_bytes();
                if !bytes.is_empty() {
                    let at = rng.below(bytes.len());
                    bytes[at] = 32 + rng.below(95) as u8;
                }
                lines[i] = String::from_utf8(bytes).unwrap_or_default();
            }
            _ => {
                let key = [
                    "spec",
                    "metadata",
                    "replicas",
                    "containers",
                    "image",
                    "ports",
                    "name",
                    "kind",
                ][rng.below(8)];
                lines.insert(i, format!("{key}: {}", TOKENS[rng.below(TOKENS.len())]));
            }
        }
    }
    lines.join("\n") + "\n"
}

#[test]
fn mutated_manifests_never_panic() {
    let texts = corpus_texts();
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let mut cluster = Cluster::new(1);
    for round in 0..1500 {
        let base = &texts[rng.below(texts.len())];
        let text = mutate(&mut rng, base);
        let _ = cluster.run_manifest(&text, "fuzz.yaml", ManifestVerb::Apply);
        if round % 50 == 0 {
            cluster.step(5_000);
            // Listing and printing everything must not panic either.
            for r in kubeplay_engine::api::registry::RESOURCES {
                for (_, obj) in cluster.store().list(r.id(), None) {
                    let _ = kubeplay_engine::yaml::to_yaml(obj);
                }
            }
        }
        if round % 300 == 299 {
            cluster = Cluster::new(round);
        }
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = XorShift(42);
    let mut cluster = Cluster::new(1);
    for _ in 0..500 {
        let len = rng.below(400);
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let text = String::from_utf8_lossy(&bytes);
        let _ = cluster.run_manifest(&text, "noise.yaml", ManifestVerb::Apply);
        let _ = kubeplay_engine::yaml::load_bytes(&bytes);
    }
}
