//! The field schema of the served kinds, generated from the real API
//! definitions (k8s-openapi, see `crates/schema-gen`), and strict decoding
//! of manifests against it the way kube-apiserver decodes a request with
//! `fieldValidation=Strict`.
//!
//! The schema lives in `schema.txt` beside this file (format documented in
//! `crates/schema-gen/src/lib.rs`); it is parsed once, on first use.

mod decode;
pub mod golang;

use crate::scheduler::util::{FxMap, fx_map};
use std::rc::Rc;
use std::sync::OnceLock;

use crate::api::registry::{RESOURCES, ResourceId};
use crate::yaml::Mark;

pub use decode::{decode, decode_lenient, diagnose, status_message};

/// The generated schema text.
const SCHEMA_TEXT: &str = include_str!("schema.txt");

/// What kind of decoding problem a [`DecodeError`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeErrorKind {
    /// A field the kind does not have (`unknown field "spec.replica"`).
    UnknownField,
    /// A field given twice (`duplicate field "spec.replicas"`). The YAML
    /// loader already refuses duplicate keys, so [`decode`] never reports it.
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
    /// The field path, with list indices and map keys (`spec.containers[0].image`).
    pub path: String,
    /// Where in the source.
    pub mark: Mark,
}

/// The type of a field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldType {
    /// A string.
    String,
    /// A 32-bit integer.
    Int32,
    /// A 64-bit integer.
    Int64,
    /// A double.
    Float64,
    /// A boolean.
    Bool,
    /// A resource quantity (`500m`, `1Gi`), stored in canonical form.
    Quantity,
    /// An integer or a string (`intstr.IntOrString`).
    IntOrString,
    /// An RFC 3339 time (`metav1.Time`).
    Time,
    /// An RFC 3339 time with microseconds (`metav1.MicroTime`).
    MicroTime,
    /// Base64-encoded bytes (`[]byte`).
    Bytes,
    /// Free-form JSON, kept as given.
    Json(JsonKind),
    /// An object of another type.
    Object(TypeIndex),
    /// One of the JSONSchemaProps unions of CustomResourceDefinitions.
    SchemaUnion(SchemaUnion, TypeIndex),
    /// A list.
    List(Box<FieldType>),
    /// A map from strings.
    Map(Box<FieldType>),
}

/// Which Go type carries free-form JSON (it shows in type errors).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonKind {
    /// apiextensions `v1.JSON` (CRD defaults, examples, enums).
    Json,
    /// `runtime.RawExtension` (ControllerRevision data).
    RawExtension,
    /// `v1.FieldsV1` (managedFields).
    FieldsV1,
}

/// The JSONSchemaProps unions, each decoded by its own `UnmarshalJSON`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SchemaUnion {
    /// A schema or a boolean.
    OrBool,
    /// A schema or a list of schemas.
    OrArray,
    /// A schema or a list of strings.
    OrStringArray,
}

/// An index into [`Schema::types`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TypeIndex(pub u16);

/// One field of an object type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// The JSON name.
    pub name: &'static str,
    /// Its type.
    pub ty: FieldType,
    /// Whether the API requires it.
    pub required: bool,
    /// The embedded Go struct it is promoted from (`ProbeHandler`), if any.
    pub embedded: Option<&'static str>,
    /// The Go type error messages print when it is a named type
    /// (`v1.ResourceList`); `None` when it follows from [`Field::ty`].
    pub go_type: Option<&'static str>,
}

/// An object type (a Go struct).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectType {
    /// The Go type name (`DeploymentSpec`).
    pub name: &'static str,
    /// The package of its definition (`api.apps.v1`).
    pub package: &'static str,
    /// Its fields, sorted by JSON name.
    pub fields: Vec<Field>,
}

impl ObjectType {
    /// The field with this JSON name.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields
            .binary_search_by(|f| f.name.cmp(name))
            .ok()
            .map(|i| &self.fields[i])
    }

    /// The qualified Go type name as `reflect` prints it (`v1.DeploymentSpec`).
    pub fn go_name(&self) -> String {
        let package = self.package.rsplit('.').next().unwrap_or(self.package);
        format!("{package}.{}", self.name)
    }

    /// The OpenAPI definition name (`io.k8s.api.apps.v1.DeploymentSpec`).
    pub fn definition(&self) -> String {
        format!("io.k8s.{}.{}", self.package, self.name)
    }
}

