//! Installs what is missing: Debian packages, the UI's npm packages, tauri-driver, nextest,
//! cargo-deny, schemathesis, pyHanko and pySHACL.

use std::{path::Path, process::Command};

use anyhow::{Result, bail};

use crate::{exec, have, path_with_cargo_bin};

/// Debian/Ubuntu packages the build, the tests and the demo need.
pub const APT_PACKAGES: &[&str] = &[
    // Building: Tauri's WebKitGTK stack, OpenSSL for SQLCipher, PC/SC for the eID work.
    "build-essential",
    "pkg-config",
    "libssl-dev",
    "libxdo-dev",
    "libwebkit2gtk-4.1-dev",
    "libsoup-3.0-dev",
    "librsvg2-dev",
    "libayatana-appindicator3-dev",
    "libjavascriptcoregtk-4.1-dev",
    "libgtk-3-dev",
    "libxkbcommon-dev",
    "libpcsclite-dev",
    // Cards: the PC/SC daemon, vsmartcard's virtual reader driver (the virtual eID card plugs into
    // it), and pcsc_scan for looking at readers by hand.
    "pcscd",
    "vsmartcard-vpcd",
    "pcsc-tools",
    // Running the tests: a display, the WebKit WebDriver, a browser, PostgreSQL, the keyring.
    "xvfb",
    "xauth",
    "webkit2gtk-driver",
    "chromium",
    "postgresql",
    // The load test's reverse proxy in front of several server instances.
    "nginx-light",
    "keyutils",
    "dbus",
    "gnome-keyring",
    "libdbus-1-dev",
    // The kiosk's screen-reader test: the AT-SPI bus, and the system Python that reads it.
    "at-spi2-core",
    "python3-gi",
    "gir1.2-atspi-2.0",
    // Fonts with Latvian letters, and tools to look at output.
    "fonts-dejavu-core",
    "poppler-utils",
    // A private CUPS server with file printers, for the print preview's printer list and jobs.
    "cups-daemon",
    "cups-client",
    // certutil: an NSS database that trusts the test CA, for pdfsig to check signatures against.
    "libnss3-tools",
    "curl",
    "openssl",
    // schemathesis and pyHanko (from PyPI) live in virtual environments of the project's own.
    "python3-venv",
    // Packaging and the installation test: lintian, a fresh Debian root, a machine to boot it.
    "lintian",
    "binutils",
    "mmdebstrap",
    "systemd-container",
    "minisign",
];

