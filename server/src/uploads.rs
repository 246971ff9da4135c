//! Attachment uploads. Content goes into the object store (under its SHA-256) before the message
//! that names it, so content can be uploaded that no message ever names: by mistake, by a desk
//! whose message was then refused, or on purpose to fill the disk. Each uploader (an institution,
//! a desk) may therefore hold at most a quota of content no message names yet, and content no
//! message named a day after its last upload is removed by [`collect`].

use chrono::{DateTime, Duration, Utc};
use domain::eaddress::MAX_ATTACHMENT_BYTES;
use tracing::{info, warn};

use crate::eaddress::{Attachments, MailboxError};
use crate::store::{Store, Upload};

/// How long content no message names is kept after its last upload.
pub const KEPT_UNNAMED_HOURS: i64 = 24;
/// A message may name content no message names yet only this long after its last upload: an
/// hour less than it is kept, so that no message ever names content that is being removed.
pub const NAMEABLE_HOURS: i64 = KEPT_UNNAMED_HOURS - 1;
/// Each uploader's content that no message names, uploaded in the last [`KEPT_UNNAMED_HOURS`]
/// (a busy desk sends a few megabytes an hour, each named within seconds of its upload).
pub const DEFAULT_QUOTA_BYTES: u64 = 200 * 1024 * 1024;
/// Candidates looked at per collector run; the next run takes the rest.
const COLLECT_BATCH: u32 = 1_000;

const MB: u64 = 1024 * 1024;

/// Who uploads: `institution:<id>` or `device:<id>`, as the uploads are kept.
pub fn institution_uploader(id: &str) -> String {
    format!("institution:{id}")
}

pub fn device_uploader(id: uuid::Uuid) -> String {
    format!("device:{id}")
}

/// Streams `body` in as the content `sha256` for `uploader`, within the uploader's quota of
/// content no message names (`declared`: the Content-Length, when the client sent one, refused
/// before anything is read if it cannot fit). Answers the content's size.
#[allow(clippy::too_many_arguments)] // each is a different fact about one upload
pub async fn upload(
    store: &dyn Store,
    attachments: &Attachments,
    uploader: &str,
    sha256: &str,
    body: axum::body::Body,
    declared: Option<u64>,
    quota: u64,
    now: DateTime<Utc>,
) -> Result<u64, MailboxError> {
    let sha256 = sha256.to_ascii_lowercase();
    if declared.is_some_and(|size| size > MAX_ATTACHMENT_BYTES) {
        return Err(MailboxError::TooLarge(MAX_ATTACHMENT_BYTES));
    }
    let since = now - Duration::hours(KEPT_UNNAMED_HOURS);
    let used = store.unnamed_upload_bytes(uploader.to_owned(), since, sha256.clone()).await?;
    let over_quota = || MailboxError::UploadQuota { used_mb: used.div_ceil(MB), limit_mb: quota / MB };
    let room = quota.saturating_sub(used);
    if declared.unwrap_or(0) > room || room == 0 {
        return Err(over_quota());
    }
    // Recorded before the content is written, so that content is never kept without a record the
    // collector can find, even when the server stops halfway; the size follows once known.
    let record = |bytes| Upload { sha256: sha256.clone(), uploader: uploader.to_owned(), bytes, uploaded_at: now };
    store.record_upload(record(declared.unwrap_or(0))).await?;
    let limit = MAX_ATTACHMENT_BYTES.min(room);
    let size = match attachments.put_body(&sha256, body, limit).await {
        Err(MailboxError::TooLarge(_)) if limit < MAX_ATTACHMENT_BYTES => return Err(over_quota()),
        outcome => outcome?,
    };
    if declared != Some(size) {
        store.record_upload(record(size)).await?;
    }
    Ok(size)
}

/// Whether a message may name `sha256` now: content a message already names always; content
/// uploaded since this server kept records, only until [`NAMEABLE_HOURS`] after its last upload
/// (after that it may be being removed: the sender uploads it again). Content must also exist.
pub async fn nameable(
    store: &dyn Store,
    attachments: &Attachments,
    sha256: &str,
    now: DateTime<Utc>,
) -> Result<bool, MailboxError> {
    let standing = store.content_standing(sha256.to_ascii_lowercase()).await?;
    let stale = !standing.named && standing.last_upload.is_some_and(|at| at < now - Duration::hours(NAMEABLE_HOURS));
    Ok(!stale && attachments.exists(sha256).await?)
}

/// What a collector run removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Collected {
    pub removed: u64,
    pub bytes: u64,
}

/// Removes content no message names whose last upload is more than [`KEPT_UNNAMED_HOURS`] old,
/// then forgets the uploads of that age. Content is removed before its records, so a run that
/// stops halfway leaves records the next run finds. Content that was uploaded again or named in
/// the meantime is kept (checked once more just before it goes).
pub async fn collect(
    store: &dyn Store,
    attachments: &Attachments,
    now: DateTime<Utc>,
) -> Result<Collected, MailboxError> {
    let before = now - Duration::hours(KEPT_UNNAMED_HOURS);
    let mut collected = Collected::default();
    for (sha256, bytes) in store.unnamed_uploads_before(before, COLLECT_BATCH).await? {
        let standing = store.content_standing(sha256.clone()).await?;
        if standing.named || standing.last_upload.is_some_and(|at| at >= before) {
            continue;
        }
        attachments.delete(&sha256).await?;
        store.forget_uploads(Some(sha256), before).await?;
        collected.removed += 1;
        collected.bytes += bytes;
    }
    let forgotten = store.forget_uploads(None, before).await?;
    if collected.removed > 0 {
        info!(removed = collected.removed, bytes = collected.bytes, forgotten, "unused attachment content removed");
    }
    Ok(collected)
}

/// Runs [`collect`] every `every` until the server stops.
pub fn spawn_collector(state: &crate::AppState, every: std::time::Duration) {
    let (store, attachments, clock) = (state.store.clone(), state.attachments.clone(), state.clock.clone());
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            if let Err(error) = collect(store.as_ref(), &attachments, clock()).await {
                warn!(%error, "unused attachment content could not be collected; trying again later");
            }
        }
    });
}
