//! `cargo xtask package`: the three Debian packages, each checked with lintian (issue 19).
//!
//! - `pietura-server`: the binary, a system user, a hardened systemd unit (its
//!   `systemd-analyze security` exposure printed), `migrate` before every start, the commented
//!   settings in `/etc/pietura/`.
//! - `pietura-kiosk`: the binary, a dedicated user, a unit that runs it full screen inside `cage`
//!   on the first console, the console locked down, the master key as a systemd credential.
//! - `pietura-desk`: Tauri's bundler (`tauri bundle`, the CLI from the npm registry) with icons
//!   made by `tauri icon` from `icons/icon.svg`; its control file completed here (name,
//!   maintainer, description) with the copyright and changelog lintian asks for.
//!
//! Packages land in `target/packages/`. `cargo xtask test` packages the binaries it has just
//! built (the dev profile, stripped) for the installation test; releases use `--release`.

use std::{
    io::Write,
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context, Result, bail};

use crate::{exec, target_dir};

/// What packaging needs beyond the build's own packages.
pub const PACKAGING_APT_PACKAGES: &[&str] = &["lintian", "binutils"];

/// Which build the packages hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// `cargo build --release`: what is shipped.
    Release,
    /// The binaries `cargo xtask test` built (`target/debug`), stripped: for the installation test.
    Dev,
}

impl Profile {
    pub fn folder(self) -> &'static str {
        match self {
            Self::Release => "release",
            Self::Dev => "debug",
        }
    }
}

/// The three packages, as built.
#[derive(Debug, Clone)]
pub struct Packages {
    pub server: PathBuf,
    pub kiosk: PathBuf,
    pub desk: PathBuf,
}

impl Packages {
    pub fn all(&self) -> [&Path; 3] {
        [&self.server, &self.kiosk, &self.desk]
    }
}

/// The project's release key (minisign public key) packages install for devices to check
/// updates with: `PIETURA_RELEASE_KEY` names one, else `installer/release-key.pub` when the
/// release manager has committed one; without it, packaged devices do not update themselves.
pub fn project_release_key(root: &Path) -> Option<PathBuf> {
    std::env::var_os("PIETURA_RELEASE_KEY")
        .map(PathBuf::from)
        .or_else(|| Some(root.join("installer/release-key.pub")).filter(|p| p.exists()))
}

/// `cargo xtask package [--dev]`: builds, checks with lintian, prints sizes.
pub fn run(root: &Path, profile: Profile) -> Result<()> {
    let key = project_release_key(root);
    if key.is_none() {
        println!(
            "no release key (installer/release-key.pub or PIETURA_RELEASE_KEY): the desk and kiosk packages will not update themselves"
        );
    }
    let packages = build(root, profile, None, key.as_deref())?;
    lintian_all(&packages.all())?;
    let exposure = unit_exposure(&root.join("installer/server/pietura-server.service"))?;
    let kiosk_exposure = unit_exposure(&root.join("installer/kiosk/pietura-kiosk.service"))?;
    for deb in packages.all() {
        let size = std::fs::metadata(deb)?.len();
        println!("{}: {:.1} MB, installed {:.1} MB", deb.display(), mb(size), mb(installed_size(deb)?));
    }
    println!("systemd-analyze security exposure: pietura-server {exposure}, pietura-kiosk {kiosk_exposure}");
    Ok(())
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1_000_000.0
}

/// Builds the three packages into `target/packages/`. `version` overrides the workspace's (the
/// update test makes a 0.1.1 of the same build).
pub fn build(root: &Path, profile: Profile, version: Option<&str>, release_key: Option<&Path>) -> Result<Packages> {
    crate::setup::install_apt(PACKAGING_APT_PACKAGES)?;
    if profile == Profile::Release {
        exec(Command::new("npm").args(["run", "build"]).current_dir(root.join("ui")))?;
        exec(Command::new("cargo").args([
            "build",
            "--release",
            "--locked",
            "-p",
            "server",
            "--bin",
            "pietura-server",
            "-p",
            "kiosk",
            "--bin",
            "pietura-kiosk",
            "-p",
            "desk",
            "--bin",
            "pietura-desk",
        ]))?;
    }
    let out = target_dir(root).join("packages");
    std::fs::create_dir_all(&out)?;
    let version = format!("{}-1", version.map_or_else(|| workspace_version(root), |v| Ok(v.to_owned()))?);
    let binaries = target_dir(root).join(profile.folder());
    Ok(Packages {
        server: server_package(root, &out, &binaries, &version, profile)?,
        kiosk: kiosk_package(root, &out, &binaries, &version, release_key, profile)?,
        desk: desk_package(root, &out, profile, &version, release_key)?,
    })
}

