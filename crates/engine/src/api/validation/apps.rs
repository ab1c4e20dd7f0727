//! Workload validation (`pkg/apis/apps/validation`, the batch rules and the
//! ReplicationController rules of core), and the selector immutability the
//! apps registry strategies add on update.

use super::pod::pod_template_spec;
use super::{IMMUTABLE, Sink, gint, gptr_int, gstr, nonnegative, semantic_eq};
use crate::api::content::is_valid_percent;
use crate::api::defaults::{CONTROLLER_UID_LABEL, JOB_NAME_LABEL, LEGACY_JOB_LABELS};
use crate::api::errors::{FieldError, quote};
use crate::api::gofmt;
use crate::api::path::Path;
use crate::api::selector::{Selector, validate_label_selector, validate_labels};
use crate::value::Value;

/// A Deployment on create or update.
pub(super) fn deployment(obj: &Value, old: Option<&Value>, errs: &mut Vec<FieldError>) {
    let spec = obj.get("spec");
    let sp = Path::new("spec");
    if let Some(r) = gptr_int(spec, "replicas") {
        nonnegative(r, &sp.child("replicas"), errs);
    }
    selector_and_template(spec, &sp, "deployment", errs);
    strategy(spec.get("strategy"), &sp.child("strategy"), errs);
    let min_ready = gint(spec, "minReadySeconds").unwrap_or(0);
    nonnegative(min_ready, &sp.child("minReadySeconds"), errs);
    if let Some(r) = gptr_int(spec, "revisionHistoryLimit") {
        nonnegative(r, &sp.child("revisionHistoryLimit"), errs);
    }
    if let Some(pd) = gptr_int(spec, "progressDeadlineSeconds") {
        let pp = sp.child("progressDeadlineSeconds");
        nonnegative(pd, &pp, errs);
        if pd <= min_ready {
            errs.invalid(&pp, pd.to_string(), "must be greater than minReadySeconds");
        }
    }
    if let Some(old) = old {
        selector_immutable(spec, old.get("spec"), errs);
    }
}

/// A ReplicaSet on create or update.
pub(super) fn replica_set(obj: &Value, old: Option<&Value>, errs: &mut Vec<FieldError>) {
    let spec = obj.get("spec");
    let sp = Path::new("spec");
    if let Some(r) = gptr_int(spec, "replicas") {
        nonnegative(r, &sp.child("replicas"), errs);
    }
    if let Some(m) = gint(spec, "minReadySeconds") {
        nonnegative(m, &sp.child("minReadySeconds"), errs);
    }
    // Upstream says "deployment" for ReplicaSets too.
    selector_and_template(spec, &sp, "deployment", errs);
    if let Some(old) = old {
        selector_immutable(spec, old.get("spec"), errs);
    }
}

/// `spec.selector: Invalid value: …: field is immutable` (apps/v1).
fn selector_immutable(spec: &Value, old_spec: &Value, errs: &mut Vec<FieldError>) {
    let (new, old) = (spec.get("selector"), old_spec.get("selector"));
    if !semantic_eq(new, old) {
        let p = Path::new("spec");
        let shown = if new.is_null() {
            "null".to_string()
        } else {
            gofmt::label_selector(new)
        };
        errs.invalid(&p.child("selector"), shown, IMMUTABLE);
    }
}

/// The selector rules and `ValidatePodTemplateSpecForReplicaSet`.
fn selector_and_template(spec: &Value, sp: &Path, what: &str, errs: &mut Vec<FieldError>) {
    let sel = spec.get("selector");
    let selp = sp.child("selector");
    if sel.is_null() {
        errs.required(&selp, "");
    } else if sel.as_object().is_some() {
        validate_label_selector(sel, &selp, errs);
        if sel.get("matchLabels").is_empty() && sel.get("matchExpressions").is_empty() {
            errs.invalid(
                &selp,
                gofmt::label_selector(sel),
                &format!("empty selector is invalid for {what}"),
            );
        }
    }
    let tp = sp.child("template");
    if !sel.is_null() && sel.as_object().is_none() {
        // A selector of the wrong type was reported by the decoder.
        pod_template_spec(spec.get("template"), &tp, errs);
        return;
    }
    match Selector::from_value(sel) {
        Err(_) => errs.invalid(&selp, gofmt::label_selector(sel), "invalid label selector"),
        Ok(selector) => {
            let tmpl = spec.get("template");
            let labels = tmpl.at(&["metadata", "labels"]);
            // A nil selector selects nothing, so it never matches.
            if !selector.is_empty() && !selector.matches(labels) {
                let mp = tp.child("metadata");
                errs.invalid(
                    &mp.child("labels"),
                    gofmt::string_map(labels),
                    "`selector` does not match template `labels`",
                );
            }
            pod_template_spec(tmpl, &tp, errs);
            template_restart_always(tmpl, &tp, "ReplicaSet", errs);
        }
    }
}

