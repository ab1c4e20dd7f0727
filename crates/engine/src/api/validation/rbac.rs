//! Roles, ClusterRoles and their bindings (`pkg/apis/rbac/validation`).

use super::{Sink, gstr};
use crate::api::errors::{FieldError, quote};
use crate::api::path::Path;
use crate::value::Value;

/// The RBAC API group, the only one a roleRef may name.
pub(crate) const RBAC_GROUP: &str = "rbac.authorization.k8s.io";

/// Go's `%#v` of a string slice: `[]string{"/healthz"}`.
fn go_strings(v: &Value) -> String {
    let items: Vec<&str> = v.items().map(|s| s.as_str().unwrap_or("")).collect();
    super::quota::go_slice("string", &items)
}

/// `ValidatePolicyRule` for each rule of a Role (`namespaced`) or
/// ClusterRole.
pub(super) fn role(obj: &Value, namespaced: bool, errs: &mut Vec<FieldError>) {
    let rp = Path::new("rules");
    for (i, rule) in obj.get("rules").items().enumerate() {
        let p = rp.index(i);
        let len = |f: &str| rule.get(f).items().len();
        if len("verbs") == 0 {
            errs.required(&p.child("verbs"), "verbs must contain at least one value");
        }
        if len("nonResourceURLs") > 0 {
            let urls = go_strings(rule.get("nonResourceURLs"));
            if namespaced {
                errs.invalid(
                    &p.child("nonResourceURLs"),
                    urls.clone(),
                    "namespaced rules cannot apply to non-resource URLs",
                );
            }
            if len("apiGroups") > 0 || len("resources") > 0 || len("resourceNames") > 0 {
                errs.invalid(
                    &p.child("nonResourceURLs"),
                    urls,
                    "rules cannot apply to both regular resources and non-resource URLs",
                );
            }
            continue;
        }
        if len("apiGroups") == 0 {
            errs.required(
                &p.child("apiGroups"),
                "resource rules must supply at least one api group",
            );
        }
        if len("resources") == 0 {
            errs.required(
                &p.child("resources"),
                "resource rules must supply at least one resource",
            );
        }
    }
}

/// `ValidateRoleBinding` / `ValidateClusterRoleBinding`, and on update the
/// immutable roleRef.
pub(super) fn binding(
    obj: &Value,
    old: Option<&Value>,
    namespaced: bool,
    errs: &mut Vec<FieldError>,
) {
    let role_ref = obj.get("roleRef");
    let rp = Path::new("roleRef");
    let group = gstr(role_ref, "apiGroup").unwrap_or("");
    if group != RBAC_GROUP {
        errs.not_supported(&rp.child("apiGroup"), quote(group), &[RBAC_GROUP]);
    }
    let kind = gstr(role_ref, "kind").unwrap_or("");
    let kinds: &[&str] = if namespaced {
        &["Role", "ClusterRole"]
    } else {
        &["ClusterRole"]
    };
    if !kinds.contains(&kind) {
        errs.not_supported(&rp.child("kind"), quote(kind), kinds);
    }
    let name = gstr(role_ref, "name").unwrap_or("");
    if name.is_empty() {
        errs.required(&rp.child("name"), "");
    } else {
        errs.invalid_each(
            &rp.child("name"),
            name,
            crate::api::content::NameRule::PathSegment.check(name, false),
        );
    }
    let sp = Path::new("subjects");
    for (i, subject) in obj.get("subjects").items().enumerate() {
        subject_errors(subject, namespaced, &sp.index(i), errs);
    }
    if let Some(old) = old {
        let old_ref = old.get("roleRef");
        let field = |v: &Value, f: &str| gstr(v, f).unwrap_or("").to_string();
        if ["apiGroup", "kind", "name"]
            .iter()
            .any(|f| field(old_ref, f) != field(role_ref, f))
        {
            errs.invalid(
                &rp,
                format!(
                    "rbac.RoleRef{{APIGroup:{}, Kind:{}, Name:{}}}",
                    quote(group),
                    quote(kind),
                    quote(name)
                ),
                "cannot change roleRef",
            );
        }
    }
}

/// `ValidateRoleBindingSubject`.
fn subject_errors(subject: &Value, namespaced: bool, p: &Path, errs: &mut Vec<FieldError>) {
    let name = gstr(subject, "name").unwrap_or("");
    if name.is_empty() {
        errs.required(&p.child("name"), "");
    }
    let group = gstr(subject, "apiGroup").unwrap_or("");
    match gstr(subject, "kind").unwrap_or("") {
        "ServiceAccount" => {
            if !name.is_empty() {
                errs.invalid_each(
                    &p.child("name"),
                    name,
                    crate::api::content::NameRule::Dns1123Subdomain.check(name, false),
                );
            }
            if !group.is_empty() {
                errs.not_supported(&p.child("apiGroup"), quote(group), &[""]);
            }
            if !namespaced && gstr(subject, "namespace").unwrap_or("").is_empty() {
                errs.required(&p.child("namespace"), "");
            }
        }
        "User" | "Group" => {
            if group != RBAC_GROUP {
                errs.not_supported(&p.child("apiGroup"), quote(group), &[RBAC_GROUP]);
            }
        }
        other => errs.not_supported(
            &p.child("kind"),
            quote(other),
            &["ServiceAccount", "User", "Group"],
        ),
    }
}

/// `SetDefaults_RoleBinding`, `SetDefaults_ClusterRoleBinding` and
/// `SetDefaults_Subject`: the RBAC group where it was left out.
pub(crate) fn default_binding(obj: &mut Value) {
    let Some(map) = obj.as_object_mut() else {
        return;
    };
    if let Some(role_ref) = map.get_mut("roleRef")
        && role_ref.as_object().is_some()
        && gstr(role_ref, "apiGroup").unwrap_or("").is_empty()
    {
        role_ref.set("apiGroup", Value::str(RBAC_GROUP));
    }
    if let Some(subjects) = map.get_mut("subjects").and_then(Value::as_array_mut) {
        for s in subjects {
            let kind = s.get("kind").as_str().unwrap_or("");
            if matches!(kind, "User" | "Group") && gstr(s, "apiGroup").unwrap_or("").is_empty() {
                s.set("apiGroup", Value::str(RBAC_GROUP));
            }
        }
    }
}
