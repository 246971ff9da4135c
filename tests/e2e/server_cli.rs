//! The operator's view of `pietura-server`: commands, bad input, start and stop.

use std::{process::Command, time::Duration};

use sha2::Digest;

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
    assert!(server_cli(&bin, &db, &["migrate"]).unwrap().contains("version 21"));

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

#[test]
fn catalogue_imports_are_all_or_nothing_and_exports_import_again() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.db");
    let bin = bin_dir();
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/demo/demo-catalogue.pietura.json");
    let cpsv = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/tests/data/cpsv-ap");
    let path = |p: &std::path::Path| p.to_str().unwrap().to_owned();
    let exported_services = |db: &std::path::Path| -> usize {
        let out = server_cli(&bin, db, &["catalogue", "export", "--format", "pietura"]).unwrap();
        serde_json::from_str::<serde_json::Value>(&out).unwrap()["services"].as_array().unwrap().len()
    };

    // A Turtle file with a syntax error: named with the place and the problem; nothing written,
    // not even the good file given with it.
    let broken = dir.path().join("broken.ttl");
    std::fs::write(&broken, "@prefix ex: <http://example.com/> .\nex:a ex:b \"unterminated .\n").unwrap();
    fails_with(
        server_command(&bin, &db, 0).args(["catalogue", "import", &path(&demo), &path(&broken)]),
        "broken.ttl: the file is not valid Turtle",
    );
    // A record that breaks the rules: its id and field are named.
    let mut invalid: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&demo).unwrap()).unwrap();
    invalid["services"][3]["costs"][0]["currency"] = serde_json::Value::Null;
    let invalid_path = dir.path().join("invalid.pietura.json");
    std::fs::write(&invalid_path, invalid.to_string()).unwrap();
    fails_with(
        server_command(&bin, &db, 0).args(["catalogue", "import", &path(&invalid_path)]),
        "costs[0].currency: a cost with a value needs a three-letter currency code",
    );
    fails_with(server_command(&bin, &db, 0).args(["catalogue", "import", "/nonexistent.ttl"]), "/nonexistent.ttl");
    assert_eq!(exported_services(&db), 0, "nothing was imported");

    // The CPSV-AP example files import; what has no place in the model is listed.
    let imported = server_cli(
        &bin,
        &db,
        &[
            "catalogue",
            "import",
            &path(&cpsv.join("semic-3.2.0_example-rdf_public_service.ttl")),
            &path(&cpsv.join("c4c_Trento_trento.jsonld")),
            &path(&demo),
        ],
    )
    .unwrap();
    assert!(
        imported.contains(
            "no place in the catalogue model: http://data.europa.eu/m8g/hasInputType ×1 (e.g. on <http://example.com/publicService1>): kept as it came and exported again"
        ),
        "{imported}"
    );
    assert!(imported.contains("imported 64 services"), "{imported}");
    let again = server_cli(&bin, &db, &["catalogue", "import", &path(&demo)]).unwrap();
    assert!(
        again.contains("imported 0 services, 0 organisations, 0 articles, 0 forms, 0 scenarios; 98 already up to date"),
        "{again}"
    );
    // An e-form is a file of its own; publishing it again changes nothing; a broken one is
    // refused naming the file and where the problem is, and nothing of that import is written.
    let form = demo.parent().unwrap().join("forms/tree-felling.form.json");
    let published = server_cli(&bin, &db, &["catalogue", "import", &path(&form)]).unwrap();
    assert!(published.contains("0 articles, 1 forms, 0 scenarios; 0 already up to date"), "{published}");
    let again = server_cli(&bin, &db, &["catalogue", "import", &path(&form)]).unwrap();
    assert!(again.contains("0 forms, 0 scenarios; 1 already up to date"), "{again}");
    let mut broken: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&form).unwrap()).unwrap();
    broken["id"] = "https://pietura.lv/id/form/broken".into();
    broken["prefill"][0]["field"] = "nobody".into();
    let broken_path = dir.path().join("broken.form.json");
    std::fs::write(&broken_path, broken.to_string()).unwrap();
    let refused =
        server_cli(&bin, &db, &["catalogue", "import", &path(&broken_path), &path(&demo)]).unwrap_err().to_string();
    assert!(refused.contains("form https://pietura.lv/id/form/broken: /prefill/0/field"), "{refused}");

    // Export as Turtle, import into an empty server: the same services come back.
    let exported = dir.path().join("export.ttl");
    server_cli(&bin, &db, &["catalogue", "export", "--format", "turtle", "--output", &path(&exported)]).unwrap();
    let fresh = dir.path().join("fresh.db");
    server_cli(&bin, &fresh, &["catalogue", "import", &path(&exported)]).unwrap();
    assert_eq!(exported_services(&fresh), 64);
    let original: serde_json::Value =
        serde_json::from_str(&server_cli(&bin, &db, &["catalogue", "export", "--format", "pietura"]).unwrap()).unwrap();
    let copy: serde_json::Value =
        serde_json::from_str(&server_cli(&bin, &fresh, &["catalogue", "export", "--format", "pietura"]).unwrap())
            .unwrap();
    let without_versions = |v: &serde_json::Value| {
        let mut services = v["services"].as_array().unwrap().clone();
        for s in &mut services {
            s.as_object_mut().unwrap().remove("version");
        }
        services
    };
    assert_eq!(without_versions(&copy), without_versions(&original));

    // Institutions and their keys.
    server_cli(&bin, &db, &["institution", "add", "https://pietura.lv/id/org/vid", "--name", "VID"]).unwrap();
    fails_with(server_command(&bin, &db, 0).args(["institution", "add", "not an iri", "--name", "X"]), "IRI");
    let key: serde_json::Value = serde_json::from_str(
        &server_cli(&bin, &db, &["institution", "key", "https://pietura.lv/id/org/vid", "--json"]).unwrap(),
    )
    .unwrap();
    assert!(key["api_key"].as_str().unwrap().len() > 40);
    fails_with(
        server_command(&bin, &db, 0).args(["institution", "key", "https://pietura.lv/id/org/none"]),
        "not found",
    );
    assert!(server_cli(&bin, &db, &["institution", "list"]).unwrap().contains("VID"));
    // The code its own channels' case numbers start with.
    let said = server_cli(&bin, &db, &["institution", "case-code", "https://pietura.lv/id/org/vid", "VID"]).unwrap();
    assert!(said.contains("start with VID"), "{said}");
    fails_with(
        server_command(&bin, &db, 0).args(["institution", "case-code", "https://pietura.lv/id/org/vid", "vid!"]),
        "capital letters",
    );
    fails_with(
        server_command(&bin, &db, 0).args(["institution", "case-code", "https://pietura.lv/id/org/none", "NON"]),
        "not found",
    );
}

