//! Commands that change objects in place: `scale`, `label`, `annotate`,
//! `set image`, `taint`, `cordon`, `uncordon` and `drain`.

use crate::api::registry::ResourceId;
use crate::apiserver::{DeleteOptions, WriteOptions};
use crate::cluster::res;
use crate::controllers::disruption::EvictionRefused;
use crate::kubectl::apply::{all_gone, wait_until};
use crate::kubectl::flags::Parsed;
use crate::kubectl::get::{self, Filters};
use crate::kubectl::resources::{self, Target};
use crate::kubectl::{Ctx, DryRun, Fail, dry_run};
use crate::sort::CompactSort;
use crate::store::ObjectKey;
use crate::time::{Millis, SECOND};
use crate::value::Value;

/// Objects found, and the errors for those that were not.
type Selected = (Vec<(ResourceId, Value)>, Vec<String>);

/// Fetches the objects a mutating command acts on: `TYPE NAME…`,
/// `TYPE/NAME…`, `TYPE -l sel`, `TYPE --all`, or `-f`.
pub(crate) fn select(ctx: &mut Ctx, p: &Parsed, args: &[String]) -> Result<Selected, Fail> {
    let mut objs = Vec::new();
    let mut errors = Vec::new();
    let filenames = p.all("filename");
    if !filenames.is_empty() {
        let sources = resources::read_sources(ctx, filenames, p.bool("recursive"))?;
        let (refs, errs) = resources::manifest_refs(ctx, &sources);
        errors.extend(errs);
        for (rid, ns, name) in refs {
            match resources::get(ctx.cluster, rid, &ns, &name) {
                Ok(o) => objs.push((rid, o)),
                Err(e) => errors.push(e.kubectl_message(None)),
            }
        }
        return Ok((objs, errors));
    }
    let resolved = resources::resolve(args)?;
    let filters = Filters::from(p)?;
    let all = p.bool("all");
    let all_ns = p.bool("all-namespaces");
    let ns = ctx.namespace.clone();
    for t in resolved.targets {
        match t {
            Target::Named(rid, name) => match resources::get(ctx.cluster, rid, &ns, &name) {
                Ok(o) => objs.push((rid, o)),
                Err(e) => errors.push(e.kubectl_message(None)),
            },
            Target::List(rid) => {
                if !all && filters.is_empty() {
                    return Err(Fail::error(
                        "resource(s) were provided, but no name was specified",
                    ));
                }
                let scope = if all_ns { None } else { Some(ns.as_str()) };
                for o in filters.apply(
                    rid,
                    resources::list(ctx.cluster, rid, scope).map_err(|e| Fail::status(&e))?,
                )? {
                    objs.push((rid, o));
                }
            }
        }
    }
    Ok((objs, errors))
}

/// Writes a changed object (dry runs only validate).
pub(crate) fn write(ctx: &mut Ctx, obj: Value, dry: Option<DryRun>) -> Result<Value, Fail> {
    write_status(ctx, obj, dry).map_err(|e| Fail::status(&e))
}

/// [`write`], keeping the server's error as it is (for commands that wrap
/// its message in their own).
fn write_status(
    ctx: &mut Ctx,
    obj: Value,
    dry: Option<DryRun>,
) -> Result<Value, crate::api::errors::StatusError> {
    match dry {
        Some(DryRun::Client) => Ok(obj),
        _ => ctx
            .cluster
            .update(obj, &WriteOptions::patch(dry == Some(DryRun::Server))),
    }
}

/// Prints `<kind>/<name> <op>` (or just the name with `-o name`), with the
/// dry-run suffix.
/// The `-o` format a mutating command prints its result in, unless it
/// prints names (PrintFlags: none or `-o name`).
fn result_format(p: &Parsed) -> Result<Option<get::Format>, Fail> {
    match p.str("output") {
        None | Some("" | "name") => Ok(None),
        Some(output) => get::parse_output(output, false).map(Some),
    }
}

pub(crate) fn print_name_op(
    ctx: &mut Ctx,
    p: &Parsed,
    rid: ResourceId,
    name: &str,
    op: &str,
    dry: Option<DryRun>,
) {
    let kn = resources::kind_name(rid, name);
    if p.str("output") == Some("name") {
        ctx.out.line(&kn);
    } else {
        ctx.out.line(&format!(
            "{kn} {op}{}",
            dry.map(DryRun::suffix).unwrap_or("")
        ));
    }
}

// ------------------------------------------------------------------ scale

/// `kubectl scale`.
pub(crate) fn scale(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    let replicas = p.int("replicas").unwrap_or(-1);
    if replicas < 0 {
        return Err(Fail::error(
            "The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0",
        ));
    }
    let current = p.int("current-replicas").unwrap_or(-1);
    if current < -1 {
        return Err(Fail::error(
            "The --current-replicas must specify an integer of -1 or greater",
        ));
    }
    let dry = dry_run(ctx, p)?;
    if p.args.is_empty() && p.all("filename").is_empty() {
        return Err(Fail::error(resources::NO_RESOURCES));
    }
    let (objs, mut errors) = select(ctx, p, &p.args.clone())?;
    if objs.is_empty() && errors.is_empty() {
        return Err(Fail::error("no objects passed to scale"));
    }
    if p.changed("resource-version") && objs.len() > 1 {
        return Err(Fail::error(
            "cannot use --resource-version with multiple resources",
        ));
    }
    for (rid, mut obj) in objs {
        let kind = rid.get().kind;
        if !matches!(
            kind,
            "Deployment" | "ReplicaSet" | "ReplicationController" | "StatefulSet"
        ) {
            errors.push(
                "Error from server (NotFound): the server could not find the requested resource"
                    .to_string(),
            );
            continue;
        }
        let have = obj.at(&["spec", "replicas"]).as_i64().unwrap_or(1);
        if current >= 0 && have != current {
            errors.push(format!(
                "error: Expected replicas to be {current}, was {have}"
            ));
            continue;
        }
        let name = obj.str_at(&["metadata", "name"]).unwrap_or("").to_string();
        obj.set_at(&["spec", "replicas"], Value::Int(replicas));
        if let Some(rv) = p.str("resource-version") {
            obj.set_at(&["metadata", "resourceVersion"], Value::str(rv));
        }
        // kubectl scale patches the scale subresource.
        let written = match dry {
            Some(DryRun::Client) => Ok(obj),
            _ => ctx.cluster.update(
                obj,
                &WriteOptions {
                    subresource: "scale",
                    ..WriteOptions::patch(dry == Some(DryRun::Server))
                },
            ),
        };
        match written.map_err(|e| Fail::status(&e)) {
            Ok(_) => print_name_op(ctx, p, rid, &name, "scaled", dry),
            Err(Fail(e)) => errors.push(e),
        }
    }
    resources::aggregate(errors)
}

// --------------------------------------------------------- label/annotate

/// `GetResourcesAndPairs`: resource arguments first, then `k=v` / `k-`.
fn split_pairs(args: &[String], what: &str) -> Result<(Vec<String>, Vec<String>), Fail> {
    let mut resources = Vec::new();
    let mut pairs = Vec::new();
    let mut first_pair = false;
    for s in args {
        let is_pair = s.contains('=') || s.ends_with('-');
        if is_pair {
            first_pair = true;
            pairs.push(s.clone());
        } else if first_pair {
            return Err(Fail::error(format!(
                "all resources must be specified before {what} changes: {s}"
            )));
        } else {
            resources.push(s.clone());
        }
    }
    Ok((resources, pairs))
}

fn valid_label_value(v: &str) -> bool {
    v.is_empty()
        || (v.len() <= 63
            && v.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            && v.starts_with(|c: char| c.is_ascii_alphanumeric())
            && v.ends_with(|c: char| c.is_ascii_alphanumeric()))
}

fn valid_qualified_name(k: &str) -> bool {
    let (prefix, name) = match k.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, k),
    };
    prefix.is_none_or(|p| {
        !p.is_empty()
            && p.len() <= 253
            && p.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-.".contains(c))
    }) && !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric())
}

/// Parsed `k=v` and `k-` arguments.
struct Changes {
    set: Vec<(String, String)>,
    remove: Vec<String>,
}

