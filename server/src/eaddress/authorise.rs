//! Who may do what with a mailbox: owners, institutions, centre staff, delegations, consents and representatives.

use super::*;

/// What a person holds besides their own mailbox: delegations, citizens' consents, and the
/// legal entities they represent.
#[derive(Debug, Clone, Default)]
pub struct Grants {
    pub delegations: Vec<Delegation>,
    pub consents: Vec<crate::store::Consent>,
    /// Representations in force.
    pub representing: Vec<crate::store::Representative>,
}

/// A person's delegations (on `mailbox`, or all) and consents in force (at a desk), and the
/// entities they represent (anywhere: a representative reads the entity's mail at a kiosk too;
/// not asked about a mailbox that is no legal entity's).
pub(super) async fn grants_of(
    store: &dyn Store,
    principal: &Principal,
    mailbox: Option<&Account>,
    now: DateTime<Utc>,
) -> Result<Grants, StoreError> {
    let person = principal.as_person();
    let Principal::Person { personal_code, kiosk, .. } = person.as_ref() else { return Ok(Grants::default()) };
    let address = mailbox.map(|m| m.address.clone());
    let representing = if mailbox.is_none_or(|m| m.kind == domain::eaddress::AccountKind::Legal) {
        store
            .representatives(address.clone(), Some(personal_code.clone()))
            .await?
            .into_iter()
            .filter(|r| r.ended_at.is_none())
            .collect()
    } else {
        Vec::new()
    };
    if *kiosk {
        return Ok(Grants { representing, ..Grants::default() });
    }
    Ok(Grants {
        delegations: store.delegations(address, Some(personal_code.clone())).await?,
        consents: store.active_consents(personal_code.clone(), now).await?,
        representing,
    })
}

/// What a caller may do with a mailbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Everything: the operating institution, or the owner at a desk.
    Full,
    /// Reading, and what else the rights held allow (a delegate may hold several delegations,
    /// a centre's staff communicate, a citizen at a kiosk only reads).
    Held { communicate: bool, delete: bool },
}

impl Access {
    fn of(right: Right) -> Self {
        Self::Held { communicate: right == Right::Communicate, delete: right == Right::Delete }
    }

    /// Both rights together (for a person holding more than one grant).
    fn and(self, other: Self) -> Self {
        match (self, other) {
            (Self::Held { communicate: c1, delete: d1 }, Self::Held { communicate: c2, delete: d2 }) => {
                Self::Held { communicate: c1 || c2, delete: d1 || d2 }
            }
            _ => Self::Full,
        }
    }

    pub fn allows(self, wanted: Right) -> bool {
        match (self, wanted) {
            (Self::Full, _) | (Self::Held { .. }, Right::Read) => true,
            (Self::Held { communicate, .. }, Right::Communicate) => communicate,
            (Self::Held { delete, .. }, Right::Delete) => delete,
        }
    }

    /// As the API names it: `full`, or the rights held joined by `+` (`read`, `communicate`,
    /// `delete`, `communicate+delete`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::Held { communicate: false, delete: false } => "read",
            Self::Held { communicate: true, delete: false } => "communicate",
            Self::Held { communicate: false, delete: true } => "delete",
            Self::Held { communicate: true, delete: true } => "communicate+delete",
        }
    }
}

/// How a caller holds rights on a mailbox: the audit names the grant a delegate or an agent
/// acted under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// The owner, the operating institution or the centre's staff.
    Own,
    Delegation(Uuid),
    /// A citizen's consent signed with their card at this desk.
    Consent(Uuid),
    /// A legal entity's representative (answers for its mailbox like an owner).
    Representative,
}

