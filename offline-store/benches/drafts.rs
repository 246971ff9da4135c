//! Keeping a draft at every change: `Store::save_form_draft` with the answers of a 150-field form
//! (about 5 kB of JSON) in the encrypted store, synced to disk (SQLCipher, WAL, synchronous =
//! FULL), beside the floor measured in the same run on the same disk: writing a small file and
//! `fsync`ing it.
//!
//! `cargo bench -p offline-store --bench drafts`

use std::time::Instant;

use chrono::{DateTime, Utc};
use offline_store::{DatabaseKey, FormDraft, Store};
use uuid::Uuid;

mod common;

fn main() {
    let rounds = 400;
    let dir = tempfile::tempdir_in(".").expect("a folder on the working disk");
    let store = Store::open(&dir.path().join("bench.db"), &DatabaseKey::generate().unwrap()).unwrap();
    let now = DateTime::parse_from_rfc3339("2026-11-26T09:00:00Z").unwrap().with_timezone(&Utc);
    let answers: serde_json::Map<String, serde_json::Value> =
        (0..150).map(|i| (format!("f{i:03}"), serde_json::json!(format!("atbilde uz jautājumu {i}")))).collect();
    let draft = FormDraft {
        id: Uuid::now_v7(),
        form_id: "https://pietura.lv/id/form/bench".into(),
        form_version: 1,
        customer_code: "290156-11605".into(),
        customer_name: "Oskars Kalns".into(),
        case_id: None,
        data: "{}".into(),
        step: 0,
        created_at: now,
        updated_at: now,
    };
    store.create_form_draft(&draft).unwrap();
    let mut saves = Vec::with_capacity(rounds);
    for i in 0..rounds {
        let mut data = answers.clone();
        data.insert("round".into(), serde_json::json!(i));
        let text = serde_json::Value::Object(data).to_string();
        let started = Instant::now();
        assert!(
            store.save_form_draft(draft.id, &text, (i % 10) as u32, now + chrono::Duration::seconds(i as i64)).unwrap()
        );
        saves.push(started.elapsed());
    }
    let floor = common::fsync_floor(dir.path(), rounds);
    common::report(&format!("save_form_draft, durable ({rounds} saves of a 150-field draft)"), saves, &floor);
}
