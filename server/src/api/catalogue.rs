//! The catalogue API: public reads (JSON, JSON-LD, Turtle), institutions' writes with their API
//! key, clerks' article flags, and the devices' change feed.

use axum::{
    Json,
    extract::{FromRequestParts, Path, Query, State},
    http::{HeaderMap, StatusCode, header, request::Parts},
    response::{IntoResponse, Response},
};
use domain::catalogue::{Article, PublicOrganisation, PublicService};
use protocol::{
    CatalogueKind, CataloguePage, CatalogueRecordDto, ErrorBody, FlagRequest, MAX_FEED_PAGE, ProblemDto, error_codes,
};
use serde::{Deserialize, Serialize};

use super::{AppState, error::ApiError, extract::ApiJson, extract::AuthenticatedDevice};
use crate::catalogue::{
    EditError, Editor, cpsv,
    editing::parse_document,
    rdf::{self, RdfSyntax},
    reads::{CachedRead, ReadKey},
};
use crate::institutions::{self, InstitutionError};
use crate::store::{ArticleFlag, RecordKind, StoredRecord};

/// An institution authenticated by `Authorization: ApiKey <key>`.
pub struct AuthenticatedInstitution(pub Editor, pub String);

impl FromRequestParts<AppState> for AuthenticatedInstitution {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let header = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        let institution =
            institutions::authenticate(state.store.as_ref(), header, (state.clock)()).await.inspect_err(|e| {
                tracing::warn!(error = %e, "institution authentication failed");
            })?;
        tracing::info!(institution = %institution.id, "institution authenticated");
        let editor = Editor::Institution { id: institution.id.clone(), central: institution.is_central_editor };
        Ok(Self(editor, institution.id))
    }
}

impl From<InstitutionError> for ApiError {
    fn from(error: InstitutionError) -> Self {
        let message = error.to_string();
        match error {
            InstitutionError::MissingKey | InstitutionError::WrongKey => {
                ApiError::new(StatusCode::UNAUTHORIZED, error_codes::UNAUTHORISED, message)
            }
            InstitutionError::RevokedKey | InstitutionError::ExpiredKey => {
                ApiError::new(StatusCode::FORBIDDEN, error_codes::FORBIDDEN, message)
            }
            InstitutionError::Invalid { field, .. } => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, error_codes::VALIDATION, message).with_field(field)
            }
            InstitutionError::Store(e) => e.into(),
            InstitutionError::Random(_) => ApiError::internal(&error),
        }
    }
}

impl From<EditError> for ApiError {
    fn from(error: EditError) -> Self {
        let message = error.to_string();
        match error {
            EditError::Invalid { problems, .. } => {
                let mut api = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, error_codes::VALIDATION, message);
                api.field = problems.first().map(|p| p.path.clone());
                api.problems = problems.into_iter().map(|p| ProblemDto { path: p.path, problem: p.problem }).collect();
                api
            }
            EditError::Forbidden(_) => ApiError::new(StatusCode::FORBIDDEN, error_codes::FORBIDDEN, message),
            EditError::NotFound { .. } => ApiError::new(StatusCode::NOT_FOUND, error_codes::NOT_FOUND, message),
            EditError::Store(e) => e.into(),
        }
    }
}

/// What a write answers: the record's new version and its place in the feed.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Written {
    pub id: String,
    pub version: u64,
    pub seq: i64,
}

impl From<StoredRecord> for Written {
    fn from(record: StoredRecord) -> Self {
        Self { id: record.id, version: record.version, seq: record.seq }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct VersionQuery {
    /// The version being replaced.
    pub version: u64,
}

fn kind_of(kind: RecordKind) -> CatalogueKind {
    match kind {
        RecordKind::Service => CatalogueKind::Service,
        RecordKind::Organisation => CatalogueKind::Organisation,
        RecordKind::Article => CatalogueKind::Article,
        RecordKind::Form => CatalogueKind::Form,
        RecordKind::Scenario => CatalogueKind::Scenario,
    }
}

/// The path's id must be the body's id, so a key cannot write one record under another's URL.
fn same_id(path_id: &str, body_id: &str) -> Result<(), ApiError> {
    if path_id == body_id {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            error_codes::VALIDATION,
            format!("the id in the body ({body_id}) is not the one in the URL ({path_id})"),
        )
        .with_field("id"))
    }
}

