//! Defaulting as kube-apiserver does it: the fields it fills in when a
//! manifest leaves them out.
//!
//! (Placeholder until the defaulting rules land.)

use crate::api::registry::ResourceId;
use crate::value::Value;

/// Fills in the defaults of an object of `resource`.
pub fn apply_defaults(resource: ResourceId, object: &mut Value) {
    let _ = (resource, object);
}
