//! Command-line flags the way spf13/pflag parses them for kubectl: flags may
//! appear anywhere among the arguments, `--` ends them, `--name=value`,
//! `--name value`, `-n value`, `-nvalue`, `-n=value`, grouped boolean
//! shorthands (`-Ap`), and pflag's own error texts.

use std::collections::BTreeMap;

/// The type of a flag's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `true`/`false`; given alone it means true.
    Bool,
    /// A string; the last occurrence wins.
    Str,
    /// A whole number (pflag's `Int`/`Int64`).
    Int,
    /// A 32-bit whole number (pflag's `Int32`).
    Int32,
    /// A Go duration (`30s`, `1m30s`, `0`).
    Duration,
    /// Repeatable; every occurrence is kept (`StringArray`).
    Array,
    /// Repeatable and comma-separated (`StringSlice`).
    Slice,
}

/// One flag a command accepts.
#[derive(Clone, Copy, Debug)]
pub struct Flag {
    /// The long name, without dashes.
    pub name: &'static str,
    /// The one-letter shorthand.
    pub short: Option<char>,
    /// The value type.
    pub kind: Kind,
    /// The value used when the flag is given without one (pflag's
    /// `NoOptDefVal`; `true` for booleans).
    pub no_opt: Option<&'static str>,
    /// Why Kubeplay does not support it, when it does not.
    pub unsupported: Option<&'static str>,
}

impl Flag {
    /// A flag with a long name only.
    pub const fn new(name: &'static str, kind: Kind) -> Flag {
        Flag {
            name,
            short: None,
            kind,
            no_opt: match kind {
                Kind::Bool => Some("true"),
                _ => None,
            },
            unsupported: None,
        }
    }

    /// The same flag with a shorthand.
    pub const fn short(mut self, c: char) -> Flag {
        self.short = Some(c);
        self
    }

    /// The same flag with a value for when it is given alone.
    pub const fn no_opt(mut self, v: &'static str) -> Flag {
        self.no_opt = Some(v);
        self
    }

    /// The same flag, accepted but refused with `why`.
    pub const fn unsupported(mut self, why: &'static str) -> Flag {
        self.unsupported = Some(why);
        self
    }

    /// How pflag names the flag in value errors: `--replicas` or
    /// `-r, --replicas`.
    fn display(&self) -> String {
        match self.short {
            Some(c) => format!("-{c}, --{}", self.name),
            None => format!("--{}", self.name),
        }
    }
}

/// The flags given and the positional arguments left.
#[derive(Clone, Debug, Default)]
pub struct Parsed {
    values: BTreeMap<&'static str, Vec<String>>,
    /// Arguments that are not flags, in order.
    pub args: Vec<String>,
    /// Whether `-h`/`--help` was given.
    pub help: bool,
    /// Flags that were given but Kubeplay does not support, with why.
    pub unsupported: Vec<(&'static str, &'static str)>,
    /// How many arguments came before `--`, when it was given (cobra's
    /// `ArgsLenAtDash`).
    pub dash: Option<usize>,
    /// Every flag given, in order, with its value as given (what
    /// `--record` writes into the change cause).
    pub given: Vec<(&'static str, String)>,
}

impl Parsed {
    /// True when the flag was given.
    pub fn changed(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }

    /// The flag's value (the last one given).
    pub fn str(&self, name: &str) -> Option<&str> {
        self.values
            .get(name)
            .and_then(|v| v.last())
            .map(String::as_str)
    }

    /// The flag's value or "".
    pub fn str_or_empty(&self, name: &str) -> &str {
        self.str(name).unwrap_or("")
    }

    /// Every value given for a repeatable flag.
    pub fn all(&self, name: &str) -> &[String] {
        self.values.get(name).map(Vec::as_slice).unwrap_or(&[])
    }

    /// A boolean flag (false when absent).
    pub fn bool(&self, name: &str) -> bool {
        self.str(name).is_some_and(|v| parse_bool(v) == Some(true))
    }

