//! The columns `kubectl get` shows per kind: the server-side table
//! generators of `pkg/printers/internalversion/printers.go`, ported to
//! stored objects, and kubectl's client-side decoration (NAMESPACE first,
//! `kind/` name prefixes, `-L` and `--show-labels` columns).

use crate::sort::CompactSort;

use crate::api::registry::ResourceId;
use crate::kubectl::duration::{human_duration, since};
use crate::kubectl::tabwriter::TabWriter;
use crate::quantity::Quantity;
use crate::time::{Millis, parse_rfc3339, rfc3339};
use crate::value::Value;

/// A column definition: its (upper-cased) header, whether only `-o wide`
/// shows it, and whether it holds the object's name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Col {
    /// The header as printed.
    pub name: &'static str,
    /// Priority 1: `-o wide` only.
    pub wide: bool,
    /// `Format: "name"` (gets the `kind/` prefix).
    pub is_name: bool,
}

const fn c(name: &'static str) -> Col {
    Col {
        name,
        wide: false,
        is_name: false,
    }
}
const fn w(name: &'static str) -> Col {
    Col {
        name,
        wide: true,
        is_name: false,
    }
}
const NAME: Col = Col {
    name: "NAME",
    wide: false,
    is_name: true,
};
const AGE: Col = c("AGE");

/// A table for one kind: the columns (all of them, wide ones included) and
/// one row of cells per object (wide cells only when `wide`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    /// Column definitions.
    pub columns: Vec<Col>,
    /// Cells per row.
    pub rows: Vec<Vec<String>>,
}

/// Which kinds have their own printer (others get `NAME  CREATED AT`).
pub fn columns_for(kind: &str) -> Vec<Col> {
    match kind {
        "Pod" => vec![
            NAME,
            c("READY"),
            c("STATUS"),
            c("RESTARTS"),
            AGE,
            w("IP"),
            w("NODE"),
            w("NOMINATED NODE"),
            w("READINESS GATES"),
        ],
        "PodTemplate" => vec![NAME, c("CONTAINERS"), c("IMAGES"), c("POD LABELS")],
        "PodDisruptionBudget" => vec![
            NAME,
            c("MIN AVAILABLE"),
            c("MAX UNAVAILABLE"),
            c("ALLOWED DISRUPTIONS"),
            AGE,
        ],
        "ReplicationController" | "ReplicaSet" => vec![
            NAME,
            c("DESIRED"),
            c("CURRENT"),
            c("READY"),
            AGE,
            w("CONTAINERS"),
            w("IMAGES"),
            w("SELECTOR"),
        ],
        "DaemonSet" => vec![
            NAME,
            c("DESIRED"),
            c("CURRENT"),
            c("READY"),
            c("UP-TO-DATE"),
            c("AVAILABLE"),
            c("NODE SELECTOR"),
            AGE,
            w("CONTAINERS"),
            w("IMAGES"),
            w("SELECTOR"),
        ],
        "Job" => vec![
            NAME,
            c("STATUS"),
            c("COMPLETIONS"),
            c("DURATION"),
            AGE,
            w("CONTAINERS"),
            w("IMAGES"),
            w("SELECTOR"),
        ],
        "CronJob" => vec![
            NAME,
            c("SCHEDULE"),
            c("TIMEZONE"),
            c("SUSPEND"),
            c("ACTIVE"),
            c("LAST SCHEDULE"),
            AGE,
            w("CONTAINERS"),
            w("IMAGES"),
            w("SELECTOR"),
        ],
        "Service" => vec![
            NAME,
            c("TYPE"),
            c("CLUSTER-IP"),
            c("EXTERNAL-IP"),
            c("PORT(S)"),
            AGE,
            w("SELECTOR"),
        ],
        "Ingress" => vec![NAME, c("CLASS"), c("HOSTS"), c("ADDRESS"), c("PORTS"), AGE],
        "IngressClass" => vec![NAME, c("CONTROLLER"), c("PARAMETERS"), AGE],
        "StatefulSet" => vec![NAME, c("READY"), AGE, w("CONTAINERS"), w("IMAGES")],
        "Endpoints" => vec![NAME, c("ENDPOINTS"), AGE],
        "Node" => vec![
            NAME,
            c("STATUS"),
            c("ROLES"),
            AGE,
            c("VERSION"),
            w("INTERNAL-IP"),
            w("EXTERNAL-IP"),
            w("OS-IMAGE"),
            w("KERNEL-VERSION"),
            w("CONTAINER-RUNTIME"),
        ],
        "Event" => vec![
            c("LAST SEEN"),
            c("TYPE"),
            c("REASON"),
            c("OBJECT"),
            w("SUBOBJECT"),
            w("SOURCE"),
            c("MESSAGE"),
            w("FIRST SEEN"),
            w("COUNT"),
            Col {
                name: "NAME",
                wide: true,
                is_name: true,
            },
        ],
        "Namespace" => vec![NAME, c("STATUS"), AGE],
        "Secret" => vec![NAME, c("TYPE"), c("DATA"), AGE],
        "ServiceAccount" => vec![NAME, c("SECRETS"), AGE],
        "PersistentVolume" => vec![
            NAME,
            c("CAPACITY"),
            c("ACCESS MODES"),
            c("RECLAIM POLICY"),
            c("STATUS"),
            c("CLAIM"),
            c("STORAGECLASS"),
            c("VOLUMEATTRIBUTESCLASS"),
            c("REASON"),
            AGE,
            w("VOLUMEMODE"),
        ],
        "PersistentVolumeClaim" => vec![
            NAME,
            c("STATUS"),
            c("VOLUME"),
            c("CAPACITY"),
            c("ACCESS MODES"),
            c("STORAGECLASS"),
            c("VOLUMEATTRIBUTESCLASS"),
            AGE,
            w("VOLUMEMODE"),
        ],
        "Deployment" => vec![
            NAME,
            c("READY"),
            c("UP-TO-DATE"),
            c("AVAILABLE"),
            AGE,
            w("CONTAINERS"),
            w("IMAGES"),
            w("SELECTOR"),
        ],
        "HorizontalPodAutoscaler" => vec![
            NAME,
            c("REFERENCE"),
            c("TARGETS"),
            c("MINPODS"),
            c("MAXPODS"),
            c("REPLICAS"),
            AGE,
        ],
        "ConfigMap" => vec![NAME, c("DATA"), AGE],
        "NetworkPolicy" => vec![NAME, c("POD-SELECTOR"), AGE],
        "RoleBinding" | "ClusterRoleBinding" => vec![
            NAME,
            c("ROLE"),
            AGE,
            w("USERS"),
            w("GROUPS"),
            w("SERVICEACCOUNTS"),
        ],
        "CertificateSigningRequest" => vec![
            NAME,
            AGE,
            c("SIGNERNAME"),
            c("REQUESTOR"),
            c("REQUESTEDDURATION"),
            c("CONDITION"),
        ],
        "Lease" => vec![NAME, c("HOLDER"), AGE],
        "StorageClass" => vec![
            NAME,
            c("PROVISIONER"),
            c("RECLAIMPOLICY"),
            c("VOLUMEBINDINGMODE"),
            c("ALLOWVOLUMEEXPANSION"),
            AGE,
        ],
        "ControllerRevision" => vec![NAME, c("CONTROLLER"), c("REVISION"), AGE],
        "ResourceQuota" => vec![NAME, AGE, c("REQUEST"), c("LIMIT")],
        "PriorityClass" => vec![
            NAME,
            c("VALUE"),
            c("GLOBAL-DEFAULT"),
            AGE,
            c("PREEMPTIONPOLICY"),
        ],
        "RuntimeClass" => vec![NAME, c("HANDLER"), AGE],
        "APIService" => vec![NAME, c("SERVICE"), c("AVAILABLE"), AGE],
        "ComponentStatus" => vec![NAME, c("STATUS"), c("MESSAGE"), c("ERROR")],
        "VolumeAttachment" => vec![NAME, c("ATTACHER"), c("PV"), c("NODE"), c("ATTACHED"), AGE],
        "EndpointSlice" => vec![NAME, c("ADDRESSTYPE"), c("PORTS"), c("ENDPOINTS"), AGE],
        "CSIDriver" => vec![
            NAME,
            c("ATTACHREQUIRED"),
            c("PODINFOONMOUNT"),
            c("STORAGECAPACITY"),
            c("TOKENREQUESTS"),
            c("REQUIRESREPUBLISH"),
            c("MODES"),
            AGE,
        ],
        "MutatingWebhookConfiguration" | "ValidatingWebhookConfiguration" => {
            vec![NAME, c("WEBHOOKS"), AGE]
        }
        "ValidatingAdmissionPolicy" => vec![NAME, c("VALIDATIONS"), c("PARAMKIND"), AGE],
        "ValidatingAdmissionPolicyBinding" => {
            vec![NAME, c("POLICYNAME"), c("PARAMREF"), AGE]
        }
        "ServiceCIDR" => vec![NAME, c("CIDRS"), AGE],
        "IPAddress" => vec![NAME, c("PARENTREF")],
        // The API server's default table convertor.
        _ => vec![NAME, c("CREATED AT")],
    }
}

