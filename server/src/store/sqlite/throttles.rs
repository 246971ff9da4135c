//! SQLite: throttles' attempts. The write transaction (`IMMEDIATE`) serialises check and count.

use super::*;
use crate::store::ThrottleStore;

#[async_trait]
impl ThrottleStore for SqliteStore {
    async fn take_attempt(
        &self,
        scope: &str,
        key: &str,
        at: DateTime<Utc>,
        max: u32,
        window: chrono::Duration,
    ) -> Result<Result<i64, DateTime<Utc>>, StoreError> {
        let (scope, key) = (scope.to_owned(), key.to_owned());
        self.with(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
            let since = at - window;
            tx.execute("DELETE FROM throttle_attempts WHERE scope = ?1 AND at <= ?2", params![scope, since])
                .map_err(db)?;
            // The max-th newest attempt still counting: while there is one, the key waits for it
            // to leave the window.
            let oldest_counting: Option<DateTime<Utc>> = tx
                .query_row(
                    "SELECT at FROM throttle_attempts WHERE scope = ?1 AND key = ?2 AND at > ?3
                     ORDER BY at DESC LIMIT 1 OFFSET ?4",
                    params![scope, key, since, max.saturating_sub(1)],
                    |r| r.get(0),
                )
                .optional()
                .map_err(db)?;
            let taken = match oldest_counting {
                Some(oldest) => Err(oldest + window),
                None => {
                    tx.execute(
                        "INSERT INTO throttle_attempts (scope, key, at) VALUES (?1, ?2, ?3)",
                        params![scope, key, at],
                    )
                    .map_err(db)?;
                    Ok(tx.last_insert_rowid())
                }
            };
            tx.commit().map_err(db)?;
            Ok(taken)
        })
        .await
    }

    async fn give_back_attempt(&self, id: i64) -> Result<(), StoreError> {
        self.with(move |c| {
            c.execute("DELETE FROM throttle_attempts WHERE id = ?1", params![id]).map_err(db)?;
            Ok(())
        })
        .await
    }

    async fn first_refusal(
        &self,
        scope: &str,
        key: &str,
        at: DateTime<Utc>,
        window: chrono::Duration,
    ) -> Result<bool, StoreError> {
        let (scope, key) = (scope.to_owned(), key.to_owned());
        self.with(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
            let since = at - window;
            tx.execute(
                "DELETE FROM throttle_refusals WHERE scope = ?1 AND reported_at <= ?2 AND key <> ?3",
                params![scope, since, key],
            )
            .map_err(db)?;
            let first = tx
                .query_row(
                    "INSERT INTO throttle_refusals (scope, key, reported_at) VALUES (?1, ?2, ?3)
                     ON CONFLICT (scope, key) DO UPDATE SET reported_at = excluded.reported_at
                         WHERE throttle_refusals.reported_at <= ?4
                     RETURNING 1",
                    params![scope, key, at, since],
                    |_| Ok(()),
                )
                .optional()
                .map_err(db)?
                .is_some();
            tx.commit().map_err(db)?;
            Ok(first)
        })
        .await
    }
}
