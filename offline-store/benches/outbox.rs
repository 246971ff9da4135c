//! Durable case registration: `Store::register_case` (the desk's next number, the case and its
//! outbox entry in one transaction, synced to disk: SQLCipher, WAL, synchronous = FULL), beside
//! the floor measured in the same run on the same disk: writing a small file and `fsync`ing it.
//!
//! `cargo bench -p offline-store --bench outbox`

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use domain::PersonalCode;
use domain::case::{Actor, CaseKind};
use offline_store::{CaseDraft, DatabaseKey, Store};
use uuid::Uuid;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

fn main() {
    let rounds = 400;
    let dir = tempfile::tempdir_in(".").expect("a folder on the working disk");
    let store = Store::open(&dir.path().join("bench.db"), &DatabaseKey::generate().unwrap()).unwrap();
    let now = DateTime::parse_from_rfc3339("2026-11-26T09:00:00Z").unwrap().with_timezone(&Utc);
    let clerk = Actor::Staff { personal_code: PersonalCode::parse("161175-19997").unwrap(), offline: false };
    let mut cases = Vec::with_capacity(rounds);
    for i in 0..rounds {
        let draft = CaseDraft {
            kind: CaseKind::Application,
            desk_number: 3,
            served_at: now + chrono::Duration::seconds(i as i64),
            registered_by: clerk.clone(),
            note: "Klients iesniedza iesniegumu par suņa reģistrāciju.".into(),
            ..CaseDraft::example(Uuid::nil(), now)
        };
        let started = Instant::now();
        store.register_case(draft, now).unwrap();
        cases.push(started.elapsed());
    }
    let mut floor = Vec::with_capacity(rounds);
    let file = dir.path().join("floor");
    for i in 0..rounds {
        let started = Instant::now();
        let mut f = std::fs::File::create(&file).unwrap();
        std::io::Write::write_all(&mut f, format!("case {i}").as_bytes()).unwrap();
        f.sync_all().unwrap();
        floor.push(started.elapsed());
    }
    cases.sort();
    floor.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "register_case, durable ({rounds} cases): p50 {:.2} ms, p99 {:.2} ms; write + fsync floor p50 {:.2} ms, p99 {:.2} ms; ratio p99 {:.1}",
        ms(percentile(&cases, 0.5)),
        ms(percentile(&cases, 0.99)),
        ms(percentile(&floor, 0.5)),
        ms(percentile(&floor, 0.99)),
        ms(percentile(&cases, 0.99)) / ms(percentile(&floor, 0.99)).max(1e-6)
    );
}
