//! Pod and pod template validation (`ValidatePodCreate`, `ValidatePodSpec`,
//! `ValidatePodTemplateSpec`, `ValidatePodUpdate` in
//! `pkg/apis/core/validation/validation.go`).

use crate::sort::CompactSort;

use super::{Sink, gint, gptr_int, gstr, nonnegative, semantic_eq};
use crate::api::content::{
    NameRule, inclusive_range_error, is_config_map_key, is_dns1123_label, is_dns1123_subdomain,
    is_http_header_name, is_label_key, is_label_value, is_relaxed_env_var_name, is_valid_ip,
    is_valid_port_name, is_valid_port_num,
};
use crate::api::defaults::pod_qos_class;
use crate::api::errors::{FieldError, quote};
use crate::api::gofmt;
use crate::api::path::Path;
use crate::api::selector::{validate_label_name, validate_label_selector, validate_labels};
use crate::quantity::Quantity;
use crate::value::Value;

/// A Pod on create or update.
pub(super) fn pod(obj: &Value, old: Option<&Value>, errs: &mut Vec<FieldError>) {
    let spec = obj.get("spec");
    let sp = Path::new("spec");
    apparmor_annotations(obj, errs);
    pod_spec(spec, &sp, true, errs);
    for list in ["containers", "initContainers"] {
        let lp = sp.child(list);
        for (i, c) in spec.get(list).items().enumerate() {
            image_whitespace(c, &lp.index(i), errs);
        }
    }
    match old {
        None => {
            if !spec.get("ephemeralContainers").is_empty() {
                errs.forbidden(&sp.child("ephemeralContainers"), "cannot be set on create");
            }
            if gstr(spec, "nodeName").is_some_and(|n| !n.is_empty())
                && !spec.get("schedulingGates").is_empty()
            {
                errs.forbidden(
                    &sp.child("nodeName"),
                    "cannot be set until all schedulingGates have been cleared",
                );
            }
        }
        Some(old) => pod_update(obj, old, errs),
    }
}

fn image_whitespace(c: &Value, p: &Path, errs: &mut Vec<FieldError>) {
    if let Some(image) = gstr(c, "image")
        && image.trim() != image
    {
        errs.invalid(
            &p.child("image"),
            quote(image),
            "must not have leading or trailing whitespace",
        );
    }
}

/// `ValidateAppArmorPodAnnotations`: the deprecated per-container
/// annotations name an existing container and a known profile form.
fn apparmor_annotations(obj: &Value, errs: &mut Vec<FieldError>) {
    const PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";
    let mp = Path::new("metadata");
    let ap = mp.child("annotations");
    for (k, v) in obj.at(&["metadata", "annotations"]).members() {
        let Some(container) = k.strip_prefix(PREFIX) else {
            continue;
        };
        let spec = obj.get("spec");
        let exists = ["containers", "initContainers", "ephemeralContainers"]
            .iter()
            .any(|l| {
                spec.get(l)
                    .items()
                    .any(|c| gstr(c, "name") == Some(container))
            });
        if !exists {
            errs.invalid(&ap.key(k), quote(container), "container not found");
        }
        let profile = v.as_str().unwrap_or("");
        let ok = profile.is_empty()
            || profile == "runtime/default"
            || profile == "unconfined"
            || profile.starts_with("localhost/");
        if !ok {
            errs.invalid(
                &ap.key(k),
                quote(profile),
                &format!("invalid AppArmor profile name: {}", quote(profile)),
            );
        }
    }
}

/// `ValidatePodTemplateSpec` at `p` (`spec.template`).
pub(super) fn pod_template_spec(tmpl: &Value, p: &Path, errs: &mut Vec<FieldError>) {
    let meta = tmpl.get("metadata");
    validate_labels(meta.get("labels"), &p.child("labels"), errs);
    super::meta::annotations(meta.get("annotations"), &p.child("annotations"), errs);
    let sp = p.child("spec");
    pod_spec(tmpl.get("spec"), &sp, false, errs);
    if !tmpl.at(&["spec", "ephemeralContainers"]).is_empty() {
        errs.forbidden(
            &sp.child("ephemeralContainers"),
            "ephemeral containers not allowed in pod template",
        );
    }
}

/// `ValidatePodSpec`. `is_pod` is `ResourceIsPod` (false for templates).
pub(super) fn pod_spec(spec: &Value, p: &Path, is_pod: bool, errs: &mut Vec<FieldError>) {
    if spec.as_object().is_none() {
        if spec.is_null() {
            errs.required(&p.child("containers"), "");
        }
        return;
    }
    if spec.get("terminationGracePeriodSeconds").is_null() {
        errs.required(&p.child("terminationGracePeriodSeconds"), "");
    }
    let grace = gptr_int(spec, "terminationGracePeriodSeconds");
    let vols = volumes(spec.get("volumes"), &p.child("volumes"), is_pod, errs);
    containers(spec, &vols, grace, &p.child("containers"), errs);
    init_containers(spec, &vols, grace, &p.child("initContainers"), errs);
    host_network_ports(spec, p, is_pod, errs);
    if let Some(rp) = gstr(spec, "restartPolicy") {
        enum_field(
            rp,
            &p.child("restartPolicy"),
            &["Always", "OnFailure", "Never"],
            errs,
        );
    }
    if let Some(dp) = gstr(spec, "dnsPolicy") {
        enum_field(
            dp,
            &p.child("dnsPolicy"),
            &["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"],
            errs,
        );
    }
    validate_labels(spec.get("nodeSelector"), &p.child("nodeSelector"), errs);
    pod_security_context(
        spec.get("securityContext"),
        &p.child("securityContext"),
        errs,
    );
    affinity(spec.get("affinity"), &p.child("affinity"), errs);
    dns_config(spec, &p.child("dnsConfig"), errs);
    for (i, g) in spec.get("readinessGates").items().enumerate() {
        if let Some(t) = gstr(g, "conditionType") {
            let gp = p.child("readinessGates");
            let ip = gp.index(i);
            errs.invalid_each(&ip.child("conditionType"), t, is_label_key(t));
        }
    }
    let gates = p.child("schedulingGates");
    let mut seen: Vec<&str> = Vec::new();
    for (i, g) in spec.get("schedulingGates").items().enumerate() {
        let Some(name) = gstr(g, "name") else {
            continue;
        };
        errs.invalid_each(&gates.index(i), name, is_label_key(name));
        if seen.contains(&name) {
            errs.duplicate(&gates.index(i), quote(name));
        }
        seen.push(name);
    }
    topology_spread(
        spec.get("topologySpreadConstraints"),
        &p.child("topologySpreadConstraints"),
        errs,
    );
    for (field, rule) in [
        ("serviceAccountName", NameRule::Dns1123Subdomain),
        ("nodeName", NameRule::Dns1123Subdomain),
    ] {
        if let Some(v) = gstr(spec, field)
            && !v.is_empty()
        {
            errs.invalid_each(&p.child(field), v, rule.check(v, false));
        }
    }
    if let Some(ads) = gptr_int(spec, "activeDeadlineSeconds")
        && !(1..=i64::from(i32::MAX)).contains(&ads)
    {
        errs.invalid(
            &p.child("activeDeadlineSeconds"),
            ads.to_string(),
            &inclusive_range_error(1, i64::from(i32::MAX)),
        );
    }
    for field in ["hostname", "subdomain"] {
        if let Some(v) = gstr(spec, field)
            && !v.is_empty()
        {
            errs.invalid_each(&p.child(field), v, is_dns1123_label(v));
        }
    }
    tolerations(spec.get("tolerations"), &p.child("tolerations"), errs);
    let hap = p.child("hostAliases");
    for (i, ha) in spec.get("hostAliases").items().enumerate() {
        let ip = hap.index(i);
        if let Some(addr) = gstr(ha, "ip") {
            errs.invalid_each(&ip.child("ip"), addr, is_valid_ip(addr));
        }
        let hn = ip.child("hostnames");
        for (j, h) in ha.get("hostnames").items().enumerate() {
            if let Some(h) = h.as_str() {
                errs.invalid_each(&hn.index(j), h, is_dns1123_subdomain(h));
            }
        }
    }
    for field in ["priorityClassName", "runtimeClassName"] {
        let v = spec.get(field);
        if let Some(s) = v.as_str()
            && (!s.is_empty() || field == "runtimeClassName")
        {
            errs.invalid_each(&p.child(field), s, is_dns1123_subdomain(s));
        }
    }
    if let Some(pp) = spec.get("preemptionPolicy").as_str() {
        enum_field(
            pp,
            &p.child("preemptionPolicy"),
            &["PreemptLowerPriority", "Never"],
            errs,
        );
    }
    let os = spec.get("os");
    if os.as_object().is_some()
        && let Some(name) = gstr(os, "name")
    {
        let op = p.child("os");
        if name.is_empty() {
            errs.required(&op.child("name"), "");
        } else if name != "linux" && name != "windows" {
            errs.not_supported(&op.child("name"), quote(name), &["linux", "windows"]);
        }
    }
}

