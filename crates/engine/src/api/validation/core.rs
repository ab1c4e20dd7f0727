//! Namespaces, Nodes, Secrets, ConfigMaps, Endpoints, Events and
//! PriorityClasses.

use super::json::go_json_object_error;
use super::meta::finalizer_kube_name;
use super::pod::quantity;
use super::service::non_special_ip;
use super::{IMMUTABLE, Sink, gint, gstr};
use crate::api::content::{
    is_config_map_key, is_dns1123_label, is_dns1123_subdomain, is_label_key, is_label_value,
};
use crate::api::errors::{FieldError, quote};
use crate::api::path::Path;
use crate::api::schema::golang::base64_decode;
use crate::api::selector::validate_label_name;
use crate::value::Value;

/// The largest Secret or ConfigMap payload (1 MiB).
pub const MAX_SECRET_SIZE: usize = 1024 * 1024;

/// `ValidateNamespace`: finalizer names (on the list path).
pub(super) fn namespace(obj: &Value, errs: &mut Vec<FieldError>) {
    let sp = Path::new("spec");
    let fp = sp.child("finalizers");
    for f in obj.at(&["spec", "finalizers"]).items() {
        if let Some(f) = f.as_str() {
            errs.invalid_each(&fp, f, is_label_key(f));
            finalizer_kube_name(f, &fp, errs);
        }
    }
}

/// `ValidateNode` and `ValidateNodeUpdate`.
pub(super) fn node(obj: &Value, old: Option<&Value>, errs: &mut Vec<FieldError>) {
    // Upstream reports taints under `metadata`.
    let mp = Path::new("metadata");
    taints(obj.at(&["spec", "taints"]), &mp.child("taints"), errs);
    let status = Path::new("status");
    for section in ["capacity", "allocatable"] {
        let sec = status.child(section);
        for (k, v) in obj.at(&["status", section]).members() {
            if let Some(q) = quantity(v)
                && q.is_negative()
            {
                errs.invalid(
                    &sec.child(k),
                    quote(&q.to_string()),
                    "must be greater than or equal to 0",
                );
            }
        }
    }
    let spec = obj.get("spec");
    let cp = Path::new("spec");
    if let Some(old) = old {
        let old_spec = old.get("spec");
        let old_cidrs = old_spec.get("podCIDRs");
        if !old_cidrs.is_empty() && old_cidrs != spec.get("podCIDRs") {
            errs.forbidden(
                &cp.child("podCIDRs"),
                "node updates may not change podCIDR except from \"\" to valid",
            );
        }
        let old_id = gstr(old_spec, "providerID").unwrap_or("");
        if !old_id.is_empty() && Some(old_id) != gstr(spec, "providerID") {
            errs.forbidden(
                &cp.child("providerID"),
                "node updates may not change providerID except from \"\" to valid",
            );
        }
    }
}

/// `validateNodeTaints`
fn taints(list: &Value, p: &Path, errs: &mut Vec<FieldError>) {
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for (i, t) in list.items().enumerate() {
        let ip = p.index(i);
        let key = gstr(t, "key").unwrap_or("");
        let value = gstr(t, "value").unwrap_or("");
        let effect = gstr(t, "effect").unwrap_or("");
        validate_label_name(key, &ip.child("key"), errs);
        let msgs = is_label_value(value);
        if !msgs.is_empty() {
            errs.invalid(&ip.child("value"), quote(value), &msgs.join(";"));
        }
        let ep = ip.child("effect");
        if effect.is_empty() {
            errs.required(&ep, "");
        } else if !matches!(effect, "NoSchedule" | "PreferNoSchedule" | "NoExecute") {
            errs.not_supported(
                &ep,
                quote(effect),
                &["NoSchedule", "PreferNoSchedule", "NoExecute"],
            );
        }
        if seen.contains(&(key, effect)) {
            // Go prints the pointer; a fixed stand-in keeps output stable.
            let added = if t.get("timeAdded").is_null() {
                "(*v1.Time)(nil)"
            } else {
                "(*v1.Time)(0xc000a1b2c3)"
            };
            let mut e = FieldError::duplicate(
                &ip.to_string(),
                format!(
                    "core.Taint{{Key:{}, Value:{}, Effect:{}, TimeAdded:{added}}}",
                    quote(key),
                    quote(value),
                    quote(effect)
                ),
            );
            e.detail = "taints must be unique by key and effect pair".into();
            errs.push(e);
            continue;
        }
        seen.push((key, effect));
    }
}

/// The decoded bytes of a Secret data value (base64 text).
fn secret_bytes(v: &Value) -> Option<Vec<u8>> {
    v.as_str().and_then(|s| base64_decode(s.as_bytes()).ok())
}