/// Templates of controllers that keep pods running: restartPolicy Always,
/// no activeDeadlineSeconds.
fn template_restart_always(tmpl: &Value, tp: &Path, kind: &str, errs: &mut Vec<FieldError>) {
    let spec = tmpl.get("spec");
    let sp = tp.child("spec");
    if let Some(rp) = gstr(spec, "restartPolicy")
        && rp != "Always"
    {
        errs.not_supported(&sp.child("restartPolicy"), quote(rp), &["Always"]);
    }
    if !spec.get("activeDeadlineSeconds").is_null() {
        errs.forbidden(
            &sp.child("activeDeadlineSeconds"),
            &format!("activeDeadlineSeconds in {kind} is not Supported"),
        );
    }
}

/// `ValidateDeploymentStrategy`
// A guard would let a known type fall through to "Unsupported value".
#[allow(clippy::collapsible_match)]
fn strategy(s: &Value, p: &Path, errs: &mut Vec<FieldError>) {
    if s.as_object().is_none() {
        return;
    }
    let rolling = s.get("rollingUpdate");
    match gstr(s, "type") {
        Some("Recreate") => {
            if !rolling.is_null() {
                errs.forbidden(
                    &p.child("rollingUpdate"),
                    "may not be specified when strategy `type` is 'Recreate'",
                );
            }
        }
        Some("RollingUpdate") => {
            let rp = p.child("rollingUpdate");
            if rolling.is_null() {
                errs.required(&rp, "this should be defaulted and never be nil");
            } else {
                let mu = rolling.get("maxUnavailable");
                let ms = rolling.get("maxSurge");
                positive_int_or_percent(mu, &rp.child("maxUnavailable"), errs);
                positive_int_or_percent(ms, &rp.child("maxSurge"), errs);
                if int_or_percent_value(mu) == 0 && int_or_percent_value(ms) == 0 {
                    errs.invalid(
                        &rp.child("maxUnavailable"),
                        gofmt::int_or_string(mu),
                        "may not be 0 when `maxSurge` is 0",
                    );
                }
                not_more_than_100(mu, &rp.child("maxUnavailable"), errs);
            }
        }
        Some(other) => {
            let ru = if rolling.is_null() {
                "(*apps.RollingUpdateDeployment)(nil)"
            } else {
                "(*apps.RollingUpdateDeployment)(0xc000a1b2c3)"
            };
            errs.not_supported(
                p,
                format!(
                    "apps.DeploymentStrategy{{Type:{}, RollingUpdate:{ru}}}",
                    quote(other)
                ),
                &["Recreate", "RollingUpdate"],
            );
        }
        None => {}
    }
}

/// `ValidatePositiveIntOrPercent`
fn positive_int_or_percent(v: &Value, p: &Path, errs: &mut Vec<FieldError>) {
    match v {
        Value::String(s) => {
            for m in is_valid_percent(s) {
                errs.invalid(p, s.to_string(), &m);
            }
        }
        other => {
            if let Some(n) = other.as_i64() {
                nonnegative(n, p, errs);
            }
        }
    }
}

/// A valid percent's number, `None` otherwise.
fn percent_value(v: &Value) -> Option<i64> {
    let s = v.as_str()?;
    if !is_valid_percent(s).is_empty() {
        return None;
    }
    s[..s.len() - 1].parse().ok()
}

