//! Cases at the desk: register in a few actions (service, channel and centre known; the
//! customer from their card or a typed code), today's cases, search, status changes, the
//! visit (what was done for this customer), and printed receipts. Everything works offline:
//! the store writes the case and its outbox entry together.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Local, Utc};
use domain::Language;
use domain::case::{Actor, Case, CaseKind, CaseStatus, Customer, customer_from_code};
use domain::catalogue::ChannelKind;
use offline_store::CaseDraft;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{DeviceSession, SessionError};
use crate::ErrorCode;

/// What the clerk gives to register a case; the rest comes from the desk and the catalogue.
#[derive(Debug, Clone, Deserialize)]
pub struct RegisterCase {
    pub service_id: String,
    pub kind: CaseKind,
    /// Defaults to in person at the centre.
    #[serde(default)]
    pub channel: Option<ChannelKind>,
    /// A personal code or a registration number, checked as typed.
    pub customer_code: String,
    #[serde(default)]
    pub customer_name: String,
    #[serde(default)]
    pub note: String,
    /// When the customer arrived (a queue ticket's time); defaults to now.
    #[serde(default)]
    pub arrived_at: Option<DateTime<Utc>>,
}

/// One step of a case's history as the desk shows it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HistoryView {
    pub status: CaseStatus,
    pub at: DateTime<Utc>,
    /// `staff` or `institution`.
    #[cfg_attr(feature = "ts", ts(type = r#""staff" | "institution""#))]
    pub by: &'static str,
    /// The staff member's personal code or the institution's id.
    pub by_id: String,
    pub offline: bool,
    pub note: String,
}

/// A document attached to a case as the desk shows it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DocumentView {
    pub id: Uuid,
    pub name: String,
    pub media_type: String,
    pub size: u64,
    pub added_at: DateTime<Utc>,
    /// Whether this desk has the content (scans stay on the desk that took them).
    pub here: bool,
}

/// A document's content for showing on screen (images only).
#[derive(Debug, Clone, Serialize)]
pub struct DocumentPreview {
    pub media_type: String,
    /// The content, base64.
    pub content: String,
}

/// A note on a case as the desk shows it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NoteView {
    pub at: DateTime<Utc>,
    /// `staff` or `institution`.
    #[cfg_attr(feature = "ts", ts(type = r#""staff" | "institution""#))]
    pub by: &'static str,
    pub by_id: String,
    pub offline: bool,
    pub text: String,
    /// A status change that came after someone else had moved the case on: what it meant to set.
    pub intended_status: Option<CaseStatus>,
}

/// A case as the desk shows it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CaseView {
    pub id: Uuid,
    pub number: String,
    pub service_id: String,
    pub service_name: String,
    pub kind: CaseKind,
    /// The catalogue's channel code (`vpvkac_in_person`, …).
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub channel: ChannelKind,
    pub status: CaseStatus,
    /// `natural` or `legal`.
    #[cfg_attr(feature = "ts", ts(type = r#""natural" | "legal""#))]
    pub customer_type: &'static str,
    pub customer_code: String,
    pub customer_name: String,
    pub holder_institution: String,
    pub holder_name: String,
    pub arrived_at: DateTime<Utc>,
    pub served_at: DateTime<Utc>,
    pub waiting_seconds: i64,
    /// From serving to registering.
    pub service_seconds: i64,
    pub history: Vec<HistoryView>,
    /// Where the clerk may move it now.
    pub next: Vec<CaseStatus>,
    /// Entries of this case not yet on the server, and the server's reason if it refused one.
    pub unsent: u64,
    pub refused: Option<String>,
    /// The code of the server's reason, for the desk to translate.
    pub refused_code: Option<String>,
    /// The refused entry's kind: an e-form submission can be filled in again from it.
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub refused_kind: Option<String>,
    /// Notes, oldest first.
    pub notes: Vec<NoteView>,
    /// What an institution changed since the clerk last opened the case.
    pub news: Option<offline_store::CaseNews>,
    pub documents: Vec<DocumentView>,
}

/// The customer being served and what was done for them, kept in memory only (it ends with
/// the visit, the logout or the app).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct VisitView {
    pub customer_code: String,
    pub customer_name: String,
    pub started_at: DateTime<Utc>,
    pub actions: Vec<VisitActionView>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct VisitActionView {
    pub at: DateTime<Utc>,
    /// `service_viewed`, `case_registered`, `status_changed`, `document_sent`, `form_submitted`.
    #[cfg_attr(
        feature = "ts",
        ts(type = r#""service_viewed" | "case_registered" | "status_changed" | "document_sent" | "form_submitted""#)
    )]
    pub kind: &'static str,
    pub text: String,
    pub case_id: Option<Uuid>,
    #[serde(skip)]
    pub(super) action: print::VisitAction,
    /// The service the action names, so the receipt names it in its own language.
    #[serde(skip)]
    pub(super) service_id: Option<String>,
}

