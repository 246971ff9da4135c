//! The desk's log files (issue 17): what it logs goes to daily files a support person can read,
//! as plain text, in the folder `PIETURA_LOG_DIR` names.

#[test]
fn what_the_desk_logs_is_written_to_a_daily_file() {
    let dir = tempfile::tempdir().unwrap();
    let files = desk::log_files(dir.path()).unwrap();
    let subscriber = tracing_subscriber::fmt().with_ansi(false).with_writer(files).finish();
    tracing::subscriber::with_default(subscriber, || {
        tracing::info!(case = "R1V-01-26-0001", "case registered");
    });
    let written: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(written.len(), 1, "{written:?}");
    let name = written[0].file_name().unwrap().to_str().unwrap().to_owned();
    assert!(name.starts_with("desk.") && name.ends_with(".log"), "{name}");
    let text = std::fs::read_to_string(&written[0]).unwrap();
    assert!(text.contains("case registered") && text.contains("R1V-01-26-0001"), "{text}");
    assert!(!text.contains('\u{1b}'), "no terminal colours in a file: {text:?}");
}
