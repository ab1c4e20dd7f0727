//! Redis, as the `redis` images run it: `redis-server` reads its
//! configuration file and command-line options as it starts (a bad
//! directive stops it), keeps its settings (`CONFIG GET`/`CONFIG SET`) and
//! a keyspace of strings; `redis-cli` talks to it, one command or a prompt,
//! and prints replies as redis-cli does (quoted on a terminal, raw when
//! piped).

use crate::time::Millis;
use crate::vecmap::VecMap;

/// How a container's `redis-server` was started.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Launch {
    /// The release (`8.2.2`): the image's tag, or its newest patch.
    pub version: String,
    /// The configuration file named on its command line.
    pub config_file: Option<String>,
    /// Its `--name value` options, as configuration lines.
    pub options: Vec<String>,
    /// Arguments beyond the program (Redis warns about the default
    /// configuration only without any).
    pub has_args: bool,
    /// Started by the image's entrypoint (Redis 8's loads its modules).
    pub via_entrypoint: bool,
    /// Its pid in the container: 1, unless a script runs it as a child.
    pub pid: u32,
}

/// Why redis-server stopped as it read its configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Fatal {
    /// The file named on its command line is not there.
    MissingFile(String),
    /// A bad line: the lines Redis prints.
    Config(Vec<String>),
}

impl Fatal {
    /// What it prints (`t` is its log clock), for `version`.
    pub(crate) fn lines(&self, version: &str, t: &str) -> Vec<String> {
        let lines = self.lines_of_3(version, t);
        if major_of(version) < 3 {
            return lines.into_iter().filter_map(legacy_line).collect();
        }
        lines
    }

    /// [`Fatal::lines`] as Redis 3 and later write them.
    fn lines_of_3(&self, version: &str, t: &str) -> Vec<String> {
        match self {
            // Logged; Redis 7 adds the error's text.
            Fatal::MissingFile(path) if major_of(version) >= 7 => vec![format!(
                "1:C {t} # Fatal error, can't open config file '{path}': No such file or directory"
            )],
            Fatal::MissingFile(path) => vec![format!(
                "1:C {t} # Fatal error, can't open config file '{path}'"
            )],
            Fatal::Config(lines) => lines.clone(),
        }
    }
}

/// The newest patch release of each line the images are tagged with.
const RELEASES: &[(&str, &str)] = &[
    ("5", "5.0.14"),
    ("5.0", "5.0.14"),
    ("6", "6.2.20"),
    ("6.0", "6.0.20"),
    ("6.2", "6.2.20"),
    ("7", "7.4.6"),
    ("7.0", "7.0.15"),
    ("7.2", "7.2.11"),
    ("7.4", "7.4.6"),
    ("8", "8.2.2"),
    ("8.0", "8.0.4"),
    ("8.2", "8.2.2"),
];

/// Kubernetes' old `redis` image (`registry.k8s.io/redis`, once
/// `k8s.gcr.io/redis`), which the Guestbook tutorial's leader pins by
/// digest: Redis 2.8.19, as its logs in Guestbook runs show, started as
/// `redis-server /etc/redis/redis.conf`.
pub(crate) fn legacy_image(image: &str) -> bool {
    let name = image.split('@').next().unwrap_or(image);
    let name = match name.rsplit_once(':') {
        Some((n, tag)) if !tag.contains('/') => n,
        _ => name,
    };
    matches!(name, "registry.k8s.io/redis" | "k8s.gcr.io/redis")
}

/// The stock `redis.conf` of Redis 2.8.19 as that image's Dockerfile
/// edits it (no `bind`, `daemonize` or `logfile`; `dir /data`): its
/// directives, without the file's comments.
pub(crate) const LEGACY_CONF: &str = "pidfile /var/run/redis.pid\nport 6379\ntcp-backlog 511\ntimeout 0\ntcp-keepalive 0\nloglevel notice\ndatabases 16\nsave 900 1\nsave 300 10\nsave 60 10000\nstop-writes-on-bgsave-error yes\nrdbcompression yes\nrdbchecksum yes\ndbfilename dump.rdb\ndir /data\nslave-serve-stale-data yes\nslave-read-only yes\nrepl-diskless-sync no\nrepl-diskless-sync-delay 5\nrepl-disable-tcp-nodelay no\nslave-priority 100\nappendonly no\nappendfilename \"appendonly.aof\"\nappendfsync everysec\nno-appendfsync-on-rewrite no\nauto-aof-rewrite-percentage 100\nauto-aof-rewrite-min-size 64mb\naof-load-truncated yes\nlua-time-limit 5000\nslowlog-log-slower-than 10000\nslowlog-max-len 128\nlatency-monitor-threshold 0\nnotify-keyspace-events \"\"\nhash-max-ziplist-entries 512\nhash-max-ziplist-value 64\nlist-max-ziplist-entries 512\nlist-max-ziplist-value 64\nset-max-intset-entries 512\nzset-max-ziplist-entries 128\nzset-max-ziplist-value 64\nhll-sparse-max-bytes 3000\nactiverehashing yes\nclient-output-buffer-limit normal 0 0 0\nclient-output-buffer-limit slave 256mb 64mb 60\nclient-output-buffer-limit pubsub 32mb 8mb 60\nhz 10\naof-rewrite-incremental-fsync yes\n";

/// A log line of Redis 3 and later (`PID:ROLE DD Mon YYYY HH:MM:SS.mmm c
/// text`) as Redis 2.8 writes it: `[PID] DD Mon HH:MM:SS.mmm c text`,
/// replicas called slaves, its run ID in place of replication IDs; `None`
/// for what 2.8 does not log.
pub(crate) fn legacy_line(line: String) -> Option<String> {
    let Some((who, rest)) = line.split_once(' ') else {
        return Some(line);
    };
    let Some((pid, role)) = who.split_once(':') else {
        return Some(line);
    };
    if role == "signal-handler" {
        let rest = rest.replace(
            "Received SIGTERM scheduling",
            "Received SIGTERM, scheduling",
        );
        return Some(format!("[{pid} | signal handler] {rest}"));
    }
    let mut words = rest.splitn(4, ' ');
    let (Some(day), Some(month), Some(_year), Some(text)) =
        (words.next(), words.next(), words.next(), words.next())
    else {
        return Some(line);
    };
    if text.contains("Replication backlog created") {
        return None;
    }
    let text = match text.split_once("Replication ID mismatch (Replica asked for '") {
        Some((head, tail)) => {
            let (asked, ids) = tail.split_once("', my replication IDs are '")?;
            let runid = ids.split('\'').next()?;
            format!(
                "{head}Runid mismatch (Client asked for runid '{asked}', my runid is '{runid}')"
            )
        }
        // The word, not "replication".
        None => {
            let mut out = String::with_capacity(text.len());
            let mut rest = text;
            while let Some(at) = rest.find(['r', 'R']) {
                out.push_str(&rest[..at]);
                rest = &rest[at..];
                let word = rest
                    .find(|c: char| !c.is_ascii_alphabetic())
                    .unwrap_or(rest.len());
                out.push_str(match &rest[..word] {
                    "replica" => "slave",
                    "Replica" => "Slave",
                    "REPLICA" => "SLAVE",
                    other => other,
                });
                rest = &rest[word..];
            }
            out.push_str(rest);
            out
        }
    };
    Some(format!("[{pid}] {day} {month} {text}"))
}

impl Launch {
    /// The launch of `argv` (`redis-server CONF --opt v`, or the image's
    /// entrypoint, which runs `redis-server` for a first argument that is
    /// a `.conf` file or an option).
    pub(crate) fn of(image: &str, argv: &[String]) -> Launch {
        let tag = image
            .split('@')
            .next()
            .unwrap_or(image)
            .rsplit_once(':')
            .map_or("", |(_, t)| t);
        let numbers = tag.split('-').next().unwrap_or("");
        let version = if legacy_image(image) {
            "2.8.19".to_string()
        } else if image.contains("gb-redis-follower") {
            // Built on redis:6.0.5.
            "6.0.5".to_string()
        } else if numbers.split('.').count() == 3
            && numbers
                .split('.')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        {
            numbers.to_string()
        } else {
            RELEASES
                .iter()
                .find(|(line, _)| *line == numbers)
                .map_or("8.2.2", |(_, v)| v)
                .to_string()
        };
        let mut args = argv;
        let via_entrypoint = args
            .first()
            .is_some_and(|first| first.ends_with("docker-entrypoint.sh"));
        if via_entrypoint {
            args = &args[1..];
        }
        if args
            .first()
            .is_some_and(|a| a.rsplit('/').next() == Some("redis-server"))
        {
            args = &args[1..];
        }
        let entrypoint_args = via_entrypoint && major_of(&version) >= 8;
        let mut launch = Launch {
            version,
            config_file: None,
            options: Vec::new(),
            // Redis 8's entrypoint adds its modules' --loadmodule.
            has_args: !args.is_empty() || entrypoint_args,
            via_entrypoint,
            pid: 1,
        };
        let mut rest = args;
        if let Some(first) = rest.first()
            && !first.starts_with("--")
        {
            launch.config_file = Some(first.clone());
            rest = &rest[1..];
        }
        // Each `--name` starts a line; the words up to the next join it.
        for a in rest {
            match a.strip_prefix("--") {
                Some(name) => launch.options.push(name.to_string()),
                // main() quotes each value as `sdscatrepr` does.
                None => match launch.options.last_mut() {
                    Some(line) => {
                        line.push(' ');
                        line.push_str(&repr(a));
                    }
                    None => launch.options.push(a.clone()),
                },
            }
        }
        launch
    }

    /// The major release (5, 6, 7, 8).
    pub(crate) fn major(&self) -> u32 {
        major_of(&self.version)
    }

