//! `kubectl describe`: the layouts of `staging/src/k8s.io/kubectl/pkg/describe/describe.go`
//! for Pods, Deployments, ReplicaSets, Services, Nodes, Ingresses,
//! Namespaces, Secrets, ConfigMaps, Endpoints, ServiceAccounts, and the
//! generic describer for every other kind. Everything goes through Go's
//! tabwriter (minwidth 0, padding 2) with two-space indentation levels.

use crate::api::registry::ResourceId;
use crate::api::schema::golang;
use crate::cluster::{Cluster, res};
use crate::kubectl::duration::since;
use crate::kubectl::flags::Parsed;
use crate::kubectl::get::Filters;
use crate::kubectl::printers::{self, format_labels, node_roles};
use crate::kubectl::resources::{self, Target};
use crate::kubectl::tabwriter::TabWriter;
use crate::kubectl::{Ctx, Fail};
use crate::quantity::{Format as QFormat, Quantity};
use crate::sort::CompactSort;
use crate::time::{Millis, parse_rfc3339, rfc1123z};
use crate::value::Value;

const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";
const MAX_ANNOTATION_LEN: usize = 140;

/// kubectl's prefix writer over a tabwriter.
pub(crate) struct DW {
    tw: TabWriter,
}

impl DW {
    pub(crate) fn new() -> DW {
        DW {
            tw: TabWriter::describe(),
        }
    }

    /// `w.Write(level, text)`: two spaces per level, then the text.
    pub(crate) fn w(&mut self, level: usize, text: &str) {
        for _ in 0..level {
            self.tw.write("  ");
        }
        self.tw.write(text);
    }

    /// `Title:\tvalue\n` at `level`. One shared, non-generic writer for the
    /// most common describe line (a `format!` at each of its ~150 call
    /// sites cost the browser bundle several KiB).
    pub(crate) fn field(&mut self, level: usize, title: &str, value: &dyn std::fmt::Display) {
        self.w(level, &format!("{title}:\t{value}\n"));
    }

    fn flush(&mut self) {
        self.tw.flush();
    }

    /// Ends a description with its `Events:` section when events were
    /// asked for (`--show-events`, on by default).
    fn finish_with_events(mut self, events: Option<Vec<Value>>, now: Millis) -> String {
        if let Some(events) = events {
            describe_events(&mut self, &events, now);
        }
        self.finish()
    }

    pub(crate) fn finish(self) -> String {
        self.tw.finish()
    }
}

fn s<'a>(o: &'a Value, path: &[&str]) -> &'a str {
    o.str_at(path).unwrap_or("")
}

fn int(o: &Value, path: &[&str]) -> i64 {
    o.at(path).as_i64().unwrap_or(0)
}

/// A timestamp as `time.RFC1123Z`.
fn time_str(v: &Value) -> String {
    match v.as_str().and_then(parse_rfc3339) {
        Some(t) => rfc1123z(t),
        // Go formats the zero time.
        None => "Mon, 01 Jan 0001 00:00:00 +0000".to_string(),
    }
}

/// `printBoolPtr`: `True`, `False` or `<unset>`.
fn bool_ptr(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "True",
        Some(false) => "False",
        None => "<unset>",
    }
}

/// `storageutil.GetPersistentVolumeClaimClass`: the beta annotation first,
/// then `spec.storageClassName`.
fn pvc_storage_class(pvc: &Value) -> &str {
    pvc.at(&[
        "metadata",
        "annotations",
        "volume.beta.kubernetes.io/storage-class",
    ])
    .as_str()
    .or_else(|| pvc.at(&["spec", "storageClassName"]).as_str())
    .unwrap_or("")
}

/// The `Name:` and `Namespace:` lines most describers start with.
fn name_and_namespace(w: &mut DW, obj: &Value) {
    w.field(0, "Name", &s(obj, &["metadata", "name"]));
    w.field(0, "Namespace", &s(obj, &["metadata", "namespace"]));
}

/// The `Labels:` and `Annotations:` blocks, in that order.
fn labels_and_annotations(w: &mut DW, obj: &Value) {
    labels_multiline(w, "", "Labels", obj.at(&["metadata", "labels"]));
    annotations_multiline(w, "Annotations", obj.at(&["metadata", "annotations"]));
}

/// `printLabelsMultilineWithIndent`.
pub(crate) fn labels_multiline(w: &mut DW, initial_indent: &str, title: &str, labels: &Value) {
    w.w(0, &format!("{initial_indent}{title}:\t"));
    let pairs: Vec<(&str, &str)> = labels
        .members()
        .map(|(k, v)| (k, v.as_str().unwrap_or("")))
        .collect();
    if pairs.is_empty() {
        w.w(0, "<none>\n");
        return;
    }
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i != 0 {
            w.w(0, initial_indent);
            w.w(0, "\t");
        }
        w.w(0, &format!("{k}={v}\n"));
    }
}

fn shorten(s: &str, max: usize) -> String {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}...", &s[..end])
    } else {
        s.to_string()
    }
}

/// `printAnnotationsMultiline` (the last-applied annotation is skipped).
pub(crate) fn annotations_multiline(w: &mut DW, title: &str, annotations: &Value) {
    w.w(0, &format!("{title}:\t"));
    let pairs: Vec<(&str, &str)> = annotations
        .members()
        .filter(|(k, _)| *k != LAST_APPLIED)
        .map(|(k, v)| (k, v.as_str().unwrap_or("")))
        .collect();
    if pairs.is_empty() {
        w.w(0, "<none>\n");
        return;
    }
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i != 0 {
            w.w(0, "\t");
        }
        let value = v.strip_suffix('\n').unwrap_or(v);
        if value.len() + k.len() + 2 > MAX_ANNOTATION_LEN || value.contains('\n') {
            w.w(0, &format!("{k}:\n"));
            for line in value.split('\n') {
                w.w(
                    0,
                    &format!("\t  {}\n", shorten(line, MAX_ANNOTATION_LEN - 2)),
                );
            }
        } else {
            w.w(0, &format!("{k}: {value}\n"));
        }
    }
}

/// `printTaintsMultilineWithIndent` / tolerations share this layout.
fn multiline_list(w: &mut DW, initial_indent: &str, title: &str, lines: &[String]) {
    w.w(0, &format!("{initial_indent}{title}:\t"));
    if lines.is_empty() {
        w.w(0, "<none>\n");
        return;
    }
    for (i, l) in lines.iter().enumerate() {
        if i != 0 {
            w.w(0, initial_indent);
            w.w(0, "\t");
        }
        w.w(0, &format!("{l}\n"));
    }
}

/// `Taint.ToString`.
pub(crate) fn taint_string(t: &Value) -> String {
    let key = s(t, &["key"]);
    let value = s(t, &["value"]);
    let effect = s(t, &["effect"]);
    match (effect.is_empty(), value.is_empty()) {
        (true, true) => key.to_string(),
        (true, false) => format!("{key}={value}:"),
        (false, true) => format!("{key}:{effect}"),
        (false, false) => format!("{key}={value}:{effect}"),
    }
}

fn tolerations(w: &mut DW, indent: &str, title: &str, tols: &Value) {
    let mut items: Vec<&Value> = tols.items().collect();
    items.compact_sort_by(|a, b| s(a, &["key"]).cmp(s(b, &["key"])));
    let lines: Vec<String> = items
        .iter()
        .map(|t| {
            let key = s(t, &["key"]);
            let value = s(t, &["value"]);
            let effect = s(t, &["effect"]);
            let mut out = key.to_string();
            if !value.is_empty() {
                out.push_str(&format!("={value}"));
            }
            if !effect.is_empty() {
                out.push_str(&format!(":{effect}"));
            }
            if s(t, &["operator"]) == "Exists" && value.is_empty() {
                if !key.is_empty() || !effect.is_empty() {
                    out.push_str(" op=Exists");
                } else {
                    out.push_str("op=Exists");
                }
            }
            if let Some(secs) = t.get("tolerationSeconds").as_i64() {
                out.push_str(&format!(" for {secs}s"));
            }
            out
        })
        .collect();
    multiline_list(w, indent, title, &lines);
}

// ------------------------------------------------------------------ events

/// The events about an object, oldest first, as `searchEvents` lists them
/// (by name) and `DescribeEvents` sorts them (`sort.Sort` by last time).
/// A node's events are those with its UID (its controllers') followed by
/// those with its name as UID (its kubelet's), two lists as kubectl asks.
fn events_for(cluster: &Cluster, obj: &Value, also_name: bool) -> Vec<Value> {
    // `searchEvents` hands back an empty list when the user may not list
    // events in the object's namespace: the describer shows `<none>`.
    let ns = s(obj, &["metadata", "namespace"]);
    if cluster
        .authorize_resource("list", res("Event"), "", ns, "")
        .is_err()
    {
        return Vec::new();
    }
    let uid = s(obj, &["metadata", "uid"]);
    let name = s(obj, &["metadata", "name"]);
    let search = |uid: &str| {
        let mut found: Vec<&crate::events::EventRecord> = cluster
            .events
            .records()
            .iter()
            .filter(|r| &*r.involved.uid == uid)
            .collect();
        found.compact_sort_by(|a, b| a.name.cmp(&b.name));
        found
    };
    let mut records = search(uid);
    if also_name && name != uid {
        records.extend(search(name));
    }
    let mut events: Vec<Value> = records.into_iter().map(|r| r.to_value()).collect();
    let last = |e: &Value| e.get("lastTimestamp").as_str().and_then(parse_rfc3339);
    crate::sort::go_sort_by(&mut events, |a, b| last(a) < last(b));
    events
}

/// `DescribeEvents`.
fn describe_events(w: &mut DW, events: &[Value], now: Millis) {
    if events.is_empty() {
        w.w(0, "Events:\t<none>\n");
        return;
    }
    w.flush();
    w.w(0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n");
    w.w(1, "----\t------\t----\t----\t-------\n");
    for e in events {
        let interval = super::events::interval(e, now);
        let mut source = s(e, &["source", "component"]).to_string();
        if source.is_empty() {
            source = s(e, &["reportingComponent"]).to_string();
        }
        let mut message = s(e, &["message"]).trim().to_string();
        let fp = s(e, &["involvedObject", "fieldPath"]);
        if !fp.is_empty() {
            message = format!("{fp}: {message}");
        }
        w.w(
            1,
            &format!(
                "{}\t{}\t{interval}\t{source}\t{message}\n",
                s(e, &["type"]),
                s(e, &["reason"])
            ),
        );
    }
}

// ------------------------------------------------------------- containers

fn port_strings(ports: &Value) -> (String, String) {
    let mut cp = Vec::new();
    let mut hp = Vec::new();
    for p in ports.items() {
        let proto = s(p, &["protocol"]);
        let name = s(p, &["name"]);
        let mut a = format!("{}/{proto}", int(p, &["containerPort"]));
        let mut b = format!("{}/{proto}", int(p, &["hostPort"]));
        if !name.is_empty() {
            a.push_str(&format!(" ({name})"));
            b.push_str(&format!(" ({name})"));
        }
        cp.push(a);
        hp.push(b);
    }
    (cp.join(", "), hp.join(", "))
}

fn quantity_text(v: &Value) -> String {
    match v.as_str().and_then(|t| Quantity::parse(t).ok()) {
        Some(q) => q.to_string(),
        None => crate::kubectl::jsonpath::text_of(v),
    }
}

fn describe_resources(w: &mut DW, resources: &Value, level: usize) {
    for (title, key) in [("Limits", "limits"), ("Requests", "requests")] {
        let list = resources.get(key);
        if list.members().next().is_none() {
            continue;
        }
        w.w(level, &format!("{title}:\n"));
        for (name, q) in list.members() {
            w.w(level + 1, &format!("{name}:\t{}\n", quantity_text(q)));
        }
    }
}

fn int_or_string(v: &Value) -> String {
    crate::kubectl::jsonpath::text_of(v)
}

/// `DescribeProbe`.
fn describe_probe(p: &Value) -> String {
    let attrs = format!(
        "delay={}s timeout={}s period={}s #success={} #failure={}",
        int(p, &["initialDelaySeconds"]),
        p.get("timeoutSeconds").as_i64().unwrap_or(1),
        p.get("periodSeconds").as_i64().unwrap_or(10),
        p.get("successThreshold").as_i64().unwrap_or(1),
        p.get("failureThreshold").as_i64().unwrap_or(3),
    );
    if !p.get("exec").is_null() {
        let cmd: Vec<&str> = p
            .at(&["exec", "command"])
            .items()
            .filter_map(Value::as_str)
            .collect();
        return format!("exec [{}] {attrs}", cmd.join(" "));
    }
    if !p.get("httpGet").is_null() {
        let h = p.get("httpGet");
        let scheme = crate::casemap::to_lower(s(h, &["scheme"]));
        let scheme = if scheme.is_empty() {
            "http".to_string()
        } else {
            scheme
        };
        let host = s(h, &["host"]);
        let port = int_or_string(h.get("port"));
        let hostport = if host.contains(':') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        };
        return format!("http-get {scheme}://{hostport}{} {attrs}", s(h, &["path"]));
    }
    if !p.get("tcpSocket").is_null() {
        let t = p.get("tcpSocket");
        return format!(
            "tcp-socket {}:{} {attrs}",
            s(t, &["host"]),
            int_or_string(t.get("port"))
        );
    }
    if !p.get("grpc").is_null() {
        let g = p.get("grpc");
        return format!(
            "grpc <pod>:{} {} {attrs}",
            int(g, &["port"]),
            s(g, &["service"])
        );
    }
    format!("unknown {attrs}")
}

fn describe_status(w: &mut DW, title: &str, state: &Value) {
    if let Some(r) = state
        .get("running")
        .as_object()
        .map(|_| state.get("running"))
    {
        w.w(2, &format!("{title}:\tRunning\n"));
        w.field(3, "Started", &time_str(r.get("startedAt")));
    } else if !state.get("waiting").is_null() {
        let wt = state.get("waiting");
        w.w(2, &format!("{title}:\tWaiting\n"));
        if !s(wt, &["reason"]).is_empty() {
            w.field(3, "Reason", &s(wt, &["reason"]));
        }
    } else if !state.get("terminated").is_null() {
        let t = state.get("terminated");
        w.w(2, &format!("{title}:\tTerminated\n"));
        if !s(t, &["reason"]).is_empty() {
            w.field(3, "Reason", &s(t, &["reason"]));
        }
        if !s(t, &["message"]).is_empty() {
            w.field(3, "Message", &s(t, &["message"]));
        }
        w.field(3, "Exit Code", &int(t, &["exitCode"]));
        if int(t, &["signal"]) > 0 {
            w.field(3, "Signal", &int(t, &["signal"]));
        }
        w.field(3, "Started", &time_str(t.get("startedAt")));
        w.field(3, "Finished", &time_str(t.get("finishedAt")));
    } else {
        w.w(2, &format!("{title}:\tWaiting\n"));
    }
}

/// The value a pod's `fieldRef` resolves to (`EnvValueRetriever`).
fn field_ref_value(pod: Option<&Value>, path: &str) -> String {
    let Some(pod) = pod else {
        return String::new();
    };
    if let Some(key) = path
        .strip_prefix("metadata.labels['")
        .and_then(|k| k.strip_suffix("']"))
    {
        return s(pod, &["metadata", "labels", key]).to_string();
    }
    if let Some(key) = path
        .strip_prefix("metadata.annotations['")
        .and_then(|k| k.strip_suffix("']"))
    {
        return s(pod, &["metadata", "annotations", key]).to_string();
    }
    let parts: Vec<&str> = path.split('.').collect();
    crate::kubectl::jsonpath::text_of(pod.at(&parts))
}

