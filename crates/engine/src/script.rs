//! Kubeplay scripts: a terminal session against the simulated cluster.
//!
//! Each line is a command, echoed as `$ <line>` before its output (stdout
//! and stderr interleaved as a terminal shows them):
//!
//! - `kubectl …`, including `kubectl apply -f - <<EOF` with a here-document;
//! - `sleep 30s` / `sleep 2m` / `sleep 1h30m` / `sleep 5` advances simulated time;
//! - `curl [-s] [-S] [-i] [-H 'Host: …'] [-X METHOD] URL` sends a request
//!   through the cluster network;
//! - faults: `stop node NAME`, `start node NAME`, `kill pod NAME [-c
//!   CONTAINER] [-n NAMESPACE]`, `add node NAME [--cpu 8] [--memory 16Gi]
//!   [--pods 110] [--label k=v] [--taint k=v:NoSchedule]`, `remove node
//!   NAME`, `break image IMAGE`, `fix image IMAGE`;
//! - `traffic start URL [--rate N] [-H 'Host: …']` starts a traffic
//!   generator (N requests per simulated second, default 5) and `traffic
//!   stop` stops every running one;
//! - `status TYPE/NAME [-n NAMESPACE] <<EOF … EOF` replaces an object's
//!   status as a component would (a testing aid: printers and `describe`
//!   can be shown on hand-built states);
//! - `echo …`, comments (`#`) and blank lines.
//!
//! A kubectl error is printed as kubectl prints it and the script goes on;
//! a line Kubeplay cannot understand stops the script with its line number.

use crate::cluster::{Cluster, NodeOptions, Taint};
use crate::kubectl::{Files, WithStdin, shell};
use crate::kubelet::to_stderr;
use crate::network::Request;
use crate::quantity::Quantity;
use crate::time::Millis;

/// Why a script stopped early.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptError {
    /// The 1-based line of the script.
    pub line: usize,
    /// What was wrong with it.
    pub message: String,
}

/// What a script printed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptResult {
    /// The terminal transcript: each `$ command` and its output.
    pub output: String,
    /// 0 when every line ran; 2 when a malformed line stopped the script.
    pub exit_code: i32,
    /// The malformed line, when there was one.
    pub error: Option<ScriptError>,
    /// How many kubectl commands exited non-zero.
    pub kubectl_failures: usize,
}

/// Parses a `sleep` duration: `30`, `30s`, `2m`, `1h30m`, `1.5s`, `500ms`.
pub fn parse_sleep(text: &str) -> Result<Millis, String> {
    let bad = || format!("invalid time interval '{text}'");
    if text.is_empty() {
        return Err(bad());
    }
    if let Some(secs) = crate::num::parse_f64(text) {
        if secs < 0.0 || !secs.is_finite() {
            return Err(bad());
        }
        return Ok((secs * 1000.0).round() as Millis);
    }
    let mut total = 0.0f64;
    let mut rest = text;
    while !rest.is_empty() {
        let n = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if n == 0 {
            return Err(bad());
        }
        let num = crate::num::parse_f64(&rest[..n]).ok_or_else(bad)?;
        rest = &rest[n..];
        let u = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..u] {
            "ms" => 1.0,
            "s" | "" => 1000.0,
            "m" => 60_000.0,
            "h" => 3_600_000.0,
            "d" => 86_400_000.0,
            _ => return Err(bad()),
        };
        rest = &rest[u..];
        total += num * scale;
    }
    if total > 365.0 * 86_400_000.0 {
        return Err(format!("{text} is longer than Kubeplay simulates (a year)"));
    }
    Ok(total.round() as Millis)
}

fn parse_count(what: &str, v: &str) -> Result<i64, String> {
    v.parse()
        .map_err(|_| format!("invalid {what} {v:?}: expected a whole number"))
}

/// `--flag=value` as the flag and its value; any other word as itself.
fn split_flag(word: &str) -> (&str, Option<String>) {
    match word.split_once('=') {
        Some((f, v)) if word.starts_with("--") => (f, Some(v.to_string())),
        _ => (word, None),
    }
}

/// Reads the value of the flag at `words[*i]`: the inline one, or the next
/// word (moving `i` past it). `flag` names it in the error.
fn flag_value(
    words: &[String],
    i: &mut usize,
    inline: &Option<String>,
    flag: &str,
) -> Result<String, String> {
    if let Some(v) = inline {
        return Ok(v.clone());
    }
    *i += 1;
    words
        .get(*i)
        .cloned()
        .ok_or_else(|| format!("{flag} needs a value"))
}

fn add_node_options(words: &[String]) -> Result<NodeOptions, String> {
    let Some(name) = words.first() else {
        return Err("usage: add node NAME [--cpu N] [--memory Q] [--pods N] [--label k=v] [--taint k=v:Effect]".into());
    };
    let mut opts = NodeOptions::worker(name);
    let mut i = 1;
    while i < words.len() {
        let (flag, inline) = split_flag(&words[i]);
        match flag {
            "--cpu" => {
                let q = Quantity::parse(&flag_value(words, &mut i, &inline, flag)?)
                    .map_err(|e| format!("--cpu: {e}"))?;
                opts.cpu_milli = q.milli_value();
            }
            "--memory" => {
                let q = Quantity::parse(&flag_value(words, &mut i, &inline, flag)?)
                    .map_err(|e| format!("--memory: {e}"))?;
                opts.memory_bytes = q.value();
            }
            "--pods" => {
                opts.pods = parse_count("--pods", &flag_value(words, &mut i, &inline, flag)?)?
            }
            "--label" => {
                let v = flag_value(words, &mut i, &inline, flag)?;
                let (k, val) = v
                    .split_once('=')
                    .ok_or_else(|| format!("--label {v:?}: expected key=value"))?;
                opts.labels.push((k.to_string(), val.to_string()));
            }
            "--taint" => {
                let v = flag_value(words, &mut i, &inline, flag)?;
                let (kv, effect) = v
                    .split_once(':')
                    .ok_or_else(|| format!("--taint {v:?}: expected key[=value]:Effect"))?;
                if !matches!(effect, "NoSchedule" | "PreferNoSchedule" | "NoExecute") {
                    return Err(format!(
                        "--taint {v:?}: the effect must be NoSchedule, PreferNoSchedule or NoExecute"
                    ));
                }
                let (k, val) = kv.split_once('=').unwrap_or((kv, ""));
                opts.taints.push(Taint {
                    key: k.to_string(),
                    value: val.to_string(),
                    effect: effect.to_string(),
                });
            }
            "--control-plane" => opts.control_plane = true,
            other => return Err(format!("add node: unknown option {other:?}")),
        }
        i += 1;
    }
    Ok(opts)
}

const TRAFFIC_USAGE: &str = "usage: traffic start URL [--rate N] [-H 'Host: NAME'] | traffic stop";

/// `traffic start`'s URL, Host header and rate (requests per simulated second).
fn traffic_options(words: &[String]) -> Result<(String, Option<String>, u32), String> {
    let mut url = None;
    let mut host = None;
    let mut rate = 5;
    let mut i = 0;
    while i < words.len() {
        let (flag, inline) = split_flag(&words[i]);
        let label = format!("traffic start: {flag}");
        match flag {
            "--rate" => {
                let v = flag_value(words, &mut i, &inline, &label)?;
                rate = v
                    .parse::<u32>()
                    .ok()
                    .filter(|r| (1..=crate::network::MAX_REQUESTS_PER_SECOND).contains(r))
                    .ok_or_else(|| {
                        format!(
                            "traffic start: invalid rate {v:?}: expected 1 to {} requests per second",
                            crate::network::MAX_REQUESTS_PER_SECOND
                        )
                    })?;
            }
            "-H" | "--header" => {
                let h = flag_value(words, &mut i, &inline, &label)?;
                match h.split_once(':') {
                    Some((name, v)) if name.trim().eq_ignore_ascii_case("host") => {
                        host = Some(v.trim().to_string())
                    }
                    _ => {
                        return Err(format!(
                            "traffic start: only a Host header is supported, got {h:?}"
                        ));
                    }
                }
            }
            u if url.is_none() && !u.starts_with('-') => url = Some(u.to_string()),
            other => return Err(format!("traffic start: unexpected {other:?}")),
        }
        i += 1;
    }
    let url = url.ok_or(TRAFFIC_USAGE)?;
    Ok((url, host, rate))
}

