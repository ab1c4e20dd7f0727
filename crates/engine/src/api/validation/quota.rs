//! LimitRanges and ResourceQuotas (`ValidateLimitRange`,
//! `ValidateResourceQuota`).

use std::cmp::Ordering;

use super::pod::{
    container_resource_name, overcommit_allowed, quantity, quantity_value, resource_name,
};
use super::{IMMUTABLE, Sink};
use crate::api::errors::{FieldError, quote};
use crate::api::path::Path;
use crate::quantity::Quantity;
use crate::sort::CompactSort;
use crate::value::Value;

/// `ValidateLimitRange` (after `SetDefaults_LimitRangeItem`). Go walks
/// each item's resources in map order; Kubeplay sorts them.
pub(super) fn limit_range(obj: &Value, errs: &mut Vec<FieldError>) {
    let sp = Path::new("spec");
    let lp = sp.child("limits");
    let mut types: Vec<&str> = Vec::new();
    for (i, limit) in obj.at(&["spec", "limits"]).items().enumerate() {
        let ip = lp.index(i);
        let kind = limit.get("type").as_str().unwrap_or("");
        let tp = ip.child("type");
        let type_errors = crate::api::content::is_label_key(kind);
        let shown = quote(kind);
        if !type_errors.is_empty() {
            for m in type_errors {
                errs.invalid(&tp, shown.clone(), &m);
            }
        } else if !kind.contains('/')
            && !matches!(kind, "Pod" | "Container" | "PersistentVolumeClaim")
        {
            errs.invalid(
                &tp,
                shown.clone(),
                "must be a standard limit type or fully qualified",
            );
        }
        if types.contains(&kind) {
            errs.duplicate(&tp, shown);
        }
        types.push(kind);
        let pod_type = kind == "Pod";
        let name_check = |name: &str, p: &Path, errs: &mut Vec<FieldError>| {
            if matches!(kind, "Pod" | "Container") {
                container_resource_name(name, p, errs);
            } else {
                resource_name(name, p, errs);
            }
        };
        let mut keys: Vec<&str> = Vec::new();
        let mut fields: [Vec<(&str, Quantity)>; 5] = Default::default();
        for (slot, field) in [
            "max",
            "min",
            "default",
            "defaultRequest",
            "maxLimitRequestRatio",
        ]
        .into_iter()
        .enumerate()
        {
            let members = limit.get(field);
            if pod_type && matches!(field, "default" | "defaultRequest") {
                if !members.is_empty() {
                    errs.forbidden(
                        &ip.child(field),
                        "may not be specified when `type` is 'Pod'",
                    );
                }
                continue;
            }
            if field == "maxLimitRequestRatio" && kind == "PersistentVolumeClaim" {
                let has = |f: &str| !limit.get(f).get("storage").is_null();
                if !has("min") && !has("max") {
                    errs.required(
                        &ip.child("limits"),
                        "either minimum or maximum storage value is required, but neither was provided",
                    );
                }
            }
            let fp = ip.child(field);
            for (name, v) in members.members() {
                name_check(name, &fp.key(name), errs);
                if !keys.contains(&name) {
                    keys.push(name);
                }
                if let Some(q) = quantity(v) {
                    fields[slot].push((name, q));
                }
            }
        }
        keys.compact_sort();
        let [max, min, default, request, ratio] = &fields;
        let find = |list: &[(&str, Quantity)], k: &str| {
            list.iter().find(|(n, _)| *n == k).map(|(_, q)| *q)
        };
        for k in keys {
            let (mx, mn, df, rq, rt) = (
                find(max, k),
                find(min, k),
                find(default, k),
                find(request, k),
                find(ratio, k),
            );
            let gt = |a: Quantity, b: Quantity| a.cmp_value(&b) == Ordering::Greater;
            let mut bad = |field: &str, value: Quantity, detail: String| {
                errs.invalid(&ip.child(field).key(k), value.to_string(), &detail);
            };
            // Each pair that must be ordered: the error's field and value,
            // then the larger and the smaller as the message names them.
            let pairs = [
                ("min", mn, ("min", mn), ("max", mx)),
                ("defaultRequest", rq, ("min", mn), ("default request", rq)),
                ("defaultRequest", rq, ("default request", rq), ("max", mx)),
                (
                    "defaultRequest",
                    rq,
                    ("default request", rq),
                    ("default limit", df),
                ),
                ("default", mn, ("min", mn), ("default", df)),
                // Upstream reports the max as this error's value.
                ("default", mx, ("default", df), ("max", mx)),
            ];
            for (field, value, (a_name, a), (b_name, b)) in pairs {
                if let (Some(value), Some(a), Some(b)) = (value, a, b)
                    && gt(a, b)
                {
                    bad(
                        field,
                        value,
                        format!("{a_name} value {a} is greater than {b_name} value {b}"),
                    );
                }
            }
            if let Some(rt) = rt {
                if rt.cmp_value(&Quantity::from_units(1)) == Ordering::Less {
                    bad(
                        "maxLimitRequestRatio",
                        rt,
                        format!("ratio {rt} is less than 1"),
                    );
                }
                if let (Some(mn), Some(mx)) = (mn, mx) {
                    let limit = mx.milli_value() as f64 / mn.milli_value() as f64;
                    if rt.milli_value() as f64 / 1000.0 > limit {
                        bad(
                            "maxLimitRequestRatio",
                            rt,
                            format!("ratio {rt} is greater than max/min = {limit:.6}"),
                        );
                    }
                }
            }
            // Resources that cannot be overcommitted (extended ones,
            // hugepages) need equal defaults.
            if let (Some(df), Some(rq)) = (df, rq)
                && !overcommit_allowed(k)
                && df.cmp_value(&rq) != Ordering::Equal
            {
                bad(
                    "defaultRequest",
                    rq,
                    format!("default value {df} must equal to defaultRequest value {rq} in {k}"),
                );
            }
        }
    }
}

