//! A citizen's consent, signed with their own card at a desk, to read their mailbox with them.

use super::*;

/// What a citizen is asked to sign at the desk.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ConsentChallenge {
    pub id: Uuid,
    /// Sign `hash(origin) ‖ hash(nonce)` with the citizen's card, as for a login.
    pub origin: String,
    pub nonce: String,
    /// What the citizen agrees to, in Latvian and English, to show before they type their PIN.
    pub text_lv: String,
    pub text_en: String,
    /// Sign before this.
    pub sign_before: DateTime<Utc>,
}

/// A consent the clerk asks for.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentRequest {
    /// `read` (their mailbox with them) or `communicate` (also send in their name).
    #[schema(value_type = String)]
    pub rights: Right,
    /// How long it lasts once signed (1 to 240 minutes).
    pub minutes: u32,
}

/// Why a consent was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConsentError {
    #[error("only staff at a desk ask for a citizen's consent")]
    NotStaff,
    #[error("a consent is for reading or for sending, for 1 to 240 minutes")]
    Invalid,
    #[error("no such consent waiting to be signed, or it was asked at another desk")]
    Unknown,
    #[error("the consent waited too long: ask again")]
    Expired,
    #[error("the signature is not the citizen's own valid card signature: {0}")]
    Signature(#[from] crate::login::LoginError),
    #[error("a clerk cannot consent for themselves")]
    OwnConsent,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How long a citizen has to sign after the clerk asked.
pub(super) const CONSENT_SIGN_MINUTES: i64 = 5;

/// The clerk asks the citizen at the desk for consent: the nonce their card will sign binds the
/// consent's content (who, what, how long) and a random part.
pub async fn request_consent(
    store: &dyn Store,
    login: &crate::login::Login,
    principal: &Principal,
    agent_name: &str,
    request: ConsentRequest,
    now: DateTime<Utc>,
) -> Result<ConsentChallenge, ConsentError> {
    let Principal::Person { personal_code, device_id, roles, kiosk: false, .. } = principal else {
        return Err(ConsentError::NotStaff);
    };
    if !roles.iter().any(|r| matches!(r, domain::Role::Clerk | domain::Role::Librarian)) {
        return Err(ConsentError::NotStaff);
    }
    if request.rights == Right::Delete || !(1..=240).contains(&request.minutes) {
        return Err(ConsentError::Invalid);
    }
    let mut random = [0u8; 32];
    getrandom::fill(&mut random).map_err(|e| StoreError::Unavailable(e.to_string()))?;
    let id = Uuid::now_v7();
    let content = format!(
        "pietura-consent-v1|{id}|{personal_code}|{}|{}|{}",
        request.rights.as_str(),
        request.minutes,
        hex::encode(random)
    );
    use base64::Engine;
    let nonce = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(content.as_bytes()));
    store
        .add_consent(crate::store::Consent {
            id,
            agent: personal_code.clone(),
            device_id: *device_id,
            rights: request.rights,
            minutes: request.minutes,
            nonce: nonce.clone(),
            requested_at: now,
            citizen: None,
            signed_at: None,
            valid_until: None,
            ended_at: None,
        })
        .await?;
    let (what_lv, what_en) = match request.rights {
        Right::Read => ("lasīt manu e-adreses pastkastīti kopā ar mani", "read my e-address mailbox with me"),
        _ => (
            "lasīt manu e-adreses pastkastīti un sūtīt vēstules manā vārdā",
            "read my e-address mailbox and send messages in my name",
        ),
    };
    Ok(ConsentChallenge {
        id,
        origin: login.origin().to_owned(),
        nonce,
        text_lv: format!("Es atļauju {agent_name} ({personal_code}) {what_lv} {} minūtes.", request.minutes),
        text_en: format!("I allow {agent_name} ({personal_code}) to {what_en} for {} minutes.", request.minutes),
        sign_before: now + chrono::Duration::minutes(CONSENT_SIGN_MINUTES),
    })
}

/// The citizen's card signed: the signature is checked like a login's, the signer becomes the
/// citizen, and the consent is in force for its minutes (audited as given by the citizen).
pub async fn confirm_consent(
    store: &dyn Store,
    login: &crate::login::Login,
    principal: &Principal,
    id: Uuid,
    token: &str,
    now: DateTime<Utc>,
) -> Result<(String, DateTime<Utc>), ConsentError> {
    let Principal::Person { personal_code, device_id, kiosk: false, .. } = principal else {
        return Err(ConsentError::NotStaff);
    };
    let consent = store.consent(id).await?.ok_or(ConsentError::Unknown)?;
    if &consent.agent != personal_code
        || consent.device_id != *device_id
        || consent.signed_at.is_some()
        || consent.ended_at.is_some()
    {
        return Err(ConsentError::Unknown);
    }
    if now > consent.requested_at + chrono::Duration::minutes(CONSENT_SIGN_MINUTES) {
        return Err(ConsentError::Expired);
    }
    let (citizen, _, _) = login.verify_signed(token, &consent.nonce, now).await?;
    if &citizen.to_string() == personal_code {
        return Err(ConsentError::OwnConsent);
    }
    let mailbox = EAddress::private(&citizen).to_string();
    let valid_until = now + chrono::Duration::minutes(i64::from(consent.minutes));
    let audit = NewAuditEntry::new(
        now,
        format!("person:{citizen}"),
        "consent_given",
        mailbox.clone(),
        format!("{id}: {} may {} until {}", consent.agent, consent.rights.as_str(), valid_until.to_rfc3339()),
    );
    if !store.sign_consent(id, citizen.to_string(), now, valid_until, audit).await? {
        return Err(ConsentError::Unknown);
    }
    Ok((mailbox, valid_until))
}

/// The desk ends a consent (the citizen's card left, the visit ended).
pub async fn end_consent(
    store: &dyn Store,
    principal: &Principal,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, ConsentError> {
    let Principal::Person { personal_code, .. } = principal else { return Err(ConsentError::NotStaff) };
    let consent = store.consent(id).await?.ok_or(ConsentError::Unknown)?;
    if &consent.agent != personal_code {
        return Err(ConsentError::Unknown);
    }
    let subject = consent
        .citizen
        .as_deref()
        .and_then(|c| domain::PersonalCode::parse(c).ok())
        .map(|c| EAddress::private(&c).to_string())
        .unwrap_or_default();
    let audit = NewAuditEntry::new(now, principal.actor(), "consent_ended", subject, id.to_string());
    Ok(store.end_consent(id, now, audit).await?)
}
