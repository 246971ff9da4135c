//! E-forms at the desk: the forms a service has, a draft started for the customer being served
//! (prefilled from them, the case it was started from and the centre), kept in the encrypted
//! store at every change and checked by the one validator (`forms`) at every change, resumed
//! after a restart, removed 30 days after its last change. Nothing leaves the desk before
//! submission.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
};

use chrono::{DateTime, Duration, Utc};
use domain::eaddress::AttachmentInfo;
use domain::{
    Language,
    catalogue::Text,
    catalogue_view::{Local, local},
};
use forms::{CompiledForm, FieldError, FormRecord, PrefillContext, Widget};
use offline_store::FormDraft;
use serde::Serialize;
use serde_json::Value;
use sha2::Digest;
use uuid::Uuid;

use super::{DeviceSession, SessionError};
use crate::ErrorCode;

/// How long a draft nobody touches is kept.
pub const DRAFT_KEPT_FOR: Duration = Duration::days(30);
/// The most a draft's answers may weigh (files are kept apart, by reference).
const MAX_DRAFT_BYTES: usize = 1 << 20;

/// Forms compiled once per version (a published version never changes), for the session's life.
#[derive(Default)]
pub(super) struct CompiledForms(Mutex<HashMap<(String, u32), Arc<CompiledForm>>>);

/// How the customer gives PIN2 for a signature.
#[derive(Debug, Clone, Copy)]
pub enum Pin2<'a> {
    /// Typed on the desk's keyboard by the customer.
    Typed(&'a str),
    /// On the customer's reader's own PIN pad.
    OnPinPad,
}

impl<'a> Pin2<'a> {
    pub(super) fn typed(self) -> Option<&'a str> {
        match self {
            Pin2::Typed(pin) => Some(pin),
            Pin2::OnPinPad => None,
        }
    }
}

/// How long an application shown to the customer may be signed: after that it is made and shown
/// again (its time would no longer be the time they signed).
const SHOWN_APPLICATION_KEPT_FOR: Duration = Duration::minutes(30);
/// The pages shown before signing (an application longer than this says how many more there are).
const PREVIEW_PAGES: u32 = 12;
/// Pages drawn sharp enough to read on a desk's screen.
const PREVIEW_LONG_SIDE_PX: u32 = 1400;

/// The application last shown to the customer, so that what they sign is byte for byte what they
/// read: kept in memory only, replaced by the next one shown.
#[derive(Default)]
pub(super) struct ShownApplication(Mutex<Option<Shown>>);

#[derive(Clone)]
struct Shown {
    draft: Uuid,
    language: Language,
    at: DateTime<Utc>,
    json: Vec<u8>,
    pdf: Vec<u8>,
}

impl ShownApplication {
    fn get(&self, draft: Uuid, language: Language, now: DateTime<Utc>) -> Option<Shown> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).clone().filter(|shown| {
            shown.draft == draft && shown.language == language && now - shown.at <= SHOWN_APPLICATION_KEPT_FOR
        })
    }

    fn set(&self, shown: Option<Shown>) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = shown;
    }
}

/// An application made from a draft, before anything is written.
struct MadeApplication {
    form: Arc<CompiledForm>,
    actor: domain::case::Actor,
    composed_by: String,
    origin: offline_store::EntryOrigin,
    customer: domain::case::Customer,
    holder: Option<domain::catalogue::PublicOrganisation>,
    holder_name: String,
    submission: offline_store::Submission,
    case_from: Option<domain::case::CaseStatus>,
    number: domain::case::CaseNumber,
    files: Vec<(AttachmentInfo, Vec<u8>)>,
    application: forms::Application,
    json: Vec<u8>,
    printed: print::Application,
}

/// The pages of the application the customer is about to sign, as the screen shows them.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(export))]
pub struct ApplicationPreview {
    /// How many pages the PDF has.
    pub total: u32,
    /// PNG pictures of the first pages, base64.
    pub pages: Vec<String>,
}

fn render_application(printed: &print::Application, training: bool) -> Result<Vec<u8>, SessionError> {
    print::render_marked(&print::application(printed), training.then_some(super::TRAINING_MARK))
        .map_err(|e| invalid(ErrorCode::PrintFailed, format!("the application PDF could not be made: {e}")))
}

/// A form a service offers, as a list shows it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FormSummary {
    pub id: String,
    pub version: u32,
    pub title: Local,
}