/// Runs `curl` against the cluster network; returns the printed text.
fn curl(cluster: &mut Cluster, args: &[String]) -> Result<String, String> {
    // The user's own terminal.
    let (_, text, took) = curl_code(cluster, args, None, true);
    // A connection that waited out a timeout moves the clock by the wait.
    if took >= crate::time::SECOND {
        cluster.step(took);
    }
    Ok(crate::kubelet::terminal_text(&text))
}

/// curl's exit code, printed text and time taken, from the user's machine
/// or (`from`) a pod (what `curl` under `kubectl exec` prints). What it
/// writes to standard error is marked ([`crate::kubelet::to_stderr`]).
/// `tty`: its output is a terminal (no progress meter for a body it prints).
pub(crate) fn curl_code(
    cluster: &mut Cluster,
    args: &[String],
    from: Option<&crate::store::ObjectKey>,
    tty: bool,
) -> (i32, String, crate::time::Millis) {
    let mut code = 0;
    let mut took = 0;
    let args = split_curl_flags(args);
    match curl_run(cluster, &args, (from, tty), &mut code, &mut took) {
        Ok(text) => (code, text, took),
        // A malformed option: curl's usage error.
        Err(text) => (
            2,
            to_stderr(&format!(
                "{text}\ncurl: try 'curl --help' or 'curl --manual' for more information\n"
            )),
            0,
        ),
    }
}

/// curl's short options that take a value.
const CURL_SHORT_WITH_VALUE: &str = "XHmowdAeuxTFbcrEKCPQtyYz";

/// Splits clustered short options as curl reads them: `-fsSL` is `-f -s
/// -S -L`, `-XPOST` is `-X POST`, `-m5` is `-m 5`.
pub(crate) fn split_curl_flags(args: &[String]) -> Vec<String> {
    let takes_value = |a: &str| {
        a.len() == 2 && a.starts_with('-') && CURL_SHORT_WITH_VALUE.contains(&a[1..])
            || a.starts_with("--") && crate::kubelet::CURL_VALUE_OPTIONS.contains(&a)
    };
    let mut out = Vec::with_capacity(args.len());
    let mut value_next = false;
    for a in args {
        let flags = a
            .strip_prefix('-')
            .filter(|f| f.len() > 1 && !f.starts_with('-'));
        match flags {
            Some(flags) if !value_next => {
                for (i, c) in flags.char_indices() {
                    out.push(format!("-{c}"));
                    if CURL_SHORT_WITH_VALUE.contains(c) {
                        let rest = &flags[i + c.len_utf8()..];
                        value_next = rest.is_empty();
                        if !value_next {
                            out.push(rest.to_string());
                        }
                        break;
                    }
                }
            }
            _ => {
                value_next = !value_next && takes_value(a);
                out.push(a.clone());
            }
        }
    }
    out
}

