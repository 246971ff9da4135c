//! `pietura-kiosk`: launches the kiosk app.

use std::{path::PathBuf, sync::Arc};

use anyhow::{Context, Result};
use clap::Parser;
use device::{
    engine::system_clock,
    session::{DeviceSession, policy_from_env},
};
use kiosk::{Action, KioskApp, apply_kiosk_style, config::KioskConfig, screens::EnrollAction};

#[derive(Parser)]
#[command(name = "pietura-kiosk", version, about = "Pietura citizen self-service kiosk")]
struct Cli {
    /// A TOML file with server_url, enrollment_code, data_dir and windowed.
    #[arg(long, env = "PIETURA_KIOSK_CONFIG")]
    config: Option<PathBuf>,
    /// Where the encrypted local store lives (overrides the config file).
    #[arg(long, env = "PIETURA_KIOSK_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Run in a window instead of full screen.
    #[arg(long)]
    windowed: bool,
    /// Make the master key that seals this kiosk's secrets, as a systemd credential in FILE
    /// (`systemd-creds encrypt`, as root: TPM-bound where there is a TPM), then exit. The unit
    /// passes it back with `LoadCredentialEncrypted=pietura-master-key:FILE`.
    #[arg(long, value_name = "FILE")]
    create_master_key_credential: Option<PathBuf>,
    /// As root, from the package's update unit: install the release the kiosk handed over in its
    /// updates folder, after checking its signature against the package's release key; roll back
    /// if the new version does not start.
    #[arg(long)]
    apply_update: bool,
}

/// Where the package puts the kiosk's release and release key (see `device::update`).
const RELEASE_DIR: &str = "/usr/share/pietura/pietura-kiosk";

fn default_data_dir() -> PathBuf {
    std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."))
        .join("pietura-kiosk")
}

fn main() -> Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PIETURA_LOG").unwrap_or_else(|_| "info".into());
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    let cli = Cli::parse();
    if let Some(file) = &cli.create_master_key_credential {
        device::offline::create_master_key_credential(file)
            .with_context(|| format!("the credential {} could not be made", file.display()))?;
        eprintln!("master key credential written to {}", file.display());
        return Ok(());
    }
    let config = match &cli.config {
        Some(path) => KioskConfig::load(path)?,
        None => KioskConfig::default(),
    };
    let data_dir = cli.data_dir.or(config.data_dir.clone()).unwrap_or_else(default_data_dir);
    if cli.apply_update {
        let seconds =
            |name: &str, default: u64| std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default);
        let installation = device::update::install::Installation {
            package: "pietura-kiosk".into(),
            unit: "pietura-kiosk.service".into(),
            updates: data_dir.join("updates"),
            work: std::env::var_os("STATE_DIRECTORY")
                .map_or_else(|| PathBuf::from("/var/lib/pietura-kiosk-update"), PathBuf::from),
            key: PathBuf::from(RELEASE_DIR).join("release-key.pub"),
            health: device::update::install::Health::Started {
                within: std::time::Duration::from_secs(seconds("PIETURA_UPDATE_START_SECS", 90)),
            },
        };
        let outcome = device::update::install::install_ready(&installation)?;
        eprintln!("{outcome:?}");
        return Ok(());
    }
    // A training kiosk (workshops): a folder and keyring entries of its own, training servers only.
    let training = std::env::var("PIETURA_TRAINING").is_ok_and(|v| v.trim() == "1");
    let (data_dir, app) =
        if training { (data_dir.join("training"), "pietura-kiosk-training") } else { (data_dir, "pietura-kiosk") };
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let session = {
        let _entered = runtime.enter();
        if training {
            // A workshop's customers "insert" the training card of the code on their handout.
            let readers = Arc::new(device::login::TrainingReaders::new());
            DeviceSession::open_with_cards(&data_dir, app, policy_from_env(), system_clock(), readers.clone())
                .map(|session| session.for_training().with_training_cards(readers))
        } else {
            DeviceSession::open(&data_dir, app, policy_from_env(), system_clock())
        }
        .map(Arc::new)
    };
    if let (Ok(session), Some(printer)) = (&session, &config.printer) {
        if printer.as_os_str() == "none" {
            session.set_no_printer();
        } else {
            session.set_printer_command(printer.clone());
        }
    }
    if let Ok(session) = &session {
        session.note_started();
    }
    let mut app = KioskApp::new(session, runtime.handle().clone(), system_clock());
    if let Some(seconds) = std::env::var("PIETURA_KIOSK_UPDATE_QUIET_SECS").ok().and_then(|v| v.parse().ok()) {
        app.set_quiet_for_update_secs(seconds);
    }
    if app.enrollment().is_none()
        && let (Some(url), Some(code)) = (&config.server_url, &config.enrollment_code)
    {
        app.prefill_enrollment(url, code);
        app.request(Action::Enroll(EnrollAction::Submit { server_url: url.clone(), code: code.clone() }));
    }
    let windowed = cli.windowed || config.windowed;
    let viewport = egui::ViewportBuilder::default()
        .with_title("Pietura")
        .with_inner_size([1280.0, 800.0])
        .with_fullscreen(!windowed);
    let options = eframe::NativeOptions { viewport, ..Default::default() };
    eframe::run_native(
        "Pietura kiosk",
        options,
        Box::new(move |cc| {
            apply_kiosk_style(&cc.egui_ctx, kiosk::Display::default());
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| anyhow::anyhow!("the kiosk window could not open: {e}"))
    .context("is a display available? Under Xvfb set DISPLAY")?;
    drop(runtime);
    Ok(())
}
