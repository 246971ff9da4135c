use device::schedule::SyncStatus;
use tauri::State;

use super::CommandError;
use crate::DeskState;

#[tauri::command]
pub async fn sync_status(state: State<'_, DeskState>) -> Result<SyncStatus, CommandError> {
    Ok(state.session()?.status())
}

#[tauri::command]
pub async fn retry_sync(state: State<'_, DeskState>) -> Result<(), CommandError> {
    state.session()?.retry_now().await;
    Ok(())
}

/// What the server refused from this desk's outbox, with its reasons.
#[tauri::command]
pub async fn outbox_problems(state: State<'_, DeskState>) -> Result<Vec<device::session::OutboxProblem>, CommandError> {
    Ok(state.session()?.outbox_problems()?)
}
