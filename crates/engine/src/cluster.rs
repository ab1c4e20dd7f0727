//! The simulated cluster: one clock, one random generator, the object store
//! and the components that act on it.
//!
//! Simulated time only moves in [`Cluster::step`]. Work is driven by watch
//! events (a change to an object wakes the controllers that care) and by a
//! timer queue (image pulls finishing, back-offs expiring, grace periods
//! running out), so the cost of a step follows activity, not cluster size.

use crate::sort::CompactSort;
use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, VecDeque};

use crate::api::registry::{ResourceId, by_kind};
use crate::events::EventLog;
use crate::quantity::Quantity;
use crate::rng::Rng;
use crate::store::{ObjectKey, Store, WatchEvent};
use crate::time::Millis;
use crate::value::Value;

/// Whether a node hosts the control plane or runs workloads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeRole {
    /// Runs the API server, etcd, scheduler and controller-manager.
    ControlPlane,
    /// Runs the pods the scheduler places.
    Worker,
}

/// What the UI and the CLI show of a node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeSummary {
    /// The node's name (`control-plane`, `node-1`, …).
    pub name: String,
    /// Control plane or worker.
    pub role: NodeRole,
    /// Allocatable CPU.
    pub cpu: Quantity,
    /// Allocatable memory.
    pub memory: Quantity,
    /// How many pods the kubelet accepts.
    pub pods: i64,
}

/// A taint to put on a node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Taint {
    /// The taint's key.
    pub key: String,
    /// Its value (may be empty).
    pub value: String,
    /// `NoSchedule`, `PreferNoSchedule` or `NoExecute`.
    pub effect: String,
}

/// How to build a node: its name, size, labels and taints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeOptions {
    /// The node's name.
    pub name: String,
    /// Allocatable CPU in millicores.
    pub cpu_milli: i64,
    /// Allocatable memory in bytes.
    pub memory_bytes: i64,
    /// How many pods it accepts.
    pub pods: i64,
    /// Extra labels (the well-known ones are added).
    pub labels: Vec<(String, String)>,
    /// Taints.
    pub taints: Vec<Taint>,
    /// Whether it is a control-plane node.
    pub control_plane: bool,
}

impl NodeOptions {
    /// A worker with the default size: 4 CPU, 8Gi memory, 110 pods.
    pub fn worker(name: &str) -> NodeOptions {
        NodeOptions {
            name: name.to_string(),
            cpu_milli: 4000,
            memory_bytes: 8 << 30,
            pods: 110,
            labels: Vec::new(),
            taints: Vec::new(),
            control_plane: false,
        }
    }
}

/// Something that happens at a moment of simulated time.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Task {
    /// Run a controller's reconcile for a key again (`requeue after`).
    Requeue(Controller, ObjectKey),
    /// Finish deleting a pod whose grace period ran out.
    PodGraceExpired(ObjectKey),
    /// kube-scheduler's timers (back-off expiry, periodic flush).
    Scheduler(crate::scheduler::SchedulerTask),
    /// A kubelet's timers (pull done, container exit, probe, back-off).
    Kubelet(crate::kubelet::KubeletTask),
    /// The node lifecycle and taint-eviction timers.
    NodeLifecycle(crate::controllers::nodelifecycle::NodeLifecycleTask),
    /// The network's timers (load-balancer IPs, traffic generators).
    Network(crate::network::NetworkTask),
}

/// The controllers of kube-controller-manager that Kubeplay runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Controller {
    /// Keeps ReplicaSets' pods at the desired count.
    ReplicaSet,
    /// Rolls Deployments out through ReplicaSets.
    Deployment,
    /// Deletes dependents of deleted owners.
    GarbageCollector,
    /// Empties and removes terminating namespaces.
    Namespace,
    /// Writes a Service's Endpoints.
    Endpoints,
    /// Writes a Service's EndpointSlices.
    EndpointSlice,
    /// Runs one pod per node for each DaemonSet.
    DaemonSet,
    /// Runs Jobs' pods to completion.
    Job,
    /// Creates Jobs on CronJobs' schedules.
    CronJob,
    /// Keeps ReplicationControllers' pods at the desired count (the
    /// ReplicaSet controller's code, as in kube-controller-manager).
    ReplicationController,
    /// Binds PersistentVolumeClaims to PersistentVolumes (with the pvc-
    /// and pv-protection controllers).
    PersistentVolume,
    /// Runs StatefulSets' pods with stable identities and storage.
    StatefulSet,
    /// Scales workloads on their pods' resource use.
    HorizontalPodAutoscaler,
    /// Keeps PodDisruptionBudgets' status.
    Disruption,
    /// Keeps ResourceQuotas' usage.
    ResourceQuota,
}

