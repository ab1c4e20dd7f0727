//! Informational commands: `version`, `cluster-info`, `api-resources`,
//! `api-versions`, `config …`, `auth …` and `options`.

use crate::sort::CompactSort;

use crate::cluster::res;
use crate::kubectl::flags::Parsed;
use crate::kubectl::tabwriter::TabWriter;
use crate::kubectl::{Ctx, Fail, GLOBAL_FLAGS};
use crate::value::Value;

/// The API server address kubectl talks to (the kubeconfig's server).
pub(crate) const SERVER: &str = "https://127.0.0.1:6443";
/// The kubeconfig context, cluster and user name.
pub(crate) const CONTEXT: &str = "kubeplay";
/// The kustomize version kubectl v1.37 embeds.
pub(crate) const KUSTOMIZE_VERSION: &str = "v5.8.1";

/// `kubectl version`.
pub(crate) fn version(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    if let Some(o) = p.str("output").filter(|o| !o.is_empty()) {
        if o != "json" && o != "yaml" {
            return Err(Fail::error("--output must be 'yaml' or 'json'"));
        }
        let info = crate::apiserver::raw::version_info;
        let mut all = Value::object();
        all.set("clientVersion", info(false));
        all.set("kustomizeVersion", KUSTOMIZE_VERSION.into());
        if !p.bool("client") {
            all.set("serverVersion", info(true));
        }
        // `json.MarshalIndent` in struct order; `yaml.Marshal` sorts.
        let order = |key: &str| -> &'static [&'static str] {
            match key {
                "" => &["clientVersion", "kustomizeVersion", "serverVersion"],
                _ => crate::apiserver::raw::VERSION_FIELDS,
            }
        };
        let text = if o == "json" {
            crate::yaml::to_json_in_order(&all, Some(2), &order)
        } else {
            crate::yaml::to_yaml(&all)
        };
        ctx.out.line(&text);
        return Ok(());
    }
    let v = crate::KUBERNETES_VERSION;
    ctx.out.line(&format!("Client Version: {v}"));
    ctx.out
        .line(&format!("Kustomize Version: {KUSTOMIZE_VERSION}"));
    if !p.bool("client") {
        ctx.out.line(&format!("Server Version: {v}"));
    }
    Ok(())
}

/// `kubectl cluster-info` (without terminal colours).
pub(crate) fn cluster_info(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    if let Some(arg) = p.args.first() {
        if arg == "dump" {
            return Err(Fail::error(
                "`kubectl cluster-info dump` is not supported in Kubeplay",
            ));
        }
        return Err(Fail::usage(
            "kubectl cluster-info",
            &format!("unknown command \"{}\"", p.args.join(" ")),
        ));
    }
    // kubectl lists the cluster services first and prints nothing if that fails.
    ctx.cluster
        .authorize_resource("list", res("Service"), "", "kube-system", "")
        .map_err(|e| Fail::status(&e))?;
    ctx.out
        .line(&format!("Kubernetes control plane is running at {SERVER}"));
    let services: Vec<Value> = ctx
        .cluster
        .store
        .list(res("Service"), Some("kube-system"))
        .map(|(_, v)| v.clone())
        .filter(|s| {
            s.at(&["metadata", "labels", "kubernetes.io/cluster-service"])
                .as_str()
                == Some("true")
        })
        .collect();
    for svc in services {
        let name = svc
            .at(&["metadata", "labels", "kubernetes.io/name"])
            .as_str()
            .filter(|n| !n.is_empty())
            .or_else(|| svc.str_at(&["metadata", "name"]))
            .unwrap_or("")
            .to_string();
        let ingress: Vec<&Value> = svc
            .at(&["status", "loadBalancer", "ingress"])
            .items()
            .collect();
        let link = if !ingress.is_empty() {
            let mut link = String::new();
            for ing in ingress {
                let ip = ing
                    .get("ip")
                    .as_str()
                    .or_else(|| ing.get("hostname").as_str())
                    .unwrap_or("");
                for port in svc.at(&["spec", "ports"]).items() {
                    link.push_str(&format!(
                        "http://{ip}:{} ",
                        port.get("port").as_i64().unwrap_or(0)
                    ));
                }
            }
            link
        } else {
            let svc_name = svc.str_at(&["metadata", "name"]).unwrap_or("");
            let port = svc.at(&["spec", "ports"]).items().next();
            let port_name = port.and_then(|p| p.get("name").as_str()).unwrap_or("");
            let https =
                port_name == "https" || port.and_then(|p| p.get("port").as_i64()) == Some(443);
            let scheme = if https { "https:" } else { "" };
            let joined = if port_name.is_empty() {
                format!("{scheme}{svc_name}")
            } else {
                format!("{scheme}{svc_name}:{port_name}")
            };
            format!("{SERVER}/api/v1/namespaces/kube-system/services/{joined}/proxy")
        };
        ctx.out.line(&format!("{name} is running at {link}"));
    }
    ctx.out.out(
        "\nTo further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.\n",
    );
    Ok(())
}

