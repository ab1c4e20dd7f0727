//! Motion that teaches: which component just acted (pulses), pods flying
//! from the scheduler's queue to their node, and requests travelling
//! ingress → service → pod. Read from the engine's watch events, Events
//! and activity log; positions are measured in the page by the caller.

use std::collections::BTreeMap;
use std::rc::Rc;

use kubeplay_engine::Cluster;
use kubeplay_engine::network::Hop;
use kubeplay_engine::store::WatchEventType;
use kubeplay_engine::value::Value;

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
    seen_activity: usize,
    /// The control-plane components' pulses, in [`COMPONENTS`] order.
    pub pulses: [Pulse; 4],
    /// Each node's kubelet pulse.
    pub kubelets: BTreeMap<Rc<str>, Pulse>,
    /// Pods in flight.
    pub flights: Vec<Flight>,
    /// Requests in flight.
    pub dots: Vec<Dot>,
    next_id: u64,
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
        for (seq, ev) in cluster.recent_changes() {
            if seq <= last_seq {
                continue;
            }
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
            let current = store.get(&ev.key);
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
                    if let (true, Some(node)) = (bound, node_of(current)) {
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
                            .entry(Rc::from(node))
                            .or_default()
                            .hit(now, format!("{} {phase}", ev.key.name));
                    }
                    if ev.kind == WatchEventType::Added && owned {
                        lit |= self.pulses[CONTROLLERS].hit(now, format!("created pod {name}"));
                    }
                }
                "ReplicaSet" | "Deployment" | "Endpoints" | "EndpointSlice"
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
                            .entry(host.clone())
                            .or_default()
                            .hit(now, message)
                    }),
                    c if c.contains("controller") => self.pulses[CONTROLLERS].hit(now, message),
                    _ => false,
                };
            }
            self.seen_rv = rv;
        }
        let activity = cluster.activity();
        for a in activity.iter().skip(self.seen_activity) {
            let c = a.component.as_str();
            let message = a.message.clone();
            lit |= if let Some(node) = c.strip_prefix("kubelet/") {
                self.kubelets
                    .entry(Rc::from(node))
                    .or_default()
                    .hit(now, message)
            } else if let Some(i) = COMPONENTS.iter().position(|(_, full)| *full == c) {
                self.pulses[i].hit(now, message)
            } else if c.contains("controller") {
                self.pulses[CONTROLLERS].hit(now, message)
            } else {
                false
            };
        }
        self.seen_activity = activity.len();
        if lit {
            self.generation += 1;
        }
        lit
    }

    /// Starts animating requests that came back.
    pub fn add_requests(&mut self, answered: Vec<(u16, u64, Vec<Hop>)>, now: f64) {
        for (status, latency, hops) in answered {
            if self.dots.len() >= MAX_DOTS || hops.is_empty() {
                continue;
            }
            self.next_id += 1;
            self.dots.push(Dot {
                id: self.next_id,
                status,
                born: now,
                duration: 600 + latency.min(250) as u32 * 4,
                hops,
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
                    // Entry points without a drawn shape of their own.
                    Hop::Node { .. } | Hop::LoadBalancer { .. } => None,
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
        let created = c.create(pod, &WriteOptions::user()).unwrap();
        c.step(0);
        fx.observe(&c, 3.0);
        assert_eq!(fx.pulses[APISERVER].message, "create pods default/p");
        assert!(fx.flights.is_empty());
        let mut bound = created.clone();
        bound.set_at(&["spec", "nodeName"], Value::str("node-2"));
        c.update(bound, &WriteOptions::system()).unwrap();
        c.step(0);
        fx.observe(&c, 4.0);
        assert_eq!(fx.pulses[SCHEDULER].message, "bound default/p to node-2");
        assert_eq!(fx.flights.len(), 1);
        assert_eq!(&*fx.flights[0].node, "node-2");
        fx.place(|sel| (!sel.contains("node-3")).then_some((1, 2)));
        assert_eq!(fx.flights[0].geometry, Some([1, 2, 1, 2]));
        assert!(fx.expire(4.0 + FLIGHT_MS + 200.0));
        assert!(fx.flights.is_empty());
    }

    #[test]
    fn requests_become_dots_along_their_hops() {
        let mut fx = Fx::default();
        let hops = vec![
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
        fx.add_requests(vec![(200, 3, hops), (0, 0, Vec::new())], 0.0);
        assert_eq!(fx.dots.len(), 1, "failed connections have no way to draw");
        fx.place(|sel| match sel {
            "[data-ing=\"default/ing\"]" => Some((0, 0)),
            "[data-svc=\"default/svc\"]" => Some((10, 0)),
            "[data-svc-row=\"default/svc\"] [data-ep=\"default/p\"]" => Some((20, 5)),
            _ => None,
        });
        assert_eq!(fx.dots[0].path.as_deref(), Some("M 0 0 L 10 0 L 20 5"));
    }
}
