//! E-form drafts in the encrypted store: kept, changed in place, listed by customer, read back
//! after the store is opened again, and removed only when untouched for the period given.

use chrono::{DateTime, Duration, Utc};
use offline_store::{DatabaseKey, FormDraft, Store};
use uuid::Uuid;

fn at(days: i64) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-26T09:00:00Z").unwrap().with_timezone(&Utc) + Duration::days(days)
}

fn open(dir: &std::path::Path) -> Store {
    Store::open(&dir.join("local.db"), &DatabaseKey::from_bytes([7; 32])).unwrap()
}

fn draft(customer: &str, day: i64) -> FormDraft {
    FormDraft {
        id: Uuid::now_v7(),
        form_id: "https://pietura.lv/id/form/tree-felling".into(),
        form_version: 1,
        customer_code: customer.into(),
        customer_name: "Oskars Kalns".into(),
        case_id: None,
        data: r#"{"applicant_name":"Oskars Kalns"}"#.into(),
        step: 0,
        created_at: at(day),
        updated_at: at(day),
    }
}

#[test]
fn drafts_are_kept_changed_listed_and_swept_only_when_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let (old, touched, other) = (draft("290156-11605", 0), draft("290156-11605", 0), draft("325035-11782", 1));
    {
        let store = open(dir.path());
        for d in [&old, &touched, &other] {
            store.create_form_draft(d).unwrap();
        }
        assert!(store.save_form_draft(touched.id, r#"{"tree_count":3}"#, 2, at(25)).unwrap());
        assert!(!store.save_form_draft(Uuid::now_v7(), "{}", 0, at(25)).unwrap(), "no such draft");
    }
    // Opened again: everything is there, the most recently changed first.
    let store = open(dir.path());
    let mine: Vec<Uuid> = store.form_drafts(Some("290156-11605")).unwrap().iter().map(|d| d.id).collect();
    assert_eq!(mine, [touched.id, old.id]);
    let kept = store.form_draft(touched.id).unwrap().unwrap();
    assert_eq!((kept.data.as_str(), kept.step, kept.updated_at), (r#"{"tree_count":3}"#, 2, at(25)));
    assert_eq!(store.form_drafts(None).unwrap().len(), 3);
    // Thirty days after day 1: the two untouched since are removed, the one changed on day 25 stays.
    assert_eq!(store.remove_stale_form_drafts(at(31) - Duration::days(30)).unwrap(), 1);
    assert_eq!(store.remove_stale_form_drafts(at(32) - Duration::days(30)).unwrap(), 1);
    let left: Vec<Uuid> = store.form_drafts(None).unwrap().iter().map(|d| d.id).collect();
    assert_eq!(left, [touched.id]);
    assert_eq!(store.form_drafts_swept().unwrap(), 2, "counted for the centre's administrator");
    assert!(store.delete_form_draft(touched.id).unwrap());
    assert!(!store.delete_form_draft(touched.id).unwrap());
    assert!(store.form_draft(touched.id).unwrap().is_none());
}

#[test]
fn a_drafts_files_are_kept_with_its_answers_and_go_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let kept = draft("290156-11605", 0);
    store.create_form_draft(&kept).unwrap();
    let named = r#"{"site_plan":[{"name":"plāns.pdf","sha256":"aa","size":4}]}"#;
    assert!(store.add_form_draft_file(kept.id, "aa", b"%PDF", named, at(1)).unwrap());
    assert!(store.add_form_draft_file(kept.id, "bb", b"%PDF2", named, at(1)).unwrap());
    assert!(
        !store.add_form_draft_file(Uuid::now_v7(), "cc", b"x", "{}", at(1)).unwrap(),
        "no such draft: nothing kept"
    );
    assert_eq!(store.form_draft(kept.id).unwrap().unwrap().data, named);
    assert_eq!(store.form_draft_file(kept.id, "aa").unwrap().as_deref(), Some(&b"%PDF"[..]));
    // Only what the answers still name stays.
    assert_eq!(store.prune_form_draft_files(kept.id, &["aa".to_owned()]).unwrap(), 1);
    assert!(store.form_draft_file(kept.id, "bb").unwrap().is_none());
    // Removing the draft removes its files.
    assert!(store.delete_form_draft(kept.id).unwrap());
    assert!(store.form_draft_file(kept.id, "aa").unwrap().is_none());
}

/// Submitting is all or nothing: the case registered and submitted, one `form_submission` entry
/// with its files, the draft and its files gone — or, when making the entry fails, nothing at all
/// (the draft stays to be submitted again).
#[test]
fn a_submission_registers_the_case_queues_one_entry_and_removes_the_draft_at_once() {
    use domain::case::CaseStatus;
    use offline_store::{CaseDraft, Submission};
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let kept = draft("290156-11605", 0);
    store.create_form_draft(&kept).unwrap();
    store.add_form_draft_file(kept.id, "aa", b"%PDF", r#"{"site_plan":[]}"#, at(1)).unwrap();
    let centre = Uuid::now_v7();
    let case = CaseDraft { kind: domain::case::CaseKind::Application, ..CaseDraft::example(centre, at(1)) };
    let submission = || Submission::New { case: Box::new(case.clone()), note: "E-veidlapa iesniegta".into() };

    // The entry cannot be made: nothing changes.
    let failed = store.submit_form_draft(kept.id, Uuid::now_v7(), submission(), false, at(1), |_| {
        Err(offline_store::StoreError::Invalid("no PDF".into()))
    });
    assert!(failed.is_err());
    assert!(store.form_draft(kept.id).unwrap().is_some(), "the draft stays");
    assert!(store.case(case.id).unwrap().is_none() && store.pending_outbox(10).unwrap().is_empty());

    let entry = Uuid::now_v7();
    let submitted = store
        .submit_form_draft(kept.id, entry, submission(), false, at(1), |registered| {
            assert_eq!(registered.status(), CaseStatus::Registered, "the entry carries the case as registered");
            let payload = serde_json::json!({ "case_id": registered.id, "number": registered.number.to_string() });
            Ok((payload, vec![("bb".to_owned(), b"{}".to_vec())]))
        })
        .unwrap();
    assert_eq!(submitted.status(), CaseStatus::Submitted);
    assert_eq!(store.case(case.id).unwrap().unwrap().status(), CaseStatus::Submitted);
    let pending = store.pending_outbox(10).unwrap();
    assert_eq!(pending.len(), 1, "one entry: the case travels in it");
    assert_eq!((pending[0].id, pending[0].kind.as_str()), (entry, "form_submission"));
    assert_eq!(store.outbox_file("bb").unwrap(), Some((b"{}".to_vec(), false)));
    assert!(store.form_draft(kept.id).unwrap().is_none());
    assert!(store.form_draft_file(kept.id, "aa").unwrap().is_none());
    assert_eq!(store.unsettled_outbox_by_case().unwrap().get(&case.id).map(|o| o.pending), Some(1));
    // A draft submitted already cannot be submitted again.
    let again = store.submit_form_draft(kept.id, Uuid::now_v7(), submission(), false, at(2), |_| unreachable!());
    assert!(matches!(again, Err(offline_store::StoreError::Invalid(_))));
}
