//! Explanations of scheduling attempts, kept outside the API objects: for
//! every attempt, each node's filter verdicts and reasons, each score
//! plugin's raw, normalized and weighted score, the total, the chosen node
//! and the FailedScheduling message. `kubectl describe` and the UI's "why
//! is it Pending?" table read them through
//! [`Cluster::scheduling_attempts`](crate::Cluster::scheduling_attempts).
//!
//! Memory stays bounded: a pod keeps its last [`ATTEMPTS_PER_POD`]
//! attempts, and per-node details are dropped oldest-first once they pass
//! a global budget (the outcome and message are always kept).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use super::plugins::{FILTERS, Failure, SCORES};
use super::util::{FxMap, PodKey, fx_map};
use crate::time::Millis;

/// How many attempts are kept per pod.
pub const ATTEMPTS_PER_POD: usize = 4;
/// The approximate memory budget for per-node details of all attempts.
const DETAIL_BUDGET_BYTES: usize = 48 << 20;
/// At most this many attempts carry per-node details at once.
const MAX_DETAILED_ATTEMPTS: usize = 200_000;

/// How a scheduling attempt ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// The pod was bound to `node`.
    Scheduled {
        /// The chosen node.
        node: String,
    },
    /// No node fits; `message` is the FailedScheduling event's text
    /// (`0/4 nodes are available: …`).
    Unschedulable {
        /// The FitError message, as in the event and the PodScheduled condition.
        message: String,
        /// The node preemption nominated, if any.
        nominated_node: Option<String>,
    },
    /// The attempt failed for another reason (no nodes at all, a binding error).
    Error {
        /// The error text.
        message: String,
    },
}

/// One scheduling attempt of a pod.
#[derive(Clone, Debug)]
pub struct SchedulingAttempt {
    /// Simulated time of the attempt.
    pub at: Millis,
    /// 1 for the pod's first attempt, 2 for the second, …
    pub number: u32,
    /// How the attempt ended.
    pub outcome: AttemptOutcome,
    /// Nodes in the scheduler's snapshot.
    pub num_all_nodes: usize,
    /// How many feasible nodes the scheduler looked for before stopping
    /// (percentageOfNodesToScore).
    pub nodes_to_find: usize,
    /// Per-node details; emptied when the memory budget evicts them.
    pub(crate) detail: Rc<RefCell<Option<AttemptDetail>>>,
}

/// How far a node got in an attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodeEvaluation {
    /// Not looked at: enough feasible nodes were found first
    /// (percentageOfNodesToScore), or the attempt stopped earlier.
    NotEvaluated,
    /// Left out by a PreFilter result (e.g. `matchFields` on `metadata.name`).
    ExcludedByPreFilter {
        /// `node(s) didn't satisfy plugin(s) [NodeAffinity]`.
        reason: String,
    },
    /// A filter plugin rejected it.
    Rejected,
    /// It passed every filter.
    Feasible,
}

/// The result of one filter plugin on one node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FilterResult {
    /// The node passed.
    Passed,
    /// The plugin's PreFilter returned Skip for this pod (nothing to check).
    Skipped,
    /// Not run: an earlier plugin already rejected the node, or the node
    /// was not evaluated.
    NotRun,
    /// The plugin rejected the node.
    Rejected {
        /// The reasons, e.g. `Insufficient cpu`.
        reasons: Vec<String>,
        /// UnschedulableAndUnresolvable: preemption cannot help on this node.
        unresolvable: bool,
    },
}

/// One filter plugin's verdict on one node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilterVerdict {
    /// The plugin (`NodeResourcesFit`, …).
    pub plugin: &'static str,
    /// What it said.
    pub result: FilterResult,
}

/// One score plugin's score for one node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PluginScore {
    /// The plugin (`NodeResourcesBalancedAllocation`, …).
    pub plugin: &'static str,
    /// Its weight in the default profile.
    pub weight: i64,
    /// The plugin's Score before normalization.
    pub raw: i64,
    /// After NormalizeScore (0–100).
    pub normalized: i64,
    /// `normalized × weight`, what the total adds up.
    pub weighted: i64,
    /// The plugin's PreScore returned Skip for this pod (it adds nothing).
    pub skipped: bool,
}

/// Everything an attempt recorded about one node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeExplanation {
    /// The node's name.
    pub node: String,
    /// How far it got.
    pub evaluation: NodeEvaluation,
    /// Each filter plugin's verdict, in the order they run.
    pub filters: Vec<FilterVerdict>,
    /// Each score plugin's score (empty when the node was not scored:
    /// rejected, or the only feasible node).
    pub scores: Vec<PluginScore>,
    /// The sum of the weighted scores.
    pub total_score: Option<i64>,
    /// The node the pod was bound to.
    pub selected: bool,
    /// What preemption's dry run said about this node, when it ran.
    pub preemption: Option<String>,
}

