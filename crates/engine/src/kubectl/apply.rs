//! `kubectl apply -f`, `kubectl create -f` and `kubectl delete`.

use std::collections::BTreeSet;

use crate::apiserver::manifest::{
    Done, FieldValidation, ManifestOptions, ManifestVerb, ObjectOutcome, deleted_line,
};
use crate::apiserver::{DeleteOptions, Propagation};
use crate::cluster::Cluster;
use crate::kubectl::flags::Parsed;
use crate::kubectl::get::{self, Filters, Format};
use crate::kubectl::resources::{self, Target};
use crate::kubectl::{Ctx, DryRun, Fail, dry_run, selector};
use crate::store::ObjectKey;
use crate::time::{Millis, SECOND};
use crate::value::Value;

/// A klog line: severity, date and time (simulated), process id,
/// `file:line]` and the message.
pub(crate) fn klog_line(
    severity: char,
    now: Millis,
    pid: u32,
    location: &str,
    msg: &str,
) -> String {
    let (_, mo, d, h, mi, s, _) =
        crate::time::civil(crate::time::EPOCH_UNIX_SECONDS + (now / 1000) as i64);
    format!(
        "{severity}{mo:02}{d:02} {h:02}:{mi:02}:{s:02}.{:06} {pid:>7} {location}] {msg}",
        (now % 1000) * 1000
    )
}

/// Prints `Warning: …` lines, each distinct message once per command
/// (client-go's deduplicating warning handler).
pub(crate) struct Warnings(BTreeSet<std::rc::Rc<str>>);

impl Warnings {
    pub(crate) fn new() -> Warnings {
        Warnings(BTreeSet::new())
    }

    pub(crate) fn print(&mut self, ctx: &mut Ctx, msg: &str) {
        if self.0.insert(msg.into()) {
            ctx.out.err_line(&format!("Warning: {msg}"));
        }
    }
}

/// Advances simulated time timer by timer until `done` holds, or until
/// nothing more is scheduled before `limit_ms` has passed (the time is not
/// run out then). Returns whether `done` held. `kubectl delete --wait`,
/// `drain` and `wait` wait through it.
pub(crate) fn wait_until(
    cluster: &mut Cluster,
    limit_ms: Millis,
    mut done: impl FnMut(&Cluster) -> bool,
) -> bool {
    let deadline = cluster.now.saturating_add(limit_ms);
    for _ in 0..1_000_000 {
        // Changes not yet heard of first (they may set no timer).
        cluster.step(0);
        if done(cluster) {
            return true;
        }
        match cluster.next_timer_at() {
            Some(t) if t <= deadline => {
                let dt = t.saturating_sub(cluster.now);
                cluster.step(dt);
            }
            _ => return false,
        }
    }
    done(cluster)
}

/// `wait_until`, then, as kubectl when nothing happens, the rest of the
/// timeout passes before it gives up.
pub(crate) fn wait_out(
    cluster: &mut Cluster,
    limit_ms: Millis,
    mut done: impl FnMut(&Cluster) -> bool,
) -> bool {
    let deadline = cluster.now.saturating_add(limit_ms);
    if wait_until(cluster, limit_ms, &mut done) {
        return true;
    }
    cluster.step(deadline.saturating_sub(cluster.now));
    done(cluster)
}

/// Whether none of `(key, uid)` exists any more (a new object under the
/// same name does not count).
pub(crate) fn all_gone(cluster: &Cluster, keys: &[(ObjectKey, String)]) -> bool {
    keys.iter().all(|(k, uid)| {
        cluster
            .store
            .get(k)
            .is_none_or(|o| o.str_at(&["metadata", "uid"]) != Some(uid.as_str()))
    })
}

fn outcome_is_client_error(e: &str) -> bool {
    e.starts_with("error: ")
}

