//! How Go's `fmt` prints the bad values inside field errors: `%q` strings,
//! `%#v` maps, slices and structs (`map[string]string{"app":"web"}`,
//! `v1.LabelSelector{MatchLabels:…, MatchExpressions:…}`).

use crate::api::errors::quote;
use crate::value::Value;

/// `%#v` of a `map[string]string`: keys sorted, `(nil)` when absent.
/// Members that are not strings are left out (the decoder rejects them).
pub fn string_map(v: &Value) -> String {
    let Some(m) = v.as_object() else {
        return "map[string]string(nil)".to_string();
    };
    let mut s = String::from("map[string]string{");
    let mut first = true;
    for (k, val) in m.iter() {
        let Some(val) = val.as_str() else { continue };
        if !first {
            s.push_str(", ");
        }
        first = false;
        s.push_str(&quote(k));
        s.push(':');
        s.push_str(&quote(val));
    }
    s.push('}');
    s
}

/// `%#v` of a `[]string`, `[]string(nil)` when absent.
pub fn string_slice(v: &Value) -> String {
    match v.as_array() {
        Some(items) => strings(items.iter().filter_map(Value::as_str)),
        None => "[]string(nil)".to_string(),
    }
}

/// `%#v` of a non-nil `[]string` built from strings.
pub fn strings<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let mut s = String::from("[]string{");
    for (i, it) in items.into_iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        s.push_str(&quote(it));
    }
    s.push('}');
    s
}

/// `%#v` of a `v1.LabelSelector` (what the API server prints for
/// `spec.selector`, e.g. in `field is immutable`).
pub fn label_selector(v: &Value) -> String {
    let mut s = String::from("v1.LabelSelector{MatchLabels:");
    s.push_str(&string_map(v.get("matchLabels")));
    s.push_str(", MatchExpressions:");
    match v.get("matchExpressions").as_array() {
        None => s.push_str("[]v1.LabelSelectorRequirement(nil)"),
        Some(exprs) => {
            s.push_str("[]v1.LabelSelectorRequirement{");
            for (i, e) in exprs.iter().enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                s.push_str("v1.LabelSelectorRequirement{Key:");
                s.push_str(&quote(e.get("key").as_str().unwrap_or("")));
                s.push_str(", Operator:");
                s.push_str(&quote(e.get("operator").as_str().unwrap_or("")));
                s.push_str(", Values:");
                s.push_str(&string_slice(e.get("values")));
                s.push('}');
            }
            s.push('}');
        }
    }
    s.push('}');
    s
}

/// How an `intstr.IntOrString` prints (through its `String()` method): the
/// number, or the string unquoted.
pub fn int_or_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_string(),
        Value::Null => "0".to_string(),
        other => other
            .as_i64()
            .map_or_else(|| "0".to_string(), |i| i.to_string()),
    }
}

/// `%#v` of an `intstr.IntOrString` nested in a struct (no `String()`).
pub fn int_or_string_struct(v: &Value) -> String {
    match v {
        Value::String(s) => format!(
            "intstr.IntOrString{{Type:1, IntVal:0, StrVal:{}}}",
            quote(s)
        ),
        other => format!(
            "intstr.IntOrString{{Type:0, IntVal:{}, StrVal:\"\"}}",
            other.as_i64().unwrap_or(0)
        ),
    }
}

/// A value printed like the Go field it came from: strings quoted, numbers
/// and booleans bare, `null` for nothing.
pub fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => quote(s),
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => crate::yaml::format_float(*f),
        other => crate::yaml::to_json_compact(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_and_maps_print_like_go() {
        let sel = Value::from_pairs([(
            "matchLabels",
            Value::from_pairs([("app", Value::str("x")), ("a", Value::str("b"))]),
        )]);
        assert_eq!(
            label_selector(&sel),
            "v1.LabelSelector{MatchLabels:map[string]string{\"a\":\"b\", \"app\":\"x\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}"
        );
        assert_eq!(string_map(&Value::Null), "map[string]string(nil)");
        assert_eq!(string_slice(&Value::Null), "[]string(nil)");
        assert_eq!(strings(["a", "b"]), "[]string{\"a\", \"b\"}");
        assert_eq!(int_or_string(&Value::str("25%")), "25%");
        assert_eq!(int_or_string(&Value::Int(0)), "0");
    }
}
