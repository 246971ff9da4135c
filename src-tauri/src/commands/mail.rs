//! E-address at the desk: the catalogue of institutions' addresses, writing (queued offline),
//! the desk's queued messages, and — online — mailboxes, folders and opening a message.

use ::device::ErrorCode;

use device::session::{ComposeMessage, DirectoryEntry, QueuedMessageView};
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
    before: Option<chrono::DateTime<chrono::Utc>>,
    before_id: Option<Uuid>,
) -> Result<serde_json::Value, CommandError> {
    Ok(state.session()?.mailbox_folder(&address, &folder, before.zip(before_id)).await?)
}

#[tauri::command]
pub async fn open_message(
    state: State<'_, DeskState>,
    address: String,
    id: String,
) -> Result<serde_json::Value, CommandError> {
    let id = super::uuid_of(&id, ErrorCode::NotFound, "message")?;
    Ok(state.session()?.open_message(&address, id).await?)
}

/// What the customer will sign, for the clerk to show them.
#[tauri::command]
pub async fn ask_consent(
    state: State<'_, DeskState>,
    rights: String,
    minutes: u32,
) -> Result<serde_json::Value, CommandError> {
    Ok(state.session()?.ask_consent(&rights, minutes).await?)
}

/// The customer types PIN1 and signs with their card in the second reader.
#[tauri::command]
pub async fn sign_consent(
    state: State<'_, DeskState>,
    id: String,
    pin: String,
) -> Result<device::session::ActiveConsent, CommandError> {
    let pin = zeroize::Zeroizing::new(pin);
    let id = super::uuid_of(&id, ErrorCode::NotFound, "consent")?;
    // What the card signs is the one the server gave this desk for `id`, never the screen's.
    Ok(state.session()?.sign_consent(id, &pin).await?)
}

/// The consent in force (none once the customer's card has left the reader).
#[tauri::command]
pub async fn consent_status(
    state: State<'_, DeskState>,
) -> Result<Option<device::session::ActiveConsent>, CommandError> {
    Ok(state.session()?.consent().await)
}

#[tauri::command]
pub async fn consent_inbox(state: State<'_, DeskState>) -> Result<Vec<protocol::MessageDto>, CommandError> {
    Ok(state.session()?.consent_inbox().await?)
}

#[tauri::command]
pub async fn open_customer_message(
    state: State<'_, DeskState>,
    id: Uuid,
) -> Result<protocol::MessageDto, CommandError> {
    Ok(state.session()?.open_customer_message(id).await?)
}

#[tauri::command]
pub async fn export_customer_attachment(
    state: State<'_, DeskState>,
    id: Uuid,
    index: usize,
    to_printer: bool,
) -> Result<device::session::PrintOutcome, CommandError> {
    Ok(state.session()?.export_customer_attachment(id, index, to_printer).await?)
}

#[tauri::command]
pub async fn end_consent(state: State<'_, DeskState>) -> Result<(), CommandError> {
    Ok(state.session()?.end_consent().await?)
}

/// Sends in the consenting customer's name (their consent to communicate).
#[tauri::command]
pub async fn send_for_customer(
    state: State<'_, DeskState>,
    request: ComposeMessage,
) -> Result<serde_json::Value, CommandError> {
    Ok(state.session()?.send_for_customer(request).await?)
}

/// Who accessed a mailbox the logged-in person answers for (the centre's, for its administrator).
#[tauri::command]
pub async fn mailbox_accesses(
    state: State<'_, DeskState>,
    address: String,
) -> Result<Vec<protocol::AccessDto>, CommandError> {
    Ok(state.session()?.mailbox_accesses(&address).await?)
}

/// Who accessed the consenting customer's mailbox.
#[tauri::command]
pub async fn consent_accesses(state: State<'_, DeskState>) -> Result<Vec<protocol::AccessDto>, CommandError> {
    Ok(state.session()?.consent_accesses().await?)
}
