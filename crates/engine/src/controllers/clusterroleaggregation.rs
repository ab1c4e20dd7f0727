//! The clusterrole-aggregation controller: a ClusterRole with an
//! `aggregationRule` gets the rules of every ClusterRole its selectors
//! match (`pkg/controller/clusterroleaggregation`). This is how `admin`,
//! `edit` and `view` grow when a ClusterRole labelled
//! `rbac.authorization.k8s.io/aggregate-to-view: "true"` appears.

use crate::apiserver::WriteOptions;
use crate::cluster::{Cluster, res};
use crate::value::Value;

/// `equality.Semantic.DeepEqual` for rules: an empty list equals a missing one.
fn same_rule(a: &Value, b: &Value) -> bool {
    [
        "verbs",
        "apiGroups",
        "resources",
        "resourceNames",
        "nonResourceURLs",
    ]
    .iter()
    .all(|f| a.get(f).items().eq(b.get(f).items()))
}

/// The rules an aggregated ClusterRole should have: for each selector in
/// turn, the matching roles by name, each rule once.
fn aggregated_rules(cluster: &Cluster, role: &Value) -> Vec<Value> {
    let name = role.str_at(&["metadata", "name"]).unwrap_or("");
    let mut rules: Vec<Value> = Vec::new();
    for selector in role
        .at(&["aggregationRule", "clusterRoleSelectors"])
        .items()
    {
        // The store lists cluster-scoped objects by name, as `byName` sorts.
        for (_, other) in cluster.store.list(res("ClusterRole"), None) {
            if other.str_at(&["metadata", "name"]) == Some(name)
                || !crate::api::selector::matches(selector, other.at(&["metadata", "labels"]))
            {
                continue;
            }
            for rule in other.get("rules").items() {
                if !rules.iter().any(|r| same_rule(r, rule)) {
                    rules.push(rule.clone());
                }
            }
        }
    }
    rules
}

/// How many syncs in a row may rewrite roles before the controller gives
/// up on roles that keep changing each other.
const MAX_STREAK: u32 = 64;

/// Brings every aggregated ClusterRole's rules up to date (the controller
/// re-syncs them all after any ClusterRole changes, once per settle round). As upstream's work
/// queue does, each role is written before the next is computed, so roles
/// that aggregate each other settle instead of trading rules forever.
pub(crate) fn sync(cluster: &mut Cluster) {
    let aggregated: Vec<String> = cluster
        .store
        .list(res("ClusterRole"), None)
        .filter(|(_, role)| !role.get("aggregationRule").is_null())
        .map(|((_, name), _)| name.to_string())
        .collect();
    let mut wrote = false;
    for name in aggregated {
        let Some(role) = cluster.store.get_named(res("ClusterRole"), "", &name) else {
            continue;
        };
        let rules = aggregated_rules(cluster, role);
        let current = role.get("rules");
        if current.items().len() == rules.len()
            && current.items().zip(&rules).all(|(a, b)| same_rule(a, b))
        {
            continue;
        }
        if cluster.controllers.aggregation_streak >= MAX_STREAK {
            cluster.note(
                "kube-controller-manager",
                format!("clusterrole-aggregation-controller: ClusterRole {name} keeps changing; not syncing it"),
            );
            continue;
        }
        let mut updated = role.clone();
        updated.set("rules", Value::array(rules));
        // The controller's own write; a refusal would leave the old rules.
        let _ = cluster.update(updated, &WriteOptions::system());
        wrote = true;
    }
    cluster.controllers.aggregation_streak = if wrote {
        cluster.controllers.aggregation_streak + 1
    } else {
        0
    };
}