    /// A boolean flag with a default.
    pub fn bool_or(&self, name: &str, default: bool) -> bool {
        match self.str(name) {
            Some(v) => parse_bool(v).unwrap_or(default),
            None => default,
        }
    }

    /// A numeric flag (already validated while parsing).
    pub fn int(&self, name: &str) -> Option<i64> {
        self.str(name).and_then(|v| parse_go_int(v).ok())
    }

    /// A duration flag in milliseconds (already validated while parsing).
    pub fn duration_ms(&self, name: &str) -> Option<i64> {
        self.str(name).and_then(|v| parse_go_duration(v).ok())
    }
}

/// A parse failure, worded as pflag words it (kubectl adds the usage hint).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlagError(pub String);

/// Go's `strconv.ParseBool`.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)` error texts.
pub fn parse_go_int(s: &str) -> Result<i64, String> {
    let syntax = || format!("strconv.ParseInt: parsing {}: invalid syntax", go_quote(s));
    let (neg, digits) = match s.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (radix, body) = if let Some(h) = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        (16, h)
    } else if let Some(b) = digits
        .strip_prefix("0b")
        .or_else(|| digits.strip_prefix("0B"))
    {
        (2, b)
    } else if let Some(o) = digits
        .strip_prefix("0o")
        .or_else(|| digits.strip_prefix("0O"))
    {
        (8, o)
    } else if digits.len() > 1 && digits.starts_with('0') {
        (8, &digits[1..])
    } else {
        (10, digits)
    };
    let body: String = body.chars().filter(|c| *c != '_').collect();
    if body.is_empty() || !body.chars().all(|c| c.is_digit(radix)) {
        return Err(syntax());
    }
    match i128::from_str_radix(&body, radix) {
        Ok(v) => {
            let v = if neg { -v } else { v };
            i64::try_from(v).map_err(|_| {
                format!(
                    "strconv.ParseInt: parsing {}: value out of range",
                    go_quote(s)
                )
            })
        }
        Err(_) => Err(format!(
            "strconv.ParseInt: parsing {}: value out of range",
            go_quote(s)
        )),
    }
}

/// Go's `time.ParseDuration`, in milliseconds.
pub fn parse_go_duration(s: &str) -> Result<i64, String> {
    let invalid = || format!("time: invalid duration {}", go_quote(s));
    let (neg, mut rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut total_ns: f64 = 0.0;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_len == 0 {
            return Err(invalid());
        }
        let number = crate::num::parse_f64(&rest[..num_len]).ok_or_else(invalid)?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let scale = match unit {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            "" => return Err(format!("time: missing unit in duration {}", go_quote(s))),
            _ => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    go_quote(unit),
                    go_quote(s)
                ));
            }
        };
        total_ns += number * scale;
    }
    let ms = (total_ns / 1e6) as i64;
    Ok(if neg { -ms } else { ms })
}

/// Go's `%q` for a string.
pub fn go_quote(s: &str) -> String {
    crate::api::errors::quote(s)
}

