//! What `kubeadm init` and `kubeadm join` leave in a fresh cluster: the
//! control plane's static pods (seen through their mirror pods), the
//! `kubernetes` Service with the endpoints the API server's endpoint
//! reconciler writes, the built-in PriorityClasses, and the CoreDNS and
//! kube-proxy add-ons (`kubeadm init phase addon`).
//!
//! The manifests follow kubeadm 1.37 (`cmd/kubeadm/app/phases/
//! controlplane`, `…/addons/dns`, `…/addons/proxy`); the images are the
//! ones every node has preloaded, so nothing is pulled.

use crate::apiserver::WriteOptions;
use crate::cluster::{Cluster, res};
use crate::store::ObjectKey;
use crate::value::Value;

/// The API server's port on the control-plane node.
pub const API_SERVER_PORT: u16 = 6443;
/// The control-plane node's name (and the host name of its static pods).
pub const CONTROL_PLANE: &str = "control-plane";
/// The `kubernetes` Service's cluster IP (the first of 10.96.0.0/12).
pub const KUBERNETES_SERVICE_IP: &str = "10.96.0.1";
/// The cluster DNS Service's IP (kubelet `clusterDNS`).
pub const DNS_SERVICE_IP: &str = "10.96.0.10";
/// The CoreDNS image kubeadm deploys.
pub const COREDNS_IMAGE: &str = "registry.k8s.io/coredns/coredns:v1.12.1";
/// The etcd image kubeadm runs.
pub const ETCD_IMAGE: &str = "registry.k8s.io/etcd:3.6.5-0";
/// The annotation marking a mirror pod (`kubetypes.ConfigMirrorAnnotationKey`).
pub const MIRROR_ANNOTATION: &str = "kubernetes.io/config.mirror";

/// Parses one YAML document of this module's manifests.
fn manifest(text: &str) -> Value {
    // Not `expect`: it would link LoadError's Debug into the bundle.
    match crate::yaml::load_str(text) {
        Ok(docs) => docs[0].root.to_value(),
        Err(_) => panic!("kubeadm manifests are valid YAML"),
    }
}

fn create(cluster: &mut Cluster, obj: Value) {
    if let Err(e) = cluster.create(obj, &WriteOptions::system()) {
        // A broken manifest here is a bug in this module.
        debug_assert!(false, "kubeadm object refused: {}", e.message);
    }
}

/// Sets a fresh cluster up the way kubeadm does, once its nodes joined:
/// static pods on the control-plane node `control_plane` (whose kubelet
/// registered with `advertise` as its InternalIP), the API server's
/// Service and endpoints, and the add-ons.
///
/// The objects draw names and UIDs from their own random stream, so the
/// names of everything the user creates later do not depend on them.
pub(crate) fn install(cluster: &mut Cluster, control_plane: &str) {
    let Some(advertise) = cluster
        .kubelet
        .nodes
        .get(control_plane)
        .map(|a| a.internal_ip.clone())
    else {
        return;
    };
    let main_rng = std::mem::replace(
        &mut cluster.rng,
        crate::rng::Rng::new(cluster.seed ^ 0x6B75_6265_6164_6D21),
    );
    // The API server's RBAC bootstrap policy, then kubeadm's roles and
    // bindings (the admin's binding to cluster-admin among them). Their
    // UIDs come from a stream of their own, so the add-ons' pod names do
    // not depend on how many there are.
    let kubeadm_rng = std::mem::replace(
        &mut cluster.rng,
        crate::rng::Rng::new(cluster.seed ^ 0x7262_6163_2d62_6f6f),
    );
    for obj in crate::apiserver::rbac::bootstrap_objects() {
        create(cluster, obj);
    }
    cluster.rng = kubeadm_rng;
    cluster.admin = crate::apiserver::rbac::UserInfo::cluster_admin();
    for (name, value, description) in [
        (
            "system-cluster-critical",
            2_000_000_000,
            "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.",
        ),
        (
            "system-node-critical",
            2_000_001_000,
            "Used for system critical pods that must not be moved from their current node.",
        ),
    ] {
        create(
            cluster,
            Value::from_pairs([
                ("apiVersion", Value::str("scheduling.k8s.io/v1")),
                ("kind", Value::str("PriorityClass")),
                ("metadata", Value::from_pairs([("name", Value::str(name))])),
                ("description", Value::str(description)),
                ("preemptionPolicy", Value::str("PreemptLowerPriority")),
                ("value", Value::Int(value)),
            ]),
        );
    }
    for pod in static_pods(&advertise) {
        create_mirror_pod(cluster, control_plane, pod);
    }
    kubernetes_service(cluster, &advertise);
    for text in [
        COREDNS_SERVICE_ACCOUNT,
        COREDNS_CONFIG_MAP,
        COREDNS_SERVICE,
        COREDNS_DEPLOYMENT,
        KUBE_PROXY_SERVICE_ACCOUNT,
    ] {
        create(cluster, manifest(text));
    }
    create(cluster, kube_proxy_config_map(&advertise));
    create(cluster, manifest(KUBE_PROXY_DAEMON_SET));
    // Everything due at this instant (the endpoints' requeues) runs with
    // this stream too.
    cluster.step(0);
    cluster.rng = main_rng;
}

