//! API discovery as a v1.37 API server serves it: the resources a fresh
//! cluster lists (those Kubeplay serves and those it only lists), their
//! verbs, categories, subresources and storage version hashes, and the
//! legacy discovery documents (`/api`, `/apis`, `/api/v1`,
//! `/apis/GROUP[/VERSION]`) that `kubectl api-resources`, `api-versions`
//! and a `curl` through `kubectl proxy` read.

use crate::api::registry::{RESOURCES, ResourceType};
use crate::apiserver::aggregator::Remote;
use crate::value::Value;

/// A resource as discovery lists it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Listed {
    /// `deployments`
    pub plural: &'static str,
    /// `deployment`
    pub singular: &'static str,
    /// `Deployment`
    pub kind: &'static str,
    /// `apps` (empty for the core group)
    pub group: &'static str,
    /// The preferred version: `v1`
    pub version: &'static str,
    /// Whether its objects live in a namespace.
    pub namespaced: bool,
    /// `deploy`
    pub short_names: &'static [&'static str],
    /// Kubeplay stores and serves it (else it is only listed).
    pub served: bool,
}

impl Listed {
    fn of(r: &'static ResourceType) -> Listed {
        Listed {
            plural: r.plural,
            singular: r.singular,
            kind: r.kind,
            group: r.group,
            version: r.version,
            namespaced: r.namespaced,
            short_names: r.short_names,
            served: true,
        }
    }

    /// `apps/v1`, or `v1` for the core group.
    pub fn api_version(&self) -> String {
        crate::api::registry::group_version(self.group, self.version)
    }

    /// Its verbs, sorted: the review kinds and bindings are only created,
    /// component statuses only read, and namespaces are not deleted as a
    /// collection.
    pub fn verbs(&self) -> &'static [&'static str] {
        const ALL: &[&str] = &[
            "create",
            "delete",
            "deletecollection",
            "get",
            "list",
            "patch",
            "update",
            "watch",
        ];
        match self.kind {
            "Namespace" => &[
                "create", "delete", "get", "list", "patch", "update", "watch",
            ],
            "ComponentStatus" | "NodeMetrics" | "PodMetrics" => &["get", "list"],
            "Binding" => &["create"],
            k if k.ends_with("Review") => &["create"],
            _ => ALL,
        }
    }

    /// Its categories: `all` for the workloads `kubectl get all` lists,
    /// `api-extensions` for the API's own extension points.
    pub fn categories(&self) -> &'static str {
        match (self.group, self.kind) {
            (
                "" | "apps" | "autoscaling" | "batch",
                "Pod"
                | "ReplicationController"
                | "Service"
                | "DaemonSet"
                | "Deployment"
                | "ReplicaSet"
                | "StatefulSet"
                | "HorizontalPodAutoscaler"
                | "CronJob"
                | "Job",
            ) => "all",
            (
                "admissionregistration.k8s.io" | "apiextensions.k8s.io" | "apiregistration.k8s.io",
                _,
            ) => "api-extensions",
            _ => "",
        }
    }

    /// `storageVersionHash`: the first 8 bytes of SHA-256 of the group,
    /// version and kind it is stored as, in base64; none for what is not
    /// stored (reviews, bindings, component statuses).
    pub fn storage_version_hash(&self) -> Option<String> {
        if !self.verbs().contains(&"watch") {
            return None;
        }
        // Stored as an older version, or beside another group's kind.
        let (group, version) = match (self.group, self.kind) {
            ("events.k8s.io", _) => ("", "v1"),
            ("apiextensions.k8s.io", _)
            | ("certificates.k8s.io", "ClusterTrustBundle" | "PodCertificateRequest")
            | ("admissionregistration.k8s.io", "MutatingAdmissionPolicy")
            | ("admissionregistration.k8s.io", "MutatingAdmissionPolicyBinding")
            | ("storagemigration.k8s.io", _) => (self.group, "v1beta1"),
            ("resource.k8s.io", "DeviceTaintRule") => (self.group, "v1alpha3"),
            (g, _) => (g, self.version),
        };
        let digest = sha256(format!("{group}/{version}/{}", self.kind).as_bytes());
        Some(crate::api::schema::golang::base64_encode(&digest[..8]))
    }

    /// Its subresources: name, the kind's group/version/kind when it is
    /// not the resource's own kind, and verbs (`c`reate, `d`elete, `g`et,
    /// `p`atch, `u`pdate).
    fn subresources(&self) -> &'static [(&'static str, &'static str, &'static str)] {
        const STATUS: (&str, &str, &str) = ("status", "", "gpu");
        const SCALE: (&str, &str, &str) = ("scale", "autoscaling/v1/Scale", "gpu");
        match (self.group, self.kind) {
            ("", "Pod") => &[
                ("attach", "/v1/PodAttachOptions", "cg"),
                ("binding", "/v1/Binding", "c"),
                ("ephemeralcontainers", "", "gpu"),
                ("eviction", "policy/v1/Eviction", "c"),
                ("exec", "/v1/PodExecOptions", "cg"),
                ("log", "", "g"),
                ("portforward", "/v1/PodPortForwardOptions", "cg"),
                ("proxy", "/v1/PodProxyOptions", "cdgpu"),
                ("resize", "", "gpu"),
                STATUS,
            ],
            ("", "Namespace") => &[("finalize", "", "u"), STATUS],
            ("", "Node") => &[("proxy", "/v1/NodeProxyOptions", "cdgpu"), STATUS],
            ("", "Service") => &[("proxy", "/v1/ServiceProxyOptions", "cdgpu"), STATUS],
            ("", "ServiceAccount") => &[("token", "authentication.k8s.io/v1/TokenRequest", "c")],
            ("", "ReplicationController")
            | ("apps", "Deployment" | "ReplicaSet" | "StatefulSet") => &[SCALE, STATUS],
            ("certificates.k8s.io", "CertificateSigningRequest") => {
                &[("approval", "", "gpu"), STATUS]
            }
            ("", "PersistentVolume" | "PersistentVolumeClaim" | "ResourceQuota")
            | ("apps", "DaemonSet")
            | (
                "autoscaling"
                | "batch"
                | "policy"
                | "apiextensions.k8s.io"
                | "apiregistration.k8s.io"
                | "flowcontrol.apiserver.k8s.io"
                | "storagemigration.k8s.io",
                _,
            )
            | ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy")
            | ("certificates.k8s.io", "PodCertificateRequest")
            | ("networking.k8s.io", "Ingress" | "ServiceCIDR")
            | ("resource.k8s.io", "DeviceTaintRule" | "ResourceClaim")
            | ("storage.k8s.io", "VolumeAttachment") => &[STATUS],
            _ => &[],
        }
    }
}

