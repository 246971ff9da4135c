use ::device::ErrorCode;
use device::session::Enrollment;
use domain::Language;
use serde::Serialize;
use tauri::State;

use super::CommandError;
use crate::DeskState;

/// What the UI needs on start: the language and whether (and where) this desk is enrolled.
#[derive(Debug, Serialize)]
pub struct AppStateDto {
    pub language: Language,
    pub enrollment: Option<EnrollmentDto>,
}

#[derive(Debug, Serialize)]
pub struct EnrollmentDto {
    pub server_url: String,
    pub device_name: String,
    pub centre_name: String,
    pub centre_municipality: String,
}

impl From<Enrollment> for EnrollmentDto {
    fn from(e: Enrollment) -> Self {
        Self {
            server_url: e.server_url,
            device_name: e.device_name,
            centre_name: e.centre.name,
            centre_municipality: e.centre.municipality,
        }
    }
}

#[tauri::command]
pub async fn app_state(state: State<'_, DeskState>) -> Result<AppStateDto, CommandError> {
    let session = state.session()?;
    Ok(AppStateDto { language: session.language()?, enrollment: session.enrollment()?.map(Into::into) })
}

#[tauri::command]
pub async fn set_language(state: State<'_, DeskState>, language: Language) -> Result<(), CommandError> {
    Ok(state.session()?.set_language(language)?)
}

/// Opens a web address in the system's browser: links in articles and service pages never
/// take the desk's own window away from the app. Only `http` and `https` addresses.
#[tauri::command]
pub fn open_link(url: String) -> Result<(), CommandError> {
    let parsed = crate::links::external(&url)
        .ok_or_else(|| CommandError { code: ErrorCode::LinkRefused, message: format!("{url} is not a web address") })?;
    crate::links::open_in_browser(&parsed)
        .map_err(|error| CommandError { code: ErrorCode::LinkFailed, message: format!("{parsed}: {error}") })
}

/// Opens a copy the clerk saved (a receipt, a plan, a document) in the system's PDF or picture
/// viewer, by its file name in the desk's receipts folder: nothing else can be opened this way.
#[tauri::command]
pub async fn open_saved_copy(state: State<'_, DeskState>, name: String) -> Result<(), CommandError> {
    let path = state.session()?.saved_copy(&name)?;
    tracing::info!("opening a saved copy in the system viewer");
    open::that_detached(&path)
        .map_err(|error| CommandError { code: ErrorCode::LinkFailed, message: format!("{name}: {error}") })
}

/// Prints the document the preview shows, on `printer` (the system's default when none).
#[tauri::command]
pub async fn print_held(
    state: State<'_, DeskState>,
    token: String,
    printer: Option<String>,
    copies: u32,
) -> Result<device::session::PrintOutcome, CommandError> {
    let token = super::uuid_of(&token, ErrorCode::NotFound, "print preview")?;
    let session = state.session()?.clone();
    // `lp` may take a moment: off the async workers.
    super::blocking(move || session.print_held(token, printer.as_deref(), copies)).await
}

/// The clerk chose to close the desk although a visit is open (they were asked).
#[tauri::command]
pub async fn close_desk<R: tauri::Runtime>(
    state: State<'_, DeskState>,
    window: tauri::Window<R>,
) -> Result<(), CommandError> {
    tracing::info!("the desk closes at the clerk's word, a visit still open");
    state.set_closing();
    window.close().map_err(|e| CommandError { code: ErrorCode::Internal, message: e.to_string() })
}

/// The preview was closed without printing.
#[tauri::command]
pub async fn drop_held_print(state: State<'_, DeskState>) -> Result<(), CommandError> {
    state.session()?.drop_held_print();
    Ok(())
}
