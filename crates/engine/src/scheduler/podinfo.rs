//! What the scheduler needs to know about a pod, computed once from the
//! stored object: its requests (`resource.PodRequests` with init-container
//! and sidecar rules), the non-zero requests scoring uses, selectors,
//! tolerations, host ports, (anti-)affinity terms, spread constraints and
//! images.

use std::rc::Rc;

use super::selectors::{NodeTerm, Op, RequiredNodeAffinity, Requirement, Selector, Toleration};
use super::util::{Interner, Labels, Sym, intern_labels, label, same};
use crate::quantity::Quantity;
use crate::value::Value;

/// `schedutil.DefaultMilliCPURequest`: 0.1 core for containers without a CPU request.
pub(crate) const DEFAULT_MILLI_CPU_REQUEST: i64 = 100;
/// `schedutil.DefaultMemoryRequest`: 200 MB for containers without a memory request.
pub(crate) const DEFAULT_MEMORY_REQUEST: i64 = 200 * 1024 * 1024;

/// Amounts of resources: CPU in millicores, the rest in units.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Resources {
    pub(crate) cpu: i64,
    pub(crate) memory: i64,
    pub(crate) ephemeral: i64,
    /// Extended resources and hugepages, sorted by name symbol.
    pub(crate) scalars: Vec<(Sym, i64)>,
}

impl Resources {
    pub(crate) fn scalar(&self, name: Sym) -> i64 {
        self.scalars
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(0, |(_, v)| *v)
    }

    fn scalar_mut(&mut self, name: Sym) -> &mut i64 {
        match self.scalars.binary_search_by_key(&name, |(n, _)| *n) {
            Ok(i) => &mut self.scalars[i].1,
            Err(i) => {
                self.scalars.insert(i, (name, 0));
                &mut self.scalars[i].1
            }
        }
    }

    // Accounting wraps instead of overflowing on absurd quantities, so an
    // add followed by the matching sub always restores the old value.
    pub(crate) fn add(&mut self, other: &Resources) {
        self.cpu = self.cpu.wrapping_add(other.cpu);
        self.memory = self.memory.wrapping_add(other.memory);
        self.ephemeral = self.ephemeral.wrapping_add(other.ephemeral);
        for &(n, v) in &other.scalars {
            let s = self.scalar_mut(n);
            *s = s.wrapping_add(v);
        }
    }

    pub(crate) fn sub(&mut self, other: &Resources) {
        self.cpu = self.cpu.wrapping_sub(other.cpu);
        self.memory = self.memory.wrapping_sub(other.memory);
        self.ephemeral = self.ephemeral.wrapping_sub(other.ephemeral);
        for &(n, v) in &other.scalars {
            let s = self.scalar_mut(n);
            *s = s.wrapping_sub(v);
        }
    }

    fn max_with(&mut self, other: &Resources) {
        self.cpu = self.cpu.max(other.cpu);
        self.memory = self.memory.max(other.memory);
        self.ephemeral = self.ephemeral.max(other.ephemeral);
        for &(n, v) in &other.scalars {
            let s = self.scalar_mut(n);
            *s = (*s).max(v);
        }
    }

    /// Reads a ResourceList (`{cpu: 500m, memory: 1Gi, …}`); `pods` is
    /// returned separately.
    pub(crate) fn from_list(v: &Value, interner: &mut Interner) -> (Resources, Option<i64>) {
        let mut r = Resources::default();
        let mut pods = None;
        for (name, q) in v.members() {
            let parsed = match q.as_str() {
                Some(s) => Quantity::parse(s).ok(),
                None => q
                    .as_i64()
                    .and_then(|i| Quantity::parse(&i.to_string()).ok()),
            };
            let Some(q) = parsed else {
                continue;
            };
            match name {
                "cpu" => r.cpu = q.milli_value(),
                "memory" => r.memory = q.value(),
                "ephemeral-storage" => r.ephemeral = q.value(),
                "pods" => pods = Some(q.value()),
                other => *r.scalar_mut(interner.intern(other)) = q.value(),
            }
        }
        (r, pods)
    }
}