fn workspace_version(root: &Path) -> Result<String> {
    let workspace = std::fs::read_to_string(root.join("Cargo.toml"))?;
    workspace
        .lines()
        .find_map(|l| l.trim().strip_prefix("version = \"").and_then(|v| v.strip_suffix('"')).map(str::to_owned))
        .context("no version in the workspace's Cargo.toml")
}

/// A package's tree being put together, then built with `dpkg-deb`.
struct Stage {
    root: PathBuf,
    name: &'static str,
    version: String,
    /// dpkg-deb's compression: xz for releases, quick gzip for the installation test's builds.
    compression: &'static [&'static str],
}

impl Stage {
    fn new(out: &Path, name: &'static str, version: &str, profile: Profile) -> Result<Self> {
        let root = out.join(format!("{name}_{version}_amd64"));
        if root.exists() {
            std::fs::remove_dir_all(&root)?;
        }
        std::fs::create_dir_all(&root)?;
        let compression: &'static [&'static str] = match profile {
            Profile::Release => &["-Zxz"],
            Profile::Dev => &["-Zgzip", "-z1"],
        };
        Ok(Self { root, name, version: version.to_owned(), compression })
    }

    fn file(&self, path: &str, content: &[u8], mode: u32) -> Result<()> {
        let target = self.root.join(path);
        std::fs::create_dir_all(target.parent().expect("a folder"))?;
        std::fs::write(&target, content)?;
        std::fs::set_permissions(&target, std::os::unix::fs::PermissionsExt::from_mode(mode))?;
        Ok(())
    }

    /// A program into `usr/bin`, stripped of what only a debugger needs.
    fn binary(&self, built: &Path) -> Result<()> {
        let name = built.file_name().context("a binary's name")?;
        let staged = self.root.join("usr/bin").join(name);
        std::fs::create_dir_all(staged.parent().expect("usr/bin"))?;
        std::fs::copy(built, &staged).with_context(|| format!("{} (is it built?)", built.display()))?;
        strip(&staged)?;
        std::fs::set_permissions(&staged, std::os::unix::fs::PermissionsExt::from_mode(0o755))?;
        Ok(())
    }

    /// README.Debian, copyright and changelog in `usr/share/doc/<name>/`.
    fn docs(&self, root: &Path, readme: Option<&Path>) -> Result<()> {
        let doc = format!("usr/share/doc/{}", self.name);
        if let Some(readme) = readme {
            self.file(&format!("{doc}/README.Debian"), &std::fs::read(readme)?, 0o644)?;
        }
        self.file(&format!("{doc}/copyright"), copyright(root)?.as_bytes(), 0o644)?;
        let changelog = format!(
            "{} ({}) unstable; urgency=medium\n\n  * Built by cargo xtask package.\n\n -- Pietura <pietura@pietura.lv>  {}\n",
            self.name,
            self.version,
            rfc2822_now()?
        );
        self.file(&format!("{doc}/changelog.Debian.gz"), &gzip(changelog.as_bytes())?, 0o644)?;
        Ok(())
    }

    /// What a device reads to know its release and to check updates (see `device::update`):
    /// `/usr/share/pietura/<package>/release` and, when given, `release-key.pub`.
    fn release_files(&self, release_key: Option<&Path>) -> Result<()> {
        let dir = format!("usr/share/pietura/{}", self.name);
        let upstream = self.version.split_once('-').map_or(self.version.as_str(), |(u, _)| u);
        self.file(&format!("{dir}/release"), format!("{upstream}\n").as_bytes(), 0o644)?;
        if let Some(key) = release_key {
            let text = std::fs::read_to_string(key).with_context(|| format!("the release key {}", key.display()))?;
            check_minisign_public_key(&text)
                .with_context(|| format!("{} is not a minisign public key", key.display()))?;
            self.file(&format!("{dir}/release-key.pub"), text.as_bytes(), 0o644)?;
        }
        Ok(())
    }

    /// The maintainer scripts found in `from` (postinst, prerm, postrm).
    fn scripts(&self, from: &Path) -> Result<()> {
        for script in ["postinst", "prerm", "postrm"] {
            let path = from.join(script);
            if path.exists() {
                self.file(&format!("DEBIAN/{script}"), &std::fs::read(path)?, 0o755)?;
            }
        }
        Ok(())
    }

    /// Writes DEBIAN/control (`fields` after the name, version and size) and builds the package.
    fn build(self, out: &Path, fields: &str, conffiles: &[&str]) -> Result<PathBuf> {
        if !conffiles.is_empty() {
            self.file("DEBIAN/conffiles", format!("{}\n", conffiles.join("\n")).as_bytes(), 0o644)?;
        }
        let installed_kib = folder_size(&self.root)? / 1024;
        let control = format!(
            "Package: {}\nVersion: {}\nArchitecture: amd64\nMaintainer: Pietura <pietura@pietura.lv>\n\
             Installed-Size: {installed_kib}\nPriority: optional\nHomepage: https://pietura.lv/\n{fields}",
            self.name, self.version
        );
        self.file("DEBIAN/control", control.as_bytes(), 0o644)?;
        let deb = out.join(format!("{}_{}_amd64.deb", self.name, self.version));
        exec(
            Command::new("dpkg-deb")
                .arg("--root-owner-group")
                .args(self.compression)
                .arg("--build")
                .arg(&self.root)
                .arg(&deb),
        )?;
        Ok(deb)
    }
}