/// Runs a manifest verb over every `-f` source and prints what kubectl
/// prints: warnings and one line per object in order, errors at the end.
fn run_manifests(ctx: &mut Ctx, p: &Parsed, verb: ManifestVerb) -> Result<(), Fail> {
    let output = p.str_or_empty("output").to_string();
    let format = get::parse_output(&output, false)?;
    let dry = dry_run(ctx, p)?;
    // `apply -l`, `create -l`: only the objects whose labels match.
    let selects = matches!(verb, ManifestVerb::Apply | ManifestVerb::Create);
    let selector = if selects { files_selector(p)? } else { None };
    let sources = resources::read_sources(ctx, p.all("filename"), p.bool("recursive"))?;
    let mut outcomes: Vec<ObjectOutcome> = Vec::new();
    // A dry run happens on a copy of the cluster, so nothing changes.
    let field_validation = field_validation(p)?;
    let mut scratch = dry.map(|_| ctx.cluster.clone());
    for src in &sources {
        let text = namespaced_text(ctx, src)?;
        let cluster: &mut Cluster = match scratch.as_mut() {
            Some(c) => c,
            None => ctx.cluster,
        };
        let options = ManifestOptions {
            selector: selector.as_ref(),
            save_config: p.bool("save-config"),
            field_validation,
        };
        outcomes.extend(cluster.run_manifest_with(&text, &src.name, verb, options));
    }
    let none_selected = selector.is_some() && outcomes.is_empty();
    if none_selected || outcomes.is_empty() && sources.iter().all(|s| s.text.trim().is_empty()) {
        let what = match verb {
            ManifestVerb::Delete => "delete",
            ManifestVerb::Create => "create",
            ManifestVerb::Replace => "replace",
            _ => "apply",
        };
        return Err(Fail::error(format!("no objects passed to {what}")));
    }
    let mut warnings = Warnings::new();
    let mut client_errors = Vec::new();
    let mut server_errors = Vec::new();
    let mut printed: Vec<Value> = Vec::new();
    for o in &outcomes {
        for w in &o.warnings {
            warnings.print(ctx, w);
        }
        match &o.result {
            Ok(_) => {
                if !matches!(format, Format::Table) {
                    let obj = o.key.as_ref().and_then(|k| {
                        let c: &Cluster = scratch.as_ref().unwrap_or(ctx.cluster);
                        c.store.get(k).cloned()
                    });
                    if let Some(obj) = obj {
                        printed.push(obj);
                    }
                    continue;
                }
                if let Some(line) = o.kubectl_line() {
                    let line = match (dry, &o.result) {
                        (Some(d), Ok(Done::Valid)) => line.replace(" (server dry run)", d.suffix()),
                        (Some(d), _) => format!("{line}{}", d.suffix()),
                        (None, _) => line,
                    };
                    ctx.out.line(&line);
                }
            }
            Err(e) if outcome_is_client_error(e) => client_errors.push(o),
            Err(_) => server_errors.push(o),
        }
    }
    if !printed.is_empty() {
        let single = printed.len() == 1;
        get::print_objects(ctx, &format, printed, single, false)?;
    }
    client_errors.extend(server_errors);
    aggregate_outcomes(&client_errors)
}

/// The errors of several objects as kubectl's `CheckErr` prints them: one
/// as itself, several each as `MultipleErrors` lists it.
fn aggregate_outcomes(failed: &[&ObjectOutcome]) -> Result<(), Fail> {
    let several = failed.len() > 1;
    resources::aggregate(
        failed
            .iter()
            .filter_map(|o| match &o.result {
                Err(_) if several => o.error_among_several().map(str::to_string),
                Err(e) => Some(e.clone()),
                Ok(_) => None,
            })
            .collect(),
    )
}

/// `-l` with `-f`: the label selector the files' objects are filtered by.
pub(crate) fn files_selector(p: &Parsed) -> Result<Option<selector::LabelQuery>, Fail> {
    match p.str("selector").filter(|s| !s.is_empty()) {
        Some(text) => Ok(Some(
            selector::parse_label_selector(text).map_err(Fail::error)?,
        )),
        None => Ok(None),
    }
}

