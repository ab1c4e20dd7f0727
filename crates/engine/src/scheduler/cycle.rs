//! One scheduling cycle (`schedule_one.go`): PreFilter, Filter over the
//! nodes from the rotating start index until enough feasible nodes are
//! found (percentageOfNodesToScore), PostFilter (preemption) when none is,
//! PreScore/Score/NormalizeScore, `selectHost`, and binding or failure
//! handling with the real event and condition texts.

use crate::sort::CompactSort;
use std::rc::Rc;

use super::SchedulerState;
use super::explain::{AttemptDetail, AttemptOutcome, SchedulingAttempt};
use super::plugins::*;
use super::podinfo::{PodSpecInfo, Resources, SpreadConstraint};
use super::selectors::Selector;
use super::util::{FxMap, Interner, PodKey, Sym, div_exact, fx_map};
use crate::cluster::{Cluster, res};
use crate::events::EventType;
use crate::store::ObjectKey;
use crate::time::rfc3339;
use crate::value::Value;

/// The reporting component of the scheduler's events.
pub(crate) const COMPONENT: &str = "default-scheduler";
/// `validation.NoteLengthLimit`: events longer than this are truncated.
const NOTE_LENGTH_LIMIT: usize = 1024;

/// `numFeasibleNodesToFind` with the adaptive percentage (the profile
/// leaves percentageOfNodesToScore at 0).
pub(crate) fn num_feasible_nodes_to_find(num_all_nodes: usize) -> usize {
    const MIN_FEASIBLE_NODES_TO_FIND: usize = 100;
    const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND: usize = 5;
    if num_all_nodes < MIN_FEASIBLE_NODES_TO_FIND {
        return num_all_nodes;
    }
    let percentage = 50usize
        .saturating_sub(num_all_nodes / 125)
        .max(MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND);
    (num_all_nodes * percentage / 100).max(MIN_FEASIBLE_NODES_TO_FIND)
}

/// `FitError.Error()`: `0/N nodes are available: <histogram>. <postfilter>`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn fit_error_message(
    num_all_nodes: usize,
    prefilter: Option<&str>,
    failures: &[(u32, Failure)],
    absent: Option<u32>,
    reasons: &ReasonTable,
    scalar_reasons: &[u32],
    post_filter: Option<&str>,
) -> String {
    let mut msg = format!("0/{num_all_nodes} nodes are available:");
    if let Some(p) = prefilter {
        msg.push(' ');
        msg.push_str(p);
        msg.push('.');
    } else {
        let mut counts: Vec<(u32, usize)> = Vec::new();
        let mut bump = |id: u32, n: usize| match counts.iter_mut().find(|(r, _)| *r == id) {
            Some(e) => e.1 += n,
            None => counts.push((id, n)),
        };
        for (_, f) in failures {
            f.for_each_reason(scalar_reasons, |id| bump(id, 1));
        }
        if failures.len() < num_all_nodes
            && let Some(a) = absent
        {
            bump(a, num_all_nodes - failures.len());
        }
        let mut parts: Vec<String> = counts
            .iter()
            .map(|(id, n)| format!("{n} {}", reasons.get(*id)))
            .collect();
        // sort.Strings: byte order, so "10 x" sorts before "2 y".
        parts.compact_sort();
        if !parts.is_empty() {
            msg.push(' ');
            msg.push_str(&parts.join(", "));
            msg.push('.');
        }
    }
    if let Some(p) = post_filter {
        msg.push(' ');
        msg.push_str(p);
    }
    msg
}

/// `truncateMessage`.
fn truncate_message(message: &str) -> String {
    if message.len() <= NOTE_LENGTH_LIMIT {
        return message.to_string();
    }
    let mut end = NOTE_LENGTH_LIMIT - 4;
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    format!("{} ...", &message[..end])
}

/// The node names a required node affinity pins the pod to through
/// `matchFields` on `metadata.name` (NodeAffinity's PreFilterResult).
fn prefilter_node_names(pod: &PodSpecInfo) -> Option<Vec<Sym>> {
    let terms = pod.required_node.terms.as_ref()?;
    let mut all: Vec<Sym> = Vec::new();
    for t in terms.iter() {
        let mut term_names: Option<Vec<Sym>> = None;
        for f in t.fields.iter().filter(|f| !f.not_in) {
            term_names = Some(match term_names {
                None => f.names.to_vec(),
                Some(prev) => prev.into_iter().filter(|n| f.names.contains(n)).collect(),
            });
        }
        let names = term_names?;
        for n in names {
            if !all.contains(&n) {
                all.push(n);
            }
        }
    }
    Some(all)
}

/// `helper.DefaultSelector`: the selectors of the Services selecting the
/// pod and of its controlling ReplicationController, ReplicaSet or
/// StatefulSet, for the system-default spreading constraints.
fn default_selector(
    cluster: &Cluster,
    pod: &PodSpecInfo,
    interner: &mut Interner,
) -> Option<Selector> {
    let ns = interner.str(pod.namespace).clone();
    let mut set: Vec<(Sym, Sym)> = Vec::new();
    for (_, svc) in cluster.store.list(res("Service"), Some(&ns)) {
        let sel = svc.at(&["spec", "selector"]);
        if sel.as_object().is_none() {
            continue;
        }
        let pairs = super::util::intern_labels(interner, sel);
        if pairs
            .iter()
            .all(|&(k, v)| super::util::label(&pod.labels, k) == Some(v))
        {
            for p in pairs.iter() {
                if !set.contains(p) {
                    set.push(*p);
                }
            }
        }
    }
    set.compact_sort();
    let mut reqs = match Selector::from_set(&set) {
        Selector::Reqs(r) => r.into_vec(),
        Selector::Nothing => Vec::new(),
    };
    if let Some((kind, name)) = &pod.owner {
        let owner_kind = match &**kind {
            "ReplicationController" => Some("ReplicationController"),
            "ReplicaSet" => Some("ReplicaSet"),
            "StatefulSet" => Some("StatefulSet"),
            _ => None,
        };
        if let Some(k) = owner_kind
            && let Some(owner) = cluster.store.get_named(res(k), &ns, name)
        {
            let sel = owner.at(&["spec", "selector"]);
            if k == "ReplicationController" {
                let pairs = super::util::intern_labels(interner, sel);
                for p in pairs.iter() {
                    if !set.contains(p) {
                        set.push(*p);
                    }
                }
                set.compact_sort();
                reqs = match Selector::from_set(&set) {
                    Selector::Reqs(r) => r.into_vec(),
                    Selector::Nothing => Vec::new(),
                };
            } else if let Selector::Reqs(r) = Selector::compile(sel, interner) {
                reqs.extend(r.iter().cloned());
            }
        }
    }
    (!reqs.is_empty()).then(|| Selector::Reqs(reqs.into_boxed_slice()))
}

