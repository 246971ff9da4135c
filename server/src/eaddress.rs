//! Official e-address mailboxes: who may do what with a mailbox, sending (once, by the sender's
//! message id), inboxes, reading (a read receipt for the sender), delegations, and the
//! attachments' content in an object store, addressed by its SHA-256.
//!
//! Every access to a mailbox goes through [`authorise`], and every access is recorded in the
//! audit log (in the same transaction as the change it makes, or on its own for a read).

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use domain::eaddress::{AttachmentInfo, EAddress, MessageError, Right, check_delegation, check_message};
use object_store::{ObjectStore, path::Path as ObjectPath};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::audit::NewAuditEntry;
use crate::store::{Account, Delegation, Delivery, EntryEffect, Store, StoreError, StoredMessage};

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// An institution, by its API key.
    Institution { id: String },
    /// A person logged in with their eID card on a device: a citizen at a kiosk (roles
    /// `citizen`), or staff at a desk of `centre_id`.
    Person { personal_code: String, device_id: Uuid, centre_id: Uuid, roles: Vec<domain::Role>, kiosk: bool },
}

impl Principal {
    /// As the audit log names actors.
    pub fn actor(&self) -> String {
        match self {
            Self::Institution { id } => format!("institution:{id}"),
            Self::Person { personal_code, .. } => format!("person:{personal_code}"),
        }
    }
}

/// Why a request about a mailbox was refused.
#[derive(Debug, thiserror::Error)]
pub enum MailboxError {
    /// No such mailbox, or not one the caller may see: the same answer, so addresses cannot
    /// be probed.
    #[error("there is no mailbox {0} you may use")]
    NotFound(String),
    #[error("you may read this mailbox but not {0} in it")]
    Forbidden(&'static str),
    #[error("{0}")]
    Address(#[from] domain::eaddress::EAddressError),
    #[error("{0}")]
    Message(#[from] MessageError),
    #[error("recipients: {0} has no active e-address")]
    UnknownRecipient(String),
    #[error("attachments: {0} was not uploaded (PUT it to /v1/eaddress/attachments/<sha256> first)")]
    MissingAttachment(String),
    #[error("the attachment's content does not match its SHA-256 {0}")]
    Digest(String),
    #[error("an attachment may be at most {} MB", .0 / (1024 * 1024))]
    TooLarge(u64),
    #[error("the upload did not arrive whole ({0}); send it again")]
    Body(String),
    #[error(
        "attachments uploaded in the last 24 hours that no message uses yet take {used_mb} MB of this sender's {limit_mb} MB: \
         send the messages that use them (or wait for unused ones to be removed), then upload again"
    )]
    UploadQuota { used_mb: u64, limit_mb: u64 },
    #[error("no such message in this mailbox")]
    NoMessage,
    #[error("a sent message stays in the sender's mailbox; only received messages can be deleted")]
    SentStays,
    #[error("in_reply_to: {0} is not a message this mailbox sent or received")]
    UnknownReply(Uuid),
    #[error("{0}")]
    Delegation(#[from] domain::eaddress::DelegationError),
    #[error("only the mailbox's owner may do this")]
    NotOwner,
    #[error("the attachment store failed: {0}")]
    Storage(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Attachments' content, addressed by SHA-256: written once to a temporary name and renamed
/// (the object store does that), so a reader never sees half a file.
pub struct Attachments {
    store: Arc<dyn ObjectStore>,
}

impl std::fmt::Debug for Attachments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Attachments").field("store", &self.store.to_string()).finish()
    }
}

/// Uploads are written in parts of this size (the smallest part S3 accepts but the last).
const UPLOAD_PART_BYTES: usize = 5 * 1024 * 1024;

fn object_path(sha256: &str) -> ObjectPath {
    ObjectPath::from(format!("attachments/{}/{sha256}", &sha256[..2]))
}

fn valid_digest(sha256: &str) -> bool {
    sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl Attachments {
    pub fn new(store: Arc<dyn ObjectStore>) -> Self {
        Self { store }
    }

    /// A local folder (created if missing).
    pub fn in_folder(dir: &std::path::Path) -> Result<Self, MailboxError> {
        std::fs::create_dir_all(dir).map_err(|e| MailboxError::Storage(format!("{}: {e}", dir.display())))?;
        let local = object_store::local::LocalFileSystem::new_with_prefix(dir)
            .map_err(|e| MailboxError::Storage(e.to_string()))?;
        Ok(Self::new(Arc::new(local)))
    }

    /// An S3-compatible bucket (production): `endpoint` such as `https://s3.example.lv`; plain
    /// `http://` only for a local store. Each object is written whole by one PUT, so a reader
    /// never sees half of it.
    pub fn s3(endpoint: &str, bucket: &str, region: &str, key_id: &str, secret: &str) -> Result<Self, MailboxError> {
        let store = object_store::aws::AmazonS3Builder::new()
            .with_endpoint(endpoint)
            .with_bucket_name(bucket)
            .with_region(region)
            .with_access_key_id(key_id)
            .with_secret_access_key(secret)
            .with_allow_http(endpoint.starts_with("http://"))
            .build()
            .map_err(|e| MailboxError::Storage(e.to_string()))?;
        Ok(Self::new(Arc::new(store)))
    }

    /// Stores content that must have the digest `sha256`; storing it again changes nothing.
    pub async fn put(&self, sha256: &str, content: axum::body::Bytes) -> Result<u64, MailboxError> {
        self.put_body(sha256, axum::body::Body::from(content), domain::eaddress::MAX_ATTACHMENT_BYTES).await
    }

    /// Streams `body` in, hashing it as it comes, at most `limit` bytes: it is written in parts
    /// (never held whole in memory) and appears under its digest only once all of it matched
    /// (the write is aborted otherwise). Content already kept is only hashed, not written again.
    /// Answers its size.
    pub async fn put_body(&self, sha256: &str, body: axum::body::Body, limit: u64) -> Result<u64, MailboxError> {
        use http_body_util::BodyExt;
        if !valid_digest(sha256) {
            return Err(MailboxError::Digest(sha256.to_owned()));
        }
        let mut writer = if self.exists(sha256).await? {
            None
        } else {
            let upload = self
                .store
                .put_multipart(&object_path(sha256))
                .await
                .map_err(|e| MailboxError::Storage(e.to_string()))?;
            Some(object_store::WriteMultipart::new_with_chunk_size(upload, UPLOAD_PART_BYTES))
        };
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        let mut body = body;
        let outcome = loop {
            let Some(frame) = body.frame().await else { break Ok(()) };
            let chunk = match frame {
                Ok(frame) => match frame.into_data() {
                    Ok(chunk) => chunk,
                    Err(_) => continue,
                },
                Err(error) => break Err(MailboxError::Body(error.to_string())),
            };
            size += chunk.len() as u64;
            if size > limit {
                break Err(MailboxError::TooLarge(limit));
            }
            hasher.update(&chunk);
            if let Some(writer) = writer.as_mut() {
                if let Err(error) = writer.wait_for_capacity(2).await {
                    break Err(MailboxError::Storage(error.to_string()));
                }
                writer.put(chunk);
            }
        };
        let outcome = outcome.and_then(|()| {
            if hex::encode(hasher.finalize()) == sha256 {
                Ok(size)
            } else {
                Err(MailboxError::Digest(sha256.to_owned()))
            }
        });
        match (outcome, writer) {
            (Ok(size), Some(writer)) => {
                writer.finish().await.map_err(|e| MailboxError::Storage(e.to_string()))?;
                Ok(size)
            }
            (Ok(size), None) => Ok(size),
            (Err(error), Some(writer)) => {
                if let Err(abort) = writer.abort().await {
                    tracing::warn!(error = %abort, "an unfinished attachment upload could not be cleaned up");
                }
                Err(error)
            }
            (Err(error), None) => Err(error),
        }
    }

    /// Removes content (the collector's job: only content no message names).
    pub async fn delete(&self, sha256: &str) -> Result<(), MailboxError> {
        if !valid_digest(sha256) {
            return Ok(());
        }
        match self.store.delete(&object_path(sha256)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(MailboxError::Storage(e.to_string())),
        }
    }

    pub async fn exists(&self, sha256: &str) -> Result<bool, MailboxError> {
        if !valid_digest(sha256) {
            return Ok(false);
        }
        match self.store.head(&object_path(sha256)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(MailboxError::Storage(e.to_string())),
        }
    }

    /// The content, checked against its digest on the way out.
    pub async fn get(&self, sha256: &str) -> Result<axum::body::Bytes, MailboxError> {
        if !valid_digest(sha256) {
            return Err(MailboxError::MissingAttachment(sha256.to_owned()));
        }
        let content = match self.store.get(&object_path(sha256)).await {
            Ok(found) => found.bytes().await.map_err(|e| MailboxError::Storage(e.to_string()))?,
            Err(object_store::Error::NotFound { .. }) => {
                return Err(MailboxError::MissingAttachment(sha256.to_owned()));
            }
            Err(e) => return Err(MailboxError::Storage(e.to_string())),
        };
        if hex::encode(Sha256::digest(&content)) != sha256 {
            return Err(MailboxError::Digest(sha256.to_owned()));
        }
        Ok(content)
    }
}

/// What a person holds besides their own mailbox: delegations, citizens' consents, and the
/// legal entities they represent.
#[derive(Debug, Clone, Default)]
pub struct Grants {
    pub delegations: Vec<Delegation>,
    pub consents: Vec<crate::store::Consent>,
    /// Representations in force.
    pub representing: Vec<crate::store::Representative>,
}

/// A person's delegations (on `mailbox`, or all) and consents in force (at a desk), and the
/// entities they represent (anywhere: a representative reads the entity's mail at a kiosk too;
/// not asked about a mailbox that is no legal entity's).
async fn grants_of(
    store: &dyn Store,
    principal: &Principal,
    mailbox: Option<&Account>,
    now: DateTime<Utc>,
) -> Result<Grants, StoreError> {
    let Principal::Person { personal_code, kiosk, .. } = principal else { return Ok(Grants::default()) };
    let address = mailbox.map(|m| m.address.clone());
    let representing = if mailbox.is_none_or(|m| m.kind == domain::eaddress::AccountKind::Legal) {
        store
            .representatives(address.clone(), Some(personal_code.clone()))
            .await?
            .into_iter()
            .filter(|r| r.ended_at.is_none())
            .collect()
    } else {
        Vec::new()
    };
    if *kiosk {
        return Ok(Grants { representing, ..Grants::default() });
    }
    Ok(Grants {
        delegations: store.delegations(address, Some(personal_code.clone())).await?,
        consents: store.active_consents(personal_code.clone(), now).await?,
        representing,
    })
}

/// What a caller may do with a mailbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Everything: the operating institution, or the owner at a desk.
    Full,
    /// Reading, and what else the rights held allow (a delegate may hold several delegations,
    /// a centre's staff communicate, a citizen at a kiosk only reads).
    Held { communicate: bool, delete: bool },
}

impl Access {
    fn of(right: Right) -> Self {
        Self::Held { communicate: right == Right::Communicate, delete: right == Right::Delete }
    }

    /// Both rights together (for a person holding more than one grant).
    fn and(self, other: Self) -> Self {
        match (self, other) {
            (Self::Held { communicate: c1, delete: d1 }, Self::Held { communicate: c2, delete: d2 }) => {
                Self::Held { communicate: c1 || c2, delete: d1 || d2 }
            }
            _ => Self::Full,
        }
    }

    pub fn allows(self, wanted: Right) -> bool {
        match (self, wanted) {
            (Self::Full, _) | (Self::Held { .. }, Right::Read) => true,
            (Self::Held { communicate, .. }, Right::Communicate) => communicate,
            (Self::Held { delete, .. }, Right::Delete) => delete,
        }
    }

    /// As the API names it: `full`, or the rights held joined by `+` (`read`, `communicate`,
    /// `delete`, `communicate+delete`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::Held { communicate: false, delete: false } => "read",
            Self::Held { communicate: true, delete: false } => "communicate",
            Self::Held { communicate: false, delete: true } => "delete",
            Self::Held { communicate: true, delete: true } => "communicate+delete",
        }
    }
}

