//! `cargo xtask sbom`: a CycloneDX software bill of materials (JSON) for each program Pietura
//! ships (the server, the desk, the kiosk, the virtual card), in `target/sbom/`.

use std::{path::Path, process::Command};

use anyhow::{Context, Result, bail};

use crate::{exec, have};

pub fn run(root: &Path) -> Result<()> {
    if !have("cargo-cyclonedx") {
        exec(Command::new("cargo").args(["install", "cargo-cyclonedx", "--locked"]))?;
    }
    exec(
        Command::new("cargo")
            .args(["cyclonedx", "--format", "json", "--describe", "binaries", "-qq"])
            .current_dir(root),
    )?;
    // cargo-cyclonedx writes beside each crate's manifest: gather them in one place.
    let out = crate::target_dir(root).join("sbom");
    std::fs::create_dir_all(&out)?;
    let mut written = Vec::new();
    for member in [
        "server",
        "src-tauri",
        "kiosk",
        "eid",
        "tests",
        "xtask",
        "domain",
        "offline-store",
        "print",
        "protocol",
        "device",
    ] {
        let dir = root.join(member);
        for entry in std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))? {
            let path = entry?.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
            if !name.ends_with(".cdx.json") {
                continue;
            }
            if matches!(member, "tests" | "xtask") {
                std::fs::remove_file(&path)?; // test and build tools ship to nobody
                continue;
            }
            let bom: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
            let components = bom["components"].as_array().map_or(0, Vec::len);
            let target = out.join(&name);
            std::fs::rename(&path, &target)?;
            written.push(format!("{} ({components} components)", target.display()));
        }
    }
    if written.is_empty() {
        bail!("cargo cyclonedx wrote no bill of materials");
    }
    eprintln!("SBOMs (CycloneDX JSON):\n  {}", written.join("\n  "));
    Ok(())
}
