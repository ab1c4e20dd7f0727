//! The scheduling queue (`pkg/scheduler/backend/queue`): activeQ ordered by
//! priority then queue time, backoffQ ordered by back-off expiry, the
//! unschedulable pool that cluster events (through coarse but sound
//! queueing hints) and the five-minute flush move pods out of, and the
//! error back-off for pods whose attempt failed with an error.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap};
use std::rc::Rc;

use super::podinfo::PodSpecInfo;
use super::util::{FxMap, PodKey, fx_map};
use crate::time::{MINUTE, Millis, SECOND};
use crate::vecmap::VecMap;

/// `DefaultPodInitialBackoffDuration`.
pub(crate) const INITIAL_BACKOFF: Millis = SECOND;
/// `DefaultPodMaxBackoffDuration`.
pub(crate) const MAX_BACKOFF: Millis = 10 * SECOND;
/// `DefaultPodMaxInUnschedulablePodsDuration`.
pub(crate) const MAX_IN_UNSCHEDULABLE: Millis = 5 * MINUTE;
/// How often `flushUnschedulablePodsLeftover` runs.
pub(crate) const FLUSH_PERIOD: Millis = 30 * SECOND;
/// `backoffQOrderingWindowDuration`: back-off expiries are truncated to it.
pub(crate) const ORDERING_WINDOW: Millis = SECOND;

/// Where a queued pod is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Loc {
    Active,
    Backoff,
    ErrorBackoff,
    Unschedulable,
    Gated,
    InFlight,
}

/// A pod waiting to be scheduled.
#[derive(Clone, Debug)]
pub(crate) struct QueuedPod {
    pub(crate) info: Rc<PodSpecInfo>,
    /// When it was added, or when its last attempt failed (`pInfo.Timestamp`).
    pub(crate) timestamp: Millis,
    seq: u64,
    /// Scheduling attempts so far.
    pub(crate) attempts: u32,
    pub(crate) unschedulable_count: u32,
    pub(crate) error_count: u32,
    /// Filter plugins that rejected it last time (bit per plugin).
    pub(crate) rejectors: u16,
    pub(crate) loc: Loc,
    generation: u64,
    /// `status.nominatedNodeName`.
    pub(crate) nominated: Option<Rc<str>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct ActiveItem {
    priority: i64,
    timestamp: Millis,
    seq: u64,
    generation: u64,
    key: PodKey,
}

impl Ord for ActiveItem {
    // PrioritySort: higher priority first, then the earlier queue time.
    fn cmp(&self, o: &Self) -> Ordering {
        self.priority
            .cmp(&o.priority)
            .then(o.timestamp.cmp(&self.timestamp))
            .then(o.seq.cmp(&self.seq))
    }
}
impl PartialOrd for ActiveItem {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct BackoffItem {
    expiry: Millis,
    priority: i64,
    timestamp: Millis,
    seq: u64,
    generation: u64,
    key: PodKey,
}

impl Ord for BackoffItem {
    // Earliest expiry first; within one ordering window, queue-sort order.
    fn cmp(&self, o: &Self) -> Ordering {
        o.expiry
            .cmp(&self.expiry)
            .then(self.priority.cmp(&o.priority))
            .then(o.timestamp.cmp(&self.timestamp))
            .then(o.seq.cmp(&self.seq))
    }
}
impl PartialOrd for BackoffItem {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

/// The scheduling queue.
#[derive(Clone, Default)]
pub(crate) struct SchedulingQueue {
    pub(crate) entries: FxMap<PodKey, QueuedPod>,
    active: BinaryHeap<ActiveItem>,
    backoff: BinaryHeap<BackoffItem>,
    error_backoff: BinaryHeap<BackoffItem>,
    /// The unschedulable pool by (timestamp, seq), for stable iteration.
    unschedulable: BTreeMap<(Millis, u64), PodKey>,
    seq: u64,
    generation: u64,
    /// Pending timers (at most one of each kind is scheduled).
    pub(crate) backoff_timer: Option<Millis>,
    pub(crate) flush_timer: Option<Millis>,
    /// Nominated pods by node name (few: a sorted vector, no B-tree code).
    pub(crate) nominated: VecMap<Rc<str>, Vec<PodKey>>,
}

impl std::fmt::Debug for SchedulingQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SchedulingQueue")
            .field("pods", &self.entries.len())
            .field("unschedulable", &self.unschedulable.len())
            .finish()
    }
}

impl SchedulingQueue {
    pub(crate) fn new() -> SchedulingQueue {
        SchedulingQueue {
            entries: fx_map(),
            ..Default::default()
        }
    }

    fn next_seq(&mut self) -> (u64, u64) {
        self.seq += 1;
        self.generation += 1;
        (self.seq, self.generation)
    }

