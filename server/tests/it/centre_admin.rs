//! Issue 17: a centre administrator manages their own centre's staff and devices and reads its
//! figures from a desk; the centre is always the desk's own, every change is audited under the
//! administrator's name, and nothing of another centre can be seen or touched.

use domain::{DeviceKind, Role};
use protocol::{CentreDashboard, CentreDevices, DeviceEnrollmentCode, StaffList};
use reqwest::Method;
use serde_json::json;

use crate::api::{Running, author_of, card_of, client, enrolled, import_demo, log_in_card, log_in_with};
use crate::people::{CLERK, COLLEAGUE, now};

const NEW_CLERK: &str = "290156-11605";

async fn get<T: serde::de::DeserializeOwned>(
    server: &Running,
    desk: &protocol::DeviceCredentials,
    session: &str,
    path: &str,
) -> Result<T, device::client::ClientError> {
    client(&server.url).get_as_person(desk, session, path).await
}

async fn send<T: serde::de::DeserializeOwned>(
    server: &Running,
    method: Method,
    desk: &protocol::DeviceCredentials,
    session: &str,
    path: &str,
    body: Option<serde_json::Value>,
) -> Result<T, device::client::ClientError> {
    client(&server.url).send_as_person(method, desk, session, path, body.as_ref()).await
}

fn refused_with<T: std::fmt::Debug>(answer: Result<T, device::client::ClientError>, status: u16) -> String {
    match answer {
        Err(device::client::ClientError::Rejected { status: got, message, .. }) if got == status => message,
        other => panic!("expected a refusal {status}, got {other:?}"),
    }
}

on_both_backends!(server: an_administrator_runs_their_own_centre_and_cannot_reach_another);