/// A host port a pod binds (`util.GetHostPorts`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct HostPort {
    /// `0.0.0.0` when unset.
    pub(crate) ip: Sym,
    pub(crate) protocol: Sym,
    pub(crate) port: i64,
}

/// A pod (anti-)affinity term, compiled (`framework.AffinityTerm`).
#[derive(Clone, Debug)]
pub(crate) struct AffinityTerm {
    pub(crate) selector: Selector,
    /// Explicit namespaces (the pod's own when neither list nor selector is set).
    pub(crate) namespaces: Box<[Sym]>,
    /// `namespaceSelector`, when set (`{}` selects every namespace).
    pub(crate) namespace_selector: Option<Selector>,
    pub(crate) topology_key: Sym,
    pub(crate) weight: i64,
}

impl AffinityTerm {
    /// `PodMatchesTermsNamespaceAndSelector`.
    #[inline]
    pub(crate) fn matches(
        &self,
        ns: Sym,
        labels: &[(Sym, Sym)],
        ns_labels: &[(Sym, Sym)],
        interner: &Interner,
    ) -> bool {
        let ns_ok = self.namespaces.contains(&ns)
            || self
                .namespace_selector
                .as_ref()
                .is_some_and(|s| s.matches(ns_labels, interner));
        ns_ok && self.selector.matches(labels, interner)
    }
}

/// A pod's (anti-)affinity terms.
#[derive(Clone, Debug, Default)]
pub(crate) struct PodAffinity {
    pub(crate) required: Box<[AffinityTerm]>,
    pub(crate) required_anti: Box<[AffinityTerm]>,
    pub(crate) preferred: Box<[AffinityTerm]>,
    pub(crate) preferred_anti: Box<[AffinityTerm]>,
}

/// A topology spread constraint, compiled (selector merged with
/// `matchLabelKeys`, policies defaulted).
#[derive(Clone, Debug)]
pub(crate) struct SpreadConstraint {
    pub(crate) max_skew: i64,
    pub(crate) topology_key: Sym,
    pub(crate) selector: Selector,
    pub(crate) min_domains: i64,
    /// `nodeAffinityPolicy: Honor` (the default).
    pub(crate) honor_affinity: bool,
    /// `nodeTaintsPolicy: Honor` (default Ignore).
    pub(crate) honor_taints: bool,
    /// `whenUnsatisfiable: DoNotSchedule` (filter) or `ScheduleAnyway` (score).
    pub(crate) hard: bool,
}

/// The subtrees of a pod whose change means its scheduling info must be
/// recomputed; compared by pointer (copy-on-write values keep unchanged
/// subtrees shared).
#[derive(Clone, Debug, Default)]
pub(crate) struct Fingerprint {
    parts: [Value; 12],
}

impl Fingerprint {
    pub(crate) fn of(pod: &Value) -> Fingerprint {
        let spec = pod.get("spec");
        Fingerprint {
            parts: [
                pod.at(&["metadata", "labels"]).clone(),
                spec.get("containers").clone(),
                spec.get("initContainers").clone(),
                spec.get("affinity").clone(),
                spec.get("tolerations").clone(),
                spec.get("nodeSelector").clone(),
                spec.get("topologySpreadConstraints").clone(),
                spec.get("overhead").clone(),
                spec.get("resources").clone(),
                spec.get("priority").clone(),
                spec.get("schedulingGates").clone(),
                spec.get("volumes").clone(),
            ],
        }
    }

    /// True when `pod`'s subtrees are the ones this fingerprint holds.
    pub(crate) fn matches(&self, pod: &Value) -> bool {
        let spec = pod.get("spec");
        let now = [
            pod.at(&["metadata", "labels"]),
            spec.get("containers"),
            spec.get("initContainers"),
            spec.get("affinity"),
            spec.get("tolerations"),
            spec.get("nodeSelector"),
            spec.get("topologySpreadConstraints"),
            spec.get("overhead"),
            spec.get("resources"),
            spec.get("priority"),
            spec.get("schedulingGates"),
            spec.get("volumes"),
        ];
        self.parts.iter().zip(now).all(|(a, b)| same(a, b))
    }

