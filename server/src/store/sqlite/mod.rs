//! The embedded backend: one SQLite file through rusqlite, used on blocking threads.

mod audit;
mod cases;
mod catalogue;
mod devices;
mod login;
mod mail;
mod statistics;
mod throttles;
mod training;

use std::{
    fmt,
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::{Centre, DeviceKind};
use rusqlite::{Connection, ErrorCode, OptionalExtension, Row, TransactionBehavior, params};
use uuid::Uuid;

use crate::store::{
    Account, ArticleFlag, AuditStore, AuthEvent, CaseScope, CaseStore, CaseWrite, CatalogueStore, Consent,
    ContentStanding, Delegation, Delivery, Device, DeviceAuthRecord, DeviceStore, EntryEffect, FormSubmissionRow,
    Institution, InstitutionCaseRow, InstitutionKeyRecord, LastLogin, LoginNonce, LoginStore, MAX_DESKS_PER_CENTRE,
    MailStore, Migration, NewCentre, NewDevice, NewInstitutionCase, NewRelease, ProvisionCount, RecordChange,
    RecordKind, ReleaseInfo, Representative, RoleGrant, StatisticsStore, Store, StoreError, StoredCase, StoredMessage,
    StoredRecord, Upload, UserSession, account_kind, check_redeemable, hash_from_bytes, kind_text,
    last_writes_in_order, parse_kind, right_of, roles_from_text, roles_to_text, versioned_document,
};

const MIGRATIONS: &[Migration] = super::migrations!("sqlite");

const RECORD_COLUMNS: &str = "kind, id, owner, version, retired, document, change_seq, changed_at";

const DEVICE_COLUMNS: &str = "d.id, d.kind, d.name, d.enrollment_expires_at, d.enrolled_at, d.last_seen_at, \
     d.revoked_at, d.created_at, c.id, c.name, c.municipality, c.code, d.desk_number, d.reported_version, d.reported_outbox";

#[derive(Clone)]
pub struct SqliteStore {
    path: PathBuf,
    connection: Arc<Mutex<Connection>>,
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore").field("path", &self.path).finish()
    }
}

impl SqliteStore {
    /// Opens (creating if absent) the database file. A file that is not an SQLite database is an
    /// error that names the file; it is never replaced.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        let path = path.to_owned();
        let opened = path.clone();
        let connection = tokio::task::spawn_blocking(move || open_connection(&opened))
            .await
            .map_err(|e| StoreError::Unavailable(e.to_string()))??;
        Ok(Self { path, connection: Arc::new(Mutex::new(connection)) })
    }

    async fn with<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let connection = self.connection.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard =
                connection.lock().map_err(|_| StoreError::Unavailable("a database task panicked".into()))?;
            work(&mut guard)
        })
        .await
        .map_err(|e| StoreError::Unavailable(e.to_string()))?
    }
}

fn open_connection(path: &Path) -> Result<Connection, StoreError> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
        && !parent.is_dir()
    {
        return Err(StoreError::Unavailable(format!(
            "the folder {} for the database does not exist: create it or choose another path",
            parent.display()
        )));
    }
    let connection = Connection::open(path).map_err(|e| StoreError::Unavailable(format!("{}: {e}", path.display())))?;
    let setup = || -> rusqlite::Result<()> {
        connection.busy_timeout(std::time::Duration::from_secs(5))?;
        connection.pragma_update(None, "foreign_keys", "ON")?;
        let _mode: String = connection.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        connection.pragma_update(None, "synchronous", "NORMAL")?;
        Ok(())
    };
    setup().map_err(|e| match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => StoreError::Corrupt(format!(
            "{} is not a Pietura SQLite database (damaged or another kind of file); restore it from a backup or point database_url elsewhere",
            path.display()
        )),
        _ => StoreError::Unavailable(format!("{}: {e}", path.display())),
    })?;
    Ok(connection)
}

fn map_err(error: rusqlite::Error, what: impl FnOnce() -> String) -> StoreError {
    match error.sqlite_error_code() {
        Some(ErrorCode::ConstraintViolation) => StoreError::Conflict { what: what() },
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => StoreError::Corrupt(error.to_string()),
        _ => StoreError::Unavailable(error.to_string()),
    }
}

