//! `kubectl explain`: field documentation rendered with kubectl's
//! `explain/v2/templates/plaintext.tmpl` layout and its template functions
//! (`wrap` is go-wordwrap's `WrapString`, `indent` pads every line).
//!
//! The documentation comes from an [`ExplainSource`]; the default one reads
//! the generated field schema (`api::schema`) and descriptions
//! (`api::explain`), following what the template does with the OpenAPI v3
//! document a real API server serves.

use crate::api::explain::{explain_available, field_doc, type_doc};
use crate::api::registry::ResourceId;
use crate::api::schema::{FieldType, JsonKind, SchemaUnion, TypeIndex, schema};
use crate::kubectl::flags::Parsed;
use crate::kubectl::resources;
use crate::kubectl::{Ctx, Fail};

/// One field of an explained type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExplainField {
    /// The JSON field name.
    pub name: String,
    /// kubectl's type guess: `string`, `integer`, `[]Container`,
    /// `map[string]string`, `ObjectMeta`, `Object`, …
    pub type_name: String,
    /// Whether the schema lists it as required.
    pub required: bool,
    /// Its description (may be empty).
    pub description: String,
    /// Which object type it holds (through lists and maps), if any: the
    /// `$ref` that `--recursive` does not follow again below itself.
    pub object: Option<u32>,
}

/// What `explain` prints about a kind or a field of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExplainedType {
    /// The field explained and its type guess, when a path was given.
    pub field: Option<(String, String)>,
    /// The description of the kind or field.
    pub description: String,
    /// The fields of the type, sorted by name.
    pub fields: Vec<ExplainField>,
    /// Which object type the explained field holds, if a field was explained.
    pub object: Option<u32>,
}

/// Where field documentation comes from.
pub trait ExplainSource {
    /// Explains `path` (field names, may be empty) of `resource`. `Err`
    /// carries the name of the field that does not exist, or `None` when
    /// there is no documentation for the kind.
    fn explain(&self, resource: ResourceId, path: &[&str])
    -> Result<ExplainedType, Option<String>>;
}

/// The generated field schema and descriptions.
pub struct SchemaSource;

/// The object type a field holds, through lists and maps.
fn object_of(ty: &FieldType) -> Option<TypeIndex> {
    match ty {
        FieldType::Object(t) | FieldType::SchemaUnion(_, t) => Some(*t),
        FieldType::List(inner) | FieldType::Map(inner) => object_of(inner),
        _ => None,
    }
}

/// The template's `typeGuess`: `items` give `[]…`, `additionalProperties`
/// `map[string]…`, a `$ref` to an object (or to a schema without a type,
/// like Quantity's `oneOf`) its last name segment, primitives their OpenAPI
/// type.
fn type_guess(ty: &FieldType) -> String {
    match ty {
        FieldType::String | FieldType::Time | FieldType::MicroTime | FieldType::Bytes => {
            "string".into()
        }
        FieldType::Int32 | FieldType::Int64 => "integer".into(),
        FieldType::Float64 => "number".into(),
        FieldType::Bool => "boolean".into(),
        FieldType::Quantity => "Quantity".into(),
        FieldType::IntOrString => "IntOrString".into(),
        FieldType::Json(JsonKind::Json) => "JSON".into(),
        FieldType::Json(JsonKind::RawExtension) => "RawExtension".into(),
        FieldType::Json(JsonKind::FieldsV1) => "FieldsV1".into(),
        FieldType::Object(t) => schema().get(*t).name.to_string(),
        FieldType::SchemaUnion(u, _) => match u {
            SchemaUnion::OrBool => "JSONSchemaPropsOrBool".into(),
            SchemaUnion::OrArray => "JSONSchemaPropsOrArray".into(),
            SchemaUnion::OrStringArray => "JSONSchemaPropsOrStringArray".into(),
        },
        FieldType::List(inner) => format!("[]{}", type_guess(inner)),
        FieldType::Map(inner) => format!("map[string]{}", type_guess(inner)),
    }
}

