//! E-form submissions from desks (`form_submission` outbox entries) and the feed institutions
//! take them from.
//!
//! A submission is applied once, in steps that are each idempotent under the entry's id, so a
//! push that fails part-way is finished by the desk's next push: the case write (recording the
//! entry id), then the e-address message (sent under the entry's id), then the feed row. What
//! the desk claims is checked against what the server knows: the data against the form version
//! it names (the one validator, `forms`), `application.json` against the data, the attachments
//! against the files the data names; the recipient, subject and text are the server's, from the
//! catalogue and the case.

use chrono::{DateTime, Utc};
use forms::{APPLICATION_JSON, APPLICATION_PDF, CompiledForm, FormRecord};
use protocol::{FormSubmissionEntry, OutboxEntryDto, OutboxResult, rejection_codes as codes};

use crate::signatures::SignatureProblem;
use crate::{
    authorship::ProvenAuthor,
    cases::EntryOutcome,
    eaddress::{Attachments, NewMessage},
    store::{Device, EntryEffect, FormSubmissionRow, RecordKind, Store, StoreError},
};

fn corrupt(error: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(error.to_string())
}

/// Applies a desk's `form_submission` entry made by `author` (proven staff of the desk's centre).
/// Store failures fail the push (the desk sends it again); everything else is answered.
#[allow(clippy::too_many_arguments)]
pub async fn apply_form_submission(
    store: &dyn Store,
    attachments: &Attachments,
    calendar: &domain::calendar::WorkingCalendar,
    login: Option<&crate::login::Login>,
    device: &Device,
    author: &ProvenAuthor,
    entry: OutboxEntryDto,
    now: DateTime<Utc>,
) -> Result<OutboxResult, StoreError> {
    let id = entry.id;
    let rejected = |code: &'static str, reason: String| Ok(EntryOutcome::rejected(code, reason).into_result(id));
    let submission: FormSubmissionEntry = match serde_json::from_value(entry.payload) {
        Ok(submission) => submission,
        Err(error) => return rejected(codes::UNREADABLE, format!("the submission cannot be read: {error}")),
    };
    if submission.message.composed_by != author.personal_code {
        return rejected(
            codes::AUTHOR_UNPROVEN,
            "the submission names another clerk than the person whose login made it".into(),
        );
    }
    let application = &submission.application;
    let definition = match published_definition(store, application).await? {
        Ok(definition) => definition,
        Err(reason) => return rejected(codes::FORM_INVALID, reason),
    };
    // Exactly application.json (these very bytes), application.pdf and the files the data names.
    let message = &submission.message;
    let json = application.to_bytes();
    let json_digest = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&json));
    let named = |name: &str| message.attachments.iter().filter(|a| a.name == name).count();
    if named(APPLICATION_JSON) != 1 || named(APPLICATION_PDF) != 1 {
        return rejected(
            codes::MESSAGE_INVALID,
            "a submission carries one application.json and one application.pdf".into(),
        );
    }
    if !message.attachments.iter().any(|a| a.name == APPLICATION_JSON && a.sha256 == json_digest) {
        return rejected(codes::FORM_INVALID, "application.json is not the submission's application".into());
    }
    let files = application.files();
    let mut expected: Vec<&str> = files.iter().map(|(_, sha)| sha.as_str()).collect();
    expected.sort_unstable();
    expected.dedup();
    let mut carried: Vec<&str> = message
        .attachments
        .iter()
        .filter(|a| a.name != APPLICATION_JSON && a.name != APPLICATION_PDF)
        .map(|a| a.sha256.as_str())
        .collect();
    carried.sort_unstable();
    carried.dedup();
    if carried != expected {
        return rejected(codes::MESSAGE_INVALID, "the attachments are not the files the answers name".into());
    }
    let Some(case_id) = message.case_id else {
        return rejected(codes::UNREADABLE, "a submission names its case".into());
    };
    if definition.signature_required {
        let pdf = message.attachments.iter().find(|a| a.name == APPLICATION_PDF).map(|a| a.sha256.clone());
        let pdf = match attachments.get(pdf.as_deref().unwrap_or_default()).await {
            Ok(bytes) => bytes,
            Err(crate::eaddress::MailboxError::Storage(error)) => return Err(StoreError::Unavailable(error)),
            Err(error) => return rejected(codes::MISSING_ATTACHMENT, error.to_string()),
        };
        match check_signature(login, &pdf, application, &json, now).await {
            Ok(()) => {}
            Err(SignatureProblem::Refused(code, reason)) => return rejected(code, reason),
            Err(SignatureProblem::Unknown(reason)) => return Ok(EntryOutcome::Deferred { reason }.into_result(id)),
        }
    }

    let note = definition.submission_note();
    let applied_before = store.entry_applied(id).await?;
    let (case, write) = if applied_before {
        let Some(stored) = store.case(case_id).await? else {
            return Err(corrupt("an applied submission's case is gone"));
        };
        (serde_json::from_str::<domain::case::Case>(&stored.document).map_err(corrupt)?, None)
    } else {
        let prepared = crate::cases::submission_case(
            store,
            device,
            author,
            id,
            entry.offline,
            submission.new_case.clone(),
            case_id,
            submission.case_from,
            &note,
            now,
        )
        .await?;
        match prepared {
            Ok((case, write)) => {
                if let Err(reason) = matches_case(application, &case) {
                    return rejected(codes::FORM_INVALID, reason);
                }
                (case, Some(write))
            }
            Err(outcome) => return Ok(outcome.into_result(id)),
        }
    };

    // The message, to the holder institution's mailbox as the catalogue names it, checked before
    // anything is written: a submission refused leaves no case behind on the server (only an
    // attachment the server lost comes after the case, and the desk sends it again at once).
    let holder_box = match holder_mailbox(store, &case.holder_institution).await? {
        Ok(address) => address,
        Err(reason) => return rejected(codes::UNKNOWN_RECIPIENT, reason),
    };
    if crate::eaddress::centre_mailbox(store, device).await?.is_none() {
        return rejected(codes::NOT_ALLOWED, "this centre has no e-address mailbox yet".into());
    }
    // The institution answers at the applicant's own e-address when they have an active one.
    let own = case.customer.e_address().to_string();
    let reply_to = store.accounts(vec![own]).await?.into_iter().find(|a| a.active).map(|a| a.address);
    let new = NewMessage {
        id,
        recipients: vec![holder_box],
        subject: definition.submission_subject(&case.number.to_string()),
        body: body(application, &definition.title_lv(), &device.centre.name, reply_to.as_deref()),
        case_number: Some(case.number.to_string()),
        in_reply_to: None,
        attachments: message.attachments.clone(),
    };
    let Ok(recipient) = domain::eaddress::EAddress::parse(&new.recipients[0]) else {
        return rejected(codes::UNKNOWN_RECIPIENT, format!("{} is not an e-address", new.recipients[0]));
    };
    let institution = domain::eaddress::AccountKind::Institution;
    if let Err(error) = domain::eaddress::check_message(
        institution,
        &[(recipient, institution)],
        &new.subject,
        &new.body,
        &new.attachments,
    ) {
        return rejected(codes::MESSAGE_INVALID, error.to_string());
    }

    // The case, once (on a retry it stands as the first push left it).
    if let Some(write) = write {
        let mut results = store.apply_case_writes(device.id, vec![write], now).await?;
        match results.pop() {
            Some(Ok(EntryEffect::Applied | EntryEffect::AlreadyApplied)) => {}
            Some(Err(StoreError::Conflict { .. })) => {
                return rejected(codes::NUMBER_TAKEN, "the case number is taken by another case".into());
            }
            Some(Err(StoreError::VersionConflict { .. })) => {
                return rejected(codes::CASE_MOVED_ON, "the case changed meanwhile: submit again".into());
            }
            Some(Err(other)) => return Err(other),
            None => return Err(corrupt("no result for the case write")),
        }
    }
    let sent = crate::eaddress::send_as_desk(store, attachments, calendar, device, author, "", new, now).await?;
    if sent.outcome == "rejected" {
        return Ok(sent);
    }
    let recorded = store
        .record_form_submission(FormSubmissionRow {
            seq: 0,
            id,
            form_id: application.form.id.clone(),
            holder: case.holder_institution.clone(),
            case_number: case.number.to_string(),
            application: String::from_utf8(json).map_err(corrupt)?,
            received_at: now,
        })
        .await?;
    tracing::info!(submission = %id, form = %application.form.id, case = %case.number, "e-form submission applied");
    let outcome = if applied_before && !recorded && sent.outcome == "duplicate" {
        EntryOutcome::Duplicate
    } else {
        EntryOutcome::Applied
    };
    Ok(outcome.into_result(id))
}

