#![no_main]
//! A Web eID token as the server validates it: never a panic, whatever the bytes.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| eid::fuzzing::web_eid_token(data));
