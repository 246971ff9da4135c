//! E-address at the desk: writing to an institution from the centre's mailbox (queued in the
//! outbox with its attachments, so it works offline and is sent once), choosing recipients from
//! the e-address catalogue kept on the desk, and — online — the centre's inbox, sent messages
//! with each recipient's state, and opening a message.

use chrono::{DateTime, Utc};
use domain::eaddress::{AccountKind, AttachmentInfo, EAddress, check_message};
use serde::{Deserialize, Serialize};
use sha2::Digest;
use uuid::Uuid;

use super::{DeviceSession, SessionError};
use crate::ErrorCode;
use crate::protocol::MessageEntry;

/// The print job title of a citizen's document at a kiosk: nothing that names them or it.
pub const KIOSK_JOB_TITLE: &str = "Pietura";

/// What the clerk writes.
#[derive(Debug, Clone, Deserialize)]
pub struct ComposeMessage {
    pub recipients: Vec<String>,
    pub subject: String,
    #[serde(default)]
    pub body: String,
    /// The case it is about: its number goes with the message, and its documents may be attached.
    #[serde(default)]
    pub case_id: Option<Uuid>,
    /// Documents of that case to attach.
    #[serde(default)]
    pub document_ids: Vec<Uuid>,
    /// Files from this computer to attach.
    #[serde(default)]
    pub files: Vec<ComposeFile>,
    /// The received message this one answers.
    #[serde(default)]
    pub in_reply_to: Option<Uuid>,
}

/// An attachment's content by its SHA-256 (hex), as queued with the message.
type AttachmentContent = (String, Vec<u8>);

/// A file the clerk picked on this computer (not a case's scan).
#[derive(Clone, Deserialize)]
pub struct ComposeFile {
    pub name: String,
    /// The content, base64.
    pub content: String,
}

impl std::fmt::Debug for ComposeFile {
    // The content is a citizen's document: never in logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ComposeFile").field("name", &self.name).field("content_len", &self.content.len()).finish()
    }
}

/// A message the desk queued, as the desk shows it.
#[derive(Debug, Clone, Serialize)]
pub struct QueuedMessageView {
    pub id: Uuid,
    pub recipients: Vec<String>,
    /// Each recipient by the e-address catalogue's name (the address when it has none).
    pub recipient_names: Vec<String>,
    pub subject: String,
    pub case_id: Option<Uuid>,
    pub case_number: Option<String>,
    pub attachments: Vec<String>,
    pub created_at: DateTime<Utc>,
    /// `queued` (not yet on the server), `sent` (the server has it) or `refused`.
    pub state: &'static str,
    pub refused: Option<String>,
    pub refused_code: Option<String>,
    /// Each recipient's state on the server, as last heard.
    pub deliveries: Vec<crate::protocol::DeliveryStateDto>,
}

/// A recipient from the e-address catalogue.
#[derive(Debug, Clone, Serialize)]
pub struct DirectoryEntry {
    pub address: String,
    pub name: String,
}

/// How many messages of a mailbox folder the desk shows at a time.
pub const FOLDER_PAGE: u32 = 50;

fn invalid(code: ErrorCode, message: impl Into<String>) -> SessionError {
    SessionError::new(code, message)
}

impl DeviceSession {
    /// Institutions' e-addresses matching `query`, from the catalogue kept on this desk.
    pub fn directory(&self, query: &str) -> Result<Vec<DirectoryEntry>, SessionError> {
        Ok(self
            .store
            .directory(query, 50)?
            .into_iter()
            .map(|(address, name)| DirectoryEntry { address, name })
            .collect())
    }

