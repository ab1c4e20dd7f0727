//! Defaulting as kube-apiserver does it: the fields it fills in when a
//! manifest leaves them out (`pkg/apis/*/v1/defaults.go`), the few values
//! its registry strategies set on create, and the fields Go's JSON encoder
//! always prints for empty structs (`resources: {}`).
//!
//! [`apply_defaults`] runs on every object decoded from a request.
//! [`admit_pod`] adds what the default admission plugins set on a new Pod
//! (priority, service account, not-ready/unreachable tolerations).
//!
//! Defaulting writes only where something changes: a Pod stamped from an
//! already defaulted template keeps sharing the template's subtrees.

use crate::api::schema::golang;
use std::rc::Rc;

use crate::api::errors::StatusError;
use crate::api::registry::ResourceId;
use crate::quantity::Quantity;
use crate::value::Value;

/// Fills in the defaults of an object of `resource` (in its preferred
/// version), in place.
pub fn apply_defaults(resource: ResourceId, object: &mut Value) {
    if object.as_object().is_none() {
        return;
    }
    let rt = resource.get();
    if !rt.namespaced && !object.at(&["metadata", "namespace"]).is_null() {
        // BeforeCreate clears the namespace of cluster-scoped objects.
        if let Some(meta) = obj_child(object, "metadata") {
            meta.remove("namespace");
        }
    }
    match (rt.group, rt.kind) {
        ("", "Pod") => pod(object),
        ("", "PodTemplate") => template_at(object, &["template"]),
        ("", "ReplicationController") => replication_controller(object),
        ("", "Service") => service(object),
        ("", "Namespace") => namespace(object),
        ("", "Node") => node(object),
        ("", "Secret") => secret(object),
        ("", "Endpoints") => endpoints(object),
        ("", "Event") => event(object),
        ("", "PersistentVolumeClaim") => pvc(object),
        ("", "PersistentVolume") => pv(object),
        ("", "LimitRange") => crate::apiserver::quota::default_limit_range(object),
        ("apps", "Deployment") => deployment(object),
        ("apps", "ReplicaSet") => replica_set(object),
        ("apps", "DaemonSet") => daemon_set(object),
        ("apps", "StatefulSet") => stateful_set(object),
        ("batch", "Job") => job(object),
        ("batch", "CronJob") => cron_job(object),
        ("autoscaling", "HorizontalPodAutoscaler") => horizontal_pod_autoscaler(object),
        ("scheduling.k8s.io", "PriorityClass") => {
            // SetDefaults_PriorityClass.
            set_if_null(object, "preemptionPolicy", || {
                Value::str("PreemptLowerPriority")
            });
        }
        ("apiregistration.k8s.io", "APIService") => {
            // SetDefaults_ServiceReference.
            if let Some(service) = obj_child(object, "spec").and_then(|s| obj_child(s, "service")) {
                set_if_null(service, "port", || Value::Int(443));
            }
        }
        ("storage.k8s.io", "StorageClass") => {
            // SetDefaults_StorageClass.
            set_if_null(object, "reclaimPolicy", || Value::str("Delete"));
            set_if_null(object, "volumeBindingMode", || Value::str("Immediate"));
        }
        ("discovery.k8s.io", "EndpointSlice") => endpoint_slice(object),
        ("rbac.authorization.k8s.io", "Role" | "ClusterRole") => {
            // `rules` has no omitempty: the server always writes it.
            set_if_null(object, "rules", || Value::Null);
        }
        ("rbac.authorization.k8s.io", "RoleBinding" | "ClusterRoleBinding") => {
            crate::api::validation::rbac::default_binding(object);
        }
        ("networking.k8s.io", "Ingress") => ingress(object),
        ("networking.k8s.io", "IngressClass") => ingress_class(object),
        ("networking.k8s.io", "NetworkPolicy") => network_policy(object),
        _ => {}
    }
}

/// Defaults of an Ingress in `extensions/v1beta1` or `networking.k8s.io/v1beta1`
/// (run before converting to v1): a path without `pathType` gets
/// `ImplementationSpecific`. `networking.k8s.io/v1` has no Ingress defaults.
pub fn default_ingress_v1beta1(ingress: &mut Value) {
    let Some(spec) = obj_child(ingress, "spec") else {
        return;
    };
    let Some(rules) = arr_child(spec, "rules") else {
        return;
    };
    for rule in rules.iter_mut() {
        let Some(http) = obj_child(rule, "http") else {
            continue;
        };
        let Some(paths) = arr_child(http, "paths") else {
            continue;
        };
        for p in paths.iter_mut() {
            set_str(p, "pathType", "ImplementationSpecific");
        }
    }
}

// ---------------------------------------------------------------- helpers

/// Go's zero value for a string field: absent, `null` or `""`.
fn unset_str(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        _ => false,
    }
}

/// Go's zero value for an int field: absent, `null` or `0`.
fn unset_int(v: &Value) -> bool {
    v.is_null() || v.as_i64() == Some(0)
}

/// Sets a string field when it is unset (and `obj` is an object).
fn set_str(obj: &mut Value, key: &str, def: &str) {
    if obj.as_object().is_some() && unset_str(obj.get(key)) {
        obj.set(key, Value::str(def));
    }
}

/// Sets a pointer field (int, bool, object) when it is absent or `null`.
fn set_if_null(obj: &mut Value, key: &str, def: impl FnOnce() -> Value) {
    if obj.as_object().is_some() && obj.get(key).is_null() {
        obj.set(key, def());
    }
}

/// Sets a non-pointer int field when it is absent, `null` or 0.
fn set_int_if_zero(obj: &mut Value, key: &str, def: i64) {
    if obj.as_object().is_some() && unset_int(obj.get(key)) {
        obj.set(key, Value::Int(def));
    }
}

/// The member `key` for writing, when it is an object.
fn obj_child<'a>(v: &'a mut Value, key: &str) -> Option<&'a mut Value> {
    if !matches!(v.get(key), Value::Object(_)) {
        return None;
    }
    v.as_object_mut()?.get_mut(key)
}

/// The member `key` for writing, created as `{}` when absent or `null`;
/// `None` when it holds another type.
fn ensure_obj<'a>(v: &'a mut Value, key: &str) -> Option<&'a mut Value> {
    v.as_object()?;
    if v.get(key).is_null() {
        v.set(key, Value::object());
    }
    obj_child(v, key)
}

/// The items of the array member `key` for writing.
fn arr_child<'a>(v: &'a mut Value, key: &str) -> Option<&'a mut Vec<Value>> {
    if !matches!(v.get(key), Value::Array(_)) {
        return None;
    }
    v.as_object_mut()?.get_mut(key)?.as_array_mut()
}

/// Runs `f` on each object item of the array member `key` for which
/// `needs` is true, unsharing only what is written.
fn each_item(
    v: &mut Value,
    key: &str,
    needs: impl Fn(&Value) -> bool,
    mut f: impl FnMut(&mut Value),
) {
    if !v.get(key).items().any(&needs) {
        return;
    }
    if let Some(items) = arr_child(v, key) {
        for it in items.iter_mut() {
            if it.as_object().is_some() && needs(it) {
                f(it);
            }
        }
    }
}

/// Runs `f` on the object at `path` below `v`, if there is one.
fn at_mut(v: &mut Value, path: &[&str], f: impl FnOnce(&mut Value)) {
    let mut cur = v;
    for k in path {
        match obj_child(cur, k) {
            Some(c) => cur = c,
            None => return,
        }
    }
    f(cur);
}

// ---------------------------------------------------------------- pods

/// Whether the image's tag is `latest`, explicitly or by omission (a digest
/// counts as a tag), as `parsers.ParseImageName` decides. A reference that
/// does not parse has no tag.
pub fn image_pulls_always(image: &str) -> bool {
    match parse_image(image) {
        Some((tag, digest)) => tag == Some("latest") || (tag.is_none() && !digest),
        None => false,
    }
}

/// The container's default `imagePullPolicy`.
pub fn default_pull_policy(image: &str) -> &'static str {
    if image_pulls_always(image) {
        "Always"
    } else {
        "IfNotPresent"
    }
}

