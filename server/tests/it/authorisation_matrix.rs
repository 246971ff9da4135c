//! The authorisation matrix (issue 12): every route of the OpenAPI document × every kind of
//! caller, with the exact status each gets. A route that the document lists and this table does
//! not (or the other way round) fails the test, so no endpoint goes in unexamined.
//!
//! Callers, in column order: nobody; a kiosk and a desk without a person logged in; a citizen
//! at the kiosk; a clerk of another centre at that centre's desk; a clerk and an administrator
//! at desks of the centre; the institution that owns the record, case or mailbox the row is
//! about, and another institution; a revoked desk with the session it had; the owner's revoked
//! API key. Each row's callers go in that order, the owning institution last. Run with
//! `PIETURA_MATRIX_PRINT=1` to print what the server answers now.

use std::collections::BTreeSet;

use domain::{DeviceKind, Role, eaddress::AccountKind};
use protocol::{DeviceCredentials, PROTOCOL_HEADER};
use reqwest::Method;
use server::{devices, institutions};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::api::{Running, account, author_of, client, encoded, enrolled, import_demo, json_of, log_in_card};
use crate::people::{CENTRE_BOX, CITIZEN, CLERK, now};

const OWNER: &str = "https://pietura.lv/id/org/riga";
const OTHER: &str = "https://pietura.lv/id/org/vid";
const OWNER_BOX: &str = "_DEFAULT@90011524360";
const SERVICE: &str = "https://pietura.lv/id/service/dog-fee";
const RETIRED_SERVICE: &str = "https://pietura.lv/id/service/birth-registration";
const ARTICLE: &str = "https://pietura.lv/id/article/dog-fee-lv0";
const FORM: &str = "https://pietura.lv/id/form/dog-fee";
/// The demo's child-birth scenario, published by the owner (Riga).
const SCENARIO: &str = "https://pietura.lv/id/scenario/birth";
const ADMIN: &str = "210860-10528";
const OTHER_CLERK: &str = "290156-11605";

const CALLERS: [&str; 11] = [
    "nobody",
    "kiosk",
    "desk",
    "citizen",
    "other_clerk",
    "clerk",
    "admin",
    "inst_owner",
    "inst_other",
    "revoked_device",
    "revoked_key",
];

#[derive(Clone)]
enum Caller {
    Nobody,
    Device(DeviceCredentials),
    Person(DeviceCredentials, String),
    Key(String),
}

/// What a row sends.
enum Body {
    None,
    Json(Box<dyn Fn() -> serde_json::Value + Send + Sync>),
    Bytes(Vec<u8>),
}

struct Row {
    method: Method,
    /// As the OpenAPI document names it.
    template: &'static str,
    path: String,
    body: Body,
    /// The status each caller gets, in [`CALLERS`] order.
    expected: &'static str,
}

fn row(method: Method, template: &'static str, path: impl Into<String>, body: Body, expected: &'static str) -> Row {
    Row { method, template, path: path.into(), body, expected }
}

fn json(make: impl Fn() -> serde_json::Value + Send + Sync + 'static) -> Body {
    Body::Json(Box::new(make))
}

async fn call(http: &reqwest::Client, base: &str, who: &Caller, row: &Row) -> u16 {
    let mut request = http
        .request(row.method.clone(), format!("{base}{}", row.path.trim_start_matches('/')))
        .header(PROTOCOL_HEADER, "1");
    request = match who {
        Caller::Nobody => request,
        Caller::Device(creds) => request.header("authorization", creds.authorization_header()),
        Caller::Person(creds, token) => {
            request.header("authorization", creds.authorization_header()).header("pietura-session", token)
        }
        Caller::Key(key) => request.header("authorization", format!("ApiKey {key}")),
    };
    request = match &row.body {
        Body::None => request,
        Body::Json(make) => request.json(&make()),
        Body::Bytes(bytes) => request.body(bytes.clone()),
    };
    request.send().await.unwrap().status().as_u16()
}

on_both_backends!(server: every_route_answers_every_kind_of_caller_as_it_should);

