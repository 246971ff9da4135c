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

pub fn run(root: &Path) -> Result<()> {
    exec(Command::new("cargo").args(["build", "--release", "--workspace", "--bins"]))?;
    let bin = target_dir(root).join("release");
    let dir = std::env::temp_dir().join(format!("pietura-measure-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
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
        let mut server = Service::spawn(
            "pietura-server",
            Command::new(bin.join("pietura-server"))
                .arg("serve")
                .env("PIETURA_DATABASE_URL", &database)
                .env("PIETURA_LISTEN", format!("127.0.0.1:{port}"))
                .env("PIETURA_LOG", "warn")
                .stdout(Stdio::null()),
        )?;
        wait_for_http(&format!("http://127.0.0.1:{port}/readyz"), Duration::from_secs(10))?;
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
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

fn desk_pid() -> Option<u32> {
    let output = Command::new("pgrep").args(["-n", "-x", "pietura-desk"]).output().ok()?;
    String::from_utf8_lossy(&output.stdout).trim().parse().ok()
}
