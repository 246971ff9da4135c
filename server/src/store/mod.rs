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

/// A centre to create.
#[derive(Debug, Clone)]
pub struct NewCentre {
    pub id: Uuid,
    pub name: String,
    pub municipality: String,
    /// Checked with `domain::CentreCode`.
    pub code: String,
    pub created_at: DateTime<Utc>,
}

/// Desk numbers are two digits in case numbers.
pub const MAX_DESKS_PER_CENTRE: u8 = 99;

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
    /// A desk's number in its centre (1–99), given when it is added; kiosks have none.
    pub desk_number: Option<u8>,
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

/// What a catalogue record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    Service,
    Organisation,
    Article,
}

impl RecordKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Service => "service",
            RecordKind::Organisation => "organisation",
            RecordKind::Article => "article",
        }
    }

    fn parse(raw: &str) -> Result<Self, StoreError> {
        match raw {
            "service" => Ok(RecordKind::Service),
            "organisation" => Ok(RecordKind::Organisation),
            "article" => Ok(RecordKind::Article),
            other => Err(StoreError::Corrupt(format!("unknown catalogue record kind {other:?}"))),
        }
    }
}

/// An institution that publishes to the catalogue, known by its organisation IRI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Institution {
    pub id: String,
    pub name: String,
    /// May change every institution's records (the catalogue's central editors).
    pub is_central_editor: bool,
    pub created_at: DateTime<Utc>,
}

/// What the server needs to authenticate an institution's API key.
#[derive(Clone, PartialEq, Eq)]
pub struct InstitutionKeyRecord {
    pub key_id: Uuid,
    pub institution: Institution,
    pub secret_hash: [u8; 32],
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl fmt::Debug for InstitutionKeyRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InstitutionKeyRecord")
            .field("key_id", &self.key_id)
            .field("institution", &self.institution)
            .finish_non_exhaustive()
    }
}

/// One change to apply to the catalogue.
#[derive(Debug, Clone)]
pub struct RecordChange {
    pub kind: RecordKind,
    pub id: String,
    pub owner: String,
    /// The version the writer last saw (0 = it must not exist yet); `None` = whatever is there
    /// (imports by the operator).
    pub expected_version: Option<u64>,
    pub retired: bool,
    /// The record as JSON of its domain type; its `version` is set by the store.
    pub document: serde_json::Value,
    /// For articles: the services it advises on.
    pub linked_services: Vec<String>,
}

/// A catalogue record as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    pub kind: RecordKind,
    pub id: String,
    pub owner: String,
    pub version: u64,
    pub retired: bool,
    /// JSON of the domain type, `version` included.
    pub document: String,
    /// Its position in the change feed.
    pub seq: i64,
    pub changed_at: DateTime<Utc>,
}

/// A clerk's flag on an article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleFlag {
    pub id: Uuid,
    pub article_id: String,
    pub owner: String,
    pub reason: String,
    pub note: String,
    pub device_id: Uuid,
    pub centre_name: String,
    pub created_at: DateTime<Utc>,
}

/// A login challenge handed to a device (only the nonce's hash is stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginNonce {
    pub nonce_hash: [u8; 32],
    pub device_id: Uuid,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A staff role held by a person at a centre.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleGrant {
    pub personal_code: String,
    pub role: domain::Role,
    pub centre: Centre,
    pub granted_at: DateTime<Utc>,
}

/// A person logged in on a device (only the token's hash is stored).
#[derive(Clone, PartialEq, Eq)]
pub struct UserSession {
    pub token_hash: [u8; 32],
    pub device_id: Uuid,
    pub personal_code: String,
    pub given_name: String,
    pub surname: String,
    pub roles: Vec<domain::Role>,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
}

impl fmt::Debug for UserSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserSession")
            .field("device_id", &self.device_id)
            .field("roles", &self.roles)
            .field("expires_at", &self.expires_at)
            .field("ended_at", &self.ended_at)
            .finish_non_exhaustive()
    }
}

