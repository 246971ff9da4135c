//! The server's storage: one [`Store`] trait, two backends chosen from the database URL.
//!
//! Embedded SQLite (a file path) by default, PostgreSQL for production (`postgres://…`).
//! Migrations live beside each backend in `migrations/<backend>/` and are never edited once
//! landed. Both backends pass the same conformance suite (`tests/it/store.rs`).

mod postgres;
mod sqlite;

use std::{fmt, path::PathBuf, sync::Arc};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::{Centre, DeviceKind};
use uuid::Uuid;

pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{what} already exists")]
    Conflict { what: String },
    #[error("{what} was not found")]
    NotFound { what: String },
    #[error(
        "device {0} has already enrolled or was revoked, so it needs no code; to replace it, revoke it and add a new device"
    )]
    DeviceNotWaiting(Uuid),
    #[error("this enrollment code is not known: check it, or ask the operator for a new one")]
    EnrollmentCodeUnknown,
    #[error("this enrollment code has expired: ask the operator for a new one")]
    EnrollmentCodeExpired,
    #[error("this enrollment code was already used: ask the operator for a new one")]
    EnrollmentCodeUsed,
    #[error("the database could not be used: {0}")]
    Unavailable(String),
    #[error("the database holds data this server cannot read: {0}")]
    Corrupt(String),
}

/// Where the data lives, read from `PIETURA_DATABASE_URL` / `database_url`.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseLocation {
    Sqlite(PathBuf),
    Postgres(String),
}

impl fmt::Debug for DatabaseLocation {
    // PostgreSQL URLs may carry a password: never print it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseLocation::Sqlite(path) => write!(f, "Sqlite({})", path.display()),
            DatabaseLocation::Postgres(url) => write!(f, "Postgres({})", redact_password(url)),
        }
    }
}

/// Replaces the password in a `scheme://user:password@host` URL with `***`.
pub fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let Some((userinfo, host)) = rest.split_once('@') else { return url.to_owned() };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct DatabaseUrlError(String);

impl DatabaseLocation {
    /// `postgres://…` or `postgresql://…` is PostgreSQL; `sqlite:PATH`, `sqlite://PATH` or a
    /// plain path is an SQLite file. Any other scheme is an error, not a file named "mysql:".
    pub fn parse(url: &str) -> Result<Self, DatabaseUrlError> {
        let url = url.trim();
        if url.is_empty() {
            return Err(DatabaseUrlError(
                "the database URL is empty: give a file path for SQLite or postgres://… for PostgreSQL".into(),
            ));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres(url.to_owned()));
        }
        if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
            if path.is_empty() {
                return Err(DatabaseUrlError("the SQLite URL has no file path".into()));
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if let Some((scheme, _)) = url.split_once("://") {
            return Err(DatabaseUrlError(format!(
                "unsupported database {scheme:?}: use a file path (SQLite) or postgres://… (PostgreSQL)"
            )));
        }
        Ok(Self::Sqlite(PathBuf::from(url)))
    }
}

/// Opens the store the URL names and brings its schema up to date.
pub async fn open(location: &DatabaseLocation) -> Result<Arc<dyn Store>, StoreError> {
    let store: Arc<dyn Store> = match location {
        DatabaseLocation::Sqlite(path) => Arc::new(SqliteStore::open(path).await?),
        DatabaseLocation::Postgres(url) => Arc::new(PostgresStore::connect(url).await?),
    };
    store.migrate().await?;
    Ok(store)
}

/// A centre to create.
#[derive(Debug, Clone)]
pub struct NewCentre {
    pub id: Uuid,
    pub name: String,
    pub municipality: String,
    pub created_at: DateTime<Utc>,
}

/// A device to create, waiting for its enrollment code.
#[derive(Debug, Clone)]
pub struct NewDevice {
    pub id: Uuid,
    pub centre_id: Uuid,
    pub kind: DeviceKind,
    pub name: String,
    pub enrollment_code_hash: [u8; 32],
    pub enrollment_expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

/// A device as operators see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub id: Uuid,
    pub centre: Centre,
    pub kind: DeviceKind,
    pub name: String,
    pub enrollment_expires_at: DateTime<Utc>,
    pub enrolled_at: Option<DateTime<Utc>>,
    pub last_seen_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// What the server needs to authenticate a device's request.
#[derive(Clone, PartialEq, Eq)]
pub struct DeviceAuthRecord {
    pub device: Device,
    pub secret_hash: Option<[u8; 32]>,
}

impl fmt::Debug for DeviceAuthRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceAuthRecord").field("device", &self.device).finish_non_exhaustive()
    }
}

