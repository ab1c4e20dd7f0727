//! Authorization as a kubeadm cluster's API server does it
//! (`--authorization-mode=Node,RBAC`): the privileged `system:masters`
//! group, then the RBAC authorizer over the stored Roles, ClusterRoles and
//! their bindings (`plugin/pkg/auth/authorizer/rbac`). The Node authorizer
//! only answers kubelets, and no kubelet sends requests here.

use crate::api::errors::StatusError;
use crate::cluster::{Cluster, res};
use crate::sort::CompactSort;
use crate::value::Value;

/// The group whose members may do anything (`user.SystemPrivilegedGroup`).
pub const SYSTEM_MASTERS: &str = "system:masters";
/// The group every authenticated user is in.
pub const ALL_AUTHENTICATED: &str = "system:authenticated";
/// The prefix of service account user names.
pub const SERVICE_ACCOUNT_PREFIX: &str = "system:serviceaccount:";

/// An authenticated user (`user.Info`): a name and groups.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserInfo {
    /// The user name (`kubernetes-admin`, `system:serviceaccount:ns:name`).
    pub name: String,
    /// The groups, in the order the authenticator gave them.
    pub groups: Vec<String>,
    /// The UID (`--as-uid`), empty when none was given.
    pub uid: String,
}

impl UserInfo {
    /// The user of kubeadm's `admin.conf`: its client certificate's
    /// organisation is `kubeadm:cluster-admins`, which kubeadm binds to
    /// `cluster-admin`.
    pub fn cluster_admin() -> UserInfo {
        UserInfo {
            name: "kubernetes-admin".to_string(),
            groups: vec![
                "kubeadm:cluster-admins".to_string(),
                ALL_AUTHENTICATED.to_string(),
            ],
            uid: String::new(),
        }
    }

    /// The user of kubeadm's `super-admin.conf`, in `system:masters`, which
    /// needs no RBAC binding: how kubectl talks to a bare API server.
    pub fn super_admin() -> UserInfo {
        UserInfo {
            name: "kubernetes-super-admin".to_string(),
            groups: vec![SYSTEM_MASTERS.to_string(), ALL_AUTHENTICATED.to_string()],
            uid: String::new(),
        }
    }

    /// The user the impersonation filter makes of `--as` and `--as-group`:
    /// a service account's name brings its groups when none are given, and
    /// every named user is authenticated unless a group says otherwise.
    pub fn impersonated(name: &str, groups: &[String]) -> UserInfo {
        let mut groups = groups.to_vec();
        if groups.is_empty()
            && let Some((ns, _)) = split_service_account(name)
        {
            groups = vec![
                "system:serviceaccounts".to_string(),
                format!("system:serviceaccounts:{ns}"),
            ];
        }
        if name == "system:anonymous" {
            if !groups.iter().any(|g| g == "system:unauthenticated") {
                groups.push("system:unauthenticated".to_string());
            }
        } else if !groups
            .iter()
            .any(|g| g == ALL_AUTHENTICATED || g == "system:unauthenticated")
        {
            groups.push(ALL_AUTHENTICATED.to_string());
        }
        UserInfo {
            name: name.to_string(),
            groups,
            uid: String::new(),
        }
    }
}

/// `serviceaccount.SplitUsername`: the namespace and name of a service
/// account's user name.
pub fn split_service_account(user: &str) -> Option<(&str, &str)> {
    let rest = user.strip_prefix(SERVICE_ACCOUNT_PREFIX)?;
    let (ns, name) = rest.split_once(':')?;
    // Both parts must be valid names (a namespace label, a subdomain).
    let valid = crate::api::content::NameRule::Dns1123Label
        .check(ns, false)
        .is_empty()
        && crate::api::content::NameRule::Dns1123Subdomain
            .check(name, false)
            .is_empty();
    valid.then_some((ns, name))
}

/// What a request asks (`authorizer.Attributes`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Request<'a> {
    /// The verb: get, list, watch, create, update, patch, delete, …
    pub verb: &'a str,
    /// The API group (empty for the core group).
    pub api_group: &'a str,
    /// The resource (plural), empty for a non-resource request.
    pub resource: &'a str,
    /// The subresource (`log`, `scale`, `exec`), or empty.
    pub subresource: &'a str,
    /// The namespace, empty at the cluster scope.
    pub namespace: &'a str,
    /// The object's name, empty for lists and creates.
    pub name: &'a str,
    /// The URL path of a non-resource request (`/healthz`).
    pub path: &'a str,
}

impl Request<'_> {
    fn is_resource_request(&self) -> bool {
        self.path.is_empty()
    }
}

/// The answer: allowed or not, and why not (`RBAC: …` when a binding names
/// a role that is missing).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Whether the request may go on.
    pub allowed: bool,
    /// The authorizers' reason, empty when they have none.
    pub reason: String,
}

