//! The centre administrator's API: an administrator logged in at one of the centre's desks sees
//! the centre's figures, staff and devices and changes its roles and devices. The centre is the
//! desk's own; nothing in a path or body can name another.

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use domain::{DeviceKind, Role};
use protocol::{
    CentreDashboard, CentreDevices, DeviceEnrollmentCode, ErrorBody, GrantRoleRequest, NewDeviceRequest, StaffList,
    error_codes,
};
use uuid::Uuid;

use super::{AppState, auth::AuthenticatedUser, error::ApiError, extract::ApiJson};
use crate::admin::{self, AdminError};

/// An administrator of the centre of the desk they are logged in at.
pub struct CentreAdmin(AuthenticatedUser);

impl CentreAdmin {
    fn of(user: AuthenticatedUser) -> Result<Self, ApiError> {
        user.require(&[Role::Admin])?;
        if user.device.kind != DeviceKind::Desk {
            return Err(ApiError::new(StatusCode::FORBIDDEN, error_codes::FORBIDDEN, "a centre is run from its desks"));
        }
        Ok(Self(user))
    }

    fn code(&self) -> &str {
        &self.0.session.personal_code
    }
}

impl From<AdminError> for ApiError {
    fn from(error: AdminError) -> Self {
        let message = error.to_string();
        match error {
            AdminError::PersonalCode(..) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, error_codes::VALIDATION, message)
                    .with_field("personal_code")
            }
            AdminError::Role(_) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, error_codes::VALIDATION, message).with_field("role")
            }
            AdminError::OwnAdminRole | AdminError::OwnDevice => {
                ApiError::new(StatusCode::CONFLICT, error_codes::CONFLICT, message)
            }
            AdminError::NoSuchDevice => ApiError::new(StatusCode::NOT_FOUND, error_codes::NOT_FOUND, message),
            AdminError::Device(e) => e.into(),
            AdminError::Store(e) => e.into(),
        }
    }
}

/// The centre's figures: cases today, this month and per day for 30 days, waiting and service
/// times, messages sent and read.
#[utoipa::path(get, path = "/v1/admin/dashboard", params(("pietura-protocol" = u32, Header)),
    security(("device" = []), ("session" = [])),
    responses((status = 200, body = CentreDashboard), (status = 401, body = ErrorBody),
        (status = 403, description = "Not an administrator at this desk's centre", body = ErrorBody)))]
pub async fn dashboard(
    State(state): State<AppState>,
    user: AuthenticatedUser,
) -> Result<Json<CentreDashboard>, ApiError> {
    let admin = CentreAdmin::of(user)?;
    Ok(Json(admin::dashboard(state.store.as_ref(), &admin.0.device.centre, (state.clock)()).await?))
}

/// The centre's staff and the newest logins on its devices.
#[utoipa::path(get, path = "/v1/admin/staff", params(("pietura-protocol" = u32, Header)),
    security(("device" = []), ("session" = [])),
    responses((status = 200, body = StaffList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn staff(State(state): State<AppState>, user: AuthenticatedUser) -> Result<Json<StaffList>, ApiError> {
    let admin = CentreAdmin::of(user)?;
    Ok(Json(admin::staff(state.store.as_ref(), &admin.0.device.centre).await?))
}

/// Grants a role at the centre (201; 200 when the person had it already).
#[utoipa::path(post, path = "/v1/admin/staff", params(("pietura-protocol" = u32, Header)),
    security(("device" = []), ("session" = [])), request_body = GrantRoleRequest,
    responses((status = 201, body = StaffList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, description = "Not a personal code or not a staff role", body = ErrorBody)))]
pub async fn grant(
    State(state): State<AppState>,
    user: AuthenticatedUser,
    ApiJson(request): ApiJson<GrantRoleRequest>,
) -> Result<(StatusCode, Json<StaffList>), ApiError> {
    let admin = CentreAdmin::of(user)?;
    let (store, centre, now) = (state.store.as_ref(), &admin.0.device.centre, (state.clock)());
    admin::grant(store, centre, admin.code(), &request.personal_code, &request.role, now).await?;
    Ok((StatusCode::CREATED, Json(admin::staff(store, centre).await?)))
}