    /// The settings it starts with, from its configuration file (`files`
    /// are the container's) and options, or what Redis prints as it
    /// refuses them and exits.
    pub(crate) fn settings(
        &self,
        files: &VecMap<String, String>,
    ) -> Result<Vec<(String, String)>, Fatal> {
        let mut text = String::new();
        if let Some(path) = &self.config_file {
            match files.get(path.as_str()) {
                Some(content) => text.push_str(content),
                None => return Err(Fatal::MissingFile(path.clone())),
            }
            if !text.is_empty() && !text.ends_with('\n') {
                text.push('\n');
            }
        }
        // `loadServerConfig` puts the options after a newline.
        if !self.options.is_empty() {
            text.push('\n');
        }
        for line in &self.options {
            text.push_str(line);
            text.push('\n');
        }
        let major = self.major();
        let mut settings: Vec<(String, String)> = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim_matches([' ', '\t', '\r']);
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fatal = |why: &str| {
                let header = if major >= 6 {
                    format!("*** FATAL CONFIG FILE ERROR (Redis {}) ***", self.version)
                } else {
                    "*** FATAL CONFIG FILE ERROR ***".to_string()
                };
                vec![
                    String::new(),
                    header,
                    format!("Reading the configuration file, at line {}", i + 1),
                    format!(">>> '{line}'"),
                    why.to_string(),
                ]
            };
            let Some(words) = split_args(line) else {
                return Err(Fatal::Config(fatal(
                    "Unbalanced quotes in configuration line",
                )));
            };
            let Some(first) = words.first() else {
                continue;
            };
            let name = first.to_ascii_lowercase();
            // What the loader takes itself (modules, users, renames).
            if matches!(
                name.as_str(),
                "include" | "rename-command" | "user" | "loadmodule" | "sentinel"
            ) {
                continue;
            }
            let value = words[1..].join(" ");
            match param(&name) {
                Some(p) if words.len() != 2 && !matches!(p.kind, Kind::Text) => {
                    return Err(Fatal::Config(fatal("wrong number of arguments")));
                }
                Some(p) => match p.kind.normalize(&value) {
                    // Save points add up, line after line.
                    Ok(v) if name == "save" && !v.is_empty() && v != "\"\"" => {
                        match settings
                            .iter_mut()
                            .find(|(n, old)| n == "save" && !old.is_empty() && old != "\"\"")
                        {
                            Some(slot) => slot.1 = format!("{} {v}", slot.1),
                            None => set(&mut settings, &name, v),
                        }
                    }
                    Ok(v) => set(&mut settings, &name, v),
                    // Redis 5 read memory values with `memtoll`, which
                    // takes what it cannot read as 0, and had its own
                    // word for a bad policy; 6 says "argument" once.
                    Err(_) if major < 6 && matches!(p.kind, Kind::Memory) => {
                        set(&mut settings, &name, "0".into())
                    }
                    Err(_) if major < 6 && name == "maxmemory-policy" => {
                        return Err(Fatal::Config(fatal("Invalid maxmemory policy")));
                    }
                    Err(why) if major == 6 => {
                        return Err(Fatal::Config(fatal(
                            &why.replace("argument(s)", "argument"),
                        )));
                    }
                    Err(why) => return Err(Fatal::Config(fatal(&why))),
                },
                // Directives Kubeplay has no table entry for are kept as
                // written.
                // `replicaof` takes a host and a port.
                None if matches!(name.as_str(), "replicaof" | "slaveof") && words.len() != 3 => {
                    return Err(Fatal::Config(fatal(
                        "Bad directive or wrong number of arguments",
                    )));
                }
                None if words.len() >= 2 && DIRECTIVES.split(' ').any(|d| d == name) => {
                    set(&mut settings, &name, value)
                }
                None => {
                    return Err(Fatal::Config(fatal(
                        "Bad directive or wrong number of arguments",
                    )));
                }
            }
        }
        Ok(settings)
    }
}

/// The bytes of an RDB string (`rdbSaveRawString`): an integer in a few
/// bytes, else its length and bytes (LZF compression, tried above 20
/// bytes, is not modelled).
fn rdb_string(s: &str) -> u64 {
    let len = |n: u64| match n {
        0..64 => 1,
        64..16_384 => 2,
        _ => 5,
    };
    if s.len() <= 11
        && let Ok(n) = s.parse::<i64>()
        && n.to_string() == s
    {
        return match n {
            -128..=127 => 2,
            -32_768..=32_767 => 3,
            -2_147_483_648..=2_147_483_647 => 5,
            _ => len(s.len() as u64) + s.len() as u64,
        };
    }
    len(s.len() as u64) + s.len() as u64
}

/// The replica's handshake lines, as Redis 6 logs them (a sync, and the
/// attempts that fail partway).
pub(crate) const SYNC_STARTED: &str = "* MASTER <-> REPLICA sync started";
/// The connection is up.
pub(crate) const CONNECT_FIRED: &str = "* Non blocking connect for SYNC fired the event.";
/// The master answered the PING.
pub(crate) const PING_REPLIED: &str = "* Master replied to PING, replication can continue...";
/// A first PSYNC, with no master to resume.
pub(crate) const NO_CACHED_MASTER: &str =
    "* Partial resynchronization not possible (no cached master)";

/// What a replica and its master log as the replica connects and
/// synchronizes in full, with when.
#[derive(Debug, Default)]
pub(crate) struct SyncLog {
    /// The replica's lines.
    pub replica: Vec<(Millis, String)>,
    /// The master's lines.
    pub master: Vec<(Millis, String)>,
}

/// Who takes part in a full synchronization: the replica's address as the
/// master names it (`10.244.1.5:6379`), the replica's pid, and the
/// master's start (its cron's PINGs count from it).
pub(crate) struct SyncParties<'a> {
    /// The replica's address and port as the master names it.
    pub replica_addr: &'a str,
    /// The replica process's pid (its log lines' prefix).
    pub replica_pid: u32,
    /// When the master process started.
    pub master_started: Millis,
    /// A seed for the replication ID (the master's container id).
    pub seed: &'a str,
    /// The master's log prefix: `1:M`, or a replica's own (`10:S`) when
    /// it serves a replica of its own.
    pub master_who: &'a str,
}

impl Server {
    /// The replication offset at `now`: the writes propagated and the
    /// PING sent every 10 s (`repl-ping-replica-period`) since the backlog
    /// was made.
    fn repl_offset(&self, started: Millis, now: Millis) -> u64 {
        let period = |t: Millis| t.saturating_sub(started) / 10_000;
        // Redis 2.8 counts one more as it creates its backlog, so that no
        // earlier replica can resume.
        let created = u64::from(self.major() < 3 && self.master.replid.is_some());
        created
            + self.master.propagated
            + 14 * period(now).saturating_sub(period(self.master.backlog_at))
    }

    /// The size of the RDB file a BGSAVE writes of this dataset at
    /// `offset`: header, the auxiliary fields (175 bytes empty), each
    /// database and its keys.
    fn rdb_size(&self, offset: u64) -> u64 {
        // Redis 2.8's RDB 6: `REDIS0006`, each database's SELECTDB and
        // its keys, EOF and the checksum.
        if self.major() < 3 {
            let keys = |keys: &VecMap<String, String>| {
                keys.iter()
                    .map(|(k, v)| 1 + rdb_string(k) + rdb_string(v))
                    .sum::<u64>()
            };
            return 18
                + self
                    .dbs
                    .iter()
                    .filter(|(_, k)| !k.is_empty())
                    .map(|(db, k)| 2 + u64::from(*db >= 64) + keys(k))
                    .sum::<u64>();
        }
        let mut size = 175
            + match offset {
                0..128 => 0,
                128..32_768 => 1,
                _ => 3,
            };
        for (db, keys) in self.dbs.iter().filter(|(_, k)| !k.is_empty()) {
            // SELECTDB and RESIZEDB with their lengths.
            size += 2 + u64::from(*db >= 64) + 1 + if keys.len() < 64 { 1 } else { 2 } + 1;
            size += keys
                .iter()
                .map(|(k, v)| 1 + rdb_string(k) + rdb_string(v))
                .sum::<u64>();
        }
        size
    }

    /// The master's dataset, which a replica loads.
    pub(crate) fn dataset(&self) -> Vec<(u32, VecMap<String, String>)> {
        self.dbs.clone()
    }

    /// Loads a dataset received from the master.
    pub(crate) fn load(&mut self, dbs: Vec<(u32, VecMap<String, String>)>) {
        self.dbs = dbs;
    }

    /// A full synchronization of `replica` from this master, the replica
    /// having connected at `at`; `t` formats a log time. Both sides' lines
    /// as Redis 6 logs them, and the replica gets the data.
    pub(crate) fn full_sync(
        &mut self,
        replica: &mut Server,
        parties: &SyncParties,
        at: Millis,
        t: &dyn Fn(Millis) -> String,
    ) -> SyncLog {
        // One writer for every line (`PID:ROLE TIME TEXT`): each call
        // site passes its text only.
        let write = |out: &mut Vec<(Millis, String)>, ms: Millis, who: &str, text: &str| {
            out.push((ms, format!("{who} {} {text}", t(ms))))
        };
        let mut log = SyncLog::default();
        let me = format!("{}:S", parties.replica_pid);
        let addr = parties.replica_addr;
        let (host, port) = replica.replica.of.clone().unwrap_or_default();
        let cached = replica.replica.cached.take();
        let partial = match &cached {
            Some((id, offset)) => format!(
                "* Trying a partial resynchronization (request {id}:{}).",
                offset + 1
            ),
            None => NO_CACHED_MASTER.into(),
        };
        // Redis 2.8 knows no `REPLCONF capa`, and keeps the run ID it
        // started with instead of replication IDs.
        let legacy = self.major() < 3;
        let capa = legacy.then_some(
            "* (Non critical) Master does not understand REPLCONF capa: -ERR Unrecognized REPLCONF option: capa",
        );
        // The name's lookup, then the handshake (PING, REPLCONF, PSYNC).
        for (ms, text) in [
            (
                at,
                Some(format!("* Connecting to MASTER {host}:{port}").as_str()),
            ),
            (at + 7, Some(SYNC_STARTED)),
            (at + 7, Some(CONNECT_FIRED)),
            (at + 8, Some(PING_REPLIED)),
            (at + 8, capa),
            (at + 8, Some(&partial)),
        ] {
            if let Some(text) = text {
                write(&mut log.replica, ms, &me, text);
            }
        }
        let m_at = at + 8;
        let fresh = self.master.replid.is_none();
        let start_id = || super::images::hex64(&format!("{}start", parties.seed))[..40].to_string();
        if fresh {
            self.master.replid = Some(if legacy {
                start_id()
            } else {
                super::images::hex64(&format!("{}{m_at}", parties.seed))[..40].to_string()
            });
            self.master.backlog_at = m_at;
        }
        let replid = self.master.replid.clone().unwrap_or_default();
        let zeros = "0".repeat(40);
        let ids = format!("'{replid}' and '{zeros}'");
        let mut master = vec![format!("* Replica {addr} asks for synchronization")];
        // The IDs it had before the backlog: its start's.
        let before = if fresh {
            format!("'{}' and '{zeros}'", start_id())
        } else {
            ids.clone()
        };
        master.push(match &cached {
            Some((id, _)) if *id != replid => format!(
                "* Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '{id}', my replication IDs are {before})"
            ),
            _ => format!("* Full resync requested by replica {addr}"),
        });
        if fresh {
            master.push(format!(
                "* Replication backlog created, my new replication IDs are {ids}"
            ));
        }
        for text in &master {
            write(&mut log.master, m_at, parties.master_who, text);
        }
        // A BGSAVE still running for another replica is shared.
        let (done, offset) = match self.master.bgsave {
            Some((end, _, offset)) if end > m_at => {
                write(
                    &mut log.master,
                    m_at,
                    parties.master_who,
                    "* Waiting for end of BGSAVE for SYNC",
                );
                (end, offset)
            }
            _ => {
                let offset = self.repl_offset(parties.master_started, m_at);
                self.master.forks += 1;
                // The first child's pid in a redis image's container (the
                // old image's children in a Guestbook run: 8, 9).
                let child = if legacy { 7 } else { 10 } + self.master.forks;
                let kid = format!("{child}:C");
                // Reaped by serverCron, 10 times a second.
                let end = m_at + 54;
                for (ms, who, text) in [
                    (
                        m_at,
                        parties.master_who,
                        "* Starting BGSAVE for SYNC with target: disk",
                    ),
                    (
                        m_at + 1,
                        parties.master_who,
                        &format!("* Background saving started by pid {child}"),
                    ),
                    (m_at + 14, &kid, "* DB saved on disk"),
                    (
                        m_at + 14,
                        &kid,
                        "* RDB: 0 MB of memory used by copy-on-write",
                    ),
                    (
                        end,
                        parties.master_who,
                        "* Background saving terminated with success",
                    ),
                ] {
                    write(&mut log.master, ms, who, text);
                }
                self.master.bgsave = Some((end, child, offset));
                (end, offset)
            }
        };
        let succeeded = format!("* Synchronization with replica {addr} succeeded");
        write(&mut log.master, done, parties.master_who, &succeeded);
        let resync = format!("* Full resync from master: {replid}:{offset}");
        let receiving = format!(
            "* MASTER <-> REPLICA sync: receiving {} bytes from master to disk",
            self.rdb_size(offset)
        );
        // An RDB 6 carries no auxiliary fields to report.
        let produced = format!("* Loading RDB produced by version {}", self.version);
        let aux = |text: &'static str| (!legacy).then_some(text);
        let discarding = cached
            .as_ref()
            .map(|_| "* Discarding previously cached master state.");
        for (ms, text) in [
            (at + 9, Some(resync.as_str())),
            (at + 9, discarding),
            (done + 1, Some(receiving.as_str())),
            (
                done + 1,
                Some("* MASTER <-> REPLICA sync: Flushing old data"),
            ),
            (
                done + 1,
                Some("* MASTER <-> REPLICA sync: Loading DB in memory"),
            ),
            (done + 1, (!legacy).then_some(produced.as_str())),
            (done + 1, aux("* RDB age 0 seconds")),
            (done + 1, aux("* RDB memory usage when created 1.83 Mb")),
            (
                done + 2,
                Some("* MASTER <-> REPLICA sync: Finished with success"),
            ),
        ] {
            if let Some(text) = text {
                write(&mut log.replica, ms, &me, text);
            }
        }
        replica.load(self.dataset());
        replica.replica.connecting_since = None;
        // A replica takes its master's replication ID (and serves it to
        // replicas of its own).
        replica.master.replid.clone_from(&self.master.replid);
        log
    }

