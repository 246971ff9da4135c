//! The HTTP API: a pure [`router`] over [`AppState`].

mod auth;
mod cases;
mod catalogue;
mod eaddress;
mod error;
mod extract;
mod metrics;
mod throttle;

use std::{net::SocketAddr, sync::Arc, time::Instant};

use axum::{
    Json, Router,
    extract::{ConnectInfo, DefaultBodyLimit, MatchedPath, Request, State},
    http::{HeaderValue, Method, StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{get, post, put},
};
use protocol::{
    ENROLL_PATH, EnrollRequest, EnrollResponse, ErrorBody, HELLO_PATH, HelloResponse, PROTOCOL_HEADER,
    PROTOCOL_VERSION, check_version,
};
use tracing::Instrument;
use utoipa::OpenApi;

pub use auth::AuthenticatedUser;
pub use error::ApiError;
use extract::{ApiJson, AuthenticatedDevice};
pub use metrics::Metrics;
pub use throttle::{FailureThrottle, Throttle};

/// Failed enrollment attempts an address may make before it must wait.
pub fn throttle_limit() -> usize {
    throttle::MAX_FAILURES
}

use crate::{
    clock::Clock,
    devices::{self, DeviceError},
    store::{Store, StoreError},
};

/// Everything a request handler may use.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub clock: Clock,
    pub metrics: Arc<Metrics>,
    pub enrollment_failures: Arc<FailureThrottle>,
    /// eID login, when configured.
    pub login: Option<Arc<crate::login::Login>>,
    /// Failed logins per device (a device must authenticate before it may try).
    pub login_failures: Arc<Throttle<uuid::Uuid>>,
    /// Login challenges per device.
    pub challenge_limit: Arc<Throttle<uuid::Uuid>>,
    /// The catalogue snapshot new devices start from.
    pub snapshots: Arc<crate::catalogue::snapshot::Snapshots>,
    /// E-address attachments' content.
    pub attachments: Arc<crate::eaddress::Attachments>,
    /// Working days, for when messages count as notified.
    pub calendar: Arc<domain::calendar::WorkingCalendar>,
    /// The open data sets, computed at most once per few minutes.
    pub open_data: Arc<crate::open_data::OpenDataCache>,
    /// Connections and how long a client may take.
    pub limits: crate::limits::ServeLimits,
    /// Each uploader's attachment content no message names yet, at most.
    pub upload_quota_bytes: u64,
}

impl AppState {
    /// The catalogue's editing rules over this state's store.
    pub fn catalogue(&self) -> crate::catalogue::Catalogue {
        crate::catalogue::Catalogue::new(self.store.clone())
    }

    pub fn new(store: Arc<dyn Store>, clock: Clock) -> Self {
        Self {
            store,
            clock,
            metrics: Arc::default(),
            enrollment_failures: Arc::default(),
            login: None,
            login_failures: Arc::new(Throttle::new(
                throttle::MAX_FAILURES,
                chrono::Duration::minutes(throttle::WINDOW_MINUTES),
            )),
            challenge_limit: Arc::new(Throttle::new(CHALLENGES_PER_WINDOW, chrono::Duration::minutes(5))),
            // A folder of this server's own unless told otherwise: snapshots of different
            // catalogues must never meet.
            snapshots: Arc::new(crate::catalogue::snapshot::Snapshots::new(
                std::env::temp_dir().join(format!("pietura-snapshots-{}", uuid::Uuid::new_v4().simple())),
            )),
            // In memory unless told otherwise (tests): a server configures a folder.
            attachments: Arc::new(crate::eaddress::Attachments::new(Arc::new(object_store::memory::InMemory::new()))),
            calendar: Arc::new(domain::calendar::WorkingCalendar::latvia()),
            open_data: Arc::default(),
            limits: crate::limits::ServeLimits::default(),
            upload_quota_bytes: crate::uploads::DEFAULT_QUOTA_BYTES,
        }
    }

    /// Another quota of attachment content no message names than the default.
    pub fn with_upload_quota(mut self, bytes: u64) -> Self {
        self.upload_quota_bytes = bytes;
        self
    }

