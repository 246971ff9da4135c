//! The e-address API over a real socket, with real card logins: sending with attachments
//! (digest checked, once by id), reading (read receipts), deemed notification, delegation, who
//! accessed a mailbox, and the authorisation matrix: every endpoint × every kind of caller gets
//! exactly the answer it should, and nothing leaks.

use chrono::{Datelike, NaiveDate};
use domain::{DeviceKind, Role, eaddress::AccountKind};
use eid::{
    EidCard,
    apdu::{KeyKind, PIN_MIN_LENGTH, Pin},
    test_ca::Holder,
    virtual_card::VirtualCard,
};
use protocol::{DeviceCredentials, PROTOCOL_HEADER};
use reqwest::{Method, StatusCode};
use server::{devices, institutions, store::Account};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::api::{Running, account};
use crate::people::{CENTRE_BOX, CITIZEN, CITIZEN_BOX, CLERK, COMPANY_BOX, OTHER_CITIZEN, VID, VID_BOX, now};

async fn device(server: &Running, kind: DeviceKind, name: &str) -> DeviceCredentials {
    crate::api::enrolled(server, "Rīgas VPVKAC", kind, name).await
}

/// Logs the card holder `code` in on the device; a role is granted first when given.
async fn session(server: &Running, creds: &DeviceCredentials, code: &str, role: Option<Role>) -> String {
    crate::api::log_in_card(server, creds, code, role).await
}

/// How a request identifies its caller.
#[derive(Clone)]
enum As {
    Nobody,
    Institution(String),
    Person(DeviceCredentials, String),
}

/// What every test here starts with: the Riga centre, the VID with an API key, a desk and a
/// kiosk enrolled there.
struct World {
    http: Http,
    vid: As,
    desk: DeviceCredentials,
    kiosk: DeviceCredentials,
}

async fn world(server: &Running) -> World {
    let store = server.store.as_ref();
    devices::add_centre(store, "Rīgas VPVKAC", "Rīga", Some("RCV"), now()).await.unwrap();
    institutions::add_institution(store, VID, "Valsts ieņēmumu dienests", false, now()).await.unwrap();
    let vid = As::Institution(format!("ApiKey {}", institutions::issue_key(store, VID, now()).await.unwrap()));
    World {
        http: Http { base: server.url.clone(), http: reqwest::Client::new() },
        vid,
        desk: device(server, DeviceKind::Desk, "Galds 1").await,
        kiosk: device(server, DeviceKind::Kiosk, "Kiosks 1").await,
    }
}

struct Http {
    base: String,
    http: reqwest::Client,
}

impl Http {
    async fn call(
        &self,
        who: &As,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (StatusCode, serde_json::Value) {
        let mut request = self
            .http
            .request(method, format!("{}{}", self.base, path.trim_start_matches('/')))
            .header(PROTOCOL_HEADER, "1");
        match who {
            As::Nobody => {}
            As::Institution(key) => request = request.header("authorization", key),
            As::Person(creds, token) => {
                request = request.header("authorization", creds.authorization_header()).header("pietura-session", token)
            }
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)))
    }

    /// The institution (`vid`) sends the citizen a short notice; answers its id.
    async fn notice_to_citizen(&self, vid: &As) -> String {
        let notice = message(&[CITIZEN_BOX], "Paziņojums", serde_json::json!([]));
        let (status, sent) =
            self.call(vid, Method::POST, &format!("v1/eaddress/mailboxes/{VID_BOX}/messages"), Some(notice)).await;
        assert_eq!(status, StatusCode::CREATED, "{sent}");
        sent["id"].as_str().unwrap().to_owned()
    }

    async fn upload(&self, who: &As, content: &[u8]) -> (StatusCode, String) {
        let sha = hex::encode(Sha256::digest(content));
        let mut request = self
            .http
            .put(format!("{}v1/eaddress/attachments/{sha}", self.base))
            .header(PROTOCOL_HEADER, "1")
            .body(content.to_vec());
        if let As::Institution(key) = who {
            request = request.header("authorization", key);
        }
        if let As::Person(creds, token) = who {
            request = request.header("authorization", creds.authorization_header()).header("pietura-session", token);
        }
        (request.send().await.unwrap().status(), sha)
    }
}

fn message(to: &[&str], subject: &str, attachments: serde_json::Value) -> serde_json::Value {
    serde_json::json!({ "id": Uuid::now_v7(), "recipients": to, "subject": subject, "body": "Teksts", "attachments": attachments })
}

const ADMIN: &str = "200285-11119";

on_both_backends!(server: mailboxes_send_read_delegate_and_answer_each_caller_as_they_should);

