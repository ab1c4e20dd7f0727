//! kubectl's JSONPath templates (client-go `util/jsonpath`): literal text,
//! `{.field}`, `{.items[*].metadata.name}`, `{.a['b.c']}`, `{..name}`,
//! `{.items[0]}`, `{.items[-1:]}`, filters `{.items[?(@.type=="Ready")]}`,
//! `{range .items[*]}…{end}` and string literals `{"\n"}`.

use crate::value::Value;
use crate::yaml;

/// One step of a path.
#[derive(Clone, Debug, PartialEq)]
enum Step {
    /// `.name` or `['name']`
    Field(String),
    /// `..name`
    Recursive(String),
    /// `.*` or `[*]`
    Wildcard,
    /// `[n]`
    Index(i64),
    /// `[a:b:c]`
    Slice(Option<i64>, Option<i64>, Option<i64>),
    /// `[?(@.path op literal)]` or `[?(@.path)]`
    Filter(Vec<Step>, Option<(String, Literal)>),
}

/// A literal in a filter.
#[derive(Clone, Debug, PartialEq)]
enum Literal {
    Str(String),
    Num(f64),
    Bool(bool),
}

/// A template node.
#[derive(Clone, Debug, PartialEq)]
enum Node {
    Text(String),
    Path(Vec<Step>),
    Literal(String),
    Range(Vec<Step>, Vec<Node>),
}

/// A parsed template.
#[derive(Clone, Debug, PartialEq)]
pub struct Template {
    source: String,
    nodes: Vec<Node>,
}

impl Template {
    /// Parses a template; errors are worded for `error parsing jsonpath`.
    pub fn parse(source: &str) -> Result<Template, String> {
        let mut actions: Vec<Result<Node, ()>> = Vec::new(); // Err = `end`
        let mut rest = source;
        while !rest.is_empty() {
            match rest.find('{') {
                None => {
                    actions.push(Ok(Node::Text(rest.to_string())));
                    break;
                }
                Some(i) => {
                    if i > 0 {
                        actions.push(Ok(Node::Text(rest[..i].to_string())));
                    }
                    let after = &rest[i + 1..];
                    let end = find_action_end(after).ok_or("unclosed action")?;
                    let inside = after[..end].trim();
                    rest = &after[end + 1..];
                    if inside == "end" {
                        actions.push(Err(()));
                    } else if let Some(expr) = inside.strip_prefix("range ") {
                        actions.push(Ok(Node::Range(parse_path(expr.trim())?, Vec::new())));
                    } else if inside.starts_with('"') || inside.starts_with('\'') {
                        actions.push(Ok(Node::Literal(unquote(inside)?)));
                    } else {
                        actions.push(Ok(Node::Path(parse_path(inside)?)));
                    }
                }
            }
        }
        // Nest range … end.
        let mut stack: Vec<Vec<Node>> = vec![Vec::new()];
        let mut ranges: Vec<Vec<Step>> = Vec::new();
        for a in actions {
            match a {
                Ok(Node::Range(path, _)) => {
                    ranges.push(path);
                    stack.push(Vec::new());
                }
                Ok(node) => stack.last_mut().expect("root").push(node),
                Err(()) => {
                    let Some(path) = ranges.pop() else {
                        return Err("not in range, nothing to end".to_string());
                    };
                    let body = stack.pop().expect("pushed with the range");
                    stack
                        .last_mut()
                        .expect("root")
                        .push(Node::Range(path, body));
                }
            }
        }
        if !ranges.is_empty() {
            return Err("range not closed: missing {end}".to_string());
        }
        Ok(Template {
            source: source.to_string(),
            nodes: stack.pop().expect("root"),
        })
    }

    /// The template text.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Runs the template on `data`, as kubectl's jsonpath printer does
    /// (results of one expression joined by spaces).
    pub fn execute(&self, data: &Value) -> Result<String, String> {
        let mut out = String::new();
        exec_nodes(&self.nodes, data, data, &mut out)?;
        Ok(out)
    }

    /// The results of a template that is a single path (custom columns,
    /// `--sort-by`).
    pub fn results(&self, data: &Value) -> Result<Vec<Value>, String> {
        let mut all = Vec::new();
        for node in &self.nodes {
            if let Node::Path(steps) = node {
                all.extend(eval(steps, data, data)?);
            }
        }
        Ok(all)
    }
}

