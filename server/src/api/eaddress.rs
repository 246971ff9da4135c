//! The e-address API: mailboxes, sending, inboxes, reading, attachments, delegations and who
//! accessed a mailbox. Callers are institutions (their API key) or people logged in on a device
//! (a citizen at a kiosk, staff at a desk); every request is authorised per mailbox by
//! [`crate::eaddress::authorise`] and recorded in the audit log.

use axum::{
    Json,
    extract::{FromRequestParts, Path, Query, State},
    http::{StatusCode, header, request::Parts},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use protocol::{DelegationDto, ErrorBody, MailboxDto, error_codes};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{AppState, AuthenticatedUser, catalogue::AuthenticatedInstitution, error::ApiError, extract::ApiJson};
use crate::eaddress::{self, MailboxError, MessageView, NewDelegation, NewMessage, Principal};

impl From<eaddress::ConsentError> for ApiError {
    fn from(error: eaddress::ConsentError) -> Self {
        use eaddress::ConsentError as E;
        let message = error.to_string();
        match error {
            E::NotStaff | E::OwnConsent => ApiError::new(StatusCode::FORBIDDEN, error_codes::FORBIDDEN, message),
            E::Invalid => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, error_codes::VALIDATION, message).with_field("consent")
            }
            E::Unknown => ApiError::new(StatusCode::NOT_FOUND, error_codes::NOT_FOUND, message),
            E::Expired => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "consent_expired", message),
            E::Signature(e) => e.into(),
            E::Store(e) => e.into(),
        }
    }
}

fn person_of(user: &AuthenticatedUser) -> Principal {
    Principal::Person {
        personal_code: user.session.personal_code.clone(),
        device_id: user.device.id,
        centre_id: user.device.centre.id,
        roles: user.session.roles.clone(),
        kiosk: user.device.kind == domain::DeviceKind::Kiosk,
    }
}

fn login_of(state: &AppState) -> Result<&crate::login::Login, ApiError> {
    state.login.as_deref().ok_or_else(|| crate::login::LoginError::NotConfigured.into())
}

