//! The generators: `kubectl create deployment|job|cronjob|namespace|configmap|secret|ingress|poddisruptionbudget|priorityclass|…`,
//! `kubectl run` and `kubectl expose`. Each builds the object kubectl would
//! send (the same zero-value fields it prints with `--dry-run=client -o
//! yaml`) and creates it through the API server.

use crate::api::errors::StatusError;
use crate::api::schema::golang::base64_encode;
use crate::apiserver::WriteOptions;
use crate::kubectl::flags::Parsed;
use crate::kubectl::get::{self, Format};
use crate::kubectl::resources;
use crate::kubectl::{Ctx, DryRun, Fail, FileError, dry_run};
use crate::quantity::Quantity;
use crate::sort::CompactSort;
use crate::value::Value;

/// `NameFromCommandArgs`.
fn name_arg(ctx: &Ctx, p: &Parsed) -> Result<String, Fail> {
    // `NameFromCommandArgs`: the arguments before any `--`.
    let count = p.dash.unwrap_or(p.args.len());
    match p.args.first() {
        Some(n) if count == 1 => Ok(n.clone()),
        _ => Err(Fail::usage(
            &ctx.path,
            &format!("exactly one NAME is required, got {count}"),
        )),
    }
}

/// Sets `metadata.namespace` when `-n` was given (kubectl only sends it then).
fn with_namespace(ctx: &Ctx, mut o: Value) -> Value {
    if ctx.namespace_explicit {
        o.set_at(
            &["metadata", "namespace"],
            Value::from(ctx.namespace.clone()),
        );
    }
    o
}

/// Creates (or dry-runs) a generated object and prints the result.
/// `wrap` is the prefix kubectl puts before API errors (`failed to create
/// deployment: `), if any.
fn finish(
    ctx: &mut Ctx,
    p: &Parsed,
    client_obj: Value,
    operation: &str,
    wrap: Option<&str>,
) -> Result<(), Fail> {
    let mut format = get::parse_output(&get::output_of(p), false)?;
    get::strict_keys(&mut format, p);
    let dry = dry_run(ctx, p)?;
    let rid = resources::rid_of(&client_obj).expect("generators build served kinds");
    let name = client_obj
        .str_at(&["metadata", "name"])
        .unwrap_or("")
        .to_string();
    let result_obj = match dry {
        Some(DryRun::Client) => client_obj,
        _ => {
            let mut to_send = client_obj.clone();
            to_send.remove("status");
            let opts = WriteOptions {
                dry_run: dry == Some(DryRun::Server),
                ..WriteOptions::default()
            };
            if rid.get().namespaced && to_send.str_at(&["metadata", "namespace"]).is_none() {
                to_send.set_at(
                    &["metadata", "namespace"],
                    Value::from(ctx.namespace.clone()),
                );
            }
            let created = ctx.cluster.create(to_send, &opts);
            let mut warnings = crate::kubectl::apply::Warnings::new();
            for w in std::mem::take(&mut ctx.cluster.warnings) {
                warnings.print(ctx, &w);
            }
            match created {
                Ok(o) => o,
                Err(e) => return Err(api_error(&e, wrap)),
            }
        }
    };
    match format {
        Format::Table => {
            let suffix = dry.map(DryRun::suffix).unwrap_or("");
            ctx.out.line(&format!(
                "{} {operation}{suffix}",
                resources::kind_name(rid, &name)
            ));
            Ok(())
        }
        f => get::print_objects(ctx, &f, vec![result_obj], true, false),
    }
}

pub(crate) fn api_error(e: &StatusError, wrap: Option<&str>) -> Fail {
    match wrap {
        // `fmt.Errorf("failed to create …: %v", err)` loses the status type.
        Some(w) => Fail::error(format!("{w}{}", e.message)),
        None => Fail::status(e),
    }
}

/// `kubectl create deployment`.
pub(crate) fn deployment(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    let name = name_arg(ctx, p)?;
    let images = p.all("image");
    if images.is_empty() {
        return Err(Fail::error("required flag(s) \"image\" not set"));
    }
    let command: Vec<String> = p.args[1..].to_vec();
    if images.len() > 1 && !command.is_empty() {
        return Err(Fail::error(
            "cannot specify multiple --image options and command",
        ));
    }
    let replicas = p.int("replicas").unwrap_or(1);
    let mut containers = Vec::new();
    for image in images {
        let last = image.rsplit('/').next().unwrap_or(image);
        let mut cname = last.split(':').next().unwrap_or(last).to_string();
        cname = cname.split('@').next().unwrap_or(&cname).to_string();
        if cname.contains(['_', '.']) {
            cname = cname.replace(['_', '.'], "-");
            cname = format!("{cname}-{}", ctx.cluster.rng.k8s_string(5));
        }
        let mut c = Value::from_pairs([
            ("image", Value::from(image.clone())),
            ("name", Value::from(cname)),
            ("resources", Value::object()),
        ]);
        if !command.is_empty() {
            c.set(
                "command",
                Value::array(command.iter().map(|s| Value::from(s.clone())).collect()),
            );
        }
        containers.push(c);
    }
    if let Some(port) = p.int("port").filter(|p| *p >= 0)
        && let Some(first) = containers.first_mut()
    {
        first.set(
            "ports",
            Value::array(vec![Value::from_pairs([(
                "containerPort",
                Value::Int(port),
            )])]),
        );
    }
    let labels = Value::from_pairs([("app", Value::from(name.clone()))]);
    let d = Value::from_pairs([
        ("apiVersion", Value::str("apps/v1")),
        ("kind", Value::str("Deployment")),
        (
            "metadata",
            Value::from_pairs([("labels", labels.clone()), ("name", Value::from(name))]),
        ),
        (
            "spec",
            Value::from_pairs([
                ("replicas", Value::Int(replicas)),
                (
                    "selector",
                    Value::from_pairs([("matchLabels", labels.clone())]),
                ),
                ("strategy", Value::object()),
                (
                    "template",
                    Value::from_pairs([
                        ("metadata", Value::from_pairs([("labels", labels)])),
                        (
                            "spec",
                            Value::from_pairs([("containers", Value::array(containers))]),
                        ),
                    ]),
                ),
            ]),
        ),
        ("status", Value::object()),
    ]);
    let d = with_namespace(ctx, d);
    finish(ctx, p, d, "created", Some("failed to create deployment: "))
}

/// `kubectl create namespace`.
pub(crate) fn namespace(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    let name = name_arg(ctx, p)?;
    let ns = Value::from_pairs([
        ("apiVersion", Value::str("v1")),
        ("kind", Value::str("Namespace")),
        ("metadata", Value::from_pairs([("name", Value::from(name))])),
        ("spec", Value::object()),
        ("status", Value::object()),
    ]);
    finish(ctx, p, ns, "created", None)
}

/// `kubectl create service clusterip|nodeport|loadbalancer|externalname`
/// (`ServiceOptions`): ports from `--tcp`, `app: NAME` as label and
/// selector.
pub(crate) fn service(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    let name = name_arg(ctx, p)?;
    let kind = match ctx.path.rsplit(' ').next().unwrap_or("") {
        "nodeport" => "NodePort",
        "loadbalancer" => "LoadBalancer",
        "externalname" => "ExternalName",
        _ => "ClusterIP",
    };
    let cluster_ip = p.str("clusterip").unwrap_or("");
    let tcp = p.all("tcp");
    let external = p.str("external-name").unwrap_or("");
    if kind == "ExternalName" && !p.changed("external-name") {
        return Err(Fail::error("required flag(s) \"external-name\" not set"));
    }
    if cluster_ip == "None" && kind != "ClusterIP" {
        return Err(Fail::error(
            "ClusterIP=None can only be used with ClusterIP service type",
        ));
    }
    if cluster_ip != "None" && tcp.is_empty() && kind != "ExternalName" {
        return Err(Fail::error(
            "at least one tcp port specifier must be provided",
        ));
    }
    if kind == "ExternalName" && !crate::api::content::is_dns1123_subdomain(external).is_empty() {
        return Err(Fail::error(format!(
            "invalid service external name {external}"
        )));
    }
    let mut ports = Vec::new();
    for spec in tcp {
        let mut parts = spec.split(':');
        let first = parts.next().unwrap_or("");
        let port: u16 = first.parse().map_err(|_| {
            Fail::error(crate::api::schema::golang::strconv_error(
                "ParseUint",
                first,
            ))
        })?;
        let target = match parts.next() {
            None => Value::Int(i64::from(port)),
            Some(t) => match t.parse::<i64>() {
                Ok(n) if (1..=65535).contains(&n) => Value::Int(n),
                Ok(_) => return Err(Fail::error("must be between 1 and 65535, inclusive")),
                Err(_) => {
                    let errs = crate::api::content::is_valid_port_name(t);
                    if !errs.is_empty() {
                        return Err(Fail::error(errs.join(",")));
                    }
                    Value::str(t)
                }
            },
        };
        let mut entry = Value::from_pairs([
            ("name", Value::from(spec.replace(':', "-"))),
            ("port", Value::Int(i64::from(port))),
            ("protocol", Value::str("TCP")),
            ("targetPort", target),
        ]);
        if let Some(node_port) = p.int("node-port").filter(|n| *n != 0) {
            entry.set("nodePort", Value::Int(node_port));
        }
        ports.push(entry);
    }
    let app = Value::from_pairs([("app", Value::from(name.clone()))]);
    let mut spec = Value::from_pairs([
        ("ports", Value::array(ports)),
        ("selector", app.clone()),
        ("type", Value::str(kind)),
    ]);
    if !external.is_empty() {
        spec.set("externalName", Value::str(external));
    }
    if !cluster_ip.is_empty() {
        spec.set("clusterIP", Value::str(cluster_ip));
    }
    let svc = Value::from_pairs([
        ("apiVersion", Value::str("v1")),
        ("kind", Value::str("Service")),
        (
            "metadata",
            Value::from_pairs([("labels", app), ("name", Value::from(name))]),
        ),
        ("spec", spec),
        (
            "status",
            Value::from_pairs([("loadBalancer", Value::object())]),
        ),
    ]);
    let svc = with_namespace(ctx, svc);
    let wrap = format!("failed to create {kind} service: ");
    finish(ctx, p, svc, "created", Some(&wrap))
}

