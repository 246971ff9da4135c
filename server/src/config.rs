//! Server settings: defaults, then a TOML file, then `PIETURA_*` environment variables.

use std::{
    fmt,
    net::SocketAddr,
    path::{Path, PathBuf},
};

use figment::{
    Figment,
    providers::{Format, Serialized, Toml},
};
use serde::{Deserialize, Serialize};

use crate::store::{DatabaseLocation, redact_password};

/// The commented example printed by `pietura-server default-config`.
pub const DEFAULT_CONFIG_TOML: &str = include_str!("default-config.toml");

/// Every key, as a `PIETURA_<KEY>` environment variable too.
const KEYS: &[&str] = &[
    "listen",
    "database_url",
    "tls_cert",
    "tls_key",
    "enrollment_code_ttl_hours",
    "shutdown_timeout_secs",
    "max_connections",
    "header_read_timeout_secs",
    "request_timeout_secs",
    "body_idle_timeout_secs",
    "log_format",
    "eid_origin",
    "eid_trust_anchors",
    "eid_disallowed_policies",
    "eid_ocsp",
    "eid_ocsp_url",
    "staff_session_hours",
    "citizen_session_minutes",
    "login_challenges_per_5_minutes",
    "trusted_proxies",
    "snapshot_dir",
    "attachment_dir",
    "attachment_s3_endpoint",
    "attachment_s3_bucket",
    "attachment_s3_region",
    "attachment_quota_mb",
    "attachment_collect_minutes",
    "audit_key_file",
    "audit_checkpoint_dir",
    "audit_checkpoint_minutes",
    "environment",
    "training_answer_secs",
    "training_ca_dir",
    "release_public_key_file",
];

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Address and port to listen on.
    pub listen: SocketAddr,
    /// An SQLite file path, or a `postgres://` URL.
    pub database_url: String,
    /// PEM certificate chain; with `tls_key`, the server speaks HTTPS.
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    /// How long an enrollment code stays valid.
    pub enrollment_code_ttl_hours: u32,
    /// How long in-flight requests may take to finish on shutdown before they are cut.
    pub shutdown_timeout_secs: u64,
    /// Open connections at once; more are closed as they arrive.
    pub max_connections: u32,
    /// How long a client may take to send a request's headers (and its first byte).
    pub header_read_timeout_secs: u64,
    /// How long a request may take from its headers to the answer, its body included.
    pub request_timeout_secs: u64,
    /// The longest pause within a request body.
    pub body_idle_timeout_secs: u64,
    pub log_format: LogFormat,
    /// The origin eID logins are signed for (`https://host[:port]`, what users' apps connect
    /// to). Without it and `eid_trust_anchors`, eID login is off.
    pub eid_origin: Option<String>,
    /// PEM files of the CAs that issue ID-card certificates directly (intermediate CAs).
    pub eid_trust_anchors: Vec<PathBuf>,
    /// Certificate policies refused at login (default: Web eID's, the Estonian Mobile-ID ones).
    pub eid_disallowed_policies: Vec<String>,
    /// Check each login's certificate with its CA's OCSP responder (from the certificate, or
    /// `eid_ocsp_url`); a login whose status cannot be learnt is refused. Unset: on when
    /// `eid_ocsp_url` names a responder (turn it off there only with `eid_ocsp = false`).
    pub eid_ocsp: Option<bool>,
    /// One OCSP responder for every certificate, instead of the one each names.
    pub eid_ocsp_url: Option<String>,
    /// How long a staff login lasts on a desk (removing the card locks the desk sooner).
    pub staff_session_hours: u32,
    /// How long a citizen's kiosk login lasts at most (idling or removing the card ends it sooner).
    pub citizen_session_minutes: u32,
    /// Card logins (and signatures) a device may begin in five minutes: more is refused with
    /// `Retry-After` (a script trying PINs). A kiosk's citizen session takes minutes, so 30 is
    /// plenty; a soak or load test raises it.
    pub login_challenges_per_5_minutes: u32,
    /// Reverse proxies (their addresses) in front of the server: from them, `X-Forwarded-For`
    /// says who the client is (for throttling and logs); from anyone else it is ignored.
    #[serde(default)]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Where catalogue snapshots for first syncs are kept (default: beside an SQLite database,
    /// or in the temporary folder with PostgreSQL).
    pub snapshot_dir: Option<PathBuf>,
    /// Where e-address attachments are kept (default: beside an SQLite database; required with
    /// PostgreSQL, where no folder of the database's own exists).
    pub attachment_dir: Option<PathBuf>,
    /// Keep attachments in an S3-compatible bucket instead (production): its endpoint, bucket
    /// and region. The keys come from `PIETURA_S3_ACCESS_KEY_ID` and
    /// `PIETURA_S3_SECRET_ACCESS_KEY`, never from a file.
    pub attachment_s3_endpoint: Option<String>,
    pub attachment_s3_bucket: Option<String>,
    pub attachment_s3_region: Option<String>,
    /// Each uploader's (an institution's, a desk's) attachment content that no message names
    /// yet, uploaded in the last 24 hours, at most: more is refused (429) until messages name it
    /// or it is removed.
    pub attachment_quota_mb: u64,
    /// How often content no message named within a day of its last upload is removed (0: never
    /// while serving; `pietura-server eaddress collect` does it once).
    pub attachment_collect_minutes: u32,
    /// The Ed25519 key that signs the audit log's checkpoints, kept outside the database
    /// (default: beside an SQLite database; required with PostgreSQL for checkpoints). Made
    /// on first use, readable by the server's user only.
    pub audit_key_file: Option<PathBuf>,
    /// Where the server writes a signed checkpoint of the audit log every
    /// `audit_checkpoint_minutes` (off when unset); copy them somewhere the database's
    /// administrators cannot write.
    pub audit_checkpoint_dir: Option<PathBuf>,
    pub audit_checkpoint_minutes: u32,
    /// `production` (the real service) or `training` (a workshop's sandbox, a server of its own
    /// with its own database: it serves training people only, and the real one refuses them).
    pub environment: crate::environment::Environment,
    /// On a training server: how long its simulated institutions take to answer a case (take a
    /// submitted one on, then decide it and write to the customer).
    pub training_answer_secs: u32,
    /// On a training server: the folder of the certificate authority that issues the training
    /// people's cards (made on first start; default: beside an SQLite database).
    pub training_ca_dir: Option<PathBuf>,
    /// The project's release key (a minisign public key file): `release publish` accepts only
    /// packages signed by it, as the devices do.
    pub release_public_key_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

