//! The Job controller (`pkg/controller/job`): runs a Job's pods to
//! completion — `parallelism` at a time until `completions` succeed, one
//! per index for Indexed Jobs — replaces failed pods after kube's back-off,
//! fails the Job past its `backoffLimit` or `activeDeadlineSeconds`,
//! suspends and resumes it, and counts finished pods through the
//! `batch.kubernetes.io/job-tracking` finalizer. The TTL-after-finished
//! controller's deletion of finished Jobs runs here too.
//!
//! Kube writes a finished pod's count in two status updates (through
//! `uncountedTerminatedPods`) and its terminal conditions after their
//! targets (`FailureTarget`, `SuccessCriteriaMet`); Kubeplay makes the
//! same writes in one sync, so what a reader sees between them is skipped.

use std::rc::Rc;

use super::{
    forget_failures, int_at, is_deleting, pod_ready, requeue_after, requeue_rate_limited, set_count,
};
use crate::apiserver::{DeleteOptions, Propagation, WriteOptions};
use crate::cluster::{Cluster, Controller, res};
use crate::events::EventType;
use crate::sort::CompactSort;
use crate::store::{ObjectKey, WatchEvent, WatchEventType};
use crate::time::{Millis, SECOND, parse_rfc3339, rfc3339};
use crate::value::Value;

/// The event source.
const COMPONENT: &str = "job-controller";
/// The finalizer that keeps a finished pod until its Job has counted it.
const TRACKING_FINALIZER: &str = "batch.kubernetes.io/job-tracking";
/// The annotation and label carrying an Indexed Job pod's index.
const COMPLETION_INDEX: &str = "batch.kubernetes.io/job-completion-index";
/// How many failures of its index a pod's predecessors had
/// (`backoffLimitPerIndex`), and how many the pod failure policy ignored.
const INDEX_FAILURE_COUNT: &str = "batch.kubernetes.io/job-index-failure-count";
const INDEX_IGNORED_FAILURE_COUNT: &str = "batch.kubernetes.io/job-index-ignored-failure-count";
/// `MaxPodCreateDeletePerSync`.
const MAX_PODS_PER_SYNC: i64 = 500;
/// `DefaultJobPodFailureBackOff`: the first replacement waits this long.
const BACKOFF_BASE: Millis = 10 * SECOND;
/// `MaxJobPodFailureBackOff`: the wait doubles up to this.
const BACKOFF_MAX: Millis = 600 * SECOND;

/// Hears about Jobs and about pods that carry the tracking finalizer
/// without a live Job to count them (`syncOrphanPod`).
pub(crate) fn on_change(cluster: &mut Cluster, event: &WatchEvent) {
    match event.key.resource.get().kind {
        "Job" if event.kind == WatchEventType::Deleted => {
            // Its pods' finalizers are nobody's to remove but ours.
            if let Some(uid) = event
                .old
                .as_ref()
                .and_then(|o| o.str_at(&["metadata", "uid"]))
            {
                for name in cluster.controllers.owned_names(uid) {
                    release_pod(
                        cluster,
                        &ObjectKey::new(res("Pod"), &event.key.namespace, &name),
                    );
                }
            }
        }
        "Job" => cluster.enqueue(Controller::Job, event.key.clone()),
        "Pod" => {
            let Some(pod) = cluster.store.get(&event.key) else {
                return;
            };
            if !has_tracking_finalizer(pod) {
                return;
            }
            let job_alive = super::controller_ref(pod)
                .filter(|r| r.get("kind").as_str() == Some("Job"))
                .and_then(|r| {
                    let job = cluster.store.get_named(
                        res("Job"),
                        &event.key.namespace,
                        r.get("name").as_str()?,
                    )?;
                    (job.at(&["metadata", "uid"]) == r.get("uid") && !finished(job)).then_some(())
                })
                .is_some();
            if !job_alive {
                release_pod(cluster, &event.key);
            }
        }
        _ => {}
    }
}

fn has_tracking_finalizer(pod: &Value) -> bool {
    pod.at(&["metadata", "finalizers"])
        .items()
        .any(|f| f.as_str() == Some(TRACKING_FINALIZER))
}

/// Removes the tracking finalizer from a pod that has it.
fn release_pod(cluster: &mut Cluster, key: &ObjectKey) {
    if cluster.store.get(key).is_some_and(has_tracking_finalizer) {
        cluster.remove_finalizer(key, TRACKING_FINALIZER);
    }
}

/// The condition of `kind` when its status is True.
pub(crate) fn true_condition<'a>(job: &'a Value, kind: &str) -> Option<&'a Value> {
    job.at(&["status", "conditions"])
        .items()
        .find(|c| c.get("type").as_str() == Some(kind))
        .filter(|c| c.get("status").as_str() == Some("True"))
}

/// `IsJobFinished`: a Complete or Failed condition is True.
fn finished(job: &Value) -> bool {
    true_condition(job, "Complete").is_some() || true_condition(job, "Failed").is_some()
}

/// `newCondition`: both times are now.
fn condition(kind: &str, status: &str, reason: &str, message: &str, now: Millis) -> Value {
    let at = Value::from(rfc3339(now));
    Value::from_pairs([
        ("lastProbeTime", at.clone()),
        ("lastTransitionTime", at),
        ("message", Value::str(message)),
        ("reason", Value::str(reason)),
        ("status", Value::str(status)),
        ("type", Value::str(kind)),
    ])
}

/// Sets a condition, changing an existing one of the same type only when
/// its status changes (`ensureJobConditionStatus`); a False condition is
/// not added where there is none. Returns whether anything changed.
fn ensure_condition(status: &mut Value, new: Value) -> bool {
    let mut list: Vec<Value> = status.get("conditions").items().cloned().collect();
    let kind = new.get("type");
    match list.iter_mut().find(|c| c.get("type") == kind) {
        Some(c) if c.get("status") == new.get("status") => return false,
        Some(c) => *c = new,
        None if new.get("status").as_str() == Some("False") => return false,
        None => list.push(new),
    }
    status.set("conditions", Value::array(list));
    true
}

/// One of the Job's pods as the sync sees it.
struct JobPod {
    key: ObjectKey,
    phase: Rc<str>,
    deleting: bool,
    ready: bool,
    tracked: bool,
    /// The completion index of an Indexed Job's pod.
    index: Option<i64>,
    /// When it finished (`getFinishedTime`), for the back-off.
    finished_at: Millis,
    restarts: i64,
    node: bool,
    created: Millis,
    ready_at: Option<Millis>,
    /// The `podFailurePolicy` rule a failed pod matches: its action, and
    /// the Job's failure message for `FailJob`.
    policy: Option<(Rc<str>, String)>,
    /// Pods are replaced only once Failed (`podReplacementPolicy: Failed`).
    only_failed: bool,
    /// Counted as finished by this sync (its finalizer goes).
    counted_now: bool,
    /// Its index's failures before it, counted and ignored.
    index_failures: (i64, i64),
}

