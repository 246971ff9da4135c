//! Cases and the outbox on the device: numbered per desk and year, written with their outbox
//! entry in one transaction, moved by the state machine, and sent until the server has them.

use chrono::{DateTime, Utc};
use domain::PersonalCode;
use domain::case::{Actor, CaseKind, CaseStatus};
use offline_store::{CaseDraft, DatabaseKey, Store};
use uuid::Uuid;

fn at(minutes: i64) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-26T09:00:00Z").unwrap().with_timezone(&Utc)
        + chrono::Duration::minutes(minutes)
}

fn open(dir: &std::path::Path) -> Store {
    Store::open(&dir.join("local.db"), &DatabaseKey::from_bytes([5; 32])).unwrap()
}

fn clerk(offline: bool) -> Actor {
    Actor::Staff { personal_code: PersonalCode::parse("161175-19997").unwrap(), offline }
}

fn draft(kind: CaseKind, served: i64, offline: bool) -> CaseDraft {
    CaseDraft {
        kind,
        desk_number: 3,
        arrived_at: at(served - 5),
        registered_by: clerk(offline),
        offline,
        author: Some(AUTHOR.into()),
        ..CaseDraft::example(Uuid::nil(), at(served))
    }
}

/// A login's proof, as the device layer records it (the store keeps it as it is).
const AUTHOR: &str =
    r#"{"kind":"session","session":"abababababababababababababababababababababababababababababababab"}"#;

#[test]
fn cases_are_numbered_per_year_and_queued_with_their_outbox_entry() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let first = store.register_case(draft(CaseKind::Consultation, 0, false), at(0)).unwrap();
    let second = store.register_case(draft(CaseKind::Application, 10, true), at(10)).unwrap();
    assert_eq!(first.number.to_string(), "RCV-03-26-0001");
    assert_eq!(second.number.to_string(), "RCV-03-26-0002");
    let pending = store.pending_outbox(10).unwrap();
    assert_eq!(pending.iter().map(|e| e.id).collect::<Vec<_>>(), [first.id, second.id]);
    assert_eq!((pending[0].offline, pending[1].offline), (false, true));
    assert_eq!(pending[0].kind, "case_registered");
    assert_eq!(pending[0].author.as_deref(), Some(AUTHOR), "the login's proof goes with the entry");
    // The next year starts again from 1.
    let mut next_year = draft(CaseKind::Consultation, 0, false);
    next_year.served_at = DateTime::parse_from_rfc3339("2027-01-02T09:00:00Z").unwrap().with_timezone(&Utc);
    next_year.arrived_at = next_year.served_at;
    assert_eq!(store.register_case(next_year, at(0)).unwrap().number.to_string(), "RCV-03-27-0001");
    // Survives reopening, found by id and by number.
    drop(store);
    let store = open(dir.path());
    assert_eq!(store.case(first.id).unwrap(), Some(first.clone()));
    assert_eq!(store.case_by_number(&second.number).unwrap().unwrap().id, second.id);
    assert_eq!(store.cases_served_between(at(-60), at(60)).unwrap().len(), 2);
}

#[test]
fn an_invalid_case_writes_nothing_not_even_a_number() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let mut bad = draft(CaseKind::Consultation, 0, false);
    bad.service_id = String::new();
    assert!(store.register_case(bad, at(0)).is_err());
    assert_eq!(store.pending_outbox(10).unwrap(), []);
    let good = store.register_case(draft(CaseKind::Consultation, 0, false), at(0)).unwrap();
    assert_eq!(good.number.sequence(), 1, "the refused case used no number");
}

#[test]
fn status_changes_follow_the_state_machine_and_are_queued() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let case = store.register_case(draft(CaseKind::Application, 0, false), at(0)).unwrap();
    let entry = Uuid::now_v7();
    let moved =
        store.change_case_status(case.id, CaseStatus::Submitted, at(5), clerk(false), "", false, entry).unwrap();
    assert_eq!(moved.status(), CaseStatus::Submitted);
    assert!(
        store.change_case_status(case.id, CaseStatus::Closed, at(6), clerk(false), "", false, Uuid::now_v7()).is_err()
    );
    assert_eq!(
        store.case(case.id).unwrap().unwrap().status(),
        CaseStatus::Submitted,
        "a refused change changes nothing"
    );
    let pending = store.pending_outbox(10).unwrap();
    assert_eq!(pending.len(), 2);
    assert_eq!((pending[1].id, pending[1].kind.as_str()), (entry, "case_status"));
}