    pub(crate) fn same(&self, other: &Fingerprint) -> bool {
        self.parts
            .iter()
            .zip(other.parts.iter())
            .all(|(a, b)| same(a, b))
    }
}

/// What the static filters (NodeUnschedulable, NodeName, TaintToleration,
/// NodeAffinity) read from a pod: pods with equal keys get the same
/// verdict on every node, so results are cached per key.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct StaticKey {
    tolerations: Value,
    node_selector: Value,
    required_affinity: Value,
    node_name: Value,
}

impl StaticKey {
    fn of(spec: &Value) -> (u64, Rc<StaticKey>) {
        let key = StaticKey {
            tolerations: spec.get("tolerations").clone(),
            node_selector: spec.get("nodeSelector").clone(),
            required_affinity: spec
                .at(&[
                    "affinity",
                    "nodeAffinity",
                    "requiredDuringSchedulingIgnoredDuringExecution",
                ])
                .clone(),
            node_name: spec.get("nodeName").clone(),
        };
        let mut h = super::util::FxHasher::default();
        for v in [
            &key.tolerations,
            &key.node_selector,
            &key.required_affinity,
            &key.node_name,
        ] {
            hash_value(v, &mut h);
        }
        (std::hash::Hasher::finish(&h), Rc::new(key))
    }
}

/// A structural hash of a value.
fn hash_value(v: &Value, h: &mut super::util::FxHasher) {
    use std::hash::Hasher;
    match v {
        Value::Null => h.write_u8(0),
        Value::Bool(b) => h.write_u8(1 + u8::from(*b)),
        Value::Int(i) => h.write_u64(*i as u64),
        Value::Float(f) => h.write_u64(f.to_bits()),
        Value::String(s) => {
            h.write_u8(3);
            h.write(s.as_bytes());
            h.write_u8(0xff);
        }
        Value::Array(a) => {
            h.write_u8(4);
            for x in a.iter() {
                hash_value(x, h);
            }
            h.write_u8(5);
        }
        Value::Object(m) => {
            h.write_u8(6);
            for (k, x) in m.iter() {
                h.write(k.as_bytes());
                h.write_u8(0xfe);
                hash_value(x, h);
            }
            h.write_u8(7);
        }
    }
}

/// Everything about a pod the plugins read, computed once.
#[derive(Clone, Debug)]
pub(crate) struct PodSpecInfo {
    pub(crate) namespace: Sym,
    pub(crate) labels: Labels,
    pub(crate) uid: Rc<str>,
    pub(crate) priority: i64,
    pub(crate) preempt_never: bool,
    /// Real requests (`resource.PodRequests`), used by the filter.
    pub(crate) requests: Resources,
    /// CPU/memory with the 100m/200MB defaults per container, for scoring.
    pub(crate) non_zero: (i64, i64),
    pub(crate) node_name: Option<Sym>,
    pub(crate) required_node: RequiredNodeAffinity,
    pub(crate) preferred_node: Box<[(i64, NodeTerm)]>,
    pub(crate) tolerations: Box<[Toleration]>,
    pub(crate) host_ports: Box<[HostPort]>,
    pub(crate) affinity: Option<Box<PodAffinity>>,
    pub(crate) spread: Box<[SpreadConstraint]>,
    /// Normalized image names (`nginx` → `nginx:latest`).
    pub(crate) images: Box<[Sym]>,
    pub(crate) gated: bool,
    /// The controlling owner (kind, name), for the default spreading selector.
    pub(crate) owner: Option<(Rc<str>, Rc<str>)>,
    pub(crate) created_ms: u64,
    pub(crate) fingerprint: Fingerprint,
    /// The static filters' cache key and its hash.
    pub(crate) static_key: (u64, Rc<StaticKey>),
    /// The preferred node affinity terms and their hash (NodeAffinity's
    /// score per node is cached per terms).
    pub(crate) preferred_key: (u64, Value),
}

