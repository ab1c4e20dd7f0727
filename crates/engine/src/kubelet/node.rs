//! A node's kubelet as a node: registration and the status it posts
//! (conditions, addresses, nodeInfo, images), its pod IP range, its image
//! store, and stopping and starting the machine.

use crate::scheduler::util::FxMap;
use crate::sort::CompactSort;
use std::collections::BTreeMap;
use std::rc::Rc;

use super::images::{self, ResolvedImage};
use crate::apiserver::{WriteOptions, ipv4, parse_ipv4};
use crate::cluster::{Cluster, res};
use crate::events::EventType;
use crate::store::{ObjectKey, WatchEvent, WatchEventType};
use crate::time::{Millis, SECOND, rfc3339, rfc3339_micro};
use crate::value::Value;
use crate::vecmap::{VecMap, VecSet};

/// How often the kubelet renews its Lease.
pub(crate) const LEASE_RENEW: Millis = 10 * SECOND;

/// One node's kubelet and container runtime.
#[derive(Clone, Debug)]
pub(crate) struct NodeAgent {
    /// The kubelet runs.
    pub up: bool,
    /// When the kubelet (re)started: Lease renewals count from here.
    pub started_at: Millis,
    /// When the machine stopped.
    pub stopped_at: Option<Millis>,
    pub internal_ip: String,
    pub boot_id: String,
    /// The pod CIDR's first address and size.
    pub cidr: Option<(u32, u32)>,
    /// host-local IPAM: the last address handed out.
    pub last_ip: u32,
    /// A sorted vector: at most a node's pods, and no B-tree code for u32.
    pub used_ips: VecSet<u32>,
    /// Pulled images by name (`docker.io/library/nginx:latest`): a few
    /// dozen at most, so a sorted vector (no B-tree code for this type).
    pub images: VecMap<String, ResolvedImage>,
    /// Image pulls are serialized: when the current one ends.
    pub pull_free_at: Millis,
    /// Container states kept across a stop, to report after the restart:
    /// pod → (container, restarts, started at, container ID).
    pub frozen: FxMap<ObjectKey, Vec<(String, u32, Millis, String)>>,
}

impl NodeAgent {
    /// The last Lease renewal before the stop (or now when running).
    pub(crate) fn last_renew(&self, now: Millis) -> Millis {
        let until = self.stopped_at.unwrap_or(now);
        self.started_at + (until.saturating_sub(self.started_at)) / LEASE_RENEW * LEASE_RENEW
    }

    /// Allocates the next free pod IP (host-local IPAM walks the range).
    pub(crate) fn allocate_ip(&mut self) -> Option<u32> {
        let (base, size) = self.cidr?;
        // .0 is the network, .1 the bridge gateway, the last the broadcast.
        let first = 2;
        let last = size.saturating_sub(2);
        if last < first {
            return None;
        }
        let range = last - first + 1;
        for step in 0..range {
            let candidate = self.last_ip.max(first - 1) + 1 + step;
            let offset = first + (candidate - first) % range;
            let ip = base + offset;
            if self.used_ips.insert(ip) {
                self.last_ip = offset;
                return Some(ip);
            }
        }
        None
    }
}

/// Images every node starts with (a kind node image's preloaded set).
const PRELOADED: &[(&str, u64)] = &[
    ("docker.io/kindest/kindnetd:v20250512-df8de77b", 44_375_501),
    (
        "docker.io/kindest/local-path-helper:v20241212-8ac705d0",
        3_084_671,
    ),
    (
        "docker.io/kindest/local-path-provisioner:v20250214-acbabc1a",
        22_541_737,
    ),
    ("registry.k8s.io/coredns/coredns:v1.12.1", 22_384_805),
    ("registry.k8s.io/etcd:3.6.5-0", 22_871_747),
    ("registry.k8s.io/kube-apiserver:v1.37.0", 30_111_492),
    (
        "registry.k8s.io/kube-controller-manager:v1.37.0",
        27_637_048,
    ),
    ("registry.k8s.io/kube-proxy:v1.37.0", 30_944_062),
    ("registry.k8s.io/kube-scheduler:v1.37.0", 21_807_533),
    ("registry.k8s.io/pause:3.10.1", 320_368),
];