fn db(error: rusqlite::Error) -> StoreError {
    map_err(error, || "the record".into())
}

/// Takes the next `count` positions of the case feed inside the caller's transaction and
/// answers the last one.
fn take_case_seqs(c: &rusqlite::Connection, count: i64) -> Result<i64, StoreError> {
    c.prepare_cached("UPDATE case_sequence SET last = last + ?1 WHERE only_row = 1 RETURNING last")
        .map_err(db)?
        .query_row(params![count], |r| r.get(0))
        .map_err(db)
}

/// Gives the cases a push wrote their feed positions, in the order they were last written,
/// once, at the end of the transaction (cheaper than one counter update per write).
fn position_cases(c: &rusqlite::Connection, written: &[Uuid]) -> Result<(), StoreError> {
    let ordered = last_writes_in_order(written);
    if ordered.is_empty() {
        return Ok(());
    }
    let last = take_case_seqs(c, ordered.len() as i64)?;
    let first = last - ordered.len() as i64 + 1;
    let mut statement = c.prepare_cached("UPDATE cases SET change_seq = ?2 WHERE id = ?1").map_err(db)?;
    for (offset, id) in ordered.iter().enumerate() {
        statement.execute(params![id.to_string(), first + offset as i64]).map_err(db)?;
    }
    Ok(())
}

/// Replaces a case still at `expected_status` (its feed position is given by the caller).
fn update_case_row(
    c: &rusqlite::Connection,
    case_id: Uuid,
    expected_status: &str,
    status: &str,
    document: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let changed = c
        .prepare_cached("UPDATE cases SET status = ?3, document = ?4, updated_at = ?5 WHERE id = ?1 AND status = ?2")
        .map_err(db)?
        .execute(params![case_id.to_string(), expected_status, status, document, at])
        .map_err(db)?;
    if changed == 0 {
        return Err(StoreError::VersionConflict { what: format!("the case {case_id}"), current: 0 });
    }
    Ok(())
}

/// One case write inside the caller's savepoint.
fn apply_case_write(
    c: &rusqlite::Savepoint<'_>,
    device_id: Uuid,
    write: &CaseWrite,
    at: DateTime<Utc>,
) -> Result<EntryEffect, StoreError> {
    let fresh = c
        .prepare_cached(
            "INSERT INTO applied_entries (id, device_id, applied_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
        )
        .map_err(db)?
        .execute(params![write.entry_id().to_string(), device_id.to_string(), at])
        .map_err(db)?;
    if fresh == 0 {
        return Ok(EntryEffect::AlreadyApplied);
    }
    match write {
        CaseWrite::Insert { case, .. } => {
            c.prepare_cached(
                "INSERT INTO cases (id, number, service_id, kind, channel, status, centre_id, holder_institution,
                     provider_institution, document, offline, served_at, updated_at, customer_code, change_seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            )
            .map_err(db)?
            .execute(params![
                case.id.to_string(),
                case.number,
                case.service_id,
                case.kind,
                case.channel,
                case.status,
                case.centre_id.to_string(),
                case.holder_institution,
                case.provider_institution,
                case.document,
                case.offline,
                case.served_at,
                case.updated_at,
                case.customer_code,
                Option::<i64>::None
            ])
            .map_err(|e| map_err(e, || format!("a case with the number {} or the id {}", case.number, case.id)))?;
        }
        CaseWrite::Update { case_id, expected_status, status, document, .. } => {
            update_case_row(c, *case_id, expected_status, status, document, at)?;
        }
    }
    Ok(EntryEffect::Applied)
}

const CASE_COLUMNS: &str = "id, number, service_id, kind, channel, status, centre_id, holder_institution,
    provider_institution, document, offline, served_at, updated_at, customer_code, change_seq";

