use std::{
    path::{Path, PathBuf},
    sync::Mutex,
};

use chrono::{DateTime, Utc};
use domain::{Centre, DeviceKind, Language};
use rusqlite::{Connection, ErrorCode, OptionalExtension, params};
use uuid::Uuid;

#[cfg(feature = "keyring")]
use crate::secrets::Vault;
use crate::secrets::{DatabaseKey, SecretError};

/// The schema version this build writes; see [`MIGRATIONS`].
pub const SCHEMA_VERSION: i64 = 12;

/// Migrations in order; entry `n` brings the schema from version `n` to `n + 1`. Never edit a
/// landed entry: add a new one.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_enrollment_and_settings.sql"),
    include_str!("../migrations/0002_search.sql"),
    include_str!("../migrations/0003_catalogue.sql"),
    include_str!("../migrations/0004_pinned_logins.sql"),
    include_str!("../migrations/0005_catalogue_moves_out.sql"),
    include_str!("../migrations/0006_cases_and_outbox.sql"),
    include_str!("../migrations/0007_centre_code_and_desk_number.sql"),
    include_str!("../migrations/0008_case_feed_and_notes.sql"),
    include_str!("../migrations/0009_outbox_author.sql"),
    include_str!("../migrations/0010_form_drafts.sql"),
    include_str!("../migrations/0011_form_draft_files.sql"),
    include_str!("../migrations/0012_form_submissions_in_outbox.sql"),
];

/// The catalogue file's schema version; see [`CATALOGUE_MIGRATIONS`].
pub const CATALOGUE_SCHEMA_VERSION: i64 = 3;

/// The catalogue file's migrations, with `{db}` for the schema name it is opened under.
const CATALOGUE_MIGRATIONS: &[&str] = &[
    include_str!("../migrations/catalogue/0001_catalogue.sql"),
    include_str!("../migrations/catalogue/0002_forms.sql"),
    include_str!("../migrations/catalogue/0003_scenarios.sql"),
];

/// Brings the catalogue schema `db` ("catalogue" when attached, "main" alone) up to date.
pub(crate) fn migrate_catalogue(connection: &mut Connection, db: &str) -> Result<(), StoreError> {
    let found: i64 = connection.query_row(&format!("PRAGMA {db}.user_version"), [], |r| r.get(0))?;
    for (index, sql) in CATALOGUE_MIGRATIONS.iter().enumerate().skip(found.max(0) as usize) {
        let version = index as i64 + 1;
        let tx = connection.transaction()?;
        tx.execute_batch(&sql.replace("{db}", db))?;
        tx.execute_batch(&format!("PRAGMA {db}.user_version = {version}"))?;
        tx.commit()?;
        tracing::info!(version, "catalogue file migrated");
    }
    Ok(())
}

/// Where a store's catalogue file lives: beside it (`local.db` → `local.catalogue.db`).
pub fn catalogue_path(store_path: &Path) -> PathBuf {
    store_path.with_extension("catalogue.db")
}

/// Reads a language code stored by this program; anything else means the file was tampered with.
pub(crate) fn parse_language(raw: &str) -> Result<Language, StoreError> {
    raw.parse().map_err(|e: domain::ParseLanguageError| StoreError::Corrupt(e.to_string()))
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "the local database {path} cannot be opened with the key in this computer's keyring: the key was replaced or the file is damaged. \
         Do not delete the file; restore the key or the file from a backup, or ask support"
    )]
    CannotDecrypt { path: PathBuf },
    #[error(
        "the local database {path} exists but its key is not in the keyring (lost after a reboot or a profile change). \
         Do not delete the file; restore the key, or move the file aside and enroll this device again"
    )]
    KeyMissing { path: PathBuf },
    #[error(
        "the local database {path} was written by a newer Pietura (schema {found}, this one knows {known}): update Pietura"
    )]
    TooNew { path: PathBuf, found: i64, known: i64 },
    #[error("the local database {path} could not be opened: {reason}")]
    Open { path: PathBuf, reason: String },
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error("the local database failed: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("the local database holds an unreadable value: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Invalid(String),
}

/// How this device is known to the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrollment {
    pub server_url: String,
    pub device_id: Uuid,
    pub device_name: String,
    pub kind: DeviceKind,
    pub centre: Centre,
    /// This desk's number in its centre, which starts its case numbers; kiosks have none.
    pub desk_number: Option<u8>,
    pub enrolled_at: DateTime<Utc>,
}

/// The local database. Cheap queries run directly on the caller's thread.
#[derive(Debug)]
pub struct Store {
    path: PathBuf,
    connection: Mutex<Connection>,
}

impl Store {
    /// Opens the database at `path` with the key from `vault`, creating both on first run.
    /// An existing file whose key is missing is an error, never a reason to start afresh.
    #[cfg(feature = "keyring")]
    pub fn open_with_vault(path: &Path, vault: &Vault) -> Result<Self, StoreError> {
        let key = match (vault.database_key()?, path.exists()) {
            (Some(key), _) => key,
            (None, false) => {
                tracing::info!(path = %path.display(), "first run: creating the encrypted local database");
                vault.create_database_key()?
            }
            (None, true) => return Err(StoreError::KeyMissing { path: path.to_owned() }),
        };
        Self::open(path, &key)
    }

