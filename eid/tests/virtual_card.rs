//! The virtual card driven by the same session code the apps use (in-process, no PC/SC): both
//! key types sign logins that the server's validator accepts; PIN counters count down and block.

use chrono::{DateTime, Utc};
use eid::{
    CardError, EidCard, ParsedCertificate, TokenError, TokenValidator, ValidatorConfig,
    apdu::{KeyKind, PIN_MIN_LENGTH, Pin},
    session::PinEntry,
    test_ca::{CardCertificateOptions, CardKey, Holder, TestCa},
    token::DEFAULT_DISALLOWED_POLICIES,
    virtual_card::VirtualCard,
};

const ORIGIN: &str = "https://pietura.test";
const NONCE: &str = "q3Q2dDeAf1ssG1zBv9P9LDUhXdIJs1FP6fT6oNkkZmI=";

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-26T12:00:00Z").unwrap().into()
}

fn holder() -> Holder {
    Holder { given_name: "ANDRA".into(), surname: "PARAUGA-ŠĶĒLE".into(), personal_code: "321000-12345".into() }
}

fn validator(ca: &TestCa) -> TokenValidator {
    let trusted = ParsedCertificate::all_from_pem(&ca.intermediate_pem().unwrap()).unwrap();
    TokenValidator::new(ValidatorConfig {
        origin: ORIGIN.into(),
        trusted_cas: trusted,
        disallowed_policies: DEFAULT_DISALLOWED_POLICIES.iter().map(|p| p.to_string()).collect(),
    })
    .unwrap()
}

fn pin(digits: &str) -> Pin {
    Pin::new(digits, PIN_MIN_LENGTH).unwrap()
}

#[test]
fn both_card_generations_sign_logins_the_validator_accepts() {
    let ca = TestCa::generate(now()).unwrap();
    for kind in [KeyKind::EcP384, KeyKind::Rsa2048] {
        let profile = ca.issue_card(holder(), kind, now(), None, "1234", "123456").unwrap();
        let mut card = EidCard::new(VirtualCard::new(profile.clone()));
        assert_eq!(card.authentication_certificate().unwrap(), profile.certificate_der, "{kind:?}");
        assert_eq!(card.authentication_key().unwrap().kind, kind);
        let token = card.sign_login(&pin("1234"), ORIGIN, NONCE, "https://pietura.lv/desk/test").unwrap();
        let validated = validator(&ca).validate(&token, NONCE, now()).unwrap();
        assert_eq!(validated.identity.personal_code(), Some(("LV", "321000-12345")), "{kind:?}");
        assert_eq!(validated.identity.surname.as_deref(), Some("PARAUGA-ŠĶĒLE"));
        assert_eq!(validator(&ca).validate(&token, "another nonce", now()).unwrap_err(), TokenError::SignatureInvalid);
    }
}

#[test]
fn a_wrong_pin_counts_down_and_blocks_at_zero_and_a_right_one_restores_the_count() {
    let ca = TestCa::generate(now()).unwrap();
    let profile = ca.issue_card(holder(), KeyKind::EcP384, now(), None, "1234", "123456").unwrap();
    let mut card = EidCard::new(VirtualCard::new(profile));
    assert_eq!(card.pin1_tries_left().unwrap(), 3);
    assert_eq!(card.authenticate(&pin("9999"), &[0; 48]), Err(CardError::WrongPin { tries_left: 2 }));
    assert_eq!(card.pin1_tries_left().unwrap(), 2);
    card.authenticate(&pin("1234"), &[0; 48]).unwrap();
    assert_eq!(card.pin1_tries_left().unwrap(), 3);
    assert_eq!(card.authenticate(&pin("9999"), &[0; 48]), Err(CardError::WrongPin { tries_left: 2 }));
    assert_eq!(card.authenticate(&pin("9999"), &[0; 48]), Err(CardError::WrongPin { tries_left: 1 }));
    assert_eq!(card.authenticate(&pin("9999"), &[0; 48]), Err(CardError::PinBlocked));
    assert_eq!(card.pin1_tries_left().unwrap(), 0);
    // Blocked means blocked, even for the right PIN.
    assert_eq!(card.authenticate(&pin("1234"), &[0; 48]), Err(CardError::PinBlocked));
}

