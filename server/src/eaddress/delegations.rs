//! Rights an owner gives a person on their mailbox, until a date.

use super::*;

/// A delegation the owner asks for.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDelegation {
    /// The delegate's personal code.
    pub delegate: String,
    #[schema(value_type = String)]
    pub rights: Right,
    pub ends_on: NaiveDate,
}

/// The owner grants a person rights on their mailbox.
pub async fn delegate(
    store: &dyn Store,
    principal: &Principal,
    address: &str,
    request: NewDelegation,
    now: DateTime<Utc>,
) -> Result<Delegation, MailboxError> {
    let today = domain::calendar::riga_date(now);
    let mailbox = authorise(store, principal, address, Right::Read, now).await?;
    if !mailbox.answered_for_by(principal) {
        return Err(MailboxError::NotOwner);
    }
    let delegate = domain::PersonalCode::parse(&request.delegate)
        .map_err(|_| MailboxError::Delegation(domain::eaddress::DelegationError::ToSelf))
        .and_then(|code| {
            check_delegation(&EAddress::parse(&mailbox.address)?, &code, request.rights, request.ends_on, today)?;
            Ok(code)
        })?;
    let delegation = Delegation {
        id: Uuid::now_v7(),
        mailbox: mailbox.address.clone(),
        delegate: delegate.to_string(),
        rights: request.rights,
        granted_by: principal.actor(),
        granted_at: now,
        ends_on: request.ends_on,
        revoked_at: None,
    };
    let audit = mailbox.audit(
        now,
        principal,
        "delegation_granted",
        format!("{} {} until {}", delegation.delegate, request.rights.as_str(), request.ends_on),
    );
    store.add_delegation(delegation.clone(), audit).await?;
    Ok(delegation)
}

/// The owner ends a delegation.
pub async fn revoke(
    store: &dyn Store,
    principal: &Principal,
    address: &str,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, MailboxError> {
    let mailbox = authorise(store, principal, address, Right::Read, now).await?;
    if !mailbox.answered_for_by(principal) {
        return Err(MailboxError::NotOwner);
    }
    let ours = store.delegations(Some(mailbox.address.clone()), None).await?.iter().any(|d| d.id == id);
    if !ours {
        return Err(MailboxError::NoMessage);
    }
    let audit = mailbox.audit(now, principal, "delegation_revoked", id.to_string());
    Ok(store.revoke_delegation(id, now, audit).await?)
}

/// The delegations in force on the owner's mailbox (not revoked, not past their end date),
/// soonest ending first. The owner's looking is audited like any other access.
pub async fn delegations_of(
    store: &dyn Store,
    principal: &Principal,
    address: &str,
    now: DateTime<Utc>,
) -> Result<Vec<Delegation>, MailboxError> {
    let mailbox = authorise(store, principal, address, Right::Read, now).await?;
    if !mailbox.answered_for_by(principal) {
        return Err(MailboxError::NotOwner);
    }
    let today = domain::calendar::riga_date(now);
    let mut in_force: Vec<Delegation> = store
        .delegations(Some(mailbox.address.clone()), None)
        .await?
        .into_iter()
        .filter(|d| d.revoked_at.is_none() && d.ends_on >= today)
        .collect();
    in_force.sort_by_key(|d| (d.ends_on, d.granted_at));
    store.append_audit(mailbox.audit(now, principal, "delegations_listed", in_force.len())).await?;
    Ok(in_force)
}
