//! Case ingest through the push endpoint (`POST /v1/sync/outbox`, batches of 200, four devices
//! pushing at once, the load generator on the same machine), on SQLite and, when
//! `PIETURA_TEST_POSTGRES_URL` names a cluster, on PostgreSQL; beside a bare batched insert of
//! the same rows through the store (`apply_case_writes`) measured in the same run.
//!
//! `cargo bench -p server --bench ingest` (under `pg_virtualenv` for the PostgreSQL figures).

use std::{net::TcpListener, time::Instant};

use chrono::Utc;
use device::{
    client::{SyncClient, parse_server_url},
    protocol::{DeviceCredentials, OutboxEntryDto},
};
use domain::{
    PersonalCode,
    case::{Actor, Case, CaseKind, CaseNumber, NewCase, customer_from_code},
    catalogue::ChannelKind,
};
use server::{
    AppState, devices,
    store::{self, CaseWrite, DatabaseLocation},
};
use uuid::Uuid;

const DEVICES: usize = 4;
const BATCHES: usize = 10;
const BATCH: usize = 200;

fn case(centre: Uuid, desk: u8, sequence: u32) -> Case {
    #[allow(clippy::disallowed_methods)] // a benchmark's own clock
    let now = Utc::now();
    Case::register(NewCase {
        id: Uuid::now_v7(),
        number: CaseNumber::new("RCV", desk, chrono::Datelike::year(&now), sequence).unwrap(),
        service_id: "https://pietura.lv/id/service/dog-fee".into(),
        kind: CaseKind::Consultation,
        channel: ChannelKind::VpvkacInPerson,
        customer: customer_from_code("290156-11605", "Oskars Kalns").unwrap(),
        holder_institution: "https://pietura.lv/id/org/riga".into(),
        provider_institution: None,
        centre_id: centre,
        arrived_at: now,
        served_at: now,
        registered_at: now,
        registered_by: Actor::Staff { personal_code: PersonalCode::parse("161175-19997").unwrap(), offline: false },
        note: String::new(),
    })
    .unwrap()
}

async fn run(name: &str, location: DatabaseLocation) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let store = store::open(&location).await.unwrap();
    #[allow(clippy::disallowed_methods)]
    let now = Utc::now();
    let demo = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/demo/demo-catalogue.pietura.json"));
    let read = server::catalogue::files::read(demo).unwrap().catalogue;
    server::catalogue::Catalogue::new(store.clone()).import(read, now).await.unwrap();
    let centre = devices::add_centre(store.as_ref(), "Rīgas VPVKAC", "Rīga", Some("RV"), now).await.unwrap();
    server::login::grant(store.as_ref(), "161175-19997", domain::Role::Clerk, "Rīgas VPVKAC", now).await.unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let state = AppState::new(store.clone(), server::clock::system_clock());
    tokio::spawn(server::serve(listener, state, None, std::time::Duration::from_secs(1), std::future::pending()));
    let client = SyncClient::new(parse_server_url(&url).unwrap()).unwrap();
    let mut pushes = Vec::new();
    for device in 0..DEVICES {
        let (_, code) = devices::add_device(
            store.as_ref(),
            "Rīgas VPVKAC",
            domain::DeviceKind::Desk,
            &format!("G{device}"),
            chrono::Duration::hours(1),
            now,
        )
        .await
        .unwrap();
        let enrolled = client.enroll(&code.to_string()).await.unwrap();
        let creds = DeviceCredentials { device_id: enrolled.device_id, secret: enrolled.device_secret };
        // The clerk's session on this desk, as a card login leaves it: every entry proves it.
        let token = format!("s.bench-{device}");
        store
            .add_session(server::store::UserSession {
                token_hash: protocol::session_token_hash(&token),
                device_id: creds.device_id,
                personal_code: "161175-19997".into(),
                given_name: "ILZE".into(),
                surname: "OZOLIŅA".into(),
                roles: vec![domain::Role::Clerk],
                issued_at: now,
                expires_at: now + chrono::Duration::hours(10),
                ended_at: None,
            })
            .await
            .unwrap();
        let author = protocol::EntryAuthor::Session { session: protocol::session_reference(&token) };
        let batches: Vec<Vec<OutboxEntryDto>> = (0..BATCHES)
            .map(|b| {
                (0..BATCH)
                    .map(|i| {
                        let case = case(centre.id, device as u8 + 1, (b * BATCH + i + 1) as u32);
                        OutboxEntryDto {
                            id: case.id,
                            kind: "case_registered".into(),
                            payload: serde_json::to_value(&case).unwrap(),
                            offline: false,
                            author: Some(author.clone()),
                        }
                    })
                    .collect()
            })
            .collect();
        pushes.push((client.clone(), creds, batches));
    }
    let started = Instant::now();
    let tasks: Vec<_> = pushes
        .into_iter()
        .map(|(client, creds, batches)| {
            tokio::spawn(async move {
                for batch in batches {
                    let reply = client.push_outbox(&creds, batch).await.unwrap();
                    assert!(reply.results.iter().all(|r| r.outcome == "applied"));
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let total = DEVICES * BATCHES * BATCH;
    let through_api = total as f64 / started.elapsed().as_secs_f64();
    assert_eq!(store.case_count().await.unwrap(), total as u64);

    // The floor: the same kind of rows straight into the store, in batches of the same size.
    let device = store.list_devices().await.unwrap()[0].id;
    let rows: Vec<Vec<CaseWrite>> = (0..DEVICES * BATCHES)
        .map(|b| {
            (0..BATCH)
                .map(|i| {
                    let case = case(centre.id, 50 + (b / BATCHES) as u8, ((b % BATCHES) * BATCH + i + 1) as u32);
                    CaseWrite::Insert {
                        entry_id: case.id,
                        case: server::store::StoredCase::new(&case, false, case.served_at).unwrap(),
                    }
                })
                .collect()
        })
        .collect();
    // With the same concurrency as the devices: four writers at once.
    let mut writers: Vec<Vec<Vec<CaseWrite>>> = (0..DEVICES).map(|_| Vec::new()).collect();
    for (index, batch) in rows.into_iter().enumerate() {
        writers[index % DEVICES].push(batch);
    }
    let started = Instant::now();
    let tasks: Vec<_> = writers
        .into_iter()
        .map(|batches| {
            let store = store.clone();
            tokio::spawn(async move {
                for batch in batches {
                    store.apply_case_writes(device, batch, now).await.unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let bare = total as f64 / started.elapsed().as_secs_f64();
    println!(
        "{name}: {total} cases through POST /v1/sync/outbox ({DEVICES} devices, batches of {BATCH}): {through_api:.0} cases/s; bare batched insert (same rows, four writers) {bare:.0} cases/s; ratio {:.2}",
        through_api / bare
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    run("SQLite", DatabaseLocation::Sqlite(dir.path().join("ingest.db"))).await;
    match std::env::var("PIETURA_TEST_POSTGRES_URL") {
        Ok(url) => run("PostgreSQL", DatabaseLocation::Postgres(url)).await,
        Err(_) => println!("PostgreSQL: skipped (set PIETURA_TEST_POSTGRES_URL, e.g. under pg_virtualenv)"),
    }
}
