//! Motion that teaches: which component just acted (pulses), pods flying
//! from the scheduler's queue to their node, and requests travelling
//! ingress → service → pod. Read from the engine's watch events, Events
//! and activity log; positions are measured in the page by the caller.

use std::rc::Rc;

use kubeplay_engine::Cluster;
use kubeplay_engine::network::Hop;
use kubeplay_engine::store::{ObjectKey, WatchEvent, WatchEventType};
use kubeplay_engine::value::Value;
use kubeplay_engine::vecmap::VecMap;

/// The control-plane components drawn on the control-plane node.
pub const COMPONENTS: [(&str, &str); 4] = [
    ("apiserver", "kube-apiserver"),
    ("etcd", "etcd"),
    ("scheduler", "kube-scheduler"),
    ("controller-manager", "kube-controller-manager"),
];
const APISERVER: usize = 0;
const ETCD: usize = 1;
const SCHEDULER: usize = 2;
const CONTROLLERS: usize = 3;

/// How long a flight and its landing take (wall ms).
pub const FLIGHT_MS: f64 = 900.0;
/// At most this many pods fly at once (main-thread animations); others just land.
const MAX_FLIGHTS: usize = 6;
const MAX_DOTS: usize = 48;

/// A component's latest action.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Pulse {
    /// How many times it acted (its parity restarts the CSS animation).
    pub count: u32,
    /// When (wall ms).
    pub at: f64,
    /// What it did.
    pub message: String,
}

/// A glow replays at most this often (wall ms): at high speed a component
/// acts every frame, and re-rendering it every frame buys nothing.
const PULSE_EVERY_MS: f64 = 250.0;

impl Pulse {
    /// Records an action; true when the glow restarts (the view must redraw).
    fn hit(&mut self, now: f64, message: String) -> bool {
        self.message = message;
        if self.count > 0 && now - self.at < PULSE_EVERY_MS {
            return false;
        }
        self.count += 1;
        self.at = now;
        true
    }

    /// The CSS class that replays the glow when it acted recently.
    pub fn class(&self, now: f64) -> &'static str {
        if self.count == 0 || now - self.at > 1500.0 {
            ""
        } else if self.count.is_multiple_of(2) {
            "pulse-a"
        } else {
            "pulse-b"
        }
    }
}

/// A pod travelling from the scheduler to the node it was bound to.
#[derive(Clone, Debug, PartialEq)]
pub struct Flight {
    /// Unique id (the element's key).
    pub id: u64,
    /// `namespace/name`.
    pub pod: Rc<str>,
    /// The node.
    pub node: Rc<str>,
    /// When it started (wall ms).
    pub born: f64,
    /// From (x, y) to (x, y), in the cluster view's content pixels.
    pub geometry: Option<[i32; 4]>,
}

/// A request travelling along its hops.
#[derive(Clone, Debug, PartialEq)]
pub struct Dot {
    /// Unique id.
    pub id: u64,
    /// HTTP status (0: connection failed).
    pub status: u16,
    /// When it started (wall ms).
    pub born: f64,
    /// How long it travels (wall ms).
    pub duration: u32,
    /// The way it took.
    pub hops: Vec<Hop>,
    /// An SVG path through the hops, once measured.
    pub path: Option<String>,
}

/// Everything animating now, and what has been seen of the cluster.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Fx {
    /// Bumped when anything visible changes.
    pub generation: u64,
    seen_seq: u64,
    seen_rv: u64,
    seen_activity: u64,
    /// The control-plane components' pulses, in [`COMPONENTS`] order.
    pub pulses: [Pulse; 4],
    /// Each node's kubelet pulse (a sorted vector: the page's clusters have
    /// a few nodes, and it links no B-tree code for this type).
    pub kubelets: VecMap<Rc<str>, Pulse>,
    /// Pods in flight.
    pub flights: Vec<Flight>,
    /// Requests in flight.
    pub dots: Vec<Dot>,
    next_id: u64,
    seen_request: u64,
}

