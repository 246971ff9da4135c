//! The background engine: talks to the server on a schedule and publishes its state.
//!
//! Each round: hello, then pull the catalogue feed page by page until caught up (each page
//! applied in one transaction with its cursor, so an interrupted first sync resumes where it
//! stopped); then status → pure plan ([`crate::schedule::after_attempt`]) → apply (sleep,
//! publish). Progress (records and bytes) is published while pages arrive.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::{Notify, watch};
use tracing::{debug, info, warn};

use offline_store::{CatalogueProgress, DocumentKind, IncomingRecord, Store};

use crate::client::{ClientError, SyncClient};
use crate::protocol::{CatalogueKind, CataloguePage, CatalogueRecordDto, DeviceCredentials};
use crate::schedule::{AttemptOutcome, CatalogueStatus, SchedulePolicy, SyncStatus, after_attempt};

/// A pull this far behind is a bulk load: index merging waits until the end.
const BULK_LOAD_RECORDS: i64 = 5_000;

/// Records asked for per feed page: big enough to be quick, small enough for slow lines.
pub const FEED_PAGE: u32 = 1_000;

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

/// Where a device keeps the releases it downloads, and the key it checks them with.
#[derive(Debug, Clone)]
pub struct Updates {
    pub dir: std::path::PathBuf,
    /// The release key the program was installed with; none: nothing is downloaded.
    pub key: Option<String>,
}

/// Starts the engine on the current tokio runtime.
pub fn spawn(
    client: SyncClient,
    credentials: DeviceCredentials,
    store: Arc<Store>,
    policy: SchedulePolicy,
    clock: Clock,
) -> SyncHandle {
    spawn_with_updates(client, credentials, store, policy, clock, None)
}