/// `kubectl api-resources`.
pub(crate) fn api_resources(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    let output = p.str_or_empty("output").to_string();
    if !matches!(output.as_str(), "" | "wide" | "name") {
        return Err(Fail::error(format!("--output {output} is not available")));
    }
    let remote = crate::apiserver::aggregator::remote(ctx.cluster);
    let (mut rows, stale) = crate::apiserver::discovery::served_resources(&remote);
    // Aggregated discovery marks a group version whose server does not
    // answer stale; kubectl lists the rest, then says which it missed.
    let missed = (!stale.is_empty()).then(|| {
        // `ErrGroupDiscoveryFailed` sorts its lines as strings.
        let mut groups: Vec<String> = stale
            .iter()
            .map(|gv| format!("{gv}: stale GroupVersion discovery: {gv}"))
            .collect();
        groups.compact_sort();
        Fail::error(format!(
            "unable to retrieve the complete list of server APIs: {}",
            groups.join(", ")
        ))
    });
    if p.changed("namespaced") {
        let want = p.bool("namespaced");
        rows.retain(|r| r.namespaced == want);
    }
    if let Some(g) = p.str("api-group") {
        rows.retain(|r| r.group == g);
    }
    let categories = p.all("categories");
    if !categories.is_empty() {
        rows.retain(|r| categories.iter().all(|c| r.categories() == c));
    }
    let wanted_verbs = p.all("verbs");
    if !wanted_verbs.is_empty() {
        rows.retain(|r| wanted_verbs.iter().all(|v| r.verbs().contains(&v.as_str())));
    }
    match p.str("sort-by") {
        None => {}
        Some("name") => rows.compact_sort_by(|a, b| a.plural.cmp(b.plural)),
        Some("kind") => rows.compact_sort_by(|a, b| a.kind.cmp(b.kind)),
        Some(other) => {
            return Err(Fail::error(format!(
                "--sort-by accepts only name or kind, got {other}"
            )));
        }
    }
    if output == "name" {
        for r in rows {
            if r.group.is_empty() {
                ctx.out.line(r.plural);
            } else {
                ctx.out.line(&format!("{}.{}", r.plural, r.group));
            }
        }
        return missed.map_or(Ok(()), Err);
    }
    let mut tw = TabWriter::table();
    if !p.bool("no-headers") {
        if output == "wide" {
            tw.write("NAME\tSHORTNAMES\tAPIVERSION\tNAMESPACED\tKIND\tVERBS\tCATEGORIES\n");
        } else {
            tw.write("NAME\tSHORTNAMES\tAPIVERSION\tNAMESPACED\tKIND\n");
        }
    }
    for r in rows {
        let line = format!(
            "{}\t{}\t{}\t{}\t{}",
            r.plural,
            r.short_names.join(","),
            r.api_version(),
            r.namespaced,
            r.kind
        );
        tw.write(&line);
        if output == "wide" {
            tw.write(&format!("\t{}\t{}", r.verbs().join(","), r.categories()));
        }
        tw.write("\n");
    }
    ctx.out.out(&tw.finish());
    missed.map_or(Ok(()), Err)
}

/// `kubectl api-versions`: every served group version.
pub(crate) fn api_versions(ctx: &mut Ctx, _p: &Parsed) -> Result<(), Fail> {
    let remote = crate::apiserver::aggregator::remote(ctx.cluster);
    for v in crate::apiserver::discovery::api_versions(&remote) {
        ctx.out.line(&v);
    }
    Ok(())
}

