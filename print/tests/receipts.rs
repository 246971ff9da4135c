//! Receipts rendered to real PDFs and read back with poppler's `pdftotext`.

use std::process::Command;

use domain::Language;
use domain::case::{CaseKind, CaseStatus};
use print::{
    CaseReceipt, PrintError, Printer, VisitAction, VisitReceipt, case_receipt, render, save_pdf, visit_receipt,
};

fn pdftotext(pdf: &std::path::Path) -> String {
    let out = Command::new("pdftotext").arg("-layout").arg(pdf).arg("-").output().expect("pdftotext (poppler-utils)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn receipt(language: Language, kind: CaseKind) -> CaseReceipt {
    CaseReceipt::sample(language, kind)
}

#[test]
fn a_case_receipt_reads_back_with_its_number_service_next_steps_and_latvian_letters() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = render(&case_receipt(&receipt(Language::Lv, CaseKind::Application))).unwrap();
    let path = save_pdf(dir.path(), "RCV-03-26-0042.pdf", &pdf).unwrap();
    let text = pdftotext(&path);
    for expected in [
        "Lietas reģistrācijas apliecinājums",
        "RCV-03-26-0042",
        "Deklarētās dzīvesvietas maiņa",
        "iesniegums",
        "Pilsonības un migrācijas lietu pārvalde",
        "Kas notiks tālāk",
        "Kur sekot lietai",
        "Jānis Bērziņš (161175-*****)",
        "Izdrukāts 26.11.2026 14:06",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    assert!(!text.contains("19997"), "the personal code's second part is on paper:\n{text}");
    // Fonts are subset: the two DejaVu faces are 1.4 MB whole.
    assert!(pdf.len() < 120_000, "the receipt is {} bytes", pdf.len());
}

#[test]
fn receipts_come_in_english_and_every_kind_says_what_happens_next() {
    let dir = tempfile::tempdir().unwrap();
    for (kind, phrase) in [
        (CaseKind::Consultation, "The consultation has been given"),
        (CaseKind::Application, "will be passed to Pilsonības un migrācijas lietu pārvalde"),
        (CaseKind::ResultHandover, "The result is handed over"),
    ] {
        let pdf = render(&case_receipt(&receipt(Language::En, kind))).unwrap();
        let text = pdftotext(&save_pdf(dir.path(), "r.pdf", &pdf).unwrap());
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(flat.contains("Case registration receipt") && flat.contains(phrase), "{kind:?}:\n{text}");
    }
}

#[test]
fn a_visit_receipt_lists_every_action_in_order_and_long_visits_break_over_pages() {
    let dir = tempfile::tempdir().unwrap();
    let mut actions = vec![
        ("14:01".to_owned(), VisitAction::ServiceViewed { service: "Pases izsniegšana".into() }),
        (
            "14:05".to_owned(),
            VisitAction::CaseRegistered { number: "RCV-03-26-0042".into(), service: "Pases izsniegšana".into() },
        ),
        (
            "14:07".to_owned(),
            VisitAction::StatusChanged { number: "RCV-03-26-0042".into(), status: CaseStatus::Submitted },
        ),
        ("14:09".to_owned(), VisitAction::DocumentSent { document: "iesniegums.pdf".into() }),
        ("14:10".to_owned(), VisitAction::ConsentGiven { minutes: 15 }),
        ("14:11".to_owned(), VisitAction::MailboxRead { messages: 3 }),
        ("14:12".to_owned(), VisitAction::MessageOpened { subject: "Paziņojums par nodokli".into() }),
        ("14:13".to_owned(), VisitAction::AttachmentPrinted { name: "paziņojums.pdf".into() }),
    ];
    let visit = VisitReceipt {
        language: Language::Lv,
        centre_name: "Rīgas Centra VPVKAC".into(),
        agent_name: "Ilze Ozoliņa".into(),
        customer_name: "Jānis Bērziņš".into(),
        customer_code: "161175-19997".into(),
        started_at: "26.11.2026 14:00".into(),
        ended_at: "26.11.2026 14:10".into(),
        actions: actions.clone(),
        printed_at: "26.11.2026 14:10".into(),
    };
    let text = pdftotext(&save_pdf(dir.path(), "visit.pdf", &render(&visit_receipt(&visit)).unwrap()).unwrap());
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let positions: Vec<usize> = [
        "Apskatīta pakalpojuma informācija: Pases izsniegšana",
        "Reģistrēta lieta RCV-03-26-0042",
        "mainīts statuss: iesniegta iestādei",
        "Nosūtīts dokuments: iesniegums.pdf",
        "Jūsu e-adreses pastkastīte lasīta kopā ar jums (3 vēstules)",
        "Kopā ar jums atvērta vēstule “Paziņojums par nodokli”",
        "Jums izdrukāts vēstules pielikums paziņojums.pdf",
    ]
    .iter()
    .map(|p| flat.find(p).unwrap_or_else(|| panic!("missing {p:?} in:\n{text}")))
    .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "out of order:\n{text}");
    assert!(flat.contains("Speciālists Ilze Ozoliņa"), "{text}");

    // 120 actions do not fit on one page: they continue, numbered pages, none lost.
    for n in 0..116 {
        actions.push((format!("15:{:02}", n % 60), VisitAction::ServiceViewed { service: format!("Pakalpojums {n}") }));
    }
    let long = VisitReceipt { actions, ..visit };
    let path = save_pdf(dir.path(), "long.pdf", &render(&visit_receipt(&long)).unwrap()).unwrap();
    let text = pdftotext(&path);
    assert!(text.contains("\u{c}"), "one page only");
    for n in 0..116 {
        assert!(text.contains(&format!("Pakalpojums {n}\n")) || text.contains(&format!("Pakalpojums {n} ")), "{n}");
    }
    assert!(text.contains("1/") && text.contains("2/"), "pages are numbered");
}

