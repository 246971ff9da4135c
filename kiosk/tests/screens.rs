//! Kiosk screens under egui_kittest: widgets are found by role and label, as assistive
//! technology finds them, so every control needs an accessible name to be testable.

use std::{sync::Arc, time::Duration};

use chrono::DateTime;
use device::offline::{DocumentKind, IncomingRecord};
use device::{
    engine::Clock,
    schedule::{Connection, SyncStatus},
    session::{DeviceSession, Enrollment},
};
use domain::{Centre, DeviceKind, Language};
use egui_kittest::{Harness, kittest::Queryable};
use kiosk::{
    KioskApp,
    screens::{EnrollAction, EnrollScreen, HomeAction, HomeScreen, language_bar},
};
use tests::slow_network::SlowNetwork;
use uuid::Uuid;

fn fixed_clock() -> Clock {
    Arc::new(|| DateTime::from_timestamp(1_800_000_000, 0).unwrap())
}

fn enrollment() -> Enrollment {
    Enrollment {
        server_url: "https://pietura.example/".into(),
        device_id: Uuid::nil(),
        device_name: "Kiosks 1".into(),
        kind: DeviceKind::Kiosk,
        centre: Centre {
            id: Uuid::nil(),
            name: "Cēsu bibliotēka".into(),
            municipality: "Cēsu novads".into(),
            code: "CB".into(),
        },
        desk_number: None,
        enrolled_at: DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
    }
}

#[test]
fn the_enroll_screen_returns_the_trimmed_input_when_submitted() {
    struct State {
        screen: EnrollScreen,
        action: Option<EnrollAction>,
    }
    let mut harness = Harness::new_ui_state(
        |ui, state: &mut State| {
            if let Some(action) = state.screen.ui(ui, Language::En) {
                state.action = Some(action);
            }
        },
        State { screen: EnrollScreen::default(), action: None },
    );
    harness.get_by_label("Server address").click();
    harness.run();
    harness.get_by_label("Server address").type_text(" http://127.0.0.1:8470 ");
    harness.get_by_label("Enrollment code").click();
    harness.run();
    harness.get_by_label("Enrollment code").type_text("7kq2-m9xd");
    harness.run();
    harness.get_by_role_and_label(egui::accesskit::Role::Button, "Enroll").click();
    harness.run();
    assert_eq!(
        harness.state().action,
        Some(EnrollAction::Submit { server_url: "http://127.0.0.1:8470".into(), code: "7kq2-m9xd".into() })
    );
}

#[test]
fn the_enroll_screen_shows_errors_in_the_chosen_language() {
    let screen = EnrollScreen { error: Some("enrollment_code_expired".into()), ..Default::default() };
    let mut harness = Harness::new_ui_state(|ui, screen: &mut EnrollScreen| drop(screen.ui(ui, Language::Lv)), screen);
    harness.run();
    harness.get_by_label("Koda derīguma termiņš ir beidzies. Palūdziet jaunu kodu.");
    harness.get_by_role_and_label(egui::accesskit::Role::Button, "Pievienot");
}

#[test]
fn the_language_bar_offers_both_languages() {
    let mut harness = Harness::new_ui_state(
        |ui, chosen: &mut Option<Language>| {
            if let Some(language) = language_bar(ui, Language::Lv) {
                *chosen = Some(language);
            }
        },
        None,
    );
    harness.get_by_label("English").click();
    harness.run();
    assert_eq!(*harness.state(), Some(Language::En));
}

#[test]
fn the_home_screen_names_the_centre_and_offers_retry_only_when_offline() {
    struct State {
        screen: HomeScreen,
        status: SyncStatus,
        action: Option<HomeAction>,
    }
    let online =
        SyncStatus { connection: Connection::Online, last_success: Some(fixed_clock()()), ..Default::default() };
    let mut harness = Harness::new_ui_state(
        |ui, state: &mut State| {
            if let Some(action) = state.screen.ui(ui, Language::En, &enrollment(), &state.status, fixed_clock()()) {
                state.action = Some(action);
            }
        },
        State { screen: HomeScreen::default(), status: online, action: None },
    );
    harness.run();
    harness.get_by_label("Cēsu bibliotēka");
    harness.get_by_label("Online");
    assert!(harness.query_by_label("Try now").is_none());

    harness.state_mut().status.connection = Connection::Offline;
    harness.run();
    harness.get_by_label("Offline");
    harness.get_by_label("Try now").click();
    harness.run();
    assert_eq!(harness.state().action, Some(HomeAction::RetrySync));
}

/// The whole kiosk against a real server: enroll through the form, see the centre, go online.
/// Needs a session keyring (`cargo xtask test` runs tests inside `keyctl session`).
#[test]
fn the_kiosk_enrolls_against_a_real_server_and_goes_online() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let server = runtime.block_on(server::testing::spawn_with_device(dir.path(), DeviceKind::Kiosk, "Kiosks 1"));
    let (url, code) = (server.url, server.enrollment_code);

    let data_dir = dir.path().join("kiosk");
    let session = {
        let _entered = runtime.enter();
        DeviceSession::open(&data_dir, &format!("pietura-kiosk-test-{}", Uuid::new_v4()), fast_policy(), fixed_clock())
            .map(Arc::new)
    };
    let app = KioskApp::new(session, runtime.handle().clone(), fixed_clock());
    let mut harness = kiosk_sized(app);
    harness.get_by_label("English").click();
    harness.run();
    harness.get_by_label("Server address").click();
    harness.run();
    harness.get_by_label("Server address").type_text(&url);
    harness.get_by_label("Enrollment code").click();
    harness.run();
    harness.get_by_label("Enrollment code").type_text(&code);
    harness.run();
    harness.get_by_role_and_label(egui::accesskit::Role::Button, "Enroll").click();

    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while harness.query_by_label("Online").is_none() {
        assert!(std::time::Instant::now() < deadline, "the kiosk did not come online");
        std::thread::sleep(Duration::from_millis(100));
        harness.run();
    }
    harness.get_by_label("Rīgas VPVKAC");
    assert_eq!(harness.state().language(), Language::En);
    assert_eq!(harness.state().enrollment().map(|e| e.kind), Some(DeviceKind::Kiosk));
}

/// A kiosk whose offline store holds the demo catalogue (as a sync would have left it).
fn kiosk_with_demo_catalogue(runtime: &tokio::runtime::Runtime, dir: &std::path::Path) -> KioskApp {
    let session = {
        let _entered = runtime.enter();
        DeviceSession::open(dir, &format!("pietura-kiosk-test-{}", Uuid::new_v4()), fast_policy(), fixed_clock())
            .unwrap()
    };
    // A kiosk without a printer (whether or not this machine has `lp`).
    session.set_no_printer();
    let demo: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../server/demo/demo-catalogue.pietura.json"))
            .unwrap(),
    )
    .unwrap();
    let mut records = Vec::new();
    for (key, kind) in [
        ("organisations", DocumentKind::Organisation),
        ("services", DocumentKind::Service),
        ("articles", DocumentKind::Article),
        ("scenarios", DocumentKind::Scenario),
    ] {
        for value in demo[key].as_array().unwrap() {
            records.push(IncomingRecord {
                kind,
                id: value["id"].as_str().unwrap().to_owned(),
                version: 1,
                retired: false,
                document: value.to_string(),
            });
        }
    }
    let store = session.store();
    store.apply_catalogue_page(&records, 93, 93, 1, fixed_clock()()).unwrap();
    store.save_enrollment(&enrollment()).unwrap();
    KioskApp::new(Ok(Arc::new(session)), runtime.handle().clone(), fixed_clock())
}

/// A whole kiosk on a screen tall enough to show every list without scrolling.
fn tall_kiosk(app: KioskApp) -> Harness<'static, KioskApp> {
    Harness::builder().with_size(egui::vec2(1280.0, 2400.0)).build_ui_state(
        |ui, app: &mut KioskApp| {
            app.run_effects();
            app.draw(ui);
        },
        app,
    )
}

#[test]
fn citizens_browse_by_life_situation_and_read_a_plain_service_page() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let app = kiosk_with_demo_catalogue(&runtime, dir.path());
    let mut harness = tall_kiosk(app);
    harness.run();
    harness.get_by_label("Dzīves situācijas");
    harness.get_by_role_and_label(egui::accesskit::Role::Button, "Mājdzīvnieki").click();
    harness.run();
    harness.run();
    harness.get_by_role_and_label(egui::accesskit::Role::Button, "Suņu turēšanas nodevas samaksa").click();
    harness.run();
    harness.run();
    harness.get_by_label("Cik tas maksā");
    harness.get_by_label("15,00 € Valsts nodeva vai maksa par pakalpojumu.");
    harness.get_by_label("Kā to izdarīt");
    harness.get_by_label("Tiešsaistē (e-pakalpojums)");
    // Nothing runs past the screen's right edge (the addresses were cut off).
    let intro = harness.get_by_label("Adrese, ko atvērt savā tālrunī vai datorā:");
    assert!(intro.rect().max.x <= 1280.0, "the address's introduction runs off the screen");
    for node in harness.query_all_by_label_contains("latvija.gov.lv") {
        assert!(node.rect().max.x <= 1280.0, "{:?} runs off the screen", node.rect());
    }
    // The same page in English, at the press of a button.
    harness.get_by_label("English").click();
    harness.run();
    harness.run();
    harness.get_by_label("Dog-keeping fee payment");
    harness.get_by_label("What it costs");
    // Back leads to the situation's services, in English too now, and back again to the
    // situations.
    harness.get_by_role_and_label(egui::accesskit::Role::Button, "Back").click();
    harness.run();
    harness.run();
    harness.get_by_role_and_label(egui::accesskit::Role::Button, "Dog-keeping fee payment");
    harness.get_by_role_and_label(egui::accesskit::Role::Button, "Back").click();
    harness.run();
    harness.run();
    harness.get_by_label("Life situations");
}

