//! The one error type of the HTTP boundary: a status, a stable code, a message, maybe a field.

use axum::{
    Json,
    extract::rejection::JsonRejection,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use protocol::{ErrorBody, VersionError, error_codes};

use crate::devices::{AuthError, DeviceError};
use crate::store::StoreError;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
    pub problems: Vec<protocol::ProblemDto>,
    /// Seconds for a `Retry-After` header.
    pub retry_after_secs: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), field: None, problems: Vec::new(), retry_after_secs: None }
    }

    pub(crate) fn internal(detail: &dyn std::fmt::Display) -> Self {
        // The detail goes to the log only: clients learn nothing about the internals.
        tracing::error!(error = %detail, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            error_codes::INTERNAL,
            "internal error; the server log has details",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let retry_after = self.retry_after_secs;
        let body =
            ErrorBody { code: self.code.to_owned(), message: self.message, field: self.field, problems: self.problems };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = retry_after {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        let status = rejection.status();
        let code = match status {
            StatusCode::UNPROCESSABLE_ENTITY => error_codes::VALIDATION,
            StatusCode::PAYLOAD_TOO_LARGE => error_codes::TOO_LARGE,
            _ => error_codes::BAD_REQUEST,
        };
        ApiError::new(status, code, rejection.body_text())
    }
}

impl From<VersionError> for ApiError {
    fn from(error: VersionError) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, error_codes::PROTOCOL_MISMATCH, error.to_string())
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        let message = error.to_string();
        match error {
            StoreError::VersionConflict { .. } => {
                ApiError::new(StatusCode::CONFLICT, error_codes::VERSION_CONFLICT, message).with_field("version")
            }
            StoreError::Conflict { .. } | StoreError::DeviceNotWaiting(_) => {
                ApiError::new(StatusCode::CONFLICT, error_codes::CONFLICT, message)
            }
            StoreError::NotFound { .. } => ApiError::new(StatusCode::NOT_FOUND, error_codes::NOT_FOUND, message),
            StoreError::EnrollmentCodeUnknown => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, error_codes::ENROLLMENT_CODE_UNKNOWN, message)
                    .with_field("enrollment_code")
            }
            StoreError::EnrollmentCodeExpired => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, error_codes::ENROLLMENT_CODE_EXPIRED, message)
                    .with_field("enrollment_code")
            }
            StoreError::EnrollmentCodeUsed => {
                ApiError::new(StatusCode::CONFLICT, error_codes::ENROLLMENT_CODE_USED, message)
                    .with_field("enrollment_code")
            }
            StoreError::Unavailable(_) => {
                tracing::error!(%error, "database unavailable");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    error_codes::UNAVAILABLE,
                    "the database is unavailable; try again shortly",
                )
            }
            StoreError::Corrupt(_) => ApiError::internal(&error),
        }
    }
}

impl From<DeviceError> for ApiError {
    fn from(error: DeviceError) -> Self {
        match error {
            DeviceError::Validation(e) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, error_codes::VALIDATION, e.to_string())
                    .with_field(e.field)
            }
            DeviceError::Code(e) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, error_codes::ENROLLMENT_CODE_INVALID, e.to_string())
                    .with_field("enrollment_code")
            }
            DeviceError::NoSuchCentre(_) => {
                ApiError::new(StatusCode::NOT_FOUND, error_codes::NOT_FOUND, error.to_string())
            }
            DeviceError::Store(e) => e.into(),
            DeviceError::Random(_) => ApiError::internal(&error),
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(error: AuthError) -> Self {
        match error {
            AuthError::Missing | AuthError::Invalid => {
                ApiError::new(StatusCode::UNAUTHORIZED, error_codes::UNAUTHORISED, error.to_string())
            }
            AuthError::Revoked => ApiError::new(StatusCode::FORBIDDEN, error_codes::DEVICE_REVOKED, error.to_string()),
            AuthError::Store(e) => e.into(),
        }
    }
}

impl ApiError {
    /// `what` were too many ("wrong enrollment codes from this address").
    pub fn too_many_attempts(what: &str, wait: chrono::Duration) -> Self {
        let seconds = wait.num_seconds().max(1) as u64;
        let minutes = seconds.div_ceil(60);
        let mut error = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            error_codes::TOO_MANY_ATTEMPTS,
            format!("too many {what}; try again in {minutes} minutes"),
        );
        error.retry_after_secs = Some(seconds);
        error
    }

    /// Tells the client when to try again (`Retry-After`).
    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after_secs = Some(seconds);
        self
    }

    pub fn with_field(mut self, field: &str) -> Self {
        self.field = Some(field.to_owned());
        self
    }
}
