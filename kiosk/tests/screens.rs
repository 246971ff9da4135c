//! Kiosk screens under egui_kittest: widgets are found by role and label, as assistive
//! technology finds them, so every control needs an accessible name to be testable.

use std::{sync::Arc, time::Duration};

use chrono::DateTime;
use domain::{Centre, DeviceKind, Language};
use egui_kittest::{Harness, kittest::Queryable};
use kiosk::{
    KioskApp,
    screens::{EnrollAction, EnrollScreen, HomeAction, HomeScreen, language_bar},
};
use sync::{
    engine::Clock,
    schedule::{Connection, SyncStatus},
    session::{DeviceSession, Enrollment},
};
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
        centre: Centre { id: Uuid::nil(), name: "Cēsu bibliotēka".into(), municipality: "Cēsu novads".into() },
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
        status: SyncStatus,
        action: Option<HomeAction>,
    }
    let online =
        SyncStatus { connection: Connection::Online, last_success: Some(fixed_clock()()), ..Default::default() };
    let mut harness = Harness::new_ui_state(
        |ui, state: &mut State| {
            if let Some(action) = HomeScreen.ui(ui, Language::En, &enrollment(), &state.status, fixed_clock()()) {
                state.action = Some(action);
            }
        },
        State { status: online, action: None },
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
    let mut harness = Harness::new_ui_state(
        |ui, app: &mut KioskApp| {
            app.run_effects();
            app.draw(ui);
        },
        app,
    );
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

fn fast_policy() -> sync::schedule::SchedulePolicy {
    sync::schedule::SchedulePolicy {
        interval: Duration::from_millis(200),
        backoff_base: Duration::from_millis(100),
        backoff_max: Duration::from_millis(500),
    }
}