/// `getIntOrPercentValue`: the percent number, else the integer (a string
/// that is not a number counts as 0, like `IntValue()`).
fn int_or_percent_value(v: &Value) -> i64 {
    if let Some(p) = percent_value(v) {
        return p;
    }
    match v {
        Value::String(s) => s.parse().unwrap_or(0),
        other => other.as_i64().unwrap_or(0),
    }
}

/// `IsNotMoreThan100Percent`
fn not_more_than_100(v: &Value, p: &Path, errs: &mut Vec<FieldError>) {
    if percent_value(v).is_some_and(|n| n > 100) {
        errs.invalid(p, gofmt::int_or_string(v), "must not be greater than 100%");
    }
}

/// `ValidatePodDisruptionBudgetSpec`.
pub(super) fn pod_disruption_budget(obj: &Value, errs: &mut Vec<FieldError>) {
    let spec = obj.get("spec");
    let sp = Path::new("spec");
    let (min, max) = (spec.get("minAvailable"), spec.get("maxUnavailable"));
    if !min.is_null() && !max.is_null() {
        // `%#v` of the internal spec: Go prints its pointers' addresses.
        let ptr = |v: &Value, ty: &str, at: &str| {
            if v.is_null() {
                format!("({ty})(nil)")
            } else {
                format!("({ty})({at})")
            }
        };
        let value = format!(
            "policy.PodDisruptionBudgetSpec{{MinAvailable:{}, Selector:{}, MaxUnavailable:{}, UnhealthyPodEvictionPolicy:{}}}",
            ptr(min, "*intstr.IntOrString", "0xc000a1c760"),
            ptr(spec.get("selector"), "*v1.LabelSelector", "0xc000a1c780"),
            ptr(max, "*intstr.IntOrString", "0xc000a1c740"),
            ptr(
                spec.get("unhealthyPodEvictionPolicy"),
                "*policy.UnhealthyPodEvictionPolicyType",
                "0xc000a1c7a0"
            ),
        );
        errs.invalid(
            &sp,
            value,
            "minAvailable and maxUnavailable cannot be both set",
        );
    }
    for (field, v) in [("minAvailable", min), ("maxUnavailable", max)] {
        if !v.is_null() {
            let p = sp.child(field);
            positive_int_or_percent(v, &p, errs);
            not_more_than_100(v, &p, errs);
        }
    }
    let sel = spec.get("selector");
    if !sel.is_null() {
        validate_label_selector(sel, &sp.child("selector"), errs);
    }
    if let Some(policy) = spec.get("unhealthyPodEvictionPolicy").as_str()
        && !matches!(policy, "AlwaysAllow" | "IfHealthyBudget")
    {
        errs.not_supported(
            &sp.child("unhealthyPodEvictionPolicy"),
            quote(policy),
            &["AlwaysAllow", "IfHealthyBudget"],
        );
    }
}