impl Controller {
    /// Every controller, in the order their queues are drained. Quotas
    /// come first, as the real controller puts quotas without usage on a
    /// priority queue: a quota created with the objects it limits counts
    /// them before they are made.
    const ALL: [Controller; 15] = [
        Controller::ResourceQuota,
        Controller::ReplicaSet,
        Controller::Deployment,
        Controller::GarbageCollector,
        Controller::Namespace,
        Controller::Endpoints,
        Controller::EndpointSlice,
        Controller::DaemonSet,
        Controller::Job,
        Controller::CronJob,
        Controller::ReplicationController,
        Controller::PersistentVolume,
        Controller::StatefulSet,
        Controller::HorizontalPodAutoscaler,
        Controller::Disruption,
    ];

    /// The controller's work queue in `Cluster::queues`. The match is
    /// exhaustive, so a new controller needs an index here, and the check
    /// below makes `ALL` list it there.
    const fn queue_index(self) -> usize {
        match self {
            Controller::ResourceQuota => 0,
            Controller::ReplicaSet => 1,
            Controller::Deployment => 2,
            Controller::GarbageCollector => 3,
            Controller::Namespace => 4,
            Controller::Endpoints => 5,
            Controller::EndpointSlice => 6,
            Controller::DaemonSet => 7,
            Controller::Job => 8,
            Controller::CronJob => 9,
            Controller::ReplicationController => 10,
            Controller::PersistentVolume => 11,
            Controller::StatefulSet => 12,
            Controller::HorizontalPodAutoscaler => 13,
            Controller::Disruption => 14,
        }
    }
}

const _: () = {
    let mut i = 0;
    while i < Controller::ALL.len() {
        assert!(Controller::ALL[i].queue_index() == i);
        i += 1;
    }
};

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Timer {
    at: Millis,
    seq: u64,
    task: Task,
}

/// A de-duplicating FIFO of keys, like client-go's workqueue.
#[derive(Clone, Debug, Default)]
pub(crate) struct WorkQueue {
    order: VecDeque<ObjectKey>,
    queued: BTreeSet<ObjectKey>,
}

impl WorkQueue {
    pub(crate) fn add(&mut self, key: ObjectKey) {
        if self.queued.insert(key.clone()) {
            self.order.push_back(key);
        }
    }

    pub(crate) fn pop(&mut self) -> Option<ObjectKey> {
        let key = self.order.pop_front()?;
        self.queued.remove(&key);
        Some(key)
    }
}

/// How many recent activity lines are kept at least.
pub const ACTIVITY_KEPT: usize = 10_000;

/// One line of the cluster's activity log: which component did what, when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Activity {
    /// Simulated time.
    pub at: Millis,
    /// `kube-apiserver`, `kube-scheduler`, `kubelet/node-1`, …
    pub component: String,
    /// What it did.
    pub message: String,
}

/// How long the default cluster has been up when the user first sees it
/// (simulated ms): kubeadm's add-ons have started and passed their probes.
pub const BOOT_MS: Millis = 60_000;

