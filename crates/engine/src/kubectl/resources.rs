//! What cli-runtime's resource builder does for kubectl: turning `TYPE`,
//! `TYPE NAME…`, `TYPE/NAME…`, `pods,svc` and `all` into requests, reading
//! `-f` files, and fetching objects (events come from the event log).

use crate::api::errors::StatusError;
use crate::api::registry::{ResourceId, lookup_resource};
use crate::cluster::{Cluster, res};
use crate::kubectl::{Ctx, Fail, FileError};
use crate::sort::CompactSort;
use crate::value::Value;

/// One request the builder makes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// List every object of a type (filtered by selectors).
    List(ResourceId),
    /// Get one object by name.
    Named(ResourceId, String),
}

/// The resolved arguments.
#[derive(Clone, Debug, Default)]
pub(crate) struct Resolved {
    /// Requests in order.
    pub targets: Vec<Target>,
    /// True when exactly one object was named (`get pod x`, `get pod/x`).
    pub single_item_implied: bool,
}

/// Resolves one resource type name (`po`, `deployments.apps`, `Pod`).
pub(crate) fn lookup_type(name: &str) -> Result<ResourceId, Fail> {
    lookup_resource(name).ok_or_else(|| {
        // A resource real clusters serve: said plainly, not denied.
        if let Some(r) = crate::apiserver::discovery::unserved(name) {
            let full = if r.group.is_empty() {
                r.plural.to_string()
            } else {
                format!("{}.{}", r.plural, r.group)
            };
            return Fail::error(format!(
                "Kubeplay does not serve {full}: a real cluster does (kubectl api-resources lists it), but here nothing stores it"
            ));
        }
        let resource = name.split('.').next().unwrap_or(name);
        Fail::error(format!(
            "the server doesn't have a resource type \"{resource}\""
        ))
    })
}

/// Expands a comma-separated type list (`pods,svc`, `all`), dropping repeats.
pub(crate) fn expand_types(list: &str) -> Result<Vec<ResourceId>, Fail> {
    let mut out: Vec<ResourceId> = Vec::new();
    for t in list.split(',') {
        if t.is_empty() {
            continue;
        }
        let ids: Vec<ResourceId> = if t == "all" {
            // The `all` category, in discovery order.
            crate::apiserver::discovery::resources()
                .iter()
                .filter(|r| r.categories() == "all")
                .map(|r| res(r.kind))
                .collect()
        } else {
            vec![lookup_type(t)?]
        };
        for id in ids {
            if !out.contains(&id) {
                out.push(id);
            }
        }
    }
    Ok(out)
}

/// `ResourceTypeOrNameArgs`: the positional arguments of get, describe,
/// delete, label, … as requests.
pub(crate) fn resolve(args: &[String]) -> Result<Resolved, Fail> {
    if args.is_empty() {
        return Ok(Resolved::default());
    }
    let slashes = args.iter().filter(|a| a.contains('/')).count();
    if slashes > 0 && slashes != args.len() {
        return Err(Fail::error(
            "there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'",
        ));
    }
    if slashes > 0 {
        let mut targets = Vec::new();
        for a in args {
            let (t, n) = a.split_once('/').expect("counted above");
            if t.is_empty() || n.is_empty() || n.contains('/') {
                return Err(Fail::error(
                    "arguments in resource/name form must have a single resource and name",
                ));
            }
            let ids = expand_types(t)?;
            if ids.len() != 1 || t == "all" {
                return Err(Fail::error(
                    "arguments in resource/name form must have a single resource and name",
                ));
            }
            targets.push(Target::Named(ids[0], n.to_string()));
        }
        return Ok(Resolved {
            single_item_implied: targets.len() == 1,
            targets,
        });
    }
    let types = expand_types(&args[0])?;
    if types.is_empty() {
        return Err(Fail::error(format!(
            "the server doesn't have a resource type \"{}\"",
            args[0]
        )));
    }
    let names = &args[1..];
    if names.is_empty() {
        return Ok(Resolved {
            targets: types.into_iter().map(Target::List).collect(),
            single_item_implied: false,
        });
    }
    if types.len() > 1 {
        return Err(Fail::error("you must specify only one resource"));
    }
    let mut targets = Vec::new();
    let mut seen = Vec::new();
    for n in names {
        if !seen.contains(n) {
            seen.push(n.clone());
            targets.push(Target::Named(types[0], n.clone()));
        }
    }
    Ok(Resolved {
        single_item_implied: names.len() == 1,
        targets,
    })
}

