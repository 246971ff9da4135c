//! `cargo xtask package`: Debian packages, checked with lintian (issue 19). The server's so far:
//! the release binary, its system user, a hardened systemd unit (its `systemd-analyze security`
//! exposure printed), `migrate` before every start, the commented settings in `/etc/pietura/`.
//! Packages land in `target/packages/`.

use std::{
    io::Write,
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context, Result, bail};

use crate::{exec, target_dir};

/// What packaging needs beyond the build's own packages.
pub const PACKAGING_APT_PACKAGES: &[&str] = &["lintian", "binutils"];

pub fn run(root: &Path) -> Result<()> {
    crate::setup::install_apt(PACKAGING_APT_PACKAGES)?;
    exec(Command::new("cargo").args(["build", "--release", "--locked", "-p", "server", "--bin", "pietura-server"]))?;
    let out = target_dir(root).join("packages");
    std::fs::create_dir_all(&out)?;
    let deb = server_package(root, &out)?;
    lintian(&deb)?;
    let exposure = unit_exposure(&root.join("installer/server/pietura-server.service"))?;
    let size = std::fs::metadata(&deb)?.len();
    println!("{}: {:.1} MB; systemd-analyze security exposure {exposure}", deb.display(), size as f64 / 1_000_000.0);
    Ok(())
}

fn version(root: &Path) -> Result<String> {
    let manifest = std::fs::read_to_string(root.join("server/Cargo.toml"))?;
    let workspace = std::fs::read_to_string(root.join("Cargo.toml"))?;
    let find = |text: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix("version = \"").and_then(|v| v.strip_suffix('"')).map(str::to_owned))
    };
    find(&manifest).or_else(|| find(&workspace)).context("no version in server/Cargo.toml or the workspace")
}

/// `pietura-server_<version>_amd64.deb` in `out`.
fn server_package(root: &Path, out: &Path) -> Result<PathBuf> {
    // A Debian revision of its own: the package is not Debian's "native" kind.
    let version = format!("{}-1", version(root)?);
    let stage = out.join(format!("pietura-server_{version}_amd64"));
    if stage.exists() {
        std::fs::remove_dir_all(&stage)?;
    }
    let file = |path: &str, content: &[u8], mode: u32| -> Result<()> {
        let target = stage.join(path);
        std::fs::create_dir_all(target.parent().expect("a folder"))?;
        std::fs::write(&target, content)?;
        std::fs::set_permissions(&target, std::os::unix::fs::PermissionsExt::from_mode(mode))?;
        Ok(())
    };
    let binary = target_dir(root).join("release/pietura-server");
    let staged_binary = stage.join("usr/bin/pietura-server");
    std::fs::create_dir_all(staged_binary.parent().expect("usr/bin"))?;
    std::fs::copy(&binary, &staged_binary).with_context(|| format!("{} (built above)", binary.display()))?;
    exec(
        Command::new("strip")
            .args(["--strip-unneeded", "--remove-section=.comment", "--remove-section=.note"])
            .arg(&staged_binary),
    )?;
    std::fs::set_permissions(&staged_binary, std::os::unix::fs::PermissionsExt::from_mode(0o755))?;
    let installer = root.join("installer/server");
    file(
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
    file("etc/pietura/pietura.toml", config.as_bytes(), 0o640)?;
    let doc = "usr/share/doc/pietura-server";
    file(&format!("{doc}/README.Debian"), &std::fs::read(installer.join("README.Debian"))?, 0o644)?;
    file(&format!("{doc}/copyright"), copyright(root)?.as_bytes(), 0o644)?;
    let changelog = format!(
        "pietura-server ({version}) unstable; urgency=medium\n\n  * Built by cargo xtask package.\n\n -- Pietura <pietura@pietura.lv>  {}\n",
        rfc2822_now()?
    );
    file(&format!("{doc}/changelog.Debian.gz"), &gzip(changelog.as_bytes())?, 0o644)?;
    for script in ["postinst", "prerm", "postrm"] {
        file(&format!("DEBIAN/{script}"), &std::fs::read(installer.join(script))?, 0o755)?;
    }
    file("DEBIAN/conffiles", b"/etc/pietura/pietura.toml\n", 0o644)?;
    let installed_kib = folder_size(&stage)? / 1024;
    let control = format!(
        "Package: pietura-server\nVersion: {version}\nArchitecture: amd64\nMaintainer: Pietura <pietura@pietura.lv>\n\
         Installed-Size: {installed_kib}\nDepends: libc6 (>= 2.36), libssl3 | libssl3t64, adduser, systemd\n\
         Suggests: postgresql\nSection: net\nPriority: optional\nHomepage: https://pietura.lv/\n\
         Description: Pietura central server\n The central server of Pietura, the service-desk software of\n \
         Latvia's state and municipal client service centres and public\n \
         libraries: the service catalogue, e-forms, cases, e-address, eID\n \
         login, audit, open data and sync for desks and kiosks.\n"
    );
    file("DEBIAN/control", control.as_bytes(), 0o644)?;
    let deb = out.join(format!("pietura-server_{version}_amd64.deb"));
    exec(Command::new("dpkg-deb").args(["--root-owner-group", "-Zxz", "--build"]).arg(&stage).arg(&deb))?;
    Ok(deb)
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

/// lintian on `deb`: errors fail the packaging; warnings are printed.
fn lintian(deb: &Path) -> Result<()> {
    let out = Command::new("lintian").args(["--no-tag-display-limit", "--fail-on", "error"]).arg(deb).output()?;
    let said = String::from_utf8_lossy(&out.stdout);
    print!("{said}");
    if !out.status.success() {
        bail!("lintian found errors in {}", deb.display());
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
