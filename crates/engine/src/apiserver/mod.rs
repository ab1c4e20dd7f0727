//! The simulated kube-apiserver: create, update, delete and get objects with
//! the real server's defaulting, admission, validation and metadata rules.

pub(crate) mod aggregator;
pub mod apply;
pub mod binding;
pub(crate) mod componentstatus;
pub(crate) mod discovery;
pub mod manifest;
pub(crate) mod quota;
pub(crate) mod raw;
pub mod rbac;

use crate::vecmap::VecSet;

use crate::api::errors::{FieldError, StatusError, quote};
use crate::api::registry::ResourceId;
use crate::api::{defaults, validation};
use crate::cluster::{Cluster, NodeOptions, Task, res};
use crate::store::ObjectKey;
use crate::time::{SECOND, parse_rfc3339, rfc3339};
use crate::value::Value;

/// Who makes a request, and how.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriteOptions {
    /// True for the cluster's own components (controllers, kubelet), which
    /// may write status and skip user-facing admission.
    pub system: bool,
    /// Validate and default, but store nothing (`--dry-run=server`).
    pub dry_run: bool,
    /// An update sent as a PATCH (`kubectl apply`, `edit`, `label`, …),
    /// which is authorized as the verb `patch` rather than `update`.
    pub patch: bool,
    /// The subresource written (`scale`), which is what is authorized.
    pub subresource: &'static str,
}

impl WriteOptions {
    /// A request from a user (kubectl, the editor).
    pub fn user() -> WriteOptions {
        WriteOptions::default()
    }

    /// A PATCH from a user (server dry run when `dry_run`).
    pub fn patch(dry_run: bool) -> WriteOptions {
        WriteOptions {
            dry_run,
            patch: true,
            ..WriteOptions::default()
        }
    }

    /// A request from a cluster component.
    pub fn system() -> WriteOptions {
        WriteOptions {
            system: true,
            ..WriteOptions::default()
        }
    }
}

/// How dependents are treated when their owner is deleted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Propagation {
    /// Delete the owner now; the garbage collector deletes dependents.
    #[default]
    Background,
    /// Delete dependents first, then the owner.
    Foreground,
    /// Delete the owner and leave dependents without it.
    Orphan,
}

/// Options of a delete request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeleteOptions {
    /// Cascading policy.
    pub propagation: Propagation,
    /// Grace period override for pods (`--grace-period`); `None` uses the pod's own.
    pub grace_period_seconds: Option<i64>,
}

/// Allocators for Service cluster IPs, NodePorts, load-balancer IPs and
/// node pod CIDRs.
#[derive(Clone, Debug, Default)]
pub struct Allocators {
    /// Sorted vectors, not BTreeSets: one per Service at most, and no
    /// B-tree code for u32 in the browser bundle.
    cluster_ips: VecSet<u32>,
    /// Allocated NodePorts (validated into 30000-32767, so they fit a u32:
    /// one set type fewer in the browser bundle).
    node_ports: VecSet<u32>,
    next_pod_cidr: u32,
    pub(crate) load_balancer_ips: VecSet<u32>,
}

/// A node port as the allocator keeps it; a value no port can have (never
/// stored: validation keeps ports in range) maps to one never allocated.
fn port_key(np: i64) -> u32 {
    u32::try_from(np).unwrap_or(u32::MAX)
}

/// The service CIDR 10.96.0.0/12 as a number.
const SERVICE_CIDR_BASE: u32 = (10 << 24) | (96 << 16);
const SERVICE_CIDR_SIZE: u32 = 1 << 20;
/// The NodePort range.
pub const NODE_PORT_RANGE: std::ops::RangeInclusive<i64> = 30000..=32767;

/// Formats an IPv4 address.
pub fn ipv4(n: u32) -> String {
    format!(
        "{}.{}.{}.{}",
        n >> 24,
        (n >> 16) & 255,
        (n >> 8) & 255,
        n & 255
    )
}

/// Parses an IPv4 address.
pub fn parse_ipv4(s: &str) -> Option<u32> {
    let parts: Vec<u32> = s
        .split('.')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    if parts.len() != 4 || parts.iter().any(|&p| p > 255) {
        return None;
    }
    Some((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3])
}

impl Cluster {
    /// The object of `resource` named `name` in `namespace` (empty for
    /// cluster-scoped kinds), or kubectl's NotFound error.
    pub fn get(
        &self,
        resource: ResourceId,
        namespace: &str,
        name: &str,
    ) -> Result<&Value, StatusError> {
        let ns = if resource.get().namespaced {
            namespace
        } else {
            ""
        };
        self.store
            .get_named(resource, ns, name)
            .ok_or_else(|| StatusError::not_found(&resource.get().plural_group(), name))
    }

    /// Creates an object: defaults, admits, validates and stores it.
    /// kubectl's `--record`: the user's object carries the command that
    /// wrote it in `kubernetes.io/change-cause`.
    fn record_change_cause(&self, obj: &mut Value, opts: &WriteOptions) {
        let Some(cause) = &self.change_cause else {
            return;
        };
        if opts.system {
            return;
        }
        let path = ["metadata", "annotations", "kubernetes.io/change-cause"];
        // kubectl records before the command's own changes: a change
        // cause the command sets itself (`kubectl annotate`) wins.
        let stored = resource_of(obj).ok().and_then(|resource| {
            let ns = if resource.get().namespaced {
                obj.str_at(&["metadata", "namespace"]).unwrap_or("default")
            } else {
                ""
            };
            let name = obj.str_at(&["metadata", "name"]).unwrap_or("");
            self.store.get(&ObjectKey::new(resource, ns, name))
        });
        if stored.is_some_and(|s| s.at(&path) != obj.at(&path)) {
            return;
        }
        obj.set_at(&path, Value::from(cause.clone()));
    }

