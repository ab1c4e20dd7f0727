//! `ValidateObjectMeta` and `ValidateObjectMetaUpdate`: names, namespace,
//! labels, annotations, owner references and finalizers.

use super::{IMMUTABLE, Sink, gstr, semantic_eq};
use crate::api::content::{NameRule, is_dns1123_label, is_label_key};
use crate::api::errors::{FieldError, quote};
use crate::api::gofmt;
use crate::api::path::Path;
use crate::api::registry::ResourceType;
use crate::api::selector::validate_labels;
use crate::value::Value;

/// The total size allowed for an object's annotations (256 KiB).
pub const TOTAL_ANNOTATION_SIZE_LIMIT: usize = 256 * 1024;

/// How names of a kind are checked.
pub fn name_rule(rt: &ResourceType) -> NameRule {
    match (rt.group, rt.kind) {
        ("", "Namespace") | ("apps", "StatefulSet") => NameRule::Dns1123Label,
        ("", "Service") => NameRule::Dns1035Label,
        ("rbac.authorization.k8s.io" | "apiregistration.k8s.io", _) => NameRule::PathSegment,
        _ => NameRule::Dns1123Subdomain,
    }
}

/// `ValidateObjectMeta` (create).
pub(super) fn object_meta(obj: &Value, rt: &ResourceType, errs: &mut Vec<FieldError>) {
    let meta = obj.get("metadata");
    let p = Path::new("metadata");
    let rule = name_rule(rt);
    let generate = gstr(meta, "generateName").unwrap_or("");
    if !generate.is_empty() {
        errs.invalid_each(
            &p.child("generateName"),
            generate,
            rule.check(generate, true),
        );
    }
    if let Some(name) = gstr(meta, "name") {
        if name.is_empty() {
            // With a generateName the server generates the name first.
            if generate.is_empty() {
                errs.required(&p.child("name"), "name or generateName is required");
            }
        } else {
            errs.invalid_each(&p.child("name"), name, rule.check(name, false));
        }
    }
    if rt.kind == "CronJob" && gstr(meta, "name").is_some_and(|n| n.len() > 52) {
        let name = gstr(meta, "name").unwrap_or("");
        errs.invalid(
            &p.child("name"),
            quote(name),
            "must be no more than 52 characters",
        );
    }
    if rt.namespaced
        && let Some(ns) = gstr(meta, "namespace")
    {
        if ns.is_empty() {
            errs.required(&p.child("namespace"), "");
        } else {
            errs.invalid_each(&p.child("namespace"), ns, is_dns1123_label(ns));
        }
    }
    common(meta, &p, errs);
}

/// The checks shared by create and update.
fn common(meta: &Value, p: &Path, errs: &mut Vec<FieldError>) {
    if let Some(g) = meta.get("generation").as_i64() {
        super::nonnegative(g, &p.child("generation"), errs);
    }
    validate_labels(meta.get("labels"), &p.child("labels"), errs);
    annotations(meta.get("annotations"), &p.child("annotations"), errs);
    owner_references(
        meta.get("ownerReferences"),
        &p.child("ownerReferences"),
        errs,
    );
    finalizers(meta.get("finalizers"), &p.child("finalizers"), errs);
}

/// `ValidateAnnotations`: keys are label keys (checked lower-cased) and the
/// keys and values together stay within 256 KiB.
pub(crate) fn annotations(a: &Value, p: &Path, errs: &mut Vec<FieldError>) {
    let mut size = 0usize;
    for (k, v) in a.members() {
        let lower = k.to_ascii_lowercase();
        errs.invalid_each(p, k, is_label_key(&lower));
        size += k.len() + v.as_str().map_or(0, str::len);
    }
    if size > TOTAL_ANNOTATION_SIZE_LIMIT {
        errs.too_long(p, TOTAL_ANNOTATION_SIZE_LIMIT);
    }
}

