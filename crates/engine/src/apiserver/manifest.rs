//! Manifests in: a YAML or JSON stream (several documents, `kind: List`)
//! is split into objects, each checked the way kubectl and kube-apiserver
//! check it, converted from older served versions, strictly decoded, and
//! applied, created or deleted. Every problem names its document, line and
//! column, and its field path where there is one.

use crate::api::errors::StatusError;
use crate::api::registry::{Simulation, lookup_kind};
use crate::api::schema::{self, DecodeErrorKind};
use crate::api::selector::Selector;
use crate::apiserver::apply::{Applied, ApplyAction, LAST_APPLIED, with_last_applied};
use crate::apiserver::{DeleteOptions, WriteOptions};
use crate::cluster::Cluster;
use crate::store::ObjectKey;
use crate::value::Value;
use crate::yaml::{self, Mark, Node, NodeValue};

/// What to do with each object of a manifest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ManifestVerb {
    /// `kubectl apply -f`
    Apply,
    /// `kubectl create -f`
    Create,
    /// `kubectl delete -f`
    Delete,
    /// `kubectl apply --dry-run=server -f`: check only.
    Check,
    /// `kubectl diff -f`: what applying would make of each object, by a
    /// server dry run (a patch of a live object, a create otherwise).
    Diff,
    /// `kubectl replace -f`: a PUT of the whole object.
    Replace,
    /// `kubectl replace --force -f` after its delete: a create, reported
    /// as replaced, whose errors name no file.
    Recreate,
}

/// kubectl's `--validate`: what the API server does with fields it does
/// not know (`fieldValidation`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FieldValidation {
    /// `strict` (or `true`, the default): the request fails.
    #[default]
    Strict,
    /// `warn`: the fields are dropped, each with a warning.
    Warn,
    /// `ignore` (or `false`): the fields are dropped silently.
    Ignore,
}

/// Options of a manifest run besides its verb.
#[derive(Clone, Copy, Debug, Default)]
pub struct ManifestOptions<'a> {
    /// kubectl's `-l` with `-f`: only the objects whose labels match, as
    /// the builder filters what the files hold before any request.
    pub selector: Option<&'a Selector>,
    /// `--save-config`: record the object in the last-applied annotation
    /// (create and replace).
    pub save_config: bool,
    /// `--validate`.
    pub field_validation: FieldValidation,
}

/// A problem with one object, placed in the source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The document, from 1.
    pub document: usize,
    /// The line (1-based, in the whole input).
    pub line: u32,
    /// The column (1-based).
    pub column: u32,
    /// The field path, when the problem is about a field.
    pub path: Option<String>,
    /// The short message for this spot (`unknown field "spec.replica"`).
    pub message: String,
}

/// The outcome for one object (or one unparseable document).
#[derive(Clone, Debug, PartialEq)]
pub struct ObjectOutcome {
    /// The document it came from, from 1.
    pub document: usize,
    /// Where the object starts.
    pub mark: Mark,
    /// Which object, when it could be identified.
    pub key: Option<ObjectKey>,
    /// kubectl's name for it: `deployment.apps/web`.
    pub display_name: Option<String>,
    /// What was done, or kubectl's full error text.
    pub result: Result<Done, String>,
    /// Warnings (without the `Warning: ` prefix).
    pub warnings: Vec<String>,
    /// Problems placed in the source (for the editor's gutter).
    pub diagnostics: Vec<Diagnostic>,
    /// The error as kubectl prints it among several, when that differs
    /// (an Invalid error: `Error from server (Invalid): error when …`).
    pub listed_error: Option<String>,
}

impl ObjectOutcome {
    /// The error as kubectl prints it when the command failed on several
    /// objects.
    pub fn error_among_several(&self) -> Option<&str> {
        match &self.result {
            Err(e) => Some(self.listed_error.as_deref().unwrap_or(e)),
            Ok(_) => None,
        }
    }
}

/// What was done to an object.
#[derive(Clone, Debug, PartialEq)]
pub enum Done {
    /// Applied: created, configured or unchanged.
    Applied(ApplyAction),
    /// Created (`kubectl create`).
    Created,
    /// Deleted (`kubectl delete -f`).
    Deleted,
    /// Checked and found valid (dry run).
    Valid,
    /// What the object would become (`kubectl diff`).
    Merged(Box<Value>),
    /// Replaced (`kubectl replace`).
    Replaced,
}

impl ObjectOutcome {
    /// kubectl's line for a success (`deployment.apps/web created`).
    pub fn kubectl_line(&self) -> Option<String> {
        let name = self.display_name.as_deref()?;
        match &self.result {
            Ok(Done::Applied(a)) => Some(format!("{name} {}", a.as_str())),
            Ok(Done::Created) => Some(format!("{name} created")),
            Ok(Done::Valid) => Some(format!("{name} created (server dry run)")),
            Ok(Done::Merged(_)) => None,
            Ok(Done::Replaced) => Some(format!("{name} replaced")),
            Ok(Done::Deleted) => Some(deleted_line(self.key.as_ref()?, "deleted")),
            Err(_) => None,
        }
    }
}

