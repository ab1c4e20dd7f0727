//! `kubectl logs` and `kubectl top`.

use crate::api::errors::{FieldError, StatusError};
use crate::api::schema::golang::{self, TimeLayout};
use crate::cluster::res;
use crate::kubectl::flags::Parsed;
use crate::kubectl::get::Filters;
use crate::kubectl::resources;
use crate::kubectl::tabwriter::TabWriter;
use crate::kubectl::{Ctx, Fail};
use crate::quantity::Quantity;
use crate::sort::CompactSort;
use crate::time::{Millis, parse_rfc3339, rfc3339};
use crate::value::Value;

fn s<'a>(o: &'a Value, path: &[&str]) -> &'a str {
    o.str_at(path).unwrap_or("")
}

/// `kubectl logs`: `Complete` (arguments, `--since-time`, the object),
/// `Validate`, then each pod's log (every pod a selector matches).
pub(crate) fn logs(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    let selector = p.changed("selector");
    let usage = || {
        Fail::usage(
            "kubectl logs",
            "expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a required argument for the logs command",
        )
    };
    let (target, inline) = match p.args.as_slice() {
        [] if selector => (None, None),
        [t] if !selector => (Some(t.clone()), None),
        [_] => {
            return Err(Fail::usage(
                "kubectl logs",
                "only a selector (-l) or a POD name is allowed",
            ));
        }
        [t, c] => (Some(t.clone()), Some(c.clone())),
        _ => return Err(usage()),
    };
    let since_time = match p.str("since-time").filter(|t| !t.is_empty()) {
        Some(text) => {
            let t = golang::parse_time(text, TimeLayout::Rfc3339).map_err(Fail::error)?;
            Some(parse_rfc3339(&t.format(TimeLayout::Rfc3339)).unwrap_or(0))
        }
        None => None,
    };
    let ns = ctx.namespace.clone();
    let mut found_pods = 1;
    let pods: Vec<Value> = match &target {
        None => {
            let filters = Filters::from(p)?;
            let pods = filters.apply(
                res("Pod"),
                resources::list(ctx.cluster, res("Pod"), Some(&ns))
                    .map_err(|e| Fail::status(&e))?,
            )?;
            if pods.is_empty() {
                ctx.out
                    .err_line(&format!("No resources found in {ns} namespace."));
            }
            pods
        }
        Some(t) => {
            let timeout = p.duration_ms("pod-running-timeout").unwrap_or(20_000);
            if timeout <= 0 {
                return Err(Fail::error(
                    "--pod-running-timeout must be higher than zero",
                ));
            }
            let timeout = timeout as Millis;
            let (pod, found) = attachable_pod_of(ctx, &ns, t, PodChoice::Logs, timeout)?;
            found_pods = found;
            vec![pod]
        }
    };
    let window = LogWindow::validate(ctx, p, since_time, inline.as_deref())?;
    // The pod a controller stands for is chosen when its log is read.
    if let Some(pod) = pods.first() {
        announce_found(ctx, pod, found_pods);
    }
    let container_arg = p.str("container").map(str::to_string).or(inline);
    // `RunLogs`: following more streams than --max-log-requests allows is
    // refused before any is read.
    if p.bool("follow") {
        let per_pod = |pod: &Value| -> usize {
            if container_arg.is_some() {
                1
            } else if p.bool("all-containers") {
                ["containers", "initContainers"]
                    .iter()
                    .map(|l| pod.at(&["spec", l]).items().count())
                    .sum()
            } else {
                1
            }
        };
        let requested: usize = pods.iter().map(per_pod).sum();
        let max = p
            .str("max-log-requests")
            .and_then(|m| m.parse().ok())
            .unwrap_or(5);
        if requested > max {
            return Err(Fail::error(format!(
                "you are attempting to follow {requested} log streams, but maximum allowed concurrency is {max}, use --max-log-requests to increase the limit"
            )));
        }
    }
    // What `--follow` goes on reading: each stream's container instance
    // and how many of its lines were printed.
    let mut streams: Vec<Followed> = Vec::new();
    for pod in &pods {
        let pod_name = s(pod, &["metadata", "name"]).to_string();
        let names = |key: &str| -> Vec<String> {
            pod.at(&["spec", key])
                .items()
                .map(|c| s(c, &["name"]).to_string())
                .collect()
        };
        let containers = names("containers");
        let inits = names("initContainers");
        let chosen: Vec<String> = match &container_arg {
            Some(c) => {
                if !containers.contains(c) && !inits.contains(c) {
                    return Err(Fail::error(format!(
                        "container {c} is not valid for pod {pod_name}"
                    )));
                }
                vec![c.clone()]
            }
            None if p.bool("all-containers") => {
                inits.iter().chain(containers.iter()).cloned().collect()
            }
            None => vec![default_container(ctx, pod, false)?],
        };
        let pod_ns = s(pod, &["metadata", "namespace"]).to_string();
        for c in &chosen {
            let cluster = &ctx.cluster;
            cluster
                .authorize_resource("get", res("Pod"), "log", &pod_ns, &pod_name)
                .map_err(|e| Fail::status(&e))?;
            if window.since_seconds == Some(0) {
                // kubectl rounded --since to 0 s; the API server refuses it.
                return Err(Fail::status(&StatusError::invalid(
                    "PodLogOptions",
                    &pod_name,
                    vec![FieldError::invalid(
                        "sinceSeconds",
                        "0",
                        "must be greater than 0",
                    )],
                )));
            }
            let entries = cluster
                .container_log_entries(&pod_ns, &pod_name, Some(c), p.bool("previous"))
                .map_err(|e| Fail::status(&e))?;
            let prefix = p.bool("prefix").then(|| format!("[pod/{pod_name}/{c}] "));
            if p.bool("follow")
                && !p.bool("previous")
                && let Some(id) = running_container_id(ctx, &pod_ns, &pod_name, c)
            {
                streams.push(Followed {
                    namespace: pod_ns.clone(),
                    pod: pod_name.clone(),
                    container: c.clone(),
                    id,
                    printed: printed_up_to(&entries),
                    prefix: prefix.clone(),
                });
            }
            emit(ctx, &window, entries, prefix);
        }
    }
    if !streams.is_empty() {
        follow(ctx, p, &window, streams);
    }
    Ok(())
}

