//! The bits of Go's standard library whose exact behaviour and messages
//! kube-apiserver's decoding shows: `encoding/base64`, `time.Parse` for the
//! RFC 3339 layouts, `strconv.Quote`, and `encoding/json`'s float format.

use std::fmt::Write as _;

// ------------------------------------------------------------------ base64

const BASE64_ALPHABET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_value(b: u8) -> Option<u8> {
    match b {
        b'A'..=b'Z' => Some(b - b'A'),
        b'a'..=b'z' => Some(b - b'a' + 26),
        b'0'..=b'9' => Some(b - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Decodes standard, padded base64 exactly as Go's
/// `base64.StdEncoding.Decode` does: `\r` and `\n` are skipped anywhere, and
/// the error is the 0-based input offset Go reports
/// (`illegal base64 data at input byte N`).
pub fn base64_decode(src: &[u8]) -> Result<Vec<u8>, usize> {
    let mut out = Vec::with_capacity(src.len() / 4 * 3);
    let mut si = 0;
    // One quantum (up to four symbols) per round, as Go's decodeQuantum.
    while si < src.len() {
        let mut dbuf = [0u8; 4];
        let mut dlen = 4;
        let mut j = 0;
        let mut trailing_error = None;
        while j < 4 {
            if si == src.len() {
                if j == 0 {
                    return Ok(out);
                }
                // Standard encoding requires padding: a short quantum is corrupt.
                return Err(si - j);
            }
            let c = src[si];
            si += 1;
            if let Some(v) = base64_value(c) {
                dbuf[j] = v;
                j += 1;
                continue;
            }
            if c == b'\n' || c == b'\r' {
                continue;
            }
            if c != b'=' {
                return Err(si - 1);
            }
            // Padding: only valid after two or three symbols.
            match j {
                0 | 1 => return Err(si - 1),
                2 => {
                    while si < src.len() && (src[si] == b'\n' || src[si] == b'\r') {
                        si += 1;
                    }
                    if si == src.len() {
                        return Err(src.len());
                    }
                    if src[si] != b'=' {
                        return Err(si - 1);
                    }
                    si += 1;
                }
                _ => {}
            }
            while si < src.len() && (src[si] == b'\n' || src[si] == b'\r') {
                si += 1;
            }
            if si < src.len() {
                trailing_error = Some(si);
            }
            dlen = j;
            break;
        }
        let val = (u32::from(dbuf[0]) << 18)
            | (u32::from(dbuf[1]) << 12)
            | (u32::from(dbuf[2]) << 6)
            | u32::from(dbuf[3]);
        let bytes = [(val >> 16) as u8, (val >> 8) as u8, val as u8];
        out.extend_from_slice(&bytes[..dlen - 1]);
        if let Some(at) = trailing_error {
            return Err(at);
        }
    }
    Ok(out)
}

/// Encodes bytes as standard, padded base64 (Go's `base64.StdEncoding`).
pub fn base64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(BASE64_ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

// ----------------------------------------------------------------- strconv

/// Go's error for `strconv.ParseInt(s, 10, …)` (`func` "ParseInt") or
/// `ParseUint` refusing `s`: digits that do not fit are out of range,
/// anything else (a sign, for `ParseUint`) invalid syntax.
pub fn strconv_error(func: &str, s: &str) -> String {
    let digits = match func {
        "ParseInt" => s.strip_prefix(['+', '-']).unwrap_or(s),
        _ => s,
    };
    let why = if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        "value out of range"
    } else {
        "invalid syntax"
    };
    format!("strconv.{func}: parsing {}: {why}", quote(s))
}

// ------------------------------------------------------------------- quote

/// Quotes a string as Go's `strconv.Quote` does (`%q`): printable text kept,
/// quotes and backslashes escaped, control characters as escapes.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if c.is_control() || (c.is_whitespace() && c != ' ') => {
                if (c as u32) < 0x10000 {
                    let _ = write!(out, "\\u{:04x}", c as u32);
                } else {
                    let _ = write!(out, "\\U{:08x}", c as u32);
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Quotes bytes as the `time` package's own `quote` does: non-ASCII and
/// control bytes as `\x` escapes.
fn time_quote(s: &[u8]) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        if !(b' '..0x80).contains(&b) {
            // A whole UTF-8 sequence (or one invalid byte) becomes escapes.
            let width = if b >= 0x80 {
                std::str::from_utf8(&s[i..(i + 4).min(s.len())])
                    .ok()
                    .or_else(|| std::str::from_utf8(&s[i..(i + 3).min(s.len())]).ok())
                    .or_else(|| std::str::from_utf8(&s[i..(i + 2).min(s.len())]).ok())
                    .and_then(|t| t.chars().next())
                    .map_or(1, char::len_utf8)
            } else {
                1
            };
            for &x in &s[i..i + width] {
                let _ = write!(out, "\\x{x:02x}");
            }
            i += width;
            continue;
        }
        if b == b'"' || b == b'\\' {
            out.push('\\');
        }
        out.push(b as char);
        i += 1;
    }
    out.push('"');
    out
}

// ------------------------------------------------------------------- float

/// Formats a float as Go's `encoding/json` writes it (`3.5`, `1e+21`, `1e-7`),
/// which is the literal Go's decoder then quotes in `number 3.5` errors.
pub fn json_float(f: f64) -> String {
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let s = format!("{f:e}");
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        match exp.strip_prefix('-') {
            Some(digits) => format!("{mantissa}e-{digits}"),
            None => format!("{mantissa}e+{exp}"),
        }
    } else if f.fract() == 0.0 {
        format!("{}", f as i128)
    } else {
        format!("{f}")
    }
}

// -------------------------------------------------------------------- time

/// A parsed RFC 3339 time, kept as its UTC instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Time {
    /// Seconds since 0001-01-01T00:00:00Z.
    seconds: i64,
    nanos: u32,
}