/// The `kubernetes` Service in `default`, and the Endpoints and
/// EndpointSlice the API server's endpoint reconciler keeps pointing at
/// its own address.
fn kubernetes_service(cluster: &mut Cluster, advertise: &str) {
    create(
        cluster,
        manifest(&format!(
            "apiVersion: v1
kind: Service
metadata:
  name: kubernetes
  namespace: default
  labels:
    component: apiserver
    provider: kubernetes
spec:
  clusterIP: {KUBERNETES_SERVICE_IP}
  ports:
  - name: https
    port: 443
    protocol: TCP
    targetPort: {API_SERVER_PORT}
  sessionAffinity: None
  type: ClusterIP
"
        )),
    );
    create(
        cluster,
        manifest(&format!(
            "apiVersion: v1
kind: Endpoints
metadata:
  name: kubernetes
  namespace: default
  labels:
    endpointslice.kubernetes.io/skip-mirror: \"true\"
subsets:
- addresses:
  - ip: {advertise}
  ports:
  - name: https
    port: {API_SERVER_PORT}
    protocol: TCP
"
        )),
    );
    create(
        cluster,
        manifest(&format!(
            "apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: kubernetes
  namespace: default
  labels:
    kubernetes.io/service-name: kubernetes
addressType: IPv4
endpoints:
- addresses:
  - {advertise}
  conditions:
    ready: true
ports:
- name: https
  port: {API_SERVER_PORT}
  protocol: TCP
"
        )),
    );
}

/// Creates the mirror pod of a static pod, as the kubelet of `node` does:
/// named after the node, owned by the Node, with the config annotations.
fn create_mirror_pod(cluster: &mut Cluster, node: &str, mut pod: Value) {
    let node_uid = cluster
        .store
        .get(&ObjectKey::new(res("Node"), "", node))
        .and_then(|n| n.str_at(&["metadata", "uid"]))
        .unwrap_or("")
        .to_string();
    let component = pod.str_at(&["metadata", "name"]).unwrap_or("").to_string();
    // The file's hash, stable for a given manifest.
    let hash = &crate::kubelet::images::hex64(&crate::yaml::to_json_compact(&pod))[..32];
    pod.set_at(
        &["metadata", "name"],
        Value::from(format!("{component}-{node}")),
    );
    pod.set_at(&["metadata", "namespace"], Value::str("kube-system"));
    let annotations = pod.entry("metadata").entry("annotations");
    annotations.set("kubernetes.io/config.hash", Value::str(hash));
    annotations.set(MIRROR_ANNOTATION, Value::str(hash));
    annotations.set(
        "kubernetes.io/config.seen",
        Value::from(format!(
            "{}.{}Z",
            crate::time::rfc3339(cluster.now).trim_end_matches('Z'),
            seen_fraction(hash)
        )),
    );
    annotations.set("kubernetes.io/config.source", Value::str("file"));
    pod.set_at(
        &["metadata", "ownerReferences"],
        Value::array(vec![Value::from_pairs([
            ("apiVersion", Value::str("v1")),
            ("controller", Value::Bool(true)),
            ("kind", Value::str("Node")),
            ("name", Value::str(node)),
            ("uid", Value::from(node_uid)),
        ])]),
    );
    pod.set_at(&["spec", "nodeName"], Value::str(node));
    create(cluster, pod);
}

