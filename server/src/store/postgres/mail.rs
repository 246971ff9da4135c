//! PostgreSQL: e-address: mailboxes, messages and deliveries, attachment uploads, delegations, representatives and consents.

use super::*;

#[async_trait]
impl MailStore for PostgresStore {
    async fn put_account(&self, account: Account) -> Result<(), StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        client
            .execute_cached(
                "INSERT INTO eaddress_accounts (address, kind, name, institution_id, centre_id, active, created_at, changed_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT (address) DO UPDATE SET kind = excluded.kind, name = excluded.name,
                     institution_id = excluded.institution_id, centre_id = excluded.centre_id,
                     active = excluded.active, changed_at = excluded.changed_at",
                &[
                    &account.address,
                    &kind_text(account.kind),
                    &account.name,
                    &account.institution_id,
                    &account.centre_id,
                    &account.active,
                    &account.created_at,
                    &account.changed_at,
                ],
            )
            .await
            .map_err(|e| map_err(e, || format!("the mailbox {} (its institution or centre must exist)", account.address)))?;
        Ok(())
    }

    async fn accounts(&self, addresses: Vec<String>) -> Result<Vec<Account>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let statement = client
            .prepare_cached(&format!("SELECT {ACCOUNT_COLUMNS} FROM eaddress_accounts WHERE address = ANY($1)"))
            .await
            .map_err(db)?;
        let rows = client.query(&statement, &[&addresses]).await.map_err(db)?;
        rows.iter().map(account_from_row).collect()
    }

    async fn unread_count(&self, recipients: Vec<String>) -> Result<u64, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let row = client
            .query_one_cached(
                "SELECT count(*) FROM eaddress_deliveries
                 WHERE recipient = ANY($1) AND read_at IS NULL AND deleted_at IS NULL",
                &[&recipients],
            )
            .await
            .map_err(db)?;
        Ok(row.get::<_, i64>(0) as u64)
    }

    async fn sent_and_read(&self, senders: Vec<String>, since: DateTime<Utc>) -> Result<(u64, u64), StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let row = client
            .query_one_cached(
                "SELECT count(*), count(*) FILTER (WHERE EXISTS (SELECT 1 FROM eaddress_deliveries d
                                                          WHERE d.message_id = m.id AND d.read_at IS NOT NULL))
                 FROM eaddress_messages m WHERE m.sent_by = ANY($1) AND m.sent_at >= $2",
                &[&senders, &since],
            )
            .await
            .map_err(db)?;
        Ok((row.get::<_, i64>(0) as u64, row.get::<_, i64>(1) as u64))
    }

    async fn operated_accounts(
        &self,
        institution: Option<String>,
        centre: Option<Uuid>,
    ) -> Result<Vec<Account>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let rows = client
            .query_cached(
                &format!(
                    "SELECT {ACCOUNT_COLUMNS} FROM eaddress_accounts
                     WHERE ($1::text IS NOT NULL AND institution_id = $1) OR ($2::uuid IS NOT NULL AND centre_id = $2)
                     ORDER BY address"
                ),
                &[&institution, &centre],
            )
            .await
            .map_err(db)?;
        rows.iter().map(account_from_row).collect()
    }

    async fn institution_directory(&self) -> Result<Vec<Account>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let rows = client
            .query_cached(
                &format!("SELECT {ACCOUNT_COLUMNS} FROM eaddress_accounts WHERE kind = 'institution' AND active ORDER BY address"),
                &[],
            )
            .await
            .map_err(db)?;
        rows.iter().map(account_from_row).collect()
    }

    async fn send_message(
        &self,
        message: StoredMessage,
        deliveries: Vec<Delivery>,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<EntryEffect, StoreError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.sends
            .send(QueuedSend { message, deliveries, audit, reply })
            .map_err(|_| StoreError::Unavailable("the e-address writer has stopped".into()))?;
        answer.await.map_err(|_| StoreError::Unavailable("the e-address writer has stopped".into()))?
    }

    async fn record_upload(&self, upload: Upload) -> Result<(), StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        client
            .execute_cached(
                "INSERT INTO eaddress_uploads (sha256, uploader, bytes, uploaded_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (sha256, uploader) DO UPDATE SET bytes = excluded.bytes, uploaded_at = excluded.uploaded_at",
                &[&upload.sha256, &upload.uploader, &(upload.bytes as i64), &upload.uploaded_at],
            )
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn unnamed_upload_bytes(
        &self,
        uploader: String,
        since: DateTime<Utc>,
        except: String,
    ) -> Result<u64, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let row = client
            .query_one_cached(
                "SELECT coalesce(sum(u.bytes), 0)::BIGINT FROM eaddress_uploads u
                 WHERE u.uploader = $1 AND u.uploaded_at >= $2 AND u.sha256 <> $3
                   AND NOT EXISTS (SELECT 1 FROM eaddress_message_attachments r WHERE r.sha256 = u.sha256)",
                &[&uploader, &since, &except],
            )
            .await
            .map_err(db)?;
        Ok(row.get::<_, i64>(0) as u64)
    }

    async fn content_standing(&self, sha256: String) -> Result<ContentStanding, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let row = client
            .query_one_cached(
                "SELECT EXISTS (SELECT 1 FROM eaddress_message_attachments WHERE sha256 = $1),
                        (SELECT max(uploaded_at) FROM eaddress_uploads WHERE sha256 = $1)",
                &[&sha256],
            )
            .await
            .map_err(db)?;
        Ok(ContentStanding { named: row.get(0), last_upload: row.get(1) })
    }

    async fn unnamed_uploads_before(
        &self,
        before: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        self.select(
            "SELECT u.sha256, max(u.bytes) FROM eaddress_uploads u
                 WHERE NOT EXISTS (SELECT 1 FROM eaddress_message_attachments r WHERE r.sha256 = u.sha256)
                 GROUP BY u.sha256 HAVING max(u.uploaded_at) < $1 LIMIT $2",
            &[&before, &i64::from(limit)],
            |r| (r.get::<_, String>(0), r.get::<_, i64>(1) as u64),
        )
        .await
    }

    async fn forget_uploads(&self, sha256: Option<String>, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let forgotten = match sha256 {
            Some(sha256) => {
                client
                    .execute_cached(
                        "DELETE FROM eaddress_uploads WHERE sha256 = $1 AND uploaded_at < $2",
                        &[&sha256, &before],
                    )
                    .await
            }
            None => {
                client
                    .execute_cached(
                        "DELETE FROM eaddress_uploads u WHERE u.uploaded_at < $1
                           AND EXISTS (SELECT 1 FROM eaddress_message_attachments r WHERE r.sha256 = u.sha256)",
                        &[&before],
                    )
                    .await
            }
        }
        .map_err(db)?;
        Ok(forgotten)
    }

    async fn inbox(
        &self,
        recipient: String,
        before: Option<(DateTime<Utc>, Uuid)>,
        limit: u32,
    ) -> Result<Vec<(StoredMessage, Delivery)>, StoreError> {
        let (at, id) = before.map_or((None, None), |(at, id)| (Some(at), Some(id)));
        self.select(
            &format!(
                "SELECT {MESSAGE_COLUMNS}, {DELIVERY_COLUMNS} FROM eaddress_deliveries d
                     JOIN eaddress_messages m ON m.id = d.message_id
                     WHERE d.recipient = $1 AND d.deleted_at IS NULL
                       AND ($2::timestamptz IS NULL OR (d.delivered_at, d.message_id) < ($2, $3::uuid))
                     ORDER BY d.delivered_at DESC, d.message_id DESC LIMIT $4"
            ),
            &[&recipient, &at, &id, &i64::from(limit)],
            |r| (message_from_row(r, 0), delivery_from_row(r, 9)),
        )
        .await
    }

    async fn sent_messages(
        &self,
        sender: String,
        before: Option<(DateTime<Utc>, Uuid)>,
        limit: u32,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        let (at, id) = before.map_or((None, None), |(at, id)| (Some(at), Some(id)));
        self.select(
            &format!(
                "SELECT {MESSAGE_COLUMNS} FROM eaddress_messages m
                     WHERE m.sender = $1 AND ($2::timestamptz IS NULL OR (m.sent_at, m.id) < ($2, $3::uuid))
                     ORDER BY m.sent_at DESC, m.id DESC LIMIT $4"
            ),
            &[&sender, &at, &id, &i64::from(limit)],
            |r| message_from_row(r, 0),
        )
        .await
    }

    async fn message(&self, id: Uuid) -> Result<Option<(StoredMessage, Vec<Delivery>)>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let Some(row) = client
            .query_opt_cached(&format!("SELECT {MESSAGE_COLUMNS} FROM eaddress_messages m WHERE m.id = $1"), &[&id])
            .await
            .map_err(db)?
        else {
            return Ok(None);
        };
        let deliveries = client
            .query_cached(
                &format!(
                    "SELECT {DELIVERY_COLUMNS} FROM eaddress_deliveries d WHERE d.message_id = $1 ORDER BY d.recipient"
                ),
                &[&id],
            )
            .await
            .map_err(db)?;
        Ok(Some((message_from_row(&row, 0), deliveries.iter().map(|r| delivery_from_row(r, 0)).collect())))
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
        let first = self
            .change_audited(
                "UPDATE eaddress_deliveries SET read_at = $3, read_by = $4
                 WHERE message_id = $1 AND recipient = $2 AND read_at IS NULL",
                &[&id, &recipient, &at, &by],
                &audit,
                false,
            )
            .await?;
        Ok(first == 1)
    }

    async fn delete_delivery(
        &self,
        id: Uuid,
        recipient: String,
        at: DateTime<Utc>,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<bool, StoreError> {
        let deleted = self
            .change_audited(
                "UPDATE eaddress_deliveries SET deleted_at = $3
                 WHERE message_id = $1 AND recipient = $2 AND deleted_at IS NULL",
                &[&id, &recipient, &at],
                &audit,
                true,
            )
            .await?;
        Ok(deleted == 1)
    }

    async fn add_delegation(
        &self,
        delegation: Delegation,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<(), StoreError> {
        let mut client = self.pool.get().await.map_err(pool_err)?;
        let tx = client.transaction().await.map_err(db)?;
        tx.execute_cached(
            "INSERT INTO eaddress_delegations (id, mailbox, delegate, rights, granted_by, granted_at, ends_on, revoked_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)",
            &[
                &delegation.id,
                &delegation.mailbox,
                &delegation.delegate,
                &delegation.rights.as_str(),
                &delegation.granted_by,
                &delegation.granted_at,
                &delegation.ends_on,
            ],
        )
        .await
        .map_err(|e| map_err(e, || format!("a delegation on {}", delegation.mailbox)))?;
        append_audit_in(&tx, &audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn revoke_delegation(
        &self,
        id: Uuid,
        at: DateTime<Utc>,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<bool, StoreError> {
        let ended = self
            .change_audited(
                "UPDATE eaddress_delegations SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
                &[&id, &at],
                &audit,
                false,
            )
            .await?;
        Ok(ended == 1)
    }

    async fn put_representative(
        &self,
        representative: Representative,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<(), StoreError> {
        let mut client = self.pool.get().await.map_err(pool_err)?;
        let tx = client.transaction().await.map_err(db)?;
        tx.execute_cached(
            "INSERT INTO eaddress_representatives (mailbox, person, source, recorded_by, recorded_at, ended_at)
             VALUES ($1, $2, $3, $4, $5, NULL)
             ON CONFLICT (mailbox, person) DO UPDATE SET source = excluded.source,
                 recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at, ended_at = NULL",
            &[
                &representative.mailbox,
                &representative.person,
                &representative.source,
                &representative.recorded_by,
                &representative.recorded_at,
            ],
        )
        .await
        .map_err(|e| map_err(e, || format!("a representative of {}", representative.mailbox)))?;
        append_audit_in(&tx, &audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn end_representative(
        &self,
        mailbox: String,
        person: String,
        at: DateTime<Utc>,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<bool, StoreError> {
        let ended = self
            .change_audited(
                "UPDATE eaddress_representatives SET ended_at = $3
                 WHERE mailbox = $1 AND person = $2 AND ended_at IS NULL",
                &[&mailbox, &person, &at],
                &audit,
                true,
            )
            .await?;
        Ok(ended == 1)
    }

    async fn representatives(
        &self,
        mailbox: Option<String>,
        person: Option<String>,
    ) -> Result<Vec<Representative>, StoreError> {
        self.select(
                "SELECT mailbox, person, source, recorded_by, recorded_at, ended_at FROM eaddress_representatives
                 WHERE ($1::text IS NULL OR mailbox = $1) AND ($2::text IS NULL OR person = $2) ORDER BY mailbox, person",
                &[&mailbox, &person], |r| Representative {
                mailbox: r.get(0),
                person: r.get(1),
                source: r.get(2),
                recorded_by: r.get(3),
                recorded_at: r.get(4),
                ended_at: r.get(5),
            }).await
    }

    async fn delegations(
        &self,
        mailbox: Option<String>,
        delegate: Option<String>,
    ) -> Result<Vec<Delegation>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let rows = client
            .query_cached(
                &format!(
                    "SELECT {DELEGATION_COLUMNS} FROM eaddress_delegations
                     WHERE ($1::text IS NULL OR mailbox = $1) AND ($2::text IS NULL OR delegate = $2) ORDER BY granted_at, id"
                ),
                &[&mailbox, &delegate],
            )
            .await
            .map_err(db)?;
        rows.iter().map(delegation_from_row).collect()
    }

    async fn active_accounts(&self) -> Result<Vec<(String, u64)>, StoreError> {
        self.select("SELECT kind, count(*) FROM eaddress_accounts WHERE active GROUP BY kind ORDER BY kind", &[], |r| {
            (r.get(0), r.get::<_, i64>(1) as u64)
        })
        .await
    }

    async fn add_consent(&self, consent: Consent) -> Result<(), StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let minutes = i32::try_from(consent.minutes).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        client
            .execute_cached(
                "INSERT INTO eaddress_consents (id, agent, device_id, rights, minutes, nonce, requested_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[
                    &consent.id,
                    &consent.agent,
                    &consent.device_id,
                    &consent.rights.as_str(),
                    &minutes,
                    &consent.nonce,
                    &consent.requested_at,
                ],
            )
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn consent(&self, id: Uuid) -> Result<Option<Consent>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let row = client
            .query_opt_cached(&format!("SELECT {CONSENT_COLUMNS} FROM eaddress_consents WHERE id = $1"), &[&id])
            .await
            .map_err(db)?;
        row.as_ref().map(consent_from_row).transpose()
    }

    async fn sign_consent(
        &self,
        id: Uuid,
        citizen: String,
        signed_at: DateTime<Utc>,
        valid_until: DateTime<Utc>,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<bool, StoreError> {
        let signed = self
            .change_audited(
                "UPDATE eaddress_consents SET citizen = $2, signed_at = $3, valid_until = $4
                 WHERE id = $1 AND signed_at IS NULL AND ended_at IS NULL",
                &[&id, &citizen, &signed_at, &valid_until],
                &audit,
                true,
            )
            .await?;
        Ok(signed == 1)
    }

    async fn end_consent(
        &self,
        id: Uuid,
        at: DateTime<Utc>,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<bool, StoreError> {
        let ended = self
            .change_audited(
                "UPDATE eaddress_consents SET ended_at = $2 WHERE id = $1 AND ended_at IS NULL",
                &[&id, &at],
                &audit,
                true,
            )
            .await?;
        Ok(ended == 1)
    }

    async fn active_consents(&self, agent: String, at: DateTime<Utc>) -> Result<Vec<Consent>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let rows = client
            .query_cached(
                &format!(
                    "SELECT {CONSENT_COLUMNS} FROM eaddress_consents
                     WHERE agent = $1 AND signed_at IS NOT NULL AND ended_at IS NULL AND valid_until > $2"
                ),
                &[&agent, &at],
            )
            .await
            .map_err(db)?;
        rows.iter().map(consent_from_row).collect()
    }
}

/// A message waiting to be written, and who waits for the outcome.
pub(super) struct QueuedSend {
    message: StoredMessage,
    deliveries: Vec<Delivery>,
    audit: crate::audit::NewAuditEntry,
    reply: tokio::sync::oneshot::Sender<Result<EntryEffect, StoreError>>,
}

/// At most this many messages are written in one transaction.
const MOST_SENDS_TOGETHER: usize = 64;

/// The message, its deliveries, the content it names (never collected) and the audit entry with
/// the chain's new head: one statement, the chain's head locked only while it runs. A message
/// already there (the same id sent again) writes nothing and locks nothing.
static SEND: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "WITH message AS (
             INSERT INTO eaddress_messages (id, sender, sent_by, subject, body, case_number, in_reply_to, attachments, sent_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING
             RETURNING id
         ), deliveries AS (
             INSERT INTO eaddress_deliveries (message_id, recipient, delivered_at, notified_on)
             SELECT message.id, d.recipient, d.delivered_at, d.notified_on
             FROM message, unnest($10::text[], $11::timestamptz[], $12::date[]) AS d (recipient, delivered_at, notified_on)
         ), named AS (
             INSERT INTO eaddress_message_attachments (message_id, sha256)
             SELECT message.id, lower(a ->> 'sha256') FROM message, jsonb_array_elements(($8::text)::jsonb) a
             WHERE a ->> 'sha256' IS NOT NULL
             ON CONFLICT DO NOTHING
         ), {}
         SELECT count(*) FROM message",
        super::append_audit_ctes(13, Some("message"))
    )
});

/// Writes e-address messages as they come (issue 20): one waiting alone is one statement, its
/// own transaction; several waiting together (concurrent senders) go in one transaction, their
/// statements sent without waiting for each other's answers and one commit's flush for all —
/// the audit chain's head is locked once for the lot instead of once per message. If that
/// transaction fails, each is written again alone, so one bad message fails only itself.
pub(super) async fn write_sends(pool: Pool, mut queue: tokio::sync::mpsc::UnboundedReceiver<QueuedSend>) {
    while let Some(first) = queue.recv().await {
        let mut batch = vec![first];
        while batch.len() < MOST_SENDS_TOGETHER {
            match queue.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        if batch.len() > 1 {
            match write_together(&pool, &batch).await {
                Ok(effects) => {
                    for (send, effect) in batch.into_iter().zip(effects) {
                        let _ = send.reply.send(Ok(effect));
                    }
                    continue;
                }
                Err(error) => tracing::debug!(%error, messages = batch.len(), "written one by one instead"),
            }
        }
        for send in batch {
            let effect = write_alone(&pool, &send).await;
            let _ = send.reply.send(effect);
        }
    }
}

/// A message's statement parameters, the per-recipient arrays made once.
struct SendParameters<'a> {
    recipients: Vec<&'a str>,
    delivered_at: Vec<DateTime<Utc>>,
    notified_on: Vec<chrono::NaiveDate>,
    hashed: Vec<u8>,
    send: &'a QueuedSend,
}

impl<'a> SendParameters<'a> {
    fn of(send: &'a QueuedSend) -> Self {
        Self {
            recipients: send.deliveries.iter().map(|d| d.recipient.as_str()).collect(),
            delivered_at: send.deliveries.iter().map(|d| d.delivered_at).collect(),
            notified_on: send.deliveries.iter().map(|d| d.notified_on).collect(),
            hashed: crate::audit::hashed_fields(&send.audit),
            send,
        }
    }

    fn values(&self) -> Vec<&(dyn tokio_postgres::types::ToSql + Sync)> {
        let message = &self.send.message;
        let mut values: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = vec![
            &message.id,
            &message.sender,
            &message.sent_by,
            &message.subject,
            &message.body,
            &message.case_number,
            &message.in_reply_to,
            &message.attachments,
            &message.sent_at,
            &self.recipients,
            &self.delivered_at,
            &self.notified_on,
        ];
        values.extend(super::audit_parameters(&self.send.audit, &self.hashed));
        values
    }
}

fn effect_of(row: &tokio_postgres::Row) -> EntryEffect {
    if row.get::<_, i64>(0) == 0 { EntryEffect::AlreadyApplied } else { EntryEffect::Applied }
}

async fn write_alone(pool: &Pool, send: &QueuedSend) -> Result<EntryEffect, StoreError> {
    let client = pool.get().await.map_err(pool_err)?;
    let parameters = SendParameters::of(send);
    let row = client
        .query_one_cached(&SEND, &parameters.values())
        .await
        .map_err(|e| map_err(e, || format!("a delivery of the message {}", send.message.id)))?;
    Ok(effect_of(&row))
}

async fn write_together(pool: &Pool, batch: &[QueuedSend]) -> Result<Vec<EntryEffect>, StoreError> {
    let mut client = pool.get().await.map_err(pool_err)?;
    let statement = client.prepare_cached(&SEND).await.map_err(db)?;
    let tx = client.transaction().await.map_err(db)?;
    let parameters: Vec<SendParameters<'_>> = batch.iter().map(SendParameters::of).collect();
    let values: Vec<_> = parameters.iter().map(SendParameters::values).collect();
    // Sent one after another on the connection without waiting (tokio-postgres pipelines
    // queries polled together); PostgreSQL runs them in order.
    let rows =
        futures_util::future::try_join_all(values.iter().map(|v| tx.query_one(&statement, v))).await.map_err(db)?;
    tx.commit().await.map_err(db)?;
    Ok(rows.iter().map(effect_of).collect())
}
