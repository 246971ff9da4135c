//! `cargo xtask demo`: a local server with demo data and an enrolled desk (or kiosk).

use std::{
    path::Path,
    process::{Command, Stdio},
    time::Duration,
};

use anyhow::{Context, Result, bail};

use crate::{
    exec,
    services::{Pcscd, Service, Xvfb, wait_for_http},
    setup, step, target_dir,
};

const DEMO_LISTEN: &str = "127.0.0.1:8470";
/// The origin demo logins are signed for (the demo server's public name).
const DEMO_ORIGIN: &str = "https://pietura.demo";
/// The demo card's PINs: test data of a virtual card whose CA only the demo server trusts.
const DEMO_PIN1: &str = "1234";
const DEMO_PIN2: &str = "123456";

/// Installs what is missing, builds the UI and the binaries, and gives a demo its folder
/// `target/<name>`, emptied: each demo starts from scratch, so it always shows the same thing.
/// Answers the binaries' folder and the demo's.
fn prepare(root: &Path, name: &str) -> Result<(std::path::PathBuf, std::path::PathBuf)> {
    let mut timings = Vec::new();
    step("set-up: system packages, tools, UI packages", &mut timings, || setup::all(root))?;
    step("UI build", &mut timings, || exec(Command::new("npm").args(["run", "build"]).current_dir(root.join("ui"))))?;
    step("cargo build", &mut timings, || {
        // --workspace, like the tests: per-package builds resolve features differently and rebuild.
        exec(Command::new("cargo").args(["build", "--workspace", "--bins"]))
    })?;
    let demo = target_dir(root).join(name);
    if demo.exists() {
        std::fs::remove_dir_all(&demo).with_context(|| format!("cannot clear {}", demo.display()))?;
    }
    std::fs::create_dir_all(&demo)?;
    Ok((target_dir(root).join("debug"), demo))
}

/// `pietura-server` as the operator runs it on the demo's database (with `config` when given):
/// its standard output, or a failure naming the command.
fn operator<'a>(
    bin: &'a Path,
    database: &'a Path,
    listen: &'a str,
    config: Option<&'a Path>,
) -> impl Fn(&[&str]) -> Result<String> + 'a {
    move |args: &[&str]| {
        let mut command = Command::new(bin.join("pietura-server"));
        if let Some(config) = config {
            command.arg("--config").arg(config);
        }
        let output = command
            .args(args)
            .env("PIETURA_DATABASE_URL", database)
            .env("PIETURA_LISTEN", listen)
            .stderr(Stdio::inherit())
            .output()?;
        if !output.status.success() {
            bail!("pietura-server {args:?} failed");
        }
        Ok(String::from_utf8(output.stdout)?)
    }
}

/// Runs the demo's app (`app`, the process `service`, its display set here when Xvfb is started)
/// until it is closed, or
/// for `exit_after` seconds with a screenshot `<shot>.png` in `demo`.
fn run_app(
    mut app: Command,
    service: &'static str,
    label: &str,
    demo: &Path,
    shot: &str,
    exit_after: Option<u64>,
) -> Result<()> {
    let xvfb = if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        eprintln!("No display: starting Xvfb. Screenshots go to {}", demo.display());
        Some(Xvfb::start()?)
    } else {
        None
    };
    if let Some(xvfb) = &xvfb {
        app.env("DISPLAY", &xvfb.display);
    }
    app.stdout(Stdio::null()).stderr(Stdio::inherit());
    let mut app_process = Service::spawn(service, &mut app)?;
    eprintln!("The {label} app is open; close it (or press Ctrl-C) to stop the demo.");
    match exit_after {
        Some(seconds) => {
            std::thread::sleep(Duration::from_secs(seconds));
            if let Some(xvfb) = &xvfb {
                let shot = demo.join(format!("{shot}.png"));
                let _ = Command::new("import").args(["-display", &xvfb.display, "-window", "root"]).arg(&shot).status();
                eprintln!("screenshot: {}", shot.display());
            }
            if !app_process.is_running() {
                bail!("the {label} app exited early");
            }
            app_process.stop();
        }
        None => app_process.wait()?,
    }
    Ok(())
}

