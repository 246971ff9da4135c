//! What an institution publishes for a service: the data's JSON Schema, the steps and fields a
//! person fills, the texts in Latvian (and English), and where prefilled values come from.

use std::collections::BTreeMap;

use domain::catalogue::Text;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// One version of one e-form, as published (the JSON file `catalogue import` reads, and what the
/// institution API takes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormDefinition {
    /// The form's IRI; versions share it.
    pub id: String,
    /// The catalogue service the form belongs to.
    pub service: String,
    /// 1, 2, 3…: a submission names the version it was filled with.
    pub version: u32,
    pub title: Text,
    /// The data: JSON Schema (draft 2020-12) in Pietura's profile ([`crate::profile`]). The root
    /// is an object; each of its properties is one field of the layout.
    pub schema: Value,
    pub steps: Vec<Step>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prefill: Vec<Prefill>,
    /// The applicant signs the application with their own eID card (PIN2) before it goes: most
    /// applications do; a consultation's form need not.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub signature_required: bool,
    /// Citizens may fill and submit it themselves at a library kiosk, logged in with their card:
    /// such a form is signed by the applicant (the signature is what lets the server send it in
    /// their name) and asks for no file in every case (a kiosk has no scanner and keeps nothing).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub self_service: bool,
}

/// One page of the form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub id: String,
    pub title: Text,
    pub fields: Vec<FieldLayout>,
}

/// How one field (a property of the schema's root) is shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldLayout {
    pub field: String,
    pub widget: Widget,
    pub label: Text,
    #[serde(default, skip_serializing_if = "Text::is_empty")]
    pub help: Text,
    /// What to tell a person whose value does not match the field's pattern ("Kadastra
    /// apzīmējumam jābūt 11 cipariem"); a general message stands in without it.
    #[serde(default, skip_serializing_if = "Text::is_empty")]
    pub invalid: Text,
    /// The words for each value of a choice (keyed by the value as the schema's `enum` has it).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub choices: BTreeMap<String, Text>,
}

/// How a field is filled in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Widget {
    /// One line of text.
    Text,
    Multiline,
    Number,
    /// Euros and cents.
    Money,
    Date,
    /// A choice with every option in view.
    Radio,
    /// A choice from a drop-down list.
    List,
    YesNo,
    PersonalCode,
    RegistrationNumber,
    /// A postal address, as one text.
    Address,
    EAddress,
    /// Files: scans or documents, checked like e-address attachments.
    File,
}

impl Widget {
    pub const ALL: [Widget; 13] = [
        Widget::Text,
        Widget::Multiline,
        Widget::Number,
        Widget::Money,
        Widget::Date,
        Widget::Radio,
        Widget::List,
        Widget::YesNo,
        Widget::PersonalCode,
        Widget::RegistrationNumber,
        Widget::Address,
        Widget::EAddress,
        Widget::File,
    ];
}

impl Widget {
    /// The answer text typed into a field of this widget stands for: a number for numbers and
    /// money (a comma or spaces allowed), else the text; nothing for an empty field. Text that is
    /// not a number stays text, so the validator says what is wrong with it.
    pub fn typed_value(self, text: &str) -> Option<Value> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        if matches!(self, Widget::Number | Widget::Money) {
            let number = text.replace(',', ".").replace(' ', "");
            if let Ok(whole) = number.parse::<i64>() {
                return Some(Value::from(whole));
            }
            if let Ok(decimal) = number.parse::<f64>() {
                return Some(Value::from(decimal));
            }
        }
        Some(Value::String(text.to_owned()))
    }
}

/// A field that starts with a value the desk already knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prefill {
    pub field: String,
    pub from: PrefillSource,
}

/// Where a prefilled value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum PrefillSource {
    /// The customer being served: from their card in the second reader, or as typed.
    CustomerName,
    CustomerCode,
    /// The case the form was started from.
    CaseNumber,
    /// The centre serving the customer.
    CentreName,
    /// The day the form is filled (Riga time), as `YYYY-MM-DD`.
    Today,
}