/// One of a citizen's cases as a kiosk shows it: nothing but what the citizen needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CitizenCaseView {
    pub number: String,
    pub service_name: String,
    pub status: CaseStatus,
    pub served_at: DateTime<Utc>,
    /// When the status last changed.
    pub changed_at: DateTime<Utc>,
    /// The institution that holds the case.
    pub holder_name: String,
    /// For a company the person represents: its name (or registration number); `None` for
    /// the person's own cases.
    pub company: Option<String>,
}

impl VisitActionView {
    pub(super) fn new(at: DateTime<Utc>, kind: &'static str, text: String, action: print::VisitAction) -> Self {
        Self { at, kind, text, case_id: None, action, service_id: None }
    }

    /// Documents sent to an institution for the customer.
    pub(super) fn message_sent(at: DateTime<Utc>, subject: &str, attachments: &[String], case_id: Uuid) -> Self {
        let document =
            if attachments.is_empty() { subject.to_owned() } else { format!("{subject} ({})", attachments.join(", ")) };
        Self {
            at,
            kind: "document_sent",
            text: document.clone(),
            case_id: Some(case_id),
            action: print::VisitAction::DocumentSent { document },
            service_id: None,
        }
    }
}

use super::printing::{AfterPrint, PrintOutcome};

/// Receipts are kept this long on the desk (they carry names), then swept.
/// How long a saved receipt or copy stays at most (the hourly sweep).
pub const RECEIPT_KEEP: std::time::Duration = std::time::Duration::from_secs(3600);
/// At the end of a visit, what was saved in these last minutes stays (the visit's own receipt,
/// saved as the visit ends) until the hourly sweep or the logout.
pub const RECEIPT_KEEP_AFTER_VISIT: std::time::Duration = std::time::Duration::from_secs(10 * 60);

pub(super) fn local_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&Local).format("%d.%m.%Y %H:%M").to_string()
}

/// What showing cases needs besides the cases, read once for a whole list: the desk's language,
/// service and institution names (each looked up once), and the outbox's unsettled entries.
pub(super) struct CaseContext<'a> {
    store: &'a offline_store::Store,
    language: Language,
    services: HashMap<String, String>,
    organisations: HashMap<String, String>,
    outbox: HashMap<Uuid, offline_store::CaseOutbox>,
    news: HashMap<Uuid, offline_store::CaseNews>,
}

impl<'a> CaseContext<'a> {
    /// Names only: the outbox is read by [`CaseContext::with_outbox`], for showing cases.
    pub(super) fn new(store: &'a offline_store::Store, language: Language) -> Self {
        Self {
            store,
            language,
            services: HashMap::new(),
            organisations: HashMap::new(),
            outbox: HashMap::new(),
            news: HashMap::new(),
        }
    }

    /// With the outbox's unsettled entries and the cases' news, each read in one pass.
    fn with_outbox(mut self) -> Result<Self, SessionError> {
        self.outbox = self.store.unsettled_outbox_by_case()?;
        self.news = self.store.cases_with_news()?.into_iter().map(|(case, news)| (case.id, news)).collect();
        Ok(self)
    }

    fn shown(text: &domain::catalogue::Text, language: Language) -> Option<String> {
        domain::catalogue_view::local(text, language).map(|local| local.text)
    }

    /// The service's name, or its id when this desk does not have it.
    pub(super) fn service(&mut self, id: &str) -> String {
        let (store, language) = (self.store, self.language);
        self.services
            .entry(id.to_owned())
            .or_insert_with(|| {
                store
                    .service(id)
                    .ok()
                    .flatten()
                    .and_then(|s| Self::shown(&s.name, language))
                    .unwrap_or_else(|| id.to_owned())
            })
            .clone()
    }

    fn organisation(&mut self, id: &str) -> String {
        let (store, language) = (self.store, self.language);
        self.organisations
            .entry(id.to_owned())
            .or_insert_with(|| {
                store
                    .organisation(id)
                    .ok()
                    .flatten()
                    .and_then(|o| Self::shown(&o.name, language))
                    .unwrap_or_else(|| id.to_owned())
            })
            .clone()
    }
}