macro_rules! listed {
    ($plural:literal, $singular:literal, $kind:literal, $group:literal, $ns:literal, [$($short:literal),*]) => {
        Listed {
            plural: $plural,
            singular: $singular,
            kind: $kind,
            group: $group,
            version: "v1",
            namespaced: $ns,
            short_names: &[$($short),*],
            served: false,
        }
    };
}

/// What a fresh v1.37 cluster serves and Kubeplay does not: listed by
/// discovery, refused by `kubectl get` with a word on why.
const UNSERVED: &[Listed] = &[
    listed!("bindings", "binding", "Binding", "", true, []),
    listed!(
        "mutatingadmissionpolicies",
        "mutatingadmissionpolicy",
        "MutatingAdmissionPolicy",
        "admissionregistration.k8s.io",
        false,
        []
    ),
    listed!(
        "mutatingadmissionpolicybindings",
        "mutatingadmissionpolicybinding",
        "MutatingAdmissionPolicyBinding",
        "admissionregistration.k8s.io",
        false,
        []
    ),
    listed!(
        "selfsubjectreviews",
        "selfsubjectreview",
        "SelfSubjectReview",
        "authentication.k8s.io",
        false,
        []
    ),
    listed!(
        "tokenreviews",
        "tokenreview",
        "TokenReview",
        "authentication.k8s.io",
        false,
        []
    ),
    listed!(
        "localsubjectaccessreviews",
        "localsubjectaccessreview",
        "LocalSubjectAccessReview",
        "authorization.k8s.io",
        true,
        []
    ),
    listed!(
        "selfsubjectaccessreviews",
        "selfsubjectaccessreview",
        "SelfSubjectAccessReview",
        "authorization.k8s.io",
        false,
        []
    ),
    listed!(
        "selfsubjectrulesreviews",
        "selfsubjectrulesreview",
        "SelfSubjectRulesReview",
        "authorization.k8s.io",
        false,
        []
    ),
    listed!(
        "subjectaccessreviews",
        "subjectaccessreview",
        "SubjectAccessReview",
        "authorization.k8s.io",
        false,
        []
    ),
    listed!(
        "clustertrustbundles",
        "clustertrustbundle",
        "ClusterTrustBundle",
        "certificates.k8s.io",
        false,
        []
    ),
    listed!(
        "podcertificaterequests",
        "podcertificaterequest",
        "PodCertificateRequest",
        "certificates.k8s.io",
        true,
        []
    ),
    listed!("events", "event", "Event", "events.k8s.io", true, ["ev"]),
    listed!(
        "flowschemas",
        "flowschema",
        "FlowSchema",
        "flowcontrol.apiserver.k8s.io",
        false,
        []
    ),
    listed!(
        "prioritylevelconfigurations",
        "prioritylevelconfiguration",
        "PriorityLevelConfiguration",
        "flowcontrol.apiserver.k8s.io",
        false,
        []
    ),
    listed!(
        "deviceclasses",
        "deviceclass",
        "DeviceClass",
        "resource.k8s.io",
        false,
        []
    ),
    listed!(
        "devicetaintrules",
        "devicetaintrule",
        "DeviceTaintRule",
        "resource.k8s.io",
        false,
        []
    ),
    listed!(
        "resourceclaims",
        "resourceclaim",
        "ResourceClaim",
        "resource.k8s.io",
        true,
        []
    ),
    listed!(
        "resourceclaimtemplates",
        "resourceclaimtemplate",
        "ResourceClaimTemplate",
        "resource.k8s.io",
        true,
        []
    ),
    listed!(
        "resourceslices",
        "resourceslice",
        "ResourceSlice",
        "resource.k8s.io",
        false,
        []
    ),
    listed!(
        "csinodes",
        "csinode",
        "CSINode",
        "storage.k8s.io",
        false,
        []
    ),
    listed!(
        "csistoragecapacities",
        "csistoragecapacity",
        "CSIStorageCapacity",
        "storage.k8s.io",
        true,
        []
    ),
    listed!(
        "volumeattributesclasses",
        "volumeattributesclass",
        "VolumeAttributesClass",
        "storage.k8s.io",
        false,
        ["vac"]
    ),
    listed!(
        "storageversionmigrations",
        "storageversionmigration",
        "StorageVersionMigration",
        "storagemigration.k8s.io",
        false,
        []
    ),
];

