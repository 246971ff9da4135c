//! The offline catalogue: search as you type, service and article pages, browsing, and flags.

use ::device::ErrorCode;

use device::{offline::SearchHit, session::SearchFilters};
use domain::catalogue_view::{ArticlePage, BrowseEntry, LinkView, ServicePage};
use serde::Serialize;
use tauri::State;

use super::CommandError;
use crate::DeskState;

#[derive(Debug, Serialize)]
pub struct SnippetPartDto {
    pub text: String,
    pub highlighted: bool,
}

#[derive(Debug, Serialize)]
pub struct SearchHitDto {
    /// `service`, `article` or `organisation`.
    pub kind: &'static str,
    pub id: String,
    pub title: String,
    pub language: String,
    pub snippet: Vec<SnippetPartDto>,
}

impl From<SearchHit> for SearchHitDto {
    fn from(hit: SearchHit) -> Self {
        Self {
            kind: hit.kind.as_str(),
            id: hit.id,
            title: hit.title,
            language: hit.language.code().to_owned(),
            snippet: hit
                .snippet
                .into_iter()
                .map(|p| SnippetPartDto { text: p.text, highlighted: p.highlighted })
                .collect(),
        }
    }
}

fn not_found(what: &str, id: &str) -> CommandError {
    CommandError {
        code: ErrorCode::NotFound,
        message: format!("this device has no {what} {id}; it may have been retired"),
    }
}

#[tauri::command]
pub async fn search_catalogue(
    state: State<'_, DeskState>,
    text: String,
    filters: Option<SearchFilters>,
) -> Result<Vec<SearchHitDto>, CommandError> {
    let facets = filters.unwrap_or_default().facets();
    let hits = state.session()?.search(&text, facets, 20)?;
    Ok(hits.into_iter().map(Into::into).collect())
}

#[tauri::command]
pub async fn service_page(state: State<'_, DeskState>, id: String) -> Result<ServicePage, CommandError> {
    let session = state.session()?;
    let page = session.service_page(&id)?.ok_or_else(|| not_found("service", &id))?;
    // Looked up while serving a customer: it goes on their "done on your behalf" receipt.
    session.note_service_viewed(&id);
    Ok(page)
}

#[tauri::command]
pub async fn article_page(state: State<'_, DeskState>, id: String) -> Result<ArticlePage, CommandError> {
    state.session()?.article_page(&id)?.ok_or_else(|| not_found("article", &id))
}

#[tauri::command]
pub async fn browse_catalogue(state: State<'_, DeskState>) -> Result<Vec<BrowseEntry>, CommandError> {
    Ok(state.session()?.browse_entries()?)
}

#[tauri::command]
pub async fn services_of(state: State<'_, DeskState>, kind: String, id: String) -> Result<Vec<LinkView>, CommandError> {
    Ok(state.session()?.services_of(&kind, &id)?)
}

/// The life-situation plan of an event for the answers given; `null` when the event has no
/// scenario (the desk then lists its services).
#[tauri::command]
pub async fn life_plan(
    state: State<'_, DeskState>,
    event: String,
    answers: domain::navigator::Answers,
) -> Result<Option<domain::catalogue_view::PlanView>, CommandError> {
    Ok(state.session()?.plan_for_event(&event, &answers)?)
}

/// The plan as a PDF for the customer (`to_printer`: on the printer instead).
#[tauri::command]
pub async fn save_life_plan(
    state: State<'_, DeskState>,
    event: String,
    answers: domain::navigator::Answers,
    to_printer: bool,
) -> Result<device::session::PrintOutcome, CommandError> {
    Ok(state.session()?.save_plan(&event, &answers, to_printer)?)
}

#[tauri::command]
pub async fn flag_article(
    state: State<'_, DeskState>,
    id: String,
    reason: String,
    note: String,
) -> Result<(), CommandError> {
    Ok(state.session()?.flag_article(&id, &reason, &note).await?)
}