/// A required enum: `Required value` when empty, `Unsupported value`
/// (with the values in the order given) when unknown.
fn enum_field(v: &str, p: &Path, valid: &[&str], errs: &mut Vec<FieldError>) {
    if v.is_empty() {
        errs.required(p, "");
    } else if !valid.contains(&v) {
        errs.not_supported(p, quote(v), valid);
    }
}

// ---------------------------------------------------------------- volumes

/// Volume source keys in the order `validateVolumeSource` checks them, with
/// the path name its "more than 1 volume type" error uses (upstream typos
/// included).
const VOLUME_SOURCES: &[(&str, &str)] = &[
    ("emptyDir", "emptyDir"),
    ("hostPath", "hostPath"),
    ("gitRepo", "gitRepo"),
    ("gcePersistentDisk", "gcePersistentDisk"),
    ("awsElasticBlockStore", "awsElasticBlockStore"),
    ("secret", "secret"),
    ("nfs", "nfs"),
    ("iscsi", "iscsi"),
    ("glusterfs", "glusterfs"),
    ("flocker", "flocker"),
    ("persistentVolumeClaim", "persistentVolumeClaim"),
    ("rbd", "rbd"),
    ("cinder", "cinder"),
    ("cephfs", "cephFS"),
    ("quobyte", "quobyte"),
    ("downwardAPI", "downwarAPI"),
    ("fc", "fc"),
    ("flexVolume", "flexVolume"),
    ("configMap", "configMap"),
    ("azureFile", "azureFile"),
    ("vsphereVolume", "vsphereVolume"),
    ("photonPersistentDisk", "photonPersistentDisk"),
    ("portworxVolume", "portworxVolume"),
    ("azureDisk", "azureDisk"),
    ("storageos", "storageos"),
    ("projected", "projected"),
    ("scaleIO", "scaleIO"),
    ("csi", "csi"),
    ("ephemeral", "ephemeral"),
    ("image", "image"),
];

const FILE_MODE_ERROR: &str = "must be a number between 0 and 0777 (octal), both inclusive";

/// A pod's valid volumes by name, with whether each is backed by a claim
/// (a handful, so a list).
struct Volumes<'a>(Vec<(&'a str, bool)>);

impl Volumes<'_> {
    fn get(&self, name: &str) -> Option<&bool> {
        self.0
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, claim)| claim)
    }

    fn contains_key(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
}

/// `ValidateVolumes`: returns the valid volumes by name, with whether each
/// is backed by a claim (for block devices).
fn volumes<'a>(list: &'a Value, p: &Path, is_pod: bool, errs: &mut Vec<FieldError>) -> Volumes<'a> {
    let mut valid = Volumes(Vec::new());
    for (i, vol) in list.items().enumerate() {
        let ip = p.index(i);
        let np = ip.child("name");
        let mut el: Vec<FieldError> = Vec::new();
        volume_source(vol, &ip, is_pod, &mut el);
        let name = gstr(vol, "name").unwrap_or("");
        if name.is_empty() {
            el.required(&np, "");
        } else {
            el.invalid_each(&np, name, is_dns1123_label(name));
        }
        if valid.contains_key(name) {
            el.duplicate(&np, quote(name));
        }
        if el.is_empty() {
            let claim =
                !vol.get("persistentVolumeClaim").is_null() || !vol.get("ephemeral").is_null();
            valid.0.push((name, claim));
        } else {
            errs.append(&mut el);
        }
    }
    valid
}

fn volume_source(vol: &Value, p: &Path, is_pod: bool, errs: &mut Vec<FieldError>) {
    let mut count = 0;
    for (key, forbidden_name) in VOLUME_SOURCES {
        let src = vol.get(key);
        if src.is_null() {
            continue;
        }
        if count > 0 {
            errs.forbidden(
                &p.child(forbidden_name),
                "may not specify more than 1 volume type",
            );
            continue;
        }
        count += 1;
        let sp = p.child(key);
        match *key {
            "emptyDir" => {
                if let Some(q) = quantity(src.get("sizeLimit"))
                    && q.is_negative()
                {
                    errs.forbidden(
                        &sp.child("sizeLimit"),
                        "SizeLimit field must be a valid resource quantity",
                    );
                }
            }
            "hostPath" => {
                let path = gstr(src, "path").unwrap_or("");
                if path.is_empty() {
                    errs.required(&sp.child("path"), "");
                } else {
                    no_backsteps(path, &sp.child("path"), errs);
                    if let Some(t) = src.get("type").as_str() {
                        const TYPES: [&str; 8] = [
                            "",
                            "BlockDevice",
                            "CharDevice",
                            "Directory",
                            "DirectoryOrCreate",
                            "File",
                            "FileOrCreate",
                            "Socket",
                        ];
                        if !TYPES.contains(&t) {
                            errs.not_supported(&sp.child("type"), quote(t), &TYPES);
                        }
                    }
                }
            }
            "secret" => {
                if gstr(src, "secretName") == Some("") {
                    errs.required(&sp.child("secretName"), "");
                }
                mode_and_items(src, &sp, errs);
            }
            "configMap" => {
                if gstr(src, "name") == Some("") {
                    errs.required(&sp.child("name"), "");
                }
                mode_and_items(src, &sp, errs);
            }
            "persistentVolumeClaim" if gstr(src, "claimName") == Some("") => {
                errs.required(&sp.child("claimName"), "");
            }
            "nfs" => {
                if gstr(src, "server") == Some("") {
                    errs.required(&sp.child("server"), "");
                }
                match gstr(src, "path") {
                    Some("") => errs.required(&sp.child("path"), ""),
                    Some(path) if !path.starts_with('/') => {
                        errs.invalid(&sp.child("path"), quote(path), "must be an absolute path");
                    }
                    _ => {}
                }
            }
            "image" => {
                if is_pod && gstr(src, "reference") == Some("") {
                    errs.required(&sp.child("reference"), "");
                }
                if let Some(pp) = src.get("pullPolicy").as_str() {
                    pull_policy(pp, &sp.child("pullPolicy"), errs);
                }
            }
            _ => {}
        }
    }
    if count == 0 {
        errs.required(p, "must specify a volume type");
    }
}

fn mode_and_items(src: &Value, p: &Path, errs: &mut Vec<FieldError>) {
    if let Some(m) = gptr_int(src, "defaultMode")
        && !(0..=0o777).contains(&m)
    {
        errs.invalid(&p.child("defaultMode"), m.to_string(), FILE_MODE_ERROR);
    }
    let items = p.child("items");
    for (i, kp) in src.get("items").items().enumerate() {
        let ip = items.index(i);
        if gstr(kp, "key") == Some("") {
            errs.required(&ip.child("key"), "");
        }
        if let Some(path) = gstr(kp, "path") {
            if path.is_empty() {
                errs.required(&ip.child("path"), "");
            }
            local_non_reserved_path(path, &ip.child("path"), errs);
        }
        if let Some(m) = gptr_int(kp, "mode")
            && !(0..=0o777).contains(&m)
        {
            errs.invalid(&ip.child("mode"), m.to_string(), FILE_MODE_ERROR);
        }
    }
}

/// `validatePathNoBacksteps`
fn no_backsteps(path: &str, p: &Path, errs: &mut Vec<FieldError>) {
    if path.split('/').any(|s| s == "..") {
        errs.invalid(p, quote(path), "must not contain '..'");
    }
}

/// `validateLocalDescendingPath`
fn local_descending_path(path: &str, p: &Path, errs: &mut Vec<FieldError>) {
    if path.starts_with('/') {
        errs.invalid(p, quote(path), "must be a relative path");
    }
    no_backsteps(path, p, errs);
}

/// `ValidateLocalNonReservedPath`
fn local_non_reserved_path(path: &str, p: &Path, errs: &mut Vec<FieldError>) {
    local_descending_path(path, p, errs);
    if path.starts_with("..") && !path.starts_with("../") {
        errs.invalid(p, quote(path), "must not start with '..'");
    }
}

// ---------------------------------------------------------------- containers

