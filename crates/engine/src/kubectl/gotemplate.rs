//! `kubectl -o go-template=…`: Go's text/template over the object as
//! apimachinery's JSON decoding gives it (whole numbers are int64, a missing
//! key prints `<no value>`), with kubectl's `exists` and `base64decode`.

use crate::sort::CompactSort;
use crate::value::Value;

/// A parsed template.
#[derive(Clone, Debug)]
pub struct GoTemplate {
    source: String,
    nodes: Vec<Node>,
    /// `missingkey=error` (`--allow-missing-template-keys=false`).
    pub strict: bool,
}

#[derive(Clone, Debug)]
enum Node {
    Text(String),
    Action(Pipe),
    /// `if`, `range` or `with`: the pipeline, its list, its `else` list.
    Control(Control, Pipe, Vec<Node>, Vec<Node>),
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Control {
    If,
    Range,
    With,
}

#[derive(Clone, Debug)]
struct Pipe {
    /// `$x :=` (or `$i, $e :=` for range), and whether it is `=`.
    decl: Vec<String>,
    assign: bool,
    cmds: Vec<Cmd>,
}

#[derive(Clone, Debug)]
struct Cmd {
    pos: usize,
    args: Vec<Arg>,
}

#[derive(Clone, Debug)]
enum Arg {
    /// `.a.b` (empty: `.`), with the position Go reports for it.
    Field(usize, Vec<String>),
    /// `$x.a.b` (`$` alone is the data).
    Var(usize, String, Vec<String>),
    Func(String),
    Str(String),
    Int(i64),
    /// A float, as written.
    Float(f64, String),
    Bool(bool),
    Nil,
    /// `(pipeline).a.b`
    Sub(Pipe, Vec<String>),
}

const FUNCS: &[&str] = &[
    "and",
    "base64decode",
    "eq",
    "exists",
    "ge",
    "gt",
    "index",
    "le",
    "len",
    "lt",
    "ne",
    "not",
    "or",
    "print",
    "printf",
    "println",
];

/// A token inside an action, with its byte position.
#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Field(String),
    /// `.name` right after an operand: a field of it.
    Chain(String),
    Var(String),
    Ident(String),
    Str(String),
    Num(String),
    Open,
    Close,
    Pipe,
    Declare,
    Assign,
    Comma,
}

impl GoTemplate {
    /// Parses a template: the error is Go's (`template: output:1: …`).
    pub fn parse(source: &str) -> Result<GoTemplate, String> {
        let mut actions = Vec::new();
        let mut rest = 0;
        let mut texts = Vec::new();
        while let Some(open) = source[rest..].find("{{") {
            let open = rest + open;
            let mut text = source[rest..open].to_string();
            let mut inner = open + 2;
            if source[inner..].starts_with("- ") {
                text.truncate(text.trim_end().len());
                inner += 2;
            }
            let close =
                find_close(source, inner).ok_or_else(|| err(source, open, "unclosed action"))?;
            let (end, next) = if source[..close].ends_with(" -") {
                (close - 2, close + 2)
            } else {
                (close, close + 2)
            };
            texts.push(text);
            actions.push((inner, source[inner..end].to_string()));
            rest = next;
            if source[..close].ends_with(" -") {
                let skipped = source[rest..].len() - source[rest..].trim_start().len();
                rest += skipped;
            }
        }
        let tail = source[rest..].to_string();
        let mut items = Vec::new();
        for (text, (pos, action)) in texts.into_iter().zip(actions) {
            if !text.is_empty() {
                items.push(Item::Text(text));
            }
            let trimmed = action.trim();
            if trimmed.starts_with("/*") {
                continue;
            }
            let toks = lex(source, pos, &action)?;
            items.push(Item::Action(pos, toks));
        }
        if !tail.is_empty() {
            items.push(Item::Text(tail));
        }
        let mut parser = Parser {
            source,
            items: items.into_iter().peekable(),
            pending: None,
            depth: 0,
            vars: vec!["$".to_string()],
        };
        let (nodes, stop) = parser.list()?;
        if let Some((pos, word)) = stop {
            return Err(err(source, pos, &format!("unexpected {{{{{word}}}}}")));
        }
        Ok(GoTemplate {
            source: source.to_string(),
            nodes,
            strict: false,
        })
    }

    /// The template as given.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Runs the template over `data`: its output, or what it wrote before
    /// an error and Go's error.
    pub fn execute(&self, data: &Value) -> Result<String, (String, String)> {
        let mut run = Run {
            strict: self.strict,
            source: &self.source,
            out: String::new(),
            vars: vec![("$".to_string(), Some(data.clone()))],
            steps: 0,
        };
        match run.list(&self.nodes, &Some(data.clone())) {
            Ok(()) => Ok(run.out),
            Err(e) => Err((run.out, e)),
        }
    }
}

