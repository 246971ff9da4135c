//! Commands the web view may call. Each is a few lines: take state and input, call a crate,
//! map the error to [`CommandError`], whose `code` the UI translates. All are `async`, so they
//! run off the main thread and a slow disk never freezes the window.

use ::device::ErrorCode;

pub mod admin;
pub mod app;
pub mod cases;
pub mod catalogue;
pub mod enrollment;
pub mod forms;
pub mod login;
pub mod mail;
pub mod sync;
pub mod training;

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommandError {
    pub code: ErrorCode,
    pub message: String,
}

/// An id the UI sends, as a UUID; one that is not is refused with `code`, naming `what` it was.
pub(crate) fn uuid_of(id: &str, code: ErrorCode, what: &str) -> Result<uuid::Uuid, CommandError> {
    uuid::Uuid::parse_str(id).map_err(|_| CommandError { code, message: format!("no {what} {id}") })
}

/// Runs `work` on a blocking thread: card calls block on PC/SC and must not hold the async
/// workers (the window would freeze).
pub(crate) async fn blocking<T, E>(work: impl FnOnce() -> Result<T, E> + Send + 'static) -> Result<T, CommandError>
where
    T: Send + 'static,
    E: Into<CommandError> + Send + 'static,
{
    tauri::async_runtime::spawn_blocking(work)
        .await
        .map_err(|e| CommandError { code: ErrorCode::Internal, message: e.to_string() })?
        .map_err(Into::into)
}

impl From<::device::session::SessionError> for CommandError {
    fn from(error: ::device::session::SessionError) -> Self {
        Self { code: error.code, message: error.message }
    }
}