impl JobPod {
    fn of(key: ObjectKey, pod: &Value, job: &Value, only_failed: bool) -> JobPod {
        let (ready, ready_at) = pod_ready(pod);
        let statuses = || {
            pod.at(&["status", "containerStatuses"])
                .items()
                .chain(pod.at(&["status", "initContainerStatuses"]).items())
        };
        let created = super::creation_time(pod).unwrap_or(0);
        // The latest container finish, else the deletion's start, else creation.
        let finished_at = statuses()
            .filter_map(|c| {
                c.at(&["state", "terminated", "finishedAt"])
                    .as_str()
                    .and_then(parse_rfc3339)
            })
            .max()
            .or_else(|| {
                let at = pod
                    .str_at(&["metadata", "deletionTimestamp"])
                    .and_then(parse_rfc3339)?;
                let grace = int_at(pod, &["metadata", "deletionGracePeriodSeconds"], 0).max(0);
                Some(at.saturating_sub((grace as Millis).saturating_mul(SECOND)))
            })
            .unwrap_or(created);
        JobPod {
            phase: Rc::from(pod.str_at(&["status", "phase"]).unwrap_or("Pending")),
            deleting: is_deleting(pod),
            ready,
            tracked: has_tracking_finalizer(pod),
            index: pod
                .str_at(&["metadata", "annotations", COMPLETION_INDEX])
                .and_then(|i| i.parse().ok())
                .filter(|i: &i64| *i >= 0),
            finished_at,
            restarts: statuses()
                .filter_map(|c| c.get("restartCount").as_i64())
                .sum(),
            node: pod
                .str_at(&["spec", "nodeName"])
                .is_some_and(|n| !n.is_empty()),
            created,
            ready_at,
            policy: match_pod_failure_policy(job.at(&["spec", "podFailurePolicy"]), pod),
            only_failed,
            counted_now: false,
            index_failures: {
                let count = |k: &str| {
                    pod.str_at(&["metadata", "annotations", k])
                        .and_then(|v| v.parse::<i64>().ok())
                        .filter(|v| (0..=i64::from(i32::MAX)).contains(v))
                        .unwrap_or(0)
                };
                (
                    count(INDEX_FAILURE_COUNT),
                    count(INDEX_IGNORED_FAILURE_COUNT),
                )
            },
            key,
        }
    }

    fn succeeded(&self) -> bool {
        &*self.phase == "Succeeded"
    }

    /// The pod failure policy's action for it, if a rule matched.
    fn action(&self) -> Option<&str> {
        self.policy.as_ref().map(|(a, _)| &**a)
    }

    /// `isPodFailed`: phase Failed, or deleted before it succeeded (unless
    /// only Failed pods are replaced).
    fn failed(&self) -> bool {
        &*self.phase == "Failed" || (self.deleting && !self.only_failed && !self.succeeded())
    }

    /// Whether a failure counts: the policy may say to ignore it.
    fn counts(&self) -> bool {
        self.policy
            .as_ref()
            .is_none_or(|(action, _)| &**action != "Ignore")
    }

    /// `controller.IsPodActive`.
    fn active(&self) -> bool {
        !self.deleting && !matches!(&*self.phase, "Succeeded" | "Failed")
    }
}

/// `matchPodFailurePolicy`: the first rule a Failed pod matches, by a
/// non-zero container exit code or a pod condition.
fn match_pod_failure_policy(policy: &Value, pod: &Value) -> Option<(Rc<str>, String)> {
    if policy.is_null() || pod.str_at(&["status", "phase"]) != Some("Failed") {
        return None;
    }
    let ns = pod.str_at(&["metadata", "namespace"]).unwrap_or("");
    let name = pod.str_at(&["metadata", "name"]).unwrap_or("");
    for (index, rule) in policy.get("rules").items().enumerate() {
        let action = rule.get("action").as_str().unwrap_or("");
        let exit_codes = rule.get("onExitCodes");
        let message = if !exit_codes.is_null() {
            let wanted: Vec<i64> = exit_codes
                .get("values")
                .items()
                .filter_map(Value::as_i64)
                .collect();
            let not_in = exit_codes.get("operator").as_str() == Some("NotIn");
            let only = exit_codes.get("containerName").as_str();
            pod.at(&["status", "containerStatuses"])
                .items()
                .chain(pod.at(&["status", "initContainerStatuses"]).items())
                .filter(|c| only.is_none_or(|n| c.get("name").as_str() == Some(n)))
                .find_map(|c| {
                    let code = c.at(&["state", "terminated", "exitCode"]).as_i64()?;
                    (code != 0 && wanted.contains(&code) != not_in).then(|| {
                        format!(
                            "Container {} for pod {ns}/{name} failed with exit code {code} matching {action} rule at index {index}",
                            c.get("name").as_str().unwrap_or("")
                        )
                    })
                })
        } else {
            rule.get("onPodConditions").items().find_map(|pattern| {
                let kind = pattern.get("type").as_str()?;
                let status = pattern.get("status").as_str().unwrap_or("True");
                pod.at(&["status", "conditions"])
                    .items()
                    .any(|c| c.get("type").as_str() == Some(kind) && c.get("status").as_str() == Some(status))
                    .then(|| format!("Pod {ns}/{name} has condition {kind} matching {action} rule at index {index}"))
            })
        };
        if let Some(message) = message {
            return Some((Rc::from(action), message));
        }
    }
    None
}

/// The Job fields Kubeplay stores without simulating, for the warning
/// `kubectl apply` prints.
pub(crate) fn unsimulated_fields(spec_has: impl Fn(&str) -> bool) -> Option<String> {
    let fields: Vec<String> = ["managedBy"]
        .into_iter()
        .filter(|f| spec_has(f))
        .map(|f| format!("spec.{f}"))
        .collect();
    (!fields.is_empty()).then(|| {
        format!(
            "Kubeplay does not simulate {} of Jobs: the Job runs as if unset",
            fields.join(", ")
        )
    })
}