/// A clerk asks the citizen at the desk for consent to read their mailbox with them (or to send
/// in their name) for a while; the citizen's card signs what this answers.
#[utoipa::path(post, path = "/v1/eaddress/consents", request_body = eaddress::ConsentRequest,
    params(("pietura-protocol" = u32, Header), ("pietura-session" = String, Header)),
    security(("device" = [])),
    responses((status = 200, body = eaddress::ConsentChallenge), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn request_consent(
    State(state): State<AppState>,
    user: AuthenticatedUser,
    ApiJson(request): ApiJson<eaddress::ConsentRequest>,
) -> Result<Json<eaddress::ConsentChallenge>, ApiError> {
    let name = format!("{} {}", user.session.given_name, user.session.surname);
    let challenge = eaddress::request_consent(
        state.store.as_ref(),
        login_of(&state)?,
        &person_of(&user),
        &name,
        request,
        (state.clock)(),
    )
    .await?;
    Ok(Json(challenge))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentSignature {
    /// The Web eID token the citizen's card made for the consent's origin and nonce.
    pub token: String,
}

/// The citizen's signature on a consent: checked like a login; the consent is then in force.
#[utoipa::path(post, path = "/v1/eaddress/consents/{id}/signature", request_body = ConsentSignature,
    params(("id" = Uuid, Path), ("pietura-protocol" = u32, Header), ("pietura-session" = String, Header)),
    security(("device" = [])),
    responses((status = 200, description = "In force: the citizen's mailbox and until when"), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn sign_consent(
    State(state): State<AppState>,
    user: AuthenticatedUser,
    Path(id): Path<Uuid>,
    ApiJson(signature): ApiJson<ConsentSignature>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let (mailbox, valid_until) = eaddress::confirm_consent(
        state.store.as_ref(),
        login_of(&state)?,
        &person_of(&user),
        id,
        &signature.token,
        (state.clock)(),
    )
    .await?;
    let rights = state.store.consent(id).await?.map(|c| c.rights.as_str()).unwrap_or_default();
    Ok(Json(serde_json::json!({ "id": id, "mailbox": mailbox, "valid_until": valid_until, "rights": rights })))
}

/// Ends a consent (the desk does when the citizen's card leaves the reader).
#[utoipa::path(delete, path = "/v1/eaddress/consents/{id}",
    params(("id" = Uuid, Path), ("pietura-protocol" = u32, Header), ("pietura-session" = String, Header)),
    security(("device" = [])),
    responses((status = 204, description = "Ended"), (status = 404, body = ErrorBody)))]
pub async fn end_consent(
    State(state): State<AppState>,
    user: AuthenticatedUser,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    eaddress::end_consent(state.store.as_ref(), &person_of(&user), id, (state.clock)()).await?;
    Ok(StatusCode::NO_CONTENT)
}

impl From<MailboxError> for ApiError {
    fn from(error: MailboxError) -> Self {
        let message = error.to_string();
        let unprocessable = |field: &'static str| {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, error_codes::VALIDATION, message.clone()).with_field(field)
        };
        match error {
            MailboxError::NotFound(_) | MailboxError::NoMessage => {
                ApiError::new(StatusCode::NOT_FOUND, error_codes::NOT_FOUND, message)
            }
            MailboxError::SentStays => ApiError::new(StatusCode::CONFLICT, error_codes::CONFLICT, message),
            MailboxError::Forbidden(_) | MailboxError::NotOwner => {
                ApiError::new(StatusCode::FORBIDDEN, error_codes::FORBIDDEN, message)
            }
            MailboxError::Message(e) => unprocessable(e.field()),
            MailboxError::UnknownRecipient(_) | MailboxError::Address(_) => unprocessable("recipients"),
            MailboxError::MissingAttachment(_) | MailboxError::Digest(_) => unprocessable("attachments"),
            MailboxError::TooLarge(_) => ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, error_codes::TOO_LARGE, message),
            MailboxError::Body(_) => ApiError::new(StatusCode::BAD_REQUEST, error_codes::BAD_REQUEST, message),
            MailboxError::UploadQuota { .. } => {
                ApiError::new(StatusCode::TOO_MANY_REQUESTS, error_codes::UPLOAD_QUOTA, message).retry_after(600)
            }
            MailboxError::Delegation(_) => unprocessable("delegation"),
            MailboxError::UnknownReply(_) => unprocessable("in_reply_to"),
            MailboxError::Storage(_) => {
                tracing::error!(%error, "attachment store failed");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    error_codes::UNAVAILABLE,
                    "the attachment store is unavailable; try again shortly",
                )
            }
            MailboxError::KioskOnly => ApiError::new(StatusCode::FORBIDDEN, error_codes::FORBIDDEN, message),
            MailboxError::Signature { code, .. } | MailboxError::Application { code, .. } => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
            }
            MailboxError::RevocationUnknown(_) => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, error_codes::REVOCATION_UNKNOWN, message).retry_after(60)
            }
            MailboxError::Store(e) => e.into(),
        }
    }
}

/// Whether the request names an institution's API key (`Authorization: ApiKey …`).
fn has_api_key(parts: &Parts) -> bool {
    parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("ApiKey "))
}

/// An institution (by `Authorization: ApiKey …`) or a person logged in on a device (device
/// credentials and `pietura-session`).
pub struct Caller(pub Principal);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if has_api_key(parts) {
            let AuthenticatedInstitution(_, id) = AuthenticatedInstitution::from_request_parts(parts, state).await?;
            return Ok(Self(Principal::Institution { id }));
        }
        let user = AuthenticatedUser::from_request_parts(parts, state).await?;
        Ok(Self(person_of(&user)))
    }
}

/// An institution or a desk device, named as its uploads are kept.
pub struct Uploader(pub String);

impl FromRequestParts<AppState> for Uploader {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if has_api_key(parts) {
            let AuthenticatedInstitution(_, id) = AuthenticatedInstitution::from_request_parts(parts, state).await?;
            return Ok(Self(crate::uploads::institution_uploader(&id)));
        }
        let super::extract::AuthenticatedDevice(device) =
            super::extract::AuthenticatedDevice::from_request_parts(parts, state).await?;
        if device.kind != domain::DeviceKind::Desk {
            return Err(ApiError::new(StatusCode::FORBIDDEN, error_codes::FORBIDDEN, "kiosks do not send messages"));
        }
        Ok(Self(crate::uploads::device_uploader(device.id)))
    }
}

