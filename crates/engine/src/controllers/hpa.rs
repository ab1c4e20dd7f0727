//! The HorizontalPodAutoscaler controller (`pkg/controller/podautoscaler`):
//! every 15 s it reads the target's scale, the pods' resource use from the
//! metrics API (what `kubectl top` shows), computes the replica count
//! (`GetResourceReplicas`), stabilizes and rate-limits it, scales the
//! target, and reports metrics and conditions in the status.
//!
//! Resource and ContainerResource metrics (cpu, memory) are computed;
//! Pods, Object and External metrics need a custom or external metrics
//! API, which the cluster does not serve.

use super::{int_at, is_deleting, requeue_after};
use crate::api::selector;
use crate::cluster::{Cluster, Controller, res};
use crate::events::EventType;
use crate::quantity::Quantity;
use crate::store::{ObjectKey, WatchEvent, WatchEventType};
use crate::time::{Millis, SECOND, parse_rfc3339, rfc3339};
use crate::value::Value;

/// `--horizontal-pod-autoscaler-sync-period`.
const SYNC_PERIOD: Millis = 15 * SECOND;
/// `--horizontal-pod-autoscaler-downscale-stabilization`.
const DOWNSCALE_STABILIZATION: Millis = 300 * SECOND;
/// `--horizontal-pod-autoscaler-cpu-initialization-period`.
const CPU_INITIALIZATION: Millis = 300 * SECOND;
/// `--horizontal-pod-autoscaler-initial-readiness-delay`.
const INITIAL_READINESS_DELAY: Millis = 30 * SECOND;
/// `--horizontal-pod-autoscaler-tolerance`.
const TOLERANCE: f64 = 0.1;
/// The metrics API's scrape window (metrics-server `--metric-resolution`).
const METRIC_WINDOW: Millis = 15 * SECOND;
/// The event source.
const COMPONENT: &str = "horizontal-pod-autoscaler";

/// AbleToScale after stabilization: (reason, message).
const SCALE_DOWN_STABILIZED: (&str, &str) = (
    "ScaleDownStabilized",
    "recent recommendations were higher than current one, applying the highest recent recommendation",
);
const SCALE_UP_STABILIZED: (&str, &str) = (
    "ScaleUpStabilized",
    "recent recommendations were lower than current one, applying the lowest recent recommendation",
);
const READY_FOR_NEW_SCALE: (&str, &str) =
    ("ReadyForNewScale", "recommended size matches current size");

/// What the controller remembers of one HPA between syncs.
#[derive(Clone, Debug, Default)]
pub(crate) struct HpaMemory {
    /// Recent recommendations (replicas, when).
    recommendations: Vec<(i64, Millis)>,
    /// Scale changes (replicas, when), kept with a behavior only.
    scale_up_events: Vec<(i64, Millis)>,
    scale_down_events: Vec<(i64, Millis)>,
}

/// Hears about HPAs: a new or changed one is synced a period later.
pub(crate) fn on_change(cluster: &mut Cluster, event: &WatchEvent) {
    if event.key.resource.get().kind != "HorizontalPodAutoscaler" {
        return;
    }
    if event.kind == WatchEventType::Deleted {
        cluster.controllers.hpa.remove(&event.key);
        return;
    }
    requeue_after(
        cluster,
        Controller::HorizontalPodAutoscaler,
        &event.key,
        SYNC_PERIOD,
    );
}

/// The conditions as the sync sets them, in first-set order: (type,
/// status, reason, message).
struct Conditions(Vec<(String, bool, String, String)>);

impl Conditions {
    /// The conditions as stored: a sync that does not set one keeps it.
    fn of(status: &Value) -> Conditions {
        Conditions(
            status
                .get("conditions")
                .items()
                .map(|c| {
                    let text = |f: &str| c.str_at(&[f]).unwrap_or("").to_string();
                    (
                        text("type"),
                        c.str_at(&["status"]) == Some("True"),
                        text("reason"),
                        text("message"),
                    )
                })
                .collect(),
        )
    }

    /// AbleToScale True with a stabilization outcome.
    fn able_to_scale(&mut self, (reason, message): (&str, &str)) {
        self.set("AbleToScale", true, reason, message.to_string());
    }

    fn set(&mut self, ty: &str, ok: bool, reason: &str, message: String) {
        let entry = (ty.to_string(), ok, reason.to_string(), message);
        match self.0.iter_mut().find(|c| c.0 == ty) {
            Some(c) => *c = entry,
            None => self.0.push(entry),
        }
    }
}

fn record(cluster: &mut Cluster, hpa: &Value, event_type: EventType, reason: &str, message: &str) {
    cluster.record_event(hpa, None, event_type, reason, message, (COMPONENT, None));
}

/// The scale subresource of a target: `spec.replicas` and its selector.
fn get_scale(cluster: &Cluster, namespace: &str, target: &Value) -> Result<(i64, Value), String> {
    let kind = target.str_at(&["kind"]).unwrap_or("");
    let name = target.str_at(&["name"]).unwrap_or("");
    let group = target
        .str_at(&["apiVersion"])
        .and_then(|v| v.split_once('/'))
        .map_or("", |(g, _)| g);
    let rid = match (group, kind) {
        ("apps", "Deployment" | "ReplicaSet" | "StatefulSet") | ("", "ReplicationController") => {
            res(kind)
        }
        // A served kind without a scale subresource.
        _ if crate::api::registry::by_kind(kind).is_some_and(|r| r.get().group == group) => {
            return Err("the server could not find the requested resource".into());
        }
        _ => {
            return Err(format!(
                "no matches for kind \"{kind}\" in group \"{group}\""
            ));
        }
    };
    let Some(obj) = cluster.store.get_named(rid, namespace, name) else {
        return Err(scale_not_found(rid, name));
    };
    let replicas = int_at(obj, &["spec", "replicas"], 1);
    let selector = super::replicaset::label_selector(obj);
    Ok((replicas, selector))
}

