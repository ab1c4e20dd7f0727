//! YAML and JSON in and out.
//!
//! Loading keeps every node's line and column so that errors point at the
//! source, resolves scalars the way kubectl's YAML library (go-yaml v2, YAML
//! 1.1 rules) does, and refuses hostile input: documents over 3 MiB, nesting
//! deeper than [`MAX_DEPTH`], alias expansion past [`MAX_NODES`], control
//! characters and invalid UTF-8. Printing follows kubectl: `-o yaml` as
//! go-yaml v2 writes it and `-o json` as Go's `json.MarshalIndent` does.

use std::fmt::Write as _;
use std::rc::Rc;

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

use crate::value::{Map, Value};

/// kube-apiserver's request body limit (3 MiB), applied to each document.
pub const MAX_DOCUMENT_BYTES: usize = 3 * 1024 * 1024;
/// The largest input accepted at once.
pub const MAX_INPUT_BYTES: usize = 32 * 1024 * 1024;
/// The deepest nesting accepted; real manifests stay far below it.
pub const MAX_DEPTH: usize = 100;
/// The most nodes one input may expand to, aliases included.
pub const MAX_NODES: usize = 2_000_000;

/// A position in the source: 1-based line and column.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Mark {
    /// The line, from 1.
    pub line: u32,
    /// The column, from 1.
    pub column: u32,
}

impl Mark {
    fn from_span(span: &Span) -> Mark {
        Mark {
            line: span.start.line() as u32,
            column: span.start.col() as u32 + 1,
        }
    }
}

/// A loaded YAML node with its position.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// What the node holds.
    pub value: NodeValue,
    /// Where it starts.
    pub mark: Mark,
}

/// The content of a node.
#[derive(Clone, Debug, PartialEq)]
pub enum NodeValue {
    /// `null`, `~` or nothing.
    Null,
    /// A YAML 1.1 boolean (`true`, `yes`, `on`, …).
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// A string, with whether it was quoted or a block scalar.
    String(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in source order, with each key's position.
    Map(Vec<(String, Mark, Node)>),
}

impl Node {
    /// The member `key` of a mapping node.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            NodeValue::Map(entries) => entries.iter().find(|(k, _, _)| k == key).map(|e| &e.2),
            _ => None,
        }
    }

    /// Where the field at a path like `spec.containers[0].image` is
    /// written: the deepest node of the path that exists (its key's mark
    /// for map members).
    pub fn mark_of_path(&self, path: &str) -> Mark {
        let mut node = self;
        let mut mark = self.mark;
        for segment in path_segments(path) {
            let next = match (&node.value, segment) {
                (NodeValue::Map(entries), PathSegment::Key(k)) => entries
                    .iter()
                    .find(|(name, _, _)| name == k)
                    .map(|(_, m, v)| (*m, v)),
                (NodeValue::Map(entries), PathSegment::Index(i)) => {
                    // A map member named by a bracketed key (`labels[app]`).
                    let k = i.to_string();
                    entries
                        .iter()
                        .find(|(name, _, _)| *name == k)
                        .map(|(_, m, v)| (*m, v))
                }
                (NodeValue::Seq(items), PathSegment::Index(i)) => items.get(i).map(|v| (v.mark, v)),
                _ => None,
            };
            match next {
                Some((m, v)) => {
                    mark = m;
                    node = v;
                }
                None => break,
            }
        }
        mark
    }

    /// The string, if this node is one.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            NodeValue::String(s) => Some(s),
            _ => None,
        }
    }

    /// Converts to a plain value, dropping positions.
    pub fn to_value(&self) -> Value {
        match &self.value {
            NodeValue::Null => Value::Null,
            NodeValue::Bool(b) => Value::Bool(*b),
            NodeValue::Int(i) => Value::Int(*i),
            NodeValue::Float(f) => Value::Float(*f),
            NodeValue::String(s) => Value::str(s),
            NodeValue::Seq(items) => Value::array(items.iter().map(Node::to_value).collect()),
            NodeValue::Map(entries) => Value::Object(Rc::new(
                entries
                    .iter()
                    .map(|(k, _, v)| (Rc::from(k.as_str()), v.to_value()))
                    .fold(Map::new(), |mut m, (k, v)| {
                        m.insert(k, v);
                        m
                    }),
            )),
        }
    }

    /// The JSON type name of this node, as Go's decoder names it.
    pub fn type_name(&self) -> &'static str {
        match &self.value {
            NodeValue::Null => "null",
            NodeValue::Bool(_) => "bool",
            NodeValue::Int(_) | NodeValue::Float(_) => "number",
            NodeValue::String(_) => "string",
            NodeValue::Seq(_) => "array",
            NodeValue::Map(_) => "object",
        }
    }
}

/// One step of a field path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathSegment<'a> {
    /// A map key.
    Key(&'a str),
    /// A list index.
    Index(usize),
}

/// Splits `spec.containers[0].image` into its steps (`metadata.labels[a.b/c]`
/// keeps a bracketed key whole).
pub fn path_segments(path: &str) -> Vec<PathSegment<'_>> {
    let mut out = Vec::new();
    let mut rest = path;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']').unwrap_or(r.len());
            let inner = &r[..end];
            out.push(match inner.parse() {
                Ok(i) => PathSegment::Index(i),
                Err(_) => PathSegment::Key(inner),
            });
            rest = r.get(end + 1..).unwrap_or("");
            rest = rest.strip_prefix('.').unwrap_or(rest);
            continue;
        }
        let end = rest.find(['.', '[']).unwrap_or(rest.len());
        out.push(PathSegment::Key(&rest[..end]));
        rest = &rest[end..];
        rest = rest.strip_prefix('.').unwrap_or(rest);
    }
    out
}

/// One document of a stream.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    /// Its position in the stream, from 1.
    pub index: usize,
    /// The line its chunk starts at (after its `---`).
    pub start_line: u32,
    /// Its root node.
    pub root: Node,
}

/// Why an input could not be loaded, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError {
    /// What is wrong.
    pub message: String,
    /// The document it is in, from 1.
    pub document: usize,
    /// The line the document's chunk starts at (after its `---`).
    pub document_start_line: u32,
    /// Where in the source.
    pub mark: Mark,
}

