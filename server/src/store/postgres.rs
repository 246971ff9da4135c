//! The production backend: PostgreSQL through tokio-postgres with a connection pool.

use std::{fmt, time::Duration};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use deadpool_postgres::{GenericClient, Manager, ManagerConfig, Pool, RecyclingMethod};
use domain::{Centre, DeviceKind};
use tokio_postgres::{NoTls, Row, error::SqlState};
use uuid::Uuid;

use super::{
    Account, ArticleFlag, AuthEvent, CaseScope, CaseWrite, Consent, ContentStanding, Delegation, Delivery, Device,
    DeviceAuthRecord, EntryEffect, Institution, InstitutionKeyRecord, LoginNonce, MAX_DESKS_PER_CENTRE, Migration,
    NewCentre, NewDevice, ProvisionCount, RecordChange, RecordKind, Representative, RoleGrant, Store, StoreError,
    StoredCase, StoredMessage, StoredRecord, Upload, UserSession, account_kind, check_redeemable, hash_from_bytes,
    kind_text, last_writes_in_order, parse_kind, redact_password, right_of, roles_from_text, roles_to_text,
    versioned_document,
};

const MIGRATIONS: &[Migration] = &[
    (1, "centres_and_devices", include_str!("../../migrations/postgres/0001_centres_and_devices.sql")),
    (2, "catalogue", include_str!("../../migrations/postgres/0002_catalogue.sql")),
    (3, "eid_login", include_str!("../../migrations/postgres/0003_eid_login.sql")),
    (4, "cases", include_str!("../../migrations/postgres/0004_cases.sql")),
    (
        5,
        "centre_codes_and_desk_numbers",
        include_str!("../../migrations/postgres/0005_centre_codes_and_desk_numbers.sql"),
    ),
    (6, "case_feed", include_str!("../../migrations/postgres/0006_case_feed.sql")),
    (7, "audit_log", include_str!("../../migrations/postgres/0007_audit_log.sql")),
    (8, "eaddress", include_str!("../../migrations/postgres/0008_eaddress.sql")),
    (9, "eaddress_representatives", include_str!("../../migrations/postgres/0009_eaddress_representatives.sql")),
    (10, "institution_key_expiry", include_str!("../../migrations/postgres/0010_institution_key_expiry.sql")),
    (11, "attachment_uploads", include_str!("../../migrations/postgres/0011_attachment_uploads.sql")),
];

