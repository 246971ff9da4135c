//! Public catalogue reads answered from memory (issue 20): a service's or article's published
//! document, kept with its entity tag until the catalogue changes. Whether it changed is learnt
//! from the catalogue's change position, read at most once per [`CHECK_EVERY`] by one request
//! (the others meanwhile answer from what is kept), so a read costs no database round trip; a
//! change made through this server forgets everything at once, one made elsewhere (another
//! instance, the operator's import) is seen within [`CHECK_EVERY`]. `If-None-Match` with the
//! current tag is answered 304 without a body.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;

use super::rdf::RdfSyntax;
use crate::store::{RecordKind, Store, StoreError};

/// How old the known change position may be before a read asks the database again.
pub const CHECK_EVERY: Duration = Duration::from_secs(1);

/// At most this many documents are kept (about 60,000 records at today's scale); past it the
/// oldest half goes. The published catalogue is what is read, so the limit is rarely reached.
const MAX_ENTRIES: usize = 100_000;

/// One answer as it goes out.
#[derive(Debug)]
pub struct CachedRead {
    pub content_type: &'static str,
    /// A strong entity tag, quoted (`"…"`).
    pub etag: String,
    /// The same as a header value.
    pub etag_header: axum::http::HeaderValue,
    pub body: Bytes,
}

impl CachedRead {
    pub fn new(content_type: &'static str, etag: String, body: Bytes) -> Self {
        let etag_header = axum::http::HeaderValue::from_str(&etag)
            .unwrap_or_else(|_| axum::http::HeaderValue::from_static("\"unknown\""));
        Self { content_type, etag, etag_header, body }
    }
}

/// What a read asked for: a record in one representation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReadKey {
    pub kind: RecordKind,
    pub id: String,
    /// CPSV-AP in this syntax, or the record's own JSON (`None`).
    pub rdf: Option<RdfSyntax>,
}

#[derive(Default)]
struct Kept {
    /// The change position the entries were read at (`None`: never checked).
    position: Option<i64>,
    checked_at: Option<Instant>,
    checking: bool,
    entries: HashMap<ReadKey, (u64, Arc<CachedRead>)>,
    /// Insertion counter, to drop the oldest when full.
    next: u64,
}

#[derive(Default)]
pub struct CatalogueReads {
    kept: Mutex<Kept>,
}

impl CatalogueReads {
    /// The kept answer for `key`, after making sure the catalogue has not moved on (at most one
    /// database read per [`CHECK_EVERY`], by one caller).
    pub async fn get(&self, store: &dyn Store, key: &ReadKey) -> Result<Option<Arc<CachedRead>>, StoreError> {
        let due = {
            let mut kept = self.lock();
            let due = !kept.checking && kept.checked_at.is_none_or(|at| at.elapsed() >= CHECK_EVERY);
            if due {
                kept.checking = true;
            } else if kept.position.is_some() {
                return Ok(kept.entries.get(key).map(|(_, read)| read.clone()));
            }
            due
        };
        if due {
            let position = store.catalogue_head().await;
            let mut kept = self.lock();
            kept.checking = false;
            let position = position?;
            if kept.position != Some(position) {
                kept.entries.clear();
                kept.position = Some(position);
            }
            kept.checked_at = Some(Instant::now());
            return Ok(kept.entries.get(key).map(|(_, read)| read.clone()));
        }
        // Never checked yet and another request is checking: read from the database.
        Ok(None)
    }

    /// Keeps an answer read from the database at the position last checked.
    pub fn put(&self, key: ReadKey, read: Arc<CachedRead>) {
        let mut kept = self.lock();
        if kept.position.is_none() {
            return;
        }
        if kept.entries.len() >= MAX_ENTRIES {
            let mut ages: Vec<u64> = kept.entries.values().map(|(n, _)| *n).collect();
            ages.sort_unstable();
            let cut = ages[ages.len() / 2];
            kept.entries.retain(|_, (n, _)| *n > cut);
        }
        kept.next += 1;
        let n = kept.next;
        kept.entries.insert(key, (n, read));
    }

    /// Forgets everything: this server changed the catalogue.
    pub fn forget(&self) {
        let mut kept = self.lock();
        kept.entries.clear();
        kept.position = None;
        kept.checked_at = None;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Kept> {
        self.kept.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Whether an `If-None-Match` header names `etag` (or is `*`).
pub fn not_modified(if_none_match: Option<&str>, etag: &str) -> bool {
    if_none_match.is_some_and(|header| {
        header.split(',').map(str::trim).any(|tag| tag == "*" || tag == etag || tag.strip_prefix("W/") == Some(etag))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_takes_lists_weak_tags_and_the_star() {
        assert!(not_modified(Some("\"s7\""), "\"s7\""));
        assert!(not_modified(Some("\"a\", W/\"s7\""), "\"s7\""));
        assert!(not_modified(Some("*"), "\"s7\""));
        assert!(!not_modified(Some("\"s8\""), "\"s7\""));
        assert!(!not_modified(None, "\"s7\""));
    }
}