/// A DaemonSet on create or update (stored only; its rules still apply).
pub(super) fn daemon_set(obj: &Value, old: Option<&Value>, errs: &mut Vec<FieldError>) {
    let spec = obj.get("spec");
    let sp = Path::new("spec");
    let sel = spec.get("selector");
    let selp = sp.child("selector");
    validate_label_selector(sel, &selp, errs);
    let tmpl = spec.get("template");
    let tp = sp.child("template");
    if let Ok(selector) = Selector::from_value(sel)
        && !selector.matches(tmpl.at(&["metadata", "labels"]))
    {
        let mp = tp.child("metadata");
        errs.invalid(
            &mp.child("labels"),
            gofmt::string_map(tmpl.at(&["metadata", "labels"])),
            "`selector` does not match template `labels`",
        );
    }
    if sel.as_object().is_some()
        && sel.get("matchLabels").is_empty()
        && sel.get("matchExpressions").is_empty()
    {
        errs.invalid(
            &selp,
            gofmt::label_selector(sel),
            "empty selector is invalid for daemonset",
        );
    }
    pod_template_spec(tmpl, &tp, errs);
    template_restart_always(tmpl, &tp, "DaemonSet", errs);
    if let Some(m) = gint(spec, "minReadySeconds") {
        nonnegative(m, &sp.child("minReadySeconds"), errs);
    }
    let us = spec.get("updateStrategy");
    let up = sp.child("updateStrategy");
    match gstr(us, "type") {
        Some("OnDelete") | None => {}
        Some("RollingUpdate") => {
            let ru = us.get("rollingUpdate");
            let rp = up.child("rollingUpdate");
            if ru.is_null() {
                errs.required(&rp, "");
            } else {
                let (mu, ms) = (ru.get("maxUnavailable"), ru.get("maxSurge"));
                positive_int_or_percent(mu, &rp.child("maxUnavailable"), errs);
                positive_int_or_percent(ms, &rp.child("maxSurge"), errs);
                not_more_than_100(mu, &rp.child("maxUnavailable"), errs);
                not_more_than_100(ms, &rp.child("maxSurge"), errs);
                let (u, s) = (int_or_percent_value(mu) != 0, int_or_percent_value(ms) != 0);
                if u && s {
                    errs.invalid(
                        &rp.child("maxSurge"),
                        gofmt::int_or_string(ms),
                        "may not be set when maxUnavailable is non-zero",
                    );
                } else if !u && !s {
                    errs.required(
                        &rp.child("maxUnavailable"),
                        "cannot be 0 when maxSurge is 0",
                    );
                }
            }
        }
        Some(other) => {
            let ru = if us.get("rollingUpdate").is_null() {
                "(*apps.RollingUpdateDaemonSet)(nil)"
            } else {
                "(*apps.RollingUpdateDaemonSet)(0xc000a1b2c3)"
            };
            errs.not_supported(
                &up,
                format!(
                    "apps.DaemonSetUpdateStrategy{{Type:{}, RollingUpdate:{ru}}}",
                    quote(other)
                ),
                &["RollingUpdate", "OnDelete"],
            );
        }
    }
    if let Some(r) = gptr_int(spec, "revisionHistoryLimit") {
        nonnegative(r, &sp.child("revisionHistoryLimit"), errs);
    }
    if let Some(old) = old {
        selector_immutable(spec, old.get("spec"), errs);
    }
}