/// The scale subresource's NotFound: `deployments/scale.apps "web" not found`.
fn scale_not_found(rid: crate::api::registry::ResourceId, name: &str) -> String {
    let rt = rid.get();
    let group = if rt.group.is_empty() {
        String::new()
    } else {
        format!(".{}", rt.group)
    };
    format!("{}/scale{group} \"{name}\" not found", rt.plural)
}

/// One pod's use of a resource in thousandths, from the metrics API:
/// `None` when it has no complete sample (a container without one).
fn pod_usage(
    cluster: &Cluster,
    pod: &Value,
    resource: &str,
    container: Option<&str>,
) -> Option<i64> {
    let ns = pod.str_at(&["metadata", "namespace"]).unwrap_or("");
    let name = pod.str_at(&["metadata", "name"]).unwrap_or("");
    let usage = cluster.container_usage(ns, name)?;
    let wanted = pod.at(&["spec", "containers"]).items().count();
    if usage.len() < wanted {
        return None;
    }
    let mut total = 0i64;
    let mut found = container.is_none();
    for (c, cpu, mem) in usage {
        if container.is_some_and(|want| want != c) {
            continue;
        }
        found = true;
        total += if resource == "cpu" {
            cpu
        } else {
            mem.saturating_mul(1000)
        };
    }
    found.then_some(total)
}

/// `calculateRequests`: each pod's request in thousandths (containers and
/// sidecars, or the one container).
fn pod_request(pod: &Value, resource: &str, container: Option<&str>) -> Result<i64, String> {
    let pod_name = pod.str_at(&["metadata", "name"]).unwrap_or("");
    let sidecars = pod
        .at(&["spec", "initContainers"])
        .items()
        .filter(|c| c.str_at(&["restartPolicy"]) == Some("Always"));
    let mut total = 0i64;
    for c in pod.at(&["spec", "containers"]).items().chain(sidecars) {
        let cname = c.str_at(&["name"]).unwrap_or("");
        if container.is_some_and(|want| want != cname) {
            continue;
        }
        let Some(q) = c
            .str_at(&["resources", "requests", resource])
            .and_then(|q| Quantity::parse(q).ok())
        else {
            return Err(format!(
                "missing request for {resource} in container {cname} of Pod {pod_name}"
            ));
        };
        total += q.milli_value();
    }
    Ok(total)
}

/// How `groupPods` sorts a pod.
#[derive(PartialEq)]
enum PodGroup {
    Ready,
    Unready,
    Missing,
    Ignored,
}

/// `groupPods` for one pod with its metric (if any).
fn group_pod(pod: &Value, metric: Option<i64>, resource: &str, now: Millis) -> PodGroup {
    if is_deleting(pod) || pod.str_at(&["status", "phase"]) == Some("Failed") {
        return PodGroup::Ignored;
    }
    if pod.str_at(&["status", "phase"]) == Some("Pending") {
        return PodGroup::Unready;
    }
    if metric.is_none() {
        return PodGroup::Missing;
    }
    if resource != "cpu" {
        return PodGroup::Ready;
    }
    let ready = super::pod_ready_condition(pod);
    let start = pod.str_at(&["status", "startTime"]).and_then(parse_rfc3339);
    let (Some(ready), Some(start)) = (ready, start) else {
        return PodGroup::Unready;
    };
    let ready_true = ready.str_at(&["status"]) == Some("True");
    let transition = ready
        .str_at(&["lastTransitionTime"])
        .and_then(parse_rfc3339)
        .unwrap_or(start);
    // The sample the metrics API serves: the last scrape, over its window.
    let sample = now / METRIC_WINDOW * METRIC_WINDOW;
    let unready = if start + CPU_INITIALIZATION > now {
        !ready_true || sample < transition + METRIC_WINDOW
    } else {
        !ready_true && start + INITIAL_READINESS_DELAY > transition
    };
    if unready {
        PodGroup::Unready
    } else {
        PodGroup::Ready
    }
}

/// What one metric came to: its replica proposal and status entry.
struct MetricResult {
    replicas: i64,
    status: Value,
    name: String,
}

