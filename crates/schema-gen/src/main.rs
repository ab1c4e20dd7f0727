//! Writes `schema.txt` and `explain.txt` into the engine crate.

use std::path::Path;

fn main() {
    let out = kubeplay_schema_gen::generate();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (path, text) in [
        (kubeplay_schema_gen::SCHEMA_PATH, &out.schema),
        (kubeplay_schema_gen::EXPLAIN_PATH, &out.explain),
    ] {
        let path = dir.join(path);
        std::fs::write(&path, text)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        println!("wrote {} ({} bytes)", path.display(), text.len());
    }
}
