//! The root side of an update (issue 19): what the package's update unit runs when the program
//! hands over a release (`ready` in its updates folder). Nothing the unprivileged program wrote
//! is trusted: the package is copied into root's own folder and its signature checked there
//! against the release key the package installed, its name and version read from the package
//! itself; the installed package is kept (`dpkg-repack`) before the new one is installed; if the
//! new version has not said it started within the time allowed (or systemd has had to restart it
//! three times meanwhile), the kept one is put back and the version is not tried again.

use std::{
    path::{Path, PathBuf},
    process::Command,
    time::{Duration, Instant},
};

use domain::release::{ReleaseVersion, verify_release_signature};
use tracing::{error, info, warn};

use super::{READY_FILE, STARTED_FILE, package_file, refused_file, signature_file};

/// What to update, and where.
#[derive(Debug, Clone)]
pub struct Installation {
    /// The Debian package, e.g. `pietura-kiosk`.
    pub package: String,
    /// The unit that runs the program (restarted by the package's scripts; a service's only).
    pub unit: String,
    /// The program's updates folder (its user's).
    pub updates: PathBuf,
    /// Root's own folder: the copy installed, the package kept for a rollback.
    pub work: PathBuf,
    /// The release key the package installed (root's).
    pub key: PathBuf,
    /// How the new version shows it works.
    pub health: Health,
}

/// How an installed release shows it works.
#[derive(Debug, Clone)]
pub enum Health {
    /// A service's program (the kiosk): it writes `started` naming its release within this time.
    Started { within: Duration },
    /// A program people start themselves (the desk): `<program> --self-check` runs, loading every
    /// library it links, and prints the release it is.
    SelfCheck { program: PathBuf },
}

/// How an update ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Installed {
    /// Nothing was handed over.
    NothingReady,
    /// Installed, and the new version started.
    Updated { from: String, to: String },
    /// Refused before anything changed (why).
    Refused(String),
    /// Installed, did not start, put back.
    RolledBack { to: String, reason: String },
}

#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
    #[error("{command} failed: {said}")]
    Command { command: String, said: String },
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> InstallError {
    let what = what.into();
    move |e| InstallError::Io(what, e)
}