/// A StatefulSet on create or update (stored only).
// A guard would let a known type fall through to the invalid-type arm.
#[allow(clippy::collapsible_match)]
pub(super) fn stateful_set(obj: &Value, old: Option<&Value>, errs: &mut Vec<FieldError>) {
    let spec = obj.get("spec");
    let sp = Path::new("spec");
    match gstr(spec, "podManagementPolicy") {
        Some("") => errs.required(&sp.child("podManagementPolicy"), ""),
        Some("OrderedReady" | "Parallel") | None => {}
        Some(other) => errs.invalid(
            &sp.child("podManagementPolicy"),
            quote(other),
            "must be 'OrderedReady' or 'Parallel'",
        ),
    }
    let us = spec.get("updateStrategy");
    let up = sp.child("updateStrategy");
    match gstr(us, "type") {
        Some("") => errs.required(&up, ""),
        Some("OnDelete") => {
            if !us.get("rollingUpdate").is_null() {
                // field.Invalid prints the struct with %#v, pointers dereferenced
                // at the top level only.
                let ru = us.get("rollingUpdate");
                let max_unavailable = if ru.get("maxUnavailable").is_null() {
                    "(*intstr.IntOrString)(nil)"
                } else {
                    "(*intstr.IntOrString)(0xc000a1c2e0)"
                };
                errs.invalid(
                    &up.child("rollingUpdate"),
                    format!(
                        "apps.RollingUpdateStatefulSetStrategy{{Partition:{}, MaxUnavailable:{max_unavailable}}}",
                        ru.get("partition").as_i64().unwrap_or(0)
                    ),
                    "only allowed for updateStrategy 'RollingUpdate'",
                );
            }
        }
        Some("RollingUpdate") => {
            let ru = us.get("rollingUpdate");
            if let Some(part) = gptr_int(ru, "partition") {
                let rp = up.child("rollingUpdate");
                nonnegative(part, &rp.child("partition"), errs);
            }
        }
        Some(other) => errs.invalid(
            &up,
            format!(
                "apps.StatefulSetUpdateStrategy{{Type:{}, RollingUpdate:(*apps.RollingUpdateStatefulSetStrategy)(nil)}}",
                quote(other)
            ),
            "must be 'RollingUpdate' or 'OnDelete'",
        ),
        None => {}
    }
    let pvc = spec.get("persistentVolumeClaimRetentionPolicy");
    let pvp = sp.child("persistentVolumeClaimRetentionPolicy");
    for f in ["whenDeleted", "whenScaled"] {
        if let Some(v) = gstr(pvc, f)
            && pvc.as_object().is_some()
            && v != "Retain"
            && v != "Delete"
        {
            errs.not_supported(&pvp.child(f), quote(v), &["Retain", "Delete"]);
        }
    }
    if let Some(r) = gptr_int(spec, "replicas") {
        nonnegative(r, &sp.child("replicas"), errs);
    }
    if let Some(m) = gint(spec, "minReadySeconds") {
        nonnegative(m, &sp.child("minReadySeconds"), errs);
    }
    let sel = spec.get("selector");
    let selp = sp.child("selector");
    if sel.is_null() {
        errs.required(&selp, "");
    } else {
        validate_label_selector(sel, &selp, errs);
        if sel.get("matchLabels").is_empty() && sel.get("matchExpressions").is_empty() {
            errs.invalid(
                &selp,
                gofmt::label_selector(sel),
                "empty selector is invalid for statefulset",
            );
        }
    }
    let tmpl = spec.get("template");
    let tp = sp.child("template");
    match Selector::from_value(sel) {
        Err(_) => errs.invalid(&selp, gofmt::label_selector(sel), ""),
        Ok(selector) => {
            let labels = tmpl.at(&["metadata", "labels"]);
            if !selector.is_empty() && !selector.matches(labels) {
                let mp = tp.child("metadata");
                errs.invalid(
                    &mp.child("labels"),
                    gofmt::string_map(labels),
                    "`selector` does not match template `labels`",
                );
            }
            // StatefulSets check only the template's labels and annotations.
            validate_labels(tmpl.at(&["metadata", "labels"]), &tp.child("labels"), errs);
            super::meta::annotations(
                tmpl.at(&["metadata", "annotations"]),
                &tp.child("annotations"),
                errs,
            );
        }
    }
    template_restart_always(tmpl, &tp, "StatefulSet", errs);
    if let Some(old) = old {
        // Only a few spec fields may change.
        let mut a = spec.clone();
        let mut b = old.get("spec").clone();
        for f in [
            "replicas",
            "template",
            "updateStrategy",
            "minReadySeconds",
            "ordinals",
            "persistentVolumeClaimRetentionPolicy",
        ] {
            a.remove(f);
            b.remove(f);
        }
        if !semantic_eq(&a, &b) {
            errs.forbidden(
                &sp,
                "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
            );
        }
    }
}

/// A Job (stored only): counts and the pod template, whose restartPolicy
/// must be OnFailure or Never. The selector is generated by the server.
pub(super) fn job(obj: &Value, old: Option<&Value>, errs: &mut Vec<FieldError>) {
    // `ValidateJob`: the generated selector, then the spec.
    // The prefixed labels are required of Jobs created with them, which
    // every new Job is (`RequirePrefixedLabels`).
    let prefixed = old.is_none_or(|old| {
        let labels = old.at(&["spec", "template", "metadata", "labels"]);
        !labels.get(JOB_NAME_LABEL).is_null() && !labels.get(CONTROLLER_UID_LABEL).is_null()
    });
    generated_selector(obj, prefixed, errs);
    let p = Path::new("spec");
    let spec = obj.get("spec");
    job_spec(spec, &p, errs);
    // A Job needs a selector, and whether it was generated or written by
    // hand it must match the pods the Job makes.
    let sel = spec.get("selector");
    let selp = p.child("selector");
    if sel.is_null() {
        errs.required(&selp, "");
    } else {
        validate_label_selector(sel, &selp, errs);
    }
    let labels = spec.at(&["template", "metadata", "labels"]);
    if let Ok(selector) = Selector::from_value(sel)
        && !selector.matches(labels)
    {
        errs.invalid(
            &p.child("template").child("metadata").child("labels"),
            gofmt::string_map(labels),
            "`selector` does not match template `labels`",
        );
    }
}

