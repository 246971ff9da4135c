//! Card login: the reader and card as they are now, logging in with the PIN, logging out.

use ::device::ErrorCode;

use device::login::{CardView, LoginFailure, LoginView};
use serde::Serialize;
use tauri::State;

use super::CommandError;
use crate::DeskState;

#[derive(Debug, Serialize)]
pub struct LoginStatus {
    pub login: LoginView,
    pub card: CardView,
}

/// A login failure the UI can explain (with the PIN tries left after a wrong PIN).
#[derive(Debug, Serialize)]
pub struct LoginError {
    pub code: ErrorCode,
    pub message: String,
    pub tries_left: Option<u8>,
}

impl From<LoginFailure> for LoginError {
    fn from(failure: LoginFailure) -> Self {
        Self { code: failure.code, message: failure.message, tries_left: failure.tries_left }
    }
}

impl From<CommandError> for LoginError {
    fn from(error: CommandError) -> Self {
        Self { code: error.code, message: error.message, tries_left: None }
    }
}

/// Polled by the login and lock screens: who is logged in, and what is in the reader.
#[tauri::command]
pub async fn login_status(state: State<'_, DeskState>) -> Result<LoginStatus, CommandError> {
    let session = state.session()?.clone();
    super::blocking(move || {
        let login = session.login();
        login.check_card_presence();
        Ok::<_, CommandError>(LoginStatus { login: login.view(), card: login.card_view() })
    })
    .await
}

/// Logs in (or unlocks) with the card in the reader. The PIN goes to the card only; without
/// one, it is typed on the reader's own PIN pad.
#[tauri::command]
pub async fn log_in(state: State<'_, DeskState>, pin: Option<String>) -> Result<LoginView, LoginError> {
    let pin = pin.map(zeroize::Zeroizing::new);
    let session = state.session().map_err(CommandError::from)?.clone();
    Ok(session.log_in(pin.as_deref().map(String::as_str)).await?)
}

#[tauri::command]
pub async fn log_out(state: State<'_, DeskState>) -> Result<LoginView, CommandError> {
    let session = state.session()?;
    let view = session.log_out().await;
    // Between people: the quiet moment for a waiting update (never in the middle of a visit).
    session.install_update_if_waiting();
    Ok(view)
}