/// Parses `args` against `flags`, pflag style.
pub fn parse(flags: &[&[Flag]], args: &[String]) -> Result<Parsed, FlagError> {
    let find_long = |name: &str| flags.iter().flat_map(|g| g.iter()).find(|f| f.name == name);
    let find_short = |c: char| {
        flags
            .iter()
            .flat_map(|g| g.iter())
            .find(|f| f.short == Some(c))
    };
    let mut parsed = Parsed::default();
    let mut i = 0;
    while i < args.len() {
        let s = &args[i];
        i += 1;
        if s.len() < 2 || !s.starts_with('-') {
            parsed.args.push(s.clone());
            continue;
        }
        if let Some(long) = s.strip_prefix("--") {
            if long.is_empty() {
                parsed.dash = Some(parsed.args.len());
                parsed.args.extend(args[i..].iter().cloned());
                break;
            }
            if long.starts_with('-') || long.starts_with('=') {
                return Err(FlagError(format!("bad flag syntax: {s}")));
            }
            let (name, value) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            let Some(flag) = find_long(name) else {
                if name == "help" {
                    parsed.help = true;
                    continue;
                }
                return Err(FlagError(format!("unknown flag: --{name}")));
            };
            let value = match value {
                Some(v) => v,
                None => match flag.no_opt {
                    Some(d) => d.to_string(),
                    None if i < args.len() => {
                        i += 1;
                        args[i - 1].clone()
                    }
                    None => return Err(FlagError(format!("flag needs an argument: {s}"))),
                },
            };
            set(&mut parsed, flag, value)?;
            continue;
        }
        // Shorthands: `-abc`, `-nvalue`, `-n=value`, `-n value`.
        let mut shorthands: &str = &s[1..];
        while let Some(c) = shorthands.chars().next() {
            let after = &shorthands[c.len_utf8()..];
            let Some(flag) = find_short(c) else {
                if c == 'h' {
                    parsed.help = true;
                    shorthands = after;
                    continue;
                }
                return Err(FlagError(format!(
                    "unknown shorthand flag: {} in -{shorthands}",
                    go_rune(c)
                )));
            };
            let value;
            if let Some(v) = after.strip_prefix('=') {
                value = v.to_string();
                shorthands = "";
            } else if let Some(d) = flag.no_opt {
                value = d.to_string();
                shorthands = after;
            } else if !after.is_empty() {
                value = after.to_string();
                shorthands = "";
            } else if i < args.len() {
                value = args[i].clone();
                i += 1;
                shorthands = "";
            } else {
                return Err(FlagError(format!(
                    "flag needs an argument: {} in -{shorthands}",
                    go_rune(c)
                )));
            }
            set(&mut parsed, flag, value)?;
        }
    }
    Ok(parsed)
}

/// Go's `%q` of a rune (`'x'`).
fn go_rune(c: char) -> String {
    match c {
        '\'' => "'\\''".to_string(),
        '\\' => "'\\\\'".to_string(),
        c if c.is_control() => format!("'\\x{:02x}'", c as u32),
        c => format!("'{c}'"),
    }
}

fn set(parsed: &mut Parsed, flag: &Flag, value: String) -> Result<(), FlagError> {
    let invalid = |err: String| {
        FlagError(format!(
            "invalid argument {} for {} flag: {err}",
            go_quote(&value),
            go_quote(&flag.display())
        ))
    };
    match flag.kind {
        Kind::Bool => {
            if parse_bool(&value).is_none() {
                return Err(invalid(format!(
                    "strconv.ParseBool: parsing {}: invalid syntax",
                    go_quote(&value)
                )));
            }
        }
        Kind::Int => {
            parse_go_int(&value).map_err(invalid)?;
        }
        Kind::Int32 => {
            let v = parse_go_int(&value).map_err(invalid)?;
            if i32::try_from(v).is_err() {
                return Err(invalid(format!(
                    "strconv.ParseInt: parsing {}: value out of range",
                    go_quote(&value)
                )));
            }
        }
        Kind::Duration => {
            parse_go_duration(&value).map_err(invalid)?;
        }
        Kind::Str | Kind::Array | Kind::Slice => {}
    }
    if let Some(why) = flag.unsupported
        && !parsed.unsupported.iter().any(|(n, _)| *n == flag.name)
    {
        parsed.unsupported.push((flag.name, why));
    }
    parsed.given.push((flag.name, value.clone()));
    let entry = parsed.values.entry(flag.name).or_default();
    match flag.kind {
        Kind::Array => entry.push(value),
        Kind::Slice => entry.extend(split_csv(&value)),
        _ => *entry = vec![value],
    }
    Ok(())
}

