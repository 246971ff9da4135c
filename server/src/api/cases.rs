//! The case registry's API: institutions look up and move on the cases they hold or provide and
//! follow their changes; desks pull their centre's case feed; citizens list their own cases at a
//! kiosk. Every read of a case by an institution or a citizen is recorded in the audit log.

use axum::{
    Json,
    extract::{Path, Query, State},
    http::StatusCode,
};
use domain::Role;
use protocol::{
    CasePage, CaseRecordDto, CitizenCases, ErrorBody, InstitutionStatusRequest, MAX_CASE_PAGE, error_codes,
};
use serde::Deserialize;

use super::extract::AuthenticatedDevice;
use super::{AppState, AuthenticatedUser, catalogue::AuthenticatedInstitution, error::ApiError, extract::ApiJson};
use crate::audit::NewAuditEntry;
use crate::cases::{self, InstitutionCaseError};
use crate::store::CaseScope;

impl From<InstitutionCaseError> for ApiError {
    fn from(error: InstitutionCaseError) -> Self {
        let message = error.to_string();
        match error {
            InstitutionCaseError::NotFound(_) => ApiError::new(StatusCode::NOT_FOUND, error_codes::NOT_FOUND, message),
            InstitutionCaseError::MovedOn { .. } => {
                ApiError::new(StatusCode::CONFLICT, error_codes::VERSION_CONFLICT, message)
                    .with_field("expected_status")
            }
            InstitutionCaseError::Rules(_) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, error_codes::VALIDATION, message).with_field("status")
            }
            InstitutionCaseError::Store(e) => e.into(),
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CaseFeedQuery {
    /// The last position applied (0 at first).
    #[serde(default)]
    pub after: i64,
    /// At most this many cases (default and maximum 1,000).
    pub limit: Option<u32>,
}

impl CaseFeedQuery {
    fn checked(&self) -> Result<(i64, u32), ApiError> {
        if self.after < 0 {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                error_codes::VALIDATION,
                "after must be 0 or more",
            )
            .with_field("after"));
        }
        Ok((self.after, self.limit.unwrap_or(MAX_CASE_PAGE).clamp(1, MAX_CASE_PAGE)))
    }
}

/// Records an access in the audit log.
async fn record_access(
    state: &AppState,
    actor: String,
    action: &str,
    subject: String,
    detail: String,
) -> Result<(), ApiError> {
    let entry = NewAuditEntry::new((state.clock)(), actor, action, subject, detail);
    crate::audit::record(state.store.as_ref(), entry).await?;
    Ok(())
}

/// The case feed for a desk: its centre's cases written after a position, oldest write first,
/// each at its current state (status changes by institutions included).
#[utoipa::path(get, path = "/v1/sync/cases",
    params(CaseFeedQuery, ("pietura-protocol" = u32, Header)),
    security(("device" = [])),
    responses((status = 200, body = CasePage), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn device_feed(
    State(state): State<AppState>,
    AuthenticatedDevice(device): AuthenticatedDevice,
    Query(query): Query<CaseFeedQuery>,
) -> Result<Json<CasePage>, ApiError> {
    let (after, limit) = query.checked()?;
    if device.kind != domain::DeviceKind::Desk {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            error_codes::FORBIDDEN,
            "only desks keep their centre's cases",
        ));
    }
    Ok(Json(cases::case_page(state.store.as_ref(), CaseScope::Centre(device.centre.id), after, limit).await?))
}

