//! The HTTP API over a real socket, with the real client from the `sync` crate.

use std::{net::TcpListener, sync::Arc, time::Duration};

use device::{
    client::{SyncClient, parse_server_url},
    protocol::{DeviceCredentials, ErrorBody, PROTOCOL_HEADER},
};
use domain::DeviceKind;
use server::{AppState, clock::system_clock, devices, store::Store};
use tokio::sync::oneshot;

pub(crate) struct Running {
    pub url: String,
    pub store: Arc<dyn Store>,
    /// The test CA whose cards this server accepts for login (origin `https://pietura.test`).
    pub ca: eid::test_ca::TestCa,
    /// A training server (`environment = "training"`): its clients are training devices'.
    pub training: bool,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
    _backend: crate::backends::Backend,
}

pub(crate) async fn start() -> Running {
    start_on(crate::backends::sqlite().await).await
}

/// A running server on the given backend.
pub(crate) async fn start_on(backend: crate::backends::Backend) -> Running {
    start_on_with(backend, |state| state).await
}

/// A running server on the given backend, its state changed by `configure` first.
pub(crate) async fn start_on_with(
    backend: crate::backends::Backend,
    configure: impl FnOnce(AppState) -> AppState,
) -> Running {
    start_on_full(backend, false, configure).await
}

/// A running server that asks every certificate's OCSP responder about it (logins and
/// signatures).
pub(crate) async fn start_with_ocsp(backend: crate::backends::Backend) -> Running {
    start_on_full(backend, true, |state| state).await
}

/// Another server over `first`'s database (a second instance behind a load balancer), its
/// state changed by `configure` first.
pub(crate) async fn start_beside(first: &Running, configure: impl FnOnce(AppState) -> AppState) -> Running {
    let backend = crate::backends::Backend { store: first.store.clone(), raw: first._backend.raw.clone(), _dir: None };
    start_on_full(backend, false, configure).await
}