impl LoadError {
    /// The line counted from the start of the document, as kubectl reports it.
    pub fn document_line(&self) -> u32 {
        self.mark.line.saturating_sub(self.document_start_line) + 1
    }
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "yaml: line {}, column {}: {}",
            self.mark.line, self.mark.column, self.message
        )
    }
}

/// Loads raw bytes: refuses invalid UTF-8 with the position of the first bad byte.
pub fn load_bytes(bytes: &[u8]) -> Result<Vec<Document>, LoadError> {
    match std::str::from_utf8(bytes) {
        Ok(text) => load_str(text),
        Err(e) => {
            let good = &bytes[..e.valid_up_to()];
            let line = good.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
            let column = good.iter().rev().take_while(|&&b| b != b'\n').count() as u32 + 1;
            Err(LoadError {
                message: format!("invalid UTF-8 at byte {}", e.valid_up_to()),
                document: 1,
                document_start_line: 1,
                mark: Mark { line, column },
            })
        }
    }
}

/// Loads every document of a YAML (or JSON) stream. Empty documents are skipped.
pub fn load_str(text: &str) -> Result<Vec<Document>, LoadError> {
    match load_stream(text) {
        (docs, None) => Ok(docs),
        (_, Some(e)) => Err(e),
    }
}

/// Loads documents until the first error, returning those that loaded and
/// the error, as kubectl applies the documents before a broken one.
pub fn load_stream(text: &str) -> (Vec<Document>, Option<LoadError>) {
    let err = |message: String, mark: Mark| {
        (
            Vec::new(),
            Some(LoadError {
                message,
                document: 1,
                document_start_line: 1,
                mark,
            }),
        )
    };
    if text.len() > MAX_INPUT_BYTES {
        return err(
            format!(
                "input is {} bytes, larger than the {} bytes accepted at once",
                text.len(),
                MAX_INPUT_BYTES
            ),
            Mark { line: 1, column: 1 },
        );
    }
    // YAML forbids control characters; go-yaml refuses them with this text.
    let mut line = 1u32;
    let mut column = 1u32;
    for ch in text.chars() {
        if ch == '\n' {
            line += 1;
            column = 1;
            continue;
        }
        let forbidden = (ch.is_control() && ch != '\t' && ch != '\r' && ch != '\u{85}')
            || ch == '\u{FFFE}'
            || ch == '\u{FFFF}';
        if forbidden {
            return err(
                format!(
                    "control characters are not allowed (found U+{:04X})",
                    ch as u32
                ),
                Mark { line, column },
            );
        }
        column += 1;
    }
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let mut apostrophes: Vec<Mark> = Vec::new();
    let mut result = parse_stream(text, &apostrophes);
    // go-yaml (libyaml) does not check the indentation of lines inside a
    // flow collection (`command: [` … `]` closed at the key's column, as
    // in the Kubernetes docs); the YAML 1.2 parser does. Indent such lines
    // a little and parse again, so kubectl's manifests load as in kubectl.
    let mut patched = text.to_string();
    for _ in 0..32 {
        let Some(e) = &result.1 else { break };
        if e.message == UNKNOWN_ESCAPE {
            // go-yaml accepts `\'` in a double-quoted scalar (the docs'
            // envars-file-container.yaml has it); YAML 1.2 does not. Write it
            // as `\0`, which keeps every position, and turn the NULs of that
            // scalar back into apostrophes when it is loaded.
            let Some(next) = escape_apostrophes(&patched, e.mark) else {
                break;
            };
            apostrophes.push(e.mark);
            patched = next;
            result = parse_stream(&patched, &apostrophes);
            continue;
        }
        if e.message != "invalid indentation" {
            break;
        }
        let line = e.mark.line as usize;
        if !inside_flow_collection(&patched, line) {
            break;
        }
        let mut lines: Vec<&str> = patched.split('\n').collect();
        let Some(target) = lines.get(line - 1) else {
            break;
        };
        let indented = format!(" {target}");
        lines[line - 1] = &indented;
        let next = lines.join("\n");
        patched = next;
        result = parse_stream(&patched, &apostrophes);
    }
    // go-yaml's words for saphyr's tab errors, at the tab's line.
    if let Some(e) = &mut result.1 {
        if e.message == "tabs disallowed within this context (block indentation)" {
            e.message = "found character that cannot start any token".into();
        } else if e.message == "while scanning a plain scalar, found a tab" {
            e.message = "found a tab character that violates indentation".into();
            if let Some((offset, column)) = text
                .split('\n')
                .skip(e.mark.line.saturating_sub(1) as usize)
                .enumerate()
                .find_map(|(i, l)| Some((i, l[..l.find('\t')?].chars().count())))
            {
                e.mark.line += offset as u32;
                e.mark.column = column as u32 + 1;
            }
        }
    }
    result
}

/// saphyr's message for an escape YAML 1.2 does not know.
const UNKNOWN_ESCAPE: &str = "while parsing a quoted scalar, found unknown escape character";