fn describe_containers(
    w: &mut DW,
    label: &str,
    containers: &Value,
    statuses: &Value,
    pod: Option<&Value>,
    space: &str,
) {
    let none = if containers.items().next().is_none() {
        " <none>"
    } else {
        ""
    };
    w.w(0, &format!("{space}{label}:{none}\n"));
    let name_indent = if space.is_empty() { "" } else { " " };
    for c in containers.items() {
        let name = s(c, &["name"]);
        let status = statuses
            .items()
            .find(|st| st.get("name").as_str() == Some(name));
        w.w(1, &format!("{name_indent}{name}:\n"));
        if let Some(st) = status {
            w.field(2, "Container ID", &s(st, &["containerID"]));
        }
        w.field(2, "Image", &s(c, &["image"]));
        if let Some(st) = status {
            w.field(2, "Image ID", &s(st, &["imageID"]));
        }
        let (ports, host_ports) = port_strings(c.get("ports"));
        let or_none = |v: String| {
            if v.is_empty() {
                "<none>".to_string()
            } else {
                v
            }
        };
        if ports.contains(',') {
            w.field(2, "Ports", &ports);
        } else {
            w.field(2, "Port", &or_none(ports));
        }
        if host_ports.contains(',') {
            w.field(2, "Host Ports", &host_ports);
        } else {
            w.field(2, "Host Port", &or_none(host_ports));
        }
        for (title, key) in [("Command", "command"), ("Args", "args")] {
            if c.get(key).items().next().is_some() {
                w.w(2, &format!("{title}:\n"));
                for part in c.get(key).items() {
                    for line in part.as_str().unwrap_or("").split('\n') {
                        w.w(3, &format!("{line}\n"));
                    }
                }
            }
        }
        if let Some(st) = status {
            describe_status(w, "State", st.get("state"));
            if !st.at(&["lastState", "terminated"]).is_null() {
                describe_status(w, "Last State", st.get("lastState"));
            }
            let ready = if st.get("ready").as_bool() == Some(true) {
                "True"
            } else {
                "False"
            };
            w.field(2, "Ready", &ready);
            w.field(2, "Restart Count", &int(st, &["restartCount"]));
        }
        describe_resources(w, c.get("resources"), 2);
        for (title, key) in [
            ("Liveness", "livenessProbe"),
            ("Readiness", "readinessProbe"),
            ("Startup", "startupProbe"),
        ] {
            if !c.get(key).is_null() {
                w.w(2, &format!("{title}:\t{}\n", describe_probe(c.get(key))));
            }
        }
        if c.get("envFrom").items().next().is_some() {
            w.w(2, "Environment Variables from:\n");
            for e in c.get("envFrom").items() {
                let (from, name, optional) = if !e.get("configMapRef").is_null() {
                    (
                        "ConfigMap",
                        s(e, &["configMapRef", "name"]),
                        e.at(&["configMapRef", "optional"])
                            .as_bool()
                            .unwrap_or(false),
                    )
                } else {
                    (
                        "Secret",
                        s(e, &["secretRef", "name"]),
                        e.at(&["secretRef", "optional"]).as_bool().unwrap_or(false),
                    )
                };
                let prefix = s(e, &["prefix"]);
                if prefix.is_empty() {
                    w.w(3, &format!("{name}\t{from}\tOptional: {optional}\n"));
                } else {
                    w.w(
                        3,
                        &format!("{name}\t{from} with prefix '{prefix}'\tOptional: {optional}\n"),
                    );
                }
            }
        }
        let env: Vec<&Value> = c.get("env").items().collect();
        w.w(
            2,
            &format!(
                "Environment:{}\n",
                if env.is_empty() { "\t<none>" } else { "" }
            ),
        );
        for e in env {
            let name = s(e, &["name"]);
            let vf = e.get("valueFrom");
            if vf.is_null() {
                let value = s(e, &["value"]);
                for (i, line) in value.split('\n').enumerate() {
                    if i == 0 {
                        w.w(3, &format!("{name}:\t{line}\n"));
                    } else {
                        w.w(3, &format!("\t{line}\n"));
                    }
                }
            } else if !vf.get("fieldRef").is_null() {
                let fr = vf.get("fieldRef");
                let path = s(fr, &["fieldPath"]);
                w.w(
                    3,
                    &format!(
                        "{name}:\t{} ({}:{path})\n",
                        field_ref_value(pod, path),
                        s(fr, &["apiVersion"])
                    ),
                );
            } else if !vf.get("resourceFieldRef").is_null() {
                let rf = vf.get("resourceFieldRef");
                let resource = s(rf, &["resource"]);
                // kubectl computes it from the container described alone.
                let value = match crate::kubelet::container_resource_value(rf, c, None) {
                    Some(v) if v == "0" && matches!(resource, "limits.cpu" | "limits.memory") => {
                        "node allocatable".to_string()
                    }
                    v => v.unwrap_or_default(),
                };
                w.w(3, &format!("{name}:\t{value} ({resource})\n"));
            } else if !vf.get("secretKeyRef").is_null() {
                let r = vf.get("secretKeyRef");
                w.w(
                    3,
                    &format!(
                        "{name}:\t<set to the key '{}' in secret '{}'>\tOptional: {}\n",
                        s(r, &["key"]),
                        s(r, &["name"]),
                        r.get("optional").as_bool().unwrap_or(false)
                    ),
                );
            } else if !vf.get("configMapKeyRef").is_null() {
                let r = vf.get("configMapKeyRef");
                w.w(
                    3,
                    &format!(
                        "{name}:\t<set to the key '{}' of config map '{}'>\tOptional: {}\n",
                        s(r, &["key"]),
                        s(r, &["name"]),
                        r.get("optional").as_bool().unwrap_or(false)
                    ),
                );
            }
        }
        let mut mounts: Vec<&Value> = c.get("volumeMounts").items().collect();
        mounts.compact_sort_by(|a, b| s(a, &["mountPath"]).cmp(s(b, &["mountPath"])));
        w.w(
            2,
            &format!(
                "Mounts:{}\n",
                if mounts.is_empty() { "\t<none>" } else { "" }
            ),
        );
        for m in mounts {
            let mut flags = vec![if m.get("readOnly").as_bool() == Some(true) {
                "ro".to_string()
            } else {
                "rw".to_string()
            }];
            if !s(m, &["subPath"]).is_empty() {
                flags.push(format!(
                    "path={}",
                    crate::api::errors::quote(s(m, &["subPath"]))
                ));
            }
            w.w(
                3,
                &format!(
                    "{} from {} ({})\n",
                    s(m, &["mountPath"]),
                    s(m, &["name"]),
                    flags.join(",")
                ),
            );
        }
    }
}

fn describe_volumes(w: &mut DW, volumes: &Value, space: &str) {
    let vols: Vec<&Value> = volumes.items().collect();
    if vols.is_empty() {
        w.w(0, &format!("{space}Volumes:\t<none>\n"));
        return;
    }
    w.w(0, &format!("{space}Volumes:\n"));
    let name_indent = if space.is_empty() { "" } else { " " };
    for v in vols {
        w.w(1, &format!("{name_indent}{}:\n", s(v, &["name"])));
        volume_source(w, v);
    }
}

/// The lines for one volume source (`printHostPathVolumeSource` and the
/// others), for pods' volumes and a PersistentVolume's `Source:`.
fn volume_source(w: &mut DW, v: &Value) {
    let b = |x: &Value| x.as_bool().unwrap_or(false);
    if !v.get("hostPath").is_null() {
        let h = v.get("hostPath");
        // Defaulted to "" (HostPathUnset), which prints as empty.
        let t = match h.get("type") {
            Value::Null => "<none>",
            t => t.as_str().unwrap_or(""),
        };
        w.w(2, &format!("Type:\tHostPath (bare host directory volume)\n    Path:\t{}\n    HostPathType:\t{t}\n", s(h, &["path"])));
    } else if !v.get("emptyDir").is_null() {
        let e = v.get("emptyDir");
        let limit = match e.get("sizeLimit") {
            Value::Null => "<unset>".to_string(),
            q => {
                let t = quantity_text(q);
                if t == "0" { "<unset>".to_string() } else { t }
            }
        };
        w.w(2, &format!("Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n    Medium:\t{}\n    SizeLimit:\t{limit}\n", s(e, &["medium"])));
    } else if !v.get("secret").is_null() {
        let sec = v.get("secret");
        w.w(2, &format!("Type:\tSecret (a volume populated by a Secret)\n    SecretName:\t{}\n    Optional:\t{}\n", s(sec, &["secretName"]), b(sec.get("optional"))));
    } else if !v.get("configMap").is_null() {
        let cm = v.get("configMap");
        w.w(2, &format!("Type:\tConfigMap (a volume populated by a ConfigMap)\n    Name:\t{}\n    Optional:\t{}\n", s(cm, &["name"]), b(cm.get("optional"))));
    } else if !v.get("persistentVolumeClaim").is_null() {
        let pvc = v.get("persistentVolumeClaim");
        w.w(2, &format!("Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)\n    ClaimName:\t{}\n    ReadOnly:\t{}\n", s(pvc, &["claimName"]), b(pvc.get("readOnly"))));
    } else if !v.get("nfs").is_null() {
        let n = v.get("nfs");
        w.w(2, &format!("Type:\tNFS (an NFS mount that lasts the lifetime of a pod)\n    Server:\t{}\n    Path:\t{}\n    ReadOnly:\t{}\n", s(n, &["server"]), s(n, &["path"]), b(n.get("readOnly"))));
    } else if !v.get("downwardAPI").is_null() {
        w.w(
            2,
            "Type:\tDownwardAPI (a volume populated by information about the pod)\n    Items:\n",
        );
        for item in v.at(&["downwardAPI", "items"]).items() {
            let src = if !item.get("fieldRef").is_null() {
                s(item, &["fieldRef", "fieldPath"]).to_string()
            } else {
                s(item, &["resourceFieldRef", "resource"]).to_string()
            };
            w.w(3, &format!("{src} -> {}\n", s(item, &["path"])));
        }
    } else if !v.get("projected").is_null() {
        w.w(
            2,
            "Type:\tProjected (a volume that contains injected data from multiple sources)\n",
        );
        for src in v.at(&["projected", "sources"]).items() {
            if !src.get("secret").is_null() {
                w.w(
                    2,
                    &format!(
                        "SecretName:\t{}\n    Optional:\t{}\n",
                        s(src, &["secret", "name"]),
                        b(src.at(&["secret", "optional"]))
                    ),
                );
            } else if !src.get("downwardAPI").is_null() {
                w.w(2, "DownwardAPI:\ttrue\n");
            } else if !src.get("configMap").is_null() {
                w.w(
                    2,
                    &format!(
                        "ConfigMapName:\t{}\n    Optional:\t{}\n",
                        s(src, &["configMap", "name"]),
                        b(src.at(&["configMap", "optional"]))
                    ),
                );
            } else if !src.get("serviceAccountToken").is_null() {
                w.field(
                    2,
                    "TokenExpirationSeconds",
                    &src.at(&["serviceAccountToken", "expirationSeconds"])
                        .as_i64()
                        .unwrap_or(3607),
                );
            }
        }
    } else if !v.get("csi").is_null() {
        let c = v.get("csi");
        // A PersistentVolume's CSI source has a volume handle.
        let handle = match c.get("volumeHandle").as_str() {
            Some(h) => format!("    VolumeHandle:\t{h}\n"),
            None => String::new(),
        };
        w.w(2, &format!("Type:\tCSI (a Container Storage Interface (CSI) volume source)\n    Driver:\t{}\n    FSType:\t{}\n{handle}    ReadOnly:\t{}\n", s(c, &["driver"]), s(c, &["fsType"]), b(c.get("readOnly"))));
        labels_multiline(w, "    ", "VolumeAttributes", c.get("volumeAttributes"));
    } else if !v.get("image").is_null() {
        let i = v.get("image");
        w.w(2, &format!("Type:\tImage (a container image or OCI artifact)\n    Reference:\t{}\n    PullPolicy:\t{}\n", s(i, &["reference"]), s(i, &["pullPolicy"])));
    } else if !v.get("local").is_null() {
        w.w(2, &format!("Type:\tLocalVolume (a persistent volume backed by local storage on a node)\n    Path:\t{}\n", s(v, &["local", "path"])));
    } else {
        w.w(1, "<unknown>\n");
    }
}

/// `DescribePodTemplate`.
fn describe_pod_template(w: &mut DW, template: &Value) {
    w.w(0, "Pod Template:\n");
    if template.is_null() {
        w.w(1, "<unset>");
        return;
    }
    labels_multiline(w, "", "  Labels", template.at(&["metadata", "labels"]));
    let anns = template.at(&["metadata", "annotations"]);
    if anns.members().next().is_some() {
        annotations_multiline(w, "  Annotations", anns);
    }
    let spec = template.get("spec");
    if !s(spec, &["serviceAccountName"]).is_empty() {
        w.field(1, "Service Account", &s(spec, &["serviceAccountName"]));
    }
    if spec.get("initContainers").items().next().is_some() {
        describe_containers(
            w,
            "Init Containers",
            spec.get("initContainers"),
            &Value::Null,
            None,
            "  ",
        );
    }
    describe_containers(
        w,
        "Containers",
        spec.get("containers"),
        &Value::Null,
        None,
        "  ",
    );
    describe_volumes(w, spec.get("volumes"), "  ");
    if !s(spec, &["priorityClassName"]).is_empty() {
        w.field(1, "Priority Class Name", &s(spec, &["priorityClassName"]));
    }
    labels_multiline(w, "", "  Node-Selectors", spec.get("nodeSelector"));
    tolerations(w, "", "  Tolerations", spec.get("tolerations"));
}

/// The owner with `controller: true`, as `Kind/name`.
fn controlled_by(obj: &Value) -> Option<String> {
    obj.at(&["metadata", "ownerReferences"])
        .items()
        .find(|r| r.get("controller").as_bool() == Some(true))
        .map(|r| format!("{}/{}", s(r, &["kind"]), s(r, &["name"])))
}

// --------------------------------------------------------------- per kind