/// Builds the table of `objs` (all of one kind) as the server would.
pub fn table(rid: ResourceId, objs: &[&Value], wide: bool, now: Millis) -> Table {
    let kind = rid.get().kind;
    let columns = columns_for(kind);
    let rows = objs.iter().map(|o| row_for(kind, o, wide, now)).collect();
    Table { columns, rows }
}

fn s<'a>(o: &'a Value, path: &[&str]) -> &'a str {
    o.str_at(path).unwrap_or("")
}

fn int(o: &Value, path: &[&str]) -> i64 {
    o.at(path).as_i64().unwrap_or(0)
}

fn name(o: &Value) -> String {
    s(o, &["metadata", "name"]).to_string()
}

fn age(o: &Value, now: Millis) -> String {
    since(now, o.at(&["metadata", "creationTimestamp"]))
}

fn or_none(v: &str) -> String {
    if v.is_empty() {
        "<none>".to_string()
    } else {
        v.to_string()
    }
}

/// `layoutContainerCells`: container names and images joined with commas.
pub fn container_cells(containers: &Value) -> (String, String) {
    let names: Vec<&str> = containers
        .items()
        .map(|c| c.get("name").as_str().unwrap_or(""))
        .collect();
    let images: Vec<&str> = containers
        .items()
        .map(|c| c.get("image").as_str().unwrap_or(""))
        .collect();
    (names.join(","), images.join(","))
}

/// `storageutil.IsDefaultAnnotation`: the StorageClass is marked default
/// (by the GA or the beta annotation).
pub(crate) fn is_default_storage_class(sc: &Value) -> bool {
    let annotations = sc.at(&["metadata", "annotations"]);
    [
        "storageclass.kubernetes.io/is-default-class",
        "storageclass.beta.kubernetes.io/is-default-class",
    ]
    .iter()
    .any(|k| annotations.get(k).as_str() == Some("true"))
}

/// `labels.FormatLabels`: `k=v,k2=v2` sorted, `<none>` when empty.
pub fn format_labels(labels: &Value) -> String {
    let pairs: Vec<String> = labels
        .members()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
        .collect();
    if pairs.is_empty() {
        "<none>".to_string()
    } else {
        pairs.join(",")
    }
}

/// `metav1.LabelSelectorAsSelector(..).String()`: `""` for an empty
/// selector, `<none>`-free; requirements sorted by key.
pub fn selector_string(sel: &Value) -> String {
    let mut reqs: Vec<(String, String)> = Vec::new();
    for (k, v) in sel.get("matchLabels").members() {
        reqs.push((k.to_string(), format!("{k}={}", v.as_str().unwrap_or(""))));
    }
    for e in sel.get("matchExpressions").items() {
        let key = e.get("key").as_str().unwrap_or("");
        let mut values: Vec<&str> = e.get("values").items().filter_map(Value::as_str).collect();
        values.compact_sort();
        values.dedup();
        let text = match e.get("operator").as_str().unwrap_or("") {
            "In" => format!("{key} in ({})", values.join(",")),
            "NotIn" => format!("{key} notin ({})", values.join(",")),
            "Exists" => key.to_string(),
            "DoesNotExist" => format!("!{key}"),
            _ => return "<invalid>".to_string(),
        };
        reqs.push((key.to_string(), text));
    }
    // Stable sort by key, as labels.NewSelector's Add does.
    reqs.compact_sort_by(|a, b| a.0.cmp(&b.0));
    reqs.into_iter()
        .map(|(_, t)| t)
        .collect::<Vec<_>>()
        .join(",")
}

/// `metav1.FormatLabelSelector`: like [`selector_string`] but `<none>` for
/// an empty selector.
pub fn format_label_selector(sel: &Value) -> String {
    if sel.is_null() {
        return "<none>".to_string();
    }
    let s = selector_string(sel);
    if s.is_empty() {
        "<none>".to_string()
    } else {
        s
    }
}

