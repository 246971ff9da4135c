#![no_main]
//! A PDF attachment drawn by poppler for the kiosk and the desk: never a panic, whatever the bytes.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| print::fuzzing::pdf_preview(data));