    /// The back-off duration after the pod's failures so far.
    pub(crate) fn backoff_duration(p: &QueuedPod) -> Millis {
        let count = if p.error_count > 0 {
            p.error_count
        } else {
            p.unschedulable_count
        };
        if p.attempts == 0 || count == 0 {
            return 0;
        }
        let shift = (count - 1).min(63);
        if INITIAL_BACKOFF > MAX_BACKOFF >> shift {
            return MAX_BACKOFF;
        }
        INITIAL_BACKOFF << shift
    }

    /// When the pod's back-off ends, aligned to the ordering window.
    pub(crate) fn backoff_expiry(p: &QueuedPod) -> Millis {
        let t = p.timestamp + Self::backoff_duration(p);
        t - t % ORDERING_WINDOW
    }

    fn push_active(&mut self, key: &PodKey) {
        let (seq, generation) = self.next_seq();
        let Some(e) = self.entries.get_mut(key) else {
            return;
        };
        e.loc = Loc::Active;
        e.seq = seq;
        e.generation = generation;
        self.active.push(ActiveItem {
            priority: e.info.priority,
            timestamp: e.timestamp,
            seq,
            generation,
            key: key.clone(),
        });
    }

    fn push_backoff(&mut self, key: &PodKey, error: bool) {
        let (seq, generation) = self.next_seq();
        let Some(e) = self.entries.get_mut(key) else {
            return;
        };
        e.loc = if error {
            Loc::ErrorBackoff
        } else {
            Loc::Backoff
        };
        e.seq = seq;
        e.generation = generation;
        let item = BackoffItem {
            expiry: Self::backoff_expiry(e),
            priority: e.info.priority,
            timestamp: e.timestamp,
            seq,
            generation,
            key: key.clone(),
        };
        if error {
            self.error_backoff.push(item);
        } else {
            self.backoff.push(item);
        }
    }

    fn leave_pool(&mut self, key: &PodKey) {
        if let Some(e) = self.entries.get(key)
            && e.loc == Loc::Unschedulable
        {
            self.unschedulable.remove(&(e.timestamp, e.seq));
        }
    }

    /// Moves a pod to activeQ, or to backoffQ while it is backing off.
    fn requeue(&mut self, key: &PodKey, now: Millis) {
        self.leave_pool(key);
        let Some(e) = self.entries.get(key) else {
            return;
        };
        if e.info.gated {
            let e = self.entries.get_mut(key).expect("checked above");
            e.loc = Loc::Gated;
            return;
        }
        if Self::backoff_expiry(e) > now {
            self.push_backoff(key, false);
        } else {
            self.push_active(key);
        }
    }

    /// A new pending pod.
    pub(crate) fn add(
        &mut self,
        key: PodKey,
        info: Rc<PodSpecInfo>,
        nominated: Option<Rc<str>>,
        now: Millis,
    ) {
        if self.entries.contains_key(&key) {
            self.update(&key, info, nominated, now);
            return;
        }
        let gated = info.gated;
        self.entries.insert(
            key.clone(),
            QueuedPod {
                info,
                timestamp: now,
                seq: 0,
                attempts: 0,
                unschedulable_count: 0,
                error_count: 0,
                rejectors: 0,
                loc: Loc::Gated,
                generation: 0,
                nominated: None,
            },
        );
        self.set_nominated(&key, nominated);
        if !gated {
            self.push_active(&key);
        }
    }

    /// The pod object changed. Returns true when its scheduling-relevant
    /// fields changed.
    pub(crate) fn update(
        &mut self,
        key: &PodKey,
        info: Rc<PodSpecInfo>,
        nominated: Option<Rc<str>>,
        now: Millis,
    ) -> bool {
        self.set_nominated(key, nominated);
        let Some(e) = self.entries.get_mut(key) else {
            return false;
        };
        if e.info.fingerprint.same(&info.fingerprint) {
            return false;
        }
        let priority_changed = e.info.priority != info.priority;
        e.info = info;
        match e.loc {
            Loc::Unschedulable | Loc::Gated => self.requeue(key, now),
            Loc::Active if priority_changed => self.push_active(key),
            _ => {}
        }
        true
    }

    fn set_nominated(&mut self, key: &PodKey, node: Option<Rc<str>>) {
        let Some(e) = self.entries.get_mut(key) else {
            return;
        };
        if e.nominated == node {
            return;
        }
        if let Some(old) = e.nominated.take()
            && let Some(list) = self.nominated.get_mut(&old)
        {
            list.retain(|k| k != key);
            if list.is_empty() {
                self.nominated.remove(&old);
            }
        }
        if let Some(n) = &node {
            self.nominated
                .get_or_insert_with(n.clone(), Vec::new)
                .push(key.clone());
        }
        e.nominated = node;
    }