/// kubectl's `RelaxedJSONPathExpression`: `.a.b` or `a.b` become `{.a.b}`.
pub fn relaxed(expr: &str) -> Result<String, String> {
    let e = expr.trim();
    if e.is_empty() {
        return Ok(String::new());
    }
    if e.starts_with('{') && e.ends_with('}') {
        return Ok(e.to_string());
    }
    if e.contains('{') || e.contains('}') {
        return Err(
            "unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'"
                .to_string(),
        );
    }
    let inner = e.strip_prefix('.').unwrap_or(e);
    Ok(format!("{{.{inner}}}"))
}

fn find_action_end(s: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' => quote = Some(c),
            '}' => return Some(i),
            _ => {}
        }
    }
    None
}

fn unquote(s: &str) -> Result<String, String> {
    let q = s.chars().next().ok_or("empty literal")?;
    let body = s
        .strip_prefix(q)
        .and_then(|b| b.strip_suffix(q))
        .ok_or_else(|| format!("unterminated string literal {s}"))?;
    let mut out = String::new();
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some(c) => out.push(c),
            None => out.push('\\'),
        }
    }
    Ok(out)
}

/// Reads a field name, honouring `\.` as a literal dot.
fn take_name(s: &str) -> (String, usize) {
    let mut name = String::new();
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '\\' && matches!(chars.peek(), Some((_, '.'))) {
            chars.next();
            name.push('.');
            continue;
        }
        if !is_name_char(c) {
            return (name, i);
        }
        name.push(c);
    }
    (name, s.len())
}

fn is_name_char(c: char) -> bool {
    !matches!(
        c,
        '.' | '[' | ']' | ' ' | '\t' | '(' | ')' | '=' | '!' | '<' | '>' | '"' | '\''
    )
}

fn parse_path(expr: &str) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    let mut rest = expr.trim();
    rest = rest
        .strip_prefix('$')
        .or_else(|| rest.strip_prefix('@'))
        .unwrap_or(rest);
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("..") {
            let n = r.find(|c| !is_name_char(c)).unwrap_or(r.len());
            if n == 0 {
                return Err(format!("unrecognized character in action: {expr}"));
            }
            steps.push(Step::Recursive(r[..n].to_string()));
            rest = &r[n..];
        } else if let Some(r) = rest.strip_prefix('.') {
            if let Some(r2) = r.strip_prefix('*') {
                steps.push(Step::Wildcard);
                rest = r2;
                continue;
            }
            let (name, n) = take_name(r);
            if n > 0 {
                steps.push(Step::Field(name));
            }
            rest = &r[n..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let close = find_bracket_end(r).ok_or("unclosed array expect ]")?;
            let inner = r[..close].trim();
            rest = &r[close + 1..];
            steps.push(parse_bracket(inner)?);
        } else {
            let n = rest.find(|c| !is_name_char(c)).unwrap_or(rest.len());
            if n == 0 {
                return Err(format!(
                    "unrecognized character in action: {}",
                    crate::api::errors::quote(
                        &rest[..rest.chars().next().map_or(0, char::len_utf8)]
                    )
                ));
            }
            steps.push(Step::Field(rest[..n].to_string()));
            rest = &rest[n..];
        }
    }
    Ok(steps)
}

fn find_bracket_end(s: &str) -> Option<usize> {
    let mut depth = 0;
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' => quote = Some(c),
            '[' | '(' => depth += 1,
            ')' => depth -= 1,
            ']' if depth == 0 => return Some(i),
            ']' => depth -= 1,
            _ => {}
        }
    }
    None
}

fn parse_bracket(inner: &str) -> Result<Step, String> {
    if inner == "*" {
        return Ok(Step::Wildcard);
    }
    if inner.starts_with('\'') || inner.starts_with('"') {
        return Ok(Step::Field(unquote(inner)?));
    }
    if let Some(f) = inner.strip_prefix("?(").and_then(|f| f.strip_suffix(')')) {
        return parse_filter(f.trim());
    }
    if inner.contains(':') {
        let parts: Vec<&str> = inner.split(':').collect();
        if parts.len() > 3 {
            return Err(format!("invalid array index {inner}"));
        }
        let num = |s: &str| -> Result<Option<i64>, String> {
            let s = s.trim();
            if s.is_empty() {
                Ok(None)
            } else {
                s.parse()
                    .map(Some)
                    .map_err(|_| format!("invalid array index {inner}"))
            }
        };
        return Ok(Step::Slice(
            num(parts[0])?,
            num(parts.get(1).copied().unwrap_or(""))?,
            num(parts.get(2).copied().unwrap_or(""))?,
        ));
    }
    inner
        .parse()
        .map(Step::Index)
        .map_err(|_| format!("invalid array index {inner}"))
}

