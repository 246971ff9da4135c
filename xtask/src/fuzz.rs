//! `cargo xtask fuzz [--minutes N] [TARGET…]`: every cargo-fuzz target (nightly) for N minutes
//! each, from the committed seeds and the corpus kept between runs. An input that crashes or
//! hangs a target is copied into `fuzz/regressions/<target>/`, which every test run replays,
//! and the command fails naming it.

use std::{path::Path, process::Command};

use anyhow::{Context, Result, bail};

use crate::{exec, have};

/// The targets in `fuzz/fuzz_targets/`, in the order they run.
pub const TARGETS: &[&str] =
    &["outbox_entries", "web_eid_token", "card_answers", "cpsv_import", "pdf_preview", "signed_pdf"];

pub fn run(root: &Path, minutes: u32, only: &[String]) -> Result<()> {
    if !Command::new("cargo").args(["+nightly", "--version"]).output().is_ok_and(|o| o.status.success()) {
        bail!("fuzzing needs the nightly toolchain: rustup toolchain install nightly");
    }
    if !have("cargo-fuzz") {
        exec(Command::new("cargo").args(["install", "cargo-fuzz", "--locked"]))?;
    }
    for target in only {
        if !TARGETS.contains(&target.as_str()) {
            bail!("no fuzz target {target:?}; there are {TARGETS:?}");
        }
    }
    let targets: Vec<&str> = if only.is_empty() { TARGETS.to_vec() } else { only.iter().map(String::as_str).collect() };
    let fuzz = root.join("fuzz");
    let mut found = Vec::new();
    for target in targets {
        let corpus = fuzz.join("corpus").join(target);
        let artifacts = fuzz.join("artifacts").join(target);
        std::fs::create_dir_all(&corpus)?;
        std::fs::create_dir_all(&artifacts)?;
        eprintln!("\n=== fuzzing {target} for {minutes} min ===");
        let status = Command::new("cargo")
            .args(["+nightly", "fuzz", "run", "--release", target])
            .arg(&corpus)
            .arg(fuzz.join("seeds").join(target))
            .arg("--")
            .arg(format!("-max_total_time={}", u64::from(minutes) * 60))
            .arg(format!("-artifact_prefix={}/", artifacts.display()))
            // A PDF may take poppler a while; anything slower than this is a hang.
            .arg("-timeout=30")
            .arg("-print_final_stats=1")
            .current_dir(&fuzz)
            .status()
            .with_context(|| format!("could not start cargo fuzz for {target}"))?;
        let kept = keep_findings(&artifacts, &fuzz.join("regressions").join(target))?;
        if !status.success() || !kept.is_empty() {
            found
                .push(format!("{target}: {}", if kept.is_empty() { "the run failed".into() } else { kept.join(", ") }));
        }
    }
    if !found.is_empty() {
        bail!(
            "the fuzzers found problems (kept in fuzz/regressions/, fix them and commit them):\n  {}",
            found.join("\n  ")
        );
    }
    eprintln!("\nno crashes or hangs in {minutes} min per target");
    Ok(())
}

/// Copies crash, timeout and out-of-memory inputs into the regressions folder; answers their names.
fn keep_findings(artifacts: &Path, regressions: &Path) -> Result<Vec<String>> {
    let mut kept = Vec::new();
    std::fs::create_dir_all(regressions)?;
    for entry in std::fs::read_dir(artifacts)? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        if ["crash-", "timeout-", "oom-", "leak-"].iter().any(|prefix| name.starts_with(prefix)) {
            std::fs::copy(&path, regressions.join(&name))?;
            std::fs::remove_file(&path)?;
            kept.push(name);
        }
    }
    Ok(kept)
}
