//! The scheduler cache: one typed `NodeInfo` per node (allocatable,
//! requested and non-zero requested resources, pod count, parsed labels
//! and taints, used host ports, images, pods with affinity), kept up to
//! date incrementally from watch events, plus an index of assigned pods by
//! label set so spreading and inter-pod affinity count matching pods
//! without scanning every pod.

use crate::sort::CompactSort;
use std::rc::Rc;

use super::podinfo::{HostPort, PodSpecInfo, Resources};
use super::selectors::{Effect, Taint};
use super::util::{FxMap, Interner, Labels, PodKey, Sym, intern_labels, label, same};
use crate::value::Value;

/// A node as the scheduler sees it.
#[derive(Clone, Debug)]
pub(crate) struct NodeInfo {
    pub(crate) name: Rc<str>,
    pub(crate) name_sym: Sym,
    /// False for a placeholder that holds pods bound to a node that does
    /// not exist (yet).
    pub(crate) exists: bool,
    pub(crate) labels: Labels,
    pub(crate) zone: Rc<str>,
    pub(crate) taints: Box<[Taint]>,
    pub(crate) unschedulable: bool,
    pub(crate) allocatable: Resources,
    pub(crate) allowed_pods: i64,
    pub(crate) requested: Resources,
    pub(crate) non_zero_requested: (i64, i64),
    /// Assigned, non-terminal pods (slab ids).
    pub(crate) pods: Vec<u32>,
    pub(crate) used_ports: Vec<HostPort>,
    /// Images in `status.images`: (normalized name, size), sorted by name.
    pub(crate) images: Box<[(Sym, i64)]>,
    /// Pods with any pod (anti-)affinity term.
    pub(crate) pods_with_affinity: Vec<u32>,
    /// Pods with required anti-affinity terms.
    pub(crate) pods_with_required_anti: Vec<u32>,
    fingerprint: [Value; 4],
}

impl NodeInfo {
    fn placeholder(name: &str, interner: &mut Interner) -> NodeInfo {
        NodeInfo {
            name: Rc::from(name),
            name_sym: interner.intern(name),
            exists: false,
            labels: Box::new([]),
            zone: Rc::from(""),
            taints: Box::new([]),
            unschedulable: false,
            allocatable: Resources::default(),
            allowed_pods: 0,
            requested: Resources::default(),
            non_zero_requested: (0, 0),
            pods: Vec::new(),
            used_ports: Vec::new(),
            images: Box::new([]),
            pods_with_affinity: Vec::new(),
            pods_with_required_anti: Vec::new(),
            fingerprint: Default::default(),
        }
    }

    /// Has label `key` (a topology key)?
    #[inline]
    pub(crate) fn label(&self, key: Sym) -> Option<Sym> {
        label(&self.labels, key)
    }
}

/// The per-node numbers the filter and score loops read, packed together
/// (one cache line or two per node instead of a walk through `NodeInfo`).
/// Exactly one cache line; ephemeral storage and extended resources are
/// checked on `NodeInfo` (the rare pods asking for them take that path).
#[derive(Clone, Copy, Debug, Default)]
#[repr(C, align(64))]
pub(crate) struct NodeHot {
    pub(crate) alloc_cpu: i64,
    pub(crate) alloc_memory: i64,
    pub(crate) allowed_pods: i64,
    pub(crate) req_cpu: i64,
    pub(crate) req_memory: i64,
    pub(crate) nz_cpu: i64,
    pub(crate) nz_memory: i64,
    pub(crate) pods: u32,
    /// BalancedAllocation's score of the node as it is (without the pod).
    pub(crate) balanced_without: i16,
    pub(crate) flags: u8,
    /// How many PreferNoSchedule taints the node has; `u8::MAX` for that
    /// many or more (then they are counted on `NodeInfo`).
    pub(crate) prefer_taints: u8,
}

/// The node has PreferNoSchedule taints.
pub(crate) const HOT_PREFER_TAINTS: u8 = 1;
/// The node reports images.
pub(crate) const HOT_IMAGES: u8 = 2;

/// What changed on a node, for queueing hints.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct NodeChange {
    pub(crate) allocatable: bool,
    pub(crate) labels: bool,
    pub(crate) taints: bool,
    pub(crate) unschedulable: bool,
}

