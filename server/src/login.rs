//! eID login: single-use challenges, Web eID token validation, roles, and sessions bound to the
//! device they were made on.

use base64::{Engine, engine::general_purpose::STANDARD, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Duration, Utc};
use domain::{DeviceKind, PersonalCode, Role};
use eid::{AuthToken, ParsedCertificate, TokenError, TokenValidator, ValidatedToken, ValidatorConfig};
use sha2::{Digest, Sha256};

use crate::{
    config::Settings,
    store::{AuthEvent, Device, LoginNonce, Store, StoreError, UserSession},
};

/// How long a challenge may be answered (Web eID's recommendation).
pub const CHALLENGE_TTL_MINUTES: i64 = 5;
/// 256 bits, as Web eID requires at least.
const NONCE_BYTES: usize = 32;
const SESSION_TOKEN_BYTES: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum LoginConfigError {
    #[error("eid_trust_anchors: {path}: {reason}")]
    TrustAnchor { path: String, reason: String },
    #[error("eID login settings: {0}")]
    Validator(#[from] eid::token::ConfigError),
}

/// Why a login or a session was refused.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("eID login is not configured on this server: set eid_origin and eid_trust_anchors")]
    NotConfigured,
    #[error("this login challenge is unknown or was already used: ask for a new one")]
    ChallengeUnknown,
    #[error("this login challenge has expired: ask for a new one")]
    ChallengeExpired,
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error("the certificate does not carry a Latvian personal code (serialNumber PNOLV-…)")]
    NoPersonalCode,
    #[error("{0} has no role at this centre: an administrator grants it with `pietura-server user grant`")]
    NoRole(String),
    #[error(transparent)]
    Environment(#[from] crate::environment::Crossing),
    #[error("the session is unknown, ended or expired: log in again")]
    SessionInvalid,
    #[error("the system random source failed: {0}")]
    Random(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl LoginError {
    /// A stable code for API clients and the UIs' translations.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotConfigured => "login_not_configured",
            Self::ChallengeUnknown => "challenge_unknown",
            Self::ChallengeExpired => "challenge_expired",
            Self::Token(e) => e.code(),
            Self::NoPersonalCode => "no_personal_code",
            Self::NoRole(_) => "no_role",
            Self::Environment(_) => protocol::error_codes::ENVIRONMENT_CROSSING,
            Self::SessionInvalid => "session_invalid",
            Self::Random(_) | Self::Store(_) => "internal",
        }
    }
}

fn random<const N: usize>() -> Result<[u8; N], LoginError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| LoginError::Random(e.to_string()))?;
    Ok(bytes)
}

fn nonce_hash(nonce: &str) -> [u8; 32] {
    Sha256::new().chain_update(b"pietura-login-nonce:").chain_update(nonce).finalize().into()
}

pub use protocol::session_token_hash;

/// A challenge for a device to have signed by a card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub nonce: String,
    pub origin: String,
    pub expires_at: DateTime<Utc>,
}

/// Who logged in, and what they may do here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedIn {
    pub session_token: String,
    pub session: UserSession,
    pub country: String,
    /// The authentication certificate, for the device to pin for offline unlock.
    pub certificate_der: Vec<u8>,
}

/// Asks the CA's OCSP responder whether a certificate is revoked.
#[derive(Debug, Clone)]
pub struct OcspChecker {
    client: reqwest::Client,
    url_override: Option<String>,
}

/// How long the responder may take; a login waits for it.
const OCSP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

impl OcspChecker {
    pub fn new(url_override: Option<String>) -> Self {
        // OCSP is plain HTTP as a rule; a provider is needed all the same for https responders.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder().timeout(OCSP_TIMEOUT).build().unwrap_or_default();
        Self { client, url_override }
    }