/// The watch events after `seen`, each with the object as that change
/// left it (the next change's `old`, or the stored object for the last one).
pub fn changes_since(cluster: &Cluster, seen: u64) -> Vec<(u64, &WatchEvent, Option<&Value>)> {
    let events: Vec<(u64, &WatchEvent)> = cluster
        .recent_changes()
        .filter(|(seq, _)| *seq > seen)
        .collect();
    let mut after: kubeplay_engine::FxMap<&ObjectKey, Option<&Value>> = Default::default();
    let mut out = Vec::with_capacity(events.len());
    for (seq, ev) in events.into_iter().rev() {
        let new = match after.get(&ev.key) {
            Some(v) => *v,
            None => cluster.store().get(&ev.key),
        };
        after.insert(&ev.key, ev.old.as_ref());
        out.push((seq, ev, new));
    }
    out.reverse();
    out
}

fn node_of(pod: Option<&Value>) -> Option<&str> {
    pod?.str_at(&["spec", "nodeName"]).filter(|n| !n.is_empty())
}

impl Fx {
    /// Reads what happened since the last call. True when something new is
    /// shown (a glow restarts, a flight starts); messages alone wait for the
    /// next redraw.
    pub fn observe(&mut self, cluster: &Cluster, now: f64) -> bool {
        let mut lit = false;
        let store = cluster.store();
        let last_seq = self.seen_seq;
        for (seq, ev, current) in changes_since(cluster, last_seq) {
            self.seen_seq = seq;
            let rt = ev.key.resource.get();
            let verb = match ev.kind {
                WatchEventType::Added => "create",
                WatchEventType::Modified => "update",
                WatchEventType::Deleted => "delete",
            };
            let name = if ev.key.namespace.is_empty() {
                ev.key.name.to_string()
            } else {
                format!("{}/{}", ev.key.namespace, ev.key.name)
            };
            lit |= self.pulses[APISERVER].hit(now, format!("{verb} {} {name}", rt.plural));
            lit |= self.pulses[ETCD].hit(now, format!("resourceVersion {}", ev.resource_version));
            let old = ev.old.as_ref();
            let owned = current.or(old).is_some_and(|o| {
                o.at(&["metadata", "ownerReferences"])
                    .items()
                    .next()
                    .is_some()
            });
            match rt.kind {
                "Pod" => {
                    let bound = ev.kind == WatchEventType::Modified
                        && node_of(old).is_none()
                        && node_of(current).is_some();
                    // Only drawn pods fly (the view leaves kube-system out).
                    let drawn = !crate::model::is_system_namespace(&ev.key.namespace);
                    if let (true, true, Some(node)) = (bound, drawn, node_of(current)) {
                        lit |= self.pulses[SCHEDULER].hit(now, format!("bound {name} to {node}"));
                        if self.flights.len() < MAX_FLIGHTS {
                            lit = true;
                            self.next_id += 1;
                            self.flights.push(Flight {
                                id: self.next_id,
                                pod: Rc::from(name.as_str()),
                                node: Rc::from(node),
                                born: now,
                                geometry: None,
                            });
                        }
                    } else if let (Some(node), Some(o), Some(c)) = (node_of(current), old, current)
                        && o.get("status") != c.get("status")
                    {
                        let phase = c.str_at(&["status", "phase"]).unwrap_or("");
                        lit |= self
                            .kubelets
                            .get_or_insert_with(Rc::from(node), Pulse::default)
                            .hit(now, format!("{} {phase}", ev.key.name));
                    }
                    if ev.kind == WatchEventType::Added && owned {
                        lit |= self.pulses[CONTROLLERS].hit(now, format!("created pod {name}"));
                    }
                }
                "ReplicaSet"
                | "ReplicationController"
                | "Deployment"
                | "StatefulSet"
                | "Job"
                | "CronJob"
                | "Endpoints"
                | "EndpointSlice"
                | "HorizontalPodAutoscaler"
                | "PersistentVolumeClaim"
                | "PersistentVolume"
                    if owned || ev.kind == WatchEventType::Modified =>
                {
                    lit |=
                        self.pulses[CONTROLLERS].hit(now, format!("{verb} {} {name}", rt.singular));
                }
                _ => {}
            }
        }
        // Events name their reporting component.
        let rv = store.resource_version();
        if rv > self.seen_rv {
            let since = self.seen_rv;
            for r in cluster.events().records() {
                if r.resource_version <= since {
                    continue;
                }
                let message = format!("{}: {}", r.reason, r.message);
                lit |= match &*r.component {
                    "default-scheduler" => self.pulses[SCHEDULER].hit(now, message),
                    "kubelet" => r.host.as_ref().is_some_and(|host| {
                        self.kubelets
                            .get_or_insert_with(host.clone(), Pulse::default)
                            .hit(now, message)
                    }),
                    c if c.contains("controller") => self.pulses[CONTROLLERS].hit(now, message),
                    _ => false,
                };
            }
            self.seen_rv = rv;
        }
        for a in cluster.activity_since(self.seen_activity) {
            let c = a.component.as_str();
            let message = a.message.clone();
            lit |= if let Some(node) = c.strip_prefix("kubelet/") {
                self.kubelets
                    .get_or_insert_with(Rc::from(node), Pulse::default)
                    .hit(now, message)
            } else if let Some(i) = COMPONENTS.iter().position(|(_, full)| *full == c) {
                self.pulses[i].hit(now, message)
            } else if c.contains("controller") {
                self.pulses[CONTROLLERS].hit(now, message)
            } else {
                false
            };
        }
        self.seen_activity = cluster.activity_count();
        if lit {
            self.generation += 1;
        }
        lit
    }

