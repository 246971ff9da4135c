//! SQLite: institutions and their API keys, and the catalogue they own: versioned records, the change feed, article flags.

use super::*;

#[async_trait]
impl CatalogueStore for SqliteStore {
    async fn add_institution(&self, institution: Institution) -> Result<Institution, StoreError> {
        self.with(move |c| {
            c.execute(
                "INSERT INTO institutions (id, name, is_central_editor, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![institution.id, institution.name, institution.is_central_editor, institution.created_at],
            )
            .map_err(|e| map_err(e, || format!("an institution with the id {:?}", institution.id)))?;
            Ok(institution)
        })
        .await
    }

    async fn list_institutions(&self) -> Result<Vec<Institution>, StoreError> {
        self.with(|c| {
            let mut statement = c
                .prepare("SELECT id, name, is_central_editor, created_at FROM institutions ORDER BY name, id")
                .map_err(db)?;
            let rows = statement.query_map([], institution_from_row).map_err(db)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(db)
        })
        .await
    }

    async fn set_institution_case_code(&self, id: &str, code: &str) -> Result<(), StoreError> {
        let (id, code) = (id.to_owned(), code.to_owned());
        self.with(move |c| {
            let changed = c
                .execute("UPDATE institutions SET case_code = ?2 WHERE id = ?1", params![id, code])
                .map_err(|e| map_err(e, || format!("the case code {code:?} (another institution has it)")))?;
            if changed == 0 {
                return Err(StoreError::NotFound { what: format!("the institution {id}") });
            }
            Ok(())
        })
        .await
    }

    async fn institution_case_code(&self, id: &str) -> Result<Option<String>, StoreError> {
        let id = id.to_owned();
        self.with(move |c| {
            c.query_row("SELECT case_code FROM institutions WHERE id = ?1", params![id], |r| r.get(0))
                .optional()
                .map_err(db)
                .map(Option::flatten)
        })
        .await
    }