/// Every way the caller holds rights on the mailbox (none: it may not see it).
pub(super) fn holdings(
    principal: &Principal,
    mailbox: &Account,
    grants: &Grants,
    now: DateTime<Utc>,
) -> Vec<(Access, Via)> {
    let today = domain::calendar::riga_date(now);
    if !mailbox.active {
        return Vec::new();
    }
    match principal.as_person().as_ref() {
        Principal::Institution { id } => {
            if mailbox.institution_id.as_deref() == Some(id) {
                vec![(Access::Full, Via::Own)]
            } else {
                Vec::new()
            }
        }
        Principal::Person { personal_code, device_id, centre_id, roles, kiosk } => {
            let own = domain::PersonalCode::parse(personal_code)
                .is_ok_and(|code| EAddress::private(&code).to_string() == mailbox.address);
            if own {
                // At a kiosk the inbox is read-only (reading marks read).
                return vec![(if *kiosk { Access::of(Right::Read) } else { Access::Full }, Via::Own)];
            }
            let represents = mailbox.kind == domain::eaddress::AccountKind::Legal
                && grants.representing.iter().any(|r| r.mailbox == mailbox.address && &r.person == personal_code);
            if represents {
                return vec![(if *kiosk { Access::of(Right::Read) } else { Access::Full }, Via::Representative)];
            }
            let staff =
                roles.iter().any(|r| matches!(r, domain::Role::Clerk | domain::Role::Librarian | domain::Role::Admin));
            if !kiosk && staff && mailbox.centre_id == Some(*centre_id) {
                return vec![(Access::of(Right::Communicate), Via::Own)];
            }
            if *kiosk {
                return Vec::new();
            }
            // A citizen's consent signed with their card at this desk, still in force.
            let consented = grants
                .consents
                .iter()
                .filter(|c| &c.agent == personal_code && c.device_id == *device_id && c.ended_at.is_none())
                .filter(|c| c.valid_until.is_some_and(|until| until > now))
                .filter(|c| {
                    c.citizen
                        .as_deref()
                        .and_then(|code| domain::PersonalCode::parse(code).ok())
                        .is_some_and(|code| EAddress::private(&code).to_string() == mailbox.address)
                })
                .map(|c| (Access::of(c.rights), Via::Consent(c.id)));
            grants
                .delegations
                .iter()
                .filter(|d| d.mailbox == mailbox.address && &d.delegate == personal_code)
                .filter(|d| d.revoked_at.is_none() && d.ends_on >= today)
                .map(|d| (Access::of(d.rights), Via::Delegation(d.id)))
                .chain(consented)
                .collect()
        }
        // `as_person` has made it the person it acts for.
        Principal::Operator { .. } => Vec::new(),
    }
}

/// What the caller may do with a mailbox: `None` when nothing at all.
pub fn rights_on(principal: &Principal, mailbox: &Account, grants: &Grants, now: DateTime<Utc>) -> Option<Access> {
    holdings(principal, mailbox, grants, now).into_iter().map(|(access, _)| access).reduce(Access::and)
}

/// Whether `principal` owns the mailbox (may delegate and see who accessed it).
pub(super) fn owns(principal: &Principal, mailbox: &Account) -> bool {
    match principal.as_person().as_ref() {
        Principal::Institution { id } => mailbox.institution_id.as_deref() == Some(id),
        Principal::Person { personal_code, kiosk: _, .. } => domain::PersonalCode::parse(personal_code)
            .is_ok_and(|code| EAddress::private(&code).to_string() == mailbox.address),
        // `as_person` has made it the person it acts for.
        Principal::Operator { .. } => false,
    }
}

/// A mailbox the caller may use for what it asked, and the grant it holds that for.
#[derive(Debug, Clone)]
pub struct Authorised {
    pub mailbox: Account,
    pub via: Via,
}

impl std::ops::Deref for Authorised {
    type Target = Account;
    fn deref(&self) -> &Account {
        &self.mailbox
    }
}

impl Authorised {
    /// Whether the caller answers for the mailbox (may delegate it and see who accessed it):
    /// its owner, its operating institution, or a legal entity's representative.
    pub fn answered_for_by(&self, principal: &Principal) -> bool {
        self.via == Via::Representative || owns(principal, &self.mailbox)
    }

