//! Generates Kubeplay's field schema (`crates/engine/src/api/schema.txt`) and
//! field descriptions (`crates/engine/src/api/explain.txt`) from the API
//! definitions k8s-openapi carries, so that the engine can decode manifests
//! strictly without shipping k8s-openapi's serde code to the browser.
//!
//! # `schema.txt`
//!
//! Line-based, one type per line, fields sorted by JSON name:
//!
//! ```text
//! # header comment lines
//! @api.apps.v1                      a package (the definition name minus `io.k8s.`)
//! DeploymentSpec minReadySeconds:i selector!:LabelSelector template!:PodTemplateSpec
//! ```
//!
//! A type line is the Go type name followed by its fields, separated by
//! single spaces. A field is `name[!][^Embedded]:type[:GoType]`: `!` marks a
//! required field, `^Embedded` a field promoted from an embedded Go struct
//! (Go's decoder names it in type errors: `Probe.….ProbeHandler.httpGet`;
//! dotted when embedded twice: `RuleWithOperations.Rule`), and
//! `GoType` overrides the Go type that error messages print when it is a
//! named type (`v1.ResourceList`). Types are:
//!
//! | code | type | Go type in messages |
//! | --- | --- | --- |
//! | `s` | string | `string` |
//! | `i` / `l` | int32 / int64 | `int32` / `int64` |
//! | `f` | double | `float64` |
//! | `b` | boolean | `bool` |
//! | `q` | Quantity | `resource.Quantity` |
//! | `n` | IntOrString | `intstr.IntOrString` |
//! | `t` / `u` | Time / MicroTime | `v1.Time` / `v1.MicroTime` |
//! | `y` | byte string (base64) | `[]uint8` |
//! | `j` / `r` / `m` | free-form JSON: apiextensions JSON, RawExtension, FieldsV1 | `v1.JSON`, `runtime.RawExtension`, `v1.FieldsV1` |
//! | `[X` | list of X | `[]X` |
//! | `{X` | map of string to X | `map[string]X` |
//! | `Name` | another type (a bare name, or `pkg.Name` when the bare name is ambiguous) | `v1.Name` |
//! | `Name\|b`, `Name\|a`, `Name\|s` | JSONSchemaPropsOrBool / OrArray / OrStringArray of `Name` | |
//!
//! A type with no fields is an empty struct. Root types (the kinds served)
//! are found by their full definition name: `io.k8s.` + package + `.` + name.
//!
//! # `explain.txt`
//!
//! The same packages and types in the same order; a type line is
//! `Name<TAB>description`, each documented field follows as
//! `.name<TAB>description`. Descriptions escape `\` as `\\`, newlines as
//! `\n` and tabs as `\t`. The file ends with the descriptions of named
//! primitive types (Quantity, IntOrString, …), one `%Name<TAB>description`
//! line each.

use std::any::TypeId;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use k8s_openapi::{ClusterResourceScope, NamespaceResourceScope, Resource};
use schemars::{JsonSchema, SchemaGenerator};
use serde_json::{Map, Value};

/// Where the generated field schema is checked in, relative to this crate.
pub const SCHEMA_PATH: &str = "../engine/src/api/schema.txt";
/// Where the generated field descriptions are checked in, relative to this crate.
pub const EXPLAIN_PATH: &str = "../engine/src/api/explain.txt";

/// The k8s-openapi release the data comes from.
pub const K8S_OPENAPI_VERSION: &str = "0.29.0";
/// The Kubernetes API version selected from it.
pub const KUBERNETES_VERSION: &str = "v1.37";

/// The scope of a served resource, from k8s-openapi's `Resource::Scope`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Objects live in a namespace.
    Namespaced,
    /// Objects are cluster-wide.
    Cluster,
    /// A subresource (never served as a kind of its own).
    Subresource,
}

/// One served kind, as k8s-openapi describes it.
pub struct Root {
    /// The OpenAPI definition name (`io.k8s.api.apps.v1.Deployment`).
    pub schema: String,
    /// `Resource::API_VERSION` (`apps/v1`).
    pub api_version: &'static str,
    /// `Resource::GROUP` (`apps`).
    pub group: &'static str,
    /// `Resource::VERSION` (`v1`).
    pub version: &'static str,
    /// `Resource::KIND` (`Deployment`).
    pub kind: &'static str,
    /// `Resource::URL_PATH_SEGMENT`, the plural (`deployments`).
    pub plural: &'static str,
    /// `Resource::Scope`.
    pub scope: Scope,
    add: fn(&mut SchemaGenerator),
}

