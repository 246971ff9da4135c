//! Self-service e-forms at a kiosk (issue 16): a citizen logged in with their card fills a form
//! published as `self_service`, reads the application as the PDF they will sign, signs it with
//! their own card (PIN2) and it is sent online from their own mailbox. The same form model and
//! validator as the desk's; nothing is kept on the kiosk: the answers live in the screen's memory
//! and go with the session, no draft is written.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use domain::Language;
use forms::{FieldError, PrefillContext};
use serde_json::Value;

use super::eforms::{FormSummary, FormView, Pin2, form_view, shown};
use super::{DeviceSession, SessionError};
use crate::ErrorCode;
use crate::protocol::{CITIZEN_FORM_SUBMISSIONS_PATH, MessageDto, OwnApplicationRequest};

/// How many of an application's pages are drawn for the citizen to read before signing.
const OWN_PAGES_SHOWN: u32 = 6;

/// What a form's answers stand at: the fields shown, those that must be answered, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnFormCheck {
    pub applicable: BTreeSet<String>,
    pub required: BTreeSet<String>,
    pub errors: Vec<FieldError>,
}

/// An application made from a citizen's answers and drawn, waiting for their PIN2: what they read
/// is what is signed.
#[derive(Clone)]
pub struct PreparedOwnApplication {
    pub application: forms::Application,
    pub pdf: Vec<u8>,
    /// How many pages the PDF has, and PNG pictures of the first ones.
    pub total: u32,
    pub pages: Vec<Vec<u8>>,
    /// The institution it goes to, by name.
    pub institution: String,
    title: String,
    signed_at: DateTime<Utc>,
}

impl std::fmt::Debug for PreparedOwnApplication {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A citizen's answers stay out of logs.
        f.debug_struct("PreparedOwnApplication")
            .field("form", &self.application.form.id)
            .field("pages", &self.total)
            .finish_non_exhaustive()
    }
}

impl PartialEq for PreparedOwnApplication {
    fn eq(&self, other: &Self) -> bool {
        self.application == other.application && self.pdf == other.pdf
    }
}

impl Eq for PreparedOwnApplication {}

fn invalid(code: ErrorCode, message: impl Into<String>) -> SessionError {
    SessionError::new(code, message)
}

impl DeviceSession {
    /// The forms a citizen may fill themselves at a kiosk (latest versions), by title.
    pub fn self_service_forms(&self) -> Result<Vec<FormSummary>, SessionError> {
        let language = self.language()?;
        let mut found = Vec::new();
        for id in self.store.form_ids()? {
            let record = self.form_record(&id)?;
            let latest = record.latest();
            if latest.self_service {
                found.push(FormSummary {
                    id,
                    version: latest.version,
                    title: shown(&latest.title, language, &record.id),
                });
            }
        }
        found.sort_by(|a, b| a.title.text.cmp(&b.title.text));
        Ok(found)
    }

    /// A self-service form laid out in `language`, with the answers it starts with for the
    /// logged-in citizen (their name and code, the kiosk's place, today).
    pub fn start_own_form(&self, form_id: &str, language: Language) -> Result<(FormView, Value), SessionError> {
        let person = self.citizen()?;
        let record = self.form_record(form_id)?;
        let latest = record.latest();
        if !latest.self_service {
            return Err(invalid(ErrorCode::FormUnknown, "this form is filled at a centre with a clerk"));
        }
        let form = self.compiled(form_id, latest.version)?;
        let context = PrefillContext {
            customer_name: Some(format!("{} {}", person.given_name, person.surname)),
            customer_code: Some(person.personal_code.clone()),
            case_number: None,
            centre_name: self.store.enrollment()?.map(|e| e.centre.name),
            today: Some(domain::calendar::riga_date((self.clock)()).to_string()),
        };
        let data = forms::prefill::prefilled(latest, &context, &Value::Object(Default::default()));
        Ok((form_view(&form, language), data))
    }

    /// Version `version` of a form laid out in `language` (the citizen changed the language).
    pub fn own_form_view(&self, form_id: &str, version: u32, language: Language) -> Result<FormView, SessionError> {
        let form = self.compiled(form_id, version)?;
        Ok(form_view(&form, language))
    }

    /// What the answers stand at, by the one validator.
    pub fn check_own_form(&self, form_id: &str, version: u32, data: &Value) -> Result<OwnFormCheck, SessionError> {
        let checked = self.compiled(form_id, version)?.check(data);
        Ok(OwnFormCheck { applicable: checked.applicable, required: checked.required, errors: checked.errors })
    }

