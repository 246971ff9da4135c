//! The case registry over a real socket: a desk pushes a case; the institution that holds it
//! looks it up and moves it on with its API key (others cannot see it); a desk's late change
//! becomes a note; the desk's case feed and the institution's change feed carry every write;
//! rejected entries say why with a code.

use domain::{
    PersonalCode,
    case::{Actor, Case, CaseKind, CaseNumber, CaseStatus, NewCase, StatusChange, customer_from_code},
    catalogue::ChannelKind,
};
use protocol::{CasePage, CaseRecordDto, DeviceCredentials, EntryAuthor, ErrorBody, OutboxEntryDto, PROTOCOL_HEADER};
use reqwest::StatusCode;
use server::institutions;
use uuid::Uuid;

use crate::api::{add_desk, author_of, clerk_session, client, import_demo, start};
use crate::people::{DOGS, LDC, VID, now};

async fn key_for(server: &crate::api::Running, institution: &str, name: &str) -> String {
    let store = server.store.as_ref();
    institutions::add_institution(store, institution, name, false, now()).await.unwrap();
    format!("ApiKey {}", institutions::issue_key(store, institution, now()).await.unwrap())
}

fn clerk() -> Actor {
    Actor::Staff { personal_code: PersonalCode::parse("161175-19997").unwrap(), offline: false }
}

fn status_entry(case: &Case, from: CaseStatus, to: CaseStatus, note: &str) -> OutboxEntryDto {
    let change = StatusChange { status: to, at: now(), actor: clerk(), note: note.into() };
    OutboxEntryDto {
        id: Uuid::now_v7(),
        kind: "case_status".into(),
        payload: serde_json::json!({ "case_id": case.id, "change": change, "from": from }),
        offline: false,
        author: None,
    }
}

/// The entries as made in the session `author` proves.
fn by(author: &EntryAuthor, entries: Vec<OutboxEntryDto>) -> Vec<OutboxEntryDto> {
    entries.into_iter().map(|entry| OutboxEntryDto { author: Some(author.clone()), ..entry }).collect()
}

