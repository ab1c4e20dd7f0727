//! `kubectl debug` (`debug.go`, `profiles.go`): an ephemeral container in a
//! running pod, a copy of a pod with a debug container, or a pod in a
//! node's namespaces, each with the profile current kubectl defaults to
//! (`general`), then attached to with `-i`.

use crate::kubectl::flags::Parsed;
use crate::kubectl::{Ctx, Fail, terminal};
use crate::value::Value;

/// The profiles `--profile` takes.
const PROFILES: [&str; 6] = [
    "legacy",
    "general",
    "baseline",
    "restricted",
    "netadmin",
    "sysadmin",
];

/// What kind of object is debugged.
enum Target {
    Pod(String),
    Node(String),
}

/// `kubectl debug`.
pub(crate) fn debug(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    // Complete.
    let profile = p.str("profile").unwrap_or("general");
    if !PROFILES.contains(&profile) {
        return Err(Fail::error(format!("unknown profile: {profile}")));
    }
    let (names, command): (&[String], &[String]) = match p.dash {
        Some(d) => (&p.args[..d], &p.args[d..]),
        None => (&p.args[..], &[][..]),
    };
    let stdin = p.bool("stdin");
    let tty = p.bool("tty");
    let attach = if p.changed("attach") {
        p.bool("attach")
    } else {
        stdin
    };
    let image = p.str_or_empty("image");
    let container = p.str_or_empty("container");
    let copy_to = p.str_or_empty("copy-to");
    let set_images = p.all("set-image");
    // Validate, in its order.
    if attach && container.is_empty() && image.is_empty() {
        return Err(Fail::error(
            "you must specify --container or create a new container using --image in order to attach.",
        ));
    }
    if !copy_to.is_empty() {
        if image.is_empty() && set_images.is_empty() && command.is_empty() {
            return Err(Fail::error(
                "you must specify --image, --set-image or command arguments.",
            ));
        }
        if !command.is_empty() && container.is_empty() && image.is_empty() {
            return Err(Fail::error(
                "you must specify an existing container or a new image when specifying args.",
            ));
        }
    } else {
        for flag in ["replace", "same-node", "set-image"] {
            if p.changed(flag) {
                return Err(Fail::error(format!(
                    "--{flag} may only be used with --copy-to."
                )));
            }
        }
        if image.is_empty() {
            return Err(Fail::error(
                "you must specify --image when not using --copy-to.",
            ));
        }
    }
    if names.is_empty() {
        return Err(Fail::error("NAME or filename is required for debug"));
    }
    let pull_policy = p.str_or_empty("image-pull-policy");
    if !matches!(pull_policy, "" | "Always" | "IfNotPresent" | "Never") {
        return Err(Fail::error(format!(
            "invalid image pull policy: {pull_policy}"
        )));
    }
    let mut overrides = Vec::new();
    for spec in set_images {
        match spec.split_once('=') {
            Some((name, img)) if !name.is_empty() && !img.is_empty() => {
                overrides.push((name.to_string(), img.to_string()));
            }
            _ => {
                return Err(Fail::error(format!(
                    "--set-image: invalid format {spec}, expected <container>=<image>"
                )));
            }
        }
    }
    let target_container = p.str_or_empty("target");
    if !target_container.is_empty() && !copy_to.is_empty() {
        return Err(Fail::error(
            "--target is incompatible with --copy-to. Use --share-processes instead.",
        ));
    }
    if tty && !stdin {
        return Err(Fail::error(
            "-i/--stdin is required for containers with -t/--tty=true",
        ));
    }
    let quiet = p.bool("quiet");
    if !target_container.is_empty() && !quiet {
        ctx.out.line(&format!(
            "Targeting container \"{target_container}\". If you don't see processes from this container it may be because the container runtime doesn't support this feature."
        ));
    }
    if profile == "legacy" {
        ctx.out.err_line("--profile=legacy is deprecated and planned to be removed in v1.39. It is recommended to specify other profile, for example \"--profile=general\".");
    }
    let target = match names[0].split_once('/') {
        None => Target::Pod(names[0].clone()),
        Some((kind, name)) => match kind.to_ascii_lowercase().as_str() {
            "pod" | "pods" | "po" => Target::Pod(name.to_string()),
            "node" | "nodes" | "no" => Target::Node(name.to_string()),
            other => {
                let rid = super::resources::lookup_type(other)?;
                let rt = rid.get();
                return Err(Fail::error(format!(
                    "\"{}, Kind={}\" not supported by debug",
                    rt.api_version(),
                    rt.kind
                )));
            }
        },
    };
    // The debug container, as `generateDebugContainer` and the profile
    // make it.
    let mut debug = Value::object();
    if !image.is_empty() {
        debug.set("image", Value::str(image));
    }
    if !pull_policy.is_empty() {
        debug.set("imagePullPolicy", Value::str(pull_policy));
    }
    let env = super::create::env_flag(p);
    if !env.is_empty() {
        debug.set("env", Value::array(env));
    }
    if !command.is_empty() {
        let field = if p.bool("arguments-only") {
            "args"
        } else {
            "command"
        };
        let words = command.iter().map(|w| Value::str(w)).collect();
        debug.set(field, Value::array(words));
    }
    if stdin {
        debug.set("stdin", Value::Bool(true));
    }
    if tty {
        debug.set("tty", Value::Bool(true));
    }
    let ns = ctx.namespace.clone();
    match target {
        Target::Pod(pod) if copy_to.is_empty() => {
            let obj = stored_pod(ctx, &ns, &pod)?;
            let name = container_name(ctx, &obj, container, quiet);
            debug.set("name", Value::from(name.clone()));
            debug.set("resources", Value::object());
            if !target_container.is_empty() {
                debug.set("targetContainerName", Value::str(target_container));
            }
            debug.set("terminationMessagePolicy", Value::str("File"));
            apply_profile(&mut debug, profile, false);
            ctx.cluster
                .add_ephemeral_container(&ns, &pod, debug)
                .map_err(|e| super::create::api_error(&e, None))?;
            after_create(ctx, &ns, &pod, &name, attach, (stdin, tty, quiet))
        }
        Target::Pod(pod) => {
            let src = stored_pod(ctx, &ns, &pod)?;
            let (copy, name) = pod_copy(ctx, p, &src, copy_to, debug, &overrides, profile);
            create_pod(ctx, copy)?;
            if p.bool("replace") {
                let key = crate::store::ObjectKey::new(crate::cluster::res("Pod"), &ns, &pod);
                let opts = crate::apiserver::DeleteOptions {
                    grace_period_seconds: Some(0),
                    ..Default::default()
                };
                ctx.cluster
                    .delete(&key, opts)
                    .map_err(|e| super::create::api_error(&e, None))?;
            }
            match name {
                Some(name) => after_create(ctx, &ns, copy_to, &name, attach, (stdin, tty, quiet)),
                None => Ok(()),
            }
        }
        Target::Node(node) => {
            if ctx
                .cluster
                .store()
                .get_named(crate::cluster::res("Node"), "", &node)
                .is_none()
            {
                return Err(Fail::status(&crate::api::errors::StatusError::not_found(
                    "nodes", &node,
                )));
            }
            let pod_name = format!("node-debugger-{node}-{}", ctx.cluster.rng.k8s_string(5));
            let name = if container.is_empty() {
                "debugger"
            } else {
                container
            };
            if !quiet {
                ctx.out.line(&format!(
                    "Creating debugging pod {pod_name} with container {name} on node {node}."
                ));
            }
            debug.set("name", Value::str(name));
            debug.set("terminationMessagePolicy", Value::str("File"));
            let pod = node_pod(&pod_name, &ns, &node, debug, profile);
            create_pod(ctx, pod)?;
            after_create(ctx, &ns, &pod_name, name, attach, (stdin, tty, quiet))
        }
    }
}

