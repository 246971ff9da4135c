//! The sync engine against the real server binary that goes away and comes back.

use std::{sync::Arc, time::Duration};

use device::{
    client::{SyncClient, parse_server_url},
    engine,
    protocol::DeviceCredentials,
    schedule::{Connection, SchedulePolicy},
};
use tests::{
    bin_dir, free_port,
    processes::{ServerProcess, server_cli, wait_until},
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_engine_goes_offline_when_the_server_stops_and_back_online_when_it_returns() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.db");
    let bin = bin_dir();
    server_cli(&bin, &db, &["centre", "add", "--name", "Cēsu bibliotēka", "--municipality", "Cēsu novads"]).unwrap();
    let added = server_cli(
        &bin,
        &db,
        &["device", "add", "--centre", "Cēsu bibliotēka", "--kind", "kiosk", "--name", "K1", "--json"],
    )
    .unwrap();
    let code =
        serde_json::from_str::<serde_json::Value>(&added).unwrap()["enrollment_code"].as_str().unwrap().to_owned();
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/demo/demo-catalogue.pietura.json");
    server_cli(&bin, &db, &["catalogue", "import", demo.to_str().unwrap()]).unwrap();
    let port = free_port();
    let mut server = ServerProcess::start(&bin, &db, port).unwrap();
    let local = Arc::new(
        offline_store::Store::open(&dir.path().join("local.db"), &offline_store::DatabaseKey::from_bytes([9; 32]))
            .unwrap(),
    );

    let client = SyncClient::new(parse_server_url(&server.url).unwrap()).unwrap();
    let enrolled = client.enroll(&code).await.unwrap();
    let credentials = DeviceCredentials { device_id: enrolled.device_id, secret: enrolled.device_secret };
    let policy = SchedulePolicy {
        interval: Duration::from_millis(200),
        backoff_base: Duration::from_millis(100),
        backoff_max: Duration::from_millis(400),
    };
    let handle = engine::spawn(client, credentials.clone(), local.clone(), policy, engine::system_clock());
    let status = handle.subscribe();
    let connection = move || status.borrow().connection;
    let wait = |what: &str, want: Connection, connection: &(dyn Fn() -> Connection + Sync)| {
        wait_until(what, Duration::from_secs(15), || Ok(connection() == want)).unwrap()
    };
    let connection: Arc<dyn Fn() -> Connection + Send + Sync> = Arc::new(connection);

    let c = connection.clone();
    tokio::task::spawn_blocking(move || wait("online", Connection::Online, &*c)).await.unwrap();
    assert_eq!(handle.status().centre.unwrap().name, "Cēsu bibliotēka");
    // The first round pulled the whole demo catalogue into the offline store and indexed it.
    let catalogue = handle.status().catalogue;
    assert_eq!(catalogue.records_applied, 61 + 12 + 20 + 5, "services, organisations, articles, scenarios");
    assert!(catalogue.caught_up_at.is_some() && !catalogue.syncing && catalogue.bytes_received > 100_000);
    let hits = local
        .search(&offline_store::SearchQuery { text: "sunu nodev".into(), limit: 5, ..Default::default() })
        .unwrap();
    assert_eq!(hits[0].id, "https://pietura.lv/id/service/dog-fee", "{hits:#?}");

    server.stop();
    let c = connection.clone();
    tokio::task::spawn_blocking(move || wait("offline", Connection::Offline, &*c)).await.unwrap();
    let offline = handle.status();
    assert!(offline.last_success.is_some(), "the last success is kept while offline");
    assert!(offline.consecutive_failures >= 1);

    // While the server is away an institution's change is imported; after it returns only that
    // change comes down: the cursor survived, nothing is pulled twice.
    let mut changed: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&demo).unwrap()).unwrap();
    changed["services"][0]["description"]["lv"] = "Jauns apraksts pēc izmaiņām.".into();
    changed["services"] = serde_json::Value::Array(vec![changed["services"][0].clone()]);
    changed["articles"] = serde_json::json!([]);
    changed["organisations"] = serde_json::json!([]);
    let update = dir.path().join("update.pietura.json");
    std::fs::write(&update, changed.to_string()).unwrap();
    server_cli(&bin, &db, &["catalogue", "import", update.to_str().unwrap()]).unwrap();
    let _server = ServerProcess::start(&bin, &db, port).unwrap();
    let c = connection.clone();
    tokio::task::spawn_blocking(move || wait("online again", Connection::Online, &*c)).await.unwrap();
    assert_eq!(handle.status().catalogue.records_applied, 61 + 12 + 20 + 5 + 1);
    let first_id = changed["services"][0]["id"].as_str().unwrap();
    assert_eq!(local.service(first_id).unwrap().unwrap().description.get("lv"), Some("Jauns apraksts pēc izmaiņām."));

    server_cli(&bin, &db, &["device", "revoke", &enrolled.device_id.to_string()]).unwrap();
    let c = connection.clone();
    tokio::task::spawn_blocking(move || wait("unauthorised", Connection::Unauthorised, &*c)).await.unwrap();
    handle.stop().await;
}