/// Parses a Docker reference (`ParseNormalizedNamed`): returns the tag and
/// whether a digest is present, `None` when the reference is malformed.
fn parse_image(image: &str) -> Option<(Option<&str>, bool)> {
    if image.is_empty() || image.len() > 4096 {
        return None;
    }
    // A bare 64-hex string is refused as ambiguous with an image ID.
    if image.len() == 64
        && image
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        return None;
    }
    let (name_tag, digest) = match image.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (image, None),
    };
    if let Some(d) = digest
        && !valid_digest(d)
    {
        return None;
    }
    // The domain is the first component when it looks like a host.
    let (domain, remainder) = match name_tag.split_once('/') {
        Some((first, rest))
            if first.contains(['.', ':'])
                || first == "localhost"
                || crate::casemap::to_lower(first) != first =>
        {
            (Some(first), rest)
        }
        _ => (None, name_tag),
    };
    let (path, tag) = match remainder.rsplit_once(':') {
        Some((p, t)) => (p, Some(t)),
        None => (remainder, None),
    };
    if crate::casemap::to_lower(path) != path {
        return None;
    }
    if let Some(d) = domain
        && !valid_domain(d)
    {
        return None;
    }
    if path.is_empty() || !path.split('/').all(valid_path_component) {
        return None;
    }
    let name_len = domain.map_or(0, |d| d.len() + 1) + path.len();
    if name_len > 255 {
        return None;
    }
    if let Some(t) = tag {
        let b = t.as_bytes();
        let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
        if b.is_empty()
            || b.len() > 128
            || !word(b[0])
            || !b.iter().all(|&c| word(c) || c == b'.' || c == b'-')
        {
            return None;
        }
    }
    Some((tag, digest.is_some()))
}

fn valid_digest(d: &str) -> bool {
    let Some((alg, hex)) = d.split_once(':') else {
        return false;
    };
    !alg.is_empty()
        && alg.as_bytes()[0].is_ascii_alphabetic()
        && alg
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'+' | b'.'))
        && hex.len() >= 32
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

fn valid_domain(d: &str) -> bool {
    let (host, port) = match d.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || d.starts_with('[') => (h, Some(p)),
        _ => (d, None),
    };
    if let Some(p) = port
        && (p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return false;
    }
    if host.starts_with('[') {
        return host.ends_with(']');
    }
    !host.is_empty()
        && host.split('.').all(|c| {
            let b = c.as_bytes();
            !b.is_empty()
                && b[0].is_ascii_alphanumeric()
                && b[b.len() - 1].is_ascii_alphanumeric()
                && b.iter().all(|&x| x.is_ascii_alphanumeric() || x == b'-')
        })
}