/// Which metav1 time type: `Time` (RFC 3339, whole seconds when printed) or
/// `MicroTime` (RFC 3339 with exactly six fractional digits).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeLayout {
    /// `2006-01-02T15:04:05Z07:00`
    Rfc3339,
    /// `2006-01-02T15:04:05.000000Z07:00`
    Rfc3339Micro,
}

impl TimeLayout {
    fn layout(self) -> &'static str {
        match self {
            TimeLayout::Rfc3339 => "2006-01-02T15:04:05Z07:00",
            TimeLayout::Rfc3339Micro => "2006-01-02T15:04:05.000000Z07:00",
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Std {
    Year,
    Month,
    Day,
    Hour,
    Minute,
    Second,
    Micro,
    Zone,
}

/// (literal prefix, element, the element as written in the layout)
const RFC3339_CHUNKS: &[(&str, Std, &str)] = &[
    ("", Std::Year, "2006"),
    ("-", Std::Month, "01"),
    ("-", Std::Day, "02"),
    ("T", Std::Hour, "15"),
    (":", Std::Minute, "04"),
    (":", Std::Second, "05"),
    ("", Std::Zone, "Z07:00"),
];
const RFC3339_MICRO_CHUNKS: &[(&str, Std, &str)] = &[
    ("", Std::Year, "2006"),
    ("-", Std::Month, "01"),
    ("-", Std::Day, "02"),
    ("T", Std::Hour, "15"),
    (":", Std::Minute, "04"),
    (":", Std::Second, "05"),
    ("", Std::Micro, ".000000"),
    ("", Std::Zone, "Z07:00"),
];

fn is_digit(s: &[u8], i: usize) -> bool {
    s.get(i).is_some_and(u8::is_ascii_digit)
}

/// Go's `getnum`: one or two digits (exactly two when `fixed`).
fn getnum(s: &[u8], fixed: bool) -> Option<(i64, &[u8])> {
    if !is_digit(s, 0) {
        return None;
    }
    if !is_digit(s, 1) {
        if fixed {
            return None;
        }
        return Some((i64::from(s[0] - b'0'), &s[1..]));
    }
    Some((
        i64::from(s[0] - b'0') * 10 + i64::from(s[1] - b'0'),
        &s[2..],
    ))
}

/// Go's `atoi`: an optional sign, then only digits.
pub(crate) fn atoi(s: &[u8]) -> Option<i64> {
    let (neg, digits) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) || digits.len() > 18 {
        return None;
    }
    let v: i64 = std::str::from_utf8(digits).ok()?.parse().ok()?;
    Some(if neg { -v } else { v })
}

/// Go's `parseNanoseconds`: `Ok(Err(range))` for a range error.
fn parse_nanoseconds(value: &[u8], nbytes: usize) -> Option<Result<i64, &'static str>> {
    if !matches!(value.first(), Some(b'.' | b',')) {
        return None;
    }
    let nbytes = nbytes.min(10);
    let ns = atoi(value.get(1..nbytes)?)?;
    if ns < 0 {
        return Some(Err("fractional second"));
    }
    Some(Ok(ns * 10i64.pow((10 - nbytes) as u32)))
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in(month: i64, year: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 0001-01-01 to the given civil date (proleptic Gregorian).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    // Days since 0000-03-01, shifted to 0001-01-01.
    era * 146_097 + doe - 306
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 306;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Parses `value` as Go's `time.Parse(layout, value)` does for the RFC 3339
/// layouts, with Go's error text (`parsing time "x" as
/// "2006-01-02T15:04:05Z07:00": cannot parse "x" as "2006"`).
pub fn parse_time(value: &str, layout: TimeLayout) -> Result<Time, String> {
    let chunks = match layout {
        TimeLayout::Rfc3339 => RFC3339_CHUNKS,
        TimeLayout::Rfc3339Micro => RFC3339_MICRO_CHUNKS,
    };
    let full = value.as_bytes();
    let cannot = |value_elem: &[u8], layout_elem: &str| {
        format!(
            "parsing time {} as {}: cannot parse {} as {}",
            time_quote(full),
            time_quote(layout.layout().as_bytes()),
            time_quote(value_elem),
            time_quote(layout_elem.as_bytes())
        )
    };
    let message = |msg: &str| format!("parsing time {}{msg}", time_quote(full));
    let (mut year, mut month, mut day, mut hour, mut min, mut sec) = (0, 0, 0, 0, 0, 0);
    let mut nsec = 0i64;
    let mut offset = 0i64;
    let mut v: &[u8] = full;
    for (k, &(prefix, std, stdstr)) in chunks.iter().enumerate() {
        // Literal text before the element must match byte for byte.
        for &p in prefix.as_bytes() {
            match v.first() {
                Some(&c) if c == p => v = &v[1..],
                _ => return Err(cannot(v, prefix)),
            }
        }
        let hold = v;
        let mut range: Option<&str> = None;
        let ok: Option<()> = (|| {
            match std {
                Std::Year => {
                    if v.len() < 4 || !is_digit(v, 0) {
                        return None;
                    }
                    year = atoi(&v[..4])?;
                    v = &v[4..];
                }
                Std::Month => {
                    let (n, rest) = getnum(v, true)?;
                    month = n;
                    v = rest;
                    if !(1..=12).contains(&month) {
                        range = Some("month");
                    }
                }
                Std::Day => {
                    let (n, rest) = getnum(v, true)?;
                    day = n;
                    v = rest;
                }
                Std::Hour => {
                    let (n, rest) = getnum(v, false)?;
                    hour = n;
                    v = rest;
                    if hour >= 24 {
                        range = Some("hour");
                    }
                }
                Std::Minute => {
                    let (n, rest) = getnum(v, true)?;
                    min = n;
                    v = rest;
                    if min >= 60 {
                        range = Some("minute");
                    }
                }
                Std::Second => {
                    let (n, rest) = getnum(v, true)?;
                    sec = n;
                    v = rest;
                    if sec >= 60 {
                        range = Some("second");
                        return Some(());
                    }
                    // A fraction the layout does not spell out is accepted.
                    let next_is_fraction = chunks.get(k + 1).is_some_and(|c| c.1 == Std::Micro);
                    if v.len() >= 2
                        && matches!(v[0], b'.' | b',')
                        && is_digit(v, 1)
                        && !next_is_fraction
                    {
                        let mut n = 2;
                        while is_digit(v, n) {
                            n += 1;
                        }
                        match parse_nanoseconds(v, n)? {
                            Ok(ns) => nsec = ns,
                            Err(r) => range = Some(r),
                        }
                        v = &v[n..];
                    }
                }
                Std::Micro => {
                    if v.len() < 7 {
                        return None;
                    }
                    match parse_nanoseconds(v, 7)? {
                        Ok(ns) => nsec = ns,
                        Err(r) => range = Some(r),
                    }
                    v = &v[7..];
                }
                Std::Zone => {
                    if v.first() == Some(&b'Z') {
                        v = &v[1..];
                        return Some(());
                    }
                    if v.len() < 6 || v[3] != b':' {
                        return None;
                    }
                    let (sign, hh, mm) = (v[0], &v[1..3], &v[4..6]);
                    v = &v[6..];
                    let (hr, _) = getnum(hh, true)?;
                    let (mi, _) = getnum(mm, true)?;
                    if hr > 24 {
                        range = Some("time zone offset hour");
                    }
                    if mi > 60 {
                        range = Some("time zone offset minute");
                    }
                    offset = (hr * 60 + mi) * 60;
                    match sign {
                        b'+' => {}
                        b'-' => offset = -offset,
                        _ => return None,
                    }
                }
            }
            Some(())
        })();
        if let Some(r) = range {
            return Err(message(&format!(": {r} out of range")));
        }
        if ok.is_none() {
            return Err(cannot(hold, stdstr));
        }
    }
    if !v.is_empty() {
        return Err(message(&format!(": extra text: {}", time_quote(v))));
    }
    if day < 1 || day > days_in(month, year) {
        return Err(message(": day out of range"));
    }
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + min * 60 + sec - offset;
    Ok(Time {
        seconds,
        nanos: nsec as u32,
    })
}

impl Time {
    /// True for Go's zero time (0001-01-01T00:00:00Z), which metav1 prints as `null`.
    pub fn is_zero(&self) -> bool {
        self.seconds == 0 && self.nanos == 0
    }

    /// The time in UTC as metav1 prints it: RFC 3339 (whole seconds) for
    /// `Time`, six fractional digits for `MicroTime`.
    pub fn format(&self, layout: TimeLayout) -> String {
        let days = self.seconds.div_euclid(86_400);
        let secs = self.seconds.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        let mut out = String::with_capacity(27);
        if year < 0 {
            out.push('-');
        }
        let _ = write!(
            out,
            "{:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
            year.abs(),
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        );
        if layout == TimeLayout::Rfc3339Micro {
            let _ = write!(out, ".{:06}", self.nanos / 1000);
        }
        out.push('Z');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_go() {
        assert_eq!(base64_decode(b"aGVsbG8=").unwrap(), b"hello");
        assert_eq!(base64_decode(b"aGVs\nbG8=\n").unwrap(), b"hello");
        assert_eq!(base64_decode(b"").unwrap(), b"");
        assert_eq!(base64_decode(b"YWJj").unwrap(), b"abc");
        // Go: illegal base64 data at input byte N.
        assert_eq!(base64_decode(b"hello!"), Err(5));
        assert_eq!(base64_decode(b"YWJ"), Err(0));
        assert_eq!(base64_decode(b"YWJjZA"), Err(4));
        assert_eq!(base64_decode(b"YQ="), Err(3));
        assert_eq!(base64_decode(b"YQ==YQ=="), Err(4));
        assert_eq!(base64_decode(b"=YQ="), Err(0));
        assert_eq!(base64_decode(b"Y==="), Err(1));
        assert_eq!(base64_decode(b"YWI=x"), Err(4));
        assert_eq!(base64_decode(b"my-password"), Err(2));
        for data in [&b""[..], b"a", b"ab", b"abc", b"abcd", b"\x00\xff\x10"] {
            assert_eq!(base64_decode(base64_encode(data).as_bytes()).unwrap(), data);
        }
        assert_eq!(base64_encode(b"hello"), "aGVsbG8=");
    }

    #[test]
    fn quote_matches_go() {
        assert_eq!(quote("spec.replica"), "\"spec.replica\"");
        assert_eq!(quote("a\"b\\c\nd\u{1}"), "\"a\\\"b\\\\c\\nd\\x01\"");
        assert_eq!(quote("héllo"), "\"héllo\"");
    }

    #[test]
    fn json_floats_match_go() {
        assert_eq!(json_float(3.5), "3.5");
        assert_eq!(json_float(3.0), "3");
        assert_eq!(json_float(1e21), "1e+21");
        assert_eq!(json_float(1.5e-7), "1.5e-7");
        assert_eq!(json_float(-0.25), "-0.25");
        assert_eq!(json_float(1e20), "100000000000000000000");
    }

    #[test]
    fn times_parse_like_go() {
        let t = parse_time("2024-03-01T10:00:00+02:00", TimeLayout::Rfc3339).unwrap();
        assert_eq!(t.format(TimeLayout::Rfc3339), "2024-03-01T08:00:00Z");
        let t = parse_time("2024-02-29T23:59:59.123456789Z", TimeLayout::Rfc3339).unwrap();
        assert_eq!(t.format(TimeLayout::Rfc3339), "2024-02-29T23:59:59Z");
        assert_eq!(
            t.format(TimeLayout::Rfc3339Micro),
            "2024-02-29T23:59:59.123456Z"
        );
        assert!(
            parse_time("0001-01-01T00:00:00Z", TimeLayout::Rfc3339)
                .unwrap()
                .is_zero()
        );
        let t = parse_time("1970-01-01T00:00:00Z", TimeLayout::Rfc3339).unwrap();
        assert_eq!(t.format(TimeLayout::Rfc3339), "1970-01-01T00:00:00Z");
        let err = |v: &str, l| parse_time(v, l).unwrap_err();
        let r = TimeLayout::Rfc3339;
        assert_eq!(
            err("yesterday", r),
            r#"parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006""#
        );
        assert_eq!(
            err("2024-01-01", r),
            r#"parsing time "2024-01-01" as "2006-01-02T15:04:05Z07:00": cannot parse "" as "T""#
        );
        assert_eq!(
            err("2024/01/01T00:00:00Z", r),
            r#"parsing time "2024/01/01T00:00:00Z" as "2006-01-02T15:04:05Z07:00": cannot parse "/01/01T00:00:00Z" as "-""#
        );
        assert_eq!(
            err("2024-13-01T00:00:00Z", r),
            r#"parsing time "2024-13-01T00:00:00Z": month out of range"#
        );
        assert_eq!(
            err("2023-02-29T00:00:00Z", r),
            r#"parsing time "2023-02-29T00:00:00Z": day out of range"#
        );
        assert_eq!(
            err("2024-01-01T00:00:00", r),
            r#"parsing time "2024-01-01T00:00:00" as "2006-01-02T15:04:05Z07:00": cannot parse "" as "Z07:00""#
        );
        assert_eq!(
            err("2024-01-01T00:00:00Zjunk", r),
            r#"parsing time "2024-01-01T00:00:00Zjunk": extra text: "junk""#
        );
        assert_eq!(
            err("2024-01-01T00:00:00Z", TimeLayout::Rfc3339Micro),
            r#"parsing time "2024-01-01T00:00:00Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "Z" as ".000000""#
        );
        assert!(parse_time("2024-01-01T00:00:00.000001Z", TimeLayout::Rfc3339Micro).is_ok());
    }
}