/// `syncJob`.
pub(crate) fn reconcile(cluster: &mut Cluster, key: &ObjectKey) {
    let Some(job) = cluster.store.get(key).cloned() else {
        return;
    };
    let uid: Rc<str> = Rc::from(job.str_at(&["metadata", "uid"]).unwrap_or(""));
    let now = cluster.now;
    // `onlyReplaceFailedPods`.
    let only_failed = job.str_at(&["spec", "podReplacementPolicy"]) == Some("Failed")
        || !job.at(&["spec", "podFailurePolicy"]).is_null();
    let mut pods: Vec<JobPod> = cluster
        .controllers
        .owned_names(&uid)
        .into_iter()
        .filter_map(|name| {
            let pod_key = ObjectKey::new(res("Pod"), &key.namespace, &name);
            let pod = cluster.store.get(&pod_key)?;
            Some(JobPod::of(pod_key, pod, &job, only_failed))
        })
        .collect();
    if finished(&job) || is_deleting(&job) {
        for pod in pods.iter().filter(|p| p.tracked) {
            release_pod(cluster, &pod.key);
        }
        expire_after_finished(cluster, key, &job);
        return;
    }
    let spec = job.get("spec");
    let indexed = spec.get("completionMode").as_str() == Some("Indexed");
    let completions = spec.get("completions").as_i64();
    let parallelism = spec.get("parallelism").as_i64().unwrap_or(1).max(0);
    let suspended = spec.get("suspend").as_bool() == Some(true);
    let mut status = job.get("status").clone();
    if status.is_null() {
        status = Value::object();
    }
    let mut events: Vec<(EventType, String, String)> = Vec::new();

    // Suspension (and the start time, which a resume resets).
    let was_suspended = true_condition(&job, "Suspended").is_some();
    if suspended && !was_suspended {
        let c = condition("Suspended", "True", "JobSuspended", "Job suspended", now);
        if ensure_condition(&mut status, c) {
            events.push((
                EventType::Normal,
                "Suspended".into(),
                "Job suspended".into(),
            ));
        }
    } else if !suspended && was_suspended {
        let c = condition("Suspended", "False", "JobResumed", "Job resumed", now);
        if ensure_condition(&mut status, c) {
            events.push((EventType::Normal, "Resumed".into(), "Job resumed".into()));
        }
        status.set("startTime", Value::from(rfc3339(now)));
    }
    if !suspended && status.get("startTime").is_null() {
        status.set("startTime", Value::from(rfc3339(now)));
    }

    // Count the pods that finished since the last sync, and let them go.
    let mut succeeded = int_at(&status, &["succeeded"], 0);
    let mut failed = int_at(&status, &["failed"], 0);
    let mut completed: Vec<(i64, i64)> = parse_intervals(
        status.get("completedIndexes").as_str().unwrap_or(""),
        completions.unwrap_or(0),
    );
    let per_index = spec
        .get("backoffLimitPerIndex")
        .as_i64()
        .filter(|_| indexed);
    let mut failed_indexes: Vec<(i64, i64)> = parse_intervals(
        status.get("failedIndexes").as_str().unwrap_or(""),
        completions.unwrap_or(0),
    );
    for pod in pods.iter_mut().filter(|p| p.tracked) {
        if pod.succeeded() {
            match (indexed, pod.index) {
                (false, _) => succeeded += 1,
                (true, Some(i)) if completions.is_some_and(|c| i < c) => {
                    add_index(&mut completed, i);
                }
                _ => {}
            }
            pod.counted_now = true;
        } else if pod.failed() {
            if pod.counts() {
                failed += 1;
            }
            // `isIndexFailed`: a FailIndex rule, or a counted failure of
            // an index already at its limit.
            if let (Some(limit), Some(i)) = (per_index, pod.index)
                && completions.is_some_and(|c| i < c)
                && (pod.action() == Some("FailIndex")
                    || (pod.counts() && pod.index_failures.0 >= limit))
            {
                add_index(&mut failed_indexes, i);
            }
            pod.counted_now = true;
        }
    }
    if indexed {
        succeeded = completed
            .iter()
            .fold(0i64, |n, (a, b)| n.saturating_add(b - a + 1));
    }
    for pod in pods.iter_mut().filter(|p| p.counted_now) {
        release_pod(cluster, &pod.key);
        pod.tracked = false;
    }

    // Each index's latest failure, for per-index back-off and counts.
    let latest = if per_index.is_some() {
        latest_failures(&pods)
    } else {
        Vec::new()
    };
    let mut active: Vec<&JobPod> = pods.iter().filter(|p| p.active()).collect();
    let terminating = pods
        .iter()
        .filter(|p| p.deleting && !matches!(&*p.phase, "Succeeded" | "Failed"))
        .count() as i64;
    let template_spec = job.at(&["spec", "template", "spec"]);
    let start = status.get("startTime").as_str().and_then(parse_rfc3339);

    // Failure (`FailureTarget`, then `Failed` once no pod is terminating).
    let mut failure = true_condition(&job, "FailureTarget").map(|c| {
        (
            c.get("reason").as_str().unwrap_or("").to_string(),
            c.get("message").as_str().unwrap_or("").to_string(),
        )
    });
    let mut deadline_in: Option<Millis> = None;
    if failure.is_none() {
        failure = pods
            .iter()
            .filter(|p| p.counted_now)
            .find_map(|p| match &p.policy {
                Some((action, message)) if &**action == "FailJob" => {
                    Some(("PodFailurePolicy".to_string(), message.clone()))
                }
                _ => None,
            });
    }
    if failure.is_none() {
        let backoff_limit = int_at(spec, &["backoffLimit"], 6);
        // `pastBackoffLimitOnFailure`: restarts in place count too.
        let past_restarts = template_spec.get("restartPolicy").as_str() == Some("OnFailure") && {
            let restarts: i64 = pods
                .iter()
                .filter(|p| matches!(&*p.phase, "Running" | "Pending"))
                .map(|p| p.restarts)
                .sum();
            if backoff_limit == 0 {
                restarts > 0
            } else {
                restarts >= backoff_limit
            }
        };
        let past_backoff = failed > backoff_limit || past_restarts;
        if past_backoff {
            failure = Some((
                "BackoffLimitExceeded".into(),
                "Job has reached the specified backoff limit".into(),
            ));
        } else if let (Some(deadline), Some(start), false) =
            (spec.get("activeDeadlineSeconds").as_i64(), start, suspended)
        {
            let deadline = (deadline.max(0) as Millis).saturating_mul(SECOND);
            let elapsed = now.saturating_sub(start);
            if elapsed >= deadline {
                failure = Some((
                    "DeadlineExceeded".into(),
                    "Job was active longer than specified deadline".into(),
                ));
            } else {
                deadline_in = Some(deadline - elapsed);
            }
        }
    }
    // Once the success criteria are met, no failure check runs again.
    if true_condition(&job, "SuccessCriteriaMet").is_some()
        && true_condition(&job, "FailureTarget").is_none()
    {
        failure = None;
        deadline_in = None;
    }
    let failed_index_count = count_indexes(&failed_indexes);
    if failure.is_none()
        && true_condition(&job, "SuccessCriteriaMet").is_none()
        && per_index.is_some()
        && let Some(c) = completions
    {
        if spec
            .get("maxFailedIndexes")
            .as_i64()
            .is_some_and(|max| failed_index_count > max)
        {
            failure = Some((
                "MaxFailedIndexesExceeded".into(),
                "Job has exceeded the specified maximal number of failed indexes".into(),
            ));
        } else if failed_index_count > 0 && failed_index_count + succeeded >= c {
            failure = Some(("FailedIndexes".into(), "Job has failed indexes".into()));
        }
    }
    if let Some((reason, message)) = &failure {
        ensure_condition(
            &mut status,
            condition("FailureTarget", "True", reason, message, now),
        );
    }
    // `matchSuccessPolicy`, once nothing failed the Job.
    let mut success: Option<(String, String)> = true_condition(&job, "SuccessCriteriaMet")
        .filter(|c| c.get("reason").as_str() == Some("SuccessPolicy"))
        .map(|c| {
            (
                c.get("reason").as_str().unwrap_or("").to_string(),
                c.get("message").as_str().unwrap_or("").to_string(),
            )
        });
    if failure.is_none() && success.is_none() && indexed {
        success =
            match_success_policy(spec.get("successPolicy"), &completed, completions).map(|rule| {
                (
                    "SuccessPolicy".to_string(),
                    format!("Matched rules at index {rule}"),
                )
            });
        if let Some((reason, message)) = &success {
            ensure_condition(
                &mut status,
                condition("SuccessCriteriaMet", "True", reason, message, now),
            );
        }
    }
    let mut deletions: Vec<ObjectKey> = Vec::new();
    let mut creations: Vec<Option<i64>> = Vec::new();
    let mut backoff_in: Option<Millis> = None;
    let (mut waiting, mut more) = (false, false);
    let mut finished_now = false;
    let mut terminating_after = terminating;
    if let Some((reason, message)) = &failure {
        // Active pods are deleted and count as failed.
        failed += active.len() as i64;
        terminating_after += active.len() as i64;
        deletions.extend(active.iter().map(|p| p.key.clone()));
        active.clear();
        if terminating_after == 0 {
            ensure_condition(
                &mut status,
                condition("Failed", "True", reason, message, now),
            );
            events.push((EventType::Warning, reason.clone(), message.clone()));
            finished_now = true;
        }
    } else if let Some((reason, message)) = &success {
        // The pods still running are no longer needed; they do not count
        // as failed.
        terminating_after += active.len() as i64;
        deletions.extend(active.iter().map(|p| p.key.clone()));
        active.clear();
        if terminating_after == 0 {
            ensure_condition(
                &mut status,
                condition("Complete", "True", reason, message, now),
            );
            status.set("completionTime", Value::from(rfc3339(now)));
            events.push((
                EventType::Normal,
                "Completed".into(),
                "Job completed".into(),
            ));
            finished_now = true;
        }
    } else {
        let complete = match completions {
            Some(c) => succeeded >= c && active.is_empty(),
            None => succeeded > 0 && active.is_empty(),
        };
        if complete {
            let (reason, message) = (
                "CompletionsReached",
                "Reached expected number of succeeded pods",
            );
            ensure_condition(
                &mut status,
                condition("SuccessCriteriaMet", "True", reason, message, now),
            );
            if terminating == 0 {
                ensure_condition(
                    &mut status,
                    condition("Complete", "True", reason, message, now),
                );
                status.set("completionTime", Value::from(rfc3339(now)));
                if completions.is_some_and(|c| succeeded > c) {
                    events.push((
                        EventType::Warning,
                        "TooManySucceededPods".into(),
                        "Too many succeeded pods running after completion count reached".into(),
                    ));
                }
                events.push((
                    EventType::Normal,
                    "Completed".into(),
                    "Job completed".into(),
                ));
                finished_now = true;
            }
        } else if suspended {
            deletions.extend(active.iter().map(|p| p.key.clone()));
            active.clear();
        } else {
            // `manageJob`.
            let want = match completions {
                None if succeeded > 0 => active.len() as i64,
                None => parallelism,
                Some(c) => (c - succeeded - failed_index_count).min(parallelism).max(0),
            };
            // Terminating pods hold their place when only Failed ones are replaced.
            let holding = if only_failed { terminating } else { 0 };
            let excess = active.len() as i64 + holding - want;
            if excess > 0 {
                // `controller.ActivePods` order: the least settled go first.
                active.compact_sort_by_key(|p| {
                    (
                        p.node,
                        match &*p.phase {
                            "Pending" => 0,
                            "Unknown" => 1,
                            _ => 2,
                        },
                        p.ready,
                        std::cmp::Reverse(p.ready_at),
                        std::cmp::Reverse(p.restarts),
                        std::cmp::Reverse(p.created),
                    )
                });
                let count = (excess as usize)
                    .min(active.len())
                    .min(MAX_PODS_PER_SYNC as usize);
                more = (excess as usize).min(active.len()) > count;
                let gone: Vec<&JobPod> = active.drain(..count).collect();
                deletions.extend(gone.iter().map(|p| p.key.clone()));
            } else if excess < 0 && per_index.is_some() {
                // `getPodCreationInfoForIndependentIndexes`: each index
                // waits out its own back-off; failed indexes get no pod.
                let total = completions.unwrap_or(0);
                let mut taken: Vec<i64> = active.iter().filter_map(|p| p.index).collect();
                taken.compact_sort();
                let missing = (-excess).min(MAX_PODS_PER_SYNC) as usize;
                let mut soonest: Option<Millis> = None;
                for i in 0..total {
                    if creations.len() == missing {
                        more = true;
                        break;
                    }
                    if taken.binary_search(&i).is_ok()
                        || has_index(&completed, i)
                        || has_index(&failed_indexes, i)
                    {
                        continue;
                    }
                    if let Some(last) = last_failure(&pods, &latest, i) {
                        let n = last.index_failures.0 + last.index_failures.1 + 1;
                        let delay = BACKOFF_BASE
                            .saturating_mul(1 << (n - 1).clamp(0, 20))
                            .min(BACKOFF_MAX);
                        let left = delay.saturating_sub(now.saturating_sub(last.finished_at));
                        if left > 0 {
                            soonest = Some(soonest.map_or(left, |s: Millis| s.min(left)));
                            continue;
                        }
                    }
                    creations.push(Some(i));
                }
                if let Some(wait) = soonest {
                    backoff_in = Some(wait.max(SECOND));
                }
            } else if excess < 0 {
                // Failed pods are replaced after the back-off.
                let mut finishes: Vec<(Millis, bool)> = pods
                    .iter()
                    .filter(|p| p.succeeded() || (p.failed() && p.counts()))
                    .map(|p| (p.finished_at, p.succeeded()))
                    .collect();
                finishes.compact_sort();
                let failures = finishes.iter().rev().take_while(|(_, ok)| !ok).count() as u32;
                let wait = if failures == 0 {
                    0
                } else {
                    let delay = BACKOFF_BASE
                        .saturating_mul(1 << (failures - 1).min(20))
                        .min(BACKOFF_MAX);
                    let last = finishes.last().map_or(0, |(t, _)| *t);
                    delay.saturating_sub(now.saturating_sub(last))
                };
                // At most `MaxPodCreateDeletePerSync` at a time.
                let missing = (-excess).min(MAX_PODS_PER_SYNC) as usize;
                if wait > 0 {
                    backoff_in = Some(wait.max(SECOND));
                    // `manageJob` returns 0 active pods while it waits.
                    waiting = true;
                } else if indexed {
                    let total = completions.unwrap_or(0);
                    let taken: Vec<i64> = active.iter().filter_map(|p| p.index).collect();
                    creations.extend(
                        (0..total)
                            .filter(|i| !taken.contains(i) && !has_index(&completed, *i))
                            .take(missing)
                            .map(Some),
                    );
                } else {
                    creations.extend(std::iter::repeat_n(None, missing));
                }
                more = wait == 0 && -excess > missing as i64 && creations.len() == missing;
            }
        }
    }

    // Writes: deletions, then creations (kube's slow start creates them
    // all when none fails).
    let mut create_failed = false;
    for pod_key in &deletions {
        if failure.is_none() {
            // Not counted: removed pods were not failures.
            release_pod(cluster, pod_key);
        }
        if cluster.store.get(pod_key).is_some_and(|p| !is_deleting(p))
            && cluster.delete(pod_key, DeleteOptions::default()).is_ok()
        {
            events.push((
                EventType::Normal,
                "SuccessfulDelete".into(),
                format!("Deleted pod: {}", pod_key.name),
            ));
        }
    }
    if failure.is_some() {
        for pod_key in &deletions {
            release_pod(cluster, pod_key);
        }
    }
    let mut created = 0i64;
    for index in &creations {
        let mut pod = pod_from_job(&job, *index);
        if per_index.is_some()
            && let Some(i) = index
        {
            // The index's failures so far, from the pod it replaces.
            let (counted, ignored) = last_failure(&pods, &latest, *i).map_or((0, 0), |p| {
                let (c, g) = p.index_failures;
                if p.counts() { (c + 1, g) } else { (c, g + 1) }
            });
            pod.set_at(
                &["metadata", "annotations", INDEX_FAILURE_COUNT],
                Value::from(counted.to_string()),
            );
            if ignored > 0 {
                pod.set_at(
                    &["metadata", "annotations", INDEX_IGNORED_FAILURE_COUNT],
                    Value::from(ignored.to_string()),
                );
            }
        }
        match cluster.create(pod, &WriteOptions::system()) {
            Ok(pod) => {
                created += 1;
                let name = pod.str_at(&["metadata", "name"]).unwrap_or("");
                events.push((
                    EventType::Normal,
                    "SuccessfulCreate".into(),
                    format!("Created pod: {name}"),
                ));
            }
            Err(e) if e.message.ends_with("because it is being terminated") => break,
            Err(e) => {
                events.push((
                    EventType::Warning,
                    "FailedCreate".into(),
                    format!("Error creating: {}", e.message),
                ));
                create_failed = true;
                break;
            }
        }
    }

    // Status.
    let ready = active.iter().filter(|p| p.ready).count() as i64;
    let active_count = if waiting {
        0
    } else {
        active.len() as i64 + created
    };
    set_count(&mut status, "active", active_count);
    status.set("ready", Value::Int(ready));
    status.set("terminating", Value::Int(terminating_after));
    set_count(&mut status, "succeeded", succeeded);
    set_count(&mut status, "failed", failed);
    if indexed {
        let text = format_intervals(&completed);
        if text.is_empty() {
            status.remove("completedIndexes");
        } else {
            status.set("completedIndexes", Value::from(text));
        }
        if per_index.is_some() {
            // Written on every sync, empty or not.
            status.set(
                "failedIndexes",
                Value::from(format_intervals(&failed_indexes)),
            );
        }
    }
    status.set("uncountedTerminatedPods", Value::object());
    let status_changed = job.get("status") != &status;
    if status_changed {
        let _ = cluster.update_status(key, status);
    }
    for (event_type, reason, message) in &events {
        cluster.record_event(&job, None, *event_type, reason, message, (COMPONENT, None));
    }
    if create_failed {
        requeue_rate_limited(cluster, Controller::Job, key);
        return;
    }
    forget_failures(cluster, Controller::Job, key);
    if more {
        requeue_after(cluster, Controller::Job, key, 0);
    }
    if let Some(wait) = backoff_in {
        requeue_after(cluster, Controller::Job, key, wait);
    }
    if let Some(wait) = deadline_in {
        requeue_after(cluster, Controller::Job, key, wait);
    }
    if finished_now && let Some(job) = cluster.store.get(key).cloned() {
        expire_after_finished(cluster, key, &job);
    }
}

