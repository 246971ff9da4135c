//! Form definitions as institutions publish them: the demo forms pass, each kind of mistake is
//! refused naming where it is, and data is checked field by field in words a person understands.

use std::path::Path;

use forms::{CompiledForm, DefinitionError, FormDefinition, PrefillContext, compile_json, prefill::prefilled};
use serde_json::{Value, json};

fn demo(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/demo/forms").join(format!("{name}.form.json"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn tree_felling() -> CompiledForm {
    compile_json(&demo("tree-felling")).unwrap()
}

/// The tree-felling definition with `change` applied to its JSON, and the paths of what is refused.
fn refusals(change: impl FnOnce(&mut Value)) -> Vec<String> {
    let mut definition: Value = serde_json::from_str(&demo("tree-felling")).unwrap();
    change(&mut definition);
    match compile_json(&definition.to_string()) {
        Err(DefinitionError::Refused(problems)) => {
            problems.into_iter().map(|p| format!("{} | {}", p.path, p.reason)).collect()
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn every_demo_form_can_be_published_and_names_a_service_of_the_demo_catalogue() {
    let catalogue: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/demo/demo-catalogue.pietura.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let services: Vec<&str> =
        catalogue["services"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/demo/forms");
    let mut published = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let form = compile_json(&std::fs::read_to_string(&path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let definition = form.definition();
        assert!(
            services.contains(&definition.service.as_str()),
            "{}: no service {}",
            path.display(),
            definition.service
        );
        assert!(
            definition.fields().all(|f| f.label.get("en").is_some()),
            "{}: every label in English too",
            path.display()
        );
        assert!(
            definition.fields().any(|f| f.widget == forms::Widget::File),
            "{}: an attachment field",
            path.display()
        );
        assert!(!definition.prefill.is_empty(), "{}: prefill", path.display());
        published += 1;
    }
    assert!(published >= 6, "six demo forms at least: {published}");
}

/// A change to a definition's JSON.
type Change = Box<dyn FnOnce(&mut Value)>;

#[test]
fn publishing_refuses_each_mistake_naming_where_it_is() {
    let cases: Vec<(&str, Change)> = vec![
        (
            "/schema/properties/species/$ref | $ref https://example.org/species.json points outside the form",
            Box::new(|d| d["schema"]["properties"]["species"] = json!({ "$ref": "https://example.org/species.json" })),
        ),
        (
            "/schema/properties/species/$ref | $ref #/$defs/species names no definition",
            Box::new(|d| d["schema"]["properties"]["species"] = json!({ "$ref": "#/$defs/species" })),
        ),
        (
            "/schema/properties/species/patternProperties | the keyword patternProperties is outside Pietura's form profile",
            Box::new(|d| d["schema"]["properties"]["species"]["patternProperties"] = json!({ "^x": {} })),
        ),
        (
            "/steps/1/fields/0/field | the schema has no field \"cadastre\"",
            Box::new(|d| d["steps"][1]["fields"][0]["field"] = json!("cadastre")),
        ),
        (
            "/prefill/0/field | the field \"applicant\" is not in the schema",
            Box::new(|d| d["prefill"][0]["field"] = json!("applicant")),
        ),
        (
            "/steps/0/fields/0/label | the text is missing in Latvian",
            Box::new(|d| d["steps"][0]["fields"][0]["label"] = json!({ "en": "Name" })),
        ),
        ("/title | the text is missing in Latvian", Box::new(|d| d["title"] = json!({ "en": "Tree felling" }))),
        (
            "/schema/properties/extra | no step shows the field \"extra\"",
            Box::new(|d| d["schema"]["properties"]["extra"] = json!({ "type": "string" })),
        ),
        (
            "/steps/1/fields/2/widget | the widget Number needs a number or integer field",
            Box::new(|d| d["schema"]["properties"]["tree_count"] = json!({ "type": "string" })),
        ),
        (
            "/steps/1/fields/4/choices | the choice \"other\" has no words to show",
            Box::new(|d| {
                d["steps"][1]["fields"][4]["choices"].as_object_mut().unwrap().remove("other");
            }),
        ),
        (
            "/schema/allOf/0/if/$ref | a condition (if) may not use $ref",
            Box::new(|d| d["schema"]["allOf"][0]["if"] = json!({ "$ref": "#/$defs/file" })),
        ),
        (
            "/schema/additionalProperties | the root must say \"additionalProperties\": false",
            Box::new(|d| {
                d["schema"].as_object_mut().unwrap().remove("additionalProperties");
            }),
        ),
        (
            "/schema/properties/site_address/format | the format \"postcode\" is not one of",
            Box::new(|d| d["schema"]["properties"]["site_address"]["format"] = json!("postcode")),
        ),
        (
            "/steps/2/fields/0/field | a self-service form cannot always ask for a file (\"site_plan\")",
            Box::new(|d| d["self_service"] = json!(true)),
        ),
        (
            "/signature_required | a self-service form is signed by the applicant",
            Box::new(|d| {
                d["self_service"] = json!(true);
                d["signature_required"] = json!(false);
            }),
        ),
    ];
    for (expected, change) in cases {
        let refused = refusals(change);
        assert!(refused.iter().any(|r| r.starts_with(expected)), "expected {expected:?} among {refused:#?}");
    }
    // A file that is not a form definition at all says so.
    assert!(matches!(compile_json("{\"id\": 1}"), Err(DefinitionError::Unreadable(_))));
    assert!(matches!(
        compile_json(&demo("tree-felling").replace("\"steps\"", "\"pages\"")),
        Err(DefinitionError::Unreadable(_))
    ));
}

#[test]
fn problems_are_said_at_their_field_in_the_form_order_in_both_languages() {
    let form = tree_felling();
    let errors =
        form.validate(&json!({ "applicant_code": "010190-12346", "tree_count": 0, "cadastral_number": "0100" }));
    let at = |field: &str| {
        errors.iter().find(|e| e.field == field).unwrap_or_else(|| panic!("no error at {field}: {errors:#?}"))
    };
    assert_eq!(at("applicant_name").code, "required");
    assert_eq!(at("applicant_name").lv, "Aizpildiet šo lauku.");
    assert_eq!(at("applicant_name").en, "Fill in this field.");
    assert_eq!(at("applicant_code").code, "format");
    assert!(at("applicant_code").lv.starts_with("Personas kodam jābūt 11 cipariem"), "{:?}", at("applicant_code"));
    // The form's own words for its pattern.
    assert_eq!(at("cadastral_number").lv, "Kadastra apzīmējumam jābūt 11 cipariem, piemēram, 01000123456.");
    assert_eq!((at("tree_count").code.as_str(), at("tree_count").lv.as_str()), ("too_small", "Jābūt vismaz 1."));
    assert_eq!(at("site_plan").lv, "Pievienojiet failu.");
    assert_eq!(at("confirm").lv, "Izvēlieties atbildi.");
    let order: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    let position = |f: &str| order.iter().position(|o| *o == f).unwrap();
    assert!(
        position("applicant_name") < position("cadastral_number") && position("cadastral_number") < position("confirm")
    );
    assert!(
        !errors.iter().any(|e| e.lv.contains('/') || e.en.contains("/properties")),
        "never a JSON pointer: {errors:#?}"
    );
    // Unknown fields are refused, at the field.
    let unknown = form.validate(&json!({ "salary": 1 }));
    assert!(unknown.iter().any(|e| e.field == "salary" && e.code == "unknown_field"), "{unknown:#?}");
    // Not ticking the confirmation is asked for as a confirmation.
    let unconfirmed = form.validate(&json!({ "confirm": false }));
    assert_eq!(unconfirmed.iter().find(|e| e.field == "confirm").unwrap().lv, "Apstipriniet, lai turpinātu.");
}

fn file() -> Value {
    json!({ "name": "plans.pdf", "sha256": "ab".repeat(32), "size": 2048, "media_type": "application/pdf" })
}

fn complete_tree_felling() -> Value {
    json!({
        "applicant_name": "Jānis Bērziņš", "applicant_code": "325035-11782", "applicant_role": "owner",
        "cadastral_number": "01000123456", "site_address": "Brīvības iela 1, Rīga", "tree_count": 2,
        "species": "Bērzs, 120 cm", "reason": "dangerous", "site_plan": [file()], "confirm": true,
        "filled_on": "2026-12-04"
    })
}

#[test]
fn conditions_bring_fields_in_and_only_what_applies_is_kept() {
    let form = tree_felling();
    let mut data = complete_tree_felling();
    assert_eq!(form.validate(&data), vec![], "a complete application is valid");
    assert!(form.is_valid(&data));
    let shown = form.applicable_fields(&data);
    assert!(!shown.contains("owner_name") && !shown.contains("reason_other"), "{shown:?}");
    // An authorised person must give the owner and the power of attorney.
    data["applicant_role"] = json!("authorised");
    data["reason"] = json!("other");
    let shown = form.applicable_fields(&data);
    assert!(["owner_name", "authorisation", "reason_other"].iter().all(|f| shown.contains(*f)), "{shown:?}");
    let checked = form.check(&data);
    assert_eq!(checked.applicable, shown);
    assert_eq!(checked.required, form.required_fields(&data));
    assert_eq!(checked.errors, form.validate(&form.applicable_data(&data)), "one evaluation, the same answers");
    let missing: Vec<String> = form.validate(&data).into_iter().map(|e| e.field).collect();
    assert_eq!(missing, ["owner_name", "authorisation", "reason_other"]);
    // Back to the owner: what was written for the other branch is not sent.
    data["owner_name"] = json!("Anna Liepa");
    data["applicant_role"] = json!("owner");
    data["reason"] = json!("dangerous");
    let kept = form.applicable_data(&data);
    assert!(kept.get("owner_name").is_none() && kept.get("applicant_name").is_some());
    assert!(form.is_valid(&kept));
}

#[test]
fn a_field_another_brings_in_shows_when_it_is_given() {
    let form = compile_json(&demo("preschool-queue")).unwrap();
    let data = json!({ "applicant_name": "Anna Liepa" });
    assert!(!form.applicable_fields(&data).contains("second_parent_name"));
    let data = json!({ "applicant_name": "Anna Liepa", "second_parent_code": "325035-11782" });
    assert!(form.applicable_fields(&data).contains("second_parent_name"));
    assert!(form.validate(&data).iter().any(|e| e.field == "second_parent_name" && e.code == "required"));
}

#[test]
fn prefill_fills_what_is_empty_and_never_overwrites() {
    let form = tree_felling();
    let context = PrefillContext {
        customer_name: Some("Jānis Bērziņš".into()),
        customer_code: Some("325035-11782".into()),
        today: Some("2026-12-04".into()),
        ..PrefillContext::default()
    };
    let filled =
        prefilled(form.definition(), &context, &json!({ "applicant_name": "J. Bērziņš", "applicant_code": "" }));
    assert_eq!(filled["applicant_name"], "J. Bērziņš", "written by the clerk: kept");
    assert_eq!(filled["applicant_code"], "325035-11782");
    assert_eq!(filled["filled_on"], "2026-12-04");
    let definition: FormDefinition = form.definition().clone();
    assert_eq!(
        prefilled(&definition, &PrefillContext::default(), &json!({})),
        json!({}),
        "nothing known, nothing filled"
    );
}

#[test]
fn the_schema_digest_names_the_schema_not_its_layout() {
    let a = tree_felling();
    let mut relabelled: Value = serde_json::from_str(&demo("tree-felling")).unwrap();
    relabelled["steps"][0]["fields"][0]["label"]["lv"] = json!("Vārds");
    let b = compile_json(&relabelled.to_string()).unwrap();
    assert_eq!(a.definition().schema_digest(), b.definition().schema_digest());
    relabelled["schema"]["properties"]["tree_count"]["maximum"] = json!(100);
    let c = compile_json(&relabelled.to_string()).unwrap();
    assert_ne!(a.definition().schema_digest(), c.definition().schema_digest());
}

#[test]
fn a_form_record_reads_back_as_written() {
    let definition = tree_felling().definition().clone();
    let forms::Publication::Changed(record) = forms::FormRecord::publish(None, definition).unwrap() else { panic!() };
    let json = serde_json::to_value(&record).unwrap().to_string();
    let back: forms::FormRecord = serde_json::from_str(&json).unwrap();
    assert_eq!(back, record);
}

#[test]
fn answers_read_as_a_person_reads_them_step_by_step() {
    let form = tree_felling();
    let mut data = complete_tree_felling();
    data["reason"] = json!("other");
    data["reason_other"] = json!("Koks noēno logus.");
    data["owner_name"] = json!("written for another branch");
    let lv = form.answers_as_text(&form.applicable_data(&data), domain::Language::Lv);
    assert_eq!(lv.len(), 4);
    assert_eq!(lv[0].0, "Iesniedzējs");
    let find = |step: usize, label: &str| lv[step].1.iter().find(|(l, _)| l == label).map(|(_, v)| v.clone());
    assert_eq!(find(1, "Ciršanas iemesls").as_deref(), Some("cits iemesls"), "the choice's words");
    assert_eq!(find(1, "Aprakstiet iemeslu").as_deref(), Some("Koks noēno logus."));
    assert_eq!(find(2, "Zemes vienības plāns ar atzīmētiem kokiem").as_deref(), Some("plans.pdf"));
    assert_eq!(find(3, "Apliecinu, ka sniegtā informācija ir patiesa").as_deref(), Some("Jā"));
    assert!(
        find(0, "Zemes īpašnieka vārds, uzvārds vai nosaukums").is_none(),
        "a field that does not apply is not shown"
    );
    let en = form.answers_as_text(&data, domain::Language::En);
    assert_eq!(en[0].0, "Applicant");
    assert!(en[3].1.iter().any(|(l, v)| l == "I confirm that the information given is true" && v == "Yes"));
}