fn root<T>() -> Root
where
    T: Resource + JsonSchema + 'static,
    T::Scope: 'static,
{
    let scope = TypeId::of::<T::Scope>();
    Root {
        schema: T::schema_name().into_owned(),
        api_version: T::API_VERSION,
        group: T::GROUP,
        version: T::VERSION,
        kind: T::KIND,
        plural: T::URL_PATH_SEGMENT,
        scope: if scope == TypeId::of::<NamespaceResourceScope>() {
            Scope::Namespaced
        } else if scope == TypeId::of::<ClusterResourceScope>() {
            Scope::Cluster
        } else {
            Scope::Subresource
        },
        add: |g| {
            g.subschema_for::<T>();
        },
    }
}

/// Every kind the generated schema covers; the engine's registry
/// (`RESOURCES`) must list exactly these (a test checks it).
pub fn roots() -> Vec<Root> {
    use k8s_openapi::api::*;
    use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions;
    use k8s_openapi::kube_aggregator::pkg::apis::apiregistration;
    vec![
        root::<core::v1::ComponentStatus>(),
        root::<core::v1::ConfigMap>(),
        root::<core::v1::Endpoints>(),
        root::<core::v1::Event>(),
        root::<core::v1::LimitRange>(),
        root::<core::v1::Namespace>(),
        root::<core::v1::Node>(),
        root::<core::v1::PersistentVolumeClaim>(),
        root::<core::v1::PersistentVolume>(),
        root::<core::v1::Pod>(),
        root::<core::v1::PodTemplate>(),
        root::<core::v1::ReplicationController>(),
        root::<core::v1::ResourceQuota>(),
        root::<core::v1::Secret>(),
        root::<core::v1::ServiceAccount>(),
        root::<core::v1::Service>(),
        root::<admissionregistration::v1::MutatingWebhookConfiguration>(),
        root::<admissionregistration::v1::ValidatingAdmissionPolicy>(),
        root::<admissionregistration::v1::ValidatingAdmissionPolicyBinding>(),
        root::<admissionregistration::v1::ValidatingWebhookConfiguration>(),
        root::<apiextensions::v1::CustomResourceDefinition>(),
        root::<apiregistration::v1::APIService>(),
        root::<apps::v1::ControllerRevision>(),
        root::<apps::v1::DaemonSet>(),
        root::<apps::v1::Deployment>(),
        root::<apps::v1::ReplicaSet>(),
        root::<apps::v1::StatefulSet>(),
        root::<autoscaling::v2::HorizontalPodAutoscaler>(),
        root::<batch::v1::CronJob>(),
        root::<batch::v1::Job>(),
        root::<certificates::v1::CertificateSigningRequest>(),
        root::<coordination::v1::Lease>(),
        root::<discovery::v1::EndpointSlice>(),
        root::<networking::v1::IngressClass>(),
        root::<networking::v1::Ingress>(),
        root::<networking::v1::IPAddress>(),
        root::<networking::v1::NetworkPolicy>(),
        root::<networking::v1::ServiceCIDR>(),
        root::<node::v1::RuntimeClass>(),
        root::<policy::v1::PodDisruptionBudget>(),
        root::<rbac::v1::ClusterRoleBinding>(),
        root::<rbac::v1::ClusterRole>(),
        root::<rbac::v1::RoleBinding>(),
        root::<rbac::v1::Role>(),
        root::<scheduling::v1::PriorityClass>(),
        root::<storage::v1::CSIDriver>(),
        root::<storage::v1::StorageClass>(),
        root::<storage::v1::VolumeAttachment>(),
    ]
}

/// Definitions that decode as a scalar or free-form value rather than a
/// struct (they have their own `UnmarshalJSON` in Go).
const SPECIAL: &[(&str, &str)] = &[
    ("io.k8s.apimachinery.pkg.api.resource.Quantity", "q"),
    ("io.k8s.apimachinery.pkg.util.intstr.IntOrString", "n"),
    ("io.k8s.apimachinery.pkg.apis.meta.v1.Time", "t"),
    ("io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime", "u"),
    (
        "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON",
        "j",
    ),
    ("io.k8s.apimachinery.pkg.runtime.RawExtension", "r"),
    ("io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1", "m"),
];

/// The JSONSchemaProps unions: (definition, suffix of the `Name|x` form).
const SCHEMA_UNIONS: &[(&str, &str)] = &[
    (
        "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrBool",
        "b",
    ),
    (
        "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrArray",
        "a",
    ),
    (
        "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrStringArray",
        "s",
    ),
];
const JSON_SCHEMA_PROPS: &str =
    "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps";

/// Which fields of a definition come from an embedded (`json:",inline"`)
/// Go struct. OpenAPI flattens them; Go's decoder names the embedded struct
/// in type errors. Taken from the k8s.io/api Go types.
enum Promoted {
    Only(&'static [&'static str]),
    AllExcept(&'static [&'static str]),
}

