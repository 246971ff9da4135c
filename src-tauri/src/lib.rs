//! The desk app's Tauri shell: thin command adapters over the `sync` and `offline-store` crates.

mod commands;
mod links;
mod state;

use std::path::PathBuf;

use tauri::{Manager, Runtime};

pub use commands::CommandError;
pub use state::DeskState;

/// Registers state and commands; shared by [`run`] and the command tests (`mock_builder`).
/// The data folder is `PIETURA_DESK_DATA_DIR`, or the platform's app data folder.
pub fn run_app<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    run_app_in(builder, std::env::var_os("PIETURA_DESK_DATA_DIR").map(PathBuf::from))
}

/// [`run_app`] with the data folder given (tests pass a temporary one).
pub fn run_app_in<R: Runtime>(builder: tauri::Builder<R>, data_dir: Option<PathBuf>) -> tauri::Builder<R> {
    let builder = builder
        .plugin(links::keep_window_on_app())
        .plugin(tauri_plugin_dialog::init())
        .plugin(
            tauri_plugin_window_state::Builder::new()
                .with_state_flags(
                    tauri_plugin_window_state::StateFlags::SIZE
                        | tauri_plugin_window_state::StateFlags::POSITION
                        | tauri_plugin_window_state::StateFlags::MAXIMIZED,
                )
                .build(),
        )
        .on_window_event(ask_before_closing_mid_visit)
        .invoke_handler(tauri::generate_handler![
            commands::app::app_state,
            commands::app::open_link,
            commands::app::open_saved_copy,
            commands::app::save_copy_as,
            commands::app::ui_log,
            commands::app::first_screen_shown,
            commands::training::training_scenarios,
            commands::training::workshops,
            commands::training::open_workshop,
            commands::training::workshop,
            commands::training::reset_workshop,
            commands::training::workshop_handouts,
            commands::training::workshop_record,
            commands::training::insert_training_card,
            commands::training::remove_training_card,
            commands::app::set_language,
            commands::enrollment::enroll,
            commands::sync::sync_status,
            commands::sync::retry_sync,
            commands::sync::outbox_problems,
            commands::catalogue::search_catalogue,
            commands::catalogue::service_page,
            commands::catalogue::article_page,
            commands::catalogue::browse_catalogue,
            commands::catalogue::services_of,
            commands::catalogue::life_plan,
            commands::catalogue::save_life_plan,
            commands::catalogue::flag_article,
            commands::login::login_status,
            commands::login::log_in,
            commands::login::log_out,
            commands::cases::register_case,
            commands::cases::change_case_status,
            commands::cases::case_page,
            commands::cases::find_cases,
            commands::cases::add_case_note,
            commands::cases::mark_case_seen,
            commands::cases::add_case_document,
            commands::cases::case_document_preview,
            commands::cases::export_case_document,
            commands::cases::cases_with_news,
            commands::mail::eaddress_directory,
            commands::mail::compose_message,
            commands::mail::queued_messages,
            commands::mail::mailboxes,
            commands::mail::mailbox_folder,
            commands::mail::open_message,
            commands::mail::ask_consent,
            commands::mail::sign_consent,
            commands::mail::consent_status,
            commands::mail::consent_inbox,
            commands::mail::open_customer_message,
            commands::mail::export_customer_attachment,
            commands::mail::end_consent,
            commands::mail::send_for_customer,
            commands::mail::consent_accesses,
            commands::mail::mailbox_accesses,
            commands::admin::centre_dashboard,
            commands::admin::centre_staff,
            commands::admin::centre_devices,
            commands::admin::grant_role,
            commands::admin::revoke_role,
            commands::admin::add_centre_device,
            commands::admin::revoke_centre_device,
            commands::admin::renew_device_code,
            commands::admin::save_centre_figures,
            commands::app::print_held,
            commands::app::drop_held_print,
            commands::app::close_desk,
            commands::cases::read_customer_card,
            commands::cases::start_visit,
            commands::cases::current_visit,
            commands::forms::service_forms,
            commands::forms::start_form,
            commands::forms::form_draft,
            commands::forms::save_form_draft,
            commands::forms::form_drafts,
            commands::forms::discard_form_draft,
            commands::forms::application_preview,
            commands::forms::submit_form,
            commands::cases::customer_signer,
            commands::forms::reopen_refused_submission,
            commands::forms::attach_form_file,
            commands::forms::attach_case_document_to_form,
            commands::forms::remove_form_file,
            commands::cases::end_visit,
            commands::cases::print_case_receipt,
            commands::cases::print_visit_receipt,
            commands::cases::check_customer_code,
        ]);
    // A plugin's set-up runs while the app is built (the app's own `setup` only once its event
    // loop starts, which the command tests' mock runtime never does).
    builder.plugin(
        tauri::plugin::Builder::<R, ()>::new("desk-state")
            .setup(move |app, _| {
                // The platform's folder is known only once the app exists.
                let dir = match data_dir {
                    Some(dir) => dir,
                    None => app.path().app_data_dir()?,
                };
                app.manage(open_state(&dir));
                push_sync_status(app);
                Ok(())
            })
            .build(),
    )
}