impl PodSpecInfo {
    /// True when the pod has required or preferred pod (anti-)affinity.
    pub(crate) fn has_affinity(&self) -> bool {
        self.affinity.is_some()
    }

    /// True when the pod has required anti-affinity terms.
    pub(crate) fn has_required_anti(&self) -> bool {
        self.affinity
            .as_ref()
            .is_some_and(|a| !a.required_anti.is_empty())
    }

    /// Compiles a stored pod.
    pub(crate) fn compile(pod: &Value, interner: &mut Interner) -> PodSpecInfo {
        let spec = pod.get("spec");
        let ns_str = pod.str_at(&["metadata", "namespace"]).unwrap_or("default");
        let namespace = interner.intern(ns_str);
        let labels = intern_labels(interner, pod.at(&["metadata", "labels"]));
        let (requests, non_zero) = pod_requests(spec, interner);
        let tolerations = spec
            .get("tolerations")
            .items()
            .map(|t| Toleration::compile(t, interner))
            .collect();
        let preferred_node = spec
            .at(&[
                "affinity",
                "nodeAffinity",
                "preferredDuringSchedulingIgnoredDuringExecution",
            ])
            .items()
            .filter_map(|t| {
                let w = t.get("weight").as_i64().unwrap_or(0);
                (w != 0).then(|| (w, NodeTerm::compile(t.get("preference"), interner)))
            })
            .collect();
        let mut host_ports = Vec::new();
        let sidecars = spec
            .get("initContainers")
            .items()
            .filter(|c| c.get("restartPolicy").as_str() == Some("Always"));
        for c in sidecars.chain(spec.get("containers").items()) {
            for p in c.get("ports").items() {
                let Some(hp) = p.get("hostPort").as_i64().filter(|p| *p > 0) else {
                    continue;
                };
                let ip = p
                    .get("hostIP")
                    .as_str()
                    .filter(|s| !s.is_empty())
                    .unwrap_or("0.0.0.0");
                host_ports.push(HostPort {
                    ip: interner.intern(ip),
                    protocol: interner.intern(p.get("protocol").as_str().unwrap_or("TCP")),
                    port: hp,
                });
            }
        }
        let affinity = compile_pod_affinity(spec.get("affinity"), namespace, &labels, interner);
        let spread = spec
            .get("topologySpreadConstraints")
            .items()
            .filter_map(|c| compile_spread(c, &labels, interner))
            .collect();
        let mut images: Vec<Sym> = Vec::new();
        for c in spec
            .get("initContainers")
            .items()
            .chain(spec.get("containers").items())
        {
            if let Some(img) = c.get("image").as_str() {
                images.push(interner.intern(&normalized_image_name(img)));
            }
        }
        for v in spec.get("volumes").items() {
            if let Some(img) = v.at(&["image", "reference"]).as_str() {
                images.push(interner.intern(&normalized_image_name(img)));
            }
        }
        let owner = pod
            .at(&["metadata", "ownerReferences"])
            .items()
            .find(|o| o.get("controller").as_bool() == Some(true))
            .and_then(|o| {
                Some((
                    Rc::from(o.get("kind").as_str()?),
                    Rc::from(o.get("name").as_str()?),
                ))
            });
        PodSpecInfo {
            namespace,
            labels,
            uid: Rc::from(pod.str_at(&["metadata", "uid"]).unwrap_or("")),
            priority: spec.get("priority").as_i64().unwrap_or(0),
            preempt_never: spec.get("preemptionPolicy").as_str() == Some("Never"),
            requests,
            non_zero,
            node_name: spec
                .get("nodeName")
                .as_str()
                .filter(|s| !s.is_empty())
                .map(|s| interner.intern(s)),
            required_node: RequiredNodeAffinity::compile(spec, interner),
            preferred_node,
            tolerations,
            host_ports: host_ports.into_boxed_slice(),
            affinity,
            spread,
            images: images.into_boxed_slice(),
            gated: spec.get("schedulingGates").items().next().is_some(),
            owner,
            created_ms: pod
                .str_at(&["metadata", "creationTimestamp"])
                .and_then(crate::time::parse_rfc3339)
                .unwrap_or(0),
            fingerprint: Fingerprint::of(pod),
            static_key: StaticKey::of(spec),
            preferred_key: {
                let v = spec
                    .at(&[
                        "affinity",
                        "nodeAffinity",
                        "preferredDuringSchedulingIgnoredDuringExecution",
                    ])
                    .clone();
                let mut h = super::util::FxHasher::default();
                hash_value(&v, &mut h);
                (std::hash::Hasher::finish(&h), v)
            },
        }
    }
}

