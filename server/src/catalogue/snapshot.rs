//! Catalogue snapshots for first syncs: the whole catalogue as the file a device keeps (same
//! schema, same search index, built with the device's own code from `offline-store`), gzip'd,
//! so a new device downloads it instead of applying and indexing every record itself. A device
//! installs it and then pulls the change feed from the snapshot's position.
//!
//! One snapshot is kept, in `dir`; it is rebuilt when the feed has moved on by more than
//! [`REBUILD_AFTER`] positions (devices pull the rest from the feed), and only one build runs at
//! a time. Files are written under temporary names and renamed: never half-visible.

use std::{
    io::Write,
    path::{Path, PathBuf},
    sync::Arc,
};

use chrono::{DateTime, Utc};
use offline_store::{DocumentKind, IncomingRecord, SnapshotBuilder};
use sha2::Digest;

use crate::store::{RecordKind, Store, StoreError};

/// Feed positions a snapshot may lag behind the head before a request rebuilds it.
pub const REBUILD_AFTER: i64 = 1_000;
const PAGE: u32 = 5_000;

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("building the catalogue snapshot failed: {0}")]
    Build(String),
    #[error("the catalogue snapshot folder {path}: {reason}")]
    Io { path: PathBuf, reason: String },
}

/// A built snapshot: a gzip'd catalogue file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub path: PathBuf,
    /// The feed position it covers: a device continues the feed after it.
    pub position: i64,
    pub records: u64,
    /// Quoted, for `ETag` and `If-Range`.
    pub etag: String,
    pub size: u64,
}

/// The current snapshot, built on demand.
#[derive(Debug)]
pub struct Snapshots {
    dir: PathBuf,
    current: tokio::sync::Mutex<Option<Snapshot>>,
}

fn io_error(path: &Path, error: impl std::fmt::Display) -> SnapshotError {
    SnapshotError::Io { path: path.to_owned(), reason: error.to_string() }
}

impl Snapshots {
    pub fn new(dir: PathBuf) -> Self {
        Self { dir, current: tokio::sync::Mutex::new(None) }
    }

    /// The snapshot to hand out now: the kept one while it is recent enough, else a new one.
    pub async fn current(&self, store: &Arc<dyn Store>, now: DateTime<Utc>) -> Result<Snapshot, SnapshotError> {
        let mut current = self.current.lock().await;
        let head = store.catalogue_head().await?;
        if let Some(snapshot) = current.as_ref()
            && head - snapshot.position <= REBUILD_AFTER
            && snapshot.path.exists()
        {
            return Ok(snapshot.clone());
        }
        let built = build(store, &self.dir, now).await?;
        if let Some(old) = current.replace(built.clone())
            && old.path != built.path
        {
            let _ = std::fs::remove_file(&old.path);
        }
        Ok(built)
    }
}

fn document_kind(kind: RecordKind) -> DocumentKind {
    match kind {
        RecordKind::Service => DocumentKind::Service,
        RecordKind::Organisation => DocumentKind::Organisation,
        RecordKind::Article => DocumentKind::Article,
        RecordKind::Form => DocumentKind::Form,
        RecordKind::Scenario => DocumentKind::Scenario,
    }
}

/// Builds a snapshot of the whole live catalogue into `dir`: the feed read page by page and
/// applied to a fresh catalogue file on a blocking thread, then gzip'd.
pub async fn build(store: &Arc<dyn Store>, dir: &Path, now: DateTime<Utc>) -> Result<Snapshot, SnapshotError> {
    std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
    let started = std::time::Instant::now();
    let head = store.catalogue_head().await?;
    let database = dir.join(format!("catalogue-{head}.db.building"));
    let (pages, receiver) = tokio::sync::mpsc::channel::<(Vec<IncomingRecord>, i64)>(2);
    let building = database.clone();
    let builder = tokio::task::spawn_blocking(move || -> Result<offline_store::CatalogueProgress, SnapshotError> {
        let mut receiver = receiver;
        let mut file = SnapshotBuilder::create(&building).map_err(|e| SnapshotError::Build(e.to_string()))?;
        while let Some((records, cursor)) = receiver.blocking_recv() {
            file.apply_page(&records, cursor, head, now).map_err(|e| SnapshotError::Build(e.to_string()))?;
        }
        file.finish().map_err(|e| SnapshotError::Build(e.to_string()))
    });
    // Records changed after `head` may appear on the last page: the snapshot then covers them
    // too, and its cursor says so.
    let mut after = 0;
    loop {
        let records = store.catalogue_changes(after, PAGE).await?;
        let Some(last) = records.last().map(|r| r.seq) else { break };
        let incoming = records
            .into_iter()
            .map(|r| IncomingRecord {
                kind: document_kind(r.kind),
                id: r.id,
                version: r.version,
                retired: r.retired,
                document: r.document,
            })
            .collect();
        if pages.send((incoming, last)).await.is_err() {
            break;
        }
        after = last;
    }
    drop(pages);
    let progress = builder.await.map_err(|e| SnapshotError::Build(e.to_string()))??;
    let position = progress.cursor;

    // Gzip'd at the fastest level, under a temporary name, then renamed into place.
    let target = dir.join(format!("catalogue-{position}.db.gz"));
    let compressing = (database.clone(), target.clone());
    let (size, digest) = tokio::task::spawn_blocking(move || -> Result<(u64, String), SnapshotError> {
        let (database, target) = compressing;
        let temporary = target.with_extension("gz.part");
        let mut input = std::fs::File::open(&database).map_err(|e| io_error(&database, e))?;
        let output = std::fs::File::create(&temporary).map_err(|e| io_error(&temporary, e))?;
        let mut encoder = flate2::write::GzEncoder::new(std::io::BufWriter::new(output), flate2::Compression::fast());
        std::io::copy(&mut input, &mut encoder).map_err(|e| io_error(&temporary, e))?;
        let mut writer = encoder.finish().map_err(|e| io_error(&temporary, e))?;
        writer.flush().map_err(|e| io_error(&temporary, e))?;
        let file = writer.into_inner().map_err(|e| io_error(&temporary, e.error()))?;
        file.sync_all().map_err(|e| io_error(&temporary, e))?;
        drop(file);
        std::fs::rename(&temporary, &target).map_err(|e| io_error(&target, e))?;
        let _ = std::fs::remove_file(&database);
        // Older snapshots (of this run or an earlier one) are of no more use.
        if let Some(dir) = target.parent()
            && let Ok(entries) = std::fs::read_dir(dir)
        {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.starts_with("catalogue-") && entry.path() != target {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
        let bytes = std::fs::read(&target).map_err(|e| io_error(&target, e))?;
        let digest: String = sha2::Sha256::digest(&bytes)[..8].iter().map(|b| format!("{b:02x}")).collect();
        Ok((bytes.len() as u64, digest))
    })
    .await
    .map_err(|e| SnapshotError::Build(e.to_string()))??;
    tracing::info!(
        position,
        records = progress.records_applied,
        bytes = size,
        seconds = started.elapsed().as_secs_f64(),
        "catalogue snapshot built"
    );
    Ok(Snapshot {
        path: target,
        position,
        records: progress.records_applied,
        etag: format!("\"{position}-{digest}\""),
        size,
    })
}