    /// Returns the stored object.
    pub fn create(&mut self, mut obj: Value, opts: &WriteOptions) -> Result<Value, StatusError> {
        self.record_change_cause(&mut obj, opts);
        let resource = resource_of(&obj)?;
        let rt = resource.get();
        if !discovery::serves_verb(rt, "create") {
            return Err(StatusError::method_not_allowed());
        }
        // Namespace: defaulted for namespaced kinds, cleared for cluster-scoped ones.
        if rt.namespaced {
            if obj
                .str_at(&["metadata", "namespace"])
                .is_none_or(str::is_empty)
            {
                obj.set_at(&["metadata", "namespace"], Value::str("default"));
            }
        } else if !obj.at(&["metadata", "namespace"]).is_null() {
            obj.entry("metadata").remove("namespace");
        }
        let namespace = obj
            .str_at(&["metadata", "namespace"])
            .unwrap_or("")
            .to_string();
        // Authorization comes before admission (the filter chain).
        if !opts.system {
            self.authorize_resource("create", resource, "", &namespace, "")?;
            self.check_rbac_escalation(rt.kind, &namespace, &obj, true)?;
        }
        if rt.namespaced {
            match self.store.get_named(res("Namespace"), "", &namespace) {
                None => return Err(StatusError::not_found("namespaces", &namespace)),
                Some(ns) if !ns.at(&["metadata", "deletionTimestamp"]).is_null() => {
                    return Err(StatusError::forbidden(format!(
                        "{} \"{}\" is forbidden: unable to create new content in namespace {} because it is being terminated",
                        rt.plural_group(),
                        obj.str_at(&["metadata", "name"]).unwrap_or(""),
                        namespace
                    )));
                }
                Some(_) => {}
            }
        }
        // generateName: the server appends five random characters.
        if obj.str_at(&["metadata", "name"]).is_none_or(str::is_empty)
            && let Some(prefix) = obj
                .str_at(&["metadata", "generateName"])
                .map(str::to_string)
            && !prefix.is_empty()
        {
            let name = format!("{prefix}{}", self.rng.k8s_string(5));
            obj.set_at(&["metadata", "name"], Value::from(name));
        }
        defaults::apply_defaults(resource, &mut obj);
        // The server has given the object its uid before the strategy runs;
        // only a Job's uses it (its generated selector). Drawn here for Jobs
        // alone, so every other kind draws as before.
        let is_job = rt.group == "batch" && rt.kind == "Job";
        let early_uid = is_job.then(|| {
            let uid = self.rng.uuid();
            obj.set_at(&["metadata", "uid"], Value::from(uid.clone()));
            defaults::generate_job_selector(&mut obj, &uid);
            uid
        });
        self.prepare_for_create(resource, &mut obj, opts)?;
        let name = obj.str_at(&["metadata", "name"]).unwrap_or("").to_string();
        let errors = validation::validate(resource, &obj, None);
        if !errors.is_empty() {
            return Err(StatusError::invalid(&rt.group_kind(), &name, errors));
        }
        self.admit_priority_class(resource, &obj, true)?;
        if rt.kind == "ResourceQuota" {
            self.warnings
                .extend(quota::quota_warnings(obj.at(&["spec", "hard"])));
        }
        // Addresses and ports are allocated before validating admission
        // (the registry's BeginCreate), so a refused allocation charges no
        // quota.
        let key = ObjectKey::new(resource, &namespace, &name);
        let taken = self.store.get(&key).is_some();
        if !taken {
            self.allocate(resource, &mut obj, None)?;
        }
        let admitted = quota::limit_ranger_validate(self, resource, &obj, &name)
            .and_then(|()| quota::admit_quota(self, resource, &obj, None, &name, opts.dry_run));
        if let Err(e) = admitted {
            if !taken {
                self.release(resource, &obj);
            }
            return Err(e);
        }
        if taken {
            return Err(StatusError::already_exists(&rt.plural_group(), &name));
        }
        // Metadata the server owns.
        let meta = obj.entry("metadata");
        let uid = early_uid.unwrap_or_else(|| self.rng.uuid());
        meta.set("uid", Value::from(uid));
        meta.set("creationTimestamp", Value::from(rfc3339(self.now)));
        meta.remove("resourceVersion");
        meta.remove("deletionTimestamp");
        meta.remove("deletionGracePeriodSeconds");
        if is_job {
            defaults::job_labels_from_template(&mut obj);
        }
        if opts.dry_run {
            // A dry run's allocations are not kept.
            self.release(resource, &obj);
            return Ok(obj);
        }
        let stored = self.store.put(&key, obj).clone();
        self.after_create(resource, &stored);
        Ok(stored)
    }

    /// Replaces an object's spec and metadata (`PUT`); status written by
    /// users is ignored for kinds with a status subresource.
    pub fn update(&mut self, mut obj: Value, opts: &WriteOptions) -> Result<Value, StatusError> {
        self.record_change_cause(&mut obj, opts);
        let resource = resource_of(&obj)?;
        let rt = resource.get();
        if !discovery::serves_verb(rt, "update") {
            return Err(StatusError::method_not_allowed());
        }
        let namespace = if rt.namespaced {
            obj.str_at(&["metadata", "namespace"])
                .unwrap_or("default")
                .to_string()
        } else {
            String::new()
        };
        let name = obj.str_at(&["metadata", "name"]).unwrap_or("").to_string();
        if !opts.system {
            let verb = if opts.patch { "patch" } else { "update" };
            self.authorize_resource(verb, resource, opts.subresource, &namespace, &name)?;
            if self
                .store
                .get(&ObjectKey::new(resource, &namespace, &name))
                .is_some()
            {
                self.check_rbac_escalation(rt.kind, &namespace, &obj, false)?;
            }
        }
        let key = ObjectKey::new(resource, &namespace, &name);
        let Some(old) = self.store.get(&key).cloned() else {
            return Err(StatusError::not_found(&rt.plural_group(), &name));
        };
        if let Some(rv) = obj.str_at(&["metadata", "resourceVersion"])
            && rv != old.str_at(&["metadata", "resourceVersion"]).unwrap_or("")
        {
            return Err(StatusError::conflict(format!(
                "Operation cannot be fulfilled on {} \"{}\": the object has been modified; please apply your changes to the latest version and try again",
                rt.plural_group(),
                name
            )));
        }
        if rt.namespaced {
            obj.set_at(&["metadata", "namespace"], Value::from(namespace.clone()));
        }
        defaults::apply_defaults(resource, &mut obj);
        // Server-owned metadata survives updates.
        for field in [
            "uid",
            "creationTimestamp",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "generation",
        ] {
            match old.at(&["metadata", field]) {
                Value::Null => {
                    obj.entry("metadata").remove(field);
                }
                v => obj.set_at(&["metadata", field], v.clone()),
            }
        }
        // Users cannot write status through the main resource; components can.
        let component_status = opts.system.then(|| obj.get("status").clone());
        defaults::prepare_for_update(resource, &mut obj, &old);
        if let Some(status) = component_status.filter(|s| !s.is_null()) {
            obj.set("status", status);
        }
        self.prepare_for_update(resource, &mut obj, &old);
        let errors = validation::validate(resource, &obj, Some(&old));
        if !errors.is_empty() {
            return Err(StatusError::invalid(&rt.group_kind(), &name, errors));
        }
        self.admit_priority_class(resource, &obj, false)?;
        self.allocate(resource, &mut obj, Some(&old))?;
        // LimitRanger checks claims again on update, unless they are being
        // deleted (pods' resources are immutable); quota charges what grew.
        let admitted = if rt.kind == "PersistentVolumeClaim"
            && old.at(&["metadata", "deletionTimestamp"]).is_null()
        {
            quota::limit_ranger_validate(self, resource, &obj, &name)
        } else {
            Ok(())
        }
        .and_then(|()| quota::admit_quota(self, resource, &obj, Some(&old), &name, opts.dry_run));
        if admitted.is_err() || opts.dry_run {
            // Back to what the stored object holds.
            self.release(resource, &obj);
            self.reserve(resource, &old);
            admitted?;
        }
        if without_rv(&obj) == without_rv(&old) {
            return Ok(old);
        }
        if opts.dry_run {
            return Ok(obj);
        }
        let stored = self.store.put(&key, obj).clone();
        self.after_update(resource, &stored, &old);
        Ok(stored)
    }

