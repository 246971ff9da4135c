//! eID login over HTTP with the real client: a virtual card (in-process) signs the server's
//! challenge; the server validates the token against a test CA, checks roles, opens sessions,
//! and refuses every kind of bad login for its own reason.

use std::{
    net::TcpListener,
    sync::{
        Arc,
        atomic::{AtomicI64, Ordering},
    },
    time::Duration,
};

use crate::people::CLERK;
use chrono::{DateTime, Utc};
use device::{
    client::{ClientError, SyncClient, parse_server_url},
    protocol::DeviceCredentials,
};
use domain::{DeviceKind, Role};
use eid::{
    EidCard, ParsedCertificate, ValidatorConfig,
    apdu::{KeyKind, PIN_MIN_LENGTH, Pin},
    test_ca::{CardCertificateOptions, CardKey, CardProfile, Holder, TestCa},
    virtual_card::VirtualCard,
};
use server::{AppState, devices, login::Login, store::Store};

const ORIGIN: &str = "https://pietura.test";

struct World {
    client: SyncClient,
    store: Arc<dyn Store>,
    ca: TestCa,
    /// Seconds added to the real clock, to move the server's time.
    offset: Arc<AtomicI64>,
    _backend: crate::backends::Backend,
}

fn now() -> DateTime<Utc> {
    #[allow(clippy::disallowed_methods)] // the tests' own reference time
    Utc::now()
}

async fn world(with_login: bool) -> World {
    world_with(with_login, false).await
}

async fn world_with(with_login: bool, ocsp: bool) -> World {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let backend = crate::backends::sqlite().await;
    let store = backend.store.clone();
    let offset = Arc::new(AtomicI64::new(0));
    let clock_offset = offset.clone();
    let clock: server::clock::Clock =
        Arc::new(move || now() + chrono::Duration::seconds(clock_offset.load(Ordering::SeqCst)));
    let ca = TestCa::generate(now()).unwrap();
    let login = with_login.then(|| {
        Login::new(
            ValidatorConfig {
                origin: ORIGIN.into(),
                trusted_cas: ParsedCertificate::all_from_pem(&ca.intermediate_pem().unwrap()).unwrap(),
                disallowed_policies: eid::token::DEFAULT_DISALLOWED_POLICIES.iter().map(|p| p.to_string()).collect(),
            },
            chrono::Duration::hours(10),
            chrono::Duration::minutes(15),
        )
        .unwrap()
    });
    let login = login.map(|l| if ocsp { l.with_ocsp(server::login::OcspChecker::new(None)) } else { l });
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let state = AppState::new(store.clone(), clock).with_login(login);
    tokio::spawn(server::serve(listener, state, None, Duration::from_secs(1), std::future::pending()));
    devices::add_centre(store.as_ref(), "Rīgas VPVKAC", "Rīga", None, now()).await.unwrap();
    devices::add_centre(store.as_ref(), "Cēsu VPVKAC", "Cēsis", None, now()).await.unwrap();
    let client = SyncClient::new(parse_server_url(&url).unwrap()).unwrap();
    World { client, store, ca, offset, _backend: backend }
}

impl World {
    async fn device(&self, kind: DeviceKind, centre: &str, name: &str) -> DeviceCredentials {
        let (_, code) = devices::add_device(self.store.as_ref(), centre, kind, name, chrono::Duration::hours(1), now())
            .await
            .unwrap();
        let enrolled = self.client.enroll(&code.to_string()).await.unwrap();
        DeviceCredentials { device_id: enrolled.device_id, secret: enrolled.device_secret }
    }

    fn card(&self, code: &str, kind: KeyKind) -> EidCard<VirtualCard> {
        let holder = Holder { given_name: "ILZE".into(), surname: "OZOLIŅA".into(), personal_code: code.into() };
        let profile = self.ca.issue_card(holder, kind, now() - chrono::Duration::days(1), None, "1234", "123456");
        EidCard::new(VirtualCard::new(profile.unwrap()))
    }

    /// A challenge from the server, signed by `card` for `origin`: (token JSON, nonce).
    async fn signed(
        &self,
        device: &DeviceCredentials,
        card: &mut EidCard<VirtualCard>,
        origin: &str,
    ) -> (String, String) {
        let challenge = self.client.login_challenge(device).await.unwrap();
        assert_eq!(challenge.origin, ORIGIN);
        assert!(challenge.nonce.len() >= 44, "256 bits at least");
        let pin = Pin::new("1234", PIN_MIN_LENGTH).unwrap();
        let token = card.sign_login(&pin, origin, &challenge.nonce, "https://pietura.lv/desk/test").unwrap();
        (token.to_json(), challenge.nonce)
    }