/// A service, as JSON (the default), JSON-LD (`Accept: application/ld+json`, CPSV-AP 3.2) or
/// Turtle (`Accept: text/turtle`). The id is the service's IRI, percent-encoded.
#[utoipa::path(get, path = "/v1/catalogue/services/{id}",
    params(("id" = String, Path, description = "The service's IRI, percent-encoded"),
        ("pietura-protocol" = u32, Header, description = "Sync protocol version")),
    responses(
        (status = 200, description = "The service"),
        (status = 304, description = "Not changed since the tag sent (If-None-Match)"),
        (status = 404, description = "No such service, or retired", body = ErrorBody)
    ))]
pub async fn get_service(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
    let rdf = if accept.contains("application/ld+json") {
        Some(RdfSyntax::JsonLd)
    } else if accept.contains("text/turtle") {
        Some(RdfSyntax::Turtle)
    } else {
        None
    };
    let key = ReadKey { kind: RecordKind::Service, id, rdf };
    read_through(&state, &headers, key, |state, key| async move {
        let catalogue = state.catalogue();
        let record = catalogue.live(RecordKind::Service, &key.id).await?;
        let (syntax, content_type, tag) = match key.rdf {
            Some(RdfSyntax::JsonLd) => (RdfSyntax::JsonLd, "application/ld+json", "jsonld"),
            Some(RdfSyntax::Turtle) => (RdfSyntax::Turtle, "text/turtle; charset=utf-8", "turtle"),
            None => {
                let etag = format!("\"s{}\"", record.seq);
                return Ok(CachedRead::new("application/json", etag, record.document.into()));
            }
        };
        let service: PublicService = parse_document(&record)?;
        let mut organisations = Vec::new();
        // The representation changes with its organisations too: the tag names every part.
        let mut parts = vec![record.seq];
        for authority in &service.competent_authorities {
            if let Ok(record) = catalogue.live(RecordKind::Organisation, authority).await {
                parts.push(record.seq);
                organisations.push(parse_document::<PublicOrganisation>(&record)?);
            }
        }
        let graph = cpsv::to_graph(std::slice::from_ref(&service), &organisations);
        let body = rdf::serialize(&graph, syntax, cpsv::PREFIXES);
        let parts: Vec<String> = parts.iter().map(i64::to_string).collect();
        let etag = format!("\"{tag}-{}\"", parts.join("-"));
        Ok(CachedRead::new(content_type, etag, body.into()))
    })
    .await
}

/// A public read: from memory while the catalogue has not changed, else from the database (and
/// kept); 304 when the client holds the current tag.
async fn read_through<F, Fut>(
    state: &AppState,
    headers: &HeaderMap,
    key: ReadKey,
    read: F,
) -> Result<Response, ApiError>
where
    F: FnOnce(AppState, ReadKey) -> Fut,
    Fut: std::future::Future<Output = Result<CachedRead, ApiError>>,
{
    let answer = match state.catalogue_reads.get(state.store.as_ref(), &key).await? {
        Some(kept) => kept,
        None => {
            let fresh = std::sync::Arc::new(read(state.clone(), key.clone()).await?);
            state.catalogue_reads.put(key, fresh.clone());
            fresh
        }
    };
    let if_none_match = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok());
    // Header values made once, when the answer was kept: a read from memory allocates nothing
    // but the response.
    let etag = (header::ETAG, answer.etag_header.clone());
    if crate::catalogue::reads::not_modified(if_none_match, &answer.etag) {
        return Ok((StatusCode::NOT_MODIFIED, [etag]).into_response());
    }
    let content_type = (header::CONTENT_TYPE, axum::http::HeaderValue::from_static(answer.content_type));
    Ok(([content_type, etag], answer.body.clone()).into_response())
}

/// An article, as JSON.
#[utoipa::path(get, path = "/v1/catalogue/articles/{id}",
    params(("id" = String, Path), ("pietura-protocol" = u32, Header)),
    responses((status = 200, description = "The article"), (status = 304, description = "Not changed since the tag sent"),
        (status = 404, body = ErrorBody)))]
pub async fn get_article(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let key = ReadKey { kind: RecordKind::Article, id, rdf: None };
    read_through(&state, &headers, key, |state, key| async move {
        let record = state.catalogue().live(RecordKind::Article, &key.id).await?;
        let etag = format!("\"a{}\"", record.seq);
        Ok(CachedRead::new("application/json", etag, record.document.into()))
    })
    .await
}

