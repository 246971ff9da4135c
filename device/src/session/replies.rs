//! A citizen's reply to an institution's letter, signed at a kiosk with their own eID card and
//! PIN2 (issue 15). The kiosk only reads mailboxes: the server sends the reply because the
//! mailbox's owner signed it. The reply is made first and shown as pages, then exactly that PDF
//! is signed and sent; nothing of it is kept on the kiosk.

use chrono::{DateTime, Utc};
use domain::Language;
use uuid::Uuid;

use super::{DeviceSession, Pin2, SessionError};
use crate::ErrorCode;
use crate::protocol::{MessageDto, SIGNED_REPLIES_PATH, SIGNED_REPLY_JSON, SignedReply, SignedReplyRequest};

/// The most characters a reply's text may have (the e-address limit is larger; a kiosk reply
/// typed on a touch keyboard is short).
pub const REPLY_MAX_CHARS: usize = 5_000;
/// How many of a reply's pages are drawn for the citizen to read before signing.
const REPLY_PAGES_SHOWN: u32 = 6;

/// A reply made and drawn, waiting for the citizen's PIN2: what they read is what is signed.
#[derive(Clone)]
pub struct PreparedReply {
    pub reply: SignedReply,
    pub pdf: Vec<u8>,
    /// How many pages the PDF has, and PNG pictures of the first ones.
    pub total: u32,
    pub pages: Vec<Vec<u8>>,
    signed_at: DateTime<Utc>,
}

impl std::fmt::Debug for PreparedReply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A citizen's words stay out of logs.
        f.debug_struct("PreparedReply").field("id", &self.reply.id).field("pages", &self.total).finish_non_exhaustive()
    }
}

impl PartialEq for PreparedReply {
    fn eq(&self, other: &Self) -> bool {
        self.reply == other.reply && self.pdf == other.pdf
    }
}

impl Eq for PreparedReply {}

impl DeviceSession {
    /// The logged-in citizen's reply with `body` to the institution's message `id` in their own
    /// mailbox (online), made as the PDF they will sign (in `language`) and drawn as pages.
    pub async fn prepare_reply(&self, id: Uuid, body: &str, language: Language) -> Result<PreparedReply, SessionError> {
        let view = self.login.view();
        let person =
            view.person.ok_or_else(|| SessionError::new(ErrorCode::NotLoggedIn, "log in with your eID card"))?;
        let own = self.private_address(&person.personal_code)?;
        if self.own_address()? != own {
            return Err(SessionError::new(
                ErrorCode::ReplyOwnMailboxOnly,
                "a signed reply goes from your own mailbox: choose it first",
            ));
        }
        let body = body.trim();
        if body.is_empty() || body.chars().count() > REPLY_MAX_CHARS {
            return Err(SessionError::new(
                ErrorCode::ReplyEmpty,
                format!("write the reply's text (1 to {REPLY_MAX_CHARS} characters)"),
            ));
        }
        let letter = self.open_own_message(id).await?;
        let subject =
            if letter.subject.starts_with("Re: ") { letter.subject.clone() } else { format!("Re: {}", letter.subject) };
        let signed_at = (self.clock)();
        let reply = SignedReply {
            id: Uuid::now_v7(),
            in_reply_to: letter.id,
            from: own.to_string(),
            to: letter.sender.clone(),
            subject,
            body: body.to_owned(),
            signed_at: crate::protocol::application_time(signed_at),
        };
        let name = format!("{} {}", person.given_name, person.surname);
        let document = print::reply(&print::Reply {
            language,
            subject: reply.subject.clone(),
            to: (
                if letter.sender_name.is_empty() { letter.sender.clone() } else { letter.sender_name.clone() },
                letter.sender.clone(),
            ),
            from: (name, person.personal_code.clone(), reply.from.clone()),
            answers: (letter.subject.clone(), super::cases::local_time(letter.sent_at)),
            case_number: letter.case_number.clone(),
            body: reply.body.clone(),
            signed_at: super::cases::local_time(signed_at),
        });
        // Laying out and drawing the pages (poppler) block: off the async threads.
        let mark = self.training().then_some(super::TRAINING_MARK);
        let (pdf, drawn) = tokio::task::spawn_blocking(move || {
            let pdf = print::render_marked(&document, mark)
                .map_err(|e| SessionError::new(ErrorCode::PrintFailed, e.to_string()))?;
            let drawn = print::preview::pdf_pages(&pdf, REPLY_PAGES_SHOWN, 1100)
                .map_err(|e| SessionError::new(ErrorCode::PrintFailed, e.to_string()))?;
            Ok::<_, SessionError>((pdf, drawn))
        })
        .await
        .map_err(|e| SessionError::new(ErrorCode::Unknown, e.to_string()))??;
        Ok(PreparedReply { reply, pdf, total: drawn.total, pages: drawn.pages, signed_at })
    }

    /// Whether the logged-in citizen's reader has its own PIN pad, and the PIN2 tries left on
    /// their card (unknown when the card does not say).
    pub fn own_pin2_state(&self) -> Result<(bool, Option<u8>), SessionError> {
        let (reader, _) = self.login.holder_signing_card()?;
        Ok((self.login.has_pin_pad(&reader), self.login.customer_pin2_tries_left(&reader).ok()))
    }

    /// Signs `prepared` with the logged-in citizen's own card (PIN2 typed on the kiosk's keypad,
    /// or on the reader's pad) and sends it (online). A wrong PIN2 is `wrong_pin`; nothing is sent.
    pub async fn send_signed_reply(
        &self,
        prepared: &PreparedReply,
        pin2: Pin2<'_>,
    ) -> Result<MessageDto, SessionError> {
        let view = self.login.view();
        let person =
            view.person.ok_or_else(|| SessionError::new(ErrorCode::NotLoggedIn, "log in with your eID card"))?;
        let (reader, certificate) = self.login.holder_signing_card()?;
        let signer = super::signing::signer_of(&certificate)?;
        if signer.personal_code.as_deref() != Some(person.personal_code.as_str()) {
            return Err(SessionError::new(
                ErrorCode::CertificateMismatch,
                "the card in the reader is not the logged-in person's",
            ));
        }
        let json = prepared.reply.to_bytes();
        let pdf = self.sign_pdf(
            &reader,
            &certificate,
            &signer,
            &prepared.pdf,
            (SIGNED_REPLY_JSON, &json),
            &prepared.reply.subject,
            prepared.signed_at,
            pin2,
        )?;
        let (client, credentials, token) = self.person_call()?;
        use base64::Engine;
        let request = SignedReplyRequest { pdf: base64::engine::general_purpose::STANDARD.encode(pdf) };
        let sent = client
            .send_as_person(reqwest::Method::POST, &credentials, &token, SIGNED_REPLIES_PATH, Some(&request))
            .await?;
        tracing::info!(reply = %prepared.reply.id, "a signed reply was sent");
        Ok(sent)
    }
}
