//! Printed receipts: a case receipt (the number to read aloud, what happens next, where to follow
//! it) and a "what was done on your behalf" receipt for a visit. Rendered to PDF with embedded,
//! subset fonts; printed through CUPS `lp` where present, or saved as a file.
//!
//! The receipts take text already in the customer's language and times already formatted in
//! local time, so this crate reads no clock and no time zone.

#[doc(hidden)]
pub mod fuzzing;
mod layout;
mod output;
pub mod preview;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use domain::Language;
use domain::case::{CaseKind, CaseStatus};
use domain::catalogue::ChannelKind;

pub use layout::{Block, Document, render, render_marked};
pub use output::{Destination, MAX_COPIES, PrintOutcome, Printer, parse_destinations, save_pdf, system_printer};

#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    #[error("font: {0}")]
    Font(String),
    #[error("could not write the PDF to {path}: {source}")]
    Write { path: String, source: std::io::Error },
    #[error("printing failed: {0}")]
    Printer(String),
    #[error("the document cannot be shown: {0}")]
    Preview(String),
}

type Texts = BTreeMap<String, String>;

fn texts(language: Language) -> &'static Texts {
    static LV: OnceLock<Texts> = OnceLock::new();
    static EN: OnceLock<Texts> = OnceLock::new();
    let (cell, source) = match language {
        Language::Lv => (&LV, include_str!("../locales/lv.json")),
        Language::En => (&EN, include_str!("../locales/en.json")),
    };
    cell.get_or_init(|| serde_json::from_str(source).expect("the print translations are valid JSON (tested)"))
}