#[test]
fn eid_verify_prints_the_identity_or_why_the_token_fails() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.db");
    let bin = bin_dir();
    let vectors_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../eid/tests/data/web-eid");
    let vectors: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(vectors_dir.join("vectors.json")).unwrap()).unwrap();
    let case = vectors.as_array().unwrap().iter().find(|c| c["name"] == "valid_es384_esteid2018").unwrap();
    let token = dir.path().join("token.json");
    std::fs::write(&token, case["token_string"].as_str().unwrap()).unwrap();
    let anchor = vectors_dir.join("TEST_of_ESTEID2018.pem");
    let verify = |nonce: &str| {
        server_command(&bin, &db, 0)
            .args(["eid", "verify", "--token"])
            .arg(&token)
            .args(["--nonce", nonce, "--origin", "https://ria.ee", "--trust-anchor"])
            .arg(&anchor)
            .args(["--at", "2021-08-01T00:00:00Z"])
            .output()
            .unwrap()
    };
    let good = verify(case["nonce"].as_str().unwrap());
    assert!(good.status.success(), "{}", String::from_utf8_lossy(&good.stderr));
    let report: serde_json::Value = serde_json::from_slice(&good.stdout).unwrap();
    assert_eq!(report["valid"], true);
    assert_eq!(report["personal_code"], "38001085718");
    assert_eq!(report["given_name"], "JAAK-KRISTJAN");
    assert_eq!(report["algorithm"], "ES384");

    let bad = verify("12345678123456781234567812345678912356789124");
    assert_eq!(bad.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&bad.stdout).unwrap();
    assert_eq!(report["valid"], false);
    assert_eq!(report["code"], "signature_invalid");
    assert_eq!(report["web_eid_error"], "AuthTokenSignatureValidationException");

    fails_with(
        server_command(&bin, &db, 0).args(["eid", "verify", "--token"]).arg(&token).args([
            "--nonce",
            "n",
            "--origin",
            "https://ria.ee",
            "--trust-anchor",
            "/nonexistent.pem",
        ]),
        "/nonexistent.pem",
    );
    fails_with(
        server_command(&bin, &db, 0)
            .args(["eid", "verify", "--token"])
            .arg(&token)
            .args(["--nonce", "n", "--origin", "https://ria.ee/login", "--trust-anchor"])
            .arg(&anchor),
        "origin",
    );
}

