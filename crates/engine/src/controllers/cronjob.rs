//! The CronJob controller (`pkg/controller/cronjob`, v2): creates a Job
//! for each scheduled time, honours `concurrencyPolicy`,
//! `startingDeadlineSeconds` and `suspend`, follows its Jobs to the end
//! and keeps `successfulJobsHistoryLimit`/`failedJobsHistoryLimit` of them.
//!
//! Schedules are parsed as kube parses them (`cron.ParseStandard` from
//! robfig/cron v3, with its error messages) and run in UTC.

use super::{is_deleting, requeue_after};
use crate::apiserver::{DeleteOptions, WriteOptions};
use crate::cluster::{Cluster, Controller, res};
use crate::events::EventType;
use crate::sort::CompactSort;
use crate::store::{ObjectKey, WatchEvent, WatchEventType};
use crate::time::{EPOCH_UNIX_SECONDS, Millis, SECOND, civil, parse_rfc3339, rfc1123z, rfc3339};
use crate::value::Value;

/// The event source.
const COMPONENT: &str = "cronjob-controller";
/// The annotation with the time a Job was scheduled for.
const SCHEDULED_TIMESTAMP: &str = "batch.kubernetes.io/cronjob-scheduled-timestamp";

/// A parsed schedule: one bit per allowed value of each field.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Schedule {
    /// Minute, hour, day of month, month, day of week; whether the day
    /// fields were `*` (robfig's star bit, which changes how they combine).
    Fields {
        minute: u64,
        hour: u64,
        dom: u64,
        month: u64,
        dow: u64,
        dom_star: bool,
        dow_star: bool,
    },
    /// `@every <duration>`, in seconds.
    Every(i64),
}

/// (minimum, maximum, names) of the five fields.
const FIELDS: [(u64, u64, &[&str]); 5] = [
    (0, 59, &[]),
    (0, 23, &[]),
    (1, 31, &[]),
    (
        1,
        12,
        &[
            "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
        ],
    ),
    (0, 6, &["sun", "mon", "tue", "wed", "thu", "fri", "sat"]),
];

/// `cron.ParseStandard`.
pub(crate) fn parse_schedule(spec: &str) -> Result<Schedule, String> {
    if spec.is_empty() {
        return Err("empty spec string".into());
    }
    let mut spec = spec;
    // A leading TZ=/CRON_TZ= names the zone (kube's validation rejects it;
    // Kubeplay runs schedules in UTC).
    if spec.starts_with("TZ=") || spec.starts_with("CRON_TZ=") {
        let end = spec.find(' ').unwrap_or(spec.len());
        spec = spec[end..].trim();
    }
    if let Some(descriptor) = spec.strip_prefix('@') {
        let fields = |s: &str| parse_schedule(s);
        return match descriptor {
            "yearly" | "annually" => fields("0 0 1 1 *"),
            "monthly" => fields("0 0 1 * *"),
            "weekly" => fields("0 0 * * 0"),
            "daily" | "midnight" => fields("0 0 * * *"),
            "hourly" => fields("0 * * * *"),
            d if d.starts_with("every ") => {
                let text = &d["every ".len()..];
                match crate::kubectl::flags::parse_go_duration(text) {
                    // robfig rounds to whole seconds, at least one.
                    Ok(ms) => Ok(Schedule::Every((ms / 1000).max(1))),
                    Err(e) => Err(format!("failed to parse duration @{d}: {e}")),
                }
            }
            _ => Err(format!("unrecognized descriptor: {spec}")),
        };
    }
    let parts: Vec<&str> = spec.split_whitespace().collect();
    if parts.len() != 5 {
        return Err(format!(
            "expected exactly 5 fields, found {}: [{}]",
            parts.len(),
            parts.join(" ")
        ));
    }
    let mut bits = [0u64; 5];
    let mut star = [false; 5];
    for (i, part) in parts.iter().enumerate() {
        let (min, max, names) = FIELDS[i];
        // `strings.FieldsFunc`: empty items between commas are dropped.
        for expr in part.split(',').filter(|e| !e.is_empty()) {
            let (b, s) = range_bits(expr, min, max, names)?;
            bits[i] |= b;
            star[i] |= s;
        }
    }
    Ok(Schedule::Fields {
        minute: bits[0],
        hour: bits[1],
        dom: bits[2],
        month: bits[3],
        dow: bits[4],
        dom_star: star[2],
        dow_star: star[4],
    })
}