fn row_for(kind: &str, o: &Value, wide: bool, now: Millis) -> Vec<String> {
    match kind {
        "Pod" => pod_row(o, wide, now),
        "PodTemplate" => {
            let (names, images) = container_cells(o.at(&["template", "spec", "containers"]));
            vec![
                name(o),
                names,
                images,
                format_labels(o.at(&["template", "metadata", "labels"])),
            ]
        }
        "PodDisruptionBudget" => {
            let f = |k: &str| match o.at(&["spec", k]) {
                Value::Null => "N/A".to_string(),
                v => crate::kubectl::jsonpath::text_of(v),
            };
            vec![
                name(o),
                f("minAvailable"),
                f("maxUnavailable"),
                int(o, &["status", "disruptionsAllowed"]).to_string(),
                age(o, now),
            ]
        }
        "ReplicationController" | "ReplicaSet" => {
            let mut row = vec![
                name(o),
                int(o, &["spec", "replicas"]).to_string(),
                int(o, &["status", "replicas"]).to_string(),
                int(o, &["status", "readyReplicas"]).to_string(),
                age(o, now),
            ];
            if wide {
                let (names, images) =
                    container_cells(o.at(&["spec", "template", "spec", "containers"]));
                let sel = if kind == "ReplicaSet" {
                    format_label_selector(o.at(&["spec", "selector"]))
                } else {
                    format_labels(o.at(&["spec", "selector"]))
                };
                row.extend([names, images, sel]);
            }
            row
        }
        "DaemonSet" => {
            let st = |k: &str| int(o, &["status", k]).to_string();
            let mut row = vec![
                name(o),
                st("desiredNumberScheduled"),
                st("currentNumberScheduled"),
                st("numberReady"),
                st("updatedNumberScheduled"),
                st("numberAvailable"),
                format_labels(o.at(&["spec", "template", "spec", "nodeSelector"])),
                age(o, now),
            ];
            if wide {
                let (names, images) =
                    container_cells(o.at(&["spec", "template", "spec", "containers"]));
                row.extend([
                    names,
                    images,
                    format_label_selector(o.at(&["spec", "selector"])),
                ]);
            }
            row
        }
        "Job" => job_row(o, wide, now),
        "CronJob" => {
            let last = match o.at(&["status", "lastScheduleTime"]) {
                Value::Null => "<none>".to_string(),
                t => since(now, t),
            };
            let suspend = match o.at(&["spec", "suspend"]).as_bool() {
                Some(true) => "True",
                Some(false) => "False",
                None => "<unset>",
            };
            let mut row = vec![
                name(o),
                s(o, &["spec", "schedule"]).to_string(),
                or_none(s(o, &["spec", "timeZone"])),
                suspend.to_string(),
                o.at(&["status", "active"]).items().count().to_string(),
                last,
                age(o, now),
            ];
            if wide {
                let t = o.at(&["spec", "jobTemplate", "spec"]);
                let (names, images) = container_cells(t.at(&["template", "spec", "containers"]));
                row.extend([names, images, format_label_selector(t.get("selector"))]);
            }
            row
        }
        "Service" => service_row(o, wide, now),
        "Ingress" => {
            let class = match o.at(&["spec", "ingressClassName"]).as_str() {
                Some(c) => c.to_string(),
                None => "<none>".to_string(),
            };
            let rules: Vec<&Value> = o.at(&["spec", "rules"]).items().collect();
            let mut hosts: Vec<&str> = Vec::new();
            let mut more = false;
            for r in &rules {
                if hosts.len() == 3 {
                    more = true;
                }
                let h = r.get("host").as_str().unwrap_or("");
                if !more && !h.is_empty() {
                    hosts.push(h);
                }
            }
            let hosts = if hosts.is_empty() {
                "*".to_string()
            } else if more {
                format!("{} + {} more...", hosts.join(","), rules.len() - 3)
            } else {
                hosts.join(",")
            };
            let ports = if o.at(&["spec", "tls"]).items().next().is_some() {
                "80, 443"
            } else {
                "80"
            };
            vec![
                name(o),
                class,
                hosts,
                load_balancer_string(o.at(&["status", "loadBalancer"]), wide),
                ports.to_string(),
                age(o, now),
            ]
        }
        "IngressClass" => {
            let params = o.at(&["spec", "parameters"]);
            let p = if params.is_null() {
                "<none>".to_string()
            } else {
                let mut p = s(params, &["kind"]).to_string();
                if let Some(g) = params.get("apiGroup").as_str() {
                    p = format!("{p}.{g}");
                }
                format!("{p}/{}", s(params, &["name"]))
            };
            vec![
                name(o),
                s(o, &["spec", "controller"]).to_string(),
                p,
                age(o, now),
            ]
        }
        "StatefulSet" => {
            let mut row = vec![
                name(o),
                format!(
                    "{}/{}",
                    int(o, &["status", "readyReplicas"]),
                    int(o, &["spec", "replicas"])
                ),
                age(o, now),
            ];
            if wide {
                let (names, images) =
                    container_cells(o.at(&["spec", "template", "spec", "containers"]));
                row.extend([names, images]);
            }
            row
        }
        "Endpoints" => vec![name(o), format_endpoints(o, None), age(o, now)],
        "Node" => node_row(o, wide, now),
        "Event" => event_row(o, wide, now),
        "Namespace" => vec![name(o), s(o, &["status", "phase"]).to_string(), age(o, now)],
        "Secret" => vec![
            name(o),
            s(o, &["type"]).to_string(),
            o.get("data").members().count().to_string(),
            age(o, now),
        ],
        "ServiceAccount" => vec![
            name(o),
            o.get("secrets").items().count().to_string(),
            age(o, now),
        ],
        "PersistentVolume" => {
            let claim = match o.at(&["spec", "claimRef"]) {
                Value::Null => String::new(),
                r => format!("{}/{}", s(r, &["namespace"]), s(r, &["name"])),
            };
            let phase = if o.at(&["metadata", "deletionTimestamp"]).is_null() {
                s(o, &["status", "phase"]).to_string()
            } else {
                "Terminating".to_string()
            };
            vec![
                name(o),
                quantity_string(o.at(&["spec", "capacity", "storage"])),
                access_modes(o.at(&["spec", "accessModes"])),
                s(o, &["spec", "persistentVolumeReclaimPolicy"]).to_string(),
                phase,
                claim,
                s(o, &["spec", "storageClassName"]).to_string(),
                o.at(&["spec", "volumeAttributesClassName"])
                    .as_str()
                    .unwrap_or("<unset>")
                    .to_string(),
                s(o, &["status", "reason"]).to_string(),
                age(o, now),
                o.at(&["spec", "volumeMode"])
                    .as_str()
                    .unwrap_or("<unset>")
                    .to_string(),
            ]
        }
        "PersistentVolumeClaim" => {
            let phase = if o.at(&["metadata", "deletionTimestamp"]).is_null() {
                s(o, &["status", "phase"]).to_string()
            } else {
                "Terminating".to_string()
            };
            let bound = !s(o, &["spec", "volumeName"]).is_empty();
            let (capacity, modes) = if bound {
                (
                    quantity_string(o.at(&["status", "capacity", "storage"])),
                    access_modes(o.at(&["status", "accessModes"])),
                )
            } else {
                (String::new(), String::new())
            };
            vec![
                name(o),
                phase,
                s(o, &["spec", "volumeName"]).to_string(),
                capacity,
                modes,
                s(o, &["spec", "storageClassName"]).to_string(),
                o.at(&["spec", "volumeAttributesClassName"])
                    .as_str()
                    .unwrap_or("<unset>")
                    .to_string(),
                age(o, now),
                o.at(&["spec", "volumeMode"])
                    .as_str()
                    .unwrap_or("<unset>")
                    .to_string(),
            ]
        }
        "Deployment" => {
            let mut row = vec![
                name(o),
                format!(
                    "{}/{}",
                    int(o, &["status", "readyReplicas"]),
                    int(o, &["spec", "replicas"])
                ),
                int(o, &["status", "updatedReplicas"]).to_string(),
                int(o, &["status", "availableReplicas"]).to_string(),
                age(o, now),
            ];
            if wide {
                let (names, images) =
                    container_cells(o.at(&["spec", "template", "spec", "containers"]));
                row.extend([names, images, selector_string(o.at(&["spec", "selector"]))]);
            }
            row
        }
        "HorizontalPodAutoscaler" => {
            let r = o.at(&["spec", "scaleTargetRef"]);
            vec![
                name(o),
                format!("{}/{}", s(r, &["kind"]), s(r, &["name"])),
                hpa_metrics(o),
                match o.at(&["spec", "minReplicas"]).as_i64() {
                    Some(n) => n.to_string(),
                    None => "<unset>".to_string(),
                },
                int(o, &["spec", "maxReplicas"]).to_string(),
                int(o, &["status", "currentReplicas"]).to_string(),
                age(o, now),
            ]
        }
        "ConfigMap" => vec![
            name(o),
            (o.get("data").members().count() + o.get("binaryData").members().count()).to_string(),
            age(o, now),
        ],
        "NetworkPolicy" => vec![
            name(o),
            // FormatLabelSelector of a non-nil (maybe empty) selector.
            {
                let sel = selector_string(o.at(&["spec", "podSelector"]));
                if sel.is_empty() {
                    "<none>".to_string()
                } else {
                    sel
                }
            },
            age(o, now),
        ],
        "RoleBinding" | "ClusterRoleBinding" => {
            let r = o.get("roleRef");
            let mut row = vec![
                name(o),
                format!("{}/{}", s(r, &["kind"]), s(r, &["name"])),
                age(o, now),
            ];
            if wide {
                let (mut users, mut groups, mut sas) = (Vec::new(), Vec::new(), Vec::new());
                for subj in o.get("subjects").items() {
                    let n = s(subj, &["name"]).to_string();
                    match s(subj, &["kind"]) {
                        "User" => users.push(n),
                        "Group" => groups.push(n),
                        "ServiceAccount" => sas.push(format!("{}/{n}", s(subj, &["namespace"]))),
                        _ => {}
                    }
                }
                row.extend([users.join(", "), groups.join(", "), sas.join(", ")]);
            }
            row
        }
        "CertificateSigningRequest" => {
            let mut approved = false;
            let mut denied = false;
            let mut failed = false;
            for cond in o.at(&["status", "conditions"]).items() {
                match s(cond, &["type"]) {
                    "Approved" => approved = true,
                    "Denied" => denied = true,
                    "Failed" => failed = true,
                    _ => {}
                }
            }
            let mut status = if denied {
                "Denied".to_string()
            } else if approved {
                "Approved".to_string()
            } else {
                "Pending".to_string()
            };
            if failed {
                status.push_str(",Failed");
            }
            if !s(o, &["status", "certificate"]).is_empty() {
                status.push_str(",Issued");
            }
            vec![
                name(o),
                age(o, now),
                or_none(s(o, &["spec", "signerName"])),
                s(o, &["spec", "username"]).to_string(),
                match o.at(&["spec", "expirationSeconds"]).as_i64() {
                    Some(secs) => human_duration(secs * 1000),
                    None => "<none>".to_string(),
                },
                status,
            ]
        }
        "Lease" => vec![
            name(o),
            s(o, &["spec", "holderIdentity"]).to_string(),
            age(o, now),
        ],
        "StorageClass" => {
            let mut n = name(o);
            if is_default_storage_class(o) {
                n.push_str(" (default)");
            }
            vec![
                n,
                s(o, &["provisioner"]).to_string(),
                o.get("reclaimPolicy")
                    .as_str()
                    .unwrap_or("Delete")
                    .to_string(),
                o.get("volumeBindingMode")
                    .as_str()
                    .unwrap_or("Immediate")
                    .to_string(),
                o.get("allowVolumeExpansion")
                    .as_bool()
                    .unwrap_or(false)
                    .to_string(),
                age(o, now),
            ]
        }
        "ControllerRevision" => {
            let controller = o
                .at(&["metadata", "ownerReferences"])
                .items()
                .find(|r| r.get("controller").as_bool() == Some(true))
                .map(|r| {
                    let group = s(r, &["apiVersion"])
                        .split_once('/')
                        .map(|(g, _)| g)
                        .unwrap_or("");
                    let kind = s(r, &["kind"]).to_ascii_lowercase();
                    let gk = if group.is_empty() {
                        kind
                    } else {
                        format!("{kind}.{group}")
                    };
                    format!("{gk}/{}", s(r, &["name"]))
                })
                .unwrap_or_else(|| "<none>".to_string());
            vec![
                name(o),
                controller,
                int(o, &["revision"]).to_string(),
                age(o, now),
            ]
        }
        "ResourceQuota" => {
            let hard = o.at(&["status", "hard"]);
            let used = o.at(&["status", "used"]);
            let mut requests = Vec::new();
            let mut limits = Vec::new();
            for (res, h) in hard.members() {
                let text = format!(
                    "{res}: {}/{}",
                    quantity_string(used.get(res)),
                    quantity_string(h)
                );
                if res.split('.').next() == Some("limits") && res.contains('.') {
                    limits.push(text);
                } else {
                    requests.push(text);
                }
            }
            vec![name(o), age(o, now), requests.join(", "), limits.join(", ")]
        }
        "PriorityClass" => vec![
            name(o),
            int(o, &["value"]).to_string(),
            o.get("globalDefault")
                .as_bool()
                .unwrap_or(false)
                .to_string(),
            age(o, now),
            s(o, &["preemptionPolicy"]).to_string(),
        ],
        "RuntimeClass" => vec![name(o), s(o, &["handler"]).to_string(), age(o, now)],
        // printComponentStatus: the Healthy condition.
        "ComponentStatus" => {
            let healthy = o
                .get("conditions")
                .items()
                .find(|c| c.get("type").as_str() == Some("Healthy"));
            let status = match healthy {
                None => "Unknown",
                Some(c) if c.get("status").as_str() == Some("True") => "Healthy",
                Some(_) => "Unhealthy",
            };
            let field = |f: &str| healthy.map_or("", |c| s(c, &[f])).to_string();
            vec![
                name(o),
                status.to_string(),
                field("message"),
                field("error"),
            ]
        }
        // kube-aggregator's printAPIService.
        "APIService" => {
            let service = o.at(&["spec", "service"]);
            let service = if service.is_null() {
                "Local".to_string()
            } else {
                format!("{}/{}", s(service, &["namespace"]), s(service, &["name"]))
            };
            let available = o
                .at(&["status", "conditions"])
                .items()
                .find(|c| c.get("type").as_str() == Some("Available"));
            let available = match available {
                None => "Unknown".to_string(),
                Some(c) => {
                    let status = s(c, &["status"]);
                    let reason = s(c, &["reason"]);
                    if status == "True" || reason.is_empty() {
                        status.to_string()
                    } else {
                        format!("{status} ({reason})")
                    }
                }
            };
            vec![name(o), service, available, age(o, now)]
        }
        "VolumeAttachment" => vec![
            name(o),
            s(o, &["spec", "attacher"]).to_string(),
            s(o, &["spec", "source", "persistentVolumeName"]).to_string(),
            s(o, &["spec", "nodeName"]).to_string(),
            o.at(&["status", "attached"])
                .as_bool()
                .unwrap_or(false)
                .to_string(),
            age(o, now),
        ],
        "EndpointSlice" => {
            let mut ports = Vec::new();
            let mut count = 0;
            for p in o.get("ports").items() {
                if ports.len() < 3 {
                    ports.push(match (p.get("port").as_i64(), p.get("name").as_str()) {
                        (Some(n), _) => n.to_string(),
                        (None, Some(n)) => n.to_string(),
                        _ => "*".to_string(),
                    });
                }
                count += 1;
            }
            let mut addrs = Vec::new();
            let mut acount = 0;
            for e in o.get("endpoints").items() {
                for a in e.get("addresses").items() {
                    if addrs.len() < 3 {
                        addrs.push(a.as_str().unwrap_or("").to_string());
                    }
                    acount += 1;
                }
            }
            vec![
                name(o),
                s(o, &["addressType"]).to_string(),
                list_with_more(&ports, count),
                list_with_more(&addrs, acount),
                age(o, now),
            ]
        }
        "CSIDriver" => {
            let b = |k: &str, d: bool| o.at(&["spec", k]).as_bool().unwrap_or(d).to_string();
            let modes: Vec<&str> = o
                .at(&["spec", "volumeLifecycleModes"])
                .items()
                .filter_map(Value::as_str)
                .collect();
            let tokens = match o.at(&["spec", "tokenRequests"]) {
                Value::Null => "<unset>".to_string(),
                t => t
                    .items()
                    .map(|r| s(r, &["audience"]))
                    .collect::<Vec<_>>()
                    .join(","),
            };
            vec![
                name(o),
                b("attachRequired", true),
                b("podInfoOnMount", false),
                b("storageCapacity", false),
                tokens,
                b("requiresRepublish", false),
                or_none(&modes.join(",")),
                age(o, now),
            ]
        }
        "MutatingWebhookConfiguration" | "ValidatingWebhookConfiguration" => vec![
            name(o),
            o.get("webhooks").items().count().to_string(),
            age(o, now),
        ],
        "ValidatingAdmissionPolicy" => {
            let pk = o.at(&["spec", "paramKind"]);
            vec![
                name(o),
                o.at(&["spec", "validations"]).items().count().to_string(),
                if pk.is_null() {
                    "<unset>".to_string()
                } else {
                    format!("{}/{}", s(pk, &["apiVersion"]), s(pk, &["kind"]))
                },
                age(o, now),
            ]
        }
        "ValidatingAdmissionPolicyBinding" => {
            let pr = o.at(&["spec", "paramRef"]);
            let param = if pr.is_null() {
                "<unset>".to_string()
            } else if !s(pr, &["name"]).is_empty() {
                if s(pr, &["namespace"]).is_empty() {
                    format!("*/{}", s(pr, &["name"]))
                } else {
                    format!("{}/{}", s(pr, &["namespace"]), s(pr, &["name"]))
                }
            } else if !pr.get("selector").is_null() {
                selector_string(pr.get("selector"))
            } else {
                "<unset>".to_string()
            };
            vec![
                name(o),
                s(o, &["spec", "policyName"]).to_string(),
                param,
                age(o, now),
            ]
        }
        "ServiceCIDR" => vec![
            name(o),
            o.at(&["spec", "cidrs"])
                .items()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(","),
            age(o, now),
        ],
        "IPAddress" => {
            let r = o.at(&["spec", "parentRef"]);
            let parent = if r.is_null() {
                "<none>".to_string()
            } else {
                let group = s(r, &["group"]);
                let res = s(r, &["resource"]);
                let mut p = if group.is_empty() {
                    crate::casemap::to_lower(res)
                } else {
                    crate::casemap::to_lower(&format!("{res}.{group}"))
                };
                if !s(r, &["namespace"]).is_empty() {
                    p = format!("{p}/{}", s(r, &["namespace"]));
                }
                format!("{p}/{}", s(r, &["name"]))
            };
            vec![name(o), parent]
        }
        _ => vec![
            name(o),
            match o
                .at(&["metadata", "creationTimestamp"])
                .as_str()
                .and_then(parse_rfc3339)
            {
                Some(t) => rfc3339(t),
                None => String::new(),
            },
        ],
    }
}