/// `kubectl config current-context`.
pub(crate) fn config_current_context(ctx: &mut Ctx, _p: &Parsed) -> Result<(), Fail> {
    ctx.out.line(CONTEXT);
    Ok(())
}

/// `kubectl config get-contexts`.
pub(crate) fn config_get_contexts(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    if let Some(name) = p.args.first()
        && name != CONTEXT
    {
        return Err(Fail::error(format!("context {name} not found")));
    }
    if p.str("output") == Some("name") {
        ctx.out.line(CONTEXT);
        return Ok(());
    }
    let ns = ctx.cluster.kubeconfig_namespace.clone().unwrap_or_default();
    let mut tw = TabWriter::table();
    if !p.bool("no-headers") {
        tw.write("CURRENT\tNAME\tCLUSTER\tAUTHINFO\tNAMESPACE\n");
    }
    tw.write(&format!("*\t{CONTEXT}\t{CONTEXT}\t{CONTEXT}\t{ns}\n"));
    ctx.out.out(&tw.finish());
    Ok(())
}

/// `kubectl config set-context` (the namespace of the current context).
pub(crate) fn config_set_context(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    let name = match (p.args.first(), p.bool("current")) {
        (Some(_), true) => {
            return Err(Fail::error(
                "you cannot specify both a context name and --current",
            ));
        }
        (Some(n), false) => n.clone(),
        (None, true) => CONTEXT.to_string(),
        (None, false) => {
            return Err(Fail::usage(
                "kubectl config set-context",
                "you must specify a non-empty context name or --current",
            ));
        }
    };
    if name != CONTEXT {
        return Err(Fail::error(format!(
            "Kubeplay has a single context, {CONTEXT:?}; use --current"
        )));
    }
    if ctx.namespace_explicit {
        ctx.cluster.kubeconfig_namespace = Some(ctx.namespace.clone());
    }
    ctx.out.line(&format!("Context \"{name}\" modified."));
    Ok(())
}

/// `kubectl config view`.
pub(crate) fn config_view(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    let mut context = Value::from_pairs([
        ("cluster", Value::str(CONTEXT)),
        ("user", Value::str(CONTEXT)),
    ]);
    if let Some(ns) = &ctx.cluster.kubeconfig_namespace {
        context.set("namespace", Value::from(ns.clone()));
    }
    let secret = if p.bool("raw") {
        "REDACTED"
    } else {
        "DATA+OMITTED"
    };
    let config = Value::from_pairs([
        ("apiVersion", Value::str("v1")),
        (
            "clusters",
            Value::array(vec![Value::from_pairs([
                (
                    "cluster",
                    Value::from_pairs([
                        ("certificate-authority-data", Value::str(secret)),
                        ("server", Value::str(SERVER)),
                    ]),
                ),
                ("name", Value::str(CONTEXT)),
            ])]),
        ),
        (
            "contexts",
            Value::array(vec![Value::from_pairs([
                ("context", context),
                ("name", Value::str(CONTEXT)),
            ])]),
        ),
        ("current-context", Value::str(CONTEXT)),
        ("kind", Value::str("Config")),
        ("preferences", Value::object()),
        (
            "users",
            Value::array(vec![Value::from_pairs([
                ("name", Value::str(CONTEXT)),
                (
                    "user",
                    Value::from_pairs([
                        ("client-certificate-data", Value::str(secret)),
                        ("client-key-data", Value::str(secret)),
                    ]),
                ),
            ])]),
        ),
    ]);
    match p.str_or_empty("output") {
        "" | "yaml" => ctx.out.out(&crate::yaml::to_yaml(&config)),
        "json" => ctx.out.out(&crate::yaml::to_json_pretty(&config)),
        o => {
            let format = crate::kubectl::get::parse_output(o, false)?;
            crate::kubectl::get::print_objects(ctx, &format, vec![config], true, false)?;
        }
    }
    Ok(())
}

