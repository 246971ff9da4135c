//! Issue 15: a citizen at a kiosk answers an institution's letter with a reply signed with their
//! own card (PIN2). A kiosk only reads mailboxes, so the server sends such a reply only as the
//! signed PDF says — from the signer's own mailbox, to the institution whose letter is in it —
//! and refuses everything else before anything is written.

use domain::{DeviceKind, eaddress::AccountKind};
use protocol::{SIGNED_REPLY_JSON, SignedReply};
use server::store::{Delivery, StoredMessage};
use uuid::Uuid;

use crate::api::{Running, account, card_of, client, enrolled, log_in_card, log_in_with, signed_document};
use crate::people::{CITIZEN, CITIZEN_BOX, CLERK, OTHER_CITIZEN, VID, VID_BOX, now};

/// A letter from the VID to `to`, delivered now; answers its id.
async fn letter(server: &Running, to: &str, sender: &str) -> Uuid {
    let id = Uuid::now_v7();
    let message = StoredMessage {
        id,
        sender: sender.into(),
        sent_by: format!("institution:{VID}"),
        subject: "Lēmums par nodokli".into(),
        body: "Pielikumā lēmums.".into(),
        case_number: Some("RCV-01-26-0007".into()),
        in_reply_to: None,
        attachments: "[]".into(),
        sent_at: now(),
    };
    let delivery = Delivery {
        message_id: id,
        recipient: to.into(),
        delivered_at: now(),
        notified_on: now().date_naive(),
        read_at: None,
        read_by: None,
        deleted_at: None,
    };
    let audit = server::audit::NewAuditEntry::new(now(), "institution:x", "message_sent", sender, "");
    server.store.send_message(message, vec![delivery], audit).await.unwrap();
    id
}

fn reply_to(letter: Uuid) -> SignedReply {
    SignedReply {
        id: Uuid::now_v7(),
        in_reply_to: letter,
        from: CITIZEN_BOX.into(),
        to: VID_BOX.into(),
        subject: "Re: Lēmums par nodokli".into(),
        body: "Lūdzu pārskatīt lēmumu: īpašums pārdots 2025. gada martā.".into(),
        signed_at: protocol::application_time(now()),
    }
}

on_both_backends!(server: a_citizen_signs_a_reply_at_the_kiosk_and_only_their_own_reply_is_sent);