/// A case as the server keeps it (the domain case as JSON, with the columns queries need).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCase {
    pub id: Uuid,
    pub number: String,
    pub service_id: String,
    pub kind: String,
    pub channel: String,
    pub status: String,
    pub centre_id: Uuid,
    pub holder_institution: String,
    pub provider_institution: Option<String>,
    pub document: String,
    pub offline: bool,
    pub served_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The customer's personal code or registration number, for a citizen's own list.
    pub customer_code: String,
    /// The case's place in the case feed (given by the store on every write; 0 when new).
    pub change_seq: i64,
}

/// Whose cases a feed lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseScope {
    /// A centre's cases, for its desks.
    Centre(Uuid),
    /// Cases an institution holds or provides.
    Institution(String),
}

/// One case write from an outbox entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseWrite {
    Insert {
        entry_id: Uuid,
        case: StoredCase,
    },
    /// Replace the document and status if the case is still at `expected_status`.
    Update {
        entry_id: Uuid,
        case_id: Uuid,
        expected_status: String,
        status: String,
        document: String,
    },
}

impl CaseWrite {
    pub fn entry_id(&self) -> Uuid {
        match self {
            Self::Insert { entry_id, .. } | Self::Update { entry_id, .. } => *entry_id,
        }
    }

    pub fn case_id(&self) -> Uuid {
        match self {
            Self::Insert { case, .. } => case.id,
            Self::Update { case_id, .. } => *case_id,
        }
    }
}

/// The cases a transaction wrote, each once, in the order of its last write: the order they
/// take feed positions in. Shared by both backends so they agree.
fn last_writes_in_order(written: &[Uuid]) -> Vec<Uuid> {
    let mut seen = std::collections::HashSet::with_capacity(written.len());
    let mut ordered: Vec<Uuid> = written.iter().rev().filter(|id| seen.insert(**id)).copied().collect();
    ordered.reverse();
    ordered
}

/// What an outbox entry did on the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryEffect {
    Applied,
    /// The entry was applied before (a retried push): nothing happened now.
    AlreadyApplied,
}

