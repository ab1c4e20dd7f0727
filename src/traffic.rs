//! Requests into the cluster: one at a time or from a generator running at
//! a rate in simulated time, with live statistics. Every request goes
//! through the engine's network (`Cluster::send_request`).

use std::collections::{BTreeMap, VecDeque};

use kubeplay_engine::Cluster;
use kubeplay_engine::network::{Hop, Response};

/// The URL the Traffic tab starts with: the seed document's Ingress.
pub const DEFAULT_URL: &str = "http://kube.lambdaclass.com/snackerbis";
/// Most requests a generator sends in one frame (a slow frame at 64× must not stall).
const MAX_PER_FRAME: u32 = 40;
const LATENCY_WINDOW: usize = 500;
const LOG_LINES: usize = 40;

/// One answered request, for the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    /// Simulated time it was sent.
    pub at: u64,
    /// Status (0 when the connection failed).
    pub status: u16,
    /// Simulated latency.
    pub latency_ms: u64,
    /// The pod that answered (`namespace/name`).
    pub pod: Option<String>,
    /// The first line of the body.
    pub body: String,
}

/// The generator and what came back.
#[derive(Clone, Debug, PartialEq)]
pub struct Traffic {
    /// Where requests go.
    pub url: String,
    /// A Host header to send instead of the URL's host (empty: none).
    pub host_header: String,
    /// Requests per simulated second.
    pub rate: f64,
    /// Whether the generator runs.
    pub running: bool,
    carry: f64,
    /// Requests sent.
    pub sent: u64,
    /// Responses per status code.
    pub by_status: BTreeMap<u16, u64>,
    latencies: VecDeque<u64>,
    /// Requests answered per pod (`namespace/name`).
    pub per_pod: BTreeMap<String, u64>,
    /// The latest answers, newest last.
    pub log: VecDeque<LogLine>,
    /// Bumped on every change.
    pub generation: u64,
    /// Ways taken by requests not animated yet: (status, latency, hops).
    pub fresh: Vec<(u16, u64, Vec<Hop>)>,
}

impl Default for Traffic {
    fn default() -> Self {
        Traffic {
            url: DEFAULT_URL.into(),
            host_header: String::new(),
            rate: 5.0,
            running: false,
            carry: 0.0,
            sent: 0,
            by_status: BTreeMap::new(),
            latencies: VecDeque::new(),
            per_pod: BTreeMap::new(),
            log: VecDeque::new(),
            generation: 0,
            fresh: Vec::new(),
        }
    }
}

impl Traffic {
    /// Sends one request and records the answer.
    pub fn send(&mut self, cluster: &mut Cluster) -> Response {
        let host = Some(self.host_header.trim()).filter(|h| !h.is_empty());
        let response = crate::engine_bridge::send_request(cluster, &self.url, host);
        self.record(cluster.now_ms(), &response);
        response
    }

    fn record(&mut self, at: u64, r: &Response) {
        self.sent += 1;
        *self.by_status.entry(r.status).or_default() += 1;
        if self.latencies.len() == LATENCY_WINDOW {
            self.latencies.pop_front();
        }
        self.latencies.push_back(r.latency_ms);
        let pod = r.hops.iter().find_map(|h| match h {
            Hop::Pod { pod, .. } => Some(pod.clone()),
            _ => None,
        });
        if let Some(p) = &pod {
            *self.per_pod.entry(p.clone()).or_default() += 1;
        }
        if self.log.len() == LOG_LINES {
            self.log.pop_front();
        }
        self.log.push_back(LogLine {
            at,
            status: r.status,
            latency_ms: r.latency_ms,
            pod,
            body: r.body.lines().next().unwrap_or("").to_string(),
        });
        if self.fresh.len() < 64 {
            self.fresh.push((r.status, r.latency_ms, r.hops.clone()));
        }
        self.generation += 1;
    }

    /// Sends the requests that fall due in `dt_ms` of simulated time.
    pub fn tick(&mut self, cluster: &mut Cluster, dt_ms: u64) {
        if !self.running || self.rate <= 0.0 {
            return;
        }
        self.carry += self.rate * dt_ms as f64 / 1000.0;
        let due = self.carry.floor().min(f64::from(MAX_PER_FRAME)) as u32;
        self.carry = (self.carry - f64::from(due)).min(f64::from(MAX_PER_FRAME));
        for _ in 0..due {
            self.send(cluster);
        }
    }

    /// Starts or stops the generator.
    pub fn set_running(&mut self, running: bool) {
        self.running = running;
        self.carry = 0.0;
        self.generation += 1;
    }

    /// Average, median and 95th-percentile latency of the latest answers.
    pub fn latency(&self) -> Option<(u64, u64, u64)> {
        if self.latencies.is_empty() {
            return None;
        }
        let mut v: Vec<u64> = self.latencies.iter().copied().collect();
        v.sort_unstable();
        let avg = v.iter().sum::<u64>() / v.len() as u64;
        let at = |q: f64| v[((v.len() as f64 * q).ceil() as usize).clamp(1, v.len()) - 1];
        Some((avg, at(0.5), at(0.95)))
    }

    /// Forgets the statistics and stops (the generator's settings stay).
    pub fn reset(&mut self) {
        *self = Traffic {
            url: std::mem::take(&mut self.url),
            host_header: std::mem::take(&mut self.host_header),
            rate: self.rate,
            generation: self.generation + 1,
            ..Traffic::default()
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generator_sends_at_its_rate_in_simulated_time() {
        let mut c = Cluster::new(1);
        let mut t = Traffic {
            rate: 4.0,
            ..Traffic::default()
        };
        t.tick(&mut c, 1000);
        assert_eq!(t.sent, 0, "stopped");
        t.set_running(true);
        t.tick(&mut c, 500);
        t.tick(&mut c, 500);
        t.tick(&mut c, 250);
        assert_eq!(t.sent, 5);
        let failed = t.by_status.get(&0).copied().unwrap_or(0)
            + t.by_status
                .iter()
                .filter(|(s, _)| **s != 0)
                .map(|(_, n)| n)
                .sum::<u64>();
        assert_eq!(failed, 5);
        assert_eq!(t.log.len(), 5);
        assert!(t.latency().is_some());
        t.reset();
        assert_eq!((t.sent, t.running, t.rate), (0, false, 4.0));
    }
}