    /// Writes to institutions from the centre's mailbox: checked here by the e-address rules,
    /// then queued with its attachments' content in one transaction; sent when the server
    /// answers (the server checks again and sends it once).
    pub fn compose_message(&self, request: ComposeMessage) -> Result<QueuedMessageView, SessionError> {
        let (actor, _) = self.staff_actor()?;
        let offline = actor.is_offline();
        let domain::case::Actor::Staff { personal_code, .. } = &actor else {
            return Err(invalid(ErrorCode::NotLoggedIn, "log in with your eID card to send messages"));
        };
        let mut recipients = Vec::with_capacity(request.recipients.len());
        for raw in &request.recipients {
            let address =
                EAddress::parse(raw).map_err(|e| invalid(ErrorCode::RecipientInvalid, format!("{raw}: {e}")))?;
            recipients.push((address, AccountKind::Institution));
        }
        let case = match request.case_id {
            Some(id) => Some(
                self.store
                    .case(id)?
                    .ok_or_else(|| invalid(ErrorCode::CaseUnknown, format!("there is no case {id}")))?,
            ),
            None => None,
        };
        let (attachments, files) = self.gather_attachments(&request, case.as_ref())?;
        // The centre's mailbox is a public entity's: it may write to anyone; the desk offers
        // institutions from the catalogue.
        check_message(AccountKind::Institution, &recipients, &request.subject, &request.body, &attachments)
            .map_err(|e| invalid(ErrorCode::named(&format!("message_{}", e.field())), e.to_string()))?;
        let id = Uuid::now_v7();
        let entry = MessageEntry {
            // The server sends from the desk's centre's mailbox.
            from: String::new(),
            composed_by: personal_code.to_string(),
            recipients: recipients.iter().map(|(a, _)| a.to_string()).collect(),
            subject: request.subject.trim().to_owned(),
            body: request.body,
            case_id: request.case_id,
            case_number: case.as_ref().map(|c| c.number.to_string()),
            attachments,
            in_reply_to: request.in_reply_to,
        };
        let payload = serde_json::to_value(&entry).map_err(|e| invalid(ErrorCode::Internal, e.to_string()))?;
        let now = (self.clock)();
        self.store.queue_message(id, &payload, &files, self.entry_origin(&actor), now)?;
        tracing::info!(message = %id, attachments = files.len(), offline, "message queued");
        if let Some(case) = &case {
            let customer = case.customer.clone();
            let subject = entry.subject.clone();
            let names: Vec<String> = entry.attachments.iter().map(|a| a.name.clone()).collect();
            self.note_in_visit(&customer, now, |visit| {
                visit.actions.push(super::cases::VisitActionView::message_sent(now, &subject, &names, case.id));
            });
        }
        self.wake_sync();
        self.named(vec![view_of(id, &entry, now, "queued", None, None)]).map(|mut views| views.remove(0))
    }

    /// A scan of `case` with its content, when this desk keeps it: (name, content).
    pub(super) fn case_document_on_desk(
        &self,
        case: &domain::case::Case,
        document_id: Uuid,
    ) -> Result<(String, Vec<u8>), SessionError> {
        let document = case
            .documents
            .iter()
            .find(|d| d.id == document_id)
            .ok_or_else(|| invalid(ErrorCode::DocumentUnknown, "the case has no such document"))?;
        let content = self.store.case_document_content(document_id)?.ok_or_else(|| {
            invalid(ErrorCode::DocumentElsewhere, "the document was scanned at another desk, which keeps it")
        })?;
        Ok((document.name.clone(), content))
    }

    /// The attachments a message names and their content: the case's scans kept on this desk
    /// and the files picked on this computer (named by their own name only).
    fn gather_attachments(
        &self,
        request: &ComposeMessage,
        case: Option<&domain::case::Case>,
    ) -> Result<(Vec<AttachmentInfo>, Vec<AttachmentContent>), SessionError> {
        use base64::Engine;
        let mut attachments = Vec::new();
        let mut files = Vec::new();
        for document_id in &request.document_ids {
            let case = case.ok_or_else(|| {
                invalid(ErrorCode::DocumentUnknown, "documents come from the case the message is about")
            })?;
            files.push(self.case_document_on_desk(case, *document_id)?);
        }
        for file in &request.files {
            let name = file.name.rsplit(['/', '\\']).next().unwrap_or_default().trim().to_owned();
            let content = base64::engine::general_purpose::STANDARD
                .decode(file.content.as_bytes())
                .map_err(|_| invalid(ErrorCode::AttachmentUnreadable, format!("{name}: the file could not be read")))?;
            if content.is_empty() {
                return Err(invalid(ErrorCode::AttachmentEmpty, format!("{name}: the file is empty")));
            }
            files.push((name, content));
        }
        let mut contents = Vec::with_capacity(files.len());
        for (name, content) in files {
            let sha256 = hex::encode(sha2::Sha256::digest(&content));
            attachments.push(AttachmentInfo { name, size: content.len() as u64, sha256: sha256.clone() });
            contents.push((sha256, content));
        }
        Ok((attachments, contents))
    }

