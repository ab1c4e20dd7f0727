//! The resource quota controller (`pkg/controller/resourcequota`): writes
//! each ResourceQuota's `status.hard` from its spec and `status.used` from
//! what the namespace's objects use. Admission charges new objects as they
//! come; this controller gives usage back when objects go away or pods end,
//! and recounts everything every five minutes.

use super::{Controller, requeue_after};
use crate::apiserver::quota::{ResourceList, calculate_usage, counts_for_quota, tracks_kind};
use crate::cluster::{Cluster, res};
use crate::store::{ObjectKey, WatchEvent};
use crate::time::{Millis, SECOND};
use crate::value::Value;

/// `--resource-quota-sync-period`.
const RESYNC: Millis = 5 * 60 * SECOND;

/// Wakes the quotas a change concerns: a quota whose spec is new or
/// changed, or the quotas tracking a kind whose object was deleted, a pod
/// that stopped counting, a Service whose type changed or a claim whose
/// storage changed (the replenishment the real controller's monitors do).
pub(crate) fn on_change(cluster: &mut Cluster, event: &WatchEvent) {
    let resource = event.key.resource;
    // Every change passes here: nothing to do in a cluster without quotas.
    if cluster.store.count(res("ResourceQuota")) == 0 {
        return;
    }
    let current = cluster.store.get(&event.key);
    if resource == res("ResourceQuota") {
        let spec_changed = match (&event.old, current) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(old), Some(new)) => old.get("spec") != new.get("spec"),
        };
        if spec_changed {
            cluster.enqueue(Controller::ResourceQuota, event.key.clone());
        }
        return;
    }
    let Some(old) = &event.old else {
        return;
    };
    let replenish = match (resource.get().kind, current) {
        (_, None) => true,
        ("Pod", Some(pod)) => {
            (counts_for_quota(old, cluster.now) && !counts_for_quota(pod, cluster.now))
                || old.at(&["spec", "activeDeadlineSeconds"])
                    != pod.at(&["spec", "activeDeadlineSeconds"])
        }
        ("Service", Some(svc)) => old.at(&["spec", "type"]) != svc.at(&["spec", "type"]),
        ("PersistentVolumeClaim", Some(claim)) => {
            old.at(&["spec", "resources", "requests"])
                != claim.at(&["spec", "resources", "requests"])
                || old.at(&["status", "allocatedResources"])
                    != claim.at(&["status", "allocatedResources"])
        }
        _ => false,
    };
    if !replenish {
        return;
    }
    let quotas: Vec<ObjectKey> = cluster
        .store
        .list(res("ResourceQuota"), Some(&event.key.namespace))
        .filter(|(_, q)| tracks_kind(q, resource))
        .map(|(_, q)| ObjectKey::of(res("ResourceQuota"), q))
        .collect();
    // The queue holds a key once: objects that go in one instant (a
    // scale-down, a namespace emptied) are recounted once.
    for key in quotas {
        cluster.enqueue(Controller::ResourceQuota, key);
    }
}

