//! E-form drafts: the answers a clerk and a customer have given so far, kept at every change so
//! that nothing is lost when the app closes, and never sent anywhere before submission.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

use crate::{Store, StoreError};

/// A form being filled in for a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormDraft {
    pub id: Uuid,
    pub form_id: String,
    /// The version of the form it is filled with.
    pub form_version: u32,
    pub customer_code: String,
    pub customer_name: String,
    pub case_id: Option<Uuid>,
    /// The answers so far: JSON of an object.
    pub data: String,
    /// The step the clerk was on (0 is the first).
    pub step: u32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str =
    "id, form_id, form_version, customer_code, customer_name, case_id, data, step, created_at, updated_at";

fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<FormDraft> {
    let uuid = |i: usize, text: String| {
        Uuid::parse_str(&text)
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e.into()))
    };
    Ok(FormDraft {
        id: uuid(0, r.get(0)?)?,
        form_id: r.get(1)?,
        form_version: r.get(2)?,
        customer_code: r.get(3)?,
        customer_name: r.get(4)?,
        case_id: r.get::<_, Option<String>>(5)?.map(|t| uuid(5, t)).transpose()?,
        data: r.get(6)?,
        step: r.get(7)?,
        created_at: r.get(8)?,
        updated_at: r.get(9)?,
    })
}

impl Store {
    /// Keeps a new draft.
    pub fn create_form_draft(&self, draft: &FormDraft) -> Result<(), StoreError> {
        self.connection()
            .prepare_cached(&format!(
                "INSERT INTO form_drafts ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
            ))?
            .execute(params![
                draft.id.to_string(),
                draft.form_id,
                draft.form_version,
                draft.customer_code,
                draft.customer_name,
                draft.case_id.map(|id| id.to_string()),
                draft.data,
                draft.step,
                draft.created_at,
                draft.updated_at
            ])?;
        Ok(())
    }

    /// Keeps the answers and the step of a draft; `false` when there is no such draft (removed
    /// meanwhile, or submitted).
    pub fn save_form_draft(&self, id: Uuid, data: &str, step: u32, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let changed = self
            .connection()
            .prepare_cached("UPDATE form_drafts SET data = ?2, step = ?3, updated_at = ?4 WHERE id = ?1")?
            .execute(params![id.to_string(), data, step, now])?;
        Ok(changed == 1)
    }

    pub fn form_draft(&self, id: Uuid) -> Result<Option<FormDraft>, StoreError> {
        Ok(self
            .connection()
            .prepare_cached(&format!("SELECT {COLUMNS} FROM form_drafts WHERE id = ?1"))?
            .query_row(params![id.to_string()], read)
            .optional()?)
    }

    /// Drafts, the most recently changed first: a customer's, or every one on this desk.
    pub fn form_drafts(&self, customer_code: Option<&str>) -> Result<Vec<FormDraft>, StoreError> {
        Ok(self
            .connection()
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM form_drafts WHERE ?1 IS NULL OR customer_code = ?1 ORDER BY updated_at DESC, id"
            ))?
            .query_map(params![customer_code], read)?
            .collect::<Result<_, _>>()?)
    }

    /// Removes a draft with its files.
    pub fn delete_form_draft(&self, id: Uuid) -> Result<bool, StoreError> {
        let mut connection = self.connection();
        let tx = connection.transaction()?;
        tx.prepare_cached("DELETE FROM form_draft_files WHERE draft_id = ?1")?.execute(params![id.to_string()])?;
        let removed = tx.prepare_cached("DELETE FROM form_drafts WHERE id = ?1")?.execute(params![id.to_string()])?;
        tx.commit()?;
        Ok(removed == 1)
    }

    /// Removes drafts nobody changed since `before`, with their files; answers how many, and
    /// adds them to the count the centre's administrator is shown ([`Store::form_drafts_swept`]).
    pub fn remove_stale_form_drafts(&self, before: DateTime<Utc>) -> Result<usize, StoreError> {
        let mut connection = self.connection();
        let tx = connection.transaction()?;
        tx.prepare_cached(
            "DELETE FROM form_draft_files WHERE draft_id IN (SELECT id FROM form_drafts WHERE updated_at < ?1)",
        )?
        .execute(params![before])?;
        let removed = tx.prepare_cached("DELETE FROM form_drafts WHERE updated_at < ?1")?.execute(params![before])?;
        tx.prepare_cached(
            "INSERT INTO settings (key, value) VALUES ('form_drafts_swept', ?1)
             ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + ?1 AS TEXT)",
        )?
        .execute(params![removed as i64])?;
        tx.commit()?;
        Ok(removed)
    }

    /// How many drafts were removed for being untouched, ever, on this desk.
    pub fn form_drafts_swept(&self) -> Result<u64, StoreError> {
        let count: Option<String> = self
            .connection()
            .query_row("SELECT value FROM settings WHERE key = 'form_drafts_swept'", [], |r| r.get(0))
            .optional()?;
        Ok(count.and_then(|c| c.parse().ok()).unwrap_or(0))
    }

    /// Keeps a file of a draft (by its SHA-256, hex) together with the draft's new answers,
    /// which name it: both or neither. `false` when there is no such draft.
    pub fn add_form_draft_file(
        &self,
        id: Uuid,
        sha256: &str,
        content: &[u8],
        data: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut connection = self.connection();
        let tx = connection.transaction()?;
        let changed = tx
            .prepare_cached("UPDATE form_drafts SET data = ?2, updated_at = ?3 WHERE id = ?1")?
            .execute(params![id.to_string(), data, now])?;
        if changed == 1 {
            tx.prepare_cached(
                "INSERT OR IGNORE INTO form_draft_files (draft_id, sha256, content) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![id.to_string(), sha256, content])?;
        }
        tx.commit()?;
        Ok(changed == 1)
    }

    /// The content of a draft's file.
    pub fn form_draft_file(&self, id: Uuid, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .connection()
            .prepare_cached("SELECT content FROM form_draft_files WHERE draft_id = ?1 AND sha256 = ?2")?
            .query_row(params![id.to_string(), sha256], |r| r.get(0))
            .optional()?)
    }

    /// Forgets the files of a draft that its answers no longer name; answers how many.
    pub fn prune_form_draft_files(&self, id: Uuid, named: &[String]) -> Result<usize, StoreError> {
        let connection = self.connection();
        let kept: Vec<String> = connection
            .prepare_cached("SELECT sha256 FROM form_draft_files WHERE draft_id = ?1")?
            .query_map(params![id.to_string()], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut removed = 0;
        for sha256 in kept.iter().filter(|s| !named.contains(s)) {
            removed += connection
                .prepare_cached("DELETE FROM form_draft_files WHERE draft_id = ?1 AND sha256 = ?2")?
                .execute(params![id.to_string(), sha256])?;
        }
        Ok(removed)
    }
}
