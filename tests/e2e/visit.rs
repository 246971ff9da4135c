//! A visit's timings, end to end without a window: the session the desk runs, a card reader in
//! this process and the real server binary. A case registered while the customer is being served
//! counts its service from the visit's start (and the wait from the ticket); the server keeps
//! those times; a case for someone else is served from its registration.

use std::sync::{
    Arc,
    atomic::{AtomicI64, Ordering},
};

use chrono::{DateTime, Duration, Utc};
use device::session::RegisterCase;
use domain::case::CaseKind;
use tests::{
    bin_dir, desk::TestDesk, free_port, people::CLERK, processes::demo_server_with_desk, real_now, scenario::Scenario,
};

const CUSTOMER: &str = "290156-11605";
const SOMEONE_ELSE: &str = "325035-11782";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_registered_during_a_visit_counts_its_wait_and_its_service_and_the_server_keeps_them() {
    let dir = tempfile::tempdir().unwrap();
    let (db, code) = demo_server_with_desk(&bin_dir(), dir.path()).unwrap();
    // A CA of this test's own (it issues the cards below), trusted instead of the demo's.
    let mut scenario = Scenario::in_dir(dir.path());
    let ca = scenario.trust_test_ca().unwrap().clone();
    scenario.grant(CLERK, "clerk", "Rīgas VPVKAC").unwrap();
    let server = scenario.start(free_port()).unwrap();

    // The desk's clock runs as the test moves it (minutes pass while the customer is served).
    let offset_seconds = Arc::new(AtomicI64::new(0));
    let clock: device::engine::Clock = {
        let offset = offset_seconds.clone();
        Arc::new(move || real_now() + Duration::seconds(offset.load(Ordering::SeqCst)))
    };
    let desk = TestDesk::new(dir.path().join("desk"), clock.clone(), &ca).unwrap();
    let session = desk.enrolled_and_logged_in(&server.url, &code).await.unwrap();
    // The catalogue arrives and the server tells the desk its number.
    let started = std::time::Instant::now();
    let service = loop {
        let status = session.status();
        let hits = session.search("suņa", vec![], 5).unwrap_or_default();
        if status.desk_number.is_some()
            && let Some(hit) = hits.into_iter().find(|h| h.kind == offline_store::DocumentKind::Service)
        {
            break hit.id;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(60), "no catalogue: {status:?}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };

    // The customer took a ticket 6 minutes before the clerk called them; serving takes 9 minutes
    // before the case is registered.
    let visit = session.start_visit(CUSTOMER, "OSKARS KALNS").unwrap();
    offset_seconds.store(9 * 60, Ordering::SeqCst);
    let register = |customer: &str, arrived_at: Option<DateTime<Utc>>| RegisterCase {
        service_id: service.clone(),
        kind: CaseKind::Application,
        channel: None,
        customer_code: customer.into(),
        customer_name: String::new(),
        note: String::new(),
        arrived_at,
    };
    let case = session.register_case(register(CUSTOMER, Some(visit.started_at - Duration::minutes(6)))).unwrap();
    assert_eq!(case.served_at, visit.started_at, "served from the visit's start");
    assert_eq!(case.waiting_seconds, 6 * 60);
    assert!((9 * 60..9 * 60 + 5).contains(&case.service_seconds), "{}", case.service_seconds);
    // A ticket from the future is no ticket: the wait is nil, never negative.
    let no_wait = session.register_case(register(CUSTOMER, Some(clock() + Duration::hours(1)))).unwrap();
    assert_eq!(no_wait.waiting_seconds, 0);
    // A case for someone else than the customer being served starts its service on registration.
    let other = session.register_case(register(SOMEONE_ELSE, None)).unwrap();
    assert_eq!((other.waiting_seconds, other.service_seconds), (0, 0));

    // The server receives them with those times. (The status bar's counts are the engine's
    // last attempt's, so the server is what the test waits on.)
    let store = server::store::open(&server::store::DatabaseLocation::Sqlite(db.clone())).await.unwrap();
    let started = std::time::Instant::now();
    let kept = loop {
        session.retry_now().await;
        if let Some(kept) = store.case(case.id).await.unwrap()
            && store.case(other.id).await.unwrap().is_some()
            && store.case(no_wait.id).await.unwrap().is_some()
        {
            break kept;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(60), "{:?}", session.outbox_problems());
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert!(session.outbox_problems().unwrap().is_empty(), "{:?}", session.outbox_problems());
    let kept: domain::case::Case = serde_json::from_str(&kept.document).unwrap();
    assert_eq!((kept.waiting_seconds(), kept.service_seconds()), (case.waiting_seconds, case.service_seconds));
    assert_eq!(kept.served_at, visit.started_at);
    session.stop().await;
}
