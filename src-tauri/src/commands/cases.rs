//! Cases at the desk: register, list, search, move on, the customer's card and visit, receipts.

use ::device::ErrorCode;

use device::login::{CardDetails, LoginFailure};
use device::session::{CaseView, DocumentPreview, PrintOutcome, RegisterCase, VisitView};
use domain::case::CaseStatus;
use tauri::State;
use uuid::Uuid;

use super::CommandError;
use crate::DeskState;

fn parse_id(id: &str) -> Result<Uuid, CommandError> {
    super::uuid_of(id, ErrorCode::CaseUnknown, "case")
}

impl From<LoginFailure> for CommandError {
    fn from(failure: LoginFailure) -> Self {
        Self { code: failure.code, message: failure.message }
    }
}

#[tauri::command]
pub async fn register_case(state: State<'_, DeskState>, request: RegisterCase) -> Result<CaseView, CommandError> {
    Ok(state.session()?.register_case(request)?)
}

#[tauri::command]
pub async fn change_case_status(
    state: State<'_, DeskState>,
    id: String,
    to: CaseStatus,
    note: Option<String>,
) -> Result<CaseView, CommandError> {
    Ok(state.session()?.change_case_status(parse_id(&id)?, to, note.as_deref().unwrap_or(""))?)
}

#[tauri::command]
pub async fn case_page(state: State<'_, DeskState>, id: String) -> Result<CaseView, CommandError> {
    state
        .session()?
        .case(parse_id(&id)?)?
        .ok_or_else(|| CommandError { code: ErrorCode::CaseUnknown, message: format!("no case {id} on this desk") })
}

#[tauri::command]
pub async fn add_case_note(state: State<'_, DeskState>, id: String, text: String) -> Result<CaseView, CommandError> {
    Ok(state.session()?.add_case_note(parse_id(&id)?, &text)?)
}

/// `content`: the file as base64 (the webview reads the chosen file).
#[tauri::command]
pub async fn add_case_document(
    state: State<'_, DeskState>,
    id: String,
    name: String,
    content: String,
) -> Result<CaseView, CommandError> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(content.as_bytes())
        .map_err(|_| CommandError { code: ErrorCode::DocumentType, message: "the file could not be read".into() })?;
    Ok(state.session()?.add_case_document(parse_id(&id)?, &name, &bytes)?)
}

#[tauri::command]
pub async fn case_document_preview(
    state: State<'_, DeskState>,
    case_id: String,
    document_id: String,
) -> Result<DocumentPreview, CommandError> {
    Ok(state.session()?.case_document_preview(parse_id(&case_id)?, parse_id(&document_id)?)?)
}

#[tauri::command]
pub async fn export_case_document(
    state: State<'_, DeskState>,
    case_id: String,
    document_id: String,
    to_printer: bool,
) -> Result<PrintOutcome, CommandError> {
    Ok(state.session()?.export_case_document(parse_id(&case_id)?, parse_id(&document_id)?, to_printer)?)
}

#[tauri::command]
pub async fn mark_case_seen(state: State<'_, DeskState>, id: String) -> Result<(), CommandError> {
    Ok(state.session()?.mark_case_seen(parse_id(&id)?)?)
}

#[tauri::command]
pub async fn cases_with_news(state: State<'_, DeskState>) -> Result<Vec<CaseView>, CommandError> {
    Ok(state.session()?.cases_with_news()?)
}

#[tauri::command]
pub async fn find_cases(state: State<'_, DeskState>, query: Option<String>) -> Result<Vec<CaseView>, CommandError> {
    Ok(state.session()?.find_cases(query.as_deref().unwrap_or(""))?)
}

#[tauri::command]
pub async fn read_customer_card(state: State<'_, DeskState>) -> Result<CardDetails, CommandError> {
    Ok(state.session()?.customer_from_card()?)
}

/// The customer's card for a signature: whose it is, PIN2 tries left.
#[tauri::command]
pub async fn customer_signer(state: State<'_, DeskState>) -> Result<CardDetails, CommandError> {
    let session = state.session()?.clone();
    super::blocking(move || session.customer_signer()).await
}

#[tauri::command]
pub async fn start_visit(
    state: State<'_, DeskState>,
    customer_code: String,
    customer_name: Option<String>,
) -> Result<VisitView, CommandError> {
    Ok(state.session()?.start_visit(&customer_code, customer_name.as_deref().unwrap_or(""))?)
}

#[tauri::command]
pub async fn current_visit(state: State<'_, DeskState>) -> Result<Option<VisitView>, CommandError> {
    Ok(state.session()?.visit())
}

#[tauri::command]
pub async fn end_visit(state: State<'_, DeskState>) -> Result<Option<VisitView>, CommandError> {
    let session = state.session()?;
    // The customer's consent ends with their visit.
    if let Err(error) = session.end_consent().await {
        tracing::warn!(%error, "the consent could not be ended on the server (it ends with its time)");
    }
    Ok(session.end_visit())
}

/// `to_printer: false` saves the PDF only (and answers where).
#[tauri::command]
pub async fn print_case_receipt(
    state: State<'_, DeskState>,
    id: String,
    to_printer: bool,
) -> Result<PrintOutcome, CommandError> {
    Ok(state.session()?.print_case_receipt(parse_id(&id)?, to_printer)?)
}

#[tauri::command]
pub async fn print_visit_receipt(state: State<'_, DeskState>, to_printer: bool) -> Result<PrintOutcome, CommandError> {
    Ok(state.session()?.print_visit_receipt(to_printer)?)
}

/// Checks a personal code or registration number as it is typed: `natural` or `legal`, or the
/// rule broken (`personal_code_check_digit`, …).
#[tauri::command]
pub async fn check_customer_code(code: String) -> Result<&'static str, CommandError> {
    Ok(device::session::parse_customer(&code, "")?.kind_name())
}
