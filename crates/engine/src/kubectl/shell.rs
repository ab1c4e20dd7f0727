//! Splitting a command line into words the way a POSIX shell does: blanks
//! separate words, single quotes keep everything literally, double quotes
//! keep blanks and honour `\"`, `\\`, `\$` and `` \` ``, a backslash outside
//! quotes escapes the next character, and `#` at the start of a word begins
//! a comment. Pipes, redirections and command lists are refused: Kubeplay
//! runs one command per line.

/// Splits `line` into words, or explains what it cannot handle.
pub fn split(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\r' | '\n' => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '#' if !in_word => break,
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(ch) => word.push(ch),
                        None => return Err("unterminated single quote".to_string()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(ch @ ('"' | '\\' | '$' | '`')) => word.push(ch),
                            Some('\n') => {}
                            Some(ch) => {
                                word.push('\\');
                                word.push(ch);
                            }
                            None => return Err("unterminated double quote".to_string()),
                        },
                        Some(ch) => word.push(ch),
                        None => return Err("unterminated double quote".to_string()),
                    }
                }
            }
            '\\' => match chars.next() {
                Some('\n') => {}
                Some(ch) => {
                    in_word = true;
                    word.push(ch);
                }
                None => {
                    in_word = true;
                    word.push('\\');
                }
            },
            '|' | ';' | '&' | '<' | '>' | '`' | '(' | ')' => {
                let op: String = match (c, chars.peek()) {
                    ('|', Some('|')) => "||".into(),
                    ('&', Some('&')) => "&&".into(),
                    ('<', Some('<')) => "<<".into(),
                    ('>', Some('>')) => ">>".into(),
                    _ => c.to_string(),
                };
                return Err(format!(
                    "the shell operator `{op}` is not supported: write one command per line"
                ));
            }
            '$' if matches!(chars.peek(), Some('(' | '{'))
                || chars
                    .peek()
                    .is_some_and(|c| c.is_ascii_alphabetic() || *c == '_') =>
            {
                return Err(
                    "shell variables and command substitution (`$…`) are not supported".to_string(),
                );
            }
            ch => {
                in_word = true;
                word.push(ch);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

/// Quotes a word so that [`split`] gives it back unchanged (for echoing
/// command lines).
pub fn quote(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c))
    {
        return word.to_string();
    }
    format!("'{}'", word.replace('\'', "'\\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        split(line).unwrap()
    }

    #[test]
    fn splits_like_a_shell() {
        assert_eq!(
            words("kubectl get  pods -n kube-system"),
            ["kubectl", "get", "pods", "-n", "kube-system"]
        );
        assert_eq!(
            words(r#"kubectl annotate pod x 'note=it'"'"'s fine' "b=\"q\" \$x""#),
            [
                "kubectl",
                "annotate",
                "pod",
                "x",
                "note=it's fine",
                "b=\"q\" $x"
            ]
        );
        assert_eq!(words(r"a\ b c\\d"), ["a b", "c\\d"]);
        assert_eq!(words("get pods # a comment"), ["get", "pods"]);
        assert_eq!(words("a#b"), ["a#b"]);
        assert_eq!(words("''"), [""]);
        assert_eq!(
            words("-o jsonpath='{.items[*].metadata.name}'"),
            ["-o", "jsonpath={.items[*].metadata.name}"]
        );
    }

    #[test]
    fn refuses_what_it_cannot_run() {
        assert_eq!(split("'abc").unwrap_err(), "unterminated single quote");
        assert_eq!(split("\"abc").unwrap_err(), "unterminated double quote");
        assert!(split("get pods | grep x").unwrap_err().contains("`|`"));
        assert!(split("a && b").unwrap_err().contains("`&&`"));
        assert!(split("echo $HOME").unwrap_err().contains("variables"));
        assert_eq!(words("price $5"), ["price", "$5"]);
    }

    #[test]
    fn quote_round_trips() {
        for w in ["plain", "with space", "it's", "", "a\"b", "x=y,z"] {
            assert_eq!(words(&quote(w)), [w]);
        }
    }
}