fn parse_changes(pairs: &[String], labels: bool) -> Result<Changes, Fail> {
    let mut set: Vec<(String, String)> = Vec::new();
    let mut remove = Vec::new();
    for spec in pairs {
        if let Some((k, v)) = spec.split_once('=') {
            if k.is_empty() {
                return Err(Fail::error(if labels {
                    format!("invalid label spec: {spec}")
                } else {
                    format!("invalid annotation spec: {spec}")
                }));
            }
            if labels {
                if !valid_qualified_name(k) {
                    return Err(Fail::error(format!("invalid label spec: {spec}")));
                }
                if !valid_label_value(v) {
                    return Err(Fail::error(format!(
                        "invalid label value: {}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
                        crate::api::errors::quote(spec)
                    )));
                }
            }
            set.retain(|(key, _)| key != k);
            set.push((k.to_string(), v.to_string()));
        } else if let Some(k) = spec.strip_suffix('-') {
            remove.push(k.to_string());
        } else {
            return Err(Fail::error(if labels {
                format!("unknown label spec: {spec}")
            } else {
                format!("invalid annotation spec: {spec}")
            }));
        }
    }
    for r in &remove {
        if set.iter().any(|(k, _)| k == r) {
            return Err(Fail::error(if labels {
                "can not both modify and remove a label in the same command".to_string()
            } else {
                format!(
                    "can not both modify and remove the following annotation(s) in the same command: {r}"
                )
            }));
        }
    }
    Ok(Changes { set, remove })
}

fn label_or_annotate(ctx: &mut Ctx, p: &Parsed, labels: bool) -> Result<(), Fail> {
    let what = if labels { "label" } else { "annotation" };
    let field = if labels { "labels" } else { "annotations" };
    let (res_args, pairs) = split_pairs(&p.args, what)?;
    // Validate's plain errors (no usage line).
    if res_args.is_empty() && p.all("filename").is_empty() {
        return Err(Fail::error(
            "one or more resources must be specified as <resource> <name> or <resource>/<name>",
        ));
    }
    let list = p.bool("list");
    if pairs.is_empty() && !list {
        return Err(Fail::error(format!(
            "at least one {what} update is required"
        )));
    }
    let changes = parse_changes(&pairs, labels)?;
    let format = result_format(p)?;
    let dry = dry_run(ctx, p)?;
    let overwrite = p.bool("overwrite");
    let (objs, mut errors) = select(ctx, p, &res_args)?;
    if p.changed("resource-version") && objs.len() > 1 {
        return Err(Fail::error(
            "--resource-version may only be used with a single resource",
        ));
    }
    for (rid, mut obj) in objs {
        let name = obj.str_at(&["metadata", "name"]).unwrap_or("").to_string();
        let current = obj.at(&["metadata", field]).clone();
        if list {
            let mut lines: Vec<String> = current
                .members()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
                .collect();
            lines.compact_sort();
            for l in lines {
                ctx.out.line(&l);
            }
            continue;
        }
        if !overwrite {
            let conflicts: Vec<(String, String)> = changes
                .set
                .iter()
                .filter(|(k, v)| {
                    (labels || k != "kubernetes.io/change-cause")
                        && current.get(k).as_str().is_some_and(|cur| cur != v)
                })
                .map(|(k, _)| (k.clone(), current.get(k).as_str().unwrap_or("").to_string()))
                .collect();
            if !conflicts.is_empty() {
                if labels {
                    let msgs: Vec<String> = conflicts
                        .iter()
                        .map(|(k, v)| {
                            format!("'{k}' already has a value ({v}), and --overwrite is false")
                        })
                        .collect();
                    errors.push(format!("error: {}", msgs.join("\n")));
                } else {
                    let msgs: Vec<String> = conflicts
                        .iter()
                        .map(|(k, v)| format!("'{k}' already has a value ({v})"))
                        .collect();
                    errors.push(format!(
                        "error: --overwrite is false but found the following declared annotation(s): {}",
                        msgs.join("; ")
                    ));
                }
                continue;
            }
        }
        let mut updated = current.clone();
        if updated.is_null() {
            updated = Value::object();
        }
        for (k, v) in &changes.set {
            updated.set(k, Value::from(v.clone()));
        }
        for k in &changes.remove {
            if updated.remove(k).is_none() && labels {
                ctx.out.line(&format!(
                    "label {} not found.",
                    crate::api::errors::quote(k)
                ));
            }
        }
        let old_len = crate::yaml::to_json_compact(&current).len();
        let new_len = crate::yaml::to_json_compact(&updated).len();
        let changed = updated != current && !(current.is_null() && updated.is_empty());
        let msg = if labels {
            if !changed {
                "not labeled"
            } else if !overwrite && new_len < old_len {
                "unlabeled"
            } else {
                "labeled"
            }
        } else {
            "annotated"
        };
        if changed {
            if updated.is_empty() {
                obj.entry("metadata").remove(field);
            } else {
                obj.set_at(&["metadata", field], updated);
            }
            if let Some(rv) = p.str("resource-version") {
                obj.set_at(&["metadata", "resourceVersion"], Value::str(rv));
            }
            match write(ctx, obj, dry) {
                Ok(written) => obj = written,
                Err(Fail(e)) => {
                    errors.push(e);
                    continue;
                }
            }
        }
        match &format {
            Some(format) => get::print_objects(ctx, format, vec![obj], true, false)?,
            None => print_name_op(ctx, p, rid, &name, msg, dry),
        }
    }
    resources::aggregate(errors)
}

/// `kubectl label`.
pub(crate) fn label(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    label_or_annotate(ctx, p, true)
}

/// `kubectl annotate`.
pub(crate) fn annotate(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    label_or_annotate(ctx, p, false)
}

// -------------------------------------------------------------- set image

/// The pod spec path of a kind with a pod template.
pub(crate) fn pod_spec_path(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "Pod" => &["spec"],
        "Deployment"
        | "ReplicaSet"
        | "ReplicationController"
        | "StatefulSet"
        | "DaemonSet"
        | "Job" => &["spec", "template", "spec"],
        "CronJob" => &["spec", "jobTemplate", "spec", "template", "spec"],
        _ => return None,
    })
}

/// Applies `edit` to each init container and container of a pod spec whose
/// name `selects` accepts (`UpdatePodSpecForObject` with kubectl's
/// container selection); says whether any was selected.
fn edit_containers(
    spec: &mut Value,
    selects: impl Fn(&str) -> bool,
    mut edit: impl FnMut(&mut Value),
) -> bool {
    let mut found = false;
    for list in ["initContainers", "containers"] {
        let Some(containers) = spec.get(list).as_array() else {
            continue;
        };
        let mut containers = containers.to_vec();
        for c in &mut containers {
            if selects(c.str_at(&["name"]).unwrap_or("")) {
                found = true;
                edit(c);
            }
        }
        spec.set(list, Value::array(containers));
    }
    found
}

/// `kubectl set image`.
pub(crate) fn set_image(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    let mut res_args = Vec::new();
    let mut images: Vec<(String, String)> = Vec::new();
    for a in &p.args {
        match a.split_once('=') {
            Some((c, i)) => images.push((c.to_string(), i.to_string())),
            None => res_args.push(a.clone()),
        }
    }
    if images.is_empty() {
        return Err(Fail::error("at least one image update is required"));
    }
    if images.len() > 1 && images.iter().any(|(c, _)| c == "*") {
        return Err(Fail::error(
            "all containers are already specified by *, but saw more than one container_name=container_image pairs",
        ));
    }
    let report = SetReport::new(
        ctx,
        p,
        "image updated",
        "failed to patch image update to pod template: ",
    )?;
    let (objs, mut errors) = select(ctx, p, &res_args)?;
    for (rid, mut obj) in objs {
        let name = obj.str_at(&["metadata", "name"]).unwrap_or("").to_string();
        let Some(path) = pod_spec_path(rid.get().kind) else {
            errors.push(no_pod_template(rid, &name));
            continue;
        };
        let mut spec = obj.at(path).clone();
        let mut transformed = false;
        for (cname, image) in &images {
            let selects = |n: &str| cname == "*" || n == cname;
            let found = edit_containers(&mut spec, selects, |c| {
                if c.get("image").as_str() != Some(image.as_str()) {
                    c.set("image", Value::from(image.clone()));
                    transformed = true;
                }
            });
            if !found {
                errors.push(format!(
                    "error: unable to find container named {}",
                    crate::api::errors::quote(cname)
                ));
            }
        }
        if !transformed {
            continue;
        }
        obj.set_at(path, spec);
        report.patch(ctx, p, rid, obj, &mut errors)?;
    }
    resources::aggregate(errors)
}

// ---------------------------------------------------------- set resources

