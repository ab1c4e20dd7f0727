//! What the cluster view draws, derived from the stored objects alone.
//!
//! Everything here reads the real Kubernetes object shapes (pod
//! `status.phase`, `conditions`, `containerStatuses`, `spec.nodeName`,
//! `ownerReferences`, `deletionTimestamp`), so the view lights up as the
//! engine's scheduler, kubelet and controllers write them. The module has no
//! web dependencies and is tested natively.

use kubeplay_engine::sort::CompactSort;
use kubeplay_engine::{FxMap, fx_map};
use std::rc::Rc;

use kubeplay_engine::Cluster;
use kubeplay_engine::api::registry::by_kind;
use kubeplay_engine::quantity::Quantity;
use kubeplay_engine::store::ObjectKey;
use kubeplay_engine::value::Value;

/// How a pod is drawn: one shape and colour per state a learner should tell apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PodState {
    /// Not bound to a node yet: waiting in the scheduler's queue.
    Queued,
    /// Bound; the kubelet is pulling images or starting containers.
    Creating,
    /// Running and Ready.
    Ready,
    /// Running but not Ready (readiness probe failing, starting).
    NotReady,
    /// A container keeps crashing (`CrashLoopBackOff`, `Error`).
    CrashLoop,
    /// The image cannot be pulled (`ErrImagePull`, `ImagePullBackOff`).
    ImagePull,
    /// The container cannot be created (`CreateContainerConfigError`).
    ConfigError,
    /// Being deleted: its grace period is running.
    Terminating,
    /// All containers exited 0 (`Completed`).
    Succeeded,
    /// Phase `Failed` (`Error`, `Evicted`, `OOMKilled`).
    Failed,
    /// The node stopped reporting (`Unknown`).
    Unknown,
}

impl PodState {
    /// Every state, in legend order.
    pub const ALL: [PodState; 11] = [
        PodState::Queued,
        PodState::Creating,
        PodState::Ready,
        PodState::NotReady,
        PodState::CrashLoop,
        PodState::ImagePull,
        PodState::ConfigError,
        PodState::Terminating,
        PodState::Succeeded,
        PodState::Failed,
        PodState::Unknown,
    ];

    /// The CSS class that gives the state its shape, icon and colour.
    pub fn class(self) -> &'static str {
        match self {
            PodState::Queued => "st-queued",
            PodState::Creating => "st-creating",
            PodState::Ready => "st-ready",
            PodState::NotReady => "st-notready",
            PodState::CrashLoop => "st-crash",
            PodState::ImagePull => "st-pull",
            PodState::ConfigError => "st-config",
            PodState::Terminating => "st-terminating",
            PodState::Succeeded => "st-succeeded",
            PodState::Failed => "st-failed",
            PodState::Unknown => "st-unknown",
        }
    }

    /// The legend's name for the state.
    pub fn label(self) -> &'static str {
        match self {
            PodState::Queued => "Pending",
            PodState::Creating => "ContainerCreating",
            PodState::Ready => "Running",
            PodState::NotReady => "Running, not ready",
            PodState::CrashLoop => "CrashLoopBackOff",
            PodState::ImagePull => "ImagePullBackOff",
            PodState::ConfigError => "Config error",
            PodState::Terminating => "Terminating",
            PodState::Succeeded => "Succeeded",
            PodState::Failed => "Failed",
            PodState::Unknown => "Unknown",
        }
    }

    /// Position in [`PodState::ALL`] (for count arrays).
    pub fn index(self) -> usize {
        self as usize
    }
}

/// What `kubectl get pods` prints for a pod: READY, STATUS and RESTARTS
/// (without the "(5s ago)" suffix), following kubectl's `printPod`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodStatus {
    /// The STATUS column (`Running`, `ContainerCreating`, `Init:0/1`, …).
    pub reason: Rc<str>,
    /// Ready containers.
    pub ready: u32,
    /// All containers (regular plus restartable init containers).
    pub total: u32,
    /// Restarts counted the way kubectl counts them.
    pub restarts: u32,
}

fn is_sidecar(init: &Value) -> bool {
    init.get("restartPolicy").as_str() == Some("Always")
}

fn condition_true(pod: &Value, kind: &str) -> bool {
    pod.at(&["status", "conditions"])
        .items()
        .find(|c| c.get("type").as_str() == Some(kind))
        .is_some_and(|c| c.get("status").as_str() == Some("True"))
}

/// kubectl's STATUS/READY/RESTARTS for a pod (printers.go `printPod`).
pub fn pod_status(pod: &Value) -> PodStatus {
    let status = pod.get("status");
    let spec = pod.get("spec");
    let phase = status.get("phase").as_str().unwrap_or("");
    let mut reason = match status.get("reason").as_str() {
        Some(r) if !r.is_empty() => r.to_string(),
        _ => phase.to_string(),
    };
    if status.get("conditions").items().any(|c| {
        c.get("type").as_str() == Some("PodScheduled")
            && c.get("reason").as_str() == Some("SchedulingGated")
    }) {
        reason = "SchedulingGated".into();
    }
    let inits: Vec<&Value> = spec.get("initContainers").items().collect();
    let mut total = spec.get("containers").items().len() as u32
        + inits.iter().filter(|c| is_sidecar(c)).count() as u32;
    let mut ready = 0u32;
    let mut restarts = 0u32;
    let mut sidecar_restarts = 0u32;
    let mut initializing = false;
    let restart_count = |c: &Value| c.get("restartCount").as_i64().unwrap_or(0).max(0) as u32;
    for (i, cs) in status.get("initContainerStatuses").items().enumerate() {
        restarts += restart_count(cs);
        let name = cs.get("name").as_str().unwrap_or("");
        let sidecar = inits
            .iter()
            .find(|c| c.get("name").as_str() == Some(name))
            .is_some_and(|c| is_sidecar(c));
        if sidecar {
            sidecar_restarts += restart_count(cs);
        }
        let state = cs.get("state");
        let terminated = state.get("terminated");
        let waiting_reason = state.at(&["waiting", "reason"]).as_str().unwrap_or("");
        if !terminated.is_null() && terminated.get("exitCode").as_i64() == Some(0) {
            continue;
        }
        if sidecar && cs.get("started").as_bool() == Some(true) {
            if cs.get("ready").as_bool() == Some(true) {
                ready += 1;
            }
            continue;
        }
        if !terminated.is_null() {
            reason = match terminated.get("reason").as_str() {
                Some(r) if !r.is_empty() => format!("Init:{r}"),
                _ => match terminated.get("signal").as_i64() {
                    Some(s) if s != 0 => format!("Init:Signal:{s}"),
                    _ => format!(
                        "Init:ExitCode:{}",
                        terminated.get("exitCode").as_i64().unwrap_or(0)
                    ),
                },
            };
        } else if !waiting_reason.is_empty() && waiting_reason != "PodInitializing" {
            reason = format!("Init:{waiting_reason}");
        } else {
            reason = format!("Init:{i}/{}", inits.len());
        }
        initializing = true;
        break;
    }
    if !initializing || condition_true(pod, "Initialized") {
        restarts = sidecar_restarts;
        let mut has_running = false;
        let statuses: Vec<&Value> = status.get("containerStatuses").items().collect();
        for cs in statuses.iter().rev() {
            restarts += restart_count(cs);
            let state = cs.get("state");
            let waiting = state.at(&["waiting", "reason"]).as_str().unwrap_or("");
            let terminated = state.get("terminated");
            if !waiting.is_empty() {
                reason = waiting.to_string();
            } else if let Some(r) = terminated.get("reason").as_str().filter(|r| !r.is_empty()) {
                reason = r.to_string();
            } else if !terminated.is_null() {
                reason = match terminated.get("signal").as_i64() {
                    Some(s) if s != 0 => format!("Signal:{s}"),
                    _ => format!(
                        "ExitCode:{}",
                        terminated.get("exitCode").as_i64().unwrap_or(0)
                    ),
                };
            } else if cs.get("ready").as_bool() == Some(true) && !state.get("running").is_null() {
                has_running = true;
                ready += 1;
            }
        }
        if reason == "Completed" && has_running {
            reason = if condition_true(pod, "Ready") {
                "Running".into()
            } else {
                "NotReady".into()
            };
        }
    }
    let deleting = !pod.at(&["metadata", "deletionTimestamp"]).is_null();
    if deleting && status.get("reason").as_str() == Some("NodeLost") {
        reason = "Unknown".into();
    } else if deleting && !matches!(phase, "Succeeded" | "Failed") {
        reason = "Terminating".into();
    }
    total = total.max(ready);
    PodStatus {
        reason: Rc::from(reason),
        ready,
        total,
        restarts,
    }
}

