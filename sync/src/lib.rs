//! Sync between desks/kiosks and the central server.
//!
//! [`protocol`] holds the versioned wire types shared by both sides and does no I/O. With the
//! `client` feature, [`client`] speaks the protocol over HTTP and [`engine`] runs it on a
//! schedule, publishing its state for the user interfaces. [`session`] ties them to a device's
//! offline store and keyring: what the desk and the kiosk both run; [`login`] logs people in with
//! their eID card, online or offline.

pub mod protocol;

#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "client")]
pub mod engine;
#[cfg(feature = "client")]
pub mod login;
#[cfg(feature = "client")]
pub mod schedule;
#[cfg(feature = "client")]
pub mod session;

/// The offline store's types the user interfaces use, so they need not depend on it directly.
#[cfg(feature = "client")]
pub mod offline {
    pub use offline_store::{DocumentKind, Facet, IncomingRecord, SearchHit, SnippetPart};
}