/// A log stream `kubectl logs -f` follows.
struct Followed {
    namespace: String,
    pod: String,
    container: String,
    /// The container instance (its `containerID`): the stream ends with it.
    id: String,
    /// Where its printed lines end: the last one's time and how many were
    /// printed at that time (a log is rebuilt as it grows, and a probe's
    /// oldest lines rotate away, so positions do not last).
    printed: (Millis, usize),
    prefix: Option<String>,
}

/// Where a log's lines end: its last line's time and how many lines have
/// that time.
fn printed_up_to(entries: &[(Millis, String)]) -> (Millis, usize) {
    let last = entries.last().map_or(0, |(t, _)| *t);
    let at_last = entries.iter().rev().take_while(|(t, _)| *t == last).count();
    (last, at_last)
}

/// The lines of a log after `printed` (see [`printed_up_to`]).
fn lines_after(
    entries: &[(Millis, String)],
    (last, at_last): (Millis, usize),
) -> Vec<(Millis, String)> {
    let mut seen_at_last = 0;
    entries
        .iter()
        .filter(|(t, _)| {
            if *t == last {
                seen_at_last += 1;
                seen_at_last > at_last
            } else {
                *t > last
            }
        })
        .cloned()
        .collect()
}

/// The ID of a container's instance while it runs.
fn running_container_id(ctx: &Ctx, namespace: &str, pod: &str, container: &str) -> Option<String> {
    let pod = ctx.cluster.store().get_named(res("Pod"), namespace, pod)?;
    ["containerStatuses", "initContainerStatuses"]
        .iter()
        .flat_map(|l| pod.at(&["status", l]).items())
        .find(|c| s(c, &["name"]) == container && !c.at(&["state", "running"]).is_null())
        .map(|c| s(c, &["containerID"]).to_string())
}

