//! Label selectors: `matchLabels`/`matchExpressions` objects and kubectl's
//! `-l` strings (`app=web,tier in (a,b),!canary`), after
//! `k8s.io/apimachinery/pkg/labels/selector.go` and
//! `pkg/apis/meta/v1/helpers.go`.
//!
//! [`Selector`] is the typed form for hot paths: build it once (from a
//! LabelSelector object, a label set or a `-l` string) and match it against
//! many label objects without allocating.

use crate::sort::CompactSort;
use std::fmt;

use crate::api::content::{is_label_key, is_label_value};
use crate::api::errors::{FieldError, quote};
use crate::api::gofmt;
use crate::api::path::Path;
use crate::value::Value;

/// How a requirement relates its key and values (`selection.Operator`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operator {
    /// `key in (a,b)`
    In,
    /// `key notin (a,b)`
    NotIn,
    /// `key=a`
    Equals,
    /// `key==a`
    DoubleEquals,
    /// `key!=a`
    NotEquals,
    /// `key`
    Exists,
    /// `!key`
    DoesNotExist,
    /// `key>3` (`gt`)
    GreaterThan,
    /// `key<3` (`lt`)
    LessThan,
}

impl Operator {
    /// The operator's name in `selection` (`in`, `=`, `exists`, `gt`, …).
    pub fn name(self) -> &'static str {
        match self {
            Operator::In => "in",
            Operator::NotIn => "notin",
            Operator::Equals => "=",
            Operator::DoubleEquals => "==",
            Operator::NotEquals => "!=",
            Operator::Exists => "exists",
            Operator::DoesNotExist => "!",
            Operator::GreaterThan => "gt",
            Operator::LessThan => "lt",
        }
    }
}

/// One requirement: a key, an operator and its values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requirement {
    key: Box<str>,
    op: Operator,
    values: Vec<Box<str>>,
}

impl Requirement {
    /// A requirement, checked as `labels.NewRequirement` checks it. The error
    /// is the aggregated field-error text (`values: Invalid value: …`).
    pub fn new(key: &str, op: Operator, values: Vec<&str>) -> Result<Requirement, String> {
        let mut errs: Vec<String> = Vec::new();
        let key_errs = is_label_key(key);
        if !key_errs.is_empty() {
            errs.push(format!(
                "key: Invalid value: {}: {}",
                quote(key),
                key_errs.join("; ")
            ));
        }
        let count_err = match op {
            Operator::In | Operator::NotIn if values.is_empty() => {
                Some("for 'in', 'notin' operators, values set can't be empty")
            }
            Operator::Equals | Operator::DoubleEquals | Operator::NotEquals
                if values.len() != 1 =>
            {
                Some("exact-match compatibility requires one single value")
            }
            Operator::Exists | Operator::DoesNotExist if !values.is_empty() => {
                Some("values set must be empty for exists and does not exist")
            }
            Operator::GreaterThan | Operator::LessThan if values.len() != 1 => {
                Some("for 'Gt', 'Lt' operators, exactly one value is required")
            }
            _ => None,
        };
        if let Some(detail) = count_err {
            errs.push(format!(
                "values: Invalid value: {}: {detail}",
                gofmt::strings(values.iter().copied())
            ));
        }
        if matches!(op, Operator::GreaterThan | Operator::LessThan) {
            for (i, v) in values.iter().enumerate() {
                if v.parse::<i64>().is_err() {
                    errs.push(format!(
                        "values[{i}]: Invalid value: {}: for 'Gt', 'Lt' operators, the value must be an integer",
                        quote(v)
                    ));
                }
            }
        }
        for (i, v) in values.iter().enumerate() {
            let msgs = is_label_value(v);
            if !msgs.is_empty() {
                errs.push(format!(
                    "values[{i}][{key}]: Invalid value: {}: {}",
                    quote(v),
                    msgs.join("; ")
                ));
            }
        }
        if !errs.is_empty() {
            return Err(aggregate(errs));
        }
        Ok(Requirement {
            key: key.into(),
            op,
            values: values.into_iter().map(Box::from).collect(),
        })
    }

    /// The label key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The operator.
    pub fn operator(&self) -> Operator {
        self.op
    }