/// Where the action opened at `from` closes (`}}` outside a string).
fn find_close(source: &str, from: usize) -> Option<usize> {
    let bytes = source.as_bytes();
    let mut i = from;
    let mut quote: Option<u8> = None;
    while i < bytes.len() {
        match (quote, bytes[i]) {
            (Some(b'"'), b'\\') => i += 1,
            (Some(q), c) if c == q => quote = None,
            (None, c @ (b'"' | b'`')) => quote = Some(c),
            (None, b'}') if bytes.get(i + 1) == Some(&b'}') => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

/// Go's parse error: `template: output:LINE: message`.
fn err(source: &str, pos: usize, msg: &str) -> String {
    let line = 1 + source[..pos.min(source.len())].matches('\n').count();
    format!("template: output:{line}: {msg}")
}

fn lex(source: &str, base: usize, action: &str) -> Result<Vec<(usize, Tok)>, String> {
    let chars: Vec<(usize, char)> = action.char_indices().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    let word = |i: &mut usize| {
        let start = chars[*i].0;
        while *i < chars.len() && (chars[*i].1.is_alphanumeric() || chars[*i].1 == '_') {
            *i += 1;
        }
        let end = chars.get(*i).map_or(action.len(), |c| c.0);
        action[start..end].to_string()
    };
    // Where the last operand ended: a `.name` there chains to it.
    let mut operand_end = usize::MAX;
    // What may follow a field or a variable (Go's `atTerminator`).
    let terminated = |i: usize| match chars.get(i) {
        None => Ok(()),
        Some(&(_, c)) if c.is_whitespace() || ".,|:()".contains(c) => Ok(()),
        Some(&(at, c)) => Err(err(
            source,
            base + at,
            &format!("bad character U+{:04X} {c:?}", c as u32),
        )),
    };
    while i < chars.len() {
        let (at, c) = chars[i];
        let pos = base + at;
        match c {
            c if c.is_whitespace() => i += 1,
            '.' if chars.get(i + 1).is_none_or(|n| !n.1.is_ascii_digit()) => {
                i += 1;
                let name = if i < chars.len() && (chars[i].1.is_alphanumeric() || chars[i].1 == '_')
                {
                    word(&mut i)
                } else {
                    String::new()
                };
                let tok = if at == operand_end && !name.is_empty() {
                    Tok::Chain(name)
                } else {
                    Tok::Field(name)
                };
                terminated(i)?;
                toks.push((pos, tok));
                operand_end = chars.get(i).map_or(action.len(), |x| x.0);
                continue;
            }
            '$' => {
                i += 1;
                let name = if i < chars.len() && (chars[i].1.is_alphanumeric() || chars[i].1 == '_')
                {
                    word(&mut i)
                } else {
                    String::new()
                };
                terminated(i)?;
                toks.push((pos, Tok::Var(format!("${name}"))));
                operand_end = chars.get(i).map_or(action.len(), |x| x.0);
                continue;
            }
            '"' | '`' => {
                let mut s = String::new();
                i += 1;
                loop {
                    let Some(&(_, d)) = chars.get(i) else {
                        return Err(err(source, pos, "unterminated quoted string"));
                    };
                    i += 1;
                    match d {
                        _ if d == c => break,
                        '\\' if c == '"' => {
                            let e = chars.get(i).map_or(' ', |x| x.1);
                            i += 1;
                            s.push(match e {
                                'n' => '\n',
                                't' => '\t',
                                'r' => '\r',
                                other => other,
                            });
                        }
                        _ => s.push(d),
                    }
                }
                toks.push((pos, Tok::Str(s)));
            }
            '(' => {
                toks.push((pos, Tok::Open));
                i += 1;
                if toks.iter().filter(|t| t.1 == Tok::Open).count() > MAX_DEPTH {
                    return Err(err(source, pos, "max expression depth exceeded"));
                }
            }
            ')' => {
                toks.push((pos, Tok::Close));
                i += 1;
                operand_end = chars.get(i).map_or(action.len(), |x| x.0);
                continue;
            }
            '|' => {
                toks.push((pos, Tok::Pipe));
                i += 1;
            }
            ',' => {
                toks.push((pos, Tok::Comma));
                i += 1;
            }
            ':' if chars.get(i + 1).map(|x| x.1) == Some('=') => {
                toks.push((pos, Tok::Declare));
                i += 2;
            }
            '=' => {
                toks.push((pos, Tok::Assign));
                i += 1;
            }
            c if c.is_ascii_digit() || c == '-' || c == '+' || c == '.' => {
                let start = at;
                i += 1;
                while i < chars.len()
                    && (chars[i].1.is_ascii_alphanumeric() || matches!(chars[i].1, '.' | '_'))
                {
                    i += 1;
                }
                let end = chars.get(i).map_or(action.len(), |x| x.0);
                toks.push((pos, Tok::Num(action[start..end].to_string())));
            }
            c if c.is_alphabetic() || c == '_' => {
                let w = word(&mut i);
                toks.push((pos, Tok::Ident(w)));
            }
            other => {
                return Err(err(
                    source,
                    pos,
                    &format!("unexpected {other:?} in command"),
                ));
            }
        }
        operand_end = usize::MAX;
    }
    Ok(toks)
}

enum Item {
    Text(String),
    Action(usize, Vec<(usize, Tok)>),
}

struct Parser<'a> {
    source: &'a str,
    items: std::iter::Peekable<std::vec::IntoIter<Item>>,
    /// The rest of the `{{else …}}` that ended a list.
    pending: Option<Vec<(usize, Tok)>>,
    /// How deep `if`, `range`, `with` and parentheses nest here.
    depth: usize,
    /// The variables declared so far in scope (`$` always is).
    vars: Vec<String>,
}

/// How deep a template may nest (Go's parser allows 10,000 parentheses;
/// here the stack of a browser tab is the limit).
const MAX_DEPTH: usize = 100;

impl Parser<'_> {
    /// Nodes up to `{{end}}` or `{{else …}}` (returned with the rest of
    /// that action), or the end of the template.
    #[allow(clippy::type_complexity)]
    fn list(&mut self) -> Result<(Vec<Node>, Option<(usize, String)>), String> {
        let mark = self.vars.len();
        let result = self.list_in_scope();
        self.vars.truncate(mark);
        result
    }

    #[allow(clippy::type_complexity)]
    fn list_in_scope(&mut self) -> Result<(Vec<Node>, Option<(usize, String)>), String> {
        let mut nodes = Vec::new();
        while let Some(item) = self.items.next() {
            let (pos, toks) = match item {
                Item::Text(t) => {
                    nodes.push(Node::Text(t));
                    continue;
                }
                Item::Action(pos, toks) => (pos, toks),
            };
            match toks.first() {
                Some((_, Tok::Ident(w))) if w == "end" || w == "else" => {
                    let word = w.clone();
                    self.pending = Some(toks);
                    return Ok((nodes, Some((pos, word))));
                }
                Some((_, Tok::Ident(w))) if matches!(w.as_str(), "if" | "range" | "with") => {
                    let control = match w.as_str() {
                        "if" => Control::If,
                        "range" => Control::Range,
                        _ => Control::With,
                    };
                    nodes.push(self.control(control, pos, &toks[1..])?);
                }
                None => return Err(err(self.source, pos, "missing value for command")),
                _ => nodes.push(Node::Action(self.pipe(pos, &toks)?)),
            }
        }
        Ok((nodes, None))
    }

    fn control(
        &mut self,
        control: Control,
        pos: usize,
        toks: &[(usize, Tok)],
    ) -> Result<Node, String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(err(self.source, pos, "max expression depth exceeded"));
        }
        let mark = self.vars.len();
        let node = self.control_body(control, pos, toks);
        self.vars.truncate(mark);
        self.depth -= 1;
        node
    }

    fn control_body(
        &mut self,
        control: Control,
        pos: usize,
        toks: &[(usize, Tok)],
    ) -> Result<Node, String> {
        let pipe = self.pipe(pos, toks)?;
        let (body, stop) = self.list()?;
        let Some((at, word)) = stop else {
            return Err(err(self.source, self.source.len(), "unexpected EOF"));
        };
        let mut otherwise = Vec::new();
        if word == "else" {
            let rest = self.pending.take().unwrap_or_default();
            match rest.get(1) {
                // `{{else if …}}`: an `if` in the else list, one `end`.
                Some((_, Tok::Ident(w))) if w == "if" => {
                    otherwise.push(self.control(Control::If, at, &rest[2..])?);
                }
                _ => {
                    let (list, stop) = self.list()?;
                    match stop {
                        Some((_, w)) if w == "end" => {}
                        Some((at, w)) => {
                            return Err(err(self.source, at, &format!("unexpected {{{{{w}}}}}")));
                        }
                        None => return Err(err(self.source, self.source.len(), "unexpected EOF")),
                    }
                    otherwise = list;
                }
            }
        }
        Ok(Node::Control(control, pipe, body, otherwise))
    }

    fn pipe(&mut self, pos: usize, toks: &[(usize, Tok)]) -> Result<Pipe, String> {
        let mut decl = Vec::new();
        let mut assign = false;
        let mut rest = toks;
        // `$x :=`, `$i, $e :=`, `$x =`.
        let mut i = 0;
        while let Some((_, Tok::Var(v))) = rest.get(i) {
            match rest.get(i + 1).map(|t| &t.1) {
                Some(Tok::Comma) => {
                    decl.push(v.clone());
                    i += 2;
                }
                Some(Tok::Declare | Tok::Assign) => {
                    decl.push(v.clone());
                    assign = rest[i + 1].1 == Tok::Assign;
                    rest = &rest[i + 2..];
                    break;
                }
                _ => {
                    decl.clear();
                    break;
                }
            }
        }
        let mut cmds = Vec::new();
        for part in split_top(rest, &Tok::Pipe) {
            let Some(&(at, _)) = part.first() else {
                return Err(err(self.source, pos, "missing value for command"));
            };
            let mut args = Vec::new();
            let mut j = 0;
            while j < part.len() {
                let (arg, used) = self.operand(&part[j..])?;
                args.push(arg);
                j += used;
            }
            cmds.push(Cmd { pos: at, args });
        }
        if cmds.is_empty() {
            return Err(err(self.source, pos, "missing value for command"));
        }
        if !assign {
            self.vars.extend(decl.iter().cloned());
        } else if let Some(v) = decl.iter().find(|v| !self.vars.contains(v)) {
            return Err(err(self.source, pos, &format!("undefined variable {v:?}")));
        }
        Ok(Pipe { decl, assign, cmds })
    }

    /// One operand: a term and the fields chained to it. The tokens used.
    fn operand(&mut self, toks: &[(usize, Tok)]) -> Result<(Arg, usize), String> {
        let (pos, tok) = &toks[0];
        let mut used = 1;
        let arg = match tok {
            Tok::Field(f) => Arg::Field(
                *pos,
                (!f.is_empty()).then(|| f.clone()).into_iter().collect(),
            ),
            Tok::Var(v) if !self.vars.contains(v) => {
                return Err(err(self.source, *pos, &format!("undefined variable {v:?}")));
            }
            Tok::Var(v) => Arg::Var(*pos, v.clone(), Vec::new()),
            Tok::Str(s) => Arg::Str(s.clone()),
            Tok::Num(n) => match n.parse::<i64>() {
                Ok(i) => Arg::Int(i),
                Err(_) => match crate::num::parse_f64(n) {
                    Some(f) => Arg::Float(f, n.clone()),
                    None => {
                        return Err(err(self.source, *pos, &format!("bad number syntax: {n:?}")));
                    }
                },
            },
            Tok::Ident(w) => match w.as_str() {
                "true" | "false" => Arg::Bool(w == "true"),
                "nil" => Arg::Nil,
                f if FUNCS.contains(&f) => Arg::Func(f.to_string()),
                f => {
                    return Err(err(
                        self.source,
                        *pos,
                        &format!("function {f:?} not defined"),
                    ));
                }
            },
            Tok::Open => {
                let mut depth = 0;
                let close = toks
                    .iter()
                    .position(|(_, t)| {
                        match t {
                            Tok::Open => depth += 1,
                            Tok::Close => depth -= 1,
                            _ => {}
                        }
                        depth == 0
                    })
                    .ok_or_else(|| err(self.source, *pos, "unclosed left paren"))?;
                used = close + 1;
                Arg::Sub(self.pipe(*pos, &toks[1..close])?, Vec::new())
            }
            other => {
                return Err(err(
                    self.source,
                    *pos,
                    &format!("unexpected {} in operand", tok_text(other)),
                ));
            }
        };
        // Fields chained to it; Go reports a chain at its second item.
        let mut arg = arg;
        while let Some((at, Tok::Chain(name))) = toks.get(used) {
            match &mut arg {
                Arg::Field(p, chain) | Arg::Var(p, _, chain) => {
                    if chain.len() == 1 || matches!(tok, Tok::Var(_)) && chain.is_empty() {
                        *p = *at;
                    }
                    chain.push(name.clone());
                }
                Arg::Sub(_, chain) => chain.push(name.clone()),
                _ => {
                    return Err(err(
                        self.source,
                        *at,
                        &format!("unexpected . after term {:?}", tok_text(tok)),
                    ));
                }
            }
            used += 1;
        }
        Ok((arg, used))
    }
}

