//! Processes `kubectl exec` starts in a running container: the simulated
//! shell with the container's environment and files as they are now, and
//! network tools that reach the cluster's network from the pod.

use super::images::Flavor;
use super::pods;
use super::redis;
use super::shell::{self, Dialect, ExecResult};
use super::shell::{NetReply, to_stderr};
use crate::cluster::Cluster;
use crate::network::{
    RESOLVER_TIMEOUT_MS, Request, dns_reachable, resolve_from_pod, typed_host_port,
};
use crate::store::ObjectKey;
use crate::time::{MINUTE, Millis, SECOND};

pub(crate) use super::pods::ExecRefusal;

/// How long Kubeplay waits for a command before it stops waiting (kubectl
/// would wait until it ends).
pub const EXEC_HORIZON: Millis = 5 * MINUTE;

/// What `kubectl exec` got.
pub(crate) enum Exec {
    /// The command ran (or still runs at the horizon).
    Ran(ExecResult),
    /// The image has no such executable (the runtime's exec failed).
    NoExecutable(String),
}

impl Cluster {
    /// Runs `argv` in a running container of a pod, as `kubectl exec`
    /// (with `state`, as a line of an interactive shell's session).
    pub(crate) fn exec_in_container(
        &mut self,
        namespace: &str,
        pod: &str,
        container: &str,
        argv: &[String],
        tty: bool,
        state: Option<&mut shell::ShellState>,
    ) -> Result<Exec, ExecRefusal> {
        self.authorize_resource("create", crate::cluster::res("Pod"), "exec", namespace, pod)
            .map_err(ExecRefusal::Status)?;
        let (mut ctx, flavor, image, started) =
            pods::exec_context(self, namespace, pod, container)?;
        ctx.tty = tty;
        // containerd gives an exec with a terminal TERM=xterm.
        if tty {
            ctx.env
                .entry("TERM".to_string())
                .or_insert_with(|| "xterm".to_string());
        }
        let program = argv.first().map(String::as_str).unwrap_or("");
        if !image_has(flavor, ctx.dialect, &image, program) {
            return Ok(Exec::NoExecutable(program.to_string()));
        }
        // A scratch image's own binary: there, but not simulated by exec
        // (there is no shell to have run it either).
        if let Some(own) = scratch_binary(&image) {
            return Ok(Exec::Ran(shell::ExecResult {
                output: format!(
                    "Kubeplay does not simulate running {program} by exec: {own} runs only as the container's process\n"
                ),
                code: Some(1),
                elapsed: 0,
                file_events: Vec::new(),
                pid1_signals: Vec::new(),
                exited: false,
            }));
        }
        let dialect = ctx.dialect;
        let key = ObjectKey::new(crate::cluster::res("Pod"), namespace, pod);
        let mut net = |_: Millis, tool: &[String], terminal: bool| {
            let caller = Caller { exec: true, tty }.writing(terminal);
            network_tool(self, &key, dialect, flavor, &image, caller, tool)
        };
        let mut ran = shell::exec_command(argv, &ctx, EXEC_HORIZON, &mut net, state);
        let offset = ctx.started_at.saturating_sub(started);
        pods::keep_exec_writes(
            self,
            &key,
            container,
            offset,
            std::mem::take(&mut ran.file_events),
        );
        for signal in std::mem::take(&mut ran.pid1_signals) {
            pods::signal_pid1(self, &key, container, signal);
        }
        Ok(Exec::Ran(ran))
    }
}

/// redis-cli at its prompt (`kubectl exec -it redis -- redis-cli`).
#[derive(Clone, Debug)]
pub(crate) struct RedisRepl {
    cli: redis::Cli,
    connected: bool,
    dialect: Dialect,
    /// Its connection's state (AUTH, SELECT), kept while it is connected.
    session: redis::Session,
    /// The server process it is connected to (its pod and container id).
    server: Option<(ObjectKey, String)>,
}

/// What one line typed at redis-cli's prompt did.
pub(crate) struct ReplStep {
    /// What it printed (standard error marked).
    pub output: String,
    /// The time it took.
    pub elapsed: Millis,
    /// `quit` or `exit`: redis-cli ended (exit code 0).
    pub quit: bool,
}

impl RedisRepl {
    /// Its prompt (none without a terminal).
    pub(crate) fn prompt(&self, tty: bool) -> String {
        if tty {
            self.cli.prompt(self.connected)
        } else {
            String::new()
        }
    }
}

/// Whether `argv` starts redis-cli's prompt: no command to send, nothing
/// it prints and exits on.
pub(crate) fn is_redis_repl(argv: &[String]) -> bool {
    argv.first()
        .is_some_and(|p| p.rsplit('/').next() == Some("redis-cli"))
        && matches!(redis::parse_cli(&argv[1..], ""), redis::Invocation::Run(cli) if cli.command.is_empty())
}