/// Rewrites each `\'` of the double-quoted scalar starting at `mark` as
/// `\0`; `None` when it has none (another bad escape: the error stands) or
/// already holds a `\0` (its NULs could not be told apart).
fn escape_apostrophes(text: &str, mark: Mark) -> Option<String> {
    let line_start = if mark.line <= 1 {
        0
    } else {
        text.match_indices('\n').nth(mark.line as usize - 2)?.0 + 1
    };
    let (offset, _) = text[line_start..]
        .char_indices()
        .nth(mark.column.checked_sub(1)? as usize)?;
    let start = line_start + offset;
    let bytes = text.as_bytes();
    if bytes.get(start) != Some(&b'"') {
        return None;
    }
    let mut out = text.as_bytes().to_vec();
    let mut found = false;
    let mut i = start + 1;
    while i < bytes.len() && bytes[i] != b'"' {
        if bytes[i] == b'\\' {
            match bytes.get(i + 1) {
                Some(b'\'') => {
                    out[i + 1] = b'0';
                    found = true;
                }
                Some(b'0') => return None,
                _ => {}
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    // Only ASCII bytes were replaced by ASCII bytes.
    found.then(|| String::from_utf8(out).unwrap_or_default())
}

fn parse_stream(text: &str, apostrophes: &[Mark]) -> (Vec<Document>, Option<LoadError>) {
    let mut loader = Loader {
        parser: Parser::new_from_str(text),
        apostrophes,
        anchors: Vec::new(),
        nodes: 0,
        document: 0,
        start_line: 1,
        text,
        ascii: text.is_ascii(),
    };
    loader.stream()
}

/// Whether line `line` (1-based) starts inside an open `[` or `{`
/// (ignoring quoted text and comments).
fn inside_flow_collection(text: &str, line: usize) -> bool {
    let mut depth = 0i32;
    for l in text.split('\n').take(line.saturating_sub(1)) {
        let mut quote: Option<char> = None;
        let mut prev = ' ';
        for ch in l.chars() {
            match quote {
                Some(q) => {
                    if ch == q && prev != '\\' {
                        quote = None;
                    }
                }
                None => match ch {
                    '#' if prev == ' ' || prev == '\t' => break,
                    '"' | '\'' if depth > 0 || prev == ' ' => quote = Some(ch),
                    '[' | '{' => depth += 1,
                    ']' | '}' => depth -= 1,
                    _ => {}
                },
            }
            prev = ch;
        }
    }
    depth > 0
}

struct Loader<'a> {
    parser: Parser<'a, saphyr_parser::StrInput<'a>>,
    /// Double-quoted scalars whose `\'` were rewritten as `\0`.
    apostrophes: &'a [Mark],
    /// Anchored nodes by the parser's anchor id (numbered from 1): a
    /// vector indexed by id links no hash table code of its own.
    anchors: Vec<Option<Node>>,
    nodes: usize,
    document: usize,
    start_line: u32,
    text: &'a str,
    /// Character offsets equal byte offsets (checked once per input).
    ascii: bool,
}

impl<'a> Loader<'a> {
    fn error(&self, message: impl Into<String>, mark: Mark) -> LoadError {
        LoadError {
            message: message.into(),
            document: self.document.max(1),
            document_start_line: self.start_line.max(1),
            mark,
        }
    }

    fn next(&mut self) -> Result<(Event<'a>, Span), LoadError> {
        match self.parser.next_event() {
            Some(Ok(ev)) => Ok(ev),
            Some(Err(e)) => {
                let mark = Mark {
                    line: e.marker().line() as u32,
                    column: e.marker().col() as u32 + 1,
                };
                let message = if e.info() == "recursion limit exceeded" {
                    format!("exceeded max depth of {MAX_DEPTH} nested collections")
                } else {
                    e.info().to_string()
                };
                Err(self.error(message, mark))
            }
            None => Err(self.error("unexpected end of input", Mark::default())),
        }
    }

    fn stream(&mut self) -> (Vec<Document>, Option<LoadError>) {
        let mut docs = Vec::new();
        loop {
            let (event, span) = match self.next() {
                Ok(ev) => ev,
                Err(e) => return (docs, Some(e)),
            };
            match event {
                Event::StreamStart | Event::DocumentEnd | Event::Nothing => {}
                Event::StreamEnd => break,
                Event::DocumentStart(explicit) => {
                    self.document += 1;
                    self.anchors.clear();
                    // kubectl splits the stream at `---` lines and numbers
                    // lines from the start of each chunk.
                    self.start_line = if explicit {
                        span.start.line() as u32 + 1
                    } else {
                        1.max(self.start_line)
                    };
                    let doc_start_index = span.start.index();
                    match self.document_root(doc_start_index) {
                        Ok(root) if root.value == NodeValue::Null => {}
                        Ok(root) => docs.push(Document {
                            index: self.document,
                            start_line: self.start_line,
                            root,
                        }),
                        Err(e) => return (docs, Some(e)),
                    }
                }
                _ => {
                    let e = self.error(
                        "unexpected content outside a document",
                        Mark::from_span(&span),
                    );
                    return (docs, Some(e));
                }
            }
        }
        (docs, None)
    }

    fn document_root(&mut self, doc_start_index: usize) -> Result<Node, LoadError> {
        let (ev, sp) = self.next()?;
        let root = self.node(ev, sp, 0)?;
        let end = self.parser_position_chars();
        let bytes = if self.ascii {
            end.saturating_sub(doc_start_index)
        } else {
            char_span_bytes(self.text, doc_start_index, end)
        };
        if bytes > MAX_DOCUMENT_BYTES {
            return Err(self.error(
                format!(
                    "document is {bytes} bytes, larger than kube-apiserver's request limit of {MAX_DOCUMENT_BYTES} bytes (3 MiB)"
                ),
                root.mark,
            ));
        }
        Ok(root)
    }

    fn parser_position_chars(&mut self) -> usize {
        match self.parser.peek() {
            Some(Ok((_, span))) => span.start.index(),
            _ => self.text.chars().count(),
        }
    }

    fn count(&mut self, n: usize, mark: Mark) -> Result<(), LoadError> {
        self.nodes += n;
        if self.nodes > MAX_NODES {
            return Err(self.error(
                format!("document contains excessive aliasing (more than {MAX_NODES} nodes)"),
                mark,
            ));
        }
        Ok(())
    }

    fn node(&mut self, event: Event<'a>, span: Span, depth: usize) -> Result<Node, LoadError> {
        let mark = Mark::from_span(&span);
        if depth > MAX_DEPTH {
            return Err(self.error(
                format!("exceeded max depth of {MAX_DEPTH} nested collections"),
                mark,
            ));
        }
        let (node, anchor) = match event {
            Event::Scalar(text, style, anchor, tag) => {
                self.count(1, mark)?;
                let tag = tag.map(|t| format!("{}{}", t.handle, t.suffix));
                let text = if self.apostrophes.contains(&mark) {
                    std::borrow::Cow::Owned(text.replace('\0', "'"))
                } else {
                    text
                };
                let value = resolve_scalar(&text, style, tag.as_deref())
                    .map_err(|msg| self.error(msg, mark))?;
                (Node { value, mark }, anchor)
            }
            Event::Alias(id) => {
                let Some(target) = self.anchors.get(id).and_then(Option::as_ref) else {
                    return Err(self.error("unknown anchor", mark));
                };
                let target = target.clone();
                self.count(node_count(&target), mark)?;
                return Ok(Node {
                    value: target.value,
                    mark,
                });
            }
            Event::SequenceStart(anchor, _) => {
                self.count(1, mark)?;
                let mut items = Vec::new();
                loop {
                    let (ev, sp) = self.next()?;
                    if matches!(ev, Event::SequenceEnd) {
                        break;
                    }
                    items.push(self.node(ev, sp, depth + 1)?);
                }
                (
                    Node {
                        value: NodeValue::Seq(items),
                        mark,
                    },
                    anchor,
                )
            }
            Event::MappingStart(anchor, _) => {
                self.count(1, mark)?;
                let mut entries: Vec<(String, Mark, Node)> = Vec::new();
                let mut merged: Vec<(String, Mark, Node)> = Vec::new();
                loop {
                    let (ev, sp) = self.next()?;
                    if matches!(ev, Event::MappingEnd) {
                        break;
                    }
                    let key_mark = Mark::from_span(&sp);
                    let is_merge =
                        matches!(&ev, Event::Scalar(t, ScalarStyle::Plain, _, None) if t == "<<");
                    let key_node = self.node(ev, sp, depth + 1)?;
                    let (vev, vsp) = self.next()?;
                    let value = self.node(vev, vsp, depth + 1)?;
                    if is_merge {
                        // `<<: *base` merges the base mapping's keys (YAML 1.1).
                        let sources = match value.value {
                            NodeValue::Map(_) => vec![value],
                            NodeValue::Seq(items) => items,
                            _ => {
                                return Err(self.error(
                                    "map merge requires map or sequence of maps as the value",
                                    key_mark,
                                ));
                            }
                        };
                        for source in sources {
                            match source.value {
                                NodeValue::Map(src) => {
                                    for entry in src {
                                        if !merged.iter().any(|(k, _, _)| *k == entry.0) {
                                            merged.push(entry);
                                        }
                                    }
                                }
                                _ => {
                                    return Err(self.error(
                                        "map merge requires map or sequence of maps as the value",
                                        key_mark,
                                    ));
                                }
                            }
                        }
                        continue;
                    }
                    let key = match key_node.value {
                        NodeValue::String(s) => s,
                        NodeValue::Int(i) => i.to_string(),
                        NodeValue::Bool(b) => b.to_string(),
                        NodeValue::Float(f) => format_float(f),
                        NodeValue::Null => "null".to_string(),
                        NodeValue::Seq(_) | NodeValue::Map(_) => {
                            return Err(self.error(
                                "invalid map key: a mapping key must be a scalar",
                                key_mark,
                            ));
                        }
                    };
                    if let Some((_, first, _)) = entries.iter().find(|(k, _, _)| *k == key) {
                        return Err(self.error(
                            format!("mapping key {key:?} already defined at line {}", first.line),
                            key_mark,
                        ));
                    }
                    entries.push((key, key_mark, value));
                }
                for entry in merged {
                    if !entries.iter().any(|(k, _, _)| *k == entry.0) {
                        entries.push(entry);
                    }
                }
                (
                    Node {
                        value: NodeValue::Map(entries),
                        mark,
                    },
                    anchor,
                )
            }
            _ => return Err(self.error("unexpected YAML event", mark)),
        };
        if anchor > 0 {
            if self.anchors.len() <= anchor {
                self.anchors.resize_with(anchor + 1, || None);
            }
            self.anchors[anchor] = Some(node.clone());
        }
        Ok(node)
    }
}

fn node_count(node: &Node) -> usize {
    match &node.value {
        NodeValue::Seq(items) => 1 + items.iter().map(node_count).sum::<usize>(),
        NodeValue::Map(entries) => 1 + entries.iter().map(|e| 1 + node_count(&e.2)).sum::<usize>(),
        _ => 1,
    }
}

/// Bytes between two character offsets of `text`.
fn char_span_bytes(text: &str, start_char: usize, end_char: usize) -> usize {
    text.chars()
        .skip(start_char)
        .take(end_char.saturating_sub(start_char))
        .map(char::len_utf8)
        .sum()
}

/// Resolves a scalar's type as go-yaml v2 does (YAML 1.1 booleans, octal,
/// hex, base-2 ints, `.inf`; timestamps stay strings).
fn resolve_scalar(text: &str, style: ScalarStyle, tag: Option<&str>) -> Result<NodeValue, String> {
    let tag = tag.map(|t| {
        t.strip_prefix("tag:yaml.org,2002:")
            .map_or(t.to_string(), |s| format!("!!{s}"))
    });
    match tag.as_deref() {
        Some("!!str") | Some("!!binary") => return Ok(NodeValue::String(text.to_string())),
        Some("!!null") => return Ok(NodeValue::Null),
        Some("!!bool") => {
            return match resolve_plain(text) {
                NodeValue::Bool(b) => Ok(NodeValue::Bool(b)),
                _ => Err(format!("cannot decode !!str `{text}` as a !!bool")),
            };
        }
        Some("!!int") => {
            return match resolve_plain(text) {
                NodeValue::Int(i) => Ok(NodeValue::Int(i)),
                _ => Err(format!("cannot decode !!str `{text}` as a !!int")),
            };
        }
        Some("!!float") => {
            return match resolve_plain(text) {
                NodeValue::Int(i) => Ok(NodeValue::Float(i as f64)),
                NodeValue::Float(f) => Ok(NodeValue::Float(f)),
                _ => Err(format!("cannot decode !!str `{text}` as a !!float")),
            };
        }
        _ => {}
    }
    if style != ScalarStyle::Plain {
        return Ok(NodeValue::String(text.to_string()));
    }
    match resolve_plain(text) {
        NodeValue::Float(f) if !f.is_finite() => Err(format!(
            "json: unsupported value: {text} (infinite or NaN numbers cannot be represented in JSON)"
        )),
        v => Ok(v),
    }
}

fn resolve_plain(text: &str) -> NodeValue {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return NodeValue::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return NodeValue::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return NodeValue::Bool(false);
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return NodeValue::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return NodeValue::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return NodeValue::Float(f64::NAN),
        _ => {}
    }
    let first = text.as_bytes()[0];
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return NodeValue::String(text.to_string());
    }
    let plain: String = text.chars().filter(|&c| c != '_').collect();
    let (negative, digits) = match plain.as_bytes().first() {
        Some(b'-') => (true, &plain[1..]),
        Some(b'+') => (false, &plain[1..]),
        _ => (false, &plain[..]),
    };
    let int = if let Some(hex) = digits.strip_prefix("0x") {
        i64::from_str_radix(hex, 16).ok()
    } else if let Some(bin) = digits.strip_prefix("0b") {
        i64::from_str_radix(bin, 2).ok()
    } else if digits.len() > 1
        && digits.starts_with('0')
        && digits.bytes().all(|b| b.is_ascii_digit())
    {
        i64::from_str_radix(&digits[1..], 8).ok()
    } else if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        // Too large for an int: go-yaml falls back to a float (below).
        digits.parse::<i64>().ok()
    } else {
        None
    };
    if let Some(i) = int {
        return NodeValue::Int(if negative { -i } else { i });
    }
    if is_yaml_float(&plain)
        && let Some(f) = crate::num::parse_f64(&plain)
    {
        return NodeValue::Float(f);
    }
    NodeValue::String(text.to_string())
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && matches!(b[i], b'-' | b'+') {
        i += 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = i - int_start;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let frac_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if int_digits == 0 && i == frac_start {
            return false;
        }
    } else if int_digits == 0 {
        return false;
    }
    if i < b.len() && matches!(b[i], b'e' | b'E') {
        i += 1;
        if i < b.len() && matches!(b[i], b'-' | b'+') {
            i += 1;
        }
        let exp_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == exp_start {
            return false;
        }
    }
    i == b.len()
}