/// `--follow`: the cluster runs on and each stream's new lines print as
/// they are written, until its container stops (kubectl's stream ends
/// there). Kubeplay stops a minute after the last line (five at most),
/// or at `--request-timeout`.
fn follow(ctx: &mut Ctx, p: &Parsed, window: &LogWindow, mut streams: Vec<Followed>) {
    let follow_window = LogWindow {
        tail: None,
        since: window.since,
        since_seconds: window.since_seconds,
        timestamps: window.timestamps,
        limit_bytes: None,
    };
    let mut watching = super::get::Watching::new(ctx, p);
    // The quiet time counts from the start: a log may never print again.
    watching.last_change = Some(watching.start);
    while !streams.is_empty() && watching.step(ctx) {
        let mut wrote = false;
        streams.retain_mut(|f| {
            let pod = ctx
                .cluster
                .store()
                .get_named(res("Pod"), &f.namespace, &f.pod);
            let status = pod.and_then(|pod| {
                ["containerStatuses", "initContainerStatuses"]
                    .iter()
                    .flat_map(|l| pod.at(&["status", l]).items())
                    .find(|c| s(c, &["name"]) == f.container)
                    .cloned()
            });
            let same = status
                .as_ref()
                .is_some_and(|c| s(c, &["containerID"]) == f.id);
            if same
                && let Ok(entries) = ctx.cluster.container_log_entries(
                    &f.namespace,
                    &f.pod,
                    Some(&f.container),
                    false,
                )
                && let new = lines_after(&entries, f.printed)
                && !new.is_empty()
            {
                f.printed = printed_up_to(&entries);
                wrote = true;
                emit(ctx, &follow_window, new, f.prefix.clone());
            }
            // The stream ends with its container's instance.
            same && status.is_some_and(|c| !c.at(&["state", "running"]).is_null())
        });
        if wrote {
            watching.last_change = Some(ctx.cluster.now);
        }
    }
    if !streams.is_empty() {
        watching.note(
            ctx,
            (
                "following",
                "line",
                "kubectl follows until the container stops, or Ctrl-C",
            ),
        );
    }
}

/// Which lines `kubectl logs` asks the kubelet for and how: `--tail`,
/// `--since`/`--since-time`, `--timestamps`, `--limit-bytes`.
pub(crate) struct LogWindow {
    /// `tailLines`
    pub tail: Option<usize>,
    /// The first line's earliest time.
    pub since: Option<Millis>,
    /// `sinceSeconds` as sent (`--since` rounded to whole seconds).
    pub since_seconds: Option<i64>,
    /// `timestamps`
    pub timestamps: bool,
    /// `limitBytes`
    pub limit_bytes: Option<usize>,
}

impl LogWindow {
    /// A container's log as the kubelet reads it for the window: the last
    /// `tailLines` lines of the file, those not before `since`, cut after
    /// `limitBytes`.
    pub(crate) fn render(&self, entries: &[(Millis, String)]) -> String {
        let mut lines = entries;
        if let Some(n) = self.tail {
            lines = &lines[lines.len().saturating_sub(n)..];
        }
        let mut stream = String::new();
        for (t, l) in lines {
            if self.since.is_some_and(|since| *t < since) {
                continue;
            }
            if self.timestamps {
                stream.push_str(&rfc3339_nano(*t));
                stream.push(' ');
            }
            stream.push_str(l);
            stream.push('\n');
        }
        if let Some(limit) = self.limit_bytes {
            let mut cut = limit.min(stream.len());
            // A cut inside a character would not be text; the bytes before it are.
            while !stream.is_char_boundary(cut) {
                cut -= 1;
            }
            stream.truncate(cut);
        }
        stream
    }

