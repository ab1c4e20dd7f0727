//! API errors as kube-apiserver returns them and kubectl prints them:
//! field errors (`spec.replicas: Invalid value: -1: must be greater than or
//! equal to 0`) and status errors (`Error from server (NotFound): pods "x"
//! not found`).

use std::fmt;

use crate::yaml::Mark;

/// The kind of a field error (apimachinery's `field.ErrorType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldErrorType {
    /// `Not found`
    NotFound,
    /// `Required value`
    Required,
    /// `Duplicate value`
    Duplicate,
    /// `Invalid value`
    Invalid,
    /// `Unsupported value`
    NotSupported,
    /// `Forbidden`
    Forbidden,
    /// `Too long`
    TooLong,
    /// `Too many`
    TooMany,
    /// `Internal error`
    Internal,
}

impl FieldErrorType {
    /// The text apimachinery prints for it.
    pub fn text(self) -> &'static str {
        match self {
            FieldErrorType::NotFound => "Not found",
            FieldErrorType::Required => "Required value",
            FieldErrorType::Duplicate => "Duplicate value",
            FieldErrorType::Invalid => "Invalid value",
            FieldErrorType::NotSupported => "Unsupported value",
            FieldErrorType::Forbidden => "Forbidden",
            FieldErrorType::TooLong => "Too long",
            FieldErrorType::TooMany => "Too many",
            FieldErrorType::Internal => "Internal error",
        }
    }

    /// The `reason` of the status cause (`FieldValueInvalid`, …).
    pub fn reason(self) -> &'static str {
        match self {
            FieldErrorType::NotFound => "FieldValueNotFound",
            FieldErrorType::Required => "FieldValueRequired",
            FieldErrorType::Duplicate => "FieldValueDuplicate",
            FieldErrorType::Invalid => "FieldValueInvalid",
            FieldErrorType::NotSupported => "FieldValueNotSupported",
            FieldErrorType::Forbidden => "FieldValueForbidden",
            FieldErrorType::TooLong => "FieldValueTooLong",
            FieldErrorType::TooMany => "FieldValueTooMany",
            FieldErrorType::Internal => "InternalError",
        }
    }
}

/// One validation error on one field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// What is wrong.
    pub kind: FieldErrorType,
    /// The field path (`spec.template.spec.containers[0].image`).
    pub field: String,
    /// The bad value as Go's `%v`/`%q`/`%#v` prints it, or `None` when
    /// the error type does not show it (Required, Forbidden, …).
    pub value: Option<String>,
    /// Extra explanation after the value.
    pub detail: String,
}

impl FieldError {
    fn new(kind: FieldErrorType, field: &str, value: Option<String>, detail: &str) -> FieldError {
        FieldError {
            kind,
            field: field.to_string(),
            value,
            detail: detail.to_string(),
        }
    }

    /// `field: Required value[: detail]`
    pub fn required(field: &str, detail: &str) -> FieldError {
        FieldError::new(FieldErrorType::Required, field, None, detail)
    }

    /// `field: Forbidden: detail`
    pub fn forbidden(field: &str, detail: &str) -> FieldError {
        FieldError::new(FieldErrorType::Forbidden, field, None, detail)
    }

    /// `field: Invalid value: <value>: detail`; `value` is already formatted
    /// (use [`quote`] for strings).
    pub fn invalid(field: &str, value: impl Into<String>, detail: &str) -> FieldError {
        FieldError::new(FieldErrorType::Invalid, field, Some(value.into()), detail)
    }

    /// `field: Duplicate value: <value>`
    pub fn duplicate(field: &str, value: impl Into<String>) -> FieldError {
        FieldError::new(FieldErrorType::Duplicate, field, Some(value.into()), "")
    }

    /// `field: Not found: <value>`
    pub fn not_found(field: &str, value: impl Into<String>) -> FieldError {
        FieldError::new(FieldErrorType::NotFound, field, Some(value.into()), "")
    }

    /// `field: Unsupported value: "x": supported values: "a", "b"`
    pub fn not_supported(field: &str, value: impl Into<String>, valid: &[&str]) -> FieldError {
        let detail = if valid.is_empty() {
            String::new()
        } else {
            let quoted: Vec<String> = valid.iter().map(|v| quote(v)).collect();
            format!("supported values: {}", quoted.join(", "))
        };
        FieldError::new(
            FieldErrorType::NotSupported,
            field,
            Some(value.into()),
            &detail,
        )
    }

    /// `field: Too long: must have at most N bytes`
    pub fn too_long(field: &str, max: usize) -> FieldError {
        FieldError::new(
            FieldErrorType::TooLong,
            field,
            None,
            &format!("must have at most {max} bytes"),
        )
    }

