//! Signed checkpoints of the audit log, so that tampering shows without trusting the database.
//!
//! The chain's hashes are unkeyed: whoever can write to the database can rewrite entries and
//! recompute every hash after them, head included. A checkpoint is the head (its position and
//! hash) signed with an Ed25519 key kept in a file outside the database; the operator exports
//! checkpoints (`pietura-server audit checkpoint`, and the server writes one every
//! `audit_checkpoint_minutes` into `audit_checkpoint_dir`) and keeps them elsewhere.
//! `audit verify --checkpoint FILE` then proves the log still holds, at each checkpoint's
//! position, the entry it held when signed: a rewrite of anything before a checkpoint is found
//! even if the chain itself was made consistent again.

use std::{
    collections::HashMap,
    io::Write,
    path::{Path, PathBuf},
};

use chrono::{DateTime, SecondsFormat, Utc};
use ring::{
    rand::SystemRandom,
    signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey},
};
use serde::{Deserialize, Serialize};

use crate::{
    audit::{ChainError, GENESIS, Verified, check_run},
    store::{Store, StoreError},
};

#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error("the audit key {path}: {reason}")]
    Key { path: String, reason: String },
    #[error("the checkpoint {path}: {reason}")]
    File { path: String, reason: String },
    #[error("the checkpoint at entry {seq} is not signed by this server's audit key")]
    ForeignKey { seq: i64 },
    #[error("the checkpoint at entry {seq} has a signature that does not match its content")]
    BadSignature { seq: i64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The server's audit signing key, from a file of its own (PKCS#8), never from the database.
pub struct AuditKey {
    pair: Ed25519KeyPair,
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditKey").field("public_key", &self.public_key_hex()).finish_non_exhaustive()
    }
}

impl AuditKey {
    /// Reads the key in `path`, or makes one there (readable by the server's user only) when
    /// there is none yet.
    pub fn load_or_create(path: &Path) -> Result<Self, CheckpointError> {
        let error = |reason: String| CheckpointError::Key { path: path.display().to_string(), reason };
        match std::fs::read(path) {
            Ok(bytes) => Ok(Self { pair: Ed25519KeyPair::from_pkcs8(&bytes).map_err(|e| error(e.to_string()))? }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).map_err(|e| error(e.to_string()))?;
                write_private(path, pkcs8.as_ref()).map_err(|e| error(e.to_string()))?;
                tracing::info!(path = %path.display(), "made a new audit signing key");
                Self::load_or_create(path)
            }
            Err(e) => Err(error(e.to_string())),
        }
    }

    pub fn public_key_hex(&self) -> String {
        hex::encode(self.pair.public_key().as_ref())
    }
}

/// Writes a new file that only its owner may read, whole or not at all.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let directory = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut temporary = tempfile::NamedTempFile::new_in(directory)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        temporary.as_file().set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    temporary.write_all(bytes)?;
    temporary.as_file().sync_all()?;
    // Never replaces a key already there (two processes making one at once keep the first).
    temporary.persist_noclobber(path).map_err(|e| e.error)?;
    Ok(())
}

/// The audit log's head at a moment, signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    pub format: String,
    pub seq: i64,
    /// The entry's hash, hex.
    pub hash: String,
    pub at: DateTime<Utc>,
    /// The signing key's public half, hex.
    pub public_key: String,
    /// Ed25519 over [`signed_text`], hex.
    pub signature: String,
}

const FORMAT: &str = "pietura-audit-checkpoint-v1";

fn signed_text(seq: i64, hash: &str, at: DateTime<Utc>) -> String {
    format!("{FORMAT}\n{seq}\n{hash}\n{}", at.to_rfc3339_opts(SecondsFormat::Micros, true))
}

/// Signs the log's head as it is now.
pub async fn make(store: &dyn Store, key: &AuditKey, now: DateTime<Utc>) -> Result<Checkpoint, CheckpointError> {
    let (seq, hash) = store.audit_head().await?;
    let hash = hex::encode(hash);
    let signature = key.pair.sign(signed_text(seq, &hash, now).as_bytes());
    Ok(Checkpoint {
        format: FORMAT.into(),
        seq,
        hash,
        at: now,
        public_key: key.public_key_hex(),
        signature: hex::encode(signature.as_ref()),
    })
}

/// Reads a checkpoint file.
pub fn read(path: &Path) -> Result<Checkpoint, CheckpointError> {
    let error = |reason: String| CheckpointError::File { path: path.display().to_string(), reason };
    let text = std::fs::read_to_string(path).map_err(|e| error(e.to_string()))?;
    let checkpoint: Checkpoint = serde_json::from_str(&text).map_err(|e| error(e.to_string()))?;
    if checkpoint.format != FORMAT {
        return Err(error(format!("format {:?} is not {FORMAT:?}", checkpoint.format)));
    }
    Ok(checkpoint)
}