/// The form version `application` names, as published, once its data is checked against it (the
/// one validator), only what applies answered, and its service the form's. `Err`: why not.
pub(crate) async fn published_definition(
    store: &dyn Store,
    application: &forms::Application,
) -> Result<Result<forms::FormDefinition, String>, StoreError> {
    let record: Option<FormRecord> = match store.catalogue_record(RecordKind::Form, &application.form.id).await? {
        Some(stored) => serde_json::from_str(&stored.document).ok(),
        None => None,
    };
    let Some(definition) = record.as_ref().and_then(|r| r.version(application.form.version)) else {
        return Ok(Err(format!(
            "the form {} has no published version {}: the device's catalogue is not this server's",
            application.form.id, application.form.version
        )));
    };
    if definition.schema_digest() != application.form.schema_digest {
        return Ok(Err(format!(
            "the schema digest does not match version {} of the form {} as published",
            application.form.version, application.form.id
        )));
    }
    let form = match CompiledForm::compile(definition.clone()) {
        Ok(form) => form,
        Err(error) => return Err(corrupt(format!("a published form does not compile: {error}"))),
    };
    if let Some(problem) = form.validate(&application.data).into_iter().next() {
        let field = if problem.field.is_empty() { "the form".to_owned() } else { format!("field {:?}", problem.field) };
        return Ok(Err(format!("{field}: {}", problem.en)));
    }
    if form.applicable_data(&application.data) != application.data {
        return Ok(Err("the data answers fields that do not apply to it".into()));
    }
    if application.service != definition.service {
        return Ok(Err("the application names another service than its form's".into()));
    }
    Ok(Ok(definition.clone()))
}

