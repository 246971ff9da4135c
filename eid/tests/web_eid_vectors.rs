//! The 44 cases of Web eID's own validator test suites (`tests/data/web-eid/`, see its README):
//! every valid token validates with the subject the upstream tests assert, and every failing one
//! fails at the same step for the same reason (the Java exception's name, and for parse
//! failures its message).

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use eid::{
    AuthToken, ParsedCertificate, TokenValidator, ValidatorConfig,
    token::{self, TokenError},
};
use serde_json::Value;

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/web-eid")
}

fn text(case: &Value, key: &str) -> Option<String> {
    case.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn token_string(case: &Value) -> String {
    if let Some(repeat) = case.get("token_string_repeat") {
        let unit = repeat["char"].as_str().unwrap();
        return unit.repeat(repeat["count"].as_u64().unwrap() as usize);
    }
    // `parse(null)` in the upstream tests: no text at all.
    text(case, "token_string").unwrap_or_default()
}

fn validator(case: &Value) -> TokenValidator {
    let trusted_cas = case["trusted_ca_files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|file| {
            let pem = std::fs::read_to_string(data_dir().join(file.as_str().unwrap())).unwrap();
            ParsedCertificate::all_from_pem(&pem).unwrap()
        })
        .collect();
    let disallowed_policies = case["config"]["disallowed_subject_certificate_policies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_owned())
        .collect();
    TokenValidator::new(ValidatorConfig { origin: text(case, "origin").unwrap(), trusted_cas, disallowed_policies })
        .unwrap()
}

/// What our code answers for the case: a validated identity or the error and where it arose.
fn run(case: &Value) -> Result<Option<eid::ValidatedToken>, (&'static str, TokenError)> {
    let token = AuthToken::parse(&token_string(case)).map_err(|e| ("parse", e))?;
    let nonce = text(case, "nonce").unwrap();
    if case["scope"] == "signature_only" {
        let certificate = token.certificate().map_err(|e| ("validate", e))?;
        token::verify_signature(
            &certificate,
            token.algorithm.as_deref(),
            token.signature.as_deref(),
            &text(case, "origin").unwrap(),
            &nonce,
        )
        .map_err(|e| ("validate", e))?;
        return Ok(None);
    }
    // Cases without a time fail before the clock matters.
    let at: DateTime<Utc> = text(case, "validation_time").unwrap_or("2021-08-01T00:00:00Z".into()).parse().unwrap();
    validator(case).validate(&token, &nonce, at).map(Some).map_err(|e| ("validate", e))
}

fn check(case: &Value) -> Result<(), String> {
    let name = case["name"].as_str().unwrap();
    let expect = case["expect"].as_str().unwrap();
    match (run(case), expect) {
        (Ok(validated), "valid") => {
            let Some(validated) = validated else { return Ok(()) };
            let Some(subject) = case.get("expected_subject") else { return Ok(()) };
            let identity = &validated.identity;
            let expected = |key: &str| subject[key].as_str().map(str::to_owned);
            let found = [
                ("common_name", identity.common_name.clone()),
                ("given_name", identity.given_name.clone()),
                ("surname", identity.surname.clone()),
                ("personal_code", identity.serial_number.clone()),
                ("country", identity.country.clone()),
            ];
            for (key, value) in found {
                if value != expected(key) {
                    return Err(format!("{name}: {key} is {value:?}, expected {:?}", expected(key)));
                }
            }
            Ok(())
        }
        (Ok(_), _) => Err(format!("{name}: validated, expected {expect}")),
        (Err((step, error)), "valid") => Err(format!("{name}: failed at {step} with {error}, expected valid")),
        (Err((step, error)), _) => {
            if error.web_eid_name() != expect {
                return Err(format!("{name}: {} ({error}), expected {expect}", error.web_eid_name()));
            }
            if case["fails_at"].as_str() != Some(step) {
                return Err(format!("{name}: failed at {step}, expected at {}", case["fails_at"]));
            }
            if let (TokenError::Malformed(message), Some(expected)) = (&error, text(case, "expected_message")) {
                let expected = expected.to_lowercase();
                if !message.to_lowercase().contains(expected.trim_end_matches('.')) {
                    return Err(format!("{name}: message {message:?}, expected {expected:?}"));
                }
            }
            Ok(())
        }
    }
}

#[test]
fn every_web_eid_vector_gives_the_upstream_result() {
    let vectors: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(data_dir().join("vectors.json")).unwrap()).unwrap();
    assert_eq!(vectors.len(), 44);
    let failures: Vec<String> = vectors.iter().filter_map(|case| check(case).err()).collect();
    assert!(failures.is_empty(), "{} of 44 vectors differ:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn a_validated_latvian_style_identity_gives_the_personal_code() {
    // The Latvian DEMO card's certificate from the vectors (signature-only upstream: its issuer is
    // not provided), read for its subject.
    let vectors: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(data_dir().join("vectors.json")).unwrap()).unwrap();
    let case = vectors.iter().find(|c| c["name"] == "signature_only_valid_rs256_latvia").unwrap();
    let identity = AuthToken::parse(&token_string(case)).unwrap().certificate().unwrap().identity();
    assert_eq!(identity.personal_code(), Some(("LV", "321922-33032")));
    assert_eq!(identity.given_name.as_deref(), Some("ANDRIS"));
    assert_eq!(identity.surname.as_deref(), Some("PARAUDZIŅŠ"));
    assert_eq!(identity.country.as_deref(), Some("LV"));
}
