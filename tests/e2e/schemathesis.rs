//! schemathesis (issue 12) against the real server binary's `/openapi.json`, on SQLite and on
//! PostgreSQL: bounded and seeded, once as an institution (its API key) and once as a clerk at a
//! desk (the device's credentials and a card login's session). Passes only with no server
//! error, no answer that breaks its documented schema and no undocumented content type.
//!
//! `cargo xtask setup` installs schemathesis into a virtual environment and `cargo xtask test`
//! names it in `PIETURA_SCHEMATHESIS`; without it this test fails and says so.

use std::{path::Path, process::Command};

use tests::{
    bin_dir, free_port,
    processes::{ServerProcess, demo_server_on, server_cli},
};

const SEED: &str = "20261204";
const EXAMPLES: &str = "25";

fn schemathesis() -> String {
    std::env::var("PIETURA_SCHEMATHESIS").unwrap_or_else(|_| {
        panic!("PIETURA_SCHEMATHESIS is not set: run `cargo xtask test` (its set-up installs schemathesis from PyPI)")
    })
}

/// Runs schemathesis with `headers` and fails the test with its report unless it passed.
fn run(openapi: &str, headers: &[(&str, String)], who: &str, dir: &Path) {
    let mut command = Command::new(schemathesis());
    // Its own cache (`.schemathesis/`) goes into the test's folder, not the repository.
    command.current_dir(dir);
    command.args(["run", openapi, "--seed", SEED, "--max-examples", EXAMPLES, "--no-color"]);
    command.args(["-c", "not_a_server_error,response_schema_conformance,content_type_conformance"]);
    command.args(["-H", "pietura-protocol: 1"]);
    for (name, value) in headers {
        command.args(["-H", &format!("{name}: {value}")]);
    }
    let output = command.output().expect("schemathesis runs");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "schemathesis as {who} found problems:\n{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(report.contains("passed"), "schemathesis as {who} tested nothing:\n{report}");
}

/// The demo data on `database`, a clerk logged in at the desk, an institution's key; then both
/// runs. `settings` go into the server's configuration beside the eID ones.
async fn fuzz_the_api(dir: &Path, database: &Path, settings: &str) {
    let bin = bin_dir();
    let code = demo_server_on(&bin, dir, database).unwrap();
    let config = dir.join("pietura.toml");
    let eid = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{eid}{settings}")).unwrap();
    let riga = "https://pietura.lv/id/org/riga";
    server_cli(
        &bin,
        database,
        &["institution", "add", riga, "--name", "Rīgas valstspilsētas pašvaldība", "--case-code", "RIG"],
    )
    .unwrap();
    let key: serde_json::Value =
        serde_json::from_str(&server_cli(&bin, database, &["institution", "key", riga, "--json"]).unwrap()).unwrap();
    let key = key["api_key"].as_str().unwrap().to_owned();
    let server = ServerProcess::start_with(&bin, database, free_port(), |command| {
        command.env("PIETURA_CONFIG", dir.join("pietura.toml"));
    })
    .unwrap();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = device::client::SyncClient::new(device::client::parse_server_url(&server.url).unwrap()).unwrap();
    let enrolled = client.enroll(&code).await.unwrap();
    let desk = protocol::DeviceCredentials { device_id: enrolled.device_id, secret: enrolled.device_secret };
    let profile =
        eid::test_ca::CardProfile::from_json(&std::fs::read_to_string(dir.join("clerk-card.json")).unwrap()).unwrap();
    let mut card = eid::EidCard::new(eid::virtual_card::VirtualCard::new(profile));
    let challenge = client.login_challenge(&desk).await.unwrap();
    let pin = eid::apdu::Pin::new("1234", eid::apdu::PIN_MIN_LENGTH).unwrap();
    let token = card.sign_login(&pin, &challenge.origin, &challenge.nonce, "schemathesis").unwrap();
    let session = client.log_in(&desk, &token.to_json(), &challenge.nonce).await.unwrap().session_token;

    let openapi = format!("{}/openapi.json", server.url.trim_end_matches('/'));
    run(&openapi, &[("Authorization", format!("ApiKey {key}"))], "an institution", dir);
    run(
        &openapi,
        &[("Authorization", desk.authorization_header()), ("pietura-session", session)],
        "a clerk at a desk",
        dir,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sqlite_schemathesis_finds_no_server_error_and_no_answer_off_its_schema() {
    let dir = tempfile::tempdir().unwrap();
    fuzz_the_api(dir.path(), &dir.path().join("server.db"), "").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_schemathesis_finds_no_server_error_and_no_answer_off_its_schema() {
    let admin_url = std::env::var("PIETURA_TEST_POSTGRES_URL")
        .expect("PIETURA_TEST_POSTGRES_URL is not set: run `cargo xtask test`, which starts a throwaway cluster");
    let name = format!("pietura_schemathesis_{}", uuid::Uuid::new_v4().simple());
    let (admin, connection) = tokio_postgres::connect(&admin_url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    admin.batch_execute(&format!("CREATE DATABASE {name}")).await.unwrap();
    let url = server::testing::with_database(&admin_url, &name);
    let dir = tempfile::tempdir().unwrap();
    // With PostgreSQL there is no folder of the database's own for attachments: one here.
    let attachments = dir.path().join("attachments");
    fuzz_the_api(dir.path(), Path::new(&url), &format!("attachment_dir = {:?}\n", attachments.display().to_string()))
        .await;
}
