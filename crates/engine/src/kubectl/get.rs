//! `kubectl get`, and the output formats every command shares (`-o yaml`,
//! `-o json`, `-o name`, `-o jsonpath=…`, `-o custom-columns=…`).

use crate::sort::CompactSort;
use std::cmp::Ordering;

use crate::api::registry::ResourceId;
use crate::kubectl::flags::Parsed;
use crate::kubectl::jsonpath::{self, Template};
use crate::kubectl::printers::{self, TableOptions};
use crate::kubectl::resources::{self, Target};
use crate::kubectl::selector::{self, LabelQuery};
use crate::kubectl::tabwriter::TabWriter;
use crate::kubectl::{Ctx, Fail};
use crate::value::Value;
use crate::yaml;

/// An `-o` output format.
#[derive(Clone, Debug)]
pub(crate) enum Format {
    /// The default table.
    Table,
    /// `-o wide`
    Wide,
    /// `-o yaml`
    Yaml,
    /// `-o json`
    Json,
    /// `-o name`
    Name,
    /// `-o jsonpath=…` (or `jsonpath-as-json`)
    JsonPath(Template, bool),
    /// `-o custom-columns=…`
    CustomColumns(Vec<(String, Template)>),
    /// `-o go-template=…` (or `template=…`)
    GoTemplate(crate::kubectl::gotemplate::GoTemplate),
}

impl Format {
    /// Whether this is a table (`get`'s human-readable printer).
    pub(crate) fn is_table(&self) -> bool {
        matches!(self, Format::Table | Format::Wide)
    }
}

const GET_FORMATS: &str = "custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml";
const OBJECT_FORMATS: &str = "go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,yaml";

/// The output format with `--template`: it completes `-o go-template`
/// (or `template`, `jsonpath`, `jsonpath-as-json`), and alone means
/// `go-template`, as kubectl's print flags read them.
pub(crate) fn output_of(p: &Parsed) -> String {
    let output = p.str_or_empty("output");
    let template = p.str_or_empty("template");
    if template.is_empty() || output.contains('=') {
        return output.to_string();
    }
    match output {
        "" => format!("go-template={template}"),
        "go-template" | "template" | "jsonpath" | "jsonpath-as-json" => {
            format!("{output}={template}")
        }
        _ => output.to_string(),
    }
}

/// `--allow-missing-template-keys=false` makes a template's missing key an
/// error.
pub(crate) fn strict_keys(format: &mut Format, p: &Parsed) {
    if let Format::GoTemplate(t) = format {
        t.strict = !p.bool_or("allow-missing-template-keys", true);
    }
}

/// Parses `-o`. `tables` allows `wide` and `custom-columns` (get only).
pub(crate) fn parse_output(output: &str, tables: bool) -> Result<Format, Fail> {
    let allowed = if tables { GET_FORMATS } else { OBJECT_FORMATS };
    let no_printer = || {
        Fail::error(format!(
            "unable to match a printer suitable for the output format \"{output}\", allowed formats are: {allowed}"
        ))
    };
    let (name, arg) = match output.split_once('=') {
        Some((n, a)) => (n, Some(a)),
        None => (output, None),
    };
    match (name, arg) {
        ("", None) => Ok(Format::Table),
        ("wide", None) if tables => Ok(Format::Wide),
        ("yaml", None) => Ok(Format::Yaml),
        ("json", None) => Ok(Format::Json),
        ("name", None) => Ok(Format::Name),
        ("jsonpath" | "jsonpath-as-json", Some(t)) => {
            let template = Template::parse(t)
                .map_err(|e| Fail::error(format!("error parsing jsonpath {t}, {e}")))?;
            Ok(Format::JsonPath(template, name == "jsonpath-as-json"))
        }
        ("jsonpath" | "jsonpath-as-json", None) => Err(Fail::error(
            "template format specified but no template given",
        )),
        ("custom-columns", Some(spec)) if tables => {
            if spec.is_empty() {
                return Err(Fail::error(
                    "custom-columns format specified but no custom columns given",
                ));
            }
            let mut cols = Vec::new();
            for part in spec.split(',') {
                let Some((header, path)) = part.split_once(':') else {
                    return Err(Fail::error(format!(
                        "unexpected custom-columns spec: {part}, expected <header>:<json-path-expr>"
                    )));
                };
                let expr = jsonpath::relaxed(path).map_err(Fail::error)?;
                let t = Template::parse(&expr)
                    .map_err(|e| Fail::error(format!("error parsing jsonpath {expr}, {e}")))?;
                cols.push((header.to_string(), t));
            }
            Ok(Format::CustomColumns(cols))
        }
        ("custom-columns", None) if tables => Err(Fail::error(
            "custom-columns format specified but no custom columns given",
        )),
        ("go-template" | "template", Some(t)) if !t.is_empty() => {
            let template = crate::kubectl::gotemplate::GoTemplate::parse(t)
                .map_err(|e| Fail::error(format!("error parsing template {t}, {e}")))?;
            Ok(Format::GoTemplate(template))
        }
        ("go-template" | "template", _) => Err(Fail::error(
            "template format specified but no template given",
        )),
        ("go-template-file" | "templatefile" | "jsonpath-file" | "custom-columns-file", _)
            if allowed.split(',').any(|f| f == name) =>
        {
            // Kubeplay reads no local files for a printer: the same
            // template inline works.
            let inline = match name {
                "go-template-file" | "templatefile" => "go-template",
                "jsonpath-file" => "jsonpath",
                _ => "custom-columns",
            };
            Err(Fail::error(format!(
                "-o {name} is not supported in Kubeplay; give the template inline with -o {inline}=…"
            )))
        }
        _ => Err(no_printer()),
    }
}