/// What the filter phase found.
pub(crate) struct FilterOutcome {
    pub(crate) feasible: Vec<u32>,
    /// Nodes rejected by the dynamic filters (NodePorts onwards); static
    /// rejections are in `static_codes`.
    pub(crate) failures: Vec<(u32, Failure)>,
    pub(crate) narrowed: Option<Vec<u32>>,
    pub(crate) prefilter: Option<(u8, Rc<str>)>,
    pub(crate) skip: u16,
    pub(crate) spread: Vec<SpreadCount>,
    pub(crate) interpod: Option<InterPodCounts>,
    /// VolumeBinding's reason bits per node slot, for pods with claims.
    pub(crate) volumes: Option<Rc<[u8]>>,
    pub(crate) nominated_usage: FxMap<u32, (Resources, usize)>,
    /// The static filters' verdict per node position ([`encode_static`]).
    pub(crate) static_codes: Rc<[u8]>,
    /// Where the scan started (in candidate order) and how many nodes it
    /// looked at; `nominated_first` when only the nominated node was needed.
    pub(crate) start: usize,
    pub(crate) processed: usize,
    pub(crate) nominated_first: Option<u32>,
}

impl FilterOutcome {
    /// The node positions this attempt evaluated, in order.
    pub(crate) fn evaluated(&self) -> Vec<u32> {
        if let Some(p) = self.nominated_first {
            return vec![p];
        }
        let n = self
            .narrowed
            .as_ref()
            .map_or(self.static_codes.len(), Vec::len);
        (0..self.processed)
            .map(|i| {
                let c = (self.start + i) % n.max(1);
                match &self.narrowed {
                    Some(v) => v[c],
                    None => c as u32,
                }
            })
            .collect()
    }

    /// Every rejected node's status, in evaluation order.
    pub(crate) fn all_failures(&self) -> Vec<(u32, Failure)> {
        all_failures(&self.evaluated(), &self.static_codes, &self.failures)
    }
}

/// Merges the static verdicts of the evaluated nodes with the dynamic
/// failures (both in evaluation order).
pub(crate) fn all_failures(
    evaluated: &[u32],
    static_codes: &[u8],
    dynamic: &[(u32, Failure)],
) -> Vec<(u32, Failure)> {
    let mut out = Vec::new();
    let mut d = 0;
    for &pos in evaluated {
        let code = static_codes.get(pos as usize).copied().unwrap_or(1);
        if code != 1 {
            if let Err(f) = decode_static(code) {
                out.push((pos, f));
            }
        } else if d < dynamic.len() && dynamic[d].0 == pos {
            out.push(dynamic[d]);
            d += 1;
        }
    }
    out
}

/// Requests of pods nominated to each node with priority at least the
/// pod's (RunFilterPluginsWithNominatedPods counts them as present).
fn nominated_usage(
    st: &SchedulerState,
    key: &PodKey,
    pod: &PodSpecInfo,
) -> FxMap<u32, (Resources, usize)> {
    let mut out: FxMap<u32, (Resources, usize)> = fx_map();
    for (node, keys) in &st.queue.nominated {
        let Some(&slot) = st.cache.by_name.get(node) else {
            continue;
        };
        for k in keys {
            if k == key {
                continue;
            }
            let Some(e) = st.queue.entries.get(k) else {
                continue;
            };
            if e.info.priority >= pod.priority {
                let u = out.entry(slot).or_default();
                u.0.add(&e.info.requests);
                u.1 += 1;
            }
        }
    }
    out
}

/// How many pod signatures keep cached static filter results.
const STATIC_CACHE_ENTRIES: usize = 64;

/// Cached verdicts of the static filters (NodeUnschedulable, NodeName,
/// TaintToleration, NodeAffinity) per pod signature: one code per node
/// position and a bitset of the nodes that pass, valid while no node's
/// labels, taints or schedulability change and no node comes or goes.
#[derive(Clone, Default)]
pub(crate) struct StaticCache {
    entries: Vec<StaticEntry>,
    tick: u64,
}

#[derive(Clone)]
struct StaticEntry {
    hash: u64,
    key: Rc<super::podinfo::StaticKey>,
    epoch: u64,
    used: u64,
    codes: Rc<[u8]>,
    pass: Rc<[u64]>,
}

impl StaticCache {
    fn find(&mut self, key: &(u64, Rc<super::podinfo::StaticKey>), epoch: u64) -> Option<usize> {
        self.tick += 1;
        let i = self.entries.iter().position(|e| {
            e.epoch == epoch && e.hash == key.0 && (Rc::ptr_eq(&e.key, &key.1) || *e.key == *key.1)
        })?;
        self.entries[i].used = self.tick;
        Some(i)
    }

    fn insert(&mut self, e: StaticEntry) -> usize {
        // Entries of an old epoch go first, then the least recently used.
        if let Some(i) = self.entries.iter().position(|x| x.epoch != e.epoch) {
            self.entries[i] = e;
            return i;
        }
        if self.entries.len() < STATIC_CACHE_ENTRIES {
            self.entries.push(e);
            return self.entries.len() - 1;
        }
        let lru = (0..self.entries.len())
            .min_by_key(|&i| self.entries[i].used)
            .unwrap_or(0);
        self.entries[lru] = e;
        lru
    }
}

/// The first set bit at or after `from` and before `end`.
#[inline]
fn next_pass(bits: &[u64], from: usize, end: usize) -> Option<usize> {
    let mut w = from / 64;
    if w >= bits.len() || from >= end {
        return None;
    }
    let mut word = bits[w] & (!0u64 << (from % 64));
    loop {
        if word != 0 {
            let p = w * 64 + word.trailing_zeros() as usize;
            return (p < end).then_some(p);
        }
        w += 1;
        if w >= bits.len() || w * 64 >= end {
            return None;
        }
        word = bits[w];
    }
}

/// NodeAffinity's raw score per node slot, cached per preferred terms and
/// node epoch (it reads only node labels and names).
#[derive(Clone, Default)]
pub(crate) struct PreferredCache {
    entries: Vec<(u64, Value, u64, Rc<[i32]>)>,
}