/// `validateContainers`
fn containers(
    spec: &Value,
    vols: &Volumes,
    grace: Option<i64>,
    p: &Path,
    errs: &mut Vec<FieldError>,
) {
    let list = spec.get("containers");
    if list.as_array().is_some_and(<[Value]>::is_empty) || list.is_null() {
        errs.required(p, "");
        return;
    }
    let mut names: Vec<&str> = Vec::new();
    for (i, c) in list.items().enumerate() {
        let cp = p.index(i);
        container_common(c, vols, &cp, errs);
        let name = gstr(c, "name").unwrap_or("");
        if names.contains(&name) {
            errs.duplicate(&cp.child("name"), quote(name));
        } else {
            names.push(name);
        }
        if c.get("lifecycle").as_object().is_some() {
            lifecycle(c.get("lifecycle"), grace, &cp.child("lifecycle"), errs);
        }
        probes(c, grace, &cp, errs);
        if !c.get("restartPolicy").is_null() {
            errs.forbidden(
                &cp.child("restartPolicy"),
                "may not be set for non-init containers",
            );
        }
    }
    host_port_conflicts(list.items().enumerate(), p, errs);
}

/// `validateInitContainers`
fn init_containers(
    spec: &Value,
    vols: &Volumes,
    grace: Option<i64>,
    p: &Path,
    errs: &mut Vec<FieldError>,
) {
    let mut names: Vec<&str> = spec
        .get("containers")
        .items()
        .filter_map(|c| gstr(c, "name"))
        .collect();
    for (i, c) in spec.get("initContainers").items().enumerate() {
        let cp = p.index(i);
        container_common(c, vols, &cp, errs);
        let mut restartable = false;
        if let Some(rp) = c.get("restartPolicy").as_str() {
            if rp != "Always" {
                errs.not_supported(&cp.child("restartPolicy"), quote(rp), &["Always"]);
            }
            restartable = rp == "Always";
        }
        let name = gstr(c, "name").unwrap_or("");
        if names.contains(&name) {
            errs.duplicate(&cp.child("name"), quote(name));
        } else if !name.is_empty() {
            names.push(name);
        }
        host_port_conflicts(std::iter::once((i, c)), p, errs);
        if restartable {
            if c.get("lifecycle").as_object().is_some() {
                lifecycle(c.get("lifecycle"), grace, &cp.child("lifecycle"), errs);
            }
            probes(c, grace, &cp, errs);
        } else {
            for f in [
                "lifecycle",
                "livenessProbe",
                "readinessProbe",
                "startupProbe",
            ] {
                if !c.get(f).is_null() {
                    errs.forbidden(
                        &cp.child(f),
                        "may not be set for init containers without restartPolicy=Always",
                    );
                }
            }
        }
        if !c.get("resizePolicy").is_empty() {
            errs.invalid(
                &cp.child("resizePolicy"),
                "[]core.ContainerResizePolicy{...}".into(),
                "must not be set for init containers",
            );
        }
    }
}

/// `validateContainerCommon`
fn container_common(c: &Value, vols: &Volumes, p: &Path, errs: &mut Vec<FieldError>) {
    if c.as_object().is_none() {
        return;
    }
    if let Some(name) = gstr(c, "name") {
        if name.is_empty() {
            errs.required(&p.child("name"), "");
        } else {
            errs.invalid_each(&p.child("name"), name, is_dns1123_label(name));
        }
    }
    if gstr(c, "image") == Some("") {
        errs.required(&p.child("image"), "");
    }
    if let Some(tmp) = gstr(c, "terminationMessagePolicy") {
        enum_field(
            tmp,
            &p.child("terminationMessagePolicy"),
            &["File", "FallbackToLogsOnError"],
            errs,
        );
    }
    container_ports(c.get("ports"), &p.child("ports"), errs);
    env(c.get("env"), &p.child("env"), errs);
    env_from(c.get("envFrom"), &p.child("envFrom"), errs);
    volume_mounts(c, vols, &p.child("volumeMounts"), errs);
    volume_devices(c, vols, &p.child("volumeDevices"), errs);
    if let Some(pp) = gstr(c, "imagePullPolicy") {
        pull_policy(pp, &p.child("imagePullPolicy"), errs);
    }
    resources(c.get("resources"), &p.child("resources"), errs);
    container_security_context(c.get("securityContext"), &p.child("securityContext"), errs);
}

fn pull_policy(pp: &str, p: &Path, errs: &mut Vec<FieldError>) {
    // The supported list comes from a sorted set.
    enum_field(pp, p, &["Always", "IfNotPresent", "Never"], errs);
}

/// `validateContainerPorts`
fn container_ports(ports: &Value, p: &Path, errs: &mut Vec<FieldError>) {
    let mut names: Vec<&str> = Vec::new();
    for (i, port) in ports.items().enumerate() {
        let ip = p.index(i);
        if let Some(name) = gstr(port, "name")
            && !name.is_empty()
        {
            let msgs = is_valid_port_name(name);
            if !msgs.is_empty() {
                errs.invalid_each(&ip.child("name"), name, msgs);
            } else if names.contains(&name) {
                errs.duplicate(&ip.child("name"), quote(name));
            } else {
                names.push(name);
            }
        }
        if let Some(cp) = gint(port, "containerPort") {
            if cp == 0 {
                errs.required(&ip.child("containerPort"), "");
            } else {
                for m in is_valid_port_num(cp) {
                    errs.invalid(&ip.child("containerPort"), cp.to_string(), &m);
                }
            }
        }
        if let Some(hp) = gint(port, "hostPort")
            && hp != 0
        {
            for m in is_valid_port_num(hp) {
                errs.invalid(&ip.child("hostPort"), hp.to_string(), &m);
            }
        }
        if let Some(proto) = gstr(port, "protocol") {
            protocol(proto, &ip.child("protocol"), errs);
        }
    }
}

/// A port protocol: required, one of the sorted supported values.
pub(super) fn protocol(proto: &str, p: &Path, errs: &mut Vec<FieldError>) {
    if proto.is_empty() {
        errs.required(p, "");
    } else if !matches!(proto, "TCP" | "UDP" | "SCTP") {
        errs.not_supported(p, quote(proto), &["SCTP", "TCP", "UDP"]);
    }
}

/// `AccumulateUniqueHostPorts` over the given containers.
fn host_port_conflicts<'a>(
    list: impl Iterator<Item = (usize, &'a Value)>,
    p: &Path,
    errs: &mut Vec<FieldError>,
) {
    let mut seen: Vec<String> = Vec::new();
    for (ci, c) in list {
        let cp = p.index(ci);
        let pp = cp.child("ports");
        for (pi, port) in c.get("ports").items().enumerate() {
            let hp = gint(port, "hostPort").unwrap_or(0);
            if hp == 0 {
                continue;
            }
            let key = format!(
                "{}/{}/{}",
                gstr(port, "protocol").unwrap_or(""),
                gstr(port, "hostIP").unwrap_or(""),
                hp
            );
            if seen.contains(&key) {
                let ip = pp.index(pi);
                errs.duplicate(&ip.child("hostPort"), quote(&key));
            } else {
                seen.push(key);
            }
        }
    }
}

fn host_network_ports(spec: &Value, p: &Path, is_pod: bool, errs: &mut Vec<FieldError>) {
    if spec.get("hostNetwork").as_bool() != Some(true) {
        return;
    }
    let cs = p.child("containers");
    for (i, c) in spec.get("containers").items().enumerate() {
        let cp = cs.index(i);
        let pp = cp.child("ports");
        for (j, port) in c.get("ports").items().enumerate() {
            let hp = gint(port, "hostPort").unwrap_or(0);
            let cport = gint(port, "containerPort").unwrap_or(0);
            if (is_pod || hp != 0) && hp != cport {
                let ip = pp.index(j);
                errs.invalid(
                    &ip.child("hostPort"),
                    hp.to_string(),
                    "must match `containerPort` when `hostNetwork` is true",
                );
            }
        }
    }
}

/// Downward API paths convertible for v1 pods.
const DOWNWARD_CONVERTIBLE: [&str; 12] = [
    "metadata.annotations",
    "metadata.labels",
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
    "spec.nodeName",
    "spec.restartPolicy",
    "spec.serviceAccountName",
    "spec.schedulerName",
    "status.phase",
    "status.hostIP",
    "status.podIP",
];

/// The paths env vars may reference (`validEnvDownwardAPIFieldPathExpressions`, sorted).
const ENV_FIELD_PATHS: [&str; 9] = [
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
    "spec.nodeName",
    "spec.serviceAccountName",
    "status.hostIP",
    "status.hostIPs",
    "status.podIP",
    "status.podIPs",
];