fn list_with_more(list: &[String], count: usize) -> String {
    let ret = list.join(",");
    if count > 3 {
        return format!("{ret} + {} more...", count - 3);
    }
    if ret.is_empty() {
        "<unset>".to_string()
    } else {
        ret
    }
}

fn quantity_string(v: &Value) -> String {
    match v.as_str().and_then(|s| Quantity::parse(s).ok()) {
        Some(q) => q.to_string(),
        None => "0".to_string(),
    }
}

pub(crate) fn access_modes(modes: &Value) -> String {
    let mut out = Vec::new();
    for (mode, short) in [
        ("ReadWriteOnce", "RWO"),
        ("ReadOnlyMany", "ROX"),
        ("ReadWriteMany", "RWX"),
        ("ReadWriteOncePod", "RWOP"),
    ] {
        if modes.items().any(|m| m.as_str() == Some(mode)) {
            out.push(short);
        }
    }
    out.join(",")
}

/// `formatHPAMetrics`: the TARGETS cell of `kubectl get hpa`.
pub fn hpa_metrics(o: &Value) -> String {
    let specs: Vec<&Value> = o.at(&["spec", "metrics"]).items().collect();
    if specs.is_empty() {
        return "<none>".to_string();
    }
    let statuses: Vec<&Value> = o.at(&["status", "currentMetrics"]).items().collect();
    let mut list = Vec::new();
    for (i, spec) in specs.iter().enumerate() {
        let status = statuses.get(i).copied();
        let text = match s(spec, &["type"]) {
            "Resource" | "ContainerResource" => {
                let key = if s(spec, &["type"]) == "Resource" {
                    "resource"
                } else {
                    "containerResource"
                };
                let r = spec.get(key);
                let target = r.get("target");
                if let Some(avg) = target.get("averageValue").as_str() {
                    let current = status
                        .and_then(|st| st.at(&[key, "current", "averageValue"]).as_str())
                        .unwrap_or("<unknown>");
                    format!("{}: {current}/{avg}", s(r, &["name"]))
                } else {
                    let current = status
                        .and_then(|st| st.at(&[key, "current", "averageUtilization"]).as_i64())
                        .map(|u| format!("{u}%"))
                        .unwrap_or_else(|| "<unknown>".to_string());
                    let t = target
                        .get("averageUtilization")
                        .as_i64()
                        .map(|u| format!("{u}%"))
                        .unwrap_or_else(|| "<auto>".to_string());
                    format!("{}: {current}/{t}", s(r, &["name"]))
                }
            }
            // `formatHPAMetrics`: Pods, Object and External by value,
            // `(avg)` for average targets.
            ty @ ("Pods" | "Object" | "External") => {
                let key = match ty {
                    "Pods" => "pods",
                    "Object" => "object",
                    _ => "external",
                };
                let target = spec.at(&[key, "target"]);
                let average = ty != "Pods" && target.get("type").as_str() == Some("AverageValue");
                let field = if ty == "Pods" || average {
                    "averageValue"
                } else {
                    "value"
                };
                let current = status
                    .and_then(|st| {
                        let c = st.at(&[key, "current", field]);
                        (!st.get(key).is_null()).then(|| c.as_str().unwrap_or("<unknown>"))
                    })
                    .unwrap_or("<unknown>");
                let t = target.get(field).as_str().unwrap_or("<unknown>");
                if average {
                    format!("{current}/{t} (avg)")
                } else {
                    format!("{current}/{t}")
                }
            }
            _ => "<unknown type>".to_string(),
        };
        list.push(text);
    }
    let count = list.len();
    if count > 2 {
        list.truncate(2);
        return format!("{} + {} more...", list.join(", "), count - 2);
    }
    list.join(", ")
}