impl PreferredCache {
    fn scores(
        &mut self,
        pod: &PodSpecInfo,
        cache: &super::cache::Cache,
        interner: &Interner,
    ) -> Rc<[i32]> {
        let (hash, key) = &pod.preferred_key;
        if let Some(e) = self
            .entries
            .iter()
            .find(|e| e.2 == cache.static_epoch && e.0 == *hash && super::util::same(&e.1, key))
        {
            return e.3.clone();
        }
        let scores: Rc<[i32]> = cache
            .nodes
            .iter()
            .map(|n| node_affinity_score(pod, n, interner) as i32)
            .collect();
        self.entries.retain(|e| e.2 == cache.static_epoch);
        if self.entries.len() >= 16 {
            self.entries.remove(0);
        }
        self.entries
            .push((*hash, key.clone(), cache.static_epoch, scores.clone()));
        scores
    }
}

/// PreFilter and Filter (`findNodesThatFitPod`).
pub(crate) fn find_nodes_that_fit(
    st: &mut SchedulerState,
    key: &PodKey,
    pod: &PodSpecInfo,
    nominated_node: Option<&str>,
    volumes: super::volumes::Verdict,
) -> FilterOutcome {
    let mut out = FilterOutcome {
        feasible: Vec::new(),
        failures: Vec::new(),
        narrowed: None,
        prefilter: None,
        skip: 0,
        spread: Vec::new(),
        interpod: None,
        volumes: None,
        nominated_usage: fx_map(),
        static_codes: Rc::from(Vec::new()),
        start: 0,
        processed: 0,
        nominated_first: None,
    };
    // PreFilter.
    if !pod.required_node.is_set() {
        out.skip |= 1 << F_NODE_AFFINITY;
    }
    if pod.host_ports.is_empty() {
        out.skip |= 1 << F_NODE_PORTS;
    }
    if let Some(names) = prefilter_node_names(pod) {
        if names.is_empty() {
            out.prefilter = Some((F_NODE_AFFINITY, Rc::from("pod affinity terms conflict")));
            return out;
        }
        let mut positions: Vec<u32> = Vec::new();
        for (pos, &slot) in st.cache.order.iter().enumerate() {
            if names.contains(&st.cache.nodes[slot as usize].name_sym) {
                positions.push(pos as u32);
            }
        }
        out.narrowed = Some(positions);
    }
    // VolumeRestrictions and VolumeBinding (their Filter checks only what
    // their PreFilter found for pods with claims).
    out.skip |= 1 << F_VOLUME_RESTRICTIONS;
    match volumes {
        Err(rejection) => {
            out.prefilter = Some(rejection);
            return out;
        }
        Ok(None) => out.skip |= 1 << F_VOLUME_BINDING,
        Ok(Some(bits)) => out.volumes = Some(bits),
    }
    out.spread = spread_prefilter(
        pod,
        &st.cache,
        &st.interner,
        &mut st.spread_domains,
        &mut st.label_columns,
    );
    if out.spread.is_empty() {
        out.skip |= 1 << F_SPREAD;
    }
    let required_terms = pod
        .affinity
        .as_ref()
        .is_some_and(|a| !a.required.is_empty() || !a.required_anti.is_empty());
    if required_terms || st.cache.required_anti_pods > 0 {
        out.interpod = Some(interpod_prefilter(pod, &st.cache, &st.interner));
    } else {
        out.skip |= 1 << F_INTERPOD;
    }
    if !st.queue.nominated.is_empty() {
        out.nominated_usage = nominated_usage(st, key, pod);
    }
    // Filter.
    let n_cand = out.narrowed.as_ref().map_or(st.cache.order.len(), Vec::len);
    let to_find = num_feasible_nodes_to_find(n_cand);
    let spare_feasible = st.attempts.take_feasible(to_find.min(n_cand));
    let SchedulerState {
        cache,
        interner,
        syms,
        static_cache,
        next_start,
        ..
    } = st;
    let cache: &super::cache::Cache = cache;
    let ctx = FilterCtx {
        pod,
        interner,
        skip: out.skip,
        unschedulable_taint: &syms.unschedulable_taint,
        spread: &out.spread,
        interpod: out.interpod.as_ref(),
        volumes: out.volumes.as_deref(),
    };
    let order = &cache.order;
    let n_all = order.len();
    let entry = match static_cache.find(&pod.static_key, cache.static_epoch) {
        Some(i) => i,
        None => {
            let mut codes = vec![1u8; n_all];
            let mut pass = vec![0u64; n_all.div_ceil(64)];
            for (pos, &slot) in order.iter().enumerate() {
                codes[pos] = encode_static(static_filters(&ctx, &cache.nodes[slot as usize]));
                if codes[pos] == 1 {
                    pass[pos / 64] |= 1 << (pos % 64);
                }
            }
            static_cache.insert(StaticEntry {
                hash: pod.static_key.0,
                key: pod.static_key.1.clone(),
                epoch: cache.static_epoch,
                used: static_cache.tick,
                codes: codes.into(),
                pass: pass.into(),
            })
        }
    };
    let codes = static_cache.entries[entry].codes.clone();
    let pass = static_cache.entries[entry].pass.clone();
    let wildcard = syms.wildcard_ip;
    let nominated = &out.nominated_usage;
    let has_nominated = !nominated.is_empty();
    // Pods asking for ephemeral storage or extended resources are checked
    // on NodeInfo; the others on the packed numbers.
    let scalars = !pod.requests.scalars.is_empty() || pod.requests.ephemeral != 0;
    // The dynamic filters of a node that passed the static ones.
    let dynamic = |pos: u32| -> Result<(), Failure> {
        let slot = order[pos as usize] as usize;
        let node = &cache.nodes[slot];
        let nom = if has_nominated {
            nominated.get(&(slot as u32))
        } else {
            None
        };
        dynamic_filters(&ctx, slot, node, &node.used_ports, wildcard, || {
            if scalars {
                let mut usage = Usage::of(node);
                if let Some((r, n)) = nom {
                    usage.nominated = Some(r);
                    usage.pods += n;
                }
                fit(pod, node, &usage)
            } else {
                fit_hot(pod, &cache.hot[slot], nom)
            }
        })
    };
    let mut feasible = spare_feasible;
    let mut failures = Vec::new();
    let mut start_index = *next_start;
    // The nominated node is evaluated first; if it fits it is used.
    if let Some(nom) = nominated_node
        && let Some(&slot) = cache.by_name.get(nom)
        && let Some(pos) = order.iter().position(|s| *s == slot)
    {
        start_index = 0;
        if codes[pos] == 1 && dynamic(pos as u32).is_ok() {
            feasible.push(pos as u32);
            out.nominated_first = Some(pos as u32);
        }
    }
    if out.nominated_first.is_none() && n_cand > 0 {
        let start = start_index % n_cand;
        let mut processed = 0;
        // Most pods need none of NodePorts, PodTopologySpread,
        // InterPodAffinity, nominated pods' room or extended resources:
        // their verdict is NodeResourcesFit on the packed numbers alone.
        const OTHERS: u32 =
            1 << F_NODE_PORTS | 1 << F_VOLUME_BINDING | 1 << F_SPREAD | 1 << F_INTERPOD;
        let only_fit = u32::from(out.skip) & OTHERS == OTHERS && !has_nominated && !scalars;
        let hot = &cache.hot;
        match &out.narrowed {
            Some(cand) => {
                for i in 0..n_cand {
                    let pos = cand[(start + i) % n_cand];
                    processed += 1;
                    if codes[pos as usize] == 1
                        && file_verdict(pos, dynamic(pos), to_find, &mut feasible, &mut failures)
                    {
                        break;
                    }
                }
            }
            None => {
                // Statically rejected nodes are skipped 64 at a time.
                'scan: for (from, end) in [(start, n_cand), (0, start)] {
                    let mut p = from;
                    while let Some(q) = next_pass(&pass, p, end) {
                        processed += q + 1 - p;
                        p = q + 1;
                        // The common case without the general filters.
                        let verdict = if only_fit {
                            match fit_hot(pod, &hot[order[q] as usize], None) {
                                None => Ok(()),
                                Some(f) => Err(f),
                            }
                        } else {
                            dynamic(q as u32)
                        };
                        let enough =
                            file_verdict(q as u32, verdict, to_find, &mut feasible, &mut failures);
                        if enough {
                            break 'scan;
                        }
                    }
                    processed += end - p;
                }
            }
        }
        out.start = start;
        out.processed = processed;
        start_index = (start + processed) % n_cand;
    }
    *next_start = start_index;
    out.static_codes = codes;
    out.feasible = feasible;
    out.failures = failures;
    out
}