/// One RBAC `PolicyRule`: lists of strings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct PolicyRule {
    pub verbs: Vec<String>,
    pub api_groups: Vec<String>,
    pub resources: Vec<String>,
    pub resource_names: Vec<String>,
    pub non_resource_urls: Vec<String>,
}

fn strings(v: &Value) -> Vec<String> {
    v.items()
        .filter_map(|s| s.as_str().map(str::to_string))
        .collect()
}

/// Go's `%v` of a string slice: `[get list]`.
pub(crate) fn go_list(items: &[String]) -> String {
    format!("[{}]", items.join(" "))
}

impl PolicyRule {
    /// A stored rule.
    pub(crate) fn of(rule: &Value) -> PolicyRule {
        PolicyRule {
            verbs: strings(rule.get("verbs")),
            api_groups: strings(rule.get("apiGroups")),
            resources: strings(rule.get("resources")),
            resource_names: strings(rule.get("resourceNames")),
            non_resource_urls: strings(rule.get("nonResourceURLs")),
        }
    }

    /// The generated protobuf `String()`, which kubectl sorts rules by.
    pub(crate) fn go_string(&self) -> String {
        format!(
            "&PolicyRule{{Verbs:{},APIGroups:{},Resources:{},ResourceNames:{},NonResourceURLs:{},}}",
            go_list(&self.verbs),
            go_list(&self.api_groups),
            go_list(&self.resources),
            go_list(&self.resource_names),
            go_list(&self.non_resource_urls)
        )
    }

    /// `BreakdownRule`: one rule per group, resource, verb and name, and
    /// one per non-resource URL and verb.
    pub(crate) fn breakdown(&self) -> Vec<PolicyRule> {
        let mut out = Vec::new();
        for group in &self.api_groups {
            for resource in &self.resources {
                for verb in &self.verbs {
                    let one = |names: Vec<String>| PolicyRule {
                        verbs: vec![verb.clone()],
                        api_groups: vec![group.clone()],
                        resources: vec![resource.clone()],
                        resource_names: names,
                        non_resource_urls: Vec::new(),
                    };
                    if self.resource_names.is_empty() {
                        out.push(one(Vec::new()));
                    } else {
                        for name in &self.resource_names {
                            out.push(one(vec![name.clone()]));
                        }
                    }
                }
            }
        }
        for url in &self.non_resource_urls {
            for verb in &self.verbs {
                out.push(PolicyRule {
                    verbs: vec![verb.clone()],
                    non_resource_urls: vec![url.clone()],
                    ..PolicyRule::default()
                });
            }
        }
        out
    }
}

/// `RuleAllows` for a resource request.
fn rule_allows(rule: &Value, req: &Request) -> bool {
    let has = |field: &str, want: &str| {
        rule.get(field)
            .items()
            .any(|v| v.as_str().is_some_and(|s| s == "*" || s == want))
    };
    if !has("verbs", req.verb) {
        return false;
    }
    if !req.is_resource_request() {
        return rule.get("nonResourceURLs").items().any(|v| {
            v.as_str().is_some_and(|u| {
                u == "*"
                    || u == req.path
                    || u.strip_suffix('*')
                        .is_some_and(|prefix| req.path.starts_with(prefix))
            })
        });
    }
    if !has("apiGroups", req.api_group) {
        return false;
    }
    // `resource[/subresource]`, or `*/subresource`, compared in place.
    let resource_matches = rule.get("resources").items().any(|v| {
        v.as_str().is_some_and(|r| {
            r == "*"
                || if req.subresource.is_empty() {
                    r == req.resource
                } else {
                    r.split_once('/').is_some_and(|(res, sub)| {
                        sub == req.subresource && (res == req.resource || res == "*")
                    })
                }
        })
    });
    if !resource_matches {
        return false;
    }
    let names = rule.get("resourceNames");
    names.items().next().is_none() || names.items().any(|v| v.as_str() == Some(req.name))
}

/// `appliesToUser`: whether a binding's subject is `user`. A service
/// account subject without a namespace takes the binding's.
fn subject_applies(subject: &Value, user: &UserInfo, binding_namespace: &str) -> bool {
    let name = subject.get("name").as_str().unwrap_or("");
    match subject.get("kind").as_str().unwrap_or("") {
        "User" => user.name == name,
        "Group" => user.groups.iter().any(|g| g == name),
        "ServiceAccount" => {
            let ns = match subject.get("namespace").as_str() {
                Some(ns) if !ns.is_empty() => ns,
                _ => binding_namespace,
            };
            !ns.is_empty()
                && user
                    .name
                    .strip_prefix(SERVICE_ACCOUNT_PREFIX)
                    .and_then(|rest| rest.split_once(':'))
                    == Some((ns, name))
        }
        _ => false,
    }
}

