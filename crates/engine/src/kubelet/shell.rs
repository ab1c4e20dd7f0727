//! A small POSIX-shell subset for the commands pods run (`sh -c "touch
//! /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600"`), evaluated
//! lazily against simulated time: running a script up to a moment gives
//! its output lines, the files it has made and whether it has exited, so
//! a sleeping container costs nothing until someone looks.

use crate::sort::CompactSort;
use crate::vecmap::VecMap;

use crate::time::{MINUTE, Millis, SECOND};

/// How deep the interpreter nests (commands in functions in loops in
/// `$(…)`…) before Kubeplay stops the shell, within the page's stack.
const MAX_NESTING: usize = 150;

/// A word: literal parts (quoted) and parts subject to `$` expansion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Word(Vec<Part>);

#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Literal(String),
    Expand(String),
}

impl Word {
    /// A literal word.
    pub(crate) fn lit(s: &str) -> Word {
        Word(vec![Part::Literal(s.to_string())])
    }

    /// The word's text if it has no expansions.
    fn literal(&self) -> Option<String> {
        let mut out = String::new();
        for p in &self.0 {
            match p {
                Part::Literal(s) => out.push_str(s),
                Part::Expand(s) if !s.contains('$') => out.push_str(s),
                Part::Expand(_) => return None,
            }
        }
        Some(out)
    }
}

/// A command or compound statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Stmt {
    /// `name=value … cmd args…` with its redirections, in order.
    Simple {
        assigns: Vec<(String, Word)>,
        words: Vec<Word>,
        redirects: Vec<Redirect>,
    },
    /// `a | b | c`: each stage's output is the next one's input.
    Pipe(Vec<Stmt>),
    /// `a && b`, `a || b`, `a ; b`.
    And(Box<Stmt>, Box<Stmt>),
    Or(Box<Stmt>, Box<Stmt>),
    Seq(Vec<Stmt>),
    /// `while cond; do body; done` (`until` negates).
    While {
        cond: Box<Stmt>,
        body: Box<Stmt>,
        until: bool,
    },
    /// `for v in words; do body; done`.
    For {
        var: String,
        items: Vec<Word>,
        body: Box<Stmt>,
    },
    /// `if c; then a; elif …; else b; fi`.
    If {
        cond: Box<Stmt>,
        then: Box<Stmt>,
        otherwise: Option<Box<Stmt>>,
    },
    /// `! cmd`.
    Not(Box<Stmt>),
    /// A compound command with its redirections (`while …; done > log`).
    Redirected(Box<Stmt>, Vec<Redirect>),
    /// `name() compound-command` (bash's `function name`): defines it.
    Function(String, std::rc::Rc<Stmt>),
    /// `( list )`: a subshell.
    Subshell(Box<Stmt>),
}

/// One redirection of a simple command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Redirect {
    /// `> file`, `>> file` (appending).
    Out(Word, bool),
    /// `2> file`, `2>> file`.
    Err(Word, bool),
    /// `2>&1`: standard error goes where standard output goes now.
    ErrToOut,
    /// `>&2`: standard output goes where standard error goes now.
    OutToErr,
    /// `< file`: standard input.
    In(Word),
}

/// Where one of a command's output streams goes.
#[derive(Clone, Debug, PartialEq)]
enum Dest {
    /// The standard output it inherited.
    Stdout,
    /// The standard error it inherited.
    Stderr,
    /// A file (appended to when true).
    File(String, bool),
    /// `/dev/null`.
    Null,
}

/// Where the interpreter's standard error goes.
#[derive(Clone, Debug, Default)]
enum ErrSink {
    /// The container's log (beside standard output, whatever captures
    /// that: `$(…)`, a pipe).
    #[default]
    Log,
    /// Wherever standard output goes (`2>&1`).
    Stdout,
    /// Kept for a redirection.
    Buffer(String),
    /// Appended to a file as it is written (`2> file`).
    File(String),
}

/// Marks the start of standard-error text in a network tool's reply.
pub(crate) const STDERR_START: char = '\u{1}';
/// Marks the end of standard-error text in a network tool's reply.
pub(crate) const STDERR_END: char = '\u{2}';

/// Text a network tool writes to standard error, marked as such inside
/// its reply.
pub(crate) fn to_stderr(text: &str) -> String {
    format!("{STDERR_START}{text}{STDERR_END}")
}

/// Marks the start of a file a network tool wrote (`wget -O f`, `curl -o
/// f`) inside its reply: its path, a NUL, its content, [`FILE_END`].
pub(crate) const FILE_START: char = '\u{3}';
/// Marks the end of a written file in a reply.
pub(crate) const FILE_END: char = '\u{4}';

/// A file a network tool wrote, marked as such inside its reply.
pub(crate) fn to_file(path: &str, content: &str) -> String {
    format!("{FILE_START}{path}\u{0}{content}{FILE_END}")
}

/// A reply without the files it wrote, and those files (path, content).
fn split_files(text: &str) -> (String, Vec<(String, String)>) {
    let mut shown = String::new();
    let mut files = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(FILE_START) {
        shown.push_str(&rest[..i]);
        let after = &rest[i + FILE_START.len_utf8()..];
        let end = after.find(FILE_END).unwrap_or(after.len());
        let (path, content) = after[..end]
            .split_once('\u{0}')
            .unwrap_or((&after[..end], ""));
        files.push((path.to_string(), content.to_string()));
        rest = after.get(end + FILE_END.len_utf8()..).unwrap_or("");
    }
    shown.push_str(rest);
    (shown, files)
}

/// A reply's text as a terminal shows it (both streams, markers and
/// written files gone).
pub(crate) fn terminal_text(text: &str) -> String {
    if text.contains(FILE_START) {
        split_files(text).0.replace([STDERR_START, STDERR_END], "")
    } else {
        text.replace([STDERR_START, STDERR_END], "")
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Word(Word),
    Op(&'static str),
}

fn tokenize(src: &str) -> Result<Vec<Tok>, String> {
    let mut toks = Vec::new();
    let chars: Vec<char> = src.chars().collect();
    let mut i = 0;
    let mut parts: Vec<Part> = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    // The current word has double-quoted text (kept in `cur`).
    let mut quoted = false;
    let flush =
        |parts: &mut Vec<Part>, cur: &mut String, in_word: &mut bool, toks: &mut Vec<Tok>| {
            if !cur.is_empty() {
                parts.push(Part::Expand(std::mem::take(cur)));
            }
            if *in_word {
                toks.push(Tok::Word(Word(std::mem::take(parts))));
            }
            *in_word = false;
        };
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\'' => {
                in_word = true;
                if !cur.is_empty() {
                    parts.push(Part::Expand(std::mem::take(&mut cur)));
                }
                let start = i + 1;
                let end = chars[start..]
                    .iter()
                    .position(|&c| c == '\'')
                    .ok_or("unterminated quoted string")?;
                parts.push(Part::Literal(chars[start..start + end].iter().collect()));
                i = start + end + 1;
                continue;
            }
            '"' => {
                in_word = true;
                quoted = true;
                let mut j = i + 1;
                let mut s = String::new();
                while j < chars.len() && chars[j] != '"' {
                    // `"$(…)"`: the command inside has quotes of its own.
                    if chars[j] == '$' && chars.get(j + 1) == Some(&'(') {
                        let k = matching_paren(&chars, j + 1);
                        if k >= chars.len() {
                            return Err("unterminated $(".into());
                        }
                        s.extend(&chars[j..=k]);
                        j = k + 1;
                        continue;
                    }
                    if chars[j] == '\\' && j + 1 < chars.len() && "\"\\$`".contains(chars[j + 1]) {
                        if chars[j + 1] == '$' {
                            // A literal dollar inside double quotes.
                            if !s.is_empty() {
                                cur.push_str(&s);
                                s.clear();
                            }
                            if !cur.is_empty() {
                                parts.push(Part::Expand(std::mem::take(&mut cur)));
                            }
                            parts.push(Part::Literal("$".into()));
                        } else {
                            s.push(chars[j + 1]);
                        }
                        j += 2;
                        continue;
                    }
                    s.push(chars[j]);
                    j += 1;
                }
                if j >= chars.len() {
                    return Err("unterminated quoted string".into());
                }
                cur.push_str(&s);
                i = j + 1;
                continue;
            }
            '\\' if i + 1 < chars.len() => {
                in_word = true;
                if chars[i + 1] == '\n' {
                    i += 2;
                    continue;
                }
                if !cur.is_empty() {
                    parts.push(Part::Expand(std::mem::take(&mut cur)));
                }
                parts.push(Part::Literal(chars[i + 1].to_string()));
                i += 2;
                continue;
            }
            '#' if !in_word => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            '$' if i + 1 < chars.len() && chars[i + 1] == '(' => {
                // $( … ) or $(( … )): copy through the matching parenthesis.
                in_word = true;
                let j = matching_paren(&chars, i + 1);
                if j >= chars.len() {
                    return Err("unterminated $(".into());
                }
                cur.extend(&chars[i..=j]);
                i = j + 1;
                continue;
            }
            ' ' | '\t' => {
                flush(&mut parts, &mut cur, &mut in_word, &mut toks);
                quoted = false;
            }
            '\n' | ';' | '&' | '|' | '(' | ')' | '>' | '<' => {
                // A descriptor digit written against `>` (`2>`, `1>`) is
                // part of the redirection, not a word.
                let fd = (c == '>'
                    && in_word
                    && !quoted
                    && parts.is_empty()
                    && (cur == "1" || cur == "2"))
                    .then(|| {
                        in_word = false;
                        std::mem::take(&mut cur)
                    });
                flush(&mut parts, &mut cur, &mut in_word, &mut toks);
                quoted = false;
                let next = chars.get(i + 1).copied();
                let op: &'static str = match (c, next) {
                    ('&', Some('&')) => "&&",
                    ('|', Some('|')) => "||",
                    ('>', Some('>')) => ">>",
                    (';', Some(';')) => ";;",
                    ('\n', _) => "\n",
                    (';', _) => ";",
                    ('&', _) => "&",
                    ('|', _) => "|",
                    ('(', _) => "(",
                    (')', _) => ")",
                    ('>', _) => ">",
                    _ => "<",
                };
                i += op.len();
                let stderr = fd.as_deref() == Some("2");
                if op == ">" && chars.get(i) == Some(&'&') {
                    // `2>&1`, `>&2`: duplicate a descriptor.
                    i += 1;
                    let from = i;
                    while i < chars.len() && chars[i].is_ascii_digit() {
                        i += 1;
                    }
                    let to: String = chars[from..i].iter().collect();
                    match (stderr, to.as_str()) {
                        (true, "1") => toks.push(Tok::Op("2>&1")),
                        (false, "2") => toks.push(Tok::Op(">&2")),
                        // `1>&1`, `2>&2`, other descriptors: nothing to do.
                        _ => {}
                    }
                    continue;
                }
                toks.push(Tok::Op(match (stderr, op) {
                    (true, ">") => "2>",
                    (true, ">>") => "2>>",
                    _ => op,
                }));
                continue;
            }
            _ => {
                in_word = true;
                cur.push(c);
            }
        }
        i += 1;
    }
    flush(&mut parts, &mut cur, &mut in_word, &mut toks);
    Ok(toks)
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
    /// How deep compound commands nest here (the parser recurses).
    depth: usize,
}

impl Parser {
    fn peek_word(&self) -> Option<String> {
        match self.toks.get(self.pos) {
            Some(Tok::Word(w)) => w.literal(),
            _ => None,
        }
    }

    fn peek_op(&self) -> Option<&'static str> {
        match self.toks.get(self.pos) {
            Some(Tok::Op(o)) => Some(o),
            _ => None,
        }
    }

    fn skip_separators(&mut self) {
        while matches!(self.peek_op(), Some(";" | "\n" | "&")) {
            self.pos += 1;
        }
    }

    fn expect_word(&mut self, word: &str) -> Result<(), String> {
        self.skip_separators();
        if self.peek_word().as_deref() == Some(word) {
            self.pos += 1;
            Ok(())
        } else {
            Err(format!("syntax error: expected \"{word}\""))
        }
    }

    /// A list up to one of the `stop` keywords (not consumed).
    fn list(&mut self, stop: &[&str]) -> Result<Stmt, String> {
        let mut items = Vec::new();
        loop {
            self.skip_separators();
            if self.pos >= self.toks.len() {
                break;
            }
            if let Some(w) = self.peek_word()
                && stop.contains(&w.as_str())
            {
                break;
            }
            if self.peek_op() == Some(")") {
                break;
            }
            items.push(self.and_or()?);
        }
        Ok(if items.len() == 1 {
            items.pop().expect("one item")
        } else {
            Stmt::Seq(items)
        })
    }

    fn and_or(&mut self) -> Result<Stmt, String> {
        let mut left = self.pipeline()?;
        loop {
            match self.peek_op() {
                Some("&&") => {
                    self.pos += 1;
                    while self.peek_op() == Some("\n") {
                        self.pos += 1;
                    }
                    left = Stmt::And(Box::new(left), Box::new(self.pipeline()?));
                }
                Some("||") => {
                    self.pos += 1;
                    while self.peek_op() == Some("\n") {
                        self.pos += 1;
                    }
                    left = Stmt::Or(Box::new(left), Box::new(self.pipeline()?));
                }
                _ => return Ok(left),
            }
        }
    }

    fn pipeline(&mut self) -> Result<Stmt, String> {
        let negate = self.peek_word().as_deref() == Some("!");
        if negate {
            self.pos += 1;
        }
        let mut stages = vec![self.command()?];
        while self.peek_op() == Some("|") {
            self.pos += 1;
            stages.push(self.command()?);
        }
        let stmt = if stages.len() == 1 {
            stages.pop().expect("one stage")
        } else {
            Stmt::Pipe(stages)
        };
        Ok(if negate {
            Stmt::Not(Box::new(stmt))
        } else {
            stmt
        })
    }

    fn command(&mut self) -> Result<Stmt, String> {
        // Within the page's stack, as the interpreter's budget is.
        if self.depth >= MAX_NESTING {
            return Err(format!(
                "Kubeplay reads compound commands nested up to {MAX_NESTING} deep"
            ));
        }
        self.depth += 1;
        let stmt = self.command_nested();
        self.depth -= 1;
        stmt
    }

    fn command_nested(&mut self) -> Result<Stmt, String> {
        let compound = matches!(
            self.peek_word().as_deref(),
            Some("while" | "until" | "for" | "if" | "{")
        ) || self.peek_op() == Some("(");
        let stmt = self.command_itself()?;
        Ok(if compound {
            self.with_redirects(stmt)
        } else {
            stmt
        })
    }

    fn command_itself(&mut self) -> Result<Stmt, String> {
        match self.peek_word().as_deref() {
            Some("while") | Some("until") => {
                let until = self.peek_word().as_deref() == Some("until");
                self.pos += 1;
                let cond = self.list(&["do"])?;
                self.expect_word("do")?;
                let body = self.list(&["done"])?;
                self.expect_word("done")?;
                Ok(Stmt::While {
                    cond: Box::new(cond),
                    body: Box::new(body),
                    until,
                })
            }
            Some("for") => {
                self.pos += 1;
                let var = self
                    .peek_word()
                    .ok_or("syntax error: bad for loop variable")?;
                self.pos += 1;
                let mut items = Vec::new();
                if self.peek_word().as_deref() == Some("in") {
                    self.pos += 1;
                    while let Some(Tok::Word(w)) = self.toks.get(self.pos) {
                        items.push(w.clone());
                        self.pos += 1;
                    }
                }
                self.expect_word("do")?;
                let body = self.list(&["done"])?;
                self.expect_word("done")?;
                Ok(Stmt::For {
                    var,
                    items,
                    body: Box::new(body),
                })
            }
            Some("if") => {
                self.pos += 1;
                self.if_rest()
            }
            Some("{") => {
                self.pos += 1;
                let body = self.list(&["}"])?;
                self.expect_word("}")?;
                Ok(body)
            }
            // `name() body` and bash's `function name [()] body`.
            Some(w)
                if w == "function"
                    || (self.toks.get(self.pos + 1) == Some(&Tok::Op("("))
                        && self.toks.get(self.pos + 2) == Some(&Tok::Op(")"))) =>
            {
                if w == "function" {
                    self.pos += 1;
                }
                let name = self
                    .peek_word()
                    .filter(|n| !n.is_empty() && !n.contains(['=', '$']))
                    .ok_or("syntax error: bad function name")?;
                self.pos += 1;
                if self.peek_op() == Some("(") {
                    self.pos += 1;
                    if self.peek_op() != Some(")") {
                        return Err("syntax error: \"(\" unexpected".into());
                    }
                    self.pos += 1;
                }
                while self.peek_op() == Some("\n") {
                    self.pos += 1;
                }
                // dash and busybox take a simple command too (bash does
                // not).
                let body = self.command()?;
                Ok(Stmt::Function(name, std::rc::Rc::new(body)))
            }
            _ if self.peek_op() == Some("(") => {
                self.pos += 1;
                let body = self.list(&[])?;
                if self.peek_op() == Some(")") {
                    self.pos += 1;
                }
                Ok(Stmt::Subshell(Box::new(body)))
            }
            _ => self.simple(),
        }
    }

    fn if_rest(&mut self) -> Result<Stmt, String> {
        let cond = self.list(&["then"])?;
        self.expect_word("then")?;
        let then = self.list(&["elif", "else", "fi"])?;
        self.skip_separators();
        let otherwise = match self.peek_word().as_deref() {
            Some("elif") => {
                self.pos += 1;
                Some(Box::new(self.if_rest()?))
            }
            Some("else") => {
                self.pos += 1;
                let e = self.list(&["fi"])?;
                self.expect_word("fi")?;
                Some(Box::new(e))
            }
            _ => {
                self.expect_word("fi")?;
                None
            }
        };
        if otherwise
            .as_ref()
            .is_some_and(|o| matches!(**o, Stmt::If { .. }))
        {
            // The nested `if` of an `elif` consumed the `fi`.
        }
        Ok(Stmt::If {
            cond: Box::new(cond),
            then: Box::new(then),
            otherwise,
        })
    }

    /// The redirection operator at the cursor, if it is one.
    fn redirect_op(&self) -> Option<&'static str> {
        match self.toks.get(self.pos) {
            Some(Tok::Op(op @ (">" | ">>" | "2>" | "2>>" | "2>&1" | ">&2" | "<"))) => Some(op),
            _ => None,
        }
    }

    /// The redirection at the cursor (consumed); `None` after an operator
    /// without its word.
    fn redirect(&mut self) -> Option<Redirect> {
        let op = self.redirect_op()?;
        self.pos += 1;
        match op {
            "2>&1" => return Some(Redirect::ErrToOut),
            ">&2" => return Some(Redirect::OutToErr),
            _ => {}
        }
        let Some(Tok::Word(target)) = self.toks.get(self.pos) else {
            return None;
        };
        let target = target.clone();
        self.pos += 1;
        let append = op.ends_with(">>");
        match op {
            "<" => Some(Redirect::In(target)),
            "2>" | "2>>" => Some(Redirect::Err(target, append)),
            _ => Some(Redirect::Out(target, append)),
        }
    }

    /// A compound command with the redirections written after it
    /// (`done > /tmp/log 2>&1`).
    fn with_redirects(&mut self, body: Stmt) -> Stmt {
        let mut redirects = Vec::new();
        while self.redirect_op().is_some() {
            redirects.extend(self.redirect());
        }
        if redirects.is_empty() {
            body
        } else {
            Stmt::Redirected(Box::new(body), redirects)
        }
    }

    fn simple(&mut self) -> Result<Stmt, String> {
        let mut assigns = Vec::new();
        let mut words = Vec::new();
        let mut redirects = Vec::new();
        loop {
            match self.toks.get(self.pos) {
                Some(Tok::Word(w)) => {
                    if words.is_empty()
                        && let Some(Part::Expand(first)) = w.0.first()
                        && let Some((name, value)) = first.split_once('=')
                        && !name.is_empty()
                        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                        && !name.starts_with(|c: char| c.is_ascii_digit())
                    {
                        let mut parts = vec![Part::Expand(value.to_string())];
                        parts.extend(w.0[1..].iter().cloned());
                        assigns.push((name.to_string(), Word(parts)));
                    } else {
                        words.push(w.clone());
                    }
                    self.pos += 1;
                }
                Some(Tok::Op(_)) if self.redirect_op().is_some() => {
                    redirects.extend(self.redirect());
                }
                _ => break,
            }
        }
        if words.is_empty() && assigns.is_empty() {
            return Err(match self.toks.get(self.pos) {
                Some(Tok::Op(op)) => format!("syntax error: unexpected \"{}\"", op.trim()),
                _ => "syntax error: unexpected end of file".to_string(),
            });
        }
        Ok(Stmt::Simple {
            assigns,
            words,
            redirects,
        })
    }
}

/// Parses a script (`sh -c` argument).
pub(crate) fn parse(src: &str) -> Result<Stmt, String> {
    let mut p = Parser {
        toks: tokenize(src)?,
        pos: 0,
        depth: 0,
    };
    let stmt = p.list(&[])?;
    if p.pos < p.toks.len() {
        let what = match &p.toks[p.pos] {
            Tok::Op(o) => o.to_string(),
            Tok::Word(w) => w.literal().unwrap_or_default(),
        };
        return Err(format!("syntax error: unexpected \"{what}\""));
    }
    Ok(stmt)
}

/// Whether an interactive shell needs more lines before it can run `src`:
/// an open quote, `$(`, `for`/`while`/`if`/`case` block, or a trailing
/// operator, where a shell prompts with `> ` for the rest.
pub(crate) fn needs_more(src: &str) -> bool {
    let toks = match tokenize(src) {
        Ok(toks) => toks,
        Err(e) => return e.starts_with("unterminated"),
    };
    let mut p = Parser {
        toks,
        pos: 0,
        depth: 0,
    };
    match p.list(&[]) {
        Ok(_) => false,
        // The parser ran out of input looking for the rest.
        Err(_) => p.pos >= p.toks.len(),
    }
}

/// A command line as a statement (`["sleep", "3600"]`).
pub(crate) fn from_argv(argv: &[String]) -> Stmt {
    Stmt::Simple {
        assigns: Vec::new(),
        words: argv.iter().map(|a| Word::lit(a)).collect(),
        redirects: Vec::new(),
    }
}

/// Which shell's messages to print: busybox (`sh: x: not found`, `cat:
/// can't open 'f': …`) or GNU (`cat: f: No such file or directory`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// busybox and alpine.
    Busybox,
    /// Debian, Ubuntu and other GNU userlands.
    Gnu,
}

/// How a run stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The script exited (its own `exit` or its end) at this offset.
    Exited(Millis, i32),
    /// It was still running at the horizon.
    Running,
    /// It blocks forever from this offset (`sleep infinity`, `tail -f`, an
    /// endless loop that never sleeps).
    Forever(Millis),
}

/// A file's metadata as `ls -l` shows it.
#[derive(Clone, Debug)]
struct Stat {
    /// `-`, `d` or `l`.
    kind: char,
    /// Permission bits with set-ID and sticky bits.
    mode: u32,
    nlink: u32,
    uid: i64,
    gid: i64,
    size: u64,
    /// Last modified (absolute).
    mtime: Millis,
    /// A link's target.
    target: Option<String>,
}

impl Stat {
    /// `drwxr-sr-x`, `-rw-r--r--`, `lrwxrwxrwx`, `drwxrwxrwt`.
    fn mode_string(&self) -> String {
        let mut out = String::with_capacity(10);
        out.push(self.kind);
        for (shift, special, lower, upper) in [
            (6, 0o4000, 's', 'S'),
            (3, 0o2000, 's', 'S'),
            (0, 0o1000, 't', 'T'),
        ] {
            let bits = (self.mode >> shift) & 7;
            out.push(if bits & 4 != 0 { 'r' } else { '-' });
            out.push(if bits & 2 != 0 { 'w' } else { '-' });
            out.push(match (self.mode & special != 0, bits & 1 != 0) {
                (true, true) => lower,
                (true, false) => upper,
                (false, true) => 'x',
                (false, false) => '-',
            });
        }
        out
    }

    /// Its 1K blocks (what `total` adds up): 4K pages for file content
    /// and on-disk directories; links and tmpfs directories take none.
    fn blocks(&self) -> u64 {
        match self.kind {
            'l' => 0,
            'd' if self.size != 4096 => 0,
            _ => self.size.div_ceil(4096) * 4,
        }
    }
}

/// A mode after the kubelet's fsGroup walk of a read-only (atomic
/// writer) volume (`SetVolumeOwnership`): group-readable, directories
/// group-searchable with the set-group-ID bit.
fn fs_group_mode(v: &VolumeDir, mode: u32, dir: bool) -> u32 {
    match (v.fs_group, &v.kind, dir) {
        (Some(_), VolumeKind::Atomic { .. }, true) => mode | 0o2550,
        (Some(_), VolumeKind::Atomic { .. }, false) => mode | 0o440,
        _ => mode,
    }
}

/// A volume mounted at a directory, for `ls -l`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct VolumeDir {
    /// The mount point.
    pub path: String,
    /// What backs it.
    pub kind: VolumeKind,
    /// The pod's `fsGroup`: the volume's group (emptyDir directories get
    /// the set-group-ID bit).
    pub fs_group: Option<i64>,
}

/// How a mounted volume lays out its directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum VolumeKind {
    /// The kubelet's atomic writer (ConfigMap, Secret, downward API and
    /// projected volumes): the files live in a timestamped directory that
    /// `..data` links to, and each key is a link through `..data`. Secret,
    /// downward API and projected volumes are tmpfs.
    Atomic {
        /// On tmpfs (not the node's disk).
        tmpfs: bool,
        /// Each file's mode (`defaultMode`, or its item's `mode`).
        modes: Vec<(String, u32)>,
        /// The mode of files without their own.
        default_mode: u32,
    },
    /// An emptyDir (`tmpfs` with `medium: Memory`).
    EmptyDir {
        /// On tmpfs.
        tmpfs: bool,
    },
    /// Anything else (hostPath, a claim's volume).
    Other,
}

