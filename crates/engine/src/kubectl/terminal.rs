//! Interactive shells: `kubectl exec -it POD -- sh`, `kubectl run -it`,
//! `kubectl attach -it` and `kubectl debug -it`. While a session is open,
//! the lines typed at the terminal go to the shell in the container (its
//! variables, working directory and `$?` carry from line to line) until it
//! exits.

use crate::cluster::Cluster;
use crate::kubectl::{Ctx, Fail, Files, KubectlOutput};
use crate::kubelet::exec::{EXEC_HORIZON, Exec, PromptFacts, RedisRepl};
use crate::kubelet::{Dialect, ShellState};
use crate::store::ObjectKey;

/// The process a session talks to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Process {
    /// A shell `kubectl exec` started beside the container's own process.
    Exec,
    /// The container's own shell (`kubectl attach`, `kubectl run -it`):
    /// its exit ends the container.
    Pid1 {
        /// `kubectl run --rm`: the pod is deleted when the session ends.
        remove: bool,
        /// `kubectl run` with restartPolicy Never or OnFailure waits for
        /// the pod's exit code.
        run_waits: bool,
    },
}

/// An open interactive session.
#[derive(Clone, Debug)]
pub struct Terminal {
    namespace: String,
    pod: String,
    container: String,
    /// The shell's program as given (`sh`, `/bin/bash`).
    shell: String,
    /// A terminal (`-t`): the shell is interactive and prompts.
    tty: bool,
    state: ShellState,
    process: Process,
    facts: PromptFacts,
    /// Lines typed so far of a command that needs more (`for …; do`).
    pending: String,
    /// The session is redis-cli's prompt, not a shell's.
    redis: Option<RedisRepl>,
}

impl Terminal {
    /// The shell's prompt: BusyBox ash's `\w \$ `, Debian's bash.bashrc
    /// `\u@\h:\w\$ `, dash's `# ` (none without a terminal).
    fn prompt(&self) -> String {
        if let Some(repl) = &self.redis {
            return repl.prompt(self.tty);
        }
        if !self.tty {
            return String::new();
        }
        // PS2, while a command waits for its rest.
        if !self.pending.is_empty() {
            return "> ".to_string();
        }
        let f = &self.facts;
        let sign = if f.uid == 0 { '#' } else { '$' };
        let cwd = &self.state.cwd;
        let w = match cwd.strip_prefix(f.home.as_str()) {
            Some(rest) if !f.home.is_empty() && (rest.is_empty() || rest.starts_with('/')) => {
                format!("~{rest}")
            }
            _ => cwd.clone(),
        };
        match (f.dialect, self.is_bash()) {
            (Dialect::Busybox, _) => format!("{w} {sign} "),
            (Dialect::Gnu, true) => {
                let host = f.hostname.split('.').next().unwrap_or("");
                let user = f.user.unwrap_or("I have no name!");
                format!("{user}@{host}:{w}{sign} ")
            }
            (Dialect::Gnu, false) => format!("{sign} "),
        }
    }

    fn is_bash(&self) -> bool {
        self.shell.rsplit('/').next() == Some("bash")
    }
}

/// Whether `argv` starts an interactive shell: a shell with no script
/// (`sh`, `/bin/bash`, `bash -l`).
pub(crate) fn is_interactive_shell(argv: &[String]) -> bool {
    let Some((program, options)) = argv.split_first() else {
        return false;
    };
    matches!(
        program.rsplit('/').next().unwrap_or(""),
        "sh" | "bash" | "ash" | "dash" | "zsh"
    ) && options
        .iter()
        .all(|a| matches!(a.as_str(), "-i" | "-l" | "-il" | "--login"))
}

/// Opens a session with `shell` in a running container: its first (empty)
/// line checks the image has the shell and sets the shell's state up.
pub(crate) fn open(
    ctx: &mut Ctx,
    (namespace, pod, container): (&str, &str, &str),
    shell: &str,
    tty: bool,
    process: Process,
) -> Result<(), Fail> {
    let mut state = ShellState {
        bash: shell.rsplit('/').next() == Some("bash"),
        exec_program: match process {
            Process::Exec => shell.to_string(),
            Process::Pid1 { .. } => String::new(),
        },
        ..ShellState::default()
    };
    let argv = [shell.to_string(), "-c".to_string(), String::new()];
    let outcome = ctx
        .cluster
        .exec_in_container(namespace, pod, container, &argv, tty, Some(&mut state))
        .map_err(super::exec::refused)?;
    if let Exec::NoExecutable(program) = outcome {
        return Err(super::exec::not_executable(ctx, &program));
    }
    // The probe was not a line the user typed (dash numbers those).
    state.lines = 0;
    attach_terminal(
        ctx,
        (namespace, pod, container),
        (shell, tty, process),
        state,
        None,
    );
    Ok(())
}

