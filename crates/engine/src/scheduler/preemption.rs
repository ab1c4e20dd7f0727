//! DefaultPreemption (`pkg/scheduler/framework/preemption`): when no node
//! fits, find nodes where evicting lower-priority pods would let the pod
//! fit (a dry run with the same filters), pick one, evict its victims and
//! nominate it; otherwise explain per node why preemption cannot help.

use crate::sort::CompactSort;
use std::rc::Rc;

use super::SchedulerState;
use super::cache::NodeInfo;
use super::cycle::{COMPONENT, FilterOutcome, fit_error_message};
use super::plugins::*;
use super::podinfo::{HostPort, PodSpecInfo, Resources};
use super::util::PodKey;
use crate::apiserver::DeleteOptions;
use crate::cluster::{Cluster, res};
use crate::events::EventType;
use crate::store::ObjectKey;

/// `MinCandidateNodesPercentage` and `MinCandidateNodesAbsolute` defaults.
const MIN_CANDIDATE_NODES_PERCENTAGE: usize = 10;
const MIN_CANDIDATE_NODES_ABSOLUTE: usize = 100;

/// What preemption did.
pub(crate) struct PreemptionResult {
    /// The message after `preemption: ` (None when a node was nominated).
    pub(crate) message: Option<String>,
    /// `Some(Some(node))` nominates a node, `Some(None)` clears the
    /// nomination, `None` leaves it.
    pub(crate) nominate: Option<Option<Rc<str>>>,
    /// The dry run looked at nodes.
    pub(crate) ran: bool,
    /// Dry-run statuses of the nodes it looked at.
    pub(crate) statuses: Vec<(u32, Failure)>,
}

/// A node's state with some pods removed, for the dry run.
struct Sim {
    requested: Resources,
    pods: usize,
    ports: Vec<HostPort>,
    spread: Vec<SpreadCount>,
    interpod: Option<InterPodCounts>,
}

fn calculate_num_candidates(num_nodes: usize) -> usize {
    (num_nodes * MIN_CANDIDATE_NODES_PERCENTAGE / 100)
        .max(MIN_CANDIDATE_NODES_ABSOLUTE)
        .min(num_nodes)
}

/// Adds (`delta` 1) or removes (−1) an existing pod from the dry-run state,
/// like the PreFilterExtensions' AddPod/RemovePod.
fn apply(
    st: &SchedulerState,
    sim: &mut Sim,
    pod: &PodSpecInfo,
    node: &NodeInfo,
    victim: &super::cache::AssignedPod,
    delta: i64,
) {
    let v = &victim.info;
    if delta > 0 {
        sim.requested.add(&v.requests);
        sim.pods += 1;
        sim.ports.extend(v.host_ports.iter().cloned());
    } else {
        sim.requested.sub(&v.requests);
        sim.pods -= 1;
        for hp in v.host_ports.iter() {
            if let Some(i) = sim.ports.iter().position(|p| p == hp) {
                sim.ports.swap_remove(i);
            }
        }
    }
    let interner = &st.interner;
    let all_keys = sim
        .spread
        .iter()
        .all(|s| node.label(pod.spread[s.constraint].topology_key).is_some());
    for s in sim.spread.iter_mut() {
        let c = &pod.spread[s.constraint];
        if v.namespace != pod.namespace
            || victim.deleting
            || !all_keys
            || !c.selector.matches(&v.labels, interner)
            || !spread_includes(c, pod, node, interner)
        {
            continue;
        }
        if let Some(val) = node.label(c.topology_key) {
            *s.counts.entry(val).or_insert(0) += delta;
        }
        s.update_min(c.min_domains);
    }
    if let Some(ip) = sim.interpod.as_mut() {
        let own_ns = st.cache.namespace_labels(pod.namespace);
        let v_ns = st.cache.namespace_labels(v.namespace);
        let bump = |map: &mut super::util::FxMap<(u32, u32), i64>, key: u32| {
            if let Some(val) = node.label(key) {
                let e = map.entry((key, val)).or_insert(0);
                *e += delta;
                if *e == 0 {
                    map.remove(&(key, val));
                }
            }
        };
        if let Some(aff) = &v.affinity {
            for t in aff.required_anti.iter() {
                if t.matches(pod.namespace, &pod.labels, own_ns, interner) {
                    bump(&mut ip.existing_anti, t.topology_key);
                }
            }
        }
        if let Some(aff) = &pod.affinity {
            if !aff.required.is_empty()
                && aff
                    .required
                    .iter()
                    .all(|t| t.matches(v.namespace, &v.labels, v_ns, interner))
            {
                for t in aff.required.iter() {
                    bump(&mut ip.affinity, t.topology_key);
                }
            }
            for t in aff.required_anti.iter() {
                if t.matches(v.namespace, &v.labels, v_ns, interner) {
                    bump(&mut ip.anti, t.topology_key);
                }
            }
        }
    }
}