/// Every Event object (recorded events are kept outside the store).
fn event_objects(cluster: &Cluster, namespace: Option<&str>) -> Vec<Value> {
    let events: Vec<Value> = cluster
        .events
        .records()
        .iter()
        .map(|r| r.to_value())
        .filter(|e| namespace.is_none_or(|ns| e.str_at(&["metadata", "namespace"]) == Some(ns)))
        .collect();
    // The API server lists in etcd's key order: `<namespace>/<name>` as
    // bytes (so `a-b/x` comes before `a/x`).
    let mut keyed: Vec<(String, Value)> = events
        .into_iter()
        .map(|v| {
            let key = format!(
                "{}/{}",
                v.str_at(&["metadata", "namespace"]).unwrap_or(""),
                v.str_at(&["metadata", "name"]).unwrap_or("")
            );
            (key, v)
        })
        .collect();
    keyed.compact_sort_by(|a, b| a.0.cmp(&b.0));
    keyed.into_iter().map(|(_, v)| v).collect()
}

/// The objects of a type in one namespace (`Some`) or all (`None`);
/// cluster-scoped types ignore the namespace. The list request is
/// authorized for the command's user.
pub(crate) fn list(
    cluster: &Cluster,
    rid: ResourceId,
    namespace: Option<&str>,
) -> Result<Vec<Value>, StatusError> {
    let ns = if rid.get().namespaced {
        namespace
    } else {
        None
    };
    cluster.authorize_resource("list", rid, "", ns.unwrap_or(""), "")?;
    match rid.get().kind {
        "Event" => return Ok(event_objects(cluster, ns)),
        "ComponentStatus" => return Ok(crate::apiserver::componentstatus::list(cluster)),
        _ => {}
    }
    Ok(cluster
        .store
        .list(rid, ns)
        .map(|(_, v)| v.clone())
        .collect())
}

/// One object, or the API server's NotFound.
pub(crate) fn get(
    cluster: &Cluster,
    rid: ResourceId,
    namespace: &str,
    name: &str,
) -> Result<Value, StatusError> {
    cluster.authorize_resource("get", rid, "", namespace, name)?;
    if rid.get().kind == "Event" {
        return event_objects(cluster, Some(namespace))
            .into_iter()
            .find(|e| e.str_at(&["metadata", "name"]) == Some(name))
            .ok_or_else(|| StatusError::not_found("events", name));
    }
    if rid.get().kind == "ComponentStatus" {
        return crate::apiserver::componentstatus::list(cluster)
            .into_iter()
            .find(|c| c.str_at(&["metadata", "name"]) == Some(name))
            .ok_or_else(|| StatusError::unknown(format!("Component not found: {name}")));
    }
    cluster.get(rid, namespace, name).cloned()
}

/// How kubectl names an object in messages: `deployment.apps/web`.
pub(crate) fn kind_name(rid: ResourceId, name: &str) -> String {
    format!("{}/{name}", rid.get().singular_group())
}

/// The resource type of a stored object (from its apiVersion and kind).
pub(crate) fn rid_of(obj: &Value) -> Option<ResourceId> {
    crate::api::registry::lookup_kind(
        obj.get("apiVersion").as_str().unwrap_or(""),
        obj.get("kind").as_str().unwrap_or(""),
    )
    .map(|(r, _)| r)
}

/// One `-f` source: its name as kubectl shows it and its text.
pub(crate) struct Source {
    pub name: String,
    pub text: String,
}

/// Reads every `-f` path (files, directories, `-`), as the builder does
/// before doing anything: a missing path fails the whole command.
pub(crate) fn read_sources(
    ctx: &Ctx,
    paths: &[String],
    recursive: bool,
) -> Result<Vec<Source>, Fail> {
    let mut out = Vec::new();
    for path in paths {
        if path.starts_with("http://") || path.starts_with("https://") {
            return Err(Fail::error(format!(
                "unable to read URL {path:?}: Kubeplay cannot reach the internet; paste the manifest into a file instead"
            )));
        }
        if path == "-" {
            match ctx.files.read("-") {
                Ok(text) => out.push(Source {
                    name: "STDIN".to_string(),
                    text,
                }),
                Err(_) => out.push(Source {
                    name: "STDIN".to_string(),
                    text: String::new(),
                }),
            }
            continue;
        }
        if let Some(mut entries) = ctx.files.list_dir(path) {
            entries.compact_sort();
            let dir = path.trim_end_matches('/');
            for e in entries {
                let full = format!("{dir}/{e}");
                if ctx.files.list_dir(&full).is_some() {
                    if recursive {
                        out.extend(read_sources(ctx, &[full], true)?);
                    }
                    continue;
                }
                if !(e.ends_with(".yaml") || e.ends_with(".yml") || e.ends_with(".json")) {
                    continue;
                }
                match ctx.files.read(&full) {
                    Ok(text) => out.push(Source { name: full, text }),
                    Err(FileError::NotFound) => {}
                    Err(FileError::Other(m)) => return Err(Fail::error(m)),
                }
            }
            continue;
        }
        match ctx.files.read(path) {
            Ok(text) => out.push(Source {
                name: path.clone(),
                text,
            }),
            Err(FileError::NotFound) => {
                return Err(Fail::error(format!("the path \"{path}\" does not exist")));
            }
            Err(FileError::Other(m)) => return Err(Fail::error(m)),
        }
    }
    Ok(out)
}