/// A life situation's services are all on the kiosk's screen (the third was cut off under the
/// search field).
#[test]
fn a_life_situations_services_are_all_on_the_kiosks_screen() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let app = kiosk_with_demo_catalogue(&runtime, dir.path());
    let mut harness = kiosk_sized(app);
    harness.run();
    // A situation without a scenario lists its services.
    harness.get_by_role_and_label(egui::accesskit::Role::Button, "Darba meklēšana").click();
    harness.run();
    harness.run();
    let back = harness.get_by_role_and_label(egui::accesskit::Role::Button, "Atpakaļ").rect();
    // The buttons after "Back", but for the status line's retry (the kiosk is offline here).
    let retry = kiosk::texts::tr(Language::Lv, "status.retry");
    let services: Vec<_> = harness
        .query_all_by_role(egui::accesskit::Role::Button)
        .filter(|node| node.rect().min.y > back.max.y)
        .filter(|node| egui_kittest::kittest::NodeT::accesskit_node(node).label().as_deref() != Some(retry.as_str()))
        .map(|node| node.rect())
        .collect();
    assert!(services.len() >= 3, "the situation's services: {services:?}");
    for rect in services {
        assert!(rect.max.y <= 700.0, "a service below the screen's fold: {rect:?}");
    }
}

#[test]
fn citizens_search_with_the_on_screen_keyboard_without_diacritics() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let app = kiosk_with_demo_catalogue(&runtime, dir.path());
    let mut harness = tall_kiosk(app);
    harness.run();
    assert!(harness.query_by_label("ņ").is_none(), "the keyboard waits until the field is touched");
    harness.get_by_label("Meklēt pakalpojumu").click();
    harness.run();
    for key in ["p", "a", "s", "e"] {
        harness.get_by_role_and_label(egui::accesskit::Role::Button, key).click();
        harness.run();
    }
    harness.run();
    // Each hit says what it is and what matched, and sits beside the keyboard (never under it).
    let hit = harness.get_by_label_contains("Pases izsniegšana · pakalpojums");
    let key = harness.get_by_role_and_label(egui::accesskit::Role::Button, "p").rect();
    assert!(!hit.rect().intersects(key), "a result under the keyboard: {:?} vs {key:?}", hit.rect());
    assert!(hit.rect().min.y < 800.0, "the first result is on the kiosk's screen");
    hit.click();
    harness.run();
    harness.run();
    harness.get_by_label("Kur vērsties");
    harness.get_by_label("Cik tas maksā");
}

/// A search finds the knowledge base too: an article opens as text at the kiosk, names who wrote
/// it and the services it is about, and offers "print this" (refused here: no printer).
#[test]
fn citizens_find_and_read_knowledge_base_articles_at_the_kiosk() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let app = kiosk_with_demo_catalogue(&runtime, dir.path());
    let mut harness = tall_kiosk(app);
    harness.run();
    harness.get_by_label("Meklēt pakalpojumu").click();
    harness.run();
    harness.get_by_label("Meklēt pakalpojumu").type_text("biežāk jautā");
    harness.run();
    harness.run();
    harness.get_by_label_contains("Suņu nodeva: ko klienti jautā visbiežāk · skaidrojums").click();
    harness.run();
    harness.run();
    harness.get_by_label("Kam jāmaksā");
    harness.get_by_label_contains("Nodevu maksā katra Rīgā reģistrēta suņa īpašnieks");
    assert!(harness.query_by_label_contains("**").is_none(), "no Markdown marks on screen");
    harness.get_by_role_and_label(egui::accesskit::Role::Button, "Suņu turēšanas nodevas samaksa");
    harness.get_by_label("Drukāt šo").click();
    harness.run();
    harness.get_by_label("Šim kioskam nav pievienots printeris. Jautājiet bibliotekāram.");
    harness.get_by_role_and_label(egui::accesskit::Role::Button, "Atpakaļ").click();
    harness.run();
    assert!(harness.query_by_label("Kam jāmaksā").is_none());
}

fn fast_policy() -> device::schedule::SchedulePolicy {
    device::schedule::SchedulePolicy {
        interval: Duration::from_millis(200),
        backoff_base: Duration::from_millis(100),
        backoff_max: Duration::from_millis(500),
    }
}

#[test]
fn the_pin_keypad_builds_the_pin_and_explains_a_wrong_one() {
    use device::login::{CardDetails, CardView};
    use kiosk::screens::{LoginAction, LoginScreen};
    struct State {
        screen: LoginScreen,
        action: Option<LoginAction>,
    }
    let card = CardView {
        status: "card",
        readers: vec!["Reader".into()],
        card: Some(CardDetails {
            reader: "Reader".into(),
            holder: "JĀNIS BĒRZIŅŠ".into(),
            personal_code: Some("010190-10003".into()),
            not_before: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            not_after: DateTime::from_timestamp(1_900_000_000, 0).unwrap(),
            pin_tries_left: Some(3),
            pin_pad: false,
        }),
        message: None,
    };
    let mut screen = LoginScreen::default();
    screen.card = Some(card);
    let mut harness = Harness::builder().with_size(egui::vec2(1280.0, 800.0)).build_ui_state(
        |ui, state: &mut State| {
            if let Some(action) = state.screen.ui(ui, Language::Lv) {
                state.action = Some(action);
            }
        },
        State { screen, action: None },
    );
    harness.run();
    harness.get_by_label("JĀNIS BĒRZIŅŠ");
    for digit in ["1", "2", "9", "3"] {
        harness.get_by_role_and_label(egui::accesskit::Role::Button, digit).click();
        harness.run();
    }
    harness.get_by_label("PIN1: ievadīti 4 cipari");
    harness.get_by_role_and_label(egui::accesskit::Role::Button, "Dzēst").click();
    harness.run();
    harness.get_by_label("PIN1: ievadīti 3 cipari");
    harness.get_by_role_and_label(egui::accesskit::Role::Button, "4").click();
    harness.run();
    harness.get_by_role_and_label(egui::accesskit::Role::Button, "Apstiprināt").click();
    harness.run();
    match &harness.state().action {
        Some(LoginAction::Submit(pin)) => assert_eq!(pin.as_str(), "1294"),
        other => panic!("expected the PIN, got {other:?}"),
    }
    assert_eq!(harness.state().screen.pin_length(), 0, "the PIN leaves the screen when submitted");

    harness.state_mut().screen.busy = false;
    harness.state_mut().screen.error = Some(("wrong_pin".into(), Some(2)));
    harness.run();
    harness.get_by_label("Nepareizs PIN. Atlikuši 2 mēģinājumi.");
}

/// A kiosk enrolled with a real server that accepts the test CA's cards, and a reader of this
/// process holding a citizen's virtual card. Needs a session keyring like the enrollment test.
fn kiosk_with_card_login(
    runtime: &tokio::runtime::Runtime,
    dir: &std::path::Path,
    clock: Clock,
) -> (KioskApp, Arc<eid::virtual_card::InProcessReaders>) {
    kiosk_with_card_login_over(runtime, dir, clock, None)
}

/// [`kiosk_with_card_login`], talking to its server through `network` when one is given.
fn kiosk_with_card_login_over(
    runtime: &tokio::runtime::Runtime,
    dir: &std::path::Path,
    clock: Clock,
    network: Option<&SlowNetwork>,
) -> (KioskApp, Arc<eid::virtual_card::InProcessReaders>) {
    use eid::{
        apdu::KeyKind,
        test_ca::{Holder, TestCa},
        virtual_card::{InProcessReaders, VirtualCard},
    };
    let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
    #[allow(clippy::disallowed_methods)] // the CA must be valid on the real clock the server uses
    let real_now = chrono::Utc::now();
    let ca = TestCa::generate(real_now.min(now)).unwrap();
    let server = runtime.block_on(server::testing::spawn_with_login(
        dir,
        DeviceKind::Kiosk,
        "Kiosks 1",
        &ca.intermediate_pem().unwrap(),
    ));
    let citizen =
        Holder { given_name: "JĀNIS".into(), surname: "BĒRZIŅŠ".into(), personal_code: "325035-11782".into() };
    let card = ca.issue_card(citizen, KeyKind::EcP384, real_now - chrono::Duration::days(1), None, "1234", "123456");
    let readers = Arc::new(InProcessReaders::with_reader("Reader"));
    readers.insert("Reader", VirtualCard::new(card.unwrap()));
    let session = {
        let _entered = runtime.enter();
        DeviceSession::open_with_cards(
            &dir.join("kiosk"),
            &format!("pietura-kiosk-test-{}", Uuid::new_v4()),
            fast_policy(),
            clock.clone(),
            readers.clone(),
        )
        .unwrap()
    };
    let url = match network {
        Some(network) => network.lead_to(&server.url),
        None => server.url.clone(),
    };
    runtime.block_on(session.enroll(&url, &server.enrollment_code)).unwrap();
    (KioskApp::new(Ok(Arc::new(session)), runtime.handle().clone(), clock), readers)
}

