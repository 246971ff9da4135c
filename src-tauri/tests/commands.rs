//! The desk's commands through Tauri's IPC with the mock runtime: the same handlers and state as
//! the real app, without a window. Needs a session keyring (`cargo xtask test` provides one).

use std::time::Duration;

use domain::DeviceKind;
use serde_json::{Value, json};
use tauri::{
    WebviewWindow, WebviewWindowBuilder,
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

    let state = invoke(&webview, "app_state", json!({})).unwrap();
    assert_eq!(state, json!({ "language": "lv", "enrollment": null }));

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
}