/// A login, failed login or logout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthEvent {
    pub at: DateTime<Utc>,
    pub kind: String,
    pub device_id: Option<Uuid>,
    pub personal_code: Option<String>,
    pub detail: String,
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
    /// Revokes a device and ends every session opened on it, in one transaction; revoking twice
    /// keeps the first time.
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

    async fn add_institution(&self, institution: Institution) -> Result<Institution, StoreError>;
    async fn list_institutions(&self) -> Result<Vec<Institution>, StoreError>;
    /// Adds a key (valid until `expires_at`, when given) with its audit entry, in one transaction.
    async fn add_institution_key(
        &self,
        key_id: Uuid,
        institution_id: &str,
        secret_hash: [u8; 32],
        at: DateTime<Utc>,
        expires_at: Option<DateTime<Utc>>,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<(), StoreError>;
    async fn institution_key_record(&self, key_id: Uuid) -> Result<Option<InstitutionKeyRecord>, StoreError>;
    /// Keys (of one institution, or all), oldest first, revoked and expired ones too.
    async fn institution_keys(&self, institution_id: Option<String>) -> Result<Vec<InstitutionKeyRecord>, StoreError>;
    /// Revokes a key with its audit entry, in one transaction; revoking twice keeps the first time
    /// (and writes no second entry). `None` when there is no such key.
    async fn revoke_institution_key(
        &self,
        key_id: Uuid,
        at: DateTime<Utc>,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<Option<InstitutionKeyRecord>, StoreError>;

    /// Applies all changes or none, each at the next position of the change feed. A change whose
    /// `expected_version` is not the stored one fails the whole batch with `VersionConflict`.
    async fn apply_catalogue_changes(
        &self,
        changes: Vec<RecordChange>,
        at: DateTime<Utc>,
    ) -> Result<Vec<StoredRecord>, StoreError>;
    async fn catalogue_record(&self, kind: RecordKind, id: &str) -> Result<Option<StoredRecord>, StoreError>;
    /// Every record of a kind, retired ones too, by id.
    async fn catalogue_records(&self, kind: RecordKind) -> Result<Vec<StoredRecord>, StoreError>;
    /// Articles that name `service_id` among their linked services.
    async fn articles_linked_to(&self, service_id: &str) -> Result<Vec<StoredRecord>, StoreError>;
    /// Records whose latest change is after `after`, oldest change first, at most `limit`.
    async fn catalogue_changes(&self, after: i64, limit: u32) -> Result<Vec<StoredRecord>, StoreError>;
    /// The newest position in the change feed (0 when empty).
    async fn catalogue_head(&self) -> Result<i64, StoreError>;

    async fn add_article_flag(&self, flag: ArticleFlag) -> Result<(), StoreError>;
    async fn article_flags(&self, owner: Option<&str>) -> Result<Vec<ArticleFlag>, StoreError>;

    /// Stores a challenge and removes those that expired before `now`.
    async fn add_login_nonce(&self, nonce: LoginNonce, now: DateTime<Utc>) -> Result<(), StoreError>;
    /// Removes and returns a challenge: whatever the outcome, it never works twice.
    async fn take_login_nonce(&self, nonce_hash: [u8; 32]) -> Result<Option<LoginNonce>, StoreError>;
    /// Grants a role (granting it again keeps the first time).
    async fn grant_role(
        &self,
        personal_code: &str,
        role: domain::Role,
        centre_id: Uuid,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Revokes a grant and ends, in the same transaction, the person's sessions on the centre's
    /// devices (they carried the role; a person with other roles there logs in again). Whether
    /// there was such a grant to revoke.
    async fn revoke_role(
        &self,
        personal_code: &str,
        role: domain::Role,
        centre_id: Uuid,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Every grant, or one person's.
    async fn role_grants(&self, personal_code: Option<&str>) -> Result<Vec<RoleGrant>, StoreError>;
    async fn add_session(&self, session: UserSession) -> Result<(), StoreError>;
    async fn session(&self, token_hash: [u8; 32]) -> Result<Option<UserSession>, StoreError>;
    /// Ends a session; ending it twice keeps the first time.
    async fn end_session(&self, token_hash: [u8; 32], at: DateTime<Utc>) -> Result<(), StoreError>;
    async fn add_auth_event(&self, event: AuthEvent) -> Result<(), StoreError>;
    /// The newest events first.
    async fn auth_events(&self, limit: u32) -> Result<Vec<AuthEvent>, StoreError>;

    /// Applies a push's case writes in one transaction, each in a savepoint of its own: each
    /// records its entry id and, the first time only, makes its change; one that fails (a
    /// taken number, a case that moved on) is rolled back alone and reported in its place.
    async fn apply_case_writes(
        &self,
        device_id: Uuid,
        writes: Vec<CaseWrite>,
        at: DateTime<Utc>,
    ) -> Result<Vec<Result<EntryEffect, StoreError>>, StoreError>;

    /// One insert (see [`Store::apply_case_writes`]).
    async fn insert_case(
        &self,
        entry_id: Uuid,
        device_id: Uuid,
        case: StoredCase,
        at: DateTime<Utc>,
    ) -> Result<EntryEffect, StoreError> {
        let mut results = self.apply_case_writes(device_id, vec![CaseWrite::Insert { entry_id, case }], at).await?;
        results.pop().unwrap_or(Err(StoreError::Corrupt("no result for the write".into())))
    }

    /// One update (see [`Store::apply_case_writes`]).
    #[allow(clippy::too_many_arguments)]
    async fn update_case(
        &self,
        entry_id: Uuid,
        device_id: Uuid,
        case_id: Uuid,
        expected_status: &str,
        status: &str,
        document: String,
        at: DateTime<Utc>,
    ) -> Result<EntryEffect, StoreError> {
        let write = CaseWrite::Update {
            entry_id,
            case_id,
            expected_status: expected_status.to_owned(),
            status: status.to_owned(),
            document,
        };
        let mut results = self.apply_case_writes(device_id, vec![write], at).await?;
        results.pop().unwrap_or(Err(StoreError::Corrupt("no result for the write".into())))
    }

    /// Replaces a case's document and status if it is still at `expected_status` (an
    /// institution's change), at the next feed position, which it answers.
    async fn change_case(
        &self,
        case_id: Uuid,
        expected_status: &str,
        status: &str,
        document: String,
        at: DateTime<Utc>,
    ) -> Result<i64, StoreError>;
    async fn case(&self, id: Uuid) -> Result<Option<StoredCase>, StoreError>;
    async fn case_by_number(&self, number: &str) -> Result<Option<StoredCase>, StoreError>;
    /// Cases in `scope` written after feed position `after`, oldest write first, at most `limit`.
    async fn case_changes(&self, scope: CaseScope, after: i64, limit: u32) -> Result<Vec<StoredCase>, StoreError>;
    /// The newest position of the case feed (0 when empty).
    async fn case_head(&self) -> Result<i64, StoreError>;
    /// A customer's cases, the newest served first, at most `limit`.
    async fn customer_cases(&self, customer_code: &str, limit: u32) -> Result<Vec<StoredCase>, StoreError>;
    /// Appends an entry to the audit log at the next place, chained to the one before.
    async fn append_audit(&self, entry: crate::audit::NewAuditEntry) -> Result<crate::audit::AuditEntry, StoreError>;
    /// Entries after `after_seq`, in order, at most `limit`.
    async fn audit_entries(&self, after_seq: i64, limit: u32) -> Result<Vec<crate::audit::AuditEntry>, StoreError>;
    /// Entries about `subject` before `before_seq` (all when `None`), newest first, at most
    /// `limit` (the `(subject, seq)` index: the log's size does not matter).
    async fn audit_entries_about(
        &self,
        subject: String,
        before_seq: Option<i64>,
        limit: u32,
    ) -> Result<Vec<crate::audit::AuditEntry>, StoreError>;
    /// The log's head: the last sequence number and hash (0 and zeros when empty).
    async fn audit_head(&self) -> Result<(i64, [u8; 32]), StoreError>;
    /// Adds a mailbox or changes one (by address).
    async fn put_account(&self, account: Account) -> Result<(), StoreError>;
    /// The mailboxes among `addresses` that exist.
    async fn accounts(&self, addresses: Vec<String>) -> Result<Vec<Account>, StoreError>;
    /// How many messages delivered to `recipients` are neither read nor deleted.
    async fn unread_count(&self, recipients: Vec<String>) -> Result<u64, StoreError>;
    /// Mailboxes an institution operates, or a centre's staff work.
    async fn operated_accounts(
        &self,
        institution: Option<String>,
        centre: Option<Uuid>,
    ) -> Result<Vec<Account>, StoreError>;
    /// The e-address catalogue: active institutions' mailboxes, by address.
    async fn institution_directory(&self) -> Result<Vec<Account>, StoreError>;
    /// Sends a message once (its id is the idempotency key): the message, every recipient's
    /// delivery and the audit entry in one transaction.
    async fn send_message(
        &self,
        message: StoredMessage,
        deliveries: Vec<Delivery>,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<EntryEffect, StoreError>;
    /// Records an upload of attachment content (the same uploader again: the new time).
    async fn record_upload(&self, upload: Upload) -> Result<(), StoreError>;
    /// The bytes `uploader` uploaded since `since` that no message names, `except` that content.
    async fn unnamed_upload_bytes(
        &self,
        uploader: String,
        since: DateTime<Utc>,
        except: String,
    ) -> Result<u64, StoreError>;
    /// Whether a message names the content, and when anyone last uploaded it.
    async fn content_standing(&self, sha256: String) -> Result<ContentStanding, StoreError>;
    /// Content no message names whose last upload was before `before` (the collector's
    /// candidates), with its size, at most `limit`.
    async fn unnamed_uploads_before(&self, before: DateTime<Utc>, limit: u32)
    -> Result<Vec<(String, u64)>, StoreError>;
    /// Forgets the uploads made before `before`: of the content `sha256` (once it is removed),
    /// or, without one, of all content a message names (they hold nothing any more).
    async fn forget_uploads(&self, sha256: Option<String>, before: DateTime<Utc>) -> Result<u64, StoreError>;
    /// A mailbox's messages, newest first, before `(delivered_at, message id)` when given.
    async fn inbox(
        &self,
        recipient: String,
        before: Option<(DateTime<Utc>, Uuid)>,
        limit: u32,
    ) -> Result<Vec<(StoredMessage, Delivery)>, StoreError>;
    /// Messages a mailbox sent, newest first.
    async fn sent_messages(
        &self,
        sender: String,
        before: Option<(DateTime<Utc>, Uuid)>,
        limit: u32,
    ) -> Result<Vec<StoredMessage>, StoreError>;
    async fn message(&self, id: Uuid) -> Result<Option<(StoredMessage, Vec<Delivery>)>, StoreError>;
    /// Marks a delivery read (the first time only; answers whether it was), with its audit entry.
    async fn mark_read(
        &self,
        id: Uuid,
        recipient: String,
        by: String,
        at: DateTime<Utc>,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<bool, StoreError>;
    /// Removes a received message from the recipient's mailbox (kept for the sender and the
    /// audit; the first time only; answers whether it was), with its audit entry.
    async fn delete_delivery(
        &self,
        id: Uuid,
        recipient: String,
        at: DateTime<Utc>,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<bool, StoreError>;
    async fn add_delegation(
        &self,
        delegation: Delegation,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<(), StoreError>;
    /// Ends a delegation now (answers whether it was in force).
    async fn revoke_delegation(
        &self,
        id: Uuid,
        at: DateTime<Utc>,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<bool, StoreError>;
    /// Records that `person` represents a legal entity's mailbox (again, if it had ended: the
    /// new source replaces the old), with its audit entry.
    async fn put_representative(
        &self,
        representative: Representative,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<(), StoreError>;
    /// Ends a representation in force; `false` when there was none.
    async fn end_representative(
        &self,
        mailbox: String,
        person: String,
        at: DateTime<Utc>,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<bool, StoreError>;
    /// Representations of a mailbox, or held by a person (ended ones too).
    async fn representatives(
        &self,
        mailbox: Option<String>,
        person: Option<String>,
    ) -> Result<Vec<Representative>, StoreError>;
    /// Delegations of a mailbox, or held by a person (revoked and ended ones too).
    async fn delegations(
        &self,
        mailbox: Option<String>,
        delegate: Option<String>,
    ) -> Result<Vec<Delegation>, StoreError>;
    /// The e-address KPIs, aggregated by the database: by month (UTC) of sending and the sending
    /// mailbox's group (an institution's mailbox name; `legal_persons` or `natural_persons`
    /// otherwise). Nothing about recipients.
    async fn delivery_kpis(&self) -> Result<Vec<DeliveryKpi>, StoreError>;
    /// Active mailboxes by kind.
    async fn active_accounts(&self) -> Result<Vec<(String, u64)>, StoreError>;
    async fn add_consent(&self, consent: Consent) -> Result<(), StoreError>;
    async fn consent(&self, id: Uuid) -> Result<Option<Consent>, StoreError>;
    /// Records the citizen's signature (only on a consent not yet signed nor ended), with its
    /// audit entry; answers whether it was.
    async fn sign_consent(
        &self,
        id: Uuid,
        citizen: String,
        signed_at: DateTime<Utc>,
        valid_until: DateTime<Utc>,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<bool, StoreError>;
    /// Ends a consent (the card left, the visit ended); answers whether it was in force.
    async fn end_consent(
        &self,
        id: Uuid,
        at: DateTime<Utc>,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<bool, StoreError>;
    /// Signed consents in force at `at` for an agent.
    async fn active_consents(&self, agent: String, at: DateTime<Utc>) -> Result<Vec<Consent>, StoreError>;
    /// Whether an outbox entry was applied already.
    async fn entry_applied(&self, entry_id: Uuid) -> Result<bool, StoreError>;
    async fn case_count(&self) -> Result<u64, StoreError>;
    /// Cases counted by month (YYYY-MM of `served_at`, UTC), service, holder institution,
    /// channel and kind, in that order. Nothing about people.
    async fn case_statistics(&self) -> Result<Vec<ProvisionCount>, StoreError>;
}

/// An e-address mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub address: String,
    pub kind: domain::eaddress::AccountKind,
    pub name: String,
    /// The institution whose API key operates it.
    pub institution_id: Option<String>,
    /// The centre whose staff work it.
    pub centre_id: Option<Uuid>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub changed_at: DateTime<Utc>,
}

/// Attachment content someone uploaded (before the message that names it), and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    pub sha256: String,
    /// `institution:<id>` or `device:<id>`.
    pub uploader: String,
    pub bytes: u64,
    pub uploaded_at: DateTime<Utc>,
}

/// What holds on to attachment content: a message naming it, or a recent upload.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ContentStanding {
    pub named: bool,
    pub last_upload: Option<DateTime<Utc>>,
}

/// A message as kept (attachments described as JSON).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    pub id: Uuid,
    pub sender: String,
    /// Who sent it: `person:<code>`, `institution:<iri>`.
    pub sent_by: String,
    pub subject: String,
    pub body: String,
    pub case_number: Option<String>,
    pub in_reply_to: Option<Uuid>,
    pub attachments: String,
    pub sent_at: DateTime<Utc>,
}

/// One recipient's copy of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub message_id: Uuid,
    pub recipient: String,
    pub delivered_at: DateTime<Utc>,
    pub notified_on: chrono::NaiveDate,
    pub read_at: Option<DateTime<Utc>>,
    pub read_by: Option<String>,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// Rights a person holds on a mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delegation {
    pub id: Uuid,
    pub mailbox: String,
    /// The delegate's personal code.
    pub delegate: String,
    pub rights: domain::eaddress::Right,
    pub granted_by: String,
    pub granted_at: DateTime<Utc>,
    pub ends_on: chrono::NaiveDate,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A person who represents a legal entity and so answers for its mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Representative {
    pub mailbox: String,
    /// Their personal code.
    pub person: String,
    /// Where the right to represent comes from (an Enterprise Register extract, a decision).
    pub source: String,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
}

/// One group of the e-address KPIs, before small counts are withheld.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryKpi {
    pub month: String,
    pub sender: String,
    pub messages: u64,
    pub deliveries: u64,
    pub read: u64,
    /// Seconds from sending to reading (nearest rank), over the read deliveries.
    pub median_seconds: Option<i64>,
    pub p90_seconds: Option<i64>,
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

/// A citizen's consent for a clerk to act on their mailbox (see migration 0008).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub id: Uuid,
    /// The clerk's personal code.
    pub agent: String,
    pub device_id: Uuid,
    pub rights: domain::eaddress::Right,
    pub minutes: u32,
    /// What the citizen's card signs (with the login origin).
    pub nonce: String,
    pub requested_at: DateTime<Utc>,
    /// The citizen who signed it.
    pub citizen: Option<String>,
    pub signed_at: Option<DateTime<Utc>>,
    pub valid_until: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
}

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

/// One cell of the service-provision statistics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvisionCount {
    pub month: String,
    pub service_id: String,
    pub institution: String,
    pub channel: String,
    pub kind: String,
    pub cases: u64,
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
}
