//! The production backend: PostgreSQL through tokio-postgres with a connection pool.

mod audit;
mod cases;
mod catalogue;
mod devices;
mod login;
mod mail;
mod statistics;
mod throttles;
mod training;

use std::{fmt, time::Duration};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use deadpool_postgres::{GenericClient, Manager, ManagerConfig, Pool, RecyclingMethod};
use domain::{Centre, DeviceKind};
use tokio_postgres::{NoTls, Row, error::SqlState};
use uuid::Uuid;

use crate::store::{
    Account, ArticleFlag, AuditStore, AuthEvent, CaseScope, CaseStore, CaseWrite, CatalogueStore, Consent,
    ContentStanding, Delegation, Delivery, Device, DeviceAuthRecord, DeviceStore, EntryEffect, FormSubmissionRow,
    Institution, InstitutionCaseRow, InstitutionKeyRecord, LastLogin, LoginNonce, LoginStore, MAX_DESKS_PER_CENTRE,
    MailStore, Migration, NewCentre, NewDevice, NewInstitutionCase, NewRelease, ProvisionCount, RecordChange,
    RecordKind, ReleaseInfo, Representative, RoleGrant, StatisticsStore, Store, StoreError, StoredCase, StoredMessage,
    StoredRecord, Upload, UserSession, account_kind, check_redeemable, hash_from_bytes, kind_text,
    last_writes_in_order, parse_kind, redact_password, right_of, roles_from_text, roles_to_text, versioned_document,
};

const MIGRATIONS: &[Migration] = super::migrations!("postgres");

/// Queries by their SQL text through the connection's statement cache (deadpool's): each is
/// prepared once per connection, and then costs one round trip instead of two (parse and
/// describe, then bind and execute). Issue 20: e-address sending made eight such pairs.
#[async_trait]
trait Cached: GenericClient {
    async fn query_cached(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<Vec<Row>, tokio_postgres::Error> {
        let statement = self.prepare_cached(sql).await?;
        self.query(&statement, params).await
    }

    async fn query_one_cached(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<Row, tokio_postgres::Error> {
        let statement = self.prepare_cached(sql).await?;
        self.query_one(&statement, params).await
    }

    async fn query_opt_cached(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<Option<Row>, tokio_postgres::Error> {
        let statement = self.prepare_cached(sql).await?;
        self.query_opt(&statement, params).await
    }

    async fn execute_cached(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<u64, tokio_postgres::Error> {
        let statement = self.prepare_cached(sql).await?;
        self.execute(&statement, params).await
    }
}

impl<T: GenericClient> Cached for T {}

/// Replaces a case still at `$2`, at the next feed position, which it returns (no row: the
/// case moved on, and the caller rolls the position back).
/// Appends an audit entry inside the caller's transaction; the head row's lock (held to the
/// commit) puts entries in commit order.
async fn append_audit_in(
    tx: &deadpool_postgres::Transaction<'_>,
    entry: &crate::audit::NewAuditEntry,
) -> Result<crate::audit::AuditEntry, StoreError> {
    static APPEND: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!("WITH {} SELECT seq, prev_hash, hash FROM entry", append_audit_ctes(1, None))
    });
    let hashed = crate::audit::hashed_fields(entry);
    let row = tx.query_one_cached(&APPEND, &audit_parameters(entry, &hashed)).await.map_err(db)?;
    Ok(crate::audit::AuditEntry {
        seq: row.get(0),
        at: entry.at,
        actor: entry.actor.clone(),
        action: entry.action.clone(),
        subject: entry.subject.clone(),
        detail: entry.detail.clone(),
        prev_hash: hash_from_bytes(Some(row.get(1)))?.unwrap_or(crate::audit::GENESIS),
        hash: hash_from_bytes(Some(row.get(2)))?.unwrap_or(crate::audit::GENESIS),
    })
}

/// CTEs that append an audit entry and move the chain's head in the statement they are part of,
/// the entry's hash made by PostgreSQL from the head it locks (`audit::HASH_PREFIX`, the previous
/// hash, the sequence number as 8 big-endian bytes, then `audit::hashed_fields`): nothing goes
/// back and forth while the head is held, so writers queue for the time of a statement, not of a
/// conversation. Its six parameters (from [`audit_parameters`]) are numbered from `first`; with
/// `after`, the entry is appended once per row of that earlier CTE (none: nothing appended, the
/// head not even locked). `entry` (seq, prev_hash, hash) is what was appended.
fn append_audit_ctes(first: usize, after: Option<&str>) -> String {
    let head = "SELECT seq, hash FROM audit_head WHERE only_row = 1 FOR UPDATE";
    let from = match after {
        Some(relation) => format!("{relation}, LATERAL ({head}) head"),
        None => format!("({head}) head"),
    };
    let [at, actor, action, subject, detail, hashed] = std::array::from_fn(|i| format!("${}", first + i));
    let prefix = String::from_utf8_lossy(crate::audit::HASH_PREFIX);
    format!(
        "entry AS (
             INSERT INTO audit_log (seq, at, actor, action, subject, detail, prev_hash, hash)
             SELECT head.seq + 1, {at}::timestamptz, {actor}::text, {action}::text, {subject}::text, {detail}::text, head.hash,
                    sha256(convert_to('{prefix}', 'UTF8') || head.hash || int8send(head.seq + 1) || {hashed}::bytea)
             FROM {from}
             RETURNING seq, prev_hash, hash
         ), moved AS (
             UPDATE audit_head SET seq = entry.seq, hash = entry.hash FROM entry WHERE only_row = 1
         )"
    )
}

/// The parameters of [`append_audit_ctes`], in order; `hashed` is `audit::hashed_fields(entry)`.
fn audit_parameters<'a>(
    entry: &'a crate::audit::NewAuditEntry,
    hashed: &'a Vec<u8>,
) -> [&'a (dyn tokio_postgres::types::ToSql + Sync); 6] {
    [&entry.at, &entry.actor, &entry.action, &entry.subject, &entry.detail, hashed]
}