/// `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*`
fn valid_path_component(c: &str) -> bool {
    let b = c.as_bytes();
    let alnum = |x: u8| x.is_ascii_lowercase() || x.is_ascii_digit();
    if b.is_empty() || !alnum(b[0]) || !alnum(b[b.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if alnum(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && !alnum(b[i]) {
            i += 1;
        }
        let sep = &b[start..i];
        let ok = sep == b"." || sep == b"_" || sep == b"__" || sep.iter().all(|&x| x == b'-');
        if !ok {
            return false;
        }
    }
    true
}

const CONTAINER_LISTS: [&str; 3] = ["containers", "initContainers", "ephemeralContainers"];
const PROBES: [&str; 3] = ["livenessProbe", "readinessProbe", "startupProbe"];

/// Volume source keys; a volume with none of them becomes an `emptyDir`.
const VOLUME_SOURCES: &[&str] = &[
    "hostPath",
    "emptyDir",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "secret",
    "nfs",
    "iscsi",
    "glusterfs",
    "persistentVolumeClaim",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "downwardAPI",
    "fc",
    "azureFile",
    "configMap",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "projected",
    "portworxVolume",
    "scaleIO",
    "storageos",
    "csi",
    "ephemeral",
    "image",
];

/// True when `SetDefaults_PodSpec` and the container, probe and volume
/// defaults would change `spec`. Checked first so that an already defaulted
/// (possibly shared) spec is not unshared.
fn pod_spec_needs(spec: &Value) -> bool {
    if spec.as_object().is_none() {
        return false;
    }
    unset_str(spec.get("dnsPolicy"))
        || unset_str(spec.get("restartPolicy"))
        || spec.get("securityContext").is_null()
        || spec.get("terminationGracePeriodSeconds").is_null()
        || unset_str(spec.get("schedulerName"))
        || CONTAINER_LISTS
            .iter()
            .any(|l| spec.get(l).items().any(container_needs))
        || spec.get("volumes").items().any(volume_needs)
}

fn container_needs(c: &Value) -> bool {
    if c.as_object().is_none() {
        return false;
    }
    unset_str(c.get("imagePullPolicy"))
        || unset_str(c.get("terminationMessagePath"))
        || unset_str(c.get("terminationMessagePolicy"))
        || c.get("resources").is_null()
        || resources_need_rounding(c.get("resources"))
        || c.get("ports")
            .items()
            .any(|p| p.as_object().is_some() && unset_str(p.get("protocol")))
        || PROBES.iter().any(|p| probe_needs(c.get(p)))
        || ["postStart", "preStop"]
            .iter()
            .any(|h| http_get_needs(c.at(&["lifecycle", h, "httpGet"])))
        || c.get("env").items().any(|e| {
            let fr = e.at(&["valueFrom", "fieldRef"]);
            fr.as_object().is_some() && unset_str(fr.get("apiVersion"))
        })
}

fn probe_needs(p: &Value) -> bool {
    p.as_object().is_some()
        && ([
            "timeoutSeconds",
            "periodSeconds",
            "successThreshold",
            "failureThreshold",
        ]
        .iter()
        .any(|k| unset_int(p.get(k)))
            || http_get_needs(p.get("httpGet")))
}

fn http_get_needs(h: &Value) -> bool {
    h.as_object().is_some() && (unset_str(h.get("path")) || unset_str(h.get("scheme")))
}

fn volume_needs(v: &Value) -> bool {
    if v.as_object().is_none() {
        return false;
    }
    if !VOLUME_SOURCES.iter().any(|k| !v.get(k).is_null()) {
        return true;
    }
    let mode_missing = |k: &str| {
        let s = v.get(k);
        s.as_object().is_some() && s.get("defaultMode").is_null()
    };
    mode_missing("secret")
        || mode_missing("configMap")
        || mode_missing("downwardAPI")
        || mode_missing("projected")
        || v.at(&["hostPath"]).as_object().is_some() && v.at(&["hostPath", "type"]).is_null()
        || v.at(&["downwardAPI", "items"]).items().any(field_ref_needs)
        || v.at(&["projected", "sources"]).items().any(|s| {
            let sat = s.get("serviceAccountToken");
            (sat.as_object().is_some() && sat.get("expirationSeconds").is_null())
                || s.at(&["downwardAPI", "items"]).items().any(field_ref_needs)
        })
        || {
            let spec = v.at(&["ephemeral", "volumeClaimTemplate", "spec"]);
            spec.as_object().is_some() && spec.get("volumeMode").is_null()
        }
}

fn field_ref_needs(item: &Value) -> bool {
    let fr = item.get("fieldRef");
    fr.as_object().is_some() && unset_str(fr.get("apiVersion"))
}

/// `SetDefaults_PodSpec` plus the defaults of everything inside a pod spec.
fn pod_spec(spec: &mut Value) {
    if !pod_spec_needs(spec) {
        return;
    }
    set_str(spec, "dnsPolicy", "ClusterFirst");
    set_str(spec, "restartPolicy", "Always");
    set_if_null(spec, "securityContext", Value::object);
    set_if_null(spec, "terminationGracePeriodSeconds", || Value::Int(30));
    set_str(spec, "schedulerName", "default-scheduler");
    for list in CONTAINER_LISTS {
        each_item(spec, list, container_needs, container);
    }
    each_item(spec, "volumes", volume_needs, volume);
}

/// `SetDefaults_Container` and the defaults of its ports, probes,
/// lifecycle handlers, env field references and resource quantities.
pub(crate) fn container(c: &mut Value) {
    if unset_str(c.get("imagePullPolicy")) {
        let policy = default_pull_policy(c.get("image").as_str().unwrap_or(""));
        set_str(c, "imagePullPolicy", policy);
    }
    set_str(c, "terminationMessagePath", "/dev/termination-log");
    set_str(c, "terminationMessagePolicy", "File");
    // ResourceRequirements is a struct: Go always prints `resources: {}`.
    set_if_null(c, "resources", Value::object);
    if resources_need_rounding(c.get("resources"))
        && let Some(r) = obj_child(c, "resources")
    {
        for list in ["limits", "requests"] {
            if let Some(l) = obj_child(r, list) {
                round_resource_list(l);
            }
        }
    }
    each_item(
        c,
        "ports",
        |p| unset_str(p.get("protocol")),
        |p| set_str(p, "protocol", "TCP"),
    );
    for probe_key in PROBES {
        if probe_needs(c.get(probe_key))
            && let Some(p) = obj_child(c, probe_key)
        {
            probe(p);
        }
    }
    for h in ["postStart", "preStop"] {
        if http_get_needs(c.at(&["lifecycle", h, "httpGet"])) {
            at_mut(c, &["lifecycle", h, "httpGet"], http_get);
        }
    }
    each_item(
        c,
        "env",
        |e| {
            let fr = e.at(&["valueFrom", "fieldRef"]);
            fr.as_object().is_some() && unset_str(fr.get("apiVersion"))
        },
        |e| {
            at_mut(e, &["valueFrom", "fieldRef"], |fr| {
                set_str(fr, "apiVersion", "v1")
            })
        },
    );
}

/// `SetDefaults_Probe` and its `httpGet` handler.
fn probe(p: &mut Value) {
    set_int_if_zero(p, "timeoutSeconds", 1);
    set_int_if_zero(p, "periodSeconds", 10);
    set_int_if_zero(p, "successThreshold", 1);
    set_int_if_zero(p, "failureThreshold", 3);
    if http_get_needs(p.get("httpGet"))
        && let Some(h) = obj_child(p, "httpGet")
    {
        http_get(h);
    }
}

/// `SetDefaults_HTTPGetAction`
fn http_get(h: &mut Value) {
    set_str(h, "path", "/");
    set_str(h, "scheme", "HTTP");
}

/// `SetDefaults_Volume` and the defaults of its source.
fn volume(v: &mut Value) {
    if !VOLUME_SOURCES.iter().any(|k| !v.get(k).is_null()) {
        v.set("emptyDir", Value::object());
        return;
    }
    for src in ["secret", "configMap", "downwardAPI", "projected"] {
        if let Some(s) = obj_child(v, src) {
            // 0644, printed as 420.
            set_if_null(s, "defaultMode", || Value::Int(420));
        }
    }
    if let Some(hp) = obj_child(v, "hostPath") {
        // HostPathUnset is the empty string, printed as `type: ""`.
        set_if_null(hp, "type", || Value::str(""));
    }
    if let Some(d) = obj_child(v, "downwardAPI") {
        each_item(d, "items", field_ref_needs, |it| {
            at_mut(it, &["fieldRef"], |fr| set_str(fr, "apiVersion", "v1"));
        });
    }
    if let Some(p) = obj_child(v, "projected") {
        each_item(
            p,
            "sources",
            |_| true,
            |s| {
                if let Some(sat) = obj_child(s, "serviceAccountToken") {
                    set_if_null(sat, "expirationSeconds", || Value::Int(3600));
                }
                if let Some(d) = obj_child(s, "downwardAPI") {
                    each_item(d, "items", field_ref_needs, |it| {
                        at_mut(it, &["fieldRef"], |fr| set_str(fr, "apiVersion", "v1"));
                    });
                }
            },
        );
    }
    at_mut(v, &["ephemeral", "volumeClaimTemplate", "spec"], |s| {
        set_if_null(s, "volumeMode", || Value::str("Filesystem"));
    });
}

/// A quantity as a string (numbers are written without quotes in YAML).
fn quantity_text(v: &Value) -> Option<std::borrow::Cow<'_, str>> {
    match v {
        Value::String(s) => Some(std::borrow::Cow::Borrowed(s)),
        Value::Int(i) => Some(std::borrow::Cow::Owned(i.to_string())),
        Value::Float(f) => Some(std::borrow::Cow::Owned(crate::yaml::format_float(*f))),
        _ => None,
    }
}

/// A quantity rounded up to the milli scale (`RoundUp(-3)`), for those
/// with digits below a thousandth.
fn rounded_to_milli(v: &Value) -> Option<Quantity> {
    let text = quantity_text(v)?;
    let q = Quantity::parse(&text).ok()?;
    Some(Quantity::from_milli(q.milli_value()))
}

fn resources_need_rounding(r: &Value) -> bool {
    ["limits", "requests"]
        .iter()
        .any(|l| r.get(l).members().any(|(_, q)| sub_milli(q)))
}

/// True for quantities with a non-zero digit below the milli scale.
fn sub_milli(v: &Value) -> bool {
    let Some(text) = quantity_text(v) else {
        return false;
    };
    match Quantity::parse(&text) {
        Ok(q) => {
            let s = q.to_string();
            s.ends_with('n') || s.ends_with('u')
        }
        Err(_) => false,
    }
}

fn round_resource_list(list: &mut Value) {
    let keys: Vec<Rc<str>> = list
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(_, q)| sub_milli(q))
                .map(|(k, _)| k.clone())
                .collect()
        })
        .unwrap_or_default();
    for k in keys {
        if let Some(r) = rounded_to_milli(list.get(&k)) {
            list.set(&k, Value::from(r.to_string()));
        }
    }
}

/// `SetDefaults_Pod`: requests from limits, `enableServiceLinks`, host ports
/// under host networking; then the pod spec defaults.
fn pod(p: &mut Value) {
    let Some(spec) = obj_child(p, "spec") else {
        return;
    };
    pod_spec(spec);
    for list in ["containers", "initContainers"] {
        each_item(spec, list, requests_missing, |c| {
            let limits = c.at(&["resources", "limits"]).clone();
            if let Some(r) = ensure_obj(c, "resources")
                && let Some(req) = ensure_obj(r, "requests")
            {
                for (k, v) in limits.members() {
                    if req.get(k).is_null() {
                        req.set(k, v.clone());
                    }
                }
            }
        });
    }
    set_if_null(spec, "enableServiceLinks", || Value::Bool(true));
    if spec.get("hostNetwork").as_bool() == Some(true) {
        for list in ["containers", "initContainers"] {
            each_item(
                spec,
                list,
                |c| c.get("ports").items().any(host_port_missing),
                |c| {
                    each_item(c, "ports", host_port_missing, |port| {
                        let cp = port.get("containerPort").clone();
                        port.set("hostPort", cp);
                    });
                },
            );
        }
    }
}

fn requests_missing(c: &Value) -> bool {
    let limits = c.at(&["resources", "limits"]);
    let requests = c.at(&["resources", "requests"]);
    limits.members().any(|(k, _)| requests.get(k).is_null())
}

fn host_port_missing(p: &Value) -> bool {
    p.as_object().is_some() && unset_int(p.get("hostPort")) && !p.get("containerPort").is_null()
}

/// Pod template defaults at `path` (`spec.template`).
fn template_at(obj: &mut Value, path: &[&str]) {
    let mut full: Vec<&str> = path.to_vec();
    full.push("spec");
    if pod_spec_needs(obj.at(&full)) {
        at_mut(obj, &full, pod_spec);
    }
}

// ---------------------------------------------------------------- workloads

