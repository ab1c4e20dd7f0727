//! Go's `encoding/json` syntax errors, for the Secret types whose data must
//! be JSON (`.dockerconfigjson`, `.dockercfg`). Mirrors the states of Go's
//! scanner so the messages match (`invalid character 'x' looking for
//! beginning of value`, `unexpected end of JSON input`).

/// The error `json.Unmarshal(data, &map[string]interface{}{})` returns, or
/// `None` when the data is a JSON object (or `null`).
pub fn go_json_object_error(data: &[u8]) -> Option<String> {
    let mut s = Scanner {
        data,
        pos: 0,
        depth: 0,
    };
    s.skip_ws();
    let first = s.peek();
    if let Err(e) = s.value().and_then(|()| s.end()) {
        return Some(e);
    }
    let kind = match first {
        Some(b'{') | Some(b'n') => return None,
        Some(b'[') => "array",
        Some(b'"') => "string",
        Some(b't' | b'f') => "bool",
        _ => "number",
    };
    Some(format!(
        "json: cannot unmarshal {kind} into Go value of type map[string]interface {{}}"
    ))
}

/// `quoteChar` in Go's scanner.
fn quote_char(c: u8) -> String {
    match c {
        b'\'' => r"'\''".to_string(),
        b'"' => "'\"'".to_string(),
        c if c.is_ascii_graphic() || c == b' ' => format!("'{}'", c as char),
        b'\n' => r"'\n'".to_string(),
        b'\t' => r"'\t'".to_string(),
        b'\r' => r"'\r'".to_string(),
        c if c < 0x80 => format!("'\\x{c:02x}'"),
        // Non-ASCII: Go prints the raw rune; a lone byte shows as \x.
        c => format!("'\\x{c:02x}'"),
    }
}

struct Scanner<'a> {
    data: &'a [u8],
    pos: usize,
    depth: usize,
}

