//! The default profile's filter and score plugins, with kube-scheduler's
//! reason strings and formulas (`pkg/scheduler/framework/plugins/...`).
//!
//! Filters run in the default order and stop at the first failure, like
//! `RunFilterPlugins`. A failure is a small `Copy` value (plugin, code,
//! reason ids) so rejecting thousands of nodes allocates nothing.

use std::rc::Rc;

use super::cache::{Cache, HOT_IMAGES, HOT_PREFER_TAINTS, NodeHot, NodeInfo};
use super::podinfo::{HostPort, PodSpecInfo, Resources, SpreadConstraint};
use super::selectors::{Effect, Taint, Toleration, tolerated, untolerated_taint};
use super::util::{FxMap, Interner, Sym, div_exact, fx_map};

/// Filter plugins, in the default profile's order.
pub(crate) const FILTERS: [&str; 10] = [
    "NodeUnschedulable",
    "NodeName",
    "TaintToleration",
    "NodeAffinity",
    "NodePorts",
    "NodeResourcesFit",
    "VolumeRestrictions",
    "VolumeBinding",
    "PodTopologySpread",
    "InterPodAffinity",
];
pub(crate) const F_NODE_UNSCHEDULABLE: u8 = 0;
pub(crate) const F_NODE_NAME: u8 = 1;
pub(crate) const F_TAINT: u8 = 2;
pub(crate) const F_NODE_AFFINITY: u8 = 3;
pub(crate) const F_NODE_PORTS: u8 = 4;
pub(crate) const F_FIT: u8 = 5;
pub(crate) const F_VOLUME_RESTRICTIONS: u8 = 6;
pub(crate) const F_VOLUME_BINDING: u8 = 7;
pub(crate) const F_SPREAD: u8 = 8;
pub(crate) const F_INTERPOD: u8 = 9;
/// Statuses produced by DefaultPreemption's dry run.
pub(crate) const P_PREEMPTION: u8 = 10;

/// Score plugins in the default profile's order, with their weights.
pub(crate) const SCORES: [(&str, i64); 7] = [
    ("TaintToleration", 3),
    ("NodeAffinity", 2),
    ("NodeResourcesFit", 1),
    ("PodTopologySpread", 2),
    ("InterPodAffinity", 2),
    ("NodeResourcesBalancedAllocation", 1),
    ("ImageLocality", 1),
];
pub(crate) const S_TAINT: usize = 0;
pub(crate) const S_NODE_AFFINITY: usize = 1;
pub(crate) const S_FIT: usize = 2;
pub(crate) const S_SPREAD: usize = 3;
pub(crate) const S_INTERPOD: usize = 4;
pub(crate) const S_BALANCED: usize = 5;
pub(crate) const S_IMAGE: usize = 6;

/// `framework.MaxNodeScore`.
pub(crate) const MAX_NODE_SCORE: i64 = 100;

/// Reason strings, exactly as kube-scheduler words them.
pub(crate) const STATIC_REASONS: [&str; 20] = [
    "node(s) were unschedulable",
    "node(s) didn't match the requested node name",
    "node(s) had untolerated taint(s)",
    "node(s) didn't match Pod's node affinity/selector",
    "node(s) didn't have free ports for the requested pod ports",
    "Too many pods",
    "Insufficient cpu",
    "Insufficient memory",
    "Insufficient ephemeral-storage",
    "node(s) didn't match pod topology spread constraints",
    "node(s) didn't match pod topology spread constraints (missing required label)",
    "node(s) didn't match pod affinity rules",
    "node(s) didn't match pod anti-affinity rules",
    "node(s) didn't satisfy existing pods anti-affinity rules",
    "node(s) didn't satisfy plugin(s) [NodeAffinity]",
    "No preemption victims found for incoming pod",
    "Preemption is not helpful for scheduling",
    "node(s) had volume node affinity conflict",
    "node(s) didn't find available persistent volumes to bind",
    "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)",
];
pub(crate) const R_UNSCHEDULABLE: u32 = 0;
pub(crate) const R_NODE_NAME: u32 = 1;
pub(crate) const R_TAINT: u32 = 2;
pub(crate) const R_NODE_AFFINITY: u32 = 3;
pub(crate) const R_PORTS: u32 = 4;
pub(crate) const R_TOO_MANY_PODS: u32 = 5;
pub(crate) const R_CPU: u32 = 6;
pub(crate) const R_MEMORY: u32 = 7;
pub(crate) const R_EPHEMERAL: u32 = 8;
pub(crate) const R_SPREAD: u32 = 9;
pub(crate) const R_SPREAD_LABEL: u32 = 10;
pub(crate) const R_POD_AFFINITY: u32 = 11;
pub(crate) const R_POD_ANTI_AFFINITY: u32 = 12;
pub(crate) const R_EXISTING_ANTI_AFFINITY: u32 = 13;
pub(crate) const R_PREFILTER_NODE_AFFINITY: u32 = 14;
pub(crate) const R_NO_VICTIMS: u32 = 15;
pub(crate) const R_NOT_HELPFUL: u32 = 16;
pub(crate) const R_VOLUME_NODE_CONFLICT: u32 = 17;
pub(crate) const R_VOLUME_BIND_CONFLICT: u32 = 18;
pub(crate) const R_VOLUME_PV_NOT_EXIST: u32 = 19;