    /// `ToLogOptions` and `Validate`, with kubectl's messages in its order.
    fn validate(
        ctx: &Ctx,
        p: &Parsed,
        since_time: Option<Millis>,
        inline: Option<&str>,
    ) -> Result<LogWindow, Fail> {
        let since_ms = p.duration_ms("since").unwrap_or(0);
        if since_time.is_some() && since_ms != 0 {
            return Err(Fail::error(
                "at most one of `sinceTime` or `sinceSeconds` may be specified",
            ));
        }
        let container = p.str("container").filter(|c| !c.is_empty()).or(inline);
        if let Some(c) = container.filter(|_| p.bool("all-containers")) {
            return Err(Fail::error(format!(
                "--all-containers=true should not be specified with container name {c}"
            )));
        }
        if p.changed("container") && inline.is_some() {
            return Err(Fail::error(
                "only one of -c or an inline [CONTAINER] arg is allowed",
            ));
        }
        let limit = p.int("limit-bytes").unwrap_or(0);
        if limit < 0 {
            return Err(Fail::error("--limit-bytes must be greater than 0"));
        }
        // `Duration.Round(time.Second)`: to the nearest second, halves
        // away from zero.
        let since_seconds = (since_ms != 0).then(|| {
            let whole = (since_ms.abs() + 500) / 1000;
            if since_ms < 0 { -whole } else { whole }
        });
        if since_seconds.is_some_and(|s| s < 0) {
            return Err(Fail::error("--since must be greater than 0"));
        }
        let mut tail = p.int("tail").unwrap_or(-1);
        if tail < -1 {
            return Err(Fail::error("--tail must be greater than or equal to -1"));
        }
        if p.changed("selector") && tail == -1 && !p.changed("tail") {
            // A selector's default: the last 10 lines of each log.
            tail = 10;
        }
        // The kubelet keeps lines written at or after now minus that many
        // seconds (or the given time, whole seconds).
        let since = since_time.or(since_seconds
            .filter(|s| *s > 0)
            .map(|s| ctx.cluster.now.saturating_sub(s as Millis * 1000)));
        Ok(LogWindow {
            tail: usize::try_from(tail).ok(),
            since,
            since_seconds,
            timestamps: p.bool("timestamps"),
            limit_bytes: usize::try_from(limit).ok().filter(|n| *n > 0),
        })
    }
}

/// Which pod of several a command takes: `kubectl logs` sorts them
/// `podutils.ByLogging`; `exec`, `attach` and `port-forward` by
/// `sort.Reverse(podutils.ActivePods)`. They rank phases and restarts
/// differently.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum PodChoice {
    Logs,
    Attach,
}

/// The pod `kubectl logs`, `exec` and `port-forward` work on: POD or
/// TYPE/NAME, a controller or Service standing for its first pod (kubectl's
/// attachable pod). `kubectl logs` says which of several pods it took;
/// the others do not.
pub(crate) fn attachable_pod(
    ctx: &mut Ctx,
    ns: &str,
    target: &str,
    choice: PodChoice,
    timeout: Millis,
) -> Result<Value, Fail> {
    let (pod, found) = attachable_pod_of(ctx, ns, target, choice, timeout)?;
    if choice == PodChoice::Logs {
        announce_found(ctx, &pod, found);
    }
    Ok(pod)
}

/// kubectl's `Found N pods, using pod/NAME` when a controller has several.
fn announce_found(ctx: &mut Ctx, pod: &Value, found: usize) {
    if found > 1 {
        ctx.out.err_line(&format!(
            "Found {found} pods, using pod/{}",
            s(pod, &["metadata", "name"])
        ));
    }
}

/// [`attachable_pod`] and how many pods the object had to choose from
/// (`polymorphichelpers.GetFirstPod`): every pod its selector matches, in
/// any phase, sorted with Go's `sort.Sort`; none yet, and kubectl waits
/// `timeout` for one.
fn attachable_pod_of(
    ctx: &mut Ctx,
    ns: &str,
    target: &str,
    choice: PodChoice,
    timeout: Millis,
) -> Result<(Value, usize), Fail> {
    let Some((t, name)) = target.split_once('/') else {
        let pod =
            resources::get(ctx.cluster, res("Pod"), ns, target).map_err(|e| Fail::status(&e))?;
        return Ok((pod, 1));
    };
    let rid = resources::lookup_type(t)?;
    let obj = resources::get(ctx.cluster, rid, ns, name).map_err(|e| Fail::status(&e))?;
    let kind = rid.get().kind;
    if kind == "Pod" {
        return Ok((obj, 1));
    }
    // `SelectorsForObject`: a LabelSelector, or a plain map for Services
    // and ReplicationControllers.
    let selector = obj.at(&["spec", "selector"]);
    let selector = match kind {
        "ReplicaSet" | "StatefulSet" | "DaemonSet" | "Deployment" | "Job" => selector.clone(),
        "ReplicationController" | "Service" => {
            if kind == "Service" && selector.members().next().is_none() {
                return Err(cannot(
                    choice,
                    rid,
                    &format!("invalid service '{name}': Service is defined without a selector"),
                ));
            }
            let mut labels = Value::object();
            labels.set("matchLabels", selector.clone());
            labels
        }
        _ => {
            return Err(cannot(
                choice,
                rid,
                &format!("selector for {} not implemented", go_type(rid)),
            ));
        }
    };
    let list = |cluster: &crate::Cluster| -> Result<Vec<Value>, Fail> {
        Ok(resources::list(cluster, res("Pod"), Some(ns))
            .map_err(|e| Fail::status(&e))?
            .into_iter()
            .filter(|pod| crate::api::selector::matches(&selector, pod.at(&["metadata", "labels"])))
            .collect())
    };
    let mut pods = list(ctx.cluster)?;
    if pods.is_empty() {
        // A watch until the first pod appears.
        let appeared = crate::kubectl::apply::wait_out(ctx.cluster, timeout, |c| {
            list(c).is_ok_and(|p| !p.is_empty())
        });
        if !appeared {
            return Err(Fail::error("timed out waiting for the condition"));
        }
        let mut pods = list(ctx.cluster)?;
        return Ok((pods.remove(0), 1));
    }
    let found = pods.len();
    let facts: Vec<PodFacts> = pods.iter().map(PodFacts::of).collect();
    let mut order: Vec<usize> = (0..pods.len()).collect();
    crate::sort::go_sort_by(&mut order, |&a, &b| match choice {
        PodChoice::Logs => by_logging_less(&facts[a], &facts[b]),
        PodChoice::Attach => active_pods_less(&facts[b], &facts[a]),
    });
    Ok((pods.swap_remove(order[0]), found))
}

