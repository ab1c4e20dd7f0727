//! `kubectl port-forward` running in the background of the user's shell:
//! its listeners on the user's machine, and the connections it carries
//! to a pod (through the API server and the kubelet into the pod's network
//! namespace, where containerd dials `localhost`; no Service and no
//! NetworkPolicy is on the way).

use crate::store::ObjectKey;

use super::url::CurlError;
use super::{Hop, NETWORK_LATENCY_MS, Response};
use crate::cluster::Cluster;

/// A background job of the user's shell, as the shell starts it: its
/// number and process id come before the command runs.
#[derive(Clone, Debug)]
pub struct ShellJob {
    /// The shell's job number (`%1`).
    pub number: u32,
    /// The process id (`[1] 12345`; kubectl's klog lines show it).
    pub pid: u32,
    /// The command as typed, for `jobs`.
    pub command: String,
}

/// One `kubectl port-forward … &`: a job of the user's shell.
#[derive(Clone, Debug)]
pub(crate) struct PortForward {
    pub job: ShellJob,
    /// The pod it forwards to, and that pod's UID: a pod of the same name
    /// made later is not the one kubectl connected to.
    pub pod: ObjectKey,
    pub uid: String,
    /// containerd's sandbox id and network namespace of the pod, as its
    /// errors name them.
    pub sandbox: String,
    pub netns: String,
    /// (listen address, local port, pod port).
    pub listeners: Vec<(String, u16, u16)>,
    /// How it ended: `Exit 1` (lost connection), `Terminated` (`kill`).
    pub ended: Option<String>,
    /// A `kubectl proxy` to the API server (its `--api-prefix`), rather
    /// than a forward to a pod.
    pub api: Option<String>,
}

impl PortForward {
    /// Whether `address:port` on the user's machine is this forward's
    /// (a wildcard listener takes every address of its family).
    fn listens(&self, address: &str, port: u16) -> Option<u16> {
        if self.ended.is_some() {
            return None;
        }
        self.listeners
            .iter()
            .find(|(a, local, _)| *local == port && (a == address || wildcard_of(a, address)))
            .map(|(_, _, remote)| *remote)
    }
}

/// Whether `address` is a loopback address: 127.0.0.0/8 or `::1`.
pub(crate) fn is_loopback(address: &str) -> bool {
    address == "::1" || crate::apiserver::parse_ipv4(address).is_some_and(|a| a >> 24 == 127)
}

/// Whether `host` (as a URL has it) is the machine itself.
pub(crate) fn is_local_host(host: &str) -> bool {
    host == "localhost" || host == "[::1]" || is_loopback(host)
}

/// The addresses curl tries for a local host: `localhost` is `::1` first
/// (curl's happy eyeballs start with IPv6), then 127.0.0.1.
fn local_addresses(host: &str) -> Vec<&str> {
    match host {
        "localhost" => vec!["::1", "127.0.0.1"],
        "[::1]" => vec!["::1"],
        other => vec![other],
    }
}

/// The forward listening where a connection to `host:port` on the user's
/// machine lands: (index of the forward, the address connected to, the
/// pod's port).
pub(crate) fn listener_for(
    cluster: &Cluster,
    host: &str,
    port: u16,
) -> Option<(usize, String, u16)> {
    local_addresses(host).into_iter().find_map(|address| {
        cluster
            .network
            .port_forwards
            .iter()
            .enumerate()
            .find_map(|(i, f)| {
                f.listens(address, port)
                    .map(|r| (i, address.to_string(), r))
            })
    })
}

/// Whether `wildcard` (`0.0.0.0`, or `::`, which Go opens IPv6-only)
/// takes `address` of its family.
fn wildcard_of(wildcard: &str, address: &str) -> bool {
    match wildcard {
        "0.0.0.0" => !address.contains(':'),
        "::" => address.contains(':'),
        _ => false,
    }
}

/// Whether a listener on `address:port` collides with one of `listeners`
/// (the same address, or a wildcard of the same family either way).
pub(crate) fn clashes(listeners: &[(String, u16, u16)], address: &str, port: u16) -> bool {
    listeners.iter().any(|(a, local, _)| {
        *local == port && (a == address || wildcard_of(a, address) || wildcard_of(address, a))
    })
}

/// Whether a new listener on `address:port` collides with a running one.
pub(crate) fn in_use(cluster: &Cluster, address: &str, port: u16) -> bool {
    cluster
        .network
        .port_forwards
        .iter()
        .any(|f| f.ended.is_none() && clashes(&f.listeners, address, port))
}

/// containerd's sandbox id of a pod (64 hex digits) and its network
/// namespace's path, drawn from the pod's UID: one per pod.
pub(crate) fn sandbox_of(uid: &str) -> (String, String) {
    use crate::kubelet::images::hex64;
    let n = hex64(&format!("netns/{uid}"));
    let netns = format!(
        "/var/run/netns/cni-{}-{}-{}-{}-{}",
        &n[..8],
        &n[8..12],
        &n[12..16],
        &n[16..20],
        &n[20..32]
    );
    (hex64(&format!("sandbox/{uid}")), netns)
}