    /// Messages this desk wrote, newest first, and whether the server has them.
    pub fn queued_messages(&self) -> Result<Vec<QueuedMessageView>, SessionError> {
        let views = self
            .store
            .queued_messages(200)?
            .into_iter()
            .filter_map(|queued| {
                let entry: MessageEntry = serde_json::from_str(&queued.payload).ok()?;
                let state = match (&queued.refused, queued.done_at) {
                    (Some(_), _) => "refused",
                    (None, Some(_)) => "sent",
                    (None, None) => "queued",
                };
                let mut view =
                    view_of(queued.id, &entry, queued.created_at, state, queued.refused, queued.refused_code);
                view.deliveries = queued.deliveries.and_then(|d| serde_json::from_str(&d).ok()).unwrap_or_default();
                Some(view)
            })
            .collect();
        self.named(views)
    }

    /// Names the views' recipients from the offline e-address catalogue.
    fn named(&self, mut views: Vec<QueuedMessageView>) -> Result<Vec<QueuedMessageView>, SessionError> {
        let addresses: Vec<String> = views.iter().flat_map(|v| v.recipients.iter().cloned()).collect();
        let names = self.store.directory_names(&addresses)?;
        for view in &mut views {
            view.recipient_names =
                view.recipients.iter().map(|a| names.get(a).cloned().unwrap_or_else(|| a.clone())).collect();
        }
        Ok(views)
    }

    pub(super) fn person_call(
        &self,
    ) -> Result<(crate::client::SyncClient, crate::protocol::DeviceCredentials, String), SessionError> {
        let enrollment =
            self.store.enrollment()?.ok_or_else(|| invalid(ErrorCode::NotEnrolled, "this device is not enrolled"))?;
        let credentials = self.credentials(&enrollment)?;
        let token = self.login.session_token().ok_or_else(|| {
            invalid(
                ErrorCode::SessionInvalid,
                "the mailbox needs an online login: log in while the server is reachable",
            )
        })?;
        let client = self.sync_client(crate::client::parse_server_url(&enrollment.server_url)?)?;
        Ok((client, credentials, token))
    }

    /// The mailboxes the logged-in person may use (online).
    pub async fn mailboxes(&self) -> Result<serde_json::Value, SessionError> {
        let (client, credentials, token) = self.person_call()?;
        Ok(client.get_as_person(&credentials, &token, "/v1/eaddress/mailboxes").await?)
    }

    /// The same, typed (the kiosk's choice between a person's own and a company's they represent).
    pub async fn my_mailboxes(&self) -> Result<Vec<crate::protocol::MailboxDto>, SessionError> {
        let (client, credentials, token) = self.person_call()?;
        Ok(client.get_as_person(&credentials, &token, "/v1/eaddress/mailboxes").await?)
    }

    /// Chooses the mailbox the person's "own" calls below work on: a company's they represent,
    /// or `None` for their own. The server decides whether they may; the choice is the
    /// person's only and is forgotten when another person logs in.
    pub fn choose_mailbox(&self, address: Option<&str>) -> Result<(), SessionError> {
        let chosen = match address {
            None => None,
            Some(address) => {
                let person = self
                    .login
                    .view()
                    .person
                    .ok_or_else(|| invalid(ErrorCode::NotLoggedIn, "log in with your eID card"))?;
                let parsed = EAddress::parse(address).map_err(|e| invalid(ErrorCode::NotFound, e.to_string()))?;
                Some((person.personal_code, parsed))
            }
        };
        *self.chosen_mailbox.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = chosen;
        Ok(())
    }

    /// Who accessed a mailbox the person answers for (their centre's, as its administrator).
    pub async fn mailbox_accesses(&self, address: &str) -> Result<Vec<crate::protocol::AccessDto>, SessionError> {
        let address = EAddress::parse(address).map_err(|e| invalid(ErrorCode::NotFound, e.to_string()))?;
        let (client, credentials, token) = self.person_call()?;
        Ok(client.get_as_person(&credentials, &token, &format!("/v1/eaddress/mailboxes/{address}/accesses")).await?)
    }