/// The List kubectl wraps several objects in.
pub(crate) fn list_of(items: Vec<Value>) -> Value {
    Value::from_pairs([
        ("apiVersion", Value::str("v1")),
        ("items", Value::array(items)),
        ("kind", Value::str("List")),
        (
            "metadata",
            Value::from_pairs([("resourceVersion", Value::str(""))]),
        ),
    ])
}

/// `kind.group/name` for the name printer, from an object's own type fields.
pub(crate) fn name_of(obj: &Value) -> String {
    let kind = obj.get("kind").as_str().unwrap_or("").to_ascii_lowercase();
    let group = obj
        .get("apiVersion")
        .as_str()
        .and_then(|v| v.split_once('/'))
        .map(|(g, _)| g)
        .unwrap_or("");
    let name = obj.str_at(&["metadata", "name"]).unwrap_or("<unknown>");
    if group.is_empty() {
        format!("{kind}/{name}")
    } else {
        format!("{kind}.{group}/{name}")
    }
}

/// Prints objects in a non-table format: one object as itself, or a List.
pub(crate) fn print_objects(
    ctx: &mut Ctx,
    format: &Format,
    objs: Vec<Value>,
    single: bool,
    no_headers: bool,
) -> Result<(), Fail> {
    let data = if single && objs.len() == 1 {
        objs.into_iter().next().expect("one")
    } else {
        list_of(objs)
    };
    print_value(ctx, format, data, no_headers)
}

/// Prints one object or list in a non-table format.
pub(crate) fn print_value(
    ctx: &mut Ctx,
    format: &Format,
    data: Value,
    no_headers: bool,
) -> Result<(), Fail> {
    match format {
        Format::Yaml => ctx.out.out(&yaml::to_yaml(&data)),
        Format::Json => ctx.out.out(&yaml::to_json_pretty(&data)),
        Format::Name => {
            // `meta.IsListType`: a List, an EventList…
            let is_list = data
                .get("kind")
                .as_str()
                .is_some_and(|k| k.ends_with("List"));
            if is_list && !data.get("items").is_null() {
                for item in data.get("items").items() {
                    ctx.out.line(&name_of(item));
                }
            } else {
                ctx.out.line(&name_of(&data));
            }
        }
        Format::JsonPath(t, as_json) => {
            let text = jsonpath_text(t, *as_json, &data)?;
            ctx.out.out(&text);
        }
        Format::GoTemplate(t) => match t.execute(&data) {
            Ok(text) => ctx.out.out(&text),
            // What it wrote, then kubectl's report of the data it had.
            Err((partial, e)) => {
                ctx.out.out(&partial);
                ctx.out.out(&format!(
                    "Error executing template: {e}. Printing more information for debugging the template:\n\ttemplate was:\n\t\t{}\n\traw data was:\n\t\t{}\n\tobject given to template engine was:\n\t\t{}\n\n",
                    t.source(),
                    yaml::to_json_compact(&data),
                    crate::kubectl::gotemplate::go_v(&data)
                ));
                return Err(Fail::error(format!(
                    "error executing template {}: {e}",
                    crate::api::errors::quote(t.source())
                )));
            }
        },
        Format::CustomColumns(cols) => {
            let items: Vec<Value> = if data.get("kind").as_str() == Some("List") {
                data.get("items").items().cloned().collect()
            } else {
                vec![data]
            };
            let mut tw = TabWriter::table();
            if !no_headers {
                let headers: Vec<&str> = cols.iter().map(|(h, _)| h.as_str()).collect();
                tw.write(&headers.join("\t"));
                tw.write("\n");
            }
            for item in &items {
                let mut cells = Vec::new();
                for (_, t) in cols {
                    let values = t.results(item).map_err(|e| jsonpath_error(t, item, &e))?;
                    if values.is_empty() {
                        cells.push("<none>".to_string());
                    } else {
                        // The printer's fmt.Sprint: maps and lists in Go's
                        // form (`[map[effect:NoSchedule key:…]]`), not JSON.
                        cells.push(
                            values
                                .iter()
                                .map(crate::kubectl::gotemplate::go_v)
                                .collect::<Vec<_>>()
                                .join(","),
                        );
                    }
                }
                tw.write(&cells.join("\t"));
                tw.write("\n");
            }
            ctx.out.out(&tw.finish());
        }
        Format::Table | Format::Wide => {}
    }
    Ok(())
}

/// What `-o jsonpath=…` (or `jsonpath-as-json`) prints for `data`.
pub(crate) fn jsonpath_text(t: &Template, as_json: bool, data: &Value) -> Result<String, Fail> {
    Ok(if as_json {
        let results = t.results(data).map_err(|e| jsonpath_error(t, data, &e))?;
        yaml::to_json_pretty(&Value::array(results))
    } else {
        t.execute(data).map_err(|e| jsonpath_error(t, data, &e))?
    })
}