/// `loadBalancerStatusStringer`: IPs (or hostnames), sorted and
/// de-duplicated, clipped to 16 characters unless wide.
pub fn load_balancer_string(status: &Value, wide: bool) -> String {
    let mut set: Vec<&str> = status
        .get("ingress")
        .items()
        .filter_map(|i| {
            i.get("ip")
                .as_str()
                .filter(|s| !s.is_empty())
                .or_else(|| i.get("hostname").as_str().filter(|s| !s.is_empty()))
        })
        .collect();
    set.compact_sort();
    set.dedup();
    let r = set.join(",");
    if !wide && r.len() > 16 {
        let mut end = 13;
        while !r.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}...", &r[..end])
    } else {
        r
    }
}

/// `formatEndpoints`: up to three `ip:port`, then `+ N more...`.
pub fn format_endpoints(ep: &Value, port_name: Option<&str>) -> String {
    let subsets: Vec<&Value> = ep.get("subsets").items().collect();
    if subsets.is_empty() {
        return "<none>".to_string();
    }
    let mut list = Vec::new();
    let mut more = false;
    let mut count = 0;
    for ss in subsets {
        let addrs: Vec<&str> = ss
            .get("addresses")
            .items()
            .map(|a| a.get("ip").as_str().unwrap_or(""))
            .collect();
        let ports: Vec<&Value> = ss.get("ports").items().collect();
        if ports.is_empty() {
            count += addrs.len();
            for a in &addrs {
                if list.len() == 3 {
                    more = true;
                    break;
                }
                list.push(a.to_string());
            }
            continue;
        }
        for p in ports {
            let pname = p.get("name").as_str().unwrap_or("");
            if port_name.is_none_or(|n| n == pname) {
                count += addrs.len();
                for a in &addrs {
                    if list.len() == 3 {
                        more = true;
                        break;
                    }
                    list.push(join_host_port(a, p.get("port").as_i64().unwrap_or(0)));
                }
            }
        }
    }
    let ret = list.join(",");
    if more {
        format!("{ret} + {} more...", count - 3)
    } else {
        ret
    }
}

/// `net.JoinHostPort`.
pub fn join_host_port(host: &str, port: i64) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

