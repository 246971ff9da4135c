//! E-address messages composed on the desk: queued in the outbox with their attachments' content
//! (by SHA-256) in one transaction, so a message written offline is sent once the server answers;
//! and the e-address catalogue kept for choosing recipients offline.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

use crate::{Store, StoreError};

/// A message this desk queued, and how it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedMessage {
    pub id: Uuid,
    /// JSON of what is sent.
    pub payload: String,
    pub created_at: DateTime<Utc>,
    /// When the server had it.
    pub done_at: Option<DateTime<Utc>>,
    /// The server's reason for refusing it, and the reason's code.
    pub refused: Option<String>,
    pub refused_code: Option<String>,
    /// Each recipient's state on the server as last heard (JSON), once it was sent.
    pub deliveries: Option<String>,
}

impl Store {
    /// Queues a message (`payload`, sent under `id`) with its attachments' content, all in one
    /// transaction synced to disk.
    pub fn queue_message(
        &self,
        id: Uuid,
        payload: &serde_json::Value,
        files: &[(String, Vec<u8>)],
        origin: impl Into<crate::EntryOrigin>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let origin = origin.into();
        let mut connection = self.connection();
        let tx = connection.transaction()?;
        for (sha256, content) in files {
            tx.execute(
                "INSERT INTO outbox_files (sha256, content) VALUES (?1, ?2) ON CONFLICT (sha256) DO NOTHING",
                params![sha256, content],
            )?;
        }
        tx.execute(
            "INSERT INTO outbox (id, kind, payload, offline, created_at, author) VALUES (?1, 'message_send', ?2, ?3, ?4, ?5)",
            params![id.to_string(), payload.to_string(), origin.offline, at, origin.author],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// An attachment's content waiting to go, and whether the server already has it.
    pub fn outbox_file(&self, sha256: &str) -> Result<Option<(Vec<u8>, bool)>, StoreError> {
        Ok(self
            .connection()
            .query_row(
                "SELECT content, uploaded_at IS NOT NULL FROM outbox_files WHERE sha256 = ?1",
                params![sha256],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    /// The server has the attachment: it is not sent again.
    pub fn outbox_file_uploaded(&self, sha256: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.connection().execute("UPDATE outbox_files SET uploaded_at = ?2 WHERE sha256 = ?1", params![sha256, at])?;
        Ok(())
    }

    /// The server no longer has the attachment (it removes content no message used within a
    /// day): it is sent again with its message. Answers whether this desk still holds it.
    pub fn outbox_file_not_uploaded(&self, sha256: &str) -> Result<bool, StoreError> {
        let changed = self
            .connection()
            .execute("UPDATE outbox_files SET uploaded_at = NULL WHERE sha256 = ?1", params![sha256])?;
        Ok(changed > 0)
    }

    /// Messages this desk queued (e-form submissions are messages too), newest first.
    pub fn queued_messages(&self, limit: u32) -> Result<Vec<QueuedMessage>, StoreError> {
        let connection = self.connection();
        let mut statement = connection.prepare_cached(
            "SELECT o.id, o.payload, o.created_at, o.done_at, o.poisoned, o.poisoned_code, s.deliveries FROM outbox o
             LEFT JOIN message_states s ON s.message_id = o.id
             WHERE o.kind IN ('message_send', 'form_submission') ORDER BY o.seq DESC LIMIT ?1",
        )?;
        let rows = statement
            .query_map(params![i64::from(limit)], |r| {
                Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(id, payload, created_at, done_at, refused, refused_code, deliveries)| {
                Ok(QueuedMessage {
                    id: Uuid::parse_str(&id).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    payload,
                    created_at,
                    done_at,
                    refused,
                    refused_code,
                    deliveries,
                })
            })
            .collect()
    }

    /// Sent messages whose recipients have not all read them yet, sent after `since`: the ones
    /// whose state is still worth asking about.
    pub fn messages_to_follow(&self, since: DateTime<Utc>, limit: u32) -> Result<Vec<Uuid>, StoreError> {
        let connection = self.connection();
        let mut statement = connection.prepare_cached(
            "SELECT o.id FROM outbox o LEFT JOIN message_states s ON s.message_id = o.id
             WHERE o.kind IN ('message_send', 'form_submission') AND o.done_at IS NOT NULL AND o.created_at >= ?1
               AND (s.deliveries IS NULL OR EXISTS (
                    SELECT 1 FROM json_each(s.deliveries) d WHERE json_extract(d.value, '$.state') != 'read'))
             ORDER BY o.seq DESC LIMIT ?2",
        )?;
        let ids: Vec<String> =
            statement.query_map(params![since, i64::from(limit)], |r| r.get(0))?.collect::<Result<_, _>>()?;
        ids.iter().map(|id| Uuid::parse_str(id).map_err(|e| StoreError::Corrupt(e.to_string()))).collect()
    }

    /// Records how sent messages stand on the server (JSON of their deliveries, by message id);
    /// answers how many differ from what was recorded before.
    pub fn record_message_states(&self, states: &[(Uuid, String)], at: DateTime<Utc>) -> Result<usize, StoreError> {
        let mut connection = self.connection();
        let tx = connection.transaction()?;
        let mut changed = 0;
        for (id, deliveries) in states {
            let known: Option<String> = tx
                .query_row("SELECT deliveries FROM message_states WHERE message_id = ?1", [id.to_string()], |row| {
                    row.get(0)
                })
                .optional()?;
            changed += usize::from(known.as_deref() != Some(deliveries.as_str()));
            tx.execute(
                "INSERT INTO message_states (message_id, deliveries, checked_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (message_id) DO UPDATE SET deliveries = excluded.deliveries, checked_at = excluded.checked_at",
                params![id.to_string(), deliveries, at],
            )?;
        }
        tx.commit()?;
        Ok(changed)
    }

    /// Replaces the e-address catalogue with the server's, in one transaction.
    pub fn replace_directory(&self, entries: &[(String, String)]) -> Result<(), StoreError> {
        let mut connection = self.connection();
        let tx = connection.transaction()?;
        tx.execute("DELETE FROM eaddress_directory", [])?;
        for (address, name) in entries {
            tx.execute("INSERT INTO eaddress_directory (address, name) VALUES (?1, ?2)", params![address, name])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The catalogue's name for each of `addresses` it knows (the others are left out).
    pub fn directory_names(
        &self,
        addresses: &[String],
    ) -> Result<std::collections::HashMap<String, String>, StoreError> {
        let connection = self.connection();
        let mut statement = connection.prepare_cached("SELECT name FROM eaddress_directory WHERE address = ?1")?;
        let mut names = std::collections::HashMap::new();
        for address in addresses {
            if names.contains_key(address) {
                continue;
            }
            if let Some(name) = statement.query_row([address], |r| r.get::<_, String>(0)).optional()? {
                names.insert(address.clone(), name);
            }
        }
        Ok(names)
    }

    /// Institutions' addresses whose name or address contains every word of `query`, folded as
    /// the catalogue search folds (any case, with or without diacritics: "rig" finds "Rīgas"),
    /// by name. The directory holds institutions only (thousands at most): read whole, matched here.
    pub fn directory(&self, query: &str, limit: u32) -> Result<Vec<(String, String)>, StoreError> {
        let words: Vec<String> = crate::search_query::words(query).collect();
        let connection = self.connection();
        let mut statement = connection.prepare_cached("SELECT address, name FROM eaddress_directory ORDER BY name")?;
        let mut found = Vec::new();
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            let (address, name): (String, String) = (row.get(0)?, row.get(1)?);
            let text = format!("{} {}", crate::search_query::fold(&name), crate::search_query::fold(&address));
            if words.iter().all(|word| text.contains(word.as_str())) {
                found.push((address, name));
                if found.len() >= limit as usize {
                    break;
                }
            }
        }
        Ok(found)
    }
}