impl Cluster {
    /// Starts redis-cli's prompt in a running container (checked as a
    /// `kubectl exec` is): its state and what it printed as it connected.
    pub(crate) fn redis_repl_open(
        &mut self,
        namespace: &str,
        pod: &str,
        container: &str,
        argv: &[String],
    ) -> Result<Result<(RedisRepl, ReplStep), String>, ExecRefusal> {
        self.authorize_resource("create", crate::cluster::res("Pod"), "exec", namespace, pod)
            .map_err(ExecRefusal::Status)?;
        let (ctx, flavor, image, _) = pods::exec_context(self, namespace, pod, container)?;
        if !image_has(flavor, ctx.dialect, &image, &argv[0]) {
            return Ok(Err(argv[0].clone()));
        }
        let version = redis::Launch::of(&image, &[]).version;
        let redis::Invocation::Run(cli) = redis::parse_cli(&argv[1..], &version) else {
            return Ok(Err(argv[0].clone()));
        };
        let mut output = String::new();
        if cli.password.is_some() && !cli.quiet_auth {
            output.push_str(&to_stderr(REDIS_PASSWORD_WARNING));
        }
        let mut repl = RedisRepl {
            cli,
            connected: false,
            dialect: ctx.dialect,
            session: redis::Session::default(),
            server: None,
        };
        let key = ObjectKey::new(crate::cluster::res("Pod"), namespace, pod);
        let link = Link {
            dialect: repl.dialect,
            fresh: true,
        };
        let sent = redis_send(self, &key, link, &mut repl.cli, &mut repl.session, None);
        repl.server = sent.reached.clone();
        let elapsed = sent.took;
        output.push_str(&sent.warning);
        match sent.result {
            Ok(_) => repl.connected = true,
            Err(why) => output.push_str(&why.stderr(&repl.cli)),
        }
        Ok(Ok((
            repl,
            ReplStep {
                output,
                elapsed,
                quit: false,
            },
        )))
    }

    /// One line typed at redis-cli's prompt (`tty`: replies print for a
    /// terminal), as its `repl` loop takes it.
    pub(crate) fn redis_repl_line(
        &mut self,
        namespace: &str,
        pod: &str,
        repl: &mut RedisRepl,
        tty: bool,
        line: &str,
    ) -> ReplStep {
        let mut step = ReplStep {
            output: String::new(),
            elapsed: 0,
            quit: false,
        };
        let Some(words) = redis::split_args(line) else {
            step.output = "Invalid argument(s)\n".into();
            return step;
        };
        let Some(first) = words.first().map(|w| w.to_ascii_lowercase()) else {
            return step;
        };
        match first.as_str() {
            "quit" | "exit" => step.quit = true,
            "help" | "?" if words.len() == 1 => {
                step.output = redis::repl_help(&repl.cli.version);
            }
            "clear" if words.len() == 1 => {}
            _ => {
                let key = ObjectKey::new(crate::cluster::res("Pod"), namespace, pod);
                // One connection for the prompt, to the server process it
                // reached: a new one (through the Service again, AUTH and
                // SELECT again) only once that is gone.
                let pinned = repl.server.clone().filter(|_| repl.connected);
                let kept = pinned.and_then(|(server_pod, id)| {
                    let (server, _) =
                        pods::redis_server_synced(self, &server_pod, Some(&id), None)?;
                    let reply = server.command(&words, &mut repl.session);
                    Some(Sent {
                        result: Ok(Some(reply)),
                        took: 1,
                        warning: String::new(),
                        reached: Some((server_pod, id)),
                    })
                });
                let sent = match kept {
                    Some(sent) => {
                        if words[0].eq_ignore_ascii_case("select")
                            && matches!(sent.result, Ok(Some(ref r)) if !matches!(r, redis::Reply::Error(_)))
                        {
                            repl.cli.db = repl.session.db;
                        }
                        sent
                    }
                    None => {
                        let link = Link {
                            dialect: repl.dialect,
                            fresh: true,
                        };
                        redis_send(
                            self,
                            &key,
                            link,
                            &mut repl.cli,
                            &mut repl.session,
                            Some(&words),
                        )
                    }
                };
                repl.server = sent.reached.clone();
                step.elapsed = sent.took;
                step.output.push_str(&sent.warning);
                match sent.result {
                    Ok(reply) => {
                        repl.connected = true;
                        if let Some(reply) = reply {
                            step.output.push_str(&repl.cli.format(&reply, tty));
                        }
                    }
                    Err(why) => {
                        repl.connected = false;
                        step.output.push_str(&why.stderr(&repl.cli));
                    }
                }
            }
        }
        step
    }
}