/// `GetResourceReplicas` / `GetRawResourceReplicas` for a Resource or
/// ContainerResource metric; `Err` is the inner error text.
fn resource_replicas(
    cluster: &Cluster,
    pods: &[Value],
    current: i64,
    resource: &str,
    container: Option<&str>,
    target: &Value,
) -> Result<(i64, Option<i64>, i64), String> {
    if let Some(e) = crate::metrics_server::request_error(cluster, "pods") {
        return Err(format!(
            "unable to get metrics for resource {resource}: unable to fetch metrics from resource metrics API: {e}"
        ));
    }
    let now = cluster.now;
    let mut metrics: Vec<(usize, i64)> = Vec::new();
    let usage: Vec<Option<i64>> = pods
        .iter()
        .map(|p| pod_usage(cluster, p, resource, container))
        .collect();
    if !usage.iter().any(Option::is_some) {
        return Err(format!(
            "unable to get metrics for resource {resource}: no metrics returned from resource metrics API"
        ));
    }
    if pods.is_empty() {
        return Err("no pods returned by selector while calculating replica count".into());
    }
    let mut ready_count = 0i64;
    let mut unready: Vec<usize> = Vec::new();
    let mut missing: Vec<usize> = Vec::new();
    for (i, pod) in pods.iter().enumerate() {
        match group_pod(pod, usage[i], resource, now) {
            PodGroup::Ready => {
                ready_count += 1;
                metrics.push((i, usage[i].unwrap_or(0)));
            }
            PodGroup::Unready => unready.push(i),
            PodGroup::Missing => missing.push(i),
            PodGroup::Ignored => {}
        }
    }
    if metrics.is_empty() {
        return Err("did not receive metrics for targeted pods (pods might be unready)".into());
    }
    let utilization_target = target.at(&["averageUtilization"]).as_i64();
    // Only a utilization target needs requests (`GetRawResourceReplicas`
    // does not read them).
    let mut requests: Vec<i64> = Vec::with_capacity(pods.len());
    if utilization_target.is_some() {
        for pod in pods {
            requests.push(pod_request(pod, resource, container)?);
        }
    }
    let average_target = target
        .str_at(&["averageValue"])
        .and_then(|q| Quantity::parse(q).ok())
        .map(|q| q.milli_value());
    // (ratio, utilization %, raw average) over the pods with a metric.
    let ratio_of = |metrics: &[(usize, i64)]| -> Result<(f64, Option<i64>, i64), String> {
        let total: i64 = metrics.iter().map(|(_, m)| m).sum();
        let n = metrics.len() as i64;
        match utilization_target {
            Some(t) => {
                let requested: i64 = metrics.iter().map(|(i, _)| requests[*i]).sum();
                if requested == 0 {
                    return Err("no metrics returned matched known pods".into());
                }
                let utilization = total * 100 / requested;
                Ok((utilization as f64 / t as f64, Some(utilization), total / n))
            }
            None => {
                // `GetMetricUsageRatio`: the integer mean.
                let target = average_target.unwrap_or(0).max(1);
                Ok(((total / n) as f64 / target as f64, None, total / n))
            }
        }
    };
    let (ratio, utilization, raw) = ratio_of(&metrics)?;
    let within = |r: f64| ((1.0 - TOLERANCE)..=(1.0 + TOLERANCE)).contains(&r);
    let scale_up_with_unready = !unready.is_empty() && ratio > 1.0;
    if !scale_up_with_unready && missing.is_empty() {
        if within(ratio) {
            return Ok((current, utilization, raw));
        }
        let n = if utilization_target.is_some() {
            ready_count
        } else {
            metrics.len() as i64
        };
        return Ok(((ratio * n as f64).ceil() as i64, utilization, raw));
    }
    let assumed_full = utilization_target.map_or(0, |t| t.max(100));
    for &i in &missing {
        if ratio < 1.0 {
            let value = match utilization_target {
                Some(_) => requests[i] * assumed_full / 100,
                None => average_target.unwrap_or(0),
            };
            metrics.push((i, value));
        } else if ratio > 1.0 {
            metrics.push((i, 0));
        }
    }
    if scale_up_with_unready {
        for &i in &unready {
            metrics.push((i, 0));
        }
    }
    let (new_ratio, _, _) = ratio_of(&metrics)?;
    if within(new_ratio) || (ratio < 1.0 && new_ratio > 1.0) || (ratio > 1.0 && new_ratio < 1.0) {
        return Ok((current, utilization, raw));
    }
    let replicas = (new_ratio * metrics.len() as f64).ceil() as i64;
    if (new_ratio < 1.0 && replicas > current) || (new_ratio > 1.0 && replicas < current) {
        return Ok((current, utilization, raw));
    }
    Ok((replicas, utilization, raw))
}

