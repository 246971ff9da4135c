//! Every input the fuzzers start from or ever found (`fuzz/seeds/`, `fuzz/regressions/`), run
//! through the same code as the fuzz targets: none may panic.

include!("../../fuzz/replay.rs");

#[test]
fn pdfs_the_fuzzers_found_do_not_panic() {
    replay("pdf_preview", print::fuzzing::pdf_preview);
}
