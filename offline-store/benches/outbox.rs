//! Durable case registration: `Store::register_case` (the desk's next number, the case and its
//! outbox entry in one transaction, synced to disk: SQLCipher, WAL, synchronous = FULL), beside
//! the floor measured in the same run on the same disk: writing a small file and `fsync`ing it.
//!
//! `cargo bench -p offline-store --bench outbox`

use std::time::Instant;

use chrono::{DateTime, Utc};
use domain::PersonalCode;
use domain::case::{Actor, CaseKind};
use offline_store::{CaseDraft, DatabaseKey, Store};
use uuid::Uuid;

mod common;

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
    let floor = common::fsync_floor(dir.path(), rounds);
    common::report(&format!("register_case, durable ({rounds} cases)"), cases, &floor);
}