    /// `Ok` only when the responder says the certificate is good.
    pub async fn check(
        &self,
        certificate: &ParsedCertificate,
        issuer: &ParsedCertificate,
        now: DateTime<Utc>,
    ) -> Result<(), TokenError> {
        let unknown = |reason: String| TokenError::RevocationUnknown(reason);
        let url = match &self.url_override {
            Some(url) => url.clone(),
            None => certificate
                .ocsp_urls()
                .map_err(|e| unknown(e.0))?
                .into_iter()
                .next()
                .ok_or_else(|| unknown("the certificate names no OCSP responder".into()))?,
        };
        let nonce = random::<32>().map_err(|e| unknown(e.to_string()))?;
        let request = eid::ocsp::request(certificate, issuer, nonce)?;
        let response = self
            .client
            .post(&url)
            .header(reqwest::header::CONTENT_TYPE, "application/ocsp-request")
            .body(request.der.clone())
            .send()
            .await
            .map_err(|e| unknown(format!("the OCSP responder {url} cannot be reached: {e}")))?;
        if !response.status().is_success() {
            return Err(unknown(format!("the OCSP responder {url} answered HTTP {}", response.status())));
        }
        let body = response.bytes().await.map_err(|e| unknown(format!("reading the OCSP response: {e}")))?;
        eid::ocsp::check_response(&request, &body, issuer, now)
    }
}

/// The configured validator, revocation check and session lengths.
#[derive(Debug, Clone)]
pub struct Login {
    validator: TokenValidator,
    ocsp: Option<OcspChecker>,
    staff_session: Duration,
    citizen_session: Duration,
    /// Whose cards log in here: real people's, or (a training server) training people's.
    environment: crate::environment::Environment,
}

impl Login {
    /// Checks a document signer's certificate against the eID trust anchors (non-repudiation,
    /// dates at `at`, issuer trusted): a PAdES signature of an application.
    pub async fn check_signing_certificate(
        &self,
        certificate: &eid::ParsedCertificate,
        at: DateTime<Utc>,
    ) -> Result<(), eid::TokenError> {
        let issuer = self.validator.check_signing_certificate(certificate, at)?;
        if let Some(ocsp) = &self.ocsp {
            ocsp.check(certificate, issuer, at).await?;
        }
        Ok(())
    }

    /// `None` when eID login is not configured.
    pub fn from_settings(settings: &Settings) -> Result<Option<Self>, LoginConfigError> {
        let Some(origin) = &settings.eid_origin else { return Ok(None) };
        let mut trusted_cas = Vec::new();
        for path in &settings.eid_trust_anchors {
            let anchor_error =
                |reason: String| LoginConfigError::TrustAnchor { path: path.display().to_string(), reason };
            let pem = std::fs::read_to_string(path).map_err(|e| anchor_error(e.to_string()))?;
            trusted_cas.extend(ParsedCertificate::all_from_pem(&pem).map_err(|e| anchor_error(e.0))?);
        }
        let login = Self::new(
            ValidatorConfig {
                origin: origin.clone(),
                trusted_cas,
                disallowed_policies: settings.eid_disallowed_policies.clone(),
            },
            Duration::hours(i64::from(settings.staff_session_hours)),
            Duration::minutes(i64::from(settings.citizen_session_minutes)),
        )?
        .in_environment(settings.environment);
        Ok(Some(if settings.ocsp_on() {
            login.with_ocsp(OcspChecker::new(settings.eid_ocsp_url.clone()))
        } else {
            login
        }))
    }

    /// Logins for the people of `environment` only (see [`crate::environment`]).
    pub fn in_environment(mut self, environment: crate::environment::Environment) -> Self {
        self.environment = environment;
        self
    }

    /// Checks every login's certificate with OCSP.
    pub fn with_ocsp(mut self, checker: OcspChecker) -> Self {
        self.ocsp = Some(checker);
        self
    }

    pub fn new(
        config: ValidatorConfig,
        staff_session: Duration,
        citizen_session: Duration,
    ) -> Result<Self, LoginConfigError> {
        Ok(Self {
            validator: TokenValidator::new(config)?,
            ocsp: None,
            staff_session,
            citizen_session,
            environment: crate::environment::Environment::default(),
        })
    }

    pub fn origin(&self) -> &str {
        self.validator.origin()
    }

    /// A new single-use challenge for `device`, valid for five minutes.
    pub async fn challenge(
        &self,
        store: &dyn Store,
        device: &Device,
        now: DateTime<Utc>,
    ) -> Result<Challenge, LoginError> {
        let nonce = STANDARD.encode(random::<NONCE_BYTES>()?);
        let expires_at = now + Duration::minutes(CHALLENGE_TTL_MINUTES);
        store
            .add_login_nonce(
                LoginNonce { nonce_hash: nonce_hash(&nonce), device_id: device.id, issued_at: now, expires_at },
                now,
            )
            .await?;
        Ok(Challenge { nonce, origin: self.origin().to_owned(), expires_at })
    }

