//! API machinery: the served resource types, their field schema, errors,
//! label selectors, defaulting and validation.

pub mod content;
pub mod defaults;
pub mod errors;
pub mod explain;
pub mod gofmt;
pub mod path;
pub mod registry;
pub mod schema;
pub mod selector;
pub mod validation;

pub use errors::{FieldError, FieldErrorType, StatusError, StatusReason};
pub use registry::{ResourceId, ResourceType, Simulation};

use crate::quantity::Quantity;
use crate::value::Value;

/// A pod's QoS class from its spec: `Guaranteed` when every container has
/// equal CPU and memory requests and limits, `BestEffort` when none sets
/// any, `Burstable` otherwise.
pub fn qos_class(spec: &Value) -> &'static str {
    let containers: Vec<&Value> = spec
        .get("containers")
        .items()
        .chain(spec.get("initContainers").items())
        .collect();
    let mut any = false;
    let mut guaranteed = !containers.is_empty();
    for c in &containers {
        let requests = c.at(&["resources", "requests"]);
        let limits = c.at(&["resources", "limits"]);
        for name in ["cpu", "memory"] {
            let parse = |v: &Value| v.get(name).as_str().and_then(|s| Quantity::parse(s).ok());
            let (r, l) = (parse(requests), parse(limits));
            if r.is_some_and(|q| q.milli_value() != 0) || l.is_some_and(|q| q.milli_value() != 0) {
                any = true;
            }
            match (r, l) {
                (_, None) => guaranteed = false,
                (Some(r), Some(l)) if r.milli_value() != l.milli_value() => guaranteed = false,
                _ => {}
            }
        }
    }
    if !any {
        "BestEffort"
    } else if guaranteed {
        "Guaranteed"
    } else {
        "Burstable"
    }
}