    /// Other limits on clients than the defaults.
    pub fn with_limits(mut self, limits: crate::limits::ServeLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Keeps e-address attachments in `attachments`.
    pub fn with_attachments(mut self, attachments: crate::eaddress::Attachments) -> Self {
        self.attachments = Arc::new(attachments);
        self
    }

    /// Keeps e-address attachments in `dir`.
    pub fn with_attachment_dir(mut self, dir: &std::path::Path) -> Result<Self, crate::eaddress::MailboxError> {
        self.attachments = Arc::new(crate::eaddress::Attachments::in_folder(dir)?);
        Ok(self)
    }

    /// Keeps catalogue snapshots in `dir`.
    pub fn with_snapshot_dir(mut self, dir: std::path::PathBuf) -> Self {
        self.snapshots = Arc::new(crate::catalogue::snapshot::Snapshots::new(dir));
        self
    }

    pub fn with_login(mut self, login: Option<crate::login::Login>) -> Self {
        self.login = login.map(Arc::new);
        self
    }
}

/// How callers authenticate, as the paths' `security` names them: a device's credentials, a
/// person's session on that device (with the device's), an institution's API key.
struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "device",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("<device id>.<device secret>")
                    .description(Some("A device's credentials from its enrollment"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "pietura-session",
                "A card login's session token, with the device's credentials",
            ))),
        );
        components.add_security_scheme(
            "institution_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "`ApiKey <key>`: an institution's key from `pietura-server institution key`",
            ))),
        );
    }
}

/// Login challenges a device may ask for in five minutes (a clerk retrying a PIN needs a few).
const CHALLENGES_PER_WINDOW: usize = 30;