/// The drawing state of a pod from its kubectl status.
pub fn classify(pod: &Value, status: &PodStatus) -> PodState {
    let phase = pod.str_at(&["status", "phase"]).unwrap_or("");
    let reason = status
        .reason
        .strip_prefix("Init:")
        .unwrap_or(&status.reason);
    let bound = pod
        .str_at(&["spec", "nodeName"])
        .is_some_and(|n| !n.is_empty());
    match reason {
        "Terminating" => PodState::Terminating,
        "Unknown" | "NodeLost" => PodState::Unknown,
        "CrashLoopBackOff" => PodState::CrashLoop,
        "ErrImagePull" | "ImagePullBackOff" | "InvalidImageName" | "ErrImageNeverPull" => {
            PodState::ImagePull
        }
        "CreateContainerConfigError" | "CreateContainerError" | "RunContainerError" => {
            PodState::ConfigError
        }
        "Completed" | "Succeeded" => PodState::Succeeded,
        _ if phase == "Failed" => PodState::Failed,
        _ if phase == "Succeeded" => PodState::Succeeded,
        "Error" | "OOMKilled" | "ContainerCannotRun" | "DeadlineExceeded" => PodState::CrashLoop,
        r if r.starts_with("ExitCode:") || r.starts_with("Signal:") => PodState::CrashLoop,
        "Running" if status.ready >= status.total && condition_true(pod, "Ready") => {
            PodState::Ready
        }
        "Running" | "NotReady" => PodState::NotReady,
        "SchedulingGated" => PodState::Queued,
        _ if !bound => PodState::Queued,
        _ => PodState::Creating,
    }
}

/// CPU (millicores) and memory (bytes) a pod requests, as the scheduler
/// counts them: the larger of the containers' sum and the largest init
/// container, plus the pod's overhead.
pub fn pod_requests(spec: &Value) -> (i64, i64) {
    let request = |c: &Value, name: &str, milli: bool| -> i64 {
        c.at(&["resources", "requests", name])
            .as_str()
            .and_then(|s| Quantity::parse(s).ok())
            .map_or(0, |q| if milli { q.milli_value() } else { q.value() })
    };
    let mut cpu = 0;
    let mut mem = 0;
    for c in spec.get("containers").items() {
        cpu += request(c, "cpu", true);
        mem += request(c, "memory", false);
    }
    for c in spec.get("initContainers").items() {
        cpu = cpu.max(request(c, "cpu", true));
        mem = mem.max(request(c, "memory", false));
    }
    let overhead = |name: &str, milli: bool| {
        spec.at(&["overhead", name])
            .as_str()
            .and_then(|s| Quantity::parse(s).ok())
            .map_or(0, |q| if milli { q.milli_value() } else { q.value() })
    };
    (cpu + overhead("cpu", true), mem + overhead("memory", false))
}

/// Sorts a short list in place, stably. An insertion sort: tiny code per
/// use (the standard sorts are large for each element type), and fast for
/// the tens of items it is used on.
pub fn sort_small<T>(v: &mut [T], less: impl Fn(&T, &T) -> bool) {
    for i in 1..v.len() {
        let mut j = i;
        while j > 0 && less(&v[j], &v[j - 1]) {
            v.swap(j, j - 1);
            j -= 1;
        }
    }
}

/// A stable colour hue (0..360) for a workload name.
pub fn hue(name: &str) -> u16 {
    let mut h: u32 = 2_166_136_261;
    for b in name.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(16_777_619);
    }
    (h % 360) as u16
}

/// One pod as drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct PodView {
    /// The store key.
    pub key: ObjectKey,
    /// `metadata.uid`.
    pub uid: Rc<str>,
    /// The node it is bound to.
    pub node: Option<Rc<str>>,
    /// How it is drawn.
    pub state: PodState,
    /// kubectl's READY/STATUS/RESTARTS.
    pub status: PodStatus,
    /// The workload it belongs to (Deployment, or its direct owner).
    pub workload: Option<Rc<str>>,
    /// Its direct controller's uid (the ReplicaSet).
    pub owner_uid: Option<Rc<str>>,
    /// `status.podIP`.
    pub ip: Option<Rc<str>>,
    /// Requested CPU (millicores) and memory (bytes).
    pub requests: (i64, i64),
    /// `metadata.labels`.
    pub labels: Value,
    /// For ordering: creation time text, then name.
    created: Rc<str>,
    /// The `metadata.resourceVersion` this view was made from.
    resource_version: Rc<str>,
    /// `Pod/namespace/name` (the element's `data-obj`).
    pub attr: Rc<str>,
    /// The tooltip.
    pub title: Rc<str>,
    /// The scheduler's FailedScheduling message, while it cannot place the pod.
    pub unschedulable: Option<Rc<str>>,
}

impl PodView {
    /// The pod's name.
    #[cfg(test)]
    pub fn name(&self) -> &str {
        &self.key.name
    }

