//! `kubectl patch`: a strategic merge patch (the default), a JSON merge
//! patch (RFC 7386) or a JSON patch (RFC 6902), applied to the object or
//! its status and written back through the API server.

use crate::kubectl::edit::{print_name_op, select, write};
use crate::kubectl::flags::Parsed;
use crate::kubectl::get;
use crate::kubectl::resources;
use crate::kubectl::{Ctx, DryRun, Fail, FileError, dry_run};
use crate::value::Value;

/// `kubectl patch`.
pub(crate) fn patch(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    let inline = p.str_or_empty("patch").to_string();
    let file = p.str_or_empty("patch-file").to_string();
    if !inline.is_empty() && !file.is_empty() {
        return Err(Fail::error(
            "cannot specify --patch and --patch-file together",
        ));
    }
    if inline.is_empty() && file.is_empty() {
        return Err(Fail::error(
            "must specify --patch or --patch-file containing the contents of the patch",
        ));
    }
    let kind = match p.str_or_empty("type").to_ascii_lowercase().as_str() {
        "" | "strategic" => PatchType::Strategic,
        "merge" => PatchType::Merge,
        "json" => PatchType::Json,
        _ => {
            return Err(Fail::error(format!(
                "--type must be one of [json merge strategic], not {:?}",
                p.str_or_empty("type")
            )));
        }
    };
    let subresource = p.str_or_empty("subresource").to_string();
    if !matches!(subresource.as_str(), "" | "status" | "scale") {
        return Err(Fail::error(format!(
            "invalid subresource value: {subresource:?}. Must be one of [status scale]"
        )));
    }
    let text = if file.is_empty() {
        inline
    } else {
        match ctx.files.read(&file) {
            Ok(t) => t,
            Err(FileError::NotFound) => {
                return Err(Fail::error(format!(
                    "open {file}: no such file or directory"
                )));
            }
            Err(FileError::Other(m)) => return Err(Fail::error(m)),
        }
    };
    // kubectl turns YAML into JSON first.
    let doc = match crate::yaml::load_str(&text) {
        Ok(docs) => docs
            .first()
            .map(|d| d.root.to_value())
            .unwrap_or(Value::Null),
        Err(e) => return Err(Fail::error(format!("unable to parse {text:?}: {e}"))),
    };
    let dry = dry_run(ctx, p)?;
    let output = p.str_or_empty("output");
    let format = match output {
        "" | "name" => None,
        o => Some(get::parse_output(o, false)?),
    };
    let (objs, mut errors) = select(ctx, p, &p.args)?;
    if objs.is_empty() && errors.is_empty() {
        return Err(Fail::error(resources::NO_RESOURCES));
    }
    for (rid, obj) in objs {
        let name = obj.str_at(&["metadata", "name"]).unwrap_or("").to_string();
        let patched = if subresource == "scale" {
            // The Scale view has only `spec.replicas` to change.
            let object_kind = rid.get().kind;
            if !matches!(
                object_kind,
                "Deployment" | "ReplicaSet" | "StatefulSet" | "ReplicationController"
            ) {
                errors.push(format!(
                    "Error from server (NotFound): {} \"{name}\" not found",
                    rid.get().plural_group()
                ));
                continue;
            }
            let scale = Value::from_pairs([(
                "spec",
                Value::from_pairs([("replicas", obj.at(&["spec", "replicas"]).clone())]),
            )]);
            let patched_scale = match kind_of_patch(&scale, &doc, kind) {
                Ok(v) => v,
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            };
            let mut o = obj.clone();
            o.set_at(
                &["spec", "replicas"],
                patched_scale.at(&["spec", "replicas"]).clone(),
            );
            o
        } else {
            match kind_of_patch(&obj, &doc, kind) {
                Ok(v) => v,
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            }
        };
        // The server decodes the patched object as strictly as a manifest.
        let patched = match decode(&patched, rid) {
            Ok(v) => v,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let changed = patched != obj;
        let result = if !changed || dry.is_some() && subresource == "status" {
            // A dry run of a status patch changes nothing either.
            Ok(patched)
        } else if dry == Some(DryRun::Client) {
            Ok(patched)
        } else if subresource == "status" {
            let key = crate::store::ObjectKey::of(rid, &obj);
            ctx.cluster
                .update_status(&key, patched.get("status").clone())
                .map_err(|e| Fail::status(&e))
        } else {
            write(ctx, patched, dry)
        };
        match result {
            Ok(obj) if format.is_some() => {
                let format = format.as_ref().expect("checked");
                get::print_objects(ctx, format, vec![obj], true, false)?;
            }
            Ok(_) => {
                let op = if changed {
                    "patched"
                } else {
                    "patched (no change)"
                };
                print_name_op(ctx, p, rid, &name, op, dry);
            }
            Err(Fail(e)) => errors.push(e),
        }
    }
    resources::aggregate(errors)
}

/// The patch applied to `target`, as the server applies one of `kind`.
fn kind_of_patch(target: &Value, doc: &Value, kind: PatchType) -> Result<Value, String> {
    match kind {
        PatchType::Strategic => {
            if doc.as_object().is_none() {
                return Err(format!(
                    "Error from server (BadRequest): json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
                    json_kind(doc)
                ));
            }
            Ok(strategic_merge(target, doc, "", None))
        }
        PatchType::Merge => Ok(merge_patch(target, doc)),
        PatchType::Json => json_patch(target, doc)
            .map_err(|e| format!("Error from server (UnprocessableEntity): {e}")),
    }
}

/// Decodes a patched object as the API server does (unknown fields and
/// wrong types are refused), through the manifest decoder.
fn decode(obj: &Value, rid: crate::api::registry::ResourceId) -> Result<Value, String> {
    let text = crate::yaml::to_json_compact(obj);
    let docs = crate::yaml::load_str(&text).map_err(|e| format!("error: {e}"))?;
    let Some(doc) = docs.first() else {
        return Err("error: the patched object is empty".into());
    };
    crate::api::schema::decode(&doc.root, rid).map_err(|errors| {
        let message = crate::api::schema::status_message(&errors);
        let kind = rid.get().kind;
        if message.starts_with("strict decoding error") {
            format!("Error from server (BadRequest): {message}")
        } else {
            format!(
                "Error from server (BadRequest): {kind} in version \"{}\" cannot be handled as a {kind}: {message}",
                rid.get().version
            )
        }
    })
}

#[derive(Clone, Copy, PartialEq)]
enum PatchType {
    Strategic,
    Merge,
    Json,
}

/// How Go's encoding/json names a JSON value's type in unmarshal errors.
fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Array(_) => "array",
        Value::String(_) => "string",
        Value::Bool(_) => "bool",
        Value::Null => "null",
        _ => "number",
    }
}

