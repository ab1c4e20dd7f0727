//! ingress-nginx: which Ingresses it serves, the nginx servers and
//! locations it renders from them, how nginx picks one for a request, and
//! the status and events it writes.
//!
//! Sources followed (kubernetes/ingress-nginx): `store.GetIngressClass`
//! (class selection), `sortIngressSlice` (oldest Ingress first),
//! `controller.createServers` and `getBackendServers` (one server per host,
//! a root location on the default backend, the first Ingress to claim a
//! path keeps it), `location.updateServerLocations` (a Prefix path `/foo`
//! becomes `location /foo/` plus `location = /foo`), `template.buildLocation`
//! (Exact becomes `location = /foo`; ImplementationSpecific stays a plain
//! nginx prefix `location /foo`, which also matches `/foobar`),
//! `buildServerName` (`*.example.com` matches exactly one label),
//! `balancer.lua` (no endpoints: 503; round robin by default) and
//! `status.go` (the address is written every 60 s).

use crate::sort::CompactSort;
use crate::vecmap::VecMap;
use std::rc::Rc;

use crate::cluster::{Cluster, res};
use crate::events::EventType;
use crate::store::{ObjectKey, WatchEvent, WatchEventType};
use crate::time::SECOND;
use crate::value::Value;

/// The controller name ingress-nginx claims IngressClasses by.
pub(crate) const CONTROLLER: &str = "k8s.io/ingress-nginx";
/// The IngressClass the controller installs.
pub(crate) const CLASS_NAME: &str = "nginx";
/// The legacy class annotation; ingress-nginx's `--ingress-class` is `nginx`.
pub(crate) const CLASS_ANNOTATION: &str = "kubernetes.io/ingress.class";
/// Marks the IngressClass the DefaultIngressClass admission plugin assigns.
pub(crate) const DEFAULT_CLASS_ANNOTATION: &str = "ingressclass.kubernetes.io/is-default-class";
/// ingress-nginx's canary annotation (canary Ingresses are merged into
/// other Ingresses' upstreams, which Kubeplay does not simulate).
const CANARY_ANNOTATION: &str = "nginx.ingress.kubernetes.io/canary";
/// nginx's catch-all server name.
pub(crate) const CATCH_ALL: &str = "_";
/// ingress-nginx's status sync period (`status.UpdateInterval`).
const STATUS_SYNC_INTERVAL: u64 = 60 * SECOND;
/// The event source of ingress-nginx's recorder.
const COMPONENT: &str = "nginx-ingress-controller";

/// A Service port as an Ingress backend names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PortRef {
    /// `port.number`
    Number(i64),
    /// `port.name`
    Name(String),
}

impl std::fmt::Display for PortRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PortRef::Number(n) => write!(f, "{n}"),
            PortRef::Name(n) => f.write_str(n),
        }
    }
}

/// An Ingress backend that is a Service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ServiceBackend {
    pub namespace: String,
    pub name: String,
    pub port: PortRef,
}

impl ServiceBackend {
    fn from_value(namespace: &str, backend: &Value) -> Option<ServiceBackend> {
        let svc = backend.get("service");
        let name = svc.get("name").as_str()?.to_string();
        let port = match svc.get("port") {
            p if p.get("number").as_i64().is_some() => {
                PortRef::Number(p.get("number").as_i64().unwrap_or(0))
            }
            p => PortRef::Name(p.get("name").as_str().unwrap_or("").to_string()),
        };
        Some(ServiceBackend {
            namespace: namespace.to_string(),
            name,
            port,
        })
    }

    /// `name:port`, as `kubectl describe ingress` prints backends.
    pub fn describe(&self) -> String {
        format!("{}:{}", self.name, self.port)
    }

    /// ingress-nginx's upstream name (`namespace-name-port`).
    pub fn upstream(&self) -> String {
        format!("{}-{}-{}", self.namespace, self.name, self.port)
    }
}

