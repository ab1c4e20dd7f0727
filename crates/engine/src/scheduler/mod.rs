//! kube-scheduler: a scheduling queue with back-off, the filter and score plugins, binding, and the per-node explanation of every attempt.

use crate::cluster::Cluster;
use crate::store::WatchEvent;

/// What this component keeps between steps.
#[derive(Clone, Debug, Default)]
pub struct SchedulerState {}

/// Work this component scheduled for a later moment.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SchedulerTask {}

/// Hears about every change to the store.
pub(crate) fn on_change(cluster: &mut Cluster, event: &WatchEvent) {
    let _ = (cluster, event);
}

/// Does pending work at the current instant; true if it did anything.
pub(crate) fn work(cluster: &mut Cluster) -> bool {
    let _ = cluster;
    false
}

/// Runs a task that fell due.
pub(crate) fn run_task(cluster: &mut Cluster, task: SchedulerTask) {
    let _ = cluster;
    match task {}
}