/// robfig's `getRange`: `*`, `?`, `N`, `N-M`, each with an optional `/step`.
fn range_bits(expr: &str, min: u64, max: u64, names: &[&str]) -> Result<(u64, bool), String> {
    let slash: Vec<&str> = expr.split('/').collect();
    let hyphen: Vec<&str> = slash[0].split('-').collect();
    let single = hyphen.len() == 1;
    let (start, mut end, mut star) = if hyphen[0] == "*" || hyphen[0] == "?" {
        (min, max, true)
    } else {
        let start = int_or_name(hyphen[0], names)?;
        let end = match hyphen.len() {
            1 => start,
            2 => int_or_name(hyphen[1], names)?,
            _ => return Err(format!("too many hyphens: {expr}")),
        };
        (start, end, false)
    };
    let step = match slash.len() {
        1 => 1,
        2 => {
            let step = parse_int(slash[1])?;
            // "N/step" means "N-max/step".
            if single {
                end = max;
            }
            if step > 1 {
                star = false;
            }
            step
        }
        _ => return Err(format!("too many slashes: {expr}")),
    };
    if start < min {
        return Err(format!(
            "beginning of range ({start}) below minimum ({min}): {expr}"
        ));
    }
    if end > max {
        return Err(format!(
            "end of range ({end}) above maximum ({max}): {expr}"
        ));
    }
    if start > end {
        return Err(format!(
            "beginning of range ({start}) beyond end of range ({end}): {expr}"
        ));
    }
    if step == 0 {
        return Err(format!("step of range should be a positive number: {expr}"));
    }
    let mut bits = 0u64;
    let mut v = start;
    while v <= end {
        bits |= 1 << v;
        v = v.saturating_add(step);
    }
    Ok((bits, star))
}

fn int_or_name(expr: &str, names: &[&str]) -> Result<u64, String> {
    let lower = expr.to_ascii_lowercase();
    match names.iter().position(|n| *n == lower) {
        // Month names count from 1, weekday names from 0.
        Some(i) => Ok(i as u64 + u64::from(names.len() == 12)),
        None => parse_int(expr),
    }
}

/// robfig's `mustParseInt`, with Go's `strconv.Atoi` wording.
fn parse_int(expr: &str) -> Result<u64, String> {
    let atoi = |why: &str| {
        format!("failed to parse int from {expr}: strconv.Atoi: parsing \"{expr}\": {why}")
    };
    let digits = expr.strip_prefix(['+', '-']).unwrap_or(expr);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(atoi("invalid syntax"));
    }
    let Ok(n) = expr.parse::<i64>() else {
        return Err(atoi("value out of range"));
    };
    if n < 0 {
        return Err(format!("negative number ({n}) not allowed: {expr}"));
    }
    Ok(n as u64)
}

/// Unix seconds of a UTC calendar time (Howard Hinnant's days_from_civil).
fn unix_from_civil(y: i64, m: u32, d: u32, h: u32, mi: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days * 86_400 + i64::from(h) * 3600 + i64::from(mi) * 60
}

impl Schedule {
    /// The first scheduled time strictly after `after` (Unix seconds), as
    /// robfig's `SpecSchedule.Next`; `None` if there is none within five
    /// years (`0 0 30 2 *`).
    pub(crate) fn next(&self, after: i64) -> Option<i64> {
        let (minute, hour, dom, month, dow, dom_star, dow_star) = match self {
            Schedule::Every(secs) => return Some(after + secs),
            Schedule::Fields {
                minute,
                hour,
                dom,
                month,
                dow,
                dom_star,
                dow_star,
            } => (minute, hour, dom, month, dow, dom_star, dow_star),
        };
        let mut t = after.div_euclid(60) * 60 + 60;
        let limit = civil(t).0 + 5;
        loop {
            let (y, mo, d, h, mi, _, wd) = civil(t);
            if y > limit {
                return None;
            }
            if month & (1 << mo) == 0 {
                let (ny, nm) = if mo == 12 { (y + 1, 1) } else { (y, mo + 1) };
                t = unix_from_civil(ny, nm, 1, 0, 0);
                continue;
            }
            let dom_ok = dom & (1 << d) != 0;
            let dow_ok = dow & (1 << wd) != 0;
            let day_ok = if *dom_star || *dow_star {
                dom_ok && dow_ok
            } else {
                dom_ok || dow_ok
            };
            if !day_ok {
                t = unix_from_civil(y, mo, d, 0, 0) + 86_400;
                continue;
            }
            if hour & (1 << h) == 0 {
                t = unix_from_civil(y, mo, d, h, 0) + 3600;
                continue;
            }
            if minute & (1 << mi) == 0 {
                t += 60;
                continue;
            }
            return Some(t);
        }
    }
}