/// `ValidateEnv`
fn env(list: &Value, p: &Path, errs: &mut Vec<FieldError>) {
    for (i, e) in list.items().enumerate() {
        let ip = p.index(i);
        if let Some(name) = gstr(e, "name") {
            if name.is_empty() {
                errs.required(&ip.child("name"), "");
            } else {
                errs.invalid_each(&ip.child("name"), name, is_relaxed_env_var_name(name));
            }
        }
        let vf = e.get("valueFrom");
        if vf.as_object().is_none() {
            continue;
        }
        let vp = ip.child("valueFrom");
        let mut sources = 0;
        let fr = vf.get("fieldRef");
        if fr.as_object().is_some() {
            sources += 1;
            field_ref(fr, &vp.child("fieldRef"), errs);
        }
        let rf = vf.get("resourceFieldRef");
        if rf.as_object().is_some() {
            sources += 1;
            let rp = vp.child("resourceFieldRef");
            match gstr(rf, "resource") {
                Some("") => errs.required(&rp.child("resource"), ""),
                Some(r) => {
                    const VALID: [&str; 6] = [
                        "limits.cpu",
                        "limits.ephemeral-storage",
                        "limits.memory",
                        "requests.cpu",
                        "requests.ephemeral-storage",
                        "requests.memory",
                    ];
                    let huge =
                        r.starts_with("requests.hugepages-") || r.starts_with("limits.hugepages-");
                    if !VALID.contains(&r) && !huge {
                        errs.not_supported(&rp.child("resource"), quote(r), &VALID);
                    }
                }
                None => {}
            }
        }
        for key in ["configMapKeyRef", "secretKeyRef"] {
            let r = vf.get(key);
            if r.as_object().is_some() {
                sources += 1;
                key_selector(r, &vp.child(key), errs);
            }
        }
        let fk = vf.get("fileKeyRef");
        if fk.as_object().is_some() {
            sources += 1;
            let fp = vp.child("fileKeyRef");
            for f in ["volumeName", "path", "key"] {
                if gstr(fk, f) == Some("") {
                    errs.required(&fp.child(f), "");
                }
            }
        }
        let value = gstr(e, "value").unwrap_or("");
        if sources == 0 {
            errs.invalid(
                &vp,
                quote(""),
                "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`",
            );
        } else if !value.is_empty() {
            errs.invalid(
                &vp,
                quote(""),
                "may not be specified when `value` is not empty",
            );
        } else if sources > 1 {
            errs.invalid(
                &vp,
                quote(""),
                "may not have more than one field specified at a time",
            );
        }
    }
}

/// `validateObjectFieldSelector` for env vars.
fn field_ref(fr: &Value, p: &Path, errs: &mut Vec<FieldError>) {
    if gstr(fr, "apiVersion") == Some("") {
        errs.required(&p.child("apiVersion"), "");
        return;
    }
    let Some(path) = gstr(fr, "fieldPath") else {
        return;
    };
    if path.is_empty() {
        errs.required(&p.child("fieldPath"), "");
        return;
    }
    if gstr(fr, "apiVersion") != Some("v1") {
        errs.invalid(
            &p.child("fieldPath"),
            quote(path),
            &format!(
                "error converting fieldPath: unsupported pod version: {}",
                gstr(fr, "apiVersion").unwrap_or("")
            ),
        );
        return;
    }
    for prefix in ["metadata.labels", "metadata.annotations"] {
        if let Some(sub) = path
            .strip_prefix(prefix)
            .and_then(|r| r.strip_prefix("['"))
            .and_then(|r| r.strip_suffix("']"))
        {
            let key = if prefix == "metadata.annotations" {
                sub.to_ascii_lowercase()
            } else {
                sub.to_string()
            };
            errs.invalid_each(p, &key, is_label_key(&key));
            return;
        }
    }
    if !DOWNWARD_CONVERTIBLE.contains(&path) && path != "status.hostIPs" && path != "status.podIPs"
    {
        errs.invalid(
            &p.child("fieldPath"),
            quote(path),
            &format!("error converting fieldPath: field label not supported: {path}"),
        );
        return;
    }
    if !ENV_FIELD_PATHS.contains(&path) {
        errs.not_supported(&p.child("fieldPath"), quote(path), &ENV_FIELD_PATHS);
    }
}

/// `validateConfigMapKeySelector` / `validateSecretKeySelector`.
fn key_selector(r: &Value, p: &Path, errs: &mut Vec<FieldError>) {
    if let Some(name) = gstr(r, "name") {
        errs.invalid_each(&p.child("name"), name, is_dns1123_subdomain(name));
    }
    match gstr(r, "key") {
        Some("") => errs.required(&p.child("key"), ""),
        Some(k) => errs.invalid_each(&p.child("key"), k, is_config_map_key(k)),
        None => {}
    }
}

/// `ValidateEnvFrom`
fn env_from(list: &Value, p: &Path, errs: &mut Vec<FieldError>) {
    for (i, e) in list.items().enumerate() {
        let ip = p.index(i);
        if let Some(prefix) = gstr(e, "prefix")
            && !prefix.is_empty()
        {
            errs.invalid_each(&ip.child("prefix"), prefix, is_relaxed_env_var_name(prefix));
        }
        let mut sources = 0;
        for key in ["configMapRef", "secretRef"] {
            let r = e.get(key);
            if r.as_object().is_some() {
                sources += 1;
                let rp = ip.child(key);
                match gstr(r, "name") {
                    Some("") => errs.required(&rp.child("name"), ""),
                    Some(n) => errs.invalid_each(
                        &rp.child("name"),
                        n,
                        NameRule::Dns1123Subdomain.check(n, true),
                    ),
                    None => {}
                }
            }
        }
        // Upstream reports these on the list path, not the item.
        if sources == 0 {
            errs.invalid(
                p,
                quote(""),
                "must specify one of: `configMapRef` or `secretRef`",
            );
        } else if sources > 1 {
            errs.invalid(
                p,
                quote(""),
                "may not have more than one field specified at a time",
            );
        }
    }
}

/// `ValidateVolumeMounts`
fn volume_mounts(c: &Value, vols: &Volumes, p: &Path, errs: &mut Vec<FieldError>) {
    let devices: Vec<(&str, &str)> = c
        .get("volumeDevices")
        .items()
        .map(|d| {
            (
                gstr(d, "name").unwrap_or(""),
                gstr(d, "devicePath").unwrap_or(""),
            )
        })
        .collect();
    let mut mount_points: Vec<&str> = Vec::new();
    for (i, m) in c.get("volumeMounts").items().enumerate() {
        let ip = p.index(i);
        let name = gstr(m, "name").unwrap_or("");
        if name.is_empty() {
            errs.required(&ip.child("name"), "");
        }
        if !vols.contains_key(name) {
            errs.not_found(&ip.child("name"), quote(name));
        }
        let mount_path = gstr(m, "mountPath").unwrap_or("");
        if mount_path.is_empty() {
            errs.required(&ip.child("mountPath"), "");
        }
        if mount_points.contains(&mount_path) {
            errs.invalid(&ip.child("mountPath"), quote(mount_path), "must be unique");
        }
        mount_points.push(mount_path);
        if devices.iter().any(|(n, _)| *n == name) {
            errs.invalid(
                &ip.child("name"),
                quote(name),
                "must not already exist in volumeDevices",
            );
        }
        if devices.iter().any(|(_, d)| *d == mount_path) {
            errs.invalid(
                &ip.child("mountPath"),
                quote(mount_path),
                "must not already exist as a path in volumeDevices",
            );
        }
        let sub_path = gstr(m, "subPath").unwrap_or("");
        if !sub_path.is_empty() {
            // Upstream reports this on the list path.
            local_descending_path(sub_path, &p.child("subPath"), errs);
        }
        if let Some(expr) = gstr(m, "subPathExpr")
            && !expr.is_empty()
        {
            if !sub_path.is_empty() {
                errs.invalid(
                    &ip.child("subPathExpr"),
                    quote(expr),
                    "subPathExpr and subPath are mutually exclusive",
                );
            }
            local_descending_path(expr, &p.child("subPathExpr"), errs);
        }
    }
}

/// `ValidateVolumeDevices`
fn volume_devices(c: &Value, vols: &Volumes, p: &Path, errs: &mut Vec<FieldError>) {
    let mounts: Vec<(&str, &str)> = c
        .get("volumeMounts")
        .items()
        .map(|m| {
            (
                gstr(m, "name").unwrap_or(""),
                gstr(m, "mountPath").unwrap_or(""),
            )
        })
        .collect();
    let mut names: Vec<&str> = Vec::new();
    let mut paths: Vec<&str> = Vec::new();
    for (i, d) in c.get("volumeDevices").items().enumerate() {
        let ip = p.index(i);
        let name = gstr(d, "name").unwrap_or("");
        let path = gstr(d, "devicePath").unwrap_or("");
        if name.is_empty() {
            errs.required(&ip.child("name"), "");
        }
        if names.contains(&name) {
            errs.invalid(&ip.child("name"), quote(name), "must be unique");
        }
        match vols.get(name) {
            Some(false) => errs.invalid(
                &ip.child("name"),
                quote(name),
                "can only use volume source type of PersistentVolumeClaim or Ephemeral for block mode",
            ),
            None => errs.not_found(&ip.child("name"), quote(name)),
            Some(true) => {}
        }
        if path.is_empty() {
            errs.required(&ip.child("devicePath"), "");
        }
        if paths.contains(&path) {
            errs.invalid(&ip.child("devicePath"), quote(path), "must be unique");
        }
        if !path.is_empty() && path.split('/').any(|s| s == "..") {
            errs.invalid(
                &ip.child("devicePath"),
                quote(path),
                "can not contain backsteps ('..')",
            );
        } else {
            paths.push(path);
        }
        if mounts.iter().any(|(n, _)| *n == name) {
            errs.invalid(
                &ip.child("name"),
                quote(name),
                "must not already exist in volumeMounts",
            );
        }
        if mounts.iter().any(|(_, m)| *m == path) {
            errs.invalid(
                &ip.child("devicePath"),
                quote(path),
                "must not already exist as a path in volumeMounts",
            );
        }
        if !name.is_empty() {
            names.push(name);
        }
    }
}