    /// The citizen's application from `data` (complete and valid), made as the PDF they will
    /// sign in `language` and drawn as pages.
    pub async fn prepare_own_application(
        &self,
        form_id: &str,
        version: u32,
        data: &Value,
        language: Language,
    ) -> Result<PreparedOwnApplication, SessionError> {
        let person = self.citizen()?;
        let form = self.compiled(form_id, version)?;
        // What a branch the citizen left holds is not sent, nor judged.
        let data = form.applicable_data(data);
        if let Some(first) = form.validate(&data).first() {
            return Err(invalid(ErrorCode::FormIncomplete, format!("{}: {}", first.field, first.en)));
        }
        let definition = form.definition();
        let (service, holder_id) = self.service_and_holder(&definition.service)?;
        let holder = self.store.organisation(&holder_id)?;
        let institution = holder.as_ref().map_or_else(|| holder_id.clone(), |h| h.name.show_or(language, &holder_id));
        let centre = self.store.enrollment()?.map(|e| e.centre.name).unwrap_or_default();
        let name = format!("{} {}", person.given_name, person.surname);
        let signed_at = (self.clock)();
        let application = forms::Application {
            form: definition.submitted(),
            service: definition.service.clone(),
            case_number: String::new(),
            applicant: forms::Applicant {
                kind: "natural".into(),
                code: person.personal_code.clone(),
                name: name.clone(),
            },
            centre: centre.clone(),
            submitted_at: crate::protocol::application_time(signed_at),
            language: language.code().to_owned(),
            data: data.clone(),
        };
        let title = definition.title.show_or(language, &definition.id);
        let printed = print::Application {
            language,
            form_title: title.clone(),
            service_name: service.name.show_or(language, &service.id),
            holder_institution: institution.clone(),
            case_number: None,
            customer_name: name,
            customer_code: person.personal_code,
            centre_name: centre,
            submitted_at: super::cases::local_time(signed_at),
            sections: form.answers_as_text(&data, language),
            files: Vec::new(),
            form_id: definition.id.clone(),
            form_version: definition.version,
            schema_digest: definition.schema_digest(),
        };
        // Laying out and drawing the pages (poppler) block: off the async threads.
        let mark = self.training().then_some(super::TRAINING_MARK);
        let (pdf, drawn) = tokio::task::spawn_blocking(move || {
            let pdf = print::render_marked(&print::application(&printed), mark)
                .map_err(|e| invalid(ErrorCode::PrintFailed, e.to_string()))?;
            let drawn = print::preview::pdf_pages(&pdf, OWN_PAGES_SHOWN, 1100)
                .map_err(|e| invalid(ErrorCode::PrintFailed, e.to_string()))?;
            Ok::<_, SessionError>((pdf, drawn))
        })
        .await
        .map_err(|e| invalid(ErrorCode::Unknown, e.to_string()))??;
        Ok(PreparedOwnApplication {
            application,
            pdf,
            total: drawn.total,
            pages: drawn.pages,
            institution,
            title,
            signed_at,
        })
    }

    /// Signs `prepared` with the logged-in citizen's own card (PIN2 on the kiosk's keypad or the
    /// reader's pad) and sends it (online). A wrong PIN2 is `wrong_pin`; nothing is sent.
    pub async fn submit_own_application(
        &self,
        prepared: &PreparedOwnApplication,
        pin2: Pin2<'_>,
    ) -> Result<MessageDto, SessionError> {
        let person = self.citizen()?;
        if prepared.application.applicant.code != person.personal_code {
            return Err(invalid(ErrorCode::CertificateMismatch, "the application is another person's"));
        }
        let (reader, certificate) = self.login.holder_signing_card()?;
        let signer = super::signing::signer_of(&certificate)?;
        if signer.personal_code.as_deref() != Some(person.personal_code.as_str()) {
            return Err(invalid(
                ErrorCode::CertificateMismatch,
                "the card in the reader is not the logged-in person's",
            ));
        }
        let json = prepared.application.to_bytes();
        let pdf = self.sign_pdf(
            &reader,
            &certificate,
            &signer,
            &prepared.pdf,
            (forms::APPLICATION_JSON, &json),
            &prepared.title,
            prepared.signed_at,
            pin2,
        )?;
        let (client, credentials, token) = self.person_call()?;
        use base64::Engine;
        let request = OwnApplicationRequest { pdf: base64::engine::general_purpose::STANDARD.encode(pdf) };
        let sent = client
            .send_as_person(reqwest::Method::POST, &credentials, &token, CITIZEN_FORM_SUBMISSIONS_PATH, Some(&request))
            .await
            .map_err(|error| match SessionError::from(error) {
                // The server finds no mailbox of theirs to send from.
                refused if refused.code.name() == "not_found" => invalid(
                    ErrorCode::Other("no_own_mailbox".into()),
                    "you have no active e-address for the institution to answer at: activate it first",
                ),
                other => other,
            })?;
        tracing::info!(form = %prepared.application.form.id, "a citizen's own application was sent");
        Ok(sent)
    }

    /// The citizen logged in at this kiosk.
    fn citizen(&self) -> Result<crate::login::Person, SessionError> {
        self.login.view().person.ok_or_else(|| invalid(ErrorCode::NotLoggedIn, "log in with your eID card"))
    }
}