#[test]
fn entries_stay_until_the_server_has_them_and_poisoned_ones_block_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let ids: Vec<Uuid> =
        (0..3).map(|i| store.register_case(draft(CaseKind::Consultation, i, false), at(i)).unwrap().id).collect();
    store.outbox_failed(&ids, "connection refused").unwrap();
    let pending = store.pending_outbox(10).unwrap();
    assert_eq!(pending.len(), 3);
    assert_eq!((pending[0].attempts, pending[0].last_error.as_deref()), (1, Some("connection refused")));
    store.outbox_poisoned(ids[0], "the service is not in the catalogue", Some("unknown_service")).unwrap();
    store.outbox_done(&ids[1..2], at(20)).unwrap();
    assert_eq!(store.pending_outbox(10).unwrap().iter().map(|e| e.id).collect::<Vec<_>>(), [ids[2]]);
    assert_eq!(store.poisoned_outbox().unwrap()[0].poisoned.as_deref(), Some("the service is not in the catalogue"));
    let counts = store.outbox_counts().unwrap();
    assert_eq!((counts.pending, counts.poisoned, counts.done), (1, 1, 1));
    // Done twice is done once.
    store.outbox_done(&ids[1..2], at(30)).unwrap();
    assert_eq!(store.outbox_counts().unwrap().done, 1);
}

#[test]
fn unsettled_entries_are_counted_per_case_and_settled_ones_not() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let sent = store.register_case(draft(CaseKind::Application, 0, false), at(0)).unwrap();
    let refused = store.register_case(draft(CaseKind::Consultation, 1, false), at(1)).unwrap();
    let status = Uuid::now_v7();
    store.change_case_status(sent.id, CaseStatus::Submitted, at(5), clerk(false), "", false, status).unwrap();
    store.outbox_done(&[sent.id], at(6)).unwrap();
    store.outbox_poisoned(refused.id, "no such service", None).unwrap();
    let by_case = store.unsettled_outbox_by_case().unwrap();
    assert_eq!(by_case.len(), 2);
    // The registration is on the server; the status change made after it is still to send.
    assert_eq!((by_case[&sent.id].pending, by_case[&sent.id].refused.as_deref()), (1, None));
    assert_eq!((by_case[&refused.id].pending, by_case[&refused.id].refused.as_deref()), (0, Some("no such service")));
    store.outbox_done(&[status], at(7)).unwrap();
    assert!(!store.unsettled_outbox_by_case().unwrap().contains_key(&sent.id));
}