/// `kubectl create serviceaccount`.
pub(crate) fn serviceaccount(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    let name = name_arg(ctx, p)?;
    let sa = Value::from_pairs([
        ("apiVersion", Value::str("v1")),
        ("kind", Value::str("ServiceAccount")),
        ("metadata", Value::from_pairs([("name", Value::from(name))])),
    ]);
    let sa = with_namespace(ctx, sa);
    finish(ctx, p, sa, "created", None)
}

/// `populateResourceListV1`: `name=quantity,…` as a resource list (null
/// for an empty flag).
pub(crate) fn resource_list_arg(text: &str) -> Result<Value, Fail> {
    if text.is_empty() {
        return Ok(Value::Null);
    }
    let mut list = Value::object();
    for statement in text.split(',') {
        let parts: Vec<&str> = statement.split('=').collect();
        let [resource, quantity] = parts[..] else {
            return Err(Fail::error(format!(
                "Invalid argument syntax {statement}, expected <resource>=<value>"
            )));
        };
        let q = Quantity::parse(quantity).map_err(Fail::error)?;
        list.set(resource, Value::from(q.to_string()));
    }
    Ok(list)
}

/// `kubectl create quota`: `--hard` as `name=quantity,…`, `--scopes` as
/// names (the API server checks them).
pub(crate) fn quota(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    let name = name_arg(ctx, p)?;
    let mut spec = Value::object();
    let hard = resource_list_arg(p.str_or_empty("hard"))?;
    if !hard.is_null() {
        spec.set("hard", hard);
    }
    let scopes = p.str_or_empty("scopes");
    if !scopes.is_empty() {
        let mut list = Vec::new();
        for scope in scopes.split(',') {
            if scope.is_empty() {
                return Err(Fail::error("invalid resource quota scope \"\""));
            }
            list.push(Value::str(scope));
        }
        spec.set("scopes", Value::array(list));
    }
    let quota = Value::from_pairs([
        ("apiVersion", Value::str("v1")),
        ("kind", Value::str("ResourceQuota")),
        ("metadata", Value::from_pairs([("name", Value::from(name))])),
        ("spec", spec),
        ("status", Value::object()),
    ]);
    let quota = with_namespace(ctx, quota);
    finish(ctx, p, quota, "created", Some("failed to create quota: "))
}

/// `intstr.Parse`: a base-10 int32 is a number, anything else a name.
fn int_or_string(s: &str) -> Value {
    match s.parse::<i32>() {
        Ok(n) => Value::Int(i64::from(n)),
        Err(_) => Value::from(s.to_string()),
    }
}

/// A Service backend (`svcname:port`) as `buildIngressBackendSvc` builds
/// it; a number 0 or an empty name is omitted (`port: {}`). `None` where
/// kubectl indexes past the end and panics.
fn ingress_backend(service: &str) -> Option<Value> {
    let parts: Vec<&str> = service.split(':').collect();
    let port_text = parts.get(1)?;
    let port = match int_or_string(port_text) {
        Value::Int(0) => Value::object(),
        Value::Int(n) => Value::from_pairs([("number", Value::Int(n))]),
        Value::String(s) if s.is_empty() => Value::object(),
        name => Value::from_pairs([("name", name)]),
    };
    Some(Value::from_pairs([(
        "service",
        Value::from_pairs([("name", Value::from(parts[0].to_string())), ("port", port)]),
    )]))
}

/// Whether a `--rule` matches v1.32's `ruleRegex`,
/// `^(?P<host>[\w\*\-\.]*)(?P<path>/.*)=(?P<svcname>[\w\-]+):(?P<svcport>[\w\-]+)`
/// (unanchored at the end: anything may follow the port).
fn ingress_rule_matches(rule: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    let host_end = rule
        .find(|c: char| !(word(c) || c == '*' || c == '.'))
        .unwrap_or(rule.len());
    let rest = &rule[host_end..];
    if !rest.starts_with('/') {
        return false;
    }
    // `.` does not match a newline: the rest of the rule is on this line.
    let line = rest.split('\n').next().unwrap_or("");
    line.match_indices('=').any(|(i, _)| {
        let after = &line[i + 1..];
        let name_len = after.find(|c: char| !word(c)).unwrap_or(after.len());
        name_len > 0
            && after[name_len..]
                .strip_prefix(':')
                .and_then(|port| port.chars().next())
                .is_some_and(word)
    })
}

/// Go's panic when kubectl indexes past a split rule (a path holding `=`
/// or `,`).
fn ingress_panic(ctx: &mut Ctx) -> Fail {
    ctx.out.exit_code = Some(2);
    Fail::raw(
        "panic: runtime error: index out of range [1] with length 1\n\ngoroutine 1 [running]:\nk8s.io/kubectl/pkg/cmd/create.buildIngressBackendSvc(...)\n\tk8s.io/kubectl/pkg/cmd/create/create_ingress.go:417\n",
    )
}

/// `kubectl create ingress`.
pub(crate) fn ingress(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    let name = name_arg(ctx, p)?;
    let rules = p.all("rule").to_vec();
    let default_backend = p.str_or_empty("default-backend").to_string();
    let annotations = p.all("annotation").to_vec();
    // `Validate`, in its order.
    if default_backend.is_empty() && rules.is_empty() {
        return Err(Fail::error(
            "not enough information provided: every ingress has to either specify a default-backend (which catches all traffic) or a list of rules (which catch specific paths)",
        ));
    }
    for rule in &rules {
        if !ingress_rule_matches(rule) {
            return Err(Fail::error(format!(
                "rule {rule} is invalid and should be in format host/path=svcname:svcport[,tls[=secret]]"
            )));
        }
    }
    let mut annotation_map = Value::object();
    for a in &annotations {
        let Some((k, v)) = a.split_once('=') else {
            return Err(Fail::error(format!(
                "annotation {a} is invalid and should be in format key=[value]"
            )));
        };
        annotation_map.set(k, Value::from(v.to_string()));
    }
    if !default_backend.is_empty() && default_backend.split(':').count() != 2 {
        return Err(Fail::error(
            "default-backend should be in format servicename:serviceport",
        ));
    }
    // `buildIngressSpec`.
    let mut spec = Value::object();
    let class = p.str_or_empty("class");
    if !class.is_empty() {
        spec.set("ingressClassName", Value::from(class.to_string()));
    }
    if !default_backend.is_empty() {
        let backend = ingress_backend(&default_backend).expect("checked: one colon");
        spec.set("defaultBackend", backend);
    }
    // `buildTLSRules`: grouped by secret; each host once, its first rule's.
    let mut tls: Vec<(Vec<String>, String)> = Vec::new();
    let mut seen_hosts: Vec<String> = Vec::new();
    for rule in &rules {
        let parts: Vec<&str> = rule.split(',').collect();
        if parts.len() != 2 {
            continue;
        }
        let host = rule.split('/').next().unwrap_or("").to_string();
        let secret = parts[1].split('=').nth(1).unwrap_or("").to_string();
        if seen_hosts.contains(&host) {
            continue;
        }
        if let Some(entry) = tls.iter_mut().find(|(_, s)| *s == secret) {
            entry.0.push(host.clone());
        } else {
            let hosts = if host.is_empty() {
                Vec::new()
            } else {
                vec![host.clone()]
            };
            if !hosts.is_empty() || !secret.is_empty() {
                tls.push((hosts, secret));
            }
        }
        seen_hosts.push(host);
    }
    if !tls.is_empty() {
        let entries = tls
            .into_iter()
            .map(|(hosts, secret)| {
                let mut e = Value::object();
                if !hosts.is_empty() {
                    e.set(
                        "hosts",
                        Value::array(hosts.into_iter().map(Value::from).collect()),
                    );
                }
                if !secret.is_empty() {
                    e.set("secretName", Value::from(secret));
                }
                e
            })
            .collect();
        spec.set("tls", Value::array(entries));
    }
    // `buildIngressRules`: paths of one host gathered under its rule.
    let mut hosts: Vec<(String, Vec<Value>)> = Vec::new();
    for rule in &rules {
        let no_tls = rule.split(',').next().unwrap_or("");
        let (host, rest) = no_tls.split_once('/').unwrap_or((no_tls, ""));
        let parts: Vec<&str> = rest.split('=').collect();
        let (Some(path), Some(service)) = (parts.first(), parts.get(1)) else {
            return Err(ingress_panic(ctx));
        };
        let Some(backend) = ingress_backend(service) else {
            return Err(ingress_panic(ctx));
        };
        let mut path = format!("/{path}");
        let path_type = if path.ends_with('*') {
            path.pop();
            "Prefix"
        } else {
            "Exact"
        };
        let entry = Value::from_pairs([
            ("backend", backend),
            ("path", Value::from(path)),
            ("pathType", Value::str(path_type)),
        ]);
        match hosts.iter_mut().find(|(h, _)| h == host) {
            Some((_, paths)) => paths.push(entry),
            None => hosts.push((host.to_string(), vec![entry])),
        }
    }
    if !hosts.is_empty() {
        let list = hosts
            .into_iter()
            .map(|(host, paths)| {
                let mut r = Value::object();
                if !host.is_empty() {
                    r.set("host", Value::from(host));
                }
                r.set("http", Value::from_pairs([("paths", Value::array(paths))]));
                r
            })
            .collect();
        spec.set("rules", Value::array(list));
    }
    let mut metadata = Value::from_pairs([("name", Value::from(name))]);
    if !annotation_map.is_empty() {
        metadata.set("annotations", annotation_map);
    }
    let ingress = Value::from_pairs([
        ("apiVersion", Value::str("networking.k8s.io/v1")),
        ("kind", Value::str("Ingress")),
        ("metadata", metadata),
        ("spec", spec),
        (
            "status",
            Value::from_pairs([("loadBalancer", Value::object())]),
        ),
    ]);
    let ingress = with_namespace(ctx, ingress);
    finish(
        ctx,
        p,
        ingress,
        "created",
        Some("failed to create ingress: "),
    )
}

