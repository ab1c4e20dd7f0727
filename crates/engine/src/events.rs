//! Kubernetes Events: what components report about objects (`Scheduled`,
//! `Pulling`, `ScalingReplicaSet`, …), aggregated the way client-go's event
//! recorder does it: a repeat of the same event increments its count and
//! moves its last timestamp.
//!
//! Recorded events are kept compactly and turned into `v1.Event` objects
//! only when read, because a large cluster records several per pod.

use std::rc::Rc;

use crate::cluster::Cluster;
use crate::scheduler::util::{FxMap, FxSet};
use crate::sort::CompactSort;
use crate::time::{EPOCH_UNIX_SECONDS, Millis, rfc3339, rfc3339_micro};
use crate::value::Value;

/// `Normal` or `Warning`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventType {
    /// Something expected happened.
    Normal,
    /// Something may need attention.
    Warning,
}

impl EventType {
    /// The type's name as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Normal => "Normal",
            EventType::Warning => "Warning",
        }
    }
}

/// The object an event is about.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct InvolvedObject {
    /// `apps/v1`
    pub api_version: Rc<str>,
    /// `Deployment`
    pub kind: Rc<str>,
    /// Namespace (empty for cluster-scoped objects).
    pub namespace: Rc<str>,
    /// Name.
    pub name: Rc<str>,
    /// UID.
    pub uid: Rc<str>,
    /// `spec.containers{nginx}` for container events.
    pub field_path: Option<Rc<str>>,
    /// The object's resourceVersion when the event was first recorded.
    pub resource_version: Rc<str>,
}

impl InvolvedObject {
    /// The reference to a stored object.
    pub fn of(obj: &Value, field_path: Option<&str>) -> InvolvedObject {
        // The object's own strings, shared rather than copied.
        let s = |path: &[&str]| -> Rc<str> {
            match obj.at(path) {
                Value::String(s) => s.clone(),
                _ => Rc::from(""),
            }
        };
        InvolvedObject {
            api_version: s(&["apiVersion"]),
            kind: s(&["kind"]),
            namespace: s(&["metadata", "namespace"]),
            name: s(&["metadata", "name"]),
            uid: s(&["metadata", "uid"]),
            field_path: field_path.map(Rc::from),
            resource_version: s(&["metadata", "resourceVersion"]),
        }
    }
}

/// One recorded event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventRecord {
    /// The Event object's name: `<involved name>.<hex nanoseconds>`.
    pub name: Rc<str>,
    /// Its UID.
    pub uid: Rc<str>,
    /// What it is about.
    pub involved: InvolvedObject,
    /// `Normal` or `Warning`.
    pub event_type: EventType,
    /// `Scheduled`, `Pulling`, …
    pub reason: Rc<str>,
    /// The human-readable message.
    pub message: Rc<str>,
    /// The reporting component (`default-scheduler`, `kubelet`, …).
    pub component: Rc<str>,
    /// The node, for kubelet events.
    pub host: Option<Rc<str>>,
    /// When it first happened.
    pub first: Millis,
    /// When it last happened.
    pub last: Millis,
    /// How many times.
    pub count: u32,
    /// resourceVersion of the Event object.
    pub resource_version: u64,
    /// What an event written through `events.k8s.io/v1` (the scheduler's)
    /// adds. For such an event `count` and `last` are its series as last
    /// written to the API server, not as its recorder counts it.
    pub v1: Option<Box<EventV1>>,
}

/// The `events.k8s.io/v1` side of an event: its recorder (client-go's
/// `tools/events`) keeps repeats in a cache and writes the series to the
/// API server only on the first repeat, every 30 minutes, and when the
/// series ends (6 minutes without a repeat).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventV1 {
    /// `Binding`, `Scheduling`, `Preempting`.
    pub action: Rc<str>,
    /// `default-scheduler-control-plane`: the controller and its host.
    pub instance: Rc<str>,
    /// The other object involved (the preemptor of a preempted pod).
    pub related: Option<InvolvedObject>,
    /// `eventTime` in microseconds of the simulated clock.
    pub micros: u64,
    /// Repeats the recorder has counted, and the last one's time.
    pub seen: u32,
    /// When the recorder last saw it.
    pub seen_last: Millis,
    /// When the Event object was last written (its time to live counts
    /// from there).
    pub written_at: Millis,
    /// Still in the recorder's cache: an isomorphic event joins its series.
    pub cached: bool,
}