    /// The values, as given.
    pub fn values(&self) -> impl Iterator<Item = &str> {
        self.values.iter().map(|v| &**v)
    }

    fn has_value(&self, v: &str) -> bool {
        self.values.iter().any(|x| &**x == v)
    }

    /// True when `labels` satisfies this requirement.
    pub fn matches(&self, labels: &Value) -> bool {
        let found = labels.get(&self.key).as_str();
        match self.op {
            Operator::In | Operator::Equals | Operator::DoubleEquals => {
                found.is_some_and(|v| self.has_value(v))
            }
            Operator::NotIn | Operator::NotEquals => found.is_none_or(|v| !self.has_value(v)),
            Operator::Exists => found.is_some(),
            Operator::DoesNotExist => found.is_none(),
            Operator::GreaterThan | Operator::LessThan => {
                let (Some(l), [r]) = (found.and_then(|v| v.parse::<i64>().ok()), &self.values[..])
                else {
                    return false;
                };
                let Ok(r) = r.parse::<i64>() else {
                    return false;
                };
                if self.op == Operator::GreaterThan {
                    l > r
                } else {
                    l < r
                }
            }
        }
    }
}

impl fmt::Display for Requirement {
    /// `Requirement.String()`: `!k`, `k`, `k=v`, `k in (a,b)` (values sorted).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.op == Operator::DoesNotExist {
            f.write_str("!")?;
        }
        f.write_str(&self.key)?;
        let sep = match self.op {
            Operator::Equals => "=",
            Operator::DoubleEquals => "==",
            Operator::NotEquals => "!=",
            Operator::In => " in ",
            Operator::NotIn => " notin ",
            Operator::GreaterThan => ">",
            Operator::LessThan => "<",
            Operator::Exists | Operator::DoesNotExist => return Ok(()),
        };
        f.write_str(sep)?;
        let set = matches!(self.op, Operator::In | Operator::NotIn);
        if set {
            f.write_str("(")?;
        }
        let mut vals: Vec<&str> = self.values().collect();
        vals.compact_sort();
        f.write_str(&vals.join(","))?;
        if set {
            f.write_str(")")?;
        }
        Ok(())
    }
}

/// A parsed selector: requirements ANDed together, sorted by key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selector {
    requirements: Vec<Requirement>,
    nothing: bool,
}

impl Selector {
    /// Matches every label set (`labels.Everything()`).
    pub fn everything() -> Selector {
        Selector {
            requirements: Vec::new(),
            nothing: false,
        }
    }

    /// Matches no label set (`labels.Nothing()`, a nil LabelSelector).
    pub fn nothing() -> Selector {
        Selector {
            requirements: Vec::new(),
            nothing: true,
        }
    }

    /// Builds a selector from requirements, sorting them by key.
    pub fn from_requirements(mut requirements: Vec<Requirement>) -> Selector {
        requirements.compact_sort_by(|a, b| a.key.cmp(&b.key));
        Selector {
            requirements,
            nothing: false,
        }
    }

    /// `metav1.LabelSelectorAsSelector`: a LabelSelector object
    /// (`{matchLabels, matchExpressions}`). `null` (or a non-object) selects
    /// nothing, `{}` selects everything. The error is apimachinery's text,
    /// e.g. `"Foo" is not a valid label selector operator`.
    pub fn from_value(selector: &Value) -> Result<Selector, String> {
        if selector.as_object().is_none() {
            return Ok(Selector::nothing());
        }
        let mut reqs = Vec::new();
        for (k, v) in selector.get("matchLabels").members() {
            let Some(v) = v.as_str() else { continue };
            reqs.push(Requirement::new(k, Operator::Equals, vec![v])?);
        }
        for e in selector.get("matchExpressions").items() {
            let op_text = e.get("operator").as_str().unwrap_or("");
            let op = match op_text {
                "In" => Operator::In,
                "NotIn" => Operator::NotIn,
                "Exists" => Operator::Exists,
                "DoesNotExist" => Operator::DoesNotExist,
                other => {
                    return Err(format!(
                        "{} is not a valid label selector operator",
                        quote(other)
                    ));
                }
            };
            let key = e.get("key").as_str().unwrap_or("");
            let values: Vec<&str> = e.get("values").items().filter_map(Value::as_str).collect();
            reqs.push(Requirement::new(key, op, values)?);
        }
        Ok(Selector::from_requirements(reqs))
    }