fn deployment(d: &mut Value) {
    let Some(spec) = ensure_obj(d, "spec") else {
        return;
    };
    set_if_null(spec, "replicas", || Value::Int(1));
    if let Some(strategy) = ensure_obj(spec, "strategy") {
        set_str(strategy, "type", "RollingUpdate");
        if strategy.get("type").as_str() == Some("RollingUpdate")
            && let Some(ru) = ensure_obj(strategy, "rollingUpdate")
        {
            set_if_null(ru, "maxUnavailable", || Value::str("25%"));
            set_if_null(ru, "maxSurge", || Value::str("25%"));
        }
    }
    set_if_null(spec, "revisionHistoryLimit", || Value::Int(10));
    set_if_null(spec, "progressDeadlineSeconds", || Value::Int(600));
    template_at(d, &["spec", "template"]);
}

fn replica_set(rs: &mut Value) {
    if let Some(spec) = ensure_obj(rs, "spec") {
        set_if_null(spec, "replicas", || Value::Int(1));
    }
    template_at(rs, &["spec", "template"]);
}

fn replication_controller(rc: &mut Value) {
    let labels = rc.at(&["spec", "template", "metadata", "labels"]).clone();
    if let Some(spec) = ensure_obj(rc, "spec") {
        set_if_null(spec, "replicas", || Value::Int(1));
        if labels.as_object().is_some() && spec.get("selector").is_empty() {
            spec.set("selector", labels.clone());
        }
    }
    if labels.as_object().is_some()
        && rc.at(&["metadata", "labels"]).is_empty()
        && let Some(meta) = ensure_obj(rc, "metadata")
    {
        meta.set("labels", labels);
    }
    template_at(rc, &["spec", "template"]);
}

fn daemon_set(ds: &mut Value) {
    let Some(spec) = ensure_obj(ds, "spec") else {
        return;
    };
    if let Some(us) = ensure_obj(spec, "updateStrategy") {
        set_str(us, "type", "RollingUpdate");
        if us.get("type").as_str() == Some("RollingUpdate")
            && let Some(ru) = ensure_obj(us, "rollingUpdate")
        {
            set_if_null(ru, "maxUnavailable", || Value::Int(1));
            set_if_null(ru, "maxSurge", || Value::Int(0));
        }
    }
    set_if_null(spec, "revisionHistoryLimit", || Value::Int(10));
    template_at(ds, &["spec", "template"]);
}

fn stateful_set(ss: &mut Value) {
    let Some(spec) = ensure_obj(ss, "spec") else {
        return;
    };
    set_str(spec, "podManagementPolicy", "OrderedReady");
    if let Some(us) = ensure_obj(spec, "updateStrategy") {
        if unset_str(us.get("type")) {
            us.set("type", Value::str("RollingUpdate"));
            set_if_null(us, "rollingUpdate", Value::object);
        }
        if us.get("type").as_str() == Some("RollingUpdate")
            && let Some(ru) = obj_child(us, "rollingUpdate")
        {
            set_if_null(ru, "partition", || Value::Int(0));
        }
    }
    if let Some(p) = ensure_obj(spec, "persistentVolumeClaimRetentionPolicy") {
        set_str(p, "whenDeleted", "Retain");
        set_str(p, "whenScaled", "Retain");
    }
    set_if_null(spec, "replicas", || Value::Int(1));
    set_if_null(spec, "revisionHistoryLimit", || Value::Int(10));
    // SetObjectDefaults_StatefulSet defaults each claim template as a
    // PersistentVolumeClaim, and the server writes its type.
    each_item(
        spec,
        "volumeClaimTemplates",
        |t| t.as_object().is_some(),
        |t| {
            set_if_null(t, "apiVersion", || Value::str("v1"));
            set_if_null(t, "kind", || Value::str("PersistentVolumeClaim"));
            pvc(t);
        },
    );
    template_at(ss, &["spec", "template"]);
}

fn job_spec(spec: &mut Value) {
    if spec.get("completions").is_null() && spec.get("parallelism").is_null() {
        spec.set("completions", Value::Int(1));
    }
    set_if_null(spec, "parallelism", || Value::Int(1));
    if spec.get("backoffLimit").is_null() {
        // With a per-index limit the global one is effectively unlimited.
        let limit = if spec.get("backoffLimitPerIndex").is_null() {
            6
        } else {
            i64::from(i32::MAX)
        };
        spec.set("backoffLimit", Value::Int(limit));
    }
    set_if_null(spec, "completionMode", || Value::str("NonIndexed"));
    set_if_null(spec, "suspend", || Value::Bool(false));
    if spec.get("podReplacementPolicy").is_null() {
        let policy = if spec.get("podFailurePolicy").is_null() {
            "TerminatingOrFailed"
        } else {
            "Failed"
        };
        spec.set("podReplacementPolicy", Value::str(policy));
    }
}

fn job(j: &mut Value) {
    if let Some(spec) = ensure_obj(j, "spec") {
        job_spec(spec);
        // SetDefaults_Job only: a CronJob's jobTemplate keeps it unset.
        set_if_null(spec, "manualSelector", || Value::Bool(false));
    }
    job_labels_from_template(j);
    template_at(j, &["spec", "template"]);
}

/// `SetDefaults_Job`: a Job without labels takes its pod template's. It runs
/// when a request is decoded and again when the stored Job is read back, so
/// a Job created without labels shows its template's, the generated ones
/// included (the API server applies that second copy after validation).
pub fn job_labels_from_template(j: &mut Value) {
    let labels = j.at(&["spec", "template", "metadata", "labels"]).clone();
    if labels.as_object().is_some()
        && j.at(&["metadata", "labels"]).is_empty()
        && let Some(meta) = ensure_obj(j, "metadata")
    {
        meta.set("labels", labels);
    }
}

/// The label kube-apiserver puts on a Job's pod template to name the Job.
pub const JOB_NAME_LABEL: &str = "batch.kubernetes.io/job-name";
/// The label that makes a Job's selector match only its own pods.
pub const CONTROLLER_UID_LABEL: &str = "batch.kubernetes.io/controller-uid";
/// The unprefixed labels kube-apiserver still adds beside them.
pub const LEGACY_JOB_LABELS: [&str; 2] = ["job-name", "controller-uid"];

/// The Job strategy's `generateSelectorIfNeeded` (`PrepareForCreate`), for
/// a Job whose uid is `uid`: unless `spec.manualSelector` is true, the pod
/// template gets the job-name and controller-uid labels (prefixed and
/// legacy; labels the user set are kept, validation judges them) and the
/// selector matches the prefixed controller-uid. See
/// [`job_labels_from_template`] for the Job's own labels.
pub fn generate_job_selector(job: &mut Value, uid: &str) {
    if job.at(&["spec", "manualSelector"]).as_bool() == Some(true)
        || job.get("spec").as_object().is_none()
    {
        return;
    }
    let name = job.str_at(&["metadata", "name"]).unwrap_or("").to_string();
    let Some(template) = ensure_obj(job.entry("spec"), "template") else {
        return;
    };
    let Some(meta) = ensure_obj(template, "metadata") else {
        return;
    };
    let Some(labels) = ensure_obj(meta, "labels") else {
        return;
    };
    for (key, value) in [
        (LEGACY_JOB_LABELS[0], &*name),
        (JOB_NAME_LABEL, &*name),
        (LEGACY_JOB_LABELS[1], uid),
        (CONTROLLER_UID_LABEL, uid),
    ] {
        set_if_null(labels, key, || Value::str(value));
    }
    let Some(selector) = ensure_obj(job.entry("spec"), "selector") else {
        return;
    };
    if let Some(match_labels) = ensure_obj(selector, "matchLabels") {
        set_if_null(match_labels, CONTROLLER_UID_LABEL, || Value::str(uid));
    }
}

