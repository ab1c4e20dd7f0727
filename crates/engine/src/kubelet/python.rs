//! A small Python for `python3 -c` programs like the Kubernetes docs' Job
//! examples: imports, assignments, `print`, `if`/`elif`/`else`,
//! `sys.exit`, `time.sleep`, `os.environ`, `int` and `str`, numbers,
//! strings, arithmetic and comparisons. A program using anything else is not run here (the caller
//! falls back); a runtime error prints CPython's traceback and exits 1.

use crate::vecmap::VecMap;

use crate::time::Millis;

/// What a program printed, how it exited and how long it slept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PyRun {
    pub lines: Vec<String>,
    pub code: i32,
    pub slept: Millis,
}

#[derive(Clone, Debug, PartialEq)]
enum Val {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Module(&'static str),
}

impl Val {
    fn type_name(&self) -> &'static str {
        match self {
            Val::None => "NoneType",
            Val::Bool(_) => "bool",
            Val::Int(_) => "int",
            Val::Float(_) => "float",
            Val::Str(_) => "str",
            Val::Module(_) => "module",
        }
    }

    fn truthy(&self) -> bool {
        match self {
            Val::None => false,
            Val::Bool(b) => *b,
            Val::Int(n) => *n != 0,
            Val::Float(f) => *f != 0.0,
            Val::Str(s) => !s.is_empty(),
            Val::Module(_) => true,
        }
    }

    /// `str()`.
    fn text(&self) -> String {
        match self {
            Val::None => "None".into(),
            Val::Bool(true) => "True".into(),
            Val::Bool(false) => "False".into(),
            Val::Int(n) => n.to_string(),
            Val::Float(f) if f.fract() == 0.0 && f.abs() < 1e16 => format!("{f:.1}"),
            Val::Float(f) => f.to_string(),
            Val::Str(s) => s.clone(),
            Val::Module(m) => format!("<module '{m}'>"),
        }
    }

    fn number(&self) -> Option<f64> {
        match self {
            Val::Bool(b) => Some(f64::from(u8::from(*b))),
            Val::Int(n) => Some(*n as f64),
            Val::Float(f) => Some(*f),
            _ => None,
        }
    }

    fn int(&self) -> Option<i64> {
        match self {
            Val::Bool(b) => Some(i64::from(*b)),
            Val::Int(n) => Some(*n),
            _ => None,
        }
    }
}

/// How a statement ended.
enum Flow {
    Next,
    Exit(i32),
}

/// A Python exception: its type and message.
struct Raise(String);

fn err<T>(kind: &str, msg: impl AsRef<str>) -> Result<T, Raise> {
    Err(Raise(format!("{kind}: {}", msg.as_ref())))
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Name(String),
    Int(i64),
    Float(f64),
    Str(String),
    Op(&'static str),
}

const OPS: [&str; 22] = [
    "==", "!=", "<=", ">=", "//", "**", "(", ")", "[", "]", ",", ".", "+", "-", "*", "/", "%", "<",
    ">", "=", ":", ";",
];

fn tokens(line: &str) -> Option<Vec<Tok>> {
    let b = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b' ' || c == b'\t' {
            i += 1;
        } else if c == b'#' {
            break;
        } else if c.is_ascii_digit() {
            let start = i;
            while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.' || b[i] == b'_') {
                i += 1;
            }
            let text = line[start..i].replace('_', "");
            out.push(if text.contains('.') {
                Tok::Float(crate::num::parse_f64(&text)?)
            } else {
                Tok::Int(text.parse().ok()?)
            });
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            // f-strings, bytes and raw strings are not known here.
            if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                return None;
            }
            out.push(Tok::Name(line[start..i].to_string()));
        } else if c == b'"' || c == b'\'' {
            i += 1;
            let mut s = String::new();
            loop {
                let ch = line[i..].chars().next()?;
                i += ch.len_utf8();
                match ch {
                    _ if ch as u32 == u32::from(c) => break,
                    '\\' => {
                        let e = line[i..].chars().next()?;
                        i += e.len_utf8();
                        s.push(match e {
                            'n' => '\n',
                            't' => '\t',
                            other => other,
                        });
                    }
                    other => s.push(other),
                }
            }
            out.push(Tok::Str(s));
        } else {
            let op = OPS.iter().find(|op| line[i..].starts_with(**op))?;
            i += op.len();
            out.push(Tok::Op(op));
        }
    }
    Some(out)
}