/// Keeps a session open with a container's process: the lines typed next
/// go to it.
fn attach_terminal(
    ctx: &mut Ctx,
    (namespace, pod, container): (&str, &str, &str),
    (program, tty, process): (&str, bool, Process),
    state: ShellState,
    redis: Option<RedisRepl>,
) {
    let Some(facts) = ctx.cluster.prompt_facts(namespace, pod, container) else {
        return;
    };
    ctx.cluster.terminal = Some(Terminal {
        namespace: namespace.to_string(),
        pod: pod.to_string(),
        container: container.to_string(),
        shell: program.to_string(),
        tty,
        state,
        process,
        facts,
        pending: String::new(),
        redis,
    });
}

/// Opens redis-cli's prompt in a running container (`kubectl exec -it
/// POD -- redis-cli`): it connects as it starts.
pub(crate) fn open_redis(
    ctx: &mut Ctx,
    (namespace, pod, container): (&str, &str, &str),
    argv: &[String],
    tty: bool,
) -> Result<(), Fail> {
    let opened = ctx
        .cluster
        .redis_repl_open(namespace, pod, container, argv)
        .map_err(super::exec::refused)?;
    let (repl, step) = match opened {
        Ok(started) => started,
        Err(program) => return Err(super::exec::not_executable(ctx, &program)),
    };
    ctx.out.out(&step.output);
    ctx.cluster.step(step.elapsed);
    attach_terminal(
        ctx,
        (namespace, pod, container),
        (&argv[0], tty, Process::Exec),
        ShellState::default(),
        Some(repl),
    );
    Ok(())
}

impl Cluster {
    /// The prompt of the shell the terminal is attached to (`/ # `,
    /// `root@web:/# `; empty without a terminal), or None when no session
    /// is open.
    pub fn terminal_prompt(&self) -> Option<String> {
        self.terminal.as_ref().map(Terminal::prompt)
    }

    /// Sends one line, as typed at the prompt, to the attached shell.
    pub fn terminal_input(&mut self, line: &str, files: &dyn Files) -> KubectlOutput {
        let Some(mut t) = self.terminal.take() else {
            return KubectlOutput::default();
        };
        if let Some(mut repl) = t.redis.take() {
            return self.with_kubectl(files, None, |ctx| {
                // The container (and redis-cli in it) went since the last
                // line: the stream had ended.
                if ctx
                    .cluster
                    .prompt_facts(&t.namespace, &t.pod, &t.container)
                    .is_none()
                {
                    return end(ctx, &t, 137, false);
                }
                let step =
                    ctx.cluster
                        .redis_repl_line(&t.namespace, &t.pod, &mut repl, t.tty, line);
                ctx.out.out(&step.output);
                ctx.cluster.step(step.elapsed);
                if step.quit {
                    return end(ctx, &t, 0, false);
                }
                t.redis = Some(repl.clone());
                ctx.cluster.terminal = Some(t.clone());
                Ok(())
            });
        }
        let text = if t.pending.is_empty() {
            line.to_string()
        } else {
            format!("{}\n{line}", t.pending)
        };
        if crate::kubelet::needs_more(&text) {
            t.pending = text;
            self.terminal = Some(t);
            return KubectlOutput::default();
        }
        t.pending.clear();
        self.with_kubectl(files, None, |ctx| {
            let argv = [t.shell.clone(), "-c".to_string(), text];
            let outcome = ctx.cluster.exec_in_container(
                &t.namespace,
                &t.pod,
                &t.container,
                &argv,
                t.tty,
                Some(&mut t.state),
            );
            let ran = match outcome {
                Ok(Exec::Ran(ran)) => ran,
                // The container stopped or went since the last line: the
                // stream had ended.
                Ok(Exec::NoExecutable(_)) | Err(_) => return end(ctx, &t, 137, false),
            };
            ctx.out.out(&ran.output);
            ctx.cluster.step(ran.elapsed);
            match ran.code {
                Some(code) if ran.exited => end(ctx, &t, code, true),
                Some(_) => {
                    ctx.cluster.terminal = Some(t.clone());
                    Ok(())
                }
                None => {
                    ctx.cluster.terminal = Some(t.clone());
                    ctx.out.err_line(&format!(
                        "(Kubeplay stopped waiting for the command after {}m; the shell would wait until it ends, or Ctrl-C)",
                        EXEC_HORIZON / 60_000
                    ));
                    Ok(())
                }
            }
        })
    }
}