    /// Forgets a pod (deleted, bound, or no longer ours).
    pub(crate) fn remove(&mut self, key: &PodKey) -> Option<QueuedPod> {
        if !self.entries.contains_key(key) {
            return None;
        }
        self.set_nominated(key, None);
        self.leave_pool(key);
        self.entries.remove(key)
    }

    /// Pops the next pod to schedule: activeQ first; when it is empty, the
    /// head of backoffQ (SchedulerPopFromBackoffQ, on by default).
    pub(crate) fn pop(&mut self) -> Option<PodKey> {
        loop {
            let item = match self.active.pop() {
                Some(i) => (i.key, i.generation, Loc::Active),
                None => {
                    let i = self.backoff.pop()?;
                    (i.key, i.generation, Loc::Backoff)
                }
            };
            let (key, generation, loc) = item;
            if let Some(e) = self.entries.get_mut(&key)
                && e.generation == generation
                && e.loc == loc
            {
                e.loc = Loc::InFlight;
                e.attempts += 1;
                return Some(key);
            }
        }
    }

    /// True when something can be popped right now.
    pub(crate) fn has_ready(&self) -> bool {
        !self.active.is_empty() || !self.backoff.is_empty()
    }

    /// An attempt found no node: into the unschedulable pool.
    pub(crate) fn unschedulable(&mut self, key: &PodKey, rejectors: u16, now: Millis) {
        let (seq, generation) = self.next_seq();
        let Some(e) = self.entries.get_mut(key) else {
            return;
        };
        e.timestamp = now;
        e.unschedulable_count += 1;
        e.error_count = 0;
        e.rejectors = rejectors;
        e.loc = Loc::Unschedulable;
        e.seq = seq;
        e.generation = generation;
        self.unschedulable.insert((now, seq), key.clone());
    }

    /// An attempt failed with an error: retried after back-off.
    pub(crate) fn error(&mut self, key: &PodKey, now: Millis) {
        let Some(e) = self.entries.get_mut(key) else {
            return;
        };
        e.timestamp = now;
        e.error_count += 1;
        self.push_backoff(key, true);
    }

    /// A cluster event that may help pods rejected by the plugins in
    /// `mask`: moves them out of the unschedulable pool.
    pub(crate) fn on_event(&mut self, mask: u16, now: Millis) -> usize {
        if self.unschedulable.is_empty() {
            return 0;
        }
        let keys: Vec<PodKey> = self
            .unschedulable
            .values()
            .filter(|k| {
                self.entries
                    .get(*k)
                    .is_some_and(|e| e.rejectors & mask != 0)
            })
            .cloned()
            .collect();
        for k in &keys {
            self.requeue(k, now);
        }
        keys.len()
    }

    /// `flushBackoffQCompleted`: pods whose back-off ended go to activeQ.
    pub(crate) fn flush_backoff(&mut self, now: Millis) {
        for error in [false, true] {
            loop {
                let heap = if error {
                    &mut self.error_backoff
                } else {
                    &mut self.backoff
                };
                let Some(top) = heap.peek() else { break };
                if top.expiry > now {
                    break;
                }
                let item = heap.pop().expect("peeked above");
                let loc = if error {
                    Loc::ErrorBackoff
                } else {
                    Loc::Backoff
                };
                if self
                    .entries
                    .get(&item.key)
                    .is_some_and(|e| e.generation == item.generation && e.loc == loc)
                {
                    self.push_active(&item.key);
                }
            }
        }
    }

    /// `flushUnschedulablePodsLeftover`: pods unschedulable for longer than
    /// five minutes are retried.
    pub(crate) fn flush_unschedulable(&mut self, now: Millis) {
        let due: Vec<PodKey> = self
            .unschedulable
            .iter()
            .take_while(|((ts, _), _)| now.saturating_sub(*ts) > MAX_IN_UNSCHEDULABLE)
            .map(|(_, k)| k.clone())
            .collect();
        for k in &due {
            self.requeue(k, now);
        }
    }

    /// The earliest back-off expiry still queued.
    pub(crate) fn next_backoff_expiry(&self) -> Option<Millis> {
        let a = self.backoff.peek().map(|i| i.expiry);
        let b = self.error_backoff.peek().map(|i| i.expiry);
        match (a, b) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The flush tick (every 30 s from the start) at which the oldest
    /// unschedulable pod becomes due.
    pub(crate) fn next_flush_due(&self) -> Option<Millis> {
        let (&(ts, _), _) = self.unschedulable.iter().next()?;
        Some(((ts + MAX_IN_UNSCHEDULABLE) / FLUSH_PERIOD + 1) * FLUSH_PERIOD)
    }

    /// Pods nominated to `node`.
    pub(crate) fn nominated_on(&self, node: &str) -> &[PodKey] {
        self.nominated.get(node).map_or(&[], |v| v)
    }

    /// How many pods sit in the unschedulable pool.
    pub(crate) fn unschedulable_len(&self) -> usize {
        self.unschedulable.len()
    }
}