/// A form laid out for the clerk, in their language (English falls back visibly to Latvian).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FormView {
    pub id: String,
    pub version: u32,
    pub service_id: String,
    pub title: Local,
    /// The applicant signs with their card (PIN2) before it is submitted.
    pub signature_required: bool,
    pub steps: Vec<StepView>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StepView {
    pub id: String,
    pub title: Local,
    pub fields: Vec<FieldView>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FieldView {
    pub field: String,
    pub widget: Widget,
    pub label: Local,
    pub help: Option<Local>,
    /// The choices of a radio or list, in the schema's order.
    pub choices: Vec<ChoiceView>,
    /// Limits a person can be told before typing.
    pub max_length: Option<u64>,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ChoiceView {
    pub value: String,
    pub label: Local,
}

/// A draft with its form, the fields that apply to its answers now, and what is still wrong.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DraftView {
    pub id: Uuid,
    pub form: FormView,
    pub customer_code: String,
    pub customer_name: String,
    pub case_id: Option<Uuid>,
    /// The answers so far (an object keyed by field).
    #[cfg_attr(feature = "ts", ts(type = "Record<string, unknown>"))]
    pub data: Value,
    pub step: u32,
    /// Fields shown now: conditions hide the others.
    pub applicable: Vec<String>,
    /// Fields that must be answered now.
    pub required: Vec<String>,
    /// Every problem, at its field, in both languages (the UI shows those of fields touched).
    pub errors: Vec<FieldError>,
    pub updated_at: DateTime<Utc>,
}

/// What a submission made: the outbox entry (its e-address message's id) and the case.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SubmittedView {
    pub submission: Uuid,
    pub case_id: Uuid,
    pub case_number: String,
    /// The institution it goes to.
    pub institution: String,
}

/// A draft as the customer bar and the case page list it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DraftSummary {
    pub id: Uuid,
    pub form_id: String,
    pub title: Local,
    pub customer_code: String,
    pub customer_name: String,
    pub case_id: Option<Uuid>,
    pub step: u32,
    pub steps: u32,
    pub updated_at: DateTime<Utc>,
}

fn invalid(code: ErrorCode, message: impl Into<String>) -> SessionError {
    SessionError::new(code, message)
}

pub(super) fn shown(text: &Text, language: Language, stand_in: &str) -> Local {
    local(text, language).unwrap_or_else(|| Local {
        text: stand_in.to_owned(),
        language: String::new(),
        fallback: true,
    })
}

impl DeviceSession {
    /// The forms of a service the desk holds, latest versions.
    pub fn service_forms(&self, service_id: &str) -> Result<Vec<FormSummary>, SessionError> {
        let language = self.language()?;
        let mut found = Vec::new();
        for id in self.store.forms_of_service(service_id)? {
            let record = self.form_record(&id)?;
            let latest = record.latest();
            found.push(FormSummary { id, version: latest.version, title: shown(&latest.title, language, &record.id) });
        }
        Ok(found)
    }

    /// Starts a draft of `form_id` for the customer of the case it is started from, else the
    /// customer being served; the fields the form prefills are filled from what the desk knows.
    pub fn start_form(&self, form_id: &str, case_id: Option<Uuid>) -> Result<DraftView, SessionError> {
        self.staff_actor()?;
        let record = self.form_record(form_id)?;
        let latest = record.latest();
        let case = match case_id {
            Some(id) => Some(
                self.store
                    .case(id)?
                    .ok_or_else(|| invalid(ErrorCode::CaseUnknown, format!("there is no case {id} on this desk")))?,
            ),
            None => None,
        };
        let (customer_code, customer_name) = match (&case, self.visit()) {
            (Some(case), _) => (case.customer.code(), case.customer.name().to_owned()),
            (None, Some(visit)) => (visit.customer_code, visit.customer_name),
            (None, None) => {
                return Err(invalid(
                    ErrorCode::NoVisit,
                    "start serving the customer (their card or personal code) first",
                ));
            }
        };
        let now = (self.clock)();
        let context = PrefillContext {
            customer_name: Some(customer_name.clone()),
            customer_code: Some(customer_code.clone()),
            case_number: case.as_ref().map(|c| c.number.to_string()),
            centre_name: self.store.enrollment()?.map(|e| e.centre.name),
            today: Some(domain::calendar::riga_date(now).to_string()),
        };
        let data = forms::prefill::prefilled(latest, &context, &Value::Object(Default::default()));
        let draft = FormDraft {
            id: Uuid::now_v7(),
            form_id: record.id.clone(),
            form_version: latest.version,
            customer_code,
            customer_name,
            case_id,
            data: data.to_string(),
            step: 0,
            created_at: now,
            updated_at: now,
        };
        self.store.create_form_draft(&draft)?;
        tracing::info!(draft = %draft.id, form = %draft.form_id, "form draft started");
        self.draft_view(draft)
    }