    /// The replication ID and offset a replica keeps of this master when
    /// it loses it (its `cached_master`), the master having started at
    /// `started`.
    pub(crate) fn as_cached_master(&self, started: Millis, now: Millis) -> Option<(String, u64)> {
        Some((self.master.replid.clone()?, self.repl_offset(started, now)))
    }
}

/// The master `replicaof` (or `slaveof`) names: host and port.
pub(crate) fn replica_of(settings: &[(String, String)]) -> Option<(String, u16)> {
    settings
        .iter()
        .rev()
        .find(|(n, _)| n == "replicaof" || n == "slaveof")
        .and_then(|(_, v)| {
            let (host, port) = v.split_once(' ')?;
            Some((
                host.trim_matches('"').to_string(),
                port.trim().parse().ok()?,
            ))
        })
}

/// The port set by `port` (only it is listened on).
pub(crate) fn port(settings: &[(String, String)]) -> Option<u16> {
    settings
        .iter()
        .find(|(n, _)| n == "port")
        .and_then(|(_, v)| v.parse().ok())
}

fn major_of(version: &str) -> u32 {
    release_of(version).0
}

/// A version's major and minor numbers.
fn release_of(version: &str) -> (u32, u32) {
    let mut parts = version.split('.').map(|p| p.parse::<u32>().ok());
    (
        parts.next().flatten().unwrap_or(8),
        parts.next().flatten().unwrap_or(0),
    )
}

fn set(settings: &mut Vec<(String, String)>, name: &str, value: String) {
    match settings.iter_mut().find(|(n, _)| n == name) {
        Some(slot) => slot.1 = value,
        None => settings.push((name.to_string(), value)),
    }
}

/// How a setting's value is read.
#[derive(Clone, Copy, Debug)]
enum Kind {
    /// Bytes, with k/kb/m/mb/g/gb units.
    Memory,
    /// One of these names.
    Enum(&'static [&'static str]),
    /// yes or no.
    Bool,
    /// An integer in this range.
    Int(i64, i64),
    /// Anything (several words too).
    Text,
}

const POLICIES: &[&str] = &[
    "volatile-lru",
    "volatile-lfu",
    "volatile-random",
    "volatile-ttl",
    "allkeys-lru",
    "allkeys-lfu",
    "allkeys-random",
    "noeviction",
];

impl Kind {
    /// The value as `CONFIG GET` shows it, or Redis's complaint.
    fn normalize(self, value: &str) -> Result<String, String> {
        match self {
            Kind::Memory => memory_bytes(value)
                .map(|b| b.to_string())
                .ok_or_else(|| "argument must be a memory value".to_string()),
            Kind::Enum(names) => {
                let lower = value.to_ascii_lowercase();
                if names.contains(&lower.as_str()) {
                    Ok(lower)
                } else if names.len() == POLICIES.len() {
                    Err(
                        "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction".into(),
                    )
                } else if names.contains(&"everysec") {
                    Err("argument(s) must be one of the following: everysec, always, no".into())
                } else {
                    Err(
                        "argument(s) must be one of the following: debug, verbose, notice, warning, nothing".into(),
                    )
                }
            }
            Kind::Bool => match value.to_ascii_lowercase().as_str() {
                "yes" => Ok("yes".into()),
                "no" => Ok("no".into()),
                _ => Err("argument must be 'yes' or 'no'".into()),
            },
            Kind::Int(min, max) => match value.parse::<i64>() {
                Ok(n) if (min..=max).contains(&n) => Ok(n.to_string()),
                Ok(_) => Err(format!(
                    "argument must be between {min} and {max} inclusive"
                )),
                Err(_) => Err("argument couldn't be parsed into an integer".into()),
            },
            Kind::Text => Ok(value.to_string()),
        }
    }
}

/// A setting Kubeplay knows: its name, kind and default (Redis 7's; `dir`
/// is the working directory).
struct Param {
    name: &'static str,
    kind: Kind,
    default: &'static str,
}

const fn p(name: &'static str, kind: Kind, default: &'static str) -> Param {
    Param {
        name,
        kind,
        default,
    }
}

const PARAMS: &[Param] = &[
    p("maxmemory", Kind::Memory, "0"),
    p("maxmemory-policy", Kind::Enum(POLICIES), "noeviction"),
    p("maxmemory-samples", Kind::Int(1, 64), "5"),
    p("maxmemory-eviction-tenacity", Kind::Int(0, 100), "10"),
    p("maxmemory-clients", Kind::Memory, "0"),
    p("port", Kind::Int(0, 65535), "6379"),
    p("bind", Kind::Text, "* -::*"),
    // The images build Redis with protected mode off.
    p("protected-mode", Kind::Bool, "no"),
    p("requirepass", Kind::Text, ""),
    p("databases", Kind::Int(1, i32::MAX as i64), "16"),
    p("timeout", Kind::Int(0, i32::MAX as i64), "0"),
    p("tcp-keepalive", Kind::Int(0, i32::MAX as i64), "300"),
    p("tcp-backlog", Kind::Int(0, i32::MAX as i64), "511"),
    p("maxclients", Kind::Int(1, u32::MAX as i64), "10000"),
    p("save", Kind::Text, "3600 1 300 100 60 10000"),
    p("appendonly", Kind::Bool, "no"),
    p(
        "appendfsync",
        Kind::Enum(&["always", "everysec", "no"]),
        "everysec",
    ),
    p("appendfilename", Kind::Text, "appendonly.aof"),
    p("dbfilename", Kind::Text, "dump.rdb"),
    p("dir", Kind::Text, ""),
    p(
        "loglevel",
        Kind::Enum(&["debug", "verbose", "notice", "warning", "nothing"]),
        "notice",
    ),
    p("logfile", Kind::Text, ""),
    p("daemonize", Kind::Bool, "no"),
    p("hz", Kind::Int(0, i32::MAX as i64), "10"),
    p("lazyfree-lazy-eviction", Kind::Bool, "no"),
    p("notify-keyspace-events", Kind::Text, ""),
    p("slowlog-log-slower-than", Kind::Int(-1, i64::MAX), "10000"),
    p("slowlog-max-len", Kind::Int(0, i64::MAX), "128"),
    p("replica-read-only", Kind::Bool, "yes"),
    p("activedefrag", Kind::Bool, "no"),
    p("cluster-enabled", Kind::Bool, "no"),
];

