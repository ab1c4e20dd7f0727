//! The field schema of the served kinds, generated from the real API
//! definitions, and strict decoding of manifests against it.
//!
//! (Placeholder until the generated schema lands: accepts every field.)

use crate::api::registry::ResourceId;
use crate::value::Value;
use crate::yaml::{Mark, Node};

/// What kind of decoding problem a [`DecodeError`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeErrorKind {
    /// A field the kind does not have (`unknown field "spec.replica"`).
    UnknownField,
    /// A field given twice (`duplicate field "spec.replicas"`).
    DuplicateField,
    /// A value of the wrong JSON type (`json: cannot unmarshal string into
    /// Go struct field DeploymentSpec.spec.replicas of type int32`).
    Type,
    /// A value that does not parse (a quantity, base64 data, a time).
    Value,
}

/// One problem found while decoding a manifest into its kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    /// The kind of problem.
    pub kind: DecodeErrorKind,
    /// The message item as the API server words it (`unknown field "spec.replica"`).
    pub message: String,
    /// The field path (`spec.replica`).
    pub path: String,
    /// Where in the source.
    pub mark: Mark,
}

/// Decodes a manifest's root node as an object of `resource`, strictly:
/// unknown and duplicate fields and wrongly typed values are errors.
/// Quantities come back in canonical form.
pub fn decode(root: &Node, resource: ResourceId) -> Result<Value, Vec<DecodeError>> {
    let _ = resource;
    Ok(root.to_value())
}
