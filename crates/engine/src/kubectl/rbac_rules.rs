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

/// The table rows of `can-i --list` for the rules a rules review returned:
/// broken down, rules for one group and resource (and at most one name)
/// merged with their verbs appended (repeats kept, as kubectl keeps them),
/// sorted by their Go string.
pub(crate) fn can_i_rows(rules: &[Value]) -> Vec<String> {
    let mut compacted: Vec<PolicyRule> = Vec::new();
    // The simple rules, merged in place, in first-seen order. Go keeps them
    // in a map whose order the stable sort below hides, except between
    // rules with equal strings, which print the same.
    let mut simple: Vec<PolicyRule> = Vec::new();
    for rule in rules {
        let rule = PolicyRule::of(rule);
        // The review returns resource rules (without URLs) and non-resource
        // rules (verbs and URLs only) separately.
        let mut split = Vec::new();
        if !rule.resources.is_empty() {
            split.push(PolicyRule {
                non_resource_urls: Vec::new(),
                ..rule.clone()
            });
        }
        if !rule.non_resource_urls.is_empty() {
            split.push(PolicyRule {
                verbs: rule.verbs.clone(),
                non_resource_urls: rule.non_resource_urls.clone(),
                ..PolicyRule::default()
            });
        }
        for part in split.iter().flat_map(PolicyRule::breakdown) {
            let is_simple = part.resource_names.len() <= 1
                && part.non_resource_urls.is_empty()
                && part.api_groups.len() == 1
                && part.resources.len() == 1;
            if !is_simple {
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
    keyed
        .into_iter()
        .map(|(_, r)| {
            format!(
                "{}\t{}\t{}\t{}\n",
                combine_resource_group(&r.resources, &r.api_groups),
                go_list(&r.non_resource_urls),
                go_list(&r.resource_names),
                go_list(&r.verbs)
            )
        })
        .collect()
}
