//! The TypeScript declarations of the views the desk's UI receives, generated from the Rust types
//! (ts-rs) into `ui/src/bindings/`, which `ui/src/api.ts` imports instead of declaring them by
//! hand. The test fails when the committed declarations are not what the Rust types now give: run
//! it with `UPDATE_TS_BINDINGS=1` to write them again, then type-check the UI (`npm run build`).

use std::{collections::BTreeMap, path::Path};

use ts_rs::{Config, TS};

/// The declarations, file by file, in `dir`.
fn read_all(dir: &Path) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "ts") {
            files.insert(
                path.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&path).unwrap(),
            );
        }
    }
    files
}

/// Every declaration the UI imports (with what they use: the centre, the card's details, …).
fn export(dir: &Path) {
    // serde writes 64-bit counts as JSON numbers; they stay far below 2^53.
    let cfg = Config::new().with_out_dir(dir).with_large_int("number");
    device::schedule::SyncStatus::export_all(&cfg).unwrap();
    device::login::LoginView::export_all(&cfg).unwrap();
    device::login::CardView::export_all(&cfg).unwrap();
    device::session::OutboxProblem::export_all(&cfg).unwrap();
    device::session::CaseView::export_all(&cfg).unwrap();
    device::session::VisitView::export_all(&cfg).unwrap();
    device::ErrorCode::export_all(&cfg).unwrap();
    device::session::FormSummary::export_all(&cfg).unwrap();
    device::session::DraftView::export_all(&cfg).unwrap();
    device::session::DraftSummary::export_all(&cfg).unwrap();
    device::session::SubmittedView::export_all(&cfg).unwrap();
    device::session::ApplicationPreview::export_all(&cfg).unwrap();
    device::session::PrintOutcome::export_all(&cfg).unwrap();
    domain::catalogue_view::ServicePage::export_all(&cfg).unwrap();
    domain::catalogue_view::ArticlePage::export_all(&cfg).unwrap();
    domain::catalogue_view::BrowseEntry::export_all(&cfg).unwrap();
    domain::catalogue_view::PlanView::export_all(&cfg).unwrap();
}

#[test]
fn the_uis_declarations_are_the_rust_types() {
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings");
    if std::env::var_os("UPDATE_TS_BINDINGS").is_some() {
        for old in read_all(&committed).keys() {
            std::fs::remove_file(committed.join(old)).unwrap();
        }
        export(&committed);
    }
    let fresh = tempfile::tempdir().unwrap();
    export(fresh.path());
    let (made, kept) = (read_all(fresh.path()), read_all(&committed));
    assert!(!made.is_empty());
    for (name, text) in &made {
        assert_eq!(
            kept.get(name),
            Some(text),
            "ui/src/bindings/{name} is not what the Rust type gives: run this test with UPDATE_TS_BINDINGS=1"
        );
    }
    let stale: Vec<&String> = kept.keys().filter(|name| !made.contains_key(*name)).collect();
    assert!(stale.is_empty(), "ui/src/bindings holds declarations no Rust type gives: {stale:?}");
}

/// The case state machine as the Playwright flows' fake backend uses it, written from the
/// domain's own rules (`CaseStatus::next`) so that the fake cannot drift from them.
fn case_rules() -> String {
    use domain::case::{CaseKind, CaseStatus};
    let mut kinds = serde_json::Map::new();
    for kind in CaseKind::ALL {
        let mut moves = serde_json::Map::new();
        for status in CaseStatus::ALL {
            let next: Vec<serde_json::Value> =
                status.next(kind).iter().map(|s| serde_json::to_value(s).unwrap()).collect();
            if !next.is_empty() {
                moves.insert(name(&status), next.into());
            }
        }
        kinds.insert(name(&kind), moves.into());
    }
    // JSON has no comments: the file's name says it is written (by this test, from
    // domain::case::CaseStatus::next), never edited.
    serde_json::to_string_pretty(&serde_json::Value::Object(kinds)).unwrap() + "\n"
}

/// A unit variant's name as serde writes it.
fn name<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value).unwrap().as_str().unwrap().to_owned()
}

#[test]
fn the_flows_case_rules_are_the_domains() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/flows/case-rules.generated.json");
    if std::env::var_os("UPDATE_TS_BINDINGS").is_some() {
        std::fs::write(&path, case_rules()).unwrap();
    }
    assert_eq!(
        std::fs::read_to_string(&path).unwrap_or_default(),
        case_rules(),
        "ui/flows/case-rules.generated.json is not the domain's case rules: run this test with UPDATE_TS_BINDINGS=1"
    );
}
