//! Server-side token validation throughput: full Web eID validation (parse, certificate,
//! purpose, policies, chain, signature) of ES384 and RS256 tokens from the test CA, beside the
//! bare signature check of the same tokens measured in the same run (the floor).
//!
//! `cargo bench -p eid --features virtual-card --bench validate`

use std::time::Instant;

use chrono::DateTime;
use eid::{
    AuthToken, EidCard, ParsedCertificate, TokenValidator, ValidatorConfig,
    apdu::{KeyKind, PIN_MIN_LENGTH, Pin},
    test_ca::{Holder, TestCa},
    token,
    virtual_card::VirtualCard,
};

const ORIGIN: &str = "https://pietura.test";
const NONCE: &str = "q3Q2dDeAf1ssG1zBv9P9LDUhXdIJs1FP6fT6oNkkZmI=";

fn main() {
    let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
    let ca = TestCa::generate(now).unwrap();
    let validator = TokenValidator::new(ValidatorConfig {
        origin: ORIGIN.into(),
        trusted_cas: ParsedCertificate::all_from_pem(&ca.intermediate_pem().unwrap()).unwrap(),
        disallowed_policies: token::DEFAULT_DISALLOWED_POLICIES.iter().map(|p| p.to_string()).collect(),
    })
    .unwrap();
    for kind in [KeyKind::EcP384, KeyKind::Rsa2048] {
        let holder =
            Holder { given_name: "ILZE".into(), surname: "OZOLIŅA".into(), personal_code: "161175-19997".into() };
        let profile = ca.issue_card(holder, kind, now - chrono::Duration::days(1), None, "1234", "123456").unwrap();
        let mut card = EidCard::new(VirtualCard::new(profile));
        let pin = Pin::new("1234", PIN_MIN_LENGTH).unwrap();
        let json = card.sign_login(&pin, ORIGIN, NONCE, "bench").unwrap().to_json();
        let rounds = 400;
        let started = Instant::now();
        for _ in 0..rounds {
            let token = AuthToken::parse(&json).unwrap();
            validator.validate(&token, NONCE, now).unwrap();
        }
        let full = rounds as f64 / started.elapsed().as_secs_f64();
        let token = AuthToken::parse(&json).unwrap();
        let certificate = token.certificate().unwrap();
        let started = Instant::now();
        for _ in 0..rounds {
            token::verify_signature(
                &certificate,
                token.algorithm.as_deref(),
                token.signature.as_deref(),
                ORIGIN,
                NONCE,
            )
            .unwrap();
        }
        let bare = rounds as f64 / started.elapsed().as_secs_f64();
        println!(
            "{kind:?}: full validation {full:.0} tokens/s on one core; bare signature check {bare:.0}/s; ratio {:.2}",
            bare / full
        );
    }
}
