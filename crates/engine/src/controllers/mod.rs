//! kube-controller-manager's controllers: each reconciles one object at a
//! time from what the store holds, writing only through the API server.
//!
//! The workload controllers (ReplicaSet, Deployment, Endpoints,
//! EndpointSlice) share [`ControllersState`]: indexes kept up to date from
//! watch events, like the informer indexers of the real controllers, so a
//! reconcile touches the objects it is about instead of scanning every pod.

pub mod clusterroleaggregation;
pub mod cronjob;
pub mod daemonset;
pub mod deployment;
pub mod disruption;
pub mod endpoints;
pub mod endpointslice;
pub mod gc;
pub mod history;
pub mod hpa;
pub mod job;
pub mod namespace;
pub mod nodelifecycle;
pub mod replicaset;
pub mod resourcequota;
pub mod statefulset;
pub mod volume;

use crate::scheduler::util::FxMap;
use crate::sort::CompactSort;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use crate::cluster::{Cluster, Controller, Task, res};
use crate::store::{ObjectKey, WatchEvent, WatchEventType};
use crate::time::{Millis, parse_rfc3339};
use crate::value::Value;

/// A namespaced name, the key of the indexes.
type NsName = (Rc<str>, Rc<str>);

/// (namespace, label key, label value)
type LabelKey = (Rc<str>, Rc<str>, Rc<str>);

/// What the controllers remember of one pod.
#[derive(Clone, Debug, PartialEq)]
struct PodEntry {
    labels: Value,
    /// UID of the owner reference with `controller: true`.
    controller: Option<Rc<str>>,
    node: Rc<str>,
    /// Phase Succeeded or Failed.
    terminal: bool,
    /// Has a deletionTimestamp.
    deleting: bool,
    /// The Ready condition is True.
    ready: bool,
    /// When the Ready condition last turned True.
    ready_at: Option<Millis>,
}

impl PodEntry {
    fn of(pod: &Value) -> PodEntry {
        let phase = pod.str_at(&["status", "phase"]).unwrap_or("");
        let (ready, ready_at) = pod_ready(pod);
        PodEntry {
            labels: pod.at(&["metadata", "labels"]).clone(),
            controller: controller_uid(pod).map(Rc::from),
            node: Rc::from(pod.str_at(&["spec", "nodeName"]).unwrap_or("")),
            terminal: matches!(phase, "Succeeded" | "Failed"),
            deleting: is_deleting(pod),
            ready,
            ready_at,
        }
    }

    /// `controller.IsPodActive`: not finished and not being deleted.
    fn active(&self) -> bool {
        !self.terminal && !self.deleting
    }
}

/// The pods one controller (a ReplicaSet, usually) owns, with the counts
/// its status is made of, maintained as pods change.
#[derive(Clone, Debug, Default)]
pub(crate) struct OwnedPods {
    names: BTreeSet<Rc<str>>,
    /// Active pods (not terminal, not terminating).
    pub(crate) active: i64,
    /// Active pods whose Ready condition is True.
    pub(crate) ready: i64,
    /// Active ready pods by the time they became ready. The counts are
    /// i64s kept in two's complement (a map type the bundle already has).
    ready_at: BTreeMap<Millis, u64>,
    /// Terminating pods that have not finished.
    pub(crate) terminating: i64,
    /// Pods not in phase Succeeded or Failed (terminating ones included).
    pub(crate) non_terminal: i64,
    /// The owner's pod template labels, for `fullyLabeledReplicas`.
    template_labels: Option<Value>,
    /// Active pods carrying all template labels.
    pub(crate) fully_labeled: i64,
    /// Pods that joined or whose labels changed since the owner last
    /// checked them against its selector.
    dirty: BTreeSet<Rc<str>>,
}

impl OwnedPods {
    fn account(&mut self, entry: &PodEntry, sign: i64) {
        if entry.active() {
            self.active += sign;
            if entry.ready {
                self.ready += sign;
                if let Some(t) = entry.ready_at {
                    let n = self.ready_at.entry(t).or_insert(0);
                    *n = n.wrapping_add_signed(sign);
                    if *n == 0 {
                        self.ready_at.remove(&t);
                    }
                }
            }
            if self
                .template_labels
                .as_ref()
                .is_some_and(|t| labels_contain(&entry.labels, t))
            {
                self.fully_labeled += sign;
            }
        }
        if entry.deleting && !entry.terminal {
            self.terminating += sign;
        }
        if !entry.terminal {
            self.non_terminal += sign;
        }
    }

    /// Active ready pods that have been ready for `min_ready_seconds`
    /// (`podutil.IsPodAvailable`: ready time + minReadySeconds <= now).
    pub(crate) fn available(&self, min_ready_seconds: i64, now: Millis) -> i64 {
        if min_ready_seconds <= 0 {
            return self.ready;
        }
        let window = min_ready_seconds as u64 * 1000;
        match now.checked_sub(window) {
            Some(cutoff) => self
                .ready_at
                .range(..=cutoff)
                .fold(0u64, |sum, (_, n)| sum.wrapping_add(*n)) as i64,
            None => 0,
        }
    }

    /// How long until the next ready pod becomes available
    /// (`controller.FindMinNextPodAvailabilityCheck`).
    pub(crate) fn next_available_in(&self, min_ready_seconds: i64, now: Millis) -> Option<Millis> {
        let window = min_ready_seconds.max(0) as u64 * 1000;
        let cutoff = now.saturating_sub(window);
        self.ready_at
            .range(cutoff..)
            .map(|(t, _)| t + window)
            .find(|at| *at > now)
            .map(|at| at - now)
    }
}

/// What the Endpoints and EndpointSlice controllers' trigger-time trackers
/// remember per Service (`endpointsliceutil.TriggerTimeTracker`).
#[derive(Clone, Debug, Default)]
pub(crate) struct ServiceTriggerState {
    service: Option<Millis>,
    pods: BTreeMap<Rc<str>, Millis>,
}