impl Cluster {
    /// Visits the rules that apply to `user` in `namespace` (the cluster
    /// role bindings' first, then the namespace's role bindings), as the
    /// rule resolver's `VisitRulesFor` does: `visit` returns false to stop.
    /// Missing roles become errors in Go's words.
    fn visit_rules(
        &self,
        user: &UserInfo,
        namespace: &str,
        visit: &mut dyn FnMut(&Value) -> bool,
        errors: &mut Vec<String>,
    ) {
        // The cluster's bindings, then (for a namespaced request) the
        // namespace's, each with the namespace its subjects default to.
        let cluster_bindings = self
            .store
            .list(res("ClusterRoleBinding"), None)
            .map(|(_, b)| (b, ""));
        let namespace_bindings = (!namespace.is_empty())
            .then(|| self.store.list(res("RoleBinding"), Some(namespace)))
            .into_iter()
            .flatten()
            .map(|(_, b)| (b, namespace));
        for (binding, binding_ns) in cluster_bindings.chain(namespace_bindings) {
            if !binding
                .get("subjects")
                .items()
                .any(|s| subject_applies(s, user, binding_ns))
            {
                continue;
            }
            let role_name = binding.str_at(&["roleRef", "name"]).unwrap_or("");
            let (role, kind) = if binding.str_at(&["roleRef", "kind"]) == Some("Role") {
                (
                    self.store.get_named(res("Role"), binding_ns, role_name),
                    "role",
                )
            } else {
                (
                    self.store.get_named(res("ClusterRole"), "", role_name),
                    "clusterrole",
                )
            };
            match role {
                Some(role) => {
                    for rule in role.get("rules").items() {
                        if !visit(rule) {
                            return;
                        }
                    }
                }
                None => errors.push(format!(
                    "{kind}.rbac.authorization.k8s.io \"{role_name}\" not found"
                )),
            }
        }
    }

    /// Authorizes one request: `system:masters` may do anything; otherwise
    /// a rule bound to the user must allow it.
    pub fn authorize(&self, user: &UserInfo, req: &Request) -> Decision {
        if user.groups.iter().any(|g| g == SYSTEM_MASTERS) {
            return Decision {
                allowed: true,
                reason: String::new(),
            };
        }
        let mut allowed = false;
        let mut errors = Vec::new();
        self.visit_rules(
            user,
            req.namespace,
            &mut |rule| {
                allowed = rule_allows(rule, req);
                !allowed
            },
            &mut errors,
        );
        // utilerrors.NewAggregate prints each distinct message once.
        let mut distinct: Vec<String> = Vec::new();
        for e in errors {
            if !distinct.contains(&e) {
                distinct.push(e);
            }
        }
        let errors = distinct;
        let reason = if allowed || errors.is_empty() {
            String::new()
        } else if errors.len() == 1 {
            format!("RBAC: {}", errors[0])
        } else {
            format!("RBAC: [{}]", errors.join(", "))
        };
        Decision { allowed, reason }
    }

    /// The rules that apply to `user` in `namespace` (`RulesFor`, what a
    /// SelfSubjectRulesReview returns), and the errors met on the way.
    pub(crate) fn rules_for(&self, user: &UserInfo, namespace: &str) -> (Vec<Value>, Vec<String>) {
        // Only RBAC resolves rules: the privileged group's authorizer is
        // not a rule resolver (its members hold cluster-admin by binding).
        let mut rules = Vec::new();
        let mut errors = Vec::new();
        self.visit_rules(
            user,
            namespace,
            &mut |rule| {
                rules.push(rule.clone());
                true
            },
            &mut errors,
        );
        (rules, errors)
    }

    /// Authorizes `req` for `user`, or returns the API server's Forbidden
    /// error (`responsewriters.Forbidden`).
    pub(crate) fn check_access(&self, user: &UserInfo, req: &Request) -> Result<(), StatusError> {
        let decision = self.authorize(user, req);
        if decision.allowed {
            Ok(())
        } else {
            Err(forbidden(user, req, &decision.reason))
        }
    }
}

/// The API server's Forbidden error for a denied request:
/// `pods "x" is forbidden: User "jane" cannot get resource "pods/log" in
/// API group "" in the namespace "default"`.
pub(crate) fn forbidden(user: &UserInfo, req: &Request, reason: &str) -> StatusError {
    let mut msg = if !req.is_resource_request() {
        format!(
            "User \"{}\" cannot {} path \"{}\"",
            user.name, req.verb, req.path
        )
    } else {
        let resource = if req.subresource.is_empty() {
            req.resource.to_string()
        } else {
            format!("{}/{}", req.resource, req.subresource)
        };
        let scope = if req.namespace.is_empty() {
            "at the cluster scope".to_string()
        } else {
            format!("in the namespace \"{}\"", req.namespace)
        };
        format!(
            "User \"{}\" cannot {} resource \"{resource}\" in API group \"{}\" {scope}",
            user.name, req.verb, req.api_group
        )
    };
    if !reason.is_empty() {
        msg = format!("{msg}: {reason}");
    }
    // NewForbidden names the group resource (without the subresource).
    let gr = if req.api_group.is_empty() {
        req.resource.to_string()
    } else {
        format!("{}.{}", req.resource, req.api_group)
    };
    StatusError::forbidden(if !req.is_resource_request() {
        format!("forbidden: {msg}")
    } else if req.name.is_empty() {
        format!("{gr} is forbidden: {msg}")
    } else {
        format!("{gr} \"{}\" is forbidden: {msg}", req.name)
    })
}

