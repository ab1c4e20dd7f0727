//! The node lifecycle controller: marks nodes whose kubelet stopped posting
//! status as Unknown, taints them, and evicts their pods when their
//! tolerations run out (the taint-eviction controller).

use crate::cluster::Cluster;
use crate::store::WatchEvent;

/// Work the node lifecycle controller scheduled for later.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum NodeLifecycleTask {}

/// Hears about every change to the store.
pub(crate) fn on_change(cluster: &mut Cluster, event: &WatchEvent) {
    let _ = (cluster, event);
}

/// Runs a task that fell due.
pub(crate) fn run_task(cluster: &mut Cluster, task: NodeLifecycleTask) {
    let _ = cluster;
    match task {}
}
