//! Cases arriving from desks' outboxes: each entry checked, then applied exactly once (the
//! store records the entry id in the same transaction as its effect).

use chrono::{DateTime, Utc};
use domain::case::{Case, CaseStatus, StatusChange};
use sync::protocol::{OutboxEntryDto, OutboxResult};
use uuid::Uuid;

use crate::store::{Device, EntryEffect, RecordKind, Store, StoreError, StoredCase};

/// What became of an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryOutcome {
    Applied,
    /// Applied by an earlier push: done all the same.
    Duplicate,
    /// Invalid: retrying cannot help; the device sets it aside with this reason.
    Rejected(String),
}

impl EntryOutcome {
    pub fn into_result(self, id: Uuid) -> OutboxResult {
        let (outcome, reason) = match self {
            Self::Applied => ("applied", None),
            Self::Duplicate => ("duplicate", None),
            Self::Rejected(reason) => ("rejected", Some(reason)),
        };
        OutboxResult { id, outcome: outcome.into(), reason }
    }
}

fn name_of<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// Applies one entry from `device`. Store failures (the database is down) are errors: the
/// device retries the whole push, and what was applied stays applied once.
pub async fn apply_entry(
    store: &dyn Store,
    device: &Device,
    entry: OutboxEntryDto,
    now: DateTime<Utc>,
) -> Result<EntryOutcome, StoreError> {
    if store.entry_applied(entry.id).await? {
        return Ok(EntryOutcome::Duplicate);
    }
    match entry.kind.as_str() {
        "case_registered" => register(store, device, entry, now).await,
        "case_status" => change_status(store, device, entry, now).await,
        other => Ok(EntryOutcome::Rejected(format!("this server does not know entries of kind {other:?}"))),
    }
}

async fn register(
    store: &dyn Store,
    device: &Device,
    entry: OutboxEntryDto,
    now: DateTime<Utc>,
) -> Result<EntryOutcome, StoreError> {
    let case: Case = match serde_json::from_value(entry.payload) {
        Ok(case) => case,
        Err(error) => return Ok(EntryOutcome::Rejected(format!("the case cannot be read: {error}"))),
    };
    if case.id != entry.id {
        return Ok(EntryOutcome::Rejected("a registration's entry id must be the case id".into()));
    }
    if case.centre_id != device.centre.id {
        return Ok(EntryOutcome::Rejected("the case names another centre than this device's".into()));
    }
    if case.history.len() != 1 || case.status() != CaseStatus::Registered {
        return Ok(EntryOutcome::Rejected("a new case has exactly its registration in its history".into()));
    }
    match store.catalogue_record(RecordKind::Service, &case.service_id).await? {
        Some(service) if !service.retired => {}
        _ => return Ok(EntryOutcome::Rejected(format!("the service {} is not in the catalogue", case.service_id))),
    }
    let document = serde_json::to_string(&case).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let stored = StoredCase {
        id: case.id,
        number: case.number.to_string(),
        service_id: case.service_id.clone(),
        kind: name_of(&case.kind),
        channel: name_of(&case.channel),
        status: name_of(&case.status()),
        centre_id: case.centre_id,
        holder_institution: case.holder_institution.clone(),
        provider_institution: case.provider_institution.clone(),
        document,
        offline: entry.offline,
        served_at: case.served_at,
        updated_at: now,
    };
    match store.insert_case(entry.id, device.id, stored, now).await {
        Ok(EntryEffect::Applied) => Ok(EntryOutcome::Applied),
        Ok(EntryEffect::AlreadyApplied) => Ok(EntryOutcome::Duplicate),
        Err(StoreError::Conflict { .. }) => {
            Ok(EntryOutcome::Rejected(format!("the case number {} is taken by another case", case.number)))
        }
        Err(other) => Err(other),
    }
}

#[derive(serde::Deserialize)]
struct StatusPayload {
    case_id: Uuid,
    change: StatusChange,
}

async fn change_status(
    store: &dyn Store,
    device: &Device,
    entry: OutboxEntryDto,
    now: DateTime<Utc>,
) -> Result<EntryOutcome, StoreError> {
    let payload: StatusPayload = match serde_json::from_value(entry.payload) {
        Ok(payload) => payload,
        Err(error) => return Ok(EntryOutcome::Rejected(format!("the status change cannot be read: {error}"))),
    };
    let Some(stored) = store.case(payload.case_id).await? else {
        return Ok(EntryOutcome::Rejected(format!("there is no case {}", payload.case_id)));
    };
    if stored.centre_id != device.centre.id {
        return Ok(EntryOutcome::Rejected("the case belongs to another centre".into()));
    }
    let mut case: Case = serde_json::from_str(&stored.document).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let change = payload.change;
    if let Err(error) = case.change_status(change.status, change.at, change.actor, &change.note) {
        return Ok(EntryOutcome::Rejected(error.to_string()));
    }
    let document = serde_json::to_string(&case).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    match store.update_case(entry.id, device.id, case.id, &stored.status, &name_of(&case.status()), document, now).await
    {
        Ok(EntryEffect::Applied) => Ok(EntryOutcome::Applied),
        Ok(EntryEffect::AlreadyApplied) => Ok(EntryOutcome::Duplicate),
        Err(StoreError::VersionConflict { .. }) => {
            Ok(EntryOutcome::Rejected("the case changed meanwhile; its current status comes down with the feed".into()))
        }
        Err(other) => Err(other),
    }
}