/// `eventKey` of client-go's events broadcaster: type, action, reason,
/// reporting controller and instance, the object (with its
/// resourceVersion) and the related object. The message is not part of it.
type V1Key = (
    EventType,
    Rc<str>,
    Rc<str>,
    Rc<str>,
    Rc<str>,
    InvolvedObject,
    Option<InvolvedObject>,
);

fn v1_key(r: &EventRecord) -> Option<V1Key> {
    let v1 = r.v1.as_ref()?;
    Some((
        r.event_type,
        v1.action.clone(),
        r.reason.clone(),
        r.component.clone(),
        v1.instance.clone(),
        r.involved.clone(),
        v1.related.clone(),
    ))
}

/// How often the recorder writes running series (`refreshTime`).
const SERIES_REFRESH: Millis = 30 * 60 * 1000;

/// How often the recorder ends quiet series and forgets single events,
/// and how quiet they must have been (`finishTime`).
const SERIES_FINISH: Millis = 6 * 60 * 1000;

type AggregationKey = (
    Rc<str>,
    Option<Rc<str>>,
    EventType,
    Rc<str>,
    Rc<str>,
    Rc<str>,
);

/// What client-go's `EventAggregator` remembers of one object's events
/// for one reason from one source: the distinct messages lately seen.
#[derive(Clone, Debug, Default)]
struct SimilarEvents {
    messages: Vec<Rc<str>>,
    last: Millis,
}

/// (involved uid, type, reason, component, host): `EventAggregatorByReasonFunc`'s
/// key, which leaves the message out.
type SimilarKey = (Rc<str>, EventType, Rc<str>, Rc<str>, Option<Rc<str>>);

/// Distinct messages within `SIMILAR_INTERVAL` after which similar events
/// are combined (`defaultAggregateMaxEvents`).
const SIMILAR_MAX: usize = 10;

/// `defaultAggregateIntervalInSeconds`.
const SIMILAR_INTERVAL: Millis = 600 * 1000;

/// The prefix of a combined event's message (`EventAggregatorByReasonMessageFunc`).
const COMBINED: &str = "(combined from similar events): ";

/// All recorded events, in the order they were first recorded.
#[derive(Clone, Debug, Default)]
pub struct EventLog {
    records: Vec<EventRecord>,
    index: FxMap<AggregationKey, usize>,
    /// Similar events by object and reason. Pods' events are left out:
    /// their reasons rarely see ten messages, and a pod's entry would
    /// cost more than its events.
    similar: FxMap<SimilarKey, SimilarEvents>,
    /// The nanosecond timestamp of the last event name handed out.
    last_nanos: u128,
    /// Strings events repeat (kinds, reasons, components, object names,
    /// common messages), one copy each.
    strings: FxSet<Rc<str>>,
    /// No event expires before this time.
    next_expiry: Option<Millis>,
    /// `events.k8s.io/v1` events still in their recorder's cache.
    v1_cache: FxMap<V1Key, usize>,
    /// The recorder's next refresh and finish passes (they run from the
    /// cluster's start, every 30 and every 6 minutes).
    next_refresh: Millis,
    next_finish: Millis,
}

/// `kube-apiserver --event-ttl`: an event is deleted an hour after its
/// last update.
pub const EVENT_TTL: Millis = 60 * 60 * 1000;

/// How long the API server reuses one etcd lease for events.
const LEASE_REUSE: Millis = 60 * 1000;

/// Messages longer than this are not shared (they are rarely repeated).
const SHARED_MESSAGE_MAX: usize = 96;

impl EventLog {
    /// Every event, oldest first.
    pub fn records(&self) -> &[EventRecord] {
        &self.records
    }

