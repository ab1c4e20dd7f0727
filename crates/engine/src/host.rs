//! The user's own shell around kubectl (bash on their machine). A line
//! typed at Kubeplay's prompt that needs a shell (pipes, `&&`, loops,
//! variables, `$(kubectl …)`, `echo -n … | base64`, `cat > file <<EOF`)
//! runs in the simulated shell, and what that shell does not run itself
//! (kubectl, curl, Kubeplay's own commands) runs against the cluster at the
//! moment the line reaches it. Variables and files written stay from line
//! to line, and kubectl reads those files (`--from-file=./username.txt`).

use std::rc::Rc;

use crate::cluster::Cluster;
use crate::kubectl::{FileError, Files, KubectlOutput, WithStdin};
use crate::kubelet::{Context, Dialect, ShellState, User, apply_op, host_line, to_stderr};
use crate::time::{MINUTE, Millis};
use crate::vecmap::VecMap;

/// How long Kubeplay follows one line before it stops waiting for it (a
/// `while true` loop would run until Ctrl-C).
const HOST_HORIZON: Millis = 5 * MINUTE;

/// The user's home directory, where their shell starts.
const HOME: &str = "/home/user";

/// What the user's shell keeps between lines.
#[derive(Clone, Debug, Default)]
pub struct HostShell {
    state: ShellState,
    /// Files the shell wrote (`echo -n admin > ./username.txt`), by
    /// absolute path; shared with each kubectl run that reads them.
    files: Rc<VecMap<String, String>>,
}

impl HostShell {
    /// A background job started: its PID is `$!` from now on.
    pub(crate) fn started_job(&mut self, pid: u32) {
        self.state.last_job = Some(pid);
    }

    /// Whether the shell has a function of that name.
    pub(crate) fn has_function(&self, name: &str) -> bool {
        self.state.functions.get(name).is_some()
    }
}

/// What one line printed, and how it exited.
pub(crate) struct HostOutput {
    /// Both streams as the terminal shows them.
    pub terminal: String,
    /// The line's exit status (the last command's).
    pub exit_code: i32,
}

/// Commands a line for the user's shell starts with (besides assignments):
/// the shell's own and the tools it runs itself.
const SHELL_WORDS: &[&str] = &[
    "export", "unset", "for", "while", "until", "if", "case", "base64", "grep", "cat", "printf",
    "head", "tail", "wc", "sort", "env", "printenv", "pwd", "cd", "ls", "test", "[", "true",
    "false", "seq", "date", "set", "read", "mkdir", "rm", "touch", "cp", "mv", "sh", "bash",
    "function", "return", "local",
];

/// Whether `command` needs the user's shell rather than Kubeplay's
/// one-command-per-line runner (`functions`: the names the shell has
/// functions for).
pub(crate) fn wants_shell(command: &str, functions: &dyn Fn(&str) -> bool) -> bool {
    if expands(command) {
        return true;
    }
    match crate::kubectl::shell::split(command) {
        // Operators, redirections and `$…`: not an unterminated quote.
        Err(e) => !e.starts_with("unterminated"),
        Ok(words) => match words.first().map(String::as_str) {
            Some("echo") => words.get(1).is_some_and(|w| w.starts_with('-')),
            Some(first) => SHELL_WORDS.contains(&first) || is_assignment(first) || functions(first),
            None => false,
        },
    }
}

/// Whether `command` expands something outside single quotes: `$NAME`,
/// `${…}`, `$(…)`, `$?`, `$!` or a backquote.
fn expands(command: &str) -> bool {
    let chars: Vec<char> = command.chars().collect();
    let mut single = false;
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' if !single => i += 1,
            '\'' => single = !single,
            '`' if !single => return true,
            '$' if !single
                && chars.get(i + 1).is_some_and(|c| {
                    c.is_ascii_alphanumeric()
                        || matches!(c, '_' | '(' | '{' | '?' | '!' | '#' | '@')
                }) =>
            {
                return true;
            }
            _ => {}
        }
        i += 1;
    }
    false
}

/// `NAME=value`.
fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty()
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// The files kubectl reads: the shell's own first (relative to its
/// working directory), then the others.
pub(crate) struct HostFiles<'a> {
    written: Rc<VecMap<String, String>>,
    cwd: String,
    others: &'a dyn Files,
}

impl HostFiles<'_> {
    fn absolute(&self, path: &str) -> String {
        let rel = path.strip_prefix("./").unwrap_or(path);
        if rel.starts_with('/') {
            rel.to_string()
        } else {
            format!("{}/{rel}", self.cwd.trim_end_matches('/'))
        }
    }
}

impl Files for HostFiles<'_> {
    fn read(&self, path: &str) -> Result<String, FileError> {
        match self.written.get(&self.absolute(path)) {
            Some(text) => Ok(text.clone()),
            None => self.others.read(path),
        }
    }

    fn list_dir(&self, path: &str) -> Option<Vec<String>> {
        let dir = format!("{}/", self.absolute(path).trim_end_matches('/'));
        let mut names: Vec<String> = self
            .written
            .keys()
            .filter_map(|k| k.strip_prefix(&dir))
            .filter(|rest| !rest.is_empty() && !rest.contains('/'))
            .map(str::to_string)
            .collect();
        if names.is_empty() {
            return self.others.list_dir(path);
        }
        if let Some(more) = self.others.list_dir(path) {
            names.extend(more);
        }
        Some(names)
    }
}