fn to_unix(ms: Millis) -> i64 {
    EPOCH_UNIX_SECONDS + (ms / 1000) as i64
}

fn to_millis(unix: i64) -> Millis {
    (unix - EPOCH_UNIX_SECONDS).max(0) as Millis * 1000
}

/// Hears about CronJobs; their Jobs reach the owner through the cluster.
pub(crate) fn on_change(cluster: &mut Cluster, event: &WatchEvent) {
    if event.key.resource.get().kind == "CronJob" && event.kind != WatchEventType::Deleted {
        cluster.enqueue(Controller::CronJob, event.key.clone());
    }
}

/// `FinishedCondition`: Complete or Failed, whichever is True.
fn job_finished(job: &Value) -> Option<&'static str> {
    ["Complete", "Failed"]
        .into_iter()
        .find(|kind| super::job::true_condition(job, kind).is_some())
}

/// `sync`: `cleanupFinishedJobs`, then `syncCronJob`.
pub(crate) fn reconcile(cluster: &mut Cluster, key: &ObjectKey) {
    let Some(cj) = cluster.store.get(key).cloned() else {
        return;
    };
    let uid = cj.str_at(&["metadata", "uid"]).unwrap_or("").to_string();
    let now = cluster.now;
    // Its Jobs, by the controller reference, as listed at the start.
    let jobs: Vec<Value> = cluster
        .store
        .list(res("Job"), Some(&key.namespace))
        .filter(|(_, j)| super::controller_uid(j) == Some(&uid))
        .map(|(_, j)| j.clone())
        .collect();
    let mut status = cj.get("status").clone();
    if status.is_null() {
        status = Value::object();
    }
    let mut active: Vec<Value> = status.get("active").items().cloned().collect();
    let mut events: Vec<(EventType, &str, String)> = Vec::new();
    let uid_of = |v: &Value| v.at(&["metadata", "uid"]).clone();

    // History limits: the oldest finished Jobs go (by start time, Jobs
    // that never started last).
    for (condition, field, default) in [
        ("Complete", "successfulJobsHistoryLimit", 3),
        ("Failed", "failedJobsHistoryLimit", 1),
    ] {
        let limit = cj.at(&["spec", field]).as_i64().unwrap_or(default).max(0);
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let mut finished: Vec<(bool, Option<Millis>, &Value)> = jobs
            .iter()
            .filter(|j| job_finished(j) == Some(condition))
            .map(|j| {
                let start = j.str_at(&["status", "startTime"]).and_then(parse_rfc3339);
                (start.is_none(), start, j)
            })
            .collect();
        if finished.len() <= limit {
            continue;
        }
        finished.compact_sort_by_key(|(never, start, _)| (*never, *start));
        let excess = finished.len() - limit;
        for (_, _, job) in finished.into_iter().take(excess) {
            let name = job.str_at(&["metadata", "name"]).unwrap_or("");
            let job_key = ObjectKey::new(res("Job"), &key.namespace, name);
            if cluster.delete(&job_key, DeleteOptions::default()).is_ok() {
                let job_uid = uid_of(job);
                active.retain(|r| r.get("uid") != &job_uid);
                events.push((
                    EventType::Normal,
                    "SuccessfulDelete",
                    format!("Deleted job {name}"),
                ));
            }
        }
    }

    // Follow its Jobs: the finished leave the active list, the newest
    // completion is the last success, and active Jobs that are gone go.
    for job in &jobs {
        let name = job.str_at(&["metadata", "name"]).unwrap_or("");
        let job_uid = uid_of(job);
        let listed = active.iter().any(|r| r.get("uid") == &job_uid);
        match (listed, job_finished(job)) {
            (false, None) => events.push((
                EventType::Warning,
                "UnexpectedJob",
                format!("Saw a job that the controller did not create or forgot: {name}"),
            )),
            (true, Some(condition)) => {
                active.retain(|r| r.get("uid") != &job_uid);
                events.push((
                    EventType::Normal,
                    "SawCompletedJob",
                    format!("Saw completed job: {name}, condition: {condition}"),
                ));
            }
            _ => {}
        }
        if let Some(done) = job.at(&["status", "completionTime"]).as_str() {
            let later = status
                .get("lastSuccessfulTime")
                .as_str()
                .is_none_or(|t| parse_rfc3339(t) < parse_rfc3339(done));
            if later {
                status.set("lastSuccessfulTime", Value::str(done));
            }
        }
    }
    active.retain(|r| {
        let present = jobs
            .iter()
            .any(|j| j.at(&["metadata", "uid"]) == r.get("uid"));
        if !present {
            events.push((
                EventType::Normal,
                "MissingJob",
                format!(
                    "Active job went missing: {}",
                    r.get("name").as_str().unwrap_or("")
                ),
            ));
        }
        present
    });

    let mut requeue_in: Option<Millis> = None;
    let mut create_failed = false;
    let schedule = cj.str_at(&["spec", "schedule"]).unwrap_or("");
    let suspended = cj.at(&["spec", "suspend"]).as_bool() == Some(true);
    if !is_deleting(&cj) && !suspended {
        match parse_schedule(schedule).map(|sched| most_recent_schedule(&cj, &status, &sched, now)) {
            Err(e) => events.push((
                EventType::Warning,
                "UnparseableSchedule",
                format!("unparseable schedule: {schedule:?} : {e}"),
            )),
            Ok(None) => events.push((
                EventType::Warning,
                "InvalidSchedule",
                format!(
                    "invalid schedule: {schedule} : time difference between two schedules is less than 1 second"
                ),
            )),
            Ok(Some((due, next, missed))) => {
                if let Some(next) = next {
                    requeue_in = Some(next.saturating_sub(now) + 100);
                }
                if due.is_some() && missed > 100 {
                    events.push((
                        EventType::Warning,
                        "TooManyMissedTimes",
                        "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew".into(),
                    ));
                }
                if let Some(scheduled) = due {
                    let deadline = cj.at(&["spec", "startingDeadlineSeconds"]).as_i64();
                    let too_late = deadline.is_some_and(|d| {
                        scheduled.saturating_add((d.max(0) as Millis).saturating_mul(SECOND)) < now
                    });
                    let policy = cj.str_at(&["spec", "concurrencyPolicy"]).unwrap_or("Allow");
                    let job_name = format!("{}-{}", key.name, to_unix(scheduled).div_euclid(60));
                    let processed = active.iter().any(|r| r.get("name").as_str() == Some(&job_name))
                        || status.get("lastScheduleTime").as_str().and_then(parse_rfc3339)
                            == Some(scheduled);
                    if too_late {
                        events.push((
                            EventType::Warning,
                            "MissSchedule",
                            format!(
                                "Missed scheduled time to start a job: {}",
                                rfc1123z(scheduled)
                            ),
                        ));
                    } else if processed {
                        // Already created (or someone else made it).
                    } else if policy == "Forbid" && !active.is_empty() {
                        events.push((
                            EventType::Normal,
                            "JobAlreadyActive",
                            "Not starting job because prior execution is running and concurrency policy is Forbid".into(),
                        ));
                    } else {
                        if policy == "Replace" {
                            for reference in std::mem::take(&mut active) {
                                let name = reference.get("name").as_str().unwrap_or("");
                                let job_key = ObjectKey::new(res("Job"), &key.namespace, name);
                                if cluster.delete(&job_key, DeleteOptions::default()).is_ok() {
                                    events.push((
                                        EventType::Normal,
                                        "SuccessfulDelete",
                                        format!("Deleted job {name}"),
                                    ));
                                }
                            }
                        }
                        let job = job_for(&cj, &job_name, scheduled);
                        match cluster.create(job, &WriteOptions::system()) {
                            Ok(job) => {
                                events.push((
                                    EventType::Normal,
                                    "SuccessfulCreate",
                                    format!("Created job {job_name}"),
                                ));
                                active.push(job_reference(&job));
                                status.set("lastScheduleTime", Value::from(rfc3339(scheduled)));
                            }
                            // Someone else made it; or the namespace is going.
                            Err(e)
                                if e.reason == crate::api::errors::StatusReason::AlreadyExists
                                    || e.message.ends_with("because it is being terminated") => {}
                            Err(e) => {
                                create_failed = true;
                                events.push((
                                    EventType::Warning,
                                    "FailedCreate",
                                    format!("Error creating job: {}", e.message),
                                ));
                            }
                        }
                    }
                }
            }
        }
    }
    if active.is_empty() {
        status.remove("active");
    } else {
        status.set("active", Value::array(active));
    }
    if cj.get("status") != &status {
        let _ = cluster.update_status(key, status);
    }
    for (event_type, reason, message) in &events {
        cluster.record_event(&cj, None, *event_type, reason, message, (COMPONENT, None));
    }
    if create_failed {
        super::requeue_rate_limited(cluster, Controller::CronJob, key);
    } else if let Some(wait) = requeue_in {
        super::forget_failures(cluster, Controller::CronJob, key);
        requeue_after(cluster, Controller::CronJob, key, wait);
    }
}

