//! The checked-in data files match what the generator makes now, and the
//! engine's resource registry matches k8s-openapi's resource metadata.

use std::path::Path;

use kubeplay_engine::api::registry::RESOURCES;
use kubeplay_schema_gen::{EXPLAIN_PATH, SCHEMA_PATH, Scope, generate, roots};

#[test]
fn checked_in_files_are_up_to_date() {
    let out = generate();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (path, text) in [(SCHEMA_PATH, &out.schema), (EXPLAIN_PATH, &out.explain)] {
        let on_disk = std::fs::read_to_string(dir.join(path)).unwrap_or_default();
        assert!(
            on_disk == *text,
            "{path} differs from what k8s-openapi generates now: \
             run `cargo run -p kubeplay-schema-gen` to update"
        );
    }
}

#[test]
fn registry_matches_k8s_openapi() {
    let roots = roots();
    let mut problems = Vec::new();
    for r in RESOURCES {
        let Some(root) = roots.iter().find(|x| x.schema == r.schema) else {
            problems.push(format!(
                "{}: schema {} is not generated (add it to schema-gen's roots())",
                r.kind, r.schema
            ));
            continue;
        };
        let namespaced = match root.scope {
            Scope::Namespaced => true,
            Scope::Cluster => false,
            Scope::Subresource => {
                problems.push(format!("{}: k8s-openapi says it is a subresource", r.kind));
                continue;
            }
        };
        let checks = [
            ("kind", r.kind.to_string(), root.kind.to_string()),
            ("group", r.group.to_string(), root.group.to_string()),
            ("version", r.version.to_string(), root.version.to_string()),
            ("apiVersion", r.api_version(), root.api_version.to_string()),
            ("plural", r.plural.to_string(), root.plural.to_string()),
            (
                "namespaced",
                r.namespaced.to_string(),
                namespaced.to_string(),
            ),
        ];
        for (what, ours, theirs) in checks {
            if ours != theirs {
                problems.push(format!(
                    "{}: {what} is {ours:?}, k8s-openapi says {theirs:?}",
                    r.kind
                ));
            }
        }
    }
    for root in &roots {
        if !RESOURCES.iter().any(|r| r.schema == root.schema) {
            problems.push(format!("{} is generated but not in RESOURCES", root.schema));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
