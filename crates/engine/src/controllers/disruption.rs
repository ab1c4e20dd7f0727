//! The disruption controller (`pkg/controller/disruption`): keeps each
//! PodDisruptionBudget's status — how many of its pods are expected,
//! healthy and wanted healthy, and how many may be disrupted now — and the
//! Eviction API's check against it, which `kubectl drain` goes through.

use std::rc::Rc;

use super::{Controller, controller_ref, is_deleting, pod_ready, requeue_after};
use crate::api::selector;
use crate::cluster::{Cluster, res};
use crate::events::EventType;
use crate::store::{ObjectKey, WatchEvent};
use crate::time::{Millis, SECOND, parse_rfc3339, rfc3339};
use crate::value::Value;

const COMPONENT: &str = "controllermanager";

/// How long an eviction the budget allowed counts against it before the
/// pod is gone (`DeletionTimeout`).
const DELETION_TIMEOUT: Millis = 2 * 60 * SECOND;

/// Wakes the budgets a change concerns: a budget itself, or a pod its
/// selector matches before or after the change.
pub(crate) fn on_change(cluster: &mut Cluster, event: &WatchEvent) {
    match event.key.resource.get().kind {
        "PodDisruptionBudget" if cluster.store.get(&event.key).is_some() => {
            cluster.enqueue(Controller::Disruption, event.key.clone());
        }
        "Pod" => {
            // Every pod change passes here: nothing to do (and nothing
            // copied) in a namespace without budgets.
            let ns = &event.key.namespace;
            let current = cluster.store.get(&event.key);
            let old = event.old.as_ref().map(|p| p.at(&["metadata", "labels"]));
            let new = current.map(|p| p.at(&["metadata", "labels"]));
            let budgets: Vec<ObjectKey> = cluster
                .store
                .list(res("PodDisruptionBudget"), Some(ns))
                .filter(|(_, pdb)| {
                    let sel = pdb.at(&["spec", "selector"]);
                    [old, new]
                        .into_iter()
                        .flatten()
                        .any(|l| selector::matches(sel, l))
                })
                .map(|(_, pdb)| ObjectKey::of(res("PodDisruptionBudget"), pdb))
                .collect();
            for key in budgets {
                cluster.enqueue(Controller::Disruption, key);
            }
        }
        _ => {}
    }
}

/// What a budget's numbers come to.
struct Budget {
    expected: i64,
    desired: i64,
    healthy: i64,
    allowed: i64,
    /// Some pod has no controller (it adds nothing to the expected count).
    unmanaged: bool,
}

/// A `*metav1.LabelSelector` as Go's generated `String()` prints it.
fn go_label_selector(selector: &Value) -> String {
    if selector.is_null() {
        return "nil".into();
    }
    let labels: String = selector
        .get("matchLabels")
        .members()
        .map(|(k, v)| format!("{k}: {},", v.as_str().unwrap_or("")))
        .collect();
    let expressions: String = selector
        .get("matchExpressions")
        .items()
        .map(|e| {
            let values: Vec<&str> = e.get("values").items().filter_map(Value::as_str).collect();
            format!(
                "LabelSelectorRequirement{{Key:{},Operator:{},Values:[{}],}},",
                e.get("key").as_str().unwrap_or(""),
                e.get("operator").as_str().unwrap_or(""),
                values.join(" ")
            )
        })
        .collect();
    format!(
        "&LabelSelector{{MatchLabels:map[string]string{{{labels}}},MatchExpressions:[]LabelSelectorRequirement{{{expressions}}},}}"
    )
}

