//! `cargo xtask test`: the whole suite, in the order that fails fastest.

use std::{path::Path, process::Command, time::Instant};

use anyhow::{Context, Result};

use crate::{
    Alongside, exec, path_with_cargo_bin,
    services::{Pcscd, Xvfb},
    setup, step,
};

/// Licences compatible with EUPL-1.2, no wildcard versions, crates only from crates.io
/// (deny.toml); then the RustSec advisories, which need github.com: where that cannot be
/// reached, the run says so loudly and goes on (the other checks still hold).
fn supply_chain(root: &Path) -> Result<()> {
    exec(
        Command::new("cargo")
            .args(["deny", "check", "--hide-inclusion-graph", "licenses", "bans", "sources"])
            .current_dir(root),
    )?;
    let advisories = Command::new("cargo").args(["deny", "check", "advisories"]).current_dir(root).output()?;
    let said = String::from_utf8_lossy(&advisories.stderr);
    if advisories.status.success() {
        eprintln!("advisories: none that apply");
        return Ok(());
    }
    if said.contains("failed to fetch advisory database") {
        eprintln!(
            "WARNING: the RustSec advisory database (github.com) cannot be reached from here: advisories NOT checked. \
             Run `cargo deny check advisories` where it can be."
        );
        return Ok(());
    }
    anyhow::bail!("cargo deny found advisories:\n{said}")
}

/// Clippy's lints made by the compiler that builds the workspace's own crates: `clippy-driver`
/// as cargo's workspace wrapper, as `cargo clippy` runs it, but building rather than only
/// checking. A `cargo clippy` before the build compiled every dependency twice (metadata for
/// clippy, then code for the tests), the longest part of a cold run. Every cargo command of
/// the run needs the same settings: cargo rebuilds the workspace's crates when they change.
struct ClippyLints {
    driver: String,
}

impl ClippyLints {
    fn find() -> Result<Self> {
        let rustup = Command::new("rustup").args(["which", "clippy-driver"]).output();
        let driver = match rustup {
            Ok(found) if found.status.success() => String::from_utf8(found.stdout)?.trim().to_owned(),
            _ if crate::have("clippy-driver") => "clippy-driver".to_owned(),
            _ => anyhow::bail!("clippy is not installed: run `rustup component add clippy`"),
        };
        Ok(Self { driver })
    }

    fn apply<'a>(&self, command: &'a mut Command) -> &'a mut Command {
        // `cargo clippy -- -D warnings` hands its arguments over the same way.
        command.env("RUSTC_WORKSPACE_WRAPPER", &self.driver).env("CLIPPY_ARGS", "-D__CLIPPY_HACKERY__warnings")
    }
}

/// The personal codes the tests use (clerks, citizens), as written and as in e-addresses.
const TEST_PERSONAL_CODES: &[&str] = &["161175-19997", "290156-11605", "325035-11782", "210860-10528"];

/// Fails naming each log line that holds a test person's code (in either form): personal codes
/// never go into logs, which support staff and log collectors read.
fn no_personal_codes_in_logs(logs: &Path) -> Result<()> {
    let forms: Vec<String> =
        TEST_PERSONAL_CODES.iter().flat_map(|code| [code.to_string(), code.replace('-', "")]).collect();
    let mut found = Vec::new();
    let mut files = 0;
    for entry in std::fs::read_dir(logs)? {
        let path = entry?.path();
        files += 1;
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        for (number, line) in text.lines().enumerate() {
            if forms.iter().any(|form| line.contains(form.as_str())) {
                found.push(format!("{}:{}: {line}", path.display(), number + 1));
            }
        }
    }
    if files == 0 {
        anyhow::bail!("no logs in {}: the end-to-end tests did not write them", logs.display());
    }
    if !found.is_empty() {
        anyhow::bail!("personal codes in the servers' or desks' logs:\n{}", found.join("\n"));
    }
    eprintln!("{files} server and desk logs searched: no personal codes");
    Ok(())
}