    /// A mailbox's inbox or sent messages (online): `folder` is `inbox` or `sent`; a page of
    /// [`FOLDER_PAGE`], newest first, before `(time, id)` of the last one shown when given.
    pub async fn mailbox_folder(
        &self,
        address: &str,
        folder: &str,
        before: Option<(DateTime<Utc>, Uuid)>,
    ) -> Result<serde_json::Value, SessionError> {
        if !matches!(folder, "inbox" | "sent") {
            return Err(invalid(ErrorCode::NotFound, "no such folder"));
        }
        let address = EAddress::parse(address).map_err(|e| invalid(ErrorCode::NotFound, e.to_string()))?;
        let (client, credentials, token) = self.person_call()?;
        let page = match before {
            // RFC 3339 with microseconds (what the server keeps), in UTC: no `+` to escape.
            Some((at, id)) => format!(
                "?limit={FOLDER_PAGE}&before={}&before_id={id}",
                at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
            ),
            None => format!("?limit={FOLDER_PAGE}"),
        };
        Ok(client
            .get_as_person(&credentials, &token, &format!("/v1/eaddress/mailboxes/{address}/{folder}{page}"))
            .await?)
    }

    /// Opens a message in a mailbox (online; a recipient's opening marks it read).
    pub async fn open_message(&self, address: &str, id: Uuid) -> Result<serde_json::Value, SessionError> {
        let address = EAddress::parse(address).map_err(|e| invalid(ErrorCode::NotFound, e.to_string()))?;
        let (client, credentials, token) = self.person_call()?;
        let opened = client
            .get_as_person(&credentials, &token, &format!("/v1/eaddress/mailboxes/{address}/messages/{id}"))
            .await?;
        // Opened is read: the engine's next round (now) hears one fewer unread for the tab.
        self.wake_sync();
        Ok(opened)
    }
}

impl DeviceSession {
    /// The mailbox the logged-in person works on: their own e-address (`_PRIVATE@…`, from
    /// their login), or the company's they chose ([`Self::choose_mailbox`]).
    pub(super) fn own_address(&self) -> Result<EAddress, SessionError> {
        let view = self.login.view();
        let person = view.person.ok_or_else(|| invalid(ErrorCode::NotLoggedIn, "log in with your eID card"))?;
        let chosen = self.chosen_mailbox.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        if let Some((chooser, address)) = chosen
            && chooser == person.personal_code
        {
            return Ok(address);
        }
        self.private_address(&person.personal_code)
    }

    pub(super) fn private_address(&self, personal_code: &str) -> Result<EAddress, SessionError> {
        let code = domain::PersonalCode::parse(personal_code)
            .map_err(|e| invalid(ErrorCode::NotLoggedIn, format!("the logged-in person's code is unusable: {e}")))?;
        Ok(EAddress::private(&code))
    }

    /// The logged-in person's own inbox, newest first (a kiosk: read-only). A person without an
    /// e-address gets `not_found`.
    pub async fn own_inbox(&self) -> Result<Vec<crate::protocol::MessageDto>, SessionError> {
        let address = self.own_address()?;
        let (client, credentials, token) = self.person_call()?;
        Ok(client.get_as_person(&credentials, &token, &format!("/v1/eaddress/mailboxes/{address}/inbox")).await?)
    }

    /// Opens one of the person's own messages (which marks it read).
    pub async fn open_own_message(&self, id: Uuid) -> Result<crate::protocol::MessageDto, SessionError> {
        let address = self.own_address()?;
        let (client, credentials, token) = self.person_call()?;
        Ok(client
            .get_as_person(&credentials, &token, &format!("/v1/eaddress/mailboxes/{address}/messages/{id}"))
            .await?)
    }

    /// An attachment of one of the person's own messages.
    pub async fn own_attachment(&self, id: Uuid, index: usize) -> Result<Vec<u8>, SessionError> {
        let address = self.own_address()?;
        let (client, credentials, token) = self.person_call()?;
        Ok(client
            .download_as_person(
                &credentials,
                &token,
                &format!("/v1/eaddress/mailboxes/{address}/messages/{id}/attachments/{index}"),
            )
            .await?)
    }

