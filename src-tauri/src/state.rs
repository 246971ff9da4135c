use std::{path::PathBuf, sync::Arc};

use sync::{
    engine::system_clock,
    session::{policy_from_env, DeviceSession, SessionError},
};
use tauri::{Manager, Runtime};

/// The desk's state: the device session, or why it could not open (shown in the UI rather than
/// crashing, so the clerk can read what to do).
pub struct DeskState {
    session: Result<Arc<DeviceSession>, SessionError>,
}

impl DeskState {
    pub fn open(data_dir: &std::path::Path) -> Self {
        let session = DeviceSession::open(data_dir, "pietura-desk", policy_from_env(), system_clock()).map(Arc::new);
        if let Err(error) = &session {
            tracing::error!(%error, dir = %data_dir.display(), "the local store could not be opened");
        }
        Self { session }
    }

    pub fn session(&self) -> Result<&Arc<DeviceSession>, SessionError> {
        self.session.as_ref().map_err(Clone::clone)
    }
}

/// `PIETURA_DESK_DATA_DIR`, or the platform's app data folder.
pub fn data_dir<R: Runtime>(app: &tauri::AppHandle<R>) -> Result<PathBuf, Box<dyn std::error::Error>> {
    if let Some(dir) = std::env::var_os("PIETURA_DESK_DATA_DIR") {
        return Ok(PathBuf::from(dir));
    }
    Ok(app.path().app_data_dir()?)
}