/// What the environment of a run provides.
#[derive(Clone, Debug)]
pub(crate) struct Context {
    /// The container's environment.
    pub env: VecMap<String, String>,
    /// `$0` and the positional parameters its script starts with (`sh
    /// -c SCRIPT NAME ARG…`); empty is `sh`.
    pub positional: Vec<String>,
    /// `hostname` (the pod name).
    pub hostname: String,
    /// Messages dialect.
    pub dialect: Dialect,
    /// Simulated time of the container's start (for `date`).
    pub started_at: Millis,
    /// Files that exist before the run starts.
    pub files: VecMap<String, String>,
    /// Directories that exist besides those of `files` (empty mounts).
    pub dirs: Vec<String>,
    /// Read-only mounts: a directory (with a trailing `/`) or a file.
    pub read_only: Vec<String>,
    /// The volumes mounted whole, as `ls -l` shows them.
    pub volumes: Vec<VolumeDir>,
    /// When the container started (absolute): its image's and the
    /// kubelet's files date from then.
    pub born: Millis,
    /// For an exec: each file written since the container started (by its
    /// processes or the kubelet's volume updates) and when last (absolute).
    pub file_log: VecMap<String, Millis>,
    /// PID 1's command line (what `ps` lists).
    pub cmdline: String,
    /// Who its processes run as.
    pub user: User,
    /// The working directory it starts in (`workingDir`, the image's).
    pub workdir: String,
    /// Changes made from outside while it runs (the kubelet updating a
    /// ConfigMap or Secret volume), by offset: each shows from its offset on.
    pub external: Vec<(Millis, String, FileOp)>,
    /// The processes `ps` lists when the container shares a PID namespace
    /// (`shareProcessNamespace`, a debug container's target): (user,
    /// command line) in PID order, its own among them. Empty when it sees
    /// only its own.
    pub processes: Vec<(String, String)>,
    /// Its standard output is a terminal (`kubectl exec -it`, `tty: true`):
    /// `ls` prints columns.
    pub tty: bool,
    /// The image's nginx (`nginx/1.29.4`), for `nginx -v` and `-t`.
    pub nginx: Option<String>,
}

/// Who a container's processes run as (`id`, `whoami`, `ps`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct User {
    pub uid: i64,
    pub gid: i64,
    /// The groups the kernel lists (sorted).
    pub groups: Vec<i64>,
    /// The user's name in the image's `/etc/passwd`.
    pub name: Option<&'static str>,
    /// Names of groups in the image's `/etc/group`.
    pub group_names: Vec<(i64, &'static str)>,
    /// Its capabilities: the bounding set and the effective (and
    /// permitted) one, which is empty for a user other than root.
    pub capabilities: (u64, u64),
    /// `allowPrivilegeEscalation: false`.
    pub no_new_privs: bool,
    /// A seccomp profile filters its system calls (`RuntimeDefault`).
    pub seccomp: bool,
}

impl User {
    /// `/proc/<pid>/status` of one of its processes, as Linux 6.8 prints
    /// it (the memory figures are a small process's).
    fn proc_status(&self, name: &str, pid: u32, cpus: u32) -> String {
        let groups: String = self.groups.iter().map(|g| format!("{g} ")).collect();
        let (bounding, effective) = self.capabilities;
        let (uid, gid) = (self.uid, self.gid);
        let memory: String = [
            ("VmPeak", 4420),
            ("VmSize", 4420),
            ("VmLck", 0),
            ("VmPin", 0),
            ("VmHWM", 1024),
            ("VmRSS", 1024),
            ("RssAnon", 92),
            ("RssFile", 932),
            ("RssShmem", 0),
            ("VmData", 172),
            ("VmStk", 132),
            ("VmExe", 520),
            ("VmLib", 1424),
            ("VmPTE", 48),
            ("VmSwap", 0),
            ("HugetlbPages", 0),
        ]
        .iter()
        .map(|(k, v)| format!("{k}:\t{v:>8} kB\n"))
        .collect();
        let cpus_mask = format!("{:x}", (1u64 << cpus.clamp(1, 63)) - 1);
        let mems = format!("{}00000001", "00000000,".repeat(31));
        format!(
            "Name:\t{name}\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t{pid}\nNgid:\t0\nPid:\t{pid}\nPPid:\t0\nTracerPid:\t0\n\
             Uid:\t{uid}\t{uid}\t{uid}\t{uid}\nGid:\t{gid}\t{gid}\t{gid}\t{gid}\nFDSize:\t64\nGroups:\t{groups}\n\
             NStgid:\t{pid}\nNSpid:\t{pid}\nNSpgid:\t{pid}\nNSsid:\t{pid}\n{memory}CoreDumping:\t0\nTHP_enabled:\t1\n\
             untag_mask:\t0xffffffffffffffff\nThreads:\t1\nSigQ:\t0/63484\nSigPnd:\t0000000000000000\n\
             ShdPnd:\t0000000000000000\nSigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n\
             SigCgt:\t0000000000000000\nCapInh:\t0000000000000000\nCapPrm:\t{effective:016x}\n\
             CapEff:\t{effective:016x}\nCapBnd:\t{bounding:016x}\nCapAmb:\t0000000000000000\n\
             NoNewPrivs:\t{}\nSeccomp:\t{}\nSeccomp_filters:\t{}\n\
             Speculation_Store_Bypass:\t{}\nSpeculationIndirectBranch:\t{}\n\
             Cpus_allowed:\t{cpus_mask}\nCpus_allowed_list:\t0-{}\nMems_allowed:\t{mems}\n\
             Mems_allowed_list:\t0\nvoluntary_ctxt_switches:\t25\nnonvoluntary_ctxt_switches:\t3\n\
             x86_Thread_features:\t\nx86_Thread_features_locked:\t\n",
            u8::from(self.no_new_privs),
            if self.seccomp { 2 } else { 0 },
            u8::from(self.seccomp),
            // A seccomp filter turns on these mitigations for the task.
            if self.seccomp {
                "thread force mitigated"
            } else {
                "thread vulnerable"
            },
            if self.seccomp {
                "conditional force disabled"
            } else {
                "conditional enabled"
            },
            cpus.max(1) - 1,
        )
    }

    /// `1000`, or `0(root)` when the image names it.
    fn group(&self, gid: i64) -> String {
        match self.group_names.iter().find(|(g, _)| *g == gid) {
            Some((_, n)) => format!("{gid}({n})"),
            None => gid.to_string(),
        }
    }

    /// The groups `id` lists: the kernel's order for BusyBox; GNU's puts
    /// the primary group first.
    fn listed_groups(&self, dialect: Dialect) -> Vec<i64> {
        match dialect {
            Dialect::Busybox => self.groups.clone(),
            Dialect::Gnu => std::iter::once(self.gid)
                .chain(self.groups.iter().copied().filter(|g| *g != self.gid))
                .collect(),
        }
    }
}

/// A run of a script from the container's start up to a horizon.
#[derive(Clone, Debug)]
pub(crate) struct Run {
    /// Output lines with their offsets from the start.
    pub logs: Vec<(Millis, String)>,
    /// File changes: (offset, path, what happened).
    pub file_events: Vec<(Millis, String, FileOp)>,
    /// How it stopped.
    pub outcome: Outcome,
    /// The handler `trap '…' TERM` installed, if any.
    pub term_trap: Option<String>,
}

/// A change to a file, replayed to know a container's files at a time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum FileOp {
    /// Created or truncated with this content.
    Write(String),
    /// This text appended.
    Append(String),
    /// Removed.
    Remove,
}

/// What a network tool answered: its exit code, what it printed and how
/// long it took (a dropped connection waits out its timeout).
pub(crate) type NetReply = (i32, String, Millis);

/// What a network tool (`wget`, `curl`, `nslookup`) prints and exits with,
/// given the run's clock, `argv` (with the tool's name) and whether its
/// output is a terminal (curl's meter and redis-cli's quoting depend on it).
pub(crate) type Network<'n> = dyn FnMut(Millis, &[String], bool) -> NetReply + 'n;

/// The user's own machine: what its shell does not run itself (kubectl and
/// Kubeplay's commands), at an offset into the line, with the command's
/// standard input. `None`: not one of them.
pub(crate) type HostCommands<'h> =
    dyn FnMut(Millis, &[String], Option<&str>) -> Option<NetReply> + 'h;

/// The files a run's events leave at `offset`, starting from `files`.
pub(crate) fn files_after(
    mut files: VecMap<String, String>,
    events: &[(Millis, String, FileOp)],
    offset: Millis,
) -> VecMap<String, String> {
    for (t, path, op) in events {
        if *t > offset {
            break;
        }
        apply_op(&mut files, path, op);
    }
    files
}

/// Applies one file change.
pub(crate) fn apply_op(files: &mut VecMap<String, String>, path: &str, op: &FileOp) {
    match op {
        FileOp::Write(text) => {
            files.insert(path.to_string(), text.clone());
        }
        FileOp::Append(text) => files.entry(path.to_string()).or_default().push_str(text),
        FileOp::Remove => {
            files.remove(path);
        }
    }
}

/// The most file content one run's events keep.
const MAX_EVENT_BYTES: usize = 4 << 20;

/// The most commands one run executes; beyond it the run counts as
/// going on forever (a busy loop).
const MAX_STEPS: usize = 200_000;

enum Flow {
    Normal,
    Exit(i32),
    Stop,
    Break,
    Continue,
    /// `return N` from a function.
    Return(i32),
}

struct Interp<'a> {
    ctx: &'a Context,
    /// The network tools' hook (`kubectl exec`); without it they succeed
    /// quietly (a container's own script cannot wait for answers).
    net: Option<&'a mut Network<'a>>,
    /// The user's machine (a line typed at Kubeplay's own prompt).
    host: Option<&'a mut HostCommands<'a>>,
    vars: VecMap<String, String>,
    files: VecMap<String, String>,
    t: Millis,
    horizon: Millis,
    status: i32,
    /// `$!`
    last_job: Option<u32>,
    /// How deep `exec` is nested, and the status the shell ended with
    /// once that went too deep.
    depth: usize,
    aborted: Option<i32>,
    /// Its functions, and the `local` variables each running call saved
    /// (name and value before, to restore as it returns).
    functions: VecMap<String, std::rc::Rc<Stmt>>,
    frames: Vec<Vec<(String, Option<String>)>>,
    steps: usize,
    out: Vec<(Millis, String)>,
    file_events: Vec<(Millis, String, FileOp)>,
    forever: bool,
    term_trap: Option<String>,
    capture: Option<String>,
    /// A file standard output is appended to as it is written (`> file`),
    /// when nothing captures it.
    file_out: Option<String>,
    /// Where standard error goes.
    err: ErrSink,
    /// The run reached its horizon inside a `$(…)`: nothing more runs.
    halted: bool,
    /// Output written since the last newline (`echo -n`, `printf`, a file
    /// without a final newline).
    partial: String,
    /// Bytes of file content the events have kept.
    event_bytes: usize,
    /// How many of the context's external changes have been applied.
    external_applied: usize,
    /// What the current command reads on its standard input (a pipe's
    /// previous stage), consumed as it is read.
    stdin: Option<String>,
    /// The working directory (`cd`, `pwd`, relative paths).
    cwd: String,
    /// Signals sent to PID 1 (`kill 1`), for the kubelet to deliver.
    pid1_signals: Vec<i32>,
    /// An interactive shell's line: whether the shell is bash, and the
    /// line's number (dash's messages count the lines read).
    interactive: Option<(bool, u32)>,
    /// An interactive shell `kubectl exec` started (not PID 1): its
    /// command line.
    exec_shell: Option<String>,
    /// `set -x`: each command is traced on standard error (`+ echo hi`).
    xtrace: bool,
    /// `set -e`: a failing command ends the shell.
    errexit: bool,
    /// How deep in contexts `set -e` ignores (conditions, `&&`/`||` left
    /// sides, `!`, pipeline stages).
    errexit_ignored: u32,
    /// `$0` and the positional parameters `$1`…: `sh -c SCRIPT NAME
    /// ARG…` sets them.
    params: Vec<String>,
    /// When each file was last written in this run (for `ls -l`).
    mtimes: VecMap<String, Millis>,
}

impl<'a> Interp<'a> {
    fn new(ctx: &'a Context, horizon: Millis) -> Interp<'a> {
        Interp {
            ctx,
            net: None,
            host: None,
            vars: ctx.env.clone(),
            files: ctx.files.clone(),
            t: 0,
            horizon,
            status: 0,
            last_job: None,
            depth: 0,
            aborted: None,
            functions: VecMap::new(),
            frames: Vec::new(),
            steps: 0,
            out: Vec::new(),
            file_events: Vec::new(),
            forever: false,
            term_trap: None,
            capture: None,
            file_out: None,
            err: ErrSink::Log,
            halted: false,
            partial: String::new(),
            event_bytes: 0,
            external_applied: 0,
            stdin: None,
            cwd: ctx.workdir.clone(),
            pid1_signals: Vec::new(),
            interactive: None,
            exec_shell: None,
            xtrace: false,
            errexit: false,
            errexit_ignored: 0,
            params: ctx.positional.clone(),
            mtimes: VecMap::new(),
        }
    }

    /// Applies the external changes due by now, before a command runs.
    fn apply_external(&mut self) {
        let ctx = self.ctx;
        while let Some((t, path, op)) = ctx.external.get(self.external_applied) {
            if *t > self.t {
                break;
            }
            apply_op(&mut self.files, path, op);
            self.mtimes.insert(path.clone(), *t);
            self.external_applied += 1;
        }
    }

    /// Ends the output: a last line without a newline still counts.
    fn finish(&mut self) {
        if !self.partial.is_empty() {
            let line = std::mem::take(&mut self.partial);
            self.out.push((self.t, line));
        }
    }

    /// The output as text, one newline per line.
    fn output(&self) -> String {
        let mut output = String::new();
        for (_, line) in &self.out {
            output.push_str(line);
            output.push('\n');
        }
        output
    }
}

/// Runs `script` from the start up to `horizon` (offset in ms).
pub(crate) fn run(script: &Stmt, ctx: &Context, horizon: Millis) -> Run {
    run_with(script, ctx, horizon, None)
}

/// [`run`] with network tools answered by `net`.
pub(crate) fn run_with(
    script: &Stmt,
    ctx: &Context,
    horizon: Millis,
    net: Option<&mut Network<'_>>,
) -> Run {
    let mut it = Interp::new(ctx, horizon);
    if let Some(net) = net {
        it.net = Some(net);
    }
    let flow = it.exec(script);
    it.finish();
    let outcome = match flow {
        Flow::Exit(code) | Flow::Return(code) => Outcome::Exited(it.t, code),
        Flow::Stop if it.forever => Outcome::Forever(it.t),
        Flow::Stop => Outcome::Running,
        _ => Outcome::Exited(it.t, it.status),
    };
    Run {
        logs: it.out,
        file_events: it.file_events,
        outcome,
        term_trap: it.term_trap,
    }
}

/// Runs a probe command (`cat /tmp/healthy`) against the files present:
/// its exit status and combined output.
/// `None` when it is still running at `timeout`.
pub(crate) fn probe(argv: &[String], ctx: &Context, timeout: Millis) -> Option<(i32, String)> {
    let stmt = from_argv(argv);
    let mut it = Interp::new(ctx, timeout);
    let code = match it.exec(&stmt) {
        Flow::Exit(c) | Flow::Return(c) => c,
        Flow::Stop => return None,
        _ => it.status,
    };
    it.finish();
    Some((code, it.output()))
}

/// How a `kubectl exec` command ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ExecResult {
    /// Its output (stdout and stderr, as a terminal shows them).
    pub output: String,
    /// Its exit code; `None` while it still runs at the horizon.
    pub code: Option<i32>,
    /// How long it ran (simulated).
    pub elapsed: Millis,
    /// The files it wrote and removed, by time since it started.
    pub file_events: Vec<(Millis, String, FileOp)>,
    /// The signals it sent the container's PID 1 (`kill 1`).
    pub pid1_signals: Vec<i32>,
    /// It ran `exit` (an interactive shell's session ends).
    pub exited: bool,
}

/// What an interactive shell keeps from one line to the next: its
/// variables, working directory and last status.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ShellState {
    /// Its variables (the environment it started with, then its own).
    pub vars: VecMap<String, String>,
    /// Its working directory; empty before its first line.
    pub cwd: String,
    /// `$?`.
    pub status: i32,
    /// `$!`: the PID of its last background job.
    pub last_job: Option<u32>,
    /// The functions it defined.
    pub functions: VecMap<String, std::rc::Rc<Stmt>>,
    /// The shell is bash (its messages differ from dash's).
    pub bash: bool,
    /// Lines read so far.
    pub lines: u32,
    /// A shell `kubectl exec` started beside PID 1 (its command line, as
    /// `ps` lists it); empty for the container's own shell (PID 1).
    pub exec_program: String,
}

/// Runs `argv` as `kubectl exec` does: a new process beside the
/// container's own, seeing its files, reaching the network through `net`.
/// With `state`, the process is a line of an interactive shell: it starts
/// from the state the previous line left and leaves its own.
pub(crate) fn exec_command(
    argv: &[String],
    ctx: &Context,
    horizon: Millis,
    net: &mut Network<'_>,
    state: Option<&mut ShellState>,
) -> ExecResult {
    let mut it = Interp::new(ctx, horizon);
    it.net = Some(net);
    // An interactive shell runs the line itself (its `exit` ends it); a
    // line it cannot parse goes through `sh -c`, which says why.
    let stmt = match (&state, argv) {
        (Some(_), [_, _, line]) => parse(line).unwrap_or_else(|_| from_argv(argv)),
        _ => from_argv(argv),
    };
    let mut state = state;
    if let Some(s) = state.as_deref_mut() {
        if s.cwd.is_empty() {
            s.vars = ctx.env.clone();
            s.cwd = ctx.workdir.clone();
        }
        s.lines += 1;
        it.vars = std::mem::take(&mut s.vars);
        it.cwd = std::mem::take(&mut s.cwd);
        it.functions = std::mem::take(&mut s.functions);
        it.status = s.status;
        it.interactive = Some((s.bash, s.lines));
        it.exec_shell = Some(s.exec_program.clone()).filter(|p| !p.is_empty());
    }
    let flow = it.exec(&stmt);
    it.end_line(flow, state)
}

/// Runs a line typed at Kubeplay's own prompt in the user's shell (bash):
/// pipes, lists, loops, variables and `$(…)`, with `host` running kubectl
/// and Kubeplay's commands and `stdin` (a here-document) as its input.
/// `state` carries the shell's variables from line to line.
pub(crate) fn host_line(
    line: &str,
    stdin: Option<String>,
    ctx: &Context,
    horizon: Millis,
    host: &mut HostCommands<'_>,
    state: &mut ShellState,
) -> ExecResult {
    let mut it = Interp::new(ctx, horizon);
    it.host = Some(host);
    it.stdin = stdin;
    if state.cwd.is_empty() {
        state.vars = ctx.env.clone();
        state.cwd = ctx.workdir.clone();
        state.bash = true;
    }
    state.lines += 1;
    it.vars = std::mem::take(&mut state.vars);
    it.cwd = std::mem::take(&mut state.cwd);
    it.functions = std::mem::take(&mut state.functions);
    it.status = state.status;
    it.last_job = state.last_job;
    it.interactive = Some((true, state.lines));
    let flow = match parse(line) {
        Ok(stmt) => it.exec(&stmt),
        Err(e) => {
            it.emit_err(format!("bash: {e}"));
            it.status = 2;
            Flow::Normal
        }
    };
    it.end_line(flow, Some(state))
}

impl Interp<'_> {
    /// Ends a `kubectl exec` process or a line of a shell: what it printed
    /// and how it ended, its state kept for the next line.
    fn end_line(mut self, flow: Flow, state: Option<&mut ShellState>) -> ExecResult {
        self.finish();
        let code = match flow {
            // dash's and busybox's `return` outside a function ends the
            // shell, as `exit` does.
            Flow::Exit(c) | Flow::Return(c) => Some(c),
            Flow::Stop => None,
            _ => Some(self.status),
        };
        if let Some(s) = state {
            s.vars = std::mem::take(&mut self.vars);
            s.cwd = std::mem::take(&mut self.cwd);
            s.functions = std::mem::take(&mut self.functions);
            s.status = code.unwrap_or(self.status);
        }
        ExecResult {
            output: self.output(),
            code,
            elapsed: self.t,
            file_events: std::mem::take(&mut self.file_events),
            pid1_signals: self.pid1_signals,
            exited: matches!(flow, Flow::Exit(_) | Flow::Return(_)),
        }
    }
}

/// How a script uses the network in its first minute (one run with a
/// counting hook, done once when the container starts).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum NetworkUse {
    /// No network tool.
    None,
    /// It keeps requesting one URL (`while sleep 0.01; do wget -q -O-
    /// http://php-apache; done`, the docs' load generator): the URL as
    /// written and the script's own time per request (its sleeps). A
    /// container's script runs ahead of time, so its requests reach the
    /// network as a stream, each sent when the previous one answered and
    /// the script slept.
    Stream {
        /// The URL as written.
        url: String,
        /// The script's own time per request.
        pause: Millis,
        /// The command line of every request.
        argv: Vec<String>,
        /// When the first request goes (after the script's own start).
        first_at: Millis,
    },
    /// Other calls: they get the network's answers.
    Calls,
}

/// How `script` uses the network (see [`NetworkUse`]).
pub(crate) fn network_use(script: &Stmt, ctx: &Context) -> NetworkUse {
    let mut seen = observe(script, ctx, MINUTE);
    // One request in the first minute of a script still running: a slower
    // loop is looked at over ten.
    if seen.calls.len() == 1 && seen.still_running {
        seen = observe(script, ctx, 10 * MINUTE);
    }
    let Observed {
        calls,
        first_argv,
        same_argv,
        still_running,
        end,
    } = seen;
    let Some((first_at, Some(first))) = calls.first().cloned() else {
        return if calls.is_empty() {
            NetworkUse::None
        } else {
            NetworkUse::Calls
        };
    };
    // A stream goes on past the window, making one request again and
    // again up to its end (a loop of a few requests followed by a long
    // sleep is not one).
    let last_at = calls[calls.len() - 1].0;
    if !still_running || calls.len() < 2 || !same_argv {
        return NetworkUse::Calls;
    }
    let pause = (last_at - first_at) / (calls.len() as Millis - 1);
    if end.saturating_sub(last_at) > 2 * pause + SECOND {
        return NetworkUse::Calls;
    }
    NetworkUse::Stream {
        url: first,
        pause,
        argv: first_argv,
        first_at,
    }
}

/// A script's network calls over a first window (each answered at once).
struct Observed {
    /// When each call was made, and the URL it asked.
    calls: Vec<(Millis, Option<String>)>,
    /// The first call's command line.
    first_argv: Vec<String>,
    /// Whether every call had that command line.
    same_argv: bool,
    /// Whether the script still ran at the window's end.
    still_running: bool,
    /// When the run stopped.
    end: Millis,
}

/// Runs `script` for `window` with network tools that answer at once.
fn observe(script: &Stmt, ctx: &Context, window: Millis) -> Observed {
    let mut calls: Vec<(Millis, Option<String>)> = Vec::new();
    let mut first_argv = Vec::new();
    let mut same_argv = true;
    let (still_running, end) = {
        let mut record = |t: Millis, argv: &[String], _: bool| {
            if calls.is_empty() {
                first_argv = argv.to_vec();
            }
            same_argv &= first_argv == argv;
            calls.push((t, url_arg(argv)));
            (0, String::new(), 0)
        };
        let mut it = Interp::new(ctx, window);
        it.net = Some(&mut record);
        let stopped = matches!(it.exec(script), Flow::Stop);
        (stopped, it.t)
    };
    Observed {
        calls,
        first_argv,
        same_argv,
        still_running,
        end,
    }
}

/// curl's options that take a value (the next word).
pub(crate) const CURL_VALUE_OPTIONS: &[&str] = &[
    "-H",
    "--header",
    "-X",
    "--request",
    "-o",
    "--output",
    "-w",
    "--write-out",
    "-m",
    "--max-time",
    "--connect-timeout",
    "-d",
    "--data",
];

/// The URL a `wget` or `curl` command line fetches.
fn url_arg(argv: &[String]) -> Option<String> {
    let tool = argv.first()?.rsplit('/').next()?;
    if tool != "wget" && tool != "curl" {
        return None;
    }
    let with_value: &[&str] = if tool == "wget" {
        &[
            "-O",
            "-T",
            "-U",
            "-Y",
            "-P",
            "--header",
            "--user-agent",
            "--timeout",
            "--output-document",
        ]
    } else {
        CURL_VALUE_OPTIONS
    };
    let mut skip = false;
    let mut url = None;
    for a in &argv[1..] {
        if skip {
            skip = false;
        } else if with_value.contains(&a.as_str()) {
            skip = true;
        } else if !a.starts_with('-') {
            url = Some(a.clone());
        }
    }
    url
}

/// Whether a container image has `name` on its PATH, as far as the
/// simulated shell knows it (builtins and the tools it runs).
pub(crate) fn has_command(name: &str) -> bool {
    let name = name.rsplit('/').next().unwrap_or(name);
    COMMANDS.contains(&name)
}

/// The commands the simulated shell runs.
const COMMANDS: &[&str] = &[
    "echo",
    "printf",
    "sleep",
    "tail",
    "exit",
    "true",
    ":",
    "false",
    "touch",
    "mkdir",
    "chmod",
    "chown",
    "cd",
    "export",
    "set",
    "shift",
    "unset",
    "ulimit",
    "umask",
    "wait",
    "sync",
    "ln",
    "cp",
    "mv",
    "apk",
    "apt-get",
    "pip",
    "npm",
    "rm",
    "cat",
    "ls",
    "test",
    "[",
    "[[",
    "date",
    "hostname",
    "env",
    "printenv",
    "seq",
    "trap",
    "exec",
    "nohup",
    "command",
    "time",
    "sh",
    "bash",
    "ash",
    "dash",
    "wget",
    "curl",
    "nslookup",
    "ping",
    "nc",
    "dig",
    "host",
    "yes",
    "id",
    "whoami",
    "uname",
    "pwd",
    "ps",
    "head",
    "grep",
    "wc",
    "sort",
    "read",
    "kill",
    "apt",
    "base64",
    "cut",
    "redis-cli",
];