/// One nginx `location` block.
#[derive(Clone, Debug)]
pub(crate) struct Location {
    /// The path nginx matches (`/foo/` for a Prefix path `/foo`).
    pub path: String,
    /// `location = path`.
    pub exact: bool,
    /// The Ingress path this came from.
    pub rule_path: String,
    /// Its pathType.
    pub path_type: String,
    /// The Service, or `None` for the controller's default backend (404).
    pub backend: Option<ServiceBackend>,
    /// Still the server's placeholder root location.
    pub is_def_backend: bool,
    /// `namespace/name` of the Ingress that configured it.
    pub ingress: Option<String>,
    /// Index of the rule in [`Config::rules`].
    pub rule: Option<usize>,
}

/// One nginx `server` block (one per host).
#[derive(Clone, Debug)]
pub(crate) struct Server {
    /// The host, `*.example.com`, or `_` for the catch-all server.
    pub host: String,
    pub locations: Vec<Location>,
}

/// Why an Ingress path does or does not take part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum RuleStatus {
    /// It has a location.
    Active,
    /// An older Ingress already defined the same host, path and type.
    Duplicate { kept_by: String },
    /// The controller does not serve its Ingress.
    NotServed(String),
}

/// One path of one rule of one Ingress.
#[derive(Clone, Debug)]
pub(crate) struct RuleEntry {
    pub ingress: String,
    /// The rule's host, empty for "any host".
    pub host: String,
    pub path: String,
    pub path_type: String,
    pub backend: String,
    pub status: RuleStatus,
}

/// The configuration ingress-nginx renders from the Ingresses.
#[derive(Clone, Debug, Default)]
pub(crate) struct Config {
    /// Servers in the order nginx evaluates wildcard names (by host name).
    pub servers: Vec<Server>,
    /// Every path of every Ingress (served or not), for explanations.
    pub rules: Vec<RuleEntry>,
    /// The Ingresses it serves.
    pub served: Vec<ObjectKey>,
}

/// How nginx answered a host and URI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum LocationMatch {
    /// This location of the server handles it.
    Location(usize),
    /// A location `uri/` exists and nginx redirects there (301).
    Redirect(usize),
}

/// The server and location nginx chose.
#[derive(Clone, Debug)]
pub(crate) struct Decision {
    pub config: Rc<Config>,
    pub server: usize,
    pub host: String,
    pub uri: String,
    pub result: LocationMatch,
}

impl Decision {
    /// The chosen server.
    pub fn server(&self) -> &Server {
        &self.config.servers[self.server]
    }

    /// The chosen (or redirecting) location.
    pub fn location(&self) -> &Location {
        let i = match self.result {
            LocationMatch::Location(i) | LocationMatch::Redirect(i) => i,
        };
        &self.server().locations[i]
    }
}

/// Whether the controller serves an Ingress (`store.GetIngressClass` with
/// `--watch-ingress-without-class=false`): `spec.ingressClassName` naming
/// an IngressClass of controller `k8s.io/ingress-nginx`, or else the
/// `kubernetes.io/ingress.class: nginx` annotation.
pub(crate) fn serves(cluster: &Cluster, ingress: &Value) -> Result<(), String> {
    if let Some(class) = ingress.str_at(&["spec", "ingressClassName"]) {
        return match cluster.store.get_named(res("IngressClass"), "", class) {
            None => Err(format!("IngressClass \"{class}\" not found")),
            Some(ic) => match ic.str_at(&["spec", "controller"]) {
                Some(CONTROLLER) => Ok(()),
                other => Err(format!(
                    "IngressClass \"{class}\" belongs to controller \"{}\", not {CONTROLLER}",
                    other.unwrap_or("")
                )),
            },
        };
    }
    if let Some(class) = ingress
        .at(&["metadata", "annotations"])
        .get(CLASS_ANNOTATION)
        .as_str()
    {
        return if class == CLASS_NAME {
            Ok(())
        } else {
            Err(format!(
                "annotation {CLASS_ANNOTATION} is \"{class}\", not \"{CLASS_NAME}\""
            ))
        };
    }
    Err(format!(
        "no spec.ingressClassName and no {CLASS_ANNOTATION} annotation (ingress-nginx ignores Ingresses without a class)"
    ))
}

