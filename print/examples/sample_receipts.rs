//! Writes a sample case receipt and visit receipt to the folder given (default: the current one),
//! to look at: `cargo run -p print --example sample_receipts -- /tmp/out`.

use domain::Language;
use domain::case::CaseKind;
use print::{CaseReceipt, VisitAction, VisitReceipt, case_receipt, render, save_pdf, visit_receipt};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| ".".into()));
    let case = CaseReceipt::sample(Language::Lv, CaseKind::Application);
    let bytes = render(&case_receipt(&case))?;
    println!("{} ({} bytes)", save_pdf(&dir, "case-receipt.pdf", &bytes)?.display(), bytes.len());
    let visit = VisitReceipt {
        language: Language::Lv,
        centre_name: case.centre_name.clone(),
        agent_name: "Ilze Ozoliņa".into(),
        customer_name: case.customer_name.clone(),
        customer_code: case.customer_code.clone(),
        started_at: "26.11.2026 14:00".into(),
        ended_at: "26.11.2026 14:10".into(),
        actions: vec![
            ("14:01".into(), VisitAction::ServiceViewed { service: case.service_name.clone() }),
            (
                "14:05".into(),
                VisitAction::CaseRegistered { number: case.case_number.clone(), service: case.service_name },
            ),
        ],
        printed_at: "26.11.2026 14:10".into(),
    };
    let bytes = render(&visit_receipt(&visit))?;
    println!("{} ({} bytes)", save_pdf(&dir, "visit-receipt.pdf", &bytes)?.display(), bytes.len());
    let bytes = render(&print::application(&print::Application::sample(Language::Lv)))?;
    println!("{} ({} bytes)", save_pdf(&dir, "application.pdf", &bytes)?.display(), bytes.len());
    Ok(())
}