/// Bits of [`Failure::fit`] for VolumeBinding: its reasons in the order
/// `FindPodVolumes` appends them.
pub(crate) const VOLUME_NODE_CONFLICT: u8 = 1;
pub(crate) const VOLUME_BIND_CONFLICT: u8 = 2;
pub(crate) const VOLUME_PV_NOT_EXIST: u8 = 4;

/// Bits of [`Failure::fit`]: NodeResourcesFit's reasons in its order.
pub(crate) const FIT_PODS: u8 = 1;
pub(crate) const FIT_CPU: u8 = 2;
pub(crate) const FIT_MEMORY: u8 = 4;
pub(crate) const FIT_EPHEMERAL: u8 = 8;

/// Why a node was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Failure {
    /// A filter plugin (`F_*`) or [`P_PREEMPTION`].
    pub(crate) plugin: u8,
    /// UnschedulableAndUnresolvable (preemption cannot help).
    pub(crate) unresolvable: bool,
    /// NodeResourcesFit: which of pods/cpu/memory/ephemeral-storage.
    pub(crate) fit: u8,
    /// The reason id; for NodeResourcesFit, a bitmask over the pod's
    /// extended-resource requests that did not fit.
    pub(crate) reason: u32,
}

impl Failure {
    pub(crate) fn new(plugin: u8, unresolvable: bool, reason: u32) -> Failure {
        Failure {
            plugin,
            unresolvable,
            fit: 0,
            reason,
        }
    }

    /// The reason ids in order; `scalar_reasons` are the pod's
    /// "Insufficient <resource>" ids for its extended resources.
    pub(crate) fn for_each_reason(&self, scalar_reasons: &[u32], mut f: impl FnMut(u32)) {
        if self.plugin == F_VOLUME_BINDING {
            for (bit, id) in [
                (VOLUME_NODE_CONFLICT, R_VOLUME_NODE_CONFLICT),
                (VOLUME_BIND_CONFLICT, R_VOLUME_BIND_CONFLICT),
                (VOLUME_PV_NOT_EXIST, R_VOLUME_PV_NOT_EXIST),
            ] {
                if self.fit & bit != 0 {
                    f(id);
                }
            }
            return;
        }
        if self.plugin != F_FIT {
            f(self.reason);
            return;
        }
        for (bit, id) in [
            (FIT_PODS, R_TOO_MANY_PODS),
            (FIT_CPU, R_CPU),
            (FIT_MEMORY, R_MEMORY),
            (FIT_EPHEMERAL, R_EPHEMERAL),
        ] {
            if self.fit & bit != 0 {
                f(id);
            }
        }
        for (i, id) in scalar_reasons.iter().enumerate() {
            if i < 32 && self.reason & (1 << i) != 0 {
                f(*id);
            }
        }
    }
}

/// Reason strings by id: the static ones, then "Insufficient <name>" for
/// extended resources as they are met. Append-only.
#[derive(Clone, Debug)]
pub(crate) struct ReasonTable {
    pub(crate) strings: Vec<Rc<str>>,
    ids: FxMap<Rc<str>, u32>,
}

impl Default for ReasonTable {
    fn default() -> ReasonTable {
        let mut t = ReasonTable {
            strings: Vec::new(),
            ids: fx_map(),
        };
        for s in STATIC_REASONS {
            t.id(s);
        }
        t
    }
}

impl ReasonTable {
    /// A table without even the static reasons (a placeholder).
    pub(crate) fn empty() -> ReasonTable {
        ReasonTable {
            strings: Vec::new(),
            ids: fx_map(),
        }
    }

    pub(crate) fn id(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = self.strings.len() as u32;
        let rc: Rc<str> = Rc::from(s);
        self.ids.insert(rc.clone(), id);
        self.strings.push(rc);
        id
    }

    pub(crate) fn get(&self, id: u32) -> &str {
        self.strings.get(id as usize).map_or("", |s| s)
    }
}

/// What a node holds, for the resource and port checks (preemption passes
/// a view with victims removed).
#[derive(Clone, Copy)]
pub(crate) struct Usage<'a> {
    pub(crate) requested: &'a Resources,
    /// Requests of nominated pods of equal or higher priority.
    pub(crate) nominated: Option<&'a Resources>,
    pub(crate) pods: usize,
    pub(crate) ports: &'a Vec<HostPort>,
}

impl<'a> Usage<'a> {
    pub(crate) fn of(node: &'a NodeInfo) -> Usage<'a> {
        Usage {
            requested: &node.requested,
            nominated: None,
            pods: node.pods.len(),
            ports: &node.used_ports,
        }
    }
}

/// PodTopologySpread's PreFilter state for one hard constraint.
#[derive(Clone, Debug)]
pub(crate) struct SpreadCount {
    pub(crate) constraint: usize,
    /// Matching pods per domain (every eligible domain, even with 0).
    pub(crate) counts: FxMap<Sym, i64>,
    pub(crate) self_match: bool,
    /// The global minimum (criticalPaths[0]), 0 with fewer domains than minDomains.
    pub(crate) min: i64,
    /// Every node's value of the topology key, by slot ([`NO_DOMAIN`] when
    /// it lacks the label): the filter reads it instead of each node's labels.
    pub(crate) values: Rc<[Sym]>,
}

impl SpreadCount {
    /// Recomputes the global minimum after the counts changed.
    pub(crate) fn update_min(&mut self, min_domains: i64) {
        self.min = if (self.counts.len() as i64) < min_domains {
            0
        } else {
            self.counts.values().copied().min().unwrap_or(0)
        };
    }
}

/// InterPodAffinity's PreFilter state: matching pods per (key, value).
#[derive(Clone, Debug, Default)]
pub(crate) struct InterPodCounts {
    pub(crate) existing_anti: FxMap<(Sym, Sym), i64>,
    pub(crate) affinity: FxMap<(Sym, Sym), i64>,
    pub(crate) anti: FxMap<(Sym, Sym), i64>,
    /// The pod matches all its own required affinity terms.
    pub(crate) self_match: bool,
}

/// Everything the filters need for one pod in one cycle.
pub(crate) struct FilterCtx<'a> {
    pub(crate) pod: &'a PodSpecInfo,
    pub(crate) interner: &'a Interner,
    /// Filters whose PreFilter returned Skip (bit per `F_*`).
    pub(crate) skip: u16,
    pub(crate) unschedulable_taint: &'a Taint,
    pub(crate) spread: &'a [SpreadCount],
    pub(crate) interpod: Option<&'a InterPodCounts>,
    /// VolumeBinding's reasons per node slot (bits), for pods with claims.
    pub(crate) volumes: Option<&'a [u8]>,
}