/// An assigned pod.
#[derive(Clone, Debug)]
pub(crate) struct AssignedPod {
    pub(crate) key: PodKey,
    pub(crate) info: Rc<PodSpecInfo>,
    pub(crate) node: u32,
    pub(crate) deleting: bool,
    /// The victim of an ongoing preemption (DisruptionTarget by the scheduler).
    pub(crate) preempted: bool,
    pub(crate) label_set: u32,
    pub(crate) started_ms: u64,
    /// The resourceVersion our own binding produced (its watch event needs
    /// no work).
    pub(crate) bound_rv: u64,
}

/// The lifecycle facts of an assigned pod the cache tracks.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct PodState {
    /// `metadata.deletionTimestamp` is set.
    pub(crate) deleting: bool,
    /// It carries the scheduler's DisruptionTarget condition.
    pub(crate) preempted: bool,
    /// When it started (or was created), for choosing victims.
    pub(crate) started_ms: u64,
}

/// Assigned pods with the same namespace and labels, and how many of them
/// run on each node.
#[derive(Clone, Debug)]
pub(crate) struct LabelSet {
    pub(crate) namespace: Sym,
    pub(crate) labels: Labels,
    /// (node, all pods, pods not being deleted).
    pub(crate) nodes: Vec<(u32, u32, u32)>,
    /// Where each node is in `nodes`.
    index: FxMap<u32, u32>,
    pub(crate) total: u32,
}

/// The cache.
#[derive(Clone, Default)]
pub(crate) struct Cache {
    pub(crate) nodes: Vec<NodeInfo>,
    pub(crate) by_name: FxMap<Rc<str>, u32>,
    /// Node slots in kube's nodeTree order (zones interleaved).
    pub(crate) order: Rc<[u32]>,
    /// The names in `order`, shared with recorded attempts.
    pub(crate) order_names: Rc<[Rc<str>]>,
    /// Zones in order of appearance, each with its nodes in add order.
    zones: Vec<(Rc<str>, Vec<u32>)>,
    pub(crate) pods: Vec<Option<AssignedPod>>,
    free: Vec<u32>,
    pub(crate) pod_by_key: FxMap<PodKey, u32>,
    pub(crate) label_sets: Vec<LabelSet>,
    /// Label sets by a hash of (namespace, labels).
    label_set_ids: FxMap<u64, Vec<u32>>,
    pub(crate) label_sets_by_ns: FxMap<Sym, Vec<u32>>,
    pub(crate) ns_labels: FxMap<Sym, Labels>,
    /// How many nodes have each image.
    pub(crate) image_nodes: FxMap<Sym, u32>,
    /// The largest size any node has reported for each image (an upper
    /// bound: never lowered), so ImageLocality can skip pods whose images
    /// cannot reach its minimum threshold anywhere.
    pub(crate) image_max_size: FxMap<Sym, i64>,
    /// All assigned pods with (anti-)affinity terms, and with required anti-affinity.
    pub(crate) affinity_pods: usize,
    pub(crate) required_anti_pods: usize,
    /// `hot[slot]` mirrors `nodes[slot]`.
    pub(crate) hot: Vec<NodeHot>,
    /// `hot_gen[slot]` changes whenever `hot[slot]` is rewritten (unique
    /// over the cache's life, also across slot reuse): scores computed from
    /// the hot numbers are memoized per generation.
    pub(crate) hot_gen: Vec<u64>,
    /// The last generation given out (writable by tests, to cross 2^32).
    pub(crate) next_hot_gen: u64,
    /// Moves whenever a node's labels, taints, name or schedulability
    /// change, or nodes come and go: static filter results are cached
    /// per epoch.
    pub(crate) static_epoch: u64,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache")
            .field("nodes", &self.order.len())
            .field("pods", &self.pod_by_key.len())
            .field("label_sets", &self.label_sets.len())
            .finish()
    }
}

fn zone_key(labels: &[(Sym, Sym)], interner: &mut Interner) -> Rc<str> {
    // utilnode.GetZoneKey: region and zone joined by ":\x00:".
    let region = interner.intern("topology.kubernetes.io/region");
    let zone = interner.intern("topology.kubernetes.io/zone");
    let r = label(labels, region).map(|s| interner.str(s).clone());
    let z = label(labels, zone).map(|s| interner.str(s).clone());
    match (r, z) {
        (None, None) => Rc::from(""),
        (r, z) => Rc::from(format!(
            "{}:\x00:{}",
            r.as_deref().unwrap_or(""),
            z.as_deref().unwrap_or("")
        )),
    }
}

impl Cache {
    /// The node slot of `name`, creating a placeholder when unknown.
    fn slot(&mut self, name: &str, interner: &mut Interner) -> u32 {
        if let Some(&s) = self.by_name.get(name) {
            return s;
        }
        let s = self.nodes.len() as u32;
        let info = NodeInfo::placeholder(name, interner);
        self.by_name.insert(info.name.clone(), s);
        self.nodes.push(info);
        self.hot.push(NodeHot::default());
        self.hot_gen.push(0);
        s
    }