/// Every directive Redis 6 to 8 reads from its configuration file (Redis
/// 7's `configs[]` with their aliases, later additions, and the ones its
/// loader takes itself); any other stops it.
const DIRECTIVES: &str = concat!(
    "rdbchecksum daemonize io-threads-do-reads always-show-logo protected-mode ",
    "rdbcompression rdb-del-sync-files activerehashing stop-writes-on-bgsave-error ",
    "set-proc-title dynamic-hz lazyfree-lazy-eviction lazyfree-lazy-expire ",
    "lazyfree-lazy-server-del lazyfree-lazy-user-del lazyfree-lazy-user-flush ",
    "repl-disable-tcp-nodelay repl-diskless-sync aof-rewrite-incremental-fsync ",
    "no-appendfsync-on-rewrite cluster-require-full-coverage rdb-save-incremental-fsync ",
    "aof-load-truncated aof-use-rdb-preamble aof-timestamp-enabled ",
    "cluster-replica-no-failover cluster-slave-no-failover replica-lazy-flush ",
    "slave-lazy-flush replica-serve-stale-data slave-serve-stale-data replica-read-only ",
    "slave-read-only replica-ignore-maxmemory slave-ignore-maxmemory jemalloc-bg-thread ",
    "activedefrag syslog-enabled cluster-enabled appendonly cluster-allow-reads-when-down ",
    "cluster-allow-pubsubshard-when-down crash-log-enabled crash-memcheck-enabled ",
    "use-exit-on-panic disable-thp cluster-allow-replica-migration replica-announced ",
    "latency-tracking aof-disable-auto-gc aclfile unixsocket pidfile replica-announce-ip ",
    "slave-announce-ip masteruser cluster-announce-ip cluster-config-file ",
    "cluster-announce-hostname cluster-announce-human-nodename syslog-ident dbfilename ",
    "appendfilename appenddirname server_cpulist bio_cpulist aof_rewrite_cpulist ",
    "bgsave_cpulist ignore-warnings proc-title-template bind-source-addr logfile ",
    "locale-collate masterauth requirepass supervised syslog-facility repl-diskless-load ",
    "loglevel maxmemory-policy appendfsync oom-score-adj acl-pubsub-default ",
    "sanitize-dump-payload enable-protected-configs enable-debug-command ",
    "enable-module-command cluster-preferred-endpoint-type databases port io-threads ",
    "auto-aof-rewrite-percentage cluster-replica-validity-factor ",
    "cluster-slave-validity-factor list-max-listpack-size list-max-ziplist-size ",
    "tcp-keepalive cluster-migration-barrier active-defrag-cycle-min active-defrag-cycle-max ",
    "active-defrag-threshold-lower active-defrag-threshold-upper lfu-log-factor ",
    "lfu-decay-time replica-priority slave-priority repl-diskless-sync-delay ",
    "maxmemory-samples maxmemory-eviction-tenacity timeout replica-announce-port ",
    "slave-announce-port tcp-backlog cluster-port cluster-announce-bus-port ",
    "cluster-announce-port cluster-announce-tls-port repl-timeout repl-ping-replica-period ",
    "repl-ping-slave-period list-compress-depth rdb-key-save-delay key-load-delay ",
    "active-expire-effort hz min-replicas-to-write min-slaves-to-write min-replicas-max-lag ",
    "min-slaves-max-lag watchdog-period shutdown-timeout shutdown-on-sigint ",
    "shutdown-on-sigterm repl-diskless-sync-max-replicas max-new-connections-per-cycle ",
    "max-new-tls-connections-per-cycle maxclients unixsocketperm ",
    "active-defrag-max-scan-fields slowlog-max-len acllog-max-len busy-reply-threshold ",
    "lua-time-limit cluster-node-timeout slowlog-log-slower-than latency-monitor-threshold ",
    "proto-max-bulk-len stream-node-max-entries repl-backlog-size maxmemory ",
    "cluster-link-sendbuf-limit cluster-link-msg-queue-limit hash-max-listpack-entries ",
    "hash-max-ziplist-entries set-max-intset-entries set-max-listpack-entries ",
    "set-max-listpack-value zset-max-listpack-entries zset-max-ziplist-entries ",
    "active-defrag-ignore-bytes hash-max-listpack-value hash-max-ziplist-value ",
    "stream-node-max-bytes zset-max-listpack-value zset-max-ziplist-value ",
    "hll-sparse-max-bytes tracking-table-max-keys client-query-buffer-limit ",
    "maxmemory-clients repl-backlog-ttl auto-aof-rewrite-min-size ",
    "loading-process-events-interval-bytes tls-port tls-session-cache-size ",
    "tls-session-cache-timeout tls-cluster tls-replication tls-auth-clients ",
    "tls-prefer-server-ciphers tls-session-caching tls-cert-file tls-key-file ",
    "tls-key-file-pass tls-client-cert-file tls-client-key-file tls-client-key-file-pass ",
    "tls-dh-params-file tls-ca-cert-file tls-ca-cert-dir tls-protocols tls-ciphers ",
    "tls-ciphersuites dir save client-output-buffer-limit oom-score-adj-values ",
    "notify-keyspace-events bind replicaof slaveof latency-tracking-info-percentiles include ",
    "rename-command user loadmodule sentinel list-max-ziplist-entries list-max-ziplist-value ",
    "lua-replicate-commands gopher-enabled hide-user-data-from-log",
);

fn param(name: &str) -> Option<&'static Param> {
    PARAMS.iter().find(|p| p.name == name)
}

/// Redis's `memtoull`: a count of bytes with an optional unit (`1k` is
/// 1000, `1kb` 1024), units in any case.
fn memory_bytes(value: &str) -> Option<u64> {
    let lower = value.to_ascii_lowercase();
    let digits = lower.bytes().take_while(u8::is_ascii_digit).count();
    let (number, unit) = lower.split_at(digits);
    let scale: u64 = match unit {
        "" | "b" => 1,
        "k" => 1000,
        "kb" => 1024,
        "m" => 1_000_000,
        "mb" => 1 << 20,
        "g" => 1_000_000_000,
        "gb" => 1 << 30,
        _ => return None,
    };
    number.parse::<u64>().ok()?.checked_mul(scale)
}

/// C's `isspace` (ASCII only, vertical tab included).
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{b}' | '\u{c}')
}

/// Redis's `sdssplitargs`: words, "double-quoted" with escapes, or
/// 'single-quoted'; None for unbalanced quotes.
pub(crate) fn split_args(line: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| is_space(*c)) {
            chars.next();
        }
        let Some(&first) = chars.peek() else {
            return Some(words);
        };
        let mut word = String::new();
        if first == '"' || first == '\'' {
            chars.next();
            loop {
                match chars.next()? {
                    c if c == first => break,
                    '\\' if first == '"' => match chars.next()? {
                        'n' => word.push('\n'),
                        'r' => word.push('\r'),
                        't' => word.push('\t'),
                        'b' => word.push('\u{8}'),
                        'a' => word.push('\u{7}'),
                        c => word.push(c),
                    },
                    '\\' if chars.peek() == Some(&'\'') => {
                        chars.next();
                        word.push('\'');
                    }
                    c => word.push(c),
                }
            }
            // A closing quote must be followed by a space or the end.
            if chars.peek().is_some_and(|c| !is_space(*c)) {
                return None;
            }
        } else {
            while let Some(&c) = chars.peek() {
                if is_space(c) {
                    break;
                }
                word.push(c);
                chars.next();
            }
        }
        words.push(word);
    }
}

/// A reply in the Redis protocol.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Reply {
    /// `+OK`.
    Status(&'static str),
    /// `-ERR …`.
    Error(String),
    /// `:1`.
    Int(i64),
    /// A bulk string, or nil.
    Bulk(Option<String>),
    /// An array.
    Array(Vec<Reply>),
}

fn bulk(s: &str) -> Reply {
    Reply::Bulk(Some(s.to_string()))
}

fn err(message: impl Into<String>) -> Reply {
    Reply::Error(message.into())
}

/// A running `redis-server`: its settings and its databases.
#[derive(Clone, Debug)]
pub(crate) struct Server {
    version: String,
    settings: Vec<(String, String)>,
    /// Each database's string keys.
    dbs: Vec<(u32, VecMap<String, String>)>,
    /// As a replica: its link to the master.
    pub replica: Replica,
    /// As a master: what replicating to others keeps.
    pub master: MasterSide,
}

/// A replica's side of replication (`replicaof HOST PORT`).
#[derive(Clone, Debug, Default)]
pub(crate) struct Replica {
    /// The master it was told to follow.
    pub of: Option<(String, u16)>,
    /// The master process it is in sync with (its pod and container id).
    pub link: Option<(crate::store::ObjectKey, String)>,
    /// A connection attempt that has not been answered (a dropped SYN),
    /// since when: `repl-timeout` ends it.
    pub connecting_since: Option<Millis>,
    /// The replication ID and offset of the master it lost, which it
    /// offers for a partial resynchronization.
    pub cached: Option<(String, u64)>,
    /// Since when its master has been silent (its node gone): the link
    /// times out.
    pub silent_since: Option<Millis>,
    /// When its next `replicationCron` run is due while unconnected.
    pub cron_at: Option<Millis>,
}

/// A master's side of replication.
#[derive(Clone, Debug, Default)]
pub(crate) struct MasterSide {
    /// Its replication ID, made with the backlog as the first replica
    /// connects.
    pub replid: Option<String>,
    /// When the backlog was made: `repl-ping-replica-period` PINGs count
    /// from then into the offset.
    pub backlog_at: Millis,
    /// Bytes of write commands propagated to replicas.
    pub propagated: u64,
    /// The BGSAVE for SYNC in progress: when it ends, the child's pid and
    /// the offset it was started at.
    pub bgsave: Option<(Millis, u32, u64)>,
    /// Processes forked so far (each BGSAVE child takes the next pid).
    pub forks: u32,
    /// The replicas in sync with it: pod, init container or not, index,
    /// and the address it names them by.
    pub replicas: Vec<(crate::store::ObjectKey, bool, usize, String)>,
}

/// Commands that write, which a read-only replica refuses.
const WRITES: &[&str] = &["set", "del", "incr", "decr", "flushdb", "flushall"];

/// How long a replica waits for its master to answer a connection
/// (`repl-timeout`), checked by `replicationCron` once a second.
pub(crate) const REPL_TIMEOUT: Millis = 61_000;

/// One client connection's state.
#[derive(Clone, Debug, Default)]
pub(crate) struct Session {
    /// The selected database.
    pub db: u32,
    /// AUTH succeeded.
    pub authenticated: bool,
}

impl Server {
    /// A server started as `launch` with these settings; `dir` is its
    /// working directory.
    pub(crate) fn start(launch: &Launch, settings: Vec<(String, String)>, dir: &str) -> Server {
        let of = replica_of(&settings);
        let mut server = Server {
            version: launch.version.clone(),
            settings,
            dbs: Vec::new(),
            replica: Replica {
                of,
                ..Replica::default()
            },
            master: MasterSide::default(),
        };
        if server.setting("dir").is_empty() {
            set(&mut server.settings, "dir", dir.to_string());
        }
        server
    }

    fn major(&self) -> u32 {
        major_of(&self.version)
    }

    /// The settings it started with and was given since.
    pub(crate) fn settings(&self) -> &[(String, String)] {
        &self.settings
    }

    fn setting(&self, name: &str) -> String {
        if let Some((_, v)) = self.settings.iter().find(|(n, _)| n == name) {
            return v.clone();
        }
        match param(name) {
            // Redis 7 saves more often by default, and binds every address.
            Some(_) if name == "save" && self.major() < 7 => "900 1 300 10 60 10000".to_string(),
            Some(_) if name == "bind" && self.major() < 7 => String::new(),
            Some(p) => p.default.to_string(),
            None => String::new(),
        }
    }

    fn db(&mut self, session: &Session) -> &mut VecMap<String, String> {
        let at = match self.dbs.iter().position(|(n, _)| *n == session.db) {
            Some(at) => at,
            None => {
                self.dbs.push((session.db, VecMap::new()));
                self.dbs.len() - 1
            }
        };
        &mut self.dbs[at].1
    }