fn describe_pod(cluster: &Cluster, pod: &Value, events: Option<Vec<Value>>) -> String {
    let now = cluster.now;
    let mut w = DW::new();
    let spec = pod.get("spec");
    let status = pod.get("status");
    name_and_namespace(&mut w, pod);
    if let Some(p) = spec.get("priority").as_i64() {
        w.field(0, "Priority", &p);
    }
    if !s(spec, &["priorityClassName"]).is_empty() {
        w.field(0, "Priority Class Name", &s(spec, &["priorityClassName"]));
    }
    if !s(spec, &["runtimeClassName"]).is_empty() {
        w.field(0, "Runtime Class Name", &s(spec, &["runtimeClassName"]));
    }
    if !s(spec, &["serviceAccountName"]).is_empty() {
        w.field(0, "Service Account", &s(spec, &["serviceAccountName"]));
    }
    if s(spec, &["nodeName"]).is_empty() {
        w.w(0, "Node:\t<none>\n");
    } else {
        w.w(
            0,
            &format!(
                "Node:\t{}/{}\n",
                s(spec, &["nodeName"]),
                s(status, &["hostIP"])
            ),
        );
    }
    if !status.get("startTime").is_null() {
        w.field(0, "Start Time", &time_str(status.get("startTime")));
    }
    labels_and_annotations(&mut w, pod);
    let phase = s(status, &["phase"]);
    let deletion = pod.at(&["metadata", "deletionTimestamp"]);
    if !deletion.is_null() && phase != "Failed" && phase != "Succeeded" {
        w.w(
            0,
            &format!("Status:\tTerminating (lasts {})\n", since(now, deletion)),
        );
        w.w(
            0,
            &format!(
                "Termination Grace Period:\t{}s\n",
                int(pod, &["metadata", "deletionGracePeriodSeconds"])
            ),
        );
    } else {
        w.field(0, "Status", &phase);
    }
    if !s(status, &["reason"]).is_empty() {
        w.field(0, "Reason", &s(status, &["reason"]));
    }
    if !s(status, &["message"]).is_empty() {
        w.field(0, "Message", &s(status, &["message"]));
    }
    let seccomp = spec.at(&["securityContext", "seccompProfile"]);
    if !seccomp.is_null() {
        w.field(0, "SeccompProfile", &s(seccomp, &["type"]));
        if s(seccomp, &["type"]) == "Localhost" {
            w.field(0, "LocalhostProfile", &s(seccomp, &["localhostProfile"]));
        }
    }
    w.field(0, "IP", &s(status, &["podIP"]));
    let ips: Vec<&str> = status
        .get("podIPs")
        .items()
        .map(|p| s(p, &["ip"]))
        .collect();
    if ips.is_empty() {
        w.w(0, "IPs:\t<none>\n");
    } else {
        w.w(0, "IPs:\n");
        for ip in ips {
            w.field(1, "IP", &ip);
        }
    }
    if let Some(c) = controlled_by(pod) {
        w.field(0, "Controlled By", &c);
    }
    if !s(status, &["nominatedNodeName"]).is_empty() {
        w.field(0, "NominatedNodeName", &s(status, &["nominatedNodeName"]));
    }
    if !spec.get("resources").is_null() {
        w.w(0, "Resources:\n");
        describe_resources(&mut w, spec.get("resources"), 1);
    }
    if spec.get("initContainers").items().next().is_some() {
        describe_containers(
            &mut w,
            "Init Containers",
            spec.get("initContainers"),
            status.get("initContainerStatuses"),
            Some(pod),
            "",
        );
    }
    describe_containers(
        &mut w,
        "Containers",
        spec.get("containers"),
        status.get("containerStatuses"),
        Some(pod),
        "",
    );
    if spec.get("ephemeralContainers").items().next().is_some() {
        describe_containers(
            &mut w,
            "Ephemeral Containers",
            spec.get("ephemeralContainers"),
            status.get("ephemeralContainerStatuses"),
            Some(pod),
            "",
        );
    }
    let gates: Vec<&Value> = spec.get("readinessGates").items().collect();
    if !gates.is_empty() {
        w.w(0, "Readiness Gates:\n  Type\tStatus\n");
        for g in gates {
            let t = s(g, &["conditionType"]);
            let st = status
                .get("conditions")
                .items()
                .find(|c| c.get("type").as_str() == Some(t))
                .map(|c| s(c, &["status"]).to_string())
                .unwrap_or_else(|| "<none>".to_string());
            w.w(1, &format!("{t} \t{st} \n"));
        }
    }
    let conds: Vec<&Value> = status.get("conditions").items().collect();
    if !conds.is_empty() {
        w.w(0, "Conditions:\n  Type\tStatus\n");
        for c in conds {
            w.w(
                1,
                &format!("{} \t{} \n", s(c, &["type"]), s(c, &["status"])),
            );
        }
    }
    describe_volumes(&mut w, spec.get("volumes"), "");
    let qos = match s(status, &["qosClass"]) {
        "" => crate::api::qos_class(spec).to_string(),
        q => q.to_string(),
    };
    w.field(0, "QoS Class", &qos);
    labels_multiline(&mut w, "", "Node-Selectors", spec.get("nodeSelector"));
    tolerations(&mut w, "", "Tolerations", spec.get("tolerations"));
    let mut tsc: Vec<&Value> = spec.get("topologySpreadConstraints").items().collect();
    if !tsc.is_empty() {
        tsc.compact_sort_by(|a, b| s(a, &["topologyKey"]).cmp(s(b, &["topologyKey"])));
        w.w(0, "Topology Spread Constraints:\t");
        for (i, c) in tsc.iter().enumerate() {
            if i != 0 {
                w.w(0, "\t");
            }
            let mut line = format!(
                "{}:{} when max skew {} is exceeded",
                s(c, &["topologyKey"]),
                s(c, &["whenUnsatisfiable"]),
                int(c, &["maxSkew"])
            );
            if !c.get("labelSelector").is_null() {
                line.push_str(&format!(
                    " for selector {}",
                    printers::format_label_selector(c.get("labelSelector"))
                ));
            }
            w.w(0, &format!("{line}\n"));
        }
    }
    if let Some(events) = events {
        describe_events(&mut w, &events, now);
    }
    w.finish()
}

/// ReplicaSets a Deployment owns, oldest first.
pub(crate) fn owned_replicasets(cluster: &Cluster, d: &Value) -> Vec<Value> {
    let uid = s(d, &["metadata", "uid"]);
    let ns = s(d, &["metadata", "namespace"]);
    let mut rss: Vec<Value> = cluster
        .store
        .list(res("ReplicaSet"), Some(ns))
        .map(|(_, v)| v)
        .filter(|rs| {
            rs.at(&["metadata", "ownerReferences"]).items().any(|r| {
                r.get("uid").as_str() == Some(uid) && r.get("controller").as_bool() == Some(true)
            })
        })
        .cloned()
        .collect();
    rss.compact_sort_by(|a, b| {
        let t = |v: &Value| {
            (
                v.at(&["metadata", "creationTimestamp"])
                    .as_str()
                    .and_then(parse_rfc3339)
                    .unwrap_or(0),
                s(v, &["metadata", "name"]).to_string(),
            )
        };
        t(a).cmp(&t(b))
    });
    rss
}

/// A pod template without the `pod-template-hash` label.
pub(crate) fn template_without_hash(t: &Value) -> Value {
    let mut t = t.clone();
    if !t.at(&["metadata", "labels", "pod-template-hash"]).is_null()
        && let Some(labels) = t
            .as_object_mut()
            .and_then(|m| m.get_mut("metadata"))
            .and_then(|m| m.as_object_mut())
            .and_then(|m| m.get_mut("labels"))
    {
        labels.remove("pod-template-hash");
        if labels.is_empty() {
            t.entry("metadata").remove("labels");
        }
    }
    t
}

/// The new ReplicaSet (template equal to the Deployment's, ignoring the
/// hash) and the old ones, as deployment util's `FindNewReplicaSet`.
pub(crate) fn new_and_old(cluster: &Cluster, d: &Value) -> (Option<Value>, Vec<Value>) {
    let rss = owned_replicasets(cluster, d);
    let want = template_without_hash(d.at(&["spec", "template"]));
    let new_idx = rss
        .iter()
        .position(|rs| template_without_hash(rs.at(&["spec", "template"])) == want);
    let mut old = Vec::new();
    let mut new = None;
    for (i, rs) in rss.into_iter().enumerate() {
        if Some(i) == new_idx {
            new = Some(rs);
        } else {
            old.push(rs);
        }
    }
    (new, old)
}

fn rs_list(rss: &[&Value]) -> String {
    let list: Vec<String> = rss
        .iter()
        .map(|rs| {
            format!(
                "{} ({}/{} replicas created)",
                s(rs, &["metadata", "name"]),
                int(rs, &["status", "replicas"]),
                int(rs, &["spec", "replicas"])
            )
        })
        .collect();
    if list.is_empty() {
        "<none>".to_string()
    } else {
        list.join(", ")
    }
}

fn describe_deployment(cluster: &Cluster, d: &Value, events: Option<Vec<Value>>) -> String {
    let mut w = DW::new();
    let spec = d.get("spec");
    let st = d.get("status");
    name_and_namespace(&mut w, d);
    w.field(
        0,
        "CreationTimestamp",
        &time_str(d.at(&["metadata", "creationTimestamp"])),
    );
    labels_and_annotations(&mut w, d);
    w.field(
        0,
        "Selector",
        &printers::selector_string(spec.get("selector")),
    );
    w.w(
        0,
        &format!(
            "Replicas:\t{} desired | {} updated | {} total | {} available | {} unavailable\n",
            int(spec, &["replicas"]),
            int(st, &["updatedReplicas"]),
            int(st, &["replicas"]),
            int(st, &["availableReplicas"]),
            int(st, &["unavailableReplicas"])
        ),
    );
    w.field(0, "StrategyType", &s(spec, &["strategy", "type"]));
    w.field(0, "MinReadySeconds", &int(spec, &["minReadySeconds"]));
    let ru = spec.at(&["strategy", "rollingUpdate"]);
    if !ru.is_null() {
        w.w(
            0,
            &format!(
                "RollingUpdateStrategy:\t{} max unavailable, {} max surge\n",
                int_or_string(ru.get("maxUnavailable")),
                int_or_string(ru.get("maxSurge"))
            ),
        );
    }
    describe_pod_template(&mut w, spec.get("template"));
    let conds: Vec<&Value> = st.get("conditions").items().collect();
    if !conds.is_empty() {
        w.w(0, "Conditions:\n  Type\tStatus\tReason\n");
        w.w(1, "----\t------\t------\n");
        for c in conds {
            w.w(
                1,
                &format!(
                    "{} \t{}\t{}\n",
                    s(c, &["type"]),
                    s(c, &["status"]),
                    s(c, &["reason"])
                ),
            );
        }
    }
    let (new, old) = new_and_old(cluster, d);
    let old: Vec<&Value> = old
        .iter()
        .filter(|rs| int(rs, &["spec", "replicas"]) != 0)
        .collect();
    // GetAllReplicaSets lists them; a user who may not sees neither line.
    let may_list = cluster
        .authorize_resource(
            "list",
            res("ReplicaSet"),
            "",
            s(d, &["metadata", "namespace"]),
            "",
        )
        .is_ok();
    if may_list && (!old.is_empty() || new.is_some()) {
        w.field(0, "OldReplicaSets", &rs_list(&old));
        let new_list: Vec<&Value> = new.iter().collect();
        w.field(0, "NewReplicaSet", &rs_list(&new_list));
    }
    w.finish_with_events(events, cluster.now)
}

/// The `Pods Status:` line of a controller (`getPodStatusForController`):
/// its pods by phase.
fn pods_status(w: &mut DW, cluster: &Cluster, controller: &Value) {
    let uid = s(controller, &["metadata", "uid"]);
    let (mut running, mut waiting, mut succeeded, mut failed) = (0, 0, 0, 0);
    for (_, p) in cluster
        .store
        .list(res("Pod"), Some(s(controller, &["metadata", "namespace"])))
    {
        let owned = p.at(&["metadata", "ownerReferences"]).items().any(|r| {
            r.get("uid").as_str() == Some(uid) && r.get("controller").as_bool() == Some(true)
        });
        if !owned {
            continue;
        }
        match s(p, &["status", "phase"]) {
            "Running" => running += 1,
            "Pending" => waiting += 1,
            "Succeeded" => succeeded += 1,
            "Failed" => failed += 1,
            _ => {}
        }
    }
    w.w(
        0,
        &format!("Pods Status:\t{running} Running / {waiting} Waiting / {succeeded} Succeeded / {failed} Failed\n"),
    );
}

/// `DaemonSetDescriber`.
fn describe_daemonset(cluster: &Cluster, ds: &Value, events: Option<Vec<Value>>) -> String {
    let mut w = DW::new();
    name_and_namespace(&mut w, ds);
    w.field(
        0,
        "Selector",
        &printers::selector_string(ds.at(&["spec", "selector"])),
    );
    w.field(
        0,
        "Node-Selector",
        &printers::format_labels(ds.at(&["spec", "template", "spec", "nodeSelector"])),
    );
    labels_and_annotations(&mut w, ds);
    for (title, field) in [
        (
            "Desired Number of Nodes Scheduled",
            "desiredNumberScheduled",
        ),
        (
            "Current Number of Nodes Scheduled",
            "currentNumberScheduled",
        ),
        (
            "Number of Nodes Scheduled with Up-to-date Pods",
            "updatedNumberScheduled",
        ),
        (
            "Number of Nodes Scheduled with Available Pods",
            "numberAvailable",
        ),
        ("Number of Nodes Misscheduled", "numberMisscheduled"),
    ] {
        // No tab: kubectl writes these with a plain space.
        w.w(0, &format!("{title}: {}\n", int(ds, &["status", field])));
    }
    pods_status(&mut w, cluster, ds);
    describe_pod_template(&mut w, ds.at(&["spec", "template"]));
    w.finish_with_events(events, cluster.now)
}

/// `StatefulSetDescriber`. Kubeplay stores StatefulSets without running
/// them, so their status stays as written.
fn describe_statefulset(cluster: &Cluster, ss: &Value, events: Option<Vec<Value>>) -> String {
    let mut w = DW::new();
    let spec = ss.get("spec");
    name_and_namespace(&mut w, ss);
    w.field(
        0,
        "CreationTimestamp",
        &time_str(ss.at(&["metadata", "creationTimestamp"])),
    );
    w.field(
        0,
        "Selector",
        &printers::selector_string(spec.get("selector")),
    );
    labels_and_annotations(&mut w, ss);
    w.w(
        0,
        &format!(
            "Replicas:\t{} desired | {} total\n",
            int(spec, &["replicas"]),
            int(ss, &["status", "replicas"])
        ),
    );
    w.field(0, "Update Strategy", &s(spec, &["updateStrategy", "type"]));
    let rolling = spec.at(&["updateStrategy", "rollingUpdate"]);
    if let Some(partition) = rolling.get("partition").as_i64() {
        w.field(1, "Partition", &partition);
        let max_unavailable = rolling.get("maxUnavailable");
        if !max_unavailable.is_null() {
            w.field(1, "MaxUnavailable", &int_or_string(max_unavailable));
        }
    }
    pods_status(&mut w, cluster, ss);
    describe_pod_template(&mut w, spec.get("template"));
    let templates: Vec<&Value> = spec.get("volumeClaimTemplates").items().collect();
    if templates.is_empty() {
        w.w(0, "Volume Claims:\t<none>\n");
    } else {
        w.w(0, "Volume Claims:\n");
        for pvc in templates {
            w.field(1, "Name", &s(pvc, &["metadata", "name"]));
            let class = pvc_storage_class(pvc);
            w.field(1, "StorageClass", &class);
            labels_multiline(&mut w, "  ", "Labels", pvc.at(&["metadata", "labels"]));
            labels_multiline(
                &mut w,
                "  ",
                "Annotations",
                pvc.at(&["metadata", "annotations"]),
            );
            let capacity = pvc.at(&["spec", "resources", "requests", "storage"]);
            let capacity = if capacity.is_null() {
                "<default>".to_string()
            } else {
                quantity_text(capacity)
            };
            w.field(1, "Capacity", &capacity);
            // Go prints the slice of modes as `[ReadWriteOnce]`.
            let modes: Vec<&str> = pvc
                .at(&["spec", "accessModes"])
                .items()
                .filter_map(Value::as_str)
                .collect();
            w.w(1, &format!("Access Modes:\t[{}]\n", modes.join(" ")));
        }
    }
    w.finish_with_events(events, cluster.now)
}

/// The `Conditions:` table of a ReplicaSet or ReplicationController.
fn replica_conditions(w: &mut DW, controller: &Value) {
    let conds: Vec<&Value> = controller.at(&["status", "conditions"]).items().collect();
    if !conds.is_empty() {
        w.w(0, "Conditions:\n  Type\tStatus\tReason\n");
        w.w(1, "----\t------\t------\n");
        for c in conds {
            w.w(
                1,
                &format!(
                    "{} \t{}\t{}\n",
                    s(c, &["type"]),
                    s(c, &["status"]),
                    s(c, &["reason"])
                ),
            );
        }
    }
}

