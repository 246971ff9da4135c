//! `cargo xtask shacl` (issue 21): what the official CPSV-AP 3.2.0 shapes say of the server's
//! CPSV-AP export of the demo catalogue and of SEMIC's own example, through pySHACL (PyPI), by
//! kind of violation. A measurement for the work of issue 21, not yet part of `cargo xtask test`
//! (which will demand 0 violations once the export has them).

use std::{collections::BTreeMap, path::Path, process::Command};

use anyhow::{Context, Result};

use crate::{exec, target_dir};

/// The pySHACL version (pinned: its reports change between releases).
const PYSHACL: &str = "pyshacl==0.40.1";

pub fn run(root: &Path) -> Result<()> {
    let pyshacl = target_dir(root).join("tools/pyshacl/bin/pyshacl");
    crate::setup::python_tool(&pyshacl, &[PYSHACL])?;
    exec(Command::new("cargo").args(["build", "--locked", "-p", "server", "--bin", "pietura-server"]))?;
    let work = target_dir(root).join("shacl");
    if work.exists() {
        std::fs::remove_dir_all(&work)?;
    }
    std::fs::create_dir_all(&work)?;
    let server = |args: &[&str]| -> Result<()> {
        exec(
            Command::new(target_dir(root).join("debug/pietura-server"))
                .args(args)
                .env("PIETURA_DATABASE_URL", work.join("demo.db"))
                .env("PIETURA_LOG", "warn"),
        )
    };
    server(&["migrate"])?;
    let demo = root.join("server/demo/demo-catalogue.pietura.json");
    server(&["catalogue", "import", demo.to_str().context("a UTF-8 path")?])?;
    let export = work.join("demo-catalogue.ttl");
    server(&["catalogue", "export", "--format", "turtle", "--output", export.to_str().context("a UTF-8 path")?])?;

    let shapes = root.join("server/tests/data/shacl/cpsv-ap-3.2.0-SHACL.ttl");
    let example = root.join("server/tests/data/cpsv-ap/semic-3.2.0_example-rdf_public_service.ttl");
    for (name, data) in
        [("the demo catalogue's export", export.as_path()), ("SEMIC's 3.2.0 example", example.as_path())]
    {
        let out = Command::new(&pyshacl)
            .arg("-s")
            .arg(&shapes)
            .args(["-sf", "turtle", "-df", "turtle"])
            .arg(data)
            .output()?;
        let report = String::from_utf8_lossy(&out.stdout);
        let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
        let mut path = String::new();
        for line in report.lines().map(str::trim) {
            if let Some(p) = line.strip_prefix("Result Path: ") {
                path = p.to_owned();
            } else if let Some(message) = line.strip_prefix("Message: ") {
                // Per-node messages name the node: counted by what they say of it.
                let message = message.split(" on <").next().unwrap_or(message);
                *kinds.entry(format!("{path}: {message}")).or_default() += 1;
            }
        }
        let total: usize = kinds.values().sum();
        println!("{name}: {total} violations of the CPSV-AP 3.2.0 shapes");
        for (kind, count) in kinds.iter().rev() {
            println!("  {count:>5}  {kind}");
        }
    }
    println!("reports: pyshacl -s {} -sf turtle -df turtle FILE (export in {})", shapes.display(), export.display());
    Ok(())
}
