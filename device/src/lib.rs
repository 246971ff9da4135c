//! The device layer: what the desk and the kiosk run to stay in step with the central server.
//!
//! [`client`] speaks the sync protocol (the [`protocol`] crate, re-exported here) over HTTP and
//! [`engine`] runs it on a schedule ([`schedule`]), publishing its state for the user interfaces.
//! [`session`] ties them to a device's offline store and keyring; [`login`] logs people in with
//! their eID card, online or offline. The server never depends on this crate.

pub use protocol;

pub mod client;
mod error_code;
pub use error_code::ErrorCode;
pub mod engine;
pub mod login;
pub mod schedule;
pub mod session;
pub mod update;

/// The offline store's types the user interfaces use, so they need not depend on it directly.
pub mod offline {
    /// The systemd credential that seals a kiosk's secrets (its installer makes it).
    pub use offline_store::sealed::create_master_key_credential;
    pub use offline_store::{DocumentKind, Facet, IncomingRecord, SearchHit, SnippetPart};
}