/// `mostRecentScheduleTime`: the latest scheduled time not yet run (if
/// any is due), the next one to come, and how many were missed; `None`
/// when the schedule never fires (`0 0 30 2 *`).
fn most_recent_schedule(
    cj: &Value,
    status: &Value,
    sched: &Schedule,
    now: Millis,
) -> Option<(Option<Millis>, Option<Millis>, usize)> {
    let created = super::creation_time(cj).unwrap_or(0);
    let mut earliest = status
        .get("lastScheduleTime")
        .as_str()
        .and_then(parse_rfc3339)
        .unwrap_or(created);
    if let Some(deadline) = cj.at(&["spec", "startingDeadlineSeconds"]).as_i64() {
        let cutoff = now.saturating_sub((deadline.max(0) as Millis).saturating_mul(SECOND));
        earliest = earliest.max(cutoff);
    }
    let now_unix = to_unix(now);
    let start = to_unix(earliest);
    let mut t = sched.next(start)?;
    // `@every`: the runs are evenly spaced, so count them.
    if let Schedule::Every(every) = *sched {
        if t > now_unix {
            return Some((None, Some(to_millis(t)), 0));
        }
        let missed = (now_unix - start) / every;
        let latest = start + missed * every;
        return Some((
            Some(to_millis(latest)),
            Some(to_millis(latest + every)),
            missed as usize,
        ));
    }
    let (mut due, mut missed) = (None, 0usize);
    while t <= now_unix {
        due = Some(t);
        missed += 1;
        if missed > 100 {
            // Past 100 (kube warns), only the latest run matters: find it
            // from a window before now that holds a run, widened as needed.
            let mut window = 60;
            let mut from = now_unix - window;
            while from > t && sched.next(from).is_none_or(|n| n > now_unix) {
                window *= 2;
                from = now_unix.saturating_sub(window).max(t);
            }
            t = from.max(t);
        }
        match sched.next(t) {
            Some(next) => t = next,
            None => return Some((due.map(to_millis), None, missed)),
        }
    }
    Some((due.map(to_millis), Some(to_millis(t)), missed))
}