/// The description of the definition a field's schema refers to (through
/// `items`/`additionalProperties`), which the template's `description`
/// prints after the field's own.
fn referenced_doc(ty: &FieldType) -> Option<String> {
    match ty {
        FieldType::Object(t) | FieldType::SchemaUnion(_, t) => type_doc(*t).map(|d| d.into_owned()),
        FieldType::List(inner) | FieldType::Map(inner) => referenced_doc(inner),
        FieldType::Quantity => primitive("Quantity"),
        FieldType::IntOrString => primitive("IntOrString"),
        FieldType::Time => primitive("Time"),
        FieldType::MicroTime => primitive("MicroTime"),
        FieldType::Json(JsonKind::Json) => primitive("JSON"),
        FieldType::Json(JsonKind::RawExtension) => primitive("RawExtension"),
        FieldType::Json(JsonKind::FieldsV1) => primitive("FieldsV1"),
        _ => None,
    }
}

/// A named primitive type's description, from `explain.txt`.
fn primitive(name: &str) -> Option<String> {
    crate::api::explain::primitive_doc(name).map(|d| d.into_owned())
}

fn fields_of(t: TypeIndex) -> Vec<ExplainField> {
    schema()
        .get(t)
        .fields
        .iter()
        .map(|f| ExplainField {
            name: f.name.to_string(),
            type_name: type_guess(&f.ty),
            required: f.required,
            description: field_doc(t, f.name)
                .map(|d| d.into_owned())
                .unwrap_or_default(),
            object: object_of(&f.ty).map(|t| u32::from(t.0)),
        })
        .collect()
}