/// kubectl's two streams as one reply, standard error marked, in the
/// order the terminal showed them.
fn marked(out: &KubectlOutput) -> String {
    match (out.stdout.is_empty(), out.stderr.is_empty()) {
        (_, true) => out.stdout.clone(),
        (true, false) => to_stderr(&out.stderr),
        _ if out.terminal.starts_with(&out.stderr) => {
            format!("{}{}", to_stderr(&out.stderr), out.stdout)
        }
        _ => format!("{}{}", out.stdout, to_stderr(&out.stderr)),
    }
}

/// Whether the user's machine runs `argv` against the cluster.
fn is_cluster_command(argv: &[String]) -> bool {
    let arg = |i: usize| argv.get(i).map(String::as_str).unwrap_or("");
    match arg(0) {
        "kubectl" | "curl" | "jobs" | "traffic" => true,
        // The shell's own `break` ends a loop.
        "break" | "fix" => arg(1) == "image",
        "stop" | "start" | "remove" | "add" => arg(1) == "node",
        // The user's machine runs no process Kubeplay knows but its jobs.
        "kill" => true,
        _ => false,
    }
}

impl Cluster {
    /// What kubectl reads once the user's shell has written files: those
    /// first, then `others`.
    pub(crate) fn host_files<'a>(&self, others: &'a dyn Files) -> Option<HostFiles<'a>> {
        let host = &self.host_shell;
        (!host.files.is_empty()).then(|| HostFiles {
            written: Rc::clone(&host.files),
            cwd: match host.state.cwd.as_str() {
                "" => HOME.to_string(),
                cwd => cwd.to_string(),
            },
            others,
        })
    }

    /// Runs one line in the user's shell, `stdin` (a here-document) as
    /// its input.
    pub(crate) fn host_shell_line(
        &mut self,
        line: &str,
        stdin: Option<String>,
        files: &dyn Files,
    ) -> HostOutput {
        let mut host = std::mem::take(&mut self.host_shell);
        let mut env = VecMap::new();
        for (k, v) in [
            ("HOME", HOME),
            ("PATH", "/usr/local/bin:/usr/bin:/bin"),
            ("SHELL", "/bin/bash"),
            ("USER", "user"),
        ] {
            env.insert(k.to_string(), v.to_string());
        }
        let start = self.now_ms();
        let ctx = Context {
            env,
            positional: vec!["bash".to_string()],
            hostname: "kubeplay".to_string(),
            dialect: Dialect::Gnu,
            started_at: start,
            files: (*host.files).clone(),
            dirs: vec![HOME.to_string()],
            read_only: Vec::new(),
            volumes: Vec::new(),
            born: start,
            file_log: crate::vecmap::VecMap::new(),
            cmdline: "bash".to_string(),
            user: User {
                uid: 1000,
                gid: 1000,
                groups: vec![1000],
                name: Some("user"),
                group_names: vec![(1000, "user")],
                ..User::default()
            },
            workdir: HOME.to_string(),
            external: Vec::new(),
            processes: Vec::new(),
            tty: false,
            nginx: None,
        };
        let ran = {
            let cluster = &mut *self;
            let mut run = |t: Millis, argv: &[String], input: Option<&str>| {
                if !is_cluster_command(argv) {
                    return None;
                }
                // The cluster catches up with the line's own clock first.
                let due = start + t;
                let now = cluster.now_ms();
                if due > now {
                    cluster.step(due - now);
                }
                if argv[0] == "curl" {
                    // Its wait is the line's: the cluster follows it.
                    return Some(crate::script::curl_code(cluster, &argv[1..], None, true));
                }
                let before = cluster.now_ms();
                let (code, text) = if argv[0] == "kubectl" {
                    let out = match input {
                        Some(stdin) => cluster.kubectl_args(argv, &WithStdin { files, stdin }),
                        None => cluster.kubectl_args(argv, files),
                    };
                    (out.exit_code, marked(&out))
                } else {
                    let result = crate::script::run_builtin(cluster, argv);
                    cluster.settle();
                    match result {
                        Ok((0, text)) => (0, text),
                        Ok((code, text)) => (code, to_stderr(&text)),
                        Err(e) => (2, to_stderr(&format!("{}: {e}\n", argv[0]))),
                    }
                };
                Some((code, text, cluster.now_ms().saturating_sub(before)))
            };
            host_line(line, stdin, &ctx, HOST_HORIZON, &mut run, &mut host.state)
        };
        let end = start + ran.elapsed;
        let now = self.now_ms();
        if end > now {
            self.step(end - now);
        }
        if !ran.file_events.is_empty() {
            let files = Rc::make_mut(&mut host.files);
            for (_, path, op) in &ran.file_events {
                apply_op(files, path, op);
            }
        }
        let mut terminal = crate::kubelet::terminal_text(&ran.output);
        if ran.code.is_none() {
            terminal.push_str(&format!(
                "(Kubeplay stopped following the line after {}m; your shell would go on until it ends, or Ctrl-C)\n",
                HOST_HORIZON / MINUTE
            ));
        }
        self.host_shell = host;
        HostOutput {
            terminal,
            exit_code: ran.code.unwrap_or(130),
        }
    }
}