/// Files one node's filter verdict; true once enough nodes are feasible.
#[inline(always)]
fn file_verdict(
    pos: u32,
    verdict: Result<(), Failure>,
    to_find: usize,
    feasible: &mut Vec<u32>,
    failures: &mut Vec<(u32, Failure)>,
) -> bool {
    match verdict {
        Ok(()) => {
            feasible.push(pos);
            feasible.len() >= to_find
        }
        Err(f) => {
            failures.push((pos, f));
            false
        }
    }
}

/// Scores of the feasible nodes: raw per plugin, and how to normalize them.
pub(crate) struct Scores {
    pub(crate) raw: Vec<[i32; 7]>,
    pub(crate) norm: Normalizer,
    /// Indices (into the feasible list) PodTopologySpread ignored.
    pub(crate) ignored: Vec<u32>,
}

/// PreScore, Score and NormalizeScore of the default profile.
pub(crate) fn score_nodes(
    state: &mut SchedulerState,
    cluster: &Cluster,
    pod: &PodSpecInfo,
    feasible: &[u32],
) -> Scores {
    let mut memo = std::mem::take(&mut state.resource_memo);
    let class = memo.prepare(pod, &state.cache);
    let n = feasible.len();
    let mut raw = state.attempts.take_raw(n);
    let st = &mut *state;
    let mut skip: u8 = 0;
    // NodeAffinity: nothing to score without preferred terms.
    if pod.preferred_node.is_empty() {
        skip |= 1 << S_NODE_AFFINITY;
    }
    // BalancedAllocation skips best-effort pods (PR #130260).
    if pod.requests.cpu == 0 && pod.requests.memory == 0 {
        skip |= 1 << S_BALANCED;
    }
    // PodTopologySpread soft constraints, or the system defaults.
    let mut soft: Vec<SpreadConstraint> = pod.spread.iter().filter(|c| !c.hard).cloned().collect();
    let require_all = !pod.spread.is_empty();
    if pod.spread.is_empty()
        && let Some(sel) = default_selector(cluster, pod, &mut st.interner)
    {
        for (key, skew) in [(st.syms.hostname, 3), (st.syms.zone, 5)] {
            soft.push(SpreadConstraint {
                max_skew: skew,
                topology_key: key,
                selector: sel.clone(),
                min_domains: 1,
                honor_affinity: true,
                honor_taints: false,
                hard: false,
            });
        }
    }
    if soft.is_empty() {
        skip |= 1 << S_SPREAD;
    }
    let has_preferred = pod
        .affinity
        .as_ref()
        .is_some_and(|a| !a.preferred.is_empty() || !a.preferred_anti.is_empty());
    if !has_preferred && st.cache.affinity_pods == 0 {
        skip |= 1 << S_INTERPOD;
    }
    let preferred: Rc<[i32]> = if skip & (1 << S_NODE_AFFINITY) == 0 {
        st.preferred_cache.scores(pod, &st.cache, &st.interner)
    } else {
        Rc::from(Vec::new())
    };
    // The topology values of every node, one column per soft constraint.
    let columns: Vec<Rc<[Sym]>> = soft
        .iter()
        .map(|c| st.label_columns.get(&st.cache, c.topology_key))
        .collect();
    let st: &SchedulerState = st;
    let cache = &st.cache;
    let interner = &st.interner;
    let slot_of = |i: usize| cache.order[feasible[i] as usize];
    // PodTopologySpread PreScore.
    let mut ignored: Vec<bool> = Vec::new();
    let mut spread: Vec<SoftSpread> = Vec::new();
    if skip & (1 << S_SPREAD) == 0 {
        ignored = vec![false; n];
        let has_all = |slot: u32| columns.iter().all(|col| label_in(col, slot).is_some());
        for (i, ig) in ignored.iter_mut().enumerate() {
            *ig = require_all && !has_all(slot_of(i));
        }
        let kept = ignored.iter().filter(|i| !**i).count();
        for (c, col) in soft.iter().zip(&columns) {
            let hostname = c.topology_key == st.syms.hostname;
            let mut s = SoftSpread {
                max_skew: c.max_skew,
                weight: 0.0,
                hostname,
                counts: fx_map(),
                per_slot: Vec::new(),
            };
            let size;
            if hostname {
                size = kept;
                s.per_slot = vec![0; cache.nodes.len()];
                for &set_id in cache.sets_in(pod.namespace) {
                    let set = &cache.label_sets[set_id as usize];
                    if c.selector.matches(&set.labels, interner) {
                        for &(node, _, active) in &set.nodes {
                            s.per_slot[node as usize] += active;
                        }
                    }
                }
            } else {
                let mut labeled = false;
                for (i, ig) in ignored.iter().enumerate() {
                    if *ig {
                        continue;
                    }
                    let v = label_in(col, slot_of(i));
                    labeled |= v.is_some();
                    s.counts.entry(v.unwrap_or(st.syms.empty)).or_insert(0);
                }
                size = s.counts.len();
                // Counts only matter for nodes that carry the key.
                if labeled {
                    for &set_id in cache.sets_in(pod.namespace) {
                        let set = &cache.label_sets[set_id as usize];
                        if !c.selector.matches(&set.labels, interner) {
                            continue;
                        }
                        for &(node, _, active) in &set.nodes {
                            let ni = &cache.nodes[node as usize];
                            if !ni.exists
                                || (require_all && !has_all(node))
                                || !spread_includes(c, pod, ni, interner)
                            {
                                continue;
                            }
                            let v = label_in(col, node).unwrap_or(st.syms.empty);
                            if let Some(cnt) = s.counts.get_mut(&v) {
                                *cnt += i64::from(active);
                            }
                        }
                    }
                }
            }
            s.weight = topology_normalizing_weight(size);
            spread.push(s);
        }
    }
    // InterPodAffinity PreScore.
    let mut topo: FxMap<Sym, FxMap<Sym, i64>> = fx_map();
    if skip & (1 << S_INTERPOD) == 0 {
        if let Some(aff) = pod.affinity.as_ref().filter(|_| has_preferred) {
            for set in &cache.label_sets {
                if set.total == 0 {
                    continue;
                }
                let ns_labels = cache.namespace_labels(set.namespace);
                for (terms, sign) in [(&aff.preferred, 1), (&aff.preferred_anti, -1)] {
                    for t in terms.iter() {
                        if !t.matches(set.namespace, &set.labels, ns_labels, interner) {
                            continue;
                        }
                        for &(node, all, _) in &set.nodes {
                            let ni = &cache.nodes[node as usize];
                            if !ni.exists {
                                continue;
                            }
                            if let Some(v) = ni.label(t.topology_key) {
                                *topo
                                    .entry(t.topology_key)
                                    .or_default()
                                    .entry(v)
                                    .or_insert(0) += t.weight * sign * i64::from(all);
                            }
                        }
                    }
                }
            }
        }
        if cache.affinity_pods > 0 {
            let own_ns = cache.namespace_labels(pod.namespace);
            for &slot in cache.order.iter() {
                let node = &cache.nodes[slot as usize];
                for &id in &node.pods_with_affinity {
                    let Some(e) = &cache.pods[id as usize] else {
                        continue;
                    };
                    let Some(aff) = &e.info.affinity else {
                        continue;
                    };
                    // Hard affinity counts with hardPodAffinityWeight 1.
                    for (terms, weight, sign) in [
                        (&aff.required, Some(1), 1),
                        (&aff.preferred, None, 1),
                        (&aff.preferred_anti, None, -1),
                    ] {
                        for t in terms.iter() {
                            if t.matches(pod.namespace, &pod.labels, own_ns, interner)
                                && let Some(v) = node.label(t.topology_key)
                            {
                                *topo
                                    .entry(t.topology_key)
                                    .or_default()
                                    .entry(v)
                                    .or_insert(0) += weight.unwrap_or(t.weight) * sign;
                            }
                        }
                    }
                }
            }
        }
    }
    // Score.
    let simple = skip & (1 << S_NODE_AFFINITY | 1 << S_SPREAD | 1 << S_INTERPOD)
        == (1 << S_NODE_AFFINITY | 1 << S_SPREAD | 1 << S_INTERPOD);
    // Most pods only need the per-node numbers: a tight loop for them.
    let feasible_iter = feasible.iter().enumerate().filter(|_| !simple);
    let images = !pod.images.is_empty() && image_locality_possible(pod, cache);
    let may_tolerate = may_tolerate_prefer_no_schedule(&pod.tolerations);
    if simple {
        let balanced = skip & (1 << S_BALANCED) == 0;
        for &pos in feasible {
            let slot = cache.order[pos as usize] as usize;
            let hot = &cache.hot[slot];
            let mut r = [0i32; 7];
            if hot.flags != 0 {
                let node = &cache.nodes[slot];
                r[S_TAINT] = taint_score(hot, node, &pod.tolerations, may_tolerate) as i32;
                if images {
                    r[S_IMAGE] = image_locality(pod, hot, node, cache) as i32;
                }
            }
            let (fit, balanced_score) = memo.scores(class, slot, cache.hot_gen[slot], pod, hot);
            r[S_FIT] = fit as i32;
            if balanced {
                r[S_BALANCED] = balanced_score as i32;
            }
            raw.push(r);
        }
    }
    for (i, &pos) in feasible_iter {
        let mut r = [0i32; 7];
        let slot = cache.order[pos as usize];
        let hot = &cache.hot[slot as usize];
        let node = &cache.nodes[slot as usize];
        r[S_TAINT] = taint_score(hot, node, &pod.tolerations, may_tolerate) as i32;
        if skip & (1 << S_NODE_AFFINITY) == 0 {
            r[S_NODE_AFFINITY] = preferred[slot as usize];
        }
        let (fit, balanced) =
            memo.scores(class, slot as usize, cache.hot_gen[slot as usize], pod, hot);
        r[S_FIT] = fit as i32;
        if skip & (1 << S_SPREAD) == 0 && !ignored[i] {
            let mut s = 0f64;
            for (c, col) in spread.iter().zip(&columns) {
                if let Some(v) = label_in(col, slot) {
                    let cnt = if c.hostname {
                        i64::from(c.per_slot[slot as usize])
                    } else {
                        c.counts.get(&v).copied().unwrap_or(0)
                    };
                    s += score_for_count(cnt, c.max_skew, c.weight);
                }
            }
            r[S_SPREAD] = s.round() as i32;
        }
        if skip & (1 << S_INTERPOD) == 0 {
            let mut s = 0;
            for (key, values) in &topo {
                if let Some(v) = node.label(*key) {
                    s += values.get(&v).copied().unwrap_or(0);
                }
            }
            r[S_INTERPOD] = s.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32;
        }
        if skip & (1 << S_BALANCED) == 0 {
            r[S_BALANCED] = balanced as i32;
        }
        if images {
            r[S_IMAGE] = image_locality(pod, hot, node, cache) as i32;
        }
        raw.push(r);
    }
    // NormalizeScore: the per-plugin parameters; scores are normalized
    // on the fly (and again when an explanation is read).
    let col = |j: usize| raw.iter().map(move |r| i64::from(r[j]));
    let mut norm = Normalizer {
        skip,
        taint_max: col(S_TAINT).max().unwrap_or(0).max(0),
        affinity_max: if skip & (1 << S_NODE_AFFINITY) == 0 {
            col(S_NODE_AFFINITY).max().unwrap_or(0).max(0)
        } else {
            0
        },
        spread_min: i64::MAX,
        spread_max: 0,
        interpod: None,
    };
    if skip & (1 << S_SPREAD) == 0 {
        for (v, ig) in col(S_SPREAD).zip(&ignored) {
            if !ig {
                norm.spread_min = norm.spread_min.min(v);
                norm.spread_max = norm.spread_max.max(v);
            }
        }
    }
    if skip & (1 << S_INTERPOD) == 0 && !topo.is_empty() {
        norm.interpod = Some((
            col(S_INTERPOD).min().unwrap_or(0),
            col(S_INTERPOD).max().unwrap_or(0),
        ));
    }
    let ignored: Vec<u32> = ignored
        .iter()
        .enumerate()
        .filter(|(_, ig)| **ig)
        .map(|(i, _)| i as u32)
        .collect();
    state.resource_memo = memo;
    Scores { raw, norm, ignored }
}