/// Formats a float as Go's `strconv.FormatFloat(f, 'g'-like, -1, 64)` does in JSON.
pub fn format_float(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e21 {
        return format!("{}", f as i128);
    }
    let abs = f.abs();
    if (1e-6..1e21).contains(&abs) {
        format!("{f}")
    } else {
        let s = format!("{f:e}");
        // Go writes `1e+21` and `1e-07`.
        match s.split_once('e') {
            Some((m, e)) => {
                let (sign, digits) = match e.strip_prefix('-') {
                    Some(d) => ('-', d),
                    None => ('+', e),
                };
                format!("{m}e{sign}{digits:0>2}")
            }
            None => s,
        }
    }
}

// ---------------------------------------------------------------- JSON out

/// Compact JSON with sorted keys, as Go's `json.Marshal` writes it.
pub fn to_json_compact(value: &Value) -> String {
    let mut out = String::new();
    write_json(&mut out, value, None, 0, None);
    out
}

/// Indented JSON (four spaces) as `kubectl get -o json` prints it, with a final newline.
pub fn to_json_pretty(value: &Value) -> String {
    let mut out = String::new();
    write_json(&mut out, value, Some(4), 0, None);
    out.push('\n');
    out
}

/// The members of the object under a key (`""` for the top), in the order
/// a Go struct declares its fields.
pub type FieldOrder<'a> = &'a dyn Fn(&str) -> &'static [&'static str];

