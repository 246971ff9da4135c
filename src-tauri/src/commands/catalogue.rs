//! The offline catalogue: search as you type, service and article pages, browsing, and flags.

use domain::catalogue_view::{ArticlePage, BrowseEntry, LinkView, ServicePage};
use serde::{Deserialize, Serialize};
use sync::offline::{Facet, SearchHit};
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

/// Filters the search screen offers.
#[derive(Debug, Default, Deserialize)]
pub struct SearchFilters {
    #[serde(default)]
    pub has_e_service: bool,
    pub institution: Option<String>,
    pub channel: Option<String>,
    pub municipality: Option<String>,
    pub life_event: Option<String>,
}

fn not_found(what: &str, id: &str) -> CommandError {
    CommandError {
        code: "not_found".into(),
        message: format!("this device has no {what} {id}; it may have been retired"),
    }
}

#[tauri::command]
pub async fn search_catalogue(
    state: State<'_, DeskState>,
    text: String,
    filters: Option<SearchFilters>,
) -> Result<Vec<SearchHitDto>, CommandError> {
    let filters = filters.unwrap_or_default();
    let mut facets = Vec::new();
    if filters.has_e_service {
        facets.push((Facet::HasEService, "true".to_owned()));
    }
    facets.extend(filters.institution.map(|v| (Facet::Institution, v)));
    facets.extend(filters.channel.map(|v| (Facet::Channel, v)));
    facets.extend(filters.municipality.map(|v| (Facet::Municipality, v)));
    facets.extend(filters.life_event.map(|v| (Facet::LifeEvent, v)));
    let hits = state.session()?.search(&text, facets, 20)?;
    Ok(hits.into_iter().map(Into::into).collect())
}

#[tauri::command]
pub async fn service_page(state: State<'_, DeskState>, id: String) -> Result<ServicePage, CommandError> {
    state.session()?.service_page(&id)?.ok_or_else(|| not_found("service", &id))
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

#[tauri::command]
pub async fn flag_article(
    state: State<'_, DeskState>,
    id: String,
    reason: String,
    note: String,
) -> Result<(), CommandError> {
    Ok(state.session()?.flag_article(&id, &reason, &note).await?)
}