/// `SetDefaults_HorizontalPodAutoscaler` (autoscaling/v2): one replica at
/// least, an 80% CPU utilization target when no metric is given, and every
/// scaling rule filled in once a behavior is.
fn horizontal_pod_autoscaler(hpa: &mut Value) {
    let Some(spec) = ensure_obj(hpa, "spec") else {
        return;
    };
    set_if_null(spec, "minReplicas", || Value::Int(1));
    if spec.get("metrics").is_empty() {
        let cpu = Value::from_pairs([
            ("type", Value::str("Resource")),
            (
                "resource",
                Value::from_pairs([
                    ("name", Value::str("cpu")),
                    (
                        "target",
                        Value::from_pairs([
                            ("type", Value::str("Utilization")),
                            ("averageUtilization", Value::Int(80)),
                        ]),
                    ),
                ]),
            ),
        ]);
        spec.set("metrics", Value::array(vec![cpu]));
    }
    let Some(behavior) = obj_child(spec, "behavior") else {
        return;
    };
    let policy = |ty: &str, value: i64| {
        Value::from_pairs([
            ("type", Value::str(ty)),
            ("value", Value::Int(value)),
            ("periodSeconds", Value::Int(15)),
        ])
    };
    // `GenerateHPAScaleUpRules` / `GenerateHPAScaleDownRules`: the defaults,
    // with every field the user set copied over them. Scale-down keeps no
    // stabilization window (the controller's flag decides it).
    let up = Value::from_pairs([
        ("stabilizationWindowSeconds", Value::Int(0)),
        ("selectPolicy", Value::str("Max")),
        (
            "policies",
            Value::array(vec![policy("Pods", 4), policy("Percent", 100)]),
        ),
    ]);
    let down = Value::from_pairs([
        ("selectPolicy", Value::str("Max")),
        ("policies", Value::array(vec![policy("Percent", 100)])),
    ]);
    for (key, mut rules) in [("scaleUp", up), ("scaleDown", down)] {
        let given = behavior.get(key);
        for field in [
            "selectPolicy",
            "stabilizationWindowSeconds",
            "policies",
            "tolerance",
        ] {
            if !given.get(field).is_null() {
                rules.set(field, given.get(field).clone());
            }
        }
        behavior.set(key, rules);
    }
}

fn cron_job(cj: &mut Value) {
    let Some(spec) = ensure_obj(cj, "spec") else {
        return;
    };
    set_str(spec, "concurrencyPolicy", "Allow");
    set_if_null(spec, "suspend", || Value::Bool(false));
    set_if_null(spec, "successfulJobsHistoryLimit", || Value::Int(3));
    set_if_null(spec, "failedJobsHistoryLimit", || Value::Int(1));
    // SetObjectDefaults_CronJob defaults the job template's pod spec but not
    // the JobSpec around it: those defaults come when the CronJob controller
    // creates a Job from it.
    template_at(cj, &["spec", "jobTemplate", "spec", "template"]);
}

// ---------------------------------------------------------------- services

/// `service.ExternallyAccessible`
fn externally_accessible(svc: &Value) -> bool {
    match svc.at(&["spec", "type"]).as_str() {
        Some("LoadBalancer" | "NodePort") => true,
        Some("ClusterIP") => !svc.at(&["spec", "externalIPs"]).is_empty(),
        _ => false,
    }
}

/// `SetDefaults_Service`, the clusterIP/clusterIPs pairing of the strategy
/// and the IP family fields the allocator fills in on a single-stack IPv4
/// cluster. ClusterIP and nodePort allocation happen elsewhere.
fn service(svc: &mut Value) {
    let Some(spec) = ensure_obj(svc, "spec") else {
        return;
    };
    set_str(spec, "sessionAffinity", "None");
    match spec.get("sessionAffinity").as_str() {
        Some("None") => {
            spec.remove("sessionAffinityConfig");
        }
        Some("ClientIP")
            if spec
                .at(&["sessionAffinityConfig", "clientIP", "timeoutSeconds"])
                .is_null() =>
        {
            spec.set(
                "sessionAffinityConfig",
                Value::from_pairs([(
                    "clientIP",
                    Value::from_pairs([("timeoutSeconds", Value::Int(10800))]),
                )]),
            );
        }
        _ => {}
    }
    set_str(spec, "type", "ClusterIP");
    each_item(
        spec,
        "ports",
        |p| unset_str(p.get("protocol")) || target_port_unset(p.get("targetPort")),
        |p| {
            set_str(p, "protocol", "TCP");
            if target_port_unset(p.get("targetPort")) {
                let port = p.get("port").clone();
                p.set(
                    "targetPort",
                    if port.is_null() { Value::Int(0) } else { port },
                );
            }
        },
    );
    let ty = spec.get("type").as_str().unwrap_or("").to_string();
    let accessible = externally_accessible(svc);
    let Some(spec) = obj_child(svc, "spec") else {
        return;
    };
    if accessible {
        set_str(spec, "externalTrafficPolicy", "Cluster");
    }
    if matches!(ty.as_str(), "NodePort" | "LoadBalancer" | "ClusterIP") {
        set_if_null(spec, "internalTrafficPolicy", || Value::str("Cluster"));
    }
    if ty == "LoadBalancer" {
        set_if_null(spec, "allocateLoadBalancerNodePorts", || Value::Bool(true));
    }
    if ty != "ExternalName" {
        // An old client sets only clusterIP; the strategy mirrors it.
        if let Some(ip) = spec.get("clusterIP").as_str()
            && !ip.is_empty()
            && spec.get("clusterIPs").is_empty()
        {
            let ips = Value::array(vec![Value::str(ip)]);
            spec.set("clusterIPs", ips);
        }
        let first_ip = spec
            .at(&["clusterIPs"])
            .items()
            .next()
            .and_then(Value::as_str)
            .map(str::to_string);
        let first_ip = first_ip.as_deref();
        let headless = first_ip == Some("None");
        let selectorless = spec.get("selector").is_empty();
        if spec.get("ipFamilyPolicy").is_null() {
            let policy = if headless && selectorless {
                "RequireDualStack"
            } else {
                "SingleStack"
            };
            spec.set("ipFamilyPolicy", Value::str(policy));
        }
        if spec.get("ipFamilies").is_empty() {
            let v6 = first_ip.is_some_and(|ip| ip.contains(':'));
            let first = if v6 { "IPv6" } else { "IPv4" };
            let mut fams = vec![Value::str(first)];
            if headless
                && selectorless
                && spec.get("ipFamilyPolicy").as_str() != Some("SingleStack")
            {
                fams.push(Value::str(if v6 { "IPv4" } else { "IPv6" }));
            }
            spec.set("ipFamilies", Value::array(fams));
        }
    }
    // ServiceStatus and its LoadBalancer are structs: always printed.
    if let Some(status) = ensure_obj(svc, "status")
        && let Some(lb) = ensure_obj(status, "loadBalancer")
        && ty == "LoadBalancer"
    {
        each_item(
            lb,
            "ingress",
            |i| !unset_str(i.get("ip")) && i.get("ipMode").is_null(),
            |i| i.set("ipMode", Value::str("VIP")),
        );
    }
}

fn target_port_unset(v: &Value) -> bool {
    unset_str(v) || v.as_i64() == Some(0)
}

fn endpoints(ep: &mut Value) {
    each_item(
        ep,
        "subsets",
        |s| s.get("ports").items().any(|p| unset_str(p.get("protocol"))),
        |s| {
            each_item(
                s,
                "ports",
                |p| unset_str(p.get("protocol")),
                |p| set_str(p, "protocol", "TCP"),
            );
        },
    );
}

fn endpoint_slice(es: &mut Value) {
    // `endpoints` has no omitempty: a nil list prints as null.
    if es.as_object().is_some_and(|m| !m.contains_key("endpoints")) {
        es.set("endpoints", Value::Null);
    }
    each_item(
        es,
        "ports",
        |p| p.get("name").is_null() || p.get("protocol").is_null(),
        |p| {
            set_if_null(p, "name", || Value::str(""));
            set_if_null(p, "protocol", || Value::str("TCP"));
        },
    );
}

fn ingress(ing: &mut Value) {
    // IngressStatus and its load balancer status are structs.
    if let Some(status) = ensure_obj(ing, "status") {
        set_if_null(status, "loadBalancer", Value::object);
    }
}

fn ingress_class(ic: &mut Value) {
    at_mut(ic, &["spec", "parameters"], |p| {
        set_if_null(p, "scope", || Value::str("Cluster"));
    });
}