/// What an interactive shell's prompt shows of its container.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PromptFacts {
    /// BusyBox's ash or a GNU userland's shells.
    pub dialect: Dialect,
    /// The pod's hostname.
    pub hostname: String,
    /// The user's name in the image's `/etc/passwd`.
    pub user: Option<&'static str>,
    /// The user's id (root's prompt ends in `#`).
    pub uid: i64,
    /// `$HOME` (shown as `~`).
    pub home: String,
}

impl Cluster {
    /// What a shell started in a running container would show in its
    /// prompt.
    pub(crate) fn prompt_facts(
        &self,
        namespace: &str,
        pod: &str,
        container: &str,
    ) -> Option<PromptFacts> {
        let (ctx, ..) = pods::exec_context(self, namespace, pod, container).ok()?;
        Some(PromptFacts {
            dialect: ctx.dialect,
            hostname: ctx.hostname.clone(),
            user: ctx.user.name,
            uid: ctx.user.uid,
            home: ctx.env.get("HOME").cloned().unwrap_or_default(),
        })
    }
}

/// The one binary of an image built FROM scratch or distroless/static:
/// CoreDNS's and metrics-server's, on any registry.
fn scratch_binary(image: &str) -> Option<&'static str> {
    match super::images::repository_path(image) {
        "coredns/coredns" => Some("coredns"),
        crate::metrics_server::IMAGE_REPOSITORY => Some("metrics-server"),
        _ => None,
    }
}

/// Whether the image has `program`: scratch images have only their own
/// binary; busybox has `wget` and no `curl`, Debian-based images the reverse.
fn image_has(flavor: Flavor, dialect: Dialect, image: &str, program: &str) -> bool {
    if matches!(
        flavor,
        Flavor::Pause | Flavor::HttpEcho | Flavor::Whoami | Flavor::HelloWorld
    ) {
        return false;
    }
    let name = program.rsplit('/').next().unwrap_or(program);
    if let Some(own) = scratch_binary(image) {
        return name == own;
    }
    match name {
        "curl" => dialect == Dialect::Gnu || flavor == Flavor::Curl,
        "wget" => dialect == Dialect::Busybox || flavor == Flavor::Curl,
        // Debian's slim images (nginx) have no procps, nor dnsutils
        // (the docs' jessie-dnsutils image has it).
        "ps" | "kill" => dialect == Dialect::Busybox,
        "nginx" => flavor == Flavor::Nginx,
        "redis-cli" => flavor == Flavor::Redis,
        // BusyBox and Alpine have only ash, and apk for apt.
        "bash" | "apt-get" | "apt" => dialect == Dialect::Gnu,
        "apk" => dialect == Dialect::Busybox,
        "nslookup" => dialect == Dialect::Busybox || image.contains("dnsutils"),
        _ => shell::has_command(name),
    }
}

/// Who runs a network tool in a pod.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Caller {
    /// `kubectl exec` (tools Kubeplay does not simulate say so there; in a
    /// container's own script they succeed quietly, so waits on them end).
    pub exec: bool,
    /// Its output is a terminal (`kubectl exec -it`, a container with
    /// `tty: true`): curl shows no progress meter for a body it prints.
    pub tty: bool,
}

impl Caller {
    /// This caller for one tool run: a terminal only where the tool's
    /// output goes to one (not into a pipe, `$(…)` or a file).
    pub(crate) fn writing(self, terminal: bool) -> Caller {
        Caller {
            tty: self.tty && terminal,
            ..self
        }
    }
}

/// The network hook for a container's own processes (its script, a
/// lifecycle hook), whose output is a terminal when the container has
/// `tty: true`.
pub(crate) fn container_network<'a>(
    cluster: &'a mut Cluster,
    pod: &'a ObjectKey,
    (dialect, flavor, image): (Dialect, Flavor, String),
    tty: bool,
) -> impl FnMut(Millis, &[String], bool) -> NetReply + 'a {
    let caller = Caller { exec: false, tty };
    move |_, argv, terminal| {
        network_tool(
            cluster,
            pod,
            dialect,
            flavor,
            &image,
            caller.writing(terminal),
            argv,
        )
    }
}

