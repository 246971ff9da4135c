//! The trainer's workshop screens at a training desk: scenarios, workshops opened and followed,
//! seats reset, handouts printed.

use ::device::ErrorCode;
use protocol::{TrainingScenarios, WorkshopList, WorkshopView};
use tauri::State;

use super::{CommandError, uuid_of};
use crate::DeskState;

#[tauri::command]
pub async fn training_scenarios(state: State<'_, DeskState>) -> Result<TrainingScenarios, CommandError> {
    Ok(state.session()?.training_scenarios().await?)
}

#[tauri::command]
pub async fn workshops(state: State<'_, DeskState>) -> Result<WorkshopList, CommandError> {
    Ok(state.session()?.workshops().await?)
}

#[tauri::command]
pub async fn open_workshop(
    state: State<'_, DeskState>,
    scenarios: Vec<String>,
    seats: u8,
) -> Result<WorkshopView, CommandError> {
    Ok(state.session()?.open_workshop(scenarios, seats).await?)
}

#[tauri::command]
pub async fn workshop(state: State<'_, DeskState>, id: String) -> Result<WorkshopView, CommandError> {
    let id = uuid_of(&id, ErrorCode::NotFound, "workshop")?;
    Ok(state.session()?.workshop(id).await?)
}

#[tauri::command]
pub async fn reset_workshop(
    state: State<'_, DeskState>,
    id: String,
    seat: Option<u8>,
) -> Result<WorkshopView, CommandError> {
    let id = uuid_of(&id, ErrorCode::NotFound, "workshop")?;
    Ok(state.session()?.reset_workshop(id, seat).await?)
}

#[tauri::command]
pub async fn workshop_handouts(
    state: State<'_, DeskState>,
    to_printer: bool,
) -> Result<device::session::PrintOutcome, CommandError> {
    let session = state.session()?.clone();
    super::blocking(move || session.workshop_handouts(to_printer)).await
}

/// The workshop's attendance and completion record, printed or saved.
#[tauri::command]
pub async fn workshop_record(
    state: State<'_, DeskState>,
    id: String,
    to_printer: bool,
) -> Result<device::session::PrintOutcome, CommandError> {
    let id = uuid_of(&id, ErrorCode::NotFound, "workshop")?;
    Ok(state.session()?.workshop_record(id, to_printer).await?)
}

/// Puts a training person's card (issued by the training server) in the desk's clerk or customer
/// training reader.
#[tauri::command]
pub async fn insert_training_card(
    state: State<'_, DeskState>,
    personal_code: String,
    for_customer: bool,
) -> Result<protocol::TrainingPerson, CommandError> {
    Ok(state.session()?.insert_training_card(&personal_code, for_customer).await?)
}

#[tauri::command]
pub async fn remove_training_card(state: State<'_, DeskState>, for_customer: bool) -> Result<(), CommandError> {
    state.session()?.remove_training_card(for_customer);
    Ok(())
}