async fn start_on_full(
    backend: crate::backends::Backend,
    ocsp: bool,
    configure: impl FnOnce(AppState) -> AppState,
) -> Running {
    // reqwest is built without a bundled crypto provider; the server and clients use ring.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let store = backend.store.clone();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let (stop, stopped) = oneshot::channel::<()>();
    #[allow(clippy::disallowed_methods)] // the CA must be valid on the real clock the server uses
    let ca = eid::test_ca::TestCa::generate(chrono::Utc::now()).unwrap();
    let login = server::login::Login::new(
        eid::ValidatorConfig {
            origin: "https://pietura.test".into(),
            trusted_cas: eid::ParsedCertificate::all_from_pem(&ca.intermediate_pem().unwrap()).unwrap(),
            disallowed_policies: Vec::new(),
        },
        chrono::Duration::hours(10),
        chrono::Duration::minutes(15),
    )
    .unwrap();
    let login = if ocsp { login.with_ocsp(server::login::OcspChecker::new(None)) } else { login };
    let state = configure(AppState::new(store.clone(), system_clock()).with_login(Some(login)));
    let training = state.environment == server::environment::Environment::Training;
    // A training server issues its training people's cards from the CA its logins trust.
    let state = if training { state.with_training_ca(ca.clone()) } else { state };
    let task = tokio::spawn(async move {
        server::serve(listener, state, None, Duration::from_secs(2), async {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    });
    Running { url, store, ca, training, stop: Some(stop), task, _backend: backend }
}

/// Logs a clerk of "Rīgas VPVKAC" in on the device with a virtual card; returns the session token.
pub(crate) async fn clerk_session(server: &Running, creds: &DeviceCredentials) -> String {
    log_in_card(server, creds, "161175-19997", Some(domain::Role::Clerk)).await
}

/// A virtual card of the server's test CA for the holder `code` (PIN1 1234).
pub(crate) fn card_of(server: &Running, code: &str) -> eid::EidCard<eid::virtual_card::VirtualCard> {
    card_with_ocsp(server, code, None)
}

/// [`card_of`] with certificates that name `ocsp_url` as their OCSP responder.
pub(crate) fn card_with_ocsp(
    server: &Running,
    code: &str,
    ocsp_url: Option<&str>,
) -> eid::EidCard<eid::virtual_card::VirtualCard> {
    use eid::{apdu::KeyKind, test_ca::Holder, virtual_card::VirtualCard};
    #[allow(clippy::disallowed_methods)] // certificates are checked on the real clock
    let now = chrono::Utc::now();
    let holder = Holder { given_name: "VĀRDS".into(), surname: "UZVĀRDS".into(), personal_code: code.into() };
    let profile = server.ca.issue_card(
        holder,
        KeyKind::EcP384,
        now - chrono::Duration::days(1),
        ocsp_url.map(Into::into),
        "1234",
        "123456",
    );
    eid::EidCard::new(VirtualCard::new(profile.unwrap()))
}

/// Logs the card holder `code` in on the device (a role at "Rīgas VPVKAC" granted first when
/// given); returns the session token.
pub(crate) async fn log_in_card(
    server: &Running,
    creds: &DeviceCredentials,
    code: &str,
    role: Option<domain::Role>,
) -> String {
    #[allow(clippy::disallowed_methods)] // the grant's time
    let now = chrono::Utc::now();
    if let Some(role) = role {
        server::login::grant(server.store.as_ref(), code, role, "Rīgas VPVKAC", now).await.unwrap();
    }
    log_in_with(server, creds, &mut card_of(server, code)).await
}

/// Logs the holder of `card` in on the device (PIN1 1234); returns the session token.
pub(crate) async fn log_in_with(
    server: &Running,
    creds: &DeviceCredentials,
    card: &mut eid::EidCard<eid::virtual_card::VirtualCard>,
) -> String {
    use eid::apdu::{PIN_MIN_LENGTH, Pin};
    let client = client_for(server);
    let challenge = client.login_challenge(creds).await.unwrap();
    let pin = Pin::new("1234", PIN_MIN_LENGTH).unwrap();
    let token = card.sign_login(&pin, &challenge.origin, &challenge.nonce, "test").unwrap();
    client.log_in(creds, &token.to_json(), &challenge.nonce).await.unwrap().session_token
}

/// What a desk's outbox entries made in the session `token` carry to prove their author.
pub(crate) fn author_of(token: &str) -> protocol::EntryAuthor {
    protocol::EntryAuthor::Session { session: protocol::session_reference(token) }
}

pub(crate) async fn add_desk(store: &dyn Store, name: &str) -> String {
    let now = system_clock()();
    if store.find_centre_by_name("Rīgas VPVKAC").await.unwrap().is_none() {
        devices::add_centre(store, "Rīgas VPVKAC", "Rīga", None, now).await.unwrap();
    }
    let (_, code) = devices::add_device(store, "Rīgas VPVKAC", DeviceKind::Desk, name, chrono::Duration::hours(1), now)
        .await
        .unwrap();
    code.to_string()
}

pub(crate) fn client(url: &str) -> SyncClient {
    SyncClient::new(parse_server_url(url).unwrap()).unwrap()
}

/// A client as the server's devices have it: a training device's for a training server.
pub(crate) fn client_for(server: &Running) -> SyncClient {
    let client = client(&server.url);
    if server.training { client.in_training() } else { client }
}

#[tokio::test]
async fn health_readiness_metrics_and_openapi_answer() {
    let server = start().await;
    let http = reqwest::Client::new();
    let health = http.get(format!("{}healthz", server.url)).send().await.unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(health.headers()[PROTOCOL_HEADER], "1");
    assert_eq!(health.text().await.unwrap(), "ok");
    let ready = http.get(format!("{}readyz", server.url)).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let metrics = http.get(format!("{}metrics", server.url)).send().await.unwrap().text().await.unwrap();
    assert!(
        metrics.contains("pietura_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("pietura_database_up 1"));
    let openapi: serde_json::Value =
        http.get(format!("{}openapi.json", server.url)).send().await.unwrap().json().await.unwrap();
    for path in ["/healthz", "/readyz", "/metrics", "/v1/devices/enroll", "/v1/sync/hello"] {
        assert!(openapi["paths"][path].is_object(), "{path} missing from the OpenAPI document");
    }
    assert!(openapi["components"]["schemas"]["EnrollResponse"].is_object());
    // The ways to authenticate are declared, so a client generator or a fuzzer can log in.
    let schemes = &openapi["components"]["securitySchemes"];
    assert_eq!(schemes["device"]["scheme"], "bearer");
    assert_eq!(
        (schemes["session"]["in"].as_str(), schemes["session"]["name"].as_str()),
        (Some("header"), Some("pietura-session"))
    );
    assert_eq!(schemes["institution_key"]["name"], "Authorization");
    let missing = http.get(format!("{}nope", server.url)).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    let sniffing = missing.headers().get("x-content-type-options").map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(missing.json::<ErrorBody>().await.unwrap().code, "not_found");
    // Browsers must not guess types; API answers (personal data among them) are not cached,
    // while open data keeps its public caching.
    assert_eq!(sniffing.as_deref(), Some("nosniff"));
}

#[tokio::test]
async fn api_answers_are_not_cached_nor_sniffed_and_made_up_methods_are_not_metric_labels() {
    let server = start().await;
    let http = reqwest::Client::new();
    let hello = http.get(format!("{}v1/sync/hello", server.url)).header(PROTOCOL_HEADER, "1").send().await.unwrap();
    assert_eq!(hello.status(), 401);
    assert_eq!(hello.headers()["cache-control"], "no-store");
    assert_eq!(hello.headers()["x-content-type-options"], "nosniff");
    let open_data = http.get(format!("{}open-data/service-provision.csv", server.url)).send().await.unwrap();
    assert_eq!(open_data.headers()["cache-control"], "public, max-age=300");
    assert_eq!(open_data.headers()["x-content-type-options"], "nosniff");
    for method in ["BREW", "FROBNICATE", "X-ANYTHING"] {
        let odd = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let _ = http.request(odd, format!("{}healthz", server.url)).send().await.unwrap();
    }
    let metrics = http.get(format!("{}metrics", server.url)).send().await.unwrap().text().await.unwrap();
    for method in ["BREW", "FROBNICATE", "X-ANYTHING"] {
        assert!(!metrics.contains(method), "{method} became a label: {metrics}");
    }
    assert!(metrics.contains("method=\"other\""), "{metrics}");
}

#[tokio::test]
async fn a_device_enrolls_once_says_hello_and_is_cut_off_when_revoked() {
    let server = start().await;
    let code = add_desk(server.store.as_ref(), "Galds 1").await;
    let client = client(&server.url);

    let enrolled = client.enroll(&code.to_lowercase()).await.unwrap();
    assert_eq!(enrolled.centre.name, "Rīgas VPVKAC");
    assert_eq!(enrolled.kind, DeviceKind::Desk);
    assert!(enrolled.device_secret.len() >= 43, "256-bit secret");
    let again = client.enroll(&code).await.unwrap_err();
    assert_eq!(again.code(), "enrollment_code_used");

    let creds = DeviceCredentials { device_id: enrolled.device_id, secret: enrolled.device_secret.clone() };
    let hello = client.hello(&creds).await.unwrap();
    assert_eq!(hello.device_id, enrolled.device_id);
    assert_eq!(hello.centre.name, "Rīgas VPVKAC");
    assert_eq!(hello.protocol_version, 1);

    let wrong = DeviceCredentials { device_id: enrolled.device_id, secret: "x".repeat(43) };
    let refused = client.hello(&wrong).await.unwrap_err();
    assert_eq!(refused.code(), "unauthorised");
    assert!(refused.is_unauthorised());

    server.store.revoke_device(enrolled.device_id, system_clock()()).await.unwrap();
    let revoked = client.hello(&creds).await.unwrap_err();
    assert_eq!(revoked.code(), "device_revoked");
    assert!(revoked.is_unauthorised());
}

#[tokio::test]
async fn bad_enrollment_requests_get_named_errors_and_change_nothing() {
    let server = start().await;
    let code = add_desk(server.store.as_ref(), "Galds 1").await;
    let client = client(&server.url);
    assert_eq!(client.enroll("12").await.unwrap_err().code(), "enrollment_code_invalid");
    assert_eq!(client.enroll("ZZZZ-ZZZZ").await.unwrap_err().code(), "enrollment_code_unknown");

    let http = reqwest::Client::new();
    let url = format!("{}v1/devices/enroll", server.url);
    let cases: [(&str, u16, &str); 3] = [
        ("{not json", 400, "bad_request"),
        (r#"{"enrollment_code": 5}"#, 422, "validation"),
        (r#"{"enrollment_code": "A", "extra": 1}"#, 422, "validation"),
    ];
    for (body, status, error_code) in cases {
        let response = http
            .post(&url)
            .header(PROTOCOL_HEADER, "1")
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{body}");
        assert_eq!(response.json::<ErrorBody>().await.unwrap().code, error_code, "{body}");
    }
    let no_version = http.post(&url).json(&serde_json::json!({"enrollment_code": code})).send().await.unwrap();
    assert_eq!(no_version.status(), 400);
    assert_eq!(no_version.json::<ErrorBody>().await.unwrap().code, "protocol_mismatch");
    let future = http
        .post(&url)
        .header(PROTOCOL_HEADER, "99")
        .json(&serde_json::json!({"enrollment_code": code}))
        .send()
        .await
        .unwrap();
    let body = future.json::<ErrorBody>().await.unwrap();
    assert_eq!(body.code, "protocol_mismatch");
    assert!(body.message.contains("99"), "{}", body.message);
    let huge = http
        .post(&url)
        .header(PROTOCOL_HEADER, "1")
        .header("content-type", "application/json")
        .body(vec![b' '; 100_000])
        .send()
        .await
        .unwrap();
    assert_eq!(huge.status(), 413);
    // None of the above used the code up.
    client.enroll(&code).await.unwrap();
}

#[tokio::test]
async fn shutdown_finishes_promptly_even_with_an_idle_client_connected() {
    let mut server = start().await;
    // An idle keep-alive connection must not hold the server open.
    let _idle =
        tokio::net::TcpStream::connect(server.url.trim_start_matches("http://").trim_end_matches('/')).await.unwrap();
    let started = std::time::Instant::now();
    server.stop.take().unwrap().send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), &mut server.task).await.expect("shutdown hung").unwrap();
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
}

#[tokio::test]
async fn the_server_speaks_https_when_given_a_certificate_and_says_clearly_when_it_cannot() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("server.pem"), dir.path().join("server.key"));
    let (ca, ca_key) = (dir.path().join("ca.pem"), dir.path().join("ca.key"));
    // A test CA and a server certificate it signed, as an operator would get from their PKI.
    localhost_certificates(dir.path(), "Pietura Test CA");
    assert!(ca_key.exists());

    let backend = crate::backends::sqlite().await;
    let state = AppState::new(backend.store.clone(), system_clock());
    let missing = server::serve(
        TcpListener::bind("127.0.0.1:0").unwrap(),
        state.clone(),
        Some(server::TlsFiles { cert: &dir.path().join("nope.pem"), key: &key }),
        Duration::from_secs(1),
        std::future::pending(),
    )
    .await
    .unwrap_err();
    assert!(missing.to_string().contains("nope.pem"), "{missing}");

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (cert_path, key_path) = (cert.clone(), key.clone());
    tokio::spawn(async move {
        let tls = server::TlsFiles { cert: &cert_path, key: &key_path };
        server::serve(listener, state, Some(tls), Duration::from_secs(1), std::future::pending()).await.unwrap();
    });
    let ca = reqwest::Certificate::from_pem(&std::fs::read(&ca).unwrap()).unwrap();
    let https = reqwest::Client::builder().tls_certs_only([ca]).build().unwrap();
    let mut answered = None;
    for _ in 0..50 {
        match https.get(format!("https://localhost:{port}/healthz")).send().await {
            Ok(response) => {
                answered = Some(response);
                break;
            }
            Err(error) => eprintln!("HTTPS not answering yet: {error}"),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let response = answered.expect("the HTTPS server answered");
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "ok");
    // Plain HTTP to the HTTPS port gets no answer it could mistake for one.
    let plain = reqwest::get(format!("http://127.0.0.1:{port}/healthz")).await;
    assert!(plain.is_err() || !plain.unwrap().status().is_success());
}

#[tokio::test]
async fn guessing_enrollment_codes_is_throttled_per_address() {
    let server = start().await;
    let code = add_desk(server.store.as_ref(), "Galds 1").await;
    let client = client(&server.url);
    for _ in 0..server::api::throttle_limit() {
        assert_eq!(client.enroll("ZZZZ-ZZZZ").await.unwrap_err().code(), "enrollment_code_unknown");
    }
    // Now even the right code waits: a guesser cannot tell a hit from the throttle.
    let throttled = client.enroll(&code).await.unwrap_err();
    assert_eq!(throttled.code(), "too_many_attempts");
    let raw = reqwest::Client::new()
        .post(format!("{}v1/devices/enroll", server.url))
        .header(PROTOCOL_HEADER, "1")
        .json(&serde_json::json!({ "enrollment_code": code }))
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 429);
    let retry_after: u64 = raw.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=15 * 60).contains(&retry_after), "{retry_after}");
}