/// `ValidateSecret` and `ValidateSecretUpdate`.
pub(super) fn secret(obj: &Value, old: Option<&Value>, errs: &mut Vec<FieldError>) {
    let data = obj.get("data");
    let dp = Path::new("data");
    if let Some(old) = old {
        let (t, ot) = (
            gstr(obj, "type").unwrap_or(""),
            gstr(old, "type").unwrap_or(""),
        );
        if t != ot {
            errs.invalid(&Path::new("type"), quote(t), IMMUTABLE);
        }
        immutable_payload(obj, old, &["data"], errs);
    }
    let mut total = 0usize;
    for (k, v) in data.members() {
        errs.invalid_each(&dp.key(k), k, is_config_map_key(k));
        total +=
            secret_bytes(v).map_or_else(|| v.as_str().map_or(0, |s| s.len() / 4 * 3), |b| b.len());
    }
    if total > MAX_SECRET_SIZE {
        errs.too_long(&dp, MAX_SECRET_SIZE);
    }
    let has = |k: &str| !data.get(k).is_null();
    match gstr(obj, "type").unwrap_or("") {
        "kubernetes.io/service-account-token" => {
            let name = obj.at(&[
                "metadata",
                "annotations",
                "kubernetes.io/service-account.name",
            ]);
            if name.as_str().is_none_or(str::is_empty) {
                let mp = Path::new("metadata");
                let ap = mp.child("annotations");
                errs.required(&ap.key("kubernetes.io/service-account.name"), "");
            }
        }
        "kubernetes.io/dockercfg" => json_key(data, ".dockercfg", &dp, errs),
        "kubernetes.io/dockerconfigjson" => json_key(data, ".dockerconfigjson", &dp, errs),
        "kubernetes.io/basic-auth" if !has("username") && !has("password") => {
            errs.required(&dp.key("username"), "");
            errs.required(&dp.key("password"), "");
        }
        "kubernetes.io/ssh-auth"
            if secret_bytes(data.get("ssh-privatekey")).is_none_or(|b| b.is_empty()) =>
        {
            errs.required(&dp.key("ssh-privatekey"), "");
        }
        "kubernetes.io/tls" => {
            if !has("tls.crt") {
                errs.required(&dp.key("tls.crt"), "");
            }
            if !has("tls.key") {
                errs.required(&dp.key("tls.key"), "");
            }
        }
        _ => {}
    }
}

/// A key whose value must be a JSON object.
fn json_key(data: &Value, key: &str, dp: &Path, errs: &mut Vec<FieldError>) {
    let v = data.get(key);
    if v.is_null() {
        errs.required(&dp.key(key), "");
        return;
    }
    if let Some(bytes) = secret_bytes(v)
        && let Some(e) = go_json_object_error(&bytes)
    {
        errs.invalid(&dp.key(key), quote("<secret contents redacted>"), &e);
    }
}

/// `immutable: true` freezes the payload and the flag itself.
fn immutable_payload(obj: &Value, old: &Value, fields: &[&str], errs: &mut Vec<FieldError>) {
    if old.get("immutable").as_bool() != Some(true) {
        return;
    }
    let detail = "field is immutable when `immutable` is set";
    if obj.get("immutable").as_bool() != Some(true) {
        errs.forbidden(&Path::new("immutable"), detail);
    }
    for f in fields {
        // reflect.DeepEqual: nil and empty maps differ, which matches
        // comparing the values as stored.
        if obj.get(f) != old.get(f) {
            errs.forbidden(&Path::new(f), detail);
        }
    }
}

/// `ValidateConfigMap` and `ValidateConfigMapUpdate`.
pub(super) fn config_map(obj: &Value, old: Option<&Value>, errs: &mut Vec<FieldError>) {
    if let Some(old) = old {
        immutable_payload(obj, old, &["data", "binaryData"], errs);
    }
    let data = obj.get("data");
    let binary = obj.get("binaryData");
    let dp = Path::new("data");
    let bp = Path::new("binaryData");
    let mut total = 0usize;
    for (k, v) in data.members() {
        errs.invalid_each(&dp.key(k), k, is_config_map_key(k));
        if !binary.get(k).is_null() {
            errs.invalid(
                &dp.key(k),
                quote(k),
                "duplicate of key present in binaryData",
            );
        }
        total += v.as_str().map_or(0, str::len);
    }
    for (k, v) in binary.members() {
        errs.invalid_each(&bp.key(k), k, is_config_map_key(k));
        total += secret_bytes(v).map_or(0, |b| b.len());
    }
    if total > MAX_SECRET_SIZE {
        // Upstream reports the whole object with an empty path.
        errs.too_long(&Path::new(""), MAX_SECRET_SIZE);
    }
}