/// Replaces a case still at `$2`, at the next feed position, which it returns (no row: the
/// case moved on, and the caller rolls the position back).
/// Appends an audit entry inside the caller's transaction; the head row's lock (held to the
/// commit) puts entries in commit order.
async fn append_audit_in(
    tx: &deadpool_postgres::Transaction<'_>,
    entry: &crate::audit::NewAuditEntry,
) -> Result<crate::audit::AuditEntry, StoreError> {
    let head = tx.query_one("SELECT seq, hash FROM audit_head WHERE only_row = 1 FOR UPDATE", &[]).await.map_err(db)?;
    let last: i64 = head.get(0);
    let prev_hash = hash_from_bytes(Some(head.get(1)))?.unwrap_or(crate::audit::GENESIS);
    let seq = last + 1;
    let hash = crate::audit::entry_hash(&prev_hash, seq, entry);
    tx.execute(
        "INSERT INTO audit_log (seq, at, actor, action, subject, detail, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[&seq, &entry.at, &entry.actor, &entry.action, &entry.subject, &entry.detail, &prev_hash.as_slice(), &hash.as_slice()],
    )
    .await
    .map_err(db)?;
    tx.execute("UPDATE audit_head SET seq = $1, hash = $2 WHERE only_row = 1", &[&seq, &hash.as_slice()])
        .await
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
     d.revoked_at, d.created_at, c.id, c.name, c.municipality, c.code, d.desk_number";

#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
    shown_url: String,
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
    client.query_opt(&sql, &[&id]).await.map_err(db)?.as_ref().map(device_from_row).transpose()
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
        let changed = tx.execute(sql, params).await.map_err(db)?;
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
        let client = self.pool.get().await.map_err(pool_err)?;
        let rows = client.query(sql, params).await.map_err(db)?;
        Ok(rows.iter().map(case_from_row).collect())
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
        let store = Self { pool, shown_url };
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
                let path = percent_decoded(&path);
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

/// `%2F` and friends in a URL's value, as the path they stand for.
fn percent_decoded(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(byte) = value.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[async_trait]
impl Store for PostgresStore {
    async fn migrate(&self) -> Result<(), StoreError> {
        let mut client = self.pool.get().await.map_err(pool_err)?;
        let tx = client.transaction().await.map_err(db)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK_KEY]).await.map_err(db)?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                 version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
        )
        .await
        .map_err(db)?;
        let current: i64 =
            tx.query_one("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", &[]).await.map_err(db)?.get(0);
        if current > MIGRATIONS.last().map_or(0, |m| m.0) {
            return Err(StoreError::Corrupt(format!(
                "the database is at schema version {current}, newer than this server knows: run a newer pietura-server"
            )));
        }
        for (version, name, sql) in MIGRATIONS.iter().filter(|m| m.0 > current) {
            tracing::info!(version, name, "applying PostgreSQL migration");
            tx.batch_execute(sql).await.map_err(db)?;
            tx.execute("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", &[version, name])
                .await
                .map_err(db)?;
        }
        tx.commit().await.map_err(db)
    }

    async fn schema_version(&self) -> Result<i64, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        Ok(client.query_one("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", &[]).await.map_err(db)?.get(0))
    }

    async fn ping(&self) -> Result<(), StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        client.query_one("SELECT 1", &[]).await.map_err(db)?;
        Ok(())
    }

    async fn add_centre(&self, centre: NewCentre) -> Result<Centre, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        client
            .execute(
                "INSERT INTO centres (id, name, municipality, code, created_at) VALUES ($1, $2, $3, $4, $5)",
                &[&centre.id, &centre.name, &centre.municipality, &centre.code, &centre.created_at],
            )
            .await
            .map_err(|e| {
                map_err(e, || format!("a centre named {:?} or with the code {:?}", centre.name, centre.code))
            })?;
        Ok(Centre { id: centre.id, name: centre.name, municipality: centre.municipality, code: centre.code })
    }

    async fn list_centres(&self) -> Result<Vec<Centre>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let rows = client
            .query("SELECT id, name, municipality, code FROM centres ORDER BY name COLLATE \"C\", id", &[])
            .await
            .map_err(db)?;
        Ok(rows.iter().map(centre_from_row).collect())
    }

    async fn find_centre_by_name(&self, name: &str) -> Result<Option<Centre>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let row = client
            .query_opt("SELECT id, name, municipality, code FROM centres WHERE name = $1", &[&name])
            .await
            .map_err(db)?;
        Ok(row.as_ref().map(centre_from_row))
    }

    async fn add_device(&self, device: NewDevice) -> Result<Device, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let centre_exists: bool = client
            .query_one("SELECT EXISTS (SELECT 1 FROM centres WHERE id = $1)", &[&device.centre_id])
            .await
            .map_err(db)?
            .get(0);
        if !centre_exists {
            return Err(StoreError::NotFound { what: format!("centre {}", device.centre_id) });
        }
        // Desks are numbered in their centre; numbers are never reused, so a re-enrolled desk never
        // repeats an old desk's case numbers. Two racing adds clash on the unique index.
        let desk_number: Option<i16> = match device.kind {
            DeviceKind::Desk => Some(
                client
                    .query_one(
                        "SELECT (COALESCE(MAX(desk_number), 0) + 1)::SMALLINT FROM devices WHERE centre_id = $1",
                        &[&device.centre_id],
                    )
                    .await
                    .map_err(db)?
                    .get(0),
            ),
            DeviceKind::Kiosk => None,
        };
        if desk_number.is_some_and(|n| n > i16::from(MAX_DESKS_PER_CENTRE)) {
            return Err(StoreError::Conflict {
                what: format!("more than {MAX_DESKS_PER_CENTRE} desks in this centre"),
            });
        }
        client
            .execute(
                "INSERT INTO devices (id, centre_id, kind, name, enrollment_code_hash, enrollment_expires_at, created_at,
                                      desk_number)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                &[
                    &device.id,
                    &device.centre_id,
                    &device.kind.as_str(),
                    &device.name,
                    &device.enrollment_code_hash.as_slice(),
                    &device.enrollment_expires_at,
                    &device.created_at,
                    &desk_number,
                ],
            )
            .await
            .map_err(|e| map_err(e, || format!("a device named {:?} in this centre (or the same enrollment code)", device.name)))?;
        load_device(&client, device.id)
            .await?
            .ok_or_else(|| StoreError::NotFound { what: format!("device {}", device.id) })
    }

    async fn list_devices(&self) -> Result<Vec<Device>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let sql = format!(
            "SELECT {DEVICE_COLUMNS} FROM devices d JOIN centres c ON c.id = d.centre_id \
             ORDER BY c.name COLLATE \"C\", d.name COLLATE \"C\", d.created_at"
        );
        client.query(&sql, &[]).await.map_err(db)?.iter().map(device_from_row).collect()
    }

    async fn revoke_device(&self, id: Uuid, at: DateTime<Utc>) -> Result<Device, StoreError> {
        let mut client = self.pool.get().await.map_err(pool_err)?;
        let tx = client.transaction().await.map_err(db)?;
        tx.execute("UPDATE devices SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1", &[&id, &at])
            .await
            .map_err(db)?;
        tx.execute("UPDATE user_sessions SET ended_at = $2 WHERE device_id = $1 AND ended_at IS NULL", &[&id, &at])
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        load_device(&client, id).await?.ok_or_else(|| StoreError::NotFound { what: format!("device {id}") })
    }

    async fn redeem_enrollment_code(
        &self,
        code_hash: [u8; 32],
        secret_hash: [u8; 32],
        now: DateTime<Utc>,
    ) -> Result<Device, StoreError> {
        let mut client = self.pool.get().await.map_err(pool_err)?;
        let tx = client.transaction().await.map_err(db)?;
        // FOR UPDATE: two devices racing with one code are serialised; the second sees it used.
        let row = tx
            .query_opt(
                "SELECT id, enrolled_at, revoked_at, enrollment_expires_at FROM devices
                 WHERE enrollment_code_hash = $1 FOR UPDATE",
                &[&code_hash.as_slice()],
            )
            .await
            .map_err(db)?
            .ok_or(StoreError::EnrollmentCodeUnknown)?;
        let id: Uuid = row.get(0);
        check_redeemable(row.get(1), row.get(2), row.get(3), now)?;
        tx.execute(
            "UPDATE devices SET enrolled_at = $2, secret_hash = $3, last_seen_at = $2 WHERE id = $1",
            &[&id, &now, &secret_hash.as_slice()],
        )
        .await
        .map_err(db)?;
        let device = load_device(&tx, id).await?.ok_or(StoreError::EnrollmentCodeUnknown)?;
        tx.commit().await.map_err(db)?;
        Ok(device)
    }

    async fn renew_enrollment_code(
        &self,
        id: Uuid,
        code_hash: [u8; 32],
        expires_at: DateTime<Utc>,
    ) -> Result<Device, StoreError> {
        let mut client = self.pool.get().await.map_err(pool_err)?;
        let tx = client.transaction().await.map_err(db)?;
        let row = tx
            .query_opt("SELECT enrolled_at, revoked_at FROM devices WHERE id = $1 FOR UPDATE", &[&id])
            .await
            .map_err(db)?
            .ok_or_else(|| StoreError::NotFound { what: format!("device {id}") })?;
        let (enrolled_at, revoked_at): (Option<DateTime<Utc>>, Option<DateTime<Utc>>) = (row.get(0), row.get(1));
        if enrolled_at.is_some() || revoked_at.is_some() {
            return Err(StoreError::DeviceNotWaiting(id));
        }
        tx.execute(
            "UPDATE devices SET enrollment_code_hash = $2, enrollment_expires_at = $3 WHERE id = $1",
            &[&id, &code_hash.as_slice(), &expires_at],
        )
        .await
        .map_err(|e| map_err(e, || "the same enrollment code".into()))?;
        let device =
            load_device(&tx, id).await?.ok_or_else(|| StoreError::NotFound { what: format!("device {id}") })?;
        tx.commit().await.map_err(db)?;
        Ok(device)
    }

    async fn device_auth_record(&self, id: Uuid) -> Result<Option<DeviceAuthRecord>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let Some(device) = load_device(&client, id).await? else { return Ok(None) };
        let hash: Option<Vec<u8>> =
            client.query_one("SELECT secret_hash FROM devices WHERE id = $1", &[&id]).await.map_err(db)?.get(0);
        Ok(Some(DeviceAuthRecord { device, secret_hash: hash_from_bytes(hash)? }))
    }

    async fn record_device_seen(&self, id: Uuid, at: DateTime<Utc>) -> Result<(), StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        client.execute("UPDATE devices SET last_seen_at = $2 WHERE id = $1", &[&id, &at]).await.map_err(db)?;
        Ok(())
    }

    async fn add_institution(&self, institution: Institution) -> Result<Institution, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        client
            .execute(
                "INSERT INTO institutions (id, name, is_central_editor, created_at) VALUES ($1, $2, $3, $4)",
                &[&institution.id, &institution.name, &institution.is_central_editor, &institution.created_at],
            )
            .await
            .map_err(|e| map_err(e, || format!("an institution with the id {:?}", institution.id)))?;
        Ok(institution)
    }

    async fn list_institutions(&self) -> Result<Vec<Institution>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let rows = client
            .query("SELECT id, name, is_central_editor, created_at FROM institutions ORDER BY name, id", &[])
            .await
            .map_err(db)?;
        Ok(rows.iter().map(institution_from_row).collect())
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
        let mut client = self.pool.get().await.map_err(pool_err)?;
        let tx = client.transaction().await.map_err(db)?;
        tx.execute(
            "INSERT INTO institution_keys (id, institution_id, secret_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
            &[&key_id, &institution_id, &secret_hash.as_slice(), &at, &expires_at],
        )
        .await
        .map_err(|e| map_err(e, || format!("institution {institution_id}")))?;
        append_audit_in(&tx, &audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn institution_key_record(&self, key_id: Uuid) -> Result<Option<InstitutionKeyRecord>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let sql = format!("{INSTITUTION_KEY_SELECT} WHERE k.id = $1");
        client.query_opt(&sql, &[&key_id]).await.map_err(db)?.as_ref().map(institution_key_from_row).transpose()
    }

    async fn institution_keys(&self, institution_id: Option<String>) -> Result<Vec<InstitutionKeyRecord>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let sql = format!(
            "{INSTITUTION_KEY_SELECT} WHERE $1::TEXT IS NULL OR k.institution_id = $1 ORDER BY k.created_at, k.id"
        );
        client.query(&sql, &[&institution_id]).await.map_err(db)?.iter().map(institution_key_from_row).collect()
    }

    async fn revoke_institution_key(
        &self,
        key_id: Uuid,
        at: DateTime<Utc>,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<Option<InstitutionKeyRecord>, StoreError> {
        let mut client = self.pool.get().await.map_err(pool_err)?;
        let tx = client.transaction().await.map_err(db)?;
        let changed = tx
            .execute(
                "UPDATE institution_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
                &[&key_id, &at],
            )
            .await
            .map_err(db)?;
        if changed > 0 {
            append_audit_in(&tx, &audit).await?;
        }
        let sql = format!("{INSTITUTION_KEY_SELECT} WHERE k.id = $1");
        let record =
            tx.query_opt(&sql, &[&key_id]).await.map_err(db)?.as_ref().map(institution_key_from_row).transpose()?;
        tx.commit().await.map_err(db)?;
        Ok(record)
    }

    async fn apply_catalogue_changes(
        &self,
        changes: Vec<RecordChange>,
        at: DateTime<Utc>,
    ) -> Result<Vec<StoredRecord>, StoreError> {
        let mut client = self.pool.get().await.map_err(pool_err)?;
        let tx = client.transaction().await.map_err(db)?;
        // The counter row's lock is held until commit, so feed positions are handed out in commit
        // order: a reader never sees position n+1 before n.
        let select = tx
            .prepare("SELECT version FROM catalogue_records WHERE kind = $1 AND id = $2 FOR UPDATE")
            .await
            .map_err(db)?;
        let next = tx.prepare("UPDATE catalogue_sequence SET last = last + 1 RETURNING last").await.map_err(db)?;
        let upsert = tx
            .prepare(
                "INSERT INTO catalogue_records (kind, id, owner, version, retired, document, change_seq, changed_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT (kind, id) DO UPDATE SET owner = excluded.owner, version = excluded.version,
                     retired = excluded.retired, document = excluded.document,
                     change_seq = excluded.change_seq, changed_at = excluded.changed_at",
            )
            .await
            .map_err(db)?;
        let mut stored = Vec::with_capacity(changes.len());
        for change in &changes {
            let current: Option<i64> =
                tx.query_opt(&select, &[&change.kind.as_str(), &change.id]).await.map_err(db)?.map(|r| r.get(0));
            let (version, document) = versioned_document(change, current.map(|v| v as u64))?;
            let seq: i64 = tx.query_one(&next, &[]).await.map_err(db)?.get(0);
            tx.execute(
                &upsert,
                &[
                    &change.kind.as_str(),
                    &change.id,
                    &change.owner,
                    &(version as i64),
                    &change.retired,
                    &document,
                    &seq,
                    &at,
                ],
            )
            .await
            .map_err(db)?;
            if change.kind == RecordKind::Article {
                tx.execute("DELETE FROM article_services WHERE article_id = $1", &[&change.id]).await.map_err(db)?;
                if !change.retired {
                    for service in &change.linked_services {
                        tx.execute(
                            "INSERT INTO article_services (article_id, service_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                            &[&change.id, service],
                        )
                        .await
                        .map_err(db)?;
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
        tx.commit().await.map_err(db)?;
        Ok(stored)
    }

    async fn catalogue_record(&self, kind: RecordKind, id: &str) -> Result<Option<StoredRecord>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let sql = format!("SELECT {RECORD_COLUMNS} FROM catalogue_records WHERE kind = $1 AND id = $2");
        client.query_opt(&sql, &[&kind.as_str(), &id]).await.map_err(db)?.as_ref().map(record_from_row).transpose()
    }

    async fn catalogue_records(&self, kind: RecordKind) -> Result<Vec<StoredRecord>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let sql = format!("SELECT {RECORD_COLUMNS} FROM catalogue_records WHERE kind = $1 ORDER BY id");
        client.query(&sql, &[&kind.as_str()]).await.map_err(db)?.iter().map(record_from_row).collect()
    }

    async fn articles_linked_to(&self, service_id: &str) -> Result<Vec<StoredRecord>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let sql = format!(
            "SELECT {RECORD_COLUMNS} FROM catalogue_records WHERE kind = 'article' AND id IN
             (SELECT article_id FROM article_services WHERE service_id = $1) ORDER BY id"
        );
        client.query(&sql, &[&service_id]).await.map_err(db)?.iter().map(record_from_row).collect()
    }

    async fn catalogue_changes(&self, after: i64, limit: u32) -> Result<Vec<StoredRecord>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let sql = format!(
            "SELECT {RECORD_COLUMNS} FROM catalogue_records WHERE change_seq > $1 ORDER BY change_seq LIMIT $2"
        );
        client.query(&sql, &[&after, &i64::from(limit)]).await.map_err(db)?.iter().map(record_from_row).collect()
    }

    async fn catalogue_head(&self) -> Result<i64, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        Ok(client.query_one("SELECT last FROM catalogue_sequence", &[]).await.map_err(db)?.get(0))
    }

    async fn add_article_flag(&self, flag: ArticleFlag) -> Result<(), StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        client
            .execute(
                "INSERT INTO article_flags (id, article_id, owner, reason, note, device_id, centre_name, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                &[
                    &flag.id,
                    &flag.article_id,
                    &flag.owner,
                    &flag.reason,
                    &flag.note,
                    &flag.device_id,
                    &flag.centre_name,
                    &flag.created_at,
                ],
            )
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn article_flags(&self, owner: Option<&str>) -> Result<Vec<ArticleFlag>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let rows = client
            .query(
                "SELECT id, article_id, owner, reason, note, device_id, centre_name, created_at FROM article_flags
                 WHERE $1::TEXT IS NULL OR owner = $1 ORDER BY created_at, id",
                &[&owner],
            )
            .await
            .map_err(db)?;
        Ok(rows
            .iter()
            .map(|r| ArticleFlag {
                id: r.get(0),
                article_id: r.get(1),
                owner: r.get(2),
                reason: r.get(3),
                note: r.get(4),
                device_id: r.get(5),
                centre_name: r.get(6),
                created_at: r.get(7),
            })
            .collect())
    }

    async fn add_login_nonce(&self, nonce: LoginNonce, now: DateTime<Utc>) -> Result<(), StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        client.execute("DELETE FROM login_nonces WHERE expires_at < $1", &[&now]).await.map_err(db)?;
        client
            .execute(
                "INSERT INTO login_nonces (nonce_hash, device_id, issued_at, expires_at) VALUES ($1, $2, $3, $4)",
                &[&nonce.nonce_hash.as_slice(), &nonce.device_id, &nonce.issued_at, &nonce.expires_at],
            )
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn take_login_nonce(&self, nonce_hash: [u8; 32]) -> Result<Option<LoginNonce>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let row = client
            .query_opt(
                "DELETE FROM login_nonces WHERE nonce_hash = $1 RETURNING device_id, issued_at, expires_at",
                &[&nonce_hash.as_slice()],
            )
            .await
            .map_err(db)?;
        Ok(row.map(|r| LoginNonce { nonce_hash, device_id: r.get(0), issued_at: r.get(1), expires_at: r.get(2) }))
    }

    async fn grant_role(
        &self,
        personal_code: &str,
        role: domain::Role,
        centre_id: Uuid,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        client
            .execute(
                "INSERT INTO role_grants (personal_code, role, centre_id, granted_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT DO NOTHING",
                &[&personal_code, &role.as_str(), &centre_id, &at],
            )
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn revoke_role(
        &self,
        personal_code: &str,
        role: domain::Role,
        centre_id: Uuid,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut client = self.pool.get().await.map_err(pool_err)?;
        let tx = client.transaction().await.map_err(db)?;
        let removed = tx
            .execute(
                "DELETE FROM role_grants WHERE personal_code = $1 AND role = $2 AND centre_id = $3",
                &[&personal_code, &role.as_str(), &centre_id],
            )
            .await
            .map_err(db)?;
        tx.execute(
            "UPDATE user_sessions SET ended_at = $3
             WHERE personal_code = $1 AND ended_at IS NULL
               AND device_id IN (SELECT id FROM devices WHERE centre_id = $2)",
            &[&personal_code, &centre_id, &at],
        )
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(removed > 0)
    }

    async fn role_grants(&self, personal_code: Option<&str>) -> Result<Vec<RoleGrant>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let rows = client
            .query(
                "SELECT g.personal_code, g.role, g.granted_at, c.id, c.name, c.municipality, c.code
                 FROM role_grants g JOIN centres c ON c.id = g.centre_id
                 WHERE $1::TEXT IS NULL OR g.personal_code = $1 ORDER BY g.personal_code, c.name, g.role",
                &[&personal_code],
            )
            .await
            .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(RoleGrant {
                    personal_code: r.get(0),
                    role: r
                        .get::<_, String>(1)
                        .parse()
                        .map_err(|e: domain::ParseRoleError| StoreError::Corrupt(e.to_string()))?,
                    granted_at: r.get(2),
                    centre: Centre { id: r.get(3), name: r.get(4), municipality: r.get(5), code: r.get(6) },
                })
            })
            .collect()
    }

    async fn add_session(&self, session: UserSession) -> Result<(), StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        client
            .execute(
                "INSERT INTO user_sessions (token_hash, device_id, personal_code, given_name, surname, roles, issued_at,
                     expires_at, ended_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                &[
                    &session.token_hash.as_slice(),
                    &session.device_id,
                    &session.personal_code,
                    &session.given_name,
                    &session.surname,
                    &roles_to_text(&session.roles),
                    &session.issued_at,
                    &session.expires_at,
                    &session.ended_at,
                ],
            )
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn session(&self, token_hash: [u8; 32]) -> Result<Option<UserSession>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let row = client
            .query_opt(
                "SELECT device_id, personal_code, given_name, surname, roles, issued_at, expires_at, ended_at
                 FROM user_sessions WHERE token_hash = $1",
                &[&token_hash.as_slice()],
            )
            .await
            .map_err(db)?;
        row.map(|r| {
            Ok(UserSession {
                token_hash,
                device_id: r.get(0),
                personal_code: r.get(1),
                given_name: r.get(2),
                surname: r.get(3),
                roles: roles_from_text(&r.get::<_, String>(4))?,
                issued_at: r.get(5),
                expires_at: r.get(6),
                ended_at: r.get(7),
            })
        })
        .transpose()
    }

    async fn end_session(&self, token_hash: [u8; 32], at: DateTime<Utc>) -> Result<(), StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        client
            .execute(
                "UPDATE user_sessions SET ended_at = COALESCE(ended_at, $2) WHERE token_hash = $1",
                &[&token_hash.as_slice(), &at],
            )
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn add_auth_event(&self, event: AuthEvent) -> Result<(), StoreError> {
        let mut client = self.pool.get().await.map_err(pool_err)?;
        // The event and its audit entry together, or neither.
        let tx = client.transaction().await.map_err(db)?;
        tx.execute(
            "INSERT INTO auth_events (at, kind, device_id, personal_code, detail) VALUES ($1, $2, $3, $4, $5)",
            &[&event.at, &event.kind, &event.device_id, &event.personal_code, &event.detail],
        )
        .await
        .map_err(db)?;
        append_audit_in(&tx, &super::audit_of_auth_event(&event)).await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn put_account(&self, account: Account) -> Result<(), StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        client
            .execute(
                "INSERT INTO eaddress_accounts (address, kind, name, institution_id, centre_id, active, created_at, changed_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT (address) DO UPDATE SET kind = excluded.kind, name = excluded.name,
                     institution_id = excluded.institution_id, centre_id = excluded.centre_id,
                     active = excluded.active, changed_at = excluded.changed_at",
                &[
                    &account.address,
                    &kind_text(account.kind),
                    &account.name,
                    &account.institution_id,
                    &account.centre_id,
                    &account.active,
                    &account.created_at,
                    &account.changed_at,
                ],
            )
            .await
            .map_err(|e| map_err(e, || format!("the mailbox {} (its institution or centre must exist)", account.address)))?;
        Ok(())
    }

    async fn accounts(&self, addresses: Vec<String>) -> Result<Vec<Account>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let rows = client
            .query(&format!("SELECT {ACCOUNT_COLUMNS} FROM eaddress_accounts WHERE address = ANY($1)"), &[&addresses])
            .await
            .map_err(db)?;
        rows.iter().map(account_from_row).collect()
    }

    async fn unread_count(&self, recipients: Vec<String>) -> Result<u64, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let row = client
            .query_one(
                "SELECT count(*) FROM eaddress_deliveries
                 WHERE recipient = ANY($1) AND read_at IS NULL AND deleted_at IS NULL",
                &[&recipients],
            )
            .await
            .map_err(db)?;
        Ok(row.get::<_, i64>(0) as u64)
    }

    async fn operated_accounts(
        &self,
        institution: Option<String>,
        centre: Option<Uuid>,
    ) -> Result<Vec<Account>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let rows = client
            .query(
                &format!(
                    "SELECT {ACCOUNT_COLUMNS} FROM eaddress_accounts
                     WHERE ($1::text IS NOT NULL AND institution_id = $1) OR ($2::uuid IS NOT NULL AND centre_id = $2)
                     ORDER BY address"
                ),
                &[&institution, &centre],
            )
            .await
            .map_err(db)?;
        rows.iter().map(account_from_row).collect()
    }

    async fn institution_directory(&self) -> Result<Vec<Account>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let rows = client
            .query(
                &format!("SELECT {ACCOUNT_COLUMNS} FROM eaddress_accounts WHERE kind = 'institution' AND active ORDER BY address"),
                &[],
            )
            .await
            .map_err(db)?;
        rows.iter().map(account_from_row).collect()
    }

    async fn send_message(
        &self,
        message: StoredMessage,
        deliveries: Vec<Delivery>,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<EntryEffect, StoreError> {
        let mut client = self.pool.get().await.map_err(pool_err)?;
        let tx = client.transaction().await.map_err(db)?;
        let fresh = tx
            .execute(
                "INSERT INTO eaddress_messages (id, sender, sent_by, subject, body, case_number, in_reply_to, attachments, sent_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING",
                &[
                    &message.id,
                    &message.sender,
                    &message.sent_by,
                    &message.subject,
                    &message.body,
                    &message.case_number,
                    &message.in_reply_to,
                    &message.attachments,
                    &message.sent_at,
                ],
            )
            .await
            .map_err(db)?;
        if fresh == 0 {
            return Ok(EntryEffect::AlreadyApplied);
        }
        let insert = tx
            .prepare("INSERT INTO eaddress_deliveries (message_id, recipient, delivered_at, notified_on) VALUES ($1, $2, $3, $4)")
            .await
            .map_err(db)?;
        for delivery in &deliveries {
            tx.execute(
                &insert,
                &[&delivery.message_id, &delivery.recipient, &delivery.delivered_at, &delivery.notified_on],
            )
            .await
            .map_err(|e| map_err(e, || format!("a delivery to {}", delivery.recipient)))?;
        }
        // The content it names is never collected.
        tx.execute(
            "INSERT INTO eaddress_message_attachments (message_id, sha256)
             SELECT $1, lower(a ->> 'sha256') FROM jsonb_array_elements(($2::text)::jsonb) a
             WHERE a ->> 'sha256' IS NOT NULL
             ON CONFLICT DO NOTHING",
            &[&message.id, &message.attachments],
        )
        .await
        .map_err(db)?;
        append_audit_in(&tx, &audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(EntryEffect::Applied)
    }

    async fn record_upload(&self, upload: Upload) -> Result<(), StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        client
            .execute(
                "INSERT INTO eaddress_uploads (sha256, uploader, bytes, uploaded_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (sha256, uploader) DO UPDATE SET bytes = excluded.bytes, uploaded_at = excluded.uploaded_at",
                &[&upload.sha256, &upload.uploader, &(upload.bytes as i64), &upload.uploaded_at],
            )
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn unnamed_upload_bytes(
        &self,
        uploader: String,
        since: DateTime<Utc>,
        except: String,
    ) -> Result<u64, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let row = client
            .query_one(
                "SELECT coalesce(sum(u.bytes), 0)::BIGINT FROM eaddress_uploads u
                 WHERE u.uploader = $1 AND u.uploaded_at >= $2 AND u.sha256 <> $3
                   AND NOT EXISTS (SELECT 1 FROM eaddress_message_attachments r WHERE r.sha256 = u.sha256)",
                &[&uploader, &since, &except],
            )
            .await
            .map_err(db)?;
        Ok(row.get::<_, i64>(0) as u64)
    }

    async fn content_standing(&self, sha256: String) -> Result<ContentStanding, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let row = client
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM eaddress_message_attachments WHERE sha256 = $1),
                        (SELECT max(uploaded_at) FROM eaddress_uploads WHERE sha256 = $1)",
                &[&sha256],
            )
            .await
            .map_err(db)?;
        Ok(ContentStanding { named: row.get(0), last_upload: row.get(1) })
    }

    async fn unnamed_uploads_before(
        &self,
        before: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let rows = client
            .query(
                "SELECT u.sha256, max(u.bytes) FROM eaddress_uploads u
                 WHERE NOT EXISTS (SELECT 1 FROM eaddress_message_attachments r WHERE r.sha256 = u.sha256)
                 GROUP BY u.sha256 HAVING max(u.uploaded_at) < $1 LIMIT $2",
                &[&before, &i64::from(limit)],
            )
            .await
            .map_err(db)?;
        Ok(rows.into_iter().map(|r| (r.get::<_, String>(0), r.get::<_, i64>(1) as u64)).collect())
    }

    async fn forget_uploads(&self, sha256: Option<String>, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let forgotten = match sha256 {
            Some(sha256) => {
                client
                    .execute("DELETE FROM eaddress_uploads WHERE sha256 = $1 AND uploaded_at < $2", &[&sha256, &before])
                    .await
            }
            None => {
                client
                    .execute(
                        "DELETE FROM eaddress_uploads u WHERE u.uploaded_at < $1
                           AND EXISTS (SELECT 1 FROM eaddress_message_attachments r WHERE r.sha256 = u.sha256)",
                        &[&before],
                    )
                    .await
            }
        }
        .map_err(db)?;
        Ok(forgotten)
    }

    async fn inbox(
        &self,
        recipient: String,
        before: Option<(DateTime<Utc>, Uuid)>,
        limit: u32,
    ) -> Result<Vec<(StoredMessage, Delivery)>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let (at, id) = before.map_or((None, None), |(at, id)| (Some(at), Some(id)));
        let rows = client
            .query(
                &format!(
                    "SELECT {MESSAGE_COLUMNS}, {DELIVERY_COLUMNS} FROM eaddress_deliveries d
                     JOIN eaddress_messages m ON m.id = d.message_id
                     WHERE d.recipient = $1 AND d.deleted_at IS NULL
                       AND ($2::timestamptz IS NULL OR (d.delivered_at, d.message_id) < ($2, $3::uuid))
                     ORDER BY d.delivered_at DESC, d.message_id DESC LIMIT $4"
                ),
                &[&recipient, &at, &id, &i64::from(limit)],
            )
            .await
            .map_err(db)?;
        Ok(rows.iter().map(|r| (message_from_row(r, 0), delivery_from_row(r, 9))).collect())
    }

    async fn sent_messages(
        &self,
        sender: String,
        before: Option<(DateTime<Utc>, Uuid)>,
        limit: u32,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let (at, id) = before.map_or((None, None), |(at, id)| (Some(at), Some(id)));
        let rows = client
            .query(
                &format!(
                    "SELECT {MESSAGE_COLUMNS} FROM eaddress_messages m
                     WHERE m.sender = $1 AND ($2::timestamptz IS NULL OR (m.sent_at, m.id) < ($2, $3::uuid))
                     ORDER BY m.sent_at DESC, m.id DESC LIMIT $4"
                ),
                &[&sender, &at, &id, &i64::from(limit)],
            )
            .await
            .map_err(db)?;
        Ok(rows.iter().map(|r| message_from_row(r, 0)).collect())
    }

    async fn message(&self, id: Uuid) -> Result<Option<(StoredMessage, Vec<Delivery>)>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let Some(row) = client
            .query_opt(&format!("SELECT {MESSAGE_COLUMNS} FROM eaddress_messages m WHERE m.id = $1"), &[&id])
            .await
            .map_err(db)?
        else {
            return Ok(None);
        };
        let deliveries = client
            .query(
                &format!(
                    "SELECT {DELIVERY_COLUMNS} FROM eaddress_deliveries d WHERE d.message_id = $1 ORDER BY d.recipient"
                ),
                &[&id],
            )
            .await
            .map_err(db)?;
        Ok(Some((message_from_row(&row, 0), deliveries.iter().map(|r| delivery_from_row(r, 0)).collect())))
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
        let first = self
            .change_audited(
                "UPDATE eaddress_deliveries SET read_at = $3, read_by = $4
                 WHERE message_id = $1 AND recipient = $2 AND read_at IS NULL",
                &[&id, &recipient, &at, &by],
                &audit,
                false,
            )
            .await?;
        Ok(first == 1)
    }

    async fn delete_delivery(
        &self,
        id: Uuid,
        recipient: String,
        at: DateTime<Utc>,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<bool, StoreError> {
        let deleted = self
            .change_audited(
                "UPDATE eaddress_deliveries SET deleted_at = $3
                 WHERE message_id = $1 AND recipient = $2 AND deleted_at IS NULL",
                &[&id, &recipient, &at],
                &audit,
                true,
            )
            .await?;
        Ok(deleted == 1)
    }

    async fn add_delegation(
        &self,
        delegation: Delegation,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<(), StoreError> {
        let mut client = self.pool.get().await.map_err(pool_err)?;
        let tx = client.transaction().await.map_err(db)?;
        tx.execute(
            "INSERT INTO eaddress_delegations (id, mailbox, delegate, rights, granted_by, granted_at, ends_on, revoked_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)",
            &[
                &delegation.id,
                &delegation.mailbox,
                &delegation.delegate,
                &delegation.rights.as_str(),
                &delegation.granted_by,
                &delegation.granted_at,
                &delegation.ends_on,
            ],
        )
        .await
        .map_err(|e| map_err(e, || format!("a delegation on {}", delegation.mailbox)))?;
        append_audit_in(&tx, &audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn revoke_delegation(
        &self,
        id: Uuid,
        at: DateTime<Utc>,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<bool, StoreError> {
        let ended = self
            .change_audited(
                "UPDATE eaddress_delegations SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
                &[&id, &at],
                &audit,
                false,
            )
            .await?;
        Ok(ended == 1)
    }

    async fn put_representative(
        &self,
        representative: Representative,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<(), StoreError> {
        let mut client = self.pool.get().await.map_err(pool_err)?;
        let tx = client.transaction().await.map_err(db)?;
        tx.execute(
            "INSERT INTO eaddress_representatives (mailbox, person, source, recorded_by, recorded_at, ended_at)
             VALUES ($1, $2, $3, $4, $5, NULL)
             ON CONFLICT (mailbox, person) DO UPDATE SET source = excluded.source,
                 recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at, ended_at = NULL",
            &[
                &representative.mailbox,
                &representative.person,
                &representative.source,
                &representative.recorded_by,
                &representative.recorded_at,
            ],
        )
        .await
        .map_err(|e| map_err(e, || format!("a representative of {}", representative.mailbox)))?;
        append_audit_in(&tx, &audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn end_representative(
        &self,
        mailbox: String,
        person: String,
        at: DateTime<Utc>,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<bool, StoreError> {
        let ended = self
            .change_audited(
                "UPDATE eaddress_representatives SET ended_at = $3
                 WHERE mailbox = $1 AND person = $2 AND ended_at IS NULL",
                &[&mailbox, &person, &at],
                &audit,
                true,
            )
            .await?;
        Ok(ended == 1)
    }

    async fn representatives(
        &self,
        mailbox: Option<String>,
        person: Option<String>,
    ) -> Result<Vec<Representative>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let rows = client
            .query(
                "SELECT mailbox, person, source, recorded_by, recorded_at, ended_at FROM eaddress_representatives
                 WHERE ($1::text IS NULL OR mailbox = $1) AND ($2::text IS NULL OR person = $2) ORDER BY mailbox, person",
                &[&mailbox, &person],
            )
            .await
            .map_err(db)?;
        Ok(rows
            .iter()
            .map(|r| Representative {
                mailbox: r.get(0),
                person: r.get(1),
                source: r.get(2),
                recorded_by: r.get(3),
                recorded_at: r.get(4),
                ended_at: r.get(5),
            })
            .collect())
    }

    async fn delegations(
        &self,
        mailbox: Option<String>,
        delegate: Option<String>,
    ) -> Result<Vec<Delegation>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let rows = client
            .query(
                &format!(
                    "SELECT {DELEGATION_COLUMNS} FROM eaddress_delegations
                     WHERE ($1::text IS NULL OR mailbox = $1) AND ($2::text IS NULL OR delegate = $2) ORDER BY granted_at, id"
                ),
                &[&mailbox, &delegate],
            )
            .await
            .map_err(db)?;
        rows.iter().map(delegation_from_row).collect()
    }

    async fn delivery_kpis(&self) -> Result<Vec<super::DeliveryKpi>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let rows = client
            .query(
                &format!(
                    "SELECT to_char(m.sent_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month, {} AS sender_group,
                            count(DISTINCT m.id), count(*), count(d.read_at),
                            percentile_disc(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM d.read_at - m.sent_at)::float8)
                                FILTER (WHERE d.read_at IS NOT NULL),
                            percentile_disc(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM d.read_at - m.sent_at)::float8)
                                FILTER (WHERE d.read_at IS NOT NULL)
                     FROM eaddress_deliveries d JOIN eaddress_messages m ON m.id = d.message_id
                          JOIN eaddress_accounts a ON a.address = m.sender
                     GROUP BY month, sender_group ORDER BY month, sender_group",
                    super::KPI_SENDER_GROUP
                ),
                &[],
            )
            .await
            .map_err(db)?;
        Ok(rows
            .iter()
            .map(|r| {
                let seconds = |i: usize| r.get::<_, Option<f64>>(i).map(|s| s.max(0.0).round() as i64);
                super::DeliveryKpi {
                    month: r.get(0),
                    sender: r.get(1),
                    messages: r.get::<_, i64>(2) as u64,
                    deliveries: r.get::<_, i64>(3) as u64,
                    read: r.get::<_, i64>(4) as u64,
                    median_seconds: seconds(5),
                    p90_seconds: seconds(6),
                }
            })
            .collect())
    }

    async fn active_accounts(&self) -> Result<Vec<(String, u64)>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let rows = client
            .query("SELECT kind, count(*) FROM eaddress_accounts WHERE active GROUP BY kind ORDER BY kind", &[])
            .await
            .map_err(db)?;
        Ok(rows.iter().map(|r| (r.get(0), r.get::<_, i64>(1) as u64)).collect())
    }

    async fn add_consent(&self, consent: Consent) -> Result<(), StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let minutes = i32::try_from(consent.minutes).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        client
            .execute(
                "INSERT INTO eaddress_consents (id, agent, device_id, rights, minutes, nonce, requested_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[
                    &consent.id,
                    &consent.agent,
                    &consent.device_id,
                    &consent.rights.as_str(),
                    &minutes,
                    &consent.nonce,
                    &consent.requested_at,
                ],
            )
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn consent(&self, id: Uuid) -> Result<Option<Consent>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let row = client
            .query_opt(&format!("SELECT {CONSENT_COLUMNS} FROM eaddress_consents WHERE id = $1"), &[&id])
            .await
            .map_err(db)?;
        row.as_ref().map(consent_from_row).transpose()
    }

    async fn sign_consent(
        &self,
        id: Uuid,
        citizen: String,
        signed_at: DateTime<Utc>,
        valid_until: DateTime<Utc>,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<bool, StoreError> {
        let signed = self
            .change_audited(
                "UPDATE eaddress_consents SET citizen = $2, signed_at = $3, valid_until = $4
                 WHERE id = $1 AND signed_at IS NULL AND ended_at IS NULL",
                &[&id, &citizen, &signed_at, &valid_until],
                &audit,
                true,
            )
            .await?;
        Ok(signed == 1)
    }

    async fn end_consent(
        &self,
        id: Uuid,
        at: DateTime<Utc>,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<bool, StoreError> {
        let ended = self
            .change_audited(
                "UPDATE eaddress_consents SET ended_at = $2 WHERE id = $1 AND ended_at IS NULL",
                &[&id, &at],
                &audit,
                true,
            )
            .await?;
        Ok(ended == 1)
    }

    async fn active_consents(&self, agent: String, at: DateTime<Utc>) -> Result<Vec<Consent>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let rows = client
            .query(
                &format!(
                    "SELECT {CONSENT_COLUMNS} FROM eaddress_consents
                     WHERE agent = $1 AND signed_at IS NOT NULL AND ended_at IS NULL AND valid_until > $2"
                ),
                &[&agent, &at],
            )
            .await
            .map_err(db)?;
        rows.iter().map(consent_from_row).collect()
    }

    async fn append_audit(&self, entry: crate::audit::NewAuditEntry) -> Result<crate::audit::AuditEntry, StoreError> {
        let mut client = self.pool.get().await.map_err(pool_err)?;
        let tx = client.transaction().await.map_err(db)?;
        let recorded = append_audit_in(&tx, &entry).await?;
        tx.commit().await.map_err(db)?;
        Ok(recorded)
    }

    async fn audit_entries(&self, after_seq: i64, limit: u32) -> Result<Vec<crate::audit::AuditEntry>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let rows = client
            .query(
                "SELECT seq, at, actor, action, subject, detail, prev_hash, hash FROM audit_log
                 WHERE seq > $1 ORDER BY seq LIMIT $2",
                &[&after_seq, &i64::from(limit)],
            )
            .await
            .map_err(db)?;
        rows.iter().map(audit_entry_of).collect()
    }

    async fn audit_entries_about(
        &self,
        subject: String,
        before_seq: Option<i64>,
        limit: u32,
    ) -> Result<Vec<crate::audit::AuditEntry>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let rows = client
            .query(
                "SELECT seq, at, actor, action, subject, detail, prev_hash, hash FROM audit_log
                 WHERE subject = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3",
                &[&subject, &before_seq.unwrap_or(i64::MAX), &i64::from(limit)],
            )
            .await
            .map_err(db)?;
        rows.iter().map(audit_entry_of).collect()
    }

    async fn audit_head(&self) -> Result<(i64, [u8; 32]), StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let row = client.query_one("SELECT seq, hash FROM audit_head WHERE only_row = 1", &[]).await.map_err(db)?;
        Ok((row.get(0), hash_from_bytes(Some(row.get(1)))?.unwrap_or_default()))
    }

    async fn auth_events(&self, limit: u32) -> Result<Vec<AuthEvent>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let rows = client
            .query(
                "SELECT at, kind, device_id, personal_code, detail FROM auth_events ORDER BY id DESC LIMIT $1",
                &[&i64::from(limit)],
            )
            .await
            .map_err(db)?;
        Ok(rows
            .iter()
            .map(|r| AuthEvent {
                at: r.get(0),
                kind: r.get(1),
                device_id: r.get(2),
                personal_code: r.get(3),
                detail: r.get(4),
            })
            .collect())
    }

    async fn apply_case_writes(
        &self,
        device_id: Uuid,
        writes: Vec<CaseWrite>,
        at: DateTime<Utc>,
    ) -> Result<Vec<Result<EntryEffect, StoreError>>, StoreError> {
        let mut client = self.pool.get().await.map_err(pool_err)?;
        let mut tx = client.transaction().await.map_err(db)?;
        let mark = tx
            .prepare(
                "INSERT INTO applied_entries (id, device_id, applied_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .await
            .map_err(db)?;
        let insert = tx
            .prepare(
                "INSERT INTO cases (id, number, service_id, kind, channel, status, centre_id, holder_institution,
                     provider_institution, document, offline, served_at, updated_at, customer_code)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
            )
            .await
            .map_err(db)?;
        let update = tx.prepare(UPDATE_CASE_UNPOSITIONED).await.map_err(db)?;
        let mut results = Vec::with_capacity(writes.len());
        let mut written = Vec::new();
        for write in writes {
            let savepoint = tx.savepoint("case_write").await.map_err(db)?;
            let result: Result<EntryEffect, StoreError> = async {
                let fresh = savepoint.execute(&mark, &[&write.entry_id(), &device_id, &at]).await.map_err(db)?;
                if fresh == 0 {
                    return Ok(EntryEffect::AlreadyApplied);
                }
                match &write {
                    CaseWrite::Insert { case, .. } => {
                        savepoint
                            .execute(
                                &insert,
                                &[
                                    &case.id,
                                    &case.number,
                                    &case.service_id,
                                    &case.kind,
                                    &case.channel,
                                    &case.status,
                                    &case.centre_id,
                                    &case.holder_institution,
                                    &case.provider_institution,
                                    &case.document,
                                    &case.offline,
                                    &case.served_at,
                                    &case.updated_at,
                                    &case.customer_code,
                                ],
                            )
                            .await
                            .map_err(|e| {
                                map_err(e, || format!("a case with the number {} or the id {}", case.number, case.id))
                            })?;
                    }
                    CaseWrite::Update { case_id, expected_status, status, document, .. } => {
                        let changed = savepoint
                            .query_opt(&update, &[case_id, expected_status, status, document, &at])
                            .await
                            .map_err(db)?;
                        if changed.is_none() {
                            return Err(StoreError::VersionConflict {
                                what: format!("the case {case_id}"),
                                current: 0,
                            });
                        }
                    }
                }
                Ok(EntryEffect::Applied)
            }
            .await;
            match &result {
                Ok(EntryEffect::Applied) => {
                    savepoint.commit().await.map_err(db)?;
                    written.push(write.case_id());
                }
                _ => savepoint.rollback().await.map_err(db)?,
            }
            results.push(result);
        }
        // Feed positions last, in one statement: the counter row is locked only from here to
        // the commit, so concurrent pushes wait for each other briefly, and positions still
        // follow commit order.
        let ordered = last_writes_in_order(&written);
        if !ordered.is_empty() {
            let count = ordered.len() as i64;
            tx.execute(
                "WITH bump AS (UPDATE case_sequence SET last = last + $2 WHERE only_row = 1 RETURNING last)
                 UPDATE cases SET change_seq = (SELECT last FROM bump) - $2 + positions.ord
                 FROM unnest($1::uuid[]) WITH ORDINALITY AS positions(id, ord)
                 WHERE cases.id = positions.id",
                &[&ordered, &count],
            )
            .await
            .map_err(db)?;
        }
        tx.commit().await.map_err(db)?;
        Ok(results)
    }

    async fn change_case(
        &self,
        case_id: Uuid,
        expected_status: &str,
        status: &str,
        document: String,
        at: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let mut client = self.pool.get().await.map_err(pool_err)?;
        let tx = client.transaction().await.map_err(db)?;
        let row =
            tx.query_opt(UPDATE_CASE, &[&case_id, &expected_status, &status, &document, &at]).await.map_err(db)?;
        let Some(row) = row else {
            // Rolled back when dropped: the feed position taken is given back.
            return Err(StoreError::VersionConflict { what: format!("the case {case_id}"), current: 0 });
        };
        tx.commit().await.map_err(db)?;
        Ok(row.get(0))
    }

    async fn case(&self, id: Uuid) -> Result<Option<StoredCase>, StoreError> {
        Ok(self.query_cases(&format!("SELECT {CASE_COLUMNS} FROM cases WHERE id = $1"), &[&id]).await?.pop())
    }

    async fn case_by_number(&self, number: &str) -> Result<Option<StoredCase>, StoreError> {
        Ok(self.query_cases(&format!("SELECT {CASE_COLUMNS} FROM cases WHERE number = $1"), &[&number]).await?.pop())
    }

    async fn case_changes(&self, scope: CaseScope, after: i64, limit: u32) -> Result<Vec<StoredCase>, StoreError> {
        let limit = i64::from(limit);
        match scope {
            CaseScope::Centre(centre) => {
                self.query_cases(
                    &format!(
                        "SELECT {CASE_COLUMNS} FROM cases WHERE centre_id = $1 AND change_seq > $2
                         ORDER BY change_seq LIMIT $3"
                    ),
                    &[&centre, &after, &limit],
                )
                .await
            }
            CaseScope::Institution(institution) => {
                self.query_cases(
                    &format!(
                        "SELECT {CASE_COLUMNS} FROM cases
                         WHERE (holder_institution = $1 OR provider_institution = $1) AND change_seq > $2
                         ORDER BY change_seq LIMIT $3"
                    ),
                    &[&institution, &after, &limit],
                )
                .await
            }
        }
    }

    async fn case_head(&self) -> Result<i64, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let row = client.query_one("SELECT last FROM case_sequence", &[]).await.map_err(db)?;
        Ok(row.get(0))
    }

    async fn customer_cases(&self, customer_code: &str, limit: u32) -> Result<Vec<StoredCase>, StoreError> {
        self.query_cases(
            &format!("SELECT {CASE_COLUMNS} FROM cases WHERE customer_code = $1 ORDER BY served_at DESC, id LIMIT $2"),
            &[&customer_code, &i64::from(limit)],
        )
        .await
    }

    async fn entry_applied(&self, entry_id: Uuid) -> Result<bool, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let row = client
            .query_one("SELECT EXISTS (SELECT 1 FROM applied_entries WHERE id = $1)", &[&entry_id])
            .await
            .map_err(db)?;
        Ok(row.get(0))
    }

    async fn case_statistics(&self) -> Result<Vec<ProvisionCount>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let rows = client
            .query(
                "SELECT to_char(served_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month, service_id, holder_institution,
                        channel, kind, count(*)
                 FROM cases GROUP BY month, service_id, holder_institution, channel, kind
                 ORDER BY month, service_id, holder_institution, channel, kind",
                &[],
            )
            .await
            .map_err(db)?;
        Ok(rows
            .iter()
            .map(|r| ProvisionCount {
                month: r.get(0),
                service_id: r.get(1),
                institution: r.get(2),
                channel: r.get(3),
                kind: r.get(4),
                cases: r.get::<_, i64>(5) as u64,
            })
            .collect())
    }

    async fn case_count(&self) -> Result<u64, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let row = client.query_one("SELECT count(*) FROM cases", &[]).await.map_err(db)?;
        Ok(row.get::<_, i64>(0) as u64)
    }
}