    /// Starts animating the requests the network carried since the last
    /// call (the newest few, when many arrive in one frame).
    pub fn observe_requests(&mut self, cluster: &Cluster, now: f64) {
        let seen = self.seen_request;
        let fresh: Vec<_> = cluster.recent_requests().filter(|r| r.id > seen).collect();
        let Some(last) = fresh.last() else {
            return;
        };
        self.seen_request = last.id;
        let room = MAX_DOTS.saturating_sub(self.dots.len()).min(8);
        for r in fresh.iter().rev().take(room) {
            if r.hops.is_empty() {
                continue;
            }
            self.next_id += 1;
            self.dots.push(Dot {
                id: self.next_id,
                status: r.status,
                born: now,
                duration: 700 + r.latency_ms.min(250) as u32 * 4,
                hops: r.hops.clone(),
                path: None,
            });
            self.generation += 1;
        }
    }

    /// Drops finished animations. True when something was dropped.
    pub fn expire(&mut self, now: f64) -> bool {
        let before = self.flights.len() + self.dots.len();
        self.flights.retain(|f| now - f.born < FLIGHT_MS + 100.0);
        self.dots
            .retain(|d| now - d.born < f64::from(d.duration) + 100.0);
        let changed = before != self.flights.len() + self.dots.len();
        if changed {
            self.generation += 1;
        }
        changed
    }

    /// Whether a pod (`namespace/name`) is flying to its node right now.
    pub fn in_flight(&self, pod: &str) -> bool {
        self.flights.iter().any(|f| &*f.pod == pod)
    }

    /// Whether some animation still needs its positions measured.
    pub fn needs_placing(&self) -> bool {
        self.flights.iter().any(|f| f.geometry.is_none())
            || self.dots.iter().any(|d| d.path.is_none())
    }