/// The mailboxes the caller may use, with the right it holds on each.
#[utoipa::path(get, path = "/v1/eaddress/mailboxes", params(("pietura-protocol" = u32, Header)),
    responses((status = 200, body = Vec<MailboxDto>), (status = 401, body = ErrorBody)))]
pub async fn mailboxes(
    State(state): State<AppState>,
    Caller(principal): Caller,
) -> Result<Json<Vec<MailboxDto>>, ApiError> {
    let found = eaddress::my_mailboxes(state.store.as_ref(), &principal, (state.clock)()).await?;
    let centre_id = match &principal {
        Principal::Person { centre_id, kiosk: false, .. } => Some(*centre_id),
        _ => None,
    };
    Ok(Json(
        found
            .into_iter()
            .map(|(account, right)| MailboxDto {
                address: account.address,
                name: account.name,
                kind: serde_json::to_value(account.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                rights: right.as_str().into(),
                centre: centre_id.is_some() && account.centre_id == centre_id,
            })
            .collect(),
    ))
}

/// The e-address catalogue: active institutions' mailboxes. Public, for desks' offline look-up.
#[utoipa::path(get, path = "/v1/eaddress/directory", responses((status = 200, body = Vec<MailboxDto>)))]
pub async fn directory(State(state): State<AppState>) -> Result<Json<Vec<MailboxDto>>, ApiError> {
    Ok(Json(
        state
            .store
            .institution_directory()
            .await?
            .into_iter()
            .map(|a| MailboxDto {
                address: a.address,
                name: a.name,
                kind: "institution".into(),
                rights: String::new(),
                centre: false,
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// The time of the last message of the previous page (`delivered_at` in an inbox, `sent_at`
    /// in sent messages); with `before_id`.
    pub before: Option<DateTime<Utc>>,
    /// Its id.
    pub before_id: Option<Uuid>,
    /// At most this many (default 50, at most 200).
    pub limit: Option<u32>,
}

impl PageQuery {
    /// Where the page starts (both halves of the key or neither) and its length.
    fn page(&self) -> Result<eaddress::Page, ApiError> {
        let page = |before| eaddress::Page { before, limit: self.limit };
        match (self.before, self.before_id) {
            (Some(at), Some(id)) => Ok(page(Some((at, id)))),
            (None, None) => Ok(page(None)),
            _ => Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                error_codes::VALIDATION,
                "give both before (the last message's time) and before_id (its id), or neither",
            )
            .with_field("before")),
        }
    }
}

/// A mailbox's inbox, newest first.
#[utoipa::path(get, path = "/v1/eaddress/mailboxes/{address}/inbox", params(("address" = String, Path), PageQuery, ("pietura-protocol" = u32, Header)),
    responses((status = 200, body = Vec<MessageView>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn inbox(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Path(address): Path<String>,
    Query(page): Query<PageQuery>,
) -> Result<Json<Vec<MessageView>>, ApiError> {
    Ok(Json(eaddress::inbox(state.store.as_ref(), &principal, &address, page.page()?, (state.clock)()).await?))
}

/// Messages the mailbox sent, with every recipient's state (delivered, notified, read).
#[utoipa::path(get, path = "/v1/eaddress/mailboxes/{address}/sent", params(("address" = String, Path), PageQuery, ("pietura-protocol" = u32, Header)),
    responses((status = 200, body = Vec<MessageView>), (status = 404, body = ErrorBody)))]
pub async fn sent(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Path(address): Path<String>,
    Query(page): Query<PageQuery>,
) -> Result<Json<Vec<MessageView>>, ApiError> {
    Ok(Json(eaddress::sent(state.store.as_ref(), &principal, &address, page.page()?, (state.clock)()).await?))
}

/// Sends a message from the mailbox (needs the right to communicate). The id is the sender's:
/// the same id again answers 200 with the message as sent; a new one 201.
#[utoipa::path(post, path = "/v1/eaddress/mailboxes/{address}/messages", request_body = NewMessage,
    params(("address" = String, Path), ("pietura-protocol" = u32, Header)),
    responses((status = 201, body = MessageView), (status = 200, description = "Sent before", body = MessageView),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn send(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Path(address): Path<String>,
    ApiJson(message): ApiJson<NewMessage>,
) -> Result<Response, ApiError> {
    let (view, new) = eaddress::send(
        state.store.as_ref(),
        &state.attachments,
        &state.calendar,
        &principal,
        &address,
        message,
        (state.clock)(),
    )
    .await?;
    Ok((if new { StatusCode::CREATED } else { StatusCode::OK }, Json(view)).into_response())
}

/// A signed PDF as a kiosk posts it (base64).
fn decoded_pdf(base64_pdf: &str) -> Result<Vec<u8>, ApiError> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(base64_pdf.as_bytes()).map_err(|e| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, error_codes::VALIDATION, format!("pdf: not base64: {e}"))
            .with_field("pdf")
    })
}

/// Sends a reply the mailbox's owner signed at a kiosk with their eID card (PIN2): what is sent
/// is what the signed PDF's `reply.json` says, from the signer's own mailbox to the institution
/// whose message it answers; the PDF goes with it. The same reply again answers 200.
#[utoipa::path(post, path = "/v1/eaddress/signed-replies", request_body = protocol::SignedReplyRequest,
    params(("pietura-protocol" = u32, Header), ("pietura-session" = String, Header)),
    security(("device" = [])),
    responses((status = 201, body = MessageView), (status = 200, description = "Sent before", body = MessageView),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 503, body = ErrorBody)))]
