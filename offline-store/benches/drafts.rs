//! Keeping a draft at every change: `Store::save_form_draft` with the answers of a 150-field form
//! (about 5 kB of JSON) in the encrypted store, synced to disk (SQLCipher, WAL, synchronous =
//! FULL), beside the floor measured in the same run on the same disk: writing a small file and
//! `fsync`ing it.
//!
//! `cargo bench -p offline-store --bench drafts`

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use offline_store::{DatabaseKey, FormDraft, Store};
use uuid::Uuid;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

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
    let (mut saves, mut floor) = (Vec::with_capacity(rounds), Vec::with_capacity(rounds));
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
    let file = dir.path().join("floor");
    for i in 0..rounds {
        let started = Instant::now();
        let mut f = std::fs::File::create(&file).unwrap();
        std::io::Write::write_all(&mut f, format!("draft {i}").as_bytes()).unwrap();
        f.sync_all().unwrap();
        floor.push(started.elapsed());
    }
    saves.sort();
    floor.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "save_form_draft, durable ({rounds} saves of a 150-field draft): p50 {:.2} ms, p99 {:.2} ms; write + fsync floor p50 {:.2} ms, p99 {:.2} ms; ratio p99 {:.1}",
        ms(percentile(&saves, 0.5)),
        ms(percentile(&saves, 0.99)),
        ms(percentile(&floor, 0.5)),
        ms(percentile(&floor, 0.99)),
        ms(percentile(&saves, 0.99)) / ms(percentile(&floor, 0.99)).max(1e-6)
    );
}