    /// Replaces an object's status (the `/status` subresource), keeping its spec.
    pub fn update_status(&mut self, key: &ObjectKey, status: Value) -> Result<Value, StatusError> {
        let Some(mut obj) = self.store.get(key).cloned() else {
            return Err(StatusError::not_found(
                &key.resource.get().plural_group(),
                &key.name,
            ));
        };
        if obj.get("status") == &status {
            return Ok(obj);
        }
        obj.set("status", status);
        Ok(self.store.put(key, obj).clone())
    }

    /// Adds an ephemeral container to a running pod through the
    /// `pods/ephemeralcontainers` subresource (`kubectl debug`): its name
    /// must be new to the pod and its target one of the pod's containers.
    pub(crate) fn add_ephemeral_container(
        &mut self,
        namespace: &str,
        pod: &str,
        mut container: Value,
    ) -> Result<Value, StatusError> {
        self.authorize_resource("patch", res("Pod"), "ephemeralcontainers", namespace, pod)?;
        let key = ObjectKey::new(res("Pod"), namespace, pod);
        let Some(mut obj) = self.store.get(&key).cloned() else {
            return Err(StatusError::not_found("pods", pod));
        };
        let spec = obj.get("spec");
        let at = format!(
            "spec.ephemeralContainers[{}]",
            spec.get("ephemeralContainers").items().count()
        );
        let named = |lists: &[&str], name: &str| {
            lists.iter().any(|l| {
                spec.get(l)
                    .items()
                    .any(|c| c.get("name").as_str() == Some(name))
            })
        };
        defaults::container(&mut container);
        let name = container.get("name").as_str().unwrap_or("");
        // kubectl's patch merges by name: the same container again changes
        // nothing; a different one would change an existing container.
        if let Some(existing) = spec
            .get("ephemeralContainers")
            .items()
            .find(|c| c.get("name").as_str() == Some(name))
        {
            if *existing == container {
                return Ok(obj);
            }
            return Err(StatusError::invalid(
                "Pod",
                pod,
                vec![FieldError::forbidden(
                    "spec.ephemeralContainers",
                    &format!(
                        "existing ephemeral containers {} may not be changed",
                        quote(name)
                    ),
                )],
            ));
        }
        let mut errs = Vec::new();
        if named(
            &["containers", "initContainers", "ephemeralContainers"],
            name,
        ) {
            errs.push(FieldError::duplicate(&format!("{at}.name"), quote(name)));
        }
        if let Some(target) = container.get("targetContainerName").as_str()
            && !named(&["containers", "initContainers"], target)
        {
            errs.push(FieldError::not_found(
                &format!("{at}.targetContainerName"),
                quote(target),
            ));
        }
        if !errs.is_empty() {
            return Err(StatusError::invalid("Pod", pod, errs));
        }
        let mut list: Vec<Value> = spec.get("ephemeralContainers").items().cloned().collect();
        list.push(container);
        obj.set_at(&["spec", "ephemeralContainers"], Value::array(list));
        Ok(self.store.put(&key, obj).clone())
    }

    /// Writes a changed object as a cluster component would (an update
    /// with system rights), returning the stored object.
    pub(crate) fn write(&mut self, obj: Value) -> Result<Value, StatusError> {
        self.update(obj, &WriteOptions::system())
    }

    /// Deletes an object. Pods on a node terminate gracefully; objects with
    /// finalizers are marked and wait; dependents follow `propagation`.
    pub fn delete(&mut self, key: &ObjectKey, opts: DeleteOptions) -> Result<Value, StatusError> {
        let rt = key.resource.get();
        if !discovery::serves_verb(rt, "delete") {
            return Err(StatusError::method_not_allowed());
        }
        let Some(mut obj) = self.store.get(key).cloned() else {
            return Err(StatusError::not_found(&rt.plural_group(), &key.name));
        };
        let already_deleting = !obj.at(&["metadata", "deletionTimestamp"]).is_null();
        // Finalizers for the cascading policy, as the generic registry adds them.
        let mut finalizers: Vec<Value> = obj
            .at(&["metadata", "finalizers"])
            .items()
            .filter(|f| !matches!(f.as_str(), Some("orphan" | "foregroundDeletion")))
            .cloned()
            .collect();
        let has_dependents = self.has_dependents(&obj);
        match opts.propagation {
            Propagation::Orphan if has_dependents => finalizers.push(Value::str("orphan")),
            Propagation::Foreground if has_dependents => {
                finalizers.push(Value::str("foregroundDeletion"))
            }
            _ => {}
        }
        if rt.kind == "Pod" {
            let on_node = obj
                .str_at(&["spec", "nodeName"])
                .is_some_and(|n| !n.is_empty());
            let grace = opts
                .grace_period_seconds
                .or_else(|| obj.at(&["spec", "terminationGracePeriodSeconds"]).as_i64())
                .unwrap_or(30)
                .max(0);
            let finished = matches!(
                obj.str_at(&["status", "phase"]),
                Some("Succeeded" | "Failed")
            );
            if already_deleting {
                // A second delete may shorten the grace period (`--grace-period=0 --force`).
                if opts.grace_period_seconds == Some(0) {
                    self.finish_pod_deletion(key);
                }
                return Ok(obj);
            }
            if on_node && grace > 0 && !finished {
                let meta = obj.entry("metadata");
                meta.set(
                    "deletionTimestamp",
                    Value::from(rfc3339(self.now + grace as u64 * SECOND)),
                );
                meta.set("deletionGracePeriodSeconds", Value::Int(grace));
                if !finalizers.is_empty() || !meta.get("finalizers").is_null() {
                    meta.set("finalizers", Value::array(finalizers));
                }
                let stored = self.store.put(key, obj).clone();
                self.schedule(grace as u64 * SECOND, Task::PodGraceExpired(key.clone()));
                return Ok(stored);
            }
        }
        if already_deleting {
            return Ok(obj);
        }
        if rt.kind == "PriorityClass"
            && crate::api::validation::SYSTEM_PRIORITY_CLASSES
                .iter()
                .any(|(n, _)| *n == &*key.name)
        {
            return Err(StatusError::forbidden(format!(
                "priorityclasses.scheduling.k8s.io \"{}\" is forbidden: this is a system priority class and cannot be deleted",
                key.name
            )));
        }
        if rt.kind == "Namespace" {
            if matches!(
                &*key.name,
                "default" | "kube-system" | "kube-public" | "kube-node-lease"
            ) {
                return Err(StatusError::forbidden(format!(
                    "namespaces \"{}\" is forbidden: this namespace may not be deleted",
                    key.name
                )));
            }
            let meta = obj.entry("metadata");
            meta.set("deletionTimestamp", Value::from(rfc3339(self.now)));
            if !finalizers.is_empty() {
                meta.set("finalizers", Value::array(finalizers));
            }
            obj.set_at(&["status", "phase"], Value::str("Terminating"));
            return Ok(self.store.put(key, obj).clone());
        }
        if !finalizers.is_empty() {
            let meta = obj.entry("metadata");
            meta.set("deletionTimestamp", Value::from(rfc3339(self.now)));
            meta.set("deletionGracePeriodSeconds", Value::Int(0));
            meta.set("finalizers", Value::array(finalizers));
            if rt.kind == "Namespace" {
                obj.set_at(&["status", "phase"], Value::str("Terminating"));
            }
            return Ok(self.store.put(key, obj).clone());
        }
        let removed = self.store.remove(key).expect("checked above");
        self.release(key.resource, &removed);
        Ok(removed)
    }

