//! Field descriptions for `kubectl explain`, generated with the field schema
//! from the same API definitions (`explain.txt` beside this file: the same
//! types in the same order as `schema.txt`).

use std::borrow::Cow;
use std::sync::OnceLock;

use crate::api::registry::ResourceId;
use crate::api::schema::{TypeIndex, schema};

/// The descriptions, compiled in (`embedded-explain`, the default) or, for
/// the browser bundle, provided at run time by [`provide_explain_text`] so
/// that ~117 KB of gzipped text load only when someone asks for them.
#[cfg(feature = "embedded-explain")]
fn explain_text() -> Option<&'static str> {
    Some(include_str!("explain.txt"))
}

#[cfg(not(feature = "embedded-explain"))]
fn explain_text() -> Option<&'static str> {
    PROVIDED.get().copied()
}

#[cfg(not(feature = "embedded-explain"))]
static PROVIDED: OnceLock<&'static str> = OnceLock::new();

/// Supplies `explain.txt` when it is not compiled in (the web app fetches
/// it). Later calls are ignored.
pub fn provide_explain_text(text: String) {
    #[cfg(not(feature = "embedded-explain"))]
    {
        let _ = PROVIDED.set(Box::leak(text.into_boxed_str()));
    }
    #[cfg(feature = "embedded-explain")]
    drop(text);
}

/// True once field descriptions are available.
pub fn explain_available() -> bool {
    explain_text().is_some()
}

/// The descriptions of one type and of its fields (escaped as in the file).
struct TypeDocs {
    name: &'static str,
    description: &'static str,
    /// Sorted by field name, as the file lists them.
    fields: Vec<(&'static str, &'static str)>,
}

fn docs() -> &'static [TypeDocs] {
    static DOCS: OnceLock<Vec<TypeDocs>> = OnceLock::new();
    let Some(text) = explain_text() else {
        return &[];
    };
    DOCS.get_or_init(|| {
        let mut types: Vec<TypeDocs> = Vec::new();
        for line in text.lines() {
            if line.is_empty() || line.starts_with(['#', '@', '%']) {
                continue;
            }
            if let Some(field) = line.strip_prefix('.') {
                let (name, text) = field.split_once('\t').unwrap_or((field, ""));
                if let Some(t) = types.last_mut() {
                    t.fields.push((name, text));
                }
            } else {
                let (name, text) = line.split_once('\t').unwrap_or((line, ""));
                types.push(TypeDocs {
                    name,
                    description: text,
                    fields: Vec::new(),
                });
            }
        }
        types
    })
}

fn unescape(text: &'static str) -> Cow<'static, str> {
    if !text.contains('\\') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    Cow::Owned(out)
}

fn type_docs(index: TypeIndex) -> Option<&'static TypeDocs> {
    let docs = docs().get(index.0 as usize)?;
    // The files are generated together; a mismatch means a stale file.
    (docs.name == schema().get(index).name).then_some(docs)
}

/// The description of a named primitive type (`Quantity`, `IntOrString`,
/// `Time`, `MicroTime`, `JSON`, `FieldsV1`, `RawExtension`).
pub fn primitive_doc(name: &str) -> Option<Cow<'static, str>> {
    explain_text()?
        .lines()
        .rev()
        .map_while(|line| line.strip_prefix('%'))
        .find_map(|line| {
            let (n, text) = line.split_once('\t')?;
            (n == name).then(|| unescape(text))
        })
}

/// The description of an object type.
pub fn type_doc(index: TypeIndex) -> Option<Cow<'static, str>> {
    type_docs(index).map(|d| unescape(d.description))
}

/// The description of a field of an object type.
pub fn field_doc(index: TypeIndex, field: &str) -> Option<Cow<'static, str>> {
    let docs = type_docs(index)?;
    let i = docs
        .fields
        .binary_search_by(|(name, _)| (*name).cmp(field))
        .ok()?;
    Some(unescape(docs.fields[i].1))
}

/// The description of the field at a dotted path of a kind
/// (`describe_field(deployment, "spec.replicas")`); list indices are allowed
/// and ignored (`spec.template.spec.containers[0].image`).
pub fn describe_field(resource: ResourceId, path: &str) -> Option<Cow<'static, str>> {
    let (owner, field) = schema().lookup(resource, path)?;
    field_doc(owner, field.name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::registry::by_kind;

    #[test]
    fn explain_data_lines_up_with_the_schema() {
        assert_eq!(docs().len(), schema().types.len());
        for (i, t) in schema().types.iter().enumerate() {
            let d = &docs()[i];
            assert_eq!(d.name, t.name);
            for (name, _) in &d.fields {
                assert!(t.field(name).is_some(), "{}.{name}", t.name);
            }
        }
    }

    #[test]
    fn fields_are_described() {
        let deployment = by_kind("Deployment").unwrap();
        assert_eq!(
            describe_field(deployment, "spec.replicas").as_deref(),
            Some(
                "Number of desired pods. This is a pointer to distinguish between explicit zero and not specified. Defaults to 1."
            )
        );
        let image = describe_field(deployment, "spec.template.spec.containers[0].image").unwrap();
        assert!(image.starts_with("Container image name."), "{image}");
        assert!(describe_field(deployment, "spec.replica").is_none());
        let root = schema().root(deployment);
        assert!(
            type_doc(root)
                .unwrap()
                .starts_with("Deployment enables declarative updates")
        );
        // Multi-line descriptions come back with their newlines.
        let policy = describe_field(
            by_kind("ValidatingWebhookConfiguration").unwrap(),
            "webhooks.matchPolicy",
        )
        .unwrap();
        assert!(policy.contains(".\n\n- Exact:"), "{policy}");
        assert!(!policy.contains("\\n"));
    }
}