/// Behind a trusted reverse proxy the throttle counts the client the proxy names: one guesser
/// waits, the desk enrolling elsewhere does not. From a peer that is not a trusted proxy the
/// header is a claim: changing it buys a guesser nothing.
#[tokio::test]
async fn behind_a_trusted_proxy_enrollment_guesses_are_throttled_per_forwarded_client() {
    let enroll = |url: String, forwarded: &'static str, code: String| async move {
        reqwest::Client::new()
            .post(format!("{url}v1/devices/enroll"))
            .header(PROTOCOL_HEADER, "1")
            .header("x-forwarded-for", forwarded)
            .json(&serde_json::json!({ "enrollment_code": code }))
            .send()
            .await
            .unwrap()
            .status()
    };
    let localhost: std::net::IpAddr = "127.0.0.1".parse().unwrap();
    let proxied =
        crate::api::start_on_with(crate::backends::sqlite().await, |state| state.with_trusted_proxies(&[localhost]))
            .await;
    let code = add_desk(proxied.store.as_ref(), "Galds 1").await;
    for _ in 0..server::api::throttle_limit() {
        assert_eq!(enroll(proxied.url.clone(), "203.0.113.5", "ZZZZ-ZZZZ".into()).await, 422);
    }
    assert_eq!(enroll(proxied.url.clone(), "203.0.113.5", code.clone()).await, 429);
    assert_eq!(enroll(proxied.url.clone(), "198.51.100.7", code).await, 200);

    let direct = start().await;
    let code = add_desk(direct.store.as_ref(), "Galds 1").await;
    for n in 0..server::api::throttle_limit() {
        let claimed = ["203.0.113.1", "203.0.113.2", "203.0.113.3"][n as usize % 3];
        assert_eq!(enroll(direct.url.clone(), claimed, "ZZZZ-ZZZZ".into()).await, 422);
    }
    assert_eq!(enroll(direct.url.clone(), "198.51.100.7", code).await, 429);
}