    /// Removes a pod whose termination finished (grace period over or the
    /// kubelet reports its containers stopped).
    pub(crate) fn finish_pod_deletion(&mut self, key: &ObjectKey) {
        let Some(obj) = self.store.get(key) else {
            return;
        };
        if obj.at(&["metadata", "deletionTimestamp"]).is_null() {
            return;
        }
        let waiting_on_finalizers = obj.at(&["metadata", "finalizers"]).items().next().is_some();
        if waiting_on_finalizers {
            // The kubelet's final delete (grace period 0): the pod stays
            // until its finalizers are removed, then goes at once.
            // `BeforeDelete` moves the deletion timestamp back by the
            // grace period it shortens.
            let grace = obj
                .at(&["metadata", "deletionGracePeriodSeconds"])
                .as_i64()
                .unwrap_or(0);
            if grace != 0 {
                let mut obj = obj.clone();
                if let Some(at) = obj
                    .str_at(&["metadata", "deletionTimestamp"])
                    .and_then(parse_rfc3339)
                {
                    let at = at.saturating_sub((grace.max(0) as u64).saturating_mul(SECOND));
                    obj.set_at(&["metadata", "deletionTimestamp"], Value::from(rfc3339(at)));
                }
                obj.set_at(&["metadata", "deletionGracePeriodSeconds"], Value::Int(0));
                self.store.put(key, obj);
            }
        } else if let Some(removed) = self.store.remove(key) {
            self.release(key.resource, &removed);
        }
    }

    /// Removes a finalizer from an object; deletes it if it was being
    /// deleted and none remain.
    pub(crate) fn remove_finalizer(&mut self, key: &ObjectKey, finalizer: &str) {
        let Some(mut obj) = self.store.get(key).cloned() else {
            return;
        };
        let remaining: Vec<Value> = obj
            .at(&["metadata", "finalizers"])
            .items()
            .filter(|f| f.as_str() != Some(finalizer))
            .cloned()
            .collect();
        let deleting = !obj.at(&["metadata", "deletionTimestamp"]).is_null();
        if remaining.is_empty() {
            obj.entry("metadata").remove("finalizers");
        } else {
            obj.set_at(&["metadata", "finalizers"], Value::array(remaining.clone()));
        }
        let pod_terminating = key.resource == res("Pod")
            && obj
                .at(&["metadata", "deletionGracePeriodSeconds"])
                .as_i64()
                .unwrap_or(0)
                > 0;
        if deleting && remaining.is_empty() && !pod_terminating {
            if let Some(removed) = self.store.remove(key) {
                self.release(key.resource, &removed);
            }
        } else {
            self.store.put(key, obj);
        }
    }

    /// True when some object names `obj` as its owner.
    pub(crate) fn has_dependents(&self, obj: &Value) -> bool {
        let Some(uid) = obj.str_at(&["metadata", "uid"]) else {
            return false;
        };
        let ns = obj.str_at(&["metadata", "namespace"]);
        self.dependents_of(uid, ns).next().is_some()
    }

    /// Keys of the objects whose ownerReferences name `uid`, in `namespace`
    /// (dependents live in their owner's namespace) or anywhere for
    /// cluster-scoped owners. The store indexes owner references.
    pub(crate) fn dependents_of<'a>(
        &'a self,
        uid: &'a str,
        namespace: Option<&'a str>,
    ) -> impl Iterator<Item = ObjectKey> + 'a {
        self.store
            .dependents(uid)
            .filter(move |k| namespace.is_none_or(|ns| &*k.namespace == ns))
            .cloned()
    }

    /// Adds a node with a running kubelet: registers the Node object with
    /// its capacity, labels, taints and a Ready condition.
    pub fn add_node(&mut self, options: NodeOptions) -> Result<Value, StatusError> {
        let name = options.name.clone();
        let mut labels = vec![
            ("beta.kubernetes.io/arch".to_string(), "amd64".to_string()),
            ("beta.kubernetes.io/os".to_string(), "linux".to_string()),
            ("kubernetes.io/arch".to_string(), "amd64".to_string()),
            ("kubernetes.io/hostname".to_string(), name.clone()),
            ("kubernetes.io/os".to_string(), "linux".to_string()),
        ];
        if options.control_plane {
            labels.push((
                "node-role.kubernetes.io/control-plane".into(),
                String::new(),
            ));
            labels.push((
                "node.kubernetes.io/exclude-from-external-load-balancers".into(),
                String::new(),
            ));
        }
        labels.extend(options.labels.iter().cloned());
        let mut node = Value::from_pairs([
            ("apiVersion", Value::str("v1")),
            ("kind", Value::str("Node")),
            (
                "metadata",
                Value::from_pairs([
                    ("name", Value::from(name.clone())),
                    (
                        "labels",
                        Value::from_pairs(labels.into_iter().map(|(k, v)| (k, Value::from(v)))),
                    ),
                    // The TTL controller's (0 s in a small cluster) and the
                    // kubelet's, as it registers.
                    (
                        "annotations",
                        Value::from_pairs([
                            ("node.alpha.kubernetes.io/ttl", Value::str("0")),
                            (
                                "volumes.kubernetes.io/controller-managed-attach-detach",
                                Value::str("true"),
                            ),
                        ]),
                    ),
                ]),
            ),
        ]);
        if !options.taints.is_empty() {
            let taints = options
                .taints
                .iter()
                .map(|t| {
                    let mut taint = Value::from_pairs([
                        ("key", Value::from(t.key.clone())),
                        ("effect", Value::from(t.effect.clone())),
                    ]);
                    if !t.value.is_empty() {
                        taint.set("value", Value::from(t.value.clone()));
                    }
                    taint
                })
                .collect();
            node.set_at(&["spec", "taints"], Value::array(taints));
        }
        let capacity = Value::from_pairs([
            (
                "cpu",
                Value::from(crate::quantity::Quantity::from_milli(options.cpu_milli).to_string()),
            ),
            ("ephemeral-storage", Value::str("102626232Ki")),
            ("hugepages-1Gi", Value::str("0")),
            ("hugepages-2Mi", Value::str("0")),
            (
                "memory",
                Value::from(
                    crate::quantity::Quantity::from_bytes(options.memory_bytes).to_string(),
                ),
            ),
            ("pods", Value::from(options.pods.to_string())),
        ]);
        node.set_at(&["status", "capacity"], capacity.clone());
        node.set_at(&["status", "allocatable"], capacity);
        self.create(node, &WriteOptions::system())
    }
}