/// The e-address of `holder` (an institution's IRI) as the catalogue names it, when it is an
/// active mailbox. `Err`: why an application cannot go there.
pub(crate) async fn holder_mailbox(store: &dyn Store, holder: &str) -> Result<Result<String, String>, StoreError> {
    let organisation: Option<domain::catalogue::PublicOrganisation> =
        match store.catalogue_record(RecordKind::Organisation, holder).await? {
            Some(stored) if !stored.retired => serde_json::from_str(&stored.document).ok(),
            _ => None,
        };
    let Some(address) = organisation.and_then(|h| h.e_address) else {
        return Ok(Err(format!("the institution holding the service ({holder}) has no e-address in the catalogue")));
    };
    if !store.accounts(vec![address.clone()]).await?.iter().any(|a| a.active) {
        return Ok(Err(format!("the institution's e-address {address} is not an active mailbox")));
    }
    Ok(Ok(address))
}

/// The applicant's signature on the application PDF: it verifies over the whole file, carries
/// exactly `json` (this application's bytes), comes from a trusted eID signing certificate valid
/// now and not revoked (OCSP, when the server checks logins with it), and is the applicant's.
async fn check_signature(
    login: Option<&crate::login::Login>,
    pdf: &[u8],
    application: &forms::Application,
    json: &[u8],
    now: DateTime<Utc>,
) -> Result<(), SignatureProblem> {
    let signed = crate::signatures::check(login, pdf, APPLICATION_JSON, now).await?;
    if signed.embedded != json {
        return Err((codes::SIGNATURE_INVALID, "the signed PDF does not carry this application.json".to_owned()).into());
    }
    if application.applicant.kind == "natural"
        && signed.personal_code.as_deref() != Some(application.applicant.code.as_str())
    {
        return Err((
            codes::SIGNER_NOT_APPLICANT,
            "the application is signed by someone other than the applicant".to_owned(),
        )
            .into());
    }
    Ok(())
}

/// Whether the application says what the case says: its number, service and applicant.
fn matches_case(application: &forms::Application, case: &domain::case::Case) -> Result<(), String> {
    if application.case_number != case.number.to_string() {
        return Err(format!(
            "the application names case {}, the submission case {}",
            application.case_number, case.number
        ));
    }
    if application.service != case.service_id {
        return Err("the application's service is not its case's".into());
    }
    if application.applicant.code != case.customer.code() || application.applicant.kind != case.customer.kind_name() {
        return Err("the applicant is not the case's customer".into());
    }
    Ok(())
}