impl Cluster {
    /// Authorizes a request of the kubectl command being run (no-op for the
    /// editor and the cluster's components, which send none through here).
    pub(crate) fn authorize_request(&self, req: &Request) -> Result<(), StatusError> {
        match &self.requester {
            Some(user) => self.check_access(user, req),
            None => Ok(()),
        }
    }

    /// Authorizes `verb` on an object of `resource` (a subresource after a
    /// slash, `pods/log`), named `name` (empty for lists and creates).
    pub(crate) fn authorize_resource(
        &self,
        verb: &str,
        resource: crate::api::registry::ResourceId,
        subresource: &str,
        namespace: &str,
        name: &str,
    ) -> Result<(), StatusError> {
        if self.requester.is_none() {
            return Ok(());
        }
        let rt = resource.get();
        self.authorize_request(&Request {
            verb,
            api_group: rt.group,
            resource: rt.plural,
            subresource,
            namespace: if rt.namespaced { namespace } else { "" },
            name,
            path: "",
        })
    }
}

fn has(list: &[String], item: &str) -> bool {
    list.iter().any(|i| i == item)
}

fn has_all(list: &[String], items: &[String]) -> bool {
    items.iter().all(|i| has(list, i))
}

/// `ruleCovers` (component-helpers' policy comparator).
fn rule_covers(owner: &PolicyRule, sub: &PolicyRule) -> bool {
    let verbs = has(&owner.verbs, "*") || has_all(&owner.verbs, &sub.verbs);
    let groups = has(&owner.api_groups, "*") || has_all(&owner.api_groups, &sub.api_groups);
    let resources = has(&owner.resources, "*")
        || has_all(&owner.resources, &sub.resources)
        || sub.resources.iter().all(|path| {
            has(&owner.resources, path)
                || path
                    .split_once('/')
                    .is_some_and(|(_, s)| has(&owner.resources, &format!("*/{s}")))
        });
    let urls = sub.non_resource_urls.iter().all(|path| {
        owner
            .non_resource_urls
            .iter()
            .any(|o| o == path || (o.ends_with('*') && path.starts_with(o.trim_end_matches('*'))))
    });
    let names = if sub.resource_names.is_empty() {
        owner.resource_names.is_empty()
    } else {
        owner.resource_names.is_empty() || has_all(&owner.resource_names, &sub.resource_names)
    };
    verbs && groups && resources && urls && names
}

/// `CompactString`: `{APIGroups:[""], Resources:["pods"], Verbs:["get" "list"]}`.
fn compact_string(r: &PolicyRule) -> String {
    let q = |items: &[String]| {
        let quoted: Vec<String> = items.iter().map(|s| crate::api::errors::quote(s)).collect();
        format!("[{}]", quoted.join(" "))
    };
    let mut parts = Vec::new();
    for (label, list) in [
        ("APIGroups", &r.api_groups),
        ("Resources", &r.resources),
        ("NonResourceURLs", &r.non_resource_urls),
        ("ResourceNames", &r.resource_names),
        ("Verbs", &r.verbs),
    ] {
        if !list.is_empty() {
            parts.push(format!("{label}:{}", q(list)));
        }
    }
    format!("{{{}}}", parts.join(", "))
}

impl Cluster {
    /// `ConfirmNoEscalation`: the user's own rules in `namespace` must
    /// cover every rule granted; the error lists what they do not.
    fn confirm_no_escalation(
        &self,
        user: &UserInfo,
        namespace: &str,
        granted: &[Value],
    ) -> Result<(), String> {
        let (owner, errors) = self.rules_for(user, namespace);
        let owner: Vec<PolicyRule> = owner.iter().map(PolicyRule::of).collect();
        let missing: Vec<PolicyRule> = granted
            .iter()
            .flat_map(|r| PolicyRule::of(r).breakdown())
            .filter(|sub| !owner.iter().any(|o| rule_covers(o, sub)))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        // The server's CompactRules: tuples of one group and resource
        // without names merge their verbs.
        let mut compacted: Vec<PolicyRule> = Vec::new();
        let mut simple: Vec<PolicyRule> = Vec::new();
        for m in missing {
            if !m.resource_names.is_empty() || !m.non_resource_urls.is_empty() {
                compacted.push(m);
            } else if let Some(s) = simple
                .iter_mut()
                .find(|s| s.api_groups == m.api_groups && s.resources == m.resources)
            {
                s.verbs.extend(m.verbs);
            } else {
                simple.push(m);
            }
        }
        compacted.extend(simple);
        let mut descriptions: Vec<String> = compacted.iter().map(compact_string).collect();
        descriptions.compact_sort();
        descriptions.dedup();
        let groups: Vec<String> = user
            .groups
            .iter()
            .map(|g| crate::api::errors::quote(g))
            .collect();
        let mut msg = format!(
            "user \"{}\" (groups=[{}]) is attempting to grant RBAC permissions not currently held:\n{}",
            user.name,
            groups.join(" "),
            descriptions.join("\n")
        );
        if !errors.is_empty() {
            // The registry's resolver reads roles from storage, whose
            // NotFound names the plural resource; Go prints its one
            // aggregate error inside a slice: `[e]` or `[[e1, e2]]`.
            let mut distinct: Vec<String> = Vec::new();
            for e in errors {
                let e = e
                    .replacen("clusterrole.rbac", "clusterroles.rbac", 1)
                    .replacen("role.rbac", "roles.rbac", 1);
                if !distinct.contains(&e) {
                    distinct.push(e);
                }
            }
            let aggregate = match distinct.as_slice() {
                [one] => one.clone(),
                many => format!("[{}]", many.join(", ")),
            };
            msg.push_str(&format!("; resolution errors: [{aggregate}]"));
        }
        Err(msg)
    }

