//! The centre administrator's screens: figures, staff and devices (read online, the last copy
//! shown offline), roles granted and taken away, devices added and revoked.

use ::device::ErrorCode;
use device::session::Kept;
use protocol::{CentreDashboard, CentreDevices, DeviceEnrollmentCode, StaffList};
use tauri::State;

use super::{CommandError, uuid_of};
use crate::DeskState;

#[tauri::command]
pub async fn centre_dashboard(state: State<'_, DeskState>) -> Result<Kept<CentreDashboard>, CommandError> {
    Ok(state.session()?.centre_dashboard().await?)
}

#[tauri::command]
pub async fn centre_staff(state: State<'_, DeskState>) -> Result<Kept<StaffList>, CommandError> {
    Ok(state.session()?.centre_staff().await?)
}

#[tauri::command]
pub async fn centre_devices(state: State<'_, DeskState>) -> Result<Kept<CentreDevices>, CommandError> {
    Ok(state.session()?.centre_devices().await?)
}

#[tauri::command]
pub async fn grant_role(
    state: State<'_, DeskState>,
    personal_code: String,
    role: String,
) -> Result<StaffList, CommandError> {
    Ok(state.session()?.grant_role(&personal_code, &role).await?)
}

#[tauri::command]
pub async fn revoke_role(state: State<'_, DeskState>, personal_code: String, role: String) -> Result<(), CommandError> {
    Ok(state.session()?.revoke_role(&personal_code, &role).await?)
}

#[tauri::command]
pub async fn add_centre_device(
    state: State<'_, DeskState>,
    kind: String,
    name: String,
) -> Result<DeviceEnrollmentCode, CommandError> {
    Ok(state.session()?.add_centre_device(&kind, &name).await?)
}

#[tauri::command]
pub async fn revoke_centre_device(state: State<'_, DeskState>, id: String) -> Result<(), CommandError> {
    let id = uuid_of(&id, ErrorCode::NotFound, "device")?;
    Ok(state.session()?.revoke_centre_device(id).await?)
}

#[tauri::command]
pub async fn renew_device_code(state: State<'_, DeskState>, id: String) -> Result<DeviceEnrollmentCode, CommandError> {
    let id = uuid_of(&id, ErrorCode::NotFound, "device")?;
    Ok(state.session()?.renew_device_code(id).await?)
}

/// The figures last read, saved as a spreadsheet among the desk's copies.
#[tauri::command]
pub async fn save_centre_figures(state: State<'_, DeskState>) -> Result<device::session::PrintOutcome, CommandError> {
    Ok(state.session()?.save_centre_figures().await?)
}