    /// `labels.SelectorFromSet`: equality on every member of a label map
    /// (a Service's `spec.selector`). Empty or `null` selects everything;
    /// callers that treat a missing Service selector as "no endpoints"
    /// check for `null` themselves. Not validated.
    pub fn from_set(set: &Value) -> Selector {
        let reqs = set
            .members()
            .filter_map(|(k, v)| {
                v.as_str().map(|v| Requirement {
                    key: k.into(),
                    op: Operator::Equals,
                    values: vec![v.into()],
                })
            })
            .collect();
        // Members are already sorted (the map is ordered).
        Selector {
            requirements: reqs,
            nothing: false,
        }
    }

    /// `labels.Parse`: kubectl's `-l`/`--selector` syntax. The error is the
    /// exact text apimachinery returns (the API server wraps it as
    /// `Unable to find "/v1, Resource=pods" that match label selector "…",
    /// field selector "": <error>`).
    pub fn parse(selector: &str) -> Result<Selector, String> {
        let mut p = Parser {
            items: lex(selector),
            pos: 0,
        };
        let reqs = p.parse()?;
        Ok(Selector::from_requirements(reqs))
    }

    /// True when `labels` (an object of strings) satisfies every requirement.
    /// Allocation-free.
    pub fn matches(&self, labels: &Value) -> bool {
        !self.nothing && self.requirements.iter().all(|r| r.matches(labels))
    }

    /// `Empty()`: true when the selector does not restrict anything
    /// (everything). A nothing-selector is not empty.
    pub fn is_empty(&self) -> bool {
        !self.nothing && self.requirements.is_empty()
    }

    /// True for the nothing-selector (from a `null` LabelSelector).
    pub fn is_nothing(&self) -> bool {
        self.nothing
    }

    /// The requirements, sorted by key.
    pub fn requirements(&self) -> &[Requirement] {
        &self.requirements
    }
}

impl fmt::Display for Selector {
    /// `Selector.String()`: requirements joined by `,` (empty for
    /// everything and nothing).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.requirements.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{r}")?;
        }
        Ok(())
    }
}

/// `utilerrors.NewAggregate(..).Error()`: one message alone, several as
/// `[a, b]`, duplicates dropped.
fn aggregate(mut errs: Vec<String>) -> String {
    let mut seen: Vec<String> = Vec::new();
    for e in errs.drain(..) {
        if !seen.contains(&e) {
            seen.push(e);
        }
    }
    if seen.len() == 1 {
        seen.pop().unwrap_or_default()
    } else {
        format!("[{}]", seen.join(", "))
    }
}