/// Create (version 0) or update (the version replaced) a service of your institution.
#[utoipa::path(put, path = "/v1/catalogue/services/{id}",
    params(("id" = String, Path), ("pietura-protocol" = u32, Header)),
    security(("institution_key" = [])),
    responses(
        (status = 200, description = "Written", body = Written),
        (status = 401, body = ErrorBody), (status = 403, description = "Another institution's service", body = ErrorBody),
        (status = 409, description = "The version is not the current one", body = ErrorBody),
        (status = 422, description = "Invalid; every problem is listed with its field", body = ErrorBody)
    ))]
pub async fn put_service(
    State(state): State<AppState>,
    AuthenticatedInstitution(editor, _): AuthenticatedInstitution,
    Path(id): Path<String>,
    ApiJson(service): ApiJson<PublicService>,
) -> Result<Json<Written>, ApiError> {
    same_id(&id, &service.id)?;
    let catalogue = state.catalogue();
    Ok(Json(catalogue.put_service(&editor, service, (state.clock)()).await?.into()))
}

/// Create or update your institution's own organisation record.
#[utoipa::path(put, path = "/v1/catalogue/organisations/{id}",
    params(("id" = String, Path), ("pietura-protocol" = u32, Header)),
    security(("institution_key" = [])),
    responses((status = 200, body = Written), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_organisation(
    State(state): State<AppState>,
    AuthenticatedInstitution(editor, _): AuthenticatedInstitution,
    Path(id): Path<String>,
    ApiJson(organisation): ApiJson<PublicOrganisation>,
) -> Result<Json<Written>, ApiError> {
    same_id(&id, &organisation.id)?;
    let catalogue = state.catalogue();
    Ok(Json(catalogue.put_organisation(&editor, organisation, (state.clock)()).await?.into()))
}

/// Create or update one of your institution's knowledge-base articles (it counts as verified now).
#[utoipa::path(put, path = "/v1/catalogue/articles/{id}",
    params(("id" = String, Path), ("pietura-protocol" = u32, Header)),
    security(("institution_key" = [])),
    responses((status = 200, body = Written), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_article(
    State(state): State<AppState>,
    AuthenticatedInstitution(editor, _): AuthenticatedInstitution,
    Path(id): Path<String>,
    ApiJson(article): ApiJson<Article>,
) -> Result<Json<Written>, ApiError> {
    same_id(&id, &article.id)?;
    let catalogue = state.catalogue();
    Ok(Json(catalogue.put_article(&editor, article, (state.clock)()).await?.into()))
}

/// Confirm an article is still right, e.g. after a linked service changed.
#[utoipa::path(post, path = "/v1/catalogue/articles/{id}/verify",
    params(("id" = String, Path), VersionQuery, ("pietura-protocol" = u32, Header)),
    security(("institution_key" = [])),
    responses((status = 200, body = Written), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn verify_article(
    State(state): State<AppState>,
    AuthenticatedInstitution(editor, _): AuthenticatedInstitution,
    Path(id): Path<String>,
    Query(query): Query<VersionQuery>,
) -> Result<Json<Written>, ApiError> {
    let catalogue = state.catalogue();
    Ok(Json(catalogue.verify_article(&editor, &id, query.version, (state.clock)()).await?.into()))
}

async fn retire(
    state: &AppState,
    editor: &Editor,
    kind: RecordKind,
    id: &str,
    version: u64,
) -> Result<Json<Written>, ApiError> {
    let catalogue = state.catalogue();
    Ok(Json(catalogue.retire(editor, kind, id, version, (state.clock)()).await?.into()))
}

/// Retire a service: it stays in the feed as a tombstone so devices remove it.
#[utoipa::path(delete, path = "/v1/catalogue/services/{id}",
    params(("id" = String, Path), VersionQuery, ("pietura-protocol" = u32, Header)),
    security(("institution_key" = [])),
    responses((status = 200, body = Written), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn retire_service(
    State(state): State<AppState>,
    AuthenticatedInstitution(editor, _): AuthenticatedInstitution,
    Path(id): Path<String>,
    Query(query): Query<VersionQuery>,
) -> Result<Json<Written>, ApiError> {
    retire(&state, &editor, RecordKind::Service, &id, query.version).await
}

/// Retire your institution's organisation record (a merged or closed institution).
#[utoipa::path(delete, path = "/v1/catalogue/organisations/{id}",
    params(("id" = String, Path), VersionQuery, ("pietura-protocol" = u32, Header)),
    security(("institution_key" = [])),
    responses((status = 200, body = Written), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn retire_organisation(
    State(state): State<AppState>,
    AuthenticatedInstitution(editor, _): AuthenticatedInstitution,
    Path(id): Path<String>,
    Query(query): Query<VersionQuery>,
) -> Result<Json<Written>, ApiError> {
    retire(&state, &editor, RecordKind::Organisation, &id, query.version).await
}

/// Retire an article.
#[utoipa::path(delete, path = "/v1/catalogue/articles/{id}",
    params(("id" = String, Path), VersionQuery, ("pietura-protocol" = u32, Header)),
    security(("institution_key" = [])),
    responses((status = 200, body = Written), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn retire_article(
    State(state): State<AppState>,
    AuthenticatedInstitution(editor, _): AuthenticatedInstitution,
    Path(id): Path<String>,
    Query(query): Query<VersionQuery>,
) -> Result<Json<Written>, ApiError> {
    retire(&state, &editor, RecordKind::Article, &id, query.version).await
}

/// An e-form with every version published (oldest first), as desks receive it.
#[utoipa::path(get, path = "/v1/catalogue/forms/{id}",
    params(("id" = String, Path, description = "The form's IRI, percent-encoded"), ("pietura-protocol" = u32, Header)),
    responses((status = 200, description = "The form's versions"), (status = 404, body = ErrorBody)))]
pub async fn get_form(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let record = state.catalogue().live(RecordKind::Form, &id).await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], record.document).into_response())
}

/// Publish a version of an e-form for a service your institution holds: a JSON Schema 2020-12 in
/// Pietura's profile with its steps, texts and prefill (the README describes them). Every
/// problem is answered with where it is; a published version never changes (publish the next).
#[utoipa::path(put, path = "/v1/catalogue/forms/{id}",
    params(("id" = String, Path), ("pietura-protocol" = u32, Header)),
    security(("institution_key" = [])),
    responses(
        (status = 200, description = "Published (or the same version was already)", body = Written),
        (status = 401, body = ErrorBody), (status = 403, description = "A service another institution holds", body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, description = "Refused; every problem with its JSON pointer", body = ErrorBody)
    ))]
