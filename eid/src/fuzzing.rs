//! What the fuzz targets (`fuzz/`, `cargo xtask fuzz`) run, here so that the regression tests
//! run exactly the same code on every input a fuzzer ever found (`fuzz/regressions/`). Each
//! function must never panic, whatever the bytes: errors are answers, not crashes.

use crate::{
    apdu,
    session::{CardError, EidCard, Transport},
    token::{AuthToken, TokenValidator, ValidatorConfig},
};

/// A card that answers each command with the next piece of `answers` (two length bytes, then
/// the answer), as a hostile or broken card or reader could.
struct ScriptedCard<'a> {
    answers: &'a [u8],
}

impl Transport for ScriptedCard<'_> {
    fn transmit(&mut self, _command: &[u8]) -> Result<Vec<u8>, CardError> {
        if self.answers.len() < 2 {
            return Err(CardError::CardRemoved);
        }
        let length = usize::from(u16::from_be_bytes([self.answers[0], self.answers[1]])).min(self.answers.len() - 2);
        let (answer, rest) = self.answers[2..].split_at(length);
        self.answers = rest;
        Ok(answer.to_vec())
    }
}

/// Card answers: the reader's side of every exchange (the certificate, PIN counters, the key's
/// kind) over a card that says anything, and the pure parsers of answers.
pub fn card_answers(data: &[u8]) {
    let _ = apdu::tlvs(data);
    let _ = apdu::fcp_file_size(data);
    let _ = apdu::pin_counter(data);
    let _ = apdu::object_directory(data);
    let _ = apdu::certificate_file(data);
    let _ = apdu::private_key(data);
    let _ = apdu::Response::parse(data);
    let _ = apdu::Command::parse(data);
    let _ = apdu::identify(data);
    let _ = crate::ParsedCertificate::from_der(data);
    let mut card = EidCard::new(ScriptedCard { answers: data });
    let _ = card.authentication_certificate();
    let mut card = EidCard::new(ScriptedCard { answers: data });
    let _ = card.pin1_tries_left();
    let mut card = EidCard::new(ScriptedCard { answers: data });
    let _ = card.authentication_key();
}

/// A Web eID token as a server receives it, validated against a trusted CA of its own.
pub fn web_eid_token(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(token) = AuthToken::parse(text) else { return };
    let _ = token.certificate();
    static VALIDATOR: std::sync::OnceLock<Option<TokenValidator>> = std::sync::OnceLock::new();
    let validator = VALIDATOR.get_or_init(|| {
        let anchors = crate::ParsedCertificate::all_from_pem(TRUSTED_CA).ok()?;
        TokenValidator::new(ValidatorConfig {
            origin: "https://pietura.test".into(),
            trusted_cas: anchors,
            disallowed_policies: Vec::new(),
        })
        .ok()
    });
    if let Some(validator) = validator {
        let at = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        let _ = validator.validate(&token, "bm9uY2Ugb2YgdGhlIGZ1enplcnM=", at);
    }
}

/// The Web eID test vectors' CA: tokens whose chain reaches it get as far as the signature.
const TRUSTED_CA: &str = include_str!("../tests/data/web-eid/TEST_of_ESTEID2018.pem");
