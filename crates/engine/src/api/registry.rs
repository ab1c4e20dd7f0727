//! The API resources the simulated API server serves: what `kubectl
//! api-resources` lists, with their groups, versions, plural names, short
//! names and scope, and how far Kubeplay simulates each.

/// How far Kubeplay goes with objects of a kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Simulation {
    /// Controllers, scheduler, kubelet or network act on it.
    Simulated,
    /// Stored and listed, with a warning that nothing acts on it.
    StoredOnly,
}

/// One served resource type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResourceType {
    /// `Deployment`
    pub kind: &'static str,
    /// `apps` (empty for the core group)
    pub group: &'static str,
    /// The preferred (storage) version: `v1`
    pub version: &'static str,
    /// `deployments`
    pub plural: &'static str,
    /// `deployment`
    pub singular: &'static str,
    /// `deploy`
    pub short_names: &'static [&'static str],
    /// Whether objects live in a namespace.
    pub namespaced: bool,
    /// Whether Kubeplay simulates it.
    pub simulation: Simulation,
    /// The OpenAPI definition of the kind (`io.k8s.api.apps.v1.Deployment`).
    pub schema: &'static str,
}

impl ResourceType {
    /// `apps/v1`, or `v1` for the core group.
    pub fn api_version(&self) -> String {
        group_version(self.group, self.version)
    }

    /// `deployments.apps`, or `pods` for the core group (used in error messages).
    pub fn plural_group(&self) -> String {
        if self.group.is_empty() {
            self.plural.to_string()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    /// `deployment.apps`, or `pod` for the core group (`kubectl` output names).
    pub fn singular_group(&self) -> String {
        if self.group.is_empty() {
            self.singular.to_string()
        } else {
            format!("{}.{}", self.singular, self.group)
        }
    }

    /// `Deployment.apps`, or `Pod` for the core group (the GroupKind string).
    pub fn group_kind(&self) -> String {
        if self.group.is_empty() {
            self.kind.to_string()
        } else {
            format!("{}.{}", self.kind, self.group)
        }
    }

    /// The index of this type in [`RESOURCES`].
    pub fn id(&self) -> ResourceId {
        ResourceId(
            RESOURCES
                .iter()
                .position(|r| r.kind == self.kind && r.group == self.group)
                .expect("every ResourceType comes from RESOURCES") as u16,
        )
    }
}

/// `apps/v1` of a group and version, or `v1` for the core group.
pub fn group_version(group: &str, version: &str) -> String {
    if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    }
}

/// An index into [`RESOURCES`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResourceId(pub u16);

impl ResourceId {
    /// The resource type.
    pub fn get(self) -> &'static ResourceType {
        &RESOURCES[self.0 as usize]
    }
}

macro_rules! resource {
    ($kind:literal, $singular:literal, $group:literal, $version:literal, $plural:literal, [$($short:literal),*], $ns:literal, $sim:ident, $schema:literal) => {
        ResourceType {
            kind: $kind,
            group: $group,
            version: $version,
            plural: $plural,
            singular: $singular,
            short_names: &[$($short),*],
            namespaced: $ns,
            simulation: Simulation::$sim,
            schema: $schema,
        }
    };
}