    pub fn form_draft(&self, id: Uuid) -> Result<DraftView, SessionError> {
        self.staff_actor()?;
        let draft = self.store.form_draft(id)?.ok_or_else(|| no_draft(id))?;
        self.draft_view(draft)
    }

    /// Keeps the answers and the step at once (synced to disk), and answers what is wrong now.
    pub fn save_form_draft(&self, id: Uuid, data: Value, step: u32) -> Result<DraftView, SessionError> {
        self.staff_actor()?;
        if !data.is_object() {
            return Err(invalid(ErrorCode::FormDataInvalid, "a form's answers are an object keyed by field"));
        }
        let text = data.to_string();
        if text.len() > MAX_DRAFT_BYTES {
            return Err(invalid(ErrorCode::FormDataInvalid, "the answers are larger than a form may hold (1 MB)"));
        }
        let draft = self.store.form_draft(id)?.ok_or_else(|| no_draft(id))?;
        let form = self.compiled(&draft.form_id, draft.form_version)?;
        let step = step.min((form.definition().steps.len() as u32).saturating_sub(1));
        let now = (self.clock)();
        if !self.store.save_form_draft(id, &text, step, now)? {
            return Err(no_draft(id));
        }
        // Files the answers no longer name are forgotten.
        let named: Vec<String> = form
            .definition()
            .fields()
            .filter(|f| f.widget == Widget::File)
            .filter_map(|f| data.get(&f.field).and_then(Value::as_array))
            .flatten()
            .filter_map(|file| file["sha256"].as_str().map(str::to_owned))
            .collect();
        self.store.prune_form_draft_files(id, &named)?;
        self.draft_view(FormDraft { data: text, step, updated_at: now, ..draft })
    }

    /// Attaches a file to a file field of a draft: checked as the portal checks attachments (its
    /// type by name, at most 10 MB, not empty), kept with the draft, named in its answers.
    pub fn attach_form_file(
        &self,
        id: Uuid,
        field: &str,
        name: &str,
        content: Vec<u8>,
    ) -> Result<DraftView, SessionError> {
        self.staff_actor()?;
        let name = name.rsplit(['/', '\\']).next().unwrap_or_default().trim().to_owned();
        if content.is_empty() {
            return Err(invalid(ErrorCode::AttachmentEmpty, format!("{name}: the file is empty")));
        }
        let sha256 = hex::encode(sha2::Sha256::digest(&content));
        let info =
            domain::eaddress::AttachmentInfo { name: name.clone(), size: content.len() as u64, sha256: sha256.clone() };
        domain::eaddress::check_attachment(&info)
            .map_err(|e| invalid(ErrorCode::named(&format!("message_{}", e.field())), e.to_string()))?;
        let draft = self.store.form_draft(id)?.ok_or_else(|| no_draft(id))?;
        let form = self.compiled(&draft.form_id, draft.form_version)?;
        if form.definition().field(field).is_none_or(|f| f.widget != Widget::File) {
            return Err(invalid(ErrorCode::FormDataInvalid, format!("the form has no file field {field:?}")));
        }
        let mut data: Value = serde_json::from_str(&draft.data)
            .map_err(|e| invalid(ErrorCode::FormDataInvalid, format!("the draft's answers cannot be read: {e}")))?;
        let files = data
            .as_object_mut()
            .ok_or_else(|| invalid(ErrorCode::FormDataInvalid, "a form's answers are an object keyed by field"))?
            .entry(field)
            .or_insert_with(|| Value::Array(Vec::new()));
        if !files.is_array() {
            *files = Value::Array(Vec::new());
        }
        let list = files.as_array_mut().expect("made an array above");
        if !list.iter().any(|f| f["sha256"] == sha256.as_str()) {
            let media_type = domain::eaddress::attachment_media_type(&name).unwrap_or("application/octet-stream");
            list.push(
                serde_json::json!({ "name": name, "sha256": sha256, "size": info.size, "media_type": media_type }),
            );
        }
        let text = data.to_string();
        let now = (self.clock)();
        if !self.store.add_form_draft_file(id, &sha256, &content, &text, now)? {
            return Err(no_draft(id));
        }
        tracing::info!(draft = %id, field, bytes = info.size, "file attached to a form draft");
        self.draft_view(FormDraft { data: text, updated_at: now, ..draft })
    }