#[test]
fn operators_grant_and_revoke_roles_and_bad_codes_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.db");
    let bin = bin_dir();
    server_cli(&bin, &db, &["centre", "add", "--name", "Rīgas VPVKAC", "--municipality", "Rīga"]).unwrap();
    let granted =
        server_cli(&bin, &db, &["user", "grant", "16117519997", "--role", "clerk", "--centre", "Rīgas VPVKAC"])
            .unwrap();
    assert!(granted.contains("161175-19997 is now clerk at Rīgas VPVKAC"), "{granted}");
    // A training person gets no role at the real service; a training server takes them only.
    let trainee = domain::training::training_code(3, 4).to_string();
    let grant_trainee = ["user", "grant", trainee.as_str(), "--role", "clerk", "--centre", "Rīgas VPVKAC"];
    fails_with(server_command(&bin, &db, 0).args(grant_trainee), "training person");
    let sandbox = dir.path().join("training.db");
    let training = |args: &[&str]| {
        let mut command = server_command(&bin, &sandbox, 0);
        command.env("PIETURA_ENVIRONMENT", "training").args(args);
        command
    };
    assert!(
        training(&["centre", "add", "--name", "Rīgas VPVKAC", "--municipality", "Rīga"]).status().unwrap().success()
    );
    assert!(training(&grant_trainee).status().unwrap().success(), "a training server grants it");
    fails_with(
        &mut training(&["user", "grant", "290156-11605", "--role", "clerk", "--centre", "Rīgas VPVKAC"]),
        "not a training person",
    );
    fails_with(
        server_command(&bin, &db, 0).args([
            "user",
            "grant",
            "161175-19996",
            "--role",
            "clerk",
            "--centre",
            "Rīgas VPVKAC",
        ]),
        "typing mistake",
    );
    fails_with(
        server_command(&bin, &db, 0).args([
            "user",
            "grant",
            "161175-19997",
            "--role",
            "boss",
            "--centre",
            "Rīgas VPVKAC",
        ]),
        "clerk, librarian",
    );
    fails_with(
        server_command(&bin, &db, 0).args(["user", "grant", "161175-19997", "--role", "admin", "--centre", "Nav"]),
        "centre add",
    );
    let list = server_cli(&bin, &db, &["user", "list"]).unwrap();
    assert_eq!(list.lines().count(), 1, "{list}");
    assert!(list.starts_with("161175-19997\tclerk\tRīgas VPVKAC"), "{list}");
    let revoked =
        server_cli(&bin, &db, &["user", "revoke", "161175-19997", "--role", "clerk", "--centre", "Rīgas VPVKAC"])
            .unwrap();
    assert!(revoked.contains("no longer clerk"), "{revoked}");
    assert_eq!(server_cli(&bin, &db, &["user", "list"]).unwrap(), "");
}