/// `trySync`: computes and writes the budget's status.
pub(crate) fn reconcile(cluster: &mut Cluster, key: &ObjectKey) {
    let Some(pdb) = cluster.store.get(key).cloned() else {
        return;
    };
    if is_deleting(&pdb) {
        return;
    }
    let now = cluster.now;
    let pods = pods_of(cluster, &pdb);
    if pods.is_empty() {
        cluster.record_event(
            &pdb,
            None,
            EventType::Normal,
            "NoPods",
            "No matching pods found",
            (COMPONENT, None),
        );
    }
    let generation = pdb.at(&["metadata", "generation"]).as_i64().unwrap_or(1);
    let mut status = pdb.get("status").clone();
    if status.is_null() {
        status = Value::object();
    }
    let (disrupted, recheck) = disrupted_pods(cluster, &pdb, now);
    match numbers(cluster, &pdb, &pods, &disrupted) {
        Ok(b) => {
            if b.unmanaged {
                let message = format!(
                    "Pods selected by this PodDisruptionBudget (selector: {}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set \".spec.minAvailable\" field of the PDB to an integer value.",
                    go_label_selector(pdb.at(&["spec", "selector"]))
                );
                cluster.record_event(
                    &pdb,
                    None,
                    EventType::Warning,
                    "UnmanagedPods",
                    &message,
                    (COMPONENT, None),
                );
            }
            status.set("currentHealthy", Value::Int(b.healthy));
            status.set("desiredHealthy", Value::Int(b.desired));
            status.set("disruptionsAllowed", Value::Int(b.allowed));
            status.set("expectedPods", Value::Int(b.expected));
            let (state, reason) = if b.allowed > 0 {
                ("True", "SufficientPods")
            } else {
                ("False", "InsufficientPods")
            };
            set_condition(&mut status, state, reason, "", generation, now);
        }
        Err(message) => {
            cluster.record_event(
                &pdb,
                None,
                EventType::Warning,
                "CalculateExpectedPodCountFailed",
                &format!("Failed to calculate the number of expected pods: {message}"),
                (COMPONENT, None),
            );
            // `failSafe`: nothing may be disrupted while the budget
            // cannot be computed.
            status.set("disruptionsAllowed", Value::Int(0));
            let observed = status.get("observedGeneration").as_i64().unwrap_or(0);
            set_condition(&mut status, "False", "SyncFailed", &message, observed, now);
            write(cluster, key, &pdb, status);
            return;
        }
    }
    if disrupted.is_empty() {
        status.remove("disruptedPods");
    } else {
        let mut map = Value::object();
        for (name, at) in &disrupted {
            map.set(name, Value::from(rfc3339(*at)));
        }
        status.set("disruptedPods", map);
    }
    status.set("observedGeneration", Value::Int(generation));
    write(cluster, key, &pdb, status);
    if let Some(at) = recheck {
        requeue_after(
            cluster,
            Controller::Disruption,
            key,
            at.saturating_sub(now).max(SECOND),
        );
    }
}

fn write(cluster: &mut Cluster, key: &ObjectKey, pdb: &Value, status: Value) {
    if pdb.get("status") != &status {
        let _ = cluster.update_status(key, status);
    }
}

/// `updateDisruptionAllowedCondition` (`meta.SetStatusCondition`: the
/// transition time moves only when the status does).
fn set_condition(
    status: &mut Value,
    state: &str,
    reason: &str,
    message: &str,
    generation: i64,
    now: Millis,
) {
    let old = status
        .get("conditions")
        .items()
        .find(|c| c.get("type").as_str() == Some("DisruptionAllowed"));
    let since = match old {
        Some(c) if c.get("status").as_str() == Some(state) => c.get("lastTransitionTime").clone(),
        _ => Value::from(rfc3339(now)),
    };
    let condition = Value::from_pairs([
        ("lastTransitionTime", since),
        ("message", Value::str(message)),
        ("observedGeneration", Value::Int(generation)),
        ("reason", Value::str(reason)),
        ("status", Value::str(state)),
        ("type", Value::str("DisruptionAllowed")),
    ]);
    let mut conditions: Vec<Value> = status
        .get("conditions")
        .items()
        .filter(|c| c.get("type").as_str() != Some("DisruptionAllowed"))
        .cloned()
        .collect();
    conditions.push(condition);
    status.set("conditions", Value::array(conditions));
}

/// The pods a budget covers (`getPodsForPdb`; a `null` selector selects
/// none, `{}` every pod of the namespace).
fn pods_of(cluster: &Cluster, pdb: &Value) -> Vec<Value> {
    let ns = pdb.str_at(&["metadata", "namespace"]).unwrap_or("");
    let sel = pdb.at(&["spec", "selector"]);
    cluster
        .store
        .list(res("Pod"), Some(ns))
        .map(|(_, p)| p)
        .filter(|p| selector::matches(sel, p.at(&["metadata", "labels"])))
        .cloned()
        .collect()
}