/// Bodies larger than this are refused before they are read.
const BODY_LIMIT_BYTES: usize = 64 * 1024;
/// Catalogue records may be larger: an article may hold 200 kB of Markdown.
const CATALOGUE_BODY_LIMIT_BYTES: usize = 1024 * 1024;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Pietura central server",
        description = "Catalogue, cases, e-address and sync for VPVKAC desks and library kiosks."
    ),
    paths(
        healthz,
        readyz,
        metrics_text,
        enroll,
        hello,
        push_outbox,
        message_states,
        provision_csv,
        provision_json,
        open_data_catalog,
        eaddress_kpi_csv,
        eaddress_directory_csv,
        eaddress_kpi_json,
        catalogue::get_service,
        catalogue::put_service,
        catalogue::retire_service,
        catalogue::put_organisation,
        catalogue::retire_organisation,
        catalogue::get_article,
        catalogue::put_article,
        catalogue::verify_article,
        catalogue::retire_article,
        catalogue::flag_article,
        catalogue::list_flags,
        catalogue::feed,
        catalogue::snapshot,
        cases::device_feed,
        cases::institution_feed,
        cases::get_case,
        cases::change_status,
        cases::citizen_cases,
        eaddress::mailboxes,
        eaddress::directory,
        eaddress::inbox,
        eaddress::sent,
        eaddress::send,
        eaddress::open,
        eaddress::delete,
        eaddress::attachment,
        eaddress::upload,
        eaddress::delegate,
        eaddress::delegations,
        eaddress::revoke,
        eaddress::accesses,
        eaddress::request_consent,
        eaddress::sign_consent,
        eaddress::end_consent,
        auth::challenge,
        auth::log_in,
        auth::session,
        auth::log_out
    ),
    components(schemas(
        EnrollRequest,
        EnrollResponse,
        HelloResponse,
        ErrorBody,
        protocol::CentreDto,
        protocol::ProblemDto,
        protocol::CataloguePage,
        protocol::CatalogueRecordDto,
        protocol::CatalogueKind,
        protocol::FlagRequest,
        protocol::ChallengeResponse,
        protocol::OutboxPush,
        protocol::OutboxEntryDto,
        protocol::OutboxReply,
        protocol::OutboxResult,
        protocol::CasePage,
        protocol::MessageStatesRequest,
        protocol::MessageStates,
        protocol::MessageStateDto,
        protocol::DeliveryStateDto,
        protocol::CaseRecordDto,
        protocol::CitizenCases,
        protocol::InstitutionStatusRequest,
        crate::eaddress::MessageView,
        crate::eaddress::DeliveryView,
        crate::eaddress::NewMessage,
        crate::eaddress::NewDelegation,
        protocol::MailboxDto,
        eaddress::AccessDto,
        eaddress::ConsentSignature,
        crate::eaddress::ConsentChallenge,
        crate::eaddress::ConsentRequest,
        protocol::LoginRequest,
        protocol::LoginResponse,
        protocol::SessionDto,
        protocol::PersonDto,
        catalogue::Written,
        catalogue::FlagDto
    )),
    modifiers(&SecuritySchemes)
)]
pub struct ApiDoc;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_text))
        .route("/openapi.json", get(openapi))
        .route(ENROLL_PATH, post(enroll))
        .route(HELLO_PATH, get(hello))
        .route("/open-data/service-provision.csv", get(provision_csv))
        .route("/open-data/service-provision.json", get(provision_json))
        .route("/open-data/catalog.jsonld", get(open_data_catalog))
        .route("/open-data/eaddress-kpi.csv", get(eaddress_kpi_csv))
        .route("/open-data/eaddress-directory.csv", get(eaddress_directory_csv))
        .route("/open-data/eaddress-kpi.json", get(eaddress_kpi_json))
        .route(protocol::OUTBOX_PATH, post(push_outbox).layer(DefaultBodyLimit::max(CATALOGUE_BODY_LIMIT_BYTES)))
        .route(protocol::CASE_FEED_PATH, get(cases::device_feed))
        .route(protocol::MESSAGE_STATES_PATH, post(message_states))
        .route(protocol::CITIZEN_CASES_PATH, get(cases::citizen_cases))
        .route("/v1/institution/cases", get(cases::institution_feed))
        .route("/v1/cases/{number}", get(cases::get_case))
        .route("/v1/cases/{number}/status", post(cases::change_status))
        .route("/v1/eaddress/mailboxes", get(eaddress::mailboxes))
        .route("/v1/eaddress/directory", get(eaddress::directory))
        .route("/v1/eaddress/mailboxes/{address}/inbox", get(eaddress::inbox))
        .route("/v1/eaddress/mailboxes/{address}/sent", get(eaddress::sent))
        .route("/v1/eaddress/mailboxes/{address}/messages", post(eaddress::send))
        .route("/v1/eaddress/mailboxes/{address}/messages/{id}", get(eaddress::open).delete(eaddress::delete))
        .route("/v1/eaddress/mailboxes/{address}/messages/{id}/attachments/{index}", get(eaddress::attachment))
        // Streamed: the handler reads the body itself, within its own limits.
        .route("/v1/eaddress/attachments/{sha256}", put(eaddress::upload))
        .route("/v1/eaddress/mailboxes/{address}/delegations", post(eaddress::delegate).get(eaddress::delegations))
        .route("/v1/eaddress/mailboxes/{address}/delegations/{id}", axum::routing::delete(eaddress::revoke))
        .route("/v1/eaddress/mailboxes/{address}/accesses", get(eaddress::accesses))
        .route("/v1/eaddress/consents", post(eaddress::request_consent))
        .route("/v1/eaddress/consents/{id}/signature", post(eaddress::sign_consent))
        .route("/v1/eaddress/consents/{id}", axum::routing::delete(eaddress::end_consent))
        .route(protocol::LOGIN_CHALLENGE_PATH, post(auth::challenge))
        .route(protocol::LOGIN_PATH, post(auth::log_in))
        .route(protocol::SESSION_PATH, get(auth::session))
        .route(protocol::LOGOUT_PATH, post(auth::log_out))
        .route(
            "/v1/sync/catalogue",
            get(catalogue::feed).layer(
                // The fastest level: JSON still shrinks about 6×, and the server spends little CPU.
                tower_http::compression::CompressionLayer::new()
                    .gzip(true)
                    .quality(tower_http::CompressionLevel::Fastest),
            ),
        )
        .route(protocol::CATALOGUE_SNAPSHOT_PATH, get(catalogue::snapshot))
        .route(
            "/v1/catalogue/services/{id}",
            get(catalogue::get_service)
                .put(catalogue::put_service)
                .delete(catalogue::retire_service)
                .layer(DefaultBodyLimit::max(CATALOGUE_BODY_LIMIT_BYTES)),
        )
        .route(
            "/v1/catalogue/organisations/{id}",
            put(catalogue::put_organisation)
                .delete(catalogue::retire_organisation)
                .layer(DefaultBodyLimit::max(CATALOGUE_BODY_LIMIT_BYTES)),
        )
        .route(
            "/v1/catalogue/articles/{id}",
            get(catalogue::get_article)
                .put(catalogue::put_article)
                .delete(catalogue::retire_article)
                .layer(DefaultBodyLimit::max(CATALOGUE_BODY_LIMIT_BYTES)),
        )
        .route("/v1/catalogue/articles/{id}/verify", post(catalogue::verify_article))
        .route("/v1/catalogue/articles/{id}/flags", post(catalogue::flag_article))
        .route("/v1/catalogue/flags", get(catalogue::list_flags))
        .fallback(not_found)
        .layer(middleware::from_fn(protocol_version))
        // A request (its body included) that takes longer gets 408; so does a body that pauses.
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(state.limits.body_idle_timeout))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            state.limits.request_timeout,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .with_state(state)
}