/// `metav1.ParseToLabelSelector`: equality requirements become
/// `matchLabels`, the others `matchExpressions`.
fn label_selector_object(text: &str) -> Result<Value, Fail> {
    use crate::api::selector::{Operator, Selector};
    let selector = Selector::parse(text).map_err(|e| {
        Fail::error(format!(
            "couldn't parse the selector string \"{text}\": {e}"
        ))
    })?;
    let mut match_labels = Value::object();
    let mut expressions = Vec::new();
    for r in selector.requirements() {
        let op = match r.operator() {
            Operator::Equals | Operator::DoubleEquals => {
                let value = r.values().next().unwrap_or("");
                match_labels.set(r.key(), Value::from(value.to_string()));
                continue;
            }
            Operator::In => "In",
            Operator::NotIn => "NotIn",
            Operator::Exists => "Exists",
            Operator::DoesNotExist => "DoesNotExist",
            Operator::GreaterThan | Operator::LessThan => {
                return Err(Fail::error(format!(
                    "\"{}\" isn't supported in label selectors",
                    r.operator().name()
                )));
            }
            Operator::NotEquals => {
                return Err(Fail::error(format!(
                    "\"{}\" is not a valid label selector operator",
                    r.operator().name()
                )));
            }
        };
        let mut values: Vec<&str> = r.values().collect();
        values.compact_sort();
        let mut e = Value::from_pairs([
            ("key", Value::from(r.key().to_string())),
            ("operator", Value::str(op)),
        ]);
        if !values.is_empty() {
            e.set(
                "values",
                Value::array(
                    values
                        .into_iter()
                        .map(|v| Value::from(v.to_string()))
                        .collect(),
                ),
            );
        }
        expressions.push(e);
    }
    let mut out = Value::object();
    if !match_labels.is_empty() {
        out.set("matchLabels", match_labels);
    }
    if !expressions.is_empty() {
        out.set("matchExpressions", Value::array(expressions));
    }
    Ok(out)
}

/// `kubectl create poddisruptionbudget`.
pub(crate) fn poddisruptionbudget(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    let name = name_arg(ctx, p)?;
    let selector = p.str_or_empty("selector").to_string();
    let min_available = p.str_or_empty("min-available").to_string();
    let max_unavailable = p.str_or_empty("max-unavailable").to_string();
    if selector.is_empty() {
        return Err(Fail::error("a selector must be specified"));
    }
    match (min_available.is_empty(), max_unavailable.is_empty()) {
        (true, true) => {
            return Err(Fail::error(
                "one of min-available or max-unavailable must be specified",
            ));
        }
        (false, false) => {
            return Err(Fail::error(
                "min-available and max-unavailable cannot be both specified",
            ));
        }
        _ => {}
    }
    // `^[0-9]+%?$`.
    let well_formed = |v: &str| {
        let digits = v.strip_suffix('%').unwrap_or(v);
        !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
    };
    for (flag, value) in [
        ("min-available", &min_available),
        ("max-unavailable", &max_unavailable),
    ] {
        if !value.is_empty() && !well_formed(value) {
            return Err(Fail::error(format!("invalid format specified for {flag}")));
        }
    }
    let mut spec = Value::object();
    if !min_available.is_empty() {
        spec.set("minAvailable", int_or_string(&min_available));
    }
    if !max_unavailable.is_empty() {
        spec.set("maxUnavailable", int_or_string(&max_unavailable));
    }
    spec.set("selector", label_selector_object(&selector)?);
    let status = Value::from_pairs([
        ("currentHealthy", Value::Int(0)),
        ("desiredHealthy", Value::Int(0)),
        ("disruptionsAllowed", Value::Int(0)),
        ("expectedPods", Value::Int(0)),
    ]);
    let pdb = Value::from_pairs([
        ("apiVersion", Value::str("policy/v1")),
        ("kind", Value::str("PodDisruptionBudget")),
        ("metadata", Value::from_pairs([("name", Value::from(name))])),
        ("spec", spec),
        ("status", status),
    ]);
    let pdb = with_namespace(ctx, pdb);
    finish(
        ctx,
        p,
        pdb,
        "created",
        Some("failed to create poddisruptionbudgets: "),
    )
}

/// `kubectl create priorityclass`: no client-side checks beyond the flags'.
pub(crate) fn priorityclass(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    let name = name_arg(ctx, p)?;
    let mut pc = Value::from_pairs([
        ("apiVersion", Value::str("scheduling.k8s.io/v1")),
        ("kind", Value::str("PriorityClass")),
        ("metadata", Value::from_pairs([("name", Value::from(name))])),
        (
            "preemptionPolicy",
            Value::from(
                p.str("preemption-policy")
                    .unwrap_or("PreemptLowerPriority")
                    .to_string(),
            ),
        ),
        ("value", Value::Int(p.int("value").unwrap_or(0))),
    ]);
    let description = p.str_or_empty("description");
    if !description.is_empty() {
        pc.set("description", Value::from(description.to_string()));
    }
    if p.bool("global-default") {
        pc.set("globalDefault", Value::Bool(true));
    }
    finish(
        ctx,
        p,
        pc,
        "created",
        Some("failed to create priorityclass: "),
    )
}

/// `util.ParseLiteralSource`: `key=value`.
fn literal(source: &str) -> Result<(String, String), Fail> {
    match source.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(Fail::error(format!(
            "invalid literal source {source}, expected key=value"
        ))),
    }
}

/// `util.ParseFileSource`: `[key=]path`.
fn file_source(ctx: &Ctx, source: &str) -> Result<Vec<(String, String)>, Fail> {
    let (key, path) = match source.split_once('=') {
        Some((k, p)) => {
            if k.is_empty() {
                return Err(Fail::error(format!("key name for file path {p} missing")));
            }
            (Some(k.to_string()), p.to_string())
        }
        None => (None, source.to_string()),
    };
    if let Some(entries) = ctx.files.list_dir(&path) {
        if key.is_some() {
            return Err(Fail::error("cannot give a key name for a directory path"));
        }
        let mut entries = entries;
        entries.compact_sort();
        let mut out = Vec::new();
        for e in entries {
            let full = format!("{}/{e}", path.trim_end_matches('/'));
            if let Ok(text) = ctx.files.read(&full) {
                out.push((e, text));
            }
        }
        return Ok(out);
    }
    match ctx.files.read(&path) {
        Ok(text) => {
            let key = key.unwrap_or_else(|| path.rsplit('/').next().unwrap_or(&path).to_string());
            Ok(vec![(key, text)])
        }
        Err(FileError::NotFound) => Err(Fail::error(format!(
            "error reading {path}: no such file or directory"
        ))),
        Err(FileError::Other(m)) => Err(Fail::error(format!("error reading {path}: {m}"))),
    }
}

/// An env file's `KEY=value` lines.
fn env_file(ctx: &Ctx, path: &str) -> Result<Vec<(String, String)>, Fail> {
    let text = match ctx.files.read(path) {
        Ok(t) => t,
        Err(_) => {
            return Err(Fail::error(format!(
                "error reading {path}: no such file or directory"
            )));
        }
    };
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match line.split_once('=') {
            Some((k, v)) => out.push((k.to_string(), v.to_string())),
            None => {
                return Err(Fail::error(format!(
                    "{path}: line {}: invalid line: {line}",
                    i + 1
                )));
            }
        }
    }
    Ok(out)
}