const EMBEDDED: &[(&str, &str, Promoted)] = &[
    (
        "io.k8s.api.core.v1.Probe",
        "ProbeHandler",
        Promoted::Only(&["exec", "grpc", "httpGet", "tcpSocket"]),
    ),
    (
        "io.k8s.api.core.v1.Volume",
        "VolumeSource",
        Promoted::AllExcept(&["name"]),
    ),
    (
        "io.k8s.api.core.v1.PersistentVolumeSpec",
        "PersistentVolumeSource",
        Promoted::AllExcept(&[
            "accessModes",
            "capacity",
            "claimRef",
            "mountOptions",
            "nodeAffinity",
            "persistentVolumeReclaimPolicy",
            "storageClassName",
            "volumeAttributesClassName",
            "volumeMode",
        ]),
    ),
    (
        "io.k8s.api.core.v1.EphemeralContainer",
        "EphemeralContainerCommon",
        Promoted::AllExcept(&["targetContainerName"]),
    ),
    (
        "io.k8s.api.core.v1.ConfigMapEnvSource",
        "LocalObjectReference",
        Promoted::Only(&["name"]),
    ),
    (
        "io.k8s.api.core.v1.SecretEnvSource",
        "LocalObjectReference",
        Promoted::Only(&["name"]),
    ),
    (
        "io.k8s.api.core.v1.ConfigMapKeySelector",
        "LocalObjectReference",
        Promoted::Only(&["name"]),
    ),
    (
        "io.k8s.api.core.v1.SecretKeySelector",
        "LocalObjectReference",
        Promoted::Only(&["name"]),
    ),
    (
        "io.k8s.api.core.v1.ConfigMapVolumeSource",
        "LocalObjectReference",
        Promoted::Only(&["name"]),
    ),
    (
        "io.k8s.api.core.v1.ConfigMapProjection",
        "LocalObjectReference",
        Promoted::Only(&["name"]),
    ),
    (
        "io.k8s.api.core.v1.SecretProjection",
        "LocalObjectReference",
        Promoted::Only(&["name"]),
    ),
    (
        "io.k8s.api.networking.v1.IngressRule",
        "IngressRuleValue",
        Promoted::Only(&["http"]),
    ),
    (
        "io.k8s.api.admissionregistration.v1.RuleWithOperations",
        "Rule",
        Promoted::AllExcept(&["operations"]),
    ),
    // Embedded two levels deep: Go names both structs.
    (
        "io.k8s.api.admissionregistration.v1.NamedRuleWithOperations",
        "RuleWithOperations",
        Promoted::Only(&["operations"]),
    ),
    (
        "io.k8s.api.admissionregistration.v1.NamedRuleWithOperations",
        "RuleWithOperations.Rule",
        Promoted::Only(&["apiGroups", "apiVersions", "resources", "scope"]),
    ),
];