/// A strategic merge patch (`strategicpatch.StrategicMergePatch`): maps
/// merge, `null` deletes, lists with a patch merge key merge item by item
/// (in the live order, new items last; `$patch: delete` removes one), other
/// lists are replaced. `field` is the key `current` is under (a list
/// item's members are under the list's key), `list_key` the patch merge
/// key when `current` is such a list.
fn strategic_merge(
    current: &Value,
    patch: &Value,
    field: &str,
    list_key: Option<&'static str>,
) -> Value {
    match (patch, current) {
        (Value::Object(members), _) => {
            let mut out = if current.as_object().is_some() {
                current.clone()
            } else {
                Value::object()
            };
            for (k, v) in members.iter() {
                // Directives (`$setElementOrder/…`, `$retainKeys`) only
                // order or prune; they are not fields.
                if k.starts_with('$') {
                    continue;
                }
                if v.is_null() {
                    out.remove(k);
                } else {
                    let key = crate::apiserver::apply::merge_key(field, k);
                    let merged = strategic_merge(current.get(k), v, k, key);
                    set_unless_new_and_empty(&mut out, current, k, merged);
                }
            }
            out
        }
        (Value::Array(items), Value::Array(live)) => {
            match list_key {
                Some(key) => {
                    let mut out: Vec<Value> = live.to_vec();
                    for item in items.iter() {
                        let id = item.get(key);
                        if item.get("$patch").as_str() == Some("delete") {
                            out.retain(|c| c.get(key) != id);
                            continue;
                        }
                        match out.iter_mut().find(|c| c.get(key) == id) {
                            // The item's own fields are under the list's name.
                            Some(c) => *c = strategic_merge(c, item, field, None),
                            None => out.push(item.clone()),
                        }
                    }
                    Value::array(out)
                }
                None => patch.clone(),
            }
        }
        _ => patch.clone(),
    }
}

/// Sets a merged member, except an object left empty where there was none
/// (a patch that only deleted: Go's `omitempty` maps vanish, so no field
/// appears).
fn set_unless_new_and_empty(out: &mut Value, before: &Value, key: &str, merged: Value) {
    let empty_object = merged
        .as_object()
        .is_some_and(|m| m.iter().next().is_none());
    if empty_object && before.get(key).is_null() {
        return;
    }
    out.set(key, merged);
}

/// RFC 7386: objects merge member by member, `null` deletes, anything
/// else replaces.
fn merge_patch(target: &Value, patch: &Value) -> Value {
    let Some(members) = patch.as_object() else {
        return patch.clone();
    };
    let mut out = if target.as_object().is_some() {
        target.clone()
    } else {
        Value::object()
    };
    for (k, v) in members.iter() {
        if v.is_null() {
            out.remove(k);
        } else {
            let merged = merge_patch(out.get(k), v);
            set_unless_new_and_empty(&mut out, target, k, merged);
        }
    }
    out
}