    /// The RBAC registry's escalation checks on a Role, ClusterRole or
    /// binding the command's user writes: a role may only grant what the
    /// user holds (or may `escalate`), a binding may only bind a role whose
    /// rules the user holds (or may `bind`).
    pub(crate) fn check_rbac_escalation(
        &self,
        kind: &str,
        namespace: &str,
        obj: &Value,
        creating: bool,
    ) -> Result<(), StatusError> {
        let Some(user) = &self.requester else {
            return Ok(());
        };
        if user.groups.iter().any(|g| g == SYSTEM_MASTERS) {
            return Ok(());
        }
        let name = obj.str_at(&["metadata", "name"]).unwrap_or("");
        let group = crate::api::validation::rbac::RBAC_GROUP;
        let allowed = |verb: &str, resource: &str, object: &str| {
            self.authorize(
                user,
                &Request {
                    verb,
                    api_group: group,
                    resource,
                    namespace,
                    name: object,
                    ..Request::default()
                },
            )
            .allowed
        };
        let forbidden = |resource: &str, msg: String| {
            StatusError::forbidden(format!("{resource}.{group} \"{name}\" is forbidden: {msg}"))
        };
        match kind {
            "Role" | "ClusterRole" => {
                let resource = if kind == "Role" {
                    "roles"
                } else {
                    "clusterroles"
                };
                // A create's request names no object.
                if allowed("escalate", resource, if creating { "" } else { name }) {
                    return Ok(());
                }
                let rules: Vec<Value> = obj.get("rules").items().cloned().collect();
                self.confirm_no_escalation(user, namespace, &rules)
                    .map_err(|m| forbidden(resource, m))?;
                if !obj.get("aggregationRule").is_null() {
                    let full = Value::from_pairs([
                        ("verbs", Value::array(vec![Value::str("*")])),
                        ("apiGroups", Value::array(vec![Value::str("*")])),
                        ("resources", Value::array(vec![Value::str("*")])),
                    ]);
                    let everything = Value::from_pairs([
                        ("verbs", Value::array(vec![Value::str("*")])),
                        ("nonResourceURLs", Value::array(vec![Value::str("*")])),
                    ]);
                    if self
                        .confirm_no_escalation(user, namespace, &[full, everything])
                        .is_err()
                    {
                        return Err(forbidden(
                            resource,
                            "must have cluster-admin privileges to use the aggregationRule".into(),
                        ));
                    }
                }
                Ok(())
            }
            "RoleBinding" | "ClusterRoleBinding" => {
                let resource = if kind == "RoleBinding" {
                    "rolebindings"
                } else {
                    "clusterrolebindings"
                };
                let ref_kind = obj.str_at(&["roleRef", "kind"]).unwrap_or("");
                let ref_name = obj.str_at(&["roleRef", "name"]).unwrap_or("");
                let (ref_resource, role) = if ref_kind == "Role" {
                    (
                        "roles",
                        self.store.get_named(res("Role"), namespace, ref_name),
                    )
                } else {
                    (
                        "clusterroles",
                        self.store.get_named(res("ClusterRole"), "", ref_name),
                    )
                };
                if allowed("bind", ref_resource, ref_name) {
                    return Ok(());
                }
                // The registry's role getter: its NotFound names the plural.
                let role = role.ok_or_else(|| {
                    StatusError::not_found(&format!("{ref_resource}.{group}"), ref_name)
                })?;
                let rules: Vec<Value> = role.get("rules").items().cloned().collect();
                self.confirm_no_escalation(user, namespace, &rules)
                    .map_err(|m| forbidden(resource, m))
            }
            _ => Ok(()),
        }
    }
}