/// Whether the API server serves `verb` on a resource, as discovery lists
/// its verbs (component statuses are only read).
pub(crate) fn serves_verb(r: &'static ResourceType, verb: &str) -> bool {
    Listed::of(r).verbs().contains(&verb)
}

/// What metrics-server serves (`metrics.k8s.io/v1beta1`), listed while
/// its APIService is available.
const METRICS: [Listed; 2] = [
    Listed {
        plural: "nodes",
        singular: "node",
        kind: "NodeMetrics",
        group: crate::metrics_server::GROUP,
        version: crate::metrics_server::VERSION,
        namespaced: false,
        short_names: &[],
        served: false,
    },
    Listed {
        plural: "pods",
        singular: "pod",
        kind: "PodMetrics",
        group: crate::metrics_server::GROUP,
        version: crate::metrics_server::VERSION,
        namespaced: true,
        short_names: &[],
        served: false,
    },
];

/// The resources of an aggregated API Kubeplay knows.
fn remote_resources(group: &str, version: &str) -> &'static [Listed] {
    if (group, version) == (crate::metrics_server::GROUP, crate::metrics_server::VERSION) {
        &METRICS
    } else {
        &[]
    }
}

/// The API groups in `/apis` order (the aggregator's: its own group first,
/// then by group priority, ties by name) with their versions, preferred
/// first.
const GROUPS: &[(&str, &[&str])] = &[
    ("apiregistration.k8s.io", &["v1"]),
    ("apps", &["v1"]),
    ("events.k8s.io", &["v1"]),
    ("authentication.k8s.io", &["v1"]),
    ("authorization.k8s.io", &["v1"]),
    ("autoscaling", &["v2", "v1"]),
    ("batch", &["v1"]),
    ("certificates.k8s.io", &["v1"]),
    ("networking.k8s.io", &["v1"]),
    ("policy", &["v1"]),
    ("rbac.authorization.k8s.io", &["v1"]),
    ("storage.k8s.io", &["v1"]),
    ("admissionregistration.k8s.io", &["v1"]),
    ("apiextensions.k8s.io", &["v1"]),
    ("scheduling.k8s.io", &["v1"]),
    ("coordination.k8s.io", &["v1"]),
    ("node.k8s.io", &["v1"]),
    ("discovery.k8s.io", &["v1"]),
    ("resource.k8s.io", &["v1"]),
    ("flowcontrol.apiserver.k8s.io", &["v1"]),
    ("storagemigration.k8s.io", &["v1"]),
];