fn curl_run(
    cluster: &mut Cluster,
    args: &[String],
    (from, tty): (Option<&crate::store::ObjectKey>, bool),
    code: &mut i32,
    took: &mut crate::time::Millis,
) -> Result<String, String> {
    let mut no_progress_meter = false;
    let mut fail = false;
    let mut max_time: Option<crate::time::Millis> = None;
    let mut connect_timeout: Option<crate::time::Millis> = None;
    let mut silent = false;
    let mut show_error = false;
    let mut include = false;
    let mut head = false;
    let mut verbose = false;
    let mut method = "GET".to_string();
    let mut host_header = None;
    let mut discard_body = false;
    let mut output_file: Option<String> = None;
    let mut remote_name = false;
    let mut write_out: Option<String> = None;
    let mut url = None;
    let mut i = 0;
    let mut out = String::new();
    while i < args.len() {
        let a = &args[i];
        let next = |i: &mut usize| -> Result<String, String> {
            *i += 1;
            args.get(*i)
                .cloned()
                .ok_or_else(|| format!("curl: option {a}: requires parameter"))
        };
        match a.as_str() {
            "-s" | "--silent" => silent = true,
            "-S" | "--show-error" => show_error = true,
            "-i" | "--include" => include = true,
            "-I" | "--head" => {
                head = true;
                include = true;
                method = "HEAD".to_string();
            }
            "-v" | "--verbose" => verbose = true,
            "--no-progress-meter" => no_progress_meter = true,
            "-L" | "--location" | "-k" | "--insecure" => {}
            "-f" | "--fail" => fail = true,
            "-X" | "--request" => method = next(&mut i)?,
            "-H" | "--header" => {
                let h = next(&mut i)?;
                if let Some((name, value)) = h.split_once(':')
                    && name.trim().eq_ignore_ascii_case("host")
                {
                    host_header = Some(value.trim().to_string());
                }
            }
            "-m" | "--max-time" => {
                max_time = crate::kubelet::timeout_seconds(&next(&mut i)?);
            }
            "--connect-timeout" => {
                connect_timeout = crate::kubelet::timeout_seconds(&next(&mut i)?);
            }
            // The body goes to the file (`-o -` is standard output; `-O`
            // names it after the URL's last path component).
            "-o" | "--output" => {
                let path = next(&mut i)?;
                discard_body = path != "-";
                output_file = Some(path).filter(|p| p != "-");
            }
            "-O" | "--remote-name" => {
                discard_body = true;
                remote_name = true;
            }
            "-w" | "--write-out" => write_out = Some(next(&mut i)?),
            s if s.starts_with('-') => {
                *code = 2;
                return Ok(to_stderr(&format!(
                    "curl: option {s}: is unknown\ncurl: try 'curl --help' or 'curl --manual' for more information\n"
                )));
            }
            s => url = Some(s.to_string()),
        }
        i += 1;
    }
    let Some(url) = url else {
        *code = 2;
        return Ok(to_stderr(
            "curl: no URL specified\ncurl: try 'curl --help' or 'curl --manual' for more information\n",
        ));
    };
    let request = Request {
        method: method.clone(),
        url: url.clone(),
        host_header: host_header.clone(),
        from: from.cloned(),
        user_agent: None,
    };
    let mut response = cluster.send_request(&request);
    // What a background port-forward printed meanwhile shares the
    // terminal: once curl connected (after `-v`'s connection lines).
    let job_output = std::mem::take(&mut response.job_output);
    if !verbose {
        out.push_str(&job_output);
    }
    timeouts(&mut response, &url, connect_timeout, max_time);
    *took = response.latency_ms;
    let (target_host, target_port) = crate::network::url_host_port(&url);
    let remote = response.remote_ip.clone();
    if verbose {
        let connected = response.status != 0
            || response.body.starts_with("curl: (52)")
            || response.body.contains("Operation timed out");
        out.push_str(&to_stderr(&verbose_connect(
            &target_host,
            target_port,
            remote.as_deref(),
            connected,
        )));
        out.push_str(&job_output);
        if connected {
            // Credentials in the URL go in Authorization, not Host.
            let host = host_header.clone().unwrap_or_else(|| {
                let rest = url.split_once("://").map_or(url.as_str(), |(_, r)| r);
                let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
                authority.rsplit('@').next().unwrap_or("").to_string()
            });
            let path = crate::network::url_path(&url);
            out.push_str(&to_stderr(&format!(
                "> {method} {path} HTTP/1.1\r\n> Host: {host}\r\n> User-Agent: curl/8.14.1\r\n> Accept: */*\r\n> \r\n* Request completely sent off\n"
            )));
        }
    }
    // The meter goes to standard error unless the body goes to a terminal
    // (tool_operate.c); a terminal shows its header and its last line.
    let body_to_terminal = tty && !discard_body;
    if !(silent || no_progress_meter || body_to_terminal) {
        let received = if response.status == 0 || fail && response.status >= 400 {
            0
        } else {
            response.body.len() as u64
        };
        let total = response
            .headers
            .iter()
            .find(|(k, _)| k == "Content-Length")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(received);
        out.insert_str(
            0,
            &to_stderr(&progress_meter(total, received, response.latency_ms)),
        );
    }
    if response.status == 0 {
        *code = response
            .body
            .strip_prefix("curl: (")
            .and_then(|r| r.split(')').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(7);
        if verbose {
            // failf's text in the trace, then the connection's end.
            let detail = response.body.split_once(") ").map_or("", |(_, d)| d);
            let end = if *code == 6 {
                "shutting down"
            } else {
                "closing"
            };
            out.push_str(&to_stderr(&format!("* {detail}\n* {end} connection #0\n")));
        }
        if !silent || show_error {
            let mut message = response.body.clone();
            if !message.ends_with('\n') {
                message.push('\n');
            }
            out.push_str(&to_stderr(&message));
        }
        // -w still reports (000), after the error (curl's post_per_transfer
        // prints the error first).
        if let Some(format) = &write_out {
            out.push_str(&write_out_text(format, 0, &response));
        }
        return Ok(out);
    }
    if fail && response.status >= 400 {
        *code = 22;
        if !silent || show_error {
            out.push_str(&to_stderr(&format!(
                "curl: (22) The requested URL returned error: {}\n",
                response.status
            )));
        }
        // --fail stops at the headers: no body was downloaded.
        if let Some(format) = &write_out {
            let headers_only = crate::network::Response {
                body: String::new(),
                ..response.clone()
            };
            out.push_str(&write_out_text(format, response.status, &headers_only));
        }
        return Ok(out);
    }
    let status_line = format!(
        "HTTP/1.1 {} {}",
        response.status,
        crate::http::reason_of(response.status, &response.headers)
    );
    let mut header_block = format!("{status_line}\r\n");
    for (k, v) in &response.headers {
        header_block.push_str(&format!("{k}: {v}\r\n"));
    }
    header_block.push_str("\r\n");
    if verbose {
        let traced: String = header_block
            .split_inclusive("\r\n")
            .map(|l| format!("< {l}"))
            .collect();
        out.push_str(&to_stderr(&traced));
    }
    // With -i/-I the headers are part of the output (so -o takes them).
    if include && !discard_body {
        out.push_str(&header_block);
    }
    // The trace notes data when the output is not a terminal.
    if verbose && !head && !body_to_terminal && !response.body.is_empty() {
        out.push_str(&to_stderr(&format!(
            "{{ [{} bytes data]\n",
            response.body.len()
        )));
    }
    if !discard_body && !head {
        out.push_str(&response.body);
    }
    let remote = remote_name.then(|| {
        let path = url.split(['?', '#']).next().unwrap_or("");
        let after_host = path.split_once("://").map_or(path, |(_, r)| r);
        let file = after_host.split_once('/').map_or("", |(_, p)| p);
        file.rsplit('/').next().unwrap_or("").to_string()
    });
    if let Some(path) = output_file.or(remote).filter(|p| !p.is_empty()) {
        let mut content = if include {
            header_block.clone()
        } else {
            String::new()
        };
        if !head {
            content.push_str(&response.body);
        }
        out.push_str(&crate::kubelet::to_file(&path, &content));
    }
    if verbose {
        out.push_str(&to_stderr(&format!(
            "* Connection #0 to host {} left intact\n",
            target_host.trim_start_matches('[').trim_end_matches(']')
        )));
    }
    if let Some(format) = write_out {
        out.push_str(&write_out_text(&format, response.status, &response));
    }
    Ok(out)
}

/// curl's trace of finding and opening the connection (`-v`): the
/// resolver's answer for a name, each try, the connection.
fn verbose_connect(host: &str, port: u16, remote: Option<&str>, connected: bool) -> String {
    let literal = crate::apiserver::parse_ipv4(host).is_some() || host.starts_with('[');
    let localhost = host.trim_end_matches('.').eq_ignore_ascii_case("localhost");
    let mut out = String::new();
    // The user's own loopback refuses where no port-forward listens.
    let local = crate::network::portforward::is_local_host(host);
    let Some(ip) = remote.or_else(|| {
        local.then_some(if localhost {
            "127.0.0.1"
        } else {
            host.trim_start_matches('[').trim_end_matches(']')
        })
    }) else {
        return out;
    };
    // /etc/hosts gives `localhost` both loopbacks; curl tries IPv6 first.
    let tries: &[&str] = if localhost {
        out.push_str(&format!(
            "* Host {host}:{port} was resolved.\n* IPv6: ::1\n* IPv4: 127.0.0.1\n"
        ));
        if connected && ip == "::1" {
            &["::1"]
        } else {
            &["::1", "127.0.0.1"]
        }
    } else {
        if !literal {
            out.push_str(&format!(
                "* Host {host}:{port} was resolved.\n* IPv6: (none)\n* IPv4: {ip}\n"
            ));
        }
        &[ip]
    };
    let name = host.trim_start_matches('[').trim_end_matches(']');
    for (i, tried) in tries.iter().enumerate() {
        let shown = if tried.contains(':') {
            format!("[{tried}]")
        } else {
            tried.to_string()
        };
        out.push_str(&format!("*   Trying {shown}:{port}...\n"));
        if connected && i + 1 == tries.len() {
            out.push_str(&format!(
                "* Connected to {name} ({tried}) port {port}\n* using HTTP/1.x\n"
            ));
        } else if local {
            // A loopback connection comes from the same address, from an
            // ephemeral port.
            let from = 32_768 + (u32::from(port) * 7_919 + i as u32 * 4_099) % 28_232;
            out.push_str(&format!(
                "* connect to {tried} port {port} from {tried} port {from} failed: Connection refused\n"
            ));
        }
    }
    out
}

/// curl's progress meter once a transfer ended (`progress_meter` in
/// lib/progress.c): its two header lines and the last update.
fn progress_meter(total: u64, bytes: u64, took_ms: u64) -> String {
    let spent = time2str(took_ms / 1000);
    let (percent, total_time, speed) = if bytes == 0 {
        (0, "--:--:--".to_string(), 0)
    } else {
        (
            bytes * 100 / total.max(bytes),
            spent.clone(),
            bytes * 1000 / took_ms.max(1),
        )
    };
    format!(
        "  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n                                 Dload  Upload   Total   Spent    Left  Speed\n{percent:3} {}  {percent:3} {}  {:3} {}  {}  {} {total_time} {spent} --:--:-- {}\n",
        max5data(total),
        max5data(bytes),
        0,
        max5data(0),
        max5data(speed),
        max5data(0),
        max5data(speed),
    )
}

/// curl's `max5data`: a size in at most five characters.
fn max5data(bytes: u64) -> String {
    const KB: u64 = 1024;
    const MB: u64 = 1024 * KB;
    const GB: u64 = 1024 * MB;
    if bytes < 100_000 {
        format!("{bytes:5}")
    } else if bytes < 10_000 * KB {
        format!("{:4}k", bytes / KB)
    } else if bytes < 100 * MB {
        format!("{:2}.{}M", bytes / MB, (bytes % MB) / (MB / 10))
    } else if bytes < 10_000 * MB {
        format!("{:4}M", bytes / MB)
    } else {
        format!("{:4}G", bytes / GB)
    }
}

/// curl's `time2str`: `--:--:--` for nothing, else `H:MM:SS`.
fn time2str(seconds: u64) -> String {
    if seconds == 0 {
        return "--:--:--".to_string();
    }
    let h = seconds / 3600;
    if h <= 99 {
        format!("{h:2}:{:02}:{:02}", seconds % 3600 / 60, seconds % 60)
    } else {
        format!("{:3}d {:02}h", h / 24, h % 24)
    }
}

/// Applies `--connect-timeout` and `-m` to a response that would come
/// later: curl gives up with its timeout error (28) at the limit.
fn timeouts(
    response: &mut crate::network::Response,
    url: &str,
    connect_timeout: Option<crate::time::Millis>,
    max_time: Option<crate::time::Millis>,
) {
    let connecting = response.status == 0 && response.body.starts_with("curl: (28)");
    // A resolver that times out is bounded by either limit too.
    let resolving = response.status == 0 && response.body.starts_with("curl: (6)");
    let (host, port) = crate::network::url_host_port(url);
    let first = match (connect_timeout, max_time) {
        (Some(c), Some(m)) => Some(c.min(m)),
        (c, m) => c.or(m),
    };
    let message = match (connect_timeout, max_time) {
        _ if resolving && first.is_some_and(|limit| response.latency_ms > limit) => {
            let limit = first.unwrap_or(0);
            Some((
                limit,
                format!("curl: (28) Resolving timed out after {limit} milliseconds"),
            ))
        }
        (Some(limit), max)
            if connecting && response.latency_ms > limit && max.is_none_or(|m| limit <= m) =>
        {
            Some((
                limit,
                format!(
                    "curl: (28) Failed to connect to {host} port {port} after {limit} ms: Timeout was reached"
                ),
            ))
        }
        (_, Some(limit)) if connecting && response.latency_ms > limit => Some((
            limit,
            format!("curl: (28) Connection timed out after {limit} milliseconds"),
        )),
        (_, Some(limit)) if response.latency_ms > limit => Some((
            limit,
            format!(
                "curl: (28) Operation timed out after {limit} milliseconds with 0 bytes received"
            ),
        )),
        _ => None,
    };
    if let Some((limit, body)) = message {
        response.status = 0;
        response.body = body;
        response.latency_ms = limit;
    }
}

/// curl's `-w`: `%{http_code}` (and `%{response_code}`), `%{time_total}`
/// (seconds, six decimals), `\n`/`\t` escapes.
fn write_out_text(format: &str, status: u16, response: &crate::network::Response) -> String {
    let took = response.latency_ms;
    format
        .replace("%{remote_ip}", response.remote_ip.as_deref().unwrap_or(""))
        .replace(
            "%{size_download}",
            &if status == 0 { 0 } else { response.body.len() }.to_string(),
        )
        .replace(
            "%{time_total}",
            &format!("{}.{:03}000", took / 1000, took % 1000),
        )
        .replace("%{http_code}", &format!("{status:03}"))
        .replace("%{response_code}", &format!("{status:03}"))
        .replace("\\n", "\n")
        .replace("\\t", "\t")
}

/// Runs one non-kubectl script command: its exit status and what it
/// printed (its standard error when the status is not 0). `Err` is a
/// malformed line.
pub(crate) fn run_builtin(
    cluster: &mut Cluster,
    words: &[String],
) -> Result<(i32, String), String> {
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    let report = |r: Result<(), String>| match r {
        Ok(()) => String::new(),
        Err(e) => format!("error: {e}\n"),
    };
    let mut status = 0;
    let text = match w.as_slice() {
        ["sleep", d] => {
            let ms = parse_sleep(d)?;
            cluster.step(ms);
            String::new()
        }
        ["sleep", ..] => return Err("usage: sleep DURATION (30s, 2m, 1h30m)".into()),
        ["echo", rest @ ..] => format!("{}\n", rest.join(" ")),
        ["curl", ..] => curl(cluster, &words[1..])?,
        ["jobs"] => jobs(cluster, false),
        // bash's own `kill`, with its status.
        ["kill", rest @ ..] if rest.first() != Some(&"pod") => {
            let (code, text) = kill_jobs(cluster, rest);
            status = code;
            text
        }
        ["stop", "node", name] => report(cluster.stop_node(name)),
        ["start", "node", name] => report(cluster.start_node(name)),
        ["remove", "node", name] => report(cluster.remove_node(name)),
        ["add", "node", ..] => {
            let opts = add_node_options(&words[2..])?;
            match cluster.add_node(opts) {
                Ok(_) => String::new(),
                Err(e) => format!("error: {}\n", e.kubectl_message(None)),
            }
        }
        ["kill", "pod", rest @ ..] => {
            let mut pod = None;
            let mut container = None;
            let mut namespace = "default".to_string();
            let mut i = 0;
            while i < rest.len() {
                match rest[i] {
                    "-c" | "--container" => {
                        i += 1;
                        container = Some(
                            rest.get(i)
                                .ok_or("kill pod: -c needs a container name")?
                                .to_string(),
                        );
                    }
                    "-n" | "--namespace" => {
                        i += 1;
                        namespace = rest
                            .get(i)
                            .ok_or("kill pod: -n needs a namespace")?
                            .to_string();
                    }
                    p if pod.is_none() && !p.starts_with('-') => pod = Some(p.to_string()),
                    other => return Err(format!("kill pod: unexpected {other:?}")),
                }
                i += 1;
            }
            let pod = pod.ok_or("usage: kill pod NAME [-c CONTAINER] [-n NAMESPACE]")?;
            report(cluster.kill_container(&namespace, &pod, container.as_deref()))
        }
        ["traffic", "start", ..] => {
            let (url, host, rate) = traffic_options(&words[2..])?;
            cluster.start_traffic(&url, host.as_deref(), rate);
            String::new()
        }
        ["traffic", "stop"] => {
            for id in cluster.traffic_ids() {
                cluster.stop_traffic(id);
            }
            String::new()
        }
        ["traffic", ..] => return Err(TRAFFIC_USAGE.into()),
        ["break", "image", image] => {
            cluster.set_image_available(image, false);
            String::new()
        }
        ["fix", "image", image] => {
            cluster.set_image_available(image, true);
            String::new()
        }
        [cmd, ..] => return Err(format!("unknown command \"{cmd}\"")),
        [] => String::new(),
    };
    Ok((status, text))
}

/// `status TYPE/NAME [-n NS]`: writes `body` (YAML) into the object's status
/// (top-level fields replaced, others kept). Meant for objects no simulated
/// component manages; a controller or kubelet rewrites its own objects.
/// `Err` is a malformed line; an API error is printed like kubectl's.
fn set_status(cluster: &mut Cluster, words: &[String], body: &str) -> Result<String, String> {
    let mut target = None;
    let mut namespace = "default".to_string();
    let mut i = 0;
    while i < words.len() {
        match words[i].as_str() {
            "-n" | "--namespace" => {
                i += 1;
                namespace = words.get(i).ok_or("status: -n needs a namespace")?.clone();
            }
            t if target.is_none() => target = Some(t.to_string()),
            other => return Err(format!("status: unexpected {other:?}")),
        }
        i += 1;
    }
    let target = target.ok_or("usage: status TYPE/NAME [-n NAMESPACE] <<EOF … EOF")?;
    let (kind, name) = target
        .split_once('/')
        .ok_or_else(|| format!("status: expected TYPE/NAME, got {target:?}"))?;
    let rid = crate::api::registry::lookup_resource(kind)
        .ok_or_else(|| format!("status: unknown resource type {kind:?}"))?;
    let docs = crate::yaml::load_str(body).map_err(|e| format!("status: {}", e.message))?;
    let status = docs
        .into_iter()
        .next()
        .map(|d| d.root.to_value())
        .unwrap_or_default();
    let ns = if rid.get().namespaced {
        namespace.as_str()
    } else {
        ""
    };
    let key = crate::store::ObjectKey::new(rid, ns, name);
    // Like a status patch: the fields given replace theirs, the rest stay
    // (a pod keeps the qosClass the API server set).
    let status = match cluster.store.get(&key).map(|o| o.get("status").clone()) {
        Some(mut current) if current.as_object().is_some() => {
            for (k, v) in status.members() {
                current.set(k, v.clone());
            }
            current
        }
        _ => status,
    };
    let result = cluster.update_status(&key, status);
    cluster.settle();
    Ok(match result {
        Ok(_) => String::new(),
        Err(e) => format!("{}\n", e.kubectl_message(None)),
    })
}

/// Finds a here-document operator (`<<EOF`, `<<'EOF'`, `<<"EOF"`, `<<-EOF`)
/// outside quotes; returns the line without it, the delimiter and whether
/// leading tabs are stripped.
fn heredoc(line: &str) -> Option<(String, String, bool)> {
    let mut quote: Option<char> = None;
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    let mut k = 0;
    while k < chars.len() {
        let (i, c) = chars[k];
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == '<' && line[i..].starts_with("<<") => {
                let mut rest = &line[i + 2..];
                let strip = rest.starts_with('-');
                if strip {
                    rest = &rest[1..];
                }
                let rest = rest.trim_start();
                let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                let word = &rest[..end];
                let delim = word.trim_matches(|c| c == '\'' || c == '"').to_string();
                if delim.is_empty() {
                    return None;
                }
                let after = &rest[end..];
                let before = &line[..i];
                return Some((
                    format!("{before}{after}").trim_end().to_string(),
                    delim,
                    strip,
                ));
            }
            None => {}
        }
        k += 1;
    }
    None
}

