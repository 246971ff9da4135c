//! E-forms published by institutions over the API: only for services they hold, refused with the
//! JSON pointer of every problem, versions that never change once published, and the forms in
//! the devices' feed.

use protocol::{ErrorBody, PROTOCOL_HEADER};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::api::{encoded, feed_of, import_demo, institution_key, start};
use crate::people::VID;

const RIGA: &str = "https://pietura.lv/id/org/riga";
const TREES: &str = "https://pietura.lv/id/form/tree-felling";

async fn key_for(server: &crate::api::Running, institution: &str) -> String {
    institution_key(server, institution, institution).await
}

fn demo_form() -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("demo/forms/tree-felling.form.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[tokio::test]
async fn institutions_publish_forms_for_their_own_services_and_every_problem_is_named() {
    let server = start().await;
    import_demo(&server).await;
    let riga = key_for(&server, RIGA).await;
    let vid = key_for(&server, VID).await;
    let http = reqwest::Client::new();
    let url = format!("{}v1/catalogue/forms/{}", server.url, encoded(TREES));
    let put = |key: &str, body: &Value| {
        http.put(&url).header(PROTOCOL_HEADER, "1").header("authorization", key).json(body).send()
    };

    // The demo's version 1 is there; publishing it again changes nothing.
    let record: Value = http.get(&url).header(PROTOCOL_HEADER, "1").send().await.unwrap().json().await.unwrap();
    assert_eq!(record["versions"].as_array().unwrap().len(), 1);
    let again = put(&riga, &demo_form()).await.unwrap();
    assert_eq!(again.status(), StatusCode::OK, "{:?}", again.text().await);

    // Another institution may not publish for Riga's service.
    let mut next = demo_form();
    next["version"] = json!(2);
    next["steps"][1]["fields"][2]["help"] = json!({ "lv": "Skaitiet katru koku atsevišķi.", "en": "Count each tree." });
    let forbidden = put(&vid, &next).await.unwrap();
    assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);
    assert!(forbidden.json::<ErrorBody>().await.unwrap().message.contains("services it holds"));

    // Problems come back with where they are.
    let mut broken = next.clone();
    broken["schema"]["properties"]["species"]["$ref"] = json!("https://example.org/species.json");
    broken["steps"][0]["fields"][0]["label"] = json!({ "en": "Name" });
    let refused = put(&riga, &broken).await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = refused.json().await.unwrap();
    let text = body.to_string();
    assert!(text.contains("/schema/properties/species/$ref") && text.contains("points outside the form"), "{text}");
    assert!(text.contains("/steps/0/fields/0/label") && text.contains("missing in Latvian"), "{text}");

    // Version 2 is published; version 1 is kept for submissions filled with it.
    let written = put(&riga, &next).await.unwrap();
    assert_eq!(written.status(), StatusCode::OK, "{:?}", written.text().await);
    let record: Value = http.get(&url).header(PROTOCOL_HEADER, "1").send().await.unwrap().json().await.unwrap();
    let versions: Vec<u64> =
        record["versions"].as_array().unwrap().iter().map(|v| v["version"].as_u64().unwrap()).collect();
    assert_eq!(versions, [1, 2]);

    // A published version never changes, and none goes back in time.
    let mut changed = next.clone();
    changed["title"]["lv"] = json!("Cits nosaukums");
    let body: Value = put(&riga, &changed).await.unwrap().json().await.unwrap();
    assert!(body.to_string().contains("publish it as version 3"), "{body}");
    let mut older = demo_form();
    older["title"]["lv"] = json!("Vecāka");
    let refused = put(&riga, &older).await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // A form for a service that is not in the catalogue.
    let mut stray = next.clone();
    stray["id"] = json!("https://pietura.lv/id/form/stray");
    stray["service"] = json!("https://pietura.lv/id/service/no-such");
    let stray_url = format!("{}v1/catalogue/forms/{}", server.url, encoded("https://pietura.lv/id/form/stray"));
    let refused = http
        .put(&stray_url)
        .header(PROTOCOL_HEADER, "1")
        .header("authorization", &riga)
        .json(&stray)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().await.unwrap().contains("is not in the catalogue"));

    // Devices get the form in the feed, every version in one record.
    let forms = feed_of(&server, protocol::CatalogueKind::Form).await;
    assert_eq!(forms.len(), 6, "the six demo forms");
    let trees = forms.iter().find(|r| r.id == TREES).unwrap();
    let record: forms::FormRecord = serde_json::from_str(&trees.document).unwrap();
    assert_eq!((record.latest().version, record.versions.len()), (2, 2));
}
