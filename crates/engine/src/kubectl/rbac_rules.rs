//! How kubectl lays out RBAC rules for `kubectl auth can-i --list`
//! (`rbacutil.BreakdownRule`, `CompactRules`, `SortableRuleSlice` and
//! `describe.CombineResourceGroup`).

use crate::apiserver::rbac::{PolicyRule, go_list};
use crate::sort::CompactSort;
use crate::value::Value;

/// `CombineResourceGroup`: `pods`, `deployments.apps`, `pods.x/log`.
pub(crate) fn combine_resource_group(resources: &[String], groups: &[String]) -> String {
    let Some(first) = resources.first() else {
        return String::new();
    };
    let (resource, sub) = match first.split_once('/') {
        Some((r, s)) => (r, Some(s)),
        None => (first.as_str(), None),
    };
    let mut out = resource.to_string();
    if let Some(g) = groups.first().filter(|g| !g.is_empty()) {
        out.push('.');
        out.push_str(g);
    }
    if let Some(s) = sub {
        out.push('/');
        out.push_str(s);
    }
    out
}

/// The rules as `kubectl describe` and `auth can-i --list` show them:
/// broken down (`BreakdownRule`), rules for one group and resource (and at
/// most one name) merged with their verbs appended, repeats kept
/// (`CompactRules`), sorted by their Go string (`SortableRuleSlice`).
pub(crate) fn compact_rules<'a>(rules: impl IntoIterator<Item = &'a Value>) -> Vec<PolicyRule> {
    let mut compacted: Vec<PolicyRule> = Vec::new();
    // The simple rules, merged in place, in first-seen order. Go keeps them
    // in a map whose order the stable sort below hides, except between
    // rules with equal strings, which print the same.
    let mut simple: Vec<PolicyRule> = Vec::new();
    for rule in rules {
        for part in PolicyRule::of(rule).breakdown() {
            if !part.non_resource_urls.is_empty() {
                compacted.push(part);
                continue;
            }
            match simple.iter_mut().find(|s| {
                s.api_groups == part.api_groups
                    && s.resources == part.resources
                    && s.resource_names == part.resource_names
            }) {
                Some(existing) => existing.verbs.extend(part.verbs),
                None => simple.push(part),
            }
        }
    }
    compacted.extend(simple);
    let mut keyed: Vec<(String, PolicyRule)> =
        compacted.into_iter().map(|r| (r.go_string(), r)).collect();
    keyed.compact_sort_by(|a, b| a.0.cmp(&b.0));
    keyed.into_iter().map(|(_, r)| r).collect()
}

/// One table row: resources, non-resource URLs, resource names, verbs.
pub(crate) fn rule_row(r: &PolicyRule) -> String {
    format!(
        "{}\t{}\t{}\t{}\n",
        combine_resource_group(&r.resources, &r.api_groups),
        go_list(&r.non_resource_urls),
        go_list(&r.resource_names),
        go_list(&r.verbs)
    )
}