/// The event that carries the sync state to the UI.
pub const SYNC_STATUS_EVENT: &str = "sync-status";

/// Sends the sync state to the UI whenever it changes (connection, outbox, items' revision,
/// catalogue progress): every view reads one state pushed from one place instead of each
/// asking on its own schedule. A burst (a first catalogue sync publishes every page) is sent at
/// most every [`STATUS_EVENT_GAP`], the latest state last.
fn push_sync_status<R: Runtime>(app: &tauri::AppHandle<R>) {
    use tauri::Emitter;
    let Ok(session) = app.state::<DeskState>().session().cloned() else { return };
    let mut changes = session.subscribe();
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        while changes.changed().await.is_ok() {
            let status = changes.borrow_and_update().clone();
            if let Err(error) = app.emit(SYNC_STATUS_EVENT, status) {
                tracing::warn!(%error, "the sync state could not be sent to the UI");
            }
            tokio::time::sleep(STATUS_EVENT_GAP).await;
        }
    });
}

/// The shortest time between two sync-state events.
const STATUS_EVENT_GAP: std::time::Duration = std::time::Duration::from_millis(200);

/// Opens the device session and starts syncing in the background if the desk is enrolled.
///
/// Unattended set-up (`cargo xtask demo`, deployment scripts): with `PIETURA_ENROLL_SERVER_URL`
/// and `PIETURA_ENROLL_CODE` set, a desk that is not enrolled yet enrolls before its window opens.
fn open_state(data_dir: &std::path::Path) -> DeskState {
    let state = DeskState::open(data_dir);
    if let Ok(session) = state.session() {
        let session = session.clone();
        if let (Ok(url), Ok(code)) = (std::env::var("PIETURA_ENROLL_SERVER_URL"), std::env::var("PIETURA_ENROLL_CODE"))
            && matches!(session.enrollment(), Ok(None))
            && let Err(error) = tauri::async_runtime::block_on(session.enroll(&url, &code))
        {
            tracing::error!(%error, "unattended enrollment failed; the first-run screen is shown instead");
        }
        tauri::async_runtime::spawn(async move {
            if let Err(error) = session.start_sync().await {
                tracing::error!(%error, "sync could not start");
            }
        });
    }
    state
}

/// Root's hand-over folder for desk updates (made by the package: everyone may write, sticky),
/// watched by `pietura-desk-update.path`.
pub const UPDATE_SPOOL: &str = "/var/lib/pietura-desk-update/incoming";

/// `pietura-desk --self-check`: the program starts (every library it links loaded) and prints
/// its release; what root's update unit runs after installing one.
pub fn self_check() -> std::process::ExitCode {
    println!("{}", device::update::running_version());
    std::process::ExitCode::SUCCESS
}