    /// Attaches a scan of the draft's case (kept on this desk) to a file field.
    pub fn attach_case_document_to_form(
        &self,
        id: Uuid,
        field: &str,
        document_id: Uuid,
    ) -> Result<DraftView, SessionError> {
        self.staff_actor()?;
        let draft = self.store.form_draft(id)?.ok_or_else(|| no_draft(id))?;
        let case_id = draft
            .case_id
            .ok_or_else(|| invalid(ErrorCode::DocumentUnknown, "the draft was not started from a case"))?;
        let case =
            self.store.case(case_id)?.ok_or_else(|| invalid(ErrorCode::CaseUnknown, format!("no case {case_id}")))?;
        let (name, content) = self.case_document_on_desk(&case, document_id)?;
        self.attach_form_file(id, field, &name, content)
    }

    /// Takes a file off a file field (and forgets its content).
    pub fn remove_form_file(&self, id: Uuid, field: &str, sha256: &str) -> Result<DraftView, SessionError> {
        self.staff_actor()?;
        let draft = self.store.form_draft(id)?.ok_or_else(|| no_draft(id))?;
        let mut data: Value = serde_json::from_str(&draft.data)
            .map_err(|e| invalid(ErrorCode::FormDataInvalid, format!("the draft's answers cannot be read: {e}")))?;
        if let Some(list) = data.get_mut(field).and_then(Value::as_array_mut) {
            list.retain(|f| f["sha256"] != sha256);
        }
        self.save_form_draft(id, data, draft.step)
    }

    /// Submits a draft once every answer is right: the case (registered now, or the one the
    /// form was started from) moves to submitted, and one outbox entry carries `application.json`,
    /// `application.pdf` (in `language`, Latvian unless the customer reads English) and the
    /// files to the institution holding the service, from the centre's mailbox; the draft is gone
    /// in the same transaction. Works offline: sent once when the server answers.
    ///
    /// With `pin2` the customer signs first, with their own card in the second reader: the PDF,
    /// with `application.json` embedded, becomes a PAdES signature of theirs (a form that requires
    /// a signature is refused without one; the clerk's card, or anyone's but the applicant's, is
    /// refused as the signer).
    ///
    /// A signed submission hands over exactly the PDF [`DeviceSession::application_preview`]
    /// showed the customer: without that preview, or when the answers changed since, it is refused.
    pub fn submit_form(
        &self,
        id: Uuid,
        language: Language,
        signature: Option<Pin2<'_>>,
    ) -> Result<SubmittedView, SessionError> {
        let shown = self.shown_application.get(id, language, (self.clock)());
        // A shown application keeps the time it was made at: the customer signs what they read.
        let now = shown.as_ref().map_or_else(|| (self.clock)(), |shown| shown.at);
        let made = self.make_application(id, language, now)?;
        let definition = made.form.definition();
        if definition.signature_required && signature.is_none() {
            return Err(invalid(
                ErrorCode::SignatureRequired,
                "this application is signed by the applicant with their eID card (PIN2) before it is submitted",
            ));
        }
        if signature.is_some() && shown.is_none() {
            return Err(invalid(
                ErrorCode::ApplicationNotShown,
                "show the customer the application they sign before they enter PIN2",
            ));
        }
        let MadeApplication {
            form,
            actor,
            composed_by,
            origin,
            customer,
            holder,
            holder_name,
            submission,
            case_from,
            number,
            files,
            application,
            json,
            printed,
        } = made;
        let definition = form.definition();
        let title = |l: Language| definition.title.show_or(l, &definition.id);
        let mut pdf = match shown {
            Some(shown) if shown.json == json => shown.pdf,
            Some(_) => {
                return Err(invalid(
                    ErrorCode::ApplicationChanged,
                    "the application changed after the customer read it: show it to them again",
                ));
            }
            None => render_application(&printed, self.training())?,
        };
        if let Some(signature) = signature {
            pdf = self.customer_signs(&pdf, &json, &customer, &definition.title_lv(), now, signature)?;
        }
        let new_case = case_from.is_none();
        let entry_id = Uuid::now_v7();
        let described = |name: &str, content: &[u8]| AttachmentInfo {
            name: name.to_owned(),
            size: content.len() as u64,
            sha256: hex::encode(sha2::Sha256::digest(content)),
        };
        let mut attachments = vec![described(forms::APPLICATION_JSON, &json), described(forms::APPLICATION_PDF, &pdf)];
        let mut contents = vec![(attachments[0].sha256.clone(), json), (attachments[1].sha256.clone(), pdf)];
        for (info, content) in &files {
            attachments.push(info.clone());
            contents.push((info.sha256.clone(), content.clone()));
        }
        let case = self
            .store
            .submit_form_draft(id, entry_id, submission, origin, now, |case| {
                if case.number != number {
                    return Err(offline_store::StoreError::Invalid(format!(
                        "the case number changed to {} while the application was made: submit again",
                        case.number
                    )));
                }
                let entry = crate::protocol::FormSubmissionEntry {
                    message: crate::protocol::MessageEntry {
                        // The server sends from the centre's mailbox to the holder's.
                        from: String::new(),
                        composed_by: composed_by.clone(),
                        recipients: holder.as_ref().and_then(|h| h.e_address.clone()).into_iter().collect(),
                        subject: definition.submission_subject(&case.number.to_string()),
                        body: String::new(),
                        case_id: Some(case.id),
                        case_number: Some(case.number.to_string()),
                        attachments: attachments.clone(),
                        in_reply_to: None,
                    },
                    application: application.clone(),
                    new_case: new_case.then(|| case.clone()),
                    case_from,
                    submitted_at: now,
                };
                let payload = serde_json::to_value(&entry).map_err(|e| {
                    offline_store::StoreError::Invalid(format!("the submission cannot be written: {e}"))
                })?;
                Ok((payload, contents.clone()))
            })
            .map_err(|e| match e {
                offline_store::StoreError::Invalid(message) => invalid(ErrorCode::CaseChangeRefused, message),
                other => other.into(),
            })?;
        tracing::info!(submission = %entry_id, form = %definition.id, case = %case.number, offline = actor.is_offline(), "e-form submitted");
        let number = case.number.to_string();
        let form_title = title(self.language()?);
        self.note_in_visit(&case.customer, now, |visit| {
            visit.actions.push(super::cases::VisitActionView {
                at: now,
                kind: "form_submitted",
                text: format!("{number} {form_title}"),
                case_id: Some(case.id),
                action: print::VisitAction::FormSubmitted {
                    form: form_title.clone(),
                    number: number.clone(),
                    institution: holder_name.clone(),
                },
                service_id: None,
            });
        });
        self.shown_application.set(None);
        self.wake_sync();
        Ok(SubmittedView {
            submission: entry_id,
            case_id: case.id,
            case_number: case.number.to_string(),
            institution: holder_name,
        })
    }

