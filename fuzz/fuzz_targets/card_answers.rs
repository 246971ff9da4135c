#![no_main]
//! Whatever a card (or something pretending to be one) answers: never a panic, whatever the bytes.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| eid::fuzzing::card_answers(data));