/// Fields whose Go type is a named type, which Go's type errors print
/// instead of the underlying type: (definition, field, Go type as
/// `reflect.Type.String()` prints it). OpenAPI does not carry these; the
/// list is taken from the k8s.io/api Go types and covers the enum-like
/// fields of the spec types (status types are left out). Maps of quantities
/// are `v1.ResourceList` everywhere and need no entry here.
const NAMED_TYPES: &[(&str, &str, &str)] = &[
    (
        "io.k8s.api.core.v1.Container",
        "imagePullPolicy",
        "v1.PullPolicy",
    ),
    (
        "io.k8s.api.core.v1.Container",
        "restartPolicy",
        "v1.ContainerRestartPolicy",
    ),
    (
        "io.k8s.api.core.v1.Container",
        "terminationMessagePolicy",
        "v1.TerminationMessagePolicy",
    ),
    (
        "io.k8s.api.core.v1.EphemeralContainer",
        "imagePullPolicy",
        "v1.PullPolicy",
    ),
    (
        "io.k8s.api.core.v1.EphemeralContainer",
        "restartPolicy",
        "v1.ContainerRestartPolicy",
    ),
    (
        "io.k8s.api.core.v1.EphemeralContainer",
        "terminationMessagePolicy",
        "v1.TerminationMessagePolicy",
    ),
    (
        "io.k8s.api.core.v1.ContainerPort",
        "protocol",
        "v1.Protocol",
    ),
    ("io.k8s.api.core.v1.ServicePort", "protocol", "v1.Protocol"),
    ("io.k8s.api.core.v1.EndpointPort", "protocol", "v1.Protocol"),
    ("io.k8s.api.core.v1.PodSpec", "dnsPolicy", "v1.DNSPolicy"),
    (
        "io.k8s.api.core.v1.PodSpec",
        "preemptionPolicy",
        "v1.PreemptionPolicy",
    ),
    (
        "io.k8s.api.core.v1.PodSpec",
        "restartPolicy",
        "v1.RestartPolicy",
    ),
    (
        "io.k8s.api.core.v1.ServiceSpec",
        "externalTrafficPolicy",
        "v1.ServiceExternalTrafficPolicy",
    ),
    (
        "io.k8s.api.core.v1.ServiceSpec",
        "internalTrafficPolicy",
        "v1.ServiceInternalTrafficPolicy",
    ),
    (
        "io.k8s.api.core.v1.ServiceSpec",
        "ipFamilies",
        "[]v1.IPFamily",
    ),
    (
        "io.k8s.api.core.v1.ServiceSpec",
        "ipFamilyPolicy",
        "v1.IPFamilyPolicy",
    ),
    (
        "io.k8s.api.core.v1.ServiceSpec",
        "sessionAffinity",
        "v1.ServiceAffinity",
    ),
    ("io.k8s.api.core.v1.ServiceSpec", "type", "v1.ServiceType"),
    ("io.k8s.api.core.v1.Toleration", "effect", "v1.TaintEffect"),
    (
        "io.k8s.api.core.v1.Toleration",
        "operator",
        "v1.TolerationOperator",
    ),
    ("io.k8s.api.core.v1.Taint", "effect", "v1.TaintEffect"),
    (
        "io.k8s.api.core.v1.NodeSelectorRequirement",
        "operator",
        "v1.NodeSelectorOperator",
    ),
    ("io.k8s.api.core.v1.HTTPGetAction", "scheme", "v1.URIScheme"),
    (
        "io.k8s.api.core.v1.VolumeMount",
        "mountPropagation",
        "v1.MountPropagationMode",
    ),
    (
        "io.k8s.api.core.v1.VolumeMount",
        "recursiveReadOnly",
        "v1.RecursiveReadOnlyMode",
    ),
    (
        "io.k8s.api.core.v1.PersistentVolumeClaimSpec",
        "accessModes",
        "[]v1.PersistentVolumeAccessMode",
    ),
    (
        "io.k8s.api.core.v1.PersistentVolumeClaimSpec",
        "volumeMode",
        "v1.PersistentVolumeMode",
    ),
    (
        "io.k8s.api.core.v1.PersistentVolumeSpec",
        "accessModes",
        "[]v1.PersistentVolumeAccessMode",
    ),
    (
        "io.k8s.api.core.v1.PersistentVolumeSpec",
        "persistentVolumeReclaimPolicy",
        "v1.PersistentVolumeReclaimPolicy",
    ),
    (
        "io.k8s.api.core.v1.PersistentVolumeSpec",
        "volumeMode",
        "v1.PersistentVolumeMode",
    ),
    ("io.k8s.api.core.v1.Secret", "type", "v1.SecretType"),
    (
        "io.k8s.api.core.v1.TopologySpreadConstraint",
        "nodeAffinityPolicy",
        "v1.NodeInclusionPolicy",
    ),
    (
        "io.k8s.api.core.v1.TopologySpreadConstraint",
        "nodeTaintsPolicy",
        "v1.NodeInclusionPolicy",
    ),
    (
        "io.k8s.api.core.v1.TopologySpreadConstraint",
        "whenUnsatisfiable",
        "v1.UnsatisfiableConstraintAction",
    ),
    (
        "io.k8s.api.core.v1.SeccompProfile",
        "type",
        "v1.SeccompProfileType",
    ),
    (
        "io.k8s.api.core.v1.AppArmorProfile",
        "type",
        "v1.AppArmorProfileType",
    ),
    (
        "io.k8s.api.core.v1.PodSecurityContext",
        "fsGroupChangePolicy",
        "v1.PodFSGroupChangePolicy",
    ),
    (
        "io.k8s.api.core.v1.PodSecurityContext",
        "supplementalGroupsPolicy",
        "v1.SupplementalGroupsPolicy",
    ),
    (
        "io.k8s.api.core.v1.EmptyDirVolumeSource",
        "medium",
        "v1.StorageMedium",
    ),
    (
        "io.k8s.api.core.v1.HostPathVolumeSource",
        "type",
        "v1.HostPathType",
    ),
    ("io.k8s.api.core.v1.Capabilities", "add", "[]v1.Capability"),
    ("io.k8s.api.core.v1.Capabilities", "drop", "[]v1.Capability"),
    (
        "io.k8s.api.core.v1.ContainerResizePolicy",
        "resourceName",
        "v1.ResourceName",
    ),
    (
        "io.k8s.api.core.v1.ContainerResizePolicy",
        "restartPolicy",
        "v1.ResourceResizeRestartPolicy",
    ),
    (
        "io.k8s.api.core.v1.NamespaceSpec",
        "finalizers",
        "[]v1.FinalizerName",
    ),
    ("io.k8s.api.core.v1.PodOS", "name", "v1.OSName"),
    (
        "io.k8s.api.core.v1.PodReadinessGate",
        "conditionType",
        "v1.PodConditionType",
    ),
    ("io.k8s.api.core.v1.LimitRangeItem", "type", "v1.LimitType"),
    (
        "io.k8s.api.core.v1.ResourceQuotaSpec",
        "scopes",
        "[]v1.ResourceQuotaScope",
    ),
    (
        "io.k8s.api.core.v1.ScopedResourceSelectorRequirement",
        "operator",
        "v1.ScopeSelectorOperator",
    ),
    (
        "io.k8s.api.core.v1.ScopedResourceSelectorRequirement",
        "scopeName",
        "v1.ResourceQuotaScope",
    ),
    ("io.k8s.api.core.v1.ObjectReference", "uid", "types.UID"),
    (
        "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
        "uid",
        "types.UID",
    ),
    (
        "io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference",
        "uid",
        "types.UID",
    ),
    (
        "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement",
        "operator",
        "v1.LabelSelectorOperator",
    ),
    (
        "io.k8s.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry",
        "operation",
        "v1.ManagedFieldsOperationType",
    ),
    (
        "io.k8s.api.apps.v1.DeploymentStrategy",
        "type",
        "v1.DeploymentStrategyType",
    ),
    (
        "io.k8s.api.apps.v1.StatefulSetSpec",
        "podManagementPolicy",
        "v1.PodManagementPolicyType",
    ),
    (
        "io.k8s.api.apps.v1.StatefulSetUpdateStrategy",
        "type",
        "v1.StatefulSetUpdateStrategyType",
    ),
    (
        "io.k8s.api.apps.v1.DaemonSetUpdateStrategy",
        "type",
        "v1.DaemonSetUpdateStrategyType",
    ),
    (
        "io.k8s.api.apps.v1.StatefulSetPersistentVolumeClaimRetentionPolicy",
        "whenDeleted",
        "v1.PersistentVolumeClaimRetentionPolicyType",
    ),
    (
        "io.k8s.api.apps.v1.StatefulSetPersistentVolumeClaimRetentionPolicy",
        "whenScaled",
        "v1.PersistentVolumeClaimRetentionPolicyType",
    ),
    (
        "io.k8s.api.batch.v1.CronJobSpec",
        "concurrencyPolicy",
        "v1.ConcurrencyPolicy",
    ),
    (
        "io.k8s.api.batch.v1.JobSpec",
        "completionMode",
        "v1.CompletionMode",
    ),
    (
        "io.k8s.api.batch.v1.JobSpec",
        "podReplacementPolicy",
        "v1.PodReplacementPolicy",
    ),
    (
        "io.k8s.api.batch.v1.PodFailurePolicyRule",
        "action",
        "v1.PodFailurePolicyAction",
    ),
    (
        "io.k8s.api.batch.v1.PodFailurePolicyOnExitCodesRequirement",
        "operator",
        "v1.PodFailurePolicyOnExitCodesOperator",
    ),
    (
        "io.k8s.api.batch.v1.PodFailurePolicyOnPodConditionsPattern",
        "status",
        "v1.ConditionStatus",
    ),
    (
        "io.k8s.api.batch.v1.PodFailurePolicyOnPodConditionsPattern",
        "type",
        "v1.PodConditionType",
    ),
    (
        "io.k8s.api.networking.v1.HTTPIngressPath",
        "pathType",
        "v1.PathType",
    ),
    (
        "io.k8s.api.networking.v1.NetworkPolicySpec",
        "policyTypes",
        "[]v1.PolicyType",
    ),
    (
        "io.k8s.api.networking.v1.NetworkPolicyPort",
        "protocol",
        "v1.Protocol",
    ),
    (
        "io.k8s.api.discovery.v1.EndpointSlice",
        "addressType",
        "v1.AddressType",
    ),
    (
        "io.k8s.api.discovery.v1.EndpointPort",
        "protocol",
        "v1.Protocol",
    ),
    (
        "io.k8s.api.autoscaling.v2.MetricSpec",
        "type",
        "v2.MetricSourceType",
    ),
    (
        "io.k8s.api.autoscaling.v2.MetricTarget",
        "type",
        "v2.MetricTargetType",
    ),
    (
        "io.k8s.api.autoscaling.v2.HPAScalingPolicy",
        "type",
        "v2.HPAScalingPolicyType",
    ),
    (
        "io.k8s.api.autoscaling.v2.HPAScalingRules",
        "selectPolicy",
        "v2.ScalingPolicySelect",
    ),
    (
        "io.k8s.api.storage.v1.StorageClass",
        "reclaimPolicy",
        "v1.PersistentVolumeReclaimPolicy",
    ),
    (
        "io.k8s.api.storage.v1.StorageClass",
        "volumeBindingMode",
        "v1.VolumeBindingMode",
    ),
    (
        "io.k8s.api.storage.v1.CSIDriverSpec",
        "fsGroupPolicy",
        "v1.FSGroupPolicy",
    ),
    (
        "io.k8s.api.storage.v1.CSIDriverSpec",
        "volumeLifecycleModes",
        "[]v1.VolumeLifecycleMode",
    ),
    (
        "io.k8s.api.admissionregistration.v1.MutatingWebhook",
        "failurePolicy",
        "v1.FailurePolicyType",
    ),
    (
        "io.k8s.api.admissionregistration.v1.MutatingWebhook",
        "matchPolicy",
        "v1.MatchPolicyType",
    ),
    (
        "io.k8s.api.admissionregistration.v1.MutatingWebhook",
        "reinvocationPolicy",
        "v1.ReinvocationPolicyType",
    ),
    (
        "io.k8s.api.admissionregistration.v1.MutatingWebhook",
        "sideEffects",
        "v1.SideEffectClass",
    ),
    (
        "io.k8s.api.admissionregistration.v1.ValidatingWebhook",
        "failurePolicy",
        "v1.FailurePolicyType",
    ),
    (
        "io.k8s.api.admissionregistration.v1.ValidatingWebhook",
        "matchPolicy",
        "v1.MatchPolicyType",
    ),
    (
        "io.k8s.api.admissionregistration.v1.ValidatingWebhook",
        "sideEffects",
        "v1.SideEffectClass",
    ),
    (
        "io.k8s.api.admissionregistration.v1.RuleWithOperations",
        "operations",
        "[]v1.OperationType",
    ),
    (
        "io.k8s.api.admissionregistration.v1.RuleWithOperations",
        "scope",
        "v1.ScopeType",
    ),
    (
        "io.k8s.api.admissionregistration.v1.NamedRuleWithOperations",
        "operations",
        "[]v1.OperationType",
    ),
    (
        "io.k8s.api.admissionregistration.v1.NamedRuleWithOperations",
        "scope",
        "v1.ScopeType",
    ),
    (
        "io.k8s.api.admissionregistration.v1.ValidatingAdmissionPolicySpec",
        "failurePolicy",
        "v1.FailurePolicyType",
    ),
    (
        "io.k8s.api.admissionregistration.v1.MatchResources",
        "matchPolicy",
        "v1.MatchPolicyType",
    ),
    (
        "io.k8s.api.admissionregistration.v1.ValidatingAdmissionPolicyBindingSpec",
        "validationActions",
        "[]v1.ValidationAction",
    ),
    (
        "io.k8s.api.admissionregistration.v1.ParamRef",
        "parameterNotFoundAction",
        "v1.ParameterNotFoundActionType",
    ),
    (
        "io.k8s.api.certificates.v1.CertificateSigningRequestSpec",
        "extra",
        "map[string]v1.ExtraValue",
    ),
    (
        "io.k8s.api.certificates.v1.CertificateSigningRequestSpec",
        "usages",
        "[]v1.KeyUsage",
    ),
    (
        "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinitionSpec",
        "scope",
        "v1.ResourceScope",
    ),
    (
        "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceConversion",
        "strategy",
        "v1.ConversionStrategyType",
    ),
    (
        "io.k8s.api.scheduling.v1.PriorityClass",
        "preemptionPolicy",
        "v1.PreemptionPolicy",
    ),
];

