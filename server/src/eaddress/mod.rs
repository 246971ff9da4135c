//! Official e-address mailboxes: who may do what with a mailbox, sending (once, by the sender's
//! message id), inboxes, reading (a read receipt for the sender), delegations, and the
//! attachments' content in an object store, addressed by its SHA-256.
//!
//! Every access to a mailbox goes through [`authorise`], and every access is recorded in the
//! audit log (in the same transaction as the change it makes, or on its own for a read).

mod accesses;
mod attachments;
mod authorise;
mod consent;
mod delegations;
mod device;
mod messages;
mod representatives;
mod self_service;
mod signed_replies;

use crate::audit::NewAuditEntry;
use crate::store::{Account, Delegation, Delivery, EntryEffect, Store, StoreError, StoredMessage};
use chrono::{DateTime, NaiveDate, Utc};
use domain::eaddress::{AttachmentInfo, EAddress, MessageError, Right, check_delegation, check_message};
use object_store::{ObjectStore, path::Path as ObjectPath};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use uuid::Uuid;

pub use accesses::*;
pub use attachments::*;
pub use authorise::*;
pub use consent::*;
pub use delegations::*;
pub use device::*;
pub use messages::*;
pub use representatives::*;
pub use self_service::*;
pub use signed_replies::*;

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// An institution, by its API key.
    Institution { id: String },
    /// A person logged in with their eID card on a device: a citizen at a kiosk (roles
    /// `citizen`), or staff at a desk of `centre_id`.
    Person { personal_code: String, device_id: Uuid, centre_id: Uuid, roles: Vec<domain::Role>, kiosk: bool },
    /// The server's operator at the command line, recording what a person asked for in person
    /// (their identity and standing checked at the counter): the person's rules apply — what
    /// they own or represent, nothing more — and the audit names the operator acting for them.
    Operator { for_person: String },
}

impl Principal {
    /// As the audit log names actors.
    pub fn actor(&self) -> String {
        match self {
            Self::Institution { id } => format!("institution:{id}"),
            Self::Person { personal_code, .. } => format!("person:{personal_code}"),
            Self::Operator { for_person } => format!("operator for person:{for_person}"),
        }
    }

    /// Whose rules apply: the person an operator acts for stands at no device and holds no role,
    /// so only what they own or represent is theirs.
    fn as_person(&self) -> std::borrow::Cow<'_, Principal> {
        match self {
            Self::Operator { for_person } => std::borrow::Cow::Owned(Self::Person {
                personal_code: for_person.clone(),
                device_id: Uuid::nil(),
                centre_id: Uuid::nil(),
                roles: Vec::new(),
                kiosk: false,
            }),
            other => std::borrow::Cow::Borrowed(other),
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
    #[error(
        "signed replies are sent from kiosks by the mailbox's owner; at a desk, the clerk sends with the citizen's consent"
    )]
    KioskOnly,
    /// A citizen's own application is refused (`code` is one of the API's error codes).
    #[error("{reason}")]
    Application { code: &'static str, reason: String },
    /// The signature on a signed reply is refused (`code` is one of the API's error codes).
    #[error("{reason}")]
    Signature { code: &'static str, reason: String },
    #[error("{0}; try again shortly")]
    RevocationUnknown(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}