/// Every response says which protocol this server speaks; every `/v1` request must say the same.
async fn protocol_version(request: Request, next: Next) -> Response {
    let checked = if request.uri().path().starts_with("/v1/") {
        check_version(request.headers().get(PROTOCOL_HEADER).and_then(|v| v.to_str().ok()))
    } else {
        Ok(())
    };
    let mut response = match checked {
        Ok(()) => next.run(request).await,
        Err(e) => ApiError::from(e).into_response(),
    };
    response.headers_mut().insert(PROTOCOL_HEADER, HeaderValue::from(PROTOCOL_VERSION));
    response
}

/// A span per request named by route, and the request counted in the metrics.
async fn observe(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route =
        request.extensions().get::<MatchedPath>().map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    // A client may send any token as its method: only the standard ones become labels, or the
    // metrics would grow with every one an attacker makes up.
    let method = match *request.method() {
        Method::GET | Method::HEAD | Method::POST | Method::PUT | Method::DELETE | Method::PATCH | Method::OPTIONS => {
            request.method().as_str().to_owned()
        }
        _ => "other".to_owned(),
    };
    let is_api = request.uri().path().starts_with("/v1/");
    let span = tracing::info_span!("request", %method, %route);
    let started = Instant::now();
    let mut response = next.run(request).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    span.in_scope(|| tracing::debug!(status, elapsed_ms = elapsed.as_millis() as u64, "answered"));
    state.metrics.record(&route, &method, status, elapsed);
    // Browsers must not guess another type than the one given, and API answers (personal
    // data among them) must not be kept by caches on the way or on the device.
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if is_api && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, protocol::error_codes::NOT_FOUND, "no such endpoint; see /openapi.json")
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", responses((status = 200, description = "The process is alive", body = String)))]
async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the database answers.
#[utoipa::path(get, path = "/readyz", responses(
    (status = 200, description = "Ready to serve", body = String),
    (status = 503, description = "The database does not answer", body = ErrorBody)
))]
async fn readyz(State(state): State<AppState>) -> Result<&'static str, ApiError> {
    state.store.ping().await?;
    Ok("ready")
}

