//! Backups an operator takes while the server runs, and restores into a new place (issue 19).
//!
//! A backup is a folder: the database (SQLite copied through SQLite's online backup API, a
//! consistent snapshot while the server writes; for PostgreSQL the `pg_dump` file the operator
//! made, checked and kept), every attachment by its digest, and `manifest.json` with the digest
//! and size of each file. It is written beside its final place and renamed into it, so a backup
//! folder is whole or absent. A restore checks every digest before it writes anything, and
//! writes only into a new place: it never overwrites a database.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{eaddress::Attachments, store::DatabaseLocation};

pub const MANIFEST: &str = "manifest.json";
/// The SQLite database in a backup.
pub const SQLITE_FILE: &str = "pietura.db";
/// The PostgreSQL dump (`pg_dump -Fc`) in a backup.
pub const POSTGRES_DUMP_FILE: &str = "pietura.pgdump";
const ATTACHMENTS: &str = "attachments";
/// This program's backups; a restore refuses other formats.
pub const FORMAT: u32 = 1;

/// What a backup holds, with a digest for every file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: u32,
    pub made_at: DateTime<Utc>,
    /// The server that made it.
    pub server_version: String,
    pub schema_version: i64,
    /// `production` or `training`: a restore gives the database to that side only.
    pub environment: String,
    pub database: BackedUpFile,
    pub attachments: Vec<BackedUpFile>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackedUpFile {
    /// Relative to the backup folder.
    pub file: String,
    pub sha256: String,
    pub bytes: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0} already exists and is not empty: back up into a new folder")]
    TargetExists(PathBuf),
    #[error(
        "a PostgreSQL database is backed up with pg_dump: run `pg_dump -Fc -f FILE <database_url>` and give the file with --pg-dump FILE"
    )]
    NoDump,
    #[error("{0} is not a pg_dump custom-format file (make it with pg_dump -Fc)")]
    NotADump(PathBuf),
    #[error("{0} is not a Pietura backup folder (no readable manifest.json): {1}")]
    NotABackup(PathBuf, String),
    #[error("this backup's format {0} is not one this server reads ({FORMAT})")]
    Format(u32),
    #[error(
        "{file} in the backup does not match its digest in the manifest: the backup is damaged, nothing was restored"
    )]
    Damaged { file: String },
    #[error("attachment {0} in the server's store does not match its digest: the store is damaged")]
    DamagedStore(String),
    #[error("{0} already exists: a restore goes into a new place and never overwrites a database")]
    DatabaseExists(PathBuf),
    #[error("this backup holds a {backup} database and the server is set up for {server}")]
    Kind { backup: &'static str, server: &'static str },
    #[error("the backup is of a {backup} server and this one is set up as {server}")]
    Environment { backup: String, server: String },
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("attachments: {0}")]
    Attachments(#[from] crate::eaddress::MailboxError),
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |e| BackupError::Io(path.to_owned(), e)
}

fn digest_of_file(path: &Path) -> Result<(String, u64), BackupError> {
    let mut file = std::fs::File::open(path).map_err(io(path))?;
    let mut hasher = Sha256::new();
    let bytes = std::io::copy(&mut file, &mut hasher).map_err(io(path))?;
    Ok((hex::encode(hasher.finalize()), bytes))
}

/// What is being backed up besides the attachments.
pub struct Source<'a> {
    pub database: &'a DatabaseLocation,
    /// For PostgreSQL: the `pg_dump -Fc` file the operator made just before.
    pub pg_dump: Option<&'a Path>,
    pub schema_version: i64,
    pub environment: &'a str,
}