/// `SelectVictimsOnNode`: removes every lower-priority pod, checks the pod
/// fits, then reprieves as many victims as possible (most important first).
fn select_victims(
    st: &SchedulerState,
    pod: &PodSpecInfo,
    slot: u32,
    found: &FilterOutcome,
) -> Result<Vec<u32>, Failure> {
    let cache = &st.cache;
    let node = &cache.nodes[slot as usize];
    let mut potential: Vec<u32> = node
        .pods
        .iter()
        .copied()
        .filter(|id| {
            cache.pods[*id as usize]
                .as_ref()
                .is_some_and(|p| p.info.priority < pod.priority)
        })
        .collect();
    if potential.is_empty() {
        return Err(Failure::new(P_PREEMPTION, true, R_NO_VICTIMS));
    }
    let mut sim = Sim {
        requested: node.requested.clone(),
        pods: node.pods.len(),
        ports: node.used_ports.clone(),
        spread: found.spread.clone(),
        interpod: found.interpod.clone(),
    };
    for id in &potential {
        let v = cache.pods[*id as usize].as_ref().expect("filtered above");
        apply(st, &mut sim, pod, node, v, -1);
    }
    let nominated = found.nominated_usage.get(&slot);
    let check = |sim: &Sim| -> Result<(), Failure> {
        let ctx = FilterCtx {
            pod,
            interner: &st.interner,
            skip: found.skip,
            unschedulable_taint: &st.syms.unschedulable_taint,
            spread: &sim.spread,
            interpod: sim.interpod.as_ref(),
            volumes: found.volumes.as_deref(),
        };
        let usage = Usage {
            requested: &sim.requested,
            nominated: nominated.map(|(r, _)| r),
            pods: sim.pods + nominated.map_or(0, |(_, n)| *n),
            ports: &sim.ports,
        };
        filter(&ctx, slot as usize, node, &usage, st.syms.wildcard_ip)
    };
    check(&sim)?;
    // MoreImportantPod: higher priority first, then the earlier start.
    potential.compact_sort_by(|a, b| {
        let (pa, pb) = (
            cache.pods[*a as usize].as_ref().expect("live"),
            cache.pods[*b as usize].as_ref().expect("live"),
        );
        pb.info
            .priority
            .cmp(&pa.info.priority)
            .then(pa.started_ms.cmp(&pb.started_ms))
    });
    let mut victims = Vec::new();
    for id in potential {
        let v = cache.pods[id as usize].as_ref().expect("live");
        apply(st, &mut sim, pod, node, v, 1);
        if check(&sim).is_err() {
            apply(st, &mut sim, pod, node, v, -1);
            victims.push(id);
        }
    }
    Ok(victims)
}

/// `PodEligibleToPreemptOthers`: the reason the pod may not preempt, if any.
fn not_eligible(
    st: &SchedulerState,
    pod: &PodSpecInfo,
    nominated: Option<&str>,
    failures: &[(u32, Failure)],
) -> Option<&'static str> {
    if pod.preempt_never {
        return Some("not eligible due to preemptionPolicy=Never.");
    }
    let nom = nominated?;
    let &slot = st.cache.by_name.get(nom)?;
    let pos = st.cache.order.iter().position(|s| *s == slot)?;
    let status = failures
        .iter()
        .find(|(p, _)| *p as usize == pos)
        .map(|(_, f)| *f);
    if status.is_some_and(|f| f.unresolvable) {
        return None;
    }
    let terminating = st
        .cache
        .pods_on(slot)
        .any(|p| p.info.priority < pod.priority && p.deleting && p.preempted);
    terminating.then_some("not eligible due to a terminating pod on the nominated node.")
}

