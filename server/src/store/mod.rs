//! The server's storage: [`Store`], one trait per area (`traits.rs`) over the rows of `rows.rs`,
//! and two backends chosen from the database URL, each area's SQL in `<backend>/<area>.rs`.
//!
//! Embedded SQLite (a file path) by default, PostgreSQL for production (`postgres://…`).
//! Migrations live beside each backend in `migrations/<backend>/` and are never edited once
//! landed. Both backends pass the same conformance suite (`tests/it/store.rs`).

mod postgres;
mod rows;
mod sqlite;

/// A consistent copy of the SQLite database at `from` into `into`, while the server writes
/// (backups: SQLite's online backup API).
pub fn sqlite_snapshot(from: &std::path::Path, into: &std::path::Path) -> Result<(), StoreError> {
    sqlite::snapshot(from, into)
}
mod traits;

use std::{fmt, path::PathBuf, sync::Arc};

use chrono::{DateTime, Utc};
use domain::DeviceKind;
use uuid::Uuid;

pub use postgres::PostgresStore;
pub use rows::*;
pub use sqlite::SqliteStore;
pub use traits::*;

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
    #[error(
        "{what} was changed meanwhile: it is now at version {current}; fetch it, apply your change again and send that version"
    )]
    VersionConflict { what: String, current: u64 },
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

/// The cases a transaction wrote, each once, in the order of its last write: the order they
/// take feed positions in. Shared by both backends so they agree.
fn last_writes_in_order(written: &[Uuid]) -> Vec<Uuid> {
    let mut seen = std::collections::HashSet::with_capacity(written.len());
    let mut ordered: Vec<Uuid> = written.iter().rev().filter(|id| seen.insert(**id)).copied().collect();
    ordered.reverse();
    ordered
}

/// The audit entry an auth event makes.
pub(crate) fn audit_of_auth_event(event: &AuthEvent) -> crate::audit::NewAuditEntry {
    let actor = event
        .personal_code
        .as_ref()
        .map(|code| format!("person:{code}"))
        .or_else(|| event.device_id.map(|id| format!("device:{id}")))
        .unwrap_or_else(|| "unknown".into());
    let subject = event.device_id.map(|id| format!("device:{id}")).unwrap_or_default();
    crate::audit::NewAuditEntry::new(event.at, actor, event.kind.clone(), subject, event.detail.clone())
}

fn roles_to_text(roles: &[domain::Role]) -> String {
    roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(",")
}

fn roles_from_text(text: &str) -> Result<Vec<domain::Role>, StoreError> {
    text.split(',')
        .filter(|r| !r.is_empty())
        .map(|r| r.parse().map_err(|e: domain::ParseRoleError| StoreError::Corrupt(e.to_string())))
        .collect()
}

/// The value at `fraction` of sorted `values` (nearest rank), as PostgreSQL's `percentile_disc`.
pub fn nearest_rank(sorted: &[i64], fraction: f64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (fraction * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted.get(rank.min(sorted.len()) - 1).copied()
}

/// The sending mailbox's group, in SQL both backends share.
const KPI_SENDER_GROUP: &str =
    "CASE a.kind WHEN 'institution' THEN a.name WHEN 'legal' THEN 'legal_persons' ELSE 'natural_persons' END";

fn account_kind(raw: &str) -> Result<domain::eaddress::AccountKind, StoreError> {
    serde_json::from_value(serde_json::Value::String(raw.to_owned()))
        .map_err(|_| StoreError::Corrupt(format!("unknown account kind {raw:?}")))
}

fn kind_text(kind: domain::eaddress::AccountKind) -> &'static str {
    match kind {
        domain::eaddress::AccountKind::Natural => "natural",
        domain::eaddress::AccountKind::Legal => "legal",
        domain::eaddress::AccountKind::Institution => "institution",
    }
}

fn right_of(raw: &str) -> Result<domain::eaddress::Right, StoreError> {
    serde_json::from_value(serde_json::Value::String(raw.to_owned()))
        .map_err(|_| StoreError::Corrupt(format!("unknown right {raw:?}")))
}