/// The text for `key` with `{name}` placeholders filled; a missing key shows itself, never blank.
fn text(language: Language, key: &str, values: &[(&str, &str)]) -> String {
    let mut out = texts(language).get(key).cloned().unwrap_or_else(|| format!("[{key}]"));
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

fn snake(value: &impl serde::Serialize) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

pub fn kind_label(language: Language, kind: CaseKind) -> String {
    text(language, &format!("kind_{}", snake(&kind)), &[])
}

pub fn status_label(language: Language, status: CaseStatus) -> String {
    text(language, &format!("status_{}", snake(&status)), &[])
}

pub fn channel_label(language: Language, channel: &ChannelKind) -> String {
    match channel {
        ChannelKind::Other(iri) => iri.clone(),
        known => text(language, &format!("channel_{}", snake(known)), &[]),
    }
}

/// A personal code on paper shows its first part only (`161175-*****`); a registration
/// number is public and shown whole.
pub fn masked_code(code: &str) -> String {
    match code.split_once('-') {
        Some((birth, rest)) if rest.len() == 5 => format!("{birth}-*****"),
        _ if code.len() == 11 && code.starts_with('3') => format!("{}-*****", &code[..6]),
        _ => code.to_owned(),
    }
}

/// The customer as printed: name and masked code, or the masked code alone.
fn customer_line(name: &str, code: &str) -> String {
    match name.trim() {
        "" => masked_code(code),
        name => format!("{name} ({})", masked_code(code)),
    }
}

/// What a case receipt says.
#[derive(Debug, Clone)]
pub struct CaseReceipt {
    pub language: Language,
    pub case_number: String,
    pub service_name: String,
    pub kind: CaseKind,
    pub channel: ChannelKind,
    pub status: CaseStatus,
    pub holder_institution: String,
    pub centre_name: String,
    /// Local time, formatted by the caller.
    pub registered_at: String,
    pub customer_name: String,
    /// Masked on the page (see [`masked_code`]).
    pub customer_code: String,
    pub printed_at: String,
}

impl CaseReceipt {
    /// A filled-in example (a change of declared residence at a Riga centre), to look at and to test with.
    pub fn sample(language: Language, kind: CaseKind) -> Self {
        CaseReceipt {
            language,
            case_number: "RCV-03-26-0042".into(),
            service_name: "Deklarētās dzīvesvietas maiņa".into(),
            kind,
            channel: ChannelKind::VpvkacInPerson,
            status: CaseStatus::Registered,
            holder_institution: "Pilsonības un migrācijas lietu pārvalde".into(),
            centre_name: "Rīgas Centra VPVKAC".into(),
            registered_at: "26.11.2026 14:05".into(),
            customer_name: "Jānis Bērziņš".into(),
            customer_code: "161175-19997".into(),
            printed_at: "26.11.2026 14:06".into(),
        }
    }
}

pub fn case_receipt(receipt: &CaseReceipt) -> Document {
    let l = receipt.language;
    let customer = customer_line(&receipt.customer_name, &receipt.customer_code);
    let next = match receipt.kind {
        CaseKind::Consultation => text(l, "next_consultation", &[]),
        CaseKind::Application => text(l, "next_application", &[("institution", &receipt.holder_institution)]),
        CaseKind::ResultHandover => text(l, "next_result_handover", &[]),
    };
    Document {
        title: text(l, "case_receipt_title", &[]),
        blocks: vec![
            Block::Paragraph(text(l, "case_number_intro", &[])),
            Block::Prominent(receipt.case_number.clone()),
            Block::Paragraph(text(l, "case_number_hint", &[])),
            Block::Fields(vec![
                (text(l, "service", &[]), receipt.service_name.clone()),
                (text(l, "kind", &[]), kind_label(l, receipt.kind)),
                (text(l, "status", &[]), status_label(l, receipt.status)),
                (text(l, "holder", &[]), receipt.holder_institution.clone()),
                (text(l, "channel", &[]), channel_label(l, &receipt.channel)),
                (text(l, "centre", &[]), receipt.centre_name.clone()),
                (text(l, "registered_at", &[]), receipt.registered_at.clone()),
                (text(l, "customer", &[]), customer),
            ]),
            Block::Heading(text(l, "what_next", &[])),
            Block::Paragraph(next),
            Block::Heading(text(l, "where_to_follow", &[])),
            Block::Paragraph(text(l, "follow_text", &[])),
        ],
        footer: text(l, "footer", &[("printed_at", &receipt.printed_at)]),
    }
}

/// A life-situation plan as printed: the steps that apply, in order, as a checklist with what
/// to bring, where, what it costs, how long it takes and the online address; the steps left out
/// with why; the answers it was made from; where to get help.
#[derive(Debug, Clone)]
pub struct LifePlan {
    pub language: Language,
    pub title: String,
    pub description: String,
    /// Each question and its answer as words ("yes", "no", "not answered").
    pub answers: Vec<(String, Option<bool>)>,
    pub steps: Vec<PlanStep>,
    /// Steps left out: the service's name and why.
    pub left_out: Vec<(String, String)>,
    /// The centre or library where the plan was made, and how to reach it.
    pub centre_name: String,
    pub printed_at: String,
}

/// One step of a printed plan.
#[derive(Debug, Clone, Default)]
pub struct PlanStep {
    pub name: String,
    /// Not certain yet: a question it depends on was not answered.
    pub maybe: bool,
    pub note: String,
    pub bring: Vec<String>,
    pub places: Vec<String>,
    pub cost: String,
    pub time: String,
    pub online: Option<String>,
    pub contacts: Vec<String>,
}

/// "free of charge", for a step that costs nothing.
pub fn plan_free(language: Language) -> String {
    text(language, "plan_free", &[])
}

pub fn life_plan(plan: &LifePlan) -> Document {
    let l = plan.language;
    let mut blocks = vec![Block::Paragraph(plan.description.clone())];
    if !plan.answers.is_empty() {
        blocks.push(Block::Heading(text(l, "plan_answers", &[])));
        blocks.push(Block::Fields(
            plan.answers
                .iter()
                .map(|(question, answer)| {
                    let said = match answer {
                        Some(true) => text(l, "plan_yes", &[]),
                        Some(false) => text(l, "plan_no", &[]),
                        None => text(l, "plan_unanswered", &[]),
                    };
                    (question.clone(), said)
                })
                .collect(),
        ));
    }
    blocks.push(Block::Heading(text(l, "plan_steps", &[])));
    for (i, step) in plan.steps.iter().enumerate() {
        let maybe = if step.maybe { format!(" ({})", text(l, "plan_maybe", &[])) } else { String::new() };
        blocks.push(Block::Prominent(format!("☐ {}. {}{maybe}", i + 1, step.name)));
        if !step.note.is_empty() {
            blocks.push(Block::Paragraph(step.note.clone()));
        }
        let mut fields = Vec::new();
        if !step.bring.is_empty() {
            fields.push((text(l, "plan_bring", &[]), step.bring.join("; ")));
        }
        if !step.places.is_empty() {
            fields.push((text(l, "plan_where", &[]), step.places.join("; ")));
        }
        fields.push((text(l, "plan_cost", &[]), step.cost.clone()));
        if !step.time.is_empty() {
            fields.push((text(l, "plan_time", &[]), step.time.clone()));
        }
        if let Some(online) = &step.online {
            fields.push((text(l, "plan_online", &[]), online.clone()));
        }
        if !step.contacts.is_empty() {
            fields.push((text(l, "plan_contacts", &[]), step.contacts.join("; ")));
        }
        blocks.push(Block::Fields(fields));
    }
    if !plan.left_out.is_empty() {
        blocks.push(Block::Rule);
        blocks.push(Block::Heading(text(l, "plan_left_out", &[])));
        blocks.push(Block::Items(plan.left_out.iter().map(|(name, why)| format!("{name}: {why}")).collect()));
    }
    blocks.push(Block::Rule);
    blocks.push(Block::Heading(text(l, "plan_help", &[])));
    blocks.push(Block::Paragraph(text(l, "plan_help_text", &[("centre", &plan.centre_name)])));
    Document {
        title: plan.title.clone(),
        blocks,
        footer: text(l, "plan_footer", &[("centre", &plan.centre_name), ("printed_at", &plan.printed_at)]),
    }
}

/// One thing done for the customer during a visit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VisitAction {
    ServiceViewed {
        service: String,
    },
    CaseRegistered {
        number: String,
        service: String,
    },
    StatusChanged {
        number: String,
        status: CaseStatus,
    },
    DocumentSent {
        document: String,
    },
    /// The customer signed a consent with their card for the clerk to use their mailbox.
    ConsentGiven {
        minutes: u32,
    },
    /// The clerk read the customer's mailbox with them (under their consent).
    MailboxRead {
        messages: usize,
    },
    /// A message in the customer's mailbox opened with them (its sender hears it was read).
    MessageOpened {
        subject: String,
    },
    /// An attachment of one of the customer's messages printed for them.
    AttachmentPrinted {
        name: String,
    },
    /// An e-form filled in with the customer and submitted to the institution.
    FormSubmitted {
        form: String,
        number: String,
        institution: String,
    },
}

