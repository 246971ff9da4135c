//! Open data: service provision, e-address KPIs and directory, and the DCAT-AP catalogue (closed months only, nothing personal).

use super::*;
use axum::extract::{Path, Query};
use protocol::error_codes;

/// How a CSV is wanted.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
pub(super) struct CsvQuery {
    /// `true`: a UTF-8 byte order mark first, so that spreadsheet programs read the Latvian
    /// letters right.
    #[serde(default)]
    bom: bool,
}

fn csv_response(csv: String, query: &CsvQuery) -> Response {
    (
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8"), OPEN_DATA_CACHE_CONTROL],
        crate::open_data::with_optional_bom(csv, query.bom),
    )
        .into_response()
}

/// Service-provision statistics as CSV: month × service × institution × centre × channel ×
/// kind; counts below 5 withheld; no personal data. Public.
#[utoipa::path(get, path = "/open-data/service-provision.csv", params(CsvQuery),
    responses((status = 200, description = "RFC 4180 CSV, UTF-8", content_type = "text/csv")))]
pub(super) async fn provision_csv(
    State(state): State<AppState>,
    Query(query): Query<CsvQuery>,
) -> Result<Response, ApiError> {
    let (_, rows) = provision(&state).await?;
    Ok(csv_response(crate::open_data::to_csv(&rows), &query))
}

pub(super) async fn service_times(
    state: &AppState,
) -> Result<(chrono::DateTime<chrono::Utc>, Arc<Vec<crate::open_data::ServiceTimeRow>>), ApiError> {
    let (store, now) = (state.store.clone(), (state.clock)());
    Ok(state
        .open_data
        .service_times
        .get(now, || async move { crate::open_data::service_time_rows(store.as_ref(), now).await })
        .await?)
}

/// Waiting and service times (minutes: median, 90th percentile) by month × centre; centres with
/// fewer than 5 cases in a month withheld; no personal data. Public.
#[utoipa::path(get, path = "/open-data/service-times.csv", params(CsvQuery),
    responses((status = 200, description = "RFC 4180 CSV, UTF-8", content_type = "text/csv")))]
pub(super) async fn service_times_csv(
    State(state): State<AppState>,
    Query(query): Query<CsvQuery>,
) -> Result<Response, ApiError> {
    let (_, rows) = service_times(&state).await?;
    Ok(csv_response(crate::open_data::service_times_to_csv(&rows), &query))
}

/// The waiting and service times as JSON (withheld values are null). Public.
#[utoipa::path(get, path = "/open-data/service-times.json",
    responses((status = 200, description = "The rows, and how small groups are withheld")))]
pub(super) async fn service_times_json(State(state): State<AppState>) -> Result<Response, ApiError> {
    let (computed_at, rows) = service_times(&state).await?;
    Ok(([OPEN_DATA_CACHE_CONTROL], Json(crate::open_data::service_times_to_json(&rows, computed_at))).into_response())
}

/// Caches may keep an open data set as long as the server does.
pub(super) const OPEN_DATA_CACHE_CONTROL: (header::HeaderName, &str) = (header::CACHE_CONTROL, "public, max-age=300");

pub(super) async fn provision(
    state: &AppState,
) -> Result<(chrono::DateTime<chrono::Utc>, Arc<Vec<crate::open_data::ProvisionRow>>), ApiError> {
    let (store, now) = (state.store.clone(), (state.clock)());
    Ok(state
        .open_data
        .provision
        .get(now, || async move { crate::open_data::provision_rows(store.as_ref(), now).await })
        .await?)
}

pub(super) async fn eaddress_kpis(
    state: &AppState,
) -> Result<(chrono::DateTime<chrono::Utc>, Arc<crate::open_data::EaddressKpis>), ApiError> {
    let (store, now) = (state.store.clone(), (state.clock)());
    Ok(state
        .open_data
        .eaddress
        .get(now, || async move { crate::open_data::eaddress_kpis(store.as_ref(), now).await })
        .await?)
}

/// The same statistics as JSON (withheld counts are null). Public.
#[utoipa::path(get, path = "/open-data/service-provision.json",
    responses((status = 200, description = "The rows, and how small counts are withheld")))]
