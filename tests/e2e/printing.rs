//! Printing at a desk (issue 17), with a real CUPS server: a receipt is first held and shown as
//! pages with the system's printers (listed by CUPS, the default first); only "Print" sends it,
//! to the printer and with the copies chosen, and that printer really receives the document.
//! Closing the preview or printing twice sends nothing more; a CUPS that does not answer is said.

use std::time::Duration;

use device::session::RegisterCase;
use domain::case::CaseKind;
use tests::{
    bin_dir, cups::CupsServer, desk::TestDesk, free_port, people::CLERK, processes::demo_server_with_desk,
    scenario::Scenario,
};

const CUSTOMER: &str = "290156-11605";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receipt_is_previewed_then_printed_on_the_chosen_cups_printer_with_its_copies() {
    let dir = tempfile::tempdir().unwrap();
    let cups = CupsServer::start(&dir.path().join("cups"), free_port()).unwrap();
    cups.add_printer("Kopetajs", true).unwrap();
    cups.add_printer("Zale_HP", false).unwrap();

    let (_db, code) = demo_server_with_desk(&bin_dir(), dir.path()).unwrap();
    let mut scenario = Scenario::in_dir(dir.path());
    let ca = scenario.trust_test_ca().unwrap().clone();
    scenario.grant(CLERK, "clerk", "Rīgas VPVKAC").unwrap();
    let server = scenario.start(free_port()).unwrap();
    let desk = TestDesk::new(dir.path().join("desk"), device::engine::system_clock(), &ca).unwrap();
    let session = desk.enrolled_and_logged_in(&server.url, &code).await.unwrap();
    let started = std::time::Instant::now();
    let service = loop {
        let hits = session.search("suņa", vec![], 5).unwrap_or_default();
        if session.status().desk_number.is_some()
            && let Some(hit) = hits.into_iter().find(|h| h.kind == offline_store::DocumentKind::Service)
        {
            break hit.id;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "no catalogue: {:?}", session.status());
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let case = session
        .register_case(RegisterCase {
            service_id: service,
            kind: CaseKind::Consultation,
            channel: None,
            customer_code: CUSTOMER.into(),
            customer_name: "OSKARS KALNS".into(),
            note: String::new(),
            arrived_at: None,
        })
        .unwrap();

    // As the desk prints: a preview first, through the system's lp and lpstat at this CUPS.
    session.set_print_preview(true);
    session.set_printer(print::Printer { command: "/usr/bin/lp".into(), server: Some(cups.address.clone()) });
    let outcome = session.print_case_receipt(case.id, true).unwrap();
    assert_eq!((outcome.job.as_deref(), outcome.pdf.as_deref()), (None, None), "nothing printed yet");
    let preview = outcome.preview.expect("a preview");
    let printers: Vec<(&str, bool)> = preview.printers.iter().map(|p| (p.name.as_str(), p.default)).collect();
    assert_eq!(printers, [("Kopetajs", true), ("Zale_HP", false)]);
    assert_eq!(preview.printers_problem, None);
    assert!(preview.total_pages >= 1 && preview.pages.len() as u32 == preview.total_pages.min(10));
    assert!(preview.pages[0].starts_with("data:image/png;base64,iVBOR"), "a PNG page");
    assert!(!cups.has_received("Kopetajs") && !cups.has_received("Zale_HP"), "a preview prints nothing");

    // Printed on the chosen printer, twice: the printer received the receipt's PDF.
    let printed = session.print_held(preview.token, Some("Zale_HP"), 2).unwrap();
    assert!(printed.job.as_deref().is_some_and(|job| job.contains("Zale_HP")), "{printed:?}");
    let received = cups.received("Zale_HP", Duration::from_secs(20)).unwrap();
    assert!(received.document.starts_with(b"%PDF-"), "a PDF arrived");
    assert_eq!(received.copies, 2);
    let text = tests::pdf_text(&received.document);
    assert!(text.contains(&case.number), "the receipt names its case: {text}");
    assert!(!cups.has_received("Kopetajs"), "only the chosen printer");
    // Once printed, the preview is gone: printing it again sends nothing.
    assert_eq!(session.print_held(preview.token, None, 1).unwrap_err().code, "not_found");

    // A preview closed without printing sends nothing either.
    let closed = session.print_case_receipt(case.id, true).unwrap().preview.unwrap();
    session.drop_held_print();
    assert_eq!(session.print_held(closed.token, None, 1).unwrap_err().code, "not_found");
    // Copies out of range are refused before lp runs.
    let again = session.print_case_receipt(case.id, true).unwrap().preview.unwrap();
    assert_eq!(session.print_held(again.token, None, 0).unwrap_err().code, "print_failed");
    // The default printer when none is chosen.
    session.print_held(again.token, None, 1).unwrap();
    assert_eq!(cups.received("Kopetajs", Duration::from_secs(20)).unwrap().copies, 1);

    // A CUPS that does not answer: the preview says the list could not be read.
    session.set_printer(print::Printer {
        command: "/usr/bin/lp".into(),
        server: Some(format!("127.0.0.1:{}", free_port())),
    });
    let unreachable = session.print_case_receipt(case.id, true).unwrap().preview.unwrap();
    assert!(unreachable.printers.is_empty());
    assert_eq!(unreachable.printers_problem.map(|c| c.name()).as_deref(), Some("print_failed"));
    let refused = session.print_held(unreachable.token, None, 1).unwrap_err();
    assert_eq!(refused.code, "print_failed", "{refused:?}");
    session.stop().await;
}
