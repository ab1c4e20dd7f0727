//! Strict decoding of a manifest's node tree against the field schema, as
//! kube-apiserver does it: kubectl sends the manifest as JSON with sorted
//! keys, and the server unmarshals it with sigs.k8s.io/json (a fork of Go's
//! `encoding/json`) into the typed object.
//!
//! Go's decoder has three kinds of errors, and the server reports them in
//! this order of precedence:
//! 1. an error returned by a type's own `UnmarshalJSON` (a quantity, a time,
//!    an IntOrString) stops decoding at once and is the only one reported;
//! 2. otherwise the first type mismatch or bad base64 value ("saved" errors);
//! 3. otherwise every unknown field (up to 100, deduplicated), reported
//!    together as `strict decoding error: unknown field "a", unknown field "b"`.

use crate::sort::CompactSort;
use std::rc::Rc;

use super::golang::{self, TimeLayout};
use super::{DecodeError, DecodeErrorKind, FieldType, Schema, SchemaUnion, TypeIndex, schema};
use crate::api::registry::ResourceId;
use crate::quantity::Quantity;
use crate::value::{Map, Value};
use crate::yaml::{Mark, Node, NodeValue};

/// Nesting deeper than this is refused (the YAML loader already stops at
/// 100; this guards nodes built some other way).
const MAX_DEPTH: usize = 1000;
/// sigs.k8s.io/json keeps at most this many strict errors.
const MAX_STRICT_ERRORS: usize = 100;

/// Decodes a manifest's root node as an object of `resource`, strictly:
/// unknown fields and wrongly typed or malformed values are errors.
///
/// On success the value is what the API server would store: quantities in
/// canonical form (`0.5` → `500m`), times in UTC, base64 data re-encoded,
/// numbers of integer fields as integers, explicit `null` fields dropped
/// (except inside free-form JSON); every real field is kept.
///
/// The errors are those the API server reports, in its precedence: one
/// error from a value's own decoder (a quantity, a time), else the first
/// type mismatch or bad base64 value, else every unknown field. Use
/// [`status_message`] for the server's text and [`diagnose`] for all
/// problems at once.
pub fn decode(root: &Node, resource: ResourceId) -> Result<Value, Vec<DecodeError>> {
    let schema = schema();
    let mut decoder = Decoder::new(schema, true, String::new());
    let value = decoder.value(root, &FieldType::Object(schema.root(resource)), None, 0);
    let errors = decoder.reported();
    if errors.is_empty() {
        Ok(value.unwrap_or_else(Value::object))
    } else {
        Err(errors)
    }
}

/// The object with the fields the schema does not know dropped, as the
/// server decodes it under `fieldValidation=Ignore` or `Warn`.
pub fn decode_lenient(root: &Node, resource: ResourceId) -> Value {
    let schema = schema();
    let mut decoder = Decoder::new(schema, true, String::new());
    decoder
        .value(root, &FieldType::Object(schema.root(resource)), None, 0)
        .unwrap_or_else(Value::object)
}

/// Every problem in a manifest, in the order the server's decoder meets them
/// (keys sorted, as kubectl sends them); for editors that mark them all.
pub fn diagnose(root: &Node, resource: ResourceId) -> Vec<DecodeError> {
    let schema = schema();
    let mut decoder = Decoder::new(schema, true, String::new());
    decoder.value(root, &FieldType::Object(schema.root(resource)), None, 0);
    decoder.all
}

/// The text the API server puts after `Deployment in version "v1" cannot be
/// handled as a Deployment: ` for the errors [`decode`] returned.
pub fn status_message(errors: &[DecodeError]) -> String {
    let strict = errors.iter().all(|e| {
        matches!(
            e.kind,
            DecodeErrorKind::UnknownField | DecodeErrorKind::DuplicateField
        )
    });
    let items: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
    if strict && !errors.is_empty() {
        format!("strict decoding error: {}", items.join(", "))
    } else {
        items.first().copied().unwrap_or_default().to_string()
    }
}

