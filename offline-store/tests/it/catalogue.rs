//! The offline catalogue: feed pages applied atomically with their cursor, tombstones, links.

use chrono::{DateTime, Utc};
use offline_store::{DatabaseKey, DocumentKind, Facet, IncomingRecord, SearchQuery, Store};

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap()
}

fn service(id: &str, name_lv: &str, version: u64) -> IncomingRecord {
    let document = serde_json::json!({
        "id": id, "name": { "lv": name_lv, "en": "Dog registration" },
        "description": { "lv": "Suns jāreģistrē un jāčipo." },
        "competent_authorities": ["https://pietura.lv/id/org/ldc"],
        "events": [{ "id": "https://pietura.lv/id/event/pets", "kind": "life", "name": { "lv": "Mājdzīvnieki" } }],
        "online_access_url": "https://latvija.gov.lv/x", "version": version
    });
    IncomingRecord {
        kind: DocumentKind::Service,
        id: id.into(),
        version,
        retired: false,
        document: document.to_string(),
    }
}

fn article(id: &str, service: &str) -> IncomingRecord {
    let document = serde_json::json!({
        "id": id, "title": "Suņu nodeva", "body": "Nodevu maksā reizi gadā.", "language": "lv",
        "linked_services": [service], "owner": "https://pietura.lv/id/org/riga", "version": 1
    });
    IncomingRecord {
        kind: DocumentKind::Article,
        id: id.into(),
        version: 1,
        retired: false,
        document: document.to_string(),
    }
}

fn open(dir: &std::path::Path) -> Store {
    Store::open(&dir.join("local.db"), &DatabaseKey::from_bytes([3; 32])).unwrap()
}

fn search(store: &Store, text: &str) -> Vec<String> {
    store
        .search(&SearchQuery { text: text.into(), limit: 10, ..Default::default() })
        .unwrap()
        .into_iter()
        .map(|h| h.id)
        .collect()
}

#[test]
fn pages_are_applied_with_their_cursor_and_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    assert_eq!(store.catalogue_progress().unwrap().cursor, 0);
    let progress = store
        .apply_catalogue_page(&[service("s1", "Suņu reģistrācija", 1), article("a1", "s1")], 2, 5, 1000, at(1))
        .unwrap();
    assert_eq!((progress.cursor, progress.head, progress.records_applied, progress.bytes_received), (2, 5, 2, 1000));
    assert!(!progress.is_caught_up());
    let mut found = search(&store, "sunu");
    found.sort();
    assert_eq!(found, ["a1", "s1"], "the service and its article are both searchable");
    assert_eq!(store.articles_for_service("s1").unwrap()[0].id, "a1");
    assert_eq!(store.services_with(Facet::LifeEvent, "https://pietura.lv/id/event/pets").unwrap()[0].id, "s1");
    assert_eq!(store.events().unwrap()[0].name.get("lv"), Some("Mājdzīvnieki"));
    drop(store);

    // After a restart the device continues from the stored cursor.
    let store = open(dir.path());
    assert_eq!(store.catalogue_progress().unwrap().cursor, 2);
    let progress = store.apply_catalogue_page(&[service("s1", "Suņu reģistrēšana", 2)], 5, 5, 10, at(2)).unwrap();
    assert!(progress.is_caught_up());
    assert_eq!(progress.caught_up_at, Some(at(2)));
    assert_eq!(store.service("s1").unwrap().unwrap().name.get("lv"), Some("Suņu reģistrēšana"));
    assert_eq!(search(&store, "registresana"), ["s1"], "the new version replaced the old in the index");
}

#[test]
fn a_page_with_an_unreadable_record_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let mut broken = service("s2", "Pase", 1);
    broken.document = "{\"id\": \"s2\"".into();
    let error =
        store.apply_catalogue_page(&[service("s1", "Suņu reģistrācija", 1), broken], 2, 2, 10, at(1)).unwrap_err();
    assert!(error.to_string().contains("s2"), "{error}");
    assert_eq!(store.catalogue_progress().unwrap().cursor, 0, "the cursor did not move");
    assert!(store.service("s1").unwrap().is_none(), "nothing of the page was applied");
    assert!(search(&store, "sunu").is_empty());
}

#[test]
fn tombstones_remove_records_their_links_and_their_search_entries() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    store.apply_catalogue_page(&[service("s1", "Suņu reģistrācija", 1), article("a1", "s1")], 2, 2, 10, at(1)).unwrap();
    let mut retired = article("a1", "s1");
    retired.retired = true;
    let mut gone = service("s1", "Suņu reģistrācija", 2);
    gone.retired = true;
    store.apply_catalogue_page(&[retired, gone], 4, 4, 10, at(2)).unwrap();
    assert!(store.service("s1").unwrap().is_none());
    assert!(store.articles_for_service("s1").unwrap().is_empty());
    assert!(search(&store, "sunu").is_empty());
}

