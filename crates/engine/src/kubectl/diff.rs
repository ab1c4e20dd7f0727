//! `kubectl diff -f`: the live objects against what applying the files
//! would make of them.
//!
//! kubectl writes each live object and each merged one (the server's dry
//! run of apply's patch, or of a create) as YAML into two temporary
//! directories, `LIVE-…` and `MERGED-…`, and runs `diff -u -N` over them.
//! Its output is GNU diff's: one `diff -u -N` line per differing file, in
//! file-name order, then the `---`/`+++` header with the files' times and
//! the hunks. The exit status is 0 without differences, 1 with, and 2 (or
//! more) when kubectl fails.

use crate::apiserver::manifest::{Done, ManifestOptions, ManifestVerb};
use crate::cluster::Cluster;
use crate::kubectl::apply::{Warnings, files_only, files_selector, namespaced_text};
use crate::kubectl::flags::Parsed;
use crate::kubectl::{Ctx, Fail, resources};
use crate::sort::CompactSort;
use crate::time::{EPOCH_UNIX_SECONDS, Millis, civil};
use crate::value::Value;

/// kubectl's mask for Secret values (`sensitiveMaskDefault` and friends).
const MASK: &str = "***";

/// `kubectl diff`.
pub(crate) fn diff(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    // kubectl exits 2 on its own errors: 1 means "differences found".
    ctx.out.exit_code = Some(2);
    files_only(ctx, p)?;
    if p.bool("force-conflicts") {
        return Err(Fail::error(
            "--force-conflicts only works with --server-side",
        ));
    }
    let selector = files_selector(p)?;
    let sources = resources::read_sources(ctx, p.all("filename"), p.bool("recursive"))?;
    // The dry runs store nothing; a copy keeps even their random draws
    // (UIDs, generated names) out of the cluster.
    let mut scratch = ctx.cluster.clone();
    let mut warnings = Warnings::new();
    // [file name, live YAML, merged YAML]; a later object of the same name
    // overwrites the file, as it does on disk.
    let mut files: Vec<[String; 3]> = Vec::new();
    for src in &sources {
        let text = namespaced_text(ctx, src)?;
        let options = ManifestOptions {
            selector: selector.as_ref(),
            ..ManifestOptions::default()
        };
        let outcomes = scratch.run_manifest_with(&text, &src.name, ManifestVerb::Diff, options);
        for outcome in outcomes {
            for w in &outcome.warnings {
                warnings.print(ctx, w);
            }
            // kubectl warns about an object being deleted even when its
            // dry run then fails.
            let live = outcome
                .key
                .as_ref()
                .and_then(|k| ctx.cluster.store.get(k).cloned());
            if let Some(live) = &live
                && !live.at(&["metadata", "deletionTimestamp"]).is_null()
            {
                ctx.out.err_line(&format!(
                    "Warning: Detected changes to resource {} which is currently being deleted.",
                    live.str_at(&["metadata", "name"]).unwrap_or("")
                ));
            }
            // The first error ends the command before anything is diffed.
            let merged = match outcome.result {
                Ok(Done::Merged(merged)) => *merged,
                Ok(_) => continue,
                Err(e) => return Err(Fail::raw(e)),
            };
            let (live, merged) = mask_secret_data(live, merged);
            let file = [
                file_name(&merged),
                live.as_ref().map(yaml).unwrap_or_default(),
                yaml(&merged),
            ];
            match files.iter_mut().find(|f| f[0] == file[0]) {
                Some(f) => *f = file,
                None => files.push(file),
            }
        }
    }
    let live_dir = temp_dir(ctx.cluster, "LIVE");
    let merged_dir = temp_dir(ctx.cluster, "MERGED");
    let stamp = file_time(ctx.cluster.now);
    // diff walks the directories in file-name order (C locale).
    files.compact_sort();
    let mut differ = false;
    for [name, live, merged] in &files {
        let hunks = crate::unidiff::unified_hunks(live, merged);
        if hunks.is_empty() {
            continue;
        }
        differ = true;
        let (from, to) = (format!("{live_dir}/{name}"), format!("{merged_dir}/{name}"));
        ctx.out.out(&format!(
            "diff -u -N {from} {to}\n--- {from}\t{stamp}\n+++ {to}\t{stamp}\n{hunks}"
        ));
    }
    if differ {
        ctx.out.exit_code = Some(1);
        return Err(Fail::raw(""));
    }
    ctx.out.exit_code = None;
    Ok(())
}

/// The object as the diff's files hold it: `yaml.Marshal` of the object,
/// which is what `kubectl get -o yaml` prints.
fn yaml(obj: &Value) -> String {
    crate::yaml::to_yaml(obj)
}

/// kubectl's file name for an object: `[group.]version.Kind.namespace.name`.
fn file_name(obj: &Value) -> String {
    let api_version = obj.get("apiVersion").as_str().unwrap_or("");
    let (group, version) = crate::api::registry::split_api_version(api_version);
    let group = if group.is_empty() {
        String::new()
    } else {
        format!("{group}.")
    };
    format!(
        "{group}{version}.{}.{}.{}",
        obj.get("kind").as_str().unwrap_or(""),
        obj.str_at(&["metadata", "namespace"]).unwrap_or(""),
        obj.str_at(&["metadata", "name"]).unwrap_or("")
    )
}

/// `os.MkdirTemp("", "LIVE-")`: the prefix and a random 32-bit number.
fn temp_dir(cluster: &mut Cluster, prefix: &str) -> String {
    format!("/tmp/{prefix}-{}", cluster.rng.below(1 << 32))
}

/// A file's modification time as GNU diff's header prints it, in UTC:
/// `2026-01-01 00:00:05.000000000 +0000`.
fn file_time(now: Millis) -> String {
    let (y, mo, d, h, mi, s, _) = civil(EPOCH_UNIX_SECONDS + (now / 1000) as i64);
    let nanos = (now % 1000) * 1_000_000;
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}.{nanos:09} +0000")
}

/// kubectl's `Masker`: a v1 Secret's `data` values are shown as `***`,
/// with `(before)` and `(after)` where a key's value changes.
fn mask_secret_data(live: Option<Value>, mut merged: Value) -> (Option<Value>, Value) {
    if merged.get("apiVersion").as_str() != Some("v1")
        || merged.get("kind").as_str() != Some("Secret")
    {
        return (live, merged);
    }
    let mut live = live;
    let before = live.as_ref().map_or(Value::Null, |l| l.get("data").clone());
    let after = merged.get("data").clone();
    let masked = |data: &Value, other: &Value, changed: &str| -> Value {
        let mut out = data.clone();
        for (k, v) in data.members() {
            let text = match other.get(k) {
                o if !o.is_null() && o != v => changed,
                _ => MASK,
            };
            out.set(k, Value::str(text));
        }
        out
    };
    if let Some(l) = live.as_mut()
        && !before.is_null()
    {
        l.set("data", masked(&before, &after, "*** (before)"));
    }
    if !after.is_null() {
        merged.set("data", masked(&after, &before, "*** (after)"));
    }
    (live, merged)
}