/// RFC 6902, with evanphx/json-patch's messages.
fn json_patch(target: &Value, ops: &Value) -> Result<Value, String> {
    let Some(list) = ops.as_array() else {
        return Err(
            "json: cannot unmarshal object into Go value of type jsonpatch.Patch".to_string(),
        );
    };
    let mut doc = target.clone();
    for op in list.iter() {
        let path = op.get("path").as_str().unwrap_or("");
        let parts = pointer(path)?;
        match op.get("op").as_str().unwrap_or("") {
            "add" => add(&mut doc, &parts, op.get("value").clone(), path)?,
            "remove" => {
                remove(&mut doc, &parts, path)?;
            }
            "replace" => {
                remove(&mut doc, &parts, path).map_err(|_| {
                    format!("replace operation does not apply: doc is missing key: {path}")
                })?;
                add(&mut doc, &parts, op.get("value").clone(), path)?;
            }
            "test" => {
                if lookup(&doc, &parts) != Some(op.get("value")) {
                    return Err(format!("testing value {path} failed: test failed"));
                }
            }
            verb @ ("move" | "copy") => {
                let from = op.get("from").as_str().unwrap_or("");
                let from_parts = pointer(from)?;
                let value = lookup(&doc, &from_parts).cloned().ok_or_else(|| {
                    format!("{verb} operation does not apply: doc is missing from path: {from}")
                })?;
                if verb == "move" {
                    remove(&mut doc, &from_parts, from)?;
                }
                add(&mut doc, &parts, value, path)?;
            }
            other => return Err(format!("Unexpected kind: {other}")),
        }
    }
    Ok(doc)
}

/// A JSON pointer's reference tokens (`~1` is `/`, `~0` is `~`).
fn pointer(path: &str) -> Result<Vec<String>, String> {
    if path.is_empty() {
        return Ok(Vec::new());
    }
    let Some(rest) = path.strip_prefix('/') else {
        return Err(format!("invalid JSON pointer: {path:?}"));
    };
    Ok(rest
        .split('/')
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect())
}

fn lookup<'a>(doc: &'a Value, parts: &[String]) -> Option<&'a Value> {
    let mut v = doc;
    for part in parts {
        v = match v {
            Value::Array(items) => items.get(part.parse::<usize>().ok()?)?,
            Value::Object(_) => v.as_object()?.get(part.as_str())?,
            _ => return None,
        };
    }
    Some(v)
}

/// The container a pointer's last token is in.
fn parent_mut<'a>(
    doc: &'a mut Value,
    parts: &[String],
    path: &str,
) -> Result<&'a mut Value, String> {
    let mut v = doc;
    for part in &parts[..parts.len().saturating_sub(1)] {
        let missing = || format!("doc is missing path: {path}: missing value");
        v = match v {
            Value::Array(_) => {
                let i: usize = part.parse().map_err(|_| missing())?;
                v.as_array_mut()
                    .and_then(|items| items.get_mut(i))
                    .ok_or_else(missing)?
            }
            Value::Object(_) => v
                .as_object_mut()
                .and_then(|m| m.get_mut(part.as_str()))
                .ok_or_else(missing)?,
            _ => return Err(missing()),
        };
    }
    Ok(v)
}

fn add(doc: &mut Value, parts: &[String], value: Value, path: &str) -> Result<(), String> {
    let Some(last) = parts.last() else {
        *doc = value;
        return Ok(());
    };
    match parent_mut(doc, parts, path)? {
        parent @ Value::Array(_) => {
            let items = parent.as_array_mut().expect("an array");
            let i = if last == "-" {
                items.len()
            } else {
                last.parse::<usize>()
                    .ok()
                    .filter(|i| *i <= items.len())
                    .ok_or_else(|| format!("add operation does not apply: doc is missing path: {path}: missing value"))?
            };
            items.insert(i, value);
        }
        parent @ Value::Object(_) => parent.set(last, value),
        _ => {
            return Err(format!(
                "add operation does not apply: doc is missing path: {path}: missing value"
            ));
        }
    }
    Ok(())
}

fn remove(doc: &mut Value, parts: &[String], path: &str) -> Result<Value, String> {
    let missing =
        || format!("remove operation does not apply: doc is missing path: {path}: missing value");
    let Some(last) = parts.last() else {
        return Ok(std::mem::replace(doc, Value::Null));
    };
    match parent_mut(doc, parts, path).map_err(|_| missing())? {
        parent @ Value::Array(_) => {
            let items = parent.as_array_mut().expect("an array");
            let i = last
                .parse::<usize>()
                .ok()
                .filter(|i| *i < items.len())
                .ok_or_else(missing)?;
            Ok(items.remove(i))
        }
        parent @ Value::Object(_) => {
            let old = parent.get(last).clone();
            if old.is_null()
                && parent
                    .as_object()
                    .is_some_and(|m| m.get(last.as_str()).is_none())
            {
                return Err(missing());
            }
            parent.remove(last);
            Ok(old)
        }
        _ => Err(missing()),
    }
}
