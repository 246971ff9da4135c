//! What the fuzz targets (`fuzz/`, `cargo xtask fuzz`) run, here so that the regression tests
//! run exactly the same code on every input a fuzzer ever found (`fuzz/regressions/`). Each
//! function must never panic, whatever the bytes: a bad file or message is an error, not a crash.

use domain::case::{Case, CaseDocument, CaseNote, CaseStatus, StatusChange};
use protocol::{EntryAuthor, MessageEntry, OutboxPush, offline_unlock_nonce};

/// A CPSV-AP import: the first byte picks Turtle or JSON-LD, the rest is the document; what
/// parses is read into the model and checked as an import would.
pub fn cpsv_import(data: &[u8]) {
    let Some((&selector, document)) = data.split_first() else { return };
    let syntax = if selector % 2 == 0 {
        crate::catalogue::rdf::RdfSyntax::Turtle
    } else {
        crate::catalogue::rdf::RdfSyntax::JsonLd
    };
    let Ok(graph) = crate::catalogue::rdf::parse(document, syntax) else { return };
    let imported = crate::catalogue::cpsv::from_graph(&graph);
    for service in &imported.services {
        let _ = service.problems();
    }
    for organisation in &imported.organisations {
        let _ = organisation.problems();
    }
    // What was read writes back out and reads again.
    let written = crate::catalogue::cpsv::to_graph(&imported.services, &imported.organisations);
    let turtle = crate::catalogue::rdf::serialize(&written, crate::catalogue::rdf::RdfSyntax::Turtle, &[]);
    let _ = crate::catalogue::rdf::parse(&turtle, crate::catalogue::rdf::RdfSyntax::Turtle);
}

/// A desk's outbox push as the server reads it: the envelope, each entry's author proof and
/// payload by its kind, and the case rules the server applies to each.
pub fn outbox_push(data: &[u8]) {
    let Ok(push) = serde_json::from_slice::<OutboxPush>(data) else { return };
    let base = sample_case();
    for entry in push.entries {
        if let Some(EntryAuthor::OfflineUnlock { token, unlocked_at, salt }) = &entry.author {
            let _ = offline_unlock_nonce(entry.id, *unlocked_at, salt);
            let _ = eid::AuthToken::parse(token);
        }
        match entry.kind.as_str() {
            "case_registered" => {
                if let Ok(case) = serde_json::from_value::<Case>(entry.payload) {
                    let _ = case.check_timings();
                    let _ = case.status();
                    let _ = case.customer.code();
                    let _ = serde_json::to_string(&case);
                }
            }
            "case_status" => {
                #[derive(serde::Deserialize)]
                struct Status {
                    change: StatusChange,
                    #[serde(default)]
                    from: Option<CaseStatus>,
                }
                if let Ok(status) = serde_json::from_value::<Status>(entry.payload) {
                    let _ = base.clone().apply_desk_change(status.from, status.change, entry.id);
                }
            }
            "case_note" => {
                #[derive(serde::Deserialize)]
                struct Note {
                    note: CaseNote,
                }
                if let Ok(note) = serde_json::from_value::<Note>(entry.payload) {
                    let _ = base.clone().add_note(note.note);
                }
            }
            "case_document" => {
                #[derive(serde::Deserialize)]
                struct Document {
                    document: CaseDocument,
                }
                if let Ok(document) = serde_json::from_value::<Document>(entry.payload) {
                    let _ = base.clone().add_document(document.document);
                }
            }
            "message_send" => {
                if let Ok(message) = serde_json::from_value::<MessageEntry>(entry.payload) {
                    let recipients: Vec<_> = message
                        .recipients
                        .iter()
                        .filter_map(|r| domain::eaddress::EAddress::parse(r).ok())
                        .map(|address| (address, domain::eaddress::AccountKind::Institution))
                        .collect();
                    let _ = domain::eaddress::EAddress::parse(&message.from);
                    let _ = domain::eaddress::check_message(
                        domain::eaddress::AccountKind::Institution,
                        &recipients,
                        &message.subject,
                        &message.body,
                        &message.attachments,
                    );
                }
            }
            _ => {}
        }
    }
}

/// A registered case for the changes to apply to.
fn sample_case() -> Case {
    let at = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
    Case::register(domain::case::NewCase {
        id: uuid::Uuid::nil(),
        number: domain::case::CaseNumber::new("RCV", 1, 2027, 1).expect("a valid number"),
        service_id: "https://pietura.lv/id/service/dog-fee".into(),
        kind: domain::case::CaseKind::Application,
        channel: domain::catalogue::ChannelKind::VpvkacInPerson,
        customer: domain::case::customer_from_code("290156-11605", "Oskars Kalns").expect("a valid code"),
        holder_institution: "https://pietura.lv/id/org/riga".into(),
        provider_institution: None,
        centre_id: uuid::Uuid::nil(),
        arrived_at: at,
        served_at: at,
        registered_at: at,
        registered_by: domain::case::Actor::Staff {
            personal_code: domain::PersonalCode::parse("161175-19997").expect("a valid code"),
            offline: false,
        },
        note: String::new(),
    })
    .expect("a valid case")
}