pub async fn send_signed_reply(
    State(state): State<AppState>,
    user: AuthenticatedUser,
    ApiJson(request): ApiJson<protocol::SignedReplyRequest>,
) -> Result<Response, ApiError> {
    let pdf = decoded_pdf(&request.pdf)?;
    let (view, new) = eaddress::send_signed_reply(
        state.store.as_ref(),
        &state.attachments,
        &state.calendar,
        state.login.as_deref(),
        &person_of(&user),
        pdf,
        state.upload_quota_bytes,
        (state.clock)(),
    )
    .await?;
    Ok((if new { StatusCode::CREATED } else { StatusCode::OK }, Json(view)).into_response())
}

/// Sends a citizen's own e-form application, filled and signed (PIN2) at a kiosk: what is sent
/// is what the signed PDF's `application.json` says, checked against the form as published (a
/// self-service form), from the signer's own mailbox to the institution holding the service.
/// The same PDF again answers 200.
#[utoipa::path(post, path = "/v1/citizen/form-submissions", request_body = protocol::OwnApplicationRequest,
    params(("pietura-protocol" = u32, Header), ("pietura-session" = String, Header)),
    security(("device" = [])),
    responses((status = 201, body = MessageView), (status = 200, description = "Sent before", body = MessageView),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 503, body = ErrorBody)))]
pub async fn submit_own_application(
    State(state): State<AppState>,
    user: AuthenticatedUser,
    ApiJson(request): ApiJson<protocol::OwnApplicationRequest>,
) -> Result<Response, ApiError> {
    let pdf = decoded_pdf(&request.pdf)?;
    let (view, new) = eaddress::submit_own_application(
        state.store.as_ref(),
        &state.attachments,
        &state.calendar,
        state.login.as_deref(),
        &person_of(&user),
        pdf,
        state.upload_quota_bytes,
        (state.clock)(),
    )
    .await?;
    Ok((if new { StatusCode::CREATED } else { StatusCode::OK }, Json(view)).into_response())
}

/// Opens a message: a recipient's reading marks it read (the sender's read receipt).
#[utoipa::path(get, path = "/v1/eaddress/mailboxes/{address}/messages/{id}", params(("address" = String, Path), ("id" = Uuid, Path), ("pietura-protocol" = u32, Header)),
    responses((status = 200, body = MessageView), (status = 404, body = ErrorBody)))]