/// Every served resource type, in `kubectl api-resources` order (by group,
/// then name).
pub static RESOURCES: &[ResourceType] = &[
    // Core group (v1).
    resource!(
        "ComponentStatus",
        "componentstatus",
        "",
        "v1",
        "componentstatuses",
        ["cs"],
        false,
        Simulated,
        "io.k8s.api.core.v1.ComponentStatus"
    ),
    resource!(
        "ConfigMap",
        "configmap",
        "",
        "v1",
        "configmaps",
        ["cm"],
        true,
        Simulated,
        "io.k8s.api.core.v1.ConfigMap"
    ),
    resource!(
        "Endpoints",
        "endpoints",
        "",
        "v1",
        "endpoints",
        ["ep"],
        true,
        Simulated,
        "io.k8s.api.core.v1.Endpoints"
    ),
    resource!(
        "Event",
        "event",
        "",
        "v1",
        "events",
        ["ev"],
        true,
        Simulated,
        "io.k8s.api.core.v1.Event"
    ),
    resource!(
        "LimitRange",
        "limitrange",
        "",
        "v1",
        "limitranges",
        ["limits"],
        true,
        Simulated,
        "io.k8s.api.core.v1.LimitRange"
    ),
    resource!(
        "Namespace",
        "namespace",
        "",
        "v1",
        "namespaces",
        ["ns"],
        false,
        Simulated,
        "io.k8s.api.core.v1.Namespace"
    ),
    resource!(
        "Node",
        "node",
        "",
        "v1",
        "nodes",
        ["no"],
        false,
        Simulated,
        "io.k8s.api.core.v1.Node"
    ),
    resource!(
        "PersistentVolumeClaim",
        "persistentvolumeclaim",
        "",
        "v1",
        "persistentvolumeclaims",
        ["pvc"],
        true,
        Simulated,
        "io.k8s.api.core.v1.PersistentVolumeClaim"
    ),
    resource!(
        "PersistentVolume",
        "persistentvolume",
        "",
        "v1",
        "persistentvolumes",
        ["pv"],
        false,
        Simulated,
        "io.k8s.api.core.v1.PersistentVolume"
    ),
    resource!(
        "Pod",
        "pod",
        "",
        "v1",
        "pods",
        ["po"],
        true,
        Simulated,
        "io.k8s.api.core.v1.Pod"
    ),
    resource!(
        "PodTemplate",
        "podtemplate",
        "",
        "v1",
        "podtemplates",
        [],
        true,
        StoredOnly,
        "io.k8s.api.core.v1.PodTemplate"
    ),
    resource!(
        "ReplicationController",
        "replicationcontroller",
        "",
        "v1",
        "replicationcontrollers",
        ["rc"],
        true,
        Simulated,
        "io.k8s.api.core.v1.ReplicationController"
    ),
    resource!(
        "ResourceQuota",
        "resourcequota",
        "",
        "v1",
        "resourcequotas",
        ["quota"],
        true,
        Simulated,
        "io.k8s.api.core.v1.ResourceQuota"
    ),
    resource!(
        "Secret",
        "secret",
        "",
        "v1",
        "secrets",
        [],
        true,
        Simulated,
        "io.k8s.api.core.v1.Secret"
    ),
    resource!(
        "ServiceAccount",
        "serviceaccount",
        "",
        "v1",
        "serviceaccounts",
        ["sa"],
        true,
        Simulated,
        "io.k8s.api.core.v1.ServiceAccount"
    ),
    resource!(
        "Service",
        "service",
        "",
        "v1",
        "services",
        ["svc"],
        true,
        Simulated,
        "io.k8s.api.core.v1.Service"
    ),
    // admissionregistration.k8s.io
    resource!(
        "MutatingWebhookConfiguration",
        "mutatingwebhookconfiguration",
        "admissionregistration.k8s.io",
        "v1",
        "mutatingwebhookconfigurations",
        [],
        false,
        StoredOnly,
        "io.k8s.api.admissionregistration.v1.MutatingWebhookConfiguration"
    ),
    resource!(
        "ValidatingAdmissionPolicy",
        "validatingadmissionpolicy",
        "admissionregistration.k8s.io",
        "v1",
        "validatingadmissionpolicies",
        [],
        false,
        StoredOnly,
        "io.k8s.api.admissionregistration.v1.ValidatingAdmissionPolicy"
    ),
    resource!(
        "ValidatingAdmissionPolicyBinding",
        "validatingadmissionpolicybinding",
        "admissionregistration.k8s.io",
        "v1",
        "validatingadmissionpolicybindings",
        [],
        false,
        StoredOnly,
        "io.k8s.api.admissionregistration.v1.ValidatingAdmissionPolicyBinding"
    ),
    resource!(
        "ValidatingWebhookConfiguration",
        "validatingwebhookconfiguration",
        "admissionregistration.k8s.io",
        "v1",
        "validatingwebhookconfigurations",
        [],
        false,
        StoredOnly,
        "io.k8s.api.admissionregistration.v1.ValidatingWebhookConfiguration"
    ),
    // apiextensions.k8s.io
    resource!(
        "CustomResourceDefinition",
        "customresourcedefinition",
        "apiextensions.k8s.io",
        "v1",
        "customresourcedefinitions",
        ["crd", "crds"],
        false,
        StoredOnly,
        "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition"
    ),
    // apiregistration.k8s.io
    resource!(
        "APIService",
        "apiservice",
        "apiregistration.k8s.io",
        "v1",
        "apiservices",
        [],
        false,
        Simulated,
        "io.k8s.kube-aggregator.pkg.apis.apiregistration.v1.APIService"
    ),
    // apps
    resource!(
        "ControllerRevision",
        "controllerrevision",
        "apps",
        "v1",
        "controllerrevisions",
        [],
        true,
        StoredOnly,
        "io.k8s.api.apps.v1.ControllerRevision"
    ),
    resource!(
        "DaemonSet",
        "daemonset",
        "apps",
        "v1",
        "daemonsets",
        ["ds"],
        true,
        Simulated,
        "io.k8s.api.apps.v1.DaemonSet"
    ),
    resource!(
        "Deployment",
        "deployment",
        "apps",
        "v1",
        "deployments",
        ["deploy"],
        true,
        Simulated,
        "io.k8s.api.apps.v1.Deployment"
    ),
    resource!(
        "ReplicaSet",
        "replicaset",
        "apps",
        "v1",
        "replicasets",
        ["rs"],
        true,
        Simulated,
        "io.k8s.api.apps.v1.ReplicaSet"
    ),
    resource!(
        "StatefulSet",
        "statefulset",
        "apps",
        "v1",
        "statefulsets",
        ["sts"],
        true,
        Simulated,
        "io.k8s.api.apps.v1.StatefulSet"
    ),
    // autoscaling
    resource!(
        "HorizontalPodAutoscaler",
        "horizontalpodautoscaler",
        "autoscaling",
        "v2",
        "horizontalpodautoscalers",
        ["hpa"],
        true,
        Simulated,
        "io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler"
    ),
    // batch
    resource!(
        "CronJob",
        "cronjob",
        "batch",
        "v1",
        "cronjobs",
        ["cj"],
        true,
        Simulated,
        "io.k8s.api.batch.v1.CronJob"
    ),
    resource!(
        "Job",
        "job",
        "batch",
        "v1",
        "jobs",
        [],
        true,
        Simulated,
        "io.k8s.api.batch.v1.Job"
    ),
    // certificates.k8s.io
    resource!(
        "CertificateSigningRequest",
        "certificatesigningrequest",
        "certificates.k8s.io",
        "v1",
        "certificatesigningrequests",
        ["csr"],
        false,
        StoredOnly,
        "io.k8s.api.certificates.v1.CertificateSigningRequest"
    ),
    // coordination.k8s.io
    resource!(
        "Lease",
        "lease",
        "coordination.k8s.io",
        "v1",
        "leases",
        [],
        true,
        StoredOnly,
        "io.k8s.api.coordination.v1.Lease"
    ),
    // discovery.k8s.io
    resource!(
        "EndpointSlice",
        "endpointslice",
        "discovery.k8s.io",
        "v1",
        "endpointslices",
        [],
        true,
        Simulated,
        "io.k8s.api.discovery.v1.EndpointSlice"
    ),
    // networking.k8s.io
    resource!(
        "IngressClass",
        "ingressclass",
        "networking.k8s.io",
        "v1",
        "ingressclasses",
        [],
        false,
        Simulated,
        "io.k8s.api.networking.v1.IngressClass"
    ),
    resource!(
        "Ingress",
        "ingress",
        "networking.k8s.io",
        "v1",
        "ingresses",
        ["ing"],
        true,
        Simulated,
        "io.k8s.api.networking.v1.Ingress"
    ),
    resource!(
        "IPAddress",
        "ipaddress",
        "networking.k8s.io",
        "v1",
        "ipaddresses",
        ["ip"],
        false,
        StoredOnly,
        "io.k8s.api.networking.v1.IPAddress"
    ),
    resource!(
        "NetworkPolicy",
        "networkpolicy",
        "networking.k8s.io",
        "v1",
        "networkpolicies",
        ["netpol"],
        true,
        Simulated,
        "io.k8s.api.networking.v1.NetworkPolicy"
    ),
    resource!(
        "ServiceCIDR",
        "servicecidr",
        "networking.k8s.io",
        "v1",
        "servicecidrs",
        [],
        false,
        StoredOnly,
        "io.k8s.api.networking.v1.ServiceCIDR"
    ),
    // node.k8s.io
    resource!(
        "RuntimeClass",
        "runtimeclass",
        "node.k8s.io",
        "v1",
        "runtimeclasses",
        [],
        false,
        StoredOnly,
        "io.k8s.api.node.v1.RuntimeClass"
    ),
    // policy
    resource!(
        "PodDisruptionBudget",
        "poddisruptionbudget",
        "policy",
        "v1",
        "poddisruptionbudgets",
        ["pdb"],
        true,
        Simulated,
        "io.k8s.api.policy.v1.PodDisruptionBudget"
    ),
    // rbac.authorization.k8s.io
    resource!(
        "ClusterRoleBinding",
        "clusterrolebinding",
        "rbac.authorization.k8s.io",
        "v1",
        "clusterrolebindings",
        [],
        false,
        Simulated,
        "io.k8s.api.rbac.v1.ClusterRoleBinding"
    ),
    resource!(
        "ClusterRole",
        "clusterrole",
        "rbac.authorization.k8s.io",
        "v1",
        "clusterroles",
        [],
        false,
        Simulated,
        "io.k8s.api.rbac.v1.ClusterRole"
    ),
    resource!(
        "RoleBinding",
        "rolebinding",
        "rbac.authorization.k8s.io",
        "v1",
        "rolebindings",
        [],
        true,
        Simulated,
        "io.k8s.api.rbac.v1.RoleBinding"
    ),
    resource!(
        "Role",
        "role",
        "rbac.authorization.k8s.io",
        "v1",
        "roles",
        [],
        true,
        Simulated,
        "io.k8s.api.rbac.v1.Role"
    ),
    // scheduling.k8s.io
    resource!(
        "PriorityClass",
        "priorityclass",
        "scheduling.k8s.io",
        "v1",
        "priorityclasses",
        ["pc"],
        false,
        Simulated,
        "io.k8s.api.scheduling.v1.PriorityClass"
    ),
    // storage.k8s.io
    resource!(
        "CSIDriver",
        "csidriver",
        "storage.k8s.io",
        "v1",
        "csidrivers",
        [],
        false,
        StoredOnly,
        "io.k8s.api.storage.v1.CSIDriver"
    ),
    resource!(
        "StorageClass",
        "storageclass",
        "storage.k8s.io",
        "v1",
        "storageclasses",
        ["sc"],
        false,
        Simulated,
        "io.k8s.api.storage.v1.StorageClass"
    ),
    resource!(
        "VolumeAttachment",
        "volumeattachment",
        "storage.k8s.io",
        "v1",
        "volumeattachments",
        [],
        false,
        StoredOnly,
        "io.k8s.api.storage.v1.VolumeAttachment"
    ),
];