/// `normalizedImageName`: adds `:latest` when the name has no tag.
pub(crate) fn normalized_image_name(name: &str) -> String {
    let colon = name.rfind(':').map_or(-1, |i| i as i64);
    let slash = name.rfind('/').map_or(-1, |i| i as i64);
    if colon <= slash {
        format!("{name}:latest")
    } else {
        name.to_string()
    }
}

/// One container's requests (limits stand in for missing requests, as
/// API defaulting does), and whether CPU and memory were left unset (the
/// non-zero defaults then apply in scoring).
fn container_requests(c: &Value, interner: &mut Interner) -> (Resources, bool, bool) {
    let requests = c.at(&["resources", "requests"]);
    let limits = c.at(&["resources", "limits"]);
    let (mut r, _) = Resources::from_list(requests, interner);
    if limits.is_null() {
        return (
            r,
            requests.get("cpu").is_null(),
            requests.get("memory").is_null(),
        );
    }
    let (l, _) = Resources::from_list(limits, interner);
    let has = |list: &Value, name: &str| !list.get(name).is_null();
    if !has(requests, "cpu") && has(limits, "cpu") {
        r.cpu = l.cpu;
    }
    if !has(requests, "memory") && has(limits, "memory") {
        r.memory = l.memory;
    }
    if !has(requests, "ephemeral-storage") && has(limits, "ephemeral-storage") {
        r.ephemeral = l.ephemeral;
    }
    for &(n, v) in &l.scalars {
        if r.scalars.iter().all(|(m, _)| *m != n) {
            *r.scalar_mut(n) = v;
        }
    }
    (
        r,
        !has(requests, "cpu") && !has(limits, "cpu"),
        !has(requests, "memory") && !has(limits, "memory"),
    )
}

/// `resource.PodRequests`: the sum of containers and sidecars, the max with
/// each init container (plus the sidecars started before it), plus
/// overhead; pod-level requests replace the CPU/memory totals when set.
/// `containers` and `inits` hold each container's requests; `sidecar`
/// marks restartable init containers.
fn aggregate(
    spec: &Value,
    containers: &[Resources],
    inits: &[(Resources, bool)],
    interner: &mut Interner,
) -> Resources {
    let mut reqs = Resources::default();
    for c in containers {
        reqs.add(c);
    }
    let mut restartable = Resources::default();
    let mut init_max = Resources::default();
    for (r, sidecar) in inits {
        let use_now = if *sidecar {
            reqs.add(r);
            restartable.add(r);
            restartable.clone()
        } else {
            let mut tmp = r.clone();
            tmp.add(&restartable);
            tmp
        };
        init_max.max_with(&use_now);
    }
    reqs.max_with(&init_max);
    let pod_level = spec.at(&["resources", "requests"]);
    if !pod_level.is_null() {
        let (p, _) = Resources::from_list(pod_level, interner);
        if !pod_level.get("cpu").is_null() {
            reqs.cpu = p.cpu;
        }
        if !pod_level.get("memory").is_null() {
            reqs.memory = p.memory;
        }
    }
    let overhead = spec.get("overhead");
    if !overhead.is_null() {
        let (o, _) = Resources::from_list(overhead, interner);
        reqs.add(&o);
    }
    reqs.scalars.retain(|(_, v)| *v != 0);
    reqs
}