/// What NormalizeScore needs to map a raw score to 0–100, per plugin.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Normalizer {
    pub(crate) skip: u8,
    taint_max: i64,
    affinity_max: i64,
    spread_min: i64,
    spread_max: i64,
    interpod: Option<(i64, i64)>,
}

impl Normalizer {
    /// The weighted total of one node (the sum of `normalize` × weights),
    /// without building the array.
    #[inline(always)]
    pub(crate) fn total(&self, raw: &[i32; 7], ignored: bool) -> i64 {
        let r = |j: usize| i64::from(raw[j]);
        let mut t = default_normalized(r(S_TAINT), self.taint_max, true) * SCORES[S_TAINT].1
            + r(S_FIT) * SCORES[S_FIT].1
            + r(S_IMAGE) * SCORES[S_IMAGE].1;
        if self.skip & (1 << S_BALANCED) == 0 {
            t += r(S_BALANCED) * SCORES[S_BALANCED].1;
        }
        // Only the columns in use are normalized (`normalize` does all
        // seven, for explanations).
        if self.skip & (1 << S_NODE_AFFINITY) == 0 {
            t += self.node_affinity(raw) * SCORES[S_NODE_AFFINITY].1;
        }
        if self.skip & (1 << S_SPREAD) == 0 {
            t += self.spread(raw, ignored) * SCORES[S_SPREAD].1;
        }
        if self.skip & (1 << S_INTERPOD) == 0 {
            t += match self.interpod {
                Some(range) => Self::interpod(raw, range),
                None => r(S_INTERPOD),
            } * SCORES[S_INTERPOD].1;
        }
        t
    }