/// The compact per-node record of an attempt.
#[derive(Clone, Debug, Default)]
pub(crate) struct AttemptDetail {
    /// Node names in evaluation (nodeTree) order at the time.
    pub(crate) names: Rc<[Rc<str>]>,
    /// PreFilter narrowed the nodes to these positions.
    pub(crate) narrowed: Option<Box<[u32]>>,
    /// A PreFilter rejected the pod outright: (plugin, message).
    pub(crate) prefilter: Option<(u8, Rc<str>)>,
    pub(crate) skip_filters: u16,
    pub(crate) norm: super::cycle::Normalizer,
    pub(crate) spread_ignored: Vec<u32>,
    /// The static filters' verdict per node position.
    pub(crate) static_codes: Rc<[u8]>,
    /// The scan: first candidate index, how many candidates it looked at,
    /// or the nominated node alone.
    pub(crate) start: usize,
    pub(crate) processed: usize,
    pub(crate) nominated_first: Option<u32>,
    /// Rejections by the dynamic filters (NodePorts onwards).
    pub(crate) failures: Vec<(u32, Failure)>,
    pub(crate) feasible: Vec<u32>,
    pub(crate) raw: Vec<[i32; 7]>,
    pub(crate) chosen: Option<u32>,
    pub(crate) preemption_ran: bool,
    pub(crate) preemption: Vec<(u32, Failure)>,
    pub(crate) scalar_reasons: Box<[u32]>,
    pub(crate) reasons: Rc<[Rc<str>]>,
}

impl AttemptDetail {
    fn bytes(&self) -> usize {
        std::mem::size_of::<AttemptDetail>()
            + self.failures.len() * std::mem::size_of::<(u32, Failure)>()
            + self.feasible.len() * 4
            + self.raw.len() * 28
            + self.spread_ignored.len() * 4
            + self.preemption.len() * std::mem::size_of::<(u32, Failure)>()
            + self.narrowed.as_ref().map_or(0, |n| n.len() * 4)
    }

    fn reasons_of(&self, f: &Failure) -> Vec<String> {
        let mut out = Vec::new();
        f.for_each_reason(&self.scalar_reasons, |id| {
            out.push(
                self.reasons
                    .get(id as usize)
                    .map_or(String::new(), |s| s.to_string()),
            )
        });
        out
    }
}

impl SchedulingAttempt {
    /// False when this attempt's per-node details were dropped to bound
    /// memory (the outcome is still known).
    pub fn has_details(&self) -> bool {
        self.detail.borrow().is_some()
    }

    /// Every node of the snapshot, in the order the scheduler evaluates
    /// them, with what this attempt found out about it.
    pub fn nodes(&self) -> Vec<NodeExplanation> {
        let detail = self.detail.borrow();
        let Some(d) = detail.as_ref() else {
            return Vec::new();
        };
        let mut out: Vec<NodeExplanation> = d
            .names
            .iter()
            .map(|n| NodeExplanation {
                node: n.to_string(),
                evaluation: NodeEvaluation::NotEvaluated,
                filters: FILTERS
                    .iter()
                    .map(|p| FilterVerdict {
                        plugin: p,
                        result: FilterResult::NotRun,
                    })
                    .collect(),
                scores: Vec::new(),
                total_score: None,
                selected: false,
                preemption: None,
            })
            .collect();
        if let Some((plugin, message)) = &d.prefilter {
            for n in &mut out {
                n.evaluation = NodeEvaluation::Rejected;
                n.filters[*plugin as usize].result = FilterResult::Rejected {
                    reasons: vec![message.to_string()],
                    unresolvable: true,
                };
            }
        }
        if let Some(narrowed) = &d.narrowed {
            for (i, n) in out.iter_mut().enumerate() {
                if !narrowed.contains(&(i as u32)) {
                    n.evaluation = NodeEvaluation::ExcludedByPreFilter {
                        reason: "node(s) didn't satisfy plugin(s) [NodeAffinity]".to_string(),
                    };
                }
            }
        }
        let passed = |n: &mut NodeExplanation, upto: usize| {
            for (i, v) in n.filters.iter_mut().enumerate().take(upto) {
                v.result = if d.skip_filters & (1 << i) != 0 {
                    FilterResult::Skipped
                } else {
                    FilterResult::Passed
                };
            }
        };
        let evaluated: Vec<u32> = match d.nominated_first {
            Some(p) => vec![p],
            None => {
                let n = d
                    .narrowed
                    .as_ref()
                    .map_or(d.names.len(), |v| v.len())
                    .max(1);
                (0..d.processed)
                    .map(|i| {
                        let c = (d.start + i) % n;
                        d.narrowed.as_ref().map_or(c as u32, |v| v[c])
                    })
                    .collect()
            }
        };
        let failures = super::cycle::all_failures(&evaluated, &d.static_codes, &d.failures);
        for (pos, f) in &failures {
            let Some(n) = out.get_mut(*pos as usize) else {
                continue;
            };
            n.evaluation = NodeEvaluation::Rejected;
            let p = f.plugin as usize;
            passed(n, p);
            if let Some(v) = n.filters.get_mut(p) {
                v.result = FilterResult::Rejected {
                    reasons: d.reasons_of(f),
                    unresolvable: f.unresolvable,
                };
            }
        }
        for (i, pos) in d.feasible.iter().enumerate() {
            let Some(n) = out.get_mut(*pos as usize) else {
                continue;
            };
            n.evaluation = NodeEvaluation::Feasible;
            passed(n, FILTERS.len());
            if let Some(raw) = d.raw.get(i) {
                let norm = d
                    .norm
                    .normalize(raw, d.spread_ignored.contains(&(i as u32)));
                let mut total = 0;
                for (j, (name, weight)) in SCORES.iter().enumerate() {
                    let skipped = d.norm.skip & (1 << j) != 0;
                    let normalized = i64::from(norm[j]);
                    total += normalized * weight;
                    n.scores.push(PluginScore {
                        plugin: name,
                        weight: *weight,
                        raw: i64::from(raw[j]),
                        normalized,
                        weighted: normalized * weight,
                        skipped,
                    });
                }
                n.total_score = Some(total);
            }
            n.selected = d.chosen == Some(*pos);
        }
        if d.preemption_ran {
            for n in &mut out {
                n.preemption = Some("Preemption is not helpful for scheduling".to_string());
            }
            for (pos, f) in &d.preemption {
                if let Some(n) = out.get_mut(*pos as usize) {
                    n.preemption = Some(d.reasons_of(f).join(", "));
                }
            }
        }
        out
    }
}