#[inline]
fn ports_conflict(want: &[HostPort], used: &[HostPort], wildcard: Sym) -> bool {
    // HostPortInfo.CheckConflict: same protocol and port, and the same IP
    // or either side bound to 0.0.0.0.
    want.iter().any(|w| {
        used.iter().any(|u| {
            u.port == w.port
                && u.protocol == w.protocol
                && (u.ip == w.ip || u.ip == wildcard || w.ip == wildcard)
        })
    })
}

/// NodeResourcesFit's `fitsRequest`.
#[inline]
pub(crate) fn fit(pod: &PodSpecInfo, node: &NodeInfo, usage: &Usage) -> Option<Failure> {
    let mut f = Failure::new(F_FIT, false, 0);
    if (usage.pods as i64).saturating_add(1) > node.allowed_pods {
        f.fit |= FIT_PODS;
    }
    let r = &pod.requests;
    if r.cpu == 0 && r.memory == 0 && r.ephemeral == 0 && r.scalars.is_empty() {
        return (f.fit != 0).then_some(f);
    }
    let a = &node.allocatable;
    let u = usage.requested;
    let (ncpu, nmem, neph) = usage
        .nominated
        .map_or((0, 0, 0), |n| (n.cpu, n.memory, n.ephemeral));
    if r.cpu > 0 && exceeds(r.cpu, a.cpu, u.cpu, ncpu) {
        f.fit |= FIT_CPU;
        f.unresolvable |= r.cpu > a.cpu;
    }
    if r.memory > 0 && exceeds(r.memory, a.memory, u.memory, nmem) {
        f.fit |= FIT_MEMORY;
        f.unresolvable |= r.memory > a.memory;
    }
    if r.ephemeral > 0 && exceeds(r.ephemeral, a.ephemeral, u.ephemeral, neph) {
        f.fit |= FIT_EPHEMERAL;
        f.unresolvable |= r.ephemeral > a.ephemeral;
    }
    for (i, &(name, q)) in r.scalars.iter().enumerate() {
        if q == 0 {
            continue;
        }
        let nom = usage.nominated.map_or(0, |n| n.scalar(name));
        let alloc = a.scalar(name);
        if exceeds(q, alloc, u.scalar(name), nom) {
            if i < 32 {
                f.reason |= 1 << i;
            }
            f.unresolvable |= q > alloc;
        }
    }
    (f.fit != 0 || f.reason != 0).then_some(f)
}

/// The filters that read only the node's name, labels, taints and
/// schedulability (NodeUnschedulable, NodeName, TaintToleration,
/// NodeAffinity): their result per node is cached per pod signature.
#[inline]
pub(crate) fn static_filters(ctx: &FilterCtx, node: &NodeInfo) -> Result<(), Failure> {
    let pod = ctx.pod;
    if node.unschedulable && !tolerated(&pod.tolerations, ctx.unschedulable_taint) {
        return Err(Failure::new(F_NODE_UNSCHEDULABLE, true, R_UNSCHEDULABLE));
    }
    if let Some(n) = pod.node_name
        && n != node.name_sym
    {
        return Err(Failure::new(F_NODE_NAME, true, R_NODE_NAME));
    }
    if !node.taints.is_empty() && untolerated_taint(&node.taints, &pod.tolerations).is_some() {
        return Err(Failure::new(F_TAINT, true, R_TAINT));
    }
    if ctx.skip & (1 << F_NODE_AFFINITY) == 0
        && !pod
            .required_node
            .matches(&node.labels, node.name_sym, ctx.interner)
    {
        return Err(Failure::new(F_NODE_AFFINITY, true, R_NODE_AFFINITY));
    }
    Ok(())
}

/// The static filters' result as a byte: 1 passed, 2 + plugin failed.
pub(crate) fn encode_static(r: Result<(), Failure>) -> u8 {
    match r {
        Ok(()) => 1,
        Err(f) => 2 + f.plugin,
    }
}

/// The failure a cached static result stands for.
pub(crate) fn decode_static(code: u8) -> Result<(), Failure> {
    match code {
        1 => Ok(()),
        c => {
            let plugin = c - 2;
            let reason = match plugin {
                F_NODE_UNSCHEDULABLE => R_UNSCHEDULABLE,
                F_NODE_NAME => R_NODE_NAME,
                F_TAINT => R_TAINT,
                _ => R_NODE_AFFINITY,
            };
            Err(Failure::new(plugin, true, reason))
        }
    }
}

