//! APIServices (kube-aggregator's `ValidateAPIService`).

use super::{Sink, gint, gstr};
use crate::api::content::{is_dns1035_label, is_dns1123_subdomain, is_valid_path_segment_name};
use crate::api::errors::{FieldError, quote};
use crate::api::path::Path;
use crate::api::schema::golang::base64_decode;
use crate::value::Value;

/// kube-aggregator's `ValidateAPIService` past the name's path-segment
/// check: the name is `version.group`, the group a subdomain (empty only
/// for the core `v1`), the version a DNS-1035 label, the priorities in
/// range, and a local one (no Service) without TLS settings.
pub(super) fn api_service(obj: &Value, errs: &mut Vec<FieldError>) {
    let spec = obj.get("spec");
    let group = gstr(spec, "group").unwrap_or("");
    let version = gstr(spec, "version").unwrap_or("");
    let name = obj.str_at(&["metadata", "name"]).unwrap_or("");
    let required = format!("{version}.{group}");
    if !name.is_empty() && is_valid_path_segment_name(name).is_empty() && name != required {
        errs.invalid(
            &Path::new("metadata").child("name"),
            quote(name),
            &format!(
                "must be `spec.version+\".\"+spec.group`: {}",
                quote(&required)
            ),
        );
    }
    let p = Path::new("spec");
    if group.is_empty() && version != "v1" {
        errs.required(
            &p.child("group"),
            "only v1 may have an empty group and it better be legacy kube",
        );
    }
    if !group.is_empty() {
        errs.invalid_each(&p.child("group"), group, is_dns1123_subdomain(group));
    }
    errs.invalid_each(&p.child("version"), version, is_dns1035_label(version));
    let group_priority = gint(spec, "groupPriorityMinimum").unwrap_or(0);
    if group_priority <= 0 || group_priority > 20000 {
        errs.invalid(
            &p.child("groupPriorityMinimum"),
            group_priority.to_string(),
            "must be positive and less than 20000",
        );
    }
    let version_priority = gint(spec, "versionPriority").unwrap_or(0);
    if version_priority <= 0 || version_priority > 1000 {
        errs.invalid(
            &p.child("versionPriority"),
            version_priority.to_string(),
            "must be positive and less than 1000",
        );
    }
    let ca_bundle = gstr(spec, "caBundle").unwrap_or("");
    let insecure = spec.get("insecureSkipTLSVerify").as_bool() == Some(true);
    let service = spec.get("service");
    if service.is_null() {
        if !ca_bundle.is_empty() {
            let bytes = base64_decode(ca_bundle.as_bytes()).map_or(0, |b| b.len());
            errs.invalid(
                &p.child("caBundle"),
                quote(&format!("{bytes} bytes")),
                "local APIServices may not have a caBundle",
            );
        }
        if insecure {
            errs.invalid(
                &p.child("insecureSkipTLSVerify"),
                "true".into(),
                "local APIServices may not have insecureSkipTLSVerify",
            );
        }
        return;
    }
    let sp = p.child("service");
    if gstr(service, "namespace").unwrap_or("").is_empty() {
        errs.required(&sp.child("namespace"), "");
    }
    if gstr(service, "name").unwrap_or("").is_empty() {
        errs.required(&sp.child("name"), "");
    }
    if insecure && !ca_bundle.is_empty() {
        errs.invalid(
            &p.child("insecureSkipTLSVerify"),
            "true".into(),
            "may not be true if caBundle is present",
        );
    }
}
