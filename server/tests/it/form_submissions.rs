//! E-form submissions through a desk's outbox (issue 14): one entry registers the case (or moves
//! the one the form was started from on), and the holder institution receives one e-address
//! message from the centre's mailbox with `application.json`, `application.pdf` and the files;
//! its system takes the same data from the submissions feed. The server believes nothing the
//! desk says without checking: the data against the form version named, `application.json`
//! against the data, the attachments against the files the data names.

use domain::{
    DeviceKind, PersonalCode, Role,
    case::{Actor, Case, CaseKind, CaseNumber, CaseStatus, NewCase, customer_from_code},
    catalogue::ChannelKind,
    eaddress::{AccountKind, AttachmentInfo},
};
use forms::{Applicant, Application, FormRecord, SubmittedForm};
use protocol::{DeviceCredentials, EntryAuthor, FormSubmissionEntry, MessageEntry, OutboxEntryDto, PROTOCOL_HEADER};
use serde_json::{Value, json};
use server::{devices, institutions, store::RecordKind};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::api::{Running, account, author_of, client, encoded, enrolled, import_demo, log_in_card};
use crate::people::{CENTRE_BOX, CITIZEN, CITIZEN_BOX, CLERK, VID, now};

const RIGA: &str = "https://pietura.lv/id/org/riga";
const RIGA_BOX: &str = "_DEFAULT@90011524360";
const DOG_FEE: &str = "https://pietura.lv/id/service/dog-fee";
const FORM: &str = "https://pietura.lv/id/form/dog-fee";
const PDF: &[u8] = b"%PDF-1.7\n% application\n%%EOF\n";

fn clerk() -> Actor {
    Actor::Staff { personal_code: PersonalCode::parse(CLERK).unwrap(), offline: false }
}

fn sha(content: &[u8]) -> String {
    hex::encode(Sha256::digest(content))
}

fn described(name: &str, content: &[u8]) -> AttachmentInfo {
    AttachmentInfo { name: name.into(), size: content.len() as u64, sha256: sha(content) }
}

/// A new application case of the dog fee for the citizen, numbered `sequence` at desk 1.
fn new_case(centre_id: Uuid, sequence: u32) -> Case {
    let served = now() - chrono::Duration::minutes(10);
    Case::register(NewCase {
        id: Uuid::now_v7(),
        number: CaseNumber::new("RCV", 1, chrono::Datelike::year(&served), sequence).unwrap(),
        service_id: DOG_FEE.into(),
        kind: CaseKind::Application,
        channel: ChannelKind::VpvkacInPerson,
        customer: customer_from_code(CITIZEN, "Jānis Bērziņš").unwrap(),
        holder_institution: RIGA.into(),
        provider_institution: None,
        centre_id,
        arrived_at: served,
        served_at: served,
        registered_at: served,
        registered_by: clerk(),
        note: String::new(),
    })
    .unwrap()
}

/// Valid answers to the dog-fee form, version 1.
fn answers() -> Value {
    json!({
        "applicant_name": "Jānis Bērziņš", "applicant_code": CITIZEN, "phone": "+371 20000000",
        "microchip": "123456789012345", "dog_name": "Reksis", "relief": "none", "confirm": true
    })
}

struct Desk<'a> {
    server: &'a Running,
    creds: DeviceCredentials,
    /// The application PDF the entries carry (a plain one unless a test signs it).
    pdf: std::cell::RefCell<Vec<u8>>,
    session: String,
    author: EntryAuthor,
    form: FormRecord,
}