/// `standardQuotaResources` and the quota forms of hugepages.
fn is_standard_quota_resource(name: &str) -> bool {
    matches!(
        name,
        "cpu"
            | "memory"
            | "ephemeral-storage"
            | "requests.cpu"
            | "requests.memory"
            | "requests.storage"
            | "requests.ephemeral-storage"
            | "limits.cpu"
            | "limits.memory"
            | "limits.ephemeral-storage"
            | "pods"
            | "services"
            | "replicationcontrollers"
            | "resourcequotas"
            | "secrets"
            | "persistentvolumeclaims"
            | "configmaps"
            | "services.nodeports"
            | "services.loadbalancers"
    ) || name.starts_with("hugepages-")
        || name.starts_with("requests.hugepages-")
}

/// `IsResourceQuotaScopeValidForResource`.
fn scope_fits_resource(scope: &str, resource: &str) -> bool {
    let pods = resource == "pods";
    let compute = matches!(
        resource,
        "cpu" | "memory" | "limits.cpu" | "limits.memory" | "requests.cpu" | "requests.memory"
    );
    match scope {
        "Terminating"
        | "NotTerminating"
        | "NotBestEffort"
        | "PriorityClass"
        | "CrossNamespacePodAffinity" => pods || compute,
        "BestEffort" => pods,
        _ => true,
    }
}

/// `IsStandardResourceQuotaScope`.
fn is_standard_scope(scope: &str) -> bool {
    matches!(
        scope,
        "Terminating"
            | "NotTerminating"
            | "BestEffort"
            | "NotBestEffort"
            | "PriorityClass"
            | "CrossNamespacePodAffinity"
            | "VolumeAttributesClass"
    )
}

/// A Go string slice as `%#v` prints it (`[]T{"a", "b"}`, `[]T(nil)`).
pub(super) fn go_slice(type_name: &str, items: &[&str]) -> String {
    if items.is_empty() {
        return format!("[]{type_name}(nil)");
    }
    let quoted: Vec<String> = items.iter().map(|s| quote(s)).collect();
    format!("[]{type_name}{{{}}}", quoted.join(", "))
}