fn parse_filter(f: &str) -> Result<Step, String> {
    for op in ["==", "!=", "<=", ">=", "<", ">"] {
        if let Some((l, r)) = f.split_once(op) {
            let path = parse_path(l.trim())?;
            let r = r.trim();
            let lit = if r.starts_with('"') || r.starts_with('\'') {
                Literal::Str(unquote(r)?)
            } else if r == "true" || r == "false" {
                Literal::Bool(r == "true")
            } else if let Some(n) = crate::num::parse_f64(r) {
                Literal::Num(n)
            } else {
                return Err(format!("unrecognized filter value {r}"));
            };
            return Ok(Step::Filter(path, Some((op.to_string(), lit))));
        }
    }
    Ok(Step::Filter(parse_path(f)?, None))
}

fn exec_nodes(nodes: &[Node], root: &Value, cur: &Value, out: &mut String) -> Result<(), String> {
    for node in nodes {
        match node {
            Node::Text(t) | Node::Literal(t) => out.push_str(t),
            Node::Path(steps) => {
                let results = eval(steps, root, cur)?;
                for (i, r) in results.iter().enumerate() {
                    out.push_str(&text_of(r));
                    if i + 1 != results.len() {
                        out.push(' ');
                    }
                }
            }
            Node::Range(steps, body) => {
                for r in eval(steps, root, cur)? {
                    // Ranging over an array visits its items.
                    match &r {
                        Value::Array(items) => {
                            for item in items.iter() {
                                exec_nodes(body, root, item, out)?;
                            }
                        }
                        other => exec_nodes(body, root, other, out)?,
                    }
                }
            }
        }
    }
    Ok(())
}

/// How a result prints: strings bare, scalars as Go prints them, objects
/// and arrays as compact JSON.
pub fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_string(),
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => yaml::format_float(*f),
        other => yaml::to_json_compact(other),
    }
}

fn eval(steps: &[Step], root: &Value, cur: &Value) -> Result<Vec<Value>, String> {
    let mut values = vec![cur.clone()];
    let _ = root;
    for step in steps {
        let mut next = Vec::new();
        for v in &values {
            match step {
                Step::Field(name) => {
                    if let Some(m) = v.as_object()
                        && let Some(x) = m.get(name.as_str())
                    {
                        next.push(x.clone());
                    }
                }
                Step::Recursive(name) => collect_recursive(v, name, &mut next),
                Step::Wildcard => match v {
                    Value::Array(items) => next.extend(items.iter().cloned()),
                    Value::Object(m) => next.extend(m.values().cloned()),
                    _ => {}
                },
                Step::Index(i) => {
                    let Some(items) = v.as_array() else { continue };
                    let len = items.len() as i64;
                    let idx = if *i < 0 { len + i } else { *i };
                    if idx < 0 || idx >= len {
                        return Err(format!(
                            "array index out of bounds: index {i}, length {len}"
                        ));
                    }
                    next.push(items[idx as usize].clone());
                }
                Step::Slice(a, b, c) => {
                    let Some(items) = v.as_array() else { continue };
                    let len = items.len() as i64;
                    let norm = |x: i64| if x < 0 { (len + x).max(0) } else { x.min(len) };
                    let start = a.map(norm).unwrap_or(0);
                    let end = b.map(norm).unwrap_or(len);
                    let step = c.unwrap_or(1).max(1);
                    let mut i = start;
                    while i < end {
                        next.push(items[i as usize].clone());
                        i += step;
                    }
                }
                Step::Filter(path, cond) => {
                    let items: Vec<Value> = match v {
                        Value::Array(items) => items.iter().cloned().collect(),
                        other => vec![other.clone()],
                    };
                    for item in items {
                        let found = eval(path, root, &item)?;
                        let keep = match cond {
                            None => !found.is_empty(),
                            Some((op, lit)) => found.iter().any(|f| compare(f, op, lit)),
                        };
                        if keep {
                            next.push(item);
                        }
                    }
                }
            }
        }
        values = next;
    }
    Ok(values)
}