struct Decoder {
    schema: &'static Schema,
    /// Whether unknown fields are errors (false inside the nested, lenient
    /// decodes some `UnmarshalJSON` methods run).
    strict: bool,
    /// The field path with list indices and map keys, as strict errors print it.
    path: String,
    /// Go's error context: the JSON names (and embedded struct names) down to
    /// the current field, without indices or map keys.
    go_fields: Vec<&'static str>,
    /// Go's error context: the struct the current field belongs to.
    go_struct: Option<&'static str>,
    fatal: Option<DecodeError>,
    saved: Option<DecodeError>,
    strict_errors: Vec<DecodeError>,
    all: Vec<DecodeError>,
}

impl Decoder {
    fn new(schema: &'static Schema, strict: bool, path: String) -> Decoder {
        Decoder {
            schema,
            strict,
            path,
            go_fields: Vec::new(),
            go_struct: None,
            fatal: None,
            saved: None,
            strict_errors: Vec::new(),
            all: Vec::new(),
        }
    }

    /// The errors the server reports, by Go's precedence.
    fn reported(self) -> Vec<DecodeError> {
        if let Some(e) = self.fatal.or(self.saved) {
            return vec![e];
        }
        self.strict_errors
    }

    fn error(&self, kind: DecodeErrorKind, message: String, mark: Mark) -> DecodeError {
        DecodeError {
            kind,
            message,
            path: self.path.clone(),
            mark,
        }
    }

    /// An error from a type's own `UnmarshalJSON`: decoding stops there.
    fn fail(&mut self, kind: DecodeErrorKind, message: String, mark: Mark) {
        let e = self.error(kind, message, mark);
        if self.fatal.is_none() {
            self.fatal = Some(e.clone());
        }
        self.all.push(e);
    }

    /// An error Go saves and reports at the end unless a worse one comes.
    fn save(&mut self, kind: DecodeErrorKind, message: String, mark: Mark) {
        let e = self.error(kind, message, mark);
        if self.saved.is_none() {
            self.saved = Some(e.clone());
        }
        self.all.push(e);
    }

    /// Go's `UnmarshalTypeError` with the current error context.
    fn type_error(&mut self, json: &str, go_type: &str, mark: Mark) {
        let message = match self.go_struct {
            Some(st) => format!(
                "json: cannot unmarshal {json} into Go struct field {st}.{} of type {go_type}",
                self.go_fields.join(".")
            ),
            None if !self.go_fields.is_empty() => format!(
                "json: cannot unmarshal {json} into Go struct field .{} of type {go_type}",
                self.go_fields.join(".")
            ),
            None => format!("json: cannot unmarshal {json} into Go value of type {go_type}"),
        };
        self.save(DecodeErrorKind::Type, message, mark);
    }