pub fn run_demo(root: &Path, kiosk: bool, exit_after: Option<u64>) -> Result<()> {
    let (bin, demo) = prepare(root, "demo")?;
    let database = demo.join("server.db");
    let server = operator(&bin, &database, DEMO_LISTEN, None);
    server(&["centre", "add", "--name", "Rīgas Centra VPVKAC", "--municipality", "Rīga"])?;
    server(&["centre", "add", "--name", "Cēsu Centrālā bibliotēka", "--municipality", "Cēsu novads"])?;
    // The hand-written demo catalogue: 61 services of 12 institutions, with articles, and the
    // e-forms of six of them (server/demo/forms/).
    let mut files = vec![root.join("server/demo/demo-catalogue.pietura.json")];
    let mut forms: Vec<_> =
        std::fs::read_dir(root.join("server/demo/forms"))?.map(|e| e.map(|e| e.path())).collect::<Result<_, _>>()?;
    forms.sort();
    files.extend(forms);
    let mut import = vec!["catalogue", "import"];
    for file in &files {
        import.push(file.to_str().context("the repository path is not UTF-8")?);
    }
    server(&import)?;
    // Three months of made-up cases at the Riga centre (a desk of their own, "Demo vēsture"), so
    // the case lists and the open data (/open-data/service-provision.csv) have something to show.
    server(&["stats", "demo", "--centre", "Rīgas Centra VPVKAC"])?;
    // An institution with an API key, to try the institution API against.
    server(&["institution", "add", "https://pietura.lv/id/org/riga", "--name", "Rīgas valstspilsētas pašvaldība"])?;
    let key: serde_json::Value =
        serde_json::from_str(&server(&["institution", "key", "https://pietura.lv/id/org/riga", "--json"])?)?;
    // E-address: Riga's mailbox (its API key), the Riga centre's (its staff) and the demo
    // citizen's; a letter for the citizen is sent once the server runs.
    server(&[
        "eaddress",
        "add",
        "_DEFAULT@90011524360",
        "--name",
        "Rīgas valstspilsētas pašvaldība",
        "--institution",
        "https://pietura.lv/id/org/riga",
    ])?;
    server(&[
        "eaddress",
        "add",
        "RCV@90011524360",
        "--name",
        "Rīgas Centra VPVKAC",
        "--centre",
        "Rīgas Centra VPVKAC",
    ])?;
    server(&["eaddress", "add", "_PRIVATE@32503511782", "--name", "JĀNIS BĒRZIŅŠ"])?;
    // A company the demo citizen represents: the kiosk offers its mailbox beside their own.
    server(&["eaddress", "add", "_DEFAULT@40003521600", "--name", "SIA Bērziņa darbnīca"])?;
    server(&["eaddress", "represent", "_DEFAULT@40003521600", "325035-11782", "--source", "demo (UR izziņa)"])?;
    let (centre, kind, name) = if kiosk {
        ("Cēsu Centrālā bibliotēka", "kiosk", "Kiosks pie ieejas")
    } else {
        ("Rīgas Centra VPVKAC", "desk", "Galds 1")
    };
    let added: serde_json::Value = serde_json::from_str(&server(&[
        "device", "add", "--centre", centre, "--kind", kind, "--name", name, "--json",
    ])?)?;
    let code = added["enrollment_code"].as_str().context("no enrollment code")?.to_owned();

    // eID login with a virtual card: a test CA made now (trusted by this server only), a card
    // for the demo clerk (or citizen), and pcscd with vsmartcard's virtual reader.
    let card_tool = |args: &[&str]| -> Result<()> {
        exec(Command::new(bin.join("pietura-virtual-card")).args(args).stdout(Stdio::null()))
    };
    let ca = demo.join("ca");
    let ca_path = ca.to_str().context("the demo path is not UTF-8")?;
    card_tool(&["ca", ca_path])?;
    let card_file = demo.join("card.json");
    let card_path = card_file.to_str().context("the demo path is not UTF-8")?;
    let (given_name, surname, personal_code, kind_of_key) = if kiosk {
        ("JĀNIS", "BĒRZIŅŠ", "325035-11782", "rsa")
    } else {
        ("ILZE", "OZOLIŅA", "161175-19997", "ec")
    };
    card_tool(&[
        "issue",
        "--ca",
        ca_path,
        "--kind",
        kind_of_key,
        "--given-name",
        given_name,
        "--surname",
        surname,
        "--personal-code",
        personal_code,
        "--pin1",
        DEMO_PIN1,
        "--pin2",
        DEMO_PIN2,
        "--out",
        card_path,
    ])?;
    if !kiosk {
        server(&["user", "grant", personal_code, "--role", "clerk", "--centre", centre])?;
        server(&["user", "grant", personal_code, "--role", "trainer", "--centre", centre])?;
    }
    let config = demo.join("pietura.toml");
    std::fs::write(
        &config,
        format!(
            "eid_origin = \"{DEMO_ORIGIN}\"\neid_trust_anchors = [{:?}]\n",
            ca.join("ica.pem").display().to_string()
        ),
    )?;
    let _pcscd = Pcscd::start()?;
    let _card = Service::spawn(
        "pietura-virtual-card",
        Command::new(bin.join("pietura-virtual-card"))
            .args(["insert", card_path])
            // Its commands come on standard input; an open pipe keeps the card inserted.
            .stdin(Stdio::piped())
            .stdout(Stdio::null()),
    )?;

    let (mut server_process, url) = start_server(&bin, &config, &database, DEMO_LISTEN, "demo server")?;
    let api_key = format!("authorization: ApiKey {}", key["api_key"].as_str().unwrap_or_default());
    // The letter's PDF (made by `cargo run -p print --example demo_letter`), uploaded by its
    // SHA-256 first, as institutions do.
    let pdf_path = root.join("server/demo/suna-registracija.pdf");
    let attachments = match demo_attachment(&url, &api_key, &pdf_path) {
        Ok(described) => serde_json::json!([described]),
        Err(error) => {
            eprintln!("(the demo letter goes without its PDF: {error:#})");
            serde_json::json!([])
        }
    };
    let letter = serde_json::json!({
        "id": "0190b2d8-0000-7000-8000-00000000d001",
        "recipients": ["_PRIVATE@32503511782"],
        "subject": "Atgādinājums: suņa reģistrācija",
        "body": "Labdien! Atgādinām, ka suns jāreģistrē 14 dienu laikā. Sīkāk pielikumā. Rīgas valstspilsētas pašvaldība",
        "attachments": attachments,
    });
    let sent = Command::new("curl")
        .args([
            "-sf",
            "-o",
            "/dev/null",
            "-X",
            "POST",
            "-H",
            "pietura-protocol: 1",
            "-H",
            "content-type: application/json",
        ])
        .arg("-H")
        .arg(&api_key)
        .arg("-d")
        .arg(letter.to_string())
        .arg(format!("{url}/v1/eaddress/mailboxes/_DEFAULT@90011524360/messages"))
        .status();
    if !sent.is_ok_and(|s| s.success()) {
        eprintln!("(the demo letter to JĀNIS BĒRZIŅŠ could not be sent; the mailboxes are there all the same)");
    }
    eprintln!("\nDemo server: {url} (database {}, API description {url}/openapi.json)", database.display());
    eprintln!("Demo {kind} {name:?} in {centre:?}, enrollment code {code}");
    eprintln!(
        "Virtual eID card of {given_name} {surname} ({personal_code}) in reader \"Virtual PCD 00 00\": PIN1 {DEMO_PIN1}, PIN2 {DEMO_PIN2}"
    );
    eprintln!(
        "Institution API key for Riga City Council (send as `Authorization: ApiKey <key>`): {}",
        key["api_key"].as_str().unwrap_or_default()
    );

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
    run_app(app, if kiosk { "pietura-kiosk" } else { "pietura-desk" }, kind, &demo, kind, exit_after)?;
    server_process.stop();
    Ok(())
}