/// Every built-in resource in its preferred version, sorted by group
/// (the core group first) and name, as `kubectl api-resources` prints
/// them.
pub(crate) fn resources() -> Vec<Listed> {
    with_remote(&[])
}

/// The built-in resources and those of the aggregated APIs that answer,
/// sorted as [`resources`]; and the group versions that do not answer,
/// as aggregated discovery marks them stale (`metrics.k8s.io/v1beta1`).
pub(crate) fn served_resources(remote: &[Remote]) -> (Vec<Listed>, Vec<String>) {
    let stale = remote
        .iter()
        .filter(|r| !r.available)
        .map(|r| format!("{}/{}", r.group, r.version))
        .collect();
    (with_remote(remote), stale)
}

fn with_remote(remote: &[Remote]) -> Vec<Listed> {
    let mut all: Vec<Listed> = RESOURCES.iter().map(Listed::of).collect();
    all.extend_from_slice(UNSERVED);
    for r in remote.iter().filter(|r| r.available) {
        all.extend_from_slice(remote_resources(&r.group, &r.version));
    }
    crate::sort::CompactSort::compact_sort_by(all.as_mut_slice(), |a, b| {
        (a.group, a.plural).cmp(&(b.group, b.plural))
    });
    all
}

/// A resource a real cluster serves but Kubeplay does not, by the name a
/// kubectl command gave it (plural, singular, short name or kind, with
/// an optional `.group`).
pub(crate) fn unserved(name: &str) -> Option<&'static Listed> {
    let lower = name.to_ascii_lowercase();
    let (name, group) = match lower.split_once('.') {
        Some((n, g)) => (n.to_string(), Some(g.to_string())),
        None => (lower, None),
    };
    UNSERVED.iter().find(|r| {
        (r.plural == name
            || r.singular == name
            || r.short_names.contains(&name.as_str())
            || r.kind.eq_ignore_ascii_case(&name))
            && group.as_deref().is_none_or(|g| g == r.group)
    })
}

/// Every served group version (`kubectl api-versions`), sorted as
/// strings: the built-in ones and the aggregated ones that answer.
pub(crate) fn api_versions(remote: &[Remote]) -> Vec<String> {
    let mut out: Vec<String> = GROUPS
        .iter()
        .flat_map(|(g, vs)| vs.iter().map(move |v| format!("{g}/{v}")))
        .collect();
    out.extend(
        remote
            .iter()
            .filter(|r| r.available)
            .map(|r| format!("{}/{}", r.group, r.version)),
    );
    out.push("v1".into());
    crate::sort::CompactSort::compact_sort_by(out.as_mut_slice(), |a, b| a.cmp(b));
    out
}

/// The members of a discovery document in Go's field order.
pub(crate) fn field_order(key: &str) -> &'static [&'static str] {
    match key {
        "" => &[
            "kind",
            "apiVersion",
            "name",
            "groupVersion",
            "versions",
            "preferredVersion",
            "serverAddressByClientCIDRs",
            "groups",
            "resources",
        ],
        "groups" => &["name", "versions", "preferredVersion"],
        "versions" | "preferredVersion" => &["groupVersion", "version"],
        "serverAddressByClientCIDRs" => &["clientCIDR", "serverAddress"],
        "resources" => &[
            "name",
            "singularName",
            "namespaced",
            "group",
            "version",
            "kind",
            "verbs",
            "shortNames",
            "categories",
            "storageVersionHash",
        ],
        _ => &[],
    }
}