fn jsonpath_error(t: &Template, data: &Value, e: &str) -> Fail {
    Fail::error(format!(
        "error executing jsonpath {}: Error executing template: {e}. Printing more information for debugging the template:\n\ttemplate was:\n\t\t{}\n\tobject given to jsonpath engine was:\n\t\t{}\n\n",
        crate::api::errors::quote(t.source()),
        t.source(),
        jsonpath::go_sharp_v(data)
    ))
}

/// The label and field filters of a list request.
pub(crate) struct Filters {
    /// The parsed `-l`, or the parse error the API server answers a list
    /// with (kubectl does not parse selectors itself).
    pub labels: Result<LabelQuery, String>,
    pub label_text: String,
    pub fields: Vec<selector::FieldTerm>,
    pub field_text: String,
}

impl Filters {
    /// Reads `-l` and `--field-selector`.
    pub(crate) fn from(p: &Parsed) -> Result<Filters, Fail> {
        let label_text = p.str_or_empty("selector").to_string();
        let labels = selector::parse_label_selector(&label_text);
        let field_text = p.str_or_empty("field-selector").to_string();
        let fields = selector::parse_field_selector(&field_text).map_err(Fail::error)?;
        Ok(Filters {
            labels,
            label_text,
            fields,
            field_text,
        })
    }

    /// True when no filter is set.
    pub(crate) fn is_empty(&self) -> bool {
        self.label_text.trim().is_empty() && self.fields.is_empty()
    }

    /// Keeps the objects that match, or the API server's BadRequest for a
    /// field it cannot select on.
    pub(crate) fn apply(&self, rid: ResourceId, objs: Vec<Value>) -> Result<Vec<Value>, Fail> {
        let rt = rid.get();
        let bad_request = |message: &str| {
            Fail::raw(format!(
                "Error from server (BadRequest): Unable to find \"{}/{}, Resource={}\" that match label selector \"{}\", field selector \"{}\": {message}",
                rt.group, rt.version, rt.plural, self.label_text, self.field_text
            ))
        };
        let labels = self.labels.as_ref().map_err(|e| bad_request(e))?;
        for term in &self.fields {
            if selector::field_value(rt.kind, &Value::Null, &term.field).is_none() {
                return Err(bad_request(&format!(
                    "field label not supported: {}",
                    term.field
                )));
            }
        }
        Ok(objs
            .into_iter()
            .filter(|o| labels.matches(o.at(&["metadata", "labels"])))
            .filter(|o| {
                self.fields.iter().all(|t| {
                    let v = selector::field_value(rt.kind, o, &t.field).unwrap_or_default();
                    (v == t.value) != t.negated
                })
            })
            .collect())
    }
}

/// One result of the builder: a list (even empty) or a named object.
struct Info {
    rid: ResourceId,
    objs: Vec<Value>,
}

/// One target of a watch: its type, its namespace (none across all
/// namespaces or for cluster-scoped types) and its name.
struct WatchScope {
    rid: ResourceId,
    namespace: Option<String>,
    name: Option<String>,
}

/// How long a watch goes on after its last change before Kubeplay stops
/// it (kubectl would watch until Ctrl-C): longer than a minute, so a
/// CronJob's every-minute Jobs keep it going.
pub(crate) const WATCH_QUIET: crate::time::Millis = 90 * crate::time::SECOND;
/// The longest a watch goes on.
pub(crate) const WATCH_HORIZON: crate::time::Millis = 5 * crate::time::MINUTE;

/// When a watch (or a followed log) that Kubeplay runs stops, since
/// kubectl's would go on until Ctrl-C: `quiet` after the last change,
/// `horizon` after the start (before any change too), or at the timeout.
pub(crate) struct Watching {
    pub start: crate::time::Millis,
    pub quiet: crate::time::Millis,
    pub horizon: crate::time::Millis,
    /// `--request-timeout`, which replaces the other two.
    pub timeout: Option<crate::time::Millis>,
    /// When the last change was seen.
    pub last_change: Option<crate::time::Millis>,
}

impl Watching {
    /// A watch from now with `--request-timeout` read from `p`.
    pub(crate) fn new(ctx: &Ctx, p: &Parsed) -> Watching {
        Watching {
            start: ctx.cluster.now,
            quiet: WATCH_QUIET,
            horizon: WATCH_HORIZON,
            timeout: request_timeout(p),
            last_change: None,
        }
    }

    /// Runs the cluster to its next timer (not past the stop); false once
    /// the watch has stopped.
    pub(crate) fn step(&self, ctx: &mut Ctx) -> bool {
        let now = ctx.cluster.now;
        let stop_at = match (self.timeout, self.last_change) {
            (Some(t), _) => self.start + t,
            (None, Some(last)) => (last + self.quiet).min(self.start + self.horizon),
            (None, None) => self.start + self.horizon,
        };
        if now >= stop_at {
            return false;
        }
        let next = ctx.cluster.next_timer_at().unwrap_or(stop_at);
        ctx.cluster.step(next.clamp(now, stop_at) - now);
        true
    }

    /// Kubeplay's note on why it stopped (none at a timeout): `watching`
    /// or `following`, the change's name and kubectl's own end.
    pub(crate) fn note(&self, ctx: &mut Ctx, (verb, change, kubectl): (&str, &str, &str)) {
        if self.timeout.is_some() {
            return;
        }
        let why = if ctx.cluster.now >= self.start + self.horizon {
            format!("after {}", crate::kubelet::go_duration(self.horizon))
        } else {
            format!(
                "{} after the last {change}",
                crate::kubelet::go_duration(self.quiet)
            )
        };
        ctx.out
            .err_line(&format!("(Kubeplay stopped {verb} {why}; {kubectl})"));
    }
}