/// DefaultPreemption's PostFilter.
pub(crate) fn preempt(
    cluster: &mut Cluster,
    st: &mut SchedulerState,
    key: &PodKey,
    pod: &PodSpecInfo,
    nominated: Option<&str>,
    found: &FilterOutcome,
    failures: &[(u32, Failure)],
) -> PreemptionResult {
    let num_all_nodes = st.cache.num_nodes();
    if let Some(msg) = not_eligible(st, pod, nominated, failures) {
        return PreemptionResult {
            message: Some(msg.to_string()),
            nominate: None,
            ran: false,
            statuses: Vec::new(),
        };
    }
    // Nodes where preemption might help: rejected but not unresolvable.
    let potential: Vec<u32> = if found.prefilter.is_some() {
        Vec::new()
    } else {
        failures
            .iter()
            .filter(|(_, f)| !f.unresolvable)
            .map(|(p, _)| *p)
            .collect()
    };
    let mut statuses: Vec<(u32, Failure)> = Vec::new();
    let mut candidates: Vec<(u32, u32, Vec<u32>)> = Vec::new();
    if !potential.is_empty() {
        let offset = cluster.rng.index(potential.len());
        let want = calculate_num_candidates(potential.len());
        for i in 0..potential.len() {
            let pos = potential[(offset + i) % potential.len()];
            let slot = st.cache.order[pos as usize];
            match select_victims(st, pod, slot, found) {
                Ok(victims) => {
                    candidates.push((pos, slot, victims));
                    if candidates.len() >= want {
                        break;
                    }
                }
                Err(f) => statuses.push((pos, f)),
            }
        }
    }
    if candidates.is_empty() {
        let scalar: Vec<u32> = pod
            .requests
            .scalars
            .iter()
            .map(|(n, _)| {
                let s = format!("Insufficient {}", st.interner.str(*n));
                st.reasons.id(&s)
            })
            .collect();
        let message = fit_error_message(
            num_all_nodes,
            None,
            &statuses,
            Some(R_NOT_HELPFUL),
            &st.reasons,
            &scalar,
            None,
        );
        return PreemptionResult {
            message: Some(message),
            nominate: Some(None),
            ran: true,
            statuses,
        };
    }
    // pickOneNodeForPreemption: no victims at all wins; then the lowest
    // highest-priority victim, the lowest priority sum, the fewest victims,
    // the latest start among the highest-priority victims.
    let cache = &st.cache;
    let rank = |victims: &[u32]| {
        let pods: Vec<&super::cache::AssignedPod> = victims
            .iter()
            .filter_map(|id| cache.pods[*id as usize].as_ref())
            .collect();
        let highest = pods
            .iter()
            .map(|p| p.info.priority)
            .max()
            .unwrap_or(i64::MIN);
        let sum: i128 = pods
            .iter()
            .map(|p| i128::from(p.info.priority) + i128::from(i32::MAX) + 1)
            .sum();
        let earliest_of_highest = pods
            .iter()
            .filter(|p| p.info.priority == highest)
            .map(|p| p.started_ms)
            .min()
            .unwrap_or(0);
        (
            pods.is_empty(),
            highest,
            sum,
            pods.len(),
            earliest_of_highest,
        )
    };
    let mut best = 0;
    for i in 1..candidates.len() {
        let (a, b) = (rank(&candidates[i].2), rank(&candidates[best].2));
        let better = (a.0 && !b.0)
            || (a.0 == b.0
                && (a.1, a.2, a.3, std::cmp::Reverse(a.4))
                    < (b.1, b.2, b.3, std::cmp::Reverse(b.4)));
        if better {
            best = i;
        }
    }
    let (_, slot, victims) = candidates.swap_remove(best);
    let node_name = st.cache.nodes[slot as usize].name.clone();
    let victim_keys: Vec<PodKey> = victims
        .iter()
        .filter_map(|id| st.cache.pods[*id as usize].as_ref().map(|p| p.key.clone()))
        .collect();
    let preemptor = cluster
        .store
        .get(&ObjectKey {
            resource: res("Pod"),
            namespace: key.namespace.clone(),
            name: key.name.clone(),
        })
        .cloned();
    for vk in &victim_keys {
        evict(cluster, vk, &node_name, (preemptor.as_ref(), &pod.uid));
    }
    // Lower-priority pods nominated to this node lose their nomination.
    let lower: Vec<PodKey> = st
        .queue
        .nominated_on(&node_name)
        .iter()
        .filter(|k| *k != key)
        .filter(|k| {
            st.queue
                .entries
                .get(*k)
                .is_some_and(|e| e.info.priority < pod.priority)
        })
        .cloned()
        .collect();
    for k in lower {
        let okey = ObjectKey {
            resource: res("Pod"),
            namespace: k.namespace.clone(),
            name: k.name.clone(),
        };
        if let Some(p) = cluster.store.get(&okey) {
            let mut status = p.get("status").clone();
            status.remove("nominatedNodeName");
            let _ = cluster.update_status(&okey, status);
        }
    }
    PreemptionResult {
        message: None,
        nominate: Some(Some(node_name)),
        ran: true,
        statuses,
    }
}

/// Evicts a victim: the DisruptionTarget condition, the delete, and the
/// `Preempted` event.
fn evict(
    cluster: &mut Cluster,
    victim: &PodKey,
    node: &str,
    (preemptor, preemptor_uid): (Option<&crate::value::Value>, &str),
) {
    let okey = ObjectKey {
        resource: res("Pod"),
        namespace: victim.namespace.clone(),
        name: victim.name.clone(),
    };
    let Some(obj) = cluster.store.get(&okey).cloned() else {
        return;
    };
    crate::controllers::nodelifecycle::add_disruption_target(
        cluster,
        &okey,
        "PreemptionByScheduler",
        &format!("{COMPONENT}: preempting to accommodate a higher priority pod"),
        false,
    );
    let _ = cluster.delete(&okey, DeleteOptions::default());
    cluster.record_v1_event(
        &obj,
        preemptor,
        EventType::Normal,
        ("Preempted", "Preempting"),
        &format!("Preempted by pod {preemptor_uid} on node {node}"),
        COMPONENT,
    );
}