#[tokio::test]
async fn institutions_move_their_cases_on_and_desks_hear_of_it_through_the_feed() {
    let server = start().await;
    import_demo(&server).await;
    let ldc = key_for(&server, LDC, "Lauksaimniecības datu centrs").await;
    let vid = key_for(&server, VID, "Valsts ieņēmumu dienests").await;
    let desk = client(&server.url);
    let enrolled = desk.enroll(&add_desk(server.store.as_ref(), "Galds 1").await).await.unwrap();
    let creds = DeviceCredentials { device_id: enrolled.device_id, secret: enrolled.device_secret };
    let author = author_of(&clerk_session(&server, &creds).await);
    let served = now() - chrono::Duration::minutes(5);
    let case = Case::register(NewCase {
        id: Uuid::now_v7(),
        number: CaseNumber::new(&enrolled.centre.code, 1, chrono::Datelike::year(&served), 1).unwrap(),
        service_id: DOGS.into(),
        kind: CaseKind::Application,
        channel: ChannelKind::VpvkacInPerson,
        customer: customer_from_code("290156-11605", "Oskars Kalns").unwrap(),
        holder_institution: LDC.into(),
        provider_institution: None,
        centre_id: enrolled.centre.id,
        arrived_at: served,
        served_at: served,
        registered_at: served,
        registered_by: clerk(),
        note: String::new(),
    })
    .unwrap();
    let registered = OutboxEntryDto {
        id: case.id,
        kind: "case_registered".into(),
        payload: serde_json::to_value(&case).unwrap(),
        offline: false,
        author: None,
    };
    let submitted = status_entry(&case, CaseStatus::Registered, CaseStatus::Submitted, "Iesniegts LDC");
    // A case whose times are out of order (served before the customer arrived) is set aside.
    let mut disordered = case.clone();
    disordered.id = Uuid::now_v7();
    disordered.number = CaseNumber::new(&enrolled.centre.code, 1, chrono::Datelike::year(&served), 2).unwrap();
    disordered.arrived_at = served + chrono::Duration::minutes(1);
    let disordered = OutboxEntryDto {
        id: disordered.id,
        kind: "case_registered".into(),
        payload: serde_json::to_value(&disordered).unwrap(),
        offline: false,
        author: None,
    };
    let reply = desk.push_outbox(&creds, by(&author, vec![registered, submitted, disordered])).await.unwrap();
    assert!(reply.results[..2].iter().all(|r| r.outcome == "applied"), "{reply:?}");
    assert_eq!(
        (reply.results[2].outcome.as_str(), reply.results[2].code.as_deref()),
        ("rejected", Some("case_rules")),
        "{reply:?}"
    );

    let http = reqwest::Client::new();
    let number = case.number.to_string();
    let get = |key: Option<&str>, number: &str| {
        let mut request = http.get(format!("{}v1/cases/{number}", server.url)).header(PROTOCOL_HEADER, "1");
        if let Some(key) = key {
            request = request.header("authorization", key);
        }
        request.send()
    };
    // The holder sees it (the number may be typed loosely); another institution and no key do not.
    let seen: CaseRecordDto =
        get(Some(&ldc), &number.to_lowercase().replace('-', " ")).await.unwrap().json().await.unwrap();
    assert_eq!((seen.case.id, seen.case.status()), (case.id, CaseStatus::Submitted));
    assert_eq!(get(Some(&vid), &number).await.unwrap().status(), StatusCode::NOT_FOUND);
    assert_eq!(get(None, &number).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    assert_eq!(get(Some(&ldc), "RCV-99-26-0001").await.unwrap().status(), StatusCode::NOT_FOUND);

    let change = |key: &str, body: serde_json::Value| {
        http.post(format!("{}v1/cases/{number}/status", server.url))
            .header(PROTOCOL_HEADER, "1")
            .header("authorization", key.to_owned())
            .json(&body)
            .send()
    };
    let in_progress = serde_json::json!({ "status": "in_progress", "expected_status": "submitted", "note": "Izskata" });
    assert_eq!(change(&vid, in_progress.clone()).await.unwrap().status(), StatusCode::NOT_FOUND);
    let moved: CaseRecordDto = change(&ldc, in_progress.clone()).await.unwrap().json().await.unwrap();
    assert_eq!(moved.case.status(), CaseStatus::InProgress);
    assert_eq!(moved.case.history.last().unwrap().actor, Actor::Institution { id: LDC.into() });
    // Sent again after a lost answer: the same case, not a second step.
    let repeated: CaseRecordDto = change(&ldc, in_progress).await.unwrap().json().await.unwrap();
    assert_eq!(repeated.case.history.len(), moved.case.history.len());
    assert_eq!(repeated.seq, moved.seq, "nothing was written");
    // Stale and impossible changes are refused for what they are.
    let stale = change(&ldc, serde_json::json!({ "status": "decided", "expected_status": "submitted" })).await.unwrap();
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    assert_eq!(stale.json::<ErrorBody>().await.unwrap().field.as_deref(), Some("expected_status"));
    let impossible =
        change(&ldc, serde_json::json!({ "status": "submitted", "expected_status": "in_progress" })).await.unwrap();
    assert_eq!(impossible.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let unknown_field =
        change(&ldc, serde_json::json!({ "status": "decided", "expected_status": "in_progress", "x": 1 }))
            .await
            .unwrap();
    assert_eq!(unknown_field.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // The desk, which saw "submitted", cancels late: the institution's status stands and the
    // clerk's words are kept as a note. A note of its own arrives too.
    let late = status_entry(&case, CaseStatus::Submitted, CaseStatus::Cancelled, "Klients atsauca");
    let note = OutboxEntryDto {
        id: Uuid::now_v7(),
        kind: "case_note".into(),
        payload: serde_json::json!({ "case_id": case.id, "note": {
            "id": Uuid::now_v7(), "at": now(), "actor": clerk(), "text": "Atnesa izziņu" } }),
        offline: false,
        author: None,
    };
    let no_case =
        status_entry(&Case { id: Uuid::now_v7(), ..case.clone() }, CaseStatus::Registered, CaseStatus::Submitted, "");
    let document = |id: Uuid, media_type: &str| OutboxEntryDto {
        id,
        kind: "case_document".into(),
        payload: serde_json::json!({ "case_id": case.id, "document": {
            "id": id, "name": "izziņa.pdf", "media_type": media_type, "size": 2048,
            "sha256": "ab".repeat(32), "added_at": now(), "actor": clerk() } }),
        offline: false,
        author: None,
    };
    let reply = desk
        .push_outbox(
            &creds,
            by(
                &author,
                vec![
                    late,
                    note,
                    no_case,
                    document(Uuid::now_v7(), "application/pdf"),
                    document(Uuid::now_v7(), "text/html"),
                ],
            ),
        )
        .await
        .unwrap();
    let outcomes: Vec<(&str, Option<&str>)> =
        reply.results.iter().map(|r| (r.outcome.as_str(), r.code.as_deref())).collect();
    assert_eq!(
        outcomes,
        [
            ("applied", None),
            ("applied", None),
            ("rejected", Some("unknown_case")),
            ("applied", None),
            ("rejected", Some("case_rules"))
        ]
    );

    // The desk's feed has the case as it stands now; after the head it is empty.
    let page: CasePage = desk.case_page(&creds, 0, 100).await.unwrap();
    assert_eq!(page.cases.len(), 1);
    let now_stored = &page.cases[0].case;
    assert_eq!(now_stored.status(), CaseStatus::InProgress);
    let texts: Vec<(&str, Option<CaseStatus>)> =
        now_stored.notes.iter().map(|n| (n.text.as_str(), n.intended_status)).collect();
    assert_eq!(texts, [("Klients atsauca", Some(CaseStatus::Cancelled)), ("Atnesa izziņu", None)]);
    assert_eq!(now_stored.documents.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(), ["izziņa.pdf"]);
    assert!(desk.case_page(&creds, page.head, 100).await.unwrap().cases.is_empty());

    // The institution's change feed: its own cases only.
    let feed = |key: String| {
        let http = http.clone();
        let url = format!("{}v1/institution/cases?after=0", server.url);
        async move { http.get(url).header(PROTOCOL_HEADER, "1").header("authorization", key).send().await.unwrap() }
    };
    let ldc_page: CasePage = feed(ldc.clone()).await.json().await.unwrap();
    assert_eq!(ldc_page.cases.iter().map(|c| c.case.id).collect::<Vec<_>>(), [case.id]);
    let vid_page: CasePage = feed(vid.clone()).await.json().await.unwrap();
    assert!(vid_page.cases.is_empty());
    let bad = http
        .get(format!("{}v1/institution/cases?after=-1", server.url))
        .header(PROTOCOL_HEADER, "1")
        .header("authorization", ldc.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Every institution read and change is in the audit log, with who and which case.
    let audit = server.store.audit_entries(0, 10_000).await.unwrap();
    for action in ["case_read", "case_status", "case_feed_read"] {
        let entry = audit.iter().find(|e| e.action == action).unwrap_or_else(|| panic!("{action} in {audit:?}"));
        assert_eq!(entry.actor, format!("institution:{LDC}"));
        assert!(entry.subject.contains(&number), "{entry:?}");
    }
    assert!(
        matches!(server::audit::verify(server.store.as_ref()).await.unwrap(), Ok(v) if v.entries == audit.len() as i64)
    );
}

on_both_backends!(server: institutions_register_cases_of_their_own_channels);

/// An institution's own channels (phone, post …): registered through its API key, numbered like
/// a centre's cases, idempotent by its own id, refused by the same rules, and counted in the
/// statistics by channel.
async fn institutions_register_cases_of_their_own_channels(server: crate::api::Running) {
    import_demo(&server).await;
    let ldc = key_for(&server, LDC, "Lauksaimniecības datu centrs").await;
    let vid = key_for(&server, VID, "Valsts ieņēmumu dienests").await;
    let http = reqwest::Client::new();
    let url = format!("{}v1/cases", server.url);
    let post = |key: &str, body: serde_json::Value| {
        http.post(&url).header(PROTOCOL_HEADER, "1").header("authorization", key).json(&body).send()
    };
    let served = now() - chrono::Duration::minutes(20);
    let phone = |own_id: &str| {
        serde_json::json!({
            "own_id": own_id,
            "service_id": DOGS,
            "kind": "consultation",
            "channel": "phone",
            "served_at": served,
            "customer": { "code": "161175-19997", "name": "Oskars Kalns" }
        })
    };
    // Without a case code there is no number to give: the answer says whom to ask.
    let refused = post(&ldc, phone("ldc-1")).await.unwrap();
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    assert!(refused.json::<ErrorBody>().await.unwrap().message.contains("institution case-code"));
    let store = server.store.as_ref();
    let centre_code = add_desk(store, "Galds 1").await;
    let centre = store.list_centres().await.unwrap().remove(0).code;
    assert!(institutions::set_case_code(store, LDC, &centre).await.is_err(), "a centre's code is taken");
    assert!(institutions::set_case_code(store, LDC, "ldc?").await.is_err());
    assert_eq!(institutions::set_case_code(store, LDC, "LDC").await.unwrap(), "LDC");
    assert!(institutions::set_case_code(store, VID, "LDC").await.is_err(), "another institution's code");
    let _ = centre_code;

    let year = chrono::Datelike::year(&now()) % 100;
    let first = post(&ldc, phone("ldc-1")).await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: protocol::InstitutionCaseRecord = first.json().await.unwrap();
    assert_eq!(first.number, format!("LDC-02-{year:02}-0001"), "the phone is channel 2");
    assert_eq!((first.channel.as_str(), first.kind.as_str()), ("phone", "consultation"));
    // Sent again (a retry after a lost answer): the same case, not a second one.
    let again = post(&ldc, phone("ldc-1")).await.unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(again.json::<protocol::InstitutionCaseRecord>().await.unwrap(), first);
    // The same own id for another case is a mistake, said so.
    let mut other = phone("ldc-1");
    other["channel"] = "post".into();
    let clash = post(&ldc, other).await.unwrap();
    assert_eq!(clash.status(), StatusCode::CONFLICT);
    assert_eq!(clash.json::<ErrorBody>().await.unwrap().field.as_deref(), Some("own_id"));
    let second: protocol::InstitutionCaseRecord = post(&ldc, phone("ldc-2")).await.unwrap().json().await.unwrap();
    assert_eq!(second.number, format!("LDC-02-{year:02}-0002"));
    let mut by_post = phone("ldc-3");
    by_post["channel"] = "post".into();
    by_post["kind"] = "application".into();
    by_post.as_object_mut().unwrap().remove("customer");
    let letter: protocol::InstitutionCaseRecord = post(&ldc, by_post).await.unwrap().json().await.unwrap();
    assert_eq!(letter.number, format!("LDC-03-{year:02}-0001"), "each channel numbers its own");

    // The same rules as at a desk.
    let refusals = [
        ("channel", serde_json::json!("vpvkac_in_person")),
        ("served_at", serde_json::json!(now() + chrono::Duration::hours(2))),
        ("customer", serde_json::json!({ "code": "161175-19998", "name": "X" })),
        ("service_id", serde_json::json!("https://pietura.lv/id/service/nope")),
        ("own_id", serde_json::json!("")),
    ];
    for (field, value) in refusals {
        let mut body = phone("ldc-x");
        body[field] = value;
        let answer = post(&ldc, body).await.unwrap();
        assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        let error = answer.json::<ErrorBody>().await.unwrap();
        assert!(error.field.as_deref().is_some_and(|f| f.starts_with(field)), "{field}: {error:?}");
    }
    let unknown_field = post(&ldc, serde_json::json!({ "own_id": "z", "holder": VID })).await.unwrap();
    assert_eq!(unknown_field.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Another institution's service is not for it to register.
    institutions::set_case_code(store, VID, "VID").await.unwrap();
    let foreign = post(&vid, phone("vid-1")).await.unwrap();
    assert_eq!(foreign.status(), StatusCode::FORBIDDEN);
    // And without a key, nothing.
    let anonymous = http.post(&url).header(PROTOCOL_HEADER, "1").json(&phone("a")).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    // Counted by channel beside the centres' cases (no centre: the institution's own).
    let counts = store.case_statistics().await.unwrap();
    let count = |channel: &str| {
        counts
            .iter()
            .filter(|c| c.service_id == DOGS && c.institution == LDC && c.channel == channel)
            .map(|c| c.cases)
            .sum::<u64>()
    };
    assert_eq!((count("phone"), count("post")), (2, 1), "{counts:?}");
    assert!(counts.iter().filter(|c| c.channel == "phone").all(|c| c.centre.is_empty()));
    // Registered in the audit log as the institution's act.
    let audit = store.audit_entries(0, 1000).await.unwrap();
    assert_eq!(
        audit.iter().filter(|e| e.action == "case_registered" && e.actor == format!("institution:{LDC}")).count(),
        3
    );
}
