//! E-form drafts at the desk, end to end without a window: the session the desk runs, a card
//! reader in this process, the real server with the demo forms. The forms arrive with the
//! catalogue; with the server gone, a clerk starts the tree-felling permit for the customer being
//! served (prefilled), fills part of it, the app closes and opens again, and the draft is there
//! to resume; conditions bring fields in; a draft untouched for 30 days is removed.

use std::sync::{
    Arc,
    atomic::{AtomicI64, Ordering},
};

use chrono::Duration;
use serde_json::json;
use tests::{
    bin_dir, desk::TestDesk, free_port, people::CLERK, processes::demo_server_with_desk, real_now, scenario::Scenario,
};

const CUSTOMER: &str = "290156-11605";
const TREES: &str = "https://pietura.lv/id/service/tree-felling";
const TREE_FORM: &str = "https://pietura.lv/id/form/tree-felling";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draft_is_prefilled_kept_at_every_change_offline_and_resumed_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (_db, code) = demo_server_with_desk(&bin_dir(), dir.path()).unwrap();
    let mut scenario = Scenario::in_dir(dir.path());
    let ca = scenario.trust_test_ca().unwrap().clone();
    scenario.grant(CLERK, "clerk", "Rīgas VPVKAC").unwrap();
    let mut server = scenario.start(free_port()).unwrap();

    let offset_days = Arc::new(AtomicI64::new(0));
    let clock: device::engine::Clock = {
        let offset = offset_days.clone();
        Arc::new(move || real_now() + Duration::days(offset.load(Ordering::SeqCst)))
    };
    let desk = TestDesk::new(dir.path().join("desk"), clock, &ca).unwrap();
    let session = desk.enrolled_and_logged_in(&server.url, &code).await.unwrap();
    // The forms come with the catalogue.
    let started = std::time::Instant::now();
    let forms = loop {
        let forms = session.service_forms(TREES).unwrap();
        if !forms.is_empty() {
            break forms;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(60), "no forms: {:?}", session.status());
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert_eq!(forms[0].id, TREE_FORM);
    assert_eq!(forms[0].title.text, "Iesniegums koku ciršanas atļaujas saņemšanai");

    // The server goes away; nothing of what follows needs it.
    server.stop();
    // Without a customer being served there is nobody to fill it for.
    assert_eq!(session.start_form(TREE_FORM, None).unwrap_err().code, "no_visit");
    session.start_visit(CUSTOMER, "OSKARS KALNS").unwrap();
    let draft = session.start_form(TREE_FORM, None).unwrap();
    assert_eq!(draft.data["applicant_name"], "OSKARS KALNS");
    assert_eq!(draft.data["applicant_code"], CUSTOMER);
    assert_eq!(draft.data["filled_on"], domain::calendar::riga_date(real_now()).to_string());
    assert_eq!(draft.form.steps.len(), 4);
    assert!(!draft.applicable.contains(&"owner_name".to_owned()), "shown only for an authorised person");
    assert!(draft.errors.iter().any(|e| e.field == "cadastral_number" && e.code == "required"));

    // Filling step 1 as an authorised person brings the owner and the power of attorney in.
    let mut data = draft.data.clone();
    data["applicant_role"] = json!("authorised");
    data["phone"] = json!("20000");
    let saved = session.save_form_draft(draft.id, data.clone(), 1).unwrap();
    assert_eq!(saved.step, 1);
    assert!(
        saved.applicable.contains(&"owner_name".to_owned()) && saved.required.contains(&"authorisation".to_owned())
    );
    let phone = saved.errors.iter().find(|e| e.field == "phone").unwrap();
    assert!(phone.lv.starts_with("Tālruņa numuram jābūt 8–15 cipariem"), "{phone:?}");
    data["phone"] = json!("+371 20000000");
    data["cadastral_number"] = json!("01000123456");
    session.save_form_draft(draft.id, data.clone(), 1).unwrap();

    // The app closes and opens again: the draft is there, with its answers and its step, once
    // the clerk has unlocked the desk with their card (offline).
    drop(session);
    let session = desk.open().unwrap();
    assert_eq!(session.form_drafts(None).unwrap_err().code, "not_logged_in");
    assert_eq!(session.log_in(Some("1234")).await.unwrap().state, "logged_in");
    let drafts = session.form_drafts(Some(CUSTOMER)).unwrap();
    assert_eq!(drafts.len(), 1);
    assert_eq!((drafts[0].id, drafts[0].step, drafts[0].steps), (draft.id, 1, 4));
    let resumed = session.form_draft(draft.id).unwrap();
    assert_eq!(resumed.data["cadastral_number"], "01000123456");
    assert_eq!(resumed.data["applicant_role"], "authorised");
    assert!(!resumed.errors.iter().any(|e| e.field == "phone"), "{:?}", resumed.errors);
    // Answers that are not an object are refused, and nothing is lost.
    assert_eq!(session.save_form_draft(draft.id, json!([1]), 1).unwrap_err().code, "form_data_invalid");
    assert_eq!(session.form_draft(draft.id).unwrap().data["cadastral_number"], "01000123456");

    // Files are kept with the draft as they are picked, checked as e-address attachments are.
    let program = session.attach_form_file(draft.id, "site_plan", "plāns.exe", b"MZ".to_vec()).unwrap_err();
    assert_eq!(program.code, "message_attachments");
    assert_eq!(
        session.attach_form_file(draft.id, "site_plan", "plāns.pdf", vec![]).unwrap_err().code,
        "attachment_empty"
    );
    assert_eq!(
        session.attach_form_file(draft.id, "species", "plāns.pdf", b"%PDF".to_vec()).unwrap_err().code,
        "form_data_invalid",
        "only into a file field"
    );
    let with_plan =
        session.attach_form_file(draft.id, "site_plan", "C:\\skeni\\plāns.pdf", b"%PDF-1.4 plan".to_vec()).unwrap();
    let files = with_plan.data["site_plan"].as_array().unwrap().clone();
    assert_eq!((files.len(), files[0]["name"].as_str()), (1, Some("plāns.pdf")));
    assert!(!with_plan.errors.iter().any(|e| e.field == "site_plan"), "{:?}", with_plan.errors);
    let sha256 = files[0]["sha256"].as_str().unwrap().to_owned();
    let without = session.remove_form_file(draft.id, "site_plan", &sha256).unwrap();
    assert!(without.data["site_plan"].as_array().unwrap().is_empty());
    assert!(without.errors.iter().any(|e| e.field == "site_plan" && e.code == "too_few"), "{:?}", without.errors);

    // Thirty days without a change: removed (the store keeps those touched since: its own test).
    offset_days.store(31, Ordering::SeqCst);
    assert_eq!(session.sweep_form_drafts().unwrap(), 1);
    assert_eq!(session.form_drafts_swept().unwrap(), 1);
    assert!(session.form_drafts(None).unwrap().is_empty());
    assert_eq!(session.form_draft(draft.id).unwrap_err().code, "form_draft_unknown");
}