/// NodeResourcesFit on the packed numbers, for pods asking for neither
/// ephemeral storage nor extended resources; the same checks as [`fit`].
#[inline(always)]
pub(crate) fn fit_hot(
    pod: &PodSpecInfo,
    hot: &NodeHot,
    nominated: Option<&(Resources, usize)>,
) -> Option<Failure> {
    let mut f = Failure::new(F_FIT, false, 0);
    let (ncpu, nmem, npods) = nominated.map_or((0, 0, 0), |(n, c)| (n.cpu, n.memory, *c as i64));
    if i64::from(hot.pods).saturating_add(npods).saturating_add(1) > hot.allowed_pods {
        f.fit |= FIT_PODS;
    }
    let r = &pod.requests;
    if r.cpu == 0 && r.memory == 0 {
        return (f.fit != 0).then_some(f);
    }
    if r.cpu > 0 && exceeds(r.cpu, hot.alloc_cpu, hot.req_cpu, ncpu) {
        f.fit |= FIT_CPU;
        f.unresolvable |= r.cpu > hot.alloc_cpu;
    }
    if r.memory > 0 && exceeds(r.memory, hot.alloc_memory, hot.req_memory, nmem) {
        f.fit |= FIT_MEMORY;
        f.unresolvable |= r.memory > hot.alloc_memory;
    }
    (f.fit != 0).then_some(f)
}

/// NodePorts, NodeResourcesFit (computed by `fit`), PodTopologySpread and
/// InterPodAffinity: the filters that depend on what runs on the node.
#[inline]
#[allow(clippy::ptr_arg)] // deliberately a &Vec, see `ports`
pub(crate) fn dynamic_filters(
    ctx: &FilterCtx,
    slot: usize,
    node: &NodeInfo,
    // A `&Vec`, not a slice: the node's memory is only read when the pod
    // asks for host ports.
    ports: &Vec<HostPort>,
    wildcard_ip: Sym,
    fit: impl FnOnce() -> Option<Failure>,
) -> Result<(), Failure> {
    let pod = ctx.pod;
    // NodePorts
    if ctx.skip & (1 << F_NODE_PORTS) == 0 && ports_conflict(&pod.host_ports, ports, wildcard_ip) {
        return Err(Failure::new(F_NODE_PORTS, false, R_PORTS));
    }
    // NodeResourcesFit
    if let Some(f) = fit() {
        return Err(f);
    }
    // VolumeBinding
    if let Some(bits) = ctx.volumes
        && let Some(&b) = bits.get(slot)
        && b != 0
    {
        return Err(Failure {
            plugin: F_VOLUME_BINDING,
            unresolvable: true,
            fit: b,
            reason: 0,
        });
    }
    // PodTopologySpread
    if ctx.skip & (1 << F_SPREAD) == 0 {
        for s in ctx.spread {
            let c = &pod.spread[s.constraint];
            let Some(value) = label_in(&s.values, slot as u32) else {
                return Err(Failure::new(F_SPREAD, true, R_SPREAD_LABEL));
            };
            let matching = s.counts.get(&value).copied().unwrap_or(0);
            let skew = matching + i64::from(s.self_match) - s.min;
            if skew > c.max_skew {
                return Err(Failure::new(F_SPREAD, false, R_SPREAD));
            }
        }
    }
    // InterPodAffinity
    if ctx.skip & (1 << F_INTERPOD) != 0 {
        return Ok(());
    }
    let Some(state) = ctx.interpod else {
        return Ok(());
    };
    if let Some(aff) = &pod.affinity {
        if !aff.required.is_empty() {
            let mut pods_exist = true;
            for t in aff.required.iter() {
                let Some(v) = node.label(t.topology_key) else {
                    return Err(Failure::new(F_INTERPOD, true, R_POD_AFFINITY));
                };
                if state
                    .affinity
                    .get(&(t.topology_key, v))
                    .copied()
                    .unwrap_or(0)
                    <= 0
                {
                    pods_exist = false;
                }
            }
            // The first pod of a group with affinity to itself may go anywhere.
            let first_of_group = state.affinity.is_empty() && state.self_match;
            if !pods_exist && !first_of_group {
                return Err(Failure::new(F_INTERPOD, true, R_POD_AFFINITY));
            }
        }
        if !state.anti.is_empty() {
            for t in aff.required_anti.iter() {
                if let Some(v) = node.label(t.topology_key)
                    && state.anti.get(&(t.topology_key, v)).copied().unwrap_or(0) > 0
                {
                    return Err(Failure::new(F_INTERPOD, false, R_POD_ANTI_AFFINITY));
                }
            }
        }
    }
    if !state.existing_anti.is_empty()
        && node
            .labels
            .iter()
            .any(|kv| state.existing_anti.get(kv).copied().unwrap_or(0) > 0)
    {
        return Err(Failure::new(F_INTERPOD, false, R_EXISTING_ANTI_AFFINITY));
    }
    Ok(())
}

/// Runs the filter plugins on one node, stopping at the first failure
/// (the general path, used by preemption's dry run).
pub(crate) fn filter(
    ctx: &FilterCtx,
    slot: usize,
    node: &NodeInfo,
    usage: &Usage,
    wildcard_ip: Sym,
) -> Result<(), Failure> {
    static_filters(ctx, node)?;
    dynamic_filters(ctx, slot, node, usage.ports, wildcard_ip, || {
        fit(ctx.pod, node, usage)
    })
}

