//! Cases registered on a device with the server down, pushed from the outbox when it returns:
//! each arrives exactly once, a repeated push changes nothing, an invalid one is set aside with
//! the server's reason and blocks nothing.

use std::sync::Arc;

use device::{
    client::{SyncClient, parse_server_url},
    engine,
    protocol::{DeviceCredentials, OutboxEntryDto},
};
use domain::{
    PersonalCode,
    case::{Actor, CaseKind},
};
use offline_store::{CaseDraft, DatabaseKey, EntryOrigin, Store};
use server::store::DatabaseLocation;
use tests::{
    bin_dir, clerk_offline_author, free_port, json_of,
    people::CLERK,
    processes::{ServerProcess, demo_server_with_desk, server_cli},
    real_now as now,
};
use uuid::Uuid;

/// A case as the clerk registers it offline, with the desk's record of the clerk's card unlock
/// (`author`).
fn draft(service: &str, centre: Uuid, minutes: i64, author: &str) -> CaseDraft {
    let served = now() - chrono::Duration::minutes(60 - minutes);
    CaseDraft {
        service_id: service.into(),
        registered_by: Actor::Staff { personal_code: PersonalCode::parse(CLERK).unwrap(), offline: true },
        offline: true,
        author: Some(author.to_owned()),
        ..CaseDraft::example(centre, served)
    }
}