// ---------------------------------------------------------------- resources

/// A quantity field (string or number), `None` when absent or malformed.
pub(super) fn quantity(v: &Value) -> Option<Quantity> {
    match v {
        Value::String(s) => Quantity::parse(s).ok(),
        Value::Int(i) => Quantity::parse(&i.to_string()).ok(),
        Value::Float(f) => Quantity::parse(&crate::yaml::format_float(*f)).ok(),
        _ => None,
    }
}

const STANDARD_RESOURCES: [&str; 21] = [
    "cpu",
    "memory",
    "ephemeral-storage",
    "requests.cpu",
    "requests.memory",
    "requests.ephemeral-storage",
    "limits.cpu",
    "limits.memory",
    "limits.ephemeral-storage",
    "pods",
    "quota",
    "services",
    "replicationcontrollers",
    "resourcequotas",
    "secrets",
    "persistentvolumeclaims",
    "configmaps",
    "services.nodeports",
    "services.loadbalancers",
    "storage",
    "requests.storage",
];

fn is_native(name: &str) -> bool {
    !name.contains('/') || name.contains("kubernetes.io/")
}

fn is_hugepages(name: &str) -> bool {
    name.starts_with("hugepages-")
}

/// `IsExtendedResourceName`
pub(crate) fn is_extended(name: &str) -> bool {
    !is_native(name)
        && !name.starts_with("requests.")
        && is_label_key(&format!("requests.{name}")).is_empty()
}

/// `validateResourceName`; the name prints unquoted (it has a
/// `String()` method).
pub(super) fn resource_name(name: &str, p: &Path, errs: &mut Vec<FieldError>) {
    let key_errs = is_label_key(name);
    if !key_errs.is_empty() {
        for m in key_errs {
            errs.invalid(p, name.to_string(), &m);
        }
    } else if !name.contains('/')
        && !STANDARD_RESOURCES.contains(&name)
        && !name.starts_with("hugepages-")
        && !name.starts_with("requests.hugepages-")
    {
        errs.invalid(
            p,
            name.to_string(),
            "must be a standard resource type or fully qualified",
        );
    }
}

/// `validateContainerResourceName`.
pub(super) fn container_resource_name(name: &str, p: &Path, errs: &mut Vec<FieldError>) {
    resource_name(name, p, errs);
    if !name.contains('/') {
        if !matches!(name, "cpu" | "memory" | "ephemeral-storage") && !is_hugepages(name) {
            errs.invalid(
                p,
                name.to_string(),
                "must be a standard resource for containers",
            );
        }
    } else if !is_native(name) && !is_extended(name) {
        errs.invalid(
            p,
            name.to_string(),
            "doesn't follow extended resource name standard",
        );
    }
}

/// `IsOvercommitAllowed`: native resources other than hugepages.
pub(super) fn overcommit_allowed(name: &str) -> bool {
    is_native(name) && !is_hugepages(name)
}

/// `ValidateResourceQuantityValue`: never negative, and whole for the
/// resources that count things (`IsIntegerResourceName`).
pub(super) fn quantity_value(name: &str, q: &Quantity, p: &Path, errs: &mut Vec<FieldError>) {
    if q.is_negative() {
        errs.invalid(
            p,
            quote(&q.to_string()),
            "must be greater than or equal to 0",
        );
    }
    let integer = matches!(
        name,
        "pods"
            | "services"
            | "replicationcontrollers"
            | "resourcequotas"
            | "secrets"
            | "configmaps"
            | "persistentvolumeclaims"
            | "services.nodeports"
            | "services.loadbalancers"
    ) || is_extended(name);
    if integer && q.milli_value() % 1000 != 0 {
        errs.invalid(p, q.to_string(), "must be an integer");
    }
}

/// `ValidateResourceRequirements`
fn resources(r: &Value, p: &Path, errs: &mut Vec<FieldError>) {
    let lim_path = p.child("limits");
    let req_path = p.child("requests");
    let limits = r.get("limits");
    let requests = r.get("requests");
    let (mut lim_cpu_mem, mut req_cpu_mem, mut lim_huge, mut req_huge) =
        (false, false, false, false);
    for (name, v) in limits.members() {
        let fp = lim_path.key(name);
        container_resource_name(name, &fp, errs);
        if let Some(q) = quantity(v) {
            quantity_value(name, &q, &fp, errs);
        }
        lim_huge |= is_hugepages(name);
        lim_cpu_mem |= matches!(name, "cpu" | "memory");
    }
    for (name, v) in requests.members() {
        let fp = req_path.key(name);
        container_resource_name(name, &fp, errs);
        let Some(q) = quantity(v) else { continue };
        quantity_value(name, &q, &fp, errs);
        let overcommit = overcommit_allowed(name);
        match quantity(limits.get(name)) {
            Some(l) => {
                let cmp = compare(&q, &l);
                if cmp != std::cmp::Ordering::Equal && !overcommit {
                    errs.invalid(
                        &req_path,
                        quote(&q.to_string()),
                        &format!("must be equal to {name} limit of {l}"),
                    );
                } else if cmp == std::cmp::Ordering::Greater {
                    errs.invalid(
                        &req_path,
                        quote(&q.to_string()),
                        &format!("must be less than or equal to {name} limit of {l}"),
                    );
                }
            }
            None if !overcommit => {
                errs.required(
                    &lim_path,
                    "Limit must be set for non overcommitable resources",
                );
            }
            None => {}
        }
        req_huge |= is_hugepages(name);
        req_cpu_mem |= matches!(name, "cpu" | "memory");
    }
    if !lim_cpu_mem && !req_cpu_mem && (req_huge || lim_huge) {
        errs.forbidden(p, "HugePages require cpu or memory");
    }
}

/// Orders two quantities exactly (down to nano units).
fn compare(a: &Quantity, b: &Quantity) -> std::cmp::Ordering {
    a.milli_value().cmp(&b.milli_value()).then_with(|| {
        let (sa, sb) = (a.to_string(), b.to_string());
        if sa == sb {
            std::cmp::Ordering::Equal
        } else {
            // Below a milli the canonical forms differ; compare via nanos.
            nanos(a).cmp(&nanos(b))
        }
    })
}

fn nanos(q: &Quantity) -> i128 {
    let s = q.to_string();
    let (num, scale): (&str, i128) = if let Some(n) = s.strip_suffix('n') {
        (n, 1)
    } else if let Some(n) = s.strip_suffix('u') {
        (n, 1_000)
    } else {
        return i128::from(q.milli_value()) * 1_000_000;
    };
    num.parse::<i128>().unwrap_or(0) * scale
}

// ---------------------------------------------------------------- handlers

fn probes(c: &Value, grace: Option<i64>, p: &Path, errs: &mut Vec<FieldError>) {
    for (key, must_be_one) in [
        ("livenessProbe", true),
        ("readinessProbe", false),
        ("startupProbe", true),
    ] {
        let probe = c.get(key);
        if probe.as_object().is_none() {
            continue;
        }
        let pp = p.child(key);
        handler(probe, grace, false, &pp, errs);
        for f in [
            "initialDelaySeconds",
            "timeoutSeconds",
            "periodSeconds",
            "successThreshold",
            "failureThreshold",
        ] {
            if let Some(n) = gint(probe, f) {
                nonnegative(n, &pp.child(f), errs);
            }
        }
        if let Some(t) = gptr_int(probe, "terminationGracePeriodSeconds") {
            if t <= 0 {
                errs.invalid(
                    &pp.child("terminationGracePeriodSeconds"),
                    t.to_string(),
                    "must be greater than 0",
                );
            }
            if !must_be_one {
                errs.invalid(
                    &pp.child("terminationGracePeriodSeconds"),
                    t.to_string(),
                    "must not be set for readinessProbes",
                );
            }
        }
        if must_be_one
            && let Some(st) = gint(probe, "successThreshold")
            && st != 1
        {
            errs.invalid(&pp.child("successThreshold"), st.to_string(), "must be 1");
        }
    }
}