impl Settings {
    /// Whether every login's certificate is checked with OCSP: as set, else wherever a
    /// responder is configured.
    pub fn ocsp_on(&self) -> bool {
        self.eid_ocsp.unwrap_or(self.eid_ocsp_url.is_some())
    }

    /// The limits on clients these settings give.
    pub fn limits(&self) -> crate::limits::ServeLimits {
        use std::time::Duration;
        crate::limits::ServeLimits {
            max_connections: self.max_connections as usize,
            header_read_timeout: Duration::from_secs(self.header_read_timeout_secs),
            request_timeout: Duration::from_secs(self.request_timeout_secs),
            body_idle_timeout: Duration::from_secs(self.body_idle_timeout_secs),
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8470)),
            database_url: "pietura.db".into(),
            tls_cert: None,
            tls_key: None,
            enrollment_code_ttl_hours: 24,
            shutdown_timeout_secs: 10,
            max_connections: 1024,
            header_read_timeout_secs: 10,
            request_timeout_secs: 120,
            body_idle_timeout_secs: 20,
            log_format: LogFormat::Text,
            eid_origin: None,
            eid_trust_anchors: Vec::new(),
            eid_disallowed_policies: eid::token::DEFAULT_DISALLOWED_POLICIES.iter().map(|p| p.to_string()).collect(),
            eid_ocsp: None,
            eid_ocsp_url: None,
            staff_session_hours: 10,
            citizen_session_minutes: 15,
            login_challenges_per_5_minutes: crate::api::CHALLENGES_PER_5_MINUTES,
            trusted_proxies: Vec::new(),
            snapshot_dir: None,
            attachment_dir: None,
            attachment_s3_endpoint: None,
            attachment_s3_bucket: None,
            attachment_s3_region: None,
            attachment_quota_mb: crate::uploads::DEFAULT_QUOTA_BYTES / (1024 * 1024),
            attachment_collect_minutes: 60,
            audit_key_file: None,
            audit_checkpoint_dir: None,
            audit_checkpoint_minutes: 60,
            environment: crate::environment::Environment::Production,
            training_answer_secs: 60,
            training_ca_dir: None,
            release_public_key_file: None,
        }
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("listen", &self.listen)
            .field("database_url", &redact_password(&self.database_url))
            .field("tls_cert", &self.tls_cert)
            .field("tls_key", &self.tls_key)
            .field("enrollment_code_ttl_hours", &self.enrollment_code_ttl_hours)
            .field("shutdown_timeout_secs", &self.shutdown_timeout_secs)
            .field("max_connections", &self.max_connections)
            .field("header_read_timeout_secs", &self.header_read_timeout_secs)
            .field("request_timeout_secs", &self.request_timeout_secs)
            .field("body_idle_timeout_secs", &self.body_idle_timeout_secs)
            .field("log_format", &self.log_format)
            .field("eid_origin", &self.eid_origin)
            .field("eid_trust_anchors", &self.eid_trust_anchors)
            .field("eid_disallowed_policies", &self.eid_disallowed_policies)
            .field("eid_ocsp", &self.eid_ocsp)
            .field("eid_ocsp_url", &self.eid_ocsp_url)
            .field("staff_session_hours", &self.staff_session_hours)
            .field("citizen_session_minutes", &self.citizen_session_minutes)
            .field("login_challenges_per_5_minutes", &self.login_challenges_per_5_minutes)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("snapshot_dir", &self.snapshot_dir)
            .field("attachment_dir", &self.attachment_dir)
            .field("attachment_s3_endpoint", &self.attachment_s3_endpoint)
            .field("attachment_quota_mb", &self.attachment_quota_mb)
            .field("attachment_collect_minutes", &self.attachment_collect_minutes)
            .field("audit_key_file", &self.audit_key_file)
            .field("audit_checkpoint_dir", &self.audit_checkpoint_dir)
            .field("audit_checkpoint_minutes", &self.audit_checkpoint_minutes)
            .field("environment", &self.environment)
            .field("training_answer_secs", &self.training_answer_secs)
            .field("training_ca_dir", &self.training_ca_dir)
            .field("release_public_key_file", &self.release_public_key_file)
            .field("attachment_s3_bucket", &self.attachment_s3_bucket)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("the configuration file {0} does not exist")]
    MissingFile(PathBuf),
    #[error("the configuration is not valid: {0}")]
    Invalid(String),
}