    /// The application as the customer will sign it, made now and shown as pages: the PDF is
    /// kept (in memory) so that [`DeviceSession::submit_form`] signs exactly these bytes.
    pub fn application_preview(&self, id: Uuid, language: Language) -> Result<ApplicationPreview, SessionError> {
        use base64::Engine;
        let now = (self.clock)();
        let made = self.make_application(id, language, now)?;
        let pdf = render_application(&made.printed, self.training())?;
        let pages = print::preview::pdf_pages(&pdf, PREVIEW_PAGES, PREVIEW_LONG_SIDE_PX)
            .map_err(|e| invalid(ErrorCode::PrintFailed, format!("the application's pages could not be shown: {e}")))?;
        self.shown_application.set(Some(Shown { draft: id, language, at: now, json: made.json, pdf }));
        Ok(ApplicationPreview {
            total: pages.total,
            pages: pages.pages.iter().map(|png| base64::engine::general_purpose::STANDARD.encode(png)).collect(),
        })
    }

    /// Forgets the application shown to the customer (their visit ended).
    pub(super) fn forget_shown_application(&self) {
        self.shown_application.set(None);
    }

    /// The application a draft makes at `now`, before anything is written: the institution's
    /// `application.json` and the PDF's content, the case it goes with (the number a new case
    /// will get is known, and checked when it is registered) and the files the answers name.
    fn make_application(
        &self,
        id: Uuid,
        language: Language,
        now: DateTime<Utc>,
    ) -> Result<MadeApplication, SessionError> {
        let (actor, _) = self.staff_actor()?;
        let domain::case::Actor::Staff { personal_code, .. } = &actor else {
            return Err(invalid(ErrorCode::NotLoggedIn, "log in with your eID card to submit forms"));
        };
        let composed_by = personal_code.to_string();
        let origin = self.entry_origin(&actor);
        let draft = self.store.form_draft(id)?.ok_or_else(|| no_draft(id))?;
        let form = self.compiled(&draft.form_id, draft.form_version)?;
        let answers: Value = serde_json::from_str(&draft.data)
            .map_err(|e| invalid(ErrorCode::FormDataInvalid, format!("the draft's answers cannot be read: {e}")))?;
        let errors = form.validate(&answers);
        if !errors.is_empty() {
            let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
            return Err(invalid(
                ErrorCode::FormIncomplete,
                format!("{} answers are missing or wrong: {}", errors.len(), fields.join(", ")),
            ));
        }
        let data = form.applicable_data(&answers);
        let definition = form.definition();
        let (service, holder_id) = self.service_and_holder(&definition.service)?;
        let holder = self.store.organisation(&holder_id)?;
        let holder_name =
            holder.as_ref().map_or_else(|| holder_id.clone(), |h| h.name.show_or(Language::Lv, &holder_id));
        let customer = super::cases::parse_customer(&draft.customer_code, &draft.customer_name)?;
        let submitted_at = crate::protocol::application_time(now);
        let centre_name = self.store.enrollment()?.map(|e| e.centre.name).unwrap_or_default();
        let title = |l: Language| definition.title.show_or(l, &definition.id);
        let note = definition.submission_note();
        // The case it goes with: the one it was started from (the status the desk saw), or one
        // registered with it under the number the desk will give next.
        let (submission, case_from, number) = match draft.case_id {
            Some(case_id) => {
                let case = self.store.case(case_id)?.ok_or_else(|| {
                    invalid(ErrorCode::CaseUnknown, format!("there is no case {case_id} on this desk"))
                })?;
                if case.kind != domain::case::CaseKind::Application
                    || !matches!(
                        case.status(),
                        domain::case::CaseStatus::Registered | domain::case::CaseStatus::Submitted
                    )
                {
                    return Err(invalid(
                        ErrorCode::CaseChangeRefused,
                        "an e-form is submitted on an application case that is registered or submitted",
                    ));
                }
                (
                    offline_store::Submission::Existing { case_id, actor: actor.clone(), note },
                    Some(case.status()),
                    case.number,
                )
            }
            None => {
                let (enrollment, desk_number) = self.desk_numbering()?;
                let served_at = self.serving_started(&customer, now);
                let case = offline_store::CaseDraft {
                    id: Uuid::now_v7(),
                    service_id: service.id.clone(),
                    kind: domain::case::CaseKind::Application,
                    channel: domain::catalogue::ChannelKind::VpvkacInPerson,
                    customer: customer.clone(),
                    holder_institution: holder_id.clone(),
                    provider_institution: None,
                    centre_id: enrollment.centre.id,
                    centre_code: enrollment.centre.code.clone(),
                    desk_number,
                    arrived_at: served_at,
                    served_at,
                    registered_by: actor.clone(),
                    note: String::new(),
                    offline: origin.offline,
                    author: origin.author.clone(),
                };
                let number = self.store.next_case_number(&case)?;
                (offline_store::Submission::New { case: Box::new(case), note }, None, number)
            }
        };
        // The files the answers name, from the draft.
        let mut files: Vec<(AttachmentInfo, Vec<u8>)> = Vec::new();
        for field in definition.fields().filter(|f| f.widget == Widget::File) {
            for file in data.get(&field.field).and_then(Value::as_array).into_iter().flatten() {
                let (Some(name), Some(sha256)) = (file["name"].as_str(), file["sha256"].as_str()) else { continue };
                let content = self.store.form_draft_file(id, sha256)?.ok_or_else(|| {
                    invalid(
                        ErrorCode::AttachmentUnreadable,
                        format!("{name}: the file is no longer with the draft: attach it again"),
                    )
                })?;
                let info =
                    AttachmentInfo { name: name.to_owned(), size: content.len() as u64, sha256: sha256.to_owned() };
                files.push((info, content));
            }
        }
        let application = forms::Application {
            form: definition.submitted(),
            service: definition.service.clone(),
            case_number: number.to_string(),
            applicant: forms::Applicant {
                kind: customer.kind_name().to_owned(),
                code: customer.code(),
                name: customer.name().to_owned(),
            },
            centre: centre_name.clone(),
            submitted_at: submitted_at.clone(),
            language: language.code().to_owned(),
            data: data.clone(),
        };
        let json = application.to_bytes();
        let printed = print::Application {
            language,
            form_title: title(language),
            service_name: service.name.show_or(language, &service.id),
            holder_institution: holder_name.clone(),
            case_number: Some(number.to_string()),
            customer_name: customer.name().to_owned(),
            customer_code: customer.code(),
            centre_name: centre_name.clone(),
            submitted_at: super::cases::local_time(now),
            sections: form.answers_as_text(&data, language),
            files: files.iter().map(|(info, _)| info.name.clone()).collect(),
            form_id: definition.id.clone(),
            form_version: definition.version,
            schema_digest: definition.schema_digest(),
        };
        Ok(MadeApplication {
            form,
            actor,
            composed_by,
            origin,
            customer,
            holder,
            holder_name,
            submission,
            case_from,
            number,
            files,
            application,
            json,
            printed,
        })
    }

