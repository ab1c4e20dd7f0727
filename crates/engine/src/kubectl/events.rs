//! `kubectl events`: the events of a namespace (or all, or one object's),
//! oldest first, as kubectl's `EventsOptions.Run` lists, filters, sorts and
//! prints them.

use crate::cluster::res;
use crate::kubectl::duration::since;
use crate::kubectl::flags::Parsed;
use crate::kubectl::get::{self, Format};
use crate::kubectl::resources;
use crate::kubectl::tabwriter::TabWriter;
use crate::kubectl::{Ctx, Fail};
use crate::sort::CompactSort;
use crate::time::parse_rfc3339;
use crate::value::Value;
use crate::yaml;

/// `kubectl events`.
pub(crate) fn run(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    // ToOptions: --for, then the printer; Validate: --types.
    let for_object = match p.str_or_empty("for") {
        "" => None,
        text => Some(decode_for(text)?),
    };
    let mut types: Vec<String> = p.all("types").to_vec();
    // `sets.NewString(…).List()`: distinct and sorted.
    types.compact_sort();
    types.dedup();
    let mut format = get::parse_output(&get::output_of(p), false)?;
    get::strict_keys(&mut format, p);
    if types
        .iter()
        .any(|t| !t.eq_ignore_ascii_case("Normal") && !t.eq_ignore_ascii_case("Warning"))
    {
        return Err(Fail::error("valid --types are Normal or Warning"));
    }
    let all_namespaces = p.bool("all-namespaces");
    let mut events = selected(ctx, all_namespaces, for_object.as_ref(), &types)?;
    if p.bool("watch") {
        return watch(
            ctx,
            p,
            &format,
            events,
            (all_namespaces, for_object.as_ref(), &types),
        );
    }
    if events.is_empty() {
        if all_namespaces {
            ctx.out.err_line("No events found.");
        } else {
            let ns = ctx.namespace.clone();
            ctx.out
                .err_line(&format!("No events found in {ns} namespace."));
        }
        return Ok(());
    }
    crate::sort::go_sort_by(&mut events, |a, b| event_time(a) < event_time(b));
    match format {
        Format::Table => {
            let mut tw = TabWriter::table();
            write_rows(ctx, &mut tw, &events, all_namespaces, !p.bool("no-headers"));
            ctx.out.out(&tw.finish());
        }
        // json.MarshalIndent of the typed EventList: fields in struct order.
        Format::Json => ctx.out.out(&yaml::to_json_pretty_in_order(
            &event_list(events),
            &field_order,
        )),
        // kubectl's printer writes into its tab writer here: tabs a
        // template prints line up in columns.
        Format::JsonPath(t, as_json) => {
            let text = get::jsonpath_text(&t, as_json, &event_list(events))?;
            let mut tw = TabWriter::table();
            tw.write(&text);
            ctx.out.out(&tw.finish());
        }
        format => get::print_value(ctx, &format, event_list(events), false)?,
    }
    Ok(())
}