/// The note's words for a watch.
pub(crate) const WATCH_NOTE: (&str, &str, &str) = (
    "watching",
    "change",
    "kubectl watches until Ctrl-C, or --request-timeout",
);

/// `--request-timeout` (`10s`, or bare seconds): a watch or a followed
/// log ends after it; 0 or none is no timeout.
pub(crate) fn request_timeout(p: &Parsed) -> Option<crate::time::Millis> {
    p.str("request-timeout")
        .and_then(|t| match t.parse::<u64>() {
            Ok(seconds) => seconds.checked_mul(crate::time::SECOND),
            Err(_) => crate::kubectl::flags::parse_go_duration(t)
                .ok()
                .map(|d| d.max(0) as crate::time::Millis),
        })
        .filter(|t| *t > 0)
        // Kubeplay watches an hour at most, whatever the timeout.
        .map(|t| t.min(WATCH_LONGEST))
}

/// The longest Kubeplay watches or follows, even with a longer
/// `--request-timeout`.
pub(crate) const WATCH_LONGEST: crate::time::Millis = 60 * crate::time::MINUTE;

/// `kubectl get --watch`: the list (unless `--watch-only`), then a row
/// for every change as the cluster runs, each printed as it arrives with
/// the column widths kubectl's writer remembers. Kubeplay stops after a
/// minute without a change (five at most), or at `--request-timeout`.
fn watch(
    ctx: &mut Ctx,
    p: &Parsed,
    format: &Format,
    infos: Vec<Info>,
    scopes: &[WatchScope],
    filters: &Filters,
) -> Result<(), Fail> {
    let Some(rid) = scopes.first().map(|s| s.rid) else {
        return Ok(());
    };
    if scopes.iter().any(|s| s.rid != rid) {
        // The builder's SingleResourceType for typed arguments; objects
        // of several kinds from files reach the watch itself.
        return Err(Fail::error(if p.all("filename").is_empty() {
            "you may only specify a single resource type"
        } else {
            "watch is only supported on individual resources and resource collections - more than 1 resource was found"
        }));
    }
    let events = p.bool("output-watch-events");
    let wide = matches!(format, Format::Wide);
    let opts = TableOptions {
        wide,
        no_headers: p.bool("no-headers"),
        with_namespace: p.bool("all-namespaces") && rid.get().namespaced,
        with_kind: p.bool("show-kind").then(|| rid.get().singular_group()),
        label_columns: p.all("label-columns").to_vec(),
        show_labels: p.bool("show-labels"),
    };
    let mut tw = TabWriter::table_remembering_widths();
    let mut printed = 0usize;
    let mut print = |ctx: &mut Ctx, objs: &[&Value], event: &str, headers: bool| {
        if !format.is_table() {
            for obj in objs {
                // A watch event: JSON on one line (`json.Marshal`); the
                // name printer names the object.
                if events && matches!(format, Format::Json) {
                    let wrapped = Value::from_pairs([
                        ("type", Value::str(event)),
                        ("object", (*obj).clone()),
                    ]);
                    ctx.out
                        .out(&format!("{}\n", yaml::to_json_compact(&wrapped)));
                    continue;
                }
                let obj = if events && !matches!(format, Format::Name) {
                    Value::from_pairs([("type", Value::str(event)), ("object", (*obj).clone())])
                } else {
                    (*obj).clone()
                };
                // The YAML printer separates the documents it prints.
                if matches!(format, Format::Yaml) && printed > 0 {
                    ctx.out.out("---\n");
                }
                let _ = print_value(ctx, format, obj, true);
                printed += 1;
            }
            return;
        }
        let table = printers::table(rid, objs, wide, ctx.cluster.now);
        let mut raw = TabWriter::table();
        printers::write_table(&mut raw, &table, objs, &opts, headers);
        let mut text = raw.raw();
        if events {
            // `--output-watch-events`: an EVENT column first.
            text = text
                .lines()
                .enumerate()
                .map(|(i, l)| {
                    // `formattedEventType` pads the type to 8.
                    let cell = if headers && !opts.no_headers && i == 0 {
                        "EVENT".to_string()
                    } else {
                        format!("{event:<8}")
                    };
                    format!("{cell}\t{l}\n")
                })
                .collect();
        }
        tw.write(&text);
        ctx.out.out(&tw.take());
    };
    // The header comes with the first rows printed.
    let mut headers = true;
    if !p.bool("watch-only") {
        let objs: Vec<&Value> = infos.iter().flat_map(|i| i.objs.iter()).collect();
        if !objs.is_empty() {
            print(ctx, &objs, "ADDED", true);
            headers = false;
        }
    }
    let mut watching = Watching::new(ctx, p);
    // An HPA's scale-down waits out its five-minute stabilization window.
    if rid.get().kind == "HorizontalPodAutoscaler" {
        watching.quiet = 6 * crate::time::MINUTE;
        watching.horizon = 2 * WATCH_HORIZON;
    }
    // Events are the recorder's, not stored objects: compared step by step.
    let is_event = rid.get().kind == "Event";
    let list_events = |ctx: &Ctx| -> Vec<Value> {
        let ns = scopes.first().and_then(|s| s.namespace.as_deref());
        resources::list(ctx.cluster, rid, ns)
            .unwrap_or_default()
            .into_iter()
            .filter(|e| {
                scopes.iter().any(|s| {
                    s.name
                        .as_deref()
                        .is_none_or(|n| e.str_at(&["metadata", "name"]) == Some(n))
                })
            })
            .collect()
    };
    // The events seen, by name.
    let by_name = |events: Vec<Value>| -> crate::vecmap::VecMap<String, Value> {
        events
            .into_iter()
            .map(|e| (e.str_at(&["metadata", "name"]).unwrap_or("").to_string(), e))
            .collect()
    };
    let mut seen_events = by_name(if is_event {
        list_events(ctx)
    } else {
        Vec::new()
    });
    ctx.cluster.watch_tap = Some((rid, Vec::new()));
    // Until a first change, the watch waits (a CronJob's first Job).
    while watching.step(ctx) {
        let changes = ctx
            .cluster
            .watch_tap
            .as_mut()
            .map(|(_, tap)| std::mem::take(tap))
            .unwrap_or_default();
        if is_event {
            // In the order they were recorded; looked up by name.
            let current = list_events(ctx);
            for e in &current {
                let name = e.str_at(&["metadata", "name"]).unwrap_or("");
                let kind = match seen_events.get(name) {
                    None => "ADDED",
                    Some(old) if old != e => "MODIFIED",
                    Some(_) => continue,
                };
                let Ok(mut kept) = filters.apply(rid, vec![e.clone()]) else {
                    continue;
                };
                let Some(obj) = kept.pop() else {
                    continue;
                };
                watching.last_change = Some(ctx.cluster.now);
                print(ctx, &[&obj], kind, headers);
                headers = false;
            }
            seen_events = by_name(current);
            continue;
        }
        for (i, change) in changes.iter().enumerate() {
            let key = &change.key;
            let watched = key.resource == rid
                && scopes.iter().any(|s| {
                    s.rid == rid
                        && s.namespace
                            .as_deref()
                            .is_none_or(|ns| *key.namespace == *ns)
                        && s.name.as_deref().is_none_or(|n| *key.name == *n)
                });
            if !watched {
                continue;
            }
            // The object as this change left it: what the next change of
            // it started from, or what the store holds now.
            let after = match change.kind {
                crate::store::WatchEventType::Deleted => change.old.clone(),
                _ => changes[i + 1..]
                    .iter()
                    .find(|c| c.key == *key)
                    .map_or_else(|| ctx.cluster.store.get(key).cloned(), |c| c.old.clone()),
            };
            let Some(obj) = after else {
                continue;
            };
            let Ok(mut kept) = filters.apply(rid, vec![obj]) else {
                continue;
            };
            let Some(obj) = kept.pop() else {
                continue;
            };
            watching.last_change = Some(ctx.cluster.now);
            print(ctx, &[&obj], change.kind.as_str(), headers);
            headers = false;
        }
    }
    ctx.cluster.watch_tap = None;
    watching.note(ctx, WATCH_NOTE);
    Ok(())
}