/// A case for `code` on the test server (in `dir`), as a desk of the centre would have pushed.
fn add_case_on_server(runtime: &tokio::runtime::Runtime, dir: &std::path::Path, code: &str, sequence: u32) -> String {
    use domain::case::{Actor, Case, CaseKind, CaseNumber, CaseStatus, NewCase, customer_from_code};
    runtime.block_on(async {
        let store = server::store::open(&server::store::DatabaseLocation::Sqlite(dir.join("server.db"))).await.unwrap();
        let device = store.list_devices().await.unwrap().remove(0);
        #[allow(clippy::disallowed_methods)] // the server's real clock
        let served = chrono::Utc::now() - chrono::Duration::days(2);
        let mut case = Case::register(NewCase {
            id: Uuid::now_v7(),
            number: CaseNumber::new(&device.centre.code, 1, chrono::Datelike::year(&served), sequence).unwrap(),
            service_id: "https://pietura.lv/id/service/dog-registration".into(),
            kind: CaseKind::Application,
            channel: domain::catalogue::ChannelKind::VpvkacInPerson,
            customer: customer_from_code(code, "").unwrap(),
            holder_institution: "https://pietura.lv/id/org/riga".into(),
            provider_institution: None,
            centre_id: device.centre.id,
            arrived_at: served,
            served_at: served,
            registered_at: served,
            registered_by: Actor::Staff {
                personal_code: domain::PersonalCode::parse("161175-19997").unwrap(),
                offline: false,
            },
            note: String::new(),
        })
        .unwrap();
        case.change_status(CaseStatus::Submitted, served, Actor::Institution { id: "x".into() }, "").unwrap();
        let stored = server::store::StoredCase::new(&case, false, served).unwrap();
        store.insert_case(case.id, device.id, stored, served).await.unwrap();
        case.number.to_string()
    })
}

/// A 1×1 PNG picture.
const PICTURE: &[u8] = &[
    137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 31, 21, 196,
    137, 0, 0, 0, 13, 73, 68, 65, 84, 120, 218, 99, 252, 207, 192, 80, 15, 0, 4, 133, 1, 128, 132, 169, 140, 33, 0, 0,
    0, 0, 73, 69, 78, 68, 174, 66, 96, 130,
];

/// The citizen's mailbox on the test server (in `dir`) with one message from the VID holding a
/// PDF; answers the PDF.
fn add_message_on_server(runtime: &tokio::runtime::Runtime, dir: &std::path::Path) -> Vec<u8> {
    use sha2::Digest;
    // A real, long decision: the kiosk draws its first pages and says how many there are.
    let pdf = print::render(&print::Document {
        title: "Lēmums par nekustamā īpašuma nodokli".into(),
        blocks: (1..=140)
            .map(|i| print::Block::Paragraph(format!("{i}. punkts. {}", "Nodokļa aprēķins ".repeat(30))))
            .collect(),
        footer: "Valsts ieņēmumu dienests".into(),
    })
    .unwrap();
    let sha256 = hex::encode(sha2::Sha256::digest(&pdf));
    let png = PICTURE.to_vec();
    let png_sha = hex::encode(sha2::Sha256::digest(&png));
    runtime.block_on(async {
        let store = server::store::open(&server::store::DatabaseLocation::Sqlite(dir.join("server.db"))).await.unwrap();
        #[allow(clippy::disallowed_methods)] // the server's real clock
        let now = chrono::Utc::now();
        let account = |address: &str, kind| server::store::Account {
            address: address.into(),
            kind,
            name: address.into(),
            institution_id: None,
            centre_id: None,
            active: true,
            created_at: now,
            changed_at: now,
        };
        let vid = account("_DEFAULT@90000069281", domain::eaddress::AccountKind::Institution);
        store.put_account(server::store::Account { name: "Valsts ieņēmumu dienests".into(), ..vid }).await.unwrap();
        store.put_account(account("_PRIVATE@32503511782", domain::eaddress::AccountKind::Natural)).await.unwrap();
        let attachments = server::eaddress::Attachments::in_folder(&dir.join("attachments")).unwrap();
        attachments.put(&sha256, pdf.clone().into()).await.unwrap();
        attachments.put(&png_sha, png.clone().into()).await.unwrap();
        let id = Uuid::now_v7();
        let message = server::store::StoredMessage {
            id,
            sender: "_DEFAULT@90000069281".into(),
            sent_by: "institution:https://pietura.lv/id/org/vid".into(),
            subject: "Lēmums par nodokli".into(),
            body: "Pielikumā lēmums.".into(),
            case_number: None,
            in_reply_to: None,
            attachments: serde_json::json!([
                { "name": "lēmums.pdf", "size": pdf.len(), "sha256": sha256 },
                { "name": "karte.png", "size": png.len(), "sha256": png_sha }
            ])
            .to_string(),
            sent_at: now,
        };
        let delivery = server::store::Delivery {
            message_id: id,
            recipient: "_PRIVATE@32503511782".into(),
            delivered_at: now,
            notified_on: now.date_naive() + chrono::Duration::days(2),
            read_at: None,
            read_by: None,
            deleted_at: None,
        };
        let audit = server::audit::NewAuditEntry::new(now, "institution:x", "message_sent", "_DEFAULT@90000069281", "");
        store.send_message(message, vec![delivery], audit).await.unwrap();
    });
    pdf
}

/// The whole kiosk app at the kiosk's own window size (everything must fit on it).
fn kiosk_sized(app: KioskApp) -> Harness<'static, KioskApp> {
    Harness::builder().with_size(egui::vec2(1280.0, 800.0)).build_ui_state(
        |ui, app: &mut KioskApp| {
            app.run_effects();
            app.draw(ui);
        },
        app,
    )
}

/// A clock over the real one (the server uses the real one) that a test moves forward by
/// adding seconds to the offset.
fn movable_clock() -> (Arc<std::sync::atomic::AtomicI64>, Clock) {
    let offset = Arc::new(std::sync::atomic::AtomicI64::new(0));
    let moved = offset.clone();
    #[allow(clippy::disallowed_methods)] // the real clock, moved
    let clock: Clock = Arc::new(move || {
        chrono::Utc::now() + chrono::Duration::seconds(moved.load(std::sync::atomic::Ordering::SeqCst))
    });
    (offset, clock)
}

/// [`kiosk_with_card_login`] with a printer that keeps what it is given (the kiosk's `lp`, a
/// script writing to the answered file).
fn kiosk_with_a_printer(
    runtime: &tokio::runtime::Runtime,
    dir: &std::path::Path,
) -> (KioskApp, Arc<eid::virtual_card::InProcessReaders>, std::path::PathBuf) {
    let (app, readers) = kiosk_with_card_login(runtime, dir, device::engine::system_clock());
    let printed = recording_printer(&app, dir);
    (app, readers, printed)
}

/// A printer command for `app` that keeps what it is given: the pages in DIR/printed.pdf, and
/// what the spooler would keep besides them (the job's options and title) in DIR/print-job.txt.
fn recording_printer(app: &KioskApp, dir: &std::path::Path) -> std::path::PathBuf {
    let (printed, job, lp) = (dir.join("printed.pdf"), dir.join("print-job.txt"), dir.join("lp"));
    std::fs::write(
        &lp,
        format!(
            "#!/bin/sh\necho \"$@\" > {}\ncat > {}\necho request id is kiosk-1\n",
            job.display(),
            printed.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&lp, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    app.session().expect("a session").set_printer_command(lp);
    printed
}

/// Until the letter's picture shows (its name is both the row's label and the picture's).
fn wait_for_the_picture(harness: &mut Harness<'_, KioskApp>) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while harness.query_all_by_label("karte.png").count() < 2 {
        assert!(std::time::Instant::now() < deadline, "the picture never showed");
        std::thread::sleep(Duration::from_millis(50));
        harness.run();
    }
}

fn run_until_contains(harness: &mut Harness<'_, KioskApp>, part: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while harness.query_by_label_contains(part).is_none() {
        assert!(std::time::Instant::now() < deadline, "nothing with {part:?} showed");
        std::thread::sleep(Duration::from_millis(50));
        harness.run();
    }
}

fn run_until(harness: &mut Harness<'_, KioskApp>, label: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while harness.query_by_label(label).is_none() {
        assert!(std::time::Instant::now() < deadline, "{label:?} never showed; the screen: {:#?}", harness.root());
        std::thread::sleep(Duration::from_millis(50));
        harness.run();
    }
}

fn log_in_on_the_keypad(harness: &mut Harness<'_, KioskApp>) {
    harness.get_by_label("Log in with your eID card").click();
    run_until(harness, "JĀNIS BĒRZIŅŠ");
    for digit in ["1", "2", "3", "4"] {
        harness.get_by_role_and_label(egui::accesskit::Role::Button, digit).click();
        harness.run();
    }
    harness.get_by_role_and_label(egui::accesskit::Role::Button, "Confirm").click();
    run_until(harness, "Hello, JĀNIS BĒRZIŅŠ!");
}

#[test]
fn a_citizen_logs_in_at_the_kiosk_and_taking_the_card_out_ends_and_wipes_the_session() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (app, readers) = kiosk_with_card_login(&runtime, dir.path(), device::engine::system_clock());
    let mut harness = kiosk_sized(app);
    let theirs = add_case_on_server(&runtime, dir.path(), "325035-11782", 7);
    let someone_elses = add_case_on_server(&runtime, dir.path(), "290156-11605", 8);
    harness.get_by_label("English").click();
    harness.run();
    log_in_on_the_keypad(&mut harness);
    // Their own case and its status, fetched from the server; nobody else's.
    run_until(&mut harness, &theirs);
    harness.get_by_label("Submitted to the institution");
    assert!(harness.query_by_label(&someone_elses).is_none(), "another person's case");
    readers.remove("Reader");
    run_until(&mut harness, "Session ended: the card was taken out.");
    assert!(harness.query_by_label("Hello, JĀNIS BĒRZIŅŠ!").is_none(), "nothing of the citizen stays on screen");
    assert!(harness.query_by_label(&theirs).is_none(), "their cases are gone with the session");
}