/// Change notifications for an institution: the cases it holds or provides, written after a
/// position, oldest write first, each at its current state.
#[utoipa::path(get, path = "/v1/institution/cases",
    params(CaseFeedQuery, ("pietura-protocol" = u32, Header)),
    security(("institution_key" = [])),
    responses((status = 200, body = CasePage), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn institution_feed(
    State(state): State<AppState>,
    AuthenticatedInstitution(_, institution): AuthenticatedInstitution,
    Query(query): Query<CaseFeedQuery>,
) -> Result<Json<CasePage>, ApiError> {
    let (after, limit) = query.checked()?;
    let page =
        cases::case_page(state.store.as_ref(), CaseScope::Institution(institution.clone()), after, limit).await?;
    if !page.cases.is_empty() {
        let numbers: Vec<String> = page.cases.iter().map(|c| c.case.number.to_string()).collect();
        record_access(&state, format!("institution:{institution}"), "case_feed_read", numbers.join(" "), String::new())
            .await?;
    }
    Ok(Json(page))
}

/// The submissions of an e-form whose service the institution holds, oldest first, each with
/// its case number and its `application.json`: their system takes the data without reading mail.
#[utoipa::path(get, path = "/v1/forms/{form}/submissions",
    params(("form" = String, Path, description = "The form's id (IRI)"), CaseFeedQuery, ("pietura-protocol" = u32, Header)),
    security(("institution_key" = [])),
    responses((status = 200, body = protocol::FormSubmissionPage), (status = 401, body = ErrorBody),
        (status = 404, description = "No such form of the institution's", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn form_submissions(
    State(state): State<AppState>,
    AuthenticatedInstitution(_, institution): AuthenticatedInstitution,
    Path(form): Path<String>,
    Query(query): Query<CaseFeedQuery>,
) -> Result<Json<protocol::FormSubmissionPage>, ApiError> {
    let (after, limit) = query.checked()?;
    let page =
        crate::submissions::feed(state.store.as_ref(), &institution, &form, after, limit).await.map_err(|error| {
            match error {
                crate::submissions::SubmissionFeedError::NotFound(_) => {
                    ApiError::new(StatusCode::NOT_FOUND, error_codes::NOT_FOUND, error.to_string())
                }
                crate::submissions::SubmissionFeedError::Store(e) => e.into(),
            }
        })?;
    if !page.submissions.is_empty() {
        let numbers: Vec<String> = page.submissions.iter().map(|s| s.case_number.clone()).collect();
        record_access(&state, format!("institution:{institution}"), "form_submissions_read", numbers.join(" "), form)
            .await?;
    }
    Ok(Json(page))
}

/// The application PDF of one submission (the applicant's PAdES signature in it when the form
/// version asks for one), beside the feed's `application.json`.
#[utoipa::path(get, path = "/v1/forms/{form}/submissions/{id}/application.pdf",
    params(("form" = String, Path, description = "The form's id (IRI)"), ("id" = Uuid, Path), ("pietura-protocol" = u32, Header)),
    security(("institution_key" = [])),
    responses((status = 200, description = "The PDF", content_type = "application/pdf"), (status = 401, body = ErrorBody),
        (status = 404, description = "No such submission of the institution's form", body = ErrorBody)))]
pub async fn form_submission_pdf(
    State(state): State<AppState>,
    AuthenticatedInstitution(_, institution): AuthenticatedInstitution,
    Path((form, id)): Path<(String, uuid::Uuid)>,
) -> Result<axum::response::Response, ApiError> {
    let now = (state.clock)();
    let pdf =
        crate::submissions::application_pdf(state.store.as_ref(), &state.attachments, &institution, &form, id, now)
            .await
            .map_err(|error| match error {
                crate::submissions::SubmissionFeedError::NotFound(_) => ApiError::new(
                    StatusCode::NOT_FOUND,
                    error_codes::NOT_FOUND,
                    format!("no submission {id} of form {form} of yours"),
                ),
                crate::submissions::SubmissionFeedError::Store(e) => e.into(),
            })?;
    Ok(axum::response::IntoResponse::into_response(([(axum::http::header::CONTENT_TYPE, "application/pdf")], pdf)))
}

/// One case the institution holds or provides, by its number.
#[utoipa::path(get, path = "/v1/cases/{number}",
    params(("number" = String, Path, description = "The case number, e.g. RCV-03-26-0042"), ("pietura-protocol" = u32, Header)),
    security(("institution_key" = [])),
    responses((status = 200, body = CaseRecordDto), (status = 401, body = ErrorBody),
        (status = 404, description = "No such case of this institution's", body = ErrorBody)))]
pub async fn get_case(
    State(state): State<AppState>,
    AuthenticatedInstitution(_, institution): AuthenticatedInstitution,
    Path(number): Path<String>,
) -> Result<Json<CaseRecordDto>, ApiError> {
    let (case, seq) = cases::case_for_institution(state.store.as_ref(), &institution, &number).await?;
    record_access(&state, format!("institution:{institution}"), "case_read", case.number.to_string(), String::new())
        .await?;
    Ok(Json(CaseRecordDto { seq, case }))
}