/// `computeReplicasForMetric` for one metric spec: the proposal and its
/// status, or (condition reason, error for the condition, error for
/// FailedComputeMetricsReplicas).
fn metric_replicas(
    cluster: &Cluster,
    namespace: &str,
    pods: &[Value],
    current: i64,
    spec: &Value,
) -> Result<MetricResult, (&'static str, String, String)> {
    let ty = spec.str_at(&["type"]).unwrap_or("");
    let (source, container) = match ty {
        "Resource" => ("resource", None),
        "ContainerResource" => (
            "containerResource",
            spec.str_at(&["containerResource", "container"]),
        ),
        "Pods" | "Object" | "External" => {
            let reason = match ty {
                "Pods" => "FailedGetPodsMetric",
                "Object" => "FailedGetObjectMetric",
                _ => "FailedGetExternalMetric",
            };
            // No metrics adapter serves these APIs in the cluster.
            let lower = ty.to_ascii_lowercase();
            let m = spec.get(&lower);
            let name = m.str_at(&["metric", "name"]).unwrap_or("");
            let custom = "unable to fetch metrics from custom metrics API: no custom metrics API (custom.metrics.k8s.io) registered";
            let average = m.at(&["target", "type"]).as_str() == Some("AverageValue");
            let (inner, wrapped) = match ty {
                "Pods" => {
                    let inner = format!("unable to get metric {name}: {custom}");
                    let wrapped = format!("failed to get pods metric value: {inner}");
                    (inner, wrapped)
                }
                "Object" => {
                    let inner = format!(
                        "unable to get metric {name}: {} on {namespace} {}/{custom}",
                        m.str_at(&["describedObject", "kind"]).unwrap_or(""),
                        m.str_at(&["describedObject", "name"]).unwrap_or(""),
                    );
                    let wrapped = if average {
                        format!(
                            "failed to get object metric value: failed to get {name} object metric: {inner}"
                        )
                    } else {
                        format!("failed to get object metric value: {inner}")
                    };
                    (inner, wrapped)
                }
                _ => {
                    let selector = if m.at(&["metric", "selector"]).is_null() {
                        "nil"
                    } else {
                        "&LabelSelector{...}"
                    };
                    let inner = format!(
                        "unable to get external metric {namespace}/{name}/{selector}: unable to fetch metrics from external metrics API: the server could not find the requested resource (get {name}.external.metrics.k8s.io)"
                    );
                    let wrapped = if average {
                        format!(
                            "failed to get {name} external metric value: failed to get {name} external metric: {inner}"
                        )
                    } else {
                        format!(
                            "failed to get {name} external metric value: failed to get external metric {name}: {inner}"
                        )
                    };
                    (inner, wrapped)
                }
            };
            return Err((reason, inner, wrapped));
        }
        other => {
            let e = format!("unknown metric source type \"{other}\"");
            return Err(("InvalidMetricSourceType", e.clone(), e));
        }
    };
    let m = spec.get(source);
    let resource = m.str_at(&["name"]).unwrap_or("");
    let target = m.get("target");
    let utilization = !target.at(&["averageUtilization"]).is_null();
    let reason = if container.is_some() {
        "FailedGetContainerResourceMetric"
    } else {
        "FailedGetResourceMetric"
    };
    let wrap_value = match container {
        Some(c) => format!("failed to get {c} container metric value"),
        None => format!("failed to get {resource} resource metric value"),
    };
    if !utilization && target.at(&["averageValue"]).is_null() {
        let e = "invalid resource metric source: neither an average utilization target nor an average value (usage) target was set".to_string();
        return Err((reason, e.clone(), format!("{wrap_value}: {e}")));
    }
    match resource_replicas(cluster, pods, current, resource, container, target) {
        Ok((replicas, pct, raw)) => {
            let mut current_value = Value::object();
            if let Some(pct) = pct {
                current_value.set("averageUtilization", Value::Int(pct));
            }
            current_value.set(
                "averageValue",
                Value::from(Quantity::from_milli(raw).to_string()),
            );
            let mut entry = Value::from_pairs([("name", Value::str(resource))]);
            if let Some(c) = container {
                entry.set("container", Value::str(c));
            }
            entry.set("current", current_value);
            let source_name = if container.is_some() {
                "container resource"
            } else {
                "resource"
            };
            let name = if utilization {
                format!("{resource} {source_name} utilization (percentage of request)")
            } else {
                format!("{resource} {source_name}")
            };
            Ok(MetricResult {
                replicas,
                status: Value::from_pairs([("type", Value::str(ty)), (source, entry)]),
                name,
            })
        }
        Err(inner) => {
            let what = if utilization { "utilization" } else { "usage" };
            let e = format!("failed to get {resource} {what}: {inner}");
            Err((reason, e.clone(), format!("{wrap_value}: {e}")))
        }
    }
}

