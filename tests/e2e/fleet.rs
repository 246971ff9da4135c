//! A small fleet (`tests::fleet`, the load test's harness at a size a test run affords) against
//! the real server on each backend: desks registering cases and writing messages, kiosks with
//! citizens logging in with their cards and opening a letter, an institution changing a
//! service, and at the end nothing lost, nothing duplicated, every device on the last change and
//! the audit chain whole; on PostgreSQL through two instances.

use std::time::Duration;

use tests::{
    bin_dir,
    cluster::Servers,
    fleet::{self, FleetPlan},
};

fn plan() -> FleetPlan {
    FleetPlan {
        centres: 2,
        desks: 6,
        kiosks: 3,
        duration: Duration::from_secs(12),
        round_every: Duration::from_secs(1),
        // Most rounds of a desk carry a case, some a message: the outbox and the case feeds
        // are busy between desks of one centre.
        case_every: Duration::from_millis(1_500),
        message_every: Duration::from_secs(4),
        change_every: Duration::from_secs(3),
        // Each kiosk has a citizen's visit every other round or so.
        citizen_every: Duration::from_secs(2),
    }
}

/// The fleet against one server on `database`, or `instances` of them sharing it (PostgreSQL)
/// and an S3 store behind nginx.
async fn fleet_on(database: &std::path::Path, dir: &std::path::Path, instances: usize) {
    let plan = plan();
    let prepared = fleet::prepare(&bin_dir(), dir, database, &plan).unwrap();
    let config = dir.join("pietura.toml");
    let servers = Servers::start(&bin_dir(), dir, database, &config, instances).await.unwrap();
    let report = fleet::run(&prepared, servers.url(), &servers.pids(), &plan).await.unwrap();
    assert!(report.clean(), "{report:#?}");
    // The checks can fail: the fleet did something worth checking.
    assert!(report.cases_registered >= 10 && report.messages_written >= 3, "{report:#?}");
    assert!(report.catalogue_changes >= 2, "{report:#?}");
    assert!(report.citizen_visits >= 3 && report.login_p50_ms > 0.0, "{report:#?}");
    assert!(report.server_rss_kib.iter().all(|&kib| kib > 0), "{report:#?}");
    if instances > 1 {
        let kept = std::fs::read_dir(dir.join("s3/pietura-attachments/attachments")).unwrap().count();
        assert!(kept > 0, "the scans are in the shared S3 store");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_of_desks_and_kiosks_loses_and_duplicates_nothing_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    fleet_on(&dir.path().join("server.db"), dir.path(), 1).await;
}

/// Two instances over one PostgreSQL and one S3 store behind nginx, each request to the next:
/// case feed positions, the audit chain, uploads and catalogue reads must not assume one process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_through_two_instances_on_postgres_and_s3_loses_and_duplicates_nothing() {
    let admin_url = std::env::var("PIETURA_TEST_POSTGRES_URL")
        .expect("PIETURA_TEST_POSTGRES_URL is not set: run `cargo xtask test`, which starts a throwaway cluster");
    let (admin, connection) = tokio_postgres::connect(&admin_url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    let name = format!("pietura_fleet_{}", uuid::Uuid::new_v4().simple());
    admin.batch_execute(&format!("CREATE DATABASE {name}")).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = server::testing::with_database(&admin_url, &name);
    fleet_on(std::path::Path::new(&url), dir.path(), 2).await;
}