fn lifecycle(l: &Value, grace: Option<i64>, p: &Path, errs: &mut Vec<FieldError>) {
    for h in ["postStart", "preStop"] {
        if l.get(h).as_object().is_some() {
            handler(l.get(h), grace, true, &p.child(h), errs);
        }
    }
}

/// `validateHandler`: exactly one handler, each checked.
fn handler(h: &Value, grace: Option<i64>, lifecycle: bool, p: &Path, errs: &mut Vec<FieldError>) {
    let mut kinds = vec!["exec", "httpGet", "tcpSocket"];
    if lifecycle {
        kinds.push("sleep");
    } else {
        kinds.insert(3, "grpc");
    }
    let mut count = 0;
    for kind in kinds {
        let v = h.get(kind);
        if v.as_object().is_none() {
            continue;
        }
        let kp = p.child(kind);
        if count > 0 {
            errs.forbidden(&kp, "may not specify more than 1 handler type");
            continue;
        }
        count += 1;
        match kind {
            "exec" if v.get("command").is_empty() => {
                errs.required(&kp.child("command"), "");
            }
            "httpGet" => {
                if gstr(v, "path") == Some("") {
                    errs.required(&kp.child("path"), "");
                }
                port_num_or_name(v.get("port"), &kp.child("port"), errs);
                if let Some(s) = gstr(v, "scheme")
                    && s != "HTTP"
                    && s != "HTTPS"
                {
                    errs.not_supported(&kp.child("scheme"), quote(s), &["HTTP", "HTTPS"]);
                }
                for hdr in v.get("httpHeaders").items() {
                    if let Some(n) = gstr(hdr, "name") {
                        errs.invalid_each(&kp.child("httpHeaders"), n, is_http_header_name(n));
                    }
                }
            }
            "tcpSocket" => port_num_or_name(v.get("port"), &kp.child("port"), errs),
            "grpc" => {
                let port = gint(v, "port").unwrap_or(0);
                for m in is_valid_port_num(port) {
                    errs.invalid(&kp.child("port"), port.to_string(), &m);
                }
            }
            "sleep" => {
                let secs = gint(v, "seconds").unwrap_or(0);
                let g = grace.unwrap_or(30);
                if secs < 0 || secs > g {
                    errs.invalid(
                        &kp,
                        secs.to_string(),
                        &format!(
                            "must be non-negative and less than terminationGracePeriodSeconds ({g})"
                        ),
                    );
                }
            }
            _ => {}
        }
    }
    if count == 0 {
        errs.required(p, "must specify a handler type");
    }
}

/// `ValidatePortNumOrName`
pub(super) fn port_num_or_name(port: &Value, p: &Path, errs: &mut Vec<FieldError>) {
    match port {
        Value::String(s) => errs.invalid_each(p, s, is_valid_port_name(s)),
        Value::Null => {
            for m in is_valid_port_num(0) {
                errs.invalid(p, "0".into(), &m);
            }
        }
        other => {
            if let Some(n) = other.as_i64() {
                for m in is_valid_port_num(n) {
                    errs.invalid(p, n.to_string(), &m);
                }
            }
        }
    }
}

// ---------------------------------------------------------------- security

const MAX_ID: i64 = 0xffff_ffff;

fn id_range(sc: &Value, key: &str, p: &Path, errs: &mut Vec<FieldError>) {
    if let Some(id) = gptr_int(sc, key)
        && !(0..=MAX_ID).contains(&id)
    {
        errs.invalid(
            &p.child(key),
            id.to_string(),
            &inclusive_range_error(0, MAX_ID),
        );
    }
}

fn seccomp_profile(sp: &Value, p: &Path, errs: &mut Vec<FieldError>) {
    if sp.as_object().is_none() {
        return;
    }
    let Some(t) = gstr(sp, "type") else { return };
    match t {
        "" => errs.required(
            &p.child("type"),
            "type is required when seccompProfile is set",
        ),
        "Localhost" => match gstr(sp, "localhostProfile") {
            Some(prof) if !sp.get("localhostProfile").is_null() => {
                local_descending_path(prof, &p.child("localhostProfile"), errs);
            }
            _ => errs.required(
                &p.child("localhostProfile"),
                "must be set when seccomp type is Localhost",
            ),
        },
        "RuntimeDefault" | "Unconfined" => {
            if !sp.get("localhostProfile").is_null() {
                errs.invalid(
                    &p.child("localhostProfile"),
                    format!(
                        "core.SeccompProfile{{Type:{}, LocalhostProfile:(*string)(0xc000a1b2c3)}}",
                        quote(t)
                    ),
                    "can only be set when seccomp type is Localhost",
                );
            }
        }
        other => errs.not_supported(
            &p.child("type"),
            quote(other),
            &["Localhost", "RuntimeDefault", "Unconfined"],
        ),
    }
}

// A guard would let a known type fall through to "Unsupported value".
#[allow(clippy::collapsible_match)]
fn apparmor_profile(ap: &Value, p: &Path, errs: &mut Vec<FieldError>) {
    if ap.as_object().is_none() {
        return;
    }
    match gstr(ap, "type") {
        Some("Localhost") => {
            let prof = gstr(ap, "localhostProfile").unwrap_or("");
            if ap.get("localhostProfile").is_null() || prof.trim().is_empty() && prof == prof.trim()
            {
                errs.required(
                    &p.child("localhostProfile"),
                    "must be set when AppArmor type is Localhost",
                );
            } else if prof.trim() != prof {
                errs.invalid(
                    &p.child("localhostProfile"),
                    quote(prof),
                    "must not be padded with whitespace",
                );
            }
        }
        Some("RuntimeDefault" | "Unconfined") => {
            if !ap.get("localhostProfile").is_null() {
                errs.invalid(
                    &p.child("localhostProfile"),
                    quote(gstr(ap, "localhostProfile").unwrap_or("")),
                    "can only be set when AppArmor type is Localhost",
                );
            }
        }
        Some("") => errs.required(
            &p.child("type"),
            "type is required when appArmorProfile is set",
        ),
        Some(other) => errs.not_supported(
            &p.child("type"),
            quote(other),
            &["Localhost", "RuntimeDefault", "Unconfined"],
        ),
        None => {}
    }
}

fn pod_security_context(sc: &Value, p: &Path, errs: &mut Vec<FieldError>) {
    if sc.as_object().is_none() {
        return;
    }
    id_range(sc, "fsGroup", p, errs);
    id_range(sc, "runAsUser", p, errs);
    id_range(sc, "runAsGroup", p, errs);
    let sg = p.child("supplementalGroups");
    for (i, g) in sc.get("supplementalGroups").items().enumerate() {
        if let Some(g) = g.as_i64()
            && !(0..=MAX_ID).contains(&g)
        {
            errs.invalid(
                &sg.index(i),
                g.to_string(),
                &inclusive_range_error(0, MAX_ID),
            );
        }
    }
    if let Some(policy) = sc.get("fsGroupChangePolicy").as_str()
        && policy != "Always"
        && policy != "OnRootMismatch"
    {
        errs.not_supported(
            &p.child("fsGroupChangePolicy"),
            quote(policy),
            &["Always", "OnRootMismatch"],
        );
    }
    seccomp_profile(sc.get("seccompProfile"), &p.child("seccompProfile"), errs);
    apparmor_profile(sc.get("appArmorProfile"), &p.child("appArmorProfile"), errs);
}

fn container_security_context(sc: &Value, p: &Path, errs: &mut Vec<FieldError>) {
    if sc.as_object().is_none() {
        return;
    }
    id_range(sc, "runAsUser", p, errs);
    id_range(sc, "runAsGroup", p, errs);
    if let Some(pm) = sc.get("procMount").as_str()
        && pm != "Default"
        && pm != "Unmasked"
    {
        errs.not_supported(&p.child("procMount"), quote(pm), &["Default", "Unmasked"]);
    }
    seccomp_profile(sc.get("seccompProfile"), &p.child("seccompProfile"), errs);
    apparmor_profile(sc.get("appArmorProfile"), &p.child("appArmorProfile"), errs);
}

// ---------------------------------------------------------------- scheduling