/// A source's text with `-n` applied (see [`override_namespace`]).
pub(crate) fn namespaced_text(ctx: &Ctx, src: &resources::Source) -> Result<String, Fail> {
    override_namespace(
        &src.text,
        ctx.namespace_explicit.then_some(ctx.namespace.as_str()),
    )
}

/// `-n` sets the namespace of manifests that do not name one; a manifest
/// naming another namespace is refused, as kubectl refuses it.
fn override_namespace(text: &str, ns: Option<&str>) -> Result<String, Fail> {
    let Some(ns) = ns else {
        return Ok(text.to_string());
    };
    let (docs, err) = crate::yaml::load_stream(text);
    if err.is_some() || docs.is_empty() {
        return Ok(text.to_string());
    }
    let mut changed = false;
    let mut values = Vec::new();
    for doc in docs {
        let mut v = doc.root.to_value();
        let mut fill = |o: &mut Value| -> Result<(), Fail> {
            let namespaced = resources::rid_of(o).is_some_and(|r| r.get().namespaced);
            match o.str_at(&["metadata", "namespace"]) {
                Some(given) if !given.is_empty() && given != ns && namespaced => {
                    Err(Fail::error(format!(
                        "the namespace from the provided object \"{given}\" does not match the namespace \"{ns}\". You must pass '--namespace={given}' to perform this operation."
                    )))
                }
                Some(given) if !given.is_empty() => Ok(()),
                _ => {
                    if namespaced {
                        o.set_at(&["metadata", "namespace"], Value::str(ns));
                        changed = true;
                    }
                    Ok(())
                }
            }
        };
        if v.get("kind").as_str().is_some_and(|k| k.ends_with("List")) && !v.get("items").is_null()
        {
            let mut items: Vec<Value> = v.get("items").items().cloned().collect();
            for i in &mut items {
                fill(i)?;
            }
            v.set("items", Value::array(items));
        } else {
            fill(&mut v)?;
        }
        values.push(v);
    }
    if !changed {
        return Ok(text.to_string());
    }
    let mut out = String::new();
    for v in values {
        out.push_str("---\n");
        out.push_str(&crate::yaml::to_json_pretty(&v));
    }
    Ok(out)
}

/// The arguments of `apply` and `diff`: files only (`validateArgs`, then
/// `RequireFilenameOrKustomize`).
pub(crate) fn files_only(ctx: &Ctx, p: &Parsed) -> Result<(), Fail> {
    if !p.args.is_empty() {
        return Err(Fail::usage(
            &ctx.path,
            &format!("Unexpected args: [{}]", p.args.join(" ")),
        ));
    }
    if p.all("filename").is_empty() {
        return Err(Fail::error("must specify one of -f and -k"));
    }
    Ok(())
}

/// `kubectl apply`.
pub(crate) fn apply(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    files_only(ctx, p)?;
    run_manifests(ctx, p, ManifestVerb::Apply)
}

