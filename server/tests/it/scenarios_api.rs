//! Life-situation scenarios published by institutions over the API like services: their own
//! only, every problem named with its path, steps only for services in the catalogue, and the
//! scenarios in the devices' feed.

use protocol::PROTOCOL_HEADER;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::api::{encoded, feed_of, import_demo, institution_key, start};
use crate::people::VID;

const RIGA: &str = "https://pietura.lv/id/org/riga";
const BIRTH: &str = "https://pietura.lv/id/scenario/birth";

#[tokio::test]
async fn institutions_publish_their_scenarios_and_devices_receive_them() {
    let server = start().await;
    import_demo(&server).await;
    let riga = institution_key(&server, RIGA, "Rīga").await;
    let vid = institution_key(&server, VID, "VID").await;
    let http = reqwest::Client::new();
    let url = format!("{}v1/catalogue/scenarios/{}", server.url, encoded(BIRTH));
    let put = |key: &str, body: &Value| {
        http.put(&url).header(PROTOCOL_HEADER, "1").header("authorization", key).json(body).send()
    };
    let demo: Value = http.get(&url).header(PROTOCOL_HEADER, "1").send().await.unwrap().json().await.unwrap();
    assert_eq!(demo["steps"].as_array().unwrap().len(), 6);

    // The owner adds a note; another institution may not touch it.
    let mut changed = demo.clone();
    changed["steps"][1]["note"] = json!({ "lv": "Pabalstu var pieprasīt portālā.", "en": "Apply on the portal." });
    assert_eq!(put(&vid, &changed).await.unwrap().status(), StatusCode::FORBIDDEN);
    let written = put(&riga, &changed).await.unwrap();
    assert_eq!(written.status(), StatusCode::OK, "{:?}", written.text().await);
    let stored: Value = http.get(&url).header(PROTOCOL_HEADER, "1").send().await.unwrap().json().await.unwrap();
    assert_eq!(stored["steps"][1]["note"]["en"], "Apply on the portal.");

    // Every problem comes back with its path: a condition on no question, a step whose service
    // is not in the catalogue, a missing Latvian name.
    let mut broken = changed.clone();
    broken["name"] = json!({ "en": "A child is born" });
    broken["steps"][3]["when"][0]["question"] = json!("married");
    broken["steps"][0]["service"] = json!("https://pietura.lv/id/service/no-such");
    let refused = put(&riga, &broken).await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = refused.text().await.unwrap();
    for expected in
        ["\"name\"", "steps[3].when[0].question", "names no question", "steps[0].service", "is not in the catalogue"]
    {
        assert!(text.contains(expected), "{expected:?} missing from {text}");
    }

    // Devices get all five demo scenarios in the feed.
    let scenarios = feed_of(&server, protocol::CatalogueKind::Scenario).await;
    assert_eq!(scenarios.len(), 5, "the five demo scenarios");
    let birth: domain::navigator::Scenario =
        serde_json::from_str(&scenarios.iter().find(|r| r.id == BIRTH).unwrap().document).unwrap();
    assert_eq!(birth.steps[1].note.get("en"), Some("Apply on the portal."));
}
