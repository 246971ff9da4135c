//! Pietura's profile of JSON Schema 2020-12 for e-forms, and the checks a definition must pass to
//! be published. The profile is what a desk can show and explain: a flat object of fields, the
//! validation keywords a person can be told about, conditions that show or hide fields, local
//! definitions. Everything else is refused on publish, with where it is and why.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::{Map, Value};

use crate::definition::{FormDefinition, Widget};

/// The draft every form is written in.
pub const SCHEMA_DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// Keywords whose value is a schema.
const SINGLE_SUBSCHEMA: &[&str] = &["items", "if", "then", "else", "additionalProperties"];
/// Keywords whose value maps names to schemas.
const MAPPED_SUBSCHEMAS: &[&str] = &["properties", "$defs"];
/// Keywords whose value is a list of schemas.
const LISTED_SUBSCHEMAS: &[&str] = &["allOf"];
/// Keywords that constrain or annotate a value without holding schemas.
const VALUE_KEYWORDS: &[&str] = &[
    "type",
    "enum",
    "const",
    "required",
    "minLength",
    "maxLength",
    "pattern",
    "format",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minItems",
    "maxItems",
    "uniqueItems",
    "dependentRequired",
    "title",
    "description",
    "examples",
    "$comment",
];

/// The `format`s a form may use: the standard ones a person can be told about, and Latvian
/// identifiers checked by the domain's own rules.
pub const FORMATS: &[&str] = &["date", "email", "lv-personal-code", "lv-registration-number", "lv-e-address"];

/// Something that keeps a definition from being published: where it is and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Problem {
    /// A JSON pointer into the definition (`/schema/properties/name/format`, `/steps/1/fields/0`).
    pub path: String,
    pub reason: String,
}

fn problem(path: &str, reason: impl Into<String>) -> Problem {
    Problem { path: path.to_owned(), reason: reason.into() }
}

/// Everything in `schema` outside the profile (a schema on its own: the test suite's, or a form's).
pub fn check_schema(schema: &Value) -> Vec<Problem> {
    let mut problems = Vec::new();
    let defs = schema.get("$defs").and_then(Value::as_object);
    walk(schema, "", defs, &mut problems, Place::Root);
    problems
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Root,
    Nested,
    /// Inside an `if`: evaluated on its own to show or hide fields, so it may not refer elsewhere.
    Condition,
}

fn walk(schema: &Value, path: &str, defs: Option<&Map<String, Value>>, problems: &mut Vec<Problem>, place: Place) {
    let object = match schema {
        Value::Bool(_) => return,
        Value::Object(object) => object,
        _ => {
            problems.push(problem(path, "a schema must be an object or true/false"));
            return;
        }
    };
    let inner = if place == Place::Root { Place::Nested } else { place };
    for (keyword, value) in object {
        let here = format!("{path}/{}", escape(keyword));
        match keyword.as_str() {
            "$schema" if place == Place::Root => {
                if value.as_str() != Some(SCHEMA_DIALECT) {
                    problems
                        .push(problem(&here, format!("forms are written in JSON Schema 2020-12 ({SCHEMA_DIALECT})")));
                }
            }
            "$ref" => check_ref(value, &here, defs, place, problems),
            "format" => {
                if !value.as_str().is_some_and(|f| FORMATS.contains(&f)) {
                    problems.push(problem(&here, format!("the format {value} is not one of {}", FORMATS.join(", "))));
                }
            }
            "$defs" if place != Place::Root => {
                problems.push(problem(&here, "$defs belong at the schema's root"));
            }
            "if" => walk(value, &here, defs, problems, Place::Condition),
            k if SINGLE_SUBSCHEMA.contains(&k) => walk(value, &here, defs, problems, inner),
            k if MAPPED_SUBSCHEMAS.contains(&k) => match value.as_object() {
                Some(map) => {
                    for (name, subschema) in map {
                        walk(subschema, &format!("{here}/{}", escape(name)), defs, problems, inner);
                    }
                }
                None => problems.push(problem(&here, format!("{keyword} maps names to schemas"))),
            },
            k if LISTED_SUBSCHEMAS.contains(&k) => match value.as_array() {
                Some(list) => {
                    for (i, subschema) in list.iter().enumerate() {
                        walk(subschema, &format!("{here}/{i}"), defs, problems, inner);
                    }
                }
                None => problems.push(problem(&here, format!("{keyword} is a list of schemas"))),
            },
            k if VALUE_KEYWORDS.contains(&k) => {}
            other => problems.push(problem(
                &here,
                format!("the keyword {other} is outside Pietura's form profile (the README lists what a form may use)"),
            )),
        }
    }
}