/// `kubectl create -f` (and `kubectl create` without a subcommand).
pub(crate) fn create(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    if p.all("filename").is_empty() {
        ctx.out.err("Error: must specify one of -f and -k\n\n");
        if !p.args.is_empty() {
            return Err(Fail::usage(
                "kubectl create",
                &format!("unknown command \"{}\"", p.args.join(" ")),
            ));
        }
        ctx.out.err("Create a resource from a file or from stdin.\n\n JSON and YAML formats are accepted.\n\nAvailable Commands:\n  clusterrole           Create a cluster role\n  clusterrolebinding    Create a cluster role binding for a particular cluster role\n  configmap             Create a config map from a local file, directory or literal value\n  cronjob               Create a cron job with the specified name\n  deployment            Create a deployment with the specified name\n  ingress               Create an ingress with the specified name\n  job                   Create a job with the specified name\n  namespace             Create a namespace with the specified name\n  poddisruptionbudget   Create a pod disruption budget with the specified name\n  priorityclass         Create a priority class with the specified name\n  quota                 Create a quota with the specified name\n  role                  Create a role with single rule\n  rolebinding           Create a role binding for a particular role or cluster role\n  secret                Create a secret using a specified subcommand\n  service               Create a service using a specified subcommand\n  serviceaccount        Create a service account with the specified name\n  token                 Request a service account token\n\nUsage:\n  kubectl create -f FILENAME [options]\n\nUse \"kubectl create <command> --help\" for more information about a given command.\nUse \"kubectl options\" for a list of global command-line options (applies to all commands).\n");
        return Err(Fail::raw(""));
    }
    if !p.args.is_empty() {
        return Err(Fail::usage(
            "kubectl create",
            &format!("Unexpected args: [{}]", p.args.join(" ")),
        ));
    }
    run_manifests(ctx, p, ManifestVerb::Create)
}

/// `kubectl replace`: each object PUT whole, or with `--force` deleted,
/// waited for, and created again.
pub(crate) fn replace(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    // The delete flags are read first (`DeleteFlags.ToOptions`).
    let propagation = cascade(ctx, p)?;
    if p.all("filename").is_empty() {
        return Err(Fail::error("must specify one of -f and -k"));
    }
    let force = p.bool("force");
    if p.int("grace-period").unwrap_or(-1) >= 0 && !force {
        return Err(Fail::error("--grace-period must have --force specified"));
    }
    if p.duration_ms("timeout").is_some_and(|t| t != 0) && !force {
        return Err(Fail::error("--timeout must have --force specified"));
    }
    if force && dry_run(ctx, p)?.is_some() {
        return Err(Fail::error("--dry-run can not be used when --force is set"));
    }
    if force {
        return force_replace(ctx, p, propagation);
    }
    run_manifests(ctx, p, ManifestVerb::Replace)
}