/// `syncResourceQuota`: recounts the quota's usage and writes its status
/// when it changed.
pub(crate) fn reconcile(cluster: &mut Cluster, key: &ObjectKey) {
    let Some(quota) = cluster.store.get(key).cloned() else {
        return;
    };
    let hard = ResourceList::of(quota.at(&["spec", "hard"]));
    let mut used = ResourceList::of(quota.at(&["status", "used"]));
    let counted = calculate_usage(cluster, &key.namespace, &quota, &hard, cluster.now);
    for name in counted.names() {
        if let Some(q) = counted.get(name) {
            used.set(name, q);
        }
    }
    used.retain(|name| hard.get(name).is_some());
    let old_hard = ResourceList::of(quota.at(&["status", "hard"]));
    let old_used = ResourceList::of(quota.at(&["status", "used"]));
    let dirty = quota.at(&["status", "hard"]).is_null()
        || quota.at(&["status", "used"]).is_null()
        || !old_hard.same_values(&hard)
        || !old_used.same_values(&used);
    if dirty {
        // Both lists are `omitempty`.
        let mut status = Value::object();
        for (field, list) in [("hard", &hard), ("used", &used)] {
            if list.names().next().is_some() {
                status.set(field, list.to_value());
            }
        }
        let _ = cluster.update_status(key, status);
    }
    requeue_after(cluster, Controller::ResourceQuota, key, RESYNC);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kubectl::NoFiles;
    use crate::rng::Rng;

    /// Whatever is created, refused, scaled, finished or deleted, each
    /// quota's charged usage is what a recount finds once the cluster has
    /// settled, after every command, and admission never lets a tracked
    /// resource past its limit.
    #[test]
    fn charged_usage_always_matches_a_recount() {
        let check = |c: &Cluster, seed: u64, line: &str| {
            for (_, quota) in c.store.list(res("ResourceQuota"), Some("default")) {
                let hard = ResourceList::of(quota.at(&["status", "hard"]));
                let recount = calculate_usage(c, "default", quota, &hard, c.now);
                let used = ResourceList::of(quota.at(&["status", "used"]));
                let name = quota.str_at(&["metadata", "name"]).unwrap_or("");
                assert!(
                    used.same_values(&recount),
                    "seed {seed}, after `{line}`, quota {name}: used {used:?}, recount {recount:?}"
                );
                for n in used.names() {
                    let over = used.get(n).unwrap().cmp_value(&hard.get(n).unwrap());
                    assert_ne!(over, std::cmp::Ordering::Greater, "seed {seed}: {name} {n}");
                }
            }
        };
        for seed in 1..=16u64 {
            let mut rng = Rng::new(seed);
            let mut c = Cluster::new(seed);
            let mut lines: Vec<String> = vec![
                "kubectl create quota compute --hard=pods=6,requests.cpu=2,limits.memory=2Gi,count/configmaps=4".into(),
                "kubectl create quota cheap --hard=pods=3 --scopes=BestEffort".into(),
                "kubectl create quota svc --hard=services=3,services.nodeports=2".into(),
            ];
            // Names made so far, so that deletions hit something.
            let mut pods: Vec<String> = Vec::new();
            let mut services: Vec<String> = Vec::new();
            for step in 0..40 {
                let pick = |rng: &mut Rng, names: &[String]| {
                    names[rng.below(names.len().max(1) as u64) as usize % names.len().max(1)]
                        .clone()
                };
                let line = match rng.below(11) {
                    0 => {
                        pods.push(format!("p{step}"));
                        format!("kubectl run p{step} --image=nginx")
                    }
                    1 => {
                        pods.push(format!("sized{step}"));
                        format!(
                            "kubectl apply -f - <<EOF\napiVersion: v1\nkind: Pod\nmetadata: {{name: sized{step}}}\nspec:\n  containers:\n  - {{name: c, image: nginx, resources: {{requests: {{cpu: {}m}}, limits: {{memory: {}Mi}}}}}}\nEOF",
                            100 * (1 + rng.below(8)),
                            128 * (1 + rng.below(8))
                        )
                    }
                    2 => format!("kubectl create configmap cm{step} --from-literal=a=b"),
                    3 => {
                        services.push(format!("s{step}"));
                        format!(
                            "kubectl create service nodeport s{step} --tcp={}:80",
                            80 + rng.below(3)
                        )
                    }
                    4 => format!("kubectl create job j{step} --image=busybox -- true"),
                    5 if !pods.is_empty() => {
                        format!("kubectl delete pod {} --wait=false", pick(&mut rng, &pods))
                    }
                    6 if !pods.is_empty() => {
                        format!("kubectl delete pod {} --now", pick(&mut rng, &pods))
                    }
                    7 => "kubectl create deployment web --image=nginx --replicas=2".to_string(),
                    8 => format!("kubectl scale deployment web --replicas={}", rng.below(6)),
                    9 if !services.is_empty() => {
                        format!("kubectl delete service {}", pick(&mut rng, &services))
                    }
                    _ => format!("sleep {}s", 1 + rng.below(40)),
                };
                lines.push(line);
            }
            for line in &lines {
                let r = crate::script::run_script(&mut c, &format!("{line}\n"), &NoFiles);
                assert!(r.error.is_none(), "{}", r.output);
                check(&c, seed, line);
            }
            c.step(10 * 60 * SECOND);
            check(&c, seed, "ten minutes later");
        }
    }
}