/// Whether a line leaves a quote open (its command goes on on the next
/// line, quote and all, as bash reads it).
fn open_quote(line: &str) -> bool {
    crate::kubectl::shell::split(line).is_err_and(|e| e.starts_with("unterminated"))
}

/// Whether `line` ends in a backslash that escapes its newline (an odd
/// run of them).
fn continues(line: &str) -> bool {
    (line.len() - line.trim_end_matches('\\').len()) % 2 == 1
}

/// The command of a line that ends in a background `&` (not `&&`, not
/// escaped).
fn background_job(line: &str) -> Option<&str> {
    let command = line.trim_end().strip_suffix('&')?;
    if command.ends_with(['&', '\\', '|', '>']) {
        return None;
    }
    Some(command.trim_end())
}

/// `jobs`: the user's background jobs, as bash lists them; ended ones are
/// listed once, then forgotten. `ended_only`: the notice an interactive
/// bash prints before its next prompt (`[1]+  Exit 1  …`).
fn jobs(cluster: &mut Cluster, ended_only: bool) -> String {
    let forwards = &mut cluster.network.port_forwards;
    let n = forwards.len();
    let mut out = String::new();
    for (i, f) in forwards.iter().enumerate() {
        if ended_only && f.ended.is_none() {
            continue;
        }
        let mark = match n - i {
            1 => '+',
            2 => '-',
            _ => ' ',
        };
        let (state, amp) = match &f.ended {
            Some(how) => (how.as_str(), ""),
            None => ("Running", " &"),
        };
        out.push_str(&format!(
            "[{}]{mark}  {state:<24}{}{amp}\n",
            f.job.number, f.job.command
        ));
    }
    forwards.retain(|f| f.ended.is_none());
    out
}

