//! Workshops on a training server: a trainer logged in at one of the training centre's desks
//! opens workshops, follows every seat's progress and starts seats again. The centre is the
//! desk's own; a real server has no workshops at all.

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use domain::{DeviceKind, Role};
use protocol::{
    ErrorBody, NewWorkshopRequest, ResetRequest, TrainingCard, TrainingCardRequest, TrainingScenarios, WorkshopList,
    WorkshopView, error_codes,
};
use uuid::Uuid;

use super::{AppState, auth::AuthenticatedUser, error::ApiError, extract::ApiJson, extract::AuthenticatedDevice};
use crate::environment::Environment;
use crate::training::{self, WorkshopError};

/// A trainer at a desk of a training server.
struct Trainer(AuthenticatedUser);

impl Trainer {
    fn of(state: &AppState, user: AuthenticatedUser) -> Result<Self, ApiError> {
        if state.environment != Environment::Training {
            return Err(WorkshopError::NotTraining.into());
        }
        user.require(&[Role::Trainer])?;
        if user.device.kind != DeviceKind::Desk {
            return Err(ApiError::new(StatusCode::FORBIDDEN, error_codes::FORBIDDEN, "workshops are run from desks"));
        }
        Ok(Self(user))
    }

    fn code(&self) -> &str {
        &self.0.session.personal_code
    }
}

impl From<WorkshopError> for ApiError {
    fn from(error: WorkshopError) -> Self {
        let message = error.to_string();
        match error {
            WorkshopError::NotTraining => ApiError::new(StatusCode::NOT_FOUND, "not_in_training", message),
            WorkshopError::Seats => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, error_codes::VALIDATION, message).with_field("seats")
            }
            WorkshopError::NoScenarios | WorkshopError::UnknownScenario(_) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, error_codes::VALIDATION, message)
                    .with_field("scenarios")
            }
            WorkshopError::NotFound | WorkshopError::NoSeat(_) | WorkshopError::NotAPerson(_) => {
                ApiError::new(StatusCode::NOT_FOUND, error_codes::NOT_FOUND, message)
            }
            WorkshopError::Busy => ApiError::new(StatusCode::CONFLICT, error_codes::CONFLICT, message),
            WorkshopError::Device(e) => e.into(),
            // A seat's clerk is a valid code and the role a staff one: only the store can fail.
            WorkshopError::Grant(crate::login::GrantError::Store(e)) => e.into(),
            WorkshopError::Grant(other) => ApiError::internal(&other),
            WorkshopError::Store(e) => e.into(),
            WorkshopError::Background(_) => ApiError::internal(&error),
        }
    }
}

/// The scenarios this training server offers.
#[utoipa::path(get, path = "/v1/training/scenarios", params(("pietura-protocol" = u32, Header)),
    security(("device" = []), ("session" = [])),
    responses((status = 200, body = TrainingScenarios), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "Not a training server", body = ErrorBody)))]
pub async fn scenarios(
    State(state): State<AppState>,
    user: AuthenticatedUser,
) -> Result<Json<TrainingScenarios>, ApiError> {
    Trainer::of(&state, user)?;
    Ok(Json(TrainingScenarios { scenarios: training::scenarios().to_vec() }))
}

/// The centre's workshops, the newest first.
#[utoipa::path(get, path = "/v1/training/workshops", params(("pietura-protocol" = u32, Header)),
    security(("device" = []), ("session" = [])),
    responses((status = 200, body = WorkshopList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn workshops(State(state): State<AppState>, user: AuthenticatedUser) -> Result<Json<WorkshopList>, ApiError> {
    let trainer = Trainer::of(&state, user)?;
    Ok(Json(training::workshops(state.store.as_ref(), &trainer.0.device.centre).await?))
}

/// Opens a workshop: a desk per seat (its one-time enrollment code in this answer only), a
/// training clerk per seat, a training customer per seat and scenario.
#[utoipa::path(post, path = "/v1/training/workshops", params(("pietura-protocol" = u32, Header)),
    security(("device" = []), ("session" = [])), request_body = NewWorkshopRequest,
    responses((status = 201, body = WorkshopView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn open(
    State(state): State<AppState>,
    user: AuthenticatedUser,
    ApiJson(request): ApiJson<NewWorkshopRequest>,
) -> Result<(StatusCode, Json<WorkshopView>), ApiError> {
    let trainer = Trainer::of(&state, user)?;
    let now = (state.clock)();
    let store = state.store.as_ref();
    let mail = training::Mail { attachments: &state.attachments, calendar: &state.calendar };
    let view = training::open_workshop(
        store,
        &mail,
        &trainer.0.device.centre,
        trainer.code(),
        &request,
        state.enrollment_code_ttl,
        now,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// A workshop with every seat's progress through each scenario's steps.
#[utoipa::path(get, path = "/v1/training/workshops/{id}", params(("pietura-protocol" = u32, Header), ("id" = Uuid, Path)),
    security(("device" = []), ("session" = [])),
    responses((status = 200, body = WorkshopView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn workshop(
    State(state): State<AppState>,
    user: AuthenticatedUser,
    Path(id): Path<Uuid>,
) -> Result<Json<WorkshopView>, ApiError> {
    let trainer = Trainer::of(&state, user)?;
    Ok(Json(training::workshop(state.store.as_ref(), &trainer.0.device.centre, id).await?))
}

/// Starts one seat, or every seat, again: what was done before no longer counts.
#[utoipa::path(post, path = "/v1/training/workshops/{id}/reset", params(("pietura-protocol" = u32, Header), ("id" = Uuid, Path)),
    security(("device" = []), ("session" = [])), request_body = ResetRequest,
    responses((status = 200, body = WorkshopView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn reset(
    State(state): State<AppState>,
    user: AuthenticatedUser,
    Path(id): Path<Uuid>,
    ApiJson(request): ApiJson<ResetRequest>,
) -> Result<Json<WorkshopView>, ApiError> {
    let trainer = Trainer::of(&state, user)?;
    let now = (state.clock)();
    Ok(Json(
        training::reset(state.store.as_ref(), &trainer.0.device.centre, trainer.code(), id, request.seat, now).await?,
    ))
}

/// A training person's card for a training device's in-process reader (asked before anyone is
/// logged in: the trainee logs in with it). For a desk of a training server, only for that desk's
/// centre's training people; for a training kiosk, only for its centre's workshop customers (a
/// kiosk serves citizens, never staff).
#[utoipa::path(post, path = "/v1/training/cards", params(("pietura-protocol" = u32, Header)),
    security(("device" = [])), request_body = TrainingCardRequest,
    responses((status = 201, body = TrainingCard), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn card(
    State(state): State<AppState>,
    AuthenticatedDevice(device): AuthenticatedDevice,
    ApiJson(request): ApiJson<TrainingCardRequest>,
) -> Result<(StatusCode, Json<TrainingCard>), ApiError> {
    let Some(ca) = state.training_ca.as_ref().filter(|_| state.environment == Environment::Training) else {
        return Err(WorkshopError::NotTraining.into());
    };
    let customers_only = match device.kind {
        DeviceKind::Desk => false,
        DeviceKind::Kiosk => true,
    };
    let now = (state.clock)();
    let card =
        training::issue_card(state.store.as_ref(), ca, &device.centre, &request.personal_code, customers_only, now)
            .await?;
    tracing::info!(device = %device.id, "a training card was issued");
    Ok((StatusCode::CREATED, Json(card)))
}