/// A simulated Kubernetes cluster.
#[derive(Clone, Debug)]
pub struct Cluster {
    pub(crate) seed: u64,
    pub(crate) now: Millis,
    /// See [`Cluster::booted_at`].
    booted_at: Millis,
    pub(crate) rng: Rng,
    pub(crate) store: Store,
    pub(crate) events: EventLog,
    pub(crate) alloc: crate::apiserver::Allocators,
    timers: BinaryHeap<Reverse<Timer>>,
    timer_seq: u64,
    pub(crate) queues: [WorkQueue; Controller::ALL.len()],
    pub(crate) activity: Vec<Activity>,
    /// Warnings the API server returned with requests since kubectl last
    /// took them (a strategy's `WarningsOnCreate`).
    pub(crate) warnings: Vec<String>,
    /// The user of the kubectl command being run, whose requests are
    /// authorized; None for the editor and the cluster's own components.
    pub(crate) requester: Option<crate::apiserver::rbac::UserInfo>,
    /// Who kubectl is without `--as`: kubeadm's `kubernetes-admin` once
    /// kubeadm set the cluster up, the `system:masters` super-admin of a
    /// bare API server before that.
    pub(crate) admin: crate::apiserver::rbac::UserInfo,
    /// Activity lines dropped from the front of `activity` (it keeps the
    /// recent ones only, so a long session does not grow without bound).
    activity_dropped: u64,
    #[allow(dead_code)] // filled in as the components land
    pub(crate) scheduler: crate::scheduler::SchedulerState,
    #[allow(dead_code)]
    pub(crate) kubelet: crate::kubelet::KubeletState,
    #[allow(dead_code)]
    pub(crate) network: crate::network::NetworkState,
    /// The workload controllers' indexes.
    pub(crate) controllers: crate::controllers::ControllersState,
    /// The node lifecycle and taint-eviction controllers' state.
    pub(crate) nodelifecycle: crate::controllers::nodelifecycle::NodeLifecycleState,
    /// The DaemonSet controller's node cache.
    pub(crate) daemonsets: crate::controllers::daemonset::DaemonSetState,
    /// Watch events dispatched so far, kept for the UI to read (bounded).
    pub(crate) recent_changes: VecDeque<WatchEvent>,
    change_seq: u64,
    /// While `kubectl get --watch` watches a resource type: its watch
    /// events (all of them, where `recent_changes` keeps the last few).
    pub(crate) watch_tap: Option<(crate::api::registry::ResourceId, Vec<WatchEvent>)>,
    /// While a kubectl command with `--record` runs: its change cause.
    pub(crate) change_cause: Option<String>,
    /// The namespace kubectl's current context names
    /// (`kubectl config set-context --current --namespace=…`).
    pub(crate) kubeconfig_namespace: Option<String>,
    /// The interactive shell the user's terminal is attached to
    /// (`kubectl exec -it … -- sh`), whose prompt takes the lines typed.
    pub(crate) terminal: Option<crate::kubectl::Terminal>,
    /// The user's own shell (its variables and the files it wrote).
    pub(crate) host_shell: crate::host::HostShell,
}

/// How many recent watch events the cluster keeps for observers.
const RECENT_CHANGES: usize = 4096;
/// A guard against controllers that never settle within one instant.
const MAX_SETTLE_ROUNDS: usize = 1_000_000;

impl Cluster {
    /// The default cluster, as kubeadm sets one up: a tainted control-plane
    /// node running the control plane's static pods, three workers
    /// (`node-1` … `node-3`), each with 4 CPU, 8Gi memory and 110 pods,
    /// the `kubernetes` Service, the CoreDNS and kube-proxy add-ons, an
    /// ingress controller (ingress-nginx, with its `nginx` IngressClass)
    /// and metrics-server.
    pub fn new(seed: u64) -> Cluster {
        Cluster::with_workers(
            seed,
            (1..=3)
                .map(|i| NodeOptions::worker(&format!("node-{i}")))
                .collect(),
        )
    }

    /// A cluster set up like [`Cluster::new`] (control plane, add-ons,
    /// ingress controller, metrics-server) with the given worker nodes instead of the
    /// default three.
    pub fn with_workers(seed: u64, workers: Vec<NodeOptions>) -> Cluster {
        let mut cluster = Cluster::empty(seed);
        let mut cp = NodeOptions::worker(crate::kubeadm::CONTROL_PLANE);
        cp.control_plane = true;
        cp.taints.push(Taint {
            key: "node-role.kubernetes.io/control-plane".into(),
            value: String::new(),
            effect: "NoSchedule".into(),
        });
        // Not `expect`: it would link the error's Debug into the bundle.
        if cluster.add_node(cp).is_err() {
            panic!("the control-plane node is valid");
        }
        for worker in workers {
            // A worker that cannot join (a bad name) is left out.
            let _ = cluster.add_node(worker);
        }
        // The kubelets register their nodes, then kubeadm's objects appear.
        cluster.settle();
        crate::kubeadm::install(&mut cluster, crate::kubeadm::CONTROL_PLANE);
        // The default cluster runs an ingress controller (ingress-nginx).
        crate::network::install_ingress_controller(&mut cluster);
        cluster.settle();
        // metrics-server comes after kubeadm's add-ons are placed, as a
        // user applies it to a running cluster.
        crate::metrics_server::install(&mut cluster);
        cluster.boot();
        cluster
    }