    async fn register_institution_case(
        &self,
        case: NewInstitutionCase,
    ) -> Result<(InstitutionCaseRow, bool), StoreError> {
        self.with(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
            let select = "SELECT id, institution_id, own_id, number, service_id, kind, channel, served_at, registered_at, request
                          FROM institution_cases";
            let from_row = |r: &Row<'_>| -> rusqlite::Result<InstitutionCaseRow> {
                let id: String = r.get(0)?;
                Ok(InstitutionCaseRow {
                    id: Uuid::parse_str(&id).map_err(|e| {
                        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
                    })?,
                    institution_id: r.get(1)?,
                    own_id: r.get(2)?,
                    number: r.get(3)?,
                    service_id: r.get(4)?,
                    kind: r.get(5)?,
                    channel: r.get(6)?,
                    served_at: r.get(7)?,
                    registered_at: r.get(8)?,
                    request: r.get(9)?,
                })
            };
            let existing = tx
                .query_row(
                    &format!("{select} WHERE institution_id = ?1 AND own_id = ?2"),
                    params![case.institution_id, case.own_id],
                    from_row,
                )
                .optional()
                .map_err(db)?;
            if let Some(existing) = existing {
                return Ok((existing, false));
            }
            let year = chrono::Datelike::year(&case.registered_at);
            let last: i64 = tx
                .query_row(
                    "SELECT coalesce(max(sequence), 0) FROM institution_cases
                     WHERE institution_id = ?1 AND channel_number = ?2 AND year = ?3",
                    params![case.institution_id, case.channel_number, year],
                    |r| r.get(0),
                )
                .map_err(db)?;
            let number = crate::store::institution_case_number(&case, year, last + 1)?;
            tx.execute(
                "INSERT INTO institution_cases (id, institution_id, own_id, number, channel_number, year, sequence,
                     service_id, kind, channel, served_at, registered_at, request)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                params![
                    case.id.to_string(),
                    case.institution_id,
                    case.own_id,
                    number,
                    case.channel_number,
                    year,
                    last + 1,
                    case.service_id,
                    case.kind,
                    case.channel,
                    case.served_at,
                    case.registered_at,
                    case.request
                ],
            )
            .map_err(|e| map_err(e, || format!("the case number {number}")))?;
            append_audit_in(&tx, &case.audit)?;
            let row =
                tx.query_row(&format!("{select} WHERE id = ?1"), params![case.id.to_string()], from_row).map_err(db)?;
            tx.commit().map_err(db)?;
            Ok((row, true))
        })
        .await
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
        let institution_id = institution_id.to_owned();
        self.with(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
            let exists: bool = tx
                .query_row("SELECT EXISTS (SELECT 1 FROM institutions WHERE id = ?1)", params![institution_id], |r| {
                    r.get(0)
                })
                .map_err(db)?;
            if !exists {
                return Err(StoreError::NotFound { what: format!("institution {institution_id}") });
            }
            tx.execute(
                "INSERT INTO institution_keys (id, institution_id, secret_hash, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![key_id.to_string(), institution_id, secret_hash.as_slice(), at, expires_at],
            )
            .map_err(db)?;
            append_audit_in(&tx, &audit)?;
            tx.commit().map_err(db)?;
            Ok(())
        })
        .await
    }

    async fn institution_key_record(&self, key_id: Uuid) -> Result<Option<InstitutionKeyRecord>, StoreError> {
        self.with(move |c| {
            let sql = format!("{INSTITUTION_KEY_SELECT} WHERE k.id = ?1");
            c.query_row(&sql, params![key_id.to_string()], institution_key_from_row).optional().map_err(db)?.transpose()
        })
        .await
    }

    async fn institution_keys(&self, institution_id: Option<String>) -> Result<Vec<InstitutionKeyRecord>, StoreError> {
        self.with(move |c| {
            let sql = format!(
                "{INSTITUTION_KEY_SELECT} WHERE ?1 IS NULL OR k.institution_id = ?1 ORDER BY k.created_at, k.id"
            );
            let mut statement = c.prepare(&sql).map_err(db)?;
            let rows = statement
                .query_map(params![institution_id], institution_key_from_row)
                .map_err(db)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(db)?;
            rows.into_iter().collect()
        })
        .await
    }

    async fn revoke_institution_key(
        &self,
        key_id: Uuid,
        at: DateTime<Utc>,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<Option<InstitutionKeyRecord>, StoreError> {
        self.with(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
            let changed = tx
                .execute(
                    "UPDATE institution_keys SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
                    params![key_id.to_string(), at],
                )
                .map_err(db)?;
            if changed > 0 {
                append_audit_in(&tx, &audit)?;
            }
            let sql = format!("{INSTITUTION_KEY_SELECT} WHERE k.id = ?1");
            let record =
                tx.query_row(&sql, params![key_id.to_string()], institution_key_from_row).optional().map_err(db)?;
            tx.commit().map_err(db)?;
            record.transpose()
        })
        .await
    }

    async fn apply_catalogue_changes(
        &self,
        changes: Vec<RecordChange>,
        at: DateTime<Utc>,
    ) -> Result<Vec<StoredRecord>, StoreError> {
        self.with(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
            let mut stored = Vec::with_capacity(changes.len());
            for change in &changes {
                let current: Option<i64> = tx
                    .prepare_cached("SELECT version FROM catalogue_records WHERE kind = ?1 AND id = ?2")
                    .map_err(db)?
                    .query_row(params![change.kind.as_str(), change.id], |r| r.get(0))
                    .optional()
                    .map_err(db)?;
                let (version, document) = versioned_document(change, current.map(|v| v as u64))?;
                let seq: i64 = tx
                    .prepare_cached("UPDATE catalogue_sequence SET last = last + 1 RETURNING last")
                    .map_err(db)?
                    .query_row([], |r| r.get(0))
                    .map_err(db)?;
                tx.prepare_cached(
                    "INSERT INTO catalogue_records (kind, id, owner, version, retired, document, change_seq, changed_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                     ON CONFLICT (kind, id) DO UPDATE SET owner = excluded.owner, version = excluded.version,
                         retired = excluded.retired, document = excluded.document,
                         change_seq = excluded.change_seq, changed_at = excluded.changed_at",
                )
                .map_err(db)?
                .execute(params![
                    change.kind.as_str(),
                    change.id,
                    change.owner,
                    version as i64,
                    change.retired,
                    document,
                    seq,
                    at
                ])
                .map_err(db)?;
                if change.kind == RecordKind::Article {
                    tx.prepare_cached("DELETE FROM article_services WHERE article_id = ?1")
                        .map_err(db)?
                        .execute(params![change.id])
                        .map_err(db)?;
                    if !change.retired {
                        let mut insert = tx
                            .prepare_cached(
                                "INSERT OR IGNORE INTO article_services (article_id, service_id) VALUES (?1, ?2)",
                            )
                            .map_err(db)?;
                        for service in &change.linked_services {
                            insert.execute(params![change.id, service]).map_err(db)?;
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
            tx.commit().map_err(db)?;
            Ok(stored)
        })
        .await
    }

    async fn catalogue_record(&self, kind: RecordKind, id: &str) -> Result<Option<StoredRecord>, StoreError> {
        let id = id.to_owned();
        self.with(move |c| {
            let sql = format!("SELECT {RECORD_COLUMNS} FROM catalogue_records WHERE kind = ?1 AND id = ?2");
            Ok(query_records(c, &sql, params![kind.as_str(), id])?.pop())
        })
        .await
    }

    async fn catalogue_records(&self, kind: RecordKind) -> Result<Vec<StoredRecord>, StoreError> {
        self.with(move |c| {
            let sql = format!("SELECT {RECORD_COLUMNS} FROM catalogue_records WHERE kind = ?1 ORDER BY id");
            query_records(c, &sql, params![kind.as_str()])
        })
        .await
    }

    async fn articles_linked_to(&self, service_id: &str) -> Result<Vec<StoredRecord>, StoreError> {
        let service_id = service_id.to_owned();
        self.with(move |c| {
            let sql = format!(
                "SELECT {RECORD_COLUMNS} FROM catalogue_records WHERE kind = 'article' AND id IN
                 (SELECT article_id FROM article_services WHERE service_id = ?1) ORDER BY id"
            );
            query_records(c, &sql, params![service_id])
        })
        .await
    }

    async fn catalogue_changes(&self, after: i64, limit: u32) -> Result<Vec<StoredRecord>, StoreError> {
        self.with(move |c| {
            let sql = format!(
                "SELECT {RECORD_COLUMNS} FROM catalogue_records WHERE change_seq > ?1 ORDER BY change_seq LIMIT ?2"
            );
            query_records(c, &sql, params![after, limit])
        })
        .await
    }

    async fn catalogue_head(&self) -> Result<i64, StoreError> {
        self.with(|c| c.query_row("SELECT last FROM catalogue_sequence", [], |r| r.get(0)).map_err(db)).await
    }

    async fn add_article_flag(&self, flag: ArticleFlag) -> Result<(), StoreError> {
        self.with(move |c| {
            c.execute(
                "INSERT INTO article_flags (id, article_id, owner, reason, note, device_id, centre_name, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    flag.id.to_string(),
                    flag.article_id,
                    flag.owner,
                    flag.reason,
                    flag.note,
                    flag.device_id.to_string(),
                    flag.centre_name,
                    flag.created_at
                ],
            )
            .map_err(db)?;
            Ok(())
        })
        .await
    }

    async fn article_flags(&self, owner: Option<&str>) -> Result<Vec<ArticleFlag>, StoreError> {
        let owner = owner.map(str::to_owned);
        self.with(move |c| {
            let mut statement = c
                .prepare(
                    "SELECT id, article_id, owner, reason, note, device_id, centre_name, created_at FROM article_flags
                     WHERE ?1 IS NULL OR owner = ?1 ORDER BY created_at, id",
                )
                .map_err(db)?;
            let rows = statement
                .query_map(params![owner], flag_from_row)
                .map_err(db)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(db)?;
            rows.into_iter()
                .map(|(id, flag, device)| {
                    Ok(ArticleFlag { id: parse_uuid(id)?, device_id: parse_uuid(device)?, ..flag })
                })
                .collect()
        })
        .await
    }
}