/// True when `labels` satisfies the LabelSelector object `selector`, without
/// allocating. A `null` selector matches nothing, `{}` everything; a
/// selector that does not convert (bad operator) matches nothing.
pub fn matches(selector: &Value, labels: &Value) -> bool {
    if selector.as_object().is_none() {
        return false;
    }
    for (k, v) in selector.get("matchLabels").members() {
        if let Some(v) = v.as_str()
            && labels.get(k).as_str() != Some(v)
        {
            return false;
        }
    }
    for e in selector.get("matchExpressions").items() {
        let key = e.get("key").as_str().unwrap_or("");
        let found = labels.get(key).as_str();
        let mut values = e.get("values").items().filter_map(Value::as_str);
        let ok = match e.get("operator").as_str() {
            Some("In") => found.is_some_and(|f| values.any(|v| v == f)),
            Some("NotIn") => found.is_none_or(|f| !values.any(|v| v == f)),
            Some("Exists") => found.is_some(),
            Some("DoesNotExist") => found.is_none(),
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    true
}

/// `metav1.FormatLabelSelector`: how kubectl prints a LabelSelector in
/// `-o wide` and `describe` (`app=web,tier in (a,b)`), `<none>` when it
/// selects everything or nothing, `<error>` when it does not convert.
pub fn format_label_selector(selector: &Value) -> String {
    match Selector::from_value(selector) {
        Ok(s) => {
            let out = s.to_string();
            if out.is_empty() {
                "<none>".to_string()
            } else {
                out
            }
        }
        Err(_) => "<error>".to_string(),
    }
}

/// `labels.FormatLabels`: a label map as `k=v,k2=v2` (sorted), `<none>` when
/// empty (Service selectors, `--show-labels`).
pub fn format_labels(labels: &Value) -> String {
    let mut out = String::new();
    for (k, v) in labels.members() {
        let Some(v) = v.as_str() else { continue };
        if !out.is_empty() {
            out.push(',');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
    if out.is_empty() {
        "<none>".to_string()
    } else {
        out
    }
}

/// `ValidateLabels`: every key a valid label key and every value a valid
/// label value; errors are reported on `path` itself, as upstream does.
pub fn validate_labels(labels: &Value, path: &Path, errs: &mut Vec<FieldError>) {
    for (k, v) in labels.members() {
        validate_label_name(k, path, errs);
        if let Some(v) = v.as_str() {
            for m in is_label_value(v) {
                errs.push(FieldError::invalid(&path.to_string(), quote(v), &m));
            }
        }
    }
}

/// `ValidateLabelName`: a label key (also used for taint and toleration keys).
pub fn validate_label_name(key: &str, path: &Path, errs: &mut Vec<FieldError>) {
    for m in is_label_key(key) {
        errs.push(FieldError::invalid(&path.to_string(), quote(key), &m));
    }
}

/// `ValidateLabelSelector` (with `AllowInvalidLabelValueInSelector: false`):
/// the rules for a LabelSelector object at `path`.
// A guard would let a known operator fall through to "not a valid operator".
#[allow(clippy::collapsible_match)]
pub fn validate_label_selector(selector: &Value, path: &Path, errs: &mut Vec<FieldError>) {
    if selector.as_object().is_none() {
        return;
    }
    let ml = path.child("matchLabels");
    validate_labels(selector.get("matchLabels"), &ml, errs);
    let me = path.child("matchExpressions");
    for (i, e) in selector.get("matchExpressions").items().enumerate() {
        let p = me.index(i);
        let values = e.get("values");
        let n = values.as_array().map_or(0, <[Value]>::len);
        match e.get("operator").as_str() {
            Some("In" | "NotIn") => {
                if n == 0 {
                    errs.push(FieldError::required(
                        &p.child("values").to_string(),
                        "must be specified when `operator` is 'In' or 'NotIn'",
                    ));
                }
            }
            Some("Exists" | "DoesNotExist") => {
                if n > 0 {
                    errs.push(FieldError::forbidden(
                        &p.child("values").to_string(),
                        "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                    ));
                }
            }
            Some(other) => errs.push(FieldError::invalid(
                &p.child("operator").to_string(),
                quote(other),
                "not a valid selector operator",
            )),
            None if e.get("operator").is_null() => errs.push(FieldError::invalid(
                &p.child("operator").to_string(),
                quote(""),
                "not a valid selector operator",
            )),
            None => {}
        }
        if let Some(key) = e
            .get("key")
            .as_str()
            .or(e.get("key").is_null().then_some(""))
        {
            validate_label_name(key, &p.child("key"), errs);
        }
        let vp = p.child("values");
        for (j, v) in values.items().enumerate() {
            if let Some(v) = v.as_str() {
                for m in is_label_value(v) {
                    errs.push(FieldError::invalid(&vp.index(j).to_string(), quote(v), &m));
                }
            }
        }
    }
}

// ------------------------------------------------------------ the -l parser

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tok {
    Error,
    End,
    ClosedPar,
    Comma,
    DoesNotExist,
    DoubleEquals,
    Equals,
    GreaterThan,
    Identifier,
    In,
    LessThan,
    NotEquals,
    NotIn,
    OpenPar,
}

fn token_for(s: &str) -> Option<Tok> {
    Some(match s {
        ")" => Tok::ClosedPar,
        "," => Tok::Comma,
        "!" => Tok::DoesNotExist,
        "==" => Tok::DoubleEquals,
        "=" => Tok::Equals,
        ">" => Tok::GreaterThan,
        "in" => Tok::In,
        "<" => Tok::LessThan,
        "!=" => Tok::NotEquals,
        "notin" => Tok::NotIn,
        "(" => Tok::OpenPar,
        _ => return None,
    })
}

fn is_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_special(b: u8) -> bool {
    matches!(b, b'=' | b'!' | b'(' | b')' | b',' | b'>' | b'<')
}

/// Scans the whole input into tokens, as the Go lexer does before parsing.
/// A NUL byte ends the input, like Go's `read()` returning 0.
fn lex(s: &str) -> Vec<(Tok, String)> {
    let b = s.as_bytes();
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    let b = &b[..end];
    let mut pos = 0;
    let mut out = Vec::new();
    loop {
        while pos < b.len() && is_whitespace(b[pos]) {
            pos += 1;
        }
        if pos >= b.len() {
            out.push((Tok::End, String::new()));
            return out;
        }
        let start = pos;
        if is_special(b[pos]) {
            // Longest run of symbols that still forms a known token.
            let mut last: Option<(Tok, usize)> = None;
            while pos < b.len() && is_special(b[pos]) {
                let cand = String::from_utf8_lossy(&b[start..=pos]);
                if let Some(t) = token_for(&cand) {
                    last = Some((t, pos + 1));
                } else if last.is_some() {
                    break;
                }
                pos += 1;
            }
            match last {
                Some((t, e)) => {
                    pos = e;
                    out.push((t, String::from_utf8_lossy(&b[start..e]).into_owned()));
                }
                None => out.push((
                    Tok::Error,
                    format!(
                        "error expected: keyword found '{}'",
                        String::from_utf8_lossy(&b[start..pos])
                    ),
                )),
            }
        } else {
            while pos < b.len() && !is_special(b[pos]) && !is_whitespace(b[pos]) {
                pos += 1;
            }
            let lit = String::from_utf8_lossy(&b[start..pos]).into_owned();
            let t = match token_for(&lit) {
                Some(t @ (Tok::In | Tok::NotIn)) => t,
                _ => Tok::Identifier,
            };
            out.push((t, lit));
        }
    }
}

struct Parser {
    items: Vec<(Tok, String)>,
    pos: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctx {
    KeyAndOperator,
    Values,
}

impl Parser {
    fn item(&self, i: usize, ctx: Ctx) -> (Tok, String) {
        // Past the end behaves like the end token (Go would index out of
        // range only on malformed streams, which `lex` never produces).
        let (t, l) = self
            .items
            .get(i)
            .cloned()
            .unwrap_or((Tok::End, String::new()));
        let t = match (ctx, t) {
            (Ctx::Values, Tok::In | Tok::NotIn) => Tok::Identifier,
            _ => t,
        };
        (t, l)
    }

    fn lookahead(&self, ctx: Ctx) -> (Tok, String) {
        self.item(self.pos, ctx)
    }

    fn consume(&mut self, ctx: Ctx) -> (Tok, String) {
        self.pos += 1;
        self.item(self.pos - 1, ctx)
    }

    fn parse(&mut self) -> Result<Vec<Requirement>, String> {
        let mut reqs = Vec::new();
        loop {
            let (tok, lit) = self.lookahead(Ctx::Values);
            match tok {
                Tok::Identifier | Tok::DoesNotExist => {
                    let r = self
                        .parse_requirement()
                        .map_err(|e| format!("unable to parse requirement: {e}"))?;
                    reqs.push(r);
                    let (t, l) = self.consume(Ctx::Values);
                    match t {
                        Tok::End => return Ok(reqs),
                        Tok::Comma => {
                            let (t2, l2) = self.lookahead(Ctx::Values);
                            if t2 != Tok::Identifier && t2 != Tok::DoesNotExist {
                                return Err(format!(
                                    "found '{l2}', expected: identifier after ','"
                                ));
                            }
                        }
                        _ => {
                            return Err(format!("found '{l}', expected: ',' or 'end of string'"));
                        }
                    }
                }
                Tok::End => return Ok(reqs),
                _ => {
                    return Err(format!(
                        "found '{lit}', expected: !, identifier, or 'end of string'"
                    ));
                }
            }
        }
    }

    fn parse_requirement(&mut self) -> Result<Requirement, String> {
        let (key, op) = self.parse_key_and_infer_operator()?;
        if let Some(op @ (Operator::Exists | Operator::DoesNotExist)) = op {
            return Requirement::new(&key, op, Vec::new());
        }
        let op = self.parse_operator()?;
        let values = match op {
            Operator::In | Operator::NotIn => self.parse_values()?,
            _ => self.parse_exact_value()?,
        };
        Requirement::new(&key, op, values.iter().map(String::as_str).collect())
    }

    fn parse_key_and_infer_operator(&mut self) -> Result<(String, Option<Operator>), String> {
        let mut op = None;
        let (mut tok, mut lit) = self.consume(Ctx::Values);
        if tok == Tok::DoesNotExist {
            op = Some(Operator::DoesNotExist);
            (tok, lit) = self.consume(Ctx::Values);
        }
        if tok != Tok::Identifier {
            return Err(format!("found '{lit}', expected: identifier"));
        }
        let key_errs = is_label_key(&lit);
        if !key_errs.is_empty() {
            // The parser has no field path, so Go prints a nil path.
            return Err(format!(
                "<nil>: Invalid value: {}: {}",
                quote(&lit),
                key_errs.join("; ")
            ));
        }
        let (t, _) = self.lookahead(Ctx::Values);
        if (t == Tok::End || t == Tok::Comma) && op != Some(Operator::DoesNotExist) {
            op = Some(Operator::Exists);
        }
        Ok((lit, op))
    }

    fn parse_operator(&mut self) -> Result<Operator, String> {
        let (tok, lit) = self.consume(Ctx::KeyAndOperator);
        Ok(match tok {
            Tok::In => Operator::In,
            Tok::Equals => Operator::Equals,
            Tok::DoubleEquals => Operator::DoubleEquals,
            Tok::GreaterThan => Operator::GreaterThan,
            Tok::LessThan => Operator::LessThan,
            Tok::NotIn => Operator::NotIn,
            Tok::NotEquals => Operator::NotEquals,
            _ => {
                return Err(format!(
                    "found '{lit}', expected: in, notin, =, ==, !=, gt, lt"
                ));
            }
        })
    }

    /// `(a,b,c)`; the result is a sorted set, like Go's `sets.String`.
    fn parse_values(&mut self) -> Result<Vec<String>, String> {
        let (tok, lit) = self.consume(Ctx::Values);
        if tok != Tok::OpenPar {
            return Err(format!("found '{lit}' expected: '('"));
        }
        let (tok, lit) = self.lookahead(Ctx::Values);
        match tok {
            Tok::Identifier | Tok::Comma => {
                let s = self.parse_identifiers_list()?;
                let (tok, _) = self.consume(Ctx::Values);
                if tok != Tok::ClosedPar {
                    // Go reports the literal seen before the list.
                    return Err(format!("found '{lit}', expected: ')'"));
                }
                Ok(s)
            }
            Tok::ClosedPar => {
                self.consume(Ctx::Values);
                Ok(vec![String::new()])
            }
            _ => Err(format!("found '{lit}', expected: ',', ')' or identifier")),
        }
    }

    fn parse_identifiers_list(&mut self) -> Result<Vec<String>, String> {
        let mut set: Vec<String> = Vec::new();
        let insert = |set: &mut Vec<String>, v: &str| {
            if let Err(i) = set.binary_search_by(|x| x.as_str().cmp(v)) {
                set.insert(i, v.to_string());
            }
        };
        loop {
            let (tok, lit) = self.consume(Ctx::Values);
            match tok {
                Tok::Identifier => {
                    insert(&mut set, &lit);
                    let (tok2, lit2) = self.lookahead(Ctx::Values);
                    match tok2 {
                        Tok::Comma => continue,
                        Tok::ClosedPar => return Ok(set),
                        _ => return Err(format!("found '{lit2}', expected: ',' or ')'")),
                    }
                }
                Tok::Comma => {
                    if set.is_empty() {
                        insert(&mut set, "");
                    }
                    let (tok2, _) = self.lookahead(Ctx::Values);
                    if tok2 == Tok::ClosedPar {
                        insert(&mut set, "");
                        return Ok(set);
                    }
                    if tok2 == Tok::Comma {
                        insert(&mut set, "");
                    }
                }
                _ => return Err(format!("found '{lit}', expected: ',', or identifier")),
            }
        }
    }

    fn parse_exact_value(&mut self) -> Result<Vec<String>, String> {
        let (tok, _) = self.lookahead(Ctx::Values);
        if tok == Tok::End || tok == Tok::Comma {
            return Ok(vec![String::new()]);
        }
        let (tok, lit) = self.consume(Ctx::Values);
        if tok == Tok::Identifier {
            Ok(vec![lit])
        } else {
            Err(format!("found '{lit}', expected: identifier"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml;

    fn v(s: &str) -> Value {
        yaml::load_str(s).unwrap()[0].root.to_value()
    }

    fn labels(pairs: &[(&str, &str)]) -> Value {
        Value::from_pairs(pairs.iter().map(|(k, v)| (*k, Value::str(v))))
    }

    #[test]
    fn label_selector_objects_match() {
        let sel = v(
            "matchLabels: {app: web}\nmatchExpressions:\n- {key: tier, operator: In, values: [a, b]}\n- {key: canary, operator: DoesNotExist}\n",
        );
        let s = Selector::from_value(&sel).unwrap();
        assert!(s.matches(&labels(&[("app", "web"), ("tier", "a")])));
        assert!(!s.matches(&labels(&[("app", "web"), ("tier", "c")])));
        assert!(!s.matches(&labels(&[("app", "web"), ("tier", "a"), ("canary", "")])));
        assert!(matches(&sel, &labels(&[("app", "web"), ("tier", "b")])));
        assert!(!matches(&sel, &labels(&[("app", "web")])));
        assert_eq!(s.to_string(), "app=web,!canary,tier in (a,b)");
        assert_eq!(format_label_selector(&sel), "app=web,!canary,tier in (a,b)");
        // nil selects nothing, {} everything.
        assert!(
            !Selector::from_value(&Value::Null)
                .unwrap()
                .matches(&labels(&[]))
        );
        assert!(
            Selector::from_value(&Value::object())
                .unwrap()
                .matches(&labels(&[]))
        );
        assert!(!matches(&Value::Null, &labels(&[])));
        assert!(matches(&Value::object(), &labels(&[])));
        assert_eq!(format_label_selector(&Value::Null), "<none>");
        assert_eq!(format_label_selector(&Value::object()), "<none>");
        let not_in = v(
            "matchExpressions: [{key: env, operator: NotIn, values: [prod]}, {key: x, operator: Exists}]",
        );
        assert_eq!(format_label_selector(&not_in), "env notin (prod),x");
        assert!(
            Selector::from_value(&not_in)
                .unwrap()
                .matches(&labels(&[("x", "1")]))
        );
    }

    #[test]
    fn label_selector_conversion_errors() {
        let bad = v("matchExpressions: [{key: a, operator: Foo}]");
        assert_eq!(
            Selector::from_value(&bad).unwrap_err(),
            "\"Foo\" is not a valid label selector operator"
        );
        assert_eq!(format_label_selector(&bad), "<error>");
        let empty_in = v("matchExpressions: [{key: a, operator: In, values: []}]");
        assert_eq!(
            Selector::from_value(&empty_in).unwrap_err(),
            "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty"
        );
        let exists_vals = v("matchExpressions: [{key: a, operator: Exists, values: [x]}]");
        assert_eq!(
            Selector::from_value(&exists_vals).unwrap_err(),
            "values: Invalid value: []string{\"x\"}: values set must be empty for exists and does not exist"
        );
    }

    #[test]
    fn kubectl_selector_strings_parse() {
        let s = Selector::parse("app=web, tier in (b,a),!canary,env!=prod,x").unwrap();
        assert_eq!(s.to_string(), "app=web,!canary,env!=prod,tier in (a,b),x");
        assert!(s.matches(&labels(&[("app", "web"), ("tier", "a"), ("x", "")])));
        assert!(!s.matches(&labels(&[
            ("app", "web"),
            ("tier", "a"),
            ("x", ""),
            ("env", "prod")
        ])));
        let s = Selector::parse("a==b,c notin (d)").unwrap();
        assert_eq!(s.to_string(), "a==b,c notin (d)");
        assert!(Selector::parse("").unwrap().is_empty());
        let s = Selector::parse("n>3").unwrap();
        assert!(s.matches(&labels(&[("n", "4")])));
        assert!(!s.matches(&labels(&[("n", "3")])));
        // Values may be empty and the keyword `in` may be a value.
        let s = Selector::parse("x in (in,,)").unwrap();
        assert_eq!(s.to_string(), "x in (,in)");
        let s = Selector::parse("a=").unwrap();
        assert!(s.matches(&labels(&[("a", "")])));
    }

    #[test]
    fn kubectl_selector_parse_errors_match_apimachinery() {
        let cases = [
            (
                "a b",
                "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt",
            ),
            ("a=b c", "found 'c', expected: ',' or 'end of string'"),
            ("a=b,", "found '', expected: identifier after ','"),
            (
                "=a",
                "found '=', expected: !, identifier, or 'end of string'",
            ),
            (
                "a in b",
                "unable to parse requirement: found 'b' expected: '('",
            ),
            (
                "a in (b",
                "unable to parse requirement: found '', expected: ',' or ')'",
            ),
            (
                "a in (b c)",
                "unable to parse requirement: found 'c', expected: ',' or ')'",
            ),
            (
                "a in (=)",
                "unable to parse requirement: found '=', expected: ',', ')' or identifier",
            ),
            (
                "a notin",
                "unable to parse requirement: found '' expected: '('",
            ),
            (
                "a (b)",
                "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt",
            ),
            (
                "a=(",
                "unable to parse requirement: found '(', expected: identifier",
            ),
            (
                "!",
                "unable to parse requirement: found '', expected: identifier",
            ),
            ("!a=b", "found '=', expected: ',' or 'end of string'"),
        ];
        for (input, want) in cases {
            assert_eq!(Selector::parse(input).unwrap_err(), want, "{input:?}");
        }
        assert_eq!(
            Selector::parse("-ltier=postgres").unwrap_err(),
            "unable to parse requirement: <nil>: Invalid value: \"-ltier\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
        );
        assert_eq!(
            Selector::parse("app=-x").unwrap_err(),
            "unable to parse requirement: values[0][app]: Invalid value: \"-x\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
        );
        assert_eq!(
            Selector::parse("a>b").unwrap_err(),
            "unable to parse requirement: values[0]: Invalid value: \"b\": for 'Gt', 'Lt' operators, the value must be an integer"
        );
    }

    #[test]
    fn label_selector_validation_messages() {
        let sel = v(
            "matchLabels: {'-bad': ok}\nmatchExpressions:\n- {key: a, operator: In}\n- {key: b, operator: Exists, values: [x]}\n- {key: c, operator: Foo}\n",
        );
        let mut errs = Vec::new();
        let p = Path::new("spec");
        validate_label_selector(&sel, &p.child("selector"), &mut errs);
        let texts: Vec<String> = errs.iter().map(ToString::to_string).collect();
        assert_eq!(
            texts[0],
            "spec.selector.matchLabels: Invalid value: \"-bad\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
        );
        assert_eq!(
            texts[1],
            "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"
        );
        assert_eq!(
            texts[2],
            "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"
        );
        assert_eq!(
            texts[3],
            "spec.selector.matchExpressions[2].operator: Invalid value: \"Foo\": not a valid selector operator"
        );
        assert_eq!(texts.len(), 4);
    }

    #[test]
    fn sets_and_labels_format() {
        let set = labels(&[("b", "2"), ("a", "1")]);
        assert_eq!(format_labels(&set), "a=1,b=2");
        assert_eq!(format_labels(&Value::Null), "<none>");
        let s = Selector::from_set(&set);
        assert!(s.matches(&labels(&[("a", "1"), ("b", "2"), ("c", "3")])));
        assert!(Selector::from_set(&Value::Null).matches(&labels(&[])));
    }
}