fn tok_text(t: &Tok) -> String {
    match t {
        Tok::Close => "\")\"".into(),
        Tok::Pipe => "\"|\"".into(),
        Tok::Comma => "\",\"".into(),
        Tok::Declare => "\":=\"".into(),
        Tok::Assign => "\"=\"".into(),
        other => format!("{other:?}"),
    }
}

/// Splits tokens at `sep` outside parentheses.
fn split_top<'t>(toks: &'t [(usize, Tok)], sep: &Tok) -> Vec<&'t [(usize, Tok)]> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, (_, t)) in toks.iter().enumerate() {
        match t {
            Tok::Open => depth += 1,
            Tok::Close => depth -= 1,
            t if t == sep && depth == 0 => {
                parts.push(&toks[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if start < toks.len() || !parts.is_empty() {
        parts.push(&toks[start..]);
    }
    parts
}

/// A value as the template sees it: `None` is Go's invalid value (a
/// missing key), printed `<no value>`.
type GoValue = Option<Value>;

struct Run<'a> {
    strict: bool,
    source: &'a str,
    out: String,
    vars: Vec<(String, GoValue)>,
    /// Range iterations so far (a tab must not freeze on `range 1e9`).
    steps: u64,
}

/// How many range iterations and output bytes a template may take here
/// (Go has no limit; the browser tab has).
const MAX_STEPS: u64 = 1_000_000;
const MAX_OUTPUT: usize = 16 << 20;

impl Run<'_> {
    fn list(&mut self, nodes: &[Node], dot: &GoValue) -> Result<(), String> {
        for node in nodes {
            match node {
                Node::Text(t) => self.out.push_str(t),
                Node::Action(pipe) => {
                    let v = self.pipe(pipe, dot)?;
                    if pipe.decl.is_empty() {
                        let text = match &v {
                            None | Some(Value::Null) => "<no value>".to_string(),
                            Some(v) => go_v(v),
                        };
                        self.out.push_str(&text);
                    }
                }
                Node::Control(control, pipe, body, otherwise) => {
                    let mark = self.vars.len();
                    let result = self.control(*control, pipe, body, otherwise, dot);
                    self.vars.truncate(mark);
                    result?;
                }
            }
        }
        Ok(())
    }

    fn control(
        &mut self,
        control: Control,
        pipe: &Pipe,
        body: &[Node],
        otherwise: &[Node],
        dot: &GoValue,
    ) -> Result<(), String> {
        if control != Control::Range {
            let v = self.pipe(pipe, dot)?;
            return match (truth(&v), control) {
                (true, Control::With) => self.list(body, &v),
                (true, _) => self.list(body, dot),
                (false, _) => self.list(otherwise, dot),
            };
        }
        let bare = Pipe {
            decl: Vec::new(),
            assign: false,
            cmds: pipe.cmds.clone(),
        };
        let v = self.pipe(&bare, dot)?;
        let entries: Vec<(Value, Value)> = match &v {
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, x)| (Value::Int(i as i64), x.clone()))
                .collect(),
            Some(Value::Object(m)) => {
                let mut keys: Vec<&str> = m.keys().map(|k| &**k).collect();
                keys.compact_sort();
                keys.into_iter()
                    .map(|k| (Value::from(k), m.get(k).cloned().unwrap_or(Value::Null)))
                    .collect()
            }
            Some(Value::Int(n)) if self.steps + (*n).max(0) as u64 > MAX_STEPS => {
                return Err(self.exec_err(
                    pipe.cmds[0].pos,
                    &pipe_text(&bare),
                    &format!(
                        "range of {n}: more than {MAX_STEPS} iterations, where Kubeplay stops"
                    ),
                ));
            }
            Some(Value::Int(n)) => (0..*n).map(|i| (Value::Int(i), Value::Int(i))).collect(),
            None | Some(Value::Null) => Vec::new(),
            Some(other) => {
                return Err(self.exec_err(
                    pipe.cmds[0].pos,
                    &pipe_text(&bare),
                    &format!("range can't iterate over {}", go_v(other)),
                ));
            }
        };
        if entries.is_empty() {
            return self.list(otherwise, dot);
        }
        for (key, value) in entries {
            self.steps += 1;
            if self.steps > MAX_STEPS || self.out.len() > MAX_OUTPUT {
                return Err(self.exec_err(
                    pipe.cmds[0].pos,
                    &pipe_text(&bare),
                    &format!(
                        "more than {MAX_STEPS} iterations or {} MiB of output, where Kubeplay stops",
                        MAX_OUTPUT >> 20
                    ),
                ));
            }
            let mark = self.vars.len();
            match pipe.decl.as_slice() {
                [e] => self.vars.push((e.clone(), Some(value.clone()))),
                [k, e] => {
                    self.vars.push((k.clone(), Some(key)));
                    self.vars.push((e.clone(), Some(value.clone())));
                }
                _ => {}
            }
            let result = self.list(body, &Some(value));
            self.vars.truncate(mark);
            result?;
        }
        Ok(())
    }

    fn pipe(&mut self, pipe: &Pipe, dot: &GoValue) -> Result<GoValue, String> {
        let mut value: Option<GoValue> = None;
        for cmd in &pipe.cmds {
            value = Some(self.command(cmd, dot, value)?);
        }
        let value = value.unwrap_or(None);
        if let Some(name) = pipe.decl.first() {
            match self.vars.iter_mut().rev().find(|(n, _)| n == name) {
                Some(slot) if pipe.assign => slot.1 = value.clone(),
                _ => self.vars.push((name.clone(), value.clone())),
            }
        }
        Ok(value)
    }

    fn command(
        &mut self,
        cmd: &Cmd,
        dot: &GoValue,
        piped: Option<GoValue>,
    ) -> Result<GoValue, String> {
        let Some(Arg::Func(name)) = cmd.args.first() else {
            if cmd.args.len() > 1 || piped.is_some() {
                return Err(self.exec_err(
                    cmd.pos,
                    &cmd_text(cmd),
                    &format!(
                        "can't give argument to non-function {}",
                        arg_text(&cmd.args[0])
                    ),
                ));
            }
            return self.arg(&cmd.args[0], dot);
        };
        // `and` and `or` stop at the first argument that decides.
        let mut args = Vec::new();
        for a in &cmd.args[1..] {
            let v = self.arg(a, dot)?;
            let decided = match name.as_str() {
                "and" => !truth(&v),
                "or" => truth(&v),
                _ => false,
            };
            args.push(v);
            if decided {
                return Ok(args.pop().expect("pushed"));
            }
        }
        if let Some(p) = piped {
            args.push(p);
        }
        // Go reports a wrong count at the function's name.
        call(name, &args).map_err(|e| {
            if e.starts_with("wrong number of args") {
                self.exec_err(cmd.pos, name, &e)
            } else {
                self.exec_err(
                    cmd.pos,
                    &cmd_text(cmd),
                    &format!("error calling {name}: {e}"),
                )
            }
        })
    }

    fn arg(&mut self, arg: &Arg, dot: &GoValue) -> Result<GoValue, String> {
        Ok(match arg {
            Arg::Field(pos, chain) => self.fields(*pos, dot.clone(), chain, &arg_text(arg))?,
            Arg::Var(pos, name, chain) => {
                let Some((_, v)) = self.vars.iter().rev().find(|(n, _)| n == name) else {
                    return Err(err(
                        self.source,
                        *pos,
                        &format!("undefined variable {name:?}"),
                    ));
                };
                let v = v.clone();
                self.fields(*pos, v, chain, &arg_text(arg))?
            }
            Arg::Str(s) => Some(Value::from(s.as_str())),
            Arg::Int(i) => Some(Value::Int(*i)),
            Arg::Float(f, _) => Some(Value::Float(*f)),
            Arg::Bool(b) => Some(Value::Bool(*b)),
            Arg::Nil => Some(Value::Null),
            Arg::Func(name) => call(name, &[]).map_err(|e| format!("error calling {name}: {e}"))?,
            Arg::Sub(pipe, chain) => {
                let v = self.pipe(pipe, dot)?;
                self.fields(pipe.cmds[0].pos, v, chain, &arg_text(arg))?
            }
        })
    }

    fn fields(
        &self,
        pos: usize,
        mut v: GoValue,
        chain: &[String],
        node: &str,
    ) -> Result<GoValue, String> {
        for name in chain {
            v = match v {
                Some(Value::Object(m)) => match m.get(name.as_str()) {
                    None if self.strict => {
                        return Err(self.exec_err(
                            pos,
                            node,
                            &format!("map has no entry for key {name:?}"),
                        ));
                    }
                    found => found.cloned(),
                },
                None | Some(Value::Null) => None,
                Some(_) => {
                    return Err(self.exec_err(
                        pos,
                        node,
                        &format!("can't evaluate field {name} in type interface {{}}"),
                    ));
                }
            };
        }
        Ok(v)
    }

    /// Go's execution error: `template: output:LINE:COL: executing
    /// "output" at <NODE>: message`.
    fn exec_err(&self, pos: usize, node: &str, msg: &str) -> String {
        let before = &self.source[..pos.min(self.source.len())];
        let line = 1 + before.matches('\n').count();
        let col = pos - before.rfind('\n').map_or(0, |n| n + 1);
        format!("template: output:{line}:{col}: executing \"output\" at <{node}>: {msg}")
    }
}