/// Other served versions of a kind, converted to the preferred version on
/// the way in. `deprecation` is the warning kubectl prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServedVersion {
    /// `autoscaling/v1`
    pub api_version: &'static str,
    /// The kind.
    pub kind: &'static str,
    /// The deprecation warning, if the version is deprecated.
    pub deprecation: Option<&'static str>,
}

/// Versions besides the preferred ones that the server accepts.
pub static OTHER_VERSIONS: &[ServedVersion] = &[
    ServedVersion {
        api_version: "extensions/v1beta1",
        kind: "Ingress",
        deprecation: Some(
            "extensions/v1beta1 Ingress is deprecated in v1.14+, unavailable in v1.22+; use networking.k8s.io/v1 Ingress",
        ),
    },
    ServedVersion {
        api_version: "networking.k8s.io/v1beta1",
        kind: "Ingress",
        deprecation: Some(
            "networking.k8s.io/v1beta1 Ingress is deprecated in v1.19+, unavailable in v1.22+; use networking.k8s.io/v1 Ingress",
        ),
    },
    ServedVersion {
        api_version: "autoscaling/v1",
        kind: "HorizontalPodAutoscaler",
        deprecation: None,
    },
];

/// The resource type for an `apiVersion` and `kind`, and the deprecation
/// warning when it is an older served version; `None` when the server does
/// not serve that kind in that version.
pub fn lookup_kind(api_version: &str, kind: &str) -> Option<(ResourceId, Option<&'static str>)> {
    let (group, version) = split_api_version(api_version);
    if let Some(i) = RESOURCES
        .iter()
        .position(|r| r.kind == kind && r.group == group && r.version == version)
    {
        return Some((ResourceId(i as u16), None));
    }
    let other = OTHER_VERSIONS
        .iter()
        .find(|v| v.api_version == api_version && v.kind == kind)?;
    let target_group = match other.api_version {
        "extensions/v1beta1" | "networking.k8s.io/v1beta1" => "networking.k8s.io",
        _ => group,
    };
    let i = RESOURCES
        .iter()
        .position(|r| r.kind == kind && r.group == target_group)?;
    Some((ResourceId(i as u16), other.deprecation))
}