/// The attempts of every pod, with the memory budget.
#[derive(Clone, Default)]
pub(crate) struct AttemptLog {
    by_pod: FxMap<PodKey, Vec<SchedulingAttempt>>,
    /// Attempts with details, oldest first, with their size.
    order: VecDeque<(Rc<RefCell<Option<AttemptDetail>>>, usize)>,
    bytes: usize,
    /// The score and feasible-node buffers of the last evicted detail,
    /// handed to the next cycle: at 20,000 pods a second, allocating and
    /// freeing them was a good part of the allocator's work.
    spare_raw: Vec<[i32; 7]>,
    spare_feasible: Vec<u32>,
}

/// `spare` if its capacity fits `n` closely (so a detail never holds much
/// more memory than the budget counts), else a new vector for `n`.
fn reuse<T>(spare: &mut Vec<T>, n: usize) -> Vec<T> {
    let mut v = std::mem::take(spare);
    if v.capacity() < n || v.capacity() > n + n / 4 + 16 {
        return Vec::with_capacity(n);
    }
    v.clear();
    v
}

impl std::fmt::Debug for AttemptLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AttemptLog")
            .field("pods", &self.by_pod.len())
            .field("bytes", &self.bytes)
            .finish()
    }
}

impl AttemptLog {
    pub(crate) fn new() -> AttemptLog {
        AttemptLog {
            by_pod: fx_map(),
            ..Default::default()
        }
    }

    /// An empty buffer for `n` raw score rows.
    pub(crate) fn take_raw(&mut self, n: usize) -> Vec<[i32; 7]> {
        reuse(&mut self.spare_raw, n)
    }

    /// An empty buffer for `n` feasible node positions.
    pub(crate) fn take_feasible(&mut self, n: usize) -> Vec<u32> {
        reuse(&mut self.spare_feasible, n)
    }

    pub(crate) fn get(&self, key: &PodKey) -> &[SchedulingAttempt] {
        self.by_pod.get(key).map_or(&[], |v| v)
    }

    /// Forgets a deleted pod (its details are freed by the budget's
    /// eviction, which still counts them).
    pub(crate) fn forget(&mut self, key: &PodKey) {
        if let Some(list) = self.by_pod.remove(key) {
            for a in list {
                a.detail.borrow_mut().take();
            }
        }
    }

    pub(crate) fn record(&mut self, key: &PodKey, attempt: SchedulingAttempt) {
        let size = attempt.detail.borrow().as_ref().map_or(0, |d| d.bytes());
        if size > 0 {
            self.bytes += size;
            self.order.push_back((attempt.detail.clone(), size));
        }
        match self.by_pod.get_mut(key) {
            Some(list) => {
                if list.len() >= ATTEMPTS_PER_POD {
                    let old = list.remove(0);
                    old.detail.borrow_mut().take();
                }
                list.push(attempt);
            }
            None => {
                self.by_pod.insert(key.clone(), vec![attempt]);
            }
        }
        while self.bytes > DETAIL_BUDGET_BYTES || self.order.len() > MAX_DETAILED_ATTEMPTS {
            let Some((slot, size)) = self.order.pop_front() else {
                break;
            };
            if let Some(detail) = slot.borrow_mut().take() {
                self.spare_raw = detail.raw;
                self.spare_feasible = detail.feasible;
            }
            self.bytes = self.bytes.saturating_sub(size);
        }
    }
}