impl Desk<'_> {
    /// `application` for `case` with `data`, at `version` of the form.
    fn application(&self, case: &Case, data: Value, version: u32) -> Application {
        let definition = self.form.version(version).unwrap();
        Application {
            form: SubmittedForm { id: FORM.into(), version, schema_digest: definition.schema_digest() },
            service: DOG_FEE.into(),
            case_number: case.number.to_string(),
            applicant: Applicant { kind: "natural".into(), code: CITIZEN.into(), name: "Jānis Bērziņš".into() },
            centre: "Rīgas VPVKAC".into(),
            submitted_at: protocol::application_time(now()),
            language: "lv".into(),
            data,
        }
    }

    /// The entry as a desk queues it, with `application.json` made from `application` (unless
    /// `json` says otherwise) and `files` beside the application PDF; their content uploaded.
    async fn entry(
        &self,
        case: &Case,
        new: bool,
        application: Application,
        json: Option<Vec<u8>>,
        files: &[(&str, &[u8])],
    ) -> OutboxEntryDto {
        let json = json.unwrap_or_else(|| application.to_bytes());
        let pdf = self.pdf.borrow().clone();
        let mut attachments = vec![described("application.json", &json), described("application.pdf", &pdf)];
        let mut contents = vec![json.clone(), pdf];
        for (name, content) in files {
            attachments.push(described(name, content));
            contents.push(content.to_vec());
        }
        let sync = client(&self.server.url);
        for content in contents {
            sync.upload_attachment(&self.creds, &sha(&content), content.clone()).await.unwrap();
        }
        let entry = FormSubmissionEntry {
            message: MessageEntry {
                from: String::new(),
                composed_by: CLERK.into(),
                recipients: vec![],
                subject: "E-veidlapa".into(),
                body: String::new(),
                case_id: Some(case.id),
                case_number: Some(case.number.to_string()),
                attachments,
                in_reply_to: None,
            },
            application,
            new_case: new.then(|| case.clone()),
            case_from: (!new).then(|| case.status()),
            submitted_at: now(),
        };
        OutboxEntryDto {
            id: Uuid::now_v7(),
            kind: "form_submission".into(),
            payload: serde_json::to_value(entry).unwrap(),
            offline: false,
            author: Some(self.author.clone()),
        }
    }

    /// Pushes the entries; each one's (outcome, code, reason).
    async fn push(&self, entries: Vec<OutboxEntryDto>) -> Vec<(String, String, String)> {
        let reply = client(&self.server.url).push_outbox(&self.creds, entries).await.unwrap();
        reply
            .results
            .into_iter()
            .map(|r| (r.outcome, r.code.unwrap_or_default(), r.reason.unwrap_or_default()))
            .collect()
    }
}

async fn riga_inbox(server: &Running) -> Vec<(server::store::StoredMessage, server::store::Delivery)> {
    server.store.inbox(RIGA_BOX.into(), None, 100).await.unwrap()
}