fn arg_text(arg: &Arg) -> String {
    let chain = |c: &[String]| c.iter().map(|f| format!(".{f}")).collect::<String>();
    match arg {
        Arg::Field(_, c) if c.is_empty() => ".".into(),
        Arg::Field(_, c) => chain(c),
        Arg::Var(_, v, c) => format!("{v}{}", chain(c)),
        Arg::Func(f) => f.clone(),
        Arg::Str(s) => crate::api::errors::quote(s),
        Arg::Int(i) => i.to_string(),
        Arg::Float(_, text) => text.clone(),
        Arg::Bool(b) => b.to_string(),
        Arg::Nil => "nil".into(),
        Arg::Sub(p, c) => format!("({}){}", pipe_text(p), chain(c)),
    }
}

fn cmd_text(cmd: &Cmd) -> String {
    cmd.args.iter().map(arg_text).collect::<Vec<_>>().join(" ")
}

fn pipe_text(p: &Pipe) -> String {
    p.cmds.iter().map(cmd_text).collect::<Vec<_>>().join(" | ")
}

/// Go's truth: false, 0, nil, and empty strings, slices and maps are false.
fn truth(v: &GoValue) -> bool {
    match v {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::Int(i)) => *i != 0,
        Some(Value::Float(f)) => *f != 0.0,
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(m)) => m.iter().next().is_some(),
    }
}