#[utoipa::path(get, path = "/metrics", responses((status = 200, description = "Prometheus text format", body = String)))]
async fn metrics_text(State(state): State<AppState>) -> impl IntoResponse {
    let database_up = state.store.ping().await.is_ok();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render(database_up))
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// Trade a one-time enrollment code for device credentials.
#[utoipa::path(post, path = "/v1/devices/enroll", request_body = EnrollRequest,
    params(("pietura-protocol" = u32, Header, description = "Sync protocol version")),
    responses(
        (status = 200, description = "Enrolled; the secret is shown only now", body = EnrollResponse),
        (status = 409, description = "The code was already used", body = ErrorBody),
        (status = 422, description = "The code is malformed, unknown or expired", body = ErrorBody),
        (status = 429, description = "Too many wrong codes from this address; see Retry-After", body = ErrorBody)
    ))]
async fn enroll(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiJson(request): ApiJson<EnrollRequest>,
) -> Result<Json<EnrollResponse>, ApiError> {
    let now = (state.clock)();
    let client = throttle::client_key(peer.ip());
    // Counted before it is tried (racing guesses cannot all pass), given back unless it was a
    // wrong code.
    if let Err(wait) = state.enrollment_failures.acquire(client, now) {
        tracing::warn!(peer = %peer.ip(), "enrollment attempts throttled");
        if state.enrollment_failures.first_refusal(client, now) {
            audit_throttled(&state, now, format!("address:{client}"), "enrollment codes").await?;
        }
        return Err(ApiError::too_many_attempts(wait));
    }
    match devices::enroll(state.store.as_ref(), &request.enrollment_code, now).await {
        Ok(response) => {
            state.enrollment_failures.forgive(client, now);
            Ok(Json(response))
        }
        Err(error) => {
            tracing::warn!(peer = %peer.ip(), %error, "enrollment refused");
            if !matches!(error, DeviceError::Code(_) | DeviceError::Store(StoreError::EnrollmentCodeUnknown)) {
                state.enrollment_failures.forgive(client, now);
            }
            Err(error.into())
        }
    }
}

/// A throttle's first refusal of a caller in its window, in the audit log.
async fn audit_throttled(
    state: &AppState,
    now: chrono::DateTime<chrono::Utc>,
    subject: String,
    what: &str,
) -> Result<(), ApiError> {
    let entry =
        crate::audit::NewAuditEntry::new(now, subject.clone(), "throttled", subject, format!("too many {what}"));
    state.store.append_audit(entry).await?;
    Ok(())
}

/// Refuses devices other than desks (kiosks serve citizens their own affairs only).
fn only_desks(device: &crate::store::Device) -> Result<(), ApiError> {
    if device.kind == domain::DeviceKind::Desk {
        Ok(())
    } else {
        Err(ApiError::new(StatusCode::FORBIDDEN, protocol::error_codes::FORBIDDEN, "only desks may do this"))
    }
}

/// Applies a device's outbox entries, each exactly once, and answers for each.
#[utoipa::path(post, path = "/v1/sync/outbox", request_body = protocol::OutboxPush,
    params(("pietura-protocol" = u32, Header, description = "Sync protocol version")),
    security(("device" = [])),
    responses(
        (status = 200, description = "One result per entry, in order", body = protocol::OutboxReply),
        (status = 401, description = "Unknown device", body = ErrorBody),
        (status = 403, description = "Not a desk", body = ErrorBody),
        (status = 422, description = "Too many entries in one push", body = ErrorBody)
    ))]