thread_local! {
    /// The projected token volume's source, shared by every pod.
    static API_ACCESS_PROJECTION: Value = crate::yaml::load_str(
        "defaultMode: 420\nsources:\n- serviceAccountToken:\n    expirationSeconds: 3607\n    path: token\n- configMap:\n    items:\n    - key: ca.crt\n      path: ca.crt\n    name: kube-root-ca.crt\n- downwardAPI:\n    items:\n    - fieldRef:\n        apiVersion: v1\n        fieldPath: metadata.namespace\n      path: namespace\n",
    )
    .expect("the projected volume source is valid YAML")[0]
        .root
        .to_value();
}

/// The resource of an object from its apiVersion and kind.
pub(crate) fn resource_of(obj: &Value) -> Result<ResourceId, StatusError> {
    let api_version = obj.get("apiVersion").as_str().unwrap_or("");
    let kind = obj.get("kind").as_str().unwrap_or("");
    crate::api::registry::lookup_kind(api_version, kind)
        .map(|(r, _)| r)
        .ok_or_else(|| {
            StatusError::bad_request(format!(
                "no matches for kind {} in version {}",
                quote(kind),
                quote(api_version)
            ))
        })
}

fn without_rv(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(meta) = v.as_object_mut().and_then(|m| m.get_mut("metadata")) {
        meta.remove("resourceVersion");
    }
    v
}

impl Cluster {
    /// The create half of each kind's registry strategy, plus admission.
    fn prepare_for_create(
        &mut self,
        resource: ResourceId,
        obj: &mut Value,
        opts: &WriteOptions,
    ) -> Result<(), StatusError> {
        if resource.get().kind == "Ingress" {
            crate::network::admit_ingress(self, obj);
        }
        match resource.get().kind {
            "Pod" => {
                let classes: Vec<Value> = self
                    .store
                    .list(res("PriorityClass"), None)
                    .map(|(_, c)| c.clone())
                    .collect();
                defaults::admit_pod(obj, &classes)?;
                quota::limit_ranger_defaults(self, obj);
                // The ServiceAccount plugin leaves mirror pods alone.
                if !crate::kubeadm::is_mirror_pod(obj) {
                    self.admit_service_account(obj);
                }
            }
            "Namespace" => {
                let mut finalizers: Vec<Value> =
                    obj.at(&["spec", "finalizers"]).items().cloned().collect();
                if !finalizers.iter().any(|f| f.as_str() == Some("kubernetes")) {
                    finalizers.push(Value::str("kubernetes"));
                }
                obj.set_at(&["spec", "finalizers"], Value::array(finalizers));
                obj.set(
                    "status",
                    Value::from_pairs([("phase", Value::str("Active"))]),
                );
            }
            // StorageObjectInUseProtection, and DefaultStorageClass for claims.
            "PersistentVolumeClaim" | "PersistentVolume" => {
                let claim = resource.get().kind == "PersistentVolumeClaim";
                let finalizer = if claim {
                    crate::controllers::volume::PVC_PROTECTION
                } else {
                    crate::controllers::volume::PV_PROTECTION
                };
                let mut finalizers: Vec<Value> = obj
                    .at(&["metadata", "finalizers"])
                    .items()
                    .cloned()
                    .collect();
                if !finalizers.iter().any(|f| f.as_str() == Some(finalizer)) {
                    finalizers.push(Value::str(finalizer));
                }
                obj.set_at(&["metadata", "finalizers"], Value::array(finalizers));
                if claim
                    && obj.at(&["spec", "storageClassName"]).is_null()
                    && obj
                        .at(&[
                            "metadata",
                            "annotations",
                            "volume.beta.kubernetes.io/storage-class",
                        ])
                        .is_null()
                    && let Some(class) = crate::controllers::volume::default_class(self)
                {
                    obj.set_at(&["spec", "storageClassName"], Value::from(class));
                }
            }
            "Node" => {
                // /24s from 10.244.0.0 on (past 10.244.255.0 into 10.245.x for
                // clusters larger than 256 nodes).
                let cidr = format!(
                    "{}/24",
                    ipv4(((10 << 24) | (244 << 16)) + (self.alloc.next_pod_cidr << 8))
                );
                self.alloc.next_pod_cidr += 1;
                if obj.at(&["spec", "podCIDR"]).is_null() {
                    obj.set_at(&["spec", "podCIDR"], Value::from(cidr.clone()));
                    obj.set_at(&["spec", "podCIDRs"], Value::array(vec![Value::from(cidr)]));
                }
            }
            _ => {}
        }
        // A registering kubelet writes its Node's status; users' status is reset.
        if !(opts.system && resource.get().kind == "Node") {
            defaults::prepare_for_create(resource, obj);
        }
        if resource.get().kind == "HorizontalPodAutoscaler" {
            // The registry resets the status; its JSON keeps `currentMetrics: null`.
            obj.set(
                "status",
                Value::from_pairs([
                    ("currentMetrics", Value::Null),
                    ("desiredReplicas", Value::Int(0)),
                ]),
            );
        }
        if resource.get().kind == "PersistentVolume" {
            obj.set_at(
                &["status", "lastPhaseTransitionTime"],
                Value::from(crate::time::rfc3339(self.now)),
            );
        }
        Ok(())
    }

    /// The update half of each kind's registry strategy.
    fn prepare_for_update(&mut self, resource: ResourceId, obj: &mut Value, old: &Value) {
        match resource.get().kind {
            "Pod" => {
                // Admitted fields stay as admitted when an update leaves them out.
                for field in [
                    "tolerations",
                    "priority",
                    "preemptionPolicy",
                    "serviceAccountName",
                    "serviceAccount",
                ] {
                    if obj.at(&["spec", field]).is_null() {
                        let v = old.at(&["spec", field]).clone();
                        if !v.is_null() {
                            obj.set_at(&["spec", field], v);
                        }
                    }
                }
            }
            "Node" => {
                for f in ["podCIDR", "podCIDRs"] {
                    if obj.at(&["spec", f]).is_null() && !old.at(&["spec", f]).is_null() {
                        obj.set_at(&["spec", f], old.at(&["spec", f]).clone());
                    }
                }
            }
            _ => {}
        }
    }