async fn feed(server: &Running, key: &str, after: i64) -> (u16, Value) {
    let response = reqwest::Client::new()
        .get(format!("{}v1/forms/{}/submissions?after={after}", server.url, encoded(FORM)))
        .header(PROTOCOL_HEADER, "1")
        .header("authorization", format!("ApiKey {key}"))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

on_both_backends!(server: a_submission_reaches_the_holder_once_and_everything_the_desk_claims_is_checked);

async fn a_submission_reaches_the_holder_once_and_everything_the_desk_claims_is_checked(server: Running) {
    let store = server.store.as_ref();
    let riga = devices::add_centre(store, "Rīgas VPVKAC", "Rīga", Some("RCV"), now()).await.unwrap();
    import_demo(&server).await;
    institutions::add_institution(store, RIGA, "Rīgas valstspilsētas pašvaldība", false, now()).await.unwrap();
    institutions::add_institution(store, VID, "Valsts ieņēmumu dienests", false, now()).await.unwrap();
    let riga_key = institutions::issue_key(store, RIGA, now()).await.unwrap();
    let vid_key = institutions::issue_key(store, VID, now()).await.unwrap();
    store.put_account(account(CENTRE_BOX, AccountKind::Institution, None, Some(riga.id))).await.unwrap();
    store.put_account(account(CITIZEN_BOX, AccountKind::Natural, None, None)).await.unwrap();
    let creds = enrolled(&server, "Rīgas VPVKAC", DeviceKind::Desk, "Galds 1").await;
    let session = log_in_card(&server, &creds, CLERK, Some(Role::Clerk)).await;
    let stored = store.catalogue_record(RecordKind::Form, FORM).await.unwrap().unwrap();
    let form: FormRecord = serde_json::from_str(&stored.document).unwrap();
    let desk = Desk { server: &server, creds, pdf: PDF.to_vec().into(), author: author_of(&session), session, form };
    let _ = &desk.session;

    // Data the form refuses: refused naming the field, nothing delivered, no case.
    let case = new_case(riga.id, 1);
    let mut wrong = answers();
    wrong["microchip"] = json!("12");
    let entry = desk.entry(&case, true, desk.application(&case, wrong, 1), None, &[]).await;
    let results = desk.push(vec![entry]).await;
    assert_eq!((results[0].0.as_str(), results[0].1.as_str()), ("rejected", "form_invalid"), "{results:?}");
    assert!(results[0].2.contains("\"microchip\""), "{results:?}");
    // Answers to a field hidden by the conditions are not sent to the institution either.
    let mut hidden = answers();
    hidden["shelter_contract"] = json!([]);
    let entry = desk.entry(&case, true, desk.application(&case, hidden, 1), None, &[]).await;
    assert_eq!(desk.push(vec![entry]).await[0].1, "form_invalid");
    // An application.json that is not the data, a schema digest that is not the version's, a
    // version never published, a file the answers do not name: each refused.
    let tampered = desk.application(&case, json!({"other": "data"}), 1).to_bytes();
    let entry = desk.entry(&case, true, desk.application(&case, answers(), 1), Some(tampered), &[]).await;
    assert_eq!(desk.push(vec![entry]).await[0].1, "form_invalid");
    let mut digest = desk.application(&case, answers(), 1);
    digest.form.schema_digest = sha(b"another schema");
    let entry = desk.entry(&case, true, digest, None, &[]).await;
    assert_eq!(desk.push(vec![entry]).await[0].1, "form_invalid");
    let mut unpublished = desk.application(&case, answers(), 1);
    unpublished.form.version = 7;
    let entry = desk.entry(&case, true, unpublished, None, &[]).await;
    assert_eq!(desk.push(vec![entry]).await[0].1, "form_invalid");
    let smuggled = desk.entry(&case, true, desk.application(&case, answers(), 1), None, &[("x.pdf", PDF)]).await;
    assert_eq!(desk.push(vec![smuggled]).await[0].1, "message_invalid");
    // The application must be the case's: its number and its customer.
    let mut someone_else = desk.application(&case, answers(), 1);
    someone_else.applicant.code = "290156-11605".into();
    let entry = desk.entry(&case, true, someone_else, None, &[]).await;
    assert_eq!(desk.push(vec![entry]).await[0].1, "form_invalid");
    // A clerk's entry in another clerk's name is refused as any entry is.
    let mut forged = desk.entry(&case, true, desk.application(&case, answers(), 1), None, &[]).await;
    forged.payload["composed_by"] = json!("210860-10528");
    assert_eq!(desk.push(vec![forged]).await[0].1, "author_unproven");
    // Riga's mailbox is not open yet: refused before anything is written.
    let entry = desk.entry(&case, true, desk.application(&case, answers(), 1), None, &[]).await;
    assert_eq!(desk.push(vec![entry]).await[0].1, "unknown_recipient");
    assert!(riga_inbox(&server).await.is_empty());
    assert!(store.case(case.id).await.unwrap().is_none());
    store.put_account(account(RIGA_BOX, AccountKind::Institution, Some(RIGA), None)).await.unwrap();

    // A shelter dog with its contract: the case registered and submitted, one message to Riga
    // from the centre with the three files, the answer asked to the citizen's own e-address.
    let contract: &[u8] = b"%PDF-1.7\n% shelter contract\n%%EOF\n";
    let mut shelter = answers();
    shelter["relief"] = json!("shelter");
    shelter["shelter_contract"] = json!([{ "name": "līgums.pdf", "sha256": sha(contract), "size": contract.len(), "media_type": "application/pdf" }]);
    let application = desk.application(&case, shelter, 1);
    let entry = desk.entry(&case, true, application.clone(), None, &[("līgums.pdf", contract)]).await;
    let results = desk.push(vec![entry.clone()]).await;
    assert_eq!(results[0].0, "applied", "{results:?}");
    let inbox = riga_inbox(&server).await;
    assert_eq!(inbox.len(), 1);
    let (message, _) = &inbox[0];
    assert_eq!(message.id, entry.id);
    assert_eq!(message.sender, CENTRE_BOX);
    assert_eq!(message.case_number.as_deref(), Some(case.number.to_string().as_str()));
    assert!(
        message.subject.contains("Suņu") || message.subject.contains(&case.number.to_string()),
        "{}",
        message.subject
    );
    assert!(message.body.contains("Jānis Bērziņš") && message.body.contains(CITIZEN_BOX), "{}", message.body);
    let attachments: Vec<AttachmentInfo> = serde_json::from_str(&message.attachments).unwrap();
    let names: Vec<&str> = attachments.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["application.json", "application.pdf", "līgums.pdf"]);
    let stored_case: Case = serde_json::from_str(&store.case(case.id).await.unwrap().unwrap().document).unwrap();
    assert_eq!((stored_case.status(), stored_case.kind), (CaseStatus::Submitted, CaseKind::Application));
    assert_eq!(stored_case.holder_institution, RIGA);

    // Sent again (the desk did not hear the answer): done, and still once.
    let results = desk.push(vec![entry.clone()]).await;
    assert_eq!(results[0].0, "duplicate", "{results:?}");
    assert_eq!(riga_inbox(&server).await.len(), 1);

    // Riga's system takes the data from the feed; another institution is told there is no such
    // form for it.
    let (status, page) = feed(&server, &riga_key, 0).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["submissions"].as_array().unwrap().len(), 1);
    assert_eq!(page["submissions"][0]["case_number"], case.number.to_string());
    assert_eq!(page["submissions"][0]["application"], serde_json::to_value(&application).unwrap());
    assert_eq!(page["submissions"][0]["signed"], false, "version 1 asks for no signature");
    let head = page["head"].as_i64().unwrap();
    assert_eq!(feed(&server, &riga_key, head).await.1["submissions"], json!([]));
    assert_eq!(feed(&server, &vid_key, 0).await.0, 404);

    // A form started from a registered case moves that case on; a version later replaced is
    // still accepted for data valid for its own version.
    let registered = new_case(riga.id, 2);
    let reply = desk
        .push(vec![OutboxEntryDto {
            id: registered.id,
            kind: "case_registered".into(),
            payload: serde_json::to_value(&registered).unwrap(),
            offline: false,
            author: Some(desk.author.clone()),
        }])
        .await;
    assert_eq!(reply[0].0, "applied");
    let mut next = desk.form.latest().clone();
    next.version = 2;
    next.schema["properties"]["microchip"]["pattern"] = json!("^[0-9]{10}$");
    server::catalogue::Catalogue::new(server.store.clone())
        .put_form(&server::catalogue::Editor::Institution { id: RIGA.into(), central: false }, next, now())
        .await
        .unwrap();
    let entry = desk.entry(&registered, false, desk.application(&registered, answers(), 1), None, &[]).await;
    let results = desk.push(vec![entry]).await;
    assert_eq!(results[0].0, "applied", "{results:?}");
    let moved: Case = serde_json::from_str(&store.case(registered.id).await.unwrap().unwrap().document).unwrap();
    assert_eq!(moved.status(), CaseStatus::Submitted);
    assert_eq!(riga_inbox(&server).await.len(), 2);
    assert_eq!(feed(&server, &riga_key, head).await.1["submissions"].as_array().unwrap().len(), 1);
}