    /// Who accessed the person's own mailbox, and when.
    pub async fn own_mailbox_accesses(&self) -> Result<Vec<crate::protocol::AccessDto>, SessionError> {
        let address = self.own_address()?;
        let (client, credentials, token) = self.person_call()?;
        Ok(client.get_as_person(&credentials, &token, &format!("/v1/eaddress/mailboxes/{address}/accesses")).await?)
    }

    /// The delegations in force on the person's own mailbox (who may read it, until when).
    pub async fn own_delegations(&self) -> Result<Vec<crate::protocol::DelegationDto>, SessionError> {
        let address = self.own_address()?;
        let (client, credentials, token) = self.person_call()?;
        Ok(client.get_as_person(&credentials, &token, &format!("/v1/eaddress/mailboxes/{address}/delegations")).await?)
    }

    /// The person lets another person use their mailbox (or the company's they represent)
    /// with `right` until the end of `ends_on` (a person's own mailbox only for reading). The
    /// code is checked here first, so a typing slip is named before anything is sent.
    pub async fn delegate_own_mailbox(
        &self,
        delegate: &str,
        right: domain::eaddress::Right,
        ends_on: chrono::NaiveDate,
    ) -> Result<crate::protocol::DelegationDto, SessionError> {
        let code = domain::PersonalCode::parse(delegate)
            .map_err(|e| invalid(ErrorCode::PersonalCodeInvalid, format!("the personal code is not valid: {e}")))?;
        let address = self.own_address()?;
        let person = self.login.view().person.map(|p| p.personal_code).unwrap_or_default();
        if self.private_address(&person).is_ok_and(|own| own == EAddress::private(&code)) {
            return Err(invalid(
                ErrorCode::DelegationToSelf,
                "you already read your own mailbox: type the other person's code",
            ));
        }
        let (client, credentials, token) = self.person_call()?;
        let body = serde_json::json!({ "delegate": code.to_string(), "rights": right.as_str(), "ends_on": ends_on });
        Ok(client
            .send_as_person(
                reqwest::Method::POST,
                &credentials,
                &token,
                &format!("/v1/eaddress/mailboxes/{address}/delegations"),
                Some(&body),
            )
            .await?)
    }

    /// The person ends a delegation on their own mailbox.
    pub async fn end_own_delegation(&self, id: Uuid) -> Result<(), SessionError> {
        let address = self.own_address()?;
        self.delete_as_person(&format!("/v1/eaddress/mailboxes/{address}/delegations/{id}")).await
    }

    /// A `DELETE` as the logged-in person.
    async fn delete_as_person(&self, path: &str) -> Result<(), SessionError> {
        let (client, credentials, token) = self.person_call()?;
        client.send_as_person::<(), ()>(reqwest::Method::DELETE, &credentials, &token, path, None).await?;
        Ok(())
    }

    /// Prints an attachment of one of the person's own messages (PDFs and images) on the
    /// kiosk's printer; the copy handed to the printer is removed right after.
    pub async fn print_own_attachment(&self, id: Uuid, index: usize, name: &str) -> Result<String, SessionError> {
        if !matches!(
            domain::eaddress::attachment_media_type(name),
            Some("application/pdf" | "image/jpeg" | "image/png")
        ) {
            return Err(invalid(ErrorCode::DocumentNoPreview, "only PDFs and images are printed here"));
        }
        let content = self.own_attachment(id, index).await?;
        let printer =
            self.printer().ok_or_else(|| invalid(ErrorCode::NoPrinter, "no printer is set up on this kiosk"))?;
        // Through a pipe: no copy of the citizen's document is written on the kiosk. The job's
        // title says nothing of theirs: CUPS keeps titles in its job history after printing.
        printer.print(&content, KIOSK_JOB_TITLE).map_err(|e| invalid(ErrorCode::PrintFailed, e.to_string()))
    }
}

/// A citizen's consent in force at this desk.
#[derive(Debug, Clone, Serialize)]
pub struct ActiveConsent {
    pub id: Uuid,
    /// The citizen's mailbox.
    pub mailbox: String,
    pub valid_until: DateTime<Utc>,
    pub rights: String,
}