/// `validateGeneratedSelector`: unless `manualSelector` is true, the pod
/// template carries the Job's name and uid labels and the selector is the
/// generated one.
fn generated_selector(job: &Value, prefixed: bool, errs: &mut Vec<FieldError>) {
    let spec = job.get("spec");
    let labels = spec.at(&["template", "metadata", "labels"]);
    // A missing selector is reported with the spec.
    if spec.get("manualSelector").as_bool() == Some(true) || spec.get("selector").is_null() {
        return;
    }
    let uid = job.str_at(&["metadata", "uid"]).unwrap_or("");
    let name = job.str_at(&["metadata", "name"]).unwrap_or("");
    if uid.is_empty() {
        errs.required(&Path::new("metadata").child("uid"), "");
    }
    let [legacy_name, legacy_uid] = LEGACY_JOB_LABELS;
    let mut expected = vec![(legacy_uid, uid), (legacy_name, name)];
    if prefixed {
        expected.extend([(CONTROLLER_UID_LABEL, uid), (JOB_NAME_LABEL, name)]);
    }
    let sp = Path::new("spec");
    let tp = sp.child("template");
    let mp = tp.child("metadata");
    let lp = mp.child("labels");
    for &(key, want) in &expected {
        let detail = format!("must be '{want}'");
        match labels.get(key) {
            Value::Null => errs.required(&lp.key(key), &detail),
            v if v.as_str() != Some(want) => {
                errs.invalid(&lp.key(key), gofmt::string_map(labels), &detail);
            }
            _ => {}
        }
    }
    let mut expected_labels = Value::object();
    for (key, want) in expected {
        expected_labels.set(key, Value::str(want));
    }
    if let Ok(selector) = Selector::from_value(spec.get("selector"))
        && !selector.matches(&expected_labels)
    {
        errs.invalid(
            &sp.child("selector"),
            gofmt::label_selector(spec.get("selector")),
            "`selector` not auto-generated",
        );
    }
}

fn job_spec(spec: &Value, sp: &Path, errs: &mut Vec<FieldError>) {
    for f in [
        "parallelism",
        "completions",
        "activeDeadlineSeconds",
        "backoffLimit",
    ] {
        if let Some(n) = gptr_int(spec, f) {
            nonnegative(n, &sp.child(f), errs);
        }
    }
    // `validateJobSpec`'s completion-mode checks.
    match spec.get("completionMode").as_str() {
        Some("Indexed") => {
            if spec.get("completions").is_null() {
                errs.required(&sp.child("completions"), "when completion mode is Indexed");
            }
            if let Some(p) = gptr_int(spec, "parallelism").filter(|p| *p > 100_000) {
                errs.invalid(
                    &sp.child("parallelism"),
                    p.to_string(),
                    "must be less than or equal to 100000 when completion mode is Indexed",
                );
            }
        }
        Some(mode) if mode != "NonIndexed" => {
            errs.not_supported(
                &sp.child("completionMode"),
                quote(mode),
                &["NonIndexed", "Indexed"],
            );
        }
        _ => {}
    }
    index_policies(spec, sp, errs);
    let tmpl = spec.get("template");
    let tp = sp.child("template");
    pod_template_spec(tmpl, &tp, errs);
    let tsp = tp.child("spec");
    let rpp = tsp.child("restartPolicy");
    // Defaulting fills in Always, so Always counts as not given.
    match gstr(tmpl.get("spec"), "restartPolicy") {
        Some("" | "Always") => errs.required(&rpp, "valid values: \"OnFailure\", \"Never\""),
        Some(rp) if rp != "OnFailure" && rp != "Never" => {
            errs.not_supported(&rpp, quote(rp), &["OnFailure", "Never"]);
        }
        Some(rp) if rp != "Never" && !spec.get("podFailurePolicy").is_null() => {
            errs.invalid(
                &rpp,
                quote(rp),
                "only \"Never\" is supported when podFailurePolicy is specified",
            );
        }
        _ => {}
    }
}