/// A JSON array of strings (names and verbs need no escapes).
fn strings<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let quoted: Vec<String> = items.into_iter().map(|s| format!("\"{s}\"")).collect();
    format!("[{}]", quoted.join(","))
}

/// `APIGroup` of a group (its versions, the first preferred), without
/// its type for a member of a list.
fn api_group(name: &str, versions: &[&str], kind: bool) -> String {
    let gv = |v: &str| format!("{{\"groupVersion\":\"{name}/{v}\",\"version\":\"{v}\"}}");
    let all: Vec<String> = versions.iter().map(|v| gv(v)).collect();
    format!(
        "{{{}\"name\":\"{name}\",\"versions\":[{}],\"preferredVersion\":{}}}",
        if kind {
            "\"kind\":\"APIGroup\",\"apiVersion\":\"v1\","
        } else {
            ""
        },
        all.join(","),
        gv(versions[0])
    )
}

/// `APIResourceList` of a group version: its resources and their
/// subresources, sorted by name.
fn resource_list(group: &str, version: &str, listed: &[Listed]) -> String {
    let mut entries: Vec<(String, String)> = Vec::new();
    for r in listed.iter().filter(|r| r.group == group) {
        let mut entry = format!(
            "{{\"name\":\"{}\",\"singularName\":\"{}\",\"namespaced\":{},\"kind\":\"{}\",\"verbs\":{}",
            r.plural,
            r.singular,
            r.namespaced,
            r.kind,
            strings(r.verbs().iter().copied())
        );
        if !r.short_names.is_empty() {
            entry.push_str(&format!(
                ",\"shortNames\":{}",
                strings(r.short_names.iter().copied())
            ));
        }
        if !r.categories().is_empty() {
            entry.push_str(&format!(",\"categories\":{}", strings([r.categories()])));
        }
        if let Some(hash) = r.storage_version_hash() {
            entry.push_str(&format!(",\"storageVersionHash\":\"{hash}\""));
        }
        entries.push((r.plural.to_string(), entry + "}"));
        for (name, gvk, verbs) in r.subresources() {
            let path = format!("{}/{name}", r.plural);
            let mut entry = format!(
                "{{\"name\":\"{path}\",\"singularName\":\"\",\"namespaced\":{}",
                r.namespaced
            );
            let kind = match gvk.rsplit_once('/') {
                Some((gv, kind)) => {
                    // Another group's kind names its group and version.
                    let (g, v) = gv.split_once('/').unwrap_or(("", gv));
                    if g != group {
                        entry.push_str(&format!(",\"group\":\"{g}\",\"version\":\"{v}\""));
                    }
                    kind
                }
                None => r.kind,
            };
            let verbs = verbs.chars().map(|c| match c {
                'c' => "create",
                'd' => "delete",
                'g' => "get",
                'p' => "patch",
                _ => "update",
            });
            entry.push_str(&format!(
                ",\"kind\":\"{kind}\",\"verbs\":{}}}",
                strings(verbs)
            ));
            entries.push((path, entry));
        }
    }
    crate::sort::CompactSort::compact_sort_by(entries.as_mut_slice(), |a, b| a.0.cmp(&b.0));
    let entries: Vec<String> = entries.into_iter().map(|(_, e)| e).collect();
    // The core group's list is written without its apiVersion.
    let head = if group.is_empty() {
        format!("\"groupVersion\":\"{version}\"")
    } else {
        format!("\"apiVersion\":\"v1\",\"groupVersion\":\"{group}/{version}\"")
    };
    format!(
        "{{\"kind\":\"APIResourceList\",{head},\"resources\":[{}]}}",
        entries.join(",")
    )
}

