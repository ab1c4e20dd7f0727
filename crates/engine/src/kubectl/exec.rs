//! `kubectl exec`: runs a command in a running container (the simulated
//! shell, with the container's environment, files and network).

use crate::kubectl::flags::Parsed;
use crate::kubectl::logs::{PodChoice, attachable_pod, default_container};
use crate::kubectl::{Ctx, Fail};
use crate::kubelet::exec::{EXEC_HORIZON, Exec, ExecRefusal};

/// `kubectl exec`, as `ExecOptions.Complete`, `Validate` and `Run` do it.
pub(crate) fn exec(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    let (target, command): (Option<&String>, &[String]) = match p.dash {
        Some(0) => (None, &p.args[..]),
        Some(d) => (p.args.first(), &p.args[d..]),
        None if p.args.len() > 1 => {
            return Err(Fail::usage(
                "kubectl exec",
                "exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead",
            ));
        }
        None => (p.args.first(), &[][..]),
    };
    let Some(target) = target else {
        return Err(Fail::error(
            "pod, type/name or --filename must be specified",
        ));
    };
    if command.is_empty() {
        return Err(Fail::error(
            "you must specify at least one command for the container",
        ));
    }
    let ns = ctx.namespace.clone();
    let timeout = p.duration_ms("pod-running-timeout").unwrap_or(60_000);
    if timeout <= 0 {
        return Err(Fail::usage(
            "kubectl exec",
            "--pod-running-timeout must be higher than zero",
        ));
    }
    let pod = attachable_pod(ctx, &ns, target, PodChoice::Attach, timeout as u64)?;
    let phase = pod.str_at(&["status", "phase"]).unwrap_or("");
    if phase == "Succeeded" || phase == "Failed" {
        return Err(Fail::error(format!(
            "cannot exec into a container in a completed pod; current phase is {phase}"
        )));
    }
    let pod_name = pod.str_at(&["metadata", "name"]).unwrap_or("").to_string();
    let container = match p.str("container").filter(|c| !c.is_empty()) {
        Some(c) => c.to_string(),
        None => default_container(ctx, &pod, p.bool("quiet"))?,
    };
    // SetupTTY: a terminal only with stdin too.
    let tty = p.bool("stdin") && p.bool("tty");
    if p.bool("stdin") && super::terminal::is_interactive_shell(command) {
        let target = (ns.as_str(), pod_name.as_str(), container.as_str());
        let process = super::terminal::Process::Exec;
        return super::terminal::open(ctx, target, &command[0], tty, process);
    }
    if p.bool("stdin") && crate::kubelet::exec::is_redis_repl(command) {
        let target = (ns.as_str(), pod_name.as_str(), container.as_str());
        return super::terminal::open_redis(ctx, target, command, tty);
    }
    let outcome = ctx
        .cluster
        .exec_in_container(&ns, &pod_name, &container, command, tty, None);
    match outcome {
        Err(refusal) => Err(refused(refusal)),
        Ok(Exec::NoExecutable(program)) => Err(not_executable(ctx, &program)),
        Ok(Exec::Ran(result)) => {
            ctx.out.out(&result.output);
            // kubectl waits for the command: the cluster's clock moves on.
            ctx.cluster.step(result.elapsed);
            match result.code {
                Some(0) => Ok(()),
                Some(code) => {
                    ctx.out.exit_code = Some(code);
                    Err(Fail::raw(format!(
                        "command terminated with exit code {code}"
                    )))
                }
                None => Err(Fail::error(format!(
                    "Kubeplay stopped waiting for the command after {}m; kubectl would wait until it ends (or Ctrl-C)",
                    EXEC_HORIZON / 60_000
                ))),
            }
        }
    }
}

/// How kubectl reports an exec the API server or kubelet refused.
pub(crate) fn refused(refusal: ExecRefusal) -> Fail {
    match refusal {
        ExecRefusal::Status(e) => Fail::status(&e),
        ExecRefusal::Backend(msg) => Fail::raw(format!("Error from server: {msg}")),
        ExecRefusal::Upgrade(msg) => Fail::error(format!("unable to upgrade connection: {msg}")),
    }
}

/// How kubectl reports an exec whose program the image lacks.
pub(crate) fn not_executable(ctx: &mut Ctx, program: &str) -> Fail {
    let id = exec_id(ctx);
    Fail::error(format!(
        "Internal error occurred: error executing command in container: failed to exec in container: failed to start exec {}: OCI runtime exec failed: exec failed: unable to start container process: exec: {}: executable file not found in $PATH: unknown",
        crate::api::errors::quote(&id),
        crate::api::errors::quote(program)
    ))
}

/// containerd's exec id: 64 hex digits.
fn exec_id(ctx: &mut Ctx) -> String {
    let mut id = String::with_capacity(64);
    for _ in 0..4 {
        id.push_str(&format!("{:016x}", ctx.cluster.rng.next_u64()));
    }
    id
}