/// The verbs `kubectl auth can-i` knows for resources (`resourceVerbs`).
const KNOWN_RESOURCE_VERBS: &[&str] = &[
    "get",
    "list",
    "watch",
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
    "use",
    "bind",
    "impersonate",
    "*",
    "approve",
    "sign",
    "escalate",
    "attest",
];
/// The verbs it knows for non-resource URLs (`nonResourceURLVerbs`).
const KNOWN_NON_RESOURCE_VERBS: &[&str] = &[
    "get", "put", "post", "head", "options", "delete", "patch", "*",
];

/// Who the command asks as: `--as`'s user, or kubeadm's admin.
fn requesting_user(ctx: &Ctx) -> crate::apiserver::rbac::UserInfo {
    ctx.cluster
        .requester
        .clone()
        .unwrap_or_else(|| ctx.cluster.admin.clone())
}

/// `kubectl auth can-i`: asks the API server, through a
/// SelfSubjectAccessReview (or a SelfSubjectRulesReview for `--list`),
/// what the command's user may do. A "no" exits with status 1.
pub(crate) fn auth_can_i(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    let user = requesting_user(ctx);
    if p.bool("list") {
        if !p.args.is_empty() {
            return Err(Fail::error(
                "list option must be specified with no arguments",
            ));
        }
        if p.bool("quiet") || p.bool("all-namespaces") || !p.str_or_empty("subresource").is_empty()
        {
            return Err(Fail::error(
                "list option can't be specified with neither quiet, all-namespaces nor subresource options",
            ));
        }
        return can_i_list(ctx, p, &user);
    }
    let [verb, target] = p.args.as_slice() else {
        return Err(Fail::error(
            "you must specify two arguments: verb resource or verb resource/resourceName.\nSee 'kubectl auth can-i -h' for help and examples.",
        ));
    };
    let subresource = p.str_or_empty("subresource");
    let namespace = if p.bool("all-namespaces") {
        String::new()
    } else {
        ctx.namespace.clone()
    };
    let mut warnings: Vec<String> = Vec::new();
    let (resource, group, name, path) = if target.starts_with('/') {
        (String::new(), String::new(), String::new(), target.clone())
    } else {
        let (t, name) = target.split_once('/').unwrap_or((target, ""));
        let (resource, group, rid) = if t == "*" {
            ("*".to_string(), String::new(), None)
        } else {
            match crate::api::registry::lookup_resource(t) {
                Some(rid) => (
                    rid.get().plural.to_string(),
                    rid.get().group.to_string(),
                    Some(rid),
                ),
                None => {
                    let lower = t.to_ascii_lowercase();
                    let (r, g) = lower.split_once('.').unwrap_or((&lower, ""));
                    if lower != "users" && lower != "groups" {
                        warnings.push(if g.is_empty() {
                            format!("the server doesn't have a resource type '{r}'")
                        } else {
                            format!("the server doesn't have a resource type '{r}' in group '{g}'")
                        });
                    }
                    (t.to_string(), String::new(), None)
                }
            }
        };
        if let Some(rid) = rid
            && !p.bool("all-namespaces")
            && !rid.get().namespaced
        {
            warnings.push(if group.is_empty() {
                format!("resource '{resource}' is not namespace scoped")
            } else {
                format!("resource '{resource}' is not namespace scoped in group '{group}'")
            });
        }
        (resource, group, name.to_string(), String::new())
    };
    if !path.is_empty() {
        if !subresource.is_empty() {
            return Err(Fail::error(
                "--subresource can not be used with NonResourceURL",
            ));
        }
        if !KNOWN_NON_RESOURCE_VERBS.contains(&verb.as_str()) {
            warnings.push(format!("verb '{verb}' is not a known verb"));
        }
    } else if !resource.is_empty()
        && !p.bool("all-namespaces")
        && !KNOWN_RESOURCE_VERBS.contains(&verb.as_str())
    {
        warnings.push(format!("verb '{verb}' is not a known verb"));
    }
    // The messages end in a newline of their own, and the warning printer
    // adds one: each warning is followed by an empty line.
    for w in warnings {
        ctx.out.err_line(&format!("Warning: {w}\n"));
    }
    if p.bool("no-headers") {
        return Err(Fail::error(
            "--no-headers cannot be set without --list specified",
        ));
    }
    let request = crate::apiserver::rbac::Request {
        verb,
        api_group: &group,
        resource: &resource,
        subresource,
        namespace: if path.is_empty() { &namespace } else { "" },
        name: &name,
        path: &path,
    };
    self_review_allowed(ctx, "authorization.k8s.io", "selfsubjectaccessreviews")
        .map_err(|e| Fail::status(&e))?;
    let decision = ctx.cluster.authorize(&user, &request);
    if !p.bool("quiet") {
        if decision.allowed {
            ctx.out.line("yes");
        } else if decision.reason.is_empty() {
            ctx.out.line("no");
        } else {
            ctx.out.line(&format!("no - {}", decision.reason));
        }
    }
    if decision.allowed {
        Ok(())
    } else {
        Err(Fail(String::new()))
    }
}