/// Two servers over one database are one throttle: a guesser cannot multiply its attempts by
/// spreading them over the instances behind a load balancer (enrollment codes per address,
/// failed logins and login challenges per device).
async fn guesses_through_two_servers_over_one_database_count_together(backend: crate::backends::Backend) {
    let limit = server::api::throttle_limit();
    let first = start_on_with(backend, |state| state.with_challenge_limit(4)).await;
    let second = start_beside(&first, |state| state.with_challenge_limit(4)).await;
    let (one, other) = (client_for(&first), client_for(&second));
    let code = add_desk(first.store.as_ref(), "Galds 1").await;
    let enrolled = one.enroll(&code).await.unwrap();
    let desk = DeviceCredentials { device_id: enrolled.device_id, secret: enrolled.device_secret };
    let status = |result: Result<_, device::client::ClientError>| match result {
        Ok(_) => 200,
        Err(device::client::ClientError::Rejected { status, .. }) => status,
        Err(other) => panic!("{other:?}"),
    };

    for n in 0..limit {
        let through = if n % 2 == 0 { &one } else { &other };
        assert_eq!(status(through.enroll("ZZZZ-ZZZZ").await.map(drop)), 422);
    }
    let code = add_desk(first.store.as_ref(), "Galds 2").await;
    assert_eq!(status(one.enroll(&code).await.map(drop)), 429);
    assert_eq!(status(other.enroll(&code).await.map(drop)), 429);

    for n in 0..4 {
        let through = if n % 2 == 0 { &one } else { &other };
        assert_eq!(status(through.login_challenge(&desk).await.map(drop)), 200);
    }
    assert_eq!(status(one.login_challenge(&desk).await.map(drop)), 429);
    assert_eq!(status(other.login_challenge(&desk).await.map(drop)), 429);

    // Logins answering a challenge the server never gave: each a failure.
    let nonce = "A".repeat(43);
    for n in 0..limit {
        let through = if n % 2 == 0 { &one } else { &other };
        assert_eq!(status(through.log_in(&desk, "{\"format\":\"web-eid:1.0\"}", &nonce).await.map(drop)), 401);
    }
    assert_eq!(status(one.log_in(&desk, "{}", &nonce).await.map(drop)), 429);
    assert_eq!(status(other.log_in(&desk, "{}", &nonce).await.map(drop)), 429);
}

