//! Helpers for the end-to-end tests: real processes on free ports, and a small WebDriver client.

pub mod cluster;
pub mod cups;
pub mod desk;
pub mod fleet;
pub mod processes;
pub mod scenario;
pub mod screen;
pub mod slow_network;
pub mod webdriver;

use std::path::{Path, PathBuf};

/// The folder with the workspace's built binaries (`target/debug`), found from the test binary
/// (`target/debug/deps/e2e-…`), or `PIETURA_BIN_DIR`.
pub fn bin_dir() -> PathBuf {
    // `cargo xtask measure` runs a test against the release build.
    if let Some(dir) = std::env::var_os("PIETURA_BIN_DIR") {
        return dir.into();
    }
    let exe = std::env::current_exe().expect("the test binary knows its path");
    exe.parent().and_then(|deps| deps.parent()).expect("test binaries live in target/<profile>/deps").to_owned()
}

/// `target/e2e`, where screenshots go.
pub fn artefact_dir() -> PathBuf {
    let dir = bin_dir().parent().expect("target/<profile> has a parent").join("e2e");
    std::fs::create_dir_all(&dir).expect("target/e2e can be created");
    dir
}

/// A TCP port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The people and institutions the scenarios use: valid-looking personal codes from the test CA's
/// examples, the State Revenue Service with its official e-address.
pub mod people {
    pub const CLERK: &str = "161175-19997";
    pub const CITIZEN: &str = "325035-11782";
    pub const CITIZEN_BOX: &str = "_PRIVATE@32503511782";
    pub const VID: &str = "https://pietura.lv/id/org/vid";
    pub const VID_BOX: &str = "_DEFAULT@90000069281";
    /// Riga's municipality, which holds the demo's municipal services, and its mailbox.
    pub const RIGA: &str = "https://pietura.lv/id/org/riga";
    pub const RIGA_BOX: &str = "_DEFAULT@90011524360";
}

/// The clerk of "Rīgas VPVKAC" whose card [`processes::demo_server_with_desk`] issues.
pub const DEMO_CLERK: &str = people::CLERK;

/// Sends `request` and reads its answer as JSON of type `T` (a test's request must succeed).
pub async fn json_of<T: serde::de::DeserializeOwned>(request: reqwest::RequestBuilder) -> T {
    request.send().await.expect("the request reaches the server").json().await.expect("the answer is the JSON expected")
}

/// The wall clock, for tests that talk to a real server (which runs on it).
pub fn real_now() -> chrono::DateTime<chrono::Utc> {
    #[allow(clippy::disallowed_methods)] // the tests' one reference clock
    chrono::Utc::now()
}

/// What a desk records when [`DEMO_CLERK`]'s card unlocks the device `device_id` offline now,
/// as its outbox entries carry it (JSON of `protocol::EntryAuthor`): the card in `dir`
/// (saved by [`processes::demo_server_with_desk`]) signs the challenge bound to the device.
pub fn clerk_offline_author(dir: &Path, device_id: uuid::Uuid) -> anyhow::Result<String> {
    use anyhow::Context;
    let profile = eid::test_ca::CardProfile::from_json(&std::fs::read_to_string(dir.join("clerk-card.json"))?)?;
    let mut card = eid::EidCard::new(eid::virtual_card::VirtualCard::new(profile));
    #[allow(clippy::disallowed_methods)] // the unlock's moment, on the real clock the server checks against
    let unlocked_at = chrono::Utc::now();
    let salt = uuid::Uuid::new_v4().simple().to_string();
    let nonce = protocol::offline_unlock_nonce(device_id, unlocked_at, &salt);
    let pin = eid::apdu::Pin::new("1234", eid::apdu::PIN_MIN_LENGTH).context("the test PIN")?;
    let token = card.sign_login(&pin, protocol::OFFLINE_UNLOCK_ORIGIN, &nonce, "test")?;
    let author = protocol::EntryAuthor::OfflineUnlock { token: token.to_json(), unlocked_at, salt };
    Ok(serde_json::to_string(&author)?)
}

/// The text of a PDF, as poppler's `pdftotext` reads it (layout kept).
pub fn pdf_text(pdf: &[u8]) -> String {
    let file = tempfile::NamedTempFile::new().expect("a temporary file");
    std::fs::write(file.path(), pdf).expect("the PDF written");
    let out = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(file.path())
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8 text")
}