/// printf(1): the format's backslash escapes and `%` conversions (`s`,
/// `b`, `c`, `d`/`i`, `u`, `x`/`X`, `o`, `f`, `e`, `g`, `%%`, with the
/// `-`, `0`, `+`, space and `#` flags, width and precision, `*` from the
/// arguments), the format used again while arguments remain. Numbers take
/// C's `0x`/`0` prefixes and `'c`; one that is not a number is reported
/// (`errors`, in the shell's words) and printed as what was read of it.
fn printf(format: &str, args: &[String], dialect: Dialect, errors: &mut Vec<String>) -> String {
    let f: Vec<char> = format.chars().collect();
    let mut out = String::new();
    let mut next = 0;
    let take = |next: &mut usize| -> String {
        let arg = args.get(*next).cloned().unwrap_or_default();
        if *next < args.len() {
            *next += 1;
        }
        arg
    };
    loop {
        let mut i = 0;
        while i < f.len() {
            match f[i] {
                '\\' if i + 1 < f.len() => {
                    i += 1;
                    i += escape(&f[i..], &mut out);
                }
                '%' if i + 1 < f.len() => {
                    let start = i;
                    i += 1;
                    let flags: String = f[i..]
                        .iter()
                        .take_while(|c| matches!(c, '-' | '0' | '+' | ' ' | '#'))
                        .collect();
                    i += flags.len();
                    let mut width: usize = 0;
                    if f.get(i) == Some(&'*') {
                        width = take(&mut next).trim().parse().unwrap_or(0);
                        i += 1;
                    } else {
                        let w: String = f[i..].iter().take_while(|c| c.is_ascii_digit()).collect();
                        i += w.len();
                        width = w.parse().unwrap_or(width);
                    }
                    let mut precision = None;
                    if f.get(i) == Some(&'.') {
                        let p: String = f[i + 1..]
                            .iter()
                            .take_while(|c| c.is_ascii_digit())
                            .collect();
                        i += 1 + p.len();
                        precision = Some(p.parse::<usize>().unwrap_or(0));
                    }
                    // Fields are bounded (`format!` takes precisions up to
                    // 65535; a huge width would only exhaust memory).
                    width = width.min(PRINTF_FIELD_MAX);
                    let precision = precision.map(|p: usize| p.min(PRINTF_FIELD_MAX));
                    let Some(&conv) = f.get(i) else {
                        out.extend(&f[start..]);
                        break;
                    };
                    i += 1;
                    if conv == '%' {
                        out.push('%');
                        continue;
                    }
                    let arg = if "sbcdiuxXofeEgG".contains(conv) {
                        take(&mut next)
                    } else {
                        String::new()
                    };
                    let mut number = |float: bool| -> f64 {
                        let (value, complete) = printf_number(&arg, float);
                        if !complete {
                            errors.push(match dialect {
                                Dialect::Busybox => format!("sh: invalid number '{arg}'"),
                                Dialect::Gnu if value == 0.0 => {
                                    format!("sh: 1: printf: {arg}: expected numeric value")
                                }
                                Dialect::Gnu => {
                                    format!("sh: 1: printf: {arg}: not completely converted")
                                }
                            });
                        }
                        value
                    };
                    let sign = |n: f64, text: String| -> String {
                        if n >= 0.0 && flags.contains('+') {
                            format!("+{text}")
                        } else if n >= 0.0 && flags.contains(' ') {
                            format!(" {text}")
                        } else {
                            text
                        }
                    };
                    let text = match conv {
                        's' => match precision {
                            Some(p) => arg.chars().take(p).collect(),
                            None => arg.clone(),
                        },
                        'b' => {
                            let chars: Vec<char> = arg.chars().collect();
                            let mut text = String::new();
                            let mut k = 0;
                            while k < chars.len() {
                                if chars[k] == '\\' && k + 1 < chars.len() {
                                    k += 1 + escape(&chars[k + 1..], &mut text);
                                } else {
                                    text.push(chars[k]);
                                    k += 1;
                                }
                            }
                            text
                        }
                        'c' => arg.chars().next().map(String::from).unwrap_or_default(),
                        'd' | 'i' => {
                            let n = number(false);
                            sign(n, (n as i64).to_string())
                        }
                        'u' => (number(false) as i64 as u64).to_string(),
                        'x' | 'X' | 'o' => {
                            let n = number(false) as i64;
                            let digits = match conv {
                                'x' => format!("{n:x}"),
                                'X' => format!("{n:X}"),
                                _ => format!("{n:o}"),
                            };
                            match (flags.contains('#'), conv) {
                                (true, 'x') if n != 0 => format!("0x{digits}"),
                                (true, 'X') if n != 0 => format!("0X{digits}"),
                                (true, 'o') if n != 0 => format!("0{digits}"),
                                _ => digits,
                            }
                        }
                        'f' | 'e' | 'E' | 'g' | 'G' => {
                            let n = number(true);
                            let text = float_format(n, conv, precision.unwrap_or(6));
                            sign(n, text)
                        }
                        _ => f[start..i].iter().collect(),
                    };
                    let len = text.chars().count();
                    if len >= width {
                        out.push_str(&text);
                    } else if flags.contains('-') {
                        out.push_str(&text);
                        out.extend(std::iter::repeat_n(' ', width - len));
                    } else if flags.contains('0') && !matches!(conv, 's' | 'b' | 'c') {
                        let (lead, digits) = match text.chars().next() {
                            Some(c @ ('-' | '+' | ' ')) => (c.to_string(), &text[1..]),
                            _ => (String::new(), text.as_str()),
                        };
                        out.push_str(&lead);
                        out.extend(std::iter::repeat_n('0', width - len));
                        out.push_str(digits);
                    } else {
                        out.extend(std::iter::repeat_n(' ', width - len));
                        out.push_str(&text);
                    }
                }
                c => {
                    out.push(c);
                    i += 1;
                }
            }
        }
        // The format is used again for the arguments left (none used: once).
        if next == 0 || next >= args.len() {
            return out;
        }
    }
}

/// The widest field and longest precision printf formats.
const PRINTF_FIELD_MAX: usize = 4096;

/// A backslash escape of printf's format (after the `\\`): what it
/// writes, and how many characters it took.
fn escape(rest: &[char], out: &mut String) -> usize {
    match rest[0] {
        'n' => out.push('\n'),
        't' => out.push('\t'),
        'r' => out.push('\r'),
        'a' => out.push('\u{7}'),
        'b' => out.push('\u{8}'),
        'v' => out.push('\u{b}'),
        'f' => out.push('\u{c}'),
        '\\' => out.push('\\'),
        '0'..='7' => {
            let digits: String = rest.iter().take(3).take_while(|c| c.is_digit(8)).collect();
            let code = u32::from_str_radix(&digits, 8).unwrap_or(0);
            out.push(char::from_u32(code).unwrap_or('?'));
            return digits.len();
        }
        c => {
            out.push('\\');
            out.push(c);
        }
    }
    1
}

/// printf's reading of a numeric argument (C's `strtol`/`strtod`: `0x`
/// and `0` prefixes, `'c` for a character's code): its value and whether
/// all of it was a number.
fn printf_number(arg: &str, float: bool) -> (f64, bool) {
    let a = arg.trim();
    if a.is_empty() {
        return (0.0, true);
    }
    if let Some(c) = a.strip_prefix('\'').or_else(|| a.strip_prefix('"')) {
        return (c.chars().next().map_or(0.0, |c| f64::from(c as u32)), true);
    }
    let (neg, body) = match a.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, a.strip_prefix('+').unwrap_or(a)),
    };
    let signed = |v: f64| if neg { -v } else { v };
    if float {
        // `strtod`: the longest prefix that is a number.
        let found = (1..=body.len())
            .rev()
            .filter(|&end| body.is_char_boundary(end))
            .find_map(|end| crate::num::parse_f64(&body[..end]).map(|v| (v, end)));
        return match found {
            Some((v, end)) => (signed(v), end == body.len()),
            None => (0.0, false),
        };
    }
    let (radix, digits) =
        if let Some(h) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
            (16, h)
        } else if body.len() > 1 && body.starts_with('0') {
            (8, &body[1..])
        } else {
            (10, body)
        };
    let end = digits.chars().take_while(|c| c.is_digit(radix)).count();
    let value = i64::from_str_radix(&digits[..end], radix).unwrap_or(0) as f64;
    (signed(value), end == digits.len() && end > 0)
}

/// `%f`, `%e` and `%g` as C formats them.
fn float_format(n: f64, conv: char, precision: usize) -> String {
    let exp_form = |p: usize| {
        let s = format!("{n:.p$e}");
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    };
    let text = match conv {
        'f' => format!("{n:.precision$}"),
        'e' | 'E' => exp_form(precision),
        _ => {
            let p = precision.max(1);
            let exp = if n == 0.0 {
                0
            } else {
                n.abs().log10().floor() as i32
            };
            let trim = |s: String| {
                if s.contains('.') {
                    s.trim_end_matches('0').trim_end_matches('.').to_string()
                } else {
                    s
                }
            };
            if exp < -4 || exp >= p as i32 {
                let s = exp_form(p - 1);
                let (m, e) = s.split_once('e').unwrap_or((&s, ""));
                format!("{}e{e}", trim(m.to_string()))
            } else {
                trim(format!("{n:.*}", (p as i32 - 1 - exp).max(0) as usize))
            }
        }
    };
    if conv.is_ascii_uppercase() {
        text.to_ascii_uppercase()
    } else {
        text
    }
}

/// Parses `sleep`'s argument: `30`, `0.5`, `1m`, `2h`, `infinity`.
fn sleep_duration(arg: &str) -> Option<Option<Millis>> {
    if arg == "infinity" || arg == "inf" {
        return Some(None);
    }
    let (num, unit) = match arg.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
        Some((i, _)) => (&arg[..i], &arg[i..]),
        None => (arg, "s"),
    };
    let value = crate::num::parse_f64(num)?;
    let scale = match unit {
        "s" => 1000.0,
        "m" => 60_000.0,
        "h" => 3_600_000.0,
        "d" => 86_400_000.0,
        _ => return None,
    };
    Some(Some((value * scale).max(0.0) as Millis))
}