/// The status's `revision` is what the desk's views reread an item's sync state on: it must move
/// when the server takes the desk's own case and when an institution changes it, and stay put
/// over rounds that change nothing (else every view would reload every few seconds).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_revision_moves_when_the_devices_own_items_change_and_only_then() {
    use domain::{
        PersonalCode,
        case::{Actor, CaseKind, CaseStatus},
    };
    use offline_store::{CaseDraft, EntryOrigin};
    let dir = tempfile::tempdir().unwrap();
    let bin = bin_dir();
    let (db, code) = tests::processes::demo_server_with_desk(&bin, dir.path()).unwrap();
    let riga = "https://pietura.lv/id/org/riga";
    server_cli(&bin, &db, &["institution", "add", riga, "--name", "Rīgas valstspilsētas pašvaldība"]).unwrap();
    let key: serde_json::Value =
        serde_json::from_str(&server_cli(&bin, &db, &["institution", "key", riga, "--json"]).unwrap()).unwrap();
    let key = format!("ApiKey {}", key["api_key"].as_str().unwrap());
    let server = ServerProcess::start(&bin, &db, free_port()).unwrap();
    let client = SyncClient::new(parse_server_url(&server.url).unwrap()).unwrap();
    let enrolled = client.enroll(&code).await.unwrap();
    let credentials = DeviceCredentials { device_id: enrolled.device_id, secret: enrolled.device_secret };
    let author = tests::clerk_offline_author(dir.path(), enrolled.device_id).unwrap();
    let local = Arc::new(
        offline_store::Store::open(&dir.path().join("local.db"), &offline_store::DatabaseKey::from_bytes([5; 32]))
            .unwrap(),
    );
    let now = tests::real_now();
    let clerk = Actor::Staff { personal_code: PersonalCode::parse(tests::people::CLERK).unwrap(), offline: true };
    let draft = CaseDraft {
        service_id: "https://pietura.lv/id/service/dog-fee".into(),
        kind: CaseKind::Application,
        centre_code: enrolled.centre.code.clone(),
        registered_by: clerk.clone(),
        offline: true,
        author: Some(author.clone()),
        ..CaseDraft::example(enrolled.centre.id, now - chrono::Duration::minutes(30))
    };
    let bogus = CaseDraft {
        id: uuid::Uuid::now_v7(),
        service_id: "https://pietura.lv/id/service/no-such".into(),
        ..draft.clone()
    };
    let case = local.register_case(draft, now).unwrap();
    local.register_case(bogus, now).unwrap();
    let origin = EntryOrigin { offline: true, author: Some(author) };
    local.change_case_status(case.id, CaseStatus::Submitted, now, clerk, "", origin, uuid::Uuid::now_v7()).unwrap();

    let policy = SchedulePolicy {
        interval: Duration::from_millis(200),
        backoff_base: Duration::from_millis(100),
        backoff_max: Duration::from_millis(400),
    };
    let handle = engine::spawn(client, credentials, local.clone(), policy, engine::system_clock());
    let status = handle.subscribe();
    let wait = |what: &'static str, until: Box<dyn Fn(&device::schedule::SyncStatus) -> bool + Send>| {
        let status = status.clone();
        tokio::task::spawn_blocking(move || {
            wait_until(what, Duration::from_secs(20), || Ok(until(&status.borrow()))).unwrap()
        })
    };
    wait("the case is on the server", Box::new(|s| s.connection == Connection::Online && s.outbox.pending == 0))
        .await
        .unwrap();
    let sent = handle.status().revision;
    assert!(sent >= 1, "taking the desk's case is a change of its items");
    // The desk tells the server how its outbox stands (for the centre's administrator): the case
    // for a service that does not exist was refused and waits for a clerk.
    let server_store = server::store::open(&server::store::DatabaseLocation::Sqlite(db.clone())).await.unwrap();
    let mut reported = None;
    for _ in 0..100 {
        reported = server_store.list_devices().await.unwrap()[0].reported_outbox;
        if reported.is_some_and(|r| r.refused == 1) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(reported.map(|r| (r.pending, r.refused, r.oldest)), Some((0, 1, None)));

    // Rounds that bring nothing new leave it.
    let since = handle.status().last_success;
    wait("two more rounds", Box::new(move |s| s.last_success > since)).await.unwrap();
    let since = handle.status().last_success;
    wait("two more rounds", Box::new(move |s| s.last_success > since)).await.unwrap();
    assert_eq!(handle.status().revision, sent, "a quiet round changes nothing the views show");

    // The institution takes the case on: the next round merges it and the revision moves.
    let answer = reqwest::Client::new()
        .post(format!("{}/v1/cases/{}/status", server.url.trim_end_matches('/'), case.number))
        .header("pietura-protocol", "1")
        .header("authorization", &key)
        .json(&serde_json::json!({ "status": "in_progress", "expected_status": "submitted", "note": "Izskatām" }))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200, "{}", answer.text().await.unwrap());
    wait("the institution's change merged", Box::new(move |s| s.revision > sent)).await.unwrap();
    assert_eq!(local.case(case.id).unwrap().unwrap().status(), CaseStatus::InProgress);
    handle.stop().await;
}