/// The time of the first change that made a Service's endpoints sync, for
/// the `endpoints.kubernetes.io/last-change-trigger-time` annotation.
#[derive(Clone, Debug, Default)]
pub(crate) struct TriggerTimeTracker {
    services: FxMap<NsName, ServiceTriggerState>,
}

impl TriggerTimeTracker {
    /// `ComputeEndpointLastChangeTriggerTime`: the Service's creation time
    /// on its first sync, else the earliest pod Ready transition (or
    /// Service creation) that changed since the last sync.
    pub(crate) fn compute(&mut self, service: &Value, pods: &[&Value]) -> Option<Millis> {
        let key = ns_name(service);
        let was_known = self.services.contains_key(&key);
        let state = self.services.remove(&key).unwrap_or_default();
        let mut next = ServiceTriggerState::default();
        let mut min_changed: Option<Millis> = None;
        for pod in pods {
            let Some(t) = pod_ready_condition(pod)
                .and_then(|c| c.get("lastTransitionTime").as_str())
                .and_then(parse_rfc3339)
            else {
                continue;
            };
            let name: Rc<str> = Rc::from(pod.str_at(&["metadata", "name"]).unwrap_or(""));
            if state.pods.get(&name).is_none_or(|last| t > *last) {
                min_changed = Some(min_changed.map_or(t, |m| m.min(t)));
            }
            next.pods.insert(name, t);
        }
        let created = creation_time(service);
        if let Some(t) = created
            && state.service.is_none_or(|last| t > last)
        {
            min_changed = Some(min_changed.map_or(t, |m| m.min(t)));
        }
        next.service = created;
        self.services.insert(key, next);
        if !was_known {
            return created;
        }
        min_changed
    }

    /// Forgets a deleted Service.
    pub(crate) fn delete_service(&mut self, namespace: &str, name: &str) {
        self.services.remove(&(Rc::from(namespace), Rc::from(name)));
    }
}

/// The workload controllers' shared indexes, updated from watch events.
#[derive(Clone, Debug, Default)]
pub struct ControllersState {
    /// Set only by the scheduling benchmark: no kube-controller-manager
    /// runs, as in kube's scheduler_perf (API server and scheduler only).
    pub(crate) off: bool,
    /// Aggregation syncs in a row that rewrote a ClusterRole: a bound on
    /// roles that aggregate each other without settling.
    pub(crate) aggregation_streak: u32,
    /// A ClusterRole changed since the aggregation controller last synced.
    pub(crate) aggregation_pending: bool,
    /// An APIService, or a Service or Endpoints one names, changed since
    /// the aggregator's availability controller last synced.
    pub(crate) apiservice_pending: bool,
    /// Every pod, by namespace and name.
    pods: FxMap<NsName, PodEntry>,
    /// Pods by the UID of their controller.
    owners: FxMap<Rc<str>, OwnedPods>,
    /// Pods without a controller, by namespace.
    orphans: FxMap<Rc<str>, BTreeSet<Rc<str>>>,
    /// Bumped whenever a namespace's orphan pods change, so owners look
    /// for pods to adopt only when there may be new candidates.
    orphan_generation: FxMap<Rc<str>, u64>,
    /// The orphan generation each ReplicaSet (by UID) last looked at.
    orphans_seen: FxMap<Rc<str>, u64>,
    /// Pod names by (namespace, label key, label value).
    labels: FxMap<LabelKey, BTreeSet<Rc<str>>>,
    /// Every ReplicaSet, with the UID of its controller.
    replica_sets: FxMap<NsName, Option<Rc<str>>>,
    /// ReplicaSet names by the UID of their controller.
    rs_by_owner: FxMap<Rc<str>, BTreeSet<Rc<str>>>,
    /// ReplicaSets without a controller, by namespace.
    rs_orphans: FxMap<Rc<str>, BTreeSet<Rc<str>>>,
    /// Every EndpointSlice, with the Service it names.
    slices: FxMap<NsName, Option<Rc<str>>>,
    /// EndpointSlice names by Service.
    slices_by_service: FxMap<NsName, BTreeSet<Rc<str>>>,
    /// The HorizontalPodAutoscaler controller's recommendations and scale
    /// events, by HPA.
    pub(crate) hpa: FxMap<ObjectKey, hpa::HpaMemory>,
    /// Pending `requeue after` timers, so one key has one timer.
    requeues: FxMap<(Controller, ObjectKey), Millis>,
    /// Consecutive failed syncs per key, for the rate-limited retry.
    failures: FxMap<(Controller, ObjectKey), u32>,
    /// The Endpoints controller's trigger times.
    pub(crate) endpoints_triggers: TriggerTimeTracker,
    /// The EndpointSlice controller's trigger times.
    pub(crate) slice_triggers: TriggerTimeTracker,
}

impl ControllersState {
    /// Re-reads one pod into the indexes; returns what it was and is.
    fn refresh_pod(
        &mut self,
        namespace: &Rc<str>,
        name: &Rc<str>,
        pod: Option<&Value>,
    ) -> (Option<PodEntry>, Option<PodEntry>) {
        let key = (namespace.clone(), name.clone());
        let old = self.pods.remove(&key);
        let new = pod.map(PodEntry::of);
        if old == new {
            if let Some(entry) = &new {
                self.pods.insert(key, entry.clone());
            }
            return (old, new);
        }
        // Label sets only move when labels do (readiness changes are common).
        let relabelled = old.as_ref().map(|o| &o.labels) != new.as_ref().map(|n| &n.labels);
        let orphan_view = |e: &Option<PodEntry>| {
            e.as_ref()
                .filter(|e| e.controller.is_none())
                .map(|e| (e.labels.clone(), e.active()))
        };
        if orphan_view(&old) != orphan_view(&new) {
            *self.orphan_generation.entry(namespace.clone()).or_insert(0) += 1;
        }
        if let Some(entry) = &old {
            self.unindex_pod(namespace, name, entry, relabelled);
        }
        if let Some(entry) = &new {
            let dirty = relabelled
                || old
                    .as_ref()
                    .is_none_or(|o| o.controller != entry.controller);
            self.index_pod(namespace, name, entry, relabelled, dirty);
            self.pods.insert(key, entry.clone());
        }
        (old, new)
    }