    /// `field: Too many: N: must have at most M items`
    pub fn too_many(field: &str, actual: usize, max: usize) -> FieldError {
        FieldError::new(
            FieldErrorType::TooMany,
            field,
            Some(actual.to_string()),
            &format!("must have at most {max} items"),
        )
    }

    /// The text after the field path (`ErrorBody` in apimachinery).
    pub fn body(&self) -> String {
        let mut s = self.kind.text().to_string();
        if let Some(v) = &self.value {
            s.push_str(": ");
            s.push_str(v);
        }
        if !self.detail.is_empty() {
            s.push_str(": ");
            s.push_str(&self.detail);
        }
        s
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.body())
    }
}

/// A string as Go's `%q` prints it.
pub fn quote(s: &str) -> String {
    crate::api::schema::golang::quote(s)
}

/// Why a request failed (`metav1.StatusReason`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusReason {
    /// 404
    NotFound,
    /// 409
    AlreadyExists,
    /// 409
    Conflict,
    /// 422, with field causes
    Invalid,
    /// 400
    BadRequest,
    /// 403
    Forbidden,
    /// 405
    MethodNotAllowed,
    /// 500
    InternalError,
    /// 500 without a reason: an error the server had as no Status
    /// (`ErrorToAPIStatus` of a plain Go error).
    Unknown,
}

impl StatusReason {
    /// The reason's name as kubectl shows it in `Error from server (…)`.
    pub fn name(self) -> &'static str {
        match self {
            StatusReason::NotFound => "NotFound",
            StatusReason::AlreadyExists => "AlreadyExists",
            StatusReason::Conflict => "Conflict",
            StatusReason::Invalid => "Invalid",
            StatusReason::BadRequest => "BadRequest",
            StatusReason::Forbidden => "Forbidden",
            StatusReason::MethodNotAllowed => "MethodNotAllowed",
            StatusReason::InternalError => "InternalError",
            StatusReason::Unknown => "",
        }
    }

    /// The HTTP status code.
    pub fn code(self) -> u16 {
        match self {
            StatusReason::NotFound => 404,
            StatusReason::AlreadyExists | StatusReason::Conflict => 409,
            StatusReason::Invalid => 422,
            StatusReason::BadRequest => 400,
            StatusReason::Forbidden => 403,
            StatusReason::MethodNotAllowed => 405,
            StatusReason::InternalError | StatusReason::Unknown => 500,
        }
    }
}

/// An error returned by the API server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusError {
    /// Why it failed.
    pub reason: StatusReason,
    /// The server's message (`pods "x" not found`).
    pub message: String,
    /// For `Invalid`: the object's kind (without group) and name.
    pub kind: String,
    /// For `Invalid`: the object's name.
    pub name: String,
    /// For `Invalid`: the field errors.
    pub causes: Vec<FieldError>,
    /// Where in the source manifest the error points, when known.
    pub mark: Option<Mark>,
}

impl StatusError {
    fn plain(reason: StatusReason, message: String) -> StatusError {
        StatusError {
            reason,
            message,
            kind: String::new(),
            name: String::new(),
            causes: Vec::new(),
            mark: None,
        }
    }

    /// `<resource> "<name>" not found`, e.g. `pods "x" not found`
    /// (`resource` is the plural with its group: `deployments.apps`).
    pub fn not_found(resource: &str, name: &str) -> StatusError {
        StatusError::plain(
            StatusReason::NotFound,
            format!("{resource} \"{name}\" not found"),
        )
    }

    /// A plain error the server returns as a Status with no reason.
    pub fn unknown(message: impl Into<String>) -> StatusError {
        StatusError::plain(StatusReason::Unknown, message.into())
    }

    /// A verb the resource does not serve (`componentstatuses` are only
    /// read).
    pub fn method_not_allowed() -> StatusError {
        StatusError::plain(
            StatusReason::MethodNotAllowed,
            "the server does not allow this method on the requested resource".into(),
        )
    }

    /// `<resource> "<name>" already exists`
    pub fn already_exists(resource: &str, name: &str) -> StatusError {
        StatusError::plain(
            StatusReason::AlreadyExists,
            format!("{resource} \"{name}\" already exists"),
        )
    }

    /// A 400 with the given message.
    pub fn bad_request(message: impl Into<String>) -> StatusError {
        StatusError::plain(StatusReason::BadRequest, message.into())
    }

    /// A 403 with the given message.
    pub fn forbidden(message: impl Into<String>) -> StatusError {
        StatusError::plain(StatusReason::Forbidden, message.into())
    }