/// One logical line: its indentation, tokens and source line number.
struct Line {
    indent: usize,
    toks: Vec<Tok>,
    number: usize,
}

/// Runs `source` with the container's environment; `None` when it uses
/// Python this module does not know.
pub(crate) fn run(source: &str, env: &VecMap<String, String>) -> Option<PyRun> {
    let mut lines = Vec::new();
    for (i, raw) in source.lines().enumerate() {
        let indent = raw.len() - raw.trim_start().len();
        let toks = tokens(raw)?;
        if toks.is_empty() {
            continue;
        }
        lines.push(Line {
            indent,
            toks,
            number: i + 1,
        });
    }
    // Refuse anything the interpreter would not run to the end.
    check_block(&lines, 0, lines.len(), 0)?;
    let mut py = Py {
        env,
        vars: Vars(Vec::new()),
        out: Vec::new(),
        slept: 0,
        line: 0,
    };
    let code = match py.block(&lines, 0, lines.len()) {
        Ok(Flow::Next) => 0,
        Ok(Flow::Exit(code)) => code,
        // Syntax this module cannot read is not run here.
        Err(Raise(message)) if message.starts_with("SyntaxError") || message == UNSUPPORTED => {
            return None;
        }
        Err(Raise(message)) => {
            py.out.push("Traceback (most recent call last):".into());
            py.out.push(format!(
                "  File \"<string>\", line {}, in <module>",
                py.line
            ));
            py.out.push(message);
            1
        }
    };
    // A last line without its newline is still a line of the log.
    for line in &mut py.out {
        if line.ends_with('\u{0}') {
            line.pop();
        }
    }
    Some(PyRun {
        lines: py.out,
        code,
        slept: py.slept,
    })
}

/// Whether every statement in `lines[from..to]` has a form `Py` runs
/// (and blocks nest at most 100 deep, as CPython's parser allows).
fn check_block(lines: &[Line], from: usize, to: usize, depth: u32) -> Option<()> {
    if depth > 100 {
        return None;
    }
    let mut i = from;
    while i < to {
        let l = &lines[i];
        let end = block_end(lines, i, to);
        match l.toks.first()? {
            Tok::Name(k)
                if matches!(k.as_str(), "if" | "elif" | "else")
                    && l.toks.last() == Some(&Tok::Op(":")) =>
            {
                if end == i + 1 {
                    return None;
                }
                check_block(lines, i + 1, end, depth + 1)?;
            }
            Tok::Name(k)
                if matches!(
                    k.as_str(),
                    "for" | "while" | "def" | "class" | "try" | "with" | "from" | "lambda"
                ) =>
            {
                return None;
            }
            _ => {}
        }
        i = end;
    }
    Some(())
}

/// The end of the statement at `i` with its indented block.
fn block_end(lines: &[Line], i: usize, to: usize) -> usize {
    let indent = lines[i].indent;
    let mut j = i + 1;
    while j < to && lines[j].indent > indent {
        j += 1;
    }
    j
}

/// The program's variables (few: a list is smaller than a map here).
struct Vars(Vec<(String, Val)>);

impl Vars {
    fn get(&self, name: &str) -> Option<&Val> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    fn contains_key(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    fn insert(&mut self, name: String, value: Val) {
        match self.0.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.0.push((name, value)),
        }
    }
}

struct Py<'e> {
    env: &'e VecMap<String, String>,
    vars: Vars,
    out: Vec<String>,
    slept: Millis,
    line: usize,
}