/// kubectl delete's line for an object: `deployment.apps "web" deleted
/// from default namespace` (`op` is `deleted` or `force deleted`).
pub fn deleted_line(key: &ObjectKey, op: &str) -> String {
    let line = format!(
        "{} \"{}\" {op}",
        key.resource.get().singular_group(),
        key.name
    );
    match key.namespace.is_empty() {
        true => line,
        false => format!("{line} from {} namespace", key.namespace),
    }
}

impl Cluster {
    /// Runs every object of a manifest through `verb`. `source` is the file
    /// name kubectl would show (`deployment.yaml`, or `STDIN`).
    pub fn run_manifest(
        &mut self,
        text: &str,
        source: &str,
        verb: ManifestVerb,
    ) -> Vec<ObjectOutcome> {
        self.run_manifest_with(text, source, verb, ManifestOptions::default())
    }

    /// [`Cluster::run_manifest`] with options (`-l`, `--save-config`).
    pub fn run_manifest_with(
        &mut self,
        text: &str,
        source: &str,
        verb: ManifestVerb,
        options: ManifestOptions,
    ) -> Vec<ObjectOutcome> {
        let (docs, load_error) = yaml::load_stream(text);
        let mut outcomes = Vec::new();
        for doc in &docs {
            for (node, in_list) in objects_of(&doc.root) {
                let outcome = self.run_object(node, in_list, doc.index, source, verb, options);
                outcomes.extend(outcome);
            }
        }
        if let Some(e) = load_error {
            let message = format!(
                "error: error parsing {source}: error converting YAML to JSON: yaml: line {}: {}",
                e.document_line(),
                e.message
            );
            outcomes.push(ObjectOutcome {
                document: e.document,
                mark: e.mark,
                key: None,
                display_name: None,
                result: Err(message),
                warnings: Vec::new(),
                diagnostics: vec![Diagnostic {
                    document: e.document,
                    line: e.mark.line,
                    column: e.mark.column,
                    path: None,
                    message: e.message.clone(),
                }],
                listed_error: None,
            });
        }
        outcomes
    }

