//! Requests into the cluster, as the Traffic tab shows them. Requests go
//! through the engine's network: one at a time (`curl`) or from the engine's
//! traffic generator (`traffic start`), both recorded in the session. The
//! statistics are the engine's counters, counted from the last Clear.

use kubeplay_engine::sort::CompactSort;
use std::collections::BTreeMap;

use kubeplay_engine::Cluster;
use kubeplay_engine::network::{Hop, RequestRecord};

use crate::session::join_words;

/// The URL the Traffic tab starts with: the seed document's Ingress.
pub const DEFAULT_URL: &str = "http://kube.lambdaclass.com/snackerbis";
/// Lines of the request log.
const LOG_LINES: usize = 40;

/// The Traffic tab's settings and where Clear put the counters' zero.
#[derive(Clone, Debug, PartialEq)]
pub struct Traffic {
    /// Where requests go.
    pub url: String,
    /// A Host header to send instead of the URL's host (empty: none).
    pub host_header: String,
    /// Requests per simulated second for the generator.
    pub rate: u32,
    /// Requests with this id or lower are not counted (Clear).
    pub since: u64,
    base_status: BTreeMap<u64, u64>,
    base_pods: BTreeMap<std::rc::Rc<str>, u64>,
}

impl Default for Traffic {
    fn default() -> Self {
        Traffic {
            url: DEFAULT_URL.into(),
            host_header: String::new(),
            rate: 5,
            since: 0,
            base_status: BTreeMap::new(),
            base_pods: BTreeMap::new(),
        }
    }
}

/// What the Traffic tab shows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TrafficView {
    /// Requests counted.
    pub sent: u64,
    /// Responses per status (0: the connection failed).
    pub by_status: BTreeMap<u64, u64>,
    /// Requests answered per pod (`namespace/name`).
    pub per_pod: BTreeMap<std::rc::Rc<str>, u64>,
    /// Average, median and 95th percentile latency of the recent requests.
    pub latency: Option<(u64, u64, u64)>,
    /// The latest requests, newest last.
    pub log: Vec<RequestRecord>,
    /// The generator sending now: (rate, sent, p50, p95).
    pub generator: Option<(u32, u64, Option<u64>, Option<u64>)>,
}

/// The pod that answered a request.
pub fn answered_by(hops: &[Hop]) -> Option<&str> {
    hops.iter().rev().find_map(|h| match h {
        Hop::Pod { pod, .. } => Some(pod.as_str()),
        _ => None,
    })
}

fn minus<K: Ord + Clone>(now: &BTreeMap<K, u64>, base: &BTreeMap<K, u64>) -> BTreeMap<K, u64> {
    kubeplay_engine::sort::btree_map(
        now.iter()
            .map(|(k, n)| (k.clone(), n - base.get(k).copied().unwrap_or(0).min(*n)))
            .filter(|(_, n)| *n > 0),
    )
}

/// The id of the newest request (0 before any).
pub fn last_request_id(cluster: &Cluster) -> u64 {
    cluster.recent_requests().last().map_or(0, |r| r.id)
}

/// The generator that is sending, if any.
pub fn running_generator(cluster: &Cluster) -> Option<kubeplay_engine::network::TrafficId> {
    cluster
        .traffic_ids()
        .into_iter()
        .rev()
        .find(|id| cluster.traffic_stats(*id).is_some_and(|s| s.running))
}

impl Traffic {
    fn host_args(&self) -> Vec<String> {
        let host = self.host_header.trim();
        if host.is_empty() {
            Vec::new()
        } else {
            vec!["-H".into(), format!("Host: {host}")]
        }
    }

    /// The script line that sends one request.
    pub fn curl_line(&self) -> String {
        let mut w: Vec<String> = vec!["curl".into(), "-s".into(), "-o".into(), "/dev/null".into()];
        w.extend(self.host_args());
        w.push(self.url.trim().to_string());
        join_words(&w)
    }

    /// The script line that starts the generator.
    pub fn start_line(&self) -> String {
        let mut w: Vec<String> = vec![
            "traffic".into(),
            "start".into(),
            self.url.trim().to_string(),
            "--rate".into(),
            self.rate.to_string(),
        ];
        w.extend(self.host_args());
        join_words(&w)
    }

    /// Counts from now on.
    pub fn clear(&mut self, cluster: &Cluster) {
        self.since = last_request_id(cluster);
        self.base_status = cluster.status_counts().clone();
        self.base_pods = cluster.pod_hits().clone();
    }

    /// The statistics since the last Clear.
    pub fn view(&self, cluster: &Cluster) -> TrafficView {
        let by_status = minus(cluster.status_counts(), &self.base_status);
        let recent: Vec<&RequestRecord> = cluster
            .recent_requests()
            .filter(|r| r.id > self.since)
            .collect();
        let latency = (!recent.is_empty()).then(|| {
            let mut v: Vec<u64> = recent.iter().map(|r| r.latency_ms).collect();
            v.compact_sort();
            let avg = v.iter().sum::<u64>() / v.len() as u64;
            let at = |q: usize| v[(v.len() * q).div_ceil(100).clamp(1, v.len()) - 1];
            (avg, at(50), at(95))
        });
        let generator = running_generator(cluster)
            .and_then(|id| cluster.traffic_stats(id))
            .map(|s| (s.requests_per_second, s.sent, s.p50(), s.p95()));
        TrafficView {
            sent: by_status.values().sum(),
            by_status,
            per_pod: minus(cluster.pod_hits(), &self.base_pods),
            latency,
            log: recent
                .iter()
                .skip(recent.len().saturating_sub(LOG_LINES))
                .map(|r| (*r).clone())
                .collect(),
            generator,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_counts_since_clear() {
        let mut t = Traffic {
            host_header: "kube.lambdaclass.com".into(),
            url: "http://172.18.255.200/snackerbis".into(),
            rate: 20,
            ..Traffic::default()
        };
        assert_eq!(
            t.curl_line(),
            "curl -s -o /dev/null -H 'Host: kube.lambdaclass.com' http://172.18.255.200/snackerbis"
        );
        assert_eq!(
            t.start_line(),
            "traffic start http://172.18.255.200/snackerbis --rate 20 -H 'Host: kube.lambdaclass.com'"
        );
        let mut c = Cluster::new(1);
        let files = Vec::new();
        crate::state::run_command(&mut c, &t.curl_line(), &files);
        crate::state::run_command(&mut c, &t.start_line(), &files);
        c.step(1_000);
        let v = t.view(&c);
        assert_eq!(v.sent, 21);
        assert_eq!(v.by_status.get(&404), Some(&21), "{:?}", v.by_status);
        assert_eq!(v.generator.map(|g| (g.0, g.1)), Some((20, 20)));
        assert_eq!(v.log.len(), 21);
        t.clear(&c);
        crate::state::run_command(&mut c, "traffic stop", &files);
        c.step(1_000);
        let v = t.view(&c);
        assert_eq!((v.sent, v.log.len(), v.generator), (0, 0, None));
    }
}