/// The RBAC objects of a fresh kubeadm cluster: the API server's bootstrap
/// policy, then kubeadm's own. bootstrap_rbac.yaml is the readable source;
/// the bundle carries it as compact JSON, one object per line (0.6 KiB
/// less gzipped), which `tests::bootstrap_rbac_json_is_the_yaml_compacted`
/// checks loads to the same objects and rewrites with KUBEPLAY_BLESS=1.
const BOOTSTRAP_RBAC: &str = include_str!("bootstrap_rbac.json");

/// The objects of a YAML or JSON stream, the items of a List in its place.
fn load_objects(text: &str) -> Vec<Value> {
    crate::yaml::load_str(text)
        .map(|docs| {
            docs.iter()
                .flat_map(|d| {
                    let v = d.root.to_value();
                    if v.get("kind").as_str() == Some("List") {
                        v.get("items").items().cloned().collect()
                    } else {
                        vec![v]
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

thread_local! {
    /// The parsed objects, shared by every cluster a thread boots.
    static BOOTSTRAP_OBJECTS: Vec<Value> = load_objects(BOOTSTRAP_RBAC);
}

/// The bootstrap RBAC objects, in the order they are created.
pub(crate) fn bootstrap_objects() -> Vec<Value> {
    BOOTSTRAP_OBJECTS.with(Clone::clone)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kubectl::NoFiles;
    use crate::rng::Rng;

    #[test]
    fn bootstrap_rbac_json_is_the_yaml_compacted() {
        let source = load_objects(include_str!("bootstrap_rbac.yaml"));
        assert!(source.len() > 100, "the source loads");
        let items: Vec<String> = source.iter().map(crate::yaml::to_json_compact).collect();
        let want = format!(
            "{{\"apiVersion\":\"v1\",\"items\":[\n{}\n],\"kind\":\"List\"}}\n",
            items.join(",\n")
        );
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src/apiserver/bootstrap_rbac.json"
        );
        if std::env::var_os("KUBEPLAY_BLESS").is_some() {
            std::fs::write(path, &want).expect("writes the JSON");
        }
        assert!(
            BOOTSTRAP_RBAC == want,
            "bootstrap_rbac.json is stale: run with KUBEPLAY_BLESS=1"
        );
        // The same objects, in the same order.
        assert!(load_objects(BOOTSTRAP_RBAC) == source);
    }

    fn k(c: &mut Cluster, line: &str) -> String {
        c.kubectl(line, &NoFiles).terminal
    }

    fn rule(yaml: &str) -> Value {
        crate::yaml::load_str(yaml).expect("test rule")[0]
            .root
            .to_value()
    }

    #[test]
    fn rules_match_verbs_groups_subresources_names_and_url_prefixes() {
        let r = rule(
            "{verbs: [get], apiGroups: [apps], resources: ['*/scale', deployments], resourceNames: [web]}",
        );
        let req = |resource: &'static str, sub: &'static str, name: &'static str| Request {
            verb: "get",
            api_group: "apps",
            resource,
            subresource: sub,
            name,
            ..Request::default()
        };
        assert!(rule_allows(&r, &req("deployments", "", "web")));
        assert!(!rule_allows(&r, &req("deployments", "", "api")));
        assert!(rule_allows(&r, &req("replicasets", "scale", "web")));
        // `deployments` does not cover its subresources.
        assert!(!rule_allows(&r, &req("deployments", "status", "web")));
        let urls = rule("{verbs: [get], nonResourceURLs: ['/healthz', '/logs/*']}");
        let path = |path: &'static str| Request {
            verb: "get",
            path,
            ..Request::default()
        };
        assert!(rule_allows(&urls, &path("/healthz")));
        assert!(rule_allows(&urls, &path("/logs/kubelet.log")));
        assert!(!rule_allows(&urls, &path("/healthz/etcd")));
        // A URL rule never allows a resource request, nor the reverse.
        assert!(!rule_allows(&urls, &req("deployments", "", "web")));
        assert!(!rule_allows(&r, &path("/healthz")));
    }

    #[test]
    fn impersonation_adds_groups_as_the_api_server_does() {
        let groups = |name: &str, given: &[&str]| {
            let given: Vec<String> = given.iter().map(|g| g.to_string()).collect();
            UserInfo::impersonated(name, &given).groups.join(" ")
        };
        assert_eq!(groups("jane", &[]), "system:authenticated");
        assert_eq!(
            groups("jane", &["devs", "ops"]),
            "devs ops system:authenticated"
        );
        assert_eq!(
            groups("system:serviceaccount:dev:app", &[]),
            "system:serviceaccounts system:serviceaccounts:dev system:authenticated"
        );
        assert_eq!(
            groups("system:serviceaccount:dev:app", &["x"]),
            "x system:authenticated"
        );
        assert_eq!(
            groups("jane", &["system:unauthenticated"]),
            "system:unauthenticated"
        );
        assert_eq!(groups("system:anonymous", &[]), "system:unauthenticated");
        assert_eq!(
            split_service_account("system:serviceaccount:dev:app"),
            Some(("dev", "app"))
        );
        assert_eq!(split_service_account("system:serviceaccount:dev"), None);
        assert_eq!(split_service_account("system:serviceaccount:dev:a:b"), None);
    }

    #[test]
    fn forbidden_messages_name_the_request() {
        let jane = UserInfo::impersonated("jane", &[]);
        let msg = |req: Request, reason: &str| forbidden(&jane, &req, reason).message;
        assert_eq!(
            msg(
                Request {
                    verb: "get",
                    resource: "pods",
                    subresource: "log",
                    namespace: "dev",
                    name: "web",
                    ..Request::default()
                },
                ""
            ),
            "pods \"web\" is forbidden: User \"jane\" cannot get resource \"pods/log\" in API group \"\" in the namespace \"dev\""
        );
        assert_eq!(
            msg(
                Request {
                    verb: "list",
                    api_group: "apps",
                    resource: "deployments",
                    ..Request::default()
                },
                "RBAC: x"
            ),
            "deployments.apps is forbidden: User \"jane\" cannot list resource \"deployments\" in API group \"apps\" at the cluster scope: RBAC: x"
        );
        assert_eq!(
            msg(
                Request {
                    verb: "get",
                    path: "/metrics",
                    ..Request::default()
                },
                ""
            ),
            "forbidden: User \"jane\" cannot get path \"/metrics\""
        );
    }

    #[test]
    fn the_aggregation_controller_fills_admin_edit_and_view() {
        let mut c = Cluster::new(1);
        let count = |c: &Cluster, name: &str| {
            c.store
                .get_named(res("ClusterRole"), "", name)
                .map(|r| r.get("rules").items().len())
        };
        // The rule counts upstream's aggregation gives the bootstrap roles,
        // with metrics-server's `system:aggregated-metrics-reader` rule.
        assert_eq!(count(&c, "admin"), Some(30));
        assert_eq!(count(&c, "edit"), Some(28));
        assert_eq!(count(&c, "view"), Some(13));
        // A labelled role joins view, and through edit's label, admin too.
        k(
            &mut c,
            "kubectl create clusterrole extra --verb=get --resource=secrets",
        );
        assert_eq!(count(&c, "view"), Some(13));
        k(
            &mut c,
            "kubectl label clusterrole extra rbac.authorization.k8s.io/aggregate-to-view=true",
        );
        assert_eq!(count(&c, "view"), Some(14));
        assert_eq!(count(&c, "edit"), Some(29));
        assert_eq!(count(&c, "admin"), Some(31));
        k(&mut c, "kubectl delete clusterrole extra");
        assert_eq!(count(&c, "admin"), Some(30));
    }

    #[test]
    fn roles_that_aggregate_each_other_settle() {
        let mut c = Cluster::new(1);
        k(
            &mut c,
            "kubectl create clusterrole c --verb=get --resource=pods",
        );
        k(&mut c, "kubectl label clusterrole c to-a=yes");
        k(
            &mut c,
            "kubectl create clusterrole d --verb=get --resource=services",
        );
        k(&mut c, "kubectl label clusterrole d to-b=yes");
        // a gathers roles labelled to-a (b and c), b those labelled to-b
        // (a and d), both made in one go.
        let text = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: a, labels: {to-b: 'yes'}}\naggregationRule: {clusterRoleSelectors: [{matchLabels: {to-a: 'yes'}}]}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: b, labels: {to-a: 'yes'}}\naggregationRule: {clusterRoleSelectors: [{matchLabels: {to-b: 'yes'}}]}\n";
        c.run_manifest(
            text,
            "mutual.yaml",
            crate::apiserver::manifest::ManifestVerb::Apply,
        );
        c.settle();
        let resources = |c: &Cluster, name: &str| -> Vec<String> {
            c.store
                .get_named(res("ClusterRole"), "", name)
                .map(|r| {
                    r.get("rules")
                        .items()
                        .map(|rule| {
                            rule.get("resources")
                                .items()
                                .next()
                                .and_then(Value::as_str)
                                .unwrap_or("")
                                .to_string()
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut a = resources(&c, "a");
        let mut b = resources(&c, "b");
        a.sort();
        b.sort();
        assert_eq!(a, ["pods", "services"]);
        assert_eq!(b, ["pods", "services"]);
    }

    #[test]
    fn a_bare_api_server_is_used_as_the_super_admin() {
        let mut c = Cluster::empty(1);
        assert_eq!(
            k(&mut c, "kubectl auth whoami"),
            "ATTRIBUTE   VALUE\nUsername    kubernetes-super-admin\nGroups      [system:masters system:authenticated]\n"
        );
        assert_eq!(
            k(&mut c, "kubectl create namespace x"),
            "namespace/x created\n"
        );
        // kubeadm's admin holds cluster-admin through a binding only.
        let mut c = Cluster::new(1);
        k(
            &mut c,
            "kubectl delete clusterrolebinding kubeadm:cluster-admins",
        );
        assert_eq!(
            k(&mut c, "kubectl get pods"),
            "Error from server (Forbidden): pods is forbidden: User \"kubernetes-admin\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\"\n"
        );
    }

    #[test]
    fn escalation_is_judged_by_the_rules_the_user_holds() {
        let mut c = Cluster::new(1);
        k(
            &mut c,
            "kubectl create role manager --verb=create --resource=roles.rbac.authorization.k8s.io,rolebindings.rbac.authorization.k8s.io",
        );
        k(
            &mut c,
            "kubectl create role scaler --verb=get,patch --resource=*.*/scale --resource-name=web",
        );
        k(
            &mut c,
            "kubectl create rolebinding m --role=manager --user=jane",
        );
        k(
            &mut c,
            "kubectl create rolebinding s --role=scaler --user=jane",
        );
        // `*/scale` covers deployments/scale; the name must be held too.
        assert_eq!(
            k(
                &mut c,
                "kubectl create role a --verb=get --resource=deployments/scale --resource-name=web --as=jane"
            ),
            "role.rbac.authorization.k8s.io/a created\n"
        );
        assert_eq!(
            k(
                &mut c,
                "kubectl create role b --verb=get --resource=deployments/scale --as=jane"
            ),
            "Error from server (Forbidden): roles.rbac.authorization.k8s.io \"b\" is forbidden: user \"jane\" (groups=[\"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[\"apps\"], Resources:[\"deployments/scale\"], Verbs:[\"get\"]}\n"
        );
        // The verb `bind` on a role lets her bind it without holding it.
        k(
            &mut c,
            "kubectl create role binder --verb=bind --resource=clusterroles --resource-name=view",
        );
        k(
            &mut c,
            "kubectl create rolebinding bd --role=binder --user=jane",
        );
        assert_eq!(
            k(
                &mut c,
                "kubectl create rolebinding v --clusterrole=view --user=bob --as=jane"
            ),
            "rolebinding.rbac.authorization.k8s.io/v created\n"
        );
    }

    /// What `auth can-i` answers is what the request itself meets: for
    /// random roles and bindings, every answer matches the outcome.
    #[test]
    fn can_i_agrees_with_the_requests_it_describes() {
        // Mostly the resource the requests below touch.
        let resources = ["configmaps", "configmaps", "configmaps", "secrets", "*"];
        let verbs = ["get", "list", "create", "delete", "watch"];
        let users = ["alice", "bob"];
        let (mut allowed, mut refused_count) = (0, 0);
        for seed in 0..6 {
            let mut rng = Rng::new(seed);
            let mut c = Cluster::new(seed);
            k(&mut c, "kubectl create namespace team");
            k(&mut c, "kubectl create configmap probe -n team");
            for i in 0..6 {
                let verb = verbs[rng.index(verbs.len())];
                let resource = resources[rng.index(resources.len())];
                let ns = if rng.below(2) == 0 { "team" } else { "default" };
                k(
                    &mut c,
                    &format!(
                        "kubectl create role r{i} --verb={verb} --resource={resource} -n {ns}"
                    ),
                );
                let who = if rng.below(3) == 0 {
                    "--group=devs".to_string()
                } else {
                    format!("--user={}", users[rng.index(users.len())])
                };
                k(
                    &mut c,
                    &format!("kubectl create rolebinding b{i} --role=r{i} {who} -n {ns}"),
                );
            }
            for _ in 0..20 {
                let user = users[rng.index(users.len())];
                let groups = if rng.below(2) == 0 {
                    " --as-group=devs"
                } else {
                    ""
                };
                let ns = if rng.below(2) == 0 { "team" } else { "default" };
                let as_user = format!("--as={user}{groups} -n {ns}");
                let (verb, command) = match rng.below(3) {
                    0 => ("list", format!("kubectl get configmaps {as_user}")),
                    1 => ("get", format!("kubectl get configmap probe {as_user}")),
                    _ => (
                        "create",
                        format!("kubectl create configmap c{} {as_user}", rng.below(1000)),
                    ),
                };
                let answer = c.kubectl(
                    &format!("kubectl auth can-i {verb} configmaps {as_user}"),
                    &NoFiles,
                );
                let outcome = k(&mut c, &command);
                let refused = outcome.contains("is forbidden: User");
                if refused {
                    refused_count += 1;
                } else {
                    allowed += 1;
                }
                assert_eq!(
                    answer.exit_code == 0,
                    !refused,
                    "seed {seed}: can-i {verb} said {:?}, `{command}` gave {outcome:?}",
                    answer.stdout
                );
            }
        }
        // Both answers came up often enough to mean something.
        assert!(
            allowed >= 10 && refused_count >= 10,
            "{allowed} allowed, {refused_count} refused"
        );
    }
}