/// Fields of kinds that the upstream OpenAPI spec does require, among those
/// k8s-openapi marks required by its own convention.
const ROOT_REQUIRED: &[(&str, &str)] = &[
    ("io.k8s.api.core.v1.Event", "metadata"),
    (
        "io.k8s.api.certificates.v1.CertificateSigningRequest",
        "spec",
    ),
    (
        "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition",
        "spec",
    ),
    ("io.k8s.api.storage.v1.CSIDriver", "spec"),
    ("io.k8s.api.storage.v1.VolumeAttachment", "spec"),
];

/// The two generated files.
pub struct Output {
    /// `schema.txt`
    pub schema: String,
    /// `explain.txt`
    pub explain: String,
}

struct TypeDef {
    package: String,
    name: String,
    description: String,
    fields: Vec<FieldDef>,
}

struct FieldDef {
    name: String,
    required: bool,
    embedded: Option<&'static str>,
    ty: String,
    go_type: Option<String>,
    description: String,
}

/// Splits `io.k8s.api.apps.v1.Deployment` into (`api.apps.v1`, `Deployment`).
fn split_definition(name: &str) -> (&str, &str) {
    let rest = name
        .strip_prefix("io.k8s.")
        .unwrap_or_else(|| panic!("definition {name} is not under io.k8s."));
    rest.rsplit_once('.')
        .unwrap_or_else(|| panic!("definition {name} has no package"))
}