/// Real requests and the non-zero CPU/memory pair used in scoring.
pub(crate) fn pod_requests(spec: &Value, interner: &mut Interner) -> (Resources, (i64, i64)) {
    let with_defaults = |(mut r, no_cpu, no_mem): (Resources, bool, bool)| {
        let real = r.clone();
        if no_cpu {
            r.cpu = DEFAULT_MILLI_CPU_REQUEST;
        }
        if no_mem {
            r.memory = DEFAULT_MEMORY_REQUEST;
        }
        (real, r)
    };
    let mut real_c = Vec::new();
    let mut nz_c = Vec::new();
    for c in spec.get("containers").items() {
        let (real, nz) = with_defaults(container_requests(c, interner));
        real_c.push(real);
        nz_c.push(nz);
    }
    let mut real_i = Vec::new();
    let mut nz_i = Vec::new();
    for c in spec.get("initContainers").items() {
        let sidecar = c.get("restartPolicy").as_str() == Some("Always");
        let (real, nz) = with_defaults(container_requests(c, interner));
        real_i.push((real, sidecar));
        nz_i.push((nz, sidecar));
    }
    let real = aggregate(spec, &real_c, &real_i, interner);
    let nz = aggregate(spec, &nz_c, &nz_i, interner);
    (real, (nz.cpu, nz.memory))
}

fn compile_terms(
    list: &Value,
    weighted: bool,
    namespace: Sym,
    pod_labels: &[(Sym, Sym)],
    interner: &mut Interner,
) -> Box<[AffinityTerm]> {
    list.items()
        .filter_map(|t| {
            let (term, weight) = if weighted {
                (
                    t.get("podAffinityTerm"),
                    t.get("weight").as_i64().unwrap_or(0),
                )
            } else {
                (t, 1)
            };
            let topology_key = term.get("topologyKey").as_str().filter(|k| !k.is_empty())?;
            // matchLabelKeys / mismatchLabelKeys are merged into the
            // selector with the pod's own values (as the API server does).
            let mut extra = Vec::new();
            for (field, op) in [("matchLabelKeys", Op::In), ("mismatchLabelKeys", Op::NotIn)] {
                for k in term.get(field).items().filter_map(Value::as_str) {
                    let key = interner.intern(k);
                    if let Some(v) = label(pod_labels, key) {
                        extra.push(Requirement {
                            key,
                            op,
                            values: Box::new([v]),
                            number: 0,
                        });
                    }
                }
            }
            let selector = Selector::compile_with(term.get("labelSelector"), interner, &extra);
            let mut namespaces: Vec<Sym> = term
                .get("namespaces")
                .items()
                .filter_map(|n| n.as_str().map(|s| interner.intern(s)))
                .collect();
            let ns_sel = term.get("namespaceSelector");
            let namespace_selector =
                (!ns_sel.is_null()).then(|| Selector::compile(ns_sel, interner));
            if namespaces.is_empty() && namespace_selector.is_none() {
                namespaces.push(namespace);
            }
            Some(AffinityTerm {
                selector,
                namespaces: namespaces.into_boxed_slice(),
                namespace_selector,
                topology_key: interner.intern(topology_key),
                weight,
            })
        })
        .collect()
}

fn compile_pod_affinity(
    affinity: &Value,
    namespace: Sym,
    labels: &[(Sym, Sym)],
    interner: &mut Interner,
) -> Option<Box<PodAffinity>> {
    let aff = affinity.get("podAffinity");
    let anti = affinity.get("podAntiAffinity");
    if aff.is_null() && anti.is_null() {
        return None;
    }
    const REQ: &str = "requiredDuringSchedulingIgnoredDuringExecution";
    const PREF: &str = "preferredDuringSchedulingIgnoredDuringExecution";
    let pa = PodAffinity {
        required: compile_terms(aff.get(REQ), false, namespace, labels, interner),
        required_anti: compile_terms(anti.get(REQ), false, namespace, labels, interner),
        preferred: compile_terms(aff.get(PREF), true, namespace, labels, interner),
        preferred_anti: compile_terms(anti.get(PREF), true, namespace, labels, interner),
    };
    let empty = pa.required.is_empty()
        && pa.required_anti.is_empty()
        && pa.preferred.is_empty()
        && pa.preferred_anti.is_empty();
    (!empty).then(|| Box::new(pa))
}