/// The proof an outbox entry carries, as the engine sends it.
fn proof(author: &str) -> Option<protocol::EntryAuthor> {
    Some(serde_json::from_str(author).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cases_made_offline_arrive_once_and_an_invalid_one_is_set_aside() {
    let dir = tempfile::tempdir().unwrap();
    let bin = bin_dir();
    let (db, code) = demo_server_with_desk(&bin, dir.path()).unwrap();
    let port = free_port();
    let mut server = ServerProcess::start(&bin, &db, port).unwrap();
    let client = SyncClient::new(parse_server_url(&server.url).unwrap()).unwrap();
    let enrolled = client.enroll(&code).await.unwrap();
    let centre = enrolled.centre.id;
    let creds = DeviceCredentials { device_id: enrolled.device_id, secret: enrolled.device_secret };
    let author = clerk_offline_author(dir.path(), enrolled.device_id).unwrap();
    let local = Arc::new(Store::open(&dir.path().join("local.db"), &DatabaseKey::from_bytes([8; 32])).unwrap());
    let clock = engine::system_clock();

    // The server goes away; three cases are registered meanwhile, one for a service that does
    // not exist.
    server.stop();
    let dog = "https://pietura.lv/id/service/dog-fee";
    let first = local.register_case(draft(dog, centre, 1, &author), now()).unwrap();
    let second = local.register_case(draft(dog, centre, 2, &author), now()).unwrap();
    let bogus = local.register_case(draft("https://pietura.lv/id/service/no-such", centre, 3, &author), now()).unwrap();
    assert!(engine::push_outbox(&client, &creds, &local, &clock).await.is_err(), "nobody answers");
    assert_eq!(local.pending_outbox(10).unwrap()[0].attempts, 1);

    // Back: everything goes in one push; the invalid case is set aside with the reason.
    let _server = ServerProcess::start(&bin, &db, port).unwrap();
    assert_eq!(engine::push_outbox(&client, &creds, &local, &clock).await.unwrap(), 3);
    let counts = local.outbox_counts().unwrap();
    assert_eq!((counts.pending, counts.done, counts.poisoned), (0, 2, 1));
    let poisoned = local.poisoned_outbox().unwrap();
    assert_eq!(poisoned[0].id, bogus.id);
    assert!(poisoned[0].poisoned.as_deref().unwrap().contains("not in the catalogue"), "{poisoned:?}");

    // The answer lost and the push repeated (as after a crash between send and mark): the server
    // says duplicate and keeps one of each.
    let again: Vec<OutboxEntryDto> = [&first, &second]
        .iter()
        .map(|case| OutboxEntryDto {
            id: case.id,
            kind: "case_registered".into(),
            payload: serde_json::to_value(case).unwrap(),
            offline: true,
            author: proof(&author),
        })
        .collect();
    let reply = client.push_outbox(&creds, again).await.unwrap();
    assert!(reply.results.iter().all(|r| r.outcome == "duplicate"), "{reply:?}");
    let store = server::store::open(&DatabaseLocation::Sqlite(db.clone())).await.unwrap();
    assert_eq!(store.case_count().await.unwrap(), 2);
    let kept = store.case(first.id).await.unwrap().unwrap();
    assert_eq!((kept.number.as_str(), kept.offline), (first.number.to_string().as_str(), true));
    assert_eq!(engine::push_outbox(&client, &creds, &local, &clock).await.unwrap(), 0, "nothing left to send");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_push_may_register_a_case_and_move_it_on_and_repeating_it_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let bin = bin_dir();
    let (db, code) = demo_server_with_desk(&bin, dir.path()).unwrap();
    let _server = ServerProcess::start(&bin, &db, free_port()).unwrap();
    let url = _server.url.clone();
    let client = SyncClient::new(parse_server_url(&url).unwrap()).unwrap();
    let enrolled = client.enroll(&code).await.unwrap();
    let creds = DeviceCredentials { device_id: enrolled.device_id, secret: enrolled.device_secret };
    let author = clerk_offline_author(dir.path(), enrolled.device_id).unwrap();
    let local = Arc::new(Store::open(&dir.path().join("local.db"), &DatabaseKey::from_bytes([9; 32])).unwrap());
    let clerk = Actor::Staff { personal_code: PersonalCode::parse("161175-19997").unwrap(), offline: false };
    let case = local
        .register_case(draft("https://pietura.lv/id/service/dog-fee", enrolled.centre.id, 1, &author), now())
        .unwrap();
    local
        .change_case_status(
            case.id,
            domain::case::CaseStatus::Closed,
            now(),
            clerk.clone(),
            "konsultēts",
            EntryOrigin { offline: false, author: Some(author.clone()) },
            Uuid::now_v7(),
        )
        .unwrap();
    let entries: Vec<OutboxEntryDto> = local
        .pending_outbox(10)
        .unwrap()
        .into_iter()
        .map(|e| OutboxEntryDto {
            id: e.id,
            kind: e.kind,
            payload: serde_json::from_str(&e.payload).unwrap(),
            offline: e.offline,
            author: proof(e.author.as_deref().unwrap()),
        })
        .collect();
    assert_eq!(entries.len(), 2);
    let first = client.push_outbox(&creds, entries.clone()).await.unwrap();
    assert_eq!(first.results.iter().map(|r| r.outcome.as_str()).collect::<Vec<_>>(), ["applied", "applied"]);
    let again = client.push_outbox(&creds, entries).await.unwrap();
    assert_eq!(again.results.iter().map(|r| r.outcome.as_str()).collect::<Vec<_>>(), ["duplicate", "duplicate"]);
    let store = server::store::open(&DatabaseLocation::Sqlite(db)).await.unwrap();
    let stored = store.case(case.id).await.unwrap().unwrap();
    assert_eq!(stored.status, "closed");
    // A change the state machine refuses is rejected with the reason, and changes nothing.
    let illegal = OutboxEntryDto {
        id: Uuid::now_v7(),
        kind: "case_status".into(),
        payload: serde_json::json!({ "case_id": case.id, "change": {
            "status": "submitted", "at": now(), "actor": clerk, "note": "" } }),
        offline: false,
        author: proof(&author),
    };
    let refused = client.push_outbox(&creds, vec![illegal]).await.unwrap();
    assert_eq!(refused.results[0].outcome, "rejected");
    assert!(refused.results[0].reason.as_deref().unwrap().contains("cannot go from"), "{refused:?}");
    assert_eq!(store.case(case.id).await.unwrap().unwrap().status, "closed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_data_counts_the_cases_withholds_small_counts_and_holds_no_personal_data() {
    let dir = tempfile::tempdir().unwrap();
    let bin = bin_dir();
    let (db, code) = demo_server_with_desk(&bin, dir.path()).unwrap();
    let server = ServerProcess::start(&bin, &db, free_port()).unwrap();
    let client = SyncClient::new(parse_server_url(&server.url).unwrap()).unwrap();
    let enrolled = client.enroll(&code).await.unwrap();
    let creds = DeviceCredentials { device_id: enrolled.device_id, secret: enrolled.device_secret };
    let author = clerk_offline_author(dir.path(), enrolled.device_id).unwrap();
    let local = Arc::new(Store::open(&dir.path().join("local.db"), &DatabaseKey::from_bytes([2; 32])).unwrap());
    let dog = "https://pietura.lv/id/service/dog-fee";
    let passport = "https://pietura.lv/id/service/passport";
    // Served last month: only closed months are published.
    let last_month = |mut draft: CaseDraft| {
        use chrono::Datelike;
        let first_of_month = now().date_naive().with_day(1).unwrap().and_hms_opt(9, 0, 0).unwrap().and_utc();
        draft.served_at = first_of_month - chrono::Duration::days(3);
        draft.arrived_at = draft.served_at - chrono::Duration::minutes(10);
        draft
    };
    for minute in 0..6 {
        local.register_case(last_month(draft(dog, enrolled.centre.id, minute, &author)), now()).unwrap();
    }
    for minute in 10..12 {
        local.register_case(last_month(draft(passport, enrolled.centre.id, minute, &author)), now()).unwrap();
    }
    // This month's case is counted once the month is over.
    local.register_case(draft(dog, enrolled.centre.id, 20, &author), now()).unwrap();
    let clock = engine::system_clock();
    engine::push_outbox(&client, &creds, &local, &clock).await.unwrap();

    let http = reqwest::Client::new();
    let csv = http.get(format!("{}/open-data/service-provision.csv", server.url)).send().await.unwrap();
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = csv.text().await.unwrap();
    let json: serde_json::Value = json_of(http.get(format!("{}/open-data/service-provision.json", server.url))).await;
    let catalog =
        http.get(format!("{}/open-data/catalog.jsonld", server.url)).send().await.unwrap().text().await.unwrap();
    let dog_row = csv.lines().find(|l| l.contains(dog)).unwrap_or_else(|| panic!("{csv}"));
    assert!(dog_row.ends_with(",6,false"), "{dog_row}");
    assert!(dog_row.contains("Suņu"), "the service is named: {dog_row}");
    let passport_row = json["rows"].as_array().unwrap().iter().find(|r| r["service_id"] == passport).unwrap();
    assert_eq!(passport_row["cases"], serde_json::Value::Null, "two cases are withheld");
    assert!(catalog.contains("dcat:Dataset") && catalog.contains("service-provision.csv"));
    // The centre is a dimension: the desk's centre, by name.
    assert!(csv.starts_with("month,service_id,service_name,institution,centre,"), "{csv}");
    assert!(dog_row.contains(&format!(",{},", enrolled.centre.name)), "{dog_row}");
    // Waiting and service times by centre and month: eight cases last month (shown), each
    // waited 10 minutes; the spreadsheet form starts with a byte order mark.
    let times = http.get(format!("{}/open-data/service-times.csv?bom=true", server.url)).send().await.unwrap();
    let times = times.text().await.unwrap();
    assert!(times.starts_with('\u{FEFF}'), "{times}");
    assert!(times.contains("month,centre,cases,median_waiting_minutes"), "{times}");
    let centre_row = times.lines().find(|l| l.contains(&enrolled.centre.name)).unwrap_or_else(|| panic!("{times}"));
    assert!(centre_row.contains(&format!(",{},8,10,10,", enrolled.centre.name)), "{centre_row}");
    assert!(centre_row.ends_with(",false"), "{centre_row}");
    let plain = http.get(format!("{}/open-data/service-times.csv", server.url)).send().await.unwrap();
    assert!(plain.text().await.unwrap().starts_with("month,"), "no mark unless asked");
    assert!(catalog.contains("service-times.csv"), "the new data set is described");
    // Nothing about people anywhere: no personal codes, no names.
    let exported = server_cli(&bin, &db, &["stats", "export", "--format", "csv"]).unwrap();
    assert_eq!(exported, csv, "the command writes what the server publishes");
    for published in [csv.as_str(), &json.to_string(), catalog.as_str(), times.as_str()] {
        for personal in ["290156", "11605", "161175", "19997", "Oskars", "Kalns"] {
            assert!(!published.contains(personal), "{personal:?} in the open data");
        }
    }
}

/// The institution moves a case on while the desk, offline, cancels it: the desk pulls the
/// institution's status (it wins, the clerk's cancel stays as a note, the clerk has news), and
/// once the desk's push arrives the server keeps the same: one note, the institution's status.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_institutions_status_change_reaches_the_desk_and_wins_over_a_late_offline_change() {
    use domain::case::CaseStatus;
    let dir = tempfile::tempdir().unwrap();
    let bin = bin_dir();
    let (db, code) = demo_server_with_desk(&bin, dir.path()).unwrap();
    let riga = "https://pietura.lv/id/org/riga";
    server_cli(&bin, &db, &["institution", "add", riga, "--name", "Rīgas valstspilsētas pašvaldība"]).unwrap();
    let key: serde_json::Value =
        serde_json::from_str(&server_cli(&bin, &db, &["institution", "key", riga, "--json"]).unwrap()).unwrap();
    let key = format!("ApiKey {}", key["api_key"].as_str().unwrap());
    let server = ServerProcess::start(&bin, &db, free_port()).unwrap();
    let client = SyncClient::new(parse_server_url(&server.url).unwrap()).unwrap();
    let enrolled = client.enroll(&code).await.unwrap();
    let creds = DeviceCredentials { device_id: enrolled.device_id, secret: enrolled.device_secret };
    let author = clerk_offline_author(dir.path(), enrolled.device_id).unwrap();
    let local = Arc::new(Store::open(&dir.path().join("local.db"), &DatabaseKey::from_bytes([7; 32])).unwrap());
    let clock = engine::system_clock();
    let clerk = Actor::Staff { personal_code: PersonalCode::parse("161175-19997").unwrap(), offline: false };

    let mut application = draft("https://pietura.lv/id/service/dog-fee", enrolled.centre.id, 1, &author);
    application.kind = CaseKind::Application;
    application.centre_code = enrolled.centre.code.clone();
    let case = local.register_case(application, now()).unwrap();
    local
        .change_case_status(
            case.id,
            CaseStatus::Submitted,
            now(),
            clerk.clone(),
            "",
            EntryOrigin { offline: false, author: Some(author.clone()) },
            Uuid::now_v7(),
        )
        .unwrap();
    assert_eq!(engine::push_outbox(&client, &creds, &local, &clock).await.unwrap(), 2);
    let merge = engine::pull_cases(&client, &creds, &local, &clock).await.unwrap();
    assert_eq!((merge.added, merge.updated, merge.news), (0, 0, 0), "the desk's own case comes back unchanged");

    // The desk cancels (not yet sent); the institution takes the case on meanwhile.
    let offline_clerk = Actor::Staff { personal_code: PersonalCode::parse("161175-19997").unwrap(), offline: true };
    let cancel = Uuid::now_v7();
    let origin = EntryOrigin { offline: true, author: Some(author.clone()) };
    local.change_case_status(case.id, CaseStatus::Cancelled, now(), offline_clerk, "Atsauca", origin, cancel).unwrap();
    let http = reqwest::Client::new();
    let answer = http
        .post(format!("{}/v1/cases/{}/status", server.url.trim_end_matches('/'), case.number))
        .header("pietura-protocol", "1")
        .header("authorization", &key)
        .json(&serde_json::json!({ "status": "in_progress", "expected_status": "submitted", "note": "Izskatām" }))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200, "{}", answer.text().await.unwrap());

    // The pull: the institution's status wins, the cancel is kept as a note, the clerk has news.
    let merge = engine::pull_cases(&client, &creds, &local, &clock).await.unwrap();
    assert_eq!((merge.updated, merge.news), (1, 1));
    let merged = local.case(case.id).unwrap().unwrap();
    assert_eq!(merged.status(), CaseStatus::InProgress);
    assert_eq!(merged.notes.iter().map(|n| n.intended_status).collect::<Vec<_>>(), [Some(CaseStatus::Cancelled)]);
    assert_eq!(local.outbox_counts().unwrap().case_news, 1);
    assert_eq!(local.case_news(case.id).unwrap().unwrap().previous_status, CaseStatus::Cancelled);

    // The push: the server turns the late cancel into the same note; the next pull changes nothing.
    assert_eq!(engine::push_outbox(&client, &creds, &local, &clock).await.unwrap(), 1);
    assert_eq!(local.outbox_counts().unwrap().poisoned, 0, "a late change is not an error");
    engine::pull_cases(&client, &creds, &local, &clock).await.unwrap();
    let on_server: protocol::CaseRecordDto = json_of(
        http.get(format!("{}/v1/cases/{}", server.url.trim_end_matches('/'), case.number))
            .header("pietura-protocol", "1")
            .header("authorization", &key),
    )
    .await;
    assert_eq!(on_server.case.status(), CaseStatus::InProgress);
    assert_eq!(on_server.case.notes.len(), 1);
    assert_eq!(local.case(case.id).unwrap().unwrap(), on_server.case, "desk and server agree");
}