/// The version a change gets and its document with that version, or the conflict. Shared by both
/// backends so they agree.
fn versioned_document(change: &RecordChange, current: Option<u64>) -> Result<(u64, String), StoreError> {
    let current = current.unwrap_or(0);
    if let Some(expected) = change.expected_version
        && expected != current
    {
        return Err(StoreError::VersionConflict {
            what: format!("the {} {}", change.kind.as_str(), change.id),
            current,
        });
    }
    let version = current + 1;
    let mut document = change.document.clone();
    match document.as_object_mut() {
        Some(object) => {
            object.insert("version".into(), version.into());
        }
        None => {
            return Err(StoreError::Corrupt(format!(
                "the {} {} is not a JSON object",
                change.kind.as_str(),
                change.id
            )));
        }
    }
    Ok((version, document.to_string()))
}

/// The migrations of one backend: (version, name, SQL), in order.
pub(crate) type Migration = (i64, &'static str, &'static str);

/// Every schema migration in order, for one backend (`"sqlite"` or `"postgres"`): its version, its
/// name and its SQL from `migrations/<backend>/NNNN_<name>.sql`. One list for both backends, so a
/// migration cannot exist on one only (the build fails without its file).
macro_rules! migrations {
    ($backend:literal) => {
        $crate::store::migrations!($backend:
            1 "0001" "centres_and_devices",
            2 "0002" "catalogue",
            3 "0003" "eid_login",
            4 "0004" "cases",
            5 "0005" "centre_codes_and_desk_numbers",
            6 "0006" "case_feed",
            7 "0007" "audit_log",
            8 "0008" "eaddress",
            9 "0009" "eaddress_representatives",
            10 "0010" "institution_key_expiry",
            11 "0011" "attachment_uploads",
            12 "0012" "forms",
            13 "0013" "form_submissions",
            14 "0014" "scenarios",
            15 "0015" "device_versions",
            16 "0016" "device_outbox",
            17 "0017" "workshops",
            18 "0018" "environment",
            19 "0019" "releases",
            20 "0020" "institution_cases",
            21 "0021" "throttles",
        )
    };
    ($backend:literal: $($version:literal $file:literal $name:literal,)*) => {
        &[$((
            $version,
            $name,
            include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/", $backend, "/", $file, "_", $name, ".sql")),
        )),*]
    };
}
pub(crate) use migrations;

/// The number of an institution's own-channel case: its case code, the channel's number, the
/// year and the sequence (the same scheme as a centre's `RCV-03-26-0042`).
pub(crate) fn institution_case_number(
    case: &NewInstitutionCase,
    year: i32,
    sequence: i64,
) -> Result<String, StoreError> {
    let sequence = u32::try_from(sequence).unwrap_or(u32::MAX);
    domain::case::CaseNumber::new(&case.case_code, case.channel_number, year, sequence)
        .map(|number| number.to_string())
        .map_err(|e| StoreError::Conflict { what: format!("a case number for this channel and year ({e})") })
}

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
    fn cases_take_positions_in_the_order_of_their_last_write() {
        let [a, b, c] = [1, 2, 3].map(Uuid::from_u128);
        assert_eq!(last_writes_in_order(&[a, b, a, c]), [b, a, c]);
        assert_eq!(last_writes_in_order(&[]), Vec::<Uuid>::new());
    }

    #[test]
    fn passwords_never_reach_debug_output() {
        let location = DatabaseLocation::parse("postgres://pietura:hunter2@db:5432/p").unwrap();
        let shown = format!("{location:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("pietura:***@db"));
        assert_eq!(redact_password("postgres://db/p"), "postgres://db/p");
    }

    #[test]
    fn every_migration_file_is_listed_in_order_on_both_backends() {
        for (backend, listed) in [("sqlite", migrations!("sqlite")), ("postgres", migrations!("postgres"))] {
            let listed: &[Migration] = listed;
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(backend);
            let mut files: Vec<String> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            files.sort();
            let expected: Vec<String> = listed.iter().map(|(v, name, _)| format!("{v:04}_{name}.sql")).collect();
            assert_eq!(files, expected, "{backend}");
            assert!(listed.iter().enumerate().all(|(i, m)| m.0 == i as i64 + 1), "versions 1, 2, 3…");
        }
    }
}
