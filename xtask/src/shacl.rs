//! The official CPSV-AP 3.2.0 shapes (issue 21), through pySHACL (PyPI), a SHACL engine nobody on
//! the project wrote: over the server's CPSV-AP exports (Turtle and JSON-LD) of the demo catalogue and of every example
//! it imports (SEMIC's 3.2.0 example, the Vienna and Trento exports). `cargo xtask test` demands 0
//! violations of each, and of the DCAT-AP 3.0.0 shapes (with their range shapes) by the open-data
//! catalogue the real server serves; `cargo xtask shacl` prints them by kind, and SEMIC's example file as
//! published beside them (6 violations) for comparison.

use std::{collections::BTreeMap, path::Path, path::PathBuf, process::Command};

use anyhow::{Context, Result, bail};

use crate::{exec, target_dir};

/// The pySHACL version (pinned: its reports change between releases).
pub const PYSHACL: &str = "pyshacl==0.40.1";

pub fn pyshacl_bin(root: &Path) -> PathBuf {
    target_dir(root).join("tools/pyshacl/bin/pyshacl")
}

/// Examples whose export must pass (files of `server/tests/data/cpsv-ap/`), with what their
/// import kept. The Smart Data Models example is not among them: its service names a competent
/// authority the file does not describe, and the import refuses such a file (CPSV-AP wants every
/// public organisation's name and area, which we cannot make up).
const EXAMPLES: &[&str] =
    &["semic-3.2.0_example-rdf_public_service.ttl", "c4c_Vienna_demo_export_v3.ttl", "c4c_Trento_trento.jsonld"];

/// Violations of the CPSV-AP shapes by kind ("path: message"), for one Turtle or JSON-LD file.
fn violations(root: &Path, data: &Path) -> Result<BTreeMap<String, usize>> {
    violations_of(root, &root.join("server/tests/data/shacl/cpsv-ap-3.2.0-SHACL.ttl"), data)
}