fn network_policy(np: &mut Value) {
    let Some(spec) = ensure_obj(np, "spec") else {
        return;
    };
    // `podSelector` is a struct, not a pointer: left out, it is `{}` (every
    // pod of the namespace).
    if spec.get("podSelector").is_null() {
        spec.set("podSelector", Value::object());
    }
    for dir in ["ingress", "egress"] {
        each_item(
            spec,
            dir,
            |r| r.get("ports").items().any(|p| p.get("protocol").is_null()),
            |r| {
                each_item(
                    r,
                    "ports",
                    |p| p.get("protocol").is_null(),
                    |p| p.set("protocol", Value::str("TCP")),
                );
            },
        );
    }
    if spec.get("policyTypes").is_empty() {
        let mut types = vec![Value::str("Ingress")];
        if !spec.get("egress").is_empty() {
            types.push(Value::str("Egress"));
        }
        spec.set("policyTypes", Value::array(types));
    }
}

// ---------------------------------------------------------------- the rest

/// `SetDefaults_Namespace`, `SetDefaults_NamespaceStatus` and the strategy's
/// `kubernetes` finalizer.
fn namespace(ns: &mut Value) {
    let name = ns
        .at(&["metadata", "name"])
        .as_str()
        .unwrap_or("")
        .to_string();
    if !name.is_empty()
        && ns
            .at(&["metadata", "labels", "kubernetes.io/metadata.name"])
            .as_str()
            != Some(name.as_str())
        && let Some(meta) = ensure_obj(ns, "metadata")
        && let Some(labels) = ensure_obj(meta, "labels")
    {
        labels.set("kubernetes.io/metadata.name", Value::str(&name));
    }
    if let Some(spec) = ensure_obj(ns, "spec") {
        let has = spec
            .get("finalizers")
            .items()
            .any(|f| f.as_str() == Some("kubernetes"));
        if !has {
            match arr_child(spec, "finalizers") {
                Some(list) => list.push(Value::str("kubernetes")),
                None => {
                    if spec.get("finalizers").is_null() {
                        spec.set("finalizers", Value::array(vec![Value::str("kubernetes")]));
                    }
                }
            }
        }
    }
    if let Some(status) = ensure_obj(ns, "status") {
        set_str(status, "phase", "Active");
    }
}

fn node(n: &mut Value) {
    let capacity = n.at(&["status", "capacity"]).clone();
    if capacity.as_object().is_some()
        && n.at(&["status", "allocatable"]).is_null()
        && let Some(status) = obj_child(n, "status")
    {
        status.set("allocatable", capacity);
    }
}

/// `SetDefaults_Secret`, and `stringData` merged into `data` (base64) as the
/// conversion to the internal type does; `stringData` is never stored.
fn secret(s: &mut Value) {
    set_str(s, "type", "Opaque");
    let has_key = s.as_object().is_some_and(|m| m.contains_key("stringData"));
    if has_key && s.get("stringData").is_null() {
        s.remove("stringData");
    } else if s.get("stringData").as_object().is_some() {
        let string_data = s.remove("stringData").unwrap_or_default();
        if s.get("data").is_null() {
            s.set("data", Value::object());
        }
        if let Some(data) = obj_child(s, "data") {
            for (k, v) in string_data.members() {
                if let Some(text) = v.as_str() {
                    data.set(k, Value::from(golang::base64_encode(text.as_bytes())));
                }
            }
        }
    }
}

fn event(e: &mut Value) {
    // Fields without omitempty (or zero structs) that Go always prints.
    for k in ["eventTime", "firstTimestamp", "lastTimestamp"] {
        if e.as_object().is_some_and(|m| !m.contains_key(k)) {
            e.set(k, Value::Null);
        }
    }
    set_if_null(e, "reportingComponent", || Value::str(""));
    set_if_null(e, "reportingInstance", || Value::str(""));
    set_if_null(e, "source", Value::object);
}

fn pvc(p: &mut Value) {
    if let Some(spec) = obj_child(p, "spec") {
        set_if_null(spec, "volumeMode", || Value::str("Filesystem"));
    }
    if let Some(status) = ensure_obj(p, "status") {
        set_str(status, "phase", "Pending");
    }
}

fn pv(p: &mut Value) {
    if let Some(spec) = obj_child(p, "spec") {
        set_str(spec, "persistentVolumeReclaimPolicy", "Retain");
        set_if_null(spec, "volumeMode", || Value::str("Filesystem"));
        if let Some(hp) = obj_child(spec, "hostPath") {
            set_if_null(hp, "type", || Value::str(""));
        }
    }
    if let Some(status) = ensure_obj(p, "status") {
        set_str(status, "phase", "Pending");
    }
}

// ---------------------------------------------------------------- strategies

/// Kinds whose create resets `status` (it is written through `/status`).
fn status_reset_on_create(group: &str, kind: &str) -> bool {
    matches!(
        (group, kind),
        (
            "apps",
            "Deployment" | "ReplicaSet" | "DaemonSet" | "StatefulSet"
        ) | ("batch", "Job" | "CronJob")
            | ("networking.k8s.io", "Ingress")
            | ("", "Service" | "ReplicationController" | "ResourceQuota")
            | ("policy", "PodDisruptionBudget")
    )
}

/// Kinds whose `metadata.generation` counts spec changes.
fn tracks_generation(group: &str, kind: &str) -> bool {
    matches!(
        (group, kind),
        (
            "apps",
            "Deployment" | "ReplicaSet" | "DaemonSet" | "StatefulSet"
        ) | ("batch", "Job" | "CronJob")
            | (
                "networking.k8s.io",
                "Ingress" | "IngressClass" | "NetworkPolicy"
            )
            | ("", "Pod" | "ReplicationController")
            | ("discovery.k8s.io", "EndpointSlice")
            | ("policy", "PodDisruptionBudget")
    )
}

/// What the registry strategies' `PrepareForCreate` set before validation:
/// `metadata.generation: 1` where generations are tracked, an empty status
/// where status is its own subresource (a Service keeps
/// `status.loadBalancer: {}`), and a new Pod's
/// `status: {phase: Pending, qosClass: …}`. Run after [`apply_defaults`]
/// (and [`admit_pod`]).
pub fn prepare_for_create(resource: ResourceId, object: &mut Value) {
    if object.as_object().is_none() {
        return;
    }
    let rt = resource.get();
    if tracks_generation(rt.group, rt.kind)
        && let Some(meta) = ensure_obj(object, "metadata")
    {
        meta.set("generation", Value::Int(1));
    }
    if rt.group.is_empty() && rt.kind == "Pod" {
        let qos = pod_qos_class(object);
        object.set(
            "status",
            Value::from_pairs([
                ("phase", Value::str("Pending")),
                ("qosClass", Value::str(qos)),
            ]),
        );
    } else if status_reset_on_create(rt.group, rt.kind) {
        object.set("status", Value::object());
        if rt.kind == "Service" || rt.kind == "Ingress" {
            object.set_at(&["status", "loadBalancer"], Value::object());
        }
    }
    if rt.group == "policy" && rt.kind == "PodDisruptionBudget" {
        // The strategy starts the status at zero counts.
        object.set(
            "status",
            Value::from_pairs([
                ("currentHealthy", Value::Int(0)),
                ("desiredHealthy", Value::Int(0)),
                ("disruptionsAllowed", Value::Int(0)),
                ("expectedPods", Value::Int(0)),
            ]),
        );
    }
    if rt.group == "apps" && rt.kind == "DaemonSet" {
        let generation = template_generation(object).max(1);
        set_template_generation(object, generation);
    }
}

/// The annotation through which apps/v1 shows a DaemonSet's template
/// generation (`spec.templateGeneration` of the internal type).
pub const DAEMONSET_TEMPLATE_GENERATION: &str = "deprecated.daemonset.template.generation";

/// A DaemonSet's template generation; 0 when the annotation is absent (or
/// not a number).
pub fn template_generation(ds: &Value) -> i64 {
    ds.at(&["metadata", "annotations", DAEMONSET_TEMPLATE_GENERATION])
        .as_str()
        .and_then(|g| g.parse().ok())
        .unwrap_or(0)
}