async fn every_route_answers_every_kind_of_caller_as_it_should(server: Running) {
    let store = server.store.as_ref();
    let riga = devices::add_centre(store, "Rīgas VPVKAC", "Rīga", Some("RCV"), now()).await.unwrap();
    devices::add_centre(store, "Cēsu VPVKAC", "Cēsis", Some("CES"), now()).await.unwrap();
    import_demo(&server).await;
    institutions::add_institution(store, OWNER, "Rīgas valstspilsētas pašvaldība", false, now()).await.unwrap();
    institutions::add_institution(store, OTHER, "Valsts ieņēmumu dienests", false, now()).await.unwrap();
    institutions::set_case_code(store, OWNER, "RIG").await.unwrap();
    let owner_key = institutions::issue_key(store, OWNER, now()).await.unwrap();
    let other_key = institutions::issue_key(store, OTHER, now()).await.unwrap();
    let revoked_key = institutions::issue_key(store, OWNER, now()).await.unwrap();
    let revoked_id: Uuid = revoked_key.split_once('.').unwrap().0.parse().unwrap();
    institutions::revoke_key(store, revoked_id, now()).await.unwrap();
    store.put_account(account(OWNER_BOX, AccountKind::Institution, Some(OWNER), None)).await.unwrap();
    store.put_account(account(CENTRE_BOX, AccountKind::Institution, None, Some(riga.id))).await.unwrap();
    store.put_account(account("_PRIVATE@32503511782", AccountKind::Natural, None, None)).await.unwrap();

    let desk = enrolled(&server, "Rīgas VPVKAC", DeviceKind::Desk, "Galds 1").await;
    let admin_desk = enrolled(&server, "Rīgas VPVKAC", DeviceKind::Desk, "Galds 2").await;
    let revoked_desk = enrolled(&server, "Rīgas VPVKAC", DeviceKind::Desk, "Galds 3").await;
    let cesis_desk = enrolled(&server, "Cēsu VPVKAC", DeviceKind::Desk, "Cēsis 1").await;
    let kiosk = enrolled(&server, "Rīgas VPVKAC", DeviceKind::Kiosk, "Kiosks 1").await;
    let clerk = log_in_card(&server, &desk, CLERK, Some(Role::Clerk)).await;
    let admin = log_in_card(&server, &admin_desk, ADMIN, Some(Role::Admin)).await;
    let revoked_session = log_in_card(&server, &revoked_desk, CLERK, Some(Role::Clerk)).await;
    server::login::grant(store, OTHER_CLERK, Role::Clerk, "Cēsu VPVKAC", now()).await.unwrap();
    let holder =
        eid::test_ca::Holder { given_name: "V".into(), surname: "U".into(), personal_code: OTHER_CLERK.into() };
    let other_clerk = {
        use eid::apdu::{KeyKind, PIN_MIN_LENGTH, Pin};
        let profile =
            server.ca.issue_card(holder, KeyKind::EcP384, now() - chrono::Duration::days(1), None, "1234", "123456");
        let mut card = eid::EidCard::new(eid::virtual_card::VirtualCard::new(profile.unwrap()));
        let challenge = client(&server.url).login_challenge(&cesis_desk).await.unwrap();
        let token = card
            .sign_login(&Pin::new("1234", PIN_MIN_LENGTH).unwrap(), &challenge.origin, &challenge.nonce, "t")
            .unwrap();
        client(&server.url).log_in(&cesis_desk, &token.to_json(), &challenge.nonce).await.unwrap().session_token
    };
    let citizen = log_in_card(&server, &kiosk, CITIZEN, None).await;

    // A case the owner holds (registered through the clerk's desk), a message in the owner's
    // mailbox with an attachment, a delegation of it, and a consent the clerk asked for.
    let served = now() - chrono::Duration::minutes(5);
    let case = domain::case::Case::register(domain::case::NewCase {
        id: Uuid::now_v7(),
        number: domain::case::CaseNumber::new("RCV", 1, chrono::Datelike::year(&served), 1).unwrap(),
        service_id: SERVICE.into(),
        kind: domain::case::CaseKind::Application,
        channel: domain::catalogue::ChannelKind::VpvkacInPerson,
        customer: domain::case::customer_from_code(CITIZEN, "Jānis Bērziņš").unwrap(),
        holder_institution: OWNER.into(),
        provider_institution: None,
        centre_id: riga.id,
        arrived_at: served,
        served_at: served,
        registered_at: served,
        registered_by: domain::case::Actor::Staff {
            personal_code: domain::PersonalCode::parse(CLERK).unwrap(),
            offline: false,
        },
        note: String::new(),
    })
    .unwrap();
    let reply = client(&server.url)
        .push_outbox(
            &desk,
            vec![protocol::OutboxEntryDto {
                id: case.id,
                kind: "case_registered".into(),
                payload: serde_json::to_value(&case).unwrap(),
                offline: false,
                author: Some(author_of(&clerk)),
            }],
        )
        .await
        .unwrap();
    assert_eq!(reply.results[0].outcome, "applied", "{reply:?}");
    let number = case.number.to_string();
    let content = b"%PDF-1.7\n% matrix\n%%EOF\n".to_vec();
    let sha256 = hex::encode(Sha256::digest(&content));
    let http = reqwest::Client::new();
    let as_clerk = Caller::Person(desk.clone(), clerk.clone());
    let upload = row(Method::PUT, "", format!("v1/eaddress/attachments/{sha256}"), Body::Bytes(content.clone()), "");
    assert!(call(&http, &server.url, &as_clerk, &upload).await < 300);
    let message_id = Uuid::now_v7();
    let send = row(
        Method::POST,
        "",
        format!("v1/eaddress/mailboxes/{CENTRE_BOX}/messages"),
        json(move || {
            serde_json::json!({ "id": message_id, "recipients": [OWNER_BOX], "subject": "Iesniegums",
                "attachments": [{ "name": "a.pdf", "size": 24, "sha256": hex::encode(Sha256::digest(b"%PDF-1.7\n% matrix\n%%EOF\n")) }] })
        }),
        "",
    );
    assert_eq!(call(&http, &server.url, &as_clerk, &send).await, 201);
    let as_owner = Caller::Key(owner_key.clone());
    let grant = row(
        Method::POST,
        "",
        format!("v1/eaddress/mailboxes/{OWNER_BOX}/delegations"),
        json(|| serde_json::json!({ "delegate": ADMIN, "rights": "read", "ends_on": "2030-01-01" })),
        "",
    );
    assert_eq!(call(&http, &server.url, &as_owner, &grant).await, 201);
    let delegation = store.delegations(Some(OWNER_BOX.into()), None).await.unwrap()[0].id;
    let consent: serde_json::Value = json_of(
        http.post(format!("{}v1/eaddress/consents", server.url))
            .header(PROTOCOL_HEADER, "1")
            .header("authorization", desk.authorization_header())
            .header("pietura-session", &clerk)
            .json(&serde_json::json!({ "rights": "read", "minutes": 10 })),
    )
    .await;
    let consent = consent["id"].as_str().unwrap().to_owned();
    let version = |kind, id: &'static str| {
        let store = server.store.clone();
        async move { store.catalogue_record(kind, id).await.unwrap().unwrap().version }
    };
    let article_version = version(server::store::RecordKind::Article, ARTICLE).await;
    let retired_version = version(server::store::RecordKind::Service, RETIRED_SERVICE).await;
    let form_version = version(server::store::RecordKind::Form, FORM).await;
    let scenario_version = version(server::store::RecordKind::Scenario, SCENARIO).await;
    let scenario_json =
        server.store.catalogue_record(server::store::RecordKind::Scenario, SCENARIO).await.unwrap().unwrap().document;
    let service_json =
        server.store.catalogue_record(server::store::RecordKind::Service, SERVICE).await.unwrap().unwrap().document;
    let article_json =
        server.store.catalogue_record(server::store::RecordKind::Article, ARTICLE).await.unwrap().unwrap().document;
    let organisation_json =
        server.store.catalogue_record(server::store::RecordKind::Organisation, OWNER).await.unwrap().unwrap().document;
    let same = |text: String| json(move || serde_json::from_str(&text).unwrap());
    revoke_desk(&server, revoked_desk.device_id).await;
    // A kiosk release (signed by the minisign tool, domain's fixture): kiosks download it, desks
    // find no release of their kind with that digest.
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../domain/tests");
    let signature = std::fs::read_to_string(fixtures.join("release.txt.minisig")).unwrap();
    let publication = server::releases::Publication {
        kind: DeviceKind::Kiosk,
        version: "0.1.1",
        content: std::fs::read(fixtures.join("release.txt")).unwrap(),
        signature: &signature,
    };
    let key = std::fs::read_to_string(fixtures.join("release-test.pub")).unwrap();
    let release = server::releases::publish(store, &key, publication, "operator", now()).await.unwrap();

    let callers = [
        Caller::Nobody,
        Caller::Device(kiosk.clone()),
        Caller::Device(desk.clone()),
        Caller::Person(kiosk.clone(), citizen.clone()),
        Caller::Person(cesis_desk.clone(), other_clerk.clone()),
        as_clerk.clone(),
        Caller::Person(admin_desk.clone(), admin.clone()),
        as_owner.clone(),
        Caller::Key(other_key.clone()),
        Caller::Person(revoked_desk.clone(), revoked_session.clone()),
        Caller::Key(revoked_key.clone()),
    ];
    let (s, a, o, f) = (encoded(SERVICE), encoded(ARTICLE), encoded(OWNER), encoded(FORM));
    // The form's first version as published: publishing it again changes nothing.
    let form_json = {
        let record = server.store.catalogue_record(server::store::RecordKind::Form, FORM).await.unwrap().unwrap();
        let record: serde_json::Value = serde_json::from_str(&record.document).unwrap();
        record["versions"][0].to_string()
    };
    let message = format!("v1/eaddress/mailboxes/{OWNER_BOX}/messages/{message_id}");
    use Method as M;
    // Columns: nobody kiosk desk citizen other_clerk clerk admin inst_owner inst_other revoked_device revoked_key
    let rows = vec![
        row(M::GET, "/healthz", "healthz", Body::None, "200 200 200 200 200 200 200 200 200 200 200"),
        row(M::GET, "/readyz", "readyz", Body::None, "200 200 200 200 200 200 200 200 200 200 200"),
        row(M::GET, "/metrics", "metrics", Body::None, "200 200 200 200 200 200 200 200 200 200 200"),
        row(
            M::GET,
            "/open-data/catalog.jsonld",
            "open-data/catalog.jsonld",
            Body::None,
            "200 200 200 200 200 200 200 200 200 200 200",
        ),
        row(
            M::GET,
            "/open-data/service-provision.csv",
            "open-data/service-provision.csv",
            Body::None,
            "200 200 200 200 200 200 200 200 200 200 200",
        ),
        row(
            M::GET,
            "/open-data/{dataset}",
            "open-data/service-times",
            Body::None,
            "200 200 200 200 200 200 200 200 200 200 200",
        ),
        row(
            M::GET,
            "/open-data/service-times.csv",
            "open-data/service-times.csv",
            Body::None,
            "200 200 200 200 200 200 200 200 200 200 200",
        ),
        row(
            M::GET,
            "/open-data/service-times.json",
            "open-data/service-times.json",
            Body::None,
            "200 200 200 200 200 200 200 200 200 200 200",
        ),
        row(
            M::GET,
            "/open-data/service-provision.json",
            "open-data/service-provision.json",
            Body::None,
            "200 200 200 200 200 200 200 200 200 200 200",
        ),
        row(
            M::GET,
            "/open-data/eaddress-kpi.csv",
            "open-data/eaddress-kpi.csv",
            Body::None,
            "200 200 200 200 200 200 200 200 200 200 200",
        ),
        row(
            M::GET,
            "/open-data/eaddress-kpi.json",
            "open-data/eaddress-kpi.json",
            Body::None,
            "200 200 200 200 200 200 200 200 200 200 200",
        ),
        row(
            M::GET,
            "/open-data/eaddress-directory.csv",
            "open-data/eaddress-directory.csv",
            Body::None,
            "200 200 200 200 200 200 200 200 200 200 200",
        ),
        row(
            M::POST,
            "/v1/devices/enroll",
            "v1/devices/enroll",
            json(|| serde_json::json!({})),
            "422 422 422 422 422 422 422 422 422 422 422",
        ),
        row(M::GET, "/v1/sync/hello", "v1/sync/hello", Body::None, "401 200 200 200 200 200 200 401 401 403 401"),
        row(
            M::GET,
            "/v1/sync/releases/{sha256}",
            format!("v1/sync/releases/{}", release.sha256),
            Body::None,
            "401 200 404 200 404 404 404 401 401 403 401",
        ),
        row(
            M::GET,
            "/v1/sync/catalogue",
            "v1/sync/catalogue?after=0",
            Body::None,
            "401 200 200 200 200 200 200 401 401 403 401",
        ),
        row(
            M::GET,
            "/v1/sync/catalogue/snapshot",
            "v1/sync/catalogue/snapshot",
            Body::None,
            "401 200 200 200 200 200 200 401 401 403 401",
        ),
        row(
            M::GET,
            "/v1/sync/cases",
            "v1/sync/cases?after=0",
            Body::None,
            "401 403 200 403 200 200 200 401 401 403 401",
        ),
        row(
            M::POST,
            "/v1/sync/message-states",
            "v1/sync/message-states",
            json(|| serde_json::json!({ "ids": [] })),
            "401 403 200 403 200 200 200 401 401 403 401",
        ),
        row(
            M::POST,
            "/v1/sync/outbox",
            "v1/sync/outbox",
            json(|| serde_json::json!({ "entries": [] })),
            "401 403 200 403 200 200 200 401 401 403 401",
        ),
        row(
            M::POST,
            "/v1/auth/challenge",
            "v1/auth/challenge",
            Body::None,
            "401 200 200 200 200 200 200 401 401 403 401",
        ),
        row(
            M::POST,
            "/v1/auth/login",
            "v1/auth/login",
            json(|| serde_json::json!({ "token": "{}", "nonce": "x" })),
            "401 401 401 401 401 401 401 401 401 403 401",
        ),
        row(M::GET, "/v1/auth/session", "v1/auth/session", Body::None, "401 401 401 200 200 200 200 401 401 403 401"),
        row(
            M::GET,
            "/v1/catalogue/services/{id}",
            format!("v1/catalogue/services/{s}"),
            Body::None,
            "200 200 200 200 200 200 200 200 200 200 200",
        ),
        row(
            M::GET,
            "/v1/catalogue/articles/{id}",
            format!("v1/catalogue/articles/{a}"),
            Body::None,
            "200 200 200 200 200 200 200 200 200 200 200",
        ),
        row(
            M::PUT,
            "/v1/catalogue/services/{id}",
            format!("v1/catalogue/services/{s}"),
            same(service_json),
            "401 401 401 401 401 401 401 200 403 401 403",
        ),
        row(
            M::GET,
            "/v1/catalogue/forms/{id}",
            format!("v1/catalogue/forms/{f}"),
            Body::None,
            "200 200 200 200 200 200 200 200 200 200 200",
        ),
        row(
            M::PUT,
            "/v1/catalogue/forms/{id}",
            format!("v1/catalogue/forms/{f}"),
            same(form_json),
            "401 401 401 401 401 401 401 200 403 401 403",
        ),
        row(
            M::GET,
            "/v1/catalogue/scenarios/{id}",
            format!("v1/catalogue/scenarios/{}", encoded(SCENARIO)),
            Body::None,
            "200 200 200 200 200 200 200 200 200 200 200",
        ),
        row(
            M::PUT,
            "/v1/catalogue/scenarios/{id}",
            format!("v1/catalogue/scenarios/{}", encoded(SCENARIO)),
            same(scenario_json),
            "401 401 401 401 401 401 401 200 403 401 403",
        ),
        row(
            M::PUT,
            "/v1/catalogue/organisations/{id}",
            format!("v1/catalogue/organisations/{o}"),
            same(organisation_json),
            "401 401 401 401 401 401 401 200 403 401 403",
        ),
        row(
            M::PUT,
            "/v1/catalogue/articles/{id}",
            format!("v1/catalogue/articles/{a}"),
            same(article_json),
            "401 401 401 401 401 401 401 200 403 401 403",
        ),
        row(
            M::POST,
            "/v1/catalogue/articles/{id}/verify",
            format!("v1/catalogue/articles/{a}/verify?version={}", article_version + 1),
            Body::None,
            "401 401 401 401 401 401 401 200 403 401 403",
        ),
        row(
            M::POST,
            "/v1/catalogue/articles/{id}/flags",
            format!("v1/catalogue/articles/{a}/flags"),
            json(|| serde_json::json!({ "reason": "outdated" })),
            "401 401 401 403 201 201 201 401 401 403 401",
        ),
        row(
            M::GET,
            "/v1/catalogue/flags",
            "v1/catalogue/flags",
            Body::None,
            "401 401 401 401 401 401 401 200 200 401 403",
        ),
        row(
            M::GET,
            "/v1/cases/{number}",
            format!("v1/cases/{number}"),
            Body::None,
            "401 401 401 401 401 401 401 200 404 401 403",
        ),
        row(
            M::POST,
            "/v1/cases",
            "v1/cases",
            json(|| {
                serde_json::json!({
                    "own_id": Uuid::now_v7().to_string(), "service_id": SERVICE, "kind": "consultation",
                    "channel": "phone", "served_at": now() - chrono::Duration::minutes(5)
                })
            }),
            "401 401 401 401 401 401 401 201 403 401 403",
        ),
        row(
            M::POST,
            "/v1/cases/{number}/status",
            format!("v1/cases/{number}/status"),
            json(|| serde_json::json!({ "status": "in_progress", "expected_status": "registered", "note": "" })),
            "401 401 401 401 401 401 401 422 404 401 403",
        ),
        row(
            M::GET,
            "/v1/institution/cases",
            "v1/institution/cases?after=0",
            Body::None,
            "401 401 401 401 401 401 401 200 200 401 403",
        ),
        // Another institution is told the form is not there for it (404), as for a case.
        row(
            M::GET,
            "/v1/forms/{form}/submissions",
            format!("v1/forms/{f}/submissions?after=0"),
            Body::None,
            "401 401 401 401 401 401 401 200 404 401 403",
        ),
        row(
            // No such submission: the owning institution hears so, nobody else gets that far.
            M::GET,
            "/v1/forms/{form}/submissions/{id}/application.pdf",
            format!("v1/forms/{f}/submissions/{}/application.pdf", Uuid::now_v7()),
            Body::None,
            "401 401 401 401 401 401 401 404 404 401 403",
        ),
        row(M::GET, "/v1/citizen/cases", "v1/citizen/cases", Body::None, "401 401 401 200 403 403 403 401 401 403 401"),
        row(
            M::GET,
            "/v1/eaddress/directory",
            "v1/eaddress/directory",
            Body::None,
            "200 200 200 200 200 200 200 200 200 200 200",
        ),
        row(
            M::GET,
            "/v1/eaddress/mailboxes",
            "v1/eaddress/mailboxes",
            Body::None,
            "401 401 401 200 200 200 200 200 200 403 403",
        ),
        row(
            M::GET,
            "/v1/eaddress/mailboxes/{address}/inbox",
            format!("v1/eaddress/mailboxes/{OWNER_BOX}/inbox"),
            Body::None,
            "401 401 401 404 404 404 200 200 404 403 403",
        ),
        row(
            M::GET,
            "/v1/eaddress/mailboxes/{address}/sent",
            format!("v1/eaddress/mailboxes/{OWNER_BOX}/sent"),
            Body::None,
            "401 401 401 404 404 404 200 200 404 403 403",
        ),
        row(
            M::GET,
            "/v1/eaddress/mailboxes/{address}/messages/{id}",
            message.clone(),
            Body::None,
            "401 401 401 404 404 404 200 200 404 403 403",
        ),
        row(
            M::GET,
            "/v1/eaddress/mailboxes/{address}/messages/{id}/attachments/{index}",
            format!("{message}/attachments/0"),
            Body::None,
            "401 401 401 404 404 404 200 200 404 403 403",
        ),
        row(
            M::GET,
            "/v1/eaddress/mailboxes/{address}/accesses",
            format!("v1/eaddress/mailboxes/{OWNER_BOX}/accesses"),
            Body::None,
            "401 401 401 404 404 404 403 200 404 403 403",
        ),
        row(
            M::GET,
            "/v1/eaddress/mailboxes/{address}/delegations",
            format!("v1/eaddress/mailboxes/{OWNER_BOX}/delegations"),
            Body::None,
            "401 401 401 404 404 404 403 200 404 403 403",
        ),
        row(
            M::POST,
            "/v1/eaddress/mailboxes/{address}/delegations",
            format!("v1/eaddress/mailboxes/{OWNER_BOX}/delegations"),
            json(|| serde_json::json!({ "delegate": OTHER_CLERK, "rights": "read", "ends_on": "2030-01-01" })),
            "401 401 401 404 404 404 403 201 404 403 403",
        ),
        row(
            M::POST,
            "/v1/eaddress/mailboxes/{address}/messages",
            format!("v1/eaddress/mailboxes/{OWNER_BOX}/messages"),
            json(|| serde_json::json!({ "id": Uuid::now_v7(), "recipients": [CENTRE_BOX], "subject": "Atbilde" })),
            "401 401 401 404 403 404 403 201 404 403 403",
        ),
        row(
            // Only a citizen at a kiosk gets past who they are (to the signature check: this PDF is
            // unsigned); staff at desks are refused the route.
            M::POST,
            "/v1/eaddress/signed-replies",
            "v1/eaddress/signed-replies",
            json(|| serde_json::json!({ "pdf": "JVBERi0xLjcKJSVFT0YK" })),
            "401 401 401 422 403 403 403 401 401 403 401",
        ),
        row(
            // The same for a citizen's own application: only a citizen at a kiosk gets to the
            // signature check (unsigned here); everyone else is refused who they are.
            M::POST,
            "/v1/citizen/form-submissions",
            "v1/citizen/form-submissions",
            json(|| serde_json::json!({ "pdf": "JVBERi0xLjcKJSVFT0YK" })),
            "401 401 401 422 403 403 403 401 401 403 401",
        ),
        row(
            M::PUT,
            "/v1/eaddress/attachments/{sha256}",
            format!("v1/eaddress/attachments/{sha256}"),
            Body::Bytes(content.clone()),
            "401 403 204 403 204 204 204 204 204 403 403",
        ),
        row(
            M::POST,
            "/v1/eaddress/consents",
            "v1/eaddress/consents",
            json(|| serde_json::json!({ "rights": "read", "minutes": 10 })),
            "401 401 401 403 200 200 403 401 401 403 401",
        ),
        row(
            M::POST,
            "/v1/eaddress/consents/{id}/signature",
            format!("v1/eaddress/consents/{consent}/signature"),
            json(|| serde_json::json!({ "token": "{}" })),
            "401 401 401 403 404 422 404 401 401 403 401",
        ),
        row(
            M::DELETE,
            "/v1/eaddress/consents/{id}",
            format!("v1/eaddress/consents/{consent}"),
            Body::None,
            "401 401 401 404 404 204 404 401 401 403 401",
        ),
        row(
            M::DELETE,
            "/v1/eaddress/mailboxes/{address}/delegations/{id}",
            format!("v1/eaddress/mailboxes/{OWNER_BOX}/delegations/{delegation}"),
            Body::None,
            "401 401 401 404 403 404 403 204 404 403 403",
        ),
        row(
            M::DELETE,
            "/v1/eaddress/mailboxes/{address}/messages/{id}",
            message.clone(),
            Body::None,
            "401 401 401 404 403 404 404 204 404 403 403",
        ),
        row(
            M::DELETE,
            "/v1/catalogue/services/{id}",
            format!("v1/catalogue/services/{}?version={retired_version}", encoded(RETIRED_SERVICE)),
            Body::None,
            "401 401 401 401 401 401 401 200 403 401 403",
        ),
        row(
            M::DELETE,
            "/v1/catalogue/articles/{id}",
            format!("v1/catalogue/articles/{a}?version={}", article_version + 2),
            Body::None,
            "401 401 401 401 401 401 401 200 403 401 403",
        ),
        row(
            M::DELETE,
            "/v1/catalogue/forms/{id}",
            format!("v1/catalogue/forms/{f}?version={form_version}"),
            Body::None,
            "401 401 401 401 401 401 401 200 403 401 403",
        ),
        row(
            M::DELETE,
            "/v1/catalogue/scenarios/{id}",
            format!("v1/catalogue/scenarios/{}?version={scenario_version}", encoded(SCENARIO)),
            Body::None,
            "401 401 401 401 401 401 401 200 403 401 403",
        ),
        row(
            M::DELETE,
            "/v1/catalogue/organisations/{id}",
            format!("v1/catalogue/organisations/{o}?version=2"),
            Body::None,
            "401 401 401 401 401 401 401 200 403 401 403",
        ),
        // The centre administrator: only an admin, at a desk, about the desk's own centre (a
        // device of another centre is not found).
        row(
            M::GET,
            "/v1/admin/dashboard",
            "v1/admin/dashboard",
            Body::None,
            "401 401 401 403 403 403 200 401 401 403 401",
        ),
        row(M::GET, "/v1/admin/staff", "v1/admin/staff", Body::None, "401 401 401 403 403 403 200 401 401 403 401"),
        row(
            M::POST,
            "/v1/admin/staff",
            "v1/admin/staff",
            json(|| serde_json::json!({ "personal_code": OTHER_CLERK, "role": "librarian" })),
            "401 401 401 403 403 403 201 401 401 403 401",
        ),
        row(
            M::DELETE,
            "/v1/admin/staff/{personal_code}/roles/{role}",
            format!("v1/admin/staff/{OTHER_CLERK}/roles/librarian"),
            Body::None,
            "401 401 401 403 403 403 204 401 401 403 401",
        ),
        row(M::GET, "/v1/admin/devices", "v1/admin/devices", Body::None, "401 401 401 403 403 403 200 401 401 403 401"),
        row(
            M::POST,
            "/v1/admin/devices",
            "v1/admin/devices",
            json(|| serde_json::json!({ "kind": "kiosk", "name": "Kiosks 9" })),
            "401 401 401 403 403 403 201 401 401 403 401",
        ),
        row(
            M::DELETE,
            "/v1/admin/devices/{id}",
            format!("v1/admin/devices/{}", cesis_desk.device_id),
            Body::None,
            "401 401 401 403 403 403 404 401 401 403 401",
        ),
        row(
            M::POST,
            "/v1/admin/devices/{id}/code",
            format!("v1/admin/devices/{}/code", cesis_desk.device_id),
            Body::None,
            "401 401 401 403 403 403 404 401 401 403 401",
        ),
        // Workshops exist on training servers only: on the real one, nobody finds them (a
        // training server's trainers and refusals: training_line.rs and training_api.rs).
        row(
            M::GET,
            "/v1/training/scenarios",
            "v1/training/scenarios",
            Body::None,
            "401 401 401 404 404 404 404 401 401 403 401",
        ),
        row(
            M::GET,
            "/v1/training/workshops",
            "v1/training/workshops",
            Body::None,
            "401 401 401 404 404 404 404 401 401 403 401",
        ),
        row(
            M::POST,
            "/v1/training/workshops",
            "v1/training/workshops",
            json(|| serde_json::json!({ "scenarios": ["https://pietura.lv/id/training/birth"], "seats": 1 })),
            "401 401 401 404 404 404 404 401 401 403 401",
        ),
        row(
            M::GET,
            "/v1/training/workshops/{id}",
            format!("v1/training/workshops/{}", Uuid::now_v7()),
            Body::None,
            "401 401 401 404 404 404 404 401 401 403 401",
        ),
        row(
            M::POST,
            "/v1/training/workshops/{id}/reset",
            format!("v1/training/workshops/{}/reset", Uuid::now_v7()),
            json(|| serde_json::json!({})),
            "401 401 401 404 404 404 404 401 401 403 401",
        ),
        row(
            M::POST,
            "/v1/training/cards",
            "v1/training/cards",
            json(|| serde_json::json!({ "personal_code": "010718-20000" })),
            "401 404 404 404 404 404 404 401 401 403 401",
        ),
        // Last: it ends the people's sessions.
        row(M::POST, "/v1/auth/logout", "v1/auth/logout", Body::None, "401 401 401 204 204 204 204 401 401 403 401"),
    ];

    // Every route of the document is in the table, and nothing else.
    let openapi: serde_json::Value =
        http.get(format!("{}openapi.json", server.url)).send().await.unwrap().json().await.unwrap();
    let documented: BTreeSet<(String, String)> = openapi["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, methods)| methods.as_object().unwrap().keys().map(move |m| (m.to_uppercase(), path.clone())))
        .collect();
    let tabled: BTreeSet<(String, String)> =
        rows.iter().map(|r| (r.method.to_string(), r.template.to_owned())).collect();
    assert_eq!(
        documented.difference(&tabled).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "routes in the OpenAPI document that the matrix does not list"
    );
    assert_eq!(
        tabled.difference(&documented).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "routes in the matrix that the OpenAPI document does not list"
    );

    let print = std::env::var("PIETURA_MATRIX_PRINT").is_ok();
    let mut wrong = Vec::new();
    for row in &rows {
        // The owning institution goes last, so what it changes (a record retired, a
        // delegation revoked) cannot hide what another caller may do with the same row.
        let mut got = vec![String::new(); callers.len()];
        let owner = CALLERS.iter().position(|c| *c == "inst_owner").unwrap();
        for index in (0..callers.len()).filter(|i| *i != owner).chain([owner]) {
            got[index] = call(&http, &server.url, &callers[index], row).await.to_string();
        }
        let got = got.join(" ");
        if print {
            println!("{} {} => \"{got}\"", row.method, row.template);
        }
        if got != row.expected {
            let differs: Vec<String> = row
                .expected
                .split(' ')
                .zip(got.split(' '))
                .zip(CALLERS)
                .filter(|((want, have), _)| want != have)
                .map(|((want, have), who)| format!("{who}: expected {want}, got {have}"))
                .collect();
            wrong.push(format!("{} {}: {}", row.method, row.template, differs.join("; ")));
        }
    }
    assert!(wrong.is_empty(), "the matrix differs:\n{}", wrong.join("\n"));
}

async fn revoke_desk(server: &Running, id: Uuid) {
    server.store.revoke_device(id, now()).await.unwrap();
}