    async fn events(&self) -> Vec<(String, String)> {
        self.store.auth_events(100).await.unwrap().into_iter().rev().map(|e| (e.kind, e.detail)).collect()
    }
}

fn rejected(result: Result<impl std::fmt::Debug, ClientError>) -> (u16, String) {
    match result {
        Err(ClientError::Rejected { status, code, .. }) => (status, code),
        other => panic!("expected a rejection, got {other:?}"),
    }
}

#[tokio::test]
async fn a_clerk_logs_in_with_either_card_generation_and_logs_out() {
    let world = world(true).await;
    let desk = world.device(DeviceKind::Desk, "Rīgas VPVKAC", "Galds 1").await;
    server::login::grant(world.store.as_ref(), CLERK, Role::Clerk, "Rīgas VPVKAC", now()).await.unwrap();
    server::login::grant(world.store.as_ref(), CLERK, Role::Trainer, "Rīgas VPVKAC", now()).await.unwrap();
    server::login::grant(world.store.as_ref(), CLERK, Role::Admin, "Cēsu VPVKAC", now()).await.unwrap();
    for kind in [KeyKind::EcP384, KeyKind::Rsa2048] {
        let mut card = world.card(CLERK, kind);
        let (token, nonce) = world.signed(&desk, &mut card, ORIGIN).await;
        let logged_in = world.client.log_in(&desk, &token, &nonce).await.unwrap();
        assert_eq!(logged_in.session.person.personal_code, CLERK);
        assert_eq!(logged_in.session.person.given_name, "ILZE");
        assert_eq!(logged_in.session.roles, ["clerk", "trainer"], "only this centre's roles");
        assert!(!logged_in.certificate.is_empty());
        let session = world.client.session(&desk, &logged_in.session_token).await.unwrap();
        assert_eq!(session, logged_in.session);

        // The session is this device's only.
        let other_desk = world.device(DeviceKind::Desk, "Rīgas VPVKAC", &format!("Galds {kind:?}")).await;
        assert_eq!(rejected(world.client.session(&other_desk, &logged_in.session_token).await).1, "session_invalid");

        world.client.log_out(&desk, &logged_in.session_token).await.unwrap();
        assert_eq!(rejected(world.client.session(&desk, &logged_in.session_token).await).1, "session_invalid");
    }
    let kinds: Vec<String> = world.events().await.into_iter().map(|(kind, _)| kind).collect();
    assert_eq!(kinds, ["login", "logout", "login", "logout"]);
}