/// The application PDF for `application`, signed PAdES by `card` with PIN2 (123456) — or, with
/// `login_key`, by the card's authentication key and certificate instead (a login certificate
/// used to sign).
fn signed_pdf(
    card: &mut eid::EidCard<eid::virtual_card::VirtualCard>,
    application: &Application,
    login_key: bool,
) -> Vec<u8> {
    crate::api::signed_document(card, ("application.json", &application.to_bytes()), login_key)
}

/// Rīgas VPVKAC with a desk, Riga's and the centre's mailboxes, and version 2 of the dog-fee form,
/// which asks for the applicant's signature; answers the centre, the desk and the form's record.
async fn signing_centre(server: &Running) -> (domain::Centre, DeviceCredentials, FormRecord) {
    let store = server.store.as_ref();
    let riga = devices::add_centre(store, "Rīgas VPVKAC", "Rīga", Some("RCV"), now()).await.unwrap();
    import_demo(server).await;
    institutions::add_institution(store, RIGA, "Rīgas valstspilsētas pašvaldība", false, now()).await.unwrap();
    store.put_account(account(RIGA_BOX, AccountKind::Institution, Some(RIGA), None)).await.unwrap();
    store.put_account(account(CENTRE_BOX, AccountKind::Institution, None, Some(riga.id))).await.unwrap();
    let creds = enrolled(server, "Rīgas VPVKAC", DeviceKind::Desk, "Galds 1").await;
    let stored = store.catalogue_record(RecordKind::Form, FORM).await.unwrap().unwrap();
    let record: FormRecord = serde_json::from_str(&stored.document).unwrap();
    let mut signed_version = record.latest().clone();
    signed_version.version = 2;
    signed_version.signature_required = true;
    server::catalogue::Catalogue::new(server.store.clone())
        .put_form(&server::catalogue::Editor::Institution { id: RIGA.into(), central: false }, signed_version, now())
        .await
        .unwrap();
    let stored = store.catalogue_record(RecordKind::Form, FORM).await.unwrap().unwrap();
    (riga, creds, serde_json::from_str(&stored.document).unwrap())
}