fn compare_values(a: &[Value], b: &[Value]) -> Ordering {
    match (a.first(), b.first()) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(p), Some(q)) => p.partial_cmp(&q).unwrap_or(Ordering::Equal),
            _ => {
                let (a, b) = (jsonpath::text_of(x), jsonpath::text_of(y));
                // sorter.go: two quantities by value (`128Mi` before
                // `1Gi`), other strings in natural order.
                match (
                    crate::quantity::Quantity::parse(&a),
                    crate::quantity::Quantity::parse(&b),
                ) {
                    (Ok(p), Ok(q)) => p.cmp_value(&q),
                    _ => natural_cmp(&a, &b),
                }
            }
        },
    }
}

/// kubectl's `sortorder.NaturalLess` for strings: runs of digits compare
/// as numbers (`web-9` before `web-10`), the shorter run of leading zeros
/// first on a tie, and digits before other bytes.
fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        let (da, db) = (a[i].is_ascii_digit(), b[j].is_ascii_digit());
        if da != db {
            return if da {
                Ordering::Less
            } else {
                Ordering::Greater
            };
        }
        if !da {
            if a[i] != b[j] {
                return a[i].cmp(&b[j]);
            }
            i += 1;
            j += 1;
            continue;
        }
        let (zi, zj) = (i, j);
        while i < a.len() && a[i] == b'0' {
            i += 1;
        }
        while j < b.len() && b[j] == b'0' {
            j += 1;
        }
        let (ni, nj) = (i, j);
        while i < a.len() && a[i].is_ascii_digit() {
            i += 1;
        }
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        let by_number = (i - ni)
            .cmp(&(j - nj))
            .then_with(|| a[ni..i].cmp(&b[nj..j]))
            .then_with(|| (ni - zi).cmp(&(nj - zj)));
        if by_number != Ordering::Equal {
            return by_number;
        }
    }
    (a.len() - i).cmp(&(b.len() - j))
}

