//! The desk's commands through Tauri's IPC with the mock runtime: the same handlers and state as
//! the real app, without a window. Needs a session keyring (`cargo xtask test` provides one).

use std::time::Duration;

use domain::DeviceKind;
use serde_json::{Value, json};
use tauri::{
    Manager, WebviewWindow, WebviewWindowBuilder,
    ipc::{CallbackFn, InvokeBody},
    test::{INVOKE_KEY, get_ipc_response, mock_builder, mock_context, noop_assets},
    webview::InvokeRequest,
};

fn invoke(webview: &WebviewWindow<tauri::test::MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    let request = InvokeRequest {
        cmd: cmd.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: "tauri://localhost".parse().unwrap(),
        body: InvokeBody::Json(args),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    };
    get_ipc_response(webview, request).map(|body| body.deserialize::<Value>().unwrap())
}

#[test]
fn commands_enroll_remember_the_language_and_report_sync_state() {
    let dir = tempfile::tempdir().unwrap();
    let server_runtime = tokio::runtime::Runtime::new().unwrap();
    let server = server_runtime.block_on(server::testing::spawn_with_device(dir.path(), DeviceKind::Desk, "Galds 1"));
    let (url, code) = (server.url, server.enrollment_code);

    let app =
        desk::run_app_in(mock_builder(), Some(dir.path().join("desk"))).build(mock_context(noop_assets())).unwrap();
    let webview = WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();
    // The sync state as the shell pushes it to the UI.
    let pushed = std::sync::Arc::new(std::sync::Mutex::new(Vec::<Value>::new()));
    let heard = pushed.clone();
    tauri::Listener::listen_any(&app, desk::SYNC_STATUS_EVENT, move |event| {
        heard.lock().unwrap().push(serde_json::from_str(event.payload()).unwrap());
    });

    let state = invoke(&webview, "app_state", json!({})).unwrap();
    assert_eq!(state, json!({ "language": "lv", "enrollment": null, "training": false }));

    invoke(&webview, "set_language", json!({ "language": "en" })).unwrap();
    assert_eq!(invoke(&webview, "app_state", json!({})).unwrap()["language"], "en");
    let bad_language = invoke(&webview, "set_language", json!({ "language": "de" }));
    assert!(bad_language.is_err(), "{bad_language:?}");

    let bad_url = invoke(&webview, "enroll", json!({ "serverUrl": "ftp://x", "code": code })).unwrap_err();
    assert_eq!(bad_url["code"], "invalid_url");
    let bad_code = invoke(&webview, "enroll", json!({ "serverUrl": url, "code": "12" })).unwrap_err();
    assert_eq!(bad_code["code"], "enrollment_code_invalid");
    let unknown = invoke(&webview, "enroll", json!({ "serverUrl": url, "code": "ZZZZ-ZZZZ" })).unwrap_err();
    assert_eq!(unknown["code"], "enrollment_code_unknown");

    let enrolled = invoke(&webview, "enroll", json!({ "serverUrl": url, "code": code })).unwrap();
    assert_eq!(enrolled["centre_name"], "Rīgas VPVKAC");
    assert_eq!(enrolled["device_name"], "Galds 1");
    let again = invoke(&webview, "enroll", json!({ "serverUrl": url, "code": code })).unwrap_err();
    assert_eq!(again["code"], "already_enrolled");

    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let status = invoke(&webview, "sync_status", json!({})).unwrap();
        if status["connection"] == "online" {
            assert_eq!(status["centre"]["name"], "Rīgas VPVKAC");
            assert!(status["last_success"].is_string());
            break;
        }
        assert!(std::time::Instant::now() < deadline, "never online: {status}");
        std::thread::sleep(Duration::from_millis(100));
    }
    invoke(&webview, "retry_sync", json!({})).unwrap();
    let state = invoke(&webview, "app_state", json!({})).unwrap();
    assert_eq!(state["enrollment"]["centre_name"], "Rīgas VPVKAC");
    // Every change reached the UI without its asking: the last event is online, like the answer.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while pushed.lock().unwrap().last().is_none_or(|last| last["connection"] != "online") {
        assert!(std::time::Instant::now() < deadline, "no online state pushed: {:?}", pushed.lock().unwrap());
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The web view's console goes to the desk's log (for support), with personal codes hidden; so
/// does the start time, when the UI says its first screen is shown.
#[test]
fn the_web_views_console_reaches_the_log_without_personal_codes() {
    #[derive(Clone, Default)]
    struct Lines(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
    impl std::io::Write for Lines {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let lines = Lines::default();
    let writer = lines.clone();
    let subscriber = tracing_subscriber::fmt().with_ansi(false).with_writer(move || writer.clone()).finish();
    tracing::subscriber::with_default(subscriber, || {
        let app =
            desk::run_app_in(mock_builder(), Some(dir.path().join("desk"))).build(mock_context(noop_assets())).unwrap();
        let webview = WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();
        let message = "logout {\"code\":\"store\",\"message\":\"no card 161175-19997\"}";
        invoke(&webview, "ui_log", json!({ "level": "error", "message": message })).unwrap();
        invoke(&webview, "ui_log", json!({ "level": "warn", "message": "x".repeat(10_000) })).unwrap();
        // The UI's word that its first screen is shown: the start time, for support and the measure.
        invoke(&webview, "first_screen_shown", json!({ "screen": "login" })).unwrap();
        assert!(invoke(&webview, "first_screen_shown", json!({ "screen": "somewhere" })).is_err());
    });
    let logged = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
    let error = logged.lines().find(|line| line.contains("logout")).expect("the console's error is logged");
    assert!(error.contains("ERROR") && error.contains("desk::ui") && error.contains("no card ******-*****"), "{error}");
    assert!(!logged.contains("161175-19997"));
    let long = logged.lines().find(|line| line.contains("xxxx")).unwrap();
    assert!(long.len() < 4_200, "a long text is cut: {} bytes", long.len());
    let shown = logged.lines().find(|line| line.contains("the first screen is shown")).expect("the start is logged");
    assert!(shown.contains("desk::start") && shown.contains("Login"), "{shown}");
    assert_eq!(logged.matches("the first screen is shown").count(), 1, "an unknown screen is refused");
}

/// The navigator through the desk's commands against a real server with the demo catalogue: a
/// life situation's plan for the customer's answers (a step left out says why), saved as a PDF
/// the customer takes home, read back with pdftotext.
#[test]
fn the_life_plan_follows_the_answers_and_is_saved_as_a_pdf() {
    let dir = tempfile::tempdir().unwrap();
    let server_runtime = tokio::runtime::Runtime::new().unwrap();
    server_runtime.block_on(async {
        let store =
            server::store::open(&server::store::DatabaseLocation::Sqlite(dir.path().join("server.db"))).await.unwrap();
        let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/demo/demo-catalogue.pietura.json");
        let file = server::catalogue::files::read(&demo).unwrap().catalogue;
        #[allow(clippy::disallowed_methods)] // the import's time
        let now = chrono::Utc::now();
        server::catalogue::Catalogue::new(store).import(file, now).await.unwrap();
    });
    let server = server_runtime.block_on(server::testing::spawn_with_device(dir.path(), DeviceKind::Desk, "Galds 1"));
    let app =
        desk::run_app_in(mock_builder(), Some(dir.path().join("desk"))).build(mock_context(noop_assets())).unwrap();
    let webview = WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();
    invoke(&webview, "enroll", json!({ "serverUrl": server.url, "code": server.enrollment_code })).unwrap();
    let birth = "https://pietura.lv/id/event/birth";
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let plan = loop {
        let plan = invoke(&webview, "life_plan", json!({ "event": birth, "answers": { "riga": false } })).unwrap();
        if !plan.is_null() {
            break plan;
        }
        assert!(std::time::Instant::now() < deadline, "the catalogue never arrived");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(plan["name"]["text"], "Bērna piedzimšana");
    let queue = plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["service"]["id"].as_str().unwrap().ends_with("preschool-queue"))
        .unwrap();
    assert_eq!((queue["applies"].as_str(), queue["number"].is_null()), (Some("no"), true));
    assert_eq!(queue["reason"]["text"], "Rinda uz bērnudārzu ir savā pašvaldībā, ne Rīgā.");
    // No plan for an institution or an unknown event: the desk lists services instead.
    assert!(
        invoke(&webview, "life_plan", json!({ "event": "https://pietura.lv/id/event/none", "answers": {} }))
            .unwrap()
            .is_null()
    );

    let saved =
        invoke(&webview, "save_life_plan", json!({ "event": birth, "answers": { "riga": false }, "toPrinter": false }))
            .unwrap();
    let pdf = saved["pdf"].as_str().expect("saved as a file");
    let text = std::process::Command::new("pdftotext").arg(pdf).arg("-").output().unwrap();
    let text = String::from_utf8_lossy(&text.stdout).replace('\n', " ");
    for expected in
        ["Bērna piedzimšana", "☐ 1. Bērna dzimšanas reģistrācija", "Jums nav vajadzīgs", "Vai ģimene dzīvo Rīgā?"]
    {
        assert!(text.contains(expected), "{expected:?} is not in the saved plan:\n{text}");
    }
    // The saved copy is opened by its file name in the receipts folder, and nothing else is.
    let name = std::path::Path::new(pdf).file_name().unwrap().to_str().unwrap();
    let session = app.state::<desk::DeskState>().session().unwrap().clone();
    assert_eq!(session.saved_copy(name).unwrap(), std::path::PathBuf::from(pdf));
    for refused in ["../desk.db", "/etc/passwd", "nothing.pdf", "", "."] {
        let error = invoke(&webview, "open_saved_copy", json!({ "name": refused })).unwrap_err();
        assert_eq!(error["code"], "not_found", "{refused:?}: {error}");
    }
    // "Save as": the same bytes where the clerk chose, no part file left behind; a place that
    // cannot be written is said, and leaves nothing.
    let chosen = tempfile::tempdir().unwrap();
    let destination = chosen.path().join("Bērna plāns.pdf");
    assert_eq!(session.save_copy_to(name, &destination).unwrap(), destination);
    assert_eq!(std::fs::read(&destination).unwrap(), std::fs::read(pdf).unwrap());
    let left: Vec<_> = std::fs::read_dir(chosen.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left, [std::ffi::OsString::from("Bērna plāns.pdf")]);
    let error = session.save_copy_to(name, &chosen.path().join("no-such-folder").join("plāns.pdf")).unwrap_err();
    assert_eq!(error.code, device::ErrorCode::SaveFailed, "{error}");
    assert_eq!(
        session.save_copy_to("../desk.db", &chosen.path().join("x.pdf")).unwrap_err().code,
        device::ErrorCode::NotFound
    );
}

/// One desk per data folder (issue 17): a second desk on the same folder is refused with a
/// reason the clerk can read, and the folder is free again once the first desk is gone.
#[test]
fn a_second_desk_on_the_same_data_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let first = desk::DeskState::open(dir.path());
    assert!(first.session().is_ok());
    let second = desk::DeskState::open(dir.path());
    let refused = second.session().unwrap_err();
    assert_eq!(refused.code, "already_running", "{refused:?}");
    drop(second);
    drop(first);
    assert!(desk::DeskState::open(dir.path()).session().is_ok(), "free again");
}