pub(super) async fn provision_json(State(state): State<AppState>) -> Result<Response, ApiError> {
    let (computed_at, rows) = provision(&state).await?;
    Ok(([OPEN_DATA_CACHE_CONTROL], Json(crate::open_data::to_json(&rows, computed_at))).into_response())
}

/// E-address KPIs as CSV: messages sent, delivered, read, hours to read (median, 90th
/// percentile) by month × sending institution; small groups withheld; no personal data. Public.
#[utoipa::path(get, path = "/open-data/eaddress-kpi.csv", params(CsvQuery),
    responses((status = 200, description = "RFC 4180 CSV, UTF-8", content_type = "text/csv")))]
pub(super) async fn eaddress_kpi_csv(
    State(state): State<AppState>,
    Query(query): Query<CsvQuery>,
) -> Result<Response, ApiError> {
    let (_, kpis) = eaddress_kpis(&state).await?;
    Ok(csv_response(crate::open_data::kpis_to_csv(&kpis.0), &query))
}

/// The e-address KPIs as JSON, with active mailboxes by kind. Public.
#[utoipa::path(get, path = "/open-data/eaddress-kpi.json", responses((status = 200, description = "The rows")))]
pub(super) async fn eaddress_kpi_json(State(state): State<AppState>) -> Result<Response, ApiError> {
    let (computed_at, kpis) = eaddress_kpis(&state).await?;
    Ok(([OPEN_DATA_CACHE_CONTROL], Json(crate::open_data::kpis_to_json(&kpis.0, &kpis.1, computed_at))).into_response())
}

/// The e-address catalogue as CSV: institutions' active mailboxes (address, name). Public; the
/// same as `GET /v1/eaddress/directory`.
#[utoipa::path(get, path = "/open-data/eaddress-directory.csv", params(CsvQuery),
    responses((status = 200, description = "RFC 4180 CSV, UTF-8", content_type = "text/csv")))]
pub(super) async fn eaddress_directory_csv(
    State(state): State<AppState>,
    Query(query): Query<CsvQuery>,
) -> Result<Response, ApiError> {
    let accounts = state.store.institution_directory().await?;
    Ok(csv_response(crate::open_data::directory_to_csv(&accounts), &query))
}

/// One open data set's own DCAT-AP description, at the IRI the catalogue gives it. Public.
#[utoipa::path(get, path = "/open-data/{dataset}",
    params(("dataset" = String, Path, description = "service-provision, service-times, eaddress-directory or eaddress-kpi")),
    responses((status = 200, description = "DCAT-AP JSON-LD", content_type = "application/ld+json"),
        (status = 404, body = ErrorBody)))]
pub(super) async fn open_data_set(
    State(state): State<AppState>,
    Path(dataset): Path<String>,
    headers: axum::http::HeaderMap,
) -> Result<Response, ApiError> {
    let body = crate::open_data::dataset(&base_url(&headers), &dataset, (state.clock)()).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            error_codes::NOT_FOUND,
            format!("there is no open data set {dataset:?}: /open-data/catalog.jsonld lists them"),
        )
    })?;
    Ok(([(header::CONTENT_TYPE, "application/ld+json"), OPEN_DATA_CACHE_CONTROL], body.to_string()).into_response())
}

/// The server's address as the client reached it (behind a proxy, the scheme it forwarded).
fn base_url(headers: &axum::http::HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("localhost");
    let scheme = headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).unwrap_or("http");
    format!("{scheme}://{host}")
}

/// The DCAT-AP description of the open data sets. Public.
#[utoipa::path(get, path = "/open-data/catalog.jsonld",
    responses((status = 200, description = "DCAT-AP JSON-LD", content_type = "application/ld+json")))]
pub(super) async fn open_data_catalog(State(state): State<AppState>, headers: axum::http::HeaderMap) -> Response {
    let body = crate::open_data::catalog(&base_url(&headers), (state.clock)());
    ([(header::CONTENT_TYPE, "application/ld+json")], body.to_string()).into_response()
}
