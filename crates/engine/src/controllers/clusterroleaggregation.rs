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

/// Brings every aggregated ClusterRole's rules up to date (the controller
/// re-syncs them all whenever any ClusterRole changes).
pub(crate) fn sync(cluster: &mut Cluster) {
    let updates: Vec<Value> = cluster
        .store
        .list(res("ClusterRole"), None)
        .filter(|(_, role)| !role.get("aggregationRule").is_null())
        .filter_map(|(_, role)| {
            let rules = aggregated_rules(cluster, role);
            let current = role.get("rules");
            let unchanged = current.items().len() == rules.len()
                && current.items().zip(&rules).all(|(a, b)| same_rule(a, b));
            (!unchanged).then(|| {
                let mut updated = role.clone();
                updated.set("rules", Value::array(rules));
                updated
            })
        })
        .collect();
    for role in updates {
        // The controller's own write; a refusal would leave the old rules.
        let _ = cluster.update(role, &WriteOptions::system());
    }
}