    /// Opens (or creates) the database at `path` with `key`.
    pub fn open(path: &Path, key: &DatabaseKey) -> Result<Self, StoreError> {
        let open_error = |reason: String| StoreError::Open { path: path.to_owned(), reason };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| open_error(format!("cannot create {}: {e}", parent.display())))?;
        }
        let connection = Connection::open(path).map_err(|e| open_error(e.to_string()))?;
        // SQLCipher takes the raw key as a blob literal; the hex string is wiped after use.
        let statement = zeroize::Zeroizing::new(format!("PRAGMA key = \"x'{}'\";", key.to_hex().as_str()));
        connection.execute_batch(&statement).map_err(|e| open_error(e.to_string()))?;
        // The first read is where a wrong key or a damaged file shows.
        match connection.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)) {
            Ok(_) => {}
            Err(e) if matches!(e.sqlite_error_code(), Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt)) => {
                return Err(StoreError::CannotDecrypt { path: path.to_owned() });
            }
            Err(e) => return Err(open_error(e.to_string())),
        }
        connection.busy_timeout(std::time::Duration::from_secs(5))?;
        connection.pragma_update(None, "foreign_keys", "ON")?;
        let _mode: String = connection.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        // FULL: every commit (a registered case and its outbox entry) is on disk before it
        // returns. The catalogue file beside it, a copy of the server's, runs with NORMAL.
        connection.pragma_update(None, "synchronous", "FULL")?;
        connection.pragma_update(None, "cache_size", -64_000)?;
        let store = Self { path: path.to_owned(), connection: Mutex::new(connection) };
        store.migrate()?;
        store.attach_catalogue(&mut store.connection())?;
        Ok(store)
    }

    pub fn catalogue_path(&self) -> PathBuf {
        catalogue_path(&self.path)
    }

    /// Attaches the catalogue file (unencrypted: public information only) as schema
    /// `catalogue`, creating it when missing. A file that cannot be read, or one from a newer
    /// build, is moved aside and started afresh: it holds nothing the server does not.
    fn attach_catalogue(&self, connection: &mut Connection) -> Result<(), StoreError> {
        let path = self.catalogue_path();
        let attach = |connection: &Connection| -> Result<(), rusqlite::Error> {
            connection.execute("ATTACH DATABASE ?1 AS catalogue KEY ''", params![path.to_string_lossy()])?;
            let version: i64 = connection.query_row("PRAGMA catalogue.user_version", [], |r| r.get(0))?;
            if version > CATALOGUE_SCHEMA_VERSION {
                return Err(rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_NOTADB),
                    Some(format!("catalogue schema {version} is newer than this build's")),
                ));
            }
            connection.query_row("SELECT count(*) FROM catalogue.sqlite_master", [], |r| r.get::<_, i64>(0))?;
            Ok(())
        };
        if let Err(error) = attach(connection) {
            tracing::warn!(%error, path = %path.display(), "the catalogue file cannot be used: starting it afresh");
            let _ = connection.execute_batch("DETACH DATABASE catalogue");
            let aside = PathBuf::from(format!("{}.unreadable", path.display()));
            std::fs::rename(&path, &aside).map_err(|e| StoreError::Open {
                path: path.clone(),
                reason: format!("cannot move the unreadable catalogue aside: {e}"),
            })?;
            attach(connection)?;
        }
        let _mode: String = connection.query_row("PRAGMA catalogue.journal_mode = WAL", [], |r| r.get(0))?;
        connection.execute_batch("PRAGMA catalogue.synchronous = NORMAL")?;
        migrate_catalogue(connection, "catalogue")
    }

    /// Replaces the catalogue file with `candidate` (a snapshot the server built), checked
    /// first: the schema version and its sync row (the download itself is checked by gzip's
    /// CRC). The swap is a rename, so the old catalogue stays whole until the new one is in
    /// place.
    pub fn install_catalogue(&self, candidate: &Path) -> Result<crate::CatalogueProgress, StoreError> {
        let refuse = |reason: String| StoreError::Corrupt(format!("the catalogue snapshot is not usable: {reason}"));
        {
            let file = Connection::open_with_flags(candidate, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .map_err(|e| refuse(e.to_string()))?;
            let version: i64 =
                file.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(|e| refuse(e.to_string()))?;
            if version != CATALOGUE_SCHEMA_VERSION {
                return Err(refuse(format!("schema {version}, this build reads {CATALOGUE_SCHEMA_VERSION}")));
            }
            crate::catalogue::read_progress(&file).map_err(|e| refuse(e.to_string()))?;
        }
        let target = self.catalogue_path();
        let mut connection = self.connection();
        connection.execute_batch("DETACH DATABASE catalogue")?;
        for suffix in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", target.display()));
        }
        let renamed = std::fs::rename(candidate, &target);
        // Attached again whatever happened, so the device keeps its catalogue either way.
        self.attach_catalogue(&mut connection)?;
        renamed.map_err(|e| StoreError::Open {
            path: target.clone(),
            reason: format!("cannot put the snapshot in place: {e}"),
        })?;
        crate::catalogue::read_progress(&connection)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn connection(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite consistent (transactions roll back), so
        // the poisoned guard is safe to keep using.
        self.connection.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn migrate(&self) -> Result<(), StoreError> {
        let mut connection = self.connection();
        let found: i64 = connection.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::TooNew { path: self.path.clone(), found, known: SCHEMA_VERSION });
        }
        for (index, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
            let version = index as i64 + 1;
            let tx = connection.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", version)?;
            tx.commit()?;
            tracing::info!(version, "local database migrated");
        }
        Ok(())
    }

    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self.connection().query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    /// Whether SQLCipher is really encrypting (its version pragma answers only in SQLCipher).
    pub fn cipher_version(&self) -> Result<Option<String>, StoreError> {
        Ok(self.connection().query_row("PRAGMA cipher_version", [], |r| r.get(0)).optional()?)
    }

    pub fn enrollment(&self) -> Result<Option<Enrollment>, StoreError> {
        let row = self
            .connection()
            .query_row(
                "SELECT server_url, device_id, device_name, kind, centre_id, centre_name, centre_municipality, enrolled_at,
                        centre_code, desk_number
                 FROM enrollment WHERE id = 1",
                [],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, String>(5)?,
                        r.get::<_, String>(6)?,
                        r.get::<_, DateTime<Utc>>(7)?,
                        r.get::<_, String>(8)?,
                        r.get::<_, Option<u8>>(9)?,
                    ))
                },
            )
            .optional()?;
        let Some((
            server_url,
            device_id,
            device_name,
            kind,
            centre_id,
            centre_name,
            municipality,
            enrolled_at,
            code,
            desk_number,
        )) = row
        else {
            return Ok(None);
        };
        let uuid = |raw: &str| Uuid::parse_str(raw).map_err(|e| StoreError::Corrupt(format!("id {raw:?}: {e}")));
        Ok(Some(Enrollment {
            server_url,
            device_id: uuid(&device_id)?,
            device_name,
            kind: kind.parse().map_err(|e: domain::ParseDeviceKindError| StoreError::Corrupt(e.to_string()))?,
            centre: Centre { id: uuid(&centre_id)?, name: centre_name, municipality, code },
            desk_number,
            enrolled_at,
        }))
    }

    /// Records this device's enrollment. A device enrolls once: a second call is refused.
    pub fn save_enrollment(&self, enrollment: &Enrollment) -> Result<(), StoreError> {
        self.connection().execute(
            "INSERT INTO enrollment (id, server_url, device_id, device_name, kind, centre_id, centre_name, centre_municipality,
                                     enrolled_at, centre_code, desk_number)
             VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                enrollment.server_url,
                enrollment.device_id.to_string(),
                enrollment.device_name,
                enrollment.kind.as_str(),
                enrollment.centre.id.to_string(),
                enrollment.centre.name,
                enrollment.centre.municipality,
                enrollment.enrolled_at,
                enrollment.centre.code,
                enrollment.desk_number,
            ],
        )?;
        Ok(())
    }

    /// Notes a successful exchange with the server, and the centre and desk number as the
    /// server now names them. A desk number, once known, is never taken away: cases numbered
    /// with it exist.
    pub fn record_sync_success(
        &self,
        at: DateTime<Utc>,
        centre: &Centre,
        desk_number: Option<u8>,
    ) -> Result<(), StoreError> {
        self.connection().execute(
            "UPDATE enrollment SET last_sync_at = ?1, centre_name = ?2, centre_municipality = ?3, centre_code = ?5,
                                   desk_number = COALESCE(desk_number, ?6)
             WHERE id = 1 AND centre_id = ?4",
            params![at, centre.name, centre.municipality, centre.id.to_string(), centre.code, desk_number],
        )?;
        Ok(())
    }

    pub fn last_sync_at(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        Ok(self
            .connection()
            .query_row("SELECT last_sync_at FROM enrollment WHERE id = 1", [], |r| r.get(0))
            .optional()?
            .flatten())
    }

    pub fn language(&self) -> Result<Option<Language>, StoreError> {
        let raw: Option<String> = self
            .connection()
            .query_row("SELECT value FROM settings WHERE key = 'language'", [], |r| r.get(0))
            .optional()?;
        raw.as_deref().map(parse_language).transpose()
    }

    /// A value the device keeps for itself under `key` (e.g. the last figures it was shown).
    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .connection()
            .query_row("SELECT value FROM settings WHERE key = ?1", params![key], |r| r.get(0))
            .optional()?)
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.connection().execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    pub fn set_language(&self, language: Language) -> Result<(), StoreError> {
        self.connection().execute(
            "INSERT INTO settings (key, value) VALUES ('language', ?1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![language.code()],
        )?;
        Ok(())
    }
}