/// `buildDisruptedPodMap`: evictions still counted (pods not yet gone,
/// within the deletion timeout), and when the next one expires.
fn disrupted_pods(
    cluster: &Cluster,
    pdb: &Value,
    now: Millis,
) -> (Vec<(Rc<str>, Millis)>, Option<Millis>) {
    let ns = pdb.str_at(&["metadata", "namespace"]).unwrap_or("");
    let mut kept = Vec::new();
    let mut recheck: Option<Millis> = None;
    for (name, at) in pdb.at(&["status", "disruptedPods"]).members() {
        let Some(at) = at.as_str().and_then(parse_rfc3339) else {
            continue;
        };
        let gone = cluster
            .store
            .get_named(res("Pod"), ns, name)
            .is_none_or(is_deleting);
        let expires = at.saturating_add(DELETION_TIMEOUT);
        if gone || expires <= now {
            continue;
        }
        recheck = Some(recheck.map_or(expires, |r| r.min(expires)));
        kept.push((Rc::from(name), at));
    }
    (kept, recheck)
}

/// `getExpectedPodCount` and `countHealthyPods`.
fn numbers(
    cluster: &Cluster,
    pdb: &Value,
    pods: &[Value],
    disrupted: &[(Rc<str>, Millis)],
) -> Result<Budget, String> {
    let spec = pdb.get("spec");
    let mut unmanaged = false;
    let (expected, desired) = match (spec.get("maxUnavailable"), spec.get("minAvailable")) {
        (max, _) if !max.is_null() => {
            let expected = expected_scale(cluster, pods, &mut unmanaged)?;
            let unavailable = scaled(max, expected)?;
            (expected, (expected - unavailable).max(0))
        }
        (_, min) if min.as_i64().is_some() => (pods.len() as i64, min.as_i64().unwrap_or(0)),
        (_, min) if !min.is_null() => {
            let expected = expected_scale(cluster, pods, &mut unmanaged)?;
            (expected, scaled(min, expected)?)
        }
        _ => (0, 0),
    };
    let healthy = pods
        .iter()
        .filter(|p| {
            let name = p.str_at(&["metadata", "name"]).unwrap_or("");
            !disrupted.iter().any(|(n, _)| &**n == name) && !is_deleting(p) && pod_ready(p).0
        })
        .count() as i64;
    Ok(Budget {
        expected,
        desired,
        healthy,
        allowed: if expected > 0 {
            (healthy - desired).max(0)
        } else {
            0
        },
        unmanaged,
    })
}

/// `GetScaledValueFromIntOrPercent` rounding up.
fn scaled(value: &Value, total: i64) -> Result<i64, String> {
    if let Some(n) = value.as_i64() {
        return Ok(n);
    }
    let text = value.as_str().unwrap_or("");
    let percent: i64 = text
        .strip_suffix('%')
        .and_then(|p| p.parse().ok())
        .ok_or_else(|| {
            "invalid value for IntOrString: invalid type: string is not a percentage".to_string()
        })?;
    Ok((percent.saturating_mul(total) + 99).div_euclid(100))
}

/// `getExpectedScale`: the sum of the scales of the pods' controllers
/// (a Deployment through its ReplicaSet), each counted once. A pod with no
/// controller adds nothing (`unmanaged`); a controller without a scale
/// subresource is an error.
fn expected_scale(cluster: &Cluster, pods: &[Value], unmanaged: &mut bool) -> Result<i64, String> {
    let mut seen: Vec<String> = Vec::new();
    let mut total = 0i64;
    for pod in pods {
        let name = pod.str_at(&["metadata", "name"]).unwrap_or("");
        let ns = pod.str_at(&["metadata", "namespace"]).unwrap_or("");
        let Some(owner) = controller_ref(pod) else {
            *unmanaged = true;
            continue;
        };
        let kind = owner.get("kind").as_str().unwrap_or("");
        let owner_name = owner.get("name").as_str().unwrap_or("");
        let uid = owner.get("uid").as_str().unwrap_or("");
        if !matches!(
            kind,
            "ReplicaSet" | "ReplicationController" | "StatefulSet" | "Deployment"
        ) {
            let resource = crate::api::registry::by_kind(kind)
                .map(|r| {
                    let r = r.get();
                    if r.group.is_empty() {
                        r.plural.to_string()
                    } else {
                        format!("{}.{}", r.plural, r.group)
                    }
                })
                .unwrap_or_else(|| kind.to_string());
            return Err(format!(
                "{resource} does not implement the scale subresource"
            ));
        }
        let object = cluster
            .store
            .get_named(res(kind), ns, owner_name)
            .filter(|o| o.str_at(&["metadata", "uid"]) == Some(uid))
            .ok_or_else(|| format!("found no controllers for pod \"{name}\""))?;
        // A ReplicaSet a Deployment owns is counted by the Deployment.
        let object = match controller_ref(object) {
            Some(d) if kind == "ReplicaSet" && d.get("kind").as_str() == Some("Deployment") => {
                cluster
                    .store
                    .get_named(res("Deployment"), ns, d.get("name").as_str().unwrap_or(""))
                    .unwrap_or(object)
            }
            _ => object,
        };
        let uid = object
            .str_at(&["metadata", "uid"])
            .unwrap_or("")
            .to_string();
        if seen.contains(&uid) {
            continue;
        }
        seen.push(uid);
        total = total.saturating_add(object.at(&["spec", "replicas"]).as_i64().unwrap_or(1));
    }
    Ok(total)
}