    /// Runs one command for a client.
    pub(crate) fn command(&mut self, argv: &[String], session: &mut Session) -> Reply {
        let Some(first) = argv.first() else {
            return Reply::Bulk(None);
        };
        let name = first.to_ascii_lowercase();
        let args = &argv[1..];
        let password = self.setting("requirepass");
        if !password.is_empty() && !session.authenticated && name != "auth" && name != "hello" {
            return err("NOAUTH Authentication required.");
        }
        let Some(&(_, min, max)) = COMMANDS.iter().find(|(n, _, _)| *n == name) else {
            if NOT_SIMULATED.split(' ').any(|c| c == name) {
                return err(format!(
                    "ERR Kubeplay does not simulate {} (its Redis has strings, keys, CONFIG, AUTH and SELECT)",
                    name.to_ascii_uppercase()
                ));
            }
            return self.unknown(first, args);
        };
        if args.len() < min || max.is_some_and(|m| args.len() > m) {
            return err(format!(
                "ERR wrong number of arguments for '{name}' command"
            ));
        }
        let writes = WRITES.contains(&name.as_str());
        if writes && self.replica.of.is_some() && self.setting("replica-read-only") != "no" {
            return err("READONLY You can't write against a read only replica.");
        }
        let reply = self.execute(&name, argv, session, &password);
        // What a master sends its replicas: each write that changed the
        // data, in the protocol, after a SELECT of its database the first
        // time.
        let changed =
            !(matches!(reply, Reply::Error(_)) || name == "del" && reply == Reply::Int(0));
        if writes && changed && self.master.replid.is_some() {
            let resp = |argv: &[String]| {
                argv.iter().fold(format!("*{}\r\n", argv.len()), |out, a| {
                    format!("{out}${}\r\n{a}\r\n", a.len())
                })
            };
            if self.master.propagated == 0 {
                self.master.propagated +=
                    resp(&["SELECT".into(), session.db.to_string()]).len() as u64;
            }
            self.master.propagated += resp(argv).len() as u64;
        }
        reply
    }

    /// Runs a command that passed the checks for its name, arity,
    /// authentication and the replica's read-only mode.
    fn execute(
        &mut self,
        name: &str,
        argv: &[String],
        session: &mut Session,
        password: &str,
    ) -> Reply {
        let args = &argv[1..];
        let int = |s: &str| s.parse::<i64>().ok();
        const NOT_INT: &str = "ERR value is not an integer or out of range";
        match name {
            "ping" => match args.first() {
                Some(m) => bulk(m),
                None => Reply::Status("PONG"),
            },
            "echo" => bulk(&args[0]),
            "auth" => {
                let given = args.last().map_or("", String::as_str);
                if password.is_empty() && self.major() < 6 {
                    err("ERR Client sent AUTH, but no password is set")
                } else if password.is_empty() {
                    err(
                        "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?",
                    )
                } else if given == password {
                    session.authenticated = true;
                    Reply::Status("OK")
                } else if self.major() >= 6 {
                    err("WRONGPASS invalid username-password pair or user is disabled.")
                } else {
                    err("ERR invalid password")
                }
            }
            "select" => match int(&args[0]) {
                Some(n) if n >= 0 && n < int(&self.setting("databases")).unwrap_or(16) => {
                    session.db = n as u32;
                    Reply::Status("OK")
                }
                Some(_) => err("ERR DB index is out of range"),
                None => err(NOT_INT),
            },
            "set" if args.len() == 2 => {
                self.db(session).insert(args[0].clone(), args[1].clone());
                Reply::Status("OK")
            }
            "get" => Reply::Bulk(self.db(session).get(args[0].as_str()).cloned()),
            "del" => {
                let db = self.db(session);
                Reply::Int(
                    args.iter()
                        .filter(|k| db.remove(k.as_str()).is_some())
                        .count() as i64,
                )
            }
            "exists" => {
                let db = self.db(session);
                Reply::Int(args.iter().filter(|k| db.contains_key(k.as_str())).count() as i64)
            }
            "incr" | "decr" => {
                let value = self
                    .db(session)
                    .entry(args[0].clone())
                    .or_insert_with(|| "0".into());
                let by = if name == "incr" { 1 } else { -1 };
                match int(value).map(|v| v.checked_add(by)) {
                    Some(Some(n)) => {
                        *value = n.to_string();
                        Reply::Int(n)
                    }
                    Some(None) => err("ERR increment or decrement would overflow"),
                    None => err(NOT_INT),
                }
            }
            "keys" => Reply::Array(
                self.db(session)
                    .keys()
                    .filter(|k| glob(&args[0], k))
                    .map(|k| bulk(k))
                    .collect(),
            ),
            "dbsize" => Reply::Int(self.db(session).len() as i64),
            "flushdb" => {
                self.db(session).clear();
                Reply::Status("OK")
            }
            "flushall" => {
                self.dbs.clear();
                Reply::Status("OK")
            }
            "config" => self.config(args),
            // Redis answers QUIT with OK and closes the connection.
            "quit" => Reply::Status("OK"),
            // SET's options (EX, PX, NX, XX, GET, KEEPTTL).
            _ => err("ERR Kubeplay simulates SET key value only, without options"),
        }
    }

    fn unknown(&self, command: &str, args: &[String]) -> Reply {
        let mut message = String::new();
        if self.major() < 3 {
            message.push_str(&format!("ERR unknown command '{command}'"));
        } else if self.major() >= 7 {
            message.push_str(&format!(
                "ERR unknown command '{command}', with args beginning with: "
            ));
            for a in args {
                message.push_str(&format!("'{a}' "));
            }
        } else {
            message.push_str(&format!(
                "ERR unknown command `{command}`, with args beginning with: "
            ));
            for a in args {
                message.push_str(&format!("`{a}`, "));
            }
        }
        Reply::Error(message)
    }

    /// `CONFIG GET pattern…` and `CONFIG SET name value`.
    fn config(&mut self, args: &[String]) -> Reply {
        let sub = args[0].to_ascii_lowercase();
        let new = self.major() >= 7;
        match sub.as_str() {
            "get" if args.len() >= 2 && (new || args.len() == 2) => {
                let mut out = Vec::new();
                // Redis 7's additions are not in older releases.
                let names = PARAMS
                    .iter()
                    .map(|p| p.name)
                    .filter(|n| {
                        new || !n.starts_with("maxmemory-")
                            || *n == "maxmemory-policy"
                            || *n == "maxmemory-samples"
                    })
                    .chain(self.settings.iter().map(|(n, _)| n.as_str()))
                    .collect::<Vec<_>>();
                let mut seen: Vec<&str> = Vec::new();
                for pattern in &args[1..] {
                    let pattern = pattern.to_ascii_lowercase();
                    for name in &names {
                        if glob(&pattern, name) && !seen.contains(name) {
                            seen.push(name);
                        }
                    }
                }
                for name in seen {
                    out.push(bulk(name));
                    out.push(bulk(&self.setting(name)));
                }
                Reply::Array(out)
            }
            "set" if args.len() == 3 => {
                let name = args[1].to_ascii_lowercase();
                let Some(p) = param(&name) else {
                    return err(if new {
                        format!(
                            "ERR Unknown option or number of arguments for CONFIG SET - '{}'",
                            args[1]
                        )
                    } else {
                        format!("ERR Unsupported CONFIG parameter: {}", args[1])
                    });
                };
                match p.kind.normalize(&args[2]) {
                    Ok(v) => {
                        set(&mut self.settings, &name, v);
                        Reply::Status("OK")
                    }
                    Err(why) if new => err(format!(
                        "ERR CONFIG SET failed (possibly related to argument '{}') - {why}",
                        args[1]
                    )),
                    // Redis 6 adds why; 5 does not.
                    Err(why) if self.major() == 6 => err(format!(
                        "ERR Invalid argument '{}' for CONFIG SET '{}' - {}",
                        args[2],
                        args[1],
                        why.replace("argument(s)", "argument")
                    )),
                    Err(_) => err(format!(
                        "ERR Invalid argument '{}' for CONFIG SET '{}'",
                        args[2], args[1]
                    )),
                }
            }
            "resetstat" if args.len() == 1 => Reply::Status("OK"),
            "get" | "set" | "resetstat" if new => err(format!(
                "ERR wrong number of arguments for 'config|{sub}' command"
            )),
            _ if new => err(format!(
                "ERR unknown subcommand '{}'. Try CONFIG HELP.",
                args[0]
            )),
            // `addReplySubcommandSyntaxError`, before Redis 7.
            _ => err(format!(
                "ERR Unknown subcommand or wrong number of arguments for '{}'. Try CONFIG HELP.",
                args[0]
            )),
        }
    }
}

/// The commands Kubeplay's Redis runs: name, fewest and most arguments.
const COMMANDS: &[(&str, usize, Option<usize>)] = &[
    ("ping", 0, Some(1)),
    ("echo", 1, Some(1)),
    ("auth", 1, Some(2)),
    ("select", 1, Some(1)),
    ("set", 2, None),
    ("get", 1, Some(1)),
    ("del", 1, None),
    ("exists", 1, None),
    ("incr", 1, Some(1)),
    ("decr", 1, Some(1)),
    ("keys", 1, Some(1)),
    ("dbsize", 0, Some(0)),
    ("flushdb", 0, Some(1)),
    ("flushall", 0, Some(1)),
    ("config", 1, None),
    ("quit", 0, None),
];

/// Real commands Kubeplay does not run (it says so, rather than calling
/// them unknown).
const NOT_SIMULATED: &str = "mget mset unlink incrby decrby append strlen type expire pexpire ttl pttl persist info client lpush rpush lpop rpop lrange llen hset hget hgetall hdel sadd srem smembers zadd zrange publish subscribe monitor multi exec eval scan save bgsave shutdown replicaof slaveof role";