on_both_backends!(server: a_form_that_asks_for_the_applicants_signature_takes_only_theirs);

/// Issue 15: a form version that asks for the applicant's signature is applied only with a valid
/// PAdES signature by the applicant's own signing certificate from a trusted eID CA, over exactly
/// this application; every other case is refused with its own code and nothing is written.
async fn a_form_that_asks_for_the_applicants_signature_takes_only_theirs(server: Running) {
    let store = server.store.as_ref();
    let (riga, creds, form) = signing_centre(&server).await;
    let session = log_in_card(&server, &creds, CLERK, Some(Role::Clerk)).await;
    let desk = Desk { server: &server, creds, pdf: PDF.to_vec().into(), author: author_of(&session), session, form };
    let case = new_case(riga.id, 1);
    let application = desk.application(&case, answers(), 2);
    let mut applicant = crate::api::card_of(&server, CITIZEN);
    let attempt = |pdf: Vec<u8>| {
        *desk.pdf.borrow_mut() = pdf;
        async { desk.push(vec![desk.entry(&case, true, application.clone(), None, &[]).await]).await.remove(0) }
    };

    // No signature at all.
    assert_eq!(attempt(PDF.to_vec()).await.1, "signature_invalid");
    // Signed by someone else (a valid card of the same CA).
    let mut other = crate::api::card_of(&server, "290156-11605");
    assert_eq!(attempt(signed_pdf(&mut other, &application, false)).await.1, "signer_not_applicant");
    // The applicant's login certificate used to sign: not a signing certificate.
    let refused = attempt(signed_pdf(&mut applicant, &application, true)).await;
    assert_eq!(refused.1, "signature_untrusted", "{refused:?}");
    // A card of a CA the server does not trust.
    let impostor = eid::test_ca::TestCa::generate(now()).unwrap();
    let holder = eid::test_ca::Holder { given_name: "J".into(), surname: "B".into(), personal_code: CITIZEN.into() };
    let profile = impostor.issue_card(
        holder,
        eid::apdu::KeyKind::EcP384,
        now() - chrono::Duration::days(1),
        None,
        "1234",
        "123456",
    );
    let mut forged = eid::EidCard::new(eid::virtual_card::VirtualCard::new(profile.unwrap()));
    assert_eq!(attempt(signed_pdf(&mut forged, &application, false)).await.1, "signature_untrusted");
    // The applicant's own card, but its certificates expired (issued more than five years ago).
    let holder = eid::test_ca::Holder { given_name: "J".into(), surname: "B".into(), personal_code: CITIZEN.into() };
    let old = server.ca.issue_card(
        holder,
        eid::apdu::KeyKind::EcP384,
        now() - chrono::Duration::days(6 * 365),
        None,
        "1234",
        "123456",
    );
    let mut expired = eid::EidCard::new(eid::virtual_card::VirtualCard::new(old.unwrap()));
    let refused = attempt(signed_pdf(&mut expired, &application, false)).await;
    assert_eq!(refused.1, "signature_untrusted", "{refused:?}");
    assert!(refused.2.contains("expired"), "{refused:?}");
    // The applicant's signature over other data than the submission's.
    let mut other_data = application.clone();
    other_data.data["dog_name"] = json!("Muris");
    assert_eq!(attempt(signed_pdf(&mut applicant, &other_data, false)).await.1, "signature_invalid");
    // The signed PDF changed after signing.
    let mut changed = signed_pdf(&mut applicant, &application, false);
    let (range, _) = pades::signature_of(&changed).unwrap();
    changed[range[1] / 2] ^= 0x01;
    assert_eq!(attempt(changed).await.1, "signature_invalid");
    assert!(store.case(case.id).await.unwrap().is_none(), "refused before anything was written");
    assert!(riga_inbox(&server).await.is_empty());

    // The applicant's own signature: applied, and Riga receives the signed PDF.
    let good = signed_pdf(&mut applicant, &application, false);
    let result = attempt(good.clone()).await;
    assert_eq!(result.0, "applied", "{result:?}");
    let inbox = riga_inbox(&server).await;
    assert_eq!(inbox.len(), 1);
    let attachments: Vec<AttachmentInfo> = serde_json::from_str(&inbox[0].0.attachments).unwrap();
    assert_eq!(attachments[1].sha256, sha(&good));
    // The institution's feed says it is signed.
    let key = institutions::issue_key(store, RIGA, now()).await.unwrap();
    let (status, page) = feed(&server, &key, 0).await;
    assert_eq!((status, page["submissions"][0]["signed"].clone()), (200, json!(true)), "{page}");
    // Beside the JSON, the feed offers the signed PDF itself; another institution gets nothing.
    let pdf_of = |key: String| {
        let url = format!(
            "{}v1/forms/{}/submissions/{}/application.pdf",
            server.url,
            encoded(FORM),
            page["submissions"][0]["id"].as_str().unwrap()
        );
        async move {
            let response = reqwest::Client::new()
                .get(url)
                .header(PROTOCOL_HEADER, "1")
                .header("authorization", format!("ApiKey {key}"))
                .send()
                .await
                .unwrap();
            (response.status().as_u16(), response.bytes().await.unwrap().to_vec())
        }
    };
    assert_eq!(pdf_of(key.clone()).await, (200, good.clone()));
    institutions::add_institution(store, VID, "Valsts ieņēmumu dienests", false, now()).await.unwrap();
    let other = institutions::issue_key(store, VID, now()).await.unwrap();
    assert_eq!(pdf_of(other).await.0, 404);
}

