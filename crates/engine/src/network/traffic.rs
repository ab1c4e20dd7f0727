//! Traffic generators: a steady stream of requests in simulated time, sent
//! in batches every [`TICK`] so that a high rate costs one timer per tick,
//! with counts, latency percentiles and the spread over pods.

use std::collections::BTreeMap;

use crate::cluster::Cluster;
use crate::time::{Millis, SECOND};

use super::{NetworkTask, Request};

/// How often a generator sends its due requests.
pub(crate) const TICK: Millis = 100;
/// The highest rate a generator accepts, in requests per second.
pub const MAX_REQUESTS_PER_SECOND: u32 = 10_000;

/// Identifies a traffic generator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TrafficId(pub u64);

/// What a traffic generator has seen so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrafficStats {
    /// The URL it requests.
    pub url: String,
    /// The Host header it sends, if overridden.
    pub host_header: Option<String>,
    /// Its rate.
    pub requests_per_second: u32,
    /// Whether it is still sending.
    pub running: bool,
    /// Requests sent.
    pub sent: u64,
    /// Responses per status code (0 = client-side failure).
    pub by_status: BTreeMap<u64, u64>,
    /// Responses per pod (`namespace/name`).
    pub by_pod: BTreeMap<std::rc::Rc<str>, u64>,
    /// How many requests took each latency (ms); kept as a histogram so
    /// percentiles are exact without storing every sample.
    pub(crate) latencies: BTreeMap<u64, u64>,
}

impl TrafficStats {
    /// The latency (ms) below or at which `p` percent of requests finished
    /// (nearest rank), or `None` before any request.
    pub fn percentile(&self, p: u32) -> Option<u64> {
        if self.sent == 0 {
            return None;
        }
        let p = u64::from(p.clamp(1, 100));
        let rank = (p * self.sent).div_ceil(100).max(1);
        let mut seen = 0;
        for (&latency, &count) in &self.latencies {
            seen += count;
            if seen >= rank {
                return Some(latency);
            }
        }
        self.latencies.keys().next_back().copied()
    }

    /// The median latency.
    pub fn p50(&self) -> Option<u64> {
        self.percentile(50)
    }

    /// The 95th-percentile latency.
    pub fn p95(&self) -> Option<u64> {
        self.percentile(95)
    }
}

/// A running (or stopped) generator.
#[derive(Clone, Debug)]
pub(crate) struct Generator {
    request: Request,
    started_at: Millis,
    stats: TrafficStats,
    /// The container whose script sends these requests (the pod's own
    /// load generator); the generator ends with that container. `None`
    /// for the user's generators.
    owner: Option<TrafficOwner>,
    /// A container's stream: the script's own time between an answer and
    /// the next request, and when that request goes.
    pace: Option<(Millis, Millis)>,
}

/// A container instance that sends a stream of requests.
#[derive(Clone, Debug)]
pub(crate) struct TrafficOwner {
    pub pod: crate::store::ObjectKey,
    pub container: std::rc::Rc<str>,
    /// The instance's container id: a restart is a new stream.
    pub instance: String,
}

impl Cluster {
    /// Starts sending `GET url` (with an optional Host header) at
    /// `requests_per_second` (1 to [`MAX_REQUESTS_PER_SECOND`]), evenly
    /// spread in simulated time from now on.
    pub fn start_traffic(
        &mut self,
        url: &str,
        host_header: Option<&str>,
        requests_per_second: u32,
    ) -> TrafficId {
        let rps = requests_per_second.clamp(1, MAX_REQUESTS_PER_SECOND);
        self.network.next_traffic_id += 1;
        let id = self.network.next_traffic_id;
        let mut request = Request::get(url);
        request.host_header = host_header.map(str::to_string);
        self.network.traffic.insert(
            id,
            Generator {
                request,
                started_at: self.now,
                stats: TrafficStats {
                    url: url.to_string(),
                    host_header: host_header.map(str::to_string),
                    requests_per_second: rps,
                    running: true,
                    ..TrafficStats::default()
                },
                owner: None,
                pace: None,
            },
        );
        self.schedule_network(TICK, NetworkTask::TrafficTick(id));
        TrafficId(id)
    }