    fn unindex_pod(&mut self, namespace: &Rc<str>, name: &Rc<str>, entry: &PodEntry, labels: bool) {
        if labels {
            for (k, v) in entry.labels.members() {
                let label = (
                    namespace.clone(),
                    Rc::from(k),
                    Rc::from(v.as_str().unwrap_or("")),
                );
                if let Some(set) = self.labels.get_mut(&label) {
                    set.remove(name);
                    if set.is_empty() {
                        self.labels.remove(&label);
                    }
                }
            }
        }
        match &entry.controller {
            Some(uid) => {
                if let Some(owned) = self.owners.get_mut(uid) {
                    owned.account(entry, -1);
                    owned.names.remove(name);
                    owned.dirty.remove(name);
                    if owned.names.is_empty() {
                        self.owners.remove(uid);
                    }
                }
            }
            None => {
                if let Some(set) = self.orphans.get_mut(namespace) {
                    set.remove(name);
                    if set.is_empty() {
                        self.orphans.remove(namespace);
                    }
                }
            }
        }
    }

    fn index_pod(
        &mut self,
        namespace: &Rc<str>,
        name: &Rc<str>,
        entry: &PodEntry,
        labels: bool,
        dirty: bool,
    ) {
        if labels {
            for (k, v) in entry.labels.members() {
                self.labels
                    .entry((
                        namespace.clone(),
                        Rc::from(k),
                        Rc::from(v.as_str().unwrap_or("")),
                    ))
                    .or_default()
                    .insert(name.clone());
            }
        }
        match &entry.controller {
            Some(uid) => {
                let owned = self.owners.entry(uid.clone()).or_default();
                owned.names.insert(name.clone());
                owned.account(entry, 1);
                if dirty {
                    owned.dirty.insert(name.clone());
                }
            }
            None => {
                self.orphans
                    .entry(namespace.clone())
                    .or_default()
                    .insert(name.clone());
            }
        }
    }

    /// The pods controlled by the object with `uid`.
    pub(crate) fn owned(&self, uid: &str) -> Option<&OwnedPods> {
        self.owners.get(uid)
    }

