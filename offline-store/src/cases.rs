//! Service cases on the device and the outbox that carries them to the server. A case and its
//! outbox entry are written in one transaction, with a real disk sync (the store runs with
//! `synchronous = FULL`), so a registered case survives a crash and is sent exactly once.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Utc};
use domain::case::{
    Actor, Case, CaseDocument, CaseError, CaseKind, CaseNote, CaseNumber, CaseStatus, Customer, NewCase, StatusChange,
};
use domain::catalogue::ChannelKind;
use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

use crate::{Store, StoreError};

/// What the desk knows when a clerk registers a case; the number is given here.
#[derive(Debug, Clone)]
pub struct CaseDraft {
    pub id: Uuid,
    pub service_id: String,
    pub kind: CaseKind,
    pub channel: ChannelKind,
    pub customer: Customer,
    pub holder_institution: String,
    pub provider_institution: Option<String>,
    pub centre_id: Uuid,
    /// The centre's code and this desk's number, for the case number.
    pub centre_code: String,
    pub desk_number: u8,
    pub arrived_at: DateTime<Utc>,
    pub served_at: DateTime<Utc>,
    pub registered_by: Actor,
    pub note: String,
    /// Registered in a session logged in without the server.
    pub offline: bool,
    /// The login's proof of who registered it ([`EntryOrigin::author`]).
    pub author: Option<String>,
}

impl CaseDraft {
    /// An example for tests, benchmarks and load tools: Oskars Kalns consulted about Riga's dog
    /// fee at desk 1 of the centre coded "RCV", arrived and served at `served_at`, registered by
    /// the demo clerk online (change what a test needs with `..CaseDraft::example(…)`).
    pub fn example(centre_id: Uuid, served_at: DateTime<Utc>) -> Self {
        let clerk = domain::PersonalCode::parse("161175-19997").expect("a valid personal code");
        CaseDraft {
            id: Uuid::now_v7(),
            service_id: "https://pietura.lv/id/service/dog-fee".into(),
            kind: CaseKind::Consultation,
            channel: ChannelKind::VpvkacInPerson,
            customer: domain::case::customer_from_code("290156-11605", "Oskars Kalns").expect("a valid customer"),
            holder_institution: "https://pietura.lv/id/org/riga".into(),
            provider_institution: None,
            centre_id,
            centre_code: "RCV".into(),
            desk_number: 1,
            arrived_at: served_at,
            served_at,
            registered_by: Actor::Staff { personal_code: clerk, offline: false },
            note: String::new(),
            offline: false,
            author: None,
        }
    }
}

/// How an outbox entry was made: in a session logged in without the server or not, and the
/// login's proof of who made it (JSON the device layer makes and the server checks; the store
/// keeps it as it is).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntryOrigin {
    pub offline: bool,
    pub author: Option<String>,
}

impl From<bool> for EntryOrigin {
    /// No proof of its author: such an entry is refused by the server (tests of the store alone).
    fn from(offline: bool) -> Self {
        Self { offline, author: None }
    }
}

/// Something the server must still be told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    /// The idempotency key the server applies exactly once.
    pub id: Uuid,
    pub kind: String,
    /// JSON of what is sent.
    pub payload: String,
    pub offline: bool,
    /// The login's proof of who made it (JSON), when the desk recorded one.
    pub author: Option<String>,
    pub created_at: DateTime<Utc>,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub poisoned: Option<String>,
    /// The code of the server's reason (`protocol::rejection_codes`), when it gave one.
    pub poisoned_code: Option<String>,
}

/// How one case's entries stand in the outbox.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseOutbox {
    pub pending: u64,
    pub refused: Option<String>,
    pub refused_code: Option<String>,
    /// The kind of the refused entry (`form_submission`: it can be filled in again).
    pub refused_kind: Option<String>,
}

/// What changed on the server since the clerk last opened a case.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CaseNews {
    /// The status the desk showed before.
    pub previous_status: CaseStatus,
    /// When the desk heard of it.
    pub at: DateTime<Utc>,
}

/// What a page of the server's case feed did here.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CaseMerge {
    /// Cases this desk did not have (registered at another desk of the centre).
    pub added: u64,
    /// Cases that changed.
    pub updated: u64,
    /// Of those, changed by someone else (an institution, another desk): news for the clerk.
    pub news: u64,
}

