//! The editor's keyboard editing, as pure functions over the text and the
//! selection: Tab and Shift-Tab indent and dedent, Enter keeps (and after
//! a `key:` deepens) the indentation. Positions are byte offsets; the DOM
//! layer converts from and to the textarea's UTF-16 offsets.

/// Spaces per indentation level (Kubernetes manifests use two).
pub const INDENT: usize = 2;

/// One replacement and the selection after it (byte offsets into the new text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    /// Start of the replaced range in the old text.
    pub start: usize,
    /// End of the replaced range in the old text.
    pub end: usize,
    /// The text put in its place.
    pub insert: String,
    /// The selection afterwards.
    pub selection: (usize, usize),
}

fn line_start(text: &str, at: usize) -> usize {
    text[..at].rfind('\n').map_or(0, |i| i + 1)
}

fn line_end(text: &str, at: usize) -> usize {
    text[at..].find('\n').map_or(text.len(), |i| at + i)
}

/// The lines a selection touches: from the start of the first to the end of
/// the last (a selection ending at a line's start leaves that line out).
fn touched_lines(text: &str, start: usize, end: usize) -> (usize, usize) {
    let first = line_start(text, start);
    let end = if end > start && end > first && text[..end].ends_with('\n') {
        end - 1
    } else {
        end
    };
    (first, line_end(text, end))
}

/// Tab: indents every selected line, or inserts spaces to the next level.
pub fn indent(text: &str, start: usize, end: usize) -> Edit {
    let (a, b) = (start.min(end), start.max(end));
    if !text[a..b].contains('\n') {
        let column = a - line_start(text, a);
        let spaces = INDENT - column % INDENT;
        let caret = a + spaces;
        return Edit {
            start: a,
            end: b,
            insert: " ".repeat(spaces),
            selection: (caret, caret),
        };
    }
    let (first, last) = touched_lines(text, a, b);
    let pad = " ".repeat(INDENT);
    let mut insert = String::with_capacity(last - first + 16);
    let mut count = 0;
    for (i, l) in text[first..last].split('\n').enumerate() {
        if i > 0 {
            insert.push('\n');
        }
        if !l.is_empty() {
            insert.push_str(&pad);
            count += 1;
        }
        insert.push_str(l);
    }
    let sel_start = if text[first..].starts_with('\n') {
        a
    } else {
        a + INDENT
    };
    Edit {
        start: first,
        end: last,
        selection: (sel_start.max(first), b + INDENT * count),
        insert,
    }
}

/// Shift-Tab: removes up to one level of indentation from every touched line.
pub fn dedent(text: &str, start: usize, end: usize) -> Edit {
    let (a, b) = (start.min(end), start.max(end));
    let (first, last) = touched_lines(text, a, b);
    let mut insert = String::with_capacity(last - first);
    let mut removed_total = 0;
    let mut removed_first = 0;
    for (i, l) in text[first..last].split('\n').enumerate() {
        if i > 0 {
            insert.push('\n');
        }
        let removable = l.len() - l.trim_start_matches(' ').len();
        let removed = removable.min(INDENT);
        if i == 0 {
            removed_first = removed;
        }
        removed_total += removed;
        insert.push_str(&l[removed..]);
    }
    let new_a = a.saturating_sub(removed_first).max(first);
    let new_b = b.saturating_sub(removed_total).max(new_a);
    Edit {
        start: first,
        end: last,
        insert,
        selection: (new_a, new_b),
    }
}

/// Enter: a newline with the current line's indentation, one level deeper
/// after a line ending in `:`, aligned with the item after a `- `.
pub fn newline(text: &str, start: usize, end: usize) -> Edit {
    let (a, b) = (start.min(end), start.max(end));
    let ls = line_start(text, a);
    let before = &text[ls..a];
    let mut column = before.len() - before.trim_start_matches(' ').len();
    let mut rest = &before[column..];
    // `- - name: x` continues at the column of `name`.
    while rest.starts_with("- ") {
        let after = rest[1..].len() - rest[1..].trim_start_matches(' ').len();
        column += 1 + after;
        rest = &rest[1 + after..];
    }
    let code = match rest.find(" #") {
        Some(i) => &rest[..i],
        None => rest,
    };
    let code = code.trim_end();
    if code.ends_with(':') || code == "-" || code.ends_with(['|', '>']) {
        column += INDENT;
    }
    let mut insert = String::with_capacity(column + 1);
    insert.push('\n');
    insert.push_str(&" ".repeat(column));
    let caret = a + insert.len();
    Edit {
        start: a,
        end: b,
        insert,
        selection: (caret, caret),
    }
}