/// Carries one connection through forward `index` to its pod's `remote`
/// port. kubectl prints `Handling connection for N`; when the pod's side
/// fails (nothing listens, the sandbox is gone) it logs containerd's error
/// and exits, and curl gets an empty reply.
pub(crate) fn connect(
    cluster: &mut Cluster,
    index: usize,
    remote: u16,
    local: u16,
    http: &crate::http::HttpRequest,
) -> Response {
    if let Some(prefix) = cluster.network.port_forwards[index].api.clone() {
        return api_proxy(cluster, &prefix, http);
    }
    let forward = cluster.network.port_forwards[index].clone();
    let mut job_output = format!("Handling connection for {local}\n");
    let pod = cluster
        .store
        .get(&forward.pod)
        .filter(|p| p.str_at(&["metadata", "uid"]) == Some(forward.uid.as_str()))
        .cloned();
    let node_up = |pod: &crate::value::Value| {
        let node = pod.str_at(&["spec", "nodeName"]).unwrap_or("");
        cluster.kubelet.nodes.get(node).is_some_and(|n| n.up)
    };
    let why = match &pod {
        // The kubelet's end of the stream is gone with its node: the
        // session dies without a message from the pod's side.
        Some(pod) if !node_up(pod) => None,
        None => Some(format!(
            "failed to find sandbox \"{}\" in store: not found",
            forward.sandbox
        )),
        Some(pod) => {
            let answer = crate::kubelet::serve_http(cluster, pod, i64::from(remote), http);
            match answer.failure {
                None => {
                    return Response {
                        status: answer.status,
                        body: answer.body,
                        latency_ms: NETWORK_LATENCY_MS + answer.latency_ms,
                        hops: vec![Hop::Pod {
                            pod: format!("{}/{}", forward.pod.namespace, forward.pod.name),
                            node: pod.str_at(&["spec", "nodeName"]).unwrap_or("").to_string(),
                        }],
                        headers: answer.headers,
                        job_output,
                        ..Default::default()
                    };
                }
                Some(crate::http::ConnectFailure::Unreachable) => None,
                // Something listens but does not speak HTTP: the
                // connection closes and the forward goes on.
                Some(crate::http::ConnectFailure::EmptyReply) => {
                    return Response {
                        status: 0,
                        body: CurlError::empty_reply().line(),
                        latency_ms: NETWORK_LATENCY_MS,
                        job_output,
                        ..Default::default()
                    };
                }
                Some(crate::http::ConnectFailure::Refused) => Some(format!(
                    "failed to execute portforward in network namespace \"{}\": failed to connect to localhost:{remote} inside namespace \"{}\", IPv4: dial tcp4 127.0.0.1:{remote}: connect: connection refused IPv6 dial tcp6 [::1]:{remote}: connect: connection refused ",
                    forward.netns, forward.sandbox
                )),
            }
        }
    };
    if let Some(why) = why {
        let err = format!(
            "error forwarding port {remote} to pod {}, uid : {why}",
            forward.sandbox
        );
        job_output.push_str(&crate::kubelet::to_stderr(&format!(
            "{}\n",
            crate::kubectl::klog_line(
                'E',
                cluster.now,
                forward.job.pid,
                "portforward.go:442",
                &format!(
                    "\"An error occurred forwarding\" err={} localPort={local} remotePort={remote}",
                    crate::kubectl::go_quote(&err)
                ),
            )
        )));
    }
    job_output.push_str(&crate::kubelet::to_stderr(
        "error: lost connection to pod\n",
    ));
    cluster.network.port_forwards[index].ended = Some("Exit 1".into());
    Response {
        status: 0,
        body: CurlError::empty_reply().line(),
        latency_ms: NETWORK_LATENCY_MS,
        job_output,
        ..Default::default()
    }
}

/// A request to `kubectl proxy`: its filter (local Host names only, no
/// exec or attach), then the API server's answer, passed on as it is.
fn api_proxy(cluster: &mut Cluster, prefix: &str, http: &crate::http::HttpRequest) -> Response {
    // Go's `http.Error` and `http.NotFound`.
    let now = cluster.now;
    let plain = |status: u16, body: &str| Response {
        status,
        body: body.to_string(),
        latency_ms: NETWORK_LATENCY_MS,
        headers: vec![
            ("Content-Type".into(), "text/plain; charset=utf-8".into()),
            ("X-Content-Type-Options".into(), "nosniff".into()),
            ("Date".into(), crate::http::http_date(now)),
            ("Content-Length".into(), body.len().to_string()),
        ],
        ..Default::default()
    };
    let host = match http.host.rsplit_once(':') {
        Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => http.host.as_str(),
    };
    let path = http.path.split('?').next().unwrap_or("");
    // The default `--reject-paths`: `^/api/.*/pods/.*/exec` and `…/attach`.
    let pod_stream = |what: &str| {
        path.strip_prefix("/api/")
            .and_then(|rest| rest.find("/pods/").map(|at| &rest[at + 6..]))
            .is_some_and(|tail| tail.contains(&format!("/{what}")))
    };
    if !matches!(host, "localhost" | "127.0.0.1" | "[::1]")
        || pod_stream("exec")
        || pod_stream("attach")
    {
        return plain(403, "Forbidden\n");
    }
    // `--api-prefix`: what follows it goes to the API server (a prefix
    // that starts with `/api` is passed on whole).
    let stripped = if prefix.starts_with("/api") {
        http.path.starts_with(prefix).then_some(http.path.as_str())
    } else {
        http.path.strip_prefix(prefix.trim_end_matches('/'))
    };
    let Some(rest) = stripped else {
        return plain(404, "404 page not found\n");
    };
    let target = if rest.starts_with('/') {
        rest.to_string()
    } else {
        format!("/{rest}")
    };
    if !matches!(http.method.as_str(), "GET" | "HEAD") {
        return plain(
            501,
            "Kubeplay's API server answers GET requests over HTTP; change objects with kubectl\n",
        );
    }
    let answer = crate::apiserver::raw::get(cluster, &target, &http.user_agent);
    Response {
        status: answer.status,
        body: answer.body,
        latency_ms: NETWORK_LATENCY_MS + answer.latency_ms,
        headers: answer.headers,
        ..Default::default()
    }
}