    /// A 409 conflict with the given message.
    pub fn conflict(message: impl Into<String>) -> StatusError {
        StatusError::plain(StatusReason::Conflict, message.into())
    }

    /// A 500 with the given message.
    pub fn internal(message: impl Into<String>) -> StatusError {
        StatusError::plain(StatusReason::InternalError, message.into())
    }

    /// A 422: `<Kind.group> "<name>" is invalid: [errors]`.
    /// `group_kind` is `Deployment.apps` (or `Pod` for the core group).
    pub fn invalid(group_kind: &str, name: &str, causes: Vec<FieldError>) -> StatusError {
        let mut unique: Vec<FieldError> = Vec::new();
        for c in causes {
            if !unique.iter().any(|u| u.to_string() == c.to_string()) {
                unique.push(c);
            }
        }
        let joined = if unique.len() == 1 {
            unique[0].to_string()
        } else {
            format!(
                "[{}]",
                unique
                    .iter()
                    .map(|c| c.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        StatusError {
            reason: StatusReason::Invalid,
            message: format!("{group_kind} \"{name}\" is invalid: {joined}"),
            kind: group_kind
                .split('.')
                .next()
                .unwrap_or(group_kind)
                .to_string(),
            name: name.to_string(),
            causes: unique,
            mark: None,
        }
    }

    /// Points the error at a place in the source manifest.
    pub fn at(mut self, mark: Mark) -> StatusError {
        self.mark = Some(mark);
        self
    }

    /// kubectl's rendering of this error, without a trailing newline:
    /// `Error from server (NotFound): pods "x" not found`, or for Invalid
    /// `The Deployment "x" is invalid: <cause>` (one cause) or a bullet list.
    /// `source` is `Some(("creating", "file.yaml"))` when the request came
    /// from a file, which kubectl adds to non-Invalid errors.
    pub fn kubectl_message(&self, source: Option<(&str, &str)>) -> String {
        if self.reason == StatusReason::Invalid && !self.causes.is_empty() {
            let prefix = format!("The {} \"{}\" is invalid: ", self.kind, self.name);
            if self.causes.len() == 1 {
                return format!("{prefix}{}", self.causes[0]);
            }
            let mut s = prefix;
            for c in &self.causes {
                s.push_str(&format!("\n* {c}"));
            }
            return s;
        }
        self.listed_message(source)
    }

    /// How kubectl prints this error among several (`MultipleErrors`, which
    /// takes `StandardErrorMessage` for every API error, Invalid ones too):
    /// `Error from server (Invalid): error when creating "f.yaml": ConfigMap
    /// "x" is invalid: …`.
    pub fn listed_message(&self, source: Option<(&str, &str)>) -> String {
        let message = match source {
            Some((verb, file)) => format!("error when {verb} \"{file}\": {}", self.message),
            None => self.message.clone(),
        };
        match self.reason.name() {
            "" => format!("Error from server: {message}"),
            reason => format!("Error from server ({reason}): {message}"),
        }
    }
}

impl fmt::Display for StatusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_errors_print_like_apimachinery() {
        assert_eq!(
            FieldError::required("spec.selector", "").to_string(),
            "spec.selector: Required value"
        );
        assert_eq!(
            FieldError::not_supported(
                "spec.strategy.type",
                quote("Foo"),
                &["Recreate", "RollingUpdate"]
            )
            .to_string(),
            "spec.strategy.type: Unsupported value: \"Foo\": supported values: \"Recreate\", \"RollingUpdate\""
        );
        assert_eq!(
            FieldError::invalid("spec.replicas", "-1", "must be greater than or equal to 0")
                .to_string(),
            "spec.replicas: Invalid value: -1: must be greater than or equal to 0"
        );
    }

    #[test]
    fn kubectl_prints_invalid_errors_as_a_list() {
        let one = StatusError::invalid(
            "Deployment.apps",
            "web",
            vec![FieldError::required("spec.selector", "")],
        );
        assert_eq!(
            one.message,
            "Deployment.apps \"web\" is invalid: spec.selector: Required value"
        );
        assert_eq!(
            one.kubectl_message(None),
            "The Deployment \"web\" is invalid: spec.selector: Required value"
        );
        let two = StatusError::invalid(
            "Deployment.apps",
            "web",
            vec![
                FieldError::required("spec.selector", ""),
                FieldError::required("spec.template.spec.containers", ""),
            ],
        );
        assert_eq!(
            two.kubectl_message(None),
            "The Deployment \"web\" is invalid: \n* spec.selector: Required value\n* spec.template.spec.containers: Required value"
        );
        assert_eq!(
            StatusError::not_found("pods", "x").kubectl_message(None),
            "Error from server (NotFound): pods \"x\" not found"
        );
    }
}
