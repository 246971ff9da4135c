//! A message written at a desk with the server away, from a case with a scanned document:
//! queued with the document's content, then, when the server is back, the attachment uploaded
//! and the message sent once; the institution receives it in its mailbox with the digest intact,
//! reads it, and the server records the reading for the desk to show.

use std::sync::Arc;

use device::{
    client::{SyncClient, parse_server_url},
    engine,
    protocol::{DeviceCredentials, MessageEntry},
};
use domain::{
    PersonalCode,
    case::{Actor, CaseDocument, CaseKind},
};
use offline_store::{CaseDraft, DatabaseKey, Store};
use sha2::Digest;
use tests::{
    bin_dir, free_port,
    people::{CLERK, VID, VID_BOX},
    processes::{ServerProcess, demo_server_with_desk},
    real_now as now,
    scenario::Scenario,
};
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_written_offline_with_a_case_document_reaches_the_institution_once_digest_intact() {
    let dir = tempfile::tempdir().unwrap();
    let bin = bin_dir();
    let (db, code) = demo_server_with_desk(&bin, dir.path()).unwrap();
    let scenario = Scenario::in_dir(dir.path());
    let key = scenario.institution(VID, "Valsts ieņēmumu dienests").unwrap();
    scenario.mailbox(VID_BOX, "Valsts ieņēmumu dienests", &["--institution", VID]).unwrap();
    scenario.mailbox("RCV@90011524360", "Rīgas VPVKAC", &["--centre", "Rīgas VPVKAC"]).unwrap();
    scenario.grant(CLERK, "clerk", "Rīgas VPVKAC").unwrap();
    let port = free_port();
    let mut server = scenario.start(port).unwrap();
    let client = SyncClient::new(parse_server_url(&server.url).unwrap()).unwrap();
    let enrolled = client.enroll(&code).await.unwrap();
    let creds = DeviceCredentials { device_id: enrolled.device_id, secret: enrolled.device_secret };
    // The clerk unlocks the desk with their card: the desk's record of it goes with the entries.
    let author = tests::clerk_offline_author(dir.path(), enrolled.device_id).unwrap();
    let origin = offline_store::EntryOrigin { offline: true, author: Some(author.clone()) };
    let proof: Option<protocol::EntryAuthor> = Some(serde_json::from_str(&author).unwrap());
    let local = Arc::new(Store::open(&dir.path().join("local.db"), &DatabaseKey::from_bytes([6; 32])).unwrap());
    let clock = engine::system_clock();
    // The desk keeps the e-address catalogue for writing offline.
    assert_eq!(engine::pull_directory(&client, &local).await.unwrap(), 2);
    assert_eq!(local.directory("ieņēmumu", 5).unwrap()[0].0, VID_BOX);

    // The server goes away; a case is registered, a scan attached, and a message written.
    server.stop();
    let clerk = Actor::Staff { personal_code: PersonalCode::parse(CLERK).unwrap(), offline: true };
    let served = now() - chrono::Duration::minutes(5);
    let case = local
        .register_case(
            CaseDraft {
                kind: CaseKind::Application,
                centre_code: enrolled.centre.code.clone(),
                registered_by: clerk.clone(),
                offline: true,
                author: Some(author.clone()),
                ..CaseDraft::example(enrolled.centre.id, served)
            },
            now(),
        )
        .unwrap();
    let scan = b"%PDF-1.7\n% a scanned application\n1 0 obj << >> endobj\n%%EOF\n".to_vec();
    let sha256 = hex::encode(sha2::Sha256::digest(&scan));
    let document = CaseDocument {
        id: Uuid::now_v7(),
        name: "iesniegums.pdf".into(),
        media_type: "application/pdf".into(),
        size: scan.len() as u64,
        sha256: sha256.clone(),
        added_at: now(),
        actor: clerk,
    };
    local.add_case_document(case.id, document, &scan, origin.clone()).unwrap();
    let message_id = Uuid::now_v7();
    let entry = MessageEntry {
        from: String::new(),
        composed_by: CLERK.into(),
        recipients: vec![VID_BOX.into()],
        subject: format!("{} iesniegums", case.number),
        body: "Klienta iesniegums pielikumā.".into(),
        case_id: Some(case.id),
        case_number: Some(case.number.to_string()),
        attachments: vec![domain::eaddress::AttachmentInfo {
            name: "iesniegums.pdf".into(),
            size: scan.len() as u64,
            sha256: sha256.clone(),
        }],
        in_reply_to: None,
    };
    local
        .queue_message(
            message_id,
            &serde_json::to_value(&entry).unwrap(),
            &[(sha256.clone(), scan.clone())],
            origin,
            now(),
        )
        .unwrap();
    assert!(engine::push_outbox(&client, &creds, &local, &clock).await.is_err(), "nobody answers");

    // Back: the scan is uploaded, the case, its document and the message arrive, once.
    let server = ServerProcess::start(&bin, &db, port).unwrap();
    assert_eq!(engine::push_outbox(&client, &creds, &local, &clock).await.unwrap(), 3);
    assert_eq!(local.outbox_counts().unwrap().poisoned, 0, "{:?}", local.poisoned_outbox().unwrap());
    assert_eq!(local.outbox_file(&sha256).unwrap().map(|(_, uploaded)| uploaded), Some(true));
    assert!(local.queued_messages(5).unwrap()[0].done_at.is_some());
    // The same push again (an answer lost): nothing doubles.
    let again = protocol::OutboxEntryDto {
        id: message_id,
        kind: "message_send".into(),
        payload: serde_json::to_value(&entry).unwrap(),
        offline: true,
        author: proof.clone(),
    };
    let reply = client.push_outbox(&creds, vec![again]).await.unwrap();
    assert_eq!(reply.results[0].outcome, "duplicate");
    // Messages the server cannot send are set aside each with its reason's code, and the rest of
    // the batch goes on.
    let variant = |change: &dyn Fn(&mut MessageEntry)| {
        let mut changed = entry.clone();
        changed.attachments.clear();
        change(&mut changed);
        protocol::OutboxEntryDto {
            id: Uuid::now_v7(),
            kind: "message_send".into(),
            payload: serde_json::to_value(&changed).unwrap(),
            offline: true,
            author: proof.clone(),
        }
    };
    let refused = vec![
        variant(&|m| m.subject = " ".into()),
        variant(&|m| m.recipients = vec!["_DEFAULT@40003000000".into()]),
        variant(&|m| {
            m.attachments =
                vec![domain::eaddress::AttachmentInfo { name: "nav.pdf".into(), size: 3, sha256: "ab".repeat(32) }]
        }),
        variant(&|m| m.in_reply_to = Some(Uuid::now_v7())),
        variant(&|m| m.composed_by = "290156-11605".into()),
        variant(&|m| m.subject = "Labs".into()),
    ];
    let reply = client.push_outbox(&creds, refused).await.unwrap();
    let codes: Vec<Option<&str>> = reply.results.iter().map(|r| r.code.as_deref()).collect();
    assert_eq!(
        codes,
        [
            Some("message_invalid"),
            Some("unknown_recipient"),
            Some("missing_attachment"),
            Some("message_invalid"),
            Some("author_unproven"),
            None
        ],
        "{reply:?}"
    );
    assert_eq!(reply.results[5].outcome, "applied");

    // The desk hears how it stands: delivered.
    let followed = engine::follow_messages(&client, &creds, &local, &clock).await.unwrap();
    assert_eq!((followed.states, followed.unread), (1, 0));
    let states = |local: &Store| {
        let queued = local.queued_messages(5).unwrap();
        let deliveries: Vec<serde_json::Value> =
            serde_json::from_str(queued[0].deliveries.as_deref().unwrap_or("[]")).unwrap();
        deliveries.iter().map(|d| d["state"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
    };
    assert_eq!(states(&local), ["delivered"]);

    // The institution's mailbox has it once, from the centre, with the case number; the scan
    // comes back byte for byte.
    let http = reqwest::Client::new();
    let base = server.url.trim_end_matches('/').to_owned();
    let get = |path: String| {
        let (http, key) = (http.clone(), key.clone());
        async move { http.get(path).header("pietura-protocol", "1").header("authorization", key).send().await.unwrap() }
    };
    let inbox: serde_json::Value =
        get(format!("{base}/v1/eaddress/mailboxes/{VID_BOX}/inbox")).await.json().await.unwrap();
    let inbox = inbox.as_array().unwrap();
    assert_eq!(inbox.len(), 2, "the refused never arrive: {inbox:?}");
    let inbox: Vec<&serde_json::Value> = inbox.iter().filter(|m| m["id"] == message_id.to_string()).collect();
    assert_eq!(inbox[0]["sender"], "RCV@90011524360");
    assert_eq!(inbox[0]["case_number"], case.number.to_string());
    assert_eq!(inbox[0]["deliveries"][0]["state"], "delivered");
    let file = get(format!("{base}/v1/eaddress/mailboxes/{VID_BOX}/messages/{message_id}/attachments/0")).await;
    assert_eq!(file.bytes().await.unwrap().as_ref(), scan.as_slice(), "the digest is intact");
    // The institution reads it: the server records the reading, which the desk's sent view shows.
    let opened: serde_json::Value =
        get(format!("{base}/v1/eaddress/mailboxes/{VID_BOX}/messages/{message_id}")).await.json().await.unwrap();
    assert_eq!(opened["deliveries"][0]["state"], "read");
    let store = server::store::open(&server::store::DatabaseLocation::Sqlite(db.clone())).await.unwrap();
    let (_, deliveries) = store.message(message_id).await.unwrap().unwrap();
    assert!(deliveries[0].read_at.is_some());
    assert_eq!(deliveries[0].read_by.as_deref(), Some(format!("institution:{VID}").as_str()));
    assert!(server::audit::verify(store.as_ref()).await.unwrap().is_ok());
    // The desk hears it was read, and stops asking.
    engine::follow_messages(&client, &creds, &local, &clock).await.unwrap();
    assert_eq!(states(&local), ["read"]);
    assert_eq!(engine::follow_messages(&client, &creds, &local, &clock).await.unwrap().states, 0);

    // The institution answers the centre: the desk hears one message waits unread (a count,
    // nothing of it), and none once a clerk has read it.
    let reply = serde_json::json!({
        "id": uuid::Uuid::now_v7(), "recipients": ["RCV@90011524360"], "subject": "Atbilde",
        "body": "Saņemts.", "in_reply_to": message_id,
    });
    let sent = http
        .post(format!("{base}/v1/eaddress/mailboxes/{VID_BOX}/messages"))
        .header("pietura-protocol", "1")
        .header("authorization", &key)
        .json(&reply)
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), reqwest::StatusCode::CREATED);
    assert_eq!(engine::follow_messages(&client, &creds, &local, &clock).await.unwrap().unread, 1);
    let audit = server::audit::NewAuditEntry::new(now(), "person:x", "message_opened", "RCV@90011524360", "");
    let reply_id = uuid::Uuid::parse_str(reply["id"].as_str().unwrap()).unwrap();
    store.mark_read(reply_id, "RCV@90011524360".into(), "person:x".into(), now(), audit).await.unwrap();
    assert_eq!(engine::follow_messages(&client, &creds, &local, &clock).await.unwrap().unread, 0);

    // A message whose attachment the desk uploaded long ago but the server no longer has (it
    // removes content no message used within a day): refused for it, the desk uploads it again
    // in the same push, and it arrives.
    let letter = b"%PDF-1.7\n% a letter uploaded yesterday\n%%EOF\n".to_vec();
    let letter_sha = hex::encode(sha2::Sha256::digest(&letter));
    let mut later = entry.clone();
    later.subject = "Papildu dokuments".into();
    later.attachments = vec![domain::eaddress::AttachmentInfo {
        name: "pielikums.pdf".into(),
        size: letter.len() as u64,
        sha256: letter_sha.clone(),
    }];
    let later_id = Uuid::now_v7();
    let origin = offline_store::EntryOrigin { offline: true, author: Some(author.clone()) };
    local
        .queue_message(
            later_id,
            &serde_json::to_value(&later).unwrap(),
            &[(letter_sha.clone(), letter.clone())],
            origin,
            now(),
        )
        .unwrap();
    local.outbox_file_uploaded(&letter_sha, now() - chrono::Duration::days(2)).unwrap();
    assert_eq!(engine::push_outbox(&client, &creds, &local, &clock).await.unwrap(), 2, "refused once, then applied");
    assert_eq!(local.outbox_counts().unwrap().poisoned, 0, "{:?}", local.poisoned_outbox().unwrap());
    let file = get(format!("{base}/v1/eaddress/mailboxes/{VID_BOX}/messages/{later_id}/attachments/0")).await;
    assert_eq!(file.bytes().await.unwrap().as_ref(), letter.as_slice());
}
