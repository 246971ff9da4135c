#![no_main]
//! A desk's outbox push as the server reads it: never a panic, whatever the bytes.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| server::fuzzing::outbox_push(data));