/// The shell exited with `code` (`said_exit`: by its `exit` builtin, which
/// an interactive bash echoes): the session ends as kubectl ends it.
fn end(ctx: &mut Ctx, t: &Terminal, code: i32, said_exit: bool) -> Result<(), Fail> {
    if said_exit && t.tty && t.is_bash() {
        ctx.out.line("exit");
    }
    match t.process {
        Process::Exec => {
            if code == 0 {
                return Ok(());
            }
            ctx.out.exit_code = Some(code);
            Err(Fail::raw(format!(
                "command terminated with exit code {code}"
            )))
        }
        Process::Pid1 { remove, run_waits } => {
            let key = ObjectKey::new(crate::cluster::res("Pod"), &t.namespace, &t.pod);
            crate::kubelet::end_pid1(ctx.cluster, &key, &t.container, code);
            ctx.cluster.settle();
            if t.tty {
                let ephemeral = ctx
                    .cluster
                    .store()
                    .get_named(crate::cluster::res("Pod"), &t.namespace, &t.pod)
                    .is_some_and(|pod| {
                        pod.at(&["spec", "ephemeralContainers"])
                            .items()
                            .any(|c| c.get("name").as_str() == Some(t.container.as_str()))
                    });
                let message = reattach_message(&t.pod, &t.container, &t.namespace, ephemeral);
                ctx.out.line(&message);
            }
            super::create::after_attach(ctx, &t.namespace, &t.pod, remove, run_waits)
        }
    }
}

/// What kubectl prints when an attached session with a terminal ends
/// (`AttachOptions.reattachMessage`): an ephemeral container is not
/// restarted.
pub(crate) fn reattach_message(
    pod: &str,
    container: &str,
    namespace: &str,
    ephemeral: bool,
) -> String {
    let attach = format!("kubectl attach {pod} -c {container} -n {namespace} -i -t");
    if ephemeral {
        format!(
            "Session ended, the ephemeral container will not be restarted but may be reattached using '{attach}' if it is still running"
        )
    } else {
        format!("Session ended, resume using '{attach}' command")
    }
}

/// What kubectl prints as it attaches (`AttachOptions.Run`, unless `-q`).
pub(crate) fn attach_notice(ctx: &mut Ctx) {
    ctx.out.err_line("All commands and output from this session will be recorded in container logs, including credentials and sensitive information passed through the command prompt.");
    ctx.out
        .err_line("If you don't see a command prompt, try pressing enter.");
}

/// `kubectl attach`: joins a container's own process. A shell waiting on
/// its standard input gets an interactive session.
pub(crate) fn attach(ctx: &mut Ctx, p: &super::flags::Parsed) -> Result<(), Fail> {
    use super::logs::{PodChoice, attachable_pod, default_container};
    let target = match p.args.as_slice() {
        [] => {
            return Err(Fail::error("at least 1 argument is required for attach"));
        }
        [pod] => pod.clone(),
        [kind, name] => format!("{kind}/{name}"),
        more => {
            return Err(Fail::error(format!(
                "expected POD, TYPE/NAME, or TYPE NAME, (at most 2 arguments) saw {}: [{}]",
                more.len(),
                more.join(" ")
            )));
        }
    };
    let timeout = p.duration_ms("pod-running-timeout").unwrap_or(60_000);
    if timeout <= 0 {
        return Err(Fail::error(
            "--pod-running-timeout must be higher than zero",
        ));
    }
    let ns = ctx.namespace.clone();
    let pod = attachable_pod(ctx, &ns, &target, PodChoice::Attach, timeout as u64)?;
    let phase = pod.str_at(&["status", "phase"]).unwrap_or("");
    if phase == "Succeeded" || phase == "Failed" {
        return Err(Fail::error(format!(
            "cannot attach a container in a completed pod; current phase is {phase}"
        )));
    }
    let pod_name = pod.str_at(&["metadata", "name"]).unwrap_or("").to_string();
    let quiet = p.bool("quiet");
    let container = match p.str("container").filter(|c| !c.is_empty()) {
        Some(c) => c.to_string(),
        None => default_container(ctx, &pod, quiet)?,
    };
    let Some(spec) = ["containers", "initContainers", "ephemeralContainers"]
        .iter()
        .flat_map(|l| pod.at(&["spec", l]).items())
        .find(|c| c.get("name").as_str() == Some(container.as_str()))
    else {
        return Err(Fail::error(format!(
            "cannot attach to the container: container {container} not found in pod {pod_name}"
        )));
    };
    let allocated = spec.get("tty").as_bool() == Some(true);
    let mut tty = p.bool("tty");
    if tty && !allocated {
        tty = false;
        if !quiet {
            ctx.out.err_line(&format!(
                "error: Unable to use a TTY - container {container} did not allocate one"
            ));
        }
    } else if !tty && allocated {
        tty = true;
    }
    let shell = crate::kubelet::interactive_shell(ctx.cluster, &ns, &pod_name, &container)
        .filter(|_| p.bool("stdin"));
    let Some(shell) = shell else {
        return Err(Fail::error(format!(
            "Kubeplay cannot stay attached to the output of container {container}; read it with kubectl logs {pod_name} -c {container}, or run commands with kubectl exec -it {pod_name} -c {container} -- sh"
        )));
    };
    if !quiet {
        attach_notice(ctx);
    }
    let process = Process::Pid1 {
        remove: false,
        run_waits: false,
    };
    open(ctx, (&ns, &pod_name, &container), &shell, tty, process)
}