pub async fn put_form(
    State(state): State<AppState>,
    AuthenticatedInstitution(editor, _): AuthenticatedInstitution,
    Path(id): Path<String>,
    ApiJson(definition): ApiJson<forms::FormDefinition>,
) -> Result<Json<Written>, ApiError> {
    same_id(&id, &definition.id)?;
    Ok(Json(state.catalogue().put_form(&editor, definition, (state.clock)()).await?.into()))
}

/// Retire an e-form: desks stop offering it.
#[utoipa::path(delete, path = "/v1/catalogue/forms/{id}",
    params(("id" = String, Path), VersionQuery, ("pietura-protocol" = u32, Header)),
    security(("institution_key" = [])),
    responses((status = 200, body = Written), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn retire_form(
    State(state): State<AppState>,
    AuthenticatedInstitution(editor, _): AuthenticatedInstitution,
    Path(id): Path<String>,
    Query(query): Query<VersionQuery>,
) -> Result<Json<Written>, ApiError> {
    retire(&state, &editor, RecordKind::Form, &id, query.version).await
}

/// A life-situation scenario of the navigator: its questions and its steps in order.
#[utoipa::path(get, path = "/v1/catalogue/scenarios/{id}",
    params(("id" = String, Path, description = "The scenario's IRI, percent-encoded"), ("pietura-protocol" = u32, Header)),
    responses((status = 200, description = "The scenario"), (status = 404, body = ErrorBody)))]
pub async fn get_scenario(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let record = state.catalogue().live(RecordKind::Scenario, &id).await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], record.document).into_response())
}

/// Publish one of your institution's life-situation scenarios: the life event it guides
/// through, yes/no questions, and the catalogue's services in order, each applying always or
/// when answers hold (with why it is left out otherwise). Every step's service must be in the
/// catalogue; every problem is answered with its path.
#[utoipa::path(put, path = "/v1/catalogue/scenarios/{id}",
    params(("id" = String, Path), ("pietura-protocol" = u32, Header)),
    security(("institution_key" = [])),
    responses(
        (status = 200, description = "Published (or already the same)", body = Written),
        (status = 401, body = ErrorBody), (status = 403, description = "Another institution's scenario", body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, description = "Refused; every problem with its path", body = ErrorBody)
    ))]
