//! SQLite: e-address: mailboxes, messages and deliveries, attachment uploads, delegations, representatives and consents.

use super::*;

#[async_trait]
impl MailStore for SqliteStore {
    async fn put_account(&self, account: Account) -> Result<(), StoreError> {
        self.with(move |c| {
            c.execute(
                "INSERT INTO eaddress_accounts (address, kind, name, institution_id, centre_id, active, created_at, changed_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (address) DO UPDATE SET kind = excluded.kind, name = excluded.name,
                     institution_id = excluded.institution_id, centre_id = excluded.centre_id,
                     active = excluded.active, changed_at = excluded.changed_at",
                params![
                    account.address,
                    kind_text(account.kind),
                    account.name,
                    account.institution_id,
                    account.centre_id.map(|c| c.to_string()),
                    account.active,
                    account.created_at,
                    account.changed_at
                ],
            )
            .map_err(|e| map_err(e, || format!("the mailbox {} (its institution or centre must exist)", account.address)))?;
            Ok(())
        })
        .await
    }

    async fn accounts(&self, addresses: Vec<String>) -> Result<Vec<Account>, StoreError> {
        self.with(move |c| {
            let mut found = Vec::with_capacity(addresses.len());
            for address in addresses {
                found.extend(query_accounts(
                    c,
                    &format!("SELECT {ACCOUNT_COLUMNS} FROM eaddress_accounts WHERE address = ?1"),
                    params![address],
                )?);
            }
            Ok(found)
        })
        .await
    }

    async fn unread_count(&self, recipients: Vec<String>) -> Result<u64, StoreError> {
        self.with(move |c| {
            let mut statement = c
                .prepare_cached(
                    "SELECT count(*) FROM eaddress_deliveries
                     WHERE recipient = ?1 AND read_at IS NULL AND deleted_at IS NULL",
                )
                .map_err(db)?;
            let mut total = 0u64;
            for recipient in recipients {
                total += statement.query_row(params![recipient], |r| r.get::<_, i64>(0)).map_err(db)? as u64;
            }
            Ok(total)
        })
        .await
    }

