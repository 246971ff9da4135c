//! The virtual card driven by the same session code the apps use (in-process, no PC/SC): both
//! key types sign logins that the server's validator accepts; PIN counters count down and block.

use chrono::{DateTime, Utc};
use eid::{
    CardError, EidCard, ParsedCertificate, TokenError, TokenValidator, ValidatorConfig,
    apdu::{KeyKind, PIN_MIN_LENGTH, Pin},
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
    let mut card = EidCard::new(VirtualCard::new(again));
    let token = card.sign_login(&pin("1234"), ORIGIN, NONCE, "test").unwrap();
    validator(&ca).validate(&token, NONCE, now()).unwrap();
}