pub async fn put_scenario(
    State(state): State<AppState>,
    AuthenticatedInstitution(editor, _): AuthenticatedInstitution,
    Path(id): Path<String>,
    ApiJson(scenario): ApiJson<domain::navigator::Scenario>,
) -> Result<Json<Written>, ApiError> {
    same_id(&id, &scenario.id)?;
    Ok(Json(state.catalogue().put_scenario(&editor, scenario, (state.clock)()).await?.into()))
}

/// Retire a scenario: desks and kiosks stop offering it.
#[utoipa::path(delete, path = "/v1/catalogue/scenarios/{id}",
    params(("id" = String, Path), VersionQuery, ("pietura-protocol" = u32, Header)),
    security(("institution_key" = [])),
    responses((status = 200, body = Written), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn retire_scenario(
    State(state): State<AppState>,
    AuthenticatedInstitution(editor, _): AuthenticatedInstitution,
    Path(id): Path<String>,
    Query(query): Query<VersionQuery>,
) -> Result<Json<Written>, ApiError> {
    retire(&state, &editor, RecordKind::Scenario, &id, query.version).await
}

/// A flag as its owner institution sees it.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FlagDto {
    pub id: uuid::Uuid,
    pub article_id: String,
    pub reason: String,
    pub note: String,
    pub centre_name: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<ArticleFlag> for FlagDto {
    fn from(flag: ArticleFlag) -> Self {
        Self {
            id: flag.id,
            article_id: flag.article_id,
            reason: flag.reason,
            note: flag.note,
            centre_name: flag.centre_name,
            created_at: flag.created_at,
        }
    }
}

/// A clerk flags an article (outdated / missing information) for its owner. Needs a staff
/// member logged in on the device.
#[utoipa::path(post, path = "/v1/catalogue/articles/{id}/flags", request_body = FlagRequest,
    params(("id" = String, Path), ("pietura-protocol" = u32, Header)),
    security(("device" = [], "session" = [])),
    responses((status = 201, body = FlagDto), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn flag_article(
    State(state): State<AppState>,
    user: super::AuthenticatedUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<FlagRequest>,
) -> Result<(StatusCode, Json<FlagDto>), ApiError> {
    user.require(&domain::Role::STAFF)?;
    let device = user.device;
    let catalogue = state.catalogue();
    let flag = catalogue.flag_article(&device, &id, &request.reason, &request.note, (state.clock)()).await?;
    tracing::info!(article = %id, device = %device.id, reason = %flag.reason, "article flagged");
    Ok((StatusCode::CREATED, Json(flag.into())))
}

/// Flags clerks raised on your institution's articles, oldest first.
#[utoipa::path(get, path = "/v1/catalogue/flags",
    params(("pietura-protocol" = u32, Header)),
    security(("institution_key" = [])),
    responses((status = 200, body = [FlagDto]), (status = 401, body = ErrorBody)))]
pub async fn list_flags(
    State(state): State<AppState>,
    AuthenticatedInstitution(editor, institution): AuthenticatedInstitution,
) -> Result<Json<Vec<FlagDto>>, ApiError> {
    let owner = match editor {
        Editor::Institution { central: true, .. } => None,
        _ => Some(institution.as_str()),
    };
    let flags = state.store.article_flags(owner).await?;
    Ok(Json(flags.into_iter().map(Into::into).collect()))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct FeedQuery {
    /// The last position the device has applied (0 at first).
    #[serde(default)]
    pub after: i64,
    /// At most this many records (default and maximum 5,000).
    pub limit: Option<u32>,
}

/// The catalogue's change feed: records changed after a position, oldest change first; each
/// record appears once, at its latest version; retired ones as tombstones. Gzip when asked.
#[utoipa::path(get, path = "/v1/sync/catalogue",
    params(FeedQuery, ("pietura-protocol" = u32, Header)),
    security(("device" = [])),
    responses((status = 200, body = CataloguePage), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn feed(
    State(state): State<AppState>,
    AuthenticatedDevice(_device): AuthenticatedDevice,
    Query(query): Query<FeedQuery>,
) -> Result<Json<CataloguePage>, ApiError> {
    if query.after < 0 {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            error_codes::VALIDATION,
            "after must be 0 or more",
        )
        .with_field("after"));
    }
    let limit = query.limit.unwrap_or(MAX_FEED_PAGE).clamp(1, MAX_FEED_PAGE);
    // The head first: records written meanwhile come on a later page, none is skipped.
    let head = state.store.catalogue_head().await?;
    let records = state.store.catalogue_changes(query.after, limit).await?;
    let head = head.max(records.last().map_or(0, |r| r.seq)).max(query.after);
    Ok(Json(CataloguePage {
        records: records
            .into_iter()
            .map(|r| CatalogueRecordDto {
                kind: kind_of(r.kind),
                id: r.id,
                version: r.version,
                retired: r.retired,
                seq: r.seq,
                document: r.document,
            })
            .collect(),
        head,
    }))
}

