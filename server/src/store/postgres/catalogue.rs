//! PostgreSQL: institutions and their API keys, and the catalogue they own: versioned records, the change feed, article flags.

use super::*;

#[async_trait]
impl CatalogueStore for PostgresStore {
    async fn add_institution(&self, institution: Institution) -> Result<Institution, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        client
            .execute_cached(
                "INSERT INTO institutions (id, name, is_central_editor, created_at) VALUES ($1, $2, $3, $4)",
                &[&institution.id, &institution.name, &institution.is_central_editor, &institution.created_at],
            )
            .await
            .map_err(|e| map_err(e, || format!("an institution with the id {:?}", institution.id)))?;
        Ok(institution)
    }

    async fn list_institutions(&self) -> Result<Vec<Institution>, StoreError> {
        self.select(
            "SELECT id, name, is_central_editor, created_at FROM institutions ORDER BY name, id",
            &[],
            institution_from_row,
        )
        .await
    }

    async fn set_institution_case_code(&self, id: &str, code: &str) -> Result<(), StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let changed = client
            .execute_cached("UPDATE institutions SET case_code = $2 WHERE id = $1", &[&id, &code])
            .await
            .map_err(|e| map_err(e, || format!("the case code {code:?} (another institution has it)")))?;
        if changed == 0 {
            return Err(StoreError::NotFound { what: format!("the institution {id}") });
        }
        Ok(())
    }

    async fn institution_case_code(&self, id: &str) -> Result<Option<String>, StoreError> {
        let rows = self
            .select("SELECT case_code FROM institutions WHERE id = $1", &[&id], |r| r.get::<_, Option<String>>(0))
            .await?;
        Ok(rows.into_iter().next().flatten())
    }

    async fn register_institution_case(
        &self,
        case: NewInstitutionCase,
    ) -> Result<(InstitutionCaseRow, bool), StoreError> {
        const SELECT: &str =
            "SELECT id, institution_id, own_id, number, service_id, kind, channel, served_at, registered_at, request
                              FROM institution_cases";
        let from_row = |r: &Row| InstitutionCaseRow {
            id: r.get(0),
            institution_id: r.get(1),
            own_id: r.get(2),
            number: r.get(3),
            service_id: r.get(4),
            kind: r.get(5),
            channel: r.get(6),
            served_at: r.get(7),
            registered_at: r.get(8),
            request: r.get(9),
        };
        let mut client = self.pool.get().await.map_err(pool_err)?;
        let tx = client.transaction().await.map_err(db)?;
        // One registration of an institution at a time: numbers follow each other.
        tx.execute_cached("SELECT 1 FROM institutions WHERE id = $1 FOR UPDATE", &[&case.institution_id])
            .await
            .map_err(db)?;
        let existing = tx
            .query_opt_cached(
                &format!("{SELECT} WHERE institution_id = $1 AND own_id = $2"),
                &[&case.institution_id, &case.own_id],
            )
            .await
            .map_err(db)?;
        if let Some(existing) = existing {
            return Ok((from_row(&existing), false));
        }
        let year = chrono::Datelike::year(&case.registered_at);
        let channel_number = i32::from(case.channel_number);
        let last: i32 = tx
            .query_one_cached(
                "SELECT coalesce(max(sequence), 0) FROM institution_cases
                 WHERE institution_id = $1 AND channel_number = $2 AND year = $3",
                &[&case.institution_id, &channel_number, &year],
            )
            .await
            .map_err(db)?
            .get(0);
        let number = crate::store::institution_case_number(&case, year, i64::from(last) + 1)?;
        tx.execute_cached(
            "INSERT INTO institution_cases (id, institution_id, own_id, number, channel_number, year, sequence,
                 service_id, kind, channel, served_at, registered_at, request)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            &[
                &case.id,
                &case.institution_id,
                &case.own_id,
                &number,
                &channel_number,
                &year,
                &(last + 1),
                &case.service_id,
                &case.kind,
                &case.channel,
                &case.served_at,
                &case.registered_at,
                &case.request,
            ],
        )
        .await
        .map_err(|e| map_err(e, || format!("the case number {number}")))?;
        append_audit_in(&tx, &case.audit).await?;
        let row = tx.query_one_cached(&format!("{SELECT} WHERE id = $1"), &[&case.id]).await.map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok((from_row(&row), true))
    }

    async fn add_institution_key(
        &self,
        key_id: Uuid,
        institution_id: &str,
        secret_hash: [u8; 32],
        at: DateTime<Utc>,
        expires_at: Option<DateTime<Utc>>,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<(), StoreError> {
        let mut client = self.pool.get().await.map_err(pool_err)?;
        let tx = client.transaction().await.map_err(db)?;
        tx.execute_cached(
            "INSERT INTO institution_keys (id, institution_id, secret_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
            &[&key_id, &institution_id, &secret_hash.as_slice(), &at, &expires_at],
        )
        .await
        .map_err(|e| map_err(e, || format!("institution {institution_id}")))?;
        append_audit_in(&tx, &audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn institution_key_record(&self, key_id: Uuid) -> Result<Option<InstitutionKeyRecord>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let sql = format!("{INSTITUTION_KEY_SELECT} WHERE k.id = $1");
        client.query_opt_cached(&sql, &[&key_id]).await.map_err(db)?.as_ref().map(institution_key_from_row).transpose()
    }

    async fn institution_keys(&self, institution_id: Option<String>) -> Result<Vec<InstitutionKeyRecord>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let sql = format!(
            "{INSTITUTION_KEY_SELECT} WHERE $1::TEXT IS NULL OR k.institution_id = $1 ORDER BY k.created_at, k.id"
        );
        client.query_cached(&sql, &[&institution_id]).await.map_err(db)?.iter().map(institution_key_from_row).collect()
    }

    async fn revoke_institution_key(
        &self,
        key_id: Uuid,
        at: DateTime<Utc>,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<Option<InstitutionKeyRecord>, StoreError> {
        let mut client = self.pool.get().await.map_err(pool_err)?;
        let tx = client.transaction().await.map_err(db)?;
        let changed = tx
            .execute_cached(
                "UPDATE institution_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
                &[&key_id, &at],
            )
            .await
            .map_err(db)?;
        if changed > 0 {
            append_audit_in(&tx, &audit).await?;
        }
        let sql = format!("{INSTITUTION_KEY_SELECT} WHERE k.id = $1");
        let record = tx
            .query_opt_cached(&sql, &[&key_id])
            .await
            .map_err(db)?
            .as_ref()
            .map(institution_key_from_row)
            .transpose()?;
        tx.commit().await.map_err(db)?;
        Ok(record)
    }

    async fn apply_catalogue_changes(
        &self,
        changes: Vec<RecordChange>,
        at: DateTime<Utc>,
    ) -> Result<Vec<StoredRecord>, StoreError> {
        let mut client = self.pool.get().await.map_err(pool_err)?;
        let tx = client.transaction().await.map_err(db)?;
        // The counter row's lock is held until commit, so feed positions are handed out in commit
        // order: a reader never sees position n+1 before n.
        let select = tx
            .prepare("SELECT version FROM catalogue_records WHERE kind = $1 AND id = $2 FOR UPDATE")
            .await
            .map_err(db)?;
        let next = tx.prepare("UPDATE catalogue_sequence SET last = last + 1 RETURNING last").await.map_err(db)?;
        let upsert = tx
            .prepare(
                "INSERT INTO catalogue_records (kind, id, owner, version, retired, document, change_seq, changed_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT (kind, id) DO UPDATE SET owner = excluded.owner, version = excluded.version,
                     retired = excluded.retired, document = excluded.document,
                     change_seq = excluded.change_seq, changed_at = excluded.changed_at",
            )
            .await
            .map_err(db)?;
        let mut stored = Vec::with_capacity(changes.len());
        for change in &changes {
            let current: Option<i64> =
                tx.query_opt(&select, &[&change.kind.as_str(), &change.id]).await.map_err(db)?.map(|r| r.get(0));
            let (version, document) = versioned_document(change, current.map(|v| v as u64))?;
            let seq: i64 = tx.query_one(&next, &[]).await.map_err(db)?.get(0);
            tx.execute(
                &upsert,
                &[
                    &change.kind.as_str(),
                    &change.id,
                    &change.owner,
                    &(version as i64),
                    &change.retired,
                    &document,
                    &seq,
                    &at,
                ],
            )
            .await
            .map_err(db)?;
            if change.kind == RecordKind::Article {
                tx.execute_cached("DELETE FROM article_services WHERE article_id = $1", &[&change.id])
                    .await
                    .map_err(db)?;
                if !change.retired {
                    for service in &change.linked_services {
                        tx.execute_cached(
                            "INSERT INTO article_services (article_id, service_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                            &[&change.id, service],
                        )
                        .await
                        .map_err(db)?;
                    }
                }
            }
            stored.push(StoredRecord {
                kind: change.kind,
                id: change.id.clone(),
                owner: change.owner.clone(),
                version,
                retired: change.retired,
                document,
                seq,
                changed_at: at,
            });
        }
        tx.commit().await.map_err(db)?;
        Ok(stored)
    }

    async fn catalogue_record(&self, kind: RecordKind, id: &str) -> Result<Option<StoredRecord>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let sql = format!("SELECT {RECORD_COLUMNS} FROM catalogue_records WHERE kind = $1 AND id = $2");
        client
            .query_opt_cached(&sql, &[&kind.as_str(), &id])
            .await
            .map_err(db)?
            .as_ref()
            .map(record_from_row)
            .transpose()
    }

    async fn catalogue_records(&self, kind: RecordKind) -> Result<Vec<StoredRecord>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let sql = format!("SELECT {RECORD_COLUMNS} FROM catalogue_records WHERE kind = $1 ORDER BY id");
        client.query_cached(&sql, &[&kind.as_str()]).await.map_err(db)?.iter().map(record_from_row).collect()
    }

    async fn articles_linked_to(&self, service_id: &str) -> Result<Vec<StoredRecord>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let sql = format!(
            "SELECT {RECORD_COLUMNS} FROM catalogue_records WHERE kind = 'article' AND id IN
             (SELECT article_id FROM article_services WHERE service_id = $1) ORDER BY id"
        );
        client.query_cached(&sql, &[&service_id]).await.map_err(db)?.iter().map(record_from_row).collect()
    }

    async fn catalogue_changes(&self, after: i64, limit: u32) -> Result<Vec<StoredRecord>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let sql = format!(
            "SELECT {RECORD_COLUMNS} FROM catalogue_records WHERE change_seq > $1 ORDER BY change_seq LIMIT $2"
        );
        client.query_cached(&sql, &[&after, &i64::from(limit)]).await.map_err(db)?.iter().map(record_from_row).collect()
    }

    async fn catalogue_head(&self) -> Result<i64, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        Ok(client.query_one_cached("SELECT last FROM catalogue_sequence", &[]).await.map_err(db)?.get(0))
    }

    async fn add_article_flag(&self, flag: ArticleFlag) -> Result<(), StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        client
            .execute_cached(
                "INSERT INTO article_flags (id, article_id, owner, reason, note, device_id, centre_name, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                &[
                    &flag.id,
                    &flag.article_id,
                    &flag.owner,
                    &flag.reason,
                    &flag.note,
                    &flag.device_id,
                    &flag.centre_name,
                    &flag.created_at,
                ],
            )
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn article_flags(&self, owner: Option<&str>) -> Result<Vec<ArticleFlag>, StoreError> {
        self.select(
            "SELECT id, article_id, owner, reason, note, device_id, centre_name, created_at FROM article_flags
                 WHERE $1::TEXT IS NULL OR owner = $1 ORDER BY created_at, id",
            &[&owner],
            |r| ArticleFlag {
                id: r.get(0),
                article_id: r.get(1),
                owner: r.get(2),
                reason: r.get(3),
                note: r.get(4),
                device_id: r.get(5),
                centre_name: r.get(6),
                created_at: r.get(7),
            },
        )
        .await
    }
}
