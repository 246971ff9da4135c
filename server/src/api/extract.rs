//! Extractors whose rejections are [`ApiError`]s, so every failure has the same JSON shape.

use axum::{
    extract::{FromRequest, FromRequestParts},
    http::{header::AUTHORIZATION, request::Parts},
};
use protocol::DeviceCredentials;

use super::{AppState, error::ApiError};
use crate::devices::{self, AuthError};
use crate::store::Device;

/// A JSON body; malformed or mistyped bodies become 400/422 [`ApiError`]s.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// A device authenticated by its `Authorization: Bearer <id>.<secret>` header.
pub struct AuthenticatedDevice(pub Device);

impl FromRequestParts<AppState> for AuthenticatedDevice {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let credentials = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(DeviceCredentials::from_authorization_header)
            .ok_or(AuthError::Missing)?;
        let version = parts
            .headers
            .get(axum::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .and_then(devices::reported_version);
        // A report that cannot be read is no report: the device's outbox is its own business.
        let outbox = parts
            .headers
            .get(protocol::OUTBOX_HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(protocol::OutboxReport::parse);
        let device = devices::authenticate(state.store.as_ref(), &credentials, version, outbox, (state.clock)())
            .await
            .inspect_err(|e| {
                tracing::warn!(device = %credentials.device_id, error = %e, "device authentication failed");
            })?;
        Ok(Self(device))
    }
}