#[tokio::test]
async fn every_bad_login_is_refused_for_its_own_reason_and_recorded() {
    let world = world(true).await;
    let desk = world.device(DeviceKind::Desk, "Rīgas VPVKAC", "Galds 1").await;
    server::login::grant(world.store.as_ref(), CLERK, Role::Clerk, "Rīgas VPVKAC", now()).await.unwrap();
    let mut card = world.card(CLERK, KeyKind::EcP384);

    // Replayed: the same token and nonce again.
    let (token, nonce) = world.signed(&desk, &mut card, ORIGIN).await;
    world.client.log_in(&desk, &token, &nonce).await.unwrap();
    assert_eq!(rejected(world.client.log_in(&desk, &token, &nonce).await), (401, "challenge_unknown".into()));

    // A nonce the server never gave.
    let (token, _) = world.signed(&desk, &mut card, ORIGIN).await;
    let made_up = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    assert_eq!(rejected(world.client.log_in(&desk, &token, made_up).await).1, "challenge_unknown");

    // Another device's challenge.
    let other_desk = world.device(DeviceKind::Desk, "Rīgas VPVKAC", "Galds 2").await;
    let (token, nonce) = world.signed(&desk, &mut card, ORIGIN).await;
    assert_eq!(rejected(world.client.log_in(&other_desk, &token, &nonce).await).1, "challenge_unknown");

    // Expired: answered after five minutes.
    let (token, nonce) = world.signed(&desk, &mut card, ORIGIN).await;
    world.offset.store(5 * 60 + 1, Ordering::SeqCst);
    assert_eq!(rejected(world.client.log_in(&desk, &token, &nonce).await).1, "challenge_expired");
    world.offset.store(0, Ordering::SeqCst);

    // A token made for one challenge, sent with another.
    let (token, _) = world.signed(&desk, &mut card, ORIGIN).await;
    let other_nonce = world.client.login_challenge(&desk).await.unwrap().nonce;
    assert_eq!(rejected(world.client.log_in(&desk, &token, &other_nonce).await).1, "signature_invalid");

    // Signed for another origin (a phishing site relaying the challenge).
    let (token, nonce) = world.signed(&desk, &mut card, "https://pietura-login.example").await;
    assert_eq!(rejected(world.client.log_in(&desk, &token, &nonce).await), (401, "signature_invalid".into()));

    // A card from a CA the server does not trust, with the same names.
    let impostor = TestCa::generate(now()).unwrap();
    let holder = Holder { given_name: "ILZE".into(), surname: "OZOLIŅA".into(), personal_code: CLERK.into() };
    let forged = impostor.issue_card(holder.clone(), KeyKind::EcP384, now(), None, "1234", "123456").unwrap();
    let mut forged_card = EidCard::new(VirtualCard::new(forged));
    let (token, nonce) = world.signed(&desk, &mut forged_card, ORIGIN).await;
    assert_eq!(rejected(world.client.log_in(&desk, &token, &nonce).await).1, "certificate_not_trusted");

    // Expired and not-yet-valid certificates, and one not meant for authentication.
    let key = CardKey::generate(KeyKind::EcP384);
    let card_with = |options: CardCertificateOptions| {
        let certificate = world.ca.issue_card_certificate(&holder, &key, &options).unwrap();
        EidCard::new(VirtualCard::new(CardProfile {
            holder: holder.clone(),
            key: key.clone(),
            certificate_der: certificate,
            signing: None,
            pin1: "1234".into(),
            pin2: "123456".into(),
            puk: "12345678".into(),
        }))
    };
    let good = CardCertificateOptions::valid_from(now() - chrono::Duration::days(10));
    let cases = [
        (
            CardCertificateOptions {
                not_before: now() - chrono::Duration::days(2000),
                not_after: now() - chrono::Duration::days(1),
                ..good.clone()
            },
            "certificate_expired",
        ),
        (
            CardCertificateOptions { not_before: now() + chrono::Duration::days(1), ..good.clone() },
            "certificate_not_yet_valid",
        ),
        (
            CardCertificateOptions { extended_key_usages: vec![const_oid_email_protection()], ..good.clone() },
            "certificate_wrong_purpose",
        ),
    ];
    for (options, code) in cases {
        let mut card = card_with(options);
        let (token, nonce) = world.signed(&desk, &mut card, ORIGIN).await;
        assert_eq!(rejected(world.client.log_in(&desk, &token, &nonce).await), (401, code.into()));
    }

    // Malformed tokens.
    let nonce = world.client.login_challenge(&desk).await.unwrap().nonce;
    assert_eq!(
        rejected(world.client.log_in(&desk, "{\"format\":\"web-eid:1.0\"}", &nonce).await),
        (422, "token_malformed".into())
    );

    // Ten failures from one device: the next attempt must wait, even a good one.
    let (token, nonce) = world.signed(&desk, &mut card, ORIGIN).await;
    assert_eq!(rejected(world.client.log_in(&desk, &token, &nonce).await), (429, "too_many_attempts".into()));

    // A person with no role at this centre (from another desk, which is not held back).
    let mut stranger = world.card("290156-11605", KeyKind::EcP384);
    let (token, nonce) = world.signed(&other_desk, &mut stranger, ORIGIN).await;
    assert_eq!(rejected(world.client.log_in(&other_desk, &token, &nonce).await), (403, "no_role".into()));

    let events = world.events().await;
    let failures = events.iter().filter(|(kind, _)| kind == "login_failed").count();
    assert_eq!(failures, 12, "{events:?}");
    assert!(events.iter().any(|(_, detail)| detail.starts_with("challenge_expired")));
    assert!(events.iter().any(|(_, detail)| detail.starts_with("no_role")));
}

fn const_oid_email_protection() -> const_oid::ObjectIdentifier {
    const_oid::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.4")
}