impl Interp<'_> {
    /// Writes one line of output.
    fn emit(&mut self, line: String) {
        if let Some(buf) = &mut self.capture {
            buf.push_str(&line);
            buf.push('\n');
        } else if let Some(path) = self.file_out.clone() {
            self.append_file(&path, line + "\n");
        } else if self.partial.is_empty() {
            self.out.push((self.t, line));
        } else {
            let mut whole = std::mem::take(&mut self.partial);
            whole.push_str(&line);
            self.out.push((self.t, whole));
        }
    }

    /// Writes raw text: complete lines become log lines, the rest waits
    /// for its newline.
    fn write(&mut self, text: &str) {
        if let Some(buf) = &mut self.capture {
            buf.push_str(text);
            return;
        }
        if let Some(path) = self.file_out.clone() {
            if !text.is_empty() {
                self.append_file(&path, text.to_string());
            }
            return;
        }
        let mut rest = text;
        while let Some(i) = rest.find('\n') {
            let line = &rest[..i];
            self.emit(line.to_string());
            rest = &rest[i + 1..];
        }
        self.partial.push_str(rest);
    }

    /// Writes one line to standard error.
    fn emit_err(&mut self, line: String) {
        match &mut self.err {
            ErrSink::Log => self.out.push((self.t, line)),
            ErrSink::Stdout => self.emit(line),
            ErrSink::Buffer(buf) => {
                buf.push_str(&line);
                buf.push('\n');
            }
            ErrSink::File(path) => {
                let path = path.clone();
                self.append_file(&path, line + "\n");
            }
        }
    }

    /// Writes raw text to standard error.
    fn write_err(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        match &mut self.err {
            ErrSink::Stdout => self.write(text),
            ErrSink::Buffer(buf) => buf.push_str(text),
            ErrSink::File(path) => {
                let path = path.clone();
                self.append_file(&path, text.to_string());
            }
            ErrSink::Log => {
                // Its own log entries: a line standard output left
                // unfinished stays unfinished.
                for line in text.strip_suffix('\n').unwrap_or(text).split('\n') {
                    self.out.push((self.t, line.to_string()));
                }
            }
        }
    }

    /// Writes a network tool's reply: its standard-error parts (marked)
    /// to standard error, the rest to standard output, in order.
    fn write_reply(&mut self, text: &str) {
        // Most replies wrote no file (a load generator's every request).
        if !text.contains(FILE_START) {
            return self.write_streams(text);
        }
        let (text, files) = split_files(text);
        for (path, content) in files {
            if self.read_only(&path) {
                let tool = match self.ctx.dialect {
                    Dialect::Busybox => format!("wget: can't open '{path}'"),
                    Dialect::Gnu => {
                        format!("curl: (23) Failure writing output to destination, {path}")
                    }
                };
                self.emit_err(format!("{tool}: Read-only file system"));
                self.status = 1;
                continue;
            }
            self.write_file(&path, content);
        }
        self.write_streams(&text);
    }

    /// Writes a reply's standard-error parts (marked) to standard error,
    /// the rest to standard output, in order.
    fn write_streams(&mut self, text: &str) {
        let mut rest = text;
        while let Some(i) = rest.find(STDERR_START) {
            self.write(&rest[..i]);
            let after = &rest[i + STDERR_START.len_utf8()..];
            let end = after.find(STDERR_END).unwrap_or(after.len());
            self.write_err(&after[..end]);
            rest = after.get(end + STDERR_END.len_utf8()..).unwrap_or("");
        }
        self.write(rest);
    }

    /// Where a redirection's word sends a stream.
    fn dest(&mut self, word: &Word, append: bool) -> Dest {
        match self.expand(word).as_str() {
            "/dev/null" => Dest::Null,
            "/dev/stdout" => Dest::Stdout,
            "/dev/stderr" => Dest::Stderr,
            path => Dest::File(path.to_string(), append),
        }
    }

    /// Where a command's standard output and error go after its
    /// redirections, applied in order.
    fn dests(&mut self, redirects: &[Redirect]) -> (Dest, Dest) {
        let (mut out, mut err) = (Dest::Stdout, Dest::Stderr);
        for r in redirects {
            match r {
                Redirect::Out(w, append) => out = self.dest(w, *append),
                Redirect::Err(w, append) => err = self.dest(w, *append),
                Redirect::ErrToOut => err = out.clone(),
                Redirect::OutToErr => out = err.clone(),
                Redirect::In(_) => {}
            }
        }
        (out, err)
    }

    /// Runs a command with standard input from its last `< file`; a file
    /// that is not there fails the command before it runs, as the shells
    /// do (status 2).
    fn with_input(&mut self, redirects: &[Redirect], run: impl FnOnce(&mut Self) -> Flow) -> Flow {
        let Some(word) = redirects.iter().rev().find_map(|r| match r {
            Redirect::In(w) => Some(w),
            _ => None,
        }) else {
            return run(self);
        };
        let path = self.expand(word);
        let content = match path.as_str() {
            "/dev/null" => Some(String::new()),
            p => self.file(p).cloned(),
        };
        let Some(content) = content else {
            let msg = match self.ctx.dialect {
                Dialect::Busybox => format!("sh: can't open '{path}': No such file or directory"),
                Dialect::Gnu => format!("sh: 1: cannot open {path}: No such file"),
            };
            self.emit_err(msg);
            self.status = 2;
            return Flow::Normal;
        };
        let saved = self.stdin.replace(content);
        let flow = run(self);
        self.stdin = saved;
        flow
    }

    /// Runs a command with its standard output and error sent to `out`
    /// and `err`.
    fn redirected(&mut self, out: Dest, err: Dest, run: impl FnOnce(&mut Self) -> Flow) -> Flow {
        if out == Dest::Stdout && err == Dest::Stderr {
            return run(self);
        }
        // The shell cannot open the file: the command does not run.
        for dest in [&out, &err] {
            if let Dest::File(path, _) = dest
                && self.read_only(path)
            {
                // ash and dash both fail the command with 2.
                let msg = match self.ctx.dialect {
                    Dialect::Busybox => format!("sh: can't create {path}: Read-only file system"),
                    Dialect::Gnu => format!("sh: 1: cannot create {path}: Read-only file system"),
                };
                self.emit_err(msg);
                self.status = 2;
                return Flow::Normal;
            }
        }
        // A file is written as the command writes (`> file` truncates it
        // first), so a loop's log file grows as it runs; the other targets
        // take what was written when the command ends.
        let mut saved_file = None;
        let saved_out = match &out {
            Dest::Stdout => None,
            Dest::File(path, append) => {
                if !append {
                    self.write_file(path, String::new());
                }
                saved_file = Some(self.file_out.replace(path.clone()));
                Some(self.capture.take())
            }
            _ => Some(self.capture.replace(String::new())),
        };
        // Both to one place share it, in order.
        let saved_err = match &err {
            Dest::Stderr => None,
            e if *e == out => Some(std::mem::replace(&mut self.err, ErrSink::Stdout)),
            Dest::File(path, append) => {
                if !append {
                    self.write_file(path, String::new());
                }
                Some(std::mem::replace(
                    &mut self.err,
                    ErrSink::File(path.clone()),
                ))
            }
            _ => Some(std::mem::replace(
                &mut self.err,
                ErrSink::Buffer(String::new()),
            )),
        };
        let flow = run(self);
        let out_text = match saved_file {
            Some(file) => {
                self.file_out = file;
                self.capture = saved_out.flatten();
                None
            }
            None => saved_out.map(|s| std::mem::replace(&mut self.capture, s).unwrap_or_default()),
        };
        let err_text = saved_err.and_then(|s| match std::mem::replace(&mut self.err, s) {
            ErrSink::Buffer(b) => Some(b),
            _ => None,
        });
        for (dest, text) in [(out, out_text), (err, err_text)] {
            let Some(text) = text else { continue };
            match dest {
                Dest::Stdout => self.write(&text),
                Dest::Stderr => self.write_err(&text),
                Dest::File(path, true) => self.append_file(&path, text),
                Dest::File(path, false) => self.write_file(&path, text),
                Dest::Null => {}
            }
        }
        flow
    }

    fn exec(&mut self, stmt: &Stmt) -> Flow {
        if let Some(code) = self.aborted {
            return Flow::Exit(code);
        }
        // Each level of commands, `$(…)`, shells and calls costs the
        // interpreter stack; the real shells go on until theirs runs out,
        // Kubeplay stops before the page's does.
        if self.depth >= MAX_NESTING {
            let shell = match self.interactive {
                Some((true, _)) => "bash",
                _ => "sh",
            };
            self.emit_err(format!(
                "{shell}: Kubeplay stops commands nested {MAX_NESTING} deep (functions, loops and $(…) within each other)"
            ));
            self.aborted = Some(2);
            return Flow::Exit(2);
        }
        self.depth += 1;
        let flow = self.exec_level(stmt);
        self.depth -= 1;
        flow
    }

    /// [`Interp::exec`] one level down.
    fn exec_level(&mut self, stmt: &Stmt) -> Flow {
        if self.halted {
            return Flow::Stop;
        }
        self.steps += 1;
        if self.steps > MAX_STEPS {
            self.forever = true;
            return Flow::Stop;
        }
        match stmt {
            Stmt::Seq(items) => {
                for s in items {
                    match self.exec(s) {
                        Flow::Normal => {}
                        other => return other,
                    }
                }
                Flow::Normal
            }
            Stmt::And(a, b) => match self.exec_ignoring_errexit(a) {
                Flow::Normal if self.status == 0 => self.exec(b),
                Flow::Normal => Flow::Normal,
                other => other,
            },
            Stmt::Or(a, b) => match self.exec_ignoring_errexit(a) {
                Flow::Normal if self.status != 0 => self.exec(b),
                Flow::Normal => Flow::Normal,
                other => other,
            },
            Stmt::Pipe(stages) => {
                // Stages run one after the other in simulated time, each in
                // its own subshell: variables set and `exit` stay there. A
                // stage that never ends (a loop to the horizon) still hands
                // on what it wrote.
                let outer = self.stdin.take();
                let mut input = outer.clone();
                let last = stages.len() - 1;
                let mut flow = Flow::Normal;
                for (i, stage) in stages.iter().enumerate() {
                    self.stdin = input.take();
                    let saved = (i < last).then(|| self.capture.replace(String::new()));
                    let f = self.isolated(|it| it.exec_ignoring_errexit(stage));
                    if let Some(saved) = saved {
                        input = std::mem::replace(&mut self.capture, saved);
                    }
                    match f {
                        Flow::Exit(code) | Flow::Return(code) => self.status = code,
                        Flow::Stop => flow = Flow::Stop,
                        _ => {}
                    }
                }
                self.stdin = outer;
                match flow {
                    Flow::Normal => self.errexit_check(),
                    other => other,
                }
            }
            Stmt::Not(a) => {
                let f = self.exec_ignoring_errexit(a);
                self.status = i32::from(self.status == 0);
                f
            }
            Stmt::While { cond, body, until } => {
                let mut idle_iterations = 0;
                loop {
                    match self.exec_ignoring_errexit(cond) {
                        Flow::Normal => {}
                        other => return other,
                    }
                    if (self.status == 0) == *until {
                        self.status = 0;
                        return Flow::Normal;
                    }
                    let before = self.t;
                    match self.exec(body) {
                        Flow::Normal | Flow::Continue => {}
                        Flow::Break => {
                            self.status = 0;
                            return Flow::Normal;
                        }
                        other => return other,
                    }
                    // Iterations that never sleep make a busy loop: it runs
                    // forever without the simulation following each turn.
                    if self.t == before {
                        idle_iterations += 1;
                        if idle_iterations > 1000 {
                            self.forever = true;
                            return Flow::Stop;
                        }
                    } else {
                        idle_iterations = 0;
                    }
                }
            }
            Stmt::For { var, items, body } => {
                let mut values = Vec::new();
                for w in items {
                    // `"$@"`: each positional parameter is an item.
                    if matches!(w.0.as_slice(), [Part::Expand(e)] if e == "$@") {
                        values.extend(self.params.iter().skip(1).cloned());
                        continue;
                    }
                    let text = self.expand(w);
                    if w.0.iter().any(|p| matches!(p, Part::Expand(_))) {
                        values.extend(text.split_whitespace().map(str::to_string));
                    } else {
                        values.push(text);
                    }
                }
                if self.halted {
                    return Flow::Stop;
                }
                for v in values {
                    self.vars.insert(var.clone(), v);
                    match self.exec(body) {
                        Flow::Normal | Flow::Continue => {}
                        Flow::Break => break,
                        other => return other,
                    }
                }
                Flow::Normal
            }
            Stmt::If {
                cond,
                then,
                otherwise,
            } => {
                match self.exec_ignoring_errexit(cond) {
                    Flow::Normal => {}
                    other => return other,
                }
                if self.status == 0 {
                    self.exec(then)
                } else if let Some(o) = otherwise {
                    self.exec(o)
                } else {
                    self.status = 0;
                    Flow::Normal
                }
            }
            Stmt::Simple {
                assigns,
                words,
                redirects,
            } => {
                // An assignment alone has the status of its last `$(…)`.
                if words.is_empty() {
                    self.status = 0;
                    for (name, w) in assigns {
                        let v = self.expand(w);
                        self.vars.insert(name.clone(), v);
                    }
                    return if self.halted {
                        Flow::Stop
                    } else {
                        Flow::Normal
                    };
                }
                // The words first: assignments before a command do not
                // change them.
                let mut argv: Vec<String> = Vec::with_capacity(words.len());
                for w in words {
                    // `"$@"`: each positional parameter is a word.
                    if matches!(w.0.as_slice(), [Part::Expand(e)] if e == "$@") {
                        argv.extend(self.params.iter().skip(1).cloned());
                    } else {
                        let word = self.expand(w);
                        argv.push(word);
                    }
                }
                if self.halted {
                    return Flow::Stop;
                }
                // They hold for the command's run only (a function's too),
                // except before one of POSIX's special builtins in dash and
                // busybox.
                let special = !matches!(self.interactive, Some((true, _)))
                    && argv.first().is_some_and(|c| {
                        matches!(
                            c.as_str(),
                            ":" | "."
                                | "break"
                                | "continue"
                                | "eval"
                                | "exec"
                                | "exit"
                                | "export"
                                | "readonly"
                                | "return"
                                | "set"
                                | "shift"
                                | "times"
                                | "trap"
                                | "unset"
                        )
                    });
                let mut before: Vec<(String, Option<String>)> = Vec::new();
                for (name, w) in assigns {
                    let v = self.expand(w);
                    let old = self.vars.insert(name.clone(), v);
                    if !special && !before.iter().any(|(n, _)| n == name) {
                        before.push((name.clone(), old));
                    }
                }
                if self.halted {
                    return Flow::Stop;
                }
                if self.xtrace {
                    let traced: Vec<String> = argv.iter().map(|a| xtrace_word(a)).collect();
                    self.emit_err(format!("+ {}", traced.join(" ")));
                }
                let (out, err) = self.dests(redirects);
                let flow = self.with_input(redirects, |it| {
                    it.redirected(out, err, |it| it.command(&argv))
                });
                self.restore_vars(before);
                match flow {
                    Flow::Normal => self.errexit_check(),
                    other => other,
                }
            }
            Stmt::Redirected(body, redirects) => {
                let (out, err) = self.dests(redirects);
                self.with_input(redirects, |it| it.redirected(out, err, |it| it.exec(body)))
            }
            Stmt::Function(name, body) => {
                self.functions.insert(name.clone(), body.clone());
                self.status = 0;
                Flow::Normal
            }
            // Its `exit`, `return`, `break` end it, not the shell.
            Stmt::Subshell(body) => match self.isolated(|it| it.exec(body)) {
                Flow::Exit(code) | Flow::Return(code) => {
                    self.status = code;
                    self.errexit_check()
                }
                Flow::Stop => Flow::Stop,
                _ => self.errexit_check(),
            },
        }
    }

    /// Gives variables back the values they had (`None`: unset), the
    /// last saved first.
    fn restore_vars(&mut self, saved: Vec<(String, Option<String>)>) {
        for (name, before) in saved.into_iter().rev() {
            match before {
                Some(v) => {
                    self.vars.insert(name, v);
                }
                None => {
                    self.vars.remove(&name);
                }
            }
        }
    }

    /// Runs `f` in a subshell: the variables, working directory and
    /// functions it sets, and the `local`s it declares, stay there.
    fn isolated(&mut self, f: impl FnOnce(&mut Self) -> Flow) -> Flow {
        let vars = self.vars.clone();
        let cwd = self.cwd.clone();
        let functions = self.functions.clone();
        let frame = self.frames.last().map_or(0, Vec::len);
        let flow = f(self);
        self.vars = vars;
        self.cwd = cwd;
        self.functions = functions;
        if let Some(locals) = self.frames.last_mut() {
            locals.truncate(frame);
        }
        flow
    }

    /// Calls a function: `argv` after its name are its positional
    /// parameters (`$0` stays the shell's); `return` ends it, and its
    /// `local` variables get their values back.
    fn call(&mut self, body: &Stmt, argv: &[String]) -> Flow {
        let mut params = vec![self.params.first().cloned().unwrap_or_else(|| "sh".into())];
        params.extend_from_slice(&argv[1..]);
        let saved = std::mem::replace(&mut self.params, params);
        self.frames.push(Vec::new());
        let flow = self.exec(body);
        let locals = self.frames.pop().unwrap_or_default();
        self.restore_vars(locals);
        self.params = saved;
        match flow {
            Flow::Return(code) => {
                self.status = code;
                Flow::Normal
            }
            // dash's `break` in a function does not reach the caller's
            // loop.
            Flow::Break | Flow::Continue => Flow::Normal,
            other => other,
        }
    }

    /// Runs `stmt` where `set -e` does not apply (a condition, the left of
    /// `&&`/`||`, `!`, a pipeline stage).
    fn exec_ignoring_errexit(&mut self, stmt: &Stmt) -> Flow {
        self.errexit_ignored += 1;
        let flow = self.exec(stmt);
        self.errexit_ignored -= 1;
        flow
    }

    /// `set -e`: a command that failed where it applies ends the shell.
    fn errexit_check(&self) -> Flow {
        if self.errexit && self.errexit_ignored == 0 && self.status != 0 {
            Flow::Exit(self.status)
        } else {
            Flow::Normal
        }
    }

    /// `path` from the working directory, its `.` and `..` resolved, and
    /// the atomic writer's links followed.
    fn abs<'p>(&self, path: &'p str) -> std::borrow::Cow<'p, str> {
        let normal = self.normalize(path);
        // The atomic writer's links: `M/..data/key` and `M/..<stamp>/key`
        // are `M/key`.
        for v in &self.ctx.volumes {
            if let VolumeKind::Atomic { .. } = v.kind
                && let Some(rest) = normal.strip_prefix(v.path.as_str())
                && let Some(rest) = rest.strip_prefix("/..")
                && (rest.starts_with("data") || rest.starts_with('2'))
            {
                let tail = rest.find('/').map_or("", |i| &rest[i..]);
                return format!("{}{tail}", v.path).into();
            }
        }
        normal
    }

    /// A path made absolute and normal (`.`, `..` and repeated slashes
    /// resolved), links not followed.
    fn normalize<'p>(&self, path: &'p str) -> std::borrow::Cow<'p, str> {
        if path.starts_with('/')
            && !path.contains("/.")
            && !path.contains("//")
            && (path.len() == 1 || !path.ends_with('/'))
        {
            return path.into();
        }
        let joined = if path.starts_with('/') {
            path.to_string()
        } else {
            format!("{}/{path}", self.cwd)
        };
        let mut parts: Vec<&str> = Vec::new();
        for segment in joined.split('/') {
            match segment {
                "" | "." => {}
                ".." => {
                    parts.pop();
                }
                s => parts.push(s),
            }
        }
        format!("/{}", parts.join("/")).into()
    }

    /// What the kernel shows in `/proc/1/status` (PID 1, named as its
    /// command line's program) and `/proc/self/status` (`tool` itself).
    fn proc_file(&self, path: &str, tool: &str) -> Option<String> {
        let path = self.abs(path);
        // The entrypoint script execs the program.
        let first = (self.ctx.cmdline.split(' '))
            .find(|w| !w.ends_with(".sh"))
            .unwrap_or("");
        let (name, pid) = match &*path {
            "/proc/1/status" => (first.rsplit('/').next().unwrap_or(first), 1),
            "/proc/self/status" => (tool, 7),
            _ => return None,
        };
        // The kernel keeps 15 bytes of the name (TASK_COMM_LEN).
        let name: String = name.chars().take(15).collect();
        // The default nodes' 8 CPUs.
        Some(self.ctx.user.proc_status(&name, pid, 8))
    }

    /// A file's content, by a path from the working directory.
    fn file(&self, path: &str) -> Option<&String> {
        self.files.get(&*self.abs(path))
    }

    fn has_file(&self, path: &str) -> bool {
        self.files.contains_key(&*self.abs(path))
    }

    fn is_system_file(&self, path: &str) -> bool {
        is_system_file(&self.abs(path))
    }

    /// Whether `path` is on a read-only mount.
    fn read_only(&self, path: &str) -> bool {
        let path = &*self.abs(path);
        self.ctx
            .read_only
            .iter()
            .any(|m| match m.strip_suffix('/') {
                Some(dir) => path.starts_with(m.as_str()) || path == dir,
                None => path == m,
            })
    }

    fn write_file(&mut self, path: &str, content: String) {
        let path = &*self.abs(path).into_owned();
        let kept = self.keep(&content);
        self.file_events
            .push((self.t, path.to_string(), FileOp::Write(kept)));
        self.files.insert(path.to_string(), content);
        self.mtimes.insert(path.to_string(), self.t);
    }

    /// `mkdir [-p] DIR…`: a directory is kept as its path with a trailing
    /// `/` among the files (so it lists, `cd`s and persists like them).
    fn mkdir(&mut self, args: &[String]) {
        let parents = args.iter().any(|a| a.starts_with('-') && a.contains('p'));
        let cannot = match self.ctx.dialect {
            Dialect::Busybox => "can't",
            Dialect::Gnu => "cannot",
        };
        for dir in args.iter().filter(|a| !a.starts_with('-')) {
            let path = self.abs(dir).into_owned();
            let parent = match path.rsplit_once('/') {
                Some(("", _)) | None => "/".to_string(),
                Some((p, _)) => p.to_string(),
            };
            let why = if self.read_only(dir) {
                Some("Read-only file system")
            } else if self.has_file(dir) || (self.is_dir(dir) && !parents) {
                Some("File exists")
            } else if !parents && !self.is_dir(&parent) {
                Some("No such file or directory")
            } else {
                None
            };
            if let Some(why) = why {
                self.emit_err(format!("mkdir: {cannot} create directory '{dir}': {why}"));
                self.status = 1;
                continue;
            }
            // Each missing ancestor too (`-p`).
            let mut at = String::new();
            for part in path.split('/').filter(|p| !p.is_empty()) {
                at.push('/');
                at.push_str(part);
                if !self.is_dir(&at) {
                    let key = format!("{at}/");
                    self.file_events
                        .push((self.t, key.clone(), FileOp::Write(String::new())));
                    self.files.insert(key, String::new());
                }
            }
        }
    }

    fn append_file(&mut self, path: &str, text: String) {
        let path = &*self.abs(path).into_owned();
        self.files
            .entry(path.to_string())
            .or_default()
            .push_str(&text);
        let kept = self.keep(&text);
        self.mtimes.insert(path.to_string(), self.t);
        self.file_events
            .push((self.t, path.to_string(), FileOp::Append(kept)));
    }

    /// The content a file event keeps: all of it until the run has kept
    /// [`MAX_EVENT_BYTES`] (a loop rewriting a growing file would keep its
    /// square), then none (the file still exists, empty, for later looks).
    fn keep(&mut self, content: &str) -> String {
        self.event_bytes += content.len();
        if self.event_bytes > MAX_EVENT_BYTES {
            String::new()
        } else {
            content.to_string()
        }
    }

    /// `seq [-w] [-s SEP] [FIRST [INC]] LAST` (BusyBox's; GNU's also takes
    /// `-f FORMAT`, read past).
    fn seq(&mut self, args: &[String]) -> Flow {
        let (mut pad, mut sep) = (false, "\n".to_string());
        let mut operands: Vec<&str> = Vec::new();
        let mut i = 0;
        while i < args.len() {
            let a = args[i].as_str();
            i += 1;
            match a {
                "-w" | "--equal-width" => pad = true,
                "-s" | "--separator" | "-f" | "--format" => {
                    let value = args.get(i).cloned().unwrap_or_default();
                    i += 1;
                    if matches!(a, "-s" | "--separator") {
                        sep = value;
                    }
                }
                _ if a.starts_with('-') && a.len() > 1 && crate::num::parse_f64(a).is_none() => {}
                _ => operands.push(a),
            }
        }
        let nums: Vec<f64> = operands
            .iter()
            .filter_map(|a| crate::num::parse_f64(a))
            .collect();
        let (first, inc, last) = match nums.as_slice() {
            [last] if operands.len() == 1 => (1.0, 1.0, *last),
            [first, last] if operands.len() == 2 => (*first, 1.0, *last),
            [first, inc, last] if operands.len() == 3 => (*first, *inc, *last),
            _ => {
                match self.ctx.dialect {
                    Dialect::Busybox => self.emit_err(
                        "BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n\nUsage: seq [-w] [-s SEP] [FIRST [INC]] LAST\n\nPrint numbers from FIRST to LAST, in steps of INC.\nFIRST, INC default to 1.\n\n\t-w\tPad to last with leading zeros\n\t-s SEP\tString separator".to_string(),
                    ),
                    Dialect::Gnu => {
                        let bad = operands
                            .iter()
                            .find(|a| crate::num::parse_f64(a).is_none())
                            .copied()
                            .unwrap_or("");
                        self.emit_err(if operands.is_empty() {
                            "seq: missing operand".to_string()
                        } else if bad.is_empty() {
                            format!("seq: extra operand '{}'", operands[3])
                        } else {
                            format!("seq: invalid floating point argument: '{bad}'")
                        });
                        self.emit_err("Try 'seq --help' for more information.".to_string());
                    }
                }
                self.status = 1;
                return Flow::Normal;
            }
        };
        let width = if pad {
            operands[0].len().max(operands[operands.len() - 1].len())
        } else {
            0
        };
        let mut text = String::new();
        let mut v = first;
        // At most 100,000 numbers: a script's loop, not a memory test.
        for n in 0..100_000 {
            if !(inc > 0.0 && v <= last || inc < 0.0 && v >= last) {
                break;
            }
            if n > 0 {
                text.push_str(&sep);
            }
            let number = if v.fract() == 0.0 && v.abs() < 1e15 {
                format!("{}", v as i64)
            } else {
                format!("{v}")
            };
            // `%0*g`: zeros after the sign.
            match number.strip_prefix('-') {
                Some(digits) => {
                    text.push_str(&format!("-{digits:0>w$}", w = width.saturating_sub(1)))
                }
                None => text.push_str(&format!("{number:0>width$}")),
            }
            v = first + inc * (n + 1) as f64;
        }
        if !text.is_empty() {
            text.push('\n');
        }
        self.write(&text);
        Flow::Normal
    }

    fn not_found(&mut self, cmd: &str) -> Flow {
        let msg = match (self.ctx.dialect, self.interactive) {
            (Dialect::Busybox, _) => format!("sh: {cmd}: not found"),
            (Dialect::Gnu, Some((true, _))) => format!("bash: {cmd}: command not found"),
            (Dialect::Gnu, Some((false, line))) => format!("sh: {line}: {cmd}: not found"),
            (Dialect::Gnu, None) => format!("sh: 1: {cmd}: not found"),
        };
        self.emit_err(msg);
        self.status = 127;
        Flow::Normal
    }

    fn command(&mut self, argv: &[String]) -> Flow {
        if let Some(body) = argv
            .first()
            .and_then(|c| self.functions.get(c.as_str()))
            .cloned()
        {
            self.apply_external();
            return self.call(&body, argv);
        }
        self.run_command(argv)
    }

    /// [`Interp::command`] past the functions (`command NAME`).
    fn run_command(&mut self, argv: &[String]) -> Flow {
        self.apply_external();
        let Some(cmd) = argv.first() else {
            self.status = 0;
            return Flow::Normal;
        };
        let name = cmd.rsplit('/').next().unwrap_or(cmd);
        let args = &argv[1..];
        // `$?` before this command, for `return` and `exit` alone.
        let last = self.status;
        self.status = 0;
        if let Some(host) = self.host.as_mut() {
            let input = self.stdin.take();
            if let Some((code, text, took)) = host(self.t, argv, input.as_deref()) {
                self.t = self.t.saturating_add(took).min(self.horizon);
                self.write_reply(&text);
                self.status = code;
                return Flow::Normal;
            }
            self.stdin = input;
        }
        match name {
            "echo" => {
                let mut newline = true;
                let mut rest = args;
                while let Some(first) = rest.first() {
                    match first.as_str() {
                        f if f.len() > 1
                            && f.starts_with('-')
                            && f[1..].chars().all(|c| matches!(c, 'n' | 'e' | 'E')) =>
                        {
                            newline &= !f.contains('n');
                        }
                        _ => break,
                    }
                    rest = &rest[1..];
                }
                let mut text = rest.join(" ").replace("\\n", "\n");
                if newline {
                    text.push('\n');
                }
                self.write(&text);
            }
            "printf" => {
                if let Some(fmt) = args.first() {
                    let mut errors = Vec::new();
                    let text = printf(fmt, &args[1..], self.ctx.dialect, &mut errors);
                    self.write(&text);
                    for e in errors {
                        self.emit_err(e);
                        self.status = 1;
                    }
                }
            }
            "sleep" => {
                let arg = args.first().map(String::as_str).unwrap_or("");
                match sleep_duration(arg) {
                    Some(None) => {
                        self.forever = true;
                        return Flow::Stop;
                    }
                    Some(Some(d)) => {
                        if self.t.saturating_add(d) > self.horizon {
                            self.t = self.horizon;
                            return Flow::Stop;
                        }
                        self.t += d;
                    }
                    None => {
                        let msg = match self.ctx.dialect {
                            Dialect::Busybox => format!("sleep: invalid number '{arg}'"),
                            Dialect::Gnu => format!("sleep: invalid time interval '{arg}'"),
                        };
                        self.emit_err(msg);
                        self.status = 1;
                    }
                }
            }
            "tail" if args.iter().any(|a| a == "-f" || a == "-F") => {
                self.forever = true;
                return Flow::Stop;
            }
            "exit" => {
                let Some(arg) = args.first() else {
                    return Flow::Exit(last & 255);
                };
                // The shells take decimal digits only (`exit -1` too is
                // refused); a special builtin's error ends the shell with 2.
                if arg.is_empty() || !arg.bytes().all(|b| b.is_ascii_digit()) {
                    let msg = match self.ctx.dialect {
                        // ash names the builtin and the script's line (the
                        // line is not tracked: 1, as in one-line scripts).
                        Dialect::Busybox => format!("sh: exit: line 1: Illegal number: {arg}"),
                        Dialect::Gnu => format!("sh: 1: exit: Illegal number: {arg}"),
                    };
                    self.emit_err(msg);
                    return Flow::Exit(2);
                }
                let code = arg.parse::<u64>().map_or(255, |c| (c & 255) as i32);
                return Flow::Exit(code);
            }
            "true" | ":" => {}
            "false" => self.status = 1,
            "return" => {
                let bash = matches!(self.interactive, Some((true, _)));
                // bash refuses one outside a function; dash and busybox
                // end the shell with it.
                if self.frames.is_empty() && bash {
                    self.emit_err(
                        "bash: return: can only `return' from a function or sourced script"
                            .to_string(),
                    );
                    self.status = 2;
                    return Flow::Normal;
                }
                let Some(arg) = args.first() else {
                    return Flow::Return(last & 255);
                };
                // As `exit`'s: digits only in dash and busybox, a special
                // builtin's error ending the shell; bash says so and
                // returns 2.
                let digits = arg.strip_prefix('-').filter(|_| bash).unwrap_or(arg);
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    let msg = match (self.ctx.dialect, bash) {
                        (_, true) => format!("bash: return: {arg}: numeric argument required"),
                        (Dialect::Busybox, _) => {
                            format!("sh: return: line 1: Illegal number: {arg}")
                        }
                        (Dialect::Gnu, _) => format!("sh: 1: return: Illegal number: {arg}"),
                    };
                    self.emit_err(msg);
                    return if bash { Flow::Return(2) } else { Flow::Exit(2) };
                }
                let code = arg.parse::<i64>().map_or(255, |c| (c & 255) as i32);
                return Flow::Return(code);
            }
            // `local NAME[=VALUE]…`: the value before comes back when the
            // function returns.
            "local" if !self.frames.is_empty() => {
                for a in args {
                    let (name, value) = match a.split_once('=') {
                        Some((n, v)) => (n, Some(v.to_string())),
                        None => (a.as_str(), None),
                    };
                    let before = self.vars.get(name).cloned();
                    if let Some(frame) = self.frames.last_mut()
                        && !frame.iter().any(|(n, _)| n == name)
                    {
                        frame.push((name.to_string(), before));
                    }
                    if let Some(v) = value {
                        self.vars.insert(name.to_string(), v);
                    }
                }
            }
            // bash says so; dash and busybox, whose `local` is a special
            // builtin there, end the shell with 2.
            "local" if matches!(self.interactive, Some((true, _))) => {
                self.emit_err("bash: local: can only be used in a function".to_string());
                self.status = 1;
            }
            "local" => {
                let msg = match self.ctx.dialect {
                    Dialect::Busybox => "sh: local: line 1: not in a function",
                    Dialect::Gnu => "sh: 1: local: not in a function",
                };
                self.emit_err(msg.to_string());
                return Flow::Exit(2);
            }
            "break" => return Flow::Break,
            "continue" => return Flow::Continue,
            "touch" => {
                for f in args.iter().filter(|a| !a.starts_with('-')) {
                    if self.read_only(f) {
                        let msg = match self.ctx.dialect {
                            Dialect::Busybox => format!("touch: {f}: Read-only file system"),
                            Dialect::Gnu => {
                                format!("touch: cannot touch '{f}': Read-only file system")
                            }
                        };
                        self.emit_err(msg);
                        self.status = 1;
                    } else if !self.has_file(f) {
                        self.write_file(f, String::new());
                    }
                }
            }
            "mkdir" => self.mkdir(args),
            "unset" => {
                let functions = args.first().is_some_and(|a| a == "-f");
                for a in args.iter().filter(|a| !a.starts_with('-')) {
                    if functions {
                        self.functions.remove(a.as_str());
                    } else {
                        self.vars.remove(a.as_str());
                    }
                }
            }
            "shift" => {
                let n = args
                    .first()
                    .and_then(|a| a.parse::<usize>().ok())
                    .unwrap_or(1);
                if n < self.params.len() {
                    self.params.drain(1..=n);
                } else if n > 0 {
                    // More than there are: BusyBox's ash returns 1; dash's
                    // special-builtin error (named by $0) ends the shell.
                    if self.ctx.dialect == Dialect::Busybox {
                        self.status = 1;
                        return Flow::Normal;
                    }
                    let arg0 = self.params.first().cloned().unwrap_or_else(|| "sh".into());
                    self.emit_err(format!("{arg0}: 1: shift: can't shift that many"));
                    return Flow::Exit(2);
                }
            }
            "set" if args.first().is_some_and(|a| a == "--") => {
                let name = self.params.first().cloned().unwrap_or_else(|| "sh".into());
                self.params = std::iter::once(name)
                    .chain(args[1..].iter().cloned())
                    .collect();
            }
            "set" => {
                for a in args {
                    let (on, flags) = match a.split_at_checked(1) {
                        Some(("-", f)) => (true, f),
                        Some(("+", f)) => (false, f),
                        _ => continue,
                    };
                    for flag in flags.chars() {
                        match flag {
                            'x' => self.xtrace = on,
                            'e' => self.errexit = on,
                            _ => {}
                        }
                    }
                }
            }
            // Package managers download: the simulated cluster has no
            // internet (as `wget info.cern.ch` finds), so they say so and
            // fail rather than pretend to install.
            "apt-get" | "apt" | "apk" | "pip" | "npm"
                if (name.starts_with("apt") == (self.ctx.dialect == Dialect::Gnu)
                    || matches!(name, "pip" | "npm"))
                    && args.iter().any(|a| {
                        matches!(a.as_str(), "update" | "install" | "add" | "upgrade")
                    }) =>
            {
                self.emit_err(format!(
                    "{name}: Kubeplay's cluster has no internet access, so packages cannot be downloaded"
                ));
                self.status = if name.starts_with("apt") { 100 } else { 1 };
            }
            "chmod" | "chown" | "export" | "ulimit" | "umask" | "wait" | "sync" | "ln"
            | "source" | "." => {
                if name == "export" {
                    for a in args {
                        if let Some((k, v)) = a.split_once('=') {
                            self.vars.insert(k.to_string(), v.to_string());
                        }
                    }
                }
            }
            "cp" | "mv" => self.copy(name, args),
            "kill" => self.kill(args),
            "rm" => {
                let force = args.iter().any(|a| a.starts_with('-') && a.contains('f'));
                for f in args.iter().filter(|a| !a.starts_with('-')) {
                    if self.read_only(f) && self.has_file(f) {
                        let msg = match self.ctx.dialect {
                            Dialect::Busybox => {
                                format!("rm: can't remove '{f}': Read-only file system")
                            }
                            Dialect::Gnu => {
                                format!("rm: cannot remove '{f}': Read-only file system")
                            }
                        };
                        self.emit_err(msg);
                        self.status = 1;
                    } else if let Some(path) = Some(self.abs(f).into_owned())
                        && self.files.remove(&path).is_some()
                    {
                        self.file_events.push((self.t, path, FileOp::Remove));
                    } else if !force {
                        let msg = match self.ctx.dialect {
                            Dialect::Busybox => {
                                format!("rm: can't remove '{f}': No such file or directory")
                            }
                            Dialect::Gnu => {
                                format!("rm: cannot remove '{f}': No such file or directory")
                            }
                        };
                        self.emit_err(msg);
                        self.status = 1;
                    }
                }
            }
            "cat" if args.iter().all(|a| a.starts_with('-')) => {
                if let Some(input) = self.stdin.take() {
                    self.write(&input);
                }
            }
            "cat" => {
                for f in args.iter().filter(|a| !a.starts_with('-')) {
                    match self.file(f).cloned() {
                        Some(content) => self.write(&content),
                        None if self.is_dir(f) => {
                            let msg = match self.ctx.dialect {
                                Dialect::Busybox => "cat: read error: Is a directory".to_string(),
                                Dialect::Gnu => format!("cat: {f}: Is a directory"),
                            };
                            self.emit_err(msg);
                            self.status = 1;
                        }
                        None if self.is_system_file(f) => {
                            if let Some(text) = self.proc_file(f, "cat") {
                                self.write(&text);
                            }
                        }
                        None => {
                            let msg = match self.ctx.dialect {
                                Dialect::Busybox => {
                                    format!("cat: can't open '{f}': No such file or directory")
                                }
                                Dialect::Gnu => format!("cat: {f}: No such file or directory"),
                            };
                            self.emit_err(msg);
                            self.status = 1;
                        }
                    }
                }
            }
            "ls" if args.iter().any(|a| {
                a.starts_with('-') && !a.starts_with("--") && a.contains(['l', 'n', 'R'])
            }) =>
            {
                self.ls_long(args);
            }
            "ls" => {
                let paths: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
                let all = args.iter().any(|a| a.starts_with('-') && a.contains('a'));
                let flag = |c: char| args.iter().any(|a| a.starts_with('-') && a.contains(c));
                // Columns on a terminal (or with -C), one per line otherwise.
                let columns = !flag('1')
                    && (flag('C')
                        || self.ctx.tty && self.capture.is_none() && self.file_out.is_none());
                let here = self.cwd.clone();
                let paths = if paths.is_empty() { vec![&here] } else { paths };
                let headers = paths.len() > 1;
                for f in paths {
                    if self.has_file(f) {
                        self.emit(f.clone());
                    } else if self.is_dir(f) {
                        if headers {
                            self.emit(format!("{f}:"));
                        }
                        let entries = self.ls_entries(&self.normalize(f), all);
                        if columns {
                            for line in ls_columns(&entries, self.ctx.dialect) {
                                self.emit(line);
                            }
                        } else {
                            for e in entries {
                                self.emit(e);
                            }
                        }
                    } else if self.is_system_file(f) {
                        self.emit(f.clone());
                    } else {
                        let msg = match self.ctx.dialect {
                            Dialect::Busybox => format!("ls: {f}: No such file or directory"),
                            Dialect::Gnu => {
                                format!("ls: cannot access '{f}': No such file or directory")
                            }
                        };
                        self.emit_err(msg);
                        self.status = if self.ctx.dialect == Dialect::Gnu {
                            2
                        } else {
                            1
                        };
                    }
                }
            }
            "test" | "[" | "[[" => {
                let mut a: Vec<&str> = args.iter().map(String::as_str).collect();
                if matches!(a.last(), Some(&"]") | Some(&"]]")) {
                    a.pop();
                }
                self.status = i32::from(!self.test(&a));
            }
            "date" => {
                let line = busybox_date(self.ctx.started_at + self.t);
                self.emit(line);
            }
            "hostname" => {
                let h = self.ctx.hostname.clone();
                self.emit(h);
            }
            "env" | "printenv" => {
                if !args.is_empty() {
                    // Each variable's value; 1 when one is unset.
                    for var in args {
                        match self.vars.get(var).cloned() {
                            Some(v) => self.emit(v),
                            None => self.status = 1,
                        }
                    }
                } else {
                    // The runtime's order: PATH and HOSTNAME first (the
                    // image's and containerd's), the kubelet's variables,
                    // runc's HOME last.
                    let rank = |k: &str| match k {
                        "PATH" => 0,
                        "HOSTNAME" => 1,
                        "HOME" => 9,
                        // Appended by containerd to an exec with a terminal.
                        "TERM" => 10,
                        _ => super::app::BOOTCAMP_ENV
                            .iter()
                            .position(|(name, _)| *name == k)
                            .map_or(8, |i| 2 + i as u8),
                    };
                    let mut lines: Vec<(u8, String)> = self
                        .vars
                        .iter()
                        .map(|(k, v)| (rank(k), format!("{k}={v}")))
                        .collect();
                    lines.compact_sort_by_key(|(r, _)| *r);
                    for (_, l) in lines {
                        self.emit(l);
                    }
                }
            }
            "seq" => return self.seq(args),
            "trap" => {
                // trap 'handler' TERM|SIGTERM|15
                if let Some(handler) = args.first()
                    && args[1..]
                        .iter()
                        .any(|s| matches!(s.as_str(), "TERM" | "SIGTERM" | "15" | "EXIT" | "0"))
                {
                    self.term_trap = Some(handler.clone());
                }
            }
            // `command NAME` passes the functions by; `-v` and `-V` say
            // what a function's name is.
            "command"
                if matches!(args.first().map(String::as_str), Some("-v" | "-V"))
                    && args[1..]
                        .iter()
                        .all(|n| self.functions.get(n.as_str()).is_some()) =>
            {
                let verbose = args[0] == "-V";
                self.status = 1;
                for n in &args[1..] {
                    if self.functions.get(n.as_str()).is_some() {
                        let line = if verbose {
                            format!("{n} is a shell function\n")
                        } else {
                            format!("{n}\n")
                        };
                        self.write_reply(&line);
                        self.status = 0;
                    }
                }
            }
            "command" => return self.run_command(args),
            "exec" | "nohup" | "time" => return self.command(args),
            "sh" | "bash" | "ash" | "dash" => {
                if let Some(pos) = args.iter().position(|a| a == "-c")
                    && let Some(src) = args.get(pos + 1)
                {
                    match parse(src) {
                        Ok(stmt) => {
                            // `sh -c SCRIPT NAME ARG…`: $0 and $1….
                            let params = match args.get(pos + 2..) {
                                Some(named) if !named.is_empty() => named.to_vec(),
                                _ => vec![name.to_string()],
                            };
                            // A new shell: its own parameters and
                            // functions.
                            let saved = std::mem::replace(&mut self.params, params);
                            let functions = std::mem::take(&mut self.functions);
                            let frames = std::mem::take(&mut self.frames);
                            let flow = self.exec(&stmt);
                            self.params = saved;
                            self.functions = functions;
                            self.frames = frames;
                            return match flow {
                                Flow::Exit(c) | Flow::Return(c) => {
                                    self.status = c;
                                    Flow::Normal
                                }
                                other => other,
                            };
                        }
                        Err(e) => {
                            self.emit_err(format!("sh: {e}"));
                            self.status = 2;
                        }
                    }
                }
            }
            "wget" | "curl" | "nslookup" | "ping" | "nc" | "dig" | "host" | "redis-cli" => {
                // Under `kubectl exec` the tools reach the simulated network;
                // a container's own script runs ahead of time, so there
                // they succeed quietly.
                let terminal = self.ctx.tty && self.capture.is_none() && self.file_out.is_none();
                if let Some(net) = self.net.as_mut() {
                    let mut argv = vec![name.to_string()];
                    argv.extend(args.iter().cloned());
                    let (code, text, took) = net(self.t, &argv, terminal);
                    if self.t.saturating_add(took) > self.horizon {
                        self.t = self.horizon;
                        return Flow::Stop;
                    }
                    self.t += took;
                    self.write_reply(&text);
                    self.status = code;
                } else if self.host.is_some() {
                    // The user's machine: curl is the cluster's (its hook);
                    // the others would not reach pods and Services.
                    return self.not_found(cmd);
                }
            }
            "id" => return self.id(args, false),
            // busybox ps: PID 1 and itself (BSD-style arguments are ignored).
            "ps" if self.ctx.dialect == Dialect::Busybox => {
                self.emit("PID   USER     TIME  COMMAND".to_string());
                let user = &self.ctx.user;
                let who = user
                    .name
                    .map_or_else(|| user.uid.to_string(), str::to_string);
                let mut seen = if self.ctx.processes.is_empty() {
                    vec![(who.clone(), self.ctx.cmdline.clone())]
                } else {
                    self.ctx.processes.clone()
                };
                // An exec'd interactive shell runs beside them.
                if let Some(shell) = &self.exec_shell {
                    seen.push((who, shell.clone()));
                }
                // PIDs as the runtime hands them out: 1, then a few apart.
                let pid = |i: usize| if i == 0 { 1 } else { 1 + 6 * i };
                for (i, (user, command)) in seen.iter().enumerate() {
                    self.emit(format!("{:>5} {user:<8.8}  0:00 {command}", pid(i)));
                }
                let me = self
                    .ctx
                    .user
                    .name
                    .map_or_else(|| user.uid.to_string(), str::to_string);
                self.emit(format!(
                    "{:>5} {me:<8.8}  0:00 {}",
                    pid(seen.len()),
                    argv.join(" ")
                ));
            }
            // The nginx binary of nginx images: its version and config test
            // (to standard error, as nginx writes them).
            "nginx" if self.ctx.nginx.is_some() => {
                let version = self.ctx.nginx.clone().unwrap_or_default();
                match args.first().map(String::as_str) {
                    Some("-v") => self.emit_err(format!("nginx version: {version}")),
                    Some("-t") => {
                        const CONF: &str = "/etc/nginx/nginx.conf";
                        self.emit_err(format!("nginx: the configuration file {CONF} syntax is ok"));
                        self.emit_err(format!(
                            "nginx: configuration file {CONF} test is successful"
                        ));
                    }
                    _ => {
                        self.emit_err(
                            "nginx: Kubeplay runs only `nginx -v` and `nginx -t` beside the container's nginx"
                                .to_string(),
                        );
                        self.status = 1;
                    }
                }
            }
            "whoami" => return self.id(&[], true),
            "pwd" => self.emit(self.cwd.clone()),
            "cd" => self.cd(args),
            "uname" => {
                let line = if args.iter().any(|a| a == "-a") {
                    format!(
                        "Linux {} 6.8.0-kubeplay #1 SMP x86_64 GNU/Linux",
                        self.ctx.hostname
                    )
                } else {
                    "Linux".to_string()
                };
                self.emit(line);
            }
            "yes" => {
                self.forever = true;
                return Flow::Stop;
            }
            "head" | "tail" | "grep" | "wc" | "sort" | "read" | "base64" | "cut" => {
                return self.text_tool(name, args);
            }
            _ => return self.not_found(cmd),
        }
        Flow::Normal
    }

    /// The text tools a pipe feeds (`head`, `tail`, `grep`, `wc`, `sort`)
    /// and the `read` builtin. They read the files named, else standard
    /// input.
    fn text_tool(&mut self, name: &str, args: &[String]) -> Flow {
        // (count, from the start: `tail -n +N`)
        let mut count: Option<(usize, bool)> = None;
        let mut flags = String::new();
        let mut patterns: Vec<String> = Vec::new();
        let mut operands: Vec<&str> = Vec::new();
        let lines_tool = matches!(name, "head" | "tail");
        let number = |text: &str| -> Option<(usize, bool)> {
            let (digits, from_start) = match text.strip_prefix('+') {
                Some(d) => (d, true),
                None => (text, false),
            };
            digits.parse().ok().map(|n| (n, from_start))
        };
        // `head -c N`, `cut -c LIST`/`-f LIST` and `-d DELIM`.
        let mut bytes: Option<usize> = None;
        // grep's context (`-A`, `-B`, `-C`/`-NUM`; `-A` and `-B` win over
        // `-C` whatever their order) and `-m`'s most matches.
        let (mut after, mut before, mut context) = (None::<usize>, None::<usize>, None::<usize>);
        let mut max_count: Option<usize> = None;
        let mut list: Option<(char, String)> = None;
        let mut delimiter = '\t';
        let mut i = 0;
        // GNU grep takes options after its operands too, until `--`.
        let mut options_end = false;
        while i < args.len() {
            let a = args[i].as_str();
            let permuted = name == "grep" && self.ctx.dialect == Dialect::Gnu;
            let option = a
                .strip_prefix('-')
                .filter(|_| a.len() > 1 && !options_end && (operands.is_empty() || permuted));
            if name == "grep" && option == Some("-") {
                options_end = true;
                i += 1;
                continue;
            }
            // grep's long options.
            if name == "grep"
                && let Some(long) = option.and_then(|o| o.strip_prefix('-'))
            {
                let (key, value) = match long.split_once('=') {
                    Some((k, v)) => (k, Some(v.to_string())),
                    None => (long, None),
                };
                let needs_value = matches!(
                    key,
                    "max-count" | "after-context" | "before-context" | "context" | "regexp"
                );
                let value = match value {
                    Some(v) => Some(v),
                    None if needs_value => {
                        i += 1;
                        args.get(i).cloned()
                    }
                    None => None,
                };
                let count = value.as_deref().and_then(|v| v.parse::<usize>().ok());
                match (key, count) {
                    ("count", _) => flags.push('c'),
                    ("invert-match", _) => flags.push('v'),
                    ("ignore-case", _) => flags.push('i'),
                    ("line-number", _) => flags.push('n'),
                    ("quiet" | "silent", _) => flags.push('q'),
                    ("extended-regexp", _) => flags.push('E'),
                    ("fixed-strings", _) => flags.push('F'),
                    ("color" | "colour", _) => {}
                    ("regexp", _) if value.is_some() => patterns.extend(value),
                    ("max-count", Some(n)) => max_count = Some(n),
                    ("after-context", Some(n)) => after = Some(n),
                    ("before-context", Some(n)) => before = Some(n),
                    ("context", Some(n)) => context = Some(n),
                    _ => {
                        self.emit_err(format!("grep: unrecognized option '{a}'\nUsage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information."));
                        self.status = 2;
                        return Flow::Normal;
                    }
                }
                i += 1;
                continue;
            }
            // An option's value, attached (`-d:`) or the next word.
            let value = |i: &mut usize| -> Option<String> {
                if a.len() > 2 {
                    Some(a[2..].to_string())
                } else {
                    *i += 1;
                    args.get(*i).cloned()
                }
            };
            // grep's bundled short options (`-inA2`, `-e PAT`, `-2`): an
            // option that takes a value takes the rest of the word, else
            // the next one.
            if name == "grep"
                && let Some(o) = option.filter(|o| !o.starts_with('-'))
            {
                let mut digits = String::new();
                for (k, c) in o.char_indices() {
                    if c.is_ascii_digit() {
                        digits.push(c);
                        continue;
                    }
                    if !matches!(c, 'A' | 'B' | 'C' | 'e' | 'm') {
                        flags.push(c);
                        continue;
                    }
                    let rest = &o[k + c.len_utf8()..];
                    let value = if rest.is_empty() {
                        i += 1;
                        match args.get(i) {
                            Some(v) => v.clone(),
                            None => {
                                self.emit_err(format!("grep: option requires an argument -- '{c}'\nUsage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information."));
                                self.status = 2;
                                return Flow::Normal;
                            }
                        }
                    } else {
                        rest.to_string()
                    };
                    if c == 'e' {
                        patterns.push(value);
                        break;
                    }
                    // GNU takes a huge count as "all".
                    let n = if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
                        Some(value.parse().unwrap_or(usize::MAX))
                    } else {
                        None
                    };
                    let Some(n) = n else {
                        self.emit_err(match (c, self.ctx.dialect) {
                            ('m', _) => "grep: invalid max count".to_string(),
                            (_, Dialect::Busybox) => format!("grep: invalid number '{value}'"),
                            (_, Dialect::Gnu) => {
                                format!("grep: {value}: invalid context length argument")
                            }
                        });
                        self.status = 2;
                        return Flow::Normal;
                    };
                    match c {
                        'A' => after = Some(n),
                        'B' => before = Some(n),
                        'C' => context = Some(n),
                        _ => max_count = Some(n),
                    }
                    break;
                }
                if !digits.is_empty() {
                    context = Some(digits.parse().unwrap_or(usize::MAX));
                }
                i += 1;
                continue;
            }
            if name == "cut"
                && let Some(o) = option
                    .and_then(|o| o.chars().next())
                    .filter(|c| matches!(c, 'd' | 'f' | 'c' | 'b'))
            {
                match (o, value(&mut i)) {
                    ('d', Some(d)) => delimiter = d.chars().next().unwrap_or('\t'),
                    (o, Some(l)) if o != 'd' => list = Some((o, l)),
                    _ => {}
                }
                i += 1;
                continue;
            }
            if name == "head" && option.is_some_and(|o| o.starts_with('c')) {
                bytes = value(&mut i).and_then(|v| v.parse().ok());
                i += 1;
                continue;
            }
            match option {
                Some("n") if lines_tool && i + 1 < args.len() => {
                    count = number(&args[i + 1]);
                    i += 1;
                }
                Some("-decode") if name == "base64" => flags.push('d'),
                Some("w") if name == "base64" && i + 1 < args.len() => {
                    count = number(&args[i + 1]);
                    i += 1;
                }
                Some(rest) if name == "base64" && rest.starts_with("-wrap=") => {
                    count = number(&rest["-wrap=".len()..]);
                }
                Some(rest) if name == "base64" && rest.starts_with('w') && rest.len() > 1 => {
                    count = number(&rest[1..]);
                }
                Some(rest) if lines_tool && rest.bytes().all(|b| b.is_ascii_digit()) => {
                    count = number(rest)
                }
                Some(rest) if lines_tool && rest.starts_with('n') => count = number(&rest[1..]),
                Some(rest) => flags.push_str(rest),
                None => operands.push(a),
            }
            i += 1;
        }
        if name == "read" {
            return self.read_line(&operands);
        }
        if name == "grep" && patterns.is_empty() && !operands.is_empty() {
            patterns.push(operands.remove(0).to_string());
        }
        let fold = flags.contains('i');
        let extended = flags.contains('E');
        if name == "grep" {
            if patterns.is_empty() {
                self.emit_err("BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n\nUsage: grep [-HhnlLoqvsrRiwFE] [-m N] [-A|B|C N] { PATTERN | -e PATTERN... | -f FILE... } [FILE]...".to_string());
                self.status = 1;
                return Flow::Normal;
            }
            if !flags.contains('F')
                && let Some(e) = patterns
                    .iter()
                    .find_map(|p| regex_check(p).err().map(|e| (p, e)))
            {
                self.emit_err(format!("grep: bad regex '{}': {}", e.0, e.1));
                self.status = 2;
                return Flow::Normal;
            }
            if fold {
                patterns = patterns
                    .iter()
                    .map(|p| crate::casemap::to_lower(p))
                    .collect();
            }
        }
        // The input: the files, else standard input.
        let mut text = String::new();
        let mut missing = false;
        if operands.is_empty() {
            text = self.stdin.take().unwrap_or_default();
        }
        for f in &operands {
            match self.file(f) {
                Some(content) => text.push_str(content),
                None if self.is_system_file(f) => {
                    text.push_str(&self.proc_file(f, name).unwrap_or_default());
                }
                None => {
                    let msg = match (self.ctx.dialect, name) {
                        (Dialect::Busybox, "grep") | (Dialect::Busybox, "wc") => {
                            format!("{name}: {f}: No such file or directory")
                        }
                        (Dialect::Busybox, _) => {
                            format!("{name}: can't open '{f}': No such file or directory")
                        }
                        (Dialect::Gnu, _) => format!("{name}: {f}: No such file or directory"),
                    };
                    self.emit_err(msg);
                    missing = true;
                }
            }
        }
        if name == "base64" {
            return self.base64(&text, flags.contains('d'), count.map_or(76, |c| c.0));
        }
        if let Some(n) = bytes {
            let end = (0..=n.min(text.len()))
                .rev()
                .find(|&e| text.is_char_boundary(e))
                .unwrap_or(0);
            let head = text[..end].to_string();
            self.write(&head);
            return Flow::Normal;
        }
        if name == "cut" {
            let Some((unit, list)) = list else {
                self.emit_err(match self.ctx.dialect {
                    Dialect::Busybox => "cut: expected a list of bytes, characters, or fields".into(),
                    Dialect::Gnu => "cut: you must specify a list of bytes, characters, or fields\nTry 'cut --help' for more information.".into(),
                });
                self.status = 1;
                return Flow::Normal;
            };
            // `N`, `N-M`, `N-` and `-M`, by commas.
            let ranges: Vec<(usize, usize)> = list
                .split(',')
                .filter_map(|r| match r.split_once('-') {
                    Some((a, b)) => Some((a.parse().unwrap_or(1), b.parse().unwrap_or(usize::MAX))),
                    None => r.parse().ok().map(|n| (n, n)),
                })
                .collect();
            let picked = |k: usize| ranges.iter().any(|(a, b)| (*a..=*b).contains(&k));
            for line in text.lines() {
                let out: String = if unit == 'f' {
                    if !line.contains(delimiter) {
                        // A line without the delimiter passes whole.
                        line.to_string()
                    } else {
                        line.split(delimiter)
                            .enumerate()
                            .filter(|(k, _)| picked(k + 1))
                            .map(|(_, f)| f)
                            .collect::<Vec<_>>()
                            .join(&delimiter.to_string())
                    }
                } else {
                    line.chars()
                        .enumerate()
                        .filter(|(k, _)| picked(k + 1))
                        .map(|(_, c)| c)
                        .collect()
                };
                self.emit(out);
            }
            self.status = i32::from(missing);
            return Flow::Normal;
        }
        let lines: Vec<&str> = text.lines().collect();
        let mut status = i32::from(missing);
        let out: Vec<String> = match name {
            "head" => {
                let n = count.map_or(10, |c| c.0);
                lines.iter().take(n).map(|l| l.to_string()).collect()
            }
            "tail" => {
                let from = match count {
                    Some((n, true)) => n.saturating_sub(1),
                    Some((n, false)) => lines.len().saturating_sub(n),
                    None => lines.len().saturating_sub(10),
                };
                lines.iter().skip(from).map(|l| l.to_string()).collect()
            }
            "grep" => {
                let matching: Vec<(usize, &str)> = lines
                    .iter()
                    .enumerate()
                    .filter(|(_, l)| {
                        let folded;
                        let line: &str = if fold {
                            folded = crate::casemap::to_lower(l);
                            &folded
                        } else {
                            l
                        };
                        let hit = patterns.iter().any(|p| {
                            if flags.contains('F') {
                                line.contains(p.as_str())
                            } else {
                                regex_search(p, line, extended)
                            }
                        });
                        hit != flags.contains('v')
                    })
                    .map(|(i, l)| (i, *l))
                    .take(max_count.unwrap_or(usize::MAX))
                    .collect();
                // busybox: 0 when a line was selected (-q: even with
                // unreadable files), else 1; 2 when a file was unreadable.
                status = match (matching.is_empty(), missing) {
                    (false, _) if flags.contains('q') => 0,
                    (_, true) => 2,
                    (empty, false) => i32::from(empty),
                };
                if flags.contains('q') {
                    Vec::new()
                } else if flags.contains('c') {
                    vec![matching.len().to_string()]
                } else {
                    // Each match with its context (`N-` numbers a context
                    // line), groups apart joined by `--` once any context
                    // was asked for (0 too).
                    let separated = after.is_some() || before.is_some() || context.is_some();
                    let after = after.or(context).unwrap_or(0);
                    let before = before.or(context).unwrap_or(0);
                    let mut out = Vec::new();
                    let mut shown: Option<usize> = None;
                    for (i, _) in &matching {
                        let from = i.saturating_sub(before).max(shown.map_or(0, |s| s + 1));
                        let to = i.saturating_add(after).min(lines.len().saturating_sub(1));
                        if shown.is_some_and(|s| from > s + 1) && separated {
                            out.push("--".to_string());
                        }
                        for (j, line) in lines.iter().enumerate().take(to + 1).skip(from) {
                            let hit = matching.iter().any(|(m, _)| *m == j);
                            out.push(match (flags.contains('n'), hit) {
                                (true, true) => format!("{}:{line}", j + 1),
                                (true, false) => format!("{}-{line}", j + 1),
                                _ => line.to_string(),
                            });
                        }
                        shown = Some(shown.map_or(to, |s| s.max(to)));
                    }
                    out
                }
            }
            "wc" if missing && !operands.is_empty() && text.is_empty() => Vec::new(),
            "wc" => {
                let counts = [
                    ('l', text.matches('\n').count()),
                    ('w', text.split_whitespace().count()),
                    ('c', text.len()),
                ];
                let chosen: Vec<usize> = counts
                    .iter()
                    .filter(|(f, _)| !flags.contains(['l', 'w', 'c']) || flags.contains(*f))
                    .map(|(_, n)| *n)
                    .collect();
                let name_part = match operands.as_slice() {
                    [f] => format!(" {f}"),
                    _ => String::new(),
                };
                // One count of standard input: the bare number; otherwise
                // busybox's `%9u` columns. GNU sizes its columns from the
                // files' bytes (7 wide for standard input), and one count
                // of one file needs none.
                let width = match self.ctx.dialect {
                    Dialect::Busybox => 9,
                    Dialect::Gnu if operands.is_empty() => 7,
                    Dialect::Gnu => text.len().max(1).to_string().len(),
                };
                let bare = name_part.is_empty() || self.ctx.dialect == Dialect::Gnu;
                let line = if chosen.len() == 1 && bare {
                    chosen[0].to_string()
                } else {
                    chosen
                        .iter()
                        .map(|n| format!("{n:>width$}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                };
                vec![format!("{line}{name_part}")]
            }
            _ => {
                // sort: bytewise (the C locale), -n numeric, -r reversed,
                // -u once each.
                let mut sorted: Vec<&str> = lines;
                if flags.contains('n') {
                    let num = |l: &str| -> i64 {
                        let t = l.trim_start();
                        let negative = t.starts_with('-');
                        let digits: String = t
                            .trim_start_matches('-')
                            .chars()
                            .take_while(char::is_ascii_digit)
                            .collect();
                        let n: i64 = digits.parse().unwrap_or(0);
                        if negative { -n } else { n }
                    };
                    sorted.compact_sort_by(|a, b| num(a).cmp(&num(b)).then(a.cmp(b)));
                } else {
                    sorted.compact_sort();
                }
                if flags.contains('r') {
                    sorted.reverse();
                }
                if flags.contains('u') {
                    sorted.dedup();
                }
                sorted.into_iter().map(str::to_string).collect()
            }
        };
        for line in out {
            self.emit(line);
        }
        self.status = status;
        Flow::Normal
    }

    /// `base64 [-d] [-w COLS]`: encodes, its lines `wrap` long (0: one
    /// line), or decodes (blanks and newlines between the characters are
    /// allowed, as GNU's and BusyBox's decoders allow them).
    fn base64(&mut self, text: &str, decode: bool, wrap: usize) -> Flow {
        use crate::api::schema::golang::{base64_decode, base64_encode};
        if decode {
            let compact: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
            match base64_decode(&compact) {
                Ok(bytes) => self.write(&String::from_utf8_lossy(&bytes)),
                Err(_) => {
                    self.emit_err("base64: invalid input".to_string());
                    self.status = 1;
                    return Flow::Normal;
                }
            }
        } else {
            let encoded = base64_encode(text.as_bytes());
            let mut out = String::new();
            if wrap == 0 {
                out.push_str(&encoded);
            } else {
                for (i, c) in encoded.chars().enumerate() {
                    if i > 0 && i % wrap == 0 {
                        out.push('\n');
                    }
                    out.push(c);
                }
            }
            if !encoded.is_empty() || wrap == 0 {
                out.push('\n');
            }
            self.write(&out);
        }
        self.status = 0;
        Flow::Normal
    }

    /// `read [-r] VAR…`: one line of standard input split over the names
    /// (the last takes the rest, its inner spacing kept); 1 at the end of
    /// the input, or for a last line without its newline.
    fn read_line(&mut self, names: &[&str]) -> Flow {
        let input = self.stdin.get_or_insert_with(String::new);
        if input.is_empty() {
            self.status = 1;
            return Flow::Normal;
        }
        let end = input.find('\n').map_or(input.len(), |i| i + 1);
        let line: String = input.drain(..end).collect();
        let complete = line.ends_with('\n');
        let mut rest = line.trim_end_matches('\n').trim();
        let names = if names.is_empty() {
            &["REPLY"][..]
        } else {
            names
        };
        for (k, var) in names.iter().enumerate() {
            let value = if k + 1 == names.len() {
                std::mem::take(&mut rest)
            } else {
                let (word, after) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
                rest = after.trim_start();
                word
            };
            self.vars.insert(var.to_string(), value.to_string());
        }
        self.status = i32::from(!complete);
        Flow::Normal
    }

    /// Whether `path` is a directory: a standard one or one holding files.
    /// `kill [-SIG] PID…`: a signal to PID 1 is recorded for the kubelet
    /// (the container's processes are PID 1 and this one); other PIDs are
    /// not there.
    fn kill(&mut self, args: &[String]) {
        let mut signal = 15;
        let mut pids = args;
        if let Some(first) = args.first().and_then(|a| a.strip_prefix('-')) {
            let name = first.trim_start_matches("SIG");
            signal = match name.parse::<i32>() {
                Ok(n) => n,
                Err(_) => match name {
                    "HUP" => 1,
                    "INT" => 2,
                    "QUIT" => 3,
                    "KILL" => 9,
                    "USR1" => 10,
                    "USR2" => 12,
                    "TERM" => 15,
                    _ => {
                        let msg = match self.ctx.dialect {
                            Dialect::Busybox => format!("sh: kill: bad signal name '{first}'"),
                            Dialect::Gnu => {
                                format!("sh: 1: kill: invalid signal number or name: {first}")
                            }
                        };
                        self.emit_err(msg);
                        self.status = 1;
                        return;
                    }
                },
            };
            pids = &args[1..];
        }
        self.status = 0;
        for pid in pids {
            if pid == "1" {
                self.pid1_signals.push(signal);
                continue;
            }
            let msg = match self.ctx.dialect {
                Dialect::Busybox => format!("sh: can't kill pid {pid}: No such process"),
                Dialect::Gnu => "sh: 1: kill: No such process".to_string(),
            };
            self.emit_err(msg);
            self.status = 1;
        }
    }

    /// `cd DIR` (`cd` alone: HOME; `cd -`: back). A directory Kubeplay does
    /// not know is taken to exist unless it is under a mount (whose
    /// contents are all known) or a top-level name the image lacks.
    fn cd(&mut self, args: &[String]) {
        let target = match args.first().map(String::as_str) {
            None => self.vars.get("HOME").cloned().unwrap_or_else(|| "/".into()),
            Some("-") => {
                let back = self
                    .vars
                    .get("OLDPWD")
                    .cloned()
                    .unwrap_or_else(|| self.cwd.clone());
                self.emit(back.clone());
                back
            }
            Some(dir) => dir.to_string(),
        };
        let dir = self.abs(&target).into_owned();
        let top = dir.split('/').nth(1).unwrap_or("");
        let under_mount = self
            .ctx
            .dirs
            .iter()
            .any(|m| dir.starts_with(&format!("{}/", m.trim_end_matches('/'))));
        let known_top = ROOT_DIRS.contains(&top)
            || DEBIAN_ROOT_DIRS.contains(&top)
            || self.is_dir(&format!("/{top}"))
            || self.ctx.workdir.split('/').nth(1) == Some(top);
        let exists = self.is_dir(&dir)
            || (!self.has_file(&dir) && !under_mount && known_top && !dir.starts_with("/proc/"))
            || dir == "/proc/1"
            || dir == "/proc/self";
        if exists {
            // Both are exported, as every shell's `cd` does.
            self.vars.insert("PWD".into(), dir.clone());
            let old = std::mem::replace(&mut self.cwd, dir);
            self.vars.insert("OLDPWD".into(), old);
            self.status = 0;
            return;
        }
        let why = if self.has_file(&dir) {
            "Not a directory"
        } else {
            "No such file or directory"
        };
        let msg = match self.ctx.dialect {
            Dialect::Busybox => format!("sh: cd: can't cd to {target}: {why}"),
            Dialect::Gnu => format!("sh: 1: cd: can't cd to {target}"),
        };
        self.emit_err(msg);
        self.status = 2;
    }

    /// `id` (`-u`, `-g`, `-G`, with `-n` the names) and `whoami` (`id -un`).
    fn id(&mut self, args: &[String], whoami: bool) -> Flow {
        let user = self.ctx.user.clone();
        let flags: String = if whoami {
            "un".to_string()
        } else {
            args.iter().filter_map(|a| a.strip_prefix('-')).collect()
        };
        let names = flags.contains('n');
        let gnu = self.ctx.dialect == Dialect::Gnu;
        let line = if flags.contains('u') {
            match (names, user.name) {
                (false, _) => user.uid.to_string(),
                (true, Some(n)) => n.to_string(),
                (true, None) => {
                    let tool = if whoami { "whoami" } else { "id" };
                    self.emit_err(match (gnu, tool) {
                        (true, _) => format!("{tool}: cannot find name for user ID {}", user.uid),
                        (false, "whoami") => format!("whoami: unknown uid {}", user.uid),
                        (false, _) => format!("id: unknown ID {}", user.uid),
                    });
                    self.status = 1;
                    return Flow::Normal;
                }
            }
        } else if flags.contains('g') {
            user.gid.to_string()
        } else if flags.contains('G') {
            let groups = user.listed_groups(self.ctx.dialect);
            groups
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(" ")
        } else {
            let uid = match user.name {
                Some(n) => format!("{}({n})", user.uid),
                None => user.uid.to_string(),
            };
            let groups: Vec<String> = user
                .listed_groups(self.ctx.dialect)
                .into_iter()
                .map(|g| user.group(g))
                .collect();
            format!(
                "uid={uid} gid={} groups={}",
                user.group(user.gid),
                groups.join(",")
            )
        };
        self.emit(line);
        Flow::Normal
    }

    /// `cp` and `mv` of files, and of directories (`cp -r`): into a
    /// directory that exists, else to the name given; the errors in
    /// BusyBox's or GNU's words.
    fn copy(&mut self, tool: &str, args: &[String]) {
        let gnu = self.ctx.dialect == Dialect::Gnu;
        let recursive = args
            .iter()
            .any(|a| a.starts_with('-') && a.contains(['r', 'R', 'a']));
        let paths: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
        let Some((target, sources)) = paths.split_last() else {
            return;
        };
        let into = self.is_dir(target);
        for src in sources {
            let src = src.trim_end_matches('/');
            let name = src.rsplit('/').next().unwrap_or(src);
            let target = self.abs(target).into_owned();
            let dst = if into {
                format!("{}/{name}", target.trim_end_matches('/'))
            } else {
                target
            };
            let from = self.abs(src).into_owned();
            // The files to copy, by their new names.
            let moved: Vec<(String, String)> = if self.files.contains_key(&from) {
                vec![(from, dst)]
            } else if self.is_dir(src) && (recursive || tool == "mv") {
                let prefix = format!("{}/", from.trim_end_matches('/'));
                self.files
                    .keys()
                    .filter_map(|f| {
                        Some((f.clone(), format!("{dst}/{}", f.strip_prefix(&prefix)?)))
                    })
                    .collect()
            } else {
                let msg = match (self.is_dir(src), gnu, tool) {
                    (true, false, _) => format!("cp: omitting directory '{src}'"),
                    (true, true, _) => format!("cp: -r not specified; omitting directory '{src}'"),
                    (false, false, "mv") => {
                        format!("mv: can't rename '{src}': No such file or directory")
                    }
                    (false, false, _) => {
                        format!("cp: can't stat '{src}': No such file or directory")
                    }
                    (false, true, _) => {
                        format!("{tool}: cannot stat '{src}': No such file or directory")
                    }
                };
                self.emit_err(msg);
                self.status = 1;
                continue;
            };
            for (from, to) in moved {
                if self.read_only(&to) {
                    self.emit_err(if gnu {
                        format!("{tool}: cannot create regular file '{to}': Read-only file system")
                    } else {
                        format!("{tool}: can't create '{to}': Read-only file system")
                    });
                    self.status = 1;
                    continue;
                }
                let content = self.files.get(&from).cloned().unwrap_or_default();
                self.write_file(&to, content);
                if tool == "mv" {
                    // Across mounts mv copies, then fails to unlink.
                    if self.read_only(&from) {
                        self.emit_err(if gnu {
                            format!("mv: cannot remove '{from}': Read-only file system")
                        } else {
                            format!("mv: can't remove '{from}': Read-only file system")
                        });
                        self.status = 1;
                    } else if self.files.remove(&from).is_some() {
                        self.file_events.push((self.t, from, FileOp::Remove));
                    }
                }
            }
        }
    }

    /// The atomic-writer volume whose mount point `dir` is, or whose data
    /// directory (`M/..data`, `M/..<stamp>`) it is: the volume and whether
    /// `dir` is its data directory.
    fn atomic_view(&self, dir: &str) -> Option<(&VolumeDir, bool)> {
        self.ctx.volumes.iter().find_map(|v| {
            if !matches!(v.kind, VolumeKind::Atomic { .. }) {
                return None;
            }
            if dir == v.path {
                return Some((v, false));
            }
            let rest = dir.strip_prefix(v.path.as_str())?.strip_prefix('/')?;
            (rest == "..data" || rest == self.data_dir(v)).then_some((v, true))
        })
    }

    /// The atomic writer's timestamped directory of a volume
    /// (`..2026_01_01_00_01_02.123456789`), named for its last write; its
    /// random suffix comes from the path and time here, so runs repeat.
    fn data_dir(&self, v: &VolumeDir) -> String {
        self.data_dir_written(v).0
    }

    /// The data directory's name and when it was written (absolute).
    fn data_dir_written(&self, v: &VolumeDir) -> (String, Millis) {
        let at = self
            .written_at(&format!("{}/", v.path), true)
            .unwrap_or(self.ctx.born);
        let stamp: String = crate::time::rfc3339(at)
            .chars()
            .take(19)
            .map(|c| if c.is_ascii_digit() { c } else { '_' })
            .collect();
        let mut hash: u32 = 2_166_136_261;
        for b in v.path.bytes().chain(at.to_le_bytes()) {
            hash = (hash ^ u32::from(b)).wrapping_mul(16_777_619);
        }
        (format!("..{stamp}.{hash}"), at)
    }

    /// When a file (or, with `under`, anything below a directory) was
    /// last written since the container started (absolute).
    fn written_at(&self, path: &str, under: bool) -> Option<Millis> {
        let now = self.ctx.started_at + self.t;
        let hit = |p: &str| {
            if under {
                p.starts_with(path)
            } else {
                p == path
            }
        };
        let logged = self
            .ctx
            .file_log
            .iter()
            .filter(|(p, t)| **t <= now && hit(p))
            .map(|(_, t)| *t);
        let here = self
            .mtimes
            .iter()
            .filter(|(p, _)| hit(p))
            .map(|(_, t)| self.ctx.started_at + t);
        logged.chain(here).max()
    }

    /// A directory's entries as `ls` lists them, sorted by byte (`-a`
    /// adds `.`, `..` and the hidden ones).
    fn ls_entries(&self, dir: &str, all: bool) -> Vec<String> {
        let mut names = match self.atomic_view(dir) {
            Some((v, true)) => self.dir_entries(&v.path),
            Some((v, false)) => {
                let mut n = self.dir_entries(&v.path);
                if all {
                    n.push("..data".to_string());
                    n.push(self.data_dir(v));
                }
                n
            }
            None => {
                let mut n = self.dir_entries(dir);
                if all {
                    let prefix = format!("{}/", dir.trim_end_matches('/'));
                    n.extend(
                        self.files
                            .keys()
                            .filter_map(|f| f.strip_prefix(&prefix))
                            .filter_map(|rest| rest.split('/').next())
                            .filter(|n| n.starts_with('.') && *n != "." && *n != "..")
                            .map(str::to_string),
                    );
                }
                n
            }
        };
        if all {
            names.push(".".to_string());
            names.push("..".to_string());
        }
        names.compact_sort();
        names.dedup();
        names
    }

    /// What `ls -l` shows of a path (not following a last link).
    fn stat(&self, path: &str) -> Option<Stat> {
        let path = &*self.normalize(path);
        let (parent, name) = path.rsplit_once('/').unwrap_or(("", path));
        let parent = if parent.is_empty() { "/" } else { parent };
        let started = self.ctx.born;
        let mut st = Stat {
            kind: '-',
            mode: 0o644,
            nlink: 1,
            uid: 0,
            gid: 0,
            size: 0,
            mtime: started,
            target: None,
        };
        // The atomic writer's links and data directory.
        if let Some((v, data)) = self.atomic_view(parent)
            && name != "."
            && name != ".."
        {
            let (written, at) = self.data_dir_written(v);
            st.mtime = at;
            st.gid = v.fs_group.unwrap_or(0);
            if !data {
                if name == "..data" {
                    st.kind = 'l';
                    st.target = Some(written);
                } else if name == written {
                    let keys = self.dir_entries(&v.path).len() as u64;
                    let tmpfs = matches!(v.kind, VolumeKind::Atomic { tmpfs: true, .. });
                    return self.stat(&v.path).map(|mut d| {
                        d.mode = fs_group_mode(v, 0o755, true);
                        d.nlink = 2;
                        d.size = if tmpfs { 20 * (2 + keys) } else { 4096 };
                        d
                    });
                } else if self.dir_entries(&v.path).iter().any(|n| n == name) {
                    st.kind = 'l';
                    st.target = Some(format!("..data/{name}"));
                } else {
                    return None;
                }
                st.mode = 0o777;
                st.size = st.target.as_ref().map_or(0, |t| t.len() as u64);
                return Some(st);
            }
        }
        let resolved = &*self.abs(path);
        // A file the kubelet's atomic writer wrote: its item's mode or the
        // volume's, with fsGroup's group and read bits.
        if let Some(v) = self.volume_of(resolved)
            && let VolumeKind::Atomic {
                modes,
                default_mode,
                ..
            } = &v.kind
            && let Some(text) = self.files.get(resolved)
        {
            let rel = &resolved[v.path.len() + 1..];
            let service_account = v.path.ends_with("/serviceaccount") && rel == "token";
            let mode = match modes.iter().find(|(p, _)| p == rel) {
                Some((_, m)) => *m,
                // The projected token is 0600 under an fsGroup.
                None if service_account && v.fs_group.is_some() => 0o600,
                None => *default_mode,
            };
            st.mode = fs_group_mode(v, mode, false);
            st.gid = v.fs_group.unwrap_or(0);
            st.size = text.len() as u64;
            st.mtime = self.data_dir_written(v).1;
            return Some(st);
        }
        if let Some(text) = self
            .files
            .get(resolved)
            .filter(|_| !resolved.ends_with('/'))
        {
            st.size = text.len() as u64;
            // What the processes wrote is theirs; the rest came with the
            // image or from the kubelet.
            if let Some(t) = self
                .written_at(resolved, false)
                .filter(|_| !self.read_only(resolved))
            {
                st.mtime = t;
                st.uid = self.ctx.user.uid;
                st.gid = self
                    .volume_of(resolved)
                    .and_then(|v| v.fs_group)
                    .unwrap_or(self.ctx.user.gid);
            }
            return Some(st);
        }
        if self.is_dir(resolved) || self.files.contains_key(&format!("{resolved}/")) {
            st.kind = 'd';
            st.mode = 0o755;
            st.size = 4096;
            st.nlink = 2 + self
                .dir_entries(resolved)
                .iter()
                .filter(|n| self.is_dir(&format!("{}/{n}", resolved.trim_end_matches('/'))))
                .count() as u32;
            if resolved == "/tmp" {
                st.mode = 0o1777;
            }
            // A directory of nested items in an atomic-writer volume.
            if let Some(v) = self
                .volume_of(resolved)
                .filter(|v| matches!(v.kind, VolumeKind::Atomic { .. }))
            {
                st.mode = fs_group_mode(v, 0o755, true);
                st.gid = v.fs_group.unwrap_or(0);
                st.mtime = self.data_dir_written(v).1;
            }
            if self.files.contains_key(&format!("{resolved}/")) {
                st.uid = self.ctx.user.uid;
                st.gid = self.ctx.user.gid;
                // In an fsGroup volume the set-group-ID directory passes
                // its group and the bit on.
                if let Some(g) = self.volume_of(resolved).and_then(|v| v.fs_group) {
                    st.gid = g;
                    st.mode |= 0o2000;
                }
            }
            if let Some(v) = self.ctx.volumes.iter().find(|v| v.path == resolved) {
                let entries = self.ls_entries(resolved, true).len() as u64;
                match v.kind {
                    VolumeKind::EmptyDir { tmpfs } => {
                        st.mode = if v.fs_group.is_some() { 0o2777 } else { 0o777 };
                        st.gid = v.fs_group.unwrap_or(0);
                        if tmpfs {
                            st.mode |= 0o1000;
                            st.size = 20 * entries;
                        }
                    }
                    VolumeKind::Atomic { tmpfs, .. } => {
                        st.mtime = self.data_dir_written(v).1;
                        st.mode = fs_group_mode(v, if tmpfs { 0o1777 } else { 0o777 }, true);
                        st.nlink = 3;
                        st.gid = v.fs_group.unwrap_or(0);
                        if tmpfs {
                            st.size = 20 * entries;
                        }
                    }
                    VolumeKind::Other => {}
                }
            }
            return Some(st);
        }
        if self.is_system_file(resolved) {
            return Some(st);
        }
        None
    }

    /// The whole-mounted volume a path lies in.
    fn volume_of(&self, path: &str) -> Option<&VolumeDir> {
        self.ctx.volumes.iter().find(|v| {
            path.strip_prefix(v.path.as_str())
                .is_some_and(|r| r.starts_with('/'))
        })
    }

    /// `ls -l` (with `-a`, `-d`, `-n`, `-R`): BusyBox's fixed columns or
    /// coreutils' fitted ones, `total` in 1K blocks, links with targets.
    fn ls_long(&mut self, args: &[String]) {
        // Short options only (`--all` is `-a`; other long ones change
        // nothing Kubeplay shows).
        let short: Vec<&str> = args
            .iter()
            .filter(|a| a.starts_with('-') && !a.starts_with("--"))
            .map(String::as_str)
            .collect();
        let flag = |c: char| short.iter().any(|a| a.contains(c));
        let all = flag('a') || args.iter().any(|a| a == "--all");
        let (dirs_only, numeric, recursive) = (flag('d'), flag('n'), flag('R'));
        let mut todo: Vec<String> = args
            .iter()
            .filter(|a| !a.starts_with('-'))
            .cloned()
            .collect();
        if todo.is_empty() {
            todo.push(".".to_string());
        }
        let headers = todo.len() > 1 || recursive;
        // Files first, aligned together; then each directory.
        let mut files: Vec<(String, Stat)> = Vec::new();
        let mut dirs: Vec<(String, Stat)> = Vec::new();
        for arg in todo {
            let Some(mut st) = self.stat(&arg) else {
                let msg = match self.ctx.dialect {
                    Dialect::Busybox => format!("ls: {arg}: No such file or directory"),
                    Dialect::Gnu => format!("ls: cannot access '{arg}': No such file or directory"),
                };
                self.emit_err(msg);
                self.status = if self.ctx.dialect == Dialect::Gnu {
                    2
                } else {
                    1
                };
                continue;
            };
            // `link/` is the directory the link points to.
            if st.kind == 'l' && arg.ends_with('/') {
                st = self.link_target(&arg).unwrap_or(st);
                st.kind = 'd';
            }
            if st.kind != 'd' || dirs_only {
                files.push((arg, st));
            } else {
                dirs.push((arg, st));
            }
        }
        let mut printed = !files.is_empty();
        for line in self.ls_lines(&files, numeric) {
            self.emit(line);
        }
        let mut i = 0;
        while i < dirs.len() {
            let (arg, st) = dirs[i].clone();
            i += 1;
            if printed {
                self.emit(String::new());
            }
            printed = true;
            if headers {
                self.emit(format!("{arg}:"));
            }
            let dir = self.normalize(&arg).into_owned();
            let rows: Vec<(String, Stat)> = self
                .ls_entries(&dir, all)
                .into_iter()
                .filter_map(|n| {
                    let st = match n.as_str() {
                        "." => Some(st.clone()),
                        ".." => self.stat(&self.normalize(&format!("{dir}/.."))),
                        _ => self.stat(&format!("{}/{n}", dir.trim_end_matches('/'))),
                    };
                    st.map(|st| (n, st))
                })
                .collect();
            let blocks: u64 = rows.iter().map(|(_, st)| st.blocks()).sum();
            self.emit(format!("total {blocks}"));
            let mut sub = Vec::new();
            for (n, st) in &rows {
                if recursive && st.kind == 'd' && n != "." && n != ".." {
                    sub.push((format!("{}/{n}", arg.trim_end_matches('/')), st.clone()));
                }
            }
            for line in self.ls_lines(&rows, numeric) {
                self.emit(line);
            }
            // -R lists the subdirectories next, depth first.
            for (k, s) in sub.into_iter().enumerate() {
                dirs.insert(i + k, s);
            }
        }
    }

    /// What a link (`M/..data`) points to, as `stat` follows it.
    fn link_target(&self, path: &str) -> Option<Stat> {
        let link = self.stat(path)?;
        let target = link.target?;
        let path = self.normalize(path);
        let parent = path.rsplit_once('/').map_or("", |(p, _)| p);
        self.stat(&format!("{parent}/{target}"))
    }

    /// `ls -l` lines for named entries.
    fn ls_lines(&self, rows: &[(String, Stat)], numeric: bool) -> Vec<String> {
        let user = &self.ctx.user;
        let owner = |uid: i64| match (uid, numeric) {
            (0, false) => "root".to_string(),
            (u, false) if u == user.uid && user.name.is_some() => {
                user.name.unwrap_or_default().to_string()
            }
            (u, _) => u.to_string(),
        };
        let group = |gid: i64| match (gid, numeric) {
            (0, false) => "root".to_string(),
            (g, false) => user
                .group_names
                .iter()
                .find(|(id, _)| *id == g)
                .map_or_else(|| g.to_string(), |(_, n)| n.to_string()),
            (g, true) => g.to_string(),
        };
        let cells: Vec<[String; 6]> = rows
            .iter()
            .map(|(name, st)| {
                let date = busybox_date(st.mtime);
                let link = st
                    .target
                    .as_ref()
                    .map_or(String::new(), |t| format!(" -> {t}"));
                [
                    st.mode_string(),
                    st.nlink.to_string(),
                    owner(st.uid),
                    group(st.gid),
                    st.size.to_string(),
                    format!("{} {}{link}", &date[4..16], name),
                ]
            })
            .collect();
        match self.ctx.dialect {
            Dialect::Busybox => cells
                .iter()
                .map(|[m, n, u, g, s, rest]| {
                    let u: String = u.chars().take(8).collect();
                    let g: String = g.chars().take(8).collect();
                    format!("{m} {n:>4} {u:<8} {g:<8} {s:>9} {rest}")
                })
                .collect(),
            Dialect::Gnu => {
                let width = |k: usize| {
                    cells
                        .iter()
                        .map(|c| c[k].chars().count())
                        .max()
                        .unwrap_or(0)
                };
                let (wn, wu, wg, ws) = (width(1), width(2), width(3), width(4));
                cells
                    .iter()
                    .map(|[m, n, u, g, s, rest]| {
                        format!("{m} {n:>wn$} {u:<wu$} {g:<wg$} {s:>ws$} {rest}")
                    })
                    .collect()
            }
        }
    }

    fn is_dir(&self, path: &str) -> bool {
        let path = self.abs(path);
        let dir = path.trim_end_matches('/');
        let root = match self.ctx.dialect {
            Dialect::Busybox => ROOT_DIRS,
            Dialect::Gnu => DEBIAN_ROOT_DIRS,
        };
        if dir.is_empty()
            || STANDARD_DIRS.contains(&dir)
            || dir.strip_prefix('/').is_some_and(|d| root.contains(&d))
        {
            return true;
        }
        let prefix = format!("{dir}/");
        self.files.keys().any(|f| f.starts_with(&prefix))
            || self
                .ctx
                .dirs
                .iter()
                .any(|d| d == dir || d.starts_with(&prefix))
    }

    /// The names in a directory, sorted as `ls` sorts them (by byte).
    fn dir_entries(&self, path: &str) -> Vec<String> {
        let path = self.abs(path);
        let dir = path.trim_end_matches('/');
        let prefix = format!("{dir}/");
        let mut names: Vec<String> = self
            .files
            .keys()
            .chain(self.ctx.dirs.iter())
            .filter_map(|f| f.strip_prefix(&prefix))
            .filter_map(|rest| rest.split('/').next())
            .filter(|n| !n.is_empty() && !n.starts_with('.'))
            .map(str::to_string)
            .collect();
        if dir.is_empty() {
            let root = match self.ctx.dialect {
                Dialect::Busybox => ROOT_DIRS,
                Dialect::Gnu => DEBIAN_ROOT_DIRS,
            };
            names.extend(root.iter().map(|d| d.to_string()));
        } else if dir == "/etc" {
            names.extend(
                ["hostname", "hosts", "os-release", "passwd", "resolv.conf"]
                    .iter()
                    .map(|d| d.to_string()),
            );
        }
        names.compact_sort();
        names.dedup();
        names
    }

    fn test(&self, a: &[&str]) -> bool {
        match a {
            [] => false,
            ["!", rest @ ..] => !self.test(rest),
            [op, path] if op.len() == 2 && op.starts_with('-') => match *op {
                "-f" => self.has_file(path) || self.is_system_file(path),
                "-e" | "-r" | "-w" => {
                    self.has_file(path) || self.is_system_file(path) || self.is_dir(path)
                }
                "-s" => self.file(path).is_some_and(|c| !c.is_empty()),
                "-d" => self.is_dir(path),
                "-z" => path.is_empty(),
                "-n" => !path.is_empty(),
                _ => false,
            },
            [x] => !x.is_empty(),
            [l, op, r] => {
                let (li, ri) = (l.parse::<i64>(), r.parse::<i64>());
                match (*op, li, ri) {
                    ("=" | "==", _, _) => l == r,
                    ("!=", _, _) => l != r,
                    ("-eq", Ok(x), Ok(y)) => x == y,
                    ("-ne", Ok(x), Ok(y)) => x != y,
                    ("-lt", Ok(x), Ok(y)) => x < y,
                    ("-le", Ok(x), Ok(y)) => x <= y,
                    ("-gt", Ok(x), Ok(y)) => x > y,
                    ("-ge", Ok(x), Ok(y)) => x >= y,
                    _ => false,
                }
            }
            _ => false,
        }
    }

    /// Expands `$VAR`, `${VAR}`, `$(cmd)` and `$((expr))` in a word.
    fn expand(&mut self, w: &Word) -> String {
        let mut out = String::new();
        for (i, p) in w.0.iter().enumerate() {
            match p {
                Part::Literal(s) => out.push_str(s),
                // Tilde expansion: a word's leading unquoted `~` is $HOME.
                Part::Expand(s) if i == 0 && (s == "~" || s.starts_with("~/")) => {
                    let home = self.vars.get("HOME").cloned().unwrap_or_default();
                    out.push_str(&home);
                    let e = self.expand_text(&s[1..]);
                    out.push_str(&e);
                }
                Part::Expand(s) => {
                    let e = self.expand_text(s);
                    out.push_str(&e);
                }
            }
        }
        out
    }

    fn expand_text(&mut self, s: &str) -> String {
        let chars: Vec<char> = s.chars().collect();
        let mut out = String::new();
        let mut i = 0;
        while i < chars.len() {
            if chars[i] != '$' || i + 1 >= chars.len() {
                out.push(chars[i]);
                i += 1;
                continue;
            }
            let next = chars[i + 1];
            if next == '(' {
                // Find the matching parenthesis.
                let j = matching_paren(&chars, i + 1);
                let inner: String = chars[i + 2..j.min(chars.len())].iter().collect();
                if let Some(expr) = inner.strip_prefix('(').and_then(|e| e.strip_suffix(')')) {
                    let expr = self.expand_text(expr);
                    out.push_str(&self.arith(&expr).to_string());
                } else if let Ok(stmt) = parse(&inner) {
                    let saved = self.capture.replace(String::new());
                    // A subshell: its variables stay there, its time is the
                    // script's (the shell waits for it). One still running
                    // at the horizon (a sleep past it, a tool whose answer
                    // is not known yet, `sleep infinity`) halts the run.
                    match self.isolated(|it| it.exec(&stmt)) {
                        Flow::Stop => self.halted = true,
                        Flow::Exit(code) | Flow::Return(code) => self.status = code,
                        _ => {}
                    }
                    let captured = std::mem::replace(&mut self.capture, saved).unwrap_or_default();
                    out.push_str(captured.trim_end_matches('\n'));
                }
                i = j + 1;
                continue;
            }
            let (name, len) = if next == '{' {
                let end = chars[i + 2..].iter().position(|&c| c == '}');
                match end {
                    Some(e) => (chars[i + 2..i + 2 + e].iter().collect::<String>(), e + 3),
                    None => (String::new(), 1),
                }
            } else if matches!(next, '?' | '$' | '!' | '#' | '@' | '*') || next.is_ascii_digit() {
                (next.to_string(), 2)
            } else {
                let n: String = chars[i + 1..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
                    .collect();
                let l = n.len() + 1;
                (n, l)
            };
            if name.is_empty() {
                out.push('$');
                i += 1;
                continue;
            }
            let value = match name.as_str() {
                "?" => self.status.to_string(),
                // The user's last `kubectl … &`; these shells run `cmd &`
                // in the foreground, so it stays empty in a container.
                "!" => self.last_job.map(|p| p.to_string()).unwrap_or_default(),
                // PID 1's own shell, or the exec'd one after the others.
                "$" => match &self.exec_shell {
                    Some(_) => {
                        let others = self.ctx.processes.len().max(1);
                        (1 + 6 * others).to_string()
                    }
                    None => "1".to_string(),
                },
                "#" => self.params.len().saturating_sub(1).to_string(),
                "@" | "*" => self.params.get(1..).unwrap_or_default().join(" "),
                "0" => self.params.first().cloned().unwrap_or_else(|| "sh".into()),
                n if n.bytes().all(|b| b.is_ascii_digit()) => n
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| self.params.get(i))
                    .cloned()
                    .unwrap_or_default(),
                // `${#NAME}`: the value's length in characters.
                n if n.len() > 1 && n.starts_with('#') => {
                    let var = &n[1..];
                    let value = match var {
                        "@" | "*" => self.params.get(1..).unwrap_or_default().join(" "),
                        v if v.bytes().all(|b| b.is_ascii_digit()) => v
                            .parse::<usize>()
                            .ok()
                            .and_then(|i| self.params.get(i))
                            .cloned()
                            .unwrap_or_default(),
                        v => self.vars.get(v).cloned().unwrap_or_default(),
                    };
                    value.chars().count().to_string()
                }
                "PWD" => self.cwd.clone(),
                "HOSTNAME" => self
                    .vars
                    .get("HOSTNAME")
                    .cloned()
                    .unwrap_or_else(|| self.ctx.hostname.clone()),
                _ => self.param_expansion(&name),
            };
            out.push_str(&value);
            i += len;
        }
        out
    }

    /// `${NAME}` with its operators: `-`, `=`, `+`, `?` (with `:` also for
    /// an empty value), and the pattern removals `#`, `##`, `%`, `%%`.
    fn param_expansion(&mut self, expr: &str) -> String {
        let split = expr
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(expr.len());
        let (var, op) = expr.split_at(split);
        let value = if !var.is_empty() && var.bytes().all(|b| b.is_ascii_digit()) {
            var.parse::<usize>()
                .ok()
                .and_then(|i| self.params.get(i))
                .cloned()
        } else {
            self.vars.get(var).cloned()
        };
        let (colon, rest) = match op.strip_prefix(':') {
            Some(r) => (true, r),
            None => (false, op),
        };
        let set = value.as_ref().is_some_and(|v| !colon || !v.is_empty());
        let mut chars = rest.chars();
        match chars.next() {
            None => value.unwrap_or_default(),
            Some(c @ ('-' | '=' | '+' | '?')) => {
                let word = self.expand_text(chars.as_str());
                match (c, set) {
                    ('-', false) => word,
                    ('=', false) => {
                        self.vars.insert(var.to_string(), word.clone());
                        word
                    }
                    ('+', true) => word,
                    ('+', false) => String::new(),
                    ('?', false) => {
                        let why = if word.is_empty() {
                            "parameter not set".to_string()
                        } else {
                            word
                        };
                        self.emit_err(format!("sh: {var}: {why}"));
                        self.status = 1;
                        String::new()
                    }
                    _ => value.unwrap_or_default(),
                }
            }
            Some(c @ ('#' | '%')) if !colon => {
                let value = value.unwrap_or_default();
                let longest = chars.as_str().starts_with(c);
                let pattern_text = if longest { &rest[2..] } else { &rest[1..] };
                let pattern = self.expand_text(pattern_text);
                let bounds: Vec<usize> = value
                    .char_indices()
                    .map(|(i, _)| i)
                    .chain([value.len()])
                    .collect();
                let matches = |s: &str| super::redis::glob(&pattern, s);
                let cut = if c == '#' {
                    let mut found = bounds.iter().filter(|&&i| matches(&value[..i]));
                    let end = if longest {
                        found.next_back()
                    } else {
                        found.next()
                    };
                    end.map(|&i| value[i..].to_string())
                } else {
                    let mut found = bounds.iter().rev().filter(|&&i| matches(&value[i..]));
                    let start = if longest {
                        found.next_back()
                    } else {
                        found.next()
                    };
                    start.map(|&i| value[..i].to_string())
                };
                cut.unwrap_or(value)
            }
            _ => value.unwrap_or_default(),
        }
    }

    /// Integer arithmetic: + - * / % over variables and numbers, left to right
    /// with * / % before + -.
    fn arith(&self, expr: &str) -> i64 {
        let value = |tok: &str| -> i64 {
            let t = tok.trim();
            t.parse()
                .ok()
                .or_else(|| self.vars.get(t).and_then(|v| v.trim().parse().ok()))
                .unwrap_or(0)
        };
        let mut terms: Vec<(char, String)> = Vec::new();
        let mut cur = String::new();
        let mut op = '+';
        for c in expr.chars() {
            if (c == '+' || c == '-') && !cur.trim().is_empty() {
                terms.push((op, std::mem::take(&mut cur)));
                op = c;
            } else {
                cur.push(c);
            }
        }
        terms.push((op, cur));
        let mut total = 0i64;
        for (op, term) in terms {
            let mut acc: Option<i64> = None;
            let mut mop = '*';
            let mut tok = String::new();
            for c in term.chars().chain(std::iter::once('*')) {
                if matches!(c, '*' | '/' | '%') {
                    let v = value(&tok);
                    acc = Some(match (acc, mop) {
                        (None, _) => v,
                        (Some(a), '*') => a.wrapping_mul(v),
                        (Some(a), '/') => a.checked_div(v).unwrap_or(0),
                        (Some(a), _) => a.checked_rem(v).unwrap_or(0),
                    });
                    mop = c;
                    tok.clear();
                } else {
                    tok.push(c);
                }
            }
            let v = acc.unwrap_or(0);
            total = if op == '-' {
                total.wrapping_sub(v)
            } else {
                total.wrapping_add(v)
            };
        }
        total
    }
}

/// Directories every image has.
const STANDARD_DIRS: &[&str] = &[
    "/tmp", "/etc", "/var", "/usr", "/bin", "/root", "/home", "/proc", "/dev",
];

/// What `ls /` lists besides mount points in Debian-based images.
const DEBIAN_ROOT_DIRS: &[&str] = &[
    "bin", "boot", "dev", "etc", "home", "lib", "lib64", "media", "mnt", "opt", "proc", "root",
    "run", "sbin", "srv", "sys", "tmp", "usr", "var",
];

/// A word as `set -x` shows it: quoted when the shell would need quotes.
fn xtrace_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// `ls` in columns for an 80-column terminal, column by column. BusyBox
/// gives every column the longest name's width plus 2; GNU ls
/// (`calculate_columns`) finds the most columns whose own widths (each
/// longest name plus 2, the last without) keep a line under 80.
fn ls_columns(names: &[String], dialect: Dialect) -> Vec<String> {
    const WIDTH: usize = 80;
    let n = names.len();
    if n == 0 {
        return Vec::new();
    }
    let len = |s: &String| s.chars().count();
    let (rows, widths): (usize, Vec<usize>) = match dialect {
        Dialect::Busybox => {
            let width = names.iter().map(len).max().unwrap_or(0) + 2;
            let cols = (WIDTH / width).max(1);
            let rows = n.div_ceil(cols);
            (rows, vec![width; cols])
        }
        Dialect::Gnu => {
            let fits = |cols: usize| {
                let rows = n.div_ceil(cols);
                let mut widths = vec![3usize; cols];
                for (i, name) in names.iter().enumerate() {
                    let col = i / rows;
                    let w = len(name) + if col == cols - 1 { 0 } else { 2 };
                    widths[col] = widths[col].max(w);
                }
                let line: usize = widths.iter().sum();
                (line < WIDTH).then_some((rows, widths))
            };
            let max_cols = (WIDTH / 3).min(n);
            (1..=max_cols)
                .rev()
                .find_map(fits)
                .unwrap_or((n, vec![WIDTH]))
        }
    };
    (0..rows)
        .map(|row| {
            let mut line = String::new();
            let mut i = row;
            let mut col = 0;
            while i < n {
                let name = &names[i];
                line.push_str(name);
                i += rows;
                if i < n {
                    let pad = widths[col].saturating_sub(len(name));
                    line.push_str(&" ".repeat(pad));
                }
                col += 1;
            }
            line
        })
        .collect()
}

/// What `ls /` lists besides mount points in BusyBox images.
const ROOT_DIRS: &[&str] = &[
    "bin", "dev", "etc", "home", "lib", "proc", "root", "sys", "tmp", "usr", "var",
];

/// Files every image has (so `cat /etc/hostname` or `test -f /etc/passwd` work).
fn is_system_file(path: &str) -> bool {
    matches!(
        path,
        "/etc/hostname" | "/etc/hosts" | "/etc/passwd" | "/etc/resolv.conf" | "/etc/os-release"
    ) || path.starts_with("/var/run/secrets/kubernetes.io/serviceaccount")
        || path.starts_with("/proc/")
        || path.starts_with("/dev/")
}

/// grep's regular expressions, the common part: literal characters, `.`,
/// `[…]` and `[^…]` (with ranges and `[:digit:]`-style classes), `*`, `^`
/// and `$` anchors, `\\` escapes, alternatives (`-E 'a|b'`, `a\\|b`); with
/// `-E` also `+` and `?`. Whether `pattern` matches somewhere in `line`.
fn regex_search(pattern: &str, line: &str, extended: bool) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let l: Vec<char> = line.chars().collect();
    alternatives(&p, extended).into_iter().any(|alt| {
        if let Some(rest) = alt.strip_prefix(&['^']) {
            return regex_here(rest, &l, extended);
        }
        (0..=l.len()).any(|start| regex_here(alt, &l[start..], extended))
    })
}