fn valid_key(k: &str) -> bool {
    !k.is_empty()
        && k.len() <= 253
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c))
        && k != "."
        && k != ".."
}

/// `kubectl create configmap`.
pub(crate) fn configmap(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    let name = name_arg(ctx, p)?;
    if !p.all("from-env-file").is_empty()
        && (!p.all("from-file").is_empty() || !p.all("from-literal").is_empty())
    {
        return Err(Fail::error(
            "from-env-file cannot be combined with from-file or from-literal",
        ));
    }
    let mut data: Vec<(String, String)> = Vec::new();
    for f in p.all("from-file") {
        data.extend(file_source(ctx, f)?);
    }
    for l in p.all("from-literal") {
        data.push(literal(l)?);
    }
    for f in p.all("from-env-file") {
        data.extend(env_file(ctx, f)?);
    }
    let mut map = Value::object();
    for (k, v) in data {
        if !valid_key(&k) {
            return Err(Fail::error(format!(
                "{} is not a valid key name for a ConfigMap: a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
                crate::api::errors::quote(&k)
            )));
        }
        if !map.get(&k).is_null() {
            return Err(Fail::error(format!(
                "cannot add key {}, another key by that name already exists in Data for ConfigMap {}",
                crate::api::errors::quote(&k),
                crate::api::errors::quote(&name)
            )));
        }
        map.set(&k, Value::from(v));
    }
    let mut cm = Value::from_pairs([
        ("apiVersion", Value::str("v1")),
        ("kind", Value::str("ConfigMap")),
        ("metadata", Value::from_pairs([("name", Value::from(name))])),
    ]);
    if !map.is_empty() {
        cm.set("data", map);
    }
    let cm = with_namespace(ctx, cm);
    finish(ctx, p, cm, "created", Some("failed to create configmap: "))
}

fn secret(
    ctx: &Ctx,
    name: &str,
    secret_type: &str,
    data: Vec<(String, Vec<u8>)>,
) -> Result<Value, Fail> {
    let mut map = Value::object();
    for (k, v) in data {
        if !valid_key(&k) {
            return Err(Fail::error(format!(
                "{} is not valid key name for a Secret a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
                crate::api::errors::quote(&k)
            )));
        }
        if !map.get(&k).is_null() {
            return Err(Fail::error(format!(
                "cannot add key {k}, another key by that name already exists"
            )));
        }
        map.set(&k, Value::from(base64_encode(&v)));
    }
    let mut s = Value::from_pairs([
        ("apiVersion", Value::str("v1")),
        ("kind", Value::str("Secret")),
        ("metadata", Value::from_pairs([("name", Value::str(name))])),
    ]);
    if !map.is_empty() {
        s.set("data", map);
    }
    if !secret_type.is_empty() {
        s.set("type", Value::str(secret_type));
    }
    Ok(with_namespace(ctx, s))
}

/// `kubectl create secret generic`.
pub(crate) fn secret_generic(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    let name = name_arg(ctx, p)?;
    if !p.all("from-env-file").is_empty()
        && (!p.all("from-file").is_empty() || !p.all("from-literal").is_empty())
    {
        return Err(Fail::error(
            "from-env-file cannot be combined with from-file or from-literal",
        ));
    }
    let mut data: Vec<(String, Vec<u8>)> = Vec::new();
    for l in p.all("from-literal") {
        let (k, v) = literal(l)?;
        data.push((k, v.into_bytes()));
    }
    for f in p.all("from-file") {
        data.extend(
            file_source(ctx, f)?
                .into_iter()
                .map(|(k, v)| (k, v.into_bytes())),
        );
    }
    for f in p.all("from-env-file") {
        data.extend(
            env_file(ctx, f)?
                .into_iter()
                .map(|(k, v)| (k, v.into_bytes())),
        );
    }
    let s = secret(ctx, &name, p.str_or_empty("type"), data)?;
    finish(ctx, p, s, "created", Some("failed to create secret "))
}

/// `kubectl create secret docker-registry`.
pub(crate) fn secret_docker_registry(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    let name = name_arg(ctx, p)?;
    let user = p.str_or_empty("docker-username");
    let pass = p.str_or_empty("docker-password");
    let server = p
        .str("docker-server")
        .unwrap_or("https://index.docker.io/v1/");
    if p.all("from-file").is_empty() && (user.is_empty() || pass.is_empty() || server.is_empty()) {
        return Err(Fail::error(
            "either --from-file or the combination of --docker-username, --docker-password and --docker-server is required",
        ));
    }
    let data = if !p.all("from-file").is_empty() {
        let mut d = Vec::new();
        for f in p.all("from-file") {
            d.extend(
                file_source(ctx, f)?
                    .into_iter()
                    .map(|(k, v)| (k, v.into_bytes())),
            );
        }
        d
    } else {
        // DockerConfigJSON, fields in struct order, empty ones omitted.
        let mut entry = String::from("{");
        let mut fields = Vec::new();
        let mut push = |k: &str, v: &str| {
            if !v.is_empty() {
                let mut s = String::new();
                crate::yaml::write_json_string(&mut s, v);
                fields.push(format!("\"{k}\":{s}"));
            }
        };
        push("username", user);
        push("password", pass);
        push("email", p.str_or_empty("docker-email"));
        push("auth", &base64_encode(format!("{user}:{pass}").as_bytes()));
        entry.push_str(&fields.join(","));
        entry.push('}');
        let mut key = String::new();
        crate::yaml::write_json_string(&mut key, server);
        let json = format!("{{\"auths\":{{{key}:{entry}}}}}");
        vec![(".dockerconfigjson".to_string(), json.into_bytes())]
    };
    let s = secret(ctx, &name, "kubernetes.io/dockerconfigjson", data)?;
    finish(ctx, p, s, "created", Some("failed to create secret "))
}

/// `kubectl run`.
pub(crate) fn run(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    let Some(name) = p.args.first().cloned() else {
        return Err(Fail::usage("kubectl run", "NAME is required for run"));
    };
    let Some(image) = p.str("image").filter(|i| !i.is_empty()) else {
        return Err(Fail::error("required flag(s) \"image\" not set"));
    };
    let restart = p.str("restart").unwrap_or("Always");
    if !matches!(restart, "Always" | "OnFailure" | "Never") {
        return Err(Fail::error(format!("invalid restart policy: {restart}")));
    }
    let labels = match p.str("labels") {
        Some(l) => {
            let mut m = Value::object();
            for pair in l.split(',') {
                let Some((k, v)) = pair.split_once('=') else {
                    return Err(Fail::error(format!("invalid label spec: {pair}")));
                };
                m.set(k, Value::str(v));
            }
            m
        }
        None => Value::from_pairs([("run", Value::from(name.clone()))]),
    };
    let mut c = Value::from_pairs([
        ("image", Value::str(image)),
        ("name", Value::from(name.clone())),
        ("resources", Value::object()),
    ]);
    let rest: Vec<Value> = p.args[1..].iter().map(|s| Value::from(s.clone())).collect();
    if !rest.is_empty() {
        c.set(
            if p.bool("command") { "command" } else { "args" },
            Value::array(rest),
        );
    }
    let env = env_flag(p);
    if !env.is_empty() {
        c.set("env", Value::array(env));
    }
    if let Some(port) = p.str("port") {
        let n: i64 = port
            .parse()
            .map_err(|_| Fail::error(format!("invalid port: {port}")))?;
        c.set(
            "ports",
            Value::array(vec![Value::from_pairs([("containerPort", Value::Int(n))])]),
        );
    }
    if let Some(policy) = p.str("image-pull-policy") {
        c.set("imagePullPolicy", Value::str(policy));
    }
    let stdin = p.bool("stdin");
    if p.bool("tty") && !stdin {
        return Err(Fail::usage(
            "kubectl run",
            "-i/--stdin is required for containers with -t/--tty=true",
        ));
    }
    let attach = p.bool("attach") || stdin;
    if p.bool("rm") && !attach {
        return Err(Fail::error(
            "--rm should only be used for attached containers",
        ));
    }
    if stdin {
        c.set("stdin", Value::Bool(true));
        c.set("stdinOnce", Value::Bool(true));
        if p.bool("tty") {
            c.set("tty", Value::Bool(true));
        }
    }
    let mut meta = Value::from_pairs([("labels", labels), ("name", Value::from(name.clone()))]);
    for a in p.all("annotations") {
        let (k, v) = a.split_once('=').unwrap_or((a, ""));
        meta.set_at(&["annotations", k], Value::str(v));
    }
    let pod = Value::from_pairs([
        ("apiVersion", Value::str("v1")),
        ("kind", Value::str("Pod")),
        ("metadata", meta),
        (
            "spec",
            Value::from_pairs([
                ("containers", Value::array(vec![c])),
                ("dnsPolicy", Value::str("ClusterFirst")),
                ("restartPolicy", Value::str(restart)),
            ]),
        ),
        ("status", Value::object()),
    ]);
    let pod = with_namespace(ctx, pod);
    if attach && dry_run(ctx, p)?.is_none() {
        let waits = restart != "Always";
        return run_attached(ctx, p, pod, &name, waits);
    }
    finish(ctx, p, pod, "created", None)
}