    /// The audit entry of an action on this mailbox, naming the delegation or consent it was
    /// done under.
    pub fn audit(
        &self,
        now: DateTime<Utc>,
        principal: &Principal,
        action: &str,
        detail: impl std::fmt::Display,
    ) -> NewAuditEntry {
        let detail = match self.via {
            Via::Own => detail.to_string(),
            Via::Delegation(id) => format!("{detail} (delegation {id})"),
            Via::Consent(id) => format!("{detail} (consent {id})"),
            Via::Representative => format!("{detail} (representative)"),
        };
        NewAuditEntry::new(now, principal.actor(), action, self.mailbox.address.clone(), detail)
    }
}

/// The mailbox, if the caller holds `wanted` on it (or a right that allows it).
pub async fn authorise(
    store: &dyn Store,
    principal: &Principal,
    address: &str,
    wanted: Right,
    now: DateTime<Utc>,
) -> Result<Authorised, MailboxError> {
    let address = EAddress::parse(address).map_err(|_| MailboxError::NotFound(address.to_owned()))?.to_string();
    let mailbox = store.accounts(vec![address.clone()]).await?.pop();
    authorise_read(store, principal, &address, mailbox, wanted, now).await
}

/// [`authorise`] with the mailbox's account already read (`None`: there is no such mailbox) —
/// a caller reading other accounts too reads them in one round trip.
pub async fn authorise_read(
    store: &dyn Store,
    principal: &Principal,
    address: &str,
    mailbox: Option<Account>,
    wanted: Right,
    now: DateTime<Utc>,
) -> Result<Authorised, MailboxError> {
    let address = address.to_owned();
    let Some(mailbox) = mailbox else {
        return Err(MailboxError::NotFound(address));
    };
    let grants = grants_of(store, principal, Some(&mailbox), now).await?;
    let held = holdings(principal, &mailbox, &grants, now);
    if held.is_empty() {
        return Err(MailboxError::NotFound(address));
    }
    match held.into_iter().find(|(access, _)| access.allows(wanted)) {
        Some((_, via)) => Ok(Authorised { mailbox, via }),
        None => Err(MailboxError::Forbidden(match wanted {
            Right::Communicate => "send",
            Right::Delete => "delete",
            Right::Read => "read",
        })),
    }
}

/// The mailboxes the caller may use, with the right it holds on each.
pub async fn my_mailboxes(
    store: &dyn Store,
    principal: &Principal,
    now: DateTime<Utc>,
) -> Result<Vec<(Account, Access)>, MailboxError> {
    let grants = grants_of(store, principal, None, now).await?;
    let mut candidates = match principal {
        Principal::Institution { id } => store.operated_accounts(Some(id.clone()), None).await?,
        // The operator records things for a person; it lists no one's mailboxes.
        Principal::Operator { .. } => Vec::new(),
        Principal::Person { personal_code, centre_id, kiosk, .. } => {
            let mut addresses = Vec::new();
            if let Ok(code) = domain::PersonalCode::parse(personal_code) {
                addresses.push(EAddress::private(&code).to_string());
            }
            addresses.extend(grants.representing.iter().map(|r| r.mailbox.clone()));
            if !kiosk {
                addresses.extend(grants.delegations.iter().map(|d| d.mailbox.clone()));
                for consent in &grants.consents {
                    if let Some(code) = consent.citizen.as_deref().and_then(|c| domain::PersonalCode::parse(c).ok()) {
                        addresses.push(EAddress::private(&code).to_string());
                    }
                }
            }
            let mut accounts = store.accounts(addresses).await?;
            if !kiosk {
                accounts.extend(store.operated_accounts(None, Some(*centre_id)).await?);
            }
            accounts
        }
    };
    candidates.sort_by(|a, b| a.address.cmp(&b.address));
    candidates.dedup_by(|a, b| a.address == b.address);
    let mut usable = Vec::new();
    for account in candidates {
        if let Some(right) = rights_on(principal, &account, &grants, now) {
            usable.push((account, right));
        }
    }
    Ok(usable)
}