    /// Recomputes a node's hot numbers.
    fn refresh_hot(&mut self, slot: u32) {
        let n = &self.nodes[slot as usize];
        let mut flags = 0;
        let prefer = n
            .taints
            .iter()
            .filter(|t| t.effect == Effect::PreferNoSchedule)
            .count();
        if prefer > 0 {
            flags |= HOT_PREFER_TAINTS;
        }
        if !n.images.is_empty() {
            flags |= HOT_IMAGES;
        }
        let alloc = [n.allocatable.cpu, n.allocatable.memory];
        let req = [n.requested.cpu, n.requested.memory];
        self.next_hot_gen += 1;
        self.hot_gen[slot as usize] = self.next_hot_gen;
        self.hot[slot as usize] = NodeHot {
            alloc_cpu: n.allocatable.cpu,
            alloc_memory: n.allocatable.memory,
            allowed_pods: n.allowed_pods,
            req_cpu: n.requested.cpu,
            req_memory: n.requested.memory,
            nz_cpu: n.non_zero_requested.0,
            nz_memory: n.non_zero_requested.1,
            pods: n.pods.len() as u32,
            // (1 − std) × 100 with std in [0, 0.5]: always 50..=100.
            balanced_without: super::plugins::balanced_score(req, alloc) as i16,
            flags,
            prefer_taints: u8::try_from(prefer).unwrap_or(u8::MAX),
        };
    }

    /// The live nodes in evaluation order.
    pub(crate) fn num_nodes(&self) -> usize {
        self.order.len()
    }

    /// Adds or updates a node from its object; returns what changed
    /// (`None` when nothing the scheduler reads changed).
    pub(crate) fn set_node(&mut self, node: &Value, interner: &mut Interner) -> Option<NodeChange> {
        let name = node.str_at(&["metadata", "name"]).unwrap_or("");
        let slot = self.slot(name, interner);
        let fp = [
            node.at(&["metadata", "labels"]).clone(),
            node.get("spec").clone(),
            node.at(&["status", "allocatable"]).clone(),
            node.at(&["status", "images"]).clone(),
        ];
        let n = &self.nodes[slot as usize];
        let was = n.exists;
        if was && n.fingerprint.iter().zip(fp.iter()).all(|(a, b)| same(a, b)) {
            return None;
        }
        let labels = intern_labels(interner, node.at(&["metadata", "labels"]));
        let zone = zone_key(&labels, interner);
        let taints: Box<[Taint]> = node
            .at(&["spec", "taints"])
            .items()
            .filter_map(|t| {
                Some(Taint {
                    key: interner.intern(t.get("key").as_str()?),
                    value: interner.intern(t.get("value").as_str().unwrap_or("")),
                    effect: Effect::parse(t.get("effect").as_str().unwrap_or("")),
                })
            })
            .collect();
        let (allocatable, pods) =
            Resources::from_list(node.at(&["status", "allocatable"]), interner);
        let mut images: Vec<(Sym, i64)> = Vec::new();
        for img in node.at(&["status", "images"]).items() {
            let size = img.get("sizeBytes").as_i64().unwrap_or(0);
            for name in img.get("names").items().filter_map(Value::as_str) {
                images.push((interner.intern(name), size));
            }
        }
        images.compact_sort();
        images.dedup_by_key(|i| i.0);
        let unschedulable = node.at(&["spec", "unschedulable"]).as_bool() == Some(true);
        let n = &mut self.nodes[slot as usize];
        let change = NodeChange {
            allocatable: !was
                || n.allocatable != allocatable
                || n.allowed_pods != pods.unwrap_or(0),
            labels: !was || n.labels != labels,
            taints: !was || n.taints != taints,
            unschedulable: !was || n.unschedulable != unschedulable,
        };
        let zone_changed = !was || n.zone != zone;
        for (img, _) in n.images.iter() {
            if let Some(c) = self.image_nodes.get_mut(img) {
                *c -= 1;
            }
        }
        for &(img, size) in &images {
            *self.image_nodes.entry(img).or_insert(0) += 1;
            let max = self.image_max_size.entry(img).or_insert(0);
            *max = (*max).max(size);
        }
        self.image_nodes.retain(|_, c| *c > 0);
        n.exists = true;
        n.labels = labels;
        n.zone = zone;
        n.taints = taints;
        n.unschedulable = unschedulable;
        n.allocatable = allocatable;
        n.allowed_pods = pods.unwrap_or(0);
        n.images = images.into_boxed_slice();
        n.fingerprint = fp;
        if change.labels || change.taints || change.unschedulable {
            self.static_epoch += 1;
        }
        self.refresh_hot(slot);
        if zone_changed {
            self.remove_from_tree(slot);
            let zone = self.nodes[slot as usize].zone.clone();
            match self.zones.iter_mut().find(|(z, _)| *z == zone) {
                Some((_, list)) => list.push(slot),
                None => self.zones.push((zone, vec![slot])),
            }
            self.rebuild_order();
        }
        Some(change)
    }