    /// Events about the object with `uid`, oldest first.
    pub fn for_object<'a>(&'a self, uid: &'a str) -> impl Iterator<Item = &'a EventRecord> + 'a {
        self.records.iter().filter(move |r| &*r.involved.uid == uid)
    }

    /// Forgets events about a namespace's objects (the namespace is gone).
    pub(crate) fn drop_namespace(&mut self, namespace: &str) {
        self.records.retain(|r| &*r.involved.namespace != namespace);
        self.reindex();
        self.forget_unused_strings();
    }

    /// Deletes the events whose time to live ran out, as etcd's leases
    /// do; cheap when none is due. The API server gives events written
    /// within a minute one shared lease (`--lease-reuse-duration-seconds`),
    /// so they go together: one pass per minute at most.
    pub(crate) fn expire(&mut self, now: Millis) {
        if self.next_expiry.is_none_or(|at| at > now) {
            return;
        }
        let before = self.records.len();
        self.records.retain(|r| r.written_at() + EVENT_TTL > now);
        self.similar.retain(|_, s| s.last + SIMILAR_INTERVAL >= now);
        self.next_expiry = self
            .records
            .iter()
            .map(|r| r.written_at() + EVENT_TTL)
            .min()
            .map(|at| at.max(now + LEASE_REUSE));
        if self.records.len() != before {
            if self.records.len() < self.records.capacity() / 4 {
                self.records.shrink_to_fit();
            }
            self.reindex();
            self.forget_unused_strings();
            self.strings.shrink_to_fit();
        }
    }

    /// An event was written at `at`: it expires an hour later.
    fn note_write(&mut self, at: Millis) {
        let expiry = at + EVENT_TTL;
        self.next_expiry = Some(self.next_expiry.map_or(expiry, |e| e.min(expiry)));
    }

    /// The shared copy of `s`.
    fn share(&mut self, s: &str) -> Rc<str> {
        if let Some(shared) = self.strings.get(s) {
            return shared.clone();
        }
        let rc: Rc<str> = Rc::from(s);
        self.strings.insert(rc.clone());
        rc
    }

    /// Drops shared strings no event uses any more.
    fn forget_unused_strings(&mut self) {
        self.strings.retain(|s| Rc::strong_count(s) > 1);
    }

    fn reindex(&mut self) {
        self.index = self
            .records
            .iter()
            .enumerate()
            .filter(|(_, r)| r.v1.is_none())
            .map(|(i, r)| (aggregation_key(r), i))
            .collect();
        self.v1_cache = self
            .records
            .iter()
            .enumerate()
            .filter(|(_, r)| r.v1.as_ref().is_some_and(|v| v.cached))
            .filter_map(|(i, r)| Some((v1_key(r)?, i)))
            .collect();
    }
}

fn aggregation_key(r: &EventRecord) -> AggregationKey {
    let combined = r.message.starts_with(COMBINED);
    (
        r.involved.uid.clone(),
        if combined {
            None
        } else {
            r.involved.field_path.clone()
        },
        r.event_type,
        r.reason.clone(),
        if combined {
            Rc::from(COMBINED)
        } else {
            r.message.clone()
        },
        r.component.clone(),
    )
}

impl EventRecord {
    /// When the Event object was last written.
    pub fn written_at(&self) -> Millis {
        self.v1.as_ref().map_or(self.last, |v| v.written_at)
    }