#[test]
fn an_idle_citizen_session_ends_by_itself() {
    use std::sync::atomic::Ordering;
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (offset, clock) = movable_clock();
    let (app, _readers) = kiosk_with_card_login(&runtime, dir.path(), clock);
    let mut harness = kiosk_sized(app);
    harness.get_by_label("English").click();
    harness.run();
    log_in_on_the_keypad(&mut harness);
    let idle_for = |seconds: i64| offset.fetch_add(seconds, Ordering::SeqCst);
    // 20 s before the wipe: asked, with a countdown, over everything; "Continue" keeps the session.
    idle_for(kiosk::IDLE_TIMEOUT_SECS - kiosk::IDLE_WARNING_SECS + 1);
    run_until(&mut harness, "Are you still here?");
    assert!(harness.query_by_label_contains("seconds everything here is cleared for the next visitor").is_some());
    harness.get_by_label("Continue").click();
    harness.run();
    assert!(harness.query_by_label("Are you still here?").is_none());
    assert!(harness.query_by_label("Hello, JĀNIS BĒRZIŅŠ!").is_some(), "the session goes on");
    // Asked again, and nobody answers: the session ends and the kiosk is back in Latvian.
    idle_for(kiosk::IDLE_TIMEOUT_SECS - kiosk::IDLE_WARNING_SECS + 1);
    run_until(&mut harness, "Are you still here?");
    idle_for(kiosk::IDLE_WARNING_SECS);
    run_until(&mut harness, "Sesija beigta neaktivitātes dēļ.");
    assert!(harness.query_by_label("Hello, JĀNIS BĒRZIŅŠ!").is_none());
    assert!(harness.query_by_label("Pieslēgties ar eID karti").is_some(), "the home screen, in Latvian");

    // "Finish" with the card still in says so, not that the card was taken out.
    harness.get_by_label("English").click();
    harness.run();
    log_in_on_the_keypad(&mut harness);
    harness.get_by_label("Finish").click();
    run_until(&mut harness, "Session ended, your data wiped from the kiosk. Do not forget to take your card.");
    // Someone's English (or search) is not left for the next person either.
    idle_for(kiosk::IDLE_TIMEOUT_SECS - kiosk::IDLE_WARNING_SECS + 1);
    run_until(&mut harness, "Are you still here?");
    idle_for(kiosk::IDLE_WARNING_SECS);
    run_until(&mut harness, "Pieslēgties ar eID karti");
}

/// The citizen reads their e-address inbox at the kiosk: opening a message marks it read, its
/// PDF goes to the kiosk's printer, they see who looked at their mailbox, and taking the card
/// out wipes it all.
#[test]
fn a_citizen_reads_their_mailbox_prints_an_attachment_and_sees_who_looked() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let network = SlowNetwork::new();
    let (app, readers) =
        kiosk_with_card_login_over(&runtime, dir.path(), device::engine::system_clock(), Some(&network));
    let printed = recording_printer(&app, dir.path());
    let pdf = add_message_on_server(&runtime, dir.path());
    let mut harness = kiosk_sized(app);
    harness.get_by_label("English").click();
    harness.run();
    log_in_on_the_keypad(&mut harness);
    harness.get_by_label("Your e-address").click();
    // The sender by name, as the server names the mailbox.
    run_until_contains(&mut harness, "Lēmums par nodokli — Valsts ieņēmumu dienests");
    let listed = harness.query_all_by_label_contains("Lēmums par nodokli").count();
    assert_eq!(listed, 1);
    // Unread, said in words (a screen reader does not see bold).
    assert!(harness.query_by_label_contains("New · Lēmums par nodokli").is_some());
    harness.query_by_label_contains("Lēmums par nodokli").unwrap().click();
    run_until(&mut harness, "Pielikumā lēmums.");
    // The PDF is drawn on screen, its first pages, each named by its page.
    harness.query_all_by_label("Show").next().unwrap().click();
    run_until(&mut harness, "lēmums.pdf, page 1");
    let total = print::preview::pdf_pages(&pdf, 1, 100).unwrap().total;
    assert!(total > 10, "the letter is longer than what is drawn: {total}");
    assert!(
        harness
            .query_by_label(&format!("The first 10 pages of {total} are shown. Print the document to read it all."))
            .is_some()
    );
    assert!(harness.query_by_label("lēmums.pdf, page 10").is_some());
    assert!(harness.query_by_label("lēmums.pdf, page 11").is_none());
    harness.query_all_by_label("Back to the message").next().unwrap().click();
    harness.run();
    assert!(harness.query_by_label("lēmums.pdf, page 1").is_none(), "the pages go with the view");
    // The picture is shown on screen too; the PDF goes to the printer.
    harness.query_all_by_label("Show").nth(1).unwrap().click();
    wait_for_the_picture(&mut harness);
    harness.get_by_label("Back to the message").click();
    harness.run();
    // On a slow network a tap that would print while the picture is still coming is not kept
    // for later, out of sight: the citizen is told to tap again.
    network.hold();
    harness.query_all_by_label("Show").nth(1).unwrap().click();
    harness.run();
    harness.query_all_by_label("Print").next().unwrap().click();
    harness.run();
    harness.get_by_label("Still finishing the previous step: tap again once it is done.");
    network.release();
    wait_for_the_picture(&mut harness);
    assert!(harness.query_by_label("Still finishing the previous step: tap again once it is done.").is_none());
    assert!(!printed.exists(), "a refused tap printed nothing");
    harness.get_by_label("Back to the message").click();
    harness.run();
    harness.query_all_by_label("Print").next().unwrap().click();
    run_until(&mut harness, "Sent to the printer. Take it from the printer.");
    assert_eq!(std::fs::read(&printed).unwrap(), pdf, "the PDF went to the printer as it is");
    // Back to the list while the network is slow: the list (still as it was) is there at once,
    // and a tap on it is taken, said so, and done once the fresh list has come.
    network.hold();
    harness.get_by_label("Back to the mailbox").click();
    harness.run();
    harness.get_by_label("Who looked at my mailbox").click();
    harness.run();
    harness.get_by_label("One moment: the previous step is finishing, then yours follows.");
    network.release();
    run_until(&mut harness, "opened a message");
    assert!(harness.query_by_label("One moment: the previous step is finishing, then yours follows.").is_none());
    // The list came again from the server, the letter read now.
    assert!(harness.query_by_label_contains("Lēmums par nodokli — Valsts ieņēmumu dienests").is_some());
    assert!(harness.query_by_label_contains("New · ").is_none(), "the letter still shows as new");
    // Their own doings are "You"'s, not their personal code.
    assert!(harness.query_all_by_label("You").next().is_some());
    assert!(harness.query_by_label_contains("person:").is_none(), "actors are named, not shown as codes of kinds");
    // In Latvian, in the second person: "Jūs atvērāt vēstuli", never "Jūs atvēra".
    harness.get_by_label("Latviešu").click();
    run_until(&mut harness, "atvērāt vēstuli");
    assert!(harness.query_by_label("atvēra vēstuli").is_none());
    harness.get_by_label("English").click();
    harness.run();
    readers.remove("Reader");
    run_until(&mut harness, "Session ended: the card was taken out.");
    assert!(harness.query_by_label_contains("Lēmums par nodokli").is_none(), "nothing of the mailbox stays");
    // The server knows it was read.
    runtime.block_on(async {
        let store =
            server::store::open(&server::store::DatabaseLocation::Sqlite(dir.path().join("server.db"))).await.unwrap();
        let inbox = store.inbox("_PRIVATE@32503511782".into(), None, 10).await.unwrap();
        assert!(inbox[0].1.read_at.is_some());
    });
}