/// `--env NAME=VALUE` flags as a container's `env` entries.
pub(crate) fn env_flag(p: &Parsed) -> Vec<Value> {
    p.all("env")
        .iter()
        .map(|e| {
            let (k, v) = e.split_once('=').unwrap_or((e, ""));
            Value::from_pairs([("name", Value::str(k)), ("value", Value::str(v))])
        })
        .collect()
}

/// `kubectl run -i [-t] [--rm]`: creates the pod, waits for it to run and
/// attaches. A shell waiting on its input gets an interactive session; a
/// command that ends within a minute is shown whole (then `--rm` deletes
/// the pod); a pod that keeps running is left running, as said.
fn run_attached(
    ctx: &mut Ctx,
    p: &Parsed,
    mut pod: Value,
    name: &str,
    waits: bool,
) -> Result<(), Fail> {
    use crate::kubectl::apply::wait_until;
    let ns = ctx.namespace.clone();
    pod.remove("status");
    pod.set_at(&["metadata", "namespace"], Value::from(ns.clone()));
    ctx.cluster
        .create(pod, &WriteOptions::user())
        .map_err(|e| api_error(&e, None))?;
    let phase = |c: &crate::Cluster| -> String {
        c.store()
            .get_named(crate::cluster::res("Pod"), &ns, name)
            .and_then(|o| o.str_at(&["status", "phase"]))
            .unwrap_or("")
            .to_string()
    };
    let timeout = p
        .duration_ms("pod-running-timeout")
        .unwrap_or(60_000)
        .max(1) as u64;
    if !wait_until(ctx.cluster, timeout, |c| {
        matches!(phase(c).as_str(), "Running" | "Succeeded" | "Failed")
    }) {
        return Err(Fail::error("timed out waiting for the condition"));
    }
    let attached = phase(ctx.cluster) == "Running";
    if attached {
        if !p.bool("quiet") {
            super::terminal::attach_notice(ctx);
        }
        if let Some(shell) = crate::kubelet::interactive_shell(ctx.cluster, &ns, name, name) {
            let process = super::terminal::Process::Pid1 {
                remove: p.bool("rm"),
                run_waits: waits,
            };
            let target = (ns.as_str(), name, name);
            return super::terminal::open(ctx, target, &shell, p.bool("tty"), process);
        }
        wait_until(ctx.cluster, 60_000, |c| phase(c) != "Running");
    }
    let logs = ctx
        .cluster
        .container_logs(&ns, name, None, false)
        .unwrap_or_default();
    ctx.out.out(&logs);
    let final_phase = phase(ctx.cluster);
    if final_phase == "Running" || final_phase == "Pending" {
        ctx.out.err_line(&format!(
            "Kubeplay cannot keep a terminal attached: pod/{name} keeps running{}; see its output with `kubectl logs {name}`, stop it with `kubectl delete pod {name}`",
            if p.bool("rm") { " (so --rm has not deleted it)" } else { "" }
        ));
        return Ok(());
    }
    if attached && p.bool("tty") && !p.bool("quiet") {
        ctx.out
            .line(&super::terminal::reattach_message(name, name, &ns, false));
    }
    after_attach(ctx, &ns, name, p.bool("rm"), true)
}

/// What `kubectl run` does once its attached session ends: `--rm`
/// deletes the pod, and with restartPolicy Never or OnFailure (`waits`)
/// a failed pod's exit code is passed on.
pub(crate) fn after_attach(
    ctx: &mut Ctx,
    ns: &str,
    name: &str,
    remove: bool,
    waits: bool,
) -> Result<(), Fail> {
    use crate::kubectl::apply::wait_until;
    let phase = |c: &crate::Cluster| -> String {
        c.store()
            .get_named(crate::cluster::res("Pod"), ns, name)
            .and_then(|o| o.str_at(&["status", "phase"]))
            .unwrap_or("")
            .to_string()
    };
    if waits {
        wait_until(ctx.cluster, 60_000, |c| phase(c) != "Running");
    }
    let final_phase = phase(ctx.cluster);
    let terminated = ctx
        .cluster
        .store()
        .get_named(crate::cluster::res("Pod"), ns, name)
        .map(|o| {
            o.at(&["status", "containerStatuses"])
                .items()
                .next()
                .map(|s| s.at(&["state", "terminated"]).clone())
        })
        .unwrap_or_default()
        .unwrap_or_default();
    if remove {
        let key = crate::store::ObjectKey::new(crate::cluster::res("Pod"), ns, name);
        ctx.cluster
            .authorize_resource("delete", key.resource, "", ns, name)
            .and_then(|()| {
                ctx.cluster
                    .delete(&key, crate::apiserver::DeleteOptions::default())
            })
            .map_err(|e| api_error(&e, None))?;
        wait_until(ctx.cluster, 60_000, |c| c.store().get(&key).is_none());
        ctx.out
            .line(&format!("pod \"{name}\" deleted from {ns} namespace"));
    }
    if waits && final_phase == "Failed" {
        let code = terminated.get("exitCode").as_i64().unwrap_or(1) as i32;
        ctx.out.exit_code = Some(if code == 0 { 1 } else { code });
        return Err(Fail::raw(format!(
            "pod {ns}/{name} terminated ({})\n{}",
            terminated.get("reason").as_str().unwrap_or("Error"),
            terminated.get("message").as_str().unwrap_or("")
        )));
    }
    Ok(())
}

/// `kubectl expose`.
pub(crate) fn expose(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    let resolved = resources::resolve(&p.args)?;
    let Some(resources::Target::Named(rid, name)) = resolved.targets.first().cloned() else {
        return Err(Fail::usage("kubectl expose", resources::NO_RESOURCES));
    };
    let kind = rid.get().kind;
    if !matches!(
        kind,
        "Pod" | "Service" | "ReplicationController" | "Deployment" | "ReplicaSet"
    ) {
        return Err(Fail::error(format!(
            "cannot expose a {}",
            rid.get().group_kind()
        )));
    }
    let ns = ctx.namespace.clone();
    let target = resources::get(ctx.cluster, rid, &ns, &name).map_err(|e| Fail::status(&e))?;
    let selector = match p.str("selector") {
        Some(s) => {
            let mut m = Value::object();
            for pair in s.split(',') {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                m.set(k, Value::str(v));
            }
            m
        }
        None => match kind {
            "Pod" => target.at(&["metadata", "labels"]).clone(),
            "Service" | "ReplicationController" => target.at(&["spec", "selector"]).clone(),
            _ => {
                let sel = target.at(&["spec", "selector"]);
                if sel.get("matchExpressions").items().next().is_some() {
                    return Err(Fail::error(format!(
                        "couldn't retrieve selectors via --selector flag or introspection: the {} has match expressions; expose by label selector instead",
                        kind.to_ascii_lowercase()
                    )));
                }
                sel.get("matchLabels").clone()
            }
        },
    };
    if selector.is_empty() {
        return Err(Fail::error(
            "couldn't retrieve selectors via --selector flag or introspection: the object has no labels to select on",
        ));
    }
    let protocol = p.str("protocol").unwrap_or("TCP").to_string();
    let container_ports: Vec<Value> = match kind {
        "Pod" => target
            .at(&["spec", "containers"])
            .items()
            .flat_map(|c| c.get("ports").items().cloned())
            .collect(),
        "Service" => Vec::new(),
        _ => target
            .at(&["spec", "template", "spec", "containers"])
            .items()
            .flat_map(|c| c.get("ports").items().cloned())
            .collect(),
    };
    let mut ports: Vec<(i64, String)> = Vec::new();
    match p.str("port") {
        Some(port) => {
            let n: i64 = port
                .parse()
                .map_err(|_| Fail::error(format!("invalid port: {port}")))?;
            ports.push((n, protocol.clone()));
        }
        None => {
            if kind == "Service" {
                for sp in target.at(&["spec", "ports"]).items() {
                    ports.push((
                        sp.get("port").as_i64().unwrap_or(0),
                        sp.get("protocol").as_str().unwrap_or("TCP").to_string(),
                    ));
                }
            } else {
                for cp in &container_ports {
                    ports.push((
                        cp.get("containerPort").as_i64().unwrap_or(0),
                        cp.get("protocol").as_str().unwrap_or("TCP").to_string(),
                    ));
                }
            }
        }
    }
    if ports.is_empty() {
        return Err(Fail::error(
            "couldn't find port via --port flag or introspection",
        ));
    }
    let many = ports.len() > 1;
    let svc_ports: Vec<Value> = ports
        .iter()
        .enumerate()
        .map(|(i, (port, proto))| {
            let mut sp = Value::object();
            if many {
                sp.set("name", Value::from(format!("port-{}", i + 1)));
            }
            sp.set("port", Value::Int(*port));
            sp.set("protocol", Value::from(proto.clone()));
            let target_port = match p.str("target-port") {
                Some(t) => match t.parse::<i64>() {
                    Ok(n) => Value::Int(n),
                    Err(_) => Value::str(t),
                },
                None => Value::Int(*port),
            };
            sp.set("targetPort", target_port);
            sp
        })
        .collect();
    let svc_name = p.str("name").unwrap_or(&name).to_string();
    let mut meta = Value::from_pairs([("name", Value::from(svc_name))]);
    let labels = target.at(&["metadata", "labels"]);
    if !labels.is_empty() {
        meta.set("labels", labels.clone());
    }
    let mut spec = Value::from_pairs([("ports", Value::array(svc_ports)), ("selector", selector)]);
    if let Some(t) = p.str("type") {
        spec.set("type", Value::str(t));
    }
    if let Some(ip) = p.str("cluster-ip") {
        spec.set("clusterIP", Value::str(ip));
    }
    if let Some(ip) = p.str("external-ip") {
        spec.set("externalIPs", Value::array(vec![Value::str(ip)]));
    }
    if let Some(a) = p.str("session-affinity") {
        spec.set("sessionAffinity", Value::str(a));
    }
    let svc = Value::from_pairs([
        ("apiVersion", Value::str("v1")),
        ("kind", Value::str("Service")),
        ("metadata", meta),
        ("spec", spec),
        (
            "status",
            Value::from_pairs([("loadBalancer", Value::object())]),
        ),
    ]);
    let svc = with_namespace(ctx, svc);
    finish(ctx, p, svc, "exposed", None)
}