impl Settings {
    /// Reads settings from an optional TOML file and the environment given as pairs (so tests
    /// need not touch the process environment).
    pub fn load(file: Option<&Path>, env: impl IntoIterator<Item = (String, String)>) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(file) = file {
            if !file.is_file() {
                return Err(ConfigError::MissingFile(file.to_owned()));
            }
            figment = figment.merge(Toml::file_exact(file));
        }
        let env: Vec<(String, String)> = env
            .into_iter()
            .filter_map(|(k, v)| {
                let key = k.strip_prefix("PIETURA_")?.to_ascii_lowercase();
                KEYS.contains(&key.as_str()).then_some((key, v))
            })
            .collect();
        // The environment is passed in rather than read here so tests can give their own.
        for (key, value) in env {
            // Parsed the way figment parses environment values: "2" is a number, "true" a bool.
            let value: figment::value::Value = value.parse().unwrap_or_else(|never| match never {});
            figment = figment.merge(Serialized::default(&key, value));
        }
        let settings: Settings = figment.extract().map_err(|e| ConfigError::Invalid(describe(e)))?;
        settings.validate()?;
        Ok(settings)
    }

    /// Reads settings from the file (if any) and the process environment.
    pub fn from_process(file: Option<&Path>) -> Result<Self, ConfigError> {
        Self::load(file, std::env::vars())
    }

    /// The folder for catalogue snapshots.
    pub fn snapshot_dir(&self) -> Result<PathBuf, ConfigError> {
        if let Some(dir) = &self.snapshot_dir {
            return Ok(dir.clone());
        }
        Ok(match self.database()? {
            DatabaseLocation::Sqlite(path) => PathBuf::from(format!("{}.snapshots", path.display())),
            // systemd's CacheDirectory= when there is one; else a fresh folder of this process's
            // own (random name, owner only), never a fixed path in the shared temporary folder
            // that another user could make first.
            DatabaseLocation::Postgres(_) => match std::env::var_os("CACHE_DIRECTORY") {
                Some(cache) => PathBuf::from(cache).join("snapshots"),
                None => tempfile::Builder::new()
                    .prefix("pietura-snapshots-")
                    .tempdir()
                    .map_err(|e| ConfigError::Invalid(format!("snapshot_dir: no private temporary folder: {e}")))?
                    .keep(),
            },
        })
    }

    /// The folder for e-address attachments: they are kept for good, so never a temporary one.
    pub fn attachment_dir(&self) -> Result<PathBuf, ConfigError> {
        if let Some(dir) = &self.attachment_dir {
            return Ok(dir.clone());
        }
        match self.database()? {
            DatabaseLocation::Sqlite(path) => Ok(PathBuf::from(format!("{}.attachments", path.display()))),
            DatabaseLocation::Postgres(_) => Err(ConfigError::Invalid(
                "attachment_dir: set where e-address attachments are kept (with PostgreSQL there is no default)".into(),
            )),
        }
    }

    /// Where a training server keeps the CA of its training people's cards.
    pub fn training_ca_dir(&self) -> Result<PathBuf, ConfigError> {
        if let Some(dir) = &self.training_ca_dir {
            return Ok(dir.clone());
        }
        match self.database()? {
            DatabaseLocation::Sqlite(path) => Ok(PathBuf::from(format!("{}.training-ca", path.display()))),
            DatabaseLocation::Postgres(_) => Err(ConfigError::Invalid(
                "training_ca_dir: set where the training cards' CA is kept (with PostgreSQL there is no default)"
                    .into(),
            )),
        }
    }

    /// The audit signing key's file.
    pub fn audit_key_file(&self) -> Result<PathBuf, ConfigError> {
        if let Some(path) = &self.audit_key_file {
            return Ok(path.clone());
        }
        match self.database()? {
            DatabaseLocation::Sqlite(path) => Ok(PathBuf::from(format!("{}.audit-key", path.display()))),
            DatabaseLocation::Postgres(_) => Err(ConfigError::Invalid(
                "audit_key_file: set where the audit signing key is kept (with PostgreSQL there is no default)".into(),
            )),
        }
    }

    pub fn database(&self) -> Result<DatabaseLocation, ConfigError> {
        DatabaseLocation::parse(&self.database_url).map_err(|e| ConfigError::Invalid(format!("database_url: {e}")))
    }

    fn validate(&self) -> Result<(), ConfigError> {
        self.database()?;
        match (&self.tls_cert, &self.tls_key) {
            (Some(_), None) | (None, Some(_)) => {
                return Err(ConfigError::Invalid(
                    "tls_cert and tls_key go together: give both for HTTPS, or neither for HTTP".into(),
                ));
            }
            _ => {}
        }
        if self.enrollment_code_ttl_hours == 0 || self.enrollment_code_ttl_hours > 24 * 30 {
            return Err(ConfigError::Invalid("enrollment_code_ttl_hours must be between 1 and 720".into()));
        }
        if self.shutdown_timeout_secs > 600 {
            return Err(ConfigError::Invalid("shutdown_timeout_secs must be at most 600".into()));
        }
        if !(1..=100_000).contains(&self.max_connections) {
            return Err(ConfigError::Invalid("max_connections must be between 1 and 100000".into()));
        }
        for (key, value, most) in [
            ("header_read_timeout_secs", self.header_read_timeout_secs, 300),
            ("request_timeout_secs", self.request_timeout_secs, 3600),
            ("body_idle_timeout_secs", self.body_idle_timeout_secs, 600),
        ] {
            if !(1..=most).contains(&value) {
                return Err(ConfigError::Invalid(format!("{key} must be between 1 and {most}")));
            }
        }
        if let Some(origin) = &self.eid_origin {
            eid::token::check_origin(origin).map_err(|e| ConfigError::Invalid(format!("eid_origin: {e}")))?;
        }
        // A training server trusts its own training cards' CA (added when it serves): an origin
        // alone turns its logins on.
        let training_origin_only = self.environment == crate::environment::Environment::Training
            && self.eid_origin.is_some()
            && self.eid_trust_anchors.is_empty();
        if self.eid_origin.is_some() == self.eid_trust_anchors.is_empty() && !training_origin_only {
            return Err(ConfigError::Invalid(
                "eid_origin and eid_trust_anchors go together: give both to turn eID login on, or neither".into(),
            ));
        }
        if !(1..=24).contains(&self.staff_session_hours) {
            return Err(ConfigError::Invalid("staff_session_hours must be between 1 and 24".into()));
        }
        if !(1..=120).contains(&self.citizen_session_minutes) {
            return Err(ConfigError::Invalid("citizen_session_minutes must be between 1 and 120".into()));
        }
        if !(1..=100_000).contains(&self.login_challenges_per_5_minutes) {
            return Err(ConfigError::Invalid("login_challenges_per_5_minutes must be between 1 and 100000".into()));
        }
        Ok(())
    }
}