fn dns_config(spec: &Value, p: &Path, errs: &mut Vec<FieldError>) {
    let cfg = spec.get("dnsConfig");
    if gstr(spec, "dnsPolicy") == Some("None") {
        if cfg.as_object().is_none() {
            errs.required(p, "must provide `dnsConfig` when `dnsPolicy` is None");
            return;
        }
        if cfg.get("nameservers").is_empty() {
            errs.required(
                &p.child("nameservers"),
                "must provide at least one DNS nameserver when `dnsPolicy` is None",
            );
            return;
        }
    }
    if cfg.as_object().is_none() {
        return;
    }
    let ns = cfg.get("nameservers");
    if ns.items().len() > 3 {
        errs.invalid(
            &p.child("nameservers"),
            gofmt::string_slice(ns),
            "must not have more than 3 nameservers",
        );
    }
    let np = p.child("nameservers");
    for (i, n) in ns.items().enumerate() {
        if let Some(n) = n.as_str() {
            errs.invalid_each(&np.index(i), n, is_valid_ip(n));
        }
    }
    let sp = p.child("searches");
    let searches = cfg.get("searches");
    if searches.items().len() > 32 {
        errs.invalid(
            &sp,
            gofmt::string_slice(searches),
            "must not have more than 32 search paths",
        );
    }
    for (i, s) in searches.items().enumerate() {
        if let Some(s) = s.as_str() {
            let s = s.strip_suffix('.').unwrap_or(s);
            errs.invalid_each(&sp.index(i), s, is_dns1123_subdomain(s));
        }
    }
    let op = p.child("options");
    for (i, o) in cfg.get("options").items().enumerate() {
        if gstr(o, "name") == Some("") {
            errs.required(&op.index(i), "must not be empty");
        }
    }
}

fn tolerations(list: &Value, p: &Path, errs: &mut Vec<FieldError>) {
    for (i, t) in list.items().enumerate() {
        let ip = p.index(i);
        let key = gstr(t, "key").unwrap_or("");
        let op = gstr(t, "operator").unwrap_or("");
        let effect = gstr(t, "effect").unwrap_or("");
        let value = gstr(t, "value").unwrap_or("");
        if !key.is_empty() {
            validate_label_name(key, &ip.child("key"), errs);
        }
        if key.is_empty() && op != "Exists" {
            errs.invalid(
                &ip.child("operator"),
                quote(op),
                "operator must be Exists when `key` is empty, which means \"match all values and all keys\"",
            );
        }
        if !t.get("tolerationSeconds").is_null() && effect != "NoExecute" {
            errs.invalid(
                &ip.child("effect"),
                quote(effect),
                "effect must be 'NoExecute' when `tolerationSeconds` is set",
            );
        }
        match op {
            "Equal" | "" => {
                let msgs = is_label_value(value);
                if !msgs.is_empty() {
                    errs.invalid(&ip.child("operator"), quote(value), &msgs.join(";"));
                }
            }
            "Exists" => {
                if !value.is_empty() {
                    let seconds = match gptr_int(t, "tolerationSeconds") {
                        Some(_) => "(*int64)(0xc000a1b2c3)",
                        None => "(*int64)(nil)",
                    };
                    errs.invalid(
                        &ip.child("operator"),
                        format!(
                            "core.Toleration{{Key:{}, Operator:{}, Value:{}, Effect:{}, TolerationSeconds:{seconds}}}",
                            quote(key),
                            quote(op),
                            quote(value),
                            quote(effect)
                        ),
                        "value must be empty when `operator` is 'Exists'",
                    );
                }
            }
            other => errs.not_supported(&ip.child("operator"), quote(other), &["Equal", "Exists"]),
        }
        if !effect.is_empty() && !matches!(effect, "NoSchedule" | "PreferNoSchedule" | "NoExecute")
        {
            errs.not_supported(
                &ip.child("effect"),
                quote(effect),
                &["NoSchedule", "PreferNoSchedule", "NoExecute"],
            );
        }
    }
}

fn affinity(a: &Value, p: &Path, errs: &mut Vec<FieldError>) {
    if a.as_object().is_none() {
        return;
    }
    let na = a.get("nodeAffinity");
    if na.as_object().is_some() {
        let nap = p.child("nodeAffinity");
        let req = na.get("requiredDuringSchedulingIgnoredDuringExecution");
        if req.as_object().is_some() {
            let rp = nap.child("requiredDuringSchedulingIgnoredDuringExecution");
            let tp = rp.child("nodeSelectorTerms");
            if req.get("nodeSelectorTerms").is_empty() {
                errs.required(&tp, "must have at least one node selector term");
            }
            for (i, term) in req.get("nodeSelectorTerms").items().enumerate() {
                node_selector_term(term, &tp.index(i), errs);
            }
        }
        let pp = nap.child("preferredDuringSchedulingIgnoredDuringExecution");
        for (i, t) in na
            .get("preferredDuringSchedulingIgnoredDuringExecution")
            .items()
            .enumerate()
        {
            let ip = pp.index(i);
            weight(t, &ip, errs);
            node_selector_term(t.get("preference"), &ip.child("preference"), errs);
        }
    }
    for key in ["podAffinity", "podAntiAffinity"] {
        let pa = a.get(key);
        if pa.as_object().is_none() {
            continue;
        }
        let pap = p.child(key);
        let rp = pap.child("requiredDuringSchedulingIgnoredDuringExecution");
        for (i, t) in pa
            .get("requiredDuringSchedulingIgnoredDuringExecution")
            .items()
            .enumerate()
        {
            pod_affinity_term(t, &rp.index(i), errs);
        }
        let pp = pap.child("preferredDuringSchedulingIgnoredDuringExecution");
        for (i, t) in pa
            .get("preferredDuringSchedulingIgnoredDuringExecution")
            .items()
            .enumerate()
        {
            let ip = pp.index(i);
            weight(t, &ip, errs);
            pod_affinity_term(t.get("podAffinityTerm"), &ip.child("podAffinityTerm"), errs);
        }
    }
}

fn weight(t: &Value, p: &Path, errs: &mut Vec<FieldError>) {
    if let Some(w) = gint(t, "weight")
        && !(1..=100).contains(&w)
    {
        errs.invalid(
            &p.child("weight"),
            w.to_string(),
            "must be in the range 1-100",
        );
    }
}