fn collect_recursive(v: &Value, name: &str, out: &mut Vec<Value>) {
    match v {
        Value::Object(m) => {
            if let Some(x) = m.get(name) {
                out.push(x.clone());
            }
            for child in m.values() {
                collect_recursive(child, name, out);
            }
        }
        Value::Array(items) => {
            for child in items.iter() {
                collect_recursive(child, name, out);
            }
        }
        _ => {}
    }
}

fn compare(v: &Value, op: &str, lit: &Literal) -> bool {
    use std::cmp::Ordering;
    let ord = match (v, lit) {
        (Value::String(s), Literal::Str(l)) => Some((**s).cmp(l.as_str())),
        (Value::Bool(b), Literal::Bool(l)) => Some(b.cmp(l)),
        (v, Literal::Num(n)) => v.as_f64().and_then(|x| x.partial_cmp(n)),
        _ => None,
    };
    matches!(
        (ord, op),
        (Some(Ordering::Equal), "==" | "<=" | ">=")
            | (Some(Ordering::Less), "<" | "<=" | "!=")
            | (Some(Ordering::Greater), ">" | ">=" | "!=")
            | (None, "!=")
    )
}

/// Go's `%#v` of decoded JSON (`map[string]interface {}{…}`), used in
/// kubectl's jsonpath execution errors.
pub fn go_sharp_v(v: &Value) -> String {
    match v {
        Value::Null => "interface {}(nil)".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => yaml::format_float(*f),
        Value::String(s) => crate::api::errors::quote(s),
        Value::Array(items) => format!(
            "[]interface {{}}{{{}}}",
            items.iter().map(go_sharp_v).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(m) => format!(
            "map[string]interface {{}}{{{}}}",
            m.iter()
                .map(|(k, v)| format!("{}:{}", crate::api::errors::quote(k), go_sharp_v(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> Value {
        yaml::load_str(
            "kind: List\nitems:\n- metadata: {name: a, labels: {app.kubernetes.io/name: x}}\n  status: {conditions: [{type: Ready, status: 'True'}], count: 2}\n- metadata: {name: b}\n  status: {conditions: [{type: Ready, status: 'False'}], count: 5}\n",
        )
        .unwrap()[0]
            .root
            .to_value()
    }

    fn run(t: &str) -> String {
        Template::parse(t).unwrap().execute(&data()).unwrap()
    }

    #[test]
    fn paths_ranges_and_filters() {
        assert_eq!(run("{.items[*].metadata.name}"), "a b");
        assert_eq!(run("{.items[0].metadata.name}"), "a");
        assert_eq!(run("{.items[-1].metadata.name}"), "b");
        assert_eq!(run("{.items[1:].metadata.name}"), "b");
        assert_eq!(run("{.kind}"), "List");
        assert_eq!(run("{.missing}"), "");
        assert_eq!(
            run("{range .items[*]}{.metadata.name}{\"\\t\"}{.status.count}{\"\\n\"}{end}"),
            "a\t2\nb\t5\n"
        );
        assert_eq!(
            run("{.items[?(@.status.conditions[0].status==\"True\")].metadata.name}"),
            "a"
        );
        assert_eq!(run("{.items[?(@.status.count>3)].metadata.name}"), "b");
        assert_eq!(
            run("{.items[0].metadata.labels['app.kubernetes.io/name']}"),
            "x"
        );
        assert_eq!(run("{..name}"), "a b");
        assert_eq!(
            run("{.items[0].metadata.labels.app\\.kubernetes\\.io/name}"),
            "x"
        );
        assert_eq!(run("names: {.items[0].metadata.name}!"), "names: a!");
        assert_eq!(
            run("{.items[1].status.conditions[0]}"),
            "{\"status\":\"False\",\"type\":\"Ready\"}"
        );
    }

    #[test]
    fn errors() {
        assert_eq!(Template::parse("{.items[0").unwrap_err(), "unclosed action");
        assert_eq!(
            Template::parse("{.items[0}").unwrap_err(),
            "unclosed array expect ]"
        );
        assert!(Template::parse("{range .items[*]}x").is_err());
        let t = Template::parse("{.items[5].metadata.name}").unwrap();
        assert_eq!(
            t.execute(&data()).unwrap_err(),
            "array index out of bounds: index 5, length 2"
        );
        assert_eq!(relaxed(".metadata.name").unwrap(), "{.metadata.name}");
        assert_eq!(relaxed("metadata.name").unwrap(), "{.metadata.name}");
        assert_eq!(relaxed("{.a}").unwrap(), "{.a}");
    }
}
