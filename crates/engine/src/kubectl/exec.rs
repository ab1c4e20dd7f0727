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
    let interactive_shell = matches!(
        command[0].rsplit('/').next().unwrap_or(""),
        "sh" | "bash" | "ash" | "dash" | "zsh"
    ) && !command.iter().any(|a| a == "-c");
    if interactive_shell && p.bool("stdin") {
        return Err(Fail::error(format!(
            "Kubeplay has no terminal for an interactive shell; run one command at a time, e.g. kubectl exec {pod_name} -- sh -c 'ls /; env'"
        )));
    }
    let outcome = ctx.cluster.exec_in_container(
        &ns,
        &pod_name,
        &container,
        command,
        // SetupTTY: a terminal only with stdin too.
        p.bool("stdin") && p.bool("tty"),
    );
    match outcome {
        Err(ExecRefusal::Status(e)) => Err(Fail::status(&e)),
        Err(ExecRefusal::Backend(msg)) => Err(Fail::raw(format!("Error from server: {msg}"))),
        Err(ExecRefusal::Upgrade(msg)) => {
            Err(Fail::error(format!("unable to upgrade connection: {msg}")))
        }
        Ok(Exec::NoExecutable(program)) => {
            let id = exec_id(ctx);
            Err(Fail::error(format!(
                "Internal error occurred: error executing command in container: failed to exec in container: failed to start exec {}: OCI runtime exec failed: exec failed: unable to start container process: exec: {}: executable file not found in $PATH: unknown",
                crate::api::errors::quote(&id),
                crate::api::errors::quote(&program)
            )))
        }
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

/// containerd's exec id: 64 hex digits.
fn exec_id(ctx: &mut Ctx) -> String {
    let mut id = String::with_capacity(64);
    for _ in 0..4 {
        id.push_str(&format!("{:016x}", ctx.cluster.rng.next_u64()));
    }
    id
}
