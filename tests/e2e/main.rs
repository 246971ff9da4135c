//! End-to-end tests across processes: the real `pietura-server` binary and its CLI, the sync
//! engine against a server that goes away, and the real desk app driven through tauri-driver.

mod backup;
mod cases;
mod consent;
mod desk;
mod eaddress;
mod eforms;
mod engine;
mod fleet;
mod kiosk_window;
mod login;
mod outbox_faults;
mod printing;
mod schemathesis;
mod server_cli;
mod slow_clients;
mod training;
mod visit;