#[test]
fn notes_are_queued_and_the_servers_cases_merge_with_what_is_still_to_send() {
    use domain::case::CaseNote;
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let institution = Actor::Institution { id: "https://pietura.lv/id/org/riga".into() };
    let case = store.register_case(draft(CaseKind::Application, 0, false), at(0)).unwrap();
    let submitted = Uuid::now_v7();
    store.change_case_status(case.id, CaseStatus::Submitted, at(5), clerk(false), "", false, submitted).unwrap();
    store.outbox_done(&[case.id, submitted], at(6)).unwrap();
    // The server's case: the institution took it on, then decided.
    let mut on_server = store.case(case.id).unwrap().unwrap();
    on_server.change_status(CaseStatus::InProgress, at(30), institution.clone(), "").unwrap();

    // Meanwhile, offline, the clerk cancelled (having seen "submitted") and wrote a note.
    let cancel = Uuid::now_v7();
    store.change_case_status(case.id, CaseStatus::Cancelled, at(20), clerk(true), "Atsauca", true, cancel).unwrap();
    let note =
        CaseNote { id: Uuid::now_v7(), at: at(21), actor: clerk(true), text: "Zvanīja".into(), intended_status: None };
    store.add_case_note(case.id, note.clone(), true).unwrap();
    assert_eq!(store.add_case_note(case.id, note.clone(), true).unwrap().notes.len(), 1, "the same note once");
    let kinds: Vec<String> = store.pending_outbox(10).unwrap().into_iter().map(|e| e.kind).collect();
    assert_eq!(kinds, ["case_status", "case_note"]);
    let payload: serde_json::Value = serde_json::from_str(&store.pending_outbox(1).unwrap()[0].payload).unwrap();
    assert_eq!(payload["from"], "submitted", "the status the clerk saw goes with the change");
    let empty = CaseNote { id: Uuid::now_v7(), text: " ".into(), ..note.clone() };
    assert!(matches!(store.add_case_note(case.id, empty, true), Err(offline_store::StoreError::Invalid(_))));

    // The server's case arrives: its status wins, the unsent cancel shows as a note meant to
    // cancel, the note stays, and the clerk has news until the case is opened.
    let merge = store.merge_server_cases(vec![on_server.clone()], 7, at(40)).unwrap();
    assert_eq!((merge.added, merge.updated, merge.news), (0, 1, 1));
    let merged = store.case(case.id).unwrap().unwrap();
    assert_eq!(merged.status(), CaseStatus::InProgress);
    let notes: Vec<(&str, Option<CaseStatus>)> =
        merged.notes.iter().map(|n| (n.text.as_str(), n.intended_status)).collect();
    assert_eq!(notes, [("Atsauca", Some(CaseStatus::Cancelled)), ("Zvanīja", None)]);
    assert_eq!(store.case_feed_cursor().unwrap(), 7);
    let news = store.case_news(case.id).unwrap().unwrap();
    assert_eq!(news.previous_status, CaseStatus::Cancelled);
    assert_eq!(store.cases_with_news().unwrap().len(), 1);
    // The same page again changes nothing; an older cursor never moves it back.
    assert_eq!(store.merge_server_cases(vec![on_server.clone()], 3, at(41)).unwrap(), Default::default());
    assert_eq!(store.case_feed_cursor().unwrap(), 7);
    store.mark_case_seen(case.id).unwrap();
    assert!(store.case_news(case.id).unwrap().is_none());

    // Once the server has the desk's entries, its case holds them itself and nothing is doubled.
    let mut settled = on_server;
    let late = domain::case::StatusChange {
        status: CaseStatus::Cancelled,
        at: at(20),
        actor: clerk(true),
        note: "Atsauca".into(),
    };
    settled.apply_desk_change(Some(CaseStatus::Submitted), late, cancel).unwrap();
    settled.add_note(note).unwrap();
    store.outbox_done(&[cancel], at(50)).unwrap();
    let pending: Vec<Uuid> = store.pending_outbox(10).unwrap().into_iter().map(|e| e.id).collect();
    store.outbox_done(&pending, at(50)).unwrap();
    store.merge_server_cases(vec![settled.clone()], 9, at(51)).unwrap();
    assert_eq!(store.case(case.id).unwrap().unwrap(), settled);
    assert!(store.case_news(case.id).unwrap().is_none(), "the desk's own changes are no news");

    // A case registered at another desk of the centre is added as it is.
    let mut colleague = settled.clone();
    colleague.id = Uuid::now_v7();
    colleague.number = domain::case::CaseNumber::new("RCV", 4, 2026, 1).unwrap();
    let merge = store.merge_server_cases(vec![colleague.clone()], 10, at(52)).unwrap();
    assert_eq!((merge.added, merge.news), (1, 0));
    assert_eq!(store.case_by_number(&colleague.number).unwrap().unwrap(), colleague);
    // And this desk's own numbering is not disturbed by it.
    assert_eq!(
        store.register_case(draft(CaseKind::Consultation, 60, false), at(60)).unwrap().number.to_string(),
        "RCV-03-26-0002"
    );
}

