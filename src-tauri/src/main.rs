// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() -> std::process::ExitCode {
    // Root's update unit and its check of an installed release; everything else opens the window.
    match std::env::args().nth(1).as_deref() {
        Some("--apply-update") => desk::apply_update(),
        Some("--self-check") => desk::self_check(),
        _ => {
            desk::run();
            std::process::ExitCode::SUCCESS
        }
    }
}
