//! Fresh, empty stores for each test.

use std::sync::Arc;

use server::store::{self, DatabaseLocation, Store};
use server::testing::with_database;

pub struct Backend {
    pub store: Arc<dyn Store>,
    /// The same database, for tests that must go around the store (tampering).
    pub raw: Raw,
    pub(crate) _dir: Option<tempfile::TempDir>,
}

/// Direct access to a test database.
#[derive(Clone)]
pub enum Raw {
    Sqlite(std::path::PathBuf),
    Postgres(String),
}

impl Raw {
    /// Runs SQL straight on the database, as someone with access to it could.
    pub async fn execute(&self, sql: &str) {
        match self {
            Raw::Sqlite(path) => {
                let connection = rusqlite::Connection::open(path).unwrap();
                connection.execute_batch(sql).unwrap();
            }
            Raw::Postgres(url) => {
                let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.unwrap();
                tokio::spawn(connection);
                client.batch_execute(sql).await.unwrap();
            }
        }
    }
}

pub async fn sqlite() -> Backend {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.db");
    let location = DatabaseLocation::Sqlite(path.clone());
    Backend { store: store::open(&location).await.unwrap(), raw: Raw::Sqlite(path), _dir: Some(dir) }
}

/// A new database in the PostgreSQL cluster named by `PIETURA_TEST_POSTGRES_URL`. The
/// PostgreSQL run is part of the suite, not an option: without the variable the test fails
/// and says how to run it (`cargo xtask test` starts a throwaway cluster itself).
pub async fn postgres() -> Backend {
    let Ok(admin_url) = std::env::var("PIETURA_TEST_POSTGRES_URL") else {
        panic!(
            "PIETURA_TEST_POSTGRES_URL is not set: run `cargo xtask test`, which starts a throwaway \
             PostgreSQL cluster, or point the variable at a cluster where this user may create databases"
        );
    };
    let name = format!("pietura_test_{}", uuid::Uuid::new_v4().simple());
    let (client, connection) = tokio_postgres::connect(&admin_url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    client.batch_execute(&format!("CREATE DATABASE {name}")).await.unwrap();
    let url = with_database(&admin_url, &name);
    Backend {
        store: store::open(&DatabaseLocation::Postgres(url.clone())).await.unwrap(),
        raw: Raw::Postgres(url),
        _dir: None,
    }
}

#[test]
fn database_names_are_swapped_in_urls() {
    assert_eq!(with_database("postgres://u:p@h:5432/postgres", "x"), "postgres://u:p@h:5432/x");
    assert_eq!(with_database("postgres://u@h", "x"), "postgres://u@h/x");
    assert_eq!(with_database("postgres://u@h/db?sslmode=disable", "x"), "postgres://u@h/x?sslmode=disable");
}
