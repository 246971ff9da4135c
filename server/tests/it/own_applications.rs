//! Issue 16: a citizen fills a self-service e-form at a library kiosk and signs it with their own
//! card (PIN2). The kiosk's word counts for nothing: the server sends the application from the
//! signer's own mailbox to the institution holding the service only as the signed PDF's
//! `application.json` says, checked against the form as published, and refuses everything else
//! before anything is sent.

use domain::{DeviceKind, eaddress::AccountKind};
use forms::{APPLICATION_JSON, Applicant, Application, FormRecord, SubmittedForm};
use serde_json::{Value, json};
use server::store::RecordKind;

use crate::api::{Running, account, card_of, client, enrolled, import_demo, log_in_card, log_in_with, signed_document};
use crate::people::{CITIZEN, CITIZEN_BOX, CLERK, OTHER_CITIZEN, now};

const PMLP: &str = "https://pietura.lv/id/org/pmlp";
const PMLP_BOX: &str = "_DEFAULT@90001473841";
const MY_DATA: &str = "https://pietura.lv/id/form/my-data";
const LIBRARY: &str = "Ogres bibliotēka";

/// Valid answers to the my-data form for the citizen themself.
fn answers() -> Value {
    json!({
        "applicant_name": "Jānis Bērziņš", "applicant_code": CITIZEN, "for_whom": "self",
        "scope": "all", "delivery": "e_address", "filled_on": "2026-12-05", "confirm": true
    })
}

async fn published(server: &Running, id: &str) -> FormRecord {
    let stored = server.store.catalogue_record(RecordKind::Form, id).await.unwrap().unwrap();
    serde_json::from_str(&stored.document).unwrap()
}

fn application_of(form: &FormRecord, data: Value) -> Application {
    let definition = form.latest();
    Application {
        form: SubmittedForm {
            id: form.id.clone(),
            version: definition.version,
            schema_digest: definition.schema_digest(),
        },
        service: definition.service.clone(),
        case_number: String::new(),
        applicant: Applicant { kind: "natural".into(), code: CITIZEN.into(), name: "Jānis Bērziņš".into() },
        centre: LIBRARY.into(),
        submitted_at: protocol::application_time(now()),
        language: "lv".into(),
        data,
    }
}

/// What a refusal answers: its status, its code and words its message says.
type Refusal = (u16, &'static str, &'static str);

on_both_backends!(server: a_citizen_submits_their_own_form_at_a_kiosk_and_only_what_they_signed_is_sent);