    /// Starts the stream of requests a container's script sends; it stops
    /// by itself when that container instance stops running.
    pub(crate) fn start_container_traffic(
        &mut self,
        url: &str,
        (pause, first_at): (Millis, Millis),
        owner: TrafficOwner,
    ) {
        let now = self.now;
        let id = self.start_traffic(url, None, 1);
        if let Some(g) = self.network.traffic.get_mut(&id.0) {
            // The pod's own requests: its NetworkPolicies judge them.
            g.request.from = Some(owner.pod.clone());
            g.owner = Some(owner);
            g.pace = Some((pause, now + first_at));
        }
    }

    /// Stops a generator; its statistics stay readable. False when there is
    /// no such generator.
    pub fn stop_traffic(&mut self, id: TrafficId) -> bool {
        match self.network.traffic.get_mut(&id.0) {
            Some(g) => {
                g.stats.running = false;
                true
            }
            None => false,
        }
    }

    /// Forgets a generator and its statistics (stopping it).
    pub fn remove_traffic(&mut self, id: TrafficId) -> bool {
        self.network.traffic.remove(&id.0).is_some()
    }

    /// A generator's statistics.
    pub fn traffic_stats(&self, id: TrafficId) -> Option<&TrafficStats> {
        self.network.traffic.get(&id.0).map(|g| &g.stats)
    }

    /// The user's generators, oldest first (containers' own streams are
    /// not listed).
    pub fn traffic_ids(&self) -> Vec<TrafficId> {
        self.network
            .traffic
            .iter()
            .filter(|(_, g)| g.owner.is_none())
            .map(|(&id, _)| TrafficId(id))
            .collect()
    }
}

/// Sends the requests that fell due since the last tick and schedules the
/// next one.
pub(crate) fn tick(cluster: &mut Cluster, id: u64) {
    let Some(g) = cluster.network.traffic.get(&id) else {
        return;
    };
    if !g.stats.running {
        return;
    }
    if let Some(owner) = &g.owner
        && !crate::kubelet::instance_running(cluster, owner)
    {
        cluster.network.traffic.remove(&id);
        return;
    }
    let request = g.request.clone();
    let owner = g.owner.clone();
    if let Some((pause, mut next)) = g.pace {
        // One request at a time: the next when this one answered and the
        // script slept.
        while next <= cluster.now {
            let polled = owner
                .as_ref()
                .and_then(|o| crate::kubelet::stream_request(cluster, o, next, TrafficId(id)));
            let (response, due) = polled
                .unwrap_or_else(|| (cluster.deliver(&request, next, Some(TrafficId(id))), None));
            // When the script's run says, else after its pause; at least
            // 10 ms a round (starting the tool and connecting).
            next = match due {
                Some(at) => at.max(next + 10),
                None => next + (pause + response.latency_ms).max(10),
            };
            if !record(cluster, id, &response) {
                return;
            }
        }
        if let Some(g) = cluster.network.traffic.get_mut(&id) {
            g.pace = Some((pause, next));
        }
    } else {
        let rps = u64::from(g.stats.requests_per_second);
        let started = g.started_at;
        let elapsed = cluster.now.saturating_sub(started);
        let due = rps * elapsed / SECOND;
        for n in g.stats.sent..due {
            let at = started + n * SECOND / rps;
            let response = cluster.deliver(&request, at, Some(TrafficId(id)));
            if !record(cluster, id, &response) {
                return;
            }
        }
    }
    cluster.schedule_network(TICK, NetworkTask::TrafficTick(id));
}

/// Counts a response in its generator's statistics (false when the
/// generator is gone).
fn record(cluster: &mut Cluster, id: u64, response: &super::Response) -> bool {
    let Some(g) = cluster.network.traffic.get_mut(&id) else {
        return false;
    };
    let s = &mut g.stats;
    s.sent += 1;
    *s.by_status.entry(u64::from(response.status)).or_insert(0) += 1;
    if let Some(super::Hop::Pod { pod, .. }) = response.hops.last() {
        *s.by_pod.entry(pod.as_str().into()).or_insert(0) += 1;
    }
    *s.latencies.entry(response.latency_ms).or_insert(0) += 1;
    true
}