/// The pod to debug, or the API server's NotFound.
fn stored_pod(ctx: &Ctx, ns: &str, pod: &str) -> Result<Value, Fail> {
    ctx.cluster
        .store()
        .get_named(crate::cluster::res("Pod"), ns, pod)
        .cloned()
        .ok_or_else(|| Fail::status(&crate::api::errors::StatusError::not_found("pods", pod)))
}

/// `-c`, or a generated `debugger-xxxxx` new to the pod (kubectl says so).
fn container_name(ctx: &mut Ctx, pod: &Value, given: &str, quiet: bool) -> String {
    if !given.is_empty() {
        return given.to_string();
    }
    let taken = |name: &str| {
        ["containers", "initContainers", "ephemeralContainers"]
            .iter()
            .any(|l| {
                pod.at(&["spec", l])
                    .items()
                    .any(|c| c.get("name").as_str() == Some(name))
            })
    };
    let name = loop {
        let name = format!("debugger-{}", ctx.cluster.rng.k8s_string(5));
        if !taken(&name) {
            break name;
        }
    };
    if !quiet {
        ctx.out
            .line(&format!("Defaulting debug container name to {name}."));
    }
    name
}

/// What a profile sets on the debug container (`profiles.go`); `node`: a
/// node-debugging pod's container.
fn apply_profile(c: &mut Value, profile: &str, node: bool) {
    let capabilities = |add: &[&str]| {
        Value::from_pairs([(
            "capabilities",
            Value::from_pairs([(
                "add",
                Value::array(add.iter().map(|a| Value::str(a)).collect()),
            )]),
        )])
    };
    let context = match profile {
        "general" if !node => Some(capabilities(&["SYS_PTRACE"])),
        "restricted" => Some(Value::from_pairs([
            ("allowPrivilegeEscalation", Value::Bool(false)),
            (
                "capabilities",
                Value::from_pairs([("drop", Value::array(vec![Value::str("ALL")]))]),
            ),
            ("runAsNonRoot", Value::Bool(true)),
            (
                "seccompProfile",
                Value::from_pairs([("type", Value::str("RuntimeDefault"))]),
            ),
        ])),
        "netadmin" => Some(capabilities(&["NET_ADMIN", "NET_RAW"])),
        "sysadmin" => Some(Value::from_pairs([("privileged", Value::Bool(true))])),
        _ => None,
    };
    if let Some(context) = context {
        c.set("securityContext", context);
    }
}