/// Runs a network tool from the pod: its exit code, output and time.
pub(crate) fn network_tool(
    cluster: &mut Cluster,
    pod: &ObjectKey,
    dialect: Dialect,
    flavor: Flavor,
    image: &str,
    caller: Caller,
    argv: &[String],
) -> NetReply {
    let name = argv[0].rsplit('/').next().unwrap_or(&argv[0]).to_string();
    if !image_has(flavor, dialect, image, &name) {
        let msg = match dialect {
            Dialect::Busybox => format!("sh: {name}: not found\n"),
            Dialect::Gnu => format!("sh: 1: {name}: not found\n"),
        };
        return (127, to_stderr(&msg), 0);
    }
    let args = &argv[1..];
    match name.as_str() {
        "curl" => crate::script::curl_code(cluster, args, Some(pod), caller.tty),
        "wget" => wget(cluster, pod, args),
        "nslookup" => nslookup(cluster, pod, dialect, image, args),
        "redis-cli" => redis_cli(cluster, pod, dialect, image, caller.tty, args),
        other if caller.exec => (
            1,
            to_stderr(&format!(
                "{other}: Kubeplay does not simulate {other}; use wget, curl or nslookup\n"
            )),
            0,
        ),
        _ => (0, String::new(), 0),
    }
}

/// `redis-cli [OPTIONS] [command]` in a pod: one command, or nothing
/// to read from an empty standard input.
fn redis_cli(
    cluster: &mut Cluster,
    pod: &ObjectKey,
    dialect: Dialect,
    image: &str,
    tty: bool,
    args: &[String],
) -> NetReply {
    let version = redis::Launch::of(image, &[]).version;
    let mut cli = match redis::parse_cli(args, &version) {
        redis::Invocation::Print(text) => return (0, text, 0),
        redis::Invocation::Fail(text) => return (1, to_stderr(&text), 0),
        redis::Invocation::Run(cli) => cli,
    };
    let mut out = String::new();
    if cli.password.is_some() && !cli.quiet_auth {
        out.push_str(&to_stderr(REDIS_PASSWORD_WARNING));
    }
    if cli.command.is_empty() {
        return (0, out, 0);
    }
    let command = cli.command.clone();
    let link = Link {
        dialect,
        fresh: true,
    };
    let mut session = redis::Session::default();
    let sent = redis_send(cluster, pod, link, &mut cli, &mut session, Some(&command));
    let took = sent.took;
    out.push_str(&sent.warning);
    match sent.result {
        // `-e`: the error on standard error, and exit code 1.
        Ok(Some(redis::Reply::Error(e))) if cli.errexit => {
            out.push_str(&to_stderr(&format!("{e}\n")));
            (1, out, took)
        }
        Ok(Some(reply)) => {
            out.push_str(&cli.format(&reply, tty));
            (0, out, took)
        }
        Ok(None) => (0, out, took),
        Err(why) => {
            out.push_str(&why.stderr(&cli));
            (1, out, took)
        }
    }
}

/// What redis-cli says of `-a` on its command line.
pub(crate) const REDIS_PASSWORD_WARNING: &str = "Warning: Using a password with '-a' or '-u' option on the command line interface may not be safe.\n";

impl redis::LinkError {
    /// What redis-cli writes to its standard error for it.
    pub(crate) fn stderr(&self, cli: &redis::Cli) -> String {
        match self.message(cli) {
            m if m.is_empty() => m,
            m => to_stderr(&format!("{m}\n")),
        }
    }

    /// How redis-cli reports it.
    pub(crate) fn message(&self, cli: &redis::Cli) -> String {
        match self {
            redis::LinkError::Connect(why) => {
                format!(
                    "Could not connect to Redis at {}:{}: {why}",
                    cli.host, cli.port
                )
            }
            redis::LinkError::Protocol(why) => format!("Error: {why}"),
            redis::LinkError::Handshake(why) => why.clone(),
        }
    }
}

/// How redis-cli reaches a server.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Link {
    /// The client image's resolver messages.
    pub dialect: Dialect,
    /// A new connection: the session starts over with `-a`'s AUTH and
    /// `-n`'s SELECT.
    pub fresh: bool,
}

/// What one exchange with a server came to.
pub(crate) struct Sent {
    /// The reply (none when only connecting), or why there is none.
    pub result: Result<Option<redis::Reply>, redis::LinkError>,
    /// The time it took.
    pub took: Millis,
    /// What redis-cli warned on its standard error as it connected.
    pub warning: String,
    /// The server process it reached (its pod and container id).
    pub reached: Option<(ObjectKey, String)>,
}

/// What a TCP client's connection came to, read from the network's answer
/// to the same dial as an HTTP request (Redis clients, replication, the
/// API server's proxy).
pub(crate) enum Dial {
    /// The name did not resolve.
    Unresolved,
    /// An HTTP server answered (it takes a Redis command for a bad
    /// request).
    Http,
    /// Nothing listens there.
    Refused,
    /// The connection was never answered (a dropped SYN).
    NoAnswer,
    /// Something that is no HTTP server took it, in this pod if known.
    Accepted(Option<ObjectKey>),
}