/// The citizen lets a relative read their mailbox for six months, typed on the kiosk's keypad
/// and confirmed in words; the server holds it; they end it again. Their own code and a code
/// with a wrong check digit are refused with a reason.
#[test]
fn a_citizen_lets_a_relative_read_their_mailbox_and_ends_it() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (app, _readers) = kiosk_with_card_login(&runtime, dir.path(), device::engine::system_clock());
    add_message_on_server(&runtime, dir.path());
    // The kiosk's own window size: everything here fits on it.
    let mut harness = kiosk_sized(app);
    harness.get_by_label("English").click();
    harness.run();
    log_in_on_the_keypad(&mut harness);
    // The relative has an e-address of their own, with their name.
    runtime.block_on(async {
        let store =
            server::store::open(&server::store::DatabaseLocation::Sqlite(dir.path().join("server.db"))).await.unwrap();
        #[allow(clippy::disallowed_methods)] // the server's real clock
        let now = chrono::Utc::now();
        let relative = server::store::Account {
            address: "_PRIVATE@16117519997".into(),
            kind: domain::eaddress::AccountKind::Natural,
            name: "ILZE OZOLIŅA".into(),
            institution_id: None,
            centre_id: None,
            active: true,
            created_at: now,
            changed_at: now,
        };
        store.put_account(relative).await.unwrap();
    });
    harness.get_by_label("Access to my mailbox").click();
    run_until_contains(&mut harness, "Nobody else.");
    let type_code = |harness: &mut Harness<'_, KioskApp>, code: &str| {
        for digit in code.chars() {
            harness.get_by_role_and_label(egui::accesskit::Role::Button, &digit.to_string()).click();
            harness.run();
        }
    };
    // Their own code: refused before anything is sent.
    type_code(&mut harness, "32503511782");
    assert!(harness.query_by_label("325035-11782").is_some(), "typed as people write it");
    harness.get_by_label("Allow reading").click();
    harness.run();
    harness.get_by_label("Yes, allow").click();
    run_until(&mut harness, "That is your own code. Type the code of the person you let read.");
    for _ in 0..11 {
        harness.get_by_label("Delete").click();
        harness.run();
    }
    // A slip of one digit (the check digit fails).
    type_code(&mut harness, "16117519996");
    harness.get_by_label("Allow reading").click();
    harness.run();
    harness.get_by_label("Yes, allow").click();
    run_until(&mut harness, "There is no such personal code. Check the digits and type it again.");
    harness.get_by_label("Delete").click();
    harness.run();
    type_code(&mut harness, "7");
    harness.get_by_label("6 months").click();
    harness.run();
    harness.get_by_label("Allow reading").click();
    harness.run();
    #[allow(clippy::disallowed_methods)] // this kiosk runs on the real clock
    let until = kiosk::screens::months_ahead(domain::calendar::riga_date(chrono::Utc::now()), 6);
    let until_text = until.format("%d.%m.%Y").to_string();
    assert!(
        harness
            .query_by_label(&format!(
                "The person with the code 161175-19997 will be able to read all your e-address messages until {until_text}. You can end this at any time. Allow it?"
            ))
            .is_some(),
        "the citizen reads what they allow before they allow it"
    );
    harness.get_by_label("Yes, allow").click();
    run_until(&mut harness, "Allowed. The right holds from now on.");
    run_until(&mut harness, &format!("until {until_text} (inclusive)"));
    assert!(harness.query_by_label("161175-19997").is_some());
    // Named as their own e-address account names them, beside the code.
    assert!(harness.query_by_label("ILZE OZOLIŅA").is_some(), "the delegate by name");
    let held = runtime.block_on(async {
        let store =
            server::store::open(&server::store::DatabaseLocation::Sqlite(dir.path().join("server.db"))).await.unwrap();
        store.delegations(Some("_PRIVATE@32503511782".into()), None).await.unwrap()
    });
    assert_eq!(held.len(), 1);
    assert_eq!(
        (held[0].delegate.as_str(), held[0].rights, held[0].ends_on),
        ("161175-19997", domain::eaddress::Right::Read, until)
    );
    harness.get_by_label("End").click();
    run_until(&mut harness, "Ended. The person can no longer read your mailbox.");
    run_until_contains(&mut harness, "Nobody else.");
    let held = runtime.block_on(async {
        let store =
            server::store::open(&server::store::DatabaseLocation::Sqlite(dir.path().join("server.db"))).await.unwrap();
        store.delegations(Some("_PRIVATE@32503511782".into()), None).await.unwrap()
    });
    assert!(held[0].revoked_at.is_some(), "ended on the server");
}

/// A company's representative (recorded from the register) reads the company's mail at the
/// kiosk beside their own, and lets an employee send in the company's name for a month.
#[test]
fn a_representative_reads_the_companys_mail_and_lets_an_employee_send_in_its_name() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (app, _readers) = kiosk_with_card_login(&runtime, dir.path(), device::engine::system_clock());
    add_message_on_server(&runtime, dir.path());
    const COMPANY: &str = "_DEFAULT@40003521600";
    runtime.block_on(async {
        let store =
            server::store::open(&server::store::DatabaseLocation::Sqlite(dir.path().join("server.db"))).await.unwrap();
        #[allow(clippy::disallowed_methods)] // the server's real clock
        let now = chrono::Utc::now();
        let company = server::store::Account {
            address: COMPANY.into(),
            kind: domain::eaddress::AccountKind::Legal,
            name: "SIA Piemērs".into(),
            institution_id: None,
            centre_id: None,
            active: true,
            created_at: now,
            changed_at: now,
        };
        store.put_account(company).await.unwrap();
        server::eaddress::record_representative(store.as_ref(), COMPANY, "325035-11782", "UR izziņa Nr. 1", now)
            .await
            .unwrap();
        let id = Uuid::now_v7();
        let message = server::store::StoredMessage {
            id,
            sender: "_DEFAULT@90000069281".into(),
            sent_by: "institution:https://pietura.lv/id/org/vid".into(),
            subject: "Uzņēmuma nodokļu parāds".into(),
            body: "Lūdzam samaksāt.".into(),
            case_number: None,
            in_reply_to: None,
            attachments: "[]".into(),
            sent_at: now,
        };
        let delivery = server::store::Delivery {
            message_id: id,
            recipient: COMPANY.into(),
            delivered_at: now,
            notified_on: now.date_naive() + chrono::Duration::days(2),
            read_at: None,
            read_by: None,
            deleted_at: None,
        };
        let audit = server::audit::NewAuditEntry::new(now, "institution:x", "message_sent", "_DEFAULT@90000069281", "");
        store.send_message(message, vec![delivery], audit).await.unwrap();
    });
    let mut harness = kiosk_sized(app);
    let company_case = add_case_on_server(&runtime, dir.path(), "40003521600", 9);
    harness.get_by_label("English").click();
    harness.run();
    log_in_on_the_keypad(&mut harness);
    // The company's cases beside their own, marked as the company's.
    run_until(&mut harness, &company_case);
    assert!(harness.query_by_label_contains("A case of 40003521600").is_some());
    harness.get_by_label("Your e-address").click();
    run_until_contains(&mut harness, "Lēmums par nodokli");
    assert!(harness.query_by_label_contains("Uzņēmuma nodokļu parāds").is_none(), "their own mailbox first");
    harness.get_by_label("SIA Piemērs").click();
    run_until_contains(&mut harness, "Uzņēmuma nodokļu parāds");
    assert!(harness.query_by_label_contains("Lēmums par nodokli").is_none(), "only the company's");

    harness.get_by_label("Access to my mailbox").click();
    run_until(&mut harness, "Who may use the e-address of SIA Piemērs");
    for digit in "16117519997".chars() {
        harness.get_by_role_and_label(egui::accesskit::Role::Button, &digit.to_string()).click();
        harness.run();
    }
    harness.get_by_label("Send in its name").click();
    harness.run();
    harness.get_by_label("Allow").click();
    harness.run();
    assert!(
        harness.query_by_label_contains("will be able to read and send messages in its name (SIA Piemērs)").is_some()
    );
    harness.get_by_label("Yes, allow").click();
    run_until(&mut harness, "Allowed. The right holds from now on.");
    run_until(&mut harness, "161175-19997");
    let held = runtime.block_on(async {
        let store =
            server::store::open(&server::store::DatabaseLocation::Sqlite(dir.path().join("server.db"))).await.unwrap();
        store.delegations(Some(COMPANY.into()), None).await.unwrap()
    });
    assert_eq!((held.len(), held[0].rights), (1, domain::eaddress::Right::Communicate));
    // Back to their own: their own delegations, none.
    harness.get_by_label("My mailbox").click();
    run_until_contains(&mut harness, "Nobody else.");
}

/// Issue 15: the citizen answers the VID's letter at the kiosk — writes the text, reads the reply
/// as the pages they will sign, enters PIN2 on the keypad (a wrong one first: tries left said),
/// and the VID receives the reply from the citizen's mailbox with the signed PDF, which verifies
/// as the citizen's signature over exactly what they read.
#[test]
fn a_citizen_answers_a_letter_signed_with_pin2_on_the_kiosk_keypad() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (app, _readers) = kiosk_with_card_login(&runtime, dir.path(), device::engine::system_clock());
    add_message_on_server(&runtime, dir.path());
    let mut harness = kiosk_sized(app);
    harness.get_by_label("English").click();
    harness.run();
    log_in_on_the_keypad(&mut harness);
    harness.get_by_label("Your e-address").click();
    run_until_contains(&mut harness, "Lēmums par nodokli — Valsts ieņēmumu dienests");
    harness.query_by_label_contains("Lēmums par nodokli").unwrap().click();
    run_until(&mut harness, "Pielikumā lēmums.");
    harness.get_by_label("Reply, signing with the eID card").click();
    run_until(&mut harness, "The reply's text");
    harness.get_by_label("The reply's text").click();
    harness.run();
    harness.get_by_label("The reply's text").type_text("Lūdzu pārskatīt lēmumu");
    harness.run();
    // The on-screen keyboard writes too (a kiosk has no keyboard of its own).
    for key in ["2", "0", "2", "5", "."] {
        harness.get_by_role_and_label(egui::accesskit::Role::Button, key).click();
        harness.run();
    }
    harness.get_by_label("Read and sign").click();
    run_until(&mut harness, "Reply page 1 of 1");
    harness.get_by_label("To sign, enter your PIN2 (6–12 digits).");
    let press = |harness: &mut Harness<'_, KioskApp>, pin: &str| {
        for digit in pin.chars() {
            harness.get_by_role_and_label(egui::accesskit::Role::Button, &digit.to_string()).click();
            harness.run();
        }
        harness.get_by_role_and_label(egui::accesskit::Role::Button, "Confirm").click();
        harness.run();
    };
    press(&mut harness, "000000");
    run_until(&mut harness, "Wrong PIN2. 2 tries left.");
    assert!(harness.query_by_label("Reply page 1 of 1").is_some(), "the reply stays to read and sign");
    press(&mut harness, "123456");
    run_until_contains(&mut harness, "is signed and sent");
    harness.get_by_label_contains("Re: Lēmums par nodokli");

    // The VID has it: from the citizen's own mailbox, answering the letter, with the signed PDF.
    runtime.block_on(async {
        let store =
            server::store::open(&server::store::DatabaseLocation::Sqlite(dir.path().join("server.db"))).await.unwrap();
        let inbox = store.inbox("_DEFAULT@90000069281".into(), None, 10).await.unwrap();
        assert_eq!(inbox.len(), 1, "{inbox:?}");
        let (reply, _) = &inbox[0];
        assert_eq!(reply.sender, "_PRIVATE@32503511782");
        assert_eq!(reply.subject, "Re: Lēmums par nodokli");
        assert_eq!(reply.body, "Lūdzu pārskatīt lēmumu2025.");
        assert!(reply.in_reply_to.is_some());
        let attachments: Vec<domain::eaddress::AttachmentInfo> = serde_json::from_str(&reply.attachments).unwrap();
        assert_eq!(attachments[0].name, "atbilde.pdf");
        let files = server::eaddress::Attachments::in_folder(&dir.path().join("attachments")).unwrap();
        let pdf = files.get(&attachments[0].sha256).await.unwrap();
        let verified = pades::verify(&pdf).unwrap();
        let signer = eid::ParsedCertificate::from_der(&verified.signer_certificate).unwrap();
        assert_eq!(signer.identity().personal_code(), Some(("LV", "325035-11782")));
        let embedded: protocol::SignedReply = serde_json::from_slice(&verified.files[0].1).unwrap();
        assert_eq!(embedded.body, reply.body);
    });
}

