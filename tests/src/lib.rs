//! Helpers for the end-to-end tests: real processes on free ports, and a small WebDriver client.

pub mod processes;
pub mod webdriver;

use std::path::PathBuf;

/// The folder with the workspace's built binaries (`target/debug`), found from the test binary
/// (`target/debug/deps/e2e-…`).
pub fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary knows its path");
    exe.parent().and_then(|deps| deps.parent()).expect("test binaries live in target/<profile>/deps").to_owned()
}

/// `target/e2e`, where screenshots go.
pub fn artefact_dir() -> PathBuf {
    let dir = bin_dir().parent().expect("target/<profile> has a parent").join("e2e");
    std::fs::create_dir_all(&dir).expect("target/e2e can be created");
    dir
}

/// A TCP port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}