    /// The customer signs `pdf` (PAdES, `application.json` embedded) with their own card in the
    /// second reader and PIN2; the signer must be the applicant.
    fn customer_signs(
        &self,
        pdf: &[u8],
        json: &[u8],
        applicant: &domain::case::Customer,
        title: &str,
        now: DateTime<Utc>,
        pin2: Pin2<'_>,
    ) -> Result<Vec<u8>, SessionError> {
        let (reader, certificate) = self.login.customer_signing_card()?;
        let signer = super::signing::signer_of(&certificate)?;
        if let domain::case::Customer::Natural { personal_code, .. } = applicant
            && signer.personal_code.as_deref() != Some(personal_code.as_str())
        {
            return Err(invalid(
                ErrorCode::SignerNotApplicant,
                "the card in the customer's reader is not the applicant's: the applicant signs with their own card",
            ));
        }
        self.sign_pdf(&reader, &certificate, &signer, pdf, (forms::APPLICATION_JSON, json), title, now, pin2)
    }

    /// A new draft from the newest submission of `case_id` the server refused: the same form
    /// version, customer, answers and files, so the clerk corrects what the server named and
    /// submits again — nothing the customer gave is typed twice. The refused entry stays as the
    /// record of the refusal. A submission that was to register its case starts a draft of its
    /// own (the refused case never reached the server).
    pub fn reopen_refused_submission(&self, case_id: Uuid) -> Result<DraftView, SessionError> {
        self.staff_actor()?;
        let refused = self
            .store
            .poisoned_outbox()?
            .into_iter()
            .rev()
            .filter(|entry| entry.kind == "form_submission")
            .find_map(|entry| {
                serde_json::from_str::<crate::protocol::FormSubmissionEntry>(&entry.payload)
                    .ok()
                    .filter(|submission| submission.message.case_id == Some(case_id))
            })
            .ok_or_else(|| invalid(ErrorCode::FormDraftUnknown, "this case has no refused e-form submission"))?;
        let application = &refused.application;
        let form = self.compiled(&application.form.id, application.form.version)?;
        let now = (self.clock)();
        let draft = FormDraft {
            id: Uuid::now_v7(),
            form_id: application.form.id.clone(),
            form_version: application.form.version,
            customer_code: application.applicant.code.clone(),
            customer_name: application.applicant.name.clone(),
            case_id: refused.new_case.is_none().then_some(case_id),
            data: application.data.to_string(),
            step: (form.definition().steps.len() as u32).saturating_sub(1),
            created_at: now,
            updated_at: now,
        };
        self.store.create_form_draft(&draft)?;
        let text = draft.data.clone();
        for (name, sha256) in application.files() {
            match self.store.outbox_file(&sha256)? {
                Some((content, _)) => {
                    self.store.add_form_draft_file(draft.id, &sha256, &content, &text, now)?;
                }
                None => {
                    tracing::warn!(draft = %draft.id, file = %name, "a refused submission's file is no longer on the desk")
                }
            }
        }
        tracing::info!(draft = %draft.id, case = %case_id, "a refused submission reopened as a draft");
        self.draft_view(draft)
    }