/// Why the Eviction API refused a pod.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum EvictionRefused {
    /// 429: the budget allows no disruption now (kubectl drain retries).
    TooManyRequests(String),
    /// Any other error (kubectl drain gives up on the pod).
    Other(String),
}

/// The Eviction API's budget check for a pod about to be evicted: Ok when
/// it may go (the budget's allowance is taken), the API's refusal
/// otherwise.
pub(crate) fn admit_eviction(
    cluster: &mut Cluster,
    pod_key: &ObjectKey,
    dry_run: bool,
) -> Result<(), EvictionRefused> {
    let Some(pod) = cluster.store.get(pod_key).cloned() else {
        return Ok(());
    };
    // `canIgnorePDB`: finished or pending pods, and pods already being
    // deleted, need no budget.
    if matches!(
        pod.str_at(&["status", "phase"]),
        Some("Succeeded" | "Failed" | "Pending")
    ) || is_deleting(&pod)
    {
        return Ok(());
    }
    let labels = pod.at(&["metadata", "labels"]);
    let budgets: Vec<Value> = cluster
        .store
        .list(res("PodDisruptionBudget"), Some(&pod_key.namespace))
        .map(|(_, b)| b)
        .filter(|b| selector::matches(b.at(&["spec", "selector"]), labels))
        .cloned()
        .collect();
    let pdb = match budgets.as_slice() {
        [] => return Ok(()),
        [one] => one,
        _ => {
            return Err(EvictionRefused::Other(
                "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.".into(),
            ));
        }
    };
    let status = pdb.get("status");
    let current = status.get("currentHealthy").as_i64().unwrap_or(0);
    let desired = status.get("desiredHealthy").as_i64().unwrap_or(0);
    // An unready pod may go while the budget is met (IfHealthyBudget), or
    // always (AlwaysAllow), without taking from the allowance.
    if !pod_ready(&pod).0 {
        let always = pdb.str_at(&["spec", "unhealthyPodEvictionPolicy"]) == Some("AlwaysAllow");
        if always || (current >= desired && desired > 0) {
            return Ok(());
        }
    }
    let generation = pdb.at(&["metadata", "generation"]).as_i64().unwrap_or(1);
    if status.get("observedGeneration").as_i64().unwrap_or(0) < generation {
        return Err(EvictionRefused::TooManyRequests(
            "Cannot evict pod as it would violate the pod's disruption budget.".into(),
        ));
    }
    let allowed = status.get("disruptionsAllowed").as_i64().unwrap_or(0);
    if allowed <= 0 {
        return Err(EvictionRefused::TooManyRequests(
            "Cannot evict pod as it would violate the pod's disruption budget.".into(),
        ));
    }
    if dry_run {
        return Ok(());
    }
    // Take the allowance and note the pod, as the API server does.
    let mut status = status.clone();
    status.set("disruptionsAllowed", Value::Int(allowed - 1));
    if allowed == 1 {
        let observed = status.get("observedGeneration").as_i64().unwrap_or(0);
        set_condition(
            &mut status,
            "False",
            "InsufficientPods",
            "",
            observed,
            cluster.now,
        );
    }
    let mut disrupted = status.get("disruptedPods").clone();
    if disrupted.is_null() {
        disrupted = Value::object();
    }
    disrupted.set(&pod_key.name, Value::from(rfc3339(cluster.now)));
    status.set("disruptedPods", disrupted);
    let key = ObjectKey::of(res("PodDisruptionBudget"), pdb);
    let _ = cluster.update_status(&key, status);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kubectl::NoFiles;

    fn run(cluster: &mut Cluster, script: &str) {
        let r = crate::script::run_script(cluster, script, &NoFiles);
        assert_eq!(r.exit_code, 0, "{}", r.output);
    }

    fn status(cluster: &Cluster, name: &str) -> Value {
        cluster
            .store
            .get_named(res("PodDisruptionBudget"), "default", name)
            .map(|p| p.get("status").clone())
            .unwrap_or(Value::Null)
    }

    fn counts(s: &Value) -> [i64; 4] {
        [
            "expectedPods",
            "desiredHealthy",
            "currentHealthy",
            "disruptionsAllowed",
        ]
        .map(|f| s.get(f).as_i64().unwrap_or(-1))
    }

    /// A budget over the pods labelled `app` (or `key=value`).
    fn pdb(name: &str, app: &str, field: &str, value: &str) -> String {
        let (key, val) = app.split_once('=').unwrap_or(("app", app));
        format!(
            "kubectl apply -f - <<EOF\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: {name}\nspec:\n  {field}: {value}\n  selector:\n    matchLabels:\n      {key}: {val}\nEOF\n"
        )
    }

    #[test]
    fn budgets_count_the_controllers_scale_and_round_percentages_up() {
        let mut c = Cluster::new(1);
        let mut script = String::from(
            "kubectl create deployment seven --image=nginx --replicas=7\nkubectl create deployment three --image=nginx --replicas=3\nkubectl create job once --image=busybox -- sleep 3600\n",
        );
        script += &pdb("half", "seven", "minAvailable", "50%");
        script += &pdb("most", "three", "maxUnavailable", "30%");
        script += &pdb("job", "job-name=once", "maxUnavailable", "1");
        script += &pdb("none", "nothing", "minAvailable", "2");
        script += "sleep 30s\n";
        run(&mut c, &script);
        // 50% of 7 rounds up to 4; 30% of 3 rounds up to 1 unavailable.
        assert_eq!(counts(&status(&c, "half")), [7, 4, 7, 3]);
        assert_eq!(counts(&status(&c, "most")), [3, 2, 3, 1]);
        // No pods: nothing may be disrupted.
        assert_eq!(counts(&status(&c, "none")), [0, 2, 0, 0]);
        let s = status(&c, "half");
        let cond = s.get("conditions").items().next().unwrap();
        assert_eq!(
            (
                cond.get("reason").as_str(),
                cond.get("status").as_str(),
                cond.get("message").as_str()
            ),
            (Some("SufficientPods"), Some("True"), Some(""))
        );
        // A Job has no scale subresource: the fail-safe allows nothing.
        let s = status(&c, "job");
        assert_eq!(s.get("disruptionsAllowed").as_i64(), Some(0));
        let cond = s.get("conditions").items().next().unwrap();
        assert_eq!(
            (cond.get("reason").as_str(), cond.get("message").as_str()),
            (
                Some("SyncFailed"),
                Some("jobs.batch does not implement the scale subresource")
            )
        );
    }

    #[test]
    fn evictions_take_the_allowance_until_the_controller_sees_the_pods_go() {
        let mut c = Cluster::new(1);
        let mut script = String::from("kubectl create deployment web --image=nginx --replicas=3\n");
        script += &pdb("web", "web", "minAvailable", "2");
        script += "sleep 30s\n";
        run(&mut c, &script);
        assert_eq!(counts(&status(&c, "web")), [3, 2, 3, 1]);
        let pods: Vec<ObjectKey> = c
            .store
            .list(res("Pod"), Some("default"))
            .map(|(_, p)| ObjectKey::of(res("Pod"), p))
            .collect();
        assert_eq!(admit_eviction(&mut c, &pods[0], false), Ok(()));
        let s = status(&c, "web");
        assert_eq!(s.get("disruptionsAllowed").as_i64(), Some(0));
        assert!(!s.at(&["disruptedPods", &pods[0].name]).is_null());
        assert_eq!(
            s.get("conditions")
                .items()
                .next()
                .unwrap()
                .get("reason")
                .as_str(),
            Some("InsufficientPods")
        );
        assert_eq!(
            admit_eviction(&mut c, &pods[1], false),
            Err(EvictionRefused::TooManyRequests(
                "Cannot evict pod as it would violate the pod's disruption budget.".into()
            ))
        );
        // The first pod was not deleted: after the 2-minute deletion
        // timeout the budget counts it again.
        c.step(DELETION_TIMEOUT + 5 * SECOND);
        let s = status(&c, "web");
        assert!(s.get("disruptedPods").is_null());
        assert_eq!(s.get("disruptionsAllowed").as_i64(), Some(1));
        // Two budgets over one pod: the eviction subresource gives up.
        run(&mut c, &pdb("again", "web", "maxUnavailable", "1"));
        assert_eq!(
            admit_eviction(&mut c, &pods[1], false),
            Err(EvictionRefused::Other(
                "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.".into()
            ))
        );
    }
}