#[tokio::test]
async fn citizens_log_in_at_kiosks_without_a_grant_and_for_a_short_time() {
    let world = world(true).await;
    let kiosk = world.device(DeviceKind::Kiosk, "Cēsu VPVKAC", "Kiosks 1").await;
    let mut card = world.card("325035-11782", KeyKind::Rsa2048);
    let (token, nonce) = world.signed(&kiosk, &mut card, ORIGIN).await;
    let logged_in = world.client.log_in(&kiosk, &token, &nonce).await.unwrap();
    assert_eq!(logged_in.session.roles, ["citizen"]);
    // Their own cases, and nobody else's; a clerk's session cannot use the citizens' list.
    let centre = world.store.find_centre_by_name("Cēsu VPVKAC").await.unwrap().unwrap();
    let desk = world.device(DeviceKind::Desk, "Cēsu VPVKAC", "Galds 1").await;
    for (n, code) in [(1, "32503511782"), (2, "290156-11605"), (3, "40003521600")] {
        let case = domain::case::Case::register(domain::case::NewCase {
            id: uuid::Uuid::now_v7(),
            number: domain::case::CaseNumber::new(&centre.code, 1, chrono::Datelike::year(&now()), n).unwrap(),
            service_id: "https://pietura.lv/id/service/dog-fee".into(),
            kind: domain::case::CaseKind::Application,
            channel: domain::catalogue::ChannelKind::VpvkacInPerson,
            customer: domain::case::customer_from_code(code, "").unwrap(),
            holder_institution: "https://pietura.lv/id/org/riga".into(),
            provider_institution: None,
            centre_id: centre.id,
            arrived_at: now(),
            served_at: now(),
            registered_at: now(),
            registered_by: domain::case::Actor::Staff {
                personal_code: domain::PersonalCode::parse(CLERK).unwrap(),
                offline: false,
            },
            note: String::new(),
        })
        .unwrap();
        let stored = server::store::StoredCase::new(&case, false, case.served_at).unwrap();
        world.store.insert_case(case.id, desk.device_id, stored, now()).await.unwrap();
    }
    let mine = world.client.citizen_cases(&kiosk, &logged_in.session_token).await.unwrap();
    assert_eq!(mine.cases.iter().map(|c| c.customer.code()).collect::<Vec<_>>(), ["325035-11782"]);
    // A company they represent: its cases too (by its registration number), until it ends.
    let company = server::store::Account {
        address: "_DEFAULT@40003521600".into(),
        kind: domain::eaddress::AccountKind::Legal,
        name: "SIA Piemērs".into(),
        institution_id: None,
        centre_id: None,
        active: true,
        created_at: now(),
        changed_at: now(),
    };
    world.store.put_account(company).await.unwrap();
    server::eaddress::record_representative(world.store.as_ref(), "_DEFAULT@40003521600", "325035-11782", "UR", now())
        .await
        .unwrap();
    let mine = world.client.citizen_cases(&kiosk, &logged_in.session_token).await.unwrap();
    assert_eq!(mine.cases.iter().map(|c| c.customer.code()).collect::<Vec<_>>(), ["325035-11782", "40003521600"]);
    server::eaddress::end_representative(world.store.as_ref(), "_DEFAULT@40003521600", "325035-11782", now())
        .await
        .unwrap();
    let mine = world.client.citizen_cases(&kiosk, &logged_in.session_token).await.unwrap();
    assert_eq!(mine.cases.len(), 1, "no longer the company's");
    let clerk_token = {
        world.store.grant_role(CLERK, Role::Clerk, centre.id, now()).await.unwrap();
        let mut clerk_card = world.card(CLERK, KeyKind::Rsa2048);
        let (token, nonce) = world.signed(&desk, &mut clerk_card, ORIGIN).await;
        world.client.log_in(&desk, &token, &nonce).await.unwrap().session_token
    };
    assert_eq!(rejected(world.client.citizen_cases(&desk, &clerk_token).await), (403, "forbidden".into()));
    assert_eq!(rejected(world.client.citizen_cases(&kiosk, "no-such-session").await).0, 401);
    let minutes = (logged_in.session.expires_at - now()).num_minutes();
    assert!((14..=15).contains(&minutes), "{minutes}");
    world.offset.store(16 * 60, Ordering::SeqCst);
    assert_eq!(rejected(world.client.session(&kiosk, &logged_in.session_token).await).1, "session_invalid");
}

#[tokio::test]
async fn without_configuration_login_says_it_is_off() {
    let world = world(false).await;
    let desk = world.device(DeviceKind::Desk, "Rīgas VPVKAC", "Galds 1").await;
    match world.client.login_challenge(&desk).await {
        Err(ClientError::Unreachable { reason, .. }) => assert!(reason.contains("login_not_configured"), "{reason}"),
        other => panic!("expected 503, got {other:?}"),
    }
}

/// `openssl ocsp` serving the test CA's revocation list, stopped when dropped.
pub(crate) struct OcspResponder {
    child: std::process::Child,
    url: String,
}