/// How a caller holds rights on a mailbox: the audit names the grant a delegate or an agent
/// acted under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// The owner, the operating institution or the centre's staff.
    Own,
    Delegation(Uuid),
    /// A citizen's consent signed with their card at this desk.
    Consent(Uuid),
    /// A legal entity's representative (answers for its mailbox like an owner).
    Representative,
}

/// Every way the caller holds rights on the mailbox (none: it may not see it).
fn holdings(principal: &Principal, mailbox: &Account, grants: &Grants, now: DateTime<Utc>) -> Vec<(Access, Via)> {
    let today = domain::calendar::riga_date(now);
    if !mailbox.active {
        return Vec::new();
    }
    match principal {
        Principal::Institution { id } => {
            if mailbox.institution_id.as_deref() == Some(id) {
                vec![(Access::Full, Via::Own)]
            } else {
                Vec::new()
            }
        }
        Principal::Person { personal_code, device_id, centre_id, roles, kiosk } => {
            let own = domain::PersonalCode::parse(personal_code)
                .is_ok_and(|code| EAddress::private(&code).to_string() == mailbox.address);
            if own {
                // At a kiosk the inbox is read-only (reading marks read).
                return vec![(if *kiosk { Access::of(Right::Read) } else { Access::Full }, Via::Own)];
            }
            let represents = mailbox.kind == domain::eaddress::AccountKind::Legal
                && grants.representing.iter().any(|r| r.mailbox == mailbox.address && &r.person == personal_code);
            if represents {
                return vec![(if *kiosk { Access::of(Right::Read) } else { Access::Full }, Via::Representative)];
            }
            let staff =
                roles.iter().any(|r| matches!(r, domain::Role::Clerk | domain::Role::Librarian | domain::Role::Admin));
            if !kiosk && staff && mailbox.centre_id == Some(*centre_id) {
                return vec![(Access::of(Right::Communicate), Via::Own)];
            }
            if *kiosk {
                return Vec::new();
            }
            // A citizen's consent signed with their card at this desk, still in force.
            let consented = grants
                .consents
                .iter()
                .filter(|c| &c.agent == personal_code && c.device_id == *device_id && c.ended_at.is_none())
                .filter(|c| c.valid_until.is_some_and(|until| until > now))
                .filter(|c| {
                    c.citizen
                        .as_deref()
                        .and_then(|code| domain::PersonalCode::parse(code).ok())
                        .is_some_and(|code| EAddress::private(&code).to_string() == mailbox.address)
                })
                .map(|c| (Access::of(c.rights), Via::Consent(c.id)));
            grants
                .delegations
                .iter()
                .filter(|d| d.mailbox == mailbox.address && &d.delegate == personal_code)
                .filter(|d| d.revoked_at.is_none() && d.ends_on >= today)
                .map(|d| (Access::of(d.rights), Via::Delegation(d.id)))
                .chain(consented)
                .collect()
        }
    }
}