    #[inline]
    fn node_affinity(&self, raw: &[i32; 7]) -> i64 {
        default_normalized(i64::from(raw[S_NODE_AFFINITY]), self.affinity_max, false)
    }

    #[inline]
    fn spread(&self, raw: &[i32; 7], ignored: bool) -> i64 {
        if ignored {
            0
        } else if self.spread_max == 0 {
            MAX_NODE_SCORE
        } else {
            MAX_NODE_SCORE * (self.spread_max + self.spread_min - i64::from(raw[S_SPREAD]))
                / self.spread_max
        }
    }

    #[inline]
    fn interpod(raw: &[i32; 7], (min, max): (i64, i64)) -> i64 {
        let diff = max - min;
        if diff > 0 {
            (MAX_NODE_SCORE as f64 * ((i64::from(raw[S_INTERPOD]) - min) as f64 / diff as f64))
                as i64
        } else {
            0
        }
    }

    /// The normalized scores of one node; `ignored` for PodTopologySpread's
    /// nodes without the topology keys.
    pub(crate) fn normalize(&self, raw: &[i32; 7], ignored: bool) -> [i32; 7] {
        let r = |j: usize| i64::from(raw[j]);
        let mut m = *raw;
        m[S_TAINT] = default_normalized(r(S_TAINT), self.taint_max, true) as i32;
        if self.skip & (1 << S_NODE_AFFINITY) == 0 {
            m[S_NODE_AFFINITY] = self.node_affinity(raw) as i32;
        }
        if self.skip & (1 << S_SPREAD) == 0 {
            m[S_SPREAD] = self.spread(raw, ignored) as i32;
        }
        if let Some(range) = self.interpod {
            m[S_INTERPOD] = Self::interpod(raw, range) as i32;
        }
        for (j, v) in m.iter_mut().enumerate() {
            if self.skip & (1 << j) != 0 {
                *v = 0;
            }
        }
        m
    }
}

/// `helper.DefaultNormalizeScore` for one score, given the column's maximum.
fn default_normalized(score: i64, max: i64, reverse: bool) -> i64 {
    if max == 0 {
        return if reverse { MAX_NODE_SCORE } else { score };
    }
    // Most nodes score 0 (no PreferNoSchedule taints): no division.
    let v = if score == 0 {
        0
    } else {
        div_exact(MAX_NODE_SCORE * score, max)
    };
    if reverse { MAX_NODE_SCORE - v } else { v }
}

/// `selectHost`: the highest total; ties broken uniformly at random
/// (reservoir sampling over the nodes with the top score).
pub(crate) fn select_host(cluster: &mut Cluster, scores: &Scores) -> usize {
    let mut best = i64::MIN;
    let mut chosen = 0;
    let mut count = 0u64;
    let mut consider = |i: usize, t: i64| {
        if t > best {
            best = t;
            chosen = i;
            count = 1;
        } else if t == best {
            count += 1;
            if cluster.rng.below(count) == 0 {
                chosen = i;
            }
        }
    };
    let norm = &scores.norm;
    if scores.ignored.is_empty() {
        for (i, r) in scores.raw.iter().enumerate() {
            consider(i, norm.total(r, false));
        }
    } else {
        let mut ignored = scores.ignored.iter().peekable();
        for (i, r) in scores.raw.iter().enumerate() {
            let ig = ignored.next_if(|&&j| j as usize == i).is_some();
            consider(i, norm.total(r, ig));
        }
    }
    chosen
}