fn missing_packages(wanted: &[&'static str]) -> Vec<&'static str> {
    // Node.js may come from elsewhere (NodeSource bundles npm, which conflicts with Debian's
    // npm package): ask for Debian's only when there is no npm at all.
    let node: &[&'static str] = if have("npm") || wanted != APT_PACKAGES { &[] } else { &["nodejs", "npm"] };
    wanted
        .iter()
        .copied()
        .filter(|package| {
            !Command::new("dpkg-query")
                .args(["-W", "-f=${Status}", package])
                .output()
                .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        })
        .chain(node.iter().copied())
        .collect()
}

pub fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

pub fn run_setup_apt() -> Result<()> {
    install_apt(APT_PACKAGES)
}

/// Installs those of `wanted` that are missing (as root, or through password-less sudo).
pub fn install_apt(wanted: &[&'static str]) -> Result<()> {
    if !have("apt-get") || !have("dpkg-query") {
        eprintln!("This is not a Debian/Ubuntu system. Install the equivalents of:\n  {}", wanted.join(" "));
        return Ok(());
    }
    let missing = missing_packages(wanted);
    if missing.is_empty() {
        eprintln!("system packages: all present");
        return Ok(());
    }
    eprintln!("system packages missing: {}", missing.join(" "));
    let sudo: &[&str] = if is_root() {
        &[]
    } else if Command::new("sudo").args(["-n", "true"]).status().is_ok_and(|s| s.success()) {
        &["sudo"]
    } else {
        bail!(
            "cannot install without root. Run:\n  sudo apt-get install -y {}\nthen run this command again",
            missing.join(" ")
        );
    };
    let apt = |args: &[&str]| {
        let mut command = Command::new(sudo.first().copied().unwrap_or("apt-get"));
        if !sudo.is_empty() {
            command.arg("apt-get");
        }
        command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        command
    };
    exec(&mut apt(&["update", "-qq"]))?;
    let mut install = apt(&["install", "-y", "-qq", "--no-install-recommends"]);
    install.args(&missing);
    exec(&mut install)
}

pub fn run_setup_tools() -> Result<()> {
    let path = path_with_cargo_bin();
    let on_path = |tool: &str| {
        Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .env("PATH", &path)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !on_path("cargo-nextest") {
        cargo_install("cargo-nextest")?;
    }
    if !on_path("tauri-driver") {
        cargo_install("tauri-driver")?;
    }
    if !on_path("cargo-deny") {
        cargo_install("cargo-deny")?;
    }
    Ok(())
}

/// Builds and installs a tool from crates.io without its own release profile's link-time
/// optimisation: cargo-deny's (fat LTO, one code generation unit) takes minutes longer to build on
/// two cores than the few seconds a run of it could gain.
fn cargo_install(tool: &str) -> Result<()> {
    exec(
        Command::new("cargo")
            .args(["install", tool, "--locked"])
            .env("CARGO_PROFILE_RELEASE_LTO", "false")
            .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16"),
    )
}

/// `npm ci` when node_modules is missing or older than the lock file.
pub fn run_setup_npm(root: &Path) -> Result<()> {
    let ui = root.join("ui");
    let lock = ui.join("package-lock.json");
    let installed = ui.join("node_modules/.package-lock.json");
    let fresh = match (
        std::fs::metadata(&lock).and_then(|m| m.modified()),
        std::fs::metadata(&installed).and_then(|m| m.modified()),
    ) {
        (Ok(lock), Ok(installed)) => installed >= lock,
        _ => false,
    };
    if fresh {
        eprintln!("UI packages: up to date");
        return Ok(());
    }
    exec(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(&ui))
}

/// The schemathesis version the suite runs (pinned: its checks change between releases).
const SCHEMATHESIS: &str = "schemathesis==4.32.5";
/// pyHanko, the independent PAdES validator of the citizens' signatures, and its command line.
const PYHANKO: [&str; 2] = ["pyHanko==0.38.0", "pyhanko-cli==0.6.0"];

/// Where `cargo xtask setup` puts schemathesis: a virtual environment in the build folder, so
/// nothing is installed into the system's Python.
pub fn schemathesis_bin(root: &Path) -> std::path::PathBuf {
    crate::target_dir(root).join("tools/schemathesis/bin/schemathesis")
}

/// Where `cargo xtask setup` puts pyHanko's command (a virtual environment, as schemathesis).
pub fn pyhanko_bin(root: &Path) -> std::path::PathBuf {
    crate::target_dir(root).join("tools/pyhanko/bin/pyhanko")
}

/// [`run_setup_python_tool`] for other commands' tools (pySHACL for `cargo xtask shacl`).
pub fn python_tool(bin: &Path, packages: &[&str]) -> Result<()> {
    run_setup_python_tool(bin, packages)
}

/// Installs `packages` from PyPI into the virtual environment of `bin` (`<venv>/bin/<tool>`),
/// unless `pip freeze` there already lists every one of them at its pinned version.
fn run_setup_python_tool(bin: &Path, packages: &[&str]) -> Result<()> {
    let venv = bin.parent().and_then(Path::parent).expect("a tool's command is in <venv>/bin");
    let name = bin.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let frozen = Command::new(venv.join("bin/pip"))
        .args(["freeze", "--disable-pip-version-check"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).to_lowercase())
        .unwrap_or_default();
    if bin.exists() && packages.iter().all(|p| frozen.lines().any(|line| line == p.to_lowercase())) {
        eprintln!("{name}: {} present", packages.join(", "));
        return Ok(());
    }
    // Made afresh: a venv whose folder moved (or whose Python was upgraded) has commands that
    // point at an interpreter no longer there, and `venv` without `--clear` leaves them so.
    exec(Command::new("python3").args(["-m", "venv", "--clear"]).arg(venv))?;
    exec(Command::new(venv.join("bin/pip")).args(["install", "--quiet", "--disable-pip-version-check"]).args(packages))
}

pub fn all(root: &Path) -> Result<()> {
    all_but_python_tools(root)?;
    python_tools(root)
}

/// The system packages, the cargo tools and the UI's packages: what the build needs.
pub fn all_but_python_tools(root: &Path) -> Result<()> {
    run_setup_apt()?;
    run_setup_tools()?;
    run_setup_npm(root)
}

/// schemathesis, pyHanko and pySHACL from PyPI (after the system packages: `python3-venv`);
/// only the tests use them, so `cargo xtask test` installs them while it builds.
pub fn python_tools(root: &Path) -> Result<()> {
    run_setup_python_tool(&schemathesis_bin(root), &[SCHEMATHESIS])?;
    run_setup_python_tool(&pyhanko_bin(root), &PYHANKO)?;
    run_setup_python_tool(&crate::shacl::pyshacl_bin(root), &[crate::shacl::PYSHACL])
}
