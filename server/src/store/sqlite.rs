//! The embedded backend: one SQLite file through rusqlite, used on blocking threads.

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

use super::{
    Account, ArticleFlag, AuthEvent, CaseScope, CaseWrite, Consent, ContentStanding, Delegation, Delivery, Device,
    DeviceAuthRecord, EntryEffect, Institution, InstitutionKeyRecord, LoginNonce, MAX_DESKS_PER_CENTRE, Migration,
    NewCentre, NewDevice, ProvisionCount, RecordChange, RecordKind, Representative, RoleGrant, Store, StoreError,
    StoredCase, StoredMessage, StoredRecord, Upload, UserSession, account_kind, check_redeemable, hash_from_bytes,
    kind_text, last_writes_in_order, parse_kind, right_of, roles_from_text, roles_to_text, versioned_document,
};

const MIGRATIONS: &[Migration] = &[
    (1, "centres_and_devices", include_str!("../../migrations/sqlite/0001_centres_and_devices.sql")),
    (2, "catalogue", include_str!("../../migrations/sqlite/0002_catalogue.sql")),
    (3, "eid_login", include_str!("../../migrations/sqlite/0003_eid_login.sql")),
    (4, "cases", include_str!("../../migrations/sqlite/0004_cases.sql")),
    (
        5,
        "centre_codes_and_desk_numbers",
        include_str!("../../migrations/sqlite/0005_centre_codes_and_desk_numbers.sql"),
    ),
    (6, "case_feed", include_str!("../../migrations/sqlite/0006_case_feed.sql")),
    (7, "audit_log", include_str!("../../migrations/sqlite/0007_audit_log.sql")),
    (8, "eaddress", include_str!("../../migrations/sqlite/0008_eaddress.sql")),
    (9, "eaddress_representatives", include_str!("../../migrations/sqlite/0009_eaddress_representatives.sql")),
    (10, "institution_key_expiry", include_str!("../../migrations/sqlite/0010_institution_key_expiry.sql")),
    (11, "attachment_uploads", include_str!("../../migrations/sqlite/0011_attachment_uploads.sql")),
];

const RECORD_COLUMNS: &str = "kind, id, owner, version, retired, document, change_seq, changed_at";

const DEVICE_COLUMNS: &str = "d.id, d.kind, d.name, d.enrollment_expires_at, d.enrolled_at, d.last_seen_at, \
     d.revoked_at, d.created_at, c.id, c.name, c.municipality, c.code, d.desk_number";

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
    ))
}