fn owner_references(refs: &Value, p: &Path, errs: &mut Vec<FieldError>) {
    let mut first_controller: Option<String> = None;
    for r in refs.items() {
        let api_version = gstr(r, "apiVersion").unwrap_or("");
        let version = api_version.rsplit('/').next().unwrap_or("");
        if version.is_empty() {
            errs.invalid(
                &p.child("apiVersion"),
                quote(api_version),
                "version must not be empty",
            );
        }
        for f in ["kind", "name", "uid"] {
            if gstr(r, f) == Some("") {
                errs.invalid(&p.child(f), quote(""), "must not be empty");
            }
        }
        if api_version == "v1" && gstr(r, "kind") == Some("Event") {
            errs.invalid(
                p,
                owner_reference(r),
                "/v1, Kind=Event is disallowed from being an owner",
            );
        }
        if r.get("controller").as_bool() == Some(true) {
            let cur = format!(
                "{}/{}",
                gstr(r, "kind").unwrap_or(""),
                gstr(r, "name").unwrap_or("")
            );
            match &first_controller {
                Some(first) => {
                    let all: Vec<String> = refs.items().map(owner_reference).collect();
                    errs.invalid(
                        p,
                        format!("[]v1.OwnerReference{{{}}}", all.join(", ")),
                        &format!(
                            "Only one reference can have Controller set to true. Found \"true\" in references for {first} and {cur}"
                        ),
                    );
                }
                None => first_controller = Some(cur),
            }
        }
    }
}

/// `%#v` of a `v1.OwnerReference`. Go prints pointer fields as addresses;
/// a fixed stand-in keeps the output deterministic.
fn owner_reference(r: &Value) -> String {
    let ptr = |k: &str| {
        if r.get(k).is_null() {
            "(*bool)(nil)".to_string()
        } else {
            "(*bool)(0xc000a1b2c3)".to_string()
        }
    };
    format!(
        "v1.OwnerReference{{APIVersion:{}, Kind:{}, Name:{}, UID:{}, Controller:{}, BlockOwnerDeletion:{}}}",
        quote(gstr(r, "apiVersion").unwrap_or("")),
        quote(gstr(r, "kind").unwrap_or("")),
        quote(gstr(r, "name").unwrap_or("")),
        quote(gstr(r, "uid").unwrap_or("")),
        ptr("controller"),
        ptr("blockOwnerDeletion"),
    )
}

/// Finalizer names standard enough to need no domain prefix.
const STANDARD_FINALIZERS: [&str; 3] = ["kubernetes", "orphan", "foregroundDeletion"];

/// `ValidateFinalizers` (apimachinery, on the list path) and the core
/// check of unqualified names (on each item).
fn finalizers(list: &Value, p: &Path, errs: &mut Vec<FieldError>) {
    let names: Vec<&str> = list.items().filter_map(Value::as_str).collect();
    for n in &names {
        errs.invalid_each(p, n, is_label_key(n));
    }
    if names.contains(&"orphan") && names.contains(&"foregroundDeletion") {
        errs.invalid(
            p,
            gofmt::strings(names.iter().copied()),
            "finalizer orphan and foregroundDeletion cannot be both set",
        );
    }
    for (i, n) in list.items().enumerate() {
        if let Some(n) = n.as_str() {
            finalizer_kube_name(n, &p.index(i), errs);
        }
    }
}

/// `validateKubeFinalizerName`
pub(super) fn finalizer_kube_name(n: &str, p: &Path, errs: &mut Vec<FieldError>) {
    if !n.contains('/') && !STANDARD_FINALIZERS.contains(&n) {
        errs.invalid(
            p,
            quote(n),
            "name is neither a standard finalizer name nor is it fully qualified",
        );
    }
}

/// `ValidateObjectMetaUpdate`: identity fields are immutable, generation
/// may not go down, and labels and the rest are checked again.
pub(super) fn object_meta_update(
    obj: &Value,
    old: &Value,
    _rt: &ResourceType,
    errs: &mut Vec<FieldError>,
) {
    let meta = obj.get("metadata");
    let old_meta = old.get("metadata");
    let p = Path::new("metadata");
    if let (Some(new), Some(prev)) = (
        meta.get("generation").as_i64(),
        old_meta.get("generation").as_i64(),
    ) && new < prev
    {
        errs.invalid(
            &p.child("generation"),
            new.to_string(),
            "must not be decremented",
        );
    }
    for f in [
        "name",
        "namespace",
        "uid",
        "creationTimestamp",
        "deletionTimestamp",
    ] {
        let (n, o) = (meta.get(f), old_meta.get(f));
        if !semantic_eq(n, o) {
            let shown = match n {
                Value::String(s) => quote(s),
                Value::Null => "\"\"".to_string(),
                other => gofmt::scalar(other),
            };
            errs.invalid(&p.child(f), shown, IMMUTABLE);
        }
    }
    if let (Some(n), Some(o)) = (
        meta.get("deletionGracePeriodSeconds").as_i64(),
        old_meta.get("deletionGracePeriodSeconds").as_i64(),
    ) && n != o
    {
        errs.invalid(
            &p.child("deletionGracePeriodSeconds"),
            n.to_string(),
            IMMUTABLE,
        );
    }
    common(meta, &p, errs);
}
