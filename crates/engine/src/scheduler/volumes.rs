//! VolumeRestrictions and VolumeBinding (`pkg/scheduler/framework/plugins/
//! volumerestrictions`, `…/volumebinding`) for pods that mount
//! PersistentVolumeClaims. PreFilter turns away pods whose claims are
//! missing, terminating, lost or unbound with Immediate binding; Filter
//! checks bound volumes' node affinity and whether WaitForFirstConsumer
//! claims can bind on the node; Reserve/PreBind writes the chosen
//! volumes' claimRef for the PersistentVolume controller to finish.

use crate::sort::CompactSort;
use std::rc::Rc;

use super::SchedulerState;
use super::plugins::{
    F_VOLUME_BINDING, F_VOLUME_RESTRICTIONS, VOLUME_BIND_CONFLICT, VOLUME_NODE_CONFLICT,
    VOLUME_PV_NOT_EXIST,
};
use super::selectors::RequiredNodeAffinity;
use crate::cluster::{Cluster, res};
use crate::controllers::volume::{
    BOUND_BY_CONTROLLER, SELECTED_NODE, cannot_provision, class_of, find_matching_volume,
    is_delay_binding, is_fully_bound, requested_bytes,
};
use crate::value::Value;

/// PreFilter's verdict as the filter loop takes it: a rejection on every
/// node (plugin, message), or VolumeBinding's reason bits per node slot
/// for a pod with claims.
pub(crate) type Verdict = Result<Option<Rc<[u8]>>, (u8, Rc<str>)>;

/// What PreFilter found for a pod with claims.
pub(crate) struct VolumePlan {
    /// VolumeBinding's reason bits per node slot (0: the node passes).
    pub(crate) rejects: Rc<[u8]>,
    /// WaitForFirstConsumer claims, by increasing request: (claim name,
    /// the volume chosen on each node slot; `None` to be provisioned).
    delayed: Vec<(String, Vec<Option<String>>)>,
}

/// PreFilter: `Err((plugin, message))` rejects the pod on every node;
/// `Ok(None)` when it mounts no claim.
pub(crate) fn prefilter(
    cluster: &Cluster,
    st: &mut SchedulerState,
    pod: &Value,
) -> Result<Option<VolumePlan>, (u8, Rc<str>)> {
    let names: Vec<&str> = crate::controllers::volume::claim_names(pod).collect();
    if names.is_empty() {
        return Ok(None);
    }
    let ns = pod.str_at(&["metadata", "namespace"]).unwrap_or("default");
    let claim = |name: &str| {
        cluster
            .store
            .get_named(res("PersistentVolumeClaim"), ns, name)
    };
    // VolumeRestrictions' PreFilter runs first.
    for name in &names {
        if claim(name).is_none() {
            let msg = format!("persistentvolumeclaim \"{name}\" not found");
            return Err((F_VOLUME_RESTRICTIONS, Rc::from(msg)));
        }
    }
    let mut bound: Vec<&Value> = Vec::new();
    let mut delayed: Vec<&Value> = Vec::new();
    let mut immediate = false;
    for name in &names {
        let Some(c) = claim(name) else { continue };
        if c.str_at(&["status", "phase"]) == Some("Lost") {
            let volume = c.str_at(&["spec", "volumeName"]).unwrap_or("");
            let msg = format!(
                "persistentvolumeclaim \"{name}\" bound to non-existent persistentvolume \"{volume}\""
            );
            return Err((F_VOLUME_BINDING, Rc::from(msg)));
        }
        if crate::controllers::is_deleting(c) {
            let msg = format!("persistentvolumeclaim \"{name}\" is being deleted");
            return Err((F_VOLUME_BINDING, Rc::from(msg)));
        }
        if is_fully_bound(c) {
            bound.push(c);
        } else if is_delay_binding(cluster, c)
            && c.str_at(&["spec", "volumeName"]).is_none_or(str::is_empty)
        {
            delayed.push(c);
        } else {
            immediate = true;
        }
    }
    if immediate {
        return Err((
            F_VOLUME_BINDING,
            Rc::from("pod has unbound immediate PersistentVolumeClaims"),
        ));
    }
    delayed.compact_sort_by_key(|c| requested_bytes(c));
    let volumes: Vec<&Value> = cluster
        .store
        .list(res("PersistentVolume"), None)
        .map(|(_, v)| v)
        .collect();
    let node_count = st.cache.nodes.len();
    let mut rejects = vec![0u8; node_count];
    let mut choices: Vec<Vec<Option<String>>> = vec![vec![None; node_count]; delayed.len()];
    // The volumes with a required node affinity, compiled once, by name.
    let mut affinities: crate::scheduler::util::FxMap<&str, RequiredNodeAffinity> =
        crate::scheduler::util::fx_map();
    for v in &volumes {
        let required = v.at(&["spec", "nodeAffinity", "required"]);
        if required.is_null() {
            continue;
        }
        let spec = Value::from_pairs([(
            "affinity",
            Value::from_pairs([(
                "nodeAffinity",
                Value::from_pairs([(
                    "requiredDuringSchedulingIgnoredDuringExecution",
                    required.clone(),
                )]),
            )]),
        )]);
        let name = v.str_at(&["metadata", "name"]).unwrap_or("");
        affinities.insert(name, RequiredNodeAffinity::compile(&spec, &mut st.interner));
    }
    for (slot, node) in st.cache.nodes.iter().enumerate() {
        if !node.exists {
            continue;
        }
        let fits = |v: &Value| {
            affinities
                .get(v.str_at(&["metadata", "name"]).unwrap_or(""))
                .is_none_or(|a| a.matches(&node.labels, node.name_sym, &st.interner))
        };
        let mut bits = 0u8;
        for c in &bound {
            let name = c.str_at(&["spec", "volumeName"]).unwrap_or("");
            match volumes
                .iter()
                .find(|v| v.str_at(&["metadata", "name"]) == Some(name))
            {
                None => bits |= VOLUME_PV_NOT_EXIST,
                Some(v) if !fits(v) => bits |= VOLUME_NODE_CONFLICT,
                Some(_) => {}
            }
        }
        let mut chosen: Vec<&str> = Vec::new();
        for (i, c) in delayed.iter().enumerate() {
            match find_matching_volume(c, &volumes, Some(&fits), &chosen, true) {
                Some(v) => {
                    let name = v.str_at(&["metadata", "name"]).unwrap_or("");
                    chosen.push(name);
                    choices[i][slot] = Some(name.to_string());
                }
                None => {
                    let class = cluster
                        .store
                        .get_named(res("StorageClass"), "", class_of(c));
                    if class.is_none_or(|class| {
                        cannot_provision(class) || !topology_allows(class, node, st)
                    }) {
                        bits |= VOLUME_BIND_CONFLICT;
                    }
                }
            }
        }
        rejects[slot] = bits;
    }
    Ok(Some(VolumePlan {
        rejects: Rc::from(rejects),
        delayed: delayed
            .iter()
            .zip(choices)
            .map(|(c, ch)| {
                (
                    c.str_at(&["metadata", "name"]).unwrap_or("").to_string(),
                    ch,
                )
            })
            .collect(),
    }))
}