fn device_from_raw(raw: RawDevice) -> Result<Device, StoreError> {
    let (id, kind, name, expires, enrolled, seen, revoked, created, centre_id, centre_name, municipality, code, desk) =
        raw;
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

    async fn add_centre(&self, centre: NewCentre) -> Result<Centre, StoreError> {
        self.with(move |c| {
            c.execute(
                "INSERT INTO centres (id, name, municipality, code, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![centre.id.to_string(), centre.name, centre.municipality, centre.code, centre.created_at],
            )
            .map_err(|e| {
                map_err(e, || format!("a centre named {:?} or with the code {:?}", centre.name, centre.code))
            })?;
            Ok(Centre { id: centre.id, name: centre.name, municipality: centre.municipality, code: centre.code })
        })
        .await
    }

    async fn list_centres(&self) -> Result<Vec<Centre>, StoreError> {
        self.with(|c| {
            let mut statement =
                c.prepare("SELECT id, name, municipality, code FROM centres ORDER BY name, id").map_err(db)?;
            let rows = statement
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                .map_err(db)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(db)?;
            rows.into_iter()
                .map(|(id, name, municipality, code)| Ok(Centre { id: parse_uuid(id)?, name, municipality, code }))
                .collect()
        })
        .await
    }

    async fn find_centre_by_name(&self, name: &str) -> Result<Option<Centre>, StoreError> {
        let name = name.to_owned();
        self.with(move |c| {
            c.query_row("SELECT id, name, municipality, code FROM centres WHERE name = ?1", params![name], |r| {
                Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()
            .map_err(db)?
            .map(|(id, name, municipality, code)| Ok(Centre { id: parse_uuid(id)?, name, municipality, code }))
            .transpose()
        })
        .await
    }

    async fn add_device(&self, device: NewDevice) -> Result<Device, StoreError> {
        self.with(move |c| {
            let centre_exists: bool = c
                .query_row("SELECT EXISTS (SELECT 1 FROM centres WHERE id = ?1)", params![device.centre_id.to_string()], |r| r.get(0))
                .map_err(db)?;
            if !centre_exists {
                return Err(StoreError::NotFound { what: format!("centre {}", device.centre_id) });
            }
            // Desks are numbered in their centre; numbers are never reused, so a re-enrolled desk
            // never repeats an old desk's case numbers.
            let desk_number: Option<i64> = match device.kind {
                DeviceKind::Desk => Some(
                    c.query_row(
                        "SELECT COALESCE(MAX(desk_number), 0) + 1 FROM devices WHERE centre_id = ?1",
                        params![device.centre_id.to_string()],
                        |r| r.get(0),
                    )
                    .map_err(db)?,
                ),
                DeviceKind::Kiosk => None,
            };
            if desk_number.is_some_and(|n| n > i64::from(MAX_DESKS_PER_CENTRE)) {
                return Err(StoreError::Conflict { what: format!("more than {MAX_DESKS_PER_CENTRE} desks in this centre") });
            }
            c.execute(
                "INSERT INTO devices (id, centre_id, kind, name, enrollment_code_hash, enrollment_expires_at, created_at,
                                      desk_number)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    device.id.to_string(),
                    device.centre_id.to_string(),
                    device.kind.as_str(),
                    device.name,
                    device.enrollment_code_hash.as_slice(),
                    device.enrollment_expires_at,
                    device.created_at,
                    desk_number
                ],
            )
            .map_err(|e| map_err(e, || format!("a device named {:?} in this centre (or the same enrollment code)", device.name)))?;
            load_device(c, device.id)?.ok_or_else(|| StoreError::NotFound { what: format!("device {}", device.id) })
        })
        .await
    }

    async fn list_devices(&self) -> Result<Vec<Device>, StoreError> {
        self.with(|c| {
            let sql = format!(
                "SELECT {DEVICE_COLUMNS} FROM devices d JOIN centres c ON c.id = d.centre_id ORDER BY c.name, d.name, d.created_at"
            );
            let mut statement = c.prepare(&sql).map_err(db)?;
            let raws = statement.query_map([], raw_device).map_err(db)?.collect::<Result<Vec<_>, _>>().map_err(db)?;
            raws.into_iter().map(device_from_raw).collect()
        })
        .await
    }

    async fn revoke_device(&self, id: Uuid, at: DateTime<Utc>) -> Result<Device, StoreError> {
        self.with(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
            tx.execute(
                "UPDATE devices SET revoked_at = COALESCE(revoked_at, ?2) WHERE id = ?1",
                params![id.to_string(), at],
            )
            .map_err(db)?;
            tx.execute(
                "UPDATE user_sessions SET ended_at = ?2 WHERE device_id = ?1 AND ended_at IS NULL",
                params![id.to_string(), at],
            )
            .map_err(db)?;
            let device = load_device(&tx, id)?.ok_or_else(|| StoreError::NotFound { what: format!("device {id}") })?;
            tx.commit().map_err(db)?;
            Ok(device)
        })
        .await
    }

    async fn redeem_enrollment_code(
        &self,
        code_hash: [u8; 32],
        secret_hash: [u8; 32],
        now: DateTime<Utc>,
    ) -> Result<Device, StoreError> {
        self.with(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
            let row: Option<(String, Option<DateTime<Utc>>, Option<DateTime<Utc>>, DateTime<Utc>)> = tx
                .query_row(
                    "SELECT id, enrolled_at, revoked_at, enrollment_expires_at FROM devices WHERE enrollment_code_hash = ?1",
                    params![code_hash.as_slice()],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()
                .map_err(db)?;
            let (id, enrolled_at, revoked_at, expires_at) = row.ok_or(StoreError::EnrollmentCodeUnknown)?;
            check_redeemable(enrolled_at, revoked_at, expires_at, now)?;
            tx.execute(
                "UPDATE devices SET enrolled_at = ?2, secret_hash = ?3, last_seen_at = ?2 WHERE id = ?1 AND enrolled_at IS NULL",
                params![id, now, secret_hash.as_slice()],
            )
            .map_err(db)?;
            let device = load_device(&tx, parse_uuid(id)?)?.ok_or(StoreError::EnrollmentCodeUnknown)?;
            tx.commit().map_err(db)?;
            Ok(device)
        })
        .await
    }

    async fn renew_enrollment_code(
        &self,
        id: Uuid,
        code_hash: [u8; 32],
        expires_at: DateTime<Utc>,
    ) -> Result<Device, StoreError> {
        self.with(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
            let device = load_device(&tx, id)?.ok_or_else(|| StoreError::NotFound { what: format!("device {id}") })?;
            if device.enrolled_at.is_some() || device.revoked_at.is_some() {
                return Err(StoreError::DeviceNotWaiting(id));
            }
            tx.execute(
                "UPDATE devices SET enrollment_code_hash = ?2, enrollment_expires_at = ?3 WHERE id = ?1",
                params![id.to_string(), code_hash.as_slice(), expires_at],
            )
            .map_err(|e| map_err(e, || "the same enrollment code".into()))?;
            let device = load_device(&tx, id)?.ok_or_else(|| StoreError::NotFound { what: format!("device {id}") })?;
            tx.commit().map_err(db)?;
            Ok(device)
        })
        .await
    }

    async fn device_auth_record(&self, id: Uuid) -> Result<Option<DeviceAuthRecord>, StoreError> {
        self.with(move |c| {
            let Some(device) = load_device(c, id)? else { return Ok(None) };
            let hash: Option<Vec<u8>> = c
                .query_row("SELECT secret_hash FROM devices WHERE id = ?1", params![id.to_string()], |r| r.get(0))
                .map_err(db)?;
            Ok(Some(DeviceAuthRecord { device, secret_hash: hash_from_bytes(hash)? }))
        })
        .await
    }

    async fn record_device_seen(&self, id: Uuid, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.with(move |c| {
            c.execute("UPDATE devices SET last_seen_at = ?2 WHERE id = ?1", params![id.to_string(), at]).map_err(db)?;
            Ok(())
        })
        .await
    }

    async fn add_institution(&self, institution: Institution) -> Result<Institution, StoreError> {
        self.with(move |c| {
            c.execute(
                "INSERT INTO institutions (id, name, is_central_editor, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![institution.id, institution.name, institution.is_central_editor, institution.created_at],
            )
            .map_err(|e| map_err(e, || format!("an institution with the id {:?}", institution.id)))?;
            Ok(institution)
        })
        .await
    }

    async fn list_institutions(&self) -> Result<Vec<Institution>, StoreError> {
        self.with(|c| {
            let mut statement = c
                .prepare("SELECT id, name, is_central_editor, created_at FROM institutions ORDER BY name, id")
                .map_err(db)?;
            let rows = statement.query_map([], institution_from_row).map_err(db)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(db)
        })
        .await
    }

    async fn add_institution_key(
        &self,
        key_id: Uuid,
        institution_id: &str,
        secret_hash: [u8; 32],
        at: DateTime<Utc>,
        expires_at: Option<DateTime<Utc>>,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<(), StoreError> {
        let institution_id = institution_id.to_owned();
        self.with(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
            let exists: bool = tx
                .query_row("SELECT EXISTS (SELECT 1 FROM institutions WHERE id = ?1)", params![institution_id], |r| {
                    r.get(0)
                })
                .map_err(db)?;
            if !exists {
                return Err(StoreError::NotFound { what: format!("institution {institution_id}") });
            }
            tx.execute(
                "INSERT INTO institution_keys (id, institution_id, secret_hash, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![key_id.to_string(), institution_id, secret_hash.as_slice(), at, expires_at],
            )
            .map_err(db)?;
            append_audit_in(&tx, &audit)?;
            tx.commit().map_err(db)?;
            Ok(())
        })
        .await
    }

    async fn institution_key_record(&self, key_id: Uuid) -> Result<Option<InstitutionKeyRecord>, StoreError> {
        self.with(move |c| {
            let sql = format!("{INSTITUTION_KEY_SELECT} WHERE k.id = ?1");
            c.query_row(&sql, params![key_id.to_string()], institution_key_from_row).optional().map_err(db)?.transpose()
        })
        .await
    }

    async fn institution_keys(&self, institution_id: Option<String>) -> Result<Vec<InstitutionKeyRecord>, StoreError> {
        self.with(move |c| {
            let sql = format!(
                "{INSTITUTION_KEY_SELECT} WHERE ?1 IS NULL OR k.institution_id = ?1 ORDER BY k.created_at, k.id"
            );
            let mut statement = c.prepare(&sql).map_err(db)?;
            let rows = statement
                .query_map(params![institution_id], institution_key_from_row)
                .map_err(db)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(db)?;
            rows.into_iter().collect()
        })
        .await
    }

    async fn revoke_institution_key(
        &self,
        key_id: Uuid,
        at: DateTime<Utc>,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<Option<InstitutionKeyRecord>, StoreError> {
        self.with(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
            let changed = tx
                .execute(
                    "UPDATE institution_keys SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
                    params![key_id.to_string(), at],
                )
                .map_err(db)?;
            if changed > 0 {
                append_audit_in(&tx, &audit)?;
            }
            let sql = format!("{INSTITUTION_KEY_SELECT} WHERE k.id = ?1");
            let record =
                tx.query_row(&sql, params![key_id.to_string()], institution_key_from_row).optional().map_err(db)?;
            tx.commit().map_err(db)?;
            record.transpose()
        })
        .await
    }

    async fn apply_catalogue_changes(
        &self,
        changes: Vec<RecordChange>,
        at: DateTime<Utc>,
    ) -> Result<Vec<StoredRecord>, StoreError> {
        self.with(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
            let mut stored = Vec::with_capacity(changes.len());
            for change in &changes {
                let current: Option<i64> = tx
                    .prepare_cached("SELECT version FROM catalogue_records WHERE kind = ?1 AND id = ?2")
                    .map_err(db)?
                    .query_row(params![change.kind.as_str(), change.id], |r| r.get(0))
                    .optional()
                    .map_err(db)?;
                let (version, document) = versioned_document(change, current.map(|v| v as u64))?;
                let seq: i64 = tx
                    .prepare_cached("UPDATE catalogue_sequence SET last = last + 1 RETURNING last")
                    .map_err(db)?
                    .query_row([], |r| r.get(0))
                    .map_err(db)?;
                tx.prepare_cached(
                    "INSERT INTO catalogue_records (kind, id, owner, version, retired, document, change_seq, changed_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                     ON CONFLICT (kind, id) DO UPDATE SET owner = excluded.owner, version = excluded.version,
                         retired = excluded.retired, document = excluded.document,
                         change_seq = excluded.change_seq, changed_at = excluded.changed_at",
                )
                .map_err(db)?
                .execute(params![
                    change.kind.as_str(),
                    change.id,
                    change.owner,
                    version as i64,
                    change.retired,
                    document,
                    seq,
                    at
                ])
                .map_err(db)?;
                if change.kind == RecordKind::Article {
                    tx.prepare_cached("DELETE FROM article_services WHERE article_id = ?1")
                        .map_err(db)?
                        .execute(params![change.id])
                        .map_err(db)?;
                    if !change.retired {
                        let mut insert = tx
                            .prepare_cached(
                                "INSERT OR IGNORE INTO article_services (article_id, service_id) VALUES (?1, ?2)",
                            )
                            .map_err(db)?;
                        for service in &change.linked_services {
                            insert.execute(params![change.id, service]).map_err(db)?;
                        }
                    }
                }
                stored.push(StoredRecord {
                    kind: change.kind,
                    id: change.id.clone(),
                    owner: change.owner.clone(),
                    version,
                    retired: change.retired,
                    document,
                    seq,
                    changed_at: at,
                });
            }
            tx.commit().map_err(db)?;
            Ok(stored)
        })
        .await
    }

    async fn catalogue_record(&self, kind: RecordKind, id: &str) -> Result<Option<StoredRecord>, StoreError> {
        let id = id.to_owned();
        self.with(move |c| {
            let sql = format!("SELECT {RECORD_COLUMNS} FROM catalogue_records WHERE kind = ?1 AND id = ?2");
            Ok(query_records(c, &sql, params![kind.as_str(), id])?.pop())
        })
        .await
    }

    async fn catalogue_records(&self, kind: RecordKind) -> Result<Vec<StoredRecord>, StoreError> {
        self.with(move |c| {
            let sql = format!("SELECT {RECORD_COLUMNS} FROM catalogue_records WHERE kind = ?1 ORDER BY id");
            query_records(c, &sql, params![kind.as_str()])
        })
        .await
    }

    async fn articles_linked_to(&self, service_id: &str) -> Result<Vec<StoredRecord>, StoreError> {
        let service_id = service_id.to_owned();
        self.with(move |c| {
            let sql = format!(
                "SELECT {RECORD_COLUMNS} FROM catalogue_records WHERE kind = 'article' AND id IN
                 (SELECT article_id FROM article_services WHERE service_id = ?1) ORDER BY id"
            );
            query_records(c, &sql, params![service_id])
        })
        .await
    }

    async fn catalogue_changes(&self, after: i64, limit: u32) -> Result<Vec<StoredRecord>, StoreError> {
        self.with(move |c| {
            let sql = format!(
                "SELECT {RECORD_COLUMNS} FROM catalogue_records WHERE change_seq > ?1 ORDER BY change_seq LIMIT ?2"
            );
            query_records(c, &sql, params![after, limit])
        })
        .await
    }

    async fn catalogue_head(&self) -> Result<i64, StoreError> {
        self.with(|c| c.query_row("SELECT last FROM catalogue_sequence", [], |r| r.get(0)).map_err(db)).await
    }

    async fn add_article_flag(&self, flag: ArticleFlag) -> Result<(), StoreError> {
        self.with(move |c| {
            c.execute(
                "INSERT INTO article_flags (id, article_id, owner, reason, note, device_id, centre_name, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    flag.id.to_string(),
                    flag.article_id,
                    flag.owner,
                    flag.reason,
                    flag.note,
                    flag.device_id.to_string(),
                    flag.centre_name,
                    flag.created_at
                ],
            )
            .map_err(db)?;
            Ok(())
        })
        .await
    }

    async fn article_flags(&self, owner: Option<&str>) -> Result<Vec<ArticleFlag>, StoreError> {
        let owner = owner.map(str::to_owned);
        self.with(move |c| {
            let mut statement = c
                .prepare(
                    "SELECT id, article_id, owner, reason, note, device_id, centre_name, created_at FROM article_flags
                     WHERE ?1 IS NULL OR owner = ?1 ORDER BY created_at, id",
                )
                .map_err(db)?;
            let rows = statement
                .query_map(params![owner], flag_from_row)
                .map_err(db)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(db)?;
            rows.into_iter()
                .map(|(id, flag, device)| {
                    Ok(ArticleFlag { id: parse_uuid(id)?, device_id: parse_uuid(device)?, ..flag })
                })
                .collect()
        })
        .await
    }

    async fn add_login_nonce(&self, nonce: LoginNonce, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.with(move |c| {
            c.execute("DELETE FROM login_nonces WHERE expires_at < ?1", params![now]).map_err(db)?;
            c.execute(
                "INSERT INTO login_nonces (nonce_hash, device_id, issued_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
                params![nonce.nonce_hash.as_slice(), nonce.device_id.to_string(), nonce.issued_at, nonce.expires_at],
            )
            .map_err(|e| map_err(e, || "this challenge".into()))?;
            Ok(())
        })
        .await
    }

    async fn take_login_nonce(&self, nonce_hash: [u8; 32]) -> Result<Option<LoginNonce>, StoreError> {
        self.with(move |c| {
            c.query_row(
                "DELETE FROM login_nonces WHERE nonce_hash = ?1 RETURNING device_id, issued_at, expires_at",
                params![nonce_hash.as_slice()],
                |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(db)?
            .map(|(device, issued_at, expires_at)| {
                Ok(LoginNonce { nonce_hash, device_id: parse_uuid(device)?, issued_at, expires_at })
            })
            .transpose()
        })
        .await
    }

    async fn grant_role(
        &self,
        personal_code: &str,
        role: domain::Role,
        centre_id: Uuid,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let personal_code = personal_code.to_owned();
        self.with(move |c| {
            c.execute(
                "INSERT INTO role_grants (personal_code, role, centre_id, granted_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT DO NOTHING",
                params![personal_code, role.as_str(), centre_id.to_string(), at],
            )
            .map_err(|e| map_err(e, || "this grant".into()))?;
            Ok(())
        })
        .await
    }

    async fn revoke_role(
        &self,
        personal_code: &str,
        role: domain::Role,
        centre_id: Uuid,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let personal_code = personal_code.to_owned();
        self.with(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
            let removed = tx
                .execute(
                    "DELETE FROM role_grants WHERE personal_code = ?1 AND role = ?2 AND centre_id = ?3",
                    params![personal_code, role.as_str(), centre_id.to_string()],
                )
                .map_err(db)?;
            tx.execute(
                "UPDATE user_sessions SET ended_at = ?3
                 WHERE personal_code = ?1 AND ended_at IS NULL
                   AND device_id IN (SELECT id FROM devices WHERE centre_id = ?2)",
                params![personal_code, centre_id.to_string(), at],
            )
            .map_err(db)?;
            tx.commit().map_err(db)?;
            Ok(removed > 0)
        })
        .await
    }

    async fn role_grants(&self, personal_code: Option<&str>) -> Result<Vec<RoleGrant>, StoreError> {
        let personal_code = personal_code.map(str::to_owned);
        self.with(move |c| {
            let mut statement = c
                .prepare(
                    "SELECT g.personal_code, g.role, g.granted_at, c.id, c.name, c.municipality, c.code
                     FROM role_grants g JOIN centres c ON c.id = g.centre_id
                     WHERE ?1 IS NULL OR g.personal_code = ?1 ORDER BY g.personal_code, c.name, g.role",
                )
                .map_err(db)?;
            let rows = statement
                .query_map(params![personal_code], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get(2)?,
                        r.get::<_, String>(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                    ))
                })
                .map_err(db)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(db)?;
            rows.into_iter()
                .map(|(personal_code, role, granted_at, centre_id, name, municipality, code)| {
                    Ok(RoleGrant {
                        personal_code,
                        role: role.parse().map_err(|e: domain::ParseRoleError| StoreError::Corrupt(e.to_string()))?,
                        centre: Centre { id: parse_uuid(centre_id)?, name, municipality, code },
                        granted_at,
                    })
                })
                .collect()
        })
        .await
    }

    async fn add_session(&self, session: UserSession) -> Result<(), StoreError> {
        self.with(move |c| {
            c.execute(
                "INSERT INTO user_sessions (token_hash, device_id, personal_code, given_name, surname, roles, issued_at,
                     expires_at, ended_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    session.token_hash.as_slice(),
                    session.device_id.to_string(),
                    session.personal_code,
                    session.given_name,
                    session.surname,
                    roles_to_text(&session.roles),
                    session.issued_at,
                    session.expires_at,
                    session.ended_at
                ],
            )
            .map_err(|e| map_err(e, || "this session".into()))?;
            Ok(())
        })
        .await
    }

    async fn session(&self, token_hash: [u8; 32]) -> Result<Option<UserSession>, StoreError> {
        self.with(move |c| {
            c.query_row(
                "SELECT device_id, personal_code, given_name, surname, roles, issued_at, expires_at, ended_at
                 FROM user_sessions WHERE token_hash = ?1",
                params![token_hash.as_slice()],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get::<_, String>(4)?,
                        r.get(5)?,
                        r.get(6)?,
                        r.get(7)?,
                    ))
                },
            )
            .optional()
            .map_err(db)?
            .map(|(device, personal_code, given_name, surname, roles, issued_at, expires_at, ended_at)| {
                Ok(UserSession {
                    token_hash,
                    device_id: parse_uuid(device)?,
                    personal_code,
                    given_name,
                    surname,
                    roles: roles_from_text(&roles)?,
                    issued_at,
                    expires_at,
                    ended_at,
                })
            })
            .transpose()
        })
        .await
    }

    async fn end_session(&self, token_hash: [u8; 32], at: DateTime<Utc>) -> Result<(), StoreError> {
        self.with(move |c| {
            c.execute(
                "UPDATE user_sessions SET ended_at = COALESCE(ended_at, ?2) WHERE token_hash = ?1",
                params![token_hash.as_slice(), at],
            )
            .map_err(db)?;
            Ok(())
        })
        .await
    }

    async fn add_auth_event(&self, event: AuthEvent) -> Result<(), StoreError> {
        self.with(move |c| {
            // The event and its audit entry together, or neither.
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
            tx.execute(
                "INSERT INTO auth_events (at, kind, device_id, personal_code, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    event.at,
                    event.kind,
                    event.device_id.map(|d| d.to_string()),
                    event.personal_code,
                    event.detail
                ],
            )
            .map_err(db)?;
            append_audit_in(&tx, &super::audit_of_auth_event(&event))?;
            tx.commit().map_err(db)?;
            Ok(())
        })
        .await
    }

    async fn put_account(&self, account: Account) -> Result<(), StoreError> {
        self.with(move |c| {
            c.execute(
                "INSERT INTO eaddress_accounts (address, kind, name, institution_id, centre_id, active, created_at, changed_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (address) DO UPDATE SET kind = excluded.kind, name = excluded.name,
                     institution_id = excluded.institution_id, centre_id = excluded.centre_id,
                     active = excluded.active, changed_at = excluded.changed_at",
                params![
                    account.address,
                    kind_text(account.kind),
                    account.name,
                    account.institution_id,
                    account.centre_id.map(|c| c.to_string()),
                    account.active,
                    account.created_at,
                    account.changed_at
                ],
            )
            .map_err(|e| map_err(e, || format!("the mailbox {} (its institution or centre must exist)", account.address)))?;
            Ok(())
        })
        .await
    }

    async fn accounts(&self, addresses: Vec<String>) -> Result<Vec<Account>, StoreError> {
        self.with(move |c| {
            let mut found = Vec::with_capacity(addresses.len());
            for address in addresses {
                found.extend(query_accounts(
                    c,
                    &format!("SELECT {ACCOUNT_COLUMNS} FROM eaddress_accounts WHERE address = ?1"),
                    params![address],
                )?);
            }
            Ok(found)
        })
        .await
    }

    async fn unread_count(&self, recipients: Vec<String>) -> Result<u64, StoreError> {
        self.with(move |c| {
            let mut statement = c
                .prepare_cached(
                    "SELECT count(*) FROM eaddress_deliveries
                     WHERE recipient = ?1 AND read_at IS NULL AND deleted_at IS NULL",
                )
                .map_err(db)?;
            let mut total = 0u64;
            for recipient in recipients {
                total += statement.query_row(params![recipient], |r| r.get::<_, i64>(0)).map_err(db)? as u64;
            }
            Ok(total)
        })
        .await
    }

    async fn operated_accounts(
        &self,
        institution: Option<String>,
        centre: Option<Uuid>,
    ) -> Result<Vec<Account>, StoreError> {
        self.with(move |c| {
            query_accounts(
                c,
                &format!(
                    "SELECT {ACCOUNT_COLUMNS} FROM eaddress_accounts
                     WHERE (?1 IS NOT NULL AND institution_id = ?1) OR (?2 IS NOT NULL AND centre_id = ?2) ORDER BY address"
                ),
                params![institution, centre.map(|c| c.to_string())],
            )
        })
        .await
    }

    async fn institution_directory(&self) -> Result<Vec<Account>, StoreError> {
        self.with(|c| {
            query_accounts(
                c,
                &format!("SELECT {ACCOUNT_COLUMNS} FROM eaddress_accounts WHERE kind = 'institution' AND active ORDER BY address"),
                [],
            )
        })
        .await
    }

    async fn send_message(
        &self,
        message: StoredMessage,
        deliveries: Vec<Delivery>,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<EntryEffect, StoreError> {
        self.with(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
            let fresh = tx
                .execute(
                    "INSERT INTO eaddress_messages (id, sender, sent_by, subject, body, case_number, in_reply_to, attachments, sent_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (id) DO NOTHING",
                    params![
                        message.id.to_string(),
                        message.sender,
                        message.sent_by,
                        message.subject,
                        message.body,
                        message.case_number,
                        message.in_reply_to.map(|id| id.to_string()),
                        message.attachments,
                        message.sent_at
                    ],
                )
                .map_err(db)?;
            if fresh == 0 {
                return Ok(EntryEffect::AlreadyApplied);
            }
            for delivery in &deliveries {
                tx.execute(
                    "INSERT INTO eaddress_deliveries (message_id, recipient, delivered_at, notified_on) VALUES (?1, ?2, ?3, ?4)",
                    params![delivery.message_id.to_string(), delivery.recipient, delivery.delivered_at, delivery.notified_on],
                )
                .map_err(|e| map_err(e, || format!("a delivery to {}", delivery.recipient)))?;
            }
            // The content it names is never collected.
            tx.execute(
                "INSERT OR IGNORE INTO eaddress_message_attachments (message_id, sha256)
                 SELECT ?1, lower(json_extract(value, '$.sha256')) FROM json_each(?2)
                 WHERE json_extract(value, '$.sha256') IS NOT NULL",
                params![message.id.to_string(), message.attachments],
            )
            .map_err(db)?;
            append_audit_in(&tx, &audit)?;
            tx.commit().map_err(db)?;
            Ok(EntryEffect::Applied)
        })
        .await
    }

    async fn record_upload(&self, upload: Upload) -> Result<(), StoreError> {
        self.with(move |c| {
            c.execute(
                "INSERT INTO eaddress_uploads (sha256, uploader, bytes, uploaded_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (sha256, uploader) DO UPDATE SET bytes = excluded.bytes, uploaded_at = excluded.uploaded_at",
                params![upload.sha256, upload.uploader, upload.bytes as i64, upload.uploaded_at],
            )
            .map_err(db)?;
            Ok(())
        })
        .await
    }

    async fn unnamed_upload_bytes(
        &self,
        uploader: String,
        since: DateTime<Utc>,
        except: String,
    ) -> Result<u64, StoreError> {
        self.with(move |c| {
            let bytes: i64 = c
                .query_row(
                    "SELECT coalesce(sum(u.bytes), 0) FROM eaddress_uploads u
                     WHERE u.uploader = ?1 AND u.uploaded_at >= ?2 AND u.sha256 <> ?3
                       AND NOT EXISTS (SELECT 1 FROM eaddress_message_attachments r WHERE r.sha256 = u.sha256)",
                    params![uploader, since, except],
                    |r| r.get(0),
                )
                .map_err(db)?;
            Ok(bytes as u64)
        })
        .await
    }

    async fn content_standing(&self, sha256: String) -> Result<ContentStanding, StoreError> {
        self.with(move |c| {
            c.query_row(
                "SELECT EXISTS (SELECT 1 FROM eaddress_message_attachments WHERE sha256 = ?1),
                        (SELECT max(uploaded_at) FROM eaddress_uploads WHERE sha256 = ?1)",
                params![sha256],
                |r| Ok(ContentStanding { named: r.get(0)?, last_upload: r.get(1)? }),
            )
            .map_err(db)
        })
        .await
    }

    async fn unnamed_uploads_before(
        &self,
        before: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        self.with(move |c| {
            let mut statement = c
                .prepare_cached(
                    "SELECT u.sha256, max(u.bytes) FROM eaddress_uploads u
                     WHERE NOT EXISTS (SELECT 1 FROM eaddress_message_attachments r WHERE r.sha256 = u.sha256)
                     GROUP BY u.sha256 HAVING max(u.uploaded_at) < ?1 LIMIT ?2",
                )
                .map_err(db)?;
            statement
                .query_map(params![before, i64::from(limit)], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
                })
                .map_err(db)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(db)
        })
        .await
    }

    async fn forget_uploads(&self, sha256: Option<String>, before: DateTime<Utc>) -> Result<u64, StoreError> {
        self.with(move |c| {
            let forgotten = match sha256 {
                Some(sha256) => c.execute(
                    "DELETE FROM eaddress_uploads WHERE sha256 = ?1 AND uploaded_at < ?2",
                    params![sha256, before],
                ),
                None => c.execute(
                    "DELETE FROM eaddress_uploads WHERE uploaded_at < ?1
                       AND EXISTS (SELECT 1 FROM eaddress_message_attachments r WHERE r.sha256 = eaddress_uploads.sha256)",
                    params![before],
                ),
            }
            .map_err(db)?;
            Ok(forgotten as u64)
        })
        .await
    }

    async fn inbox(
        &self,
        recipient: String,
        before: Option<(DateTime<Utc>, Uuid)>,
        limit: u32,
    ) -> Result<Vec<(StoredMessage, Delivery)>, StoreError> {
        self.with(move |c| {
            let (at, id) = before.map_or((None, None), |(at, id)| (Some(at), Some(id.to_string())));
            let mut statement = c
                .prepare_cached(&format!(
                    "SELECT {MESSAGE_COLUMNS}, {DELIVERY_COLUMNS} FROM eaddress_deliveries d
                     JOIN eaddress_messages m ON m.id = d.message_id
                     WHERE d.recipient = ?1 AND d.deleted_at IS NULL
                       AND (?2 IS NULL OR (d.delivered_at, d.message_id) < (?2, ?3))
                     ORDER BY d.delivered_at DESC, d.message_id DESC LIMIT ?4"
                ))
                .map_err(db)?;
            let rows = statement
                .query_map(params![recipient, at, id, i64::from(limit)], |r| {
                    Ok((message_from_row(r, 0)?, delivery_from_row(r, 9)?))
                })
                .map_err(db)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(db)?;
            rows.into_iter().map(|(m, d)| Ok((m?, d?))).collect()
        })
        .await
    }

    async fn sent_messages(
        &self,
        sender: String,
        before: Option<(DateTime<Utc>, Uuid)>,
        limit: u32,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        self.with(move |c| {
            let (at, id) = before.map_or((None, None), |(at, id)| (Some(at), Some(id.to_string())));
            let mut statement = c
                .prepare_cached(&format!(
                    "SELECT {MESSAGE_COLUMNS} FROM eaddress_messages m
                     WHERE m.sender = ?1 AND (?2 IS NULL OR (m.sent_at, m.id) < (?2, ?3))
                     ORDER BY m.sent_at DESC, m.id DESC LIMIT ?4"
                ))
                .map_err(db)?;
            let rows = statement
                .query_map(params![sender, at, id, i64::from(limit)], |r| message_from_row(r, 0))
                .map_err(db)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(db)?;
            rows.into_iter().collect()
        })
        .await
    }

    async fn message(&self, id: Uuid) -> Result<Option<(StoredMessage, Vec<Delivery>)>, StoreError> {
        self.with(move |c| {
            let message = c
                .query_row(
                    &format!("SELECT {MESSAGE_COLUMNS} FROM eaddress_messages m WHERE m.id = ?1"),
                    params![id.to_string()],
                    |r| message_from_row(r, 0),
                )
                .optional()
                .map_err(db)?
                .transpose()?;
            let Some(message) = message else { return Ok(None) };
            let mut statement = c
                .prepare_cached(&format!(
                    "SELECT {DELIVERY_COLUMNS} FROM eaddress_deliveries d WHERE d.message_id = ?1 ORDER BY d.recipient"
                ))
                .map_err(db)?;
            let deliveries = statement
                .query_map(params![id.to_string()], |r| delivery_from_row(r, 0))
                .map_err(db)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(db)?
                .into_iter()
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Some((message, deliveries)))
        })
        .await
    }

    async fn mark_read(
        &self,
        id: Uuid,
        recipient: String,
        by: String,
        at: DateTime<Utc>,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<bool, StoreError> {
        // Every opening is an access, audited; only the first one is the reading.
        self.with(move |c| {
            let first = change_audited(
                c,
                "UPDATE eaddress_deliveries SET read_at = ?3, read_by = ?4
                 WHERE message_id = ?1 AND recipient = ?2 AND read_at IS NULL",
                params![id.to_string(), recipient, at, by],
                &audit,
                false,
            )?;
            Ok(first == 1)
        })
        .await
    }

    async fn delete_delivery(
        &self,
        id: Uuid,
        recipient: String,
        at: DateTime<Utc>,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<bool, StoreError> {
        self.with(move |c| {
            let deleted = change_audited(
                c,
                "UPDATE eaddress_deliveries SET deleted_at = ?3
                 WHERE message_id = ?1 AND recipient = ?2 AND deleted_at IS NULL",
                params![id.to_string(), recipient, at],
                &audit,
                true,
            )?;
            Ok(deleted == 1)
        })
        .await
    }

    async fn add_delegation(
        &self,
        delegation: Delegation,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<(), StoreError> {
        self.with(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
            tx.execute(
                "INSERT INTO eaddress_delegations (id, mailbox, delegate, rights, granted_by, granted_at, ends_on, revoked_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL)",
                params![
                    delegation.id.to_string(),
                    delegation.mailbox,
                    delegation.delegate,
                    delegation.rights.as_str(),
                    delegation.granted_by,
                    delegation.granted_at,
                    delegation.ends_on
                ],
            )
            .map_err(|e| map_err(e, || format!("a delegation on {}", delegation.mailbox)))?;
            append_audit_in(&tx, &audit)?;
            tx.commit().map_err(db)?;
            Ok(())
        })
        .await
    }

    async fn revoke_delegation(
        &self,
        id: Uuid,
        at: DateTime<Utc>,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<bool, StoreError> {
        self.with(move |c| {
            let ended = change_audited(
                c,
                "UPDATE eaddress_delegations SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
                params![id.to_string(), at],
                &audit,
                false,
            )?;
            Ok(ended == 1)
        })
        .await
    }

    async fn put_representative(
        &self,
        representative: Representative,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<(), StoreError> {
        self.with(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
            tx.execute(
                "INSERT INTO eaddress_representatives (mailbox, person, source, recorded_by, recorded_at, ended_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, NULL)
                 ON CONFLICT (mailbox, person) DO UPDATE SET source = excluded.source,
                     recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at, ended_at = NULL",
                params![
                    representative.mailbox,
                    representative.person,
                    representative.source,
                    representative.recorded_by,
                    representative.recorded_at
                ],
            )
            .map_err(|e| map_err(e, || format!("a representative of {}", representative.mailbox)))?;
            append_audit_in(&tx, &audit)?;
            tx.commit().map_err(db)?;
            Ok(())
        })
        .await
    }

    async fn end_representative(
        &self,
        mailbox: String,
        person: String,
        at: DateTime<Utc>,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<bool, StoreError> {
        self.with(move |c| {
            let ended = change_audited(
                c,
                "UPDATE eaddress_representatives SET ended_at = ?3
                 WHERE mailbox = ?1 AND person = ?2 AND ended_at IS NULL",
                params![mailbox, person, at],
                &audit,
                true,
            )?;
            Ok(ended == 1)
        })
        .await
    }

    async fn representatives(
        &self,
        mailbox: Option<String>,
        person: Option<String>,
    ) -> Result<Vec<Representative>, StoreError> {
        self.with(move |c| {
            let mut statement = c
                .prepare_cached(
                    "SELECT mailbox, person, source, recorded_by, recorded_at, ended_at FROM eaddress_representatives
                     WHERE (?1 IS NULL OR mailbox = ?1) AND (?2 IS NULL OR person = ?2) ORDER BY mailbox, person",
                )
                .map_err(db)?;
            let rows = statement
                .query_map(params![mailbox, person], |r| {
                    Ok(Representative {
                        mailbox: r.get(0)?,
                        person: r.get(1)?,
                        source: r.get(2)?,
                        recorded_by: r.get(3)?,
                        recorded_at: r.get(4)?,
                        ended_at: r.get(5)?,
                    })
                })
                .map_err(db)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(db)?;
            Ok(rows)
        })
        .await
    }

    async fn delegations(
        &self,
        mailbox: Option<String>,
        delegate: Option<String>,
    ) -> Result<Vec<Delegation>, StoreError> {
        self.with(move |c| {
            let mut statement = c
                .prepare_cached(&format!(
                    "SELECT {DELEGATION_COLUMNS} FROM eaddress_delegations
                     WHERE (?1 IS NULL OR mailbox = ?1) AND (?2 IS NULL OR delegate = ?2) ORDER BY granted_at, id"
                ))
                .map_err(db)?;
            let rows = statement
                .query_map(params![mailbox, delegate], delegation_from_row)
                .map_err(db)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(db)?;
            rows.into_iter().collect()
        })
        .await
    }

    async fn delivery_kpis(&self) -> Result<Vec<super::DeliveryKpi>, StoreError> {
        self.with(|c| {
            // Counts by the database; the times to read (SQLite has no percentiles) streamed in
            // order per group, kept only as numbers.
            let mut counts = c
                .prepare(&format!(
                    "SELECT substr(m.sent_at, 1, 7) AS month, {} AS sender_group,
                            count(DISTINCT m.id), count(*), count(d.read_at)
                     FROM eaddress_deliveries d JOIN eaddress_messages m ON m.id = d.message_id
                          JOIN eaddress_accounts a ON a.address = m.sender
                     GROUP BY month, sender_group ORDER BY month, sender_group",
                    super::KPI_SENDER_GROUP
                ))
                .map_err(db)?;
            let mut groups: Vec<super::DeliveryKpi> = counts
                .query_map([], |r| {
                    Ok(super::DeliveryKpi {
                        month: r.get(0)?,
                        sender: r.get(1)?,
                        messages: r.get::<_, i64>(2)? as u64,
                        deliveries: r.get::<_, i64>(3)? as u64,
                        read: r.get::<_, i64>(4)? as u64,
                        median_seconds: None,
                        p90_seconds: None,
                    })
                })
                .map_err(db)?
                .collect::<Result<_, _>>()
                .map_err(db)?;
            let mut times = c
                .prepare(&format!(
                    "SELECT substr(m.sent_at, 1, 7) AS month, {} AS sender_group,
                            CAST(round((julianday(d.read_at) - julianday(m.sent_at)) * 86400) AS INTEGER) AS seconds
                     FROM eaddress_deliveries d JOIN eaddress_messages m ON m.id = d.message_id
                          JOIN eaddress_accounts a ON a.address = m.sender
                     WHERE d.read_at IS NOT NULL ORDER BY month, sender_group, seconds",
                    super::KPI_SENDER_GROUP
                ))
                .map_err(db)?;
            let mut rows = times.query([]).map_err(db)?;
            let mut current: Option<(String, String, Vec<i64>)> = None;
            let finish = |group: Option<(String, String, Vec<i64>)>, groups: &mut Vec<super::DeliveryKpi>| {
                let Some((month, sender, seconds)) = group else { return };
                if let Some(kpi) = groups.iter_mut().find(|g| g.month == month && g.sender == sender) {
                    kpi.median_seconds = super::nearest_rank(&seconds, 0.5).map(|s| s.max(0));
                    kpi.p90_seconds = super::nearest_rank(&seconds, 0.9).map(|s| s.max(0));
                }
            };
            while let Some(row) = rows.next().map_err(db)? {
                let (month, sender, seconds): (String, String, i64) =
                    (row.get(0).map_err(db)?, row.get(1).map_err(db)?, row.get(2).map_err(db)?);
                match &mut current {
                    Some((m, s, list)) if *m == month && *s == sender => list.push(seconds),
                    _ => {
                        finish(current.take(), &mut groups);
                        current = Some((month, sender, vec![seconds]));
                    }
                }
            }
            finish(current.take(), &mut groups);
            Ok(groups)
        })
        .await
    }

    async fn active_accounts(&self) -> Result<Vec<(String, u64)>, StoreError> {
        self.with(|c| {
            let mut statement = c
                .prepare("SELECT kind, count(*) FROM eaddress_accounts WHERE active GROUP BY kind ORDER BY kind")
                .map_err(db)?;
            let rows = statement
                .query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))
                .map_err(db)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(db)?;
            Ok(rows)
        })
        .await
    }

    async fn add_consent(&self, consent: Consent) -> Result<(), StoreError> {
        self.with(move |c| {
            c.execute(
                "INSERT INTO eaddress_consents (id, agent, device_id, rights, minutes, nonce, requested_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    consent.id.to_string(),
                    consent.agent,
                    consent.device_id.to_string(),
                    consent.rights.as_str(),
                    consent.minutes,
                    consent.nonce,
                    consent.requested_at
                ],
            )
            .map_err(db)?;
            Ok(())
        })
        .await
    }

    async fn consent(&self, id: Uuid) -> Result<Option<Consent>, StoreError> {
        self.with(move |c| {
            c.query_row(
                &format!("SELECT {CONSENT_COLUMNS} FROM eaddress_consents WHERE id = ?1"),
                params![id.to_string()],
                consent_from_row,
            )
            .optional()
            .map_err(db)?
            .transpose()
        })
        .await
    }

    async fn sign_consent(
        &self,
        id: Uuid,
        citizen: String,
        signed_at: DateTime<Utc>,
        valid_until: DateTime<Utc>,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<bool, StoreError> {
        self.with(move |c| {
            let signed = change_audited(
                c,
                "UPDATE eaddress_consents SET citizen = ?2, signed_at = ?3, valid_until = ?4
                 WHERE id = ?1 AND signed_at IS NULL AND ended_at IS NULL",
                params![id.to_string(), citizen, signed_at, valid_until],
                &audit,
                true,
            )?;
            Ok(signed == 1)
        })
        .await
    }

    async fn end_consent(
        &self,
        id: Uuid,
        at: DateTime<Utc>,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<bool, StoreError> {
        self.with(move |c| {
            let ended = change_audited(
                c,
                "UPDATE eaddress_consents SET ended_at = ?2 WHERE id = ?1 AND ended_at IS NULL",
                params![id.to_string(), at],
                &audit,
                true,
            )?;
            Ok(ended == 1)
        })
        .await
    }

    async fn active_consents(&self, agent: String, at: DateTime<Utc>) -> Result<Vec<Consent>, StoreError> {
        self.with(move |c| {
            let mut statement = c
                .prepare_cached(&format!(
                    "SELECT {CONSENT_COLUMNS} FROM eaddress_consents
                     WHERE agent = ?1 AND signed_at IS NOT NULL AND ended_at IS NULL AND valid_until > ?2"
                ))
                .map_err(db)?;
            let rows = statement
                .query_map(params![agent, at], consent_from_row)
                .map_err(db)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(db)?;
            rows.into_iter().collect()
        })
        .await
    }

    async fn append_audit(&self, entry: crate::audit::NewAuditEntry) -> Result<crate::audit::AuditEntry, StoreError> {
        self.with(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
            let recorded = append_audit_in(&tx, &entry)?;
            tx.commit().map_err(db)?;
            Ok(recorded)
        })
        .await
    }

    async fn audit_entries(&self, after_seq: i64, limit: u32) -> Result<Vec<crate::audit::AuditEntry>, StoreError> {
        self.with(move |c| {
            audit_rows(
                c,
                "SELECT seq, at, actor, action, subject, detail, prev_hash, hash FROM audit_log
                 WHERE seq > ?1 ORDER BY seq LIMIT ?2",
                params![after_seq, i64::from(limit)],
            )
        })
        .await
    }

    async fn audit_entries_about(
        &self,
        subject: String,
        before_seq: Option<i64>,
        limit: u32,
    ) -> Result<Vec<crate::audit::AuditEntry>, StoreError> {
        self.with(move |c| {
            audit_rows(
                c,
                "SELECT seq, at, actor, action, subject, detail, prev_hash, hash FROM audit_log
                 WHERE subject = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3",
                params![subject, before_seq.unwrap_or(i64::MAX), i64::from(limit)],
            )
        })
        .await
    }

    async fn audit_head(&self) -> Result<(i64, [u8; 32]), StoreError> {
        self.with(|c| {
            let (seq, hash): (i64, Vec<u8>) = c
                .query_row("SELECT seq, hash FROM audit_head WHERE only_row = 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(db)?;
            Ok((seq, hash_from_bytes(Some(hash))?.unwrap_or_default()))
        })
        .await
    }

    async fn auth_events(&self, limit: u32) -> Result<Vec<AuthEvent>, StoreError> {
        self.with(move |c| {
            let mut statement = c
                .prepare("SELECT at, kind, device_id, personal_code, detail FROM auth_events ORDER BY id DESC LIMIT ?1")
                .map_err(db)?;
            let rows = statement
                .query_map(params![limit], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get::<_, Option<String>>(2)?, r.get(3)?, r.get(4)?))
                })
                .map_err(db)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(db)?;
            rows.into_iter()
                .map(|(at, kind, device, personal_code, detail)| {
                    Ok(AuthEvent { at, kind, device_id: device.map(parse_uuid).transpose()?, personal_code, detail })
                })
                .collect()
        })
        .await
    }

    async fn apply_case_writes(
        &self,
        device_id: Uuid,
        writes: Vec<CaseWrite>,
        at: DateTime<Utc>,
    ) -> Result<Vec<Result<EntryEffect, StoreError>>, StoreError> {
        self.with(move |c| {
            let mut tx = c.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
            let mut results = Vec::with_capacity(writes.len());
            let mut written = Vec::new();
            for write in writes {
                let savepoint = tx.savepoint().map_err(db)?;
                let result = apply_case_write(&savepoint, device_id, &write, at);
                match &result {
                    Ok(EntryEffect::Applied) => {
                        savepoint.commit().map_err(db)?;
                        written.push(write.case_id());
                    }
                    // Rolled back when dropped: nothing of a failed or repeated write stays.
                    _ => drop(savepoint),
                }
                results.push(result);
            }
            position_cases(&tx, &written)?;
            tx.commit().map_err(db)?;
            Ok(results)
        })
        .await
    }

    async fn change_case(
        &self,
        case_id: Uuid,
        expected_status: &str,
        status: &str,
        document: String,
        at: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let (expected_status, status) = (expected_status.to_owned(), status.to_owned());
        self.with(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
            update_case_row(&tx, case_id, &expected_status, &status, &document, at)?;
            let seq = take_case_seqs(&tx, 1)?;
            tx.execute("UPDATE cases SET change_seq = ?2 WHERE id = ?1", params![case_id.to_string(), seq])
                .map_err(db)?;
            tx.commit().map_err(db)?;
            Ok(seq)
        })
        .await
    }

    async fn case(&self, id: Uuid) -> Result<Option<StoredCase>, StoreError> {
        self.with(move |c| {
            Ok(query_cases(c, &format!("SELECT {CASE_COLUMNS} FROM cases WHERE id = ?1"), params![id.to_string()])?
                .pop())
        })
        .await
    }

    async fn case_by_number(&self, number: &str) -> Result<Option<StoredCase>, StoreError> {
        let number = number.to_owned();
        self.with(move |c| {
            Ok(query_cases(c, &format!("SELECT {CASE_COLUMNS} FROM cases WHERE number = ?1"), params![number])?.pop())
        })
        .await
    }

    async fn case_changes(&self, scope: CaseScope, after: i64, limit: u32) -> Result<Vec<StoredCase>, StoreError> {
        self.with(move |c| match scope {
            CaseScope::Centre(centre) => query_cases(
                c,
                &format!(
                    "SELECT {CASE_COLUMNS} FROM cases WHERE centre_id = ?1 AND change_seq > ?2
                     ORDER BY change_seq LIMIT ?3"
                ),
                params![centre.to_string(), after, i64::from(limit)],
            ),
            CaseScope::Institution(institution) => query_cases(
                c,
                &format!(
                    "SELECT {CASE_COLUMNS} FROM cases
                     WHERE (holder_institution = ?1 OR provider_institution = ?1) AND change_seq > ?2
                     ORDER BY change_seq LIMIT ?3"
                ),
                params![institution, after, i64::from(limit)],
            ),
        })
        .await
    }

    async fn case_head(&self) -> Result<i64, StoreError> {
        self.with(|c| c.query_row("SELECT last FROM case_sequence", [], |r| r.get(0)).map_err(db)).await
    }

    async fn customer_cases(&self, customer_code: &str, limit: u32) -> Result<Vec<StoredCase>, StoreError> {
        let code = customer_code.to_owned();
        self.with(move |c| {
            query_cases(
                c,
                &format!(
                    "SELECT {CASE_COLUMNS} FROM cases WHERE customer_code = ?1 ORDER BY served_at DESC, id LIMIT ?2"
                ),
                params![code, i64::from(limit)],
            )
        })
        .await
    }

    async fn entry_applied(&self, entry_id: Uuid) -> Result<bool, StoreError> {
        self.with(move |c| {
            c.query_row(
                "SELECT EXISTS (SELECT 1 FROM applied_entries WHERE id = ?1)",
                params![entry_id.to_string()],
                |r| r.get(0),
            )
            .map_err(db)
        })
        .await
    }

    async fn case_statistics(&self) -> Result<Vec<ProvisionCount>, StoreError> {
        self.with(|c| {
            let mut statement = c
                .prepare(
                    "SELECT substr(served_at, 1, 7) AS month, service_id, holder_institution, channel, kind, count(*)
                     FROM cases GROUP BY month, service_id, holder_institution, channel, kind
                     ORDER BY month, service_id, holder_institution, channel, kind",
                )
                .map_err(db)?;
            let rows = statement
                .query_map([], |r| {
                    Ok(ProvisionCount {
                        month: r.get(0)?,
                        service_id: r.get(1)?,
                        institution: r.get(2)?,
                        channel: r.get(3)?,
                        kind: r.get(4)?,
                        cases: r.get::<_, i64>(5)? as u64,
                    })
                })
                .map_err(db)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(db)?;
            Ok(rows)
        })
        .await
    }

    async fn case_count(&self) -> Result<u64, StoreError> {
        self.with(|c| {
            c.query_row("SELECT count(*) FROM cases", [], |r| r.get::<_, i64>(0)).map_err(db).map(|n| n as u64)
        })
        .await
    }
}