    /// The ServiceAccount admission plugin: the namespace's `default`
    /// account and its projected API token volume.
    /// The Priority plugin's validation of a PriorityClass: only one may be
    /// the global default (a create is refused while any default exists,
    /// even one of the same name; an update only for another class).
    fn admit_priority_class(
        &self,
        resource: ResourceId,
        obj: &Value,
        create: bool,
    ) -> Result<(), StatusError> {
        if resource.get().kind != "PriorityClass"
            || obj.get("globalDefault").as_bool() != Some(true)
        {
            return Ok(());
        }
        let name = obj.str_at(&["metadata", "name"]).unwrap_or("");
        let other_default = self.store.list(resource, None).find_map(|(_, c)| {
            let other = c.str_at(&["metadata", "name"]).unwrap_or("");
            (c.get("globalDefault").as_bool() == Some(true) && (create || other != name))
                .then_some(other)
        });
        match other_default {
            Some(other) => Err(StatusError::forbidden(format!(
                "priorityclasses.scheduling.k8s.io \"{name}\" is forbidden: PriorityClass {other} is already marked as default. Only one default can exist"
            ))),
            None => Ok(()),
        }
    }

    fn admit_service_account(&mut self, pod: &mut Value) {
        if pod.at(&["spec", "serviceAccountName"]).is_null() {
            pod.set_at(&["spec", "serviceAccountName"], Value::str("default"));
        }
        let sa = pod
            .str_at(&["spec", "serviceAccountName"])
            .unwrap_or("default")
            .to_string();
        pod.set_at(&["spec", "serviceAccount"], Value::from(sa));
        if pod.at(&["spec", "automountServiceAccountToken"]).as_bool() == Some(false) {
            return;
        }
        // The token volume a copied spec already has (`kubectl debug
        // --copy-to`), else a new one; every container without a mount at
        // the token path gets one (the ServiceAccount admission plugin).
        const TOKEN_PATH: &str = "/var/run/secrets/kubernetes.io/serviceaccount";
        let existing = pod
            .at(&["spec", "volumes"])
            .items()
            .filter_map(|v| v.get("name").as_str())
            .find(|n| n.starts_with("kube-api-access-"))
            .map(str::to_string);
        let lacks_mount = ["initContainers", "containers"].iter().any(|l| {
            pod.at(&["spec", l]).items().any(|c| {
                !c.get("volumeMounts")
                    .items()
                    .any(|m| m.get("mountPath").as_str() == Some(TOKEN_PATH))
            })
        });
        if !lacks_mount {
            return;
        }
        let volume_name = existing
            .clone()
            .unwrap_or_else(|| format!("kube-api-access-{}", self.rng.k8s_string(5)));
        let mount = Value::from_pairs([
            ("mountPath", Value::str(TOKEN_PATH)),
            ("name", Value::from(volume_name.clone())),
            ("readOnly", Value::Bool(true)),
        ]);
        for list in ["initContainers", "containers"] {
            let containers = pod.at(&["spec", list]);
            if containers.is_null() {
                continue;
            }
            let updated: Vec<Value> = containers
                .items()
                .map(|c| {
                    let mut c = c.clone();
                    let mut mounts: Vec<Value> = c.get("volumeMounts").items().cloned().collect();
                    if !mounts
                        .iter()
                        .any(|m| m.get("mountPath").as_str() == Some(TOKEN_PATH))
                    {
                        mounts.push(mount.clone());
                        c.set("volumeMounts", Value::array(mounts));
                    }
                    c
                })
                .collect();
            pod.set_at(&["spec", list], Value::array(updated));
        }
        if existing.is_none() {
            let mut volume = Value::from_pairs([("name", Value::from(volume_name))]);
            volume.set("projected", API_ACCESS_PROJECTION.with(Value::clone));
            let mut volumes: Vec<Value> = pod.at(&["spec", "volumes"]).items().cloned().collect();
            volumes.push(volume);
            pod.set_at(&["spec", "volumes"], Value::array(volumes));
        }
    }

    /// Allocates cluster IPs and NodePorts for Services.
    fn allocate(
        &mut self,
        resource: ResourceId,
        obj: &mut Value,
        old: Option<&Value>,
    ) -> Result<(), StatusError> {
        if resource.get().kind != "Service" {
            return Ok(());
        }
        let name = obj.str_at(&["metadata", "name"]).unwrap_or("").to_string();
        let svc_type = obj
            .str_at(&["spec", "type"])
            .unwrap_or("ClusterIP")
            .to_string();
        if svc_type == "ExternalName" {
            return Ok(());
        }
        // Cluster IP: kept on update, "None" for headless, else allocated.
        let old_ip = old.and_then(|o| o.str_at(&["spec", "clusterIP"]).map(str::to_string));
        let requested = obj.str_at(&["spec", "clusterIP"]).map(str::to_string);
        let ip = match (old_ip, requested) {
            (Some(old_ip), _) => old_ip,
            (None, Some(ip)) if ip == "None" => ip,
            (None, Some(ip)) if !ip.is_empty() => {
                let n = parse_ipv4(&ip).filter(|n| {
                    (SERVICE_CIDR_BASE..SERVICE_CIDR_BASE + SERVICE_CIDR_SIZE).contains(n)
                });
                let Some(n) = n else {
                    return Err(StatusError::invalid(
                        "Service",
                        &name,
                        vec![FieldError::invalid(
                            "spec.clusterIPs",
                            format!("[]string{{{}}}", quote(&ip)),
                            &format!(
                                "failed to allocate IP {ip}: the provided IP ({ip}) is not in the valid range. The range of valid IPs is 10.96.0.0/12"
                            ),
                        )],
                    ));
                };
                if !self.alloc.cluster_ips.insert(n) {
                    return Err(StatusError::invalid(
                        "Service",
                        &name,
                        vec![FieldError::invalid(
                            "spec.clusterIPs",
                            format!("[]string{{{}}}", quote(&ip)),
                            &format!(
                                "failed to allocate IP {ip}: provided IP is already allocated"
                            ),
                        )],
                    ));
                }
                ip
            }
            _ => {
                let mut n;
                loop {
                    // Skip .0 and the first address (the `kubernetes` service's).
                    n = SERVICE_CIDR_BASE
                        + 2
                        + self.rng.below(u64::from(SERVICE_CIDR_SIZE - 3)) as u32;
                    if self.alloc.cluster_ips.insert(n) {
                        break;
                    }
                }
                ipv4(n)
            }
        };
        obj.set_at(&["spec", "clusterIP"], Value::from(ip.clone()));
        obj.set_at(&["spec", "clusterIPs"], Value::array(vec![Value::from(ip)]));
        if obj.at(&["spec", "ipFamilies"]).is_null() {
            obj.set_at(
                &["spec", "ipFamilies"],
                Value::array(vec![Value::str("IPv4")]),
            );
        }
        if obj.at(&["spec", "ipFamilyPolicy"]).is_null() {
            obj.set_at(&["spec", "ipFamilyPolicy"], Value::str("SingleStack"));
        }
        // NodePorts.
        let wants_node_ports = svc_type == "NodePort"
            || (svc_type == "LoadBalancer"
                && obj.at(&["spec", "allocateLoadBalancerNodePorts"]).as_bool() != Some(false));
        let old_ports: Vec<(i64, i64)> = old
            .map(|o| {
                o.at(&["spec", "ports"])
                    .items()
                    .filter_map(|p| Some((p.get("port").as_i64()?, p.get("nodePort").as_i64()?)))
                    .collect()
            })
            .unwrap_or_default();
        let mut ports: Vec<Value> = obj.at(&["spec", "ports"]).items().cloned().collect();
        let mut errors = Vec::new();
        let mut claimed: Vec<i64> = Vec::new();
        for (i, port) in ports.iter_mut().enumerate() {
            let requested = port.get("nodePort").as_i64();
            let previous = old_ports
                .iter()
                .find(|(p, _)| Some(*p) == port.get("port").as_i64())
                .map(|(_, np)| *np);
            if !wants_node_ports {
                if requested.is_some() && svc_type == "ClusterIP" {
                    errors.push(FieldError::forbidden(
                        &format!("spec.ports[{i}].nodePort"),
                        "may not be used when `type` is 'ClusterIP'",
                    ));
                }
                continue;
            }
            let np = match requested {
                Some(np) if Some(np) == previous => np,
                Some(np) => {
                    if !NODE_PORT_RANGE.contains(&np) {
                        errors.push(FieldError::invalid(
                            &format!("spec.ports[{i}].nodePort"),
                            np.to_string(),
                            "provided port is not in the valid range. The range of valid ports is 30000-32767",
                        ));
                        continue;
                    }
                    if self.alloc.node_ports.contains(&port_key(np)) || claimed.contains(&np) {
                        errors.push(FieldError::invalid(
                            &format!("spec.ports[{i}].nodePort"),
                            np.to_string(),
                            "provided port is already allocated",
                        ));
                        continue;
                    }
                    np
                }
                None => match previous {
                    Some(np) => np,
                    None => loop {
                        let np = 30000 + self.rng.below(2768) as i64;
                        if !self.alloc.node_ports.contains(&port_key(np)) && !claimed.contains(&np)
                        {
                            break np;
                        }
                    },
                },
            };
            claimed.push(np);
            port.set("nodePort", Value::Int(np));
        }
        if !errors.is_empty() {
            return Err(StatusError::invalid("Service", &name, errors));
        }
        if let Some(old) = old {
            for p in old.at(&["spec", "ports"]).items() {
                if let Some(np) = p.get("nodePort").as_i64()
                    && !claimed.contains(&np)
                {
                    self.alloc.node_ports.remove(&port_key(np));
                }
            }
        }
        self.alloc
            .node_ports
            .extend(claimed.into_iter().map(port_key));
        if !ports.is_empty() {
            obj.set_at(&["spec", "ports"], Value::array(ports));
        }
        Ok(())
    }