/// `pietura-desk --apply-update`, as root from `pietura-desk-update.service`: installs the release
/// a desk handed over (signature checked again, rolled back if the new program fails its
/// self-check).
pub fn apply_update() -> std::process::ExitCode {
    tracing_subscriber::fmt().with_writer(std::io::stderr).init();
    let installation = device::update::install::Installation {
        package: "pietura-desk".into(),
        unit: String::new(),
        updates: UPDATE_SPOOL.into(),
        work: std::env::var_os("STATE_DIRECTORY")
            .map_or_else(|| PathBuf::from("/var/lib/pietura-desk-update/work"), PathBuf::from),
        key: PathBuf::from("/usr/share/pietura/pietura-desk/release-key.pub"),
        health: device::update::install::Health::SelfCheck { program: PathBuf::from("/usr/bin/pietura-desk") },
    };
    match device::update::install::install_ready(&installation) {
        Ok(outcome) => {
            eprintln!("{outcome:?}");
            std::process::ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("the update could not be handled: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// How many days of log files the desk keeps.
pub const LOG_DAYS_KEPT: usize = 14;

/// Where the desk writes its log files for support: `PIETURA_LOG_DIR`, else the user's state
/// folder (`$XDG_STATE_HOME/pietura/desk`, `~/.local/state/pietura/desk`; on Windows
/// `%LOCALAPPDATA%\Pietura\logs`).
pub fn log_dir() -> Option<std::path::PathBuf> {
    use std::path::PathBuf;
    if let Some(dir) = std::env::var_os("PIETURA_LOG_DIR") {
        return Some(PathBuf::from(dir));
    }
    if cfg!(windows) {
        return std::env::var_os("LOCALAPPDATA").map(|d| PathBuf::from(d).join("Pietura").join("logs"));
    }
    std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".local").join("state")))
        .map(|state| state.join("pietura").join("desk"))
}

/// Daily files `desk.YYYY-MM-DD.log` in `dir`, the oldest beyond [`LOG_DAYS_KEPT`] removed.
pub fn log_files(dir: &std::path::Path) -> Result<tracing_appender::rolling::RollingFileAppender, String> {
    tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("desk")
        .filename_suffix("log")
        .max_log_files(LOG_DAYS_KEPT)
        .build(dir)
        .map_err(|error| format!("{}: {error}", dir.display()))
}

/// When the desk's process began its work, for the start time it logs.
static STARTED: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

/// Starts the desk app.
pub fn run() {
    STARTED.get_or_init(std::time::Instant::now);
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let filter = tracing_subscriber::EnvFilter::try_from_env("PIETURA_LOG").unwrap_or_else(|_| "info".into());
    // The same lines to standard error (a terminal, the journal) and to files support can read.
    let files = log_dir()
        .and_then(|dir| log_files(&dir).map_err(|error| eprintln!("Pietura writes no log files: {error}")).ok());
    tracing_subscriber::registry()
        .with(filter)
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
        .with(files.map(|files| tracing_subscriber::fmt::layer().with_ansi(false).with_writer(files)))
        .init();
    run_app(tauri::Builder::default())
        .setup(|app| {
            if let Some(window) = app.get_webview_window("main") {
                window.with_webview(trim_web_view)?;
            }
            Ok(())
        })
        .run(tauri::generate_context!())
        .unwrap_or_else(|error| {
            eprintln!("Pietura could not start: {error}");
            std::process::exit(1);
        });
}

/// The web view set for a forms app: drawn without the GPU, no WebGL or Web Audio (never used:
/// less to attack), no back/forward page cache (one page that never navigates), and a document
/// viewer's small memory caches (every resource is local). Drawing without the GPU takes the idle
/// desk from 316 to 248 MiB (README's performance table) on centre PCs that run other state
/// systems beside it, and spares the desk the GPU drivers' known troubles with WebKitGTK (a blank
/// window); a page of forms and lists needs no GPU. `PIETURA_DESK_GPU=1` gives WebKit's own
/// choice back, should a PC draw too slowly without it.
#[cfg(target_os = "linux")]
fn trim_web_view(webview: tauri::webview::PlatformWebview) {
    use webkit2gtk::{SettingsExt, WebContextExt, WebViewExt};
    let view = webview.inner();
    if let Some(settings) = WebViewExt::settings(&view) {
        settings.set_enable_webgl(false);
        settings.set_enable_webaudio(false);
        settings.set_enable_page_cache(false);
        if std::env::var("PIETURA_DESK_GPU").is_ok_and(|v| v.trim() == "1") {
            tracing::info!("the web view may draw with the GPU (PIETURA_DESK_GPU=1)");
        } else {
            settings.set_hardware_acceleration_policy(webkit2gtk::HardwareAccelerationPolicy::Never);
        }
    }
    if let Some(context) = view.context() {
        context.set_cache_model(webkit2gtk::CacheModel::DocumentViewer);
    }
}

#[cfg(not(target_os = "linux"))]
fn trim_web_view(_: tauri::webview::PlatformWebview) {}

/// Closing the window while a customer is being served would lose the visit (it lives in memory
/// only, with its "what was done for you" receipt): the window stays and the UI asks the clerk
/// first (`close-requested`); their "close anyway" goes through `close_desk`.
fn ask_before_closing_mid_visit<R: Runtime>(window: &tauri::Window<R>, event: &tauri::WindowEvent) {
    use tauri::Emitter;
    let tauri::WindowEvent::CloseRequested { api, .. } = event else { return };
    let state = window.state::<DeskState>();
    if state.closing() {
        return;
    }
    let mid_visit = state.session().is_ok_and(|session| session.visit().is_some());
    if mid_visit {
        api.prevent_close();
        if let Err(error) = window.emit("close-requested", ()) {
            tracing::warn!(%error, "the UI could not be asked about closing");
        }
    }
}