/// The objects a set of manifests names: (resource, namespace, name) per
/// object, or the mapping errors kubectl reports.
pub(crate) fn manifest_refs(
    ctx: &Ctx,
    sources: &[Source],
) -> (Vec<(ResourceId, String, String)>, Vec<String>) {
    let mut refs = Vec::new();
    let mut errors = Vec::new();
    for src in sources {
        let (docs, err) = crate::yaml::load_stream(&src.text);
        for doc in docs {
            let root = doc.root.to_value();
            let items: Vec<Value> = match root.get("kind").as_str() {
                Some(k) if k.ends_with("List") && !root.get("items").is_null() => {
                    root.get("items").items().cloned().collect()
                }
                _ => vec![root],
            };
            for obj in items {
                let api_version = obj.get("apiVersion").as_str().unwrap_or("");
                let kind = obj.get("kind").as_str().unwrap_or("");
                let name = obj.str_at(&["metadata", "name"]).unwrap_or("").to_string();
                match crate::api::registry::lookup_kind(api_version, kind) {
                    Some((rid, _)) => {
                        let ns = if rid.get().namespaced {
                            obj.str_at(&["metadata", "namespace"])
                                .filter(|s| !s.is_empty())
                                .unwrap_or(&ctx.namespace)
                                .to_string()
                        } else {
                            String::new()
                        };
                        refs.push((rid, ns, name));
                    }
                    None => {
                        let ns = obj.str_at(&["metadata", "namespace"]).unwrap_or("");
                        errors.push(format!(
                            "error: resource mapping not found for name: \"{name}\" namespace: \"{ns}\" from \"{}\": no matches for kind \"{kind}\" in version \"{api_version}\"\nensure CRDs are installed first",
                            src.name
                        ));
                    }
                }
            }
        }
        if let Some(e) = err {
            errors.push(format!(
                "error: error parsing {}: error converting YAML to JSON: yaml: line {}: {}",
                src.name,
                e.document_line(),
                e.message
            ));
        }
    }
    (refs, errors)
}

/// The resource builder's error when a command names nothing.
pub(crate) const NO_RESOURCES: &str = "You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'";

/// The errors of a command, as kubectl's `CheckErr` prints an aggregate:
/// one error keeps its `error: ` prefix; several are listed bare.
pub(crate) fn aggregate(errors: Vec<String>) -> Result<(), Fail> {
    match errors.len() {
        0 => Ok(()),
        1 => Err(Fail::raw(errors.into_iter().next().expect("one"))),
        _ => Err(Fail::raw(
            errors
                .iter()
                .map(|e| e.strip_prefix("error: ").unwrap_or(e).to_string())
                .collect::<Vec<_>>()
                .join("\n"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn builder_forms() {
        let r = resolve(&args(&["po", "a", "b"])).unwrap();
        assert_eq!(r.targets.len(), 2);
        assert!(!r.single_item_implied);
        let r = resolve(&args(&["deploy/web"])).unwrap();
        assert_eq!(r.targets, [Target::Named(res("Deployment"), "web".into())]);
        assert!(r.single_item_implied);
        let r = resolve(&args(&["pods,svc,po"])).unwrap();
        assert_eq!(
            r.targets,
            [Target::List(res("Pod")), Target::List(res("Service"))]
        );
        assert_eq!(resolve(&args(&["all"])).unwrap().targets.len(), 10);
        assert_eq!(
            resolve(&args(&["foo"])).unwrap_err().0,
            "error: the server doesn't have a resource type \"foo\""
        );
        assert_eq!(
            resolve(&args(&["foo.bar"])).unwrap_err().0,
            "error: the server doesn't have a resource type \"foo\""
        );
        assert!(
            resolve(&args(&["pod", "pod/x"]))
                .unwrap_err()
                .0
                .starts_with("error: there is no need to specify a resource type")
        );
        assert_eq!(
            resolve(&args(&["pods,svc", "x"])).unwrap_err().0,
            "error: you must specify only one resource"
        );
    }
}
