//! SQLite: service cases: outbox entries applied once, the case feed, look-ups.

use super::*;

#[async_trait]
impl CaseStore for SqliteStore {
    async fn apply_case_writes(
        &self,
        device_id: Uuid,
        writes: Vec<CaseWrite>,
        at: DateTime<Utc>,
    ) -> Result<Vec<Result<EntryEffect, StoreError>>, StoreError> {
        self.with(move |c| {
            let mut tx = c.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
            let mut results = Vec::with_capacity(writes.len());
            let mut written = Vec::new();
            for write in writes {
                let savepoint = tx.savepoint().map_err(db)?;
                let result = apply_case_write(&savepoint, device_id, &write, at);
                match &result {
                    Ok(EntryEffect::Applied) => {
                        savepoint.commit().map_err(db)?;
                        written.push(write.case_id());
                    }
                    // Rolled back when dropped: nothing of a failed or repeated write stays.
                    _ => drop(savepoint),
                }
                results.push(result);
            }
            position_cases(&tx, &written)?;
            tx.commit().map_err(db)?;
            Ok(results)
        })
        .await
    }

    async fn change_case(
        &self,
        case_id: Uuid,
        expected_status: &str,
        status: &str,
        document: String,
        at: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let (expected_status, status) = (expected_status.to_owned(), status.to_owned());
        self.with(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
            update_case_row(&tx, case_id, &expected_status, &status, &document, at)?;
            let seq = take_case_seqs(&tx, 1)?;
            tx.execute("UPDATE cases SET change_seq = ?2 WHERE id = ?1", params![case_id.to_string(), seq])
                .map_err(db)?;
            tx.commit().map_err(db)?;
            Ok(seq)
        })
        .await
    }

    async fn case(&self, id: Uuid) -> Result<Option<StoredCase>, StoreError> {
        self.with(move |c| {
            Ok(query_cases(c, &format!("SELECT {CASE_COLUMNS} FROM cases WHERE id = ?1"), params![id.to_string()])?
                .pop())
        })
        .await
    }

    async fn case_by_number(&self, number: &str) -> Result<Option<StoredCase>, StoreError> {
        let number = number.to_owned();
        self.with(move |c| {
            Ok(query_cases(c, &format!("SELECT {CASE_COLUMNS} FROM cases WHERE number = ?1"), params![number])?.pop())
        })
        .await
    }

    async fn case_changes(&self, scope: CaseScope, after: i64, limit: u32) -> Result<Vec<StoredCase>, StoreError> {
        self.with(move |c| match scope {
            CaseScope::Centre(centre) => query_cases(
                c,
                &format!(
                    "SELECT {CASE_COLUMNS} FROM cases WHERE centre_id = ?1 AND change_seq > ?2
                     ORDER BY change_seq LIMIT ?3"
                ),
                params![centre.to_string(), after, i64::from(limit)],
            ),
            CaseScope::Institution(institution) => query_cases(
                c,
                &format!(
                    "SELECT {CASE_COLUMNS} FROM cases
                     WHERE (holder_institution = ?1 OR provider_institution = ?1) AND change_seq > ?2
                     ORDER BY change_seq LIMIT ?3"
                ),
                params![institution, after, i64::from(limit)],
            ),
        })
        .await
    }

    async fn case_head(&self) -> Result<i64, StoreError> {
        self.with(|c| c.query_row("SELECT last FROM case_sequence", [], |r| r.get(0)).map_err(db)).await
    }

    async fn centre_cases_since(&self, centre: Uuid, since: DateTime<Utc>) -> Result<Vec<StoredCase>, StoreError> {
        self.with(move |c| {
            query_cases(
                c,
                &format!(
                    "SELECT {CASE_COLUMNS} FROM cases WHERE centre_id = ?1 AND served_at >= ?2 ORDER BY served_at, id"
                ),
                params![centre.to_string(), since],
            )
        })
        .await
    }

    async fn customer_cases(&self, customer_code: &str, limit: u32) -> Result<Vec<StoredCase>, StoreError> {
        let code = customer_code.to_owned();
        self.with(move |c| {
            query_cases(
                c,
                &format!(
                    "SELECT {CASE_COLUMNS} FROM cases WHERE customer_code = ?1 ORDER BY served_at DESC, id LIMIT ?2"
                ),
                params![code, i64::from(limit)],
            )
        })
        .await
    }

    async fn entry_applied(&self, entry_id: Uuid) -> Result<bool, StoreError> {
        self.with(move |c| {
            c.query_row(
                "SELECT EXISTS (SELECT 1 FROM applied_entries WHERE id = ?1)",
                params![entry_id.to_string()],
                |r| r.get(0),
            )
            .map_err(db)
        })
        .await
    }

    async fn case_count(&self) -> Result<u64, StoreError> {
        self.with(|c| {
            c.query_row("SELECT count(*) FROM cases", [], |r| r.get::<_, i64>(0)).map_err(db).map(|n| n as u64)
        })
        .await
    }

    async fn record_form_submission(&self, submission: FormSubmissionRow) -> Result<bool, StoreError> {
        self.with(move |c| {
            let inserted = c
                .execute(
                    "INSERT INTO form_submissions (id, form_id, holder, case_number, application, received_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (id) DO NOTHING",
                    params![
                        submission.id.to_string(),
                        submission.form_id,
                        submission.holder,
                        submission.case_number,
                        submission.application,
                        submission.received_at
                    ],
                )
                .map_err(db)?;
            Ok(inserted > 0)
        })
        .await
    }

    async fn form_submissions(
        &self,
        form_id: &str,
        after: i64,
        limit: u32,
    ) -> Result<(Vec<FormSubmissionRow>, i64), StoreError> {
        let form_id = form_id.to_owned();
        self.with(move |c| {
            let mut statement = c
                .prepare_cached(
                    "SELECT seq, id, form_id, holder, case_number, application, received_at FROM form_submissions
                     WHERE form_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
                )
                .map_err(db)?;
            let rows = statement
                .query_map(params![form_id, after, i64::from(limit)], |r| {
                    Ok((
                        r.get::<_, String>(1)?,
                        FormSubmissionRow {
                            seq: r.get(0)?,
                            id: Uuid::nil(),
                            form_id: r.get(2)?,
                            holder: r.get(3)?,
                            case_number: r.get(4)?,
                            application: r.get(5)?,
                            received_at: r.get(6)?,
                        },
                    ))
                })
                .map_err(db)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(db)?;
            let head: i64 = c
                .query_row(
                    "SELECT COALESCE(MAX(seq), 0) FROM form_submissions WHERE form_id = ?1",
                    params![form_id],
                    |r| r.get(0),
                )
                .map_err(db)?;
            let rows = rows
                .into_iter()
                .map(|(id, row)| Ok(FormSubmissionRow { id: parse_uuid(id)?, ..row }))
                .collect::<Result<Vec<_>, StoreError>>()?;
            Ok((rows, head))
        })
        .await
    }
}