/// The discovery document at `segments` (`["api"]`, `["apis", "apps"]`,
/// …), `server_address` giving the API server's (`172.18.0.2:6443`), or
/// `None` for a path that is none. `/apis` lists the aggregated APIs
/// whether or not they answer; their resource lists are theirs to serve
/// (`None` here when they do not answer).
pub(crate) fn document(
    segments: &[&str],
    server_address: &dyn Fn() -> String,
    remote: &[Remote],
) -> Option<Value> {
    // Each aggregated group with its versions, in the aggregator's order.
    let mut remote_groups: Vec<(&str, Vec<&str>)> = Vec::new();
    for r in remote {
        match remote_groups.iter_mut().find(|(g, _)| *g == r.group) {
            Some((_, versions)) => versions.push(&r.version),
            None => remote_groups.push((&r.group, vec![&r.version])),
        }
    }
    let segments = match segments {
        [rest @ .., ""] => rest,
        s => s,
    };
    let text = match segments {
        ["api"] => format!(
            "{{\"kind\":\"APIVersions\",\"versions\":[\"v1\"],\"serverAddressByClientCIDRs\":[{{\"clientCIDR\":\"0.0.0.0/0\",\"serverAddress\":\"{}\"}}]}}",
            server_address()
        ),
        ["api", "v1"] => resource_list("", "v1", &resources()),
        ["apis"] => {
            // The aggregator's own group first, then every group by its
            // priority (highest first) and name: the aggregated ones fall
            // among the built-in ones by their `groupPriorityMinimum`.
            // Ties go by APIService name (`version.group`), the first of
            // the group's in that order.
            let first_name = |g: &str, vs: &[&str]| {
                vs.iter()
                    .map(|v| format!("{v}.{g}"))
                    .min()
                    .unwrap_or_default()
            };
            let mut ordered: Vec<(i64, String, String)> = GROUPS[1..]
                .iter()
                .map(|(g, vs)| {
                    (
                        crate::apiserver::aggregator::local_group_priority(g),
                        first_name(g, vs),
                        api_group(g, vs, false),
                    )
                })
                .collect();
            for (g, vs) in &remote_groups {
                let priority = remote
                    .iter()
                    .filter(|r| r.group == *g)
                    .map(|r| r.group_priority)
                    .max()
                    .unwrap_or(0);
                ordered.push((priority, first_name(g, vs), api_group(g, vs, false)));
            }
            crate::sort::CompactSort::compact_sort_by(ordered.as_mut_slice(), |a, b| {
                b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1))
            });
            let groups: Vec<String> = std::iter::once(api_group(GROUPS[0].0, GROUPS[0].1, false))
                .chain(ordered.into_iter().map(|(_, _, doc)| doc))
                .collect();
            format!(
                "{{\"kind\":\"APIGroupList\",\"apiVersion\":\"v1\",\"groups\":[{}]}}",
                groups.join(",")
            )
        }
        ["apis", group] => match GROUPS.iter().find(|(g, _)| g == group) {
            Some((g, vs)) => api_group(g, vs, true),
            None => {
                let (g, vs) = remote_groups.iter().find(|(g, _)| g == group)?;
                api_group(g, vs, true)
            }
        },
        ["apis", group, version] => match GROUPS.iter().find(|(g, _)| g == group) {
            Some((g, vs)) => {
                if !vs.contains(version) {
                    return None;
                }
                resource_list(g, version, &resources())
            }
            None => {
                let r = remote
                    .iter()
                    .find(|r| r.group == *group && r.version == *version && r.available)?;
                resource_list(&r.group, &r.version, remote_resources(&r.group, &r.version))
            }
        },
        _ => return None,
    };
    let docs = crate::yaml::load_str(&text).ok()?;
    Some(docs.into_iter().next()?.root.to_value())
}