#[test]
fn documents_are_kept_encrypted_here_and_only_their_description_is_queued() {
    use domain::case::CaseDocument;
    use sha2::Digest;
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let case = store.register_case(draft(CaseKind::Application, 0, false), at(0)).unwrap();
    let content = b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n".to_vec();
    let document = CaseDocument {
        id: Uuid::now_v7(),
        name: "iesniegums.pdf".into(),
        media_type: "application/pdf".into(),
        size: content.len() as u64,
        sha256: hex::encode(sha2::Sha256::digest(&content)),
        added_at: at(3),
        actor: clerk(false),
    };
    // A description that does not match the content is refused, and nothing is kept.
    let wrong = CaseDocument { sha256: "00".repeat(32), ..document.clone() };
    assert!(matches!(
        store.add_case_document(case.id, wrong, &content, false),
        Err(offline_store::StoreError::Invalid(_))
    ));
    assert_eq!(store.case_document_content(document.id).unwrap(), None);

    let with_document = store.add_case_document(case.id, document.clone(), &content, false).unwrap();
    assert_eq!(with_document.documents, std::slice::from_ref(&document));
    assert_eq!(store.add_case_document(case.id, document.clone(), &content, false).unwrap().documents.len(), 1);
    assert_eq!(store.case_document_content(document.id).unwrap().as_deref(), Some(content.as_slice()));
    let queued = store.pending_outbox(10).unwrap().pop().unwrap();
    assert_eq!(queued.kind, "case_document");
    assert!(!queued.payload.contains("endobj"), "the content stays on the desk: {}", queued.payload);
    // The server's case (without the unsent document yet) merges with it kept.
    let on_server = store.case(case.id).unwrap().map(|mut c| {
        c.documents.clear();
        c
    });
    store.merge_server_cases(vec![on_server.unwrap()], 1, at(5)).unwrap();
    assert_eq!(store.case(case.id).unwrap().unwrap().documents.len(), 1);
    // The content is in the encrypted file, not readable without the key.
    drop(store);
    let raw = std::fs::read(dir.path().join("local.db")).unwrap();
    assert!(!raw.windows(6).any(|w| w == b"endobj"), "scans are encrypted at rest");
}

#[test]
fn messages_are_queued_with_their_attachments_and_the_directory_is_searchable() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let id = Uuid::now_v7();
    let payload = serde_json::json!({ "from": "", "composed_by": "161175-19997", "recipients": ["_DEFAULT@90000069281"],
        "subject": "Iesniegums", "attachments": [{ "name": "a.pdf", "size": 3, "sha256": "ab" }] });
    store.queue_message(id, &payload, &[("ab".into(), b"%PD".to_vec())], true, at(1)).unwrap();
    let queued = store.queued_messages(10).unwrap();
    assert_eq!((queued[0].id, queued[0].done_at, queued[0].refused.as_deref()), (id, None, None));
    assert_eq!(store.pending_outbox(10).unwrap()[0].kind, "message_send");
    assert_eq!(store.outbox_file("ab").unwrap(), Some((b"%PD".to_vec(), false)));
    store.outbox_file_uploaded("ab", at(2)).unwrap();
    assert_eq!(store.outbox_file("ab").unwrap(), Some((b"%PD".to_vec(), true)));
    // The same content for a second message is kept once.
    store.queue_message(Uuid::now_v7(), &payload, &[("ab".into(), b"%PD".to_vec())], true, at(3)).unwrap();
    store.outbox_done(&[id], at(4)).unwrap();
    assert_eq!(store.queued_messages(10).unwrap()[1].done_at, Some(at(4)));

    store
        .replace_directory(&[
            ("_DEFAULT@90000069281".into(), "Valsts ieņēmumu dienests".into()),
            ("_DEFAULT@90011524360".into(), "Rīgas valstspilsētas pašvaldība".into()),
        ])
        .unwrap();
    assert_eq!(store.directory("ieņēmumu", 10).unwrap().len(), 1);
    // Issue 17: without diacritics, in any case, in parts, as the catalogue search finds.
    for typed in ["rig", "RĪG", "rigas pasv", "pašvaldība rīgas", "ienemumu"] {
        assert_eq!(store.directory(typed, 10).unwrap().len(), 1, "{typed:?}");
    }
    assert!(store.directory("rigas ienemumu", 10).unwrap().is_empty(), "every word must match");
    assert_eq!(store.directory("9001152", 10).unwrap()[0].1, "Rīgas valstspilsētas pašvaldība");
    assert_eq!(store.directory("", 10).unwrap().len(), 2);
    let names =
        store.directory_names(&["_DEFAULT@90000069281".into(), "X@1".into(), "_DEFAULT@90000069281".into()]).unwrap();
    assert_eq!(names.len(), 1, "known addresses only: {names:?}");
    assert_eq!(names["_DEFAULT@90000069281"], "Valsts ieņēmumu dienests");
    store.replace_directory(&[]).unwrap();
    assert!(store.directory("", 10).unwrap().is_empty());
}