/// The DefaultIngressClass admission plugin (newest default wins, ties by
/// name).
pub(crate) fn admit_default_class(cluster: &Cluster, ingress: &mut Value) {
    if !ingress.at(&["spec", "ingressClassName"]).is_null()
        || !ingress
            .at(&["metadata", "annotations"])
            .get(CLASS_ANNOTATION)
            .is_null()
    {
        return;
    }
    let mut defaults: Vec<(&str, &str)> = cluster
        .store
        .list(res("IngressClass"), None)
        .filter(|(_, ic)| {
            ic.at(&["metadata", "annotations"])
                .get(DEFAULT_CLASS_ANNOTATION)
                .as_str()
                == Some("true")
        })
        .map(|(_, ic)| {
            (
                ic.str_at(&["metadata", "creationTimestamp"]).unwrap_or(""),
                ic.str_at(&["metadata", "name"]).unwrap_or(""),
            )
        })
        .collect();
    defaults.compact_sort_by(|a, b| b.0.cmp(a.0).then(a.1.cmp(b.1)));
    if let Some((_, name)) = defaults.first() {
        let name = name.to_string();
        ingress.set_at(&["spec", "ingressClassName"], Value::from(name));
    }
}

/// The current configuration (cached until an Ingress or IngressClass
/// changes; rebuilt without caching while changes are undispatched).
pub(crate) fn config(cluster: &Cluster) -> Rc<Config> {
    if cluster.store.has_events() {
        return Rc::new(build(cluster));
    }
    if let Some(cfg) = cluster.network.ingress_config.borrow().as_ref() {
        return cfg.clone();
    }
    let cfg = Rc::new(build(cluster));
    cluster.network.ingress_config.replace(Some(cfg.clone()));
    cfg
}