/// The TTL-after-finished controller: deletes a finished Job (and, in the
/// foreground, its pods) `ttlSecondsAfterFinished` after it finished.
fn expire_after_finished(cluster: &mut Cluster, key: &ObjectKey, job: &Value) {
    let Some(ttl) = job.at(&["spec", "ttlSecondsAfterFinished"]).as_i64() else {
        return;
    };
    if is_deleting(job) {
        return;
    }
    let Some(finished_at) = ["Complete", "Failed"]
        .iter()
        .find_map(|k| true_condition(job, k))
        .and_then(|c| c.get("lastTransitionTime").as_str())
        .and_then(parse_rfc3339)
    else {
        return;
    };
    let expire_at = finished_at.saturating_add((ttl.max(0) as Millis).saturating_mul(SECOND));
    if cluster.now >= expire_at {
        let opts = DeleteOptions {
            propagation: Propagation::Foreground,
            ..DeleteOptions::default()
        };
        let _ = cluster.delete(key, opts);
    } else {
        requeue_after(cluster, Controller::Job, key, expire_at - cluster.now);
    }
}

/// A pod for the Job (`GetPodFromTemplate` with the tracking finalizer,
/// and for Indexed Jobs the index, hostname and `JOB_COMPLETION_INDEX`).
fn pod_from_job(job: &Value, index: Option<i64>) -> Value {
    let name = job.str_at(&["metadata", "name"]).unwrap_or("");
    let mut pod = super::pod_from_template(job, &format!("{name}-"));
    let mut finalizers: Vec<Value> = pod
        .at(&["metadata", "finalizers"])
        .items()
        .cloned()
        .collect();
    finalizers.push(Value::str(TRACKING_FINALIZER));
    pod.set_at(&["metadata", "finalizers"], Value::array(finalizers));
    if let Some(i) = index {
        let i = i.to_string();
        // `podGenerateNameWithIndex`: the name is trimmed to fit 58 characters.
        let room = 58usize.saturating_sub(i.len() + 2);
        let prefix: String = name.chars().take(room).collect();
        pod.set_at(
            &["metadata", "generateName"],
            Value::from(format!("{prefix}-{i}-")),
        );
        pod.set_at(
            &["metadata", "annotations", COMPLETION_INDEX],
            Value::from(i.clone()),
        );
        pod.set_at(
            &["metadata", "labels", COMPLETION_INDEX],
            Value::from(i.clone()),
        );
        pod.set_at(&["spec", "hostname"], Value::from(format!("{name}-{i}")));
        let env_var = Value::from_pairs([
            ("name", Value::str("JOB_COMPLETION_INDEX")),
            (
                "valueFrom",
                Value::from_pairs([(
                    "fieldRef",
                    Value::from_pairs([
                        ("apiVersion", Value::str("v1")),
                        (
                            "fieldPath",
                            Value::from(format!("metadata.labels['{COMPLETION_INDEX}']")),
                        ),
                    ]),
                )]),
            ),
        ]);
        for list in ["initContainers", "containers"] {
            let containers: Vec<Value> = pod
                .at(&["spec", list])
                .items()
                .map(|c| {
                    let mut c = c.clone();
                    let mut env: Vec<Value> = c.get("env").items().cloned().collect();
                    if !env
                        .iter()
                        .any(|e| e.get("name").as_str() == Some("JOB_COMPLETION_INDEX"))
                    {
                        env.push(env_var.clone());
                        c.set("env", Value::array(env));
                    }
                    c
                })
                .collect();
            if !containers.is_empty() {
                pod.set_at(&["spec", list], Value::array(containers));
            }
        }
    }
    pod
}