    /// Takes again what a stored Service holds (after a refused or dry-run
    /// update was allocated for).
    fn reserve(&mut self, resource: ResourceId, obj: &Value) {
        if resource.get().kind == "Service" {
            if let Some(n) = obj.str_at(&["spec", "clusterIP"]).and_then(parse_ipv4) {
                self.alloc.cluster_ips.insert(n);
            }
            for p in obj.at(&["spec", "ports"]).items() {
                if let Some(np) = p.get("nodePort").as_i64() {
                    self.alloc.node_ports.insert(port_key(np));
                }
            }
            for ing in obj.at(&["status", "loadBalancer", "ingress"]).items() {
                if let Some(n) = ing.get("ip").as_str().and_then(parse_ipv4) {
                    self.alloc.load_balancer_ips.insert(n);
                }
            }
        }
    }

    /// Frees what a deleted object held.
    fn release(&mut self, resource: ResourceId, obj: &Value) {
        if resource.get().kind == "Service" {
            if let Some(n) = obj.str_at(&["spec", "clusterIP"]).and_then(parse_ipv4) {
                self.alloc.cluster_ips.remove(&n);
            }
            for p in obj.at(&["spec", "ports"]).items() {
                if let Some(np) = p.get("nodePort").as_i64() {
                    self.alloc.node_ports.remove(&port_key(np));
                }
            }
            for ing in obj.at(&["status", "loadBalancer", "ingress"]).items() {
                if let Some(n) = ing.get("ip").as_str().and_then(parse_ipv4) {
                    self.alloc.load_balancer_ips.remove(&n);
                }
            }
        }
    }

    /// Side effects of a create: the objects controllers make for new
    /// namespaces (the `default` ServiceAccount and `kube-root-ca.crt`).
    fn after_create(&mut self, resource: ResourceId, obj: &Value) {
        if resource.get().kind == "Namespace" {
            let ns = obj.str_at(&["metadata", "name"]).unwrap_or("").to_string();
            let sa = Value::from_pairs([
                ("apiVersion", Value::str("v1")),
                ("kind", Value::str("ServiceAccount")),
                (
                    "metadata",
                    Value::from_pairs([
                        ("name", Value::str("default")),
                        ("namespace", Value::from(ns.clone())),
                    ]),
                ),
            ]);
            let _ = self.create(sa, &WriteOptions::system());
            let ca = Value::from_pairs([
                ("apiVersion", Value::str("v1")),
                ("kind", Value::str("ConfigMap")),
                (
                    "metadata",
                    Value::from_pairs([
                        ("name", Value::str("kube-root-ca.crt")),
                        ("namespace", Value::from(ns)),
                        (
                            "annotations",
                            Value::from_pairs([(
                                "kubernetes.io/description",
                                Value::str(
                                    "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IPs or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.",
                                ),
                            )]),
                        ),
                    ]),
                ),
                (
                    "data",
                    Value::from_pairs([(
                        "ca.crt",
                        Value::str(
                            "-----BEGIN CERTIFICATE-----\nMIIDBTCCAe2gAwIBAgIIKubeplayCAwDQYJKoZIhvcNAQELBQAwFTETMBEGA1UE\nAxMKa3ViZXJuZXRlczAeFw0yNjAxMDEwMDAwMDBaFw0zNjAxMDEwMDAwMDBaMBUx\n-----END CERTIFICATE-----\n",
                        ),
                    )]),
                ),
            ]);
            let _ = self.create(ca, &WriteOptions::system());
        }
    }