/// `cannot get the logs from *v1.ConfigMap: …` / `cannot attach to …`.
fn cannot(choice: PodChoice, rid: crate::api::registry::ResourceId, why: &str) -> Fail {
    let verb = match choice {
        PodChoice::Logs => "cannot get the logs from",
        PodChoice::Attach => "cannot attach to",
    };
    Fail::error(format!("{verb} {}: {why}", go_type(rid)))
}

/// The Go type kubectl decodes an object into, as `%T` prints it.
fn go_type(rid: crate::api::registry::ResourceId) -> String {
    let r = rid.get();
    format!("*{}.{}", r.version, r.kind)
}

/// What `podutils.ActivePods` and `ByLogging` compare of a pod; times as
/// stored, to the second.
struct PodFacts {
    assigned: bool,
    /// ActivePods' phase rank: `Pending` 0 (and any phase it does not
    /// rank), `Unknown` 1, `Running` 2.
    phase_rank: u8,
    /// ByLogging's: `Running` 0 (and any phase it does not rank),
    /// `Unknown` 1, `Pending` 2.
    logging_rank: u8,
    ready: bool,
    ready_at: Option<Millis>,
    restarts: i64,
    created: Option<Millis>,
}

impl PodFacts {
    fn of(pod: &Value) -> PodFacts {
        let (ready, ready_at) = crate::controllers::pod_ready(pod);
        let phase = s(pod, &["status", "phase"]);
        PodFacts {
            assigned: !s(pod, &["spec", "nodeName"]).is_empty(),
            phase_rank: match phase {
                "Unknown" => 1,
                "Running" => 2,
                _ => 0,
            },
            logging_rank: match phase {
                "Unknown" => 1,
                "Pending" => 2,
                _ => 0,
            },
            ready,
            ready_at,
            restarts: crate::controllers::max_container_restarts(pod),
            created: crate::controllers::creation_time(pod),
        }
    }
}

/// `afterOrZero(t1, t2)`: `t1` is unset, or later than `t2`.
fn after_or_zero(t1: Option<Millis>, t2: Option<Millis>) -> bool {
    match (t1, t2) {
        (None, _) | (_, None) => t1.is_none(),
        (Some(a), Some(b)) => a > b,
    }
}

/// `podutils.ActivePods.Less`: the less settled pod first.
fn active_pods_less(a: &PodFacts, b: &PodFacts) -> bool {
    if a.assigned != b.assigned {
        return !a.assigned;
    }
    if a.phase_rank != b.phase_rank {
        return a.phase_rank < b.phase_rank;
    }
    if a.ready != b.ready {
        return !a.ready;
    }
    if a.ready && b.ready && a.ready_at != b.ready_at {
        return after_or_zero(a.ready_at, b.ready_at);
    }
    if a.restarts != b.restarts {
        return a.restarts > b.restarts;
    }
    if a.created != b.created {
        return after_or_zero(a.created, b.created);
    }
    false
}

