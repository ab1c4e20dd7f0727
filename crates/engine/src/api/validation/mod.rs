//! Object validation as kube-apiserver does it, with its messages and field
//! paths (`pkg/apis/*/validation`, apimachinery's `ValidateObjectMeta`).
//!
//! [`validate`] runs after defaulting (and pod admission), on create with
//! `old == None` and on update with the stored object. Fields holding a
//! value of the wrong JSON type are skipped: the strict decoder reports
//! those before validation runs. Nothing here panics on odd input.
//!
//! Where the output can only approximate Go's: the diff appended to a
//! refused pod update (upstream uses `cmp.Diff` on the internal struct;
//! here the changed top-level fields are listed), pointer addresses inside
//! `%#v` values (a fixed stand-in, `0xc000a1b2c3`), and the order of errors
//! found while walking a map (Go's map order is random; here keys are
//! sorted). Declarative (CEL) validation of built-in kinds is not modelled;
//! the hand-written rules it shadows give the same messages.

pub(crate) use core::SYSTEM_PRIORITY_CLASSES;
mod apiregistration;
mod apps;
mod core;
mod json;
mod meta;
mod networking;
mod pod;
mod quota;
pub(crate) mod rbac;
pub(crate) use pod::is_extended;
mod service;

use crate::api::errors::{FieldError, quote};
use crate::api::path::Path;
use crate::api::registry::ResourceId;
use crate::value::Value;

pub use json::go_json_object_error;
pub use meta::name_rule;

/// Validates an object of `resource` on create (`old` is `None`) or update.
/// The object is expected defaulted, with its namespace set (namespaced
/// kinds) and its name generated (when it had a `generateName`).
pub fn validate(resource: ResourceId, object: &Value, old: Option<&Value>) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if object.as_object().is_none() {
        return errs;
    }
    let rt = resource.get();
    match old {
        None => meta::object_meta(object, rt, &mut errs),
        Some(old) => meta::object_meta_update(object, old, rt, &mut errs),
    }
    match (rt.group, rt.kind) {
        ("", "Pod") => pod::pod(object, old, &mut errs),
        ("", "PodTemplate") => {
            let p = Path::new("template");
            pod::pod_template_spec(object.get("template"), &p, &mut errs);
        }
        ("", "ReplicationController") => apps::replication_controller(object, &mut errs),
        ("", "Service") => service::service(object, old, &mut errs),
        ("", "Namespace") => core::namespace(object, &mut errs),
        ("", "Node") => core::node(object, old, &mut errs),
        ("", "Secret") => core::secret(object, old, &mut errs),
        ("", "ConfigMap") => core::config_map(object, old, &mut errs),
        ("", "Endpoints") => core::endpoints(object, &mut errs),
        ("", "Event") => core::event(object, &mut errs),
        ("", "LimitRange") => quota::limit_range(object, &mut errs),
        ("", "ResourceQuota") => quota::resource_quota(object, old, &mut errs),
        ("apps", "Deployment") => apps::deployment(object, old, &mut errs),
        ("apps", "ReplicaSet") => apps::replica_set(object, old, &mut errs),
        ("apps", "DaemonSet") => apps::daemon_set(object, old, &mut errs),
        ("apps", "StatefulSet") => apps::stateful_set(object, old, &mut errs),
        ("batch", "Job") => apps::job(object, old, &mut errs),
        ("batch", "CronJob") => apps::cron_job(object, &mut errs),
        ("rbac.authorization.k8s.io", "Role") => rbac::role(object, true, &mut errs),
        ("rbac.authorization.k8s.io", "ClusterRole") => rbac::role(object, false, &mut errs),
        ("rbac.authorization.k8s.io", "RoleBinding") => rbac::binding(object, old, true, &mut errs),
        ("rbac.authorization.k8s.io", "ClusterRoleBinding") => {
            rbac::binding(object, old, false, &mut errs);
        }
        ("apiregistration.k8s.io", "APIService") => apiregistration::api_service(object, &mut errs),
        ("scheduling.k8s.io", "PriorityClass") => core::priority_class(object, old, &mut errs),
        ("policy", "PodDisruptionBudget") => apps::pod_disruption_budget(object, &mut errs),
        ("discovery.k8s.io", "EndpointSlice") => networking::endpoint_slice(object, &mut errs),
        ("networking.k8s.io", "Ingress") => networking::ingress(object, old, &mut errs),
        ("networking.k8s.io", "IngressClass") => networking::ingress_class(object, old, &mut errs),
        ("networking.k8s.io", "NetworkPolicy") => networking::network_policy(object, &mut errs),
        _ => {}
    }
    errs
}

