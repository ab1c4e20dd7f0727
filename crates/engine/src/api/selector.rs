//! Label selectors: `matchLabels`/`matchExpressions` objects and kubectl's
//! `-l` strings (`app=web,tier in (a,b),!canary`).
//!
//! (Placeholder until the selector implementation lands: matchLabels only.)

use crate::value::Value;

/// True when `labels` (an object of strings) satisfies the LabelSelector object `selector`.
pub fn matches(selector: &Value, labels: &Value) -> bool {
    selector
        .get("matchLabels")
        .members()
        .all(|(k, v)| labels.get(k) == v)
}