mod signatures_checked_with_ocsp {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn on_sqlite() {
        super::signatures_checked_with_ocsp(crate::backends::sqlite().await).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn on_postgres() {
        super::signatures_checked_with_ocsp(crate::backends::postgres().await).await;
    }
}

/// With OCSP on, a signature by a revoked signing certificate is refused with its own code; when
/// the responder cannot be reached the submission is deferred (nothing written, the desk sends
/// it again), and taken once the responder answers.
async fn signatures_checked_with_ocsp(backend: crate::backends::Backend) {
    use crate::api::card_with_ocsp;
    use crate::login_api::{free_port, index_line, start_responder};
    let server = crate::api::start_with_ocsp(backend).await;
    let store = server.store.as_ref();
    let (riga, creds, form) = signing_centre(&server).await;
    server::login::grant(store, CLERK, Role::Clerk, "Rīgas VPVKAC", now()).await.unwrap();
    // Two responders of the CA: one answering from the start, one that is down at first.
    let (up_port, later_port) = (free_port(), free_port());
    let (up, later) = (format!("http://127.0.0.1:{up_port}"), format!("http://127.0.0.1:{later_port}"));
    let mut clerk_card = card_with_ocsp(&server, CLERK, Some(&up));
    // The applicant's earlier card, reported lost: its certificates revoked yesterday.
    let mut lost = card_with_ocsp(&server, CITIZEN, Some(&up));
    let mut applicant = card_with_ocsp(&server, CITIZEN, Some(&later));
    let yesterday = (now() - chrono::Duration::days(1)).format("%y%m%d%H%M%SZ").to_string();
    let index = index_line('V', &clerk_card.authentication_certificate().unwrap(), "")
        + &index_line('R', &lost.signing_certificate().unwrap(), &yesterday)
        + &index_line('V', &applicant.signing_certificate().unwrap(), "");
    let (up_dir, later_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let _up = start_responder(up_dir.path(), &server.ca, up_port, &index);
    let session = crate::api::log_in_with(&server, &creds, &mut clerk_card).await;
    let desk = Desk { server: &server, creds, pdf: PDF.to_vec().into(), author: author_of(&session), session, form };
    let case = new_case(riga.id, 1);
    let application = desk.application(&case, answers(), 2);
    let attempt = |pdf: Vec<u8>| {
        *desk.pdf.borrow_mut() = pdf;
        async { desk.push(vec![desk.entry(&case, true, application.clone(), None, &[]).await]).await.remove(0) }
    };

    let refused = attempt(signed_pdf(&mut lost, &application, false)).await;
    assert_eq!(refused.1, "signature_revoked", "{refused:?}");

    // The applicant's responder is down: not refused, not taken — deferred, and nothing written.
    let good = signed_pdf(&mut applicant, &application, false);
    let deferred = attempt(good.clone()).await;
    assert_eq!(deferred.0, "deferred", "{deferred:?}");
    assert!(deferred.2.contains("could not be learnt"), "{deferred:?}");
    assert!(store.case(case.id).await.unwrap().is_none(), "nothing written while the status is unknown");
    assert!(riga_inbox(&server).await.is_empty());

    // The responder answers again: the submission is taken, once.
    let _later = start_responder(later_dir.path(), &server.ca, later_port, &index);
    let taken = attempt(good).await;
    assert_eq!(taken.0, "applied", "{taken:?}");
    assert_eq!(riga_inbox(&server).await.len(), 1);
}