fn case_from_row(r: &Row<'_>) -> rusqlite::Result<Result<StoredCase, StoreError>> {
    let id: String = r.get(0)?;
    let centre: String = r.get(6)?;
    let (id, centre_id) = match (parse_uuid(id), parse_uuid(centre)) {
        (Ok(id), Ok(centre)) => (id, centre),
        (Err(e), _) | (_, Err(e)) => return Ok(Err(e)),
    };
    Ok(Ok(StoredCase {
        id,
        number: r.get(1)?,
        service_id: r.get(2)?,
        kind: r.get(3)?,
        channel: r.get(4)?,
        status: r.get(5)?,
        centre_id,
        holder_institution: r.get(7)?,
        provider_institution: r.get(8)?,
        document: r.get(9)?,
        offline: r.get(10)?,
        served_at: r.get(11)?,
        updated_at: r.get(12)?,
        customer_code: r.get(13)?,
        change_seq: r.get::<_, Option<i64>>(14)?.unwrap_or(0),
    }))
}

fn query_cases(c: &Connection, sql: &str, params: impl rusqlite::Params) -> Result<Vec<StoredCase>, StoreError> {
    let mut statement = c.prepare_cached(sql).map_err(db)?;
    let rows = statement.query_map(params, case_from_row).map_err(db)?.collect::<Result<Vec<_>, _>>().map_err(db)?;
    rows.into_iter().collect()
}