#[test]
fn files_are_replaced_whole_and_names_cannot_leave_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let first = save_pdf(dir.path(), "../../etc/x.pdf", b"first").unwrap();
    assert_eq!(first.parent().unwrap(), dir.path());
    save_pdf(dir.path(), "../../etc/x.pdf", b"second").unwrap();
    assert_eq!(std::fs::read(&first).unwrap(), b"second");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left behind");
}

#[cfg(unix)]
#[test]
fn printing_goes_through_lp_by_a_pipe_and_its_refusal_is_reported() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("lp.log");
    let got = dir.path().join("lp.in");
    let fake = dir.path().join("lp");
    // A stand-in with lp's interface; the real path (CUPS) is not installed on CI machines.
    std::fs::write(
        &fake,
        format!(
            "#!/bin/sh\necho \"$@\" > {}\ncat > {}\necho 'request id is Desk-1 (1 file(s))'\n",
            log.display(),
            got.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    // A document bigger than a pipe holds arrives whole, and no file names it.
    let document: Vec<u8> = b"%PDF-1.7\n".iter().copied().chain((0..300_000u32).map(|i| (i % 251) as u8)).collect();
    let job = Printer { command: fake.clone(), server: None }.print(&document, "RCV-03-26-0042").unwrap();
    assert_eq!(job, "request id is Desk-1 (1 file(s))");
    assert_eq!(std::fs::read_to_string(&log).unwrap().trim(), "-t RCV-03-26-0042");
    assert_eq!(std::fs::read(&got).unwrap(), document, "the whole document, through the pipe");
    // A chosen printer, copies and a print server are passed as lp's options, before the title.
    let chosen = Printer { command: fake.clone(), server: Some("print.centrs.lv:631".into()) };
    chosen.print_to(b"%PDF-1.7\n", "Kvīts", Some("Zale_HP"), 2).unwrap();
    assert_eq!(std::fs::read_to_string(&log).unwrap().trim(), "-h print.centrs.lv:631 -d Zale_HP -n 2 -t Kvīts");

    std::fs::write(&fake, "#!/bin/sh\necho 'lp: Error - no default destination available.' >&2\nexit 1\n").unwrap();
    let error = Printer { command: fake, server: None }.print(b"%PDF", "x").unwrap_err();
    assert!(matches!(&error, PrintError::Printer(m) if m.contains("no default destination")), "{error}");
}

#[test]
fn an_application_reads_back_with_its_answers_files_and_identity() {
    let dir = tempfile::tempdir().unwrap();
    let app = print::Application::sample(Language::Lv);
    let pdf = render(&print::application(&app)).unwrap();
    let path = save_pdf(dir.path(), "application.pdf", &pdf).unwrap();
    let text = pdftotext(&path);
    for expected in [
        "Iesniegums koku ciršanas atļaujas saņemšanai",
        "Rīgas valstspilsētas pašvaldība",
        "Jānis Bērziņš, 325035-11782",
        "RCV-03-26-0042",
        "Koku skaits",
        "koks apdraud cilvēkus vai ēkas",
        "plāns.pdf",
        "https://pietura.lv/id/form/tree-felling",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from:\n{text}");
    }
    assert!(text.replace(['\n', ' '], "").contains(&"ab".repeat(32)), "the digest in full:\n{text}");
    // A long question wraps in its own column: its answer stands apart, whole, on the first line.
    let row = text.lines().find(|l| l.starts_with("Koku sugas un")).unwrap_or_default();
    assert!(row.contains("  Parastā liepa, 140 cm; parastā kļava, 95 cm"), "{row:?} in:\n{text}");
    assert!(text.lines().any(|l| l.trim() == "stumbra apkārtmērs"), "{text}");
}

/// Training (issue 18): every page a training desk prints says so at its top and bottom.
#[test]
fn a_training_mark_is_on_every_page() {
    let dir = tempfile::tempdir().unwrap();
    let mark = "MĀCĪBAS / TRAINING — nav īsts dokuments / not a real document";
    let pdf = print::render_marked(&case_receipt(&receipt(Language::Lv, CaseKind::Application)), Some(mark)).unwrap();
    let text = pdftotext(&save_pdf(dir.path(), "t.pdf", &pdf).unwrap());
    assert_eq!(text.matches("MĀCĪBAS / TRAINING").count(), 2, "top and bottom of the one page:\n{text}");
    let plain = render(&case_receipt(&receipt(Language::Lv, CaseKind::Application))).unwrap();
    assert!(!pdftotext(&save_pdf(dir.path(), "p.pdf", &plain).unwrap()).contains("TRAINING"));
}