/// `kubectl replace --force`: kubectl's delete of what exists (missing
/// objects ignored; `--grace-period=0` becomes 1), a poll until every one
/// is gone (`--timeout`, 5 minutes by default), then a create of each.
/// kubectl refuses `--dry-run` with it.
fn force_replace(ctx: &mut Ctx, p: &Parsed, propagation: Propagation) -> Result<(), Fail> {
    let grace = match p.int("grace-period").unwrap_or(-1) {
        0 => 1,
        g => g,
    };
    let sources = resources::read_sources(ctx, p.all("filename"), p.bool("recursive"))?;
    let mut refs = Vec::new();
    for src in &sources {
        let (found, errors) = resources::manifest_refs(ctx, std::slice::from_ref(src));
        if !errors.is_empty() {
            return resources::aggregate(errors);
        }
        refs.extend(found.into_iter().map(|r| (r, src.name.as_str())));
    }
    // The builder continues on errors and reports them together: one that
    // fails to delete stops the replace before anything is created.
    let mut errors: Vec<String> = Vec::new();
    let mut deleted: Vec<(ObjectKey, String)> = Vec::new();
    for ((rid, ns, name), source) in refs {
        if name.is_empty() {
            errors.push(format!(
                "error: error when deleting \"{source}\": resource name may not be empty"
            ));
            continue;
        }
        let key = ObjectKey::new(rid, &ns, &name);
        let uid = ctx
            .cluster
            .store
            .get(&key)
            .and_then(|o| o.str_at(&["metadata", "uid"]))
            .map(str::to_string);
        let options = DeleteOptions {
            propagation,
            grace_period_seconds: (grace >= 0).then_some(grace),
        };
        let result = ctx
            .cluster
            .authorize_resource("delete", key.resource, "", &key.namespace, &key.name)
            .and_then(|()| ctx.cluster.delete(&key, options));
        match result {
            Ok(_) => {
                // The delete prints with replace's -o (`-o name`: KIND/NAME).
                let line = match p.str("output") {
                    Some("name") => resources::kind_name(rid, &name),
                    _ => deleted_line(&key, "deleted"),
                };
                ctx.out.line(&line);
                deleted.extend(uid.map(|uid| (key, uid)));
            }
            Err(e) if e.reason == crate::api::StatusReason::NotFound => {}
            Err(e) => errors.push(e.kubectl_message(Some(("deleting", source)))),
        }
    }
    if !errors.is_empty() {
        return resources::aggregate(errors);
    }
    let limit = match p.duration_ms("timeout") {
        Some(t) if t > 0 => t as Millis,
        _ => 300 * SECOND,
    };
    if !wait_until(ctx.cluster, limit, |c| all_gone(c, &deleted)) {
        return Err(Fail::error("timed out waiting for the condition"));
    }
    let options = ManifestOptions {
        save_config: p.bool("save-config"),
        field_validation: field_validation(p)?,
        ..ManifestOptions::default()
    };
    let format = get::parse_output(p.str_or_empty("output"), false)?;
    let mut replaced = 0;
    let mut failed: Vec<ObjectOutcome> = Vec::new();
    for src in &sources {
        // The builder's namespace, as for the delete.
        let text = namespaced_text(ctx, src)?;
        for outcome in
            ctx.cluster
                .run_manifest_with(&text, &src.name, ManifestVerb::Recreate, options)
        {
            for w in &outcome.warnings {
                ctx.out.err_line(&format!("Warning: {w}"));
            }
            if outcome.result.is_err() {
                failed.push(outcome);
                continue;
            }
            replaced += 1;
            match (
                &format,
                outcome
                    .key
                    .as_ref()
                    .and_then(|k| ctx.cluster.store.get(k).cloned()),
            ) {
                (Format::Table, _) | (_, None) => {
                    ctx.out.line(&outcome.kubectl_line().unwrap_or_default())
                }
                (f, Some(obj)) => get::print_objects(ctx, f, vec![obj], true, false)?,
            }
        }
    }
    if !failed.is_empty() {
        return aggregate_outcomes(&failed.iter().collect::<Vec<_>>());
    }
    if replaced == 0 {
        return Err(Fail::error("no objects passed to replace"));
    }
    Ok(())
}

/// kubectl's `GetCascadingStrategy`.
fn cascade(ctx: &mut Ctx, p: &Parsed) -> Result<Propagation, Fail> {
    match p.str("cascade").unwrap_or("background") {
        "background" => Ok(Propagation::Background),
        "foreground" => Ok(Propagation::Foreground),
        "orphan" => Ok(Propagation::Orphan),
        v => match crate::kubectl::flags::parse_bool(v) {
            Some(true) => {
                ctx.out.err_line(&format!("warning: --cascade={v} is deprecated (boolean value) and can be replaced with --cascade=background."));
                Ok(Propagation::Background)
            }
            Some(false) => {
                ctx.out.err_line(&format!("warning: --cascade={v} is deprecated (boolean value) and can be replaced with --cascade=orphan."));
                Ok(Propagation::Orphan)
            }
            None => Err(Fail::error(format!(
                "invalid cascade value ({v}). Must be \"background\", \"foreground\", or \"orphan\"."
            ))),
        },
    }
}