/// What a "what was done on your behalf" receipt says.
#[derive(Debug, Clone)]
pub struct VisitReceipt {
    pub language: Language,
    pub centre_name: String,
    pub agent_name: String,
    pub customer_name: String,
    pub customer_code: String,
    pub started_at: String,
    pub ended_at: String,
    /// Local time (formatted by the caller) and what was done, in order.
    pub actions: Vec<(String, VisitAction)>,
    pub printed_at: String,
}

pub fn visit_receipt(receipt: &VisitReceipt) -> Document {
    let l = receipt.language;
    let customer = customer_line(&receipt.customer_name, &receipt.customer_code);
    let items: Vec<String> = receipt
        .actions
        .iter()
        .map(|(at, action)| {
            let what = match action {
                VisitAction::ServiceViewed { service } => text(l, "action_service_viewed", &[("service", service)]),
                VisitAction::CaseRegistered { number, service } => {
                    text(l, "action_case_registered", &[("number", number), ("service", service)])
                }
                VisitAction::StatusChanged { number, status } => {
                    text(l, "action_status_changed", &[("number", number), ("status", &status_label(l, *status))])
                }
                VisitAction::DocumentSent { document } => text(l, "action_document_sent", &[("document", document)]),
                VisitAction::ConsentGiven { minutes } => {
                    text(l, "action_consent_given", &[("minutes", &minutes.to_string())])
                }
                VisitAction::MailboxRead { messages } => {
                    text(l, "action_mailbox_read", &[("messages", &messages.to_string())])
                }
                VisitAction::MessageOpened { subject } => text(l, "action_message_opened", &[("subject", subject)]),
                VisitAction::AttachmentPrinted { name } => text(l, "action_attachment_printed", &[("name", name)]),
                VisitAction::FormSubmitted { form, number, institution } => text(
                    l,
                    "action_form_submitted",
                    &[("form", form), ("number", number), ("institution", institution)],
                ),
            };
            format!("{at} — {what}")
        })
        .collect();
    let mut blocks = vec![
        Block::Fields(vec![
            (text(l, "customer", &[]), customer),
            (text(l, "centre", &[]), receipt.centre_name.clone()),
            (text(l, "visit_agent", &[]), receipt.agent_name.clone()),
            (text(l, "visit_started", &[]), receipt.started_at.clone()),
            (text(l, "visit_ended", &[]), receipt.ended_at.clone()),
        ]),
        Block::Heading(text(l, "visit_actions", &[])),
    ];
    if items.is_empty() {
        blocks.push(Block::Paragraph(text(l, "visit_no_actions", &[])));
    } else {
        blocks.push(Block::Paragraph(text(l, "visit_intro", &[])));
        blocks.push(Block::Items(items));
    }
    Document {
        title: text(l, "visit_receipt_title", &[]),
        blocks,
        footer: text(l, "footer", &[("printed_at", &receipt.printed_at)]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_the_same_keys_and_no_empty_text() {
        let lv = texts(Language::Lv);
        let en = texts(Language::En);
        assert_eq!(lv.keys().collect::<Vec<_>>(), en.keys().collect::<Vec<_>>());
        assert!(lv.values().chain(en.values()).all(|t| !t.trim().is_empty()));
    }

    #[test]
    fn every_kind_status_and_channel_has_a_label() {
        for language in [Language::Lv, Language::En] {
            for kind in CaseKind::ALL {
                assert!(!kind_label(language, kind).starts_with('['), "{kind:?}");
            }
            for status in CaseStatus::ALL {
                assert!(!status_label(language, status).starts_with('['), "{status:?}");
            }
            for channel in [
                ChannelKind::VpvkacInPerson,
                ChannelKind::InstitutionInPerson,
                ChannelKind::EService,
                ChannelKind::Phone,
                ChannelKind::Email,
                ChannelKind::EAddress,
                ChannelKind::Post,
                ChannelKind::MobileApp,
            ] {
                assert!(!channel_label(language, &channel).starts_with('['), "{channel:?}");
            }
        }
    }

    #[test]
    fn personal_codes_are_masked_and_registration_numbers_are_not() {
        assert_eq!(masked_code("161175-19997"), "161175-*****");
        assert_eq!(masked_code("32579461005"), "325794-*****");
        assert_eq!(masked_code("40003521600"), "40003521600");
    }
}

/// An e-form submission as a person reads it: who applies for what, through which centre, the
/// answers step by step, the files, and what identifies the data (form, version, schema digest).
#[derive(Debug, Clone)]
pub struct Application {
    pub language: Language,
    pub form_title: String,
    pub service_name: String,
    pub holder_institution: String,
    pub case_number: Option<String>,
    /// In full: the institution needs to know who applies.
    pub customer_name: String,
    pub customer_code: String,
    pub centre_name: String,
    /// Local time, formatted by the caller.
    pub submitted_at: String,
    /// Each step's title with its (label, answer) pairs.
    pub sections: Vec<(String, Vec<(String, String)>)>,
    pub files: Vec<String>,
    pub form_id: String,
    pub form_version: u32,
    pub schema_digest: String,
}

impl Application {
    /// A filled-in example (a tree felling permit in Riga), to look at and to test with.
    pub fn sample(language: Language) -> Self {
        Application {
            language,
            form_title: "Iesniegums koku ciršanas atļaujas saņemšanai".into(),
            service_name: "Koku ciršanas atļauja".into(),
            holder_institution: "Rīgas valstspilsētas pašvaldība".into(),
            case_number: Some("RCV-03-26-0042".into()),
            customer_name: "Jānis Bērziņš".into(),
            customer_code: "325035-11782".into(),
            centre_name: "Rīgas Centra VPVKAC".into(),
            submitted_at: "04.12.2026 14:06".into(),
            sections: vec![
                ("Iesniedzējs".into(), vec![("Vārds, uzvārds".into(), "Jānis Bērziņš".into())]),
                (
                    "Koki un vieta".into(),
                    vec![
                        ("Koku skaits".into(), "2".into()),
                        (
                            "Koku sugas un stumbra apkārtmērs".into(),
                            "Parastā liepa, 140 cm; parastā kļava, 95 cm".into(),
                        ),
                        ("Ciršanas iemesls".into(), "koks apdraud cilvēkus vai ēkas".into()),
                        ("Zeme atrodas īpaši aizsargājamā dabas teritorijā".into(), "Nē".into()),
                    ],
                ),
            ],
            files: vec!["plāns.pdf".into()],
            form_id: "https://pietura.lv/id/form/tree-felling".into(),
            form_version: 1,
            schema_digest: "ab".repeat(32),
        }
    }
}

/// A citizen's reply to an institution's letter, as they sign it at a kiosk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub language: Language,
    pub subject: String,
    /// The institution's name and e-address.
    pub to: (String, String),
    /// The citizen's name, personal code and e-address.
    pub from: (String, String, String),
    /// The letter answered: its subject and when it arrived (formatted).
    pub answers: (String, String),
    pub case_number: Option<String>,
    pub body: String,
    /// When the citizen signs (formatted).
    pub signed_at: String,
}

/// The reply as one document: who writes to whom, about which letter, and the text.
pub fn reply(reply: &Reply) -> Document {
    let l = reply.language;
    let (from_name, code, from_address) = &reply.from;
    let mut fields = vec![
        (text(l, "reply_to", &[]), format!("{} ({})", reply.to.0, reply.to.1)),
        (text(l, "reply_from", &[]), format!("{from_name}, {code} ({from_address})")),
        (text(l, "reply_answers", &[]), format!("{} ({})", reply.answers.0, reply.answers.1)),
    ];
    if let Some(number) = &reply.case_number {
        fields.push((text(l, "case_number", &[]), number.clone()));
    }
    fields.push((text(l, "reply_signed_at", &[]), reply.signed_at.clone()));
    let mut blocks = vec![Block::Fields(fields), Block::Rule];
    blocks.extend(reply.body.split("\n\n").map(|paragraph| Block::Paragraph(paragraph.trim().to_owned())));
    Document {
        title: reply.subject.clone(),
        blocks,
        footer: text(l, "reply_footer", &[("signed_at", &reply.signed_at)]),
    }
}

pub fn application(app: &Application) -> Document {
    let l = app.language;
    let none = "—".to_owned();
    let mut blocks = vec![
        Block::Paragraph(text(
            l,
            "application_intro",
            &[("institution", &app.holder_institution), ("service", &app.service_name)],
        )),
        Block::Fields(vec![
            (text(l, "applicant", &[]), format!("{}, {}", app.customer_name, app.customer_code)),
            (text(l, "case_number", &[]), app.case_number.clone().unwrap_or_else(|| none.clone())),
            (text(l, "centre", &[]), app.centre_name.clone()),
            (text(l, "submitted_at", &[]), app.submitted_at.clone()),
        ]),
    ];
    for (title, answers) in &app.sections {
        blocks.push(Block::Heading(title.clone()));
        blocks.push(Block::Fields(answers.clone()));
    }
    blocks.push(Block::Heading(text(l, "attachments", &[])));
    blocks.push(Block::Paragraph(if app.files.is_empty() { none } else { app.files.join(", ") }));
    let version = app.form_version.to_string();
    blocks.push(Block::Paragraph(text(
        l,
        "application_identity",
        &[("form", &app.form_id), ("version", &version), ("digest", &app.schema_digest)],
    )));
    Document { title: app.form_title.clone(), blocks, footer: text(l, "footer", &[("printed_at", &app.submitted_at)]) }
}