impl Dial {
    /// The outcome of `response`.
    pub(crate) fn of(response: &crate::network::Response) -> Dial {
        if response.remote_ip.is_none() {
            Dial::Unresolved
        } else if response.status != 0 {
            Dial::Http
        } else if response.body.starts_with("curl: (7)") {
            Dial::Refused
        } else if !response.body.starts_with("curl: (52)") {
            Dial::NoAnswer
        } else {
            Dial::Accepted(response.hops.iter().rev().find_map(|h| {
                match h {
                    crate::network::Hop::Pod { pod, .. } => pod
                        .split_once('/')
                        .map(|(ns, name)| ObjectKey::new(crate::cluster::res("Pod"), ns, name)),
                    _ => None,
                }
            }))
        }
    }
}

/// Connects redis-cli to the server it names, from a pod, through the
/// cluster's network (Services, NetworkPolicies, a pod's own loopback),
/// and sends `command` in `session` (after `-a`'s AUTH and `-n`'s SELECT
/// on a fresh connection, as `cliConnect` does).
pub(crate) fn redis_send(
    cluster: &mut Cluster,
    pod: &ObjectKey,
    link: Link,
    cli: &mut redis::Cli,
    session: &mut redis::Session,
    command: Option<&[String]>,
) -> Sent {
    let host = if cli.host.contains(':') {
        format!("[{}]", cli.host)
    } else {
        cli.host.clone()
    };
    let url = format!("http://{host}:{}/", cli.port);
    let response = cluster.send_request(
        &Request::get(&url)
            .from_pod(pod.clone())
            .with_user_agent("redis-cli"),
    );
    let took = response.latency_ms.max(1);
    let mut sent = Sent {
        result: Ok(None),
        took,
        warning: String::new(),
        reached: None,
    };
    let failed = |mut sent: Sent, why: redis::LinkError| {
        sent.result = Err(why);
        sent
    };
    let connect = |why: &str| redis::LinkError::Connect(why.to_string());
    let server_key = match Dial::of(&response) {
        Dial::Unresolved => {
            return failed(
                sent,
                connect(match link.dialect {
                    Dialect::Busybox => "Name does not resolve",
                    Dialect::Gnu => "Name or service not known",
                }),
            );
        }
        // An HTTP server answers the command with `HTTP/1.1 400`.
        Dial::Http => {
            return failed(
                sent,
                redis::LinkError::Protocol("Protocol error, got \"H\" as reply type byte".into()),
            );
        }
        Dial::Refused => return failed(sent, connect("Connection refused")),
        Dial::NoAnswer => return failed(sent, connect("Connection timed out")),
        Dial::Accepted(pod) => pod,
    };
    let server = server_key
        .as_ref()
        .and_then(|key| pods::redis_server_synced(cluster, key, None, Some(cli.port)));
    let Some((server, id)) = server else {
        return failed(
            sent,
            redis::LinkError::Protocol("Server closed the connection".into()),
        );
    };
    sent.reached = server_key.map(|key| (key, id));
    if link.fresh {
        *session = redis::Session::default();
        // Redis 7's cliAuth and cliSelect fail the connection; 6 warns
        // about a refused AUTH and goes on.
        let modern = cli.major() >= 7;
        for step in cli.handshake() {
            let redis::Reply::Error(e) = server.command(&step, session) else {
                continue;
            };
            let is_auth = step[0] == "AUTH";
            match (modern, is_auth) {
                (true, true) => {
                    return failed(
                        sent,
                        redis::LinkError::Handshake(format!("AUTH failed: {e}")),
                    );
                }
                (true, false) => {
                    let what = format!("SELECT {} failed: {e}", cli.db);
                    cli.db = 0;
                    return failed(sent, redis::LinkError::Handshake(what));
                }
                (false, true) => sent.warning.push_str(&to_stderr("Warning: AUTH failed\n")),
                (false, false) => {
                    cli.db = 0;
                    return failed(sent, redis::LinkError::Handshake(String::new()));
                }
            }
        }
    }
    let Some(command) = command else {
        return sent;
    };
    let reply = server.command(command, session);
    if command[0].eq_ignore_ascii_case("select") && !matches!(reply, redis::Reply::Error(_)) {
        cli.db = session.db;
    }
    sent.result = Ok(Some(reply));
    sent
}

