//! Replies citizens sign at a kiosk with their own eID card (PIN2). A kiosk only reads mailboxes:
//! its reply is sent only as a PAdES signature by the mailbox's owner, and what is sent — from
//! whom, to whom, in answer to what, the subject and the text — is read from the `reply.json`
//! embedded in the signed PDF, never from anything else the kiosk says.

use protocol::{SIGNED_REPLY_JSON, SIGNED_REPLY_PDF, SignedReply, error_codes};

use super::*;
use crate::signatures::SignatureProblem;

/// Sends the reply `pdf` carries, from the signer's own mailbox to the institution whose message
/// it answers; the PDF is the message's attachment. The same reply again changes nothing.
#[allow(clippy::too_many_arguments)] // each is a different fact about one reply
pub async fn send_signed_reply(
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
    let signed = citizen_signature(login, &pdf, SIGNED_REPLY_JSON, now).await?;
    let refused = |code: &'static str, reason: &str| MailboxError::Signature { code, reason: reason.to_owned() };
    let reply: SignedReply = serde_json::from_slice(&signed.embedded)
        .map_err(|e| refused(error_codes::SIGNATURE_INVALID, &format!("{SIGNED_REPLY_JSON} cannot be read: {e}")))?;
    if signed.personal_code.as_deref() != Some(personal_code.as_str()) {
        return Err(refused(
            error_codes::SIGNER_NOT_OWNER,
            "the reply is signed by someone other than the person logged in: each signs with their own card",
        ));
    }
    let own = domain::PersonalCode::parse(personal_code).map(|code| EAddress::private(&code).to_string());
    if own.as_deref() != Ok(reply.from.as_str()) {
        return Err(refused(error_codes::SIGNER_NOT_OWNER, "a signed reply is sent from the signer's own mailbox"));
    }
    let sender = authorise(store, principal, &reply.from, Right::Read, now).await?;
    // It answers an institution's message delivered to this mailbox, and goes to its sender.
    let (original, deliveries) =
        store.message(reply.in_reply_to).await?.ok_or(MailboxError::UnknownReply(reply.in_reply_to))?;
    let received = deliveries.iter().any(|d| d.recipient == reply.from && d.deleted_at.is_none());
    let institution = store
        .accounts(vec![original.sender.clone()])
        .await?
        .pop()
        .is_some_and(|account| account.kind == domain::eaddress::AccountKind::Institution);
    if !received || !institution || original.sender != reply.to {
        return Err(MailboxError::UnknownReply(reply.in_reply_to));
    }
    let sha256 = hex::encode(Sha256::digest(&pdf));
    let size = pdf.len() as u64;
    let uploader = crate::uploads::device_uploader(*device_id);
    crate::uploads::upload(store, attachments, &uploader, &sha256, pdf.into(), Some(size), upload_quota, now).await?;
    let message = NewMessage {
        id: reply.id,
        recipients: vec![reply.to.clone()],
        subject: reply.subject,
        body: reply.body,
        case_number: original.case_number,
        in_reply_to: Some(original.id),
        attachments: vec![AttachmentInfo { name: SIGNED_REPLY_PDF.to_owned(), size, sha256 }],
    };
    tracing::info!(reply = %message.id, to = %reply.to, "a citizen's signed reply is sent");
    deliver(store, attachments, calendar, principal, &sender, message, None, now).await
}

/// A citizen's signature on `pdf` carrying `embedded`, checked once (`crate::signatures`), with
/// the API's words for what is wrong.
pub(super) async fn citizen_signature(
    login: Option<&crate::login::Login>,
    pdf: &[u8],
    embedded: &str,
    now: DateTime<Utc>,
) -> Result<crate::signatures::Signed, MailboxError> {
    crate::signatures::check(login, pdf, embedded, now).await.map_err(|problem| match problem {
        SignatureProblem::Refused(code, reason) => MailboxError::Signature { code: signature_code(code), reason },
        SignatureProblem::Unknown(reason) => MailboxError::RevocationUnknown(reason),
    })
}

/// The API's code for an outbox rejection code of the signature check (the same words).
fn signature_code(code: &'static str) -> &'static str {
    match code {
        protocol::rejection_codes::SIGNATURE_UNTRUSTED => error_codes::SIGNATURE_UNTRUSTED,
        protocol::rejection_codes::SIGNATURE_REVOKED => error_codes::SIGNATURE_REVOKED,
        _ => error_codes::SIGNATURE_INVALID,
    }
}
