//! The line between the real service and training (issue 18).
//!
//! A training server is a server of its own (its own database, attachments and audit log,
//! started with `environment = "training"`), so nothing done in a workshop can reach real cases,
//! mailboxes, open data or the real audit log, and nothing real is there to be read. On top of
//! that separation, each side refuses the other's people at its edge: the real server refuses
//! every training person's code (`domain::training`: codes that were never issued), the training
//! server every other code. People enter a server only through what clients send — logins, the
//! JSON of requests and outbox entries, paths, and operators' commands — and each is checked
//! here.

use domain::PersonalCode;
use serde::{Deserialize, Serialize};

/// Which people a server serves.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    /// The real service: real people only.
    #[default]
    Production,
    /// A workshop's sandbox: training people only.
    Training,
}

/// A person from the other side of the line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Crossing {
    #[error(
        "{0} is a training person's code: training data never enters the real service (is this device meant for a training server?)"
    )]
    TrainingPersonInProduction(String),
    #[error("{0} is not a training person's code: a training server holds the workshop's training people only")]
    RealPersonInTraining(String),
}

impl Environment {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Production => "production",
            Self::Training => "training",
        }
    }

    /// Whether `code` may be served here.
    pub fn admits(self, code: &PersonalCode) -> Result<(), Crossing> {
        match (self, code.is_training()) {
            (Self::Production, true) => Err(Crossing::TrainingPersonInProduction(code.to_string())),
            (Self::Training, false) => Err(Crossing::RealPersonInTraining(code.to_string())),
            _ => Ok(()),
        }
    }

    /// The first person in `text` (a path segment, a JSON string) who may not be served here.
    pub fn crossing_in_text(self, text: &str) -> Result<(), Crossing> {
        match person_named_by(text) {
            Some(code) => self.admits(&code),
            None => Ok(()),
        }
    }

    /// The first person named anywhere in `value` (every string, at any depth, and object keys)
    /// who may not be served here.
    pub fn crossing_in_json(self, value: &serde_json::Value) -> Result<(), Crossing> {
        match value {
            serde_json::Value::String(text) => self.crossing_in_text(text),
            serde_json::Value::Array(items) => items.iter().try_for_each(|item| self.crossing_in_json(item)),
            serde_json::Value::Object(fields) => fields.iter().try_for_each(|(key, field)| {
                self.crossing_in_text(key)?;
                self.crossing_in_json(field)
            }),
            _ => Ok(()),
        }
    }
}

/// The person a whole string names: a personal code (with or without its hyphen), a private
/// e-address (`_PRIVATE@<code>`) or a certificate's serial number (`PNOLV-<code>`). Text that
/// merely contains digits (a note, a document in base64) names nobody.
pub fn person_named_by(text: &str) -> Option<PersonalCode> {
    let text = text.trim();
    if text.len() > 24 {
        return None;
    }
    let code = match text.split_once('@') {
        Some((mailbox, code)) if mailbox.eq_ignore_ascii_case("_private") => code,
        Some(_) => return None,
        None => text.strip_prefix("PNOLV-").unwrap_or(text),
    };
    PersonalCode::parse(code).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const REAL: &str = "161175-19997";

    fn training() -> String {
        domain::training::training_code(1, 1).to_string()
    }

    #[test]
    fn each_side_refuses_the_others_people() {
        let real = PersonalCode::parse(REAL).unwrap();
        let trainee = domain::training::training_code(1, 1);
        assert!(Environment::Production.admits(&real).is_ok());
        assert!(matches!(Environment::Production.admits(&trainee), Err(Crossing::TrainingPersonInProduction(_))));
        assert!(Environment::Training.admits(&trainee).is_ok());
        assert!(matches!(Environment::Training.admits(&real), Err(Crossing::RealPersonInTraining(_))));
    }

    #[test]
    fn people_are_found_wherever_a_request_names_them() {
        let code = training();
        let compact = code.replace('-', "");
        for named in [code.clone(), compact.clone(), format!("_PRIVATE@{compact}"), format!("PNOLV-{code}")] {
            let body = serde_json::json!({ "entries": [{ "payload": { "customer": { "code": named } } }] });
            assert!(Environment::Production.crossing_in_json(&body).is_err(), "{named}");
            assert!(Environment::Training.crossing_in_json(&body).is_ok(), "{named}");
        }
        let keyed = serde_json::json!({ "states": { REAL: "read" } });
        assert!(Environment::Training.crossing_in_json(&keyed).is_err(), "an object's key names a person too");
    }

    #[test]
    fn text_that_only_contains_digits_names_nobody() {
        for text in [
            format!("Klients {REAL} atnāks rīt"),
            "JVBERi0xLjcKMTYxMTc1MTk5OTcK".to_owned(),
            "_DEFAULT@90000069281".to_owned(),
            "R1V-01-26-0004".to_owned(),
            "2026-12-05T10:00:00Z".to_owned(),
        ] {
            assert_eq!(person_named_by(&text), None, "{text}");
            assert!(Environment::Training.crossing_in_text(&text).is_ok());
        }
    }
}