/// Who acted, as the desk shows it: (`staff` or `institution`, their code or id, offline).
fn actor_view(actor: &Actor) -> (&'static str, String, bool) {
    match actor {
        Actor::Staff { personal_code, offline } => ("staff", personal_code.to_string(), *offline),
        Actor::Institution { id } => ("institution", id.clone(), false),
    }
}

fn invalid(code: ErrorCode, message: impl Into<String>) -> SessionError {
    SessionError::new(code, message)
}

/// A customer from a code as typed, the error coded by the rule broken
/// (`personal_code_check_digit`, `registration_number_shape`, …) for the UI to translate.
pub fn parse_customer(code: &str, name: &str) -> Result<Customer, SessionError> {
    customer_from_code(code, name).map_err(|e| invalid(ErrorCode::named(e.code()), e.to_string()))
}

impl DeviceSession {
    fn case_context(&self) -> Result<CaseContext<'_>, SessionError> {
        CaseContext::new(&self.store, self.language()?).with_outbox()
    }

    fn case_view(case: &Case, context: &mut CaseContext<'_>) -> CaseView {
        let outbox = context.outbox.get(&case.id).cloned().unwrap_or_default();
        CaseView {
            id: case.id,
            number: case.number.to_string(),
            service_id: case.service_id.clone(),
            service_name: context.service(&case.service_id),
            kind: case.kind,
            channel: case.channel.clone(),
            status: case.status(),
            customer_type: case.customer.kind_name(),
            customer_code: case.customer.code(),
            customer_name: case.customer.name().to_owned(),
            holder_institution: case.holder_institution.clone(),
            holder_name: context.organisation(&case.holder_institution),
            arrived_at: case.arrived_at,
            served_at: case.served_at,
            waiting_seconds: case.waiting_seconds(),
            service_seconds: case.service_seconds(),
            history: case
                .history
                .iter()
                .map(|change| {
                    let (by, by_id, offline) = actor_view(&change.actor);
                    HistoryView { status: change.status, at: change.at, by, by_id, offline, note: change.note.clone() }
                })
                .collect(),
            next: case.status().next(case.kind).to_vec(),
            unsent: outbox.pending,
            refused: outbox.refused,
            refused_code: outbox.refused_code,
            refused_kind: outbox.refused_kind,
            notes: case
                .notes
                .iter()
                .map(|note| {
                    let (by, by_id, offline) = actor_view(&note.actor);
                    NoteView {
                        at: note.at,
                        by,
                        by_id,
                        offline,
                        text: note.text.clone(),
                        intended_status: note.intended_status,
                    }
                })
                .collect(),
            news: context.news.get(&case.id).cloned(),
            documents: case
                .documents
                .iter()
                .map(|d| DocumentView {
                    id: d.id,
                    name: d.name.clone(),
                    media_type: d.media_type.clone(),
                    size: d.size,
                    added_at: d.added_at,
                    here: context.store.case_document_content(d.id).is_ok_and(|c| c.is_some()),
                })
                .collect(),
        }
    }

    fn case_views<'c>(&self, cases: impl IntoIterator<Item = &'c Case>) -> Result<Vec<CaseView>, SessionError> {
        let mut context = self.case_context()?;
        Ok(cases.into_iter().map(|case| Self::case_view(case, &mut context)).collect())
    }

    fn one_case_view(&self, case: &Case) -> Result<CaseView, SessionError> {
        Ok(Self::case_view(case, &mut self.case_context()?))
    }

    /// The logged-in staff member, as a case's actor; refused when nobody is logged in.
    pub(super) fn staff_actor(&self) -> Result<(Actor, String), SessionError> {
        let view = self.login.view();
        let person = match (view.state, view.person) {
            ("logged_in", Some(person)) => person,
            _ => return Err(invalid(ErrorCode::NotLoggedIn, "log in with your eID card to work with cases")),
        };
        let code = domain::PersonalCode::parse(&person.personal_code)
            .map_err(|e| invalid(ErrorCode::NotLoggedIn, format!("the logged-in person's code is unusable: {e}")))?;
        let name = format!("{} {}", person.given_name, person.surname);
        Ok((Actor::Staff { personal_code: code, offline: view.offline }, name))
    }

    /// How an outbox entry `actor` makes now was made: offline or not, with the login's proof of
    /// who made it (the server believes the entry's actor only with it).
    pub(super) fn entry_origin(&self, actor: &Actor) -> offline_store::EntryOrigin {
        offline_store::EntryOrigin { offline: actor.is_offline(), author: self.login.entry_author() }
    }

    /// This desk's enrollment and its number in the centre, which case numbers need.
    pub(super) fn desk_numbering(&self) -> Result<(offline_store::Enrollment, u8), SessionError> {
        let enrollment =
            self.store.enrollment()?.ok_or_else(|| invalid(ErrorCode::NotEnrolled, "this device is not enrolled"))?;
        let desk_number = enrollment.desk_number.filter(|_| !enrollment.centre.code.is_empty()).ok_or_else(|| {
            invalid(
                ErrorCode::DeskNumberUnknown,
                "this desk has no case numbers yet: connect it to the server once so it learns its centre code and desk number",
            )
        })?;
        Ok((enrollment, desk_number))
    }

    /// A service of the desk's catalogue and the institution that holds its cases.
    pub(super) fn service_and_holder(
        &self,
        service_id: &str,
    ) -> Result<(domain::catalogue::PublicService, String), SessionError> {
        let service = self.store.service(service_id)?.ok_or_else(|| {
            invalid(ErrorCode::ServiceUnknown, format!("the service {service_id} is not in this desk's catalogue"))
        })?;
        let holder = service
            .competent_authorities
            .first()
            .cloned()
            .ok_or_else(|| invalid(ErrorCode::ServiceUnknown, "the service names no institution"))?;
        Ok((service, holder))
    }

    /// When serving `customer` started: when the visit with them did (else `now`).
    pub(super) fn serving_started(&self, customer: &Customer, now: DateTime<Utc>) -> DateTime<Utc> {
        self.visit()
            .filter(|visit| visit.customer_code == customer.code() && visit.started_at <= now)
            .map_or(now, |visit| visit.started_at)
    }

    /// Registers a case at this desk, with or without the server.
    pub fn register_case(&self, request: RegisterCase) -> Result<CaseView, SessionError> {
        let (actor, _) = self.staff_actor()?;
        let offline = actor.is_offline();
        let author = self.entry_origin(&actor).author;
        let (enrollment, desk_number) = self.desk_numbering()?;
        let (service, holder) = self.service_and_holder(&request.service_id)?;
        let customer = parse_customer(&request.customer_code, &request.customer_name)?;
        let now = (self.clock)();
        // The customer arrived when serving started unless a queue ticket says when.
        let served_at = self.serving_started(&customer, now);
        let arrived_at = request.arrived_at.filter(|at| *at <= served_at).unwrap_or(served_at);
        let case = self.store.register_case(
            CaseDraft {
                id: Uuid::now_v7(),
                service_id: service.id.clone(),
                kind: request.kind,
                channel: request.channel.unwrap_or(ChannelKind::VpvkacInPerson),
                customer: customer.clone(),
                holder_institution: holder,
                provider_institution: None,
                centre_id: enrollment.centre.id,
                centre_code: enrollment.centre.code.clone(),
                desk_number,
                arrived_at,
                served_at,
                registered_by: actor,
                note: request.note,
                offline,
                author,
            },
            now,
        )?;
        tracing::info!(case = %case.id, number = %case.number, offline, "case registered");
        let view = self.one_case_view(&case)?;
        self.note_in_visit(&customer, now, |visit| {
            visit.actions.push(VisitActionView {
                at: now,
                kind: "case_registered",
                text: format!("{} {}", view.number, view.service_name),
                case_id: Some(case.id),
                action: print::VisitAction::CaseRegistered {
                    number: view.number.clone(),
                    service: view.service_name.clone(),
                },
                service_id: Some(case.service_id.clone()),
            });
        });
        self.wake_sync();
        Ok(view)
    }

    /// Moves a case on (the domain's state machine decides) and queues it for the server.
    pub fn change_case_status(&self, id: Uuid, to: CaseStatus, note: &str) -> Result<CaseView, SessionError> {
        let (actor, _) = self.staff_actor()?;
        let origin = self.entry_origin(&actor);
        let now = (self.clock)();
        let case =
            self.store.change_case_status(id, to, now, actor, note, origin, Uuid::now_v7()).map_err(|e| match e {
                offline_store::StoreError::Invalid(message) => invalid(ErrorCode::CaseChangeRefused, message),
                other => other.into(),
            })?;
        let view = self.one_case_view(&case)?;
        self.note_in_visit(&case.customer, now, |visit| {
            visit.actions.push(VisitActionView {
                at: now,
                kind: "status_changed",
                text: format!("{} → {:?}", view.number, to),
                case_id: Some(case.id),
                action: print::VisitAction::StatusChanged { number: view.number.clone(), status: to },
                service_id: None,
            });
        });
        self.wake_sync();
        Ok(view)
    }

    /// Adds a note to a case and queues it for the server.
    pub fn add_case_note(&self, id: Uuid, text: &str) -> Result<CaseView, SessionError> {
        let (actor, _) = self.staff_actor()?;
        let origin = self.entry_origin(&actor);
        let note = domain::case::CaseNote {
            id: Uuid::now_v7(),
            at: (self.clock)(),
            actor,
            text: text.trim().to_owned(),
            intended_status: None,
        };
        let case = self.store.add_case_note(id, note, origin).map_err(|e| match e {
            offline_store::StoreError::Invalid(message) => invalid(ErrorCode::CaseNoteRefused, message),
            other => other.into(),
        })?;
        self.wake_sync();
        self.one_case_view(&case)
    }

    /// Attaches a scanned document to a case: checked by its content (PDF, JPEG, PNG or TIFF, at
    /// most 10 MB), kept encrypted on this desk, its description queued for the server.
    pub fn add_case_document(&self, id: Uuid, name: &str, content: &[u8]) -> Result<CaseView, SessionError> {
        use sha2::Digest;
        let (actor, _) = self.staff_actor()?;
        let origin = self.entry_origin(&actor);
        if content.len() as u64 > domain::case::DOCUMENT_MAX_BYTES {
            return Err(invalid(ErrorCode::DocumentTooLarge, "a document may be at most 10 MB"));
        }
        let media_type = domain::case::document_media_type(content)
            .ok_or_else(|| invalid(ErrorCode::DocumentType, "attach a scan: a PDF, JPEG, PNG or TIFF file"))?;
        // Only the file's own name: a path typed or dropped in says nothing about the document.
        let name = name.rsplit(['/', '\\']).next().unwrap_or_default().trim().to_owned();
        let document = domain::case::CaseDocument {
            id: Uuid::now_v7(),
            name,
            media_type: media_type.to_owned(),
            size: content.len() as u64,
            sha256: hex::encode(sha2::Sha256::digest(content)),
            added_at: (self.clock)(),
            actor,
        };
        let case = self.store.add_case_document(id, document, content, origin).map_err(|e| match e {
            offline_store::StoreError::Invalid(message) => invalid(ErrorCode::DocumentRefused, message),
            other => other.into(),
        })?;
        tracing::info!(case = %id, bytes = content.len(), media_type, "document attached");
        self.wake_sync();
        self.one_case_view(&case)
    }

    fn document_content(
        &self,
        case_id: Uuid,
        document_id: Uuid,
    ) -> Result<(domain::case::CaseDocument, Vec<u8>), SessionError> {
        let case = self
            .store
            .case(case_id)?
            .ok_or_else(|| invalid(ErrorCode::CaseUnknown, format!("there is no case {case_id}")))?;
        let document = case
            .documents
            .into_iter()
            .find(|d| d.id == document_id)
            .ok_or_else(|| invalid(ErrorCode::DocumentUnknown, "the case has no such document"))?;
        let content = self.store.case_document_content(document_id)?.ok_or_else(|| {
            invalid(ErrorCode::DocumentElsewhere, "the document was scanned at another desk, which keeps it")
        })?;
        Ok((document, content))
    }

    /// An image document's content for the screen (PDFs are saved or printed instead).
    pub fn case_document_preview(&self, case_id: Uuid, document_id: Uuid) -> Result<DocumentPreview, SessionError> {
        use base64::Engine;
        let (document, content) = self.document_content(case_id, document_id)?;
        if !matches!(document.media_type.as_str(), "image/jpeg" | "image/png") {
            return Err(invalid(ErrorCode::DocumentNoPreview, "this document is shown by saving or printing it"));
        }
        Ok(DocumentPreview {
            media_type: document.media_type,
            content: base64::engine::general_purpose::STANDARD.encode(content),
        })
    }

    /// A copy of a document in the receipts folder (swept after a day), and on the printer when
    /// `to_printer`.
    pub fn export_case_document(
        &self,
        case_id: Uuid,
        document_id: Uuid,
        to_printer: bool,
    ) -> Result<PrintOutcome, SessionError> {
        let (document, content) = self.document_content(case_id, document_id)?;
        self.save_copy(&document.name, &content, to_printer)
    }

    /// With `to_printer`, sends a file to the printer through a pipe (no copy on disk);
    /// otherwise saves it in `receipts/` because the clerk asked to (swept within the hour, at
    /// the end of the visit and at logout).
    pub(super) fn save_copy(&self, name: &str, content: &[u8], to_printer: bool) -> Result<PrintOutcome, SessionError> {
        self.save_copy_then(name, content, to_printer, None)
    }

    /// [`Self::save_copy`], doing `after` once the copy is printed.
    pub(super) fn save_copy_then(
        &self,
        name: &str,
        content: &[u8],
        to_printer: bool,
        after: Option<AfterPrint>,
    ) -> Result<PrintOutcome, SessionError> {
        if to_printer {
            return self.print_or_hold(content, name, after);
        }
        let saved = print::save_pdf(&self.receipts_dir(), name, content)
            .map_err(|e| invalid(ErrorCode::PrintFailed, e.to_string()))?;
        Ok(PrintOutcome::saved(saved))
    }

    pub fn case(&self, id: Uuid) -> Result<Option<CaseView>, SessionError> {
        self.store.case(id)?.map(|case| self.one_case_view(&case)).transpose()
    }

    /// The clerk has seen what changed on a case.
    pub fn mark_case_seen(&self, id: Uuid) -> Result<(), SessionError> {
        self.store.mark_case_seen(id)?;
        // The engine recounts news after its next round: make that now.
        self.wake_sync();
        Ok(())
    }

    /// The logged-in citizen's cases, from the server (a kiosk keeps no cases): newest first.
    pub async fn citizen_cases(&self) -> Result<Vec<CitizenCaseView>, SessionError> {
        let Some(enrollment) = self.store.enrollment()? else {
            return Err(invalid(ErrorCode::NotEnrolled, "this device is not enrolled"));
        };
        let credentials = self.credentials(&enrollment)?;
        let token = self
            .login
            .session_token()
            .ok_or_else(|| invalid(ErrorCode::SessionInvalid, "log in with your eID card while the kiosk is online"))?;
        let client = self.sync_client(crate::client::parse_server_url(&enrollment.server_url)?)?;
        let cases = client.citizen_cases(&credentials, &token).await?.cases;
        let mut context = CaseContext::new(&self.store, self.language()?);
        Ok(cases
            .iter()
            .map(|case| CitizenCaseView {
                number: case.number.to_string(),
                service_name: context.service(&case.service_id),
                status: case.status(),
                served_at: case.served_at,
                changed_at: case.history.last().map_or(case.served_at, |c| c.at),
                holder_name: context.organisation(&case.holder_institution),
                company: match &case.customer {
                    domain::case::Customer::Legal { name, registration_number } => Some(if name.trim().is_empty() {
                        registration_number.as_str().to_owned()
                    } else {
                        name.clone()
                    }),
                    domain::case::Customer::Natural { .. } => None,
                },
            })
            .collect())
    }

    /// Cases an institution changed since the clerk last opened them, the newest change first.
    pub fn cases_with_news(&self) -> Result<Vec<CaseView>, SessionError> {
        let cases: Vec<Case> = self.store.cases_with_news()?.into_iter().map(|(case, _)| case).collect();
        self.case_views(&cases)
    }

    /// Cases served today (local time), newest first.
    pub fn cases_today(&self) -> Result<Vec<CaseView>, SessionError> {
        let now = (self.clock)().with_timezone(&Local);
        let midnight = now.date_naive().and_hms_opt(0, 0, 0).and_then(|t| t.and_local_timezone(Local).earliest());
        let from = midnight.map_or_else(|| (self.clock)() - chrono::Duration::hours(24), |t| t.with_timezone(&Utc));
        let to = (self.clock)() + chrono::Duration::days(1);
        self.case_views(&self.store.cases_served_between(from, to)?)
    }

    /// Cases by number (as typed, any case or spacing), customer code or name, or service name,
    /// among the desk's newest 5,000.
    pub fn find_cases(&self, query: &str) -> Result<Vec<CaseView>, SessionError> {
        let query = query.trim();
        if query.is_empty() {
            return self.cases_today();
        }
        if let Ok(number) = domain::case::CaseNumber::parse(query) {
            return self.case_views(&self.store.case_by_number(&number)?);
        }
        let mut context = self.case_context()?;
        let needle = query.to_lowercase();
        let digits: String = query.chars().filter(char::is_ascii_digit).collect();
        let mut found = Vec::new();
        for case in self.store.recent_cases(5_000)? {
            let code_digits: String = case.customer.code().chars().filter(char::is_ascii_digit).collect();
            let matches = (digits.len() >= 6 && code_digits.starts_with(&digits))
                || case.customer.name().to_lowercase().contains(&needle)
                || case.number.to_string().to_lowercase().contains(&needle)
                || context.service(&case.service_id).to_lowercase().contains(&needle);
            if matches {
                found.push(Self::case_view(&case, &mut context));
                if found.len() == 100 {
                    break;
                }
            }
        }
        Ok(found)
    }

    /// The customer's card in the second reader: their code and name, no PIN.
    pub fn customer_from_card(&self) -> Result<crate::login::CardDetails, crate::login::LoginFailure> {
        self.login.customer_card().inspect_err(|failure| {
            tracing::warn!(code = %failure.code, message = %failure.message, "the customer's card could not be read");
        })
    }

    /// The customer's card for a signature: whose it is and PIN2 tries left (no PIN asked).
    pub fn customer_signer(&self) -> Result<crate::login::CardDetails, crate::login::LoginFailure> {
        self.login.customer_signer()
    }

    /// Starts serving a customer: what is done for them from now on goes on their receipt.
    pub fn start_visit(&self, customer_code: &str, customer_name: &str) -> Result<VisitView, SessionError> {
        self.staff_actor()?;
        let customer = parse_customer(customer_code, customer_name)?;
        let visit = VisitView {
            customer_code: customer.code(),
            customer_name: customer.name().to_owned(),
            started_at: (self.clock)(),
            actions: vec![],
        };
        *self.visit.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(visit.clone());
        tracing::info!("visit started");
        Ok(visit)
    }

    pub fn visit(&self) -> Option<VisitView> {
        self.visit.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// Ends the visit; `None` when there was none.
    pub fn end_visit(&self) -> Option<VisitView> {
        let ended = self.visit.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
        self.forget_shown_application();
        // The customer's saved copies go with their visit.
        self.sweep_receipts(RECEIPT_KEEP_AFTER_VISIT);
        ended
    }

    /// Notes that the clerk looked a service up for the customer being served.
    pub fn note_service_viewed(&self, service_id: &str) {
        let Ok(language) = self.language() else { return };
        let name = CaseContext::new(&self.store, language).service(service_id);
        let now = (self.clock)();
        let mut visit = self.visit.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(visit) = visit.as_mut() else { return };
        // A service looked up once is one look-up, however often its page is opened again (in
        // another language too).
        if visit.actions.iter().any(|a| a.kind == "service_viewed" && a.service_id.as_deref() == Some(service_id)) {
            return;
        }
        visit.actions.push(VisitActionView {
            at: now,
            kind: "service_viewed",
            text: name.clone(),
            case_id: None,
            action: print::VisitAction::ServiceViewed { service: name },
            service_id: Some(service_id.to_owned()),
        });
    }

    pub(super) fn note_in_visit(&self, customer: &Customer, at: DateTime<Utc>, add: impl FnOnce(&mut VisitView)) {
        let code = customer.code();
        let mut visit = self.visit.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match visit.as_mut() {
            Some(visit) if visit.customer_code == code => add(visit),
            // A case for someone else than the visit's customer starts their visit.
            _ => {
                let mut fresh = VisitView {
                    customer_code: code,
                    customer_name: customer.name().to_owned(),
                    started_at: at,
                    actions: vec![],
                };
                add(&mut fresh);
                *visit = Some(fresh);
            }
        }
    }

    pub(super) fn receipts_dir(&self) -> PathBuf {
        self.store.path().parent().unwrap_or_else(|| Path::new(".")).join("receipts")
    }

    /// A copy the clerk saved, by the file name the save answered: only a file directly in the
    /// receipts folder (no other path can be named), while it is still there.
    pub fn saved_copy(&self, file_name: &str) -> Result<PathBuf, SessionError> {
        let gone = || {
            invalid(
                ErrorCode::NotFound,
                format!("{file_name}: no such saved copy (copies are removed when the visit ends and after an hour)"),
            )
        };
        let plain = Path::new(file_name).file_name().is_some_and(|name| name == std::ffi::OsStr::new(file_name));
        let path = self.receipts_dir().join(file_name);
        if !plain || !path.is_file() {
            return Err(gone());
        }
        Ok(path)
    }

    /// Writes a saved copy (see [`Self::saved_copy`]) to `destination`, a place the clerk chose
    /// in the system's "Save as" dialog: through a temporary file beside it, renamed at the end,
    /// so a full disk or a cut-off share never leaves half a document under the chosen name.
    pub fn save_copy_to(&self, file_name: &str, destination: &Path) -> Result<PathBuf, SessionError> {
        let source = self.saved_copy(file_name)?;
        let failed =
            |error: std::io::Error| invalid(ErrorCode::SaveFailed, format!("{}: {error}", destination.display()));
        let chosen = destination.file_name().ok_or_else(|| failed(std::io::ErrorKind::InvalidInput.into()))?;
        let mut part = std::ffi::OsString::from(".");
        part.push(chosen);
        part.push(".pietura-part");
        let temporary = destination.with_file_name(part);
        let written = (|| {
            let mut into = std::fs::File::create(&temporary)?;
            std::io::copy(&mut std::fs::File::open(&source)?, &mut into)?;
            into.sync_all()?;
            std::fs::rename(&temporary, destination)
        })();
        if let Err(error) = written {
            let _ = std::fs::remove_file(&temporary);
            return Err(failed(error));
        }
        tracing::info!("a saved copy was written where the clerk chose");
        Ok(destination.to_path_buf())
    }

    /// Removes saved receipts and copies older than `keep` (they carry customers' names and
    /// documents): everything at logout (`Duration::ZERO`), what was saved before the last
    /// minutes at the end of a visit, what is older than an hour on the hourly sweep.
    pub fn sweep_receipts(&self, keep: std::time::Duration) {
        sweep_folder(&self.receipts_dir(), keep);
    }

    pub(super) fn centre_name(&self) -> Result<String, SessionError> {
        Ok(self.store.enrollment()?.map(|e| e.centre.name).unwrap_or_default())
    }

    pub(super) fn output(
        &self,
        document: &print::Document,
        file_name: &str,
        to_printer: bool,
    ) -> Result<PrintOutcome, SessionError> {
        let print_error = |e: print::PrintError| invalid(ErrorCode::PrintFailed, e.to_string());
        let bytes = self.pdf(document).map_err(print_error)?;
        if to_printer {
            return self.print_or_hold(&bytes, &document.title, None);
        }
        let pdf = print::save_pdf(&self.receipts_dir(), file_name, &bytes).map_err(print_error)?;
        Ok(PrintOutcome::saved(pdf))
    }

    /// The case receipt as a PDF, and on the printer when `to_printer`.
    pub fn print_case_receipt(&self, id: Uuid, to_printer: bool) -> Result<PrintOutcome, SessionError> {
        let case =
            self.store.case(id)?.ok_or_else(|| invalid(ErrorCode::CaseUnknown, format!("there is no case {id}")))?;
        let language = self.language()?;
        let view = self.one_case_view(&case)?;
        let receipt = print::CaseReceipt {
            language,
            case_number: view.number.clone(),
            service_name: view.service_name,
            kind: view.kind,
            channel: view.channel,
            status: view.status,
            holder_institution: view.holder_name,
            centre_name: self.centre_name()?,
            registered_at: local_time(case.served_at),
            customer_name: view.customer_name,
            customer_code: view.customer_code,
            printed_at: local_time((self.clock)()),
        };
        self.output(&print::case_receipt(&receipt), &format!("{}.pdf", view.number), to_printer)
    }

    /// The "what was done on your behalf" receipt of the current visit.
    pub fn print_visit_receipt(&self, to_printer: bool) -> Result<PrintOutcome, SessionError> {
        let visit = self.visit().ok_or_else(|| invalid(ErrorCode::NoVisit, "no customer is being served"))?;
        let (_, agent) = self.staff_actor()?;
        let now = (self.clock)();
        let language = self.language()?;
        // Services are named in the receipt's language, whatever the screen's was at the time.
        let mut context = CaseContext::new(&self.store, language);
        let mut in_receipt_language = |action: &VisitActionView| match (&action.action, &action.service_id) {
            (print::VisitAction::ServiceViewed { .. }, Some(id)) => {
                print::VisitAction::ServiceViewed { service: context.service(id) }
            }
            (print::VisitAction::CaseRegistered { number, .. }, Some(id)) => {
                print::VisitAction::CaseRegistered { number: number.clone(), service: context.service(id) }
            }
            (other, _) => other.clone(),
        };
        let receipt = print::VisitReceipt {
            language,
            centre_name: self.centre_name()?,
            agent_name: agent,
            customer_name: visit.customer_name.clone(),
            customer_code: visit.customer_code.clone(),
            started_at: local_time(visit.started_at),
            ended_at: local_time(now),
            actions: visit
                .actions
                .iter()
                .map(|a| (a.at.with_timezone(&Local).format("%H:%M").to_string(), in_receipt_language(a)))
                .collect(),
            printed_at: local_time(now),
        };
        let name = format!("visit-{}.pdf", now.with_timezone(&Local).format("%Y%m%d-%H%M%S"));
        self.output(&print::visit_receipt(&receipt), &name, to_printer)
    }
}

/// Removes the files in `dir` older than `keep`.
pub(super) fn sweep_folder(dir: &Path, keep: std::time::Duration) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|modified| modified.elapsed().map_or(true, |age| age >= keep));
        if old && let Err(error) = std::fs::remove_file(entry.path()) {
            tracing::warn!(%error, "an old receipt could not be removed");
        }
    }
}