fn check_ref(value: &Value, path: &str, defs: Option<&Map<String, Value>>, place: Place, problems: &mut Vec<Problem>) {
    if place == Place::Condition {
        problems.push(problem(path, "a condition (if) may not use $ref: write the condition out"));
        return;
    }
    let Some(reference) = value.as_str() else {
        problems.push(problem(path, "$ref must be a string"));
        return;
    };
    match reference.strip_prefix("#/$defs/") {
        Some(name) if defs.is_some_and(|d| d.contains_key(&unescape(name))) => {}
        Some(_) => problems.push(problem(path, format!("$ref {reference} names no definition in $defs"))),
        None => problems.push(problem(
            path,
            format!("$ref {reference} points outside the form: only #/$defs/<name> in the same schema is allowed"),
        )),
    }
}

/// Every reason `definition` cannot be published; empty when it can.
pub fn check(definition: &FormDefinition) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (path, value) in [("/id", &definition.id), ("/service", &definition.service)] {
        if !(value.starts_with("https://") || value.starts_with("http://")) {
            problems.push(problem(path, format!("{value:?} is not an IRI (http:// or https://)")));
        }
    }
    if definition.version == 0 {
        problems.push(problem("/version", "versions are numbered from 1"));
    }
    latvian(&definition.title, "/title", &mut problems);
    problems
        .extend(check_schema(&definition.schema).into_iter().map(|p| problem(&format!("/schema{}", p.path), p.reason)));
    let root = definition.schema.as_object();
    if root.and_then(|r| r.get("type")).and_then(Value::as_str) != Some("object") {
        problems.push(problem("/schema/type", "the schema's root must be an object (\"type\": \"object\")"));
    }
    if root.and_then(|r| r.get("additionalProperties")) != Some(&Value::Bool(false)) {
        problems.push(problem(
            "/schema/additionalProperties",
            "the root must say \"additionalProperties\": false, so nothing the form does not ask for is accepted",
        ));
    }
    let properties: BTreeMap<&str, &Value> = root
        .and_then(|r| r.get("properties"))
        .and_then(Value::as_object)
        .map(|p| p.iter().map(|(k, v)| (k.as_str(), v)).collect())
        .unwrap_or_default();
    if properties.is_empty() {
        problems.push(problem("/schema/properties", "a form asks for at least one field"));
    }
    check_layout(definition, &properties, &mut problems);
    if definition.self_service {
        check_self_service(definition, root, &mut problems);
    }
    for (i, prefill) in definition.prefill.iter().enumerate() {
        let path = format!("/prefill/{i}/field");
        match properties.get(prefill.field.as_str()) {
            None => problems.push(problem(&path, format!("the field {:?} is not in the schema", prefill.field))),
            Some(property) if type_of(property) != Some("string") => {
                problems.push(problem(&path, format!("{:?} must be a string field to be prefilled", prefill.field)))
            }
            Some(_) => {}
        }
        if definition.prefill[..i].iter().any(|p| p.field == prefill.field) {
            problems.push(problem(&path, format!("{:?} is prefilled twice", prefill.field)));
        }
    }
    problems
}

fn check_layout(definition: &FormDefinition, properties: &BTreeMap<&str, &Value>, problems: &mut Vec<Problem>) {
    if definition.steps.is_empty() {
        problems.push(problem("/steps", "a form has at least one step"));
    }
    let mut step_ids = BTreeSet::new();
    let mut shown = BTreeSet::new();
    for (s, step) in definition.steps.iter().enumerate() {
        let step_path = format!("/steps/{s}");
        if step.id.trim().is_empty() || !step_ids.insert(step.id.as_str()) {
            problems.push(problem(&format!("{step_path}/id"), "each step needs an id of its own"));
        }
        latvian(&step.title, &format!("{step_path}/title"), problems);
        if step.fields.is_empty() {
            problems.push(problem(&format!("{step_path}/fields"), "a step shows at least one field"));
        }
        for (f, layout) in step.fields.iter().enumerate() {
            let path = format!("{step_path}/fields/{f}");
            let Some(property) = properties.get(layout.field.as_str()) else {
                problems.push(problem(&format!("{path}/field"), format!("the schema has no field {:?}", layout.field)));
                continue;
            };
            if !shown.insert(layout.field.as_str()) {
                problems.push(problem(&format!("{path}/field"), format!("{:?} is shown twice", layout.field)));
            }
            latvian(&layout.label, &format!("{path}/label"), problems);
            for (texts, name) in [(&layout.help, "help"), (&layout.invalid, "invalid")] {
                if !texts.is_empty() {
                    latvian(texts, &format!("{path}/{name}"), problems);
                }
            }
            check_widget(layout.widget, property, &path, problems);
            let values: Vec<String> = property
                .get("enum")
                .and_then(Value::as_array)
                .map(|e| e.iter().map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned)).collect())
                .unwrap_or_default();
            if matches!(layout.widget, Widget::Radio | Widget::List) {
                for value in &values {
                    match layout.choices.get(value) {
                        Some(text) => latvian(text, &format!("{path}/choices/{}", escape(value)), problems),
                        None => problems.push(problem(
                            &format!("{path}/choices"),
                            format!("the choice {value:?} has no words to show (choices.{value})"),
                        )),
                    }
                }
            }
            for value in layout.choices.keys().filter(|k| !values.contains(k)) {
                problems.push(problem(
                    &format!("{path}/choices/{}", escape(value)),
                    format!("{value:?} is not in the field's enum"),
                ));
            }
        }
    }
    for name in properties.keys().filter(|name| !shown.contains(*name)) {
        problems.push(problem(
            &format!("/schema/properties/{}", escape(name)),
            format!("no step shows the field {name:?}: a person could never fill it"),
        ));
    }
}