#[test]
fn the_demo_case_history_shows_in_the_open_data_without_personal_data() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.db");
    let bin = bin_dir();
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/demo/demo-catalogue.pietura.json");
    server_cli(&bin, &db, &["centre", "add", "--name", "Rīgas Centra VPVKAC", "--municipality", "Rīga"]).unwrap();
    server_cli(&bin, &db, &["catalogue", "import", demo.to_str().unwrap()]).unwrap();
    let added = server_cli(&bin, &db, &["stats", "demo", "--centre", "Rīgas Centra VPVKAC"]).unwrap();
    assert!(added.starts_with("1200 demo cases added"), "{added}");
    // The history belongs to a desk of its own; a second run with the same desk name is refused
    // (names are unique in a centre), so nothing is counted twice.
    let mut again = server_command(&bin, &db, 0);
    again.args(["stats", "demo", "--centre", "Rīgas Centra VPVKAC"]);
    fails_with(&mut again, "Demo vēsture");

    let json: serde_json::Value =
        serde_json::from_str(&server_cli(&bin, &db, &["stats", "export", "--format", "json"]).unwrap()).unwrap();
    let csv = server_cli(&bin, &db, &["stats", "export"]).unwrap();
    let rows = json["rows"].as_array().or_else(|| json.as_array()).expect("rows");
    let published: u64 = rows.iter().filter_map(|r| r["cases"].as_u64()).sum();
    let withheld = rows.iter().filter(|r| r["cases"].is_null()).count();
    // Three months back from today: the month still going on is not published.
    assert!((300..=1200).contains(&published), "published {published} of 1200");
    let open_month = tests::real_now().format("%Y-%m").to_string();
    assert!(rows.iter().all(|r| r["month"].as_str().is_some_and(|m| m < open_month.as_str())), "{rows:?}");
    assert!(withheld > 0, "small counts are withheld");
    assert!(rows.iter().filter_map(|r| r["cases"].as_u64()).all(|n| n >= 5));
    let csv_published: u64 =
        csv.lines().skip(1).filter_map(|l| l.split(',').rev().nth(1).and_then(|n| n.parse::<u64>().ok())).sum();
    assert_eq!(csv_published, published, "CSV and JSON publish the same counts");
    // No personal codes (old or new style) and no clerk in either file.
    let personal_code = |text: &str| {
        text.as_bytes()
            .windows(12)
            .any(|w| w[..6].iter().all(u8::is_ascii_digit) && w[6] == b'-' && w[7..].iter().all(u8::is_ascii_digit))
    };
    for text in [csv.as_str(), &json.to_string()] {
        assert!(!personal_code(text), "a personal code in the open data");
        assert!(!text.contains("161175") && !text.contains("OZOLIŅA"), "the clerk in the open data");
    }
}

/// `audit verify` says the log is intact, and after someone edits the database it names the
/// entry and exits 1; `audit list --subject` shows one subject's entries.
#[test]
fn the_audit_log_is_verified_and_tampering_named_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let bin = bin_dir();
    let db = dir.path().join("server.db");
    server_cli(&bin, &db, &["migrate"]).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = server::store::open(&server::store::DatabaseLocation::Sqlite(db.clone())).await.unwrap();
        let now = tests::real_now();
        for (n, subject) in ["RCV-01-26-0001", "RCV-01-26-0002", "RCV-01-26-0001"].iter().enumerate() {
            let entry = server::audit::NewAuditEntry::new(
                now,
                "institution:https://pietura.lv/id/org/vid",
                "case_read",
                *subject,
                format!("#{n}"),
            );
            store.append_audit(entry).await.unwrap();
        }
    });
    let intact = server_cli(&bin, &db, &["audit", "verify"]).unwrap();
    assert!(intact.starts_with("the audit log is intact: 3 entries"), "{intact}");
    let listed = server_cli(&bin, &db, &["audit", "list", "--subject", "RCV-01-26-0001"]).unwrap();
    assert_eq!(listed.lines().count(), 2, "{listed}");

    // Someone with the database file changes an entry.
    let connection = rusqlite::Connection::open(&db).unwrap();
    connection.execute("UPDATE audit_log SET subject = 'RCV-01-26-0009' WHERE seq = 2", []).unwrap();
    drop(connection);
    let output = tests::processes::server_command(&bin, &db, 0).args(["audit", "verify"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("entry 2 was changed"), "{said}");
}