/// True when `node` counts for a spread constraint under its node
/// inclusion policies.
#[inline]
pub(crate) fn spread_includes(
    c: &SpreadConstraint,
    pod: &PodSpecInfo,
    node: &NodeInfo,
    interner: &Interner,
) -> bool {
    if c.honor_affinity
        && !pod
            .required_node
            .matches(&node.labels, node.name_sym, interner)
    {
        return false;
    }
    if c.honor_taints && untolerated_taint(&node.taints, &pod.tolerations).is_some() {
        return false;
    }
    true
}

/// PodTopologySpread PreFilter: matching pods per domain for each hard
/// constraint, over every node that has all topology keys and passes the
/// inclusion policies.
pub(crate) fn spread_prefilter(
    pod: &PodSpecInfo,
    cache: &Cache,
    interner: &Interner,
    domains: &mut SpreadDomainCache,
    columns: &mut LabelColumns,
) -> Vec<SpreadCount> {
    let hard: Vec<usize> = (0..pod.spread.len())
        .filter(|&i| pod.spread[i].hard)
        .collect();
    if hard.is_empty() {
        return Vec::new();
    }
    let shape: Vec<(Sym, bool, bool)> = hard
        .iter()
        .map(|&i| {
            let c = &pod.spread[i];
            (c.topology_key, c.honor_affinity, c.honor_taints)
        })
        .collect();
    let entry = domains.get(pod, &shape, cache, interner);
    let mut out = Vec::with_capacity(hard.len());
    for (j, &i) in hard.iter().enumerate() {
        let c = &pod.spread[i];
        let by_slot = &entry.domains[j];
        let mut counts = entry.zero[j].clone();
        for &set_id in cache.sets_in(pod.namespace) {
            let set = &cache.label_sets[set_id as usize];
            if !c.selector.matches(&set.labels, interner) {
                continue;
            }
            for &(node, _, active) in &set.nodes {
                let d = by_slot.get(node as usize).copied().unwrap_or(NO_DOMAIN);
                if active != 0
                    && d != NO_DOMAIN
                    && let Some(n) = counts.get_mut(&d)
                {
                    *n += i64::from(active);
                }
            }
        }
        let mut s = SpreadCount {
            constraint: i,
            counts,
            self_match: c.selector.matches(&pod.labels, interner),
            min: 0,
            values: columns.get(cache, c.topology_key),
        };
        s.update_min(c.min_domains);
        out.push(s);
    }
    out
}

/// Each node's value of a label key, by slot, for the keys the spread
/// plugins read on every node (a column is one small array; a node's
/// labels are a pointer away). Valid per node epoch: labels only change
/// with it.
#[derive(Clone, Debug, Default)]
pub(crate) struct LabelColumns {
    epoch: u64,
    columns: FxMap<Sym, Rc<[Sym]>>,
}

impl LabelColumns {
    /// The column of `key` ([`NO_DOMAIN`] where a node lacks the label).
    pub(crate) fn get(&mut self, cache: &Cache, key: Sym) -> Rc<[Sym]> {
        if self.epoch != cache.static_epoch {
            self.columns.clear();
            self.epoch = cache.static_epoch;
        }
        self.columns
            .entry(key)
            .or_insert_with(|| {
                cache
                    .nodes
                    .iter()
                    .map(|n| n.label(key).unwrap_or(NO_DOMAIN))
                    .collect()
            })
            .clone()
    }
}

/// A node's value in a label column, if it has the label.
#[inline]
pub(crate) fn label_in(column: &[Sym], slot: u32) -> Option<Sym> {
    column
        .get(slot as usize)
        .copied()
        .filter(|v| *v != NO_DOMAIN)
}

/// A node that is not a domain of a constraint (excluded, or missing a key).
pub(crate) const NO_DOMAIN: Sym = Sym::MAX;

/// For each hard constraint, every node's domain (its topology value) if
/// the node counts (it has all the keys and passes the inclusion
/// policies), and every domain with a zero count.
#[derive(Clone, Debug)]
pub(crate) struct SpreadDomains {
    hash: u64,
    key: Rc<super::podinfo::StaticKey>,
    shape: Vec<(Sym, bool, bool)>,
    epoch: u64,
    domains: Vec<Rc<[Sym]>>,
    zero: Vec<FxMap<Sym, i64>>,
}

/// Recently used [`SpreadDomains`], valid per node epoch: which nodes count
/// depends only on node labels and taints and the pod's affinity and
/// tolerations.
#[derive(Clone, Debug, Default)]
pub(crate) struct SpreadDomainCache {
    entries: Vec<Rc<SpreadDomains>>,
}