/// Splits `apps/v1` into (`apps`, `v1`) and `v1` into (``, `v1`).
pub fn split_api_version(api_version: &str) -> (&str, &str) {
    match api_version.split_once('/') {
        Some((g, v)) => (g, v),
        None => ("", api_version),
    }
}

/// Finds a resource type by the names kubectl accepts: plural, singular,
/// short name or kind, optionally qualified by group (`deployments.apps`).
pub fn lookup_resource(name: &str) -> Option<ResourceId> {
    let lower = name.to_ascii_lowercase();
    // `resource.version.group` (`deployments.v1.apps`) first, as
    // `schema.ParseResourceArg` reads two or more dots.
    let mut parts = lower.splitn(3, '.');
    if let (Some(base), Some(version), Some(group)) = (parts.next(), parts.next(), parts.next())
        && let Some(i) = RESOURCES.iter().position(|r| {
            r.group == group
                && r.version == version
                && (r.plural == base || r.singular == base || r.short_names.contains(&base))
        })
    {
        return Some(ResourceId(i as u16));
    }
    let (base, group) = match lower.split_once('.') {
        Some((b, g)) => (b.to_string(), Some(g.to_string())),
        None => (lower.clone(), None),
    };
    RESOURCES
        .iter()
        .position(|r| {
            let group_ok = group
                .as_deref()
                .is_none_or(|g| r.group == g || r.group.starts_with(&format!("{g}.")));
            group_ok
                && (r.plural == base
                    || r.singular == base
                    || r.short_names.contains(&base.as_str())
                    || r.kind.eq_ignore_ascii_case(&base))
        })
        .map(|i| ResourceId(i as u16))
}