/// The top-level alternatives of a pattern (`|` with -E, `\\|` without).
fn alternatives(p: &[char], extended: bool) -> Vec<&[char]> {
    let mut out = Vec::new();
    let (mut start, mut k, mut bracket) = (0, 0, false);
    while k < p.len() {
        match p[k] {
            '[' if !bracket => bracket = true,
            ']' if bracket => bracket = false,
            '\\' if !bracket && !extended && p.get(k + 1) == Some(&'|') => {
                out.push(&p[start..k]);
                k += 1;
                start = k + 1;
            }
            '\\' => k += 1,
            '|' if extended && !bracket => {
                out.push(&p[start..k]);
                start = k + 1;
            }
            _ => {}
        }
        k += 1;
    }
    out.push(&p[start.min(p.len())..]);
    out
}

/// Why grep would refuse a pattern (glibc's `regerror` texts).
fn regex_check(pattern: &str) -> Result<(), &'static str> {
    let p: Vec<char> = pattern.chars().collect();
    let mut k = 0;
    while k < p.len() {
        match p[k] {
            '\\' if k + 1 == p.len() => return Err("Trailing backslash"),
            '\\' => k += 1,
            '[' => {
                k = bracket_end(&p, k).ok_or("Unmatched [, [^, [:, [., or [=")?;
            }
            _ => {}
        }
        k += 1;
    }
    Ok(())
}

