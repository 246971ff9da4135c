//! The operator's view of `pietura-server`: commands, bad input, start and stop.

use std::{process::Command, time::Duration};

use tests::{
    bin_dir, free_port,
    processes::{ServerProcess, server_cli, server_command},
};

fn fails_with(command: &mut Command, expected: &str) {
    let output = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "expected failure, got success: {stderr}");
    assert!(stderr.contains(expected), "stderr should mention {expected:?}: {stderr}");
}

#[test]
fn operators_add_centres_and_devices_and_bad_input_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.db");
    let bin = bin_dir();

    let config = server_cli(&bin, &db, &["default-config"]).unwrap();
    assert!(config.contains("database_url"));
    assert!(server_cli(&bin, &db, &["migrate"]).unwrap().contains("version 1"));

    fails_with(
        server_command(&bin, &db, 0).args(["device", "add", "--centre", "Nav", "--kind", "desk", "--name", "G"]),
        "centre add",
    );
    fails_with(
        server_command(&bin, &db, 0).args(["device", "add", "--centre", "Nav", "--kind", "tablet", "--name", "G"]),
        "desk",
    );
    fails_with(server_command(&bin, &db, 0).args(["centre", "add", "--name", " ", "--municipality", "Rīga"]), "name");
    fails_with(server_command(&bin, &db, 0).args(["device", "revoke", "not-a-uuid"]), "invalid");
    fails_with(
        server_command(&bin, &db, 0).args(["device", "revoke", "0190b2d8-0000-7000-8000-000000000000"]),
        "not found",
    );
    fails_with(server_command(&bin, &db, 0).env("PIETURA_DATABASE_URL", "mysql://x/y").arg("migrate"), "database_url");
    fails_with(server_command(&bin, &db, 0).env("PIETURA_LISTEN", "nowhere").arg("migrate"), "listen");
    fails_with(server_command(&bin, &db, 0).args(["--config", "/nonexistent.toml", "migrate"]), "does not exist");
    let not_a_db = dir.path().join("not-a-db");
    std::fs::write(&not_a_db, b"hello, this is not SQLite at all, just some text....").unwrap();
    fails_with(server_command(&bin, &not_a_db, 0).arg("migrate"), "not a Pietura SQLite database");
    assert_eq!(std::fs::read(&not_a_db).unwrap(), b"hello, this is not SQLite at all, just some text....");
    assert_eq!(server_cli(&bin, &db, &["device", "list"]).unwrap(), "", "failed commands must add nothing");

    server_cli(&bin, &db, &["centre", "add", "--name", "Rīgas VPVKAC", "--municipality", "Rīga"]).unwrap();
    fails_with(
        server_command(&bin, &db, 0).args(["centre", "add", "--name", "Rīgas VPVKAC", "--municipality", "Rīga"]),
        "already exists",
    );
    let added =
        server_cli(&bin, &db, &["device", "add", "--centre", "Rīgas VPVKAC", "--kind", "kiosk", "--name", "Kiosks 1"])
            .unwrap();
    assert!(added.contains("Enrollment code: "), "{added}");
    let json: serde_json::Value = serde_json::from_str(
        &server_cli(
            &bin,
            &db,
            &["device", "add", "--centre", "Rīgas VPVKAC", "--kind", "desk", "--name", "Galds 1", "--json"],
        )
        .unwrap(),
    )
    .unwrap();
    let code = json["enrollment_code"].as_str().unwrap();
    assert_eq!(code.len(), 9, "XXXX-XXXX: {code}");
    let list = server_cli(&bin, &db, &["device", "list"]).unwrap();
    assert_eq!(list.lines().count(), 2);
    assert!(list.contains("waiting for enrollment"));
    let id = json["device_id"].as_str().unwrap();
    let renewed: serde_json::Value =
        serde_json::from_str(&server_cli(&bin, &db, &["device", "code", id, "--json"]).unwrap()).unwrap();
    assert_ne!(renewed["enrollment_code"], json["enrollment_code"], "a new code replaces the old one");
    assert!(server_cli(&bin, &db, &["device", "revoke", id]).unwrap().contains("revoked"));
    fails_with(server_command(&bin, &db, 0).args(["device", "code", id]), "revoked");
    assert!(server_cli(&bin, &db, &["device", "list"]).unwrap().contains("revoked"));
}

#[test]
fn the_server_starts_serves_and_stops_promptly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut server = ServerProcess::start(&bin_dir(), &dir.path().join("server.db"), port).unwrap();
    assert_eq!(server.url, format!("http://127.0.0.1:{port}"));
    let body = std::process::Command::new("curl").args(["-sf", &format!("{}/readyz", server.url)]).output();
    if let Ok(output) = body {
        assert_eq!(String::from_utf8_lossy(&output.stdout), "ready");
    }
    let took = server.stop();
    assert!(took < Duration::from_secs(5), "SIGTERM shutdown took {took:?}");
    // A second server on the same port refuses clearly while the port is taken.
    let blocker = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
    let output = server_command(&bin_dir(), &dir.path().join("server.db"), port).arg("serve").output().unwrap();
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot listen"));
    drop(blocker);
}