/// What the caller may do with a mailbox: `None` when nothing at all.
pub fn rights_on(principal: &Principal, mailbox: &Account, grants: &Grants, now: DateTime<Utc>) -> Option<Access> {
    holdings(principal, mailbox, grants, now).into_iter().map(|(access, _)| access).reduce(Access::and)
}

/// Whether `principal` owns the mailbox (may delegate and see who accessed it).
fn owns(principal: &Principal, mailbox: &Account) -> bool {
    match principal {
        Principal::Institution { id } => mailbox.institution_id.as_deref() == Some(id),
        Principal::Person { personal_code, kiosk: _, .. } => domain::PersonalCode::parse(personal_code)
            .is_ok_and(|code| EAddress::private(&code).to_string() == mailbox.address),
    }
}

/// A mailbox the caller may use for what it asked, and the grant it holds that for.
#[derive(Debug, Clone)]
pub struct Authorised {
    pub mailbox: Account,
    pub via: Via,
}

impl std::ops::Deref for Authorised {
    type Target = Account;
    fn deref(&self) -> &Account {
        &self.mailbox
    }
}

impl Authorised {
    /// Whether the caller answers for the mailbox (may delegate it and see who accessed it):
    /// its owner, its operating institution, or a legal entity's representative.
    pub fn answered_for_by(&self, principal: &Principal) -> bool {
        self.via == Via::Representative || owns(principal, &self.mailbox)
    }

    /// The audit entry of an action on this mailbox, naming the delegation or consent it was
    /// done under.
    pub fn audit(
        &self,
        now: DateTime<Utc>,
        principal: &Principal,
        action: &str,
        detail: impl std::fmt::Display,
    ) -> NewAuditEntry {
        let detail = match self.via {
            Via::Own => detail.to_string(),
            Via::Delegation(id) => format!("{detail} (delegation {id})"),
            Via::Consent(id) => format!("{detail} (consent {id})"),
            Via::Representative => format!("{detail} (representative)"),
        };
        NewAuditEntry::new(now, principal.actor(), action, self.mailbox.address.clone(), detail)
    }
}

/// The mailbox, if the caller holds `wanted` on it (or a right that allows it).
pub async fn authorise(
    store: &dyn Store,
    principal: &Principal,
    address: &str,
    wanted: Right,
    now: DateTime<Utc>,
) -> Result<Authorised, MailboxError> {
    let address = EAddress::parse(address).map_err(|_| MailboxError::NotFound(address.to_owned()))?.to_string();
    let Some(mailbox) = store.accounts(vec![address.clone()]).await?.pop() else {
        return Err(MailboxError::NotFound(address));
    };
    let grants = grants_of(store, principal, Some(&mailbox), now).await?;
    let held = holdings(principal, &mailbox, &grants, now);
    if held.is_empty() {
        return Err(MailboxError::NotFound(address));
    }
    match held.into_iter().find(|(access, _)| access.allows(wanted)) {
        Some((_, via)) => Ok(Authorised { mailbox, via }),
        None => Err(MailboxError::Forbidden(match wanted {
            Right::Communicate => "send",
            Right::Delete => "delete",
            Right::Read => "read",
        })),
    }
}

/// A message as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct MessageView {
    pub id: Uuid,
    pub sender: String,
    /// The sending mailbox's name (an institution's, a centre's, a person's), as the
    /// e-address accounts hold it; the address when the account is unknown.
    pub sender_name: String,
    pub subject: String,
    pub body: String,
    pub case_number: Option<String>,
    pub in_reply_to: Option<Uuid>,
    #[schema(value_type = Vec<Object>)]
    pub attachments: Vec<AttachmentInfo>,
    pub sent_at: DateTime<Utc>,
    /// Each recipient's state (for the sender; a recipient sees only its own).
    pub deliveries: Vec<DeliveryView>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct DeliveryView {
    pub recipient: String,
    /// The recipient mailbox's name, as the accounts hold it (the address when unknown).
    pub recipient_name: String,
    /// `delivered`, `notified` (deemed, from the second working day) or `read`.
    pub state: String,
    pub delivered_at: DateTime<Utc>,
    pub notified_on: NaiveDate,
    pub read_at: Option<DateTime<Utc>>,
}

fn delivery_view(delivery: &Delivery, today: NaiveDate) -> DeliveryView {
    let state = if delivery.read_at.is_some() {
        "read"
    } else if today >= delivery.notified_on {
        "notified"
    } else {
        "delivered"
    };
    DeliveryView {
        recipient: delivery.recipient.clone(),
        recipient_name: delivery.recipient.clone(),
        state: state.into(),
        delivered_at: delivery.delivered_at,
        notified_on: delivery.notified_on,
        read_at: delivery.read_at,
    }
}

/// Names each view's sender and recipients from the accounts (one look-up for the page).
async fn name_senders(store: &dyn Store, mut views: Vec<MessageView>) -> Result<Vec<MessageView>, MailboxError> {
    let mut addresses: Vec<String> = views
        .iter()
        .flat_map(|v| std::iter::once(v.sender.clone()).chain(v.deliveries.iter().map(|d| d.recipient.clone())))
        .collect();
    addresses.sort();
    addresses.dedup();
    let names: std::collections::HashMap<String, String> = store
        .accounts(addresses)
        .await?
        .into_iter()
        .filter(|a| !a.name.trim().is_empty())
        .map(|a| (a.address, a.name))
        .collect();
    for view in &mut views {
        if let Some(name) = names.get(&view.sender) {
            view.sender_name = name.clone();
        }
        for delivery in &mut view.deliveries {
            if let Some(name) = names.get(&delivery.recipient) {
                delivery.recipient_name = name.clone();
            }
        }
    }
    Ok(views)
}

async fn name_sender(store: &dyn Store, view: MessageView) -> Result<MessageView, MailboxError> {
    Ok(name_senders(store, vec![view]).await?.pop().expect("one in, one out"))
}

