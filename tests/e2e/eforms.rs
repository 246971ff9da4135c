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
use device::session::{DeviceSession, Pin2};
use serde_json::json;
use tests::{
    bin_dir,
    desk::TestDesk,
    free_port,
    people::CLERK,
    processes::{ServerProcess, demo_server_with_desk},
    real_now,
    scenario::Scenario,
};

const CUSTOMER: &str = "290156-11605";
const TREES: &str = "https://pietura.lv/id/service/tree-felling";
const TREE_FORM: &str = "https://pietura.lv/id/form/tree-felling";
use tests::people::{RIGA, RIGA_BOX};
const CENTRE_BOX: &str = "RCV@90011524360";
/// The customer's PIN2.
const PIN2: &str = "654321";
const TYPED: Pin2<'static> = Pin2::Typed(PIN2);

/// Waits for the catalogue to bring the tree-felling permit's form; answers the service's forms.
async fn forms_on_the_desk(session: &DeviceSession) -> Vec<device::session::FormSummary> {
    let started = std::time::Instant::now();
    loop {
        let forms = session.service_forms(TREES).unwrap();
        if !forms.is_empty() {
            return forms;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(60), "no forms: {:?}", session.status());
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// The demo server with Riga's API key, the centre's mailbox (and Riga's when `riga_box`), and a
/// desk; [`Riga::start`] answers the desk's session too, enrolled with the clerk logged in and
/// the forms on it.
struct Riga {
    // Dropped in this order: the server stops before its folder goes.
    server: ServerProcess,
    desk: TestDesk,
    scenario: Scenario,
    db: std::path::PathBuf,
    port: u16,
    key: String,
    ca: eid::test_ca::TestCa,
    _dir: tempfile::TempDir,
}

impl Riga {
    async fn start(riga_box: bool) -> (Self, DeviceSession) {
        let dir = tempfile::tempdir().unwrap();
        let (db, code) = demo_server_with_desk(&bin_dir(), dir.path()).unwrap();
        let mut scenario = Scenario::in_dir(dir.path());
        let ca = scenario.trust_test_ca().unwrap().clone();
        scenario.grant(CLERK, "clerk", "Rīgas VPVKAC").unwrap();
        let key = scenario.institution(RIGA, "Rīgas valstspilsētas pašvaldība").unwrap();
        scenario.mailbox(CENTRE_BOX, "Rīgas VPVKAC", &["--centre", "Rīgas VPVKAC"]).unwrap();
        if riga_box {
            scenario.mailbox(RIGA_BOX, "Rīgas valstspilsētas pašvaldība", &["--institution", RIGA]).unwrap();
        }
        let port = free_port();
        let server = scenario.start(port).unwrap();
        let desk = TestDesk::new(dir.path().join("desk"), device::engine::system_clock(), &ca).unwrap();
        let session = desk.enrolled_and_logged_in(&server.url, &code).await.unwrap();
        forms_on_the_desk(&session).await;
        (Self { server, desk, scenario, db, port, key, ca, _dir: dir }, session)
    }

    /// The customer's own card (RSA, PIN2 654321) into the desk's second reader, to sign with.
    fn insert_customer_card(&self) {
        let holder = eid::test_ca::Holder {
            given_name: "OSKARS".into(),
            surname: "KALNS".into(),
            personal_code: CUSTOMER.into(),
        };
        let now = real_now() - Duration::days(30);
        let card = self.ca.issue_card(holder, eid::apdu::KeyKind::Rsa2048, now, None, "4321", PIN2).unwrap();
        self.desk.readers.insert("Reader 1", eid::virtual_card::VirtualCard::new(card));
    }

    /// GET `path` (from `/v1/…`) with Riga's key.
    async fn get(&self, path: &str) -> reqwest::Response {
        let base = self.server.url.trim_end_matches('/');
        reqwest::Client::new()
            .get(format!("{base}{path}"))
            .header("pietura-protocol", "1")
            .header("authorization", &self.key)
            .send()
            .await
            .unwrap()
    }

    /// Riga's inbox, newest first.
    async fn inbox(&self) -> Vec<serde_json::Value> {
        let inbox: serde_json::Value =
            self.get(&format!("/v1/eaddress/mailboxes/{RIGA_BOX}/inbox")).await.json().await.unwrap();
        inbox.as_array().cloned().unwrap_or_default()
    }
}

/// Answers to every step of the tree-felling permit but the files, for an owner felling 3 lindens.
fn tree_felling_answers(data: &mut serde_json::Value) {
    for (field, value) in [
        ("applicant_role", json!("owner")),
        ("phone", json!("+371 20000000")),
        ("cadastral_number", json!("01000123456")),
        ("site_address", json!("Brīvības iela 1, Rīga")),
        ("tree_count", json!(3)),
        ("species", json!("Parastā liepa, 3 koki")),
        ("reason", json!("dangerous")),
        ("confirm", json!(true)),
    ] {
        data[field] = value;
    }
}

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
    let forms = forms_on_the_desk(&session).await;
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

/// The done-when of issue 14 at the session's level: with the server stopped, the tree-felling
/// permit for the customer being served is filled in two steps, the app closes and opens again,
/// the draft is resumed, a scan attached and the form submitted; the server comes back and
/// Riga's mailbox holds the message once, with an `application.json` the form's own validator
/// accepts and a PDF whose text shows the answers; the case is submitted on the server, the
/// holder's feed has it, and the visit receipt lists it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_submitted_offline_reaches_the_holder_once_with_data_that_validates() {
    let (mut riga, session) = Riga::start(true).await;

    // Offline: two steps filled for the customer being served, then the app closes.
    riga.server.stop();
    session.start_visit(CUSTOMER, "OSKARS KALNS").unwrap();
    let draft = session.start_form(TREE_FORM, None).unwrap();
    let mut data = draft.data.clone();
    tree_felling_answers(&mut data);
    data.as_object_mut().unwrap().remove("confirm");
    session.save_form_draft(draft.id, data.clone(), 2).unwrap();
    drop(session);

    // Opened again (the sync engine starting, as the app starts it) and unlocked with the card
    // offline: the draft is resumed, a scan attached, the last step answered, and it is submitted.
    let session = riga.desk.open().unwrap();
    assert!(session.start_sync().await.unwrap());
    assert_eq!(session.log_in(Some("1234")).await.unwrap().state, "logged_in");
    session.start_visit(CUSTOMER, "OSKARS KALNS").unwrap();
    let drafts = session.form_drafts(Some(CUSTOMER)).unwrap();
    assert_eq!((drafts.len(), drafts[0].step), (1, 2));
    let resumed = session.form_draft(draft.id).unwrap();
    assert_eq!(resumed.data["species"], "Parastā liepa, 3 koki");
    // Not yet complete: refused, and the draft stays.
    assert_eq!(session.submit_form(draft.id, domain::Language::Lv, Some(TYPED)).unwrap_err().code, "form_incomplete");
    assert_eq!(session.application_preview(draft.id, domain::Language::Lv).unwrap_err().code, "form_incomplete");
    let scan = b"%PDF-1.7\n% site plan scanned at the desk\n%%EOF\n".to_vec();
    let with_scan = session.attach_form_file(draft.id, "site_plan", "situācijas plāns.pdf", scan.clone()).unwrap();
    let mut data = with_scan.data.clone();
    data["confirm"] = json!(true);
    let ready = session.save_form_draft(draft.id, data, 3).unwrap();
    assert!(ready.errors.is_empty(), "{:?}", ready.errors);
    // The tree-felling permit is signed by the applicant: not without their card and PIN2, not
    // with the clerk's card, not with a wrong PIN2 — and the draft stays through all of it.
    assert_eq!(session.submit_form(draft.id, domain::Language::Lv, None).unwrap_err().code, "signature_required");
    // Nothing is signed that the customer was not shown first: the pages they read are the PDF
    // they sign (kept from the preview), and a change of answers after it asks for a new one.
    assert_eq!(
        session.submit_form(draft.id, domain::Language::Lv, Some(TYPED)).unwrap_err().code,
        "application_not_shown"
    );
    let preview = session.application_preview(draft.id, domain::Language::Lv).unwrap();
    assert!(preview.total >= 1 && preview.pages.len() as u32 == preview.total, "{}", preview.total);
    let mut changed = ready.data.clone();
    changed["species"] = json!("Parastā liepa, 4 koki");
    session.save_form_draft(draft.id, changed, 3).unwrap();
    assert_eq!(
        session.submit_form(draft.id, domain::Language::Lv, Some(TYPED)).unwrap_err().code,
        "application_changed"
    );
    session.save_form_draft(draft.id, ready.data.clone(), 3).unwrap();
    // Shown in Latvian is not shown in English.
    session.application_preview(draft.id, domain::Language::Lv).unwrap();
    assert_eq!(
        session.submit_form(draft.id, domain::Language::En, Some(TYPED)).unwrap_err().code,
        "application_not_shown"
    );
    assert_eq!(session.submit_form(draft.id, domain::Language::Lv, Some(TYPED)).unwrap_err().code, "no_customer_card");
    riga.insert_customer_card();
    assert_eq!(
        session.submit_form(draft.id, domain::Language::Lv, Some(Pin2::Typed("000000"))).unwrap_err().code,
        "wrong_pin"
    );
    // A reader without a PIN pad cannot be asked for one.
    assert_eq!(
        session.submit_form(draft.id, domain::Language::Lv, Some(Pin2::OnPinPad)).unwrap_err().code,
        "pin_format"
    );
    assert!(session.form_draft(draft.id).is_ok(), "the draft stays");
    let submitted = session.submit_form(draft.id, domain::Language::Lv, Some(TYPED)).unwrap();
    assert_eq!(session.form_draft(draft.id).unwrap_err().code, "form_draft_unknown", "the draft is gone");
    let case = session.case(submitted.case_id).unwrap().unwrap();
    assert_eq!(case.status, domain::case::CaseStatus::Submitted);
    let queued = session.queued_messages().unwrap();
    assert_eq!((queued[0].id, queued[0].state), (submitted.submission, "queued"));
    assert_eq!(queued[0].attachments, ["application.json", "application.pdf", "situācijas plāns.pdf"]);
    // The service's page looked at in Latvian, then again after switching to English: one look-up,
    // named on a Latvian receipt in Latvian (issue 17: it was logged twice, in English).
    let service = "https://pietura.lv/id/service/tree-felling";
    session.note_service_viewed(service);
    session.set_language(domain::Language::En).unwrap();
    session.note_service_viewed(service);
    session.set_language(domain::Language::Lv).unwrap();
    let visit = session.visit().unwrap();
    assert!(visit.actions.iter().any(|a| a.kind == "form_submitted" && a.case_id == Some(submitted.case_id)));
    assert_eq!(visit.actions.iter().filter(|a| a.kind == "service_viewed").count(), 1, "{:?}", visit.actions);
    let receipt = session.print_visit_receipt(false).unwrap();
    let receipt_text = pdftotext(&std::fs::read(receipt.pdf.unwrap()).unwrap());
    assert!(receipt_text.contains("iesniegta") && receipt_text.contains("Iesniegums koku ciršanas"), "{receipt_text}");
    assert!(receipt_text.contains("Koku ciršanas atļauja"), "{receipt_text}");
    assert!(!receipt_text.contains("Tree felling permit"), "{receipt_text}");

    // The server comes back: the submission goes once.
    riga.server = riga.scenario.start(riga.port).unwrap();
    sent_once_the_server_answers(&session).await;
    let inbox = riga.inbox().await;
    assert_eq!(inbox.len(), 1, "{inbox:?}");
    assert_eq!(inbox[0]["id"], submitted.submission.to_string());
    assert_eq!(inbox[0]["sender"], CENTRE_BOX);
    assert_eq!(inbox[0]["case_number"], submitted.case_number);
    let attachments = format!("/v1/eaddress/mailboxes/{RIGA_BOX}/messages/{}/attachments", submitted.submission);
    let json_bytes = riga.get(&format!("{attachments}/0")).await.bytes().await.unwrap();
    let application: forms::Application = serde_json::from_slice(&json_bytes).unwrap();
    let definition = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/demo/forms/tree-felling.form.json"),
    )
    .unwrap();
    let form = forms::compile_json(&definition).unwrap();
    assert_eq!(form.validate(&application.data), vec![], "application.json validates");
    assert_eq!(application.form.schema_digest, form.definition().schema_digest());
    assert_eq!(
        (application.case_number.as_str(), application.applicant.code.as_str()),
        (submitted.case_number.as_str(), CUSTOMER)
    );
    let pdf = riga.get(&format!("{attachments}/1")).await.bytes().await.unwrap();
    // Signed by the applicant, with these very answers inside.
    let verified = pades::verify(&pdf).unwrap();
    let signer = eid::ParsedCertificate::from_der(&verified.signer_certificate).unwrap();
    assert_eq!(signer.identity().personal_code(), Some(("LV", CUSTOMER)));
    assert_eq!(verified.files, vec![("application.json".to_owned(), json_bytes.to_vec())]);
    let text = pdftotext(&pdf);
    for answer in
        ["OSKARS KALNS", "01000123456", "Brīvības iela 1, Rīga", "Parastā liepa, 3 koki", "situācijas plāns.pdf"]
    {
        assert!(text.contains(answer), "{answer:?} is not in the PDF: {text}");
    }
    assert_eq!(
        riga.get(&format!("{attachments}/2")).await.bytes().await.unwrap().to_vec(),
        scan,
        "the scan arrives byte for byte"
    );
    let on_server: serde_json::Value =
        riga.get(&format!("/v1/cases/{}", submitted.case_number)).await.json().await.unwrap();
    assert_eq!(on_server["case"]["history"].as_array().unwrap().last().unwrap()["status"], "submitted");
    let form_path = percent_encoding::utf8_percent_encode(TREE_FORM, percent_encoding::NON_ALPHANUMERIC);
    let feed: serde_json::Value =
        riga.get(&format!("/v1/forms/{form_path}/submissions?after=0")).await.json().await.unwrap();
    assert_eq!(
        feed["submissions"][0]["application"],
        serde_json::from_slice::<serde_json::Value>(&json_bytes).unwrap()
    );
    assert_eq!(feed["submissions"][0]["signed"], true, "the tree-felling permit is signed");
    // Still once, whatever the desk does next.
    session.retry_now().await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(riga.inbox().await.len(), 1);
}