/// Replaces a case still at `$2`; its feed position is given at the end of the push.
const UPDATE_CASE_UNPOSITIONED: &str =
    "UPDATE cases SET status = $3, document = $4, updated_at = $5 WHERE id = $1 AND status = $2 RETURNING id";

const UPDATE_CASE: &str = "WITH seq AS (UPDATE case_sequence SET last = last + 1 WHERE only_row = 1 RETURNING last)
    UPDATE cases SET status = $3, document = $4, updated_at = $5, change_seq = (SELECT last FROM seq)
    WHERE id = $1 AND status = $2 RETURNING change_seq";

const CASE_COLUMNS: &str = "id, number, service_id, kind, channel, status, centre_id, holder_institution,
    provider_institution, document, offline, served_at, updated_at, customer_code, change_seq";

const ACCOUNT_COLUMNS: &str = "address, kind, name, institution_id, centre_id, active, created_at, changed_at";

fn account_from_row(r: &Row) -> Result<Account, StoreError> {
    Ok(Account {
        address: r.get(0),
        kind: account_kind(r.get(1))?,
        name: r.get(2),
        institution_id: r.get(3),
        centre_id: r.get(4),
        active: r.get(5),
        created_at: r.get(6),
        changed_at: r.get(7),
    })
}

const MESSAGE_COLUMNS: &str =
    "m.id, m.sender, m.sent_by, m.subject, m.body, m.case_number, m.in_reply_to, m.attachments, m.sent_at";
const DELIVERY_COLUMNS: &str =
    "d.message_id, d.recipient, d.delivered_at, d.notified_on, d.read_at, d.read_by, d.deleted_at";

fn message_from_row(r: &Row, at: usize) -> StoredMessage {
    StoredMessage {
        id: r.get(at),
        sender: r.get(at + 1),
        sent_by: r.get(at + 2),
        subject: r.get(at + 3),
        body: r.get(at + 4),
        case_number: r.get(at + 5),
        in_reply_to: r.get(at + 6),
        attachments: r.get(at + 7),
        sent_at: r.get(at + 8),
    }
}

fn delivery_from_row(r: &Row, at: usize) -> Delivery {
    Delivery {
        message_id: r.get(at),
        recipient: r.get(at + 1),
        delivered_at: r.get(at + 2),
        notified_on: r.get(at + 3),
        read_at: r.get(at + 4),
        read_by: r.get(at + 5),
        deleted_at: r.get(at + 6),
    }
}

const DELEGATION_COLUMNS: &str = "id, mailbox, delegate, rights, granted_by, granted_at, ends_on, revoked_at";

fn delegation_from_row(r: &Row) -> Result<Delegation, StoreError> {
    Ok(Delegation {
        id: r.get(0),
        mailbox: r.get(1),
        delegate: r.get(2),
        rights: right_of(r.get(3))?,
        granted_by: r.get(4),
        granted_at: r.get(5),
        ends_on: r.get(6),
        revoked_at: r.get(7),
    })
}

const CONSENT_COLUMNS: &str =
    "id, agent, device_id, rights, minutes, nonce, requested_at, citizen, signed_at, valid_until, ended_at";