    /// Checks the challenge (once only, this device's, in time), validates the token, finds the
    /// person's roles at the device's centre and opens a session. Every outcome is recorded as an
    /// auth event.
    pub async fn log_in(
        &self,
        store: &dyn Store,
        device: &Device,
        token: &str,
        nonce: &str,
        now: DateTime<Utc>,
    ) -> Result<LoggedIn, LoginError> {
        let result = self.try_log_in(store, device, token, nonce, now).await;
        let event = match &result {
            Ok(logged_in) => AuthEvent {
                at: now,
                kind: "login".into(),
                device_id: Some(device.id),
                personal_code: Some(logged_in.session.personal_code.clone()),
                detail: format!(
                    "roles {} at {}",
                    logged_in.session.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(","),
                    device.centre.name
                ),
            },
            Err(error) => AuthEvent {
                at: now,
                kind: "login_failed".into(),
                device_id: Some(device.id),
                personal_code: None,
                detail: format!("{}: {error}", error.code()),
            },
        };
        store.add_auth_event(event).await?;
        match &result {
            Ok(logged_in) => tracing::info!(device = %device.id, roles = ?logged_in.session.roles, "login"),
            Err(error) => tracing::warn!(device = %device.id, code = error.code(), "login refused"),
        }
        result
    }

    /// Checks a token a card signed for `nonce` (certificate, revocation, signature, as a login)
    /// and answers the signer: personal code, given name, surname.
    pub async fn verify_signed(
        &self,
        token: &str,
        nonce: &str,
        now: DateTime<Utc>,
    ) -> Result<(PersonalCode, String, String), LoginError> {
        let (code, validated) = self.check_token(token, nonce, now).await?;
        let identity = validated.identity;
        Ok((code, identity.given_name.unwrap_or_default(), identity.surname.unwrap_or_default()))
    }

    /// Checks a desk's record of an offline card unlock: the certificate as it stood at the
    /// unlock (no revocation check: the desk had no network either), then the card's signature
    /// over [`protocol::OFFLINE_UNLOCK_ORIGIN`] and `nonce`. Answers the card holder.
    pub fn verify_offline_unlock(
        &self,
        token: &str,
        nonce: &str,
        unlocked_at: DateTime<Utc>,
    ) -> Result<PersonalCode, LoginError> {
        let token = AuthToken::parse(token)?;
        let (certificate, _) = self.validator.check_certificate(&token, unlocked_at)?;
        eid::token::verify_signature(
            &certificate,
            token.algorithm.as_deref(),
            token.signature.as_deref(),
            protocol::OFFLINE_UNLOCK_ORIGIN,
            nonce,
        )?;
        let code = match certificate.identity().personal_code() {
            Some(("LV", code)) => PersonalCode::parse(code).map_err(|_| LoginError::NoPersonalCode)?,
            _ => return Err(LoginError::NoPersonalCode),
        };
        self.environment.admits(&code)?;
        Ok(code)
    }

    /// Web eID's order: the certificate, its revocation status, then the signature over
    /// `nonce`; the signer must carry a Latvian personal code.
    async fn check_token(
        &self,
        token: &str,
        nonce: &str,
        now: DateTime<Utc>,
    ) -> Result<(PersonalCode, ValidatedToken), LoginError> {
        let token = AuthToken::parse(token)?;
        let (certificate, issuer) = self.validator.check_certificate(&token, now)?;
        if let Some(ocsp) = &self.ocsp {
            ocsp.check(&certificate, issuer, now).await?;
        }
        let validated = self.validator.check_signature(&token, certificate, nonce)?;
        let code = match validated.identity.personal_code() {
            Some(("LV", code)) => PersonalCode::parse(code).map_err(|_| LoginError::NoPersonalCode)?,
            _ => return Err(LoginError::NoPersonalCode),
        };
        // A card from the other side of the line opens no session here.
        self.environment.admits(&code)?;
        Ok((code, validated))
    }