/// What a form filled by a citizen alone at a kiosk must be: signed by them, and never asking for
/// a file whatever the answers (a file a branch asks for is refused there by the validator, with
/// the field's message to bring the document to a centre).
fn check_self_service(
    definition: &FormDefinition,
    root: Option<&serde_json::Map<String, Value>>,
    problems: &mut Vec<Problem>,
) {
    if !definition.signature_required {
        problems.push(problem(
            "/signature_required",
            "a self-service form is signed by the applicant with their card: set \"signature_required\": true",
        ));
    }
    let always: Vec<&str> = root
        .and_then(|r| r.get("required"))
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for (s, step) in definition.steps.iter().enumerate() {
        for (f, layout) in step.fields.iter().enumerate() {
            if layout.widget == Widget::File && always.contains(&layout.field.as_str()) {
                problems.push(problem(
                    &format!("/steps/{s}/fields/{f}/field"),
                    format!(
                        "a self-service form cannot always ask for a file ({:?}): kiosks take no documents",
                        layout.field
                    ),
                ));
            }
        }
    }
}

fn check_widget(widget: Widget, property: &Value, path: &str, problems: &mut Vec<Problem>) {
    let kind = type_of(property);
    let format = property.get("format").and_then(Value::as_str);
    let needs = |ok: bool, what: &str, problems: &mut Vec<Problem>| {
        if !ok {
            problems.push(problem(&format!("{path}/widget"), format!("the widget {widget:?} needs {what}")));
        }
    };
    match widget {
        Widget::Text | Widget::Multiline | Widget::Address => needs(kind == Some("string"), "a string field", problems),
        Widget::Number | Widget::Money => {
            needs(matches!(kind, Some("number" | "integer")), "a number or integer field", problems)
        }
        Widget::Date => {
            needs(kind == Some("string") && format == Some("date"), "a string field of format date", problems)
        }
        Widget::Radio | Widget::List => {
            needs(property.get("enum").is_some_and(Value::is_array), "a field with an enum", problems)
        }
        Widget::YesNo => needs(kind == Some("boolean"), "a boolean field", problems),
        Widget::PersonalCode => needs(
            kind == Some("string") && format == Some("lv-personal-code"),
            "a string field of format lv-personal-code",
            problems,
        ),
        Widget::RegistrationNumber => needs(
            kind == Some("string") && format == Some("lv-registration-number"),
            "a string field of format lv-registration-number",
            problems,
        ),
        Widget::EAddress => needs(
            kind == Some("string") && format == Some("lv-e-address"),
            "a string field of format lv-e-address",
            problems,
        ),
        Widget::File => needs(kind == Some("array"), "an array field (of files)", problems),
    }
}

/// A field's one type (`"string"`, …); a list of types is not one type.
pub(crate) fn type_of(property: &Value) -> Option<&str> {
    property.get("type").and_then(Value::as_str)
}

fn latvian(text: &domain::catalogue::Text, path: &str, problems: &mut Vec<Problem>) {
    if text.get("lv").is_none_or(|t| t.trim().is_empty()) {
        problems.push(problem(path, "the text is missing in Latvian"));
    }
}

/// A JSON pointer segment for `name` (RFC 6901).
fn escape(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}