/// Each index's latest failed pod, by index: (index, position in `pods`).
fn latest_failures(pods: &[JobPod]) -> Vec<(i64, usize)> {
    let mut failed: Vec<(i64, Millis, Millis, usize)> = pods
        .iter()
        .enumerate()
        .filter(|(_, p)| p.failed())
        .filter_map(|(n, p)| Some((p.index?, p.finished_at, p.created, n)))
        .collect();
    failed.compact_sort();
    let mut out: Vec<(i64, usize)> = Vec::new();
    for (index, _, _, n) in failed {
        match out.last_mut() {
            Some(last) if last.0 == index => last.1 = n,
            _ => out.push((index, n)),
        }
    }
    out
}

/// The latest failed pod of an index (the one a new pod replaces), from
/// [`latest_failures`].
fn last_failure<'p>(pods: &'p [JobPod], latest: &[(i64, usize)], index: i64) -> Option<&'p JobPod> {
    let at = latest.binary_search_by_key(&index, |(i, _)| *i).ok()?;
    Some(&pods[latest[at].1])
}

/// How many indexes the intervals hold.
fn count_indexes(intervals: &[(i64, i64)]) -> i64 {
    intervals
        .iter()
        .fold(0i64, |n, (a, b)| n.saturating_add(b - a + 1))
}

/// `matchSuccessPolicy`: the position of the first rule the succeeded
/// indexes meet (a rule is never met before any index succeeded).
fn match_success_policy(
    policy: &Value,
    completed: &[(i64, i64)],
    completions: Option<i64>,
) -> Option<usize> {
    let total = count_indexes(completed);
    if policy.is_null() || total == 0 {
        return None;
    }
    policy.get("rules").items().position(|rule| {
        let count = rule.get("succeededCount").as_i64();
        match rule.get("succeededIndexes").as_str() {
            Some(text) => {
                let wanted = parse_intervals(text, completions.unwrap_or(0));
                if wanted.is_empty() {
                    return false;
                }
                // The overlap of the wanted and the succeeded ranges.
                let met: i64 = wanted
                    .iter()
                    .flat_map(|(a, b)| {
                        completed
                            .iter()
                            .map(move |(c, d)| (b.min(d) - a.max(c) + 1).max(0))
                    })
                    .sum();
                met == count_indexes(&wanted) || count.is_some_and(|c| met >= c)
            }
            None => count.is_some_and(|c| total >= c),
        }
    })
}