fn pod_okey(key: &PodKey) -> ObjectKey {
    ObjectKey {
        resource: res("Pod"),
        namespace: key.namespace.clone(),
        name: key.name.clone(),
    }
}

/// Sets the PodScheduled condition (and the nomination) on a pod's status,
/// as `updatePod` does after a failed attempt.
fn set_unschedulable_status(
    cluster: &mut Cluster,
    key: &PodKey,
    reason: &str,
    message: &str,
    nominate: Option<Option<Rc<str>>>,
) {
    let okey = pod_okey(key);
    let Some(pod) = cluster.store.get(&okey) else {
        return;
    };
    let mut status = pod.get("status").clone();
    let mut conditions: Vec<Value> = status.get("conditions").items().cloned().collect();
    let now = Value::from(rfc3339(cluster.now));
    let existing = conditions
        .iter()
        .position(|c| c.get("type").as_str() == Some("PodScheduled"));
    let transition = match existing.map(|i| &conditions[i]) {
        Some(c) if c.get("status").as_str() == Some("False") => c.get("lastTransitionTime").clone(),
        _ => now,
    };
    let condition = Value::from_pairs([
        ("lastProbeTime", Value::Null),
        ("lastTransitionTime", transition),
        ("message", Value::str(message)),
        ("reason", Value::str(reason)),
        ("status", Value::str("False")),
        ("type", Value::str("PodScheduled")),
    ]);
    match existing {
        Some(i) => conditions[i] = condition,
        None => conditions.push(condition),
    }
    status.set("conditions", Value::array(conditions));
    match nominate {
        Some(Some(node)) => status.set("nominatedNodeName", Value::from(&*node)),
        Some(None) => {
            status.remove("nominatedNodeName");
        }
        None => {}
    }
    let _ = cluster.update_status(&okey, status);
}

/// Records an attempt in the explanation log.
fn record(
    st: &mut SchedulerState,
    key: &PodKey,
    at: u64,
    number: u32,
    outcome: AttemptOutcome,
    nodes_to_find: usize,
    detail: Option<AttemptDetail>,
) {
    let attempt = SchedulingAttempt {
        at,
        number,
        outcome,
        num_all_nodes: st.cache.num_nodes(),
        nodes_to_find,
        detail: Rc::new(std::cell::RefCell::new(detail)),
    };
    st.attempts.record(key, attempt);
}

/// The reason strings used by this pod's failures ("Insufficient
/// nvidia.com/gpu" for its extended resources).
fn scalar_reasons(st: &mut SchedulerState, pod: &PodSpecInfo) -> Box<[u32]> {
    pod.requests
        .scalars
        .iter()
        .map(|(name, _)| {
            let s = format!("Insufficient {}", st.interner.str(*name));
            st.reasons.id(&s)
        })
        .collect()
}

/// Fails an attempt with an error (`SchedulerError`): the pod is retried
/// after back-off.
fn fail_with_error(
    cluster: &mut Cluster,
    st: &mut SchedulerState,
    key: &PodKey,
    pod: &Value,
    number: u32,
    message: &str,
) {
    cluster.record_v1_event(
        pod,
        None,
        EventType::Warning,
        ("FailedScheduling", "Scheduling"),
        &truncate_message(message),
        COMPONENT,
    );
    set_unschedulable_status(cluster, key, "SchedulerError", message, None);
    st.queue.error(key, cluster.now);
    record(
        st,
        key,
        cluster.now,
        number,
        AttemptOutcome::Error {
            message: message.to_string(),
        },
        0,
        None,
    );
}