/// Nanoseconds (RFC3339Nano, trailing zeros trimmed) for `config.seen`.
fn seen_fraction(hash: &str) -> String {
    let n = u64::from_str_radix(&hash[..8], 16).unwrap_or(0) % 1_000_000_000;
    let digits = format!("{:09}", n.max(1));
    digits.trim_end_matches('0').to_string()
}

/// Whether a pod is the mirror of a static pod.
pub fn is_mirror_pod(pod: &Value) -> bool {
    !pod.at(&["metadata", "annotations", MIRROR_ANNOTATION])
        .is_null()
}

/// The control plane's static pods (`/etc/kubernetes/manifests`), with
/// the control-plane node's address.
fn static_pods(advertise: &str) -> Vec<Value> {
    let k8s = crate::KUBERNETES_VERSION;
    let ca_volumes = "  - hostPath:
      path: /etc/ssl/certs
      type: DirectoryOrCreate
    name: ca-certs
  - hostPath:
      path: /etc/ca-certificates
      type: DirectoryOrCreate
    name: etc-ca-certificates
";
    let ca_mounts = "    - mountPath: /etc/ssl/certs
      name: ca-certs
      readOnly: true
    - mountPath: /etc/ca-certificates
      name: etc-ca-certificates
      readOnly: true
";
    let share_volumes = "  - hostPath:
      path: /usr/local/share/ca-certificates
      type: DirectoryOrCreate
    name: usr-local-share-ca-certificates
  - hostPath:
      path: /usr/share/ca-certificates
      type: DirectoryOrCreate
    name: usr-share-ca-certificates
";
    let share_mounts = "    - mountPath: /usr/local/share/ca-certificates
      name: usr-local-share-ca-certificates
      readOnly: true
    - mountPath: /usr/share/ca-certificates
      name: usr-share-ca-certificates
      readOnly: true
";
    let probe = |host: &str, path: &str, scheme: &str, failure: i64, initial: bool, period: i64| {
        let initial = if initial {
            "      initialDelaySeconds: 10\n"
        } else {
            ""
        };
        format!(
            "      failureThreshold: {failure}
      httpGet:
        host: {host}
        path: {path}
        port: probe-port
        scheme: {scheme}
{initial}      periodSeconds: {period}
      timeoutSeconds: 15
"
        )
    };
    let pod_tail = "  hostNetwork: true
  priority: 2000001000
  priorityClassName: system-node-critical
  securityContext:
    seccompProfile:
      type: RuntimeDefault
  tolerations:
  - effect: NoExecute
    operator: Exists
";
    let etcd = format!(
        "apiVersion: v1
kind: Pod
metadata:
  annotations:
    kubeadm.kubernetes.io/etcd.advertise-client-urls: https://{advertise}:2379
  labels:
    component: etcd
    tier: control-plane
  name: etcd
spec:
  containers:
  - command:
    - etcd
    - --advertise-client-urls=https://{advertise}:2379
    - --cert-file=/etc/kubernetes/pki/etcd/server.crt
    - --client-cert-auth=true
    - --data-dir=/var/lib/etcd
    - --feature-gates=InitialCorruptCheck=true
    - --initial-advertise-peer-urls=https://{advertise}:2380
    - --initial-cluster=control-plane=https://{advertise}:2380
    - --key-file=/etc/kubernetes/pki/etcd/server.key
    - --listen-client-urls=https://127.0.0.1:2379,https://{advertise}:2379
    - --listen-metrics-urls=http://127.0.0.1:2381
    - --listen-peer-urls=https://{advertise}:2380
    - --name=control-plane
    - --peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt
    - --peer-client-cert-auth=true
    - --peer-key-file=/etc/kubernetes/pki/etcd/peer.key
    - --peer-trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt
    - --snapshot-count=10000
    - --trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt
    - --watch-progress-notify-interval=5s
    image: {ETCD_IMAGE}
    imagePullPolicy: IfNotPresent
    livenessProbe:
{liveness}    name: etcd
    ports:
    - containerPort: 2381
      name: probe-port
      protocol: TCP
    readinessProbe:
{readiness}    resources:
      requests:
        cpu: 100m
        memory: 100Mi
    startupProbe:
{startup}    volumeMounts:
    - mountPath: /var/lib/etcd
      name: etcd-data
    - mountPath: /etc/kubernetes/pki/etcd
      name: etcd-certs
{pod_tail}  volumes:
  - hostPath:
      path: /etc/kubernetes/pki/etcd
      type: DirectoryOrCreate
    name: etcd-certs
  - hostPath:
      path: /var/lib/etcd
      type: DirectoryOrCreate
    name: etcd-data
",
        liveness = probe("127.0.0.1", "/livez", "HTTP", 8, true, 10),
        readiness = probe("127.0.0.1", "/readyz", "HTTP", 3, false, 1),
        startup = probe("127.0.0.1", "/readyz", "HTTP", 24, true, 10),
    );
    let apiserver = format!(
        "apiVersion: v1
kind: Pod
metadata:
  annotations:
    kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint: {advertise}:6443
  labels:
    component: kube-apiserver
    tier: control-plane
  name: kube-apiserver
spec:
  containers:
  - command:
    - kube-apiserver
    - --advertise-address={advertise}
    - --allow-privileged=true
    - --authorization-mode=Node,RBAC
    - --client-ca-file=/etc/kubernetes/pki/ca.crt
    - --enable-admission-plugins=NodeRestriction
    - --enable-bootstrap-token-auth=true
    - --etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt
    - --etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt
    - --etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key
    - --etcd-servers=https://127.0.0.1:2379
    - --kubelet-client-certificate=/etc/kubernetes/pki/apiserver-kubelet-client.crt
    - --kubelet-client-key=/etc/kubernetes/pki/apiserver-kubelet-client.key
    - --kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname
    - --proxy-client-cert-file=/etc/kubernetes/pki/front-proxy-client.crt
    - --proxy-client-key-file=/etc/kubernetes/pki/front-proxy-client.key
    - --requestheader-allowed-names=front-proxy-client
    - --requestheader-client-ca-file=/etc/kubernetes/pki/front-proxy-ca.crt
    - --requestheader-extra-headers-prefix=X-Remote-Extra-
    - --requestheader-group-headers=X-Remote-Group
    - --requestheader-username-headers=X-Remote-User
    - --secure-port=6443
    - --service-account-issuer=https://kubernetes.default.svc.cluster.local
    - --service-account-key-file=/etc/kubernetes/pki/sa.pub
    - --service-account-signing-key-file=/etc/kubernetes/pki/sa.key
    - --service-cluster-ip-range=10.96.0.0/12
    - --tls-cert-file=/etc/kubernetes/pki/apiserver.crt
    - --tls-private-key-file=/etc/kubernetes/pki/apiserver.key
    image: registry.k8s.io/kube-apiserver:{k8s}
    imagePullPolicy: IfNotPresent
    livenessProbe:
{liveness}    name: kube-apiserver
    ports:
    - containerPort: 6443
      name: probe-port
      protocol: TCP
    readinessProbe:
{readiness}    resources:
      requests:
        cpu: 250m
    startupProbe:
{startup}    volumeMounts:
{ca_mounts}    - mountPath: /etc/kubernetes/pki
      name: k8s-certs
      readOnly: true
{share_mounts}{pod_tail}  volumes:
{ca_volumes}  - hostPath:
      path: /etc/kubernetes/pki
      type: DirectoryOrCreate
    name: k8s-certs
{share_volumes}",
        liveness = probe(advertise, "/livez", "HTTPS", 8, true, 10),
        readiness = probe(advertise, "/readyz", "HTTPS", 3, false, 1),
        startup = probe(advertise, "/livez", "HTTPS", 24, true, 10),
    );
    let controller_manager = format!(
        "apiVersion: v1
kind: Pod
metadata:
  labels:
    component: kube-controller-manager
    tier: control-plane
  name: kube-controller-manager
spec:
  containers:
  - command:
    - kube-controller-manager
    - --allocate-node-cidrs=true
    - --authentication-kubeconfig=/etc/kubernetes/controller-manager.conf
    - --authorization-kubeconfig=/etc/kubernetes/controller-manager.conf
    - --bind-address=127.0.0.1
    - --client-ca-file=/etc/kubernetes/pki/ca.crt
    - --cluster-cidr=10.244.0.0/16
    - --cluster-name=kubernetes
    - --cluster-signing-cert-file=/etc/kubernetes/pki/ca.crt
    - --cluster-signing-key-file=/etc/kubernetes/pki/ca.key
    - --controllers=*,bootstrapsigner,tokencleaner
    - --kubeconfig=/etc/kubernetes/controller-manager.conf
    - --leader-elect=true
    - --requestheader-client-ca-file=/etc/kubernetes/pki/front-proxy-ca.crt
    - --root-ca-file=/etc/kubernetes/pki/ca.crt
    - --service-account-private-key-file=/etc/kubernetes/pki/sa.key
    - --service-cluster-ip-range=10.96.0.0/12
    - --use-service-account-credentials=true
    image: registry.k8s.io/kube-controller-manager:{k8s}
    imagePullPolicy: IfNotPresent
    livenessProbe:
{liveness}    name: kube-controller-manager
    ports:
    - containerPort: 10257
      name: probe-port
      protocol: TCP
    resources:
      requests:
        cpu: 200m
    startupProbe:
{startup}    volumeMounts:
{ca_mounts}    - mountPath: /usr/libexec/kubernetes/kubelet-plugins/volume/exec
      name: flexvolume-dir
    - mountPath: /etc/kubernetes/pki
      name: k8s-certs
      readOnly: true
    - mountPath: /etc/kubernetes/controller-manager.conf
      name: kubeconfig
      readOnly: true
{share_mounts}{pod_tail}  volumes:
{ca_volumes}  - hostPath:
      path: /usr/libexec/kubernetes/kubelet-plugins/volume/exec
      type: DirectoryOrCreate
    name: flexvolume-dir
  - hostPath:
      path: /etc/kubernetes/pki
      type: DirectoryOrCreate
    name: k8s-certs
  - hostPath:
      path: /etc/kubernetes/controller-manager.conf
      type: FileOrCreate
    name: kubeconfig
{share_volumes}",
        liveness = probe("127.0.0.1", "/healthz", "HTTPS", 8, true, 10),
        startup = probe("127.0.0.1", "/healthz", "HTTPS", 24, true, 10),
    );
    let scheduler = format!(
        "apiVersion: v1
kind: Pod
metadata:
  labels:
    component: kube-scheduler
    tier: control-plane
  name: kube-scheduler
spec:
  containers:
  - command:
    - kube-scheduler
    - --authentication-kubeconfig=/etc/kubernetes/scheduler.conf
    - --authorization-kubeconfig=/etc/kubernetes/scheduler.conf
    - --bind-address=127.0.0.1
    - --kubeconfig=/etc/kubernetes/scheduler.conf
    - --leader-elect=true
    image: registry.k8s.io/kube-scheduler:{k8s}
    imagePullPolicy: IfNotPresent
    livenessProbe:
{liveness}    name: kube-scheduler
    ports:
    - containerPort: 10259
      name: probe-port
      protocol: TCP
    readinessProbe:
{readiness}    resources:
      requests:
        cpu: 100m
    startupProbe:
{startup}    volumeMounts:
    - mountPath: /etc/kubernetes/scheduler.conf
      name: kubeconfig
      readOnly: true
{pod_tail}  volumes:
  - hostPath:
      path: /etc/kubernetes/scheduler.conf
      type: FileOrCreate
    name: kubeconfig
",
        liveness = probe("127.0.0.1", "/livez", "HTTPS", 8, true, 10),
        readiness = probe("127.0.0.1", "/readyz", "HTTPS", 3, false, 1),
        startup = probe("127.0.0.1", "/livez", "HTTPS", 24, true, 10),
    );
    [etcd, apiserver, controller_manager, scheduler]
        .iter()
        .map(|t| manifest(t))
        .collect()
}

