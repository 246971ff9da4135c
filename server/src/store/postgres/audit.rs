//! PostgreSQL: the hash-chained audit log.

use super::*;

#[async_trait]
impl AuditStore for PostgresStore {
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
            .query_cached(
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
            .query_cached(
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
        let row =
            client.query_one_cached("SELECT seq, hash FROM audit_head WHERE only_row = 1", &[]).await.map_err(db)?;
        Ok((row.get(0), hash_from_bytes(Some(row.get(1)))?.unwrap_or_default()))
    }
}
