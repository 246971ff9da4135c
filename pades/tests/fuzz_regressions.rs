//! Every input the fuzzers start from or ever found (`fuzz/seeds/`, `fuzz/regressions/`), run
//! through the same code as the fuzz target: none may panic.

include!("../../fuzz/replay.rs");

#[test]
fn signed_pdfs_the_fuzzers_found_do_not_panic() {
    replay("signed_pdf", pades::fuzzing::signed_pdf);
}