impl Py<'_> {
    fn block(&mut self, lines: &[Line], from: usize, to: usize) -> Result<Flow, Raise> {
        let mut i = from;
        // Whether an earlier branch of the current if/elif chain ran.
        let mut taken = false;
        while i < to {
            let l = &lines[i];
            self.line = l.number;
            let end = block_end(lines, i, to);
            let t = &l.toks;
            let keyword = match &t[0] {
                Tok::Name(k) => k.as_str(),
                _ => "",
            };
            match keyword {
                "if" | "elif" | "else" => {
                    let colon = t.iter().position(|x| *x == Tok::Op(":"));
                    let Some(colon) = colon else {
                        return err("SyntaxError", "expected ':'");
                    };
                    let run = match keyword {
                        "if" => {
                            taken = false;
                            self.expr(&t[1..colon])?.truthy()
                        }
                        _ if taken => false,
                        "elif" => self.expr(&t[1..colon])?.truthy(),
                        _ => true,
                    };
                    if run {
                        taken = true;
                        let flow = if colon + 1 < t.len() {
                            self.simple(&t[colon + 1..])?
                        } else {
                            self.block(lines, i + 1, end)?
                        };
                        if let Flow::Exit(c) = flow {
                            return Ok(Flow::Exit(c));
                        }
                    }
                }
                _ => {
                    taken = false;
                    for stmt in t.split(|x| *x == Tok::Op(";")).filter(|s| !s.is_empty()) {
                        if let Flow::Exit(c) = self.simple(stmt)? {
                            return Ok(Flow::Exit(c));
                        }
                    }
                }
            }
            i = end;
        }
        Ok(Flow::Next)
    }

    fn simple(&mut self, t: &[Tok]) -> Result<Flow, Raise> {
        match t {
            [Tok::Name(k), rest @ ..] if k == "import" => {
                for part in rest.split(|x| *x == Tok::Op(",")) {
                    match part {
                        [Tok::Name(m)] => {
                            let module = match m.as_str() {
                                "os" => "os",
                                "sys" => "sys",
                                "time" => "time",
                                _ => {
                                    return err(
                                        "ModuleNotFoundError",
                                        format!("No module named '{m}'"),
                                    );
                                }
                            };
                            self.vars.insert(m.clone(), Val::Module(module));
                        }
                        _ => return err("SyntaxError", "invalid syntax"),
                    }
                }
                Ok(Flow::Next)
            }
            [Tok::Name(k)] if k == "pass" => Ok(Flow::Next),
            [Tok::Name(name), Tok::Op("="), rest @ ..] => {
                let v = self.expr(rest)?;
                self.vars.insert(name.clone(), v);
                Ok(Flow::Next)
            }
            _ => {
                // An expression statement; `sys.exit` and `exit` end the run.
                if let Some(code) = self.exit_call(t)? {
                    return Ok(Flow::Exit(code));
                }
                self.expr(t)?;
                Ok(Flow::Next)
            }
        }
    }

    /// `sys.exit(x)` / `exit(x)` / `quit(x)`: the exit code (a string is
    /// printed and gives 1).
    fn exit_call(&mut self, t: &[Tok]) -> Result<Option<i32>, Raise> {
        let args = match t {
            [
                Tok::Name(m),
                Tok::Op("."),
                Tok::Name(f),
                Tok::Op("("),
                inner @ ..,
                Tok::Op(")"),
            ] if f == "exit" && self.vars.get(m) == Some(&Val::Module("sys")) => inner,
            [Tok::Name(f), Tok::Op("("), inner @ .., Tok::Op(")")]
                if (f == "exit" || f == "quit") && !self.vars.contains_key(f) =>
            {
                inner
            }
            _ => return Ok(None),
        };
        if args.is_empty() {
            return Ok(Some(0));
        }
        Ok(Some(match self.expr(args)? {
            Val::None => 0,
            Val::Bool(b) => i32::from(b),
            Val::Int(n) => (n & 0xff) as i32,
            other => {
                self.out.push(other.text());
                1
            }
        }))
    }

    fn expr(&mut self, t: &[Tok]) -> Result<Val, Raise> {
        let mut p = Parser { t, i: 0, depth: 0 };
        let v = self.or(&mut p)?;
        if p.i != t.len() {
            return err("SyntaxError", "invalid syntax");
        }
        Ok(v)
    }

    fn or(&mut self, p: &mut Parser) -> Result<Val, Raise> {
        let mut v = self.and(p)?;
        while p.eat_name("or") {
            let r = self.and(p)?;
            if !v.truthy() {
                v = r;
            }
        }
        Ok(v)
    }

    fn and(&mut self, p: &mut Parser) -> Result<Val, Raise> {
        let mut v = self.not(p)?;
        while p.eat_name("and") {
            let r = self.not(p)?;
            if v.truthy() {
                v = r;
            }
        }
        Ok(v)
    }

    fn not(&mut self, p: &mut Parser) -> Result<Val, Raise> {
        if p.eat_name("not") {
            p.enter()?;
            let v = self.not(p)?;
            p.depth -= 1;
            return Ok(Val::Bool(!v.truthy()));
        }
        self.compare(p)
    }

    fn compare(&mut self, p: &mut Parser) -> Result<Val, Raise> {
        let left = self.sum(p)?;
        let op = match p.peek() {
            Some(Tok::Op(op @ ("==" | "!=" | "<" | ">" | "<=" | ">="))) => *op,
            _ => return Ok(left),
        };
        p.i += 1;
        let right = self.sum(p)?;
        let result = match op {
            "==" => equal(&left, &right),
            "!=" => !equal(&left, &right),
            _ => {
                let ord = match (&left, &right) {
                    (Val::Str(a), Val::Str(b)) => a.cmp(b),
                    _ => match (left.number(), right.number()) {
                        (Some(a), Some(b)) => {
                            a.partial_cmp(&b).unwrap_or(std::cmp::Ordering::Equal)
                        }
                        _ => {
                            return err(
                                "TypeError",
                                format!(
                                    "'{op}' not supported between instances of '{}' and '{}'",
                                    left.type_name(),
                                    right.type_name()
                                ),
                            );
                        }
                    },
                };
                match op {
                    "<" => ord.is_lt(),
                    ">" => ord.is_gt(),
                    "<=" => ord.is_le(),
                    _ => ord.is_ge(),
                }
            }
        };
        Ok(Val::Bool(result))
    }

    fn sum(&mut self, p: &mut Parser) -> Result<Val, Raise> {
        let mut v = self.product(p)?;
        while let Some(Tok::Op(op @ ("+" | "-"))) = p.peek() {
            let op = *op;
            p.i += 1;
            let r = self.product(p)?;
            v = arith(op, &v, &r)?;
        }
        Ok(v)
    }

    fn product(&mut self, p: &mut Parser) -> Result<Val, Raise> {
        let mut v = self.unary(p)?;
        while let Some(Tok::Op(op @ ("*" | "/" | "//" | "%"))) = p.peek() {
            let op = *op;
            p.i += 1;
            let r = self.unary(p)?;
            v = arith(op, &v, &r)?;
        }
        Ok(v)
    }

    fn unary(&mut self, p: &mut Parser) -> Result<Val, Raise> {
        if p.eat_op("-") {
            p.enter()?;
            let v = self.unary(p)?;
            p.depth -= 1;
            return arith("-", &Val::Int(0), &v);
        }
        self.primary(p)
    }

    fn primary(&mut self, p: &mut Parser) -> Result<Val, Raise> {
        let Some(tok) = p.next() else {
            return err("SyntaxError", "invalid syntax");
        };
        let mut path: Vec<String> = Vec::new();
        let mut v = match tok {
            Tok::Int(n) => Val::Int(*n),
            Tok::Float(f) => Val::Float(*f),
            Tok::Str(s) => Val::Str(s.clone()),
            Tok::Op("(") => {
                p.enter()?;
                let v = self.or(p)?;
                p.depth -= 1;
                if !p.eat_op(")") {
                    return err("SyntaxError", "'(' was never closed");
                }
                v
            }
            Tok::Name(n) => match n.as_str() {
                "None" => Val::None,
                "True" => Val::Bool(true),
                "False" => Val::Bool(false),
                _ => {
                    path.push(n.clone());
                    while p.peek() == Some(&Tok::Op(".")) {
                        p.i += 1;
                        match p.next() {
                            Some(Tok::Name(attr)) => path.push(attr.clone()),
                            _ => return err("SyntaxError", "invalid syntax"),
                        }
                    }
                    if p.peek() == Some(&Tok::Op("(")) {
                        p.i += 1;
                        let args = self.args(p)?;
                        self.call(&path, args)?
                    } else if p.peek() == Some(&Tok::Op("[")) {
                        p.i += 1;
                        p.enter()?;
                        let key = self.or(p)?;
                        p.depth -= 1;
                        if !p.eat_op("]") {
                            return err("SyntaxError", "invalid syntax");
                        }
                        self.subscript(&path, key)?
                    } else {
                        self.name(&path)?
                    }
                }
            },
            _ => return err("SyntaxError", "invalid syntax"),
        };
        // `"…".upper()`-style methods are not known here.
        if p.peek() == Some(&Tok::Op(".")) {
            v = err("AttributeError", "unsupported attribute")?;
        }
        Ok(v)
    }

    fn args(&mut self, p: &mut Parser) -> Result<Vec<Val>, Raise> {
        p.enter()?;
        let args = self.arg_list(p);
        p.depth -= 1;
        args
    }

    fn arg_list(&mut self, p: &mut Parser) -> Result<Vec<Val>, Raise> {
        let mut args = Vec::new();
        if p.eat_op(")") {
            return Ok(args);
        }
        loop {
            // Keyword arguments (print's `end=`, `flush=`) are accepted and
            // only `end` matters.
            if let (Some(Tok::Name(k)), Some(Tok::Op("="))) = (p.t.get(p.i), p.t.get(p.i + 1)) {
                let k = k.clone();
                p.i += 2;
                let v = self.or(p)?;
                if k == "end" {
                    args.push(Val::Module("end"));
                    args.push(v);
                }
            } else {
                args.push(self.or(p)?);
            }
            if p.eat_op(")") {
                return Ok(args);
            }
            if !p.eat_op(",") {
                return err("SyntaxError", "invalid syntax");
            }
        }
    }

    fn module_of(&self, name: &str) -> Option<&'static str> {
        match self.vars.get(name) {
            Some(Val::Module(m)) => Some(m),
            _ => None,
        }
    }

    fn name(&self, path: &[String]) -> Result<Val, Raise> {
        match path {
            [n] => self.vars.get(n).cloned().map_or_else(
                || err("NameError", format!("name '{n}' is not defined")),
                Ok,
            ),
            [first, ..] if !self.vars.contains_key(first) => {
                err("NameError", format!("name '{first}' is not defined"))
            }
            _ => err(
                "AttributeError",
                format!("module has no attribute '{}'", path[path.len() - 1]),
            ),
        }
    }

    fn subscript(&self, path: &[String], key: Val) -> Result<Val, Raise> {
        match path {
            [m, e] if self.module_of(m) == Some("os") && e == "environ" => {
                let k = key.text();
                match self.env.get(&k) {
                    Some(v) => Ok(Val::Str(v.clone())),
                    None => err("KeyError", format!("'{k}'")),
                }
            }
            _ => err("TypeError", "object is not subscriptable"),
        }
    }

    fn call(&mut self, path: &[String], mut args: Vec<Val>) -> Result<Val, Raise> {
        let names: Vec<&str> = path.iter().map(String::as_str).collect();
        let module = self.module_of(names[0]);
        match (module, names.as_slice()) {
            (Some("os"), [_, "environ", "get"]) | (Some("os"), [_, "getenv"]) => {
                let key = args.first().map(Val::text).unwrap_or_default();
                Ok(match self.env.get(&key) {
                    Some(v) => Val::Str(v.clone()),
                    None => args.get(1).cloned().unwrap_or(Val::None),
                })
            }
            (Some("time"), [_, "sleep"]) => {
                let s = args.first().and_then(Val::number).unwrap_or(0.0);
                if s < 0.0 {
                    return err("ValueError", "sleep length must be non-negative");
                }
                self.slept = self.slept.saturating_add((s * 1000.0) as Millis);
                Ok(Val::None)
            }
            (None, ["print"]) => {
                let mut end = "\n".to_string();
                if let Some(i) = args.iter().position(|a| *a == Val::Module("end")) {
                    end = args.get(i + 1).map(Val::text).unwrap_or_default();
                    args.truncate(i);
                }
                let text: Vec<String> = args.iter().map(Val::text).collect();
                let text = text.join(" ") + &end;
                // Output without a newline joins the next line.
                let mut pieces = text.split('\n').peekable();
                let first = pieces.next().unwrap_or("");
                match self.out.last_mut() {
                    Some(last) if last.ends_with('\u{0}') => {
                        last.pop();
                        last.push_str(first);
                    }
                    _ => self.out.push(first.to_string()),
                }
                let rest: Vec<&str> = pieces.collect();
                if rest.is_empty() {
                    if let Some(last) = self.out.last_mut() {
                        last.push('\u{0}');
                    }
                } else {
                    for (i, piece) in rest.iter().enumerate() {
                        if i + 1 == rest.len() {
                            if !piece.is_empty() {
                                self.out.push(format!("{piece}\u{0}"));
                            }
                        } else {
                            self.out.push(piece.to_string());
                        }
                    }
                }
                Ok(Val::None)
            }
            (None, ["int"]) => match args.first() {
                Some(Val::Str(s)) => s.trim().parse().map(Val::Int).map_or_else(
                    |_| {
                        err(
                            "ValueError",
                            format!("invalid literal for int() with base 10: {}", py_repr(s)),
                        )
                    },
                    Ok,
                ),
                Some(Val::Float(f)) => Ok(Val::Int(f.trunc() as i64)),
                Some(v) if v.int().is_some() => Ok(Val::Int(v.int().unwrap_or(0))),
                Some(other) => err(
                    "TypeError",
                    format!(
                        "int() argument must be a string, a bytes-like object or a real number, not '{}'",
                        other.type_name()
                    ),
                ),
                None => Ok(Val::Int(0)),
            },
            (None, ["str"]) => Ok(Val::Str(args.first().map(Val::text).unwrap_or_default())),
            (None, [f]) if !self.vars.contains_key(f) => {
                err("NameError", format!("name '{f}' is not defined"))
            }
            _ => err(
                "AttributeError",
                format!("unsupported call '{}'", names.join(".")),
            ),
        }
    }
}