    async fn sent_and_read(&self, senders: Vec<String>, since: DateTime<Utc>) -> Result<(u64, u64), StoreError> {
        self.with(move |c| {
            let mut statement = c
                .prepare_cached(
                    "SELECT count(*), coalesce(sum(EXISTS (SELECT 1 FROM eaddress_deliveries d
                                                  WHERE d.message_id = m.id AND d.read_at IS NOT NULL)), 0)
                     FROM eaddress_messages m WHERE m.sent_by = ?1 AND m.sent_at >= ?2",
                )
                .map_err(db)?;
            let (mut sent, mut read) = (0u64, 0u64);
            for sender in senders {
                let (s, r): (i64, i64) =
                    statement.query_row(params![sender, since], |r| Ok((r.get(0)?, r.get(1)?))).map_err(db)?;
                sent += s as u64;
                read += r as u64;
            }
            Ok((sent, read))
        })
        .await
    }

    async fn operated_accounts(
        &self,
        institution: Option<String>,
        centre: Option<Uuid>,
    ) -> Result<Vec<Account>, StoreError> {
        self.with(move |c| {
            query_accounts(
                c,
                &format!(
                    "SELECT {ACCOUNT_COLUMNS} FROM eaddress_accounts
                     WHERE (?1 IS NOT NULL AND institution_id = ?1) OR (?2 IS NOT NULL AND centre_id = ?2) ORDER BY address"
                ),
                params![institution, centre.map(|c| c.to_string())],
            )
        })
        .await
    }

    async fn institution_directory(&self) -> Result<Vec<Account>, StoreError> {
        self.with(|c| {
            query_accounts(
                c,
                &format!("SELECT {ACCOUNT_COLUMNS} FROM eaddress_accounts WHERE kind = 'institution' AND active ORDER BY address"),
                [],
            )
        })
        .await
    }

    async fn send_message(
        &self,
        message: StoredMessage,
        deliveries: Vec<Delivery>,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<EntryEffect, StoreError> {
        self.with(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
            let fresh = tx
                .execute(
                    "INSERT INTO eaddress_messages (id, sender, sent_by, subject, body, case_number, in_reply_to, attachments, sent_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (id) DO NOTHING",
                    params![
                        message.id.to_string(),
                        message.sender,
                        message.sent_by,
                        message.subject,
                        message.body,
                        message.case_number,
                        message.in_reply_to.map(|id| id.to_string()),
                        message.attachments,
                        message.sent_at
                    ],
                )
                .map_err(db)?;
            if fresh == 0 {
                return Ok(EntryEffect::AlreadyApplied);
            }
            for delivery in &deliveries {
                tx.execute(
                    "INSERT INTO eaddress_deliveries (message_id, recipient, delivered_at, notified_on) VALUES (?1, ?2, ?3, ?4)",
                    params![delivery.message_id.to_string(), delivery.recipient, delivery.delivered_at, delivery.notified_on],
                )
                .map_err(|e| map_err(e, || format!("a delivery to {}", delivery.recipient)))?;
            }
            // The content it names is never collected.
            tx.execute(
                "INSERT OR IGNORE INTO eaddress_message_attachments (message_id, sha256)
                 SELECT ?1, lower(json_extract(value, '$.sha256')) FROM json_each(?2)
                 WHERE json_extract(value, '$.sha256') IS NOT NULL",
                params![message.id.to_string(), message.attachments],
            )
            .map_err(db)?;
            append_audit_in(&tx, &audit)?;
            tx.commit().map_err(db)?;
            Ok(EntryEffect::Applied)
        })
        .await
    }

    async fn record_upload(&self, upload: Upload) -> Result<(), StoreError> {
        self.with(move |c| {
            c.execute(
                "INSERT INTO eaddress_uploads (sha256, uploader, bytes, uploaded_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (sha256, uploader) DO UPDATE SET bytes = excluded.bytes, uploaded_at = excluded.uploaded_at",
                params![upload.sha256, upload.uploader, upload.bytes as i64, upload.uploaded_at],
            )
            .map_err(db)?;
            Ok(())
        })
        .await
    }

    async fn unnamed_upload_bytes(
        &self,
        uploader: String,
        since: DateTime<Utc>,
        except: String,
    ) -> Result<u64, StoreError> {
        self.with(move |c| {
            let bytes: i64 = c
                .query_row(
                    "SELECT coalesce(sum(u.bytes), 0) FROM eaddress_uploads u
                     WHERE u.uploader = ?1 AND u.uploaded_at >= ?2 AND u.sha256 <> ?3
                       AND NOT EXISTS (SELECT 1 FROM eaddress_message_attachments r WHERE r.sha256 = u.sha256)",
                    params![uploader, since, except],
                    |r| r.get(0),
                )
                .map_err(db)?;
            Ok(bytes as u64)
        })
        .await
    }

    async fn content_standing(&self, sha256: String) -> Result<ContentStanding, StoreError> {
        self.with(move |c| {
            c.query_row(
                "SELECT EXISTS (SELECT 1 FROM eaddress_message_attachments WHERE sha256 = ?1),
                        (SELECT max(uploaded_at) FROM eaddress_uploads WHERE sha256 = ?1)",
                params![sha256],
                |r| Ok(ContentStanding { named: r.get(0)?, last_upload: r.get(1)? }),
            )
            .map_err(db)
        })
        .await
    }

    async fn unnamed_uploads_before(
        &self,
        before: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        self.with(move |c| {
            let mut statement = c
                .prepare_cached(
                    "SELECT u.sha256, max(u.bytes) FROM eaddress_uploads u
                     WHERE NOT EXISTS (SELECT 1 FROM eaddress_message_attachments r WHERE r.sha256 = u.sha256)
                     GROUP BY u.sha256 HAVING max(u.uploaded_at) < ?1 LIMIT ?2",
                )
                .map_err(db)?;
            statement
                .query_map(params![before, i64::from(limit)], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
                })
                .map_err(db)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(db)
        })
        .await
    }

    async fn forget_uploads(&self, sha256: Option<String>, before: DateTime<Utc>) -> Result<u64, StoreError> {
        self.with(move |c| {
            let forgotten = match sha256 {
                Some(sha256) => c.execute(
                    "DELETE FROM eaddress_uploads WHERE sha256 = ?1 AND uploaded_at < ?2",
                    params![sha256, before],
                ),
                None => c.execute(
                    "DELETE FROM eaddress_uploads WHERE uploaded_at < ?1
                       AND EXISTS (SELECT 1 FROM eaddress_message_attachments r WHERE r.sha256 = eaddress_uploads.sha256)",
                    params![before],
                ),
            }
            .map_err(db)?;
            Ok(forgotten as u64)
        })
        .await
    }

    async fn inbox(
        &self,
        recipient: String,
        before: Option<(DateTime<Utc>, Uuid)>,
        limit: u32,
    ) -> Result<Vec<(StoredMessage, Delivery)>, StoreError> {
        self.with(move |c| {
            let (at, id) = before.map_or((None, None), |(at, id)| (Some(at), Some(id.to_string())));
            let mut statement = c
                .prepare_cached(&format!(
                    "SELECT {MESSAGE_COLUMNS}, {DELIVERY_COLUMNS} FROM eaddress_deliveries d
                     JOIN eaddress_messages m ON m.id = d.message_id
                     WHERE d.recipient = ?1 AND d.deleted_at IS NULL
                       AND (?2 IS NULL OR (d.delivered_at, d.message_id) < (?2, ?3))
                     ORDER BY d.delivered_at DESC, d.message_id DESC LIMIT ?4"
                ))
                .map_err(db)?;
            let rows = statement
                .query_map(params![recipient, at, id, i64::from(limit)], |r| {
                    Ok((message_from_row(r, 0)?, delivery_from_row(r, 9)?))
                })
                .map_err(db)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(db)?;
            rows.into_iter().map(|(m, d)| Ok((m?, d?))).collect()
        })
        .await
    }

    async fn sent_messages(
        &self,
        sender: String,
        before: Option<(DateTime<Utc>, Uuid)>,
        limit: u32,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        self.with(move |c| {
            let (at, id) = before.map_or((None, None), |(at, id)| (Some(at), Some(id.to_string())));
            let mut statement = c
                .prepare_cached(&format!(
                    "SELECT {MESSAGE_COLUMNS} FROM eaddress_messages m
                     WHERE m.sender = ?1 AND (?2 IS NULL OR (m.sent_at, m.id) < (?2, ?3))
                     ORDER BY m.sent_at DESC, m.id DESC LIMIT ?4"
                ))
                .map_err(db)?;
            let rows = statement
                .query_map(params![sender, at, id, i64::from(limit)], |r| message_from_row(r, 0))
                .map_err(db)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(db)?;
            rows.into_iter().collect()
        })
        .await
    }

    async fn message(&self, id: Uuid) -> Result<Option<(StoredMessage, Vec<Delivery>)>, StoreError> {
        self.with(move |c| {
            let message = c
                .query_row(
                    &format!("SELECT {MESSAGE_COLUMNS} FROM eaddress_messages m WHERE m.id = ?1"),
                    params![id.to_string()],
                    |r| message_from_row(r, 0),
                )
                .optional()
                .map_err(db)?
                .transpose()?;
            let Some(message) = message else { return Ok(None) };
            let mut statement = c
                .prepare_cached(&format!(
                    "SELECT {DELIVERY_COLUMNS} FROM eaddress_deliveries d WHERE d.message_id = ?1 ORDER BY d.recipient"
                ))
                .map_err(db)?;
            let deliveries = statement
                .query_map(params![id.to_string()], |r| delivery_from_row(r, 0))
                .map_err(db)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(db)?
                .into_iter()
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Some((message, deliveries)))
        })
        .await
    }

    async fn mark_read(
        &self,
        id: Uuid,
        recipient: String,
        by: String,
        at: DateTime<Utc>,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<bool, StoreError> {
        // Every opening is an access, audited; only the first one is the reading.
        self.with(move |c| {
            let first = change_audited(
                c,
                "UPDATE eaddress_deliveries SET read_at = ?3, read_by = ?4
                 WHERE message_id = ?1 AND recipient = ?2 AND read_at IS NULL",
                params![id.to_string(), recipient, at, by],
                &audit,
                false,
            )?;
            Ok(first == 1)
        })
        .await
    }

    async fn delete_delivery(
        &self,
        id: Uuid,
        recipient: String,
        at: DateTime<Utc>,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<bool, StoreError> {
        self.with(move |c| {
            let deleted = change_audited(
                c,
                "UPDATE eaddress_deliveries SET deleted_at = ?3
                 WHERE message_id = ?1 AND recipient = ?2 AND deleted_at IS NULL",
                params![id.to_string(), recipient, at],
                &audit,
                true,
            )?;
            Ok(deleted == 1)
        })
        .await
    }

    async fn add_delegation(
        &self,
        delegation: Delegation,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<(), StoreError> {
        self.with(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
            tx.execute(
                "INSERT INTO eaddress_delegations (id, mailbox, delegate, rights, granted_by, granted_at, ends_on, revoked_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL)",
                params![
                    delegation.id.to_string(),
                    delegation.mailbox,
                    delegation.delegate,
                    delegation.rights.as_str(),
                    delegation.granted_by,
                    delegation.granted_at,
                    delegation.ends_on
                ],
            )
            .map_err(|e| map_err(e, || format!("a delegation on {}", delegation.mailbox)))?;
            append_audit_in(&tx, &audit)?;
            tx.commit().map_err(db)?;
            Ok(())
        })
        .await
    }

    async fn revoke_delegation(
        &self,
        id: Uuid,
        at: DateTime<Utc>,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<bool, StoreError> {
        self.with(move |c| {
            let ended = change_audited(
                c,
                "UPDATE eaddress_delegations SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
                params![id.to_string(), at],
                &audit,
                false,
            )?;
            Ok(ended == 1)
        })
        .await
    }

    async fn put_representative(
        &self,
        representative: Representative,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<(), StoreError> {
        self.with(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
            tx.execute(
                "INSERT INTO eaddress_representatives (mailbox, person, source, recorded_by, recorded_at, ended_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, NULL)
                 ON CONFLICT (mailbox, person) DO UPDATE SET source = excluded.source,
                     recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at, ended_at = NULL",
                params![
                    representative.mailbox,
                    representative.person,
                    representative.source,
                    representative.recorded_by,
                    representative.recorded_at
                ],
            )
            .map_err(|e| map_err(e, || format!("a representative of {}", representative.mailbox)))?;
            append_audit_in(&tx, &audit)?;
            tx.commit().map_err(db)?;
            Ok(())
        })
        .await
    }

    async fn end_representative(
        &self,
        mailbox: String,
        person: String,
        at: DateTime<Utc>,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<bool, StoreError> {
        self.with(move |c| {
            let ended = change_audited(
                c,
                "UPDATE eaddress_representatives SET ended_at = ?3
                 WHERE mailbox = ?1 AND person = ?2 AND ended_at IS NULL",
                params![mailbox, person, at],
                &audit,
                true,
            )?;
            Ok(ended == 1)
        })
        .await
    }

    async fn representatives(
        &self,
        mailbox: Option<String>,
        person: Option<String>,
    ) -> Result<Vec<Representative>, StoreError> {
        self.with(move |c| {
            let mut statement = c
                .prepare_cached(
                    "SELECT mailbox, person, source, recorded_by, recorded_at, ended_at FROM eaddress_representatives
                     WHERE (?1 IS NULL OR mailbox = ?1) AND (?2 IS NULL OR person = ?2) ORDER BY mailbox, person",
                )
                .map_err(db)?;
            let rows = statement
                .query_map(params![mailbox, person], |r| {
                    Ok(Representative {
                        mailbox: r.get(0)?,
                        person: r.get(1)?,
                        source: r.get(2)?,
                        recorded_by: r.get(3)?,
                        recorded_at: r.get(4)?,
                        ended_at: r.get(5)?,
                    })
                })
                .map_err(db)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(db)?;
            Ok(rows)
        })
        .await
    }

    async fn delegations(
        &self,
        mailbox: Option<String>,
        delegate: Option<String>,
    ) -> Result<Vec<Delegation>, StoreError> {
        self.with(move |c| {
            let mut statement = c
                .prepare_cached(&format!(
                    "SELECT {DELEGATION_COLUMNS} FROM eaddress_delegations
                     WHERE (?1 IS NULL OR mailbox = ?1) AND (?2 IS NULL OR delegate = ?2) ORDER BY granted_at, id"
                ))
                .map_err(db)?;
            let rows = statement
                .query_map(params![mailbox, delegate], delegation_from_row)
                .map_err(db)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(db)?;
            rows.into_iter().collect()
        })
        .await
    }

    async fn active_accounts(&self) -> Result<Vec<(String, u64)>, StoreError> {
        self.with(|c| {
            let mut statement = c
                .prepare("SELECT kind, count(*) FROM eaddress_accounts WHERE active GROUP BY kind ORDER BY kind")
                .map_err(db)?;
            let rows = statement
                .query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))
                .map_err(db)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(db)?;
            Ok(rows)
        })
        .await
    }

    async fn add_consent(&self, consent: Consent) -> Result<(), StoreError> {
        self.with(move |c| {
            c.execute(
                "INSERT INTO eaddress_consents (id, agent, device_id, rights, minutes, nonce, requested_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    consent.id.to_string(),
                    consent.agent,
                    consent.device_id.to_string(),
                    consent.rights.as_str(),
                    consent.minutes,
                    consent.nonce,
                    consent.requested_at
                ],
            )
            .map_err(db)?;
            Ok(())
        })
        .await
    }

    async fn consent(&self, id: Uuid) -> Result<Option<Consent>, StoreError> {
        self.with(move |c| {
            c.query_row(
                &format!("SELECT {CONSENT_COLUMNS} FROM eaddress_consents WHERE id = ?1"),
                params![id.to_string()],
                consent_from_row,
            )
            .optional()
            .map_err(db)?
            .transpose()
        })
        .await
    }

    async fn sign_consent(
        &self,
        id: Uuid,
        citizen: String,
        signed_at: DateTime<Utc>,
        valid_until: DateTime<Utc>,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<bool, StoreError> {
        self.with(move |c| {
            let signed = change_audited(
                c,
                "UPDATE eaddress_consents SET citizen = ?2, signed_at = ?3, valid_until = ?4
                 WHERE id = ?1 AND signed_at IS NULL AND ended_at IS NULL",
                params![id.to_string(), citizen, signed_at, valid_until],
                &audit,
                true,
            )?;
            Ok(signed == 1)
        })
        .await
    }

    async fn end_consent(
        &self,
        id: Uuid,
        at: DateTime<Utc>,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<bool, StoreError> {
        self.with(move |c| {
            let ended = change_audited(
                c,
                "UPDATE eaddress_consents SET ended_at = ?2 WHERE id = ?1 AND ended_at IS NULL",
                params![id.to_string(), at],
                &audit,
                true,
            )?;
            Ok(ended == 1)
        })
        .await
    }

    async fn active_consents(&self, agent: String, at: DateTime<Utc>) -> Result<Vec<Consent>, StoreError> {
        self.with(move |c| {
            let mut statement = c
                .prepare_cached(&format!(
                    "SELECT {CONSENT_COLUMNS} FROM eaddress_consents
                     WHERE agent = ?1 AND signed_at IS NOT NULL AND ended_at IS NULL AND valid_until > ?2"
                ))
                .map_err(db)?;
            let rows = statement
                .query_map(params![agent, at], consent_from_row)
                .map_err(db)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(db)?;
            rows.into_iter().collect()
        })
        .await
    }
}
