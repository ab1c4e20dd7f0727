//! The simulated cluster: its nodes, its clock and its random generator.

use crate::quantity::Quantity;

/// Whether a node hosts the control plane or runs workloads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeRole {
    /// Runs the API server, etcd, scheduler and controller-manager.
    ControlPlane,
    /// Runs the pods the scheduler places.
    Worker,
}

/// What the UI and the CLI show of a node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeSummary {
    /// The node's name (`control-plane`, `node-1`, …).
    pub name: String,
    /// Control plane or worker.
    pub role: NodeRole,
    /// Allocatable CPU.
    pub cpu: Quantity,
    /// Allocatable memory.
    pub memory: Quantity,
    /// How many pods the kubelet accepts.
    pub pods: i64,
}

/// A simulated Kubernetes cluster.
#[derive(Clone, Debug)]
pub struct Cluster {
    seed: u64,
    now_ms: u64,
    nodes: Vec<NodeSummary>,
}

impl Cluster {
    /// The default cluster: a tainted control-plane node and three workers
    /// (`node-1` … `node-3`), each with 4 CPU, 8Gi memory and 110 pods.
    pub fn new(seed: u64) -> Cluster {
        let node = |name: &str, role| NodeSummary {
            name: name.to_string(),
            role,
            cpu: Quantity::from_units(4),
            memory: Quantity::from_bytes(8 << 30),
            pods: 110,
        };
        Cluster {
            seed,
            now_ms: 0,
            nodes: vec![
                node("control-plane", NodeRole::ControlPlane),
                node("node-1", NodeRole::Worker),
                node("node-2", NodeRole::Worker),
                node("node-3", NodeRole::Worker),
            ],
        }
    }

    /// The seed every random choice derives from.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Simulated milliseconds since the cluster started.
    pub fn now_ms(&self) -> u64 {
        self.now_ms
    }

    /// Advances simulated time by `dt_ms` milliseconds.
    pub fn step(&mut self, dt_ms: u64) {
        self.now_ms = self.now_ms.saturating_add(dt_ms);
    }

    /// The nodes, control plane first, then workers by name.
    pub fn nodes(&self) -> &[NodeSummary] {
        &self.nodes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_cluster_has_a_control_plane_and_three_workers() {
        let cluster = Cluster::new(1);
        let names: Vec<_> = cluster.nodes().iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["control-plane", "node-1", "node-2", "node-3"]);
        assert_eq!(cluster.nodes()[0].role, NodeRole::ControlPlane);
        for worker in &cluster.nodes()[1..] {
            assert_eq!(worker.role, NodeRole::Worker);
            assert_eq!(worker.cpu.to_string(), "4");
            assert_eq!(worker.memory.to_string(), "8Gi");
            assert_eq!(worker.pods, 110);
        }
    }

    #[test]
    fn step_advances_simulated_time() {
        let mut cluster = Cluster::new(7);
        cluster.step(1500);
        cluster.step(500);
        assert_eq!(cluster.now_ms(), 2000);
        assert_eq!(cluster.seed(), 7);
    }
}