/// Go's `%v` of a decoded JSON value: `map[k:v]` with sorted keys, `[a b]`.
pub fn go_v(v: &Value) -> String {
    match v {
        Value::Null => "<nil>".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => go_float(*f),
        Value::String(s) => s.to_string(),
        Value::Array(items) => {
            format!("[{}]", items.iter().map(go_v).collect::<Vec<_>>().join(" "))
        }
        Value::Object(m) => {
            let mut pairs: Vec<(&str, &Value)> = m.iter().map(|(k, v)| (k.as_ref(), v)).collect();
            pairs.compact_sort_by(|a, b| a.0.cmp(b.0));
            format!(
                "map[{}]",
                pairs
                    .iter()
                    .map(|(k, v)| format!("{k}:{}", go_v(v)))
                    .collect::<Vec<_>>()
                    .join(" ")
            )
        }
    }
}

/// Go's `%v` of a float64: the shortest digits, with an exponent below
/// 1e-4 and from 1e6 (`strconv.FormatFloat(f, 'g', -1, 64)`).
fn go_float(f: f64) -> String {
    if f == 0.0 || !f.is_finite() {
        return format!("{f}");
    }
    let exp = f.abs().log10().floor() as i32;
    if (-4..6).contains(&exp) {
        format!("{f}")
    } else {
        let s = format!("{f:e}");
        let (mantissa, e) = s.split_once('e').unwrap_or((&s, "0"));
        let e: i32 = e.parse().unwrap_or(0);
        format!("{mantissa}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
    }
}

fn type_name(v: &GoValue) -> &'static str {
    match v {
        None | Some(Value::Null) => "<nil>",
        Some(Value::Bool(_)) => "bool",
        Some(Value::Int(_)) => "int64",
        Some(Value::Float(_)) => "float64",
        Some(Value::String(_)) => "string",
        Some(Value::Array(_)) => "[]interface {}",
        Some(Value::Object(_)) => "map[string]interface {}",
    }
}

