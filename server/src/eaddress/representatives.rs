//! A legal entity's representatives, recorded from the Enterprise Register.

use super::*;

/// Why a representation could not be recorded.
#[derive(Debug, thiserror::Error)]
pub enum RepresentativeError {
    #[error("there is no mailbox {0} (add it with `eaddress add`)")]
    UnknownMailbox(String),
    #[error("{0} is not a legal entity's mailbox: only companies and organisations have representatives")]
    NotLegal(String),
    #[error("the personal code is not valid: {0}")]
    PersonalCode(#[from] domain::PersonalCodeError),
    #[error("say where the right to represent comes from (an Enterprise Register extract, a decision)")]
    NoSource,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Records (by the operator, from the Enterprise Register) that `person` represents the legal
/// entity whose mailbox is `address`: they then answer for it (read it, grant its employees
/// delegations, see who accessed it). Audited as `representative_recorded`.
pub async fn record_representative(
    store: &dyn Store,
    address: &str,
    person: &str,
    source: &str,
    now: DateTime<Utc>,
) -> Result<crate::store::Representative, RepresentativeError> {
    let person = domain::PersonalCode::parse(person)?;
    if source.trim().is_empty() {
        return Err(RepresentativeError::NoSource);
    }
    let parsed = EAddress::parse(address).map_err(|_| RepresentativeError::UnknownMailbox(address.to_owned()))?;
    let Some(account) = store.accounts(vec![parsed.to_string()]).await?.pop() else {
        return Err(RepresentativeError::UnknownMailbox(parsed.to_string()));
    };
    if account.kind != domain::eaddress::AccountKind::Legal {
        return Err(RepresentativeError::NotLegal(account.address));
    }
    let representative = crate::store::Representative {
        mailbox: account.address.clone(),
        person: person.to_string(),
        source: source.trim().to_owned(),
        recorded_by: "operator".into(),
        recorded_at: now,
        ended_at: None,
    };
    let audit = NewAuditEntry::new(
        now,
        "operator",
        "representative_recorded",
        account.address,
        format!("{person} ({})", representative.source),
    );
    store.put_representative(representative.clone(), audit).await?;
    Ok(representative)
}

/// Ends a representation (the register says the person no longer represents the entity);
/// `false` when none was in force. Their delegations to employees stay until revoked.
pub async fn end_representative(
    store: &dyn Store,
    address: &str,
    person: &str,
    now: DateTime<Utc>,
) -> Result<bool, RepresentativeError> {
    let person = domain::PersonalCode::parse(person)?;
    let parsed = EAddress::parse(address).map_err(|_| RepresentativeError::UnknownMailbox(address.to_owned()))?;
    let audit = NewAuditEntry::new(now, "operator", "representative_ended", parsed.to_string(), person.to_string());
    Ok(store.end_representative(parsed.to_string(), person.to_string(), now, audit).await?)
}
