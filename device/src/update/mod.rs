//! Updates from the central server (issue 19), the device's side.
//!
//! The hello names the newest release of this device's kind when it is newer than the one
//! running. The device downloads it, checks its digest and its minisign signature against the
//! release key its package installed (`/usr/share/pietura/<program>/release-key.pub`), and keeps
//! it in `<data>/updates/` only if both hold. The program then says when it is quiet (a kiosk
//! between visitors): it writes `ready`, and a root unit of the package installs it — checking
//! the signature again itself, since nothing this unprivileged program writes is trusted there —
//! and rolls back if the new version does not start.
//!
//! The running release is the package's (`/usr/share/pietura/<program>/release`, written when
//! the package is built), so that a release is what the operator published, whatever the crate's
//! version; a program not installed from a package reports its crate's version.

pub mod install;

use std::{
    path::{Path, PathBuf},
    sync::OnceLock,
};

use domain::release::{ReleaseVersion, verify_release_signature};
use sha2::{Digest, Sha256};
use tracing::{info, warn};

use crate::{
    client::{ClientError, SyncClient},
    protocol::{DeviceCredentials, UpdateOffer},
};

/// Where packages put a program's release and release key; `PIETURA_RELEASE_DIR` names another
/// (tests).
fn release_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("PIETURA_RELEASE_DIR") {
        return dir.into();
    }
    let program = std::env::current_exe()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default();
    Path::new("/usr/share/pietura").join(program)
}

/// The release this program is: its package's, or its crate's when it was not installed from one.
pub fn running_version() -> &'static str {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION.get_or_init(|| {
        std::fs::read_to_string(release_dir().join("release"))
            .ok()
            .map(|v| v.trim().to_owned())
            .filter(|v| v.parse::<ReleaseVersion>().is_ok())
            .unwrap_or_else(|| env!("CARGO_PKG_VERSION").to_owned())
    })
}

/// The release key this program was installed with; none (updates off) when not installed
/// from a package that has one.
pub fn release_key() -> Option<String> {
    std::fs::read_to_string(release_dir().join("release-key.pub")).ok()
}

/// The name of a downloaded, checked package in the updates folder.
pub fn package_file(version: &str) -> String {
    format!("release-{version}.deb")
}

/// The name of a package's detached signature beside it.
pub fn signature_file(version: &str) -> String {
    format!("{}.minisig", package_file(version))
}

/// The name of the marker of a version root refused.
pub fn refused_file(version: &str) -> String {
    format!("{REFUSED_PREFIX}{version}")
}

/// The release a package's file, its signature's or a partial one of them is of.
fn version_of_file(name: &str) -> Option<ReleaseVersion> {
    name.strip_prefix("release-")?.split_once(".deb")?.0.parse().ok()
}

fn running() -> Option<ReleaseVersion> {
    running_version().parse().ok()
}

/// What the updates folder holds for the program's side.
pub const READY_FILE: &str = "ready";
/// Written by the root unit when it could not install a version (it is not tried again).
pub const REFUSED_PREFIX: &str = "refused-";
/// Written by the program when it has started, naming its release: the root unit's sign that an
/// update worked.
pub const STARTED_FILE: &str = "started";

/// Says this program started (its release in `<updates>/started`), for the root unit waiting
/// after an update; and clears what the folder holds for releases reached or passed.
pub fn note_started(dir: &Path) {
    clean_up(dir);
    if let Err(error) = std::fs::create_dir_all(dir)
        .and_then(|()| write_atomically(&dir.join(STARTED_FILE), running_version().as_bytes()))
    {
        warn!(%error, "could not note that this release started");
    }
}

#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    #[error(transparent)]
    Server(#[from] ClientError),
    #[error("the offered version {0:?} is not a release version")]
    Version(String),
    #[error("the downloaded package's digest is {got}, not the {offered} offered: it was changed on the way")]
    Digest { offered: String, got: String },
    #[error("the release's signature was refused: {0}")]
    Signature(#[from] domain::release::ReleaseSignatureError),
    #[error("the update could not be kept in {dir}: {reason}")]
    Local { dir: String, reason: String },
}

/// What became of an offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// Downloaded and checked now, kept at this path.
    Kept(PathBuf),
    /// Already downloaded and checked before.
    AlreadyThere(PathBuf),
    /// This program has no release key (not installed from a package): nothing downloaded.
    NoKey,
    /// The root unit refused this version before (it did not start): not downloaded again.
    RefusedBefore,
}

/// Downloads `offer` into `dir` if it is not there yet, keeping it only when its digest and its
/// signature against `key` hold. Nothing is left in `dir` for a package that fails either.
pub async fn fetch(
    client: &SyncClient,
    credentials: &DeviceCredentials,
    offer: &UpdateOffer,
    key: Option<&str>,
    dir: &Path,
) -> Result<Fetched, UpdateError> {
    let Some(key) = key else { return Ok(Fetched::NoKey) };
    let version: ReleaseVersion = offer.version.parse().map_err(|_| UpdateError::Version(offer.version.clone()))?;
    let target = dir.join(package_file(version.as_str()));
    if dir.join(refused_file(version.as_str())).exists() {
        return Ok(Fetched::RefusedBefore);
    }
    if target.exists() {
        return Ok(Fetched::AlreadyThere(target));
    }
    let content = client.download_release(credentials, &offer.sha256).await?;
    let got = hex::encode(Sha256::digest(&content));
    if got != offer.sha256 {
        return Err(UpdateError::Digest { offered: offer.sha256.clone(), got });
    }
    verify_release_signature(&content, &offer.signature, key)?;
    let local = |e: std::io::Error| UpdateError::Local { dir: dir.display().to_string(), reason: e.to_string() };
    std::fs::create_dir_all(dir).map_err(local)?;
    // Signature first, then the package, each written whole and renamed: the package's name is
    // the sign that both are complete.
    let signature = dir.join(signature_file(version.as_str()));
    write_atomically(&signature, offer.signature.as_bytes()).map_err(local)?;
    write_atomically(&target, &content).map_err(local)?;
    info!(version = %version, bytes = content.len(), "update downloaded and its signature checked");
    Ok(Fetched::Kept(target))
}