fn consent_from_row(r: &Row) -> Result<Consent, StoreError> {
    Ok(Consent {
        id: r.get(0),
        agent: r.get(1),
        device_id: r.get(2),
        rights: right_of(r.get(3))?,
        minutes: u32::try_from(r.get::<_, i32>(4)).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        nonce: r.get(5),
        requested_at: r.get(6),
        citizen: r.get(7),
        signed_at: r.get(8),
        valid_until: r.get(9),
        ended_at: r.get(10),
    })
}

fn case_from_row(r: &Row) -> StoredCase {
    StoredCase {
        id: r.get(0),
        number: r.get(1),
        service_id: r.get(2),
        kind: r.get(3),
        channel: r.get(4),
        status: r.get(5),
        centre_id: r.get(6),
        holder_institution: r.get(7),
        provider_institution: r.get(8),
        document: r.get(9),
        offline: r.get(10),
        served_at: r.get(11),
        updated_at: r.get(12),
        customer_code: r.get(13),
        change_seq: r.get::<_, Option<i64>>(14).unwrap_or(0),
    }
}

const RECORD_COLUMNS: &str = "kind, id, owner, version, retired, document, change_seq, changed_at";

/// Any number, as long as it is the same for every server: serialises concurrent migrations.
const MIGRATION_LOCK_KEY: i64 = 0x0050_4945_5455_5241;

const DEVICE_COLUMNS: &str = "d.id, d.kind, d.name, d.enrollment_expires_at, d.enrolled_at, d.last_seen_at, \
     d.revoked_at, d.created_at, c.id, c.name, c.municipality, c.code, d.desk_number, d.reported_version, d.reported_outbox";

#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
    shown_url: String,
    /// E-address messages to write, in the order they come (`mail::write_sends`).
    sends: tokio::sync::mpsc::UnboundedSender<mail::QueuedSend>,
}

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresStore").field("url", &self.shown_url).finish()
    }
}

fn db(error: tokio_postgres::Error) -> StoreError {
    map_err(error, || "the record".into())
}

fn map_err(error: tokio_postgres::Error, what: impl FnOnce() -> String) -> StoreError {
    match error.code() {
        Some(code) if *code == SqlState::UNIQUE_VIOLATION => StoreError::Conflict { what: what() },
        Some(code) if *code == SqlState::FOREIGN_KEY_VIOLATION => StoreError::NotFound { what: what() },
        _ => StoreError::Unavailable(error.to_string()),
    }
}

/// An audit entry from a row of its eight columns, in their order.
fn audit_entry_of(r: &Row) -> Result<crate::audit::AuditEntry, StoreError> {
    Ok(crate::audit::AuditEntry {
        seq: r.get(0),
        at: r.get(1),
        actor: r.get(2),
        action: r.get(3),
        subject: r.get(4),
        detail: r.get(5),
        prev_hash: hash_from_bytes(Some(r.get(6)))?.unwrap_or_default(),
        hash: hash_from_bytes(Some(r.get(7)))?.unwrap_or_default(),
    })
}

fn pool_err(error: deadpool_postgres::PoolError) -> StoreError {
    // The causes too: "error performing TLS handshake" alone does not say the certificate's
    // issuer is unknown.
    let mut message = format!("no database connection: {error}");
    let mut cause = std::error::Error::source(&error);
    while let Some(inner) = cause {
        message.push_str(&format!(": {inner}"));
        cause = inner.source();
    }
    StoreError::Unavailable(message)
}

fn centre_from_row(row: &Row) -> Centre {
    Centre { id: row.get(0), name: row.get(1), municipality: row.get(2), code: row.get(3) }
}

fn device_from_row(row: &Row) -> Result<Device, StoreError> {
    Ok(Device {
        id: row.get(0),
        kind: parse_kind(row.get(1))?,
        name: row.get(2),
        enrollment_expires_at: row.get(3),
        enrolled_at: row.get(4),
        last_seen_at: row.get(5),
        revoked_at: row.get(6),
        created_at: row.get(7),
        centre: Centre { id: row.get(8), name: row.get(9), municipality: row.get(10), code: row.get(11) },
        desk_number: row.get::<_, Option<i16>>(12).and_then(|n| u8::try_from(n).ok()),
        reported_version: row.get(13),
        reported_outbox: row.get::<_, Option<&str>>(14).and_then(protocol::OutboxReport::parse),
    })
}

fn record_from_row(row: &Row) -> Result<StoredRecord, StoreError> {
    let version: i64 = row.get(3);
    Ok(StoredRecord {
        kind: RecordKind::parse(row.get(0))?,
        id: row.get(1),
        owner: row.get(2),
        version: version as u64,
        retired: row.get(4),
        document: row.get(5),
        seq: row.get(6),
        changed_at: row.get(7),
    })
}