async fn a_citizen_submits_their_own_form_at_a_kiosk_and_only_what_they_signed_is_sent(server: Running) {
    use base64::Engine;
    let store = server.store.as_ref();
    server::devices::add_centre(store, LIBRARY, "Ogre", Some("OGB"), now()).await.unwrap();
    import_demo(&server).await;
    server::institutions::add_institution(store, PMLP, "Pilsonības un migrācijas lietu pārvalde", false, now())
        .await
        .unwrap();
    store.put_account(account(PMLP_BOX, AccountKind::Institution, Some(PMLP), None)).await.unwrap();
    store.put_account(account(CITIZEN_BOX, AccountKind::Natural, None, None)).await.unwrap();
    let kiosk = enrolled(&server, LIBRARY, DeviceKind::Kiosk, "Kiosks 1").await;
    let mut card = card_of(&server, CITIZEN);
    let session = log_in_with(&server, &kiosk, &mut card).await;
    let my_data = published(&server, MY_DATA).await;
    let http = client(&server.url);
    let post = |creds: protocol::DeviceCredentials, token: String, pdf: Vec<u8>| {
        let http = http.clone();
        async move {
            let body = protocol::OwnApplicationRequest { pdf: base64::engine::general_purpose::STANDARD.encode(pdf) };
            http.send_as_person::<_, protocol::MessageDto>(
                reqwest::Method::POST,
                &creds,
                &token,
                protocol::CITIZEN_FORM_SUBMISSIONS_PATH,
                Some(&body),
            )
            .await
        }
    };
    let refused = |result: Result<protocol::MessageDto, device::client::ClientError>| match result {
        Err(device::client::ClientError::Rejected { status, code, message, .. }) => (status, code, message),
        other => panic!("expected a refusal, got {other:?}"),
    };
    let sign = |card: &mut eid::EidCard<eid::virtual_card::VirtualCard>, json: &[u8]| {
        signed_document(card, (APPLICATION_JSON, json), false)
    };
    let good = application_of(&my_data, answers());
    // Each PDF with the status, code and words of its refusal.
    let mut cases: Vec<(Vec<u8>, Refusal)> = Vec::new();
    // Unsigned; signed by another card; another applicant; answers the form refuses; a branch's
    // answer left in; a case number; another place; not canonical; a form filled only at centres.
    let unsigned = print::render(&print::application(&print::Application::sample(domain::Language::Lv))).unwrap();
    cases.push((unsigned, (422, "signature_invalid", "")));
    let mut other = card_of(&server, OTHER_CITIZEN);
    cases.push((sign(&mut other, &good.to_bytes()), (422, "signer_not_owner", "signed by someone other")));
    let for_other =
        Application { applicant: Applicant { code: OTHER_CITIZEN.into(), ..good.applicant.clone() }, ..good.clone() };
    cases.push((sign(&mut card, &for_other.to_bytes()), (422, "signer_not_owner", "applies for themselves")));
    let mut wrong = answers();
    wrong["confirm"] = json!("jā");
    let wrong = application_of(&my_data, wrong);
    cases.push((sign(&mut card, &wrong.to_bytes()), (422, "form_invalid", "field \"confirm\"")));
    let mut left_in = answers();
    left_in["child_code"] = json!(OTHER_CITIZEN);
    let left_in = application_of(&my_data, left_in);
    cases.push((sign(&mut card, &left_in.to_bytes()), (422, "form_invalid", "do not apply")));
    let with_case = Application { case_number: "OGB-01-26-0001".into(), ..good.clone() };
    cases.push((sign(&mut card, &with_case.to_bytes()), (422, "form_invalid", "belongs to no case")));
    let elsewhere = Application { centre: "Rīgas VPVKAC".into(), ..good.clone() };
    cases.push((sign(&mut card, &elsewhere.to_bytes()), (422, "form_invalid", "another place")));
    let spaced = serde_json::to_vec_pretty(&good).unwrap();
    cases.push((sign(&mut card, &spaced), (422, "form_invalid", "canonical")));
    let dog_fee = published(&server, "https://pietura.lv/id/form/dog-fee").await;
    let centre_only = Application {
        applicant: good.applicant.clone(),
        centre: LIBRARY.into(),
        ..application_of(
            &dog_fee,
            json!({
                "applicant_name": "Jānis Bērziņš", "applicant_code": CITIZEN, "phone": "+371 20000000",
                "microchip": "123456789012345", "dog_name": "Reksis", "relief": "none", "confirm": true
            }),
        )
    };
    cases.push((sign(&mut card, &centre_only.to_bytes()), (422, "form_invalid", "not at a kiosk")));
    for (pdf, (status, code, words)) in cases {
        let (got_status, got_code, message) = refused(post(kiosk.clone(), session.clone(), pdf).await);
        assert_eq!((got_status, got_code.as_str()), (status, code), "{message}");
        assert!(message.contains(words), "{message:?} should say {words:?}");
    }
    // A clerk at a desk with the citizen's signed application: the route is the kiosk's.
    server::devices::add_centre(store, "Rīgas VPVKAC", "Rīga", Some("RCV"), now()).await.unwrap();
    let desk = enrolled(&server, "Rīgas VPVKAC", DeviceKind::Desk, "Galds 1").await;
    let clerk = log_in_card(&server, &desk, CLERK, Some(domain::Role::Clerk)).await;
    let signed = sign(&mut card, &good.to_bytes());
    assert_eq!(refused(post(desk, clerk, signed.clone()).await).0, 403);
    assert!(store.inbox(PMLP_BOX.into(), None, 10).await.unwrap().is_empty(), "nothing was sent");

    // Their own application: sent from their mailbox to the PMLP with application.json and the
    // signed PDF, in the form's submission feed without a case; the same PDF again is the same.
    let sent = post(kiosk.clone(), session.clone(), signed.clone()).await.unwrap();
    assert_eq!(sent.sender, CITIZEN_BOX);
    assert_eq!(sent.subject, "E-veidlapa: Pieprasījums par saviem datiem Fizisko personu reģistrā");
    assert_eq!(sent.case_number, None);
    let again = post(kiosk.clone(), session.clone(), signed.clone()).await.unwrap();
    assert_eq!(again.id, sent.id);
    let inbox = store.inbox(PMLP_BOX.into(), None, 10).await.unwrap();
    assert_eq!(inbox.len(), 1);
    assert!(inbox[0].0.body.contains("pats aizpildīja un parakstīja"), "{}", inbox[0].0.body);
    assert!(inbox[0].0.body.contains(LIBRARY));
    let attachments: Vec<domain::eaddress::AttachmentInfo> = serde_json::from_str(&inbox[0].0.attachments).unwrap();
    let names: Vec<&str> = attachments.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["application.json", "application.pdf"]);
    assert_eq!(attachments[1].sha256, hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&signed)));
    let (rows, _) = store.form_submissions(MY_DATA, 0, 10).await.unwrap();
    assert_eq!(rows.len(), 1, "recorded once");
    assert_eq!((rows[0].id, rows[0].holder.as_str(), rows[0].case_number.as_str()), (sent.id, PMLP, ""));
    assert_eq!(rows[0].application.as_bytes(), good.to_bytes());
}

/// Every institution of the demo catalogue can be written to: its e-address is one the server
/// accepts (five of them once failed the registration number's check digit, so nothing could be
/// sent to them).
#[test]
fn every_demo_institution_has_an_e_address_the_server_accepts() {
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("demo/demo-catalogue.pietura.json");
    let catalogue = server::catalogue::files::read(&demo).unwrap().catalogue;
    assert!(!catalogue.organisations.is_empty());
    for organisation in &catalogue.organisations {
        let address = organisation.e_address.as_deref().unwrap_or_default();
        assert!(domain::eaddress::EAddress::parse(address).is_ok(), "{}: {address:?}", organisation.id);
    }
}
