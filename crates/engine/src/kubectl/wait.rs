//! `kubectl wait`: advances simulated time until each object meets a
//! condition (`--for=condition=Complete`), is created (`--for=create`), is
//! deleted (`--for=delete`) or
//! until the timeout, as kubectl's watch would see it.

use crate::kubectl::apply::wait_out;
use crate::kubectl::edit::select;
use crate::kubectl::flags::Parsed;
use crate::kubectl::resources;
use crate::kubectl::{Ctx, Fail};
use crate::store::ObjectKey;
use crate::time::{Millis, SECOND};
use crate::value::Value;

/// What `--for` asks.
enum WaitFor {
    /// `condition=NAME[=VALUE]` (compared ignoring case, VALUE "True" by default).
    Condition(String, String),
    /// `delete`.
    Delete,
    /// `jsonpath={…}[=VALUE]`: the expression's text equals VALUE (or,
    /// without one, the field exists).
    JsonPath(crate::kubectl::jsonpath::Template, Option<String>),
}

/// `kubectl wait`.
pub(crate) fn wait(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    let for_flag = p.str_or_empty("for").to_string();
    let wait_for = match for_flag.split_once('=') {
        _ if for_flag.eq_ignore_ascii_case("delete") => WaitFor::Delete,
        Some(("condition", rest)) if !rest.is_empty() => {
            let (name, value) = rest.split_once('=').unwrap_or((rest, "True"));
            WaitFor::Condition(name.to_string(), value.to_string())
        }
        Some(("jsonpath", rest)) => {
            // The value follows the last `=` after the expression.
            let close = rest.rfind('}').unwrap_or(0);
            let (expr, value) = match rest[close..].find('=') {
                Some(i) => (&rest[..close + i], Some(rest[close + i + 1..].to_string())),
                None => (rest, None),
            };
            let expr = crate::kubectl::jsonpath::relaxed(expr).map_err(Fail::error)?;
            let template = crate::kubectl::jsonpath::Template::parse(&expr).map_err(Fail::error)?;
            WaitFor::JsonPath(template, value)
        }
        _ if for_flag.eq_ignore_ascii_case("create") => return wait_for_create(ctx, p),
        _ if for_flag.is_empty() => {
            return Err(Fail::error("--for must be set"));
        }
        _ => {
            return Err(Fail::error(format!("unrecognized condition: {for_flag:?}")));
        }
    };
    let timeout = timeout_of(p);
    let (objs, mut errors) = select(ctx, p, &p.args)?;
    let for_delete = matches!(wait_for, WaitFor::Delete);
    if for_delete {
        // What is already gone is deleted.
        errors.retain(|e| !e.starts_with("Error from server (NotFound)"));
    } else if objs.is_empty() && errors.is_empty() {
        return Err(Fail::error("no matching resources found"));
    }
    // Each object in turn, each with the whole timeout; the first that
    // fails ends the command.
    for (rid, obj) in objs {
        let key = ObjectKey::of(rid, &obj);
        let uid = obj.at(&["metadata", "uid"]).clone();
        let met = |c: &crate::Cluster| -> bool {
            let current = c
                .store
                .get(&key)
                .filter(|o| o.at(&["metadata", "uid"]) == &uid);
            match &wait_for {
                WaitFor::Delete => current.is_none(),
                WaitFor::Condition(name, value) => {
                    current.is_some_and(|o| has_condition(o, name, value))
                }
                WaitFor::JsonPath(template, value) => {
                    current.is_some_and(|o| match (template.execute(o), value) {
                        (Ok(text), Some(v)) => &text == v,
                        (Ok(text), None) => !text.is_empty(),
                        (Err(_), _) => false,
                    })
                }
            }
        };
        // kubectl watches the object (list and watch, by field selector):
        // a user who may not never hears of the change and times out.
        let ns = key.namespace.to_string();
        let watchable = ["list", "watch"].iter().all(|verb| {
            ctx.cluster
                .authorize_resource(verb, rid, "", &ns, "")
                .is_ok()
        });
        let done = wait_out(ctx.cluster, timeout, &|c: &crate::Cluster| {
            watchable && met(c)
        });
        let name = obj.str_at(&["metadata", "name"]).unwrap_or("");
        if done {
            ctx.out.line(&format!(
                "{} condition met",
                resources::kind_name(rid, name)
            ));
        } else {
            let gone = ctx.cluster.store.get(&key).is_none();
            return Err(Fail::error(if gone && !for_delete {
                format!("{} \"{name}\" not found", rid.get().plural_group())
            } else {
                format!(
                    "timed out waiting for the condition on {}/{name}",
                    rid.get().plural
                )
            }));
        }
    }
    resources::aggregate(errors)
}

/// `--timeout`: 30 s by default, a week when negative.
fn timeout_of(p: &Parsed) -> Millis {
    match p.duration_ms("timeout") {
        Some(t) if t < 0 => 7 * 24 * 3600 * SECOND,
        Some(t) => t as Millis,
        None => 30 * SECOND,
    }
}

/// `--for=create`: polls until every named object exists (kubectl checks
/// every half second), then reports each as `IsCreated` does.
fn wait_for_create(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    let timeout = timeout_of(p);
    let resolved = resources::resolve(&p.args)?;
    let mut keys = Vec::new();
    for t in resolved.targets {
        match t {
            resources::Target::Named(rid, name) => {
                let ns = if rid.get().namespaced {
                    ctx.namespace.as_str()
                } else {
                    ""
                };
                keys.push(ObjectKey::new(rid, ns, &name));
            }
            resources::Target::List(_) => {
                return Err(Fail::error("resource name must be provided"));
            }
        }
    }
    if keys.is_empty() {
        return Err(Fail::error("no matching resources found"));
    }
    let exist = |c: &crate::Cluster| keys.iter().all(|k| c.store.get(k).is_some());
    if !wait_out(ctx.cluster, timeout, exist) {
        return Err(Fail::error("timed out waiting for the condition"));
    }
    // Polled every half second: the wait ends on the next poll.
    let now = ctx.cluster.now;
    ctx.cluster.step((500 - now % 500) % 500);
    for k in &keys {
        ctx.out.line(&format!(
            "{} condition met",
            resources::kind_name(k.resource, &k.name)
        ));
    }
    Ok(())
}

/// `IsConditionMet`: a condition of that type (ignoring case) whose status
/// is `value` (ignoring case).
fn has_condition(obj: &Value, name: &str, value: &str) -> bool {
    obj.at(&["status", "conditions"]).items().any(|c| {
        c.get("type")
            .as_str()
            .is_some_and(|t| t.eq_ignore_ascii_case(name))
            && c.get("status")
                .as_str()
                .is_some_and(|s| s.eq_ignore_ascii_case(value))
    })
}