    /// Lets the fresh cluster come up before anyone looks at it, as a
    /// cluster handed to a user has: [`BOOT_MS`] of simulated time, longer
    /// if an add-on's pod is not Ready by then (at most five minutes more).
    /// The boot draws from its own random stream, so what the user does
    /// afterwards draws the same numbers whatever the add-ons did.
    fn boot(&mut self) {
        let main_rng = std::mem::replace(
            &mut self.rng,
            crate::rng::Rng::new(self.seed ^ 0x626F_6F74_7570_2121),
        );
        self.step(BOOT_MS);
        for _ in 0..300 {
            let all_ready = self
                .store
                .list(res("Pod"), Some("kube-system"))
                .all(|(_, pod)| crate::controllers::pod_ready(pod).0);
            if all_ready {
                break;
            }
            self.step(crate::time::SECOND);
        }
        self.rng = main_rng;
        self.booted_at = self.now;
    }

    /// When the fresh cluster had come up (simulated ms): the moment the
    /// user's session starts.
    pub fn booted_at(&self) -> Millis {
        self.booted_at
    }

    /// A cluster with only its system namespaces and no nodes.
    pub fn empty(seed: u64) -> Cluster {
        let mut cluster = Cluster {
            seed,
            booted_at: 0,
            now: 0,
            rng: Rng::new(seed),
            store: Store::new(),
            events: EventLog::default(),
            alloc: crate::apiserver::Allocators::default(),
            timers: BinaryHeap::new(),
            timer_seq: 0,
            queues: Default::default(),
            activity: Vec::new(),
            warnings: Vec::new(),
            requester: None,
            admin: crate::apiserver::rbac::UserInfo::super_admin(),
            activity_dropped: 0,
            scheduler: Default::default(),
            kubelet: Default::default(),
            network: Default::default(),
            controllers: Default::default(),
            nodelifecycle: Default::default(),
            daemonsets: Default::default(),
            recent_changes: VecDeque::new(),
            change_seq: 0,
            watch_tap: None,
            change_cause: None,
            kubeconfig_namespace: None,
            terminal: None,
            host_shell: Default::default(),
        };
        cluster.bootstrap();
        cluster
    }

    /// Creates the namespaces every cluster starts with.
    fn bootstrap(&mut self) {
        if self
            .store
            .get_named(res("Namespace"), "", "default")
            .is_some()
        {
            return;
        }
        for ns in ["default", "kube-node-lease", "kube-public", "kube-system"] {
            let obj = Value::from_pairs([
                ("apiVersion", Value::str("v1")),
                ("kind", Value::str("Namespace")),
                ("metadata", Value::from_pairs([("name", Value::str(ns))])),
            ]);
            if self
                .create(obj, &crate::apiserver::WriteOptions::system())
                .is_err()
            {
                panic!("system namespaces are valid");
            }
        }
        // kube-apiserver registers its group versions' APIServices, from
        // a random stream of their own (the user's names stay the same).
        let main_rng =
            std::mem::replace(&mut self.rng, Rng::new(self.seed ^ 0x6167_6772_6567_6174));
        crate::apiserver::aggregator::register_local(self);
        self.settle();
        self.rng = main_rng;
        self.settle();
    }

    /// The seed every random choice derives from.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Simulated milliseconds since the cluster started.
    pub fn now_ms(&self) -> Millis {
        self.now
    }

    /// The object store (read-only).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The recent activity log, oldest first (at most the last
    /// [`ACTIVITY_KEPT`]·2 lines).
    pub fn activity(&self) -> &[Activity] {
        &self.activity
    }

    /// How many activity lines were ever noted: a position that only moves
    /// forward, for [`Cluster::activity_since`].
    pub fn activity_count(&self) -> u64 {
        self.activity_dropped + self.activity.len() as u64
    }

    /// The activity lines noted after the first `count` (those still kept).
    pub fn activity_since(&self, count: u64) -> &[Activity] {
        let skip = count.saturating_sub(self.activity_dropped) as usize;
        &self.activity[skip.min(self.activity.len())..]
    }