/// The resource type served as exactly `plural` in `group` (quota's
/// `count/<plural>.<group>` names).
pub fn by_plural_group(plural: &str, group: &str) -> Option<ResourceId> {
    RESOURCES
        .iter()
        .position(|r| r.plural == plural && r.group == group)
        .map(|i| ResourceId(i as u16))
}

/// The resource type of a kind in the preferred version.
pub fn by_kind(kind: &str) -> Option<ResourceId> {
    RESOURCES
        .iter()
        .position(|r| r.kind == kind)
        .map(|i| ResourceId(i as u16))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_resolve_with_version_and_group() {
        let plural = |n: &str| lookup_resource(n).map(|id| id.get().plural);
        assert_eq!(plural("deployments.v1.apps"), Some("deployments"));
        assert_eq!(plural("jobs.v1.batch"), Some("jobs"));
        assert_eq!(plural("deploy.apps"), Some("deployments"));
        assert_eq!(plural("ingresses.v1.networking.k8s.io"), Some("ingresses"));
        assert_eq!(plural("jobs.v2.batch"), None);
    }

    #[test]
    fn kinds_resolve_by_api_version() {
        let (id, warn) = lookup_kind("apps/v1", "Deployment").unwrap();
        assert_eq!(id.get().plural, "deployments");
        assert!(warn.is_none());
        let (id, warn) = lookup_kind("extensions/v1beta1", "Ingress").unwrap();
        assert_eq!(id.get().api_version(), "networking.k8s.io/v1");
        assert!(
            warn.unwrap()
                .starts_with("extensions/v1beta1 Ingress is deprecated")
        );
        assert!(lookup_kind("apps/v1beta1", "Deployment").is_none());
        assert!(lookup_kind("v1", "Frobnicator").is_none());
    }

    #[test]
    fn kubectl_names_resolve() {
        for (name, plural) in [
            ("po", "pods"),
            ("pod", "pods"),
            ("pods", "pods"),
            ("deploy", "deployments"),
            ("deployments.apps", "deployments"),
            ("rs", "replicasets"),
            ("svc", "services"),
            ("ing", "ingresses"),
            ("no", "nodes"),
            ("ns", "namespaces"),
            ("ev", "events"),
            ("ep", "endpoints"),
            ("cm", "configmaps"),
            ("secret", "secrets"),
            ("Deployment", "deployments"),
        ] {
            assert_eq!(
                lookup_resource(name).map(|r| r.get().plural),
                Some(plural),
                "{name}"
            );
        }
        assert!(lookup_resource("frobs").is_none());
    }

    #[test]
    fn names_are_consistent() {
        for r in RESOURCES {
            assert_eq!(r.singular, r.kind.to_ascii_lowercase());
            assert!(r.schema.ends_with(&format!(".{}", r.kind)), "{}", r.schema);
            assert_eq!(r.id().get(), r);
        }
    }
}