on_both_backends!(backend: guesses_through_two_servers_over_one_database_count_together);

/// A mailbox account as the operator records it (named by its address).
pub(crate) fn account(
    address: &str,
    kind: domain::eaddress::AccountKind,
    institution: Option<&str>,
    centre: Option<uuid::Uuid>,
) -> server::store::Account {
    #[allow(clippy::disallowed_methods)] // the accounts' own times
    let now = chrono::Utc::now();
    server::store::Account {
        address: address.into(),
        kind,
        name: address.into(),
        institution_id: institution.map(str::to_owned),
        centre_id: centre,
        active: true,
        created_at: now,
        changed_at: now,
    }
}

/// A device of `kind` added at the centre named `centre` and enrolled through the API.
pub(crate) async fn enrolled(server: &Running, centre: &str, kind: DeviceKind, name: &str) -> DeviceCredentials {
    #[allow(clippy::disallowed_methods)] // the code's validity on the server's clock
    let now = chrono::Utc::now();
    let (_, code) =
        devices::add_device(server.store.as_ref(), centre, kind, name, chrono::Duration::hours(1), now).await.unwrap();
    let enrolled = client_for(server).enroll(&code.to_string()).await.unwrap();
    DeviceCredentials { device_id: enrolled.device_id, secret: enrolled.device_secret }
}