async fn mailboxes_send_read_delegate_and_answer_each_caller_as_they_should(server: Running) {
    let store = server.store.as_ref();
    let World { http, vid, desk, kiosk } = world(&server).await;
    let centre = store.find_centre_by_name("Rīgas VPVKAC").await.unwrap().unwrap();
    let vid_account = account(VID_BOX, AccountKind::Institution, Some(VID), None);
    store.put_account(Account { name: "Valsts ieņēmumu dienests".into(), ..vid_account }).await.unwrap();
    store.put_account(account(CENTRE_BOX, AccountKind::Institution, None, Some(centre.id))).await.unwrap();
    store.put_account(account(CITIZEN_BOX, AccountKind::Natural, None, None)).await.unwrap();
    store.put_account(account("_PRIVATE@29015611605", AccountKind::Natural, None, None)).await.unwrap();
    store.put_account(account(COMPANY_BOX, AccountKind::Legal, None, None)).await.unwrap();

    let citizen = As::Person(kiosk.clone(), session(&server, &kiosk, CITIZEN, None).await);
    let other_citizen = As::Person(kiosk.clone(), session(&server, &kiosk, OTHER_CITIZEN, None).await);
    let clerk = As::Person(desk.clone(), session(&server, &desk, CLERK, Some(Role::Clerk)).await);
    let admin = As::Person(desk.clone(), session(&server, &desk, ADMIN, Some(Role::Admin)).await);

    // The institution sends the citizen a decision with a PDF attached.
    let pdf = b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n";
    let (uploaded, sha) = http.upload(&vid, pdf).await;
    assert_eq!(uploaded, StatusCode::NO_CONTENT);
    let (bad_digest, _) = {
        let response = http
            .http
            .put(format!("{}v1/eaddress/attachments/{}", http.base, "ab".repeat(32)))
            .header(PROTOCOL_HEADER, "1")
            .header(
                "authorization",
                match &vid {
                    As::Institution(k) => k.clone(),
                    _ => unreachable!(),
                },
            )
            .body(pdf.to_vec())
            .send()
            .await
            .unwrap();
        (response.status(), ())
    };
    assert_eq!(bad_digest, StatusCode::UNPROCESSABLE_ENTITY, "content must match its digest");
    let attachment = serde_json::json!([{ "name": "lēmums.pdf", "size": pdf.len(), "sha256": sha }]);
    let decision = message(&[CITIZEN_BOX], "Lēmums", attachment.clone());
    let (status, sent) = http
        .call(&vid, Method::POST, &format!("v1/eaddress/mailboxes/{VID_BOX}/messages"), Some(decision.clone()))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    let id = sent["id"].as_str().unwrap().to_owned();
    let expected_notified = domain::calendar::WorkingCalendar::latvia().deemed_notified(now());
    assert_eq!(sent["deliveries"][0]["notified_on"], expected_notified.to_string());
    assert_eq!(sent["deliveries"][0]["state"], "delivered");
    // The same message again: answered, not sent twice.
    let (again, _) =
        http.call(&vid, Method::POST, &format!("v1/eaddress/mailboxes/{VID_BOX}/messages"), Some(decision)).await;
    assert_eq!(again, StatusCode::OK);
    // Bad messages are refused with the field.
    for (body, field) in [
        (message(&[CITIZEN_BOX], " ", serde_json::json!([])), "subject"),
        (message(&["_PRIVATE@00000000000"], "x", serde_json::json!([])), "recipients"),
        (
            message(&[CITIZEN_BOX], "x", serde_json::json!([{ "name": "a.exe", "size": 1, "sha256": sha }])),
            "attachments",
        ),
        (
            message(
                &[CITIZEN_BOX],
                "x",
                serde_json::json!([{ "name": "a.pdf", "size": 1, "sha256": "cd".repeat(32) }]),
            ),
            "attachments",
        ),
    ] {
        let (status, error) =
            http.call(&vid, Method::POST, &format!("v1/eaddress/mailboxes/{VID_BOX}/messages"), Some(body)).await;
        assert_eq!((status, error["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some(field)), "{error}");
    }

    // The citizen at the kiosk reads it: the sender sees "read".
    let (status, inbox) =
        http.call(&citizen, Method::GET, &format!("v1/eaddress/mailboxes/{CITIZEN_BOX}/inbox"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(inbox.as_array().unwrap().len(), 1);
    assert_eq!(inbox[0]["sender_name"], "Valsts ieņēmumu dienests", "the sender by name: {inbox}");
    let (status, opened) =
        http.call(&citizen, Method::GET, &format!("v1/eaddress/mailboxes/{CITIZEN_BOX}/messages/{id}"), None).await;
    assert_eq!((status, opened["deliveries"][0]["state"].as_str()), (StatusCode::OK, Some("read")));
    assert_eq!(opened["sender_name"], "Valsts ieņēmumu dienests");
    let file = http
        .http
        .get(format!("{}v1/eaddress/mailboxes/{CITIZEN_BOX}/messages/{id}/attachments/0", http.base))
        .header(PROTOCOL_HEADER, "1")
        .header("authorization", kiosk.authorization_header())
        .header(
            "pietura-session",
            match &citizen {
                As::Person(_, t) => t.clone(),
                _ => unreachable!(),
            },
        )
        .send()
        .await
        .unwrap();
    assert_eq!(file.headers()["content-type"], "application/pdf");
    assert_eq!(file.bytes().await.unwrap().as_ref(), pdf, "the content, digest intact");
    let (_, vid_sent) = http.call(&vid, Method::GET, &format!("v1/eaddress/mailboxes/{VID_BOX}/sent"), None).await;
    assert_eq!(vid_sent[0]["deliveries"][0]["state"], "read");

    // A citizen writes only to institutions; at a kiosk the mailbox is read-only.
    let (status, _) = http
        .call(
            &citizen,
            Method::POST,
            &format!("v1/eaddress/mailboxes/{CITIZEN_BOX}/messages"),
            Some(message(&[VID_BOX], "Jautājums", serde_json::json!([]))),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The citizen delegates reading to the clerk until next month; the clerk reads; then it is
    // revoked and the clerk sees nothing.
    let ends_on = (now() + chrono::Duration::days(30)).date_naive();
    let (status, granted) = http
        .call(
            &citizen,
            Method::POST,
            &format!("v1/eaddress/mailboxes/{CITIZEN_BOX}/delegations"),
            Some(serde_json::json!({ "delegate": CLERK, "rights": "read", "ends_on": ends_on })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{granted}");
    let (status, _) = http
        .call(
            &citizen,
            Method::POST,
            &format!("v1/eaddress/mailboxes/{CITIZEN_BOX}/delegations"),
            Some(serde_json::json!({ "delegate": CLERK, "rights": "communicate", "ends_on": ends_on })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a person's mailbox is delegated for reading only");
    // The owner sees who may read their mailbox; the delegate does not see the owner's list.
    let (status, listed) =
        http.call(&citizen, Method::GET, &format!("v1/eaddress/mailboxes/{CITIZEN_BOX}/delegations"), None).await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(
        (listed[0]["delegate"].as_str(), listed[0]["rights"].as_str(), &listed[0]["ends_on"], &listed[0]["id"]),
        (Some(CLERK), Some("read"), &serde_json::json!(ends_on), &granted["id"])
    );
    let (status, _) =
        http.call(&clerk, Method::GET, &format!("v1/eaddress/mailboxes/{CITIZEN_BOX}/delegations"), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "only the owner lists delegations");
    let (status, _) = http.call(&clerk, Method::GET, &format!("v1/eaddress/mailboxes/{CITIZEN_BOX}/inbox"), None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = http
        .call(
            &clerk,
            Method::POST,
            &format!("v1/eaddress/mailboxes/{CITIZEN_BOX}/messages"),
            Some(message(&[VID_BOX], "x", serde_json::json!([]))),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a reading delegate cannot send");
    let delegation = granted["id"].as_str().unwrap();
    let (status, _) = http
        .call(&clerk, Method::DELETE, &format!("v1/eaddress/mailboxes/{CITIZEN_BOX}/delegations/{delegation}"), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "only the owner ends a delegation");
    let (status, _) = http
        .call(&citizen, Method::DELETE, &format!("v1/eaddress/mailboxes/{CITIZEN_BOX}/delegations/{delegation}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, listed) =
        http.call(&citizen, Method::GET, &format!("v1/eaddress/mailboxes/{CITIZEN_BOX}/delegations"), None).await;
    assert_eq!(listed, serde_json::json!([]), "a revoked delegation is no longer in force");
    let (status, _) = http.call(&clerk, Method::GET, &format!("v1/eaddress/mailboxes/{CITIZEN_BOX}/inbox"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // An expired delegation grants nothing.
    store
        .add_delegation(
            server::store::Delegation {
                id: Uuid::now_v7(),
                mailbox: COMPANY_BOX.into(),
                delegate: CLERK.into(),
                rights: domain::eaddress::Right::Communicate,
                granted_by: "person:010101-10000".into(),
                granted_at: now() - chrono::Duration::days(60),
                ends_on: NaiveDate::from_ymd_opt(now().year() - 1, 1, 1).unwrap(),
                revoked_at: None,
            },
            server::audit::NewAuditEntry::new(now(), "operator", "delegation_granted", COMPANY_BOX, ""),
        )
        .await
        .unwrap();

    // With the citizen's consent, signed with their own card at this desk, the clerk reads their
    // mailbox with them (not send: the consent is for reading); ended, the clerk sees nothing.
    let sign = |code: &str, challenge: &serde_json::Value| {
        let holder = Holder { given_name: "JĀNIS".into(), surname: "BĒRZIŅŠ".into(), personal_code: code.into() };
        let profile =
            server.ca.issue_card(holder, KeyKind::EcP384, now() - chrono::Duration::days(1), None, "4321", "654321");
        let mut card = EidCard::new(VirtualCard::new(profile.unwrap()));
        let pin = Pin::new("4321", PIN_MIN_LENGTH).unwrap();
        let token = card
            .sign_login(&pin, challenge["origin"].as_str().unwrap(), challenge["nonce"].as_str().unwrap(), "consent")
            .unwrap();
        serde_json::json!({ "token": token.to_json() })
    };
    let (status, challenge) = http
        .call(
            &clerk,
            Method::POST,
            "v1/eaddress/consents",
            Some(serde_json::json!({ "rights": "read", "minutes": 10 })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{challenge}");
    assert!(challenge["text_lv"].as_str().unwrap().contains("10 minūtes"), "{challenge}");
    let consent = challenge["id"].as_str().unwrap().to_owned();
    // The clerk's own card cannot stand in for the citizen's.
    let (status, _) = http
        .call(&clerk, Method::POST, &format!("v1/eaddress/consents/{consent}/signature"), Some(sign(CLERK, &challenge)))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, signed) = http
        .call(
            &clerk,
            Method::POST,
            &format!("v1/eaddress/consents/{consent}/signature"),
            Some(sign(CITIZEN, &challenge)),
        )
        .await;
    assert_eq!((status, signed["mailbox"].as_str()), (StatusCode::OK, Some(CITIZEN_BOX)), "{signed}");
    let (status, again) = http
        .call(
            &clerk,
            Method::POST,
            &format!("v1/eaddress/consents/{consent}/signature"),
            Some(sign(CITIZEN, &challenge)),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "signed once: {again}");
    let (status, _) = http.call(&clerk, Method::GET, &format!("v1/eaddress/mailboxes/{CITIZEN_BOX}/inbox"), None).await;
    assert_eq!(status, StatusCode::OK, "the consent lets the clerk read with the citizen");
    // With the citizen at the desk, the clerk shows them who accessed their mailbox.
    let (status, shown) =
        http.call(&clerk, Method::GET, &format!("v1/eaddress/mailboxes/{CITIZEN_BOX}/accesses"), None).await;
    assert_eq!(status, StatusCode::OK, "{shown}");
    assert!(shown.to_string().contains("consent_given"), "{shown}");
    let under_consent = shown.as_array().unwrap().iter().rev().find(|a| a["action"] == "inbox_listed").unwrap();
    assert_eq!(under_consent["actor"], format!("person:{CLERK}"));
    assert!(
        under_consent["detail"].as_str().unwrap().ends_with(&format!("(consent {consent})")),
        "the audit names the consent the clerk read under: {under_consent}"
    );
    // An earlier page: only the entries before the oldest one shown.
    let oldest_shown = shown[0]["seq"].as_i64().unwrap();
    let (_, earlier) = http
        .call(&clerk, Method::GET, &format!("v1/eaddress/mailboxes/{CITIZEN_BOX}/accesses?before={oldest_shown}"), None)
        .await;
    assert!(earlier.as_array().unwrap().iter().all(|a| a["seq"].as_i64().unwrap() < oldest_shown), "{earlier}");
    let (status, _) = http
        .call(
            &clerk,
            Method::POST,
            &format!("v1/eaddress/mailboxes/{CITIZEN_BOX}/messages"),
            Some(message(&[VID_BOX], "x", serde_json::json!([]))),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a reading consent does not let the clerk send");
    // A citizen at a kiosk cannot ask for consents; the clerk's consent at this desk is not
    // another desk's.
    let (status, _) = http
        .call(
            &citizen,
            Method::POST,
            "v1/eaddress/consents",
            Some(serde_json::json!({ "rights": "read", "minutes": 10 })),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = http.call(&clerk, Method::DELETE, &format!("v1/eaddress/consents/{consent}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = http.call(&clerk, Method::GET, &format!("v1/eaddress/mailboxes/{CITIZEN_BOX}/inbox"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "ended, the consent grants nothing");

    // The clerk works the centre's mailbox: writes to the institution.
    let (status, from_centre) = http
        .call(
            &clerk,
            Method::POST,
            &format!("v1/eaddress/mailboxes/{CENTRE_BOX}/messages"),
            Some(message(&[VID_BOX], "Klienta iesniegums", serde_json::json!([]))),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{from_centre}");
    assert_eq!(from_centre["deliveries"][0]["recipient_name"], "Valsts ieņēmumu dienests", "{from_centre}");

    // The matrix: each caller × each endpoint on the citizen's, the company's, the centre's and
    // the institution's mailbox. 200/201/204 allowed; 403 seen but not allowed; 404 unseen; 401 nobody.
    let revoked = device(&server, DeviceKind::Desk, "Galds 2").await;
    let revoked_session = session(&server, &revoked, CLERK, None).await;
    store.revoke_device(revoked.device_id, now()).await.unwrap();
    let revoked = As::Person(revoked, revoked_session);
    // A message for the matrix to delete (the decision stays for what follows).
    let to_delete = http.notice_to_citizen(&vid).await;
    let consent_body = serde_json::json!({ "rights": "read", "minutes": 10 });
    let callers: [(&str, &As); 7] = [
        ("citizen", &citizen),
        ("other citizen", &other_citizen),
        ("clerk", &clerk),
        ("admin", &admin),
        ("institution", &vid),
        ("revoked", &revoked),
        ("nobody", &As::Nobody),
    ];
    let expectations: &[(&str, &str, [u16; 7])] = &[
        // (mailbox, action, [citizen, other citizen, clerk, admin, institution, revoked device, nobody])
        (CITIZEN_BOX, "inbox", [200, 404, 404, 404, 404, 403, 401]),
        (CITIZEN_BOX, "send", [403, 404, 404, 404, 404, 403, 401]),
        (CITIZEN_BOX, "accesses", [200, 404, 404, 404, 404, 403, 401]),
        (COMPANY_BOX, "inbox", [404, 404, 404, 404, 404, 403, 401]),
        (CENTRE_BOX, "inbox", [404, 404, 200, 200, 404, 403, 401]),
        (CENTRE_BOX, "send", [404, 404, 201, 201, 404, 403, 401]),
        // The centre's administrator answers for the centre's mailbox; its clerks work it.
        (CENTRE_BOX, "accesses", [404, 404, 403, 200, 404, 403, 401]),
        (VID_BOX, "inbox", [404, 404, 404, 404, 200, 403, 401]),
        (VID_BOX, "sent", [404, 404, 404, 404, 200, 403, 401]),
        (VID_BOX, "accesses", [404, 404, 404, 404, 200, 403, 401]),
        (CITIZEN_BOX, "open", [200, 404, 404, 404, 404, 403, 401]),
        (CITIZEN_BOX, "attachment", [200, 404, 404, 404, 404, 403, 401]),
        (VID_BOX, "open", [404, 404, 404, 404, 200, 403, 401]),
        (CITIZEN_BOX, "delegations", [200, 404, 404, 404, 404, 403, 401]),
        (CENTRE_BOX, "delegations", [404, 404, 403, 403, 404, 403, 401]),
        (VID_BOX, "delegations", [404, 404, 404, 404, 200, 403, 401]),
        // A citizen at a kiosk reads but does not delete; nobody else reaches the message.
        (CITIZEN_BOX, "delete", [403, 404, 404, 404, 404, 403, 401]),
        // Mailbox-less endpoints: uploads (desks and institutions), consents (clerks and
        // librarians at a desk; an administrator manages the centre, not citizens' mail; an
        // institution's key is no device's: 401),
        // the caller's mailboxes, the public catalogue of addresses.
        ("", "upload", [403, 403, 204, 204, 204, 403, 401]),
        ("", "consent", [403, 403, 200, 403, 401, 403, 401]),
        ("", "mailboxes", [200, 200, 200, 200, 200, 403, 401]),
        ("", "directory", [200, 200, 200, 200, 200, 200, 200]),
    ];
    for (mailbox, action, expected) in expectations {
        for ((name, who), want) in callers.iter().zip(expected) {
            let (method, path, body) = match *action {
                "inbox" => (Method::GET, format!("v1/eaddress/mailboxes/{mailbox}/inbox"), None),
                "sent" => (Method::GET, format!("v1/eaddress/mailboxes/{mailbox}/sent"), None),
                "accesses" => (Method::GET, format!("v1/eaddress/mailboxes/{mailbox}/accesses"), None),
                "open" => (Method::GET, format!("v1/eaddress/mailboxes/{mailbox}/messages/{id}"), None),
                "attachment" => {
                    (Method::GET, format!("v1/eaddress/mailboxes/{mailbox}/messages/{id}/attachments/0"), None)
                }
                "delegations" => (Method::GET, format!("v1/eaddress/mailboxes/{mailbox}/delegations"), None),
                "delete" => (Method::DELETE, format!("v1/eaddress/mailboxes/{mailbox}/messages/{to_delete}"), None),
                "consent" => (Method::POST, "v1/eaddress/consents".to_owned(), Some(consent_body.clone())),
                "mailboxes" => (Method::GET, "v1/eaddress/mailboxes".to_owned(), None),
                "directory" => (Method::GET, "v1/eaddress/directory".to_owned(), None),
                "upload" => {
                    let (status, _) = http.upload(who, format!("matrix {name}").as_bytes()).await;
                    assert_eq!(status.as_u16(), *want, "{name} upload");
                    continue;
                }
                _ => (
                    Method::POST,
                    format!("v1/eaddress/mailboxes/{mailbox}/messages"),
                    Some(message(&[VID_BOX], "Matrica", serde_json::json!([]))),
                ),
            };
            let (status, answer) = http.call(who, method, &path, body).await;
            assert_eq!(status.as_u16(), *want, "{name} {action} {mailbox}: {answer}");
            if status == StatusCode::NOT_FOUND {
                assert!(!answer.to_string().contains("Lēmums"), "nothing leaks in a refusal: {answer}");
            }
        }
    }
    // Another person's message is not reachable through one's own mailbox either.
    let (status, _) = http
        .call(&other_citizen, Method::GET, &format!("v1/eaddress/mailboxes/_PRIVATE@29015611605/messages/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The owner sees who accessed the mailbox and when: the institution's delivery, the
    // clerk's reading under the delegation, the delegation itself.
    let (_, accesses) =
        http.call(&citizen, Method::GET, &format!("v1/eaddress/mailboxes/{CITIZEN_BOX}/accesses"), None).await;
    let seen: Vec<(String, String)> = accesses
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["actor"].as_str().unwrap().to_owned(), a["action"].as_str().unwrap().to_owned()))
        .collect();
    for (actor, action) in [
        (format!("person:{CLERK}"), "inbox_listed"),
        (format!("person:{CITIZEN}"), "delegation_granted"),
        (format!("person:{CITIZEN}"), "message_opened"),
        (format!("person:{CITIZEN}"), "consent_given"),
        (format!("person:{CLERK}"), "consent_ended"),
    ] {
        assert!(seen.contains(&(actor.clone(), action.into())), "{actor} {action} in {seen:?}");
    }
    // Each named in words, with the ground they acted on: the clerk under the consent by the
    // centre they work at, under the delegation by their code.
    let shown: Vec<(String, String, String)> = accesses
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let text = |field: &str| a[field].as_str().unwrap().to_owned();
            (text("who"), text("action"), text("basis"))
        })
        .collect();
    for (who, action, basis) in [
        ("Rīgas VPVKAC", "inbox_listed", "consent"),
        (CLERK, "inbox_listed", "delegation"),
        (CITIZEN, "message_opened", "own"),
        (CITIZEN, "delegation_granted", "own"),
        (CITIZEN, "consent_given", "consent"),
        ("Rīgas VPVKAC", "consent_ended", "consent"),
    ] {
        let wanted = (who.to_owned(), action.to_owned(), basis.to_owned());
        assert!(shown.contains(&wanted), "{wanted:?} in {shown:?}");
    }
    let (_, institution_sees) =
        http.call(&vid, Method::GET, &format!("v1/eaddress/mailboxes/{VID_BOX}/accesses"), None).await;
    let institution_sees = institution_sees.as_array().unwrap();
    assert!(!institution_sees.is_empty());
    for access in institution_sees.iter().filter(|a| a["actor"] == format!("institution:{VID}")) {
        assert_eq!((access["who"].as_str(), access["basis"].as_str()), (Some("Valsts ieņēmumu dienests"), Some("own")));
    }
    assert!(institution_sees.iter().any(|a| a["actor"] == format!("institution:{VID}")), "{institution_sees:?}");
    let (_, mine) = http.call(&clerk, Method::GET, "v1/eaddress/mailboxes", None).await;
    let addresses: Vec<&str> = mine.as_array().unwrap().iter().map(|m| m["address"].as_str().unwrap()).collect();
    assert_eq!(addresses, [CENTRE_BOX], "the expired and the revoked delegations are not offered");
    assert!(server::audit::verify(store).await.unwrap().is_ok());
    // The KPIs are public and hold no personal data.
    let (status, csv) = http.call(&As::Nobody, Method::GET, "open-data/eaddress-kpi.csv", None).await;
    assert_eq!(status, StatusCode::OK);
    let csv = csv.as_str().unwrap_or_default().to_owned();
    assert!(csv.starts_with("month,sender,messages_sent"), "{csv}");
    for personal in ["_PRIVATE", "32503511782", "325035", CLERK] {
        assert!(!csv.contains(personal), "{personal} in {csv}");
    }
    let (_, catalog) = http.call(&As::Nobody, Method::GET, "open-data/catalog.jsonld", None).await;
    assert!(catalog.to_string().contains("eaddress-kpi.csv"));
    // The e-address catalogue is public: institutions' mailboxes only.
    let (status, directory) = http.call(&As::Nobody, Method::GET, "open-data/eaddress-directory.csv", None).await;
    let directory = directory.as_str().unwrap_or_default().to_owned();
    assert_eq!(status, StatusCode::OK);
    assert!(directory.starts_with("address,name\r\n") && directory.contains(VID_BOX), "{directory}");
    for private in [CITIZEN_BOX, COMPANY_BOX] {
        assert!(!directory.contains(private), "{private} in {directory}");
    }
}

/// A local S3-compatible server (s3s-fs: objects as files in a folder) on a free port.
async fn local_s3(root: &std::path::Path) -> String {
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use hyper_util::server::conn::auto::Builder as ConnBuilder;
    let fs = s3s_fs::FileSystem::new(root).unwrap();
    let service = {
        let mut builder = s3s::service::S3ServiceBuilder::new(fs);
        builder.set_auth(s3s::auth::SimpleAuth::from_single("PIETURATESTKEY", "pietura-test-secret"));
        builder.build().into_shared()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else { continue };
            let connection = ConnBuilder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(socket), service.clone())
                .into_owned();
            tokio::spawn(async move {
                let _ = connection.await;
            });
        }
    });
    format!("http://{address}")
}

/// The S3 path (production) against a local S3-compatible server: content stored by digest,
/// read back whole, a second put of the same content changes nothing, a wrong digest is
/// refused, and an object changed behind the server's back is refused on the way out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attachments_are_kept_in_an_s3_compatible_bucket_by_their_digest() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir(root.path().join("pietura-attachments")).unwrap();
    let endpoint = local_s3(root.path()).await;
    let attachments = server::eaddress::Attachments::s3(
        &endpoint,
        "pietura-attachments",
        "us-east-1",
        "PIETURATESTKEY",
        "pietura-test-secret",
    )
    .unwrap();
    let pdf = b"%PDF-1.7\n% kept in S3\n%%EOF\n".to_vec();
    let sha = hex::encode(Sha256::digest(&pdf));
    assert!(!attachments.exists(&sha).await.unwrap());
    attachments.put(&sha, pdf.clone().into()).await.unwrap();
    attachments.put(&sha, pdf.clone().into()).await.unwrap();
    assert!(attachments.exists(&sha).await.unwrap());
    assert_eq!(attachments.get(&sha).await.unwrap().as_ref(), pdf.as_slice());
    let wrong = attachments.put(&"ab".repeat(32), pdf.clone().into()).await;
    assert!(matches!(wrong, Err(server::eaddress::MailboxError::Digest(_))), "{wrong:?}");
    // Backups (issue 19) read the bucket the same way: listed by digest, copied, checked, and
    // restored into a folder store of a new server.
    let other = b"%PDF-1.7\n% also in S3\n%%EOF\n".to_vec();
    let other_sha = hex::encode(Sha256::digest(&other));
    attachments.put(&other_sha, other.clone().into()).await.unwrap();
    let mut both = vec![sha.clone(), other_sha.clone()];
    both.sort();
    assert_eq!(attachments.digests().await.unwrap(), both);
    let work = tempfile::tempdir().unwrap();
    let database = server::store::DatabaseLocation::Sqlite(work.path().join("server.db"));
    let store = server::store::open(&database).await.unwrap();
    let source =
        |database| server::backup::Source { database, pg_dump: None, schema_version: 20, environment: "production" };
    let backup = work.path().join("backup");
    let manifest = server::backup::backup(source(&database), &attachments, &backup, now()).await.unwrap();
    assert_eq!(manifest.attachments.iter().map(|a| a.sha256.clone()).collect::<Vec<_>>(), both);
    drop(store);
    let restored = server::eaddress::Attachments::in_folder(&work.path().join("restored-attachments")).unwrap();
    let target = server::store::DatabaseLocation::Sqlite(work.path().join("restored.db"));
    let done = server::backup::restore(
        &backup,
        server::backup::Target { database: &target, environment: "production" },
        &restored,
    )
    .await
    .unwrap();
    assert_eq!(done.manifest.attachments.len(), 2);
    assert_eq!(restored.get(&other_sha).await.unwrap().as_ref(), other.as_slice());
    // The object is a file of the local S3 server: change it there, and reading refuses it.
    let object = root.path().join("pietura-attachments").join("attachments").join(&sha[..2]).join(&sha);
    assert!(object.is_file(), "stored under its digest at {}", object.display());
    std::fs::write(&object, b"%PDF-1.7\n% changed\n%%EOF\n").unwrap();
    let changed = attachments.get(&sha).await;
    assert!(matches!(changed, Err(server::eaddress::MailboxError::Digest(_))), "{changed:?}");
    // A backup of a damaged bucket says so, and leaves no folder behind.
    let again = work.path().join("backup-2");
    let refused = server::backup::backup(source(&database), &attachments, &again, now()).await;
    assert!(matches!(refused, Err(server::backup::BackupError::DamagedStore(ref d)) if *d == sha), "{refused:?}");
    assert!(!again.exists());
    // A bucket that does not answer is an error that says so, not a panic.
    let nowhere = server::eaddress::Attachments::s3("http://127.0.0.1:9", "b", "us-east-1", "k", "s").unwrap();
    assert!(matches!(nowhere.exists(&sha).await, Err(server::eaddress::MailboxError::Storage(_))));
}

on_both_backends!(server: delegates_act_by_the_rights_they_hold_and_the_audit_names_the_grant);

/// A company's mailbox with delegates holding each right (and two rights at once, an expired
/// and a revoked one): every action answers by the rights held; deleting removes a received
/// message from the mailbox only; the audit names the delegation each action was done under.
async fn delegates_act_by_the_rights_they_hold_and_the_audit_names_the_grant(server: Running) {
    use domain::eaddress::Right;
    let store = server.store.as_ref();
    let World { http, vid, desk, kiosk } = world(&server).await;
    store.put_account(account(VID_BOX, AccountKind::Institution, Some(VID), None)).await.unwrap();
    store.put_account(account(COMPANY_BOX, AccountKind::Legal, None, None)).await.unwrap();
    store.put_account(account(CITIZEN_BOX, AccountKind::Natural, None, None)).await.unwrap();

    let today = now().date_naive();
    let grant = |delegate: &str, rights: Right, ends_on: NaiveDate| server::store::Delegation {
        id: Uuid::now_v7(),
        mailbox: COMPANY_BOX.into(),
        delegate: delegate.into(),
        rights,
        granted_by: "operator".into(),
        granted_at: now(),
        ends_on,
        revoked_at: None,
    };
    let in_a_month = today + chrono::Duration::days(30);
    // (who, personal code, the grants they hold: right and last day)
    type Grants<'a> = &'a [(Right, NaiveDate)];
    let rows: [(&str, &str, Grants); 6] = [
        ("reader", "321000-00001", &[(Right::Read, in_a_month)]),
        ("sender", "321000-00002", &[(Right::Communicate, in_a_month)]),
        ("deleter", "321000-00003", &[(Right::Delete, in_a_month)]),
        ("both", "321000-00004", &[(Right::Communicate, in_a_month), (Right::Delete, in_a_month)]),
        ("expired", "321000-00005", &[(Right::Communicate, today - chrono::Duration::days(1))]),
        ("revoked", "321000-00006", &[(Right::Communicate, in_a_month)]),
    ];
    let mut delegations = std::collections::HashMap::new();
    let mut callers = Vec::new();
    for (name, code, rights) in rows {
        for (right, ends_on) in rights {
            let delegation = grant(code, *right, *ends_on);
            delegations.insert((name, right.as_str()), delegation.id);
            let audit = server::audit::NewAuditEntry::new(now(), "operator", "delegation_granted", COMPANY_BOX, "");
            store.add_delegation(delegation.clone(), audit).await.unwrap();
            if name == "revoked" {
                let audit = server::audit::NewAuditEntry::new(now(), "operator", "delegation_revoked", COMPANY_BOX, "");
                assert!(store.revoke_delegation(delegation.id, now(), audit).await.unwrap());
            }
        }
        callers.push((name, As::Person(desk.clone(), session(&server, &desk, code, Some(Role::Clerk)).await)));
    }

    // The institution writes to the company: one letter for each delegate to act on.
    let mut letters = Vec::new();
    for (name, _) in &callers {
        let (status, sent) = http
            .call(
                &vid,
                Method::POST,
                &format!("v1/eaddress/mailboxes/{VID_BOX}/messages"),
                Some(message(&[COMPANY_BOX], &format!("Vēstule {name}"), serde_json::json!([]))),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{sent}");
        letters.push(sent["id"].as_str().unwrap().to_owned());
    }

    let expectations: [(&str, [u16; 6]); 5] = [
        // (action, [reader, sender, deleter, both, expired, revoked])
        ("inbox", [200, 200, 200, 200, 404, 404]),
        ("open", [200, 200, 200, 200, 404, 404]),
        ("send", [403, 201, 403, 201, 404, 404]),
        ("delete", [403, 403, 204, 204, 404, 404]),
        ("accesses", [403, 403, 403, 403, 404, 404]),
    ];
    for (action, expected) in expectations {
        for (((name, who), letter), want) in callers.iter().zip(&letters).zip(expected) {
            let (method, path, body) = match action {
                "inbox" => (Method::GET, format!("v1/eaddress/mailboxes/{COMPANY_BOX}/inbox"), None),
                "open" => (Method::GET, format!("v1/eaddress/mailboxes/{COMPANY_BOX}/messages/{letter}"), None),
                "delete" => (Method::DELETE, format!("v1/eaddress/mailboxes/{COMPANY_BOX}/messages/{letter}"), None),
                "accesses" => (Method::GET, format!("v1/eaddress/mailboxes/{COMPANY_BOX}/accesses"), None),
                _ => {
                    let mut answer = message(&[VID_BOX], "Atbilde", serde_json::json!([]));
                    answer["in_reply_to"] = letter.as_str().into();
                    (Method::POST, format!("v1/eaddress/mailboxes/{COMPANY_BOX}/messages"), Some(answer))
                }
            };
            let (status, answer) = http.call(who, method, &path, body).await;
            assert_eq!(status.as_u16(), want, "{name} {action}: {answer}");
            if status == StatusCode::NOT_FOUND {
                assert!(!answer.to_string().contains("Vēstule"), "nothing leaks in a refusal: {answer}");
            }
        }
    }
    let (reader, deleter, both) = (&callers[0].1, &callers[2].1, &callers[3].1);

    // Deleted letters are gone from the company's inbox, kept for the sender (with the reading);
    // deleting again answers the same; a sent message stays in the sender's mailbox.
    let (_, inbox) = http.call(reader, Method::GET, &format!("v1/eaddress/mailboxes/{COMPANY_BOX}/inbox"), None).await;
    let listed: Vec<&str> = inbox.as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(listed.len(), 4, "{listed:?}");
    assert!(!listed.contains(&letters[2].as_str()) && !listed.contains(&letters[3].as_str()));
    // Paging: two at a time, from the (time, id) of the last one shown; the inbox by delivery
    // time, sent messages by sending time; both halves of the key or neither.
    let all_pages = |folder: &'static str, who: &As| {
        let (http, who) = (&http, who.clone());
        async move {
            let mut ids = Vec::new();
            let mut query = String::new();
            loop {
                let path = format!("v1/eaddress/mailboxes/{COMPANY_BOX}/{folder}?limit=2{query}");
                let (status, answer) = http.call(&who, Method::GET, &path, None).await;
                assert_eq!(status, StatusCode::OK, "{answer}");
                let items = answer.as_array().unwrap().clone();
                let Some(last) = items.last() else { break };
                assert!(items.len() <= 2);
                ids.extend(items.iter().map(|m| m["id"].as_str().unwrap().to_owned()));
                let at = if folder == "inbox" { &last["deliveries"][0]["delivered_at"] } else { &last["sent_at"] };
                let at = chrono::DateTime::parse_from_rfc3339(at.as_str().unwrap()).unwrap().timestamp_micros();
                let at = chrono::DateTime::from_timestamp_micros(at).unwrap().format("%Y-%m-%dT%H:%M:%S%.6fZ");
                query = format!("&before={at}&before_id={}", last["id"].as_str().unwrap());
            }
            ids
        }
    };
    assert_eq!(all_pages("inbox", reader).await, listed, "page by page, the same letters in the same order");
    let (_, sent_at_once) =
        http.call(both, Method::GET, &format!("v1/eaddress/mailboxes/{COMPANY_BOX}/sent"), None).await;
    let sent_at_once: Vec<String> =
        sent_at_once.as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(sent_at_once.len(), 2);
    assert_eq!(all_pages("sent", both).await, sent_at_once);
    let (status, error) = http
        .call(reader, Method::GET, &format!("v1/eaddress/mailboxes/{COMPANY_BOX}/inbox?before_id={}", letters[0]), None)
        .await;
    assert_eq!((status, error["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("before")), "{error}");

    let (status, _) = http
        .call(reader, Method::GET, &format!("v1/eaddress/mailboxes/{COMPANY_BOX}/messages/{}", letters[2]), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a deleted letter no longer opens");
    let (_, vid_sent) = http.call(&vid, Method::GET, &format!("v1/eaddress/mailboxes/{VID_BOX}/sent"), None).await;
    let kept = vid_sent.as_array().unwrap().iter().find(|m| m["id"] == letters[2].as_str()).unwrap();
    assert_eq!(kept["deliveries"][0]["state"], "read", "the sender keeps its copy and the read receipt");
    let (status, _) = http
        .call(deleter, Method::DELETE, &format!("v1/eaddress/mailboxes/{COMPANY_BOX}/messages/{}", letters[2]), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "deleting again is safe to retry");
    let (_, company_sent) =
        http.call(both, Method::GET, &format!("v1/eaddress/mailboxes/{COMPANY_BOX}/sent"), None).await;
    let reply = company_sent[0]["id"].as_str().unwrap();
    let (status, error) =
        http.call(both, Method::DELETE, &format!("v1/eaddress/mailboxes/{COMPANY_BOX}/messages/{reply}"), None).await;
    assert_eq!((status, error["code"].as_str()), (StatusCode::CONFLICT, Some("conflict")), "{error}");
    // The answers name the letters they answer; an answer to a message this mailbox never had
    // is refused with the field (and says nothing about whether it exists).
    let (_, vid_inbox) = http.call(&vid, Method::GET, &format!("v1/eaddress/mailboxes/{VID_BOX}/inbox"), None).await;
    let answered: Vec<&str> = vid_inbox.as_array().unwrap().iter().filter_map(|m| m["in_reply_to"].as_str()).collect();
    assert_eq!(answered.len(), 2, "{vid_inbox}");
    assert!(answered.contains(&letters[1].as_str()) && answered.contains(&letters[3].as_str()));
    // A citizen at a kiosk reads but does not delete their own mail.
    let citizen = As::Person(kiosk.clone(), session(&server, &kiosk, CITIZEN, None).await);
    let to_citizen = http.notice_to_citizen(&vid).await;
    let (status, _) = http
        .call(&citizen, Method::DELETE, &format!("v1/eaddress/mailboxes/{CITIZEN_BOX}/messages/{to_citizen}"), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let elsewhere = to_citizen;
    for unknown in [Uuid::now_v7().to_string(), elsewhere] {
        let mut answer = message(&[VID_BOX], "Atbilde", serde_json::json!([]));
        answer["in_reply_to"] = unknown.into();
        let (status, error) =
            http.call(both, Method::POST, &format!("v1/eaddress/mailboxes/{COMPANY_BOX}/messages"), Some(answer)).await;
        assert_eq!(
            (status, error["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("in_reply_to")),
            "{error}"
        );
        assert!(!error.to_string().contains("Paziņojums"), "{error}");
    }

    // The audit names the delegation each delegate acted under; the two-right delegate sent
    // under the communicate grant and deleted under the delete grant.
    let about = store.audit_entries_about(COMPANY_BOX.into(), None, 500).await.unwrap();
    assert!(about.windows(2).all(|w| w[0].seq > w[1].seq), "newest first");
    let find = |code: &str, action: &str| {
        about
            .iter()
            .find(|e| e.actor == format!("person:{code}") && e.action == action)
            .unwrap_or_else(|| panic!("{code} {action} in {about:#?}"))
            .detail
            .clone()
    };
    for (code, name, action, right) in [
        ("321000-00001", "reader", "inbox_listed", "read"),
        ("321000-00002", "sender", "message_sent", "communicate"),
        ("321000-00003", "deleter", "message_deleted", "delete"),
        ("321000-00004", "both", "message_sent", "communicate"),
        ("321000-00004", "both", "message_deleted", "delete"),
    ] {
        let id = delegations[&(name, right)];
        assert!(find(code, action).ends_with(&format!("(delegation {id})")), "{name} {action}: {}", find(code, action));
    }
    // Paging back through a subject's entries: `before` gives the older ones only.
    let middle = about[about.len() / 2].seq;
    let older = store.audit_entries_about(COMPANY_BOX.into(), Some(middle), 500).await.unwrap();
    assert_eq!(older.len(), about.len() - about.len() / 2 - 1);
    assert!(older.iter().all(|e| e.seq < middle));
    assert!(server::audit::verify(store).await.unwrap().is_ok());
}

on_both_backends!(server: a_representative_answers_for_the_companys_mailbox);

/// The operator records from the register that a person represents a company: at a kiosk they
/// read the company's mail (read-only), grant an employee the right to send in its name, list
/// the delegations and see who accessed the mailbox; the employee sends from a desk; once the
/// representation ends, the person sees nothing of the company's, and the employee's grant stays.
async fn a_representative_answers_for_the_companys_mailbox(server: Running) {
    let store = server.store.as_ref();
    let World { http, vid, desk, kiosk } = world(&server).await;
    store.put_account(account(VID_BOX, AccountKind::Institution, Some(VID), None)).await.unwrap();
    let company = account(COMPANY_BOX, AccountKind::Legal, None, None);
    store.put_account(Account { name: "SIA Piemērs".into(), ..company }).await.unwrap();
    store.put_account(account(CITIZEN_BOX, AccountKind::Natural, None, None)).await.unwrap();
    let representative = As::Person(kiosk.clone(), session(&server, &kiosk, CITIZEN, None).await);
    let other = As::Person(kiosk.clone(), session(&server, &kiosk, OTHER_CITIZEN, None).await);
    let employee = As::Person(desk.clone(), session(&server, &desk, CLERK, Some(Role::Clerk)).await);

    // Only a legal entity's mailbox has representatives; the source is required.
    use server::eaddress::{RepresentativeError, end_representative, record_representative};
    let refused = record_representative(store, CITIZEN_BOX, OTHER_CITIZEN, "UR", now()).await;
    assert!(matches!(refused, Err(RepresentativeError::NotLegal(_))), "{refused:?}");
    let refused = record_representative(store, COMPANY_BOX, CITIZEN, " ", now()).await;
    assert!(matches!(refused, Err(RepresentativeError::NoSource)), "{refused:?}");
    let refused = record_representative(store, COMPANY_BOX, "161175-19996", "UR", now()).await;
    assert!(matches!(refused, Err(RepresentativeError::PersonalCode(_))), "{refused:?}");
    let inbox = format!("v1/eaddress/mailboxes/{COMPANY_BOX}/inbox");
    assert_eq!(http.call(&representative, Method::GET, &inbox, None).await.0, StatusCode::NOT_FOUND, "not yet");
    record_representative(store, COMPANY_BOX, CITIZEN, "UR izziņa Nr. 2026/1234", now()).await.unwrap();

    let (status, _) = http
        .call(
            &vid,
            Method::POST,
            &format!("v1/eaddress/mailboxes/{VID_BOX}/messages"),
            Some(message(&[COMPANY_BOX], "Nodokļu parāds", serde_json::json!([]))),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, mine) = http.call(&representative, Method::GET, "v1/eaddress/mailboxes", None).await;
    assert_eq!(status, StatusCode::OK);
    let rights: Vec<(&str, &str)> = mine
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["address"].as_str().unwrap(), m["rights"].as_str().unwrap()))
        .collect();
    assert_eq!(rights, [(COMPANY_BOX, "read"), (CITIZEN_BOX, "read")], "at a kiosk: read-only");
    let (status, listed) = http.call(&representative, Method::GET, &inbox, None).await;
    assert_eq!((status, listed[0]["subject"].as_str()), (StatusCode::OK, Some("Nodokļu parāds")));
    let (status, _) = http
        .call(
            &representative,
            Method::POST,
            &format!("v1/eaddress/mailboxes/{COMPANY_BOX}/messages"),
            Some(message(&[VID_BOX], "x", serde_json::json!([]))),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a kiosk does not send");
    assert_eq!(http.call(&other, Method::GET, &inbox, None).await.0, StatusCode::NOT_FOUND);

    // The representative lets the employee send in the company's name for a month.
    let ends_on = (now() + chrono::Duration::days(30)).date_naive();
    let delegations = format!("v1/eaddress/mailboxes/{COMPANY_BOX}/delegations");
    let grant = serde_json::json!({ "delegate": CLERK, "rights": "communicate", "ends_on": ends_on });
    let (status, granted) = http.call(&representative, Method::POST, &delegations, Some(grant.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{granted}");
    assert_eq!(http.call(&other, Method::POST, &delegations, Some(grant)).await.0, StatusCode::NOT_FOUND);
    let (_, listed) = http.call(&representative, Method::GET, &delegations, None).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let answer = message(&[VID_BOX], "Par parādu", serde_json::json!([]));
    let (status, sent) = http
        .call(&employee, Method::POST, &format!("v1/eaddress/mailboxes/{COMPANY_BOX}/messages"), Some(answer))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    assert_eq!(sent["sender_name"], "SIA Piemērs");
    // The employee is not the company's representative: no delegating, no accesses.
    let (status, _) = http.call(&employee, Method::GET, &delegations, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Who accessed the company's mailbox: the representative's reading named as such.
    let (status, accesses) =
        http.call(&representative, Method::GET, &format!("v1/eaddress/mailboxes/{COMPANY_BOX}/accesses"), None).await;
    assert_eq!(status, StatusCode::OK, "{accesses}");
    let seen: Vec<(String, String)> = accesses
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["action"].as_str().unwrap().to_owned(), a["basis"].as_str().unwrap().to_owned()))
        .collect();
    for wanted in
        [("inbox_listed", "representative"), ("delegation_granted", "representative"), ("message_sent", "delegation")]
    {
        assert!(seen.contains(&(wanted.0.to_owned(), wanted.1.to_owned())), "{wanted:?} in {seen:?}");
    }

    // The register says they no longer represent it: nothing of the company's for them.
    assert!(end_representative(store, COMPANY_BOX, CITIZEN, now()).await.unwrap());
    assert!(!end_representative(store, COMPANY_BOX, CITIZEN, now()).await.unwrap(), "ended once");
    assert_eq!(http.call(&representative, Method::GET, &inbox, None).await.0, StatusCode::NOT_FOUND);
    let (_, mine) = http.call(&representative, Method::GET, "v1/eaddress/mailboxes", None).await;
    assert!(!mine.to_string().contains(COMPANY_BOX), "{mine}");
    let (status, _) = http.call(&employee, Method::GET, &inbox, None).await;
    assert_eq!(status, StatusCode::OK, "the employee's delegation stays until it is revoked or ends");
    assert!(server::audit::verify(store).await.unwrap().is_ok());
    let kinds: Vec<String> =
        store.audit_entries_about(COMPANY_BOX.into(), None, 100).await.unwrap().into_iter().map(|e| e.action).collect();
    assert!(
        kinds.contains(&"representative_recorded".to_owned()) && kinds.contains(&"representative_ended".to_owned())
    );
}