const COREDNS_SERVICE_ACCOUNT: &str = "apiVersion: v1
kind: ServiceAccount
metadata:
  name: coredns
  namespace: kube-system
";

const COREDNS_CONFIG_MAP: &str = "apiVersion: v1
kind: ConfigMap
metadata:
  name: coredns
  namespace: kube-system
data:
  Corefile: |
    .:53 {
        errors
        health {
           lameduck 5s
        }
        ready
        kubernetes cluster.local in-addr.arpa ip6.arpa {
           pods insecure
           fallthrough in-addr.arpa ip6.arpa
           ttl 30
        }
        prometheus :9153
        forward . /etc/resolv.conf {
           max_concurrent 1000
        }
        cache 30 {
           disable success cluster.local
           disable denial cluster.local
        }
        loop
        reload
        loadbalance
    }
";

const COREDNS_SERVICE: &str = "apiVersion: v1
kind: Service
metadata:
  labels:
    k8s-app: kube-dns
    kubernetes.io/cluster-service: \"true\"
    kubernetes.io/name: CoreDNS
  name: kube-dns
  namespace: kube-system
  annotations:
    prometheus.io/port: \"9153\"
    prometheus.io/scrape: \"true\"
spec:
  clusterIP: 10.96.0.10
  ports:
  - name: dns
    port: 53
    protocol: UDP
    targetPort: 53
  - name: dns-tcp
    port: 53
    protocol: TCP
    targetPort: 53
  - name: metrics
    port: 9153
    protocol: TCP
    targetPort: 9153
  selector:
    k8s-app: kube-dns