fn institution_from_row(row: &Row) -> Institution {
    Institution { id: row.get(0), name: row.get(1), is_central_editor: row.get(2), created_at: row.get(3) }
}

const INSTITUTION_KEY_SELECT: &str =
    "SELECT i.id, i.name, i.is_central_editor, i.created_at, k.secret_hash, k.revoked_at, k.id, k.created_at, k.expires_at
     FROM institution_keys k JOIN institutions i ON i.id = k.institution_id";

fn institution_key_from_row(row: &Row) -> Result<InstitutionKeyRecord, StoreError> {
    Ok(InstitutionKeyRecord {
        key_id: row.get(6),
        institution: institution_from_row(row),
        secret_hash: hash_from_bytes(Some(row.get(4)))?.unwrap_or_default(),
        created_at: row.get(7),
        expires_at: row.get(8),
        revoked_at: row.get(5),
    })
}

async fn load_device(client: &impl GenericClient, id: Uuid) -> Result<Option<Device>, StoreError> {
    let sql = format!("SELECT {DEVICE_COLUMNS} FROM devices d JOIN centres c ON c.id = d.centre_id WHERE d.id = $1");
    client.query_opt_cached(&sql, &[&id]).await.map_err(db)?.as_ref().map(device_from_row).transpose()
}

impl PostgresStore {
    /// One change and its audit entry in one transaction (the entry only when something
    /// changed, if `only_if_changed`); answers the rows changed.
    async fn change_audited(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
        audit: &crate::audit::NewAuditEntry,
        only_if_changed: bool,
    ) -> Result<u64, StoreError> {
        let mut client = self.pool.get().await.map_err(pool_err)?;
        let tx = client.transaction().await.map_err(db)?;
        let changed = tx.execute_cached(sql, params).await.map_err(db)?;
        if changed > 0 || !only_if_changed {
            append_audit_in(&tx, audit).await?;
        }
        tx.commit().await.map_err(db)?;
        Ok(changed)
    }

    async fn query_cases(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<Vec<StoredCase>, StoreError> {
        self.select(sql, params, case_from_row).await
    }

    /// Runs a query on a pooled connection and maps every row it returns.
    async fn select<T>(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
        from_row: impl Fn(&tokio_postgres::Row) -> T,
    ) -> Result<Vec<T>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        // Prepared once per connection (deadpool's statement cache): a query then costs one
        // round trip instead of two (parse and describe, then bind and execute).
        let statement = client.prepare_cached(sql).await.map_err(db)?;
        let rows = client.query(&statement, params).await.map_err(db)?;
        Ok(rows.iter().map(from_row).collect())
    }

    /// Connects and checks the connection works, so a wrong URL fails at start-up.
    ///
    /// `sslmode` is honoured: `require`, `verify-ca` and `verify-full` connect over TLS
    /// (rustls) and always verify the server's certificate and name, against `sslrootcert`
    /// (a PEM file) or the system's roots; without TLS the connection is refused. `disable`,
    /// `prefer` or none connect in the clear (a warning says so unless the server is on this
    /// machine).
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let shown_url = redact_password(url);
        let invalid = |e: String| StoreError::Unavailable(format!("the PostgreSQL URL {shown_url} is not valid: {e}"));
        let (url, tls) = tls_settings(url).map_err(invalid)?;
        let mut config: tokio_postgres::Config =
            url.parse().map_err(|e: tokio_postgres::Error| invalid(e.to_string()))?;
        config.connect_timeout(Duration::from_secs(5));
        config.application_name("pietura-server");
        let recycling = ManagerConfig { recycling_method: RecyclingMethod::Fast };
        let manager = match tls {
            Some(roots) => {
                config.ssl_mode(tokio_postgres::config::SslMode::Require);
                let client = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
                    rustls::crypto::ring::default_provider(),
                ))
                .with_safe_default_protocol_versions()
                .map_err(|e| invalid(e.to_string()))?
                .with_root_certificates(roots.map_err(invalid)?)
                .with_no_client_auth();
                Manager::from_config(config, tokio_postgres_rustls::MakeRustlsConnect::new(client), recycling)
            }
            None => {
                let local = config.get_hosts().iter().all(|host| match host {
                    tokio_postgres::config::Host::Tcp(name) => {
                        matches!(name.as_str(), "localhost" | "127.0.0.1" | "::1")
                    }
                    #[cfg(unix)]
                    tokio_postgres::config::Host::Unix(_) => true,
                });
                if !local {
                    tracing::warn!(url = %shown_url, "PostgreSQL without TLS: add sslmode=verify-full to the URL");
                }
                Manager::from_config(config, NoTls, recycling)
            }
        };
        let pool = Pool::builder(manager)
            .max_size(16)
            .wait_timeout(Some(Duration::from_secs(10)))
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .build()
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let (sends, queue) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(mail::write_sends(pool.clone(), queue));
        let store = Self { pool, shown_url, sends };
        store.ping().await.map_err(|e| StoreError::Unavailable(format!("{}: {e}", store.shown_url)))?;
        Ok(store)
    }
}