/// Takes a role away at the centre; the person's sessions there end at once.
#[utoipa::path(delete, path = "/v1/admin/staff/{personal_code}/roles/{role}",
    params(("personal_code" = String, Path), ("role" = String, Path), ("pietura-protocol" = u32, Header)),
    security(("device" = []), ("session" = [])),
    responses((status = 204, description = "Taken away (or never held)"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, description = "One's own administrator role", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    user: AuthenticatedUser,
    Path((personal_code, role)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let admin = CentreAdmin::of(user)?;
    let (store, centre, now) = (state.store.as_ref(), &admin.0.device.centre, (state.clock)());
    admin::revoke(store, centre, admin.code(), &personal_code, &role, now).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The centre's devices: state, last contact, reported version.
#[utoipa::path(get, path = "/v1/admin/devices", params(("pietura-protocol" = u32, Header)),
    security(("device" = []), ("session" = [])),
    responses((status = 200, body = CentreDevices), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn devices(State(state): State<AppState>, user: AuthenticatedUser) -> Result<Json<CentreDevices>, ApiError> {
    let admin = CentreAdmin::of(user)?;
    let now = (state.clock)();
    let list = admin::centre_devices(state.store.as_ref(), admin.0.device.centre.id).await?;
    let versions = state.store.reported_versions().await?;
    let published: Vec<String> = state.store.list_releases().await?.into_iter().map(|r| r.version).collect();
    let newest =
        crate::devices::fleet_newest(versions.iter().map(String::as_str), published.iter().map(String::as_str));
    Ok(Json(CentreDevices { devices: list.iter().map(|d| admin::device_view(d, newest.as_deref(), now)).collect() }))
}

/// Adds a desk or kiosk to the centre and answers its one-time enrollment code.
#[utoipa::path(post, path = "/v1/admin/devices", params(("pietura-protocol" = u32, Header)),
    security(("device" = []), ("session" = [])), request_body = NewDeviceRequest,
    responses((status = 201, body = DeviceEnrollmentCode), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "A live device of the centre has that name", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn add_device(
    State(state): State<AppState>,
    user: AuthenticatedUser,
    ApiJson(request): ApiJson<NewDeviceRequest>,
) -> Result<(StatusCode, Json<DeviceEnrollmentCode>), ApiError> {
    let admin = CentreAdmin::of(user)?;
    let (store, centre, now) = (state.store.as_ref(), &admin.0.device.centre, (state.clock)());
    let (device, code) =
        admin::add_device(store, centre, admin.code(), request.kind, &request.name, state.enrollment_code_ttl, now)
            .await?;
    Ok((
        StatusCode::CREATED,
        Json(DeviceEnrollmentCode { device: admin::device_view(&device, None, now), code: code.to_string() }),
    ))
}

/// Revokes one of the centre's devices (not the desk the administrator works at).
#[utoipa::path(delete, path = "/v1/admin/devices/{id}",
    params(("id" = Uuid, Path), ("pietura-protocol" = u32, Header)),
    security(("device" = []), ("session" = [])),
    responses((status = 204, description = "Revoked (or was already)"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, description = "No such device at this centre", body = ErrorBody),
        (status = 409, description = "The administrator's own desk", body = ErrorBody)))]
pub async fn revoke_device(
    State(state): State<AppState>,
    user: AuthenticatedUser,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    let admin = CentreAdmin::of(user)?;
    let (store, centre, now) = (state.store.as_ref(), &admin.0.device.centre, (state.clock)());
    admin::revoke_device(store, centre, admin.code(), admin.0.device.id, id, now).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new enrollment code for one of the centre's devices that has not enrolled yet.
#[utoipa::path(post, path = "/v1/admin/devices/{id}/code",
    params(("id" = Uuid, Path), ("pietura-protocol" = u32, Header)),
    security(("device" = []), ("session" = [])),
    responses((status = 200, body = DeviceEnrollmentCode), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "The device has enrolled already", body = ErrorBody)))]
pub async fn renew_code(
    State(state): State<AppState>,
    user: AuthenticatedUser,
    Path(id): Path<Uuid>,
) -> Result<Json<DeviceEnrollmentCode>, ApiError> {
    let admin = CentreAdmin::of(user)?;
    let (store, centre, now) = (state.store.as_ref(), &admin.0.device.centre, (state.clock)());
    let (device, code) = admin::renew_code(store, centre, admin.code(), id, state.enrollment_code_ttl, now).await?;
    Ok(Json(DeviceEnrollmentCode { device: admin::device_view(&device, None, now), code: code.to_string() }))
}