/// `ReplicationControllerDescriber`.
fn describe_replication_controller(
    cluster: &Cluster,
    rc: &Value,
    events: Option<Vec<Value>>,
) -> String {
    let mut w = DW::new();
    name_and_namespace(&mut w, rc);
    w.field(
        0,
        "Selector",
        &printers::format_labels(rc.at(&["spec", "selector"])),
    );
    labels_and_annotations(&mut w, rc);
    w.w(
        0,
        &format!(
            "Replicas:\t{} current / {} desired\n",
            int(rc, &["status", "replicas"]),
            int(rc, &["spec", "replicas"])
        ),
    );
    pods_status(&mut w, cluster, rc);
    describe_pod_template(&mut w, rc.at(&["spec", "template"]));
    replica_conditions(&mut w, rc);
    w.finish_with_events(events, cluster.now)
}

/// `describePriorityClass`.
fn describe_priority_class(cluster: &Cluster, pc: &Value, events: Option<Vec<Value>>) -> String {
    let mut w = DW::new();
    w.field(0, "Name", &s(pc, &["metadata", "name"]));
    w.field(0, "Value", &int(pc, &["value"]));
    w.field(
        0,
        "GlobalDefault",
        &pc.get("globalDefault").as_bool().unwrap_or(false),
    );
    w.field(0, "PreemptionPolicy", &s(pc, &["preemptionPolicy"]));
    w.field(0, "Description", &s(pc, &["description"]));
    w.field(
        0,
        "Annotations",
        &printers::format_labels(pc.at(&["metadata", "annotations"])),
    );
    w.finish_with_events(events, cluster.now)
}

/// `describeIngressClassV1`.
fn describe_ingress_class(cluster: &Cluster, ic: &Value, events: Option<Vec<Value>>) -> String {
    let mut w = DW::new();
    w.field(0, "Name", &s(ic, &["metadata", "name"]));
    labels_and_annotations(&mut w, ic);
    w.field(0, "Controller", &s(ic, &["spec", "controller"]));
    let params = ic.at(&["spec", "parameters"]);
    if !params.is_null() {
        w.w(0, "Parameters:\n");
        if let Some(group) = params.get("apiGroup").as_str() {
            w.field(1, "APIGroup", &group);
        }
        w.field(1, "Kind", &s(params, &["kind"]));
        w.field(1, "Name", &s(params, &["name"]));
    }
    w.finish_with_events(events, cluster.now)
}

/// `describeNetworkPolicy` (kubectl prints no events for it).
fn describe_network_policy(np: &Value) -> String {
    let mut w = DW::new();
    name_and_namespace(&mut w, np);
    // `metav1.Time` printed with %s: Go's time.Time.String().
    let created = s(np, &["metadata", "creationTimestamp"])
        .replacen('T', " ", 1)
        .replace('Z', " +0000 UTC");
    w.field(0, "Created on", &created);
    labels_and_annotations(&mut w, np);
    let spec = np.get("spec");
    w.w(0, "Spec:\n");
    w.w(1, "PodSelector: ");
    let pod_selector = spec.get("podSelector");
    if pod_selector.get("matchLabels").is_empty() && pod_selector.get("matchExpressions").is_empty()
    {
        w.w(
            2,
            "<none> (Allowing the specific traffic to all pods in this namespace)\n",
        );
    } else {
        w.w(
            2,
            &format!("{}\n", printers::format_label_selector(pod_selector)),
        );
    }
    let types: Vec<&str> = spec
        .get("policyTypes")
        .items()
        .filter_map(Value::as_str)
        .collect();
    if types.contains(&"Ingress") {
        w.w(1, "Allowing ingress traffic:\n");
        network_policy_rules(&mut w, spec.get("ingress"), "from", "From", "source");
    } else {
        w.w(1, "Not affecting ingress traffic\n");
    }
    if types.contains(&"Egress") {
        w.w(1, "Allowing egress traffic:\n");
        network_policy_rules(&mut w, spec.get("egress"), "to", "To", "destination");
    } else {
        w.w(1, "Not affecting egress traffic\n");
    }
    let types = if types.is_empty() {
        "<none>".to_string()
    } else {
        types.join(", ")
    };
    w.w(1, &format!("Policy Types: {types}\n"));
    w.finish()
}

/// `printNetworkPolicySpecIngressFrom` and `printNetworkPolicySpecEgressTo`
/// (the same but for their words).
fn network_policy_rules(w: &mut DW, rules: &Value, peers: &str, title: &str, whom: &str) {
    const INDENT: &str = "    ";
    let rules: Vec<&Value> = rules.items().collect();
    if rules.is_empty() {
        let direction = if peers == "from" { "ingress" } else { "egress" };
        w.w(
            0,
            &format!("{INDENT}<none> (Selected pods are isolated for {direction} connectivity)\n"),
        );
        return;
    }
    for (i, rule) in rules.iter().enumerate() {
        let ports: Vec<&Value> = rule.get("ports").items().collect();
        if ports.is_empty() {
            w.w(
                0,
                &format!("{INDENT}To Port: <any> (traffic allowed to all ports)\n"),
            );
        }
        for port in ports {
            let protocol = port.get("protocol").as_str().unwrap_or("TCP");
            // A nil *IntOrString prints as <nil>.
            let number = match port.get("port") {
                Value::Null => "<nil>".to_string(),
                p => int_or_string(p),
            };
            match port.get("endPort").as_i64() {
                None => w.w(0, &format!("{INDENT}To Port: {number}/{protocol}\n")),
                Some(end) => w.w(
                    0,
                    &format!("{INDENT}To Port Range: {number}-{end}/{protocol}\n"),
                ),
            }
        }
        let peer_list: Vec<&Value> = rule.get(peers).items().collect();
        if peer_list.is_empty() {
            w.w(
                0,
                &format!("{INDENT}{title}: <any> (traffic not restricted by {whom})\n"),
            );
        }
        for peer in peer_list {
            w.w(0, &format!("{INDENT}{title}:\n"));
            let pods = peer.get("podSelector");
            let namespaces = peer.get("namespaceSelector");
            let ip_block = peer.get("ipBlock");
            let selector = printers::format_label_selector;
            if !pods.is_null() && !namespaces.is_null() {
                w.w(
                    1,
                    &format!("{INDENT}NamespaceSelector: {}\n", selector(namespaces)),
                );
                w.w(1, &format!("{INDENT}PodSelector: {}\n", selector(pods)));
            } else if !pods.is_null() {
                w.w(1, &format!("{INDENT}PodSelector: {}\n", selector(pods)));
            } else if !namespaces.is_null() {
                w.w(
                    1,
                    &format!("{INDENT}NamespaceSelector: {}\n", selector(namespaces)),
                );
            } else if !ip_block.is_null() {
                w.w(1, &format!("{INDENT}IPBlock:\n"));
                w.w(2, &format!("{INDENT}CIDR: {}\n", s(ip_block, &["cidr"])));
                let except: Vec<&str> = ip_block
                    .get("except")
                    .items()
                    .filter_map(Value::as_str)
                    .collect();
                w.w(2, &format!("{INDENT}Except: {}\n", except.join(", ")));
            }
        }
        if i + 1 != rules.len() {
            w.w(0, &format!("{INDENT}----------\n"));
        }
    }
}

/// `describeCronJob`. Kubeplay stores CronJobs without running them.
fn describe_cronjob(cluster: &Cluster, cj: &Value, events: Option<Vec<Value>>) -> String {
    let mut w = DW::new();
    let spec = cj.get("spec");
    name_and_namespace(&mut w, cj);
    labels_and_annotations(&mut w, cj);
    w.field(0, "Schedule", &s(spec, &["schedule"]));
    w.field(0, "Concurrency Policy", &s(spec, &["concurrencyPolicy"]));
    let suspend = bool_ptr(spec.get("suspend").as_bool());
    w.field(0, "Suspend", &suspend);
    let unset_or = |v: &Value, unit: &str| match v.as_i64() {
        Some(n) => format!("{n}{unit}"),
        None => "<unset>".to_string(),
    };
    w.field(
        0,
        "Successful Job History Limit",
        &unset_or(spec.get("successfulJobsHistoryLimit"), ""),
    );
    w.field(
        0,
        "Failed Job History Limit",
        &unset_or(spec.get("failedJobsHistoryLimit"), ""),
    );
    w.field(
        0,
        "Starting Deadline Seconds",
        &unset_or(spec.get("startingDeadlineSeconds"), "s"),
    );
    // `describeJobTemplate`.
    let job_spec = spec.at(&["jobTemplate", "spec"]);
    let selector = job_spec.get("selector");
    if selector.is_null() {
        w.w(0, "Selector:\t<unset>\n");
    } else {
        w.field(0, "Selector", &printers::selector_string(selector));
    }
    w.field(0, "Parallelism", &unset_or(job_spec.get("parallelism"), ""));
    w.field(0, "Completions", &unset_or(job_spec.get("completions"), ""));
    if let Some(n) = job_spec.get("activeDeadlineSeconds").as_i64() {
        w.w(0, &format!("Active Deadline Seconds:\t{n}s\n"));
    }
    describe_pod_template(&mut w, job_spec.get("template"));
    match cj
        .at(&["status", "lastScheduleTime"])
        .as_str()
        .and_then(parse_rfc3339)
    {
        Some(t) => w.field(0, "Last Schedule Time", &rfc1123z(t)),
        None => w.w(0, "Last Schedule Time:\t<unset>\n"),
    }
    let active: Vec<&str> = cj
        .at(&["status", "active"])
        .items()
        .map(|j| s(j, &["name"]))
        .collect();
    if active.is_empty() {
        w.w(0, "Active Jobs:\t<none>\n");
    } else {
        w.field(0, "Active Jobs", &active.join(", "));
    }
    w.finish_with_events(events, cluster.now)
}

/// `describePersistentVolumeClaim`. Kubeplay stores claims without
/// provisioning them.
fn describe_pvc(cluster: &Cluster, pvc: &Value, events: Option<Vec<Value>>) -> String {
    let mut w = DW::new();
    let spec = pvc.get("spec");
    let name = s(pvc, &["metadata", "name"]);
    let namespace = s(pvc, &["metadata", "namespace"]);
    w.field(0, "Name", &name);
    w.field(0, "Namespace", &namespace);
    let class = pvc_storage_class(pvc);
    w.field(0, "StorageClass", &class);
    let deletion = pvc.at(&["metadata", "deletionTimestamp"]);
    if deletion.is_null() {
        w.field(0, "Status", &s(pvc, &["status", "phase"]));
    } else {
        w.w(
            0,
            &format!(
                "Status:\tTerminating (lasts {})\n",
                super::duration::since(cluster.now, deletion)
            ),
        );
    }
    let volume = s(spec, &["volumeName"]);
    w.field(0, "Volume", &volume);
    labels_and_annotations(&mut w, pvc);
    let finalizers: Vec<&str> = pvc
        .at(&["metadata", "finalizers"])
        .items()
        .filter_map(Value::as_str)
        .collect();
    w.w(0, &format!("Finalizers:\t[{}]\n", finalizers.join(" ")));
    let (capacity, modes) = if volume.is_empty() {
        (String::new(), String::new())
    } else {
        (
            // The zero Quantity when the status has no capacity yet.
            match pvc.at(&["status", "capacity", "storage"]) {
                Value::Null => "0".to_string(),
                q => quantity_text(q),
            },
            printers::access_modes(pvc.at(&["status", "accessModes"])),
        )
    };
    w.field(0, "Capacity", &capacity);
    w.field(0, "Access Modes", &modes);
    if let Some(mode) = spec.get("volumeMode").as_str() {
        w.field(0, "VolumeMode", &mode);
    }
    let source = spec.get("dataSource");
    if !source.is_null() {
        w.w(0, "DataSource:\n");
        if let Some(group) = source.get("apiGroup").as_str() {
            w.field(1, "APIGroup", &group);
        }
        w.field(1, "Kind", &s(source, &["kind"]));
        w.field(1, "Name", &s(source, &["name"]));
    }
    // `getPodsForPVC`: a pod once per volume mounting the claim, then pods
    // that own the claim (ephemeral volumes); printed by name.
    let pods: Vec<&Value> = cluster
        .store
        .list(res("Pod"), Some(namespace))
        .map(|(_, p)| p)
        .collect();
    let mut users: Vec<&str> = Vec::new();
    for p in &pods {
        for v in p.at(&["spec", "volumes"]).items() {
            if v.at(&["persistentVolumeClaim", "claimName"]).as_str() == Some(name) {
                users.push(s(p, &["metadata", "name"]));
            }
        }
    }
    for owner in pvc.at(&["metadata", "ownerReferences"]).items() {
        if owner.get("kind").as_str() != Some("Pod") {
            continue;
        }
        let uid = owner.get("uid").as_str();
        if let Some(p) = pods
            .iter()
            .find(|p| p.at(&["metadata", "uid"]).as_str() == uid)
        {
            let pod_name = s(p, &["metadata", "name"]);
            if !users.contains(&pod_name) {
                users.push(pod_name);
            }
        }
    }
    users.compact_sort();
    if users.is_empty() {
        w.w(0, "Used By:\t<none>\n");
    } else {
        for (i, user) in users.iter().enumerate() {
            let title = if i == 0 { "Used By:" } else { "" };
            w.w(0, &format!("{title}\t{user}\n"));
        }
    }
    let conditions: Vec<&Value> = pvc.at(&["status", "conditions"]).items().collect();
    if !conditions.is_empty() {
        w.w(0, "Conditions:\n");
        w.w(
            1,
            "Type\tStatus\tLastProbeTime\tLastTransitionTime\tReason\tMessage\n",
        );
        w.w(
            1,
            "----\t------\t-----------------\t------------------\t------\t-------\n",
        );
        for c in conditions {
            w.w(
                1,
                &format!(
                    "{} \t{} \t{} \t{} \t{} \t{}\n",
                    s(c, &["type"]),
                    s(c, &["status"]),
                    time_str(c.get("lastProbeTime")),
                    time_str(c.get("lastTransitionTime")),
                    s(c, &["reason"]),
                    s(c, &["message"])
                ),
            );
        }
    }
    w.finish_with_events(events, cluster.now)
}

/// `RoleDescriber` and `ClusterRoleDescriber`: the rules broken down,
/// compacted and sorted as `kubectl describe` shows them (no events).
fn describe_role(role: &Value) -> String {
    let mut w = DW::new();
    w.field(0, "Name", &s(role, &["metadata", "name"]));
    labels_and_annotations(&mut w, role);
    w.w(0, "PolicyRule:\n");
    w.w(1, "Resources\tNon-Resource URLs\tResource Names\tVerbs\n");
    w.w(1, "---------\t-----------------\t--------------\t-----\n");
    for r in crate::kubectl::rbac_rules::compact_rules(role.get("rules").items()) {
        w.w(1, &crate::kubectl::rbac_rules::rule_row(&r));
    }
    w.finish()
}

