//! Who accessed a mailbox, and under what.

use super::*;

/// How many audit entries one page of a mailbox's accesses holds.
pub const ACCESSES_PAGE: u32 = 200;

/// One access to a mailbox as its owner is shown it.
#[derive(Debug, Clone)]
pub struct MailboxAccess {
    pub entry: crate::audit::AuditEntry,
    /// The actor in words: an institution's name; for a clerk acting under the owner's consent,
    /// the centre they work at; else the person's personal code.
    pub who: String,
    pub basis: AccessBasis,
}

/// On what ground the actor acted on the mailbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccessBasis {
    /// The mailbox's own holder (a person, an institution, a centre's staff).
    Own,
    /// A delegate, under a delegation the owner (or an operator for a company) granted.
    Delegation,
    /// A clerk at a desk, under the consent the owner signed with their card (and the owner's
    /// own giving of it).
    Consent,
    /// The server's operator (delegations recorded from the command line).
    Operator,
    /// A legal entity's representative.
    Representative,
}

/// The basis of an audit entry about a mailbox, read from the shapes its detail is written in:
/// `… (consent <id>)` / `… (delegation <id>)` (see [`Authorised::audit`]), `<id>: …` for
/// `consent_given`, `<id>` for `consent_ended`.
pub(super) fn basis_of(entry: &crate::audit::AuditEntry) -> (AccessBasis, Option<Uuid>) {
    let suffix = |marker: &str| {
        entry.detail.strip_suffix(')').and_then(|d| d.rsplit_once(marker)).and_then(|(_, id)| Uuid::parse_str(id).ok())
    };
    if let Some(id) = suffix(" (consent ") {
        return (AccessBasis::Consent, Some(id));
    }
    if suffix(" (delegation ").is_some() {
        return (AccessBasis::Delegation, None);
    }
    if entry.detail.ends_with(" (representative)") {
        return (AccessBasis::Representative, None);
    }
    let leading_id = match entry.action.as_str() {
        "consent_given" => entry.detail.split_once(':').and_then(|(id, _)| Uuid::parse_str(id).ok()),
        "consent_ended" => Uuid::parse_str(&entry.detail).ok(),
        _ => None,
    };
    if leading_id.is_some() {
        return (AccessBasis::Consent, leading_id);
    }
    if entry.actor == "operator" || entry.actor.starts_with("operator for ") {
        return (AccessBasis::Operator, None);
    }
    (AccessBasis::Own, None)
}

/// Who accessed the owner's mailbox and when: the audit log's entries about it before
/// `before` (a sequence number; the newest when `None`), one page, newest last, each with the
/// actor named and the basis they acted on. For the owner, or shown to them at a desk under
/// their consent.
pub async fn accesses(
    store: &dyn Store,
    principal: &Principal,
    address: &str,
    before: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Vec<MailboxAccess>, MailboxError> {
    let mailbox = authorise(store, principal, address, Right::Read, now).await?;
    // The owner, a clerk with the owner at the desk under the owner's signed consent, or the
    // centre's administrator for the centre's own mailbox.
    let centre_admin = matches!(principal, Principal::Person { centre_id, roles, kiosk: false, .. }
        if mailbox.centre_id == Some(*centre_id) && roles.contains(&domain::Role::Admin));
    if !mailbox.answered_for_by(principal) && !matches!(mailbox.via, Via::Consent(_)) && !centre_admin {
        return Err(MailboxError::NotOwner);
    }
    let mut page = store.audit_entries_about(mailbox.address.clone(), before, ACCESSES_PAGE).await?;
    page.reverse();
    let institutions: std::collections::HashMap<String, String> =
        if page.iter().any(|e| e.actor.starts_with("institution:")) {
            store.list_institutions().await?.into_iter().map(|i| (i.id, i.name)).collect()
        } else {
            Default::default()
        };
    // A consent's clerk is named by the centre of the desk it was given at (looked up once each).
    let mut centres: std::collections::HashMap<Uuid, Option<String>> = Default::default();
    let mut accesses = Vec::with_capacity(page.len());
    for entry in page {
        let (basis, consent) = basis_of(&entry);
        let who = match entry.actor.split_once(':') {
            Some(("institution", id)) => institutions.get(id).cloned().unwrap_or_else(|| id.to_owned()),
            Some(("person", code)) => {
                let centre = match consent {
                    Some(id) if entry.action != "consent_given" => {
                        if let std::collections::hash_map::Entry::Vacant(slot) = centres.entry(id) {
                            let centre = match store.consent(id).await? {
                                Some(consent) => {
                                    store.device_auth_record(consent.device_id).await?.map(|r| r.device.centre.name)
                                }
                                None => None,
                            };
                            slot.insert(centre);
                        }
                        centres[&id].clone()
                    }
                    _ => None,
                };
                centre.unwrap_or_else(|| code.to_owned())
            }
            _ => entry.actor.clone(),
        };
        accesses.push(MailboxAccess { entry, who, basis });
    }
    Ok(accesses)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(actor: &str, action: &str, detail: &str) -> crate::audit::AuditEntry {
        crate::audit::AuditEntry {
            seq: 1,
            at: DateTime::UNIX_EPOCH,
            actor: actor.into(),
            action: action.into(),
            subject: "_PRIVATE@32123456789".into(),
            detail: detail.into(),
            prev_hash: [0; 32],
            hash: [0; 32],
        }
    }

    #[test]
    fn the_basis_of_an_access_is_read_from_the_shapes_its_detail_is_written_in() {
        let id = Uuid::now_v7();
        let basis = |actor: &str, action: &str, detail: &str| basis_of(&entry(actor, action, detail));
        assert_eq!(basis("person:1", "inbox_listed", &format!(" (consent {id})")), (AccessBasis::Consent, Some(id)));
        assert_eq!(
            basis("person:1", "message_opened", &format!("{id} (delegation {id})")),
            (AccessBasis::Delegation, None)
        );
        assert_eq!(
            basis("person:1", "consent_given", &format!("{id}: 1 may read until …")),
            (AccessBasis::Consent, Some(id))
        );
        assert_eq!(basis("person:1", "consent_ended", &id.to_string()), (AccessBasis::Consent, Some(id)));
        assert_eq!(basis("operator", "delegation_granted", "1 read until 2027-01-01"), (AccessBasis::Operator, None));
        // Anything else (a message id, words that only look like a marker) is the holder's own.
        assert_eq!(basis("person:1", "message_opened", &id.to_string()), (AccessBasis::Own, None));
        assert_eq!(basis("person:1", "message_opened", "x (consent not-an-id)"), (AccessBasis::Own, None));
        assert_eq!(basis("institution:x", "consent_given", "no id: here"), (AccessBasis::Own, None));
    }
}
