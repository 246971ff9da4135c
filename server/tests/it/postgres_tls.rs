//! TLS to PostgreSQL (issue 12): `sslmode=verify-full` with `sslrootcert` connects over TLS to
//! the real test cluster, configured here with a certificate of a CA made for the test; a server
//! certificate from another CA is refused; the URL's settings are checked.

use std::os::unix::fs::MetadataExt;

use server::store::{DatabaseLocation, open};

fn with_params(url: &str, params: &str) -> String {
    if url.contains('?') { format!("{url}&{params}") } else { format!("{url}?{params}") }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_sslmode_verify_full_connects_over_tls_and_refuses_a_stranger() {
    use std::os::unix::fs::PermissionsExt;
    let admin_url = std::env::var("PIETURA_TEST_POSTGRES_URL").expect(
        "PIETURA_TEST_POSTGRES_URL is not set: run `cargo xtask test`, which starts a throwaway PostgreSQL cluster",
    );
    let (admin, connection) = tokio_postgres::connect(&admin_url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    // The cluster's own user must read the key: a folder it can enter, files it owns.
    let data_directory: String = admin.query_one("SHOW data_directory", &[]).await.unwrap().get(0);
    let owner = std::fs::metadata(&data_directory).unwrap();
    let dir = std::env::temp_dir().join(format!("pietura-pg-tls-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    crate::api::localhost_certificates(&dir, "Pietura test CA");
    let stranger = dir.join("stranger");
    std::fs::create_dir_all(&stranger).unwrap();
    crate::api::localhost_certificates(&stranger, "Someone else's CA");
    for file in ["server.key", "server.pem"] {
        std::os::unix::fs::chown(dir.join(file), Some(owner.uid()), Some(owner.gid())).unwrap();
    }
    std::fs::set_permissions(dir.join("server.key"), std::fs::Permissions::from_mode(0o600)).unwrap();
    // One statement at a time: ALTER SYSTEM refuses to run in a transaction block.
    for statement in [
        format!("ALTER SYSTEM SET ssl_cert_file = '{}'", dir.join("server.pem").display()),
        format!("ALTER SYSTEM SET ssl_key_file = '{}'", dir.join("server.key").display()),
        "SELECT pg_reload_conf()".to_owned(),
    ] {
        admin.simple_query(&statement).await.unwrap();
    }
    // Reloading takes effect for new connections at once; give the postmaster a moment.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    let trusted = with_params(&admin_url, &format!("sslmode=verify-full&sslrootcert={}", dir.join("ca.pem").display()));
    let store = open(&DatabaseLocation::Postgres(trusted)).await;
    let refused = open(&DatabaseLocation::Postgres(with_params(
        &admin_url,
        &format!("sslmode=verify-full&sslrootcert={}", stranger.join("ca.pem").display()),
    )))
    .await;
    let encrypted: i64 = admin
        .query_one(
            "SELECT count(*) FROM pg_stat_ssl JOIN pg_stat_activity USING (pid)
             WHERE ssl AND application_name = 'pietura-server'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    // Back to the cluster's own certificate before anything can fail.
    for statement in ["ALTER SYSTEM RESET ssl_cert_file", "ALTER SYSTEM RESET ssl_key_file", "SELECT pg_reload_conf()"]
    {
        admin.simple_query(statement).await.unwrap();
    }
    let _ = std::fs::remove_dir_all(&dir);

    let store = store.expect("verify-full with the right CA connects");
    assert!(encrypted >= 1, "the server's connection is over TLS");
    assert!(store.schema_version().await.is_ok());
    let Err(refused) = refused else { panic!("a server certificate from another CA is refused") };
    let refused = refused.to_string();
    assert!(refused.contains("UnknownIssuer"), "the reason is named: {refused}");
}

#[tokio::test]
async fn postgres_tls_settings_that_cannot_work_are_named() {
    let bad_mode = open(&DatabaseLocation::Postgres("postgres://u@localhost/db?sslmode=maybe".into())).await;
    assert!(bad_mode.err().unwrap().to_string().contains("sslmode"));
    let root_without_tls =
        open(&DatabaseLocation::Postgres("postgres://u@localhost/db?sslrootcert=/x.pem".into())).await;
    assert!(root_without_tls.err().unwrap().to_string().contains("sslmode=verify-full"));
    let missing_root = open(&DatabaseLocation::Postgres(
        "postgres://u@localhost/db?sslmode=verify-full&sslrootcert=/no/such.pem".into(),
    ))
    .await;
    assert!(missing_root.err().unwrap().to_string().contains("sslrootcert"));
}