/// [`to_json_pretty`] for a typed Go object, which `json.MarshalIndent`
/// writes in field order: the members `order` names for the key an object
/// is under come first, in that order, then the others sorted.
pub fn to_json_pretty_in_order(value: &Value, order: FieldOrder) -> String {
    let mut out = String::new();
    write_json(&mut out, value, Some(4), 0, Some((order, "")));
    out.push('\n');
    out
}

/// JSON with `indent` spaces a level (none: on one line), members in the
/// order `order` gives and then sorted, without a final newline.
pub fn to_json_in_order(value: &Value, indent: Option<usize>, order: FieldOrder) -> String {
    let mut out = String::new();
    write_json(&mut out, value, indent, 0, Some((order, "")));
    out
}

fn write_json(
    out: &mut String,
    value: &Value,
    indent: Option<usize>,
    level: usize,
    order: Option<(FieldOrder, &str)>,
) {
    let newline = |out: &mut String, level: usize| {
        if let Some(n) = indent {
            out.push('\n');
            for _ in 0..n * level {
                out.push(' ');
            }
        }
    };
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => out.push_str(&format_float(*f)),
        Value::String(s) => write_json_string(out, s),
        Value::Array(items) => {
            if items.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, level + 1);
                write_json(out, item, indent, level + 1, order);
            }
            newline(out, level);
            out.push(']');
        }
        Value::Object(map) => {
            if map.is_empty() {
                out.push_str("{}");
                return;
            }
            out.push('{');
            let listed: &[&str] = order.map_or(&[], |(f, key)| f(key));
            let members = listed
                .iter()
                .filter_map(|k| map.get(*k).map(|v| (*k, v)))
                .chain(
                    map.iter()
                        .map(|(k, v)| (&**k, v))
                        .filter(|(k, _)| !listed.contains(k)),
                );
            for (i, (k, v)) in members.enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, level + 1);
                write_json_string(out, k);
                out.push(':');
                if indent.is_some() {
                    out.push(' ');
                }
                write_json(out, v, indent, level + 1, order.map(|(f, _)| (f, k)));
            }
            newline(out, level);
            out.push('}');
        }
    }
}

/// A JSON string with Go's escaping (HTML-safe: `<`, `>`, `&` as `\u003c`…).
pub fn write_json_string(out: &mut String, s: &str) {
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

// ---------------------------------------------------------------- YAML out

/// YAML as `kubectl get -o yaml` prints it (go-yaml v2 style: sorted keys,
/// sequences not indented under their key, strings quoted only when needed).
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(m) if !m.is_empty() => write_yaml_map(&mut out, m, 0),
        Value::Array(a) if !a.is_empty() => write_yaml_seq(&mut out, a, 0),
        scalar => {
            write_yaml_scalar(&mut out, scalar, 0);
            out.push('\n');
        }
    }
    out
}

fn indent(out: &mut String, n: usize) {
    for _ in 0..n {
        out.push(' ');
    }
}

fn write_yaml_map(out: &mut String, map: &Map, level: usize) {
    for (k, v) in map {
        indent(out, level);
        write_yaml_key(out, k, level);
        out.push(':');
        write_yaml_value_after_key(out, v, level);
    }
}

