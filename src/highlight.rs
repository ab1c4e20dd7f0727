//! YAML syntax highlighting: a small line scanner that turns text into
//! HTML spans (`t-key`, `t-str`, …). It never fails: anything it does not
//! recognise stays plain text.

/// Appends `text` to `out` with HTML's special characters escaped.
pub fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
}

fn span(out: &mut String, class: &str, text: &str) {
    if text.is_empty() {
        return;
    }
    out.push_str("<span class=\"");
    out.push_str(class);
    out.push_str("\">");
    escape_into(out, text);
    out.push_str("</span>");
}

/// The class of a plain scalar: number, boolean/null, or string.
fn scalar_class(s: &str) -> &'static str {
    let t = s.trim();
    if matches!(
        t,
        "true" | "false" | "True" | "False" | "TRUE" | "FALSE" | "null" | "Null" | "NULL" | "~"
    ) {
        return "t-bool";
    }
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    let numeric = !digits.is_empty()
        && digits
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '_')
        && digits.chars().next().is_some_and(|c| c.is_ascii_digit())
        && digits.matches('.').count() <= 1;
    if numeric || t.starts_with("0x") && t.len() > 2 {
        "t-num"
    } else {
        "t-str"
    }
}

/// Where a comment starts in `s` (a `#` at the start or after a space,
/// outside quotes).
fn comment_start(s: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for (i, c) in s.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if (c == '"' || c == '\'')
                && matches!(prev, ' ' | ':' | '[' | '{' | ',' | '-') =>
            {
                quote = Some(c)
            }
            None if c == '#' && (prev == ' ' || prev == '\t' || i == 0) => return Some(i),
            None => {}
        }
        prev = c;
    }
    None
}

/// Where a mapping key's `:` is (followed by a space or the end), outside quotes and flow brackets.
fn key_colon(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let first = *bytes.first()?;
    if matches!(first, b'[' | b'{' | b'|' | b'>' | b'&' | b'*' | b'!') {
        return None;
    }
    if first == b'"' || first == b'\'' {
        let end = s[1..].find(first as char)? + 1;
        let rest = &s[end + 1..];
        let trimmed = rest.trim_start();
        return (trimmed.starts_with(':')
            && (trimmed.len() == 1 || trimmed[1..].starts_with([' ', '\t'])))
        .then(|| end + 1 + (rest.len() - trimmed.len()));
    }
    let mut i = 0;
    while let Some(off) = s[i..].find(':') {
        let at = i + off;
        let next = s[at + 1..].chars().next();
        if next.is_none() || next == Some(' ') || next == Some('\t') {
            return Some(at);
        }
        i = at + 1;
    }
    None
}

/// Highlights a value (what follows `key: ` or `- `).
fn value(out: &mut String, s: &str) {
    if s.is_empty() {
        return;
    }
    let lead = s.len() - s.trim_start().len();
    out.push_str(&s[..lead]);
    let s = &s[lead..];
    let (body, trailing) = {
        let t = s.trim_end();
        (t, &s[t.len()..])
    };
    match body.as_bytes().first() {
        Some(b'"' | b'\'') => span(out, "t-str", body),
        Some(b'|' | b'>') => span(out, "t-block", body),
        Some(b'&' | b'*') => {
            let end = body.find(' ').unwrap_or(body.len());
            span(out, "t-anchor", &body[..end]);
            value(out, &body[end..]);
        }
        Some(b'!') => {
            let end = body.find(' ').unwrap_or(body.len());
            span(out, "t-tag", &body[..end]);
            value(out, &body[end..]);
        }
        Some(b'[' | b'{') => flow(out, body),
        _ => span(out, scalar_class(body), body),
    }
    out.push_str(trailing);
}

/// Highlights a flow collection (`[a, b]`, `{k: v}`) token by token.
fn flow(out: &mut String, s: &str) {
    let mut token_start = 0;
    let mut quote: Option<char> = None;
    let flush = |out: &mut String, token: &str| {
        if token.is_empty() {
            return;
        }
        let lead = token.len() - token.trim_start().len();
        out.push_str(&token[..lead]);
        let t = &token[lead..];
        let t_end = t.trim_end();
        if let Some(colon) = key_colon(t_end) {
            span(out, "t-key", &t_end[..colon]);
            span(out, "t-punct", ":");
            value(out, &t_end[colon + 1..]);
        } else if t_end.starts_with(['"', '\'']) {
            span(out, "t-str", t_end);
        } else {
            span(out, scalar_class(t_end), t_end);
        }
        out.push_str(&t[t_end.len()..]);
    };
    for (i, c) in s.char_indices() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' => quote = Some(c),
            '[' | ']' | '{' | '}' | ',' => {
                flush(out, &s[token_start..i]);
                span(out, "t-punct", &s[i..i + 1]);
                token_start = i + 1;
            }
            _ => {}
        }
    }
    flush(out, &s[token_start..]);
}