/// `ValidateEndpoints`
pub(super) fn endpoints(obj: &Value, errs: &mut Vec<FieldError>) {
    let sp = Path::new("subsets");
    for (i, ss) in obj.get("subsets").items().enumerate() {
        let ip = sp.index(i);
        if ss.get("addresses").is_empty() && ss.get("notReadyAddresses").is_empty() {
            errs.required(&ip, "must specify `addresses` or `notReadyAddresses`");
        }
        for list in ["addresses", "notReadyAddresses"] {
            let lp = ip.child(list);
            for (j, a) in ss.get(list).items().enumerate() {
                let ap = lp.index(j);
                let addr = gstr(a, "ip").unwrap_or("");
                errs.invalid_each(
                    &ap.child("ip"),
                    addr,
                    crate::api::content::is_valid_ip(addr),
                );
                if let Some(h) = gstr(a, "hostname")
                    && !h.is_empty()
                {
                    errs.invalid_each(&ap.child("hostname"), h, is_dns1123_label(h));
                }
                if let Some(n) = a.get("nodeName").as_str() {
                    errs.invalid_each(&ap.child("nodeName"), n, is_dns1123_subdomain(n));
                }
                non_special_ip(addr, &ap.child("ip"), errs);
            }
        }
        let pp = ip.child("ports");
        let many = ss.get("ports").items().len() > 1;
        for (j, port) in ss.get("ports").items().enumerate() {
            let portp = pp.index(j);
            let name = gstr(port, "name").unwrap_or("");
            if many && name.is_empty() {
                errs.required(&portp.child("name"), "");
            } else if !name.is_empty() {
                errs.invalid_each(&portp.child("name"), name, is_dns1123_label(name));
            }
            if let Some(n) = gint(port, "port") {
                for m in crate::api::content::is_valid_port_num(n) {
                    errs.invalid(&portp.child("port"), n.to_string(), &m);
                }
            }
            if let Some(proto) = gstr(port, "protocol") {
                super::pod::protocol(proto, &portp.child("protocol"), errs);
            }
        }
    }
}

/// The core Event rules for events without `eventTime` (the legacy form):
/// the involved object's namespace agrees with the event's.
pub(super) fn event(obj: &Value, errs: &mut Vec<FieldError>) {
    if !obj.get("eventTime").is_null() {
        return;
    }
    let ns = obj.at(&["metadata", "namespace"]).as_str().unwrap_or("");
    let involved = obj
        .at(&["involvedObject", "namespace"])
        .as_str()
        .unwrap_or("");
    let ok = if involved.is_empty() {
        ns.is_empty() || ns == "default"
    } else {
        ns == involved
    };
    if !ok {
        let p = Path::new("involvedObject");
        errs.invalid(
            &p.child("namespace"),
            quote(involved),
            "does not match event.namespace",
        );
    }
}

/// The system priority classes (`SystemPriorityClasses`): name and value;
/// neither is a global default.
pub(crate) const SYSTEM_PRIORITY_CLASSES: [(&str, i64); 2] = [
    ("system-node-critical", 2_000_001_000),
    ("system-cluster-critical", 2_000_000_000),
];

/// `HighestUserDefinablePriority`.
const HIGHEST_USER_DEFINABLE_PRIORITY: i64 = 1_000_000_000;

/// `ValidatePriorityClass` and `ValidatePriorityClassUpdate`.
pub(super) fn priority_class(obj: &Value, old: Option<&Value>, errs: &mut Vec<FieldError>) {
    let value = obj.get("value").as_i64().unwrap_or(0);
    if let Some(old) = old {
        if value != old.get("value").as_i64().unwrap_or(0) {
            errs.forbidden(&Path::new("value"), "may not be changed in an update.");
        }
        if obj.get("preemptionPolicy") != old.get("preemptionPolicy") {
            errs.invalid(
                &Path::new("preemptionPolicy"),
                quote(obj.get("preemptionPolicy").as_str().unwrap_or("")),
                IMMUTABLE,
            );
        }
        return;
    }
    let name = obj.str_at(&["metadata", "name"]).unwrap_or("");
    if name.starts_with("system-") {
        let global_default = obj.get("globalDefault").as_bool() == Some(true);
        let known = SYSTEM_PRIORITY_CLASSES.iter().find(|(n, _)| *n == name);
        let problem = match known {
            None => Some(format!("{name} is not a known system priority class")),
            Some((n, v)) if *v != value => Some(format!("value of {n} PriorityClass must be {v}")),
            Some((n, _)) if global_default => {
                Some(format!("globalDefault of {n} PriorityClass must be false"))
            }
            Some(_) => None,
        };
        if let Some(problem) = problem {
            errs.forbidden(
                &Path::new("metadata").child("name"),
                &format!(
                    "priority class names with 'system-' prefix are reserved for system use only. error: {problem}"
                ),
            );
        }
    } else if value > HIGHEST_USER_DEFINABLE_PRIORITY {
        errs.forbidden(
            &Path::new("value"),
            &format!(
                "maximum allowed value of a user defined priority is {HIGHEST_USER_DEFINABLE_PRIORITY}"
            ),
        );
    }
    if let Some(policy) = obj.get("preemptionPolicy").as_str() {
        let p = Path::new("preemptionPolicy");
        if policy.is_empty() {
            errs.required(&p, "");
        } else if !matches!(policy, "PreemptLowerPriority" | "Never") {
            errs.not_supported(&p, quote(policy), &["PreemptLowerPriority", "Never"]);
        }
    }
}