    /// Names of the pods controlled by `uid`, in name order.
    pub(crate) fn owned_names(&self, uid: &str) -> Vec<Rc<str>> {
        self.owners
            .get(uid)
            .map(|o| o.names.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Records the owner's template labels; recounts fully labeled pods
    /// when they changed.
    fn set_template_labels(&mut self, namespace: &Rc<str>, uid: &str, labels: &Value) {
        let Some(owned) = self.owners.get_mut(uid) else {
            return;
        };
        if owned.template_labels.as_ref() == Some(labels) {
            return;
        }
        owned.template_labels = Some(labels.clone());
        let mut count = 0;
        for name in &owned.names {
            if let Some(entry) = self.pods.get(&(namespace.clone(), name.clone()))
                && entry.active()
                && labels_contain(&entry.labels, labels)
            {
                count += 1;
            }
        }
        owned.fully_labeled = count;
    }

    /// Pods of `uid` to check against its selector, forgetting them.
    fn take_dirty(&mut self, uid: &str) -> Vec<Rc<str>> {
        self.owners
            .get_mut(uid)
            .map(|o| std::mem::take(&mut o.dirty).into_iter().collect())
            .unwrap_or_default()
    }

    /// Puts a pod back on its owner's list of pods to check.
    fn mark_dirty(&mut self, uid: &str, name: &Rc<str>) {
        if let Some(owned) = self.owners.get_mut(uid) {
            owned.dirty.insert(name.clone());
        }
    }

    /// Orphan pods of a namespace when they changed since the owner with
    /// `uid` last looked, recording that it looked now.
    fn new_orphans(&mut self, namespace: &Rc<str>, uid: &str) -> Vec<Rc<str>> {
        let generation = self.orphan_generation.get(namespace).copied().unwrap_or(0);
        let seen = self.orphans_seen.insert(Rc::from(uid), generation);
        if seen == Some(generation) {
            return Vec::new();
        }
        self.orphans
            .get(namespace)
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Forgets what was remembered about a deleted owner.
    fn forget_owner(&mut self, uid: &str) {
        self.orphans_seen.remove(uid);
    }

    /// Names of the pods in `namespace` whose labels include all of
    /// `selector` (a Service's selector map), in name order.
    pub(crate) fn pods_matching(&self, namespace: &Rc<str>, selector: &Value) -> Vec<Rc<str>> {
        let mut smallest: Option<&BTreeSet<Rc<str>>> = None;
        for (k, v) in selector.members() {
            let key = (
                namespace.clone(),
                Rc::from(k),
                Rc::from(v.as_str().unwrap_or("")),
            );
            match self.labels.get(&key) {
                None => return Vec::new(),
                Some(set) => {
                    if smallest.is_none_or(|s| set.len() < s.len()) {
                        smallest = Some(set);
                    }
                }
            }
        }
        let candidates: Vec<Rc<str>> = match smallest {
            Some(set) => set.iter().cloned().collect(),
            // An empty selector selects every pod of the namespace.
            None => {
                let mut all: Vec<Rc<str>> = self
                    .pods
                    .keys()
                    .filter(|(ns, _)| ns == namespace)
                    .map(|(_, n)| n.clone())
                    .collect();
                all.compact_sort();
                all
            }
        };
        candidates
            .into_iter()
            .filter(|name| {
                self.pods
                    .get(&(namespace.clone(), name.clone()))
                    .is_some_and(|e| labels_contain(&e.labels, selector))
            })
            .collect()
    }

    fn refresh_replica_set(&mut self, namespace: &Rc<str>, name: &Rc<str>, rs: Option<&Value>) {
        let key = (namespace.clone(), name.clone());
        if let Some(old) = self.replica_sets.remove(&key) {
            match old {
                Some(uid) => {
                    if let Some(set) = self.rs_by_owner.get_mut(&uid) {
                        set.remove(name);
                        if set.is_empty() {
                            self.rs_by_owner.remove(&uid);
                        }
                    }
                }
                None => {
                    if let Some(set) = self.rs_orphans.get_mut(namespace) {
                        set.remove(name);
                        if set.is_empty() {
                            self.rs_orphans.remove(namespace);
                        }
                    }
                }
            }
        }
        if let Some(rs) = rs {
            let owner: Option<Rc<str>> = controller_uid(rs).map(Rc::from);
            match &owner {
                Some(uid) => {
                    self.rs_by_owner
                        .entry(uid.clone())
                        .or_default()
                        .insert(name.clone());
                }
                None => {
                    self.rs_orphans
                        .entry(namespace.clone())
                        .or_default()
                        .insert(name.clone());
                }
            }
            self.replica_sets.insert(key, owner);
        }
    }

    /// ReplicaSets controlled by `uid` and the namespace's orphan ones.
    pub(crate) fn replica_sets_for(
        &self,
        namespace: &Rc<str>,
        uid: &str,
    ) -> (Vec<Rc<str>>, Vec<Rc<str>>) {
        let owned = self
            .rs_by_owner
            .get(uid)
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default();
        let orphans = self
            .rs_orphans
            .get(namespace)
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default();
        (owned, orphans)
    }

    fn refresh_slice(&mut self, namespace: &Rc<str>, name: &Rc<str>, slice: Option<&Value>) {
        let key = (namespace.clone(), name.clone());
        if let Some(Some(service)) = self.slices.remove(&key) {
            let skey = (namespace.clone(), service);
            if let Some(set) = self.slices_by_service.get_mut(&skey) {
                set.remove(name);
                if set.is_empty() {
                    self.slices_by_service.remove(&skey);
                }
            }
        }
        if let Some(slice) = slice {
            let service: Option<Rc<str>> = slice
                .str_at(&["metadata", "labels", "kubernetes.io/service-name"])
                .map(Rc::from);
            if let Some(service) = &service {
                self.slices_by_service
                    .entry((namespace.clone(), service.clone()))
                    .or_default()
                    .insert(name.clone());
            }
            self.slices.insert(key, service);
        }
    }

    /// Names of the EndpointSlices labelled with a Service's name.
    pub(crate) fn slices_of(&self, namespace: &Rc<str>, service: &str) -> Vec<Rc<str>> {
        self.slices_by_service
            .get(&(namespace.clone(), Rc::from(service)))
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default()
    }
}

/// Runs one reconcile of a workload controller (ReplicaSet, Deployment,
/// Endpoints, EndpointSlice).
pub(crate) fn reconcile(cluster: &mut Cluster, controller: Controller, key: &ObjectKey) {
    let slot = (controller, key.clone());
    if cluster
        .controllers
        .requeues
        .get(&slot)
        .is_some_and(|at| *at <= cluster.now)
    {
        cluster.controllers.requeues.remove(&slot);
    }
    match controller {
        Controller::ReplicaSet | Controller::ReplicationController => {
            replicaset::reconcile(cluster, key);
        }
        Controller::Deployment => deployment::reconcile(cluster, key),
        Controller::Endpoints => endpoints::reconcile(cluster, key),
        Controller::DaemonSet => daemonset::reconcile(cluster, key),
        Controller::EndpointSlice => endpointslice::reconcile(cluster, key),
        Controller::Job => job::reconcile(cluster, key),
        Controller::CronJob => cronjob::reconcile(cluster, key),
        Controller::PersistentVolume => volume::reconcile(cluster, key),
        Controller::StatefulSet => statefulset::reconcile(cluster, key),
        Controller::HorizontalPodAutoscaler => hpa::reconcile(cluster, key),
        Controller::Disruption => disruption::reconcile(cluster, key),
        Controller::ResourceQuota => resourcequota::reconcile(cluster, key),
        Controller::GarbageCollector | Controller::Namespace => {}
    }
}

/// Hears about every change to the store: keeps the indexes current and
/// wakes the workload controllers that care about it (beyond the owner
/// references the cluster follows).
pub(crate) fn on_change(cluster: &mut Cluster, event: &WatchEvent) {
    let kind = event.key.resource.get().kind;
    daemonset::on_change(cluster, event);
    job::on_change(cluster, event);
    cronjob::on_change(cluster, event);
    volume::on_change(cluster, event);
    hpa::on_change(cluster, event);
    statefulset::on_change(cluster, event);
    disruption::on_change(cluster, event);
    resourcequota::on_change(cluster, event);
    match kind {
        "Pod" => pod_changed(cluster, event),
        "ReplicaSet" => replica_set_changed(cluster, event),
        "Service" => {
            cluster.enqueue(Controller::Endpoints, event.key.clone());
            cluster.enqueue(Controller::EndpointSlice, event.key.clone());
        }
        // Someone removed a Service's Endpoints: write them again.
        "Endpoints" if event.kind == WatchEventType::Deleted => {
            cluster.enqueue(
                Controller::Endpoints,
                service_key(&event.key.namespace, &event.key.name),
            );
        }
        "EndpointSlice" => {
            let current = cluster.store.get(&event.key).cloned();
            cluster.controllers.refresh_slice(
                &event.key.namespace,
                &event.key.name,
                current.as_ref(),
            );
            if event.kind == WatchEventType::Deleted
                && let Some(service) = event
                    .old
                    .as_ref()
                    .and_then(|o| o.str_at(&["metadata", "labels", "kubernetes.io/service-name"]))
            {
                cluster.enqueue(
                    Controller::EndpointSlice,
                    service_key(&event.key.namespace, service),
                );
            }
        }
        _ => {}
    }
}

fn service_key(namespace: &str, name: &str) -> ObjectKey {
    ObjectKey::new(res("Service"), namespace, name)
}

fn pod_changed(cluster: &mut Cluster, event: &WatchEvent) {
    let ns = event.key.namespace.clone();
    let name = event.key.name.clone();
    let current = cluster.store.get(&event.key).cloned();
    let (old_entry, new_entry) = cluster
        .controllers
        .refresh_pod(&ns, &name, current.as_ref());
    // A pod that left its controller wakes the one it left.
    if let Some(old) = &old_entry
        && let Some(old_uid) = &old.controller
        && new_entry
            .as_ref()
            .is_none_or(|n| n.controller.as_ref() != Some(old_uid))
        && let Some(owner) = event
            .old
            .as_ref()
            .and_then(|o| controller_ref(o))
            .filter(|r| r.get("uid").as_str() == Some(old_uid))
        && let Some(owner_kind @ ("ReplicaSet" | "ReplicationController")) =
            owner.get("kind").as_str()
        && let Some(owner_name) = owner.get("name").as_str()
    {
        let controller = if owner_kind == "ReplicaSet" {
            Controller::ReplicaSet
        } else {
            Controller::ReplicationController
        };
        cluster.enqueue(controller, ObjectKey::new(res(owner_kind), &ns, owner_name));
    }
    // An orphan that appeared or changed labels may be adopted.
    if let Some(new) = &new_entry
        && new.controller.is_none()
        && new.active()
        && old_entry
            .as_ref()
            .is_none_or(|o| o.labels != new.labels || o.controller.is_some() || !o.active())
    {
        for (kind, controller) in [
            ("ReplicaSet", Controller::ReplicaSet),
            ("ReplicationController", Controller::ReplicationController),
            ("StatefulSet", Controller::StatefulSet),
        ] {
            let candidates: Vec<ObjectKey> = cluster
                .store
                .list(res(kind), Some(&ns))
                .filter(|(_, rs)| {
                    let selector = replicaset::label_selector(rs);
                    !selector.is_empty() && crate::api::selector::matches(&selector, &new.labels)
                })
                .map(|((n, rs_name), _)| ObjectKey::new(res(kind), n, rs_name))
                .collect();
            for key in candidates {
                cluster.enqueue(controller, key);
            }
        }
    }
    // Recreate deployments wait for old pods to be gone.
    if event.kind == WatchEventType::Deleted
        && let Some(old) = &event.old
        && let Some(rs_ref) = controller_ref(old)
        && rs_ref.get("kind").as_str() == Some("ReplicaSet")
        && let Some(rs) = cluster.store.get_named(
            res("ReplicaSet"),
            &ns,
            rs_ref.get("name").as_str().unwrap_or(""),
        )
        && let Some(d_ref) = controller_ref(rs)
        && d_ref.get("kind").as_str() == Some("Deployment")
        && let Some(d_name) = d_ref.get("name").as_str()
        && cluster
            .store
            .get_named(res("Deployment"), &ns, d_name)
            .is_some_and(|d| d.str_at(&["spec", "strategy", "type"]) == Some("Recreate"))
    {
        let key = ObjectKey::new(res("Deployment"), &ns, d_name);
        cluster.enqueue(Controller::Deployment, key);
    }
    // Services selecting the pod before or after the change.
    if cluster
        .store
        .list(res("Service"), Some(&ns))
        .next()
        .is_some()
        && endpoints_relevant(event.old.as_ref(), current.as_ref())
    {
        let old_labels = event
            .old
            .as_ref()
            .map(|o| o.at(&["metadata", "labels"]).clone());
        let new_labels = current
            .as_ref()
            .map(|o| o.at(&["metadata", "labels"]).clone());
        let services: Vec<ObjectKey> = cluster
            .store
            .list(res("Service"), Some(&ns))
            .filter(|(_, svc)| {
                let selector = svc.at(&["spec", "selector"]);
                !selector.is_null()
                    && svc.str_at(&["spec", "type"]) != Some("ExternalName")
                    && (old_labels
                        .as_ref()
                        .is_some_and(|l| labels_contain(l, selector))
                        || new_labels
                            .as_ref()
                            .is_some_and(|l| labels_contain(l, selector)))
            })
            .map(|((n, svc_name), _)| service_key(n, svc_name))
            .collect();
        // Synced once everything else at this instant is done, so that a
        // burst of pod changes (a rollout, a node going away) costs one sync.
        for key in services {
            requeue_after(cluster, Controller::Endpoints, &key, 0);
            requeue_after(cluster, Controller::EndpointSlice, &key, 0);
        }
    }
}

/// Whether a pod change can change the endpoints of the Services that
/// select it (`podEndpointsChanged` plus label changes).
fn endpoints_relevant(old: Option<&Value>, new: Option<&Value>) -> bool {
    const FIELDS: [&[&str]; 8] = [
        &["metadata", "labels"],
        &["metadata", "deletionTimestamp"],
        &["status", "podIP"],
        &["status", "podIPs"],
        &["status", "phase"],
        &["spec", "nodeName"],
        &["spec", "hostname"],
        &["spec", "subdomain"],
    ];
    let has_ip = |p: &Value| !p.at(&["status", "podIP"]).is_empty();
    match (old, new) {
        // Pods without an IP are in no endpoints (scheduling, pulling).
        (Some(o), Some(n)) if !has_ip(o) && !has_ip(n) => {
            o.at(&["metadata", "labels"]) != n.at(&["metadata", "labels"])
        }
        (Some(o), Some(n)) => {
            FIELDS.iter().any(|path| o.at(path) != n.at(path))
                || pod_ready_condition(o) != pod_ready_condition(n)
        }
        _ => true,
    }
}

fn replica_set_changed(cluster: &mut Cluster, event: &WatchEvent) {
    let ns = event.key.namespace.clone();
    let name = event.key.name.clone();
    let current = cluster.store.get(&event.key).cloned();
    cluster
        .controllers
        .refresh_replica_set(&ns, &name, current.as_ref());
    if event.kind == WatchEventType::Deleted
        && let Some(uid) = event
            .old
            .as_ref()
            .and_then(|o| o.str_at(&["metadata", "uid"]))
    {
        cluster.controllers.forget_owner(uid);
    }
    // The controller it left hears about it.
    let old_ref = event.old.as_ref().and_then(|o| controller_ref(o)).cloned();
    let new_ref = current.as_ref().and_then(|o| controller_ref(o)).cloned();
    if let Some(old_ref) = &old_ref
        && new_ref.as_ref().map(|r| r.get("uid")) != Some(old_ref.get("uid"))
        && old_ref.get("kind").as_str() == Some("Deployment")
        && let Some(d_name) = old_ref.get("name").as_str()
    {
        cluster.enqueue(
            Controller::Deployment,
            ObjectKey::new(res("Deployment"), &ns, d_name),
        );
    }
    // An orphan may be adopted by a Deployment whose selector matches it.
    if let Some(rs) = &current
        && new_ref.is_none()
        && !is_deleting(rs)
    {
        let labels = rs.at(&["metadata", "labels"]).clone();
        let deployments: Vec<ObjectKey> = cluster
            .store
            .list(res("Deployment"), Some(&ns))
            .filter(|(_, d)| {
                let selector = d.at(&["spec", "selector"]);
                !selector.is_empty() && crate::api::selector::matches(selector, &labels)
            })
            .map(|((n, d_name), _)| ObjectKey::new(res("Deployment"), n, d_name))
            .collect();
        for key in deployments {
            cluster.enqueue(Controller::Deployment, key);
        }
    }
}

// ---------------------------------------------------------------------
// Helpers shared by the controllers.

/// The namespace and name of an object.
fn ns_name(obj: &Value) -> NsName {
    (
        Rc::from(obj.str_at(&["metadata", "namespace"]).unwrap_or("")),
        Rc::from(obj.str_at(&["metadata", "name"]).unwrap_or("")),
    )
}

/// The owner reference with `controller: true` (`metav1.GetControllerOf`).
pub(crate) fn controller_ref(obj: &Value) -> Option<&Value> {
    obj.at(&["metadata", "ownerReferences"])
        .items()
        .find(|r| r.get("controller").as_bool() == Some(true))
}

/// The UID of an object's controller.
pub(crate) fn controller_uid(obj: &Value) -> Option<&str> {
    controller_ref(obj).and_then(|r| r.get("uid").as_str())
}

/// `metav1.NewControllerRef`: a controller owner reference to `owner`.
pub(crate) fn new_controller_ref(owner: &Value) -> Value {
    Value::from_pairs([
        ("apiVersion", owner.get("apiVersion").clone()),
        ("blockOwnerDeletion", Value::Bool(true)),
        ("controller", Value::Bool(true)),
        ("kind", owner.get("kind").clone()),
        ("name", owner.at(&["metadata", "name"]).clone()),
        ("uid", owner.at(&["metadata", "uid"]).clone()),
    ])
}

/// An object a controller makes from a template (`GetPodFromTemplate`,
/// `getJobFromTemplate2`): `meta` (its name and namespace) with the
/// template's metadata `fields`, a controller reference to `owner`, and
/// the template's spec.
pub(crate) fn from_template(
    owner: &Value,
    template: &Value,
    (api_version, kind): (&str, &str),
    mut meta: Value,
    fields: &[&str],
) -> Value {
    for field in fields {
        let v = template.at(&["metadata", field]);
        if !v.is_empty() {
            meta.set(field, v.clone());
        }
    }
    meta.set(
        "ownerReferences",
        Value::array(vec![new_controller_ref(owner)]),
    );
    Value::from_pairs([
        ("apiVersion", Value::str(api_version)),
        ("kind", Value::str(kind)),
        ("metadata", meta),
        ("spec", template.get("spec").clone()),
    ])
}

/// `GetPodFromTemplate`: the pod a controller creates from its
/// `spec.template`, named from `generate_name`.
pub(crate) fn pod_from_template(owner: &Value, generate_name: &str) -> Value {
    let meta = Value::from_pairs([
        ("generateName", Value::str(generate_name)),
        ("namespace", owner.at(&["metadata", "namespace"]).clone()),
    ]);
    from_template(
        owner,
        owner.at(&["spec", "template"]),
        ("v1", "Pod"),
        meta,
        &["labels", "annotations", "finalizers"],
    )
}

/// `obj` with a controller reference to `owner` added (adoption).
pub(crate) fn with_controller_ref(obj: &Value, owner: &Value) -> Value {
    let mut obj = obj.clone();
    let mut refs: Vec<Value> = obj
        .at(&["metadata", "ownerReferences"])
        .items()
        .cloned()
        .collect();
    refs.push(new_controller_ref(owner));
    obj.set_at(&["metadata", "ownerReferences"], Value::array(refs));
    obj
}

/// `obj` without its owner reference to `uid` (release).
pub(crate) fn without_owner_ref(obj: &Value, uid: &str) -> Value {
    let mut obj = obj.clone();
    let refs: Vec<Value> = obj
        .at(&["metadata", "ownerReferences"])
        .items()
        .filter(|r| r.get("uid").as_str() != Some(uid))
        .cloned()
        .collect();
    if refs.is_empty() {
        obj.entry("metadata").remove("ownerReferences");
    } else {
        obj.set_at(&["metadata", "ownerReferences"], Value::array(refs));
    }
    obj
}

/// Whether an object has a deletionTimestamp.
pub(crate) fn is_deleting(obj: &Value) -> bool {
    !obj.at(&["metadata", "deletionTimestamp"]).is_null()
}

/// `maxContainerRestarts`: the most restarts of any of the pod's
/// containers (what ActivePods and ByLogging compare).
pub(crate) fn max_container_restarts(pod: &Value) -> i64 {
    pod.at(&["status", "containerStatuses"])
        .items()
        .filter_map(|c| c.get("restartCount").as_i64())
        .max()
        .unwrap_or(0)
}

/// An object's creationTimestamp in simulated milliseconds.
pub(crate) fn creation_time(obj: &Value) -> Option<Millis> {
    obj.str_at(&["metadata", "creationTimestamp"])
        .and_then(parse_rfc3339)
}

/// The pod's Ready condition.
pub(crate) fn pod_ready_condition(pod: &Value) -> Option<&Value> {
    pod.at(&["status", "conditions"])
        .items()
        .find(|c| c.get("type").as_str() == Some("Ready"))
}

/// Whether the pod is ready (`podutil.IsPodReady`) and since when.
pub(crate) fn pod_ready(pod: &Value) -> (bool, Option<Millis>) {
    match pod_ready_condition(pod) {
        Some(c) if c.get("status").as_str() == Some("True") => (
            true,
            c.get("lastTransitionTime").as_str().and_then(parse_rfc3339),
        ),
        _ => (false, None),
    }
}

/// Whether `labels` has every key/value of `wanted` (a plain map, like a
/// Service selector or a template's labels).
pub(crate) fn labels_contain(labels: &Value, wanted: &Value) -> bool {
    wanted.members().all(|(k, v)| labels.get(k) == v)
}

/// An integer field, or `default` when absent.
pub(crate) fn int_at(obj: &Value, path: &[&str], default: i64) -> i64 {
    obj.at(path).as_i64().unwrap_or(default)
}

/// `spec.replicas` of a Deployment or ReplicaSet (defaulted to 1).
pub(crate) fn spec_replicas(obj: &Value) -> i64 {
    int_at(obj, &["spec", "replicas"], 1)
}

/// Sets an integer status field, leaving it out when zero (`omitempty`).
pub(crate) fn set_count(status: &mut Value, field: &str, n: i64) {
    if n == 0 {
        status.remove(field);
    } else {
        status.set(field, Value::Int(n));
    }
}

/// Schedules a reconcile of `key` after `delay` (`queue.AddAfter`),
/// keeping at most one pending timer per key unless an earlier one is
/// wanted.
pub(crate) fn requeue_after(
    cluster: &mut Cluster,
    controller: Controller,
    key: &ObjectKey,
    delay: Millis,
) {
    let at = cluster.now.saturating_add(delay);
    let slot = (controller, key.clone());
    // A pending entry is removed when its sync runs, so one at `now` has
    // not fired yet.
    if let Some(&pending) = cluster.controllers.requeues.get(&slot)
        && pending >= cluster.now
        && pending <= at
    {
        return;
    }
    cluster.controllers.requeues.insert(slot, at);
    cluster.schedule(delay, Task::Requeue(controller, key.clone()));
}

/// Retries a failed sync with the controllers' exponential back-off
/// (`workqueue.DefaultControllerRateLimiter`: 5ms doubling up to 1000s).
pub(crate) fn requeue_rate_limited(cluster: &mut Cluster, controller: Controller, key: &ObjectKey) {
    let failures = cluster
        .controllers
        .failures
        .entry((controller, key.clone()))
        .or_insert(0);
    let delay = 5u64
        .saturating_mul(1u64 << (*failures).min(40))
        .min(1_000_000);
    *failures += 1;
    requeue_after(cluster, controller, key, delay);
}

/// Forgets a key's failures after a successful sync (`queue.Forget`).
pub(crate) fn forget_failures(cluster: &mut Cluster, controller: Controller, key: &ObjectKey) {
    if !cluster.controllers.failures.is_empty() {
        cluster
            .controllers
            .failures
            .remove(&(controller, key.clone()));
    }
}

/// Formats a time as Go's `time.RFC3339Nano` (fraction without trailing zeros).
pub(crate) fn rfc3339_nano(ms: Millis) -> String {
    let base = crate::time::rfc3339(ms);
    let frac = ms % 1000;
    if frac == 0 {
        return base;
    }
    let digits = format!("{frac:03}");
    format!(
        "{}.{}Z",
        base.trim_end_matches('Z'),
        digits.trim_end_matches('0')
    )
}

#[cfg(test)]
pub(crate) mod testutil {
    //! Helpers for the controllers' tests: manifests, a simulated kubelet.

    use crate::apiserver::WriteOptions;
    use crate::cluster::{Cluster, res};
    use crate::store::ObjectKey;

    /// The default cluster with its kubelets leaving pods to the test,
    /// which plays the kubelet by hand ([`run_pod`]).
    pub(crate) fn hand_cluster(seed: u64) -> Cluster {
        let mut c = Cluster::new(seed);
        c.kubelet.pods_played_by_hand = true;
        c
    }
    use crate::time::rfc3339;
    use crate::value::Value;

    /// Parses one YAML document.
    pub(crate) fn yaml(text: &str) -> Value {
        crate::yaml::load_str(text).expect("test YAML parses")[0]
            .root
            .to_value()
    }

    /// Creates an object as a user would.
    pub(crate) fn create(cluster: &mut Cluster, text: &str) -> Value {
        let obj = cluster
            .create(yaml(text), &WriteOptions::user())
            .expect("test object is created");
        cluster.step(0);
        obj
    }

    /// Pods of a namespace, in name order.
    pub(crate) fn pods(cluster: &Cluster, ns: &str) -> Vec<Value> {
        cluster
            .store
            .list(res("Pod"), Some(ns))
            .map(|(_, p)| p.clone())
            .collect()
    }

    /// Names of a namespace's pods.
    pub(crate) fn pod_names(cluster: &Cluster, ns: &str) -> Vec<String> {
        pods(cluster, ns)
            .iter()
            .map(|p| p.str_at(&["metadata", "name"]).unwrap_or("").to_string())
            .collect()
    }

    /// Plays the kubelet: binds a pod to a node and writes a Running status
    /// with an IP, Ready or not.
    pub(crate) fn run_pod(cluster: &mut Cluster, name: &str, node: &str, ip: &str, ready: bool) {
        let key = ObjectKey::new(res("Pod"), "default", name);
        let mut pod = cluster.store.get(&key).expect("pod exists").clone();
        if pod.str_at(&["spec", "nodeName"]) != Some(node) {
            pod = cluster
                .bind_pod(&key.namespace, &key.name, node)
                .expect("binding works");
        }
        let now = rfc3339(cluster.now);
        let previous = super::pod_ready_condition(&pod).cloned();
        let ready_str = if ready { "True" } else { "False" };
        let transition = match &previous {
            Some(c) if c.get("status").as_str() == Some(ready_str) => {
                c.get("lastTransitionTime").clone()
            }
            _ => Value::from(now.clone()),
        };
        let mut status = pod.get("status").clone();
        status.set("phase", Value::str("Running"));
        status.set("podIP", Value::str(ip));
        status.set(
            "podIPs",
            Value::array(vec![Value::from_pairs([("ip", Value::str(ip))])]),
        );
        status.set(
            "conditions",
            Value::array(vec![Value::from_pairs([
                ("lastProbeTime", Value::Null),
                ("lastTransitionTime", transition),
                ("status", Value::str(ready_str)),
                ("type", Value::str("Ready")),
            ])]),
        );
        cluster
            .update_status(&key, status)
            .expect("status write works");
        cluster.step(0);
    }

    /// Marks every pod of the namespace Running and Ready on `node-1`,
    /// giving each an IP from its position.
    pub(crate) fn ready_all(cluster: &mut Cluster) {
        let names = pod_names(cluster, "default");
        for (i, name) in names.iter().enumerate() {
            let pod = cluster
                .store
                .get_named(res("Pod"), "default", name)
                .cloned()
                .expect("listed");
            if super::is_deleting(&pod) || super::pod_ready(&pod).0 {
                continue;
            }
            run_pod(
                cluster,
                name,
                "node-1",
                &format!("10.244.1.{}", 10 + i),
                true,
            );
        }
    }

    /// Finishes the deletion of every terminating pod (the kubelet saw its
    /// containers stop).
    pub(crate) fn finish_terminating(cluster: &mut Cluster) {
        let keys: Vec<ObjectKey> = cluster
            .store
            .list(res("Pod"), Some("default"))
            .filter(|(_, p)| super::is_deleting(p))
            .map(|((ns, n), _)| ObjectKey::new(res("Pod"), ns, n))
            .collect();
        for key in keys {
            cluster.finish_pod_deletion(&key);
        }
        cluster.step(0);
    }

    /// Messages of the events recorded about the object with `uid`.
    pub(crate) fn event_messages(cluster: &Cluster, uid: &str) -> Vec<String> {
        cluster
            .events
            .for_object(uid)
            .map(|e| format!("{} {}", e.reason, e.message))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::testutil::*;
    use super::*;
    use crate::apiserver::WriteOptions;

    /// A rollout behind a Service, dumped: every object and event.
    fn scenario(seed: u64) -> String {
        let mut c = hand_cluster(seed);
        create(
            &mut c,
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.25\n        ports:\n        - {name: http, containerPort: 80}\n",
        );
        create(
            &mut c,
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {app: web}\n  ports:\n  - port: 80\n    targetPort: http\n",
        );
        c.step(1_000);
        ready_all(&mut c);
        let mut d = c
            .store
            .get_named(res("Deployment"), "default", "web")
            .cloned()
            .unwrap();
        d.set_at(
            &["spec", "template", "metadata", "annotations", "rev"],
            Value::str("2"),
        );
        c.update(d, &WriteOptions::user()).unwrap();
        for _ in 0..10 {
            c.step(1_000);
            ready_all(&mut c);
            finish_terminating(&mut c);
        }
        let mut out = String::new();
        for r in crate::api::registry::RESOURCES {
            for (_, obj) in c.store.list(r.id(), None) {
                out.push_str(&crate::yaml::to_json_compact(obj));
                out.push('\n');
            }
        }
        for e in c.events.records() {
            out.push_str(&crate::yaml::to_json_compact(&e.to_value()));
            out.push('\n');
        }
        out
    }

    #[test]
    fn same_seed_same_cluster() {
        let a = scenario(11);
        assert_eq!(a, scenario(11));
        assert_ne!(a, scenario(12));
        // The rollout finished: three new pods, ready, behind the Service.
        assert!(a.contains(r#""availableReplicas":3"#), "{a}");
        assert!(a.contains(r#""updatedReplicas":3"#), "{a}");
    }

    #[test]
    fn owned_pods_count_availability_over_time() {
        let mut owned = OwnedPods::default();
        let entry = |ready_at: Option<Millis>| PodEntry {
            labels: Value::object(),
            controller: None,
            node: Rc::from("n"),
            terminal: false,
            deleting: false,
            ready: true,
            ready_at,
        };
        owned.account(&entry(Some(1_000)), 1);
        owned.account(&entry(Some(5_000)), 1);
        owned.account(&entry(None), 1);
        assert_eq!(owned.available(0, 6_000), 3);
        assert_eq!(owned.available(3, 6_000), 1);
        assert_eq!(owned.available(3, 8_000), 2);
        assert_eq!(owned.next_available_in(3, 6_000), Some(2_000));
        assert_eq!(owned.next_available_in(3, 9_000), None);
        owned.account(&entry(Some(1_000)), -1);
        assert_eq!(owned.available(3, 8_000), 1);
    }

    #[test]
    fn trigger_time_is_the_first_change_since_the_last_sync() {
        let mut tracker = TriggerTimeTracker::default();
        let svc = yaml(
            "metadata:\n  name: web\n  namespace: default\n  creationTimestamp: \"2026-01-01T00:00:01Z\"\n",
        );
        let pod = |name: &str, t: &str| {
            yaml(&format!(
                "metadata:\n  name: {name}\nstatus:\n  conditions:\n  - type: Ready\n    status: \"True\"\n    lastTransitionTime: \"{t}\"\n"
            ))
        };
        let a = pod("a", "2026-01-01T00:00:05Z");
        assert_eq!(tracker.compute(&svc, &[&a]), Some(1_000));
        assert_eq!(tracker.compute(&svc, &[&a]), None);
        let b = pod("b", "2026-01-01T00:00:09Z");
        let a2 = pod("a", "2026-01-01T00:00:07Z");
        assert_eq!(tracker.compute(&svc, &[&a2, &b]), Some(7_000));
    }

    #[test]
    fn nano_times_drop_trailing_zeros() {
        assert_eq!(rfc3339_nano(5_000), "2026-01-01T00:00:05Z");
        assert_eq!(rfc3339_nano(5_120), "2026-01-01T00:00:05.12Z");
    }
}