/// `--sort-by`: sorts objects by a JSONPath.
pub(crate) fn sort_by(objs: &mut [Value], expr: &str) -> Result<(), Fail> {
    let relaxed = jsonpath::relaxed(expr).map_err(Fail::error)?;
    let t = Template::parse(&relaxed)
        .map_err(|e| Fail::error(format!("error parsing jsonpath {relaxed}, {e}")))?;
    let mut keyed: Vec<(Vec<Value>, Value)> = Vec::new();
    let mut found_any = false;
    for o in objs.iter() {
        let v = t.results(o).unwrap_or_default();
        found_any |= !v.is_empty();
        keyed.push((v, o.clone()));
    }
    if !found_any && !objs.is_empty() {
        return Err(Fail::error(format!(
            "couldn't find any field with path \"{relaxed}\" in the list of objects"
        )));
    }
    keyed.compact_sort_by(|a, b| compare_values(&a.0, &b.0));
    for (slot, (_, o)) in objs.iter_mut().zip(keyed) {
        *slot = o;
    }
    Ok(())
}

/// The deprecation warning the API server sends with every read of a
/// resource whose served version is deprecated (kubectl prints each once).
pub(crate) fn read_warning(rid: ResourceId) -> Option<&'static str> {
    let r = rid.get();
    match (r.group, r.kind) {
        ("", "Endpoints") => Some(
            "Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice",
        ),
        ("", "ComponentStatus") => Some("Warning: v1 ComponentStatus is deprecated in v1.19+"),
        _ => None,
    }
}

/// `kubectl get`.
pub(crate) fn run(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    if let Some(raw) = p.str("raw") {
        return get_raw(ctx, p, raw);
    }
    if let Some(plural) = p.args.first().and_then(|t| metrics_type(ctx, t)) {
        return get_metrics(ctx, p, plural);
    }
    let output = output_of(p);
    let mut format = parse_output(&output, true)?;
    strict_keys(&mut format, p);
    if p.bool("show-labels") && !format.is_table() {
        return Err(Fail::error(format!(
            "--show-labels option cannot be used with {output} printer"
        )));
    }
    let watching = p.bool("watch") || p.bool("watch-only");
    if p.bool("output-watch-events") && !watching {
        return Err(Fail::error(
            "--output-watch-events option can only be used with --watch or --watch-only",
        ));
    }
    let filenames = p.all("filename");
    if p.args.is_empty() && filenames.is_empty() {
        ctx.out.err("You must specify the type of resource to get. Use \"kubectl api-resources\" for a complete list of supported resources.\n\n");
        return Err(Fail::usage(
            "kubectl get",
            "Required resource not specified.\nUse \"kubectl explain <resource>\" for a detailed description of that resource (e.g. kubectl explain pods).",
        ));
    }
    let all_ns = p.bool("all-namespaces");
    let filters = Filters::from(p)?;
    let ignore_not_found = p.bool("ignore-not-found");
    let mut errors: Vec<String> = Vec::new();
    let (targets, single) = if !filenames.is_empty() {
        let sources = resources::read_sources(ctx, filenames, p.bool("recursive"))?;
        let (refs, errs) = resources::manifest_refs(ctx, &sources);
        errors.extend(errs);
        let single = refs.len() == 1;
        let t: Vec<(Target, String)> = refs
            .into_iter()
            .map(|(rid, ns, name)| (Target::Named(rid, name), ns))
            .collect();
        (t, single)
    } else {
        let resolved = resources::resolve(&p.args)?;
        let named = resolved
            .targets
            .iter()
            .any(|t| matches!(t, Target::Named(..)));
        if named && !filters.label_text.trim().is_empty() {
            return Err(Fail::error(
                "name cannot be provided when a selector is specified",
            ));
        }
        if named && all_ns {
            return Err(Fail::error(
                "a resource cannot be retrieved by name across all namespaces",
            ));
        }
        let ns = ctx.namespace.clone();
        (
            resolved
                .targets
                .into_iter()
                .map(|t| (t, ns.clone()))
                .collect(),
            resolved.single_item_implied,
        )
    };
    let mut infos: Vec<Info> = Vec::new();
    let mut warned: Vec<&str> = Vec::new();
    // What a watch follows: each target's type, namespace and name.
    let mut scopes: Vec<WatchScope> = Vec::new();
    for (target, ns) in targets {
        let rid = match &target {
            Target::List(rid) | Target::Named(rid, _) => *rid,
        };
        scopes.push(WatchScope {
            rid,
            namespace: (!all_ns && rid.get().namespaced).then(|| ns.clone()),
            name: match &target {
                Target::Named(_, name) => Some(name.clone()),
                Target::List(_) => None,
            },
        });
        if let Some(warning) = read_warning(rid)
            && !warned.contains(&warning)
        {
            ctx.out.err_line(warning);
            warned.push(warning);
        }
        match target {
            Target::List(rid) => {
                let scope = if all_ns { None } else { Some(ns.as_str()) };
                match resources::list(ctx.cluster, rid, scope) {
                    Ok(objs) => {
                        let objs = filters.apply(rid, objs)?;
                        infos.push(Info { rid, objs });
                    }
                    Err(e) => errors.push(e.kubectl_message(None)),
                }
            }
            Target::Named(rid, name) => match resources::get(ctx.cluster, rid, &ns, &name) {
                Ok(obj) => infos.push(Info {
                    rid,
                    objs: vec![obj],
                }),
                Err(e) => {
                    if !(ignore_not_found && e.reason == crate::api::StatusReason::NotFound) {
                        errors.push(e.kubectl_message(None));
                    }
                }
            },
        }
    }
    if let Some(expr) = p.str("sort-by") {
        // Named objects of one type sort together, as kubectl sorts the
        // objects it got.
        let mut merged: Vec<Info> = Vec::new();
        for info in infos {
            match merged.last_mut() {
                Some(last) if last.rid == info.rid => last.objs.extend(info.objs),
                _ => merged.push(info),
            }
        }
        infos = merged;
        for info in &mut infos {
            sort_by(&mut info.objs, expr)?;
        }
    }
    if watching {
        if !errors.is_empty() {
            return resources::aggregate(errors);
        }
        if p.changed("sort-by") {
            ctx.out
                .err_line("warning: --watch or --watch-only requested, --sort-by will be ignored");
        }
        return watch(ctx, p, &format, infos, &scopes, &filters);
    }
    if !format.is_table() {
        if single && !errors.is_empty() {
            return resources::aggregate(errors);
        }
        let objs: Vec<Value> = infos.into_iter().flat_map(|i| i.objs).collect();
        if !(objs.is_empty() && ignore_not_found) {
            print_objects(ctx, &format, objs, single, p.bool("no-headers"))?;
        }
        return resources::aggregate(errors);
    }
    // Tables: one per run of infos of the same type.
    // Two or more types among the infos (no set of them: a BTreeSet of
    // ResourceIds linked B-tree code for this one count).
    let with_kind =
        p.bool("show-kind") || (infos.len() >= 2 && infos.iter().any(|i| i.rid != infos[0].rid));
    let all_namespaced = !all_ns && infos.iter().all(|i| i.rid.get().namespaced);
    let now = ctx.cluster.now;
    let mut wrote = false;
    let mut i = 0;
    while i < infos.len() {
        let rid = infos[i].rid;
        let mut objs: Vec<&Value> = Vec::new();
        while i < infos.len() && infos[i].rid == rid {
            objs.extend(infos[i].objs.iter());
            i += 1;
        }
        let table = printers::table(rid, &objs, matches!(format, Format::Wide), now);
        let opts = TableOptions {
            wide: matches!(format, Format::Wide),
            no_headers: p.bool("no-headers"),
            with_namespace: all_ns && rid.get().namespaced,
            with_kind: with_kind.then(|| rid.get().singular_group()),
            label_columns: p.all("label-columns").to_vec(),
            show_labels: p.bool("show-labels"),
        };
        let mut tw = TabWriter::table();
        printers::write_table(&mut tw, &table, &objs, &opts, true);
        let text = tw.finish();
        if !text.is_empty() {
            if wrote && !opts.no_headers {
                ctx.out.out("\n");
            }
            ctx.out.out(&text);
            wrote = true;
        }
    }
    if !wrote && !ignore_not_found && errors.is_empty() {
        if all_namespaced {
            let ns = ctx.namespace.clone();
            ctx.out
                .err_line(&format!("No resources found in {ns} namespace."));
        } else {
            ctx.out.err_line("No resources found");
        }
    }
    resources::aggregate(errors)
}