/// The parsed field schema.
#[derive(Debug)]
pub struct Schema {
    /// Every object type, in file order.
    pub types: Vec<ObjectType>,
    /// The root type of each entry of [`RESOURCES`], by [`ResourceId`].
    roots: Vec<TypeIndex>,
}

impl Schema {
    /// The object type at `index`.
    pub fn get(&self, index: TypeIndex) -> &ObjectType {
        &self.types[index.0 as usize]
    }

    /// The root type of a served kind.
    pub fn root(&self, resource: ResourceId) -> TypeIndex {
        self.roots[resource.0 as usize]
    }

    /// Follows a dotted field path (`spec.template.spec.containers.image`,
    /// list indices optional) from the root of `resource`; returns the object
    /// type that owns the last field, and that field.
    pub fn lookup(&self, resource: ResourceId, path: &str) -> Option<(TypeIndex, &Field)> {
        let mut owner = self.root(resource);
        let mut found = None;
        for segment in path.split('.') {
            let name = segment.split('[').next().unwrap_or(segment);
            if name.is_empty() {
                return None;
            }
            if let Some((_, field)) = found {
                owner = object_of(field)?;
            }
            let field = self.get(owner).field(name)?;
            found = Some((owner, field));
        }
        found
    }
}

/// The object type a field holds, through lists and maps.
fn object_of(field: &Field) -> Option<TypeIndex> {
    let mut ty = &field.ty;
    loop {
        match ty {
            FieldType::Object(t) | FieldType::SchemaUnion(_, t) => return Some(*t),
            FieldType::List(inner) | FieldType::Map(inner) => ty = inner,
            _ => return None,
        }
    }
}

/// The schema, parsed on first use.
pub fn schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| parse(SCHEMA_TEXT).unwrap_or_else(|e| panic!("schema.txt: {e}")))
}