/// `kubectl autoscale`: an autoscaling/v2 HorizontalPodAutoscaler for each
/// named Deployment, ReplicaSet, StatefulSet or ReplicationController.
pub(crate) fn autoscale(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    // pflag warns as it parses the flag.
    if p.str("cpu-percent").is_some() {
        ctx.out.err_line("Flag --cpu-percent has been deprecated, Use --cpu with percentage or resource quantity format (e.g., '70%' for utilization or '500m' for milliCPU).");
    }
    if p.str("max").is_none() {
        return Err(Fail::error("required flag(s) \"max\" not set"));
    }
    // `Validate`.
    let max = p.int("max").unwrap_or(-1);
    let min = p.int("min").unwrap_or(-1);
    if max < 1 {
        return Err(Fail::error(format!(
            "--max=MAXPODS is required and must be at least 1, max: {max}"
        )));
    }
    if max < min {
        return Err(Fail::error(format!(
            "--max=MAXPODS must be larger or equal to --min=MINPODS, max: {max}, min: {min}"
        )));
    }
    let cpu_percent = p.int("cpu-percent").unwrap_or(-1);
    if cpu_percent > 0 && p.str("cpu").is_some_and(|c| !c.is_empty()) {
        return Err(Fail::error(
            "--cpu-percent and --cpu are mutually exclusive",
        ));
    }
    // `parseResourceInput`: a percentage is a utilization target, a
    // quantity (a bare number in m or Mi) an average value.
    let target_of = |resource: &str, text: &str| -> Result<Value, Fail> {
        if let Some(pct) = text.strip_suffix('%') {
            let n: i64 = pct
                .parse()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| Fail::error(format!("invalid percentage value: {pct}")))?;
            return Ok(Value::from_pairs([
                ("averageUtilization", Value::Int(n)),
                ("type", Value::str("Utilization")),
            ]));
        }
        let invalid = || Fail::error(format!("invalid resource {resource} value: {text}"));
        let quantity = match crate::num::parse_f64(text) {
            Some(v) => {
                let unit = if resource == "cpu" { "m" } else { "Mi" };
                Quantity::parse(&format!("{}{unit}", go_g(v)))
            }
            None => Quantity::parse(text),
        }
        .map_err(|_| invalid())?;
        Ok(Value::from_pairs([
            ("averageValue", Value::from(quantity.to_string())),
            ("type", Value::str("AverageValue")),
        ]))
    };
    let metric = |resource: &str, target: Value| {
        Value::from_pairs([
            (
                "resource",
                Value::from_pairs([("name", Value::str(resource)), ("target", target)]),
            ),
            ("type", Value::str("Resource")),
        ])
    };
    let mut metrics = Vec::new();
    if cpu_percent > 0 {
        metrics.push(metric(
            "cpu",
            Value::from_pairs([
                ("averageUtilization", Value::Int(cpu_percent)),
                ("type", Value::str("Utilization")),
            ]),
        ));
    } else if let Some(cpu) = p.str("cpu").filter(|c| !c.is_empty()) {
        metrics.push(metric("cpu", target_of("cpu", cpu)?));
    }
    if let Some(memory) = p.str("memory").filter(|m| !m.is_empty()) {
        metrics.push(metric("memory", target_of("memory", memory)?));
    }
    let resolved = resources::resolve(&p.args)?;
    if resolved.targets.is_empty() {
        return Err(Fail::error("no objects passed to autoscale"));
    }
    let ns = ctx.namespace.clone();
    for t in resolved.targets {
        let resources::Target::Named(rid, name) = t else {
            return Err(Fail::error("no objects passed to autoscale"));
        };
        let target = resources::get(ctx.cluster, rid, &ns, &name).map_err(|e| Fail::status(&e))?;
        let kind = rid.get().kind;
        if !matches!(
            kind,
            "Deployment" | "ReplicaSet" | "StatefulSet" | "ReplicationController"
        ) {
            let rt = rid.get();
            return Err(Fail::error(format!(
                "cannot autoscale a {kind}: could not find scale subresource for {}/{}, Resource={} in discovery information",
                rt.group, rt.version, rt.plural
            )));
        }
        let mut spec = Value::from_pairs([("maxReplicas", Value::Int(max))]);
        if !metrics.is_empty() {
            spec.set("metrics", Value::array(metrics.clone()));
        }
        if min > 0 {
            spec.set("minReplicas", Value::Int(min));
        }
        spec.set(
            "scaleTargetRef",
            Value::from_pairs([
                ("apiVersion", target.get("apiVersion").clone()),
                ("kind", Value::str(kind)),
                ("name", Value::from(name.clone())),
            ]),
        );
        let hpa_name = p.str("name").unwrap_or(&name).to_string();
        let hpa = Value::from_pairs([
            ("apiVersion", Value::str("autoscaling/v2")),
            ("kind", Value::str("HorizontalPodAutoscaler")),
            (
                "metadata",
                Value::from_pairs([("name", Value::from(hpa_name))]),
            ),
            ("spec", spec),
            (
                "status",
                Value::from_pairs([
                    ("currentMetrics", Value::Null),
                    ("desiredReplicas", Value::Int(0)),
                ]),
            ),
        ]);
        let hpa = with_namespace(ctx, hpa);
        let operation = if dry_run(ctx, p)?.is_some() {
            "created"
        } else {
            "autoscaled"
        };
        finish(ctx, p, hpa, operation, None)?;
    }
    Ok(())
}