fn write_atomically(path: &Path, content: &[u8]) -> std::io::Result<()> {
    let partial = path.with_extension("part");
    std::fs::write(&partial, content)?;
    std::fs::File::open(&partial)?.sync_all()?;
    std::fs::rename(&partial, path)
}

/// The newest checked package in `dir` newer than the running release, if any.
pub fn downloaded(dir: &Path) -> Option<(ReleaseVersion, PathBuf)> {
    let running = running()?;
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".deb"))
        .filter_map(|e| {
            let version = version_of_file(&e.file_name().to_string_lossy())?;
            (version > running && !dir.join(refused_file(version.as_str())).exists()).then(|| (version, e.path()))
        })
        .max_by(|a, b| a.0.cmp(&b.0))
}

/// Called by the program when it is quiet (a kiosk with no visitor): asks the root unit to
/// install the newest checked package, if there is one. Answers the version asked for.
pub fn ask_to_install_if_any(dir: &Path) -> Option<ReleaseVersion> {
    let (version, _) = downloaded(dir)?;
    ask_to_install(dir, version)
}

/// [`ask_to_install_if_any`] for a program whose own folder root does not watch (a desk's, in
/// its user's home): the package and its signature are copied into `spool` (root's hand-over
/// folder, writable by everyone, sticky) and `ready` written there. A version root refused
/// before (its marker in the spool) is not handed over again, and not downloaded again either.
pub fn hand_over_if_any(dir: &Path, spool: &Path) -> Option<ReleaseVersion> {
    let (version, package) = downloaded(dir)?;
    let refused = refused_file(version.as_str());
    if spool.join(&refused).exists() {
        let _ = std::fs::write(dir.join(&refused), b"");
        return None;
    }
    let copied = (|| {
        let signature = signature_file(version.as_str());
        write_atomically(&spool.join(&signature), &std::fs::read(dir.join(&signature))?)?;
        write_atomically(&spool.join(package_file(version.as_str())), &std::fs::read(&package)?)
    })();
    if let Err(error) = copied {
        warn!(%error, spool = %spool.display(), "the update could not be handed to the system");
        return None;
    }
    ask_to_install(spool, version)
}

fn ask_to_install(dir: &Path, version: ReleaseVersion) -> Option<ReleaseVersion> {
    let ready = dir.join(READY_FILE);
    if std::fs::read_to_string(&ready).is_ok_and(|v| v.trim() == version.as_str()) {
        return Some(version);
    }
    match write_atomically(&ready, version.as_str().as_bytes()) {
        Ok(()) => {
            info!(version = %version, "quiet: the update is handed to the system to install");
            Some(version)
        }
        Err(error) => {
            warn!(%error, "the update could not be handed to the system");
            None
        }
    }
}

/// Whatever the updates folder holds for versions this program has reached or passed: done with.
pub fn clean_up(dir: &Path) {
    let Some(running) = running() else { return };
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.filter_map(|e| e.ok()) {
        if version_of_file(&entry.file_name().to_string_lossy()).is_some_and(|v| v <= running) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_desk_hands_its_checked_package_to_roots_folder_unless_root_refused_that_version() {
        let dir = tempfile::tempdir().unwrap();
        let (own, spool) = (dir.path().join("updates"), dir.path().join("incoming"));
        std::fs::create_dir_all(&own).unwrap();
        std::fs::create_dir_all(&spool).unwrap();
        // Nothing downloaded: nothing handed over.
        assert_eq!(hand_over_if_any(&own, &spool), None);
        std::fs::write(own.join(package_file("99.0.0")), b"package").unwrap();
        std::fs::write(own.join(signature_file("99.0.0")), b"signature").unwrap();
        // An older release than this build is never handed over.
        std::fs::write(own.join(package_file("0.0.1")), b"old").unwrap();

        assert_eq!(hand_over_if_any(&own, &spool).map(|v| v.to_string()).as_deref(), Some("99.0.0"));
        assert_eq!(std::fs::read(spool.join(package_file("99.0.0"))).unwrap(), b"package");
        assert_eq!(std::fs::read(spool.join(signature_file("99.0.0"))).unwrap(), b"signature");
        assert_eq!(std::fs::read_to_string(spool.join(READY_FILE)).unwrap(), "99.0.0");
        assert!(!spool.join(package_file("0.0.1")).exists());

        // Root refused it (it failed its self-check): not handed over again, not fetched again.
        std::fs::remove_file(spool.join(READY_FILE)).unwrap();
        std::fs::write(spool.join(format!("{REFUSED_PREFIX}99.0.0")), b"").unwrap();
        assert_eq!(hand_over_if_any(&own, &spool), None);
        assert!(!spool.join(READY_FILE).exists());
        assert!(own.join(format!("{REFUSED_PREFIX}99.0.0")).exists());
        assert_eq!(downloaded(&own), None);
    }
}