/// The open-data catalogue (`/open-data/catalog.jsonld`) and each data set's own description (at
/// its IRI) as the real server serves them over the demo catalogue's database, and their
/// violations of the DCAT-AP 3.0.0 shapes with their range shapes (which check the class of
/// every referenced node): (path, violations by kind) for each.
fn open_data_violations(root: &Path) -> Result<Vec<(String, BTreeMap<String, usize>)>> {
    let work = target_dir(root).join("shacl");
    let shapes = work.join("dcat-ap-3.0.0-shapes-and-range.ttl");
    let data = root.join("server/tests/data/shacl");
    std::fs::write(
        &shapes,
        [std::fs::read(data.join("dcat-ap-3.0.0-shapes.ttl"))?, std::fs::read(data.join("dcat-ap-3.0.0-range.ttl"))?]
            .join(&b"\n"[..]),
    )?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let mut server = Command::new(target_dir(root).join("debug/pietura-server"))
        .arg("serve")
        .env("PIETURA_DATABASE_URL", work.join("0.db"))
        .env("PIETURA_LISTEN", format!("127.0.0.1:{port}"))
        .env("PIETURA_LOG", "warn")
        .spawn()?;
    let fetch = |path: &str, file: &Path| -> Result<()> {
        for _ in 0..100 {
            let got = Command::new("curl")
                .args(["-fsS", "-o"])
                .arg(file)
                .arg(format!("http://127.0.0.1:{port}{path}"))
                .output()?;
            if got.status.success() {
                return Ok(());
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        bail!("the server did not serve {path}")
    };
    let fetched = (|| -> Result<Vec<(String, PathBuf)>> {
        let catalog = work.join("catalog.jsonld");
        fetch("/open-data/catalog.jsonld", &catalog)?;
        let text = std::fs::read_to_string(&catalog)?;
        if !text.contains("dcat:Catalog") {
            bail!("{} holds no catalogue", catalog.display());
        }
        let mut documents = vec![("/open-data/catalog.jsonld".to_owned(), catalog)];
        let parsed: serde_json::Value = serde_json::from_str(&text)?;
        for dataset in parsed["dcat:dataset"].as_array().context("the catalogue lists no data sets")? {
            let iri = dataset["@id"].as_str().context("a data set without an IRI")?;
            let path = iri.find("/open-data/").map(|at| &iri[at..]).context("a data set IRI off /open-data/")?;
            let file = work.join(format!("{}.jsonld", path.trim_start_matches("/open-data/")));
            fetch(path, &file)?;
            // An empty graph conforms to anything: each must describe its data set.
            if !std::fs::read_to_string(&file)?.contains("dcat:Dataset") {
                bail!("{path} describes no data set");
            }
            documents.push((path.to_owned(), file));
        }
        Ok(documents)
    })();
    let _ = server.kill();
    let _ = server.wait();
    fetched?.into_iter().map(|(path, file)| Ok((path, violations_of(root, &shapes, &file)?))).collect()
}

fn violations_of(root: &Path, shapes: &Path, data: &Path) -> Result<BTreeMap<String, usize>> {
    let format = if data.extension().is_some_and(|e| e == "jsonld") { "json-ld" } else { "turtle" };
    let out = Command::new(pyshacl_bin(root))
        .arg("-s")
        .arg(shapes)
        .args(["-sf", "turtle", "-df", format])
        .arg(data)
        .output()
        .context("pySHACL could not run (cargo xtask setup installs it)")?;
    let report = String::from_utf8_lossy(&out.stdout);
    if !report.contains("Conforms:") {
        bail!("pySHACL gave no report for {}: {}", data.display(), String::from_utf8_lossy(&out.stderr));
    }
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
    Ok(kinds)
}

/// The server's CPSV-AP exports (Turtle and JSON-LD) of the demo catalogue and of each example,
/// each from a database of its own; answers (what, file) pairs.
fn exports(root: &Path) -> Result<Vec<(String, PathBuf)>> {
    let work = target_dir(root).join("shacl");
    if work.exists() {
        std::fs::remove_dir_all(&work)?;
    }
    std::fs::create_dir_all(&work)?;
    let mut sources = vec![("the demo catalogue".to_owned(), root.join("server/demo/demo-catalogue.pietura.json"))];
    sources
        .extend(EXAMPLES.iter().map(|e| (format!("{e} (imported)"), root.join("server/tests/data/cpsv-ap").join(e))));
    let mut exported = Vec::new();
    for (i, (what, source)) in sources.into_iter().enumerate() {
        let database = work.join(format!("{i}.db"));
        let server = |args: &[&str]| -> Result<()> {
            let out = Command::new(target_dir(root).join("debug/pietura-server"))
                .args(args)
                .env("PIETURA_DATABASE_URL", &database)
                .env("PIETURA_LOG", "warn")
                .output()
                .context("target/debug/pietura-server (built by cargo build)")?;
            if !out.status.success() {
                bail!("pietura-server {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
            }
            Ok(())
        };
        server(&["migrate"])?;
        server(&["catalogue", "import", source.to_str().context("a UTF-8 path")?])?;
        for (format, extension) in [("turtle", "ttl"), ("json-ld", "jsonld")] {
            let export = work.join(format!("{i}.{extension}"));
            server(&["catalogue", "export", "--format", format, "--output", export.to_str().context("a UTF-8 path")?])?;
            exported.push((format!("{what}, {format}"), export));
        }
    }
    Ok(exported)
}

/// `cargo xtask test`'s step: every export passes the shapes with 0 violations.
pub fn check(root: &Path) -> Result<()> {
    let mut failed = Vec::new();
    for (what, export) in exports(root)? {
        // An empty graph conforms to anything: each export must hold the services.
        if !std::fs::read_to_string(&export)?.contains("PublicService") {
            bail!("{what} ({}) holds no public service", export.display());
        }
        let kinds = violations(root, &export)?;
        let total: usize = kinds.values().sum();
        println!("{what}: {total} violations of the CPSV-AP 3.2.0 shapes");
        if total > 0 {
            failed.push(format!(
                "{what} ({}): {}",
                export.display(),
                kinds.iter().map(|(k, n)| format!("{n}× {k}")).collect::<Vec<_>>().join("; ")
            ));
        }
    }
    for (path, open_data) in open_data_violations(root)? {
        let total: usize = open_data.values().sum();
        println!("{path}: {total} violations of the DCAT-AP 3.0.0 shapes and range shapes");
        if total > 0 {
            failed.push(format!(
                "{path}: {}",
                open_data.iter().map(|(k, n)| format!("{n}× {k}")).collect::<Vec<_>>().join("; ")
            ));
        }
    }
    if !failed.is_empty() {
        bail!("what the server publishes breaks the official shapes:\n{}", failed.join("\n"));
    }
    Ok(())
}

/// `cargo xtask shacl`: every export, and SEMIC's example as published, by kind of violation.
pub fn run(root: &Path) -> Result<()> {
    crate::setup::python_tool(&pyshacl_bin(root), &[PYSHACL])?;
    // The workspace's build (a build of the server alone resolves features otherwise).
    exec(Command::new("cargo").args(["build", "--locked", "--workspace", "--bins"]))?;
    let mut files = exports(root)?;
    let example = "semic-3.2.0_example-rdf_public_service.ttl";
    files.push((format!("{example} as published"), root.join("server/tests/data/cpsv-ap").join(example)));
    let print = |what: &str, shapes: &str, kinds: &BTreeMap<String, usize>| {
        println!("{what}: {} violations of the {shapes}", kinds.values().sum::<usize>());
        for (kind, count) in kinds.iter().rev() {
            println!("  {count:>5}  {kind}");
        }
    };
    for (what, file) in files {
        print(&what, "CPSV-AP 3.2.0 shapes", &violations(root, &file)?);
    }
    for (path, kinds) in open_data_violations(root)? {
        print(&path, "DCAT-AP 3.0.0 shapes and range shapes", &kinds);
    }
    Ok(())
}
