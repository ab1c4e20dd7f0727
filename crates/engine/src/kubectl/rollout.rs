//! `kubectl rollout status|history|undo|restart|pause|resume`. These run
//! client-side in real kubectl, reading the Deployment and its ReplicaSets;
//! here they read the same objects from the store.
//!
//! `rollout status` blocks in real kubectl until the rollout finishes. A
//! script cannot block, so it advances simulated time from one scheduled
//! event to the next, printing each new status line as kubectl's watch
//! would, until the rollout completes, fails its progress deadline,
//! `--timeout` passes, or nothing more is scheduled.

use crate::api::registry::ResourceId;
use crate::apiserver::WriteOptions;
use crate::kubectl::describe::{
    new_and_old, owned_replicasets, pod_template_raw, template_without_hash,
};
use crate::kubectl::flags::Parsed;
use crate::kubectl::resources::{self, Target};
use crate::kubectl::tabwriter::TabWriter;
use crate::kubectl::{Ctx, DryRun, Fail, dry_run};
use crate::sort::CompactSort;
use crate::time::{Millis, SECOND, rfc3339};
use crate::value::Value;

const REVISION: &str = "deployment.kubernetes.io/revision";

fn s<'a>(o: &'a Value, path: &[&str]) -> &'a str {
    o.str_at(path).unwrap_or("")
}

fn int(o: &Value, path: &[&str]) -> i64 {
    o.at(path).as_i64().unwrap_or(0)
}

/// The single object a rollout subcommand works on.
fn target(ctx: &mut Ctx, p: &Parsed) -> Result<Vec<(ResourceId, Value)>, Fail> {
    if p.args.is_empty() && p.all("filename").is_empty() {
        return Err(Fail::usage(
            &ctx.path.clone(),
            "required resource not specified",
        ));
    }
    let mut out = Vec::new();
    let mut errors = Vec::new();
    if !p.all("filename").is_empty() {
        let sources = resources::read_sources(ctx, p.all("filename"), p.bool("recursive"))?;
        let (refs, errs) = resources::manifest_refs(ctx, &sources);
        errors.extend(errs);
        for (rid, ns, name) in refs {
            match resources::get(ctx.cluster, rid, &ns, &name) {
                Ok(o) => out.push((rid, o)),
                Err(e) => errors.push(e.kubectl_message(None)),
            }
        }
    } else {
        let resolved = resources::resolve(&p.args)?;
        let ns = ctx.namespace.clone();
        for t in resolved.targets {
            match t {
                Target::Named(rid, name) => match resources::get(ctx.cluster, rid, &ns, &name) {
                    Ok(o) => out.push((rid, o)),
                    Err(e) => errors.push(e.kubectl_message(None)),
                },
                Target::List(rid) => {
                    let filters = crate::kubectl::get::Filters::from(p)?;
                    if filters.is_empty() {
                        return Err(Fail::error(
                            "resource(s) were provided, but no name was specified",
                        ));
                    }
                    for o in filters.apply(
                        rid,
                        resources::list(ctx.cluster, rid, Some(&ns))
                            .map_err(|e| Fail::status(&e))?,
                    )? {
                        out.push((rid, o));
                    }
                }
            }
        }
    }
    if !errors.is_empty() {
        resources::aggregate(errors)?;
    }
    Ok(out)
}