fn run(command: &mut Command) -> Result<String, InstallError> {
    let shown = format!("{command:?}");
    let out = command.output().map_err(io(format!("could not start {shown}")))?;
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    if !out.status.success() {
        return Err(InstallError::Command { command: shown, said: said.trim().to_owned() });
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The installed version of `package` (`dpkg-query`).
fn installed_version(package: &str) -> Result<String, InstallError> {
    run(Command::new("dpkg-query").args(["-W", "-f=${Version}", package]))
}

/// Handles what is handed over in `at.updates`, if anything.
pub fn install_ready(at: &Installation) -> Result<Installed, InstallError> {
    let ready = at.updates.join(READY_FILE);
    let Ok(asked) = std::fs::read_to_string(&ready) else { return Ok(Installed::NothingReady) };
    // Taken once, whatever comes of it: the path unit must not start again for the same ask.
    std::fs::remove_file(&ready).map_err(io(format!("{} cannot be removed", ready.display())))?;
    let refuse = |why: String| {
        warn!(reason = %why, "update refused; nothing was changed");
        Ok(Installed::Refused(why))
    };
    let Ok(version) = asked.trim().parse::<ReleaseVersion>() else {
        return refuse(format!("{:?} is not a release version", asked.trim()));
    };
    let offered = at.updates.join(package_file(version.as_str()));
    // Read once into root's memory, then everything is checked on this copy.
    let content = match read_plain_file(&offered) {
        Ok(content) => content,
        Err(e) => return refuse(format!("{} cannot be read: {e}", offered.display())),
    };
    let signature = match read_plain_file(&at.updates.join(signature_file(version.as_str()))) {
        Ok(signature) => String::from_utf8_lossy(&signature).into_owned(),
        Err(e) => return refuse(format!("the signature cannot be read: {e}")),
    };
    let key = std::fs::read_to_string(&at.key).map_err(io(format!("the release key {}", at.key.display())))?;
    if let Err(e) = verify_release_signature(&content, &signature, &key) {
        mark_refused(at, &version);
        return refuse(format!("the signature of {version} was refused: {e}"));
    }
    std::fs::create_dir_all(&at.work).map_err(io(format!("{}", at.work.display())))?;
    let new = at.work.join("new.deb");
    std::fs::write(&new, &content).map_err(io(format!("{}", new.display())))?;
    let field = |name: &str| run(Command::new("dpkg-deb").arg("-f").arg(&new).arg(name));
    let (package, package_version) = (field("Package")?, field("Version")?);
    if package != at.package {
        mark_refused(at, &version);
        return refuse(format!("the signed package is {package:?}, not {:?}", at.package));
    }
    let upstream = package_version.split_once('-').map_or(package_version.as_str(), |(u, _)| u);
    if upstream != version.as_str() {
        mark_refused(at, &version);
        return refuse(format!("the package is version {package_version}, not the {version} handed over"));
    }
    let from = installed_version(&at.package)?;
    let newer = Command::new("dpkg")
        .args(["--compare-versions", &package_version, "gt", &from])
        .status()
        .map_err(io("dpkg --compare-versions"))?;
    if !newer.success() {
        return refuse(format!("{package_version} is not newer than the installed {from}"));
    }

    // The installed package, kept for a rollback.
    let kept = at.work.join("rollback");
    let _ = std::fs::remove_dir_all(&kept);
    std::fs::create_dir_all(&kept).map_err(io(format!("{}", kept.display())))?;
    // Quick gzip, not xz: the copy is local and short-lived, and the kiosk waits meanwhile.
    run(Command::new("dpkg-repack")
        .args(["--deb-option=-Zgzip", "--deb-option=-z1"])
        .arg(&at.package)
        .current_dir(&kept))?;
    let kept_deb = std::fs::read_dir(&kept)
        .map_err(io(format!("{}", kept.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "deb"))
        .ok_or_else(|| InstallError::Command { command: "dpkg-repack".into(), said: "made no package".into() })?;

    let started = at.updates.join(STARTED_FILE);
    let _ = std::fs::remove_file(&started);
    info!(%from, to = %package_version, "installing the update");
    let installed = run(Command::new("apt-get")
        .env("DEBIAN_FRONTEND", "noninteractive")
        .args(["install", "-y", "-q", "--no-install-recommends", "-o", "Dpkg::Options::=--force-confold"])
        .arg(&new));
    let reason = match installed {
        Err(e) => Some(format!("it could not be installed: {e}")),
        Ok(_) => match &at.health {
            Health::Started { within } => {
                // Counted from here: the package's scripts have just restarted the unit, which
                // sets systemd's count to 0, and an older version's restarts are not the new one's.
                let before = automatic_restarts(&at.unit).unwrap_or(0);
                let restarts = || automatic_restarts(&at.unit).map(|now| now.saturating_sub(before));
                wait_started(&started, &version, *within, restarts).err()
            }
            Health::SelfCheck { program } => self_check(program, &version).err(),
        },
    };
    let Some(reason) = reason else {
        info!(%from, to = %package_version, "updated, and the new version started");
        return Ok(Installed::Updated { from, to: package_version });
    };
    error!(%reason, to = %package_version, back_to = %from, "the update failed; rolling back");
    run(Command::new("dpkg").env("DEBIAN_FRONTEND", "noninteractive").args(["-i", "--force-confold"]).arg(&kept_deb))?;
    // The failed version may have run the unit into its start limit. The package's own scripts
    // have just restarted it: `start` only starts it if that did not take (a second restart at
    // once stopped a program still starting, which then took its stop timeout to end).
    if let Health::Started { .. } = at.health {
        let _ = run(Command::new("systemctl").args(["reset-failed", &at.unit]));
        let _ = run(Command::new("systemctl").args(["start", &at.unit]));
    }
    mark_refused(at, &version);
    let _ = std::fs::remove_file(&offered);
    Ok(Installed::RolledBack { to: from, reason })
}

/// A regular file's content (not through a link the unprivileged side may have put there).
fn read_plain_file(path: &Path) -> std::io::Result<Vec<u8>> {
    let meta = std::fs::symlink_metadata(path)?;
    if !meta.file_type().is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    if meta.len() > 512 * 1024 * 1024 {
        return Err(std::io::Error::other("larger than any release"));
    }
    std::fs::read(path)
}

/// `refused-<version>` in the updates folder: the program does not fetch or hand it over again.
fn mark_refused(at: &Installation, version: &ReleaseVersion) {
    let marker = at.updates.join(refused_file(version.as_str()));
    if let Err(e) = std::fs::write(&marker, b"") {
        warn!(error = %e, marker = %marker.display(), "could not mark the version refused");
    }
}

/// `program --self-check` must succeed and name `version`.
fn self_check(program: &Path, version: &ReleaseVersion) -> Result<(), String> {
    let out = Command::new(program).arg("--self-check").output().map_err(|e| format!("it could not start: {e}"))?;
    let said = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    if !out.status.success() {
        return Err(format!("its self-check failed ({}): {}", out.status, String::from_utf8_lossy(&out.stderr).trim()));
    }
    if said != version.as_str() {
        return Err(format!("its self-check says {said:?}, not {version}"));
    }
    Ok(())
}

/// How many times in a row a new version may stop as it starts before it is rolled back without
/// waiting out the rest of its time: a kiosk that works writes `started` at its first start, and
/// one that stops at once would otherwise leave the screen black for the whole wait.
const STOPPED_AT_START_LIMIT: u32 = 3;

/// Waits for the new version to write `started` naming itself; gives up, saying why, when the
/// time is over or when `restarts` (systemd's restarts of the unit since the install) says it
/// stopped [`STOPPED_AT_START_LIMIT`] times.
fn wait_started(
    started: &Path,
    version: &ReleaseVersion,
    within: Duration,
    mut restarts: impl FnMut() -> Option<u32>,
) -> Result<(), String> {
    let begun = Instant::now();
    loop {
        if std::fs::read_to_string(started).is_ok_and(|v| v.trim() == version.as_str()) {
            return Ok(());
        }
        if let Some(times) = restarts().filter(|&times| times >= STOPPED_AT_START_LIMIT) {
            return Err(format!("it stopped {times} times as it started"));
        }
        if begun.elapsed() >= within {
            return Err(format!("it did not start within {within:?}"));
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// systemd's count of the unit's automatic restarts (`Restart=`) since it was last started or
/// restarted by a job; none where systemd cannot say.
fn automatic_restarts(unit: &str) -> Option<u32> {
    let out = Command::new("systemctl").args(["show", "--property=NRestarts", "--value", unit]).output().ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_version_that_keeps_stopping_is_given_up_at_the_third_restart_not_at_the_end_of_its_time() {
        let dir = tempfile::tempdir().unwrap();
        let started = dir.path().join(STARTED_FILE);
        let version: ReleaseVersion = "0.1.3".parse().unwrap();
        let long = Duration::from_secs(600);

        // Restarted by systemd again and again: given up at the third, long before ten minutes.
        let mut count = 0;
        let begun = Instant::now();
        let said = wait_started(&started, &version, long, || {
            count += 1;
            Some(count)
        });
        assert_eq!(said, Err("it stopped 3 times as it started".to_owned()));
        assert!(begun.elapsed() < Duration::from_secs(60));

        // One restart, then it says it started: it works.
        std::fs::write(&started, "0.1.3\n").unwrap();
        assert_eq!(wait_started(&started, &version, long, || Some(1)), Ok(()));

        // Started as an older version, no restarts, no systemd to ask: the time runs out.
        std::fs::write(&started, "0.1.1").unwrap();
        let said = wait_started(&started, &version, Duration::from_millis(600), || None);
        assert_eq!(said, Err("it did not start within 600ms".to_owned()));
    }
}
