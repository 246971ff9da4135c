//! Backups (issue 19): `pietura-server backup` of a running server under write load, restored
//! with `restore` into a new place, where `audit verify` passes and every attachment matches its
//! digest; a damaged backup is refused before anything is written; a restore never overwrites.

use std::{
    sync::atomic::{AtomicBool, AtomicUsize, Ordering},
    time::Duration,
};

use sha2::Digest;
use tests::{
    bin_dir, free_port,
    people::{CITIZEN_BOX, VID, VID_BOX},
    processes::server_command,
    scenario::Scenario,
};

/// `pietura-server ARGS` on `db` with attachments in `attachments`; its output and success.
fn run(db: &std::path::Path, attachments: &std::path::Path, args: &[&str]) -> (bool, String) {
    let out = server_command(&bin_dir(), db, 0).env("PIETURA_ATTACHMENT_DIR", attachments).args(args).output().unwrap();
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

#[test]
fn a_backup_taken_under_load_restores_whole_into_a_new_place() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = Scenario::in_dir(dir.path());
    let key = scenario.institution(VID, "Valsts ieņēmumu dienests").unwrap();
    scenario.mailbox(VID_BOX, "Valsts ieņēmumu dienests", &["--institution", VID]).unwrap();
    scenario.mailbox(CITIZEN_BOX, "JĀNIS BĒRZIŅŠ", &[]).unwrap();
    let attachments = dir.path().join("server.db.attachments");
    let port = free_port();
    let server = tests::processes::ServerProcess::start_with(&bin_dir(), &scenario.db, port, |command| {
        command.env("PIETURA_ATTACHMENT_DIR", &attachments);
    })
    .unwrap();

    // Write load: VID sends letters with a PDF each, as fast as the server takes them.
    let stop = AtomicBool::new(false);
    let sent = AtomicUsize::new(0);
    let backup = dir.path().join("backup");
    /// Stops the load when the test's own thread ends, even by a failed assertion (else the
    /// scope would wait for the load for ever).
    struct StopOnDrop<'a>(&'a AtomicBool);
    impl Drop for StopOnDrop<'_> {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }
    std::thread::scope(|scope| {
        let _stop = StopOnDrop(&stop);
        scope.spawn(|| {
            let _ = rustls::crypto::ring::default_provider().install_default();
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async {
                let http = reqwest::Client::new();
                let base = server.url.trim_end_matches('/');
                while !stop.load(Ordering::SeqCst) {
                    let n = sent.load(Ordering::SeqCst);
                    let pdf = format!("%PDF-1.7\n% letter {n}\n%%EOF\n").into_bytes();
                    let sha = hex::encode(sha2::Sha256::digest(&pdf));
                    let put = http
                        .put(format!("{base}/v1/eaddress/attachments/{sha}"))
                        .header("pietura-protocol", "1")
                        .header("authorization", &key)
                        .body(pdf.clone())
                        .send()
                        .await
                        .unwrap();
                    assert!(put.status().is_success(), "{}", put.status());
                    let letter = serde_json::json!({
                        "id": uuid::Uuid::now_v7(), "recipients": [CITIZEN_BOX], "subject": format!("Vēstule {n}"),
                        "body": "Teksts", "attachments": [{ "name": "vestule.pdf", "size": pdf.len(), "sha256": sha }],
                    });
                    let posted = http
                        .post(format!("{base}/v1/eaddress/mailboxes/{VID_BOX}/messages"))
                        .header("pietura-protocol", "1")
                        .header("authorization", &key)
                        .json(&letter)
                        .send()
                        .await
                        .unwrap();
                    assert!(posted.status().is_success(), "{}", posted.status());
                    sent.fetch_add(1, Ordering::SeqCst);
                }
            });
        });
        let started = std::time::Instant::now();
        while sent.load(Ordering::SeqCst) < 200 {
            assert!(started.elapsed() < Duration::from_secs(60), "the load never got going");
            std::thread::sleep(Duration::from_millis(20));
        }
        let (ok, said) = run(&scenario.db, &attachments, &["backup", "--to", backup.to_str().unwrap()]);
        assert!(ok, "{said}");
        assert!(said.contains("attachments"), "{said}");
        // Still writing after the backup: the load went on through it.
        let at_backup = sent.load(Ordering::SeqCst);
        while sent.load(Ordering::SeqCst) < at_backup + 50 {
            assert!(started.elapsed() < Duration::from_secs(120), "the load stopped");
            std::thread::sleep(Duration::from_millis(20));
        }
    });
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(backup.join("manifest.json")).unwrap()).unwrap();
    let kept = manifest["attachments"].as_array().unwrap().len();
    assert!(kept >= 200, "{kept} attachments in the backup");
    // The folder is whole: nothing half-made beside it.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| n.contains(".part-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // A second backup into the same folder is refused.
    let (ok, said) = run(&scenario.db, &attachments, &["backup", "--to", backup.to_str().unwrap()]);
    assert!(!ok && said.contains("back up into a new folder"), "{said}");
    drop(server);

    // Restored into a new place: the audit chain holds and every attachment matches its digest,
    // and every message's attachment is there.
    let new = dir.path().join("restored");
    let (new_db, new_attachments) = (new.join("server.db"), new.join("attachments"));
    let (ok, said) = run(&new_db, &new_attachments, &["restore", "--from", backup.to_str().unwrap()]);
    assert!(ok, "{said}");
    let (ok, said) = run(&new_db, &new_attachments, &["audit", "verify"]);
    assert!(ok, "audit verify on the restored copy: {said}");
    let mut files = 0;
    for folder in std::fs::read_dir(new_attachments.join("attachments")).unwrap() {
        for file in std::fs::read_dir(folder.unwrap().path()).unwrap() {
            let path = file.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            assert_eq!(hex::encode(sha2::Sha256::digest(std::fs::read(&path).unwrap())), name);
            files += 1;
        }
    }
    assert_eq!(files, kept);
    let restored = rusqlite::Connection::open(&new_db).unwrap();
    let messages: i64 = restored.query_row("SELECT COUNT(*) FROM eaddress_messages", [], |r| r.get(0)).unwrap();
    assert!(messages >= 200 && messages as usize <= kept, "{messages} messages, {kept} attachments");
    // Restoring again over it: refused, nothing touched.
    let (ok, said) = run(&new_db, &new_attachments, &["restore", "--from", backup.to_str().unwrap()]);
    assert!(!ok && said.contains("never overwrites"), "{said}");

    // A damaged backup is refused before anything is written.
    let first = manifest["attachments"][0]["file"].as_str().unwrap();
    std::fs::write(backup.join(first), b"changed").unwrap();
    let elsewhere = dir.path().join("elsewhere");
    let (ok, said) = run(
        &elsewhere.join("server.db"),
        &elsewhere.join("attachments"),
        &["restore", "--from", backup.to_str().unwrap()],
    );
    assert!(!ok && said.contains("damaged"), "{said}");
    assert!(!elsewhere.join("server.db").exists(), "nothing written");
}