/// A copy of `src` named `--copy-to`, with the debug container added (or
/// an existing one changed): `generatePodCopyWithDebugContainer` and the
/// profile's stripping. Returns the pod and the container to attach to.
fn pod_copy(
    ctx: &mut Ctx,
    p: &Parsed,
    src: &Value,
    copy_to: &str,
    mut debug: Value,
    overrides: &[(String, String)],
    profile: &str,
) -> (Value, Option<String>) {
    let legacy = profile == "legacy";
    let mut meta = Value::from_pairs([
        ("name", Value::str(copy_to)),
        (
            "namespace",
            Value::from(src.str_at(&["metadata", "namespace"]).unwrap_or("default")),
        ),
    ]);
    // legacy drops the labels (so the copy joins no Service); the other
    // profiles drop labels and annotations unless kept.
    if !legacy && p.bool("keep-labels") {
        meta.set("labels", src.at(&["metadata", "labels"]).clone());
    }
    if legacy || p.bool("keep-annotations") {
        let annotations = src.at(&["metadata", "annotations"]);
        if !annotations.is_null() {
            meta.set("annotations", annotations.clone());
        }
    }
    let mut spec = src.get("spec").clone();
    spec.remove("ephemeralContainers");
    if !p.bool("same-node") {
        spec.remove("nodeName");
    }
    if p.changed("share-processes") {
        spec.set(
            "shareProcessNamespace",
            Value::Bool(p.bool_or("share-processes", true)),
        );
    } else if !legacy && spec.get("shareProcessNamespace").is_null() {
        spec.set("shareProcessNamespace", Value::Bool(true));
    }
    if !legacy && !p.bool_or("keep-init-containers", true) {
        spec.remove("initContainers");
    }
    let mut containers: Vec<Value> = spec.get("containers").items().cloned().collect();
    for c in &mut containers {
        let name = c.get("name").as_str().unwrap_or("").to_string();
        if let Some((_, image)) = overrides
            .iter()
            .find(|(n, _)| *n == name)
            .or_else(|| overrides.iter().find(|(n, _)| n == "*"))
        {
            c.set("image", Value::from(image.clone()));
        }
        if !legacy {
            for (probe, keep) in [
                ("livenessProbe", "keep-liveness"),
                ("readinessProbe", "keep-readiness"),
                ("startupProbe", "keep-startup"),
            ] {
                if !p.bool(keep) {
                    c.remove(probe);
                }
            }
        }
    }
    let given = p.str_or_empty("container");
    let existing = containers
        .iter()
        .position(|c| !given.is_empty() && c.get("name").as_str() == Some(given));
    let name = match existing {
        Some(i) => {
            // The named container changes: its command, image, env and
            // terminal.
            let c = &mut containers[i];
            if let Some(command) = debug.get("command").as_array() {
                c.set("command", Value::array(command.to_vec()));
                c.remove("args");
            }
            for field in ["image", "imagePullPolicy", "stdin", "tty"] {
                let v = debug.get(field).clone();
                if !v.is_null() {
                    c.set(field, v);
                }
            }
            let mut env: Vec<Value> = c.get("env").items().cloned().collect();
            env.extend(debug.get("env").items().cloned());
            if !env.is_empty() {
                c.set("env", Value::array(env));
            }
            Some(given.to_string())
        }
        None if debug.get("image").is_null() => None,
        None => {
            let name = container_name(ctx, src, given, p.bool("quiet"));
            debug.set("name", Value::from(name.clone()));
            debug.set("terminationMessagePolicy", Value::str("File"));
            apply_profile(&mut debug, profile, false);
            containers.push(debug);
            Some(name)
        }
    };
    spec.set("containers", Value::array(containers));
    let pod = Value::from_pairs([
        ("apiVersion", Value::str("v1")),
        ("kind", Value::str("Pod")),
        ("metadata", meta),
        ("spec", spec),
    ]);
    (pod, name)
}