/// `RoleBindingDescriber` and `ClusterRoleBindingDescriber` (no events).
fn describe_role_binding(binding: &Value) -> String {
    let mut w = DW::new();
    w.field(0, "Name", &s(binding, &["metadata", "name"]));
    labels_and_annotations(&mut w, binding);
    w.w(0, "Role:\n");
    w.field(1, "Kind", &s(binding, &["roleRef", "kind"]));
    w.field(1, "Name", &s(binding, &["roleRef", "name"]));
    w.w(0, "Subjects:\n");
    w.w(1, "Kind\tName\tNamespace\n");
    w.w(1, "----\t----\t---------\n");
    for subject in binding.get("subjects").items() {
        w.w(
            1,
            &format!(
                "{}\t{}\t{}\n",
                s(subject, &["kind"]),
                s(subject, &["name"]),
                s(subject, &["namespace"])
            ),
        );
    }
    w.finish()
}

/// `describePersistentVolume`.
fn describe_pv(cluster: &Cluster, pv: &Value, events: Option<Vec<Value>>) -> String {
    let mut w = DW::new();
    let spec = pv.get("spec");
    w.field(0, "Name", &s(pv, &["metadata", "name"]));
    labels_and_annotations(&mut w, pv);
    let finalizers: Vec<&str> = pv
        .at(&["metadata", "finalizers"])
        .items()
        .filter_map(Value::as_str)
        .collect();
    w.w(0, &format!("Finalizers:\t[{}]\n", finalizers.join(" ")));
    // GetPersistentVolumeClass reads the same annotation first.
    w.field(0, "StorageClass", &pvc_storage_class(pv));
    let deletion = pv.at(&["metadata", "deletionTimestamp"]);
    if deletion.is_null() {
        w.field(0, "Status", &s(pv, &["status", "phase"]));
    } else {
        w.w(
            0,
            &format!(
                "Status:\tTerminating (lasts {})\n",
                super::duration::since(cluster.now, deletion)
            ),
        );
    }
    let claim = spec.get("claimRef");
    let claim = if claim.is_null() {
        String::new()
    } else {
        format!("{}/{}", s(claim, &["namespace"]), s(claim, &["name"]))
    };
    w.field(0, "Claim", &claim);
    w.field(
        0,
        "Reclaim Policy",
        &s(spec, &["persistentVolumeReclaimPolicy"]),
    );
    w.field(
        0,
        "Access Modes",
        &printers::access_modes(spec.get("accessModes")),
    );
    if let Some(mode) = spec.get("volumeMode").as_str() {
        w.field(0, "VolumeMode", &mode);
    }
    w.field(
        0,
        "Capacity",
        &quantity_text(spec.at(&["capacity", "storage"])),
    );
    w.w(0, "Node Affinity:\t");
    let terms = spec.at(&["nodeAffinity", "required", "nodeSelectorTerms"]);
    if spec.at(&["nodeAffinity", "required"]).is_null() {
        w.w(0, "<none>\n");
    } else {
        w.w(0, "\n");
        w.w(1, "Required Terms:\t");
        let terms: Vec<&Value> = terms.items().collect();
        if terms.is_empty() {
            w.w(0, "<none>\n");
        } else {
            w.w(0, "\n");
        }
        for (i, term) in terms.iter().enumerate() {
            w.w(2, &format!("Term {i}:\t"));
            let reqs: Vec<&Value> = term.get("matchExpressions").items().collect();
            if reqs.is_empty() {
                w.w(0, "<none>\n");
            }
            for (j, req) in reqs.iter().enumerate() {
                if j != 0 {
                    w.w(2, "\t");
                }
                let values: Vec<&str> = req
                    .get("values")
                    .items()
                    .filter_map(Value::as_str)
                    .collect();
                let mut expr = format!(
                    "{} {}",
                    s(req, &["key"]),
                    crate::casemap::to_lower(s(req, &["operator"]))
                );
                if !values.is_empty() {
                    expr = format!("{expr} [{}]", values.join(", "));
                }
                w.w(0, &format!("{expr}\n"));
            }
        }
    }
    w.field(0, "Message", &s(pv, &["status", "message"]));
    w.w(0, "Source:\n");
    volume_source(&mut w, spec);
    w.finish_with_events(events, cluster.now)
}

/// `describeHorizontalPodAutoscalerV2`. Kubeplay stores autoscalers
/// without running them, so current values stay `<unknown>`.
fn describe_hpa(cluster: &Cluster, hpa: &Value, events: Option<Vec<Value>>) -> String {
    let mut w = DW::new();
    let spec = hpa.get("spec");
    let status = hpa.get("status");
    name_and_namespace(&mut w, hpa);
    labels_and_annotations(&mut w, hpa);
    w.field(
        0,
        "CreationTimestamp",
        &time_str(hpa.at(&["metadata", "creationTimestamp"])),
    );
    let target = spec.get("scaleTargetRef");
    w.w(
        0,
        &format!(
            "Reference:\t{}/{}\n",
            s(target, &["kind"]),
            s(target, &["name"])
        ),
    );
    w.w(0, "Metrics:\t( current / target )\n");
    let current_metrics: Vec<&Value> = status.get("currentMetrics").items().collect();
    // The i-th current metric's `current` for a source type, if reported.
    let current = |i: usize, source: &str| {
        current_metrics
            .get(i)
            .map(|m| m.at(&[source, "current"]))
            .filter(|c| !c.is_null())
    };
    let q = |v: &Value| quantity_text(v);
    for (i, metric) in spec.get("metrics").items().enumerate() {
        let ty = s(metric, &["type"]);
        match ty {
            "Pods" => {
                let m = metric.get("pods");
                let now = current(i, "pods")
                    .map_or_else(|| "<unknown>".to_string(), |c| q(c.get("averageValue")));
                w.w(
                    1,
                    &format!(
                        "{} on pods:\t{now} / {}\n",
                        golang::quote(s(m, &["metric", "name"])),
                        q(m.at(&["target", "averageValue"]))
                    ),
                );
            }
            "External" | "Object" => {
                let source = if ty == "External" {
                    "external"
                } else {
                    "object"
                };
                let m = metric.get(source);
                // External picks the average by the field set, Object by
                // the target's type.
                let average = if ty == "External" {
                    !m.at(&["target", "averageValue"]).is_null()
                } else {
                    s(m, &["target", "type"]) == "AverageValue"
                };
                let (field, label) = if average {
                    ("averageValue", "target average value")
                } else {
                    ("value", "target value")
                };
                let head = if ty == "External" {
                    golang::quote(s(m, &["metric", "name"]))
                } else {
                    let described = m.get("describedObject");
                    format!(
                        "\"{}\" on {}/{}",
                        s(m, &["metric", "name"]),
                        s(described, &["kind"]),
                        s(described, &["name"])
                    )
                };
                let now =
                    current(i, source).map_or_else(|| "<unknown>".to_string(), |c| q(c.get(field)));
                w.w(
                    1,
                    &format!(
                        "{head} ({label}):\t{now} / {}\n",
                        q(m.at(&["target", field]))
                    ),
                );
            }
            "Resource" | "ContainerResource" => {
                let source = if ty == "Resource" {
                    "resource"
                } else {
                    "containerResource"
                };
                let m = metric.get(source);
                if ty == "Resource" {
                    w.w(1, &format!("resource {} on pods", s(m, &["name"])));
                } else {
                    w.w(
                        1,
                        &format!(
                            "resource {} of container \"{}\" on pods",
                            s(m, &["name"]),
                            s(m, &["container"])
                        ),
                    );
                }
                let average = m.at(&["target", "averageValue"]);
                if !average.is_null() {
                    let now = current(i, source)
                        .map_or_else(|| "<unknown>".to_string(), |c| q(c.get("averageValue")));
                    w.w(0, &format!(":\t{now} / {}\n", q(average)));
                } else {
                    let now = current(i, source)
                        .filter(|c| !c.get("averageUtilization").is_null())
                        .map_or_else(
                            || "<unknown>".to_string(),
                            |c| {
                                format!(
                                    "{}% ({})",
                                    int(c, &["averageUtilization"]),
                                    q(c.get("averageValue"))
                                )
                            },
                        );
                    let goal = match m.at(&["target", "averageUtilization"]).as_i64() {
                        Some(u) => format!("{u}%"),
                        None => "<auto>".to_string(),
                    };
                    w.w(
                        1,
                        &format!("(as a percentage of request):\t{now} / {goal}\n"),
                    );
                }
            }
            other => w.w(
                1,
                &format!("<unknown metric type {}>\n", golang::quote(other)),
            ),
        }
    }
    let min = match spec.get("minReplicas").as_i64() {
        Some(n) => n.to_string(),
        None => "<unset>".to_string(),
    };
    w.field(0, "Min replicas", &min);
    w.field(0, "Max replicas", &int(spec, &["maxReplicas"]));
    let behavior = spec.get("behavior");
    if !behavior.is_null() {
        w.w(0, "Behavior:\n");
        for (direction, key) in [("Scale Up", "scaleUp"), ("Scale Down", "scaleDown")] {
            let rules = behavior.get(key);
            if rules.is_null() {
                continue;
            }
            w.w(1, &format!("{direction}:\n"));
            if let Some(window) = rules.get("stabilizationWindowSeconds").as_i64() {
                w.w(2, &format!("Stabilization Window: {window} seconds\n"));
            }
            let policies: Vec<&Value> = rules.get("policies").items().collect();
            if !policies.is_empty() {
                let select = rules.get("selectPolicy").as_str().unwrap_or("Max");
                w.w(2, &format!("Select Policy: {select}\n"));
                w.w(2, "Policies:\n");
                for p in policies {
                    w.w(
                        3,
                        &format!(
                            "- Type: {}\tValue: {}\tPeriod: {} seconds\n",
                            s(p, &["type"]),
                            int(p, &["value"]),
                            int(p, &["periodSeconds"])
                        ),
                    );
                }
            }
        }
    }
    w.w(
        0,
        &format!(
            "{} pods:\t{} current / {} desired\n",
            s(target, &["kind"]),
            int(status, &["currentReplicas"]),
            int(status, &["desiredReplicas"])
        ),
    );
    let conditions: Vec<&Value> = status.get("conditions").items().collect();
    if !conditions.is_empty() {
        w.w(0, "Conditions:\n");
        w.w(1, "Type\tStatus\tReason\tMessage\n");
        w.w(1, "----\t------\t------\t-------\n");
        for c in conditions {
            w.w(
                1,
                &format!(
                    "{}\t{}\t{}\t{}\n",
                    s(c, &["type"]),
                    s(c, &["status"]),
                    s(c, &["reason"]),
                    s(c, &["message"])
                ),
            );
        }
    }
    w.finish_with_events(events, cluster.now)
}

/// `describePodDisruptionBudgetV1`.
fn describe_pdb(cluster: &Cluster, pdb: &Value, events: Option<Vec<Value>>) -> String {
    let mut w = DW::new();
    let spec = pdb.get("spec");
    let status = pdb.get("status");
    name_and_namespace(&mut w, pdb);
    if !spec.get("minAvailable").is_null() {
        w.field(0, "Min available", &int_or_string(spec.get("minAvailable")));
    } else if !spec.get("maxUnavailable").is_null() {
        w.field(
            0,
            "Max unavailable",
            &int_or_string(spec.get("maxUnavailable")),
        );
    }
    let selector = spec.get("selector");
    if selector.is_null() {
        w.w(0, "Selector:\t<unset>\n");
    } else {
        w.field(0, "Selector", &printers::format_label_selector(selector));
    }
    w.w(0, "Status:\n");
    for (title, field) in [
        ("Allowed disruptions", "disruptionsAllowed"),
        ("Current", "currentHealthy"),
        ("Desired", "desiredHealthy"),
        ("Total", "expectedPods"),
    ] {
        w.field(2, title, &int(status, &[field]));
    }
    w.finish_with_events(events, cluster.now)
}

/// `describeStorageClass`.
fn describe_storage_class(cluster: &Cluster, sc: &Value, events: Option<Vec<Value>>) -> String {
    let mut w = DW::new();
    let annotations = sc.at(&["metadata", "annotations"]);
    w.field(0, "Name", &s(sc, &["metadata", "name"]));
    let default = if printers::is_default_storage_class(sc) {
        "Yes"
    } else {
        "No"
    };
    w.field(0, "IsDefaultClass", &default);
    w.field(0, "Annotations", &printers::format_labels(annotations));
    w.field(0, "Provisioner", &s(sc, &["provisioner"]));
    w.field(
        0,
        "Parameters",
        &printers::format_labels(sc.get("parameters")),
    );
    let expansion = bool_ptr(sc.get("allowVolumeExpansion").as_bool());
    w.field(0, "AllowVolumeExpansion", &expansion);
    let options: Vec<&str> = sc
        .get("mountOptions")
        .items()
        .filter_map(Value::as_str)
        .collect();
    if options.is_empty() {
        w.w(0, "MountOptions:\t<none>\n");
    } else {
        w.w(0, "MountOptions:\n");
        for option in options {
            w.w(1, &format!("{option}\n"));
        }
    }
    if let Some(policy) = sc.get("reclaimPolicy").as_str() {
        w.field(0, "ReclaimPolicy", &policy);
    }
    if let Some(mode) = sc.get("volumeBindingMode").as_str() {
        w.field(0, "VolumeBindingMode", &mode);
    }
    let topologies = sc.get("allowedTopologies");
    if !topologies.is_null() {
        w.w(0, "AllowedTopologies:\t");
        let terms: Vec<&Value> = topologies.items().collect();
        if terms.is_empty() {
            w.w(0, "<none>\n");
        } else {
            w.w(0, "\n");
            for (i, term) in terms.iter().enumerate() {
                w.w(1, &format!("Term {i}:\t"));
                let reqs: Vec<&Value> = term.get("matchLabelExpressions").items().collect();
                if reqs.is_empty() {
                    w.w(0, "<none>\n");
                }
                for (j, req) in reqs.iter().enumerate() {
                    if j != 0 {
                        w.w(1, "\t");
                    }
                    let values: Vec<&str> = req
                        .get("values")
                        .items()
                        .filter_map(Value::as_str)
                        .collect();
                    let mut expr = format!("{} in", s(req, &["key"]));
                    if !values.is_empty() {
                        expr = format!("{expr} [{}]", values.join(", "));
                    }
                    w.w(0, &format!("{expr}\n"));
                }
            }
        }
    }
    w.finish_with_events(events, cluster.now)
}

/// `describeLimitRange`. kubectl walks each limit's resources in Go map
/// order (random); Kubeplay lists them by name.
fn describe_limit_range(lr: &Value) -> String {
    let mut w = DW::new();
    name_and_namespace(&mut w, lr);
    w.w(
        0,
        "Type\tResource\tMin\tMax\tDefault Request\tDefault Limit\tMax Limit/Request Ratio\n",
    );
    w.w(
        0,
        "----\t--------\t---\t---\t---------------\t-------------\t-----------------------\n",
    );
    const COLUMNS: [&str; 5] = [
        "min",
        "max",
        "defaultRequest",
        "default",
        "maxLimitRequestRatio",
    ];
    for item in lr.at(&["spec", "limits"]).items() {
        let mut resources: Vec<&str> = COLUMNS
            .iter()
            .flat_map(|c| item.get(c).members().map(|(k, _)| k))
            .collect();
        resources.compact_sort();
        resources.dedup();
        for resource in resources {
            let cell = |column: &str| match item.at(&[column, resource]) {
                Value::Null => "-".to_string(),
                q => quantity_text(q),
            };
            w.w(
                0,
                &format!(
                    "{}\t{resource}\t{}\t{}\t{}\t{}\t{}\n",
                    s(item, &["type"]),
                    cell("min"),
                    cell("max"),
                    cell("defaultRequest"),
                    cell("default"),
                    cell("maxLimitRequestRatio")
                ),
            );
        }
    }
    w.finish()
}

