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

/// Proportional set size (shared pages split between their users, so a process tree is not
/// counted twice) of a process and all its descendants, in KiB, from /proc.
fn tree_pss_kib(root: u32) -> u64 {
    let mut total = 0;
    let mut stack = vec![root];
    while let Some(pid) = stack.pop() {
        if let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")) {
            total += status
                .lines()
                .find_map(|l| l.strip_prefix("Pss:"))
                .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
                .unwrap_or(0);
        }
        if let Ok(children) = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")) {
            stack.extend(children.split_whitespace().filter_map(|c| c.parse::<u32>().ok()));
        }
    }
    total
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

pub fn run(root: &Path, catalogue_only: bool) -> Result<()> {
    exec(Command::new("cargo").args(["build", "--release", "--workspace", "--bins"]))?;
    let bin = target_dir(root).join("release");
    let dir = std::env::temp_dir().join(format!("pietura-measure-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    if catalogue_only {
        catalogue(root, &bin, &dir)?;
        let _ = std::fs::remove_dir_all(&dir);
        return Ok(());
    }
    let database = dir.join("server.db");
    exec(
        Command::new(bin.join("pietura-server"))
            .arg("migrate")
            .env("PIETURA_DATABASE_URL", &database)
            .stdout(Stdio::null()),
    )?;

    // Server start: spawn until /readyz answers, against spawning `--version` (process start).
    let runs = 15;
    let mut start_times = Vec::new();
    let mut baseline = Vec::new();
    for _ in 0..runs {
        let began = Instant::now();
        exec(Command::new(bin.join("pietura-server")).arg("--version").stdout(Stdio::null()))?;
        baseline.push(began.elapsed());
        let port = free_port()?;
        let began = Instant::now();
        let mut server = serve(&bin, &database, port)?;
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

    // Desk idle memory: the app and its WebKit processes, 10 s after start, first-run screen.
    let xvfb = Xvfb::start()?;
    let mut desk = Service::spawn(
        "pietura-desk",
        Command::new("keyctl")
            .args(["session", "-"])
            .arg(bin.join("pietura-desk"))
            .env("DISPLAY", &xvfb.display)
            .env("PIETURA_DESK_DATA_DIR", dir.join("desk"))
            .env("XDG_DATA_HOME", dir.join("xdg-data"))
            .env("XDG_CACHE_HOME", dir.join("xdg-cache"))
            .env("PIETURA_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    )?;
    std::thread::sleep(Duration::from_secs(10));
    let pid = desk_pid().context("the desk app did not start")?;
    let desk_kib = tree_pss_kib(pid);
    let xvfb_pid = Command::new("pgrep").args(["-n", "Xvfb"]).output()?;
    let xvfb_kib = String::from_utf8_lossy(&xvfb_pid.stdout).trim().parse::<u32>().map(tree_pss_kib).unwrap_or(0);
    println!(
        "desk idle memory (app + WebKit processes, PSS, release): {:.0} MiB; Xvfb baseline {:.0} MiB",
        desk_kib as f64 / 1024.0,
        xvfb_kib as f64 / 1024.0
    );
    desk.stop();
    drop(xvfb);
    catalogue(root, &bin, &dir)?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// The catalogue at benchmark scale (5,000 services, 50,000 articles): server import, a
/// device's first sync from a local server (records/s including indexing, peak memory), an
/// incremental sync of 100 changes, and catalogue reads per second beside `/healthz`.
fn catalogue(root: &Path, bin: &Path, dir: &Path) -> Result<()> {
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
    exec(Command::new(examples.join("generate_catalogue")).args([&full, Path::new("5000"), Path::new("50000")]))?;
    exec(Command::new(examples.join("generate_catalogue")).args([
        &changes,
        Path::new("5000"),
        Path::new("50000"),
        Path::new("100"),
    ]))?;
    let database = dir.join("catalogue.db");
    let server = |args: &[&str]| -> Result<String> {
        let output = Command::new(bin.join("pietura-server"))
            .args(args)
            .env("PIETURA_DATABASE_URL", &database)
            .env("PIETURA_LOG", "warn")
            .output()?;
        anyhow::ensure!(
            output.status.success(),
            "pietura-server {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        Ok(String::from_utf8(output.stdout)?)
    };
    let began = Instant::now();
    server(&["catalogue", "import", full.to_str().context("path")?])?;
    let import = began.elapsed();
    println!(
        "server import of 55,100 records (5,000 services, 50,000 articles, 100 institutions; SQLite, one transaction): {:.1} s, {:.0} records/s",
        import.as_secs_f64(),
        55_100.0 / import.as_secs_f64()
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

fn desk_pid() -> Option<u32> {
    let output = Command::new("pgrep").args(["-n", "-x", "pietura-desk"]).output().ok()?;
    String::from_utf8_lossy(&output.stdout).trim().parse().ok()
}
