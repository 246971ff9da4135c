//! Who may act through a device's outbox (issue 12, item 1). The outbox used to take a message's
//! `from` and `composed_by`, and a case's actors, from the payload, from any device: a kiosk
//! could send in any citizen's name. Now only desks push; every entry proves its author (the
//! person's session on that desk, or the desk's record of the card unlock offline); the author
//! must be staff at the desk's centre when the entry arrives and must be the person the payload
//! names; a message goes only from the centre's mailbox or a consenting citizen's; a case's
//! holder is the catalogue's. Each refusal below was an `applied` before.

use chrono::{DateTime, Utc};
use domain::{
    DeviceKind, PersonalCode, Role,
    case::{Actor, Case, CaseKind, CaseNumber, NewCase, customer_from_code},
    catalogue::ChannelKind,
    eaddress::AccountKind,
};
use eid::apdu::{PIN_MIN_LENGTH, Pin};
use protocol::{DeviceCredentials, EntryAuthor, OutboxEntryDto, PROTOCOL_HEADER};
use reqwest::StatusCode;
use server::{devices, institutions};
use uuid::Uuid;

use crate::api::{Running, account, author_of, card_of, client, enrolled, log_in_card};
use crate::people::{
    CENTRE_BOX, CITIZEN, CITIZEN_BOX, CLERK, CLERK_BOX, COLLEAGUE, COMPANY_BOX, DOGS, LDC, VID, VID_BOX, now,
};

/// A message entry as a desk queues it.
fn message(from: &str, composed_by: &str, author: Option<EntryAuthor>) -> OutboxEntryDto {
    OutboxEntryDto {
        id: Uuid::now_v7(),
        kind: "message_send".into(),
        payload: serde_json::json!({
            "from": from, "composed_by": composed_by, "recipients": [VID_BOX],
            "subject": "Iesniegums", "body": "Teksts",
        }),
        offline: false,
        author,
    }
}

