//! What the signed-PDF fuzz target runs (`fuzz/`, `cargo xtask fuzz`), here so the regression
//! tests run the same code on every input a fuzzer found. The server verifies PDFs desks send:
//! whatever the bytes, an answer and never a panic.

/// A submission's `application.pdf` as the server checks it.
pub fn signed_pdf(data: &[u8]) {
    let _ = crate::signature_of(data);
    let _ = crate::verify(data);
}