fn message_view(message: &StoredMessage, deliveries: &[Delivery], today: NaiveDate) -> Result<MessageView, StoreError> {
    Ok(MessageView {
        id: message.id,
        sender: message.sender.clone(),
        sender_name: message.sender.clone(),
        subject: message.subject.clone(),
        body: message.body.clone(),
        case_number: message.case_number.clone(),
        in_reply_to: message.in_reply_to,
        attachments: serde_json::from_str(&message.attachments).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        sent_at: message.sent_at,
        deliveries: deliveries.iter().map(|d| delivery_view(d, today)).collect(),
    })
}

/// A message to send.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMessage {
    /// Made by the sender: sending the same id again changes nothing.
    pub id: Uuid,
    pub recipients: Vec<String>,
    pub subject: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub case_number: Option<String>,
    #[serde(default)]
    pub in_reply_to: Option<Uuid>,
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub attachments: Vec<AttachmentInfo>,
}

/// Sends from `from` (the caller must hold `communicate` on it). Recipients must have active
/// mailboxes; attachments must be uploaded. Answers whether it was new.
pub async fn send(
    store: &dyn Store,
    attachments: &Attachments,
    calendar: &domain::calendar::WorkingCalendar,
    principal: &Principal,
    from: &str,
    message: NewMessage,
    now: DateTime<Utc>,
) -> Result<(MessageView, bool), MailboxError> {
    let today = domain::calendar::riga_date(now);
    let sender = authorise(store, principal, from, Right::Communicate, now).await?;
    let mut recipients = Vec::with_capacity(message.recipients.len());
    for raw in &message.recipients {
        recipients.push(EAddress::parse(raw).map_err(|_| MailboxError::UnknownRecipient(raw.clone()))?.to_string());
    }
    let known = store.accounts(recipients.clone()).await?;
    let mut kinds = Vec::with_capacity(recipients.len());
    for address in &recipients {
        let account = known
            .iter()
            .find(|a| &a.address == address && a.active)
            .ok_or_else(|| MailboxError::UnknownRecipient(address.clone()))?;
        kinds.push((EAddress::parse(address)?, account.kind));
    }

    check_message(sender.kind, &kinds, &message.subject, &message.body, &message.attachments)?;
    // An answer names a message of this mailbox: never another mailbox's (nothing to probe).
    if let Some(answered) = message.in_reply_to {
        let ours = store.message(answered).await?.is_some_and(|(m, deliveries)| {
            m.sender == sender.address || deliveries.iter().any(|d| d.recipient == sender.address)
        });
        if !ours {
            return Err(MailboxError::UnknownReply(answered));
        }
    }
    for attachment in &message.attachments {
        if !crate::uploads::nameable(store, attachments, &attachment.sha256, now).await? {
            return Err(MailboxError::MissingAttachment(attachment.name.clone()));
        }
    }
    let notified_on = calendar.deemed_notified(now);
    let stored = StoredMessage {
        id: message.id,
        sender: sender.address.clone(),
        sent_by: principal.actor(),
        subject: message.subject.trim().to_owned(),
        body: message.body,
        case_number: message.case_number,
        in_reply_to: message.in_reply_to,
        attachments: serde_json::to_string(&message.attachments).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        sent_at: now,
    };
    let deliveries: Vec<Delivery> = recipients
        .iter()
        .map(|recipient| Delivery {
            message_id: message.id,
            recipient: recipient.clone(),
            delivered_at: now,
            notified_on,
            read_at: None,
            read_by: None,
            deleted_at: None,
        })
        .collect();
    let audit = sender.audit(now, principal, "message_sent", format!("{} to {}", message.id, recipients.join(" ")));
    let effect = store.send_message(stored, deliveries, audit).await?;
    let (kept, kept_deliveries) = store.message(message.id).await?.ok_or(MailboxError::NoMessage)?;
    if kept.sender != sender.address {
        // The id was taken by another sender's message: never show it here.
        return Err(MailboxError::NoMessage);
    }
    Ok((name_sender(store, message_view(&kept, &kept_deliveries, today)?).await?, effect == EntryEffect::Applied))
}

/// A mailbox's inbox, newest first (`before`: the last item of the previous page).
pub async fn inbox(
    store: &dyn Store,
    principal: &Principal,
    address: &str,
    before: Option<(DateTime<Utc>, Uuid)>,
    limit: u32,
    now: DateTime<Utc>,
) -> Result<Vec<MessageView>, MailboxError> {
    let today = domain::calendar::riga_date(now);
    let mailbox = authorise(store, principal, address, Right::Read, now).await?;
    let items = store.inbox(mailbox.address.clone(), before, limit.clamp(1, 200)).await?;
    crate::audit::record(store, mailbox.audit(now, principal, "inbox_listed", format!("{} messages", items.len())))
        .await?;
    let views = items
        .iter()
        .map(|(m, d)| message_view(m, std::slice::from_ref(d), today))
        .collect::<Result<Vec<_>, StoreError>>()?;
    name_senders(store, views).await
}

/// Messages a mailbox sent, newest first, with every recipient's state (`before`: the
/// `sent_at` and id of the last item of the previous page).
pub async fn sent(
    store: &dyn Store,
    principal: &Principal,
    address: &str,
    before: Option<(DateTime<Utc>, Uuid)>,
    limit: u32,
    now: DateTime<Utc>,
) -> Result<Vec<MessageView>, MailboxError> {
    let today = domain::calendar::riga_date(now);
    let mailbox = authorise(store, principal, address, Right::Read, now).await?;
    let mut views = Vec::new();
    for message in store.sent_messages(mailbox.address.clone(), before, limit.clamp(1, 200)).await? {
        let (_, deliveries) = store.message(message.id).await?.ok_or(MailboxError::NoMessage)?;
        views.push(message_view(&message, &deliveries, today)?);
    }
    crate::audit::record(store, mailbox.audit(now, principal, "sent_listed", format!("{} messages", views.len())))
        .await?;
    name_senders(store, views).await
}

/// Opens a message in a mailbox (as a recipient: marks it read, which the sender sees; as the
/// sender: with every recipient's state).
pub async fn open(
    store: &dyn Store,
    principal: &Principal,
    address: &str,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<MessageView, MailboxError> {
    let today = domain::calendar::riga_date(now);
    let mailbox = authorise(store, principal, address, Right::Read, now).await?;
    let (message, deliveries) = store.message(id).await?.ok_or(MailboxError::NoMessage)?;
    if message.sender == mailbox.address {
        crate::audit::record(store, mailbox.audit(now, principal, "message_opened", id.to_string())).await?;
        return name_sender(store, message_view(&message, &deliveries, today)?).await;
    }
    let Some(own) = deliveries.iter().find(|d| d.recipient == mailbox.address && d.deleted_at.is_none()) else {
        return Err(MailboxError::NoMessage);
    };
    let audit = mailbox.audit(now, principal, "message_opened", id.to_string());
    store.mark_read(id, mailbox.address.clone(), principal.actor(), now, audit).await?;
    let mut own = own.clone();
    if own.read_at.is_none() {
        own.read_at = Some(now);
    }
    name_sender(store, message_view(&message, &[own], today)?).await
}

/// An attachment of a message the mailbox sent or received, checked against its digest.
pub async fn attachment(
    store: &dyn Store,
    attachments: &Attachments,
    principal: &Principal,
    address: &str,
    id: Uuid,
    index: usize,
    now: DateTime<Utc>,
) -> Result<(AttachmentInfo, axum::body::Bytes), MailboxError> {
    let mailbox = authorise(store, principal, address, Right::Read, now).await?;
    let (message, deliveries) = store.message(id).await?.ok_or(MailboxError::NoMessage)?;
    let involved = message.sender == mailbox.address
        || deliveries.iter().any(|d| d.recipient == mailbox.address && d.deleted_at.is_none());
    if !involved {
        return Err(MailboxError::NoMessage);
    }
    let described: Vec<AttachmentInfo> =
        serde_json::from_str(&message.attachments).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let info = described.get(index).cloned().ok_or(MailboxError::NoMessage)?;
    let content = attachments.get(&info.sha256).await?;
    crate::audit::record(store, mailbox.audit(now, principal, "attachment_opened", format!("{id} #{index}"))).await?;
    Ok((info, content))
}

/// A delegation the owner asks for.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDelegation {
    /// The delegate's personal code.
    pub delegate: String,
    #[schema(value_type = String)]
    pub rights: Right,
    pub ends_on: NaiveDate,
}