/// The status line of a Deployment and whether the rollout is done
/// (polymorphichelpers' DeploymentStatusViewer).
fn deployment_status(d: &Value, revision: i64) -> Result<(String, bool), Fail> {
    let name = s(d, &["metadata", "name"]);
    if revision > 0 {
        let current = s(d, &["metadata", "annotations", REVISION])
            .parse::<i64>()
            .unwrap_or(0);
        if revision != current {
            return Err(Fail::error(format!(
                "desired revision ({revision}) is different from the running revision ({current})"
            )));
        }
    }
    let generation = int(d, &["metadata", "generation"]);
    let observed = int(d, &["status", "observedGeneration"]);
    if generation <= observed {
        let progressing = d
            .at(&["status", "conditions"])
            .items()
            .find(|c| c.get("type").as_str() == Some("Progressing"));
        if progressing.is_some_and(|c| c.get("reason").as_str() == Some("ProgressDeadlineExceeded"))
        {
            return Err(Fail::error(format!(
                "deployment \"{name}\" exceeded its progress deadline"
            )));
        }
        let replicas = d.at(&["spec", "replicas"]).as_i64().unwrap_or(1);
        let updated = int(d, &["status", "updatedReplicas"]);
        let total = int(d, &["status", "replicas"]);
        let available = int(d, &["status", "availableReplicas"]);
        if updated < replicas {
            return Ok((
                format!(
                    "Waiting for deployment \"{name}\" rollout to finish: {updated} out of {replicas} new replicas have been updated...\n"
                ),
                false,
            ));
        }
        if total > updated {
            return Ok((
                format!(
                    "Waiting for deployment \"{name}\" rollout to finish: {} old replicas are pending termination...\n",
                    total - updated
                ),
                false,
            ));
        }
        if available < updated {
            return Ok((
                format!(
                    "Waiting for deployment \"{name}\" rollout to finish: {available} of {updated} updated replicas are available...\n"
                ),
                false,
            ));
        }
        return Ok((
            format!("deployment \"{name}\" successfully rolled out\n"),
            true,
        ));
    }
    Ok((
        "Waiting for deployment spec update to be observed...\n".to_string(),
        false,
    ))
}

fn daemonset_status(ds: &Value) -> Result<(String, bool), Fail> {
    let name = s(ds, &["metadata", "name"]);
    if s(ds, &["spec", "updateStrategy", "type"]) != "RollingUpdate"
        && !ds.at(&["spec", "updateStrategy", "type"]).is_null()
    {
        return Err(Fail::error(
            "rollout status is only available for RollingUpdate strategy type",
        ));
    }
    if int(ds, &["metadata", "generation"]) <= int(ds, &["status", "observedGeneration"]) {
        let desired = int(ds, &["status", "desiredNumberScheduled"]);
        let updated = int(ds, &["status", "updatedNumberScheduled"]);
        let available = int(ds, &["status", "numberAvailable"]);
        if updated < desired {
            return Ok((
                format!(
                    "Waiting for daemon set \"{name}\" rollout to finish: {updated} out of {desired} new pods have been updated...\n"
                ),
                false,
            ));
        }
        if available < desired {
            return Ok((
                format!(
                    "Waiting for daemon set \"{name}\" rollout to finish: {available} of {desired} updated pods are available...\n"
                ),
                false,
            ));
        }
        return Ok((
            format!("daemon set \"{name}\" successfully rolled out\n"),
            true,
        ));
    }
    Ok((
        "Waiting for daemon set spec update to be observed...\n".to_string(),
        false,
    ))
}

fn statefulset_status(sts: &Value) -> Result<(String, bool), Fail> {
    if s(sts, &["spec", "updateStrategy", "type"]) != "RollingUpdate" {
        return Err(Fail::error(
            "rollout status is only available for RollingUpdate strategy type",
        ));
    }
    let observed = int(sts, &["status", "observedGeneration"]);
    if observed == 0 || int(sts, &["metadata", "generation"]) > observed {
        return Ok((
            "Waiting for statefulset spec update to be observed...\n".to_string(),
            false,
        ));
    }
    let replicas = sts.at(&["spec", "replicas"]).as_i64().unwrap_or(1);
    let ready = int(sts, &["status", "readyReplicas"]);
    if ready < replicas {
        return Ok((
            format!("Waiting for {} pods to be ready...\n", replicas - ready),
            false,
        ));
    }
    let ru = sts.at(&["spec", "updateStrategy", "rollingUpdate"]);
    if !ru.is_null() {
        let partition = int(ru, &["partition"]);
        let updated = int(sts, &["status", "updatedReplicas"]);
        if updated < replicas - partition {
            return Ok((
                format!(
                    "Waiting for partitioned roll out to finish: {updated} out of {} new pods have been updated...\n",
                    replicas - partition
                ),
                false,
            ));
        }
        return Ok((
            format!("partitioned roll out complete: {updated} new pods have been updated...\n"),
            true,
        ));
    }
    let update = s(sts, &["status", "updateRevision"]);
    let current = s(sts, &["status", "currentRevision"]);
    if update != current {
        return Ok((
            format!(
                "waiting for statefulset rolling update to complete {} pods at revision {update}...\n",
                int(sts, &["status", "updatedReplicas"])
            ),
            false,
        ));
    }
    Ok((
        format!(
            "statefulset rolling update complete {} pods at revision {current}...\n",
            int(sts, &["status", "currentReplicas"])
        ),
        true,
    ))
}

