//! Institutions that publish to the catalogue, and their API keys (`Authorization: ApiKey <id>.<secret>`).

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::store::{Institution, Store, StoreError};

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

/// Issues a new API key for an institution; the key is shown once and only its hash is kept.
pub async fn issue_key(
    store: &dyn Store,
    institution_id: &str,
    now: DateTime<Utc>,
) -> Result<String, InstitutionError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| InstitutionError::Random(e.to_string()))?;
    let secret = URL_SAFE_NO_PAD.encode(bytes);
    let key_id = Uuid::now_v7();
    store.add_institution_key(key_id, institution_id, key_secret_hash(&secret), now).await?;
    Ok(format!("{key_id}.{secret}"))
}

/// Checks an `Authorization` header value and answers whose key it is.
pub async fn authenticate(store: &dyn Store, header: Option<&str>) -> Result<Institution, InstitutionError> {
    let key = header.and_then(|h| h.strip_prefix("ApiKey ")).map(str::trim).ok_or(InstitutionError::MissingKey)?;
    let (id, secret) = key.split_once('.').ok_or(InstitutionError::MissingKey)?;
    let key_id = Uuid::parse_str(id).map_err(|_| InstitutionError::MissingKey)?;
    let record = store.institution_key_record(key_id).await?.ok_or(InstitutionError::WrongKey)?;
    if record.secret_hash != key_secret_hash(secret) {
        return Err(InstitutionError::WrongKey);
    }
    if record.revoked_at.is_some() {
        return Err(InstitutionError::RevokedKey);
    }
    Ok(record.institution)
}