/// A Redis command from a client library in a pod's server (Predis in
/// the Guestbook's frontend) while that server answers a request: through
/// the cluster's network, to `host:port`. The error is the exception the
/// client throws (its class and message).
pub(crate) fn redis_call(
    cluster: &mut Cluster,
    pod: &ObjectKey,
    (host, port): (&str, u16),
    command: &[String],
) -> (Result<redis::Reply, &'static str>, Millis) {
    let request = Request::get(&format!("http://{host}:{port}/"))
        .from_pod(pod.clone())
        .with_user_agent("predis");
    let now = cluster.now;
    cluster.network.proxy_depth += 1;
    let response = cluster.deliver(&request, now, None);
    cluster.network.proxy_depth -= 1;
    let took = response.latency_ms.max(1);
    let fail = |why: &'static str| (Err(why), took);
    let server = match Dial::of(&response) {
        Dial::Unresolved => {
            return fail(
                "Predis\\Connection\\ConnectionException: php_network_getaddresses: getaddrinfo failed: Name or service not known",
            );
        }
        Dial::Http => {
            return fail("Predis\\Protocol\\ProtocolException: Unknown response prefix: 'H'.");
        }
        Dial::Refused => {
            return fail("Predis\\Connection\\ConnectionException: Connection refused");
        }
        // Predis' default connection timeout: 5 seconds.
        Dial::NoAnswer => {
            return (
                Err("Predis\\Connection\\ConnectionException: Connection timed out"),
                5_000,
            );
        }
        Dial::Accepted(pod) => pod,
    };
    match server.and_then(|key| pods::redis_server_synced(cluster, &key, None, Some(port))) {
        Some((server, _)) => (
            Ok(server.command(command, &mut redis::Session::default())),
            took,
        ),
        None => (
            Err(
                "Predis\\Connection\\ConnectionException: Error while reading line from the server.",
            ),
            took,
        ),
    }
}

/// busybox `wget`.
fn wget(cluster: &mut Cluster, pod: &ObjectKey, args: &[String]) -> NetReply {
    let mut quiet = false;
    let mut spider = false;
    // `-T SEC`: busybox's alarm around the connect and each read.
    let mut timeout: Option<Millis> = None;
    let mut output: Option<String> = None;
    let mut url = None;
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if let Some(long) = a.strip_prefix("--") {
            match long {
                "quiet" => quiet = true,
                "spider" => spider = true,
                _ if long.starts_with("output-document=") => {
                    output = Some(long["output-document=".len()..].to_string())
                }
                _ if long.starts_with("timeout=") => {
                    timeout = seconds(&long["timeout=".len()..]);
                }
                "timeout" => {
                    timeout = args.get(i).and_then(|v| seconds(v));
                    i += 1;
                }
                "output-document" | "header" | "user-agent" => i += 1,
                _ => {}
            }
            continue;
        }
        if let Some(flags) = a.strip_prefix('-').filter(|f| !f.is_empty()) {
            for (j, c) in flags.char_indices() {
                match c {
                    'q' => quiet = true,
                    'O' | 'T' | 'U' | 'Y' | 'P' => {
                        let rest = &flags[j + 1..];
                        let value = if rest.is_empty() {
                            i += 1;
                            args.get(i - 1).cloned().unwrap_or_default()
                        } else {
                            rest.to_string()
                        };
                        match c {
                            'O' => output = Some(value),
                            'T' => timeout = seconds(&value),
                            _ => {}
                        }
                        break;
                    }
                    _ => {}
                }
            }
            continue;
        }
        url = Some(a.clone());
    }
    let Some(url) = url else {
        return (
            1,
            to_stderr(
                "BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n\nUsage: wget [-cqS] [--spider] [-O FILE] [-o LOGFILE] [--header STR]\n\t[--post-data STR | --post-file FILE] [-Y on/off]\n\t[-P DIR] [-U AGENT] [-T SEC] URL...\n",
            ),
            0,
        );
    };
    let (host, port) = typed_host_port(&url);
    let response = cluster.send_request(
        &Request::get(&url)
            .from_pod(pod.clone())
            .with_user_agent("Wget"),
    );
    // The address the route resolved; none when the resolver failed (no
    // such name, or CoreDNS out of the pod's reach).
    let Some(ip) = response.remote_ip.clone() else {
        return (
            1,
            to_stderr(&format!("wget: bad address '{host}'\n")),
            response.latency_ms,
        );
    };
    let how = WgetOptions {
        quiet,
        spider,
        output: output.as_deref(),
        timeout,
    };
    wget_answer(&how, &host, &ip, port, &response)
}

/// A tool's timeout argument in seconds (`1`, `2.5`).
pub(crate) fn seconds(value: &str) -> Option<Millis> {
    let s = crate::num::parse_f64(value.trim())?;
    // 0 is no timeout, in busybox and in curl.
    (s.is_finite() && s > 0.0).then_some((s * SECOND as f64) as Millis)
}

/// How busybox wget was asked to fetch.
struct WgetOptions<'a> {
    quiet: bool,
    spider: bool,
    output: Option<&'a str>,
    timeout: Option<Millis>,
}

