//! A citizen's consent signed with their own card at a desk, end to end without a window: the
//! session the desk runs (its keyring, its store), two card readers in this process (the clerk's
//! and the customer's), and the real server binary with eID login. The clerk asks, the customer
//! signs with PIN1, the clerk reads the customer's inbox with them; taking the card out ends it.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use device::session::DeviceSession;
use eid::{
    apdu::KeyKind,
    test_ca::Holder,
    virtual_card::{InProcessReaders, VirtualCard},
};
use tests::{
    free_port, json_of,
    people::{CITIZEN, CITIZEN_BOX, CLERK, VID, VID_BOX},
    real_now,
    scenario::Scenario,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_signs_a_consent_with_their_card_and_the_clerk_reads_their_mailbox_with_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut scenario = Scenario::in_dir(dir.path());
    scenario.centre("Rīgas VPVKAC", "Rīga").unwrap().grant(CLERK, "clerk", "Rīgas VPVKAC").unwrap();
    let code = scenario.device("Rīgas VPVKAC", "desk", "G1").unwrap();
    let key = scenario.institution(VID, "Valsts ieņēmumu dienests").unwrap();
    scenario.mailbox(VID_BOX, "VID", &["--institution", VID]).unwrap();
    scenario.mailbox(CITIZEN_BOX, "JĀNIS BĒRZIŅŠ", &[]).unwrap();
    let ca = scenario.trust_test_ca().unwrap().clone();
    let server = scenario.start(free_port()).unwrap();
    // The institution writes to the citizen.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();
    let notice = uuid::Uuid::now_v7();
    let notice_pdf = b"%PDF-1.7\n% pazinojums\n%%EOF\n".to_vec();
    let notice_sha = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(&notice_pdf))
    };
    let uploaded = http
        .put(format!("{}/v1/eaddress/attachments/{notice_sha}", server.url.trim_end_matches('/')))
        .header("pietura-protocol", "1")
        .header("authorization", &key)
        .body(notice_pdf.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.status(), 204);
    let sent = http
        .post(format!("{}/v1/eaddress/mailboxes/{VID_BOX}/messages", server.url.trim_end_matches('/')))
        .header("pietura-protocol", "1")
        .header("authorization", &key)
        .json(&serde_json::json!({ "id": notice, "recipients": [CITIZEN_BOX], "subject": "Paziņojums par nodokli",
            "attachments": [{ "name": "paziņojums.pdf", "size": notice_pdf.len(), "sha256": notice_sha }] }))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 201);

    let readers = Arc::new(InProcessReaders::with_reader("Reader 0"));
    let session = DeviceSession::open_with_cards(
        &dir.path().join("desk"),
        &format!("pietura-consent-test-{}", uuid::Uuid::new_v4()),
        device::schedule::SchedulePolicy::default(),
        device::engine::system_clock(),
        readers.clone(),
    )
    .unwrap();
    session.enroll(&server.url, &code).await.unwrap();
    let issued = real_now() - chrono::Duration::days(30);
    let clerk = Holder { given_name: "ILZE".into(), surname: "OZOLIŅA".into(), personal_code: CLERK.into() };
    readers.insert(
        "Reader 0",
        VirtualCard::new(ca.issue_card(clerk, KeyKind::EcP384, issued, None, "1234", "123456").unwrap()),
    );
    assert_eq!(session.log_in(Some("1234")).await.unwrap().state, "logged_in");

    // Without consent the clerk sees nothing of the citizen's mailbox.
    assert_eq!(session.mailbox_folder(CITIZEN_BOX, "inbox", None).await.unwrap_err().code, "not_found");

    // The customer's card goes into the second reader; the clerk asks; the customer signs.
    let citizen = Holder { given_name: "JĀNIS".into(), surname: "BĒRZIŅŠ".into(), personal_code: CITIZEN.into() };
    readers.insert(
        "Reader 1",
        VirtualCard::new(ca.issue_card(citizen, KeyKind::Rsa2048, issued, None, "4321", "654321").unwrap()),
    );
    session.start_visit(CITIZEN, "JĀNIS BĒRZIŅŠ").unwrap();
    let challenge = session.ask_consent("read", 15).await.unwrap();
    assert!(challenge["text_lv"].as_str().unwrap().contains("ILZE OZOLIŅA"), "{challenge}");
    let id = challenge["id"].as_str().unwrap().parse().unwrap();
    // Only a consent this desk asked for can be signed: the card signs what the server gave.
    let unasked = session.sign_consent(uuid::Uuid::now_v7(), "4321").await.unwrap_err();
    assert_eq!(unasked.code, "consent_unknown");
    let wrong = session.sign_consent(id, "0000").await.unwrap_err();
    assert_eq!(wrong.code, "wrong_pin");
    let consent = session.sign_consent(id, "4321").await.unwrap();
    assert_eq!(consent.mailbox, CITIZEN_BOX);
    let inbox = session.consent_inbox().await.unwrap();
    assert_eq!(inbox.iter().map(|m| m.subject.as_str()).collect::<Vec<_>>(), ["Paziņojums par nodokli"]);
    // The folder view pages from the last one shown: after the only letter, nothing.
    let first = session.mailbox_folder(CITIZEN_BOX, "inbox", None).await.unwrap();
    assert_eq!(first.as_array().unwrap().len(), 1, "{first}");
    let delivered_at: DateTime<Utc> = first[0]["deliveries"][0]["delivered_at"].as_str().unwrap().parse().unwrap();
    let after = session.mailbox_folder(CITIZEN_BOX, "inbox", Some((delivered_at, notice))).await.unwrap();
    assert_eq!(after, serde_json::json!([]), "the page after the last letter is empty");
    // They open the notice together (the institution hears it was read) and print its PDF for
    // the customer on the desk's printer (here a script that keeps what it is given).
    let opened = session.open_customer_message(notice).await.unwrap();
    assert_eq!(opened.deliveries[0].state, "read");
    let printed = dir.path().join("printed.pdf");
    let lp = dir.path().join("lp");
    std::fs::write(&lp, format!("#!/bin/sh\ncat > {}\necho request id is desk-1\n", printed.display())).unwrap();
    std::fs::set_permissions(&lp, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    session.set_printer_command(lp);
    let outcome = session.export_customer_attachment(notice, 0, true).await.unwrap();
    assert_eq!(outcome.job.as_deref(), Some("request id is desk-1"));
    assert_eq!(std::fs::read(&printed).unwrap(), notice_pdf, "printed byte for byte");
    // Saved on request (not printed): the one copy on disk, until the sweep.
    let saved = session.export_customer_attachment(notice, 0, false).await.unwrap();
    let saved = saved.pdf.expect("saving names the file");
    assert_eq!(std::fs::read(&saved).unwrap(), notice_pdf);
    assert_eq!(session.export_customer_attachment(notice, 1, true).await.unwrap_err().code, "not_found");
    // The visit's receipt will say so.
    let kinds: Vec<&str> = session.visit().unwrap().actions.iter().map(|a| a.kind).collect();
    for kind in ["consent_given", "mailbox_read", "message_opened", "attachment_printed"] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }

    // The customer takes their card: the consent ends, here and on the server.
    readers.remove("Reader 1");
    assert!(session.consent().await.is_none());
    assert_eq!(session.mailbox_folder(CITIZEN_BOX, "inbox", None).await.unwrap_err().code, "not_found");
    // With a consent to communicate, the clerk writes to the institution in the customer's name.
    let citizen = Holder { given_name: "JĀNIS".into(), surname: "BĒRZIŅŠ".into(), personal_code: CITIZEN.into() };
    readers.insert(
        "Reader 1",
        VirtualCard::new(ca.issue_card(citizen, KeyKind::Rsa2048, issued, None, "4321", "654321").unwrap()),
    );
    let challenge = session.ask_consent("communicate", 15).await.unwrap();
    let id = challenge["id"].as_str().unwrap().parse().unwrap();
    let consent = session.sign_consent(id, "4321").await.unwrap();
    assert_eq!(consent.rights, "communicate");
    let request = device::session::ComposeMessage {
        recipients: vec![VID_BOX.into()],
        subject: "Iesniegums par nodokļa atvieglojumu".into(),
        body: "Lūdzu piemērot atvieglojumu.".into(),
        case_id: None,
        document_ids: vec![],
        files: vec![],
        // The customer answers the institution's notice.
        in_reply_to: Some(notice),
    };
    // A file from the clerk's computer goes with it (uploaded, then named by its digest); a
    // file of a type the e-address does not take is refused before anything is sent.
    use base64::Engine;
    let application = b"%PDF-1.7\n% iesniegums\n%%EOF\n".to_vec();
    let file = |name: &str, content: &[u8]| device::session::ComposeFile {
        name: name.into(),
        content: base64::engine::general_purpose::STANDARD.encode(content),
    };
    let refused = session
        .send_for_customer(device::session::ComposeMessage {
            files: vec![file("programma.exe", b"MZ")],
            ..request.clone()
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code, "message_attachments", "{refused:?}");
    let request = device::session::ComposeMessage {
        files: vec![file("C:\\Lietotāji\\iesniegums.pdf", &application)],
        ..request
    };
    session.send_for_customer(request.clone()).await.unwrap();
    // From the centre's mailbox the same file is queued with the message, offline or not; the
    // recipient is named from the e-address catalogue the desk keeps (once it has it).
    let started = std::time::Instant::now();
    while session.directory("").unwrap().iter().all(|d| d.address != VID_BOX) {
        assert!(started.elapsed() < std::time::Duration::from_secs(30), "the catalogue never arrived");
        session.retry_now().await;
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let queued = session.compose_message(device::session::ComposeMessage { case_id: None, ..request.clone() }).unwrap();
    assert_eq!((queued.state, queued.attachments.as_slice()), ("queued", ["iesniegums.pdf".to_owned()].as_slice()));
    assert_eq!(queued.recipient_names, ["VID"]);
    assert_eq!(session.queued_messages().unwrap().iter().find(|m| m.id == queued.id).unwrap().recipient_names, ["VID"]);
    let unreadable = device::session::ComposeFile { name: "a.pdf".into(), content: "not base64!".into() };
    let refused =
        session.compose_message(device::session::ComposeMessage { files: vec![unreadable], ..request }).unwrap_err();
    assert_eq!(refused.code, "attachment_unreadable");
    let inbox: serde_json::Value = json_of(
        http.get(format!("{}/v1/eaddress/mailboxes/{VID_BOX}/inbox", server.url.trim_end_matches('/')))
            .header("pietura-protocol", "1")
            .header("authorization", &key),
    )
    .await;
    assert_eq!(inbox[0]["sender"], CITIZEN_BOX, "{inbox}");
    assert_eq!(inbox[0]["subject"], "Iesniegums par nodokļa atvieglojumu");
    assert_eq!(inbox.as_array().unwrap().len(), 1, "the refused one was never sent: {inbox}");
    assert_eq!(inbox[0]["attachments"][0]["name"], "iesniegums.pdf", "{inbox}");
    assert_eq!(inbox[0]["in_reply_to"], notice.to_string(), "the answer names the notice it answers");
    let received = http
        .get(format!(
            "{}/v1/eaddress/mailboxes/{VID_BOX}/messages/{}/attachments/0",
            server.url.trim_end_matches('/'),
            inbox[0]["id"].as_str().unwrap()
        ))
        .header("pietura-protocol", "1")
        .header("authorization", &key)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(received.as_ref(), application.as_slice(), "byte for byte");
    session.end_visit();
    session.end_consent().await.unwrap();

    // Issue 12: after the clerk logs out, nothing of the customer is left readable in the
    // desk's folder: not their code (either form), not their name, not a byte pattern of the
    // documents printed, saved or sent (the store is encrypted; printing went through a pipe;
    // the saved copy is swept at logout).
    session.log_out().await;
    assert!(!saved.exists(), "the saved copy is swept at logout");
    let needles: [(&str, &[u8]); 5] = [
        ("the personal code", CITIZEN.as_bytes()),
        ("the code in the e-address", b"32503511782"),
        ("the name", "BĒRZIŅŠ".as_bytes()),
        ("the notice's content", b"% pazinojums"),
        ("the application's content", b"% iesniegums"),
    ];
    let mut files = 0;
    let mut folders = vec![dir.path().join("desk")];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
                continue;
            }
            // The store's journal comes and goes as the sync engine writes.
            let Ok(bytes) = std::fs::read(&path) else { continue };
            files += 1;
            for (what, needle) in needles {
                assert!(!bytes.windows(needle.len()).any(|w| w == needle), "{what} is readable in {}", path.display());
            }
        }
    }
    assert!(files > 0, "the desk's folder was searched");

    let store = server::store::open(&server::store::DatabaseLocation::Sqlite(scenario.db.clone())).await.unwrap();
    let actions: Vec<String> = store.audit_entries(0, 500).await.unwrap().into_iter().map(|e| e.action).collect();
    for action in ["consent_given", "inbox_listed", "consent_ended"] {
        assert!(actions.iter().any(|a| a == action), "{action} in {actions:?}");
    }
    assert!(server::audit::verify(store.as_ref()).await.unwrap().is_ok());
}