/// Issue 16: larger text and high contrast are chosen on every screen, outlive the wipe of a
/// citizen's session (the same person may come back to the card slot), and go back to the
/// defaults after a minute without use.
#[test]
fn text_size_and_contrast_outlive_the_wipe_for_a_minute_only() {
    use std::sync::atomic::Ordering;
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (offset, clock) = movable_clock();
    let (app, readers) = kiosk_with_card_login(&runtime, dir.path(), clock);
    let mut harness = kiosk_sized(app);
    harness.run();
    harness.get_by_label("Ļoti liels teksts").click();
    harness.run();
    harness.get_by_label("Kontrasts").click();
    harness.run();
    let chosen = kiosk::Display { size: 2, high_contrast: true };
    assert_eq!(harness.state().display(), chosen);
    assert_eq!(harness.ctx.global_style().visuals.panel_fill, egui::Color32::BLACK, "the theme follows");
    harness.get_by_label("English").click();
    harness.run();
    log_in_on_the_keypad(&mut harness);
    // Still chosen on the citizen's screen, and after their card leaves.
    assert_eq!(harness.state().display(), chosen);
    readers.remove("Reader");
    run_until(&mut harness, "Session ended: the card was taken out.");
    assert_eq!(harness.state().display(), chosen, "kept across the wipe");
    // A minute without use (after the language went back too): the defaults.
    offset.fetch_add(kiosk::IDLE_TIMEOUT_SECS - kiosk::IDLE_WARNING_SECS + 1, Ordering::SeqCst);
    run_until(&mut harness, "Are you still here?");
    offset.fetch_add(kiosk::IDLE_WARNING_SECS, Ordering::SeqCst);
    run_until(&mut harness, "Pieslēgties ar eID karti");
    assert_eq!(harness.state().display(), chosen, "not before its own minute");
    offset.fetch_add(kiosk::DISPLAY_KEPT_IDLE_SECS, Ordering::SeqCst);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while harness.state().display() != kiosk::Display::default() {
        assert!(std::time::Instant::now() < deadline, "the display never went back to the defaults");
        std::thread::sleep(Duration::from_millis(50));
        harness.run();
    }
    assert_ne!(harness.ctx.global_style().visuals.panel_fill, egui::Color32::BLACK);
}

/// Every file under `root` (recursively) with where each of `needles` occurs in it.
fn files_containing(root: &std::path::Path, needles: &[(&str, Vec<u8>)]) -> Vec<String> {
    let mut found = Vec::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
                continue;
            }
            let Ok(bytes) = std::fs::read(&path) else { continue };
            for (name, needle) in needles {
                if bytes.windows(needle.len()).any(|window| window == needle.as_slice()) {
                    found.push(format!("{} holds the {name}", path.display()));
                }
            }
        }
    }
    found
}

/// Issue 16, the wipe proof: after a whole citizen session — login, the inbox, a PDF and a picture
/// opened and the PDF printed, a delegation given — nothing of theirs is left in the kiosk's data
/// folder in a readable form: not their personal code (either way it is written), their name, the
/// letter's subject or text, nor a piece of the attachment's bytes. (The store is SQLCipher; the
/// catalogue file next to it is public; printing goes through a pipe.)
#[test]
fn a_citizen_session_leaves_nothing_of_theirs_readable_in_the_kiosks_data_folder() {
    // The session runs in a child process whose temporary folder is a fresh one of its own, so
    // that folder can be searched too (other tests write the same people into the shared one).
    const CHILD: &str = "PIETURA_WIPE_PROOF_CHILD";
    if std::env::var_os(CHILD).is_none() {
        let temp = tempfile::tempdir().unwrap();
        let status = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "a_citizen_session_leaves_nothing_of_theirs_readable_in_the_kiosks_data_folder"])
            .args(["--nocapture", "--test-threads=1"])
            .env(CHILD, "1")
            .env("TMPDIR", temp.path())
            .status()
            .unwrap();
        assert!(status.success(), "the session in the child process failed (its output is above)");
        return;
    }
    let temp = std::env::temp_dir();
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let (app, readers, printed) = kiosk_with_a_printer(&runtime, dir.path());
    let pdf = add_message_on_server(&runtime, dir.path());
    let mut harness = kiosk_sized(app);
    harness.get_by_label("English").click();
    harness.run();
    log_in_on_the_keypad(&mut harness);
    harness.get_by_label("Your e-address").click();
    run_until_contains(&mut harness, "Lēmums par nodokli");
    harness.query_by_label_contains("Lēmums par nodokli").unwrap().click();
    run_until(&mut harness, "Pielikumā lēmums.");
    harness.query_all_by_label("Show").next().unwrap().click();
    run_until(&mut harness, "lēmums.pdf, page 1");
    harness.query_all_by_label("Back to the message").next().unwrap().click();
    harness.run();
    harness.query_all_by_label("Show").nth(1).unwrap().click();
    wait_for_the_picture(&mut harness);
    harness.get_by_label("Back to the message").click();
    harness.run();
    harness.query_all_by_label("Print").next().unwrap().click();
    run_until(&mut harness, "Sent to the printer. Take it from the printer.");
    harness.get_by_label("Access to my mailbox").click();
    run_until_contains(&mut harness, "Nobody else.");
    for digit in "16117519997".chars() {
        harness.get_by_role_and_label(egui::accesskit::Role::Button, &digit.to_string()).click();
        harness.run();
    }
    harness.get_by_label("Allow reading").click();
    harness.run();
    harness.get_by_label("Yes, allow").click();
    run_until(&mut harness, "Allowed. The right holds from now on.");
    readers.remove("Reader");
    run_until(&mut harness, "Session ended: the card was taken out.");
    // Let the store settle (the sync engine writes in the background), then look.
    std::thread::sleep(Duration::from_millis(500));
    harness.run();
    let middle = pdf.len() / 2;
    let needles = [
        ("personal code", b"325035-11782".to_vec()),
        ("personal code without its dash", b"32503511782".to_vec()),
        ("name", "BĒRZIŅŠ".as_bytes().to_vec()),
        ("letter's subject", "Lēmums par nodokli".as_bytes().to_vec()),
        ("letter's text", "Pielikumā lēmums".as_bytes().to_vec()),
        ("delegate's code", b"16117519997".to_vec()),
        ("attachment's bytes", pdf[middle..middle + 48].to_vec()),
    ];
    let data_folder = dir.path().join("kiosk");
    assert!(std::fs::read_dir(&data_folder).unwrap().count() > 0, "the kiosk's data folder is there");
    // The data folder, the temporary folder, and what the print spooler was given besides the
    // pages (CUPS keeps a job's title and options in its history after printing).
    let job = dir.path().join("print-job.txt");
    assert!(job.exists(), "the printer was asked");
    let mut found = files_containing(&data_folder, &needles);
    // The temporary folder but for the test's own (the server's database and attachments).
    for entry in std::fs::read_dir(&temp).unwrap().flatten() {
        let path = entry.path();
        if path == dir.path() {
            continue;
        }
        if path.is_dir() {
            found.extend(files_containing(&path, &needles));
        } else if let Ok(bytes) = std::fs::read(&path)
            && needles.iter().any(|(_, n)| bytes.windows(n.len()).any(|w| w == n.as_slice()))
        {
            found.push(format!("{} in the temporary folder holds the citizen's data", path.display()));
        }
    }
    let job_line = std::fs::read_to_string(&job).unwrap();
    for (name, needle) in needles.iter().chain([&("attachment's name", "lēmums".as_bytes().to_vec())]) {
        if job_line.as_bytes().windows(needle.len()).any(|w| w == needle.as_slice()) {
            found.push(format!("the print job's title or options hold the {name}: {job_line}"));
        }
    }
    assert!(found.is_empty(), "the citizen's data is readable on the kiosk:\n{}", found.join("\n"));
    // The scan finds what is there: the server's attachment store holds the letter's PDF.
    let control = files_containing(&dir.path().join("attachments"), &needles[6..]);
    assert_eq!(control.len(), 1, "{control:?}");
    // The printout went to the printer whole, and only there.
    assert_eq!(std::fs::read(&printed).unwrap(), pdf);
}

