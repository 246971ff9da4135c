//! A real server for other crates' tests: SQLite in a folder, one centre, one device waiting
//! for enrollment, listening on a free local port until the runtime ends.

use std::{net::TcpListener, path::Path, time::Duration};

use domain::DeviceKind;

use crate::{AppState, clock::system_clock, devices, store};

/// A running test server's address and the enrollment code of its one device.
#[derive(Debug, Clone)]
pub struct TestServer {
    pub url: String,
    pub enrollment_code: String,
}

/// Starts a server on the current tokio runtime with the centre "Rīgas VPVKAC" and one device
/// of `kind` named `device_name`. Panics on failure: it is for tests.
pub async fn spawn_with_device(dir: &Path, kind: DeviceKind, device_name: &str) -> TestServer {
    spawn(dir, kind, device_name, None).await
}

/// [`spawn_with_device`] with eID login on: logins signed for `https://pietura.test` by cards
/// of the CA in `trusted_ca_pem`.
pub async fn spawn_with_login(dir: &Path, kind: DeviceKind, device_name: &str, trusted_ca_pem: &str) -> TestServer {
    let login = crate::login::Login::new(
        eid::ValidatorConfig {
            origin: "https://pietura.test".into(),
            trusted_cas: eid::ParsedCertificate::all_from_pem(trusted_ca_pem).expect("a PEM CA certificate"),
            disallowed_policies: Vec::new(),
        },
        chrono::Duration::hours(10),
        chrono::Duration::minutes(15),
    )
    .expect("a valid login configuration");
    spawn(dir, kind, device_name, Some(login)).await
}

async fn spawn(dir: &Path, kind: DeviceKind, device_name: &str, login: Option<crate::login::Login>) -> TestServer {
    let location = store::DatabaseLocation::Sqlite(dir.join("server.db"));
    let store = store::open(&location).await.expect("the test database opens");
    let now = system_clock()();
    devices::add_centre(store.as_ref(), "Rīgas VPVKAC", "Rīga", Some("RV"), now).await.expect("the centre is added");
    let (_, code) =
        devices::add_device(store.as_ref(), "Rīgas VPVKAC", kind, device_name, chrono::Duration::hours(1), now)
            .await
            .expect("the device is added");
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free local port");
    let url = format!("http://{}", listener.local_addr().expect("a bound address"));
    // Attachments in the folder too, so a test can put content there itself.
    let state = AppState::new(store, system_clock())
        .with_login(login)
        .with_attachment_dir(&dir.join("attachments"))
        .expect("the attachment folder can be made");
    tokio::spawn(crate::serve(listener, state, None, Duration::from_secs(1), std::future::pending()));
    TestServer { url, enrollment_code: code.to_string() }
}

/// A running training server with one workshop (one seat, the retirement scenario) at
/// "Mācību centrs" and one device of `kind` waiting for enrollment.
#[derive(Debug, Clone)]
pub struct TrainingTestServer {
    pub url: String,
    pub enrollment_code: String,
    /// The workshop as its trainer saw it on opening (the seat's people and their PINs).
    pub workshop: protocol::WorkshopView,
}

/// Starts a training server (`environment = "training"`, its card CA in `dir/training-ca`, eID
/// login for `https://pietura.test` by that CA's cards, institutions not answering) on the
/// current tokio runtime. Panics on failure: it is for tests.
pub async fn spawn_training(dir: &Path, kind: DeviceKind, device_name: &str) -> TrainingTestServer {
    use crate::environment::Environment;
    let location = store::DatabaseLocation::Sqlite(dir.join("server.db"));
    let store = store::open(&location).await.expect("the test database opens");
    let now = system_clock()();
    let centre = devices::add_centre(store.as_ref(), "Mācību centrs", "Rīga", Some("MC"), now)
        .await
        .expect("the centre is added");
    let ca = crate::training::training_ca(&dir.join("training-ca"), now).expect("the training CA is made");
    let trainer = domain::training::training_code(1, 0).to_string();
    crate::login::grant(store.as_ref(), &trainer, domain::Role::Trainer, "Mācību centrs", now)
        .await
        .expect("the trainer is granted");
    let state = AppState::new(store, system_clock())
        .with_attachment_dir(&dir.join("attachments"))
        .expect("the attachment folder can be made");
    let request =
        protocol::NewWorkshopRequest { scenarios: vec!["https://pietura.lv/id/training/retirement".into()], seats: 1 };
    let mail = crate::training::Mail { attachments: &state.attachments, calendar: &state.calendar };
    let workshop = crate::training::open_workshop(
        state.store.as_ref(),
        &mail,
        &centre,
        &trainer,
        &request,
        chrono::Duration::hours(1),
        now,
    )
    .await
    .expect("the workshop opens");
    let (_, code) =
        devices::add_device(state.store.as_ref(), "Mācību centrs", kind, device_name, chrono::Duration::hours(1), now)
            .await
            .expect("the device is added");
    let login = crate::login::Login::new(
        eid::ValidatorConfig {
            origin: "https://pietura.test".into(),
            trusted_cas: eid::ParsedCertificate::all_from_pem(
                &std::fs::read_to_string(dir.join("training-ca/ica.pem")).expect("the training CA's certificate"),
            )
            .expect("a PEM CA certificate"),
            disallowed_policies: Vec::new(),
        },
        chrono::Duration::hours(10),
        chrono::Duration::minutes(15),
    )
    .expect("a valid login configuration")
    .in_environment(Environment::Training);
    let state = state.with_login(Some(login)).in_environment(Environment::Training).with_training_ca(ca);
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free local port");
    let url = format!("http://{}", listener.local_addr().expect("a bound address"));
    tokio::spawn(crate::serve(listener, state, None, Duration::from_secs(1), std::future::pending()));
    TrainingTestServer { url, enrollment_code: code.to_string(), workshop }
}

/// The same PostgreSQL URL with another database name (a throwaway database per test or
/// benchmark run in one cluster).
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let authority_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_end..].find('/') {
        Some(slash) => &base[..authority_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{database}?{q}"),
        None => format!("{base}/{database}"),
    }
}
