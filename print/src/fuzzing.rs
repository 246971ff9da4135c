//! What the PDF preview fuzz target runs (`fuzz/`, `cargo xtask fuzz`), here so the regression
//! tests run the same code on every input a fuzzer found. It must never panic or hang: a
//! damaged file is an error (poppler runs in a process of its own, killed after its limit).

/// A PDF a citizen's message could carry, drawn as the kiosk and the desk draw it.
pub fn pdf_preview(data: &[u8]) {
    let _ = crate::preview::pdf_pages(data, 2, 200);
}