/// `getJobFromTemplate2`: the Job for one scheduled time.
fn job_for(cj: &Value, name: &str, scheduled: Millis) -> Value {
    let meta = Value::from_pairs([
        ("name", Value::str(name)),
        ("namespace", cj.at(&["metadata", "namespace"]).clone()),
    ]);
    let mut job = super::from_template(
        cj,
        cj.at(&["spec", "jobTemplate"]),
        ("batch/v1", "Job"),
        meta,
        &["labels", "annotations"],
    );
    job.set_at(
        &["metadata", "annotations", SCHEDULED_TIMESTAMP],
        Value::from(rfc3339(scheduled)),
    );
    job
}

/// `ref.GetReference`: how `status.active` names a Job.
fn job_reference(job: &Value) -> Value {
    Value::from_pairs([
        ("apiVersion", Value::str("batch/v1")),
        ("kind", Value::str("Job")),
        ("name", job.at(&["metadata", "name"]).clone()),
        ("namespace", job.at(&["metadata", "namespace"]).clone()),
        (
            "resourceVersion",
            job.at(&["metadata", "resourceVersion"]).clone(),
        ),
        ("uid", job.at(&["metadata", "uid"]).clone()),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controllers::testutil::create;
    use crate::time::MINUTE;

    /// The next `n` times after `from` (an RFC 3339 time), as RFC 3339.
    fn next_times(spec: &str, from: &str, n: usize) -> Vec<String> {
        let sched = parse_schedule(spec).unwrap();
        let mut t = to_unix(parse_rfc3339(from).unwrap());
        (0..n)
            .map(|_| {
                t = sched.next(t).unwrap();
                rfc3339(to_millis(t))
            })
            .collect()
    }

    #[test]
    fn schedules_parse_and_fire_as_robfig_cron_does() {
        let from = "2026-01-01T00:00:30Z"; // a Thursday
        assert_eq!(
            next_times("*/15 * * * *", from, 3),
            [
                "2026-01-01T00:15:00Z",
                "2026-01-01T00:30:00Z",
                "2026-01-01T00:45:00Z"
            ]
        );
        assert_eq!(
            next_times("30 9 * * MON-fri", from, 3),
            [
                "2026-01-01T09:30:00Z",
                "2026-01-02T09:30:00Z",
                "2026-01-05T09:30:00Z"
            ]
        );
        assert_eq!(
            next_times("@monthly", from, 2),
            ["2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z"]
        );
        assert_eq!(
            next_times("0 0 29 feb ?", from, 1),
            ["2028-02-29T00:00:00Z"]
        );
        // Both day fields restricted: either matches (the 13th, or a Friday).
        assert_eq!(
            next_times("0 12 13 * 5", from, 3),
            [
                "2026-01-02T12:00:00Z",
                "2026-01-09T12:00:00Z",
                "2026-01-13T12:00:00Z"
            ]
        );
        assert_eq!(
            next_times("5/20 1 * * *", from, 3),
            [
                "2026-01-01T01:05:00Z",
                "2026-01-01T01:25:00Z",
                "2026-01-01T01:45:00Z"
            ]
        );
        assert_eq!(
            next_times("@every 90s", from, 2),
            ["2026-01-01T00:02:00Z", "2026-01-01T00:03:30Z"]
        );
        assert_eq!(parse_schedule("0 0 30 2 *").unwrap().next(0), None);
    }

    #[test]
    fn bad_schedules_get_robfig_cron_messages() {
        let err = |s: &str| parse_schedule(s).unwrap_err();
        assert_eq!(err(""), "empty spec string");
        assert_eq!(err("hello"), "expected exactly 5 fields, found 1: [hello]");
        assert_eq!(
            err("60 * * * *"),
            "end of range (60) above maximum (59): 60"
        );
        assert_eq!(
            err("* * 0 * *"),
            "beginning of range (0) below minimum (1): 0"
        );
        assert_eq!(err("* * * * 7"), "end of range (7) above maximum (6): 7");
        assert_eq!(
            err("5-1 * * * *"),
            "beginning of range (5) beyond end of range (1): 5-1"
        );
        assert_eq!(
            err("*/0 * * * *"),
            "step of range should be a positive number: */0"
        );
        assert_eq!(err("1-2-3 * * * *"), "too many hyphens: 1-2-3");
        assert_eq!(
            err("x * * * *"),
            "failed to parse int from x: strconv.Atoi: parsing \"x\": invalid syntax"
        );
        assert_eq!(err("@weekdays"), "unrecognized descriptor: @weekdays");
        // Go's parser, quirks included: no trimming, numbers as Atoi reads them.
        assert_eq!(
            err(" @daily"),
            "expected exactly 5 fields, found 1: [@daily]"
        );
        assert_eq!(
            err("5000 * * * *"),
            "end of range (5000) above maximum (59): 5000"
        );
        assert_eq!(
            err("99999999999999999999 * * * *"),
            "failed to parse int from 99999999999999999999: strconv.Atoi: parsing \"99999999999999999999\": value out of range"
        );
        assert_eq!(
            err("*/-05 * * * *"),
            "negative number (-5) not allowed: -05"
        );
        assert!(parse_schedule("0,30, * * * *").is_ok());
        assert_eq!(parse_schedule("*-5 * * * *"), parse_schedule("* * * * *"));
    }

    const HELLO: &str = "apiVersion: batch/v1
kind: CronJob
metadata: {name: hello}
spec:
  schedule: '* * * * *'
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{name: hello, image: busybox, command: [sh, -c, 'SCRIPT']}]
";

    fn job_names(c: &Cluster) -> Vec<String> {
        c.store
            .list(res("Job"), Some("default"))
            .map(|(_, j)| j.str_at(&["metadata", "name"]).unwrap().to_string())
            .collect()
    }

    fn reasons(c: &Cluster) -> Vec<String> {
        c.events
            .records()
            .iter()
            .filter(|e| &*e.involved.kind == "CronJob")
            .map(|e| e.reason.to_string())
            .collect()
    }

    #[test]
    fn a_job_each_minute_and_three_kept() {
        let mut c = Cluster::new(1);
        create(&mut c, &HELLO.replace("SCRIPT", "echo hello"));
        c.step(5 * MINUTE + 30 * SECOND);
        // Created at 00:01: five runs (00:02 … 00:06), the two oldest deleted.
        let minute = |m: i64| format!("hello-{}", EPOCH_UNIX_SECONDS / 60 + m);
        assert_eq!(job_names(&c), [minute(4), minute(5), minute(6)]);
        let job = c
            .store
            .get_named(res("Job"), "default", &minute(6))
            .unwrap();
        assert_eq!(
            job.str_at(&["metadata", "annotations", SCHEDULED_TIMESTAMP]),
            Some("2026-01-01T00:06:00Z")
        );
        assert_eq!(
            super::super::controller_ref(job).unwrap().str_at(&["kind"]),
            Some("CronJob")
        );
        let cj = c
            .store
            .get_named(res("CronJob"), "default", "hello")
            .unwrap();
        assert_eq!(
            cj.str_at(&["status", "lastScheduleTime"]),
            Some("2026-01-01T00:06:00Z")
        );
        assert!(cj.str_at(&["status", "lastSuccessfulTime"]).is_some());
        assert!(cj.at(&["status", "active"]).is_null());
        let r = reasons(&c);
        assert_eq!(r.iter().filter(|r| *r == "SuccessfulCreate").count(), 5);
        assert_eq!(r.iter().filter(|r| *r == "SawCompletedJob").count(), 5);
        assert_eq!(r.iter().filter(|r| *r == "SuccessfulDelete").count(), 2);
    }

    #[test]
    fn concurrency_policies_and_suspend() {
        let mut c = Cluster::new(2);
        let forbid = HELLO
            .replace("SCRIPT", "sleep 150")
            .replace("  schedule:", "  concurrencyPolicy: Forbid\n  schedule:");
        create(&mut c, &forbid);
        c.step(3 * MINUTE + 30 * SECOND);
        // 00:02 runs until 00:04:30: 00:03 and 00:04 are skipped.
        assert_eq!(job_names(&c).len(), 1);
        assert!(reasons(&c).contains(&"JobAlreadyActive".to_string()));
        let cj = c
            .store
            .get_named(res("CronJob"), "default", "hello")
            .unwrap();
        assert_eq!(cj.at(&["status", "active"]).items().count(), 1);

        let mut c = Cluster::new(3);
        let replace = forbid.replace("Forbid", "Replace");
        create(&mut c, &replace);
        c.step(2 * MINUTE + 30 * SECOND);
        // The 00:02 Job was deleted to make room for 00:03's.
        assert_eq!(
            job_names(&c),
            [format!("hello-{}", EPOCH_UNIX_SECONDS / 60 + 3)]
        );

        let mut c = Cluster::new(4);
        create(
            &mut c,
            &HELLO
                .replace("SCRIPT", "echo hi")
                .replace("  schedule:", "  suspend: true\n  schedule:"),
        );
        c.step(3 * MINUTE);
        assert!(job_names(&c).is_empty());
    }

    #[test]
    fn a_missed_start_past_the_deadline_is_skipped() {
        let mut c = Cluster::new(5);
        let late = HELLO
            .replace("SCRIPT", "echo hi")
            .replace("'* * * * *'", "'0 * * * *'")
            .replace(
                "  schedule:",
                "  suspend: true\n  startingDeadlineSeconds: 10\n  schedule:",
            );
        create(&mut c, &late);
        c.step(61 * MINUTE + 30 * SECOND);
        // Resumed at 01:02:30, 150 s after the 01:00 run was due.
        let key = ObjectKey::new(res("CronJob"), "default", "hello");
        let mut cj = c.store.get(&key).unwrap().clone();
        cj.set_at(&["spec", "suspend"], Value::Bool(false));
        c.update(cj, &WriteOptions::user()).unwrap();
        c.step(SECOND);
        assert!(job_names(&c).is_empty());
        c.step(60 * MINUTE);
        assert_eq!(job_names(&c).len(), 1);
    }

    #[test]
    fn a_forbidden_run_starts_once_the_prior_one_ends_and_a_never_firing_schedule_is_reported() {
        let mut c = Cluster::new(6);
        let forbid = HELLO
            .replace("SCRIPT", "sleep 90")
            .replace("  schedule:", "  concurrencyPolicy: Forbid\n  schedule:");
        create(&mut c, &forbid);
        // 00:02 runs until about 00:03:32; the 00:03 run waits, then starts.
        c.step(2 * MINUTE + 20 * SECOND);
        assert_eq!(job_names(&c).len(), 1);
        let cj = c
            .store
            .get_named(res("CronJob"), "default", "hello")
            .unwrap();
        assert_eq!(
            cj.str_at(&["status", "lastScheduleTime"]),
            Some("2026-01-01T00:02:00Z")
        );
        c.step(40 * SECOND);
        let names = job_names(&c);
        assert_eq!(names.len(), 2, "{names:?}");
        assert_eq!(names[1], format!("hello-{}", EPOCH_UNIX_SECONDS / 60 + 3));

        let mut c = Cluster::new(7);
        create(
            &mut c,
            &HELLO
                .replace("SCRIPT", "echo")
                .replace("'* * * * *'", "'0 0 30 2 *'"),
        );
        let invalid = c
            .events
            .records()
            .iter()
            .find(|e| &*e.reason == "InvalidSchedule")
            .map(|e| e.message.to_string());
        assert_eq!(
            invalid.as_deref(),
            Some(
                "invalid schedule: 0 0 30 2 * : time difference between two schedules is less than 1 second"
            )
        );
    }

    #[test]
    fn after_many_missed_runs_only_the_latest_starts() {
        for (schedule, every) in [("'* * * * *'", 60), ("'@every 1s'", 1)] {
            let mut c = Cluster::new(8);
            let resumed_later = HELLO
                .replace("SCRIPT", "echo hi")
                .replace("'* * * * *'", schedule)
                .replace("  schedule:", "  suspend: true\n  schedule:");
            create(&mut c, &resumed_later);
            c.step(300 * MINUTE);
            let key = ObjectKey::new(res("CronJob"), "default", "hello");
            let mut cj = c.store.get(&key).unwrap().clone();
            cj.set_at(&["spec", "suspend"], Value::Bool(false));
            c.update(cj, &WriteOptions::user()).unwrap();
            c.step(0);
            let names = job_names(&c);
            assert_eq!(names.len(), 1, "{schedule}");
            let cj = c.store.get(&key).unwrap();
            let last = cj
                .str_at(&["status", "lastScheduleTime"])
                .and_then(parse_rfc3339)
                .unwrap();
            assert!(c.now - last < every * SECOND, "{schedule}");
            assert!(
                reasons(&c).contains(&"TooManyMissedTimes".to_string()),
                "{schedule}"
            );
        }
    }
}