fn set_template_generation(ds: &mut Value, generation: i64) {
    if let Some(meta) = ensure_obj(ds, "metadata")
        && let Some(annotations) = ensure_obj(meta, "annotations")
    {
        annotations.set(
            DAEMONSET_TEMPLATE_GENERATION,
            Value::from(generation.to_string()),
        );
    }
}

/// What the registry strategies' `PrepareForUpdate` do before validating an
/// update of `old` to `new`: status is kept from the stored object (it
/// changes only through `/status`), the generation goes up when the spec
/// changed, a Namespace keeps its finalizers, and a Service keeps the IPs
/// and node ports allocated to it when the new object leaves them out (a
/// `kubectl replace` of the original manifest).
pub fn prepare_for_update(resource: ResourceId, new: &mut Value, old: &Value) {
    if new.as_object().is_none() || old.as_object().is_none() {
        return;
    }
    let rt = resource.get();
    let (group, kind) = (rt.group, rt.kind);
    if (group.is_empty() && kind == "Pod")
        || status_reset_on_create(group, kind)
        || (group.is_empty() && kind == "Namespace")
    {
        match old.get("status") {
            Value::Null => {
                new.remove("status");
            }
            s => new.set("status", s.clone()),
        }
    }
    if tracks_generation(group, kind) {
        let prev = old.at(&["metadata", "generation"]).as_i64().unwrap_or(0);
        // EndpointSlices have no spec: their endpoints, ports and address
        // type count instead (the EndpointSlice strategy).
        let changed = if kind == "EndpointSlice" {
            ["endpoints", "ports", "addressType"]
                .iter()
                .any(|f| !crate::api::validation::semantic_eq(new.get(f), old.get(f)))
        } else {
            !crate::api::validation::semantic_eq(new.get("spec"), old.get("spec"))
        };
        if let Some(meta) = ensure_obj(new, "metadata") {
            meta.set(
                "generation",
                Value::Int(if changed { prev + 1 } else { prev }),
            );
        }
    }
    if group == "apps" && kind == "DaemonSet" {
        // The template generation is the server's: kept, and bumped when
        // the pod template changes.
        let template_changed = !crate::api::validation::semantic_eq(
            new.at(&["spec", "template"]),
            old.at(&["spec", "template"]),
        );
        // Saturating: the annotation is user input on create.
        let generation = template_generation(old).saturating_add(i64::from(template_changed));
        set_template_generation(new, generation);
    }
    if group.is_empty() && kind == "Namespace" {
        let finalizers = old.at(&["spec", "finalizers"]).clone();
        if let Some(spec) = ensure_obj(new, "spec") {
            spec.set("finalizers", finalizers);
        }
    }
    if group.is_empty() && kind == "Service" {
        service_update(new, old);
    }
}

/// The Service strategy's `dropTypeDependentFields`: when an update changes
/// the type, fields that no longer apply and that the user did not also
/// change are wiped (they were probably filled in automatically).
fn drop_type_dependent_fields(new: &mut Value, old: &Value) {
    let old_spec = old.get("spec").clone();
    let ty = |s: &Value| s.get("type").as_str().unwrap_or("ClusterIP").to_string();
    let (old_ty, new_ty) = (ty(&old_spec), ty(new.get("spec")));
    if old_ty == new_ty {
        return;
    }
    let needs_cluster_ip = |t: &str| t != "ExternalName";
    let needs_node_port = |t: &str| t == "NodePort" || t == "LoadBalancer";
    let externally_accessible = |t: &str, spec: &Value| {
        t == "NodePort"
            || t == "LoadBalancer"
            || (t == "ClusterIP" && !spec.get("externalIPs").is_empty())
    };
    let new_spec_snapshot = new.get("spec").clone();
    let same = |field: &str| new_spec_snapshot.get(field) == old_spec.get(field);
    let Some(spec) = ensure_obj(new, "spec") else {
        return;
    };
    if needs_cluster_ip(&old_ty) && !needs_cluster_ip(&new_ty) {
        if same("clusterIP") && same("clusterIPs") {
            spec.remove("clusterIP");
            spec.remove("clusterIPs");
        }
        for f in ["ipFamilies", "ipFamilyPolicy"] {
            if same(f) {
                spec.remove(f);
            }
        }
    }
    if needs_node_port(&old_ty) && !needs_node_port(&new_ty) {
        let node_ports = |s: &Value| -> Vec<Value> {
            s.get("ports")
                .items()
                .map(|p| p.get("nodePort").clone())
                .collect()
        };
        if node_ports(&new_spec_snapshot) == node_ports(&old_spec) {
            each_item(
                spec,
                "ports",
                |p| !p.get("nodePort").is_null(),
                |p| {
                    p.remove("nodePort");
                },
            );
        }
        if same("healthCheckNodePort") {
            spec.remove("healthCheckNodePort");
        }
    }
    if old_ty == "LoadBalancer" && new_ty != "LoadBalancer" {
        if same("allocateLoadBalancerNodePorts") {
            spec.remove("allocateLoadBalancerNodePorts");
        }
        if same("loadBalancerClass") {
            spec.remove("loadBalancerClass");
        }
    }
    if externally_accessible(&old_ty, &old_spec)
        && !externally_accessible(&new_ty, &new_spec_snapshot)
        && same("externalTrafficPolicy")
    {
        spec.remove("externalTrafficPolicy");
    }
    if old_ty == "LoadBalancer" && new_ty != "LoadBalancer" {
        new.set(
            "status",
            Value::from_pairs([("loadBalancer", Value::object())]),
        );
    }
}

/// `patchAllocatedValues` and `NormalizeClusterIPs` for an update.
fn service_update(new: &mut Value, old: &Value) {
    drop_type_dependent_fields(new, old);
    let old_spec = old.get("spec");
    let Some(spec) = ensure_obj(new, "spec") else {
        return;
    };
    let ty = spec.get("type").as_str().unwrap_or("").to_string();
    let old_ty = old_spec.get("type").as_str().unwrap_or("");
    if ty != "ExternalName" && old_ty != "ExternalName" {
        let old_ip = old_spec.get("clusterIP").as_str().unwrap_or("");
        let new_ip = spec.get("clusterIP").as_str().unwrap_or("").to_string();
        if new_ip.is_empty() && !old_ip.is_empty() && spec.get("clusterIPs").is_empty() {
            spec.set("clusterIP", old_spec.get("clusterIP").clone());
            spec.set("clusterIPs", old_spec.get("clusterIPs").clone());
        } else if spec.get("clusterIPs").is_empty() && !old_spec.get("clusterIPs").is_empty() {
            if new_ip == old_ip {
                // An old client patching something else.
                spec.set("clusterIPs", old_spec.get("clusterIPs").clone());
            } else if !new_ip.is_empty() {
                spec.set("clusterIPs", Value::array(vec![Value::str(&new_ip)]));
            }
        }
        for f in ["ipFamilies", "ipFamilyPolicy"] {
            if spec.get(f).is_empty() && !old_spec.get(f).is_empty() {
                spec.set(f, old_spec.get(f).clone());
            }
        }
    }
    let needs_node_ports = |t: &str| t == "NodePort" || t == "LoadBalancer";
    if needs_node_ports(&ty) && needs_node_ports(old_ty) {
        let olds: Vec<(Value, Value, Value)> = old_spec
            .get("ports")
            .items()
            .map(|p| {
                (
                    p.get("port").clone(),
                    p.get("protocol").clone(),
                    p.get("nodePort").clone(),
                )
            })
            .collect();
        each_item(
            spec,
            "ports",
            |p| unset_int(p.get("nodePort")),
            |p| {
                if let Some((_, _, np)) = olds.iter().find(|(port, proto, np)| {
                    port == p.get("port") && proto == p.get("protocol") && !np.is_null()
                }) {
                    p.set("nodePort", np.clone());
                }
            },
        );
        let local = |s: &Value| s.get("externalTrafficPolicy").as_str() == Some("Local");
        if ty == "LoadBalancer"
            && old_ty == "LoadBalancer"
            && local(spec)
            && local(old_spec)
            && unset_int(spec.get("healthCheckNodePort"))
        {
            spec.set(
                "healthCheckNodePort",
                old_spec.get("healthCheckNodePort").clone(),
            );
        }
    }
}