/// Runs one scheduling cycle for the popped pod `key`.
pub(crate) fn schedule_one(cluster: &mut Cluster, st: &mut SchedulerState, key: PodKey) {
    let Some(entry) = st.queue.entries.get(&key) else {
        return;
    };
    let info = entry.info.clone();
    let number = entry.attempts;
    let okey = pod_okey(&key);
    let Some(pod) = cluster.store.get(&okey).cloned() else {
        st.queue.remove(&key);
        return;
    };
    if pod
        .str_at(&["spec", "nodeName"])
        .is_some_and(|n| !n.is_empty())
    {
        st.queue.remove(&key);
        return;
    }
    if !pod.at(&["metadata", "deletionTimestamp"]).is_null() {
        cluster.record_v1_event(
            &pod,
            None,
            EventType::Warning,
            ("FailedScheduling", "Scheduling"),
            &format!("skip schedule deleting pod: {}/{}", key.namespace, key.name),
            COMPONENT,
        );
        st.queue.remove(&key);
        return;
    }
    st.stats.attempts += 1;
    let now = cluster.now;
    let n_all = st.cache.num_nodes();
    if n_all == 0 {
        fail_with_error(
            cluster,
            st,
            &key,
            &pod,
            number,
            "no nodes available to schedule pods",
        );
        return;
    }
    let nominated = pod
        .str_at(&["status", "nominatedNodeName"])
        .filter(|n| !n.is_empty())
        .map(str::to_string);
    let plan = super::volumes::prefilter(cluster, st, &pod);
    let bits = match &plan {
        Ok(p) => Ok(p.as_ref().map(|p| p.rejects.clone())),
        Err(e) => Err(e.clone()),
    };
    let found = find_nodes_that_fit(st, &key, &info, nominated.as_deref(), bits);
    let nodes_to_find = num_feasible_nodes_to_find(found.narrowed.as_ref().map_or(n_all, Vec::len));
    let scalar_reasons = if info.requests.scalars.is_empty() {
        Box::default()
    } else {
        scalar_reasons(st, &info)
    };
    let names = st.cache.order_names.clone();
    let mut detail = AttemptDetail {
        names,
        narrowed: found.narrowed.clone().map(Vec::into_boxed_slice),
        prefilter: found.prefilter.clone(),
        skip_filters: found.skip,
        scalar_reasons: scalar_reasons.clone(),
        ..Default::default()
    };
    detail.static_codes = found.static_codes.clone();
    detail.start = found.start;
    detail.processed = found.processed;
    detail.nominated_first = found.nominated_first;
    if found.feasible.is_empty() {
        let failures = found.all_failures();
        let mut rejectors: u16 = failures.iter().fold(0, |m, (_, f)| m | (1 << f.plugin));
        if let Some((p, _)) = &found.prefilter {
            rejectors |= 1 << p;
        }
        let absent = found.narrowed.as_ref().map(|_| R_PREFILTER_NODE_AFFINITY);
        let pre = super::preemption::preempt(
            cluster,
            st,
            &key,
            &info,
            nominated.as_deref(),
            &found,
            &failures,
        );
        let post = pre
            .message
            .as_ref()
            .map(|m| format!("no new claims to deallocate, preemption: {m}"));
        let message = fit_error_message(
            n_all,
            found.prefilter.as_ref().map(|(_, m)| &**m),
            &failures,
            absent,
            &st.reasons,
            &scalar_reasons,
            post.as_deref(),
        );
        cluster.record_v1_event(
            &pod,
            None,
            EventType::Warning,
            ("FailedScheduling", "Scheduling"),
            &truncate_message(&message),
            COMPONENT,
        );
        let nominated_node = pre.nominate.clone().flatten().map(|n| n.to_string());
        set_unschedulable_status(
            cluster,
            &key,
            "Unschedulable",
            &message,
            pre.nominate.clone(),
        );
        st.queue.unschedulable(&key, rejectors, now);
        st.stats.unschedulable += 1;
        detail.preemption_ran = pre.ran;
        detail.preemption = pre.statuses;
        detail.failures = found.failures;
        detail.reasons = st.reasons_snapshot();
        record(
            st,
            &key,
            now,
            number,
            AttemptOutcome::Unschedulable {
                message,
                nominated_node,
            },
            nodes_to_find,
            Some(detail),
        );
        return;
    }
    let chosen_index = if found.feasible.len() == 1 {
        0
    } else {
        let scores = score_nodes(st, cluster, &info, &found.feasible);
        let i = select_host(cluster, &scores);
        detail.norm = scores.norm;
        detail.raw = scores.raw;
        detail.spread_ignored = scores.ignored;
        i
    };
    let pos = found.feasible[chosen_index];
    detail.failures = found.failures;
    detail.feasible = found.feasible;
    detail.chosen = Some(pos);
    let slot = st.cache.order[pos as usize];
    let node_name = st.cache.nodes[slot as usize].name.clone();
    // VolumeBinding's Reserve and PreBind.
    if let Ok(Some(plan)) = &plan
        && !super::volumes::reserve(cluster, plan, &key.namespace, slot, &node_name)
    {
        // Waiting for a provisioner: the pod stays Pending.
        st.queue.unschedulable(&key, 1 << F_VOLUME_BINDING, now);
        return;
    }
    // Assume: account the pod on the node before the API call returns, so
    // the next cycle sees it.
    let state = super::cache::PodState {
        deleting: false,
        preempted: false,
        started_ms: now,
    };
    st.cache
        .add_pod(&key, info.clone(), &node_name, state, &mut st.interner);
    match cluster.bind_pod(&key.namespace, &key.name, &node_name) {
        Ok(bound) => {
            if let Some(p) = st.cache.pod_mut(&key) {
                p.bound_rv = bound
                    .str_at(&["metadata", "resourceVersion"])
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
            }
            let msg = format!(
                "Successfully assigned {}/{} to {}",
                key.namespace, key.name, node_name
            );
            // About the assumed pod: the object as the scheduler saw it.
            cluster.record_v1_event(
                &pod,
                None,
                EventType::Normal,
                ("Scheduled", "Binding"),
                &msg,
                COMPONENT,
            );
            cluster.note("kube-scheduler", msg);
            st.queue.remove(&key);
            // An assigned pod appeared: pods waiting on affinity or
            // spreading may now fit (the watch event is skipped as ours).
            st.queue.on_event(super::POD_ASSIGNED, now);
            st.stats.scheduled += 1;
            detail.reasons = st.reasons_snapshot();
            record(
                st,
                &key,
                now,
                number,
                AttemptOutcome::Scheduled {
                    node: node_name.to_string(),
                },
                nodes_to_find,
                Some(detail),
            );
        }
        Err(e) => {
            st.cache.remove_pod(&key);
            let message = format!(
                "binding rejected: running Bind plugin \"DefaultBinder\": {}",
                e.message
            );
            fail_with_error(cluster, st, &key, &pod, number, &message);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adaptive_percentage_of_nodes_to_score() {
        assert_eq!(num_feasible_nodes_to_find(4), 4);
        assert_eq!(num_feasible_nodes_to_find(99), 99);
        assert_eq!(num_feasible_nodes_to_find(100), 100);
        // 50 − 1000/125 = 42 %.
        assert_eq!(num_feasible_nodes_to_find(1000), 420);
        // 50 − 5000/125 = 10 %.
        assert_eq!(num_feasible_nodes_to_find(5000), 500);
        // 50 − 6000/125 = 2 %, raised to 5 %.
        assert_eq!(num_feasible_nodes_to_find(6000), 300);
        // 5 % of 150 is below 100 → 100.
        assert_eq!(num_feasible_nodes_to_find(150), 100);
    }

    #[test]
    fn fused_total_matches_the_normalized_sum() {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = |m: i64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % m as u64) as i64
        };
        for _ in 0..500 {
            let norm = Normalizer {
                skip: next(128) as u8 & !(1 << S_TAINT) & !(1 << S_FIT) & !(1 << S_IMAGE),
                taint_max: next(4),
                affinity_max: next(200),
                spread_min: next(5),
                spread_max: next(30),
                interpod: (next(2) == 0).then(|| (-next(50), next(50))),
            };
            let raw: [i32; 7] = std::array::from_fn(|_| next(120) as i32);
            let ignored = next(4) == 0;
            let m = norm.normalize(&raw, ignored);
            let sum: i64 = m
                .iter()
                .zip(SCORES.iter())
                .map(|(s, (_, w))| i64::from(*s) * w)
                .sum();
            assert_eq!(norm.total(&raw, ignored), sum, "{norm:?} {raw:?}");
        }
    }

    #[test]
    fn long_messages_are_truncated_like_events() {
        let long = "x".repeat(2000);
        let t = truncate_message(&long);
        assert_eq!(t.len(), 1024);
        assert!(t.ends_with(" ..."));
        assert_eq!(truncate_message("short"), "short");
    }
}