/// PostgreSQL: the database is dumped with `pg_dump -Fc` (the README's procedure) and the backup
/// keeps that dump, checked, with the attachments; without a dump, or with a file that is not
/// one, it is refused. The restore puts the attachments back and names the `pg_restore` to run;
/// after it, the audit chain holds in the new database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_the_backup_keeps_the_dump_and_the_attachments() {
    let admin_url = std::env::var("PIETURA_TEST_POSTGRES_URL")
        .expect("PIETURA_TEST_POSTGRES_URL is not set: run `cargo xtask test`, which starts a throwaway cluster");
    let (admin, connection) = tokio_postgres::connect(&admin_url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    let database = |name: &str| server::testing::with_database(&admin_url, name);
    let (old, new) = (
        format!("pietura_backup_{}", uuid::Uuid::new_v4().simple()),
        format!("pietura_restored_{}", uuid::Uuid::new_v4().simple()),
    );
    for name in [&old, &new] {
        admin.batch_execute(&format!("CREATE DATABASE {name}")).await.unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let (old_url, new_url) = (database(&old), database(&new));
    let cli =
        |url: &str, attachments: &std::path::Path, args: &[&str]| run(std::path::Path::new(url), attachments, args);
    let attachments = dir.path().join("attachments");
    // Something in the audit log and a letter with an attachment, through the server's own commands.
    let (ok, said) = cli(&old_url, &attachments, &["institution", "add", VID, "--name", "VID"]);
    assert!(ok, "{said}");
    let (ok, said) = cli(&old_url, &attachments, &["eaddress", "add", VID_BOX, "--name", "VID", "--institution", VID]);
    assert!(ok, "{said}");
    let content = b"%PDF-1.7\n% kept\n%%EOF\n";
    let sha = hex::encode(sha2::Sha256::digest(content));
    std::fs::create_dir_all(attachments.join("attachments").join(&sha[..2])).unwrap();
    std::fs::write(attachments.join("attachments").join(&sha[..2]).join(&sha), content).unwrap();

    let backup = dir.path().join("backup");
    let (ok, said) = cli(&old_url, &attachments, &["backup", "--to", backup.to_str().unwrap()]);
    assert!(!ok && said.contains("pg_dump -Fc"), "without a dump: {said}");
    let not_a_dump = dir.path().join("not-a-dump.sql");
    std::fs::write(&not_a_dump, "SELECT 1;").unwrap();
    let (ok, said) = cli(
        &old_url,
        &attachments,
        &["backup", "--to", backup.to_str().unwrap(), "--pg-dump", not_a_dump.to_str().unwrap()],
    );
    assert!(!ok && said.contains("not a pg_dump custom-format file"), "{said}");
    let dump = dir.path().join("pietura.pgdump");
    let dumped = std::process::Command::new("pg_dump")
        .args(["-Fc", "-f", dump.to_str().unwrap(), &old_url])
        .output()
        .expect("pg_dump (postgresql-client)");
    assert!(dumped.status.success(), "{}", String::from_utf8_lossy(&dumped.stderr));
    let (ok, said) =
        cli(&old_url, &attachments, &["backup", "--to", backup.to_str().unwrap(), "--pg-dump", dump.to_str().unwrap()]);
    assert!(ok, "{said}");

    let restored_attachments = dir.path().join("restored-attachments");
    let (ok, said) = cli(&new_url, &restored_attachments, &["restore", "--from", backup.to_str().unwrap()]);
    assert!(ok && said.contains("pg_restore"), "{said}");
    assert_eq!(std::fs::read(restored_attachments.join("attachments").join(&sha[..2]).join(&sha)).unwrap(), content);
    let loaded = std::process::Command::new("pg_restore")
        .args(["--no-owner", "--dbname", &new_url, backup.join("pietura.pgdump").to_str().unwrap()])
        .output()
        .unwrap();
    assert!(loaded.status.success(), "{}", String::from_utf8_lossy(&loaded.stderr));
    let (ok, said) = cli(&new_url, &restored_attachments, &["audit", "verify"]);
    assert!(ok, "audit verify on the restored database: {said}");
    let (ok, said) = cli(&new_url, &restored_attachments, &["institution", "list"]);
    assert!(ok && said.contains(VID), "{said}");
}
