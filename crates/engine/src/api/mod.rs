//! API machinery: the served resource types, their field schema, errors,
//! label selectors, defaulting and validation.

pub mod content;
pub mod defaults;
pub mod errors;
pub mod gofmt;
pub mod path;
pub mod registry;
pub mod schema;
pub mod selector;
pub mod validation;

pub use errors::{FieldError, FieldErrorType, StatusError, StatusReason};
pub use registry::{ResourceId, ResourceType, Simulation};