/// `describeQuota`. Kubeplay stores quotas without the quota controller,
/// so `status.hard` and `status.used` stay as written.
fn describe_resource_quota(quota: &Value) -> String {
    let mut w = DW::new();
    name_and_namespace(&mut w, quota);
    let scopes = quota_scopes(quota);
    if !scopes.is_empty() {
        w.field(0, "Scopes", &scopes.join(", "));
        for help in scopes.iter().filter_map(|s| quota_scope_help(s)) {
            w.w(0, &format!(" * {help}\n"));
        }
    }
    w.w(0, "Resource\tUsed\tHard\n");
    w.w(0, "--------\t----\t----\n");
    // Sorted by name (`SortableResourceNames`).
    for (resource, hard) in quota.at(&["status", "hard"]).members() {
        w.w(
            0,
            &format!(
                "{resource}\t{}\t{}\n",
                quota_used(quota, resource),
                quantity_text(hard)
            ),
        );
    }
    w.finish()
}

/// A quota's scopes, sorted.
fn quota_scopes(quota: &Value) -> Vec<&str> {
    let mut scopes: Vec<&str> = quota
        .at(&["spec", "scopes"])
        .items()
        .filter_map(Value::as_str)
        .collect();
    scopes.compact_sort();
    scopes
}

/// `helpTextForResourceQuotaScope`.
fn quota_scope_help(scope: &str) -> Option<&'static str> {
    Some(match scope {
        "Terminating" => {
            "Matches all pods that have an active deadline. These pods have a limited lifespan on a node before being actively terminated by the system."
        }
        "NotTerminating" => {
            "Matches all pods that do not have an active deadline. These pods usually include long running pods whose container command is not expected to terminate."
        }
        "BestEffort" => {
            "Matches all pods that do not have resource requirements set. These pods have a best effort quality of service."
        }
        "NotBestEffort" => {
            "Matches all pods that have at least one resource requirement set. These pods have a burstable or guaranteed quality of service."
        }
        _ => return None,
    })
}

/// How much of `resource` a quota has counted: the zero quantity before
/// the quota controller has counted it.
fn quota_used(quota: &Value, resource: &str) -> String {
    match quota.at(&["status", "used", resource]) {
        Value::Null => "0".to_string(),
        q => quantity_text(q),
    }
}

/// `JobDescriber`. Kubeplay stores Jobs without running them, so their
/// status stays as written.
fn describe_job(cluster: &Cluster, job: &Value, events: Option<Vec<Value>>) -> String {
    let mut w = DW::new();
    let spec = job.get("spec");
    let status = job.get("status");
    name_and_namespace(&mut w, job);
    w.field(
        0,
        "Selector",
        &printers::selector_string(spec.get("selector")),
    );
    labels_and_annotations(&mut w, job);
    if let Some(c) = controlled_by(job) {
        w.field(0, "Controlled By", &c);
    }
    if let Some(n) = spec.get("parallelism").as_i64() {
        w.field(0, "Parallelism", &n);
    }
    match spec.get("completions").as_i64() {
        Some(n) => w.field(0, "Completions", &n),
        None => w.w(0, "Completions:\t<unset>\n"),
    }
    if let Some(mode) = spec.get("completionMode").as_str() {
        w.field(0, "Completion Mode", &mode);
    }
    if let Some(b) = spec.get("suspend").as_bool() {
        w.field(0, "Suspend", &b);
    }
    if let Some(n) = spec.get("backoffLimit").as_i64() {
        w.field(0, "Backoff Limit", &n);
    }
    if let Some(n) = spec.get("ttlSecondsAfterFinished").as_i64() {
        w.field(0, "TTL Seconds After Finished", &n);
    }
    let start = status.get("startTime").as_str().and_then(parse_rfc3339);
    let done = status
        .get("completionTime")
        .as_str()
        .and_then(parse_rfc3339);
    if let Some(t) = start {
        w.field(0, "Start Time", &rfc1123z(t));
    }
    if let Some(t) = done {
        w.field(0, "Completed At", &rfc1123z(t));
    }
    if let (Some(a), Some(b)) = (start, done) {
        w.field(
            0,
            "Duration",
            &super::duration::human_duration(b as i64 - a as i64),
        );
    }
    if let Some(n) = spec.get("activeDeadlineSeconds").as_i64() {
        w.w(0, &format!("Active Deadline Seconds:\t{n}s\n"));
    }
    let (active, succeeded, failed) = (
        int(status, &["active"]),
        int(status, &["succeeded"]),
        int(status, &["failed"]),
    );
    match status.get("ready").as_i64() {
        None => w.w(
            0,
            &format!("Pods Statuses:\t{active} Active / {succeeded} Succeeded / {failed} Failed\n"),
        ),
        Some(ready) => w.w(
            0,
            &format!(
                "Pods Statuses:\t{active} Active ({ready} Ready) / {succeeded} Succeeded / {failed} Failed\n"
            ),
        ),
    }
    if spec.get("completionMode").as_str() == Some("Indexed") {
        let indexes = status.get("completedIndexes").as_str().unwrap_or("");
        w.field(0, "Completed Indexes", &cap_indexes(indexes, 50));
    }
    describe_pod_template(&mut w, spec.get("template"));
    w.finish_with_events(events, cluster.now)
}

/// `capIndexesListOrNone`: the list up to the first comma at or after
/// `soft_limit` bytes, then `...`.
pub(super) fn cap_indexes(indexes: &str, soft_limit: usize) -> String {
    if indexes.is_empty() {
        return "<none>".to_string();
    }
    match indexes.bytes().skip(soft_limit).position(|b| b == b',') {
        Some(i) => format!("{}...", &indexes[..soft_limit + i + 1]),
        None => indexes.to_string(),
    }
}

fn describe_replicaset(cluster: &Cluster, rs: &Value, events: Option<Vec<Value>>) -> String {
    let mut w = DW::new();
    name_and_namespace(&mut w, rs);
    w.field(
        0,
        "Selector",
        &printers::format_label_selector(rs.at(&["spec", "selector"])),
    );
    labels_and_annotations(&mut w, rs);
    if let Some(c) = controlled_by(rs) {
        w.field(0, "Controlled By", &c);
    }
    w.w(
        0,
        &format!(
            "Replicas:\t{} current / {} desired\n",
            int(rs, &["status", "replicas"]),
            int(rs, &["spec", "replicas"])
        ),
    );
    pods_status(&mut w, cluster, rs);
    describe_pod_template(&mut w, rs.at(&["spec", "template"]));
    replica_conditions(&mut w, rs);
    w.finish_with_events(events, cluster.now)
}

/// `formatEndpointSlices`: ready endpoints as `ip:port`, three at most.
fn format_endpoint_slices(slices: &[Value], port_name: &str) -> String {
    if slices.is_empty() {
        return "<none>".to_string();
    }
    let mut list = Vec::new();
    let mut more = false;
    let mut count = 0;
    for slice in slices {
        let ports: Vec<&Value> = slice.get("ports").items().collect();
        let ready: Vec<&Value> = slice
            .get("endpoints")
            .items()
            .filter(|e| e.at(&["conditions", "ready"]).as_bool() != Some(false))
            .collect();
        if ports.is_empty() {
            for e in &ready {
                count += 1;
                if list.len() == 3 {
                    more = true;
                    continue;
                }
                if let Some(a) = e.get("addresses").items().next().and_then(Value::as_str) {
                    list.push(a.to_string());
                }
            }
            continue;
        }
        for p in ports {
            if p.get("name").as_str().unwrap_or("") != port_name {
                continue;
            }
            let port = p.get("port").as_i64().unwrap_or(0);
            for e in &ready {
                for a in e.get("addresses").items().filter_map(Value::as_str) {
                    count += 1;
                    if list.len() == 3 {
                        more = true;
                        continue;
                    }
                    list.push(printers::join_host_port(a, port));
                }
            }
        }
    }
    let ret = list.join(",");
    if more {
        format!("{ret} + {} more...", count - 3)
    } else {
        ret
    }
}

fn slices_for(cluster: &Cluster, ns: &str, service: &str) -> Vec<Value> {
    cluster
        .store
        .list(res("EndpointSlice"), Some(ns))
        .map(|(_, v)| v)
        .filter(|v| s(v, &["metadata", "labels", "kubernetes.io/service-name"]) == service)
        .cloned()
        .collect()
}

fn describe_service(cluster: &Cluster, svc: &Value, events: Option<Vec<Value>>) -> String {
    let mut w = DW::new();
    let spec = svc.get("spec");
    let ns = s(svc, &["metadata", "namespace"]);
    let name = s(svc, &["metadata", "name"]);
    w.field(0, "Name", &name);
    w.field(0, "Namespace", &ns);
    labels_and_annotations(&mut w, svc);
    w.field(0, "Selector", &format_labels(spec.get("selector")));
    w.field(0, "Type", &s(spec, &["type"]));
    if !s(spec, &["ipFamilyPolicy"]).is_empty() {
        w.field(0, "IP Family Policy", &s(spec, &["ipFamilyPolicy"]));
    }
    let join = |v: &Value, sep: &str| -> String {
        v.items()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(sep)
    };
    let fams = join(spec.get("ipFamilies"), ",");
    w.field(
        0,
        "IP Families",
        &if fams.is_empty() { "<none>" } else { &fams },
    );
    w.field(0, "IP", &s(spec, &["clusterIP"]));
    let ips = join(spec.get("clusterIPs"), ",");
    w.field(0, "IPs", &if ips.is_empty() { "<none>" } else { &ips });
    let ext = join(spec.get("externalIPs"), ",");
    if !ext.is_empty() {
        w.field(0, "External IPs", &ext);
    }
    if !s(spec, &["loadBalancerIP"]).is_empty() {
        w.field(0, "Desired LoadBalancer IP", &s(spec, &["loadBalancerIP"]));
    }
    if !s(spec, &["externalName"]).is_empty() {
        w.field(0, "External Name", &s(spec, &["externalName"]));
    }
    let ingress: Vec<String> = svc
        .at(&["status", "loadBalancer", "ingress"])
        .items()
        .map(|i| {
            if !s(i, &["ip"]).is_empty() {
                let mut t = s(i, &["ip"]).to_string();
                if !s(i, &["ipMode"]).is_empty() {
                    t.push_str(&format!(" ({})", s(i, &["ipMode"])));
                }
                t
            } else {
                s(i, &["hostname"]).to_string()
            }
        })
        .collect();
    if !ingress.is_empty() {
        w.field(0, "LoadBalancer Ingress", &ingress.join(", "));
    }
    let slices = slices_for(cluster, ns, name);
    for p in spec.get("ports").items() {
        let pname = s(p, &["name"]);
        let shown = if pname.is_empty() { "<unset>" } else { pname };
        let proto = s(p, &["protocol"]);
        w.w(
            0,
            &format!("Port:\t{shown}\t{}/{proto}\n", int(p, &["port"])),
        );
        w.w(
            0,
            &format!(
                "TargetPort:\t{}/{proto}\n",
                int_or_string(p.get("targetPort"))
            ),
        );
        if !s(p, &["appProtocol"]).is_empty() {
            w.field(0, "AppProtocol", &s(p, &["appProtocol"]));
        }
        if int(p, &["nodePort"]) != 0 {
            w.w(
                0,
                &format!("NodePort:\t{shown}\t{}/{proto}\n", int(p, &["nodePort"])),
            );
        }
        w.field(0, "Endpoints", &format_endpoint_slices(&slices, pname));
    }
    w.field(0, "Session Affinity", &s(spec, &["sessionAffinity"]));
    if !s(spec, &["externalTrafficPolicy"]).is_empty() {
        w.field(
            0,
            "External Traffic Policy",
            &s(spec, &["externalTrafficPolicy"]),
        );
    }
    if !s(spec, &["internalTrafficPolicy"]).is_empty() {
        w.field(
            0,
            "Internal Traffic Policy",
            &s(spec, &["internalTrafficPolicy"]),
        );
    }
    if int(spec, &["healthCheckNodePort"]) != 0 {
        w.field(
            0,
            "HealthCheck NodePort",
            &int(spec, &["healthCheckNodePort"]),
        );
    }
    let ranges = join(spec.get("loadBalancerSourceRanges"), ",");
    if !ranges.is_empty() {
        w.field(0, "LoadBalancer Source Ranges", &ranges);
    }
    if !s(spec, &["trafficDistribution"]).is_empty() {
        w.field(
            0,
            "Traffic Distribution",
            &s(spec, &["trafficDistribution"]),
        );
    }
    w.finish_with_events(events, cluster.now)
}

/// A pod's requests or limits of one resource (containers summed, the max
/// with init containers), in milli-units for CPU and units otherwise.
fn pod_resource(pod: &Value, key: &str, resource: &str) -> Option<(i64, Option<QFormat>)> {
    let milli = resource == "cpu";
    let read = |c: &Value| -> Option<(i64, QFormat)> {
        let q = Quantity::parse(c.at(&["resources", key, resource]).as_str()?).ok()?;
        Some((if milli { q.milli_value() } else { q.value() }, q.format()))
    };
    let mut sum = 0;
    let mut format = None;
    let mut any = false;
    for c in pod.at(&["spec", "containers"]).items() {
        if let Some((v, f)) = read(c) {
            sum += v;
            format.get_or_insert(f);
            any = true;
        }
    }
    for c in pod.at(&["spec", "initContainers"]).items() {
        if let Some((v, f)) = read(c) {
            any = true;
            if v > sum {
                sum = v;
                format = Some(f);
            }
        }
    }
    any.then_some((sum, format))
}

fn fmt_amount(resource: &str, v: i64, f: Option<QFormat>) -> String {
    if v == 0 {
        return "0".to_string();
    }
    if resource == "cpu" {
        return Quantity::from_milli(v).to_string();
    }
    match f {
        Some(QFormat::BinarySI) => Quantity::from_bytes(v).to_string(),
        _ => Quantity::from_units(v).to_string(),
    }
}

