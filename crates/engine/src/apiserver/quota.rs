//! The admission plugins that hold a namespace to its budgets: LimitRanger
//! (defaults and bounds from the namespace's LimitRanges) and ResourceQuota
//! (usage against its ResourceQuotas), with the usage evaluators the
//! resource quota controller shares (`pkg/quota/v1/evaluator/core`).

use std::cmp::Ordering;

use crate::api::errors::{StatusError, quote};
use crate::api::registry::ResourceId;
use crate::api::validation::is_extended;
use crate::cluster::{Cluster, res};
use crate::quantity::Quantity;
use crate::sort::CompactSort;
use crate::store::ObjectKey;
use crate::time::{Millis, SECOND, parse_rfc3339};
use crate::value::Value;

/// A `ResourceList`, sorted by name as Go prints its maps.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct ResourceList(Vec<(String, Quantity)>);

impl ResourceList {
    /// The quantities of a `{name: quantity}` map; ones that do not parse
    /// (validation refuses them) are left out.
    pub(crate) fn of(v: &Value) -> ResourceList {
        let mut list = ResourceList::default();
        for (name, q) in v.members() {
            let q = match q {
                Value::Int(n) => Some(Quantity::from_units(*n)),
                Value::Float(f) => Quantity::parse(&f.to_string()).ok(),
                _ => q.as_str().and_then(|s| Quantity::parse(s).ok()),
            };
            if let Some(q) = q {
                list.set(name, q);
            }
        }
        list
    }

    fn find(&self, name: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(n, _)| n.as_str().cmp(name))
    }

    /// The quantity of `name`.
    pub(crate) fn get(&self, name: &str) -> Option<Quantity> {
        self.find(name).ok().map(|i| self.0[i].1)
    }

    /// Sets `name` to `q`.
    pub(crate) fn set(&mut self, name: &str, q: Quantity) {
        match self.find(name) {
            Ok(i) => self.0[i].1 = q,
            Err(i) => self.0.insert(i, (name.to_string(), q)),
        }
    }

    /// `addResourceList` / `quota.Add`: sums each quantity into the list.
    pub(crate) fn add_all(&mut self, other: &ResourceList) {
        for (name, q) in &other.0 {
            let sum = self.get(name).map_or(*q, |mine| mine + *q);
            self.set(name, sum);
        }
    }

    /// `maxResourceList`: keeps the larger of each quantity.
    fn max_all(&mut self, other: &ResourceList) {
        for (name, q) in &other.0 {
            if self
                .get(name)
                .is_none_or(|mine| q.cmp_value(&mine) == Ordering::Greater)
            {
                self.set(name, *q);
            }
        }
    }

    /// The names, sorted.
    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(n, _)| n.as_str())
    }

    /// `quota.Mask`: only the named resources.
    fn mask(&self, names: impl Fn(&str) -> bool) -> ResourceList {
        ResourceList(self.0.iter().filter(|(n, _)| names(n)).cloned().collect())
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `quota.RemoveZeros`.
    fn retain_nonzero(&mut self) {
        self.0.retain(|(_, q)| !q.is_zero());
    }

    /// Keeps the named resources `keep` says yes to.
    pub(crate) fn retain(&mut self, keep: impl Fn(&str) -> bool) {
        self.0.retain(|(n, _)| keep(n));
    }

    /// `quota.Equals`: the same names with equal values, whatever the
    /// quantities' formats.
    pub(crate) fn same_values(&self, other: &ResourceList) -> bool {
        self.0.len() == other.0.len()
            && self
                .0
                .iter()
                .zip(&other.0)
                .all(|((n, q), (m, p))| n == m && q.cmp_value(p) == Ordering::Equal)
    }

    /// The list as an API map of canonical quantities.
    pub(crate) fn to_value(&self) -> Value {
        Value::from_pairs(
            self.0
                .iter()
                .map(|(n, q)| (n.as_str(), Value::from(q.to_string()))),
        )
    }

    /// The quota plugin's `prettyPrint`: `name=quantity,…`.
    fn pretty(&self) -> String {
        let parts: Vec<String> = self.0.iter().map(|(n, q)| format!("{n}={q}")).collect();
        parts.join(",")
    }
}

/// `PodRequests`/`PodLimits` (and LimitRanger's simplified copies): the
/// containers' sum, raised to any init container's need, where sidecars
/// (init containers that restart always) add to both; pod-level CPU and
/// memory replace the totals. With `overhead` (quota, not LimitRanger),
/// the pod's overhead is added to the requests and to each non-zero limit.
pub(crate) fn pod_resources(spec: &Value, field: &str, overhead: bool) -> ResourceList {
    let of = |c: &Value| ResourceList::of(c.at(&["resources", field]));
    let mut total = ResourceList::default();
    for c in spec.get("containers").items() {
        total.add_all(&of(c));
    }
    let mut sidecars = ResourceList::default();
    let mut init = ResourceList::default();
    for c in spec.get("initContainers").items() {
        let mine = of(c);
        if c.get("restartPolicy").as_str() == Some("Always") {
            total.add_all(&mine);
            sidecars.add_all(&mine);
            init.max_all(&sidecars);
        } else {
            let mut need = mine;
            need.add_all(&sidecars);
            init.max_all(&need);
        }
    }
    total.max_all(&init);
    let pod_level = ResourceList::of(spec.at(&["resources", field]));
    for r in ["cpu", "memory"] {
        if let Some(q) = pod_level.get(r) {
            total.set(r, q);
        }
    }
    if overhead {
        for (r, q) in &ResourceList::of(spec.get("overhead")).0 {
            match total.get(r) {
                Some(t) if field == "requests" || !t.is_zero() => total.set(r, t + *q),
                None if field == "requests" => total.set(r, *q),
                _ => {}
            }
        }
    }
    total
}

// ---------------------------------------------------------------------------
// LimitRanger

/// The namespace's LimitRanges, by name.
fn limit_ranges(cluster: &Cluster, namespace: &str) -> Vec<Value> {
    cluster
        .store
        .list(res("LimitRange"), Some(namespace))
        .map(|(_, lr)| lr.clone())
        .collect()
}

