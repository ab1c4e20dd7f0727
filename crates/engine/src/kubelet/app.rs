//! The simulated application inside a container: what it runs (from the
//! image and the container's command), when it exits, what it answers on
//! its ports, what it logs and how much CPU and memory it uses. Its
//! environment variables change its behaviour (docs/simulated-containers.md).

use crate::sort::CompactSort;
use crate::vecmap::VecMap;

use super::images::Flavor;
use super::shell::{self, Context, Dialect, Outcome, Stmt};
use crate::quantity::Quantity;
use crate::time::{MINUTE, Millis, SECOND};
use crate::value::Value;

/// Parses a duration as the app's environment writes it: `30s`, `1m30s`,
/// `500ms`, `2h`, or a bare number of seconds.
pub(crate) fn parse_duration(text: &str) -> Option<Millis> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    if let Some(secs) = crate::num::parse_f64(t) {
        return (secs >= 0.0).then_some((secs * 1000.0) as Millis);
    }
    let mut total = 0f64;
    let mut num = String::new();
    let mut chars = t.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() || c == '.' {
            num.push(c);
            continue;
        }
        let mut unit = c.to_string();
        if c == 'm' && chars.peek() == Some(&'s') {
            unit.push(chars.next().expect("peeked"));
        }
        let value = crate::num::parse_f64(&num)?;
        num.clear();
        total += value
            * match unit.as_str() {
                "ms" => 1.0,
                "s" => 1000.0,
                "m" => 60_000.0,
                "h" => 3_600_000.0,
                _ => return None,
            };
    }
    if !num.is_empty() {
        return None;
    }
    Some(total as Millis)
}

/// What the main process does over its life.
#[derive(Clone, Debug)]
pub(crate) enum Program {
    /// A server that runs until stopped.
    Server,
    /// Runs a shell script (or a plain command line such as `sleep 3600`).
    Script(Stmt),
    /// Prints `lines` and exits with `code` after `after`.
    Exits {
        after: Millis,
        code: i32,
        lines: Vec<String>,
        oom: bool,
    },
    /// Blocks forever without output (pause, `sleep infinity`).
    Forever,
}

/// How a container's process ends on its own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ExitPlan {
    /// Offset from the start, in ms.
    pub after: Millis,
    /// Exit code.
    pub code: i32,
    /// `Completed`, `Error` or `OOMKilled`.
    pub reason: &'static str,
}

/// The simulated application of one container instance.
#[derive(Clone, Debug)]
pub(crate) struct App {
    pub flavor: Flavor,
    pub program: Program,
    /// Environment and files are sorted vectors, not B-trees of strings:
    /// a few dozen entries each, and the browser bundle then links only
    /// the B-tree operations the YAML parser's tag map needs.
    pub env: VecMap<String, String>,
    /// Ports it listens on.
    pub ports: Vec<u16>,
    /// Ports speaking HTTP (the rest are raw TCP).
    pub http: bool,
    /// Its HTTP is HTTPS (the control plane's secure ports).
    pub tls: bool,
    pub dialect: Dialect,
    /// The container has a terminal (`tty: true`).
    pub tty: bool,
    /// `CRASH_AFTER` with `EXIT_CODE`.
    pub crash: Option<(Millis, i32)>,
    pub oom_after: Option<Millis>,
    pub ready_after: Option<Millis>,
    pub fail_after: Option<Millis>,
    pub http_status: u16,
    pub latency_ms: u64,
    pub cpu_milli: i64,
    /// CPU time one HTTP request costs, in milliseconds (`kubectl top` and
    /// the HPA see it as load).
    pub cpu_ms_per_request: i64,
    pub memory_bytes: i64,
    /// PID 1 without a SIGTERM handler: only SIGKILL at the end of the
    /// grace period stops it.
    pub ignores_sigterm: bool,
    /// How long it takes to exit after SIGTERM.
    pub shutdown: Millis,
    /// Exit code after SIGTERM.
    pub term_code: i32,
    /// The image's display name (`nginx:1.27`).
    pub image: String,
    /// Messages (`-text` of http-echo, version of hello-app…).
    pub text: String,
    /// The script run, computed once from the start.
    pub run: Option<shell::Run>,
    /// The files it starts with (kubelet-written and mounted).
    pub files: VecMap<String, String>,
    /// The network's answers to its script's tools, in call order, with
    /// each call's offset: what replays of the script (its logs) print.
    pub net_replies: Vec<(Millis, shell::NetReply)>,
    /// Its script waits on the network: it got a failure and loops, so the
    /// kubelet runs it again as the network changes ([`App::recheck`]).
    pub net_waiting: bool,
    /// Its mount points.
    pub dirs: Vec<String>,
    /// Its read-only mounts (ConfigMap, Secret, downward API and projected
    /// volumes, `readOnly: true`), each with a trailing `/`, or a file.
    pub read_only: Vec<String>,
    /// Its volumes mounted whole, for `ls -l`.
    pub volumes: Vec<shell::VolumeDir>,
    /// The kubelet's updates of its ConfigMap, Secret and downward API
    /// volumes since it started, by offset.
    pub external: Vec<(Millis, String, shell::FileOp)>,
    /// PID 1's command line (`ps`).
    pub cmdline: String,
    /// Who its processes run as.
    pub user: shell::User,
    /// Its working directory: `workingDir`, else the image's `WORKDIR`.
    pub workdir: String,
    /// The upstream an nginx passes every request to (hello-frontend's
    /// `upstream hello { server hello; }`), and the address it resolved
    /// the name to as it started (nginx keeps it).
    pub upstream: Option<(String, String)>,
    /// The URL its script keeps requesting, if it is a load generator or
    /// a poll ([`shell::NetworkUse::Stream`]).
    pub request_stream: Option<RequestStream>,
    /// PID 1 is a shell waiting on its standard input (`stdin: true`, no
    /// script): its program as given, for an attached session.
    pub interactive_shell: Option<String>,
    /// Its script's `$0` and positional parameters (`sh -c SCRIPT NAME
    /// ARG…`).
    pub positional: Vec<String>,
    /// How its `redis-server` was started (Redis images' server).
    pub redis: Option<Box<super::redis::Launch>>,
}

/// A script's loop requesting one URL again and again: its requests reach
/// the network as a stream of traffic, one at a time.
#[derive(Clone, Debug)]
pub(crate) struct RequestStream {
    /// The URL as written.
    pub url: String,
    /// The script's own time per request (its sleeps).
    pub pause: Millis,
    /// The tool's command line (every request's).
    pub argv: Vec<String>,
    /// How many of its requests the network has answered: their answers
    /// are kept (in `net_replies`), so the logs print each as it came
    /// (which endpoint of a Service answered, a failure).
    pub answered: usize,
    /// When the first request goes, after the script's start.
    pub first_at: Millis,
    /// The latest answer (past the kept ones, it stands for the rest).
    pub latest: Option<shell::NetReply>,
    /// Whether failed requests change how the script goes (`|| exit 1`):
    /// only then is it run again as answers fail.
    pub ends_on_failure: bool,
    /// Whether the script ends by itself (when every request succeeds).
    pub finite: bool,
}

/// The environment of a container: `env` values (valueFrom resolved where
/// the simulation can, from ConfigMaps, Secrets and the downward API).
pub(crate) fn container_env(
    container: &Value,
    pod: &Value,
    lookup: &dyn Fn(&str, &str, &str) -> Option<String>,
    node: &dyn Fn(&str, &str) -> Option<Value>,
    services: VecMap<String, String>,
) -> VecMap<String, String> {
    // The Services' variables come first: the container's own override
    // them, and `$(WEB_SERVICE_HOST)` in a value expands to them.
    let mut env = services;
    for from in container.get("envFrom").items() {
        let prefix = from.get("prefix").as_str().unwrap_or("");
        for (kind, key) in [("ConfigMap", "configMapRef"), ("Secret", "secretRef")] {
            if let Some(name) = from.at(&[key, "name"]).as_str()
                && let Some(text) = lookup(kind, name, "")
            {
                for line in text.lines() {
                    if let Some((k, v)) = line.split_once('=') {
                        env.insert(format!("{prefix}{k}"), v.to_string());
                    }
                }
            }
        }
    }
    for e in container.get("env").items() {
        let Some(name) = e.get("name").as_str() else {
            continue;
        };
        let value = if let Some(v) = e.get("value").as_str() {
            // $(VAR) references to earlier variables.
            Some(expand(v, &env))
        } else if let Some(path) = e.at(&["valueFrom", "fieldRef", "fieldPath"]).as_str() {
            field_ref(pod, path)
        } else if !e.at(&["valueFrom", "resourceFieldRef"]).is_null() {
            resource_field_ref(
                e.at(&["valueFrom", "resourceFieldRef"]),
                container,
                pod,
                node,
            )
        } else if let Some(cm) = e.at(&["valueFrom", "configMapKeyRef"]).as_object() {
            let n = cm.get("name").and_then(Value::as_str).unwrap_or("");
            let k = cm.get("key").and_then(Value::as_str).unwrap_or("");
            // An optional reference that is missing sets no variable
            // (`makeEnvironmentVariables` skips it); a required one keeps
            // the container from starting.
            match lookup("ConfigMap", n, k) {
                Some(v) => Some(v),
                None => continue,
            }
        } else if let Some(s) = e.at(&["valueFrom", "secretKeyRef"]).as_object() {
            let n = s.get("name").and_then(Value::as_str).unwrap_or("");
            let k = s.get("key").and_then(Value::as_str).unwrap_or("");
            match lookup("Secret", n, k) {
                Some(v) => Some(v),
                None => continue,
            }
        } else {
            None
        };
        env.insert(name.to_string(), value.unwrap_or_default());
    }
    // The image's PATH and the sandbox's hostname (spec.hostname when
    // set), unless the container sets them: not there to expand into.
    env.entry("PATH".to_string()).or_insert_with(|| {
        "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".to_string()
    });
    // A pod in the host's network has the node's hostname.
    let host_network = pod.at(&["spec", "hostNetwork"]).as_bool() == Some(true);
    let hostname = pod
        .str_at(&["spec", "nodeName"])
        .filter(|_| host_network)
        .or_else(|| pod.str_at(&["spec", "hostname"]))
        .or_else(|| pod.str_at(&["metadata", "name"]));
    env.entry("HOSTNAME".to_string())
        .or_insert_with(|| hostname.unwrap_or("").to_string());
    env
}

/// Go's `Time.String()` of `time.Now()` in UTC: the fraction without its
/// trailing zeros, then the monotonic reading (`m=+12.345000000`), here
/// the time since the process started.
fn go_time_string(now: Millis, since_start: Millis) -> String {
    let micro = crate::time::rfc3339_micro(now);
    let fraction = micro[20..23].trim_end_matches('0');
    let fraction = if fraction.is_empty() {
        String::new()
    } else {
        format!(".{fraction}")
    };
    format!(
        "{} {}{fraction} +0000 UTC m=+{}.{:03}000000",
        &micro[..10],
        &micro[11..19],
        since_start / 1000,
        since_start % 1000
    )
}

/// The nodes' DNS resolver (the node network's gateway), which a pod with
/// `dnsPolicy: Default` and the control plane's own processes use.
pub(crate) const NODE_RESOLVER: &str = "172.18.0.1";

/// What a metrics-server that verifies the kubelets' certificates is
/// marked with (its text then lists the nodes it scrapes, `name=ip`).
pub(crate) const METRICS_SERVER_X509: &str = "metrics-server x509";

impl App {
    /// metrics-server's failed scrapes (every 15 s, `--metric-resolution`,
    /// its loop starting as it serves, 318 ms in) of ticks `from..to`
    /// (counted from its start), one line per node, each with its offset.
    fn failed_scrapes(
        &self,
        started_at: Millis,
        ticks: std::ops::Range<Millis>,
    ) -> Vec<(Millis, String)> {
        let Some(nodes) = self.text.strip_prefix(METRICS_SERVER_X509) else {
            return Vec::new();
        };
        let mut lines = Vec::new();
        for tick in ticks {
            for (i, node) in nodes.split_whitespace().enumerate() {
                let (name, ip) = node.split_once('=').unwrap_or((node, ""));
                let at = tick * 15_000 + 318 + i as Millis;
                let t = crate::time::rfc3339_micro(started_at + at);
                lines.push((at, format!(
                    "E{}{} {}       1 scraper.go:149] \"Failed to scrape node\" err=\"Get \\\"https://{ip}:10250/metrics/resource\\\": tls: failed to verify certificate: x509: cannot validate certificate for {ip} because it doesn't contain any IP SANs\" node=\"{name}\"",
                    &t[5..7],
                    &t[8..10],
                    &t[11..26]
                )));
            }
        }
        lines
    }
}

/// metrics-server's start at klog's default verbosity (v0.8's lines, its
/// client-go's structured ones): a self-signed serving certificate in
/// `--cert-dir`, the API group, the authentication controllers and their
/// caches, then serving on `--secure-port`. With `--kubelet-insecure-tls`
/// its scrapes succeed, which it logs only at higher verbosity.
fn metrics_server_start(started_at: Millis) -> Vec<String> {
    const CA: &str = "client-ca::kube-system::extension-apiserver-authentication::";
    // klog's header: Lmmdd hh:mm:ss.uuuuuu, the thread ID in 7 columns.
    let at = |ms: Millis, line: &str| {
        let t = crate::time::rfc3339_micro(started_at + ms);
        format!("I{}{} {}       1 {line}", &t[5..7], &t[8..10], &t[11..26])
    };
    vec![
        at(
            0,
            "serving.go:380] Generated self-signed cert (/tmp/apiserver.crt, /tmp/apiserver.key)",
        ),
        at(
            208,
            "handler.go:288] Adding GroupVersion metrics.k8s.io v1beta1 to ResourceManager",
        ),
        at(
            313,
            "requestheader_controller.go:180] Starting RequestHeaderAuthRequestController",
        ),
        at(
            313,
            &format!(
                "configmap_cafile_content.go:205] \"Starting controller\" name=\"{CA}requestheader-client-ca-file\""
            ),
        ),
        at(
            313,
            &format!(
                "configmap_cafile_content.go:205] \"Starting controller\" name=\"{CA}client-ca-file\""
            ),
        ),
        at(
            313,
            "shared_informer.go:350] \"Waiting for caches to sync\" controller=\"RequestHeaderAuthRequestController\"",
        ),
        at(
            313,
            &format!(
                "shared_informer.go:350] \"Waiting for caches to sync\" controller=\"{CA}requestheader-client-ca-file\""
            ),
        ),
        at(
            313,
            &format!(
                "shared_informer.go:350] \"Waiting for caches to sync\" controller=\"{CA}client-ca-file\""
            ),
        ),
        at(
            313,
            "dynamic_serving_content.go:135] \"Starting controller\" name=\"serving-cert::/tmp/apiserver.crt::/tmp/apiserver.key\"",
        ),
        at(314, "secure_serving.go:211] Serving securely on [::]:10250"),
        at(
            314,
            "tlsconfig.go:243] \"Starting DynamicServingCertificateController\"",
        ),
        at(
            414,
            &format!(
                "shared_informer.go:357] \"Caches are synced\" controller=\"{CA}requestheader-client-ca-file\""
            ),
        ),
        at(
            414,
            &format!(
                "shared_informer.go:357] \"Caches are synced\" controller=\"{CA}client-ca-file\""
            ),
        ),
        at(
            414,
            "shared_informer.go:357] \"Caches are synced\" controller=\"RequestHeaderAuthRequestController\"",
        ),
    ]
}

/// The bootcamp image's own variables (node:6.3.1's `ENV`s), in order:
/// containerd puts them after HOSTNAME, before the kubelet's.
pub(crate) const BOOTCAMP_ENV: [(&str, &str); 2] =
    [("NPM_CONFIG_LOGLEVEL", "info"), ("NODE_VERSION", "6.3.1")];

