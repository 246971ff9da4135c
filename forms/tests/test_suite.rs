//! The official JSON Schema Test Suite, for the keywords of Pietura's form profile, through the
//! one validator (`forms::validate::options()`): the desk's instant checks and the server's
//! checks on publish and submission are this validator, so the suite's answer is the answer
//! everywhere. Any case it gets wrong fails the build.

use std::path::Path;

use serde_json::Value;

#[test]
fn the_validator_gives_the_suites_answer_for_every_case_in_the_profile() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/json-schema-test-suite/draft2020-12");
    let mut files = vec![];
    for dir in [root.clone(), root.join("optional/format")] {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                files.push(path);
            }
        }
    }
    files.sort();
    let (mut run, mut skipped, mut wrong) = (0, 0, Vec::new());
    for file in &files {
        let groups: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let name = file.strip_prefix(&root).unwrap().display().to_string();
        for group in groups {
            let schema = &group["schema"];
            if !forms::check_schema(schema).is_empty() {
                skipped += 1;
                continue;
            }
            let validator = forms::validate::options()
                .build(schema)
                .unwrap_or_else(|e| panic!("{name}: {}: the schema does not compile: {e}", group["description"]));
            for case in group["tests"].as_array().unwrap() {
                run += 1;
                let expected = case["valid"].as_bool().unwrap();
                if validator.is_valid(&case["data"]) != expected {
                    wrong.push(format!(
                        "{name}: {} / {} (expected valid = {expected})",
                        group["description"], case["description"]
                    ));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {run} cases answered differently from the suite:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    // The suite was read and most of it is inside the profile: a test that ran nothing would pass.
    assert!(
        files.len() >= 25 && run > 500,
        "only {run} cases ran from {} files ({skipped} groups skipped)",
        files.len()
    );
    eprintln!("{run} cases agree with the suite; {skipped} groups outside the profile skipped");
}
