//! `kubectl explain`: field documentation rendered with kubectl's
//! `explain/v2/templates/plaintext.tmpl` layout.
//!
//! The documentation itself comes from an [`ExplainSource`].
// TODO: implement `ExplainSource` over `api::schema` (field types) and
// `api::explain` (descriptions) once the generated schema lands on this
// branch, and make it the default in `run`; until then `explain` reports
// that the documentation is not available.

use crate::api::registry::ResourceId;
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
}

/// Where field documentation comes from.
pub trait ExplainSource {
    /// Explains `path` (field names, may be empty) of `resource`. `Err`
    /// carries the name of the field that does not exist, or `None` when
    /// there is no documentation for the kind.
    fn explain(&self, resource: ResourceId, path: &[&str])
    -> Result<ExplainedType, Option<String>>;
}

/// The source used until the generated documentation lands.
struct Unavailable;

impl ExplainSource for Unavailable {
    fn explain(
        &self,
        _resource: ResourceId,
        _path: &[&str],
    ) -> Result<ExplainedType, Option<String>> {
        Err(None)
    }
}

/// sprig's `wrap` (goutils `WrapCustom`, long words kept whole; byte based,
/// and existing newlines are not treated specially).
pub fn wrap(s: &str, width: usize) -> String {
    if s.is_empty() {
        return String::new();
    }
    let b = s.as_bytes();
    let len = b.len();
    let mut offset = 0;
    let mut out = String::new();
    while len - offset > width {
        if b[offset] == b' ' {
            offset += 1;
            continue;
        }
        let end = (width + offset + 1).min(len);
        let window = &s.as_bytes()[offset..end];
        match window.iter().rposition(|c| *c == b' ') {
            Some(i) => {
                let at = offset + i;
                out.push_str(&String::from_utf8_lossy(&b[offset..at]));
                out.push('\n');
                offset = at + 1;
            }
            None => {
                let from = width + offset;
                match b[from..].iter().position(|c| *c == b' ') {
                    None => {
                        out.push_str(&String::from_utf8_lossy(&b[offset..]));
                        offset = len;
                    }
                    Some(i) => {
                        let at = from + i;
                        out.push_str(&String::from_utf8_lossy(&b[offset..at]));
                        out.push('\n');
                        offset = at + 1;
                    }
                }
            }
        }
    }
    out.push_str(&String::from_utf8_lossy(&b[offset..]));
    out
}

/// sprig's `indent`: every line, including an empty last one, gets the pad.
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

/// `--recursive`: field names and types only, nested fields indented.
fn render_recursive(
    source: &dyn ExplainSource,
    resource: ResourceId,
    path: &mut Vec<String>,
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
        // Primitive types have no fields; stop at a depth that covers every
        // real schema and guards against cycles.
        if level < 12 {
            path.push(f.name.clone());
            let p: Vec<&str> = path.iter().map(String::as_str).collect();
            if let Ok(sub) = source.explain(resource, &p) {
                render_recursive(source, resource, path, &sub.fields, level + 1, out);
            }
            path.pop();
        }
    }
}

/// `kubectl explain`, with an explicit documentation source.
pub(crate) fn run_with(ctx: &mut Ctx, p: &Parsed, source: &dyn ExplainSource) -> Result<(), Fail> {
    let Some(arg) = p.args.first() else {
        return Err(Fail::usage(
            "kubectl explain",
            "You must specify the type of resource to explain. Use \"kubectl api-resources\" for a complete list of supported resources.\n",
        ));
    };
    if p.args.len() > 1 {
        return Err(Fail::usage(
            "kubectl explain",
            "We accept only this format: explain RESOURCE\n",
        ));
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
                    render_recursive(source, rid, &mut p, &e.fields, 1, &mut out);
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
            "field documentation for {} is not available in this build of Kubeplay yet",
            rid.get().kind
        ))),
    }
}

/// `kubectl explain`.
pub(crate) fn run(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    run_with(ctx, p, &Unavailable)
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
                },
                ExplainField {
                    name: "spec".into(),
                    type_name: "PodSpec".into(),
                    required: true,
                    description: String::new(),
                },
            ],
        };
        assert_eq!(
            render(crate::cluster::res("Pod"), &e),
            "KIND:       Pod\nVERSION:    v1\n\nDESCRIPTION:\n    Pod is a collection of containers.\n    \nFIELDS:\n  apiVersion\t<string>\n    APIVersion defines the versioned schema.\n\n  spec\t<PodSpec> -required-\n    <no description>\n\n\n"
        );
    }
}