impl Drop for OcspResponder {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn index_line(status: char, certificate: &[u8], revoked_at: &str) -> String {
    let parsed = ParsedCertificate::from_der(certificate).unwrap();
    let serial: String =
        parsed.certificate.tbs_certificate.serial_number.as_bytes().iter().map(|b| format!("{b:02X}")).collect();
    let expiry = parsed.not_after().format("%y%m%d%H%M%SZ");
    // A subject of its own per line: openssl refuses an index with two valid lines of one subject.
    format!("{status}\t{expiry}\t{revoked_at}\t{serial}\tunknown\t/CN=card {serial}\n")
}

pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub(crate) fn start_responder(dir: &std::path::Path, ca: &TestCa, port: u16, index: &str) -> OcspResponder {
    let (responder_pem, responder_key) = ca.issue_ocsp_responder(now()).unwrap();
    std::fs::write(dir.join("ica.pem"), ca.intermediate_pem().unwrap()).unwrap();
    std::fs::write(dir.join("responder.pem"), responder_pem).unwrap();
    std::fs::write(dir.join("responder-key.pem"), responder_key).unwrap();
    std::fs::write(dir.join("index.txt"), index).unwrap();
    let mut child = std::process::Command::new("openssl")
        .args(["ocsp", "-index", "index.txt", "-port", &port.to_string()])
        .args(["-rsigner", "responder.pem", "-rkey", "responder-key.pem", "-CA", "ica.pem", "-ndays", "1"])
        .current_dir(dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("openssl is installed (cargo xtask setup installs it)");
    // It says when it listens (a probing connection would hold up its one-at-a-time loop).
    let stderr = child.stderr.take().unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stderr));
    loop {
        match lines.next() {
            Some(Ok(line)) if line.contains("waiting for OCSP client connections") => break,
            Some(Ok(_)) => {}
            other => panic!("openssl ocsp did not start: {other:?}"),
        }
    }
    std::thread::spawn(move || lines.for_each(drop));
    OcspResponder { child, url: format!("http://127.0.0.1:{port}") }
}

#[tokio::test]
async fn with_ocsp_a_revoked_card_is_refused_and_an_unreachable_responder_refuses_too() {
    let world = world_with(true, true).await;
    let dir = tempfile::tempdir().unwrap();
    let desk = world.device(DeviceKind::Desk, "Rīgas VPVKAC", "Galds 1").await;
    server::login::grant(world.store.as_ref(), CLERK, Role::Clerk, "Rīgas VPVKAC", now()).await.unwrap();
    server::login::grant(world.store.as_ref(), "290156-11605", Role::Clerk, "Rīgas VPVKAC", now()).await.unwrap();
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let issue = |code: &str, ocsp: &str| {
        let holder = Holder { given_name: "ILZE".into(), surname: "OZOLIŅA".into(), personal_code: code.into() };
        world
            .ca
            .issue_card(holder, KeyKind::EcP384, now() - chrono::Duration::days(1), Some(ocsp.into()), "1234", "123456")
            .unwrap()
    };
    let good = issue(CLERK, &url);
    let revoked = issue("290156-11605", &url);
    let yesterday = (now() - chrono::Duration::days(1)).format("%y%m%d%H%M%SZ").to_string();
    let index = index_line('V', &good.certificate_der, "") + &index_line('R', &revoked.certificate_der, &yesterday);
    let responder = start_responder(dir.path(), &world.ca, port, &index);
    assert_eq!(responder.url, url);

    let mut card = EidCard::new(VirtualCard::new(good));
    let (token, nonce) = world.signed(&desk, &mut card, ORIGIN).await;
    world.client.log_in(&desk, &token, &nonce).await.expect("a good certificate logs in");

    let mut card = EidCard::new(VirtualCard::new(revoked));
    let (token, nonce) = world.signed(&desk, &mut card, ORIGIN).await;
    assert_eq!(rejected(world.client.log_in(&desk, &token, &nonce).await), (401, "certificate_revoked".into()));

    // No responder, no login: the status cannot be learnt.
    drop(responder);
    let mut card = EidCard::new(VirtualCard::new(issue(CLERK, &url)));
    let (token, nonce) = world.signed(&desk, &mut card, ORIGIN).await;
    assert_eq!(rejected(world.client.log_in(&desk, &token, &nonce).await), (401, "revocation_unknown".into()));
    let events = world.events().await;
    assert!(events.iter().any(|(_, detail)| detail.contains("cannot be reached")), "{events:?}");
}