    /// Drafts on this desk, the most recently changed first: one customer's, or all.
    pub fn form_drafts(&self, customer_code: Option<&str>) -> Result<Vec<DraftSummary>, SessionError> {
        self.staff_actor()?;
        let language = self.language()?;
        let mut summaries = Vec::new();
        for draft in self.store.form_drafts(customer_code)? {
            let form = self.compiled(&draft.form_id, draft.form_version)?;
            let definition = form.definition();
            summaries.push(DraftSummary {
                id: draft.id,
                form_id: draft.form_id,
                title: shown(&definition.title, language, &definition.id),
                customer_code: draft.customer_code,
                customer_name: draft.customer_name,
                case_id: draft.case_id,
                step: draft.step,
                steps: definition.steps.len() as u32,
                updated_at: draft.updated_at,
            });
        }
        Ok(summaries)
    }

    pub fn discard_form_draft(&self, id: Uuid) -> Result<(), SessionError> {
        self.staff_actor()?;
        if self.store.delete_form_draft(id)? {
            tracing::info!(draft = %id, "form draft discarded");
            Ok(())
        } else {
            Err(no_draft(id))
        }
    }

    /// Removes drafts untouched for [`DRAFT_KEPT_FOR`]; answers how many (the centre's
    /// administrator is shown the count).
    pub fn sweep_form_drafts(&self) -> Result<usize, SessionError> {
        let removed = self.store.remove_stale_form_drafts((self.clock)() - DRAFT_KEPT_FOR)?;
        if removed > 0 {
            tracing::info!(removed, "form drafts untouched for 30 days removed");
        }
        Ok(removed)
    }

