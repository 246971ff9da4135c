//! The tamper-evident audit log: every access to and change of a mailbox or case by an
//! institution or citizen, every login, delegation and consent is an entry carrying the hash of
//! the entry before it. `pietura-server audit verify` walks the chain and names the first entry
//! that was changed, removed or moved.
//!
//! The hash covers every field, each length-prefixed (so no two different entries encode
//! alike), and the previous entry's hash; the store's head row keeps the last sequence number
//! and hash, so removing entries from the end shows too. (Someone able to rewrite the whole
//! table and the head consistently is not detected by the chain alone: publish or anchor the
//! head hash elsewhere for that.)

use chrono::{DateTime, SubsecRound, Utc};
use sha2::{Digest, Sha256};

use crate::store::{Store, StoreError};

/// An entry as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// 1, 2, 3, … without gaps.
    pub seq: i64,
    pub at: DateTime<Utc>,
    /// Who acted: `person:<code>`, `institution:<iri>`, `device:<id>`, `operator`.
    pub actor: String,
    /// What was done: `login`, `case_read`, `mailbox_read`, `delegation_granted`, …
    pub action: String,
    /// What it was done to: a case number, a mailbox address, a person.
    pub subject: String,
    pub detail: String,
    pub prev_hash: [u8; 32],
    pub hash: [u8; 32],
}

/// An entry to record; the store gives it its place and hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEntry {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
}

impl NewAuditEntry {
    pub fn new(
        at: DateTime<Utc>,
        actor: impl Into<String>,
        action: impl Into<String>,
        subject: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        // Microseconds: what both backends keep, so the hash computed now is the one checked later.
        Self {
            at: at.trunc_subsecs(6),
            actor: actor.into(),
            action: action.into(),
            subject: subject.into(),
            detail: detail.into(),
        }
    }
}

/// The hash of the first entry's predecessor.
pub const GENESIS: [u8; 32] = [0; 32];

/// An entry's hash: SHA-256 over the previous hash and the length-prefixed fields.
pub fn entry_hash(prev_hash: &[u8; 32], seq: i64, entry: &NewAuditEntry) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(HASH_PREFIX);
    hasher.update(prev_hash);
    hasher.update(seq.to_be_bytes());
    hasher.update(hashed_fields(entry));
    hasher.finalize().into()
}

/// What every entry's hash starts with.
pub const HASH_PREFIX: &[u8] = b"pietura-audit-v1";

/// The entry's own part of its hash (after the prefix, the previous hash and the sequence
/// number): its fields, each prefixed with its length. PostgreSQL appends an entry in one
/// statement, hashing `HASH_PREFIX || previous hash || seq (8 bytes, big-endian) || these` with
/// its own `sha256()` while it holds the chain's head.
pub fn hashed_fields(entry: &NewAuditEntry) -> Vec<u8> {
    let at = entry.at.trunc_subsecs(6).format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string();
    let mut bytes = Vec::with_capacity(at.len() + entry.actor.len() + entry.action.len() + entry.subject.len() + 80);
    for field in [at.as_str(), &entry.actor, &entry.action, &entry.subject, &entry.detail] {
        bytes.extend_from_slice(&(field.len() as u64).to_be_bytes());
        bytes.extend_from_slice(field.as_bytes());
    }
    bytes
}

/// What is wrong with the chain, naming the entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    #[error("entry {seq} was changed: its content does not match its hash")]
    Changed { seq: i64 },
    #[error("entries are missing before entry {seq} (expected {expected} next)")]
    Removed { seq: i64, expected: i64 },
    #[error("entry {seq} does not follow the entry before it: entries were removed, inserted or reordered")]
    Broken { seq: i64 },
    #[error("the log ends at entry {last} but its head says {head}: entries were removed from the end")]
    Truncated { last: i64, head: i64 },
    #[error("the head's hash does not match the last entry {seq}")]
    HeadMismatch { seq: i64 },
    #[error("entry {seq} is not the entry a signed checkpoint recorded there: the log was rewritten")]
    CheckpointMismatch { seq: i64 },
}