/// `SetDefaults_LimitRangeItem`: a Container item's default limit falls
/// back to its max, and its default request to the default limit, then to
/// its min.
pub(crate) fn default_limit_range(lr: &mut Value) {
    let Some(limits) = lr.at(&["spec", "limits"]).as_array() else {
        return;
    };
    let mut limits = limits.to_vec();
    for item in &mut limits {
        if item.get("type").as_str() != Some("Container") {
            continue;
        }
        let mut default = item.get("default").clone();
        let mut request = item.get("defaultRequest").clone();
        fill(&mut default, item.get("max"));
        fill(&mut request, &default);
        fill(&mut request, item.get("min"));
        for (field, v) in [("default", default), ("defaultRequest", request)] {
            if !v.is_empty() {
                item.set(field, v);
            }
        }
    }
    lr.set_at(&["spec", "limits"], Value::array(limits));
}

/// Copies the members of `from` that `to` lacks.
fn fill(to: &mut Value, from: &Value) {
    for (k, v) in from.members() {
        if to.get(k).is_null() {
            to.entry(k).clone_from(v);
        }
    }
}

/// The LimitRanger's mutating half (`PodMutateLimitFunc`): each
/// LimitRange's Container defaults fill the requests and limits a
/// container leaves out, and the pod is annotated with what was set.
pub(crate) fn limit_ranger_defaults(cluster: &Cluster, pod: &mut Value) {
    if cluster.store.count(res("LimitRange")) == 0 {
        return;
    }
    let namespace = pod.str_at(&["metadata", "namespace"]).unwrap_or("");
    for lr in limit_ranges(cluster, namespace) {
        let mut limits = Value::object();
        let mut requests = Value::object();
        for item in lr.at(&["spec", "limits"]).items() {
            if item.get("type").as_str() == Some("Container") {
                fill(&mut limits, item.get("default"));
                fill(&mut requests, item.get("defaultRequest"));
            }
        }
        if limits.is_empty() && requests.is_empty() {
            continue;
        }
        let mut notes: Vec<String> = Vec::new();
        for (list, what) in [
            ("containers", "container"),
            ("initContainers", "init container"),
        ] {
            let Some(containers) = pod.at(&["spec", list]).as_array() else {
                continue;
            };
            let mut containers = containers.to_vec();
            for c in &mut containers {
                let name = c.str_at(&["name"]).unwrap_or("").to_string();
                for (field, defaults) in [("requests", &requests), ("limits", &limits)] {
                    let set: Vec<&str> = defaults
                        .members()
                        .filter(|(k, _)| c.at(&["resources", field, k]).is_null())
                        .map(|(k, _)| k)
                        .collect();
                    if !set.is_empty() {
                        // Maps are only made when something goes in them
                        // (Go makes empty ones, which serialize as nothing).
                        let current = c.entry("resources").entry(field);
                        for &k in &set {
                            current.set(k, defaults.get(k).clone());
                        }
                        let kind = &field[..field.len() - 1];
                        notes.push(format!("{} {kind} for {what} {name}", set.join(", ")));
                    }
                }
            }
            pod.set_at(&["spec", list], Value::array(containers));
        }
        if !notes.is_empty() {
            pod.set_at(
                &["metadata", "annotations", "kubernetes.io/limit-ranger"],
                Value::from(format!("LimitRanger plugin set: {}", notes.join("; "))),
            );
        }
    }
}

/// `resource.MaxMilliValue`: the largest value whose thousandths fit an i64.
const MAX_MILLI: i64 = i64::MAX / 1000;

/// `requestLimitEnforcedValues`: quantities compared at one precision,
/// thousandths where none of them overflows.
fn common_values<const N: usize>(qs: [Option<Quantity>; N]) -> [i64; N] {
    let milli = qs.iter().flatten().all(|q| q.value() <= MAX_MILLI);
    qs.map(|q| {
        let q = q.unwrap_or(Quantity::from_units(0));
        if milli { q.milli_value() } else { q.value() }
    })
}

/// `minConstraint`, `maxConstraint` and `maxRequestConstraint`: the first
/// of `observed` must be stated, and none may pass `enforced` (below it
/// for a minimum, above it for a maximum).
fn bound_constraint(
    minimum: bool,
    kind: &str,
    name: &str,
    enforced: Quantity,
    observed: [(&str, Option<Quantity>); 2],
) -> Option<String> {
    let word = if minimum { "minimum" } else { "maximum" };
    let prefix = format!("{word} {name} usage per {kind} is {enforced}");
    let [(first, stated), _] = observed;
    if stated.is_none() {
        return Some(format!("{prefix}.  No {first} is specified"));
    }
    let [a, b, e] = common_values([observed[0].1, observed[1].1, Some(enforced)]);
    observed.iter().zip([a, b]).find_map(|(&(what, q), v)| {
        let q = q?;
        let beyond = if minimum { v < e } else { v > e };
        beyond.then(|| format!("{prefix}, but {what} is {q}"))
    })
}

/// `limitRequestRatioConstraint`.
fn ratio_constraint(
    kind: &str,
    name: &str,
    enforced: Quantity,
    requests: &ResourceList,
    limits: &ResourceList,
) -> Option<String> {
    let [r, l, _] = common_values([requests.get(name), limits.get(name), Some(enforced)]);
    let prefix = format!("{name} max limit to request ratio per {kind} is {enforced}, but");
    if requests.get(name).is_none() || r == 0 {
        return Some(format!("{prefix} no request is specified or request is 0"));
    }
    if limits.get(name).is_none() || l == 0 {
        return Some(format!("{prefix} no limit is specified or limit is 0"));
    }
    let shown = l as f64 / r as f64;
    // `resource.MaxMilliValue`, as above: compare in thousandths when they fit.
    let (observed, max) = if enforced.value() <= MAX_MILLI {
        (shown * 1000.0, enforced.milli_value() as f64)
    } else {
        (shown, enforced.value() as f64)
    };
    (observed > max).then(|| format!("{prefix} provided ratio is {shown:.6}"))
}