/// An outbox entry not yet settled, as it changes a case.
enum PendingChange {
    Status { entry_id: Uuid, from: Option<CaseStatus>, change: StatusChange },
    Note(CaseNote),
    Document(CaseDocument),
}

#[derive(serde::Deserialize)]
struct StatusPayload {
    change: StatusChange,
    #[serde(default)]
    from: Option<CaseStatus>,
}

#[derive(serde::Deserialize)]
struct NotePayload {
    note: CaseNote,
}

#[derive(serde::Deserialize)]
struct DocumentPayload {
    document: CaseDocument,
}

/// The case id an outbox entry is about, in SQL (registrations carry the case as the payload).
const ENTRY_CASE_ID: &str = "CASE kind WHEN 'case_registered' THEN id ELSE json_extract(payload, '$.case_id') END";

/// How the outbox stands, for the status bar.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxCounts {
    pub pending: u64,
    pub poisoned: u64,
    pub done: u64,
    /// Cases with news from the server the clerk has not opened (see [`Store::case_news`]).
    pub case_news: u64,
    /// When the oldest entry still waiting to be sent was made.
    pub oldest_pending_at: Option<chrono::DateTime<chrono::Utc>>,
}

fn invalid(error: CaseError) -> StoreError {
    StoreError::Invalid(error.to_string())
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn read_case(document: &str) -> Result<Case, StoreError> {
    serde_json::from_str(document).map_err(|e| StoreError::Corrupt(format!("a stored case: {e}")))
}

/// What a form submission does to its case.
#[derive(Debug, Clone)]
pub enum Submission {
    /// Registers the case with the submission (its number given then).
    New { case: Box<CaseDraft>, note: String },
    /// Moves the case the form was started from on to submitted (a note if it is already).
    Existing { case_id: Uuid, actor: Actor, note: String },
}

/// The number [`register_in`] gives the next case of `year` at this desk.
fn next_number(
    tx: &rusqlite::Connection,
    centre_code: &str,
    desk_number: u8,
    year: i32,
) -> Result<(CaseNumber, i64), StoreError> {
    let last: Option<i64> =
        tx.query_row("SELECT last FROM case_numbers WHERE year = ?1", params![year], |r| r.get(0)).optional()?;
    let sequence = last.unwrap_or(0) + 1;
    let number = CaseNumber::new(centre_code, desk_number, year, u32::try_from(sequence).unwrap_or(0))
        .map_err(|e| StoreError::Invalid(e.to_string()))?;
    Ok((number, sequence))
}

/// Registers `draft` within `tx`: the desk's next number for the year and the case; no outbox
/// entry (the caller writes the one that carries it).
fn register_in(tx: &rusqlite::Transaction<'_>, draft: CaseDraft, now: DateTime<Utc>) -> Result<Case, StoreError> {
    let year = draft.served_at.year();
    let (number, sequence) = next_number(tx, &draft.centre_code, draft.desk_number, year)?;
    let case = Case::register(NewCase {
        id: draft.id,
        number,
        service_id: draft.service_id,
        kind: draft.kind,
        channel: draft.channel,
        customer: draft.customer,
        holder_institution: draft.holder_institution,
        provider_institution: draft.provider_institution,
        centre_id: draft.centre_id,
        arrived_at: draft.arrived_at,
        served_at: draft.served_at,
        // Registered now; a draft served later than now (a clock set back) is registered
        // as it is served rather than refused.
        registered_at: now.max(draft.served_at),
        registered_by: draft.registered_by,
        note: draft.note,
    })
    .map_err(invalid)?;
    tx.execute(
        "INSERT INTO case_numbers (year, last) VALUES (?1, ?2) ON CONFLICT (year) DO UPDATE SET last = excluded.last",
        params![year, sequence],
    )?;
    tx.execute(
        "INSERT INTO cases (id, number, document, served_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![case.id.to_string(), case.number.to_string(), to_json(&case)?, case.served_at, now],
    )?;
    Ok(case)
}

impl Store {
    /// Registers a case: the desk's next number for the year, the case and its outbox entry,
    /// all in one transaction synced to disk.
    pub fn register_case(&self, draft: CaseDraft, now: DateTime<Utc>) -> Result<Case, StoreError> {
        let mut connection = self.connection();
        let tx = connection.transaction()?;
        let (offline, author) = (draft.offline, draft.author.clone());
        let case = register_in(&tx, draft, now)?;
        tx.execute(
            "INSERT INTO outbox (id, kind, payload, offline, created_at, author) VALUES (?1, 'case_registered', ?2, ?3, ?4, ?5)",
            params![case.id.to_string(), to_json(&case)?, offline, now, author],
        )?;
        tx.commit()?;
        Ok(case)
    }

    /// The number the next case `draft` registers would get (nothing is reserved: a document that
    /// names it is made, then [`Store::submit_form_draft`] checks it is still the one given).
    pub fn next_case_number(&self, draft: &CaseDraft) -> Result<CaseNumber, StoreError> {
        Ok(next_number(&self.connection(), &draft.centre_code, draft.desk_number, draft.served_at.year())?.0)
    }

    /// Submits a form draft: the case it registers (`Submission::New`) or the case it was
    /// started from moved on to submitted, one `form_submission` outbox entry (`entry_id`) with
    /// its files' content, and the draft gone — all in one transaction synced to disk, so the
    /// submission is sent exactly once or not at all. `entry` makes the entry's payload and files
    /// from the case as registered (its number is given here).
    pub fn submit_form_draft(
        &self,
        draft_id: Uuid,
        entry_id: Uuid,
        submission: Submission,
        origin: impl Into<EntryOrigin>,
        at: DateTime<Utc>,
        entry: impl FnOnce(&Case) -> Result<(serde_json::Value, Vec<(String, Vec<u8>)>), StoreError>,
    ) -> Result<Case, StoreError> {
        let origin = origin.into();
        let mut connection = self.connection();
        let tx = connection.transaction()?;
        tx.execute("DELETE FROM form_draft_files WHERE draft_id = ?1", params![draft_id.to_string()])?;
        let removed = tx.execute("DELETE FROM form_drafts WHERE id = ?1", params![draft_id.to_string()])?;
        if removed == 0 {
            return Err(StoreError::Invalid(format!(
                "there is no draft {draft_id} on this device (submitted or removed)"
            )));
        }
        let (mut case, actor, note) = match submission {
            Submission::New { case, note } => {
                let actor = case.registered_by.clone();
                (register_in(&tx, *case, at)?, actor, note)
            }
            Submission::Existing { case_id, actor, note } => {
                let document: String = tx
                    .query_row("SELECT document FROM cases WHERE id = ?1", params![case_id.to_string()], |r| r.get(0))
                    .optional()?
                    .ok_or_else(|| StoreError::Invalid(format!("there is no case {case_id} on this device")))?;
                (read_case(&document)?, actor, note)
            }
        };
        let (payload, files) = entry(&case)?;
        match case.status() {
            CaseStatus::Submitted => {
                let text = note.clone();
                case.add_note(CaseNote { id: entry_id, at, actor, text, intended_status: None }).map_err(invalid)?;
            }
            _ => case.change_status(CaseStatus::Submitted, at, actor, &note).map_err(invalid)?,
        }
        tx.execute(
            "UPDATE cases SET document = ?2, updated_at = ?3 WHERE id = ?1",
            params![case.id.to_string(), to_json(&case)?, at],
        )?;
        for (sha256, content) in &files {
            tx.execute(
                "INSERT INTO outbox_files (sha256, content) VALUES (?1, ?2) ON CONFLICT (sha256) DO NOTHING",
                params![sha256, content],
            )?;
        }
        tx.execute(
            "INSERT INTO outbox (id, kind, payload, offline, created_at, author) VALUES (?1, 'form_submission', ?2, ?3, ?4, ?5)",
            params![entry_id.to_string(), payload.to_string(), origin.offline, at, origin.author],
        )?;
        tx.commit()?;
        Ok(case)
    }

    /// Moves a case on (the domain's state machine decides) and queues the change for the
    /// server under `entry_id`.
    #[allow(clippy::too_many_arguments)]
    pub fn change_case_status(
        &self,
        case_id: Uuid,
        to: CaseStatus,
        at: DateTime<Utc>,
        actor: Actor,
        note: &str,
        origin: impl Into<EntryOrigin>,
        entry_id: Uuid,
    ) -> Result<Case, StoreError> {
        let origin = origin.into();
        let mut connection = self.connection();
        let tx = connection.transaction()?;
        let document: String = tx
            .query_row("SELECT document FROM cases WHERE id = ?1", params![case_id.to_string()], |r| r.get(0))
            .optional()?
            .ok_or_else(|| StoreError::Invalid(format!("there is no case {case_id} on this device")))?;
        let mut case = read_case(&document)?;
        let from = case.status();
        case.change_status(to, at, actor, note).map_err(invalid)?;
        let change = case.history.last().cloned();
        tx.execute(
            "UPDATE cases SET document = ?2, updated_at = ?3 WHERE id = ?1",
            params![case_id.to_string(), to_json(&case)?, at],
        )?;
        // `from`: the status the clerk saw, so the server can tell a late change from a wrong one.
        let payload = serde_json::json!({ "case_id": case_id, "change": change, "from": from });
        tx.execute(
            "INSERT INTO outbox (id, kind, payload, offline, created_at, author) VALUES (?1, 'case_status', ?2, ?3, ?4, ?5)",
            params![entry_id.to_string(), payload.to_string(), origin.offline, at, origin.author],
        )?;
        tx.commit()?;
        Ok(case)
    }

    /// Adds a note to a case and queues it for the server under the note's id, in one
    /// transaction.
    pub fn add_case_note(
        &self,
        case_id: Uuid,
        note: CaseNote,
        origin: impl Into<EntryOrigin>,
    ) -> Result<Case, StoreError> {
        let origin = origin.into();
        let mut connection = self.connection();
        let tx = connection.transaction()?;
        let document: String = tx
            .query_row("SELECT document FROM cases WHERE id = ?1", params![case_id.to_string()], |r| r.get(0))
            .optional()?
            .ok_or_else(|| StoreError::Invalid(format!("there is no case {case_id} on this device")))?;
        let mut case = read_case(&document)?;
        let (id, at) = (note.id, note.at);
        if !case.add_note(note.clone()).map_err(invalid)? {
            return Ok(case);
        }
        tx.execute(
            "UPDATE cases SET document = ?2, updated_at = ?3 WHERE id = ?1",
            params![case_id.to_string(), to_json(&case)?, at],
        )?;
        let payload = serde_json::json!({ "case_id": case_id, "note": note });
        tx.execute(
            "INSERT INTO outbox (id, kind, payload, offline, created_at, author) VALUES (?1, 'case_note', ?2, ?3, ?4, ?5)",
            params![id.to_string(), payload.to_string(), origin.offline, at, origin.author],
        )?;
        tx.commit()?;
        Ok(case)
    }

    /// Attaches a document to a case: the content kept here (encrypted with the store), its
    /// description added to the case and queued for the server, in one transaction.
    pub fn add_case_document(
        &self,
        case_id: Uuid,
        document: CaseDocument,
        content: &[u8],
        origin: impl Into<EntryOrigin>,
    ) -> Result<Case, StoreError> {
        use sha2::Digest;
        let origin = origin.into();
        if document.size != content.len() as u64 || document.sha256 != hex::encode(sha2::Sha256::digest(content)) {
            return Err(StoreError::Invalid("the document's size or digest does not match its content".into()));
        }
        let mut connection = self.connection();
        let tx = connection.transaction()?;
        let document_json: String = tx
            .query_row("SELECT document FROM cases WHERE id = ?1", params![case_id.to_string()], |r| r.get(0))
            .optional()?
            .ok_or_else(|| StoreError::Invalid(format!("there is no case {case_id} on this device")))?;
        let mut case = read_case(&document_json)?;
        if !case.add_document(document.clone()).map_err(invalid)? {
            return Ok(case);
        }
        tx.execute(
            "INSERT INTO case_files (id, case_id, content) VALUES (?1, ?2, ?3)",
            params![document.id.to_string(), case_id.to_string(), content],
        )?;
        tx.execute(
            "UPDATE cases SET document = ?2, updated_at = ?3 WHERE id = ?1",
            params![case_id.to_string(), to_json(&case)?, document.added_at],
        )?;
        let payload = serde_json::json!({ "case_id": case_id, "document": document });
        tx.execute(
            "INSERT INTO outbox (id, kind, payload, offline, created_at, author) VALUES (?1, 'case_document', ?2, ?3, ?4, ?5)",
            params![document.id.to_string(), payload.to_string(), origin.offline, document.added_at, origin.author],
        )?;
        tx.commit()?;
        Ok(case)
    }

    /// A document's content, when this desk has it (a colleague's desk keeps its own scans).
    pub fn case_document_content(&self, document_id: Uuid) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .connection()
            .query_row("SELECT content FROM case_files WHERE id = ?1", params![document_id.to_string()], |r| r.get(0))
            .optional()?)
    }

    /// How far this desk has followed the server's case feed.
    pub fn case_feed_cursor(&self) -> Result<i64, StoreError> {
        Ok(self.connection().query_row("SELECT cursor FROM case_feed", [], |r| r.get(0))?)
    }

    /// Takes a page of the server's case feed, with the cursor after it, in one transaction.
    /// The server's case is the base; this desk's changes the server has not answered for yet
    /// are replayed on it (a status change the server's case has moved past becomes a note, as
    /// the server will make it), so nothing typed here disappears and the institution's status
    /// wins. A case someone else changed is marked as news until the clerk opens it.
    pub fn merge_server_cases(
        &self,
        cases: Vec<Case>,
        cursor: i64,
        now: DateTime<Utc>,
    ) -> Result<CaseMerge, StoreError> {
        let mut connection = self.connection();
        let tx = connection.transaction()?;
        let mut merge = CaseMerge::default();
        for server_case in cases {
            let id = server_case.id.to_string();
            let local: Option<(String, Option<String>)> = tx
                .query_row("SELECT document, news FROM cases WHERE id = ?1", params![id], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()?;
            let pending = pending_changes(&tx, server_case.id)?;
            let mut merged = server_case;
            for change in pending {
                // What the server will refuse is shown as the server has it; the refusal comes
                // back with the push.
                let _ = match change {
                    PendingChange::Status { entry_id, from, change } => {
                        merged.apply_desk_change(from, change, entry_id).map(|_| ())
                    }
                    PendingChange::Note(note) => merged.add_note(note).map(|_| ()),
                    PendingChange::Document(document) => merged.add_document(document).map(|_| ()),
                };
            }
            let document = to_json(&merged)?;
            match local {
                None => {
                    tx.execute(
                        "INSERT INTO cases (id, number, document, served_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![id, merged.number.to_string(), document, merged.served_at, now],
                    )?;
                    merge.added += 1;
                }
                Some((local_document, news)) => {
                    let local_case = read_case(&local_document)?;
                    if local_case == merged {
                        continue;
                    }
                    merge.updated += 1;
                    let news = match news {
                        // Unseen news keeps the status the clerk last saw.
                        Some(news) => Some(news),
                        None if changed_elsewhere(&local_case, &merged) => {
                            merge.news += 1;
                            Some(to_json(&CaseNews { previous_status: local_case.status(), at: now })?)
                        }
                        None => None,
                    };
                    tx.execute(
                        "UPDATE cases SET document = ?2, updated_at = ?3, news = ?4 WHERE id = ?1",
                        params![id, document, now, news],
                    )?;
                }
            }
        }
        tx.execute("UPDATE case_feed SET cursor = max(cursor, ?1)", params![cursor])?;
        tx.commit()?;
        Ok(merge)
    }

    /// What changed on the server since the clerk last opened the case.
    pub fn case_news(&self, id: Uuid) -> Result<Option<CaseNews>, StoreError> {
        let news: Option<Option<String>> = self
            .connection()
            .query_row("SELECT news FROM cases WHERE id = ?1", params![id.to_string()], |r| r.get(0))
            .optional()?;
        news.flatten()
            .map(|n| serde_json::from_str(&n).map_err(|e| StoreError::Corrupt(format!("case news: {e}"))))
            .transpose()
    }

    /// The clerk has seen the case: its news is cleared.
    pub fn mark_case_seen(&self, id: Uuid) -> Result<(), StoreError> {
        self.connection().execute("UPDATE cases SET news = NULL WHERE id = ?1", params![id.to_string()])?;
        Ok(())
    }

    /// Cases with news, the newest news first.
    pub fn cases_with_news(&self) -> Result<Vec<(Case, CaseNews)>, StoreError> {
        let connection = self.connection();
        let mut statement = connection
            .prepare_cached("SELECT document, news FROM cases WHERE news IS NOT NULL ORDER BY updated_at DESC")?;
        let rows: Vec<(String, String)> =
            statement.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
        rows.iter()
            .map(|(document, news)| {
                let news = serde_json::from_str(news).map_err(|e| StoreError::Corrupt(format!("case news: {e}")))?;
                Ok((read_case(document)?, news))
            })
            .collect()
    }

    pub fn case(&self, id: Uuid) -> Result<Option<Case>, StoreError> {
        self.connection()
            .query_row("SELECT document FROM cases WHERE id = ?1", params![id.to_string()], |r| r.get::<_, String>(0))
            .optional()?
            .map(|d| read_case(&d))
            .transpose()
    }

    pub fn case_by_number(&self, number: &CaseNumber) -> Result<Option<Case>, StoreError> {
        self.connection()
            .query_row("SELECT document FROM cases WHERE number = ?1", params![number.to_string()], |r| {
                r.get::<_, String>(0)
            })
            .optional()?
            .map(|d| read_case(&d))
            .transpose()
    }

    /// Cases served from `from` (inclusive) to `to` (exclusive), newest first.
    pub fn cases_served_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<Case>, StoreError> {
        let connection = self.connection();
        let mut statement = connection.prepare_cached(
            "SELECT document FROM cases WHERE served_at >= ?1 AND served_at < ?2 ORDER BY served_at DESC",
        )?;
        let documents: Vec<String> = statement.query_map(params![from, to], |r| r.get(0))?.collect::<Result<_, _>>()?;
        documents.iter().map(|d| read_case(d)).collect()
    }

    /// The newest `limit` cases by when they were served, for the desk's search.
    pub fn recent_cases(&self, limit: u32) -> Result<Vec<Case>, StoreError> {
        let connection = self.connection();
        let mut statement =
            connection.prepare_cached("SELECT document FROM cases ORDER BY served_at DESC, id DESC LIMIT ?1")?;
        let documents: Vec<String> =
            statement.query_map(params![i64::from(limit)], |r| r.get(0))?.collect::<Result<_, _>>()?;
        documents.iter().map(|d| read_case(d)).collect()
    }

    /// How the outbox stands for every case with an entry not yet on the server or refused by
    /// it: entries still to send, and the server's reason for one it refused. Done entries (the
    /// bulk of the table) are not parsed, so a list of cases costs one pass, not one per case.
    pub fn unsettled_outbox_by_case(&self) -> Result<HashMap<Uuid, CaseOutbox>, StoreError> {
        let connection = self.connection();
        let mut statement = connection.prepare_cached(&format!(
            "SELECT {ENTRY_CASE_ID}, poisoned, poisoned_code, kind
             FROM outbox WHERE done_at IS NULL OR poisoned IS NOT NULL ORDER BY seq"
        ))?;
        let rows = statement
            .query_map([], |r| {
                Ok((
                    r.get::<_, Option<String>>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let mut by_case: HashMap<Uuid, CaseOutbox> = HashMap::new();
        for (case_id, poisoned, code, kind) in rows {
            let Some(case_id) = case_id.and_then(|id| Uuid::parse_str(&id).ok()) else { continue };
            let entry = by_case.entry(case_id).or_default();
            match poisoned {
                // The latest refusal is the one to show.
                Some(reason) => {
                    entry.refused = Some(reason);
                    entry.refused_code = code;
                    entry.refused_kind = Some(kind);
                }
                None => entry.pending += 1,
            }
        }
        Ok(by_case)
    }

    /// Entries still to send, oldest first (poisoned ones are left out).
    pub fn pending_outbox(&self, limit: u32) -> Result<Vec<OutboxEntry>, StoreError> {
        self.outbox_where("done_at IS NULL AND poisoned IS NULL", limit)
    }

    /// Entries the server refused as invalid, with its reasons, for the clerk to see.
    pub fn poisoned_outbox(&self) -> Result<Vec<OutboxEntry>, StoreError> {
        self.outbox_where("poisoned IS NOT NULL", u32::MAX)
    }

    fn outbox_where(&self, condition: &str, limit: u32) -> Result<Vec<OutboxEntry>, StoreError> {
        let connection = self.connection();
        let mut statement = connection.prepare_cached(&format!(
            "SELECT id, kind, payload, offline, created_at, attempts, last_error, poisoned, poisoned_code, author FROM outbox
             WHERE {condition} ORDER BY seq LIMIT ?1"
        ))?;
        let rows = statement
            .query_map(params![i64::from(limit)], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get::<_, i64>(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                    r.get(9)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(id, kind, payload, offline, created_at, attempts, last_error, poisoned, poisoned_code, author)| {
                Ok(OutboxEntry {
                    id: Uuid::parse_str(&id).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    kind,
                    payload,
                    offline,
                    author,
                    created_at,
                    attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                    last_error,
                    poisoned,
                    poisoned_code,
                })
            })
            .collect()
    }

    /// The server has the entries: they are done (never sent again).
    pub fn outbox_done(&self, ids: &[Uuid], at: DateTime<Utc>) -> Result<(), StoreError> {
        let mut connection = self.connection();
        let tx = connection.transaction()?;
        for id in ids {
            tx.execute(
                "UPDATE outbox SET done_at = ?2 WHERE id = ?1 AND done_at IS NULL",
                params![id.to_string(), at],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// A try failed (the network, the server): counted, kept for the next try.
    pub fn outbox_failed(&self, ids: &[Uuid], error: &str) -> Result<(), StoreError> {
        let mut connection = self.connection();
        let tx = connection.transaction()?;
        for id in ids {
            tx.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?2 WHERE id = ?1",
                params![id.to_string(), error],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The server refused the entry as invalid: set aside with its reason (and the reason's
    /// code, when it gave one), never retried.
    pub fn outbox_poisoned(&self, id: Uuid, reason: &str, code: Option<&str>) -> Result<(), StoreError> {
        self.connection().execute(
            "UPDATE outbox SET poisoned = ?2, poisoned_code = ?3 WHERE id = ?1",
            params![id.to_string(), reason, code],
        )?;
        Ok(())
    }

    pub fn outbox_counts(&self) -> Result<OutboxCounts, StoreError> {
        Ok(self.connection().query_row(
            "SELECT count(*) FILTER (WHERE done_at IS NULL AND poisoned IS NULL),
                    count(*) FILTER (WHERE poisoned IS NOT NULL),
                    count(*) FILTER (WHERE done_at IS NOT NULL),
                    (SELECT count(*) FROM cases WHERE news IS NOT NULL),
                    min(created_at) FILTER (WHERE done_at IS NULL AND poisoned IS NULL) FROM outbox",
            [],
            |r| {
                Ok(OutboxCounts {
                    pending: r.get::<_, i64>(0)? as u64,
                    poisoned: r.get::<_, i64>(1)? as u64,
                    done: r.get::<_, i64>(2)? as u64,
                    case_news: r.get::<_, i64>(3)? as u64,
                    oldest_pending_at: r.get(4)?,
                })
            },
        )?)
    }
}

/// This desk's unsettled changes to a case, oldest first.
fn pending_changes(tx: &rusqlite::Transaction<'_>, case_id: Uuid) -> Result<Vec<PendingChange>, StoreError> {
    let mut statement = tx.prepare_cached(&format!(
        "SELECT id, kind, payload FROM outbox
         WHERE done_at IS NULL AND poisoned IS NULL AND kind IN ('case_status', 'case_note', 'case_document')
           AND {ENTRY_CASE_ID} = ?1
         ORDER BY seq"
    ))?;
    let rows = statement
        .query_map(params![case_id.to_string()], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let corrupt = |e: serde_json::Error| StoreError::Corrupt(format!("an outbox entry: {e}"));
    rows.into_iter()
        .map(|(id, kind, payload)| {
            Ok(if kind == "case_note" {
                PendingChange::Note(serde_json::from_str::<NotePayload>(&payload).map_err(corrupt)?.note)
            } else if kind == "case_document" {
                PendingChange::Document(serde_json::from_str::<DocumentPayload>(&payload).map_err(corrupt)?.document)
            } else {
                let status: StatusPayload = serde_json::from_str(&payload).map_err(corrupt)?;
                PendingChange::Status {
                    entry_id: Uuid::parse_str(&id).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    from: status.from,
                    change: status.change,
                }
            })
        })
        .collect()
}

/// Whether the server's case holds steps or notes by an institution that this desk had not
/// seen: news for the clerk.
fn changed_elsewhere(local: &Case, merged: &Case) -> bool {
    let new_steps = merged.history.iter().filter(|step| !local.history.contains(step)).map(|s| &s.actor);
    let new_notes = merged.notes.iter().filter(|note| !local.notes.iter().any(|n| n.id == note.id)).map(|n| &n.actor);
    new_steps.chain(new_notes).any(|actor| matches!(actor, Actor::Institution { .. }))
}