/// The node-debugging pod (`generateNodeDebugPod`): the node's host
/// namespaces, its root at `/host`, pinned to the node, tolerating all.
fn node_pod(name: &str, ns: &str, node: &str, mut debug: Value, profile: &str) -> Value {
    let host_root = matches!(profile, "legacy" | "general" | "sysadmin");
    let host_namespaces = !matches!(profile, "baseline" | "restricted");
    if host_root {
        debug.set(
            "volumeMounts",
            Value::array(vec![Value::from_pairs([
                ("mountPath", Value::str("/host")),
                ("name", Value::str("host-root")),
            ])]),
        );
    }
    apply_profile(&mut debug, profile, true);
    let mut spec = Value::from_pairs([
        ("containers", Value::array(vec![debug])),
        ("nodeName", Value::str(node)),
        ("restartPolicy", Value::str("Never")),
        (
            "tolerations",
            Value::array(vec![Value::from_pairs([(
                "operator",
                Value::str("Exists"),
            )])]),
        ),
    ]);
    if host_namespaces {
        for field in ["hostIPC", "hostNetwork", "hostPID"] {
            spec.set(field, Value::Bool(true));
        }
    }
    if host_root {
        spec.set(
            "volumes",
            Value::array(vec![Value::from_pairs([
                ("hostPath", Value::from_pairs([("path", Value::str("/"))])),
                ("name", Value::str("host-root")),
            ])]),
        );
    }
    Value::from_pairs([
        ("apiVersion", Value::str("v1")),
        ("kind", Value::str("Pod")),
        (
            "metadata",
            Value::from_pairs([
                (
                    "labels",
                    Value::from_pairs([(
                        "app.kubernetes.io/managed-by",
                        Value::str("kubectl-debug"),
                    )]),
                ),
                ("name", Value::str(name)),
                ("namespace", Value::str(ns)),
            ]),
        ),
        ("spec", spec),
    ])
}

fn create_pod(ctx: &mut Ctx, pod: Value) -> Result<(), Fail> {
    ctx.cluster
        .create(pod, &crate::apiserver::WriteOptions::user())
        .map(|_| ())
        .map_err(|e| super::create::api_error(&e, None))
}

/// With `-i`, waits for the container to run and attaches to it (a shell
/// gets an interactive session); a container that already ended shows
/// its logs instead.
fn after_create(
    ctx: &mut Ctx,
    ns: &str,
    pod: &str,
    container: &str,
    attach: bool,
    (stdin, tty, quiet): (bool, bool, bool),
) -> Result<(), Fail> {
    if !attach {
        return Ok(());
    }
    let state = |c: &crate::Cluster| -> Option<String> {
        let obj = c.store().get_named(crate::cluster::res("Pod"), ns, pod)?;
        [
            "containerStatuses",
            "initContainerStatuses",
            "ephemeralContainerStatuses",
        ]
        .iter()
        .flat_map(|l| obj.at(&["status", l]).items())
        .find(|s| s.get("name").as_str() == Some(container))
        .and_then(|s| s.get("state").members().next().map(|(k, _)| k.to_string()))
    };
    // waitForContainer: until it runs or ends (kubectl waits without a
    // limit; Kubeplay stops after five minutes).
    let limit = 5 * crate::time::MINUTE;
    if !super::apply::wait_until(ctx.cluster, limit, |c| {
        matches!(state(c).as_deref(), Some("running" | "terminated"))
    }) {
        return Err(Fail::error(format!(
            "Kubeplay stopped waiting for container {container} of pod {pod} to start after 5m"
        )));
    }
    if state(ctx.cluster).as_deref() == Some("terminated") {
        let logs = ctx
            .cluster
            .container_logs(ns, pod, Some(container), false)
            .unwrap_or_default();
        ctx.out.out(&logs);
        return Ok(());
    }
    let shell = crate::kubelet::interactive_shell(ctx.cluster, ns, pod, container);
    let Some(shell) = shell.filter(|_| stdin) else {
        return Err(Fail::error(format!(
            "Kubeplay cannot stay attached to the output of container {container}; read it with kubectl logs {pod} -c {container}"
        )));
    };
    if !quiet {
        terminal::attach_notice(ctx);
    }
    let process = terminal::Process::Pid1 {
        remove: false,
        run_waits: false,
    };
    terminal::open(ctx, (ns, pod, container), &shell, tty, process)
}