/// Starts kubectl as a background job, as an interactive bash shows it:
/// `[N] PID` first, and a command that fails at once is a job that has
/// ended (`[N]+  Exit 1  …` before the next prompt). Its exit status is
/// not the line's: `$?` after `&` is 0.
fn background_kubectl(
    cluster: &mut Cluster,
    words: &[String],
    files: &dyn Files,
    command: &str,
) -> String {
    let forwards = &cluster.network.port_forwards;
    let before = forwards.len();
    let job = crate::network::ShellJob {
        number: forwards.iter().map(|f| f.job.number).max().unwrap_or(0) + 1,
        pid: 20_000 + cluster.rng.index(40_000) as u32,
        command: command.to_string(),
    };
    let (number, pid) = (job.number, job.pid);
    cluster.host_shell.started_job(pid);
    let result = cluster.kubectl_background(words, files, job);
    let mut out = format!("[{number}] {pid}\n{}", result.terminal);
    if cluster.network.port_forwards.len() == before {
        out.push_str(&format!("[{number}]+  {:<24}{command}\n", "Exit 1"));
    }
    out
}

/// Linux's signals 1 to 31, as bash names them (`kill -l`).
const SIGNALS: [&str; 31] = [
    "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2",
    "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG",
    "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS",
];

/// A signal's name without `SIG` (34 to 64 are the real-time ones), or
/// `None` for a number Linux has none for.
fn signal_name(n: u32) -> Option<String> {
    match n {
        1..=31 => Some(SIGNALS[n as usize - 1].to_string()),
        34 => Some("RTMIN".into()),
        35..=49 => Some(format!("RTMIN+{}", n - 34)),
        50..=63 => Some(format!("RTMAX-{}", 64 - n)),
        64 => Some("RTMAX".into()),
        _ => None,
    }
}

/// A signal bash reads (`9`, `KILL`, `SIGKILL`, `sigkill`).
fn signal_number(spec: &str) -> Option<u32> {
    if let Ok(n) = spec.parse::<u32>() {
        return (n == 0 || signal_name(n).is_some()).then_some(n);
    }
    let upper = spec.to_ascii_uppercase();
    let name = upper.strip_prefix("SIG").unwrap_or(&upper);
    (1..=64).find(|&n| signal_name(n).as_deref() == Some(name))
}

