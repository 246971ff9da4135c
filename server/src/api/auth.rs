//! eID login over HTTP: a challenge, the signed token, the session, logout.

use std::net::SocketAddr;

use axum::{
    Json,
    extract::{ConnectInfo, FromRequestParts, State},
    http::{StatusCode, request::Parts},
};
use base64::{Engine, engine::general_purpose::STANDARD};
use domain::Role;
use protocol::{
    ChallengeResponse, ErrorBody, LoginRequest, LoginResponse, PersonDto, SESSION_HEADER, SessionDto, error_codes,
};

use super::{AppState, error::ApiError, extract::ApiJson, extract::AuthenticatedDevice};
use crate::{
    login::{self, LoginError},
    store::{Device, UserSession},
};

impl From<LoginError> for ApiError {
    fn from(error: LoginError) -> Self {
        let message = error.to_string();
        match &error {
            LoginError::NotConfigured => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, error.code(), message),
            LoginError::NoRole(_) | LoginError::Environment(_) => {
                ApiError::new(StatusCode::FORBIDDEN, error.code(), message)
            }
            LoginError::Token(eid::TokenError::Malformed(_)) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, error.code(), message).with_field("token")
            }
            LoginError::Random(_) | LoginError::Store(_) => ApiError::internal(&error),
            _ => ApiError::new(StatusCode::UNAUTHORIZED, error.code(), message),
        }
    }
}

/// A person logged in on an authenticated device (`Authorization` for the device, and the
/// `pietura-session` header for the person).
pub struct AuthenticatedUser {
    pub device: Device,
    pub session: UserSession,
}

impl AuthenticatedUser {
    /// Refuses (403) unless the person holds one of `roles` here.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if self.session.roles.iter().any(|r| roles.contains(r)) {
            return Ok(());
        }
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            error_codes::FORBIDDEN,
            format!("this needs the role {}", roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(" or ")),
        ))
    }
}

impl FromRequestParts<AppState> for AuthenticatedUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let AuthenticatedDevice(device) = AuthenticatedDevice::from_request_parts(parts, state).await?;
        let token = parts
            .headers
            .get(SESSION_HEADER)
            .and_then(|v| v.to_str().ok())
            .ok_or(LoginError::SessionInvalid)?
            .to_owned();
        let session = login::session_of(state.store.as_ref(), &device, &token, (state.clock)()).await?;
        Ok(Self { device, session })
    }
}

fn session_dto(session: &UserSession, country: &str) -> SessionDto {
    SessionDto {
        person: PersonDto {
            personal_code: session.personal_code.clone(),
            given_name: session.given_name.clone(),
            surname: session.surname.clone(),
            country: country.to_owned(),
        },
        roles: session.roles.iter().map(|r| r.as_str().to_owned()).collect(),
        expires_at: session.expires_at,
    }
}

/// A single-use login challenge (Web eID nonce, 256 bits, five minutes) for this device.
#[utoipa::path(post, path = "/v1/auth/challenge", security(("device" = [])),
    responses(
        (status = 200, description = "Sign `hash(origin) ‖ hash(nonce)` with the card", body = ChallengeResponse),
        (status = 401, description = "Unknown device", body = ErrorBody),
        (status = 429, description = "Too many challenges from this device; see Retry-After", body = ErrorBody),
        (status = 503, description = "eID login is not configured", body = ErrorBody)
    ))]
pub async fn challenge(
    State(state): State<AppState>,
    AuthenticatedDevice(device): AuthenticatedDevice,
) -> Result<Json<ChallengeResponse>, ApiError> {
    let login = state.login.as_ref().ok_or(LoginError::NotConfigured)?;
    let now = (state.clock)();
    let store = state.store.as_ref();
    if let Err(wait) = state.challenge_limit.acquire(store, &device.id, now).await? {
        tracing::warn!(device = %device.id, "login challenges throttled");
        if state.challenge_limit.first_refusal(store, &device.id, now).await? {
            super::audit_throttled(&state, now, format!("device:{}", device.id), "login challenges").await?;
        }
        return Err(ApiError::too_many_attempts("card logins begun from this device", wait));
    }
    let challenge = login.challenge(state.store.as_ref(), &device, now).await?;
    Ok(Json(ChallengeResponse { nonce: challenge.nonce, origin: challenge.origin, expires_at: challenge.expires_at }))
}

/// Logs a person in with a Web eID token signed by their card. Staff need a role at the desk's
/// centre; at a kiosk everyone logs in as a citizen.
#[utoipa::path(post, path = "/v1/auth/login", request_body = LoginRequest, security(("device" = [])),
    responses(
        (status = 200, description = "Logged in; send the token in the pietura-session header", body = LoginResponse),
        (status = 401, description = "The challenge or token was refused; `code` says why", body = ErrorBody),
        (status = 403, description = "No role at this centre", body = ErrorBody),
        (status = 422, description = "The token is malformed", body = ErrorBody),
        (status = 429, description = "Too many failed logins from this device; see Retry-After", body = ErrorBody),
        (status = 503, description = "eID login is not configured", body = ErrorBody)
    ))]
pub async fn log_in(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    AuthenticatedDevice(device): AuthenticatedDevice,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Json<LoginResponse>, ApiError> {
    let peer = super::throttle::client_address(peer.ip(), &headers, &state.trusted_proxies);
    let login = state.login.as_ref().ok_or(LoginError::NotConfigured)?;
    let now = (state.clock)();
    // Counted before it is tried (racing logins cannot all pass), given back when it succeeds
    // or the server itself failed.
    let store = state.store.as_ref();
    let attempt = match state.login_failures.acquire(store, &device.id, now).await? {
        Ok(attempt) => attempt,
        Err(wait) => {
            tracing::warn!(%peer, device = %device.id, "login attempts throttled");
            if state.login_failures.first_refusal(store, &device.id, now).await? {
                super::audit_throttled(&state, now, format!("device:{}", device.id), "logins").await?;
            }
            return Err(ApiError::too_many_attempts("failed logins from this device", wait));
        }
    };
    match login.log_in(store, &device, &request.token, &request.nonce, now).await {
        Ok(logged_in) => {
            state.login_failures.forgive(store, attempt).await;
            Ok(Json(LoginResponse {
                session_token: logged_in.session_token,
                session: session_dto(&logged_in.session, &logged_in.country),
                certificate: STANDARD.encode(&logged_in.certificate_der),
            }))
        }
        Err(error) => {
            if matches!(error, LoginError::Store(_) | LoginError::Random(_)) {
                state.login_failures.forgive(store, attempt).await;
            }
            Err(error.into())
        }
    }
}

/// Who is logged in with this session token.
#[utoipa::path(get, path = "/v1/auth/session", security(("device" = []), ("session" = [])),
    responses(
        (status = 200, description = "The session is live", body = SessionDto),
        (status = 401, description = "No live session", body = ErrorBody)
    ))]
pub async fn session(user: AuthenticatedUser) -> Json<SessionDto> {
    Json(session_dto(&user.session, "LV"))
}

/// Ends the session.
#[utoipa::path(post, path = "/v1/auth/logout", security(("device" = []), ("session" = [])),
    responses(
        (status = 204, description = "Logged out"),
        (status = 401, description = "No live session", body = ErrorBody)
    ))]
pub async fn log_out(State(state): State<AppState>, user: AuthenticatedUser) -> Result<StatusCode, ApiError> {
    login::log_out(state.store.as_ref(), &user.session, (state.clock)()).await?;
    Ok(StatusCode::NO_CONTENT)
}