fn status_of(rid: ResourceId, obj: &Value, revision: i64) -> Result<(String, bool), Fail> {
    match rid.get().kind {
        "Deployment" => deployment_status(obj, revision),
        "DaemonSet" => daemonset_status(obj),
        "StatefulSet" => statefulset_status(obj),
        _ => Err(Fail::error(format!(
            "no status viewer has been implemented for {}",
            rid.get().group_kind()
        ))),
    }
}

/// `kubectl rollout status`.
pub(crate) fn status(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    let revision = p.int("revision").unwrap_or(0);
    if revision < 0 {
        return Err(Fail::error(format!(
            "revision must be a positive integer: {revision}"
        )));
    }
    let objs = target(ctx, p)?;
    if objs.len() != 1 {
        return Err(Fail::error(format!(
            "rollout status is only supported on individual resources and resource collections - {} resources were found",
            objs.len()
        )));
    }
    let (rid, obj) = objs.into_iter().next().expect("one");
    let key = crate::store::ObjectKey::of(rid, &obj);
    let uid = s(&obj, &["metadata", "uid"]).to_string();
    let watch = p.bool_or("watch", true);
    let (line, done) = status_of(rid, &obj, revision)?;
    ctx.out.out(&line);
    if done || !watch {
        return Ok(());
    }
    // Wait as a watch would: until done, the deadline, or the timeout.
    let timeout = p
        .duration_ms("timeout")
        .filter(|t| *t > 0)
        .map(|t| t as Millis);
    let progress_deadline = obj
        .at(&["spec", "progressDeadlineSeconds"])
        .as_i64()
        .unwrap_or(600) as Millis
        * SECOND;
    // Without --timeout, stop once the progress deadline has certainly
    // passed; the deployment controller reports it before then.
    let limit = timeout.unwrap_or(progress_deadline + 60 * SECOND);
    let deadline = ctx.cluster.now.saturating_add(limit);
    let mut last = line;
    for _ in 0..100_000 {
        let next = ctx.cluster.next_timer_at();
        let target = match next {
            Some(t) if t <= deadline => t,
            _ => deadline,
        };
        let dt = target.saturating_sub(ctx.cluster.now);
        ctx.cluster.step(dt);
        let Some(current) = ctx.cluster.store.get(&key).cloned() else {
            return Err(Fail::error("object has been deleted"));
        };
        if s(&current, &["metadata", "uid"]) != uid {
            return Err(Fail::error("object has been deleted"));
        }
        let (line, done) = status_of(rid, &current, revision)?;
        if line != last {
            ctx.out.out(&line);
            last = line;
        }
        if done {
            return Ok(());
        }
        if ctx.cluster.now >= deadline {
            break;
        }
    }
    if timeout.is_some() {
        return Err(Fail::error("timed out waiting for the condition"));
    }
    // Real kubectl would keep waiting; a script cannot, so say so plainly.
    Err(Fail::error(format!(
        "the rollout did not finish in {} of simulated time; kubectl would keep waiting (use --timeout to choose how long to wait)",
        crate::kubectl::duration::human_duration(limit as i64)
    )))
}

fn revision_of(rs: &Value) -> Option<i64> {
    rs.at(&["metadata", "annotations", REVISION])
        .as_str()
        .and_then(|r| r.parse().ok())
}

/// `GetAllReplicaSets` lists the Deployment's namespace: the error history
/// and undo report when the user may not.
fn replica_sets_readable(ctx: &Ctx, deployment: &Value) -> Result<(), String> {
    let ns = s(deployment, &["metadata", "namespace"]);
    ctx.cluster
        .authorize_resource("list", crate::cluster::res("ReplicaSet"), "", ns, "")
        .map_err(|e| {
            format!(
                "failed to retrieve replica sets from deployment {}: {}",
                s(deployment, &["metadata", "name"]),
                e.message
            )
        })
}