/// `podutils.ByLogging.Less`: assigned, Running (and any phase it does
/// not rank) before Unknown before Pending, ready, ready longer, more
/// restarts, older.
fn by_logging_less(a: &PodFacts, b: &PodFacts) -> bool {
    if a.assigned != b.assigned {
        return a.assigned;
    }
    if a.logging_rank != b.logging_rank {
        return a.logging_rank < b.logging_rank;
    }
    if a.ready != b.ready {
        return a.ready;
    }
    if a.ready && b.ready && a.ready_at != b.ready_at {
        return after_or_zero(b.ready_at, a.ready_at);
    }
    if a.restarts != b.restarts {
        return a.restarts > b.restarts;
    }
    if a.created != b.created {
        return after_or_zero(b.created, a.created);
    }
    false
}

/// `podcmd.FindOrDefaultContainerByName` without a name (exec; logs does the
/// same): the
/// default-container annotation, else the first container, saying so
/// when there was a choice.
pub(crate) fn default_container(ctx: &mut Ctx, pod: &Value, quiet: bool) -> Result<String, Fail> {
    let names = |key: &str| -> Vec<String> {
        pod.at(&["spec", key])
            .items()
            .filter_map(|c| c.get("name").as_str().map(str::to_string))
            .collect()
    };
    let containers = names("containers");
    let inits = names("initContainers");
    let ephemeral = names("ephemeralContainers");
    let Some(first) = containers.first().cloned() else {
        return Err(Fail::error(format!(
            "pod {}/{} does not have any containers",
            pod.str_at(&["metadata", "namespace"]).unwrap_or(""),
            pod.str_at(&["metadata", "name"]).unwrap_or("")
        )));
    };
    if let Some(annotated) = pod
        .at(&[
            "metadata",
            "annotations",
            "kubectl.kubernetes.io/default-container",
        ])
        .as_str()
        .filter(|a| {
            containers
                .iter()
                .chain(&inits)
                .chain(&ephemeral)
                .any(|c| c == a)
        })
    {
        return Ok(annotated.to_string());
    }
    if !quiet && (containers.len() > 1 || !inits.is_empty() || !ephemeral.is_empty()) {
        let mut all = containers.clone();
        all.extend(ephemeral.iter().map(|e| format!("{e} (ephem)")));
        all.extend(inits.iter().map(|i| format!("{i} (init)")));
        ctx.out.err_line(&format!(
            "Defaulted container {} out of: {}",
            crate::api::errors::quote(&first),
            all.join(", ")
        ));
    }
    Ok(first)
}

/// Prints a container's log as the kubelet reads it for the window;
/// kubectl then puts `--prefix` before each line.
fn emit(ctx: &mut Ctx, window: &LogWindow, entries: Vec<(Millis, String)>, prefix: Option<String>) {
    let stream = window.render(&entries);
    match prefix {
        Some(pfx) => {
            let mut out = String::with_capacity(stream.len());
            for line in stream.split_inclusive('\n') {
                out.push_str(&pfx);
                out.push_str(line);
            }
            ctx.out.out(&out);
        }
        None => ctx.out.out(&stream),
    }
}

/// Go's `time.RFC3339Nano` (trailing zeros of the fraction dropped), as the
/// kubelet prefixes lines for `--timestamps`.
fn rfc3339_nano(ms: Millis) -> String {
    let whole = rfc3339(ms);
    match ms % 1000 {
        0 => whole,
        frac => {
            let digits = format!("{frac:03}");
            format!(
                "{}.{}Z",
                whole.trim_end_matches('Z'),
                digits.trim_end_matches('0')
            )
        }
    }
}

/// Pods with usage, summed per node: (cpu milli, memory bytes).
fn usage_of(ctx: &Ctx, pod: &Value) -> Option<(i64, i64)> {
    ctx.cluster.pod_usage(
        s(pod, &["metadata", "namespace"]),
        s(pod, &["metadata", "name"]),
    )
}

/// kubectl's check before it asks for metrics: the metrics API is among
/// the discovered groups. Aggregated discovery leaves out a group whose
/// APIService is unavailable, so that too reads as not available.
fn metrics_available(ctx: &Ctx) -> bool {
    crate::metrics_server::metrics_api(ctx.cluster) == crate::metrics_server::MetricsApi::Available
}

