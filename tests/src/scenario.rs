//! One builder for the end-to-end tests' set-up: a server's database prepared through the
//! server's own command line (centres, devices, roles, the demo catalogue, institutions and their
//! keys, mailboxes, eID trust), then the real server started on it.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use eid::test_ca::TestCa;

use crate::processes::{ServerProcess, server_command};

/// A database in a folder of the test's, and what the tests need to know about it.
pub struct Scenario {
    pub bin: PathBuf,
    pub dir: PathBuf,
    pub db: PathBuf,
    ca: Option<TestCa>,
    /// A training server's database (its commands and the server run with
    /// `PIETURA_ENVIRONMENT=training`: a database is one side's for good).
    training: bool,
}

impl Scenario {
    /// An empty database (`server.db`) in `dir`, run by the workspace's binaries.
    pub fn in_dir(dir: &Path) -> Self {
        Self { bin: crate::bin_dir(), dir: dir.to_owned(), db: dir.join("server.db"), ca: None, training: false }
    }

    /// [`Scenario::in_dir`] for a training server.
    pub fn training_in_dir(dir: &Path) -> Self {
        Self { training: true, ..Self::in_dir(dir) }
    }

    fn environment(&self) -> &'static str {
        if self.training { "training" } else { "production" }
    }

    /// `pietura-server ARGS` on this database; answers what it printed.
    pub fn cli(&self, args: &[&str]) -> Result<String> {
        let output = server_command(&self.bin, &self.db, 0)
            .env("PIETURA_ENVIRONMENT", self.environment())
            .args(args)
            .output()?;
        if !output.status.success() {
            anyhow::bail!("pietura-server {args:?} failed: {}", String::from_utf8_lossy(&output.stderr));
        }
        Ok(String::from_utf8(output.stdout)?)
    }

    pub fn centre(&self, name: &str, municipality: &str) -> Result<&Self> {
        self.cli(&["centre", "add", "--name", name, "--municipality", municipality])?;
        Ok(self)
    }

    /// A device of `kind` (`desk`, `kiosk`) at `centre`; answers its enrollment code.
    pub fn device(&self, centre: &str, kind: &str, name: &str) -> Result<String> {
        let added = self.cli(&["device", "add", "--centre", centre, "--kind", kind, "--name", name, "--json"])?;
        let added: serde_json::Value = serde_json::from_str(&added)?;
        Ok(added["enrollment_code"].as_str().context("no enrollment code")?.to_owned())
    }

    /// `role` at `centre` for the person `personal_code`.
    pub fn grant(&self, personal_code: &str, role: &str, centre: &str) -> Result<&Self> {
        self.cli(&["user", "grant", personal_code, "--role", role, "--centre", centre])?;
        Ok(self)
    }

    /// The demo catalogue (61 services of several institutions) and its e-forms.
    pub fn demo_catalogue(&self) -> Result<&Self> {
        let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/demo");
        let mut files = vec![demo.join("demo-catalogue.pietura.json")];
        let mut forms: Vec<_> =
            std::fs::read_dir(demo.join("forms"))?.map(|e| e.map(|e| e.path())).collect::<Result<_, _>>()?;
        forms.sort();
        files.extend(forms);
        let mut args = vec!["catalogue".to_owned(), "import".to_owned()];
        for file in &files {
            args.push(file.to_str().context("the repository path is not UTF-8")?.to_owned());
        }
        self.cli(&args.iter().map(String::as_str).collect::<Vec<_>>())?;
        Ok(self)
    }

    /// An institution with an API key; answers the `Authorization` header that carries it.
    pub fn institution(&self, id: &str, name: &str) -> Result<String> {
        self.cli(&["institution", "add", id, "--name", name])?;
        let key: serde_json::Value = serde_json::from_str(&self.cli(&["institution", "key", id, "--json"])?)?;
        Ok(format!("ApiKey {}", key["api_key"].as_str().context("no API key")?))
    }

    /// A mailbox, with `more` of `eaddress add`'s options (`--institution ID`, `--centre NAME`).
    pub fn mailbox(&self, address: &str, name: &str, more: &[&str]) -> Result<&Self> {
        let mut args = vec!["eaddress", "add", address, "--name", name];
        args.extend_from_slice(more);
        self.cli(&args)?;
        Ok(self)
    }

    /// eID login trusted by the server: a test CA made now (its files in DIR/ca) and the
    /// settings in DIR/pietura.toml, which [`ServerProcess::start`] reads beside the database.
    pub fn trust_test_ca(&mut self) -> Result<&TestCa> {
        #[allow(clippy::disallowed_methods)] // certificates are checked on the real clock
        let now = chrono::Utc::now();
        let ca = TestCa::generate(now)?;
        ca.save(&self.dir.join("ca"))?;
        std::fs::write(
            self.dir.join("pietura.toml"),
            format!(
                "eid_origin = \"https://pietura.test\"\neid_trust_anchors = [{:?}]\n",
                self.dir.join("ca/ica.pem").display().to_string()
            ),
        )?;
        Ok(self.ca.insert(ca))
    }

    /// eID login with a test CA ([`Scenario::trust_test_ca`]) and the card of the clerk
    /// [`crate::DEMO_CLERK`] in DIR/clerk-card.json (PIN1 1234), with which the tests' desks
    /// prove who wrote their outbox entries.
    pub fn clerk_card(&mut self) -> Result<()> {
        #[allow(clippy::disallowed_methods)] // certificates are checked on the real clock
        let now = chrono::Utc::now();
        let holder = eid::test_ca::Holder {
            given_name: "ILZE".into(),
            surname: "OZOLIŅA".into(),
            personal_code: crate::DEMO_CLERK.into(),
        };
        let card = self.trust_test_ca()?.issue_card(
            holder,
            eid::apdu::KeyKind::EcP384,
            now - chrono::Duration::days(30),
            None,
            "1234",
            "123456",
        )?;
        std::fs::write(self.dir.join("clerk-card.json"), card.to_json()?)?;
        Ok(())
    }

    /// The CA [`Scenario::trust_test_ca`] made.
    pub fn ca(&self) -> Result<&TestCa> {
        self.ca.as_ref().context("call trust_test_ca first")
    }

    /// The server on `port`, on this database with these settings.
    pub fn start(&self, port: u16) -> Result<ServerProcess> {
        let environment = self.environment();
        ServerProcess::start_with(&self.bin, &self.db, port, |server| {
            server.env("PIETURA_ENVIRONMENT", environment);
        })
    }
}