    /// Reads one stored pod. `workload` is its Deployment's (or owner's) name.
    fn read(pod: &Value, workload: Option<Rc<str>>) -> PodView {
        let status = pod_status(pod);
        let state = classify(pod, &status);
        let owner_uid = controller_ref(pod).and_then(|o| str_rc(o.get("uid")));
        let key = key_of("Pod", pod);
        let node = str_rc(pod.at(&["spec", "nodeName"])).filter(|n| !n.is_empty());
        let title = format!(
            "{}\n{}  {}/{}  restarts {}\nnode {}",
            key.name,
            status.reason,
            status.ready,
            status.total,
            status.restarts,
            node.as_deref().unwrap_or("<none>")
        );
        PodView {
            attr: Rc::from(format!("Pod/{}/{}", key.namespace, key.name)),
            title: Rc::from(title),
            key,
            uid: str_rc(pod.at(&["metadata", "uid"])).unwrap_or_else(|| Rc::from("")),
            node,
            state,
            status,
            workload,
            owner_uid,
            ip: str_rc(pod.at(&["status", "podIP"])).filter(|s| !s.is_empty()),
            requests: pod_requests(pod.get("spec")),
            labels: pod.at(&["metadata", "labels"]).clone(),
            created: str_rc(pod.at(&["metadata", "creationTimestamp"]))
                .unwrap_or_else(|| Rc::from("")),
            resource_version: str_rc(pod.at(&["metadata", "resourceVersion"]))
                .unwrap_or_else(|| Rc::from("")),
            unschedulable: pod
                .at(&["status", "conditions"])
                .items()
                .find(|c| {
                    c.get("type").as_str() == Some("PodScheduled")
                        && c.get("reason").as_str() == Some("Unschedulable")
                })
                .and_then(|c| str_rc(c.get("message"))),
        }
    }
}

/// Pod views kept between snapshots: a pod is read again only when its
/// resourceVersion (or its workload) changes, so a snapshot of a large
/// cluster costs little more than listing it.
#[derive(Debug, Default)]
pub struct PodCache {
    views: FxMap<Rc<str>, Rc<PodView>>,
}

/// Pods of one workload on one node (or in one ReplicaSet).
#[derive(Clone, Debug, PartialEq)]
pub struct PodGroup {
    /// The workload's name, or empty for pods without an owner.
    pub label: Rc<str>,
    /// Its hue.
    pub hue: u16,
    /// Indexes into [`Snapshot::pods`].
    pub pods: Vec<usize>,
}

/// A node as drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeView {
    /// The Node's key.
    pub key: ObjectKey,
    /// Hosts the control plane.
    pub control_plane: bool,
    /// The Ready condition's status (`True`, `False`, `Unknown`), if reported.
    pub ready: Option<Rc<str>>,
    /// `spec.unschedulable` (cordoned).
    pub unschedulable: bool,
    /// Other conditions that are True (`MemoryPressure`, …).
    pub problems: Vec<Rc<str>>,
    /// `key=value:Effect` of each taint.
    pub taints: Vec<String>,
    /// Allocatable CPU (millicores), memory (bytes) and pods.
    pub allocatable: (i64, i64, i64),
    /// Requested CPU, memory and the count of non-terminal pods.
    pub requested: (i64, i64, i64),
    /// Pods by workload.
    pub groups: Vec<PodGroup>,
    /// Pod counts per [`PodState`].
    pub counts: [u32; 11],
    /// Whether its kubelet runs (a stopped node's kubelet does not).
    pub running: bool,
    /// When the node lifecycle controller marks (or marked) it Unknown.
    pub unknown_at: Option<u64>,
    /// The first scheduled eviction of its pods (taint-based eviction).
    pub evict_at: Option<u64>,
    /// Pods of the system namespaces running here (kube-proxy, CoreDNS, metrics-server,
    /// the control plane's static pods) when they are not drawn: counted in
    /// `requested` all the same.
    pub system_pods: u32,
}

impl NodeView {
    /// The node's name.
    pub fn name(&self) -> &str {
        &self.key.name
    }

    /// True when the node is not Ready (stopped, unreachable).
    pub fn down(&self) -> bool {
        self.ready.as_deref().is_some_and(|r| r != "True")
    }
}

/// A ReplicaSet as drawn under its Deployment.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplicaSetView {
    /// Its key.
    pub key: ObjectKey,
    /// `deployment.kubernetes.io/revision`.
    pub revision: Option<i64>,
    /// `spec.replicas`.
    pub desired: i64,
    /// `status.readyReplicas`.
    pub ready: i64,
    /// The template's images.
    pub images: Vec<Rc<str>>,
    /// Its pods (indexes into [`Snapshot::pods`]).
    pub pods: Vec<usize>,
    /// The newest revision of its Deployment.
    pub newest: bool,
}

/// A Deployment (or a ReplicaSet or pods without one) as drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkloadView {
    /// The Deployment's key; `None` for the group of pods without an owner.
    pub key: Option<ObjectKey>,
    /// The name shown.
    pub name: Rc<str>,
    /// Its hue.
    pub hue: u16,
    /// `spec.replicas`.
    pub desired: i64,
    /// `status.readyReplicas`, `updatedReplicas`, `availableReplicas`.
    pub ready: i64,
    /// Up-to-date replicas.
    pub updated: i64,
    /// Available replicas.
    pub available: i64,
    /// Its ReplicaSets, newest revision first.
    pub replica_sets: Vec<ReplicaSetView>,
    /// Pods directly under it (a Job's, DaemonSet's or StatefulSet's, or those without
    /// a controller).
    pub pods: Vec<usize>,
    /// A Job's state as `kubectl get jobs` shows it (Running, Complete…).
    pub state: Option<&'static str>,
    /// The HorizontalPodAutoscaler scaling it: TARGETS and the range, as
    /// `kubectl get hpa` shows them (`cpu: 49%/50% · 1–10`).
    pub autoscaler: Option<Rc<str>>,
}

/// One `host/path → service:port` rule of an Ingress.
#[derive(Clone, Debug, PartialEq)]
pub struct RouteView {
    /// The Ingress.
    pub ingress: ObjectKey,
    /// Its host, or `*`.
    pub host: Rc<str>,
    /// Its path, or `/`.
    pub path: Rc<str>,
    /// The backend Service's name.
    pub service: Rc<str>,
    /// The backend port (number or name).
    pub port: Rc<str>,
}

