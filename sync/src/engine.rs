//! The background engine: talks to the server on a schedule and publishes its state.
//!
//! status → pure plan ([`crate::schedule::after_attempt`]) → apply (sleep, publish). Later
//! issues add pull and push steps to each round.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::{Notify, watch};
use tracing::{debug, info, warn};

use crate::client::{ClientError, SyncClient};
use crate::protocol::DeviceCredentials;
use crate::schedule::{AttemptOutcome, SchedulePolicy, SyncStatus, after_attempt};

/// Where the engine reads the time; injected so tests can pin it.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// The system clock.
pub fn system_clock() -> Clock {
    #[allow(clippy::disallowed_methods)] // The engine is an edge: this is its one clock read.
    Arc::new(Utc::now)
}

/// Controls a running engine. Dropping it stops the engine.
#[derive(Debug)]
pub struct SyncHandle {
    status: watch::Receiver<SyncStatus>,
    wake: Arc<Notify>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl SyncHandle {
    /// A receiver of every status change, for a user interface to watch.
    pub fn subscribe(&self) -> watch::Receiver<SyncStatus> {
        self.status.clone()
    }

    pub fn status(&self) -> SyncStatus {
        self.status.borrow().clone()
    }

    /// Try now instead of waiting out the backoff (e.g. the user pressed "retry").
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Stops the engine and waits for it to finish its current attempt.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for SyncHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Starts the engine on the current tokio runtime.
pub fn spawn(client: SyncClient, credentials: DeviceCredentials, policy: SchedulePolicy, clock: Clock) -> SyncHandle {
    let (status_tx, status_rx) = watch::channel(SyncStatus::default());
    let wake = Arc::new(Notify::new());
    let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel();
    let wake_task = wake.clone();
    let task = tokio::spawn(async move {
        info!(server = %client.base_url(), device = %credentials.device_id, "sync engine started");
        loop {
            let outcome = tokio::select! {
                outcome = attempt(&client, &credentials) => outcome,
                _ = &mut stop_rx => break,
            };
            let previous = status_tx.borrow().clone();
            let (status, wait) = after_attempt(&previous, outcome, clock(), &policy, jitter());
            if status.connection != previous.connection {
                info!(connection = ?status.connection, error = ?status.last_error, "sync connection changed");
            }
            status_tx.send_replace(status);
            debug!(?wait, "next sync attempt");
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = wake_task.notified() => {}
                _ = &mut stop_rx => break,
            }
        }
        info!("sync engine stopped");
    });
    SyncHandle { status: status_rx, wake, stop: Some(stop_tx), task: Some(task) }
}

async fn attempt(client: &SyncClient, credentials: &DeviceCredentials) -> AttemptOutcome {
    match client.hello(credentials).await {
        Ok(hello) => AttemptOutcome::Success { centre: hello.centre },
        Err(error) => {
            warn!(code = error.code(), %error, "sync attempt failed");
            classify(error)
        }
    }
}

fn classify(error: ClientError) -> AttemptOutcome {
    let reason = error.to_string();
    match error {
        ClientError::Protocol(_) => AttemptOutcome::Incompatible(reason),
        e if e.is_unauthorised() => AttemptOutcome::Unauthorised(reason),
        _ => AttemptOutcome::Unreachable(reason),
    }
}

/// A number in [0, 1) from the OS's random source, for backoff jitter.
fn jitter() -> f64 {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        return 0.5;
    }
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_is_in_the_unit_interval() {
        for _ in 0..1000 {
            let j = jitter();
            assert!((0.0..1.0).contains(&j));
        }
    }

    #[test]
    fn errors_are_classified_by_what_fixes_them() {
        let refused = ClientError::Rejected { status: 401, code: "unauthorised".into(), message: String::new() };
        assert!(matches!(classify(refused), AttemptOutcome::Unauthorised(_)));
        let down = ClientError::Unreachable { url: "x".into(), reason: "refused".into() };
        assert!(matches!(classify(down), AttemptOutcome::Unreachable(_)));
        let old = ClientError::Protocol(crate::protocol::VersionError::Mismatch { ours: 1, theirs: 2 });
        assert!(matches!(classify(old), AttemptOutcome::Incompatible(_)));
    }
}