pub async fn open(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Path((address, id)): Path<(String, Uuid)>,
) -> Result<Json<MessageView>, ApiError> {
    Ok(Json(eaddress::open(state.store.as_ref(), &principal, &address, id, (state.clock)()).await?))
}

/// An attachment's content (checked against its SHA-256 on the way out).
#[utoipa::path(get, path = "/v1/eaddress/mailboxes/{address}/messages/{id}/attachments/{index}",
    params(("address" = String, Path), ("id" = Uuid, Path), ("index" = usize, Path), ("pietura-protocol" = u32, Header)),
    responses((status = 200, description = "The file"), (status = 404, body = ErrorBody)))]
pub async fn attachment(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Path((address, id, index)): Path<(String, Uuid, usize)>,
) -> Result<Response, ApiError> {
    let (info, content) = eaddress::attachment(
        state.store.as_ref(),
        &state.attachments,
        &principal,
        &address,
        id,
        index,
        (state.clock)(),
    )
    .await?;
    let media_type = domain::eaddress::attachment_media_type(&info.name).unwrap_or("application/octet-stream");
    let disposition = format!("attachment; filename*=UTF-8''{}", percent(&info.name));
    Ok(([(header::CONTENT_TYPE, media_type.to_owned()), (header::CONTENT_DISPOSITION, disposition)], content)
        .into_response())
}

fn percent(name: &str) -> String {
    percent_encoding::utf8_percent_encode(name, super::UNRESERVED).to_string()
}

/// Uploads an attachment's content under its SHA-256, before the message that names it;
/// the same content again changes nothing. Institutions (API key) and desks (device
/// credentials: their outbox sends messages later) may upload; content is only ever read
/// through a message the reader may see. The body is streamed (at most 10 MB) and kept only if
/// it matches the digest; each uploader may hold at most a quota of content no message names
/// yet, which is removed a day after its last upload.
#[utoipa::path(put, path = "/v1/eaddress/attachments/{sha256}", params(("sha256" = String, Path), ("pietura-protocol" = u32, Header)),
    responses((status = 204, description = "Stored"),
        (status = 413, description = "Larger than an attachment may be", body = ErrorBody),
        (status = 422, description = "The content does not match the digest", body = ErrorBody),
        (status = 429, description = "The uploader's content that no message names is at its quota", body = ErrorBody)))]