/// `validateJobSpec`'s rules for per-index back-off limits, failed-index
/// limits, `FailIndex` rules and success policies.
fn index_policies(spec: &Value, sp: &Path, errs: &mut Vec<FieldError>) {
    let indexed = spec.get("completionMode").as_str() == Some("Indexed");
    let per_index = gptr_int(spec, "backoffLimitPerIndex");
    let max_failed = gptr_int(spec, "maxFailedIndexes");
    let completions = gptr_int(spec, "completions");
    for (field, value) in [
        ("backoffLimitPerIndex", per_index),
        ("maxFailedIndexes", max_failed),
    ] {
        let Some(n) = value else { continue };
        let p = sp.child(field);
        nonnegative(n, &p, errs);
        if !indexed {
            errs.invalid(&p, n.to_string(), "requires indexed completion mode");
        }
    }
    if let Some(max) = max_failed {
        if per_index.is_none() {
            errs.required(
                &sp.child("backoffLimitPerIndex"),
                "when maxFailedIndexes is specified",
            );
        }
        if indexed {
            let p = sp.child("maxFailedIndexes");
            if completions.is_some_and(|c| max > c) {
                errs.invalid(
                    &p,
                    max.to_string(),
                    "must be less than or equal to completions",
                );
            }
            if max > 100_000 {
                errs.invalid(&p, max.to_string(), "must be less than or equal to 100000");
            }
        }
    }
    for (i, rule) in spec.at(&["podFailurePolicy", "rules"]).items().enumerate() {
        if rule.get("action").as_str() == Some("FailIndex") && per_index.is_none() {
            let pfp = sp.child("podFailurePolicy");
            let rules = pfp.child("rules");
            let rule = rules.index(i);
            errs.invalid(
                &rule.child("action"),
                quote("FailIndex"),
                "requires the backoffLimitPerIndex to be set",
            );
        }
    }
    let policy = spec.get("successPolicy");
    if policy.is_null() {
        return;
    }
    let pp = sp.child("successPolicy");
    if !indexed {
        errs.invalid(&pp, "{...}".into(), "requires indexed completion mode");
        return;
    }
    let rules = policy.get("rules");
    if rules.is_empty() {
        errs.required(
            &pp.child("rules"),
            "at least one rules must be specified when the successPolicy is specified",
        );
    }
    let total = completions.unwrap_or(0);
    let rules_path = pp.child("rules");
    for (i, rule) in rules.items().enumerate() {
        let rp = rules_path.index(i);
        let indexes = rule.get("succeededIndexes").as_str();
        let count = gptr_int(rule, "succeededCount");
        if indexes.is_none() && count.is_none() {
            errs.required(
                &rp,
                "at least one of succeededCount or succeededIndexes must be specified",
            );
        }
        let mut listed: Option<i64> = None;
        if let Some(text) = indexes {
            match index_intervals(text, total) {
                Ok(n) => listed = Some(n),
                Err(e) => errs.invalid(
                    &rp.child("succeededIndexes"),
                    quote(text),
                    &format!("error parsing succeededIndexes: {e}"),
                ),
            }
        }
        if let Some(c) = count {
            let cp = rp.child("succeededCount");
            if c < 0 {
                errs.invalid(&cp, c.to_string(), "must be greater than or equal to 0");
            } else if c > total {
                errs.invalid(
                    &cp,
                    c.to_string(),
                    &format!("must be less than or equal to {total} (the number of specified completions)"),
                );
            } else if let Some(n) = listed.filter(|n| c > *n) {
                errs.invalid(
                    &cp,
                    c.to_string(),
                    &format!("must be less than or equal to {n} (the number of indexes in the specified succeededIndexes field)"),
                );
            }
        }
    }
}

/// `parseIndexesFormat`: how many indexes "1,3-5" lists, or why it is bad.
fn index_intervals(text: &str, completions: i64) -> Result<i64, String> {
    let mut previous: Option<i64> = None;
    let mut total = 0i64;
    for fragment in text.split(',') {
        let parts: Vec<&str> = fragment.split('-').collect();
        if parts.len() > 2 {
            return Err(format!(
                "the fragment \"{fragment}\" violates the requirement that an index interval can have at most two parts separated by '-'"
            ));
        }
        let mut bounds = Vec::with_capacity(2);
        for part in &parts {
            let n: i64 = part
                .parse()
                .map_err(|_| format!("cannot convert string to integer for index: \"{part}\""))?;
            if n >= completions {
                return Err(format!("too large index: \"{part}\""));
            }
            if let Some(prev) = previous
                && n <= prev
            {
                return Err(format!(
                    "non-increasing order, previous: {prev}, current: {n}"
                ));
            }
            previous = Some(n);
            bounds.push(n);
        }
        total = total.saturating_add(bounds[bounds.len() - 1] - bounds[0] + 1);
    }
    Ok(total)
}