#[test]
fn a_bulk_load_defers_index_merging_and_leaves_everything_searchable() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    store.begin_bulk_load().unwrap();
    for i in 0..5 {
        let id = format!("s{i}");
        store.apply_catalogue_page(&[service(&id, "Suņu reģistrācija", 1)], i + 1, 5, 10, at(i)).unwrap();
    }
    store.finish_bulk_load().unwrap();
    store.finish_bulk_load().unwrap();
    assert_eq!(search(&store, "sunu").len(), 5);
    // Normal merging is back: later pages are indexed and found as before.
    store.apply_catalogue_page(&[service("s9", "Pases izsniegšana", 1)], 6, 6, 10, at(9)).unwrap();
    assert_eq!(search(&store, "pase"), ["s9"]);
}

#[test]
fn the_catalogue_lives_in_a_plain_file_beside_the_encrypted_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    store.apply_catalogue_page(&[service("s1", "Suņu reģistrācija", 1)], 1, 1, 10, at(1)).unwrap();
    drop(store);
    let catalogue = std::fs::read(dir.path().join("local.catalogue.db")).unwrap();
    assert!(catalogue.starts_with(b"SQLite format 3"), "public information, not encrypted");
    let private = std::fs::read(dir.path().join("local.db")).unwrap();
    assert!(!private.starts_with(b"SQLite format 3"));
    assert!(!private.windows(b"catalogue_records".len()).any(|w| w == b"catalogue_records"), "no catalogue in it");
    assert_eq!(search(&open(dir.path()), "sunu"), ["s1"]);
}

#[test]
fn an_unreadable_catalogue_file_is_set_aside_and_started_afresh() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    store.apply_catalogue_page(&[service("s1", "Suņu reģistrācija", 1)], 1, 1, 10, at(1)).unwrap();
    drop(store);
    std::fs::write(dir.path().join("local.catalogue.db"), b"not a database ".repeat(1000)).unwrap();
    let store = open(dir.path());
    assert_eq!(store.catalogue_progress().unwrap().cursor, 0, "pulled again from the start");
    assert!(dir.path().join("local.catalogue.db.unreadable").exists());
}

#[test]
fn a_snapshot_built_alone_is_installed_whole_and_a_bad_one_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let built = dir.path().join("snapshot.db");
    let mut builder = offline_store::SnapshotBuilder::create(&built).unwrap();
    builder.apply_page(&[service("s1", "Suņu reģistrācija", 1)], 1, 3, at(1)).unwrap();
    builder.apply_page(&[article("a1", "s1"), service("s2", "Pase", 1)], 3, 3, at(2)).unwrap();
    let progress = builder.finish().unwrap();
    assert_eq!((progress.cursor, progress.records_applied), (3, 3));

    let store = open(dir.path());
    store.apply_catalogue_page(&[service("old", "Vecs pakalpojums", 1)], 1, 1, 10, at(1)).unwrap();
    let garbage = dir.path().join("garbage.db");
    std::fs::write(&garbage, b"nonsense").unwrap();
    assert!(store.install_catalogue(&garbage).is_err());
    assert_eq!(search(&store, "vecs"), ["old"], "a refused snapshot leaves the catalogue as it was");

    let installed = store.install_catalogue(&built).unwrap();
    assert_eq!(installed.cursor, 3);
    let mut found = search(&store, "sunu");
    found.sort();
    assert_eq!(found, ["a1", "s1", "s2"]);
    assert!(search(&store, "vecs").is_empty());
    assert_eq!(store.articles_for_service("s1").unwrap().len(), 1);
    // And the feed continues from the snapshot's position, in the installed file.
    store.apply_catalogue_page(&[service("s3", "Autovadītāja apliecība", 1)], 4, 4, 10, at(3)).unwrap();
    drop(store);
    let store = open(dir.path());
    assert_eq!(store.catalogue_progress().unwrap().cursor, 4);
    assert_eq!(search(&store, "autovad"), ["s3"]);
}

/// Issue 17: search snippets quoted an article's raw Markdown (`**`, `##`); articles are
/// indexed as their text.
#[test]
fn article_snippets_quote_text_not_markdown() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let mut record = article("https://pietura.lv/id/article/md", "https://pietura.lv/id/service/dog");
    let mut document: serde_json::Value = serde_json::from_str(&record.document).unwrap();
    document["body"] = "## Kam jāmaksā\n\nNodevu maksā **katra** suņa īpašnieks _Rīgā_.".into();
    record.document = document.to_string();
    store.apply_catalogue_page(&[record], 1, 1, 1, at(0)).unwrap();
    let hits = store.search(&SearchQuery { text: "katra".into(), limit: 5, ..Default::default() }).unwrap();
    let snippet: String = hits[0].snippet.iter().map(|part| part.text.as_str()).collect();
    assert!(snippet.contains("Nodevu maksā katra suņa īpašnieks Rīgā"), "{snippet}");
    assert!(!snippet.contains('*') && !snippet.contains('#') && !snippet.contains('_'), "{snippet}");
}