fn describe(error: figment::Error) -> String {
    error
        .into_iter()
        .map(|e| {
            let key = e.path.join(".");
            let source = e.metadata.as_ref().map(|m| m.name.to_string()).unwrap_or_default();
            if key.is_empty() { format!("{} ({source})", e.kind) } else { format!("{key}: {} ({source})", e.kind) }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn defaults_then_file_then_environment() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pietura.toml");
        std::fs::write(&file, "listen = \"0.0.0.0:9000\"\ndatabase_url = \"file.db\"\n").unwrap();
        let settings = Settings::load(Some(&file), env(&[("PIETURA_DATABASE_URL", "env.db")])).unwrap();
        assert_eq!(settings.listen.port(), 9000);
        assert_eq!(settings.database_url, "env.db");
        assert_eq!(settings.enrollment_code_ttl_hours, 24);
        let from_env = Settings::load(
            None,
            env(&[("PIETURA_LISTEN", "127.0.0.1:1234"), ("PIETURA_ENROLLMENT_CODE_TTL_HOURS", "2")]),
        )
        .unwrap();
        assert_eq!(from_env.listen.port(), 1234);
        assert_eq!(from_env.enrollment_code_ttl_hours, 2);
    }

    #[test]
    fn ocsp_is_on_where_a_responder_is_configured_unless_turned_off() {
        assert!(
            !Settings::load(None, env(&[])).unwrap().ocsp_on(),
            "no responder named: the certificate's own, when asked"
        );
        let url = ("PIETURA_EID_OCSP_URL", "http://ocsp.example.lv");
        assert!(Settings::load(None, env(&[url])).unwrap().ocsp_on());
        assert!(!Settings::load(None, env(&[url, ("PIETURA_EID_OCSP", "false")])).unwrap().ocsp_on());
        assert!(Settings::load(None, env(&[("PIETURA_EID_OCSP", "true")])).unwrap().ocsp_on());
    }

    #[test]
    fn server_limits_are_checked_and_named() {
        let limits = Settings::load(None, env(&[("PIETURA_MAX_CONNECTIONS", "7")])).unwrap().limits();
        assert_eq!(limits.max_connections, 7);
        assert_eq!(limits.header_read_timeout, std::time::Duration::from_secs(10));
        let err = Settings::load(None, env(&[("PIETURA_HEADER_READ_TIMEOUT_SECS", "0")])).unwrap_err().to_string();
        assert!(err.contains("header_read_timeout_secs"), "{err}");
        let err = Settings::load(None, env(&[("PIETURA_MAX_CONNECTIONS", "0")])).unwrap_err().to_string();
        assert!(err.contains("max_connections"), "{err}");
    }

    #[test]
    fn unrelated_pietura_variables_are_ignored() {
        let settings = Settings::load(None, env(&[("PIETURA_TEST_POSTGRES_URL", "x"), ("HOME", "/root")])).unwrap();
        assert_eq!(settings, Settings::default());
    }

    #[test]
    fn bad_settings_name_the_key() {
        let err = Settings::load(None, env(&[("PIETURA_LISTEN", "not an address")])).unwrap_err().to_string();
        assert!(err.contains("listen"), "{err}");
        let err = Settings::load(None, env(&[("PIETURA_DATABASE_URL", "mysql://x")])).unwrap_err().to_string();
        assert!(err.contains("database_url"), "{err}");
        let err = Settings::load(None, env(&[("PIETURA_TLS_CERT", "/c.pem")])).unwrap_err().to_string();
        assert!(err.contains("tls_key"), "{err}");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("p.toml");
        std::fs::write(&file, "lisen = \"0.0.0.0:1\"\n").unwrap();
        let err = Settings::load(Some(&file), env(&[])).unwrap_err().to_string();
        assert!(err.contains("lisen"), "{err}");
        let err = Settings::load(Some(&dir.path().join("missing.toml")), env(&[])).unwrap_err();
        assert!(matches!(err, ConfigError::MissingFile(_)));
    }

    #[test]
    fn the_example_config_is_valid_and_matches_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("example.toml");
        std::fs::write(&file, DEFAULT_CONFIG_TOML).unwrap();
        assert_eq!(Settings::load(Some(&file), env(&[])).unwrap(), Settings::default());
    }

    #[test]
    fn debug_hides_database_passwords() {
        let settings = Settings::load(None, env(&[("PIETURA_DATABASE_URL", "postgres://u:secret@h/db")])).unwrap();
        assert!(!format!("{settings:?}").contains("secret"));
    }
}