    /// How many drafts were removed for being untouched, ever, on this desk.
    pub fn form_drafts_swept(&self) -> Result<u64, SessionError> {
        Ok(self.store.form_drafts_swept()?)
    }

    fn draft_view(&self, draft: FormDraft) -> Result<DraftView, SessionError> {
        let language = self.language()?;
        let form = self.compiled(&draft.form_id, draft.form_version)?;
        let data: Value = serde_json::from_str(&draft.data)
            .map_err(|e| invalid(ErrorCode::FormDataInvalid, format!("the draft's answers cannot be read: {e}")))?;
        let checked = form.check(&data);
        Ok(DraftView {
            id: draft.id,
            form: form_view(&form, language),
            customer_code: draft.customer_code,
            customer_name: draft.customer_name,
            case_id: draft.case_id,
            data,
            step: draft.step,
            applicable: checked.applicable.into_iter().collect(),
            required: checked.required.into_iter().collect(),
            errors: checked.errors,
            updated_at: draft.updated_at,
        })
    }

    pub(super) fn form_record(&self, id: &str) -> Result<FormRecord, SessionError> {
        let document = self
            .store
            .form_document(id)?
            .ok_or_else(|| invalid(ErrorCode::FormUnknown, format!("there is no form {id} on this desk")))?;
        serde_json::from_str(&document)
            .map_err(|e| invalid(ErrorCode::FormUnknown, format!("the form {id} on this desk cannot be read: {e}")))
    }

    /// The form at `version`, compiled once.
    pub(super) fn compiled(&self, id: &str, version: u32) -> Result<Arc<CompiledForm>, SessionError> {
        let key = (id.to_owned(), version);
        if let Some(form) = self.forms.0.lock().unwrap_or_else(PoisonError::into_inner).get(&key) {
            return Ok(form.clone());
        }
        let record = self.form_record(id)?;
        let definition = record.version(version).ok_or_else(|| {
            invalid(ErrorCode::FormUnknown, format!("the form {id} has no version {version} on this desk"))
        })?;
        let form = Arc::new(
            CompiledForm::compile(definition.clone())
                .map_err(|e| invalid(ErrorCode::FormUnknown, format!("the form {id} cannot be used: {e}")))?,
        );
        self.forms.0.lock().unwrap_or_else(PoisonError::into_inner).insert(key, form.clone());
        Ok(form)
    }
}

fn no_draft(id: Uuid) -> SessionError {
    invalid(ErrorCode::FormDraftUnknown, format!("there is no draft {id} on this desk (submitted or removed)"))
}

pub(super) fn form_view(form: &CompiledForm, language: Language) -> FormView {
    let definition = form.definition();
    let properties = definition.schema.get("properties");
    let steps = definition
        .steps
        .iter()
        .map(|step| StepView {
            id: step.id.clone(),
            title: shown(&step.title, language, &step.id),
            fields: step
                .fields
                .iter()
                .map(|field| {
                    let property = properties.and_then(|p| p.get(&field.field));
                    let number = |keyword: &str| property.and_then(|p| p.get(keyword)).and_then(Value::as_f64);
                    let choices = property
                        .and_then(|p| p.get("enum"))
                        .and_then(Value::as_array)
                        .map(|values| {
                            values
                                .iter()
                                .map(|v| {
                                    let value = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                                    let label = field.choices.get(&value).map_or_else(
                                        || Local { text: value.clone(), language: String::new(), fallback: true },
                                        |t| shown(t, language, &value),
                                    );
                                    ChoiceView { value, label }
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    FieldView {
                        field: field.field.clone(),
                        widget: field.widget,
                        label: shown(&field.label, language, &field.field),
                        help: local(&field.help, language),
                        choices,
                        max_length: property.and_then(|p| p.get("maxLength")).and_then(Value::as_u64),
                        minimum: number("minimum"),
                        maximum: number("maximum"),
                    }
                })
                .collect(),
        })
        .collect();
    FormView {
        id: definition.id.clone(),
        version: definition.version,
        service_id: definition.service.clone(),
        title: shown(&definition.title, language, &definition.id),
        signature_required: definition.signature_required,
        steps,
    }
}