fn write_yaml_value_after_key(out: &mut String, v: &Value, level: usize) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            write_yaml_map(out, m, level + 2);
        }
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            write_yaml_seq(out, a, level);
        }
        scalar => {
            out.push(' ');
            write_yaml_scalar(out, scalar, level + 2);
            out.push('\n');
        }
    }
}

fn write_yaml_seq(out: &mut String, items: &[Value], level: usize) {
    for item in items {
        indent(out, level);
        out.push('-');
        match item {
            Value::Object(m) if !m.is_empty() => {
                out.push(' ');
                // The first key shares the dash's line.
                let mut first = true;
                for (k, v) in m.iter() {
                    if !first {
                        indent(out, level + 2);
                    }
                    first = false;
                    write_yaml_key(out, k, level + 2);
                    out.push(':');
                    write_yaml_value_after_key(out, v, level + 2);
                }
            }
            Value::Array(a) if !a.is_empty() => {
                out.push('\n');
                write_yaml_seq(out, a, level + 2);
            }
            scalar => {
                out.push(' ');
                write_yaml_scalar(out, scalar, level + 2);
                out.push('\n');
            }
        }
    }
}

fn write_yaml_scalar(out: &mut String, v: &Value, level: usize) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => out.push_str(&format_float(*f)),
        Value::String(s) => write_yaml_string(out, s, level),
        Value::Array(_) => out.push_str("[]"),
        Value::Object(_) => out.push_str("{}"),
    }
}

/// go-yaml v2's `best_width`: past this column a scalar breaks at its
/// next space (kubectl's YAML printer never sets another).
const BEST_WIDTH: usize = 80;

/// How a string is written (go-yaml v2's scalar styles, block literal
/// aside).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
}

/// The style go-yaml v2 chooses for a one-line string: plain when it
/// would read back as the same string, single-quoted when plain is not
/// allowed, double-quoted when it would resolve to another type or holds
/// characters that need escapes.
fn style_of(s: &str) -> Style {
    let resolves_to_string = !s.is_empty()
        && matches!(resolve_plain(s), NodeValue::String(_))
        && !looks_like_timestamp(s)
        && !is_base60_float(s);
    if !resolves_to_string || s.chars().any(|c| c.is_control()) {
        Style::DoubleQuoted
    } else if plain_allowed(s) {
        Style::Plain
    } else {
        Style::SingleQuoted
    }
}

/// A mapping key: never broken across lines (a simple key).
fn write_yaml_key(out: &mut String, s: &str, level: usize) {
    write_scalar_string(out, s, level, false);
}

/// Writes a string value: a literal block for multi-line text, else in
/// its style, broken at spaces past [`BEST_WIDTH`] onto lines indented
/// at `level`, as go-yaml v2's emitter folds long scalars.
fn write_yaml_string(out: &mut String, s: &str, level: usize) {
    if s.contains('\n') && s.chars().all(|c| c == '\n' || !c.is_control() || c == '\t') {
        write_literal(out, s, level);
        return;
    }
    write_scalar_string(out, s, level, true);
}

fn write_scalar_string(out: &mut String, s: &str, level: usize, allow_breaks: bool) {
    let style = style_of(s);
    let quote = match style {
        Style::Plain => None,
        Style::SingleQuoted => Some('\''),
        Style::DoubleQuoted => Some('"'),
    };
    if let Some(q) = quote {
        out.push(q);
    }
    let mut column = out[out.rfind('\n').map_or(0, |i| i + 1)..].chars().count();
    let chars: Vec<char> = s.chars().collect();
    let last = chars.len().saturating_sub(1);
    let mut spaces = false;
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' {
            let next_is_space = chars.get(i + 1) == Some(&' ');
            let may_break = match style {
                Style::Plain => !next_is_space,
                Style::SingleQuoted => i > 0 && i < last && !next_is_space,
                Style::DoubleQuoted => i > 0 && i < last,
            };
            if allow_breaks && !spaces && column > BEST_WIDTH && may_break {
                out.push('\n');
                indent(out, level);
                column = level;
                // A double-quoted line may not start with the space it keeps.
                if style == Style::DoubleQuoted && next_is_space {
                    out.push('\\');
                    column += 1;
                }
            } else {
                out.push(' ');
                column += 1;
            }
            spaces = true;
            continue;
        }
        spaces = false;
        let before = out.len();
        match (style, c) {
            (Style::SingleQuoted, '\'') => out.push_str("''"),
            (Style::DoubleQuoted, '"') => out.push_str("\\\""),
            (Style::DoubleQuoted, '\\') => out.push_str("\\\\"),
            (Style::DoubleQuoted, '\t') => out.push_str("\\t"),
            (Style::DoubleQuoted, '\r') => out.push_str("\\r"),
            (Style::DoubleQuoted, '\n') => out.push_str("\\n"),
            (Style::DoubleQuoted, '\0') => out.push_str("\\0"),
            (Style::DoubleQuoted, c) if c.is_control() => {
                let _ = write!(out, "\\x{:02X}", c as u32);
            }
            (_, c) => out.push(c),
        }
        column += out[before..].chars().count();
    }
    if let Some(q) = quote {
        out.push(q);
    }
}

fn write_literal(out: &mut String, s: &str, level: usize) {
    out.push('|');
    let trailing = s.len() - s.trim_end_matches('\n').len();
    match trailing {
        0 => out.push('-'),
        1 => {}
        _ => out.push('+'),
    }
    if s.starts_with(' ') || s.starts_with('\n') {
        out.push('2');
    }
    out.push('\n');
    let body = s.trim_end_matches('\n');
    for line in body.split('\n') {
        if !line.is_empty() {
            indent(out, level);
            out.push_str(line);
        }
        out.push('\n');
    }
    for _ in 1..trailing {
        out.push('\n');
    }
    // The caller adds the newline that ends the entry: remove ours.
    out.pop();
}

/// go-yaml v2 quotes strings that look like timestamps.
fn looks_like_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit)
}