/// The URL without the settings tokio-postgres does not read itself, and the TLS roots when
/// `sslmode` asks for TLS (`None`: no TLS).
#[allow(clippy::type_complexity)]
fn tls_settings(url: &str) -> Result<(String, Option<Result<rustls::RootCertStore, String>>), String> {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut kept = Vec::new();
    let (mut mode, mut root_file) = (None, None);
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("sslmode", value)) => mode = Some(value.to_owned()),
            Some(("sslrootcert", value)) => root_file = Some(value.to_owned()),
            _ => kept.push(pair),
        }
    }
    let tls = match mode.as_deref() {
        None | Some("disable" | "allow" | "prefer") => false,
        Some("require" | "verify-ca" | "verify-full") => true,
        Some(other) => {
            return Err(format!("sslmode {other:?}: use disable, prefer, require, verify-ca or verify-full"));
        }
    };
    if !tls && root_file.is_some() {
        return Err("sslrootcert is given, but sslmode does not ask for TLS: add sslmode=verify-full".into());
    }
    let url = if kept.is_empty() { base.to_owned() } else { format!("{base}?{}", kept.join("&")) };
    let roots = tls.then(|| {
        let mut roots = rustls::RootCertStore::empty();
        match root_file {
            Some(path) => {
                use rustls::pki_types::{CertificateDer, pem::PemObject};
                let path = percent_encoding::percent_decode_str(&path).decode_utf8_lossy().into_owned();
                for certificate in
                    CertificateDer::pem_file_iter(&path).map_err(|e| format!("sslrootcert {path}: {e}"))?
                {
                    roots
                        .add(certificate.map_err(|e| format!("sslrootcert {path}: {e}"))?)
                        .map_err(|e| format!("sslrootcert {path}: {e}"))?;
                }
            }
            None => {
                let native = rustls_native_certs::load_native_certs();
                roots.add_parsable_certificates(native.certs);
            }
        }
        if roots.is_empty() {
            return Err("no trusted certificate for the PostgreSQL server: give sslrootcert".into());
        }
        Ok(roots)
    });
    Ok((url, roots))
}

#[async_trait]
impl Store for PostgresStore {
    async fn migrate(&self) -> Result<(), StoreError> {
        let mut client = self.pool.get().await.map_err(pool_err)?;
        let tx = client.transaction().await.map_err(db)?;
        tx.execute_cached("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK_KEY]).await.map_err(db)?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                 version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
        )
        .await
        .map_err(db)?;
        let current: i64 = tx
            .query_one_cached("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", &[])
            .await
            .map_err(db)?
            .get(0);
        if current > MIGRATIONS.last().map_or(0, |m| m.0) {
            return Err(StoreError::Corrupt(format!(
                "the database is at schema version {current}, newer than this server knows: run a newer pietura-server"
            )));
        }
        for (version, name, sql) in MIGRATIONS.iter().filter(|m| m.0 > current) {
            tracing::info!(version, name, "applying PostgreSQL migration");
            tx.batch_execute(sql).await.map_err(db)?;
            tx.execute_cached("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", &[version, name])
                .await
                .map_err(db)?;
        }
        tx.commit().await.map_err(db)
    }

    async fn schema_version(&self) -> Result<i64, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        Ok(client
            .query_one_cached("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", &[])
            .await
            .map_err(db)?
            .get(0))
    }

    async fn ping(&self) -> Result<(), StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        client.query_one_cached("SELECT 1", &[]).await.map_err(db)?;
        Ok(())
    }

    async fn claim_environment(&self, environment: &str) -> Result<String, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        client
            .execute_cached(
                "INSERT INTO server_environment (id, environment) VALUES (1, $1) ON CONFLICT (id) DO NOTHING",
                &[&environment],
            )
            .await
            .map_err(db)?;
        Ok(client
            .query_one_cached("SELECT environment FROM server_environment WHERE id = 1", &[])
            .await
            .map_err(db)?
            .get(0))
    }
}