/// `kubectl rollout history`.
pub(crate) fn history(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    let revision = p.int("revision").unwrap_or(0);
    if revision < 0 {
        return Err(Fail::error(format!(
            "revision must be a positive integer: {revision}"
        )));
    }
    let objs = target(ctx, p)?;
    for (rid, obj) in objs {
        let kn = resources::kind_name(rid, s(&obj, &["metadata", "name"]));
        let kind = rid.get().kind;
        if !matches!(kind, "Deployment" | "DaemonSet" | "StatefulSet") {
            return Err(Fail::error(format!(
                "no history viewer has been implemented for \"{}\"",
                rid.get().group_kind()
            )));
        }
        let mut revisions: Vec<(i64, Value)> = if kind == "Deployment" {
            replica_sets_readable(ctx, &obj).map_err(Fail::error)?;
            owned_replicasets(ctx.cluster, &obj)
                .into_iter()
                .filter_map(|rs| revision_of(&rs).map(|r| (r, rs)))
                .collect()
        } else {
            let uid = s(&obj, &["metadata", "uid"]);
            resources::list(
                ctx.cluster,
                crate::cluster::res("ControllerRevision"),
                Some(s(&obj, &["metadata", "namespace"])),
            )
            .map_err(|e| Fail::status(&e))?
            .into_iter()
            .filter(|cr| {
                cr.at(&["metadata", "ownerReferences"])
                    .items()
                    .any(|r| r.get("uid").as_str() == Some(uid))
            })
            .map(|cr| (int(&cr, &["revision"]), cr))
            .collect()
        };
        revisions.compact_sort_by_key(|(r, _)| *r);
        if revision > 0 {
            let Some((_, rs)) = revisions.iter().find(|(r, _)| *r == revision) else {
                return Err(Fail::error("unable to find the specified revision"));
            };
            let mut template = if kind == "Deployment" {
                rs.at(&["spec", "template"]).clone()
            } else {
                rs.at(&["data", "spec", "template"]).clone()
            };
            // The history viewers show the revision's change cause among
            // the template's annotations.
            let cause = ["metadata", "annotations", "kubernetes.io/change-cause"];
            if let Some(c) = rs.str_at(&cause).filter(|c| !c.is_empty()) {
                template.set_at(&cause, Value::str(c));
            }
            ctx.out.out(&format!(
                "{kn} with revision #{revision}\n{}\n",
                pod_template_raw(&template)
            ));
            continue;
        }
        let body = if revisions.is_empty() {
            "No rollout history found.".to_string()
        } else {
            // `printHistory`, shared by Deployments, DaemonSets and
            // StatefulSets since kubectl 1.21.
            let mut tw = TabWriter::describe();
            tw.write("REVISION\tCHANGE-CAUSE\n");
            for (r, rs) in &revisions {
                let cause = match s(
                    rs,
                    &["metadata", "annotations", "kubernetes.io/change-cause"],
                ) {
                    "" => "<none>",
                    c => c,
                };
                tw.write(&format!("{r}\t{cause}\n"));
            }
            tw.finish()
        };
        ctx.out.out(&format!("{kn} \n{body}\n"));
    }
    Ok(())
}

/// Annotations `rollout undo` keeps from the Deployment, not the ReplicaSet.
const ANNOTATIONS_TO_SKIP: &[&str] = &[
    "kubectl.kubernetes.io/last-applied-configuration",
    "deployment.kubernetes.io/revision",
    "deployment.kubernetes.io/revision-history",
    "deployment.kubernetes.io/desired-replicas",
    "deployment.kubernetes.io/max-replicas",
    "deprecated.deployment.rollback.to",
];