fn wget_answer(
    how: &WgetOptions<'_>,
    host: &str,
    ip: &str,
    port: u16,
    response: &crate::network::Response,
) -> NetReply {
    // Everything but the body goes to standard error.
    let mut out = String::new();
    if !how.quiet {
        // BusyBox's xmalloc_sockaddr2dotted: `[::1]:80` for IPv6.
        let dotted = if ip.contains(':') {
            format!("[{ip}]:{port}")
        } else {
            format!("{ip}:{port}")
        };
        out.push_str(&to_stderr(&format!("Connecting to {host} ({dotted})\n")));
    }
    // Its alarm fires first: a dropped connection, or an answer too slow.
    if let Some(limit) = how.timeout
        && response.latency_ms > limit
        && !response.body.starts_with("curl: (7)")
    {
        out.push_str(&to_stderr("wget: download timed out\n"));
        return (1, out, limit);
    }
    let took = response.latency_ms;
    if response.status == 0 {
        let why = if response.body.starts_with("curl: (7)") {
            "Connection refused"
        } else {
            "Connection timed out"
        };
        out.push_str(&to_stderr(&format!(
            "wget: can't connect to remote host ({ip}): {why}\n"
        )));
        return (1, out, took);
    }
    if response.status >= 400 {
        out.push_str(&to_stderr(&format!(
            "wget: server returned error: HTTP/1.1 {} {}\n",
            response.status,
            crate::http::reason_of(response.status, &response.headers)
        )));
        return (1, out, took);
    }
    if how.spider {
        if !how.quiet {
            out.push_str(&to_stderr("remote file exists\n"));
        }
        return (0, out, took);
    }
    let len = response.body.len();
    match how.output {
        Some("-") => {
            if !how.quiet {
                out.push_str(&to_stderr("writing to stdout\n"));
            }
            out.push_str(&response.body);
            if !how.quiet {
                out.push_str(&to_stderr(&format!(
                    "-                    100% |********************************| {len:>5}  0:00:00 ETA\nwritten to stdout\n"
                )));
            }
        }
        other => {
            // The progress line names the file's last path component
            // (`G.curfile`).
            let file = other.unwrap_or("index.html");
            out.push_str(&super::to_file(file, &response.body));
            let shown = file.rsplit('/').next().unwrap_or(file);
            if !how.quiet {
                out.push_str(&to_stderr(&format!(
                    "saving to '{file}'\n{shown:<20} 100% |********************************| {len:>5}  0:00:00 ETA\n'{file}' saved\n"
                )));
            }
        }
    }
    (0, out, took)
}

/// How long busybox nslookup waits for an answer (its own resolver).
const BUSYBOX_NSLOOKUP_TIMEOUT_MS: Millis = 5_000;
/// How long bind's nslookup tries (3 tries of 5 s).
const BIND_NSLOOKUP_TIMEOUT_MS: Millis = 15_000;

/// `nslookup NAME`, busybox's or bind's.
fn nslookup(
    cluster: &Cluster,
    pod: &ObjectKey,
    dialect: Dialect,
    image: &str,
    args: &[String],
) -> NetReply {
    let namespace = &*pod.namespace;
    let Some(name) = args.iter().find(|a| !a.starts_with('-')) else {
        return (
            1,
            to_stderr("Usage: nslookup [-type=QUERY_TYPE] [-debug] HOST [DNS_SERVER]\n"),
            0,
        );
    };
    let dns = crate::kubeadm::DNS_SERVICE_IP;
    if !dns_reachable(cluster, pod) {
        // The queries are dropped on the way to CoreDNS.
        return match dialect {
            Dialect::Busybox if old_busybox(image) => (
                1,
                format!(
                    "Server:    {dns}\nAddress 1: {dns}\n\n{}",
                    to_stderr(&format!("nslookup: can't resolve '{name}'\n"))
                ),
                RESOLVER_TIMEOUT_MS * 2,
            ),
            Dialect::Busybox => (
                1,
                ";; connection timed out; no servers could be reached\n\n".into(),
                BUSYBOX_NSLOOKUP_TIMEOUT_MS,
            ),
            Dialect::Gnu => (
                1,
                format!(
                    "{};; no servers could be reached\n\n",
                    format!(";; communications error to {dns}#53: timed out\n").repeat(3)
                ),
                BIND_NSLOOKUP_TIMEOUT_MS,
            ),
        };
    }
    let (code, out) = if dialect == Dialect::Busybox {
        if old_busybox(image) {
            busybox_1_28_nslookup(cluster, namespace, name)
        } else {
            busybox_nslookup(cluster, namespace, name)
        }
    } else {
        let mut out = format!("Server:\t\t{dns}\nAddress:\t{dns}#53\n\n");
        match resolve_from_pod(cluster, namespace, name) {
            Some((fqdn, _)) if crate::apiserver::parse_ipv4(name).is_none() => {
                for (ip, _) in crate::network::resolve_cluster_addresses(cluster, &fqdn) {
                    out.push_str(&format!("Name:\t{fqdn}\nAddress: {ip}\n"));
                }
                (0, out)
            }
            _ => {
                out.push_str(&format!("** server can't find {name}: NXDOMAIN\n"));
                (1, out)
            }
        }
    };
    (code, out, 0)
}