/// Where the bracket expression opening at `open` ends (its `]`): a `]`
/// first in the set is a member, `[:name:]` is one item.
fn bracket_end(p: &[char], open: usize) -> Option<usize> {
    let mut k = open + 1;
    if p.get(k) == Some(&'^') {
        k += 1;
    }
    if p.get(k) == Some(&']') {
        k += 1;
    }
    while k < p.len() {
        if p[k] == '[' && p.get(k + 1) == Some(&':') {
            let close =
                (k + 2..p.len().saturating_sub(1)).find(|&e| p[e] == ':' && p[e + 1] == ']')?;
            k = close + 2;
            continue;
        }
        if p[k] == ']' {
            return Some(k);
        }
        k += 1;
    }
    None
}

/// Whether `c` is in the bracket expression `set` (between `[` and `]`).
fn in_bracket(set: &[char], c: char) -> bool {
    let mut k = 0;
    let mut hit = false;
    while k < set.len() {
        if set[k] == '[' && set.get(k + 1) == Some(&':') {
            let end = (k + 2..set.len())
                .find(|&e| set[e] == ':')
                .unwrap_or(set.len());
            let class: String = set[k + 2..end].iter().collect();
            hit |= match class.as_str() {
                "digit" => c.is_ascii_digit(),
                "alpha" => c.is_ascii_alphabetic(),
                "alnum" => c.is_ascii_alphanumeric(),
                "upper" => c.is_ascii_uppercase(),
                "lower" => c.is_ascii_lowercase(),
                "space" => c.is_ascii_whitespace(),
                "punct" => c.is_ascii_punctuation(),
                "xdigit" => c.is_ascii_hexdigit(),
                _ => false,
            };
            k = end + 2;
        } else if k + 2 < set.len() && set[k + 1] == '-' {
            hit |= set[k] <= c && c <= set[k + 2];
            k += 3;
        } else {
            hit |= set[k] == c;
            k += 1;
        }
    }
    hit
}