    /// The `v1.Event` object, as `kubectl get events -o yaml` shows it.
    pub fn to_value(&self) -> Value {
        let namespace = if self.involved.namespace.is_empty() {
            "default"
        } else {
            &self.involved.namespace
        };
        let mut source = Value::from_pairs([("component", Value::String(self.component.clone()))]);
        if let Some(host) = &self.host {
            source.set("host", Value::String(host.clone()));
        }
        let mut event = Value::from_pairs([
            ("apiVersion", Value::str("v1")),
            ("kind", Value::str("Event")),
            ("count", Value::Int(i64::from(self.count))),
            ("eventTime", Value::Null),
            ("firstTimestamp", Value::from(rfc3339(self.first))),
            ("lastTimestamp", Value::from(rfc3339(self.last))),
            ("involvedObject", self.involved.to_value()),
            ("message", Value::String(self.message.clone())),
            (
                "metadata",
                Value::from_pairs([
                    ("creationTimestamp", Value::from(rfc3339(self.first))),
                    ("name", Value::String(self.name.clone())),
                    ("namespace", Value::str(namespace)),
                    (
                        "resourceVersion",
                        Value::from(self.resource_version.to_string()),
                    ),
                    ("uid", Value::String(self.uid.clone())),
                ]),
            ),
            ("reason", Value::String(self.reason.clone())),
            ("reportingComponent", Value::String(self.component.clone())),
            (
                "reportingInstance",
                Value::String(self.host.clone().unwrap_or_else(|| Rc::from(""))),
            ),
            ("source", source),
            ("type", Value::str(self.event_type.as_str())),
        ]);
        if let Some(v1) = &self.v1 {
            // The core/v1 view of an events.k8s.io/v1 event: the deprecated
            // fields empty, the new ones set.
            event.set("action", Value::String(v1.action.clone()));
            event.set("eventTime", Value::from(rfc3339_micros(v1.micros)));
            event.set("firstTimestamp", Value::Null);
            event.set("lastTimestamp", Value::Null);
            event.remove("count");
            event.set("reportingInstance", Value::String(v1.instance.clone()));
            event.set("source", Value::object());
            if let Some(related) = &v1.related {
                event.set("related", related.to_value());
            }
            if self.count > 1 {
                event.set(
                    "series",
                    Value::from_pairs([
                        ("count", Value::Int(i64::from(self.count))),
                        ("lastObservedTime", Value::from(rfc3339_micro(self.last))),
                    ]),
                );
            }
        }
        event
    }
}

impl InvolvedObject {
    /// The `ObjectReference`.
    fn to_value(&self) -> Value {
        let mut r = Value::from_pairs([
            ("apiVersion", Value::String(self.api_version.clone())),
            ("kind", Value::String(self.kind.clone())),
            ("name", Value::String(self.name.clone())),
            ("uid", Value::String(self.uid.clone())),
        ]);
        if !self.namespace.is_empty() {
            r.set("namespace", Value::String(self.namespace.clone()));
        }
        if !self.resource_version.is_empty() {
            r.set(
                "resourceVersion",
                Value::String(self.resource_version.clone()),
            );
        }
        if let Some(fp) = &self.field_path {
            r.set("fieldPath", Value::String(fp.clone()));
        }
        r
    }
}

/// A microsecond time as `metav1.MicroTime` writes it.
fn rfc3339_micros(micros: u64) -> String {
    let text = rfc3339_micro(micros / 1000);
    format!("{}{:03}Z", &text[..text.len() - 4], micros % 1000)
}

#[allow(dead_code)] // used as the components land
impl Cluster {
    /// Records an event about `obj` (a stored object), aggregating repeats.
    /// The source is the reporting component and, for kubelets, the node.
    pub(crate) fn record_event(
        &mut self,
        obj: &Value,
        field_path: Option<&str>,
        event_type: EventType,
        reason: &str,
        message: &str,
        (component, host): (&str, Option<&str>),
    ) {
        let mut involved = InvolvedObject::of(obj, field_path);
        let log = &mut self.events;
        involved.api_version = log.share(&involved.api_version);
        involved.kind = log.share(&involved.kind);
        // Namespace, name and UID are the object's own strings already
        // (one per object: sharing them through the table would only grow it).
        involved.field_path = involved.field_path.as_deref().map(|f| log.share(f));
        // A message naming its object ("Successfully assigned default/web-1
        // to node-2") is not repeated by other objects: not worth sharing.
        let message: Rc<str> =
            if message.len() <= SHARED_MESSAGE_MAX && !message.contains(&*involved.name) {
                log.share(message)
            } else {
                Rc::from(message)
            };
        let reason = log.share(reason);
        let component = log.share(component);
        let host = host.map(|h| log.share(h));
        // `EventAggregate`: the tenth distinct message for one object and
        // reason within ten minutes, and every one after it, goes into one
        // combined event, whose message is the latest.
        let mut combined = None;
        if &*involved.kind != "Pod" {
            let similar = log
                .similar
                .entry((
                    involved.uid.clone(),
                    event_type,
                    reason.clone(),
                    component.clone(),
                    host.clone(),
                ))
                .or_default();
            if self.now.saturating_sub(similar.last) > SIMILAR_INTERVAL {
                similar.messages.clear();
            }
            similar.last = self.now;
            if !similar.messages.contains(&message) {
                similar.messages.push(message.clone());
            }
            if similar.messages.len() >= SIMILAR_MAX {
                // Go pops any member of its set; this pops the newest.
                similar.messages.pop();
                combined = Some(Rc::<str>::from(format!("{COMBINED}{message}")));
            }
        }
        let key: AggregationKey = (
            involved.uid.clone(),
            // The combined event is one per object and reason.
            if combined.is_some() {
                None
            } else {
                involved.field_path.clone()
            },
            event_type,
            reason,
            match &combined {
                Some(_) => log.share(COMBINED),
                None => message,
            },
            component,
        );
        self.events.note_write(self.now);
        self.store_bump_rv();
        let rv = self.store.resource_version();
        if let Some(&i) = self.events.index.get(&key) {
            let rec = &mut self.events.records[i];
            rec.count += 1;
            rec.last = self.now;
            rec.resource_version = rv;
            if let Some(m) = combined {
                rec.message = m;
            }
            return;
        }
        let (name, _) = self.event_name(&involved.name);
        let record = EventRecord {
            name,
            uid: Rc::from(self.rng.uuid()),
            involved,
            event_type,
            reason: key.3.clone(),
            message: combined.unwrap_or_else(|| key.4.clone()),
            component: key.5.clone(),
            host,
            first: self.now,
            last: self.now,
            count: 1,
            resource_version: rv,
            v1: None,
        };
        self.events.index.insert(key, self.events.records.len());
        self.events.records.push(record);
    }