/// The three constraints of one LimitRange item against requests and
/// limits (Go walks each map in its own order; Kubeplay sorts).
fn item_errors(
    item: &Value,
    kind: &str,
    requests: &ResourceList,
    limits: &ResourceList,
    errors: &mut Vec<String>,
) {
    let r = |name: &str| ("request", requests.get(name));
    let l = |name: &str| ("limit", limits.get(name));
    for (name, q) in &ResourceList::of(item.get("min")).0 {
        errors.extend(bound_constraint(true, kind, name, *q, [r(name), l(name)]));
    }
    for (name, q) in &ResourceList::of(item.get("max")).0 {
        errors.extend(bound_constraint(false, kind, name, *q, [l(name), r(name)]));
    }
    for (name, q) in &ResourceList::of(item.get("maxLimitRequestRatio")).0 {
        errors.extend(ratio_constraint(kind, name, *q, requests, limits));
    }
}

/// `utilerrors.NewAggregate(errs).Error()`: one message alone, several in
/// brackets, duplicates once.
fn aggregate(errors: &[String]) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for e in errors {
        if !seen.contains(&e.as_str()) {
            seen.push(e);
        }
    }
    match seen.as_slice() {
        [one] => one.to_string(),
        many => format!("[{}]", many.join(", ")),
    }
}

/// `admission.NewForbidden`. Validating admission runs after the server
/// has named the object, so a generated name shows whole.
fn forbidden(resource: ResourceId, name: &str, message: &str) -> StatusError {
    StatusError::forbidden(format!(
        "{} {} is forbidden: {message}",
        resource.get().plural_group(),
        quote(name)
    ))
}