async fn a_citizen_signs_a_reply_at_the_kiosk_and_only_their_own_reply_is_sent(server: Running) {
    use base64::Engine;
    let store = server.store.as_ref();
    server::devices::add_centre(store, "Rīgas VPVKAC", "Rīga", Some("RCV"), now()).await.unwrap();
    server::institutions::add_institution(store, VID, "Valsts ieņēmumu dienests", false, now()).await.unwrap();
    store.put_account(account(VID_BOX, AccountKind::Institution, Some(VID), None)).await.unwrap();
    store.put_account(account(CITIZEN_BOX, AccountKind::Natural, None, None)).await.unwrap();
    store.put_account(account("_PRIVATE@29015611605", AccountKind::Natural, None, None)).await.unwrap();
    let kiosk = enrolled(&server, "Rīgas VPVKAC", DeviceKind::Kiosk, "Kiosks 1").await;
    let mut card = card_of(&server, CITIZEN);
    let session = log_in_with(&server, &kiosk, &mut card).await;
    let to_citizen = letter(&server, CITIZEN_BOX, VID_BOX).await;
    let to_someone_else = letter(&server, "_PRIVATE@29015611605", VID_BOX).await;
    let from_a_person = letter(&server, CITIZEN_BOX, "_PRIVATE@29015611605").await;
    let http = client(&server.url);
    let post = |creds: protocol::DeviceCredentials, token: String, pdf: Vec<u8>| {
        let http = http.clone();
        async move {
            let body = protocol::SignedReplyRequest { pdf: base64::engine::general_purpose::STANDARD.encode(pdf) };
            http.send_as_person::<_, protocol::MessageDto>(
                reqwest::Method::POST,
                &creds,
                &token,
                protocol::SIGNED_REPLIES_PATH,
                Some(&body),
            )
            .await
        }
    };
    let refused = |result: Result<protocol::MessageDto, device::client::ClientError>| match result {
        Err(device::client::ClientError::Rejected { status, code, .. }) => (status, code),
        other => panic!("expected a refusal, got {other:?}"),
    };
    let sign = |card: &mut eid::EidCard<eid::virtual_card::VirtualCard>, reply: &SignedReply| {
        signed_document(card, (SIGNED_REPLY_JSON, &reply.to_bytes()), false)
    };

    // Not signed; signed by another person's card; a reply from someone else's mailbox; to a
    // letter not in theirs; to a person's message; with a login certificate.
    let unsigned = print::render(&print::application(&print::Application::sample(domain::Language::Lv))).unwrap();
    assert_eq!(refused(post(kiosk.clone(), session.clone(), unsigned).await), (422, "signature_invalid".into()));
    let mut other = card_of(&server, OTHER_CITIZEN);
    let by_other = sign(&mut other, &reply_to(to_citizen));
    assert_eq!(refused(post(kiosk.clone(), session.clone(), by_other).await), (422, "signer_not_owner".into()));
    let from_other_box = SignedReply { from: "_PRIVATE@29015611605".into(), ..reply_to(to_someone_else) };
    let pdf = sign(&mut card, &from_other_box);
    assert_eq!(refused(post(kiosk.clone(), session.clone(), pdf).await), (422, "signer_not_owner".into()));
    let pdf = sign(&mut card, &reply_to(to_someone_else));
    assert_eq!(refused(post(kiosk.clone(), session.clone(), pdf).await), (422, "validation".into()));
    let pdf = sign(&mut card, &SignedReply { to: "_PRIVATE@29015611605".into(), ..reply_to(from_a_person) });
    assert_eq!(refused(post(kiosk.clone(), session.clone(), pdf).await), (422, "validation".into()));
    let pdf = signed_document(&mut card, (SIGNED_REPLY_JSON, &reply_to(to_citizen).to_bytes()), true);
    assert_eq!(refused(post(kiosk.clone(), session.clone(), pdf).await), (422, "signature_untrusted".into()));
    // A clerk at a desk with the citizen's signed reply: the route is the kiosk's.
    let desk = enrolled(&server, "Rīgas VPVKAC", DeviceKind::Desk, "Galds 1").await;
    let clerk = log_in_card(&server, &desk, CLERK, Some(domain::Role::Clerk)).await;
    let good_reply = reply_to(to_citizen);
    let good = sign(&mut card, &good_reply);
    assert_eq!(refused(post(desk, clerk, good.clone()).await), (403, "forbidden".into()));
    assert!(store.inbox(VID_BOX.into(), None, 10).await.unwrap().is_empty(), "nothing was sent");

    // Their own signed reply: sent from their mailbox to the VID, with the signed PDF, in answer
    // to the letter and with its case number; the same reply again sends nothing new.
    let sent = post(kiosk.clone(), session.clone(), good.clone()).await.unwrap();
    assert_eq!(
        (sent.id, sent.sender.as_str(), sent.subject.as_str()),
        (good_reply.id, CITIZEN_BOX, "Re: Lēmums par nodokli")
    );
    assert_eq!(sent.case_number.as_deref(), Some("RCV-01-26-0007"));
    let again = post(kiosk.clone(), session.clone(), good.clone()).await.unwrap();
    assert_eq!(again.id, sent.id);
    let inbox = store.inbox(VID_BOX.into(), None, 10).await.unwrap();
    assert_eq!(inbox.len(), 1);
    assert_eq!((inbox[0].0.body.as_str(), inbox[0].0.in_reply_to), (good_reply.body.as_str(), Some(to_citizen)));
    let attachments: Vec<domain::eaddress::AttachmentInfo> = serde_json::from_str(&inbox[0].0.attachments).unwrap();
    assert_eq!(attachments[0].name, protocol::SIGNED_REPLY_PDF);
    assert_eq!(attachments[0].sha256, hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&good)));
}