fn node_selector_term(term: &Value, p: &Path, errs: &mut Vec<FieldError>) {
    let ep = p.child("matchExpressions");
    for (i, r) in term.get("matchExpressions").items().enumerate() {
        let ip = ep.index(i);
        let n = r.get("values").items().len();
        match gstr(r, "operator").unwrap_or("") {
            "In" | "NotIn" => {
                if n == 0 {
                    errs.required(
                        &ip.child("values"),
                        "must be specified when `operator` is 'In' or 'NotIn'",
                    );
                }
            }
            "Exists" | "DoesNotExist" => {
                if n > 0 {
                    errs.forbidden(
                        &ip.child("values"),
                        "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                    );
                }
            }
            "Gt" | "Lt" => {
                if n != 1 {
                    errs.required(
                        &ip.child("values"),
                        "must be specified single value when `operator` is 'Lt' or 'Gt'",
                    );
                }
            }
            other => errs.invalid(
                &ip.child("operator"),
                quote(other),
                "not a valid selector operator",
            ),
        }
        validate_label_name(gstr(r, "key").unwrap_or(""), &ip.child("key"), errs);
    }
    let fp = p.child("matchFields");
    for (i, r) in term.get("matchFields").items().enumerate() {
        let ip = fp.index(i);
        match gstr(r, "operator").unwrap_or("") {
            "In" | "NotIn" => {
                if r.get("values").items().len() != 1 {
                    errs.required(
                        &ip.child("values"),
                        "must be only one value when `operator` is 'In' or 'NotIn' for node field selector",
                    );
                }
            }
            other => errs.invalid(
                &ip.child("operator"),
                quote(other),
                "not a valid selector operator",
            ),
        }
        let key = gstr(r, "key").unwrap_or("");
        if key != "metadata.name" {
            errs.invalid(
                &ip.child("key"),
                quote(key),
                "not a valid field selector key",
            );
        } else {
            let vp = ip.child("values");
            for (j, v) in r.get("values").items().enumerate() {
                if let Some(v) = v.as_str() {
                    errs.invalid_each(&vp.index(j), v, is_dns1123_subdomain(v));
                }
            }
        }
    }
}

fn pod_affinity_term(t: &Value, p: &Path, errs: &mut Vec<FieldError>) {
    if t.as_object().is_none() {
        return;
    }
    validate_label_selector(t.get("labelSelector"), &p.child("labelSelector"), errs);
    validate_label_selector(
        t.get("namespaceSelector"),
        &p.child("namespaceSelector"),
        errs,
    );
    for ns in t.get("namespaces").items() {
        if let Some(ns) = ns.as_str() {
            errs.invalid_each(&p.child("namespace"), ns, is_dns1123_label(ns));
        }
    }
    let key = gstr(t, "topologyKey").unwrap_or("");
    if key.is_empty() {
        errs.required(&p.child("topologyKey"), "can not be empty");
    }
    validate_label_name(key, &p.child("topologyKey"), errs);
}

fn topology_spread(list: &Value, p: &Path, errs: &mut Vec<FieldError>) {
    let items: Vec<&Value> = list.items().collect();
    for (i, c) in items.iter().enumerate() {
        let ip = p.index(i);
        let when = gstr(c, "whenUnsatisfiable").unwrap_or("");
        if let Some(skew) = gint(c, "maxSkew")
            && skew <= 0
        {
            errs.invalid(
                &ip.child("maxSkew"),
                skew.to_string(),
                "must be greater than zero",
            );
        }
        if let Some(md) = gptr_int(c, "minDomains") {
            if md <= 0 {
                errs.invalid(
                    &ip.child("minDomains"),
                    md.to_string(),
                    "must be greater than zero",
                );
            }
            if when != "DoNotSchedule" {
                errs.invalid(
                    &ip.child("minDomains"),
                    md.to_string(),
                    &format!(
                        "can only use minDomains if whenUnsatisfiable=DoNotSchedule, not {when}"
                    ),
                );
            }
        }
        let key = gstr(c, "topologyKey").unwrap_or("");
        if key.is_empty() {
            errs.required(&ip.child("topologyKey"), "can not be empty");
        }
        if !matches!(when, "DoNotSchedule" | "ScheduleAnyway") {
            errs.not_supported(
                &ip.child("whenUnsatisfiable"),
                quote(when),
                &["DoNotSchedule", "ScheduleAnyway"],
            );
        }
        let repeated = items[i + 1..].iter().any(|o| {
            gstr(o, "topologyKey").unwrap_or("") == key
                && gstr(o, "whenUnsatisfiable").unwrap_or("") == when
        });
        if repeated {
            errs.duplicate(
                &ip.child("{topologyKey, whenUnsatisfiable}"),
                quote(&format!("{{{key}, {when}}}")),
            );
        }
        for f in ["nodeAffinityPolicy", "nodeTaintsPolicy"] {
            if let Some(v) = c.get(f).as_str()
                && v != "Honor"
                && v != "Ignore"
            {
                errs.not_supported(&ip.child(f), quote(v), &["Honor", "Ignore"]);
            }
        }
        validate_label_selector(c.get("labelSelector"), &ip.child("labelSelector"), errs);
    }
}

// ---------------------------------------------------------------- updates

/// The fields a pod update may change (the message lists them as upstream,
/// joined by commas without spaces).
const UPDATABLE: &str = "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

/// `ValidatePodUpdate` beyond metadata and the spec itself.
fn pod_update(new: &Value, old: &Value, errs: &mut Vec<FieldError>) {
    let sp = Path::new("spec");
    let (ns, os) = (new.get("spec"), old.get("spec"));
    for list in ["containers", "initContainers"] {
        let lp = sp.child(list);
        if ns.get(list).items().len() != os.get(list).items().len() {
            errs.forbidden(&lp, "pod updates may not add or remove containers");
            return;
        }
        for (i, c) in ns.get(list).items().enumerate() {
            if gstr(c, "image") == Some("") {
                errs.required(&lp.index(i).child("image"), "");
            }
        }
    }
    let adp = sp.child("activeDeadlineSeconds");
    match (
        gptr_int(ns, "activeDeadlineSeconds"),
        gptr_int(os, "activeDeadlineSeconds"),
    ) {
        (Some(n), prev) => {
            if !(0..=i64::from(i32::MAX)).contains(&n) {
                errs.invalid(
                    &adp,
                    n.to_string(),
                    &inclusive_range_error(0, i64::from(i32::MAX)),
                );
                return;
            }
            if let Some(o) = prev
                && o < n
            {
                errs.invalid(
                    &adp,
                    n.to_string(),
                    "must be less than or equal to previous value",
                );
                return;
            }
        }
        (None, Some(_)) => {
            errs.invalid(
                &adp,
                "null".into(),
                "must not update from a positive integer to nil value",
            );
        }
        (None, None) => {}
    }
    // Only additions to tolerations (tolerationSeconds may change).
    let tp = sp.child("tolerations");
    let strip = |t: &Value| {
        let mut t = t.clone();
        t.remove("tolerationSeconds");
        t
    };
    let new_tols: Vec<Value> = ns.get("tolerations").items().map(strip).collect();
    if !os
        .get("tolerations")
        .items()
        .all(|o| new_tols.iter().any(|n| semantic_eq(&strip(o), n)))
    {
        errs.forbidden(
            &tp,
            "existing toleration can not be modified except its tolerationSeconds",
        );
    }
    // Only deletions of scheduling gates.
    let gp = sp.child("schedulingGates");
    let old_gates: Vec<&str> = os
        .get("schedulingGates")
        .items()
        .filter_map(|g| gstr(g, "name"))
        .collect();
    for (i, g) in ns.get("schedulingGates").items().enumerate() {
        let name = gstr(g, "name").unwrap_or("");
        if !old_gates.contains(&name) {
            errs.forbidden(
                &gp.index(i).child("name"),
                &format!("only deletion is allowed, but found new scheduling gate '{name}'"),
            );
        }
    }
    if semantic_eq(ns, os) {
        return;
    }
    let old_qos = old
        .at(&["status", "qosClass"])
        .as_str()
        .unwrap_or_else(|| pod_qos_class(old));
    let new_qos = pod_qos_class(new);
    if old_qos != new_qos {
        let shown = new.at(&["status", "qosClass"]).as_str().unwrap_or("");
        errs.invalid(&Path::new("metadata"), quote(shown), "Pod QoS is immutable");
    }
    // Compare the specs with the mutable fields taken from the old one.
    let mut munged = ns.clone();
    for list in ["containers", "initContainers"] {
        let images: Vec<Value> = os
            .get(list)
            .items()
            .map(|c| c.get("image").clone())
            .collect();
        if let Some(Value::Array(items)) = munged.as_object_mut().and_then(|m| m.get_mut(list)) {
            for (c, image) in std::rc::Rc::make_mut(items).iter_mut().zip(images) {
                if c.as_object().is_some() {
                    c.set("image", image);
                }
            }
        }
    }
    for f in ["activeDeadlineSeconds", "schedulingGates", "tolerations"] {
        set_or_remove(&mut munged, f, os.get(f));
    }
    if let (Some(o), Some(1)) = (
        gptr_int(os, "terminationGracePeriodSeconds"),
        gptr_int(&munged, "terminationGracePeriodSeconds"),
    ) && o < 0
    {
        munged.set("terminationGracePeriodSeconds", Value::Int(o));
    }
    if !semantic_eq(&munged, os) {
        let msg = format!(
            "pod updates may not change fields other than {UPDATABLE}\n{}",
            spec_diff(os, &munged)
        );
        errs.forbidden(&sp, &msg);
    }
}

fn set_or_remove(obj: &mut Value, key: &str, v: &Value) {
    if v.is_null() {
        obj.remove(key);
    } else if obj.as_object().is_some() {
        obj.set(key, v.clone());
    }
}

/// An approximation of the `cmp.Diff` upstream appends to the forbidden
/// pod update message: the changed top-level fields of the pod spec, by Go
/// field name, old (`-`) and new (`+`).
fn spec_diff(old: &Value, new: &Value) -> String {
    let mut keys: Vec<&str> = old.members().map(|(k, _)| k).collect();
    for (k, _) in new.members() {
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    keys.compact_sort();
    let mut out = String::from("  core.PodSpec{\n");
    let mut same = 0;
    let flush = |out: &mut String, same: &mut usize| {
        if *same > 0 {
            out.push_str(&format!("  \t... // {same} identical fields\n"));
            *same = 0;
        }
    };
    for k in keys {
        let (a, b) = (old.get(k), new.get(k));
        if semantic_eq(a, b) {
            same += 1;
            continue;
        }
        flush(&mut out, &mut same);
        let field = go_field_name(k);
        if !a.is_null() {
            out.push_str(&format!("- \t{field}: {},\n", go_value(a)));
        }
        if !b.is_null() {
            out.push_str(&format!("+ \t{field}: {},\n", go_value(b)));
        }
    }
    flush(&mut out, &mut same);
    out.push_str("  }\n");
    out
}

fn go_field_name(json: &str) -> String {
    match json {
        "dnsPolicy" => "DNSPolicy".into(),
        "dnsConfig" => "DNSConfig".into(),
        "os" => "OS".into(),
        _ => {
            let mut c = json.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        }
    }
}

fn go_value(v: &Value) -> String {
    match v {
        Value::Object(_) => format!("&{{{}}}", short_members(v)),
        Value::Array(items) => format!(
            "{{{}}}",
            items
                .iter()
                .map(|i| match i {
                    Value::Object(_) => format!("{{{}}}", short_members(i)),
                    other => gofmt::scalar(other),
                })
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => gofmt::scalar(other),
    }
}

fn short_members(v: &Value) -> String {
    v.members()
        .map(|(k, x)| {
            let inner = match x {
                Value::Object(_) | Value::Array(_) => "{...}".to_string(),
                other => gofmt::scalar(other),
            };
            format!("{}: {inner}", go_field_name(k))
        })
        .collect::<Vec<_>>()
        .join(", ")
}