/// Renders the configuration from the store.
pub(crate) fn build(cluster: &Cluster) -> Config {
    let mut cfg = Config::default();
    let mut served: Vec<&Value> = Vec::new();
    for (_, ing) in cluster.store.list(res("Ingress"), None) {
        let key = ing_key(ing);
        let verdict = serves(cluster, ing).and_then(|()| {
            if ing
                .at(&["metadata", "annotations"])
                .get(CANARY_ANNOTATION)
                .as_str()
                == Some("true")
            {
                Err(
                    "canary Ingresses are merged into another Ingress's backend (not simulated)"
                        .into(),
                )
            } else {
                Ok(())
            }
        });
        match verdict {
            Ok(()) => served.push(ing),
            Err(reason) => {
                for (host, path, path_type, backend) in paths(ing) {
                    cfg.rules.push(RuleEntry {
                        ingress: key.clone(),
                        host,
                        path,
                        path_type,
                        backend: backend.describe(),
                        status: RuleStatus::NotServed(reason.clone()),
                    });
                }
            }
        }
    }
    // Oldest first; equal timestamps by namespace/name, descending.
    served.compact_sort_by(|a, b| {
        let ta = a.str_at(&["metadata", "creationTimestamp"]).unwrap_or("");
        let tb = b.str_at(&["metadata", "creationTimestamp"]).unwrap_or("");
        ta.cmp(tb).then_with(|| ing_key(b).cmp(&ing_key(a)))
    });
    cfg.served = served
        .iter()
        .map(|i| ObjectKey::of(res("Ingress"), i))
        .collect();

    // createServers: the catch-all server, then one server per host with a
    // root location on the Ingress's default backend. By host, in a sorted
    // vector (a few hosts; no B-tree code for this type).
    let mut servers: VecMap<String, Server> = VecMap::new();
    servers.insert(
        CATCH_ALL.into(),
        Server {
            host: CATCH_ALL.into(),
            locations: vec![root_location(None, None)],
        },
    );
    for ing in &served {
        let key = ing_key(ing);
        let ns = ing.str_at(&["metadata", "namespace"]).unwrap_or("");
        let default = ServiceBackend::from_value(ns, ing.at(&["spec", "defaultBackend"]));
        if let Some(backend) = &default {
            let root = &mut servers
                .get_mut(CATCH_ALL)
                .expect("inserted above")
                .locations[0];
            root.backend = Some(backend.clone());
            root.ingress = Some(key.clone());
            if root.is_def_backend && ing.at(&["spec", "rules"]).items().next().is_none() {
                root.is_def_backend = false;
            }
        }
        for rule in ing.at(&["spec", "rules"]).items() {
            let host = rule_host(rule);
            servers.get_or_insert_with(host.clone(), || Server {
                host,
                locations: vec![root_location(default.clone(), Some(key.clone()))],
            });
        }
    }

    // getBackendServers: each path becomes a location unless an older
    // Ingress already has the same path and type.
    for ing in &served {
        let key = ing_key(ing);
        let ns = ing.str_at(&["metadata", "namespace"]).unwrap_or("");
        for rule in ing.at(&["spec", "rules"]).items() {
            let host = rule_host(rule);
            let server = servers.get_mut(&host).expect("created above");
            for p in rule.at(&["http", "paths"]).items() {
                let Some(backend) = ServiceBackend::from_value(ns, p.get("backend")) else {
                    continue;
                };
                let path = match p.get("path").as_str() {
                    Some(path) if !path.is_empty() => path.to_string(),
                    _ => "/".to_string(),
                };
                let path_type = p
                    .get("pathType")
                    .as_str()
                    .unwrap_or("ImplementationSpecific")
                    .to_string();
                let rule_index = cfg.rules.len();
                let mut entry = RuleEntry {
                    ingress: key.clone(),
                    host: rule.get("host").as_str().unwrap_or("").to_string(),
                    path: path.clone(),
                    path_type: path_type.clone(),
                    backend: backend.describe(),
                    status: RuleStatus::Active,
                };
                let mut add = true;
                for loc in server.locations.iter_mut() {
                    if loc.path != path {
                        continue;
                    }
                    // Same paths but different types are distinct locations;
                    // at the root, Prefix and ImplementationSpecific both
                    // render `location /` and are one.
                    let same_type = loc.path_type == path_type
                        || (path == "/" && loc.path_type != "Exact" && path_type != "Exact");
                    if !same_type {
                        break;
                    }
                    add = false;
                    if !loc.is_def_backend {
                        entry.status = RuleStatus::Duplicate {
                            kept_by: loc.ingress.clone().unwrap_or_default(),
                        };
                        break;
                    }
                    loc.backend = Some(backend.clone());
                    loc.is_def_backend = false;
                    loc.ingress = Some(key.clone());
                    loc.rule = Some(rule_index);
                    loc.rule_path = path.clone();
                    loc.path_type = path_type.clone();
                    break;
                }
                if add {
                    server.locations.push(Location {
                        path: path.clone(),
                        exact: false,
                        rule_path: path.clone(),
                        path_type: path_type.clone(),
                        backend: Some(backend),
                        is_def_backend: false,
                        ingress: Some(key.clone()),
                        rule: Some(rule_index),
                    });
                }
                cfg.rules.push(entry);
            }
        }
    }

    // updateServerLocations and buildLocation: how each renders in nginx.
    for server in servers.values_mut() {
        let exact_paths: Vec<String> = server
            .locations
            .iter()
            .filter(|l| l.path_type == "Exact")
            .map(|l| l.path.clone())
            .collect();
        let mut out = Vec::with_capacity(server.locations.len() + 2);
        for mut loc in std::mem::take(&mut server.locations) {
            if loc.path_type == "Exact" {
                loc.exact = true;
                out.push(loc);
                continue;
            }
            if loc.path == "/" || loc.path_type != "Prefix" {
                out.push(loc);
                continue;
            }
            let has_exact = exact_paths.contains(&loc.path);
            let mut exact = loc.clone();
            if !loc.path.ends_with('/') {
                loc.path.push('/');
            }
            out.push(loc);
            if !has_exact {
                exact.exact = true;
                out.push(exact);
            }
        }
        server.locations = out;
    }
    cfg.servers = servers.into_iter().map(|(_, s)| s).collect();
    cfg
}