impl SpreadDomainCache {
    fn get(
        &mut self,
        pod: &PodSpecInfo,
        shape: &[(Sym, bool, bool)],
        cache: &Cache,
        interner: &Interner,
    ) -> Rc<SpreadDomains> {
        let (hash, key) = &pod.static_key;
        if let Some(e) = self.entries.iter().find(|e| {
            e.epoch == cache.static_epoch
                && e.hash == *hash
                && e.shape == shape
                && (Rc::ptr_eq(&e.key, key) || *e.key == **key)
        }) {
            return e.clone();
        }
        let mut domains: Vec<Vec<Sym>> = vec![vec![NO_DOMAIN; cache.nodes.len()]; shape.len()];
        let mut zero: Vec<FxMap<Sym, i64>> = vec![fx_map(); shape.len()];
        for &slot in cache.order.iter() {
            let node = &cache.nodes[slot as usize];
            if !shape.iter().all(|(k, _, _)| node.label(*k).is_some()) {
                continue;
            }
            for (j, &(k, honor_affinity, honor_taints)) in shape.iter().enumerate() {
                if honor_affinity
                    && !pod
                        .required_node
                        .matches(&node.labels, node.name_sym, interner)
                {
                    continue;
                }
                if honor_taints && untolerated_taint(&node.taints, &pod.tolerations).is_some() {
                    continue;
                }
                let v = node.label(k).expect("checked above");
                domains[j][slot as usize] = v;
                zero[j].entry(v).or_insert(0);
            }
        }
        let e = Rc::new(SpreadDomains {
            hash: *hash,
            key: key.clone(),
            shape: shape.to_vec(),
            epoch: cache.static_epoch,
            domains: domains.into_iter().map(Rc::from).collect(),
            zero,
        });
        self.entries.retain(|x| x.epoch == cache.static_epoch);
        if self.entries.len() >= 16 {
            self.entries.remove(0);
        }
        self.entries.push(e.clone());
        e
    }
}

/// InterPodAffinity PreFilter: counts of pods matching the incoming pod's
/// required terms, and of existing pods whose required anti-affinity the
/// incoming pod would break, per topology pair.
pub(crate) fn interpod_prefilter(
    pod: &PodSpecInfo,
    cache: &Cache,
    interner: &Interner,
) -> InterPodCounts {
    let mut s = InterPodCounts::default();
    let own_ns_labels = cache.namespace_labels(pod.namespace);
    // Existing pods' required anti-affinity against the incoming pod.
    if cache.required_anti_pods > 0 {
        for &slot in cache.order.iter() {
            let node = &cache.nodes[slot as usize];
            for &id in &node.pods_with_required_anti {
                let Some(e) = &cache.pods[id as usize] else {
                    continue;
                };
                let Some(aff) = &e.info.affinity else {
                    continue;
                };
                for t in aff.required_anti.iter() {
                    if t.matches(pod.namespace, &pod.labels, own_ns_labels, interner)
                        && let Some(v) = node.label(t.topology_key)
                    {
                        *s.existing_anti.entry((t.topology_key, v)).or_insert(0) += 1;
                    }
                }
            }
        }
    }
    let Some(aff) = &pod.affinity else {
        return s;
    };
    if aff.required.is_empty() && aff.required_anti.is_empty() {
        return s;
    }
    s.self_match = !aff.required.is_empty()
        && aff
            .required
            .iter()
            .all(|t| t.matches(pod.namespace, &pod.labels, own_ns_labels, interner));
    for set in &cache.label_sets {
        if set.total == 0 {
            continue;
        }
        let ns_labels = cache.namespace_labels(set.namespace);
        let all_affinity = !aff.required.is_empty()
            && aff
                .required
                .iter()
                .all(|t| t.matches(set.namespace, &set.labels, ns_labels, interner));
        if all_affinity {
            for &(node, all, _) in &set.nodes {
                let n = &cache.nodes[node as usize];
                for t in aff.required.iter() {
                    if let Some(v) = n.label(t.topology_key) {
                        *s.affinity.entry((t.topology_key, v)).or_insert(0) += i64::from(all);
                    }
                }
            }
        }
        for t in aff.required_anti.iter() {
            if !t.matches(set.namespace, &set.labels, ns_labels, interner) {
                continue;
            }
            for &(node, all, _) in &set.nodes {
                if let Some(v) = cache.nodes[node as usize].label(t.topology_key) {
                    *s.anti.entry((t.topology_key, v)).or_insert(0) += i64::from(all);
                }
            }
        }
    }
    s
}

/// True when some toleration could tolerate a PreferNoSchedule taint
/// (its effect is empty or PreferNoSchedule); without one, TaintToleration's
/// score is the node's PreferNoSchedule taint count.
pub(crate) fn may_tolerate_prefer_no_schedule(tolerations: &[Toleration]) -> bool {
    tolerations
        .iter()
        .any(|t| matches!(t.effect, None | Some(Effect::PreferNoSchedule)))
}

/// TaintToleration Score: untolerated PreferNoSchedule taints.
/// `may_tolerate` is [`may_tolerate_prefer_no_schedule`] of `tolerations`;
/// when false the count comes from the packed numbers, so `node` is not
/// read (its cache lines stay cold).
#[inline]
pub(crate) fn taint_score(
    hot: &NodeHot,
    node: &NodeInfo,
    tolerations: &[Toleration],
    may_tolerate: bool,
) -> i64 {
    if hot.flags & HOT_PREFER_TAINTS == 0 {
        return 0;
    }
    if !may_tolerate && hot.prefer_taints != u8::MAX {
        return i64::from(hot.prefer_taints);
    }
    // Only tolerations with an empty or PreferNoSchedule effect count.
    let tolerates = |taint: &Taint| {
        tolerations.iter().any(|t| {
            matches!(t.effect, None | Some(Effect::PreferNoSchedule)) && t.tolerates(taint)
        })
    };
    node.taints
        .iter()
        .filter(|t| t.effect == Effect::PreferNoSchedule && !tolerates(t))
        .count() as i64
}