fn preloaded() -> VecMap<String, ResolvedImage> {
    let mut map = VecMap::new();
    for (name, size) in PRELOADED {
        let repo = name.rsplit_once(':').map_or(*name, |(r, _)| r);
        map.insert(
            name.to_string(),
            ResolvedImage {
                name: name.to_string(),
                repo_digest: format!("{repo}@sha256:{}", images::hex64(name)),
                size: *size,
                flavor: images::Flavor::Generic,
                port: 0,
            },
        );
    }
    map
}

/// A node appeared or went away.
pub(crate) fn on_node_change(cluster: &mut Cluster, event: &WatchEvent) {
    let name: Rc<str> = event.key.name.clone();
    match event.kind {
        WatchEventType::Added => register(cluster, &name),
        WatchEventType::Deleted => forget(cluster, &name),
        WatchEventType::Modified => {
            // A pod CIDR given later (or by a manifest) becomes usable.
            if let Some(agent) = cluster.kubelet.nodes.get(&name)
                && agent.cidr.is_none()
                && let Some(cidr) = cluster
                    .store
                    .get(&event.key)
                    .and_then(|n| n.str_at(&["spec", "podCIDR"]))
                    .and_then(parse_cidr)
            {
                cluster
                    .kubelet
                    .nodes
                    .get_mut(&name)
                    .expect("checked above")
                    .cidr = Some(cidr);
            }
        }
    }
}

fn parse_cidr(text: &str) -> Option<(u32, u32)> {
    let (ip, bits) = text.split_once('/')?;
    let base = parse_ipv4(ip)?;
    let bits: u32 = bits.parse().ok()?;
    if !(8..=30).contains(&bits) {
        return None;
    }
    Some((base, 1 << (32 - bits)))
}

/// A kubelet registers its node: completes the Node's status as the
/// kubelet posts it, creates its Lease and records the start-up events.
fn register(cluster: &mut Cluster, name: &Rc<str>) {
    if cluster.kubelet.nodes.contains_key(name) {
        return;
    }
    let key = ObjectKey::new(res("Node"), "", name);
    let Some(node) = cluster.store.get(&key).cloned() else {
        return;
    };
    let n = cluster.kubelet.registered;
    cluster.kubelet.registered += 1;
    let internal_ip = ipv4(parse_ipv4("172.18.0.2").expect("valid") + n);
    let boot_id = cluster.rng.uuid();
    let agent = NodeAgent {
        up: true,
        started_at: cluster.now,
        stopped_at: None,
        internal_ip,
        boot_id,
        cidr: node.str_at(&["spec", "podCIDR"]).and_then(parse_cidr),
        last_ip: 1,
        used_ips: VecSet::new(),
        images: preloaded(),
        pull_free_at: 0,
        frozen: FxMap::default(),
    };
    cluster.kubelet.nodes.insert(name.clone(), agent);
    post_full_status(cluster, name, true);
    create_lease(cluster, name);
    starting_events(cluster, name, false);
    if let Some(node) = cluster.store.get(&key).cloned() {
        cluster.record_event(
            &node,
            None,
            EventType::Normal,
            "RegisteredNode",
            &format!("Node {name} event: Registered Node {name} in Controller"),
            ("node-controller", None),
        );
    }
    cluster.note(
        &format!("kubelet/{name}"),
        "registered the node".to_string(),
    );
}

/// The kubelet's own Node events when it starts.
fn starting_events(cluster: &mut Cluster, name: &str, rebooted: bool) {
    // The kubelet refers to its node with the node name as UID.
    let node_ref = Value::from_pairs([
        ("apiVersion", Value::str("v1")),
        ("kind", Value::str("Node")),
        (
            "metadata",
            Value::from_pairs([("name", Value::str(name)), ("uid", Value::str(name))]),
        ),
    ]);
    let src = ("kubelet", Some(name));
    cluster.record_event(
        &node_ref,
        None,
        EventType::Normal,
        "Starting",
        "Starting kubelet.",
        src,
    );
    if rebooted {
        let boot = cluster
            .kubelet
            .nodes
            .get(name)
            .map(|n| n.boot_id.clone())
            .unwrap_or_default();
        cluster.record_event(
            &node_ref,
            None,
            EventType::Warning,
            "Rebooted",
            &format!("Node {name} has been rebooted, boot id: {boot}"),
            src,
        );
    }
    for status in [
        "NodeHasSufficientMemory",
        "NodeHasNoDiskPressure",
        "NodeHasSufficientPID",
    ] {
        cluster.record_event(
            &node_ref,
            None,
            EventType::Normal,
            status,
            &format!("Node {name} status is now: {status}"),
            src,
        );
    }
    cluster.record_event(
        &node_ref,
        None,
        EventType::Normal,
        "NodeAllocatableEnforced",
        "Updated Node Allocatable limit across pods",
        src,
    );
    cluster.record_event(
        &node_ref,
        None,
        EventType::Normal,
        "NodeReady",
        &format!("Node {name} status is now: NodeReady"),
        src,
    );
}