/// A server's placeholder root location.
fn root_location(backend: Option<ServiceBackend>, ingress: Option<String>) -> Location {
    Location {
        path: "/".into(),
        exact: false,
        rule_path: "/".into(),
        path_type: "Prefix".into(),
        backend,
        is_def_backend: true,
        ingress,
        rule: None,
    }
}

fn rule_host(rule: &Value) -> String {
    match rule.get("host").as_str() {
        Some(h) if !h.is_empty() => h.to_string(),
        _ => CATCH_ALL.to_string(),
    }
}

fn ing_key(ing: &Value) -> String {
    format!(
        "{}/{}",
        ing.str_at(&["metadata", "namespace"]).unwrap_or(""),
        ing.str_at(&["metadata", "name"]).unwrap_or("")
    )
}

/// (host, path, pathType, backend) of every Service path of an Ingress.
fn paths(ing: &Value) -> Vec<(String, String, String, ServiceBackend)> {
    let ns = ing.str_at(&["metadata", "namespace"]).unwrap_or("");
    let mut out = Vec::new();
    for rule in ing.at(&["spec", "rules"]).items() {
        for p in rule.at(&["http", "paths"]).items() {
            if let Some(b) = ServiceBackend::from_value(ns, p.get("backend")) {
                out.push((
                    rule.get("host").as_str().unwrap_or("").to_string(),
                    p.get("path")
                        .as_str()
                        .filter(|p| !p.is_empty())
                        .unwrap_or("/")
                        .to_string(),
                    p.get("pathType")
                        .as_str()
                        .unwrap_or("ImplementationSpecific")
                        .to_string(),
                    b,
                ));
            }
        }
    }
    out
}

impl Config {
    /// The server nginx picks for a host: an exact name, else a wildcard
    /// name (`*.example.com` is the regex `^[\w-]+\.example\.com$`), else the
    /// catch-all server.
    pub fn server_for(&self, host: &str) -> usize {
        if let Some(i) = self
            .servers
            .iter()
            .position(|s| s.host != CATCH_ALL && !s.host.starts_with("*.") && s.host == host)
        {
            return i;
        }
        if let Some(i) = self.servers.iter().position(|s| {
            s.host.strip_prefix('*').is_some_and(|suffix| {
                host.strip_suffix(suffix).is_some_and(|label| {
                    !label.is_empty()
                        && label
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
                })
            })
        }) {
            return i;
        }
        self.servers
            .iter()
            .position(|s| s.host == CATCH_ALL)
            .unwrap_or(0)
    }

    /// The location nginx picks for a URI (no regex locations): an exact
    /// location, else a prefix location equal to the URI, else a 301 to
    /// `uri/` when such a location exists (`auto_redirect` of locations
    /// ending in `/` with `proxy_pass`), else the longest prefix.
    pub fn route(self: &Rc<Self>, host: &str, uri: &str) -> Decision {
        let server = self.server_for(host);
        let locs = &self.servers[server].locations;
        let result = if let Some(i) = locs.iter().position(|l| l.exact && l.path == uri) {
            LocationMatch::Location(i)
        } else if let Some(i) = locs.iter().position(|l| !l.exact && l.path == uri) {
            LocationMatch::Location(i)
        } else if let Some(i) = locs.iter().position(|l| {
            l.path.len() == uri.len() + 1 && l.path.starts_with(uri) && l.path.ends_with('/')
        }) {
            LocationMatch::Redirect(i)
        } else {
            let mut best: Option<usize> = None;
            for (i, l) in locs.iter().enumerate() {
                if !l.exact
                    && uri.starts_with(&l.path)
                    && best.is_none_or(|b| l.path.len() > locs[b].path.len())
                {
                    best = Some(i);
                }
            }
            // Every server has a root location, so something matches.
            LocationMatch::Location(best.unwrap_or(0))
        };
        Decision {
            config: self.clone(),
            server,
            host: host.to_string(),
            uri: uri.to_string(),
            result,
        }
    }
}