    /// Removes a node; its pods stay accounted on a placeholder until their
    /// own deletions arrive.
    pub(crate) fn remove_node(&mut self, name: &str) -> bool {
        let Some(&slot) = self.by_name.get(name) else {
            return false;
        };
        let n = &mut self.nodes[slot as usize];
        if !n.exists {
            return false;
        }
        n.exists = false;
        n.fingerprint = Default::default();
        let images = std::mem::take(&mut n.images);
        for (img, _) in images.iter() {
            if let Some(c) = self.image_nodes.get_mut(img) {
                *c -= 1;
            }
        }
        self.image_nodes.retain(|_, c| *c > 0);
        self.remove_from_tree(slot);
        self.rebuild_order();
        self.static_epoch += 1;
        self.refresh_hot(slot);
        true
    }

    fn remove_from_tree(&mut self, slot: u32) {
        for (_, list) in &mut self.zones {
            list.retain(|s| *s != slot);
        }
        self.zones.retain(|(_, l)| !l.is_empty());
    }

    /// nodeTree.list(): one node from each zone in turn.
    fn rebuild_order(&mut self) {
        let total: usize = self.zones.iter().map(|(_, l)| l.len()).sum();
        let mut order = Vec::with_capacity(total);
        let mut i = 0;
        while order.len() < total {
            for (_, list) in &self.zones {
                if let Some(&s) = list.get(i) {
                    order.push(s);
                }
            }
            i += 1;
        }
        self.order_names = order
            .iter()
            .map(|&s| self.nodes[s as usize].name.clone())
            .collect();
        self.order = order.into();
    }

    /// Sets a namespace's labels; true when they changed.
    pub(crate) fn set_namespace(&mut self, ns: &Value, interner: &mut Interner) -> bool {
        let name = interner.intern(ns.str_at(&["metadata", "name"]).unwrap_or(""));
        let labels = intern_labels(interner, ns.at(&["metadata", "labels"]));
        let old = self.ns_labels.insert(name, labels.clone());
        old.as_ref() != Some(&labels)
    }

    /// The labels of namespace `ns`.
    pub(crate) fn namespace_labels(&self, ns: Sym) -> &[(Sym, Sym)] {
        self.ns_labels.get(&ns).map_or(&[], |l| l)
    }

    /// The assigned pod at `key`.
    pub(crate) fn pod(&self, key: &PodKey) -> Option<&AssignedPod> {
        let id = *self.pod_by_key.get(key)?;
        self.pods[id as usize].as_ref()
    }

    /// The assigned pod at `key`, for writing.
    pub(crate) fn pod_mut(&mut self, key: &PodKey) -> Option<&mut AssignedPod> {
        let id = *self.pod_by_key.get(key)?;
        self.pods[id as usize].as_mut()
    }