/// The whole catalogue as a device keeps it: a gzip'd SQLite file with the search index built,
/// for a first sync (then the feed from its position). Resumable: `Range: bytes=N-` with
/// `If-Range: <etag>` continues an interrupted download.
#[utoipa::path(get, path = "/v1/sync/catalogue/snapshot",
    params(("pietura-protocol" = u32, Header)),
    security(("device" = [])),
    responses(
        (status = 200, description = "The snapshot (application/gzip); pietura-snapshot-position names its feed position"),
        (status = 206, description = "The rest of the snapshot, from the range's start"),
        (status = 401, body = ErrorBody),
        (status = 416, description = "The range starts past the end", body = ErrorBody)
    ))]
pub async fn snapshot(
    State(state): State<AppState>,
    AuthenticatedDevice(device): AuthenticatedDevice,
    headers: axum::http::HeaderMap,
) -> Result<axum::response::Response, ApiError> {
    use axum::http::header;
    use tokio::io::AsyncSeekExt;
    let snapshot = state.snapshots.current(&state.store, (state.clock)()).await.map_err(|e| ApiError::internal(&e))?;
    // A range applies only to the same snapshot (If-Range); otherwise the whole file comes.
    let same = headers.get(header::IF_RANGE).and_then(|v| v.to_str().ok()).is_none_or(|tag| tag == snapshot.etag);
    let start = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|range| range.strip_prefix("bytes="))
        .and_then(|range| range.strip_suffix('-'))
        .and_then(|start| start.parse::<u64>().ok())
        .filter(|_| same)
        .unwrap_or(0);
    if start > 0 && start >= snapshot.size {
        return Err(ApiError::new(
            StatusCode::RANGE_NOT_SATISFIABLE,
            error_codes::BAD_REQUEST,
            format!("the snapshot has {} bytes; the range starts at {start}", snapshot.size),
        ));
    }
    let mut file = tokio::fs::File::open(&snapshot.path).await.map_err(|e| ApiError::internal(&e))?;
    file.seek(std::io::SeekFrom::Start(start)).await.map_err(|e| ApiError::internal(&e))?;
    tracing::info!(device = %device.id, position = snapshot.position, from = start, "catalogue snapshot sent");
    let body = axum::body::Body::from_stream(tokio_util::io::ReaderStream::with_capacity(file, 256 * 1024));
    let mut response = axum::response::Response::new(body);
    *response.status_mut() = if start > 0 { StatusCode::PARTIAL_CONTENT } else { StatusCode::OK };
    let values = [
        (header::CONTENT_TYPE, "application/gzip".to_owned()),
        (header::CONTENT_LENGTH, (snapshot.size - start).to_string()),
        (header::ETAG, snapshot.etag.clone()),
        (header::ACCEPT_RANGES, "bytes".to_owned()),
    ];
    for (name, value) in values {
        response.headers_mut().insert(name, value.parse().map_err(|e| ApiError::internal(&e))?);
    }
    if start > 0 {
        let range = format!("bytes {start}-{}/{}", snapshot.size - 1, snapshot.size);
        response.headers_mut().insert(header::CONTENT_RANGE, range.parse().map_err(|e| ApiError::internal(&e))?);
    }
    for (name, value) in [
        (protocol::SNAPSHOT_POSITION_HEADER, snapshot.position.to_string()),
        (protocol::SNAPSHOT_RECORDS_HEADER, snapshot.records.to_string()),
    ] {
        response.headers_mut().insert(name, value.parse().map_err(|e| ApiError::internal(&e))?);
    }
    Ok(response)
}
