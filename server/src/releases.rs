//! Releases of the desk's and the kiosk's packages (issue 19): published by an operator with a
//! detached minisign signature from the project's offline key, offered to the devices of their
//! kind in the sync hello, downloaded by them. The server checks the signature on publishing
//! (an operator's mistake is caught at once); every device checks it again against the key it
//! was installed with, so a server that is broken into cannot make a device install anything.

use chrono::{DateTime, Utc};
use domain::{
    DeviceKind,
    release::{ReleaseVersion, verify_release_signature},
};
use sha2::{Digest, Sha256};

use crate::store::{Device, NewRelease, ReleaseInfo, Store, StoreError};

/// The largest package accepted (the desk's is about 10 MB).
pub const MAX_RELEASE_BYTES: usize = 200 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    #[error(
        "no release key is configured: set release_public_key_file to the project's minisign public key, so that only packages signed by it are published"
    )]
    NoKey,
    #[error("the release key {path} cannot be read: {reason}")]
    KeyUnreadable { path: String, reason: String },
    #[error(transparent)]
    Version(#[from] domain::release::ReleaseVersionError),
    #[error("the package is {0} bytes; at most {MAX_RELEASE_BYTES} are accepted")]
    TooLarge(usize),
    #[error("the package is empty")]
    Empty,
    #[error("the signature was refused: {0}. Nothing was published")]
    Signature(#[from] domain::release::ReleaseSignatureError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A package an operator publishes.
#[derive(Debug, Clone)]
pub struct Publication<'a> {
    pub kind: DeviceKind,
    pub version: &'a str,
    pub content: Vec<u8>,
    /// The detached minisign signature's text.
    pub signature: &'a str,
}

/// Publishes a package as its kind's release after checking its signature against the
/// configured key; audited as `release_published` by `actor`.
pub async fn publish(
    store: &dyn Store,
    public_key: &str,
    publication: Publication<'_>,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<ReleaseInfo, ReleaseError> {
    let Publication { kind, version, content, signature } = publication;
    let version: ReleaseVersion = version.parse()?;
    if content.is_empty() {
        return Err(ReleaseError::Empty);
    }
    if content.len() > MAX_RELEASE_BYTES {
        return Err(ReleaseError::TooLarge(content.len()));
    }
    verify_release_signature(&content, signature, public_key)?;
    let sha256 = hex::encode(Sha256::digest(&content));
    let release = store
        .publish_release(NewRelease {
            kind: kind.to_string(),
            version: version.to_string(),
            sha256: sha256.clone(),
            signature: signature.to_owned(),
            content,
            published_at: now,
        })
        .await?;
    let entry = crate::audit::NewAuditEntry::new(
        now,
        actor,
        "release_published",
        format!("release:{kind}:{version}"),
        format!("sha256 {sha256}, {} bytes", release.size),
    );
    crate::audit::record(store, entry).await?;
    Ok(release)
}

/// Reads the configured release key.
pub fn read_key(path: Option<&std::path::Path>) -> Result<String, ReleaseError> {
    let path = path.ok_or(ReleaseError::NoKey)?;
    std::fs::read_to_string(path)
        .map_err(|e| ReleaseError::KeyUnreadable { path: path.display().to_string(), reason: e.to_string() })
}

/// The newest release of `kind` among `releases` (by version, not by when it was published).
pub fn newest(releases: &[ReleaseInfo], kind: DeviceKind) -> Option<&ReleaseInfo> {
    let kind = kind.to_string();
    releases
        .iter()
        .filter(|r| r.kind == kind)
        .filter_map(|r| r.version.parse::<ReleaseVersion>().ok().map(|v| (v, r)))
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, r)| r)
}

/// What the hello offers `device`: the newest release of its kind when it is newer than the
/// version the device reports running. A device that reports no version is offered nothing (it
/// cannot be told apart from one that runs the newest).
pub async fn offer_for(store: &dyn Store, device: &Device) -> Result<Option<protocol::UpdateOffer>, StoreError> {
    let Some(running) = device.reported_version.as_deref().and_then(|v| v.parse::<ReleaseVersion>().ok()) else {
        return Ok(None);
    };
    let releases = store.list_releases().await?;
    Ok(newest(&releases, device.kind).filter(|r| r.version.parse::<ReleaseVersion>().is_ok_and(|v| v > running)).map(
        |r| protocol::UpdateOffer {
            version: r.version.clone(),
            sha256: r.sha256.clone(),
            size: r.size,
            signature: r.signature.clone(),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(kind: &str, version: &str, minute: i64) -> ReleaseInfo {
        ReleaseInfo {
            kind: kind.into(),
            version: version.into(),
            sha256: format!("{version:0>64}"),
            size: 1,
            signature: String::new(),
            published_at: DateTime::from_timestamp(1_800_000_000 + minute * 60, 0).unwrap(),
        }
    }

    #[test]
    fn the_newest_is_the_highest_version_of_the_kind_whenever_it_was_published() {
        let releases =
            [info("kiosk", "0.10.0", 1), info("kiosk", "0.9.3", 2), info("desk", "1.0.0", 3), info("kiosk", "x", 4)];
        assert_eq!(newest(&releases, DeviceKind::Kiosk).unwrap().version, "0.10.0");
        assert_eq!(newest(&releases, DeviceKind::Desk).unwrap().version, "1.0.0");
        assert!(newest(&releases[..2], DeviceKind::Desk).is_none());
    }
}
