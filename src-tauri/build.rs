fn main() {
    // Every command the web view may call is listed here; capabilities grant them per window.
    let commands = &[
        "app_state",
        "enroll",
        "sync_status",
        "set_language",
        "retry_sync",
        "search_catalogue",
        "service_page",
        "article_page",
        "browse_catalogue",
        "services_of",
        "flag_article",
        "login_status",
        "log_in",
        "log_out",
        "outbox_problems",
        "register_case",
        "change_case_status",
        "case_page",
        "find_cases",
        "add_case_note",
        "mark_case_seen",
        "add_case_document",
        "case_document_preview",
        "export_case_document",
        "cases_with_news",
        "read_customer_card",
        "check_customer_code",
        "start_visit",
        "current_visit",
        "end_visit",
        "print_case_receipt",
        "print_visit_receipt",
    ];
    tauri_build::try_build(
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(commands)),
    )
    .expect("tauri build configuration failed");
}