/// `kubectl get --raw PATH`: the API server's answer, byte for byte.
fn get_raw(ctx: &mut Ctx, p: &Parsed, raw: &str) -> Result<(), Fail> {
    if !p.args.is_empty() {
        return Err(Fail::error(
            "arguments may not be passed when --raw is specified",
        ));
    }
    let filtered = ["watch", "watch-only"].iter().any(|f| p.bool(f)) || p.str("selector").is_some();
    if filtered {
        return Err(Fail::error(
            "--raw may not be specified with other flags that filter the server request or alter the output",
        ));
    }
    if p.str("output").is_some_and(|o| !o.is_empty()) {
        return Err(Fail::error("--raw and --output are mutually exclusive"));
    }
    if !raw.starts_with('/') {
        return Err(Fail::error(format!(
            "--raw must be a valid URL path: parse \"{raw}\": invalid URI for request"
        )));
    }
    match crate::apiserver::raw::kubectl_get_raw(ctx.cluster, raw) {
        Ok(body) => {
            ctx.out.out(&body);
            Ok(())
        }
        Err(message) => Err(Fail::raw(message)),
    }
}

/// metrics-server's resource a type name means while discovery lists it
/// (its lowercase kinds, and `nodes`/`pods` with their group): `nodes` or
/// `pods`.
fn metrics_type(ctx: &Ctx, name: &str) -> Option<&'static str> {
    let name = name.split('/').next().unwrap_or(name).to_ascii_lowercase();
    let (resource, group) = name.split_once('.').unwrap_or((&name, ""));
    let plural = match (resource, group) {
        ("nodemetrics", "" | "metrics.k8s.io" | "v1beta1.metrics.k8s.io")
        | ("nodes" | "node", "metrics.k8s.io" | "v1beta1.metrics.k8s.io") => "nodes",
        ("podmetrics", "" | "metrics.k8s.io" | "v1beta1.metrics.k8s.io")
        | ("pods" | "pod", "metrics.k8s.io" | "v1beta1.metrics.k8s.io") => "pods",
        _ => return None,
    };
    (crate::metrics_server::metrics_api(ctx.cluster)
        == crate::metrics_server::MetricsApi::Available)
        .then_some(plural)
}