/// Whether the atom at the start of `p` (its length in characters)
/// matches `c`. Patterns are checked first ([`regex_check`]).
fn regex_atom(p: &[char], c: char) -> (usize, bool) {
    match p[0] {
        '.' => (1, true),
        '\\' if p.len() > 1 => (2, c == p[1]),
        '[' => match bracket_end(p, 0) {
            Some(end) => {
                let negated = p.get(1) == Some(&'^');
                let set = &p[if negated { 2 } else { 1 }..end];
                (end + 1, in_bracket(set, c) != negated)
            }
            None => (1, c == '['),
        },
        x => (1, c == x),
    }
}

/// The length in characters of the atom at the start of `p`.
fn atom_len(p: &[char]) -> usize {
    match p[0] {
        '\\' if p.len() > 1 => 2,
        '[' => bracket_end(p, 0).map_or(1, |e| e + 1),
        _ => 1,
    }
}

/// Whether `p` matches at the start of `l`.
fn regex_here(p: &[char], l: &[char], extended: bool) -> bool {
    if p.is_empty() {
        return true;
    }
    if p == ['$'] {
        return l.is_empty();
    }
    let len = atom_len(p);
    let atom = |c: char| regex_atom(p, c).1;
    let rest = &p[len.min(p.len())..];
    match rest.first() {
        Some('*') => {
            let mut k = 0;
            loop {
                if regex_here(&rest[1..], &l[k..], extended) {
                    return true;
                }
                if k < l.len() && atom(l[k]) {
                    k += 1;
                } else {
                    return false;
                }
            }
        }
        Some('+') if extended => {
            let mut k = 0;
            while k < l.len() && atom(l[k]) {
                k += 1;
                if regex_here(&rest[1..], &l[k..], extended) {
                    return true;
                }
            }
            false
        }
        Some('?') if extended => {
            (!l.is_empty() && atom(l[0]) && regex_here(&rest[1..], &l[1..], extended))
                || regex_here(&rest[1..], l, extended)
        }
        _ => !l.is_empty() && atom(l[0]) && regex_here(rest, &l[1..], extended),
    }
}

/// `date` as busybox prints it: `Thu Jan  1 00:00:05 UTC 2026`.
pub(crate) fn busybox_date(ms: Millis) -> String {
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (y, mo, d, h, mi, s, wd) =
        crate::time::civil(crate::time::EPOCH_UNIX_SECONDS + (ms / 1000) as i64);
    format!(
        "{} {} {d:>2} {h:02}:{mi:02}:{s:02} UTC {y}",
        DAYS[wd as usize],
        MONTHS[mo as usize - 1]
    )
}