/// Parses the schema text (see the format in `crates/schema-gen`).
fn parse(text: &'static str) -> Result<Schema, String> {
    // First pass: type names, so that references can point forward.
    let mut headers: Vec<(&'static str, &'static str, &'static str)> = Vec::new();
    let mut package = "";
    for line in text.lines() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(p) = line.strip_prefix('@') {
            package = p;
            continue;
        }
        let (name, fields) = line.split_once(' ').unwrap_or((line, ""));
        headers.push((package, name, fields));
    }
    // Both maps are the scheduler's `FxMap<Rc<str>, u32>` type, so they
    // link no hash table code of their own; `AMBIGUOUS` marks a bare name
    // two packages share.
    const AMBIGUOUS: u32 = u32::MAX;
    let mut ids: FxMap<Rc<str>, u32> = fx_map();
    let mut bare: FxMap<Rc<str>, u32> = fx_map();
    for (i, (package, name, _)) in headers.iter().enumerate() {
        let index = u32::from(u16::try_from(i).map_err(|_| "too many types")?);
        ids.insert(format!("{package}.{name}").into(), index);
        bare.entry(Rc::from(*name))
            .and_modify(|e| *e = AMBIGUOUS)
            .or_insert(index);
    }
    let resolve = |id: &str| -> Result<TypeIndex, String> {
        match bare.get(id).or_else(|| ids.get(id)) {
            Some(&AMBIGUOUS) => Err(format!("ambiguous type reference {id}")),
            Some(&i) => Ok(TypeIndex(i as u16)),
            None => Err(format!("unknown type {id}")),
        }
    };
    let mut types = Vec::with_capacity(headers.len());
    for (package, name, field_text) in &headers {
        let mut fields = Vec::new();
        for spec in field_text.split(' ').filter(|s| !s.is_empty()) {
            let (head, rest) = spec
                .split_once(':')
                .ok_or_else(|| format!("{name}: field without type: {spec}"))?;
            let (ty_text, go_type) = match rest.split_once(':') {
                Some((t, g)) => (t, Some(g)),
                None => (rest, None),
            };
            let (head, embedded) = match head.split_once('^') {
                Some((h, e)) => (h, Some(e)),
                None => (head, None),
            };
            let (field_name, required) = match head.strip_suffix('!') {
                Some(h) => (h, true),
                None => (head, false),
            };
            fields.push(Field {
                name: field_name,
                ty: parse_type(ty_text, &resolve)
                    .map_err(|e| format!("{name}.{field_name}: {e}"))?,
                required,
                embedded,
                go_type,
            });
        }
        if !fields.windows(2).all(|w| w[0].name < w[1].name) {
            return Err(format!("{name}: fields are not sorted"));
        }
        types.push(ObjectType {
            name,
            package,
            fields,
        });
    }
    let roots = RESOURCES
        .iter()
        .map(|r| {
            let rest = r
                .schema
                .strip_prefix("io.k8s.")
                .ok_or_else(|| format!("odd schema name {}", r.schema))?;
            ids.get(rest)
                .map(|&i| TypeIndex(i as u16))
                .ok_or_else(|| format!("no type for {}", r.schema))
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(Schema { types, roots })
}

fn parse_type(
    text: &str,
    resolve: &dyn Fn(&str) -> Result<TypeIndex, String>,
) -> Result<FieldType, String> {
    if let Some(inner) = text.strip_prefix('[') {
        return Ok(FieldType::List(Box::new(parse_type(inner, resolve)?)));
    }
    if let Some(inner) = text.strip_prefix('{') {
        return Ok(FieldType::Map(Box::new(parse_type(inner, resolve)?)));
    }
    Ok(match text {
        "s" => FieldType::String,
        "i" => FieldType::Int32,
        "l" => FieldType::Int64,
        "f" => FieldType::Float64,
        "b" => FieldType::Bool,
        "q" => FieldType::Quantity,
        "n" => FieldType::IntOrString,
        "t" => FieldType::Time,
        "u" => FieldType::MicroTime,
        "y" => FieldType::Bytes,
        "j" => FieldType::Json(JsonKind::Json),
        "r" => FieldType::Json(JsonKind::RawExtension),
        "m" => FieldType::Json(JsonKind::FieldsV1),
        _ => match text.split_once('|') {
            Some((id, union)) => {
                let union = match union {
                    "b" => SchemaUnion::OrBool,
                    "a" => SchemaUnion::OrArray,
                    "s" => SchemaUnion::OrStringArray,
                    other => return Err(format!("unknown union {other}")),
                };
                FieldType::SchemaUnion(union, resolve(id)?)
            }
            // Scalar codes are one letter; anything longer names a type.
            None if text.len() > 1 => FieldType::Object(resolve(text)?),
            None => return Err(format!("unknown type {text}")),
        },
    })
}

impl FieldType {
    /// The Go type as `reflect.Type.String()` prints it in decoding errors
    /// (`int32`, `[]v1.Container`, `map[string]string`).
    pub fn go_type(&self, schema: &Schema) -> String {
        match self {
            FieldType::String => "string".into(),
            FieldType::Int32 => "int32".into(),
            FieldType::Int64 => "int64".into(),
            FieldType::Float64 => "float64".into(),
            FieldType::Bool => "bool".into(),
            FieldType::Quantity => "resource.Quantity".into(),
            FieldType::IntOrString => "intstr.IntOrString".into(),
            FieldType::Time => "v1.Time".into(),
            FieldType::MicroTime => "v1.MicroTime".into(),
            FieldType::Bytes => "[]uint8".into(),
            FieldType::Json(JsonKind::Json) => "v1.JSON".into(),
            FieldType::Json(JsonKind::RawExtension) => "runtime.RawExtension".into(),
            FieldType::Json(JsonKind::FieldsV1) => "v1.FieldsV1".into(),
            FieldType::Object(t) => schema.get(*t).go_name(),
            FieldType::SchemaUnion(u, _) => match u {
                SchemaUnion::OrBool => "v1.JSONSchemaPropsOrBool".into(),
                SchemaUnion::OrArray => "v1.JSONSchemaPropsOrArray".into(),
                SchemaUnion::OrStringArray => "v1.JSONSchemaPropsOrStringArray".into(),
            },
            FieldType::List(inner) => format!("[]{}", inner.go_type(schema)),
            FieldType::Map(inner) => format!("map[string]{}", inner.go_type(schema)),
        }
    }
}

#[cfg(test)]
mod tests;