pub fn run_all(root: &Path, install: bool, packages: bool) -> Result<()> {
    let started = Instant::now();
    let logs = crate::target_dir(root).join("e2e-logs");
    let mut timings = Vec::new();
    if install {
        step("set-up: system packages, tools, UI packages", &mut timings, || setup::all_but_python_tools(root))?;
    }
    // Overlapping the build, which keeps both cores busy: work that mostly waits on downloads.
    let python_tools = install.then(|| {
        let root = root.to_owned();
        Alongside::start("set-up: schemathesis, pyHanko, pySHACL (PyPI)", move || setup::python_tools(&root))
    });
    let base_root = (packages && setup::is_root()).then(|| {
        let root = root.to_owned();
        Alongside::start("the installation test's Debian root (mmdebstrap)", move || {
            crate::install_test::prepare_base_root(&root).map(drop)
        })
    });
    step("cargo fmt --check", &mut timings, || exec(Command::new("cargo").args(["fmt", "--all", "--", "--check"])))?;
    // The desk embeds the built UI, so the UI is built before any cargo build.
    step("UI: type check and build", &mut timings, || {
        exec(Command::new("npm").args(["run", "build"]).current_dir(root.join("ui")))
    })?;
    step("cargo deny: licences, bans, sources (duplicates reported), advisories", &mut timings, || supply_chain(root))?;
    // One build of every target (the end-to-end tests run the binaries, which nextest does not
    // build for other crates), linted by clippy as it compiles.
    let clippy = ClippyLints::find()?;
    step("cargo build of every target, linted by clippy (warnings are errors)", &mut timings, || {
        exec(clippy.apply(Command::new("cargo").args(["build", "--workspace", "--all-targets", "--locked"])))
    })?;
    if let Some(python_tools) = python_tools {
        python_tools.join(&mut timings)?;
    }
    step("CPSV-AP export: the official SHACL shapes (pySHACL), 0 violations", &mut timings, || {
        crate::shacl::check(root)
    })?;
    step("UI unit tests (vitest)", &mut timings, || {
        exec(Command::new("npx").args(["vitest", "run"]).current_dir(root.join("ui")))
    })?;
    step(
        "Rust tests: all crates, SQLite + PostgreSQL, kiosk, cards through pcscd, end-to-end under Xvfb, schemathesis",
        &mut timings,
        || {
            let xvfb = Xvfb::start()?;
            let _pcscd = Pcscd::start()?;
            // Around the tests: a fresh session keyring (keyutils works without a desktop login),
            // a D-Bus session with an unlocked GNOME Keyring (the Secret Service desks use), its
            // keyrings in a throwaway folder, and a throwaway PostgreSQL cluster unless one is given.
            let keyrings = std::env::temp_dir().join(format!("pietura-test-keyrings-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&logs);
            std::fs::create_dir_all(&logs)?;
            std::fs::create_dir_all(&keyrings)?;
            let mut command = Command::new("keyctl");
            command.args(["session", "-", "dbus-run-session", "--", "sh", "-c"]).arg(
                "printf %s pietura-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec \"$@\"",
            );
            command.arg("sh");
            match std::env::var("PIETURA_TEST_POSTGRES_URL") {
                Ok(_) => {
                    command.args(["cargo", "nextest", "run", "--workspace", "--locked", "--no-fail-fast"]);
                }
                Err(_) => {
                    command.args([
                        "pg_virtualenv",
                        "cargo",
                        "xtask",
                        "cargo-in-pg",
                        "--",
                        "nextest",
                        "run",
                        "--workspace",
                        "--locked",
                        "--no-fail-fast",
                    ]);
                }
            }
            clippy
                .apply(&mut command)
                .env("DISPLAY", &xvfb.display)
                .env("PATH", path_with_cargo_bin())
                .env("XDG_DATA_HOME", &keyrings)
                .env("PIETURA_SCHEMATHESIS", setup::schemathesis_bin(root))
                .env("PIETURA_PYHANKO", setup::pyhanko_bin(root))
                .env("PIETURA_E2E_LOG_DIR", &logs);
            let result = exec(&mut command);
            let _ = std::fs::remove_dir_all(&keyrings);
            result
        },
    )?;
    // The UI flows beside the installation test once apt has installed the packages: from there
    // it mostly waits on the booting machine and the kiosk's updates (alone, one after the other:
    // 56 s and 129 s, the cores 58 % idle in the second). Building and linting the packages and
    // apt's unpacking keep both cores busy, so they go first. The flows' output is shown when
    // they end.
    let start_ui_flows = || {
        let ui = root.join("ui");
        Alongside::start("UI flows in Chromium (Playwright + axe-core)", move || {
            let run = Command::new("npx").args(["playwright", "test"]).current_dir(&ui).output()?;
            let said = format!("{}{}", String::from_utf8_lossy(&run.stdout), String::from_utf8_lossy(&run.stderr));
            anyhow::ensure!(run.status.success(), "`npx playwright test` failed with {}:\n{said}", run.status);
            Ok(said)
        })
    };
    let mut ui_flows = None;
    let installation = || -> Result<()> {
        if !packages {
            return Ok(());
        }
        if let Some(base_root) = base_root {
            base_root.join(&mut timings)?;
        }
        // After the tests: bundling marks the desk's binary in place.
        let built = step("packages: the three .debs, checked by lintian", &mut timings, || {
            let built = crate::install_test::build_packages(root)?;
            crate::package::lintian_all(&built.all())?;
            Ok(built)
        })?;
        step(
            "installation test: the packages installed with apt into a fresh Debian 13 booted by systemd-nspawn",
            &mut timings,
            || crate::install_test::run(root, &built, || ui_flows = Some(start_ui_flows())),
        )
    };
    let installed = installation();
    // The flows' verdict too when the installation test failed: both are reported.
    let ui_flows = ui_flows.unwrap_or_else(start_ui_flows).join(&mut timings);
    installed?;
    eprint!("{}", ui_flows?);
    step("no personal codes in the servers' and desks' logs of the end-to-end runs", &mut timings, || {
        no_personal_codes_in_logs(&logs)
    })?;
    eprintln!("\nAll tests passed in {:.1} s:", started.elapsed().as_secs_f64());
    for (name, seconds) in &timings {
        eprintln!("  {seconds:>7.1} s  {name}");
    }
    Ok(())
}

/// Inside `pg_virtualenv`: turn its PG* variables into the URL the storage suite reads.
pub fn cargo_in_pg(args: &[String]) -> Result<()> {
    let var =
        |name: &str| std::env::var(name).with_context(|| format!("{name} is not set: run this under pg_virtualenv"));
    let url = format!(
        "postgres://{}:{}@{}:{}/{}",
        var("PGUSER")?,
        var("PGPASSWORD")?,
        var("PGHOST")?,
        var("PGPORT")?,
        var("PGDATABASE")?
    );
    eprintln!("PostgreSQL: a throwaway cluster on port {}", var("PGPORT")?);
    exec(Command::new("cargo").args(args).env("PIETURA_TEST_POSTGRES_URL", url))
}
