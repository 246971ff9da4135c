//! Sync between desks/kiosks and the central server.
//!
//! [`protocol`] holds the versioned wire types shared by both sides and does no I/O. With the
//! `client` feature, [`client`] speaks the protocol over HTTP and [`engine`] runs it on a
//! schedule, publishing its state for the user interfaces.

pub mod protocol;

#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "client")]
pub mod engine;
#[cfg(feature = "client")]
pub mod schedule;