    /// A new Event object's name, `<object>.<%x of UnixNano>`, and that
    /// time in nanoseconds since the simulation's start: random below the
    /// simulated millisecond, but increasing, so events listed by name keep
    /// the order they were recorded in.
    fn event_name(&mut self, object: &str) -> (Rc<str>, u128) {
        let mut nanos = (EPOCH_UNIX_SECONDS as u128 * 1_000_000_000)
            + u128::from(self.now) * 1_000_000
            + u128::from(self.rng.below(1_000_000));
        if nanos <= self.events.last_nanos {
            nanos = self.events.last_nanos + 1 + nanos % 1000;
        }
        self.events.last_nanos = nanos;
        let mut name = String::with_capacity(object.len() + 17);
        name.push_str(object);
        name.push('.');
        crate::rng::push_hex(&mut name, nanos, 0);
        (
            Rc::from(name),
            nanos - EPOCH_UNIX_SECONDS as u128 * 1_000_000_000,
        )
    }

    /// Records an event through `events.k8s.io/v1`, as the scheduler's
    /// recorder does (`Eventf(regarding, related, type, reason, action,
    /// note)`): a repeat of an event still in the recorder's cache joins
    /// its series (written at the first repeat, then by the recorder's
    /// periodic passes); the message does not tell events apart.
    pub(crate) fn record_v1_event(
        &mut self,
        regarding: &Value,
        related: Option<&Value>,
        event_type: EventType,
        (reason, action): (&str, &str),
        message: &str,
        component: &str,
    ) {
        self.event_series_passes();
        let log = &mut self.events;
        let mut involved = InvolvedObject::of(regarding, None);
        involved.api_version = log.share(&involved.api_version);
        involved.kind = log.share(&involved.kind);
        let related = related.map(|r| InvolvedObject::of(r, None));
        let reason = log.share(reason);
        let component = log.share(component);
        let instance = log.share(&format!("{component}-{}", crate::kubeadm::CONTROL_PLANE));
        let action = log.share(action);
        let key: V1Key = (
            event_type,
            action.clone(),
            reason.clone(),
            component.clone(),
            instance.clone(),
            involved.clone(),
            related.clone(),
        );
        let now = self.now;
        if let Some(&i) = self.events.v1_cache.get(&key) {
            let rec = &mut self.events.records[i];
            let v1 = rec.v1.as_mut().expect("cached events are v1 events");
            v1.seen += 1;
            v1.seen_last = now;
            if v1.seen == 2 {
                // The first repeat starts the series: written at once.
                rec.count = 2;
                rec.last = now;
                v1.written_at = now;
                self.store_bump_rv();
                self.events.records[i].resource_version = self.store.resource_version();
                self.events.note_write(now);
            }
            return;
        }
        let (name, nanos) = self.event_name(&involved.name);
        self.store_bump_rv();
        let record = EventRecord {
            name,
            uid: Rc::from(self.rng.uuid()),
            involved,
            event_type,
            reason,
            message: Rc::from(message),
            component,
            host: None,
            first: now,
            last: now,
            count: 1,
            resource_version: self.store.resource_version(),
            v1: Some(Box::new(EventV1 {
                action,
                instance,
                related,
                micros: (nanos / 1000) as u64,
                seen: 1,
                seen_last: now,
                written_at: now,
                cached: true,
            })),
        };
        self.events.v1_cache.insert(key, self.events.records.len());
        self.events.records.push(record);
        self.events.note_write(now);
    }

