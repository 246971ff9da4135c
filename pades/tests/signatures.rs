//! Signatures made by the virtual card (both generations, PIN2, the session code the desk uses)
//! over a real application PDF from the print crate, judged by a tool nobody on the project
//! wrote: poppler's `pdfsig`, with an NSS database (made by `certutil`) that trusts the test CA.
//! It says the signature is valid and the certificate trusted; a byte changed anywhere in the
//! signed range makes it say invalid. The embedded `application.json` comes back out with
//! `pdfdetach` byte for byte. pyHanko (from PyPI, in `PIETURA_PYHANKO`) judges the same
//! signatures valid and trusted with the test root as its only trust anchor, covering the whole
//! file. Needs poppler-utils, libnss3-tools and pyHanko (`cargo xtask test` provides all).

use std::{path::Path, process::Command};

use chrono::{DateTime, Utc};
use eid::{
    EidCard,
    apdu::{KeyKind, PIN2_MIN_LENGTH, Pin},
    session::PinEntry,
    test_ca::{Holder, TestCa},
    virtual_card::VirtualCard,
};
use pades::{KeyAlgorithm, SignedAttributes, Signer};

fn now() -> DateTime<Utc> {
    // Certificates are checked on the real clock by pdfsig.
    #[allow(clippy::disallowed_methods)]
    Utc::now()
}

const APPLICATION_JSON: &[u8] =
    br#"{"applicant":{"code":"325035-11782","kind":"natural","name":"JANIS BERZINS"},"data":{"tree_count":2}}"#;

/// The sample application signed by a fresh card of `kind` of `ca`.
fn signed_application(ca: &TestCa, kind: KeyKind) -> Vec<u8> {
    let holder =
        Holder { given_name: "JĀNIS".into(), surname: "BĒRZIŅŠ".into(), personal_code: "325035-11782".into() };
    let profile = ca.issue_card(holder, kind, now() - chrono::Duration::days(30), None, "1234", "123456").unwrap();
    let mut card = EidCard::new(VirtualCard::new(profile));
    let pdf = print::render(&print::application(&print::Application::sample(domain::Language::Lv))).unwrap();
    let signer = Signer { name: "JĀNIS BĒRZIŅŠ".into(), reason: "Iesniegums iestādei".into(), at: now() };
    let prepared = pades::prepare(&pdf, ("application.json", APPLICATION_JSON, "application/json"), &signer).unwrap();
    let key = if kind == KeyKind::EcP384 { KeyAlgorithm::EcP384 } else { KeyAlgorithm::Rsa };
    let certificate = card.signing_certificate().unwrap();
    let attributes =
        SignedAttributes::new(&prepared.document_digest(key.digest()), &certificate, key.digest()).unwrap();
    let pin = Pin::new("123456", PIN2_MIN_LENGTH).unwrap();
    let signature = card.sign(PinEntry::Typed(&pin), &attributes.digest().unwrap()).unwrap();
    pades::finish(prepared, attributes, &certificate, key, &signature).unwrap()
}