    /// The recorded Events (read-only), for `kubectl get events` and the UI.
    pub fn events(&self) -> &EventLog {
        &self.events
    }

    /// Advances simulated time by `dt_ms`, running everything that falls due.
    pub fn step(&mut self, dt_ms: Millis) {
        let target = self.now.saturating_add(dt_ms);
        self.settle();
        while let Some(Reverse(next)) = self.timers.peek() {
            if next.at > target {
                break;
            }
            let Reverse(timer) = self.timers.pop().expect("peeked above");
            self.now = self.now.max(timer.at);
            self.run_task(timer.task);
            self.settle();
        }
        self.now = target;
        self.event_series_passes();
        self.events.expire(self.now);
    }

    /// How many timers are pending (an idle cluster has none).
    pub fn pending_timer_count(&self) -> usize {
        self.timers.len()
    }

    /// The simulated time of the next scheduled work, if any.
    pub fn next_timer_at(&self) -> Option<Millis> {
        self.timers.peek().map(|Reverse(t)| t.at)
    }

    /// The pending timers' tasks that are not about kube-system objects
    /// (the system pods' probes and the add-ons' requeues), soonest first:
    /// what tests check to see that their own objects left nothing behind.
    #[cfg(test)]
    pub(crate) fn user_timers(&self) -> Vec<String> {
        let mut timers: Vec<&Timer> = self.timers.iter().map(|Reverse(t)| t).collect();
        timers.compact_sort();
        timers
            .into_iter()
            .map(|t| format!("{} {:?}", t.at, t.task))
            .filter(|t| !t.contains("namespace: \"kube-system\""))
            .collect()
    }

    /// Schedules `task` to run `delay` milliseconds from now.
    pub(crate) fn schedule(&mut self, delay: Millis, task: Task) {
        self.timer_seq += 1;
        self.timers.push(Reverse(Timer {
            at: self.now.saturating_add(delay),
            seq: self.timer_seq,
            task,
        }));
    }

    /// Notes what a component did, for the activity log.
    pub(crate) fn note(&mut self, component: &str, message: String) {
        if self.activity.len() >= 2 * ACTIVITY_KEPT {
            self.activity.drain(..ACTIVITY_KEPT);
            self.activity_dropped += ACTIVITY_KEPT as u64;
        }
        self.activity.push(Activity {
            at: self.now,
            component: component.to_string(),
            message,
        });
    }

    fn run_task(&mut self, task: Task) {
        match task {
            Task::Requeue(controller, key) => {
                self.queues[controller.queue_index()].add(key);
            }
            // A pod on a node whose kubelet is down stays Terminating: only
            // the kubelet can confirm its containers stopped.
            Task::PodGraceExpired(key) => {
                if crate::kubelet::may_expire_grace(self, &key) {
                    self.finish_pod_deletion(&key)
                }
            }
            Task::Scheduler(t) => crate::scheduler::run_task(self, t),
            Task::Kubelet(t) => crate::kubelet::run_task(self, t),
            Task::NodeLifecycle(t) => crate::controllers::nodelifecycle::run_task(self, t),
            Task::Network(t) => crate::network::run_task(self, t),
        }
    }

    /// Dispatches pending watch events to the controllers and runs them
    /// until nothing more happens at this instant.
    pub(crate) fn settle(&mut self) {
        for _ in 0..MAX_SETTLE_ROUNDS {
            let events = self.store.take_events();
            for event in &events {
                self.dispatch(event);
            }
            if std::mem::take(&mut self.controllers.aggregation_pending) {
                crate::controllers::clusterroleaggregation::sync(self);
            }
            if std::mem::take(&mut self.controllers.apiservice_pending) {
                crate::apiserver::aggregator::sync(self);
            }
            if let Some((watched, tap)) = &mut self.watch_tap {
                tap.extend(
                    events
                        .iter()
                        .filter(|e| e.key.resource == *watched)
                        .cloned(),
                );
            }
            for event in events {
                self.change_seq += 1;
                if self.recent_changes.len() == RECENT_CHANGES {
                    self.recent_changes.pop_front();
                }
                self.recent_changes.push_back(event);
            }
            if let Some((controller, key)) = self.next_work() {
                self.reconcile(controller, &key);
                continue;
            }
            // Controllers are idle: the scheduler binds, kubelets and the
            // network react, in that order.
            if crate::scheduler::work(self)
                || crate::kubelet::work(self)
                || crate::network::work(self)
            {
                continue;
            }
            if !self.store.has_events() {
                return;
            }
        }
        self.note(
            "kube-controller-manager",
            format!("stopped settling after {MAX_SETTLE_ROUNDS} rounds"),
        );
    }