const EOF: &str = "unexpected end of JSON input";

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            self.pos += 1;
        }
    }

    fn err(c: u8, context: &str) -> String {
        format!("invalid character {} {context}", quote_char(c))
    }

    fn end(&mut self) -> Result<(), String> {
        self.skip_ws();
        match self.peek() {
            None => Ok(()),
            Some(c) => Err(Self::err(c, "after top-level value")),
        }
    }

    fn value(&mut self) -> Result<(), String> {
        self.skip_ws();
        let Some(c) = self.peek() else {
            return Err(EOF.into());
        };
        match c {
            b'{' => self.object(),
            b'[' => self.array(),
            b'"' => self.string(),
            b'-' | b'0'..=b'9' => self.number(),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            c => Err(Self::err(c, "looking for beginning of value")),
        }
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), String> {
        self.pos += 1;
        for &expect in &word[1..] {
            match self.peek() {
                None => return Err(EOF.into()),
                Some(c) if c != expect => {
                    let ctx = format!(
                        "in literal {} (expecting {})",
                        String::from_utf8_lossy(word),
                        quote_char(expect)
                    );
                    return Err(Self::err(c, &ctx));
                }
                Some(_) => self.pos += 1,
            }
        }
        Ok(())
    }

    fn string(&mut self) -> Result<(), String> {
        self.pos += 1;
        loop {
            let Some(c) = self.peek() else {
                return Err(EOF.into());
            };
            self.pos += 1;
            match c {
                b'"' => return Ok(()),
                b'\\' => {
                    let Some(e) = self.peek() else {
                        return Err(EOF.into());
                    };
                    self.pos += 1;
                    match e {
                        b'b' | b'f' | b'n' | b'r' | b't' | b'\\' | b'/' | b'"' => {}
                        b'u' => {
                            for _ in 0..4 {
                                match self.peek() {
                                    None => return Err(EOF.into()),
                                    Some(h) if h.is_ascii_hexdigit() => self.pos += 1,
                                    Some(h) => {
                                        return Err(Self::err(
                                            h,
                                            "in \\u hexadecimal character escape",
                                        ));
                                    }
                                }
                            }
                        }
                        e => return Err(Self::err(e, "in string escape code")),
                    }
                }
                c if c < 0x20 => return Err(Self::err(c, "in string literal")),
                _ => {}
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<(), String> {
        if self.peek() == Some(b'-') {
            self.pos += 1;
            match self.peek() {
                None => return Err(EOF.into()),
                Some(b'0'..=b'9') => {}
                Some(c) => return Err(Self::err(c, "in numeric literal")),
            }
        }
        if self.peek() == Some(b'0') {
            self.pos += 1;
        } else {
            self.digits();
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            match self.peek() {
                None => return Err(EOF.into()),
                Some(b'0'..=b'9') => {
                    self.digits();
                }
                Some(c) => return Err(Self::err(c, "after decimal point in numeric literal")),
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            match self.peek() {
                None => return Err(EOF.into()),
                Some(b'0'..=b'9') => {
                    self.digits();
                }
                Some(c) => return Err(Self::err(c, "in exponent of numeric literal")),
            }
        }
        Ok(())
    }

    fn nested(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > 10_000 {
            return Err("exceeded max depth".into());
        }
        Ok(())
    }

    fn object(&mut self) -> Result<(), String> {
        self.nested()?;
        self.pos += 1;
        self.skip_ws();
        match self.peek() {
            None => return Err(EOF.into()),
            Some(b'}') => {
                self.pos += 1;
                self.depth -= 1;
                return Ok(());
            }
            _ => {}
        }
        loop {
            self.skip_ws();
            match self.peek() {
                None => return Err(EOF.into()),
                Some(b'"') => self.string()?,
                Some(c) => {
                    return Err(Self::err(c, "looking for beginning of object key string"));
                }
            }
            self.skip_ws();
            match self.peek() {
                None => return Err(EOF.into()),
                Some(b':') => self.pos += 1,
                Some(c) => return Err(Self::err(c, "after object key")),
            }
            self.value()?;
            self.skip_ws();
            match self.peek() {
                None => return Err(EOF.into()),
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    self.depth -= 1;
                    return Ok(());
                }
                Some(c) => return Err(Self::err(c, "after object key:value pair")),
            }
        }
    }

    fn array(&mut self) -> Result<(), String> {
        self.nested()?;
        self.pos += 1;
        self.skip_ws();
        match self.peek() {
            None => return Err(EOF.into()),
            Some(b']') => {
                self.pos += 1;
                self.depth -= 1;
                return Ok(());
            }
            _ => {}
        }
        loop {
            self.value()?;
            self.skip_ws();
            match self.peek() {
                None => return Err(EOF.into()),
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    self.depth -= 1;
                    return Ok(());
                }
                Some(c) => return Err(Self::err(c, "after array element")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_json_messages() {
        let e = |s: &str| go_json_object_error(s.as_bytes());
        assert_eq!(e(r#"{"auths":{}}"#), None);
        assert_eq!(e("null"), None);
        assert_eq!(e(""), Some("unexpected end of JSON input".into()));
        assert_eq!(e("{"), Some("unexpected end of JSON input".into()));
        assert_eq!(
            e("hello"),
            Some("invalid character 'h' looking for beginning of value".into())
        );
        assert_eq!(
            e("{a:1}"),
            Some("invalid character 'a' looking for beginning of object key string".into())
        );
        assert_eq!(
            e(r#"{"a" 1}"#),
            Some("invalid character '1' after object key".into())
        );
        assert_eq!(
            e(r#"{"a":1 "b":2}"#),
            Some("invalid character '\"' after object key:value pair".into())
        );
        assert_eq!(
            e("{} x"),
            Some("invalid character 'x' after top-level value".into())
        );
        assert_eq!(
            e("[1,2]"),
            Some(
                "json: cannot unmarshal array into Go value of type map[string]interface {}".into()
            )
        );
        assert_eq!(
            e(r#""s""#),
            Some(
                "json: cannot unmarshal string into Go value of type map[string]interface {}"
                    .into()
            )
        );
        assert_eq!(
            e("{\"a\":tru}"),
            Some("invalid character '}' in literal true (expecting 'e')".into())
        );
    }
}
