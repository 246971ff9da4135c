#![no_main]
//! Whatever a card (or something pretending to be one) answers, parsing it never panics.

use eid::apdu;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = apdu::Command::parse(data);
    let _ = apdu::Response::parse(data);
    let _ = apdu::fcp_file_size(data);
    let _ = apdu::pin_counter(data);
    let _ = apdu::object_directory(data);
    let _ = apdu::certificate_file(data);
    let _ = apdu::private_key(data);
});