/// Every storage operation the server performs, named for what it means.
#[async_trait]
pub trait Store: Send + Sync + fmt::Debug {
    /// Applies the migrations this build has and the database lacks. Safe to run concurrently.
    async fn migrate(&self) -> Result<(), StoreError>;
    /// The schema version (number of the last applied migration).
    async fn schema_version(&self) -> Result<i64, StoreError>;
    /// A cheap round trip, for readiness checks.
    async fn ping(&self) -> Result<(), StoreError>;

    async fn add_centre(&self, centre: NewCentre) -> Result<Centre, StoreError>;
    async fn list_centres(&self) -> Result<Vec<Centre>, StoreError>;
    async fn find_centre_by_name(&self, name: &str) -> Result<Option<Centre>, StoreError>;

    async fn add_device(&self, device: NewDevice) -> Result<Device, StoreError>;
    async fn list_devices(&self) -> Result<Vec<Device>, StoreError>;
    /// Revokes a device; revoking twice keeps the first time.
    async fn revoke_device(&self, id: Uuid, at: DateTime<Utc>) -> Result<Device, StoreError>;
    /// Atomically trades an unused, unexpired code for a device secret (stored as its hash).
    async fn redeem_enrollment_code(
        &self,
        code_hash: [u8; 32],
        secret_hash: [u8; 32],
        now: DateTime<Utc>,
    ) -> Result<Device, StoreError>;
    /// Gives a device that has not enrolled yet a new code (the old one stops working).
    async fn renew_enrollment_code(
        &self,
        id: Uuid,
        code_hash: [u8; 32],
        expires_at: DateTime<Utc>,
    ) -> Result<Device, StoreError>;
    async fn device_auth_record(&self, id: Uuid) -> Result<Option<DeviceAuthRecord>, StoreError>;
    async fn record_device_seen(&self, id: Uuid, at: DateTime<Utc>) -> Result<(), StoreError>;
}

/// The migrations of one backend: (version, name, SQL), in order.
pub(crate) type Migration = (i64, &'static str, &'static str);

fn parse_kind(raw: &str) -> Result<DeviceKind, StoreError> {
    raw.parse().map_err(|e: domain::ParseDeviceKindError| StoreError::Corrupt(e.to_string()))
}

fn hash_from_bytes(bytes: Option<Vec<u8>>) -> Result<Option<[u8; 32]>, StoreError> {
    bytes
        .map(|b| {
            <[u8; 32]>::try_from(b.as_slice()).map_err(|_| StoreError::Corrupt("a stored hash is not 32 bytes".into()))
        })
        .transpose()
}

/// Decides whether a device row can be enrolled now; shared by both backends so they agree.
fn check_redeemable(
    enrolled_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if enrolled_at.is_some() || revoked_at.is_some() {
        return Err(StoreError::EnrollmentCodeUsed);
    }
    if now >= expires_at {
        return Err(StoreError::EnrollmentCodeExpired);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_pick_the_backend() {
        assert_eq!(DatabaseLocation::parse("pietura.db").unwrap(), DatabaseLocation::Sqlite("pietura.db".into()));
        assert_eq!(
            DatabaseLocation::parse("sqlite:///tmp/p.db").unwrap(),
            DatabaseLocation::Sqlite("/tmp/p.db".into())
        );
        assert_eq!(DatabaseLocation::parse("sqlite:p.db").unwrap(), DatabaseLocation::Sqlite("p.db".into()));
        assert!(matches!(DatabaseLocation::parse("postgres://u:p@h/db").unwrap(), DatabaseLocation::Postgres(_)));
        assert!(matches!(DatabaseLocation::parse("postgresql://h/db").unwrap(), DatabaseLocation::Postgres(_)));
        assert!(DatabaseLocation::parse("mysql://h/db").unwrap_err().0.contains("unsupported"));
        assert!(DatabaseLocation::parse(" ").is_err());
        assert!(DatabaseLocation::parse("sqlite:").is_err());
    }

    #[test]
    fn passwords_never_reach_debug_output() {
        let location = DatabaseLocation::parse("postgres://pietura:hunter2@db:5432/p").unwrap();
        let shown = format!("{location:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("pietura:***@db"));
        assert_eq!(redact_password("postgres://db/p"), "postgres://db/p");
    }
}
