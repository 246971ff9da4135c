//! The production backend: PostgreSQL through tokio-postgres with a connection pool.

use std::{fmt, time::Duration};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use deadpool_postgres::{GenericClient, Manager, ManagerConfig, Pool, RecyclingMethod};
use domain::Centre;
use tokio_postgres::{NoTls, Row, error::SqlState};
use uuid::Uuid;

use super::{
    Device, DeviceAuthRecord, Migration, NewCentre, NewDevice, Store, StoreError, check_redeemable, hash_from_bytes,
    parse_kind, redact_password,
};

const MIGRATIONS: &[Migration] =
    &[(1, "centres_and_devices", include_str!("../../migrations/postgres/0001_centres_and_devices.sql"))];

/// Any number, as long as it is the same for every server: serialises concurrent migrations.
const MIGRATION_LOCK_KEY: i64 = 0x0050_4945_5455_5241;

const DEVICE_COLUMNS: &str = "d.id, d.kind, d.name, d.enrollment_expires_at, d.enrolled_at, d.last_seen_at, \
     d.revoked_at, d.created_at, c.id, c.name, c.municipality";

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

fn pool_err(error: deadpool_postgres::PoolError) -> StoreError {
    StoreError::Unavailable(format!("no database connection: {error}"))
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
        centre: Centre { id: row.get(8), name: row.get(9), municipality: row.get(10) },
    })
}

async fn load_device(client: &impl GenericClient, id: Uuid) -> Result<Option<Device>, StoreError> {
    let sql = format!("SELECT {DEVICE_COLUMNS} FROM devices d JOIN centres c ON c.id = d.centre_id WHERE d.id = $1");
    client.query_opt(&sql, &[&id]).await.map_err(db)?.as_ref().map(device_from_row).transpose()
}

impl PostgresStore {
    /// Connects and checks the connection works, so a wrong URL fails at start-up.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let shown_url = redact_password(url);
        let mut config: tokio_postgres::Config = url
            .parse()
            .map_err(|e| StoreError::Unavailable(format!("the PostgreSQL URL {shown_url} is not valid: {e}")))?;
        config.connect_timeout(Duration::from_secs(5));
        config.application_name("pietura-server");
        let manager = Manager::from_config(config, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
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
                "INSERT INTO centres (id, name, municipality, created_at) VALUES ($1, $2, $3, $4)",
                &[&centre.id, &centre.name, &centre.municipality, &centre.created_at],
            )
            .await
            .map_err(|e| map_err(e, || format!("a centre named {:?}", centre.name)))?;
        Ok(Centre { id: centre.id, name: centre.name, municipality: centre.municipality })
    }

    async fn list_centres(&self) -> Result<Vec<Centre>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let rows = client
            .query("SELECT id, name, municipality FROM centres ORDER BY name COLLATE \"C\", id", &[])
            .await
            .map_err(db)?;
        Ok(rows.iter().map(|r| Centre { id: r.get(0), name: r.get(1), municipality: r.get(2) }).collect())
    }

    async fn find_centre_by_name(&self, name: &str) -> Result<Option<Centre>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let row = client
            .query_opt("SELECT id, name, municipality FROM centres WHERE name = $1", &[&name])
            .await
            .map_err(db)?;
        Ok(row.map(|r| Centre { id: r.get(0), name: r.get(1), municipality: r.get(2) }))
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
        client
            .execute(
                "INSERT INTO devices (id, centre_id, kind, name, enrollment_code_hash, enrollment_expires_at, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[
                    &device.id,
                    &device.centre_id,
                    &device.kind.as_str(),
                    &device.name,
                    &device.enrollment_code_hash.as_slice(),
                    &device.enrollment_expires_at,
                    &device.created_at,
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
        let client = self.pool.get().await.map_err(pool_err)?;
        client
            .execute("UPDATE devices SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1", &[&id, &at])
            .await
            .map_err(db)?;
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
}