/// Operators add mailboxes and record delegations a company's representative grants; the rules
/// hold (a person's mailbox only for reading), and each grant is audited.
#[test]
fn operators_add_mailboxes_and_record_delegations_by_the_rules() {
    let dir = tempfile::tempdir().unwrap();
    let bin = bin_dir();
    let db = dir.path().join("server.db");
    server_cli(&bin, &db, &["migrate"]).unwrap();
    server_cli(&bin, &db, &["eaddress", "add", "_DEFAULT@40003521600", "--name", "SIA Piemērs"]).unwrap();
    server_cli(&bin, &db, &["eaddress", "add", "_private@325035-11782", "--name", "JĀNIS BĒRZIŅŠ"]).unwrap();
    // An institution's mailbox before the institution: said so, with what to do.
    let unknown = server_cli(
        &bin,
        &db,
        &[
            "eaddress",
            "add",
            "_DEFAULT@90011524360",
            "--name",
            "Rīga",
            "--institution",
            "https://pietura.lv/id/org/riga",
        ],
    )
    .unwrap_err()
    .to_string();
    assert!(
        unknown.contains("no institution https://pietura.lv/id/org/riga") && unknown.contains("institution add"),
        "{unknown}"
    );
    let until = (tests::real_now() + chrono::Duration::days(90)).date_naive().to_string();
    let grant = |until: &str| {
        server_cli(
            &bin,
            &db,
            &[
                "eaddress",
                "delegate",
                "_DEFAULT@40003521600",
                "--to",
                "161175-19997",
                "--rights",
                "communicate",
                "--until",
                until,
                "--granted-by",
                "290156-11605",
            ],
        )
    };
    // The same rules as the API: only who answers for the mailbox (its owner, a recorded
    // representative of the company) may give rights on it, at the counter too.
    let refused = grant(&until).unwrap_err().to_string();
    assert!(
        refused.contains("does not answer for _DEFAULT@40003521600"),
        "not yet a recorded representative: {refused}"
    );
    server_cli(
        &bin,
        &db,
        &["eaddress", "represent", "_DEFAULT@40003521600", "290156-11605", "--source", "UR izziņa Nr. 1"],
    )
    .unwrap();
    let too_long = grant("2099-12-31").unwrap_err().to_string();
    assert!(too_long.contains("at most 5 years"), "more than five years is refused: {too_long}");
    let granted = grant(&until).unwrap();
    assert!(granted.contains("161175-19997 may communicate _DEFAULT@40003521600"), "{granted}");
    for refused in [
        vec![
            "eaddress",
            "delegate",
            "_PRIVATE@32503511782",
            "--to",
            "161175-19997",
            "--rights",
            "communicate",
            "--until",
            &until,
            "--granted-by",
            "325035-11782",
        ],
        vec![
            "eaddress",
            "delegate",
            "_DEFAULT@40003521600",
            "--to",
            "161175-19997",
            "--rights",
            "everything",
            "--until",
            &until,
            "--granted-by",
            "290156-11605",
        ],
        vec![
            "eaddress",
            "delegate",
            "_DEFAULT@90000069281",
            "--to",
            "161175-19997",
            "--rights",
            "read",
            "--until",
            &until,
            "--granted-by",
            "290156-11605",
        ],
    ] {
        assert!(server_cli(&bin, &db, &refused).is_err(), "{refused:?}");
    }
    // The company's representative, from the register: recorded with its source, ended once;
    // a person's mailbox has none.
    let represent = |mailbox: &str| {
        server_cli(&bin, &db, &["eaddress", "represent", mailbox, "290156-11605", "--source", "UR izziņa Nr. 1"])
    };
    let recorded = represent("_DEFAULT@40003521600").unwrap();
    assert!(recorded.contains("290156-11605 represents _DEFAULT@40003521600 (UR izziņa Nr. 1)"), "{recorded}");
    let refused = represent("_PRIVATE@32503511782").unwrap_err().to_string();
    assert!(refused.contains("not a legal entity's mailbox"), "{refused}");
    let unrepresent = ["eaddress", "unrepresent", "_DEFAULT@40003521600", "290156-11605"];
    assert!(server_cli(&bin, &db, &unrepresent).unwrap().contains("no longer represents"));
    assert!(server_cli(&bin, &db, &unrepresent).is_err(), "ended once");
    let audit = server_cli(&bin, &db, &["audit", "list", "--subject", "_DEFAULT@40003521600"]).unwrap();
    assert!(audit.contains("delegation_granted"), "{audit}");
    assert!(
        audit.contains("operator for person:290156-11605"),
        "the operator recorded it for the representative: {audit}"
    );
    assert!(audit.contains("representative_recorded") && audit.contains("representative_ended"), "{audit}");
    assert!(server_cli(&bin, &db, &["audit", "verify"]).unwrap().contains("intact"));
}