pub async fn upload(
    State(state): State<AppState>,
    Uploader(uploader): Uploader,
    Path(sha256): Path<String>,
    headers: axum::http::HeaderMap,
    body: axum::body::Body,
) -> Result<StatusCode, ApiError> {
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    let now = (state.clock)();
    crate::uploads::upload(
        state.store.as_ref(),
        &state.attachments,
        &uploader,
        &sha256,
        body,
        declared,
        state.upload_quota_bytes,
        now,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The owner gives a person rights on the mailbox until a date.
#[utoipa::path(post, path = "/v1/eaddress/mailboxes/{address}/delegations", request_body = NewDelegation,
    params(("address" = String, Path), ("pietura-protocol" = u32, Header)),
    responses((status = 201, body = DelegationDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn delegate(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Path(address): Path<String>,
    ApiJson(request): ApiJson<NewDelegation>,
) -> Result<Response, ApiError> {
    let delegation = eaddress::delegate(state.store.as_ref(), &principal, &address, request, (state.clock)()).await?;
    let mut named = delegation_dtos(state.store.as_ref(), vec![delegation]).await?;
    Ok((StatusCode::CREATED, Json(named.remove(0))).into_response())
}

/// Delegations as the API shows them, each delegate named by their own e-address account where
/// it names them (one look-up for the list): owners recognise people by name, not by code.
async fn delegation_dtos(
    store: &dyn crate::store::Store,
    delegations: Vec<crate::store::Delegation>,
) -> Result<Vec<DelegationDto>, ApiError> {
    let private = |code: &str| {
        domain::PersonalCode::parse(code).map(|code| domain::eaddress::EAddress::private(&code).to_string()).ok()
    };
    let addresses: Vec<String> = delegations.iter().filter_map(|d| private(&d.delegate)).collect();
    let names: std::collections::HashMap<String, String> = store
        .accounts(addresses)
        .await?
        .into_iter()
        .filter(|a| !a.name.trim().is_empty() && a.name != a.address)
        .map(|a| (a.address, a.name))
        .collect();
    Ok(delegations
        .into_iter()
        .map(|delegation| DelegationDto {
            delegate_name: private(&delegation.delegate).and_then(|a| names.get(&a).cloned()).unwrap_or_default(),
            id: delegation.id,
            mailbox: delegation.mailbox,
            delegate: delegation.delegate,
            rights: delegation.rights.as_str().to_owned(),
            ends_on: delegation.ends_on,
            granted_at: delegation.granted_at,
        })
        .collect())
}

/// The delegations in force on the owner's mailbox, soonest ending first.
#[utoipa::path(get, path = "/v1/eaddress/mailboxes/{address}/delegations",
    params(("address" = String, Path), ("pietura-protocol" = u32, Header)),
    responses((status = 200, body = [DelegationDto]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delegations(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Path(address): Path<String>,
) -> Result<Json<Vec<DelegationDto>>, ApiError> {
    let in_force = eaddress::delegations_of(state.store.as_ref(), &principal, &address, (state.clock)()).await?;
    Ok(Json(delegation_dtos(state.store.as_ref(), in_force).await?))
}

/// The owner ends a delegation.
#[utoipa::path(delete, path = "/v1/eaddress/mailboxes/{address}/delegations/{id}",
    params(("address" = String, Path), ("id" = Uuid, Path), ("pietura-protocol" = u32, Header)),
    responses((status = 204, description = "Ended"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Path((address, id)): Path<(String, Uuid)>,
) -> Result<StatusCode, ApiError> {
    eaddress::revoke(state.store.as_ref(), &principal, &address, id, (state.clock)()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// One access to a mailbox, for its owner.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AccessDto {
    /// Its place in the audit log: pass the oldest one shown as `before` for the page before.
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub detail: String,
    /// The actor in words: an institution's name, the centre whose clerk acted under the
    /// owner's consent, or a person's code.
    pub who: String,
    pub basis: eaddress::AccessBasis,
}

/// Which page of accesses.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AccessesQuery {
    /// Only accesses before this place in the audit log (the `seq` of the oldest one shown).
    pub before: Option<i64>,
}

/// Who accessed the owner's mailbox and when: the newest 200, oldest of them first.
#[utoipa::path(get, path = "/v1/eaddress/mailboxes/{address}/accesses",
    params(("address" = String, Path), AccessesQuery, ("pietura-protocol" = u32, Header)),
    responses((status = 200, body = Vec<AccessDto>), (status = 403, body = ErrorBody)))]
pub async fn accesses(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Path(address): Path<String>,
    Query(page): Query<AccessesQuery>,
) -> Result<Json<Vec<AccessDto>>, ApiError> {
    let entries = eaddress::accesses(state.store.as_ref(), &principal, &address, page.before, (state.clock)()).await?;
    Ok(Json(
        entries
            .into_iter()
            .map(|a| AccessDto {
                seq: a.entry.seq,
                at: a.entry.at,
                actor: a.entry.actor,
                action: a.entry.action,
                detail: a.entry.detail,
                who: a.who,
                basis: a.basis,
            })
            .collect(),
    ))
}

/// Deletes a received message from the mailbox (the owner, or a delegate with the right to
/// delete). The sender keeps its copy and read receipt; repeating it answers 204 again.
#[utoipa::path(delete, path = "/v1/eaddress/mailboxes/{address}/messages/{id}",
    params(("address" = String, Path), ("id" = Uuid, Path), ("pietura-protocol" = u32, Header)),
    responses((status = 204, description = "Deleted"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "A sent message cannot be deleted")))]
pub async fn delete(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Path((address, id)): Path<(String, Uuid)>,
) -> Result<StatusCode, ApiError> {
    eaddress::delete(state.store.as_ref(), &principal, &address, id, (state.clock)()).await?;
    Ok(StatusCode::NO_CONTENT)
}