    async fn try_log_in(
        &self,
        store: &dyn Store,
        device: &Device,
        token: &str,
        nonce: &str,
        now: DateTime<Utc>,
    ) -> Result<LoggedIn, LoginError> {
        // Taken (removed) before anything else, so a challenge never works twice.
        let challenge = store.take_login_nonce(nonce_hash(nonce)).await?.ok_or(LoginError::ChallengeUnknown)?;
        if challenge.device_id != device.id {
            return Err(LoginError::ChallengeUnknown);
        }
        if now > challenge.expires_at {
            return Err(LoginError::ChallengeExpired);
        }
        let (personal_code, validated) = self.check_token(token, nonce, now).await?;
        let identity = &validated.identity;
        let (roles, lasts) = match device.kind {
            DeviceKind::Kiosk => (vec![Role::Citizen], self.citizen_session),
            DeviceKind::Desk => {
                let grants = store.role_grants(Some(personal_code.as_str())).await?;
                let mut roles: Vec<Role> =
                    grants.iter().filter(|g| g.centre.id == device.centre.id).map(|g| g.role).collect();
                roles.sort();
                if roles.is_empty() {
                    return Err(LoginError::NoRole(personal_code.to_string()));
                }
                (roles, self.staff_session)
            }
        };
        let session_token = format!("s.{}", URL_SAFE_NO_PAD.encode(random::<SESSION_TOKEN_BYTES>()?));
        let session = UserSession {
            token_hash: session_token_hash(&session_token),
            device_id: device.id,
            personal_code: personal_code.to_string(),
            given_name: identity.given_name.clone().unwrap_or_default(),
            surname: identity.surname.clone().unwrap_or_default(),
            roles,
            issued_at: now,
            expires_at: now + lasts,
            ended_at: None,
        };
        store.add_session(session.clone()).await?;
        Ok(LoggedIn {
            session_token,
            session,
            country: identity.country.clone().unwrap_or_default(),
            certificate_der: validated.certificate.der.clone(),
        })
    }
}

/// The live session behind `token` on `device`, or why there is none.
pub async fn session_of(
    store: &dyn Store,
    device: &Device,
    token: &str,
    now: DateTime<Utc>,
) -> Result<UserSession, LoginError> {
    let session = store.session(session_token_hash(token)).await?.ok_or(LoginError::SessionInvalid)?;
    if session.device_id != device.id || session.ended_at.is_some() || now >= session.expires_at {
        return Err(LoginError::SessionInvalid);
    }
    Ok(session)
}

pub async fn log_out(store: &dyn Store, session: &UserSession, now: DateTime<Utc>) -> Result<(), LoginError> {
    store.end_session(session.token_hash, now).await?;
    store
        .add_auth_event(AuthEvent {
            at: now,
            kind: "logout".into(),
            device_id: Some(session.device_id),
            personal_code: Some(session.personal_code.clone()),
            detail: String::new(),
        })
        .await?;
    Ok(())
}

/// Grants `role` at the centre named `centre_name`; the code is checked first. Returns the code
/// as stored and the centre's name.
pub async fn grant(
    store: &dyn Store,
    personal_code: &str,
    role: Role,
    centre_name: &str,
    now: DateTime<Utc>,
) -> Result<(String, String), GrantError> {
    let code = grantee(personal_code)?;
    if role == Role::Citizen {
        return Err(GrantError::CitizenRole);
    }
    let centre = centre_named(store, centre_name).await?;
    grant_at(store, &code, role, &centre, "operator", now).await?;
    Ok((code.to_string(), centre.name))
}

/// Grants `role` at `centre` to `code`, audited under `by` (the operator, or an administrator).
pub async fn grant_at(
    store: &dyn Store,
    code: &PersonalCode,
    role: Role,
    centre: &domain::Centre,
    by: &str,
    now: DateTime<Utc>,
) -> Result<(), GrantError> {
    if role == Role::Citizen {
        return Err(GrantError::CitizenRole);
    }
    store.grant_role(code.as_str(), role, centre.id, now).await?;
    let detail = format!("{} at {}", role.as_str(), centre.name);
    crate::audit::record(
        store,
        crate::audit::NewAuditEntry::new(now, by, "role_granted", format!("person:{code}"), detail),
    )
    .await?;
    Ok(())
}

/// Revokes `role` at the centre named `centre_name`; the person's sessions on the centre's
/// devices end at once (they carried the role).
pub async fn revoke(
    store: &dyn Store,
    personal_code: &str,
    role: Role,
    centre_name: &str,
    now: DateTime<Utc>,
) -> Result<bool, GrantError> {
    let code = grantee(personal_code)?;
    let centre = centre_named(store, centre_name).await?;
    revoke_at(store, &code, role, &centre, "operator", now).await
}