/// Splits a `StringSlice` value on commas (honouring CSV quotes).
fn split_csv(value: &str) -> Vec<String> {
    if value.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in value.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLAGS: &[Flag] = &[
        Flag::new("namespace", Kind::Str).short('n'),
        Flag::new("all-namespaces", Kind::Bool).short('A'),
        Flag::new("output", Kind::Str).short('o'),
        Flag::new("replicas", Kind::Int32).short('r'),
        Flag::new("grace-period", Kind::Int),
        Flag::new("cascade", Kind::Str).no_opt("background"),
        Flag::new("from-literal", Kind::Array),
        Flag::new("image", Kind::Slice),
        Flag::new("timeout", Kind::Duration),
    ];

    fn p(args: &[&str]) -> Result<Parsed, FlagError> {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        parse(&[FLAGS], &args)
    }

    #[test]
    fn long_short_and_interspersed_forms() {
        let r = p(&[
            "pods",
            "-n",
            "kube-system",
            "-owide",
            "x",
            "--grace-period=5",
        ])
        .unwrap();
        assert_eq!(r.args, ["pods", "x"]);
        assert_eq!(r.str("namespace"), Some("kube-system"));
        assert_eq!(r.str("output"), Some("wide"));
        assert_eq!(r.int("grace-period"), Some(5));
        let r = p(&["-An=dev", "--cascade", "--", "-x"]).unwrap();
        assert!(r.bool("all-namespaces"));
        assert_eq!(r.str("namespace"), Some("dev"));
        assert_eq!(r.str("cascade"), Some("background"));
        assert_eq!(r.args, ["-x"]);
        let r = p(&[
            "--from-literal=a=1",
            "--from-literal",
            "b=2",
            "--image=a,b",
            "--image",
            "c",
        ])
        .unwrap();
        assert_eq!(r.all("from-literal"), ["a=1", "b=2"]);
        assert_eq!(r.all("image"), ["a", "b", "c"]);
        assert!(p(&["-h"]).unwrap().help);
        assert!(p(&["--help"]).unwrap().help);
        assert_eq!(
            p(&["--timeout=1m30s"]).unwrap().duration_ms("timeout"),
            Some(90_000)
        );
    }

    #[test]
    fn errors_are_worded_like_pflag() {
        let e = |args: &[&str]| p(args).unwrap_err().0;
        assert_eq!(e(&["--foo"]), "unknown flag: --foo");
        assert_eq!(e(&["-x"]), "unknown shorthand flag: 'x' in -x");
        assert_eq!(e(&["-Ax"]), "unknown shorthand flag: 'x' in -x");
        assert_eq!(
            e(&["--grace-period"]),
            "flag needs an argument: --grace-period"
        );
        assert_eq!(e(&["-n"]), "flag needs an argument: 'n' in -n");
        assert_eq!(
            e(&["--replicas=abc"]),
            "invalid argument \"abc\" for \"-r, --replicas\" flag: strconv.ParseInt: parsing \"abc\": invalid syntax"
        );
        assert_eq!(
            e(&["--all-namespaces=maybe"]),
            "invalid argument \"maybe\" for \"-A, --all-namespaces\" flag: strconv.ParseBool: parsing \"maybe\": invalid syntax"
        );
        assert_eq!(
            e(&["--timeout=soon"]),
            "invalid argument \"soon\" for \"--timeout\" flag: time: invalid duration \"soon\""
        );
        assert_eq!(e(&["---x"]), "bad flag syntax: ---x");
    }

    #[test]
    fn go_numbers_and_durations() {
        assert_eq!(parse_go_int("0x10"), Ok(16));
        assert_eq!(parse_go_int("-7"), Ok(-7));
        assert!(
            parse_go_int("9223372036854775808")
                .unwrap_err()
                .ends_with("value out of range")
        );
        assert_eq!(parse_go_duration("2h"), Ok(7_200_000));
        assert_eq!(parse_go_duration("1.5s"), Ok(1_500));
        assert_eq!(
            parse_go_duration("30").unwrap_err(),
            "time: missing unit in duration \"30\""
        );
    }
}