fn compile_spread(
    c: &Value,
    pod_labels: &[(Sym, Sym)],
    interner: &mut Interner,
) -> Option<SpreadConstraint> {
    let topology_key = c.get("topologyKey").as_str()?;
    let hard = match c.get("whenUnsatisfiable").as_str() {
        Some("DoNotSchedule") | None => true,
        Some("ScheduleAnyway") => false,
        Some(_) => return None,
    };
    let mut extra = Vec::new();
    for k in c.get("matchLabelKeys").items().filter_map(Value::as_str) {
        let key = interner.intern(k);
        if let Some(v) = label(pod_labels, key) {
            extra.push(Requirement {
                key,
                op: Op::In,
                values: Box::new([v]),
                number: 0,
            });
        }
    }
    Some(SpreadConstraint {
        max_skew: c.get("maxSkew").as_i64().unwrap_or(1).max(1),
        topology_key: interner.intern(topology_key),
        selector: Selector::compile_with(c.get("labelSelector"), interner, &extra),
        min_domains: c.get("minDomains").as_i64().unwrap_or(1).max(1),
        honor_affinity: c.get("nodeAffinityPolicy").as_str() != Some("Ignore"),
        honor_taints: c.get("nodeTaintsPolicy").as_str() == Some("Honor"),
        hard,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::load_str;

    fn spec(text: &str) -> Value {
        load_str(text).unwrap()[0].root.to_value()
    }

    #[test]
    fn requests_follow_init_container_and_sidecar_rules() {
        let mut i = Interner::default();
        // Containers sum to 300m; an init container wants 500m; a sidecar
        // (restartPolicy Always) adds 100m to the sum and to later inits.
        let s = spec(
            "containers:\n- {name: a, resources: {requests: {cpu: 100m, memory: 64Mi}}}\n- {name: b, resources: {requests: {cpu: 200m}}}\ninitContainers:\n- {name: side, restartPolicy: Always, resources: {requests: {cpu: 100m}}}\n- {name: init, resources: {requests: {cpu: 500m, memory: 32Mi}}}\n",
        );
        let (r, nz) = pod_requests(&s, &mut i);
        // max(300m + 100m, 500m + 100m) = 600m; memory max(64Mi, 32Mi) = 64Mi.
        assert_eq!(r.cpu, 600);
        assert_eq!(r.memory, 64 << 20);
        // Non-zero: b and side get 200MB memory each, init gets its 32Mi:
        // sum = 64Mi + 200MB + 200MB (sidecar), init use = 32Mi + 200MB.
        assert_eq!(nz.0, 600);
        assert_eq!(nz.1, (64 << 20) + 2 * DEFAULT_MEMORY_REQUEST);
    }

    #[test]
    fn limits_stand_in_for_requests_and_defaults_apply_per_container() {
        let mut i = Interner::default();
        let s = spec(
            "containers:\n- {name: a, resources: {limits: {cpu: '1', memory: 1Gi, nvidia.com/gpu: '2'}}}\n- {name: b}\noverhead: {cpu: 50m}\n",
        );
        let (r, nz) = pod_requests(&s, &mut i);
        assert_eq!(r.cpu, 1050);
        assert_eq!(r.memory, 1 << 30);
        assert_eq!(r.scalar(i.get("nvidia.com/gpu").unwrap()), 2);
        assert_eq!(nz, (1000 + 100 + 50, (1 << 30) + DEFAULT_MEMORY_REQUEST));
    }

    #[test]
    fn image_names_get_latest() {
        assert_eq!(normalized_image_name("nginx"), "nginx:latest");
        assert_eq!(normalized_image_name("nginx:1.25"), "nginx:1.25");
        assert_eq!(
            normalized_image_name("localhost:5000/app"),
            "localhost:5000/app:latest"
        );
    }
}