fn service_row(o: &Value, wide: bool, now: Millis) -> Vec<String> {
    let svc_type = s(o, &["spec", "type"]);
    let internal = o
        .at(&["spec", "clusterIPs"])
        .items()
        .next()
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| "<none>".to_string());
    let external_ips: Vec<&str> = o
        .at(&["spec", "externalIPs"])
        .items()
        .filter_map(Value::as_str)
        .collect();
    let external = match svc_type {
        "ClusterIP" | "NodePort" => {
            if external_ips.is_empty() {
                "<none>".to_string()
            } else {
                external_ips.join(",")
            }
        }
        "LoadBalancer" => {
            let lb = load_balancer_string(o.at(&["status", "loadBalancer"]), wide);
            if !external_ips.is_empty() {
                let mut results: Vec<String> = Vec::new();
                if !lb.is_empty() {
                    results.extend(lb.split(',').map(str::to_string));
                }
                results.extend(external_ips.iter().map(|s| s.to_string()));
                results.join(",")
            } else if !lb.is_empty() {
                lb
            } else {
                "<pending>".to_string()
            }
        }
        "ExternalName" => s(o, &["spec", "externalName"]).to_string(),
        _ => "<unknown>".to_string(),
    };
    let ports: Vec<String> = o
        .at(&["spec", "ports"])
        .items()
        .map(|p| {
            let port = p.get("port").as_i64().unwrap_or(0);
            let proto = p.get("protocol").as_str().unwrap_or("");
            match p.get("nodePort").as_i64() {
                Some(np) if np > 0 => format!("{port}:{np}/{proto}"),
                _ => format!("{port}/{proto}"),
            }
        })
        .collect();
    let ports = if ports.is_empty() {
        "<none>".to_string()
    } else {
        ports.join(",")
    };
    let mut row = vec![
        name(o),
        svc_type.to_string(),
        internal,
        external,
        ports,
        age(o, now),
    ];
    if wide {
        row.push(format_labels(o.at(&["spec", "selector"])));
    }
    row
}

/// A Job's STATUS column (`printJob`): its first True finished condition,
/// Terminating, Suspended, FailureTarget, else Running.
pub fn job_status(o: &Value) -> &'static str {
    let has = |t: &str| crate::controllers::job::true_condition(o, t).is_some();
    if has("Complete") {
        "Complete"
    } else if has("Failed") {
        "Failed"
    } else if !o.at(&["metadata", "deletionTimestamp"]).is_null() {
        "Terminating"
    } else if has("Suspended") {
        "Suspended"
    } else if has("FailureTarget") {
        "FailureTarget"
    } else {
        "Running"
    }
}

fn job_row(o: &Value, wide: bool, now: Millis) -> Vec<String> {
    let succeeded = int(o, &["status", "succeeded"]);
    let completions = match o.at(&["spec", "completions"]).as_i64() {
        Some(c) => format!("{succeeded}/{c}"),
        None => {
            let p = int(o, &["spec", "parallelism"]);
            if p > 1 {
                format!("{succeeded}/1 of {p}")
            } else {
                format!("{succeeded}/1")
            }
        }
    };
    let start = o
        .at(&["status", "startTime"])
        .as_str()
        .and_then(parse_rfc3339);
    let end = o
        .at(&["status", "completionTime"])
        .as_str()
        .and_then(parse_rfc3339);
    let duration = match (start, end) {
        (None, _) => String::new(),
        (Some(st), None) => human_duration(now as i64 - st as i64),
        (Some(st), Some(e)) => human_duration(e as i64 - st as i64),
    };
    let status = job_status(o);
    let mut row = vec![
        name(o),
        status.to_string(),
        completions,
        duration,
        age(o, now),
    ];
    if wide {
        let (names, images) = container_cells(o.at(&["spec", "template", "spec", "containers"]));
        row.extend([
            names,
            images,
            format_label_selector(o.at(&["spec", "selector"])),
        ]);
    }
    row
}

/// The node roles from `node-role.kubernetes.io/<role>` and
/// `kubernetes.io/role` labels, sorted.
pub fn node_roles(node: &Value) -> Vec<String> {
    let mut roles = Vec::new();
    for (k, v) in node.at(&["metadata", "labels"]).members() {
        if let Some(role) = k.strip_prefix("node-role.kubernetes.io/") {
            if !role.is_empty() {
                roles.push(role.to_string());
            }
        } else if k == "kubernetes.io/role"
            && let Some(v) = v.as_str().filter(|v| !v.is_empty())
        {
            roles.push(v.to_string());
        }
    }
    roles.compact_sort();
    roles.dedup();
    roles
}

/// The node's STATUS cell (`Ready`, `NotReady,SchedulingDisabled`, …).
pub fn node_status(node: &Value) -> String {
    let mut status = Vec::new();
    if let Some(cond) = node
        .at(&["status", "conditions"])
        .items()
        .rfind(|c| c.get("type").as_str() == Some("Ready"))
    {
        if cond.get("status").as_str() == Some("True") {
            status.push("Ready");
        } else {
            status.push("NotReady");
        }
    }
    if status.is_empty() {
        status.push("Unknown");
    }
    if node.at(&["spec", "unschedulable"]).as_bool() == Some(true) {
        status.push("SchedulingDisabled");
    }
    status.join(",")
}

fn node_row(o: &Value, wide: bool, now: Millis) -> Vec<String> {
    let roles = node_roles(o).join(",");
    let mut row = vec![
        name(o),
        node_status(o),
        or_none(&roles),
        age(o, now),
        s(o, &["status", "nodeInfo", "kubeletVersion"]).to_string(),
    ];
    if wide {
        let addr = |t: &str| {
            o.at(&["status", "addresses"])
                .items()
                .find(|a| a.get("type").as_str() == Some(t))
                .and_then(|a| a.get("address").as_str())
                .unwrap_or("<none>")
                .to_string()
        };
        let info = |k: &str| {
            let v = s(o, &["status", "nodeInfo", k]);
            if v.is_empty() {
                "<unknown>".to_string()
            } else {
                v.to_string()
            }
        };
        row.extend([
            addr("InternalIP"),
            addr("ExternalIP"),
            info("osImage"),
            info("kernelVersion"),
            info("containerRuntimeVersion"),
        ]);
    }
    row
}

fn event_row(o: &Value, wide: bool, now: Millis) -> Vec<String> {
    let first = match o.get("firstTimestamp") {
        Value::Null => since(now, o.get("eventTime")),
        t => since(now, t),
    };
    let mut last = match o.get("lastTimestamp") {
        Value::Null => first.clone(),
        t => since(now, t),
    };
    let mut count = int(o, &["count"]);
    if !o.get("series").is_null() {
        last = since(now, o.at(&["series", "lastObservedTime"]));
        count = int(o, &["series", "count"]);
    } else if count == 0 {
        count = 1;
    }
    let inv = o.get("involvedObject");
    let kind = s(inv, &["kind"]).to_ascii_lowercase();
    let target = if s(inv, &["name"]).is_empty() {
        kind
    } else {
        format!("{kind}/{}", s(inv, &["name"]))
    };
    let message = s(o, &["message"]).trim().to_string();
    if wide {
        let component = Some(s(o, &["source", "component"]))
            .filter(|c| !c.is_empty())
            .unwrap_or(s(o, &["reportingComponent"]));
        let host = Some(s(o, &["source", "host"]))
            .filter(|c| !c.is_empty())
            .unwrap_or(s(o, &["reportingInstance"]));
        let source = if host.is_empty() {
            component.to_string()
        } else {
            format!("{component}, {host}")
        };
        vec![
            last,
            s(o, &["type"]).to_string(),
            s(o, &["reason"]).to_string(),
            target,
            s(inv, &["fieldPath"]).to_string(),
            source,
            message,
            first,
            count.to_string(),
            name(o),
        ]
    } else {
        vec![
            last,
            s(o, &["type"]).to_string(),
            s(o, &["reason"]).to_string(),
            target,
            message,
        ]
    }
}

/// What `printPod` computes for a pod: READY, STATUS and RESTARTS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodSummary {
    /// `1/1`
    pub ready: String,
    /// `Running`, `ContainerCreating`, `Init:0/1`, `Terminating`, …
    pub status: String,
    /// `0` or `2 (30s ago)`
    pub restarts: String,
}