    fn unknown_field(&mut self, key: &str, mark: Mark) {
        let path = if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        };
        let e = DecodeError {
            kind: DecodeErrorKind::UnknownField,
            message: format!("unknown field {}", golang::quote(&path)),
            path,
            mark,
        };
        if self.strict_errors.len() < MAX_STRICT_ERRORS
            && !self.strict_errors.iter().any(|s| s.message == e.message)
        {
            self.strict_errors.push(e.clone());
        }
        self.all.push(e);
    }

    fn push_key(&mut self, key: &str) -> usize {
        let len = self.path.len();
        if !self.path.is_empty() {
            self.path.push('.');
        }
        self.path.push_str(key);
        len
    }

    fn push_index(&mut self, i: usize) -> usize {
        let len = self.path.len();
        self.path.push('[');
        self.path.push_str(&i.to_string());
        self.path.push(']');
        len
    }

    fn go_type(&self, ty: &FieldType, go_override: Option<&'static str>) -> String {
        match go_override {
            Some(g) => g.to_string(),
            None => ty.go_type(self.schema),
        }
    }

    /// Decodes one value of type `ty`; `None` when it is absent (`null`) or
    /// did not decode. `go_override` is the field's named Go type, if any.
    fn value(
        &mut self,
        node: &Node,
        ty: &FieldType,
        go_override: Option<&'static str>,
        depth: usize,
    ) -> Option<Value> {
        if depth > MAX_DEPTH {
            self.fail(
                DecodeErrorKind::Value,
                "exceeded max depth".to_string(),
                node.mark,
            );
            return None;
        }
        if node.value == NodeValue::Null {
            // Go leaves the field unset; it is not stored.
            return None;
        }
        let mark = node.mark;
        match ty {
            FieldType::String => match &node.value {
                NodeValue::String(s) => Some(Value::str(s)),
                _ => self.mismatch(node, ty, go_override),
            },
            FieldType::Int32 | FieldType::Int64 => {
                let text = match &node.value {
                    NodeValue::Int(i) => i.to_string(),
                    NodeValue::Float(f) => golang::json_float(*f),
                    _ => return self.mismatch(node, ty, go_override),
                };
                let bits32 = *ty == FieldType::Int32;
                match text.parse::<i64>() {
                    Ok(i) if !bits32 || i32::try_from(i).is_ok() => Some(Value::Int(i)),
                    _ => {
                        let go = self.go_type(ty, go_override);
                        self.type_error(&format!("number {text}"), &go, mark);
                        None
                    }
                }
            }
            FieldType::Float64 => match &node.value {
                NodeValue::Int(i) => Some(Value::Int(*i)),
                NodeValue::Float(f) => Some(Value::Float(*f)),
                _ => self.mismatch(node, ty, go_override),
            },
            FieldType::Bool => match &node.value {
                NodeValue::Bool(b) => Some(Value::Bool(*b)),
                _ => self.mismatch(node, ty, go_override),
            },
            FieldType::Quantity => {
                // Quantity.UnmarshalJSON parses the raw JSON text, quotes
                // stripped, so numbers are accepted too.
                let text = match &node.value {
                    NodeValue::String(s) => s.clone(),
                    NodeValue::Int(i) => i.to_string(),
                    NodeValue::Float(f) => golang::json_float(*f),
                    NodeValue::Bool(b) => b.to_string(),
                    _ => crate::yaml::to_json_compact(&free_form(node, depth)),
                };
                match Quantity::parse(text.trim()) {
                    Ok(q) => Some(Value::String(Rc::from(q.to_string()))),
                    Err(message) => {
                        self.fail(DecodeErrorKind::Value, message.to_string(), mark);
                        None
                    }
                }
            }
            FieldType::IntOrString => {
                // IntOrString.UnmarshalJSON: a string, else json.Unmarshal
                // into an int32 (a fresh decode: no field context).
                let json = match &node.value {
                    NodeValue::String(s) => return Some(Value::str(s)),
                    NodeValue::Int(i) if i32::try_from(*i).is_ok() => {
                        return Some(Value::Int(*i));
                    }
                    NodeValue::Int(i) => format!("number {i}"),
                    NodeValue::Float(f) => {
                        let text = golang::json_float(*f);
                        match text.parse::<i32>() {
                            Ok(i) => return Some(Value::Int(i64::from(i))),
                            Err(_) => format!("number {text}"),
                        }
                    }
                    _ => node.type_name().to_string(),
                };
                self.fail(
                    DecodeErrorKind::Type,
                    format!("json: cannot unmarshal {json} into Go value of type int32"),
                    mark,
                );
                None
            }
            FieldType::Time | FieldType::MicroTime => {
                let layout = if *ty == FieldType::Time {
                    TimeLayout::Rfc3339
                } else {
                    TimeLayout::Rfc3339Micro
                };
                // metav1.Time.UnmarshalJSON: json.Unmarshal into a string,
                // then time.Parse.
                let NodeValue::String(s) = &node.value else {
                    self.fail(
                        DecodeErrorKind::Type,
                        format!(
                            "json: cannot unmarshal {} into Go value of type string",
                            node.type_name()
                        ),
                        mark,
                    );
                    return None;
                };
                match golang::parse_time(s, layout) {
                    // The zero time is printed as null, so not stored.
                    Ok(t) if t.is_zero() => None,
                    Ok(t) => Some(Value::String(Rc::from(t.format(layout)))),
                    Err(message) => {
                        self.fail(DecodeErrorKind::Value, message, mark);
                        None
                    }
                }
            }
            FieldType::Bytes => self.bytes(node, go_override, depth),
            FieldType::Json(_) => Some(free_form(node, depth)),
            FieldType::Object(t) => self.object(node, *t, go_override, depth),
            FieldType::SchemaUnion(union, t) => self.schema_union(node, *union, *t, depth),
            FieldType::List(inner) => {
                let NodeValue::Seq(items) = &node.value else {
                    return self.mismatch(node, ty, go_override);
                };
                let elem_override = go_override.and_then(|g| g.strip_prefix("[]"));
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    let len = self.push_index(i);
                    out.push(self.element(item, inner, elem_override, depth + 1));
                    self.path.truncate(len);
                }
                Some(Value::array(out))
            }
            FieldType::Map(inner) => {
                let NodeValue::Map(entries) = &node.value else {
                    return self.mismatch(node, ty, go_override);
                };
                let elem_override = go_override.and_then(|g| g.strip_prefix("map[string]"));
                let mut out = Map::new();
                for (key, _, child) in sorted(entries) {
                    let len = self.push_key(key);
                    let v = self.element(child, inner, elem_override, depth + 1);
                    self.path.truncate(len);
                    out.insert(Rc::from(key.as_str()), v);
                }
                Some(Value::Object(Rc::new(out)))
            }
        }
    }

    /// A list item or map value: `null` becomes the element type's zero value.
    fn element(
        &mut self,
        node: &Node,
        ty: &FieldType,
        go_override: Option<&'static str>,
        depth: usize,
    ) -> Value {
        if node.value == NodeValue::Null {
            return zero(ty);
        }
        self.value(node, ty, go_override, depth)
            .unwrap_or_else(|| zero(ty))
    }

    /// A value of the wrong JSON type for `ty`.
    fn mismatch(
        &mut self,
        node: &Node,
        ty: &FieldType,
        go_override: Option<&'static str>,
    ) -> Option<Value> {
        let go = self.go_type(ty, go_override);
        self.type_error(node.type_name(), &go, node.mark);
        None
    }

    fn object(
        &mut self,
        node: &Node,
        t: TypeIndex,
        go_override: Option<&'static str>,
        depth: usize,
    ) -> Option<Value> {
        let NodeValue::Map(entries) = &node.value else {
            return self.mismatch(node, &FieldType::Object(t), go_override);
        };
        let schema = self.schema;
        let ty = schema.get(t);
        let outer_struct = self.go_struct;
        let outer_fields = self.go_fields.len();
        let mut out = Map::new();
        for (key, key_mark, child) in sorted(entries) {
            let Some(field) = ty.field(key) else {
                if self.strict {
                    self.unknown_field(key, *key_mark);
                }
                continue;
            };
            if let Some(embedded) = field.embedded {
                self.go_fields.push(embedded);
            }
            self.go_fields.push(field.name);
            self.go_struct = Some(ty.name);
            let len = self.push_key(key);
            if let Some(v) = self.value(child, &field.ty, field.go_type, depth + 1) {
                out.insert(Rc::from(field.name), v);
            }
            self.path.truncate(len);
            self.go_fields.truncate(outer_fields);
            self.go_struct = outer_struct;
        }
        Some(Value::Object(Rc::new(out)))
    }

    /// `[]byte`: a base64 string, or (as Go allows) an array of byte values.
    fn bytes(
        &mut self,
        node: &Node,
        go_override: Option<&'static str>,
        depth: usize,
    ) -> Option<Value> {
        let mark = node.mark;
        match &node.value {
            NodeValue::String(s) => match golang::base64_decode(s.as_bytes()) {
                Ok(data) => Some(Value::String(Rc::from(golang::base64_encode(&data)))),
                Err(at) => {
                    self.save(
                        DecodeErrorKind::Value,
                        format!("illegal base64 data at input byte {at}"),
                        mark,
                    );
                    None
                }
            },
            NodeValue::Seq(items) => {
                let mut data = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    let len = self.push_index(i);
                    let json = match &item.value {
                        NodeValue::Null => {
                            data.push(0);
                            None
                        }
                        NodeValue::Int(v) => match u8::try_from(*v) {
                            Ok(b) => {
                                data.push(b);
                                None
                            }
                            Err(_) => Some(format!("number {v}")),
                        },
                        NodeValue::Float(f) => {
                            let text = golang::json_float(*f);
                            match text.parse::<u8>() {
                                Ok(b) => {
                                    data.push(b);
                                    None
                                }
                                Err(_) => Some(format!("number {text}")),
                            }
                        }
                        _ => Some(item.type_name().to_string()),
                    };
                    if let Some(json) = json {
                        self.type_error(&json, "uint8", item.mark);
                    }
                    self.path.truncate(len);
                    if depth > MAX_DEPTH {
                        break;
                    }
                }
                Some(Value::String(Rc::from(golang::base64_encode(&data))))
            }
            _ => self.mismatch(node, &FieldType::Bytes, go_override),
        }
    }

    /// The JSONSchemaProps unions: their `UnmarshalJSON` decodes schemas
    /// with a fresh, lenient `json.Unmarshal`, whose error ends decoding.
    fn schema_union(
        &mut self,
        node: &Node,
        union: SchemaUnion,
        t: TypeIndex,
        depth: usize,
    ) -> Option<Value> {
        let props = FieldType::Object(t);
        match (&node.value, union) {
            (NodeValue::Map(_), _) => self.nested(node, &props, depth),
            (NodeValue::Bool(b), SchemaUnion::OrBool) => Some(Value::Bool(*b)),
            (_, SchemaUnion::OrBool) => {
                self.fail(
                    DecodeErrorKind::Type,
                    "boolean or JSON schema expected".to_string(),
                    node.mark,
                );
                None
            }
            (NodeValue::Seq(items), SchemaUnion::OrArray) if !items.is_empty() => {
                self.nested(node, &FieldType::List(Box::new(props)), depth)
            }
            (NodeValue::Seq(items), SchemaUnion::OrStringArray) if !items.is_empty() => {
                self.nested(node, &FieldType::List(Box::new(FieldType::String)), depth)
            }
            // Anything else leaves the union empty, which prints as null.
            _ => None,
        }
    }

    fn nested(&mut self, node: &Node, ty: &FieldType, depth: usize) -> Option<Value> {
        let mut inner = Decoder::new(self.schema, false, self.path.clone());
        let value = inner.value(node, ty, None, depth + 1);
        self.all.append(&mut inner.all);
        if let Some(e) = inner.fatal.or(inner.saved) {
            if self.fatal.is_none() {
                self.fatal = Some(e);
            }
            return None;
        }
        value
    }
}

