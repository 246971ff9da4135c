//! E-forms citizens fill and sign themselves at a library kiosk (forms published as
//! `self_service`). Like a signed reply, a kiosk's word counts for nothing: the application is
//! sent only as a PAdES signature by the logged-in citizen, and what is sent — which form, whose
//! data, to which institution — is read from the `application.json` embedded in the signed PDF
//! and checked against the form as published. No case is registered (no clerk served anyone): it
//! goes from the citizen's own mailbox straight to the institution, and into the form's
//! submission feed.

use forms::{APPLICATION_JSON, APPLICATION_PDF, Application};
use protocol::error_codes;

use super::*;
use crate::store::{FormSubmissionRow, StoreError};

/// Sends the application `pdf` carries from the signer's own mailbox to the institution holding
/// its service, with `application.json` and the signed PDF as attachments, and records it in the
/// form's submission feed. The same PDF again changes nothing (its message id is its digest's).
#[allow(clippy::too_many_arguments)] // each is a different fact about one submission
pub async fn submit_own_application(
    store: &dyn Store,
    attachments: &Attachments,
    calendar: &domain::calendar::WorkingCalendar,
    login: Option<&crate::login::Login>,
    principal: &Principal,
    pdf: Vec<u8>,
    upload_quota: u64,
    now: DateTime<Utc>,
) -> Result<(MessageView, bool), MailboxError> {
    let Principal::Person { personal_code, device_id, kiosk: true, .. } = principal else {
        return Err(MailboxError::KioskOnly);
    };
    let signed = super::citizen_signature(login, &pdf, APPLICATION_JSON, now).await?;
    let refused = |code: &'static str, reason: String| MailboxError::Application { code, reason };
    let invalid = |reason: String| refused(error_codes::FORM_INVALID, reason);
    if signed.personal_code.as_deref() != Some(personal_code.as_str()) {
        return Err(refused(
            error_codes::SIGNER_NOT_OWNER,
            "the application is signed by someone other than the person logged in: each signs with their own card"
                .into(),
        ));
    }
    let application: Application = serde_json::from_slice(&signed.embedded)
        .map_err(|e| invalid(format!("{APPLICATION_JSON} cannot be read: {e}")))?;
    if application.to_bytes() != signed.embedded {
        return Err(invalid(format!("{APPLICATION_JSON} is not in canonical form (keys sorted, no spaces)")));
    }
    if application.applicant.kind != "natural" || &application.applicant.code != personal_code {
        return Err(refused(
            error_codes::SIGNER_NOT_OWNER,
            "at a kiosk a person applies for themselves: the applicant is the signer".into(),
        ));
    }
    if !application.case_number.is_empty() {
        return Err(invalid("an application made at a kiosk belongs to no case: leave case_number empty".into()));
    }
    let definition = crate::submissions::published_definition(store, &application).await?.map_err(invalid)?;
    if !definition.self_service {
        return Err(invalid(format!("the form {} is filled at a centre with a clerk, not at a kiosk", definition.id)));
    }
    if !application.files().is_empty() {
        return Err(invalid("documents cannot be attached at a kiosk: submit this application at a centre".into()));
    }
    let device = store.device_auth_record(*device_id).await?.ok_or(MailboxError::KioskOnly)?.device;
    if application.centre != device.centre.name {
        return Err(invalid(format!("the application names another place than this kiosk's ({})", device.centre.name)));
    }
    let service = store.catalogue_record(crate::store::RecordKind::Service, &definition.service).await?;
    let holder = service
        .and_then(|stored| serde_json::from_str::<domain::catalogue::PublicService>(&stored.document).ok())
        .and_then(|service| service.competent_authorities.first().cloned())
        .ok_or_else(|| invalid(format!("the service {} is not in the catalogue", definition.service)))?;
    let holder_box = crate::submissions::holder_mailbox(store, &holder)
        .await?
        .map_err(|reason| refused(error_codes::VALIDATION, reason))?;
    let own = domain::PersonalCode::parse(personal_code)
        .map(|code| EAddress::private(&code).to_string())
        .map_err(|_| MailboxError::NotOwner)?;
    let sender = authorise(store, principal, &own, Right::Read, now).await?;

    let json = application.to_bytes();
    let uploader = crate::uploads::device_uploader(*device_id);
    let mut carried = Vec::new();
    for (name, content) in [(APPLICATION_JSON, json.clone()), (APPLICATION_PDF, pdf)] {
        let sha256 = hex::encode(Sha256::digest(&content));
        let size = content.len() as u64;
        crate::uploads::upload(store, attachments, &uploader, &sha256, content.into(), Some(size), upload_quota, now)
            .await?;
        carried.push(AttachmentInfo { name: name.to_owned(), size, sha256 });
    }
    // The message's id is the signed PDF's: the same application sent again is the same message.
    let digest = hex::decode(&carried[1].sha256).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let mut id = [0u8; 16];
    id.copy_from_slice(&digest[..16]);
    let id = uuid::Builder::from_custom_bytes(id).into_uuid();
    let title = definition.title_lv();
    let message = NewMessage {
        id,
        recipients: vec![holder_box],
        subject: definition.self_service_subject(),
        body: format!(
            "{name} ({code}) iesniedz e-veidlapu \"{title}\" (versija {version}), ko pats aizpildīja un parakstīja \
             ar savu eID karti pašapkalpošanās kioskā: {centre}.\n\
             Iesniegts: {at}.\n\
             Dati mašīnlasāmā formā: application.json; parakstīts pieteikums: application.pdf.\n\
             Atbildi lūdzam sūtīt iesniedzējam uz šo e-adresi.",
            name = application.applicant.name,
            code = application.applicant.code,
            version = application.form.version,
            centre = device.centre.name,
            at = application.submitted_at,
        ),
        case_number: None,
        in_reply_to: None,
        attachments: carried,
    };
    let sent = deliver(store, attachments, calendar, principal, &sender, message, None, now).await?;
    store
        .record_form_submission(FormSubmissionRow {
            seq: 0,
            id,
            form_id: application.form.id.clone(),
            holder,
            case_number: String::new(),
            application: String::from_utf8(json).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            received_at: now,
        })
        .await?;
    tracing::info!(submission = %id, form = %application.form.id, "a citizen's own application is sent from a kiosk");
    Ok(sent)
}