fn terminated_finished(c: &Value) -> Option<Millis> {
    c.at(&["lastState", "terminated", "finishedAt"])
        .as_str()
        .and_then(parse_rfc3339)
}

fn is_restartable_init(spec_init: Option<&Value>) -> bool {
    spec_init.is_some_and(|c| c.get("restartPolicy").as_str() == Some("Always"))
}

/// `printPod`'s READY, STATUS and RESTARTS logic.
pub fn pod_summary(pod: &Value, now: Millis) -> PodSummary {
    let mut restarts: i64 = 0;
    let mut restartable_init_restarts: i64 = 0;
    let mut total = pod.at(&["spec", "containers"]).items().count();
    let mut ready = 0;
    let mut last_restart: Option<Millis> = None;
    let mut last_restartable_init_restart: Option<Millis> = None;
    let phase = s(pod, &["status", "phase"]);
    let mut reason = phase.to_string();
    if let Some(r) = pod
        .at(&["status", "reason"])
        .as_str()
        .filter(|r| !r.is_empty())
    {
        reason = r.to_string();
    }
    for cond in pod.at(&["status", "conditions"]).items() {
        if cond.get("type").as_str() == Some("PodScheduled")
            && cond.get("reason").as_str() == Some("SchedulingGated")
        {
            reason = "SchedulingGated".to_string();
        }
    }
    let init_specs: Vec<&Value> = pod.at(&["spec", "initContainers"]).items().collect();
    let init_spec = |name: &str| {
        init_specs
            .iter()
            .copied()
            .find(|c| c.get("name").as_str() == Some(name))
    };
    total += init_specs
        .iter()
        .filter(|c| is_restartable_init(Some(c)))
        .count();
    let mut initializing = false;
    for (i, container) in pod
        .at(&["status", "initContainerStatuses"])
        .items()
        .enumerate()
    {
        let count = int(container, &["restartCount"]);
        restarts += count;
        if let Some(t) = terminated_finished(container) {
            last_restart = Some(last_restart.map_or(t, |l| l.max(t)));
        }
        let restartable = is_restartable_init(init_spec(s(container, &["name"])));
        if restartable {
            restartable_init_restarts += count;
            if let Some(t) = terminated_finished(container) {
                last_restartable_init_restart =
                    Some(last_restartable_init_restart.map_or(t, |l| l.max(t)));
            }
        }
        let terminated = container.at(&["state", "terminated"]);
        let waiting = container.at(&["state", "waiting"]);
        if !terminated.is_null() && int(terminated, &["exitCode"]) == 0 {
            continue;
        }
        if restartable && container.get("started").as_bool() == Some(true) {
            if container.get("ready").as_bool() == Some(true) {
                ready += 1;
            }
            continue;
        }
        if !terminated.is_null() {
            let r = s(terminated, &["reason"]);
            reason = if r.is_empty() {
                let signal = int(terminated, &["signal"]);
                if signal != 0 {
                    format!("Init:Signal:{signal}")
                } else {
                    format!("Init:ExitCode:{}", int(terminated, &["exitCode"]))
                }
            } else {
                format!("Init:{r}")
            };
        } else if !waiting.is_null()
            && !s(waiting, &["reason"]).is_empty()
            && s(waiting, &["reason"]) != "PodInitializing"
        {
            reason = format!("Init:{}", s(waiting, &["reason"]));
        } else {
            reason = format!("Init:{i}/{}", init_specs.len());
        }
        initializing = true;
        break;
    }
    let initialized_true = pod
        .at(&["status", "conditions"])
        .items()
        .find(|c| c.get("type").as_str() == Some("Initialized"))
        .is_some_and(|c| c.get("status").as_str() == Some("True"));
    if !initializing || initialized_true {
        restarts = restartable_init_restarts;
        last_restart = last_restartable_init_restart;
        let mut has_running = false;
        let statuses: Vec<&Value> = pod.at(&["status", "containerStatuses"]).items().collect();
        for container in statuses.iter().rev() {
            restarts += int(container, &["restartCount"]);
            if let Some(t) = terminated_finished(container) {
                last_restart = Some(last_restart.map_or(t, |l| l.max(t)));
            }
            let waiting = container.at(&["state", "waiting"]);
            let terminated = container.at(&["state", "terminated"]);
            if !waiting.is_null() && !s(waiting, &["reason"]).is_empty() {
                reason = s(waiting, &["reason"]).to_string();
            } else if !terminated.is_null() && !s(terminated, &["reason"]).is_empty() {
                reason = s(terminated, &["reason"]).to_string();
            } else if !terminated.is_null() {
                let signal = int(terminated, &["signal"]);
                reason = if signal != 0 {
                    format!("Signal:{signal}")
                } else {
                    format!("ExitCode:{}", int(terminated, &["exitCode"]))
                };
            } else if container.get("ready").as_bool() == Some(true)
                && !container.at(&["state", "running"]).is_null()
            {
                has_running = true;
                ready += 1;
            }
        }
        if reason == "Completed" && has_running {
            let pod_ready = pod.at(&["status", "conditions"]).items().any(|c| {
                c.get("type").as_str() == Some("Ready") && c.get("status").as_str() == Some("True")
            });
            reason = if pod_ready { "Running" } else { "NotReady" }.to_string();
        }
    }
    let deleting = !pod.at(&["metadata", "deletionTimestamp"]).is_null();
    if deleting && s(pod, &["status", "reason"]) == "NodeLost" {
        reason = "Unknown".to_string();
    } else if deleting && !matches!(phase, "Succeeded" | "Failed") {
        reason = "Terminating".to_string();
    }
    let restarts = match last_restart {
        Some(t) if restarts != 0 => {
            format!("{restarts} ({} ago)", human_duration(now as i64 - t as i64))
        }
        _ => restarts.to_string(),
    };
    PodSummary {
        ready: format!("{ready}/{total}"),
        status: reason,
        restarts,
    }
}

fn pod_row(o: &Value, wide: bool, now: Millis) -> Vec<String> {
    let sum = pod_summary(o, now);
    let mut row = vec![name(o), sum.ready, sum.status, sum.restarts, age(o, now)];
    if wide {
        let ip = o
            .at(&["status", "podIPs"])
            .items()
            .next()
            .and_then(|p| p.get("ip").as_str())
            .unwrap_or("");
        let gates: Vec<&Value> = o.at(&["spec", "readinessGates"]).items().collect();
        let gates = if gates.is_empty() {
            "<none>".to_string()
        } else {
            let conds: Vec<&Value> = o.at(&["status", "conditions"]).items().collect();
            let true_count = gates
                .iter()
                .filter(|g| {
                    let t = g.get("conditionType").as_str();
                    conds
                        .iter()
                        .find(|c| c.get("type").as_str() == t)
                        .is_some_and(|c| c.get("status").as_str() == Some("True"))
                })
                .count();
            format!("{true_count}/{}", gates.len())
        };
        row.extend([
            or_none(ip),
            or_none(s(o, &["spec", "nodeName"])),
            or_none(s(o, &["status", "nominatedNodeName"])),
            gates,
        ]);
    }
    row
}

/// kubectl's table options.
#[derive(Clone, Debug, Default)]
pub struct TableOptions {
    /// `-o wide`
    pub wide: bool,
    /// `--no-headers`
    pub no_headers: bool,
    /// Add the NAMESPACE column (`-A`, namespaced kinds).
    pub with_namespace: bool,
    /// Prefix names with `kind.group/`.
    pub with_kind: Option<String>,
    /// `-L` label columns.
    pub label_columns: Vec<String>,
    /// `--show-labels`
    pub show_labels: bool,
}