/// Issue 12: an institution's API key can be listed, given an expiry and revoked; a revoked key
/// is refused by the running server at its next request, and every issue and revocation is in
/// the audit log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn institution_keys_are_listed_expire_and_a_revoked_key_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.db");
    let bin = bin_dir();
    let vid = "https://pietura.lv/id/org/vid";
    server_cli(&bin, &db, &["institution", "add", vid, "--name", "VID"]).unwrap();
    let issued: serde_json::Value = serde_json::from_str(
        &server_cli(&bin, &db, &["institution", "key", vid, "--expires-in-days", "30", "--json"]).unwrap(),
    )
    .unwrap();
    let key = issued["api_key"].as_str().unwrap().to_owned();
    assert!(issued["expires_at"].is_string(), "{issued}");
    let key_id = key.split_once('.').unwrap().0.to_owned();
    let listed: serde_json::Value =
        serde_json::from_str(&server_cli(&bin, &db, &["institution", "key", "list", vid, "--json"]).unwrap()).unwrap();
    assert_eq!(listed[0]["key_id"], key_id.as_str());
    assert_eq!(listed[0]["state"], "active");
    assert!(!listed.to_string().contains(key.split_once('.').unwrap().1), "the secret is never shown again");
    fails_with(server_command(&bin, &db, 0).args(["institution", "key", vid, "--expires-in-days", "x"]), "invalid");

    let server = ServerProcess::start(&bin, &db, free_port()).unwrap();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();
    let feed = || {
        http.get(format!("{}/v1/institution/cases?after=0", server.url.trim_end_matches('/')))
            .header("pietura-protocol", "1")
            .header("authorization", format!("ApiKey {key}"))
            .send()
    };
    assert_eq!(feed().await.unwrap().status(), 200);
    let revoked = server_cli(&bin, &db, &["institution", "key", "revoke", &key_id]).unwrap();
    assert!(revoked.contains("revoked"), "{revoked}");
    assert_eq!(feed().await.unwrap().status(), 403, "refused at the next request");
    fails_with(
        server_command(&bin, &db, 0).args(["institution", "key", "revoke", "0190b2d8-0000-7000-8000-000000000000"]),
        "no key",
    );
    let listed = server_cli(&bin, &db, &["institution", "key", "list"]).unwrap();
    assert!(listed.contains(&key_id) && listed.contains("revoked"), "{listed}");
    let audit = server_cli(&bin, &db, &["audit", "list"]).unwrap();
    assert!(audit.contains("institution_key_issued") && audit.contains("institution_key_revoked"), "{audit}");
    assert!(server_cli(&bin, &db, &["audit", "verify"]).unwrap().contains("intact"));
}