    fn after_update(&mut self, _resource: ResourceId, _obj: &Value, _old: &Value) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deployment(name: &str) -> Value {
        crate::yaml::load_str(&format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  selector:\n    matchLabels: {{app: web}}\n  template:\n    metadata:\n      labels: {{app: web}}\n    spec:\n      containers:\n      - name: web\n        image: nginx\n"
        ))
        .unwrap()[0]
            .root
            .to_value()
    }

    #[test]
    fn create_sets_server_metadata_and_refuses_duplicates() {
        let mut c = Cluster::new(1);
        let d = c.create(deployment("web"), &WriteOptions::user()).unwrap();
        assert_eq!(d.str_at(&["metadata", "namespace"]), Some("default"));
        assert_eq!(d.at(&["metadata", "generation"]), &Value::Int(1));
        assert_eq!(
            d.str_at(&["metadata", "creationTimestamp"]),
            Some("2026-01-01T00:01:00Z")
        );
        assert!(d.str_at(&["metadata", "uid"]).is_some());
        let err = c
            .create(deployment("web"), &WriteOptions::user())
            .unwrap_err();
        assert_eq!(
            err.kubectl_message(None),
            "Error from server (AlreadyExists): deployments.apps \"web\" already exists"
        );
    }

    #[test]
    fn generation_moves_only_on_spec_changes() {
        let mut c = Cluster::new(1);
        let d = c.create(deployment("web"), &WriteOptions::user()).unwrap();
        let mut labeled = d.clone();
        labeled.set_at(&["metadata", "labels", "tier"], Value::str("front"));
        let d2 = c.update(labeled, &WriteOptions::user()).unwrap();
        assert_eq!(d2.at(&["metadata", "generation"]), &Value::Int(1));
        let mut scaled = d2.clone();
        scaled.set_at(&["spec", "replicas"], Value::Int(3));
        let d3 = c.update(scaled, &WriteOptions::user()).unwrap();
        assert_eq!(d3.at(&["metadata", "generation"]), &Value::Int(2));
        // A stale resourceVersion conflicts.
        let err = c.update(d2, &WriteOptions::user()).unwrap_err();
        assert!(err.message.contains("the object has been modified"));
    }

    fn job(name: &str, spec_extra: &str, template_labels: &str) -> Value {
        crate::yaml::load_str(&format!(
            "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {name}\nspec:\n{spec_extra}  template:\n    metadata:\n      labels: {template_labels}\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: c\n        image: busybox\n"
        ))
        .unwrap()[0]
            .root
            .to_value()
    }

    #[test]
    fn jobs_get_the_generated_selector_and_labels() {
        let mut c = Cluster::new(1);
        let created = c
            .create(job("pi", "", "null"), &WriteOptions::user())
            .unwrap();
        let uid = created.str_at(&["metadata", "uid"]).unwrap().to_string();
        let generated = format!(
            "{{\"batch.kubernetes.io/controller-uid\":\"{uid}\",\"batch.kubernetes.io/job-name\":\"pi\",\"controller-uid\":\"{uid}\",\"job-name\":\"pi\"}}"
        );
        let json = |path: &[&str]| crate::yaml::to_json_compact(created.at(path));
        assert_eq!(json(&["spec", "template", "metadata", "labels"]), generated);
        // Defaulting on read gives a Job without labels its template's.
        assert_eq!(json(&["metadata", "labels"]), generated);
        assert_eq!(
            json(&["spec", "selector"]),
            format!("{{\"matchLabels\":{{\"batch.kubernetes.io/controller-uid\":\"{uid}\"}}}}")
        );
        assert_eq!(created.at(&["spec", "manualSelector"]), &Value::Bool(false));
        // Labels of its own template are kept; the Job takes those alone.
        let app = c
            .create(job("app", "", "{app: x}"), &WriteOptions::user())
            .unwrap();
        assert_eq!(
            crate::yaml::to_json_compact(app.at(&["metadata", "labels"])),
            "{\"app\":\"x\"}"
        );
        assert_eq!(
            app.at(&["spec", "template", "metadata", "labels", "job-name"])
                .as_str(),
            Some("app")
        );
    }

    #[test]
    fn job_selectors_are_validated_as_kube_apiserver_does() {
        let mut c = Cluster::new(1);
        let message = |c: &mut Cluster, j: Value| {
            c.create(j, &WriteOptions::user())
                .unwrap_err()
                .kubectl_message(None)
        };
        assert_eq!(
            message(&mut c, job("manual", "  manualSelector: true\n", "null")),
            "The Job \"manual\" is invalid: \n* spec.selector: Required value\n* spec.template.metadata.labels: Invalid value: map[string]string(nil): `selector` does not match template `labels`"
        );
        let err = message(
            &mut c,
            job("own", "  selector: {matchLabels: {app: x}}\n", "{app: x}"),
        );
        assert!(
            err.starts_with("The Job \"own\" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"x\", \"batch.kubernetes.io/controller-uid\":")
                && err.ends_with("}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: `selector` not auto-generated"),
            "{err}"
        );
        let err = message(&mut c, job("named", "", "{job-name: other}"));
        assert!(
            err.starts_with("The Job \"named\" is invalid: spec.template.metadata.labels[job-name]: Invalid value: map[string]string{")
                && err.ends_with("\"job-name\":\"other\"}: must be 'named'"),
            "{err}"
        );
        // By hand, the selector only has to match the template.
        let manual = job(
            "manual",
            "  manualSelector: true\n  selector: {matchLabels: {app: x}}\n",
            "{app: x}",
        );
        let created = c.create(manual, &WriteOptions::user()).unwrap();
        assert!(
            created
                .at(&["spec", "template", "metadata", "labels", "job-name"])
                .is_null()
        );
    }

    #[test]
    fn missing_namespace_is_not_found() {
        let mut c = Cluster::new(1);
        let mut d = deployment("web");
        d.set_at(&["metadata", "namespace"], Value::str("nope"));
        let err = c.create(d, &WriteOptions::user()).unwrap_err();
        assert_eq!(
            err.kubectl_message(None),
            "Error from server (NotFound): namespaces \"nope\" not found"
        );
    }

    #[test]
    fn services_get_cluster_ips_and_node_ports() {
        let mut c = Cluster::new(1);
        let svc = |name: &str, extra: &str| {
            crate::yaml::load_str(&format!(
                "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  type: NodePort\n  selector: {{app: web}}\n  ports:\n  - port: 80\n    targetPort: 80\n{extra}"
            ))
            .unwrap()[0]
                .root
                .to_value()
        };
        let a = c.create(svc("a", ""), &WriteOptions::user()).unwrap();
        let ip = a.str_at(&["spec", "clusterIP"]).unwrap();
        assert!(ip.starts_with("10."), "{ip}");
        let np = a
            .at(&["spec", "ports"])
            .items()
            .next()
            .unwrap()
            .get("nodePort")
            .as_i64()
            .unwrap();
        assert!(NODE_PORT_RANGE.contains(&np));
        let dup = format!("    nodePort: {np}\n");
        let err = c.create(svc("b", &dup), &WriteOptions::user()).unwrap_err();
        assert_eq!(
            err.kubectl_message(None),
            format!(
                "The Service \"b\" is invalid: spec.ports[0].nodePort: Invalid value: {np}: provided port is already allocated"
            )
        );
        let err = c
            .create(svc("c", "    nodePort: 8080\n"), &WriteOptions::user())
            .unwrap_err();
        assert!(err.kubectl_message(None).ends_with("Invalid value: 8080: provided port is not in the valid range. The range of valid ports is 30000-32767"));
    }
}
