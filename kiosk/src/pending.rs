//! A server answer on its way to a screen: asked off the drawing thread, picked up between
//! frames, at most one of a kind at a time.

use std::future::Future;

use tokio::sync::oneshot::{self, error::TryRecvError};

pub struct Pending<T>(Option<oneshot::Receiver<T>>);

impl<T> Default for Pending<T> {
    fn default() -> Self {
        Self(None)
    }
}

impl<T: Send + 'static> Pending<T> {
    /// Starts `work` unless an answer is already awaited; answers whether it started.
    pub fn ask(&mut self, runtime: &tokio::runtime::Handle, work: impl Future<Output = T> + Send + 'static) -> bool {
        if self.is_waiting() {
            return false;
        }
        let (sender, receiver) = oneshot::channel();
        runtime.spawn(async move {
            let _ = sender.send(work.await);
        });
        self.0 = Some(receiver);
        true
    }

    /// The same for work that blocks (PC/SC calls), on the runtime's blocking threads.
    pub fn ask_blocking(
        &mut self,
        runtime: &tokio::runtime::Handle,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> bool {
        if self.is_waiting() {
            return false;
        }
        let (sender, receiver) = oneshot::channel();
        runtime.spawn_blocking(move || {
            let _ = sender.send(work());
        });
        self.0 = Some(receiver);
        true
    }

    /// The answer once it has arrived; then nothing is awaited any more. Work that ended without
    /// answering is forgotten the same way.
    pub fn take(&mut self) -> Option<T> {
        let receiver = self.0.as_mut()?;
        match receiver.try_recv() {
            Ok(answer) => {
                self.0 = None;
                Some(answer)
            }
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Closed) => {
                self.0 = None;
                None
            }
        }
    }

    pub fn is_waiting(&self) -> bool {
        self.0.is_some()
    }

    /// Drops the awaited answer unread (a citizen's session ended).
    pub fn forget(&mut self) {
        self.0 = None;
    }
}