/// `completedIndexes` ("1,3-5,7") as sorted, merged inclusive ranges of
/// indexes below `completions`; unparsable parts are skipped.
fn parse_intervals(text: &str, completions: i64) -> Vec<(i64, i64)> {
    let mut out: Vec<(i64, i64)> = text
        .split(',')
        .filter_map(|part| {
            let (a, b) = part.split_once('-').unwrap_or((part, part));
            let (a, b) = (a.parse::<i64>().ok()?, b.parse::<i64>().ok()?);
            let b = b.min(completions.saturating_sub(1));
            (0 <= a && a <= b).then_some((a, b))
        })
        .collect();
    out.compact_sort();
    // Merge overlapping and adjacent ranges.
    let mut merged: Vec<(i64, i64)> = Vec::with_capacity(out.len());
    for (a, b) in out {
        match merged.last_mut() {
            Some(last) if a <= last.1.saturating_add(1) => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    merged
}

fn has_index(intervals: &[(i64, i64)], i: i64) -> bool {
    intervals.iter().any(|(a, b)| *a <= i && i <= *b)
}

fn add_index(intervals: &mut Vec<(i64, i64)>, i: i64) {
    if has_index(intervals, i) {
        return;
    }
    let at = intervals
        .iter()
        .position(|(a, _)| *a > i)
        .unwrap_or(intervals.len());
    intervals.insert(at, (i, i));
    // Merge with the neighbours.
    if at + 1 < intervals.len() && intervals[at + 1].0 == i + 1 {
        intervals[at].1 = intervals[at + 1].1;
        intervals.remove(at + 1);
    }
    if at > 0 && intervals[at - 1].1 + 1 == i {
        intervals[at - 1].1 = intervals[at].1;
        intervals.remove(at);
    }
}

fn format_intervals(intervals: &[(i64, i64)]) -> String {
    let parts: Vec<String> = intervals
        .iter()
        .map(|(a, b)| {
            if a == b {
                a.to_string()
            } else if *b == a + 1 {
                // `orderedIntervals.String`: a run of two is not a range.
                format!("{a},{b}")
            } else {
                format!("{a}-{b}")
            }
        })
        .collect();
    parts.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controllers::testutil::create;

    /// A Job running `script` in busybox.
    fn job(name: &str, spec: &str, script: &str, restart: &str) -> String {
        format!(
            "apiVersion: batch/v1
kind: Job
metadata: {{name: {name}}}
spec:
{spec}
  template:
    spec:
      restartPolicy: {restart}
      containers: [{{name: c, image: busybox, command: [sh, -c, '{script}']}}]
"
        )
    }

    fn get(c: &Cluster, name: &str) -> Value {
        c.store
            .get_named(res("Job"), "default", name)
            .unwrap()
            .clone()
    }

    /// (name, phase, finalizers) of the Job's pods, by name.
    fn job_pods(c: &Cluster, job: &str) -> Vec<(String, String, usize)> {
        c.store
            .list(res("Pod"), Some("default"))
            .filter(|(_, p)| p.str_at(&["metadata", "labels", "job-name"]) == Some(job))
            .map(|(_, p)| {
                (
                    p.str_at(&["metadata", "name"]).unwrap().to_string(),
                    p.str_at(&["status", "phase"]).unwrap_or("").to_string(),
                    p.at(&["metadata", "finalizers"]).items().count(),
                )
            })
            .collect()
    }

    /// The types of the Job's True conditions, in order.
    fn conditions(job: &Value) -> Vec<String> {
        job.at(&["status", "conditions"])
            .items()
            .filter(|c| c.get("status").as_str() == Some("True"))
            .map(|c| c.get("type").as_str().unwrap().to_string())
            .collect()
    }

    /// (reason, message) of the Job's terminal condition (the second one,
    /// after its target), with both times.
    fn terminal(job: &Value) -> (String, String, Value) {
        let c = job
            .at(&["status", "conditions"])
            .items()
            .nth(1)
            .unwrap()
            .clone();
        (
            c.str_at(&["reason"]).unwrap().to_string(),
            c.str_at(&["message"]).unwrap().to_string(),
            c.get("lastTransitionTime").clone(),
        )
    }

    /// (reason, message) of the Job's events, oldest first.
    fn events(c: &Cluster, job: &str) -> Vec<(String, String)> {
        c.events
            .records()
            .iter()
            .filter(|e| &*e.involved.kind == "Job" && &*e.involved.name == job)
            .map(|e| (e.reason.to_string(), e.message.to_string()))
            .collect()
    }

    #[test]
    fn a_job_runs_its_pod_to_completion_and_lets_it_go() {
        let mut c = Cluster::new(1);
        create(
            &mut c,
            &job("hello", "  backoffLimit: 4", "echo hi", "Never"),
        );
        let pods = job_pods(&c, "hello");
        assert_eq!(pods.len(), 1);
        // The finalizer holds the pod until the Job has counted it.
        assert_eq!(pods[0].2, 1);
        let j = get(&c, "hello");
        assert_eq!(int_at(&j, &["status", "active"], 0), 1);
        assert!(j.str_at(&["status", "startTime"]).is_some());
        c.step(30 * SECOND);
        let j = get(&c, "hello");
        assert_eq!(conditions(&j), ["SuccessCriteriaMet", "Complete"]);
        let (reason, message, at) = terminal(&j);
        assert_eq!(reason, "CompletionsReached");
        assert_eq!(message, "Reached expected number of succeeded pods");
        assert_eq!(j.at(&["status", "completionTime"]), &at);
        assert_eq!(int_at(&j, &["status", "succeeded"], 0), 1);
        assert!(j.at(&["status", "active"]).is_null());
        assert!(j.at(&["status", "failed"]).is_null());
        assert_eq!(int_at(&j, &["status", "ready"], -1), 0);
        assert_eq!(int_at(&j, &["status", "terminating"], -1), 0);
        assert!(j.at(&["status", "uncountedTerminatedPods"]).is_empty());
        let pods = job_pods(&c, "hello");
        assert_eq!(pods, [(pods[0].0.clone(), "Succeeded".to_string(), 0)]);
        let events = events(&c, "hello");
        assert_eq!(
            events[0],
            (
                "SuccessfulCreate".into(),
                format!("Created pod: {}", pods[0].0)
            )
        );
        assert_eq!(events[1], ("Completed".into(), "Job completed".into()));
        assert_eq!(events.len(), 2);
    }

    #[test]
    fn failed_pods_are_replaced_after_the_back_off_until_the_limit() {
        let mut c = Cluster::new(2);
        create(&mut c, &job("fail", "  backoffLimit: 2", "exit 1", "Never"));
        c.step(300 * SECOND);
        let j = get(&c, "fail");
        // backoffLimit 2: the third failure fails the Job.
        assert_eq!(int_at(&j, &["status", "failed"], 0), 3);
        assert_eq!(conditions(&j), ["FailureTarget", "Failed"]);
        let (reason, message, _) = terminal(&j);
        assert_eq!(reason, "BackoffLimitExceeded");
        assert_eq!(message, "Job has reached the specified backoff limit");
        assert!(j.at(&["status", "completionTime"]).is_null());
        let pods = job_pods(&c, "fail");
        assert_eq!(pods.len(), 3);
        assert!(
            pods.iter()
                .all(|(_, phase, f)| phase == "Failed" && *f == 0)
        );
        // Replacements wait 10 s, then 20 s, after the failure.
        let mut created: Vec<Millis> = c
            .store
            .list(res("Pod"), Some("default"))
            .filter_map(|(_, p)| super::super::creation_time(p))
            .collect();
        created.sort();
        let gaps: Vec<Millis> = created.windows(2).map(|w| (w[1] - w[0]) / SECOND).collect();
        assert!((10..13).contains(&gaps[0]), "{gaps:?}");
        assert!((20..23).contains(&gaps[1]), "{gaps:?}");
        let last = events(&c, "fail").pop().unwrap();
        assert_eq!(
            last,
            (
                "BackoffLimitExceeded".into(),
                "Job has reached the specified backoff limit".into()
            )
        );
    }

    #[test]
    fn parallelism_bounds_the_running_pods_until_completions_succeed() {
        let mut c = Cluster::new(3);
        create(
            &mut c,
            &job(
                "par",
                "  completions: 5\n  parallelism: 2",
                "sleep 5",
                "Never",
            ),
        );
        let mut most = 0;
        for _ in 0..60 {
            c.step(SECOND);
            let j = get(&c, "par");
            most = most.max(int_at(&j, &["status", "active"], 0));
            let running = job_pods(&c, "par")
                .iter()
                .filter(|(_, p, _)| p != "Succeeded")
                .count();
            assert!(running <= 2);
        }
        assert_eq!(most, 2);
        let j = get(&c, "par");
        assert_eq!(int_at(&j, &["status", "succeeded"], 0), 5);
        assert_eq!(conditions(&j), ["SuccessCriteriaMet", "Complete"]);
        assert_eq!(job_pods(&c, "par").len(), 5);
    }

    #[test]
    fn indexed_jobs_run_one_pod_per_index() {
        let mut c = Cluster::new(4);
        create(
            &mut c,
            &job(
                "idx",
                "  completions: 3\n  parallelism: 3\n  completionMode: Indexed",
                "echo $JOB_COMPLETION_INDEX",
                "Never",
            ),
        );
        let pods: Vec<Value> = c
            .store
            .list(res("Pod"), Some("default"))
            .map(|(_, p)| p.clone())
            .collect();
        let mut seen: Vec<(String, String, String)> = pods
            .iter()
            .map(|p| {
                (
                    p.str_at(&["metadata", "generateName"]).unwrap().to_string(),
                    p.str_at(&["metadata", "annotations", COMPLETION_INDEX])
                        .unwrap()
                        .to_string(),
                    p.str_at(&["spec", "hostname"]).unwrap().to_string(),
                )
            })
            .collect();
        seen.sort();
        assert_eq!(
            seen,
            [
                ("idx-0-".into(), "0".into(), "idx-0".into()),
                ("idx-1-".into(), "1".into(), "idx-1".into()),
                ("idx-2-".into(), "2".into(), "idx-2".into()),
            ]
        );
        c.step(30 * SECOND);
        let j = get(&c, "idx");
        assert_eq!(j.str_at(&["status", "completedIndexes"]), Some("0-2"));
        assert_eq!(int_at(&j, &["status", "succeeded"], 0), 3);
        assert_eq!(conditions(&j), ["SuccessCriteriaMet", "Complete"]);
    }

    #[test]
    fn completed_indexes_are_kept_as_ranges() {
        let mut v = parse_intervals("1,3-5,7", 10);
        assert_eq!(v, [(1, 1), (3, 5), (7, 7)]);
        // Overlaps merge; indexes past completions (or past i64) are dropped.
        assert_eq!(parse_intervals("9-20,2-4,3-6", 10), [(2, 6), (9, 9)]);
        assert!(parse_intervals("9223372036854775800-9223372036854775807", 3).is_empty());
        add_index(&mut v, 6);
        add_index(&mut v, 2);
        assert_eq!(format_intervals(&v), "1-7");
        add_index(&mut v, 0);
        add_index(&mut v, 9);
        assert_eq!(format_intervals(&v), "0-7,9");
        assert!(parse_intervals("x,5-2,-1", 10).is_empty());
    }

    #[test]
    fn the_active_deadline_fails_the_job_and_stops_its_pods() {
        let mut c = Cluster::new(5);
        create(
            &mut c,
            &job("slow", "  activeDeadlineSeconds: 20", "sleep 600", "Never"),
        );
        c.step(15 * SECOND);
        assert_eq!(conditions(&get(&c, "slow")), Vec::<String>::new());
        c.step(60 * SECOND);
        let j = get(&c, "slow");
        assert_eq!(conditions(&j), ["FailureTarget", "Failed"]);
        let (reason, message, _) = terminal(&j);
        assert_eq!(reason, "DeadlineExceeded");
        assert_eq!(message, "Job was active longer than specified deadline");
        assert_eq!(int_at(&j, &["status", "failed"], 0), 1);
        // The running pod was deleted; once stopped, nothing holds it.
        assert!(job_pods(&c, "slow").is_empty());
    }

    #[test]
    fn restarts_count_against_the_backoff_limit_with_on_failure() {
        let mut c = Cluster::new(6);
        create(
            &mut c,
            &job("crash", "  backoffLimit: 2", "exit 2", "OnFailure"),
        );
        c.step(120 * SECOND);
        let j = get(&c, "crash");
        assert_eq!(conditions(&j), ["FailureTarget", "Failed"]);
        // The one pod was restarted in place, then deleted as failed.
        assert_eq!(int_at(&j, &["status", "failed"], 0), 1);
        assert_eq!(
            events(&c, "crash")
                .iter()
                .filter(|(r, _)| r == "SuccessfulCreate")
                .count(),
            1
        );
    }

    #[test]
    fn suspend_deletes_the_pods_and_resume_starts_again() {
        let mut c = Cluster::new(7);
        create(
            &mut c,
            &job("sus", "  backoffLimit: 1", "sleep 600", "Never"),
        );
        c.step(5 * SECOND);
        let mut j = get(&c, "sus");
        j.set_at(&["spec", "suspend"], Value::Bool(true));
        c.update(j, &WriteOptions::user()).unwrap();
        c.step(60 * SECOND);
        let j = get(&c, "sus");
        assert_eq!(conditions(&j), ["Suspended"]);
        assert!(job_pods(&c, "sus").is_empty());
        // Deleted for the suspension, not failed.
        assert!(j.at(&["status", "failed"]).is_null());
        let mut j = j;
        j.set_at(&["spec", "suspend"], Value::Bool(false));
        c.update(j, &WriteOptions::user()).unwrap();
        c.step(SECOND);
        let j = get(&c, "sus");
        assert!(conditions(&j).is_empty());
        assert_eq!(job_pods(&c, "sus").len(), 1);
        let reasons: Vec<String> = events(&c, "sus").into_iter().map(|(r, _)| r).collect();
        assert_eq!(
            reasons,
            [
                "SuccessfulCreate",
                "Suspended",
                "SuccessfulDelete",
                "Resumed",
                "SuccessfulCreate"
            ]
        );
    }

    #[test]
    fn finished_jobs_go_after_their_ttl_and_deleted_jobs_take_their_pods() {
        let mut c = Cluster::new(8);
        create(
            &mut c,
            &job("ttl", "  ttlSecondsAfterFinished: 60", "echo done", "Never"),
        );
        c.step(30 * SECOND);
        assert!(finished(&get(&c, "ttl")));
        c.step(20 * SECOND);
        assert!(c.store.get_named(res("Job"), "default", "ttl").is_some());
        c.step(70 * SECOND);
        assert!(c.store.get_named(res("Job"), "default", "ttl").is_none());
        assert!(job_pods(&c, "ttl").is_empty());
        // A running Job deleted: its pods terminate and nothing holds them.
        create(&mut c, &job("gone", "", "sleep 600", "Never"));
        c.step(5 * SECOND);
        let key = ObjectKey::new(res("Job"), "default", "gone");
        c.delete(&key, DeleteOptions::default()).unwrap();
        c.step(60 * SECOND);
        assert!(job_pods(&c, "gone").is_empty());
    }

    #[test]
    fn the_pod_failure_policy_fails_the_job_or_ignores_the_failure() {
        let mut c = Cluster::new(9);
        let policy = "  backoffLimit: 6
  podFailurePolicy:
    rules:
    - action: FailJob
      onExitCodes: {containerName: c, operator: In, values: [42]}
    - action: Ignore
      onExitCodes: {operator: NotIn, values: [42]}";
        create(&mut c, &job("fatal", policy, "sleep 2; exit 42", "Never"));
        c.step(60 * SECOND);
        let j = get(&c, "fatal");
        assert_eq!(conditions(&j), ["FailureTarget", "Failed"]);
        let (reason, message, _) = terminal(&j);
        assert_eq!(reason, "PodFailurePolicy");
        let pod = &job_pods(&c, "fatal")[0].0;
        assert_eq!(
            message,
            format!(
                "Container c for pod default/{pod} failed with exit code 42 matching FailJob rule at index 0"
            )
        );
        assert_eq!(j.str_at(&["spec", "podReplacementPolicy"]), Some("Failed"));
        // Exit code 3 is ignored: not counted, and replaced at once.
        create(&mut c, &job("flaky", policy, "exit 3", "Never"));
        c.step(30 * SECOND);
        let j = get(&c, "flaky");
        assert!(j.at(&["status", "failed"]).is_null());
        assert!(conditions(&j).is_empty());
        assert!(job_pods(&c, "flaky").len() > 3);
    }

    #[test]
    fn unsimulated_job_fields_are_named_in_a_warning() {
        let has = |fields: &'static [&'static str]| move |f: &str| fields.contains(&f);
        assert_eq!(
            unsimulated_fields(has(&["completions", "successPolicy"])),
            None
        );
        assert_eq!(
            unsimulated_fields(has(&["managedBy"])).unwrap(),
            "Kubeplay does not simulate spec.managedBy of Jobs: the Job runs as if unset"
        );
    }

    /// An Indexed Job whose shell exits by its index: odd indexes fail.
    fn odd_fail(name: &str, extra: &str) -> String {
        job(
            name,
            &format!("  completionMode: Indexed\n  completions: 6\n  parallelism: 6\n{extra}"),
            "exit $((JOB_COMPLETION_INDEX % 2))",
            "Never",
        )
    }

    #[test]
    fn backoff_limit_per_index_fails_indexes_not_the_whole_job() {
        let mut c = Cluster::new(1);
        create(&mut c, &odd_fail("per", "  backoffLimitPerIndex: 1"));
        c.step(5 * 60 * SECOND);
        let j = get(&c, "per");
        let st = j.get("status");
        assert_eq!(st.get("completedIndexes").as_str(), Some("0,2,4"));
        assert_eq!(st.get("failedIndexes").as_str(), Some("1,3,5"));
        // Two pods for each failed index: the first and its one retry.
        assert_eq!(
            (st.get("succeeded").as_i64(), st.get("failed").as_i64()),
            (Some(3), Some(6))
        );
        assert_eq!(conditions(&j), ["FailureTarget", "Failed"]);
        assert_eq!(terminal(&j).0, "FailedIndexes");
        // The retry carries its index's failure count.
        let counts: Vec<String> = c
            .store
            .list(res("Pod"), Some("default"))
            .filter(|(_, p)| p.str_at(&["metadata", "labels", COMPLETION_INDEX]) == Some("1"))
            .filter_map(|(_, p)| p.str_at(&["metadata", "annotations", INDEX_FAILURE_COUNT]))
            .map(str::to_string)
            .collect();
        let mut sorted = counts.clone();
        sorted.sort();
        assert_eq!(sorted, ["0", "1"]);

        // More failed indexes than allowed ends the Job early.
        let mut c = Cluster::new(2);
        create(
            &mut c,
            &odd_fail("max", "  backoffLimitPerIndex: 0\n  maxFailedIndexes: 1"),
        );
        c.step(5 * 60 * SECOND);
        let j = get(&c, "max");
        assert_eq!(
            terminal(&j).1,
            "Job has exceeded the specified maximal number of failed indexes"
        );
    }

    #[test]
    fn a_success_policy_completes_the_job_and_stops_the_rest() {
        let mut c = Cluster::new(1);
        create(
            &mut c,
            &job(
                "lead",
                "  completionMode: Indexed\n  completions: 4\n  parallelism: 4\n  successPolicy:\n    rules:\n    - succeededIndexes: \"0\"",
                "if [ $JOB_COMPLETION_INDEX = 0 ]; then exit 0; fi; sleep 3600",
                "Never",
            ),
        );
        c.step(2 * 60 * SECOND);
        let j = get(&c, "lead");
        assert_eq!(conditions(&j), ["SuccessCriteriaMet", "Complete"]);
        assert_eq!(
            (terminal(&j).0.as_str(), terminal(&j).1.as_str()),
            ("SuccessPolicy", "Matched rules at index 0")
        );
        // The lingering pods were deleted and are not failures.
        assert_eq!(j.at(&["status", "failed"]).as_i64(), None);
        assert_eq!(job_pods(&c, "lead").len(), 1);
        // A rule with a count and no indexes.
        assert_eq!(
            match_success_policy(
                &crate::yaml::load_str(
                    "rules: [{succeededIndexes: '1-3', succeededCount: 2}, {succeededCount: 1}]"
                )
                .unwrap()[0]
                    .root
                    .to_value(),
                &[(2, 3)],
                Some(5)
            ),
            Some(0)
        );
        assert_eq!(format_intervals(&[(0, 1), (3, 5), (7, 7)]), "0,1,3-5,7");
    }

    #[test]
    fn a_deleted_pod_counts_against_the_limit_with_on_failure_too() {
        let mut c = Cluster::new(10);
        create(
            &mut c,
            &job("once", "  backoffLimit: 0", "sleep 600", "OnFailure"),
        );
        c.step(5 * SECOND);
        let pod = job_pods(&c, "once")[0].0.clone();
        c.delete(
            &ObjectKey::new(res("Pod"), "default", &pod),
            DeleteOptions::default(),
        )
        .unwrap();
        c.step(60 * SECOND);
        let j = get(&c, "once");
        assert_eq!(conditions(&j), ["FailureTarget", "Failed"]);
        assert_eq!(int_at(&j, &["status", "failed"], 0), 1);
    }

    #[test]
    fn pods_are_created_at_most_500_per_sync() {
        let mut c = Cluster::new(11);
        let key = ObjectKey::new(res("Job"), "default", "wide");
        c.create(
            crate::controllers::testutil::yaml(&job(
                "wide",
                "  parallelism: 600\n  completions: 600",
                "sleep 600",
                "Never",
            )),
            &WriteOptions::user(),
        )
        .unwrap();
        reconcile(&mut c, &key);
        assert_eq!(job_pods(&c, "wide").len(), 500);
        c.step(0);
        assert_eq!(job_pods(&c, "wide").len(), 600);
    }
}