/// Appends an audit entry inside the caller's transaction (which holds SQLite's write lock).
fn append_audit_in(
    c: &rusqlite::Connection,
    entry: &crate::audit::NewAuditEntry,
) -> Result<crate::audit::AuditEntry, StoreError> {
    let (last, prev): (i64, Vec<u8>) = c
        .query_row("SELECT seq, hash FROM audit_head WHERE only_row = 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(db)?;
    let prev_hash = hash_from_bytes(Some(prev))?.unwrap_or(crate::audit::GENESIS);
    let seq = last + 1;
    let hash = crate::audit::entry_hash(&prev_hash, seq, entry);
    c.prepare_cached(
        "INSERT INTO audit_log (seq, at, actor, action, subject, detail, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .map_err(db)?
    .execute(params![seq, entry.at, entry.actor, entry.action, entry.subject, entry.detail, prev_hash.as_slice(), hash.as_slice()])
    .map_err(db)?;
    c.prepare_cached("UPDATE audit_head SET seq = ?1, hash = ?2 WHERE only_row = 1")
        .map_err(db)?
        .execute(params![seq, hash.as_slice()])
        .map_err(db)?;
    Ok(crate::audit::AuditEntry {
        seq,
        at: entry.at,
        actor: entry.actor.clone(),
        action: entry.action.clone(),
        subject: entry.subject.clone(),
        detail: entry.detail.clone(),
        prev_hash,
        hash,
    })
}

const ACCOUNT_COLUMNS: &str = "address, kind, name, institution_id, centre_id, active, created_at, changed_at";

fn account_from_row(r: &Row<'_>) -> rusqlite::Result<Result<Account, StoreError>> {
    let kind: String = r.get(1)?;
    let centre: Option<String> = r.get(4)?;
    let (kind, centre_id) = match (account_kind(&kind), centre.map(parse_uuid).transpose()) {
        (Ok(kind), Ok(centre)) => (kind, centre),
        (Err(e), _) | (_, Err(e)) => return Ok(Err(e)),
    };
    Ok(Ok(Account {
        address: r.get(0)?,
        kind,
        name: r.get(2)?,
        institution_id: r.get(3)?,
        centre_id,
        active: r.get(5)?,
        created_at: r.get(6)?,
        changed_at: r.get(7)?,
    }))
}

fn query_accounts(c: &Connection, sql: &str, params: impl rusqlite::Params) -> Result<Vec<Account>, StoreError> {
    let mut statement = c.prepare_cached(sql).map_err(db)?;
    let rows = statement.query_map(params, account_from_row).map_err(db)?.collect::<Result<Vec<_>, _>>().map_err(db)?;
    rows.into_iter().collect()
}

const MESSAGE_COLUMNS: &str =
    "m.id, m.sender, m.sent_by, m.subject, m.body, m.case_number, m.in_reply_to, m.attachments, m.sent_at";
const DELIVERY_COLUMNS: &str =
    "d.message_id, d.recipient, d.delivered_at, d.notified_on, d.read_at, d.read_by, d.deleted_at";

fn message_from_row(r: &Row<'_>, at: usize) -> rusqlite::Result<Result<StoredMessage, StoreError>> {
    let id: String = r.get(at)?;
    let reply: Option<String> = r.get(at + 6)?;
    let (id, in_reply_to) = match (parse_uuid(id), reply.map(parse_uuid).transpose()) {
        (Ok(id), Ok(reply)) => (id, reply),
        (Err(e), _) | (_, Err(e)) => return Ok(Err(e)),
    };
    Ok(Ok(StoredMessage {
        id,
        sender: r.get(at + 1)?,
        sent_by: r.get(at + 2)?,
        subject: r.get(at + 3)?,
        body: r.get(at + 4)?,
        case_number: r.get(at + 5)?,
        in_reply_to,
        attachments: r.get(at + 7)?,
        sent_at: r.get(at + 8)?,
    }))
}

fn delivery_from_row(r: &Row<'_>, at: usize) -> rusqlite::Result<Result<Delivery, StoreError>> {
    let id: String = r.get(at)?;
    let message_id = match parse_uuid(id) {
        Ok(id) => id,
        Err(e) => return Ok(Err(e)),
    };
    Ok(Ok(Delivery {
        message_id,
        recipient: r.get(at + 1)?,
        delivered_at: r.get(at + 2)?,
        notified_on: r.get(at + 3)?,
        read_at: r.get(at + 4)?,
        read_by: r.get(at + 5)?,
        deleted_at: r.get(at + 6)?,
    }))
}

const DELEGATION_COLUMNS: &str = "id, mailbox, delegate, rights, granted_by, granted_at, ends_on, revoked_at";

fn delegation_from_row(r: &Row<'_>) -> rusqlite::Result<Result<Delegation, StoreError>> {
    let id: String = r.get(0)?;
    let rights: String = r.get(3)?;
    let (id, rights) = match (parse_uuid(id), right_of(&rights)) {
        (Ok(id), Ok(rights)) => (id, rights),
        (Err(e), _) | (_, Err(e)) => return Ok(Err(e)),
    };
    Ok(Ok(Delegation {
        id,
        mailbox: r.get(1)?,
        delegate: r.get(2)?,
        rights,
        granted_by: r.get(4)?,
        granted_at: r.get(5)?,
        ends_on: r.get(6)?,
        revoked_at: r.get(7)?,
    }))
}

const CONSENT_COLUMNS: &str =
    "id, agent, device_id, rights, minutes, nonce, requested_at, citizen, signed_at, valid_until, ended_at";

fn consent_from_row(r: &Row<'_>) -> rusqlite::Result<Result<Consent, StoreError>> {
    let (id, device, rights): (String, String, String) = (r.get(0)?, r.get(2)?, r.get(3)?);
    let parsed = (|| Ok::<_, StoreError>((parse_uuid(id)?, parse_uuid(device)?, right_of(&rights)?)))();
    let (id, device_id, rights) = match parsed {
        Ok(parsed) => parsed,
        Err(e) => return Ok(Err(e)),
    };
    Ok(Ok(Consent {
        id,
        agent: r.get(1)?,
        device_id,
        rights,
        minutes: r.get(4)?,
        nonce: r.get(5)?,
        requested_at: r.get(6)?,
        citizen: r.get(7)?,
        signed_at: r.get(8)?,
        valid_until: r.get(9)?,
        ended_at: r.get(10)?,
    }))
}

/// One change and its audit entry in one write transaction (the entry only when something
/// changed, if `only_if_changed`); answers the rows changed.
fn change_audited(
    c: &mut Connection,
    sql: &str,
    params: impl rusqlite::Params,
    audit: &crate::audit::NewAuditEntry,
    only_if_changed: bool,
) -> Result<usize, StoreError> {
    let tx = c.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
    let changed = tx.execute(sql, params).map_err(db)?;
    if changed > 0 || !only_if_changed {
        append_audit_in(&tx, audit)?;
    }
    tx.commit().map_err(db)?;
    Ok(changed)
}

/// Audit entries a query selects (all eight columns, in their order).
fn audit_rows(
    c: &mut Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<crate::audit::AuditEntry>, StoreError> {
    let mut statement = c.prepare_cached(sql).map_err(db)?;
    let rows = statement
        .query_map(params, |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, DateTime<Utc>>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, Vec<u8>>(6)?,
                r.get::<_, Vec<u8>>(7)?,
            ))
        })
        .map_err(db)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(db)?;
    rows.into_iter()
        .map(|(seq, at, actor, action, subject, detail, prev, hash)| {
            Ok(crate::audit::AuditEntry {
                seq,
                at,
                actor,
                action,
                subject,
                detail,
                prev_hash: hash_from_bytes(Some(prev))?.unwrap_or_default(),
                hash: hash_from_bytes(Some(hash))?.unwrap_or_default(),
            })
        })
        .collect()
}