/// The demo trainer: a training person's code (born 1 July 2018: a legacy-shaped code never
/// issued), who logs in with the training card the training server issues.
const DEMO_TRAINER: &str = "010718-20001";
const TRAINING_LISTEN: &str = "127.0.0.1:8471";

/// `cargo xtask demo --training`: a training server (its own database, card CA and simulated
/// institutions) with the demo catalogue, a training centre with its trainer, and a training
/// desk for the trainer to open a workshop from.
pub fn run_training_demo(root: &Path, exit_after: Option<u64>) -> Result<()> {
    let (bin, demo) = prepare(root, "demo-training")?;
    let database = demo.join("server.db");
    let config = demo.join("pietura.toml");
    // Its institutions answer a case within 20 seconds, so a trainee sees it happen.
    std::fs::write(
        &config,
        format!("environment = \"training\"\neid_origin = \"{DEMO_ORIGIN}\"\ntraining_answer_secs = 20\n"),
    )?;
    let server = operator(&bin, &database, TRAINING_LISTEN, Some(&config));
    let centre = "Mācību centrs";
    server(&["centre", "add", "--name", centre, "--municipality", "Rīga"])?;
    let mut import = vec!["catalogue".to_owned(), "import".to_owned()];
    import.push(root.join("server/demo/demo-catalogue.pietura.json").display().to_string());
    for form in std::fs::read_dir(root.join("server/demo/forms"))? {
        import.push(form?.path().display().to_string());
    }
    server(&import.iter().map(String::as_str).collect::<Vec<_>>())?;
    // Every institution of the catalogue with its mailbox: they send the workshop people's
    // letters and the decisions on the training cases.
    let catalogue: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("server/demo/demo-catalogue.pietura.json"))?)?;
    for organisation in catalogue["organisations"].as_array().context("the demo catalogue's organisations")? {
        let (Some(id), Some(name), Some(mailbox)) =
            (organisation["id"].as_str(), organisation["name"]["lv"].as_str(), organisation["e_address"].as_str())
        else {
            continue;
        };
        server(&["institution", "add", id, "--name", name])?;
        server(&["eaddress", "add", mailbox, "--name", name, "--institution", id])?;
    }
    server(&["eaddress", "add", "MAC@90011524360", "--name", centre, "--centre", centre])?;
    server(&["user", "grant", DEMO_TRAINER, "--role", "trainer", "--centre", centre])?;
    let added: serde_json::Value = serde_json::from_str(&server(&[
        "device",
        "add",
        "--centre",
        centre,
        "--kind",
        "desk",
        "--name",
        "Trenera galds",
        "--json",
    ])?)?;
    let code = added["enrollment_code"].as_str().context("no enrollment code")?.to_owned();

    let (mut server_process, url) = start_server(&bin, &config, &database, TRAINING_LISTEN, "training server")?;
    eprintln!("\nTraining server: {url} (database {}; it serves training people only)", database.display());
    eprintln!("Training desk \"Trenera galds\" in {centre:?}, enrollment code {code}");
    eprintln!(
        "The trainer logs in with a training card: type {DEMO_TRAINER} under \"Training card\" on the login screen, then PIN1 1234"
    );

    let mut app = Command::new("keyctl");
    app.args(["session", "-"])
        .arg(bin.join("pietura-desk"))
        .env("PIETURA_TRAINING", "1")
        .env("PIETURA_DESK_DATA_DIR", demo.join("desk"))
        .env("PIETURA_ENROLL_SERVER_URL", &url)
        .env("PIETURA_ENROLL_CODE", &code)
        .env("PIETURA_SYNC_INTERVAL_MS", "3000")
        .env("PIETURA_SYNC_BACKOFF_MAX_MS", "5000");
    run_app(app, "pietura-desk", "training desk", &demo, "training-desk", exit_after)?;
    server_process.stop();
    Ok(())
}