struct Generator {
    defs: Map<String, Value>,
    /// Definition name → the reference token used in schema.txt.
    ids: BTreeMap<String, String>,
}

impl Generator {
    fn new() -> Generator {
        let mut g = SchemaGenerator::default();
        for r in roots() {
            (r.add)(&mut g);
        }
        let defs = g.definitions().clone();
        let structs: Vec<&String> = defs
            .keys()
            .filter(|k| !is_special(k) && !is_union(k))
            .collect();
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for k in &structs {
            *counts.entry(split_definition(k).1).or_default() += 1;
        }
        let ids = structs
            .iter()
            .map(|k| {
                let (package, name) = split_definition(k);
                let id = if counts[name] == 1 {
                    name.to_string()
                } else {
                    format!("{package}.{name}")
                };
                ((*k).clone(), id)
            })
            .collect();
        Generator { defs, ids }
    }

    fn reference(&self, target: &str) -> String {
        if let Some((_, code)) = SPECIAL.iter().find(|(n, _)| *n == target) {
            return (*code).to_string();
        }
        if let Some((_, suffix)) = SCHEMA_UNIONS.iter().find(|(n, _)| *n == target) {
            return format!("{}|{suffix}", self.ids[JSON_SCHEMA_PROPS]);
        }
        self.ids
            .get(target)
            .unwrap_or_else(|| panic!("reference to unknown definition {target}"))
            .clone()
    }