fn parse_uuid(raw: String) -> Result<Uuid, StoreError> {
    Uuid::parse_str(&raw).map_err(|e| StoreError::Corrupt(format!("bad id {raw:?}: {e}")))
}

type RawDevice = (
    String,
    String,
    String,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    DateTime<Utc>,
    String,
    String,
    String,
    String,
    Option<u8>,
    Option<String>,
    Option<String>,
);

fn raw_device(row: &Row<'_>) -> rusqlite::Result<RawDevice> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
        row.get(7)?,
        row.get(8)?,
        row.get(9)?,
        row.get(10)?,
        row.get(11)?,
        row.get(12)?,
        row.get(13)?,
        row.get(14)?,
    ))
}

fn device_from_raw(raw: RawDevice) -> Result<Device, StoreError> {
    let (
        id,
        kind,
        name,
        expires,
        enrolled,
        seen,
        revoked,
        created,
        centre_id,
        centre_name,
        municipality,
        code,
        desk,
        reported_version,
        reported_outbox,
    ) = raw;
    Ok(Device {
        id: parse_uuid(id)?,
        centre: Centre { id: parse_uuid(centre_id)?, name: centre_name, municipality, code },
        desk_number: desk,
        kind: parse_kind(&kind)?,
        name,
        enrollment_expires_at: expires,
        enrolled_at: enrolled,
        last_seen_at: seen,
        revoked_at: revoked,
        created_at: created,
        reported_version,
        reported_outbox: reported_outbox.as_deref().and_then(protocol::OutboxReport::parse),
    })
}

fn record_from_row(row: &Row<'_>) -> rusqlite::Result<(String, StoredRecord)> {
    let kind: String = row.get(0)?;
    let version: i64 = row.get(3)?;
    Ok((
        kind,
        StoredRecord {
            kind: RecordKind::Service,
            id: row.get(1)?,
            owner: row.get(2)?,
            version: version as u64,
            retired: row.get(4)?,
            document: row.get(5)?,
            seq: row.get(6)?,
            changed_at: row.get(7)?,
        },
    ))
}