/// Redis's `stringmatchlen` for `*`, `?` and `[…]` (the shells' pattern
/// matching too).
pub(crate) fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // One token of the pattern at `i` against `c`: whether it matches, and
    // its length in the pattern.
    let token = |i: usize, c: char| -> (bool, usize) {
        match p[i] {
            '?' => (true, 1),
            '[' => {
                let Some(close) = p[i + 1..].iter().position(|&x| x == ']').map(|k| i + 1 + k)
                else {
                    return (c == '[', 1);
                };
                let class = &p[i + 1..close];
                let (negate, class) = match class.first() {
                    Some('^') => (true, &class[1..]),
                    _ => (false, class),
                };
                let mut hit = false;
                let mut k = 0;
                while k < class.len() {
                    if k + 2 < class.len() && class[k + 1] == '-' {
                        hit |= (class[k]..=class[k + 2]).contains(&c);
                        k += 3;
                    } else {
                        hit |= class[k] == c;
                        k += 1;
                    }
                }
                (hit != negate, close + 1 - i)
            }
            '\\' if i + 1 < p.len() => (c == p[i + 1], 2),
            x => (c == x, 1),
        }
    };
    // The classic linear wildcard match: on a mismatch, the last `*`
    // takes one more character.
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == '*' {
            while pi < p.len() && p[pi] == '*' {
                pi += 1;
            }
            star = Some((pi, ti));
            continue;
        }
        if pi < p.len() {
            let (ok, len) = token(pi, t[ti]);
            if ok {
                pi += len;
                ti += 1;
                continue;
            }
        }
        match star {
            Some((after, from)) => {
                pi = after;
                ti = from + 1;
                star = Some((after, from + 1));
            }
            None => return false,
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// `sdscatrepr`: a string in double quotes, with C escapes for the bytes
/// that are not printable ASCII.
fn repr(s: &str) -> String {
    let mut out = String::from("\"");
    for b in s.bytes() {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            7 => out.push_str("\\a"),
            8 => out.push_str("\\b"),
            0x20..=0x7e => out.push(char::from(b)),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push('"');
    out
}

impl Reply {
    /// redis-cli's `cliFormatReplyTTY` (`empty` is how its release shows
    /// an empty array).
    fn tty(&self, prefix: &str, empty: &str) -> String {
        match self {
            Reply::Error(e) => format!("(error) {e}\n"),
            Reply::Status(s) => format!("{s}\n"),
            Reply::Int(n) => format!("(integer) {n}\n"),
            Reply::Bulk(Some(s)) => format!("{}\n", repr(s)),
            Reply::Bulk(None) => "(nil)\n".to_string(),
            Reply::Array(items) if items.is_empty() => format!("{empty}\n"),
            Reply::Array(items) => {
                let width = items.len().to_string().len();
                let inner = format!("{prefix}{}", " ".repeat(width + 2));
                let mut out = String::new();
                for (i, item) in items.iter().enumerate() {
                    let lead = if i == 0 { "" } else { prefix };
                    out.push_str(&format!("{lead}{:>width$}) ", i + 1));
                    out.push_str(&item.tty(&inner, empty));
                }
                out
            }
        }
    }

    /// redis-cli's `cliFormatReplyRaw`.
    fn raw(&self) -> String {
        match self {
            Reply::Error(e) => format!("{e}\n"),
            Reply::Status(s) => s.to_string(),
            Reply::Int(n) => n.to_string(),
            Reply::Bulk(s) => s.clone().unwrap_or_default(),
            Reply::Array(items) => items.iter().map(Reply::raw).collect::<Vec<_>>().join("\n"),
        }
    }
}

/// What a `redis-cli` command line asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Cli {
    /// `-h`.
    pub host: String,
    /// `-p`.
    pub port: u16,
    /// `-n`, and what SELECT chose since.
    pub db: u32,
    /// `-a`.
    pub password: Option<String>,
    /// `--raw` (Some(true)) or `--no-raw` (Some(false)); by default raw
    /// only when the output is not a terminal.
    pub raw: Option<bool>,
    /// The command to send; empty for the prompt.
    pub command: Vec<String>,
    /// `--no-auth-warning`.
    pub quiet_auth: bool,
    /// `-e`: an error reply ends a command line with exit code 1.
    pub errexit: bool,
    /// The release (for its wording).
    pub version: String,
}

/// How a redis-cli invocation goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Invocation {
    /// Send this.
    Run(Cli),
    /// Print this and exit with 0 (`--version`, `--help`).
    Print(String),
    /// Print this to standard error and exit with 1.
    Fail(String),
}

/// Parses redis-cli's options as `parseOptions` does; `version` is the
/// image's release.
pub(crate) fn parse_cli(args: &[String], version: &str) -> Invocation {
    let mut cli = Cli {
        host: "127.0.0.1".into(),
        port: 6379,
        db: 0,
        password: None,
        raw: None,
        command: Vec::new(),
        quiet_auth: false,
        errexit: false,
        version: version.to_string(),
    };
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        let value = args.get(i + 1).cloned();
        match (a, value) {
            ("-h", Some(v)) => cli.host = v,
            ("-p", Some(v)) => cli.port = v.parse().unwrap_or(0),
            ("-n", Some(v)) => cli.db = v.parse().unwrap_or(0),
            ("-a" | "--pass", Some(v)) => cli.password = Some(v),
            ("--raw", _) => {
                cli.raw = Some(true);
                i += 1;
                continue;
            }
            ("--no-raw", _) => {
                cli.raw = Some(false);
                i += 1;
                continue;
            }
            ("--no-auth-warning", _) => {
                cli.quiet_auth = true;
                i += 1;
                continue;
            }
            ("-e", _) => {
                cli.errexit = true;
                i += 1;
                continue;
            }
            ("-v" | "--version", _) => {
                return Invocation::Print(format!("redis-cli {version}\n"));
            }
            ("--help" | "-h", _) => {
                return Invocation::Print(format!(
                    "redis-cli {version}\n\nUsage: redis-cli [OPTIONS] [cmd [arg [arg ...]]]\n  -h <hostname>      Server hostname (default: 127.0.0.1).\n  -p <port>          Server port (default: 6379).\n  -a <password>      Password to use when connecting to the server.\n  -n <db>            Database number.\n  --raw              Use raw formatting for replies (default when STDOUT is\n                     not a tty).\n  --no-raw           Force formatted output even when STDOUT is not a tty.\n"
                ));
            }
            (o, _) if o.starts_with('-') && cli.command.is_empty() => {
                return Invocation::Fail(format!(
                    "Unrecognized option or bad number of args for: '{o}'\n"
                ));
            }
            _ => {
                cli.command = args[i..].to_vec();
                break;
            }
        }
        i += 2;
    }
    Invocation::Run(cli)
}

/// Why redis-cli could not talk to a server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum LinkError {
    /// `Could not connect to Redis at HOST:PORT: WHY`.
    Connect(String),
    /// The other end is not Redis.
    Protocol(String),
    /// `-a`'s AUTH or `-n`'s SELECT was refused (what redis-cli says).
    Handshake(String),
}

impl Cli {
    /// The prompt (`127.0.0.1:6379> `, `127.0.0.1:6379[1]> `, `not
    /// connected> `).
    pub(crate) fn prompt(&self, connected: bool) -> String {
        if !connected {
            return "not connected> ".into();
        }
        let db = if self.db == 0 {
            String::new()
        } else {
            format!("[{}]", self.db)
        };
        format!("{}:{}{db}> ", self.host, self.port)
    }

    /// The client's major release.
    pub(crate) fn major(&self) -> u32 {
        major_of(&self.version)
    }

    /// Whether replies print raw (`tty`: the output is a terminal).
    fn raw(&self, tty: bool) -> bool {
        self.raw.unwrap_or(!tty)
    }

    /// Formats a reply for the output.
    pub(crate) fn format(&self, reply: &Reply, tty: bool) -> String {
        if self.raw(tty) {
            format!("{}\n", reply.raw())
        } else {
            let empty = if release_of(&self.version) >= (6, 2) {
                "(empty array)"
            } else {
                "(empty list or set)"
            };
            reply.tty("", empty)
        }
    }

    /// What a connection sends before the command: AUTH for `-a`, SELECT
    /// for a database other than 0.
    pub(crate) fn handshake(&self) -> Vec<Vec<String>> {
        let mut out = Vec::new();
        if let Some(p) = &self.password {
            out.push(vec!["AUTH".to_string(), p.clone()]);
        }
        if self.db != 0 {
            out.push(vec!["SELECT".to_string(), self.db.to_string()]);
        }
        out
    }
}

/// The help redis-cli prints for `help` at its prompt.
pub(crate) fn repl_help(version: &str) -> String {
    if major_of(version) < 3 {
        return format!(
            "redis-cli {version}\nType: \"help @<group>\" to get a list of commands in <group>\n      \"help <command>\" for help on <command>\n      \"help <tab>\" to get a list of possible help topics\n      \"quit\" to exit\n"
        );
    }
    format!(
        "redis-cli {version}\nTo get help about Redis commands type:\n      \"help @<group>\" to get a list of commands in <group>\n      \"help <command>\" for help on <command>\n      \"help <tab>\" to get a list of possible help topics\n      \"quit\" to exit\n\nTo set redis-cli preferences:\n      \":set hints\" enable online hints\n      \":set nohints\" disable online hints\nSet your preferences in ~/.redisclirc\n"
    )
}

/// redis-server's start-up log (`t` is its clock as Redis prints it).
pub(crate) fn banner(launch: &Launch, port: u16, replica: bool, t: &str) -> Vec<String> {
    let pid = launch.pid;
    if launch.major() < 3 {
        // Redis 2.8's ASCII art, written raw (lines padded to 69 columns).
        let mut lines = Vec::new();
        if !launch.has_args {
            lines.extend(legacy_line(format!(
                "{pid}:C {t} # Warning: no config file specified, using the default config. In order to specify a config file use redis-server /path/to/redis.conf"
            )));
        }
        let version = format!("Redis {} (00000000/0) 64 bit", launch.version);
        let port_text = format!("Port: {port}");
        let pid_text = format!("PID: {pid}");
        for (art, text) in [
            ("                _._", ""),
            ("           _.-``__ ''-._", ""),
            ("      _.-``    `.  `_.  ''-._           ", version.as_str()),
            ("  .-`` .-```.  ```\\/    _.,_ ''-._", ""),
            (
                " (    '      ,       .-`  | `,    )     ",
                "Running in stand alone mode",
            ),
            (
                " |`-._`-...-` __...-.``-._|'` _.-'|     ",
                port_text.as_str(),
            ),
            (
                " |    `-._   `._    /     _.-'    |     ",
                pid_text.as_str(),
            ),
            ("  `-._    `-._  `-./  _.-'    _.-'", ""),
            (" |`-._`-._    `-.__.-'    _.-'_.-'|", ""),
            (
                " |    `-._`-._        _.-'_.-'    |           http://redis.io",
                "",
            ),
            ("  `-._    `-._`-.__.-'_.-'    _.-'", ""),
            (" |`-._`-._    `-.__.-'    _.-'_.-'|", ""),
            (" |    `-._`-._        _.-'_.-'    |", ""),
            ("  `-._    `-._`-.__.-'_.-'    _.-'", ""),
            ("      `-._    `-.__.-'    _.-'", ""),
            ("          `-._        _.-'", ""),
            ("              `-.__.-'", ""),
        ] {
            lines.push(if text.is_empty() {
                format!("{art:<69}")
            } else {
                format!("{art}{text}")
            });
        }
        lines.push(String::new());
        for text in [
            format!("# Server started, Redis version {}", launch.version),
            format!("* The server is now ready to accept connections on port {port}"),
        ] {
            lines.extend(legacy_line(format!("{pid}:M {t} {text}")));
        }
        return lines;
    }
    // Lines after initServer name the role: a replica's is S.
    let role = if replica { 'S' } else { 'M' };
    let release = release_of(&launch.version);
    // Redis 7.2 logs its start at the notice level (`*`), older ones as
    // warnings (`#`); 7.2 also names the listener's type.
    let notice = if release >= (7, 2) { '*' } else { '#' };
    let eight = release.0 >= 8;
    let mut lines = Vec::new();
    if eight && launch.via_entrypoint {
        lines.push("Starting Redis Server".to_string());
    }
    lines.push(format!(
        "{pid}:C {t} {notice} oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo"
    ));
    // Redis 8's images build a patched tree.
    lines.push(format!(
        "{pid}:C {t} {notice} Redis version={}, bits=64, commit=00000000, modified={}, pid={pid}, just started",
        launch.version,
        u8::from(eight)
    ));
    if launch.has_args {
        lines.push(format!("{pid}:C {t} {notice} Configuration loaded"));
    } else {
        lines.push(format!(
            "{pid}:C {t} # Warning: no config file specified, using the default config. In order to specify a config file use redis-server /path/to/redis.conf"
        ));
    }
    if release >= (6, 2) {
        lines.push(format!(
            "{pid}:{role} {t} * monotonic clock: POSIX clock_gettime"
        ));
    }
    lines.push(format!(
        "{pid}:{role} {t} * Running mode=standalone, port={port}."
    ));
    // The modules Redis 8's entrypoint loads (their own lines are left
    // out).
    if eight && launch.via_entrypoint {
        for (name, file) in [
            ("bf", "redisbloom"),
            ("search", "redisearch"),
            ("timeseries", "redistimeseries"),
            ("ReJSON", "rejson"),
        ] {
            lines.push(format!(
                "{pid}:{role} {t} * Module '{name}' loaded from /usr/local/lib/redis/modules//{file}.so"
            ));
        }
    }
    lines.push(format!("{pid}:{role} {t} {notice} Server initialized"));
    let tcp = if release >= (7, 2) { " tcp" } else { "" };
    lines.push(format!(
        "{pid}:{role} {t} * Ready to accept connections{tcp}"
    ));
    lines
}