    /// Adds (or moves) an assigned pod. Returns true when anything changed.
    pub(crate) fn add_pod(
        &mut self,
        key: &PodKey,
        info: Rc<PodSpecInfo>,
        node_name: &str,
        state: PodState,
        interner: &mut Interner,
    ) -> bool {
        let node = self.slot(node_name, interner);
        if let Some(&id) = self.pod_by_key.get(key)
            && let Some(p) = &self.pods[id as usize]
        {
            if p.node == node
                && p.deleting == state.deleting
                && p.preempted == state.preempted
                && (Rc::ptr_eq(&p.info, &info) || p.info.fingerprint.same(&info.fingerprint))
            {
                return false;
            }
            self.remove_pod(key);
        }
        let hash = {
            use std::hash::{Hash, Hasher};
            let mut h = super::util::FxHasher::default();
            info.namespace.hash(&mut h);
            info.labels.hash(&mut h);
            h.finish()
        };
        let found = self.label_set_ids.get(&hash).and_then(|ids| {
            ids.iter().copied().find(|&id| {
                let s = &self.label_sets[id as usize];
                s.namespace == info.namespace && s.labels == info.labels
            })
        });
        let label_set = match found {
            Some(id) => id,
            None => {
                let id = self.label_sets.len() as u32;
                self.label_sets.push(LabelSet {
                    namespace: info.namespace,
                    labels: info.labels.clone(),
                    nodes: Vec::new(),
                    index: super::util::fx_map(),
                    total: 0,
                });
                self.label_sets_by_ns
                    .entry(info.namespace)
                    .or_default()
                    .push(id);
                self.label_set_ids.entry(hash).or_default().push(id);
                id
            }
        };
        let id = match self.free.pop() {
            Some(id) => id,
            None => {
                self.pods.push(None);
                (self.pods.len() - 1) as u32
            }
        };
        let n = &mut self.nodes[node as usize];
        n.requested.add(&info.requests);
        n.non_zero_requested.0 = n.non_zero_requested.0.wrapping_add(info.non_zero.0);
        n.non_zero_requested.1 = n.non_zero_requested.1.wrapping_add(info.non_zero.1);
        n.pods.push(id);
        n.used_ports.extend(info.host_ports.iter().cloned());
        if info.has_affinity() {
            n.pods_with_affinity.push(id);
            self.affinity_pods += 1;
        }
        if info.has_required_anti() {
            n.pods_with_required_anti.push(id);
            self.required_anti_pods += 1;
        }
        let set = &mut self.label_sets[label_set as usize];
        let active = u32::from(!state.deleting);
        match set.index.get(&node) {
            Some(&i) => {
                let e = &mut set.nodes[i as usize];
                e.1 += 1;
                e.2 += active;
            }
            None => {
                set.index.insert(node, set.nodes.len() as u32);
                set.nodes.push((node, 1, active));
            }
        }
        set.total += 1;
        self.pods[id as usize] = Some(AssignedPod {
            key: key.clone(),
            info,
            node,
            deleting: state.deleting,
            preempted: state.preempted,
            label_set,
            started_ms: state.started_ms,
            bound_rv: 0,
        });
        self.pod_by_key.insert(key.clone(), id);
        self.refresh_hot(node);
        true
    }

    /// Removes an assigned pod; returns it.
    pub(crate) fn remove_pod(&mut self, key: &PodKey) -> Option<AssignedPod> {
        let id = self.pod_by_key.remove(key)?;
        let pod = self.pods[id as usize].take()?;
        self.free.push(id);
        let n = &mut self.nodes[pod.node as usize];
        n.requested.sub(&pod.info.requests);
        n.requested.scalars.retain(|(_, v)| *v != 0);
        n.non_zero_requested.0 = n.non_zero_requested.0.wrapping_sub(pod.info.non_zero.0);
        n.non_zero_requested.1 = n.non_zero_requested.1.wrapping_sub(pod.info.non_zero.1);
        if let Some(i) = n.pods.iter().position(|p| *p == id) {
            n.pods.swap_remove(i);
        }
        for hp in pod.info.host_ports.iter() {
            if let Some(i) = n.used_ports.iter().position(|u| u == hp) {
                n.used_ports.swap_remove(i);
            }
        }
        if pod.info.has_affinity() {
            n.pods_with_affinity.retain(|p| *p != id);
            self.affinity_pods -= 1;
        }
        if pod.info.has_required_anti() {
            n.pods_with_required_anti.retain(|p| *p != id);
            self.required_anti_pods -= 1;
        }
        let set = &mut self.label_sets[pod.label_set as usize];
        if let Some(&i) = set.index.get(&pod.node) {
            let i = i as usize;
            set.nodes[i].1 -= 1;
            set.nodes[i].2 -= u32::from(!pod.deleting);
            if set.nodes[i].1 == 0 {
                set.index.remove(&pod.node);
                set.nodes.swap_remove(i);
                if let Some(moved) = set.nodes.get(i) {
                    set.index.insert(moved.0, i as u32);
                }
            }
        }
        set.total -= 1;
        self.refresh_hot(pod.node);
        Some(pod)
    }

    /// The assigned pods on a node.
    pub(crate) fn pods_on(&self, node: u32) -> impl Iterator<Item = &AssignedPod> {
        self.nodes[node as usize]
            .pods
            .iter()
            .filter_map(|id| self.pods[*id as usize].as_ref())
    }

    /// Label sets of namespace `ns`.
    pub(crate) fn sets_in(&self, ns: Sym) -> &[u32] {
        self.label_sets_by_ns.get(&ns).map_or(&[], |v| v)
    }
}