/// The events `kubectl events` shows: the namespace's (or all), of the
/// `--for` object, of the `--types`.
fn selected(
    ctx: &Ctx,
    all_namespaces: bool,
    for_object: Option<&(&'static str, String)>,
    types: &[String],
) -> Result<Vec<Value>, Fail> {
    let scope = (!all_namespaces).then_some(ctx.namespace.as_str());
    let listed = resources::list(ctx.cluster, res("Event"), scope).map_err(|e| Fail::status(&e))?;
    Ok(listed
        .into_iter()
        .filter(|e| {
            let involved = e.get("involvedObject");
            // `forName == ""` (`--for pod/`) selects nothing: every event.
            for_object
                .filter(|(_, name)| !name.is_empty())
                .is_none_or(|(kind, name)| {
                    involved.get("kind").as_str() == Some(kind)
                        && involved.get("name").as_str() == Some(name)
                })
        })
        .filter(|e| {
            let t = e.get("type").as_str().unwrap_or("");
            types.is_empty() || types.iter().any(|f| f.eq_ignore_ascii_case(t))
        })
        .collect())
}

/// The table's rows (and its header, with `headers`).
fn write_rows(
    ctx: &Ctx,
    tw: &mut TabWriter,
    events: &[Value],
    all_namespaces: bool,
    headers: bool,
) {
    let now = ctx.cluster.now;
    if headers {
        if all_namespaces {
            tw.write("NAMESPACE\t");
        }
        tw.write("LAST SEEN\tTYPE\tREASON\tOBJECT\tMESSAGE\n");
    }
    for e in events {
        if all_namespaces {
            tw.write(e.str_at(&["metadata", "namespace"]).unwrap_or(""));
            tw.write("\t");
        }
        let involved = e.get("involvedObject");
        let text = |v: &Value| escape_cell(v.as_str().unwrap_or(""));
        tw.write(&format!(
            "{}\t{}\t{}\t{}/{}\t{}\n",
            interval(e, now),
            text(e.get("type")),
            text(e.get("reason")),
            text(involved.get("kind")),
            text(involved.get("name")),
            escape_cell(e.get("message").as_str().unwrap_or("").trim()),
        ));
    }
}

/// `kubectl events --watch`: the events so far, then each new or updated
/// one as the cluster runs on, in the table's remembered columns. Kubeplay
/// stops as `get --watch` does.
fn watch(
    ctx: &mut Ctx,
    p: &Parsed,
    format: &Format,
    mut events: Vec<Value>,
    (all_namespaces, for_object, types): (bool, Option<&(&'static str, String)>, &[String]),
) -> Result<(), Fail> {
    crate::sort::go_sort_by(&mut events, |a, b| event_time(a) < event_time(b));
    let mut tw = TabWriter::table_remembering_widths();
    let mut headers = !p.bool("no-headers");
    // Each event as it arrives: a row, or the object in another format.
    let mut show = |ctx: &mut Ctx, events: &[Value], headers: bool| -> Result<(), Fail> {
        if matches!(format, Format::Table) {
            write_rows(ctx, &mut tw, events, all_namespaces, headers);
            ctx.out.out(&tw.take());
            return Ok(());
        }
        for e in events {
            get::print_value(ctx, format, e.clone(), true)?;
        }
        Ok(())
    };
    if !events.is_empty() {
        show(ctx, &events, headers)?;
        headers = false;
    }
    let name = |e: &Value| e.str_at(&["metadata", "name"]).unwrap_or("").to_string();
    let mut seen: crate::vecmap::VecMap<String, Value> =
        events.into_iter().map(|e| (name(&e), e)).collect();
    let mut watching = get::Watching::new(ctx, p);
    while watching.step(ctx) {
        let mut current = selected(ctx, all_namespaces, for_object, types)?;
        crate::sort::go_sort_by(&mut current, |a, b| event_time(a) < event_time(b));
        let changed: Vec<Value> = current
            .iter()
            .filter(|e| seen.get(name(e).as_str()) != Some(*e))
            .cloned()
            .collect();
        if !changed.is_empty() {
            watching.last_change = Some(ctx.cluster.now);
            show(ctx, &changed, headers)?;
            headers = false;
        }
        seen = current.into_iter().map(|e| (name(&e), e)).collect();
    }
    watching.note(ctx, get::WATCH_NOTE);
    Ok(())
}

/// `decodeResourceTypeName`: `TYPE/NAME` through the REST mapper, which
/// knows plural, singular and short names but not `TYPE.GROUP`.
fn decode_for(text: &str) -> Result<(&'static str, String), Fail> {
    let Some((resource, name)) = text.split_once('/') else {
        return Err(Fail::error("--for must be in resource/name form"));
    };
    if name.contains('/') {
        return Err(Fail::error(
            "arguments in resource/name form may not have more than one slash",
        ));
    }
    let unknown = || {
        Fail::error(format!(
            "the server doesn't have a resource type \"{resource}\""
        ))
    };
    if resource.is_empty() {
        // The REST mapper's own complaint about an empty resource.
        return Err(Fail::error("a resource must be present, got: /, Resource="));
    }
    if resource.contains('.') {
        return Err(unknown());
    }
    let rid = resources::lookup_type(resource).map_err(|_| unknown())?;
    Ok((rid.get().kind, name.to_string()))
}

/// The EventList kubectl builds from the pages it listed (no list metadata).
fn event_list(items: Vec<Value>) -> Value {
    Value::from_pairs([
        ("apiVersion", Value::str("v1")),
        ("items", Value::array(items)),
        ("kind", Value::str("EventList")),
        ("metadata", Value::object()),
    ])
}

/// The field order of `v1.EventList` and what it holds, by the key an
/// object is under.
fn field_order(key: &str) -> &'static [&'static str] {
    match key {
        "" => &["kind", "apiVersion", "metadata", "items"],
        "items" => &[
            "kind",
            "apiVersion",
            "metadata",
            "involvedObject",
            "reason",
            "message",
            "source",
            "firstTimestamp",
            "lastTimestamp",
            "count",
            "type",
            "eventTime",
            "series",
            "action",
            "related",
            "reportingComponent",
            "reportingInstance",
        ],
        "metadata" => crate::apiserver::raw::OBJECT_META_FIELDS,
        "involvedObject" | "related" => &[
            "kind",
            "namespace",
            "name",
            "uid",
            "apiVersion",
            "resourceVersion",
            "fieldPath",
        ],
        "source" => &["component", "host"],
        "series" => &["count", "lastObservedTime"],
        _ => &[],
    }
}

/// `eventTime`: what kubectl events sorts by, in microseconds (an
/// `events.k8s.io` event's time has them; a `lastTimestamp` is whole
/// seconds, so it sorts before the same second's micro times).
fn event_time(e: &Value) -> u64 {
    let at = |v: &Value| {
        let text = v.as_str()?;
        let ms = parse_rfc3339(text)?;
        // The fraction's fourth to sixth digits, when given.
        let micro = text
            .split_once('.')
            .map(|(_, f)| f.trim_end_matches('Z'))
            .and_then(|f| f.get(3..6))
            .and_then(|d| d.parse::<u64>().ok())
            .unwrap_or(0);
        Some(ms * 1000 + micro)
    };
    if !e.get("series").is_null() {
        return at(e.at(&["series", "lastObservedTime"])).unwrap_or(0);
    }
    at(e.get("lastTimestamp"))
        .or_else(|| at(e.get("eventTime")))
        .unwrap_or(0)
}

/// `getInterval`: the LAST SEEN column (and `kubectl describe`'s Age).
pub(crate) fn interval(e: &Value, now: u64) -> String {
    let first = if e.get("eventTime").is_null() {
        since(now, e.get("firstTimestamp"))
    } else {
        since(now, e.get("eventTime"))
    };
    if !e.get("series").is_null() {
        let count = e.at(&["series", "count"]).as_i64().unwrap_or(0);
        let last = since(now, e.at(&["series", "lastObservedTime"]));
        return format!("{last} (x{count} over {first})");
    }
    match e.get("count").as_i64().unwrap_or(0) {
        count if count > 1 => {
            let last = since(now, e.get("lastTimestamp"));
            format!("{last} (x{count} over {first})")
        }
        _ => first,
    }
}

/// `escapeCell`: a cell ends at a line break (`...` marks the cut), and
/// terminal escapes are shown, not sent (`printers.EscapeTerminal`).
fn escape_cell(text: &str) -> String {
    let text = match text.find(['\x0c', '\n', '\r']) {
        Some(at) => format!("{}...", &text[..at]),
        None => text.to_string(),
    };
    text.replace('\x1b', "^[")
}
