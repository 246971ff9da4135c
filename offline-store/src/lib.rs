//! The local database of a desk or kiosk: one concrete [`Store`] over SQLCipher.
//!
//! Desks and kiosks hold personal data, so the file is encrypted at rest with a random key kept
//! in the OS keyring ([`secrets::Vault`]), or for a kiosk without a desktop session in a file
//! sealed by a systemd credential ([`sealed`]). A wrong key or a damaged file is an
//! error that says what to do; the store never recreates a database it cannot read.

pub mod cases;
pub mod catalogue;
pub mod drafts;
pub mod logins;
pub mod messages;
#[cfg(feature = "keyring")]
pub mod sealed;
pub mod search;
pub mod search_query;
pub mod secrets;
mod store;

pub use cases::{CaseDraft, CaseMerge, CaseNews, CaseOutbox, EntryOrigin, OutboxCounts, OutboxEntry, Submission};
pub use catalogue::{CatalogueProgress, EventEntry, IncomingRecord, SnapshotBuilder};
pub use drafts::FormDraft;
pub use logins::PinnedLogin;
pub use messages::QueuedMessage;
pub use search::{DocumentKind, Facet, SearchDocument, SearchHit, SearchQuery, SnippetPart};
#[cfg(feature = "keyring")]
pub use secrets::{Backend, Vault};
pub use secrets::{DatabaseKey, SecretError};
pub use store::{CATALOGUE_SCHEMA_VERSION, Enrollment, SCHEMA_VERSION, Store, StoreError, catalogue_path};