// ---------------------------------------------------------------- admission

/// The two tolerations DefaultTolerationSeconds adds (300 s each).
fn default_toleration(key: &str) -> Value {
    Value::from_pairs([
        ("effect", Value::str("NoExecute")),
        ("key", Value::str(key)),
        ("operator", Value::str("Exists")),
        ("tolerationSeconds", Value::Int(300)),
    ])
}

thread_local! {
    // Shared by every pod that tolerates nothing yet, to save memory.
    static DEFAULT_TOLERATIONS: Value = Value::array(vec![
        default_toleration("node.kubernetes.io/not-ready"),
        default_toleration("node.kubernetes.io/unreachable"),
    ]);
}

/// The built-in PriorityClasses and their values.
pub fn system_priority(class: &str) -> Option<i64> {
    match class {
        "system-node-critical" => Some(2_000_001_000),
        "system-cluster-critical" => Some(2_000_000_000),
        _ => None,
    }
}

/// What the default admission plugins set on a Pod being created:
///
/// - ServiceAccount: `serviceAccountName: default` (and the deprecated
///   `serviceAccount` mirror) when none is given. The projected
///   `kube-api-access-<random>` token volume is not added here, since its
///   name needs the cluster's random generator.
/// - Priority: `priority` from `priorityClassName` (0 with no class and no
///   global default), `preemptionPolicy: PreemptLowerPriority`.
/// - DefaultTolerationSeconds: `node.kubernetes.io/not-ready` and
///   `node.kubernetes.io/unreachable` NoExecute tolerations for 300 s,
///   unless the pod already tolerates those taints.
///
/// Run after [`apply_defaults`] and before validation, on create only. The
/// error is the plugin's refusal (`pods "x" is forbidden: …`).
pub fn admit_pod(pod: &mut Value, priority_classes: &[Value]) -> Result<(), StatusError> {
    let name = pod
        .at(&["metadata", "name"])
        .as_str()
        .unwrap_or("")
        .to_string();
    let forbidden = |msg: String| {
        StatusError::forbidden(format!(
            "pods {} is forbidden: {msg}",
            crate::api::errors::quote(&name)
        ))
    };
    let class_of = |c: &Value| {
        (
            c.get("value").as_i64().unwrap_or(0),
            c.get("preemptionPolicy")
                .as_str()
                .unwrap_or("PreemptLowerPriority")
                .to_string(),
        )
    };
    let mut class = pod
        .at(&["spec", "priorityClassName"])
        .as_str()
        .unwrap_or("")
        .to_string();
    let (priority, policy) = if class.is_empty() {
        // The global default class, if one is marked so.
        match priority_classes
            .iter()
            .find(|c| c.get("globalDefault").as_bool() == Some(true))
        {
            Some(c) => {
                class = c.str_at(&["metadata", "name"]).unwrap_or("").to_string();
                class_of(c)
            }
            None => (0, "PreemptLowerPriority".to_string()),
        }
    } else {
        match system_priority(&class) {
            Some(p) => (p, "PreemptLowerPriority".to_string()),
            None => match priority_classes
                .iter()
                .find(|c| c.str_at(&["metadata", "name"]) == Some(class.as_str()))
            {
                Some(c) => class_of(c),
                None => {
                    return Err(forbidden(format!(
                        "no PriorityClass with name {class} was found"
                    )));
                }
            },
        }
    };
    if let Some(given) = pod.at(&["spec", "priority"]).as_i64()
        && given != priority
    {
        return Err(forbidden(format!(
            "the integer value of priority ({given}) must not be provided in pod spec; priority admission controller computed {priority} from the given PriorityClass name"
        )));
    }
    if let Some(given) = pod.at(&["spec", "preemptionPolicy"]).as_str()
        && given != policy
    {
        return Err(forbidden(format!(
            "the string value of PreemptionPolicy ({given}) must not be provided in pod spec; priority admission controller computed {policy} from the given PriorityClass name"
        )));
    }
    if !class.is_empty() && pod.at(&["spec", "priorityClassName"]).is_null() {
        pod.set_at(&["spec", "priorityClassName"], Value::from(class.clone()));
    }
    // Mirror pods get no service account (the ServiceAccount plugin
    // returns early for them).
    let mirror = !pod
        .at(&["metadata", "annotations", "kubernetes.io/config.mirror"])
        .is_null();
    let Some(spec) = ensure_obj(pod, "spec") else {
        return Ok(());
    };
    if !mirror && unset_str(spec.get("serviceAccountName")) {
        let sa = spec
            .get("serviceAccount")
            .as_str()
            .filter(|s| !s.is_empty())
            .unwrap_or("default")
            .to_string();
        spec.set("serviceAccountName", Value::str(&sa));
    }
    if !mirror && unset_str(spec.get("serviceAccount")) {
        let sa = spec.get("serviceAccountName").clone();
        spec.set("serviceAccount", sa);
    }
    set_if_null(spec, "priority", || Value::Int(priority));
    set_if_null(spec, "preemptionPolicy", || Value::str(&policy));

    let tolerates = |key: &str| {
        spec.get("tolerations").items().any(|t| {
            let k = t.get("key").as_str().unwrap_or("");
            let e = t.get("effect").as_str().unwrap_or("");
            (k == key || k.is_empty()) && (e == "NoExecute" || e.is_empty())
        })
    };
    let not_ready = tolerates("node.kubernetes.io/not-ready");
    let unreachable = tolerates("node.kubernetes.io/unreachable");
    if !not_ready && !unreachable && spec.get("tolerations").is_empty() {
        let shared = DEFAULT_TOLERATIONS.with(Value::clone);
        spec.set("tolerations", shared);
    } else if !not_ready || !unreachable {
        let mut list: Vec<Value> = spec.get("tolerations").items().cloned().collect();
        if !not_ready {
            list.push(default_toleration("node.kubernetes.io/not-ready"));
        }
        if !unreachable {
            list.push(default_toleration("node.kubernetes.io/unreachable"));
        }
        spec.set("tolerations", Value::array(list));
    }
    Ok(())
}

/// The pod's QoS class (`Guaranteed`, `Burstable` or `BestEffort`), as
/// `qos.ComputePodQOS` derives `status.qosClass` from the cpu and memory
/// requests and limits of all containers.
pub fn pod_qos_class(pod: &Value) -> &'static str {
    let spec = pod.get("spec");
    // Sums in millis of positive cpu and memory requests and limits.
    let mut requests: [Option<i64>; 2] = [None, None];
    let mut limits: [Option<i64>; 2] = [None, None];
    let mut guaranteed = true;
    let positive = |v: &Value| {
        quantity_text(v)
            .and_then(|t| Quantity::parse(&t).ok())
            .map(|q| q.milli_value())
            .filter(|&m| m > 0)
    };
    for list in ["containers", "initContainers"] {
        for c in spec.get(list).items() {
            let mut found = [false, false];
            for (i, r) in ["cpu", "memory"].iter().enumerate() {
                if let Some(m) = positive(c.at(&["resources", "requests", r])) {
                    requests[i] = Some(requests[i].unwrap_or(0).saturating_add(m));
                }
                if let Some(m) = positive(c.at(&["resources", "limits", r])) {
                    limits[i] = Some(limits[i].unwrap_or(0).saturating_add(m));
                    found[i] = true;
                }
            }
            if !(found[0] && found[1]) {
                guaranteed = false;
            }
        }
    }
    let count = |a: &[Option<i64>; 2]| a.iter().filter(|x| x.is_some()).count();
    if count(&requests) == 0 && count(&limits) == 0 {
        return "BestEffort";
    }
    if guaranteed {
        for i in 0..2 {
            if let Some(r) = requests[i]
                && limits[i] != Some(r)
            {
                guaranteed = false;
            }
        }
    }
    if guaranteed && count(&requests) == count(&limits) {
        "Guaranteed"
    } else {
        "Burstable"
    }
}

#[cfg(test)]
mod tests;
