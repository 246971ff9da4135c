//! Every input the fuzzers start from or ever found (`fuzz/seeds/`, `fuzz/regressions/`), run
//! through the same code as the fuzz targets: none may panic.

include!("../../../fuzz/replay.rs");

#[test]
fn cpsv_imports_the_fuzzers_found_do_not_panic() {
    replay("cpsv_import", server::fuzzing::cpsv_import);
}

#[test]
fn outbox_pushes_the_fuzzers_found_do_not_panic() {
    replay("outbox_entries", server::fuzzing::outbox_push);
}