    /// The type expression of a property schema.
    fn expr(&self, owner: &str, field: &str, s: &Map<String, Value>) -> String {
        for key in s.keys() {
            let known = [
                "$ref",
                "description",
                "type",
                "format",
                "items",
                "additionalProperties",
            ];
            assert!(
                known.contains(&key.as_str()),
                "{owner}.{field}: unexpected schema keyword {key}"
            );
        }
        if let Some(r) = s.get("$ref").and_then(Value::as_str) {
            let target = r
                .strip_prefix("#/$defs/")
                .unwrap_or_else(|| panic!("{owner}.{field}: odd reference {r}"));
            return self.reference(target);
        }
        let ty = s.get("type").and_then(Value::as_str);
        let format = s.get("format").and_then(Value::as_str);
        let sub = |key: &str| -> &Map<String, Value> {
            s.get(key)
                .and_then(Value::as_object)
                .unwrap_or_else(|| panic!("{owner}.{field}: {key} is not a schema"))
        };
        match (ty, format) {
            (Some("string"), None) => "s".into(),
            (Some("string"), Some("byte")) => "y".into(),
            (Some("integer"), Some("int32")) => "i".into(),
            (Some("integer"), Some("int64")) => "l".into(),
            (Some("number"), Some("double")) => "f".into(),
            (Some("boolean"), None) => "b".into(),
            (Some("array"), None) => format!("[{}", self.expr(owner, field, sub("items"))),
            (Some("object"), None) if s.contains_key("additionalProperties") => {
                format!("{{{}", self.expr(owner, field, sub("additionalProperties")))
            }
            other => panic!("{owner}.{field}: unsupported property schema {other:?}"),
        }
    }

    fn type_def(&self, def_name: &str) -> TypeDef {
        let (package, name) = split_definition(def_name);
        let schema = self.defs[def_name]
            .as_object()
            .unwrap_or_else(|| panic!("{def_name} is not a schema object"));
        for key in schema.keys() {
            let known = [
                "description",
                "type",
                "properties",
                "required",
                "x-kubernetes-group-version-kind",
                "x-kubernetes-map-type",
            ];
            assert!(
                known.contains(&key.as_str()),
                "{def_name}: unexpected schema keyword {key}"
            );
        }
        assert_eq!(
            schema.get("type").and_then(Value::as_str),
            Some("object"),
            "{def_name} is not an object type"
        );
        let mut required: BTreeSet<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let embedded: Vec<_> = EMBEDDED.iter().filter(|(d, _, _)| *d == def_name).collect();
        let is_root = roots().iter().any(|r| r.schema == def_name);
        if is_root {
            // k8s-openapi's code generator makes a kind's `metadata`, and
            // object fields with an upstream default of `{}` (most `spec`s),
            // non-optional; undo that where upstream does not require them.
            for field in ["metadata", "spec", "data"] {
                if !ROOT_REQUIRED.contains(&(def_name, field)) {
                    required.remove(field);
                }
            }
        }
        let mut fields = Vec::new();
        let empty = Map::new();
        let properties = schema
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        for (field, prop) in properties {
            assert!(
                !field.is_empty() && !field.contains([' ', ':', '!', '^', '\t', '\n']),
                "{def_name}: field name {field:?} cannot be written in schema.txt"
            );
            let prop = prop
                .as_object()
                .unwrap_or_else(|| panic!("{def_name}.{field} is not a schema"));
            let ty = self.expr(def_name, field, prop);
            let promoted_from = embedded
                .iter()
                .find(|(_, _, promoted)| match promoted {
                    Promoted::Only(list) => list.contains(&field.as_str()),
                    Promoted::AllExcept(list) => !list.contains(&field.as_str()),
                })
                .map(|(_, go, _)| *go)
                .or_else(|| {
                    (is_root && (field == "apiVersion" || field == "kind")).then_some("TypeMeta")
                });
            let go_type = NAMED_TYPES
                .iter()
                .find(|(d, f, _)| *d == def_name && f == field)
                .map(|(_, _, go)| (*go).to_string())
                .or_else(|| (ty == "{q").then(|| "v1.ResourceList".to_string()));
            fields.push(FieldDef {
                name: field.clone(),
                required: required.contains(field.as_str()),
                embedded: promoted_from,
                ty,
                go_type,
                description: description(prop),
            });
        }
        for (_, _, promoted) in &embedded {
            let listed = match promoted {
                Promoted::Only(l) | Promoted::AllExcept(l) => *l,
            };
            for f in listed {
                assert!(
                    properties.contains_key(*f),
                    "{def_name}: embedded-struct table names missing field {f}"
                );
            }
        }
        for r in &required {
            assert!(
                properties.contains_key(*r),
                "{def_name}: required field {r} is not a property"
            );
        }
        for (d, f, _) in NAMED_TYPES {
            if *d == def_name {
                assert!(properties.contains_key(*f), "{d}: no field {f}");
            }
        }
        fields.sort_by(|a, b| a.name.cmp(&b.name));
        TypeDef {
            package: package.to_string(),
            name: name.to_string(),
            description: description(schema),
            fields,
        }
    }