/// `kubectl delete`.
pub(crate) fn delete(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    let output = p.str_or_empty("output").to_string();
    if !output.is_empty() && output != "name" {
        return Err(Fail::error(format!(
            "unexpected -o output mode: {output}. We only support '-o name'"
        )));
    }
    let propagation = cascade(ctx, p)?;
    let dry = dry_run(ctx, p)?;
    let delete_all = p.bool("all");
    if delete_all && p.changed("selector") {
        return Err(Fail::error(
            "cannot set --all and --selector at the same time",
        ));
    }
    if delete_all && p.changed("field-selector") {
        return Err(Fail::error(
            "cannot set --all and --field-selector at the same time",
        ));
    }
    let force = p.bool("force");
    let mut grace = p.int("grace-period").unwrap_or(-1);
    if p.bool("now") {
        if grace != -1 {
            return Err(Fail::error(
                "--now and --grace-period cannot be specified together",
            ));
        }
        grace = 1;
    }
    if grace == 0 && !force {
        grace = 1;
    }
    if force && grace < 0 {
        grace = 0;
    }
    if grace == 0 && force {
        ctx.out.err_line("Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.");
    } else if grace > 0 && force {
        return Err(Fail::error(
            "--force and --grace-period greater than 0 cannot be specified together",
        ));
    }
    let grace_opt = (grace >= 0).then_some(grace);
    let ignore_not_found = p.bool("ignore-not-found");
    let filenames = p.all("filename");
    let mut errors: Vec<String> = Vec::new();
    // (resource, namespace, name, source file)
    let mut targets: Vec<(crate::api::ResourceId, String, String, Option<String>)> = Vec::new();
    if !filenames.is_empty() {
        let sources = resources::read_sources(ctx, filenames, p.bool("recursive"))?;
        for src in &sources {
            let (refs, errs) = resources::manifest_refs(ctx, std::slice::from_ref(src));
            errors.extend(errs);
            for (rid, ns, name) in refs {
                targets.push((rid, ns, name, Some(src.name.clone())));
            }
        }
    } else {
        if p.args.is_empty() {
            return Err(Fail::error(resources::NO_RESOURCES));
        }
        let resolved = resources::resolve(&p.args)?;
        let filters = Filters::from(p)?;
        let all_ns = p.bool("all-namespaces");
        let named = resolved
            .targets
            .iter()
            .any(|t| matches!(t, Target::Named(..)));
        if named && (delete_all || !filters.is_empty()) {
            return Err(Fail::error(
                "selectors and the all flag cannot be used when passing resource/name arguments",
            ));
        }
        if !named && !delete_all && filters.is_empty() {
            return Err(Fail::error(
                "resource(s) were provided, but no name was specified",
            ));
        }
        let ns = ctx.namespace.clone();
        for t in resolved.targets {
            match t {
                Target::Named(rid, name) => {
                    let ns = if rid.get().namespaced {
                        ns.clone()
                    } else {
                        String::new()
                    };
                    targets.push((rid, ns, name, None));
                }
                Target::List(rid) => {
                    let scope = if all_ns { None } else { Some(ns.as_str()) };
                    let objs = filters.apply(
                        rid,
                        resources::list(ctx.cluster, rid, scope).map_err(|e| Fail::status(&e))?,
                    )?;
                    for o in objs {
                        targets.push((
                            rid,
                            o.str_at(&["metadata", "namespace"])
                                .unwrap_or("")
                                .to_string(),
                            o.str_at(&["metadata", "name"]).unwrap_or("").to_string(),
                            None,
                        ));
                    }
                }
            }
        }
    }
    let mut warned_cluster_scoped = false;
    let mut deleted: Vec<(ObjectKey, String)> = Vec::new();
    let mut scratch = dry.map(|_| ctx.cluster.clone());
    let mut found = 0;
    for (rid, ns, name, source) in targets {
        let rt = rid.get();
        if !rt.namespaced && ctx.namespace_explicit && !warned_cluster_scoped && source.is_none() {
            ctx.out.err_line(
                "Warning: deleting cluster-scoped resources, not scoped to the provided namespace",
            );
            warned_cluster_scoped = true;
        }
        let key = ObjectKey::new(rid, &ns, &name);
        let cluster: &mut Cluster = match scratch.as_mut() {
            Some(c) => c,
            None => ctx.cluster,
        };
        let uid = cluster
            .store
            .get(&key)
            .and_then(|o| o.str_at(&["metadata", "uid"]))
            .map(str::to_string);
        let result = if dry == Some(DryRun::Client) {
            match uid {
                Some(_) => Ok(Value::Null),
                None => Err(crate::api::errors::StatusError::not_found(
                    &rt.plural_group(),
                    &name,
                )),
            }
        } else {
            cluster
                .authorize_resource("delete", key.resource, "", &key.namespace, &key.name)
                .and_then(|()| {
                    cluster.delete(
                        &key,
                        DeleteOptions {
                            propagation,
                            grace_period_seconds: grace_opt,
                        },
                    )
                })
        };
        // kubectl counts each object it visits before deleting it, so an
        // ignored NotFound still counts: no "No resources found" for it.
        found += 1;
        match result {
            Ok(_) => {
                if let Some(uid) = uid {
                    deleted.push((key.clone(), uid));
                }
                if output == "name" {
                    ctx.out.line(&format!("{}/{name}", rt.singular_group()));
                    continue;
                }
                let op = if grace == 0 {
                    "force deleted"
                } else {
                    "deleted"
                };
                let line = deleted_line(&key, op);
                ctx.out
                    .line(&format!("{line}{}", dry.map(DryRun::suffix).unwrap_or("")));
            }
            Err(e) => {
                if ignore_not_found && e.reason == crate::api::StatusReason::NotFound {
                    continue;
                }
                let src = source.as_deref().map(|s| ("deleting", s));
                errors.push(e.kubectl_message(src));
            }
        }
    }
    if found == 0 && errors.is_empty() {
        ctx.out.line("No resources found");
        return Ok(());
    }
    if dry.is_none() && p.bool_or("wait", true) && !deleted.is_empty() {
        // kubectl waits until the objects are gone. A script cannot wait
        // forever: without --timeout, wait out the longest grace period and
        // a minute more, which covers everything the cluster does on its own.
        let longest_grace = deleted
            .iter()
            .filter_map(|(k, _)| ctx.cluster.store.get(k))
            .filter_map(|o| o.at(&["metadata", "deletionGracePeriodSeconds"]).as_i64())
            .max()
            .unwrap_or(0)
            .max(0) as Millis;
        let limit = match p.duration_ms("timeout") {
            Some(t) if t > 0 => t as Millis,
            _ => (longest_grace + 60) * SECOND,
        };
        let explicit = p.duration_ms("timeout").is_some_and(|t| t > 0);
        let all_deleted = |c: &Cluster| all_gone(c, &deleted);
        // Without --timeout the wait is bounded here, not waited out.
        let gone = if explicit {
            wait_out(ctx.cluster, limit, all_deleted)
        } else {
            wait_until(ctx.cluster, limit, all_deleted)
        };
        if !gone
            && explicit
            && let Some((k, _)) = deleted
                .iter()
                .find(|(k, _)| ctx.cluster.store.get(k).is_some())
        {
            errors.push(format!(
                "error: timed out waiting for the condition on {}/{}",
                k.resource.get().plural,
                k.name
            ));
        }
    }
    resources::aggregate(errors)
}

/// `--validate` as the API server's field validation
/// (`cmdutil.GetValidationDirective`): a boolean, or `strict`, `warn`,
/// `ignore`.
pub(crate) fn field_validation(p: &Parsed) -> Result<FieldValidation, Fail> {
    let flag = p.str("validate").unwrap_or("strict");
    match flag {
        "1" | "t" | "T" | "TRUE" | "true" | "True" | "strict" => Ok(FieldValidation::Strict),
        "0" | "f" | "F" | "FALSE" | "false" | "False" | "ignore" => Ok(FieldValidation::Ignore),
        "warn" => Ok(FieldValidation::Warn),
        other => Err(Fail::error(format!(
            "invalid - validate option \"{other}\"; must be one of: strict (or true), warn, ignore (or false)"
        ))),
    }
}