/// YAML 1.1 sexagesimal floats such as `190:20:30.15`, which go-yaml quotes.
fn is_base60_float(s: &str) -> bool {
    let t = s.strip_prefix(['-', '+']).unwrap_or(s);
    let Some((head, rest)) = t.split_once(':') else {
        return false;
    };
    !head.is_empty()
        && head.bytes().all(|b| b.is_ascii_digit() || b == b'_')
        && head.as_bytes()[0] != b'0'
        && rest.split(':').enumerate().all(|(i, part)| {
            let part = if i == rest.split(':').count() - 1 {
                part.split_once('.').map_or(part, |p| p.0)
            } else {
                part
            };
            !part.is_empty()
                && part.len() <= 2
                && part.bytes().all(|b| b.is_ascii_digit())
                && part.as_bytes()[0] <= b'5'
        })
}

/// libyaml's rules for when a plain (unquoted) scalar is allowed in block context.
fn plain_allowed(s: &str) -> bool {
    let b = s.as_bytes();
    if s.is_empty() || s.starts_with(' ') || s.ends_with(' ') {
        return false;
    }
    if s.starts_with("---") || s.starts_with("...") {
        return false;
    }
    let first = b[0];
    if matches!(
        first,
        b'#' | b','
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'&'
            | b'*'
            | b'!'
            | b'|'
            | b'>'
            | b'\''
            | b'"'
            | b'%'
            | b'@'
            | b'`'
    ) {
        return false;
    }
    if matches!(first, b'?' | b':' | b'-') && (b.len() == 1 || b[1] == b' ') {
        return false;
    }
    for (i, &c) in b.iter().enumerate() {
        let next = b.get(i + 1).copied();
        let prev = if i > 0 { Some(b[i - 1]) } else { None };
        if c == b':' && (next.is_none() || next == Some(b' ')) {
            return false;
        }
        if c == b'#' && prev == Some(b' ') {
            return false;
        }
    }
    // Non-ASCII printable text is fine; other specials need quoting.
    !s.chars()
        .any(|c| c == '\u{FEFF}' || c == '\u{85}' || c == '\u{2028}' || c == '\u{2029}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_one(text: &str) -> Value {
        let docs = load_str(text).unwrap();
        assert_eq!(docs.len(), 1);
        docs[0].root.to_value()
    }

    #[test]
    fn long_strings_fold_at_spaces_past_column_80_as_go_yaml_v2() {
        let message = "Back-off pulling image \"nginx:nope\": ErrImagePull: rpc error: code = NotFound desc = failed to pull and unpack image \"docker.io/library/nginx:nope\": failed to resolve reference \"docker.io/library/nginx:nope\": docker.io/library/nginx:nope: not found";
        let waiting = Value::from_pairs([("message", Value::str(message))]);
        let v = Value::from_pairs([(
            "containerStatuses",
            Value::array(vec![Value::from_pairs([(
                "state",
                Value::from_pairs([("waiting", waiting)]),
            )])]),
        )]);
        // What kubectl prints for such a pod's status (single-quoted: the
        // message has `: `).
        assert_eq!(
            to_yaml(&v),
            "containerStatuses:\n- state:\n    waiting:\n      message: 'Back-off pulling image \"nginx:nope\": ErrImagePull: rpc error: code\n        = NotFound desc = failed to pull and unpack image \"docker.io/library/nginx:nope\":\n        failed to resolve reference \"docker.io/library/nginx:nope\": docker.io/library/nginx:nope:\n        not found'\n"
        );
        // Plain and double-quoted, in a sequence; keys never break; a run
        // of spaces is not broken inside.
        let long = "word ".repeat(20) + "end";
        let v = Value::from_pairs([(
            long.as_str(),
            Value::array(vec![
                Value::str(&long),
                Value::str(&format!("{long}\t  tab")),
            ]),
        )]);
        let text = to_yaml(&v);
        assert!(text.starts_with(&format!("{long}:\n- word word")), "{text}");
        assert!(
            text.lines().skip(1).all(|l| l.chars().count() <= 86),
            "{text}"
        );
        assert_eq!(load_one(&text), v);
        // Random words, spaces, quotes and escapes read back unchanged.
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        let pieces = [
            "a", "bb", "ccc", "'q'", "\"d\"", ": ", " ", "  ", "\t", "\\", "é", "#x", "- ", "yes",
        ];
        for _ in 0..300 {
            let len = next(60) as usize;
            let text: String = (0..len)
                .map(|_| pieces[next(pieces.len() as u64) as usize])
                .collect();
            let depth = next(4) as usize;
            let mut v = Value::from_pairs([("k", Value::str(&text))]);
            for _ in 0..depth {
                v = Value::from_pairs([("nested", Value::array(vec![v]))]);
            }
            let yaml = to_yaml(&v);
            assert_eq!(load_one(&yaml), v, "{yaml}");
        }
    }

    #[test]
    fn scalars_resolve_like_go_yaml_v2() {
        let v = load_one(
            "a: yes\nb: 'yes'\nc: 010\nd: 0x1F\ne: 1.5\nf: ~\ng: 2024-01-01\nh: 1_000\ni: +12\nj: .5\nk: 1e3\nl: '80'\n",
        );
        assert_eq!(v.get("a"), &Value::Bool(true));
        assert_eq!(v.get("b"), &Value::str("yes"));
        assert_eq!(v.get("c"), &Value::Int(8));
        assert_eq!(v.get("d"), &Value::Int(31));
        assert_eq!(v.get("e"), &Value::Float(1.5));
        assert_eq!(v.get("f"), &Value::Null);
        assert_eq!(v.get("g"), &Value::str("2024-01-01"));
        assert_eq!(v.get("h"), &Value::Int(1000));
        assert_eq!(v.get("i"), &Value::Int(12));
        assert_eq!(v.get("j"), &Value::Float(0.5));
        assert_eq!(v.get("k"), &Value::Float(1000.0));
        assert_eq!(v.get("l"), &Value::str("80"));
    }

    #[test]
    fn positions_are_kept() {
        let docs = load_str("a: 1\n---\nkind: Pod\nspec:\n  replica: 3\n").unwrap();
        assert_eq!(docs.len(), 2);
        let spec = docs[1].root.get("spec").unwrap();
        match &spec.value {
            NodeValue::Map(entries) => {
                assert_eq!(entries[0].0, "replica");
                assert_eq!(entries[0].1, Mark { line: 5, column: 3 });
            }
            other => panic!("expected a map, got {other:?}"),
        }
    }

    #[test]
    fn json_is_yaml() {
        let v = load_one(r#"{"kind": "Pod", "spec": {"containers": [{"name": "x"}]}, "n": 3}"#);
        assert_eq!(v.str_at(&["kind"]), Some("Pod"));
        assert_eq!(v.get("n"), &Value::Int(3));
    }

    #[test]
    fn anchors_aliases_and_merge_keys() {
        let v = load_one("base: &b {x: 1, z: 2}\nc: *b\nd:\n  <<: *b\n  z: 3\n");
        assert_eq!(v.at(&["c", "x"]), &Value::Int(1));
        assert_eq!(v.at(&["d", "x"]), &Value::Int(1));
        assert_eq!(v.at(&["d", "z"]), &Value::Int(3));
    }

    #[test]
    fn hostile_input_is_refused() {
        // A billion laughs.
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..12 {
            let prev = if i == 0 {
                "a".to_string()
            } else {
                format!("l{}", i - 1)
            };
            bomb.push_str(&format!("l{i}: &l{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        }
        let err = load_str(&bomb).unwrap_err();
        assert!(err.message.contains("excessive aliasing"), "{err:?}");

        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        let err = load_str(&deep).unwrap_err();
        assert!(err.message.contains("max depth"), "{err:?}");

        let err = load_bytes(b"kind: Pod\nname: \xff\xfe\n").unwrap_err();
        assert_eq!(err.mark, Mark { line: 2, column: 7 });
        assert!(err.message.contains("invalid UTF-8"));

        let err = load_str("kind: Pod\x00\n").unwrap_err();
        assert!(err.message.contains("control characters"));

        let big = format!(
            "kind: ConfigMap\ndata:\n  x: \"{}\"\n",
            "a".repeat(MAX_DOCUMENT_BYTES)
        );
        let err = load_str(&big).unwrap_err();
        assert!(err.message.contains("request limit"), "{err:?}");
    }

    #[test]
    fn flow_collections_closed_at_the_key_column_load_as_in_kubectl() {
        let v = load_one("a:\n  command: [\n    \"sh\", \"-c\"\n  ]\n  b: 1\n");
        assert_eq!(v.at(&["a", "command"]).items().count(), 2);
        assert_eq!(v.at(&["a", "b"]), &Value::Int(1));
        // Block mappings are still checked.
        assert!(load_str("a:\n  b: 1\n c: 2\n").is_err());
    }

    #[test]
    fn double_quoted_apostrophe_escape_loads_as_go_yaml_does() {
        // From the docs' pods/inject/envars-file-container.yaml.
        let v = load_one(
            "command: ['sh', '-c', \"echo \\\"A=\\'x\\'\\nB=\\'y\\'\\\" > /d\"]\nnext: \"it\\'s\"\n",
        );
        assert_eq!(
            v.at(&["command"]).as_array().unwrap()[2].as_str(),
            Some("echo \"A='x'\nB='y'\" > /d")
        );
        assert_eq!(v.at(&["next"]).as_str(), Some("it's"));
        // Other unknown escapes stay errors, with the scalar's position.
        let e = load_str("a: 1\nb: \"\\q\"\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("yaml: line 2, column 4: {UNKNOWN_ESCAPE}")
        );
        // A scalar that also has a real NUL escape keeps it.
        let v = load_one("a: \"\\0\"\nb: \"x\\'\"\n");
        assert_eq!(v.at(&["a"]).as_str(), Some("\0"));
        assert_eq!(v.at(&["b"]).as_str(), Some("x'"));
    }

    #[test]
    fn syntax_errors_name_line_and_column() {
        let err = load_str("a: 1\nb: [1, 2\n").unwrap_err();
        assert!(err.mark.line >= 2, "{err:?}");
        let err = load_str("a: 1\na: 2\n").unwrap_err();
        assert_eq!(err.mark.line, 2);
        assert!(err.message.contains("already defined at line 1"));
    }

    #[test]
    fn tab_errors_read_as_go_yamls() {
        let (_, err) = load_stream("a:\n\tb: 1\n");
        let err = err.unwrap();
        assert_eq!(err.message, "found character that cannot start any token");
        assert_eq!(err.mark.line, 2);
        let (_, err) = load_stream("a:\n  - type: x\n\tstatus: y\n");
        let err = err.unwrap();
        assert_eq!(
            err.message,
            "found a tab character that violates indentation"
        );
        assert_eq!((err.mark.line, err.mark.column), (3, 1));
    }

    #[test]
    fn yaml_output_matches_kubectl() {
        let v = load_one(
            "metadata:\n  name: web\n  creationTimestamp: \"2024-01-01T00:00:00Z\"\n  labels: {}\nspec:\n  containers:\n  - name: web\n    args: ['true', '', 'a: b', '*', '80']\n    ports:\n    - containerPort: 80\n",
        );
        assert_eq!(
            to_yaml(&v),
            "metadata:\n  creationTimestamp: \"2024-01-01T00:00:00Z\"\n  labels: {}\n  name: web\nspec:\n  containers:\n  - args:\n    - \"true\"\n    - \"\"\n    - 'a: b'\n    - '*'\n    - \"80\"\n    name: web\n    ports:\n    - containerPort: 80\n"
        );
        let annotated = Value::from_pairs([("a", Value::str("{\"x\":1}\n"))]);
        assert_eq!(to_yaml(&annotated), "a: |\n  {\"x\":1}\n");
    }

    #[test]
    fn json_output_matches_go() {
        let v = load_one("b: [1, 'x']\na: {}\nc: '<none>'\n");
        assert_eq!(
            to_json_compact(&v),
            r#"{"a":{},"b":[1,"x"],"c":"\u003cnone\u003e"}"#
        );
        assert_eq!(
            to_json_pretty(&v),
            "{\n    \"a\": {},\n    \"b\": [\n        1,\n        \"x\"\n    ],\n    \"c\": \"\\u003cnone\\u003e\"\n}\n"
        );
    }
}