impl DeviceSession {
    /// Asks the server for a consent the customer will sign: what it says and what their card
    /// signs (online only: the server checks the signature).
    pub async fn ask_consent(&self, rights: &str, minutes: u32) -> Result<serde_json::Value, SessionError> {
        let (client, credentials, token) = self.person_call()?;
        let body = serde_json::json!({ "rights": rights, "minutes": minutes });
        let asked: serde_json::Value = client
            .send_as_person(reqwest::Method::POST, &credentials, &token, "/v1/eaddress/consents", Some(&body))
            .await?;
        // What the card will sign is kept here, as the server gave it: the screen only shows it
        // and can never choose what a customer's card signs.
        let (Some(id), Some(origin), Some(nonce)) = (
            asked["id"].as_str().and_then(|id| Uuid::parse_str(id).ok()),
            asked["origin"].as_str(),
            asked["nonce"].as_str(),
        ) else {
            return Err(invalid(ErrorCode::Internal, "the server's consent has no id, origin or nonce"));
        };
        self.asked_consents
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(id, (origin.to_owned(), nonce.to_owned()));
        Ok(asked)
    }

    /// The customer types their PIN1 and their card (in the second reader) signs the consent;
    /// the server checks it and the consent is in force. Noted in the visit.
    pub async fn sign_consent(&self, id: Uuid, pin: &str) -> Result<ActiveConsent, SessionError> {
        let (client, credentials, token) = self.person_call()?;
        let login = self.login.clone();
        let (origin_owned, nonce_owned) = self
            .asked_consents
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&id)
            .cloned()
            .ok_or_else(|| invalid(ErrorCode::ConsentUnknown, "this desk did not ask for that consent: ask again"))?;
        let pin = zeroize::Zeroizing::new(pin.to_owned());
        // PC/SC calls block: off the async threads.
        let signed = tokio::task::spawn_blocking(move || login.customer_sign(&pin, &origin_owned, &nonce_owned))
            .await
            .map_err(|e| invalid(ErrorCode::Internal, e.to_string()))?
            .map_err(|failure| SessionError::new(failure.code, failure.message))?;
        let body = serde_json::json!({ "token": signed });
        let answer: serde_json::Value = client
            .send_as_person(
                reqwest::Method::POST,
                &credentials,
                &token,
                &format!("/v1/eaddress/consents/{id}/signature"),
                Some(&body),
            )
            .await?;
        let now = (self.clock)();
        let consent = ActiveConsent {
            id,
            mailbox: answer["mailbox"].as_str().unwrap_or_default().to_owned(),
            valid_until: answer["valid_until"].as_str().and_then(|t| t.parse().ok()).unwrap_or(now),
            rights: answer["rights"].as_str().unwrap_or_default().to_owned(),
        };
        self.asked_consents.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&id);
        *self.consent.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(consent.clone());
        if let Some(customer) = consent_customer(&consent) {
            let minutes = u32::try_from((consent.valid_until - now).num_minutes().max(1)).unwrap_or(1);
            self.note_in_visit(&customer, now, |visit| {
                visit.actions.push(super::cases::VisitActionView::new(
                    now,
                    "consent_given",
                    format!("{minutes} min"),
                    print::VisitAction::ConsentGiven { minutes },
                ));
            });
        }
        tracing::info!(consent = %id, "the customer's consent is in force");
        Ok(consent)
    }

    /// The consent in force, if any: ended here when its time is over or the customer's card
    /// has left the second reader.
    pub async fn consent(&self) -> Option<ActiveConsent> {
        let current = self.consent.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()?;
        let login = self.login.clone();
        let card_there = tokio::task::spawn_blocking(move || login.customer_card().is_ok()).await.unwrap_or(false);
        if card_there && current.valid_until > (self.clock)() {
            return Some(current);
        }
        if let Err(error) = self.end_consent().await {
            tracing::warn!(%error, "the consent could not be ended on the server (it ends with its time)");
        }
        None
    }

    /// The consenting citizen's inbox, read with them (noted in the visit).
    pub async fn consent_inbox(&self) -> Result<Vec<crate::protocol::MessageDto>, SessionError> {
        let consent = self
            .consent()
            .await
            .ok_or_else(|| invalid(ErrorCode::NoConsent, "the customer's consent is not in force"))?;
        let (client, credentials, token) = self.person_call()?;
        let messages: Vec<crate::protocol::MessageDto> = client
            .get_as_person(&credentials, &token, &format!("/v1/eaddress/mailboxes/{}/inbox", consent.mailbox))
            .await?;
        if let Some(customer) = consent_customer(&consent) {
            let now = (self.clock)();
            let count = messages.len();
            self.note_in_visit(&customer, now, |visit| {
                visit.actions.push(super::cases::VisitActionView::new(
                    now,
                    "mailbox_read",
                    format!("{count}"),
                    print::VisitAction::MailboxRead { messages: count },
                ));
            });
        }
        Ok(messages)
    }

    /// Opens a message in the consenting customer's mailbox with them (online): their opening
    /// is the reading, so the sender gets the read receipt. Noted in the visit.
    pub async fn open_customer_message(&self, id: Uuid) -> Result<crate::protocol::MessageDto, SessionError> {
        let consent = self
            .consent()
            .await
            .ok_or_else(|| invalid(ErrorCode::NoConsent, "the customer's consent is not in force"))?;
        let (client, credentials, token) = self.person_call()?;
        let message: crate::protocol::MessageDto = client
            .get_as_person(&credentials, &token, &format!("/v1/eaddress/mailboxes/{}/messages/{id}", consent.mailbox))
            .await?;
        if let Some(customer) = consent_customer(&consent) {
            let now = (self.clock)();
            let subject = message.subject.clone();
            self.note_in_visit(&customer, now, |visit| {
                // Opening the same message again is one opening.
                if !visit.actions.iter().any(|a| a.kind == "message_opened" && a.text == subject) {
                    visit.actions.push(super::cases::VisitActionView::new(
                        now,
                        "message_opened",
                        subject.clone(),
                        print::VisitAction::MessageOpened { subject },
                    ));
                }
            });
        }
        Ok(message)
    }

    /// A copy of an attachment of a message in the consenting customer's mailbox, for them: a
    /// PDF or a picture saved under `receipts/` (swept after a day) and, when asked, printed.
    /// Printing is noted in the visit.
    pub async fn export_customer_attachment(
        &self,
        id: Uuid,
        index: usize,
        to_printer: bool,
    ) -> Result<super::PrintOutcome, SessionError> {
        let consent = self
            .consent()
            .await
            .ok_or_else(|| invalid(ErrorCode::NoConsent, "the customer's consent is not in force"))?;
        let (client, credentials, token) = self.person_call()?;
        let mailbox = &consent.mailbox;
        // The name and type as the message describes them (not as anyone types them here).
        let message: crate::protocol::MessageDto = client
            .get_as_person(&credentials, &token, &format!("/v1/eaddress/mailboxes/{mailbox}/messages/{id}"))
            .await?;
        let described = message
            .attachments
            .get(index)
            .ok_or_else(|| invalid(ErrorCode::NotFound, "the message has no such attachment"))?;
        if !matches!(
            domain::eaddress::attachment_media_type(&described.name),
            Some("application/pdf" | "image/jpeg" | "image/png")
        ) {
            return Err(invalid(ErrorCode::DocumentNoPreview, "only PDFs and pictures are printed here"));
        }
        let content = client
            .download_as_person(
                &credentials,
                &token,
                &format!("/v1/eaddress/mailboxes/{mailbox}/messages/{id}/attachments/{index}"),
            )
            .await?;
        // Printed (now, or once the clerk prints from the preview): noted in the visit.
        let noted: Option<super::printing::AfterPrint> = consent_customer(&consent).map(|customer| {
            let name = described.name.clone();
            Box::new(move |session: &DeviceSession| {
                let now = (session.clock)();
                session.note_in_visit(&customer, now, |visit| {
                    visit.actions.push(super::cases::VisitActionView::new(
                        now,
                        "attachment_printed",
                        name.clone(),
                        print::VisitAction::AttachmentPrinted { name },
                    ));
                });
            }) as super::printing::AfterPrint
        });
        self.save_copy_then(&described.name, &content, to_printer, noted)
    }

    /// Sends in the consenting customer's name (a consent to communicate; online): to
    /// institutions only, by the e-address rules the server checks. Noted in the visit.
    pub async fn send_for_customer(&self, request: ComposeMessage) -> Result<serde_json::Value, SessionError> {
        let consent = self
            .consent()
            .await
            .ok_or_else(|| invalid(ErrorCode::NoConsent, "the customer's consent is not in force"))?;
        let case = match request.case_id {
            Some(id) => Some(
                self.store
                    .case(id)?
                    .ok_or_else(|| invalid(ErrorCode::CaseUnknown, format!("there is no case {id}")))?,
            ),
            None => None,
        };
        let (attachments, files) = self.gather_attachments(&request, case.as_ref())?;
        // From a citizen (a natural person) to institutions: checked here first, then again by
        // the server, which may still refuse it.
        let mut recipients = Vec::with_capacity(request.recipients.len());
        for raw in &request.recipients {
            let address =
                EAddress::parse(raw).map_err(|e| invalid(ErrorCode::RecipientInvalid, format!("{raw}: {e}")))?;
            recipients.push((address, AccountKind::Institution));
        }
        check_message(AccountKind::Natural, &recipients, &request.subject, &request.body, &attachments)
            .map_err(|e| invalid(ErrorCode::named(&format!("message_{}", e.field())), e.to_string()))?;
        let (client, credentials, token) = self.person_call()?;
        for (sha256, content) in files {
            client.upload_attachment(&credentials, &sha256, content).await?;
        }
        let body = serde_json::json!({
            "id": Uuid::now_v7(),
            "recipients": request.recipients,
            "subject": request.subject.trim(),
            "body": request.body,
            "case_number": case.as_ref().map(|c| c.number.to_string()),
            "attachments": attachments,
            "in_reply_to": request.in_reply_to,
        });
        let sent: serde_json::Value = client
            .send_as_person(
                reqwest::Method::POST,
                &credentials,
                &token,
                &format!("/v1/eaddress/mailboxes/{}/messages", consent.mailbox),
                Some(&body),
            )
            .await?;
        if let Some(customer) = consent_customer(&consent) {
            let now = (self.clock)();
            let subject = request.subject.trim().to_owned();
            self.note_in_visit(&customer, now, |visit| {
                visit.actions.push(super::cases::VisitActionView::new(
                    now,
                    "document_sent",
                    subject.clone(),
                    print::VisitAction::DocumentSent { document: subject },
                ));
            });
        }
        Ok(sent)
    }

    /// Who accessed the consenting customer's mailbox, to show them at the desk.
    pub async fn consent_accesses(&self) -> Result<Vec<crate::protocol::AccessDto>, SessionError> {
        let consent = self
            .consent()
            .await
            .ok_or_else(|| invalid(ErrorCode::NoConsent, "the customer's consent is not in force"))?;
        let (client, credentials, token) = self.person_call()?;
        Ok(client
            .get_as_person(&credentials, &token, &format!("/v1/eaddress/mailboxes/{}/accesses", consent.mailbox))
            .await?)
    }

    /// Ends the consent (the visit ended, the customer asked, the card left).
    pub async fn end_consent(&self) -> Result<(), SessionError> {
        let Some(consent) = self.consent.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take() else {
            return Ok(());
        };
        self.delete_as_person(&format!("/v1/eaddress/consents/{}", consent.id)).await?;
        tracing::info!(consent = %consent.id, "consent ended");
        Ok(())
    }
}

/// The customer a consent is from, as the visit knows customers.
fn consent_customer(consent: &ActiveConsent) -> Option<domain::case::Customer> {
    let address = EAddress::parse(&consent.mailbox).ok()?;
    let code = domain::PersonalCode::parse(address.owner()).ok()?;
    Some(domain::case::Customer::Natural { personal_code: code, name: String::new() })
}

fn view_of(
    id: Uuid,
    entry: &MessageEntry,
    created_at: DateTime<Utc>,
    state: &'static str,
    refused: Option<String>,
    refused_code: Option<String>,
) -> QueuedMessageView {
    QueuedMessageView {
        id,
        recipients: entry.recipients.clone(),
        recipient_names: entry.recipients.clone(),
        subject: entry.subject.clone(),
        case_id: entry.case_id,
        case_number: entry.case_number.clone(),
        attachments: entry.attachments.iter().map(|a| a.name.clone()).collect(),
        created_at,
        state,
        refused,
        refused_code,
        deliveries: Vec::new(),
    }
}