/// SHA-256 of `data` (FIPS 180-4).
fn sha256(data: &[u8]) -> [u8; 32] {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let mut message = data.to_vec();
    message.push(0x80);
    while message.len() % 64 != 56 {
        message.push(0);
    }
    message.extend_from_slice(&((data.len() as u64) * 8).to_be_bytes());
    for block in message.chunks(64) {
        let mut w = [0u32; 64];
        for (i, word) in block.chunks(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let mut v = h;
        for i in 0..64 {
            let s1 = v[4].rotate_right(6) ^ v[4].rotate_right(11) ^ v[4].rotate_right(25);
            let choose = (v[4] & v[5]) ^ (!v[4] & v[6]);
            let t1 = v[7]
                .wrapping_add(s1)
                .wrapping_add(choose)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = v[0].rotate_right(2) ^ v[0].rotate_right(13) ^ v[0].rotate_right(22);
            let majority = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
            let t2 = s0.wrapping_add(majority);
            v.copy_within(0..7, 1);
            v[4] = v[4].wrapping_add(t1);
            v[0] = t1.wrapping_add(t2);
        }
        for (a, b) in h.iter_mut().zip(v) {
            *a = a.wrapping_add(b);
        }
    }
    let mut out = [0u8; 32];
    for (i, word) in h.iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&word.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn sha256_matches_the_standard_vectors() {
        assert_eq!(
            hex(&sha256(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex(&sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex(&sha256(&[b'a'; 1000])),
            "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3"
        );
    }

    fn find(plural: &str, group: &str) -> Listed {
        resources()
            .into_iter()
            .find(|r| r.plural == plural && r.group == group)
            .unwrap()
    }

    #[test]
    fn storage_version_hashes_are_those_real_clusters_serve() {
        for (plural, group, hash) in [
            ("pods", "", Some("xPOwRZ+Yhw8=")),
            ("configmaps", "", Some("qFsyl6wFWjQ=")),
            ("deployments", "apps", Some("8aSe+NMegvE=")),
            (
                "customresourcedefinitions",
                "apiextensions.k8s.io",
                Some("jfWCUB31mvA="),
            ),
            // Stored with the core group's events.
            ("events", "events.k8s.io", Some("r2yiGXH7wu8=")),
            ("tokenreviews", "authentication.k8s.io", None),
            ("componentstatuses", "", None),
        ] {
            assert_eq!(
                find(plural, group).storage_version_hash().as_deref(),
                hash,
                "{plural}.{group}"
            );
        }
    }

    #[test]
    fn the_core_list_has_subresources_sorted_in_and_no_api_version() {
        let list = document(&["api", "v1"], &String::new, &[]).unwrap();
        assert!(list.get("apiVersion").is_null());
        let names: Vec<&str> = list
            .get("resources")
            .items()
            .filter_map(|r| r.get("name").as_str())
            .collect();
        let pods = names.iter().position(|n| *n == "pods").unwrap();
        assert_eq!(
            names[pods..pods + 12],
            [
                "pods",
                "pods/attach",
                "pods/binding",
                "pods/ephemeralcontainers",
                "pods/eviction",
                "pods/exec",
                "pods/log",
                "pods/portforward",
                "pods/proxy",
                "pods/resize",
                "pods/status",
                "podtemplates"
            ]
        );
        let eviction = &list.get("resources").items().nth(pods + 4).unwrap();
        assert_eq!(eviction.get("group").as_str(), Some("policy"));
        assert_eq!(eviction.get("kind").as_str(), Some("Eviction"));
        assert_eq!(eviction.get("singularName").as_str(), Some(""));
        let binding = &list.get("resources").items().nth(pods + 2).unwrap();
        assert!(binding.get("group").is_null());
    }

    #[test]
    fn every_built_in_group_has_its_apiservice_priority() {
        // `/apis` orders the groups by these priorities: each needs one.
        for (group, _) in &GROUPS[1..] {
            assert!(
                crate::apiserver::aggregator::local_group_priority(group) > 0,
                "{group}"
            );
        }
    }

    #[test]
    fn groups_come_in_the_aggregators_order_and_autoscaling_prefers_v2() {
        let list = document(&["apis"], &String::new, &[]).unwrap();
        let names: Vec<&str> = list
            .get("groups")
            .items()
            .filter_map(|g| g.get("name").as_str())
            .collect();
        assert_eq!(
            names[..3],
            ["apiregistration.k8s.io", "apps", "events.k8s.io"]
        );
        assert_eq!(names.last(), Some(&"storagemigration.k8s.io"));
        let autoscaling = document(&["apis", "autoscaling"], &String::new, &[]).unwrap();
        assert_eq!(
            autoscaling
                .at(&["preferredVersion", "groupVersion"])
                .as_str(),
            Some("autoscaling/v2")
        );
        assert!(document(&["apis", "autoscaling", "v2beta2"], &String::new, &[]).is_none());
        assert_eq!(api_versions(&[]).last().map(String::as_str), Some("v1"));
        assert_eq!(api_versions(&[]).len(), 23);
    }
}