/// A Service with its endpoints.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceView {
    /// Its key.
    pub key: ObjectKey,
    /// `ClusterIP`, `NodePort`, `LoadBalancer`, `ExternalName`.
    pub service_type: Rc<str>,
    /// `spec.clusterIP`.
    pub cluster_ip: Rc<str>,
    /// `80/TCP`, `80:30080/TCP`, as `kubectl get svc` prints PORT(S).
    pub ports: String,
    /// Ready endpoints (pod indexes).
    pub ready: Vec<usize>,
    /// Not-ready endpoints.
    pub not_ready: Vec<usize>,
    /// Whether it selects pods at all.
    pub has_selector: bool,
}

/// Everything the cluster view shows at one resourceVersion.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Snapshot {
    /// Every pod drawn: outside the system namespaces (see
    /// [`is_system_namespace`]) unless they are included.
    pub pods: Vec<Rc<PodView>>,
    /// The nodes, control plane first.
    pub nodes: Vec<NodeView>,
    /// Pods not bound to a node (the scheduler's queue), and pods bound to
    /// a node that does not exist.
    pub queue: Vec<usize>,
    /// Deployments, standalone ReplicaSets and ownerless pods.
    pub workloads: Vec<WorkloadView>,
    /// Services.
    pub services: Vec<ServiceView>,
    /// Ingress rules.
    pub routes: Vec<RouteView>,
    /// Pod counts per state.
    pub counts: [u32; 11],
}

/// The namespaces kubeadm's add-ons and the control plane live in. The
/// cluster view leaves their objects out (as `kubectl get` does without
/// `-n` or `-A`) but counts their pods' requests on their nodes.
pub fn is_system_namespace(namespace: &str) -> bool {
    matches!(namespace, "kube-system" | "kube-public" | "kube-node-lease")
}