    fn next_work(&mut self) -> Option<(Controller, ObjectKey)> {
        Controller::ALL
            .into_iter()
            .zip(&mut self.queues)
            .find_map(|(controller, queue)| Some((controller, queue.pop()?)))
    }

    /// Wakes the components that care about a change.
    fn dispatch(&mut self, event: &WatchEvent) {
        if self.controllers.off {
            crate::scheduler::on_change(self, event);
            return;
        }
        crate::controllers::on_change(self, event);
        crate::controllers::nodelifecycle::on_change(self, event);
        crate::scheduler::on_change(self, event);
        crate::kubelet::on_change(self, event);
        crate::network::on_change(self, event);
        let kind = event.key.resource.get().kind;
        let obj = self.store.get(&event.key).or(event.old.as_ref()).cloned();
        // Owners of the changed object hear about it (RS for pods, Deployment for RSs).
        if let Some(obj) = &obj {
            for owner in obj.at(&["metadata", "ownerReferences"]).items() {
                let Some(owner_kind) = owner.get("kind").as_str() else {
                    continue;
                };
                let controller = match owner_kind {
                    "ReplicaSet" => Controller::ReplicaSet,
                    "ReplicationController" => Controller::ReplicationController,
                    "Deployment" => Controller::Deployment,
                    "DaemonSet" => Controller::DaemonSet,
                    "Job" => Controller::Job,
                    "CronJob" => Controller::CronJob,
                    "StatefulSet" => Controller::StatefulSet,
                    _ => continue,
                };
                if let (Some(r), Some(name)) = (by_kind(owner_kind), owner.get("name").as_str()) {
                    let key = ObjectKey::new(r, &event.key.namespace, name);
                    if matches!(
                        controller,
                        Controller::DaemonSet
                            | Controller::Job
                            | Controller::CronJob
                            | Controller::StatefulSet
                    ) {
                        // One sync after a burst of its pods' changes (a
                        // DaemonSet's sync walks every node).
                        crate::controllers::requeue_after(self, controller, &key, 0);
                    } else {
                        self.queues[controller.queue_index()].add(key);
                    }
                }
            }
        }
        match kind {
            "ReplicaSet" => self.enqueue(Controller::ReplicaSet, event.key.clone()),
            "ReplicationController" => {
                self.enqueue(Controller::ReplicationController, event.key.clone());
            }
            "Deployment" => self.enqueue(Controller::Deployment, event.key.clone()),
            "Namespace" => self.enqueue(Controller::Namespace, event.key.clone()),
            // One sync after the round's events (boot makes 72 at once).
            "ClusterRole" => self.controllers.aggregation_pending = true,
            "APIService" | "Service" | "EndpointSlice"
                if crate::apiserver::aggregator::concerns(self, &event.key, obj.as_ref()) =>
            {
                self.controllers.apiservice_pending = true;
            }
            _ => {}
        }
        if event.kind == crate::store::WatchEventType::Deleted {
            if let Some(old) = &event.old {
                self.gc_on_delete(old);
            }
        } else if obj
            .as_ref()
            .is_some_and(|o| !o.at(&["metadata", "deletionTimestamp"]).is_null())
        {
            self.enqueue(Controller::GarbageCollector, event.key.clone());
        }
    }

    pub(crate) fn enqueue(&mut self, controller: Controller, key: ObjectKey) {
        self.queues[controller.queue_index()].add(key);
    }

    fn reconcile(&mut self, controller: Controller, key: &ObjectKey) {
        match controller {
            Controller::GarbageCollector => crate::controllers::gc::reconcile(self, key),
            Controller::Namespace => crate::controllers::namespace::reconcile(self, key),
            Controller::ReplicaSet
            | Controller::Deployment
            | Controller::Endpoints
            | Controller::EndpointSlice
            | Controller::DaemonSet
            | Controller::Job
            | Controller::CronJob
            | Controller::ReplicationController
            | Controller::PersistentVolume
            | Controller::StatefulSet
            | Controller::HorizontalPodAutoscaler
            | Controller::Disruption
            | Controller::ResourceQuota => {
                crate::controllers::reconcile(self, controller, key);
            }
        }
    }