/// `ValidateResourceQuota` and, with `old`, `ValidateResourceQuotaUpdate`.
pub(super) fn resource_quota(obj: &Value, old: Option<&Value>, errs: &mut Vec<FieldError>) {
    let sp = Path::new("spec");
    let hp = sp.child("hard");
    let hard = obj.at(&["spec", "hard"]);
    for (name, v) in hard.members() {
        let p = hp.key(name);
        resource_name(name, &p, errs);
        if !name.contains('/') && !is_standard_quota_resource(name) {
            errs.invalid(
                &p,
                name.to_string(),
                "must be a standard resource for quota",
            );
        }
        if let Some(q) = quantity(v) {
            quantity_value(name, &q, &p, errs);
        }
    }
    let scopes: Vec<&str> = obj
        .at(&["spec", "scopes"])
        .items()
        .filter_map(Value::as_str)
        .collect();
    let fits = |scope: &str| {
        hard.members()
            .filter(|(k, _)| is_standard_quota_resource(k) && !scope_fits_resource(scope, k))
            .count()
    };
    let conflicting = |set: &[&str]| {
        [
            ["BestEffort", "NotBestEffort"],
            ["Terminating", "NotTerminating"],
        ]
        .iter()
        .filter(|pair| pair.iter().all(|s| set.contains(s)))
        .count()
    };
    if !scopes.is_empty() {
        let path = sp.child("scopes");
        let shown = go_slice("core.ResourceQuotaScope", &scopes);
        for scope in &scopes {
            if !is_standard_scope(scope) {
                errs.invalid(&path, shown.clone(), "unsupported scope");
            }
            for _ in 0..fits(scope) {
                errs.invalid(
                    &path,
                    shown.clone(),
                    "unsupported scope applied to resource",
                );
            }
        }
        for _ in 0..conflicting(&scopes) {
            errs.invalid(&path, shown.clone(), "conflicting scopes");
        }
    }
    let selector = obj.at(&["spec", "scopeSelector"]);
    let expressions = selector.get("matchExpressions");
    if !expressions.is_empty() {
        let selector_path = sp.child("scopeSelector");
        let path = selector_path.child("matchExpressions");
        let shown = go_scope_selector(expressions);
        let mut names: Vec<&str> = Vec::new();
        for e in expressions.items() {
            let scope = e.get("scopeName").as_str().unwrap_or("");
            let operator = e.get("operator").as_str().unwrap_or("");
            let values: Vec<&str> = e.get("values").items().filter_map(Value::as_str).collect();
            if !is_standard_scope(scope) {
                errs.invalid(&path.child("scopeName"), quote(scope), "unsupported scope");
            }
            for _ in 0..fits(scope) {
                errs.invalid(
                    &path,
                    shown.clone(),
                    "unsupported scope applied to resource",
                );
            }
            if matches!(
                scope,
                "BestEffort"
                    | "NotBestEffort"
                    | "Terminating"
                    | "NotTerminating"
                    | "CrossNamespacePodAffinity"
            ) && operator != "Exists"
            {
                errs.invalid(
                    &path.child("operator"),
                    quote(operator),
                    "must be 'Exists' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity",
                );
            }
            match operator {
                "In" | "NotIn" if values.is_empty() => errs.required(
                    &path.child("values"),
                    "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector",
                ),
                "Exists" | "DoesNotExist" if !values.is_empty() => errs.invalid(
                    &path.child("values"),
                    go_slice("string", &values),
                    "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector",
                ),
                "In" | "NotIn" | "Exists" | "DoesNotExist" => {}
                _ => errs.invalid(
                    &path.child("operator"),
                    quote(operator),
                    "not a valid selector operator",
                ),
            }
            names.push(scope);
        }
        for _ in 0..conflicting(&names) {
            // Upstream shows `spec.scopes` here, not the selector.
            errs.invalid(
                &path,
                go_slice("core.ResourceQuotaScope", &scopes),
                "conflicting scopes",
            );
        }
    }
    // Scopes compare as sets: reordering them is no change.
    let set = |o: &Value| {
        let mut v: Vec<String> = o
            .at(&["spec", "scopes"])
            .items()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect();
        v.compact_sort();
        v.dedup();
        v
    };
    if let Some(old) = old
        && set(old) != set(obj)
    {
        errs.invalid(
            &sp.child("scopes"),
            go_slice("core.ResourceQuotaScope", &scopes),
            IMMUTABLE,
        );
    }
}

/// A `*core.ScopeSelector` as `%#v` prints the struct it points to.
fn go_scope_selector(expressions: &Value) -> String {
    let items: Vec<String> = expressions
        .items()
        .map(|e| {
            let values: Vec<&str> = e.get("values").items().filter_map(Value::as_str).collect();
            format!(
                "core.ScopedResourceSelectorRequirement{{ScopeName:{}, Operator:{}, Values:{}}}",
                quote(e.get("scopeName").as_str().unwrap_or("")),
                quote(e.get("operator").as_str().unwrap_or("")),
                go_slice("string", &values)
            )
        })
        .collect();
    format!(
        "core.ScopeSelector{{MatchExpressions:[]core.ScopedResourceSelectorRequirement{{{}}}}}",
        items.join(", ")
    )
}
