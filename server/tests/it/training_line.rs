//! The line between the real service and training (issue 18), tried from both sides: the real
//! server refuses every training person however they arrive (a card login, a role granted, an
//! outbox entry, a mailbox in a path or a body), and a training server refuses every real person
//! the same ways and publishes no open data. Each server says which it is in every answer.

use device::protocol::DeviceCredentials;
use domain::{DeviceKind, Role, case::Case};
use protocol::OutboxEntryDto;
use reqwest::Method;
use serde_json::json;

use crate::api::{Running, author_of, card_of, client, client_for, enrolled, log_in_with};
use crate::people::{CLERK, COLLEAGUE, now};

/// A case registered for `customer` by the clerk `clerk` at the desk `desk`.
async fn case_for(server: &Running, desk: &DeviceCredentials, clerk: &str, customer: &str, serial: u32) -> Case {
    let served = now() - chrono::Duration::minutes(3);
    let centre = client_for(server).hello(desk).await.unwrap().centre;
    Case::register(domain::case::NewCase {
        id: uuid::Uuid::now_v7(),
        number: domain::case::CaseNumber::new(&centre.code, 1, chrono::Datelike::year(&served), serial).unwrap(),
        service_id: "https://pietura.lv/id/service/dog-fee".into(),
        kind: domain::case::CaseKind::Consultation,
        channel: domain::catalogue::ChannelKind::VpvkacInPerson,
        customer: domain::case::customer_from_code(customer, "Klients").unwrap(),
        holder_institution: "https://pietura.lv/id/org/riga".into(),
        provider_institution: None,
        centre_id: centre.id,
        arrived_at: served,
        served_at: served,
        registered_at: served,
        registered_by: domain::case::Actor::Staff {
            personal_code: domain::PersonalCode::parse(clerk).unwrap(),
            offline: false,
        },
        note: String::new(),
    })
    .unwrap()
}

fn entry(case: &Case, session: &str) -> OutboxEntryDto {
    OutboxEntryDto {
        id: case.id,
        kind: "case_registered".into(),
        payload: serde_json::to_value(case).unwrap(),
        offline: false,
        author: Some(author_of(session)),
    }
}