/// An NSS database in `dir` that trusts the test CA's root for signing.
fn nss_trusting(ca: &TestCa, dir: &Path) -> std::path::PathBuf {
    let db = dir.join("nss");
    std::fs::create_dir_all(&db).unwrap();
    let run = |args: &[&str]| {
        let out = Command::new("certutil").args(args).output().expect("certutil (libnss3-tools)");
        assert!(out.status.success(), "certutil {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    let location = format!("sql:{}", db.display());
    run(&["-N", "-d", &location, "--empty-password"]);
    for (name, pem) in [("root", ca.root_pem().unwrap()), ("ica", ca.intermediate_pem().unwrap())] {
        let file = dir.join(format!("{name}.pem"));
        std::fs::write(&file, pem).unwrap();
        let trust = if name == "root" { "CT,C,C" } else { ",," };
        run(&["-A", "-d", &location, "-n", name, "-t", trust, "-a", "-i", file.to_str().unwrap()]);
    }
    db
}

fn pdfsig(pdf: &Path, nss: &Path) -> String {
    let out = Command::new("pdfsig")
        .arg("-nssdir")
        .arg(format!("sql:{}", nss.display()))
        // No `-no-ocsp`: with it pdfsig 22.12 reports every certificate as "Unknown issue". The
        // test certificates name no OCSP responder, so nothing is fetched.
        .arg(pdf)
        .output()
        .expect("pdfsig (poppler-utils)");
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

#[test]
fn pdfsig_finds_the_cards_signature_valid_and_trusted_and_a_changed_byte_invalid() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::generate(now()).unwrap();
    let nss = nss_trusting(&ca, dir.path());
    for kind in [KeyKind::EcP384, KeyKind::Rsa2048] {
        let signed = signed_application(&ca, kind);
        let path = dir.path().join(format!("signed-{kind:?}.pdf"));
        std::fs::write(&path, &signed).unwrap();
        let report = pdfsig(&path, &nss);
        assert!(report.contains("Signature is Valid"), "{kind:?}: {report}");
        assert!(report.contains("Certificate is Trusted"), "{kind:?}: {report}");
        assert!(report.contains("ETSI.CAdES.detached"), "{kind:?}: {report}");
        assert!(report.contains("Total document signed"), "the byte range covers the whole file: {report}");
        assert!(report.contains("JĀNIS BĒRZIŅŠ") || report.contains("BĒRZIŅŠ"), "{report}");

        // The range covers everything but the signature; a byte changed inside it breaks it.
        let (range, _) = pades::signature_of(&signed).unwrap();
        assert_eq!(range[0], 0);
        assert_eq!(range[2] + range[3], signed.len());
        for at in [range[1] / 2, range[2] + range[3] / 2] {
            let mut tampered = signed.clone();
            tampered[at] ^= 0x01;
            let path = dir.path().join("tampered.pdf");
            std::fs::write(&path, &tampered).unwrap();
            let report = pdfsig(&path, &nss);
            assert!(!report.contains("Signature is Valid"), "{kind:?}, byte {at} changed: {report}");
        }

        // The data travels inside the PDF.
        let out = Command::new("pdfdetach").arg("-saveall").arg("-o").arg(dir.path()).arg(&path).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(std::fs::read(dir.path().join("application.json")).unwrap(), APPLICATION_JSON);
    }
}

#[test]
fn a_ca_nobody_trusts_gives_a_valid_signature_from_an_untrusted_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let trusted = TestCa::generate(now()).unwrap();
    let impostor = TestCa::generate(now()).unwrap();
    let nss = nss_trusting(&trusted, dir.path());
    let path = dir.path().join("impostor.pdf");
    std::fs::write(&path, signed_application(&impostor, KeyKind::EcP384)).unwrap();
    let report = pdfsig(&path, &nss);
    assert!(report.contains("Signature is Valid"), "{report}");
    assert!(!report.contains("Certificate is Trusted"), "{report}");
}

fn pyhanko() -> String {
    std::env::var("PIETURA_PYHANKO").unwrap_or_else(|_| {
        panic!("PIETURA_PYHANKO is not set: run `cargo xtask test` (its set-up installs pyHanko from PyPI)")
    })
}

/// pyHanko's one-line verdict (`<field>:<fingerprint>:<INTACT|INVALID>:<TRUSTED|UNTRUSTED>,…`).
fn pyhanko_verdict(pdf: &Path, dir: &Path, ca: &TestCa) -> String {
    let (root, ica) = (dir.join("root.pem"), dir.join("ica.pem"));
    std::fs::write(&root, ca.root_pem().unwrap()).unwrap();
    std::fs::write(&ica, ca.intermediate_pem().unwrap()).unwrap();
    let out = Command::new(pyhanko())
        .args(["sign", "validate", "--no-revocation-check", "--trust-replace", "--trust"])
        .arg(&root)
        // The card holds no intermediate: the validator is given it, as a relying party has it.
        .arg("--other-certs")
        .arg(&ica)
        .arg(pdf)
        .output()
        .expect("pyhanko runs");
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

#[test]
fn pyhanko_judges_the_cards_signature_intact_trusted_and_whole_and_a_changed_byte_not() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::generate(now()).unwrap();
    for kind in [KeyKind::EcP384, KeyKind::Rsa2048] {
        let signed = signed_application(&ca, kind);
        let path = dir.path().join(format!("signed-{kind:?}.pdf"));
        std::fs::write(&path, &signed).unwrap();
        let verdict = pyhanko_verdict(&path, dir.path(), &ca);
        assert!(verdict.contains(":INTACT:TRUSTED,UNTOUCHED"), "{kind:?}: {verdict}");
        let (range, _) = pades::signature_of(&signed).unwrap();
        let mut tampered = signed.clone();
        tampered[range[1] / 3] ^= 0x01;
        std::fs::write(&path, &tampered).unwrap();
        let verdict = pyhanko_verdict(&path, dir.path(), &ca);
        assert!(!verdict.contains(":INTACT:"), "{kind:?}: {verdict}");
    }
}

/// The server's own check ([`pades::verify`]) agrees with the independent tools: it accepts what
/// they accept, names the signer's certificate and the embedded data, and refuses a changed byte,
/// a changed signature and anything appended after signing.
#[test]
fn the_servers_check_accepts_the_cards_signature_and_refuses_every_change() {
    let ca = TestCa::generate(now()).unwrap();
    for kind in [KeyKind::EcP384, KeyKind::Rsa2048] {
        let signed = signed_application(&ca, kind);
        let verified = pades::verify(&signed).unwrap();
        let certificate = eid::ParsedCertificate::from_der(&verified.signer_certificate).unwrap();
        assert_eq!(certificate.identity().personal_code(), Some(("LV", "325035-11782")), "{kind:?}");
        assert!(verified.claimed_at.is_some_and(|at| (now() - at).num_minutes().abs() < 5));
        assert_eq!(verified.files, vec![("application.json".to_owned(), APPLICATION_JSON.to_vec())]);

        let (range, cms) = pades::signature_of(&signed).unwrap();
        let mut changed = signed.clone();
        changed[range[1] / 2] ^= 0x01;
        assert!(pades::verify(&changed).is_err(), "{kind:?}: a changed byte");
        // The signature's last byte, in the hex of /Contents.
        let mut forged = signed.clone();
        let last_hex = range[1] + 1 + 2 * cms.len() - 1;
        forged[last_hex] = if forged[last_hex] == b'0' { b'1' } else { b'0' };
        assert!(
            matches!(
                pades::verify(&forged),
                Err(pades::VerifyError::SignatureInvalid | pades::VerifyError::Malformed(_))
            ),
            "{kind:?}: {:?}",
            pades::verify(&forged)
        );
        let mut appended = signed.clone();
        appended.extend_from_slice(b"\n% added after signing\n");
        assert_eq!(pades::verify(&appended).unwrap_err(), pades::VerifyError::PartialCoverage, "{kind:?}");
    }
    let unsigned = print::render(&print::application(&print::Application::sample(domain::Language::Lv))).unwrap();
    assert_eq!(pades::verify(&unsigned).unwrap_err(), pades::VerifyError::NotOneSignature);
}

/// What a desk sends is a claim: the server's check answers an error, never a panic, for a signed
/// PDF with any bytes changed, cut short or grown (deterministic pseudo-random mutations).
#[test]
fn the_servers_check_never_panics_on_a_damaged_pdf() {
    let ca = TestCa::generate(now()).unwrap();
    let signed = signed_application(&ca, KeyKind::EcP384);
    let mut seed: u64 = 0x5eed_2026_1204;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for round in 0..300 {
        let mut damaged = signed.clone();
        match round % 3 {
            0 => {
                for _ in 0..1 + next() % 8 {
                    let at = (next() % damaged.len() as u64) as usize;
                    damaged[at] = next() as u8;
                }
            }
            1 => damaged.truncate((next() % signed.len() as u64) as usize),
            _ => {
                let at = (next() % damaged.len() as u64) as usize;
                let junk: Vec<u8> = (0..next() % 64).map(|_| next() as u8).collect();
                damaged.splice(at..at, junk);
            }
        }
        let outcome = std::panic::catch_unwind(|| pades::verify(&damaged).is_ok());
        assert!(outcome.is_ok(), "round {round}: verify panicked");
    }
}

/// With `UPDATE_FUZZ_SEEDS=1`, writes the fuzz target's seeds (`fuzz/seeds/signed_pdf/`): an
/// application signed by each card generation, and the unsigned one. Without it, checks that the
/// seeds there are what the target starts from: signed PDFs that verify.
#[test]
fn the_fuzz_seeds_are_signed_applications() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/seeds/signed_pdf");
    if std::env::var_os("UPDATE_FUZZ_SEEDS").is_some() {
        let ca = TestCa::generate(now()).unwrap();
        std::fs::write(dir.join("signed-rsa.pdf"), signed_application(&ca, KeyKind::Rsa2048)).unwrap();
        std::fs::write(dir.join("signed-p384.pdf"), signed_application(&ca, KeyKind::EcP384)).unwrap();
        let unsigned = print::render(&print::application(&print::Application::sample(domain::Language::Lv))).unwrap();
        std::fs::write(dir.join("unsigned.pdf"), unsigned).unwrap();
    }
    for name in ["signed-rsa.pdf", "signed-p384.pdf"] {
        let pdf = std::fs::read(dir.join(name)).unwrap();
        assert!(pades::verify(&pdf).is_ok(), "{name} verifies");
    }
}