impl FormDefinition {
    /// The definition from its JSON; what is wrong is named by [`crate::check`], not here, except
    /// a file that is not a form definition at all.
    pub fn from_json(json: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(json)
    }

    /// The SHA-256 of the schema in canonical JSON (keys sorted, no spaces), hex: a submission
    /// names it so the data can be checked against exactly the schema it was filled with.
    pub fn schema_digest(&self) -> String {
        hex::encode(Sha256::digest(canonical_json(&self.schema)))
    }

    /// What an application filled with this version names of it: the form, the version and the
    /// schema's digest.
    pub fn submitted(&self) -> crate::application::SubmittedForm {
        crate::application::SubmittedForm {
            id: self.id.clone(),
            version: self.version,
            schema_digest: self.schema_digest(),
        }
    }

    /// The form's title in Latvian, the language institutions work in.
    pub fn title_lv(&self) -> String {
        self.title.show_or(domain::Language::Lv, &self.id)
    }

    /// The subject of the e-address message that submits this form for case `number`; the desk
    /// shows the same subject the server sends.
    pub fn submission_subject(&self, number: &str) -> String {
        format!("E-veidlapa: {} ({number})", self.title_lv())
    }

    /// The subject of the e-address message a citizen's own submission at a kiosk is sent with
    /// (no case: it goes from their mailbox straight to the institution).
    pub fn self_service_subject(&self) -> String {
        format!("E-veidlapa: {}", self.title_lv())
    }

    /// What the case's history says when this form is submitted on it (desk and server alike).
    pub fn submission_note(&self) -> String {
        format!("E-veidlapa iesniegta: {} (versija {})", self.title_lv(), self.version)
    }

    /// The layout of `field`, if a step shows it.
    pub fn field(&self, field: &str) -> Option<&FieldLayout> {
        self.steps.iter().flat_map(|s| &s.fields).find(|f| f.field == field)
    }

    /// Every field in the order the steps show them.
    pub fn fields(&self) -> impl Iterator<Item = &FieldLayout> {
        self.steps.iter().flat_map(|s| &s.fields)
    }
}

/// JSON with object keys sorted at every level and no whitespace.
pub fn canonical_json(value: &Value) -> String {
    fn write(value: &Value, out: &mut String) {
        match value {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                out.push('{');
                for (i, key) in keys.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&Value::String(key.clone()).to_string());
                    out.push(':');
                    write(&map[key], out);
                }
                out.push('}');
            }
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write(item, out);
                }
                out.push(']');
            }
            scalar => out.push_str(&scalar.to_string()),
        }
    }
    let mut out = String::new();
    write(value, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_text_becomes_the_value_its_widget_wants() {
        assert_eq!(Widget::Number.typed_value(" 12 "), Some(Value::from(12)));
        assert_eq!(Widget::Money.typed_value("1 234,50"), Some(Value::from(1234.5)));
        assert_eq!(Widget::Number.typed_value("divi"), Some(Value::from("divi")));
        assert_eq!(Widget::Text.typed_value("12"), Some(Value::from("12")));
        assert_eq!(Widget::Date.typed_value("   "), None);
    }

    #[test]
    fn the_digest_does_not_depend_on_key_order_or_spacing() {
        let a: Value =
            serde_json::from_str(r#"{"type":"object","properties":{"a":{"type":"string"},"b":{}}}"#).unwrap();
        let b: Value =
            serde_json::from_str(r#"{ "properties": { "b": {}, "a": { "type": "string" } }, "type": "object" }"#)
                .unwrap();
        assert_eq!(canonical_json(&a), canonical_json(&b));
        assert_eq!(canonical_json(&a), r#"{"properties":{"a":{"type":"string"},"b":{}},"type":"object"}"#);
        let form = |schema: Value| FormDefinition {
            id: "f".into(),
            service: "s".into(),
            version: 1,
            title: Text::new().with("lv", "F"),
            schema,
            steps: vec![],
            prefill: vec![],
            signature_required: false,
            self_service: false,
        };
        assert_eq!(form(a.clone()).schema_digest(), form(b).schema_digest());
        assert_eq!(form(a).schema_digest().len(), 64);
    }
}
