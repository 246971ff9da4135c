#![no_main]
//! A CPSV-AP file to import (Turtle or JSON-LD): never a panic, whatever the bytes.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| server::fuzzing::cpsv_import(data));
