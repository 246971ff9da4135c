//! Every input the fuzzers start from or ever found (`fuzz/seeds/`, `fuzz/regressions/`), run
//! through the same code as the fuzz targets: none may panic.

use std::path::PathBuf;

fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let fuzz = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut found = Vec::new();
    for folder in ["seeds", "regressions"] {
        let dir = fuzz.join(folder).join(target);
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            if path.file_name().is_some_and(|n| n != "README") {
                found.push((path.clone(), std::fs::read(&path).unwrap()));
            }
        }
    }
    assert!(!found.is_empty(), "no seeds for {target}");
    found
}

#[test]
fn cpsv_imports_the_fuzzers_found_do_not_panic() {
    for (path, data) in inputs("cpsv_import") {
        eprintln!("{}", path.display());
        server::fuzzing::cpsv_import(&data);
    }
}

#[test]
fn outbox_pushes_the_fuzzers_found_do_not_panic() {
    for (path, data) in inputs("outbox_entries") {
        eprintln!("{}", path.display());
        server::fuzzing::outbox_push(&data);
    }
}
