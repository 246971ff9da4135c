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
    /// A training desk: every screen says so.
    pub training: bool,
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
    Ok(AppStateDto {
        language: session.language()?,
        enrollment: session.enrollment()?.map(Into::into),
        training: session.training(),
    })
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

/// Asks where to keep a saved copy (the system's "Save as" dialog, in the user's documents, named
/// as the desk named it) and writes it there. Answers the path written, or nothing when the clerk
/// cancelled the dialog.
#[tauri::command]
pub async fn save_copy_as<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    window: tauri::Window<R>,
    state: State<'_, DeskState>,
    name: String,
) -> Result<Option<String>, CommandError> {
    use tauri::Manager;
    use tauri_plugin_dialog::DialogExt;
    let session = state.session()?.clone();
    // Known before the dialog opens: a copy already swept is said at once, not after choosing.
    session.saved_copy(&name)?;
    let extension = std::path::Path::new(&name).extension().and_then(|e| e.to_str()).unwrap_or("").to_owned();
    let mut dialog = app.dialog().file().set_file_name(&name).set_parent(&window);
    if let Ok(documents) = app.path().document_dir() {
        dialog = dialog.set_directory(documents);
    }
    if !extension.is_empty() {
        dialog = dialog.add_filter(extension.to_uppercase(), &[extension.as_str()]);
    }
    let (answer, chosen) = tokio::sync::oneshot::channel();
    dialog.save_file(move |path| {
        let _ = answer.send(path);
    });
    let Some(path) = chosen.await.ok().flatten() else { return Ok(None) };
    let path = path
        .into_path()
        .map_err(|e| CommandError { code: ErrorCode::SaveFailed, message: format!("the place chosen: {e}") })?;
    let written = super::blocking(move || session.save_copy_to(&name, &path)).await?;
    Ok(Some(written.display().to_string()))
}

/// What the desk's web view writes to its console at warning level and above, and errors
/// nothing caught, kept in the desk's log files for support. Long texts are cut, personal codes
/// hidden.
#[tauri::command]
pub fn ui_log(level: String, message: String) {
    const LONGEST: usize = 4_000;
    // Error messages may name the customer: personal codes never reach a log file.
    let message = domain::hide_personal_codes(&message.chars().take(LONGEST).collect::<String>());
    match level.as_str() {
        "error" => tracing::error!(target: "desk::ui", "{message}"),
        _ => tracing::warn!(target: "desk::ui", "{message}"),
    }
}

/// The screens the desk can open on.
#[derive(Debug, Clone, Copy, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FirstScreen {
    Enrollment,
    Login,
}

/// The UI's word that its first screen is painted and answers input: the desk's start time, in
/// the log for support (a slow centre PC shows here) and for `cargo xtask measure`.
#[tauri::command]
pub fn first_screen_shown(screen: FirstScreen) {
    let since_start = crate::STARTED.get().map(|started| started.elapsed().as_secs_f64() * 1e3);
    tracing::info!(target: "desk::start", ?screen, since_start_ms = ?since_start, "the first screen is shown");
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
