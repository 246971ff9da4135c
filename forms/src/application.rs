//! What an institution receives when a form is submitted: `application.json`, the data with
//! everything needed to check it (the form, its version and schema digest, the service, the case
//! and the applicant). The desk writes it and the server writes it again from the submission to
//! compare, so the bytes must come out the same on both: [`Application::to_bytes`] is canonical
//! JSON.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::definition::canonical_json;

/// The file name the application travels under.
pub const APPLICATION_JSON: &str = "application.json";
/// The human-readable application beside it.
pub const APPLICATION_PDF: &str = "application.pdf";

/// `application.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Application {
    pub form: SubmittedForm,
    /// The catalogue service (its IRI).
    pub service: String,
    pub case_number: String,
    pub applicant: Applicant,
    /// The centre where it was filled in with the applicant.
    pub centre: String,
    /// RFC 3339, UTC, to the second.
    pub submitted_at: String,
    /// `lv` or `en`: the language the applicant was served in.
    pub language: String,
    /// The answers that apply (hidden branches left out), keyed by field.
    pub data: Value,
}

/// Which form, at which version, the data was filled with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmittedForm {
    pub id: String,
    pub version: u32,
    pub schema_digest: String,
}

/// Who applies: `natural` (personal code) or `legal` (registration number).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Applicant {
    pub kind: String,
    pub code: String,
    pub name: String,
}

impl Application {
    /// Canonical JSON (keys sorted at every level, no spaces): the same bytes wherever it is made.
    pub fn to_bytes(&self) -> Vec<u8> {
        let value = serde_json::to_value(self).expect("an application is plain JSON");
        canonical_json(&value).into_bytes()
    }

    /// The files the data names (file fields' entries), as `(name, sha256)`.
    pub fn files(&self) -> Vec<(String, String)> {
        let Some(fields) = self.data.as_object() else { return Vec::new() };
        fields
            .values()
            .filter_map(Value::as_array)
            .flatten()
            .filter_map(|file| Some((file.get("name")?.as_str()?.to_owned(), file.get("sha256")?.as_str()?.to_owned())))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample(data: Value) -> Application {
        Application {
            form: SubmittedForm { id: "f".into(), version: 2, schema_digest: "ab".into() },
            service: "s".into(),
            case_number: "RCV-01-26-0001".into(),
            applicant: Applicant { kind: "natural".into(), code: "290156-11605".into(), name: "Oskars Kalns".into() },
            centre: "Rīgas VPVKAC".into(),
            submitted_at: "2026-12-04T10:00:00Z".into(),
            language: "lv".into(),
            data,
        }
    }

    #[test]
    fn the_bytes_do_not_depend_on_the_order_answers_were_given_in() {
        let one = sample(json!({"b": 1, "a": {"y": true, "x": "ā"}}));
        let other = sample(json!({"a": {"x": "ā", "y": true}, "b": 1}));
        assert_eq!(one.to_bytes(), other.to_bytes());
        let read: Application = serde_json::from_slice(&one.to_bytes()).unwrap();
        assert_eq!(read, one);
        assert!(String::from_utf8(one.to_bytes()).unwrap().starts_with(r#"{"applicant":{"code":"290156-11605""#));
    }

    #[test]
    fn files_are_found_in_any_file_field() {
        let app = sample(json!({
            "plan": [{"name": "plāns.pdf", "sha256": "aa", "size": 3}],
            "other": [{"name": "b.png", "sha256": "bb"}, {"no": "name"}],
            "text": "x"
        }));
        let mut files = app.files();
        files.sort();
        assert_eq!(files, vec![("b.png".into(), "bb".into()), ("plāns.pdf".into(), "aa".into())]);
    }
}