/// `kill [-SIGNAL | -s SIGNAL | -n NUMBER] JOB…` and `kill -l`: signals
/// background jobs, named `%N` (`%%` and `%+` the current job, `%-` the
/// previous one) or by PID, with bash's messages and exit status. kubectl
/// dies of SIGHUP, SIGTERM and SIGKILL as Go programs do, exits 2 after a
/// stack dump on SIGQUIT and its kin, and ignores the rest;
/// `port-forward` handles SIGINT and exits 0.
fn kill_jobs(cluster: &mut Cluster, args: &[&str]) -> (i32, String) {
    const USAGE: &str = "kill: usage: kill [-s sigspec | -n signum | -sigspec] pid | jobspec ... or kill -l [sigspec]\n";
    let invalid = |spec: &str| {
        (
            1,
            format!("bash: kill: {spec}: invalid signal specification\n"),
        )
    };
    let (signal, targets) = match args {
        ["-l" | "-L"] => {
            let mut out = String::new();
            for (i, n) in (1..=64).filter(|n| !matches!(n, 32 | 33)).enumerate() {
                let name = signal_name(n).unwrap_or_default();
                out.push_str(&format!("{n:2}) SIG{name}\t"));
                if i % 5 == 4 {
                    out.pop();
                    out.push('\n');
                }
            }
            out.push('\n');
            return (0, out);
        }
        ["-l" | "-L", specs @ ..] => {
            // A number names its signal (an exit status above 128 its
            // signal's, 0 the EXIT trap), a name gives its number; each
            // bad one is said in its turn.
            let mut out = String::new();
            let mut code = 0;
            for spec in specs {
                let answer = match spec.parse::<u32>() {
                    Ok(0) => Some("EXIT".to_string()),
                    Ok(n) => signal_name(if n > 128 { n - 128 } else { n }),
                    Err(_) => signal_number(spec).map(|n| n.to_string()),
                };
                match answer {
                    Some(a) => out.push_str(&format!("{a}\n")),
                    None => {
                        out.push_str(&invalid(spec).1);
                        code = 1;
                    }
                }
            }
            return (code, out);
        }
        [flag @ ("-s" | "-n")] => {
            return (
                1,
                format!("bash: kill: {flag}: option requires an argument\n"),
            );
        }
        ["-s" | "-n", name, rest @ ..] => (*name, rest),
        ["--", rest @ ..] => ("TERM", rest),
        // `-sNAME` and `-nNUMBER` are the options with their values.
        [flag, rest @ ..]
            if flag.len() > 2 && (flag.starts_with("-s") || flag.starts_with("-n")) =>
        {
            (&flag[2..], rest)
        }
        [flag, rest @ ..] if flag.len() > 1 && flag.starts_with('-') => (&flag[1..], rest),
        _ => ("TERM", args),
    };
    let targets = match targets {
        ["--", rest @ ..] => rest,
        t => t,
    };
    let Some(number) = signal_number(signal) else {
        return invalid(signal);
    };
    if targets.is_empty() {
        return (2, USAGE.into());
    }
    let mut out = String::new();
    for spec in targets {
        let forwards = &mut cluster.network.port_forwards;
        let n = forwards.len();
        let index = match spec.strip_prefix('%') {
            Some("%" | "+" | "") => n.checked_sub(1),
            // With one job, it is the previous job too.
            Some("-") => n.checked_sub(2).or(n.checked_sub(1)),
            Some(number) => forwards
                .iter()
                .position(|f| f.job.number.to_string() == number),
            None if spec.bytes().all(|b| b.is_ascii_digit()) && !spec.is_empty() => {
                match forwards.iter().position(|f| f.job.pid.to_string() == *spec) {
                    Some(i) => Some(i),
                    None => {
                        out.push_str(&format!("bash: kill: ({spec}) - No such process\n"));
                        continue;
                    }
                }
            }
            None => {
                out.push_str(&format!(
                    "bash: kill: {spec}: arguments must be process or job IDs\n"
                ));
                continue;
            }
        };
        match index.map(|i| &mut forwards[i]) {
            Some(f) if f.ended.is_none() => {
                f.ended = match number {
                    1 => Some("Hangup".into()),
                    2 if f.api.is_none() => Some("Done".into()),
                    2 => Some("Interrupt".into()),
                    // Go's stack dump, then exit status 2.
                    3..=6 | 16 | 31 => Some("Exit 2".into()),
                    9 => Some("Killed".into()),
                    15 => Some("Terminated".into()),
                    19..=22 => {
                        out.push_str(&format!(
                            "kubeplay: kill: SIG{}: Kubeplay does not stop jobs; a signal that ends them does\n",
                            signal_name(number).unwrap_or_default()
                        ));
                        None
                    }
                    // 0 only asks whether it exists; Go ignores the others.
                    _ => None,
                };
            }
            Some(f) => out.push_str(&format!("bash: kill: ({}) - No such process\n", f.job.pid)),
            None => out.push_str(&format!("bash: kill: {spec}: no such job\n")),
        }
    }
    (i32::from(!out.is_empty()), out)
}

