//! Institutions that publish to the catalogue, and their API keys (`Authorization: ApiKey <id>.<secret>`).

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::{
    audit::NewAuditEntry,
    store::{Institution, InstitutionKeyRecord, Store, StoreError},
};

#[derive(Debug, thiserror::Error)]
pub enum InstitutionError {
    #[error("{field}: {problem}")]
    Invalid { field: &'static str, problem: String },
    #[error("the API key is missing or malformed: send `Authorization: ApiKey <key>`")]
    MissingKey,
    #[error("the API key is unknown or wrong")]
    WrongKey,
    #[error("this API key was revoked; ask the operator for a new one")]
    RevokedKey,
    #[error("this API key has expired; ask the operator for a new one")]
    ExpiredKey,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the system random source failed: {0}")]
    Random(String),
}

/// The key's secret is 256 random bits: a plain SHA-256 is enough, nothing can be guessed.
fn key_secret_hash(secret: &str) -> [u8; 32] {
    Sha256::new().chain_update(b"pietura-institution-key:").chain_update(secret).finalize().into()
}

/// Registers an institution by its organisation IRI.
pub async fn add_institution(
    store: &dyn Store,
    id: &str,
    name: &str,
    central_editor: bool,
    now: DateTime<Utc>,
) -> Result<Institution, InstitutionError> {
    let id = id.trim();
    if oxrdf::NamedNode::new(id).is_err() || !id.contains(':') {
        return Err(InstitutionError::Invalid {
            field: "id",
            problem: "must be the organisation's IRI, e.g. https://pietura.lv/id/org/pmlp".into(),
        });
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(InstitutionError::Invalid { field: "name", problem: "must be 1 to 200 characters".into() });
    }
    Ok(store
        .add_institution(Institution {
            id: id.to_owned(),
            name: name.to_owned(),
            is_central_editor: central_editor,
            created_at: now,
        })
        .await?)
}

/// Gives an institution the code its own channels' case numbers start with (`VSAA` in
/// `VSAA-02-26-0042`): 2 to 4 capital letters or digits, none a centre or another institution
/// has, so that every case number names one case.
pub async fn set_case_code(store: &dyn Store, id: &str, code: &str) -> Result<String, InstitutionError> {
    let code = domain::CentreCode::parse(code)
        .map_err(|_| InstitutionError::Invalid {
            field: "code",
            problem: "a case code has 2 to 4 capital letters or digits, e.g. VSAA".into(),
        })?
        .into_inner();
    if store.list_centres().await?.iter().any(|centre| centre.code == code) {
        return Err(InstitutionError::Invalid {
            field: "code",
            problem: format!("{code} is a client service centre's code: choose another"),
        });
    }
    store.set_institution_case_code(id, &code).await?;
    Ok(code)
}

/// Issues a new API key for an institution, valid for good; the key is shown once and only its
/// hash is kept.
pub async fn issue_key(
    store: &dyn Store,
    institution_id: &str,
    now: DateTime<Utc>,
) -> Result<String, InstitutionError> {
    issue_key_until(store, institution_id, None, now).await
}

/// Issues a new API key valid until `expires_at` (for good when `None`), audited; the key is
/// shown once and only its hash is kept.
pub async fn issue_key_until(
    store: &dyn Store,
    institution_id: &str,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<String, InstitutionError> {
    if expires_at.is_some_and(|at| at <= now) {
        return Err(InstitutionError::Invalid { field: "expires", problem: "must be in the future".into() });
    }
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| InstitutionError::Random(e.to_string()))?;
    let secret = URL_SAFE_NO_PAD.encode(bytes);
    let key_id = Uuid::now_v7();
    let detail = match expires_at {
        Some(at) => format!("key {key_id}, valid until {}", at.to_rfc3339()),
        None => format!("key {key_id}, without expiry"),
    };
    let audit = NewAuditEntry::new(now, "operator", "institution_key_issued", institution_id, detail);
    store.add_institution_key(key_id, institution_id, key_secret_hash(&secret), now, expires_at, audit).await?;
    Ok(format!("{key_id}.{secret}"))
}

/// The keys of one institution (or all), oldest first, with their state.
pub async fn list_keys(
    store: &dyn Store,
    institution_id: Option<&str>,
) -> Result<Vec<InstitutionKeyRecord>, InstitutionError> {
    Ok(store.institution_keys(institution_id.map(str::to_owned)).await?)
}

/// Revokes a key (refused from the next request on), audited. `None`: no such key.
pub async fn revoke_key(
    store: &dyn Store,
    key_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<InstitutionKeyRecord>, InstitutionError> {
    let known = store.institution_key_record(key_id).await?;
    let Some(known) = known else { return Ok(None) };
    let audit = NewAuditEntry::new(
        now,
        "operator",
        "institution_key_revoked",
        known.institution.id.clone(),
        format!("key {key_id}"),
    );
    Ok(store.revoke_institution_key(key_id, now, audit).await?)
}

/// What a key's state is at `now`: `active`, `expired` or `revoked`.
pub fn key_state(record: &InstitutionKeyRecord, now: DateTime<Utc>) -> &'static str {
    if record.revoked_at.is_some() {
        "revoked"
    } else if record.expires_at.is_some_and(|at| at <= now) {
        "expired"
    } else {
        "active"
    }
}

/// Checks an `Authorization` header value and answers whose key it is.
pub async fn authenticate(
    store: &dyn Store,
    header: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Institution, InstitutionError> {
    let key = header.and_then(|h| h.strip_prefix("ApiKey ")).map(str::trim).ok_or(InstitutionError::MissingKey)?;
    let (id, secret) = key.split_once('.').ok_or(InstitutionError::MissingKey)?;
    let key_id = Uuid::parse_str(id).map_err(|_| InstitutionError::MissingKey)?;
    // Unknown key ids leave no trace (anyone can make them up); a known key refused does.
    let record = store.institution_key_record(key_id).await?.ok_or(InstitutionError::WrongKey)?;
    if record.secret_hash != key_secret_hash(secret) {
        refused(store, &record, "wrong secret", now).await?;
        return Err(InstitutionError::WrongKey);
    }
    match key_state(&record, now) {
        "revoked" => {
            refused(store, &record, "revoked", now).await?;
            Err(InstitutionError::RevokedKey)
        }
        "expired" => {
            refused(store, &record, "expired", now).await?;
            Err(InstitutionError::ExpiredKey)
        }
        _ => Ok(record.institution),
    }
}

/// A known key's refusal in the audit log, at most once a minute per key and reason.
async fn refused(
    store: &dyn Store,
    record: &InstitutionKeyRecord,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let detail = format!("key {}: {reason}", record.key_id);
    let entry = NewAuditEntry::new(now, "unknown", "institution_key_refused", record.institution.id.clone(), detail);
    crate::audit::record_unless_recent(store, entry, chrono::Duration::minutes(1)).await
}
