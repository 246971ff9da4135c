//! E-address at the desk: the catalogue of institutions' addresses, writing (queued offline),
//! the desk's queued messages, and — online — mailboxes, folders and opening a message.

use sync::session::{ComposeMessage, DirectoryEntry, QueuedMessageView};
use tauri::State;
use uuid::Uuid;

use super::CommandError;
use crate::DeskState;

#[tauri::command]
pub async fn eaddress_directory(
    state: State<'_, DeskState>,
    query: String,
) -> Result<Vec<DirectoryEntry>, CommandError> {
    Ok(state.session()?.directory(&query)?)
}

#[tauri::command]
pub async fn compose_message(
    state: State<'_, DeskState>,
    request: ComposeMessage,
) -> Result<QueuedMessageView, CommandError> {
    Ok(state.session()?.compose_message(request)?)
}

#[tauri::command]
pub async fn queued_messages(state: State<'_, DeskState>) -> Result<Vec<QueuedMessageView>, CommandError> {
    Ok(state.session()?.queued_messages()?)
}

#[tauri::command]
pub async fn mailboxes(state: State<'_, DeskState>) -> Result<serde_json::Value, CommandError> {
    Ok(state.session()?.mailboxes().await?)
}

#[tauri::command]
pub async fn mailbox_folder(
    state: State<'_, DeskState>,
    address: String,
    folder: String,
) -> Result<serde_json::Value, CommandError> {
    Ok(state.session()?.mailbox_folder(&address, &folder).await?)
}

#[tauri::command]
pub async fn open_message(
    state: State<'_, DeskState>,
    address: String,
    id: String,
) -> Result<serde_json::Value, CommandError> {
    let id = Uuid::parse_str(&id)
        .map_err(|_| CommandError { code: "not_found".into(), message: format!("no message {id}") })?;
    Ok(state.session()?.open_message(&address, id).await?)
}