async fn push_outbox(
    State(state): State<AppState>,
    AuthenticatedDevice(device): AuthenticatedDevice,
    ApiJson(push): ApiJson<protocol::OutboxPush>,
) -> Result<Json<protocol::OutboxReply>, ApiError> {
    if push.entries.len() > protocol::MAX_OUTBOX_BATCH {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            protocol::error_codes::VALIDATION,
            format!("at most {} entries in one push", protocol::MAX_OUTBOX_BATCH),
        )
        .with_field("entries"));
    }
    // Cases and messages are a desk's work: a kiosk has nothing to push.
    only_desks(&device)?;
    let now = (state.clock)();
    let mut results: Vec<(usize, protocol::OutboxResult)> = Vec::with_capacity(push.entries.len());
    // Each entry's author proven first (each distinct proof once); the unproven are refused.
    let mut authors = crate::authorship::AuthorCheck::new(state.store.as_ref(), state.login.as_deref(), &device, now);
    let mut proven = Vec::with_capacity(push.entries.len());
    for (position, entry) in push.entries.into_iter().enumerate() {
        match authors.prove(entry.author.as_ref()).await? {
            Ok(author) => proven.push((position, entry, author)),
            Err(unproven) => results.push((
                position,
                crate::cases::EntryOutcome::Rejected { code: unproven.code, reason: unproven.reason }
                    .into_result(entry.id),
            )),
        }
    }
    // Messages go through the e-address rules, one by one; everything else is about cases and
    // is applied in one transaction. Answers keep the entries' order.
    let (messages, others): (Vec<_>, Vec<_>) =
        proven.into_iter().partition(|(_, entry, _)| entry.kind == "message_send");
    let (positions, case_entries): (Vec<usize>, Vec<_>) =
        others.into_iter().map(|(position, entry, author)| (position, (entry, author))).unzip();
    let case_results = crate::cases::apply_entries(state.store.as_ref(), &device, case_entries, now).await?;
    results.extend(positions.into_iter().zip(case_results));
    for (position, entry, author) in messages {
        let result = crate::eaddress::apply_message_entry(
            state.store.as_ref(),
            &state.attachments,
            &state.calendar,
            &device,
            &author,
            entry,
            now,
        )
        .await?;
        results.push((position, result));
    }
    results.sort_by_key(|(position, _)| *position);
    let results: Vec<protocol::OutboxResult> = results.into_iter().map(|(_, result)| result).collect();
    for result in results.iter().filter(|r| r.outcome == "rejected") {
        // The code only: a reason may name a mailbox, and a person's mailbox holds their personal code.
        tracing::warn!(device = %device.id, entry = %result.id, code = ?result.code, "outbox entry rejected");
    }
    Ok(Json(protocol::OutboxReply { results }))
}

/// How the messages a desk's centre sent stand, recipient by recipient, for the desk to show
/// (offline too, as last heard).
#[utoipa::path(post, path = "/v1/sync/message-states", request_body = protocol::MessageStatesRequest,
    params(("pietura-protocol" = u32, Header)),
    security(("device" = [])),
    responses((status = 200, body = protocol::MessageStates), (status = 401, body = ErrorBody),
        (status = 403, description = "Not a desk", body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn message_states(
    State(state): State<AppState>,
    AuthenticatedDevice(device): AuthenticatedDevice,
    ApiJson(request): ApiJson<protocol::MessageStatesRequest>,
) -> Result<Json<protocol::MessageStates>, ApiError> {
    // The centre's sent messages and its unread count are the desks' business: a kiosk in a
    // library learns nothing of the centre's mail (the authorisation matrix found it could).
    only_desks(&device)?;
    if request.ids.len() > protocol::MAX_OUTBOX_BATCH {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            protocol::error_codes::VALIDATION,
            format!("at most {} ids at once", protocol::MAX_OUTBOX_BATCH),
        )
        .with_field("ids"));
    }
    let messages =
        crate::eaddress::states_for_device(state.store.as_ref(), &device, &request.ids, (state.clock)()).await?;
    let unread = crate::eaddress::unread_for_device(state.store.as_ref(), &device).await?;
    Ok(Json(protocol::MessageStates { messages, unread }))
}

/// Service-provision statistics as CSV: month × service × institution × channel × kind; counts
/// below 5 withheld; no personal data. Public.
#[utoipa::path(get, path = "/open-data/service-provision.csv",
    responses((status = 200, description = "RFC 4180 CSV, UTF-8", content_type = "text/csv")))]
async fn provision_csv(State(state): State<AppState>) -> Result<Response, ApiError> {
    let (_, rows) = provision(&state).await?;
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8"), OPEN_DATA_CACHE_CONTROL], crate::open_data::to_csv(&rows))
        .into_response())
}

/// Caches may keep an open data set as long as the server does.
const OPEN_DATA_CACHE_CONTROL: (header::HeaderName, &str) = (header::CACHE_CONTROL, "public, max-age=300");

