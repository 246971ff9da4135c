//! SQLite: the hash-chained audit log.

use super::*;

#[async_trait]
impl AuditStore for SqliteStore {
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
}