/// The bootcamp app's source, `/server.js`.
pub(crate) const BOOTCAMP_SERVER_JS: &str = "var http = require('http');
var requests=0;
var podname= process.env.HOSTNAME;
var startTime;
var host;
var handleRequest = function(request, response) {
  response.setHeader('Content-Type', 'text/plain');
  response.writeHead(200);
  response.write(\"Hello Kubernetes bootcamp! | Running on: \");
  response.write(host);
  response.end(\" | v=1\\n\");
  console.log(\"Running On:\" ,host, \"| Total Requests:\", ++requests,\"| App Uptime:\", (new Date() - startTime)/1000 , \"seconds\", \"| Log Time:\",new Date());
}
var www = http.createServer(handleRequest);
www.listen(8080,function () {
    startTime = new Date();;
    host = process.env.HOSTNAME;
    console.log (\"Kubernetes Bootcamp App Started At:\",startTime, \"| Running On: \" ,host, \"\\n\" );
});
";

/// A time as JavaScript's `Date` prints in node's console
/// (`2026-01-01T00:01:04.123Z`).
fn js_date(ms: Millis) -> String {
    format!("{}Z", &crate::time::rfc3339_micro(ms)[..23])
}

/// The variables the image and the runtime add (`$(PATH)` stays as it is).
const RUNTIME_VARS: [&str; 3] = ["PATH", "HOSTNAME", "HOME"];

/// The most distinct commands a script's run asks the network when it runs
/// ahead (a loop over URLs), and the most repeated requests it sends at its
/// start (a short loop calling a Service).
const MAX_LIVE_CALLS: usize = 50;

/// The most network answers a container's script keeps for its logs;
/// past them, the last one stands.
const MAX_KEPT_REPLIES: usize = 5_000;

/// The kubelet's `managedHostsFileContent`: the pod's /etc/hosts (its
/// resolver reads it before any DNS query).
pub(crate) fn managed_hosts_file(pod: &Value, pod_ip: &str) -> String {
    let ns = pod.str_at(&["metadata", "namespace"]).unwrap_or("default");
    let name = pod.str_at(&["metadata", "name"]).unwrap_or("");
    let hostname = pod.str_at(&["spec", "hostname"]).unwrap_or(name);
    let mut hosts = String::from(
        "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n",
    );
    if !pod_ip.is_empty() {
        match pod.str_at(&["spec", "subdomain"]) {
            Some(sub) if !sub.is_empty() => hosts.push_str(&format!(
                "{pod_ip}\t{hostname}.{sub}.{ns}.svc.cluster.local\t{hostname}\n"
            )),
            _ => hosts.push_str(&format!("{pod_ip}\t{hostname}\n")),
        }
    }
    let aliases: Vec<&Value> = pod.at(&["spec", "hostAliases"]).items().collect();
    if !aliases.is_empty() {
        hosts.push_str("\n# Entries added by HostAliases.\n");
        // One line per hostname (hostsEntriesFromHostAliases).
        for a in aliases {
            let ip = a.get("ip").as_str().unwrap_or("");
            for name in a.get("hostnames").items().filter_map(Value::as_str) {
                hosts.push_str(&format!("{ip}\t{name}\n"));
            }
        }
    }
    hosts
}

/// The files a container sees when it starts: `/etc/hosts`,
/// `/etc/resolv.conf` and `/etc/hostname` as the kubelet writes them, the
/// service account's files, and its ConfigMap, Secret, downward API and
/// projected volumes (the other mounts are empty directories). `object`
/// looks up an object of a kind by name in the pod's namespace (a Node by
/// name).
pub(crate) fn container_files(
    container: &Value,
    pod: &Value,
    pod_ip: &str,
    object: &dyn Fn(&str, &str) -> Option<Value>,
    shared: &VecMap<String, VecMap<String, String>>,
) -> ContainerFiles {
    let mut files = VecMap::new();
    let mut dirs = Vec::new();
    let mut dirs_ro = Vec::new();
    let ns = pod.str_at(&["metadata", "namespace"]).unwrap_or("default");
    let name = pod.str_at(&["metadata", "name"]).unwrap_or("");
    let hostname = pod.str_at(&["spec", "hostname"]).unwrap_or(name);
    files.insert("/etc/hostname".to_string(), format!("{hostname}\n"));
    if container
        .get("image")
        .as_str()
        .is_some_and(|i| i.contains("busybox"))
    {
        files.insert("/etc/passwd".to_string(), BUSYBOX_PASSWD.to_string());
    }
    if container
        .get("image")
        .as_str()
        .is_some_and(super::redis::legacy_image)
    {
        files.insert(
            "/etc/redis/redis.conf".to_string(),
            super::redis::LEGACY_CONF.to_string(),
        );
    }
    files.insert("/etc/hosts".to_string(), managed_hosts_file(pod, pod_ip));
    files.insert("/etc/resolv.conf".to_string(), resolv_conf(pod, ns));
    // The service account's projected token volume (kube-api-access-…).
    if pod.at(&["spec", "automountServiceAccountToken"]).as_bool() != Some(false) {
        let dir = "/var/run/secrets/kubernetes.io/serviceaccount";
        files.insert(format!("{dir}/namespace"), ns.to_string());
        files.insert(format!("{dir}/token"), service_account_token(pod));
        files.insert(
            format!("{dir}/ca.crt"),
            format!(
                "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
                crate::api::schema::golang::base64_encode(
                    b"Kubeplay simulates the cluster: this is not a real CA certificate"
                )
            ),
        );
    }
    let fs_group = pod.at(&["spec", "securityContext", "fsGroup"]).as_i64();
    let mut volumes_seen: Vec<shell::VolumeDir> = Vec::new();
    if pod.at(&["spec", "automountServiceAccountToken"]).as_bool() != Some(false) {
        volumes_seen.push(shell::VolumeDir {
            path: "/var/run/secrets/kubernetes.io/serviceaccount".to_string(),
            kind: shell::VolumeKind::Atomic {
                tmpfs: true,
                modes: Vec::new(),
                default_mode: 0o644,
            },
            fs_group,
        });
    }
    let volumes: Vec<&Value> = pod.at(&["spec", "volumes"]).items().collect();
    for mount in container.get("volumeMounts").items() {
        let (Some(vname), Some(path)) =
            (mount.get("name").as_str(), mount.get("mountPath").as_str())
        else {
            continue;
        };
        let path = path.trim_end_matches('/');
        let Some(volume) = volumes
            .iter()
            .find(|v| v.get("name").as_str() == Some(vname))
        else {
            continue;
        };
        // The kubelet mounts these read-only whatever the mount says.
        let read_only = mount.get("readOnly").as_bool() == Some(true)
            || ["configMap", "secret", "downwardAPI", "projected"]
                .iter()
                .any(|k| !volume.get(k).is_null());
        if read_only {
            let whole = mount.get("subPath").as_str().is_none_or(str::is_empty);
            dirs_ro.push(if whole {
                format!("{path}/")
            } else {
                path.to_string()
            });
        }
        let mut content = volume_files(volume, container, pod, object);
        if let Some(written) = shared.get(vname) {
            content.extend(written.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        match mount.get("subPath").as_str().filter(|p| !p.is_empty()) {
            Some(sub) => {
                let sub = sub.trim_end_matches('/');
                if let Some(text) = content.get(sub) {
                    files.insert(path.to_string(), text.clone());
                } else {
                    let prefix = format!("{sub}/");
                    for (rel, text) in &content {
                        if let Some(rest) = rel.strip_prefix(&prefix) {
                            files.insert(format!("{path}/{rest}"), text.clone());
                        }
                    }
                    dirs.push(path.to_string());
                }
            }
            None => {
                for (rel, text) in content {
                    files.insert(format!("{path}/{rel}"), text);
                }
                dirs.push(path.to_string());
                volumes_seen.push(volume_dir(volume, path, fs_group));
            }
        }
    }
    let volumes = volumes_seen;
    ContainerFiles {
        files,
        dirs,
        read_only: dirs_ro,
        volumes,
    }
}

/// How `ls -l` sees a volume: its kind and the modes its files get.
fn volume_dir(volume: &Value, path: &str, fs_group: Option<i64>) -> shell::VolumeDir {
    let atomic = |source: &Value, tmpfs: bool| {
        // 0644 by default; an item's mode wins.
        let default_mode = source
            .get("defaultMode")
            .as_i64()
            .map_or(0o644, |m| m as u32);
        let modes = source
            .get("items")
            .items()
            .filter_map(|i| {
                Some((
                    i.get("path").as_str()?.to_string(),
                    i.get("mode").as_i64()? as u32,
                ))
            })
            .collect();
        shell::VolumeKind::Atomic {
            tmpfs,
            modes,
            default_mode,
        }
    };
    let kind = if !volume.get("configMap").is_null() {
        atomic(volume.get("configMap"), false)
    } else if !volume.get("secret").is_null() {
        atomic(volume.get("secret"), true)
    } else if !volume.get("downwardAPI").is_null() {
        atomic(volume.get("downwardAPI"), true)
    } else if !volume.get("projected").is_null() {
        atomic(volume.get("projected"), true)
    } else if !volume.get("emptyDir").is_null() {
        shell::VolumeKind::EmptyDir {
            tmpfs: volume.at(&["emptyDir", "medium"]).as_str() == Some("Memory"),
        }
    } else {
        shell::VolumeKind::Other
    };
    shell::VolumeDir {
        path: path.to_string(),
        kind,
        fs_group,
    }
}

/// What a container's filesystem starts with.
pub(crate) struct ContainerFiles {
    /// Files by path.
    pub files: VecMap<String, String>,
    /// Mount points (directories that exist even when empty).
    pub dirs: Vec<String>,
    /// Read-only mounts: a directory (with a trailing `/`) or a file.
    pub read_only: Vec<String>,
    /// The volumes mounted whole.
    pub volumes: Vec<shell::VolumeDir>,
}

/// The pod's resolv.conf as the kubelet builds it (`dnsPolicy`, then
/// `dnsConfig` merged in) and containerd writes it: search, nameservers,
/// options.
fn resolv_conf(pod: &Value, ns: &str) -> String {
    let spec = pod.get("spec");
    let policy = spec.get("dnsPolicy").as_str().unwrap_or("ClusterFirst");
    let host_network = spec.get("hostNetwork").as_bool() == Some(true);
    let cluster_first =
        policy == "ClusterFirstWithHostNet" || policy == "ClusterFirst" && !host_network;
    let (mut servers, mut searches, mut options): (Vec<String>, Vec<String>, Vec<String>) =
        if cluster_first {
            (
                vec![crate::kubeadm::DNS_SERVICE_IP.to_string()],
                crate::network::search_domains(ns).to_vec(),
                vec!["ndots:5".into()],
            )
        } else if policy == "None" {
            (Vec::new(), Vec::new(), Vec::new())
        } else {
            // Default: the node's own resolver (the node network's gateway).
            (vec![NODE_RESOLVER.into()], Vec::new(), Vec::new())
        };
    let config = spec.get("dnsConfig");
    for s in config.get("nameservers").items().filter_map(Value::as_str) {
        if !servers.iter().any(|x| x == s) {
            servers.push(s.to_string());
        }
    }
    for s in config.get("searches").items().filter_map(Value::as_str) {
        if !searches.iter().any(|x| x == s) {
            searches.push(s.to_string());
        }
    }
    for o in config.get("options").items() {
        let Some(name) = o.get("name").as_str() else {
            continue;
        };
        let text = match o.get("value").as_str() {
            Some(v) => format!("{name}:{v}"),
            None => name.to_string(),
        };
        // An option given again replaces the default one of that name.
        match options
            .iter_mut()
            .find(|x| x.split(':').next() == Some(name))
        {
            Some(existing) => *existing = text,
            None => options.push(text),
        }
    }
    let mut out = String::new();
    if !searches.is_empty() {
        out.push_str(&format!("search {}\n", searches.join(" ")));
    }
    for s in servers {
        out.push_str(&format!("nameserver {s}\n"));
    }
    if !options.is_empty() {
        out.push_str(&format!("options {}\n", options.join(" ")));
    }
    out
}

/// `kubernetes.io/config.seen`: when the kubelet first saw the pod, in
/// RFC 3339 with nanoseconds (its creation second, the fraction taken from
/// its uid so that it stays the same).
fn config_seen(pod: &Value) -> Value {
    let created = pod
        .str_at(&["metadata", "creationTimestamp"])
        .unwrap_or("1970-01-01T00:00:00Z");
    let uid = pod.str_at(&["metadata", "uid"]).unwrap_or("");
    let nanos = uid
        .bytes()
        .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)))
        % 1_000_000_000;
    let fraction = format!("{nanos:09}");
    let fraction = fraction.trim_end_matches('0');
    let base = created.trim_end_matches('Z');
    Value::from(if fraction.is_empty() {
        format!("{base}Z")
    } else {
        format!("{base}.{fraction}Z")
    })
}

/// The mount points of a container whose contents the kubelet keeps up to
/// date while it runs: ConfigMap, Secret, projected and downward API
/// volumes mounted whole (a `subPath` mount never changes). A volume whose
/// ConfigMap or Secret is gone, or lacks a key its items name, and is not
/// optional, keeps what it had (the kubelet's update fails).
pub(crate) fn updated_mounts(
    container: &Value,
    pod: &Value,
    object: &dyn Fn(&str, &str) -> Option<Value>,
) -> Vec<String> {
    let volumes: Vec<&Value> = pod.at(&["spec", "volumes"]).items().collect();
    let kept = |volume: &Value| {
        let sources: Vec<&Value> = if volume.get("projected").is_null() {
            vec![volume]
        } else {
            volume.at(&["projected", "sources"]).items().collect()
        };
        sources.into_iter().all(|src| {
            [("configMap", "ConfigMap"), ("secret", "Secret")]
                .into_iter()
                .all(|(field, kind)| {
                    let v = src.get(field);
                    let name = v.get("name").as_str().or(v.get("secretName").as_str());
                    // A key an item names must still be there (`MakePayload`).
                    let complete = |obj: Value| {
                        v.get("items").items().all(|item| {
                            let key = item.get("key").as_str().unwrap_or("");
                            !obj.at(&["data", key]).is_null()
                                || !obj.at(&["binaryData", key]).is_null()
                        })
                    };
                    v.is_null()
                        || v.get("optional").as_bool() == Some(true)
                        || name.and_then(|n| object(kind, n)).is_some_and(complete)
                })
        })
    };
    container
        .get("volumeMounts")
        .items()
        .filter(|m| m.get("subPath").as_str().is_none_or(str::is_empty))
        .filter_map(|m| {
            let name = m.get("name").as_str()?;
            let volume = volumes
                .iter()
                .find(|v| v.get("name").as_str() == Some(name))?;
            let updated = ["configMap", "secret", "projected", "downwardAPI"]
                .iter()
                .any(|f| !volume.get(f).is_null());
            (updated && kept(volume))
                .then(|| {
                    m.get("mountPath")
                        .as_str()
                        .map(|p| p.trim_end_matches('/').to_string())
                })
                .flatten()
        })
        .collect()
}

/// The files of one volume, by path inside it.
fn volume_files(
    volume: &Value,
    container: &Value,
    pod: &Value,
    object: &dyn Fn(&str, &str) -> Option<Value>,
) -> VecMap<String, String> {
    let mut out = VecMap::new();
    let sources: Vec<&Value> = if volume.get("projected").is_null() {
        vec![volume]
    } else {
        volume.at(&["projected", "sources"]).items().collect()
    };
    for src in sources {
        for (field, kind, name_key) in [
            ("configMap", "ConfigMap", "name"),
            (
                "secret",
                "Secret",
                if volume.get("projected").is_null() {
                    "secretName"
                } else {
                    "name"
                },
            ),
        ] {
            let v = src.get(field);
            if v.is_null() {
                continue;
            }
            let Some(obj) = v.get(name_key).as_str().and_then(|n| object(kind, n)) else {
                continue;
            };
            let value_of = |key: &str| -> Option<String> {
                if let Some(text) = obj.at(&["data", key]).as_str() {
                    return Some(if kind == "Secret" {
                        super::images::decode_base64(text)
                            .map(|b| String::from_utf8_lossy(&b).into_owned())
                            .unwrap_or_default()
                    } else {
                        text.to_string()
                    });
                }
                obj.at(&["binaryData", key]).as_str().map(|b| {
                    super::images::decode_base64(b)
                        .map(|b| String::from_utf8_lossy(&b).into_owned())
                        .unwrap_or_default()
                })
            };
            let items: Vec<&Value> = v.get("items").items().collect();
            if items.is_empty() {
                let keys = obj
                    .get("data")
                    .members()
                    .chain(obj.get("binaryData").members())
                    .map(|(k, _)| k.to_string())
                    .collect::<Vec<_>>();
                for k in keys {
                    if let Some(text) = value_of(&k) {
                        out.insert(k, text);
                    }
                }
            } else {
                for item in items {
                    if let (Some(k), Some(p)) =
                        (item.get("key").as_str(), item.get("path").as_str())
                        && let Some(text) = value_of(k)
                    {
                        out.insert(p.to_string(), text);
                    }
                }
            }
        }
        for item in src.at(&["downwardAPI", "items"]).items() {
            let Some(p) = item.get("path").as_str() else {
                continue;
            };
            let text = if let Some(field) = item.at(&["fieldRef", "fieldPath"]).as_str() {
                match field {
                    "metadata.labels" | "metadata.annotations" => {
                        // The kubelet's FormatMap: sorted `key="value"` lines.
                        let map = pod.at(&["metadata", &field["metadata.".len()..]]);
                        let mut pairs: Vec<(&str, &Value)> = map.members().collect();
                        // The kubelet's own annotations of the pod it runs.
                        let (seen, source) = (config_seen(pod), Value::str("api"));
                        if field == "metadata.annotations" {
                            pairs.push(("kubernetes.io/config.seen", &seen));
                            pairs.push(("kubernetes.io/config.source", &source));
                        }
                        pairs.compact_sort_by(|a, b| a.0.cmp(b.0));
                        let lines: Vec<String> = pairs
                            .into_iter()
                            .map(|(k, v)| {
                                format!(
                                    "{k}={}",
                                    crate::api::schema::golang::quote(v.as_str().unwrap_or(""))
                                )
                            })
                            .collect();
                        lines.join("\n")
                    }
                    other => field_ref(pod, other).unwrap_or_default(),
                }
            } else if !item.get("resourceFieldRef").is_null() {
                resource_field_ref(item.get("resourceFieldRef"), container, pod, object)
                    .unwrap_or_default()
            } else {
                continue;
            };
            out.insert(p.to_string(), text);
        }
        if let Some(p) = src.at(&["serviceAccountToken", "path"]).as_str() {
            out.insert(p.to_string(), service_account_token(pod));
        }
    }
    out
}

/// A service account token's text: a JWT with the claims the API server
/// puts in one (the signature is not a real one).
pub(crate) fn service_account_token(pod: &Value) -> String {
    let ns = pod.str_at(&["metadata", "namespace"]).unwrap_or("default");
    let sa = pod
        .str_at(&["spec", "serviceAccountName"])
        .unwrap_or("default");
    // JWT segments are unpadded base64url.
    let b64 = |s: &str| {
        crate::api::schema::golang::base64_encode(s.as_bytes())
            .trim_end_matches('=')
            .replace('+', "-")
            .replace('/', "_")
    };
    let claims = format!(
        "{{\"aud\":[\"https://kubernetes.default.svc.cluster.local\"],\"iss\":\"https://kubernetes.default.svc.cluster.local\",\"kubernetes.io\":{{\"namespace\":\"{ns}\",\"node\":{{\"name\":\"{}\"}},\"pod\":{{\"name\":\"{}\",\"uid\":\"{}\"}},\"serviceaccount\":{{\"name\":\"{sa}\"}}}},\"sub\":\"system:serviceaccount:{ns}:{sa}\"}}",
        pod.str_at(&["spec", "nodeName"]).unwrap_or(""),
        pod.str_at(&["metadata", "name"]).unwrap_or(""),
        pod.str_at(&["metadata", "uid"]).unwrap_or(""),
    );
    format!(
        "{}.{}.{}",
        b64("{\"alg\":\"RS256\",\"kid\":\"kubeplay\"}"),
        b64(&claims),
        b64("not a real signature: Kubeplay simulates the cluster")
    )
}

/// `resourceFieldRef` as the kubelet resolves it
/// (`ExtractContainerResourceValue`): limits default to the node's
/// allocatable, the value divided by `divisor` and rounded up.
fn resource_field_ref(
    r: &Value,
    container: &Value,
    pod: &Value,
    object: &dyn Fn(&str, &str) -> Option<Value>,
) -> Option<String> {
    let target = match r.get("containerName").as_str() {
        Some(c) if !c.is_empty() => pod
            .at(&["spec", "containers"])
            .items()
            .chain(pod.at(&["spec", "initContainers"]).items())
            .find(|x| x.get("name").as_str() == Some(c))?,
        _ => container,
    };
    let node = pod
        .str_at(&["spec", "nodeName"])
        .and_then(|n| object("Node", n));
    container_resource_value(r, target, node.as_ref())
}

/// A container's resource as `resourceFieldRef` asks for it, divided by
/// its `divisor` and rounded up; an unset limit is the node's allocatable
/// (`node`), or 0 without one (as `kubectl describe` computes it).
pub(crate) fn container_resource_value(
    r: &Value,
    target: &Value,
    node: Option<&Value>,
) -> Option<String> {
    let resource = r.get("resource").as_str()?;
    let (group, name) = resource.split_once('.')?;
    let q = |v: &Value| v.as_str().and_then(|t| Quantity::parse(t).ok());
    let mut value = q(target.at(&["resources", group, name]));
    if value.is_none() && group == "limits" {
        value = node.and_then(|n| q(n.at(&["status", "allocatable", name])));
    }
    let value = value.unwrap_or_else(|| Quantity::from_units(0));
    let divisor = r
        .get("divisor")
        .as_str()
        .and_then(|t| Quantity::parse(t).ok())
        .unwrap_or_else(|| Quantity::from_units(1));
    // Rounded up, in i128: quantities reach i64::MAX.
    let (v, d) = if name == "cpu" {
        (value.milli_value(), divisor.milli_value())
    } else {
        (value.value(), divisor.value())
    };
    let (v, d) = (i128::from(v), i128::from(d.max(1)));
    let out = (v + d - 1).div_euclid(d);
    Some(out.to_string())
}

fn field_ref(pod: &Value, path: &str) -> Option<String> {
    Some(match path {
        "metadata.name" => pod.str_at(&["metadata", "name"])?.to_string(),
        "metadata.namespace" => pod.str_at(&["metadata", "namespace"])?.to_string(),
        "metadata.uid" => pod.str_at(&["metadata", "uid"])?.to_string(),
        "spec.nodeName" => pod.str_at(&["spec", "nodeName"])?.to_string(),
        "spec.serviceAccountName" => pod.str_at(&["spec", "serviceAccountName"])?.to_string(),
        "status.podIP" => pod.str_at(&["status", "podIP"]).unwrap_or("").to_string(),
        "status.hostIP" => pod.str_at(&["status", "hostIP"]).unwrap_or("").to_string(),
        p => {
            let key = p
                .strip_prefix("metadata.labels['")
                .or_else(|| p.strip_prefix("metadata.annotations['"))?
                .strip_suffix("']")?;
            let map = if p.starts_with("metadata.labels") {
                "labels"
            } else {
                "annotations"
            };
            pod.at(&["metadata", map, key]).as_str()?.to_string()
        }
    })
}

fn strings(v: &Value) -> Vec<String> {
    v.items()
        .map(|s| match s {
            Value::String(s) => s.to_string(),
            Value::Int(i) => i.to_string(),
            other => crate::yaml::to_json_compact(other),
        })
        .collect()
}

/// Expands `$(VAR)` in command and args as the kubelet does.
fn expand_refs(args: Vec<String>, env: &VecMap<String, String>) -> Vec<String> {
    args.into_iter().map(|a| expand(&a, env)).collect()
}

/// Kubernetes' `$(VAR)` expansion (third_party/forked/golang/expansion):
/// `$$` is a literal `$`, an unknown or unclosed reference stays as it is.
pub(crate) fn expand(input: &str, env: &VecMap<String, String>) -> String {
    let mut out = String::with_capacity(input.len());
    let mut rest = input;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(escaped) = after.strip_prefix('$') {
            out.push('$');
            rest = escaped;
        } else if let Some(name) = after
            .strip_prefix('(')
            .and_then(|r| r.find(')').map(|end| &r[..end]))
        {
            match env.get(name) {
                Some(value) => out.push_str(value),
                None => {
                    out.push_str("$(");
                    out.push_str(name);
                    out.push(')');
                }
            }
            rest = &after[name.len() + 2..];
        } else {
            // `$` before anything else, or `$(` never closed: kept.
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// The image's default entrypoint and command.
fn image_defaults(flavor: Flavor, image: &str) -> (Vec<&'static str>, Vec<&'static str>) {
    match flavor {
        // /docker-entrypoint.sh came with 1.19.
        Flavor::Nginx if !super::nginx::NginxImage::of(image).has_entrypoint() => {
            (vec![], vec!["nginx", "-g", "daemon off;"])
        }
        Flavor::Nginx => (
            vec!["/docker-entrypoint.sh"],
            vec!["nginx", "-g", "daemon off;"],
        ),
        Flavor::Httpd => (vec![], vec!["httpd-foreground"]),
        Flavor::Guestbook => (vec!["docker-php-entrypoint"], vec!["apache2-foreground"]),
        Flavor::Shell => {
            if image.contains("ubuntu") || image.contains("debian") || image.contains("golang") {
                (vec![], vec!["bash"])
            } else {
                (vec![], vec!["sh"])
            }
        }
        Flavor::Repl => {
            if image.contains("python") {
                (vec![], vec!["python3"])
            } else if image.contains("node") {
                (vec!["docker-entrypoint.sh"], vec!["node"])
            } else {
                (vec![], vec!["irb"])
            }
        }
        Flavor::Redis if super::redis::legacy_image(image) => {
            (vec![], vec!["redis-server", "/etc/redis/redis.conf"])
        }
        Flavor::Redis if image.contains("gb-redis-follower") => (
            vec!["docker-entrypoint.sh"],
            vec!["redis-server", "--replicaof", "redis-leader", "6379"],
        ),
        Flavor::Redis => (vec!["docker-entrypoint.sh"], vec!["redis-server"]),
        Flavor::Postgres => (vec!["docker-entrypoint.sh"], vec!["postgres"]),
        Flavor::Mysql => (vec!["docker-entrypoint.sh"], vec!["mysqld"]),
        Flavor::Pause => (vec!["/pause"], vec![]),
        Flavor::Agnhost if image.contains("serve_hostname") => (vec!["/serve_hostname"], vec![]),
        Flavor::Agnhost => (vec!["/agnhost"], vec![]),
        Flavor::HttpEcho => (vec!["/http-echo"], vec![]),
        Flavor::Stress => (vec!["/usr/local/bin/stress"], vec![]),
        Flavor::Curl => (vec!["/entrypoint.sh"], vec!["curl"]),
        Flavor::HelloWorld => (vec![], vec!["/hello"]),
        _ => (vec![], vec![]),
    }
}

/// Whether an image's `docker-entrypoint.sh` runs its arguments as they
/// are (`exec "$@"`): nginx's unless they start with `nginx`; redis',
/// postgres' and mysql's unless they are options (or a `.conf` file) or
/// their server.
fn entrypoint_passes_through(flavor: Flavor, entry: &[&str], args: &[String]) -> bool {
    if !entry
        .first()
        .is_some_and(|e| e.ends_with("docker-entrypoint.sh"))
    {
        return false;
    }
    let first = args[0].as_str();
    let program = first.rsplit('/').next().unwrap_or(first);
    let option = first.starts_with('-');
    match flavor {
        Flavor::Nginx => !matches!(program, "nginx" | "nginx-debug"),
        Flavor::Redis => !option && !first.ends_with(".conf") && program != "redis-server",
        Flavor::Postgres => !option && program != "postgres",
        Flavor::Mysql => !option && program != "mysqld",
        // node's runs a command it finds on the PATH, else `node ARGS`.
        Flavor::Repl => !option && shell::has_command(program),
        _ => false,
    }
}

/// The identity of a container's first process: its uid, gid and groups
/// as the kernel lists them (sorted). Root keeps the image's groups for
/// root; `runAsGroup`, `fsGroup` and `supplementalGroups` are added.
pub(crate) fn identity(container: &Value, pod: &Value, image: &str) -> (i64, i64, Vec<i64>) {
    let sc = |k: &str| security_context(container, pod, k).as_i64();
    // curlimages/curl runs as its own user (`curl_user`, 100:101).
    let curl = image.contains("curlimages/curl") && sc("runAsUser").is_none();
    let uid = sc("runAsUser").unwrap_or(if curl { 100 } else { 0 });
    // Without runAsGroup, the runtime takes the user's group from the
    // image's passwd file.
    let gid = sc("runAsGroup").unwrap_or(if curl {
        101
    } else if image.contains("busybox") {
        busybox_user(uid).map_or(0, |(_, gid, _)| gid)
    } else {
        0
    });
    let mut groups: Vec<i64> = if uid == 0 && gid == 0 {
        if image.contains("busybox") {
            vec![0, 10]
        } else if image.contains("alpine") {
            ALPINE_ROOT_GROUPS.iter().map(|(g, _)| *g).collect()
        } else {
            vec![0]
        }
    } else {
        vec![gid]
    };
    if let Some(fs) = pod.at(&["spec", "securityContext", "fsGroup"]).as_i64() {
        groups.push(fs);
    }
    groups.extend(
        pod.at(&["spec", "securityContext", "supplementalGroups"])
            .items()
            .filter_map(Value::as_i64),
    );
    groups.compact_sort();
    groups.dedup();
    (uid, gid, groups)
}

/// A security setting: the container's, else the pod's.
fn security_context<'a>(container: &'a Value, pod: &'a Value, key: &str) -> &'a Value {
    let own = container.at(&["securityContext", key]);
    if own.is_null() {
        pod.at(&["spec", "securityContext", key])
    } else {
        own
    }
}

/// The busybox image's `/etc/passwd`.
const BUSYBOX_PASSWD: &str = "root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
bin:x:2:2:bin:/bin:/bin/false
sys:x:3:3:sys:/dev:/bin/false
sync:x:4:100:sync:/bin:/bin/sync
mail:x:8:8:mail:/var/spool/mail:/bin/false
www-data:x:33:33:www-data:/var/www:/bin/false
operator:x:37:37:Operator:/var:/bin/false
nobody:x:65534:65534:nobody:/home:/bin/false
";

/// A user of the busybox image's `/etc/passwd`: name, group and home.
fn busybox_user(uid: i64) -> Option<(&'static str, i64, &'static str)> {
    BUSYBOX_PASSWD.lines().find_map(|l| {
        let f: Vec<&'static str> = l.split(':').collect();
        (f.get(2)?.parse::<i64>().ok()? == uid).then(|| (f[0], f[3].parse().unwrap_or(0), f[5]))
    })
}

/// The groups root is in on Alpine, with their names (`/etc/group`).
const ALPINE_ROOT_GROUPS: [(i64, &str); 11] = [
    (0, "root"),
    (1, "bin"),
    (2, "daemon"),
    (3, "sys"),
    (4, "adm"),
    (6, "disk"),
    (10, "wheel"),
    (11, "floppy"),
    (20, "dialout"),
    (26, "tape"),
    (27, "video"),
];

/// Linux's capabilities, by bit (`include/uapi/linux/capability.h`).
const CAPABILITIES: [&str; 41] = [
    "CHOWN",
    "DAC_OVERRIDE",
    "DAC_READ_SEARCH",
    "FOWNER",
    "FSETID",
    "KILL",
    "SETGID",
    "SETUID",
    "SETPCAP",
    "LINUX_IMMUTABLE",
    "NET_BIND_SERVICE",
    "NET_BROADCAST",
    "NET_ADMIN",
    "NET_RAW",
    "IPC_LOCK",
    "IPC_OWNER",
    "SYS_MODULE",
    "SYS_RAWIO",
    "SYS_CHROOT",
    "SYS_PTRACE",
    "SYS_PACCT",
    "SYS_ADMIN",
    "SYS_BOOT",
    "SYS_NICE",
    "SYS_RESOURCE",
    "SYS_TIME",
    "SYS_TTY_CONFIG",
    "MKNOD",
    "LEASE",
    "AUDIT_WRITE",
    "AUDIT_CONTROL",
    "SETFCAP",
    "MAC_OVERRIDE",
    "MAC_ADMIN",
    "SYSLOG",
    "WAKE_ALARM",
    "BLOCK_SUSPEND",
    "AUDIT_READ",
    "PERFMON",
    "BPF",
    "CHECKPOINT_RESTORE",
];

/// A container's capability set: containerd's default (CHOWN,
/// DAC_OVERRIDE, FSETID, FOWNER, MKNOD, NET_RAW, SETGID, SETUID, SETFCAP,
/// SETPCAP, NET_BIND_SERVICE, SYS_CHROOT, KILL, AUDIT_WRITE) with
/// `capabilities.drop`, then `add`; all of them when privileged.
fn capabilities(security_context: &Value) -> u64 {
    const ALL: u64 = (1 << CAPABILITIES.len()) - 1;
    if security_context.get("privileged").as_bool() == Some(true) {
        return ALL;
    }
    let bits = |list: &str| {
        security_context
            .at(&["capabilities", list])
            .items()
            .filter_map(Value::as_str)
            .map(|name| {
                let name = name.strip_prefix("CAP_").unwrap_or(name);
                if name.eq_ignore_ascii_case("ALL") {
                    ALL
                } else {
                    CAPABILITIES
                        .iter()
                        .position(|c| c.eq_ignore_ascii_case(name))
                        .map_or(0, |bit| 1 << bit)
                }
            })
            .fold(0u64, |set, bit| set | bit)
    };
    (0xa804_25fb & !bits("drop")) | bits("add")
}

/// Who a container's processes run as, with the names the image gives.
fn user_of(container: &Value, pod: &Value, image: &str) -> shell::User {
    let (uid, gid, groups) = identity(container, pod, image);
    let curl = image.contains("curlimages/curl");
    let mut group_names = vec![(0, "root")];
    if image.contains("busybox") {
        group_names.push((10, "wheel"));
    } else if image.contains("alpine") || curl {
        group_names.extend(ALPINE_ROOT_GROUPS);
        if curl {
            group_names.push((101, "curl_group"));
        }
    }
    let bounding = capabilities(container.get("securityContext"));
    shell::User {
        capabilities: (bounding, if uid == 0 { bounding } else { 0 }),
        no_new_privs: container
            .at(&["securityContext", "allowPrivilegeEscalation"])
            .as_bool()
            == Some(false),
        seccomp: matches!(
            security_context(container, pod, "seccompProfile")
                .get("type")
                .as_str(),
            Some("RuntimeDefault" | "Localhost")
        ),
        uid,
        gid,
        groups,
        name: match uid {
            0 => Some("root"),
            100 if curl => Some("curl_user"),
            // Only the busybox image's users are known here.
            _ if image.contains("busybox") => busybox_user(uid).map(|(name, _, _)| name),
            _ => None,
        },
        group_names,
    }
}

/// Builds the application of a container from its spec and image.
pub(crate) fn build(
    container: &Value,
    pod: &Value,
    flavor: Flavor,
    image_port: u16,
    image: &str,
    mut env: VecMap<String, String>,
) -> App {
    // runc sets HOME from the user's passwd entry: root's, curlimages/curl's
    // own user, or `/` for a user the image does not know.
    let user = ["securityContext", "runAsUser"];
    let uid = container
        .at(&user)
        .as_i64()
        .or_else(|| pod.at(&["spec", "securityContext", "runAsUser"]).as_i64());
    env.entry("HOME".to_string()).or_insert_with(|| {
        match (uid, flavor) {
            (None, Flavor::Curl) => "/home/curl_user",
            (None | Some(0), _) => "/root",
            (Some(uid), _) if image.contains("busybox") => {
                busybox_user(uid).map_or("/", |(_, _, home)| home)
            }
            (Some(_), _) => "/",
        }
        .to_string()
    });
    let get = |k: &str| env.get(k).map(String::as_str);
    let dur = |k: &str| get(k).and_then(parse_duration);
    // curlimages/curl is built on Alpine: its shell and tools are BusyBox's.
    let dialect = if image.contains("busybox") || image.contains("alpine") || flavor == Flavor::Curl
    {
        Dialect::Busybox
    } else {
        Dialect::Gnu
    };
    // The kubelet expands with the variables it passes (the container's
    // and the Services'), not those the image and the runtime add.
    // A VecMap collects by inserting one by one: no sort linked.
    let expandable: VecMap<String, String> = VecMap::from_iter(
        env.iter()
            .filter(|(k, _)| {
                !RUNTIME_VARS.contains(&k.as_str())
                    || container
                        .get("env")
                        .items()
                        .any(|e| e.get("name").as_str() == Some(k.as_str()))
            })
            .map(|(k, v)| (k.clone(), v.clone())),
    );
    let command = expand_refs(strings(container.get("command")), &expandable);
    let args = expand_refs(strings(container.get("args")), &expandable);
    let (entry, cmd) = image_defaults(flavor, image);
    let overridden = !command.is_empty() || !args.is_empty();
    let argv: Vec<String> = if !command.is_empty() {
        command
            .iter()
            .cloned()
            .chain(args.iter().cloned())
            .collect()
    } else if !args.is_empty() && entrypoint_passes_through(flavor, &entry, &args) {
        // The image's entrypoint script ends in `exec "$@"`: arguments
        // that are not its server's become the program.
        args.clone()
    } else if !args.is_empty() {
        entry
            .iter()
            .map(|s| s.to_string())
            .chain(args.iter().cloned())
            .collect()
    } else {
        entry
            .iter()
            .chain(cmd.iter())
            .map(|s| s.to_string())
            .collect()
    };
    let mut declared: Vec<u16> = container
        .get("ports")
        .items()
        .filter(|p| p.get("protocol").as_str().is_none_or(|p| p == "TCP"))
        .filter_map(|p| p.get("containerPort").as_i64())
        .filter_map(|p| u16::try_from(p).ok())
        .collect();
    let mut app = App {
        flavor,
        program: Program::Server,
        env: env.clone(),
        ports: Vec::new(),
        http: true,
        tls: false,
        dialect,
        tty: container.get("tty").as_bool() == Some(true),
        crash: dur("CRASH_AFTER").map(|d| {
            (
                d,
                get("EXIT_CODE")
                    .and_then(|c| c.trim().parse().ok())
                    .unwrap_or(1),
            )
        }),
        oom_after: dur("OOM_AFTER"),
        ready_after: dur("READY_AFTER"),
        fail_after: dur("FAIL_AFTER").or_else(|| dur("FAIL_READINESS_AFTER")),
        http_status: get("HTTP_STATUS")
            .and_then(|s| s.trim().parse().ok())
            .filter(|s| (100..600).contains(s))
            .unwrap_or(200),
        latency_ms: get("LATENCY_MS")
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0),
        cpu_milli: 1,
        cpu_ms_per_request: 0,
        memory_bytes: 12 << 20,
        ignores_sigterm: false,
        shutdown: 100,
        term_code: 0,
        image: image.to_string(),
        text: String::new(),
        run: None,
        files: VecMap::new(),
        net_replies: Vec::new(),
        net_waiting: false,
        dirs: Vec::new(),
        read_only: Vec::new(),
        volumes: Vec::new(),
        external: Vec::new(),
        cmdline: String::new(),
        user: shell::User::default(),
        workdir: container
            .get("workingDir")
            .as_str()
            .filter(|d| d.starts_with('/'))
            .unwrap_or(match flavor {
                Flavor::Redis => "/data",
                Flavor::Httpd => "/usr/local/apache2",
                _ => "/",
            })
            .to_string(),
        request_stream: None,
        interactive_shell: None,
        redis: None,
        positional: Vec::new(),
        upstream: (flavor == Flavor::Nginx && image.contains("google-samples/hello-frontend"))
            .then(|| ("hello".to_string(), String::new())),
    };
    app.cmdline = argv.join(" ");
    if argv.is_empty() {
        // An image Kubeplay knows no command of runs its own program.
        let repository = image.split('@').next().unwrap_or(image);
        let name = repository.rsplit('/').next().unwrap_or(repository);
        app.cmdline = format!("/{}", name.split(':').next().unwrap_or(name));
    }
    // `sh -c 'sleep 1h'`: the shell execs a lone external command, which
    // becomes PID 1 (`ps` shows `sleep 1h`, as the docs' output does).
    if let [shell, flag, script] = argv.as_slice()
        && ["sh", "bash", "ash", "dash"].contains(&shell.rsplit('/').next().unwrap_or(shell))
        && flag == "-c"
        && !script.contains(['\'', '"', '$', '\\', '`', '*', '?'])
        && let Ok(Stmt::Simple {
            assigns,
            words,
            redirects,
        }) = shell::parse(script)
        && assigns.is_empty()
        && redirects.is_empty()
        && !words.is_empty()
        && !matches!(
            script.split_whitespace().next(),
            Some(
                "echo"
                    | "printf"
                    | "test"
                    | "["
                    | "true"
                    | "false"
                    | ":"
                    | "cd"
                    | "pwd"
                    | "kill"
                    | "read"
                    | "exit"
                    | "export"
                    | "trap"
                    | "wait"
                    | "set"
                    | "eval"
                    | "exec"
            )
        )
    {
        app.cmdline = script.split_whitespace().collect::<Vec<_>>().join(" ");
    }
    app.user = user_of(container, pod, image);
    let program_name = argv
        .first()
        .map(|a| a.rsplit('/').next().unwrap_or(a).to_string())
        .unwrap_or_default();
    let shells = ["sh", "bash", "ash", "dash"];
    // What runs: a well-known server program, a shell script or command
    // line, or the image's own default.
    match program_name.as_str() {
        _ if flavor == Flavor::Stress => stress(&mut app, &argv, container),
        _ if flavor == Flavor::HttpEcho => {
            let text = argv
                .iter()
                .find_map(|a| {
                    a.strip_prefix("-text=")
                        .or_else(|| a.strip_prefix("--text="))
                })
                .map(str::to_string);
            if let Some(port) = argv
                .iter()
                .find_map(|a| a.strip_prefix("-listen=:").and_then(|p| p.parse().ok()))
            {
                declared.push(port);
            } else {
                declared.push(image_port);
            }
            match text {
                Some(t) => {
                    app.text = t;
                    app.cpu_milli = 0;
                    app.memory_bytes = 2 << 20;
                }
                None => {
                    app.program = Program::Exits {
                        after: 50,
                        code: 127,
                        lines: vec!["Missing -text option!".to_string()],
                        oom: false,
                    };
                }
            }
        }
        _ if flavor == Flavor::Agnhost && !shells.contains(&program_name.as_str()) => {
            let sub = match program_name.as_str() {
                "agnhost" => argv.get(1).cloned().unwrap_or_default(),
                "serve_hostname" => "serve-hostname".to_string(),
                _ => program_name.clone(),
            };
            app.text = sub.clone();
            let port = argv
                .iter()
                .find_map(|a| a.strip_prefix("--http-port=").and_then(|p| p.parse().ok()))
                .or_else(|| {
                    argv.iter()
                        .find_map(|a| a.strip_prefix("--port=").and_then(|p| p.parse().ok()))
                });
            match sub.as_str() {
                "netexec" => declared.push(port.unwrap_or(8080)),
                "serve-hostname" => declared.push(port.unwrap_or(9376)),
                "pause" => app.program = Program::Forever,
                // No signal handler (see GO_PID1_SIGTERM_EXIT).
                "liveness" => {
                    declared.push(8080);
                    app.term_code = GO_PID1_SIGTERM_EXIT;
                }
                "" => {
                    app.program = Program::Exits {
                        after: 50,
                        code: 0,
                        lines: vec!["Usage:".into(), "  agnhost [command]".into()],
                        oom: false,
                    }
                }
                _ => declared.push(port.unwrap_or(8080)),
            }
            app.memory_bytes = 8 << 20;
        }
        "nginx"
        | "httpd"
        | "httpd-foreground"
        | "apache2-foreground"
        | "docker-php-entrypoint"
        | "redis-server"
        | "postgres"
        | "mysqld"
        | "docker-entrypoint.sh"
        | "/docker-entrypoint.sh"
            if !overridden || !matches!(flavor, Flavor::Shell | Flavor::Repl) =>
        {
            server_defaults(&mut app, flavor, image_port, &mut declared);
            if flavor == Flavor::Redis {
                let mut launch = super::redis::Launch::of(image, &argv);
                // gb-redis-follower (on redis:6.0.5): `CMD /run.sh`, whose
                // bash runs redis-server as a child, and, as PID 1,
                // ignores SIGTERM; with GET_HOSTS_FROM=env it follows the
                // leader Service's address.
                if !overridden && image.contains("gb-redis-follower") {
                    // `--replicaof ${REDIS_LEADER_SERVICE_HOST} 6379`,
                    // unquoted: an empty variable is no word at all.
                    if app.env.get("GET_HOSTS_FROM").is_some_and(|v| v == "env") {
                        let host = app
                            .env
                            .get("REDIS_LEADER_SERVICE_HOST")
                            .cloned()
                            .unwrap_or_default();
                        let mut run = vec!["redis-server".to_string(), "--replicaof".into()];
                        run.extend(host.split_whitespace().map(str::to_string));
                        run.push("6379".into());
                        launch = super::redis::Launch::of(image, &run);
                    }
                    launch.pid = 10;
                    app.ignores_sigterm = true;
                }
                app.redis = Some(Box::new(launch));
            }
        }
        "python" | "python3"
            if argv
                .windows(2)
                .any(|w| w[0] == "-m" && w[1] == "http.server") =>
        {
            let port = argv
                .iter()
                .skip_while(|a| *a != "http.server")
                .nth(1)
                .and_then(|p| p.parse().ok())
                .unwrap_or(8000);
            declared.push(port);
            app.text = "python-http".into();
            app.ignores_sigterm = true;
            app.memory_bytes = 14 << 20;
        }
        // `python3 -c PROGRAM` (the docs' indexed Job examples).
        "python" | "python3"
            if let Some(run) = argv
                .windows(2)
                .find(|w| w[0] == "-c")
                .and_then(|w| super::python::run(&w[1], &env)) =>
        {
            app.program = Program::Exits {
                // The interpreter's start-up.
                after: run.slept.saturating_add(40),
                code: run.code,
                lines: run.lines,
                oom: false,
            };
            app.memory_bytes = 9 << 20;
        }
        "pause" => app.program = Program::Forever,
        // The Kubernetes docs' Job example: `perl -Mbignum=bpi -wle 'print bpi(2000)'`.
        "perl" if let Some(digits) = perl_bpi(&argv) => {
            app.program = Program::Exits {
                // Perl's Math::BigFloat takes seconds for thousands of digits.
                after: 1500 + digits as Millis * 2,
                code: 0,
                lines: vec![pi_digits(digits)],
                oom: false,
            };
            app.memory_bytes = 8 << 20;
        }
        name if shells.contains(&name) => {
            let script = argv
                .iter()
                .position(|a| a == "-c")
                .and_then(|i| argv.get(i + 1));
            match script {
                Some(src) => match shell::parse(src) {
                    Ok(stmt) => {
                        app.program = Program::Script(stmt);
                        // `sh -c SCRIPT NAME ARG…`: $0 and $1….
                        let c = argv.iter().position(|a| a == "-c").unwrap_or(0);
                        app.positional = argv.iter().skip(c + 2).cloned().collect();
                        if app.positional.is_empty() {
                            app.positional.push(argv[0].clone());
                        }
                    }
                    Err(e) => {
                        app.program = Program::Exits {
                            after: 20,
                            code: 2,
                            lines: vec![format!("sh: {e}")],
                            oom: false,
                        }
                    }
                },
                // An interactive shell waits on its open standard input
                // (`stdin: true`, as `kubectl run -it` sets) for a session.
                None if container.get("stdin").as_bool() == Some(true) => {
                    app.program = Program::Forever;
                    app.interactive_shell = argv.first().cloned();
                }
                // `sh` with no script and no standard input reads EOF and exits.
                None => {
                    app.program = Program::Exits {
                        after: 20,
                        code: 0,
                        lines: Vec::new(),
                        oom: false,
                    }
                }
            }
            shell_process(&mut app);
        }
        "sleep" | "echo" | "true" | "false" | "exit" | "cat" | "ls" | "date" | "printenv"
        | "env" | "tail" | "touch" | "hostname" | "printf" | "seq" | "nslookup" | "wget"
        | "ping" | "nc" | "redis-cli" => {
            app.program = Program::Script(shell::from_argv(&argv));
            shell_process(&mut app);
        }
        // curlimages/curl: its entrypoint runs curl with the arguments.
        "curl" | "entrypoint.sh" if flavor == Flavor::Curl && argv.len() > 1 => {
            let mut words = vec!["curl".to_string()];
            let rest = if argv[1] == "curl" {
                &argv[2..]
            } else {
                &argv[1..]
            };
            words.extend(rest.iter().cloned());
            app.program = Program::Script(shell::from_argv(&words));
        }
        // The Kubernetes Basics tutorial's node app (`node server.js`,
        // which as PID 1 ignores SIGTERM): its version is in its answer.
        _ if !overridden
            && image
                .split([':', '@'])
                .next()
                .is_some_and(|r| r.ends_with("/kubernetes-bootcamp")) =>
        {
            app.program = Program::Server;
            declared.push(8080);
            app.text = if image.ends_with(":v2") {
                "bootcamp v=2"
            } else {
                "bootcamp v=1"
            }
            .into();
            app.ignores_sigterm = true;
            app.cmdline = "node server.js".into();
            app.cpu_milli = 0;
            app.memory_bytes = 9 << 20;
            for (k, v) in BOOTCAMP_ENV {
                app.env
                    .entry(k.to_string())
                    .or_insert_with(|| v.to_string());
            }
        }
        // Kubernetes' goproxy test image (the docs' TCP probe example):
        // elazarl/goproxy on 8080, which refuses requests that are not
        // proxy requests.
        _ if !overridden
            && matches!(
                image.split([':', '@']).next(),
                Some("registry.k8s.io/goproxy" | "k8s.gcr.io/goproxy")
            ) =>
        {
            app.program = Program::Server;
            declared.push(8080);
            app.text = "goproxy".into();
            app.term_code = GO_PID1_SIGTERM_EXIT;
            app.cpu_milli = 0;
            app.memory_bytes = 4 << 20;
        }
        _ => match flavor {
            Flavor::HelloWorld if !overridden => {
                app.program = Program::Exits {
                    after: 50,
                    code: 0,
                    lines: HELLO_WORLD.lines().map(str::to_string).collect(),
                    oom: false,
                }
            }
            Flavor::Repl if !overridden => {
                // A REPL without a terminal reads EOF and exits.
                app.program = Program::Exits {
                    after: if image.contains("python") { 40 } else { 300 },
                    code: 0,
                    lines: Vec::new(),
                    oom: false,
                };
            }
            Flavor::Curl => {
                app.program = Program::Exits {
                    after: 30,
                    code: 2,
                    lines: vec![
                        "curl: try 'curl --help' or 'curl --manual' for more information"
                            .to_string(),
                    ],
                    oom: false,
                };
            }
            Flavor::Pause => app.program = Program::Forever,
            Flavor::Shell | Flavor::Repl => {
                // An unknown program: the shell cannot find it.
                app.program = Program::Exits {
                    after: 20,
                    code: 127,
                    lines: Vec::new(),
                    oom: false,
                };
            }
            _ => server_defaults(&mut app, flavor, image_port, &mut declared),
        },
    }
    if matches!(app.program, Program::Server) {
        if declared.is_empty() {
            if image_port > 0 {
                declared.push(image_port);
            } else {
                declared.extend([80, 8080]);
            }
        }
        if let Some(p) = get("PORT").and_then(|p| p.trim().parse().ok()) {
            declared.push(p);
        }
    }
    // The cluster's own components, idle, as `kubectl top` shows them on
    // a fresh kubeadm cluster. Given only options, an image runs its own
    // program (metrics-server's `/metrics-server`).
    let entry_program = if argv.first().is_none_or(|a| a.starts_with('-')) {
        // The image's name: its last path segment, without tag or digest
        // (`localhost:5000/team/app:v1` is `app`).
        let last = image.rsplit('/').next().unwrap_or(image);
        last.split(['@', ':']).next().unwrap_or(last).to_string()
    } else {
        program_name
    };
    let system = match entry_program.as_str() {
        "etcd" => Some((24, 48 << 20)),
        "kube-apiserver" => Some((42, 262 << 20)),
        "kube-controller-manager" => Some((14, 58 << 20)),
        "kube-scheduler" => Some((4, 24 << 20)),
        "kube-proxy" => Some((1, 21 << 20)),
        _ if image.starts_with("registry.k8s.io/coredns/") => Some((3, 16 << 20)),
        "metrics-server" => Some((4, 19 << 20)),
        _ => None,
    };
    if let Some((cpu, memory)) = system {
        app.cpu_milli = cpu;
        app.memory_bytes = memory;
    }
    app.tls = matches!(
        entry_program.as_str(),
        "kube-apiserver" | "kube-controller-manager" | "kube-scheduler" | "metrics-server"
    );
    if entry_program == "metrics-server" {
        // Without `--kubelet-insecure-tls` it refuses a kubeadm kubelet's
        // self-signed certificate.
        app.text = if crate::metrics_server::verifies_kubelet_tls(&argv) {
            METRICS_SERVER_X509
        } else {
            "metrics-server"
        }
        .into();
    }
    // The docs' backend greeter answers as itself (decided once here, not
    // per request).
    if matches!(app.program, Program::Server)
        && app.text.is_empty()
        && image.contains("google-samples/hello-go-gke")
    {
        app.text = "hello-go-gke".into();
    }
    declared.compact_sort();
    declared.dedup();
    app.ports = declared;
    if let Some(cpu) = get("CPU_MILLICORES").and_then(|s| s.trim().parse().ok()) {
        app.cpu_milli = cpu;
    }
    if let Some(ms) = get("CPU_MS_PER_REQUEST").and_then(|s| s.trim().parse::<i64>().ok()) {
        app.cpu_ms_per_request = ms.max(0);
    }
    if let Some(mb) = get("MEMORY_MB").and_then(|s| s.trim().parse::<i64>().ok()) {
        app.memory_bytes = mb << 20;
    }
    if let Some(v) = get("IGNORE_SIGTERM") {
        app.ignores_sigterm = matches!(v.trim(), "1" | "true" | "True" | "TRUE" | "yes");
    }
    if let Some(d) = dur("SHUTDOWN_DELAY") {
        app.shutdown = d;
    }
    let _ = pod;
    app
}

/// The digit count of a `perl -Mbignum=bpi -e 'print bpi(N)'` command line
/// (the one perl program Kubeplay runs; `-e` may be bundled, as in `-wle`).
fn perl_bpi(argv: &[String]) -> Option<usize> {
    if !argv.iter().any(|a| a == "-Mbignum=bpi") {
        return None;
    }
    let flag = argv
        .iter()
        .position(|a| a.starts_with('-') && !a.starts_with("-M") && a.ends_with('e'))?;
    let script = argv.get(flag + 1)?.trim().trim_end_matches(';');
    let digits = script
        .strip_prefix("print bpi(")?
        .strip_suffix(')')?
        .trim()
        .parse::<usize>()
        .ok()?;
    // Beyond this, perl runs for minutes (and so would the simulation:
    // the digits cost quadratic time); such a command is not simulated.
    (1..=5_000).contains(&digits).then_some(digits)
}

/// π to `digits` (at least 1) significant digits, rounded as
/// Math::BigFloat's `bpi` prints it (`3.14159…`): Machin's formula in
/// base-10⁹ fixed point.
fn pi_digits(digits: usize) -> String {
    const BASE: u64 = 1_000_000_000;
    // Limb 0 holds the integer part; guard digits make the rounding exact.
    let limbs = (digits + 18) / 9 + 2;
    fn div(a: &mut [u32], d: u64) {
        let mut rem = 0u64;
        for x in a.iter_mut() {
            let cur = rem * BASE + u64::from(*x);
            *x = (cur / d) as u32;
            rem = cur % d;
        }
    }
    fn add(a: &mut [u32], b: &[u32], sign: bool) {
        let mut carry = 0i64;
        for (x, y) in a.iter_mut().zip(b).rev() {
            let mut v = i64::from(*x) + carry + if sign { i64::from(*y) } else { -i64::from(*y) };
            carry = 0;
            if v >= BASE as i64 {
                v -= BASE as i64;
                carry = 1;
            } else if v < 0 {
                v += BASE as i64;
                carry = -1;
            }
            *x = v as u32;
        }
    }
    // factor · arctan(1/x) = factor · Σ (-1)^k / ((2k+1) x^(2k+1))
    let arctan = |x: u64, factor: u32, limbs: usize| {
        let mut power = vec![0u32; limbs];
        power[0] = factor;
        div(&mut power, x);
        let mut sum = power.clone();
        let mut k = 1u64;
        loop {
            div(&mut power, x * x);
            if power.iter().all(|&l| l == 0) {
                return sum;
            }
            let mut term = power.clone();
            div(&mut term, 2 * k + 1);
            add(&mut sum, &term, k.is_multiple_of(2));
            k += 1;
        }
    };
    let mut pi = arctan(5, 16, limbs);
    add(&mut pi, &arctan(239, 4, limbs), false);
    let mut decimals: Vec<u8> = Vec::with_capacity(limbs * 9);
    for limb in &pi[1..] {
        let mut chunk = [0u8; 9];
        let mut v = *limb;
        for d in chunk.iter_mut().rev() {
            *d = (v % 10) as u8;
            v /= 10;
        }
        decimals.extend_from_slice(&chunk);
    }
    let keep = digits.max(1) - 1;
    let mut whole = pi[0];
    let round_up = decimals[keep] >= 5;
    decimals.truncate(keep);
    if round_up {
        let mut i = keep;
        loop {
            if i == 0 {
                whole += 1;
                break;
            }
            i -= 1;
            if decimals[i] == 9 {
                decimals[i] = 0;
            } else {
                decimals[i] += 1;
                break;
            }
        }
    }
    let mut out = whole.to_string();
    if !decimals.is_empty() {
        out.push('.');
        out.extend(decimals.iter().map(|d| char::from(b'0' + d)));
    }
    out
}

/// The usual settings of a well-known server image.
fn server_defaults(app: &mut App, flavor: Flavor, image_port: u16, declared: &mut Vec<u16>) {
    app.program = Program::Server;
    let port = if image_port > 0 { image_port } else { 80 };
    if declared.is_empty() || matches!(flavor, Flavor::Redis | Flavor::Postgres | Flavor::Mysql) {
        declared.push(port);
    }
    match flavor {
        Flavor::Nginx | Flavor::NginxHello => {
            app.cpu_milli = 0;
            app.memory_bytes = 3 << 20;
        }
        Flavor::Httpd => {
            app.memory_bytes = 9 << 20;
        }
        Flavor::Redis => {
            app.http = false;
            app.cpu_milli = 2;
            app.memory_bytes = 3 << 20;
        }
        Flavor::Postgres => {
            app.http = false;
            app.memory_bytes = 22 << 20;
            let env = &app.env;
            if env.get("POSTGRES_PASSWORD").is_none_or(String::is_empty)
                && env.get("POSTGRES_HOST_AUTH_METHOD").map(String::as_str) != Some("trust")
            {
                app.program = Program::Exits {
                    after: 200,
                    code: 1,
                    lines: POSTGRES_NO_PASSWORD.lines().map(str::to_string).collect(),
                    oom: false,
                };
            }
        }
        Flavor::Mysql => {
            app.http = false;
            app.cpu_milli = 3;
            app.memory_bytes = 370 << 20;
            app.shutdown = 2 * SECOND;
            let env = &app.env;
            if [
                "MYSQL_ROOT_PASSWORD",
                "MYSQL_ALLOW_EMPTY_PASSWORD",
                "MYSQL_RANDOM_ROOT_PASSWORD",
            ]
            .iter()
            .all(|k| env.get(*k).is_none_or(String::is_empty))
            {
                app.program = Program::Exits {
                    after: 400,
                    code: 1,
                    lines: Vec::new(),
                    oom: false,
                };
            }
        }
        Flavor::TcpServer => {
            app.http = false;
            app.memory_bytes = 40 << 20;
        }
        Flavor::Echo | Flavor::Whoami | Flavor::HelloApp | Flavor::HttpEcho => {
            app.cpu_milli = 0;
            app.memory_bytes = 4 << 20;
        }
        Flavor::Guestbook => {
            app.memory_bytes = 11 << 20;
        }
        Flavor::HpaExample => {
            app.memory_bytes = 12 << 20;
            // Idle Apache uses about a millicore; index.php adds up a
            // million square roots per request.
            app.cpu_milli = 0;
            app.cpu_ms_per_request = 20;
        }
        _ => {}
    }
}

/// A shell or one of its builtins as PID 1: no SIGTERM handler, so only
/// SIGKILL stops it (a script's `trap … TERM` is honoured separately).
fn shell_process(app: &mut App) {
    app.ignores_sigterm = true;
    app.cpu_milli = 0;
    app.memory_bytes = 400 << 10;
}

/// polinux/stress and vish/stress: memory hogs and CPU burners.
fn stress(app: &mut App, argv: &[String], container: &Value) {
    let arg_after = |flag: &str| {
        argv.iter()
            .position(|a| a == flag)
            .and_then(|i| argv.get(i + 1))
            .cloned()
    };
    app.ignores_sigterm = false;
    if let Some(bytes) = arg_after("--vm-bytes")
        .or_else(|| arg_after("-mem-total"))
        .and_then(|b| parse_stress_size(&b))
    {
        app.memory_bytes = bytes;
        let limit = container
            .at(&["resources", "limits", "memory"])
            .as_str()
            .and_then(|q| Quantity::parse(q).ok())
            .map(|q| q.value());
        if limit.is_some_and(|l| bytes > l) {
            app.program = Program::Exits {
                after: 1500,
                code: 137,
                lines: vec![
                    "stress: info: [1] dispatching hogs: 0 cpu, 0 io, 1 vm, 0 hdd".to_string(),
                ],
                oom: true,
            };
            return;
        }
    }
    if let Some(cpus) = arg_after("-cpus")
        .or_else(|| arg_after("--cpu"))
        .and_then(|c| c.parse::<i64>().ok())
    {
        app.cpu_milli = cpus * 1000;
    }
    let limit_cpu = container
        .at(&["resources", "limits", "cpu"])
        .as_str()
        .and_then(|q| Quantity::parse(q).ok())
        .map(|q| q.milli_value());
    if let Some(l) = limit_cpu {
        app.cpu_milli = app.cpu_milli.min(l);
    }
    app.program = Program::Forever;
    app.text = "stress".into();
}

fn parse_stress_size(s: &str) -> Option<i64> {
    let (num, unit) = s.split_at(s.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(s.len()));
    let n: i64 = num.parse().ok()?;
    Some(match unit {
        "" | "B" => n,
        "K" | "k" => n << 10,
        "M" | "m" => n << 20,
        "G" | "g" => n << 30,
        _ => return None,
    })
}

impl App {
    /// Runs the script part (if any) from the container's start; done once
    /// when the container starts, so exits and file changes are known.
    pub(crate) fn prepare(
        &mut self,
        started_at: Millis,
        hostname: &str,
        net: &mut shell::Network<'_>,
    ) {
        if let Program::Script(stmt) = &self.program {
            let ctx = self.context(started_at, hostname);
            let horizon = 7 * 24 * 60 * MINUTE;
            let network = shell::network_use(stmt, &ctx);
            // A stream's requests reach the network as traffic, sent as
            // simulated time passes (each may reach another endpoint); the
            // answers are kept as they come ([`App::stream_answer`]).
            if let shell::NetworkUse::Stream {
                url,
                pause,
                argv,
                first_at,
            } = network
            {
                let mut run = shell::run(stmt, &ctx, horizon);
                let mut failing = |_: Millis, _: &[String], _: bool| (1, String::new(), 0);
                let on_failures = shell::run_with(stmt, &ctx, horizon, Some(&mut failing));
                self.request_stream = Some(RequestStream {
                    url,
                    pause,
                    argv,
                    answered: 0,
                    first_at,
                    latest: None,
                    ends_on_failure: on_failures.outcome != run.outcome,
                    finite: matches!(run.outcome, Outcome::Exited(..)),
                });
                run.logs = Vec::new();
                self.run = Some(run);
            } else if network == shell::NetworkUse::Calls {
                // Its network tools get the network's answers as things are
                // now (each distinct command asked once), kept so every
                // replay of the script (its logs) prints the same. A script
                // that keeps looping after a failure waits on the network:
                // the kubelet looks again every few seconds.
                let (run, replies) = self.run_against(stmt, &ctx, horizon, 0, net);
                self.net_waiting = !matches!(run.outcome, Outcome::Exited(..))
                    && replies.iter().any(|(_, reply)| reply.0 != 0);
                self.net_replies = replies;
                self.run = Some(run);
            } else {
                let mut run = shell::run(stmt, &ctx, horizon);
                // Logs are replayed from the script when asked for.
                run.logs = Vec::new();
                self.run = Some(run);
            }
        }
    }

    /// Runs its script again up to `offset` with the network answers it
    /// got.
    fn replay(&self, stmt: &shell::Stmt, ctx: &Context, offset: Millis) -> shell::Run {
        // A stream's answer is printed once the network has given it: the
        // run stops at the first request still to be sent.
        self.replay_to(stmt, ctx, offset, true, None).0
    }

    /// Runs its script again up to `offset` with the answers it got; past
    /// them the latest stands, or (`stop`) the run stops at the first
    /// request its stream has not sent yet. Also when its `watch`-th
    /// network call (from 1) is made, if it is.
    fn replay_to(
        &self,
        stmt: &shell::Stmt,
        ctx: &Context,
        offset: Millis,
        stop: bool,
        watch: Option<usize>,
    ) -> (shell::Run, Option<Millis>) {
        let stream = self.request_stream.as_ref();
        let answered = stream.map(|s| s.answered);
        let latest = stream
            .and_then(|s| s.latest.as_ref())
            .or(self.net_replies.last().map(|(_, r)| r));
        let mut next = 0;
        let mut watched = None;
        let mut recorded = |t: Millis, _: &[String], _: bool| {
            next += 1;
            if watch == Some(next) {
                watched = Some(t);
            }
            if stop && answered.is_some_and(|n| next > n) {
                // Longer than any horizon: the run stops before the call.
                return (0, String::new(), Millis::MAX);
            }
            self.net_replies
                .get(next - 1)
                .map(|(_, reply)| reply)
                .or(latest)
                .cloned()
                .unwrap_or((0, String::new(), 0))
        };
        let run = shell::run_with(stmt, ctx, offset, Some(&mut recorded));
        (run, watched)
    }

    /// Keeps the answer to its stream's next request (sent `offset` into
    /// its run). When a failure may change how the script goes and this
    /// answer fails or ends a run of failures, runs it again with the
    /// answers so far (and this one standing for the next): the offset at
    /// which it now exits, if it does, and when it makes its next request
    /// (a sleep taken only after a failure, `|| sleep 30`, is followed).
    pub(crate) fn stream_answer(
        &mut self,
        started_at: Millis,
        hostname: &str,
        offset: Millis,
        reply: shell::NetReply,
    ) -> (Option<Millis>, Option<Millis>) {
        let Some(stream) = self.request_stream.as_mut() else {
            return (None, None);
        };
        let k = stream.answered;
        stream.answered += 1;
        let before = stream.latest.replace(reply.clone()).map_or(0, |r| r.0);
        let (sensitive, finite) = (stream.ends_on_failure, stream.finite);
        let look = sensitive && (reply.0 != 0 || before != 0);
        if k < MAX_KEPT_REPLIES {
            self.net_replies.truncate(k);
            self.net_replies.push((offset, reply));
        }
        if !look {
            return (None, None);
        }
        let Some((stmt, ctx)) = self.script_run(started_at, hostname) else {
            return (None, None);
        };
        // A script that ends by itself is run to its end; a loop, ten
        // minutes ahead (a later end is seen at a later answer).
        let horizon = if finite {
            7 * 24 * 60 * MINUTE
        } else {
            offset + 10 * MINUTE
        };
        let (mut run, next) = self.replay_to(&stmt, &ctx, horizon, false, Some(k + 2));
        run.logs = Vec::new();
        let exits = match run.outcome {
            Outcome::Exited(at, _) => Some(at.max(offset)),
            _ => None,
        };
        // The exit it foresaw before is dropped if this answer changed it.
        self.run = Some(run);
        (exits, next)
    }

    /// Runs its script to `horizon`: calls before `elapsed` get the answers
    /// recorded for them, later ones the network's answer now (asked once
    /// per distinct command line). Returns the run and all answers.
    fn run_against(
        &self,
        stmt: &shell::Stmt,
        ctx: &Context,
        horizon: Millis,
        elapsed: Millis,
        net: &mut shell::Network<'_>,
    ) -> (shell::Run, Vec<(Millis, shell::NetReply)>) {
        let mut replies: Vec<(Millis, shell::NetReply)> = Vec::new();
        // Each distinct command: its latest answer, and whether its first
        // one succeeded.
        let mut asked: Vec<(Vec<String>, shell::NetReply, bool)> = Vec::new();
        let mut repeats = 0;
        let mut answer = |t: Millis, argv: &[String], terminal: bool| {
            let i = replies.len();
            let reply = match self.net_replies.get(i) {
                Some((at, reply)) if *at < elapsed => reply.clone(),
                _ => match asked.iter().position(|(a, _, _)| a == argv) {
                    // When the container starts, a command that succeeded is
                    // asked again at its calls of the first minute (a short
                    // loop calling a Service reaches one endpoint or
                    // another); one that failed at first is a wait, asked
                    // once per look.
                    Some(k)
                        if elapsed == 0 && asked[k].2 && t < MINUTE && repeats < MAX_LIVE_CALLS =>
                    {
                        repeats += 1;
                        let r = net(t, argv, terminal);
                        asked[k].1 = r.clone();
                        r
                    }
                    Some(k) => asked[k].1.clone(),
                    // Past this many distinct commands (a loop over URLs),
                    // the last answer stands for the rest.
                    None if asked.len() >= MAX_LIVE_CALLS => {
                        asked.last().map(|(_, r, _)| r.clone()).unwrap_or_default()
                    }
                    None => {
                        let r = net(t, argv, terminal);
                        asked.push((argv.to_vec(), r.clone(), r.0 == 0));
                        r
                    }
                },
            };
            // Enough answers for the logs of a long wait.
            if i < MAX_KEPT_REPLIES {
                replies.push((t, reply.clone()));
            }
            reply
        };
        let mut run = shell::run_with(stmt, ctx, horizon, Some(&mut answer));
        // Logs are replayed from the script when asked for; the run keeps
        // only its outcome and file changes.
        run.logs = Vec::new();
        (run, replies)
    }

    /// A waiting script looks at the network again `elapsed` after its
    /// start: the offset at which it now exits, if it does.
    pub(crate) fn recheck(
        &mut self,
        started_at: Millis,
        hostname: &str,
        elapsed: Millis,
        net: &mut shell::Network<'_>,
    ) -> Option<Millis> {
        let (stmt, ctx) = self.script_run(started_at, hostname)?;
        // A minute ahead is enough to see it end before the next look.
        let (run, replies) = self.run_against(&stmt, &ctx, elapsed + MINUTE, elapsed, net);
        let waiting_still = replies
            .iter()
            .any(|(at, reply)| *at >= elapsed && reply.0 != 0);
        self.net_replies = replies;
        match run.outcome {
            Outcome::Exited(at, _) => {
                self.net_waiting = false;
                self.run = Some(run);
                Some(at.max(elapsed))
            }
            // A busy loop that never sleeps cannot see time pass: give up.
            Outcome::Forever(at) if at <= elapsed => {
                self.net_waiting = false;
                None
            }
            // The wait is over but the script goes on (`…; sleep 3600`):
            // its whole run from here, and its own exit if it has one.
            _ if !waiting_still => {
                self.net_waiting = false;
                let (run, replies) =
                    self.run_against(&stmt, &ctx, 7 * 24 * 60 * MINUTE, elapsed, net);
                self.net_replies = replies;
                let exits = match run.outcome {
                    Outcome::Exited(at, _) => Some(at.max(elapsed)),
                    _ => None,
                };
                self.run = Some(run);
                exits
            }
            _ => None,
        }
    }

    /// The context of a process `kubectl exec` starts `offset` after the
    /// container's start: its files as they are then.
    pub(crate) fn exec_context(
        &self,
        started_at: Millis,
        hostname: &str,
        offset: Millis,
    ) -> Context {
        let mut ctx = self.context(started_at + offset, hostname);
        ctx.files = self.files_at(offset);
        ctx.external = Vec::new();
        ctx.born = started_at;
        // What the kubelet and exec'd processes wrote, and PID 1's script.
        let own: &[(Millis, String, shell::FileOp)] =
            self.run.as_ref().map_or(&[], |r| &r.file_events);
        // Each path's last write (a loop rewriting one file is one entry).
        for (t, path, _) in self.external.iter().chain(own).filter(|e| e.0 <= offset) {
            match ctx.file_log.get_mut(path.as_str()) {
                Some(at) => *at = (*at).max(started_at + t),
                None => {
                    ctx.file_log.insert(path.clone(), started_at + t);
                }
            }
        }
        // An exec'd command is not PID 1's script: no positional parameters.
        ctx.positional = Vec::new();
        ctx
    }

    /// Its script and the context to run it in again, if it has one.
    fn script_run(&self, started_at: Millis, hostname: &str) -> Option<(Stmt, Context)> {
        match &self.program {
            Program::Script(stmt) => Some((stmt.clone(), self.context(started_at, hostname))),
            _ => None,
        }
    }

    fn context(&self, started_at: Millis, hostname: &str) -> Context {
        Context {
            env: self.env.clone(),
            positional: self.positional.clone(),
            hostname: hostname.to_string(),
            dialect: self.dialect,
            started_at,
            files: self.files.clone(),
            dirs: self.dirs.clone(),
            read_only: self.read_only.clone(),
            volumes: self.volumes.clone(),
            born: started_at,
            // A script's own run learns its writes and the kubelet's as it
            // goes (`Interp::mtimes`); only an exec fills this.
            file_log: VecMap::new(),
            cmdline: self.cmdline.clone(),
            user: self.user.clone(),
            workdir: self.workdir.clone(),
            external: self.external.clone(),
            processes: Vec::new(),
            tty: self.tty,
            nginx: (self.flavor == Flavor::Nginx)
                .then(|| super::nginx::NginxImage::of(&self.image).server()),
        }
    }

    /// When and how the process ends on its own, if it does.
    pub(crate) fn exit_plan(&self) -> Option<ExitPlan> {
        let mut plan: Option<ExitPlan> = match &self.program {
            Program::Exits {
                after, code, oom, ..
            } => Some(ExitPlan {
                after: *after,
                code: *code,
                reason: if *oom {
                    "OOMKilled"
                } else if *code == 0 {
                    "Completed"
                } else {
                    "Error"
                },
            }),
            Program::Script(_) => match self.run.as_ref().map(|r| &r.outcome) {
                Some(Outcome::Exited(at, code)) => Some(ExitPlan {
                    after: *at,
                    code: *code,
                    reason: if *code == 0 { "Completed" } else { "Error" },
                }),
                _ => None,
            },
            Program::Server | Program::Forever => None,
        };
        let mut consider = |p: ExitPlan| {
            if plan.as_ref().is_none_or(|q| p.after < q.after) {
                plan = Some(p);
            }
        };
        if let Some((after, code)) = self.crash {
            consider(ExitPlan {
                after,
                code,
                reason: if code == 0 { "Completed" } else { "Error" },
            });
        }
        if let Some(after) = self.oom_after {
            consider(ExitPlan {
                after,
                code: 137,
                reason: "OOMKilled",
            });
        }
        plan
    }

    /// Whether the file exists `offset` ms after the start (scripts).
    /// Its files `offset` after its start.
    pub(crate) fn files_at(&self, offset: Millis) -> VecMap<String, String> {
        let own: &[(Millis, String, shell::FileOp)] =
            self.run.as_ref().map_or(&[], |r| &r.file_events);
        if self.external.is_empty() {
            return shell::files_after(self.files.clone(), own, offset);
        }
        // Both in time order; the kubelet's update first at the same offset.
        let mut merged: Vec<&(Millis, String, shell::FileOp)> =
            self.external.iter().chain(own).collect();
        merged.compact_sort_by_key(|e| e.0);
        let mut files = self.files.clone();
        for (_, path, op) in merged.into_iter().filter(|e| e.0 <= offset) {
            shell::apply_op(&mut files, path, op);
        }
        files
    }

    /// Brings its ConfigMap, Secret and downward API volumes up to date
    /// `offset` after its start: `fresh` holds those volumes' files as the
    /// kubelet would write them now, under the mount points `mounts`.
    /// True if anything changed.
    pub(crate) fn update_volumes(
        &mut self,
        offset: Millis,
        mounts: &[String],
        fresh: &VecMap<String, String>,
    ) -> bool {
        let under = |path: &str| {
            mounts.iter().any(|m| {
                path.strip_prefix(m.as_str())
                    .is_some_and(|r| r.starts_with('/'))
            })
        };
        let current = self.files_at(offset);
        let mut changes: Vec<(Millis, String, shell::FileOp)> = Vec::new();
        for (path, text) in fresh.iter().filter(|(p, _)| under(p)) {
            if current.get(path) != Some(text) {
                changes.push((offset, path.clone(), shell::FileOp::Write(text.clone())));
            }
        }
        for path in current
            .keys()
            .filter(|p| under(p) && !fresh.contains_key(*p))
        {
            changes.push((offset, path.clone(), shell::FileOp::Remove));
        }
        let changed = !changes.is_empty();
        self.external.extend(changes);
        changed
    }

    /// Runs its script again from the start with the volume updates it
    /// has had (network answers as recorded before `elapsed`): the offset
    /// at which it now exits, if it does.
    pub(crate) fn rerun(
        &mut self,
        started_at: Millis,
        hostname: &str,
        elapsed: Millis,
        net: &mut shell::Network<'_>,
    ) -> Option<Millis> {
        let (stmt, ctx) = self.script_run(started_at, hostname)?;
        let horizon = 7 * 24 * 60 * MINUTE;
        let run = if self.net_replies.is_empty() {
            let mut run = shell::run(&stmt, &ctx, horizon);
            run.logs = Vec::new();
            run
        } else if self.request_stream.is_some() {
            // A stream's answers come as it goes; past them the latest
            // stands.
            let mut run = self.replay_to(&stmt, &ctx, horizon, false, None).0;
            run.logs = Vec::new();
            run
        } else {
            let (run, replies) = self.run_against(&stmt, &ctx, horizon, elapsed, net);
            self.net_replies = replies;
            run
        };
        let exits = match run.outcome {
            Outcome::Exited(at, _) => Some(at.max(elapsed)),
            _ => None,
        };
        self.run = Some(run);
        exits
    }

    /// Offsets at which the app's health may change (for the prober to
    /// schedule its next look lazily).
    pub(crate) fn change_points(&self) -> Vec<Millis> {
        let mut points: Vec<Millis> = [self.ready_after, self.fail_after]
            .into_iter()
            .flatten()
            .collect();
        if let Some(run) = &self.run {
            points.extend(run.file_events.iter().map(|(t, _, _)| *t));
        }
        points.extend(self.external.iter().map(|(t, _, _)| *t));
        if self.flavor == Flavor::Agnhost && self.text == "liveness" {
            points.push(AGNHOST_LIVENESS_ALIVE + 1);
        }
        points.compact_sort();
        points.dedup();
        points
    }

    /// The HTTP status it answers at `offset` after its start.
    pub(crate) fn status_at(&self, offset: Millis) -> u16 {
        if self.ready_after.is_some_and(|r| offset < r) {
            return 503;
        }
        if self.fail_after.is_some_and(|f| offset >= f) {
            return 503;
        }
        self.http_status
    }

    /// The outcome of an exec probe at `offset`: success, and its output.
    pub(crate) fn exec_probe(
        &self,
        argv: &[String],
        (offset, timeout): (Millis, Millis),
        started_at: Millis,
        hostname: &str,
    ) -> (bool, String) {
        let name = argv
            .first()
            .map(|a| a.rsplit('/').next().unwrap_or(a))
            .unwrap_or("");
        let known = matches!(
            name,
            "cat"
                | "test"
                | "["
                | "ls"
                | "true"
                | "false"
                | "sh"
                | "bash"
                | "ash"
                | "echo"
                | "exit"
        );
        if !known {
            // The image's own health tool (pg_isready, redis-cli ping…)
            // reports the app's health.
            let healthy = self.status_at(offset) < 400;
            return (healthy, String::new());
        }
        let mut ctx = self.context(started_at, hostname);
        ctx.files = self.files_at(offset);
        match shell::probe(argv, &ctx, timeout) {
            Some((code, output)) => (code == 0, output),
            // The runtime's deadline: the kubelet's TimeoutError.
            None => (
                false,
                format!(
                    "command {} timed out",
                    crate::api::errors::quote(&argv.join(" "))
                ),
            ),
        }
    }

    /// Whether it listens on `port`.
    pub(crate) fn listens(&self, port: u16) -> bool {
        matches!(self.program, Program::Server) && self.ports.contains(&port)
    }

    /// How long it takes to stop after SIGTERM (`None`: it ignores it)
    /// and the exit code it gives.
    pub(crate) fn on_sigterm(&self) -> (Option<Millis>, i32) {
        if let Some(Some(handler)) = self.run.as_ref().map(|r| r.term_trap.as_ref()) {
            // `trap '…; exit 0' TERM`: the handler runs to its exit.
            if let Ok(stmt) = shell::parse(handler) {
                let ctx = self.context(0, "");
                let r = shell::run(&stmt, &ctx, 10 * MINUTE);
                if let Outcome::Exited(after, code) = r.outcome {
                    return (Some(after.max(10)), code);
                }
            }
            return (None, 137);
        }
        if self.ignores_sigterm {
            (None, 137)
        } else {
            (Some(self.shutdown), self.term_code)
        }
    }

    /// Log lines written by the trap handler when SIGTERM arrives.
    pub(crate) fn sigterm_lines(&self) -> Vec<(Millis, String)> {
        if let Some(Some(handler)) = self.run.as_ref().map(|r| r.term_trap.as_ref())
            && let Ok(stmt) = shell::parse(handler)
        {
            let ctx = self.context(0, "");
            return shell::run(&stmt, &ctx, 10 * MINUTE).logs;
        }
        Vec::new()
    }

    /// Log lines from the start up to `offset` (the start-up banner,
    /// script output, the crash message), with their offsets.
    pub(crate) fn logs_until(
        &self,
        offset: Millis,
        started_at: Millis,
        hostname: &str,
        pod_ip: &str,
    ) -> Vec<(Millis, String)> {
        let mut lines: Vec<(Millis, String)> = Vec::new();
        match &self.program {
            Program::Script(stmt) => {
                let ctx = self.context(started_at, hostname);
                let run = self.replay(stmt, &ctx, offset);
                lines.extend(run.logs);
            }
            Program::Exits { lines: l, .. } => {
                lines.extend(l.iter().map(|s| (0, s.clone())));
                if self.flavor == Flavor::Mysql {
                    lines.extend(mysql_no_password(started_at).into_iter().map(|s| (0, s)));
                }
            }
            Program::Server => {
                lines.extend(self.banner(started_at, pod_ip).into_iter().map(|l| (0, l)));
                // metrics-server's later scrapes, on their own ticker.
                let ticks = offset.saturating_sub(318) / 15_000 + 1;
                lines.extend(
                    self.failed_scrapes(started_at, 1..ticks)
                        .into_iter()
                        .filter(|(at, _)| *at <= offset),
                );
            }
            Program::Forever => {
                if self.text == "stress" {
                    lines.push((
                        0,
                        "stress: info: [1] dispatching hogs: 0 cpu, 0 io, 1 vm, 0 hdd".to_string(),
                    ));
                }
            }
        }
        if let Some(plan) = self.exit_plan()
            && plan.after <= offset
        {
            if self.crash.is_some_and(|(a, _)| a == plan.after) {
                lines.push((
                    plan.after,
                    format!(
                        "fatal: simulated crash after {} (CRASH_AFTER), exiting with code {}",
                        super::go_duration(plan.after),
                        plan.code
                    ),
                ));
            }
            lines.retain(|(t, _)| *t <= plan.after);
        }
        lines
    }

    /// The lines a server prints when it starts.
    fn banner(&self, started_at: Millis, pod_ip: &str) -> Vec<String> {
        match self.flavor {
            Flavor::Nginx => {
                super::nginx::NginxImage::of(&self.image).start_lines(&go_log_time(started_at))
            }
            Flavor::Httpd => {
                let t = httpd_time(started_at);
                vec![
                    format!(
                        "AH00558: httpd: Could not reliably determine the server's fully qualified domain name, using {pod_ip}. Set the 'ServerName' directive globally to suppress this message"
                    ),
                    format!(
                        "AH00558: httpd: Could not reliably determine the server's fully qualified domain name, using {pod_ip}. Set the 'ServerName' directive globally to suppress this message"
                    ),
                    format!(
                        "[{t}] [mpm_event:notice] [pid 1:tid 1] AH00489: Apache/2.4.65 (Unix) configured -- resuming normal operations"
                    ),
                    format!(
                        "[{t}] [core:notice] [pid 1:tid 1] AH00094: Command line: 'httpd -D FOREGROUND'"
                    ),
                ]
            }
            // php:7.4.7-apache (Debian buster): Apache's prefork MPM.
            Flavor::Guestbook => {
                let t = httpd_time(started_at);
                let fqdn = format!(
                    "AH00558: apache2: Could not reliably determine the server's fully qualified domain name, using {pod_ip}. Set the 'ServerName' directive globally to suppress this message"
                );
                vec![
                    fqdn.clone(),
                    fqdn,
                    format!(
                        "[{t}] [mpm_prefork:notice] [pid 1] AH00163: Apache/2.4.38 (Debian) PHP/7.4.7 configured -- resuming normal operations"
                    ),
                    format!(
                        "[{t}] [core:notice] [pid 1] AH00094: Command line: 'apache2 -D FOREGROUND'"
                    ),
                ]
            }
            Flavor::Redis => {
                let launch = self
                    .redis
                    .as_deref()
                    .cloned()
                    .unwrap_or_else(|| super::redis::Launch::of(&self.image, &[]));
                let settings = launch.settings(&self.files).unwrap_or_default();
                let port = super::redis::port(&settings).unwrap_or(6379);
                let replica = super::redis::replica_of(&settings).is_some();
                super::redis::banner(&launch, port, replica, &redis_time(started_at))
            }
            Flavor::Postgres => {
                let t = pg_time(started_at);
                vec![
                    "PostgreSQL Database directory appears to contain a database; Skipping initialization".to_string(),
                    String::new(),
                    format!("{t} UTC [1] LOG:  starting PostgreSQL 18.0 (Debian 18.0-1.pgdg13+3) on x86_64-pc-linux-gnu, compiled by gcc (Debian 14.2.0-19) 14.2.0, 64-bit"),
                    format!("{t} UTC [1] LOG:  listening on IPv4 address \"0.0.0.0\", port 5432"),
                    format!("{t} UTC [1] LOG:  listening on IPv6 address \"::\", port 5432"),
                    format!("{t} UTC [1] LOG:  listening on Unix socket \"/var/run/postgresql/.s.PGSQL.5432\""),
                    format!("{t} UTC [1] LOG:  database system is ready to accept connections"),
                ]
            }
            Flavor::Mysql => {
                let t = format!(
                    "{}+00:00",
                    crate::time::rfc3339(started_at)
                        .replace('T', " ")
                        .trim_end_matches('Z')
                );
                vec![
                    format!(
                        "{t} [Note] [Entrypoint]: Entrypoint script for MySQL Server 9.5.0-1.el9 started."
                    ),
                    format!("{t} [Note] [Entrypoint]: Switching to dedicated user 'mysql'"),
                    format!(
                        "{t} [Note] [Entrypoint]: Entrypoint script for MySQL Server 9.5.0-1.el9 started."
                    ),
                    format!(
                        "{}Z 0 [System] [MY-015015] [Server] MySQL Server - start.",
                        crate::time::rfc3339_micro(started_at).trim_end_matches('Z')
                    ),
                    format!(
                        "{}Z 0 [System] [MY-010931] [Server] /usr/sbin/mysqld: ready for connections. Version: '9.5.0'  socket: '/var/run/mysqld/mysqld.sock'  port: 3306  MySQL Community Server - GPL.",
                        crate::time::rfc3339_micro(started_at).trim_end_matches('Z')
                    ),
                ]
            }
            Flavor::HelloApp => vec![format!(
                "{} Server listening on port {}",
                go_log_time(started_at),
                self.ports.first().copied().unwrap_or(8080)
            )],
            Flavor::HttpEcho => vec![format!(
                "{} [INFO] server is listening on :{}",
                go_log_time(started_at),
                self.ports.first().copied().unwrap_or(5678)
            )],
            Flavor::Whoami => vec![format!(
                "{} Starting up on port {}",
                go_log_time(started_at),
                self.ports.first().copied().unwrap_or(80)
            )],
            Flavor::Agnhost => match self.text.as_str() {
                "netexec" => vec![format!(
                    "I0101 {} 1 log.go:245] Started HTTP server on port {}",
                    &crate::time::rfc3339_micro(started_at)[11..26],
                    self.ports.first().copied().unwrap_or(8080)
                )],
                "serve-hostname" => vec![format!(
                    "{} Serving on port {}.",
                    go_log_time(started_at),
                    self.ports.first().copied().unwrap_or(9376)
                )],
                _ => Vec::new(),
            },
            Flavor::TcpServer | Flavor::Echo | Flavor::NginxHello | Flavor::HpaExample => {
                Vec::new()
            }
            _ if self.text == "python-http" || self.text == "goproxy" => Vec::new(),
            _ if self.text.starts_with("metrics-server") => {
                let mut lines = metrics_server_start(started_at);
                // Its first scrape, once it serves, before its caches sync.
                let at = lines
                    .iter()
                    .position(|l| l.contains("\"Caches are synced\""))
                    .unwrap_or(lines.len());
                let first = self
                    .failed_scrapes(started_at, 0..1)
                    .into_iter()
                    .map(|(_, l)| l);
                lines.splice(at..at, first);
                lines
            }
            // console.log's arguments joined by spaces, the last a newline.
            _ if self.text.starts_with("bootcamp ") => vec![
                format!(
                    "Kubernetes Bootcamp App Started At: {} | Running On:  {} ",
                    js_date(started_at),
                    self.env.get("HOSTNAME").map_or("", String::as_str)
                ),
                String::new(),
            ],
            _ => {
                let mut l = vec![format!(
                    "{} starting {} (simulated app)",
                    go_log_time(started_at),
                    self.image
                )];
                for p in &self.ports {
                    l.push(format!("{} listening on :{p}", go_log_time(started_at)));
                }
                l
            }
        }
    }

    /// The headers the server sends with an answer, in its order.
    pub(crate) fn headers(
        &self,
        status: u16,
        body: &str,
        now: Millis,
        request: &crate::http::HttpRequest,
    ) -> Vec<(String, String)> {
        let path = request.path.as_str();
        let pair = |k: &str, v: String| (k.to_string(), v);
        match self.flavor {
            Flavor::Nginx => {
                // A file from its root (mime.types by extension), or a page
                // of its own.
                let uri = nginx_uri(path).unwrap_or_default();
                let file = (status == 200 && self.text.is_empty()).then(|| {
                    let name = uri.rsplit('/').next().unwrap_or("");
                    let ext = name
                        .rsplit_once('.')
                        .map(|(_, ext)| ext.to_ascii_lowercase());
                    match ext.as_deref() {
                        _ if name.is_empty() => "text/html",
                        Some("html" | "htm" | "shtml") => "text/html",
                        Some("txt") => "text/plain",
                        Some("css") => "text/css",
                        Some("xml") => "text/xml",
                        Some("js") => "application/javascript",
                        Some("json") => "application/json",
                        Some("png") => "image/png",
                        Some("jpg" | "jpeg") => "image/jpeg",
                        Some("gif") => "image/gif",
                        Some("svg" | "svgz") => "image/svg+xml",
                        Some("ico") => "image/x-icon",
                        Some("webp") => "image/webp",
                        Some("pdf") => "application/pdf",
                        Some("wasm") => "application/wasm",
                        Some("woff") => "font/woff",
                        Some("woff2") => "font/woff2",
                        _ => "application/octet-stream",
                    }
                });
                let mut h = super::nginx::NginxImage::of(&self.image).headers(now, body, file);
                // `absolute_redirect`: the Host's name, the port it listens
                // on (80) left out.
                if status == 301 {
                    let host = request
                        .host
                        .rsplit_once(':')
                        .map_or(request.host.as_str(), |(h, _)| h);
                    h.insert(4, pair("Location", format!("http://{host}{uri}/")));
                }
                h
            }
            // nginxdemos/hello: nginx with `expires -1`.
            Flavor::NginxHello => {
                let mut h = super::nginx::NginxImage::of("nginx").headers(now, body, None);
                h.push(pair("Expires", "Thu, 01 Jan 1970 00:00:01 GMT".into()));
                h.push(pair("Cache-Control", "no-cache".into()));
                h
            }
            Flavor::Httpd if status == 200 => vec![
                pair("Date", crate::http::http_date(now)),
                pair("Server", "Apache/2.4.65 (Unix)".into()),
                pair("Last-Modified", "Mon, 11 Jun 2007 18:53:14 GMT".into()),
                pair("ETag", "\"2d-432a5e4a73a80\"".into()),
                pair("Accept-Ranges", "bytes".into()),
                pair("Content-Length", body.len().to_string()),
                pair("Content-Type", "text/html".into()),
            ],
            Flavor::Guestbook => guestbook_headers(status, path, body, now, false),
            Flavor::Httpd => vec![
                pair("Date", crate::http::http_date(now)),
                pair("Server", "Apache/2.4.65 (Unix)".into()),
                pair("Content-Length", body.len().to_string()),
                pair("Content-Type", "text/html; charset=iso-8859-1".into()),
            ],
            // node's http: the body written in pieces goes chunked.
            _ if self.text.starts_with("bootcamp ") => {
                let mut h = vec![
                    pair("Content-Type", "text/plain".into()),
                    pair("Date", crate::http::http_date(now)),
                    pair("Connection", "keep-alive".into()),
                ];
                if request.method != "HEAD" {
                    h.push(pair("Transfer-Encoding", "chunked".into()));
                }
                h
            }
            // Go's net/http (agnhost, whoami, hello-app, http-echo and the
            // generic app): sorted keys, a sniffed type.
            _ => {
                let html = body.trim_start().starts_with('<');
                let mut h = vec![
                    pair("Content-Length", body.len().to_string()),
                    pair(
                        "Content-Type",
                        if html {
                            "text/html; charset=utf-8"
                        } else {
                            "text/plain; charset=utf-8"
                        }
                        .into(),
                    ),
                    pair("Date", crate::http::http_date(now)),
                ];
                // `http.NotFound` (through `http.Error`).
                if status == 404 && body == "404 page not found\n" {
                    h.push(pair("X-Content-Type-Options", "nosniff".into()));
                }
                h
            }
        }
    }

    /// What nginx's default server serves from its root, with the files
    /// the container has `offset` after its start (and those its pod's
    /// other containers wrote in volumes it shares with them): the file,
    /// 403 for a directory without `index.html` (no autoindex), else 404.
    fn nginx_static(
        &self,
        offset: Millis,
        (method, path): (&str, &str),
        shared: Option<&VecMap<String, String>>,
    ) -> (u16, String) {
        // Its own files as they were at the start unless something wrote
        // since (probes ask at every tick: no copy then).
        let written;
        let own = if self.external.is_empty()
            && self.run.as_ref().is_none_or(|r| r.file_events.is_empty())
        {
            &self.files
        } else {
            written = self.files_at(offset);
            &written
        };
        let none = VecMap::new();
        let shared = shared.unwrap_or(&none);
        let lookup = |p: &str| shared.get(p).or_else(|| own.get(p));
        let nginx = super::nginx::NginxImage::of(&self.image);
        let Some(uri) = nginx_uri(path) else {
            return (400, nginx.error_page("400 Bad Request"));
        };
        let path = uri.as_str();
        // The static module serves GET and HEAD, refuses other methods
        // (POST once it finds the file).
        if !matches!(method, "GET" | "HEAD" | "POST") {
            return (405, nginx.error_page("405 Not Allowed"));
        }
        let file = format!("{NGINX_ROOT}{path}");
        let dir = format!("{}/", file.trim_end_matches('/'));
        let is_dir = path == "/"
            || self.dirs.iter().any(|d| format!("{d}/") == dir)
            || own.keys().chain(shared.keys()).any(|k| k.starts_with(&dir));
        let index = format!("{dir}index.html");
        let found = lookup(if path.ends_with('/') { &index } else { &file });
        match found {
            Some(_) if method == "POST" => (405, nginx.error_page("405 Not Allowed")),
            Some(body) => (200, body.clone()),
            // A directory named without its slash: nginx redirects.
            None if is_dir && !path.ends_with('/') => {
                (301, nginx.error_page("301 Moved Permanently"))
            }
            None if is_dir => (403, nginx.error_page("403 Forbidden")),
            None => (404, nginx.error_page("404 Not Found")),
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn answer(
        &self,
        offset: Millis,
        now: Millis,
        port: u16,
        request: &crate::http::HttpRequest,
        pod_name: &str,
        pod_ip: &str,
        shared: Option<&VecMap<String, String>>,
    ) -> (u16, String, Option<String>) {
        let (method, path, host, client) = (
            request.method.as_str(),
            request.path.as_str(),
            request.host.as_str(),
            request.client_ip.as_str(),
        );
        let status = self.status_at(offset);
        let ua = request.user_agent.as_str();
        let ts = nginx_time(now);
        // The app's own knobs (READY_AFTER, FAIL_AFTER, HTTP_STATUS) answer
        // with a status line; the server logs it as it logs any answer.
        let (status, body) = match self.flavor {
            _ if self.text.starts_with(METRICS_SERVER_X509) && path == "/readyz" => (
                500,
                "[-]metric-storage-ready failed: reason withheld\nreadyz check failed\n".to_string(),
            ),
            _ if status != 200 => (
                status,
                format!("{} {}\n", status, crate::http::reason_phrase(status)),
            ),
            Flavor::Nginx if self.text.is_empty() => {
                self.nginx_static(offset, (method, path), shared)
            }
            Flavor::Httpd => {
                if path == "/" || path.starts_with("/?") || path == "/index.html" {
                    (200, "<html><body><h1>It works!</h1></body></html>\n".to_string())
                } else {
                    (404, HTTPD_404.to_string())
                }
            }
            Flavor::HelloApp => (
                200,
                format!(
                    "Hello, world!\nVersion: {}\nHostname: {pod_name}\n",
                    if self.image.contains(":2") { "2.0.0" } else { "1.0.0" }
                ),
            ),
            Flavor::HttpEcho => (200, format!("{}\n", self.text)),
            Flavor::Whoami => (
                200,
                format!(
                    "Hostname: {pod_name}\nIP: 127.0.0.1\nIP: ::1\nIP: {pod_ip}\nRemoteAddr: {client}:{}\n{method} {path} HTTP/1.1\nHost: {host}\nUser-Agent: {ua}\nAccept: */*\n\n",
                    40000 + (now % 20000)
                ),
            ),
            Flavor::NginxHello => (
                200,
                format!(
                    "Server address: {pod_ip}:{port}\nServer name: {pod_name}\nDate: {ts}\nURI: {path}\nRequest ID: {}\n",
                    &super::images::hex64(&format!("{pod_name}{now}{path}"))[..32]
                ),
            ),
            Flavor::HpaExample => (200, "OK!".to_string()),
            Flavor::Guestbook => guestbook_static(path, host, port),
            Flavor::Echo => (
                200,
                format!(
                    "\n\nHostname: {pod_name}\n\nPod Information:\n\t-no pod information available-\n\nServer values:\n\tserver_version=nginx: 1.13.3 - lua: 10008\n\nRequest Information:\n\tclient_address={client}\n\tmethod={method}\n\treal path={}\n\tquery={}\n\trequest_version=1.1\n\trequest_scheme=http\n\trequest_uri=http://{host}:{port}{path}\n\nRequest Headers:\n\taccept=*/*\n\thost={host}\n\tuser-agent={ua}\n\nRequest Body:\n\t-no body in request-\n\n",
                    path.split('?').next().unwrap_or(path),
                    path.split_once('?').map(|(_, q)| q).unwrap_or("")
                ),
            ),
            // agnhost liveness: alive for 10 s (`duration.Seconds() > 10`
            // fails), then 500 with the seconds it has run.
            Flavor::Agnhost if self.text == "liveness" => {
                match path.split('?').next().unwrap_or(path) {
                    "/healthz" if offset > AGNHOST_LIVENESS_ALIVE => {
                        (500, format!("error: {}", offset as f64 / 1000.0))
                    }
                    "/healthz" => (200, "ok".to_string()),
                    "/started" => (200, super::go_duration(offset)),
                    _ => (404, "404 page not found\n".to_string()),
                }
            }
            Flavor::Agnhost => match (self.text.as_str(), path) {
                ("serve-hostname", _) | (_, "/hostname") => (200, pod_name.to_string()),
                (_, "/echo") | (_, "/healthz") => (200, String::new()),
                // netexec's `fmt.Fprintf(w, "NOW: %v", time.Now())`: Go's
                // Time.String, its monotonic reading since the start included.
                _ => (200, format!("NOW: {}", go_time_string(now, offset))),
            },
            _ if self.text.starts_with("bootcamp ") => (
                200,
                format!(
                    "Hello Kubernetes bootcamp! | Running on: {pod_name} | {}\n",
                    &self.text[9..]
                ),
            ),
            // The docs' backend greeter (`json.NewEncoder(w).Encode`).
            _ if self.text == "hello-go-gke" => {
                (200, "{\"message\":\"Hello\"}\n".to_string())
            }
            _ if self.text == "goproxy" => (
                500,
                "This is a proxy server. Does not respond to non-proxy requests.\n".to_string(),
            ),
            _ if self.text == "python-http" => (
                200,
                "<!DOCTYPE HTML>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Directory listing for /</title>\n</head>\n<body>\n<h1>Directory listing for /</h1>\n<hr>\n<ul>\n</ul>\n<hr>\n</body>\n</html>\n".to_string(),
            ),
            _ => (200, format!("Hello from {pod_name} ({})\n", self.image)),
        };
        // A HEAD answer sends no body bytes.
        let sent = if method == "HEAD" { 0 } else { body.len() };
        let log = match self.flavor {
            // A file nginx could not serve: its error log's line first,
            // numbered by connection when the log is read.
            Flavor::Nginx
                if self.text.is_empty()
                    && matches!(status, 403 | 404)
                    && self.status_at(offset) == 200 =>
            {
                let file = format!("{NGINX_ROOT}{}", nginx_uri(path).unwrap_or_default());
                let what = if status == 403 {
                    format!("directory index of \"{file}\" is forbidden")
                } else {
                    format!("open() \"{file}\" failed (2: No such file or directory)")
                };
                Some(format!(
                    "{} [error] 29#29: *{REQUEST_NUMBER} {what}, client: {client}, server: localhost, request: \"{method} {path} HTTP/1.1\", host: \"{host}\"\n{client} - - [{ts}] \"{method} {path} HTTP/1.1\" {status} {sent} \"-\" \"{ua}\" \"-\"",
                    go_log_time(now)
                ))
            }
            Flavor::Nginx | Flavor::NginxHello => Some(format!(
                "{client} - - [{ts}] \"{method} {path} HTTP/1.1\" {status} {sent} \"-\" \"{ua}\" \"-\""
            )),
            Flavor::Httpd => Some(format!(
                "{client} - - [{ts}] \"{method} {path} HTTP/1.1\" {status} {sent}"
            )),
            Flavor::HelloApp => Some(format!("{} Serving request: {path}", go_log_time(now))),
            Flavor::Echo => Some(format!(
                "{client} - - [{ts}] \"{method} {path} HTTP/1.1\" {status} {sent} \"-\" \"{ua}\""
            )),
            Flavor::Whoami | Flavor::HttpEcho | Flavor::HpaExample => None,
            Flavor::Guestbook => Some(apache_combined(
                request,
                &ts,
                status,
                &self.headers(status, &body, now, request),
                sent,
            )),
            // agnhost liveness logs nothing.
            Flavor::Agnhost if self.text == "liveness" => None,
            Flavor::Agnhost => Some(format!(
                "I0101 {} 1 log.go:245] GET {path}",
                &crate::time::rfc3339_micro(now)[11..26]
            )),
            // Verbose: `[001] INFO: Got request …` with a session count
            // this model does not keep. metrics-server logs requests only
            // at higher verbosity.
            _ if self.text == "goproxy" || self.text == "metrics-server" => None,
            // Its readiness fails with no metrics, and it says so.
            _ if self.text.starts_with(METRICS_SERVER_X509) => (path == "/readyz").then(|| {
                let t = crate::time::rfc3339_micro(now);
                format!(
                    "I{}{} {}       1 server.go:192] \"Failed probe\" probe=\"metric-storage-ready\" err=\"no metrics to serve\"",
                    &t[5..7],
                    &t[8..10],
                    &t[11..26]
                )
            }),
            // `++requests`: numbered when the log is read.
            _ if self.text.starts_with("bootcamp ") => Some(format!(
                "Running On: {pod_name} | Total Requests: {REQUEST_NUMBER} | App Uptime: {} seconds | Log Time: {}",
                offset as f64 / 1000.0,
                js_date(now)
            )),
            _ if self.text == "python-http" => Some(format!(
                "{client} - - [{}] \"{method} {path} HTTP/1.1\" {status} -",
                python_time(now)
            )),
            _ => Some(format!("{client} - \"{method} {path} HTTP/1.1\" {status}")),
        };
        (status, body, log)
    }
}

/// How a Go program without a SIGTERM handler ends as PID 1: its runtime
/// re-raises the signal, which the kernel ignores for a namespace's init,
/// and then exits with 2 (`dieFromSignal`).
const GO_PID1_SIGTERM_EXIT: i32 = 2;

/// Where a request's number goes in a log line (nginx's connection number
/// in its error lines, the bootcamp's `Total Requests`): the log numbers
/// the requests when it is read.
pub(crate) const REQUEST_NUMBER: char = '\u{1}';

/// The path nginx looks up for a request's URI: without its query, `%XX`
/// decoded, slashes merged, `.` and `..` resolved (`None`: a `..` above the
/// root or a bad escape, which nginx answers with 400).
pub(crate) fn nginx_uri(raw: &str) -> Option<String> {
    let raw = raw.split(['?', '#']).next().unwrap_or(raw);
    let decoded = crate::http::percent_decode(raw, false)?;
    let mut parts: Vec<&str> = Vec::new();
    for segment in decoded.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    let dir = decoded.ends_with('/') || decoded.ends_with("/.") || decoded.ends_with("/..");
    let mut out = format!("/{}", parts.join("/"));
    if dir && out != "/" {
        out.push('/');
    }
    Some(out)
}

/// nginx's default server's root.
pub(crate) const NGINX_ROOT: &str = "/usr/share/nginx/html";

/// How long agnhost's `liveness` server answers `/healthz` with 200.
const AGNHOST_LIVENESS_ALIVE: Millis = 10 * SECOND;

/// `01/Jan/2026:00:00:07 +0000` (nginx and Apache access logs).
pub(crate) fn nginx_time(ms: Millis) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (y, mo, d, h, mi, s, _) =
        crate::time::civil(crate::time::EPOCH_UNIX_SECONDS + (ms / 1000) as i64);
    format!(
        "{d:02}/{}/{y}:{h:02}:{mi:02}:{s:02} +0000",
        MONTHS[mo as usize - 1]
    )
}

/// `2026/01/01 00:00:05` (nginx error log and Go's log package).
pub(crate) fn go_log_time(ms: Millis) -> String {
    let (y, mo, d, h, mi, s, _) =
        crate::time::civil(crate::time::EPOCH_UNIX_SECONDS + (ms / 1000) as i64);
    format!("{y}/{mo:02}/{d:02} {h:02}:{mi:02}:{s:02}")
}

fn httpd_time(ms: Millis) -> String {
    let d = super::shell::busybox_date(ms);
    // Thu Jan  1 00:00:05 UTC 2026 -> Thu Jan 01 00:00:05.123456 2026
    let parts: Vec<&str> = d.split_whitespace().collect();
    format!(
        "{} {} {:0>2} {}.{:06} {}",
        parts[0],
        parts[1],
        parts[2],
        parts[3],
        (ms % 1000) * 1000,
        parts[5]
    )
}

pub(crate) fn redis_time(ms: Millis) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (y, mo, d, h, mi, s, _) =
        crate::time::civil(crate::time::EPOCH_UNIX_SECONDS + (ms / 1000) as i64);
    format!(
        "{d:02} {} {y} {h:02}:{mi:02}:{s:02}.{:03}",
        MONTHS[mo as usize - 1],
        ms % 1000
    )
}

fn pg_time(ms: Millis) -> String {
    let t = crate::time::rfc3339(ms);
    format!("{}.{:03}", t[..19].replace('T', " "), ms % 1000)
}

fn python_time(ms: Millis) -> String {
    let t = nginx_time(ms);
    t.trim_end_matches(" +0000").replacen(':', " ", 1)
}

fn mysql_no_password(started_at: Millis) -> Vec<String> {
    let t = format!(
        "{}+00:00",
        crate::time::rfc3339(started_at)
            .replace('T', " ")
            .trim_end_matches('Z')
    );
    vec![
        format!("{t} [Note] [Entrypoint]: Entrypoint script for MySQL Server 9.5.0-1.el9 started."),
        format!("{t} [Note] [Entrypoint]: Switching to dedicated user 'mysql'"),
        format!("{t} [Note] [Entrypoint]: Entrypoint script for MySQL Server 9.5.0-1.el9 started."),
        format!(
            "{t} [ERROR] [Entrypoint]: Database is uninitialized and password option is not specified"
        ),
        "    You need to specify one of the following as an environment variable:".to_string(),
        "    - MYSQL_ROOT_PASSWORD".to_string(),
        "    - MYSQL_ALLOW_EMPTY_PASSWORD".to_string(),
        "    - MYSQL_RANDOM_ROOT_PASSWORD".to_string(),
    ]
}

/// The Guestbook frontend's page (gb-frontend v5's index.html, 920 bytes).
pub(crate) const GUESTBOOK_INDEX: &str = "<html ng-app=\"redis\">
  <head>
    <title>Guestbook</title>
    <link rel=\"stylesheet\" href=\"//netdna.bootstrapcdn.com/bootstrap/3.1.1/css/bootstrap.min.css\">
    <script src=\"https://ajax.googleapis.com/ajax/libs/angularjs/1.2.12/angular.min.js\"></script>
    <script src=\"controllers.js\"></script>
    <script src=\"https://cdnjs.cloudflare.com/ajax/libs/angular-ui-bootstrap/2.5.6/ui-bootstrap-tpls.js\"></script>
  </head>
  <body ng-controller=\"RedisCtrl\">
    <div style=\"width: 50%; margin-left: 20px\">
      <h2>Guestbook</h2>
    <form>
    <fieldset>
    <input ng-model=\"msg\" placeholder=\"Messages\" class=\"form-control\" type=\"text\" name=\"input\"><br>
    <button type=\"button\" class=\"btn btn-primary\" ng-click=\"controller.onRedis()\">Submit</button>
    </fieldset>
    </form>
    <div>
      <div ng-repeat=\"msg in messages track by $index\">
        {{msg}}
      </div>
    </div>
    </div>
  </body>
</html>
";

/// The Guestbook's script: the messages are read and written through
/// `guestbook.php` (controllers.js).
const GUESTBOOK_CONTROLLERS: &str = "/**
 * Copyright 2016 The Kubernetes Authors All rights reserved.
 *
 * Licensed under the Apache License, Version 2.0 (the \"License\");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *   http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an \"AS IS\" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

var redisApp = angular.module('redis', ['ui.bootstrap']);

/**
 * Constructor
 */
function RedisController() {}

RedisController.prototype.onRedis = function() {
    this.scope_.messages.push(this.scope_.msg);
    this.scope_.msg = \"\";
    var value = this.scope_.messages.join();
    this.http_.get(\"guestbook.php?cmd=set&key=messages&value=\" + value)
            .success(angular.bind(this, function(data) {
                this.scope_.redisResponse = \"Updated.\";
            }));
};

redisApp.controller('RedisCtrl', function ($scope, $http, $location) {
        $scope.controller = new RedisController();
        $scope.controller.scope_ = $scope;
        $scope.controller.location_ = $location;
        $scope.controller.http_ = $http;

        $scope.controller.http_.get(\"guestbook.php?cmd=get&key=messages\")
            .success(function(data) {
                console.log(data);
                $scope.messages = data.data.split(\",\");
            });
});
";

/// What the Guestbook's Apache serves from /var/www/html, but for
/// `guestbook.php`'s commands (which reach Redis, see
/// `pods::guestbook_php`): its page and script, else Debian Apache's 404.
fn guestbook_static(path: &str, host: &str, port: u16) -> (u16, String) {
    match path.split('?').next().unwrap_or(path) {
        "/" | "/index.html" => (200, GUESTBOOK_INDEX.to_string()),
        "/controllers.js" => (200, GUESTBOOK_CONTROLLERS.to_string()),
        "/guestbook.php" => (
            200,
            "Kubeplay does not simulate phpinfo() (guestbook.php without ?cmd=)\n".to_string(),
        ),
        _ => {
            // `UseCanonicalName Off`: the name and port the client asked for.
            let (host, port) = match host.rsplit_once(':') {
                Some((h, p)) if p.parse::<u16>().is_ok() => (h, p.to_string()),
                _ => (host, port.to_string()),
            };
            (
                404,
                format!(
                    "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>404 Not Found</title>\n</head><body>\n<h1>Not Found</h1>\n<p>The requested URL was not found on this server.</p>\n<hr>\n<address>Apache/2.4.38 (Debian) Server at {host} Port {port}</address>\n</body></html>\n"
                ),
            )
        }
    }
}

/// The Guestbook's response headers: Debian Apache's for its files,
/// PHP's for `guestbook.php` (which sets the JSON type itself).
pub(crate) fn guestbook_headers(
    status: u16,
    path: &str,
    body: &str,
    now: Millis,
    json: bool,
) -> Vec<(String, String)> {
    let pair = |k: &str, v: &str| (k.to_string(), v.to_string());
    let mut h = vec![
        pair("Date", &crate::http::http_date(now)),
        pair("Server", "Apache/2.4.38 (Debian)"),
    ];
    let file = path.split('?').next().unwrap_or(path);
    let kind = match file {
        "/guestbook.php" if json => {
            h.push(pair("X-Powered-By", "PHP/7.4.7"));
            "application/json"
        }
        "/guestbook.php" => {
            h.push(pair("X-Powered-By", "PHP/7.4.7"));
            "text/html; charset=UTF-8"
        }
        _ if status != 200 => "text/html; charset=iso-8859-1",
        _ => {
            // The files' time in the image.
            h.push(pair("Last-Modified", "Tue, 23 Jun 2020 18:04:36 GMT"));
            h.push(pair("ETag", &format!("\"{:x}-5a8c431327500\"", body.len())));
            h.push(pair("Accept-Ranges", "bytes"));
            if file.ends_with(".js") {
                "application/javascript"
            } else {
                "text/html"
            }
        }
    };
    h.push(pair("Content-Length", &body.len().to_string()));
    if status == 200 && !file.ends_with(".php") {
        h.push(pair("Vary", "Accept-Encoding"));
    }
    h.push(pair("Content-Type", kind));
    h
}

/// An access-log line in Debian Apache's `combined` format; `%O` counts
/// the bytes sent with the headers.
pub(crate) fn apache_combined(
    request: &crate::http::HttpRequest,
    ts: &str,
    status: u16,
    headers: &[(String, String)],
    body_bytes: usize,
) -> String {
    let head = format!(
        "HTTP/1.1 {status} {}\r\n",
        crate::http::reason_phrase(status)
    )
    .len()
        + headers
            .iter()
            .map(|(k, v)| k.len() + v.len() + 4)
            .sum::<usize>()
        + 2;
    format!(
        "{} - - [{ts}] \"{} {} HTTP/1.1\" {status} {} \"-\" \"{}\"",
        request.client_ip,
        request.method,
        request.path,
        head + body_bytes,
        request.user_agent
    )
}

const HTTPD_404: &str = "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>404 Not Found</title>\n</head><body>\n<h1>Not Found</h1>\n<p>The requested URL was not found on this server.</p>\n</body></html>\n";

const POSTGRES_NO_PASSWORD: &str =
    "Error: Database is uninitialized and superuser password is not specified.
       You must specify POSTGRES_PASSWORD to a non-empty value for the
       superuser. For example, \"-e POSTGRES_PASSWORD=password\" on \"docker run\".

       You may also use \"POSTGRES_HOST_AUTH_METHOD=trust\" to allow all
       connections without a password. This is *not* recommended.

       See PostgreSQL documentation about \"trust\":
       https://www.postgresql.org/docs/current/auth-trust.html";

const HELLO_WORLD: &str = "
Hello from Docker!
This message shows that your installation appears to be working correctly.

To generate this message, Docker took the following steps:
 1. The Docker client contacted the Docker daemon.
 2. The Docker daemon pulled the \"hello-world\" image from the Docker Hub.
    (amd64)
 3. The Docker daemon created a new container from that image which runs the
    executable that produces the output you are currently reading.
 4. The Docker daemon streamed that output to the Docker client, which sent it
    to your terminal.

To try something more ambitious, you can run an Ubuntu container with:
 $ docker run -it ubuntu bash

Share images, automate workflows, and more with a free Docker ID:
 https://hub.docker.com/

For more examples and ideas, visit:
 https://docs.docker.com/get-started/
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_like_the_docs_say() {
        assert_eq!(parse_duration("30s"), Some(30_000));
        assert_eq!(parse_duration("1m30s"), Some(90_000));
        assert_eq!(parse_duration("500ms"), Some(500));
        assert_eq!(parse_duration("2"), Some(2_000));
        assert_eq!(parse_duration("soon"), None);
    }

    #[test]
    fn perl_bpi_prints_pi_as_the_docs_job_does() {
        let argv = |s: &[&str]| s.iter().map(|a| a.to_string()).collect::<Vec<_>>();
        let docs = argv(&["perl", "-Mbignum=bpi", "-wle", "print bpi(2000)"]);
        assert_eq!(perl_bpi(&docs), Some(2000));
        assert_eq!(perl_bpi(&argv(&["perl", "-e", "print 1"])), None);
        assert_eq!(
            perl_bpi(&argv(&["perl", "-Mbignum=bpi", "-e", "print bpi(0)"])),
            None
        );
        let pi = pi_digits(2000);
        // "3." and 1999 decimals; the 2001st significant digit (9) rounds up.
        assert_eq!(pi.len(), 2001);
        assert!(pi.starts_with("3.14159265358979323846264338327950288419716939937510"));
        assert!(pi.ends_with("326459958133904780275901"), "{}", &pi[1950..]);
        assert_eq!(pi_digits(1), "3");
        assert_eq!(pi_digits(5), "3.1416");
        // The Feynman point (…134999999… from the 759th decimal): rounding
        // carries through the nines.
        assert_eq!(&pi_digits(767)[760..], "13500000");
    }
    #[test]
    fn capabilities_are_containerds_defaults_with_drops_then_adds() {
        let sc = |yaml: &str| crate::yaml::load_str(yaml).unwrap()[0].root.to_value();
        assert_eq!(capabilities(&Value::Null), 0xa804_25fb);
        assert_eq!(
            capabilities(&sc("capabilities: {add: [NET_ADMIN, CAP_SYS_TIME]}")),
            0xaa04_35fb
        );
        assert_eq!(capabilities(&sc("capabilities: {drop: [ALL]}")), 0);
        assert_eq!(
            capabilities(&sc("capabilities: {drop: [ALL], add: [net_bind_service]}")),
            1 << 10
        );
        assert_eq!(capabilities(&sc("privileged: true")), 0x1ff_ffff_ffff);
        assert_eq!(
            capabilities(&sc("capabilities: {add: [ALL]}")),
            0x1ff_ffff_ffff
        );
    }

    #[test]
    fn times_print_as_gos_time_string_with_its_monotonic_reading() {
        assert_eq!(
            go_time_string(1_500, 1_000),
            "2026-01-01 00:00:01.5 +0000 UTC m=+1.000000000"
        );
        assert_eq!(
            go_time_string(61_000, 23_011),
            "2026-01-01 00:01:01 +0000 UTC m=+23.011000000"
        );
    }
}