fn call(name: &str, args: &[GoValue]) -> Result<GoValue, String> {
    let want = |n: usize| {
        if args.len() == n {
            Ok(())
        } else {
            Err(format!(
                "wrong number of args for {name}: want {n} got {}",
                args.len()
            ))
        }
    };
    let text = |v: &GoValue| v.as_ref().map_or("<nil>".to_string(), go_v);
    Ok(Some(match name {
        "len" => {
            want(1)?;
            Value::Int(match &args[0] {
                Some(Value::String(s)) => s.len(),
                Some(Value::Array(a)) => a.len(),
                Some(Value::Object(m)) => m.iter().count(),
                other => return Err(format!("len of type {}", type_name(other))),
            } as i64)
        }
        "index" => {
            let Some((item, keys)) = args.split_first() else {
                return Err("wrong number of args for index: want at least 1 got 0".to_string());
            };
            return walk(item, keys, true);
        }
        "not" => {
            want(1)?;
            Value::Bool(!truth(&args[0]))
        }
        "and" | "or" => return Ok(args.last().cloned().unwrap_or(None)),
        "print" | "println" => {
            let mut s = String::new();
            for (i, a) in args.iter().enumerate() {
                let is_str = |v: &GoValue| matches!(v, Some(Value::String(_)));
                if i > 0 && (name == "println" || !(is_str(a) || is_str(&args[i - 1]))) {
                    s.push(' ');
                }
                s.push_str(&text(a));
            }
            if name == "println" {
                s.push('\n');
            }
            Value::from(s.as_str())
        }
        "printf" => {
            let Some((Some(Value::String(format)), rest)) = args.split_first() else {
                return Err("wrong type for value; expected string".into());
            };
            Value::from(printf(format, rest).as_str())
        }
        "eq" | "ne" | "lt" | "le" | "gt" | "ge" => {
            if args.len() < 2 {
                return Err("missing argument for comparison".into());
            }
            let order = |a: &GoValue, b: &GoValue| -> Result<std::cmp::Ordering, String> {
                match (a, b) {
                    (Some(Value::Int(x)), Some(Value::Int(y))) => Ok(x.cmp(y)),
                    (Some(Value::Float(x)), Some(Value::Float(y))) => x
                        .partial_cmp(y)
                        .ok_or_else(|| "incompatible types for comparison".into()),
                    (Some(Value::String(x)), Some(Value::String(y))) => Ok(x.cmp(y)),
                    (Some(Value::Bool(x)), Some(Value::Bool(y))) if matches!(name, "eq" | "ne") => {
                        Ok(x.cmp(y))
                    }
                    (Some(Value::Bool(_)), Some(Value::Bool(_))) => {
                        Err("invalid type for comparison".into())
                    }
                    (None | Some(Value::Null), _) | (_, None | Some(Value::Null)) => {
                        Err("invalid type for comparison".into())
                    }
                    _ => Err("incompatible types for comparison".into()),
                }
            };
            use std::cmp::Ordering::*;
            let result = match name {
                "eq" => {
                    let mut any = false;
                    for b in &args[1..] {
                        any |= order(&args[0], b)? == Equal;
                    }
                    any
                }
                _ => {
                    want(2)?;
                    let o = order(&args[0], &args[1])?;
                    match name {
                        "ne" => o != Equal,
                        "lt" => o == Less,
                        "le" => o != Greater,
                        "gt" => o == Greater,
                        _ => o != Less,
                    }
                }
            };
            Value::Bool(result)
        }
        "exists" => {
            let Some((item, keys)) = args.split_first() else {
                return Err("wrong number of args for exists: want at least 1 got 0".into());
            };
            let v = walk(item, keys, false)?;
            Value::Bool(!matches!(v, None | Some(Value::Null)))
        }
        "base64decode" => {
            want(1)?;
            let Some(Value::String(s)) = &args[0] else {
                return Err(format!(
                    "wrong type for value; expected string; got {}",
                    type_name(&args[0])
                ));
            };
            let bytes = crate::kubelet::images::decode_base64(s).ok_or_else(|| {
                let at = s
                    .find(|c: char| !(c.is_ascii_alphanumeric() || "+/=".contains(c)))
                    .unwrap_or(s.len());
                format!("base64 decode failed: illegal base64 data at input byte {at}")
            })?;
            Value::from(String::from_utf8_lossy(&bytes).as_ref())
        }
        _ => return Err(format!("function {name:?} not defined")),
    }))
}

/// The keys `index` and `exists` follow: `index` fails where `exists`
/// finds nothing.
fn walk(item: &GoValue, keys: &[GoValue], strict: bool) -> Result<GoValue, String> {
    let mut v = item.clone();
    for k in keys {
        v = match (&v, k) {
            (Some(Value::Object(m)), Some(Value::String(s))) => m.get(&**s).cloned(),
            (Some(Value::Array(a)), Some(Value::Int(i))) => {
                match usize::try_from(*i).ok().and_then(|i| a.get(i)) {
                    Some(x) => Some(x.clone()),
                    None if strict => return Err(format!("index out of range: {i}")),
                    None => None,
                }
            }
            _ if !strict => None,
            (None | Some(Value::Null), _) => return Err("index of untyped nil".into()),
            (_, k) => {
                return Err(format!(
                    "cannot index slice/array with type {}",
                    type_name(k)
                ));
            }
        };
    }
    Ok(v)
}

/// Go's `fmt.Sprintf`: flags (`-+ 0#`), width and precision (or `*`), the
/// verbs `v s q d b o x X c f e g t`, and Go's `%!d(string=x)` for a wrong
/// type, `%!s(MISSING)` and `%!(EXTRA …)`.
fn printf(format: &str, args: &[GoValue]) -> String {
    let mut out = String::new();
    let mut next = args.iter();
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = Spec::default();
        while let Some(&f) = chars.peek() {
            match f {
                '-' => spec.minus = true,
                '+' => spec.plus = true,
                ' ' => spec.space = true,
                '0' => spec.zero = true,
                // Go's alternate forms (`%#v`…) are not applied.
                '#' => {}
                _ => break,
            }
            chars.next();
        }
        let mut minus = false;
        let mut number = |chars: &mut std::iter::Peekable<std::str::Chars>| {
            if chars.peek() == Some(&'*') {
                chars.next();
                // A negative width left-justifies; Go refuses more than 1e6.
                return match next.next() {
                    Some(Some(Value::Int(n))) => {
                        if *n < 0 {
                            minus = true;
                        }
                        Some(n.unsigned_abs().min(1_000_000) as usize)
                    }
                    _ => Some(0),
                };
            }
            let mut n: Option<usize> = None;
            while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
                n = Some(
                    n.unwrap_or(0)
                        .saturating_mul(10)
                        .saturating_add(d as usize)
                        .min(1 << 16),
                );
                chars.next();
            }
            n
        };
        spec.width = number(&mut chars);
        if chars.peek() == Some(&'.') {
            chars.next();
            spec.prec = Some(number(&mut chars).unwrap_or(0));
        }
        spec.minus |= minus;
        let Some(verb) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        match next.next() {
            Some(arg) => out.push_str(&format_arg(verb, &spec, arg)),
            None => out.push_str(&format!("%!{verb}(MISSING)")),
        }
    }
    let extra: Vec<String> = next
        .map(|a| {
            format!(
                "{}={}",
                type_name(a),
                a.as_ref().map_or("<nil>".to_string(), go_v)
            )
        })
        .collect();
    if !extra.is_empty() {
        out.push_str(&format!("%!(EXTRA {})", extra.join(", ")));
    }
    out
}