/// The owner grants a person rights on their mailbox.
pub async fn delegate(
    store: &dyn Store,
    principal: &Principal,
    address: &str,
    request: NewDelegation,
    now: DateTime<Utc>,
) -> Result<Delegation, MailboxError> {
    let today = domain::calendar::riga_date(now);
    let mailbox = authorise(store, principal, address, Right::Read, now).await?;
    if !mailbox.answered_for_by(principal) {
        return Err(MailboxError::NotOwner);
    }
    let delegate = domain::PersonalCode::parse(&request.delegate)
        .map_err(|_| MailboxError::Delegation(domain::eaddress::DelegationError::ToSelf))
        .and_then(|code| {
            check_delegation(&EAddress::parse(&mailbox.address)?, &code, request.rights, request.ends_on, today)?;
            Ok(code)
        })?;
    let delegation = Delegation {
        id: Uuid::now_v7(),
        mailbox: mailbox.address.clone(),
        delegate: delegate.to_string(),
        rights: request.rights,
        granted_by: principal.actor(),
        granted_at: now,
        ends_on: request.ends_on,
        revoked_at: None,
    };
    let audit = mailbox.audit(
        now,
        principal,
        "delegation_granted",
        format!("{} {} until {}", delegation.delegate, request.rights.as_str(), request.ends_on),
    );
    store.add_delegation(delegation.clone(), audit).await?;
    Ok(delegation)
}