/// How many buttons a screen reader describes with `text` (a tile's line under its title).
fn described_with(harness: &Harness<'_, KioskApp>, text: &str) -> usize {
    harness
        .query_all_by_role(egui::accesskit::Role::Button)
        .filter(|node| {
            egui_kittest::kittest::NodeT::accesskit_node(node).description().is_some_and(|d| d.contains(text))
        })
        .count()
}

/// The navigator: a life situation with a scenario asks its questions beside the plan; each
/// answer reshapes the plan (steps left out say why, unanswered ones are "if it applies"); a step
/// opens its service page and "Back" returns to the plan; the plan prints as a checklist (read
/// back with pdftotext) under a job title that names nothing.
#[test]
fn a_life_situation_asks_its_questions_and_prints_the_plan_they_shape() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let app = kiosk_with_demo_catalogue(&runtime, dir.path());
    let printed = recording_printer(&app, dir.path());
    let job = dir.path().join("print-job.txt");
    // Tall: the whole plan in the tree at once (at 1280×800 its end is scrolled to).
    let mut harness = tall_kiosk(app);
    harness.run();
    harness.get_by_role_and_label(egui::accesskit::Role::Button, "Bērna piedzimšana").click();
    harness.run();
    harness.run();
    harness.get_by_label("Atbildiet uz dažiem jautājumiem");
    // Unanswered, the conditional steps are "if it applies"; the ones without conditions are plain.
    harness.get_by_role_and_label(egui::accesskit::Role::Button, "Bērna dzimšanas reģistrācija");
    assert_eq!(described_with(&harness, "Ja attiecas uz jums"), 3);
    assert!(harness.query_by_label("Jums nav vajadzīgs").is_none());
    // Answers: insured yes, Riga no, maintenance no.
    for name in [
        "Vai kāds no vecākiem strādā un ir sociāli apdrošināts? Jā",
        "Vai ģimene dzīvo Rīgā? Nē",
        "Vai otrs vecāks nemaksā uzturlīdzekļus? Nē",
    ] {
        harness.get_by_role_and_label(egui::accesskit::Role::Button, name).click();
        harness.run();
        harness.run();
    }
    harness.get_by_label("Jums nav vajadzīgs");
    harness.get_by_label_contains("Rinda uz bērnudārzu ir savā pašvaldībā, ne Rīgā.");
    harness.get_by_label_contains("Vajadzīgs tikai, ja otrs vecāks nemaksā uzturlīdzekļus.");
    assert_eq!(described_with(&harness, "Ja attiecas uz jums"), 0);
    harness.get_by_role_and_label(egui::accesskit::Role::Button, "Vecāku pabalsts");
    // Taking an answer back makes its steps "if it applies" again.
    harness.get_by_role_and_label(egui::accesskit::Role::Button, "Vai ģimene dzīvo Rīgā? Nē").click();
    harness.run();
    harness.run();
    assert_eq!(described_with(&harness, "Ja attiecas uz jums"), 1);
    harness.get_by_role_and_label(egui::accesskit::Role::Button, "Vai ģimene dzīvo Rīgā? Nē").click();
    harness.run();
    harness.run();
    // A step opens its service; back returns to the plan with the answers kept.
    harness.get_by_role_and_label(egui::accesskit::Role::Button, "Bērna piedzimšanas pabalsts").click();
    harness.run();
    harness.run();
    harness.get_by_label("Cik tas maksā");
    harness.get_by_role_and_label(egui::accesskit::Role::Button, "Atpakaļ").click();
    harness.run();
    harness.run();
    harness.get_by_label("Jums nav vajadzīgs");
    // The plan on paper.
    harness.get_by_role_and_label(egui::accesskit::Role::Button, "Drukāt plānu").click();
    harness.run();
    harness.run();
    harness.get_by_label("Nosūtīts uz printeri. Paņemiet izdruku.");
    let text = std::process::Command::new("pdftotext").arg(&printed).arg("-").output().unwrap();
    let text = String::from_utf8_lossy(&text.stdout).replace('\n', " ");
    for expected in [
        "Bērna piedzimšana",
        "☐ 1. Bērna dzimšanas reģistrācija",
        "Vecāku pabalsts",
        "Jums nav vajadzīgs",
        "Rinda uz bērnudārzu ir savā pašvaldībā",
        "Vai ģimene dzīvo Rīgā?",
        "Kur saņemt palīdzību",
    ] {
        assert!(text.contains(expected), "{expected:?} is not on the printed plan:\n{text}");
    }
    assert!(!text.contains("☐ 6."), "left-out steps are not on the checklist:\n{text}");
    assert!(std::fs::read_to_string(&job).unwrap().contains("-t Pietura"), "a neutral job title");
    // The same plan in English at the press of a button, the answers kept.
    harness.get_by_label("English").click();
    harness.run();
    harness.run();
    harness.get_by_label("A child is born");
    harness.get_by_role_and_label(egui::accesskit::Role::Button, "Registering a child's birth");
    harness.get_by_label("Not needed for you");
    harness.get_by_role_and_label(egui::accesskit::Role::Button, "Does the family live in Riga? No");
}

/// Scrolls the button `label` into view as a finger would, then presses it.
fn tap(harness: &mut Harness<'_, KioskApp>, label: &str) {
    harness.get_by_label(label).scroll_to_me();
    harness.run();
    harness.get_by_label(label).click();
    harness.run();
}

/// The demo catalogue with its forms on the test server (in `dir`), the PMLP's mailbox and the
/// citizen's own, as a self-service form needs them.
fn add_self_service_on_server(runtime: &tokio::runtime::Runtime, dir: &std::path::Path) {
    runtime.block_on(async {
        let store = server::store::open(&server::store::DatabaseLocation::Sqlite(dir.join("server.db"))).await.unwrap();
        let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/demo");
        let mut catalogue =
            server::catalogue::files::read(&demo.join("demo-catalogue.pietura.json")).unwrap().catalogue;
        for form in std::fs::read_dir(demo.join("forms")).unwrap() {
            catalogue.forms.extend(server::catalogue::files::read(&form.unwrap().path()).unwrap().catalogue.forms);
        }
        #[allow(clippy::disallowed_methods)] // the server's real clock
        let now = chrono::Utc::now();
        server::catalogue::Catalogue::new(store.clone()).import(catalogue, now).await.unwrap();
        for (address, kind, name) in [
            (
                "_DEFAULT@90001473841",
                domain::eaddress::AccountKind::Institution,
                "Pilsonības un migrācijas lietu pārvalde",
            ),
            ("_PRIVATE@32503511782", domain::eaddress::AccountKind::Natural, "JĀNIS BĒRZIŅŠ"),
        ] {
            let account = server::store::Account {
                address: address.into(),
                kind,
                name: name.into(),
                institution_id: None,
                centre_id: None,
                active: true,
                created_at: now,
                changed_at: now,
            };
            store.put_account(account).await.unwrap();
        }
    });
}