/// The LimitRanger's validating half for a pod or a claim: the first
/// LimitRange the object breaks refuses it with all that LimitRange's
/// complaints.
pub(crate) fn limit_ranger_validate(
    cluster: &Cluster,
    resource: ResourceId,
    obj: &Value,
    name: &str,
) -> Result<(), StatusError> {
    let kind = resource.get().kind;
    if !matches!(kind, "Pod" | "PersistentVolumeClaim")
        || !resource.get().group.is_empty()
        || cluster.store.count(res("LimitRange")) == 0
    {
        return Ok(());
    }
    let namespace = obj.str_at(&["metadata", "namespace"]).unwrap_or("");
    for lr in limit_ranges(cluster, namespace) {
        let mut errors = Vec::new();
        for item in lr.at(&["spec", "limits"]).items() {
            match (kind, item.get("type").as_str().unwrap_or("")) {
                ("Pod", "Container") => {
                    for list in ["containers", "initContainers"] {
                        for c in obj.at(&["spec", list]).items() {
                            let requests = ResourceList::of(c.at(&["resources", "requests"]));
                            let limits = ResourceList::of(c.at(&["resources", "limits"]));
                            item_errors(item, "Container", &requests, &limits, &mut errors);
                        }
                    }
                }
                ("Pod", "Pod") => {
                    let spec = obj.get("spec");
                    let requests = pod_resources(spec, "requests", false);
                    let limits = pod_resources(spec, "limits", false);
                    item_errors(item, "Pod", &requests, &limits, &mut errors);
                }
                ("PersistentVolumeClaim", t @ "PersistentVolumeClaim") => {
                    let requests = ResourceList::of(obj.at(&["spec", "resources", "requests"]));
                    // Only the request is the user's (limits are not read).
                    for (minimum, field) in [(true, "min"), (false, "max")] {
                        for (name, q) in &ResourceList::of(item.get(field)).0 {
                            let stated = ("request", requests.get(name));
                            errors.extend(bound_constraint(
                                minimum,
                                t,
                                name,
                                *q,
                                [stated, ("limit", None)],
                            ));
                        }
                    }
                }
                _ => {}
            }
        }
        if !errors.is_empty() {
            return Err(forbidden(resource, name, &aggregate(&errors)));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// ResourceQuota: evaluators

/// `storageClassSuffix`.
const STORAGE_CLASS_SUFFIX: &str = ".storageclass.storage.k8s.io/";

/// The usage evaluator of a kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Evaluator {
    Pods,
    Services,
    Claims,
    /// Any other kind: only object counts.
    Count(ResourceId),
}

impl Evaluator {
    fn of(resource: ResourceId) -> Option<Evaluator> {
        let rt = resource.get();
        if !rt.namespaced {
            return None;
        }
        Some(match (rt.group, rt.kind) {
            ("", "Pod") => Evaluator::Pods,
            ("", "Service") => Evaluator::Services,
            ("", "PersistentVolumeClaim") => Evaluator::Claims,
            _ => Evaluator::Count(resource),
        })
    }

    fn resource(self) -> ResourceId {
        match self {
            Evaluator::Pods => res("Pod"),
            Evaluator::Services => res("Service"),
            Evaluator::Claims => res("PersistentVolumeClaim"),
            Evaluator::Count(r) => r,
        }
    }

    /// `MatchingResources`: whether a quota's resource name is this
    /// evaluator's.
    fn tracks(self, name: &str) -> bool {
        match self {
            Evaluator::Pods => {
                matches!(
                    name,
                    "pods"
                        | "count/pods"
                        | "cpu"
                        | "memory"
                        | "ephemeral-storage"
                        | "requests.cpu"
                        | "requests.memory"
                        | "requests.ephemeral-storage"
                        | "limits.cpu"
                        | "limits.memory"
                        | "limits.ephemeral-storage"
                ) || name.starts_with("hugepages-")
                    || name
                        .strip_prefix("requests.")
                        .is_some_and(|r| r.starts_with("hugepages-") || is_extended(r))
            }
            Evaluator::Services => matches!(
                name,
                "services" | "count/services" | "services.nodeports" | "services.loadbalancers"
            ),
            Evaluator::Claims => {
                matches!(
                    name,
                    "persistentvolumeclaims" | "count/persistentvolumeclaims" | "requests.storage"
                ) || name.split_once(STORAGE_CLASS_SUFFIX).is_some_and(|(_, r)| {
                    matches!(r, "requests.storage" | "persistentvolumeclaims")
                })
            }
            Evaluator::Count(r) => name == count_name(r) || Some(name) == legacy_count_name(r),
        }
    }

    /// Whether a quota's scope selector admits the object.
    fn matches_scope(self, scope: &ScopeRequirement, obj: &Value) -> bool {
        match self {
            Evaluator::Pods => pod_matches_scope(scope, obj),
            Evaluator::Claims if scope.name == "VolumeAttributesClass" => {
                let class = obj
                    .at(&["spec", "volumeAttributesClassName"])
                    .as_str()
                    .unwrap_or("");
                scope.matches_value(class, !class.is_empty())
            }
            _ => false,
        }
    }

    /// `Usage`: what one object uses.
    fn usage(self, obj: &Value, now: Millis) -> ResourceList {
        let one = Quantity::from_units(1);
        let mut used = ResourceList::default();
        match self {
            Evaluator::Pods => {
                // Every stored pod counts as an object; only live ones use
                // compute resources (and the `pods` count).
                used.set("count/pods", one);
                if counts_for_quota(obj, now) {
                    used.set("pods", one);
                    let spec = obj.get("spec");
                    let requests = pod_resources(spec, "requests", true);
                    let limits = pod_resources(spec, "limits", true);
                    // `podComputeUsageHelper`: compute resources by their
                    // own names and as `requests.*`/`limits.*`; hugepages
                    // and extended resources as requests.
                    for (r, q) in &requests.0 {
                        let compute = matches!(r.as_str(), "cpu" | "memory" | "ephemeral-storage");
                        if compute || r.starts_with("hugepages-") {
                            used.set(r, *q);
                        }
                        if compute || r.starts_with("hugepages-") || is_extended(r) {
                            used.set(&format!("requests.{r}"), *q);
                        }
                    }
                    for r in ["cpu", "memory", "ephemeral-storage"] {
                        if let Some(q) = limits.get(r) {
                            used.set(&format!("limits.{r}"), q);
                        }
                    }
                }
            }
            Evaluator::Services => {
                used.set("count/services", one);
                used.set("services", one);
                let ports = obj.at(&["spec", "ports"]).items().count() as i64;
                let (node_ports, balancers) = match obj.str_at(&["spec", "type"]) {
                    Some("NodePort") => (ports, 0),
                    Some("LoadBalancer") => {
                        let allocated =
                            obj.at(&["spec", "allocateLoadBalancerNodePorts"]).as_bool()
                                != Some(false);
                        let with_node_port = obj
                            .at(&["spec", "ports"])
                            .items()
                            .filter(|p| !p.get("nodePort").is_null())
                            .count() as i64;
                        (if allocated { ports } else { with_node_port }, 1)
                    }
                    _ => (0, 0),
                };
                used.set("services.nodeports", Quantity::from_units(node_ports));
                used.set("services.loadbalancers", Quantity::from_units(balancers));
            }
            Evaluator::Claims => {
                used.set("count/persistentvolumeclaims", one);
                used.set("persistentvolumeclaims", one);
                let storage = claim_storage(obj);
                if let Some(q) = storage {
                    used.set("requests.storage", q);
                }
                let class = crate::controllers::volume::class_of(obj);
                if !class.is_empty() {
                    used.set(
                        &format!("{class}{STORAGE_CLASS_SUFFIX}persistentvolumeclaims"),
                        one,
                    );
                    if let Some(q) = storage {
                        used.set(&format!("{class}{STORAGE_CLASS_SUFFIX}requests.storage"), q);
                    }
                }
            }
            Evaluator::Count(r) => {
                used.set(&count_name(r), one);
                if let Some(legacy) = legacy_count_name(r) {
                    used.set(legacy, one);
                }
            }
        }
        used
    }

    /// `Constraints`: a quota on CPU or memory requires every container
    /// to state it (`must specify …`).
    fn constraints(self, required: &[&str], obj: &Value) -> Option<String> {
        if self != Evaluator::Pods {
            return None;
        }
        const VALIDATED: [&str; 6] = [
            "cpu",
            "memory",
            "requests.cpu",
            "requests.memory",
            "limits.cpu",
            "limits.memory",
        ];
        let required: Vec<&str> = required
            .iter()
            .copied()
            .filter(|r| VALIDATED.contains(r))
            .collect();
        // resource → containers missing it, both sorted.
        let mut missing: Vec<(&str, Vec<String>)> = Vec::new();
        for list in ["containers", "initContainers"] {
            for c in obj.at(&["spec", list]).items() {
                let requests = ResourceList::of(c.at(&["resources", "requests"]));
                let limits = ResourceList::of(c.at(&["resources", "limits"]));
                for &r in &required {
                    let stated = match r.split_once('.') {
                        Some(("limits", what)) => limits.get(what).is_some(),
                        Some((_, what)) => requests.get(what).is_some(),
                        None => requests.get(r).is_some(),
                    };
                    if stated {
                        continue;
                    }
                    let name = c.str_at(&["name"]).unwrap_or("").to_string();
                    match missing.iter_mut().find(|(m, _)| *m == r) {
                        Some((_, names)) => {
                            if let Err(i) = names.binary_search(&name) {
                                names.insert(i, name);
                            }
                        }
                        None => missing.push((r, vec![name])),
                    }
                }
            }
        }
        if missing.is_empty() {
            return None;
        }
        missing.compact_sort_by(|a, b| a.0.cmp(b.0));
        let parts: Vec<String> = missing
            .iter()
            .map(|(r, names)| format!("{r} for: {}", names.join(",")))
            .collect();
        Some(format!("must specify {}", parts.join("; ")))
    }
}

/// `count/<resource>.<group>` (`count/<resource>` for the core group).
fn count_name(resource: ResourceId) -> String {
    format!("count/{}", resource.get().plural_group())
}

/// The names quota used before `count/…` existed.
fn legacy_count_name(resource: ResourceId) -> Option<&'static str> {
    let rt = resource.get();
    let plural = LEGACY_COUNTS.iter().find(|p| **p == rt.plural)?;
    rt.group.is_empty().then_some(*plural)
}

/// `legacyObjectCountAliases`: core resources quota counts by plural.
const LEGACY_COUNTS: [&str; 4] = [
    "configmaps",
    "resourcequotas",
    "replicationcontrollers",
    "secrets",
];

/// A claim's storage for quota: its request, or what was allocated to it
/// when that is more (a resize in progress).
fn claim_storage(claim: &Value) -> Option<Quantity> {
    let request = ResourceList::of(claim.at(&["spec", "resources", "requests"])).get("storage");
    let allocated = ResourceList::of(claim.at(&["status", "allocatedResources"])).get("storage");
    match (request, allocated) {
        (Some(r), Some(a)) if a.cmp_value(&r) == Ordering::Greater => Some(a),
        (r, a) => r.or(a),
    }
}

/// `QuotaV1Pod`: a pod uses compute quota until it ends, or until its
/// deletion's grace period has run out (a pod stuck terminating on a lost
/// node should not block its replacement).
pub(crate) fn counts_for_quota(pod: &Value, now: Millis) -> bool {
    if matches!(
        pod.str_at(&["status", "phase"]),
        Some("Succeeded" | "Failed")
    ) {
        return false;
    }
    if let (Some(at), Some(grace)) = (
        pod.str_at(&["metadata", "deletionTimestamp"])
            .and_then(parse_rfc3339),
        pod.at(&["metadata", "deletionGracePeriodSeconds"]).as_i64(),
    ) && now > at.saturating_add((grace.max(0) as Millis).saturating_mul(SECOND))
    {
        return false;
    }
    true
}

/// One `ScopedResourceSelectorRequirement` (a listed scope is `Exists`).
#[derive(Clone, Debug)]
struct ScopeRequirement {
    name: String,
    operator: String,
    values: Vec<String>,
}

impl ScopeRequirement {
    /// The requirement as a label selector over `{scope: value}`.
    /// `present` says whether the label set has the key at all (a pod
    /// without a priority class has none).
    fn matches_value(&self, value: &str, present: bool) -> bool {
        let listed = present && self.values.iter().any(|v| v == value);
        match self.operator.as_str() {
            "In" => listed,
            "NotIn" => !listed,
            "Exists" => present,
            "DoesNotExist" => !present,
            _ => false,
        }
    }
}

/// `GetScopeSelectorsFromQuota`: the listed scopes, then the selector's.
fn scopes_of(quota: &Value) -> Vec<ScopeRequirement> {
    let mut scopes: Vec<ScopeRequirement> = quota
        .at(&["spec", "scopes"])
        .items()
        .filter_map(Value::as_str)
        .map(|s| ScopeRequirement {
            name: s.to_string(),
            operator: "Exists".into(),
            values: Vec::new(),
        })
        .collect();
    for e in quota
        .at(&["spec", "scopeSelector", "matchExpressions"])
        .items()
    {
        scopes.push(ScopeRequirement {
            name: e.get("scopeName").as_str().unwrap_or("").to_string(),
            operator: e.get("operator").as_str().unwrap_or("").to_string(),
            values: e
                .get("values")
                .items()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
        });
    }
    scopes
}

/// `podMatchesScopeFunc`.
fn pod_matches_scope(scope: &ScopeRequirement, pod: &Value) -> bool {
    let terminating = pod
        .at(&["spec", "activeDeadlineSeconds"])
        .as_i64()
        .is_some_and(|s| s >= 0);
    let best_effort = is_best_effort(pod);
    match scope.name.as_str() {
        "Terminating" => terminating,
        "NotTerminating" => !terminating,
        "BestEffort" => best_effort,
        "NotBestEffort" => !best_effort,
        "PriorityClass" => {
            let class = pod.str_at(&["spec", "priorityClassName"]).unwrap_or("");
            scope.matches_value(class, !class.is_empty())
        }
        "CrossNamespacePodAffinity" => {
            let affinity = pod.at(&["spec", "affinity"]);
            ["podAffinity", "podAntiAffinity"].iter().any(|kind| {
                let a = affinity.get(kind);
                let required = a
                    .get("requiredDuringSchedulingIgnoredDuringExecution")
                    .items();
                let preferred = a
                    .get("preferredDuringSchedulingIgnoredDuringExecution")
                    .items()
                    .map(|w| w.get("podAffinityTerm"));
                required.chain(preferred).any(|t| {
                    !t.get("namespaces").is_empty() || !t.get("namespaceSelector").is_null()
                })
            })
        }
        _ => false,
    }
}

/// `qos.GetPodQOS`: the class the pod's status records, else the one its
/// resources make.
fn is_best_effort(pod: &Value) -> bool {
    pod.str_at(&["status", "qosClass"])
        .unwrap_or_else(|| crate::api::defaults::pod_qos_class(pod))
        == "BestEffort"
}

/// `quota.Matches`: the quota (by its status.hard) names a resource of
/// this kind, and every scope admits the object.
fn quota_matches(evaluator: Evaluator, quota: &Value, obj: &Value) -> bool {
    let hard = quota.at(&["status", "hard"]);
    hard.members().any(|(name, _)| evaluator.tracks(name))
        && scopes_of(quota)
            .iter()
            .all(|s| evaluator.matches_scope(s, obj))
}

/// Whether the quota (by its status.hard) tracks a resource of this kind
/// (`replenishQuota`).
pub(crate) fn tracks_kind(quota: &Value, resource: ResourceId) -> bool {
    Evaluator::of(resource).is_some_and(|e| {
        quota
            .at(&["status", "hard"])
            .members()
            .any(|(name, _)| e.tracks(name))
    })
}

/// `CalculateUsage`: what the namespace's objects use of the resources
/// `hard` names, zero for those nothing uses.
pub(crate) fn calculate_usage(
    cluster: &Cluster,
    namespace: &str,
    quota: &Value,
    hard: &ResourceList,
    now: Millis,
) -> ResourceList {
    let mut used = ResourceList::default();
    let mut evaluators: Vec<Evaluator> = Vec::new();
    for name in hard.names() {
        if let Some(e) = evaluator_for_name(name)
            && !evaluators.contains(&e)
        {
            evaluators.push(e);
        }
    }
    let scopes = scopes_of(quota);
    for e in evaluators {
        for name in hard.names().filter(|n| e.tracks(n)) {
            used.set(name, Quantity::from_units(0));
        }
        for (_, obj) in cluster.store.list(e.resource(), Some(namespace)) {
            if scopes.iter().all(|s| e.matches_scope(s, obj)) {
                used.add_all(&e.usage(obj, now).mask(|n| hard.get(n).is_some()));
            }
        }
    }
    used
}

/// The evaluator a quota resource name belongs to.
fn evaluator_for_name(name: &str) -> Option<Evaluator> {
    for e in [Evaluator::Pods, Evaluator::Services, Evaluator::Claims] {
        if e.tracks(name) {
            return Some(e);
        }
    }
    let counted = match name.strip_prefix("count/") {
        Some(counted) => counted,
        None => LEGACY_COUNTS.iter().find(|p| **p == name)?,
    };
    let (plural, group) = counted.split_once('.').unwrap_or((counted, ""));
    crate::api::registry::by_plural_group(plural, group).and_then(Evaluator::of)
}

/// The ResourceQuota strategy's warnings: a request quota above its
/// limit quota.
pub(crate) fn quota_warnings(hard: &Value) -> Vec<String> {
    let hard = ResourceList::of(hard);
    let mut warnings = Vec::new();
    for r in ["cpu", "memory", "ephemeral-storage"] {
        let limit_name = format!("limits.{r}");
        let mut request_name = format!("requests.{r}");
        if hard.get(&request_name).is_none() && r != "ephemeral-storage" {
            request_name = r.to_string();
        }
        if let (Some(request), Some(limit)) = (hard.get(&request_name), hard.get(&limit_name))
            && request.cmp_value(&limit) == Ordering::Greater
        {
            warnings.push(format!(
                "ResourceQuota {request_name} ({request}) should be less than {limit_name} ({limit})"
            ));
        }
    }
    warnings
}

// ---------------------------------------------------------------------------
// ResourceQuota: admission

/// The ResourceQuota plugin (`CheckRequest` for each of the namespace's
/// quotas): refuses an object that would take a quota past its hard limit
/// or that a quota needs to state its resources, and charges the quotas
/// it fits (not on a dry run).
pub(crate) fn admit_quota(
    cluster: &mut Cluster,
    resource: ResourceId,
    obj: &Value,
    old: Option<&Value>,
    name: &str,
    dry_run: bool,
) -> Result<(), StatusError> {
    let Some(evaluator) = Evaluator::of(resource) else {
        return Ok(());
    };
    // Only services and claims are charged on update; object counts and
    // pods (without in-place resize) only on create.
    if (old.is_some() && !matches!(evaluator, Evaluator::Services | Evaluator::Claims))
        || cluster.store.count(res("ResourceQuota")) == 0
    {
        return Ok(());
    }
    let namespace = obj.str_at(&["metadata", "namespace"]).unwrap_or("");
    let quotas: Vec<(ObjectKey, Value)> = cluster
        .store
        .list(res("ResourceQuota"), Some(namespace))
        .map(|(_, q)| (ObjectKey::of(res("ResourceQuota"), q), q.clone()))
        .collect();
    if quotas.is_empty() {
        return Ok(());
    }
    let refuse = |message: String| Err(forbidden(resource, name, &message));
    let mut interesting = Vec::new();
    for (i, (_, quota)) in quotas.iter().enumerate() {
        if !quota_matches(evaluator, quota, obj) {
            continue;
        }
        let quota_name = quota.str_at(&["metadata", "name"]).unwrap_or("");
        let hard = ResourceList::of(quota.at(&["status", "hard"]));
        let restricted: Vec<&str> = hard.names().filter(|n| evaluator.tracks(n)).collect();
        if let Some(e) = evaluator.constraints(&restricted, obj) {
            return refuse(format!("failed quota: {quota_name}: {e}"));
        }
        let used = ResourceList::of(quota.at(&["status", "used"]));
        let unknown: Vec<&str> = restricted
            .iter()
            .copied()
            .filter(|r| used.get(r).is_none())
            .collect();
        if !unknown.is_empty() {
            return refuse(format!(
                "status unknown for quota: {quota_name}, resources: {}",
                restricted.join(",")
            ));
        }
        interesting.push(i);
    }
    if interesting.is_empty() {
        return Ok(());
    }
    let now = cluster.now;
    let full = evaluator.usage(obj, now);
    let negative: Vec<&str> = full
        .0
        .iter()
        .filter(|(_, q)| q.is_negative())
        .map(|(n, _)| n.as_str())
        .collect();
    if !negative.is_empty() {
        return refuse(format!(
            "quota usage is negative for resource(s): {}",
            negative.join(",")
        ));
    }
    // An update is charged what grew (`SubtractWithNonNegativeResult`) to
    // the quotas the old object was in already, and in full to the others.
    let mut delta = full.clone();
    if let Some(old) = old {
        let before = evaluator.usage(old, now);
        let zero = Quantity::from_units(0);
        for (name, q) in &mut delta.0 {
            let d = before.get(name).map_or(*q, |b| *q - b);
            *q = if d.is_negative() { zero } else { d };
        }
    }
    let mut charged: Vec<(ObjectKey, Value)> = Vec::new();
    for i in interesting {
        let (key, quota) = &quotas[i];
        let hard = ResourceList::of(quota.at(&["status", "hard"]));
        let used = ResourceList::of(quota.at(&["status", "used"]));
        let base = match old {
            Some(old) if !quota_matches(evaluator, quota, old) => &full,
            _ => &delta,
        };
        let mut requested = base.mask(|n| hard.get(n).is_some());
        requested.retain_nonzero();
        if requested.is_empty() {
            continue;
        }
        let mut new_used = used.clone();
        new_used.add_all(&requested);
        let exceeded: Vec<&str> = requested
            .names()
            .filter(|n| {
                let (Some(u), Some(h)) = (new_used.get(n), hard.get(n)) else {
                    return false;
                };
                u.cmp_value(&h) == Ordering::Greater
            })
            .collect();
        if !exceeded.is_empty() {
            let only = |l: &ResourceList| l.mask(|n| exceeded.contains(&n)).pretty();
            return refuse(format!(
                "exceeded quota: {}, requested: {}, used: {}, limited: {}",
                quota.str_at(&["metadata", "name"]).unwrap_or(""),
                only(&requested),
                only(&used),
                only(&hard)
            ));
        }
        let mut status = quota.get("status").clone();
        status.set("used", new_used.to_value());
        charged.push((key.clone(), status));
    }
    if !dry_run {
        for (key, status) in charged {
            // The quota exists: it was just listed.
            let _ = cluster.update_status(&key, status);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kubectl::NoFiles;

    /// Runs a script; returns its transcript.
    fn run(cluster: &mut Cluster, script: &str) -> String {
        let r = crate::script::run_script(cluster, script, &NoFiles);
        assert_eq!(r.exit_code, 0, "{}", r.output);
        r.output
    }

    fn yaml_value(text: &str) -> Result<Value, ()> {
        Ok(crate::yaml::load_str(text).map_err(|_| ())?[0]
            .root
            .to_value())
    }

    fn apply(yaml: &str) -> String {
        format!("kubectl apply -f - <<EOF\n{yaml}EOF\n")
    }

    fn used(cluster: &Cluster, quota: &str) -> String {
        let q = cluster
            .store
            .get_named(res("ResourceQuota"), "default", quota)
            .expect("quota");
        ResourceList::of(q.at(&["status", "used"])).pretty()
    }

    #[test]
    fn quantities_add_in_the_left_format_unless_it_is_zero() {
        let q = |s: &str| Quantity::parse(s).unwrap();
        assert_eq!((q("0") + q("512Mi")).to_string(), "512Mi");
        assert_eq!((q("512Mi") + q("512Mi")).to_string(), "1Gi");
        assert_eq!((q("500m") + q("1")).to_string(), "1500m");
        assert_eq!((q("1Gi") - q("1Gi")).to_string(), "0");
        let mut list = ResourceList::default();
        list.add_all(&ResourceList::of(&Value::from_pairs([
            ("pods", Value::str("1")),
            ("cpu", Value::Int(2)),
        ])));
        assert_eq!(list.pretty(), "cpu=2,pods=1");
    }

    #[test]
    fn limit_range_items_default_from_max_then_default_then_min() {
        let mut lr = yaml_value(
            "spec:\n  limits:\n  - type: Container\n    max: {cpu: 800m}\n    min: {cpu: 200m, memory: 1Mi}\n  - type: Pod\n    max: {cpu: '2'}\n",
        )
        .unwrap();
        default_limit_range(&mut lr);
        let item = lr.at(&["spec", "limits"]).items().next().unwrap().clone();
        assert_eq!(item.at(&["default", "cpu"]).as_str(), Some("800m"));
        assert_eq!(item.at(&["defaultRequest", "cpu"]).as_str(), Some("800m"));
        assert_eq!(item.at(&["defaultRequest", "memory"]).as_str(), Some("1Mi"));
        assert!(item.at(&["default", "memory"]).is_null());
        let pod_item = lr.at(&["spec", "limits"]).items().nth(1).unwrap();
        assert!(pod_item.get("default").is_null());
    }

    #[test]
    fn pod_resources_take_the_larger_of_containers_and_init_containers() {
        let spec = yaml_value(
            "initContainers:\n- name: setup\n  resources: {requests: {cpu: '2'}}\n- name: sidecar\n  restartPolicy: Always\n  resources: {requests: {cpu: 100m, memory: 1Gi}}\ncontainers:\n- name: a\n  resources: {requests: {cpu: 300m}}\n- name: b\n  resources: {requests: {cpu: 200m, memory: 512Mi}}\n",
        )
        .unwrap();
        // Containers and the sidecar: 600m and 1.5Gi; the first init
        // container alone needs 2 (the sidecar starts after it).
        assert_eq!(
            pod_resources(&spec, "requests", false).pretty(),
            "cpu=2,memory=1536Mi"
        );
    }

    #[test]
    fn the_limit_ranger_annotates_what_it_set_and_checks_pod_totals() {
        let mut c = Cluster::new(1);
        let out = run(
            &mut c,
            &(apply(
                "apiVersion: v1\nkind: LimitRange\nmetadata: {name: lr}\nspec:\n  limits:\n  - type: Container\n    default: {cpu: 500m, memory: 256Mi}\n  - type: Pod\n    max: {cpu: '1'}\n",
            ) + &apply(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  initContainers:\n  - {name: init, image: busybox}\n  containers:\n  - {name: app, image: nginx, resources: {requests: {memory: 64Mi}}}\n",
            ) + "kubectl get pod p -o jsonpath='{.metadata.annotations.kubernetes\\.io/limit-ranger}'\n"
                + &apply(
                    "apiVersion: v1\nkind: Pod\nmetadata: {name: q}\nspec:\n  containers:\n  - {name: a, image: nginx}\n  - {name: b, image: nginx}\n  - {name: c, image: nginx}\n",
                )),
        );
        assert!(
            out.contains("LimitRanger plugin set: cpu request for container app; cpu, memory limit for container app; cpu, memory request for init container init; cpu, memory limit for init container init"),
            "{out}"
        );
        // Three defaulted containers: 1500m of limits against a Pod max of 1.
        assert!(
            out.contains(
                "pods \"q\" is forbidden: maximum cpu usage per Pod is 1, but limit is 1500m"
            ),
            "{out}"
        );
    }

    #[test]
    fn claims_are_held_to_storage_bounds_on_create_and_resize() {
        let mut c = Cluster::new(1);
        let claim = |size: &str| {
            apply(&format!(
                "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: data}}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {{requests: {{storage: {size}}}}}\n"
            ))
        };
        let out = run(
            &mut c,
            &(apply(
                "apiVersion: v1\nkind: LimitRange\nmetadata: {name: storage}\nspec:\n  limits:\n  - type: PersistentVolumeClaim\n    min: {storage: 1Gi}\n    max: {storage: 2Gi}\n",
            ) + &claim("500Mi")
                + &claim("5Gi")
                + &claim("1Gi")),
        );
        assert!(out.contains("persistentvolumeclaims \"data\" is forbidden: minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi"), "{out}");
        assert!(
            out.contains(
                "maximum storage usage per PersistentVolumeClaim is 2Gi, but request is 5Gi"
            ),
            "{out}"
        );
        assert!(out.contains("persistentvolumeclaim/data created"), "{out}");
    }

    #[test]
    fn finished_pods_give_compute_usage_back_but_still_count_as_objects() {
        let mut c = Cluster::new(1);
        run(
            &mut c,
            "kubectl create quota q --hard=pods=2,count/pods=5\nkubectl create job once --image=busybox -- true\nsleep 30s\n",
        );
        assert_eq!(used(&c, "q"), "count/pods=1,pods=0");
        let out = run(
            &mut c,
            "kubectl run a --image=nginx\nkubectl run b --image=nginx\nkubectl run c --image=nginx\n",
        );
        assert!(
            out.contains("exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2"),
            "{out}"
        );
        assert_eq!(used(&c, "q"), "count/pods=3,pods=2");
    }

    #[test]
    fn scopes_choose_the_pods_a_quota_counts() {
        let mut c = Cluster::new(1);
        let out = run(
            &mut c,
            &(String::from(
                "kubectl create quota terminating --hard=pods=1 --scopes=Terminating\nkubectl create quota best-effort --hard=pods=5 --scopes=BestEffort\n",
            ) + &apply(
                "apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: high}\nspec:\n  hard: {pods: '0'}\n  scopeSelector:\n    matchExpressions:\n    - {scopeName: PriorityClass, operator: In, values: [high]}\n",
            ) + &apply(
                "apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: classless}\nspec:\n  hard: {pods: '9'}\n  scopeSelector:\n    matchExpressions:\n    - {scopeName: PriorityClass, operator: DoesNotExist}\n",
            ) + &apply(
                "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: high}\nvalue: 1000\n",
            ) + &apply(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: deadline}\nspec:\n  activeDeadlineSeconds: 60\n  containers:\n  - {name: a, image: nginx, resources: {requests: {cpu: 100m}}}\n",
            ) + "kubectl run plain --image=nginx\n"
                + &apply(
                    "apiVersion: v1\nkind: Pod\nmetadata: {name: vip}\nspec:\n  priorityClassName: high\n  containers:\n  - {name: a, image: nginx, resources: {requests: {cpu: 100m}}}\n",
                )),
        );
        assert_eq!(used(&c, "terminating"), "pods=1");
        assert_eq!(used(&c, "best-effort"), "pods=1");
        // Pods without a class have no PriorityClass key to match.
        assert_eq!(used(&c, "classless"), "pods=2");
        assert!(out.contains("pods \"vip\" is forbidden: exceeded quota: high, requested: pods=1, used: pods=0, limited: pods=0"), "{out}");
    }

    #[test]
    fn services_are_charged_on_update_by_the_difference() {
        let mut c = Cluster::new(1);
        let out = run(
            &mut c,
            "kubectl create quota ports --hard=services.nodeports=1,services.loadbalancers=0\nkubectl create service clusterip web --tcp=80:80,443:443\nkubectl patch service web -p '{\"spec\":{\"type\":\"NodePort\"}}'\nkubectl create service nodeport one --tcp=80:80\nkubectl create service loadbalancer lb --tcp=80:80 --dry-run=server\n",
        );
        assert!(out.contains("services \"web\" is forbidden: exceeded quota: ports, requested: services.nodeports=2, used: services.nodeports=0, limited: services.nodeports=1"), "{out}");
        assert!(out.contains("service/one created"), "{out}");
        assert!(
            out.contains(
                "exceeded quota: ports, requested: services.loadbalancers=1,services.nodeports=1"
            ),
            "{out}"
        );
        assert_eq!(
            used(&c, "ports"),
            "services.loadbalancers=0,services.nodeports=1"
        );
    }

    #[test]
    fn a_server_dry_run_is_checked_but_not_charged() {
        let mut c = Cluster::new(1);
        run(
            &mut c,
            "kubectl create quota q --hard=pods=1\nkubectl run a --image=nginx --dry-run=server\nkubectl run b --image=nginx --dry-run=server\n",
        );
        assert_eq!(used(&c, "q"), "pods=0");
    }

    #[test]
    fn ten_different_messages_combine_into_one_event() {
        let mut c = Cluster::new(1);
        let out = run(
            &mut c,
            "kubectl create quota q --hard=pods=0\nkubectl create deployment web --image=nginx\nsleep 30s\nkubectl get events --field-selector reason=FailedCreate -o jsonpath='{range .items[*]}{.count}{\" \"}{.message}{\"\\n\"}{end}'\n",
        );
        let lines: Vec<&str> = out
            .lines()
            .filter(|l| l.contains("Error creating"))
            .collect();
        assert_eq!(lines.len(), 10, "{out}");
        assert!(
            lines[..9]
                .iter()
                .all(|l| l.starts_with("1 Error creating: pods \"web-"))
        );
        let last = lines[9];
        assert!(
            last.contains(" (combined from similar events): Error creating: pods \"web-"),
            "{last}"
        );
        assert!(!last.starts_with("1 "), "{last}");
    }
}
