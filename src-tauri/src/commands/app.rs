use domain::Language;
use serde::Serialize;
use sync::session::Enrollment;
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