async fn provision(
    state: &AppState,
) -> Result<(chrono::DateTime<chrono::Utc>, Arc<Vec<crate::open_data::ProvisionRow>>), ApiError> {
    let (store, now) = (state.store.clone(), (state.clock)());
    Ok(state
        .open_data
        .provision
        .get(now, || async move { crate::open_data::provision_rows(store.as_ref(), now).await })
        .await?)
}

async fn eaddress_kpis(
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
async fn provision_json(State(state): State<AppState>) -> Result<Response, ApiError> {
    let (computed_at, rows) = provision(&state).await?;
    Ok(([OPEN_DATA_CACHE_CONTROL], Json(crate::open_data::to_json(&rows, computed_at))).into_response())
}

/// E-address KPIs as CSV: messages sent, delivered, read, hours to read (median, 90th
/// percentile) by month × sending institution; small groups withheld; no personal data. Public.
#[utoipa::path(get, path = "/open-data/eaddress-kpi.csv",
    responses((status = 200, description = "RFC 4180 CSV, UTF-8", content_type = "text/csv")))]
async fn eaddress_kpi_csv(State(state): State<AppState>) -> Result<Response, ApiError> {
    let (_, kpis) = eaddress_kpis(&state).await?;
    Ok((
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8"), OPEN_DATA_CACHE_CONTROL],
        crate::open_data::kpis_to_csv(&kpis.0),
    )
        .into_response())
}

/// The e-address KPIs as JSON, with active mailboxes by kind. Public.
#[utoipa::path(get, path = "/open-data/eaddress-kpi.json", responses((status = 200, description = "The rows")))]
async fn eaddress_kpi_json(State(state): State<AppState>) -> Result<Response, ApiError> {
    let (computed_at, kpis) = eaddress_kpis(&state).await?;
    Ok(([OPEN_DATA_CACHE_CONTROL], Json(crate::open_data::kpis_to_json(&kpis.0, &kpis.1, computed_at))).into_response())
}

/// The e-address catalogue as CSV: institutions' active mailboxes (address, name). Public; the
/// same as `GET /v1/eaddress/directory`.
#[utoipa::path(get, path = "/open-data/eaddress-directory.csv",
    responses((status = 200, description = "RFC 4180 CSV, UTF-8", content_type = "text/csv")))]
async fn eaddress_directory_csv(State(state): State<AppState>) -> Result<Response, ApiError> {
    let accounts = state.store.institution_directory().await?;
    Ok((
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8"), OPEN_DATA_CACHE_CONTROL],
        crate::open_data::directory_to_csv(&accounts),
    )
        .into_response())
}

/// The DCAT-AP description of the open data sets. Public.
#[utoipa::path(get, path = "/open-data/catalog.jsonld",
    responses((status = 200, description = "DCAT-AP JSON-LD", content_type = "application/ld+json")))]
async fn open_data_catalog(State(state): State<AppState>, headers: axum::http::HeaderMap) -> Response {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("localhost");
    let scheme = headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).unwrap_or("http");
    let body = crate::open_data::catalog(&format!("{scheme}://{host}"), (state.clock)());
    ([(header::CONTENT_TYPE, "application/ld+json")], body.to_string()).into_response()
}

/// Who the server thinks this device is, and the server's time.
#[utoipa::path(get, path = "/v1/sync/hello",
    params(("pietura-protocol" = u32, Header, description = "Sync protocol version")),
    security(("device" = [])),
    responses(
        (status = 200, description = "The device is known and active", body = HelloResponse),
        (status = 401, description = "Unknown device or wrong secret", body = ErrorBody),
        (status = 403, description = "The device was revoked", body = ErrorBody)
    ))]
async fn hello(State(state): State<AppState>, AuthenticatedDevice(device): AuthenticatedDevice) -> Json<HelloResponse> {
    Json(HelloResponse {
        protocol_version: PROTOCOL_VERSION,
        server_time: (state.clock)(),
        device_id: device.id,
        device_name: device.name,
        centre: device.centre,
        desk_number: device.desk_number,
    })
}
