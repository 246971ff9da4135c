//! PostgreSQL: throttles' attempts. A transaction-scoped advisory lock on the scope and key
//! serialises check and count across every server over the database.

use super::*;
use crate::store::ThrottleStore;

/// Stale rows removed per attempt at most (skipping rows another attempt holds):
/// housekeeping stays small and never waits.
const PURGE_BATCH: i64 = 100;

#[async_trait]
impl ThrottleStore for PostgresStore {
    async fn take_attempt(
        &self,
        scope: &str,
        key: &str,
        at: DateTime<Utc>,
        max: u32,
        window: chrono::Duration,
    ) -> Result<Result<i64, DateTime<Utc>>, StoreError> {
        let mut client = self.pool.get().await.map_err(pool_err)?;
        let tx = client.transaction().await.map_err(db)?;
        let since = at - window;
        tx.execute_cached(
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
            &[&format!("throttle {scope} {key}")],
        )
        .await
        .map_err(db)?;
        tx.execute_cached(
            "DELETE FROM throttle_attempts WHERE id IN (
                 SELECT id FROM throttle_attempts WHERE scope = $1 AND at <= $2 LIMIT $3 FOR UPDATE SKIP LOCKED)",
            &[&scope, &since, &PURGE_BATCH],
        )
        .await
        .map_err(db)?;
        // The max-th newest attempt still counting: while there is one, the key waits for it to
        // leave the window.
        let oldest_counting = tx
            .query_opt_cached(
                "SELECT at FROM throttle_attempts WHERE scope = $1 AND key = $2 AND at > $3
                 ORDER BY at DESC LIMIT 1 OFFSET $4",
                &[&scope, &key, &since, &i64::from(max.saturating_sub(1))],
            )
            .await
            .map_err(db)?;
        let taken = match oldest_counting {
            Some(row) => Err(row.get::<_, DateTime<Utc>>(0) + window),
            None => {
                let row = tx
                    .query_one_cached(
                        "INSERT INTO throttle_attempts (scope, key, at) VALUES ($1, $2, $3) RETURNING id",
                        &[&scope, &key, &at],
                    )
                    .await
                    .map_err(db)?;
                Ok(row.get(0))
            }
        };
        tx.commit().await.map_err(db)?;
        Ok(taken)
    }

    async fn give_back_attempt(&self, id: i64) -> Result<(), StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        client.execute_cached("DELETE FROM throttle_attempts WHERE id = $1", &[&id]).await.map_err(db)?;
        Ok(())
    }

    async fn first_refusal(
        &self,
        scope: &str,
        key: &str,
        at: DateTime<Utc>,
        window: chrono::Duration,
    ) -> Result<bool, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let since = at - window;
        client
            .execute_cached(
                "DELETE FROM throttle_refusals WHERE (scope, key) IN (
                     SELECT scope, key FROM throttle_refusals WHERE scope = $1 AND reported_at <= $2 AND key <> $3
                     LIMIT $4 FOR UPDATE SKIP LOCKED)",
                &[&scope, &since, &key, &PURGE_BATCH],
            )
            .await
            .map_err(db)?;
        // A racing refusal waits for the row and sees it reported: exactly one is first.
        let first = client
            .query_opt_cached(
                "INSERT INTO throttle_refusals (scope, key, reported_at) VALUES ($1, $2, $3)
                 ON CONFLICT (scope, key) DO UPDATE SET reported_at = excluded.reported_at
                     WHERE throttle_refusals.reported_at <= $4
                 RETURNING 1",
                &[&scope, &key, &at, &since],
            )
            .await
            .map_err(db)?
            .is_some();
        Ok(first)
    }
}