/// Backs up into `to` (a new or empty folder) while the server may be running.
pub async fn backup(
    source: Source<'_>,
    attachments: &Attachments,
    to: &Path,
    now: DateTime<Utc>,
) -> Result<Manifest, BackupError> {
    if to.read_dir().is_ok_and(|mut entries| entries.next().is_some()) {
        return Err(BackupError::TargetExists(to.to_owned()));
    }
    let name = to.file_name().map_or_else(|| "backup".into(), |n| n.to_string_lossy().into_owned());
    let part = to.with_file_name(format!(".{name}.part-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(part.join(ATTACHMENTS)).map_err(io(&part))?;
    let made = write_backup(&source, attachments, &part, now).await;
    let manifest = match made {
        Ok(manifest) => manifest,
        Err(error) => {
            let _ = std::fs::remove_dir_all(&part);
            return Err(error);
        }
    };
    if to.exists() {
        std::fs::remove_dir(to).map_err(io(to))?;
    }
    std::fs::rename(&part, to).map_err(io(to))?;
    Ok(manifest)
}

async fn write_backup(
    source: &Source<'_>,
    attachments: &Attachments,
    part: &Path,
    now: DateTime<Utc>,
) -> Result<Manifest, BackupError> {
    // The database first: every attachment its messages name is in the store by then (content
    // is stored before a message names it), so the copy below holds them all.
    let database = match (source.database, source.pg_dump) {
        (DatabaseLocation::Sqlite(path), _) => {
            let (from, into) = (path.clone(), part.join(SQLITE_FILE));
            tokio::task::spawn_blocking(move || crate::store::sqlite_snapshot(&from, &into))
                .await
                .map_err(|e| BackupError::Io(part.to_owned(), std::io::Error::other(e)))??;
            SQLITE_FILE
        }
        (DatabaseLocation::Postgres(_), None) => return Err(BackupError::NoDump),
        (DatabaseLocation::Postgres(_), Some(dump)) => {
            let mut head = [0u8; 5];
            let read = std::fs::File::open(dump)
                .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
                .map_err(|_| BackupError::NotADump(dump.to_owned()));
            if read.is_err() || &head != b"PGDMP" {
                return Err(BackupError::NotADump(dump.to_owned()));
            }
            std::fs::copy(dump, part.join(POSTGRES_DUMP_FILE)).map_err(io(dump))?;
            POSTGRES_DUMP_FILE
        }
    };
    let (sha256, bytes) = digest_of_file(&part.join(database))?;
    let database = BackedUpFile { file: database.into(), sha256, bytes };
    let mut kept = Vec::new();
    for digest in attachments.digests().await? {
        let content = match attachments.get(&digest).await {
            Ok(content) => content,
            // Collected (no message named it) between the listing and now: not part of it.
            Err(crate::eaddress::MailboxError::MissingAttachment(_)) => continue,
            Err(crate::eaddress::MailboxError::Digest(_)) => return Err(BackupError::DamagedStore(digest)),
            Err(other) => return Err(other.into()),
        };
        let file = format!("{ATTACHMENTS}/{}/{digest}", &digest[..2]);
        let path = part.join(&file);
        std::fs::create_dir_all(path.parent().expect("a folder")).map_err(io(&path))?;
        std::fs::write(&path, &content).map_err(io(&path))?;
        kept.push(BackedUpFile { file, sha256: digest, bytes: content.len() as u64 });
    }
    let manifest = Manifest {
        format: FORMAT,
        made_at: now,
        server_version: env!("CARGO_PKG_VERSION").into(),
        schema_version: source.schema_version,
        environment: source.environment.into(),
        database,
        attachments: kept,
    };
    let text = serde_json::to_vec_pretty(&manifest).expect("a manifest serialises");
    let path = part.join(MANIFEST);
    std::fs::write(&path, text).map_err(io(&path))?;
    // On disk before the rename makes it a backup.
    for file in [path.as_path(), part] {
        std::fs::File::open(file).and_then(|f| f.sync_all()).map_err(io(file))?;
    }
    Ok(manifest)
}

/// Reads a backup's manifest and checks every file it names against its digest, and that the
/// folder holds no attachment it does not name. Nothing is written.
pub fn verify(from: &Path) -> Result<Manifest, BackupError> {
    let text =
        std::fs::read(from.join(MANIFEST)).map_err(|e| BackupError::NotABackup(from.to_owned(), e.to_string()))?;
    let manifest: Manifest =
        serde_json::from_slice(&text).map_err(|e| BackupError::NotABackup(from.to_owned(), e.to_string()))?;
    if manifest.format != FORMAT {
        return Err(BackupError::Format(manifest.format));
    }
    // Only the names a backup has: a crafted manifest cannot make a restore read other files.
    let database_named = [SQLITE_FILE, POSTGRES_DUMP_FILE].contains(&manifest.database.file.as_str());
    let attachment_named = |a: &BackedUpFile| {
        crate::eaddress::valid_digest(&a.sha256) && a.file == format!("{ATTACHMENTS}/{}/{}", &a.sha256[..2], a.sha256)
    };
    if let Some(odd) = (!database_named)
        .then_some(&manifest.database)
        .or_else(|| manifest.attachments.iter().find(|a| !attachment_named(a)))
    {
        return Err(BackupError::NotABackup(from.to_owned(), format!("it names a file no backup has: {:?}", odd.file)));
    }
    for file in std::iter::once(&manifest.database).chain(&manifest.attachments) {
        let path = from.join(&file.file);
        if !digest_of_file(&path).is_ok_and(|found| found == (file.sha256.clone(), file.bytes)) {
            return Err(BackupError::Damaged { file: file.file.clone() });
        }
    }
    Ok(manifest)
}

/// Where a restore puts things.
pub struct Target<'a> {
    pub database: &'a DatabaseLocation,
    pub environment: &'a str,
}

/// What a restore did, and what the operator does next.
#[derive(Debug)]
pub struct Restored {
    pub manifest: Manifest,
    /// For PostgreSQL: the dump to give `pg_restore` (the command restores the attachments only).
    pub pg_dump: Option<PathBuf>,
}

/// Restores the backup in `from` into a new place: every digest checked first; an SQLite
/// database copied to where the settings say (which must not exist yet); the attachments put
/// into the store (each checked again on the way in). For PostgreSQL the dump is left for
/// `pg_restore`.
pub async fn restore(from: &Path, target: Target<'_>, attachments: &Attachments) -> Result<Restored, BackupError> {
    let manifest = verify(from)?;
    if manifest.environment != target.environment {
        return Err(BackupError::Environment { backup: manifest.environment, server: target.environment.into() });
    }
    let pg_dump = match (target.database, manifest.database.file.as_str()) {
        (DatabaseLocation::Sqlite(path), SQLITE_FILE) => {
            if path.exists() {
                return Err(BackupError::DatabaseExists(path.clone()));
            }
            if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(folder).map_err(io(folder))?;
            }
            let part = path.with_extension(format!("restoring-{}", uuid::Uuid::new_v4()));
            std::fs::copy(from.join(SQLITE_FILE), &part).map_err(io(&part))?;
            std::fs::File::open(&part).and_then(|f| f.sync_all()).map_err(io(&part))?;
            std::fs::rename(&part, path).map_err(io(path))?;
            None
        }
        (DatabaseLocation::Postgres(_), POSTGRES_DUMP_FILE) => Some(from.join(POSTGRES_DUMP_FILE)),
        (DatabaseLocation::Sqlite(_), _) => return Err(BackupError::Kind { backup: "PostgreSQL", server: "SQLite" }),
        (DatabaseLocation::Postgres(_), _) => {
            return Err(BackupError::Kind { backup: "SQLite", server: "PostgreSQL" });
        }
    };
    for file in &manifest.attachments {
        let path = from.join(&file.file);
        let content = std::fs::read(&path).map_err(io(&path))?;
        attachments.put(&file.sha256, content.into()).await?;
    }
    Ok(Restored { manifest, pg_dump })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A manifest that names files outside what a backup holds is refused before any is read.
    #[test]
    fn a_manifest_naming_other_files_is_not_a_backup() {
        let dir = tempfile::tempdir().unwrap();
        let content = b"%PDF-1.7\n%%EOF\n";
        let sha = hex::encode(Sha256::digest(content));
        std::fs::write(dir.path().join(SQLITE_FILE), b"db").unwrap();
        let (db_sha, db_bytes) = digest_of_file(&dir.path().join(SQLITE_FILE)).unwrap();
        let manifest = |database: &str, attachment: &str| Manifest {
            format: FORMAT,
            made_at: DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
            server_version: "0.1.0".into(),
            schema_version: 18,
            environment: "production".into(),
            database: BackedUpFile { file: database.into(), sha256: db_sha.clone(), bytes: db_bytes },
            attachments: vec![BackedUpFile {
                file: attachment.into(),
                sha256: sha.clone(),
                bytes: content.len() as u64,
            }],
        };
        let write = |m: &Manifest| std::fs::write(dir.path().join(MANIFEST), serde_json::to_vec(m).unwrap()).unwrap();
        let proper = format!("attachments/{}/{sha}", &sha[..2]);
        std::fs::create_dir_all(dir.path().join(format!("attachments/{}", &sha[..2]))).unwrap();
        std::fs::write(dir.path().join(&proper), content).unwrap();
        write(&manifest(SQLITE_FILE, &proper));
        assert!(verify(dir.path()).is_ok());
        for (database, attachment) in
            [("/etc/passwd", proper.as_str()), (SQLITE_FILE, "/etc/passwd"), (SQLITE_FILE, "../outside")]
        {
            write(&manifest(database, attachment));
            assert!(matches!(verify(dir.path()), Err(BackupError::NotABackup(..))), "{database} {attachment}");
        }
    }
}