/// Writes a decorated table through the tabwriter (`printTable`): headers
/// upper-cased, wide columns dropped unless wide, nothing at all when there
/// are no rows. `objs` are the table's objects (for namespace and labels).
pub fn write_table(
    out: &mut TabWriter,
    table: &Table,
    objs: &[&Value],
    opts: &TableOptions,
    print_headers: bool,
) {
    if table.rows.is_empty() {
        return;
    }
    let visible: Vec<usize> = table
        .columns
        .iter()
        .enumerate()
        .filter(|(_, c)| opts.wide || !c.wide)
        .map(|(i, _)| i)
        .collect();
    let mut lines: Vec<Vec<String>> = Vec::new();
    if print_headers && !opts.no_headers {
        let mut header = Vec::new();
        if opts.with_namespace {
            header.push("NAMESPACE".to_string());
        }
        header.extend(visible.iter().map(|&i| table.columns[i].name.to_string()));
        for l in &opts.label_columns {
            header.push(crate::casemap::to_upper(l.rsplit('/').next().unwrap_or(l)));
        }
        if opts.show_labels {
            header.push("LABELS".to_string());
        }
        lines.push(header);
    }
    let name_col = table.columns.iter().position(|c| c.is_name);
    for (row, obj) in table.rows.iter().zip(objs) {
        let mut line = Vec::new();
        if opts.with_namespace {
            line.push(s(obj, &["metadata", "namespace"]).to_string());
        }
        // Wide rows carry every cell; narrow rows only the visible ones.
        let cells: Vec<(usize, &String)> = if row.len() == table.columns.len() {
            visible.iter().map(|&i| (i, &row[i])).collect()
        } else {
            visible.iter().copied().zip(row.iter()).collect()
        };
        for (i, cell) in cells {
            let mut cell = cell.clone();
            if Some(i) == name_col
                && let Some(k) = &opts.with_kind
            {
                cell = format!("{k}/{cell}");
            }
            line.push(cell);
        }
        let labels = obj.at(&["metadata", "labels"]);
        for l in &opts.label_columns {
            line.push(labels.get(l).as_str().unwrap_or("").to_string());
        }
        if opts.show_labels {
            line.push(format_labels(labels));
        }
        lines.push(line);
    }
    for line in lines {
        let cells: Vec<String> = line.into_iter().map(|c| sanitize_cell(&c)).collect();
        out.write(&cells.join("\t"));
        out.write("\n");
    }
}

/// Cells are cut at the first line break and get `...` (`cellBreakChars`).
fn sanitize_cell(cell: &str) -> String {
    match cell.find(['\n', '\r', '\x0c']) {
        Some(i) => format!("{}...", &cell[..i]),
        None => cell.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::SECOND;

    fn obj(yaml: &str) -> Value {
        crate::yaml::load_str(yaml).unwrap()[0].root.to_value()
    }

    fn status(yaml: &str) -> PodSummary {
        pod_summary(&obj(yaml), 100 * SECOND)
    }

    const SPEC: &str = "metadata: {name: p, creationTimestamp: '2026-01-01T00:00:00Z'}\nspec: {containers: [{name: a, image: nginx}]}\n";

    #[test]
    fn pod_status_cases() {
        let p = |st: &str| status(&format!("{SPEC}status: {st}\n"));
        assert_eq!(p("{phase: Pending}").status, "Pending");
        assert_eq!(p("{phase: Pending}").ready, "0/1");
        assert_eq!(
            p("{phase: Pending, containerStatuses: [{name: a, ready: false, restartCount: 0, state: {waiting: {reason: ContainerCreating}}}]}").status,
            "ContainerCreating"
        );
        assert_eq!(
            p("{phase: Pending, containerStatuses: [{name: a, ready: false, restartCount: 0, state: {waiting: {reason: ImagePullBackOff}}}]}").status,
            "ImagePullBackOff"
        );
        let crash = p(
            "{phase: Running, containerStatuses: [{name: a, ready: false, restartCount: 2, state: {waiting: {reason: CrashLoopBackOff}}, lastState: {terminated: {exitCode: 1, reason: Error, finishedAt: '2026-01-01T00:01:10Z'}}}]}",
        );
        assert_eq!(crash.status, "CrashLoopBackOff");
        assert_eq!(crash.restarts, "2 (30s ago)");
        let running = p(
            "{phase: Running, conditions: [{type: Ready, status: 'True'}], containerStatuses: [{name: a, ready: true, restartCount: 0, state: {running: {startedAt: '2026-01-01T00:00:05Z'}}}]}",
        );
        assert_eq!(
            (
                running.ready.as_str(),
                running.status.as_str(),
                running.restarts.as_str()
            ),
            ("1/1", "Running", "0")
        );
        assert_eq!(
            p("{phase: Succeeded, containerStatuses: [{name: a, ready: false, restartCount: 0, state: {terminated: {exitCode: 0, reason: Completed}}}]}").status,
            "Completed"
        );
        assert_eq!(
            p("{phase: Failed, containerStatuses: [{name: a, ready: false, restartCount: 0, state: {terminated: {exitCode: 137}}}]}").status,
            "ExitCode:137"
        );
        assert_eq!(p("{phase: Failed, reason: Evicted}").status, "Evicted");
        let init = status(
            "metadata: {name: p}\nspec: {initContainers: [{name: i, image: busybox}], containers: [{name: a, image: nginx}]}\nstatus: {phase: Pending, initContainerStatuses: [{name: i, ready: false, restartCount: 0, state: {running: {}}}], containerStatuses: [{name: a, ready: false, restartCount: 0, state: {waiting: {reason: PodInitializing}}}]}\n",
        );
        assert_eq!(init.status, "Init:0/1");
        let terminating = status(
            "metadata: {name: p, deletionTimestamp: '2026-01-01T00:02:00Z'}\nspec: {containers: [{name: a}]}\nstatus: {phase: Running}\n",
        );
        assert_eq!(terminating.status, "Terminating");
        let gated = p(
            "{phase: Pending, conditions: [{type: PodScheduled, status: 'False', reason: SchedulingGated}]}",
        );
        assert_eq!(gated.status, "SchedulingGated");
    }

    #[test]
    fn node_status_and_roles() {
        let n = obj(
            "metadata: {name: cp, labels: {node-role.kubernetes.io/control-plane: ''}}\nspec: {unschedulable: true}\nstatus: {conditions: [{type: Ready, status: 'True'}]}\n",
        );
        assert_eq!(node_status(&n), "Ready,SchedulingDisabled");
        assert_eq!(node_roles(&n), ["control-plane"]);
        assert_eq!(node_status(&obj("metadata: {name: x}\n")), "Unknown");
    }

    #[test]
    fn service_cells() {
        let svc = obj(
            "metadata: {name: web, creationTimestamp: '2026-01-01T00:00:00Z'}\nspec: {type: NodePort, clusterIPs: [10.96.0.7], ports: [{port: 80, nodePort: 30080, protocol: TCP}, {port: 443, protocol: TCP}]}\n",
        );
        assert_eq!(
            service_row(&svc, false, 65 * SECOND),
            [
                "web",
                "NodePort",
                "10.96.0.7",
                "<none>",
                "80:30080/TCP,443/TCP",
                "65s"
            ]
        );
        let lb = obj("metadata: {name: lb}\nspec: {type: LoadBalancer, clusterIPs: [None]}\n");
        let row = service_row(&lb, true, 0);
        assert_eq!(&row[2..5], ["None", "<pending>", "<none>"]);
        assert_eq!(row[6], "<none>");
    }

    #[test]
    fn selectors_format_like_apimachinery() {
        let sel = obj(
            "matchLabels: {b: '2', a: '1'}\nmatchExpressions: [{key: env, operator: In, values: [prod, dev]}, {key: canary, operator: DoesNotExist}]\n",
        );
        assert_eq!(selector_string(&sel), "a=1,b=2,!canary,env in (dev,prod)");
        assert_eq!(format_label_selector(&Value::object()), "<none>");
        assert_eq!(format_labels(&Value::Null), "<none>");
    }
}
