//! Object validation as kube-apiserver does it, with its messages.
//!
//! (Placeholder until the validation rules land: only names are checked.)

use crate::api::errors::FieldError;
use crate::api::registry::ResourceId;
use crate::value::Value;

/// Validates an object of `resource` on create (`old` is `None`) or update.
pub fn validate(resource: ResourceId, object: &Value, old: Option<&Value>) -> Vec<FieldError> {
    let _ = (resource, old);
    let mut errors = Vec::new();
    if object
        .str_at(&["metadata", "name"])
        .is_none_or(str::is_empty)
        && object
            .str_at(&["metadata", "generateName"])
            .is_none_or(str::is_empty)
    {
        errors.push(FieldError::required(
            "metadata.name",
            "name or generateName is required",
        ));
    }
    errors
}