async fn an_administrator_runs_their_own_centre_and_cannot_reach_another(server: Running) {
    let store = server.store.as_ref();
    server::devices::add_centre(store, "Rīgas VPVKAC", "Rīga", Some("RCV"), now()).await.unwrap();
    server::devices::add_centre(store, "Cēsu VPVKAC", "Cēsis", Some("CES"), now()).await.unwrap();
    import_demo(&server).await;
    let admin_desk = enrolled(&server, "Rīgas VPVKAC", DeviceKind::Desk, "Galds 1").await;
    let clerk_desk = enrolled(&server, "Rīgas VPVKAC", DeviceKind::Desk, "Galds 2").await;
    let cesis_desk = enrolled(&server, "Cēsu VPVKAC", DeviceKind::Desk, "Cēsis 1").await;
    let admin = log_in_card(&server, &admin_desk, COLLEAGUE, Some(Role::Admin)).await;
    let clerk = log_in_card(&server, &clerk_desk, CLERK, Some(Role::Clerk)).await;

    // A clerk is not an administrator.
    refused_with(get::<StaffList>(&server, &clerk_desk, &clerk, protocol::ADMIN_STAFF_PATH).await, 403);

    // Staff: the administrator and the clerk, named as their cards said, with their last login.
    let staff: StaffList = get(&server, &admin_desk, &admin, protocol::ADMIN_STAFF_PATH).await.unwrap();
    let codes: Vec<&str> = staff.members.iter().map(|m| m.personal_code.as_str()).collect();
    assert_eq!(codes, [CLERK, COLLEAGUE]);
    assert!(staff.members.iter().all(|m| !m.name.is_empty() && m.last_login_at.is_some()), "{staff:?}");
    assert!(staff.logins.iter().any(|e| e.kind == "login" && e.device_name == "Galds 2"), "{:?}", staff.logins);

    // Granting a role to a new clerk: refused for a made-up code or role, then granted; that
    // person's card now logs in as a clerk of this centre.
    let bad_code = send::<StaffList>(
        &server,
        Method::POST,
        &admin_desk,
        &admin,
        protocol::ADMIN_STAFF_PATH,
        Some(json!({ "personal_code": "123", "role": "clerk" })),
    );
    assert!(refused_with(bad_code.await, 422).contains("personal code"));
    let bad_role = send::<StaffList>(
        &server,
        Method::POST,
        &admin_desk,
        &admin,
        protocol::ADMIN_STAFF_PATH,
        Some(json!({ "personal_code": NEW_CLERK, "role": "citizen" })),
    );
    assert!(refused_with(bad_role.await, 422).contains("staff role"));
    let granted: StaffList = send(
        &server,
        Method::POST,
        &admin_desk,
        &admin,
        protocol::ADMIN_STAFF_PATH,
        Some(json!({ "personal_code": NEW_CLERK, "role": "clerk" })),
    )
    .await
    .unwrap();
    let new = granted.members.iter().find(|m| m.personal_code == NEW_CLERK).unwrap();
    assert_eq!((new.roles.clone(), new.name.as_str(), new.last_login_at), (vec!["clerk".to_owned()], "", None));
    let new_session = log_in_with(&server, &clerk_desk, &mut card_of(&server, NEW_CLERK)).await;
    let session = client(&server.url).session(&clerk_desk, &new_session).await.unwrap();
    assert_eq!(session.roles, ["clerk"]);
    let grants = store.role_grants(Some(NEW_CLERK)).await.unwrap();
    assert_eq!(grants.iter().map(|g| g.centre.name.as_str()).collect::<Vec<_>>(), ["Rīgas VPVKAC"]);

    // Taking it away ends that person's session at once; one's own admin role cannot be taken.
    let path = format!("/v1/admin/staff/{NEW_CLERK}/roles/clerk");
    send::<()>(&server, Method::DELETE, &admin_desk, &admin, &path, None).await.unwrap();
    assert!(client(&server.url).session(&clerk_desk, &new_session).await.unwrap_err().is_unauthorised());
    let own = format!("/v1/admin/staff/{COLLEAGUE}/roles/admin");
    assert!(
        refused_with(send::<()>(&server, Method::DELETE, &admin_desk, &admin, &own, None).await, 409)
            .contains("another administrator")
    );

    // Devices: added with a code that enrolls it; listed with state, last contact and version.
    let added: DeviceEnrollmentCode = send(
        &server,
        Method::POST,
        &admin_desk,
        &admin,
        protocol::ADMIN_DEVICES_PATH,
        Some(json!({ "kind": "kiosk", "name": "Bibliotēkas kiosks" })),
    )
    .await
    .unwrap();
    assert_eq!((added.device.state.as_str(), added.device.desk_number), ("waiting", None));
    let kiosk = client(&server.url).enroll(&added.code).await.unwrap();
    let kiosk = protocol::DeviceCredentials { device_id: kiosk.device_id, secret: kiosk.device_secret };
    client(&server.url).hello(&kiosk).await.unwrap();
    let listed: CentreDevices = get(&server, &admin_desk, &admin, protocol::ADMIN_DEVICES_PATH).await.unwrap();
    assert_eq!(listed.devices.len(), 3, "this centre's devices only: {listed:?}");
    let shown = listed.devices.iter().find(|d| d.id == kiosk.device_id).unwrap();
    assert_eq!(shown.state, "enrolled");
    assert!(shown.last_seen_at.is_some());
    assert_eq!(shown.reported_version.as_deref(), Some(env!("CARGO_PKG_VERSION")), "the sync client's own");
    assert_eq!(shown.outbox, None, "it has said nothing of its outbox yet");
    // The kiosk says its outbox holds two entries, one refused: the list and the dashboard show
    // it as of its last contact; a report that cannot be read changes nothing.
    let three_hours_ago = chrono::SubsecRound::trunc_subsecs(now() - chrono::Duration::hours(3), 0);
    let said = protocol::OutboxReport { pending: 2, refused: 1, oldest: Some(three_hours_ago) };
    let reporting = client(&server.url);
    reporting.report_outbox(&said);
    reporting.hello(&kiosk).await.unwrap();
    let garbled = reqwest::Client::new()
        .get(format!("{}{}", server.url.trim_end_matches('/'), protocol::HELLO_PATH))
        .header("pietura-protocol", "1")
        .header("authorization", kiosk.authorization_header())
        .header(protocol::OUTBOX_HEADER, "pending=lots")
        .send()
        .await
        .unwrap();
    assert_eq!(garbled.status(), 200, "a device's report is its own claim, not a reason to refuse it");
    let listed: CentreDevices = get(&server, &admin_desk, &admin, protocol::ADMIN_DEVICES_PATH).await.unwrap();
    let shown = listed.devices.iter().find(|d| d.id == kiosk.device_id).unwrap();
    assert_eq!(shown.outbox.map(|o| (o.pending, o.refused)), Some((2, 1)));
    let dashboard: protocol::CentreDashboard =
        get(&server, &admin_desk, &admin, protocol::ADMIN_DASHBOARD_PATH).await.unwrap();
    assert_eq!(dashboard.outboxes.len(), 1, "{:?}", dashboard.outboxes);
    assert_eq!((dashboard.outboxes[0].name.as_str(), dashboard.outboxes[0].outbox), ("Bibliotēkas kiosks", said));
    // The fleet: a device still on an older version is shown behind the newest any device of the
    // server runs (here the test's own client, on every other device); all were heard from today.
    let old = reqwest::Client::new()
        .get(format!("{}{}", server.url.trim_end_matches('/'), protocol::HELLO_PATH))
        .header("pietura-protocol", "1")
        .header("authorization", kiosk.authorization_header())
        .header("user-agent", "pietura-sync/0.0.1")
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), 200);
    let listed: CentreDevices = get(&server, &admin_desk, &admin, protocol::ADMIN_DEVICES_PATH).await.unwrap();
    for device in &listed.devices {
        let expected = (device.id == kiosk.device_id).then(|| env!("CARGO_PKG_VERSION").to_owned());
        assert_eq!(device.behind, expected, "{}: {device:?}", device.name);
        assert!(!device.unseen || device.state != "enrolled" || device.last_seen_at.is_none(), "{device:?}");
    }
    // The same name twice is a conflict, said so.
    let twice = send::<DeviceEnrollmentCode>(
        &server,
        Method::POST,
        &admin_desk,
        &admin,
        protocol::ADMIN_DEVICES_PATH,
        Some(json!({ "kind": "kiosk", "name": "Bibliotēkas kiosks" })),
    );
    refused_with(twice.await, 409);

    // Another centre's device: not found, whether revoking or renewing its code.
    let cesis = format!("/v1/admin/devices/{}", cesis_desk.device_id);
    refused_with(send::<()>(&server, Method::DELETE, &admin_desk, &admin, &cesis, None).await, 404);
    let cesis_code = format!("{cesis}/code");
    refused_with(
        send::<DeviceEnrollmentCode>(&server, Method::POST, &admin_desk, &admin, &cesis_code, None).await,
        404,
    );
    client(&server.url).hello(&cesis_desk).await.expect("the other centre's desk works on");
    // Not the desk the administrator works at.
    let own_desk = format!("/v1/admin/devices/{}", admin_desk.device_id);
    refused_with(send::<()>(&server, Method::DELETE, &admin_desk, &admin, &own_desk, None).await, 409);
    // Revoked: refused from its next request on.
    let revoke = format!("/v1/admin/devices/{}", kiosk.device_id);
    send::<()>(&server, Method::DELETE, &admin_desk, &admin, &revoke, None).await.unwrap();
    assert!(client(&server.url).hello(&kiosk).await.is_err());

    // Everything the administrator changed is in the audit log under their name.
    let entries = store.audit_entries(0, 1000).await.unwrap();
    let by_admin: Vec<&str> =
        entries.iter().filter(|e| e.actor == format!("person:{COLLEAGUE}")).map(|e| e.action.as_str()).collect();
    for action in ["role_granted", "role_revoked", "device_added", "device_revoked"] {
        assert!(by_admin.contains(&action), "{action} not audited under the administrator: {by_admin:?}");
    }

    // Figures: a case the clerk registered today counts for today, the month, the clerk and
    // the service, and its waiting and service minutes make today's point of the chart.
    // In the first minutes after Riga's midnight "three minutes ago" was yesterday: wait them out
    // (found at 00:02 one night).
    while domain::calendar::riga_date(now() - chrono::Duration::minutes(3)) != domain::calendar::riga_date(now()) {
        tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    }
    let served = now() - chrono::Duration::minutes(3);
    let case = domain::case::Case::register(domain::case::NewCase {
        id: uuid::Uuid::now_v7(),
        number: domain::case::CaseNumber::new("RCV", 2, chrono::Datelike::year(&served), 1).unwrap(),
        service_id: "https://pietura.lv/id/service/dog-fee".into(),
        kind: domain::case::CaseKind::Consultation,
        channel: domain::catalogue::ChannelKind::VpvkacInPerson,
        customer: domain::case::customer_from_code("325035-11782", "Jānis Bērziņš").unwrap(),
        holder_institution: "https://pietura.lv/id/org/riga".into(),
        provider_institution: None,
        centre_id: client(&server.url).hello(&clerk_desk).await.unwrap().centre.id,
        arrived_at: served - chrono::Duration::minutes(12),
        served_at: served,
        registered_at: served + chrono::Duration::minutes(2),
        registered_by: domain::case::Actor::Staff {
            personal_code: domain::PersonalCode::parse(CLERK).unwrap(),
            offline: false,
        },
        note: String::new(),
    })
    .unwrap();
    let entry = protocol::OutboxEntryDto {
        id: case.id,
        kind: "case_registered".into(),
        payload: serde_json::to_value(&case).unwrap(),
        offline: false,
        author: Some(author_of(&clerk)),
    };
    let reply = client(&server.url).push_outbox(&clerk_desk, vec![entry]).await.unwrap();
    assert_eq!(reply.results[0].outcome, "applied", "{reply:?}");
    let figures: CentreDashboard = get(&server, &admin_desk, &admin, protocol::ADMIN_DASHBOARD_PATH).await.unwrap();
    assert_eq!(figures.centre.name, "Rīgas VPVKAC");
    assert_eq!((figures.today.cases, figures.month.cases), (1, 1));
    assert_eq!(figures.today.by_clerk[0].key, CLERK);
    assert_eq!(figures.today.by_channel[0].key, "vpvkac_in_person");
    let today = figures.days.last().unwrap();
    assert_eq!((today.cases, today.waiting_median_minutes, today.service_median_minutes), (1, Some(12), Some(2)));
    // Cēsis's administrator sees none of it.
    server::login::grant(store, "321188-17335", Role::Admin, "Cēsu VPVKAC", now()).await.unwrap();
    let cesis_admin = log_in_with(&server, &cesis_desk, &mut card_of(&server, "321188-17335")).await;
    let theirs: CentreDashboard =
        get(&server, &cesis_desk, &cesis_admin, protocol::ADMIN_DASHBOARD_PATH).await.unwrap();
    assert_eq!((theirs.centre.name.as_str(), theirs.month.cases), ("Cēsu VPVKAC", 0));
    let their_devices: CentreDevices =
        get(&server, &cesis_desk, &cesis_admin, protocol::ADMIN_DEVICES_PATH).await.unwrap();
    assert_eq!(their_devices.devices.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(), ["Cēsis 1"]);
    let their_staff: StaffList = get(&server, &cesis_desk, &cesis_admin, protocol::ADMIN_STAFF_PATH).await.unwrap();
    assert_eq!(their_staff.members.iter().map(|m| m.personal_code.as_str()).collect::<Vec<_>>(), ["321188-17335"]);
}
