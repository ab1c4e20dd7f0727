//! The kubelet and container runtime of each node: image pulls, containers, probes, restarts, termination and the pod and node status it reports.

use crate::cluster::Cluster;
use crate::store::WatchEvent;

/// What this component keeps between steps.
#[derive(Clone, Debug, Default)]
pub struct KubeletState {}

/// Work this component scheduled for a later moment.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum KubeletTask {}

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
pub(crate) fn run_task(cluster: &mut Cluster, task: KubeletTask) {
    let _ = cluster;
    match task {}
}