/// `reconcileAutoscaler`.
pub(crate) fn reconcile(cluster: &mut Cluster, key: &ObjectKey) {
    let Some(hpa) = cluster.store.get(key).cloned() else {
        cluster.controllers.hpa.remove(key);
        return;
    };
    requeue_after(
        cluster,
        Controller::HorizontalPodAutoscaler,
        key,
        SYNC_PERIOD,
    );
    let now = cluster.now;
    let spec = hpa.get("spec").clone();
    let old_status = hpa.get("status").clone();
    let mut conditions = Conditions::of(&old_status);
    let target = spec.get("scaleTargetRef");
    let (current, selector) = match get_scale(cluster, &key.namespace, target) {
        Ok(scale) => scale,
        Err(e) => {
            record(cluster, &hpa, EventType::Warning, "FailedGetScale", &e);
            conditions.set(
                "AbleToScale",
                false,
                "FailedGetScale",
                format!("the HPA controller was unable to get the target's current scale: {e}"),
            );
            let current_replicas = int_at(&old_status, &["currentReplicas"], 0);
            let metrics = old_status.get("currentMetrics").clone();
            keep_desired(cluster, key, &hpa, current_replicas, metrics, &conditions);
            return;
        }
    };
    conditions.set(
        "AbleToScale",
        true,
        "SucceededGetScale",
        "the HPA controller was able to get the target's current scale".into(),
    );
    let memory = cluster.controllers.hpa.entry(key.clone()).or_default();
    if memory.recommendations.is_empty() {
        memory.recommendations.push((current, now));
    }
    let min = int_at(&spec, &["minReplicas"], 1);
    let max = int_at(&spec, &["maxReplicas"], 1);
    let mut metric_statuses = Value::Null;
    let mut rescale_reason = String::new();
    let desired;
    if current == 0 && min != 0 {
        desired = 0;
        conditions.set(
            "ScalingActive",
            false,
            "ScalingDisabled",
            "scaling is disabled since the replica count of the target is zero".into(),
        );
    } else if current > max {
        rescale_reason = "Current number of replicas above Spec.MaxReplicas".into();
        desired = max;
    } else if current < min {
        rescale_reason = "Current number of replicas below Spec.MinReplicas".into();
        desired = min;
    } else {
        let ns = key.namespace.clone();
        let pods: Vec<Value> = if selector.is_null() {
            Vec::new()
        } else {
            cluster
                .store
                .list(res("Pod"), Some(&ns))
                .filter(|(_, p)| selector::matches(&selector, p.at(&["metadata", "labels"])))
                .map(|(_, p)| p.clone())
                .collect()
        };
        // `validateAndParseSelector`: every HPA whose target selects one of
        // these pods.
        let selecting: Vec<String> = cluster
            .store
            .list(res("HorizontalPodAutoscaler"), Some(&ns))
            .filter(|(_, other)| {
                get_scale(cluster, &ns, other.at(&["spec", "scaleTargetRef"])).is_ok_and(
                    |(_, other_selector)| {
                        !other_selector.is_null()
                            && pods.iter().any(|p| {
                                selector::matches(&other_selector, p.at(&["metadata", "labels"]))
                            })
                    },
                )
            })
            .map(|((n, name), _)| format!("{n}/{name}"))
            .collect();
        if selecting.len() > 1 {
            let message = format!(
                "pods by selector {} are controlled by multiple HPAs: [{}]",
                selector::format_label_selector(&selector),
                selecting.join(" ")
            );
            record(
                cluster,
                &hpa,
                EventType::Warning,
                "AmbiguousSelector",
                &message,
            );
            conditions.set("ScalingActive", false, "AmbiguousSelector", message.clone());
            keep_desired(cluster, key, &hpa, current, Value::Null, &conditions);
            record(
                cluster,
                &hpa,
                EventType::Warning,
                "FailedComputeMetricsReplicas",
                &message,
            );
            return;
        }
        let specs: Vec<Value> = spec.get("metrics").items().cloned().collect();
        let mut statuses: Vec<Value> = Vec::with_capacity(specs.len());
        let mut proposal = 0i64;
        let mut proposal_name = String::new();
        let mut invalid = 0usize;
        let mut first_error: Option<(&'static str, String, String)> = None;
        for m in &specs {
            match metric_replicas(cluster, &ns, &pods, current, m) {
                Ok(r) => {
                    if proposal == 0 || r.replicas > proposal {
                        proposal = r.replicas;
                        proposal_name = r.name;
                    }
                    statuses.push(r.status);
                }
                Err(e) => {
                    record(cluster, &hpa, EventType::Warning, e.0, &e.1);
                    invalid += 1;
                    first_error.get_or_insert(e);
                    statuses.push(Value::from_pairs([("type", Value::str(""))]));
                }
            }
        }
        metric_statuses = Value::array(statuses);
        if let Some((reason, condition_error, error)) = first_error
            && (invalid == specs.len() || proposal < current)
        {
            conditions.set(
                "ScalingActive",
                false,
                reason,
                format!("the HPA was unable to compute the replica count: {condition_error}"),
            );
            keep_desired(cluster, key, &hpa, current, metric_statuses, &conditions);
            let message = format!(
                "invalid metrics ({invalid} invalid out of {}), first error is: {error}",
                specs.len()
            );
            record(
                cluster,
                &hpa,
                EventType::Warning,
                "FailedComputeMetricsReplicas",
                &message,
            );
            return;
        }
        conditions.set(
            "ScalingActive",
            true,
            "ValidMetricFound",
            format!(
                "the HPA was able to successfully calculate a replica count from {proposal_name}"
            ),
        );
        if proposal > current {
            rescale_reason = format!("{proposal_name} above target");
        } else if proposal < current {
            rescale_reason = "All metrics below target".into();
        }
        desired = if spec.get("behavior").is_null() {
            normalize(cluster, key, &mut conditions, current, proposal, (min, max))
        } else {
            normalize_with_behavior(
                cluster,
                key,
                &spec,
                &mut conditions,
                current,
                proposal,
                (min, max),
            )
        };
    }
    let rescale = desired != current;
    let desired = if rescale {
        if let Err(e) = scale_target(cluster, &key.namespace, target, desired) {
            let message = format!("New size: {desired}; reason: {rescale_reason}; error: {e}");
            record(cluster, &hpa, EventType::Warning, "FailedRescale", &message);
            conditions.set(
                "AbleToScale",
                false,
                "FailedUpdateScale",
                format!("the HPA controller was unable to update the target scale: {e}"),
            );
            keep_desired(cluster, key, &hpa, current, metric_statuses, &conditions);
            return;
        }
        conditions.set(
            "AbleToScale",
            true,
            "SucceededRescale",
            format!("the HPA controller was able to update the target scale to {desired}"),
        );
        let message = format!("New size: {desired}; reason: {rescale_reason}");
        record(
            cluster,
            &hpa,
            EventType::Normal,
            "SuccessfulRescale",
            &message,
        );
        if !spec.get("behavior").is_null() {
            store_scale_event(cluster, key, &spec, current, desired);
        }
        desired
    } else {
        current
    };
    write_status(
        cluster,
        key,
        &hpa,
        (current, desired),
        metric_statuses,
        &conditions,
        rescale,
    );
}

/// Sets the target's `spec.replicas` through its scale subresource.
fn scale_target(
    cluster: &mut Cluster,
    namespace: &str,
    target: &Value,
    replicas: i64,
) -> Result<(), String> {
    let kind = target.str_at(&["kind"]).unwrap_or("");
    let name = target.str_at(&["name"]).unwrap_or("");
    let Some(mut obj) = cluster.store.get_named(res(kind), namespace, name).cloned() else {
        return Err(scale_not_found(res(kind), name));
    };
    obj.set_at(&["spec", "replicas"], Value::Int(replicas));
    cluster.write(obj).map(|_| ()).map_err(|e| e.message)
}

/// `normalizeDesiredReplicas` (no behavior): the highest recommendation of
/// the last five minutes, then the min/max and a doubling limit.
fn normalize(
    cluster: &mut Cluster,
    key: &ObjectKey,
    conditions: &mut Conditions,
    current: i64,
    proposal: i64,
    (min, max): (i64, i64),
) -> i64 {
    let now = cluster.now;
    let memory = cluster.controllers.hpa.entry(key.clone()).or_default();
    let cutoff = now.saturating_sub(DOWNSCALE_STABILIZATION);
    let mut stabilized = proposal;
    let mut reusable = None;
    for (i, (replicas, at)) in memory.recommendations.iter().enumerate() {
        if *at >= cutoff {
            stabilized = stabilized.max(*replicas);
        } else {
            reusable = Some(i);
        }
    }
    match reusable {
        Some(i) => memory.recommendations[i] = (proposal, now),
        None => memory.recommendations.push((proposal, now)),
    }
    if stabilized != proposal {
        conditions.able_to_scale(SCALE_DOWN_STABILIZED);
    } else {
        conditions.able_to_scale(READY_FOR_NEW_SCALE);
    }
    let scale_up_limit = (2 * current).max(4);
    let (max_allowed, reason, message) = scale_up_cap(scale_up_limit, max);
    let (desired, reason, message) = if stabilized < min {
        (
            min,
            "TooFewReplicas",
            "the desired replica count is less than the minimum replica count",
        )
    } else if stabilized > max_allowed {
        (max_allowed, reason, message)
    } else {
        (
            stabilized,
            "DesiredWithinRange",
            "the desired count is within the acceptable range",
        )
    };
    conditions.set(
        "ScalingLimited",
        desired != stabilized,
        reason,
        message.into(),
    );
    desired
}

/// The most replicas allowed going up: the rate `limit`, or `max` with
/// the condition's reason and message.
fn scale_up_cap(limit: i64, max: i64) -> (i64, &'static str, &'static str) {
    if max > limit {
        (
            limit,
            "ScaleUpLimit",
            "the desired replica count is increasing faster than the maximum scale rate",
        )
    } else {
        (
            max,
            "TooManyReplicas",
            "the desired replica count is more than the maximum replica count",
        )
    }
}

/// The fewest replicas allowed going down: the rate `limit`, or `min`.
fn scale_down_floor(limit: i64, min: i64) -> (i64, &'static str, &'static str) {
    if min < limit {
        (
            limit,
            "ScaleDownLimit",
            "the desired replica count is decreasing faster than the maximum scale rate",
        )
    } else {
        (
            min,
            "TooFewReplicas",
            "the desired replica count is less than the minimum replica count",
        )
    }
}

/// A scaling rule of the behavior, with the API defaults filled in.
struct Rules {
    window: Millis,
    select: String,
    policies: Vec<(String, i64, Millis)>,
}

fn rules(spec: &Value, direction: &str) -> Rules {
    let r = spec.at(&["behavior", direction]);
    let up = direction == "scaleUp";
    let window = match r.at(&["stabilizationWindowSeconds"]).as_i64() {
        Some(s) => s.max(0) as Millis * SECOND,
        None if up => 0,
        None => DOWNSCALE_STABILIZATION,
    };
    let mut policies: Vec<(String, i64, Millis)> = r
        .get("policies")
        .items()
        .map(|p| {
            (
                p.str_at(&["type"]).unwrap_or("").to_string(),
                p.at(&["value"]).as_i64().unwrap_or(0),
                p.at(&["periodSeconds"]).as_i64().unwrap_or(15).max(0) as Millis * SECOND,
            )
        })
        .collect();
    if r.get("policies").is_null() {
        policies = if up {
            vec![
                ("Pods".into(), 4, 15 * SECOND),
                ("Percent".into(), 100, 15 * SECOND),
            ]
        } else {
            vec![("Percent".into(), 100, 15 * SECOND)]
        };
    }
    Rules {
        window,
        select: r.str_at(&["selectPolicy"]).unwrap_or("Max").to_string(),
        policies,
    }
}

/// `normalizeDesiredReplicasWithBehaviors`.
fn normalize_with_behavior(
    cluster: &mut Cluster,
    key: &ObjectKey,
    spec: &Value,
    conditions: &mut Conditions,
    current: i64,
    proposal: i64,
    (min, max): (i64, i64),
) -> i64 {
    let now = cluster.now;
    let up = rules(spec, "scaleUp");
    let down = rules(spec, "scaleDown");
    let memory = cluster.controllers.hpa.entry(key.clone()).or_default();
    // stabilizeRecommendationWithBehaviors
    let up_cutoff = now.saturating_sub(up.window);
    let down_cutoff = now.saturating_sub(down.window);
    let (mut up_rec, mut down_rec) = (proposal, proposal);
    let mut reusable = None;
    for (i, (replicas, at)) in memory.recommendations.iter().enumerate() {
        if *at > up_cutoff {
            up_rec = up_rec.min(*replicas);
        }
        if *at > down_cutoff {
            down_rec = down_rec.max(*replicas);
        }
        if *at < up_cutoff && *at < down_cutoff {
            reusable = Some(i);
        }
    }
    let mut stabilized = current;
    if stabilized < up_rec {
        stabilized = up_rec;
    }
    if stabilized > down_rec {
        stabilized = down_rec;
    }
    match reusable {
        Some(i) => memory.recommendations[i] = (proposal, now),
        None => memory.recommendations.push((proposal, now)),
    }
    if stabilized != proposal {
        if proposal >= current {
            conditions.able_to_scale(SCALE_UP_STABILIZED);
        } else {
            conditions.able_to_scale(SCALE_DOWN_STABILIZED);
        }
    } else {
        conditions.able_to_scale(READY_FOR_NEW_SCALE);
    }
    let changes = |events: &[(i64, Millis)], period: Millis| -> i64 {
        let since = now.saturating_sub(period);
        events
            .iter()
            .filter(|(_, at)| *at > since)
            .map(|(n, _)| n)
            .sum()
    };
    let (mut desired, mut reason, mut message) = (
        stabilized,
        "DesiredWithinRange",
        "the desired count is within the acceptable range",
    );
    if stabilized > current {
        let limit = if up.select == "Disabled" {
            current
        } else {
            let min_select = up.select == "Min";
            let mut limit = if min_select { i64::MAX } else { i64::MIN };
            for (ty, value, period) in &up.policies {
                let start = current - changes(&memory.scale_up_events, *period)
                    + changes(&memory.scale_down_events, *period);
                let proposed = if ty == "Pods" {
                    start + value
                } else {
                    (start as f64 * (1.0 + *value as f64 / 100.0)).ceil() as i64
                };
                limit = if min_select {
                    limit.min(proposed)
                } else {
                    limit.max(proposed)
                };
            }
            limit.max(current)
        };
        let (cap, r, m) = scale_up_cap(limit, max);
        if stabilized > cap {
            (desired, reason, message) = (cap, r, m);
        }
    } else if stabilized < current {
        let limit = if down.select == "Disabled" {
            current
        } else {
            let min_select = down.select == "Min";
            let mut limit = if min_select { i64::MIN } else { i64::MAX };
            for (ty, value, period) in &down.policies {
                let start = current + changes(&memory.scale_down_events, *period)
                    - changes(&memory.scale_up_events, *period);
                let proposed = if ty == "Pods" {
                    start - value
                } else {
                    (start as f64 * (1.0 - *value as f64 / 100.0)) as i64
                };
                limit = if min_select {
                    limit.max(proposed)
                } else {
                    limit.min(proposed)
                };
            }
            limit.min(current)
        };
        let (floor, r, m) = scale_down_floor(limit, min);
        if stabilized < floor {
            (desired, reason, message) = (floor, r, m);
        }
    }
    conditions.set(
        "ScalingLimited",
        desired != stabilized,
        reason,
        message.into(),
    );
    desired
}

/// `storeScaleEvent`: remembers a change for the rate limits.
fn store_scale_event(
    cluster: &mut Cluster,
    key: &ObjectKey,
    spec: &Value,
    previous: i64,
    now_replicas: i64,
) {
    let now = cluster.now;
    let up = now_replicas > previous;
    let longest = rules(spec, if up { "scaleUp" } else { "scaleDown" })
        .policies
        .iter()
        .map(|p| p.2)
        .max()
        .unwrap_or(0);
    let memory = cluster.controllers.hpa.entry(key.clone()).or_default();
    let events = if up {
        &mut memory.scale_up_events
    } else {
        &mut memory.scale_down_events
    };
    let change = (now_replicas - previous).abs();
    match events.iter().position(|(_, at)| *at + longest < now) {
        Some(i) => events[i] = (change, now),
        None => events.push((change, now)),
    }
}

/// `setCurrentReplicasAndMetricsInStatus` + `updateStatusIfNeeded`: a sync
/// that failed keeps the desired count it had.
fn keep_desired(
    cluster: &mut Cluster,
    key: &ObjectKey,
    hpa: &Value,
    current: i64,
    metrics: Value,
    conditions: &Conditions,
) {
    let desired = int_at(hpa, &["status", "desiredReplicas"], 0);
    write_status(
        cluster,
        key,
        hpa,
        (current, desired),
        metrics,
        conditions,
        false,
    );
}

/// `setStatus` + `updateStatusIfNeeded`: conditions keep their transition
/// time unless their status flips.
#[allow(clippy::too_many_arguments)]
fn write_status(
    cluster: &mut Cluster,
    key: &ObjectKey,
    hpa: &Value,
    (current, desired): (i64, i64),
    metrics: Value,
    conditions: &Conditions,
    rescaled: bool,
) {
    let old = hpa.get("status");
    let old_conditions: Vec<&Value> = old.get("conditions").items().collect();
    let now = rfc3339(cluster.now);
    let mut list = Vec::new();
    for (ty, ok, reason, message) in &conditions.0 {
        let status = if *ok { "True" } else { "False" };
        let previous = old_conditions
            .iter()
            .find(|c| c.str_at(&["type"]) == Some(ty.as_str()));
        let transition = match previous {
            Some(p) if p.str_at(&["status"]) == Some(status) => {
                p.at(&["lastTransitionTime"]).clone()
            }
            _ => Value::from(now.clone()),
        };
        list.push(Value::from_pairs([
            ("lastTransitionTime", transition),
            ("message", Value::from(message.clone())),
            ("reason", Value::from(reason.clone())),
            ("status", Value::str(status)),
            ("type", Value::from(ty.clone())),
        ]));
    }
    let mut status = Value::object();
    if !list.is_empty() {
        status.set("conditions", Value::array(list));
    }
    status.set("currentMetrics", metrics);
    if current != 0 {
        status.set("currentReplicas", Value::Int(current));
    }
    status.set("desiredReplicas", Value::Int(desired));
    let last_scale = if rescaled {
        Value::from(now)
    } else {
        old.get("lastScaleTime").clone()
    };
    if !last_scale.is_null() {
        status.set("lastScaleTime", last_scale);
    }
    if &status != old {
        let _ = cluster.update_status(key, status);
    }
}

#[cfg(test)]
mod tests {
    use crate::cluster::Cluster;
    use crate::kubectl::MemoryFiles;

    const APP: &str = "apiVersion: apps/v1
kind: Deployment
metadata: {name: php-apache}
spec:
  selector: {matchLabels: {run: php-apache}}
  template:
    metadata: {labels: {run: php-apache}}
    spec:
      containers:
      - name: php-apache
        image: registry.k8s.io/hpa-example
        ports: [{containerPort: 80}]
        resources: {limits: {cpu: 500m}, requests: {cpu: 200m}}
---
apiVersion: v1
kind: Service
metadata: {name: php-apache}
spec:
  ports: [{port: 80}]
  selector: {run: php-apache}
";

    fn run(c: &mut Cluster, script: &str) -> String {
        let files = MemoryFiles::default();
        let mut out = String::new();
        for line in script.lines() {
            if let Some(s) = line.strip_prefix("sleep ") {
                c.step(s.parse::<u64>().unwrap() * 1000);
            } else {
                let r = c.kubectl(line, &files);
                out.push_str(&r.stdout);
                out.push_str(&r.stderr);
            }
        }
        out
    }

    #[test]
    fn a_behavior_limits_the_scale_up_rate() {
        let mut c = Cluster::new(1);
        let files = MemoryFiles::default().with(
            "app.yaml",
            &format!(
                "{APP}---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {{name: php-apache}}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: php-apache}}
  minReplicas: 1
  maxReplicas: 10
  metrics:
  - type: Resource
    resource: {{name: cpu, target: {{type: Utilization, averageUtilization: 50}}}}
  behavior:
    scaleUp:
      policies: [{{type: Pods, value: 1, periodSeconds: 60}}]
"
            ),
        );
        c.kubectl("apply -f app.yaml", &files);
        c.step(60_000);
        c.start_traffic("http://php-apache.default.svc.cluster.local", None, 30);
        c.step(50_000);
        let out = run(
            &mut c,
            "get hpa php-apache -o jsonpath={.status.currentReplicas}",
        );
        assert_eq!(out, "2", "one pod more in the first minute");
        let limited = run(
            &mut c,
            "get hpa php-apache -o 'jsonpath={.status.conditions[?(@.type==\"ScalingLimited\")].reason}'",
        );
        assert_eq!(limited, "ScaleUpLimit");
        c.step(60_000);
        assert_eq!(
            run(
                &mut c,
                "get hpa php-apache -o jsonpath={.status.currentReplicas}"
            ),
            "3",
            "and one more a minute later"
        );
    }

    #[test]
    fn a_missing_target_is_reported_as_failed_get_scale() {
        let mut c = Cluster::new(1);
        let out = run(
            &mut c,
            "create deployment web --image=nginx
autoscale deployment web --max=3
delete deployment web
sleep 20
get hpa web -o jsonpath={.status.conditions[0].message}",
        );
        assert!(
            out.ends_with("the HPA controller was unable to get the target's current scale: deployments/scale.apps \"web\" not found"),
            "{out}"
        );
        let events = run(
            &mut c,
            "get events --field-selector reason=FailedGetScale -o custom-columns=MSG:.message",
        );
        assert!(
            events.contains("deployments/scale.apps \"web\" not found"),
            "{events}"
        );
    }

    #[test]
    fn average_value_targets_need_no_requests_and_two_hpas_on_one_target_are_refused() {
        let mut c = Cluster::new(1);
        let out = run(
            &mut c,
            "create deployment web --image=nginx --replicas=3
autoscale deployment web --max=5 --cpu=100m
sleep 60
get hpa web -o jsonpath={.status.conditions[1].reason}",
        );
        // nginx idles at a millicore: far below 100m, so it scales down.
        assert!(out.ends_with("ValidMetricFound"), "{out}");
        let out = run(
            &mut c,
            "autoscale deployment web --max=5 --name=again
sleep 30
get hpa web -o jsonpath={.status.conditions[1].message}",
        );
        assert!(
            out.ends_with("pods by selector app=web are controlled by multiple HPAs: [default/again default/web]"),
            "{out}"
        );
    }
}