/// One `%` directive's flags, width and precision.
#[derive(Clone, Copy, Default)]
struct Spec {
    minus: bool,
    plus: bool,
    space: bool,
    zero: bool,
    width: Option<usize>,
    prec: Option<usize>,
}

fn format_arg(verb: char, spec: &Spec, arg: &GoValue) -> String {
    let bad = || match arg {
        None | Some(Value::Null) => format!("%!{verb}(<nil>)"),
        Some(v) => format!("%!{verb}({}={})", type_name(arg), go_v(v)),
    };
    let signed = |digits: String, negative: bool| {
        let sign = if negative {
            "-"
        } else if spec.plus {
            "+"
        } else if spec.space {
            " "
        } else {
            ""
        };
        (sign.to_string(), digits)
    };
    let (sign, body) = match (verb, arg) {
        // Lists and maps: the verb for each element, as fmt does.
        (_, Some(Value::Array(items))) if verb != 'T' => {
            let inner = Spec {
                width: None,
                ..*spec
            };
            let parts: Vec<String> = items
                .iter()
                .map(|x| format_arg(verb, &inner, &Some(x.clone())))
                .collect();
            (String::new(), format!("[{}]", parts.join(" ")))
        }
        (_, Some(Value::Object(m))) if verb != 'T' => {
            let inner = Spec {
                width: None,
                ..*spec
            };
            let mut pairs: Vec<(&str, &Value)> = m.iter().map(|(k, v)| (k.as_ref(), v)).collect();
            pairs.compact_sort_by(|a, b| a.0.cmp(b.0));
            let parts: Vec<String> = pairs
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{}:{}",
                        format_arg(verb, &inner, &Some(Value::from(*k))),
                        format_arg(verb, &inner, &Some((*v).clone()))
                    )
                })
                .collect();
            (String::new(), format!("map[{}]", parts.join(" ")))
        }
        ('T', _) => (String::new(), type_name(arg).to_string()),
        ('v' | 's', Some(Value::String(s))) => {
            let s: String = match spec.prec {
                Some(p) => s.chars().take(p).collect(),
                None => s.to_string(),
            };
            (String::new(), s)
        }
        ('q', Some(Value::String(s))) => (String::new(), crate::api::errors::quote(s)),
        ('x' | 'X', Some(Value::String(s))) => {
            let hex: String = s.bytes().map(|b| format!("{b:02x}")).collect();
            (
                String::new(),
                if verb == 'X' {
                    hex.to_ascii_uppercase()
                } else {
                    hex
                },
            )
        }
        ('v' | 't', Some(Value::Bool(b))) => (String::new(), b.to_string()),
        ('v' | 'd', Some(Value::Int(i))) => signed(i.unsigned_abs().to_string(), *i < 0),
        ('b', Some(Value::Int(i))) => signed(format!("{:b}", i.unsigned_abs()), *i < 0),
        ('o', Some(Value::Int(i))) => signed(format!("{:o}", i.unsigned_abs()), *i < 0),
        ('x', Some(Value::Int(i))) => signed(format!("{:x}", i.unsigned_abs()), *i < 0),
        ('X', Some(Value::Int(i))) => signed(format!("{:X}", i.unsigned_abs()), *i < 0),
        ('c', Some(Value::Int(i))) => (
            String::new(),
            u32::try_from(*i)
                .ok()
                .and_then(char::from_u32)
                .unwrap_or('\u{fffd}')
                .to_string(),
        ),
        ('v' | 'g', Some(Value::Float(f))) if spec.prec.is_none() => {
            signed(go_float(f.abs()), *f < 0.0)
        }
        ('f' | 'F', Some(Value::Float(f))) => {
            signed(format!("{:.*}", spec.prec.unwrap_or(6), f.abs()), *f < 0.0)
        }
        ('e' | 'E' | 'g', Some(Value::Float(f))) => {
            let s = format!("{:.*e}", spec.prec.unwrap_or(6), f.abs());
            let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
            let e: i32 = e.parse().unwrap_or(0);
            let s = format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs());
            signed(
                if verb == 'E' {
                    s.to_ascii_uppercase()
                } else {
                    s
                },
                *f < 0.0,
            )
        }
        ('v', None | Some(Value::Null)) => (String::new(), "<nil>".to_string()),
        _ => return bad(),
    };
    let len = sign.chars().count() + body.chars().count();
    let pad = spec.width.unwrap_or(0).saturating_sub(len);
    let numeric = matches!(arg, Some(Value::Int(_) | Value::Float(_)));
    if spec.minus {
        format!("{sign}{body}{}", " ".repeat(pad))
    } else if spec.zero && numeric {
        format!("{sign}{}{body}", "0".repeat(pad))
    } else {
        format!("{}{sign}{body}", " ".repeat(pad))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> Value {
        crate::yaml::load_str(
            "kind: Deployment\nmetadata: {name: web, labels: {app: web}, creationTimestamp: null}\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers: [{name: nginx, image: nginx}, {name: side, image: busybox}]\nstatus: {}\n",
        )
        .unwrap()[0]
            .root
            .to_value()
    }

    fn run(t: &str) -> String {
        match GoTemplate::parse(t) {
            Ok(t) => match t.execute(&data()) {
                Ok(s) => s,
                Err((partial, e)) => format!("{partial}ERR {e}"),
            },
            Err(e) => format!("PARSE {e}"),
        }
    }

    #[test]
    fn prints_as_kubectl_v1_32_printed() {
        // Each case checked against kubectl v1.32's go-template printer.
        for (template, want) in [
            ("{{.spec.replicas}}", "3"),
            ("{{.metadata.foo}}", "<no value>"),
            ("{{.metadata.foo.bar}}", "<no value>"),
            (
                "{{.metadata.creationTimestamp}} {{.status}}",
                "<no value> map[]",
            ),
            (
                "{{.metadata.name.x}}",
                "ERR template: output:1:11: executing \"output\" at <.metadata.name.x>: can't evaluate field x in type interface {}",
            ),
            ("{{printf \"%d\" .spec.replicas}}", "3"),
            (
                "{{printf \"%s-%v\" .metadata.name .spec.replicas}}",
                "web-3",
            ),
            ("{{.metadata.labels}}", "map[app:web]"),
            (
                "{{range .spec.template.spec.containers}}{{.name}} {{.image}}{{\"\\n\"}}{{end}}",
                "nginx nginx\nside busybox\n",
            ),
            (
                "{{range .items}}",
                "PARSE template: output:1: unexpected EOF",
            ),
            (
                "{{.spec.replicas",
                "PARSE template: output:1: unclosed action",
            ),
            (
                "{{foo .x}}",
                "PARSE template: output:1: function \"foo\" not defined",
            ),
            (
                "{{len .metadata.labels}} {{index .metadata.labels \"app\"}} {{exists .metadata \"labels\"}} {{if eq .spec.replicas 3.0}}three{{end}}",
                "1 web true ERR template: output:1:93: executing \"output\" at <eq .spec.replicas 3.0>: error calling eq: incompatible types for comparison",
            ),
            ("{{if eq .spec.replicas 3}}three{{end}}", "three"),
            (
                "{{print 1 2 \"a\" \"b\" 3}}|{{println \"x\" 1}}|",
                "1 2ab3|x 1\n|",
            ),
            (
                "{{range $k, $v := .metadata.labels}}{{$k}}={{$v}};{{end}}",
                "app=web;",
            ),
            ("{{ .metadata.name -}}   x  {{- .kind }}", "webxDeployment"),
        ] {
            assert_eq!(run(template), want, "{template}");
        }
    }

    #[test]
    fn control_structures_and_variables() {
        for (template, want) in [
            ("{{if .nope}}a{{else if .kind}}b{{else}}c{{end}}", "b"),
            ("{{with .metadata}}{{.name}}{{end}}", "web"),
            ("{{range .nope}}x{{else}}none{{end}}", "none"),
            (
                "{{$n := .metadata.name}}{{range .spec.template.spec.containers}}{{$n}}/{{.name}} {{end}}",
                "web/nginx web/side ",
            ),
            (
                "{{range $i, $c := .spec.template.spec.containers}}{{$i}}:{{$c.name}} {{end}}",
                "0:nginx 1:side ",
            ),
            ("{{.metadata.name | printf \"%q\"}}", "\"web\""),
            (
                "{{(index .spec.template.spec.containers 1).image}}",
                "busybox",
            ),
            ("{{if and .kind (not .nope)}}yes{{end}}", "yes"),
            ("{{printf \"%d\" .metadata.name}}", "%!d(string=web)"),
            ("{{/* a comment */}}ok", "ok"),
            // printf as Go's fmt (each checked against kubectl v1.32).
            (
                "{{printf \"%5s|%-8v|%.2s\" .kind .spec.replicas .kind}}",
                "Deployment|3       |De",
            ),
            (
                "{{printf \"%05d|%+d|% d|%x|%X|%o|%b|%c\" .spec.replicas .spec.replicas .spec.replicas 255 255 8 5 65}}",
                "00003|+3| 3|ff|FF|10|101|A",
            ),
            ("{{printf \"%s\" .spec.replicas}}", "%!s(int64=3)"),
            (
                "{{printf \"%q\" .spec.template.spec.containers}}",
                "[map[\"image\":\"nginx\" \"name\":\"nginx\"] map[\"image\":\"busybox\" \"name\":\"side\"]]",
            ),
            (
                "{{printf \"%6.2f|%e|%g|%v\" 3.14159 1234.5 0.000012 2.5}}",
                "  3.14|1.234500e+03|1.2e-05|2.5",
            ),
            ("{{printf \"%*d|%-*d|\" 5 3 4 7}}", "    3|7   |"),
            ("{{printf \"%s %s\" .kind}}", "Deployment %!s(MISSING)"),
            ("{{printf \"%s\" .nothing}}", "%!s(<nil>)"),
            ("{{printf \"%08.3f\" -3.5}}", "-003.500"),
            (
                "{{.metadata.labels.app-name}}",
                "PARSE template: output:1: bad character U+002D '-'",
            ),
            (
                "{{.metadata.name}}{{$x}}",
                "PARSE template: output:1: undefined variable \"$x\"",
            ),
            (
                "{{len .kind .kind}}",
                "ERR template: output:1:2: executing \"output\" at <len>: wrong number of args for len: want 1 got 2",
            ),
            ("{{end}}", "PARSE template: output:1: unexpected {{end}}"),
        ] {
            assert_eq!(run(template), want, "{template}");
        }
        assert_eq!(go_float(1e6), "1e+06");
        assert_eq!(go_float(123456.5), "123456.5");
    }

    #[test]
    fn mangled_templates_never_panic() {
        let pieces = [
            "{{",
            "}}",
            "{{-",
            "-}}",
            " ",
            ".",
            ".a",
            ".metadata",
            ".name",
            "$",
            "$x",
            ":=",
            "=",
            ",",
            "|",
            "(",
            ")",
            "\"",
            "`",
            "range",
            "if",
            "else",
            "end",
            "with",
            "len",
            "index",
            "printf",
            "\"%d %s %v %q\"",
            "eq",
            "3",
            "3.0",
            "-1",
            "nil",
            "true",
            "é",
            "\n",
            "/*",
            "*/",
            "exists",
            "base64decode",
            "and",
            "or",
            "not",
            "print",
            ".spec.template",
        ];
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let deep = format!("{{{{{}1{}}}}}", "(".repeat(5000), ")".repeat(5000));
        assert!(GoTemplate::parse(&deep).is_err());
        let nested = "{{if .}}".repeat(5000);
        assert!(GoTemplate::parse(&nested).is_err());
        // What would freeze a tab stops with an error.
        for huge in [
            "{{range 100000000}}{{end}}",
            "{{range 1000}}{{range 1000}}{{range 1000}}x{{end}}{{end}}{{end}}",
        ] {
            let t = GoTemplate::parse(huge).unwrap();
            assert!(t.execute(&data()).is_err(), "{huge}");
        }
        assert_eq!(run("{{printf \"%*d|\" -3 7}}"), "7  |");
        assert_eq!(run("{{printf \"%*d\" 99999999999 7}}").len(), 1_000_000);
        for _ in 0..20_000 {
            let mut t = String::new();
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            for k in 0..(x % 12) {
                let r = x.rotate_left(k as u32 * 5);
                t.push_str(pieces[(r % pieces.len() as u64) as usize]);
            }
            if let Ok(template) = GoTemplate::parse(&t) {
                let _ = template.execute(&data());
            }
        }
    }
}