/// `pietura-server_<version>_amd64.deb`.
fn server_package(root: &Path, out: &Path, binaries: &Path, version: &str, profile: Profile) -> Result<PathBuf> {
    let stage = Stage::new(out, "pietura-server", version, profile)?;
    let binary = binaries.join("pietura-server");
    stage.binary(&binary)?;
    let installer = root.join("installer/server");
    stage.file(
        "lib/systemd/system/pietura-server.service",
        &std::fs::read(installer.join("pietura-server.service"))?,
        0o644,
    )?;
    // The settings: the server's own commented example, with the data where the unit keeps it.
    let config = Command::new(&binary).arg("default-config").output()?;
    if !config.status.success() {
        bail!("pietura-server default-config failed");
    }
    let config = String::from_utf8(config.stdout)?
        .replace("database_url = \"pietura.db\"", "database_url = \"/var/lib/pietura/pietura.db\"");
    anyhow::ensure!(config.contains("/var/lib/pietura/pietura.db"), "the example settings no longer name database_url");
    stage.file("etc/pietura/pietura.toml", config.as_bytes(), 0o640)?;
    stage.docs(root, Some(&installer.join("README.Debian")))?;
    stage.scripts(&installer)?;
    stage.build(
        out,
        "Depends: libc6 (>= 2.36), libssl3 | libssl3t64, ca-certificates, adduser, systemd\nSuggests: postgresql\nSection: net\n\
         Description: Pietura central server\n The central server of Pietura, the service-desk software of\n \
         Latvia's state and municipal client service centres and public\n \
         libraries: the service catalogue, e-forms, cases, e-address, eID\n \
         login, audit, open data and sync for desks and kiosks.\n",
        &["/etc/pietura/pietura.toml"],
    )
}

/// The kiosk's package alone, of the binary in `binaries`, as `version` (`0.1.1-1`): the
/// installation test's releases.
pub fn kiosk_deb(
    root: &Path,
    out: &Path,
    binaries: &Path,
    version: &str,
    release_key: Option<&Path>,
) -> Result<PathBuf> {
    kiosk_package(root, out, binaries, version, release_key, Profile::Dev)
}