    fn types(&self) -> Vec<TypeDef> {
        // Every hand-kept table entry must name a generated type.
        let listed = EMBEDDED
            .iter()
            .map(|e| e.0)
            .chain(NAMED_TYPES.iter().map(|n| n.0))
            .chain(ROOT_REQUIRED.iter().map(|r| r.0));
        for def in listed {
            assert!(self.ids.contains_key(def), "no generated type {def}");
        }
        let mut names: Vec<&String> = self.ids.keys().collect();
        // Grouped by package, then by name.
        names.sort_by_key(|n| split_definition(n));
        names.iter().map(|n| self.type_def(n)).collect()
    }
}

fn is_special(name: &str) -> bool {
    SPECIAL.iter().any(|(n, _)| *n == name)
}

fn is_union(name: &str) -> bool {
    SCHEMA_UNIONS.iter().any(|(n, _)| *n == name)
}

fn description(schema: &Map<String, Value>) -> String {
    schema
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out
}

fn header(what: &str) -> String {
    format!(
        "# Kubeplay {what}, generated by kubeplay-schema-gen from k8s-openapi {K8S_OPENAPI_VERSION} (Kubernetes {KUBERNETES_VERSION}).\n\
         # Do not edit: run `cargo run -p kubeplay-schema-gen` to update. Format: crates/schema-gen/src/lib.rs.\n"
    )
}

/// Generates both files in memory.
pub fn generate() -> Output {
    let generator = Generator::new();
    let types = generator.types();
    let mut schema = header("field schema");
    let mut explain = header("field descriptions");
    let mut package = "";
    for t in &types {
        if t.package != package {
            package = &t.package;
            writeln!(schema, "@{package}").unwrap();
            writeln!(explain, "@{package}").unwrap();
        }
        schema.push_str(&t.name);
        for f in &t.fields {
            schema.push(' ');
            schema.push_str(&f.name);
            if f.required {
                schema.push('!');
            }
            if let Some(e) = f.embedded {
                schema.push('^');
                schema.push_str(e);
            }
            schema.push(':');
            schema.push_str(&f.ty);
            if let Some(go) = &f.go_type {
                schema.push(':');
                schema.push_str(go);
            }
        }
        schema.push('\n');
        writeln!(explain, "{}\t{}", t.name, escape(&t.description)).unwrap();
        for f in &t.fields {
            if !f.description.is_empty() {
                writeln!(explain, ".{}\t{}", f.name, escape(&f.description)).unwrap();
            }
        }
    }
    // The named non-object types fields refer to (`%Name<TAB>description`),
    // which `kubectl explain` prints after a field's own description.
    for (name, definition) in PRIMITIVES {
        let description = generator
            .defs
            .get(*definition)
            .and_then(|d| d.get("description"))
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("{definition} has no description"));
        // k8s-openapi's copy of the Go comment lost the struct tag's
        // ",inline"; the API server's OpenAPI (what kubectl prints) has it.
        let description =
            description.replace("TypeMeta `json:\"\"`", "TypeMeta `json:\",inline\"`");
        writeln!(explain, "%{name}\t{}", escape(&description)).unwrap();
    }
    Output { schema, explain }
}

/// The primitive definitions `explain.txt` describes, by the name
/// `kubectl explain` shows.
const PRIMITIVES: &[(&str, &str)] = &[
    ("Quantity", "io.k8s.apimachinery.pkg.api.resource.Quantity"),
    (
        "IntOrString",
        "io.k8s.apimachinery.pkg.util.intstr.IntOrString",
    ),
    ("Time", "io.k8s.apimachinery.pkg.apis.meta.v1.Time"),
    (
        "MicroTime",
        "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime",
    ),
    (
        "JSON",
        "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON",
    ),
    ("FieldsV1", "io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1"),
    (
        "RawExtension",
        "io.k8s.apimachinery.pkg.runtime.RawExtension",
    ),
];