/// Highlights one line that is not a block scalar's content.
fn line(out: &mut String, text: &str) {
    let (code, comment) = match comment_start(text) {
        Some(i) => (&text[..i], &text[i..]),
        None => (text, ""),
    };
    if code.trim().is_empty() {
        out.push_str(code);
        span(out, "t-com", comment);
        return;
    }
    if code.starts_with("---") || code.starts_with("...") {
        span(out, "t-doc", &code[..3]);
        value(out, &code[3..]);
        span(out, "t-com", comment);
        return;
    }
    let mut rest = code;
    loop {
        let lead = rest.len() - rest.trim_start().len();
        out.push_str(&rest[..lead]);
        rest = &rest[lead..];
        if rest == "-" || rest.starts_with("- ") || rest.starts_with("-\t") {
            span(out, "t-punct", "-");
            rest = &rest[1..];
        } else {
            break;
        }
    }
    match key_colon(rest) {
        Some(colon) => {
            span(out, "t-key", &rest[..colon]);
            span(out, "t-punct", ":");
            value(out, &rest[colon + 1..]);
        }
        None => value(out, rest),
    }
    span(out, "t-com", comment);
}

fn indent_of(s: &str) -> usize {
    s.len() - s.trim_start_matches([' ', '-']).len()
}

/// Whether a line ends with a block scalar indicator (`key: |`, `- >-`).
fn opens_block(code: &str) -> bool {
    let t = code.trim_end();
    let last = t.rsplit([' ', '\t']).next().unwrap_or("");
    !last.is_empty()
        && (last.starts_with('|') || last.starts_with('>'))
        && last[1..]
            .chars()
            .all(|c| matches!(c, '-' | '+') || c.is_ascii_digit())
        && (t.len() == last.len() || t[..t.len() - last.len()].trim_end().ends_with([':', '-']))
}

/// The HTML of each line of `text` (without newlines).
pub fn highlight_lines(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    // The indentation a block scalar's content must exceed, while inside one.
    let mut block: Option<usize> = None;
    for raw in text.split('\n') {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let mut out = String::with_capacity(raw.len() + 32);
        if let Some(parent) = block {
            let indent = raw.len() - raw.trim_start().len();
            if raw.trim().is_empty() || indent > parent {
                span(&mut out, "t-str", raw);
                lines.push(out);
                continue;
            }
            block = None;
        }
        line(&mut out, raw);
        let code = match comment_start(raw) {
            Some(i) => &raw[..i],
            None => raw,
        };
        if opens_block(code) {
            block = Some(indent_of(raw).min(raw.len() - raw.trim_start().len()));
        }
        lines.push(out);
    }
    lines
}

/// The HTML of `text`, lines joined with newlines.
pub fn highlight(text: &str) -> String {
    highlight_lines(text).join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_values_and_comments() {
        assert_eq!(
            highlight("replicas: 3 # three"),
            "<span class=\"t-key\">replicas</span><span class=\"t-punct\">:</span> <span class=\"t-num\">3</span> <span class=\"t-com\"># three</span>"
        );
        assert_eq!(
            highlight("  - name: web"),
            "  <span class=\"t-punct\">-</span> <span class=\"t-key\">name</span><span class=\"t-punct\">:</span> <span class=\"t-str\">web</span>"
        );
        assert_eq!(
            highlight("image: nginx:1.27"),
            "<span class=\"t-key\">image</span><span class=\"t-punct\">:</span> <span class=\"t-str\">nginx:1.27</span>"
        );
    }

    #[test]
    fn quoted_strings_booleans_and_markers() {
        assert_eq!(
            highlight("a: \"x # y\"\n---\nb: true"),
            "<span class=\"t-key\">a</span><span class=\"t-punct\">:</span> <span class=\"t-str\">&quot;x # y&quot;</span>\n<span class=\"t-doc\">---</span>\n<span class=\"t-key\">b</span><span class=\"t-punct\">:</span> <span class=\"t-bool\">true</span>"
        );
    }

    #[test]
    fn flow_collections_and_block_scalars() {
        assert_eq!(
            highlight("metadata: {name: a}"),
            "<span class=\"t-key\">metadata</span><span class=\"t-punct\">:</span> <span class=\"t-punct\">{</span><span class=\"t-key\">name</span><span class=\"t-punct\">:</span> <span class=\"t-str\">a</span><span class=\"t-punct\">}</span>"
        );
        let lines = highlight_lines("script: |\n  echo a: b\n  # not a comment\nnext: 1");
        assert_eq!(lines[1], "<span class=\"t-str\">  echo a: b</span>");
        assert_eq!(lines[2], "<span class=\"t-str\">  # not a comment</span>");
        assert!(lines[3].starts_with("<span class=\"t-key\">next</span>"));
    }

    #[test]
    fn html_is_escaped_and_nothing_is_lost() {
        let text = "a: <b>&\n- [x, 'y]', {k: \"v\"}]\n  odd: : :\n\t\"weird";
        let html = highlight(text);
        assert!(!html.contains("<b>"));
        // Stripping tags and unescaping gives the text back.
        let mut plain = String::new();
        let mut in_tag = false;
        for c in html.chars() {
            match c {
                '<' => in_tag = true,
                '>' if in_tag => in_tag = false,
                _ if !in_tag => plain.push(c),
                _ => {}
            }
        }
        let plain = plain
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&amp;", "&");
        assert_eq!(plain, text);
    }
}