/// Uploads `pdf` to the demo server's attachment store and answers its description for a
/// message (name, size, SHA-256 from `sha256sum`).
fn demo_attachment(url: &str, api_key: &str, pdf: &Path) -> Result<serde_json::Value> {
    let size = std::fs::metadata(pdf).with_context(|| format!("{} is missing", pdf.display()))?.len();
    let summed = Command::new("sha256sum").arg(pdf).output().context("sha256sum could not run")?;
    let sha256 = String::from_utf8_lossy(&summed.stdout).split_whitespace().next().unwrap_or_default().to_owned();
    anyhow::ensure!(summed.status.success() && sha256.len() == 64, "sha256sum gave no digest");
    let uploaded = Command::new("curl")
        .args(["-sf", "-o", "/dev/null", "-X", "PUT", "-H", "pietura-protocol: 1", "-H", api_key, "--data-binary"])
        .arg(format!("@{}", pdf.display()))
        .arg(format!("{url}/v1/eaddress/attachments/{sha256}"))
        .status()
        .context("curl could not run")?;
    anyhow::ensure!(uploaded.success(), "the upload was refused ({uploaded})");
    Ok(serde_json::json!({ "name": "suņa-reģistrācija.pdf", "size": size, "sha256": sha256 }))
}

/// Fails, saying what to do, when something already listens on `address`.
/// The `what` server on `listen` over `database`, answering: a server left from an earlier demo
/// would answer in this one's place (the new one cannot listen), so the port must be free before
/// and ours the one answering after. Answers it (running while kept) and its URL.
fn start_server(bin: &Path, config: &Path, database: &Path, listen: &str, what: &str) -> Result<(Service, String)> {
    ensure_port_free(listen)?;
    let mut process = Service::spawn(
        "pietura-server",
        Command::new(bin.join("pietura-server"))
            .arg("--config")
            .arg(config)
            .arg("serve")
            .env("PIETURA_DATABASE_URL", database)
            .env("PIETURA_LISTEN", listen)
            .stdout(Stdio::piped()),
    )?;
    let url = format!("http://{listen}");
    wait_for_http(&format!("{url}/readyz"), Duration::from_secs(20))
        .with_context(|| format!("the {what} did not start; is {listen} taken?"))?;
    if !process.is_running() {
        bail!("the {what} stopped right after starting (its log is above); nothing was opened");
    }
    Ok((process, url))
}

fn ensure_port_free(address: &str) -> Result<()> {
    if std::net::TcpStream::connect_timeout(&address.parse()?, Duration::from_millis(300)).is_ok() {
        bail!(
            "something already listens on {address} (an earlier demo's server?): stop it first, \
             e.g. `pkill -f 'pietura-server.*serve'`, then run the demo again"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_taken_port_is_refused_with_what_to_do() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let refused = super::ensure_port_free(&address).unwrap_err().to_string();
        assert!(refused.contains("already listens") && refused.contains("pkill"), "{refused}");
        drop(listener);
        super::ensure_port_free(&address).unwrap();
    }
}
