use tauri::State;

use super::{CommandError, app::EnrollmentDto};
use crate::DeskState;

#[tauri::command]
pub async fn enroll(
    state: State<'_, DeskState>,
    server_url: String,
    code: String,
) -> Result<EnrollmentDto, CommandError> {
    Ok(state.session()?.enroll(&server_url, &code).await?.into())
}