/// What redis-server logs as `signal` shuts it down at `at` (`t` its log
/// clock): the signal handler's line, then the shutdown with its save.
pub(crate) fn shutdown_lines(
    version: &str,
    t: &str,
    at: Millis,
    signal: &str,
    saves: bool,
) -> Vec<String> {
    let unix = crate::time::EPOCH_UNIX_SECONDS + (at / 1000) as i64;
    let notice = if major_of(version) >= 7 { '*' } else { '#' };
    let mut lines = vec![
        format!("1:signal-handler ({unix}) Received {signal} scheduling shutdown..."),
        format!("1:M {t} {notice} User requested shutdown..."),
    ];
    if saves {
        lines.push(format!(
            "1:M {t} * Saving the final RDB snapshot before exiting."
        ));
        lines.push(format!("1:M {t} * DB saved on disk"));
    }
    lines.push(format!("1:M {t} # Redis is now ready to exit, bye bye..."));
    if major_of(version) < 3 {
        return lines.into_iter().filter_map(legacy_line).collect();
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    fn launch(image: &str, argv: &str) -> Launch {
        Launch::of(image, &words(argv))
    }

    #[test]
    fn launch_reads_the_tag_and_the_command_line() {
        let l = launch("redis:8.0.2", "redis-server /redis-master/redis.conf");
        assert_eq!(l.version, "8.0.2");
        assert_eq!(l.config_file.as_deref(), Some("/redis-master/redis.conf"));
        assert!(l.has_args);
        let l = launch(
            "redis:5",
            "docker-entrypoint.sh /usr/local/etc/redis/redis.conf",
        );
        assert_eq!(l.version, "5.0.14");
        assert_eq!(
            l.config_file.as_deref(),
            Some("/usr/local/etc/redis/redis.conf")
        );
        let l = launch("redis", "docker-entrypoint.sh redis-server");
        assert_eq!(
            (l.version.as_str(), l.config_file, l.has_args),
            // Redis 8's entrypoint loads its modules with arguments.
            ("8.2.2", None, true)
        );
        let l = launch("redis:7-alpine", "redis-server --maxmemory 2mb --save");
        assert_eq!(l.version, "7.4.6");
        assert_eq!(l.options, ["maxmemory \"2mb\"", "save"]);
    }

    #[test]
    fn settings_come_from_the_file_and_bad_ones_stop_redis() {
        let mut files = VecMap::new();
        files.insert(
            "/c/redis.conf".to_string(),
            "maxmemory 2mb\nmaxmemory-policy allkeys-lru\n".to_string(),
        );
        let l = launch("redis:8.0.2", "redis-server /c/redis.conf --port 7000");
        let s = l.settings(&files).unwrap();
        assert_eq!(
            s,
            [
                ("maxmemory".to_string(), "2097152".to_string()),
                ("maxmemory-policy".into(), "allkeys-lru".into()),
                ("port".into(), "7000".into())
            ]
        );
        files.insert(
            "/c/redis.conf".to_string(),
            "# tuned\nmaxmemory 2xb\n".to_string(),
        );
        assert_eq!(
            l.settings(&files).unwrap_err().lines("8.0.2", "T"),
            [
                "",
                "*** FATAL CONFIG FILE ERROR (Redis 8.0.2) ***",
                "Reading the configuration file, at line 2",
                ">>> 'maxmemory 2xb'",
                "argument must be a memory value"
            ]
        );
        files.insert(
            "/c/redis.conf".to_string(),
            "maxmemory-polcy allkeys-lru\n".to_string(),
        );
        assert_eq!(
            l.settings(&files).unwrap_err().lines("8.0.2", "T")[2..],
            [
                "Reading the configuration file, at line 1",
                ">>> 'maxmemory-polcy allkeys-lru'",
                "Bad directive or wrong number of arguments"
            ]
        );
        files.insert(
            "/c/redis.conf".to_string(),
            "appendonly yes\nappenddirname aof\n".to_string(),
        );
        assert!(l.settings(&files).is_ok());
        // Lines of only whitespace are skipped (no panic on `\u{b}`).
        files.insert("/c/redis.conf".to_string(), "\u{b}\n\u{a0}x\n".to_string());
        assert!(matches!(l.settings(&files), Err(Fatal::Config(_))));
        files.insert("/c/redis.conf".to_string(), "\u{b}\n".to_string());
        assert!(l.settings(&files).is_ok());
        files.insert("/c/redis.conf".to_string(), "maxmemory\n".to_string());
        assert_eq!(
            l.settings(&files).unwrap_err().lines("8.0.2", "T")[4],
            "wrong number of arguments"
        );
        let missing = launch("redis", "redis-server /nope.conf");
        assert_eq!(
            missing.settings(&files).unwrap_err().lines("8.2.2", "T"),
            ["1:C T # Fatal error, can't open config file '/nope.conf': No such file or directory"]
        );
        // Options follow the file after a newline, their values quoted.
        let opt = launch("redis:7.2", "redis-server --maxmemory-policy bogus");
        assert_eq!(
            opt.settings(&files).unwrap_err().lines("7.2.11", "T")[2..4],
            [
                "Reading the configuration file, at line 2",
                ">>> 'maxmemory-policy \"bogus\"'"
            ]
        );
    }

    #[test]
    fn redis_2_8_writes_its_own_prefix_words_and_rdb() {
        let t = "01 Jan 2026 00:01:02.011";
        assert_eq!(
            shutdown_lines("2.8.19", t, 62_011, "SIGTERM", true),
            [
                format!(
                    "[1 | signal handler] ({}) Received SIGTERM, scheduling shutdown...",
                    crate::time::EPOCH_UNIX_SECONDS + 62
                ),
                "[1] 01 Jan 00:01:02.011 # User requested shutdown...".to_string(),
                "[1] 01 Jan 00:01:02.011 * Saving the final RDB snapshot before exiting.".into(),
                "[1] 01 Jan 00:01:02.011 * DB saved on disk".into(),
                "[1] 01 Jan 00:01:02.011 # Redis is now ready to exit, bye bye...".into(),
            ]
        );
        assert_eq!(
            legacy_line(format!(
                "1:M {t} * Replication backlog created, my new replication IDs are 'a' and 'b'"
            )),
            None
        );
        assert_eq!(
            legacy_line(format!(
                "1:M {t} # Connection with replica 10.0.0.1:6379 lost."
            ))
            .unwrap(),
            "[1] 01 Jan 00:01:02.011 # Connection with slave 10.0.0.1:6379 lost."
        );
        let launch = launch(
            "registry.k8s.io/redis@sha256:cb111d1bd870a6a471385a4a69ad17469d326e9dd91e0e455350cacf36e1b3ee",
            "redis-server /etc/redis/redis.conf",
        );
        assert_eq!(launch.version, "2.8.19");
        let mut files = VecMap::new();
        files.insert("/etc/redis/redis.conf".to_string(), LEGACY_CONF.to_string());
        let settings = launch.settings(&files).unwrap();
        assert!(settings.contains(&("save".into(), "900 1 300 10 60 10000".into())));
        assert!(settings.contains(&("dir".into(), "/data".into())));
        // An RDB 6: 18 bytes empty, then SELECTDB and each key.
        let mut server = Server::start(&launch, settings, "/data");
        assert_eq!(server.rdb_size(0), 18);
        let mut session = Session::default();
        server.command(&words("SET messages hi"), &mut session);
        assert_eq!(server.rdb_size(0), 18 + 2 + 1 + 9 + 3);
        assert_eq!(
            server.unknown("nope", &words("x")),
            Reply::Error("ERR unknown command 'nope'".into())
        );
    }

    #[test]
    fn memory_values_use_redis_units() {
        assert_eq!(memory_bytes("2mb"), Some(2_097_152));
        assert_eq!(memory_bytes("2MB"), Some(2_097_152));
        assert_eq!(memory_bytes("1k"), Some(1000));
        assert_eq!(memory_bytes("100"), Some(100));
        assert_eq!(memory_bytes("1.5gb"), None);
        assert_eq!(memory_bytes("-1"), None);
    }

    fn run(server: &mut Server, line: &str) -> Reply {
        let mut session = Session::default();
        server.command(&split_args(line).unwrap(), &mut session)
    }

    #[test]
    fn commands_answer_as_redis_does() {
        let l = launch("redis:8.0.2", "redis-server");
        let mut s = Server::start(&l, Vec::new(), "/data");
        assert_eq!(run(&mut s, "PING"), Reply::Status("PONG"));
        assert_eq!(
            run(&mut s, "set greeting \"hi there\""),
            Reply::Status("OK")
        );
        assert_eq!(run(&mut s, "GET greeting"), bulk("hi there"));
        assert_eq!(run(&mut s, "incr n"), Reply::Int(1));
        assert_eq!(
            run(&mut s, "incr greeting"),
            err("ERR value is not an integer or out of range")
        );
        assert_eq!(
            run(&mut s, "get"),
            err("ERR wrong number of arguments for 'get' command")
        );
        assert_eq!(
            run(&mut s, "foo bar"),
            err("ERR unknown command 'foo', with args beginning with: 'bar' ")
        );
        assert_eq!(
            run(&mut s, "CONFIG GET maxmemory"),
            Reply::Array(vec![bulk("maxmemory"), bulk("0")])
        );
        assert_eq!(run(&mut s, "CONFIG SET maxmemory 1mb"), Reply::Status("OK"));
        assert_eq!(
            run(&mut s, "config get maxmemory"),
            Reply::Array(vec![bulk("maxmemory"), bulk("1048576")])
        );
        assert_eq!(
            run(&mut s, "CONFIG SET maxmemory-policy lots"),
            err(
                "ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction"
            )
        );
        assert_eq!(
            run(&mut s, "config get dir"),
            Reply::Array(vec![bulk("dir"), bulk("/data")])
        );
        assert_eq!(
            run(&mut s, "keys *"),
            Reply::Array(vec![bulk("greeting"), bulk("n")])
        );
        let old = Server::start(&launch("redis:5", "redis-server"), Vec::new(), "/data");
        let mut old = old;
        assert_eq!(
            run(&mut old, "foo bar"),
            err("ERR unknown command `foo`, with args beginning with: `bar`, ")
        );
    }

    #[test]
    fn older_releases_word_their_errors_their_way() {
        let mut files = VecMap::new();
        files.insert("/c.conf".to_string(), "maxmemory-policy lots\n".to_string());
        let five = launch("redis:5", "redis-server /c.conf");
        assert_eq!(
            five.settings(&files).unwrap_err().lines("5.0.14", "T")[4],
            "Invalid maxmemory policy"
        );
        files.insert("/c.conf".to_string(), "maxmemory 2xb\n".to_string());
        assert_eq!(
            five.settings(&files).unwrap(),
            [("maxmemory".to_string(), "0".to_string())]
        );
        let mut s = Server::start(&five, Vec::new(), "/data");
        assert_eq!(
            run(&mut s, "config foo"),
            err("ERR Unknown subcommand or wrong number of arguments for 'foo'. Try CONFIG HELP.")
        );
        assert_eq!(
            run(&mut s, "auth x"),
            err("ERR Client sent AUTH, but no password is set")
        );
        let mut six = Server::start(&launch("redis:6.2", "redis-server"), Vec::new(), "/data");
        assert_eq!(
            run(&mut six, "config set appendfsync sometimes"),
            err(
                "ERR Invalid argument 'sometimes' for CONFIG SET 'appendfsync' - argument must be one of the following: everysec, always, no"
            )
        );
    }

    #[test]
    fn a_password_guards_the_commands() {
        let l = launch("redis:7", "redis-server");
        let mut s = Server::start(&l, vec![("requirepass".into(), "s3cret".into())], "/data");
        let mut session = Session::default();
        let mut send = |line: &str| s.command(&words(line), &mut session);
        assert_eq!(send("GET a"), err("NOAUTH Authentication required."));
        assert_eq!(
            send("AUTH nope"),
            err("WRONGPASS invalid username-password pair or user is disabled.")
        );
        assert_eq!(send("AUTH s3cret"), Reply::Status("OK"));
        assert_eq!(send("GET a"), Reply::Bulk(None));
    }

    #[test]
    fn replies_print_as_redis_cli_prints_them() {
        let Invocation::Run(cli) = parse_cli(&[], "8.0.2") else {
            panic!("a prompt")
        };
        let pair = Reply::Array(vec![bulk("maxmemory"), bulk("0")]);
        assert_eq!(cli.format(&pair, true), "1) \"maxmemory\"\n2) \"0\"\n");
        assert_eq!(cli.format(&pair, false), "maxmemory\n0\n");
        assert_eq!(cli.format(&Reply::Bulk(None), true), "(nil)\n");
        assert_eq!(cli.format(&Reply::Bulk(None), false), "\n");
        assert_eq!(cli.format(&Reply::Int(3), true), "(integer) 3\n");
        assert_eq!(cli.format(&Reply::Array(vec![]), true), "(empty array)\n");
        assert_eq!(cli.format(&err("ERR x"), true), "(error) ERR x\n");
        assert_eq!(cli.format(&err("ERR x"), false), "ERR x\n\n");
        assert_eq!(
            cli.format(&bulk("a\"b\n\u{e9}"), true),
            "\"a\\\"b\\n\\xc3\\xa9\"\n"
        );
        let nested = Reply::Array(
            (1..=10)
                .map(Reply::Int)
                .chain([Reply::Array(vec![bulk("x"), bulk("y")])])
                .collect(),
        );
        let text = cli.format(&nested, true);
        assert!(
            text.starts_with(" 1) (integer) 1\n 2) (integer) 2\n"),
            "{text}"
        );
        assert!(text.ends_with("11) 1) \"x\"\n    2) \"y\"\n"), "{text}");
        assert_eq!(cli.prompt(true), "127.0.0.1:6379> ");
        let Invocation::Run(cli) = parse_cli(&words("-h redis -n 2 get k"), "7.4.6") else {
            panic!("a command")
        };
        assert_eq!(cli.prompt(true), "redis:6379[2]> ");
        assert_eq!(cli.command, ["get", "k"]);
        assert_eq!(
            parse_cli(&words("--version"), "5.0.14"),
            Invocation::Print("redis-cli 5.0.14\n".into())
        );
    }

    #[test]
    fn glob_matches_like_redis() {
        assert!(glob("maxmemory*", "maxmemory-policy"));
        assert!(glob("h?llo", "hello"));
        assert!(glob("h[ae]llo", "hallo"));
        assert!(!glob("h[^e]llo", "hello"));
        assert!(glob("*", ""));
        assert!(!glob("a", "ab"));
        assert!(glob("a*b*c", "aXXbYYc"));
        assert!(!glob("a*b*c", "aXXbYY"));
        assert!(glob("\\*x", "*x"));
        // Linear: no backtracking blow-up.
        assert!(!glob("*a*a*a*a*a*a*a*a*a*a*a*a*b", &"a".repeat(60)));
        assert!(!glob("*************x", "maxmemory-eviction-tenacity"));
    }

    #[test]
    fn the_banner_follows_the_release_and_the_config_file() {
        let new = banner(
            &launch("redis:8.0.2", "redis-server /c.conf"),
            6379,
            false,
            "T",
        );
        assert_eq!(new[2], "1:C T * Configuration loaded");
        assert_eq!(
            new.last().unwrap(),
            "1:M T * Ready to accept connections tcp"
        );
        let eight = banner(
            &launch("redis:8.0.2", "docker-entrypoint.sh redis-server"),
            6379,
            false,
            "T",
        );
        assert_eq!(eight[0], "Starting Redis Server");
        assert!(eight[2].ends_with("modified=1, pid=1, just started"));
        assert_eq!(eight[3], "1:C T * Configuration loaded");
        assert!(eight.iter().any(|l| {
            l.ends_with("Module 'ReJSON' loaded from /usr/local/lib/redis/modules//rejson.so")
        }));
        let old = banner(
            &launch("redis:5", "docker-entrypoint.sh redis-server"),
            6379,
            false,
            "T",
        );
        assert_eq!(
            old[0],
            "1:C T # oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo"
        );
        assert!(old[2].contains("no config file specified"));
        assert_eq!(old.last().unwrap(), "1:M T * Ready to accept connections");
    }

    #[test]
    fn a_replica_refuses_writes_and_a_full_sync_logs_both_sides() {
        let l = launch("redis:6.0.5", "redis-server");
        let mut master = Server::start(&l, Vec::new(), "/data");
        let follower = launch("redis:6.0.5", "redis-server --replicaof redis-leader 6379");
        let settings = follower.settings(&VecMap::new()).unwrap();
        assert_eq!(replica_of(&settings), Some(("redis-leader".into(), 6379)));
        let mut replica = Server::start(&follower, settings, "/data");
        assert_eq!(
            run(&mut replica, "SET a b"),
            err("READONLY You can't write against a read only replica.")
        );
        assert_eq!(run(&mut replica, "GET a"), Reply::Bulk(None));
        assert_eq!(run(&mut master, "SET messages ,hello"), Reply::Status("OK"));
        let parties = SyncParties {
            replica_addr: "10.244.1.5:6379",
            replica_pid: 10,
            master_started: 0,
            seed: "containerd://m",
            master_who: "1:M",
        };
        let log = master.full_sync(&mut replica, &parties, 5_000, &|ms| format!("T{ms}"));
        let replica_lines: Vec<&str> = log.replica.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(
            replica_lines[0],
            "10:S T5000 * Connecting to MASTER redis-leader:6379"
        );
        assert!(
            replica_lines.contains(
                &"10:S T5008 * Partial resynchronization not possible (no cached master)"
            )
        );
        // An empty RDB is 175 bytes; one key of short strings adds its
        // SELECTDB, RESIZEDB and entry (type, key, value): 5 + 1 + 9 + 7.
        assert!(replica_lines.contains(
            &"10:S T5063 * MASTER <-> REPLICA sync: receiving 197 bytes from master to disk"
        ));
        assert_eq!(
            *replica_lines.last().unwrap(),
            "10:S T5064 * MASTER <-> REPLICA sync: Finished with success"
        );
        let master_lines: Vec<&str> = log.master.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(
            master_lines[0],
            "1:M T5008 * Replica 10.244.1.5:6379 asks for synchronization"
        );
        assert!(
            master_lines[2].starts_with(
                "1:M T5008 * Replication backlog created, my new replication IDs are '"
            )
        );
        assert!(master_lines[2].ends_with("' and '0000000000000000000000000000000000000000'"));
        assert!(master_lines.contains(&"11:C T5022 * DB saved on disk"));
        assert_eq!(
            *master_lines.last().unwrap(),
            "1:M T5062 * Synchronization with replica 10.244.1.5:6379 succeeded"
        );
        assert_eq!(run(&mut replica, "GET messages"), bulk(",hello"));
        // A second replica while the BGSAVE runs shares it.
        let mut second = Server::start(
            &follower,
            follower.settings(&VecMap::new()).unwrap(),
            "/data",
        );
        let log = master.full_sync(&mut second, &parties, 5_010, &|ms| format!("T{ms}"));
        assert!(
            log.master
                .iter()
                .any(|(_, l)| l.ends_with("* Waiting for end of BGSAVE for SYNC"))
        );
        assert!(
            !log.master
                .iter()
                .any(|(_, l)| l.contains("backlog created"))
        );
    }

    #[test]
    fn rdb_strings_take_their_encoded_size() {
        assert_eq!(rdb_string("12"), 2);
        assert_eq!(rdb_string("1000"), 3);
        assert_eq!(rdb_string("012"), 4);
        assert_eq!(rdb_string(&"x".repeat(70)), 72);
    }
}