/// `StatefulSetRollbacker` / `DaemonSetRollbacker`: the template of a
/// ControllerRevision the object owns (the previous one, or
/// `--to-revision`) patched back onto it. Returns what the name printer
/// prints after the name.
fn undo_from_history(
    ctx: &mut Ctx,
    obj: &Value,
    to_revision: i64,
    dry: Option<DryRun>,
) -> Result<String, String> {
    let not_found = || format!("unable to find specified revision {to_revision} in history");
    if to_revision < 0 {
        return Err(not_found());
    }
    let ns = s(obj, &["metadata", "namespace"]);
    let uid = s(obj, &["metadata", "uid"]);
    let history = crate::controllers::history::owned_revisions(ctx.cluster, ns, uid);
    if to_revision == 0 && history.len() <= 1 {
        return Err("no last revision to roll back to".to_string());
    }
    // Oldest first: the previous revision is the second newest.
    let chosen = if to_revision == 0 {
        history.get(history.len() - 2)
    } else {
        history
            .iter()
            .find(|cr| cr.get("revision").as_i64() == Some(to_revision))
    }
    .ok_or_else(not_found)?;
    let template = crate::controllers::history::revision_template(chosen);
    if dry == Some(DryRun::Client) {
        return Ok(pod_template_raw(&template));
    }
    if &template == obj.at(&["spec", "template"]) {
        return Ok(format!(
            "skipped rollback (current template already matches revision {to_revision})"
        ));
    }
    let mut updated = obj.clone();
    updated.set_at(&["spec", "template"], template);
    let opts = WriteOptions::patch(dry == Some(DryRun::Server));
    ctx.cluster
        .update(updated, &opts)
        .map(|_| "rolled back".to_string())
        .map_err(|e| format!("failed restoring revision {to_revision}: {}", e.message))
}

/// `kubectl rollout undo`.
pub(crate) fn undo(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    let to_revision = p.int("to-revision").unwrap_or(0);
    let dry = dry_run(ctx, p)?;
    let objs = target(ctx, p)?;
    let mut errors = Vec::new();
    for (rid, d) in objs {
        let name = s(&d, &["metadata", "name"]).to_string();
        let kn = resources::kind_name(rid, &name);
        if rid.get().kind != "Deployment" {
            if matches!(rid.get().kind, "DaemonSet" | "StatefulSet") {
                match undo_from_history(ctx, &d, to_revision, dry) {
                    Ok(result) => {
                        let suffix = dry.map(DryRun::suffix).unwrap_or("");
                        ctx.out.line(&format!("{kn} {result}{suffix}"));
                    }
                    Err(e) => errors.push(format!("error: {e}")),
                }
            } else {
                errors.push(format!(
                    "error: no rollbacker has been implemented for \"{}\"",
                    rid.get().group_kind()
                ));
            }
            continue;
        }
        // The rollbacker lists the ReplicaSets before it looks at pausing.
        if let Err(e) = replica_sets_readable(ctx, &d) {
            errors.push(format!("error: {e}"));
            continue;
        }
        if d.at(&["spec", "paused"]).as_bool() == Some(true) {
            errors.push(format!("error: you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume deployment/{name}' and try again"));
            continue;
        }
        let (new, old) = new_and_old(ctx.cluster, &d);
        let all: Vec<Value> = old.into_iter().chain(new).collect();
        let mut latest: Option<(i64, &Value)> = None;
        let mut previous: Option<(i64, &Value)> = None;
        let mut chosen: Option<&Value> = None;
        for rs in &all {
            let Some(v) = revision_of(rs) else { continue };
            if to_revision == 0 {
                if latest.is_none_or(|(l, _)| l < v) {
                    previous = latest;
                    latest = Some((v, rs));
                } else if previous.is_none_or(|(pv, _)| pv < v) {
                    previous = Some((v, rs));
                }
            } else if v == to_revision {
                chosen = Some(rs);
                break;
            }
        }
        let rs = match (to_revision, chosen, previous) {
            (0, _, Some((_, rs))) => rs.clone(),
            (0, _, None) => {
                errors.push(format!(
                    "error: no rollout history found for deployment \"{name}\""
                ));
                continue;
            }
            (_, Some(rs), _) => rs.clone(),
            (_, None, _) => {
                errors.push(format!(
                    "error: unable to find specified revision {to_revision} in history"
                ));
                continue;
            }
        };
        // The rollbacker's result is the name printer's operation, so a
        // client dry run prints the template after the name.
        let suffix = dry.map(DryRun::suffix).unwrap_or("");
        if dry == Some(DryRun::Client) {
            let template = pod_template_raw(rs.at(&["spec", "template"]));
            ctx.out.line(&format!("{kn} {template}{suffix}"));
            continue;
        }
        let template = template_without_hash(rs.at(&["spec", "template"]));
        if template == template_without_hash(d.at(&["spec", "template"])) {
            ctx.out.line(&format!(
                "{kn} skipped rollback (current template already matches revision {to_revision}){suffix}"
            ));
            continue;
        }
        let mut annotations = Value::object();
        for k in ANNOTATIONS_TO_SKIP {
            if let Some(v) = d.at(&["metadata", "annotations", k]).as_str() {
                annotations.set(k, Value::str(v));
            }
        }
        for (k, v) in rs.at(&["metadata", "annotations"]).members() {
            if !ANNOTATIONS_TO_SKIP.contains(&k) {
                annotations.set(k, v.clone());
            }
        }
        let mut updated = d.clone();
        updated.set_at(&["spec", "template"], template);
        if annotations.is_empty() {
            updated.entry("metadata").remove("annotations");
        } else {
            updated.set_at(&["metadata", "annotations"], annotations);
        }
        let opts = WriteOptions::patch(dry == Some(DryRun::Server));
        match ctx.cluster.update(updated, &opts) {
            Ok(_) => ctx.out.line(&format!("{kn} rolled back{suffix}")),
            Err(e) => errors.push(format!(
                "error: failed restoring revision {to_revision}: {}",
                e.message
            )),
        }
    }
    resources::aggregate(errors)
}

