//! Attachments' content in an object store, addressed by SHA-256.

use super::*;

/// Attachments' content, addressed by SHA-256: written once to a temporary name and renamed
/// (the object store does that), so a reader never sees half a file.
pub struct Attachments {
    store: Arc<dyn ObjectStore>,
}

impl std::fmt::Debug for Attachments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Attachments").field("store", &self.store.to_string()).finish()
    }
}

/// Uploads are written in parts of this size (the smallest part S3 accepts but the last).
pub(super) const UPLOAD_PART_BYTES: usize = 5 * 1024 * 1024;

pub(super) fn object_path(sha256: &str) -> ObjectPath {
    ObjectPath::from(format!("attachments/{}/{sha256}", &sha256[..2]))
}

/// Whether `sha256` is a digest as attachments are named by (64 lowercase hex digits).
pub fn valid_digest(sha256: &str) -> bool {
    sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl Attachments {
    pub fn new(store: Arc<dyn ObjectStore>) -> Self {
        Self { store }
    }

    /// A local folder (created if missing).
    pub fn in_folder(dir: &std::path::Path) -> Result<Self, MailboxError> {
        std::fs::create_dir_all(dir).map_err(|e| MailboxError::Storage(format!("{}: {e}", dir.display())))?;
        let local = object_store::local::LocalFileSystem::new_with_prefix(dir)
            .map_err(|e| MailboxError::Storage(e.to_string()))?;
        Ok(Self::new(Arc::new(local)))
    }

    /// An S3-compatible bucket (production): `endpoint` such as `https://s3.example.lv`; plain
    /// `http://` only for a local store. Each object is written whole by one PUT, so a reader
    /// never sees half of it.
    pub fn s3(endpoint: &str, bucket: &str, region: &str, key_id: &str, secret: &str) -> Result<Self, MailboxError> {
        let store = object_store::aws::AmazonS3Builder::new()
            .with_endpoint(endpoint)
            .with_bucket_name(bucket)
            .with_region(region)
            .with_access_key_id(key_id)
            .with_secret_access_key(secret)
            .with_allow_http(endpoint.starts_with("http://"))
            .build()
            .map_err(|e| MailboxError::Storage(e.to_string()))?;
        Ok(Self::new(Arc::new(store)))
    }

    /// Stores content that must have the digest `sha256`; storing it again changes nothing.
    pub async fn put(&self, sha256: &str, content: axum::body::Bytes) -> Result<u64, MailboxError> {
        self.put_body(sha256, axum::body::Body::from(content), domain::eaddress::MAX_ATTACHMENT_BYTES).await
    }

    /// Streams `body` in, hashing it as it comes, at most `limit` bytes: it is written in parts
    /// (never held whole in memory) and appears under its digest only once all of it matched
    /// (the write is aborted otherwise). Content already kept is only hashed, not written again.
    /// Answers its size.
    pub async fn put_body(&self, sha256: &str, body: axum::body::Body, limit: u64) -> Result<u64, MailboxError> {
        use http_body_util::BodyExt;
        if !valid_digest(sha256) {
            return Err(MailboxError::Digest(sha256.to_owned()));
        }
        let mut writer = if self.exists(sha256).await? {
            None
        } else {
            let upload = self
                .store
                .put_multipart(&object_path(sha256))
                .await
                .map_err(|e| MailboxError::Storage(e.to_string()))?;
            Some(object_store::WriteMultipart::new_with_chunk_size(upload, UPLOAD_PART_BYTES))
        };
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        let mut body = body;
        let outcome = loop {
            let Some(frame) = body.frame().await else { break Ok(()) };
            let chunk = match frame {
                Ok(frame) => match frame.into_data() {
                    Ok(chunk) => chunk,
                    Err(_) => continue,
                },
                Err(error) => break Err(MailboxError::Body(error.to_string())),
            };
            size += chunk.len() as u64;
            if size > limit {
                break Err(MailboxError::TooLarge(limit));
            }
            hasher.update(&chunk);
            if let Some(writer) = writer.as_mut() {
                if let Err(error) = writer.wait_for_capacity(2).await {
                    break Err(MailboxError::Storage(error.to_string()));
                }
                writer.put(chunk);
            }
        };
        let outcome = outcome.and_then(|()| {
            if hex::encode(hasher.finalize()) == sha256 {
                Ok(size)
            } else {
                Err(MailboxError::Digest(sha256.to_owned()))
            }
        });
        match (outcome, writer) {
            (Ok(size), Some(writer)) => {
                writer.finish().await.map_err(|e| MailboxError::Storage(e.to_string()))?;
                Ok(size)
            }
            (Ok(size), None) => Ok(size),
            (Err(error), Some(writer)) => {
                if let Err(abort) = writer.abort().await {
                    tracing::warn!(error = %abort, "an unfinished attachment upload could not be cleaned up");
                }
                Err(error)
            }
            (Err(error), None) => Err(error),
        }
    }

    /// Removes content (the collector's job: only content no message names).
    pub async fn delete(&self, sha256: &str) -> Result<(), MailboxError> {
        if !valid_digest(sha256) {
            return Ok(());
        }
        match self.store.delete(&object_path(sha256)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(MailboxError::Storage(e.to_string())),
        }
    }

    pub async fn exists(&self, sha256: &str) -> Result<bool, MailboxError> {
        if !valid_digest(sha256) {
            return Ok(false);
        }
        match self.store.head(&object_path(sha256)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(MailboxError::Storage(e.to_string())),
        }
    }

    /// Every digest kept, in order (for backups; unfinished uploads are not content yet).
    pub async fn digests(&self) -> Result<Vec<String>, MailboxError> {
        use futures_util::TryStreamExt;
        let listed: Vec<object_store::ObjectMeta> = self
            .store
            .list(Some(&ObjectPath::from("attachments")))
            .try_collect()
            .await
            .map_err(|e| MailboxError::Storage(e.to_string()))?;
        let mut all: Vec<String> = listed
            .into_iter()
            .filter_map(|o| o.location.filename().map(str::to_owned))
            .filter(|d| valid_digest(d))
            .collect();
        all.sort();
        Ok(all)
    }

    /// The content, checked against its digest on the way out.
    pub async fn get(&self, sha256: &str) -> Result<axum::body::Bytes, MailboxError> {
        if !valid_digest(sha256) {
            return Err(MailboxError::MissingAttachment(sha256.to_owned()));
        }
        let content = match self.store.get(&object_path(sha256)).await {
            Ok(found) => found.bytes().await.map_err(|e| MailboxError::Storage(e.to_string()))?,
            Err(object_store::Error::NotFound { .. }) => {
                return Err(MailboxError::MissingAttachment(sha256.to_owned()));
            }
            Err(e) => return Err(MailboxError::Storage(e.to_string())),
        };
        if hex::encode(Sha256::digest(&content)) != sha256 {
            return Err(MailboxError::Digest(sha256.to_owned()));
        }
        Ok(content)
    }
}