#[test]
fn certificates_of_the_wrong_shape_or_from_an_impostor_ca_are_refused() {
    let ca = TestCa::generate(now()).unwrap();
    let key = CardKey::generate(KeyKind::EcP384);
    let sign = |options: &CardCertificateOptions, issuer: &TestCa| {
        let certificate = issuer.issue_card_certificate(&holder(), &key, options).unwrap();
        let profile = eid::test_ca::CardProfile {
            holder: holder(),
            key: key.clone(),
            certificate_der: certificate,
            signing: None,
            pin1: "1234".into(),
            pin2: "123456".into(),
            puk: "12345678".into(),
        };
        let mut card = EidCard::new(VirtualCard::new(profile));
        let token = card.sign_login(&pin("1234"), ORIGIN, NONCE, "test").unwrap();
        validator(&ca).validate(&token, NONCE, now())
    };
    let good = CardCertificateOptions::valid_from(now() - chrono::Duration::days(10));
    assert!(sign(&good, &ca).is_ok());
    let no_client_auth = CardCertificateOptions {
        extended_key_usages: vec![const_oid::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.4")],
        ..good.clone()
    };
    assert_eq!(sign(&no_client_auth, &ca).unwrap_err(), TokenError::WrongPurpose);
    let no_signature = CardCertificateOptions { digital_signature: false, ..good.clone() };
    assert_eq!(sign(&no_signature, &ca).unwrap_err(), TokenError::WrongPurpose);
    let expired = CardCertificateOptions {
        not_before: now() - chrono::Duration::days(900),
        not_after: now() - chrono::Duration::days(1),
        ..good.clone()
    };
    assert!(matches!(sign(&expired, &ca).unwrap_err(), TokenError::Expired(_)));
    let future = CardCertificateOptions { not_before: now() + chrono::Duration::days(1), ..good.clone() };
    assert!(matches!(sign(&future, &ca).unwrap_err(), TokenError::NotYetValid(_)));
    // Same names as the real CA, different keys: the signature on the certificate decides.
    let impostor = TestCa::generate(now()).unwrap();
    assert_eq!(sign(&good, &impostor).unwrap_err(), TokenError::NotTrusted);
}

#[test]
fn a_card_profile_survives_being_saved() {
    let ca = TestCa::generate(now()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    ca.save(dir.path()).unwrap();
    let loaded = TestCa::load(dir.path()).unwrap();
    assert_eq!(loaded.intermediate_pem().unwrap(), ca.intermediate_pem().unwrap());
    let profile = loaded.issue_card(holder(), KeyKind::EcP384, now(), None, "1234", "123456").unwrap();
    let again = eid::test_ca::CardProfile::from_json(&profile.to_json().unwrap()).unwrap();
    assert_eq!(again.certificate_der, profile.certificate_der);
    let signing = |p: &eid::test_ca::CardProfile| p.signing.as_ref().map(|s| s.certificate_der.clone());
    assert_eq!(signing(&again), signing(&profile));
    assert!(signing(&again).is_some());
    let mut card = EidCard::new(VirtualCard::new(again));
    let token = card.sign_login(&pin("1234"), ORIGIN, NONCE, "test").unwrap();
    validator(&ca).validate(&token, NONCE, now()).unwrap();
}

/// Whether `signature` over `hash` verifies with the key of `certificate_der` (the library path
/// the server verifies with: PKCS#1 v1.5 SHA-256 for RSA, raw r‖s ECDSA for EC).
fn verifies(certificate_der: &[u8], hash: &[u8], signature: &[u8]) -> bool {
    use eid::certificate::{HashAlgorithm, Padding, SignatureEncoding};
    let key = ParsedCertificate::from_der(certificate_der).unwrap().public_key().unwrap();
    let padding = if hash.len() == 48 { Padding::Ecdsa } else { Padding::RsaPkcs1(HashAlgorithm::Sha256) };
    key.verify_prehashed(padding, hash, signature, SignatureEncoding::Raw)
}

fn pin2(digits: &str) -> Pin {
    Pin::new(digits, eid::apdu::PIN2_MIN_LENGTH).unwrap()
}

/// Issue 15: both card generations carry a qualified signing key in ADF2 with a certificate
/// shaped like a Latvian qualified one, and sign a hash with PIN2 — the signature verifies with
/// that certificate, not with the authentication one.
#[test]
fn both_card_generations_sign_with_pin2_and_the_signing_certificate_is_qualified() {
    use der::Decode;
    let ca = TestCa::generate(now()).unwrap();
    for (kind, hash) in [(KeyKind::EcP384, vec![7u8; 48]), (KeyKind::Rsa2048, vec![7u8; 32])] {
        let profile = ca.issue_card(holder(), kind, now(), None, "1234", "123456").unwrap();
        let mut card = EidCard::new(VirtualCard::new(profile.clone()));
        let certificate = card.signing_certificate().unwrap();
        assert_eq!(certificate, profile.signing.as_ref().unwrap().certificate_der, "{kind:?}");
        assert_ne!(certificate, profile.certificate_der);
        let key = card.signing_key().unwrap();
        assert_eq!((key.kind, key.reference), (kind, if kind == KeyKind::EcP384 { 0x9E } else { 0x9F }));
        let signature = card.sign(PinEntry::Typed(&pin2("123456")), &hash).unwrap();
        assert!(verifies(&certificate, &hash, &signature), "{kind:?}");
        assert!(!verifies(&profile.certificate_der, &hash, &signature), "not the login key");

        // Key usage non-repudiation only; EU-qualified, QSCD, e-signature; qualified policies.
        let parsed = x509_cert::Certificate::from_der(&certificate).unwrap();
        let extensions = parsed.tbs_certificate.extensions.unwrap();
        let usage = extensions.iter().find(|e| e.extn_id.to_string() == "2.5.29.15").unwrap();
        let usage = x509_cert::ext::pkix::KeyUsage::from_der(usage.extn_value.as_bytes()).unwrap();
        assert!(usage.non_repudiation() && !usage.digital_signature(), "{usage:?}");
        let statements = extensions.iter().find(|e| e.extn_id.to_string() == "1.3.6.1.5.5.7.1.3").unwrap();
        for statement in [eid::test_ca::QC_COMPLIANCE, eid::test_ca::QC_SSCD, eid::test_ca::QC_TYPE_ESIGN] {
            let encoded = der::Encode::to_der(&statement).unwrap();
            assert!(statements.extn_value.as_bytes().windows(encoded.len()).any(|w| w == encoded), "{statement}");
        }
        let policies = extensions.iter().find(|e| e.extn_id.to_string() == "2.5.29.32").unwrap();
        let policies = x509_cert::ext::pkix::CertificatePolicies::from_der(policies.extn_value.as_bytes()).unwrap();
        let policies: Vec<String> = policies.0.iter().map(|p| p.policy_identifier.to_string()).collect();
        assert_eq!(policies, eid::test_ca::SIGNING_POLICIES);
        assert_eq!(parsed.tbs_certificate.subject.to_string(), {
            let login = x509_cert::Certificate::from_der(&profile.certificate_der).unwrap();
            login.tbs_certificate.subject.to_string()
        });
    }
}

/// PIN2 is asked for every signature, counts down on its own (PIN1 untouched), blocks at zero,
/// and a right PIN2 before then restores the count.
#[test]
fn pin2_is_needed_for_every_signature_and_counts_down_to_blocked_on_its_own() {
    let ca = TestCa::generate(now()).unwrap();
    let profile = ca.issue_card(holder(), KeyKind::EcP384, now(), None, "1234", "123456").unwrap();
    let mut virtual_card = VirtualCard::new(profile);
    let mut apdu = |hex: &str| -> Vec<u8> {
        let bytes: Vec<u8> =
            (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect();
        virtual_card.respond(&bytes)
    };
    // Straight to PSO without PIN2: refused; with PIN2 once: one signature, then refused again.
    assert_eq!(apdu("00A4040C1051534344204170706C69636174696F6E")[..], [0x90, 0x00]);
    assert_eq!(apdu("002241B60680015484019E")[..], [0x90, 0x00]);
    let pso = format!("002A9E9A30{}00", "07".repeat(48));
    assert_eq!(apdu(&pso)[..], [0x69, 0x82], "no PIN2: no signature");
    assert_eq!(apdu("002000850C313233343536FFFFFFFFFFFF")[..], [0x90, 0x00]);
    assert_eq!(apdu(&pso).len(), 96 + 2);
    assert_eq!(apdu(&pso)[..], [0x69, 0x82], "PIN2 again for the next signature");

    let mut card = EidCard::new(VirtualCard::new(
        ca.issue_card(holder(), KeyKind::Rsa2048, now(), None, "1234", "123456").unwrap(),
    ));
    assert_eq!(card.pin2_tries_left().unwrap(), 3);
    let wrong = pin2("654321");
    assert_eq!(card.sign(PinEntry::Typed(&wrong), &[1; 32]), Err(CardError::WrongPin { tries_left: 2 }));
    assert_eq!((card.pin2_tries_left().unwrap(), card.pin1_tries_left().unwrap()), (2, 3));
    card.sign(PinEntry::Typed(&pin2("123456")), &[1; 32]).unwrap();
    assert_eq!(card.pin2_tries_left().unwrap(), 3);
    assert_eq!(card.sign(PinEntry::Typed(&wrong), &[1; 32]), Err(CardError::WrongPin { tries_left: 2 }));
    assert_eq!(card.sign(PinEntry::Typed(&wrong), &[1; 32]), Err(CardError::WrongPin { tries_left: 1 }));
    assert_eq!(card.sign(PinEntry::Typed(&wrong), &[1; 32]), Err(CardError::PinBlocked));
    assert_eq!(card.sign(PinEntry::Typed(&pin2("123456")), &[1; 32]), Err(CardError::PinBlocked));
    assert_eq!(card.pin2_tries_left().unwrap(), 0);
    // The login still works: PIN1 is its own.
    card.sign_login(&pin("1234"), ORIGIN, NONCE, "test").unwrap();
}

/// Each key for its own use: the signing key cannot be chosen for authentication nor the
/// authentication key for signing, and PSO refuses outside the signing application.
#[test]
fn the_login_key_cannot_sign_and_the_signing_key_cannot_log_in() {
    let ca = TestCa::generate(now()).unwrap();
    let mut card = VirtualCard::new(ca.issue_card(holder(), KeyKind::EcP384, now(), None, "1234", "123456").unwrap());
    let mut apdu = |hex: &str| -> Vec<u8> {
        let hex = hex.replace(' ', "");
        let bytes: Vec<u8> =
            (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect();
        card.respond(&bytes)
    };
    let pso = format!("002A9E9A30{}00", "07".repeat(48));
    // In ADF2: the authentication key's reference is not a signing key.
    assert_eq!(apdu("00A4040C10 51534344204170706C69636174696F6E")[..], [0x90, 0x00]);
    assert_eq!(apdu("002241B6 06 800154 840182")[..], [0x6A, 0x88]);
    assert_eq!(apdu("002000850C 313233343536FFFFFFFFFFFF")[..], [0x90, 0x00]);
    assert_eq!(apdu(&pso)[..], [0x69, 0x85], "no signing key chosen");
    // In ADF1 with PIN1 and the authentication key chosen, PSO still refuses.
    assert_eq!(apdu("00A4040C0D E828BD080FF2504F5420415750")[..], [0x90, 0x00]);
    assert_eq!(apdu("002241A4 06 800104 840182")[..], [0x90, 0x00]);
    assert_eq!(apdu("002000010C 31323334FFFFFFFFFFFFFFFF")[..], [0x90, 0x00]);
    assert_eq!(apdu(&pso)[..], [0x69, 0x85]);
    // And the signing key's reference is not an authentication key.
    assert_eq!(apdu("002241A4 06 800104 84019E")[..], [0x6A, 0x88]);
}