fn describe_node(cluster: &Cluster, node: &Value, events: Option<Vec<Value>>) -> String {
    let now = cluster.now;
    let mut w = DW::new();
    let name = s(node, &["metadata", "name"]);
    w.field(0, "Name", &name);
    let roles = node_roles(node);
    if roles.is_empty() {
        w.w(0, "Roles:\t<none>\n");
    } else {
        w.field(0, "Roles", &roles.join(","));
    }
    labels_and_annotations(&mut w, node);
    w.field(
        0,
        "CreationTimestamp",
        &time_str(node.at(&["metadata", "creationTimestamp"])),
    );
    let mut taints: Vec<&Value> = node.at(&["spec", "taints"]).items().collect();
    taints.compact_sort_by(|a, b| {
        format!("{},{}", s(a, &["effect"]), s(a, &["key"])).cmp(&format!(
            "{},{}",
            s(b, &["effect"]),
            s(b, &["key"])
        ))
    });
    let taint_lines: Vec<String> = taints.iter().map(|t| taint_string(t)).collect();
    multiline_list(&mut w, "", "Taints", &taint_lines);
    w.field(
        0,
        "Unschedulable",
        &node
            .at(&["spec", "unschedulable"])
            .as_bool()
            .unwrap_or(false),
    );
    match cluster
        .store
        .get_named(res("Lease"), "kube-node-lease", name)
    {
        Some(lease) => {
            w.w(0, "Lease:\n");
            let unset = |v: &Value| -> String {
                if v.is_null() {
                    "<unset>".to_string()
                } else {
                    time_str(v)
                }
            };
            w.field(
                1,
                "HolderIdentity",
                &lease
                    .at(&["spec", "holderIdentity"])
                    .as_str()
                    .unwrap_or("<unset>"),
            );
            w.field(1, "AcquireTime", &unset(lease.at(&["spec", "acquireTime"])));
            w.field(1, "RenewTime", &{
                // The kubelet renews its Lease every 10 s; the stored
                // object is only written when the kubelet (re)starts.
                match crate::kubelet::lease_renewed_at(cluster, name) {
                    Some(t) => crate::time::rfc1123z(t),
                    None => unset(lease.at(&["spec", "renewTime"])),
                }
            });
        }
        None => w.w(
            0,
            &format!(
                "Lease:\tFailed to get lease: leases.coordination.k8s.io \"{name}\" not found\n"
            ),
        ),
    }
    let status = node.get("status");
    let conds: Vec<&Value> = status.get("conditions").items().collect();
    if !conds.is_empty() {
        w.w(
            0,
            "Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n",
        );
        w.w(
            1,
            "----\t------\t-----------------\t------------------\t------\t-------\n",
        );
        for c in conds {
            w.w(
                1,
                &format!(
                    "{} \t{} \t{} \t{} \t{} \t{}\n",
                    s(c, &["type"]),
                    s(c, &["status"]),
                    time_str(c.get("lastHeartbeatTime")),
                    time_str(c.get("lastTransitionTime")),
                    s(c, &["reason"]),
                    s(c, &["message"])
                ),
            );
        }
    }
    w.w(0, "Addresses:\n");
    for a in status.get("addresses").items() {
        w.w(
            1,
            &format!("{}:\t{}\n", s(a, &["type"]), s(a, &["address"])),
        );
    }
    for (title, key) in [("Capacity", "capacity"), ("Allocatable", "allocatable")] {
        if status.get(key).members().next().is_some() {
            w.w(0, &format!("{title}:\n"));
            for (r, q) in status.get(key).members() {
                w.w(0, &format!("  {r}:\t{}\n", quantity_text(q)));
            }
        }
    }
    let info = status.get("nodeInfo");
    w.w(0, "System Info:\n");
    for (label, key) in [
        ("Machine ID", "machineID"),
        ("System UUID", "systemUUID"),
        ("Boot ID", "bootID"),
        ("Kernel Version", "kernelVersion"),
        ("OS Image", "osImage"),
        ("Operating System", "operatingSystem"),
        ("Architecture", "architecture"),
        ("Container Runtime Version", "containerRuntimeVersion"),
        ("Kubelet Version", "kubeletVersion"),
    ] {
        w.w(0, &format!("  {label}:\t{}\n", s(info, &[key])));
    }
    let spec = node.get("spec");
    if !s(spec, &["podCIDR"]).is_empty() {
        w.field(0, "PodCIDR", &s(spec, &["podCIDR"]));
    }
    let cidrs: Vec<&str> = spec
        .get("podCIDRs")
        .items()
        .filter_map(Value::as_str)
        .collect();
    if !cidrs.is_empty() {
        w.field(0, "PodCIDRs", &cidrs.join(","));
    }
    if !s(spec, &["providerID"]).is_empty() {
        w.field(0, "ProviderID", &s(spec, &["providerID"]));
    }
    // Non-terminated pods on the node.
    let pods: Vec<&Value> = cluster
        .store
        .list(res("Pod"), None)
        .map(|(_, p)| p)
        .filter(|p| s(p, &["spec", "nodeName"]) == name)
        .filter(|p| !matches!(s(p, &["status", "phase"]), "Succeeded" | "Failed"))
        .collect();
    let allocatable = if status.get("allocatable").members().next().is_some() {
        status.get("allocatable")
    } else {
        status.get("capacity")
    };
    let alloc = |r: &str| -> i64 {
        allocatable
            .get(r)
            .as_str()
            .and_then(|t| Quantity::parse(t).ok())
            .map(|q| {
                if r == "cpu" {
                    q.milli_value()
                } else {
                    q.value()
                }
            })
            .unwrap_or(0)
    };
    let pct = |v: i64, total: i64| -> i64 {
        if total == 0 {
            0
        } else {
            (v as f64 / total as f64 * 100.0) as i64
        }
    };
    w.w(
        0,
        &format!("Non-terminated Pods:\t({} in total)\n", pods.len()),
    );
    w.w(
        1,
        "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n",
    );
    w.w(
        1,
        "---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n",
    );
    // Four entries: a sorted vector (no B-tree code for this type).
    let mut totals: crate::vecmap::VecMap<(&str, &str), (i64, Option<QFormat>)> =
        Default::default();
    for p in &pods {
        let mut cells = Vec::new();
        for (r, key) in [
            ("cpu", "requests"),
            ("cpu", "limits"),
            ("memory", "requests"),
            ("memory", "limits"),
        ] {
            let (v, f) = pod_resource(p, key, r).unwrap_or((0, None));
            let entry = totals.get_or_insert_with((r, key), || (0, None));
            entry.0 += v;
            if entry.1.is_none() {
                entry.1 = f;
            }
            cells.push(format!("{} ({}%)", fmt_amount(r, v, f), pct(v, alloc(r))));
        }
        w.w(
            1,
            &format!(
                "{}\t{}\t\t{}\t{}\t{}\t{}\t{}\n",
                s(p, &["metadata", "namespace"]),
                s(p, &["metadata", "name"]),
                cells[0],
                cells[1],
                cells[2],
                cells[3],
                since(now, p.at(&["metadata", "creationTimestamp"]))
            ),
        );
    }
    w.w(
        0,
        "Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n",
    );
    w.w(1, "Resource\tRequests\tLimits\n");
    w.w(1, "--------\t--------\t------\n");
    let mut resources = vec![
        "cpu".to_string(),
        "memory".to_string(),
        "ephemeral-storage".to_string(),
    ];
    for (r, _) in allocatable.members() {
        if r.starts_with("hugepages-") {
            resources.push(r.to_string());
        }
    }
    for r in &resources {
        let (req, rf) = totals
            .get(&(r.as_str(), "requests"))
            .copied()
            .unwrap_or((0, None));
        let (lim, lf) = totals
            .get(&(r.as_str(), "limits"))
            .copied()
            .unwrap_or((0, None));
        let total = alloc(r);
        w.w(
            1,
            &format!(
                "{r}\t{} ({}%)\t{} ({}%)\n",
                fmt_amount(r, req, rf),
                pct(req, total),
                fmt_amount(r, lim, lf),
                pct(lim, total)
            ),
        );
    }
    if let Some(events) = events {
        describe_events(&mut w, &events, now);
    }
    w.finish()
}

fn describe_ingress(cluster: &Cluster, ing: &Value, events: Option<Vec<Value>>) -> String {
    let mut w = DW::new();
    let ns = s(ing, &["metadata", "namespace"]);
    let spec = ing.get("spec");
    w.field(0, "Name", &s(ing, &["metadata", "name"]));
    labels_multiline(&mut w, "", "Labels", ing.at(&["metadata", "labels"]));
    w.field(0, "Namespace", &ns);
    w.field(
        0,
        "Address",
        &printers::load_balancer_string(ing.at(&["status", "loadBalancer"]), true),
    );
    w.field(
        0,
        "Ingress Class",
        &spec.get("ingressClassName").as_str().unwrap_or("<none>"),
    );
    let backend = |b: &Value| -> String {
        if !b.get("service").is_null() {
            let svc = b.get("service");
            let sname = s(svc, &["name"]);
            let port = svc.get("port");
            let sb = match (port.get("number").as_i64(), port.get("name").as_str()) {
                (Some(n), _) if n != 0 => format!("{sname}:{n}"),
                (_, Some(n)) => format!("{sname}:{n}"),
                _ => format!("{sname}:"),
            };
            let Some(service) = cluster.store.get_named(res("Service"), ns, sname) else {
                return format!("{sb} (<error: services \"{sname}\" not found>)");
            };
            let mut sp_name = "";
            for sp in service.at(&["spec", "ports"]).items() {
                let number = port.get("number").as_i64().unwrap_or(0);
                if (number != 0 && Some(number) == sp.get("port").as_i64())
                    || (!s(port, &["name"]).is_empty() && s(port, &["name"]) == s(sp, &["name"]))
                {
                    sp_name = s(sp, &["name"]);
                }
            }
            let slices = slices_for(cluster, ns, sname);
            return format!("{sb} ({})", format_endpoint_slices(&slices, sp_name));
        }
        if !b.get("resource").is_null() {
            let r = b.get("resource");
            return format!(
                "APIGroup: {}, Kind: {}, Name: {}",
                r.get("apiGroup").as_str().unwrap_or("<none>"),
                s(r, &["kind"]),
                s(r, &["name"])
            );
        }
        String::new()
    };
    let default_backend = if spec.get("defaultBackend").is_null() {
        "<default>".to_string()
    } else {
        backend(spec.get("defaultBackend"))
    };
    w.field(0, "Default backend", &default_backend);
    let tls: Vec<&Value> = spec.get("tls").items().collect();
    if !tls.is_empty() {
        w.w(0, "TLS:\n");
        for t in tls {
            let hosts: Vec<&str> = t.get("hosts").items().filter_map(Value::as_str).collect();
            if s(t, &["secretName"]).is_empty() {
                w.w(1, &format!("SNI routes {}\n", hosts.join(",")));
            } else {
                w.w(
                    1,
                    &format!("{} terminates {}\n", s(t, &["secretName"]), hosts.join(",")),
                );
            }
        }
    }
    w.w(0, "Rules:\n  Host\tPath\tBackends\n");
    w.w(1, "----\t----\t--------\n");
    let mut count = 0;
    for rule in spec.get("rules").items() {
        if rule.get("http").is_null() {
            continue;
        }
        count += 1;
        let host = match s(rule, &["host"]) {
            "" => "*",
            h => h,
        };
        w.w(1, &format!("{host}\t\n"));
        for path in rule.at(&["http", "paths"]).items() {
            w.w(
                2,
                &format!(
                    "\t{} \t{}\n",
                    s(path, &["path"]),
                    backend(path.get("backend"))
                ),
            );
        }
    }
    if count == 0 {
        w.w(1, &format!("*\t*\t{default_backend}\n"));
    }
    annotations_multiline(&mut w, "Annotations", ing.at(&["metadata", "annotations"]));
    w.finish_with_events(events, cluster.now)
}

fn describe_namespace(cluster: &Cluster, ns: &Value) -> String {
    let mut w = DW::new();
    let name = s(ns, &["metadata", "name"]);
    w.field(0, "Name", &name);
    labels_and_annotations(&mut w, ns);
    w.field(0, "Status", &s(ns, &["status", "phase"]));
    let conds: Vec<&Value> = ns.at(&["status", "conditions"]).items().collect();
    if !conds.is_empty() {
        w.w(0, "Conditions:\n");
        w.w(1, "Type\tStatus\tLastTransitionTime\tReason\tMessage\n");
        w.w(1, "----\t------\t------------------\t------\t-------\n");
        for c in conds {
            w.w(
                1,
                &format!(
                    "{}\t{}\t{}\t{}\t{}\n",
                    s(c, &["type"]),
                    s(c, &["status"]),
                    time_str(c.get("lastTransitionTime")),
                    s(c, &["reason"]),
                    s(c, &["message"])
                ),
            );
        }
    }
    w.w(0, "\n");
    let quotas: Vec<&Value> = cluster
        .store
        .list(res("ResourceQuota"), Some(name))
        .map(|(_, v)| v)
        .collect();
    if quotas.is_empty() {
        w.w(0, "No resource quota.\n");
    } else {
        w.w(0, "Resource Quotas\n");
        for q in quotas {
            w.field(1, "Name", &s(q, &["metadata", "name"]));
            let scopes = quota_scopes(q);
            if !scopes.is_empty() {
                w.field(1, "Scopes", &scopes.join(", "));
                for help in scopes.iter().filter_map(|s| quota_scope_help(s)) {
                    w.w(1, &format!("* {help}\n"));
                }
            }
            w.w(1, "Resource\tUsed\tHard\n");
            w.w(1, "--------\t---\t---\n");
            for (r, hard) in q.at(&["status", "hard"]).members() {
                w.w(
                    1,
                    &format!("{r}\t{}\t{}\n", quota_used(q, r), quantity_text(hard)),
                );
            }
        }
    }
    w.w(0, "\n");
    let ranges: Vec<&Value> = cluster
        .store
        .list(res("LimitRange"), Some(name))
        .map(|(_, v)| v)
        .collect();
    if ranges.is_empty() {
        w.w(0, "No LimitRange resource.\n");
    } else {
        w.w(0, "Resource Limits\n Type\tResource\tMin\tMax\tDefault Request\tDefault Limit\tMax Limit/Request Ratio\n");
        w.w(
            0,
            " ----\t--------\t---\t---\t---------------\t-------------\t-----------------------\n",
        );
        for lr in ranges {
            limit_range_rows(&mut w, lr, " ");
        }
    }
    w.finish()
}

fn limit_range_rows(w: &mut DW, lr: &Value, prefix: &str) {
    for item in lr.at(&["spec", "limits"]).items() {
        let mut keys: Vec<&str> = Vec::new();
        for field in [
            "max",
            "min",
            "default",
            "defaultRequest",
            "maxLimitRequestRatio",
        ] {
            for (k, _) in item.get(field).members() {
                if !keys.contains(&k) {
                    keys.push(k);
                }
            }
        }
        keys.compact_sort();
        for k in keys {
            let v = |field: &str| match item.at(&[field, k]) {
                Value::Null => "-".to_string(),
                q => quantity_text(q),
            };
            w.w(
                0,
                &format!(
                    "{prefix}{}\t{k}\t{}\t{}\t{}\t{}\t{}\n",
                    s(item, &["type"]),
                    v("min"),
                    v("max"),
                    v("defaultRequest"),
                    v("default"),
                    v("maxLimitRequestRatio")
                ),
            );
        }
    }
}

/// Decoded length of base64 data (Secret values are stored encoded).
fn base64_len(data: &str) -> usize {
    let clean: Vec<u8> = data.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let pad = clean.iter().rev().take_while(|b| **b == b'=').count();
    (clean.len() / 4) * 3 - pad.min(2)
        + match clean.len() % 4 {
            2 => 1,
            3 => 2,
            _ => 0,
        }
}

fn describe_secret(secret: &Value) -> String {
    let mut w = DW::new();
    name_and_namespace(&mut w, secret);
    labels_multiline(&mut w, "", "Labels", secret.at(&["metadata", "labels"]));
    annotations_multiline(
        &mut w,
        "Annotations",
        secret.at(&["metadata", "annotations"]),
    );
    let t = s(secret, &["type"]);
    w.w(0, &format!("\nType:\t{t}\n"));
    w.w(0, "\nData\n====\n");
    for (k, v) in secret.get("data").members() {
        let data = v.as_str().unwrap_or("");
        if k == "token" && t == "kubernetes.io/service-account-token" {
            let decoded = golang::base64_decode(data.as_bytes()).unwrap_or_default();
            w.w(0, &format!("{k}:\t{}\n", String::from_utf8_lossy(&decoded)));
        } else {
            w.w(0, &format!("{k}:\t{} bytes\n", base64_len(data)));
        }
    }
    w.finish()
}

fn describe_configmap(cluster: &Cluster, cm: &Value, events: Option<Vec<Value>>) -> String {
    let mut w = DW::new();
    name_and_namespace(&mut w, cm);
    labels_and_annotations(&mut w, cm);
    w.w(0, "\nData\n====\n");
    for (k, v) in cm.get("data").members() {
        w.w(0, &format!("{k}:\n----\n"));
        w.w(0, &format!("{}\n", v.as_str().unwrap_or("")));
        w.w(0, "\n");
    }
    w.w(0, "\nBinaryData\n====\n");
    for (k, v) in cm.get("binaryData").members() {
        w.w(
            0,
            &format!("{k}: {} bytes\n", base64_len(v.as_str().unwrap_or(""))),
        );
    }
    w.w(0, "\n");
    w.finish_with_events(events, cluster.now)
}