fn str_rc(v: &Value) -> Option<Rc<str>> {
    match v {
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

fn key_of(kind: &str, obj: &Value) -> ObjectKey {
    ObjectKey::of(by_kind(kind).expect("built-in kind"), obj)
}

fn controller_ref(obj: &Value) -> Option<&Value> {
    let refs = obj.at(&["metadata", "ownerReferences"]);
    refs.items()
        .find(|r| r.get("controller").as_bool() == Some(true))
        .or_else(|| refs.items().next())
}

impl Snapshot {
    /// Reads the cluster's objects (without a cache: every pod is read).
    #[cfg(test)]
    pub fn build(cluster: &Cluster) -> Snapshot {
        Snapshot::build_cached(cluster, &mut PodCache::default(), false)
    }

    /// Reads the cluster's objects, reusing the views of unchanged pods;
    /// the system namespaces' objects only with `include_system`.
    pub fn build_cached(cluster: &Cluster, cache: &mut PodCache, include_system: bool) -> Snapshot {
        let hidden = |ns: &str| !include_system && is_system_namespace(ns);
        let store = cluster.store();
        let rid = |k: &str| by_kind(k).expect("built-in kind");
        // ReplicaSet uid → (Deployment name or RS name).
        let mut rs_workload: FxMap<Rc<str>, Rc<str>> = fx_map();
        for (_, rs) in store.list(rid("ReplicaSet"), None) {
            let Some(uid) = str_rc(rs.at(&["metadata", "uid"])) else {
                continue;
            };
            let name = match controller_ref(rs) {
                Some(o) if o.get("kind").as_str() == Some("Deployment") => str_rc(o.get("name")),
                _ => str_rc(rs.at(&["metadata", "name"])),
            };
            if let Some(name) = name {
                rs_workload.insert(uid, name);
            }
        }
        let pods: Vec<Rc<PodView>> = store
            .list(rid("Pod"), None)
            .map(|(_, pod)| {
                let workload = controller_ref(pod).and_then(|o| {
                    str_rc(o.get("uid"))
                        .and_then(|u| rs_workload.get(&u).cloned())
                        .or_else(|| str_rc(o.get("name")))
                });
                let uid = str_rc(pod.at(&["metadata", "uid"])).unwrap_or_else(|| Rc::from(""));
                let rv = pod.str_at(&["metadata", "resourceVersion"]).unwrap_or("");
                match cache.views.get(&uid) {
                    Some(v) if &*v.resource_version == rv && v.workload == workload => v.clone(),
                    _ => {
                        let v = Rc::new(PodView::read(pod, workload));
                        cache.views.insert(uid, v.clone());
                        v
                    }
                }
            })
            .collect();
        // Forget deleted pods once they are a good share of the cache.
        if cache.views.len() > pods.len() + pods.len() / 4 + 64 {
            cache.views = pods.iter().map(|p| (p.uid.clone(), p.clone())).collect();
        }
        let (system_pods, mut pods): (Vec<Rc<PodView>>, Vec<Rc<PodView>>) =
            pods.into_iter().partition(|p| hidden(&p.key.namespace));
        // New pods join the end of their group, so motion reads left to right.
        pods.compact_sort_by(|a, b| (&a.created, &a.key).cmp(&(&b.created, &b.key)));
        let mut counts = [0u32; 11];
        for p in &pods {
            counts[p.state.index()] += 1;
        }

        let nodes: Vec<NodeView> = store
            .list(rid("Node"), None)
            .map(|(_, node)| {
                let q = |name: &str, milli: bool| {
                    node.at(&["status", "allocatable", name])
                        .as_str()
                        .and_then(|s| Quantity::parse(s).ok())
                        .map_or(0, |q| if milli { q.milli_value() } else { q.value() })
                };
                let conditions = node.at(&["status", "conditions"]);
                let ready = conditions
                    .items()
                    .find(|c| c.get("type").as_str() == Some("Ready"))
                    .and_then(|c| str_rc(c.get("status")));
                let problems = conditions
                    .items()
                    .filter(|c| {
                        c.get("type").as_str() != Some("Ready")
                            && c.get("status").as_str() == Some("True")
                    })
                    .filter_map(|c| str_rc(c.get("type")))
                    .collect();
                let taints = node
                    .at(&["spec", "taints"])
                    .items()
                    .map(|t| {
                        let key = t.get("key").as_str().unwrap_or("");
                        let effect = t.get("effect").as_str().unwrap_or("");
                        match t.get("value").as_str().filter(|v| !v.is_empty()) {
                            Some(v) => format!("{key}={v}:{effect}"),
                            None => format!("{key}:{effect}"),
                        }
                    })
                    .collect();
                NodeView {
                    key: key_of("Node", node),
                    control_plane: node
                        .at(&["metadata", "labels"])
                        .as_object()
                        .is_some_and(|l| l.contains_key("node-role.kubernetes.io/control-plane")),
                    ready,
                    unschedulable: node.at(&["spec", "unschedulable"]).as_bool() == Some(true),
                    problems,
                    taints,
                    allocatable: (q("cpu", true), q("memory", false), q("pods", false)),
                    requested: (0, 0, 0),
                    groups: Vec::new(),
                    counts: [0; 11],
                    running: true,
                    unknown_at: None,
                    evict_at: None,
                    system_pods: 0,
                }
            })
            .collect();
        // Listed by name; control-plane nodes go first.
        let (mut first, workers): (Vec<NodeView>, Vec<NodeView>) =
            nodes.into_iter().partition(|n| n.control_plane);
        first.extend(workers);
        let mut nodes = first;
        // Positions as u32: FxMap<Rc<str>, u32> is a map type the engine
        // links already (no hash table code of its own).
        let mut node_index: FxMap<Rc<str>, u32> = fx_map();
        for (i, n) in nodes.iter().enumerate() {
            node_index.insert(n.key.name.clone(), i as u32);
        }

        for pod in &system_pods {
            let Some(&n) = pod.node.as_ref().and_then(|n| node_index.get(n)) else {
                continue;
            };
            if !matches!(pod.state, PodState::Succeeded | PodState::Failed) {
                let node = &mut nodes[n as usize];
                node.requested.0 += pod.requests.0;
                node.requested.1 += pod.requests.1;
                node.requested.2 += 1;
                node.system_pods += 1;
            }
        }
        let mut queue = Vec::new();
        for (i, pod) in pods.iter().enumerate() {
            let Some(n) = pod.node.as_ref().and_then(|n| node_index.get(n)) else {
                queue.push(i);
                continue;
            };
            let node = &mut nodes[*n as usize];
            node.counts[pod.state.index()] += 1;
            if !matches!(pod.state, PodState::Succeeded | PodState::Failed) {
                node.requested.0 += pod.requests.0;
                node.requested.1 += pod.requests.1;
                node.requested.2 += 1;
            }
            let label = pod.workload.clone().unwrap_or_else(|| Rc::from(""));
            match node.groups.iter_mut().find(|g| g.label == label) {
                Some(g) => g.pods.push(i),
                None => node.groups.push(PodGroup {
                    hue: hue(&label),
                    label,
                    pods: vec![i],
                }),
            }
        }
        for node in &mut nodes {
            sort_small(&mut node.groups, |a, b| a.label < b.label);
            node.running = cluster.node_running(node.name());
            if node.running && !node.down() {
                continue;
            }
            // Only a silent node has countdowns: when it turns Unknown, when its pods go.
            node.unknown_at = cluster.node_unknown_at(node.name());
            node.evict_at = node
                .groups
                .iter()
                .flat_map(|g| &g.pods)
                .filter_map(|&i| {
                    cluster.eviction_deadline(&pods[i].key.namespace, &pods[i].key.name)
                })
                .min();
        }

        let workloads = workloads(cluster, &pods, &hidden);
        let (services, routes) = network(cluster, &pods, &hidden);
        Snapshot {
            pods,
            nodes,
            queue,
            workloads,
            services,
            routes,
            counts,
        }
    }

    /// How many pods there are.
    pub fn pod_count(&self) -> usize {
        self.pods.len()
    }
}

fn workloads(
    cluster: &Cluster,
    pods: &[Rc<PodView>],
    hidden: &dyn Fn(&str) -> bool,
) -> Vec<WorkloadView> {
    let store = cluster.store();
    let rid = |k: &str| by_kind(k).expect("built-in kind");
    let mut by_owner: FxMap<Rc<str>, Vec<usize>> = fx_map();
    let mut ownerless = Vec::new();
    for (i, p) in pods.iter().enumerate() {
        match &p.owner_uid {
            Some(uid) => by_owner.entry(uid.clone()).or_default().push(i),
            None => ownerless.push(i),
        }
    }
    let int = |v: &Value| v.as_i64().unwrap_or(0);
    let mut out = Vec::new();
    // Positions as u32, as `node_index` above.
    let mut deployment_index: FxMap<Rc<str>, u32> = fx_map();
    for ((ns, _), d) in store.list(rid("Deployment"), None) {
        if hidden(ns) {
            continue;
        }
        let name = str_rc(d.at(&["metadata", "name"])).unwrap_or_else(|| Rc::from(""));
        if let Some(uid) = str_rc(d.at(&["metadata", "uid"])) {
            deployment_index.insert(uid, out.len() as u32);
        }
        out.push(WorkloadView {
            key: Some(key_of("Deployment", d)),
            hue: hue(&name),
            name,
            desired: d.at(&["spec", "replicas"]).as_i64().unwrap_or(1),
            ready: int(d.at(&["status", "readyReplicas"])),
            updated: int(d.at(&["status", "updatedReplicas"])),
            available: int(d.at(&["status", "availableReplicas"])),
            replica_sets: Vec::new(),
            pods: Vec::new(),
            state: None,
            autoscaler: None,
        });
    }
    // ReplicationControllers show as ReplicaSets without a Deployment.
    let replica_sets = store
        .list(rid("ReplicaSet"), None)
        .map(|(k, rs)| (k, rs, "ReplicaSet"))
        .chain(
            store
                .list(rid("ReplicationController"), None)
                .map(|(k, rc)| (k, rc, "ReplicationController")),
        );
    for ((ns, _), rs, kind) in replica_sets {
        if hidden(ns) {
            continue;
        }
        let uid = str_rc(rs.at(&["metadata", "uid"])).unwrap_or_else(|| Rc::from(""));
        let view = ReplicaSetView {
            key: key_of(kind, rs),
            revision: rs
                .str_at(&[
                    "metadata",
                    "annotations",
                    "deployment.kubernetes.io/revision",
                ])
                .and_then(|r| r.parse().ok()),
            desired: rs.at(&["spec", "replicas"]).as_i64().unwrap_or(1),
            ready: int(rs.at(&["status", "readyReplicas"])),
            images: rs
                .at(&["spec", "template", "spec", "containers"])
                .items()
                .filter_map(|c| str_rc(c.get("image")))
                .collect(),
            pods: by_owner.remove(&uid).unwrap_or_default(),
            newest: false,
        };
        let owner = controller_ref(rs)
            .filter(|o| o.get("kind").as_str() == Some("Deployment"))
            .and_then(|o| o.get("uid").as_str())
            .and_then(|u| deployment_index.get(u).map(|&i| i as usize));
        match owner {
            Some(i) => out[i].replica_sets.push(view),
            None => {
                let name = view.key.name.clone();
                out.push(WorkloadView {
                    key: Some(view.key.clone()),
                    hue: hue(&name),
                    name,
                    desired: view.desired,
                    ready: view.ready,
                    updated: view.desired,
                    available: view.ready,
                    replica_sets: vec![view],
                    pods: Vec::new(),
                    state: None,
                    autoscaler: None,
                });
            }
        }
    }
    for w in &mut out {
        // Newest revision first.
        sort_small(&mut w.replica_sets, |a, b| {
            (b.revision, &a.key.name) < (a.revision, &b.key.name)
        });
        if let Some(first) = w.replica_sets.first_mut() {
            first.newest = true;
        }
    }
    // DaemonSets, StatefulSets and Jobs, with their pods.
    for kind in ["DaemonSet", "StatefulSet", "Job"] {
        for ((ns, _), o) in store.list(rid(kind), None) {
            if hidden(ns) {
                continue;
            }
            let name = str_rc(o.at(&["metadata", "name"])).unwrap_or_else(|| Rc::from(""));
            let uid = o.str_at(&["metadata", "uid"]).unwrap_or("");
            // In pod order, as `pods` is.
            let owned = by_owner.remove(uid).unwrap_or_default();
            let status = o.get("status");
            let (desired, ready, state) = if kind == "Job" {
                let state = kubeplay_engine::kubectl::printers::job_status(o);
                // COMPLETIONS: succeeded / completions (1 when unset).
                let completions = o.at(&["spec", "completions"]).as_i64().unwrap_or(1);
                (completions, int(status.get("succeeded")), Some(state))
            } else if kind == "StatefulSet" {
                // READY: readyReplicas / spec.replicas, as `kubectl get sts`.
                (
                    o.at(&["spec", "replicas"]).as_i64().unwrap_or(1),
                    int(status.get("readyReplicas")),
                    None,
                )
            } else {
                (
                    int(status.get("desiredNumberScheduled")),
                    int(status.get("numberReady")),
                    None,
                )
            };
            out.push(WorkloadView {
                key: Some(key_of(kind, o)),
                hue: hue(&name),
                name,
                desired,
                ready,
                updated: 0,
                available: 0,
                replica_sets: Vec::new(),
                pods: owned,
                state,
                autoscaler: None,
            });
        }
    }
    // Pods owned by something else or by nothing.
    let mut others: Vec<usize> = by_owner.into_values().flatten().collect();
    others.extend(ownerless);
    others.compact_sort();
    // Each HorizontalPodAutoscaler on its target's group.
    for ((ns, _), hpa) in store.list(rid("HorizontalPodAutoscaler"), None) {
        if hidden(ns) {
            continue;
        }
        let target = hpa.at(&["spec", "scaleTargetRef"]);
        let (Some(kind), Some(name)) = (target.str_at(&["kind"]), target.str_at(&["name"])) else {
            continue;
        };
        if let Some(w) = out.iter_mut().find(|w| {
            w.key.as_ref().is_some_and(|k| {
                k.resource.get().kind == kind && *k.namespace == **ns && &*k.name == name
            })
        }) {
            let min = hpa.at(&["spec", "minReplicas"]).as_i64().unwrap_or(1);
            let max = hpa.at(&["spec", "maxReplicas"]).as_i64().unwrap_or(0);
            w.autoscaler = Some(Rc::from(format!(
                "{} · {min}–{max}",
                kubeplay_engine::kubectl::printers::hpa_metrics(hpa)
            )));
        }
    }
    if !others.is_empty() {
        out.push(WorkloadView {
            key: None,
            name: Rc::from(""),
            hue: 0,
            desired: others.len() as i64,
            ready: others
                .iter()
                .filter(|&&i| pods[i].state == PodState::Ready)
                .count() as i64,
            updated: 0,
            available: 0,
            replica_sets: Vec::new(),
            pods: others,
            state: None,
            autoscaler: None,
        });
    }
    out
}

/// `kubectl get svc`'s PORT(S) cell.
pub fn service_ports(svc: &Value) -> String {
    let ports: Vec<String> = svc
        .at(&["spec", "ports"])
        .items()
        .map(|p| {
            let port = p.get("port").as_i64().unwrap_or(0);
            let proto = p.get("protocol").as_str().unwrap_or("TCP");
            match p.get("nodePort").as_i64() {
                Some(np) if np != 0 => format!("{port}:{np}/{proto}"),
                _ => format!("{port}/{proto}"),
            }
        })
        .collect();
    if ports.is_empty() {
        "<none>".into()
    } else {
        ports.join(",")
    }
}

fn network(
    cluster: &Cluster,
    pods: &[Rc<PodView>],
    hidden: &dyn Fn(&str) -> bool,
) -> (Vec<ServiceView>, Vec<RouteView>) {
    let store = cluster.store();
    let rid = |k: &str| by_kind(k).expect("built-in kind");
    let by_name: FxMap<(&str, &str), usize> = pods
        .iter()
        .enumerate()
        .map(|(i, p)| ((&*p.key.namespace, &*p.key.name), i))
        .collect();
    let services = store
        .list(rid("Service"), None)
        .filter(|((ns, _), _)| !hidden(ns))
        .map(|((ns, name), svc)| {
            let selector = svc.at(&["spec", "selector"]);
            let has_selector = selector.members().next().is_some();
            let mut ready = Vec::new();
            let mut not_ready = Vec::new();
            // The Endpoints object the endpoints controller writes, when present.
            if let Some(ep) = store.get_named(rid("Endpoints"), ns, name) {
                for subset in ep.get("subsets").items() {
                    for (field, list) in [
                        ("addresses", &mut ready),
                        ("notReadyAddresses", &mut not_ready),
                    ] {
                        for a in subset.get(field).items() {
                            let target = a.at(&["targetRef", "name"]).as_str().unwrap_or("");
                            if let Some(&i) = by_name.get(&(&**ns, target))
                                && !list.contains(&i)
                            {
                                list.push(i);
                            }
                        }
                    }
                }
            } else if has_selector {
                // Until the controller has written it: the pods it would list.
                for (i, p) in pods.iter().enumerate() {
                    if *p.key.namespace != **ns
                        || p.ip.is_none() && p.state != PodState::Ready
                        || !selector.members().all(|(k, v)| p.labels.get(k) == v)
                    {
                        continue;
                    }
                    if p.state == PodState::Ready {
                        ready.push(i);
                    } else if p.node.is_some() && p.state != PodState::Terminating {
                        not_ready.push(i);
                    }
                }
            }
            ServiceView {
                key: key_of("Service", svc),
                service_type: str_rc(svc.at(&["spec", "type"]))
                    .unwrap_or_else(|| Rc::from("ClusterIP")),
                cluster_ip: str_rc(svc.at(&["spec", "clusterIP"])).unwrap_or_else(|| Rc::from("")),
                ports: service_ports(svc),
                ready,
                not_ready,
                has_selector,
            }
        })
        .collect();
    let mut routes = Vec::new();
    for ((ns, _), ing) in store.list(rid("Ingress"), None) {
        if hidden(ns) {
            continue;
        }
        let key = key_of("Ingress", ing);
        let backend = |b: &Value| -> Option<(Rc<str>, Rc<str>)> {
            let svc = b.get("service");
            let name = str_rc(svc.get("name"))?;
            let port = match svc.get("port") {
                p if p.get("number").as_i64().is_some() => {
                    Rc::from(p.get("number").as_i64().unwrap_or(0).to_string())
                }
                p => str_rc(p.get("name")).unwrap_or_else(|| Rc::from("")),
            };
            Some((name, port))
        };
        for rule in ing.at(&["spec", "rules"]).items() {
            let host = str_rc(rule.get("host")).unwrap_or_else(|| Rc::from("*"));
            for path in rule.at(&["http", "paths"]).items() {
                if let Some((service, port)) = backend(path.get("backend")) {
                    routes.push(RouteView {
                        ingress: key.clone(),
                        host: host.clone(),
                        path: str_rc(path.get("path")).unwrap_or_else(|| Rc::from("/")),
                        service,
                        port,
                    });
                }
            }
        }
        if let Some((service, port)) = backend(ing.at(&["spec", "defaultBackend"])) {
            routes.push(RouteView {
                ingress: key.clone(),
                host: Rc::from("*"),
                path: Rc::from("(default)"),
                service,
                port,
            });
        }
    }
    (services, routes)
}

/// `part / whole` clamped to 0..=1, as a CSS number with three decimals
/// (`0.375`), written with integer arithmetic.
pub fn fraction(part: i64, whole: i64) -> String {
    let thousandths = if whole > 0 {
        (part.max(0) as i128 * 1000 / whole as i128).min(1000) as i64
    } else {
        0
    };
    format!("{}.{:03}", thousandths / 1000, thousandths % 1000)
}

/// Millicores as kubectl prints them (`250m`, `1`, `1500m`).
pub fn cpu_text(milli: i64) -> String {
    if milli % 1000 == 0 {
        (milli / 1000).to_string()
    } else {
        format!("{milli}m")
    }
}

/// Bytes in the largest binary unit that keeps one decimal (`512Mi`, `1.5Gi`).
pub fn mem_text(bytes: i64) -> String {
    const UNITS: [(&str, i64); 3] = [("Gi", 1 << 30), ("Mi", 1 << 20), ("Ki", 1 << 10)];
    for (unit, size) in UNITS {
        if bytes >= size {
            let tenths = bytes * 10 / size;
            return if tenths % 10 == 0 {
                format!("{}{unit}", tenths / 10)
            } else {
                format!("{}.{}{unit}", tenths / 10, tenths % 10)
            };
        }
    }
    bytes.to_string()
}

/// Simulated time as `HH:MM:SS.t` since the cluster started.
pub fn clock_text(ms: u64) -> String {
    let tenths = (ms / 100) % 10;
    let s = ms / 1000;
    format!(
        "{:02}:{:02}:{:02}.{tenths}",
        s / 3600,
        (s / 60) % 60,
        s % 60
    )
}

/// kubectl's HumanDuration (AGE, LAST SEEN) for a number of milliseconds.
pub fn human_duration(ms: u64) -> String {
    let seconds = ms / 1000;
    if seconds < 120 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    }
    if minutes < 180 {
        return format!("{minutes}m");
    }
    let hours = minutes / 60;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{h}h", hours / 24)
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    format!("{}y", hours / 24 / 365)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubeplay_engine::apiserver::WriteOptions;
    use kubeplay_engine::apiserver::manifest::ManifestVerb;
    use kubeplay_engine::yaml;

    fn value(text: &str) -> Value {
        yaml::load_str(text).unwrap()[0].root.to_value()
    }

    fn status_of(text: &str) -> (String, PodState, u32, u32) {
        let pod = value(text);
        let s = pod_status(&pod);
        let state = classify(&pod, &s);
        (s.reason.to_string(), state, s.ready, s.total)
    }

    #[test]
    fn pending_pods_wait_in_the_queue_until_bound() {
        let base = "metadata: {name: p}\nspec:\n  containers: [{name: a, image: nginx}]\nstatus: {phase: Pending}\n";
        assert_eq!(status_of(base), ("Pending".into(), PodState::Queued, 0, 1));
        let bound = base.replace("spec:\n", "spec:\n  nodeName: node-1\n");
        assert_eq!(
            status_of(&bound),
            ("Pending".into(), PodState::Creating, 0, 1)
        );
    }

    #[test]
    fn container_states_give_kubectl_statuses() {
        let pod = |state: &str, ready: bool, phase: &str| {
            format!(
                "metadata: {{name: p}}\nspec:\n  nodeName: node-1\n  containers: [{{name: a, image: x}}]\nstatus:\n  phase: {phase}\n  conditions: [{{type: Ready, status: \"{}\"}}]\n  containerStatuses:\n  - name: a\n    ready: {ready}\n    restartCount: 4\n    state: {state}\n",
                if ready { "True" } else { "False" }
            )
        };
        assert_eq!(
            status_of(&pod(
                "{waiting: {reason: ContainerCreating}}",
                false,
                "Pending"
            )),
            ("ContainerCreating".into(), PodState::Creating, 0, 1)
        );
        assert_eq!(
            status_of(&pod("{running: {startedAt: x}}", true, "Running")),
            ("Running".into(), PodState::Ready, 1, 1)
        );
        assert_eq!(
            status_of(&pod("{running: {startedAt: x}}", false, "Running")),
            ("Running".into(), PodState::NotReady, 0, 1)
        );
        assert_eq!(
            status_of(&pod(
                "{waiting: {reason: CrashLoopBackOff}}",
                false,
                "Running"
            )),
            ("CrashLoopBackOff".into(), PodState::CrashLoop, 0, 1)
        );
        assert_eq!(
            status_of(&pod(
                "{waiting: {reason: ImagePullBackOff}}",
                false,
                "Pending"
            )),
            ("ImagePullBackOff".into(), PodState::ImagePull, 0, 1)
        );
        assert_eq!(
            status_of(&pod(
                "{terminated: {reason: Completed, exitCode: 0}}",
                false,
                "Succeeded"
            )),
            ("Completed".into(), PodState::Succeeded, 0, 1)
        );
        assert_eq!(
            status_of(&pod("{terminated: {exitCode: 2}}", false, "Failed")),
            ("ExitCode:2".into(), PodState::Failed, 0, 1)
        );
        let p = value(&pod(
            "{waiting: {reason: CrashLoopBackOff}}",
            false,
            "Running",
        ));
        assert_eq!(pod_status(&p).restarts, 4);
    }

    #[test]
    fn deleting_pods_are_terminating_unless_finished() {
        let running = "metadata: {name: p, deletionTimestamp: \"2026-01-01T00:00:30Z\"}\nspec: {nodeName: n, containers: [{name: a}]}\nstatus: {phase: Running}\n";
        assert_eq!(status_of(running).1, PodState::Terminating);
        assert_eq!(status_of(running).0, "Terminating");
        let done = running.replace("Running", "Succeeded");
        assert_eq!(status_of(&done).1, PodState::Succeeded);
    }

    #[test]
    fn init_containers_show_progress() {
        let pod = "metadata: {name: p}\nspec:\n  nodeName: node-1\n  initContainers: [{name: i1}, {name: i2}]\n  containers: [{name: a}]\nstatus:\n  phase: Pending\n  initContainerStatuses:\n  - {name: i1, state: {terminated: {exitCode: 0}}}\n  - {name: i2, state: {running: {}}}\n";
        assert_eq!(
            status_of(pod),
            ("Init:1/2".into(), PodState::Creating, 0, 1)
        );
    }

    #[test]
    fn requests_take_the_larger_of_containers_and_init_containers() {
        let spec = value(
            "containers:\n- resources: {requests: {cpu: 100m, memory: 64Mi}}\n- resources: {requests: {cpu: 150m}}\ninitContainers:\n- resources: {requests: {cpu: 500m, memory: 32Mi}}\n",
        );
        assert_eq!(pod_requests(&spec), (500, 64 << 20));
    }

    #[test]
    fn snapshot_places_pods_on_nodes_with_allocations() {
        let mut cluster = Cluster::new(1);
        for (name, node) in [("a", Some("node-1")), ("b", Some("node-1")), ("c", None)] {
            let mut pod = value(&format!(
                "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, labels: {{app: web}}}}\nspec:\n  containers: [{{name: c, image: nginx, resources: {{requests: {{cpu: 250m, memory: 128Mi}}}}}}]\n"
            ));
            if let Some(n) = node {
                pod.set_at(&["spec", "nodeName"], Value::str(n));
            }
            cluster.create(pod, &WriteOptions::user()).unwrap();
        }
        let snap = Snapshot::build(&cluster);
        let names: Vec<&str> = snap.nodes.iter().map(NodeView::name).collect();
        assert_eq!(names, ["control-plane", "node-1", "node-2", "node-3"]);
        let n1 = &snap.nodes[1];
        // kubeadm's add-ons count: CoreDNS (100m, 70Mi) and kube-proxy run here.
        assert_eq!(n1.system_pods, 2);
        assert_eq!(n1.requested, (500 + 100, (256 + 70) << 20, 2 + 2));
        assert!(snap.pods.iter().all(|p| &*p.key.namespace == "default"));
        // Drawn when asked for: then they are pods like the others.
        let all = Snapshot::build_cached(&cluster, &mut PodCache::default(), true);
        assert_eq!(all.nodes[1].system_pods, 0);
        assert_eq!(all.nodes[1].requested, n1.requested);
        let labels: Vec<&str> = all.nodes[1].groups.iter().map(|g| &*g.label).collect();
        // The ownerless pods a and b are the unnamed group.
        assert_eq!(labels, ["", "coredns", "kube-proxy"]);
        assert!(all.workloads.iter().any(|w| &*w.name == "coredns"));
        assert_eq!(n1.allocatable, (4000, 8 << 30, 110));
        assert_eq!(n1.groups.len(), 1);
        assert_eq!(n1.groups[0].pods.len(), 2);
        assert_eq!(snap.queue.len(), 1);
        assert_eq!(snap.pods[snap.queue[0]].name(), "c");
        assert_eq!(snap.counts[PodState::Queued.index()], 1);
        assert_eq!(snap.counts[PodState::Creating.index()], 2);
        assert_eq!(
            snap.nodes[0].taints,
            ["node-role.kubernetes.io/control-plane:NoSchedule"]
        );
    }

    #[test]
    fn snapshot_reads_workloads_services_and_ingress_routes() {
        let mut cluster = Cluster::new(1);
        let text = crate::examples::SEED_APP;
        let out = cluster.run_manifest(text, "snacker.yaml", ManifestVerb::Apply);
        assert!(out.iter().all(|o| o.result.is_ok()), "{out:?}");
        let snap = Snapshot::build(&cluster);
        let w = &snap.workloads[0];
        assert_eq!(&*w.name, "snacker-deployment");
        assert_eq!(w.desired, 1);
        let names: Vec<&str> = snap.services.iter().map(|s| &*s.key.name).collect();
        assert_eq!(
            names,
            ["kubernetes", "snackerbis-service"],
            "kube-dns left out"
        );
        let svc = snap
            .services
            .iter()
            .find(|s| &*s.key.name == "snackerbis-service")
            .unwrap();
        assert_eq!(svc.ports, "80/TCP");
        assert!(svc.has_selector);
        assert_eq!(snap.routes.len(), 1);
        let r = &snap.routes[0];
        assert_eq!(
            (&*r.host, &*r.path, &*r.service, &*r.port),
            (
                "kube.lambdaclass.com",
                "/snackerbis",
                "snackerbis-service",
                "80"
            )
        );
    }

    #[test]
    fn texts_follow_kubectl() {
        assert_eq!(fraction(3, 8), "0.375");
        assert_eq!(fraction(9, 8), "1.000");
        assert_eq!(fraction(1, 0), "0.000");
        assert_eq!(cpu_text(250), "250m");
        assert_eq!(cpu_text(4000), "4");
        assert_eq!(mem_text(512 << 20), "512Mi");
        assert_eq!(mem_text(3 << 29), "1.5Gi");
        assert_eq!(clock_text(3_723_400), "01:02:03.4");
        assert_eq!(human_duration(119_999), "119s");
        assert_eq!(human_duration(150_000), "2m30s");
        assert_eq!(human_duration(3 * 3_600_000 + 20 * 60_000), "3h20m");
    }
}

#[cfg(test)]
mod cache_tests {
    use super::*;
    use kubeplay_engine::apiserver::WriteOptions;

    #[test]
    fn unchanged_pods_are_not_read_again() {
        let mut cluster = Cluster::new(1);
        let mut cache = PodCache::default();
        for name in ["a", "b"] {
            let pod = kubeplay_engine::yaml::load_str(&format!(
                "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}}}\nspec: {{schedulerName: by-hand, containers: [{{name: c, image: x}}]}}\n"
            ))
            .unwrap()[0]
                .root
                .to_value();
            cluster.create(pod, &WriteOptions::user()).unwrap();
        }
        let first = Snapshot::build_cached(&cluster, &mut cache, false);
        let key = first.pods[0].key.clone();
        cluster.bind_pod("default", &key.name, "node-1").unwrap();
        let second = Snapshot::build_cached(&cluster, &mut cache, false);
        assert!(
            !Rc::ptr_eq(&first.pods[0], &second.pods[0]),
            "a changed: read again"
        );
        assert!(
            Rc::ptr_eq(&first.pods[1], &second.pods[1]),
            "b unchanged: reused"
        );
        assert_eq!(second.pods[0].node.as_deref(), Some("node-1"));
        assert_eq!(&*second.pods[0].attr, "Pod/default/a");
    }
}