    /// Runs the `events.k8s.io/v1` recorder's periodic passes that fell
    /// due: every 30 minutes a running series is written, every 6 minutes
    /// a series quiet for 6 minutes is written one last time and forgotten,
    /// as is a single event older than 6 minutes.
    pub(crate) fn event_series_passes(&mut self) {
        loop {
            let log = &mut self.events;
            let at = log.next_refresh.min(log.next_finish);
            if at > self.now {
                return;
            }
            let refresh = log.next_refresh <= log.next_finish;
            if refresh {
                log.next_refresh += SERIES_REFRESH;
            } else {
                log.next_finish += SERIES_FINISH;
            }
            let mut cached: Vec<usize> = log.v1_cache.values().copied().collect();
            cached.compact_sort();
            for i in cached {
                let rec = &self.events.records[i];
                let Some(v1) = rec.v1.as_ref() else {
                    continue;
                };
                let series = v1.seen > 1;
                let quiet = v1.seen_last + SERIES_FINISH < at;
                let stale = (v1.seen, v1.seen_last) != (rec.count, rec.last);
                let (write, forget) = if refresh {
                    (series && stale, false)
                } else if series {
                    (quiet && stale, quiet)
                } else {
                    (false, rec.first + SERIES_FINISH < at)
                };
                if write {
                    self.store_bump_rv();
                    let rv = self.store.resource_version();
                    let rec = &mut self.events.records[i];
                    let v1 = rec.v1.as_mut().expect("checked");
                    rec.count = v1.seen;
                    rec.last = v1.seen_last;
                    v1.written_at = at;
                    rec.resource_version = rv;
                    self.events.note_write(at);
                }
                if forget {
                    let rec = &mut self.events.records[i];
                    rec.v1.as_mut().expect("checked").cached = false;
                    if let Some(key) = v1_key(rec) {
                        self.events.v1_cache.remove(&key);
                    }
                }
            }
        }
    }

    fn store_bump_rv(&mut self) {
        // Events share the global resourceVersion sequence.
        self.store.bump_resource_version();
    }
}

/// An event time as `metav1.MicroTime` (used by `events.k8s.io`).
pub fn event_time(ms: Millis) -> String {
    rfc3339_micro(ms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::MINUTE;

    #[test]
    fn events_expire_an_hour_after_their_last_update() {
        let mut c = Cluster::empty(1);
        let ns = c
            .store
            .get_named(crate::cluster::res("Namespace"), "", "default")
            .unwrap()
            .clone();
        let src = ("test", None);
        c.record_event(&ns, None, EventType::Normal, "Once", "only once", src);
        c.record_event(&ns, None, EventType::Warning, "Again", "repeats", src);
        c.step(50 * MINUTE);
        c.record_event(&ns, None, EventType::Warning, "Again", "repeats", src);
        c.step(9 * MINUTE);
        assert_eq!(c.events.records().len(), 2);
        c.step(2 * MINUTE);
        let left: Vec<(&str, u32)> = c
            .events
            .records()
            .iter()
            .map(|r| (&*r.reason, r.count))
            .collect();
        assert_eq!(left, [("Again", 2)]);
        // The survivor still aggregates.
        c.record_event(&ns, None, EventType::Warning, "Again", "repeats", src);
        assert_eq!(c.events.records()[0].count, 3);
        c.step(61 * MINUTE);
        assert!(c.events.records().is_empty());
        assert!(c.events.strings.is_empty());
    }
}