/// `kubectl get nodemetrics|podmetrics [NAME…]`: metrics-server's objects,
/// in its table (NAME, CPU, MEMORY, WINDOW: the usage as quantities) or
/// as objects.
fn get_metrics(ctx: &mut Ctx, p: &Parsed, plural: &str) -> Result<(), Fail> {
    let output = output_of(p);
    let format = parse_output(&output, true)?;
    let all_ns = p.bool("all-namespaces") && plural == "pods";
    let ns = ctx.namespace.clone();
    // `TYPE/NAME` or `TYPE NAME…`.
    let mut names: Vec<String> = p.args[1..].to_vec();
    if let Some((_, name)) = p.args[0].split_once('/') {
        names.insert(0, name.to_string());
    }
    let path = |name: Option<&str>| -> Vec<String> {
        let mut path: Vec<String> = if plural == "pods" && !all_ns {
            vec!["namespaces".into(), ns.clone(), "pods".into()]
        } else {
            vec![plural.to_string()]
        };
        path.extend(name.map(str::to_string));
        path
    };
    let fetch = |ctx: &Ctx, segments: Vec<String>| {
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        crate::apiserver::raw::metrics(ctx.cluster, &segments)
    };
    let filters = Filters::from(p)?;
    if !names.is_empty() && !filters.label_text.trim().is_empty() {
        return Err(Fail::error(
            "name cannot be provided when a selector is specified",
        ));
    }
    let kind = if plural == "nodes" {
        "NodeMetrics"
    } else {
        "PodMetrics"
    };
    let mut objects: Vec<Value> = Vec::new();
    let mut errors: Vec<String> = Vec::new();
    if names.is_empty() {
        let list = fetch(ctx, path(None)).map_err(|e| Fail::status(&e))?;
        // metrics-server lists through its listers with the selectors;
        // kubectl's decoding gives each item the list's type.
        let labels = filters
            .labels
            .as_ref()
            .map_err(|e| Fail::error(e.clone()))?;
        objects.extend(
            list.get("items")
                .items()
                .filter(|o| labels.matches(o.at(&["metadata", "labels"])))
                .filter(|o| {
                    filters.fields.iter().all(|t| {
                        let v = match t.field.as_str() {
                            "metadata.name" => o.str_at(&["metadata", "name"]),
                            "metadata.namespace" => o.str_at(&["metadata", "namespace"]),
                            _ => None,
                        };
                        (v.unwrap_or("") == t.value) != t.negated
                    })
                })
                .map(|o| {
                    let mut o = o.clone();
                    o.set("kind", Value::str(kind));
                    o.set("apiVersion", Value::str("metrics.k8s.io/v1beta1"));
                    o
                }),
        );
    } else {
        for name in &names {
            match fetch(ctx, path(Some(name))) {
                Ok(obj) => objects.push(obj),
                Err(e) => errors.push(e.kubectl_message(None)),
            }
        }
    }
    if let Some(expr) = p.str("sort-by") {
        sort_by(&mut objects, expr)?;
    }
    if p.bool("watch-only") {
        // Only the watch's events, and there are none.
    } else if !format.is_table() {
        print_objects(
            ctx,
            &format,
            objects,
            names.len() == 1,
            p.bool("no-headers"),
        )?;
    } else if objects.is_empty() && names.is_empty() {
        if all_ns || plural == "nodes" {
            ctx.out.err_line("No resources found");
        } else {
            ctx.out
                .err_line(&format!("No resources found in {ns} namespace."));
        }
    } else if !objects.is_empty() {
        let mut tw = TabWriter::table();
        if !p.bool("no-headers") {
            if all_ns {
                tw.write("NAMESPACE\t");
            }
            tw.write("NAME\tCPU\tMEMORY\tWINDOW\n");
        }
        for obj in &objects {
            // A pod's usage is its containers' summed.
            let usages: Vec<&Value> = if plural == "pods" {
                obj.get("containers")
                    .items()
                    .map(|c| c.get("usage"))
                    .collect()
            } else {
                vec![obj.get("usage")]
            };
            let sum = |resource: &str, bytes: bool| {
                let total: i64 = usages
                    .iter()
                    .filter_map(|u| u.get(resource).as_str())
                    .filter_map(|q| crate::quantity::Quantity::parse(q).ok())
                    .map(|q| if bytes { q.value() } else { q.nano_value() })
                    .sum();
                if bytes {
                    crate::quantity::Quantity::from_bytes(total).to_string()
                } else {
                    crate::quantity::Quantity::from_nanos(total).to_string()
                }
            };
            if all_ns {
                tw.write(&format!(
                    "{}\t",
                    obj.str_at(&["metadata", "namespace"]).unwrap_or("")
                ));
            }
            tw.write(&format!(
                "{}\t{}\t{}\t{}\n",
                obj.str_at(&["metadata", "name"]).unwrap_or(""),
                sum("cpu", false),
                sum("memory", true),
                obj.get("window").as_str().unwrap_or("")
            ));
        }
        ctx.out.out(&tw.finish());
    }
    // metrics-server's storage is no watcher.
    if p.bool("watch") || p.bool("watch-only") {
        errors.push(format!(
            "Error from server (MethodNotAllowed): watch is not supported on resources of kind \"{plural}.metrics.k8s.io\""
        ));
    }
    match errors.len() {
        0 => Ok(()),
        _ => {
            for e in &errors[..errors.len() - 1] {
                ctx.out.err_line(e);
            }
            Err(Fail::raw(errors.pop().unwrap_or_default()))
        }
    }
}
