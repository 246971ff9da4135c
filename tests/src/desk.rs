//! A desk session as the desk app runs it (`device::session::DeviceSession`, its own store and
//! keyring entry), with a card reader in this process: for end-to-end tests without a window.

use std::{path::PathBuf, sync::Arc};

use anyhow::Result;
use device::{engine::Clock, schedule::SchedulePolicy, session::DeviceSession};
use eid::{
    apdu::KeyKind,
    test_ca::{Holder, TestCa},
    virtual_card::{InProcessReaders, VirtualCard},
};

/// The reader the clerk's card sits in.
pub const CLERK_READER: &str = "Reader 0";

/// Where a test desk keeps its store, which keyring entry holds its key, and its card reader.
pub struct TestDesk {
    pub dir: PathBuf,
    pub keyring: String,
    pub clock: Clock,
    pub readers: Arc<InProcessReaders>,
}

impl TestDesk {
    /// A desk in `dir` on `clock`, the clerk [`crate::people::CLERK`]'s card (issued by `ca`,
    /// PIN1 1234) in its reader.
    pub fn new(dir: PathBuf, clock: Clock, ca: &TestCa) -> Result<Self> {
        let readers = Arc::new(InProcessReaders::with_reader(CLERK_READER));
        let clerk =
            Holder {
                given_name: "ILZE".into(), surname: "OZOLIŅA".into(), personal_code: crate::people::CLERK.into()
            };
        let card = ca.issue_card(
            clerk,
            KeyKind::EcP384,
            crate::real_now() - chrono::Duration::days(30),
            None,
            "1234",
            "123456",
        )?;
        readers.insert(CLERK_READER, VirtualCard::new(card));
        Ok(Self { dir, keyring: format!("pietura-test-desk-{}", uuid::Uuid::new_v4()), clock, readers })
    }

    /// The session, as the app opens it at start (again after a restart: same store, same key).
    pub fn open(&self) -> Result<DeviceSession> {
        Ok(DeviceSession::open_with_cards(
            &self.dir,
            &self.keyring,
            SchedulePolicy::default(),
            self.clock.clone(),
            self.readers.clone(),
        )?)
    }

    /// Opens the session, enrolls it with `code` at `server_url` and logs the clerk in.
    pub async fn enrolled_and_logged_in(&self, server_url: &str, code: &str) -> Result<DeviceSession> {
        let session = self.open()?;
        session.enroll(server_url, code).await?;
        anyhow::ensure!(session.log_in(Some("1234")).await?.state == "logged_in", "the clerk could not log in");
        Ok(session)
    }
}