/// Pushes the entries; answers the HTTP status and, for 200, each entry's (outcome, code).
async fn push(
    server: &Running,
    creds: &DeviceCredentials,
    entries: Vec<OutboxEntryDto>,
) -> (StatusCode, Vec<(String, String)>) {
    let response = reqwest::Client::new()
        .post(format!("{}v1/sync/outbox", server.url))
        .header(PROTOCOL_HEADER, "1")
        .header("authorization", creds.authorization_header())
        .json(&serde_json::json!({ "entries": entries }))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: serde_json::Value = response.json().await.unwrap();
    let results = body["results"]
        .as_array()
        .map(|results| {
            results
                .iter()
                .map(|r| (r["outcome"].as_str().unwrap().to_owned(), r["code"].as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default();
    (status, results)
}

fn one(outcome: &str, code: &str) -> Vec<(String, String)> {
    vec![(outcome.to_owned(), code.to_owned())]
}

/// The desk's record of an offline unlock by `code`'s card on the device `device_id`.
fn offline_unlock(server: &Running, code: &str, device_id: Uuid, at: DateTime<Utc>, salt: &str) -> EntryAuthor {
    let mut card = card_of(server, code);
    let nonce = protocol::offline_unlock_nonce(device_id, at, salt);
    let pin = Pin::new("1234", PIN_MIN_LENGTH).unwrap();
    let token = card.sign_login(&pin, protocol::OFFLINE_UNLOCK_ORIGIN, &nonce, "test").unwrap();
    EntryAuthor::OfflineUnlock { token: token.to_json(), unlocked_at: at, salt: salt.into() }
}

async fn messages_sent_to_vid(server: &Running) -> Vec<(String, String)> {
    let messages = server.store.inbox(VID_BOX.into(), None, 100).await.unwrap();
    messages.into_iter().map(|(m, _)| (m.sender, m.subject)).collect()
}

on_both_backends!(server: only_proven_staff_act_through_a_desks_outbox);

async fn only_proven_staff_act_through_a_desks_outbox(server: Running) {
    let store = server.store.as_ref();
    let riga = devices::add_centre(store, "Rīgas VPVKAC", "Rīga", Some("RCV"), now()).await.unwrap();
    devices::add_centre(store, "Cēsu VPVKAC", "Cēsis", Some("CES"), now()).await.unwrap();
    institutions::add_institution(store, VID, "Valsts ieņēmumu dienests", false, now()).await.unwrap();
    store.put_account(account(VID_BOX, AccountKind::Institution, Some(VID), None)).await.unwrap();
    store.put_account(account(CENTRE_BOX, AccountKind::Institution, None, Some(riga.id))).await.unwrap();
    store.put_account(account(CLERK_BOX, AccountKind::Natural, None, None)).await.unwrap();
    store.put_account(account(CITIZEN_BOX, AccountKind::Natural, None, None)).await.unwrap();
    store.put_account(account(COMPANY_BOX, AccountKind::Legal, None, None)).await.unwrap();
    // The clerk also represents a company: a desk's outbox must not reach its mailbox either.
    server::eaddress::record_representative(store, COMPANY_BOX, CLERK, "UR 2026-12-01", now()).await.unwrap();
    let desk = enrolled(&server, "Rīgas VPVKAC", DeviceKind::Desk, "Galds 1").await;
    let other_desk = enrolled(&server, "Rīgas VPVKAC", DeviceKind::Desk, "Galds 2").await;
    let cesis_desk = enrolled(&server, "Cēsu VPVKAC", DeviceKind::Desk, "Cēsis 1").await;
    let kiosk = enrolled(&server, "Rīgas VPVKAC", DeviceKind::Kiosk, "Kiosks 1").await;
    let clerk = log_in_card(&server, &desk, CLERK, Some(Role::Clerk)).await;
    let colleague = log_in_card(&server, &other_desk, COLLEAGUE, Some(Role::Clerk)).await;
    let citizen = log_in_card(&server, &kiosk, CITIZEN, None).await;

    // A kiosk pushes nothing, even with the citizen's own session: it was the way to send in
    // anyone's name.
    let (status, _) = push(&server, &kiosk, vec![message(CITIZEN_BOX, CITIZEN, Some(author_of(&citizen)))]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = push(&server, &kiosk, vec![message("", CLERK, Some(author_of(&clerk)))]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // A desk's entry without a proof of its author is refused, whoever it names.
    assert_eq!(
        push(&server, &desk, vec![message("", CLERK, None)]).await,
        (StatusCode::OK, one("rejected", "author_unproven"))
    );
    // The proof's person must be the one the payload names.
    assert_eq!(
        push(&server, &desk, vec![message("", COLLEAGUE, Some(author_of(&clerk)))]).await,
        (StatusCode::OK, one("rejected", "author_unproven"))
    );
    // A session is proof only on the device it was opened on: not at a colleague's desk, not
    // at another centre's.
    assert_eq!(
        push(&server, &other_desk, vec![message("", CLERK, Some(author_of(&clerk)))]).await,
        (StatusCode::OK, one("rejected", "author_unproven"))
    );
    assert_eq!(
        push(&server, &cesis_desk, vec![message("", CLERK, Some(author_of(&clerk)))]).await,
        (StatusCode::OK, one("rejected", "author_unproven"))
    );
    assert_eq!(
        push(&server, &desk, vec![message("", COLLEAGUE, Some(author_of(&colleague)))]).await,
        (StatusCode::OK, one("rejected", "author_unproven"))
    );
    // A session of this desk from long ago proves nothing any more.
    let old_token = "s.from-long-ago";
    store
        .add_session(server::store::UserSession {
            token_hash: protocol::session_token_hash(old_token),
            device_id: desk.device_id,
            personal_code: CLERK.into(),
            given_name: "ILZE".into(),
            surname: "OZOLIŅA".into(),
            roles: vec![Role::Clerk],
            issued_at: now() - chrono::Duration::days(100),
            expires_at: now() - chrono::Duration::days(100) + chrono::Duration::hours(10),
            ended_at: None,
        })
        .await
        .unwrap();
    assert_eq!(
        push(&server, &desk, vec![message("", CLERK, Some(author_of(old_token)))]).await,
        (StatusCode::OK, one("rejected", "author_unproven"))
    );
    // A made-up session reference proves nothing either.
    let made_up = EntryAuthor::Session { session: "ab".repeat(32) };
    assert_eq!(
        push(&server, &desk, vec![message("", CLERK, Some(made_up))]).await,
        (StatusCode::OK, one("rejected", "author_unproven"))
    );

    // Proven, the clerk still cannot use the outbox for their own mailbox, a company's they
    // represent, or a citizen's without that citizen's consent at this desk.
    for from in [CLERK_BOX, COMPANY_BOX, CITIZEN_BOX] {
        assert_eq!(
            push(&server, &desk, vec![message(from, CLERK, Some(author_of(&clerk)))]).await,
            (StatusCode::OK, one("rejected", "not_allowed")),
            "from {from}"
        );
    }
    assert!(messages_sent_to_vid(&server).await.is_empty(), "nothing went out so far");

    // The centre's mailbox, by its proven clerk: sent, once.
    let sent = message("", CLERK, Some(author_of(&clerk)));
    assert_eq!(push(&server, &desk, vec![sent.clone()]).await, (StatusCode::OK, one("applied", "")));
    assert_eq!(push(&server, &desk, vec![sent]).await, (StatusCode::OK, one("duplicate", "")));
    assert_eq!(messages_sent_to_vid(&server).await, [(CENTRE_BOX.to_owned(), "Iesniegums".to_owned())]);
    // The session ended (the clerk logged out before the desk could push): still the proof of
    // what was done in it.
    client(&server.url).log_out(&desk, &clerk).await.unwrap();
    assert_eq!(
        push(&server, &desk, vec![message("", CLERK, Some(author_of(&clerk)))]).await,
        (StatusCode::OK, one("applied", ""))
    );

    // Offline: the desk's record of the card unlock proves the clerk, on this desk only, and
    // only as signed.
    let unlocked_at = now() - chrono::Duration::hours(2);
    let salt = "5a".repeat(32);
    let unlock = offline_unlock(&server, CLERK, desk.device_id, unlocked_at, &salt);
    let mut offline = message("", CLERK, Some(unlock.clone()));
    offline.offline = true;
    assert_eq!(push(&server, &desk, vec![offline]).await, (StatusCode::OK, one("applied", "")));
    assert_eq!(
        push(&server, &other_desk, vec![message("", CLERK, Some(unlock.clone()))]).await,
        (StatusCode::OK, one("rejected", "author_unproven")),
        "another desk's record"
    );
    let EntryAuthor::OfflineUnlock { token, .. } = &unlock else { unreachable!() };
    let moved = EntryAuthor::OfflineUnlock {
        token: token.clone(),
        unlocked_at: unlocked_at + chrono::Duration::seconds(1),
        salt: salt.clone(),
    };
    assert_eq!(
        push(&server, &desk, vec![message("", CLERK, Some(moved))]).await,
        (StatusCode::OK, one("rejected", "author_unproven")),
        "the record's time is signed"
    );
    let long_ago = offline_unlock(&server, CLERK, desk.device_id, now() - chrono::Duration::days(91), &salt);
    assert_eq!(
        push(&server, &desk, vec![message("", CLERK, Some(long_ago))]).await,
        (StatusCode::OK, one("rejected", "author_unproven"))
    );
    // A card that really unlocked the desk but whose holder is no staff here (a citizen's card,
    // or a card of another centre's clerk) is refused too.
    let citizens_unlock = offline_unlock(&server, CITIZEN, desk.device_id, unlocked_at, &salt);
    assert_eq!(
        push(&server, &desk, vec![message("", CITIZEN, Some(citizens_unlock))]).await,
        (StatusCode::OK, one("rejected", "not_staff"))
    );

    // Cases: a proven clerk registers; the holder is the catalogue's, whatever the desk said;
    // a case naming another registrar than the proven author is refused.
    crate::api::import_demo(&server).await;
    let case = |n: u32, registrar: &str| {
        let served = now() - chrono::Duration::minutes(5);
        Case::register(NewCase {
            id: Uuid::now_v7(),
            number: CaseNumber::new("RCV", 1, chrono::Datelike::year(&served), n).unwrap(),
            service_id: DOGS.into(),
            kind: CaseKind::Application,
            channel: ChannelKind::VpvkacInPerson,
            customer: customer_from_code("290156-11605", "Oskars Kalns").unwrap(),
            holder_institution: VID.into(),
            provider_institution: Some(VID.into()),
            centre_id: riga.id,
            arrived_at: served,
            served_at: served,
            registered_at: served,
            registered_by: Actor::Staff { personal_code: PersonalCode::parse(registrar).unwrap(), offline: false },
            note: String::new(),
        })
        .unwrap()
    };
    let entry = |case: &Case, author: EntryAuthor| OutboxEntryDto {
        id: case.id,
        kind: "case_registered".into(),
        payload: serde_json::to_value(case).unwrap(),
        offline: false,
        author: Some(author),
    };
    let honest = case(1, CLERK);
    let forged = case(2, COLLEAGUE);
    let (_, results) = push(&server, &desk, vec![entry(&honest, unlock.clone()), entry(&forged, unlock.clone())]).await;
    assert_eq!(results, [("applied".to_owned(), String::new()), ("rejected".to_owned(), "author_unproven".to_owned())]);
    let stored = server.store.case(honest.id).await.unwrap().unwrap();
    assert_eq!(
        (stored.holder_institution.as_str(), stored.provider_institution),
        (LDC, None),
        "the catalogue's holder"
    );
    assert!(server.store.case(forged.id).await.unwrap().is_none());

    // A role revoked: what the person's session or unlock made is refused from then on.
    server::login::revoke(store, CLERK, Role::Clerk, "Rīgas VPVKAC", now()).await.unwrap();
    assert_eq!(
        push(&server, &desk, vec![message("", CLERK, Some(unlock))]).await,
        (StatusCode::OK, one("rejected", "not_staff"))
    );
    assert_eq!(messages_sent_to_vid(&server).await.len(), 3, "the three proven messages, nothing else");
    // The unlock reached the audit log once, however many pushes it came with.
    let nonce = protocol::offline_unlock_nonce(desk.device_id, unlocked_at, &salt);
    let reported = server.store.audit_entries_about(format!("offline-unlock:{nonce}"), None, 10).await.unwrap();
    assert_eq!(reported.len(), 1, "{reported:?}");
    assert_eq!((reported[0].action.as_str(), reported[0].actor.as_str()), ("offline_unlock", "person:161175-19997"));
}