/// The message's text, in Latvian as institutions work: who applies, through which centre, and
/// where the answer goes.
fn body(application: &forms::Application, title: &str, centre: &str, reply_to: Option<&str>) -> String {
    let answer = match reply_to {
        Some(address) => format!("Atbildi lūdzam sūtīt iesniedzējam uz viņa e-adresi {address}."),
        None => "Iesniedzējam nav e-adreses: atbildi lūdzam sūtīt uz šo centra e-adresi, centrs to nodos iesniedzējam."
            .to_owned(),
    };
    format!(
        "{centre} iesniedz {name} ({code}) kopā ar klientu aizpildīto e-veidlapu \"{title}\" (versija {version}).\n\
         Lieta: {case}. Iesniegts: {at}.\n\
         Dati mašīnlasāmā formā: application.json; pieteikums lasāmā formā: application.pdf.\n\
         {answer}",
        name = application.applicant.name,
        code = application.applicant.code,
        version = application.form.version,
        case = application.case_number,
        at = application.submitted_at,
    )
}

/// Why an institution may not read a form's submissions.
#[derive(Debug, thiserror::Error)]
pub enum SubmissionFeedError {
    /// No such form, or not one whose service the institution holds: the same answer.
    #[error("there is no form {0} for a service your institution holds")]
    NotFound(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A page of the submissions of `form_id`, for the institution holding its service.
pub async fn feed(
    store: &dyn Store,
    institution: &str,
    form_id: &str,
    after: i64,
    limit: u32,
) -> Result<protocol::FormSubmissionPage, SubmissionFeedError> {
    let not_found = || SubmissionFeedError::NotFound(form_id.to_owned());
    let stored = store.catalogue_record(RecordKind::Form, form_id).await?.ok_or_else(not_found)?;
    if stored.owner != institution {
        return Err(not_found());
    }
    // Which versions the applicant signs (a submission was checked against its own version).
    let record: Option<FormRecord> = serde_json::from_str(&stored.document).ok();
    let signed = |application: &serde_json::Value| {
        let version = application["form"]["version"].as_u64().and_then(|v| u32::try_from(v).ok());
        record.as_ref().zip(version).and_then(|(r, v)| r.version(v)).is_some_and(|d| d.signature_required)
    };
    let (rows, head) = store.form_submissions(form_id, after, limit).await?;
    let submissions = rows
        .into_iter()
        .filter(|row| row.holder == institution)
        .map(|row| {
            let application: serde_json::Value = serde_json::from_str(&row.application).map_err(corrupt)?;
            Ok(protocol::FormSubmissionDto {
                seq: row.seq,
                id: row.id,
                case_number: row.case_number,
                received_at: row.received_at,
                signed: signed(&application),
                application,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(protocol::FormSubmissionPage { submissions, head })
}

/// The PDF of submission `id` of `form_id` (signed by the applicant when the form version asks),
/// for the institution holding the service: the submission's e-address message's
/// `application.pdf`, read through the institution's own mailbox (authorised and audited there).
pub async fn application_pdf(
    store: &dyn Store,
    attachments: &crate::eaddress::Attachments,
    institution: &str,
    form_id: &str,
    id: uuid::Uuid,
    now: DateTime<Utc>,
) -> Result<axum::body::Bytes, SubmissionFeedError> {
    let not_found = || SubmissionFeedError::NotFound(form_id.to_owned());
    let stored = store.catalogue_record(RecordKind::Form, form_id).await?.ok_or_else(not_found)?;
    if stored.owner != institution {
        return Err(not_found());
    }
    let Some((message, deliveries)) = store.message(id).await? else { return Err(not_found()) };
    let described: Vec<domain::eaddress::AttachmentInfo> =
        serde_json::from_str(&message.attachments).map_err(corrupt)?;
    // A submission of this form: application.json first, naming the form, then application.pdf.
    let names_form = match described.first() {
        Some(json) if json.name == APPLICATION_JSON => attachments
            .get(&json.sha256)
            .await
            .ok()
            .and_then(|bytes| serde_json::from_slice::<forms::Application>(&bytes).ok())
            .is_some_and(|application| application.form.id == form_id),
        _ => false,
    };
    if !names_form || described.get(1).is_none_or(|pdf| pdf.name != APPLICATION_PDF) {
        return Err(not_found());
    }
    let principal = crate::eaddress::Principal::Institution { id: institution.to_owned() };
    for delivery in deliveries.iter().filter(|d| d.deleted_at.is_none()) {
        match crate::eaddress::attachment(store, attachments, &principal, &delivery.recipient, id, 1, now).await {
            Ok((_, content)) => return Ok(content),
            Err(crate::eaddress::MailboxError::Store(error)) => return Err(error.into()),
            Err(_) => continue,
        }
    }
    Err(not_found())
}