/// Checks a checkpoint's signature, by `trusted` (the server's key, hex) when known: a
/// checkpoint signed by another key proves nothing about this log.
pub fn check_signature(checkpoint: &Checkpoint, trusted: Option<&str>) -> Result<(), CheckpointError> {
    let seq = checkpoint.seq;
    if trusted.is_some_and(|key| !key.eq_ignore_ascii_case(&checkpoint.public_key)) {
        return Err(CheckpointError::ForeignKey { seq });
    }
    let (Ok(public_key), Ok(signature)) = (hex::decode(&checkpoint.public_key), hex::decode(&checkpoint.signature))
    else {
        return Err(CheckpointError::BadSignature { seq });
    };
    UnparsedPublicKey::new(&ED25519, public_key)
        .verify(signed_text(seq, &checkpoint.hash, checkpoint.at).as_bytes(), &signature)
        .map_err(|_| CheckpointError::BadSignature { seq })
}

/// Walks the whole log as [`crate::audit::verify`] does and also checks that each
/// checkpoint's entry is still there with the hash it had when signed.
pub async fn verify_with(
    store: &dyn Store,
    checkpoints: &[Checkpoint],
) -> Result<Result<Verified, ChainError>, StoreError> {
    const PAGE: u32 = 5_000;
    let expected: HashMap<i64, &str> = checkpoints.iter().map(|c| (c.seq, c.hash.as_str())).collect();
    let (head_seq, head_hash) = store.audit_head().await?;
    let (mut seq, mut hash) = (0, GENESIS);
    loop {
        let page = store.audit_entries(seq, PAGE).await?;
        if page.is_empty() {
            break;
        }
        match check_run(&page, seq, hash) {
            Ok((last_seq, last_hash)) => (seq, hash) = (last_seq, last_hash),
            Err(error) => return Ok(Err(error)),
        }
        for entry in &page {
            if let Some(signed) = expected.get(&entry.seq)
                && !signed.eq_ignore_ascii_case(&hex::encode(entry.hash))
            {
                return Ok(Err(ChainError::CheckpointMismatch { seq: entry.seq }));
            }
        }
    }
    if let Some(beyond) = checkpoints.iter().map(|c| c.seq).filter(|s| *s > seq).max() {
        return Ok(Err(ChainError::Truncated { last: seq, head: beyond }));
    }
    if seq != head_seq {
        return Ok(Err(ChainError::Truncated { last: seq, head: head_seq }));
    }
    if hash != head_hash {
        return Ok(Err(ChainError::HeadMismatch { seq }));
    }
    Ok(Ok(Verified { entries: seq, head_hash: hash }))
}

/// Writes a checkpoint into `dir` as `audit-<seq>-<time>.json` (owner-only, whole or not at
/// all); answers its path.
pub fn save(dir: &Path, checkpoint: &Checkpoint) -> Result<PathBuf, CheckpointError> {
    let path = dir.join(format!("audit-{:012}-{}.json", checkpoint.seq, checkpoint.at.format("%Y%m%dT%H%M%S%.6fZ")));
    let error = |reason: String| CheckpointError::File { path: path.display().to_string(), reason };
    std::fs::create_dir_all(dir).map_err(|e| error(e.to_string()))?;
    let text = serde_json::to_string_pretty(checkpoint).map_err(|e| error(e.to_string()))?;
    write_private(&path, text.as_bytes()).map_err(|e| error(e.to_string()))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checkpoint_verifies_only_as_signed_and_only_by_its_key() {
        let dir = tempfile::tempdir().unwrap();
        let key = AuditKey::load_or_create(&dir.path().join("audit.key")).unwrap();
        let again = AuditKey::load_or_create(&dir.path().join("audit.key")).unwrap();
        assert_eq!(key.public_key_hex(), again.public_key_hex(), "the key is kept, not made anew");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("audit.key")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let hash = "ab".repeat(32);
        let signature = key.pair.sign(signed_text(7, &hash, at).as_bytes());
        let checkpoint = Checkpoint {
            format: FORMAT.into(),
            seq: 7,
            hash: hash.clone(),
            at,
            public_key: key.public_key_hex(),
            signature: hex::encode(signature.as_ref()),
        };
        check_signature(&checkpoint, Some(&key.public_key_hex())).unwrap();
        let moved = Checkpoint { seq: 6, ..checkpoint.clone() };
        assert!(matches!(check_signature(&moved, None), Err(CheckpointError::BadSignature { seq: 6 })));
        let other = AuditKey::load_or_create(&dir.path().join("other.key")).unwrap();
        assert!(matches!(
            check_signature(&checkpoint, Some(&other.public_key_hex())),
            Err(CheckpointError::ForeignKey { seq: 7 })
        ));
        let saved = save(&dir.path().join("checkpoints"), &checkpoint).unwrap();
        assert_eq!(read(&saved).unwrap(), checkpoint);
    }
}