/// `pietura-kiosk_<version>_amd64.deb`.
fn kiosk_package(
    root: &Path,
    out: &Path,
    binaries: &Path,
    version: &str,
    release_key: Option<&Path>,
    profile: Profile,
) -> Result<PathBuf> {
    let stage = Stage::new(out, "pietura-kiosk", version, profile)?;
    stage.binary(&binaries.join("pietura-kiosk"))?;
    let installer = root.join("installer/kiosk");
    let read = |name: &str| std::fs::read(installer.join(name));
    for unit in [
        "pietura-kiosk.service",
        "pietura-kiosk-key.service",
        "pietura-kiosk-update.path",
        "pietura-kiosk-update.service",
    ] {
        stage.file(&format!("lib/systemd/system/{unit}"), &read(unit)?, 0o644)?;
    }
    stage.file("etc/pietura-kiosk/kiosk.toml", &read("kiosk.toml")?, 0o640)?;
    stage.file("usr/lib/systemd/logind.conf.d/pietura-kiosk.conf", &read("logind.conf")?, 0o644)?;
    stage.file("usr/lib/sysctl.d/pietura-kiosk.conf", &read("sysctl.conf")?, 0o644)?;
    stage.release_files(release_key)?;
    stage.docs(root, Some(&installer.join("README.Debian")))?;
    stage.scripts(&installer)?;
    // What the binary loads at run time beyond what it links: Wayland and EGL (winit and glutin
    // open them with dlopen), Mesa's drivers (llvmpipe where there is no GPU), the card service,
    // and the trusted certificates (without them no HTTP client can be made at all).
    stage.build(
        out,
        "Depends: libc6 (>= 2.36), libssl3 | libssl3t64, ca-certificates, libpcsclite1, libdbus-1-3, pcscd, cage, \
         libwayland-client0, libwayland-cursor0, libwayland-egl1, libxkbcommon0, libegl1, libegl-mesa0, \
         libgl1-mesa-dri, adduser, systemd, dpkg-repack\nRecommends: cups-client\nSection: misc\n\
         Description: Pietura citizen self-service kiosk\n Turns a library's PC into a Pietura kiosk: citizens find public\n \
         services and life situations, and after an eID card login read their\n \
         e-address mailbox and cases. It starts full screen at boot on the\n \
         first console (inside cage), restarts when it ends, and leaves no\n \
         way to another console or a shell from its keyboard.\n",
        &["/etc/pietura-kiosk/kiosk.toml"],
    )
}

/// `pietura-desk_<version>_amd64.deb`: Tauri's bundler, then the control file completed.
fn desk_package(
    root: &Path,
    out: &Path,
    profile: Profile,
    version: &str,
    release_key: Option<&Path>,
) -> Result<PathBuf> {
    let ui = root.join("ui");
    let tauri = ui.join("node_modules/.bin/tauri");
    if !tauri.exists() {
        exec(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(&ui))?;
    }
    // Every icon size from one source.
    let icons = target_dir(root).join("packages/icons");
    exec(Command::new(&tauri).arg("icon").arg(root.join("icons/icon.svg")).arg("-o").arg(&icons).current_dir(&ui))?;
    let icon = |name: &str| icons.join(name).display().to_string();
    let config = serde_json::json!({
        "version": version.split('-').next().unwrap_or(version),
        "bundle": {
            "active": true,
            "icon": [icon("32x32.png"), icon("128x128.png"), icon("icon.png")],
        }
    });
    let mut bundle = Command::new(&tauri);
    bundle.arg("bundle").args(["--bundles", "deb", "--config"]).arg(config.to_string());
    if profile == Profile::Dev {
        bundle.arg("--debug");
    }
    exec(bundle.current_dir(root.join("src-tauri")))?;
    let built_dir = target_dir(root).join(profile.folder()).join("bundle/deb");
    let built = std::fs::read_dir(&built_dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "deb"))
        .max_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
        .with_context(|| format!("tauri bundle made no .deb in {}", built_dir.display()))?;
    // Unpack what the bundler made and complete it as a Debian package.
    let stage = Stage::new(out, "pietura-desk", version, profile)?;
    exec(Command::new("dpkg-deb").arg("-x").arg(&built).arg(&stage.root))?;
    let control = Command::new("dpkg-deb").args(["-f"]).arg(&built).args(["Depends", "Recommends"]).output()?;
    let fields = String::from_utf8(control.stdout)?;
    let field = |name: &str| {
        fields.lines().find_map(|l| l.strip_prefix(&format!("{name}: ")).map(str::to_owned)).unwrap_or_default()
    };
    let binary = stage.root.join("usr/bin/pietura-desk");
    strip(&binary)?;
    stage.docs(root, None)?;
    stage.release_files(release_key)?;
    let installer = root.join("installer/desk");
    for unit in ["pietura-desk-update.path", "pietura-desk-update.service"] {
        stage.file(&format!("lib/systemd/system/{unit}"), &std::fs::read(installer.join(unit))?, 0o644)?;
    }
    stage.scripts(&installer)?;
    stage.build(
        out,
        &format!(
            "Depends: libc6 (>= 2.36), ca-certificates, dpkg-repack, {}\nRecommends: {}\nSection: misc\n\
             Description: Pietura desk app for client service centres and libraries\n \
             The desk app of Latvia's state and municipal client service centres\n \
             (VPVKAC) and of librarians acting as digital agents: eID card login,\n \
             the offline service catalogue and knowledge base, service cases,\n \
             e-forms completed with the citizen and signed with their card,\n \
             e-address, printing and a training mode for workshops.\n",
            field("Depends"),
            field("Recommends")
        ),
        &[],
    )
}