    fn run_object(
        &mut self,
        node: &Node,
        in_list: bool,
        document: usize,
        source: &str,
        verb: ManifestVerb,
        options: ManifestOptions,
    ) -> Option<ObjectOutcome> {
        let mut outcome = ObjectOutcome {
            document,
            mark: node.mark,
            key: None,
            display_name: None,
            result: Ok(Done::Valid),
            warnings: Vec::new(),
            diagnostics: Vec::new(),
            listed_error: None,
        };
        let diag = |mark: Mark, path: Option<&str>, message: String| Diagnostic {
            document,
            line: mark.line,
            column: mark.column,
            path: path.map(str::to_string),
            message,
        };
        if !matches!(node.value, NodeValue::Map(_)) {
            let message = format!(
                "error: error validating \"{source}\": error validating data: invalid object to validate: expected an object, got {}",
                node.type_name()
            );
            outcome
                .diagnostics
                .push(diag(node.mark, None, "expected an object".into()));
            outcome.result = Err(message);
            return Some(outcome);
        }
        let api_version = node.get("apiVersion").and_then(Node::as_str).unwrap_or("");
        let kind = node.get("kind").and_then(Node::as_str).unwrap_or("");
        let name = node
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Node::as_str)
            .unwrap_or("");
        // kubectl's client-side check of the type fields.
        let mut missing = Vec::new();
        if api_version.is_empty() {
            missing.push("apiVersion not set");
        }
        if kind.is_empty() {
            missing.push("kind not set");
        }
        if !missing.is_empty() {
            let list = if missing.len() == 1 {
                missing[0].to_string()
            } else {
                format!("[{}]", missing.join(", "))
            };
            outcome.result = Err(format!(
                "error: error validating \"{source}\": error validating data: {list}; if you choose to ignore these errors, turn validation off with --validate=false"
            ));
            outcome
                .diagnostics
                .push(diag(node.mark, None, missing.join(", ")));
            return Some(outcome);
        }
        let Some((resource, deprecation)) = lookup_kind(api_version, kind) else {
            let namespace = node
                .get("metadata")
                .and_then(|m| m.get("namespace"))
                .and_then(Node::as_str)
                .unwrap_or("");
            outcome.result = Err(format!(
                "error: resource mapping not found for name: \"{name}\" namespace: \"{namespace}\" from \"{source}\": no matches for kind \"{kind}\" in version \"{api_version}\"\nensure CRDs are installed first"
            ));
            let mark = node.get("kind").map_or(node.mark, |k| k.mark);
            outcome.diagnostics.push(diag(
                mark,
                Some("kind"),
                format!("no matches for kind \"{kind}\" in version \"{api_version}\""),
            ));
            return Some(outcome);
        };
        let rt = resource.get();
        if let Some(selector) = options.selector {
            let labels = node
                .get("metadata")
                .and_then(|m| m.get("labels"))
                .map_or(Value::Null, Node::to_value);
            if !selector.matches(&labels) {
                return None;
            }
        }
        // Kubeplay's own notes on what it simulates concern writes.
        let writes = verb != ManifestVerb::Delete && verb != ManifestVerb::Diff;
        if let Some(w) = deprecation {
            outcome.warnings.push(w.to_string());
        }
        if rt.simulation == Simulation::StoredOnly && writes {
            outcome.warnings.push(format!(
                "Kubeplay stores {} objects but does not simulate them",
                rt.kind
            ));
        }
        if rt.kind == "Job"
            && writes
            && let Some(w) = crate::controllers::job::unsimulated_fields(|field| {
                node.get("spec").and_then(|s| s.get(field)).is_some()
            })
        {
            outcome.warnings.push(w);
        }
        if rt.kind == "CronJob"
            && writes
            && let Some(zone) = node
                .get("spec")
                .and_then(|s| s.get("timeZone"))
                .and_then(|z| z.as_str())
                .filter(|z| !matches!(*z, "UTC" | "Etc/UTC"))
        {
            outcome.warnings.push(format!(
                "Kubeplay runs CronJob schedules in UTC: spec.timeZone {zone:?} is stored but not applied"
            ));
        }
        let _ = in_list;
        outcome.display_name = Some(format!("{}/{}", rt.singular_group(), name));
        // Older served versions are converted to the stored one first.
        let legacy_ingress = rt.kind == "Ingress" && api_version != "networking.k8s.io/v1";
        let hpa_v1 = rt.kind == "HorizontalPodAutoscaler" && api_version == "autoscaling/v1";
        let converted;
        // What kubectl records in the last-applied annotation: the object as
        // written, in the version it was written in.
        let written = node;
        let node = if legacy_ingress {
            converted = convert_ingress_v1beta1(node);
            &converted
        } else if hpa_v1 {
            converted = convert_hpa_v1(node);
            &converted
        } else {
            node
        };
        let decoded = match schema::decode(node, resource) {
            Ok(v) => v,
            // Unknown and duplicate fields are errors only under strict
            // field validation; otherwise they are dropped (with a warning
            // each for `warn`).
            Err(errors)
                if options.field_validation != FieldValidation::Strict
                    && errors.iter().all(|e| {
                        matches!(
                            e.kind,
                            DecodeErrorKind::UnknownField | DecodeErrorKind::DuplicateField
                        )
                    }) =>
            {
                if options.field_validation == FieldValidation::Warn {
                    outcome
                        .warnings
                        .extend(errors.iter().map(|e| e.message.clone()));
                }
                schema::decode_lenient(node, resource)
            }
            Err(errors) => {
                let strict: Vec<&schema::DecodeError> = errors
                    .iter()
                    .filter(|e| {
                        matches!(
                            e.kind,
                            DecodeErrorKind::UnknownField | DecodeErrorKind::DuplicateField
                        )
                    })
                    .collect();
                let detail = match errors.iter().find(|e| {
                    !matches!(
                        e.kind,
                        DecodeErrorKind::UnknownField | DecodeErrorKind::DuplicateField
                    )
                }) {
                    Some(first) => first.message.clone(),
                    None => format!(
                        "strict decoding error: {}",
                        strict
                            .iter()
                            .map(|e| e.message.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                let verb_text = if self
                    .store
                    .get(&ObjectKey::new(
                        resource,
                        &namespace_of(node, rt.namespaced),
                        name,
                    ))
                    .is_some()
                {
                    "patching"
                } else {
                    "creating"
                };
                let message = format!(
                    "{} in version \"{}\" cannot be handled as a {}: {detail}",
                    rt.kind, rt.version, rt.kind
                );
                // kubectl diff's dry-run create names no file.
                let wrap = (verb != ManifestVerb::Diff || verb_text == "patching")
                    .then_some((verb_text, source));
                outcome.result = Err(StatusError::bad_request(message).kubectl_message(wrap));
                for e in &errors {
                    outcome
                        .diagnostics
                        .push(diag(e.mark, Some(&e.path), e.message.clone()));
                }
                return Some(outcome);
            }
        };
        let key = ObjectKey::new(resource, &namespace_of(node, rt.namespaced), name);
        if name.is_empty() && matches!(verb, ManifestVerb::Diff | ManifestVerb::Replace) {
            // Both address the object by name: client-go refuses before any
            // request (replace names the file, as AddSourceToErr does).
            let (message, what) = match verb {
                ManifestVerb::Diff => ("error: resource name may not be empty".into(), "diff"),
                _ => (
                    format!(
                        "error: error when replacing \"{source}\": resource name may not be empty"
                    ),
                    "replace",
                ),
            };
            outcome.result = Err(message);
            outcome.diagnostics.push(diag(
                node.get("metadata").map_or(node.mark, |m| m.mark),
                Some("metadata.name"),
                format!("metadata.name: Required value: name is required for {what}"),
            ));
            return Some(outcome);
        }
        if name.is_empty()
            && matches!(
                verb,
                ManifestVerb::Apply | ManifestVerb::Check | ManifestVerb::Delete
            )
        {
            // kubectl apply reads the live object first, which needs a name.
            let generate = node
                .get("metadata")
                .and_then(|m| m.get("generateName"))
                .is_some();
            outcome.result = Err(if generate && verb != ManifestVerb::Delete {
                format!("error: from {source}: cannot use generate name with apply")
            } else {
                let (group, version) = crate::api::registry::split_api_version(api_version);
                format!(
                    "error: error when retrieving current configuration of:\nResource: \"{group}/{version}, Resource={}\", GroupVersionKind: \"{group}/{version}, Kind={kind}\"\nName: \"\", Namespace: \"{}\"\nfrom server for: \"{source}\": resource name may not be empty",
                    rt.plural, key.namespace
                )
            });
            outcome.diagnostics.push(diag(
                node.get("metadata").map_or(node.mark, |m| m.mark),
                Some("metadata.name"),
                "metadata.name: Required value: name is required for apply".into(),
            ));
            return Some(outcome);
        }
        outcome.key = Some(key.clone());
        let result = match verb {
            ManifestVerb::Apply | ManifestVerb::Check => {
                let original_source = if legacy_ingress || hpa_v1 {
                    // kubectl records what it sent: the object as written.
                    self.legacy_recorded(written)
                } else {
                    decoded.clone()
                };
                let opts = WriteOptions {
                    dry_run: verb == ManifestVerb::Check,
                    ..WriteOptions::default()
                };
                // kubectl reads the live object first; a refused read says so.
                if let Err(e) =
                    self.authorize_resource("get", key.resource, "", &key.namespace, &key.name)
                {
                    let (group, version) = crate::api::registry::split_api_version(api_version);
                    let retrieving = format!(
                        "retrieving current configuration of:\nResource: \"{group}/{version}, Resource={}\", GroupVersionKind: \"{group}/{version}, Kind={kind}\"\nName: \"{}\", Namespace: \"{}\"\nfrom server for:",
                        rt.plural, key.name, key.namespace
                    );
                    outcome.result = Err(e.kubectl_message(Some((&retrieving, source))));
                    outcome
                        .diagnostics
                        .push(diag(node.mark, None, e.message.clone()));
                    return Some(outcome);
                }
                self.apply_object(decoded, Some(&original_source), &convert_recorded, &opts)
                    .map(
                        |Applied {
                             action, warnings, ..
                         }| {
                            outcome.warnings.extend(warnings);
                            if verb == ManifestVerb::Check {
                                Done::Valid
                            } else {
                                Done::Applied(action)
                            }
                        },
                    )
                    .map_err(|e| (e, Some("creating")))
            }
            // kubectl diff reads the live object first; that error is bare.
            ManifestVerb::Diff => {
                match self.authorize_resource("get", key.resource, "", &key.namespace, &key.name) {
                    Err(e) => Err((e, None)),
                    Ok(()) => {
                        let patching = self.store.get(&key).is_some();
                        self.dry_run_for_diff(decoded, &key, &mut outcome)
                            .map_err(|e| (e, patching.then_some("patching")))
                    }
                }
            }
            ManifestVerb::Create | ManifestVerb::Recreate => {
                let recreate = verb == ManifestVerb::Recreate;
                // kubectl's `CreateOrUpdateAnnotation`: recorded with
                // --save-config, refreshed when the file carries one.
                let obj = match options.save_config || has_last_applied(&decoded) {
                    true => with_last_applied(&with_namespace(decoded, &key)),
                    false => decoded,
                };
                self.create(obj, &WriteOptions::user())
                    .map(|_| {
                        if recreate {
                            Done::Replaced
                        } else {
                            Done::Created
                        }
                    })
                    .map_err(|e| (e, (!recreate).then_some("creating")))
            }
            ManifestVerb::Replace => self
                .replace_object(decoded, &key, options.save_config)
                .map(|_| Done::Replaced)
                .map_err(|e| (e, Some("replacing"))),
            ManifestVerb::Delete => self
                .authorize_resource("delete", key.resource, "", &key.namespace, &key.name)
                .and_then(|()| self.delete(&key, DeleteOptions::default()))
                .map(|_| Done::Deleted)
                .map_err(|e| (e, Some("deleting"))),
        };
        // The server's warnings come back with the response, refused or not.
        outcome.warnings.append(&mut self.warnings);
        match result {
            Ok(done) => outcome.result = Ok(done),
            Err((e, verb_text)) => {
                for cause in &e.causes {
                    let mark = node.mark_of_path(&cause.field);
                    outcome
                        .diagnostics
                        .push(diag(mark, Some(&cause.field), cause.to_string()));
                }
                if e.causes.is_empty() {
                    outcome
                        .diagnostics
                        .push(diag(node.mark, None, e.message.clone()));
                }
                // kubectl's AddSourceToErr names the file for every API error.
                let wrap = verb_text.map(|v| (v, source));
                outcome.result = Err(e.kubectl_message(wrap));
                if e.reason == crate::api::StatusReason::Invalid {
                    outcome.listed_error = Some(e.listed_message(wrap));
                }
            }
        }
        Some(outcome)
    }

    /// `kubectl diff`'s merged object: the live one patched as apply would
    /// patch it, or created when there is none, by a server dry run.
    /// Neither records a last-applied annotation. Errors of the create come
    /// back bare, and those of the patch name the file (`error when
    /// patching`).
    fn dry_run_for_diff(
        &mut self,
        decoded: Value,
        key: &ObjectKey,
        outcome: &mut ObjectOutcome,
    ) -> Result<Done, StatusError> {
        let dry_run = WriteOptions::patch(true);
        if self.store.get(key).is_none() {
            let create = WriteOptions {
                patch: false,
                ..dry_run
            };
            return self
                .create(decoded, &create)
                .map(|o| Done::Merged(Box::new(o)));
        }
        // kubectl diff sends apply's patch without recording the file
        // (`GetModifiedConfiguration(obj, false, …)`): the live annotation
        // stays as it is in the merged object.
        self.apply_object(decoded, None, &convert_recorded, &dry_run)
            .map(|applied| {
                // apply's own warning about the annotation is not the server's.
                outcome.warnings.extend(
                    applied
                        .warnings
                        .into_iter()
                        .filter(|w| !crate::apiserver::apply::is_missing_annotation_warning(w)),
                );
                Done::Merged(Box::new(applied.object))
            })
    }

    /// `kubectl replace`: kubectl records the object in the last-applied
    /// annotation with `--save-config`, or when the file carries one
    /// already; without a resourceVersion it reads the live one first
    /// (the helper's overwrite), then PUTs the object.
    fn replace_object(
        &mut self,
        obj: Value,
        key: &ObjectKey,
        save_config: bool,
    ) -> Result<Value, StatusError> {
        let mut obj = with_namespace(obj, key);
        if save_config || has_last_applied(&obj) {
            obj = with_last_applied(&obj);
        }
        // The helper ignores a failed read ("we want it to be created"):
        // the PUT's own error is the one shown.
        if obj.str_at(&["metadata", "resourceVersion"]).is_none()
            && self
                .authorize_resource("get", key.resource, "", &key.namespace, &key.name)
                .is_ok()
            && let Some(live) = self.store.get(key)
        {
            let rv = live.at(&["metadata", "resourceVersion"]).clone();
            obj.set_at(&["metadata", "resourceVersion"], rv);
        }
        self.update(obj, &WriteOptions::user())
    }

    /// A legacy Ingress or autoscaling/v1 HPA as kubectl sent it (before
    /// the server's conversion), for the last-applied annotation.
    fn legacy_recorded(&self, written: &Node) -> Value {
        written.to_value()
    }
}

/// Whether the object carries a last-applied annotation.
fn has_last_applied(obj: &Value) -> bool {
    !obj.at(&["metadata", "annotations", LAST_APPLIED]).is_null()
}

/// The object with its namespace filled in, as kubectl's builder fills it.
fn with_namespace(mut obj: Value, key: &ObjectKey) -> Value {
    if !key.namespace.is_empty() {
        obj.set_at(&["metadata", "namespace"], Value::str(&key.namespace));
    }
    obj
}

/// The namespace a manifest names, or `default`.
fn namespace_of(node: &Node, namespaced: bool) -> String {
    if !namespaced {
        return String::new();
    }
    node.get("metadata")
        .and_then(|m| m.get("namespace"))
        .and_then(Node::as_str)
        .filter(|s| !s.is_empty())
        .unwrap_or("default")
        .to_string()
}

/// Converts a recorded configuration to the stored version (legacy
/// Ingresses and autoscaling/v1 HPAs recorded in the last-applied annotation).
fn convert_recorded(v: &Value) -> Value {
    let kind = v.get("kind").as_str();
    let api_version = v.get("apiVersion").as_str();
    let convert: fn(&Node) -> Node = match (kind, api_version) {
        (Some("Ingress"), Some(av)) if av != "networking.k8s.io/v1" => convert_ingress_v1beta1,
        (Some("HorizontalPodAutoscaler"), Some("autoscaling/v1")) => convert_hpa_v1,
        _ => return v.clone(),
    };
    let text = yaml::to_json_compact(v);
    match yaml::load_str(&text) {
        Ok(docs) if !docs.is_empty() => convert(&docs[0].root).to_value(),
        _ => v.clone(),
    }
}

/// Converts an `autoscaling/v1` HorizontalPodAutoscaler to `autoscaling/v2`:
/// `targetCPUUtilizationPercentage` becomes a CPU Utilization resource
/// metric, as the API server's conversion does.
pub fn convert_hpa_v1(node: &Node) -> Node {
    let NodeValue::Map(entries) = &node.value else {
        return node.clone();
    };
    let leaf = |value: NodeValue, mark: Mark| Node { value, mark };
    let map = |entries: Vec<(&str, Node)>, mark: Mark| Node {
        value: NodeValue::Map(
            entries
                .into_iter()
                .map(|(k, v)| (k.to_string(), mark, v))
                .collect(),
        ),
        mark,
    };
    let out = entries
        .iter()
        .map(|(k, m, v)| match (k.as_str(), &v.value) {
            ("apiVersion", _) => (
                k.clone(),
                *m,
                leaf(NodeValue::String("autoscaling/v2".into()), v.mark),
            ),
            ("spec", NodeValue::Map(spec)) => {
                let mut fields: Vec<(String, Mark, Node)> = Vec::new();
                for (k2, m2, v2) in spec {
                    if k2 != "targetCPUUtilizationPercentage" {
                        fields.push((k2.clone(), *m2, v2.clone()));
                        continue;
                    }
                    let target = map(
                        vec![
                            ("type", leaf(NodeValue::String("Utilization".into()), *m2)),
                            ("averageUtilization", v2.clone()),
                        ],
                        *m2,
                    );
                    let resource = map(
                        vec![
                            ("name", leaf(NodeValue::String("cpu".into()), *m2)),
                            ("target", target),
                        ],
                        *m2,
                    );
                    let metric = map(
                        vec![
                            ("type", leaf(NodeValue::String("Resource".into()), *m2)),
                            ("resource", resource),
                        ],
                        *m2,
                    );
                    fields.push((
                        "metrics".to_string(),
                        *m2,
                        leaf(NodeValue::Seq(vec![metric]), *m2),
                    ));
                }
                (k.clone(), *m, leaf(NodeValue::Map(fields), v.mark))
            }
            _ => (k.clone(), *m, v.clone()),
        })
        .collect();
    Node {
        value: NodeValue::Map(out),
        mark: node.mark,
    }
}

/// The objects of a document: itself, or the items of a `kind: List`
/// (`*List` kinds too), with whether they came from a list.
fn objects_of(root: &Node) -> Vec<(&Node, bool)> {
    let is_list = root
        .get("kind")
        .and_then(Node::as_str)
        .is_some_and(|k| k == "List" || (k.ends_with("List") && root.get("items").is_some()));
    if is_list
        && let Some(Node {
            value: NodeValue::Seq(items),
            ..
        }) = root.get("items")
    {
        return items.iter().map(|n| (n, true)).collect();
    }
    vec![(root, false)]
}

/// Converts an `extensions/v1beta1` or `networking.k8s.io/v1beta1` Ingress
/// to `networking.k8s.io/v1`, keeping source positions: `backend` becomes
/// `defaultBackend`, `serviceName`/`servicePort` become `service.name` and
/// `service.port.number|name`, and paths without a `pathType` get
/// `ImplementationSpecific` (the v1beta1 default).
pub fn convert_ingress_v1beta1(node: &Node) -> Node {
    fn map_entries(node: &Node) -> Option<&Vec<(String, Mark, Node)>> {
        match &node.value {
            NodeValue::Map(e) => Some(e),
            _ => None,
        }
    }
    fn backend(node: &Node) -> Node {
        let Some(entries) = map_entries(node) else {
            return node.clone();
        };
        let mut out = Vec::new();
        let mut service_name: Option<(Mark, Node)> = None;
        let mut service_port: Option<(Mark, Node)> = None;
        for (k, m, v) in entries {
            match k.as_str() {
                "serviceName" => service_name = Some((*m, v.clone())),
                "servicePort" => service_port = Some((*m, v.clone())),
                _ => out.push((k.clone(), *m, v.clone())),
            }
        }
        if service_name.is_some() || service_port.is_some() {
            let mark = service_name
                .as_ref()
                .or(service_port.as_ref())
                .map(|(m, _)| *m)
                .unwrap_or(node.mark);
            let mut service = Vec::new();
            if let Some((m, v)) = service_name {
                service.push(("name".to_string(), m, v));
            }
            if let Some((m, v)) = service_port {
                let field = if matches!(v.value, NodeValue::String(_)) {
                    "name"
                } else {
                    "number"
                };
                let port = Node {
                    value: NodeValue::Map(vec![(field.to_string(), m, v)]),
                    mark: m,
                };
                service.push(("port".to_string(), m, port));
            }
            out.push((
                "service".to_string(),
                mark,
                Node {
                    value: NodeValue::Map(service),
                    mark,
                },
            ));
        }
        Node {
            value: NodeValue::Map(out),
            mark: node.mark,
        }
    }
    fn paths(node: &Node) -> Node {
        let NodeValue::Seq(items) = &node.value else {
            return node.clone();
        };
        let items = items
            .iter()
            .map(|p| {
                let Some(entries) = map_entries(p) else {
                    return p.clone();
                };
                let mut out: Vec<(String, Mark, Node)> = entries
                    .iter()
                    .map(|(k, m, v)| {
                        if k == "backend" {
                            (k.clone(), *m, backend(v))
                        } else {
                            (k.clone(), *m, v.clone())
                        }
                    })
                    .collect();
                if !out.iter().any(|(k, _, _)| k == "pathType") {
                    out.push((
                        "pathType".to_string(),
                        p.mark,
                        Node {
                            value: NodeValue::String("ImplementationSpecific".into()),
                            mark: p.mark,
                        },
                    ));
                }
                Node {
                    value: NodeValue::Map(out),
                    mark: p.mark,
                }
            })
            .collect();
        Node {
            value: NodeValue::Seq(items),
            mark: node.mark,
        }
    }
    fn rules(node: &Node) -> Node {
        let NodeValue::Seq(items) = &node.value else {
            return node.clone();
        };
        let items = items
            .iter()
            .map(|rule| {
                let Some(entries) = map_entries(rule) else {
                    return rule.clone();
                };
                let out = entries
                    .iter()
                    .map(|(k, m, v)| {
                        if k != "http" {
                            return (k.clone(), *m, v.clone());
                        }
                        let http = map_entries(v).map(|e| {
                            e.iter()
                                .map(|(k2, m2, v2)| {
                                    if k2 == "paths" {
                                        (k2.clone(), *m2, paths(v2))
                                    } else {
                                        (k2.clone(), *m2, v2.clone())
                                    }
                                })
                                .collect()
                        });
                        let http = match http {
                            Some(e) => Node {
                                value: NodeValue::Map(e),
                                mark: v.mark,
                            },
                            None => v.clone(),
                        };
                        (k.clone(), *m, http)
                    })
                    .collect();
                Node {
                    value: NodeValue::Map(out),
                    mark: rule.mark,
                }
            })
            .collect();
        Node {
            value: NodeValue::Seq(items),
            mark: node.mark,
        }
    }
    let Some(entries) = map_entries(node) else {
        return node.clone();
    };
    let out = entries
        .iter()
        .map(|(k, m, v)| match k.as_str() {
            "apiVersion" => (
                k.clone(),
                *m,
                Node {
                    value: NodeValue::String("networking.k8s.io/v1".into()),
                    mark: v.mark,
                },
            ),
            "spec" => {
                let spec = map_entries(v).map(|e| {
                    e.iter()
                        .map(|(k2, m2, v2)| match k2.as_str() {
                            "backend" => ("defaultBackend".to_string(), *m2, backend(v2)),
                            "rules" => (k2.clone(), *m2, rules(v2)),
                            _ => (k2.clone(), *m2, v2.clone()),
                        })
                        .collect()
                });
                let spec = match spec {
                    Some(e) => Node {
                        value: NodeValue::Map(e),
                        mark: v.mark,
                    },
                    None => v.clone(),
                };
                (k.clone(), *m, spec)
            }
            _ => (k.clone(), *m, v.clone()),
        })
        .collect();
    Node {
        value: NodeValue::Map(out),
        mark: node.mark,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED_DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: snacker-deployment
spec:
  revisionHistoryLimit: 10
  replicas: 1
  selector:
    matchLabels:
      app: snacker
  template:
    metadata:
      labels:
        app: snacker
    spec:
      containers:
        - name: snacker
          image: registry.lambdaclass.com/snackerbis
          ports:
            - containerPort: 80
      imagePullSecrets:
        - name: lambdaclass-registry
";

    const SEED_INGRESS: &str = "apiVersion: extensions/v1beta1
kind: Ingress
metadata:
  name: snackerbis-ingress
  annotations:
    kubernetes.io/ingress.class: \"nginx\"
  labels:
    app: snackerbis
spec:
  rules:
  - host: kube.lambdaclass.com
    http:
      paths:
      - path: /snackerbis
        backend:
          serviceName: snackerbis-service
          servicePort: 80
";

    #[test]
    fn apply_creates_then_is_unchanged_then_configures() {
        let mut c = Cluster::new(1);
        let out = c.run_manifest(SEED_DEPLOYMENT, "deployment.yaml", ManifestVerb::Apply);
        assert_eq!(out.len(), 1);
        assert_eq!(
            out[0].kubectl_line().as_deref(),
            Some("deployment.apps/snacker-deployment created")
        );
        let out = c.run_manifest(SEED_DEPLOYMENT, "deployment.yaml", ManifestVerb::Apply);
        assert_eq!(
            out[0].kubectl_line().as_deref(),
            Some("deployment.apps/snacker-deployment unchanged")
        );
        let scaled = SEED_DEPLOYMENT.replace("replicas: 1", "replicas: 3");
        let out = c.run_manifest(&scaled, "deployment.yaml", ManifestVerb::Apply);
        assert_eq!(
            out[0].kubectl_line().as_deref(),
            Some("deployment.apps/snacker-deployment configured")
        );
        let d = c
            .get(
                crate::cluster::res("Deployment"),
                "default",
                "snacker-deployment",
            )
            .unwrap();
        assert_eq!(d.at(&["spec", "replicas"]), &Value::Int(3));
        assert_eq!(d.at(&["metadata", "generation"]), &Value::Int(2));
        let annotation = d
            .str_at(&[
                "metadata",
                "annotations",
                crate::apiserver::apply::LAST_APPLIED,
            ])
            .unwrap();
        assert!(
            annotation.contains("\"namespace\":\"default\""),
            "{annotation}"
        );
    }

    #[test]
    fn legacy_ingress_is_converted_with_the_deprecation_warning() {
        let mut c = Cluster::new(1);
        let out = c.run_manifest(SEED_INGRESS, "ingress.yaml", ManifestVerb::Apply);
        assert_eq!(
            out[0].result,
            Ok(Done::Applied(ApplyAction::Created)),
            "{:?}",
            out[0]
        );
        assert_eq!(
            out[0].kubectl_line().as_deref(),
            Some("ingress.networking.k8s.io/snackerbis-ingress created")
        );
        assert_eq!(
            out[0].warnings,
            [
                "extensions/v1beta1 Ingress is deprecated in v1.14+, unavailable in v1.22+; use networking.k8s.io/v1 Ingress"
            ]
        );
        let ing = c
            .get(
                crate::cluster::res("Ingress"),
                "default",
                "snackerbis-ingress",
            )
            .unwrap();
        assert_eq!(ing.str_at(&["apiVersion"]), Some("networking.k8s.io/v1"));
        let path = ing
            .at(&["spec", "rules"])
            .items()
            .next()
            .unwrap()
            .at(&["http", "paths"])
            .items()
            .next()
            .unwrap();
        assert_eq!(
            path.str_at(&["backend", "service", "name"]),
            Some("snackerbis-service")
        );
        assert_eq!(
            path.at(&["backend", "service", "port", "number"]),
            &Value::Int(80)
        );
        assert_eq!(path.str_at(&["pathType"]), Some("ImplementationSpecific"));
        // Re-applying the same legacy manifest changes nothing.
        let out = c.run_manifest(SEED_INGRESS, "ingress.yaml", ManifestVerb::Apply);
        assert_eq!(
            out[0].result,
            Ok(Done::Applied(ApplyAction::Unchanged)),
            "{:?}",
            out[0]
        );
    }

    #[test]
    fn unknown_kinds_and_missing_type_fields_get_kubectl_errors() {
        let mut c = Cluster::new(1);
        let out = c.run_manifest(
            "apiVersion: v1\nkind: Frobnicator\nmetadata:\n  name: x\n",
            "f.yaml",
            ManifestVerb::Apply,
        );
        assert_eq!(
            out[0].result,
            Err("error: resource mapping not found for name: \"x\" namespace: \"\" from \"f.yaml\": no matches for kind \"Frobnicator\" in version \"v1\"\nensure CRDs are installed first".into())
        );
        assert_eq!(
            (out[0].diagnostics[0].line, out[0].diagnostics[0].column),
            (2, 7)
        );
        let out = c.run_manifest("metadata:\n  name: x\n", "f.yaml", ManifestVerb::Apply);
        assert_eq!(
            out[0].result,
            Err("error: error validating \"f.yaml\": error validating data: [apiVersion not set, kind not set]; if you choose to ignore these errors, turn validation off with --validate=false".into())
        );
    }

    #[test]
    fn documents_before_a_syntax_error_are_applied() {
        let mut c = Cluster::new(1);
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  labels: [x\n";
        let out = c.run_manifest(text, "cm.yaml", ManifestVerb::Apply);
        assert_eq!(out.len(), 2);
        assert_eq!(
            out[0].kubectl_line().as_deref(),
            Some("configmap/a created")
        );
        let err = out[1].result.as_ref().unwrap_err();
        assert!(
            err.starts_with(
                "error: error parsing cm.yaml: error converting YAML to JSON: yaml: line "
            ),
            "{err}"
        );
        assert!(out[1].diagnostics[0].line >= 10);
    }

    #[test]
    fn lists_apply_each_item() {
        let mut c = Cluster::new(1);
        let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n- apiVersion: coordination.k8s.io/v1\n  kind: Lease\n  metadata: {name: robot}\n";
        let out = c.run_manifest(text, "list.yaml", ManifestVerb::Apply);
        let lines: Vec<_> = out.iter().filter_map(ObjectOutcome::kubectl_line).collect();
        assert_eq!(
            lines,
            [
                "configmap/a created",
                "lease.coordination.k8s.io/robot created"
            ]
        );
        assert_eq!(
            out[1].warnings,
            ["Kubeplay stores Lease objects but does not simulate them"]
        );
    }
}