";

const COREDNS_DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: coredns
  namespace: kube-system
  labels:
    k8s-app: kube-dns
spec:
  replicas: 2
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxUnavailable: 1
  selector:
    matchLabels:
      k8s-app: kube-dns
  template:
    metadata:
      labels:
        k8s-app: kube-dns
    spec:
      priorityClassName: system-cluster-critical
      serviceAccountName: coredns
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 100
            podAffinityTerm:
              labelSelector:
                matchExpressions:
                - key: k8s-app
                  operator: In
                  values: [\"kube-dns\"]
              topologyKey: kubernetes.io/hostname
      tolerations:
      - key: CriticalAddonsOnly
        operator: Exists
      - key: node-role.kubernetes.io/control-plane
        effect: NoSchedule
      nodeSelector:
        kubernetes.io/os: linux
      containers:
      - name: coredns
        image: registry.k8s.io/coredns/coredns:v1.12.1
        imagePullPolicy: IfNotPresent
        resources:
          limits:
            memory: 170Mi
          requests:
            cpu: 100m
            memory: 70Mi
        args: [ \"-conf\", \"/etc/coredns/Corefile\" ]
        volumeMounts:
        - name: config-volume
          mountPath: /etc/coredns
          readOnly: true
        ports:
        - containerPort: 53
          name: dns
          protocol: UDP
        - containerPort: 53
          name: dns-tcp
          protocol: TCP
        - containerPort: 9153
          name: metrics
          protocol: TCP
        - containerPort: 8080
          name: liveness-probe
          protocol: TCP
        - containerPort: 8181
          name: readiness-probe
          protocol: TCP
        livenessProbe:
          httpGet:
            path: /health
            port: liveness-probe
            scheme: HTTP
          initialDelaySeconds: 60
          timeoutSeconds: 5
          successThreshold: 1
          failureThreshold: 5
        readinessProbe:
          httpGet:
            path: /ready
            port: readiness-probe
            scheme: HTTP
        securityContext:
          allowPrivilegeEscalation: false
          capabilities:
            add:
            - NET_BIND_SERVICE
            drop:
            - ALL
          readOnlyRootFilesystem: true
      dnsPolicy: Default
      volumes:
        - name: config-volume
          configMap:
            name: coredns
            items:
            - key: Corefile
              path: Corefile
";

const KUBE_PROXY_SERVICE_ACCOUNT: &str = "apiVersion: v1
kind: ServiceAccount
metadata:
  name: kube-proxy
  namespace: kube-system
";

/// kube-proxy's component config as `kubeadm init` uploads it.
fn kube_proxy_config_map(advertise: &str) -> Value {
    let config = "apiVersion: kubeproxy.config.k8s.io/v1alpha1
bindAddress: 0.0.0.0
bindAddressHardFail: false
clientConnection:
  acceptContentTypes: \"\"
  burst: 0
  contentType: \"\"
  kubeconfig: /var/lib/kube-proxy/kubeconfig.conf
  qps: 0
clusterCIDR: 10.244.0.0/16
configSyncPeriod: 0s
conntrack:
  maxPerCore: null
  min: null
  tcpBeLiberal: false
  tcpCloseWaitTimeout: null
  tcpEstablishedTimeout: null
  udpStreamTimeout: 0s
  udpTimeout: 0s
detectLocal:
  bridgeInterface: \"\"
  interfaceNamePrefix: \"\"
detectLocalMode: \"\"
enableProfiling: false
healthzBindAddress: \"\"
hostnameOverride: \"\"
iptables:
  localhostNodePorts: null
  masqueradeAll: false
  masqueradeBit: null
  minSyncPeriod: 0s
  syncPeriod: 0s
ipvs:
  excludeCIDRs: null
  minSyncPeriod: 0s
  scheduler: \"\"
  strictARP: false
  syncPeriod: 0s
  tcpFinTimeout: 0s
  tcpTimeout: 0s
  udpTimeout: 0s
kind: KubeProxyConfiguration
logging:
  flushFrequency: 0
  options:
    json:
      infoBufferSize: \"0\"
    text:
      infoBufferSize: \"0\"
  verbosity: 0
metricsBindAddress: \"\"
mode: \"\"
nftables:
  masqueradeAll: false
  masqueradeBit: null
  minSyncPeriod: 0s
  syncPeriod: 0s
nodePortAddresses: null
oomScoreAdj: null
portRange: \"\"
showHiddenMetricsForLinuxOnly: false
winkernel:
  enableDSR: false
  forwardHealthCheckVip: false
  networkName: \"\"
  rootHnsEndpointName: \"\"
  sourceVip: \"\"";
    let kubeconfig = format!(
        "apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority: /var/run/secrets/kubernetes.io/serviceaccount/ca.crt
    server: https://{advertise}:6443
  name: default
contexts:
- context:
    cluster: default
    namespace: default
    user: default
  name: default
current-context: default
users:
- name: default
  user:
    tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token"
    );
    let hash = crate::kubelet::images::hex64(config);
    Value::from_pairs([
        ("apiVersion", Value::str("v1")),
        ("kind", Value::str("ConfigMap")),
        (
            "metadata",
            Value::from_pairs([
                ("name", Value::str("kube-proxy")),
                ("namespace", Value::str("kube-system")),
                (
                    "labels",
                    Value::from_pairs([("app", Value::str("kube-proxy"))]),
                ),
                (
                    "annotations",
                    Value::from_pairs([(
                        "kubeadm.kubernetes.io/component-config.hash",
                        Value::from(format!("sha256:{hash}")),
                    )]),
                ),
            ]),
        ),
        (
            "data",
            Value::from_pairs([
                ("config.conf", Value::str(config)),
                ("kubeconfig.conf", Value::from(kubeconfig)),
            ]),
        ),
    ])
}

const KUBE_PROXY_DAEMON_SET: &str = "apiVersion: apps/v1
kind: DaemonSet
metadata:
  labels:
    k8s-app: kube-proxy
  name: kube-proxy
  namespace: kube-system
spec:
  selector:
    matchLabels:
      k8s-app: kube-proxy
  updateStrategy:
    type: RollingUpdate
  template:
    metadata:
      labels:
        k8s-app: kube-proxy
    spec:
      priorityClassName: system-node-critical
      containers:
      - name: kube-proxy
        image: registry.k8s.io/kube-proxy:v1.37.0
        imagePullPolicy: IfNotPresent
        command:
        - /usr/local/bin/kube-proxy
        - --config=/var/lib/kube-proxy/config.conf
        - --hostname-override=$(NODE_NAME)
        securityContext:
          privileged: true
        volumeMounts:
        - mountPath: /var/lib/kube-proxy
          name: kube-proxy
        - mountPath: /run/xtables.lock
          name: xtables-lock
          readOnly: false
        - mountPath: /lib/modules
          name: lib-modules
          readOnly: true
        env:
          - name: NODE_NAME
            valueFrom:
              fieldRef:
                fieldPath: spec.nodeName
      hostNetwork: true
      serviceAccountName: kube-proxy
      volumes:
      - name: kube-proxy
        configMap:
          name: kube-proxy
      - name: xtables-lock
        hostPath:
          path: /run/xtables.lock
          type: FileOrCreate
      - name: lib-modules
        hostPath:
          path: /lib/modules
      tolerations:
      - operator: Exists
      nodeSelector:
        kubernetes.io/os: linux
";

#[cfg(test)]
mod tests {
    use crate::cluster::Cluster;
    use crate::kubectl::NoFiles;

    fn k(c: &mut Cluster, line: &str) -> String {
        c.kubectl(line, &NoFiles).terminal
    }

    #[test]
    fn a_fresh_cluster_looks_like_kubeadm_made_it() {
        // Handed over once the add-ons (and metrics-server) are up, a
        // minute after kubeadm init.
        let mut c = Cluster::new(1);
        assert_eq!(
            k(&mut c, "kubectl get svc"),
            "NAME         TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE\n\
             kubernetes   ClusterIP   10.96.0.1    <none>        443/TCP   60s\n"
        );
        assert_eq!(
            k(&mut c, "kubectl get endpointslices kubernetes"),
            "NAME         ADDRESSTYPE   PORTS   ENDPOINTS    AGE\n\
             kubernetes   IPv4          6443    172.18.0.2   60s\n"
        );
        assert_eq!(
            k(&mut c, "kubectl get endpoints kubernetes"),
            "Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice\n\
             NAME         ENDPOINTS         AGE\n\
             kubernetes   172.18.0.2:6443   60s\n"
        );
        assert_eq!(
            k(&mut c, "kubectl get pods -n kube-system -o wide"),
            "NAME                                    READY   STATUS    RESTARTS   AGE   IP           NODE            NOMINATED NODE   READINESS GATES\n\
             coredns-5f566b5c8d-xbwsw                1/1     Running   0          60s   10.244.2.2   node-2          <none>           <none>\n\
             coredns-5f566b5c8d-xw6l9                1/1     Running   0          60s   10.244.1.2   node-1          <none>           <none>\n\
             etcd-control-plane                      1/1     Running   0          60s   172.18.0.2   control-plane   <none>           <none>\n\
             kube-apiserver-control-plane            1/1     Running   0          60s   172.18.0.2   control-plane   <none>           <none>\n\
             kube-controller-manager-control-plane   1/1     Running   0          60s   172.18.0.2   control-plane   <none>           <none>\n\
             kube-proxy-jlb59                        1/1     Running   0          60s   172.18.0.2   control-plane   <none>           <none>\n\
             kube-proxy-kzbz5                        1/1     Running   0          60s   172.18.0.4   node-2          <none>           <none>\n\
             kube-proxy-nvt2r                        1/1     Running   0          60s   172.18.0.5   node-3          <none>           <none>\n\
             kube-proxy-q9w4m                        1/1     Running   0          60s   172.18.0.3   node-1          <none>           <none>\n\
             kube-scheduler-control-plane            1/1     Running   0          60s   172.18.0.2   control-plane   <none>           <none>\n\
             metrics-server-7c76675888-c8k9b         1/1     Running   0          60s   10.244.3.2   node-3          <none>           <none>\n"
        );
        assert_eq!(
            k(&mut c, "kubectl get endpoints kube-dns -n kube-system"),
            "Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice\n\
             NAME       ENDPOINTS                                               AGE\n\
             kube-dns   10.244.1.2:53,10.244.2.2:53,10.244.1.2:53 + 3 more...   60s\n"
        );
        // Mirror pods: no service account, owned by their Node.
        let out = k(
            &mut c,
            "kubectl get pod etcd-control-plane -n kube-system -o jsonpath='{.spec.serviceAccountName}/{.metadata.ownerReferences[0].kind}/{.metadata.annotations.kubernetes\\.io/config\\.source}/{.status.qosClass}'",
        );
        assert_eq!(out, "/Node/file/Burstable");
    }

    #[test]
    fn system_objects_do_not_shift_the_names_of_user_objects() {
        // The user's first pod gets the same name whatever the seed's
        // system objects drew: they use their own random stream.
        let mut a = Cluster::new(5);
        let mut b = Cluster::empty(5);
        for c in [&mut a, &mut b] {
            k(
                c,
                "kubectl create deployment web --image=nginx --replicas=1",
            );
        }
        let names = |c: &Cluster| -> Vec<String> {
            c.store
                .list(crate::cluster::res("ReplicaSet"), Some("default"))
                .map(|(k, _)| k.1.to_string())
                .collect()
        };
        assert_eq!(names(&a), names(&b));
    }
}
