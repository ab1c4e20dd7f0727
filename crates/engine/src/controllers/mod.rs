//! kube-controller-manager's controllers: each reconciles one object at a
//! time from what the store holds, writing only through the API server.

pub mod gc;
pub mod namespace;
pub mod nodelifecycle;

use crate::cluster::{Cluster, Controller};
use crate::store::ObjectKey;

/// Runs one reconcile of a workload controller (ReplicaSet, Deployment,
/// Endpoints, EndpointSlice).
pub(crate) fn reconcile(cluster: &mut Cluster, controller: Controller, key: &ObjectKey) {
    let _ = (cluster, controller, key);
}

/// Hears about every change to the store, to wake the workload controllers
/// that care about it (beyond the owner references the cluster follows).
pub(crate) fn on_change(cluster: &mut Cluster, event: &crate::store::WatchEvent) {
    let _ = (cluster, event);
}
