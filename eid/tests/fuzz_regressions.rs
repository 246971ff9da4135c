//! Every input the fuzzers start from or ever found (`fuzz/seeds/`, `fuzz/regressions/`), run
//! through the same code as the fuzz targets: none may panic.

include!("../../fuzz/replay.rs");

#[test]
fn card_answers_the_fuzzers_found_do_not_panic() {
    replay("card_answers", eid::fuzzing::card_answers);
}

#[test]
fn web_eid_tokens_the_fuzzers_found_do_not_panic() {
    replay("web_eid_token", eid::fuzzing::web_eid_token);
}