    /// Measures new animations' positions with `centre(selector)`; drops
    /// those whose ends are not on screen.
    pub fn place(&mut self, centre: impl Fn(&str) -> Option<(i32, i32)>) {
        self.flights.retain_mut(|f| {
            if f.geometry.is_some() {
                return true;
            }
            // From the pod's place in the queue (still drawn: the view has
            // not re-rendered since the bind), else from the scheduler.
            let from = centre(&format!(".queue [data-obj=\"Pod/{}\"]", f.pod))
                .or_else(|| centre("[data-cp=\"scheduler\"]"));
            let to = centre(&format!("[data-node=\"{}\"] .node-pods", f.node))
                .or_else(|| centre(&format!("[data-node=\"{}\"]", f.node)));
            match (from, to) {
                (Some(a), Some(b)) => {
                    f.geometry = Some([a.0, a.1, b.0, b.1]);
                    true
                }
                _ => false,
            }
        });
        self.dots.retain_mut(|d| {
            if d.path.is_some() {
                return true;
            }
            let mut points = Vec::new();
            let mut service = String::new();
            for hop in &d.hops {
                let p = match hop {
                    Hop::Ingress { ingress, .. } => centre(&format!("[data-ing=\"{ingress}\"]")),
                    Hop::Service { service: s, .. } => {
                        service = s.clone();
                        centre(&format!("[data-svc=\"{s}\"]"))
                    }
                    Hop::Pod { pod, .. } => {
                        centre(&format!("[data-svc-row=\"{service}\"] [data-ep=\"{pod}\"]"))
                            .or_else(|| centre(&format!("[data-ep=\"{pod}\"]")))
                    }
                    // Where the request entered: the load balancer's address, a node.
                    Hop::LoadBalancer { ip, .. } => {
                        centre(&format!("[data-lb=\"{ip}\"]")).or_else(|| centre(".net-entry"))
                    }
                    Hop::Node { node, .. } => centre(&format!("[data-node=\"{node}\"] .node-head"))
                        .or_else(|| centre(&format!("[data-node=\"{node}\"]"))),
                };
                if let Some(p) = p {
                    points.push(p);
                }
            }
            if points.len() < 2 {
                return false;
            }
            let mut path = String::new();
            for (i, (x, y)) in points.iter().enumerate() {
                path.push_str(if i == 0 { "M" } else { " L" });
                path.push_str(&format!(" {x} {y}"));
            }
            d.path = Some(path);
            true
        });
        self.generation += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubeplay_engine::apiserver::WriteOptions;
    use kubeplay_engine::yaml;

    #[test]
    fn binding_a_pod_lights_the_scheduler_and_starts_a_flight() {
        let mut c = Cluster::new(1);
        let mut fx = Fx::default();
        assert!(
            fx.observe(&c, 1.0),
            "the boot's writes light the API server"
        );
        assert!(fx.pulses[APISERVER].count > 0);
        assert!(!fx.observe(&c, 2.0), "nothing new");
        let pod = yaml::load_str("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: nginx}]}\n")
            .unwrap()[0]
            .root
            .to_value();
        c.create(pod, &WriteOptions::user()).unwrap();
        // The scheduler binds it at this instant; the kubelet starts it.
        c.step(0);
        fx.observe(&c, 3.0);
        let node = c
            .store()
            .get_named(
                kubeplay_engine::api::registry::by_kind("Pod").unwrap(),
                "default",
                "p",
            )
            .and_then(|p| p.str_at(&["spec", "nodeName"]).map(str::to_string))
            .expect("bound");
        assert!(fx.pulses[SCHEDULER].count > 0);
        assert_eq!(fx.flights.len(), 1);
        assert_eq!(&*fx.flights[0].pod, "default/p");
        assert_eq!(*fx.flights[0].node, *node);
        assert!(fx.kubelets.contains_key(node.as_str()), "its kubelet acted");
        fx.place(|sel| (!sel.contains("nowhere")).then_some((1, 2)));
        assert_eq!(fx.flights[0].geometry, Some([1, 2, 1, 2]));
        assert!(fx.expire(4.0 + FLIGHT_MS + 200.0));
        assert!(fx.flights.is_empty());
    }

    #[test]
    fn requests_become_dots_along_their_hops() {
        let mut fx = Fx::default();
        let hops = vec![
            Hop::LoadBalancer {
                ip: "172.18.255.200".into(),
                port: 80,
            },
            Hop::Node {
                node: "node-1".into(),
                port: 80,
            },
            Hop::Ingress {
                ingress: "default/ing".into(),
                rule: "x/".into(),
            },
            Hop::Service {
                service: "default/svc".into(),
                port: 80,
            },
            Hop::Pod {
                pod: "default/p".into(),
                node: "node-1".into(),
            },
        ];
        fx.dots.push(Dot {
            id: 1,
            status: 200,
            born: 0.0,
            duration: 700,
            hops,
            path: None,
        });
        fx.place(|sel| match sel {
            "[data-lb=\"172.18.255.200\"]" => Some((0, 9)),
            "[data-node=\"node-1\"] .node-head" => Some((5, 5)),
            "[data-ing=\"default/ing\"]" => Some((0, 0)),
            "[data-svc=\"default/svc\"]" => Some((10, 0)),
            "[data-svc-row=\"default/svc\"] [data-ep=\"default/p\"]" => Some((20, 5)),
            _ => None,
        });
        assert_eq!(
            fx.dots[0].path.as_deref(),
            Some("M 0 9 L 5 5 L 0 0 L 10 0 L 20 5")
        );
    }
}
