//! The desk app's Tauri shell: thin command adapters over the `sync` and `offline-store` crates.

mod commands;
mod state;

use tauri::{Manager, Runtime};

pub use commands::CommandError;
pub use state::DeskState;

/// Registers state and commands; shared by [`run`] and the command tests (`mock_builder`).
pub fn run_app<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder
        .invoke_handler(tauri::generate_handler![
            commands::app::app_state,
            commands::app::set_language,
            commands::enrollment::enroll,
            commands::sync::sync_status,
            commands::sync::retry_sync,
        ])
        .setup(|app| {
            let state = DeskState::open(&state::data_dir(app.handle())?);
            if let Ok(session) = state.session() {
                let session = session.clone();
                tauri::async_runtime::spawn(async move {
                    if let Err(error) = session.start_sync().await {
                        tracing::error!(%error, "sync could not start");
                    }
                });
            }
            app.manage(state);
            Ok(())
        })
}

/// Starts the desk app.
pub fn run() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PIETURA_LOG").unwrap_or_else(|_| "info".into());
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    run_app(tauri::Builder::default())
        .run(tauri::generate_context!())
        .unwrap_or_else(|error| {
            eprintln!("Pietura could not start: {error}");
            std::process::exit(1);
        });
}
