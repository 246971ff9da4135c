//! `cargo xtask`: everything a newcomer or CI needs, in two commands.
//!
//! - `cargo xtask demo [--kiosk | --training]`: install what is missing, start a demo server,
//!   open the app.
//! - `cargo xtask test`: the whole test suite, starting (and stopping) every service it needs.
//! - `cargo xtask package`: the Debian packages, checked with lintian; `install-test` installs
//!   them into a fresh Debian booted with systemd-nspawn (also the last step of `test`).
//! - `cargo xtask shacl`: what the official CPSV-AP shapes say of the catalogue export.

mod demo;
mod fuzz;
mod install_test;
mod measure;
mod package;
mod sbom;
mod services;
mod setup;
mod shacl;
mod test;

use std::{
    path::{Path, PathBuf},
    process::Command,
    time::Instant,
};

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Pietura's set-up, demo and test runner")]
struct Cli {
    #[command(subcommand)]
    command: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Install missing system and UI packages and tools (apt, npm, cargo install).
    Setup,
    /// Start a demo server with demo data and open the desk app (or the kiosk).
    Demo {
        /// Open the citizen kiosk instead of the desk app.
        #[arg(long)]
        kiosk: bool,
        /// A training server and a training desk for a trainer (workshops) instead.
        #[arg(long, conflicts_with = "kiosk")]
        training: bool,
        /// Close the app and stop after this many seconds, saving a screenshot (for checks).
        #[arg(long, hide = true)]
        exit_after: Option<u64>,
    },
    /// Run every test: formatting, clippy, all crates on SQLite and PostgreSQL, UI unit and
    /// browser tests, kiosk tests, and the end-to-end tests under Xvfb.
    Test {
        /// Skip installing packages (when you know they are there).
        #[arg(long)]
        no_setup: bool,
        /// Skip building the Debian packages and the installation test (a fresh Debian booted
        /// with systemd-nspawn; about two minutes), when iterating on something else.
        #[arg(long)]
        no_packages: bool,
    },
    /// Print performance figures: server start time, the desk's start and idle memory, the
    /// kiosk's footprint over citizen sessions, and the catalogue at benchmark scale (import,
    /// first and incremental sync, reads per second).
    Measure {
        /// Only these parts (repeatable); all when none is given.
        #[arg(long, value_enum)]
        only: Vec<measure::Part>,
        /// The catalogue figures at this many times the benchmark catalogue (5,000 services and
        /// 50,000 articles): 10 is the scale issue 20 asks about.
        #[arg(long, default_value_t = 1)]
        scale: usize,
        /// The load test's fleet: this many desks and kiosks (half each, ten per centre)…
        #[arg(long, default_value_t = 1_000)]
        devices: usize,
        /// …for this many minutes on each backend.
        #[arg(long, default_value_t = 10.0)]
        minutes: f64,
    },
    /// Run the cargo-fuzz targets (nightly) for N minutes each; crashes are kept as regression
    /// tests in fuzz/regressions/. Run at least 10 minutes per target before a security release.
    Fuzz {
        #[arg(long, default_value_t = 10)]
        minutes: u32,
        /// Only these targets (outbox_entries, web_eid_token, card_answers, cpsv_import, pdf_preview).
        targets: Vec<String>,
    },
    /// Write a CycloneDX software bill of materials for each program shipped (target/sbom/).
    Sbom,
    /// Build the Debian packages of the server, the kiosk and the desk into target/packages/,
    /// checked with lintian.
    Package {
        /// Package the binaries `cargo xtask test` built (target/debug, stripped) instead of a
        /// release build: quicker, for trying the packaging itself.
        #[arg(long)]
        dev: bool,
    },
    /// Package the binaries `cargo xtask test` built and run the installation test: a fresh
    /// Debian root (mmdebstrap), the packages installed with apt, booted with systemd-nspawn.
    InstallTest,
    /// What the official CPSV-AP 3.2.0 shapes (pySHACL) say of the demo catalogue's export and of
    /// SEMIC's example, by kind of violation (issue 21).
    Shacl,
    /// (internal) Runs cargo with PIETURA_TEST_POSTGRES_URL built from pg_virtualenv's PG*
    /// variables: the tests' and the e-address bench's database.
    #[command(hide = true)]
    CargoInPg { args: Vec<String> },
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let root = workspace_root();
    std::env::set_current_dir(&root)?;
    match cli.command {
        Task::Setup => setup::all(&root),
        Task::Demo { training: true, exit_after, .. } => demo::run_training_demo(&root, exit_after),
        Task::Demo { kiosk, exit_after, .. } => demo::run_demo(&root, kiosk, exit_after),
        Task::Test { no_setup, no_packages } => test::run_all(&root, !no_setup, !no_packages),
        Task::Measure { only, scale, devices, minutes } => {
            measure::run(&root, &only, scale, measure::LoadPlan { devices, minutes })
        }
        Task::Sbom => sbom::run(&root),
        Task::Package { dev } => {
            package::run(&root, if dev { package::Profile::Dev } else { package::Profile::Release })
        }
        Task::InstallTest => {
            let packages = install_test::build_packages(&root)?;
            install_test::run(&root, &packages, || {})
        }
        Task::Shacl => shacl::run(&root),
        Task::Fuzz { minutes, targets } => fuzz::run(&root, minutes, &targets),
        Task::CargoInPg { args } => test::cargo_in_pg(&args),
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace root").to_owned()
}

/// Where cargo puts build output: `CARGO_TARGET_DIR` or `target/`.
pub fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from)
}