/// The DNS name of the Service with this cluster IP.
fn service_by_ip(cluster: &Cluster, ip: &str) -> Option<String> {
    cluster
        .store
        .list(crate::cluster::res("Service"), None)
        .find(|(_, s)| s.str_at(&["spec", "clusterIP"]) == Some(ip))
        .map(|(_, s)| {
            format!(
                "{}.{}.svc.cluster.local",
                s.str_at(&["metadata", "name"]).unwrap_or(""),
                s.str_at(&["metadata", "namespace"]).unwrap_or("")
            )
        })
}

/// busybox up to 1.28 (the docs' DNS debugging image) had the older
/// nslookup, which used the C library's resolver: search domains and all.
fn old_busybox(image: &str) -> bool {
    let tag = image.rsplit_once(':').map_or("", |(_, t)| t);
    let mut parts = tag.split('.').map(|p| p.parse::<u32>().ok());
    matches!((parts.next(), parts.next()), (Some(Some(1)), Some(Some(minor))) if minor <= 28)
}

/// busybox 1.28's nslookup output: the server's and the answer's names.
fn busybox_1_28_nslookup(cluster: &Cluster, namespace: &str, name: &str) -> (i32, String) {
    let dns = crate::kubeadm::DNS_SERVICE_IP;
    let mut out =
        format!("Server:    {dns}\nAddress 1: {dns} kube-dns.kube-system.svc.cluster.local\n\n");
    match resolve_from_pod(cluster, namespace, name) {
        Some((fqdn, _)) if crate::apiserver::parse_ipv4(name).is_none() => {
            out.push_str(&format!("Name:      {name}\n"));
            for (i, (ip, ptr)) in crate::network::resolve_cluster_addresses(cluster, &fqdn)
                .iter()
                .enumerate()
            {
                out.push_str(&format!("Address {}: {ip} {ptr}\n", i + 1));
            }
            (0, out)
        }
        _ => (
            1,
            format!(
                "{out}{}",
                to_stderr(&format!("nslookup: can't resolve '{name}'\n"))
            ),
        ),
    }
}

/// busybox 1.36's nslookup: a name with a dot is asked as it is, one
/// without under every search domain; A and AAAA queries each answer, and
/// an NXDOMAIN sets the exit code even when another name answered.
fn busybox_nslookup(cluster: &Cluster, namespace: &str, name: &str) -> (i32, String) {
    let dns = crate::kubeadm::DNS_SERVICE_IP;
    let mut out = format!("Server:\t\t{dns}\nAddress:\t{dns}:53\n\n");
    let name = name.strip_suffix('.').unwrap_or(name);
    if crate::apiserver::parse_ipv4(name).is_some() {
        // A reverse lookup: a Service's cluster IP has its name.
        let reversed: Vec<&str> = name.rsplit('.').collect();
        let ptr = format!("{}.in-addr.arpa", reversed.join("."));
        return match service_by_ip(cluster, name) {
            Some(fqdn) => (0, format!("{out}{ptr}\tname = {fqdn}\n\n")),
            None => (1, format!("{out}** server can't find {ptr}: NXDOMAIN\n\n")),
        };
    }
    let names: Vec<String> = if name.contains('.') {
        vec![name.to_string()]
    } else {
        crate::network::search_domains(namespace)
            .iter()
            .map(|d| format!("{name}.{d}"))
            .collect()
    };
    let answers: Vec<Option<Vec<(String, String)>>> = names
        .iter()
        .map(|n| {
            Some(crate::network::resolve_cluster_addresses(cluster, n)).filter(|a| !a.is_empty())
        })
        .collect();
    let mut code = 0;
    for aaaa in [false, true] {
        for (n, ips) in names.iter().zip(&answers) {
            match ips {
                Some(ips) if !aaaa => {
                    for (ip, _) in ips {
                        out.push_str(&format!("Name:\t{n}\nAddress: {ip}\n"));
                    }
                    out.push('\n');
                }
                // An empty NOERROR answer prints nothing but its blank
                // line (nslookup.c: "we do show an additional empty line").
                Some(_) => out.push('\n'),
                None => {
                    out.push_str(&format!("** server can't find {n}: NXDOMAIN\n\n"));
                    code = 1;
                }
            }
        }
    }
    (code, out)
}
