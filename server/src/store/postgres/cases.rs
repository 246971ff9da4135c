//! PostgreSQL: service cases: outbox entries applied once, the case feed, look-ups.

use super::*;

#[async_trait]
impl CaseStore for PostgresStore {
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
            tx.execute_cached(
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
        let row = tx
            .query_opt_cached(UPDATE_CASE, &[&case_id, &expected_status, &status, &document, &at])
            .await
            .map_err(db)?;
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
        let row = client.query_one_cached("SELECT last FROM case_sequence", &[]).await.map_err(db)?;
        Ok(row.get(0))
    }

    async fn centre_cases_since(&self, centre: Uuid, since: DateTime<Utc>) -> Result<Vec<StoredCase>, StoreError> {
        self.query_cases(
            &format!(
                "SELECT {CASE_COLUMNS} FROM cases WHERE centre_id = $1 AND served_at >= $2 ORDER BY served_at, id"
            ),
            &[&centre, &since],
        )
        .await
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
            .query_one_cached("SELECT EXISTS (SELECT 1 FROM applied_entries WHERE id = $1)", &[&entry_id])
            .await
            .map_err(db)?;
        Ok(row.get(0))
    }

    async fn case_count(&self) -> Result<u64, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let row = client.query_one_cached("SELECT count(*) FROM cases", &[]).await.map_err(db)?;
        Ok(row.get::<_, i64>(0) as u64)
    }

    async fn record_form_submission(&self, submission: FormSubmissionRow) -> Result<bool, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let inserted = client
            .execute_cached(
                "INSERT INTO form_submissions (id, form_id, holder, case_number, application, received_at)
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
                &[
                    &submission.id,
                    &submission.form_id,
                    &submission.holder,
                    &submission.case_number,
                    &submission.application,
                    &submission.received_at,
                ],
            )
            .await
            .map_err(db)?;
        Ok(inserted > 0)
    }

    async fn form_submissions(
        &self,
        form_id: &str,
        after: i64,
        limit: u32,
    ) -> Result<(Vec<FormSubmissionRow>, i64), StoreError> {
        let rows = self
            .select(
                "SELECT seq, id, form_id, holder, case_number, application, received_at FROM form_submissions
                 WHERE form_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                &[&form_id, &after, &i64::from(limit)],
                |r| FormSubmissionRow {
                    seq: r.get(0),
                    id: r.get(1),
                    form_id: r.get(2),
                    holder: r.get(3),
                    case_number: r.get(4),
                    application: r.get(5),
                    received_at: r.get(6),
                },
            )
            .await?;
        let client = self.pool.get().await.map_err(pool_err)?;
        let head = client
            .query_one_cached(
                "SELECT COALESCE(MAX(seq), 0)::BIGINT FROM form_submissions WHERE form_id = $1",
                &[&form_id],
            )
            .await
            .map_err(db)?;
        Ok((rows, head.get(0)))
    }
}