/// Whether a location would take a URI on its own (ignoring the others).
pub(crate) fn location_matches(loc: &Location, uri: &str) -> bool {
    if loc.exact {
        loc.path == uri
    } else {
        uri.starts_with(&loc.path)
    }
}

/// nginx's own error and redirect page (`ngx_http_special_response.c`,
/// with `server_tokens off` as ingress-nginx configures it).
pub(crate) fn nginx_page(status: u16) -> String {
    let title = match status {
        301 => "301 Moved Permanently",
        404 => "404 Not Found",
        502 => "502 Bad Gateway",
        503 => "503 Service Temporarily Unavailable",
        504 => "504 Gateway Time-out",
        _ => return String::new(),
    };
    format!(
        "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )
}

/// Reacts to Ingress and IngressClass changes: records ingress-nginx's
/// `Sync` event and schedules the status sync that writes its address.
pub(crate) fn on_change(cluster: &mut Cluster, event: &WatchEvent, current: Option<&Value>) {
    if !cluster.network.ingress_installed {
        return;
    }
    if event.key.resource == res("Ingress")
        && let Some(ing) = current
    {
        let now_served = serves(cluster, ing).is_ok();
        let sync = match event.kind {
            WatchEventType::Added => now_served,
            // A served Ingress that changed or became served (the watch
            // only reports real changes, status updates included).
            WatchEventType::Modified => now_served,
            WatchEventType::Deleted => false,
        };
        if sync {
            let ing = ing.clone();
            cluster.record_event(
                &ing,
                None,
                EventType::Normal,
                "Sync",
                "Scheduled for sync",
                (COMPONENT, None),
            );
        }
        if now_served && !has_controller_address(ing) {
            schedule_status_sync(cluster);
        }
    }
    // A class change can make Ingresses served: sync only if one waits for
    // its address (an idle cluster keeps no timers).
    if event.key.resource == res("IngressClass") {
        let cfg = config(cluster);
        let waiting = cfg.served.iter().any(|key| {
            cluster
                .store
                .get(key)
                .is_some_and(|ing| !has_controller_address(ing))
        });
        if waiting {
            schedule_status_sync(cluster);
        }
    }
}

/// The status the controller writes: its own address.
fn controller_status() -> Value {
    Value::from_pairs([(
        "loadBalancer",
        Value::from_pairs([(
            "ingress",
            Value::array(vec![Value::from_pairs([(
                "ip",
                Value::str(super::INGRESS_CONTROLLER_IP),
            )])]),
        )]),
    )])
}

fn has_controller_address(ing: &Value) -> bool {
    ing.at(&["status", "loadBalancer"]) == controller_status().get("loadBalancer")
}

/// Schedules the next periodic sync (the controller started at time 0
/// and syncs every 60 s), unless one is already due.
fn schedule_status_sync(cluster: &mut Cluster) {
    if cluster.network.status_sync_at.is_some() {
        return;
    }
    let now = cluster.now;
    let at = (now / STATUS_SYNC_INTERVAL + 1) * STATUS_SYNC_INTERVAL;
    cluster.network.status_sync_at = Some(at);
    cluster.schedule_network(at - now, super::NetworkTask::SyncIngressStatus);
}

/// The status sync: every served Ingress gets the controller's address.
pub(crate) fn sync_status(cluster: &mut Cluster) {
    cluster.network.status_sync_at = None;
    if !cluster.network.ingress_installed {
        return;
    }
    let cfg = config(cluster);
    for key in &cfg.served {
        let Some(ing) = cluster.store.get(key) else {
            continue;
        };
        if has_controller_address(ing) {
            continue;
        }
        let mut status = ing.get("status").clone();
        status.set(
            "loadBalancer",
            controller_status().get("loadBalancer").clone(),
        );
        let _ = cluster.update_status(key, status);
    }
}