/// Checks a run of entries in order, continuing from `(prev_seq, prev_hash)`; answers the last
/// (seq, hash) seen.
pub fn check_run(
    entries: &[AuditEntry],
    mut prev_seq: i64,
    mut prev_hash: [u8; 32],
) -> Result<(i64, [u8; 32]), ChainError> {
    for entry in entries {
        if entry.seq != prev_seq + 1 {
            return Err(ChainError::Removed { seq: entry.seq, expected: prev_seq + 1 });
        }
        let content = NewAuditEntry {
            at: entry.at,
            actor: entry.actor.clone(),
            action: entry.action.clone(),
            subject: entry.subject.clone(),
            detail: entry.detail.clone(),
        };
        if entry.hash != entry_hash(&entry.prev_hash, entry.seq, &content) {
            return Err(ChainError::Changed { seq: entry.seq });
        }
        if entry.prev_hash != prev_hash {
            return Err(ChainError::Broken { seq: entry.seq });
        }
        prev_seq = entry.seq;
        prev_hash = entry.hash;
    }
    Ok((prev_seq, prev_hash))
}

/// Records an entry.
pub async fn record(store: &dyn Store, entry: NewAuditEntry) -> Result<AuditEntry, StoreError> {
    store.append_audit(entry).await
}

/// Records an entry unless the latest entry about its subject is the same action with the same
/// detail from less than `within` ago: a refusal repeated in a loop is one entry, so the log
/// cannot be flooded through it.
pub async fn record_unless_recent(
    store: &dyn Store,
    entry: NewAuditEntry,
    within: chrono::Duration,
) -> Result<(), StoreError> {
    let latest = store.audit_entries_about(entry.subject.clone(), None, 1).await?;
    let repeated = latest
        .first()
        .is_some_and(|e| e.action == entry.action && e.detail == entry.detail && entry.at - e.at < within);
    if !repeated {
        store.append_audit(entry).await?;
    }
    Ok(())
}

/// The result of a whole-log check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub entries: i64,
    pub head_hash: [u8; 32],
}

/// Walks the whole log, a page at a time, and checks it against the head.
pub async fn verify(store: &dyn Store) -> Result<Result<Verified, ChainError>, StoreError> {
    crate::audit_checkpoint::verify_with(store, &[]).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditEntry> {
        let mut prev = GENESIS;
        (1..=n)
            .map(|seq| {
                let at = DateTime::from_timestamp(1_800_000_000 + seq, 123_456_789).unwrap();
                let entry = NewAuditEntry::new(at, "person:161175-19997", "mailbox_read", "_PRIVATE@16117519997", "");
                let hash = entry_hash(&prev, seq, &entry);
                let recorded = AuditEntry {
                    seq,
                    at: entry.at,
                    actor: entry.actor,
                    action: entry.action,
                    subject: entry.subject,
                    detail: entry.detail,
                    prev_hash: prev,
                    hash,
                };
                prev = hash;
                recorded
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_checks_and_every_kind_of_tampering_is_named() {
        let entries = chain(5);
        assert_eq!(check_run(&entries, 0, GENESIS).map(|(seq, _)| seq), Ok(5));
        let mut changed = entries.clone();
        changed[2].detail = "nothing to see".into();
        assert_eq!(check_run(&changed, 0, GENESIS), Err(ChainError::Changed { seq: 3 }));
        let mut removed = entries.clone();
        removed.remove(1);
        assert_eq!(check_run(&removed, 0, GENESIS), Err(ChainError::Removed { seq: 3, expected: 2 }));
        // Swapped and renumbered, each with a fresh hash of its own: the links still break.
        let mut reordered = entries.clone();
        reordered.swap(1, 2);
        reordered[1].seq = 2;
        reordered[2].seq = 3;
        for entry in &mut reordered[1..3] {
            let content = NewAuditEntry::new(entry.at, &*entry.actor, &*entry.action, &*entry.subject, &*entry.detail);
            entry.hash = entry_hash(&entry.prev_hash, entry.seq, &content);
        }
        assert_eq!(check_run(&reordered, 0, GENESIS), Err(ChainError::Broken { seq: 2 }));
    }

    #[test]
    fn fields_cannot_trade_characters_without_changing_the_hash() {
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let a = NewAuditEntry::new(at, "ab", "c", "", "");
        let b = NewAuditEntry::new(at, "a", "bc", "", "");
        assert_ne!(entry_hash(&GENESIS, 1, &a), entry_hash(&GENESIS, 1, &b));
        // Nanoseconds beyond microseconds do not change what is hashed.
        let fine = NewAuditEntry::new(DateTime::from_timestamp(1_800_000_000, 1_000_001).unwrap(), "a", "b", "", "");
        let coarse = NewAuditEntry::new(DateTime::from_timestamp(1_800_000_000, 1_000_000).unwrap(), "a", "b", "", "");
        assert_eq!(entry_hash(&GENESIS, 1, &fine), entry_hash(&GENESIS, 1, &coarse));
    }
}