fn mi(bytes: i64) -> String {
    format!("{}Mi", bytes / (1024 * 1024))
}

/// `kubectl top node`.
pub(crate) fn top_node(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    if !metrics_available(ctx) {
        return Err(Fail::error("Metrics API not available"));
    }
    let filters = Filters::from(p)?;
    let name = p.args.first().map(String::as_str);
    let mut nodes = filters.apply(res("Node"), metrics_list(ctx, "nodes", None, name)?)?;
    // Then the nodes themselves, for their capacity.
    ctx.cluster
        .authorize_resource(
            if name.is_some() { "get" } else { "list" },
            res("Node"),
            "",
            "",
            name.unwrap_or(""),
        )
        .map_err(|e| Fail::status(&e))?;
    if let Some(name) = p.args.first() {
        nodes.retain(|n| s(n, &["metadata", "name"]) == name);
        if nodes.is_empty() {
            // metrics-server's node lister answers first.
            return Err(Fail::raw(format!(
                "Error from server (NotFound): node \"{name}\" not found"
            )));
        }
    }
    let mut rows: Vec<(String, i64, i64, i64, i64)> = Vec::new();
    // Nodes metrics-server has nothing for (a stopped kubelet).
    let mut missing: Vec<String> = Vec::new();
    for n in &nodes {
        let name = s(n, &["metadata", "name"]).to_string();
        let Some((cpu, mem)) = ctx.cluster.node_usage(&name) else {
            missing.push(name);
            continue;
        };
        let source = if p.bool("show-capacity") {
            "capacity"
        } else {
            "allocatable"
        };
        let q = |r: &str| {
            n.at(&["status", source, r])
                .as_str()
                .and_then(|t| Quantity::parse(t).ok())
        };
        let cpu_total = q("cpu").map(|x| x.milli_value()).unwrap_or(0);
        let mem_total = q("memory").map(|x| x.milli_value()).unwrap_or(0);
        rows.push((name, cpu, mem, cpu_total, mem_total));
    }
    if !p.args.is_empty() && rows.is_empty() {
        return Err(Fail::raw(format!(
            "Error from server (NotFound): nodemetrics.metrics.k8s.io \"{}\" not found",
            p.args[0]
        )));
    }
    if rows.is_empty() {
        return Err(Fail::error("metrics not available yet"));
    }
    match p.str("sort-by") {
        Some("cpu") => rows.compact_sort_by_key(|r| std::cmp::Reverse(r.1)),
        Some("memory") => rows.compact_sort_by_key(|r| std::cmp::Reverse(r.2)),
        _ => {}
    }
    let mut tw = TabWriter::table();
    if !p.bool("no-headers") {
        tw.write("NAME\tCPU(cores)\tCPU(%)\tMEMORY(bytes)\tMEMORY(%)\t\n");
    }
    for (name, cpu, mem, cpu_total, mem_total) in rows {
        let pct = |v: i64, total: i64| {
            if total == 0 {
                0
            } else {
                (v as f64 / total as f64 * 100.0) as i64
            }
        };
        tw.write(&format!(
            "{name}\t{cpu}m\t{}%\t{}\t{}%\t\n",
            pct(cpu, cpu_total),
            mi(mem),
            pct(mem * 1000, mem_total)
        ));
    }
    for name in missing {
        tw.write(&format!(
            "{name}\t<unknown>\t<unknown>\t<unknown>\t<unknown>\t\n"
        ));
    }
    ctx.out.out(&tw.finish());
    Ok(())
}