/// Go's `%g` of a float64: the shortest form, with an exponent (`1e-05`,
/// `1e+21`) outside 1e-4 ≤ |v| < 1e21.
fn go_g(v: f64) -> String {
    let a = v.abs();
    if v == 0.0 || (1e-4..1e21).contains(&a) {
        return format!("{v}");
    }
    let e = format!("{v:e}");
    let (mantissa, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let n: i32 = exp.parse().unwrap_or(0);
    let sign = if n < 0 { '-' } else { '+' };
    format!("{mantissa}e{sign}{:02}", n.abs())
}

/// The one-container pod template of `kubectl create job|cronjob`.
fn single_container_template(name: &str, image: &str, command: &[String], restart: &str) -> Value {
    let mut container = Value::from_pairs([
        ("image", Value::str(image)),
        ("name", Value::str(name)),
        ("resources", Value::object()),
    ]);
    if !command.is_empty() {
        container.set(
            "command",
            Value::array(command.iter().map(|s| Value::from(s.clone())).collect()),
        );
    }
    Value::from_pairs([
        ("metadata", Value::object()),
        (
            "spec",
            Value::from_pairs([
                ("containers", Value::array(vec![container])),
                ("restartPolicy", Value::str(restart)),
            ]),
        ),
    ])
}

/// `kubectl create job`: from an image and command, or `--from=cronjob/NAME`.
pub(crate) fn job(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    let name = name_arg(ctx, p)?;
    let image = p.str_or_empty("image").to_string();
    let from = p.str_or_empty("from").to_string();
    if image.is_empty() == from.is_empty() {
        return Err(Fail::error("either --image or --from must be specified"));
    }
    let command: Vec<String> = p.args[1..].to_vec();
    if !command.is_empty() && !from.is_empty() {
        return Err(Fail::error("cannot specify --from and command"));
    }
    let job = if from.is_empty() {
        Value::from_pairs([
            ("apiVersion", Value::str("batch/v1")),
            ("kind", Value::str("Job")),
            (
                "metadata",
                Value::from_pairs([("name", Value::from(name.clone()))]),
            ),
            (
                "spec",
                Value::from_pairs([(
                    "template",
                    single_container_template(&name, &image, &command, "Never"),
                )]),
            ),
            ("status", Value::object()),
        ])
    } else {
        let Some((kind, source)) = from.split_once('/') else {
            return Err(Fail::error("from must be an existing cronjob"));
        };
        let rid = resources::lookup_type(kind)?;
        let ns = ctx.namespace.clone();
        let cronjob =
            resources::get(ctx.cluster, rid, &ns, source).map_err(|e| Fail::status(&e))?;
        if rid.get().kind != "CronJob" {
            return Err(Fail::error(format!(
                "unknown object type *{}.{}",
                rid.get().version,
                rid.get().kind
            )));
        }
        let template = cronjob.at(&["spec", "jobTemplate"]);
        // `createJobFromCronJob`: marked as started by hand, owned by the CronJob.
        let mut annotations =
            Value::from_pairs([("cronjob.kubernetes.io/instantiate", Value::str("manual"))]);
        for (k, v) in template.at(&["metadata", "annotations"]).members() {
            annotations.set(k, v.clone());
        }
        let mut meta = Value::from_pairs([
            ("annotations", annotations),
            ("name", Value::from(name.clone())),
            (
                "ownerReferences",
                Value::array(vec![Value::from_pairs([
                    ("apiVersion", Value::str("batch/v1")),
                    ("controller", Value::Bool(true)),
                    ("kind", Value::str("CronJob")),
                    ("name", cronjob.at(&["metadata", "name"]).clone()),
                    ("uid", cronjob.at(&["metadata", "uid"]).clone()),
                ])]),
            ),
        ]);
        let labels = template.at(&["metadata", "labels"]);
        if !labels.is_empty() {
            meta.set("labels", labels.clone());
        }
        Value::from_pairs([
            ("apiVersion", Value::str("batch/v1")),
            ("kind", Value::str("Job")),
            ("metadata", meta),
            ("spec", template.get("spec").clone()),
            ("status", Value::object()),
        ])
    };
    let job = with_namespace(ctx, job);
    finish(ctx, p, job, "created", Some("failed to create job: "))
}

/// `kubectl create cronjob`.
pub(crate) fn cronjob(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    // Cobra checks required flags before the command runs.
    let missing: Vec<String> = ["image", "schedule"]
        .iter()
        .filter(|f| !p.changed(f))
        .map(|f| format!("\"{f}\""))
        .collect();
    if !missing.is_empty() {
        return Err(Fail::error(format!(
            "required flag(s) {} not set",
            missing.join(", ")
        )));
    }
    let name = name_arg(ctx, p)?;
    let image = p.str_or_empty("image").to_string();
    let schedule = p.str_or_empty("schedule").to_string();
    let restart = match p.str_or_empty("restart") {
        "" => "OnFailure",
        r => r,
    };
    let command: Vec<String> = p.args[1..].to_vec();
    let template = single_container_template(&name, &image, &command, restart);
    let cronjob = Value::from_pairs([
        ("apiVersion", Value::str("batch/v1")),
        ("kind", Value::str("CronJob")),
        (
            "metadata",
            Value::from_pairs([("name", Value::from(name.clone()))]),
        ),
        (
            "spec",
            Value::from_pairs([
                (
                    "jobTemplate",
                    Value::from_pairs([
                        ("metadata", Value::from_pairs([("name", Value::from(name))])),
                        ("spec", Value::from_pairs([("template", template)])),
                    ]),
                ),
                ("schedule", Value::from(schedule)),
            ]),
        ),
        ("status", Value::object()),
    ]);
    let cronjob = with_namespace(ctx, cronjob);
    finish(
        ctx,
        p,
        cronjob,
        "created",
        Some("failed to create cronjob: "),
    )
}

// ------------------------------------------------------------------ RBAC

/// The verbs `kubectl create role` knows (`validResourceVerbs`).
const VALID_RESOURCE_VERBS: &[&str] = &[
    "*",
    "get",
    "delete",
    "list",
    "create",
    "update",
    "patch",
    "watch",
    "proxy",
    "deletecollection",
    "use",
    "bind",
    "escalate",
    "impersonate",
];

/// The verbs a non-resource URL rule may have (`validNonResourceVerbs`).
const VALID_NON_RESOURCE_VERBS: &[&str] = &[
    "*", "get", "post", "put", "delete", "patch", "head", "options",
];

/// Verbs that only apply to some resources (`specialVerbs`).
fn special_verb_targets(verb: &str) -> Option<&'static [(&'static str, &'static str)]> {
    const RBAC: &str = "rbac.authorization.k8s.io";
    match verb {
        "use" => Some(&[
            ("policy", "podsecuritypolicies"),
            ("extensions", "podsecuritypolicies"),
        ]),
        "bind" | "escalate" => Some(&[(RBAC, "roles"), (RBAC, "clusterroles")]),
        "impersonate" => Some(&[
            ("", "users"),
            ("", "serviceaccounts"),
            ("", "groups"),
            ("authentication.k8s.io", "userextras"),
        ]),
        _ => None,
    }
}

/// A `--resource` value: `pods`, `deployments.apps`, `pods/log`.
struct ResourceArg {
    resource: String,
    group: String,
    subresource: String,
}

/// Appends `item` unless it is there already (kubectl's `arrayContains`).
fn push_unique(list: &mut Vec<String>, item: &str) {
    if !list.iter().any(|i| i == item) {
        list.push(item.to_string());
    }
}

/// The resource and group the RESTMapper resolves a `--resource` to, or
/// the value as given when it knows none.
fn map_resource(r: &ResourceArg) -> Result<(String, String), String> {
    let lookup = if r.group.is_empty() {
        r.resource.clone()
    } else {
        format!("{}.{}", r.resource, r.group)
    };
    match crate::api::registry::lookup_resource(&lookup) {
        Some(rid) if r.group.is_empty() || rid.get().group == r.group => {
            Ok((rid.get().plural.to_string(), rid.get().group.to_string()))
        }
        // kubectl's CheckErr prints a RESTMapper miss without `error: `.
        _ if r.group.is_empty() => Err(format!(
            "the server doesn't have a resource type \"{}\"",
            r.resource
        )),
        _ => Err(format!(
            "the server doesn't have a resource type \"{}\" in group \"{}\"",
            r.resource, r.group
        )),
    }
}

/// The rules `kubectl create role` and `create clusterrole` generate: the
/// verbs, names and URLs de-duplicated, one rule per API group in order.
struct RoleArgs {
    verbs: Vec<String>,
    resources: Vec<ResourceArg>,
    resource_names: Vec<String>,
}

fn role_args(p: &Parsed) -> RoleArgs {
    let mut verbs = Vec::new();
    for v in p.all("verb") {
        if v == "*" {
            verbs = vec!["*".to_string()];
            break;
        }
        push_unique(&mut verbs, v);
    }
    let mut resources = Vec::new();
    for r in p.all("resource") {
        let (base, subresource) = r.split_once('/').unwrap_or((r, ""));
        let (resource, group) = base.split_once('.').unwrap_or((base, ""));
        let arg = ResourceArg {
            resource: resource.to_string(),
            group: group.to_string(),
            subresource: subresource.to_string(),
        };
        if resource == "*" && group.is_empty() && subresource.is_empty() && !base.contains('.') {
            resources = vec![arg];
            break;
        }
        resources.push(arg);
    }
    let mut resource_names = Vec::new();
    for n in p.all("resource-name") {
        push_unique(&mut resource_names, n);
    }
    RoleArgs {
        verbs,
        resources,
        resource_names,
    }
}

/// `validateResource`: every resource known (or `*`), and special verbs
/// only on the resources they apply to.
fn validate_role_resources(args: &RoleArgs) -> Result<(), Fail> {
    for r in &args.resources {
        if r.resource.is_empty() {
            return Err(Fail::error(
                "resource must be specified if apiGroup/subresource specified",
            ));
        }
        if r.resource == "*" {
            return Ok(());
        }
        let mapped = map_resource(r);
        let (resource, group) = mapped
            .clone()
            .unwrap_or_else(|_| (r.resource.clone(), r.group.clone()));
        let mut special_match = false;
        for v in &args.verbs {
            if let Some(targets) = special_verb_targets(v) {
                if !targets
                    .iter()
                    .any(|(g, res)| *g == group && *res == resource)
                {
                    return Err(Fail::error(format!(
                        "can not perform '{v}' on '{resource}' in group '{group}'"
                    )));
                }
                special_match = true;
            }
        }
        if !special_match && let Err(e) = mapped {
            return Err(Fail::raw(e));
        }
    }
    Ok(())
}

/// `generateResourcePolicyRules`.
fn policy_rules(args: &RoleArgs, non_resource_urls: &[String]) -> Vec<Value> {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for r in &args.resources {
        let (mut resource, group) =
            map_resource(r).unwrap_or_else(|_| (r.resource.clone(), r.group.clone()));
        if !r.subresource.is_empty() {
            resource = format!("{resource}/{}", r.subresource);
        }
        match groups.iter_mut().find(|(g, _)| *g == group) {
            Some((_, list)) => push_unique(list, &resource),
            None => groups.push((group, vec![resource])),
        }
    }
    groups.compact_sort_by(|a, b| a.0.cmp(&b.0));
    let strs = |list: &[String]| Value::array(list.iter().map(|s| Value::str(s)).collect());
    let mut rules = Vec::new();
    for (group, resources) in groups {
        let mut rule = Value::object();
        rule.set("verbs", strs(&args.verbs));
        rule.set("apiGroups", Value::array(vec![Value::from(group)]));
        rule.set("resources", strs(&resources));
        if !args.resource_names.is_empty() {
            rule.set("resourceNames", strs(&args.resource_names));
        }
        rules.push(rule);
    }
    if !non_resource_urls.is_empty() {
        let mut rule = Value::object();
        rule.set("verbs", strs(&args.verbs));
        rule.set("nonResourceURLs", strs(non_resource_urls));
        rules.push(rule);
    }
    rules
}