/// [`spawn`], also downloading the releases the server offers into `updates` (issue 19).
pub fn spawn_with_updates(
    client: SyncClient,
    credentials: DeviceCredentials,
    store: Arc<Store>,
    policy: SchedulePolicy,
    clock: Clock,
    updates: Option<Updates>,
) -> SyncHandle {
    if let Some(updates) = &updates {
        crate::update::clean_up(&updates.dir);
        if updates.key.is_none() {
            info!("no release key installed: this device does not update itself");
        }
    }
    let mut initial = match store.catalogue_progress() {
        Ok(progress) => SyncStatus { catalogue: catalogue_status(&progress, false), ..SyncStatus::default() },
        Err(error) => {
            warn!(%error, "could not read the catalogue's progress");
            SyncStatus::default()
        }
    };
    // What waits in the outbox shows from the start, server or not.
    match store.outbox_counts() {
        Ok(counts) => initial.outbox = outbox_status(&counts),
        Err(error) => warn!(%error, "could not count the outbox"),
    }
    if let Ok(counts) = store.outbox_counts() {
        client.report_outbox(&outbox_report(&counts));
    }
    let (status_tx, status_rx) = watch::channel(initial);
    let wake = Arc::new(Notify::new());
    let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel();
    let wake_task = wake.clone();
    let task = tokio::spawn(async move {
        info!(server = %client.base_url(), device = %credentials.device_id, "sync engine started");
        loop {
            let outcome = tokio::select! {
                outcome = attempt(&client, &credentials, &store, &status_tx, &clock, updates.as_ref()) => outcome,
                _ = &mut stop_rx => break,
            };
            // Counted after every attempt, whatever its outcome: cases queued while the server
            // is away show as waiting (a wake after queueing makes this prompt).
            let counting = store.clone();
            if let Ok(Ok(counts)) = tokio::task::spawn_blocking(move || counting.outbox_counts()).await {
                client.report_outbox(&outbox_report(&counts));
                status_tx.send_if_modified(|s| {
                    let counted = outbox_status(&counts);
                    let changed = s.outbox != counted;
                    if changed {
                        s.outbox = counted;
                        s.revision += 1;
                    }
                    changed
                });
            }
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

/// One round as the engine runs it (hello, catalogue, outbox; for desks also cases, message
/// states and the e-address catalogue), without the schedule or updates: for harnesses that play
/// many devices against one server (the load test of `cargo xtask measure --only load`).
pub async fn sync_round(
    client: &SyncClient,
    credentials: &DeviceCredentials,
    store: &Arc<Store>,
    clock: &Clock,
) -> AttemptOutcome {
    let (status, _) = watch::channel(SyncStatus::default());
    attempt(client, credentials, store, &status, clock, None).await
}

async fn attempt(
    client: &SyncClient,
    credentials: &DeviceCredentials,
    store: &Arc<Store>,
    status: &watch::Sender<SyncStatus>,
    clock: &Clock,
    updates: Option<&Updates>,
) -> AttemptOutcome {
    let hello = match client.hello(credentials).await {
        Ok(hello) => hello,
        Err(error) => {
            warn!(code = error.code(), %error, "sync attempt failed");
            return classify(error);
        }
    };
    // A release to update to: fetched and checked now, installed when the program is quiet. A
    // failure is the update's only: the round goes on.
    if let (Some(offer), Some(updates)) = (&hello.update, updates) {
        match crate::update::fetch(client, credentials, offer, updates.key.as_deref(), &updates.dir).await {
            Ok(fetched) => debug!(?fetched, version = %offer.version, "update offered"),
            Err(error) => warn!(%error, version = %offer.version, "the offered update was not kept"),
        }
    }
    let pulled = pull_catalogue(client, credentials, store, clock, |progress, caught_up| {
        status.send_modify(|s| s.catalogue = catalogue_status(progress, !caught_up));
    })
    .await;
    match pulled {
        Ok(_) => {}
        Err(PullError::Server(error)) => {
            warn!(code = error.code(), %error, "catalogue pull failed");
            return classify(error);
        }
        Err(PullError::Local(error)) => {
            warn!(%error, "the offline catalogue could not be updated");
            return AttemptOutcome::Unreachable(format!("the offline catalogue could not be updated: {error}"));
        }
    }
    // Each step that changed this device's own items says so, for the views that show them.
    let changed = |status: &watch::Sender<SyncStatus>| status.send_modify(|s| s.revision += 1);
    match push_outbox(client, credentials, store, clock).await {
        Ok(pushed) if pushed > 0 => {
            info!(entries = pushed, "outbox pushed");
            changed(status);
        }
        Ok(_) => {}
        Err(PullError::Server(error)) => {
            warn!(code = error.code(), %error, "outbox push failed");
            return classify(error);
        }
        Err(PullError::Local(error)) => {
            warn!(%error, "the outbox could not be read or updated");
            return AttemptOutcome::Unreachable(format!("the outbox could not be updated: {error}"));
        }
    }
    // Only desks keep their centre's cases; pushed first, so the server's cases hold this
    // desk's changes already.
    if hello.desk_number.is_some() {
        match pull_cases(client, credentials, store, clock).await {
            Ok(merge) => {
                if merge.news > 0 {
                    info!(news = merge.news, "cases changed on the server");
                }
                if merge.added + merge.updated > 0 {
                    changed(status);
                }
            }
            Err(PullError::Server(error)) => {
                warn!(code = error.code(), %error, "case pull failed");
                return classify(error);
            }
            Err(PullError::Local(error)) => {
                warn!(%error, "the server's cases could not be merged");
                return AttemptOutcome::Unreachable(format!("the server's cases could not be merged: {error}"));
            }
        }
        match follow_messages(client, credentials, store, clock).await {
            Ok(followed) => status.send_modify(|s| {
                s.mail_unread = followed.unread;
                if followed.changed > 0 {
                    s.revision += 1;
                }
            }),
            Err(error) => warn!(%error, "the states of sent messages could not be fetched"),
        }
        // The catalogue of institutions' e-addresses, for writing to them offline. A server
        // without e-address yet answers 404: not a reason to call the round failed.
        if let Err(error) = pull_directory(client, store).await {
            warn!(%error, "the e-address catalogue could not be refreshed");
        }
    }
    AttemptOutcome::Success { centre: hello.centre, desk_number: hello.desk_number }
}

/// The attachments (their SHA-256) a message or an e-form submission names; none for other
/// entries.
fn attachments_of(entry: &offline_store::OutboxEntry) -> Vec<String> {
    if !matches!(entry.kind.as_str(), "message_send" | "form_submission") {
        return Vec::new();
    }
    serde_json::from_str::<crate::protocol::MessageEntry>(&entry.payload)
        .map(|message| message.attachments.into_iter().map(|a| a.sha256).collect())
        .unwrap_or_default()
}

/// Uploads the content of the attachments `named` (each entry's, from [`attachments_of`]) that
/// the server does not have yet, so their entries can be applied; adds what it uploaded to
/// `uploaded`.
async fn upload_attachments(
    client: &SyncClient,
    credentials: &DeviceCredentials,
    store: &Arc<Store>,
    named: &[(uuid::Uuid, Vec<String>)],
    clock: &Clock,
    uploaded: &mut std::collections::HashSet<String>,
) -> Result<(), PullError> {
    for sha256 in named.iter().flat_map(|(_, shas)| shas) {
        let sha = sha256.clone();
        let Some((content, already)) = blocking(store, move |s| s.outbox_file(&sha)).await? else { continue };
        if already {
            continue;
        }
        client.upload_attachment(credentials, sha256, content).await?;
        let (sha, now) = (sha256.clone(), clock());
        blocking(store, move |s| s.outbox_file_uploaded(&sha, now)).await?;
        uploaded.insert(sha256.clone());
    }
    Ok(())
}

/// What asking about the centre's messages brought.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MessagesFollowed {
    /// Sent messages whose states were recorded.
    pub states: usize,
    /// Of those, the ones whose state differs from what the device knew (a new one included).
    pub changed: usize,
    /// Messages waiting unread in the centre's mailboxes.
    pub unread: u64,
}

/// Asks the server how this desk's sent messages of the last 30 days stand (until all are
/// read), and how many messages wait unread in the centre's mailboxes.
pub async fn follow_messages(
    client: &SyncClient,
    credentials: &DeviceCredentials,
    store: &Arc<Store>,
    clock: &Clock,
) -> Result<MessagesFollowed, PullError> {
    let since = clock() - chrono::Duration::days(30);
    let ids = blocking(store, move |s| s.messages_to_follow(since, crate::protocol::MAX_OUTBOX_BATCH as u32)).await?;
    let answer = client.message_states(credentials, ids).await?;
    let states: Vec<(uuid::Uuid, String)> =
        answer.messages.iter().filter_map(|m| Some((m.id, serde_json::to_string(&m.deliveries).ok()?))).collect();
    let (count, now) = (states.len(), clock());
    let changed = if count > 0 { blocking(store, move |s| s.record_message_states(&states, now)).await? } else { 0 };
    Ok(MessagesFollowed { states: count, changed, unread: answer.unread })
}

/// Refreshes the e-address catalogue kept for choosing recipients offline.
pub async fn pull_directory(client: &SyncClient, store: &Arc<Store>) -> Result<usize, PullError> {
    let entries = client.directory().await?;
    let count = entries.len();
    blocking(store, move |s| s.replace_directory(&entries)).await?;
    Ok(count)
}

/// Cases asked for per case-feed page.
pub const CASE_PAGE: u32 = 500;

/// Pulls the centre's case feed until caught up, merging each page with its cursor in one
/// transaction (see [`Store::merge_server_cases`]).
pub async fn pull_cases(
    client: &SyncClient,
    credentials: &DeviceCredentials,
    store: &Arc<Store>,
    clock: &Clock,
) -> Result<offline_store::CaseMerge, PullError> {
    let mut total = offline_store::CaseMerge::default();
    loop {
        let cursor = blocking(store, |s| s.case_feed_cursor()).await?;
        let page = client.case_page(credentials, cursor, CASE_PAGE).await?;
        let next = page.cases.last().map_or(page.head, |c| c.seq).max(cursor);
        let done = page.cases.is_empty() || next >= page.head;
        let now = clock();
        let cases = page.cases.into_iter().map(|c| c.case).collect();
        let merge = blocking(store, move |s| s.merge_server_cases(cases, next, now)).await?;
        total.added += merge.added;
        total.updated += merge.updated;
        total.news += merge.news;
        if done {
            return Ok(total);
        }
    }
}

/// The outbox as the device reports it to its server (see [`crate::protocol::OUTBOX_HEADER`]).
pub fn outbox_report(counts: &offline_store::OutboxCounts) -> crate::protocol::OutboxReport {
    crate::protocol::OutboxReport {
        pending: u32::try_from(counts.pending).unwrap_or(u32::MAX),
        refused: u32::try_from(counts.poisoned).unwrap_or(u32::MAX),
        oldest: counts.oldest_pending_at,
    }
}

/// The outbox as the status shows it.
pub fn outbox_status(counts: &offline_store::OutboxCounts) -> crate::schedule::OutboxStatus {
    crate::schedule::OutboxStatus { pending: counts.pending, poisoned: counts.poisoned, case_news: counts.case_news }
}

/// Sends the outbox in batches until it is empty. An entry is marked done only after the server
/// answered for it (applied, or applied before); one it rejects as invalid is set aside with the
/// reason and blocks nothing. A failed push leaves every entry of the batch to be sent again:
/// the server applies each id once, so nothing is lost and nothing doubled.
pub async fn push_outbox(
    client: &SyncClient,
    credentials: &DeviceCredentials,
    store: &Arc<Store>,
    clock: &Clock,
) -> Result<usize, PullError> {
    let mut pushed = 0;
    // Attachments uploaded in this push: an entry refused for a missing attachment that was
    // uploaded earlier (the server removes content no message used within a day) goes once more
    // with its attachments uploaded again; refused again, it is set aside.
    let mut uploaded = std::collections::HashSet::new();
    loop {
        let reading = store.clone();
        let batch =
            tokio::task::spawn_blocking(move || reading.pending_outbox(crate::protocol::MAX_OUTBOX_BATCH as u32))
                .await
                .map_err(|e| PullError::Local(offline_store::StoreError::Corrupt(e.to_string())))??;
        if batch.is_empty() {
            return Ok(pushed);
        }
        let named: Vec<(uuid::Uuid, Vec<String>)> =
            batch.iter().map(|entry| (entry.id, attachments_of(entry))).filter(|(_, shas)| !shas.is_empty()).collect();
        upload_attachments(client, credentials, store, &named, clock, &mut uploaded).await?;
        let ids: Vec<uuid::Uuid> = batch.iter().map(|e| e.id).collect();
        // Attachments not uploaded in this push, by entry: what goes again if the server lost them.
        let reupload: std::collections::HashMap<uuid::Uuid, Vec<String>> = named
            .into_iter()
            .map(|(id, shas)| (id, shas.into_iter().filter(|sha| !uploaded.contains(sha)).collect()))
            .filter(|(_, stale): &(_, Vec<String>)| !stale.is_empty())
            .collect();
        let entries = batch
            .into_iter()
            .map(|entry| {
                let payload = serde_json::from_str(&entry.payload).unwrap_or(serde_json::Value::Null);
                // A proof that cannot be read goes as none: the server refuses the entry and
                // says why, rather than the whole push failing.
                let author = entry.author.as_deref().and_then(|author| serde_json::from_str(author).ok());
                crate::protocol::OutboxEntryDto {
                    id: entry.id,
                    kind: entry.kind,
                    payload,
                    offline: entry.offline,
                    author,
                }
            })
            .collect();
        let reply = match client.push_outbox(credentials, entries).await {
            Ok(reply) => reply,
            Err(error) => {
                let (failed, message) = (store.clone(), error.to_string());
                let _ = tokio::task::spawn_blocking(move || failed.outbox_failed(&ids, &message)).await;
                return Err(PullError::Server(error));
            }
        };
        let now = clock();
        let updating = store.clone();
        let answered = tokio::task::spawn_blocking(move || -> Result<(usize, bool), offline_store::StoreError> {
            let mut done = Vec::new();
            // Entries left pending by this answer: sent again in the next round, not in a loop now.
            let mut waiting = false;
            for result in &reply.results {
                match (result.outcome.as_str(), ids.contains(&result.id)) {
                    ("applied" | "duplicate", true) => done.push(result.id),
                    ("deferred", true) => {
                        let reason = result.reason.as_deref().unwrap_or("the server will take it later");
                        info!(entry = %result.id, %reason, "the server deferred an outbox entry: it goes again later");
                        updating.outbox_failed(&[result.id], reason)?;
                        waiting = true;
                    }
                    ("rejected", true)
                        if result.code.as_deref() == Some(crate::protocol::rejection_codes::MISSING_ATTACHMENT)
                            && reupload.contains_key(&result.id) =>
                    {
                        let mut held = false;
                        for sha256 in &reupload[&result.id] {
                            held |= updating.outbox_file_not_uploaded(sha256)?;
                        }
                        if held {
                            info!(entry = %result.id, "the server no longer had an attachment: it goes again");
                        } else {
                            updating.outbox_poisoned(
                                result.id,
                                result.reason.as_deref().unwrap_or("an attachment is missing"),
                                result.code.as_deref(),
                            )?;
                        }
                    }
                    ("rejected", true) => updating.outbox_poisoned(
                        result.id,
                        result.reason.as_deref().unwrap_or("refused by the server without a reason"),
                        result.code.as_deref(),
                    )?,
                    // An answer for something not sent, or an outcome this build does not know:
                    // the entry stays and goes again (in the next round).
                    (_, sent) => {
                        warn!(entry = %result.id, outcome = %result.outcome, "an outbox answer was not understood");
                        waiting |= sent;
                    }
                }
            }
            updating.outbox_done(&done, now)?;
            Ok((reply.results.len(), waiting))
        })
        .await
        .map_err(|e| PullError::Local(offline_store::StoreError::Corrupt(e.to_string())))??;
        let (answered, waiting) = answered;
        pushed += answered;
        if answered == 0 || waiting {
            return Ok(pushed);
        }
    }
}

/// Why a catalogue pull stopped.
#[derive(Debug, thiserror::Error)]
pub enum PullError {
    #[error(transparent)]
    Server(#[from] ClientError),
    #[error("the offline catalogue could not be updated: {0}")]
    Local(#[from] offline_store::StoreError),
}

/// Pulls feed pages until the cursor reaches the head; `on_page` sees the progress after each
/// page. Each applied page is durable, so a failure part-way loses nothing: the next pull
/// continues from the stored cursor. The next page is fetched while the current one is being
/// applied, so the server's work and the device's overlap.
pub async fn pull_catalogue(
    client: &SyncClient,
    credentials: &DeviceCredentials,
    store: &Arc<Store>,
    clock: &Clock,
    mut on_page: impl FnMut(&CatalogueProgress, bool),
) -> Result<CatalogueProgress, PullError> {
    let fetch = |after: i64| {
        let (client, credentials) = (client.clone(), credentials.clone());
        AbortOnDrop(tokio::spawn(async move { client.catalogue_page(&credentials, after, FEED_PAGE).await }))
    };
    let mut progress = store.catalogue_progress()?;
    // The first page, when it was read to decide on the snapshot.
    let mut read_first = None;
    if progress.cursor == 0 {
        // A first sync starts from the server's snapshot when it has one: downloading the
        // built file is many times faster than applying and indexing every record here. A
        // device that has caught up with an empty catalogue takes it again only once the
        // catalogue has grown past what its pages apply quickly, not every round.
        let far_behind = match progress.caught_up_at {
            None => true,
            Some(_) => {
                let page = next_page(&mut fetch(0)).await?;
                let far = page.0.head > BULK_LOAD_RECORDS;
                read_first = Some(page);
                far
            }
        };
        if far_behind {
            match take_snapshot(client, credentials, store).await {
                Ok(taken) => {
                    progress = taken;
                    read_first = None;
                    on_page(&progress, false);
                }
                Err(PullError::Server(error)) if error.is_unreachable() => return Err(PullError::Server(error)),
                Err(error) => warn!(%error, "no catalogue snapshot: pulling the feed record by record"),
            }
        }
    }
    let mut next = match read_first {
        Some(page) => AbortOnDrop(tokio::spawn(async move { Ok(page) })),
        None => fetch(progress.cursor),
    };
    let mut bulk = false;
    loop {
        let (page, bytes) = next_page(&mut next).await?;
        let CataloguePage { records, head } = page;
        let cursor = records.last().map_or(head, |r| r.seq).max(progress.cursor);
        // An empty page means caught up whatever the head says (records may have moved).
        let head = if records.is_empty() { cursor } else { head };
        if cursor < head {
            next = fetch(cursor);
        }
        if !bulk && head - progress.cursor > BULK_LOAD_RECORDS {
            bulk = true;
            blocking(store, |s| s.begin_bulk_load()).await?;
        }
        let incoming: Vec<IncomingRecord> = records.into_iter().map(incoming_record).collect();
        let count = incoming.len();
        let now = clock();
        let applying = store.clone();
        progress =
            tokio::task::spawn_blocking(move || applying.apply_catalogue_page(&incoming, cursor, head, bytes, now))
                .await
                .map_err(|e| PullError::Local(offline_store::StoreError::Corrupt(e.to_string())))??;
        let caught_up = progress.cursor >= progress.head;
        debug!(records = count, cursor = progress.cursor, head = progress.head, "catalogue page applied");
        if caught_up && bulk {
            blocking(store, |s| s.finish_bulk_load()).await?;
        }
        on_page(&progress, caught_up);
        if caught_up {
            return Ok(progress);
        }
    }
}

/// Downloads (or finishes downloading) the catalogue snapshot, unpacks it beside the store and
/// installs it. The download survives interruptions (it is resumed); the install is a rename.
/// A download from the start is unpacked while it comes (one core inflates while the other
/// receives); a resumed one, or one whose unpacking fell behind for any reason, is unpacked from
/// its file afterwards.
async fn take_snapshot(
    client: &SyncClient,
    credentials: &DeviceCredentials,
    store: &Arc<Store>,
) -> Result<CatalogueProgress, PullError> {
    let target = store.catalogue_path();
    let part = std::path::PathBuf::from(format!("{}.snapshot.gz", target.display()));
    let unpacked = std::path::PathBuf::from(format!("{}.snapshot", target.display()));
    // A few pieces in flight (reqwest's are up to some hundred kB): memory stays small however
    // far the download runs ahead.
    let (tee, pieces) = tokio::sync::mpsc::channel::<Vec<u8>>(32);
    let streaming_into = unpacked.clone();
    let streaming = tokio::task::spawn_blocking(move || {
        let mut input = PiecesReader::new(pieces);
        let unpacked = unpack_snapshot(&mut input, &streaming_into);
        // Everything left is read, so the download never waits on a reader that stopped.
        let drained = std::io::copy(&mut input, &mut std::io::sink());
        unpacked.and(drained).map(|_| input.received)
    });
    let download = client.catalogue_snapshot(credentials, &part, Some(tee)).await;
    let streamed = streaming.await.map_err(|e| PullError::Local(offline_store::StoreError::Corrupt(e.to_string())))?;
    let download = match download {
        Ok(download) => download,
        Err(error) => {
            let _ = std::fs::remove_file(&unpacked);
            return Err(error.into());
        }
    };
    let unpacked_meanwhile = download.resumed_from == 0 && streamed.is_ok_and(|read| read == download.bytes);
    info!(
        position = download.position,
        records = download.records,
        bytes = download.bytes,
        resumed_from = download.resumed_from,
        unpacked_meanwhile,
        "catalogue snapshot downloaded"
    );
    let installing = store.clone();
    let bytes = download.bytes;
    let progress = tokio::task::spawn_blocking(move || -> Result<CatalogueProgress, offline_store::StoreError> {
        let unpack = || -> std::io::Result<()> {
            if unpacked_meanwhile {
                return Ok(());
            }
            let mut input = std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(&part)?);
            unpack_snapshot(&mut input, &unpacked)
        };
        let result = unpack()
            .map_err(|e| {
                offline_store::StoreError::Corrupt(format!("the catalogue snapshot could not be unpacked: {e}"))
            })
            .and_then(|()| installing.install_catalogue(&unpacked))
            .and_then(|_| installing.note_catalogue_bytes(bytes));
        // Whatever happened, the download is used up: a bad one must not be resumed.
        for leftover in [part.clone(), std::path::PathBuf::from(format!("{}.etag", part.display())), unpacked] {
            let _ = std::fs::remove_file(leftover);
        }
        result
    })
    .await
    .map_err(|e| PullError::Local(offline_store::StoreError::Corrupt(e.to_string())))??;
    Ok(progress)
}

/// Inflates a gzip'd snapshot into `into`, synced to disk before it is installed by rename.
/// What is written goes to disk as it is written (a thread syncs after every
/// [`WRITE_BACK_EVERY`] bytes while inflating goes on), so the last sync has little left: the
/// kernel would otherwise keep the whole file in memory until then.
fn unpack_snapshot(input: &mut impl std::io::Read, into: &std::path::Path) -> std::io::Result<()> {
    let file = std::fs::File::create(into)?;
    let syncing = file.try_clone()?;
    let (sync, syncs) = std::sync::mpsc::sync_channel::<()>(1);
    let writing_back = std::thread::spawn(move || {
        while syncs.recv().is_ok() {
            let _ = syncing.sync_data();
        }
    });
    let mut decoder = flate2::read::GzDecoder::new(input);
    let mut output = std::io::BufWriter::with_capacity(1 << 20, WrittenBack { file, since_sync: 0, sync });
    let copied = std::io::copy(&mut decoder, &mut output);
    let written = output.into_inner().map_err(std::io::IntoInnerError::into_error);
    let synced = written.and_then(|w| {
        drop(w.sync);
        let _ = writing_back.join();
        w.file.sync_all()
    });
    copied.and(synced)
}

/// How often an unpacking snapshot is synced to disk while it is written.
const WRITE_BACK_EVERY: u64 = 64 << 20;

/// A file that asks for a sync (without waiting for it) after every [`WRITE_BACK_EVERY`] bytes.
struct WrittenBack {
    file: std::fs::File,
    since_sync: u64,
    sync: std::sync::mpsc::SyncSender<()>,
}

impl std::io::Write for WrittenBack {
    fn write(&mut self, buffer: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(buffer)?;
        self.since_sync += n as u64;
        if self.since_sync >= WRITE_BACK_EVERY {
            // A sync still running covers this one's data soon enough: never wait for it.
            let _ = self.sync.try_send(());
            self.since_sync = 0;
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

/// The pieces of a download as they come, read in order; the end of the download (the sender
/// dropped) is the end of the input.
struct PiecesReader {
    pieces: tokio::sync::mpsc::Receiver<Vec<u8>>,
    current: Vec<u8>,
    at: usize,
    /// Bytes taken from the channel so far.
    received: u64,
}

impl PiecesReader {
    fn new(pieces: tokio::sync::mpsc::Receiver<Vec<u8>>) -> Self {
        Self { pieces, current: Vec::new(), at: 0, received: 0 }
    }
}

impl std::io::Read for PiecesReader {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.current.len() {
            match self.pieces.blocking_recv() {
                Some(piece) => {
                    self.received += piece.len() as u64;
                    self.current = piece;
                    self.at = 0;
                }
                None => return Ok(0),
            }
        }
        let n = buffer.len().min(self.current.len() - self.at);
        buffer[..n].copy_from_slice(&self.current[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// Runs store work off the async threads.
async fn blocking<T: Send + 'static>(
    store: &Arc<Store>,
    work: impl FnOnce(&Store) -> Result<T, offline_store::StoreError> + Send + 'static,
) -> Result<T, PullError> {
    let store = store.clone();
    Ok(tokio::task::spawn_blocking(move || work(&store))
        .await
        .map_err(|e| PullError::Local(offline_store::StoreError::Corrupt(e.to_string())))??)
}

/// A spawned task that is cancelled when its handle is dropped (a prefetched page nobody needs).
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

/// The catalogue page a [`pull_catalogue`] fetch brings.
async fn next_page(
    fetching: &mut AbortOnDrop<Result<(CataloguePage, u64), ClientError>>,
) -> Result<(CataloguePage, u64), PullError> {
    Ok((&mut fetching.0).await.map_err(|e| PullError::Local(offline_store::StoreError::Corrupt(e.to_string())))??)
}

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A feed record as the offline store applies it.
pub fn incoming_record(record: CatalogueRecordDto) -> IncomingRecord {
    IncomingRecord {
        kind: match record.kind {
            CatalogueKind::Service => DocumentKind::Service,
            CatalogueKind::Organisation => DocumentKind::Organisation,
            CatalogueKind::Article => DocumentKind::Article,
            CatalogueKind::Form => DocumentKind::Form,
            CatalogueKind::Scenario => DocumentKind::Scenario,
        },
        id: record.id,
        version: record.version,
        retired: record.retired,
        document: record.document,
    }
}

pub(crate) fn catalogue_status(progress: &CatalogueProgress, syncing: bool) -> CatalogueStatus {
    CatalogueStatus {
        cursor: progress.cursor,
        head: progress.head,
        records_applied: progress.records_applied,
        bytes_received: progress.bytes_received,
        caught_up_at: progress.caught_up_at,
        syncing,
    }
}

fn classify(error: ClientError) -> AttemptOutcome {
    let reason = error.to_string();
    match error {
        ClientError::Protocol(_) | ClientError::Environment(_) => AttemptOutcome::Incompatible(reason),
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
    fn a_snapshot_handed_over_in_pieces_unpacks_to_what_was_packed() {
        use std::io::Write;
        let original: Vec<u8> = (0..3_000_000u32).flat_map(|i| (i % 251).to_le_bytes()).collect();
        let mut packer = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        packer.write_all(&original).unwrap();
        let packed = packer.finish().unwrap();
        let (tee, pieces) = tokio::sync::mpsc::channel::<Vec<u8>>(2);
        let chunks: Vec<Vec<u8>> = packed.chunks(7_919).map(<[u8]>::to_vec).collect();
        let sending = std::thread::spawn(move || chunks.into_iter().for_each(|c| tee.blocking_send(c).unwrap()));
        let dir = tempfile::tempdir().unwrap();
        let into = dir.path().join("unpacked");
        let mut input = PiecesReader::new(pieces);
        unpack_snapshot(&mut input, &into).unwrap();
        sending.join().unwrap();
        assert_eq!(input.received, packed.len() as u64);
        assert_eq!(std::fs::read(&into).unwrap(), original);

        // Cut short (the download stopped), it is an error, not a shorter file taken as whole.
        let (tee, pieces) = tokio::sync::mpsc::channel::<Vec<u8>>(2);
        tee.blocking_send(packed[..packed.len() / 2].to_vec()).unwrap();
        drop(tee);
        let mut input = PiecesReader::new(pieces);
        assert!(unpack_snapshot(&mut input, &into).is_err());
    }

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