/// `kubectl top pod`.
pub(crate) fn top_pod(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    if p.bool("containers") {
        return Err(Fail::error(
            "--containers is not supported in Kubeplay: metrics are per pod",
        ));
    }
    if !metrics_available(ctx) {
        return Err(Fail::error("Metrics API not available"));
    }
    let all_ns = p.bool("all-namespaces");
    let ns = ctx.namespace.clone();
    let filters = Filters::from(p)?;
    let scope = if all_ns { None } else { Some(ns.as_str()) };
    let name = p.args.first().map(String::as_str);
    let mut pods = filters.apply(res("Pod"), metrics_list(ctx, "pods", scope, name)?)?;
    if let Some(name) = p.args.first() {
        pods.retain(|pod| s(pod, &["metadata", "name"]) == name);
    }
    let mut rows: Vec<(String, String, i64, i64)> = pods
        .iter()
        .filter_map(|pod| {
            usage_of(ctx, pod).map(|(c, m)| {
                (
                    s(pod, &["metadata", "namespace"]).to_string(),
                    s(pod, &["metadata", "name"]).to_string(),
                    c,
                    m,
                )
            })
        })
        .collect();
    // metrics-server's Get: the pod first, then its metrics.
    if let Some(name) = p.args.first()
        && rows.is_empty()
    {
        let exists = ctx
            .cluster
            .store()
            .get_named(res("Pod"), &ns, name)
            .is_some();
        return Err(Fail::raw(if exists {
            format!(
                "Error from server (NotFound): podmetrics.metrics.k8s.io \"{ns}/{name}\" not found"
            )
        } else {
            format!("Error from server (NotFound): pods \"{name}\" not found")
        }));
    }
    // `verifyEmptyMetrics`: pods without metrics are too young for
    // them, unless one is over two minutes old.
    if rows.is_empty() && !pods.is_empty() {
        let now = ctx.cluster.now_ms();
        let created = |pod: &Value| {
            crate::time::parse_rfc3339(s(pod, &["metadata", "creationTimestamp"])).unwrap_or(now)
        };
        if let Some(old) = pods.iter().find(|pod| now - created(pod) > 2 * 60 * 1000) {
            return Err(Fail::error(format!(
                "Metrics not available for pod {}/{}, age: {}",
                s(old, &["metadata", "namespace"]),
                s(old, &["metadata", "name"]),
                crate::kubelet::go_duration(now - created(old))
            )));
        }
        return Err(Fail::error("metrics not available yet"));
    }
    if rows.is_empty() {
        if all_ns {
            ctx.out.err_line("No resources found");
        } else {
            ctx.out
                .err_line(&format!("No resources found in {ns} namespace."));
        }
        return Ok(());
    }
    match p.str("sort-by") {
        Some("cpu") => rows.compact_sort_by_key(|r| std::cmp::Reverse(r.2)),
        Some("memory") => rows.compact_sort_by_key(|r| std::cmp::Reverse(r.3)),
        _ => {}
    }
    let mut tw = TabWriter::table();
    if !p.bool("no-headers") {
        if all_ns {
            tw.write("NAMESPACE\t");
        }
        tw.write("NAME\tCPU(cores)\tMEMORY(bytes)\t\n");
    }
    let (mut sum_cpu, mut sum_mem) = (0, 0);
    for (pns, name, cpu, mem) in rows {
        if all_ns {
            tw.write(&format!("{pns}\t"));
        }
        tw.write(&format!("{name}\t{cpu}m\t{}\t\n", mi(mem)));
        sum_cpu += cpu;
        sum_mem += mem;
    }
    if p.bool("sum") {
        if all_ns {
            tw.write("\t");
        }
        tw.write("\t________\t________\t\n");
        if all_ns {
            tw.write("\t");
        }
        tw.write(&format!("\t{sum_cpu}m\t{}\t\n", mi(sum_mem)));
    }
    ctx.out.out(&tw.finish());
    Ok(())
}

/// The pods or nodes whose metrics `kubectl top` reads: the request goes to
/// the metrics API (`pods.metrics.k8s.io`), so that is what is authorized,
/// a get for one named object, else a list.
fn metrics_list(
    ctx: &Ctx,
    plural: &str,
    namespace: Option<&str>,
    name: Option<&str>,
) -> Result<Vec<Value>, Fail> {
    let kind = if plural == "pods" { "Pod" } else { "Node" };
    let namespace = if plural == "pods" {
        namespace.unwrap_or("")
    } else {
        ""
    };
    ctx.cluster
        .authorize_request(&crate::apiserver::rbac::Request {
            verb: if name.is_some() { "get" } else { "list" },
            api_group: "metrics.k8s.io",
            resource: plural,
            namespace,
            name: name.unwrap_or(""),
            ..Default::default()
        })
        .map_err(|e| Fail::status(&e))?;
    let scope = (!namespace.is_empty()).then_some(namespace);
    Ok(ctx
        .cluster
        .store
        .list(res(kind), scope)
        .map(|(_, v)| v.clone())
        .collect())
}