/// `leastRequestedScore`.
#[inline]
fn least_requested(requested: i64, capacity: i64) -> i64 {
    if capacity <= 0 || requested > capacity {
        return 0;
    }
    if capacity <= i64::MAX / MAX_NODE_SCORE && requested >= 0 {
        return div_exact((capacity - requested) * MAX_NODE_SCORE, capacity);
    }
    // Absurd sizes: (capacity − requested) × 100 may not fit an i64.
    ((i128::from(capacity) - i128::from(requested)) * i128::from(MAX_NODE_SCORE)
        / i128::from(capacity)) as i64
}

/// `a − b − c > 0`-style headroom without overflow.
#[inline]
fn exceeds(request: i64, allocatable: i64, used: i64, nominated: i64) -> bool {
    match allocatable
        .checked_sub(used)
        .and_then(|free| free.checked_sub(nominated))
    {
        Some(free) => request > free,
        None => {
            i128::from(request) > i128::from(allocatable) - i128::from(used) - i128::from(nominated)
        }
    }
}

/// NodeResourcesFit Score with the LeastAllocated strategy (cpu and memory,
/// weight 1 each, non-zero requests).
#[inline(always)]
pub(crate) fn least_allocated(pod: &PodSpecInfo, node: &NodeHot) -> i64 {
    if node.alloc_cpu > 0 && node.alloc_memory > 0 {
        return (least_requested(node.nz_cpu.saturating_add(pod.non_zero.0), node.alloc_cpu)
            + least_requested(
                node.nz_memory.saturating_add(pod.non_zero.1),
                node.alloc_memory,
            ))
            / 2;
    }
    let mut score = 0;
    let mut weights = 0;
    for (alloc, req) in [
        (node.alloc_cpu, node.nz_cpu.saturating_add(pod.non_zero.0)),
        (
            node.alloc_memory,
            node.nz_memory.saturating_add(pod.non_zero.1),
        ),
    ] {
        if alloc == 0 {
            continue;
        }
        score += least_requested(req, alloc);
        weights += 1;
    }
    if weights == 0 { 0 } else { score / weights }
}

/// `balancedResourceScore`: (1 − std of the usage fractions) × 100.
#[inline]
pub(crate) fn balanced_score(requested: [i64; 2], allocatable: [i64; 2]) -> i64 {
    let mut fractions = [0f64; 2];
    let mut n = 0;
    for i in 0..2 {
        if allocatable[i] == 0 {
            continue;
        }
        fractions[n] = (requested[i] as f64 / allocatable[i] as f64).min(1.0);
        n += 1;
    }
    let std = if n == 2 {
        ((fractions[0] - fractions[1]) / 2.0).abs()
    } else {
        0.0
    };
    ((1.0 - std) * MAX_NODE_SCORE as f64) as i64
}

/// NodeResourcesBalancedAllocation Score: how much placing the pod moves
/// the node's cpu/memory balance (PR #135573): 75 for no change, 50 from
/// perfectly balanced to perfectly imbalanced, 100 the other way.
#[inline]
pub(crate) fn balanced_allocation(pod: &PodSpecInfo, node: &NodeHot) -> i64 {
    let alloc = [node.alloc_cpu, node.alloc_memory];
    let with = [
        node.req_cpu.saturating_add(pod.requests.cpu),
        node.req_memory.saturating_add(pod.requests.memory),
    ];
    let with_pod = balanced_score(with, alloc);
    let without_pod = i64::from(node.balanced_without);
    MAX_NODE_SCORE / 2 + (MAX_NODE_SCORE / 2 + with_pod - without_pod) / 2
}

/// NodeResourcesFit (LeastAllocated) and BalancedAllocation scores,
/// memoized per node and pod size. Both read only the pod's requests and
/// the node's hot numbers, which change only when a pod lands on or leaves
/// the node (a new [`Cache::hot_gen`]), while consecutive cycles score the
/// same nodes for pods of the same size (a ReplicaSet's pods all ask for
/// the same). A hit returns exactly what the formulas would.
#[derive(Debug, Default)]
pub(crate) struct ResourceScoreMemo {
    /// Pod sizes (requests and non-zero requests of cpu and memory) and
    /// their classes, sorted by size (a sorted list rather than one more
    /// hash map type in the browser bundle).
    classes: Vec<([i64; 4], u16)>,
    /// `MEMO_WAYS` rows of `slots` entries, one row per class modulo
    /// `MEMO_WAYS`: a cycle reads one row in node order.
    entries: Vec<MemoEntry>,
    slots: usize,
    /// Entries keep the low 32 bits of a generation whose high bits are
    /// these; the table starts afresh when the cache's high bits move on.
    generation_high: u64,
}

#[derive(Clone, Copy, Debug, Default)]
struct MemoEntry {
    generation: u32,
    /// 0 for an empty entry: classes start at 1.
    class: u16,
    fit: u8,
    balanced: u8,
}

const MEMO_WAYS: usize = 16;
/// Past this many pod sizes the table starts afresh, so it stays bounded.
const MEMO_CLASSES: usize = 1 << 12;

/// A copy of the cluster (a dry run, a manifest check) starts with an
/// empty memo rather than copying up to a megabyte of it.
impl Clone for ResourceScoreMemo {
    fn clone(&self) -> ResourceScoreMemo {
        ResourceScoreMemo::default()
    }
}