/// Issue 12: someone with write access to the database rewrites an audit entry and recomputes
/// every hash after it and the head: the chain alone no longer shows it, but a signed checkpoint
/// exported before does. The server's files are its user's only.
#[test]
fn a_rewritten_audit_log_is_caught_by_a_signed_checkpoint_and_server_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.db");
    let bin = bin_dir();
    let vid = "https://pietura.lv/id/org/vid";
    server_cli(&bin, &db, &["institution", "add", vid, "--name", "VID"]).unwrap();
    for _ in 0..3 {
        server_cli(&bin, &db, &["institution", "key", vid]).unwrap();
    }
    let checkpoint = dir.path().join("kept-elsewhere/checkpoint.json");
    std::fs::create_dir_all(checkpoint.parent().unwrap()).unwrap();
    let written = server_cli(&bin, &db, &["audit", "checkpoint", "--output", checkpoint.to_str().unwrap()]).unwrap();
    assert!(written.contains("entry 3"), "{written}");
    let verified = server_cli(&bin, &db, &["audit", "verify", "--checkpoint", checkpoint.to_str().unwrap()]).unwrap();
    assert!(verified.contains("intact") && verified.contains("1 signed checkpoint"), "{verified}");
    for (path, mode) in [(db.clone(), 0o600), (dir.path().join("server.db.audit-key"), 0o600)] {
        let found = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(found, mode, "{} is {found:o}", path.display());
    }

    // The rewrite: entry 2 says another key was issued, and the chain is made whole again.
    {
        let connection = rusqlite::Connection::open(&db).unwrap();
        let rows: Vec<(i64, String, String, String, String, String)> = connection
            .prepare("SELECT seq, at, actor, action, subject, detail FROM audit_log ORDER BY seq")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let mut prev = server::audit::GENESIS;
        for (seq, at, actor, action, subject, detail) in rows {
            let detail =
                if seq == 2 { "key 00000000-0000-0000-0000-000000000000, without expiry".into() } else { detail };
            let at = chrono::DateTime::parse_from_rfc3339(&at).unwrap().with_timezone(&chrono::Utc);
            let hash = server::audit::entry_hash(
                &prev,
                seq,
                &server::audit::NewAuditEntry::new(at, actor, action, subject, detail.clone()),
            );
            connection
                .execute(
                    "UPDATE audit_log SET detail = ?2, prev_hash = ?3, hash = ?4 WHERE seq = ?1",
                    rusqlite::params![seq, detail, prev.as_slice(), hash.as_slice()],
                )
                .unwrap();
            prev = hash;
        }
        connection.execute("UPDATE audit_head SET hash = ?1", rusqlite::params![prev.as_slice()]).unwrap();
    }
    assert!(
        server_cli(&bin, &db, &["audit", "verify"]).unwrap().contains("intact"),
        "the chain alone cannot tell: that is why checkpoints exist"
    );
    fails_with(
        server_command(&bin, &db, 0).args(["audit", "verify", "--checkpoint", checkpoint.to_str().unwrap()]),
        "entry 3 is not the entry a signed checkpoint recorded",
    );
    // A checkpoint edited to fit the rewrite no longer verifies.
    let mut forged: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&checkpoint).unwrap()).unwrap();
    forged["hash"] = serde_json::Value::String("00".repeat(32));
    let forged_path = dir.path().join("forged.json");
    std::fs::write(&forged_path, forged.to_string()).unwrap();
    fails_with(
        server_command(&bin, &db, 0).args(["audit", "verify", "--checkpoint", forged_path.to_str().unwrap()]),
        "does not match its content",
    );
}