/// `describeEndpointSliceV1`.
fn describe_endpoint_slice(cluster: &Cluster, eps: &Value, events: Option<Vec<Value>>) -> String {
    let mut w = DW::new();
    name_and_namespace(&mut w, eps);
    labels_and_annotations(&mut w, eps);
    w.field(0, "AddressType", &s(eps, &["addressType"]));
    // kubectl's `<unset>` is for a missing field; a port's name also when
    // it is empty.
    let unset = |v: &Value| match v {
        Value::Null => "<unset>".to_string(),
        Value::String(t) => t.to_string(),
        other => other.as_i64().map_or_else(String::new, |n| n.to_string()),
    };
    if eps.get("ports").items().next().is_none() {
        w.w(0, "Ports: <unset>\n");
    } else {
        w.w(0, "Ports:\n");
        w.w(1, "Name\tPort\tProtocol\n");
        w.w(1, "----\t----\t--------\n");
        for port in eps.get("ports").items() {
            w.w(
                1,
                &format!(
                    "{}\t{}\t{}\n",
                    match port.get("name").as_str() {
                        Some("") => "<unset>".to_string(),
                        _ => unset(port.get("name")),
                    },
                    unset(port.get("port")),
                    s(port, &["protocol"])
                ),
            );
        }
    }
    if eps.get("endpoints").items().next().is_none() {
        w.w(0, "Endpoints: <none>\n");
    } else {
        w.w(0, "Endpoints:\n");
        for endpoint in eps.get("endpoints").items() {
            let addresses: Vec<&str> = endpoint
                .get("addresses")
                .items()
                .filter_map(Value::as_str)
                .collect();
            let addresses = match addresses.join(", ") {
                a if a.is_empty() => "<none>".to_string(),
                a => a,
            };
            w.w(1, &format!("- Addresses:\t{addresses}\n"));
            w.w(2, "Conditions:\n");
            let ready = match endpoint.at(&["conditions", "ready"]).as_bool() {
                Some(b) => b.to_string(),
                None => "<unset>".to_string(),
            };
            w.field(3, "Ready", &ready);
            w.field(2, "Hostname", &unset(endpoint.get("hostname")));
            let target = endpoint.get("targetRef");
            if !target.is_null() {
                w.w(
                    2,
                    &format!(
                        "TargetRef:\t{}/{}\n",
                        s(target, &["kind"]),
                        s(target, &["name"])
                    ),
                );
            }
            w.field(2, "NodeName", &unset(endpoint.get("nodeName")));
            w.field(2, "Zone", &unset(endpoint.get("zone")));
        }
    }
    w.finish_with_events(events, cluster.now)
}

fn describe_endpoints(cluster: &Cluster, ep: &Value, events: Option<Vec<Value>>) -> String {
    let mut w = DW::new();
    name_and_namespace(&mut w, ep);
    labels_and_annotations(&mut w, ep);
    w.w(0, "Subsets:\n");
    for ss in ep.get("subsets").items() {
        let ips = |key: &str| -> String {
            let v: Vec<&str> = ss.get(key).items().map(|a| s(a, &["ip"])).collect();
            if v.is_empty() {
                "<none>".to_string()
            } else {
                v.join(",")
            }
        };
        w.field(1, "Addresses", &ips("addresses"));
        w.field(1, "NotReadyAddresses", &ips("notReadyAddresses"));
        if ss.get("ports").items().next().is_some() {
            w.w(1, "Ports:\n");
            w.w(2, "Name\tPort\tProtocol\n");
            w.w(2, "----\t----\t--------\n");
            for p in ss.get("ports").items() {
                let n = match s(p, &["name"]) {
                    "" => "<unset>",
                    n => n,
                };
                w.w(
                    2,
                    &format!("{n}\t{}\t{}\n", int(p, &["port"]), s(p, &["protocol"])),
                );
            }
        }
        w.w(0, "\n");
    }
    w.finish_with_events(events, cluster.now)
}

fn describe_service_account(cluster: &Cluster, sa: &Value, events: Option<Vec<Value>>) -> String {
    let mut w = DW::new();
    name_and_namespace(&mut w, sa);
    labels_and_annotations(&mut w, sa);
    let ns = s(sa, &["metadata", "namespace"]);
    let exists = |n: &str| cluster.store.get_named(res("Secret"), ns, n).is_some();
    let names = |key: &str| -> Vec<String> {
        sa.get(key)
            .items()
            .map(|r| s(r, &["name"]).to_string())
            .collect()
    };
    // Sorted headers, as sets.List(KeySet) returns them.
    for (header, list) in [
        ("Image pull secrets:", names("imagePullSecrets")),
        ("Mountable secrets: ", names("secrets")),
        ("Tokens:            ", Vec::new()),
    ] {
        if list.is_empty() {
            w.w(0, &format!("{header}\t<none>\n"));
            continue;
        }
        let mut prefix = header;
        for n in list {
            if exists(&n) {
                w.w(0, &format!("{prefix}\t{n}\n"));
            } else {
                w.w(0, &format!("{prefix}\t{n} (not found)\n"));
            }
            prefix = "                   ";
        }
    }
    w.finish_with_events(events, cluster.now)
}

/// `smartLabelFor`: `camelCase` field names as `Camel Case`.
fn smart_label(field: &str) -> String {
    if field.chars().any(|c| !c.is_alphabetic() && c != '-') {
        return field.to_string();
    }
    let mut parts: Vec<String> = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = field.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let boundary = c.is_uppercase()
            && !cur.is_empty()
            && (!chars[i - 1].is_uppercase() || chars.get(i + 1).is_some_and(|n| n.is_lowercase()));
        if boundary {
            parts.push(std::mem::take(&mut cur));
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        parts.push(cur);
    }
    parts
        .into_iter()
        .map(|p| {
            let upper = crate::casemap::to_upper(&p);
            if ["API", "URL", "UID", "OSB", "GUID"].contains(&upper.as_str()) {
                upper
            } else {
                let mut c = p.chars();
                match c.next() {
                    // strings.Title: the first letter up, the rest as it is.
                    Some(f) => format!("{}{}", crate::casemap::upper_char(f), c.as_str()),
                    None => String::new(),
                }
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn unstructured(w: &mut DW, level: usize, content: &Value, prefix: &str, skip: &[&str]) {
    for (field, value) in content.members() {
        let expr = format!("{prefix}.{field}");
        match value {
            Value::Object(_) => {
                if skip.contains(&expr.as_str()) {
                    continue;
                }
                w.w(level, &format!("{}:\n", smart_label(field)));
                unstructured(w, level + 1, value, &expr, skip);
            }
            Value::Array(items) => {
                if skip.contains(&expr.as_str()) {
                    continue;
                }
                w.w(level, &format!("{}:\n", smart_label(field)));
                for child in items.iter() {
                    match child {
                        Value::Object(_) => unstructured(w, level + 1, child, &expr, skip),
                        other => w.w(level + 1, &format!("{}\n", go_value(other))),
                    }
                }
            }
            other => {
                if skip.contains(&expr.as_str()) {
                    continue;
                }
                w.w(
                    level,
                    &format!("{}:\t{}\n", smart_label(field), go_value(other)),
                );
            }
        }
    }
}

/// Go's `%v` of a decoded JSON scalar.
fn go_value(v: &Value) -> String {
    match v {
        Value::Null => "<nil>".to_string(),
        other => crate::kubectl::jsonpath::text_of(other),
    }
}

fn describe_generic(cluster: &Cluster, obj: &Value, events: Option<Vec<Value>>) -> String {
    let mut w = DW::new();
    name_and_namespace(&mut w, obj);
    labels_and_annotations(&mut w, obj);
    unstructured(
        &mut w,
        0,
        obj,
        "",
        &[
            ".metadata.managedFields",
            ".metadata.name",
            ".metadata.namespace",
            ".metadata.labels",
            ".metadata.annotations",
        ],
    );
    w.finish_with_events(events, cluster.now)
}

/// Describes one object (events included when `show_events`).
pub(crate) fn describe_object(
    cluster: &Cluster,
    rid: ResourceId,
    obj: &Value,
    show_events: bool,
) -> String {
    let kind = rid.get().kind;
    let events = show_events.then(|| events_for(cluster, obj, kind == "Node"));
    match kind {
        "Pod" => describe_pod(cluster, obj, events),
        "Deployment" => describe_deployment(cluster, obj, events),
        "ReplicaSet" => describe_replicaset(cluster, obj, events),
        "DaemonSet" => describe_daemonset(cluster, obj, events),
        "Job" => describe_job(cluster, obj, events),
        "StatefulSet" => describe_statefulset(cluster, obj, events),
        "CronJob" => describe_cronjob(cluster, obj, events),
        "HorizontalPodAutoscaler" => describe_hpa(cluster, obj, events),
        "PodDisruptionBudget" => describe_pdb(cluster, obj, events),
        "StorageClass" => describe_storage_class(cluster, obj, events),
        "Role" | "ClusterRole" => describe_role(obj),
        "RoleBinding" | "ClusterRoleBinding" => describe_role_binding(obj),
        "LimitRange" => describe_limit_range(obj),
        "ResourceQuota" => describe_resource_quota(obj),
        "PersistentVolumeClaim" => describe_pvc(cluster, obj, events),
        "PersistentVolume" => describe_pv(cluster, obj, events),
        "ReplicationController" => describe_replication_controller(cluster, obj, events),
        "PriorityClass" => describe_priority_class(cluster, obj, events),
        "IngressClass" => describe_ingress_class(cluster, obj, events),
        "NetworkPolicy" => describe_network_policy(obj),
        "Service" => describe_service(cluster, obj, events),
        "Node" => describe_node(cluster, obj, events),
        "Ingress" => describe_ingress(cluster, obj, events),
        "Namespace" => describe_namespace(cluster, obj),
        "Secret" => describe_secret(obj),
        "ConfigMap" => describe_configmap(cluster, obj, events),
        "Endpoints" => describe_endpoints(cluster, obj, events),
        "EndpointSlice" => describe_endpoint_slice(cluster, obj, events),
        "ServiceAccount" => describe_service_account(cluster, obj, events),
        _ => describe_generic(cluster, obj, events),
    }
}

/// Used by `rollout history --revision`: the pod template through a bare
/// prefix writer, so its tabs are printed as tabs.
pub(crate) fn pod_template_raw(template: &Value) -> String {
    let mut dw = DW::new();
    describe_pod_template(&mut dw, template);
    dw.tw.raw()
}

/// `kubectl describe`.
pub(crate) fn run(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    let filenames = p.all("filename");
    if p.args.is_empty() && filenames.is_empty() {
        return Err(Fail::error(
            "You must specify the type of resource to describe. Use \"kubectl api-resources\" for a complete list of supported resources.\n",
        ));
    }
    let all_ns = p.bool("all-namespaces");
    let filters = Filters::from(p)?;
    let mut objects: Vec<(ResourceId, Value)> = Vec::new();
    let mut errors: Vec<String> = Vec::new();
    let mut prefix_mode = false;
    if !filenames.is_empty() {
        let sources = resources::read_sources(ctx, filenames, p.bool("recursive"))?;
        let (refs, errs) = resources::manifest_refs(ctx, &sources);
        errors.extend(errs);
        for (rid, ns, name) in refs {
            match resources::get(ctx.cluster, rid, &ns, &name) {
                Ok(o) => objects.push((rid, o)),
                Err(e) => errors.push(e.kubectl_message(None)),
            }
        }
    } else {
        let resolved = resources::resolve(&p.args)?;
        let ns = ctx.namespace.clone();
        for t in resolved.targets {
            match t {
                Target::List(rid) => {
                    let scope = if all_ns { None } else { Some(ns.as_str()) };
                    match resources::list(ctx.cluster, rid, scope) {
                        Ok(objs) => {
                            let objs = filters.apply(rid, objs)?;
                            objects.extend(objs.into_iter().map(|o| (rid, o)));
                        }
                        Err(e) => errors.push(e.kubectl_message(None)),
                    }
                }
                Target::Named(rid, name) => match resources::get(ctx.cluster, rid, &ns, &name) {
                    Ok(o) => objects.push((rid, o)),
                    Err(e) if e.reason != crate::api::StatusReason::NotFound => {
                        errors.push(e.kubectl_message(None));
                    }
                    Err(e) => {
                        // Not found: describe objects whose names start with it.
                        let matches: Vec<Value> = resources::list(ctx.cluster, rid, Some(&ns))
                            .unwrap_or_default()
                            .into_iter()
                            .filter(|o| {
                                o.str_at(&["metadata", "name"])
                                    .is_some_and(|n| n.starts_with(&name))
                            })
                            .collect();
                        if matches.is_empty() {
                            errors.push(e.kubectl_message(None));
                        } else {
                            prefix_mode = true;
                            objects.extend(matches.into_iter().map(|o| (rid, o)));
                        }
                    }
                },
            }
        }
    }
    if objects.is_empty() && errors.is_empty() {
        if all_ns {
            ctx.out.err_line("No resources found");
        } else {
            let ns = ctx.namespace.clone();
            ctx.out
                .err_line(&format!("No resources found in {ns} namespace."));
        }
        return Ok(());
    }
    // The server's deprecation warnings, each once.
    let mut warned: Vec<&str> = Vec::new();
    for (rid, _) in &objects {
        if let Some(warning) = super::get::read_warning(*rid)
            && !warned.contains(&warning)
        {
            ctx.out.err_line(warning);
            warned.push(warning);
        }
    }
    let show_events = if p.changed("show-events") {
        p.bool("show-events")
    } else {
        objects.len() <= 1 && errors.is_empty()
    };
    for (i, (rid, obj)) in objects.iter().enumerate() {
        let text = describe_object(ctx.cluster, *rid, obj, show_events);
        if prefix_mode {
            ctx.out.out(&format!("{text}\n"));
        } else if i == 0 {
            ctx.out.out(&text);
        } else {
            ctx.out.out(&format!("\n\n{text}"));
        }
    }
    resources::aggregate(errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smart_labels() {
        assert_eq!(smart_label("minReadySeconds"), "Min Ready Seconds");
        assert_eq!(smart_label("apiVersion"), "API Version");
        assert_eq!(smart_label("uid"), "UID");
        assert_eq!(smart_label("spec"), "Spec");
        assert_eq!(smart_label("a.b"), "a.b");
    }

    #[test]
    fn labels_and_annotations_layout() {
        let mut w = DW::new();
        w.w(0, "Name:\tx\n");
        let labels = crate::yaml::load_str("{app: web, tier: front}").unwrap()[0]
            .root
            .to_value();
        labels_multiline(&mut w, "", "Labels", &labels);
        annotations_multiline(&mut w, "Annotations", &Value::Null);
        assert_eq!(
            w.finish(),
            "Name:         x\nLabels:       app=web\n              tier=front\nAnnotations:  <none>\n"
        );
    }

    #[test]
    fn base64_lengths() {
        assert_eq!(base64_len("cGFzc3dvcmQ="), 8);
        assert_eq!(base64_len("YWRtaW4="), 5);
        assert_eq!(base64_len(""), 0);
        assert_eq!(golang::base64_decode(b"YWRtaW4=").unwrap(), b"admin");
    }
}