impl ResourceScoreMemo {
    /// The pod's size class, with the table ready for the cache's nodes.
    pub(crate) fn prepare(&mut self, pod: &PodSpecInfo, cache: &Cache) -> u16 {
        let high = cache.next_hot_gen >> 32;
        if cache.hot.len() > self.slots || high != self.generation_high {
            self.slots = self.slots.max(cache.hot.len().next_power_of_two());
            self.entries = vec![MemoEntry::default(); self.slots * MEMO_WAYS];
            self.generation_high = high;
        }
        let key = [
            pod.requests.cpu,
            pod.requests.memory,
            pod.non_zero.0,
            pod.non_zero.1,
        ];
        let at = match self.classes.binary_search_by(|(k, _)| k.cmp(&key)) {
            Ok(i) => return self.classes[i].1,
            Err(at) => at,
        };
        if self.classes.len() >= MEMO_CLASSES {
            self.classes.clear();
            self.entries.fill(MemoEntry::default());
            let class = 1;
            self.classes.push((key, class));
            return class;
        }
        let class = self.classes.len() as u16 + 1;
        self.classes.insert(at, (key, class));
        class
    }

    /// `(least_allocated, balanced_allocation)` of the pod of `class` on the
    /// node in `slot` at generation `generation`.
    #[inline(always)]
    pub(crate) fn scores(
        &mut self,
        class: u16,
        slot: usize,
        generation: u64,
        pod: &PodSpecInfo,
        hot: &NodeHot,
    ) -> (i64, i64) {
        let low = generation as u32;
        // Only generations of the current high bits are kept and matched.
        let current = generation >> 32 == self.generation_high;
        let e = &mut self.entries[class as usize % MEMO_WAYS * self.slots + slot];
        if e.generation == low && e.class == class && current {
            return (i64::from(e.fit), i64::from(e.balanced));
        }
        let fit = least_allocated(pod, hot);
        let balanced = balanced_allocation(pod, hot);
        if current && let (Ok(f), Ok(b)) = (u8::try_from(fit), u8::try_from(balanced)) {
            *e = MemoEntry {
                generation: low,
                class,
                fit: f,
                balanced: b,
            };
        }
        (fit, balanced)
    }
}

const MB: i64 = 1024 * 1024;
const MIN_THRESHOLD: i64 = 23 * MB;
const MAX_CONTAINER_THRESHOLD: i64 = 1000 * MB;

/// ImageLocality Score.
#[inline]
pub(crate) fn image_locality(
    pod: &PodSpecInfo,
    hot: &NodeHot,
    node: &NodeInfo,
    cache: &Cache,
) -> i64 {
    // Without images on the node the sum is clamped up to the minimum: 0.
    if hot.flags & HOT_IMAGES == 0 {
        return 0;
    }
    let total = cache.num_nodes().max(1);
    let mut sum: i64 = 0;
    {
        for img in pod.images.iter() {
            if let Ok(i) = node.images.binary_search_by_key(img, |(s, _)| *s) {
                let size = node.images[i].1;
                let on = cache.image_nodes.get(img).copied().unwrap_or(0);
                let spread = f64::from(on) / total as f64;
                sum = sum.saturating_add((size as f64 * spread) as i64);
            }
        }
    }
    let max_threshold = MAX_CONTAINER_THRESHOLD * pod.images.len().max(1) as i64;
    let clamped = sum.clamp(MIN_THRESHOLD, max_threshold.max(MIN_THRESHOLD));
    if max_threshold <= MIN_THRESHOLD {
        return 0;
    }
    MAX_NODE_SCORE * (clamped - MIN_THRESHOLD) / (max_threshold - MIN_THRESHOLD)
}

/// Whether ImageLocality can score above 0 on any node: each image's
/// largest size scaled by its spread, summed, must pass the minimum
/// threshold (below it every node's sum is clamped to 0).
pub(crate) fn image_locality_possible(pod: &PodSpecInfo, cache: &Cache) -> bool {
    let total = cache.num_nodes().max(1) as f64;
    let bound: f64 = pod
        .images
        .iter()
        .map(|img| {
            let on = cache.image_nodes.get(img).copied().unwrap_or(0);
            let max = cache.image_max_size.get(img).copied().unwrap_or(0);
            max as f64 * (f64::from(on) / total)
        })
        .sum();
    bound > MIN_THRESHOLD as f64
}

/// NodeAffinity Score: the weights of the preferred terms the node matches.
#[inline]
pub(crate) fn node_affinity_score(pod: &PodSpecInfo, node: &NodeInfo, interner: &Interner) -> i64 {
    pod.preferred_node
        .iter()
        .filter(|(_, t)| t.matches(&node.labels, node.name_sym, interner))
        .map(|(w, _)| *w)
        .sum()
}

/// One soft spreading constraint prepared by PreScore.
pub(crate) struct SoftSpread {
    pub(crate) max_skew: i64,
    pub(crate) weight: f64,
    pub(crate) hostname: bool,
    /// Matching pods per domain (non-hostname keys).
    pub(crate) counts: FxMap<Sym, i64>,
    /// Matching pods per node slot (hostname key).
    pub(crate) per_slot: Vec<u32>,
}

/// `scoreForCount`.
#[inline]
pub(crate) fn score_for_count(count: i64, max_skew: i64, weight: f64) -> f64 {
    count as f64 * weight + (max_skew - 1) as f64
}

/// `topologyNormalizingWeight`.
pub(crate) fn topology_normalizing_weight(size: usize) -> f64 {
    ((size + 2) as f64).ln()
}
