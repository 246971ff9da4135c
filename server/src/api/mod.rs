//! The HTTP API: a pure [`router`] over [`AppState`].

mod admin;
mod auth;
mod cases;
mod catalogue;
mod eaddress;
mod error;
mod extract;
mod metrics;
mod open_data;
mod sync;
mod throttle;
mod training;

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
pub use throttle::{Attempt, Throttle};

/// Failed enrollment attempts an address may make before it must wait.
pub fn throttle_limit() -> u32 {
    throttle::MAX_FAILURES
}

use crate::{
    clock::Clock,
    devices::{self, DeviceError},
    store::{Store, StoreError},
};

/// RFC 3986's unreserved characters stay as they are in a URL; everything else is percent-encoded.
pub const UNRESERVED: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Everything a request handler may use.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub clock: Clock,
    pub metrics: Arc<Metrics>,
    /// Wrong enrollment codes per client address.
    pub enrollment_failures: Throttle,
    /// Reverse proxies whose `X-Forwarded-For` names the client (`trusted_proxies`).
    pub trusted_proxies: Arc<[std::net::IpAddr]>,
    /// eID login, when configured.
    pub login: Option<Arc<crate::login::Login>>,
    /// Failed logins per device (a device must authenticate before it may try).
    pub login_failures: Throttle,
    /// Login challenges per device.
    pub challenge_limit: Throttle,
    /// The catalogue snapshot new devices start from.
    pub snapshots: Arc<crate::catalogue::snapshot::Snapshots>,
    /// Public catalogue reads kept in memory while the catalogue does not change.
    pub catalogue_reads: Arc<crate::catalogue::reads::CatalogueReads>,
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
    /// How long an enrollment code an administrator makes stays valid.
    pub enrollment_code_ttl: chrono::Duration,
    /// Whom this server serves: real people, or a workshop's training people.
    pub environment: crate::environment::Environment,
    /// A training server's CA for its training people's cards.
    pub training_ca: Option<Arc<eid::test_ca::TestCa>>,
}

impl AppState {
    /// The catalogue's editing rules over this state's store.
    pub fn catalogue(&self) -> crate::catalogue::Catalogue {
        crate::catalogue::Catalogue::forgetting(self.store.clone(), self.catalogue_reads.clone())
    }

    pub fn new(store: Arc<dyn Store>, clock: Clock) -> Self {
        Self {
            store,
            clock,
            metrics: Arc::default(),
            enrollment_failures: Throttle::enrollment_failures(),
            trusted_proxies: Arc::new([]),
            login: None,
            login_failures: Throttle::login_failures(),
            challenge_limit: Throttle::login_challenges(CHALLENGES_PER_5_MINUTES),
            // A folder of this server's own unless told otherwise: snapshots of different
            // catalogues must never meet.
            snapshots: Arc::new(crate::catalogue::snapshot::Snapshots::new(
                std::env::temp_dir().join(format!("pietura-snapshots-{}", uuid::Uuid::new_v4().simple())),
            )),
            catalogue_reads: Arc::default(),
            // In memory unless told otherwise (tests): a server configures a folder.
            attachments: Arc::new(crate::eaddress::Attachments::new(Arc::new(object_store::memory::InMemory::new()))),
            calendar: Arc::new(domain::calendar::WorkingCalendar::latvia()),
            open_data: Arc::default(),
            limits: crate::limits::ServeLimits::default(),
            upload_quota_bytes: crate::uploads::DEFAULT_QUOTA_BYTES,
            enrollment_code_ttl: chrono::Duration::hours(24),
            environment: crate::environment::Environment::Production,
            training_ca: None,
        }
    }

    /// Issues training people's cards from `ca` (a training server's; its logins trust it).
    pub fn with_training_ca(mut self, ca: eid::test_ca::TestCa) -> Self {
        self.training_ca = Some(Arc::new(ca));
        self
    }