// ---------------------------------------------------------------- sinks

/// Pushing field errors at a [`Path`]; the path is rendered only here.
pub(crate) trait Sink {
    fn required(&mut self, p: &Path, detail: &str);
    fn invalid(&mut self, p: &Path, value: String, detail: &str);
    fn forbidden(&mut self, p: &Path, detail: &str);
    fn duplicate(&mut self, p: &Path, value: String);
    fn not_found(&mut self, p: &Path, value: String);
    fn not_supported(&mut self, p: &Path, value: String, valid: &[&str]);
    fn too_long(&mut self, p: &Path, max: usize);
    /// One Invalid error per message, all with the same value.
    fn invalid_each(&mut self, p: &Path, value: &str, msgs: Vec<String>);
}

impl Sink for Vec<FieldError> {
    fn required(&mut self, p: &Path, detail: &str) {
        self.push(FieldError::required(&p.to_string(), detail));
    }
    fn invalid(&mut self, p: &Path, value: String, detail: &str) {
        self.push(FieldError::invalid(&p.to_string(), value, detail));
    }
    fn forbidden(&mut self, p: &Path, detail: &str) {
        self.push(FieldError::forbidden(&p.to_string(), detail));
    }
    fn duplicate(&mut self, p: &Path, value: String) {
        self.push(FieldError::duplicate(&p.to_string(), value));
    }
    fn not_found(&mut self, p: &Path, value: String) {
        self.push(FieldError::not_found(&p.to_string(), value));
    }
    fn not_supported(&mut self, p: &Path, value: String, valid: &[&str]) {
        self.push(FieldError::not_supported(&p.to_string(), value, valid));
    }
    fn too_long(&mut self, p: &Path, max: usize) {
        self.push(FieldError::too_long(&p.to_string(), max));
    }
    fn invalid_each(&mut self, p: &Path, value: &str, msgs: Vec<String>) {
        if msgs.is_empty() {
            return;
        }
        let field = p.to_string();
        let q = quote(value);
        for m in msgs {
            self.push(FieldError::invalid(&field, q.clone(), &m));
        }
    }
}

// ---------------------------------------------------------------- getters

/// A string field as Go sees it: `Some("")` when absent or null, `None`
/// when it holds another type (skipped).
pub(crate) fn gstr<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    match v.get(key) {
        Value::Null => Some(""),
        Value::String(s) => Some(s),
        _ => None,
    }
}

/// A non-pointer int field: 0 when absent, `None` for another type.
pub(crate) fn gint(v: &Value, key: &str) -> Option<i64> {
    match v.get(key) {
        Value::Null => Some(0),
        other => other.as_i64(),
    }
}

/// A pointer int field: `Some` only when set to a number.
pub(crate) fn gptr_int(v: &Value, key: &str) -> Option<i64> {
    v.get(key).as_i64()
}

/// `ValidateNonnegativeField`
pub(crate) fn nonnegative(n: i64, p: &Path, errs: &mut Vec<FieldError>) {
    if n < 0 {
        errs.invalid(p, n.to_string(), "must be greater than or equal to 0");
    }
}

/// The message of `ValidateImmutableField`.
pub(crate) const IMMUTABLE: &str = "field is immutable";

/// `apiequality.Semantic.DeepEqual` on values: like `==`, except that a
/// missing field, `null`, `""`, an empty list and an empty map are all
/// equal (Go's zero values and nil-vs-empty).
pub fn semantic_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            if std::rc::Rc::ptr_eq(x, y) {
                return true;
            }
            x.iter().all(|(k, v)| semantic_eq(v, b.get(k)))
                && y.iter()
                    .all(|(k, v)| x.contains_key(k) || semantic_eq(v, &Value::Null))
        }
        (Value::Array(x), Value::Array(y)) => {
            std::rc::Rc::ptr_eq(x, y)
                || (x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| semantic_eq(p, q)))
        }
        (Value::Null, other) | (other, Value::Null) => match other {
            Value::Null => true,
            Value::Array(x) => x.is_empty(),
            Value::Object(m) => m.is_empty(),
            Value::String(s) => s.is_empty(),
            _ => false,
        },
        _ => a == b,
    }
}

#[cfg(test)]
mod tests;