/// Warns about verbs outside `validResourceVerbs`, as kubectl does.
fn warn_unknown_verbs(ctx: &mut Ctx, verbs: &[String]) {
    for v in verbs {
        if !VALID_RESOURCE_VERBS.contains(&v.as_str()) {
            ctx.out
                .err_line(&format!("Warning: '{v}' is not a standard resource verb"));
        }
    }
}

fn rbac_object(kind: &str, name: String) -> Value {
    Value::from_pairs([
        ("apiVersion", Value::str("rbac.authorization.k8s.io/v1")),
        ("kind", Value::str(kind)),
        ("metadata", Value::from_pairs([("name", Value::from(name))])),
    ])
}

/// `kubectl create role`.
pub(crate) fn role(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    let name = name_arg(ctx, p)?;
    let args = role_args(p);
    if args.verbs.is_empty() {
        return Err(Fail::error("at least one verb must be specified"));
    }
    warn_unknown_verbs(ctx, &args.verbs);
    if args.resources.is_empty() {
        return Err(Fail::error("at least one resource must be specified"));
    }
    validate_role_resources(&args)?;
    let mut role = rbac_object("Role", name);
    role.set("rules", Value::array(policy_rules(&args, &[])));
    let role = with_namespace(ctx, role);
    finish(ctx, p, role, "created", None)
}

/// `kubectl create clusterrole`.
pub(crate) fn clusterrole(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    let name = name_arg(ctx, p)?;
    let args = role_args(p);
    let mut urls = Vec::new();
    for u in p.all("non-resource-url") {
        push_unique(&mut urls, u);
    }
    let aggregation = p.str_or_empty("aggregation-rule");
    let mut role = rbac_object("ClusterRole", name);
    if !aggregation.is_empty() {
        if !urls.is_empty()
            || !args.verbs.is_empty()
            || !args.resources.is_empty()
            || !args.resource_names.is_empty()
        {
            return Err(Fail::error(
                "aggregation rule must be specified without nonResourceURLs, verbs, resources or resourceNames",
            ));
        }
        // cliflag.MapStringString: pairs from every use of the flag, empty
        // ones skipped, keys and values trimmed.
        let mut labels = Value::object();
        for given in p.all("aggregation-rule") {
            for pair in given.split(',').filter(|s| !s.trim().is_empty()) {
                let Some((k, v)) = pair.split_once('=') else {
                    return Err(Fail::raw(format!(
                        "Error: invalid argument \"{given}\" for \"--aggregation-rule\" flag: malformed pair, expect string=string\nSee '{} --help' for usage.",
                        ctx.path
                    )));
                };
                labels.set(k.trim(), Value::str(v.trim()));
            }
        }
        role.set(
            "aggregationRule",
            Value::from_pairs([(
                "clusterRoleSelectors",
                Value::array(vec![Value::from_pairs([("matchLabels", labels)])]),
            )]),
        );
        // Go's `rules` has no omitempty: nil prints as null.
        role.set("rules", Value::Null);
        return finish(ctx, p, role, "created", None);
    }
    if args.verbs.is_empty() {
        return Err(Fail::error("at least one verb must be specified"));
    }
    if args.resources.is_empty() && urls.is_empty() {
        return Err(Fail::error(
            "one of resource or nonResourceURL must be specified",
        ));
    }
    if !args.resources.is_empty() {
        warn_unknown_verbs(ctx, &args.verbs);
        validate_role_resources(&args)?;
    }
    if !urls.is_empty() {
        for v in &args.verbs {
            if !VALID_NON_RESOURCE_VERBS.contains(&v.as_str()) {
                return Err(Fail::error(format!(
                    "invalid verb: '{v}' for nonResourceURL"
                )));
            }
        }
        for u in &urls {
            if u == "*" {
                continue;
            }
            if !u.starts_with('/') {
                return Err(Fail::error("nonResourceURL should start with /"));
            }
            // Go slices bytes: a `*` anywhere but the last byte.
            if u.bytes().rev().skip(1).any(|b| b == b'*') {
                return Err(Fail::error(
                    "nonResourceURL only supports wildcard matches when '*' is at the end",
                ));
            }
        }
    }
    role.set("rules", Value::array(policy_rules(&args, &urls)));
    finish(ctx, p, role, "created", None)
}

/// The subjects of `create rolebinding` and `create clusterrolebinding`.
fn binding_subjects(p: &Parsed) -> Result<Value, Fail> {
    let mut subjects = Vec::new();
    for (flag, kind) in [("user", "User"), ("group", "Group")] {
        for name in p.all(flag) {
            subjects.push(Value::from_pairs([
                ("kind", Value::str(kind)),
                (
                    "apiGroup",
                    Value::str(crate::api::validation::rbac::RBAC_GROUP),
                ),
                ("name", Value::str(name)),
            ]));
        }
    }
    for sa in p.all("serviceaccount") {
        let tokens: Vec<&str> = sa.split(':').collect();
        let [ns, name] = tokens[..] else {
            return Err(Fail::error("serviceaccount must be <namespace>:<name>"));
        };
        if ns.is_empty() || name.is_empty() {
            return Err(Fail::error("serviceaccount must be <namespace>:<name>"));
        }
        subjects.push(Value::from_pairs([
            ("kind", Value::str("ServiceAccount")),
            ("namespace", Value::str(ns)),
            ("name", Value::str(name)),
        ]));
    }
    Ok(if subjects.is_empty() {
        Value::Null
    } else {
        Value::array(subjects)
    })
}

fn role_ref(kind: &str, name: &str) -> Value {
    Value::from_pairs([
        (
            "apiGroup",
            Value::str(crate::api::validation::rbac::RBAC_GROUP),
        ),
        ("kind", Value::str(kind)),
        ("name", Value::str(name)),
    ])
}

/// `kubectl create rolebinding`.
pub(crate) fn rolebinding(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    let name = name_arg(ctx, p)?;
    let role = p.str_or_empty("role");
    let cluster_role = p.str_or_empty("clusterrole");
    if role.is_empty() == cluster_role.is_empty() {
        return Err(Fail::error(
            "exactly one of clusterrole or role must be specified",
        ));
    }
    let mut binding = rbac_object("RoleBinding", name);
    binding.set(
        "roleRef",
        if role.is_empty() {
            role_ref("ClusterRole", cluster_role)
        } else {
            role_ref("Role", role)
        },
    );
    let subjects = binding_subjects(p)?;
    if !subjects.is_null() {
        binding.set("subjects", subjects);
    }
    let binding = with_namespace(ctx, binding);
    finish(
        ctx,
        p,
        binding,
        "created",
        Some("failed to create rolebinding: "),
    )
}

/// `kubectl create clusterrolebinding`.
pub(crate) fn clusterrolebinding(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    // Cobra checks required flags before the command runs.
    let Some(cluster_role) = p.str("clusterrole") else {
        return Err(Fail::error("required flag(s) \"clusterrole\" not set"));
    };
    let name = name_arg(ctx, p)?;
    let mut binding = rbac_object("ClusterRoleBinding", name);
    binding.set("roleRef", role_ref("ClusterRole", cluster_role));
    let subjects = binding_subjects(p)?;
    if !subjects.is_null() {
        binding.set("subjects", subjects);
    }
    finish(
        ctx,
        p,
        binding,
        "created",
        Some("failed to create clusterrolebinding: "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ingress_rules_match_kubectls_unanchored_regex() {
        for ok in [
            "foo.com/bar=svc1:8080,tls=my-cert",
            "/path=svc:port",
            "*.foo.com/**=svc:0",
            "foo.com/=svc:80!!",
            "foo.com/a=b=svc:80",
            "foo.com/a,b=svc:80",
            "foo.com/=svc:80,tls=a.b",
        ] {
            assert!(ingress_rule_matches(ok), "{ok}");
        }
        for bad in [
            "",
            "foo.com=svc:80",
            "foo.com/=svc",
            "foo.com/=svc.ns:80",
            "foo.com:8080/=svc:80",
            "foo.com/path,svc:8080",
            "foo.com/a\n=svc:80",
            "foo.com/=svc:!",
        ] {
            assert!(!ingress_rule_matches(bad), "{bad:?}");
        }
    }

    #[test]
    fn base64_round_trips() {
        assert_eq!(base64_encode(b"admin"), "YWRtaW4=");
        assert_eq!(base64_encode(b"password"), "cGFzc3dvcmQ=");
        assert_eq!(base64_encode(b""), "");
        assert_eq!(base64_encode(b"abc"), "YWJj");
    }
}