/// Map entries in the order kubectl's JSON has them: sorted by key.
fn sorted(entries: &[(String, Mark, Node)]) -> Vec<&(String, Mark, Node)> {
    let mut refs: Vec<_> = entries.iter().collect();
    refs.compact_sort_by(|a, b| a.0.cmp(&b.0));
    refs
}

/// The value Go stores for a `null` list item or map value.
fn zero(ty: &FieldType) -> Value {
    match ty {
        FieldType::String => Value::str(""),
        FieldType::Int32 | FieldType::Int64 | FieldType::Float64 | FieldType::IntOrString => {
            Value::Int(0)
        }
        FieldType::Bool => Value::Bool(false),
        FieldType::Quantity => Value::str("0"),
        FieldType::Object(_) => Value::object(),
        FieldType::Time
        | FieldType::MicroTime
        | FieldType::Bytes
        | FieldType::Json(_)
        | FieldType::SchemaUnion(..)
        | FieldType::List(_)
        | FieldType::Map(_) => Value::Null,
    }
}

/// Free-form JSON, kept as given (nulls included), depth-limited.
fn free_form(node: &Node, depth: usize) -> Value {
    if depth > MAX_DEPTH {
        return Value::Null;
    }
    match &node.value {
        NodeValue::Null => Value::Null,
        NodeValue::Bool(b) => Value::Bool(*b),
        NodeValue::Int(i) => Value::Int(*i),
        NodeValue::Float(f) => Value::Float(*f),
        NodeValue::String(s) => Value::str(s),
        NodeValue::Seq(items) => {
            Value::array(items.iter().map(|n| free_form(n, depth + 1)).collect())
        }
        NodeValue::Map(entries) => Value::Object(Rc::new(
            entries
                .iter()
                .map(|(k, _, v)| (Rc::from(k.as_str()), free_form(v, depth + 1)))
                .collect(),
        )),
    }
}