/// kubectl's `selectString` for `-c`: `*` alone matches every name, a
/// pattern without `*` only itself; otherwise the parts between stars are
/// looked for in order, with kubectl's quirks (its positions are relative
/// to the rest of the name, so some names that a glob would match do not).
fn select_string(name: &str, pattern: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    if !pattern.contains('*') {
        return name == pattern;
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut pos: isize = 0;
    for (i, part) in parts.iter().enumerate() {
        if part.is_empty() {
            continue;
        }
        let rest = name.get(pos.max(0) as usize..).unwrap_or("");
        let next = rest.find(part).map_or(-1, |n| n as isize);
        if next < pos
            || (i == 0 && pos != 0)
            || (i == parts.len() - 1 && name.len() as isize != part.len() as isize + next)
        {
            return false;
        }
        pos = next;
    }
    true
}

/// `UpdatePodSpecForObjectFn`'s refusal, with the object's Go type.
fn no_pod_template(rid: ResourceId, name: &str) -> String {
    let rt = rid.get();
    let version = rt.version;
    format!(
        "error: {}/{name} the object is not a pod or does not have a pod template: *{version}.{}",
        rt.plural, rt.kind
    )
}

/// `kubectl set resources`: the given limits and requests on the
/// containers (and init containers) the `-c` pattern selects. As kubectl
/// does, the objects are found first (a missing one fails the command
/// before anything changes), then the flags are checked.
pub(crate) fn set_resources(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    let report = SetReport::new(
        ctx,
        p,
        "resource requirements updated",
        "failed to patch resources update to pod template ",
    )?;
    let objs = select_for_set(ctx, p, &p.args)?;
    if p.str_or_empty("limits").is_empty() && p.str_or_empty("requests").is_empty() {
        return Err(Fail::error(
            "you must specify an update to requests or limits (in the form of --requests/--limits)",
        ));
    }
    let limits = super::create::resource_list_arg(p.str_or_empty("limits"))?;
    let requests = super::create::resource_list_arg(p.str_or_empty("requests"))?;
    let pattern = p.str("containers").unwrap_or("*").to_string();
    // kubectl finds every container first (`CalculatePatches`), then
    // patches: its "unable to find" errors come before any other.
    let mut missing = Vec::new();
    let mut errors = Vec::new();
    let mut updates = Vec::new();
    for (rid, mut obj) in objs {
        let name = obj.str_at(&["metadata", "name"]).unwrap_or("").to_string();
        let Some(path) = pod_spec_path(rid.get().kind) else {
            errors.push(no_pod_template(rid, &name));
            continue;
        };
        let mut spec = obj.at(path).clone();
        let selects = |n: &str| select_string(n, &pattern);
        let found = edit_containers(&mut spec, selects, |c| {
            for (field, values) in [("limits", &limits), ("requests", &requests)] {
                for (k, v) in values.members() {
                    c.entry("resources").entry(field).set(k, v.clone());
                }
            }
        });
        if !found {
            missing.push(format!("error: unable to find container named {pattern}"));
        }
        // An empty patch is skipped without a word.
        if &spec != obj.at(path) {
            obj.set_at(path, spec);
            updates.push((rid, name, obj));
        }
    }
    for (rid, _, obj) in updates {
        report.patch(ctx, p, rid, obj, &mut errors)?;
    }
    missing.extend(errors);
    resources::aggregate(missing)
}

/// The objects a `set` command changes: all found first (kubectl's
/// builder fails on any it cannot get), then `--all` against `--selector`.
fn select_for_set(
    ctx: &mut Ctx,
    p: &Parsed,
    args: &[String],
) -> Result<Vec<(ResourceId, Value)>, Fail> {
    let (objs, errors) = select(ctx, p, args)?;
    if !errors.is_empty() {
        resources::aggregate(errors)?;
    }
    if objs.is_empty() {
        return Err(Fail::error(resources::NO_RESOURCES));
    }
    if p.bool("all") && p.str("selector").is_some() {
        return Err(Fail::error(
            "cannot set --all and --selector at the same time",
        ));
    }
    Ok(objs)
}

/// How a `set` command reports each object it patches.
struct SetReport {
    /// The `-o` format (`name` and none print names).
    format: Option<get::Format>,
    /// The printer's operation: `serviceaccount updated`.
    op: &'static str,
    /// kubectl's wrapper for a refused patch, before the server's message.
    failure: &'static str,
    dry: Option<DryRun>,
}

impl SetReport {
    fn new(
        ctx: &mut Ctx,
        p: &Parsed,
        op: &'static str,
        failure: &'static str,
    ) -> Result<SetReport, Fail> {
        let format = match p.str_or_empty("output") {
            "" | "name" => None,
            o => Some(get::parse_output(o, false)?),
        };
        let dry = dry_run(ctx, p)?;
        Ok(SetReport {
            format,
            op,
            failure,
            dry,
        })
    }

    /// Patches `obj` and prints it (`-o` formats the object, else its name
    /// and the operation), or keeps the wrapped error, which CheckErr
    /// prefixes with `error: ` when it is alone.
    fn patch(
        &self,
        ctx: &mut Ctx,
        p: &Parsed,
        rid: ResourceId,
        obj: Value,
        errors: &mut Vec<String>,
    ) -> Result<(), Fail> {
        match write_status(ctx, obj, self.dry) {
            Ok(obj) => match &self.format {
                Some(format) => get::print_objects(ctx, format, vec![obj], true, false)?,
                None => {
                    let name = obj.str_at(&["metadata", "name"]).unwrap_or("");
                    print_name_op(ctx, p, rid, name, self.op, self.dry);
                }
            },
            Err(e) => errors.push(format!("error: {}{}", self.failure, e.message)),
        }
        Ok(())
    }
}

/// `kubectl set serviceaccount`: the service account of pod templates. As
/// kubectl does, the patch is sent even when nothing changes.
pub(crate) fn set_serviceaccount(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    let report = SetReport::new(
        ctx,
        p,
        "serviceaccount updated",
        "failed to patch ServiceAccountName ",
    )?;
    let Some((account, targets)) = p.args.split_last() else {
        return Err(Fail::error("serviceaccount is required"));
    };
    let objs = select_for_set(ctx, p, targets)?;
    let mut errors = Vec::new();
    for (rid, mut obj) in objs {
        let name = obj.str_at(&["metadata", "name"]).unwrap_or("").to_string();
        let Some(path) = pod_spec_path(rid.get().kind) else {
            errors.push(no_pod_template(rid, &name));
            continue;
        };
        let mut spec_path = path.to_vec();
        spec_path.push("serviceAccountName");
        obj.set_at(&spec_path, Value::str(account));
        report.patch(ctx, p, rid, obj, &mut errors)?;
    }
    resources::aggregate(errors)
}

/// `kubectl set subject`: adds users, groups and service accounts to role
/// bindings (each kind sorted, as kubectl's sets list them). A binding
/// that already has them all is left alone without a word.
pub(crate) fn set_subject(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    let report = SetReport::new(
        ctx,
        p,
        "subjects updated",
        "failed to patch subjects to rolebinding: ",
    )?;
    let objs = select_for_set(ctx, p, &p.args)?;
    let sorted = |flag: &str| {
        let mut v: Vec<String> = p.all(flag).to_vec();
        v.compact_sort();
        v.dedup();
        v
    };
    let (users, groups, accounts) = (sorted("user"), sorted("group"), sorted("serviceaccount"));
    if users.is_empty() && groups.is_empty() && accounts.is_empty() {
        return Err(Fail::error(
            "you must specify at least one value of user, group or serviceaccount",
        ));
    }
    for sa in &accounts {
        let tokens: Vec<&str> = sa.split(':').collect();
        if tokens.len() != 2 || tokens[1].is_empty() {
            return Err(Fail::error("serviceaccount must be <namespace>:<name>"));
        }
        if tokens[0].is_empty()
            && objs
                .iter()
                .any(|(rid, _)| rid.get().kind == "ClusterRoleBinding")
        {
            return Err(Fail::error(
                "serviceaccount must be <namespace>:<name>, namespace must be specified",
            ));
        }
    }
    let group = crate::api::validation::rbac::RBAC_GROUP;
    let mut subjects: Vec<Value> = Vec::new();
    for (names, kind) in [(&users, "User"), (&groups, "Group")] {
        for n in names {
            subjects.push(Value::from_pairs([
                ("kind", Value::str(kind)),
                ("apiGroup", Value::str(group)),
                ("name", Value::str(n)),
            ]));
        }
    }
    for sa in &accounts {
        let (ns, name) = sa.split_once(':').unwrap_or(("", sa));
        let ns = if ns.is_empty() {
            ctx.namespace.as_str()
        } else {
            ns
        };
        subjects.push(Value::from_pairs([
            ("kind", Value::str("ServiceAccount")),
            ("namespace", Value::str(ns)),
            ("name", Value::str(name)),
        ]));
    }
    // Subjects compare as Go structs: every field, an absent one empty.
    let same = |a: &Value, b: &Value| {
        ["kind", "apiGroup", "name", "namespace"]
            .iter()
            .all(|f| a.get(f).as_str().unwrap_or("") == b.get(f).as_str().unwrap_or(""))
    };
    let mut errors = Vec::new();
    for (rid, mut obj) in objs {
        let name = obj.str_at(&["metadata", "name"]).unwrap_or("").to_string();
        if !matches!(rid.get().kind, "RoleBinding" | "ClusterRoleBinding") {
            errors.push(format!(
                "error: {}/{name} setting subjects is only supported for RoleBinding/ClusterRoleBinding",
                rid.get().plural
            ));
            continue;
        }
        let existing: Vec<Value> = obj.get("subjects").items().cloned().collect();
        let mut updated = existing.clone();
        for s in &subjects {
            if !existing.iter().any(|e| same(e, s)) {
                updated.push(s.clone());
            }
        }
        if updated.len() == existing.len() {
            continue;
        }
        obj.set("subjects", Value::array(updated));
        report.patch(ctx, p, rid, obj, &mut errors)?;
    }
    resources::aggregate(errors)
}

// ------------------------------------------------------------------ taint

/// kubectl's `parseTaint`: `KEY[=VALUE][:EFFECT]`, its key a qualified
/// name and its value a label value.
fn parse_taint(spec: &str) -> Result<(String, String, String), String> {
    let invalid = || format!("invalid taint spec: {spec}");
    let parts: Vec<&str> = spec.split(':').collect();
    let (key, value, effect) = match parts.len() {
        1 => (parts[0].to_string(), String::new(), String::new()),
        2 => {
            let effect = parts[1];
            if !matches!(effect, "NoSchedule" | "PreferNoSchedule" | "NoExecute") {
                return Err(format!(
                    "invalid taint effect: {effect}, unsupported taint effect"
                ));
            }
            let kv: Vec<&str> = parts[0].split('=').collect();
            if kv.len() > 2 {
                return Err(invalid());
            }
            let value = kv.get(1).copied().unwrap_or("");
            let errs = crate::api::content::is_label_value(value);
            if !errs.is_empty() {
                return Err(format!("{}, {}", invalid(), errs.join("; ")));
            }
            (kv[0].to_string(), value.to_string(), effect.to_string())
        }
        _ => return Err(invalid()),
    };
    let errs = crate::api::content::is_label_key(&key);
    if !errs.is_empty() {
        return Err(format!("{}, {}", invalid(), errs.join("; ")));
    }
    Ok((key, value, effect))
}

/// `kubectl taint`, as `TaintOptions.Complete`, `Validate` and `RunTaint`.
pub(crate) fn taint(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    let mut res_args = Vec::new();
    let mut taint_args = Vec::new();
    let mut met = false;
    for s in &p.args {
        let is_taint = s.contains('=') || s.contains(':') || s.ends_with('-');
        if is_taint {
            met = true;
            taint_args.push(s.clone());
        } else if met {
            return Err(Fail::error(format!(
                "all resources must be specified before taint changes: {s}"
            )));
        } else {
            res_args.push(s.clone());
        }
    }
    if res_args.is_empty() {
        return Err(Fail::error(
            "one or more resources must be specified as <resource> <name>",
        ));
    }
    if taint_args.is_empty() {
        return Err(Fail::error("at least one taint update is required"));
    }
    // parseTaints: a removal keeps only the key and effect.
    let usage = |msg: String| Fail::usage("kubectl taint", &msg);
    let mut to_add: Vec<(String, String, String)> = Vec::new();
    let mut to_remove: Vec<(String, String)> = Vec::new();
    for spec in &taint_args {
        if let Some(rm) = spec.strip_suffix('-') {
            let (k, _, e) = parse_taint(rm).map_err(usage)?;
            to_remove.push((k, e));
        } else {
            let t = parse_taint(spec).map_err(usage)?;
            if t.2.is_empty() {
                return Err(usage(format!("invalid taint spec: {spec}")));
            }
            if to_add.iter().any(|a| a.0 == t.0 && a.2 == t.2) {
                // Go's %v of a corev1.Taint.
                return Err(usage(format!(
                    "duplicated taints with the same key and effect: {{{} {} {} <nil>}}",
                    t.0, t.1, t.2
                )));
            }
            to_add.push(t);
        }
    }
    let first = res_args[0]
        .split('/')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    if !matches!(first.as_str(), "node" | "nodes" | "no") {
        return Err(Fail::error(format!(
            "invalid resource type {first}, only node types are supported"
        )));
    }
    let mut conflicts = Vec::new();
    for a in &to_add {
        for r in to_remove.iter().filter(|r| r.0 == a.0) {
            if r.1.is_empty() || r.1 == a.2 {
                conflicts.push(format!("{{\"{}\":\"{}\"}}", r.0, r.1));
            }
        }
    }
    if !conflicts.is_empty() {
        return Err(Fail::error(format!(
            "can not both modify and remove the following taint(s) in the same command: {}",
            conflicts.join(", ")
        )));
    }
    let (all, selector) = (p.bool("all"), p.changed("selector"));
    if all && selector {
        return Err(Fail::error(
            "setting 'all' parameter with a non empty selector is prohibited",
        ));
    }
    if !all && !selector && res_args.len() < 2 && !res_args[0].contains('/') {
        return Err(Fail::error(
            "at least one resource name must be specified since 'all' parameter is not set",
        ));
    }
    let format = result_format(p)?;
    let dry = dry_run(ctx, p)?;
    let overwrite = p.bool("overwrite");
    let (objs, mut errors) = select(ctx, p, &res_args)?;
    for (rid, mut node) in objs {
        let name = node.str_at(&["metadata", "name"]).unwrap_or("").to_string();
        let old: Vec<Value> = node.at(&["spec", "taints"]).items().cloned().collect();
        if !overwrite {
            let dup: Vec<&str> = to_add
                .iter()
                .filter(|a| {
                    old.iter().any(|o| {
                        o.get("key").as_str() == Some(a.0.as_str())
                            && o.get("effect").as_str() == Some(a.2.as_str())
                    })
                })
                .map(|a| a.0.as_str())
                .collect();
            if !dup.is_empty() {
                errors.push(format!(
                    "error: node {name} already has {} taint(s) with same effect(s) and --overwrite is false",
                    dup.join(",")
                ));
                continue;
            }
        }
        let mut new: Vec<Value> = to_add
            .iter()
            .map(|(k, v, e)| {
                let mut t = Value::from_pairs([
                    ("effect", Value::from(e.clone())),
                    ("key", Value::from(k.clone())),
                ]);
                if !v.is_empty() {
                    t.set("value", Value::from(v.clone()));
                }
                t
            })
            .collect();
        for o in &old {
            let exists = new
                .iter()
                .any(|n| n.get("key") == o.get("key") && n.get("effect") == o.get("effect"));
            if !exists {
                new.push(o.clone());
            }
        }
        let added = old.len() != new.len();
        let mut deleted = false;
        let mut taint_errors = Vec::new();
        for (k, e) in &to_remove {
            let before = new.len();
            new.retain(|t| {
                !(t.get("key").as_str() == Some(k.as_str())
                    && (e.is_empty() || t.get("effect").as_str() == Some(e.as_str())))
            });
            if new.len() == before {
                let spec = if e.is_empty() {
                    k.clone()
                } else {
                    format!("{k}:{e}")
                };
                taint_errors.push(format!(
                    "taint {} not found",
                    crate::api::errors::quote(&spec)
                ));
            } else {
                deleted = true;
            }
        }
        if !taint_errors.is_empty() {
            errors.push(format!("error: {}", taint_errors.join("\n")));
            continue;
        }
        let op = if (added && deleted) || overwrite {
            "modified"
        } else if added {
            "tainted"
        } else {
            "untainted"
        };
        if new.is_empty() {
            node.entry("spec").remove("taints");
        } else {
            node.set_at(&["spec", "taints"], Value::array(new));
        }
        match write(ctx, node, dry) {
            Ok(written) => match &format {
                Some(format) => get::print_objects(ctx, format, vec![written], true, false)?,
                None => print_name_op(ctx, p, rid, &name, op, dry),
            },
            Err(Fail(e)) => errors.push(e),
        }
    }
    resources::aggregate(errors)
}

// ------------------------------------------------------ cordon and drain

fn nodes_for(ctx: &mut Ctx, p: &Parsed, verb: &str) -> Result<Vec<Value>, Fail> {
    if p.args.is_empty() && !p.changed("selector") {
        return Err(Fail::usage(
            &format!("kubectl {verb}"),
            &format!("USAGE: {verb} NODE [flags]"),
        ));
    }
    if !p.args.is_empty() && p.changed("selector") {
        return Err(Fail::error(
            "cannot specify both a node name and a --selector option",
        ));
    }
    let node = res("Node");
    if p.changed("selector") {
        let filters = Filters::from(p)?;
        return filters.apply(
            node,
            resources::list(ctx.cluster, node, None).map_err(|e| Fail::status(&e))?,
        );
    }
    let mut out = Vec::new();
    for name in &p.args {
        let name = name
            .strip_prefix("node/")
            .or_else(|| name.strip_prefix("nodes/"))
            .unwrap_or(name);
        // The builder gets each node first.
        match resources::get(ctx.cluster, node, "", name) {
            Ok(n) => out.push(n),
            Err(e) => return Err(Fail::status(&e)),
        }
    }
    Ok(out)
}

fn set_cordon(
    ctx: &mut Ctx,
    node: &Value,
    desired: bool,
    dry: Option<DryRun>,
) -> Result<String, Fail> {
    let name = node.str_at(&["metadata", "name"]).unwrap_or("").to_string();
    let current = node
        .at(&["spec", "unschedulable"])
        .as_bool()
        .unwrap_or(false);
    let kn = format!("node/{name}");
    let suffix = dry.map(DryRun::suffix).unwrap_or("");
    if current == desired {
        let already = if desired {
            "already cordoned"
        } else {
            "already uncordoned"
        };
        return Ok(format!("{kn} {already}{suffix}"));
    }
    let mut updated = node.clone();
    if desired {
        updated.set_at(&["spec", "unschedulable"], Value::Bool(true));
    } else {
        updated.entry("spec").remove("unschedulable");
    }
    write_status(ctx, updated, dry).map_err(|e| {
        Fail::error(format!(
            "unable to {} node {}: {}",
            if desired { "cordon" } else { "uncordon" },
            crate::api::errors::quote(&name),
            e.message
        ))
    })?;
    Ok(format!(
        "{kn} {}{suffix}",
        if desired { "cordoned" } else { "uncordoned" }
    ))
}

fn cordon_or_uncordon(ctx: &mut Ctx, p: &Parsed, desired: bool) -> Result<(), Fail> {
    let verb = if desired { "cordon" } else { "uncordon" };
    let nodes = nodes_for(ctx, p, verb)?;
    let dry = dry_run(ctx, p)?;
    for n in nodes {
        let line = set_cordon(ctx, &n, desired, dry)?;
        ctx.out.line(&line);
    }
    Ok(())
}

/// `kubectl cordon`.
pub(crate) fn cordon(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    cordon_or_uncordon(ctx, p, true)
}

/// `kubectl uncordon`.
pub(crate) fn uncordon(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    cordon_or_uncordon(ctx, p, false)
}

fn controller_of(pod: &Value) -> Option<&Value> {
    pod.at(&["metadata", "ownerReferences"])
        .items()
        .find(|r| r.get("controller").as_bool() == Some(true))
}

/// `kubectl drain`: cordon, then evict the node's pods and wait for them.
pub(crate) fn drain(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    let nodes = nodes_for(ctx, p, "drain")?;
    let dry = dry_run(ctx, p)?;
    if p.changed("delete-local-data") {
        ctx.out.err_line("Flag --delete-local-data has been deprecated, This option is deprecated and will be deleted. Use --delete-emptydir-data.");
    }
    let ignore_ds = p.bool("ignore-daemonsets");
    let delete_local = p.bool("delete-emptydir-data") || p.bool("delete-local-data");
    let force = p.bool("force");
    // `--disable-eviction`: plain deletes, which no disruption budget stops.
    let disable_eviction = p.bool("disable-eviction");
    let grace = p.int("grace-period").filter(|g| *g >= 0);
    let pod_filter = crate::kubectl::selector::parse_label_selector(p.str_or_empty("pod-selector"))
        .map_err(|_| Fail::error("--pod-selector=<pod_selector> must be a valid label selector"))?;
    let names: Vec<String> = nodes
        .iter()
        .map(|n| n.str_at(&["metadata", "name"]).unwrap_or("").to_string())
        .collect();
    // RunDrain: cordon every node first, then drain them one by one; a node
    // that cannot be drained is reported and the others still are.
    for node in &nodes {
        let line = set_cordon(ctx, node, true, dry)?;
        ctx.out.line(&line);
    }
    // Per failed node, its errors (utilerrors aggregates).
    let mut fatal: Vec<Vec<String>> = Vec::new();
    let mut remaining_nodes: Vec<String> = Vec::new();
    for name in names.iter().cloned() {
        // GetPodsForDeletion lists pods at the cluster scope.
        if let Err(e) = ctx
            .cluster
            .authorize_resource("list", res("Pod"), "", "", "")
        {
            unable_to_drain(&mut ctx.out, &name, std::slice::from_ref(&e.message));
            fatal.push(vec![e.kubectl_message(None)]);
            remaining_nodes.push(name);
            continue;
        }
        // GetPodsForDeletion with its filters, in order.
        let pods: Vec<Value> = ctx
            .cluster
            .store
            .list(res("Pod"), None)
            .map(|(_, v)| v)
            .filter(|v| v.str_at(&["spec", "nodeName"]) == Some(name.as_str()))
            .filter(|v| pod_filter.matches(v.at(&["metadata", "labels"])))
            .cloned()
            .collect();
        let mut evict: Vec<Value> = Vec::new();
        let mut ds_pods = Vec::new();
        let mut local_pods = Vec::new();
        let mut unmanaged = Vec::new();
        let mut errs_ds = Vec::new();
        let mut errs_local = Vec::new();
        let mut errs_unmanaged = Vec::new();
        for pod in pods {
            let id = format!(
                "{}/{}",
                pod.str_at(&["metadata", "namespace"]).unwrap_or(""),
                pod.str_at(&["metadata", "name"]).unwrap_or("")
            );
            let finished = matches!(
                pod.str_at(&["status", "phase"]),
                Some("Succeeded" | "Failed")
            );
            if pod
                .at(&["metadata", "annotations", "kubernetes.io/config.mirror"])
                .as_str()
                .is_some()
            {
                continue;
            }
            if controller_of(&pod).and_then(|c| c.get("kind").as_str()) == Some("DaemonSet") {
                if ignore_ds {
                    ds_pods.push(id);
                } else {
                    errs_ds.push(id);
                }
                continue;
            }
            if !finished
                && pod
                    .at(&["spec", "volumes"])
                    .items()
                    .any(|v| !v.get("emptyDir").is_null())
            {
                if delete_local {
                    local_pods.push(id.clone());
                } else {
                    errs_local.push(id);
                    continue;
                }
            }
            if !finished && controller_of(&pod).is_none() {
                if force {
                    unmanaged.push(id);
                } else {
                    errs_unmanaged.push(id);
                    continue;
                }
            }
            evict.push(pod);
        }
        let mut errs = Vec::new();
        if !errs_ds.is_empty() {
            errs.push(format!(
                "cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): {}",
                errs_ds.join(", ")
            ));
        }
        if !errs_local.is_empty() {
            errs.push(format!(
                "cannot delete Pods with local storage (use --delete-emptydir-data to override): {}",
                errs_local.join(", ")
            ));
        }
        if !errs_unmanaged.is_empty() {
            errs.push(format!(
                "cannot delete Pods that declare no controller (use --force to override): {}",
                errs_unmanaged.join(", ")
            ));
        }
        if !errs.is_empty() {
            unable_to_drain(&mut ctx.out, &name, &errs);
            fatal.push(errs);
            remaining_nodes.push(name);
            continue;
        }
        let mut warnings = Vec::new();
        if !ds_pods.is_empty() {
            warnings.push(format!(
                "ignoring DaemonSet-managed Pods: {}",
                ds_pods.join(", ")
            ));
        }
        if !local_pods.is_empty() {
            warnings.push(format!(
                "deleting Pods with local storage: {}",
                local_pods.join(", ")
            ));
        }
        if !unmanaged.is_empty() {
            warnings.push(format!(
                "deleting Pods that declare no controller: {}",
                unmanaged.join(", ")
            ));
        }
        if !warnings.is_empty() {
            ctx.out
                .err_line(&format!("Warning: {}", warnings.join("; ")));
        }
        // `evictPods`: each pod is evicted through the Eviction API; one a
        // disruption budget protects is tried again every 5 s.
        let mut keys: Vec<(ObjectKey, String, String)> = Vec::new();
        let mut queue: Vec<(ObjectKey, String, String)> = Vec::new();
        for pod in &evict {
            let ns = pod
                .str_at(&["metadata", "namespace"])
                .unwrap_or("")
                .to_string();
            let pname = pod.str_at(&["metadata", "name"]).unwrap_or("").to_string();
            match dry {
                Some(DryRun::Client) => {
                    ctx.out
                        .line(&format!("evicting pod {ns}/{pname} (dry run)"));
                    continue;
                }
                // A server dry run asks the Eviction API too (budgets
                // and all) but changes nothing.
                Some(DryRun::Server) | None => {}
            }
            let key = ObjectKey::new(res("Pod"), &ns, &pname);
            let uid = pod.str_at(&["metadata", "uid"]).unwrap_or("").to_string();
            queue.push((key, uid, pname));
        }
        // One global deadline (`--timeout`; 0 is none, and Kubeplay then
        // stops retrying after a while).
        let timeout: Option<Millis> = p
            .duration_ms("timeout")
            .filter(|t| *t > 0)
            .map(|t| t as Millis);
        let eviction_limit = timeout.unwrap_or(EVICTION_HORIZON);
        let verb = if disable_eviction {
            "deleted"
        } else {
            "evicted"
        };
        let started = ctx.cluster.now;
        let mut eviction_errors: Vec<String> = Vec::new();
        while !queue.is_empty() {
            let mut blocked = Vec::new();
            for (key, uid, pname) in queue {
                let ns = key.namespace.to_string();
                let server_dry = matches!(dry, Some(DryRun::Server));
                if server_dry {
                    ctx.out
                        .line(&format!("evicting pod {ns}/{pname} (server dry run)"));
                } else if !disable_eviction {
                    ctx.out.line(&format!("evicting pod {ns}/{pname}"));
                }
                if disable_eviction && server_dry {
                    // A dry-run delete: nothing happens.
                    continue;
                }
                // The user must be allowed to evict (or delete) the pod.
                let (verb, sub) = if disable_eviction {
                    ("delete", "")
                } else {
                    ("create", "eviction")
                };
                if let Err(e) = ctx
                    .cluster
                    .authorize_resource(verb, res("Pod"), sub, &ns, &pname)
                {
                    eviction_errors.push(format!(
                        "error when evicting pods/\"{pname}\" -n \"{ns}\": {}",
                        e.message
                    ));
                    continue;
                }
                if !disable_eviction {
                    match crate::controllers::disruption::admit_eviction(
                        ctx.cluster,
                        &key,
                        server_dry,
                    ) {
                        Ok(()) if server_dry => continue,
                        Ok(()) => {}
                        Err(EvictionRefused::TooManyRequests(why)) => {
                            ctx.out.err_line(&format!(
                                "error when evicting pods/\"{pname}\" -n \"{ns}\" (will retry after 5s): {why}"
                            ));
                            blocked.push((key, uid, pname));
                            continue;
                        }
                        Err(EvictionRefused::Other(why)) => {
                            eviction_errors.push(format!(
                                "error when evicting pods/\"{pname}\" -n \"{ns}\": {why}"
                            ));
                            continue;
                        }
                    }
                    // The Eviction API marks the pod before deleting it.
                    let running = ctx.cluster.store.get(&key).is_some_and(|p| {
                        !matches!(p.str_at(&["status", "phase"]), Some("Succeeded" | "Failed"))
                    });
                    if running {
                        crate::controllers::nodelifecycle::add_disruption_target(
                            ctx.cluster,
                            &key,
                            "EvictionByEvictionAPI",
                            "Eviction API: evicting",
                            false,
                        );
                    }
                }
                let _ = ctx.cluster.delete(
                    &key,
                    DeleteOptions {
                        propagation: Default::default(),
                        grace_period_seconds: grace,
                    },
                );
                keys.push((key, uid, pname));
            }
            if blocked.is_empty() {
                break;
            }
            let waited = ctx.cluster.now.saturating_sub(started);
            if waited.saturating_add(EVICTION_RETRY) > eviction_limit {
                // After its sleep each goroutine prints its attempt, then
                // finds the deadline passed.
                ctx.cluster.step(eviction_limit.saturating_sub(waited));
                let suffix = if matches!(dry, Some(DryRun::Server)) {
                    " (server dry run)"
                } else {
                    ""
                };
                for (key, _, pname) in &blocked {
                    ctx.out
                        .line(&format!("evicting pod {}/{pname}{suffix}", key.namespace));
                    eviction_errors.push(match timeout {
                        Some(limit) => format!(
                            "error when evicting pods/\"{pname}\" -n \"{}\": global timeout reached: {}",
                            key.namespace,
                            crate::kubelet::go_duration(limit)
                        ),
                        None => format!(
                            "Kubeplay stopped retrying the eviction of pods/\"{pname}\" -n \"{}\" after {} (kubectl drain retries until interrupted; set --timeout)",
                            key.namespace,
                            crate::kubelet::go_duration(EVICTION_HORIZON)
                        ),
                    });
                }
                break;
            }
            // Sleep 5 s; pods already evicted are reported as they go.
            let deadline = ctx.cluster.now.saturating_add(EVICTION_RETRY);
            let out = &mut ctx.out;
            wait_until(ctx.cluster, EVICTION_RETRY, |c| {
                report_gone(c, &mut keys, out, verb);
                false
            });
            let rest = deadline.saturating_sub(ctx.cluster.now);
            ctx.cluster.step(rest);
            queue = blocked;
        }
        // Report each pod as it disappears (every pod's wait ends before
        // the errors are reported). As for `delete`: wait out the grace
        // periods, not forever.
        let longest_grace = keys
            .iter()
            .filter_map(|(k, _, _)| ctx.cluster.store.get(k))
            .filter_map(|o| o.at(&["metadata", "deletionGracePeriodSeconds"]).as_i64())
            .max()
            .unwrap_or(0)
            .max(0) as Millis;
        let elapsed = ctx.cluster.now.saturating_sub(started);
        let limit: Millis = match timeout {
            Some(t) => t.saturating_sub(elapsed),
            None => (longest_grace + 60) * SECOND,
        };
        let mut pending = keys;
        let out = &mut ctx.out;
        wait_until(ctx.cluster, limit, |c| {
            report_gone(c, &mut pending, out, verb);
            pending.is_empty()
        });
        if !pending.is_empty() {
            eviction_errors.push(format!(
                "global timeout reached: {}",
                crate::kubelet::go_duration(timeout.unwrap_or(limit))
            ));
        }
        if !eviction_errors.is_empty() {
            // The pods still on the node, as GetPodsForDeletion finds them.
            let left: Vec<&str> = evict
                .iter()
                .filter(|p| {
                    ctx.cluster
                        .store
                        .get(&ObjectKey::of(res("Pod"), p))
                        .is_some_and(|now| {
                            now.at(&["metadata", "uid"]) == p.at(&["metadata", "uid"])
                        })
                })
                .filter_map(|p| p.str_at(&["metadata", "name"]))
                .collect();
            if !left.is_empty() {
                ctx.out.err(&format!(
                    "There are pending pods in node \"{name}\" when an error occurred: {}\n",
                    aggregate_text(&eviction_errors)
                ));
                for n in left {
                    ctx.out.err(&format!("pod/{n}\n"));
                }
            }
            unable_to_drain(&mut ctx.out, &name, &eviction_errors);
            fatal.push(eviction_errors);
            remaining_nodes.push(name);
            continue;
        }
        ctx.out.line(&format!(
            "node/{name} drained{}",
            dry.map(DryRun::suffix).unwrap_or("")
        ));
    }
    if remaining_nodes.is_empty() {
        return Ok(());
    }
    ctx.out.err("There are pending nodes to be drained:\n");
    for n in &remaining_nodes {
        ctx.out.err(&format!(" {n}\n"));
    }
    // CheckErr unwraps an aggregate of one and prints an aggregate's errors
    // one per line, without "error: ".
    let lines: Vec<String> = if fatal.len() == 1 {
        fatal.remove(0)
    } else {
        fatal.iter().map(|errs| aggregate_text(errs)).collect()
    };
    Err(Fail::raw(lines.join("\n")))
}

/// RunDrain's line for a node it could not drain (it goes on to the next).
fn unable_to_drain(out: &mut crate::kubectl::Out, node: &str, errs: &[String]) {
    out.err(&format!(
        "error: unable to drain node \"{node}\" due to error: {}, continuing command...\n",
        aggregate_text(errs)
    ));
}

/// Prints `pod/NAME evicted` (or `deleted`) for the pods that are gone
/// and keeps the others.
fn report_gone(
    cluster: &crate::cluster::Cluster,
    pods: &mut Vec<(ObjectKey, String, String)>,
    out: &mut crate::kubectl::Out,
    verb: &str,
) {
    pods.retain(|(k, uid, pname)| {
        let gone = all_gone(cluster, &[(k.clone(), uid.clone())]);
        if gone {
            out.line(&format!("pod/{pname} {verb}"));
        }
        !gone
    });
}

/// How often `kubectl drain` tries again an eviction a disruption budget
/// refused.
const EVICTION_RETRY: Millis = 5 * SECOND;
/// How long Kubeplay retries refused evictions without `--timeout`
/// (kubectl would retry until interrupted).
const EVICTION_HORIZON: Millis = 5 * 60 * SECOND;

/// `utilerrors.Aggregate.Error()`: one message alone, several in brackets.
fn aggregate_text(errs: &[String]) -> String {
    if errs.len() == 1 {
        errs[0].clone()
    } else {
        format!("[{}]", errs.join(", "))
    }
}

// ---------------------------------------------------------------- set env

/// kubectl's `SplitEnvironmentFromResources`: resources first, then
/// `KEY=VALUE` and `KEY-` arguments; `None` when a resource follows them.
pub(crate) fn split_env_args(args: &[String]) -> Option<(Vec<String>, Vec<String>)> {
    let mut resources = Vec::new();
    let mut env = Vec::new();
    for a in args {
        // `(?ms)^(.+)\=(.*)$`: something before the last `=`.
        let is_env = a.rfind('=').is_some_and(|i| i > 0) || a.ends_with('-');
        match (is_env, env.is_empty()) {
            (true, _) => env.push(a.clone()),
            (false, true) => resources.push(a.clone()),
            (false, false) => return None,
        }
    }
    Some((resources, env))
}

/// Variables to set (name, value) and names to remove.
type EnvChanges = (Vec<(String, String)>, Vec<String>);

/// kubectl's `ParseEnv`: variables to set (`-` reads `KEY=VALUE` lines
/// from standard input, `#` starting a comment) and names to remove.
fn parse_env(ctx: &Ctx, specs: &[String]) -> Result<EnvChanges, Fail> {
    let mut env: Vec<(String, String)> = Vec::new();
    let mut remove: Vec<String> = Vec::new();
    for spec in specs {
        if spec == "-" {
            let text = ctx.files.read("-").unwrap_or_default();
            for line in text.lines() {
                let line = line.split('#').next().unwrap_or("");
                if let Some((k, v)) = line.split_once('=') {
                    env.push((k.to_string(), v.to_string()));
                }
            }
        } else if let Some((k, v)) = spec.split_once('=') {
            let errs = crate::api::content::is_env_var_name(k);
            if !errs.is_empty() {
                return Err(Fail::error(format!(
                    "{} is not a valid key name: {}",
                    crate::api::errors::quote(k),
                    errs.join(";")
                )));
            }
            env.push((k.to_string(), v.to_string()));
        } else if let Some(k) = spec.strip_suffix('-') {
            remove.push(k.to_string());
        } else {
            return Err(Fail::error(format!("unknown environment variable: {spec}")));
        }
    }
    // Only names given on the command line count against removals.
    let given = |r: &String| {
        specs
            .iter()
            .any(|s| s.split_once('=').is_some_and(|(k, _)| k == r))
    };
    if remove.iter().any(given) {
        return Err(Fail::error(
            "can not both modify and remove the same environment variable in the same command",
        ));
    }
    Ok((env, remove))
}

/// `--from=configmap/NAME` or `secret/NAME`: one variable per key (the
/// key upper-cased, characters other than letters, digits and `_` made
/// `_`), referring to it. kubectl walks the data map in Go's random order;
/// Kubeplay takes the keys in order.
fn env_from(ctx: &mut Ctx, p: &Parsed, from: &str) -> Result<Vec<Value>, Fail> {
    let keys = p.all("keys");
    let (objs, errors) = select(ctx, p, &[from.to_string()])?;
    resources::aggregate(errors)?;
    let mut env = Vec::new();
    for (rid, obj) in objs {
        let reference = match rid.get().kind {
            "Secret" => "secretKeyRef",
            "ConfigMap" => "configMapKeyRef",
            _ => return Err(Fail::error("unsupported resource specified in --from")),
        };
        let name = obj.str_at(&["metadata", "name"]).unwrap_or("");
        for (key, _) in obj.get("data").members() {
            if !keys.is_empty() && !keys.iter().any(|k| k == key) {
                continue;
            }
            let env_name: String = key
                .chars()
                .map(|c| match c.is_ascii_alphanumeric() || c == '_' {
                    true => c.to_ascii_uppercase(),
                    false => '_',
                })
                .collect();
            let selector =
                Value::from_pairs([("key", Value::str(key)), ("name", Value::str(name))]);
            env.push(Value::from_pairs([
                ("name", Value::from(env_name)),
                ("valueFrom", Value::from_pairs([(reference, selector)])),
            ]));
        }
    }
    Ok(env)
}

/// kubectl's `updateEnv`: existing variables in place (replaced or
/// removed), then the new ones.
fn update_env(existing: &Value, env: &[Value], remove: &[String]) -> Vec<Value> {
    let mut covered: Vec<&str> = remove.iter().map(String::as_str).collect();
    let named = |name: &str| env.iter().find(|e| e.get("name").as_str() == Some(name));
    let mut out = Vec::new();
    for e in existing.items() {
        let name = e.get("name").as_str().unwrap_or("");
        if covered.contains(&name) {
            continue;
        }
        match named(name) {
            Some(newer) => {
                covered.push(name);
                out.push(newer.clone());
            }
            None => out.push(e.clone()),
        }
    }
    for e in env {
        let name = e.get("name").as_str().unwrap_or("");
        if !covered.contains(&name) {
            covered.push(name);
            out.push(e.clone());
        }
    }
    out
}

/// `set env --list`: one line per variable, references described, or
/// resolved with `--resolve` (kubectl's `GetEnvVarRefValue`, which reads
/// ConfigMaps and Secrets in the command's namespace and field paths of
/// the object listed, not of a pod). Errors go to stderr after the list.
fn list_env(ctx: &mut Ctx, resolve: bool, obj: &Value, container: &Value) {
    let mut errors: Vec<(String, Vec<String>)> = Vec::new();
    for e in container.get("env").items() {
        let name = e.get("name").as_str().unwrap_or("");
        let from = e.get("valueFrom");
        if from.is_null() {
            ctx.out
                .line(&format!("{name}={}", e.get("value").as_str().unwrap_or("")));
            continue;
        }
        let described = env_ref_string(from);
        if resolve {
            match env_ref_value(ctx, from, obj, container) {
                Ok(v) => {
                    ctx.out.line(&format!("{name}={v}"));
                    continue;
                }
                Err(err) => match errors.iter_mut().find(|(e, _)| *e == err) {
                    Some((_, names)) => names.push(name.to_string()),
                    None => errors.push((err, vec![name.to_string()])),
                },
            }
        }
        ctx.out.line(&format!("# {name} from {described}"));
    }
    let mut lines: Vec<String> = errors
        .into_iter()
        .map(|(err, mut names)| {
            names.compact_sort();
            format!("error retrieving reference for {}: {err}", names.join(", "))
        })
        .collect();
    lines.compact_sort();
    for l in lines {
        ctx.out.err_line(&l);
    }
}

/// `GetEnvVarRefString`.
fn env_ref_string(from: &Value) -> String {
    let key_ref = |r: &str| {
        let s = from.get(r);
        (!s.is_null()).then(|| {
            format!(
                "{}, key {}",
                s.get("name").as_str().unwrap_or(""),
                s.get("key").as_str().unwrap_or("")
            )
        })
    };
    if let Some(s) = key_ref("configMapKeyRef") {
        return format!("configmap {s}");
    }
    if let Some(s) = key_ref("secretKeyRef") {
        return format!("secret {s}");
    }
    if let Some(path) = from.at(&["fieldRef", "fieldPath"]).as_str() {
        return format!("field path {path}");
    }
    let r = from.get("resourceFieldRef");
    if !r.is_null() {
        let container = match r.get("containerName").as_str() {
            Some(c) if !c.is_empty() => format!("{c}/"),
            _ => String::new(),
        };
        return format!(
            "resource field {container}{}",
            r.get("resource").as_str().unwrap_or("")
        );
    }
    "invalid valueFrom".into()
}

/// `GetEnvVarRefValue`.
fn env_ref_value(
    ctx: &mut Ctx,
    from: &Value,
    obj: &Value,
    container: &Value,
) -> Result<String, String> {
    for (reference, kind, what) in [
        ("secretKeyRef", "Secret", "secret"),
        ("configMapKeyRef", "ConfigMap", "config map"),
    ] {
        let s = from.get(reference);
        if s.is_null() {
            continue;
        }
        let (name, key) = (
            s.get("name").as_str().unwrap_or(""),
            s.get("key").as_str().unwrap_or(""),
        );
        let ns = ctx.namespace.clone();
        let source = resources::get(ctx.cluster, res(kind), &ns, name).map_err(|e| e.message)?;
        let value = source
            .at(&["data", key])
            .as_str()
            .ok_or(format!("key {key} not found in {what} {name}"))?;
        return Ok(match kind {
            "Secret" => crate::kubelet::images::decode_base64(value)
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default(),
            _ => value.to_string(),
        });
    }
    if let Some(path) = from.at(&["fieldRef", "fieldPath"]).as_str() {
        let meta = obj.get("metadata");
        let text = |v: &Value| v.as_str().unwrap_or("").to_string();
        if let Some((map, key)) = path
            .strip_suffix("']")
            .and_then(|p| p.split_once("['"))
            .filter(|(m, _)| !m.is_empty())
        {
            return match map {
                "metadata.annotations" => Ok(text(meta.at(&["annotations", key]))),
                "metadata.labels" => Ok(text(meta.at(&["labels", key]))),
                _ => Err(format!("fieldPath \"{path}\" does not support subscript")),
            };
        }
        return match path {
            "metadata.annotations" | "metadata.labels" => {
                let map = meta.get(&path["metadata.".len()..]);
                Ok(map
                    .members()
                    .map(|(k, v)| {
                        format!(
                            "{k}={}",
                            crate::api::errors::quote(v.as_str().unwrap_or(""))
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n"))
            }
            "metadata.name" | "metadata.namespace" | "metadata.uid" => {
                Ok(text(meta.get(&path["metadata.".len()..])))
            }
            _ => Err(format!("unsupported fieldPath: {path}")),
        };
    }
    let r = from.get("resourceFieldRef");
    if r.is_null() {
        return Err("invalid valueFrom".into());
    }
    // kubectl reads the container listed (not `containerName`), with no
    // default for a missing limit.
    let resource = r.get("resource").as_str().unwrap_or("");
    let parts = resource.split_once('.').filter(|(g, n)| {
        matches!(*g, "limits" | "requests") && matches!(*n, "cpu" | "memory" | "ephemeral-storage")
    });
    let Some((group, name)) = parts else {
        return Err(format!("Unsupported container resource : {resource}"));
    };
    let q = |v: &Value| {
        v.as_str()
            .and_then(|t| crate::quantity::Quantity::parse(t).ok())
    };
    let value = q(container.at(&["resources", group, name]))
        .unwrap_or_else(|| crate::quantity::Quantity::from_units(0));
    let divisor = q(r.get("divisor"))
        .filter(|d| !d.is_zero())
        .unwrap_or_else(|| crate::quantity::Quantity::from_units(1));
    let (v, d) = match name {
        "cpu" => (value.milli_value(), divisor.milli_value()),
        _ => (value.value(), divisor.value()),
    };
    Ok(((v as f64) / (d as f64)).ceil().to_string())
}

/// `kubectl set env`: variables set, imported (`--from`) or removed on
/// the containers of pod templates that `-c` selects, or listed.
pub(crate) fn set_env(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    if p.bool("all") && p.str("selector").is_some() {
        return Err(Fail::error(
            "cannot set --all and --selector at the same time",
        ));
    }
    let Some((res_args, env_args)) = split_env_args(&p.args) else {
        return Err(Fail::error(format!(
            "all resources must be specified before environment changes: {}",
            p.args.join(" ")
        )));
    };
    let report = SetReport::new(
        ctx,
        p,
        "env updated",
        "failed to patch env update to pod template: ",
    )?;
    if p.all("filename").is_empty() && res_args.is_empty() {
        return Err(Fail::error(
            "one or more resources must be specified as <resource> <name> or <resource>/<name>",
        ));
    }
    let list = p.bool("list");
    if list && !p.str_or_empty("output").is_empty() {
        return Err(Fail::error(
            "--list and --output may not be specified together",
        ));
    }
    let from = p.str_or_empty("from").to_string();
    if !p.all("keys").is_empty() && from.is_empty() {
        return Err(Fail::error(
            "when specifying --keys, a configmap or secret must be provided with --from",
        ));
    }
    let specs: Vec<String> = p.all("env").iter().chain(&env_args).cloned().collect();
    let (set, remove) = parse_env(ctx, &specs)?;
    let mut env: Vec<Value> = set
        .into_iter()
        .map(|(k, v)| Value::from_pairs([("name", Value::from(k)), ("value", Value::from(v))]))
        .collect();
    if !from.is_empty() {
        env.extend(env_from(ctx, p, &from)?);
    }
    let prefix = p.str_or_empty("prefix");
    for e in &mut env {
        let name = format!("{prefix}{}", e.get("name").as_str().unwrap_or(""));
        e.set("name", Value::from(name));
    }
    let objs = select_for_set(ctx, p, &res_args)?;
    let pattern = p.str("containers").unwrap_or("*").to_string();
    let overwrite = p.bool_or("overwrite", true);
    let mut errors = Vec::new();
    let mut updates = Vec::new();
    for (rid, mut obj) in objs {
        let rt = rid.get();
        let name = obj.str_at(&["metadata", "name"]).unwrap_or("").to_string();
        let Some(path) = pod_spec_path(rt.kind) else {
            errors.push(no_pod_template(rid, &name));
            continue;
        };
        let mut spec = obj.at(path).clone();
        let mut selected = 0;
        let mut refused = None;
        // kubectl takes the containers, then the init containers.
        for list_name in ["containers", "initContainers"] {
            let mut containers = spec.get(list_name).items().cloned().collect::<Vec<_>>();
            for c in &mut containers {
                if !select_string(c.get("name").as_str().unwrap_or(""), &pattern) {
                    continue;
                }
                selected += 1;
                if !overwrite && refused.is_none() {
                    refused = env.iter().find_map(|e| {
                        let n = e.get("name").as_str().unwrap_or("");
                        c.get("env").items().find(|x| x.get("name").as_str() == Some(n)).filter(|x| x.get("value") != e.get("value")).map(|x| {
                            format!(
                                "error: {}/{name} '{n}' already has a value ({}), and --overwrite is false\n",
                                rt.plural,
                                x.get("value").as_str().unwrap_or("")
                            )
                        })
                    });
                }
                if refused.is_some() {
                    continue;
                }
                let updated = update_env(c.get("env"), &env, &remove);
                if updated.is_empty() {
                    c.remove("env");
                } else {
                    c.set("env", Value::array(updated));
                }
                if list {
                    let cname = c.get("name").as_str().unwrap_or("").to_string();
                    ctx.out
                        .line(&format!("# {} {name}, container {cname}", rt.kind));
                    list_env(ctx, p.bool("resolve"), &obj, c);
                }
            }
            if !spec.get(list_name).is_null() {
                spec.set(list_name, Value::array(containers));
            }
        }
        if selected == 0 {
            ctx.out.err_line(&format!(
                "warning: {}/{name} does not have any containers matching {}",
                rt.kind,
                crate::api::errors::quote(&pattern)
            ));
        }
        if let Some(e) = refused {
            errors.push(e);
            continue;
        }
        // An unchanged object is skipped without a word.
        if &spec != obj.at(path) {
            obj.set_at(path, spec);
            updates.push((rid, obj));
        }
    }
    if list {
        return Ok(());
    }
    // Only removals: kubectl patches the first object, then says this.
    let nothing_set = env.is_empty() && env_args.is_empty();
    for (rid, obj) in updates {
        if nothing_set {
            if let Err(e) = write_status(ctx, obj, report.dry) {
                errors.push(format!("error: {}{}", report.failure, e.message));
                continue;
            }
            return Err(Fail::error(
                "at least one environment variable must be provided",
            ));
        }
        report.patch(ctx, p, rid, obj, &mut errors)?;
    }
    resources::aggregate(errors)
}

#[cfg(test)]
mod tests {
    use super::select_string;

    #[test]
    fn container_patterns_keep_kubectls_quirks() {
        assert!(select_string("nginx", "*"));
        assert!(select_string("nginx", "nginx"));
        assert!(
            !select_string("nginx", "ngi?x"),
            "? is an ordinary character"
        );
        assert!(select_string("nginx", "ng*"));
        assert!(select_string("nginx", "*x"));
        assert!(!select_string("nginx", "*y"));
        // The first part is not anchored, and later positions are taken
        // relative to the rest of the name, as in kubectl's selectString.
        assert!(select_string("ab", "b*"));
        assert!(!select_string("xac", "a*c"));
        assert!(select_string("ac", "a*c"));
    }
}