/// Issue 16: a citizen fills a self-service e-form at the kiosk with large buttons and the
/// on-screen keyboard, checked at every step by the same validator as the desk's (a branch that
/// needs a document says to apply at a centre), reads it as the PDF they will sign, signs with
/// PIN2, and the PMLP receives it from the citizen's own mailbox on the real server — only the
/// answers that apply, signed by them.
#[test]
fn a_citizen_fills_and_signs_a_self_service_form_at_the_kiosk() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (app, _readers) = kiosk_with_card_login(&runtime, dir.path(), device::engine::system_clock());
    add_self_service_on_server(&runtime, dir.path());
    let mut harness = kiosk_sized(app);
    harness.get_by_label("English").click();
    harness.run();
    log_in_on_the_keypad(&mut harness);
    // The kiosk syncs the forms published a moment ago: ask again until the list has them.
    let title = "Request for my data in the Natural Persons Register";
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        harness.get_by_label("Fill in an e-form").click();
        for _ in 0..20 {
            harness.run();
            std::thread::sleep(Duration::from_millis(25));
        }
        if harness.query_by_label(title).is_some() {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the self-service form never arrived: {:#?}", harness.root());
        harness.get_by_label("Your cases").click();
        harness.run();
        std::thread::sleep(Duration::from_millis(300));
    }
    // Only self-service forms are offered (the dog fee is filled at a centre with a clerk).
    assert!(harness.query_by_label_contains("dog-keeping").is_none());
    harness.get_by_label(title).click();
    run_until(&mut harness, "Step 1 of 3: Person");
    // A branch that needs a document: the kiosk says to apply at a centre, and does not go on.
    tap(&mut harness, "my under-age child");
    harness.run();
    // Focused as a screen reader does (the field is below the fold: the list scrolls to it).
    harness.get_by_role_and_label(egui::accesskit::Role::TextInput, "Child's personal code (required)").focus();
    harness.run();
    run_until_contains(&mut harness, "Typing: Child's personal code");
    for key in "290156".chars() {
        harness.get_by_role_and_label(egui::accesskit::Role::Button, &key.to_string()).click();
        harness.run();
    }
    tap(&mut harness, "Next");
    harness.run();
    run_until(&mut harness, "Step 1 of 3: Person");
    assert!(
        harness.query_by_label_contains("Documents cannot be attached at a kiosk").is_some(),
        "the document the branch needs is explained"
    );
    assert!(harness.query_by_label_contains("Attach a file").is_none(), "nothing asks for what cannot be done here");
    // For themselves: the child's fields go, and the step is done.
    tap(&mut harness, "me");
    harness.run();
    assert!(harness.query_by_label_contains("Child's personal code").is_none());
    tap(&mut harness, "Next");
    run_until(&mut harness, "Step 2 of 3: Request");
    tap(&mut harness, "all data");
    tap(&mut harness, "in the e-address");
    harness.run();
    tap(&mut harness, "Next");
    run_until(&mut harness, "Step 3 of 3: Confirmation");
    // Not confirmed yet: the validator's words at the field, and no application is made.
    tap(&mut harness, "Read and sign");
    run_until(&mut harness, "Choose an answer.");
    tap(&mut harness, "Yes");
    harness.run();
    tap(&mut harness, "Read and sign");
    run_until(&mut harness, "Application page 1 of 1");
    harness.get_by_label_contains("The application will be sent to: ");
    for digit in "123456".chars() {
        harness.get_by_role_and_label(egui::accesskit::Role::Button, &digit.to_string()).click();
        harness.run();
    }
    harness.get_by_role_and_label(egui::accesskit::Role::Button, "Confirm").click();
    run_until_contains(&mut harness, "is signed and sent");

    // The PMLP has it from the citizen's own mailbox: application.json as signed, the answers
    // that apply (the child's code left behind), and the PDF signed by the citizen.
    runtime.block_on(async {
        let store =
            server::store::open(&server::store::DatabaseLocation::Sqlite(dir.path().join("server.db"))).await.unwrap();
        let inbox = store.inbox("_DEFAULT@90001473841".into(), None, 10).await.unwrap();
        assert_eq!(inbox.len(), 1, "{inbox:?}");
        let (message, _) = &inbox[0];
        assert_eq!(message.sender, "_PRIVATE@32503511782");
        assert_eq!(message.subject, "E-veidlapa: Pieprasījums par saviem datiem Fizisko personu reģistrā");
        let attachments: Vec<domain::eaddress::AttachmentInfo> = serde_json::from_str(&message.attachments).unwrap();
        let files = server::eaddress::Attachments::in_folder(&dir.path().join("attachments")).unwrap();
        let pdf = files.get(&attachments[1].sha256).await.unwrap();
        let verified = pades::verify(&pdf).unwrap();
        let signer = eid::ParsedCertificate::from_der(&verified.signer_certificate).unwrap();
        assert_eq!(signer.identity().personal_code(), Some(("LV", "325035-11782")));
        let application: forms::Application = serde_json::from_slice(&verified.files[0].1).unwrap();
        assert_eq!(application.applicant.code, "325035-11782");
        assert_eq!(application.data["for_whom"], "self");
        assert_eq!(application.data["confirm"], true);
        assert!(application.data.get("child_code").is_none(), "{:?}", application.data);
        assert_eq!(application.data["applicant_name"], "JĀNIS BĒRZIŅŠ");
    });
}

/// Training (issue 18): a training kiosk says so on its screen, in the reader's language; a
/// kiosk in normal use does not.
#[test]
fn a_training_kiosk_says_so_on_every_screen() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    for training in [true, false] {
        let session = {
            let _entered = runtime.enter();
            let session = DeviceSession::open(
                &dir.path().join(format!("kiosk-{training}")),
                &format!("pietura-kiosk-test-{}", Uuid::new_v4()),
                fast_policy(),
                fixed_clock(),
            )
            .unwrap();
            Arc::new(if training { session.for_training() } else { session })
        };
        let mut harness = kiosk_sized(KioskApp::new(Ok(session), runtime.handle().clone(), fixed_clock()));
        harness.run();
        let banner = harness.query_by_label("MĀCĪBAS — šis ir mācību kiosks: nekas šeit nav īsts.").is_some();
        assert_eq!(banner, training);
        harness.get_by_label("English").click();
        harness.run();
        assert_eq!(
            harness.query_by_label("TRAINING — this is a training kiosk: nothing here is real.").is_some(),
            training
        );
    }
}

/// Training (issue 18): at a training kiosk a workshop's customer without a card types the code
/// from their handout on the keypad; the kiosk gets that training card from its training server,
/// and PIN1 logs them in through the same code as a real card. Ending the session takes the
/// training card out: the next person finds no one's card. A staff member's code is refused.
#[test]
fn a_workshop_customer_logs_in_at_a_training_kiosk_with_the_code_from_their_handout() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let server = runtime.block_on(server::testing::spawn_training(dir.path(), DeviceKind::Kiosk, "Mācību kiosks"));
    let seat = &server.workshop.seats[0];
    let customer = seat.customers[0].person.clone();
    let readers = Arc::new(device::login::TrainingReaders::new());
    let session = {
        let _entered = runtime.enter();
        DeviceSession::open_with_cards(
            &dir.path().join("kiosk"),
            &format!("pietura-kiosk-test-{}", Uuid::new_v4()),
            fast_policy(),
            device::engine::system_clock(),
            readers.clone(),
        )
        .unwrap()
        .for_training()
        .with_training_cards(readers)
    };
    runtime.block_on(session.enroll(&server.url, &server.enrollment_code)).unwrap();
    let app = KioskApp::new(Ok(Arc::new(session)), runtime.handle().clone(), device::engine::system_clock());
    let mut harness = kiosk_sized(app);
    harness.run();
    let type_code = |harness: &mut Harness<'_, KioskApp>, code: &str| {
        for digit in code.chars().filter(char::is_ascii_digit) {
            harness.get_by_role_and_label(egui::accesskit::Role::Button, &digit.to_string()).click();
            harness.run();
        }
        harness.get_by_role_and_label(egui::accesskit::Role::Button, "Apstiprināt").click();
        harness.run();
    };
    harness.get_by_label("Pieslēgties ar eID karti").click();
    run_until(&mut harness, "Mācību karte");
    // The seat's clerk is staff, not a citizen: no card for a kiosk.
    type_code(&mut harness, &seat.clerk.personal_code);
    run_until(&mut harness, "Tas netika atrasts.");
    harness.get_by_label("Mācību personas kods: ");
    // The customer's code from the handout: their card goes in, PIN1 logs them in.
    type_code(&mut harness, &customer.personal_code);
    let name = format!("{} {}", customer.given_name, customer.surname);
    run_until(&mut harness, &name);
    for digit in customer.pin1.chars() {
        harness.get_by_role_and_label(egui::accesskit::Role::Button, &digit.to_string()).click();
        harness.run();
    }
    harness.get_by_role_and_label(egui::accesskit::Role::Button, "Apstiprināt").click();
    run_until(&mut harness, &format!("Sveiki, {name}!"));
    harness.get_by_label("MĀCĪBAS — šis ir mācību kiosks: nekas šeit nav īsts.");
    // Finished: the training card leaves with them.
    harness.get_by_role_and_label(egui::accesskit::Role::Button, "Beigt darbu").click();
    harness.run();
    run_until(&mut harness, "Pieslēgties ar eID karti");
    harness.get_by_label("Pieslēgties ar eID karti").click();
    run_until(&mut harness, "Ievietojiet savu eID karti lasītājā.");
    assert!(harness.query_by_label(&name).is_none(), "no one's card is in the reader");
}

/// A downloaded, checked update is handed to the system to install only when the kiosk is
/// quiet: nobody's session, untouched for QUIET_FOR_UPDATE_SECS (issue 19).
#[test]
fn an_update_waits_for_a_quiet_kiosk_between_visitors() {
    use std::sync::atomic::Ordering;
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (offset, clock) = movable_clock();
    let (app, _readers) = kiosk_with_card_login(&runtime, dir.path(), clock);
    // What the sync engine keeps after checking a release newer than this build (0.1.0).
    let updates = dir.path().join("kiosk/updates");
    std::fs::create_dir_all(&updates).unwrap();
    std::fs::write(updates.join(device::update::package_file("0.1.1")), b"package").unwrap();
    let ready = updates.join(device::update::READY_FILE);
    let mut harness = kiosk_sized(app);
    let idle_for = |seconds: i64| offset.fetch_add(seconds, Ordering::SeqCst);
    // The test's server has no catalogue: once synced, the kiosk says so, not "still coming".
    run_until(&mut harness, "Katalogā vēl nav neviena pakalpojuma.");

    // A citizen at the kiosk: not now.
    harness.get_by_label("English").click();
    harness.run();
    log_in_on_the_keypad(&mut harness);
    idle_for(kiosk::IDLE_TIMEOUT_SECS - kiosk::IDLE_WARNING_SECS - 1);
    harness.run();
    assert!(!ready.exists(), "an update was handed over during a citizen's session");
    harness.get_by_label("Finish").click();
    harness.run();
    // Their English is still on screen until the idle wipe sets the kiosk back: not yet.
    idle_for(kiosk::IDLE_TIMEOUT_SECS + 1);
    run_until(&mut harness, "Pieslēgties ar eID karti");
    assert!(!ready.exists(), "an update was handed over while the last visitor's screen was up");
    idle_for(kiosk::QUIET_FOR_UPDATE_SECS - 10);
    harness.run();
    assert!(!ready.exists(), "an update was handed over before the kiosk was quiet");
    // Quiet long enough: handed over, naming the version.
    idle_for(20);
    harness.run();
    assert_eq!(std::fs::read_to_string(&ready).unwrap(), "0.1.1");
}
