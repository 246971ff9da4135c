//! Card login end to end without a window: the login logic the desk and kiosk run, virtual
//! cards in a reader of this process, and the real server binary with eID login configured
//! (a test CA made here). Online login, locking on removal, unlocking with the same card only,
//! offline unlock with the server stopped, and its limits.

use std::sync::{
    Arc,
    atomic::{AtomicI64, Ordering},
};

use device::{
    client::{SyncClient, parse_server_url},
    login::{LoginManager, Server},
    protocol::DeviceCredentials,
};
use eid::{
    apdu::KeyKind,
    test_ca::Holder,
    virtual_card::{InProcessReaders, VirtualCard},
};
use tests::{free_port, real_now, scenario::Scenario};

const READER: &str = "Test reader 0";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_logs_in_locks_by_removing_the_card_and_unlocks_offline_within_the_period() {
    let dir = tempfile::tempdir().unwrap();
    let mut scenario = Scenario::in_dir(dir.path());
    scenario.centre("Rīgas VPVKAC", "Rīga").unwrap().grant("161175-19997", "clerk", "Rīgas VPVKAC").unwrap();
    let code = scenario.device("Rīgas VPVKAC", "desk", "G1").unwrap();
    let ca = scenario.trust_test_ca().unwrap().clone();
    let port = free_port();
    let start = || scenario.start(port);
    let mut server = start().unwrap();

    let client = SyncClient::new(parse_server_url(&server.url).unwrap()).unwrap();
    let enrolled = client.enroll(&code).await.unwrap();
    let online = Server {
        client,
        credentials: DeviceCredentials { device_id: enrolled.device_id, secret: enrolled.device_secret.clone() },
    };
    let local = Arc::new(
        offline_store::Store::open(&dir.path().join("local.db"), &offline_store::DatabaseKey::from_bytes([3; 32]))
            .unwrap(),
    );
    // A desk remembers its staff for offline unlock (kiosks do not): the store says which it is.
    local
        .save_enrollment(&offline_store::Enrollment {
            server_url: server.url.clone(),
            device_id: enrolled.device_id,
            device_name: enrolled.device_name.clone(),
            kind: enrolled.kind,
            centre: enrolled.centre.clone(),
            desk_number: enrolled.desk_number,
            enrolled_at: real_now(),
        })
        .unwrap();
    let offset_days = Arc::new(AtomicI64::new(0));
    let clock_days = offset_days.clone();
    let clock: device::engine::Clock =
        Arc::new(move || real_now() + chrono::Duration::days(clock_days.load(Ordering::SeqCst)));
    let readers = Arc::new(InProcessReaders::with_reader(READER));
    let login = LoginManager::new(readers.clone(), local.clone(), clock, chrono::Duration::days(7), "test");

    let issued = real_now() - chrono::Duration::days(30);
    let clerk = Holder { given_name: "ILZE".into(), surname: "OZOLIŅA".into(), personal_code: "161175-19997".into() };
    let card = ca.issue_card(clerk, KeyKind::EcP384, issued, None, "1234", "123456").unwrap();
    let stranger =
        Holder { given_name: "OSKARS".into(), surname: "KALNS".into(), personal_code: "290156-11605".into() };
    let other_card = ca.issue_card(stranger, KeyKind::Rsa2048, issued, None, "4321", "654321").unwrap();

    // No card yet: the screen says so.
    assert_eq!(login.card_view().status, "no_card");
    readers.insert(READER, VirtualCard::new(card.clone()));
    let view = login.card_view();
    assert_eq!(view.status, "card");
    let details = view.card.unwrap();
    assert_eq!((details.holder.as_str(), details.pin_tries_left), ("ILZE OZOLIŅA", Some(3)));

    // A wrong PIN says how many tries are left; the right one logs in online.
    let wrong = login.log_in(Some("9999"), Some(&online)).await.unwrap_err();
    assert_eq!((&wrong.code, wrong.tries_left), (&device::ErrorCode::WrongPin, Some(2)));
    let view = login.log_in(Some("1234"), Some(&online)).await.unwrap();
    assert_eq!((view.state, view.offline), ("logged_in", false));
    assert_eq!(view.person.as_ref().unwrap().roles, ["clerk"]);
    assert!(login.session_token().is_some());
    assert!(!login.check_card_presence(), "the card is still there");

    // Taking the card out locks; another card cannot unlock; the same card and PIN can.
    let card_back = readers.remove(READER).unwrap();
    assert!(!login.check_card_presence(), "a card missing once may be the reader's hiccup");
    assert!(login.check_card_presence(), "missing twice in a row: taken out");
    assert_eq!(login.view().state, "locked");
    readers.insert(READER, VirtualCard::new(other_card.clone()));
    assert_eq!(login.log_in(Some("4321"), Some(&online)).await.unwrap_err().code, "locked_by_other");
    readers.remove(READER);
    readers.insert(READER, card_back);
    assert_eq!(login.log_in(Some("1234"), Some(&online)).await.unwrap().state, "logged_in");
    login.log_out(Some(&online)).await;

    // The server goes away: the same card unlocks offline, marked so; others cannot.
    server.stop();
    let view = login.log_in(Some("1234"), Some(&online)).await.unwrap();
    assert_eq!((view.state, view.offline), ("logged_in", true));
    assert_eq!(view.person.unwrap().personal_code, "161175-19997");
    assert_eq!(login.session_token(), None);
    let wrong = login.log_in(Some("0000"), Some(&online)).await.unwrap_err();
    assert_eq!(wrong.code, "wrong_pin", "the card checks the PIN offline too");
    login.log_out(Some(&online)).await;
    readers.insert(READER, VirtualCard::new(other_card.clone()));
    assert_eq!(login.log_in(Some("4321"), Some(&online)).await.unwrap_err().code, "offline_unknown_card");
    readers.insert(READER, VirtualCard::new(card));
    offset_days.store(8, Ordering::SeqCst);
    assert_eq!(login.log_in(Some("1234"), Some(&online)).await.unwrap_err().code, "offline_period_over");

    // Back online, a login works again and renews the period.
    offset_days.store(0, Ordering::SeqCst);
    let _server = start().unwrap();
    let view = login.log_in(Some("1234"), Some(&online)).await.unwrap();
    assert_eq!((view.state, view.offline), ("logged_in", false));

    // A customer's card in a second reader is read for their identity alone: no PIN, its PIN
    // counter untouched, and the clerk stays logged in.
    assert_eq!(login.customer_card().unwrap_err().code, "no_customer_card");
    readers.insert("Customer reader", VirtualCard::new(other_card));
    let customer = login.customer_card().unwrap();
    assert_eq!(
        (customer.holder.as_str(), customer.personal_code.as_deref(), customer.pin_tries_left),
        ("OSKARS KALNS", Some("290156-11605"), None)
    );
    assert_eq!(login.view().state, "logged_in");
    readers.remove("Customer reader");
    login.log_out(Some(&online)).await;
    assert_eq!(login.customer_card().unwrap_err().code, "not_logged_in");

    // Without a typed PIN the reader's own pad is used, when it has one.
    assert_eq!(login.log_in(None, Some(&online)).await.unwrap_err().code, "pin_format");
    readers.type_on_pin_pad(READER, "0000");
    assert!(login.card_view().card.unwrap().pin_pad);
    let wrong = login.log_in(None, Some(&online)).await.unwrap_err();
    assert_eq!((&wrong.code, wrong.tries_left), (&device::ErrorCode::WrongPin, Some(2)), "{wrong:?}");
    readers.type_on_pin_pad(READER, "1234");
    assert_eq!(login.log_in(None, Some(&online)).await.unwrap().state, "logged_in");

    let events = scenario.cli(&["user", "events"]).unwrap();
    assert_eq!(events.lines().filter(|l| l.contains("\tlogin\t")).count(), 4, "{events}");
}
