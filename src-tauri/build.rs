fn main() {
    // Every command the web view may call is listed here; capabilities grant them per window.
    let commands = &["app_state", "enroll", "sync_status", "set_language", "retry_sync"];
    tauri_build::try_build(
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(commands)),
    )
    .expect("tauri build configuration failed");
}
