use std::sync::Arc;

use device::{
    engine::system_clock,
    session::{DeviceSession, SessionError, policy_from_env},
};

/// The desk's state: the device session, or why it could not open (shown in the UI rather than
/// crashing, so the clerk can read what to do).
pub struct DeskState {
    session: Result<Arc<DeviceSession>, SessionError>,
    /// Held while the desk runs: one desk per data folder (two would run two sync engines over
    /// one store). Released by the system when the process ends, however it ends.
    _lock: Option<std::fs::File>,
    /// The clerk confirmed closing although a visit is open.
    closing: std::sync::atomic::AtomicBool,
}

impl DeskState {
    /// The desk on `data_dir`; with `PIETURA_TRAINING=1` a training desk instead, on a folder and
    /// keyring entries of its own (`<data_dir>/training`): nothing a workshop does lands in the
    /// desk's real store.
    pub fn open(data_dir: &std::path::Path) -> Self {
        if training_from_env() {
            return Self::open_as(&data_dir.join("training"), true);
        }
        Self::open_as(data_dir, false)
    }

    fn open_as(data_dir: &std::path::Path, training: bool) -> Self {
        let lock = match only_desk_on(data_dir) {
            Ok(lock) => lock,
            Err(error) => {
                tracing::error!(%error, dir = %data_dir.display(), "another desk runs on this data folder");
                return Self { session: Err(error), _lock: None, closing: std::sync::atomic::AtomicBool::new(false) };
            }
        };
        let app = if training { "pietura-desk-training" } else { "pietura-desk" };
        let session = if training {
            // Training cards the training server issues go in readers of the desk's own.
            let readers = Arc::new(device::login::TrainingReaders::new());
            DeviceSession::open_with_cards(data_dir, app, policy_from_env(), system_clock(), readers.clone())
                .map(|session| session.for_training().with_training_cards(readers))
        } else {
            DeviceSession::open(data_dir, app, policy_from_env(), system_clock())
        }
        .map(Arc::new);
        if training {
            tracing::warn!(dir = %data_dir.display(), "a TRAINING desk: it talks to training servers only");
        }
        match &session {
            Err(error) => tracing::error!(%error, dir = %data_dir.display(), "the local store could not be opened"),
            // Drafts untouched for 30 days go at every start (counted for the administrator).
            Ok(session) => {
                // A clerk sees what goes to the printer, and chooses the printer, first.
                session.set_print_preview(true);
                // Installed from its package: releases go to root's update unit through its
                // hand-over folder.
                if std::path::Path::new(crate::UPDATE_SPOOL).is_dir() {
                    session.set_update_spool(crate::UPDATE_SPOOL.into());
                }
                if let Err(error) = session.sweep_form_drafts() {
                    tracing::warn!(%error, "form drafts could not be swept");
                }
            }
        }
        Self { session, _lock: lock, closing: std::sync::atomic::AtomicBool::new(false) }
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

/// Takes the data folder's lock (`desk.lock`), or says another desk holds it. A folder that cannot
/// be written is left to the store to report.
fn only_desk_on(data_dir: &std::path::Path) -> Result<Option<std::fs::File>, SessionError> {
    if std::fs::create_dir_all(data_dir).is_err() {
        return Ok(None);
    }
    let Ok(file) =
        std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(data_dir.join("desk.lock"))
    else {
        return Ok(None);
    };
    // A desk that was just closed may still be ending (its window gone, its process not yet):
    // it lets go within moments, so a desk started again at once waits for it a little.
    let deadline = std::time::Instant::now() + LOCK_WAIT;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(Some(file)),
            Err(std::fs::TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(SessionError {
                    code: device::ErrorCode::AlreadyRunning,
                    message: format!("another Pietura desk is already open on {}", data_dir.display()),
                });
            }
            Err(std::fs::TryLockError::Error(error)) => {
                tracing::warn!(%error, "the desk's lock could not be taken");
                return Ok(None);
            }
        }
    }
}

/// How long a starting desk waits for one that is ending to let go of the data folder.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// `PIETURA_TRAINING=1`: the desk runs as a training desk (workshops).
pub fn training_from_env() -> bool {
    std::env::var("PIETURA_TRAINING").is_ok_and(|v| v.trim() == "1")
}
