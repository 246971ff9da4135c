use std::sync::Arc;

use device::{
    engine::system_clock,
    session::{DeviceSession, SessionError, policy_from_env},
};

/// The desk's state: the device session, or why it could not open (shown in the UI rather than
/// crashing, so the clerk can read what to do).
pub struct DeskState {
    session: Result<Arc<DeviceSession>, SessionError>,
    /// The clerk confirmed closing although a visit is open.
    closing: std::sync::atomic::AtomicBool,
}

impl DeskState {
    pub fn open(data_dir: &std::path::Path) -> Self {
        let session = DeviceSession::open(data_dir, "pietura-desk", policy_from_env(), system_clock()).map(Arc::new);
        match &session {
            Err(error) => tracing::error!(%error, dir = %data_dir.display(), "the local store could not be opened"),
            // Drafts untouched for 30 days go at every start (counted for the administrator).
            Ok(session) => {
                // A clerk sees what goes to the printer, and chooses the printer, first.
                session.set_print_preview(true);
                if let Err(error) = session.sweep_form_drafts() {
                    tracing::warn!(%error, "form drafts could not be swept");
                }
            }
        }
        Self { session, closing: std::sync::atomic::AtomicBool::new(false) }
    }

    /// Whether the clerk confirmed closing mid-visit.
    pub fn closing(&self) -> bool {
        self.closing.load(std::sync::atomic::Ordering::SeqCst)
    }

    pub fn set_closing(&self) {
        self.closing.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    pub fn session(&self) -> Result<&Arc<DeviceSession>, SessionError> {
        self.session.as_ref().map_err(Clone::clone)
    }
}