/// Issue 12: what an operator does, and what a device does to get in, is in the audit log:
/// devices added, enrolled, revoked and refused; roles granted and revoked (the grant row goes,
/// its history stays); mailboxes recorded; catalogue records published.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_actions_and_refused_devices_are_audited() {
    let dir = tempfile::tempdir().unwrap();
    let bin = bin_dir();
    let (db, code) = tests::processes::demo_server_with_desk(&bin, dir.path()).unwrap();
    server_cli(&bin, &db, &["user", "grant", "210860-10528", "--role", "admin", "--centre", "Rīgas VPVKAC"]).unwrap();
    server_cli(&bin, &db, &["user", "revoke", "210860-10528", "--role", "admin", "--centre", "Rīgas VPVKAC"]).unwrap();
    server_cli(
        &bin,
        &db,
        &["eaddress", "add", "RCV@90011524360", "--name", "Rīgas VPVKAC", "--centre", "Rīgas VPVKAC"],
    )
    .unwrap();
    let server = ServerProcess::start(&bin, &db, free_port()).unwrap();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = device::client::SyncClient::new(device::client::parse_server_url(&server.url).unwrap()).unwrap();
    let enrolled = client.enroll(&code).await.unwrap();
    let wrong = protocol::DeviceCredentials { device_id: enrolled.device_id, secret: "not-it".into() };
    for _ in 0..3 {
        assert!(client.hello(&wrong).await.is_err());
    }
    server_cli(&bin, &db, &["device", "revoke", &enrolled.device_id.to_string()]).unwrap();
    let audit = server_cli(&bin, &db, &["audit", "list", "--limit", "500"]).unwrap();
    for action in [
        "catalogue_published",
        "device_added",
        "role_granted",
        "role_revoked",
        "mailbox_recorded",
        "device_enrolled",
        "device_auth_refused",
        "device_revoked",
    ] {
        assert!(audit.contains(action), "{action} missing from the audit log:\n{audit}");
    }
    assert_eq!(audit.matches("device_auth_refused").count(), 1, "three refusals in a minute are one entry:\n{audit}");
    assert!(server_cli(&bin, &db, &["audit", "verify"]).unwrap().contains("intact"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_collect_attachment_content_no_message_used_within_a_day() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.db");
    let bin = bin_dir();
    server_cli(&bin, &db, &["migrate"]).unwrap();
    // Content a desk uploaded two days ago and no message names, and content uploaded just now,
    // in the folder beside the database that the server uses by default.
    let attachments = server::eaddress::Attachments::in_folder(&dir.path().join("server.db.attachments")).unwrap();
    let store = server::store::open(&server::store::DatabaseLocation::Sqlite(db.clone())).await.unwrap();
    let now = tests::real_now();
    let mut kept = Vec::new();
    for (content, age) in
        [(b"old".as_slice(), chrono::Duration::days(2)), (b"new".as_slice(), chrono::Duration::zero())]
    {
        let sha256 = hex::encode(sha2::Sha256::digest(content));
        attachments.put(&sha256, content.to_vec().into()).await.unwrap();
        let upload = server::store::Upload {
            sha256: sha256.clone(),
            uploader: "device:x".into(),
            bytes: 3,
            uploaded_at: now - age,
        };
        store.record_upload(upload).await.unwrap();
        kept.push(sha256);
    }
    let collected: serde_json::Value =
        serde_json::from_str(&server_cli(&bin, &db, &["eaddress", "collect", "--json"]).unwrap()).unwrap();
    assert_eq!(collected, serde_json::json!({ "removed": 1, "bytes": 3 }));
    assert!(!attachments.exists(&kept[0]).await.unwrap());
    assert!(attachments.exists(&kept[1]).await.unwrap(), "uploaded within the day: kept");
    let again = server_cli(&bin, &db, &["eaddress", "collect"]).unwrap();
    assert_eq!(again.trim(), "removed 0 unused attachments (0 bytes)");
}