/// The owner ends a delegation.
pub async fn revoke(
    store: &dyn Store,
    principal: &Principal,
    address: &str,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, MailboxError> {
    let mailbox = authorise(store, principal, address, Right::Read, now).await?;
    if !mailbox.answered_for_by(principal) {
        return Err(MailboxError::NotOwner);
    }
    let ours = store.delegations(Some(mailbox.address.clone()), None).await?.iter().any(|d| d.id == id);
    if !ours {
        return Err(MailboxError::NoMessage);
    }
    let audit = mailbox.audit(now, principal, "delegation_revoked", id.to_string());
    Ok(store.revoke_delegation(id, now, audit).await?)
}

/// Why a representation could not be recorded.
#[derive(Debug, thiserror::Error)]
pub enum RepresentativeError {
    #[error("there is no mailbox {0} (add it with `eaddress add`)")]
    UnknownMailbox(String),
    #[error("{0} is not a legal entity's mailbox: only companies and organisations have representatives")]
    NotLegal(String),
    #[error("the personal code is not valid: {0}")]
    PersonalCode(#[from] domain::PersonalCodeError),
    #[error("say where the right to represent comes from (an Enterprise Register extract, a decision)")]
    NoSource,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Records (by the operator, from the Enterprise Register) that `person` represents the legal
/// entity whose mailbox is `address`: they then answer for it (read it, grant its employees
/// delegations, see who accessed it). Audited as `representative_recorded`.
pub async fn record_representative(
    store: &dyn Store,
    address: &str,
    person: &str,
    source: &str,
    now: DateTime<Utc>,
) -> Result<crate::store::Representative, RepresentativeError> {
    let person = domain::PersonalCode::parse(person)?;
    if source.trim().is_empty() {
        return Err(RepresentativeError::NoSource);
    }
    let parsed = EAddress::parse(address).map_err(|_| RepresentativeError::UnknownMailbox(address.to_owned()))?;
    let Some(account) = store.accounts(vec![parsed.to_string()]).await?.pop() else {
        return Err(RepresentativeError::UnknownMailbox(parsed.to_string()));
    };
    if account.kind != domain::eaddress::AccountKind::Legal {
        return Err(RepresentativeError::NotLegal(account.address));
    }
    let representative = crate::store::Representative {
        mailbox: account.address.clone(),
        person: person.to_string(),
        source: source.trim().to_owned(),
        recorded_by: "operator".into(),
        recorded_at: now,
        ended_at: None,
    };
    let audit = NewAuditEntry::new(
        now,
        "operator",
        "representative_recorded",
        account.address,
        format!("{person} ({})", representative.source),
    );
    store.put_representative(representative.clone(), audit).await?;
    Ok(representative)
}

/// Ends a representation (the register says the person no longer represents the entity);
/// `false` when none was in force. Their delegations to employees stay until revoked.
pub async fn end_representative(
    store: &dyn Store,
    address: &str,
    person: &str,
    now: DateTime<Utc>,
) -> Result<bool, RepresentativeError> {
    let person = domain::PersonalCode::parse(person)?;
    let parsed = EAddress::parse(address).map_err(|_| RepresentativeError::UnknownMailbox(address.to_owned()))?;
    let audit = NewAuditEntry::new(now, "operator", "representative_ended", parsed.to_string(), person.to_string());
    Ok(store.end_representative(parsed.to_string(), person.to_string(), now, audit).await?)
}

/// The delegations in force on the owner's mailbox (not revoked, not past their end date),
/// soonest ending first. The owner's looking is audited like any other access.
pub async fn delegations_of(
    store: &dyn Store,
    principal: &Principal,
    address: &str,
    now: DateTime<Utc>,
) -> Result<Vec<Delegation>, MailboxError> {
    let mailbox = authorise(store, principal, address, Right::Read, now).await?;
    if !mailbox.answered_for_by(principal) {
        return Err(MailboxError::NotOwner);
    }
    let today = domain::calendar::riga_date(now);
    let mut in_force: Vec<Delegation> = store
        .delegations(Some(mailbox.address.clone()), None)
        .await?
        .into_iter()
        .filter(|d| d.revoked_at.is_none() && d.ends_on >= today)
        .collect();
    in_force.sort_by_key(|d| (d.ends_on, d.granted_at));
    store.append_audit(mailbox.audit(now, principal, "delegations_listed", in_force.len())).await?;
    Ok(in_force)
}

/// How many audit entries one page of a mailbox's accesses holds.
pub const ACCESSES_PAGE: u32 = 200;

/// One access to a mailbox as its owner is shown it.
#[derive(Debug, Clone)]
pub struct MailboxAccess {
    pub entry: crate::audit::AuditEntry,
    /// The actor in words: an institution's name; for a clerk acting under the owner's consent,
    /// the centre they work at; else the person's personal code.
    pub who: String,
    pub basis: AccessBasis,
}

/// On what ground the actor acted on the mailbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccessBasis {
    /// The mailbox's own holder (a person, an institution, a centre's staff).
    Own,
    /// A delegate, under a delegation the owner (or an operator for a company) granted.
    Delegation,
    /// A clerk at a desk, under the consent the owner signed with their card (and the owner's
    /// own giving of it).
    Consent,
    /// The server's operator (delegations recorded from the command line).
    Operator,
    /// A legal entity's representative.
    Representative,
}

/// The basis of an audit entry about a mailbox, read from the shapes its detail is written in:
/// `… (consent <id>)` / `… (delegation <id>)` (see [`Authorised::audit`]), `<id>: …` for
/// `consent_given`, `<id>` for `consent_ended`.
fn basis_of(entry: &crate::audit::AuditEntry) -> (AccessBasis, Option<Uuid>) {
    let suffix = |marker: &str| {
        entry.detail.strip_suffix(')').and_then(|d| d.rsplit_once(marker)).and_then(|(_, id)| Uuid::parse_str(id).ok())
    };
    if let Some(id) = suffix(" (consent ") {
        return (AccessBasis::Consent, Some(id));
    }
    if suffix(" (delegation ").is_some() {
        return (AccessBasis::Delegation, None);
    }
    if entry.detail.ends_with(" (representative)") {
        return (AccessBasis::Representative, None);
    }
    let leading_id = match entry.action.as_str() {
        "consent_given" => entry.detail.split_once(':').and_then(|(id, _)| Uuid::parse_str(id).ok()),
        "consent_ended" => Uuid::parse_str(&entry.detail).ok(),
        _ => None,
    };
    if leading_id.is_some() {
        return (AccessBasis::Consent, leading_id);
    }
    if entry.actor == "operator" || entry.actor.starts_with("operator for ") {
        return (AccessBasis::Operator, None);
    }
    (AccessBasis::Own, None)
}

/// Who accessed the owner's mailbox and when: the audit log's entries about it before
/// `before` (a sequence number; the newest when `None`), one page, newest last, each with the
/// actor named and the basis they acted on. For the owner, or shown to them at a desk under
/// their consent.
pub async fn accesses(
    store: &dyn Store,
    principal: &Principal,
    address: &str,
    before: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Vec<MailboxAccess>, MailboxError> {
    let mailbox = authorise(store, principal, address, Right::Read, now).await?;
    // The owner, a clerk with the owner at the desk under the owner's signed consent, or the
    // centre's administrator for the centre's own mailbox.
    let centre_admin = matches!(principal, Principal::Person { centre_id, roles, kiosk: false, .. }
        if mailbox.centre_id == Some(*centre_id) && roles.contains(&domain::Role::Admin));
    if !mailbox.answered_for_by(principal) && !matches!(mailbox.via, Via::Consent(_)) && !centre_admin {
        return Err(MailboxError::NotOwner);
    }
    let mut page = store.audit_entries_about(mailbox.address.clone(), before, ACCESSES_PAGE).await?;
    page.reverse();
    let institutions: std::collections::HashMap<String, String> =
        if page.iter().any(|e| e.actor.starts_with("institution:")) {
            store.list_institutions().await?.into_iter().map(|i| (i.id, i.name)).collect()
        } else {
            Default::default()
        };
    // A consent's clerk is named by the centre of the desk it was given at (looked up once each).
    let mut centres: std::collections::HashMap<Uuid, Option<String>> = Default::default();
    let mut accesses = Vec::with_capacity(page.len());
    for entry in page {
        let (basis, consent) = basis_of(&entry);
        let who = match entry.actor.split_once(':') {
            Some(("institution", id)) => institutions.get(id).cloned().unwrap_or_else(|| id.to_owned()),
            Some(("person", code)) => {
                let centre = match consent {
                    Some(id) if entry.action != "consent_given" => {
                        if let std::collections::hash_map::Entry::Vacant(slot) = centres.entry(id) {
                            let centre = match store.consent(id).await? {
                                Some(consent) => {
                                    store.device_auth_record(consent.device_id).await?.map(|r| r.device.centre.name)
                                }
                                None => None,
                            };
                            slot.insert(centre);
                        }
                        centres[&id].clone()
                    }
                    _ => None,
                };
                centre.unwrap_or_else(|| code.to_owned())
            }
            _ => entry.actor.clone(),
        };
        accesses.push(MailboxAccess { entry, who, basis });
    }
    Ok(accesses)
}

/// A recipient (the owner, or a delegate with the right to delete) removes a received message
/// from the mailbox. The sender's copy, the read receipt and the audit stay; a sent message
/// stays in the sender's mailbox. Deleting it again answers as the first time (retry-safe).
pub async fn delete(
    store: &dyn Store,
    principal: &Principal,
    address: &str,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), MailboxError> {
    let mailbox = authorise(store, principal, address, Right::Delete, now).await?;
    let (message, deliveries) = store.message(id).await?.ok_or(MailboxError::NoMessage)?;
    let Some(own) = deliveries.iter().find(|d| d.recipient == mailbox.address) else {
        return Err(if message.sender == mailbox.address { MailboxError::SentStays } else { MailboxError::NoMessage });
    };
    if own.deleted_at.is_some() {
        return Ok(());
    }
    let audit = mailbox.audit(now, principal, "message_deleted", id);
    store.delete_delivery(id, mailbox.address.clone(), now, audit).await?;
    Ok(())
}

/// The mailboxes the caller may use, with the right it holds on each.
pub async fn my_mailboxes(
    store: &dyn Store,
    principal: &Principal,
    now: DateTime<Utc>,
) -> Result<Vec<(Account, Access)>, MailboxError> {
    let grants = grants_of(store, principal, None, now).await?;
    let mut candidates = match principal {
        Principal::Institution { id } => store.operated_accounts(Some(id.clone()), None).await?,
        Principal::Person { personal_code, centre_id, kiosk, .. } => {
            let mut addresses = Vec::new();
            if let Ok(code) = domain::PersonalCode::parse(personal_code) {
                addresses.push(EAddress::private(&code).to_string());
            }
            addresses.extend(grants.representing.iter().map(|r| r.mailbox.clone()));
            if !kiosk {
                addresses.extend(grants.delegations.iter().map(|d| d.mailbox.clone()));
                for consent in &grants.consents {
                    if let Some(code) = consent.citizen.as_deref().and_then(|c| domain::PersonalCode::parse(c).ok()) {
                        addresses.push(EAddress::private(&code).to_string());
                    }
                }
            }
            let mut accounts = store.accounts(addresses).await?;
            if !kiosk {
                accounts.extend(store.operated_accounts(None, Some(*centre_id)).await?);
            }
            accounts
        }
    };
    candidates.sort_by(|a, b| a.address.cmp(&b.address));
    candidates.dedup_by(|a, b| a.address == b.address);
    let mut usable = Vec::new();
    for account in candidates {
        if let Some(right) = rights_on(principal, &account, &grants, now) {
            usable.push((account, right));
        }
    }
    Ok(usable)
}

/// Applies a desk's `message_send` outbox entry made by `author` (proven, staff at the desk's
/// centre): the message goes from the centre's mailbox, or from a citizen's under a consent that
/// citizen signed at this very device and that is still in force — never from the author's own
/// mailbox, a company's they represent or one delegated to them: those are for the person, not
/// for a desk's outbox. Sent under the entry's id, once. Store failures fail the push (the desk
/// sends it again); everything else is answered.
pub async fn apply_message_entry(
    store: &dyn Store,
    attachments: &Attachments,
    calendar: &domain::calendar::WorkingCalendar,
    device: &crate::store::Device,
    author: &crate::authorship::ProvenAuthor,
    entry: protocol::OutboxEntryDto,
    now: DateTime<Utc>,
) -> Result<protocol::OutboxResult, StoreError> {
    use protocol::{OutboxResult, rejection_codes as codes};
    let rejected = |code: &str, reason: String| OutboxResult {
        id: entry.id,
        outcome: "rejected".into(),
        reason: Some(reason),
        code: Some(code.to_owned()),
    };
    let message: protocol::MessageEntry = match serde_json::from_value(entry.payload.clone()) {
        Ok(message) => message,
        Err(error) => return Ok(rejected(codes::UNREADABLE, format!("the message cannot be read: {error}"))),
    };
    if message.composed_by != author.personal_code {
        return Ok(rejected(
            codes::AUTHOR_UNPROVEN,
            "the message names another composer than the person whose login made it".into(),
        ));
    }
    let principal = Principal::Person {
        personal_code: author.personal_code.clone(),
        device_id: device.id,
        centre_id: device.centre.id,
        roles: author.roles.clone(),
        kiosk: false,
    };
    // No mailbox named: the desk's centre's own.
    let from = if message.from.trim().is_empty() {
        match store.operated_accounts(None, Some(device.centre.id)).await?.into_iter().next() {
            Some(mailbox) => mailbox.address,
            None => return Ok(rejected(codes::NOT_ALLOWED, "this centre has no e-address mailbox yet".into())),
        }
    } else {
        message.from.clone()
    };
    match authorise(store, &principal, &from, Right::Communicate, now).await {
        Ok(sender) => {
            let centres = sender.via == Via::Own && sender.mailbox.centre_id == Some(device.centre.id);
            if !centres && !matches!(sender.via, Via::Consent(_)) {
                return Ok(rejected(
                    codes::NOT_ALLOWED,
                    format!(
                        "a desk sends from its centre's mailbox, or in a citizen's name under their consent at this desk; not from {from}"
                    ),
                ));
            }
        }
        Err(MailboxError::Store(error)) => return Err(error),
        Err(error) => return Ok(rejected(codes::NOT_ALLOWED, error.to_string())),
    }
    let new = NewMessage {
        id: entry.id,
        recipients: message.recipients,
        subject: message.subject,
        body: message.body,
        case_number: message.case_number,
        in_reply_to: message.in_reply_to,
        attachments: message.attachments,
    };
    let outcome = match send(store, attachments, calendar, &principal, &from, new, now).await {
        Ok((_, true)) => OutboxResult { id: entry.id, outcome: "applied".into(), reason: None, code: None },
        Ok((_, false)) => OutboxResult { id: entry.id, outcome: "duplicate".into(), reason: None, code: None },
        Err(MailboxError::Store(error)) => return Err(error),
        Err(MailboxError::Storage(error)) => return Err(StoreError::Unavailable(error)),
        Err(error @ (MailboxError::NotFound(_) | MailboxError::Forbidden(_) | MailboxError::NotOwner)) => {
            rejected(codes::NOT_ALLOWED, error.to_string())
        }
        Err(error @ (MailboxError::UnknownRecipient(_) | MailboxError::Address(_))) => {
            rejected(codes::UNKNOWN_RECIPIENT, error.to_string())
        }
        Err(error @ (MailboxError::MissingAttachment(_) | MailboxError::Digest(_))) => {
            rejected(codes::MISSING_ATTACHMENT, error.to_string())
        }
        Err(error) => rejected(codes::MESSAGE_INVALID, error.to_string()),
    };
    Ok(outcome)
}

/// How many messages wait unread in the mailboxes of the device's centre (a count only: no
/// sender, subject or content reaches a device this way).
pub async fn unread_for_device(store: &dyn Store, device: &crate::store::Device) -> Result<u64, StoreError> {
    let centre_boxes: Vec<String> =
        store.operated_accounts(None, Some(device.centre.id)).await?.into_iter().map(|a| a.address).collect();
    if centre_boxes.is_empty() {
        return Ok(0);
    }
    store.unread_count(centre_boxes).await
}

/// How messages the device's centre sent stand: each recipient's state. Ids of other messages
/// are left out of the answer.
pub async fn states_for_device(
    store: &dyn Store,
    device: &crate::store::Device,
    ids: &[Uuid],
    now: DateTime<Utc>,
) -> Result<Vec<protocol::MessageStateDto>, StoreError> {
    let today = domain::calendar::riga_date(now);
    let centre_boxes: Vec<String> =
        store.operated_accounts(None, Some(device.centre.id)).await?.into_iter().map(|a| a.address).collect();
    let mut states = Vec::new();
    for id in ids {
        let Some((message, deliveries)) = store.message(*id).await? else { continue };
        if !centre_boxes.contains(&message.sender) {
            continue;
        }
        states.push(protocol::MessageStateDto {
            id: *id,
            deliveries: deliveries
                .iter()
                .map(|d| {
                    let view = delivery_view(d, today);
                    protocol::DeliveryStateDto {
                        recipient: view.recipient,
                        recipient_name: String::new(),
                        state: view.state,
                        notified_on: view.notified_on,
                        read_at: view.read_at,
                    }
                })
                .collect(),
        });
    }
    Ok(states)
}

/// What a citizen is asked to sign at the desk.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ConsentChallenge {
    pub id: Uuid,
    /// Sign `hash(origin) ‖ hash(nonce)` with the citizen's card, as for a login.
    pub origin: String,
    pub nonce: String,
    /// What the citizen agrees to, in Latvian and English, to show before they type their PIN.
    pub text_lv: String,
    pub text_en: String,
    /// Sign before this.
    pub sign_before: DateTime<Utc>,
}

/// A consent the clerk asks for.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentRequest {
    /// `read` (their mailbox with them) or `communicate` (also send in their name).
    #[schema(value_type = String)]
    pub rights: Right,
    /// How long it lasts once signed (1 to 240 minutes).
    pub minutes: u32,
}

/// Why a consent was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConsentError {
    #[error("only staff at a desk ask for a citizen's consent")]
    NotStaff,
    #[error("a consent is for reading or for sending, for 1 to 240 minutes")]
    Invalid,
    #[error("no such consent waiting to be signed, or it was asked at another desk")]
    Unknown,
    #[error("the consent waited too long: ask again")]
    Expired,
    #[error("the signature is not the citizen's own valid card signature: {0}")]
    Signature(#[from] crate::login::LoginError),
    #[error("a clerk cannot consent for themselves")]
    OwnConsent,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How long a citizen has to sign after the clerk asked.
const CONSENT_SIGN_MINUTES: i64 = 5;

/// The clerk asks the citizen at the desk for consent: the nonce their card will sign binds the
/// consent's content (who, what, how long) and a random part.
pub async fn request_consent(
    store: &dyn Store,
    login: &crate::login::Login,
    principal: &Principal,
    agent_name: &str,
    request: ConsentRequest,
    now: DateTime<Utc>,
) -> Result<ConsentChallenge, ConsentError> {
    let Principal::Person { personal_code, device_id, roles, kiosk: false, .. } = principal else {
        return Err(ConsentError::NotStaff);
    };
    if !roles.iter().any(|r| matches!(r, domain::Role::Clerk | domain::Role::Librarian)) {
        return Err(ConsentError::NotStaff);
    }
    if request.rights == Right::Delete || !(1..=240).contains(&request.minutes) {
        return Err(ConsentError::Invalid);
    }
    let mut random = [0u8; 32];
    getrandom::fill(&mut random).map_err(|e| StoreError::Unavailable(e.to_string()))?;
    let id = Uuid::now_v7();
    let content = format!(
        "pietura-consent-v1|{id}|{personal_code}|{}|{}|{}",
        request.rights.as_str(),
        request.minutes,
        hex::encode(random)
    );
    use base64::Engine;
    let nonce = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(content.as_bytes()));
    store
        .add_consent(crate::store::Consent {
            id,
            agent: personal_code.clone(),
            device_id: *device_id,
            rights: request.rights,
            minutes: request.minutes,
            nonce: nonce.clone(),
            requested_at: now,
            citizen: None,
            signed_at: None,
            valid_until: None,
            ended_at: None,
        })
        .await?;
    let (what_lv, what_en) = match request.rights {
        Right::Read => ("lasīt manu e-adreses pastkastīti kopā ar mani", "read my e-address mailbox with me"),
        _ => (
            "lasīt manu e-adreses pastkastīti un sūtīt vēstules manā vārdā",
            "read my e-address mailbox and send messages in my name",
        ),
    };
    Ok(ConsentChallenge {
        id,
        origin: login.origin().to_owned(),
        nonce,
        text_lv: format!("Es atļauju {agent_name} ({personal_code}) {what_lv} {} minūtes.", request.minutes),
        text_en: format!("I allow {agent_name} ({personal_code}) to {what_en} for {} minutes.", request.minutes),
        sign_before: now + chrono::Duration::minutes(CONSENT_SIGN_MINUTES),
    })
}

/// The citizen's card signed: the signature is checked like a login's, the signer becomes the
/// citizen, and the consent is in force for its minutes (audited as given by the citizen).
pub async fn confirm_consent(
    store: &dyn Store,
    login: &crate::login::Login,
    principal: &Principal,
    id: Uuid,
    token: &str,
    now: DateTime<Utc>,
) -> Result<(String, DateTime<Utc>), ConsentError> {
    let Principal::Person { personal_code, device_id, kiosk: false, .. } = principal else {
        return Err(ConsentError::NotStaff);
    };
    let consent = store.consent(id).await?.ok_or(ConsentError::Unknown)?;
    if &consent.agent != personal_code
        || consent.device_id != *device_id
        || consent.signed_at.is_some()
        || consent.ended_at.is_some()
    {
        return Err(ConsentError::Unknown);
    }
    if now > consent.requested_at + chrono::Duration::minutes(CONSENT_SIGN_MINUTES) {
        return Err(ConsentError::Expired);
    }
    let (citizen, _, _) = login.verify_signed(token, &consent.nonce, now).await?;
    if &citizen.to_string() == personal_code {
        return Err(ConsentError::OwnConsent);
    }
    let mailbox = EAddress::private(&citizen).to_string();
    let valid_until = now + chrono::Duration::minutes(i64::from(consent.minutes));
    let audit = NewAuditEntry::new(
        now,
        format!("person:{citizen}"),
        "consent_given",
        mailbox.clone(),
        format!("{id}: {} may {} until {}", consent.agent, consent.rights.as_str(), valid_until.to_rfc3339()),
    );
    if !store.sign_consent(id, citizen.to_string(), now, valid_until, audit).await? {
        return Err(ConsentError::Unknown);
    }
    Ok((mailbox, valid_until))
}

/// The desk ends a consent (the citizen's card left, the visit ended).
pub async fn end_consent(
    store: &dyn Store,
    principal: &Principal,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, ConsentError> {
    let Principal::Person { personal_code, .. } = principal else { return Err(ConsentError::NotStaff) };
    let consent = store.consent(id).await?.ok_or(ConsentError::Unknown)?;
    if &consent.agent != personal_code {
        return Err(ConsentError::Unknown);
    }
    let subject = consent
        .citizen
        .as_deref()
        .and_then(|c| domain::PersonalCode::parse(c).ok())
        .map(|c| EAddress::private(&c).to_string())
        .unwrap_or_default();
    let audit = NewAuditEntry::new(now, principal.actor(), "consent_ended", subject, id.to_string());
    Ok(store.end_consent(id, now, audit).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(actor: &str, action: &str, detail: &str) -> crate::audit::AuditEntry {
        crate::audit::AuditEntry {
            seq: 1,
            at: DateTime::UNIX_EPOCH,
            actor: actor.into(),
            action: action.into(),
            subject: "_PRIVATE@32123456789".into(),
            detail: detail.into(),
            prev_hash: [0; 32],
            hash: [0; 32],
        }
    }

    #[test]
    fn the_basis_of_an_access_is_read_from_the_shapes_its_detail_is_written_in() {
        let id = Uuid::now_v7();
        let basis = |actor: &str, action: &str, detail: &str| basis_of(&entry(actor, action, detail));
        assert_eq!(basis("person:1", "inbox_listed", &format!(" (consent {id})")), (AccessBasis::Consent, Some(id)));
        assert_eq!(
            basis("person:1", "message_opened", &format!("{id} (delegation {id})")),
            (AccessBasis::Delegation, None)
        );
        assert_eq!(
            basis("person:1", "consent_given", &format!("{id}: 1 may read until …")),
            (AccessBasis::Consent, Some(id))
        );
        assert_eq!(basis("person:1", "consent_ended", &id.to_string()), (AccessBasis::Consent, Some(id)));
        assert_eq!(basis("operator", "delegation_granted", "1 read until 2027-01-01"), (AccessBasis::Operator, None));
        // Anything else (a message id, words that only look like a marker) is the holder's own.
        assert_eq!(basis("person:1", "message_opened", &id.to_string()), (AccessBasis::Own, None));
        assert_eq!(basis("person:1", "message_opened", "x (consent not-an-id)"), (AccessBasis::Own, None));
        assert_eq!(basis("institution:x", "consent_given", "no id: here"), (AccessBasis::Own, None));
    }
}