/// The index of the `)` that closes the `(` at `open` (`chars.len()` when
/// it is never closed).
fn matching_paren(chars: &[char], open: usize) -> usize {
    let mut depth = 0;
    // Parentheses inside quotes do not count (`$(echo ')')`).
    let mut quote = None;
    for (j, &c) in chars.iter().enumerate().skip(open) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => {
                depth -= 1;
                if depth == 0 {
                    return j;
                }
            }
            _ => {}
        }
    }
    chars.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Context {
        Context {
            positional: Vec::new(),
            env: VecMap::new(),
            hostname: "web-0".into(),
            dialect: Dialect::Busybox,
            started_at: 0,
            files: VecMap::new(),
            dirs: Vec::new(),
            read_only: Vec::new(),
            volumes: Vec::new(),
            born: 0,
            file_log: VecMap::new(),
            cmdline: "sleep 3600".into(),
            user: User::default(),
            workdir: "/".into(),
            external: Vec::new(),
            processes: Vec::new(),
            tty: false,
            nginx: None,
        }
    }

    /// A script's output lines and how it ended.
    fn run_src(src: &str) -> (String, Outcome) {
        let r = run(&parse(src).unwrap(), &ctx(), 60_000);
        let text: String = r.logs.iter().map(|(_, l)| format!("{l}\n")).collect();
        (text, r.outcome)
    }

    #[test]
    fn gnu_grep_reads_bundled_long_and_late_options_and_context_as_grep_3_does() {
        // Each case checked against GNU grep 3.8.
        let mut gnu = ctx();
        gnu.dialect = Dialect::Gnu;
        gnu.files
            .insert("/f".into(), "a\nb\nc\nd\ne\nf\ng\nh\na\n".into());
        let grep = |line: &str| {
            let r = run(&parse(line).unwrap(), &gnu, 60_000);
            r.logs
                .iter()
                .map(|(_, l)| format!("{l}\n"))
                .collect::<String>()
        };
        assert_eq!(grep("grep -nA1 b /f"), "2:b\n3-c\n");
        assert_eq!(grep("grep -A0 a /f"), "a\n--\na\n");
        assert_eq!(grep("grep -A 1 -C 0 b /f"), "b\nc\n");
        assert_eq!(grep("grep -1 e /f"), "d\ne\nf\n");
        assert_eq!(grep("grep -m1 a /f; grep --max-count=1 -e a /f"), "a\na\n");
        assert_eq!(
            grep("grep --color=never -c a /f; grep a /f --count"),
            "2\n2\n"
        );
        assert_eq!(grep("grep -- -x /f; echo $?"), "1\n");
        assert_eq!(
            grep("grep -A x h /f; grep --nope a /f"),
            "grep: x: invalid context length argument\ngrep: unrecognized option '--nope'\nUsage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n"
        );
    }

    #[test]
    fn functions_take_their_arguments_return_and_restore_locals_as_dash_does() {
        // Each case checked against dash 0.5.12 and busybox 1.36's sh.
        let (out, _) =
            run_src("f() { echo \"in f $1 $#\"; return 4; echo no; }; f a b; echo \"rc=$? $1\"");
        assert_eq!(out, "in f a 2\nrc=4 \n");
        let (out, _) =
            run_src("g() { local y=5 x; x=9; echo \"y=$y x=$x\"; }; x=1; g; echo \"x=$x y=$y\"");
        assert_eq!(out, "y=5 x=9\nx=1 y=\n");
        // `return` in a loop ends the function, not the loop only.
        let (out, _) = run_src(
            "l() { for i in 1 2 3; do [ $i = 2 ] && return 7; echo $i; done; }; l; echo \"rc=$?\"",
        );
        assert_eq!(out, "1\nrc=7\n");
        // Defined again, the last body counts; a newline may come before it.
        let (out, _) = run_src("h() { echo one; }\nh()\n{\n  echo two\n}\nh");
        assert_eq!(out, "two\n");
        // Outside a function, dash's `return` ends the shell as `exit` does.
        let (out, outcome) = run_src("echo before; return 3; echo after");
        assert_eq!((out.as_str(), outcome), ("before\n", Outcome::Exited(0, 3)));
        // A new shell does not see them.
        let (out, _) = run_src("f() { echo in; }; sh -c f; echo \"rc=$?\"");
        assert_eq!(out, "sh: f: not found\nrc=127\n");
        // A runaway recursion is stopped, and said to be; a deep but
        // finite one runs (a debug build's frames need more than a test
        // thread's stack).
        let deep = std::thread::Builder::new()
            .stack_size(64 << 20)
            .spawn(move || {
                // The parser recurses too, within the same budget.
                let nested = format!("{}echo hi{}", "(".repeat(3000), ")".repeat(3000));
                assert_eq!(
                    parse(&nested),
                    Err("Kubeplay reads compound commands nested up to 150 deep".into())
                );
                let (out, outcome) = run_src("r() { r; }; r; echo never");
                assert_eq!(
                    out,
                    "sh: Kubeplay stops commands nested 150 deep (functions, loops and $(…) within each other)\n"
                );
                assert_eq!(outcome, Outcome::Exited(0, 2));
                let (out, _) = run_src("c() { [ $1 -gt 0 ] && c $(($1-1)); echo -n \"$1 \"; }; c 40");
                assert!(out.starts_with("0 1 2 ") && out.ends_with(" 40 \n"), "{out}");
            })
            .unwrap();
        deep.join().unwrap();
        let (out, _) = run_src("f() echo no; f");
        assert_eq!(out, "no\n");
        // `return` alone keeps the last status; subshells, `$(…)` and pipe
        // stages keep what they define and declare; `command` passes the
        // functions by and `unset -f` removes one.
        let (out, _) =
            run_src("f() { false; return; }; f; echo \"rc=$?\"; false; (exit); echo \"sub=$?\"");
        assert_eq!(out, "rc=1\nsub=1\n");
        let (out, _) = run_src(
            "x=$(h() { echo h; }); h; f() { x=2; y=$(local x=5); x=3; }; x=1; f; echo \"x=$x\"; f2() { (return 7); echo \"sub $?\"; }; f2; (g() { :; }); cd /tmp; (cd /); pwd",
        );
        assert_eq!(out, "sh: h: not found\nx=3\nsub 7\n/tmp\n");
        let (out, _) =
            run_src("f() { echo in; }; command f; command -v f; unset -f f; f; echo \"rc=$?\"");
        assert_eq!(out, "sh: f: not found\nf\nsh: f: not found\nrc=127\n");
        // Assignments before a command hold for its run only (a
        // function's too), not before a special builtin, and do not change
        // its words.
        let (out, _) = run_src(
            "x=1; x=5 true; echo \"[$x]\"; y=6 :; echo \"[$y]\"; f() { echo \"in $z\"; z=9; }; z=5 f; echo \"after [$z]\"; x=7 echo \"$x\"",
        );
        assert_eq!(out, "[1]\n[6]\nin 5\nafter []\n1\n");
        // `break` in a function does not reach the caller's loop (dash).
        let (out, _) = run_src("f() { break; }; for i in 1 2; do f; echo $i; done");
        assert_eq!(out, "1\n2\n");
        // Special builtins' errors end the shell with 2.
        let (out, outcome) = run_src("f() { return abc; }; f; echo after");
        assert_eq!(out, "sh: return: line 1: Illegal number: abc\n");
        assert_eq!(outcome, Outcome::Exited(0, 2));
        let (out, outcome) = run_src("local x=1; echo after");
        assert_eq!(out, "sh: local: line 1: not in a function\n");
        assert_eq!(outcome, Outcome::Exited(0, 2));
    }

    #[test]
    fn set_x_traces_commands_and_set_e_exits_where_posix_says() {
        let (out, outcome) = run_src("set -x; echo failing; echo 'a b' ''; exit 1");
        assert_eq!(
            out,
            "+ echo failing\nfailing\n+ echo 'a b' ''\na b \n+ exit 1\n"
        );
        assert_eq!(outcome, Outcome::Exited(0, 1));
        // Conditions and the left of && / || do not end it; a plain failure does.
        let (out, outcome) = run_src(
            "set -e; false || echo handled; if false; then :; fi; ! true; false && echo no; echo still; false; echo never",
        );
        assert_eq!(out, "handled\nstill\n");
        assert_eq!(outcome, Outcome::Exited(0, 1));
        let (out, _) = run_src("set -e; set +e; false; echo on");
        assert_eq!(out, "on\n");
    }

    #[test]
    fn ls_prints_columns_as_busybox_and_gnu_ls_do_on_a_terminal() {
        let names = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let busybox_root = names(ROOT_DIRS);
        assert_eq!(
            ls_columns(&busybox_root, Dialect::Busybox),
            ["bin   dev   etc   home  lib   proc  root  sys   tmp   usr   var"]
        );
        assert_eq!(
            ls_columns(&names(DEBIAN_ROOT_DIRS), Dialect::Gnu),
            [
                "bin   dev  home  lib64  mnt  proc  run   srv  tmp  var",
                "boot  etc  lib   media  opt  root  sbin  sys  usr"
            ]
        );
        // Long names: fewer columns, each as wide as its longest name.
        let long = names(&[
            "a-rather-long-file-name.txt",
            "b",
            "c",
            "d",
            "another-long-name",
        ]);
        assert_eq!(
            ls_columns(&long, Dialect::Gnu),
            ["a-rather-long-file-name.txt  b  c  d  another-long-name"]
        );
        assert_eq!(
            ls_columns(&long, Dialect::Busybox),
            [
                "a-rather-long-file-name.txt  d",
                "b                            another-long-name",
                "c"
            ]
        );
    }

    #[test]
    fn liveness_example_script_runs_in_simulated_time() {
        let s = parse("touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600").unwrap();
        let r = run(&s, &ctx(), 3_600_000);
        assert_eq!(
            r.file_events,
            vec![
                (0, "/tmp/healthy".to_string(), FileOp::Write(String::new())),
                (30_000, "/tmp/healthy".to_string(), FileOp::Remove)
            ]
        );
        assert_eq!(r.outcome, Outcome::Exited(630_000, 0));
        let r = run(&s, &ctx(), 10_000);
        assert_eq!(r.outcome, Outcome::Running);
    }

    #[test]
    fn standard_error_is_its_own_stream() {
        let out = |script: &str| -> String {
            let r = run(&parse(script).unwrap(), &ctx(), 60_000);
            r.logs.iter().map(|(_, l)| format!("{l}\n")).collect()
        };
        let missing = "cat: can't open '/missing': No such file or directory\n";
        // `2>` redirects standard error only.
        assert_eq!(out("echo hi 2>/dev/null"), "hi\n");
        assert_eq!(out("cat /missing 2>/dev/null; echo rc=$?"), "rc=1\n");
        assert_eq!(
            out("cat /missing 2>/tmp/e; echo \"[$(cat /tmp/e)]\""),
            format!("[{}]\n", missing.trim_end())
        );
        // Captures, files and pipes take standard output; errors reach
        // the log.
        assert_eq!(
            out("x=$(cat /missing); echo \"[$x]\""),
            format!("{missing}[]\n")
        );
        assert_eq!(
            out("cat /missing > /tmp/x; echo \"[$(cat /tmp/x)]\""),
            format!("{missing}[]\n")
        );
        assert_eq!(out("cat /missing | wc -l"), format!("{missing}0\n"));
        assert_eq!(out("cat /missing 2>&1 | wc -l"), "1\n");
        assert_eq!(out("echo oops >&2 | wc -l"), "oops\n0\n");
        assert_eq!(out("x=$(echo oops 1>&2); echo \"[$x]\""), "oops\n[]\n");
        // Order counts: `2>&1` copies where standard output goes then.
        assert_eq!(out("cat /missing >/dev/null 2>&1"), "");
        assert_eq!(out("cat /missing 2>&1 >/dev/null"), missing);
        assert_eq!(
            out("cat /missing >/tmp/both 2>&1; echo hi >>/tmp/both; cat /tmp/both"),
            format!("{missing}hi\n")
        );
        // A digit on its own is a word; `2>` against it is a redirection.
        assert_eq!(out("echo 2 >/tmp/f; cat /tmp/f"), "2\n");
        assert_eq!(out("echo \"2\">/tmp/f; cat /tmp/f"), "2\n");
        assert_eq!(out("true >&2; echo x"), "x\n");
        assert_eq!(out("echo a 2>/tmp/f; cat /tmp/f; echo end"), "a\nend\n");
        assert_eq!(out("sh -c 'nope' 2>/dev/null; echo $?"), "127\n");
        assert_eq!(
            out("exit abc; echo not here"),
            "sh: exit: line 1: Illegal number: abc\n"
        );
        assert_eq!(
            run(&parse("exit abc").unwrap(), &ctx(), 1000).outcome,
            Outcome::Exited(0, 2)
        );
        assert_eq!(
            run(&parse("exit 300").unwrap(), &ctx(), 1000).outcome,
            Outcome::Exited(0, 44)
        );
        assert_eq!(out("seq x 2>/dev/null; echo $?; seq 2"), "1\n1\n2\n");
        assert_eq!(out("seq -w 8 10"), "08\n09\n10\n");
        // `%0*g` with the wider of FIRST and LAST: zeros after the sign.
        assert_eq!(out("seq -w -2 100 | head -n 3"), "-02\n-01\n000\n");
        assert_eq!(out("seq 0 5 12; seq 3 -1 1"), "0\n5\n10\n3\n2\n1\n");
        assert_eq!(out("seq -s , 3; seq 5 1"), "1,2,3\n");
        assert_eq!(out("seq 9223372036854775807 | wc -l"), "100000\n");
        // Redirections after compound commands.
        assert_eq!(
            out("for i in 1 2; do echo $i; done > /tmp/l; cat /tmp/l; echo end"),
            "1\n2\nend\n"
        );
        assert_eq!(
            out("i=0; while [ $i -lt 2 ]; do cat /missing; i=$((i+1)); done 2>/dev/null; echo $i"),
            "2\n"
        );
        assert_eq!(
            out("if cat /missing; then echo yes; else echo no; fi >> /tmp/a 2>&1; cat /tmp/a"),
            format!("{missing}no\n")
        );
        assert_eq!(out("{ echo a; cat /missing; } 2>&1 | wc -l"), "2\n");
        assert_eq!(out("( echo in ) > /tmp/s; cat /tmp/s"), "in\n");
        // `$(…)` is a subshell the shell waits for.
        let r = run(
            &parse("x=$(sleep 5; echo hi; y=1); echo \"$x $y\"; x=$(exit 3); echo $?").unwrap(),
            &ctx(),
            60_000,
        );
        assert_eq!(
            r.logs,
            [(5_000, "hi ".to_string()), (5_000, "3".to_string())]
        );
        let r = run(
            &parse("x=$(sleep infinity); echo never").unwrap(),
            &ctx(),
            60_000,
        );
        assert!(
            r.logs.is_empty() && r.outcome == Outcome::Forever(0),
            "{:?}",
            r.outcome
        );
        // A redirected loop's file grows as it runs.
        let s = parse("while true; do date; sleep 5; done > /tmp/log").unwrap();
        let r = run(&s, &ctx(), 12_000);
        let at = |t: Millis| {
            files_after(VecMap::new(), &r.file_events, t)["/tmp/log"]
                .lines()
                .count()
        };
        assert_eq!((at(1_000), at(6_000), at(11_000)), (1, 2, 3));
        // Standard input from a file, for a command or a loop.
        assert_eq!(
            out(
                "printf 'a b\\nc\\n' > /tmp/in; wc -l < /tmp/in; while read x y; do echo \"<$x>\"; done < /tmp/in"
            ),
            "2\n<a>\n<c>\n"
        );
        assert_eq!(
            out("wc -l < /nope; echo $?"),
            "sh: can't open '/nope': No such file or directory\n2\n"
        );
    }

    #[test]
    fn a_tool_past_the_horizon_inside_a_substitution_halts_the_run() {
        let script =
            parse("while true; do out=$(wget -qO- web); echo \"got $out\"; sleep 1; done").unwrap();
        let mut calls = 0;
        // The second answer is not known yet: it comes after any horizon.
        let mut net = |_: Millis, _: &[String], _: bool| -> NetReply {
            calls += 1;
            if calls == 1 {
                (0, "a".into(), 0)
            } else {
                (0, String::new(), Millis::MAX)
            }
        };
        let r = run_with(&script, &ctx(), 60_000, Some(&mut net));
        let logs: Vec<&str> = r.logs.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(logs, ["got a"]);
        assert_eq!(r.outcome, Outcome::Running);
    }

    #[test]
    fn network_tools_write_their_messages_to_standard_error() {
        let c = ctx();
        let mut net = |_: Millis, argv: &[String], _: bool| -> NetReply {
            let body = "<h1>hi</h1>\n";
            match argv.last().map(String::as_str) {
                Some("down") => (1, to_stderr("wget: bad address 'down'\n"), 0),
                _ => (
                    0,
                    format!(
                        "{}{body}{}",
                        to_stderr("Connecting to web (10.96.0.5:80)\nwriting to stdout\n"),
                        to_stderr("written to stdout\n")
                    ),
                    0,
                ),
            }
        };
        let mut exec = |script: &str| {
            exec_command(
                &["sh".into(), "-c".into(), script.into()],
                &c,
                60_000,
                &mut net,
                None,
            )
            .output
        };
        assert_eq!(exec("wget -qO- down 2>/dev/null || echo down"), "down\n");
        assert_eq!(
            exec("wget -O- web | wc -l"),
            "Connecting to web (10.96.0.5:80)\nwriting to stdout\nwritten to stdout\n1\n"
        );
        assert_eq!(exec("wget -O- web 2>/dev/null"), "<h1>hi</h1>\n");
        assert_eq!(exec("wget -O- web 2>&1 | wc -l"), "4\n");
        assert_eq!(
            terminal_text(&to_stderr("a\n")),
            "a\n",
            "a terminal shows both"
        );
    }

    #[test]
    fn pipes_feed_each_stage_the_last_ones_output() {
        let out = |script: &str| -> String {
            let mut c = ctx();
            c.files
                .insert("/etc/conf".into(), "b=2\nA=1\n# note\nc=3\nb=2\n".into());
            let r = run(&parse(script).unwrap(), &c, 60_000);
            r.logs.iter().map(|(_, l)| format!("{l}\n")).collect()
        };
        assert_eq!(
            out("cat /etc/conf | grep -v '^#' | sort -u | head -n 2"),
            "A=1\nb=2\n"
        );
        assert_eq!(
            out("grep -ic A /etc/conf; grep -n 'b=.' /etc/conf"),
            "1\n1:b=2\n5:b=2\n"
        );
        assert_eq!(out("grep -E 'c=3?$' /etc/conf && echo hit"), "c=3\nhit\n");
        assert_eq!(out("grep -q nope /etc/conf || echo none"), "none\n");
        assert_eq!(
            out("tail -2 /etc/conf | wc -l; wc -w < /dev/null; seq 3 | tail -n1"),
            "2\n0\n3\n"
        );
        assert_eq!(
            out("seq 1 3 | while read n rest; do echo \"<$n>\"; done; echo after"),
            "<1>\n<2>\n<3>\nafter\n"
        );
        // A stage is a subshell: its exit and its variables stay there.
        assert_eq!(out("exit 3 | cat; echo still"), "still\n");
        assert_eq!(out("cat /etc/conf | exit 3; echo $?"), "3\n");
        assert_eq!(out("echo hi | read x; echo \"[$x]\""), "[]\n");
        assert_eq!(
            out("printf 'a  b  \\nlast' | while read x; do echo \"<$x>\"; done"),
            "<a  b>\n"
        );
        assert_eq!(
            out("grep -e A -e 'c=' /etc/conf; tail -n +4 /etc/conf"),
            "A=1\nc=3\nc=3\nb=2\n"
        );
        assert_eq!(
            out("grep -E 'A|c' /etc/conf; grep 'A\\|c' /etc/conf | wc -l"),
            "A=1\nc=3\n2\n"
        );
        assert_eq!(
            out("grep -c '[[:digit:]]$' /etc/conf; grep -c '[^0-9]$' /etc/conf"),
            "4\n1\n"
        );
        // Refused patterns and unreadable files: busybox's words and 2.
        assert_eq!(
            out("grep '[' /etc/conf; echo $?; grep 'x\\' /etc/conf; echo $?"),
            "grep: bad regex '[': Unmatched [, [^, [:, [., or [=\n2\ngrep: bad regex 'x\\': Trailing backslash\n2\n"
        );
        assert_eq!(
            out("grep A /nope /etc/conf; echo $?; grep -q A /nope /etc/conf; echo $?"),
            "grep: /nope: No such file or directory\nA=1\n2\ngrep: /nope: No such file or directory\n0\n"
        );
        assert_eq!(
            out("wc /etc/conf; cat /etc/conf | wc -l"),
            "        5         6        23 /etc/conf\n5\n"
        );
        // A loop that never ends still hands its lines on.
        assert_eq!(
            out("while true; do echo tick; sleep 20; done | grep -c tick"),
            "4\n"
        );
        assert_eq!(
            out("echo 5 10 2 | tr -s ' ' '\\n' | sort -n"),
            "sh: tr: not found\n"
        );
        assert_eq!(
            out("printf '10\\n9\\n100\\n' | sort -n | sort -r | head -1"),
            "9\n"
        );
    }

    #[test]
    fn grep_patterns_never_panic() {
        // Every pattern of up to 5 characters from grep's special ones and
        // a few letters, against a few lines: checked, then searched.
        let alphabet = [
            '[', ']', '^', '$', '.', '*', '+', '?', '|', '\\', ':', '-', 'a', 'é',
        ];
        let lines = ["", "a", "a-b:c", "[x]", "éa|"];
        let mut checked = 0;
        for len in 0..=5u32 {
            for n in 0..alphabet.len().pow(len) {
                let mut k = n;
                let pattern: String = (0..len)
                    .map(|_| {
                        let c = alphabet[k % alphabet.len()];
                        k /= alphabet.len();
                        c
                    })
                    .collect();
                if n % 7 != 0 && len == 5 {
                    continue;
                }
                if regex_check(&pattern).is_ok() {
                    for line in lines {
                        for extended in [false, true] {
                            regex_search(&pattern, line, extended);
                        }
                    }
                    checked += 1;
                }
            }
        }
        assert!(checked > 10_000, "{checked}");
    }

    #[test]
    fn loops_variables_and_output() {
        let s = parse("i=0; while true; do echo \"$i: hello\"; i=$((i+1)); sleep 1; done").unwrap();
        let r = run(&s, &ctx(), 2_500);
        let lines: Vec<_> = r.logs.iter().map(|(t, l)| (*t, l.as_str())).collect();
        assert_eq!(
            lines,
            [(0, "0: hello"), (1000, "1: hello"), (2000, "2: hello")]
        );
        let s = parse("echo start && exit 3; echo never").unwrap();
        let r = run(&s, &ctx(), 1000);
        assert_eq!(r.outcome, Outcome::Exited(0, 3));
        assert_eq!(r.logs.len(), 1);
        let s = parse("for i in 1 2 3; do echo $i; done; sleep infinity").unwrap();
        let r = run(&s, &ctx(), 1000);
        assert_eq!(r.logs.len(), 3);
        assert_eq!(r.outcome, Outcome::Forever(0));
        let s = parse("while true; do :; done").unwrap();
        assert_eq!(run(&s, &ctx(), 1000).outcome, Outcome::Forever(0));
        let s = parse("echo ok > /tmp/ready; cat /tmp/ready; if [ -f /tmp/ready ]; then echo yes; else echo no; fi").unwrap();
        let r = run(&s, &ctx(), 1000);
        let lines: Vec<_> = r.logs.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(lines, ["ok", "yes"]);
    }

    #[test]
    fn probes_see_files_and_print_busybox_errors() {
        let mut c = ctx();
        assert_eq!(
            probe(&["cat".into(), "/tmp/healthy".into()], &c, SECOND),
            Some((
                1,
                "cat: can't open '/tmp/healthy': No such file or directory\n".to_string()
            ))
        );
        c.files.insert("/tmp/healthy".into(), String::new());
        assert_eq!(
            probe(&["cat".into(), "/tmp/healthy".into()], &c, SECOND),
            Some((0, String::new()))
        );
        assert_eq!(
            probe(&["nosuch".into()], &c, SECOND).map(|r| r.0),
            Some(127)
        );
        // Still running at its timeout.
        assert_eq!(probe(&["sleep".into(), "2".into()], &c, SECOND), None);
        assert_eq!(
            probe(&["sleep".into(), "infinity".into()], &c, SECOND),
            None
        );
    }

    #[test]
    fn output_without_newlines_joins_lines_and_directories_list() {
        let mut c = ctx();
        c.files
            .insert("/etc/podinfo/labels".into(), "a=\"1\"\nb=\"2\"".into());
        c.files
            .insert("/etc/podinfo/annotations".into(), "x=\"y\"".into());
        c.dirs.push("/data".into());
        let s = parse(
            "echo -en '\\n\\n'; cat /etc/podinfo/labels; echo -n 'and '; echo end; printf '%s-%s' a b; ls /etc/podinfo; ls /data; [ -d /data ] && echo dir; cat /etc/podinfo",
        )
        .unwrap();
        let r = run(&s, &c, 1000);
        let lines: Vec<_> = r.logs.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(
            lines,
            [
                "",
                "",
                "a=\"1\"",
                "b=\"2\"and end",
                "a-bannotations",
                "labels",
                "dir",
                "cat: read error: Is a directory"
            ]
        );
        // Appends and truncations replay into the files at a time.
        let s =
            parse("echo one > /tmp/f; sleep 1; echo two >> /tmp/f; sleep 1; rm /tmp/f").unwrap();
        let r = run(&s, &c, 10_000);
        let at = |t| {
            files_after(VecMap::new(), &r.file_events, t)
                .get("/tmp/f")
                .cloned()
        };
        assert_eq!(at(0).as_deref(), Some("one\n"));
        assert_eq!(at(1000).as_deref(), Some("one\ntwo\n"));
        assert_eq!(at(2000), None);
    }

    #[test]
    fn cp_and_mv_copy_and_move_files_and_directories() {
        let mut c = ctx();
        c.read_only.push("/cfg/".into());
        c.files.insert("/cfg/key".into(), "v".into());
        let s = parse(
            "echo hi > /tmp/a; cp /tmp/a /tmp/b; mv /tmp/b /tmp/c; cat /tmp/b; cat /tmp/c; \
             cp /tmp/nope /x; mv /tmp/nope /x; cp /tmp /y; cp /tmp/a /cfg/a; cp -r /tmp /z; \
             ls /z; mv /cfg/key /tmp; cat /tmp/key",
        )
        .unwrap();
        let lines = |c: &Context| {
            run(&s, c, 1000)
                .logs
                .into_iter()
                .map(|(_, l)| l)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            lines(&c),
            [
                "cat: can't open '/tmp/b': No such file or directory",
                "hi",
                "cp: can't stat '/tmp/nope': No such file or directory",
                "mv: can't rename '/tmp/nope': No such file or directory",
                "cp: omitting directory '/tmp'",
                "cp: can't create '/cfg/a': Read-only file system",
                "a",
                "c",
                "mv: can't remove '/cfg/key': Read-only file system",
                "v",
            ]
        );
        c.dialect = Dialect::Gnu;
        let gnu = lines(&c);
        assert_eq!(
            gnu[2],
            "cp: cannot stat '/tmp/nope': No such file or directory"
        );
        assert_eq!(
            gnu[3],
            "mv: cannot stat '/tmp/nope': No such file or directory"
        );
        assert_eq!(gnu[4], "cp: -r not specified; omitting directory '/tmp'");
        assert_eq!(
            gnu[5],
            "cp: cannot create regular file '/cfg/a': Read-only file system"
        );
    }

    #[test]
    fn exec_commands_reach_the_network_hook_and_report_time_and_code() {
        let c = ctx();
        let mut calls = Vec::new();
        let mut net = |_: Millis, argv: &[String], _: bool| {
            calls.push(argv.join(" "));
            (1, "wget: bad address 'nope:80'\n".to_string(), 10_000)
        };
        let r = exec_command(
            &[
                "sh".into(),
                "-c".into(),
                "sleep 2; wget -qO- nope || echo failed $?".into(),
            ],
            &c,
            60_000,
            &mut net,
            None,
        );
        assert_eq!(r.output, "wget: bad address 'nope:80'\nfailed 1\n");
        // The tool's own time (a resolver timing out) counts.
        assert_eq!((r.code, r.elapsed), (Some(0), 12_000));
        assert_eq!(calls, ["wget -qO- nope"]);
        let mut quiet = |_: Millis, _: &[String], _: bool| (0, String::new(), 0);
        let r = exec_command(
            &["sleep".into(), "infinity".into()],
            &c,
            60_000,
            &mut quiet,
            None,
        );
        assert_eq!(r.code, None);
        assert!(has_command("/bin/ls") && !has_command("python3"));
    }

    #[test]
    fn load_generator_loops_become_request_streams() {
        let c = ctx();
        let stream = |src: &str| match network_use(&parse(src).unwrap(), &c) {
            NetworkUse::Stream { url, pause, .. } => Some((url, pause)),
            _ => None,
        };
        // The docs' HPA load generator: 10 ms of sleep per request.
        assert_eq!(
            stream("while sleep 0.01; do wget -q -O- http://php-apache; done"),
            Some(("http://php-apache".to_string(), 10))
        );
        assert_eq!(
            stream("while true; do curl -s -o /dev/null -H 'Host: x' web:8080/api; sleep 2; done"),
            Some(("web:8080/api".to_string(), 2000))
        );
        // A busy loop sends the next request as soon as one answers.
        assert_eq!(
            stream("while true; do wget -qO- web; done"),
            Some(("web".to_string(), 0))
        );
        // One request, requests that end, or several URLs are no stream.
        assert_eq!(stream("wget -qO- web; sleep 3600"), None);
        // A slow poll is seen over ten minutes.
        assert_eq!(
            stream("while true; do wget -qO- web; sleep 120; done"),
            Some(("web".to_string(), 120_000))
        );
        assert_eq!(
            stream("for i in 1 2 3 4 5; do wget -qO- web; sleep 1; done; sleep 3600"),
            None
        );
        assert_eq!(
            stream("while true; do wget -q --spider web && wget -qO- web; sleep 1; done"),
            None
        );
        assert_eq!(stream("for i in 1 2 3; do wget -qO- web; done"), None);
        assert_eq!(
            stream("while true; do wget -qO- a; wget -qO- b; sleep 1; done"),
            None
        );
    }

    #[test]
    fn a_loop_rewriting_a_growing_file_keeps_bounded_content() {
        let s = parse("while true; do date >> /tmp/l; cat /tmp/l > /tmp/c; sleep 1; done").unwrap();
        let r = run(&s, &ctx(), 2 * 3_600_000);
        let kept: usize = r
            .file_events
            .iter()
            .map(|(_, _, op)| match op {
                FileOp::Write(t) | FileOp::Append(t) => t.len(),
                FileOp::Remove => 0,
            })
            .sum();
        assert!(kept <= MAX_EVENT_BYTES, "{kept}");
        assert!(r.file_events.len() > 10_000, "{}", r.file_events.len());
    }

    #[test]
    fn positional_parameters_and_shift() {
        let out = |script: &str| -> String {
            let r = run(&parse(script).unwrap(), &ctx(), 60_000);
            r.logs.iter().map(|(_, l)| format!("{l}\n")).collect()
        };
        assert_eq!(
            out("sh -c 'echo $0 $# $1 $2; for a in \"$@\"; do echo \"<$a>\"; done' me one two"),
            "me 2 one two\n<one>\n<two>\n"
        );
        assert_eq!(
            out("sh -c 'shift; echo $1 $#; echo \"$*\"' me a b c"),
            "b 2\nb c\n"
        );
        assert_eq!(out("sh -c 'echo $0'"), "sh\n");
        assert_eq!(
            out("set -- x y; echo $#:$2; shift 3; echo rc=$?"),
            "2:y\nrc=1\n"
        );
        assert_eq!(
            out(
                "sh -c 'for a in \"$@\"; do echo ${#a}:$a; done; x=hello; echo ${#x} ${#}' me 'a b' c"
            ),
            "3:a b\n1:c\n5 2\n"
        );
        assert_eq!(
            out(
                "Y=abc.tar.gz; echo ${Y#*.} ${Y##*.} ${Y%.*} ${Y%%.*}; echo \"${X-def}|${X=set}|$X\"; unset X; echo \"${X:-gone}|${X+alt}|${Y:+alt}\""
            ),
            "tar.gz gz abc.tar abc\ndef|set|set\ngone||alt\n"
        );
        // "$@" keeps each parameter one word.
        assert_eq!(
            out("sh -c 'printf \"[%s]\\n\" \"$@\"' sh 'a b' c"),
            "[a b]\n[c]\n"
        );
    }

    #[test]
    fn cut_takes_fields_and_characters_and_head_bytes() {
        let out = |script: &str| -> String {
            let r = run(&parse(script).unwrap(), &ctx(), 60_000);
            r.logs.iter().map(|(_, l)| format!("{l}\n")).collect()
        };
        assert_eq!(
            out("echo a:b:c | cut -d: -f2-; echo a:b:c | cut -d : -f 1,3"),
            "b:c\na:c\n"
        );
        assert_eq!(
            out("echo pod/web-1 | cut -d/ -f2; echo abcdef | cut -c2-4"),
            "web-1\nbcd\n"
        );
        // A line without the delimiter passes whole.
        assert_eq!(out("echo plain | cut -d, -f2"), "plain\n");
        assert_eq!(out("printf 'hello world' | head -c 5; echo"), "hello\n");
        assert_eq!(
            out("echo x | cut; echo $?"),
            "cut: expected a list of bytes, characters, or fields\n1\n"
        );
    }

    #[test]
    fn printf_formats_like_coreutils() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let printf = |f: &str, a: &[String]| printf(f, a, Dialect::Busybox, &mut Vec::new());
        assert_eq!(printf("%s=%s\\n", &args(&["a", "1", "b"])), "a=1\nb=\n");
        assert_eq!(
            printf(
                "%-4s|%3d|%03d|%x|%%|%.2s\\t.",
                &args(&["ab", "7", "-5", "255", "xyz"])
            ),
            "ab  |  7|-05|ff|%|xy\t."
        );
        assert_eq!(printf("plain", &args(&["ignored"])), "plain");
        assert_eq!(printf("\\101%c", &args(&["Bee"])), "AB");
        assert_eq!(
            printf(
                "%f|%g|%.1f|%5.2f|%e|%g",
                &args(&["1.5", "0.25", "2.25", "3.14159", "1234.5", "1e-5"])
            ),
            "1.500000|0.25|2.2| 3.14|1.234500e+03|1e-05"
        );
        assert_eq!(
            printf(
                "%b|%*d|%+3d|% d|%#x|%d %d|%d",
                &args(&["a\\tb", "5", "42", "5", "5", "255", "0x1F", "010", "'A"])
            ),
            "a\tb|   42| +5| 5|0xff|31 8|65"
        );
        // Huge fields are bounded rather than panicking or exhausting memory.
        assert_eq!(printf("%.70000f", &args(&["1"])).len(), 4098);
        assert_eq!(printf("%99999999999d", &args(&["1"])).len(), 4096);
        let mut errors = Vec::new();
        assert_eq!(
            super::printf("%d", &args(&["abc"]), Dialect::Gnu, &mut errors),
            "0"
        );
        assert_eq!(errors, ["sh: 1: printf: abc: expected numeric value"]);
    }

    #[test]
    fn syntax_errors_are_reported() {
        assert!(parse("while true; do echo").is_err());
        assert!(parse("echo 'open").is_err());
        assert_eq!(busybox_date(5_000), "Thu Jan  1 00:00:05 UTC 2026");
    }
}