/// Revokes `role` at `centre` from `code`, audited under `by`; answers whether there was one.
pub async fn revoke_at(
    store: &dyn Store,
    code: &PersonalCode,
    role: Role,
    centre: &domain::Centre,
    by: &str,
    now: DateTime<Utc>,
) -> Result<bool, GrantError> {
    let revoked = store.revoke_role(code.as_str(), role, centre.id, now).await?;
    if revoked {
        // The grant row goes; its history stays here, with the grant's own entry.
        let detail = format!("{} at {}; the person's sessions there ended", role.as_str(), centre.name);
        let entry = crate::audit::NewAuditEntry::new(now, by, "role_revoked", format!("person:{code}"), detail);
        crate::audit::record(store, entry).await?;
    }
    Ok(revoked)
}

/// The person a grant is for, from their personal code as typed.
pub fn grantee(personal_code: &str) -> Result<PersonalCode, GrantError> {
    PersonalCode::parse(personal_code).map_err(|e| GrantError::PersonalCode(personal_code.into(), e))
}

async fn centre_named(store: &dyn Store, name: &str) -> Result<domain::Centre, GrantError> {
    store.find_centre_by_name(name).await?.ok_or_else(|| GrantError::NoCentre(name.into()))
}

#[derive(Debug, thiserror::Error)]
pub enum GrantError {
    #[error("{0:?} is not a Latvian personal code: {1}")]
    PersonalCode(String, domain::PersonalCodeError),
    #[error("citizens need no grant: they log in at kiosks as themselves")]
    CitizenRole,
    #[error("there is no centre named {0:?}: add it first with `pietura-server centre add`")]
    NoCentre(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What `pietura-server eid verify` prints: the identity, or why the token fails.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifyOutcome {
    pub valid: bool,
    pub report: serde_json::Value,
}

/// Validates a token file's text as the login does (no nonce store: the nonce is given; OCSP
/// only when `ocsp` is given).
/// Configuration errors (bad origin, unreadable anchors) are errors; a refused token is an
/// outcome with `valid: false`.
pub async fn verify_token(
    token: &str,
    nonce: &str,
    origin: &str,
    trust_anchors: &[std::path::PathBuf],
    disallowed_policies: &[String],
    ocsp: Option<&OcspChecker>,
    at: DateTime<Utc>,
) -> Result<VerifyOutcome, LoginConfigError> {
    let mut trusted_cas = Vec::new();
    for path in trust_anchors {
        let anchor_error = |reason: String| LoginConfigError::TrustAnchor { path: path.display().to_string(), reason };
        let pem = std::fs::read_to_string(path).map_err(|e| anchor_error(e.to_string()))?;
        trusted_cas.extend(ParsedCertificate::all_from_pem(&pem).map_err(|e| anchor_error(e.0))?);
    }
    let disallowed_policies = if disallowed_policies.is_empty() {
        eid::token::DEFAULT_DISALLOWED_POLICIES.iter().map(|p| p.to_string()).collect()
    } else {
        disallowed_policies.to_vec()
    };
    let validator =
        TokenValidator::new(ValidatorConfig { origin: origin.to_owned(), trusted_cas, disallowed_policies })?;
    let result = async {
        let token = AuthToken::parse(token.trim())?;
        let (certificate, issuer) = validator.check_certificate(&token, at)?;
        if let Some(ocsp) = ocsp {
            ocsp.check(&certificate, issuer, at).await?;
        }
        validator.check_signature(&token, certificate, nonce)
    }
    .await;
    Ok(match result {
        Ok(validated) => {
            let identity = &validated.identity;
            let certificate = &validated.certificate;
            VerifyOutcome {
                valid: true,
                report: serde_json::json!({
                    "valid": true,
                    "personal_code": identity.personal_code().map(|(_, code)| code),
                    "country": identity.country,
                    "given_name": identity.given_name,
                    "surname": identity.surname,
                    "common_name": identity.common_name,
                    "serial_number": identity.serial_number,
                    "algorithm": validated.algorithm.name(),
                    "certificate": {
                        "subject": certificate.subject(),
                        "issuer": certificate.issuer(),
                        "not_before": certificate.not_before(),
                        "not_after": certificate.not_after(),
                    },
                    "validated_at": at,
                }),
            }
        }
        Err(error) => VerifyOutcome {
            valid: false,
            report: serde_json::json!({
                "valid": false,
                "code": error.code(),
                "web_eid_error": error.web_eid_name(),
                "reason": error.to_string(),
                "validated_at": at,
            }),
        },
    })
}