/// A request as a desk with a person's session makes it; answers the status, the error code and
/// what the server says it is.
async fn call(
    server: &Running,
    desk: &DeviceCredentials,
    session: &str,
    method: Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> (u16, String, String) {
    let answer = crate::api::as_person(server, desk, session, method, path, body).await;
    let status = answer.status().as_u16();
    let environment = answer.headers()[protocol::ENVIRONMENT_HEADER].to_str().unwrap().to_owned();
    let body: serde_json::Value = answer.json().await.unwrap_or_default();
    (status, body["code"].as_str().unwrap_or_default().to_owned(), environment)
}

async fn centre(server: &Running) {
    server::devices::add_centre(server.store.as_ref(), "Rīgas VPVKAC", "Rīga", Some("RCV"), now()).await.unwrap();
    crate::api::import_demo(server).await;
}

on_both_backends!(server: the_real_server_refuses_training_people);

async fn the_real_server_refuses_training_people(server: Running) {
    centre(&server).await;
    let trainee = domain::training::training_code(7, 1).to_string();
    let desk = enrolled(&server, "Rīgas VPVKAC", DeviceKind::Desk, "Galds 1").await;
    server::login::grant(server.store.as_ref(), COLLEAGUE, Role::Admin, "Rīgas VPVKAC", now()).await.unwrap();
    server::login::grant(server.store.as_ref(), CLERK, Role::Clerk, "Rīgas VPVKAC", now()).await.unwrap();
    let admin = log_in_with(&server, &desk, &mut card_of(&server, COLLEAGUE)).await;
    // A training device's client takes nothing from the real server.
    let refused = client(&server.url).in_training().hello(&desk).await.unwrap_err();
    assert_eq!(refused.code(), "environment_crossing", "{refused}");

    // A training card does not log in, even with a role recorded behind the API's back.
    server::login::grant(server.store.as_ref(), &trainee, Role::Clerk, "Rīgas VPVKAC", now()).await.unwrap();
    let client = client(&server.url);
    let challenge = client.login_challenge(&desk).await.unwrap();
    let pin = eid::apdu::Pin::new("1234", eid::apdu::PIN_MIN_LENGTH).unwrap();
    let token = card_of(&server, &trainee).sign_login(&pin, &challenge.origin, &challenge.nonce, "test").unwrap();
    match client.log_in(&desk, &token.to_json(), &challenge.nonce).await {
        Err(device::client::ClientError::Rejected { status: 403, code, .. }) => {
            assert_eq!(code, "environment_crossing")
        }
        other => panic!("a training card logged in at the real server: {other:?}"),
    }

    // No role is granted to a training person; a path naming one is refused before anything.
    let body = json!({ "personal_code": trainee, "role": "clerk" });
    let (status, code, environment) =
        call(&server, &desk, &admin, Method::POST, protocol::ADMIN_STAFF_PATH, Some(body)).await;
    assert_eq!((status, code.as_str(), environment.as_str()), (403, "environment_crossing", "production"));
    let path = format!("/v1/admin/staff/{trainee}/roles/clerk");
    assert_eq!(call(&server, &desk, &admin, Method::DELETE, &path, None).await.1, "environment_crossing");
    let mailbox = format!("/v1/eaddress/mailboxes/_PRIVATE@{}/messages", trainee.replace('-', ""));
    assert_eq!(call(&server, &desk, &admin, Method::GET, &mailbox, None).await.1, "environment_crossing");
    let (status, ..) = call(&server, &desk, &admin, Method::GET, protocol::ADMIN_STAFF_PATH, None).await;
    assert_eq!(status, 200, "the same calls without a training person go through");

    // A desk that somehow queued a training customer's case: that entry is refused with the
    // reason, the real case beside it goes in.
    let clerk = log_in_with(&server, &desk, &mut card_of(&server, CLERK)).await;
    let training_case = case_for(&server, &desk, CLERK, &trainee, 1).await;
    let real_case = case_for(&server, &desk, CLERK, "290156-11605", 2).await;
    let reply =
        client.push_outbox(&desk, vec![entry(&training_case, &clerk), entry(&real_case, &clerk)]).await.unwrap();
    assert_eq!(
        (reply.results[0].outcome.as_str(), reply.results[0].code.as_deref()),
        ("rejected", Some("environment_crossing")),
        "{reply:?}"
    );
    assert!(reply.results[0].reason.as_deref().unwrap().contains("training"));
    assert_eq!(reply.results[1].outcome, "applied", "{reply:?}");
    assert!(server.store.case(training_case.id).await.unwrap().is_none(), "nothing of it was kept");
}

on_both_backends!(training_server: a_training_server_refuses_real_people_and_publishes_no_open_data);

async fn a_training_server_refuses_real_people_and_publishes_no_open_data(server: Running) {
    // A client in normal use refuses a training server's answers.
    let normal =
        client(&server.url).hello(&DeviceCredentials { device_id: uuid::Uuid::now_v7(), secret: "x".into() }).await;
    assert_eq!(normal.unwrap_err().code(), "environment_crossing");
    centre(&server).await;
    let trainer = domain::training::training_code(7, 0).to_string();
    let trainee = domain::training::training_code(7, 1).to_string();
    let customer = domain::training::training_code(7, 2).to_string();
    let desk = enrolled(&server, "Rīgas VPVKAC", DeviceKind::Desk, "Galds 1").await;
    server::login::grant(server.store.as_ref(), &trainer, Role::Admin, "Rīgas VPVKAC", now()).await.unwrap();
    server::login::grant(server.store.as_ref(), CLERK, Role::Clerk, "Rīgas VPVKAC", now()).await.unwrap();

    // A real card does not log in, whatever its roles; a training card does.
    let client = client_for(&server);
    let challenge = client.login_challenge(&desk).await.unwrap();
    let pin = eid::apdu::Pin::new("1234", eid::apdu::PIN_MIN_LENGTH).unwrap();
    let token = card_of(&server, CLERK).sign_login(&pin, &challenge.origin, &challenge.nonce, "test").unwrap();
    match client.log_in(&desk, &token.to_json(), &challenge.nonce).await {
        Err(device::client::ClientError::Rejected { status: 403, code, .. }) => {
            assert_eq!(code, "environment_crossing")
        }
        other => panic!("a real card logged in at a training server: {other:?}"),
    }
    let admin = log_in_with(&server, &desk, &mut card_of(&server, &trainer)).await;

    // Roles go to training people only.
    let real = json!({ "personal_code": "290156-11605", "role": "clerk" });
    let (status, code, environment) =
        call(&server, &desk, &admin, Method::POST, protocol::ADMIN_STAFF_PATH, Some(real)).await;
    assert_eq!((status, code.as_str(), environment.as_str()), (403, "environment_crossing", "training"));
    let trained = json!({ "personal_code": trainee, "role": "clerk" });
    assert_eq!(call(&server, &desk, &admin, Method::POST, protocol::ADMIN_STAFF_PATH, Some(trained)).await.0, 201);

    // Cases for training customers go in; a real customer's is refused.
    let clerk = log_in_with(&server, &desk, &mut card_of(&server, &trainee)).await;
    let real_case = case_for(&server, &desk, &trainee, "290156-11605", 1).await;
    let training_case = case_for(&server, &desk, &trainee, &customer, 2).await;
    let reply =
        client.push_outbox(&desk, vec![entry(&real_case, &clerk), entry(&training_case, &clerk)]).await.unwrap();
    assert_eq!(reply.results[0].code.as_deref(), Some("environment_crossing"), "{reply:?}");
    assert_eq!(reply.results[1].outcome, "applied", "{reply:?}");

    // Nothing from a workshop is published as open data.
    for path in ["/open-data/service-provision.csv", "/open-data/catalog.jsonld", "/open-data/eaddress-kpi.csv"] {
        let answer = reqwest::get(format!("{}{}", server.url.trim_end_matches('/'), path)).await.unwrap();
        assert_eq!(answer.status(), 404, "{path}");
        assert_eq!(answer.headers()[protocol::ENVIRONMENT_HEADER], "training");
    }
}