/// `kubectl auth can-i --list`: the rules the user has in the namespace.
fn can_i_list(
    ctx: &mut Ctx,
    p: &Parsed,
    user: &crate::apiserver::rbac::UserInfo,
) -> Result<(), Fail> {
    self_review_allowed(ctx, "authorization.k8s.io", "selfsubjectrulesreviews")
        .map_err(|e| Fail::status(&e))?;
    let (rules, _errors) = ctx.cluster.rules_for(user, &ctx.namespace);
    let mut tw = TabWriter::table();
    if !p.bool("no-headers") {
        tw.write("Resources\tNon-Resource URLs\tResource Names\tVerbs\n");
    }
    for rule in crate::kubectl::rbac_rules::compact_rules(&rules) {
        tw.write(&crate::kubectl::rbac_rules::rule_row(&rule));
    }
    ctx.out.out(&tw.finish());
    Ok(())
}

/// The create of a self-review (`system:basic-user` grants them to every
/// authenticated user; an anonymous one is refused).
fn self_review_allowed(
    ctx: &Ctx,
    group: &str,
    resource: &str,
) -> Result<(), crate::api::errors::StatusError> {
    ctx.cluster
        .authorize_request(&crate::apiserver::rbac::Request {
            verb: "create",
            api_group: group,
            resource,
            ..Default::default()
        })
}

/// `kubectl auth whoami`.
pub(crate) fn auth_whoami(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    let user = requesting_user(ctx);
    if self_review_allowed(ctx, "authentication.k8s.io", "selfsubjectreviews").is_err() {
        return Err(Fail::error(
            "the selfsubjectreviews API is not enabled in the cluster or you do not have permission to call it",
        ));
    }
    let output = p.str_or_empty("output");
    if !output.is_empty() {
        // The SelfSubjectReview the server answered with.
        let mut info = Value::object();
        info.set(
            "groups",
            Value::array(user.groups.iter().map(|g| Value::str(g)).collect()),
        );
        if !user.uid.is_empty() {
            info.set("uid", Value::str(&user.uid));
        }
        info.set("username", Value::str(&user.name));
        let review = Value::from_pairs([
            ("apiVersion", Value::str("authentication.k8s.io/v1")),
            ("kind", Value::str("SelfSubjectReview")),
            ("metadata", Value::object()),
            ("status", Value::from_pairs([("userInfo", info)])),
        ]);
        let format = crate::kubectl::get::parse_output(output, false)?;
        return crate::kubectl::get::print_objects(ctx, &format, vec![review], true, false);
    }
    let mut tw = TabWriter::table();
    tw.write("ATTRIBUTE\tVALUE\n");
    tw.write(&format!("Username\t{}\n", user.name));
    if !user.uid.is_empty() {
        tw.write(&format!("UID\t{}\n", user.uid));
    }
    tw.write(&format!("Groups\t[{}]\n", user.groups.join(" ")));
    ctx.out.out(&tw.finish());
    Ok(())
}

/// `kubectl options`.
pub(crate) fn options(ctx: &mut Ctx, _p: &Parsed) -> Result<(), Fail> {
    ctx.out
        .out("The following options can be passed to any command:\n\n");
    for f in GLOBAL_FLAGS {
        match f.short {
            Some(c) => ctx.out.line(&format!("    -{c}, --{}", f.name)),
            None => ctx.out.line(&format!("    --{}", f.name)),
        }
    }
    Ok(())
}