fn pause_or_resume(ctx: &mut Ctx, p: &Parsed, pause: bool) -> Result<(), Fail> {
    let objs = target(ctx, p)?;
    let mut errors = Vec::new();
    for (rid, mut d) in objs {
        let name = s(&d, &["metadata", "name"]).to_string();
        let rs = rid.get().plural_group();
        if rid.get().kind != "Deployment" {
            errors.push(format!(
                "error: {rs} \"{name}\" {} is not supported",
                if pause { "pausing" } else { "resuming" }
            ));
            continue;
        }
        let paused = d.at(&["spec", "paused"]).as_bool() == Some(true);
        if pause && paused {
            errors.push(format!("error: {rs} \"{name}\" is already paused"));
            continue;
        }
        if !pause && !paused {
            errors.push(format!("error: {rs} \"{name}\" is not paused"));
            continue;
        }
        if pause {
            d.set_at(&["spec", "paused"], Value::Bool(true));
        } else {
            d.entry("spec").remove("paused");
        }
        match ctx.cluster.update(d, &WriteOptions::patch(false)) {
            Ok(_) => ctx.out.line(&format!(
                "{} {}",
                resources::kind_name(rid, &name),
                if pause { "paused" } else { "resumed" }
            )),
            Err(e) => errors.push(format!("error: failed to patch: {}", e.message)),
        }
    }
    resources::aggregate(errors)
}

/// `kubectl rollout pause`.
pub(crate) fn pause(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    pause_or_resume(ctx, p, true)
}

/// `kubectl rollout resume`.
pub(crate) fn resume(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    pause_or_resume(ctx, p, false)
}

/// `kubectl rollout restart`: stamps `kubectl.kubernetes.io/restartedAt`
/// on the pod template.
pub(crate) fn restart(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    let dry = dry_run(ctx, p)?;
    let objs = target(ctx, p)?;
    let mut errors = Vec::new();
    for (rid, mut obj) in objs {
        let name = s(&obj, &["metadata", "name"]).to_string();
        let rs = rid.get().plural_group();
        if !matches!(rid.get().kind, "Deployment" | "DaemonSet" | "StatefulSet") {
            errors.push(format!(
                "error: {rs} \"{name}\" restarting is not supported"
            ));
            continue;
        }
        if obj.at(&["spec", "paused"]).as_bool() == Some(true) {
            errors.push(format!(
                "error: {rs} \"{name}\" can't restart paused deployment (run rollout resume first)"
            ));
            continue;
        }
        obj.set_at(
            &[
                "spec",
                "template",
                "metadata",
                "annotations",
                "kubectl.kubernetes.io/restartedAt",
            ],
            Value::from(rfc3339(ctx.cluster.now)),
        );
        let result = match dry {
            Some(DryRun::Client) => Ok(obj),
            _ => ctx
                .cluster
                .update(obj, &WriteOptions::patch(dry == Some(DryRun::Server))),
        };
        match result {
            Ok(_) => ctx.out.line(&format!(
                "{} restarted{}",
                resources::kind_name(rid, &name),
                dry.map(DryRun::suffix).unwrap_or("")
            )),
            Err(e) => errors.push(format!("error: failed to patch: {}", e.message)),
        }
    }
    resources::aggregate(errors)
}