impl ExplainSource for SchemaSource {
    fn explain(
        &self,
        resource: ResourceId,
        path: &[&str],
    ) -> Result<ExplainedType, Option<String>> {
        if !explain_available() {
            return Err(None);
        }
        let root = schema().root(resource);
        let Some(last) = path.last() else {
            return Ok(ExplainedType {
                field: None,
                description: type_doc(root).map(|d| d.into_owned()).unwrap_or_default(),
                fields: fields_of(root),
                object: None,
            });
        };
        // The template names the last path element whichever one is missing.
        let missing = || Some(last.to_string());
        let mut owner = root;
        let mut found = None;
        for (i, segment) in path.iter().enumerate() {
            let field = schema().get(owner).field(segment).ok_or_else(missing)?;
            if i + 1 < path.len() {
                owner = object_of(&field.ty).ok_or_else(missing)?;
            }
            found = Some(field);
        }
        let field = found.ok_or_else(missing)?;
        let description = [
            field_doc(owner, field.name).map(|d| d.into_owned()),
            referenced_doc(&field.ty),
        ]
        .into_iter()
        .flatten()
        .filter(|d| !d.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
        Ok(ExplainedType {
            field: Some((field.name.to_string(), type_guess(&field.ty))),
            description,
            fields: object_of(&field.ty).map(fields_of).unwrap_or_default(),
            object: object_of(&field.ty).map(|t| u32::from(t.0)),
        })
    }
}

/// kubectl's template `wrap`: go-wordwrap's `WrapString` (breaks at
/// whitespace, keeps existing line breaks, counts runes, never splits a word
/// longer than the limit).
pub fn wrap(s: &str, lim: usize) -> String {
    const NBSP: char = '\u{a0}';
    let mut buf = String::with_capacity(s.len() + 16);
    let mut current = 0usize;
    let mut word = String::new();
    let mut space = String::new();
    let (mut word_len, mut space_len) = (0usize, 0usize);
    for c in s.chars() {
        if c == '\n' {
            if word.is_empty() {
                if current + space_len <= lim {
                    buf.push_str(&space);
                }
            } else {
                buf.push_str(&space);
                buf.push_str(&word);
                word.clear();
                word_len = 0;
            }
            space.clear();
            space_len = 0;
            buf.push(c);
            current = 0;
        } else if c.is_whitespace() && c != NBSP {
            if space.is_empty() || !word.is_empty() {
                current += space_len + word_len;
                buf.push_str(&space);
                buf.push_str(&word);
                space.clear();
                space_len = 0;
                word.clear();
                word_len = 0;
            }
            space.push(c);
            space_len += 1;
        } else {
            word.push(c);
            word_len += 1;
            if current + space_len + word_len > lim && word_len < lim {
                buf.push('\n');
                current = 0;
                space.clear();
                space_len = 0;
            }
        }
    }
    if word.is_empty() {
        if current + space_len <= lim {
            buf.push_str(&space);
        }
    } else {
        buf.push_str(&space);
        buf.push_str(&word);
    }
    buf
}

/// kubectl's template `indent`: every line, including an empty last one,
/// gets the pad.
pub fn indent(s: &str, n: usize) -> String {
    let pad = " ".repeat(n);
    format!("{pad}{}", s.replace('\n', &format!("\n{pad}")))
}

/// Renders the plaintext template.
pub fn render(resource: ResourceId, e: &ExplainedType) -> String {
    let rt = resource.get();
    let mut out = String::new();
    if !rt.group.is_empty() {
        out.push_str(&format!("GROUP:      {}\n", rt.group));
    }
    out.push_str(&format!("KIND:       {}\n", rt.kind));
    out.push_str(&format!("VERSION:    {}\n", rt.version));
    out.push('\n');
    if let Some((name, ty)) = &e.field {
        out.push_str(&format!("FIELD: {name} <{ty}>\n\n\n"));
    }
    out.push_str("DESCRIPTION:\n");
    let desc = if e.description.is_empty() {
        "<empty>".to_string()
    } else {
        format!("{}\n", e.description)
    };
    out.push_str(&indent(&wrap(&desc, 76), 4));
    out.push('\n');
    if !e.fields.is_empty() {
        out.push_str("FIELDS:\n");
        for f in &e.fields {
            out.push_str(&format!("  {}\t<{}>", f.name, f.type_name));
            if f.required {
                out.push_str(" -required-");
            }
            out.push('\n');
            let d = if f.description.is_empty() {
                "<no description>"
            } else {
                &f.description
            };
            out.push_str(&indent(&wrap(d, 76), 4));
            out.push_str("\n\n");
        }
    }
    out.push('\n');
    out
}

/// `--recursive`: field names and types only, nested fields indented; a
/// type is not expanded again inside itself (the template's `history`).
fn render_recursive(
    source: &dyn ExplainSource,
    resource: ResourceId,
    path: &mut Vec<String>,
    ancestors: &mut Vec<u32>,
    fields: &[ExplainField],
    level: usize,
    out: &mut String,
) {
    for f in fields {
        out.push_str(&format!(
            "{}{}\t<{}>",
            "  ".repeat(level),
            f.name,
            f.type_name
        ));
        if f.required {
            out.push_str(" -required-");
        }
        out.push('\n');
        let Some(object) = f.object else { continue };
        if ancestors.contains(&object) {
            continue;
        }
        path.push(f.name.clone());
        let p: Vec<&str> = path.iter().map(String::as_str).collect();
        if let Ok(sub) = source.explain(resource, &p) {
            ancestors.push(object);
            render_recursive(
                source,
                resource,
                path,
                ancestors,
                &sub.fields,
                level + 1,
                out,
            );
            ancestors.pop();
        }
        path.pop();
    }
}

/// `kubectl explain`, with an explicit documentation source.
pub(crate) fn run_with(ctx: &mut Ctx, p: &Parsed, source: &dyn ExplainSource) -> Result<(), Fail> {
    // Plain errors (not usage errors), so no "See 'kubectl explain -h'" line.
    let Some(arg) = p.args.first() else {
        return Err(Fail::error(
            "You must specify the type of resource to explain. Use \"kubectl api-resources\" for a complete list of supported resources.",
        ));
    };
    if p.args.len() > 1 {
        return Err(Fail::error("We accept only this format: explain RESOURCE"));
    }
    match p.str_or_empty("output") {
        "" | "plaintext" => {}
        "plaintext-openapiv2" => {
            return Err(Fail::error(
                "the plaintext-openapiv2 output format is not supported in Kubeplay",
            ));
        }
        other => {
            return Err(Fail::error(format!(
                "unsupported output format: {other}; supported formats: plaintext, plaintext-openapiv2"
            )));
        }
    }
    let mut parts = arg.split('.');
    let resource_name = parts.next().unwrap_or("");
    let rid = resources::lookup_type(resource_name)?;
    let path: Vec<&str> = parts.collect();
    match source.explain(rid, &path) {
        Ok(e) => {
            if p.bool("recursive") {
                let rt = rid.get();
                let mut out = String::new();
                if !rt.group.is_empty() {
                    out.push_str(&format!("GROUP:      {}\n", rt.group));
                }
                out.push_str(&format!("KIND:       {}\n", rt.kind));
                out.push_str(&format!("VERSION:    {}\n\n", rt.version));
                if let Some((name, ty)) = &e.field {
                    out.push_str(&format!("FIELD: {name} <{ty}>\n\n\n"));
                }
                out.push_str("DESCRIPTION:\n");
                let desc = if e.description.is_empty() {
                    "<empty>".to_string()
                } else {
                    format!("{}\n", e.description)
                };
                out.push_str(&indent(&wrap(&desc, 76), 4));
                out.push('\n');
                if !e.fields.is_empty() {
                    out.push_str("FIELDS:\n");
                    let mut p: Vec<String> = path.iter().map(|s| s.to_string()).collect();
                    let mut ancestors: Vec<u32> = e.object.into_iter().collect();
                    render_recursive(source, rid, &mut p, &mut ancestors, &e.fields, 1, &mut out);
                }
                out.push('\n');
                ctx.out.out(&out);
            } else {
                ctx.out.out(&render(rid, &e));
            }
            Ok(())
        }
        Err(Some(field)) => Err(Fail::error(format!("field \"{field}\" does not exist"))),
        Err(None) => Err(Fail::error(format!(
            "field documentation for {} is not loaded yet",
            rid.get().kind
        ))),
    }
}

/// `kubectl explain`.
pub(crate) fn run(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    run_with(ctx, p, &SchemaSource)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_and_indent_follow_sprig() {
        let text = "Number of desired pods. This is a pointer to distinguish between explicit zero and not specified. Defaults to 1.";
        assert_eq!(
            wrap(text, 76),
            "Number of desired pods. This is a pointer to distinguish between explicit\nzero and not specified. Defaults to 1."
        );
        assert_eq!(indent("a\nb\n", 4), "    a\n    b\n    ");
        assert_eq!(wrap("short", 76), "short");
        // go-wordwrap keeps line breaks and restarts the count after them.
        assert_eq!(
            wrap("one two\nthree four five", 10),
            "one two\nthree four\nfive"
        );
        // A trailing line break stays; runes count once.
        assert_eq!(wrap("ééé ééé\n", 5), "ééé\nééé\n");
        assert_eq!(
            wrap("averyveryverylongword tail", 5),
            "averyveryverylongword\ntail"
        );
    }

    #[test]
    fn renders_kubectl_layout() {
        let rid = crate::cluster::res("Deployment");
        let e = ExplainedType {
            field: Some(("replicas".into(), "integer".into())),
            description: "Number of desired pods.".into(),
            fields: vec![],
            object: None,
        };
        assert_eq!(
            render(rid, &e),
            "GROUP:      apps\nKIND:       Deployment\nVERSION:    v1\n\nFIELD: replicas <integer>\n\n\nDESCRIPTION:\n    Number of desired pods.\n    \n\n"
        );
        let e = ExplainedType {
            field: None,
            description: "Pod is a collection of containers.".into(),
            fields: vec![
                ExplainField {
                    name: "apiVersion".into(),
                    type_name: "string".into(),
                    required: false,
                    description: "APIVersion defines the versioned schema.".into(),
                    object: None,
                },
                ExplainField {
                    name: "spec".into(),
                    type_name: "PodSpec".into(),
                    required: true,
                    description: String::new(),
                    object: Some(1),
                },
            ],
            object: None,
        };
        assert_eq!(
            render(crate::cluster::res("Pod"), &e),
            "KIND:       Pod\nVERSION:    v1\n\nDESCRIPTION:\n    Pod is a collection of containers.\n    \nFIELDS:\n  apiVersion\t<string>\n    APIVersion defines the versioned schema.\n\n  spec\t<PodSpec> -required-\n    <no description>\n\n\n"
        );
    }
}
