//! `cargo xtask measure`: performance figures, each beside a baseline taken in the same run so
//! a noisy shared machine skews both alike.

use std::{
    path::Path,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{Context, Result};

use crate::{
    exec,
    services::{Service, Xvfb, wait_for_http},
    target_dir,
};

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// The sum of `fields` of /proc's `smaps_rollup` (e.g. `Pss:`: shared pages split between their
/// users, so a process tree is not counted twice) over a process and all its descendants, in KiB.
fn tree_memory_kib(root: u32, fields: &[&str]) -> u64 {
    let mut total = 0;
    let mut stack = vec![root];
    while let Some(pid) = stack.pop() {
        if let Ok(rollup) = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")) {
            total += rollup
                .lines()
                .filter_map(|l| fields.iter().find_map(|field| l.strip_prefix(field)))
                .filter_map(|v| v.split_whitespace().next()?.parse::<u64>().ok())
                .sum::<u64>();
        }
        if let Ok(children) = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")) {
            stack.extend(children.split_whitespace().filter_map(|c| c.parse::<u32>().ok()));
        }
    }
    total
}

/// Proportional set size of a process tree, in KiB.
fn tree_pss_kib(root: u32) -> u64 {
    tree_memory_kib(root, &["Pss:"])
}

/// `pietura-server ARGS` over `database`: what it printed.
fn server_cli(bin: &Path, database: &Path, args: &[&str]) -> Result<String> {
    let output = Command::new(bin.join("pietura-server"))
        .args(args)
        .env("PIETURA_DATABASE_URL", database)
        .env("PIETURA_LOG", "warn")
        .output()?;
    anyhow::ensure!(output.status.success(), "pietura-server {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    Ok(String::from_utf8(output.stdout)?)
}

/// The release server on `port` over `database`, once `/readyz` answers.
fn serve(bin: &Path, database: &Path, port: u16) -> Result<Service> {
    let server = Service::spawn(
        "pietura-server",
        Command::new(bin.join("pietura-server"))
            .arg("serve")
            .env("PIETURA_DATABASE_URL", database)
            .env("PIETURA_LISTEN", format!("127.0.0.1:{port}"))
            .env("PIETURA_LOG", "warn")
            .stdout(Stdio::null()),
    )?;
    wait_for_http(&format!("http://127.0.0.1:{port}/readyz"), Duration::from_secs(10))?;
    Ok(server)
}

/// The parts `cargo xtask measure --only` can pick.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Part {
    Server,
    Desk,
    Kiosk,
    Catalogue,
    /// Offline search over the catalogue at `--scale` (`cargo bench -p offline-store --bench search`).
    Search,
    /// E-address on PostgreSQL: inbox pages and sending (`cargo bench -p server --bench eaddress`;
    /// 20,000 mailboxes and 200,000 messages unless `PIETURA_BENCH_MAILBOXES`/`_MESSAGES` say).
    Eaddress,
    /// The fleet load test (long: `--minutes` on each backend).
    Load,
}

/// The fleet of the load test.
#[derive(Debug, Clone, Copy)]
pub struct LoadPlan {
    pub devices: usize,
    pub minutes: f64,
}