/// In `dir`: a test CA named `ca_name` (`ca.pem`, `ca.key`) and a certificate for `localhost`
/// (and 127.0.0.1) it signed (`server.pem`, `server.key`), made with the openssl command.
pub(crate) fn localhost_certificates(dir: &std::path::Path, ca_name: &str) {
    let openssl = |args: &[&str]| {
        let output = std::process::Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("the openssl command is installed");
        assert!(output.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    };
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    let subject = format!("/CN={ca_name}");
    openssl(
        &[
            &["req", "-x509"][..],
            &ec,
            &["-days", "1", "-subj", &subject, "-keyout", "ca.key", "-out", "ca.pem"],
            &["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
        ]
        .concat(),
    );
    openssl(&[&["req"][..], &ec, &["-subj", "/CN=localhost", "-keyout", "server.key", "-out", "server.csr"]].concat());
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "1",
        "-extfile",
        "server.ext",
        "-out",
        "server.pem",
    ]);
}

/// Sends `request` and reads its answer as JSON of type `T` (a test's request must succeed).
pub(crate) async fn json_of<T: serde::de::DeserializeOwned>(request: reqwest::RequestBuilder) -> T {
    request.send().await.expect("the request reaches the server").json().await.expect("the answer is the JSON expected")
}

/// An id (an IRI) as one path segment.
pub(crate) fn encoded(id: &str) -> String {
    percent_encoding::utf8_percent_encode(id, server::api::UNRESERVED).to_string()
}