/// Applies an edit to a string (what the browser does with it).
#[cfg(test)]
pub fn apply(text: &str, edit: &Edit) -> String {
    let mut out = String::with_capacity(text.len() + edit.insert.len());
    out.push_str(&text[..edit.start]);
    out.push_str(&edit.insert);
    out.push_str(&text[edit.end..]);
    out
}

/// A textarea offset (UTF-16 code units) as a byte offset into `text`.
pub fn utf16_to_byte(text: &str, units: u32) -> usize {
    let mut count = 0u32;
    for (i, c) in text.char_indices() {
        if count >= units {
            return i;
        }
        count += c.len_utf16() as u32;
    }
    text.len()
}

/// A byte offset into `text` as a textarea offset (UTF-16 code units).
pub fn byte_to_utf16(text: &str, byte: usize) -> u32 {
    let byte = byte.min(text.len());
    let mut b = byte;
    while !text.is_char_boundary(b) {
        b -= 1;
    }
    text[..b].chars().map(|c| c.len_utf16() as u32).sum()
}

/// The byte offset where a 1-based line starts.
pub fn offset_of_line(text: &str, line: u32) -> usize {
    if line <= 1 {
        return 0;
    }
    text.match_indices('\n')
        .nth(line as usize - 2)
        .map_or(text.len(), |(i, _)| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(f: fn(&str, usize, usize) -> Edit, marked: &str) -> String {
        // `[` and `]` mark the selection; `|` a caret.
        let (text, a, b) = if let Some(i) = marked.find('|') {
            (marked.replacen('|', "", 1), i, i)
        } else {
            let a = marked.find('[').unwrap();
            let b = marked.find(']').unwrap() - 1;
            (marked.replacen('[', "", 1).replacen(']', "", 1), a, b)
        };
        let edit = f(&text, a, b);
        let mut out = apply(&text, &edit);
        let (s, e) = edit.selection;
        if s == e {
            out.insert(s, '|');
        } else {
            out.insert(e, ']');
            out.insert(s, '[');
        }
        out
    }

    #[test]
    fn tab_inserts_to_the_next_level_or_indents_lines() {
        assert_eq!(run(indent, "ab:|"), "ab: |");
        assert_eq!(run(indent, "a:|"), "a:  |");
        assert_eq!(run(indent, "a:\n|b"), "a:\n  |b");
        assert_eq!(run(indent, "[a\nb]\nc"), "  [a\n  b]\nc");
        assert_eq!(run(indent, "x\n[a\n\nb\n]c"), "x\n  [a\n\n  b\n]c");
    }

    #[test]
    fn shift_tab_dedents_touched_lines() {
        assert_eq!(run(dedent, "    a|"), "  a|");
        assert_eq!(run(dedent, " [a\n   b]"), "[a\n b]");
        assert_eq!(run(dedent, "a|"), "a|");
    }

    #[test]
    fn enter_keeps_and_deepens_indentation() {
        assert_eq!(run(newline, "  name: web|"), "  name: web\n  |");
        assert_eq!(run(newline, "spec:|"), "spec:\n  |");
        assert_eq!(run(newline, "  - name: web|"), "  - name: web\n    |");
        assert_eq!(run(newline, "    - ports:|"), "    - ports:\n        |");
        assert_eq!(run(newline, "a: > # text|"), "a: > # text\n  |");
        assert_eq!(run(newline, "a: 1 # note:|"), "a: 1 # note:\n|");
    }

    #[test]
    fn offsets_convert_between_utf8_and_utf16() {
        let text = "é😀x";
        assert_eq!(byte_to_utf16(text, 2), 1);
        assert_eq!(byte_to_utf16(text, 6), 3);
        assert_eq!(utf16_to_byte(text, 3), 6);
        assert_eq!(utf16_to_byte(text, 99), text.len());
        assert_eq!(offset_of_line("a\nbb\nc", 3), 5);
        assert_eq!(offset_of_line("a", 9), 1);
    }
}