/// A minisign public key file: an untrusted comment, then the key's base64 line ("RW…").
fn check_minisign_public_key(text: &str) -> Result<()> {
    let key = text.lines().map(str::trim).rfind(|l| !l.is_empty()).unwrap_or_default();
    anyhow::ensure!(key.starts_with("RW") && key.len() == 56, "no minisign key line in it");
    Ok(())
}

fn strip(binary: &Path) -> Result<()> {
    exec(
        Command::new("strip")
            .args(["--strip-unneeded", "--remove-section=.comment", "--remove-section=.note"])
            .arg(binary),
    )
}

fn copyright(root: &Path) -> Result<String> {
    let licence = ["LICENSE", "LICENCE", "LICENSE.md"]
        .iter()
        .map(|name| root.join(name))
        .find(|path| path.exists())
        .map(std::fs::read_to_string)
        .transpose()?
        .unwrap_or_default();
    Ok(format!(
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nUpstream-Name: pietura\n\
         Source: https://pietura.lv/\n\nFiles: *\nCopyright: Pietura contributors\nLicense: EUPL-1.2\n{}\n",
        licence
            .lines()
            .map(|l| if l.trim().is_empty() { " .".to_owned() } else { format!(" {l}") })
            .collect::<Vec<_>>()
            .join("\n")
    ))
}

fn rfc2822_now() -> Result<String> {
    let out = Command::new("date").arg("-R").output()?;
    Ok(String::from_utf8(out.stdout)?.trim().to_owned())
}

fn gzip(content: &[u8]) -> Result<Vec<u8>> {
    let mut child = Command::new("gzip")
        .args(["-9n"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()?;
    child.stdin.take().expect("piped").write_all(content)?;
    let out = child.wait_with_output()?;
    Ok(out.stdout)
}

fn folder_size(dir: &Path) -> Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        total += if meta.is_dir() { folder_size(&entry.path())? } else { meta.len() };
    }
    Ok(total)
}

/// A package's Installed-Size, in bytes.
fn installed_size(deb: &Path) -> Result<u64> {
    let out = Command::new("dpkg-deb").args(["-f"]).arg(deb).arg("Installed-Size").output()?;
    Ok(String::from_utf8(out.stdout)?.trim().parse::<u64>().context("Installed-Size")? * 1024)
}

/// lintian on each of `debs`, side by side (a run is mostly one core's work for ~10 s): errors
/// fail the packaging; warnings are printed.
pub fn lintian_all(debs: &[&Path]) -> Result<()> {
    let running = debs
        .iter()
        .map(|deb| {
            Command::new("lintian")
                .args(["--tag-display-limit", "0", "--fail-on", "error"])
                .arg(deb)
                .stdout(std::process::Stdio::piped())
                .spawn()
                .with_context(|| format!("could not run lintian on {}", deb.display()))
        })
        .collect::<Result<Vec<_>>>()?;
    let mut failed = Vec::new();
    for (deb, child) in debs.iter().zip(running) {
        let out = child.wait_with_output()?;
        print!("{}", String::from_utf8_lossy(&out.stdout));
        if !out.status.success() {
            failed.push(deb.display().to_string());
        }
    }
    if !failed.is_empty() {
        bail!("lintian found errors in {}", failed.join(", "));
    }
    Ok(())
}

/// `systemd-analyze security --offline` of a unit file: its overall exposure (lower is safer).
fn unit_exposure(unit: &Path) -> Result<String> {
    let out = Command::new("systemd-analyze").args(["security", "--offline=true"]).arg(unit).output()?;
    let said = String::from_utf8_lossy(&out.stdout);
    said.lines()
        .find_map(|l| {
            l.split_once("Overall exposure level for")
                .map(|(_, rest)| rest.split_once(": ").map_or(rest, |r| r.1).trim().to_owned())
        })
        .context("systemd-analyze gave no exposure level")
}
