//! Every input the fuzzers start from or ever found (`fuzz/seeds/`, `fuzz/regressions/`), run
//! through the same code as the fuzz targets: none may panic.

include!("../../../fuzz/replay.rs");

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