/// A class's `allowedTopologies` admit the node (all when unset).
fn topology_allows(class: &Value, node: &super::cache::NodeInfo, st: &SchedulerState) -> bool {
    let terms = class.get("allowedTopologies");
    if terms.is_null() || terms.items().next().is_none() {
        return true;
    }
    terms.items().any(|term| {
        term.get("matchLabelExpressions").items().all(|e| {
            let key = e.get("key").as_str().unwrap_or("");
            let value = st
                .interner
                .get(key)
                .and_then(|k| node.label(k))
                .map(|v| st.interner.str(v).clone());
            value.is_some_and(|v| e.get("values").items().any(|x| x.as_str() == Some(&*v)))
        })
    })
}

/// Reserve and PreBind: the volumes chosen on `slot` get their claimRef
/// (the PersistentVolume controller completes the binding); claims to be
/// provisioned get the selected node. False when a claim waits for a
/// provisioner, which a kubeadm cluster does not run: the pod is not bound.
pub(crate) fn reserve(
    cluster: &mut Cluster,
    plan: &VolumePlan,
    ns: &str,
    slot: u32,
    node: &str,
) -> bool {
    let mut all_static = true;
    for (claim_name, choices) in &plan.delayed {
        let Some(claim) = cluster
            .store
            .get_named(res("PersistentVolumeClaim"), ns, claim_name)
            .cloned()
        else {
            continue;
        };
        match choices.get(slot as usize).cloned().flatten() {
            Some(volume_name) => {
                let Some(mut pv) = cluster
                    .store
                    .get_named(res("PersistentVolume"), "", &volume_name)
                    .cloned()
                else {
                    continue;
                };
                if pv.at(&["spec", "claimRef"]).is_null() {
                    pv.set_at(
                        &["metadata", "annotations", BOUND_BY_CONTROLLER],
                        Value::str("yes"),
                    );
                }
                pv.set_at(
                    &["spec", "claimRef"],
                    crate::controllers::volume::claim_ref(&claim),
                );
                let _ = cluster.write(pv);
            }
            None => {
                all_static = false;
                if claim.str_at(&["metadata", "annotations", SELECTED_NODE]) != Some(node) {
                    let mut updated = claim.clone();
                    updated.set_at(
                        &["metadata", "annotations", SELECTED_NODE],
                        Value::str(node),
                    );
                    let _ = cluster.write(updated);
                }
            }
        }
    }
    all_static
}