fn query_records(
    connection: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<StoredRecord>, StoreError> {
    let mut statement = connection.prepare_cached(sql).map_err(db)?;
    let rows = statement.query_map(params, record_from_row).map_err(db)?.collect::<Result<Vec<_>, _>>().map_err(db)?;
    rows.into_iter().map(|(kind, record)| Ok(StoredRecord { kind: RecordKind::parse(&kind)?, ..record })).collect()
}

fn institution_from_row(row: &Row<'_>) -> rusqlite::Result<Institution> {
    Ok(Institution { id: row.get(0)?, name: row.get(1)?, is_central_editor: row.get(2)?, created_at: row.get(3)? })
}

const INSTITUTION_KEY_SELECT: &str =
    "SELECT i.id, i.name, i.is_central_editor, i.created_at, k.secret_hash, k.revoked_at, k.id, k.created_at, k.expires_at
     FROM institution_keys k JOIN institutions i ON i.id = k.institution_id";

/// A row of [`INSTITUTION_KEY_SELECT`] (the inner result: a stored hash of the wrong length is
/// corrupt data, not a database error).
fn institution_key_from_row(row: &Row<'_>) -> rusqlite::Result<Result<InstitutionKeyRecord, StoreError>> {
    let institution = institution_from_row(row)?;
    let hash: Vec<u8> = row.get(4)?;
    let key_id: String = row.get(6)?;
    let (revoked_at, created_at, expires_at) = (row.get(5)?, row.get(7)?, row.get(8)?);
    Ok((|| {
        Ok(InstitutionKeyRecord {
            key_id: Uuid::parse_str(&key_id).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            institution,
            secret_hash: hash_from_bytes(Some(hash))?.unwrap_or_default(),
            created_at,
            expires_at,
            revoked_at,
        })
    })())
}

fn flag_from_row(row: &Row<'_>) -> rusqlite::Result<(String, ArticleFlag, String)> {
    Ok((
        row.get(0)?,
        ArticleFlag {
            id: Uuid::nil(),
            article_id: row.get(1)?,
            owner: row.get(2)?,
            reason: row.get(3)?,
            note: row.get(4)?,
            device_id: Uuid::nil(),
            centre_name: row.get(6)?,
            created_at: row.get(7)?,
        },
        row.get(5)?,
    ))
}

fn load_device(connection: &Connection, id: Uuid) -> Result<Option<Device>, StoreError> {
    let sql = format!("SELECT {DEVICE_COLUMNS} FROM devices d JOIN centres c ON c.id = d.centre_id WHERE d.id = ?1");
    connection
        .query_row(&sql, params![id.to_string()], raw_device)
        .optional()
        .map_err(db)?
        .map(device_from_raw)
        .transpose()
}

#[async_trait]
impl Store for SqliteStore {
    async fn migrate(&self) -> Result<(), StoreError> {
        self.with(|connection| {
            // IMMEDIATE takes the write lock first, so two servers starting together apply
            // each migration once.
            let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
            tx.execute_batch(
                "CREATE TABLE IF NOT EXISTS schema_migrations (
                     version INTEGER PRIMARY KEY NOT NULL, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
            )
            .map_err(db)?;
            let current: i64 =
                tx.query_row("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", [], |r| r.get(0)).map_err(db)?;
            if current > MIGRATIONS.last().map_or(0, |m| m.0) {
                return Err(StoreError::Corrupt(format!(
                    "the database is at schema version {current}, newer than this server knows: run a newer pietura-server"
                )));
            }
            for (version, name, sql) in MIGRATIONS.iter().filter(|m| m.0 > current) {
                tracing::info!(version, name, "applying SQLite migration");
                tx.execute_batch(sql).map_err(db)?;
                #[allow(clippy::disallowed_methods)] // Migration bookkeeping, not domain time.
                let now = Utc::now();
                tx.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
                    params![version, name, now],
                )
                .map_err(db)?;
            }
            tx.commit().map_err(db)
        })
        .await
    }

    async fn schema_version(&self) -> Result<i64, StoreError> {
        self.with(|c| {
            c.query_row("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", [], |r| r.get(0)).map_err(db)
        })
        .await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.with(|c| c.query_row("SELECT 1", [], |_| Ok(())).map_err(db)).await
    }

    async fn claim_environment(&self, environment: &str) -> Result<String, StoreError> {
        let environment = environment.to_owned();
        self.with(move |c| {
            c.execute(
                "INSERT INTO server_environment (id, environment) VALUES (1, ?1) ON CONFLICT (id) DO NOTHING",
                [&environment],
            )
            .map_err(db)?;
            c.query_row("SELECT environment FROM server_environment WHERE id = 1", [], |r| r.get(0)).map_err(db)
        })
        .await
    }
}

/// A consistent copy of the SQLite database at `from` into `into` (backups), through SQLite's
/// online backup API in one step: one read transaction, so the copy is of one moment while the
/// server's writer goes on.
pub(crate) fn snapshot(from: &std::path::Path, into: &std::path::Path) -> Result<(), StoreError> {
    let source = rusqlite::Connection::open_with_flags(from, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(db)?;
    let mut copy = rusqlite::Connection::open(into).map_err(db)?;
    let backup = rusqlite::backup::Backup::new(&source, &mut copy).map_err(db)?;
    // All pages in one step (-1). A writer holding the lock just then makes it wait a little.
    loop {
        match backup.step(-1).map_err(db)? {
            rusqlite::backup::StepResult::Done => break,
            _ => std::thread::sleep(std::time::Duration::from_millis(20)),
        }
    }
    drop(backup);
    // One file: no write-ahead log beside it.
    copy.pragma_update(None, "journal_mode", "DELETE").map_err(db)?;
    Ok(())
}