pub fn run(root: &Path, only: &[Part], scale: usize, load_plan: LoadPlan) -> Result<()> {
    let wanted = |part: Part| only.is_empty() || only.contains(&part);
    let bin = target_dir(root).join("release");
    let dir = std::env::temp_dir().join(format!("pietura-measure-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let database = dir.join("server.db");
    // The benches build what they run themselves; the other parts run the release programs.
    if [Part::Server, Part::Desk, Part::Kiosk, Part::Catalogue, Part::Load].into_iter().any(wanted) {
        exec(Command::new("cargo").args(["build", "--release", "--workspace", "--bins"]))?;
        exec(
            Command::new(bin.join("pietura-server"))
                .arg("migrate")
                .env("PIETURA_DATABASE_URL", &database)
                .stdout(Stdio::null()),
        )?;
    }
    if wanted(Part::Server) {
        server_start(&bin, &database)?;
    }
    if wanted(Part::Desk) {
        desk(&bin, &dir, &database)?;
    }
    if wanted(Part::Kiosk) {
        kiosk(&bin)?;
    }
    if wanted(Part::Catalogue) {
        catalogue(root, &bin, &dir, scale)?;
    }
    if wanted(Part::Search) {
        search(scale)?;
    }
    if wanted(Part::Eaddress) {
        eaddress()?;
    }
    if wanted(Part::Load) {
        load(&bin, &dir, load_plan)?;
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// The server's start, spawn to `/readyz` answering, beside spawning `--version` (a process
/// start).
fn server_start(bin: &Path, database: &Path) -> Result<()> {
    let runs = 15;
    let mut start_times = Vec::new();
    let mut baseline = Vec::new();
    for _ in 0..runs {
        let began = Instant::now();
        exec(Command::new(bin.join("pietura-server")).arg("--version").stdout(Stdio::null()))?;
        baseline.push(began.elapsed());
        let port = free_port()?;
        let began = Instant::now();
        let mut server = serve(bin, database, port)?;
        start_times.push(began.elapsed());
        server.stop();
    }
    let (start, base) = (median(start_times), median(baseline));
    println!(
        "server start to ready (SQLite, release, median of {runs}): {:.1} ms; process spawn baseline {:.1} ms; ratio {:.1}x",
        start.as_secs_f64() * 1e3,
        base.as_secs_f64() * 1e3,
        start.as_secs_f64() / base.as_secs_f64()
    );
    Ok(())
}

/// The catalogue at benchmark scale (5,000 services, 50,000 articles, times `scale`): server import, a
/// device's first sync from a local server (records/s including indexing, peak memory), an
/// incremental sync of 100 changes, and catalogue reads per second beside `/healthz`.
fn catalogue(root: &Path, bin: &Path, dir: &Path, scale: usize) -> Result<()> {
    use std::io::{BufRead, BufReader, Write};
    exec(Command::new("cargo").args([
        "build",
        "--release",
        "-p",
        "domain",
        "--features",
        "generate",
        "--example",
        "generate_catalogue",
    ]))?;
    exec(Command::new("cargo").args(["build", "--release", "-p", "device", "--example", "catalogue_client"]))?;
    let examples = target_dir(root).join("release/examples");
    let full = dir.join("catalogue.pietura.json");
    let changes = dir.join("changes.pietura.json");
    let (services, articles) = ((5_000 * scale).to_string(), (50_000 * scale).to_string());
    let records = 5_000 * scale + 50_000 * scale + 100;
    exec(Command::new(examples.join("generate_catalogue")).args([&full, Path::new(&services), Path::new(&articles)]))?;
    exec(Command::new(examples.join("generate_catalogue")).args([
        &changes,
        Path::new(&services),
        Path::new(&articles),
        Path::new("100"),
    ]))?;
    let database = dir.join("catalogue.db");
    let server = |args: &[&str]| server_cli(bin, &database, args);
    let began = Instant::now();
    server(&["catalogue", "import", full.to_str().context("path")?])?;
    let import = began.elapsed();
    println!(
        "server import of {records} records ({services} services, {articles} articles, 100 institutions; SQLite, one transaction): {:.1} s, {:.0} records/s",
        import.as_secs_f64(),
        records as f64 / import.as_secs_f64()
    );
    server(&["centre", "add", "--name", "Mērījumu centrs", "--municipality", "Rīga"])?;
    let add_device = |name: &str| -> Result<String> {
        let added: serde_json::Value = serde_json::from_str(&server(&[
            "device",
            "add",
            "--centre",
            "Mērījumu centrs",
            "--kind",
            "desk",
            "--name",
            name,
            "--json",
        ])?)?;
        Ok(added["enrollment_code"].as_str().context("no code")?.to_owned())
    };
    let (first_code, code) = (add_device("F")?, add_device("G")?);
    let port = free_port()?;
    let url = format!("http://127.0.0.1:{port}");
    let mut serving = serve(bin, &database, port)?;
    // The first device after a catalogue change also waits while the server builds the
    // snapshot (once per change); the next ones download the built file.
    let first_dir = dir.join("first-device");
    std::fs::create_dir_all(&first_dir)?;
    let first = Command::new(examples.join("catalogue_client"))
        .args(["pull", &url, &first_code, first_dir.to_str().context("path")?])
        .env("PIETURA_LOG", "warn")
        .stdin(Stdio::null())
        .output()?;
    let first: serde_json::Value =
        serde_json::from_str(String::from_utf8(first.stdout)?.lines().next().context("no first-device figures")?)?;
    println!(
        "first sync of the first device after the import (the server builds the snapshot meanwhile): {:.0} records in {:.2} s",
        first["records"].as_f64().unwrap_or(0.0),
        first["seconds"].as_f64().unwrap_or(f64::NAN)
    );
    let device_dir = dir.join("device");
    std::fs::create_dir_all(&device_dir)?;
    let mut client = Command::new(examples.join("catalogue_client"))
        .args(["pull", &url, &code, device_dir.to_str().context("path")?])
        .env("PIETURA_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let mut lines = BufReader::new(client.stdout.take().context("stdout")?).lines();
    let first: serde_json::Value = serde_json::from_str(&lines.next().context("no first-sync figures")??)?;
    let seconds = first["seconds"].as_f64().unwrap_or(f64::NAN);
    anyhow::ensure!(first["last_service_found"] == 1, "the synced catalogue does not find its last service: {first}");
    let records = first["records"].as_f64().unwrap_or(0.0);
    println!(
        "first sync from a local server (the built snapshot downloaded, unpacked and installed, then the feed): {records:.0} records, {:.1} MB in {seconds:.2} s = {:.0} records/s; client peak memory {:.0} MiB",
        first["bytes"].as_f64().unwrap_or(0.0) / 1e6,
        records / seconds,
        first["peak_rss_mib"].as_f64().unwrap_or(0.0)
    );
    server(&["catalogue", "import", changes.to_str().context("path")?])?;
    let mut stdin = client.stdin.take().context("stdin")?;
    let mut incremental = Vec::new();
    for _ in 0..5 {
        writeln!(stdin, "again")?;
        let line: serde_json::Value = serde_json::from_str(&lines.next().context("no incremental figures")??)?;
        incremental.push((line["records"].as_u64().unwrap_or(0), line["seconds"].as_f64().unwrap_or(f64::NAN)));
    }
    drop(stdin);
    let _ = client.wait();
    // The first round after the import carries the 100 changes; the next ones find nothing new,
    // which is the round's fixed cost (a request and an empty page), the baseline.
    let (changed, with_changes) = incremental[0];
    let mut empty: Vec<f64> = incremental[1..].iter().map(|(_, s)| *s).collect();
    empty.sort_by(f64::total_cmp);
    println!(
        "incremental sync of {changed} changed services: {:.1} ms; an empty round (baseline): {:.1} ms",
        with_changes * 1e3,
        empty[empty.len() / 2] * 1e3
    );
    let output = Command::new(examples.join("catalogue_client")).args(["load", &url]).output()?;
    let load: serde_json::Value = serde_json::from_slice(&output.stdout)
        .with_context(|| format!("no load figures: {}", String::from_utf8_lossy(&output.stderr)))?;
    let (service, health) = (load["service_rps"].as_f64().unwrap_or(0.0), load["healthz_rps"].as_f64().unwrap_or(1.0));
    println!(
        "catalogue reads (GET a service, JSON, 16 connections, load generator on the same 2 cores): {service:.0} requests/s; /healthz {health:.0} requests/s; ratio {:.2}",
        service / health
    );
    let revalidated = load["revalidated_rps"].as_f64().unwrap_or(0.0);
    println!(
        "catalogue reads revalidated (If-None-Match with the tag the client holds, answered 304): {revalidated:.0} requests/s; ratio to /healthz {:.2}",
        revalidated / health
    );
    serving.stop();
    Ok(())
}

/// Private memory (pages no other process maps: what the process costs beyond shared libraries'
/// code) of a process tree, in KiB.
fn tree_private_kib(root: u32) -> u64 {
    tree_memory_kib(root, &["Private_Clean:", "Private_Dirty:"])
}

/// The desk's start, launch to its login screen painted and taking input (the UI's word,
/// logged by `desk::start`), cold (the page cache dropped first, where this machine lets us) and
/// warm, beside `pietura-desk --self-check` (the process and every library it links loaded);
/// then its idle memory on that login screen, app + WebKit processes.
fn desk(bin: &Path, dir: &Path, database: &Path) -> Result<()> {
    let cli = |args: &[&str]| server_cli(bin, database, args);
    cli(&["centre", "add", "--name", "Galdu centrs", "--municipality", "Rīga"])?;
    let added: serde_json::Value = serde_json::from_str(&cli(&[
        "device",
        "add",
        "--centre",
        "Galdu centrs",
        "--kind",
        "desk",
        "--name",
        "Galds",
        "--json",
    ])?)?;
    let code = added["enrollment_code"].as_str().context("no enrollment code")?.to_owned();
    let port = free_port()?;
    let _server = serve(bin, database, port)?;
    let xvfb = Xvfb::start()?;
    let desk_dir = dir.join("desk");
    // Launch to the line the desk logs when the UI says its first screen is shown.
    let launch = || -> Result<(Duration, String, u32, Service)> {
        use std::io::{BufRead, BufReader};
        let began = Instant::now();
        let mut desk = Service::spawn(
            "pietura-desk",
            Command::new("keyctl")
                .args(["session", "-"])
                .arg(bin.join("pietura-desk"))
                .env("DISPLAY", &xvfb.display)
                .env("PIETURA_DESK_DATA_DIR", &desk_dir)
                .env("PIETURA_ENROLL_SERVER_URL", format!("http://127.0.0.1:{port}"))
                .env("PIETURA_ENROLL_CODE", &code)
                .env("XDG_DATA_HOME", dir.join("xdg-data"))
                .env("XDG_CACHE_HOME", dir.join("xdg-cache"))
                .env("PIETURA_LOG_DIR", dir.join("desk-logs"))
                .env("PIETURA_LOG", "warn,desk::start=info")
                .stdout(Stdio::null())
                .stderr(Stdio::piped()),
        )?;
        let stderr = desk.take_stderr().context("the desk's standard error")?;
        let (sender, shown) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.contains("the first screen is shown") {
                    let _ = sender.send((began.elapsed(), line));
                }
            }
        });
        let (took, line) = shown
            .recv_timeout(Duration::from_secs(60))
            .context("the desk did not say its first screen was shown within a minute")?;
        let pid = desk_pid().context("the desk app did not start")?;
        Ok((took, line, pid, desk))
    };
    let stop = |pid: u32, mut desk: Service| {
        let _ = Command::new("kill").args(["-TERM", &pid.to_string()]).status();
        desk.stop();
    };
    // The first run enrolls (a round trip to the server) and makes its store: not a start a clerk
    // meets every day, so it is only shown.
    let (first, line, pid, service) = launch()?;
    anyhow::ensure!(line.contains("Enrollment") || line.contains("Login"), "an unknown first screen: {line}");
    stop(pid, service);
    let dropped = Command::new("sh")
        .args(["-c", "sync && echo 3 > /proc/sys/vm/drop_caches"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let (cold, line, pid, service) = launch()?;
    anyhow::ensure!(line.contains("Login"), "the enrolled desk did not open on its login screen: {line}");
    stop(pid, service);
    let runs = 7;
    let (mut warm, mut baseline) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let began = Instant::now();
        exec(Command::new(bin.join("pietura-desk")).arg("--self-check").stdout(Stdio::null()))?;
        baseline.push(began.elapsed());
        let (took, _, pid, service) = launch()?;
        warm.push(took);
        stop(pid, service);
    }
    let (warm, base) = (median(warm), median(baseline));
    println!(
        "desk start to its login screen shown (release): warm {:.2} s median of {runs} ({:.0}x `pietura-desk --self-check`, {:.0} ms); cold {:.2} s ({}); first run, enrolling, {:.2} s",
        warm.as_secs_f64(),
        warm.as_secs_f64() / base.as_secs_f64(),
        base.as_secs_f64() * 1e3,
        cold.as_secs_f64(),
        if dropped { "page cache dropped first" } else { "this machine would not drop its page cache: warm-ish" },
        first.as_secs_f64(),
    );
    // Idle memory: 10 s on the login screen.
    let (_, _, pid, service) = launch()?;
    std::thread::sleep(Duration::from_secs(10));
    let (pss, private) = (tree_pss_kib(pid), tree_private_kib(pid));
    stop(pid, service);
    let xvfb_pid = Command::new("pgrep").args(["-n", "Xvfb"]).output()?;
    let xvfb_kib = String::from_utf8_lossy(&xvfb_pid.stdout).trim().parse::<u32>().map(tree_pss_kib).unwrap_or(0);
    println!(
        "desk idle memory on its login screen (app + WebKit processes, release): PSS {:.0} MiB, of it private {:.0} MiB; Xvfb baseline {:.0} MiB",
        pss as f64 / 1024.0,
        private as f64 / 1024.0,
        xvfb_kib as f64 / 1024.0
    );
    Ok(())
}

/// The kiosk's footprint: the real release window on its home screen, then over 100 citizen
/// sessions driven through AT-SPI with a virtual card (the end-to-end test
/// `kiosk_window::kiosk_soak_over_citizen_sessions`, run against the release binaries).
fn kiosk(bin: &Path) -> Result<()> {
    let _pcscd = crate::services::Pcscd::start()?;
    // The kiosk keeps its keys in the session's kernel keyring, as under `cargo xtask test`.
    let output = Command::new("keyctl")
        .args(["session", "-", "cargo", "nextest", "run", "-p", "tests", "--run-ignored", "only", "--no-capture"])
        .args(["-E", "test(=kiosk_window::kiosk_soak_over_citizen_sessions)"])
        .env("PIETURA_BIN_DIR", bin)
        .stderr(Stdio::inherit())
        .output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    anyhow::ensure!(output.status.success(), "the kiosk soak failed:\n{stdout}");
    let figures: serde_json::Value = serde_json::from_str(
        stdout.lines().find_map(|l| l.strip_prefix("kiosk-soak ")).context("the soak printed no figures")?,
    )?;
    let mib = |v: &serde_json::Value, field: &str| v[field].as_f64().unwrap_or(f64::NAN) / 1024.0;
    let home = &figures["home_kib"];
    let after = figures["after"].as_array().context("no figures after sessions")?;
    let (first, last) = (after.first().context("no sessions")?, after.last().context("no sessions")?);
    // Growth is counted from the tenth session: the first ones fill caches once (fonts, glyphs).
    let tenth = after.iter().find(|a| a["session"] == 10).unwrap_or(first);
    println!(
        "kiosk memory (release, real window under Xvfb): home screen PSS {:.0} MiB (RSS {:.0}); after the first citizen session PSS {:.0} MiB; after {} sessions PSS {:.0} MiB (RSS {:.0}), {:+.1} MiB since the tenth; {:.1} s a session through AT-SPI",
        mib(home, "pss"),
        mib(home, "rss"),
        mib(&first["memory_kib"], "pss"),
        last["session"],
        mib(&last["memory_kib"], "pss"),
        mib(&last["memory_kib"], "rss"),
        mib(&last["memory_kib"], "pss") - mib(&tenth["memory_kib"], "pss"),
        figures["seconds_per_session"].as_f64().unwrap_or(f64::NAN),
    );
    Ok(())
}

fn desk_pid() -> Option<u32> {
    let output = Command::new("pgrep").args(["-n", "-x", "pietura-desk"]).output().ok()?;
    String::from_utf8_lossy(&output.stdout).trim().parse().ok()
}

/// The search benchmark at `scale` (each query's time beside a bare FTS5 MATCH in the same run;
/// FTS5's own ranking, minutes at larger scales, only at the first).
fn search(scale: usize) -> Result<()> {
    let mut command = Command::new("cargo");
    command.args([
        "bench",
        "--locked",
        "-p",
        "offline-store",
        "--bench",
        "search",
        "--",
        "--scale",
        &scale.to_string(),
    ]);
    if scale != 1 {
        command.arg("--no-fts5-ranking");
    }
    exec(&mut command)
}

/// The e-address benchmark on a throwaway PostgreSQL cluster: inbox pages, then sending by one
/// and by four senders beside a bare one-row insert in the same run. At the issue's scale
/// (2 million mailboxes, 20 million messages: 17 minutes to generate) with
/// `PIETURA_BENCH_MAILBOXES=2000000 PIETURA_BENCH_MESSAGES=20000000`.
fn eaddress() -> Result<()> {
    let mut command = Command::new("pg_virtualenv");
    command.args(["cargo", "xtask", "cargo-in-pg", "--", "bench", "--locked", "-p", "server", "--bench", "eaddress"]);
    for (name, default) in [("PIETURA_BENCH_MAILBOXES", "20000"), ("PIETURA_BENCH_MESSAGES", "200000")] {
        if std::env::var_os(name).is_none() {
            command.env(name, default);
        }
    }
    exec(&mut command)
}

/// The fleet load test (`tests/src/bin/load_devices.rs`): half desks, half kiosks, ten per
/// centre, a round every 5 s each, against the release server on SQLite, then on a throwaway
/// PostgreSQL cluster, then through two instances on it sharing a local S3 store behind nginx;
/// each prints its summary and fails the command if anything failed, was lost or duplicated.
fn load(bin: &Path, dir: &Path, plan: LoadPlan) -> Result<()> {
    exec(Command::new("cargo").args(["build", "--release", "-p", "tests", "--bin", "load_devices"]))?;
    let desks = (plan.devices / 2).to_string();
    let kiosks = (plan.devices - plan.devices / 2).to_string();
    let centres = plan.devices.div_ceil(10).to_string();
    let minutes = plan.minutes.to_string();
    let fleet_args = ["--desks", &desks, "--kiosks", &kiosks, "--centres", &centres, "--minutes", &minutes];
    let logs = dir.join("load-logs");
    std::fs::create_dir_all(&logs)?;
    let harness = bin.join("load_devices");
    println!(
        "fleet load on SQLite ({} devices, {} min; server log in {}):",
        plan.devices,
        plan.minutes,
        logs.display()
    );
    let sqlite = dir.join("load-sqlite");
    std::fs::create_dir_all(&sqlite)?;
    exec(
        Command::new(&harness)
            .arg(sqlite.join("server.db"))
            .arg(&sqlite)
            .args(fleet_args)
            .env("PIETURA_BIN_DIR", bin)
            .env("PIETURA_E2E_LOG_DIR", &logs),
    )?;
    for instances in ["1", "2"] {
        println!(
            "fleet load on PostgreSQL, {instances} instance(s) (2: one S3 store, behind nginx; {} devices, {} min):",
            plan.devices, plan.minutes
        );
        let postgres = dir.join(format!("load-postgres-{instances}"));
        std::fs::create_dir_all(&postgres)?;
        exec(
            Command::new("pg_virtualenv")
                .args(["sh", "-c", r#"exec "$0" "postgres://$PGUSER:$PGPASSWORD@$PGHOST:$PGPORT/$PGDATABASE" "$@""#])
                .arg(&harness)
                .arg(&postgres)
                .args(fleet_args)
                .args(["--instances", instances])
                .env("PIETURA_BIN_DIR", bin)
                .env("PIETURA_E2E_LOG_DIR", &logs),
        )?;
    }
    Ok(())
}
