//! Signing and checking a long application (seven pages): what the desk adds around the card (embedding
//! `application.json`, the placeholder, the CMS) and what the server does on every signed
//! submission (`verify`), beside reading the same PDF with lopdf and hashing it in the same run
//! (the floors: the server reads and hashes the file whatever it checks). The card's own time is
//! the virtual card's in process here; through pcscd see `eid/tests/pcscd.rs` (≈0.49 s).
//!
//! `cargo bench -p pades --bench sign_verify`

use std::time::{Duration, Instant};

use eid::{
    EidCard,
    apdu::{KeyKind, PIN2_MIN_LENGTH, Pin},
    session::PinEntry,
    test_ca::{Holder, TestCa},
    virtual_card::VirtualCard,
};
use sha2::Digest;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

fn measure(runs: usize, mut f: impl FnMut()) -> Vec<Duration> {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            f();
            started.elapsed()
        })
        .collect();
    times.sort();
    times
}

fn main() {
    #[allow(clippy::disallowed_methods)] // certificates are made for now
    let now = chrono::Utc::now();
    let ca = TestCa::generate(now).unwrap();
    let holder =
        Holder { given_name: "JĀNIS".into(), surname: "BĒRZIŅŠ".into(), personal_code: "325035-11782".into() };
    // A long application (about five pages): the sample with ten sections of fifteen answers.
    let mut application = print::Application::sample(domain::Language::Lv);
    application.sections = (0..10)
        .map(|s| {
            let answers = (0..15)
                .map(|i| {
                    (format!("Jautājums {s}.{i} par koku ciršanu"), format!("Atbilde {i}, Brīvības iela {i}, Rīga"))
                })
                .collect();
            (format!("Sadaļa {s}"), answers)
        })
        .collect();
    let pdf = print::render(&print::application(&application)).unwrap();
    let pages = lopdf::Document::load_mem(&pdf).unwrap().get_pages().len();
    let json = vec![b'x'; 8_000];
    let signer = pades::Signer { name: "JĀNIS BĒRZIŅŠ".into(), reason: "Iesniegums".into(), at: now };
    for kind in [KeyKind::EcP384, KeyKind::Rsa2048] {
        let profile =
            ca.issue_card(holder.clone(), kind, now - chrono::Duration::days(1), None, "1234", "123456").unwrap();
        let mut card = EidCard::new(VirtualCard::new(profile));
        let certificate = card.signing_certificate().unwrap();
        let key = if kind == KeyKind::EcP384 { pades::KeyAlgorithm::EcP384 } else { pades::KeyAlgorithm::Rsa };
        let pin = Pin::new("123456", PIN2_MIN_LENGTH).unwrap();
        let mut signed = Vec::new();
        let (mut around, mut on_card) = (Vec::new(), Vec::new());
        for _ in 0..20 {
            let started = Instant::now();
            let prepared = pades::prepare(&pdf, ("application.json", &json, "application/json"), &signer).unwrap();
            let attributes =
                pades::SignedAttributes::new(&prepared.document_digest(key.digest()), &certificate, key.digest())
                    .unwrap();
            let digest = attributes.digest().unwrap();
            let before_card = started.elapsed();
            let card_started = Instant::now();
            let signature = card.sign(PinEntry::Typed(&pin), &digest).unwrap();
            on_card.push(card_started.elapsed());
            let after = Instant::now();
            signed = pades::finish(prepared, attributes, &certificate, key, &signature).unwrap();
            around.push(before_card + after.elapsed());
        }
        around.sort();
        on_card.sort();
        let verify = measure(200, || {
            pades::verify(&signed).unwrap();
        });
        let load = measure(200, || {
            lopdf::Document::load_mem(&signed).unwrap();
        });
        let hash = measure(200, || {
            std::hint::black_box(sha2::Sha256::digest(&signed));
        });
        let per_second = |d: Duration| 1.0 / d.as_secs_f64();
        println!(
            "{kind:?}: {} pages, {} kB signed; desk around the card p50 {:.1} ms (virtual card in process {:.1} ms); \
             server verify p50 {:.2} ms = {:.0}/s on one core ({:.1}× a lopdf load, {:.1}× a SHA-256 of the file)",
            pages,
            signed.len() / 1024,
            percentile(&around, 0.5).as_secs_f64() * 1e3,
            percentile(&on_card, 0.5).as_secs_f64() * 1e3,
            percentile(&verify, 0.5).as_secs_f64() * 1e3,
            per_second(percentile(&verify, 0.5)),
            percentile(&verify, 0.5).as_secs_f64() / percentile(&load, 0.5).as_secs_f64(),
            percentile(&verify, 0.5).as_secs_f64() / percentile(&hash, 0.5).as_secs_f64(),
        );
    }
}