/// A CronJob.
pub(super) fn cron_job(obj: &Value, errs: &mut Vec<FieldError>) {
    let spec = obj.get("spec");
    let sp = Path::new("spec");
    match gstr(spec, "schedule") {
        Some("") => errs.required(&sp.child("schedule"), ""),
        // `validateScheduleFormat`.
        Some(schedule) => {
            let path = sp.child("schedule");
            if let Err(e) = crate::controllers::cronjob::parse_schedule(schedule) {
                errs.invalid(&path, quote(schedule), &e);
            }
            // Objects are created with `allowTZInSchedule` false.
            if schedule.contains("TZ") {
                errs.invalid(
                    &path,
                    quote(schedule),
                    "cannot use TZ or CRON_TZ in schedule, use timeZone field instead",
                );
            }
        }
        None => {}
    }
    // `validateTimeZone`, without the zone database (Kubeplay runs in UTC).
    if let Some(zone) = spec.get("timeZone").as_str() {
        let path = sp.child("timeZone");
        let valid_part = |part: &str| {
            part != "."
                && part != ".."
                && !part.starts_with('-')
                && (1..=14).contains(&part.len())
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'+'))
        };
        if zone.is_empty() {
            errs.invalid(
                &path,
                quote(zone),
                "timeZone must be nil or non-empty string",
            );
        } else if !zone.split('/').all(valid_part) {
            errs.invalid(&path, quote(zone), &format!("unknown time zone {zone}"));
        } else if zone.eq_ignore_ascii_case("Local") {
            errs.invalid(
                &path,
                quote(zone),
                "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones",
            );
        }
    }
    if let Some(cp) = gstr(spec, "concurrencyPolicy")
        && !matches!(cp, "Allow" | "Forbid" | "Replace")
    {
        if cp.is_empty() {
            errs.required(&sp.child("concurrencyPolicy"), "");
        } else {
            errs.not_supported(
                &sp.child("concurrencyPolicy"),
                quote(cp),
                &["Allow", "Forbid", "Replace"],
            );
        }
    }
    for f in [
        "startingDeadlineSeconds",
        "successfulJobsHistoryLimit",
        "failedJobsHistoryLimit",
    ] {
        if let Some(n) = gptr_int(spec, f) {
            nonnegative(n, &sp.child(f), errs);
        }
    }
    let jp = sp.child("jobTemplate");
    job_spec(spec.at(&["jobTemplate", "spec"]), &jp.child("spec"), errs);
}

/// A ReplicationController on create or update.
pub(super) fn replication_controller(obj: &Value, errs: &mut Vec<FieldError>) {
    let spec = obj.get("spec");
    let sp = Path::new("spec");
    if let Some(m) = gint(spec, "minReadySeconds") {
        nonnegative(m, &sp.child("minReadySeconds"), errs);
    }
    let sel = spec.get("selector");
    if sel.is_empty() {
        errs.required(&sp.child("selector"), "");
    }
    if let Some(r) = gptr_int(spec, "replicas") {
        nonnegative(r, &sp.child("replicas"), errs);
    }
    let tmpl = spec.get("template");
    let tp = sp.child("template");
    if tmpl.is_null() {
        errs.required(&tp, "");
        return;
    }
    let selector = Selector::from_set(sel);
    let labels = tmpl.at(&["metadata", "labels"]);
    if !selector.is_empty() && !selector.matches(labels) {
        let mp = tp.child("metadata");
        errs.invalid(
            &mp.child("labels"),
            gofmt::string_map(labels),
            "`selector` does not match template `labels`",
        );
    }
    pod_template_spec(tmpl, &tp, errs);
    template_restart_always(tmpl, &tp, "ReplicationController", errs);
}