fn condition(
    kind: &str,
    status: &str,
    reason: &str,
    message: &str,
    at: Millis,
    ltt: Millis,
) -> Value {
    Value::from_pairs([
        ("lastHeartbeatTime", Value::from(rfc3339(at))),
        ("lastTransitionTime", Value::from(rfc3339(ltt))),
        ("message", Value::str(message)),
        ("reason", Value::str(reason)),
        ("status", Value::str(status)),
        ("type", Value::str(kind)),
    ])
}

/// Posts the node's whole status: at registration, and when the kubelet
/// starts again after a stop.
fn post_full_status(cluster: &mut Cluster, name: &str, first: bool) {
    let key = ObjectKey::new(res("Node"), "", name);
    let Some(node) = cluster.store.get(&key).cloned() else {
        return;
    };
    let Some(agent) = cluster.kubelet.nodes.get(name) else {
        return;
    };
    let now = cluster.now;
    let mut status = node.get("status").clone();
    if status.get("capacity").is_null() {
        let capacity = Value::from_pairs([
            ("cpu", Value::str("4")),
            ("ephemeral-storage", Value::str("102626232Ki")),
            ("hugepages-1Gi", Value::str("0")),
            ("hugepages-2Mi", Value::str("0")),
            ("memory", Value::str("8Gi")),
            ("pods", Value::str("110")),
        ]);
        status.set("capacity", capacity);
    }
    if status.get("allocatable").is_null() {
        let cap = status.get("capacity").clone();
        status.set("allocatable", cap);
    }
    // Conditions keep their transition times unless they change.
    let old: BTreeMap<String, (String, String)> =
        crate::sort::btree_map(status.get("conditions").items().filter_map(|c| {
            Some((
                c.get("type").as_str()?.to_string(),
                (
                    c.get("status").as_str().unwrap_or("").to_string(),
                    c.get("lastTransitionTime")
                        .as_str()
                        .unwrap_or("")
                        .to_string(),
                ),
            ))
        }));
    let ltt = |kind: &str, status: &str| -> Millis {
        match old.get(kind) {
            Some((s, t)) if s == status && !first => crate::time::parse_rfc3339(t).unwrap_or(now),
            _ => now,
        }
    };
    let conditions = vec![
        condition(
            "MemoryPressure",
            "False",
            "KubeletHasSufficientMemory",
            "kubelet has sufficient memory available",
            now,
            ltt("MemoryPressure", "False"),
        ),
        condition(
            "DiskPressure",
            "False",
            "KubeletHasNoDiskPressure",
            "kubelet has no disk pressure",
            now,
            ltt("DiskPressure", "False"),
        ),
        condition(
            "PIDPressure",
            "False",
            "KubeletHasSufficientPID",
            "kubelet has sufficient PID available",
            now,
            ltt("PIDPressure", "False"),
        ),
        condition(
            "Ready",
            "True",
            "KubeletReady",
            "kubelet is posting ready status",
            now,
            ltt("Ready", "True"),
        ),
    ];
    status.set("conditions", Value::array(conditions));
    status.set(
        "addresses",
        Value::array(vec![
            Value::from_pairs([
                ("address", Value::from(agent.internal_ip.clone())),
                ("type", Value::str("InternalIP")),
            ]),
            Value::from_pairs([
                ("address", Value::str(name)),
                ("type", Value::str("Hostname")),
            ]),
        ]),
    );
    status.set(
        "daemonEndpoints",
        Value::from_pairs([(
            "kubeletEndpoint",
            Value::from_pairs([("Port", Value::Int(10250))]),
        )]),
    );
    let machine = images::hex64(&format!("machine-{name}"));
    let system_uuid = {
        let h = images::hex64(&format!("uuid-{name}"));
        format!(
            "{}-{}-{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        )
    };
    status.set(
        "nodeInfo",
        Value::from_pairs([
            ("architecture", Value::str("amd64")),
            ("bootID", Value::from(agent.boot_id.clone())),
            ("containerRuntimeVersion", Value::str("containerd://2.3.4")),
            ("kernelVersion", Value::str("6.8.0-90-generic")),
            ("kubeProxyVersion", Value::str("")),
            ("kubeletVersion", Value::str(crate::KUBERNETES_VERSION)),
            ("machineID", Value::from(machine[..32].to_string())),
            ("operatingSystem", Value::str("linux")),
            ("osImage", Value::str("Debian GNU/Linux 13 (trixie)")),
            ("systemUUID", Value::from(system_uuid)),
        ]),
    );
    status.set(
        "features",
        Value::from_pairs([("supplementalGroupsPolicy", Value::Bool(true))]),
    );
    let handler = |n: &str| {
        Value::from_pairs([
            (
                "features",
                Value::from_pairs([
                    ("recursiveReadOnlyMounts", Value::Bool(true)),
                    ("userNamespaces", Value::Bool(true)),
                ]),
            ),
            ("name", Value::str(n)),
        ])
    };
    status.set(
        "runtimeHandlers",
        Value::array(vec![handler(""), handler("runc")]),
    );
    status.set("images", images_value(agent));
    let _ = cluster.update_status(&key, status);
}

/// `status.images`: the 50 largest images, largest first.
fn images_value(agent: &NodeAgent) -> Value {
    let mut list: Vec<&ResolvedImage> = agent.images.values().collect();
    list.compact_sort_by(|a, b| b.size.cmp(&a.size).then(a.name.cmp(&b.name)));
    Value::array(
        list.into_iter()
            .take(50)
            .map(|i| {
                Value::from_pairs([
                    (
                        "names",
                        Value::array(vec![
                            Value::from(i.repo_digest.clone()),
                            Value::from(i.name.clone()),
                        ]),
                    ),
                    ("sizeBytes", Value::Int(i.size as i64)),
                ])
            })
            .collect(),
    )
}

/// Writes a node's image list after pulls.
pub(crate) fn write_images(cluster: &mut Cluster, name: &str) -> bool {
    let Some(agent) = cluster.kubelet.nodes.get(name) else {
        return false;
    };
    if !agent.up {
        return false;
    }
    let images = images_value(agent);
    let key = ObjectKey::new(res("Node"), "", name);
    let Some(node) = cluster.store.get(&key) else {
        return false;
    };
    if node.at(&["status", "images"]) == &images {
        return false;
    }
    let mut status = node.get("status").clone();
    status.set("images", images);
    cluster.update_status(&key, status).is_ok()
}

/// The Lease the kubelet renews in `kube-node-lease`.
fn create_lease(cluster: &mut Cluster, name: &str) {
    let node_key = ObjectKey::new(res("Node"), "", name);
    let uid = cluster
        .store
        .get(&node_key)
        .and_then(|n| n.str_at(&["metadata", "uid"]))
        .unwrap_or("")
        .to_string();
    let now = rfc3339_micro(cluster.now);
    let lease_key = ObjectKey::new(res("Lease"), "kube-node-lease", name);
    if let Some(mut lease) = cluster.store.get(&lease_key).cloned() {
        lease.set_at(&["spec", "renewTime"], Value::from(now));
        let _ = cluster.update(lease, &WriteOptions::system());
        return;
    }
    let lease = Value::from_pairs([
        ("apiVersion", Value::str("coordination.k8s.io/v1")),
        ("kind", Value::str("Lease")),
        (
            "metadata",
            Value::from_pairs([
                ("name", Value::str(name)),
                ("namespace", Value::str("kube-node-lease")),
                (
                    "ownerReferences",
                    Value::array(vec![Value::from_pairs([
                        ("apiVersion", Value::str("v1")),
                        ("kind", Value::str("Node")),
                        ("name", Value::str(name)),
                        ("uid", Value::from(uid)),
                    ])]),
                ),
            ]),
        ),
        (
            "spec",
            Value::from_pairs([
                ("holderIdentity", Value::str(name)),
                ("leaseDurationSeconds", Value::Int(40)),
                ("renewTime", Value::from(now)),
            ]),
        ),
    ]);
    let _ = cluster.create(lease, &WriteOptions::system());
}

/// Stops a node's machine: the kubelet goes silent and every container
/// on it dies. The API still shows the pods running until the node
/// lifecycle controller notices.
pub(crate) fn stop(cluster: &mut Cluster, name: &str) -> Result<(), String> {
    let Some(agent) = cluster.kubelet.nodes.get_mut(name) else {
        return Err(format!("node \"{name}\" not found"));
    };
    if !agent.up {
        return Err(format!("node {name} is already stopped"));
    }
    agent.up = false;
    agent.stopped_at = Some(cluster.now);
    agent.used_ips.clear();
    let last_renew = agent.last_renew(cluster.now);
    let keys: Vec<ObjectKey> = cluster
        .kubelet
        .bound
        .get(name)
        .map(|s| s.iter().cloned().collect())
        .unwrap_or_default();
    let mut frozen = FxMap::default();
    for key in keys {
        // Its Redis masters' replicas elsewhere hear nothing more.
        super::pods::redis_pod_gone(cluster, &key, true);
        if let Some(rt) = cluster.kubelet.pods.remove(&key) {
            cluster.kubelet.status_dirty.remove(&key);
            frozen.insert(key, rt.frozen());
        }
    }
    if let Some(agent) = cluster.kubelet.nodes.get_mut(name) {
        agent.frozen = frozen;
    }
    cluster.note(
        &format!("kubelet/{name}"),
        "the node stopped: kubelet and containers are down".to_string(),
    );
    crate::controllers::nodelifecycle::heartbeat_stopped(cluster, name, last_renew);
    cluster.settle();
    Ok(())
}

/// Starts a stopped node: a new boot, the kubelet posts Ready again and
/// brings its pods back (or finishes deleting those deleted meanwhile).
pub(crate) fn start(cluster: &mut Cluster, name: &str) -> Result<(), String> {
    let now = cluster.now;
    let boot = cluster.rng.uuid();
    let Some(agent) = cluster.kubelet.nodes.get_mut(name) else {
        return Err(format!("node \"{name}\" not found"));
    };
    if agent.up {
        return Err(format!("node {name} is already running"));
    }
    agent.up = true;
    agent.stopped_at = None;
    agent.started_at = now;
    agent.boot_id = boot;
    agent.pull_free_at = now;
    post_full_status(cluster, name, false);
    create_lease(cluster, name);
    starting_events(cluster, name, true);
    cluster.note(
        &format!("kubelet/{name}"),
        "the node started: kubelet is posting ready status".to_string(),
    );
    crate::controllers::nodelifecycle::heartbeat_resumed(cluster, name);
    // The kubelet lists the pods bound to it and syncs each.
    let keys: Vec<ObjectKey> = cluster
        .kubelet
        .bound
        .get(name)
        .map(|s| s.iter().cloned().collect())
        .unwrap_or_default();
    cluster.kubelet.pending.extend(keys);
    cluster.settle();
    Ok(())
}

/// Drops a node's kubelet and what it ran (its Node object is gone).
fn forget(cluster: &mut Cluster, name: &str) {
    if let Some(keys) = cluster.kubelet.bound.get(name).cloned() {
        for key in keys {
            super::pods::redis_pod_gone(cluster, &key, true);
            cluster.kubelet.pods.remove(&key);
            cluster.kubelet.status_dirty.remove(&key);
        }
    }
    cluster.kubelet.nodes.remove(name);
    cluster.kubelet.node_dirty.remove(name);
    cluster.note(
        &format!("kubelet/{name}"),
        "the node was removed".to_string(),
    );
}

/// A node's resource use: its pods plus the system daemons.
pub(crate) fn usage(cluster: &Cluster, name: &str) -> Option<(i64, i64)> {
    let agent = cluster.kubelet.nodes.get(name)?;
    if !agent.up {
        return None;
    }
    let (mut cpu, mut mem) = (95i64, 720i64 << 20);
    if let Some(keys) = cluster.kubelet.bound.get(name) {
        for key in keys {
            for (_, c, m) in
                super::pods::usage(cluster, &key.namespace, &key.name).unwrap_or_default()
            {
                cpu += c;
                mem += m;
            }
        }
    }
    Some((cpu, mem))
}