    /// Recent watch events with their sequence numbers, oldest first.
    pub fn recent_changes(&self) -> impl Iterator<Item = (u64, &WatchEvent)> {
        let first = self.change_seq + 1 - self.recent_changes.len() as u64;
        self.recent_changes
            .iter()
            .enumerate()
            .map(move |(i, e)| (first + i as u64, e))
    }

    /// The nodes, control plane first, then workers by name.
    pub fn nodes(&self) -> Vec<NodeSummary> {
        let mut nodes: Vec<NodeSummary> = self
            .store
            .list(res("Node"), None)
            .map(|(_, node)| {
                let role = if node
                    .at(&["metadata", "labels"])
                    .as_object()
                    .is_some_and(|l| l.contains_key("node-role.kubernetes.io/control-plane"))
                {
                    NodeRole::ControlPlane
                } else {
                    NodeRole::Worker
                };
                let q = |name: &str| {
                    node.at(&["status", "allocatable", name])
                        .as_str()
                        .and_then(|s| Quantity::parse(s).ok())
                        .unwrap_or(Quantity::from_units(0))
                };
                NodeSummary {
                    name: node.str_at(&["metadata", "name"]).unwrap_or("").to_string(),
                    role,
                    cpu: q("cpu"),
                    memory: q("memory"),
                    pods: q("pods").value(),
                }
            })
            .collect();
        nodes.compact_sort_by(|a, b| {
            (a.role != NodeRole::ControlPlane, &a.name)
                .cmp(&(b.role != NodeRole::ControlPlane, &b.name))
        });
        nodes
    }
}

/// The resource id of a built-in kind (panics on a typo, caught by tests).
pub(crate) fn res(kind: &str) -> ResourceId {
    by_kind(kind).unwrap_or_else(|| panic!("unknown built-in kind {kind}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_activity_log_keeps_the_recent_lines_and_counts_them_all() {
        let mut c = Cluster::empty(1);
        for i in 0..25_000 {
            c.note("kube-scheduler", format!("line {i}"));
        }
        assert!(c.activity().len() <= 2 * ACTIVITY_KEPT);
        assert!(c.activity().len() >= ACTIVITY_KEPT);
        assert_eq!(c.activity_count(), 25_000);
        let recent: Vec<&str> = c
            .activity_since(24_997)
            .iter()
            .map(|a| a.message.as_str())
            .collect();
        assert_eq!(recent, ["line 24997", "line 24998", "line 24999"]);
        // A reader that fell behind the kept lines gets what is kept.
        assert_eq!(c.activity_since(0).len(), c.activity().len());
        assert!(c.activity_since(25_000).is_empty());
    }

    #[test]
    fn default_cluster_has_a_control_plane_and_three_workers() {
        let cluster = Cluster::new(1);
        let nodes = cluster.nodes();
        let names: Vec<_> = nodes.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["control-plane", "node-1", "node-2", "node-3"]);
        assert_eq!(nodes[0].role, NodeRole::ControlPlane);
        for worker in &nodes[1..] {
            assert_eq!(worker.role, NodeRole::Worker);
            assert_eq!(worker.cpu.to_string(), "4");
            assert_eq!(worker.memory.to_string(), "8Gi");
            assert_eq!(worker.pods, 110);
        }
        let ns: Vec<_> = cluster
            .store()
            .list(res("Namespace"), None)
            .map(|(k, _)| k.1.to_string())
            .collect();
        assert_eq!(
            ns,
            ["default", "kube-node-lease", "kube-public", "kube-system"]
        );
    }

    #[test]
    fn step_advances_simulated_time() {
        let mut cluster = Cluster::new(7);
        cluster.step(1500);
        cluster.step(500);
        assert_eq!(cluster.now_ms(), BOOT_MS + 2000);
        assert_eq!(cluster.booted_at(), BOOT_MS);
        assert_eq!(cluster.seed(), 7);
    }
}
