//! E-forms at the desk: a service's forms, drafts started for the customer, kept at every change
//! and checked by the one validator, resumed, discarded.

use ::device::ErrorCode;
use device::session::{ApplicationPreview, DraftSummary, DraftView, FormSummary, Pin2, SubmittedView};
use tauri::State;
use uuid::Uuid;

use super::{CommandError, uuid_of};
use crate::DeskState;

fn draft_id(id: &str) -> Result<Uuid, CommandError> {
    uuid_of(id, ErrorCode::FormDraftUnknown, "draft")
}

#[tauri::command]
pub async fn service_forms(state: State<'_, DeskState>, service_id: String) -> Result<Vec<FormSummary>, CommandError> {
    Ok(state.session()?.service_forms(&service_id)?)
}

/// Starts a draft for the customer being served, or for the case's customer.
#[tauri::command]
pub async fn start_form(
    state: State<'_, DeskState>,
    form_id: String,
    case_id: Option<String>,
) -> Result<DraftView, CommandError> {
    let case_id = case_id.map(|id| uuid_of(&id, ErrorCode::CaseUnknown, "case")).transpose()?;
    Ok(state.session()?.start_form(&form_id, case_id)?)
}

#[tauri::command]
pub async fn form_draft(state: State<'_, DeskState>, id: String) -> Result<DraftView, CommandError> {
    Ok(state.session()?.form_draft(draft_id(&id)?)?)
}

/// Keeps the answers and the step; answers what applies and what is wrong now.
#[tauri::command]
pub async fn save_form_draft(
    state: State<'_, DeskState>,
    id: String,
    data: serde_json::Value,
    step: u32,
) -> Result<DraftView, CommandError> {
    Ok(state.session()?.save_form_draft(draft_id(&id)?, data, step)?)
}

/// Drafts on this desk: one customer's, or all.
#[tauri::command]
pub async fn form_drafts(
    state: State<'_, DeskState>,
    customer_code: Option<String>,
) -> Result<Vec<DraftSummary>, CommandError> {
    Ok(state.session()?.form_drafts(customer_code.as_deref())?)
}

/// The application as the customer will sign it, as pages to show them before PIN2 (poppler
/// draws them: off the async threads).
#[tauri::command]
pub async fn application_preview(
    state: State<'_, DeskState>,
    id: String,
    language: domain::Language,
) -> Result<ApplicationPreview, CommandError> {
    let session = state.session()?.clone();
    let id = draft_id(&id)?;
    super::blocking(move || session.application_preview(id, language)).await
}

/// Submits a complete draft to the institution (through the outbox: offline too); the
/// application PDF in `language`, signed by the customer's card when `sign` — with `pin2` as they
/// typed it, or on their reader's PIN pad when it is absent. The card work blocks: off the async
/// threads.
#[tauri::command]
pub async fn submit_form(
    state: State<'_, DeskState>,
    id: String,
    language: domain::Language,
    sign: bool,
    pin2: Option<String>,
) -> Result<SubmittedView, CommandError> {
    let session = state.session()?.clone();
    let id = draft_id(&id)?;
    let pin2 = pin2.map(zeroize::Zeroizing::new);
    super::blocking(move || {
        let signature = sign.then(|| pin2.as_deref().map_or(Pin2::OnPinPad, |pin| Pin2::Typed(pin)));
        session.submit_form(id, language, signature)
    })
    .await
}

/// A new draft from the case's e-form submission the server refused, to correct and submit again.
#[tauri::command]
pub async fn reopen_refused_submission(
    state: State<'_, DeskState>,
    case_id: String,
) -> Result<DraftView, CommandError> {
    let case_id = uuid_of(&case_id, ErrorCode::CaseUnknown, "case")?;
    Ok(state.session()?.reopen_refused_submission(case_id)?)
}

#[tauri::command]
pub async fn discard_form_draft(state: State<'_, DeskState>, id: String) -> Result<(), CommandError> {
    Ok(state.session()?.discard_form_draft(draft_id(&id)?)?)
}

/// `content`: the file as base64 (the webview reads the chosen file).
#[tauri::command]
pub async fn attach_form_file(
    state: State<'_, DeskState>,
    id: String,
    field: String,
    name: String,
    content: String,
) -> Result<DraftView, CommandError> {
    use base64::Engine;
    let content = base64::engine::general_purpose::STANDARD.decode(content.as_bytes()).map_err(|_| CommandError {
        code: ErrorCode::AttachmentUnreadable,
        message: format!("{name}: the file could not be read"),
    })?;
    Ok(state.session()?.attach_form_file(draft_id(&id)?, &field, &name, content)?)
}

/// A scan of the draft's case as a file of the form.
#[tauri::command]
pub async fn attach_case_document_to_form(
    state: State<'_, DeskState>,
    id: String,
    field: String,
    document_id: String,
) -> Result<DraftView, CommandError> {
    let document = uuid_of(&document_id, ErrorCode::DocumentUnknown, "document")?;
    Ok(state.session()?.attach_case_document_to_form(draft_id(&id)?, &field, document)?)
}

#[tauri::command]
pub async fn remove_form_file(
    state: State<'_, DeskState>,
    id: String,
    field: String,
    sha256: String,
) -> Result<DraftView, CommandError> {
    Ok(state.session()?.remove_form_file(draft_id(&id)?, &field, &sha256)?)
}