/// The text of a PDF, as poppler reads it.
fn pdftotext(pdf: &[u8]) -> String {
    tests::pdf_text(pdf)
}

/// Asks the desk to sync now and waits until its newest queued message is sent.
async fn sent_once_the_server_answers(session: &DeviceSession) {
    session.retry_now().await;
    let started = std::time::Instant::now();
    while session.queued_messages().unwrap()[0].state != "sent" {
        assert!(started.elapsed() < std::time::Duration::from_secs(60), "not sent: {:?}", session.queued_messages());
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// The tree-felling permit filled in completely for the customer being served, with a site plan,
/// and the customer's card in the second reader.
fn complete_tree_felling_draft(riga: &Riga, session: &DeviceSession) -> device::session::DraftView {
    session.start_visit(CUSTOMER, "OSKARS KALNS").unwrap();
    let draft = session.start_form(TREE_FORM, None).unwrap();
    let mut data = draft.data.clone();
    tree_felling_answers(&mut data);
    session.save_form_draft(draft.id, data, 3).unwrap();
    session.attach_form_file(draft.id, "site_plan", "plāns.pdf", b"%PDF-1.7\n% plan\n%%EOF\n".to_vec()).unwrap();
    riga.insert_customer_card();
    draft
}

/// A submission the server refuses (here: Riga's mailbox was not yet opened on the server) is
/// refused before anything is written there, the desk shows why, and the clerk fills the form in
/// again from it: the same answers and files, nothing typed twice; the new one reaches Riga once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_submission_is_filled_in_again_without_retyping_anything() {
    let (riga, session) = Riga::start(false).await;
    let draft = complete_tree_felling_draft(&riga, &session);
    // The customer types PIN2 on their reader's own pad this time.
    riga.desk.readers.type_on_pin_pad("Reader 1", PIN2);
    session.application_preview(draft.id, domain::Language::Lv).unwrap();
    let submitted = session.submit_form(draft.id, domain::Language::Lv, Some(Pin2::OnPinPad)).unwrap();
    session.retry_now().await;
    let started = std::time::Instant::now();
    let refused = loop {
        let queued = session.queued_messages().unwrap();
        if queued[0].state == "refused" {
            break queued[0].clone();
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(60), "not refused: {queued:?}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert_eq!(refused.refused_code.as_deref(), Some("unknown_recipient"), "{refused:?}");
    let case = session.case(submitted.case_id).unwrap().unwrap();
    assert_eq!(
        (case.refused_code.as_deref(), case.refused_kind.as_deref()),
        (Some("unknown_recipient"), Some("form_submission"))
    );
    let store = server::store::open(&server::store::DatabaseLocation::Sqlite(riga.db.clone())).await.unwrap();
    assert_eq!(store.case_count().await.unwrap(), 0, "refused before anything was written");

    // Riga's mailbox is opened; the clerk fills the form in again from the refusal: every answer
    // and the file are there.
    riga.scenario.mailbox(RIGA_BOX, "Rīgas valstspilsētas pašvaldība", &["--institution", RIGA]).unwrap();
    let again = session.reopen_refused_submission(submitted.case_id).unwrap();
    assert_eq!(again.case_id, None, "the refused case never reached the server: a new one");
    assert_eq!(again.data["species"], "Parastā liepa, 3 koki");
    assert_eq!(again.data["site_plan"][0]["name"], "plāns.pdf");
    assert!(again.errors.is_empty(), "{:?}", again.errors);
    session.application_preview(again.id, domain::Language::Lv).unwrap();
    let resubmitted = session.submit_form(again.id, domain::Language::Lv, Some(Pin2::OnPinPad)).unwrap();
    session.retry_now().await;
    let started = std::time::Instant::now();
    while riga.inbox().await.is_empty() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "not delivered: {:?}",
            session.queued_messages()
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(riga.inbox().await.len(), 1);
    assert_eq!(store.case_count().await.unwrap(), 1);
    assert_eq!(session.queued_messages().unwrap()[0].id, resubmitted.submission);
}

/// Issue 15: with OCSP on and the CA's responder unreachable, a signed submission is neither
/// refused nor taken: the server defers it, writes nothing, and the desk sends it again in later
/// rounds (not in a tight loop); once the server can judge it again it arrives once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_submission_waits_while_the_cas_responder_cannot_be_reached() {
    let (mut riga, session) = Riga::start(true).await;
    let draft = complete_tree_felling_draft(&riga, &session);

    // The server comes back asking every certificate's status of a responder that is not there.
    riga.server.stop();
    let settings = riga.scenario.dir.join("pietura.toml");
    let plain = std::fs::read_to_string(&settings).unwrap();
    let dead = format!("http://127.0.0.1:{}/ocsp", free_port());
    std::fs::write(&settings, format!("{plain}eid_ocsp_url = \"{dead}\"\n")).unwrap();
    session.application_preview(draft.id, domain::Language::Lv).unwrap();
    let submitted = session.submit_form(draft.id, domain::Language::Lv, Some(TYPED)).unwrap();
    riga.server = riga.scenario.start(riga.port).unwrap();
    session.retry_now().await;
    let pushes = || async {
        let metrics = reqwest::get(format!("{}/metrics", riga.server.url.trim_end_matches('/')))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        metrics
            .lines()
            .filter(|l| l.starts_with("pietura_http_requests_total{route=\"/v1/sync/outbox\""))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
            .sum::<u64>()
    };
    let started = std::time::Instant::now();
    while pushes().await == 0 {
        assert!(started.elapsed() < std::time::Duration::from_secs(60), "the desk never pushed");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let queued = session.queued_messages().unwrap();
    assert_eq!((queued[0].id, queued[0].state), (submitted.submission, "queued"), "deferred, not refused");
    let store = server::store::open(&server::store::DatabaseLocation::Sqlite(riga.db.clone())).await.unwrap();
    assert_eq!(store.case_count().await.unwrap(), 0, "nothing written while the status is unknown");
    let sent_again = pushes().await;
    assert!(sent_again < 100, "the desk pushes in rounds, not in a loop: {sent_again} pushes in about 3 s");

    // OCSP off again: the same submission arrives, once.
    riga.server.stop();
    std::fs::write(&settings, plain).unwrap();
    riga.server = riga.scenario.start(riga.port).unwrap();
    sent_once_the_server_answers(&session).await;
    assert_eq!(riga.inbox().await.len(), 1);
}
