//! `cargo xtask demo`: a local server with demo data and an enrolled desk (or kiosk).

use std::{
    path::Path,
    process::{Command, Stdio},
    time::Duration,
};

use anyhow::{Context, Result, bail};

use crate::{
    exec,
    services::{Service, Xvfb, wait_for_http},
    setup, step, target_dir,
};

const DEMO_LISTEN: &str = "127.0.0.1:8470";

pub fn run_demo(root: &Path, kiosk: bool, exit_after: Option<u64>) -> Result<()> {
    let mut timings = Vec::new();
    step("set-up: system packages, tools, UI packages", &mut timings, || setup::all(root))?;
    step("UI build", &mut timings, || exec(Command::new("npm").args(["run", "build"]).current_dir(root.join("ui"))))?;
    step("cargo build", &mut timings, || {
        // --workspace, like the tests: per-package builds resolve features differently and rebuild.
        exec(Command::new("cargo").args(["build", "--workspace", "--bins"]))
    })?;
    let bin = target_dir(root).join("debug");
    // Each demo starts from scratch, so it always shows the same thing.
    let demo = target_dir(root).join("demo");
    if demo.exists() {
        std::fs::remove_dir_all(&demo).with_context(|| format!("cannot clear {}", demo.display()))?;
    }
    std::fs::create_dir_all(&demo)?;
    let database = demo.join("server.db");
    let server = |args: &[&str]| -> Result<String> {
        let output = Command::new(bin.join("pietura-server"))
            .args(args)
            .env("PIETURA_DATABASE_URL", &database)
            .env("PIETURA_LISTEN", DEMO_LISTEN)
            .stderr(Stdio::inherit())
            .output()?;
        if !output.status.success() {
            bail!("pietura-server {args:?} failed");
        }
        Ok(String::from_utf8(output.stdout)?)
    };
    server(&["centre", "add", "--name", "Rīgas Centra VPVKAC", "--municipality", "Rīga"])?;
    server(&["centre", "add", "--name", "Cēsu Centrālā bibliotēka", "--municipality", "Cēsu novads"])?;
    // The hand-written demo catalogue: 61 services of 12 institutions, with articles.
    let catalogue = root.join("server/demo/demo-catalogue.pietura.json");
    server(&["catalogue", "import", catalogue.to_str().context("the repository path is not UTF-8")?])?;
    // An institution with an API key, to try the institution API against.
    server(&["institution", "add", "https://pietura.lv/id/org/riga", "--name", "Rīgas valstspilsētas pašvaldība"])?;
    let key: serde_json::Value =
        serde_json::from_str(&server(&["institution", "key", "https://pietura.lv/id/org/riga", "--json"])?)?;
    let (centre, kind, name) = if kiosk {
        ("Cēsu Centrālā bibliotēka", "kiosk", "Kiosks pie ieejas")
    } else {
        ("Rīgas Centra VPVKAC", "desk", "Galds 1")
    };
    let added: serde_json::Value = serde_json::from_str(&server(&[
        "device", "add", "--centre", centre, "--kind", kind, "--name", name, "--json",
    ])?)?;
    let code = added["enrollment_code"].as_str().context("no enrollment code")?.to_owned();

    let mut server_process = Service::spawn(
        "pietura-server",
        Command::new(bin.join("pietura-server"))
            .arg("serve")
            .env("PIETURA_DATABASE_URL", &database)
            .env("PIETURA_LISTEN", DEMO_LISTEN)
            .stdout(Stdio::piped()),
    )?;
    let url = format!("http://{DEMO_LISTEN}");
    wait_for_http(&format!("{url}/readyz"), Duration::from_secs(20))
        .context("the demo server did not start; is port 8470 taken?")?;
    eprintln!("\nDemo server: {url} (database {}, API description {url}/openapi.json)", database.display());
    eprintln!("Demo {kind} {name:?} in {centre:?}, enrollment code {code}");
    eprintln!(
        "Institution API key for Riga City Council (send as `Authorization: ApiKey <key>`): {}",
        key["api_key"].as_str().unwrap_or_default()
    );

    let xvfb = if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        eprintln!("No display: starting Xvfb. Screenshots go to {}", demo.display());
        Some(Xvfb::start()?)
    } else {
        None
    };
    let mut app = Command::new("keyctl");
    // A session keyring of its own holds the demo's database key and device secret.
    app.args(["session", "-"]);
    let data_dir = demo.join(kind);
    if kiosk {
        let config = demo.join("kiosk.toml");
        std::fs::write(
            &config,
            format!(
                "server_url = \"{url}\"\nenrollment_code = \"{code}\"\ndata_dir = \"{}\"\nwindowed = true\n",
                data_dir.display()
            ),
        )?;
        app.arg(bin.join("pietura-kiosk")).arg("--config").arg(&config);
    } else {
        app.arg(bin.join("pietura-desk"))
            .env("PIETURA_DESK_DATA_DIR", &data_dir)
            .env("PIETURA_ENROLL_SERVER_URL", &url)
            .env("PIETURA_ENROLL_CODE", &code);
    }
    app.env("PIETURA_SYNC_INTERVAL_MS", "3000").env("PIETURA_SYNC_BACKOFF_MAX_MS", "5000");
    if let Some(xvfb) = &xvfb {
        app.env("DISPLAY", &xvfb.display);
    }
    app.stdout(Stdio::null()).stderr(Stdio::inherit());
    let mut app_process = Service::spawn(if kiosk { "pietura-kiosk" } else { "pietura-desk" }, &mut app)?;
    eprintln!("The {kind} app is open; close it (or press Ctrl-C) to stop the demo.");
    match exit_after {
        Some(seconds) => {
            std::thread::sleep(Duration::from_secs(seconds));
            if let Some(xvfb) = &xvfb {
                let shot = demo.join(format!("{kind}.png"));
                let _ = Command::new("import").args(["-display", &xvfb.display, "-window", "root"]).arg(&shot).status();
                eprintln!("screenshot: {}", shot.display());
            }
            if !app_process.is_running() {
                bail!("the {kind} app exited early");
            }
            app_process.stop();
        }
        None => app_process.wait()?,
    }
    server_process.stop();
    Ok(())
}
