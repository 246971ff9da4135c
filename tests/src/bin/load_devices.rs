//! The load test of issue 20: a fleet of desks and kiosks (see `tests::fleet`) against the real
//! server, which this program starts on the database given and stops at the end.
//!
//! `load_devices DATABASE DIR [--desks N] [--kiosks N] [--centres N] [--minutes M]
//! [--round-secs S] [--citizen-secs S] [--instances N]`: DATABASE is an SQLite file or a PostgreSQL URL (fresh: it is prepared
//! here); DIR holds the devices' stores. With `--instances N` (PostgreSQL only) N servers share the
//! database and a local S3 store behind nginx. The binaries come from `PIETURA_BIN_DIR`. Prints a
//! summary on standard error and `load-report {json}` on standard output; exits 1 if anything
//! failed, was lost or duplicated.

use std::{path::PathBuf, time::Duration};

use anyhow::{Context, Result};
use tests::{
    cluster::Servers,
    fleet::{self, FleetPlan},
};

#[tokio::main(flavor = "multi_thread")]
async fn main() -> Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (database, dir) = match args.as_slice() {
        [database, dir, ..] => (PathBuf::from(database), PathBuf::from(dir)),
        _ => anyhow::bail!(
            "usage: load_devices DATABASE DIR [--desks N] [--kiosks N] [--centres N] [--minutes M] [--round-secs S] [--citizen-secs S] [--instances N]"
        ),
    };
    let option = |name: &str, default: f64| -> Result<f64> {
        match args.iter().position(|a| a == name) {
            Some(at) => args.get(at + 1).context("a number after the option")?.parse().with_context(|| name.to_owned()),
            None => Ok(default),
        }
    };
    let round_every = Duration::from_secs_f64(option("--round-secs", 5.0)?);
    let plan = FleetPlan {
        centres: option("--centres", 100.0)? as usize,
        desks: option("--desks", 500.0)? as usize,
        kiosks: option("--kiosks", 500.0)? as usize,
        duration: Duration::from_secs_f64(option("--minutes", 10.0)? * 60.0),
        round_every,
        case_every: Duration::from_secs(60),
        message_every: Duration::from_secs(300),
        change_every: Duration::from_secs(60).min(round_every * 6),
        // A citizen at each kiosk every two minutes on average: 500 kiosks, about 4 visits a second.
        citizen_every: Duration::from_secs_f64(option("--citizen-secs", 120.0)?),
    };
    std::fs::create_dir_all(&dir)?;
    let bin = tests::bin_dir();
    let prepared_at = std::time::Instant::now();
    let prepared = fleet::prepare(&bin, &dir, &database, &plan)?;
    eprintln!("load: database prepared in {:.1} s", prepared_at.elapsed().as_secs_f64());
    let config = dir.join("pietura.toml");
    let instances = option("--instances", 1.0)? as usize;
    // One server on the database; or several over one PostgreSQL and one S3 store behind nginx.
    let servers = Servers::start(&bin, &dir, &database, &config, instances).await?;
    eprintln!("load: {instances} instance(s) at {}", servers.url());
    let report = fleet::run(&prepared, servers.url(), &servers.pids(), &plan).await?;
    let rss = &report.server_rss_kib;
    eprintln!(
        "load: {} devices, {} rounds ({:.1}/s), {} failed; a lone device's round {:.1} ms; round p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; \
         {} cases, {} messages, {} catalogue changes; {} citizens' visits at kiosks ({} failed), card login p50 {:.1} ms, \
         p99 {:.1} ms, whole visit p50 {:.1} ms, p99 {:.1} ms; not applied {}, desks out of step {}, messages unknown {}, \
         devices behind {}; audit intact {}; server RSS first {} MiB, last {} MiB, max {} MiB",
        report.devices,
        report.rounds,
        report.rounds_per_second,
        report.failed_rounds,
        report.lone_round_p50_ms,
        report.round_p50_ms,
        report.round_p99_ms,
        report.round_max_ms,
        report.cases_registered,
        report.messages_written,
        report.catalogue_changes,
        report.citizen_visits,
        report.failed_visits,
        report.login_p50_ms,
        report.login_p99_ms,
        report.visit_p50_ms,
        report.visit_p99_ms,
        report.entries_not_applied,
        report.desks_out_of_step,
        report.messages_unknown,
        report.devices_behind,
        report.audit_intact,
        rss.first().copied().unwrap_or(0) / 1024,
        rss.last().copied().unwrap_or(0) / 1024,
        rss.iter().max().copied().unwrap_or(0) / 1024,
    );
    for failure in &report.failures {
        eprintln!("load: failure: {failure}");
    }
    println!("load-report {}", serde_json::to_string(&report)?);
    if !report.clean() {
        std::process::exit(1);
    }
    Ok(())
}