/// Moves a case the institution holds or provides on (the case's state machine decides).
#[utoipa::path(post, path = "/v1/cases/{number}/status", request_body = InstitutionStatusRequest,
    params(("number" = String, Path), ("pietura-protocol" = u32, Header)),
    security(("institution_key" = [])),
    responses((status = 200, description = "The case as it now stands", body = CaseRecordDto),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "The case is no longer at expected_status", body = ErrorBody),
        (status = 422, description = "The case cannot go to that status from where it is", body = ErrorBody)))]
pub async fn change_status(
    State(state): State<AppState>,
    AuthenticatedInstitution(_, institution): AuthenticatedInstitution,
    Path(number): Path<String>,
    ApiJson(request): ApiJson<InstitutionStatusRequest>,
) -> Result<Json<CaseRecordDto>, ApiError> {
    let now = (state.clock)();
    let (case, changed) =
        cases::change_status_by_institution(state.store.as_ref(), &institution, &number, request, now).await?;
    if changed {
        let status = case.history.last().map(|c| c.status);
        tracing::info!(%institution, number = %case.number, ?status, "case status changed by institution");
        let detail = status.map(|s| format!("{s:?}")).unwrap_or_default();
        record_access(&state, format!("institution:{institution}"), "case_status", case.number.to_string(), detail)
            .await?;
    }
    let (case, seq) = cases::case_for_institution(state.store.as_ref(), &institution, &number).await?;
    Ok(Json(CaseRecordDto { seq, case }))
}

impl From<cases::OwnChannelCaseError> for ApiError {
    fn from(error: cases::OwnChannelCaseError) -> Self {
        use cases::OwnChannelCaseError as E;
        let message = error.to_string();
        match error {
            E::Invalid { field, .. } => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, error_codes::VALIDATION, message).with_field(field)
            }
            E::Forbidden(_) => ApiError::new(StatusCode::FORBIDDEN, error_codes::FORBIDDEN, message),
            E::NoCaseCode => ApiError::new(StatusCode::CONFLICT, error_codes::VALIDATION, message),
            E::OwnIdTaken(_) => {
                ApiError::new(StatusCode::CONFLICT, error_codes::CONFLICT, message).with_field("own_id")
            }
            E::Store(e) => e.into(),
        }
    }
}

/// An institution registers a case of one of its own channels (in person at the institution,
/// phone, post, e-mail, e-address, e-service, app), numbered by the server like a centre's cases
/// and counted in the open data by channel. Sending the same `own_id` again answers the case
/// registered then (200) instead of a new one (201).
#[utoipa::path(post, path = "/v1/cases", request_body = protocol::InstitutionCaseRequest,
    params(("pietura-protocol" = u32, Header)),
    security(("institution_key" = [])),
    responses((status = 201, description = "Registered", body = protocol::InstitutionCaseRecord),
        (status = 200, description = "Registered before under this own_id", body = protocol::InstitutionCaseRecord),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not a competent authority of the service", body = ErrorBody),
        (status = 409, description = "The own_id names another case, or the institution has no case code", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn register_own_channel_case(
    State(state): State<AppState>,
    AuthenticatedInstitution(_, institution): AuthenticatedInstitution,
    ApiJson(request): ApiJson<protocol::InstitutionCaseRequest>,
) -> Result<(StatusCode, Json<protocol::InstitutionCaseRecord>), ApiError> {
    let now = (state.clock)();
    let (case, created) = cases::register_for_institution(state.store.as_ref(), &institution, request, now).await?;
    if created {
        tracing::info!(%institution, number = %case.number, channel = %case.channel, "own-channel case registered");
    }
    Ok((if created { StatusCode::CREATED } else { StatusCode::OK }, Json(case)))
}

/// A citizen's own cases (a citizen's session at a kiosk), the newest first, at most 100.
#[utoipa::path(get, path = "/v1/citizen/cases",
    params(("pietura-protocol" = u32, Header), ("pietura-session" = String, Header)),
    security(("device" = [])),
    responses((status = 200, body = CitizenCases), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn citizen_cases(
    State(state): State<AppState>,
    user: AuthenticatedUser,
) -> Result<Json<CitizenCases>, ApiError> {
    user.require(&[Role::Citizen])?;
    let cases = cases::citizen_cases(state.store.as_ref(), &user.session.personal_code).await?;
    record_access(
        &state,
        format!("person:{}", user.session.personal_code),
        "citizen_cases_read",
        format!("person:{}", user.session.personal_code),
        format!("{} cases shown on device {}", cases.len(), user.device.id),
    )
    .await?;
    Ok(Json(CitizenCases { cases }))
}