/// The demo catalogue (61 services, their organisations, 20 articles) and its six e-forms,
/// imported by the operator.
/// An institution `id` named `name` with an API key; answers the `Authorization` header.
pub(crate) async fn institution_key(server: &Running, id: &str, name: &str) -> String {
    let store = server.store.as_ref();
    server::institutions::add_institution(store, id, name, false, system_clock()()).await.unwrap();
    format!("ApiKey {}", server::institutions::issue_key(store, id, system_clock()()).await.unwrap())
}

/// Every record of `kind` a newly enrolled desk receives in the catalogue feed.
pub(crate) async fn feed_of(server: &Running, kind: protocol::CatalogueKind) -> Vec<protocol::CatalogueRecordDto> {
    let code = add_desk(server.store.as_ref(), "G1").await;
    let sync = client(&server.url);
    let enrolled = sync.enroll(&code).await.unwrap();
    let creds = protocol::DeviceCredentials { device_id: enrolled.device_id, secret: enrolled.device_secret };
    let (mut after, mut records) = (0, Vec::new());
    loop {
        let (page, _): (protocol::CataloguePage, u64) = sync.catalogue_page(&creds, after, 500).await.unwrap();
        records.extend(page.records.iter().filter(|r| r.kind == kind).cloned());
        match page.records.last() {
            Some(last) => after = last.seq,
            None => return records,
        }
    }
}

pub(crate) async fn import_demo(server: &Running) {
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("demo");
    let mut catalogue = server::catalogue::files::read(&demo.join("demo-catalogue.pietura.json")).unwrap().catalogue;
    for form in std::fs::read_dir(demo.join("forms")).unwrap() {
        catalogue.forms.extend(server::catalogue::files::read(&form.unwrap().path()).unwrap().catalogue.forms);
    }
    #[allow(clippy::disallowed_methods)] // the import's time
    let now = chrono::Utc::now();
    server::catalogue::Catalogue::new(server.store.clone()).import(catalogue, now).await.unwrap();
}

/// A document signed by `card` with PIN2 (PIN 123456), as a desk or kiosk makes it: a printed
/// PDF with `embedded` (name, bytes) attached, PAdES B-B. With `login_key`, by the card's
/// authentication key and certificate instead (a login certificate used to sign).
pub(crate) fn signed_document(
    card: &mut eid::EidCard<eid::virtual_card::VirtualCard>,
    (name, bytes): (&str, &[u8]),
    login_key: bool,
) -> Vec<u8> {
    use eid::apdu::{PIN_MIN_LENGTH, PIN2_MIN_LENGTH, Pin};
    let pdf = print::render(&print::application(&print::Application::sample(domain::Language::Lv))).unwrap();
    let signer =
        pades::Signer { name: "Jānis Bērziņš".into(), reason: "Iesniegums".into(), at: crate::people::now() };
    let prepared = pades::prepare(&pdf, (name, bytes, "application/json"), &signer).unwrap();
    let certificate =
        if login_key { card.authentication_certificate().unwrap() } else { card.signing_certificate().unwrap() };
    // The test CA's cards are EC (P-384).
    let key = pades::KeyAlgorithm::EcP384;
    let attributes =
        pades::SignedAttributes::new(&prepared.document_digest(key.digest()), &certificate, key.digest()).unwrap();
    let digest = attributes.digest().unwrap();
    let signature = if login_key {
        card.authenticate(&Pin::new("1234", PIN_MIN_LENGTH).unwrap(), &digest).unwrap()
    } else {
        card.sign(eid::session::PinEntry::Typed(&Pin::new("123456", PIN2_MIN_LENGTH).unwrap()), &digest).unwrap()
    };
    pades::finish(prepared, attributes, &certificate, key, &signature).unwrap()
}

/// A request as a desk makes it for the person logged in there (`session`): the raw answer.
pub(crate) async fn as_person(
    server: &Running,
    desk: &DeviceCredentials,
    session: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .request(method, format!("{}{}", server.url.trim_end_matches('/'), path))
        .header(PROTOCOL_HEADER, "1")
        .header("authorization", desk.authorization_header())
        .header(protocol::SESSION_HEADER, session);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}