/// Python's `repr` of a string.
fn py_repr(s: &str) -> String {
    if s.contains('\'') && !s.contains('"') {
        format!("\"{s}\"")
    } else {
        format!("'{}'", s.replace('\'', "\\'"))
    }
}

fn equal(a: &Val, b: &Val) -> bool {
    match (a.number(), b.number()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

fn arith(op: &str, a: &Val, b: &Val) -> Result<Val, Raise> {
    // Python's integers do not overflow and its strings are unbounded:
    // programs that go that far are not run here.
    let unsupported = || Err(Raise(UNSUPPORTED.into()));
    if let (Val::Str(x), Val::Str(y), "+") = (a, b, op) {
        if x.len() + y.len() > 1 << 20 {
            return unsupported();
        }
        return Ok(Val::Str(format!("{x}{y}")));
    }
    if let (Some(x), Some(y)) = (a.int(), b.int()) {
        if y == 0 && matches!(op, "//" | "%") {
            return err("ZeroDivisionError", "integer division or modulo by zero");
        }
        let n = match op {
            "+" => x.checked_add(y),
            "-" => x.checked_sub(y),
            "*" => x.checked_mul(y),
            // Floor division and a remainder with the divisor's sign.
            "//" => x.checked_div(y).map(|q| {
                if x % y != 0 && ((x < 0) != (y < 0)) {
                    q - 1
                } else {
                    q
                }
            }),
            "%" => x.checked_rem(y).map(|r| {
                if r != 0 && ((r < 0) != (y < 0)) {
                    r + y
                } else {
                    r
                }
            }),
            _ if y == 0 => return err("ZeroDivisionError", "division by zero"),
            _ => return Ok(Val::Float(x as f64 / y as f64)),
        };
        return n.map_or_else(unsupported, |n| Ok(Val::Int(n)));
    }
    match (a.number(), b.number()) {
        (Some(_), Some(y)) if y == 0.0 && matches!(op, "/" | "//" | "%") => {
            let what = if op == "%" {
                "float modulo"
            } else {
                "float division by zero"
            };
            err("ZeroDivisionError", what)
        }
        (Some(x), Some(y)) => Ok(Val::Float(match op {
            "+" => x + y,
            "-" => x - y,
            "*" => x * y,
            "%" => {
                let r = x % y;
                if r != 0.0 && ((r < 0.0) != (y < 0.0)) {
                    r + y
                } else {
                    r
                }
            }
            "//" => (x / y).floor(),
            _ => x / y,
        })),
        _ => err(
            "TypeError",
            format!(
                "unsupported operand type(s) for {op}: '{}' and '{}'",
                a.type_name(),
                b.type_name()
            ),
        ),
    }
}

/// The marker of a program this module does not run (the caller falls
/// back).
const UNSUPPORTED: &str = "Unsupported";

struct Parser<'t> {
    t: &'t [Tok],
    i: usize,
    /// Nesting, bounded so hostile input cannot exhaust the stack.
    depth: u32,
}

impl<'t> Parser<'t> {
    fn peek(&self) -> Option<&'t Tok> {
        self.t.get(self.i)
    }

    fn next(&mut self) -> Option<&'t Tok> {
        let t = self.t.get(self.i);
        self.i += 1;
        t
    }

    /// One level deeper (CPython's parser stops at 200 too).
    fn enter(&mut self) -> Result<(), Raise> {
        self.depth += 1;
        if self.depth > 200 {
            return err("SyntaxError", "too many nested parentheses");
        }
        Ok(())
    }

    fn eat_op(&mut self, op: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Op(o)) if *o == op) {
            self.i += 1;
            return true;
        }
        false
    }

    fn eat_name(&mut self, name: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Name(n)) if n == name) {
            self.i += 1;
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn py(src: &str, env: &[(&str, &str)]) -> (Vec<String>, i32) {
        let env: VecMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let r = run(src, &env).expect("runs");
        (r.lines, r.code)
    }

    #[test]
    fn the_docs_job_programs_exit_by_their_index() {
        let per_index = "import os, sys\nprint(\"Hello world\")\nif int(os.environ.get(\"JOB_COMPLETION_INDEX\")) % 2 == 0:\n  sys.exit(1)\n";
        assert_eq!(
            py(per_index, &[("JOB_COMPLETION_INDEX", "4")]),
            (vec!["Hello world".to_string()], 1)
        );
        assert_eq!(py(per_index, &[("JOB_COMPLETION_INDEX", "3")]).1, 0);
        let fail_index = "import os, sys\nindex = int(os.environ.get(\"JOB_COMPLETION_INDEX\"))\nif index == 0:\n  sys.exit(1)\nelif index == 1:\n  sys.exit(42)\nelse:\n  sys.exit(0)\n";
        let codes: Vec<i32> = ["0", "1", "2"]
            .iter()
            .map(|i| py(fail_index, &[("JOB_COMPLETION_INDEX", i)]).1)
            .collect();
        assert_eq!(codes, [1, 42, 0]);
        let success = "import os, sys\nif os.environ.get(\"JOB_COMPLETION_INDEX\") == \"2\":\n  sys.exit(0)\nelse:\n  sys.exit(1)\n";
        assert_eq!(py(success, &[("JOB_COMPLETION_INDEX", "2")]).1, 0);
        assert_eq!(py(success, &[("JOB_COMPLETION_INDEX", "5")]).1, 1);
    }

    #[test]
    fn errors_print_cpythons_traceback() {
        let (lines, code) = py("import os\nx = int(os.environ.get(\"MISSING\"))\n", &[]);
        assert_eq!(code, 1);
        assert_eq!(
            lines,
            [
                "Traceback (most recent call last):",
                "  File \"<string>\", line 2, in <module>",
                "TypeError: int() argument must be a string, a bytes-like object or a real number, not 'NoneType'"
            ]
        );
        assert_eq!(
            py("print(nope)", &[]).0[2],
            "NameError: name 'nope' is not defined"
        );
        assert_eq!(
            py("print(1 // 0)", &[]).0[2],
            "ZeroDivisionError: integer division or modulo by zero"
        );
        // Output, arithmetic and sleeps.
        let env = VecMap::new();
        let r = run("import time\nprint('a', 7 // 2, -7 % 3, 2 * 3 + 1, end='')\nprint('!')\ntime.sleep(1.5)\nsys_gone = 1", &env).unwrap();
        assert_eq!(
            (r.lines, r.code, r.slept),
            (vec!["a 3 2 7!".to_string()], 0, 1500)
        );
        // Hostile input: overflow, huge strings, deep nesting and random
        // mutations never panic.
        assert!(run("print(5 % 9223372036854775807)", &env).is_some());
        assert!(run("print((-9223372036854775807-1) % -1)", &env).is_none());
        assert!(run("print((-9223372036854775807-1) // -1)", &env).is_none());
        assert!(run("print(9223372036854775807 + 1)", &env).is_none());
        let doubling = format!("x = 'ab'\n{}", "x = x + x\n".repeat(40));
        assert!(run(&doubling, &env).is_none());
        assert!(
            run(
                &format!("x = {}1{}", "a[".repeat(100_000), "]".repeat(100_000)),
                &env
            )
            .is_none()
        );
        assert_eq!(
            run("print(-7 // 2, -7 % 2, 7 % -2, 7.5 % -2)", &env)
                .unwrap()
                .lines,
            ["-4 1 -1 -0.5"]
        );
        assert!(
            run(
                &format!("print({}1{})", "(".repeat(100_000), ")".repeat(100_000)),
                &env
            )
            .is_none()
        );
        assert!(run(&format!("x = {}1", "-".repeat(100_000)), &env).is_none());
        assert!(run(&format!("x = {}1", "not ".repeat(50_000)), &env).is_none());
        assert!(
            run(
                &format!("{}1{}", "int(".repeat(10_000), ")".repeat(10_000)),
                &env
            )
            .is_none()
        );
        let base = "import os, sys\nindex = int(os.environ.get(\"I\", \"3\"))\nif index % 2 == 0 and not index > 4:\n  print('even', index // 2)\nelif index == 1:\n  sys.exit(42)\nelse:\n  sys.exit(-index)\n";
        let chars: Vec<char> = " ()[]=:.,'\"+-*/%<>!#\n\tx0aifelsnotrd".chars().collect();
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..2000 {
            let mut text: Vec<char> = base.chars().collect();
            for _ in 0..3 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let at = (seed % text.len() as u64) as usize;
                let c = chars[(seed >> 32) as usize % chars.len()];
                match seed % 3 {
                    0 => text[at] = c,
                    1 => text.insert(at, c),
                    _ => {
                        text.remove(at);
                    }
                }
            }
            let text: String = text.into_iter().collect();
            let _ = run(&text, &env);
        }
        let nested: String = (0..5000)
            .map(|d| format!("{}if 1:\n", " ".repeat(d)))
            .collect();
        assert!(run(&(nested + &" ".repeat(5000) + "pass\n"), &env).is_none());
        // Unknown Python is not run here.
        assert!(run("for i in range(3):\n  print(i)", &env).is_none());
        assert!(run("print(f'{x}')", &env).is_none());
    }
}