/// Prints a step's name, runs it, and prints how long it took.
pub fn step<T>(name: &str, timings: &mut Vec<(String, f64)>, work: impl FnOnce() -> Result<T>) -> Result<T> {
    eprintln!("\n==> {name}");
    let started = Instant::now();
    let result = work().with_context(|| format!("step failed: {name}"));
    let seconds = started.elapsed().as_secs_f64();
    eprintln!("<== {name}: {seconds:.1} s{}", if result.is_err() { " (FAILED)" } else { "" });
    timings.push((name.to_owned(), seconds));
    result
}

/// Work on a thread of its own while the steps after it run: what mostly waits (downloads, apt,
/// a browser's test run beside a machine booting) overlapping what keeps both cores busy.
pub struct Alongside<T> {
    name: String,
    started: Instant,
    /// The work's result and when it ended.
    work: Option<std::thread::JoinHandle<(Result<T>, Instant)>>,
}

impl<T: Send + 'static> Alongside<T> {
    pub fn start(name: &str, work: impl FnOnce() -> Result<T> + Send + 'static) -> Self {
        eprintln!("\n==> (alongside the next steps) {name}");
        let started = Instant::now();
        let work = std::thread::spawn(move || (work(), Instant::now()));
        Self { name: name.to_owned(), started, work: Some(work) }
    }

    /// Waits for the work to end and reports it as a step (its own time, from start to end).
    pub fn join(mut self, timings: &mut Vec<(String, f64)>) -> Result<T> {
        let waited = Instant::now();
        let (result, ended) = match self.work.take().map(std::thread::JoinHandle::join) {
            Some(Ok(ended)) => ended,
            _ => (Err(anyhow::anyhow!("the work panicked")), Instant::now()),
        };
        let seconds = ended.duration_since(self.started).as_secs_f64();
        eprintln!(
            "<== {}: {seconds:.1} s, alongside ({:.1} s waited for it){}",
            self.name,
            waited.elapsed().as_secs_f64(),
            if result.is_err() { " (FAILED)" } else { "" }
        );
        timings.push((format!("{} (alongside)", self.name), seconds));
        result.with_context(|| format!("step failed: {}", self.name))
    }
}

/// A run that fails before joining still waits for the work, so that no download or browser is
/// left running on its own after the run has ended.
impl<T> Drop for Alongside<T> {
    fn drop(&mut self) {
        if let Some(work) = self.work.take() {
            let _ = work.join();
        }
    }
}

/// Runs a command, failing with its command line if it fails.
pub fn exec(command: &mut Command) -> Result<()> {
    let shown = format!("{command:?}");
    let status = command.status().with_context(|| format!("could not start {shown}"))?;
    if !status.success() {
        bail!("{shown} failed with {status}");
    }
    Ok(())
}

/// Whether a program is on PATH.
pub fn have(program: &str) -> bool {
    Command::new("sh").args(["-c", &format!("command -v {program}")]).output().is_ok_and(|o| o.status.success())
}

/// `~/.cargo/bin`, where `cargo install` puts tauri-driver; added to PATH for children.
pub fn path_with_cargo_bin() -> String {
    let path = std::env::var("PATH").unwrap_or_default();
    match std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
    {
        Some(home) => format!("{}:{path}", home.join("bin").display()),
        None => path,
    }
}