    /// Serves the people of `environment` (see [`crate::environment`]): the logins too.
    pub fn in_environment(mut self, environment: crate::environment::Environment) -> Self {
        self.environment = environment;
        self.login = self.login.take().map(|login| {
            Arc::new(Arc::try_unwrap(login).unwrap_or_else(|shared| (*shared).clone()).in_environment(environment))
        });
        self
    }

    /// Enrollment codes valid for `ttl` instead of a day.
    pub fn with_enrollment_code_ttl(mut self, ttl: chrono::Duration) -> Self {
        self.enrollment_code_ttl = ttl;
        self
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

    /// Believes these reverse proxies' `X-Forwarded-For` about who the client is.
    pub fn with_trusted_proxies(mut self, proxies: &[std::net::IpAddr]) -> Self {
        self.trusted_proxies = proxies.into();
        self
    }

    /// Card logins and signatures a device may begin in five minutes.
    pub fn with_challenge_limit(mut self, per_5_minutes: u32) -> Self {
        self.challenge_limit = Throttle::login_challenges(per_5_minutes);
        self
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

/// Login challenges a device may ask for in five minutes unless the settings say otherwise (a
/// clerk retrying a PIN needs a few; `login_challenges_per_5_minutes`).
pub const CHALLENGES_PER_5_MINUTES: u32 = 30;

/// Bodies larger than this are refused before they are read.
const BODY_LIMIT_BYTES: usize = 64 * 1024;
/// A signed reply or a citizen's own application carries its PDF (base64): a page or a few of
/// text with an embedded font subset and the signature, about 80 kB; a long one stays far below.
const SIGNED_PDF_BODY_LIMIT_BYTES: usize = 2 * 1024 * 1024;
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
        sync::enroll,
        sync::hello,
        sync::release,
        sync::push_outbox,
        sync::message_states,
        open_data::provision_csv,
        open_data::service_times_csv,
        open_data::service_times_json,
        open_data::provision_json,
        open_data::open_data_catalog,
        open_data::open_data_set,
        open_data::eaddress_kpi_csv,
        open_data::eaddress_directory_csv,
        open_data::eaddress_kpi_json,
        catalogue::get_service,
        catalogue::put_service,
        catalogue::retire_service,
        catalogue::put_organisation,
        catalogue::retire_organisation,
        catalogue::get_article,
        catalogue::put_article,
        catalogue::verify_article,
        catalogue::retire_article,
        catalogue::get_form,
        catalogue::put_form,
        catalogue::retire_form,
        catalogue::get_scenario,
        catalogue::put_scenario,
        catalogue::retire_scenario,
        catalogue::flag_article,
        catalogue::list_flags,
        catalogue::feed,
        catalogue::snapshot,
        cases::device_feed,
        cases::institution_feed,
        cases::form_submissions,
        cases::form_submission_pdf,
        cases::get_case,
        cases::register_own_channel_case,
        cases::change_status,
        cases::citizen_cases,
        eaddress::mailboxes,
        eaddress::directory,
        eaddress::inbox,
        eaddress::sent,
        eaddress::send,
        eaddress::send_signed_reply,
        eaddress::submit_own_application,
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
        auth::log_out,
        admin::dashboard,
        admin::staff,
        training::scenarios,
        training::workshops,
        training::open,
        training::workshop,
        training::reset,
        training::card,
        admin::grant,
        admin::revoke,
        admin::devices,
        admin::add_device,
        admin::revoke_device,
        admin::renew_code
    ),
    components(schemas(
        EnrollRequest,
        EnrollResponse,
        HelloResponse,
        protocol::UpdateOffer,
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
        protocol::FormSubmissionPage,
        protocol::FormSubmissionDto,
        protocol::SignedReplyRequest,
        protocol::OwnApplicationRequest,
        protocol::MessageStatesRequest,
        protocol::MessageStates,
        protocol::MessageStateDto,
        protocol::DeliveryStateDto,
        protocol::CaseRecordDto,
        protocol::CitizenCases,
        protocol::InstitutionStatusRequest,
        protocol::InstitutionCaseRequest,
        protocol::InstitutionCaseCustomer,
        protocol::InstitutionCaseRecord,
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
        catalogue::FlagDto,
        protocol::CentreDashboard,
        protocol::NewWorkshopRequest,
        protocol::ResetRequest,
        protocol::WorkshopView,
        protocol::WorkshopList,
        protocol::TrainingScenarios,
        protocol::TrainingCardRequest,
        protocol::TrainingCard,
        protocol::PeriodFigures,
        protocol::NamedCount,
        protocol::DayFigures,
        protocol::MessageFigures,
        protocol::StaffList,
        protocol::StaffMember,
        protocol::StaffLoginEvent,
        protocol::GrantRoleRequest,
        protocol::CentreDevices,
        protocol::CentreDevice,
        protocol::NewDeviceRequest,
        protocol::DeviceEnrollmentCode
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
        .route(ENROLL_PATH, post(sync::enroll))
        .route(HELLO_PATH, get(sync::hello))
        .route(protocol::RELEASE_PATH, get(sync::release))
        .route("/open-data/service-provision.csv", get(open_data::provision_csv))
        .route("/open-data/service-provision.json", get(open_data::provision_json))
        .route("/open-data/catalog.jsonld", get(open_data::open_data_catalog))
        .route("/open-data/{dataset}", get(open_data::open_data_set))
        .route("/open-data/service-times.csv", get(open_data::service_times_csv))
        .route("/open-data/service-times.json", get(open_data::service_times_json))
        .route("/open-data/eaddress-kpi.csv", get(open_data::eaddress_kpi_csv))
        .route("/open-data/eaddress-directory.csv", get(open_data::eaddress_directory_csv))
        .route("/open-data/eaddress-kpi.json", get(open_data::eaddress_kpi_json))
        .route(protocol::OUTBOX_PATH, post(sync::push_outbox).layer(DefaultBodyLimit::max(CATALOGUE_BODY_LIMIT_BYTES)))
        .route(protocol::CASE_FEED_PATH, get(cases::device_feed))
        .route(protocol::MESSAGE_STATES_PATH, post(sync::message_states))
        .route(protocol::CITIZEN_CASES_PATH, get(cases::citizen_cases))
        .route(
            protocol::CITIZEN_FORM_SUBMISSIONS_PATH,
            post(eaddress::submit_own_application).layer(DefaultBodyLimit::max(SIGNED_PDF_BODY_LIMIT_BYTES)),
        )
        .route("/v1/institution/cases", get(cases::institution_feed))
        .route(protocol::FORM_SUBMISSIONS_PATH, get(cases::form_submissions))
        .route(protocol::FORM_SUBMISSION_PDF_PATH, get(cases::form_submission_pdf))
        .route("/v1/cases", post(cases::register_own_channel_case))
        .route("/v1/cases/{number}", get(cases::get_case))
        .route("/v1/cases/{number}/status", post(cases::change_status))
        .route("/v1/eaddress/mailboxes", get(eaddress::mailboxes))
        .route("/v1/eaddress/directory", get(eaddress::directory))
        .route("/v1/eaddress/mailboxes/{address}/inbox", get(eaddress::inbox))
        .route("/v1/eaddress/mailboxes/{address}/sent", get(eaddress::sent))
        .route("/v1/eaddress/mailboxes/{address}/messages", post(eaddress::send))
        .route(
            protocol::SIGNED_REPLIES_PATH,
            post(eaddress::send_signed_reply).layer(DefaultBodyLimit::max(SIGNED_PDF_BODY_LIMIT_BYTES)),
        )
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
        .route(
            "/v1/catalogue/forms/{id}",
            get(catalogue::get_form)
                .put(catalogue::put_form)
                .delete(catalogue::retire_form)
                .layer(DefaultBodyLimit::max(CATALOGUE_BODY_LIMIT_BYTES)),
        )
        .route(
            "/v1/catalogue/scenarios/{id}",
            get(catalogue::get_scenario)
                .put(catalogue::put_scenario)
                .delete(catalogue::retire_scenario)
                .layer(DefaultBodyLimit::max(CATALOGUE_BODY_LIMIT_BYTES)),
        )
        .route("/v1/catalogue/articles/{id}/verify", post(catalogue::verify_article))
        .route("/v1/catalogue/articles/{id}/flags", post(catalogue::flag_article))
        .route("/v1/catalogue/flags", get(catalogue::list_flags))
        .route(protocol::ADMIN_DASHBOARD_PATH, get(admin::dashboard))
        .route(protocol::ADMIN_STAFF_PATH, get(admin::staff).post(admin::grant))
        .route(protocol::ADMIN_STAFF_ROLE_PATH, axum::routing::delete(admin::revoke))
        .route(protocol::ADMIN_DEVICES_PATH, get(admin::devices).post(admin::add_device))
        .route(protocol::ADMIN_DEVICE_PATH, axum::routing::delete(admin::revoke_device))
        .route(protocol::ADMIN_DEVICE_CODE_PATH, post(admin::renew_code))
        .route(protocol::TRAINING_SCENARIOS_PATH, get(training::scenarios))
        .route(protocol::TRAINING_WORKSHOPS_PATH, get(training::workshops).post(training::open))
        .route(protocol::TRAINING_WORKSHOP_PATH, get(training::workshop))
        .route(protocol::TRAINING_RESET_PATH, post(training::reset))
        .route(protocol::TRAINING_CARDS_PATH, post(training::card))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), environment_line))
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

/// The largest JSON body the line between the real service and training reads (the largest any
/// route takes: a signed PDF in base64).
const LINE_BODY_LIMIT_BYTES: usize = SIGNED_PDF_BODY_LIMIT_BYTES;

/// Every answer says whom this server serves; a request naming a person from the other side of
/// the line (in its path, or anywhere in its JSON body) is refused before any handler sees it.
/// Outbox pushes are checked entry by entry instead (one entry must not hold up the others), and
/// open data is not published by a training server.
async fn environment_line(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let environment = state.environment;
    let mut response = match cross_checked(environment, request).await {
        Ok(request) => next.run(request).await,
        Err(refusal) => refusal,
    };
    response.headers_mut().insert(protocol::ENVIRONMENT_HEADER, HeaderValue::from_static(environment.as_str()));
    response
}

async fn cross_checked(environment: crate::environment::Environment, request: Request) -> Result<Request, Response> {
    let refuse = |crossing: crate::environment::Crossing| {
        ApiError::new(StatusCode::FORBIDDEN, protocol::error_codes::ENVIRONMENT_CROSSING, crossing.to_string())
            .into_response()
    };
    let path = request.uri().path().to_owned();
    if environment == crate::environment::Environment::Training && path.starts_with("/open-data/") {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_in_training",
            "a training server publishes no open data: the real service's is at the real server",
        )
        .into_response());
    }
    for segment in path.split('/') {
        let decoded = percent_encoding::percent_decode_str(segment).decode_utf8_lossy();
        environment.crossing_in_text(&decoded).map_err(refuse)?;
    }
    let is_json = request
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !is_json || path == protocol::OUTBOX_PATH {
        return Ok(request);
    }
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, LINE_BODY_LIMIT_BYTES).await.map_err(|_| {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", "the request body is too large").into_response()
    })?;
    // A body that is not JSON is left to the handler, which says what is wrong with it.
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(&bytes) {
        environment.crossing_in_json(&value).map_err(refuse)?;
    }
    Ok(Request::from_parts(parts, axum::body::Body::from(bytes)))
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
