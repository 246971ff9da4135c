#![no_main]
//! A submission's signed application PDF, checked as the server checks what desks send: never a
//! panic, whatever the bytes.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| pades::fuzzing::signed_pdf(data));