/// Runs a whole script.
pub fn run_script(cluster: &mut Cluster, script: &str, files: &dyn Files) -> ScriptResult {
    let lines: Vec<&str> = script.lines().collect();
    let mut out = String::new();
    let mut failures = 0;
    let mut i = 0;
    while i < lines.len() {
        let line_no = i + 1;
        let raw = lines[i];
        i += 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fail = |out: String, message: String| {
            let mut out = out;
            out.push_str(&format!("kubeplay: line {line_no}: {message}\n"));
            ScriptResult {
                output: out,
                exit_code: 2,
                error: Some(ScriptError {
                    line: line_no,
                    message,
                }),
                kubectl_failures: failures,
            }
        };
        // An open interactive shell (`kubectl exec -it … -- sh`) takes the
        // line at its prompt.
        if let Some(prompt) = cluster.terminal_prompt() {
            out.push_str(&format!("{prompt}{line}\n"));
            let result = cluster.terminal_input(line, files);
            if result.exit_code != 0 {
                failures += 1;
            }
            out.push_str(&result.terminal);
            out.push_str(&jobs(cluster, true));
            continue;
        }
        // A line ending in `\` goes on on the next (as bash joins them),
        // and so does an unfinished shell command (`for …; do`, an open
        // quote), each further line echoed after bash's `> `.
        let mut joined = line.to_string();
        let mut more: Vec<&str> = Vec::new();
        while i < lines.len() {
            if continues(&joined) {
                joined.pop();
            } else if heredoc(&joined).is_some()
                || !(crate::kubelet::needs_more(&joined)
                    && (crate::host::wants_shell(&joined, &|f| cluster.host_shell.has_function(f))
                        || open_quote(&joined)))
            {
                break;
            } else {
                joined.push('\n');
            }
            // bash removes only the backslash and newline: indentation
            // inside quotes stays.
            more.push(lines[i].trim_end());
            joined.push_str(lines[i].trim_end());
            i += 1;
        }
        let line = joined.as_str();
        // A here-document supplies standard input.
        let (command, stdin) = match heredoc(line) {
            Some((cmd, delim, strip)) => {
                let mut body = String::new();
                let mut echoed = vec![line.to_string()];
                let mut closed = false;
                while i < lines.len() {
                    let l = lines[i];
                    i += 1;
                    let l = if strip { l.trim_start_matches('\t') } else { l };
                    echoed.push(l.to_string());
                    if l == delim {
                        closed = true;
                        break;
                    }
                    body.push_str(l);
                    body.push('\n');
                }
                if !closed {
                    return fail(
                        out,
                        format!("here-document delimited by end-of-file (wanted `{delim}`)"),
                    );
                }
                out.push_str(&format!("$ {}\n", echoed[0]));
                for l in &echoed[1..] {
                    out.push_str(&format!("> {l}\n"));
                }
                (cmd, Some(body))
            }
            None => {
                let first = raw.trim();
                out.push_str(&format!("$ {first}\n"));
                for l in &more {
                    out.push_str(&format!("> {l}\n"));
                }
                (line.to_string(), None)
            }
        };
        // A trailing `&` runs the command as a background job.
        let (command, background) = match background_job(&command) {
            Some(c) if stdin.is_none() => (c.to_string(), true),
            _ => (command, false),
        };
        // Pipes, lists, variables and the like: the user's own shell.
        if !background
            && crate::host::wants_shell(&command, &|f| cluster.host_shell.has_function(f))
        {
            let result = cluster.host_shell_line(&command, stdin, files);
            if result.exit_code != 0 {
                failures += 1;
            }
            out.push_str(&result.terminal);
            out.push_str(&jobs(cluster, true));
            continue;
        }
        let words = match shell::split(&command) {
            Ok(w) => w,
            Err(e) => return fail(out, e),
        };
        // kubectl's command: its first word that is no flag.
        let subcommand = words.iter().skip(1).find(|w| !w.starts_with('-'));
        if background
            && !(words.first().is_some_and(|w| w == "kubectl")
                && (words.iter().any(|w| w == "port-forward")
                    || subcommand.is_some_and(|w| w == "proxy")))
        {
            return fail(
                out,
                "only `kubectl port-forward` and `kubectl proxy` run in the background (`&`) in Kubeplay".into(),
            );
        }
        if words.first().map(String::as_str) == Some("kubectl") {
            if background {
                out.push_str(&background_kubectl(cluster, &words, files, &command));
                out.push_str(&jobs(cluster, true));
                continue;
            }
            let result = match &stdin {
                Some(text) => cluster.kubectl_args(&words, &WithStdin { files, stdin: text }),
                None => cluster.kubectl_args(&words, files),
            };
            if result.exit_code != 0 {
                failures += 1;
            }
            out.push_str(&result.terminal);
            out.push_str(&jobs(cluster, true));
            continue;
        }
        if words.first().map(String::as_str) == Some("status") {
            let Some(body) = &stdin else {
                return fail(
                    out,
                    "usage: status TYPE/NAME [-n NAMESPACE] <<EOF … EOF".into(),
                );
            };
            match set_status(cluster, &words[1..], body) {
                Ok(text) => out.push_str(&text),
                Err(e) => return fail(out, e),
            }
            continue;
        }
        if stdin.is_some() {
            return fail(
                out,
                "here-documents are only supported for kubectl and status".into(),
            );
        }
        let result = run_builtin(cluster, &words);
        // Let the components react (a new node's kubelet registers, a
        // killed container's restart is noticed) before the next line looks.
        cluster.settle();
        match result {
            Ok((_, text)) => out.push_str(&text),
            Err(e) => return fail(out, e),
        }
        out.push_str(&jobs(cluster, true));
    }
    ScriptResult {
        output: out,
        exit_code: 0,
        error: None,
        kubectl_failures: failures,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kubectl::NoFiles;

    #[test]
    fn the_users_shell_keeps_its_functions_from_line_to_line() {
        let mut c = Cluster::new(1);
        let out = run_script(
            &mut c,
            "greet() { echo \"Hello, $1\"; }\ngreet world\nfunction nodes { kubectl get nodes -o name | wc -l; }\nnodes\nreturn 1\n",
            &NoFiles,
        )
        .output;
        assert_eq!(
            out,
            "$ greet() { echo \"Hello, $1\"; }\n$ greet world\nHello, world\n$ function nodes { kubectl get nodes -o name | wc -l; }\n$ nodes\n4\n$ return 1\nbash: return: can only `return' from a function or sourced script\n"
        );
    }

    #[test]
    fn kill_signals_jobs_by_number_or_pid_and_dollar_bang_is_the_last_job() {
        let mut c = Cluster::new(1);
        let script = "echo \"[$!]\"\nkubectl proxy &\necho \"[$!]\"\nkill -HUP $!\nkubectl proxy &\nkill -USR1 %1\njobs\nkill -s KILL %%\nkubectl port-forward svc/kubernetes 6443:443 &\nkill 1 %4 x\nkill -FOO %1\n";
        // bash's own, checked against bash 5: the user's shell gives its
        // errors on standard error with status 1 (2 for usage).
        let mut shell = Cluster::new(1);
        let line = |c: &mut Cluster, l: &str| run_script(c, l, &NoFiles).output;
        assert_eq!(
            line(&mut shell, "kill -l | head -1"),
            "$ kill -l | head -1\n 1) SIGHUP\t 2) SIGINT\t 3) SIGQUIT\t 4) SIGILL\t 5) SIGTRAP\n"
        );
        assert!(line(&mut shell, "kill -l").ends_with("63) SIGRTMAX-1\t64) SIGRTMAX\t\n"));
        assert_eq!(
            line(&mut shell, "kill %9 2>/dev/null || echo \"failed: $?\""),
            "$ kill %9 2>/dev/null || echo \"failed: $?\"\nfailed: 1\n"
        );
        assert_eq!(
            line(&mut shell, "kill -sigterm %1; kill -l sigkill 35; kill -s"),
            "$ kill -sigterm %1; kill -l sigkill 35; kill -s\nbash: kill: igterm: invalid signal specification\n9\nRTMIN+1\nbash: kill: -s: option requires an argument\n"
        );
        let out = run_script(&mut c, script, &NoFiles).output;
        let pid = |n: usize| {
            out.lines()
                .filter_map(|l| l.strip_prefix("[1] "))
                .nth(n)
                .unwrap()
                .to_string()
        };
        let first = pid(0);
        assert!(
            out.starts_with(&format!(
                "$ echo \"[$!]\"\n[]\n$ kubectl proxy &\n[1] {first}\n"
            )),
            "{out}"
        );
        assert!(out.contains(&format!("$ echo \"[$!]\"\n[{first}]\n$ kill -HUP $!\n[1]+  Hangup                  kubectl proxy\n")), "{out}");
        // Go ignores SIGUSR1: the job runs on.
        assert!(out.contains("$ kill -USR1 %1\n$ jobs\n[1]+  Running                 kubectl proxy &\n$ kill -s KILL %%\n[1]+  Killed                  kubectl proxy\n"), "{out}");
        assert!(out.contains("$ kill 1 %4 x\nbash: kill: (1) - No such process\nbash: kill: %4: no such job\nbash: kill: x: arguments must be process or job IDs\n"), "{out}");
        assert!(
            out.ends_with("$ kill -FOO %1\nbash: kill: FOO: invalid signal specification\n"),
            "{out}"
        );
    }

    #[test]
    fn curls_meter_sizes_and_times_fit_their_columns() {
        assert_eq!(max5data(615), "  615");
        assert_eq!(max5data(99_999), "99999");
        assert_eq!(max5data(615_000), " 600k");
        assert_eq!(max5data(15 * 1024 * 1024 + 512 * 1024), "15.5M");
        assert_eq!(max5data(615_000_000), " 586M");
        assert_eq!(time2str(0), "--:--:--");
        assert_eq!(time2str(127), " 0:02:07");
        assert_eq!(
            progress_meter(615, 615, 2).lines().last(),
            Some("100   615  100   615    0     0   300k      0 --:--:-- --:--:-- --:--:--  300k")
        );
    }

    #[test]
    fn flags_take_inline_or_next_word_values_and_say_which_is_missing() {
        let w = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
        let opts = add_node_options(&w("n4 --cpu=8 --memory 16Gi --pods=20")).unwrap();
        assert_eq!(
            (opts.cpu_milli, opts.memory_bytes, opts.pods),
            (8000, 16 << 30, 20)
        );
        assert_eq!(
            add_node_options(&w("n4 --cpu")).unwrap_err(),
            "--cpu needs a value"
        );
        let (url, host, rate) = traffic_options(&w("http://x/ --rate=7 -H Host:a.b")).unwrap();
        assert_eq!((url.as_str(), rate), ("http://x/", 7));
        assert!(host.is_some());
        assert_eq!(
            traffic_options(&w("http://x/ --rate")).unwrap_err(),
            "traffic start: --rate needs a value"
        );
    }

    #[test]
    fn sleep_durations() {
        assert_eq!(parse_sleep("30s"), Ok(30_000));
        assert_eq!(parse_sleep("2m"), Ok(120_000));
        assert_eq!(parse_sleep("1h30m"), Ok(5_400_000));
        assert_eq!(parse_sleep("5"), Ok(5_000));
        assert_eq!(parse_sleep("1.5s"), Ok(1_500));
        assert_eq!(parse_sleep("500ms"), Ok(500));
        assert!(parse_sleep("soon").is_err());
        assert!(parse_sleep("-1").is_err());
    }

    #[test]
    fn echoes_commands_and_advances_time() {
        let mut c = Cluster::new(1);
        let r = run_script(
            &mut c,
            "# a comment\n\nkubectl get ns\nsleep 2m\nkubectl get ns default\n",
            &NoFiles,
        );
        assert_eq!(r.exit_code, 0);
        assert_eq!(
            r.output,
            "$ kubectl get ns\nNAME              STATUS   AGE\ndefault           Active   60s\nkube-node-lease   Active   60s\nkube-public       Active   60s\nkube-system       Active   60s\n$ sleep 2m\n$ kubectl get ns default\nNAME      STATUS   AGE\ndefault   Active   3m\n"
        );
        assert_eq!(c.now_ms(), crate::cluster::BOOT_MS + 120_000);
    }

    #[test]
    fn heredocs_feed_stdin_and_errors_keep_going() {
        let mut c = Cluster::new(1);
        let script = "kubectl apply -f - <<EOF\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\nEOF\nkubectl get cm b\nkubectl get cm a -o name\n";
        let r = run_script(&mut c, script, &NoFiles);
        assert_eq!(
            r.output,
            "$ kubectl apply -f - <<EOF\n> apiVersion: v1\n> kind: ConfigMap\n> metadata:\n>   name: a\n> EOF\nconfigmap/a created\n$ kubectl get cm b\nError from server (NotFound): configmaps \"b\" not found\n$ kubectl get cm a -o name\nconfigmap/a\n"
        );
        assert_eq!(r.kubectl_failures, 1);
        assert_eq!(r.exit_code, 0);
    }

    #[test]
    fn status_writes_a_hand_built_state() {
        let mut c = Cluster::new(1);
        let r = run_script(
            &mut c,
            "kubectl run web --image=nginx\nstatus pod/web <<EOF\nphase: Running\ncontainerStatuses:\n- name: web\n  ready: true\n  restartCount: 0\n  state: {running: {}}\nEOF\nkubectl get pod web --no-headers\nstatus pod/nope <<EOF\nphase: Failed\nEOF\n",
            &NoFiles,
        );
        assert_eq!(r.exit_code, 0);
        assert!(
            r.output.ends_with("$ kubectl get pod web --no-headers\nweb   1/1   Running   0     0s\n$ status pod/nope <<EOF\n> phase: Failed\n> EOF\nError from server (NotFound): pods \"nope\" not found\n"),
            "{}",
            r.output
        );
    }

    #[test]
    fn traffic_generators_start_and_stop_in_simulated_time() {
        let mut c = Cluster::new(1);
        let r = run_script(
            &mut c,
            "traffic start http://172.18.255.200/ --rate 20 -H 'Host: nothing.example'\nsleep 1500ms\ntraffic stop\nsleep 1s\n",
            &NoFiles,
        );
        assert_eq!(r.exit_code, 0, "{}", r.output);
        let ids = c.traffic_ids();
        assert_eq!(ids.len(), 1);
        let s = c.traffic_stats(ids[0]).unwrap();
        assert_eq!((s.sent, s.running, s.requests_per_second), (30, false, 20));
        assert_eq!(s.host_header.as_deref(), Some("nothing.example"));
        assert_eq!(c.now_ms(), crate::cluster::BOOT_MS + 2_500);
        for (line, message) in [
            ("traffic start", TRAFFIC_USAGE),
            (
                "traffic start http://x/ --rate 0",
                "traffic start: invalid rate \"0\": expected 1 to 10000 requests per second",
            ),
            (
                "traffic start http://x/ -H 'Accept: x'",
                "traffic start: only a Host header is supported, got \"Accept: x\"",
            ),
            ("traffic go", TRAFFIC_USAGE),
        ] {
            let r = run_script(&mut c, line, &NoFiles);
            assert_eq!(
                r.error.map(|e| e.message).as_deref(),
                Some(message),
                "{line}"
            );
        }
    }

    #[test]
    fn malformed_lines_stop_with_their_number() {
        let mut c = Cluster::new(1);
        let r = run_script(
            &mut c,
            "kubectl version --client\nfrobnicate now\nkubectl get ns\n",
            &NoFiles,
        );
        assert_eq!(r.exit_code, 2);
        assert_eq!(
            r.error,
            Some(ScriptError {
                line: 2,
                message: "unknown command \"frobnicate\"".into()
            })
        );
        assert!(
            r.output
                .ends_with("$ frobnicate now\nkubeplay: line 2: unknown command \"frobnicate\"\n")
        );
        let r = run_script(&mut c, "kubectl apply -f - <<EOF\nkind: x\n", &NoFiles);
        assert_eq!(r.error.unwrap().line, 1);
        let r = run_script(&mut c, "sleep forever\n", &NoFiles);
        assert_eq!(r.error.unwrap().message, "invalid time interval 'forever'");
        // Only port-forward runs in the background; `&&` is no background.
        let r = run_script(&mut c, "kubectl get pods &\n", &NoFiles);
        assert_eq!(
            r.error.unwrap().message,
            "only `kubectl port-forward` and `kubectl proxy` run in the background (`&`) in Kubeplay"
        );
        // A pod named `proxy` is no `kubectl proxy`.
        let r = run_script(&mut c, "kubectl run proxy --image=nginx &\n", &NoFiles);
        assert!(r.error.is_some());
        // Lists, pipes and variables run in the user's shell.
        let r = run_script(
            &mut c,
            "kubectl get ns nope && echo yes || echo no\n",
            &NoFiles,
        );
        assert_eq!(r.error, None);
        assert!(
            r.output
                .ends_with("Error from server (NotFound): namespaces \"nope\" not found\nno\n")
        );
    }

    #[test]
    fn the_users_shell_pipes_keeps_variables_and_files_and_joins_lines() {
        let mut c = Cluster::new(1);
        let script = "kubectl create secret generic s --from-literal=password=1f2d1e2e67df\n\
            kubectl get secret s -o jsonpath='{.data.password}' | base64 --decode\n\
            NS=$(kubectl get secret s -o jsonpath='{.metadata.namespace}')\n\
            echo \"in $NS\"\n\
            echo -n admin > ./username.txt\n\
            kubectl create secret generic user --from-file=./username.txt\n\
            kubectl get secret user -o jsonpath='{.data.username\\.txt}'\n\
            kubectl create configmap c \\\n  --from-literal=a=b\n\
            for i in 1 2; do sleep 5; done\n\
            wget -qO- http://web | head -1\n";
        let before = c.now_ms();
        let r = run_script(&mut c, script, &NoFiles);
        assert_eq!(r.error, None, "{}", r.output);
        assert!(
            r.output.contains("| base64 --decode\n1f2d1e2e67df\n"),
            "{}",
            r.output
        );
        assert!(r.output.contains("\nin default\n"), "{}", r.output);
        assert!(r.output.contains("secret/user created\n"), "{}", r.output);
        assert!(
            r.output.contains("txt}'\nYWRtaW4=$ kubectl"),
            "{}",
            r.output
        );
        assert!(
            r.output
                .contains("c \\\n>   --from-literal=a=b\nconfigmap/c created\n"),
            "{}",
            r.output
        );
        // The user's machine has curl, not the pods' network tools.
        assert!(
            r.output
                .ends_with("| head -1\nbash: wget: command not found\n"),
            "{}",
            r.output
        );
        // The loop's sleeps move the cluster's clock.
        assert_eq!(c.now_ms() - before, 10_000);
    }
}
