//! The one validator at the size of a large form: 150 fields (text with lengths and patterns,
//! numbers, dates, choices, yes/no, personal codes) and ten conditions. Measured: compiling the
//! definition and opening it with prefill (what the desk does when a form is opened), and
//! validating a whole answer set (what the desk does at every change), beside parsing the same
//! answers from JSON in the same run (the floor: the desk has to read them anyway).
//!
//! `cargo bench -p forms --bench validate`

use std::time::{Duration, Instant};

use forms::{CompiledForm, FormDefinition, PrefillContext, prefill::prefilled};
use serde_json::{Map, Value, json};

const FIELDS: usize = 150;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

/// A definition of `FIELDS` fields in ten steps, every fifteenth field brought in by a condition.
fn large_form() -> (FormDefinition, Value) {
    let (mut properties, mut required, mut steps, mut data, mut conditions) =
        (Map::new(), Vec::new(), Vec::new(), Map::new(), Vec::new());
    let label = |i: usize| json!({ "lv": format!("Lauks {i}"), "en": format!("Field {i}") });
    for step in 0..10 {
        let mut fields = Vec::new();
        for i in step * 15..(step + 1) * 15 {
            let name = format!("f{i:03}");
            let (schema, widget, value, extra) = match i % 6 {
                0 => (
                    json!({ "type": "string", "minLength": 2, "maxLength": 120 }),
                    "text",
                    json!("Jānis Bērziņš"),
                    json!({}),
                ),
                1 => (json!({ "type": "string", "pattern": "^[0-9]{11}$" }), "text", json!("01000123456"), json!({})),
                2 => (json!({ "type": "integer", "minimum": 1, "maximum": 500 }), "number", json!(12), json!({})),
                3 => (json!({ "type": "string", "format": "date" }), "date", json!("2026-12-04"), json!({})),
                4 => (
                    json!({ "enum": ["a", "b", "c"] }),
                    "list",
                    json!("b"),
                    json!({ "choices": { "a": { "lv": "A" }, "b": { "lv": "B" }, "c": { "lv": "C" } } }),
                ),
                _ => (
                    json!({ "type": "string", "format": "lv-personal-code" }),
                    "personal_code",
                    json!("325035-11782"),
                    json!({}),
                ),
            };
            properties.insert(name.clone(), schema);
            if i % 15 == 14 {
                // Brought in when the field before it is "b".
                conditions.push(json!({
                    "if": { "properties": { format!("f{:03}", i - 1): { "const": "b" } }, "required": [format!("f{:03}", i - 1)] },
                    "then": { "required": [name.clone()] }
                }));
            } else {
                required.push(json!(name.clone()));
            }
            let mut field = json!({ "field": name.clone(), "widget": widget, "label": label(i) });
            if let Some(extra) = extra.as_object() {
                field.as_object_mut().unwrap().extend(extra.clone());
            }
            fields.push(field);
            data.insert(name, value);
        }
        steps.push(json!({ "id": format!("s{step}"), "title": { "lv": format!("Solis {step}") }, "fields": fields }));
    }
    let definition = json!({
        "id": "https://pietura.lv/id/form/bench", "service": "https://pietura.lv/id/service/bench", "version": 1,
        "title": { "lv": "Liela veidlapa" },
        "schema": {
            "$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
            "properties": properties, "required": required, "additionalProperties": false, "allOf": conditions
        },
        "steps": steps,
        "prefill": [{ "field": "f000", "from": "customer_name" }]
    });
    (serde_json::from_value(definition).unwrap(), Value::Object(data))
}

fn main() {
    let (definition, valid) = large_form();
    let definition_json = serde_json::to_string(&definition).unwrap();
    let mut invalid = valid.clone();
    for i in (0..FIELDS).step_by(7) {
        invalid[format!("f{i:03}")] = json!("?");
    }
    let context = PrefillContext { customer_name: Some("Jānis Bērziņš".into()), ..PrefillContext::default() };
    let rounds = 2000;
    let (mut open, mut validate_valid, mut validate_invalid, mut floor) = (vec![], vec![], vec![], vec![]);
    let valid_json = valid.to_string();
    for i in 0..rounds {
        if i % 10 == 0 {
            let started = Instant::now();
            let form = forms::compile_json(&definition_json).unwrap();
            let data = prefilled(form.definition(), &context, &json!({}));
            std::hint::black_box(form.validate(&data));
            open.push(started.elapsed());
        }
        let started = Instant::now();
        let parsed: Value = serde_json::from_str(&valid_json).unwrap();
        std::hint::black_box(parsed);
        floor.push(started.elapsed());
    }
    let form = CompiledForm::compile(definition).unwrap();
    assert!(form.validate(&valid).is_empty(), "the valid answers are valid");
    assert!(!form.validate(&invalid).is_empty());
    for _ in 0..rounds {
        let started = Instant::now();
        std::hint::black_box(form.validate(&form.applicable_data(&valid)));
        validate_valid.push(started.elapsed());
        let started = Instant::now();
        std::hint::black_box(form.validate(&form.applicable_data(&invalid)));
        validate_invalid.push(started.elapsed());
    }
    for set in [&mut open, &mut validate_valid, &mut validate_invalid, &mut floor] {
        set.sort();
    }
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let p99 = |s: &[Duration]| ms(percentile(s, 0.99));
    println!(
        "{FIELDS}-field form: open (compile + prefill + check) p50 {:.2} ms, p99 {:.2} ms; validate valid answers p50 {:.3} ms, \
         p99 {:.3} ms; with 22 problems p50 {:.3} ms, p99 {:.3} ms; parsing the answers (floor) p99 {:.3} ms; ratio validate/parse p99 {:.1}",
        ms(percentile(&open, 0.5)),
        p99(&open),
        ms(percentile(&validate_valid, 0.5)),
        p99(&validate_valid),
        ms(percentile(&validate_invalid, 0.5)),
        p99(&validate_invalid),
        p99(&floor),
        p99(&validate_valid) / p99(&floor).max(1e-6)
    );
}
