//! Wire types of the sync protocol, version [`PROTOCOL_VERSION`]. No I/O happens here.
//!
//! Every request and every response carries the version in the [`PROTOCOL_HEADER`] header.
//! Devices authenticate with `Authorization: Bearer <device id>.<device secret>`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use domain::{Centre, DeviceKind};

/// The protocol version this build speaks. Bump it for any change an older peer would misread.
pub const PROTOCOL_VERSION: u32 = 1;
/// The header that carries the protocol version on every request and response.
pub const PROTOCOL_HEADER: &str = "pietura-protocol";

pub const ENROLL_PATH: &str = "/v1/devices/enroll";
pub const HELLO_PATH: &str = "/v1/sync/hello";

/// A peer spoke another protocol version, or none.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    #[error(
        "the other side did not say which protocol version it speaks (header {PROTOCOL_HEADER}); it is probably not a Pietura server"
    )]
    Missing,
    #[error("the protocol version header {0:?} is not a number")]
    Malformed(String),
    #[error("the other side speaks sync protocol {theirs}, this program speaks {ours}: update the older of the two")]
    Mismatch { ours: u32, theirs: u32 },
}

/// Checks the protocol version header a peer sent.
pub fn check_version(header: Option<&str>) -> Result<(), VersionError> {
    let raw = header.ok_or(VersionError::Missing)?;
    let theirs: u32 = raw.trim().parse().map_err(|_| VersionError::Malformed(raw.to_owned()))?;
    if theirs == PROTOCOL_VERSION { Ok(()) } else { Err(VersionError::Mismatch { ours: PROTOCOL_VERSION, theirs }) }
}

/// A device's credentials as they travel in the `Authorization` header.
#[derive(Clone, PartialEq, Eq)]
pub struct DeviceCredentials {
    pub device_id: Uuid,
    pub secret: String,
}

impl std::fmt::Debug for DeviceCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceCredentials").field("device_id", &self.device_id).field("secret", &"<redacted>").finish()
    }
}

impl DeviceCredentials {
    pub fn authorization_header(&self) -> String {
        format!("Bearer {}.{}", self.device_id, self.secret)
    }

    /// Reads `Bearer <uuid>.<secret>`; `None` for anything else.
    pub fn from_authorization_header(value: &str) -> Option<Self> {
        let token = value.strip_prefix("Bearer ")?.trim();
        let (id, secret) = token.split_once('.')?;
        let device_id = Uuid::parse_str(id).ok()?;
        if secret.is_empty() || secret.len() > 256 {
            return None;
        }
        Some(Self { device_id, secret: secret.to_owned() })
    }
}

/// `POST /v1/devices/enroll`: exchange a one-time enrollment code for device credentials.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EnrollRequest {
    /// The code as the operator printed it, e.g. `7KQ2-M9XD`; case and dashes do not matter.
    pub enrollment_code: String,
}

/// The answer to a successful enrollment. The secret is shown once and never again.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrollResponse {
    pub device_id: Uuid,
    /// A long random secret; the device keeps it in the OS keyring.
    pub device_secret: String,
    pub device_name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "desk"))]
    pub kind: DeviceKind,
    #[cfg_attr(feature = "openapi", schema(value_type = CentreDto))]
    pub centre: Centre,
    /// A desk's number in its centre (1–99), the second part of its case numbers; kiosks have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desk_number: Option<u8>,
}

impl std::fmt::Debug for EnrollResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnrollResponse")
            .field("device_id", &self.device_id)
            .field("device_secret", &"<redacted>")
            .field("device_name", &self.device_name)
            .field("kind", &self.kind)
            .field("centre", &self.centre)
            .field("desk_number", &self.desk_number)
            .finish()
    }
}

/// `GET /v1/sync/hello`: who the server thinks this device is, and what time it is there.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HelloResponse {
    pub protocol_version: u32,
    pub server_time: DateTime<Utc>,
    pub device_id: Uuid,
    pub device_name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = CentreDto))]
    pub centre: Centre,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desk_number: Option<u8>,
    /// A release of this device's program newer than the one it runs (issue 19), when the
    /// centre's operator has published one. The device checks the signature against the key it
    /// was installed with before it installs anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update: Option<UpdateOffer>,
}

/// `GET /v1/sync/releases/{sha256}`: a release's package, for the devices of its kind.
pub const RELEASE_PATH: &str = "/v1/sync/releases/{sha256}";

/// A release offered to a device in the hello.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateOffer {
    /// The release's version, e.g. `0.1.1`.
    pub version: String,
    /// SHA-256 of the package, lowercase hex: also where it is downloaded from (`RELEASE_PATH`).
    pub sha256: String,
    /// The package's size in bytes.
    pub size: u64,
    /// The detached minisign signature of the package (the `.minisig` file's text), made with the
    /// project's offline release key.
    pub signature: String,
}

/// The schema of [`Centre`] as documented in OpenAPI (domain stays free of utoipa).
#[cfg(feature = "openapi")]
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct CentreDto {
    pub id: Uuid,
    pub name: String,
    pub municipality: String,
    /// 2–4 capital letters or digits that start the centre's case numbers, e.g. `RCV`.
    pub code: String,
}

/// Every error response: a stable machine-readable code, a message for people, and the field
/// at fault for validation errors.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every validation problem, each with the path of its field (422).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<ProblemDto>,
}

/// One validation problem: the field's path (`costs[0].currency`) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProblemDto {
    pub path: String,
    pub problem: String,
}

/// `GET` the catalogue's change feed (device credentials), `?after=<position>&limit=<n>`.
pub const CATALOGUE_FEED_PATH: &str = "/v1/sync/catalogue";
/// The whole catalogue as a device keeps it (a gzip'd SQLite file), for first syncs.
pub const CATALOGUE_SNAPSHOT_PATH: &str = "/v1/sync/catalogue/snapshot";
/// The feed position a snapshot covers (a response header).
pub const SNAPSHOT_POSITION_HEADER: &str = "pietura-snapshot-position";
/// The records a snapshot holds (a response header).
pub const SNAPSHOT_RECORDS_HEADER: &str = "pietura-snapshot-records";
/// The most records one feed page carries.
pub const MAX_FEED_PAGE: u32 = 5_000;

/// What a catalogue record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CatalogueKind {
    Service,
    Organisation,
    Article,
    /// An e-form with every version published.
    Form,
    /// A life-situation scenario of the navigator.
    Scenario,
}

/// One record of the change feed, at its latest version. A retired record is a tombstone: the
/// device removes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CatalogueRecordDto {
    pub kind: CatalogueKind,
    pub id: String,
    pub version: u64,
    pub retired: bool,
    /// Its position in the feed; the next page starts after the last one.
    pub seq: i64,
    /// JSON of the domain type (`domain::catalogue::{PublicService, PublicOrganisation, Article}`,
    /// `forms::FormRecord`).
    pub document: String,
}

/// A page of the change feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CataloguePage {
    pub records: Vec<CatalogueRecordDto>,
    /// The newest position when the page was read: the device is up to date once its cursor
    /// reaches it.
    pub head: i64,
}

/// `POST /v1/catalogue/articles/{id}/flags`: a clerk tells the owner an article needs work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FlagRequest {
    /// `outdated`, `missing_information` or `other`.
    pub reason: String,
    #[serde(default)]
    pub note: String,
}

/// Where devices push their outbox (cases and their status changes).
pub const OUTBOX_PATH: &str = "/v1/sync/outbox";
/// Entries one push may carry.
pub const MAX_OUTBOX_BATCH: usize = 200;

/// One thing a device tells the server, under the id the server applies exactly once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutboxEntryDto {
    pub id: Uuid,
    /// `case_registered` (payload: the case), `case_status` (payload: `case_id`, `change` and
    /// `from`, the status the desk saw) or `case_note` (payload: `case_id` and `note`).
    pub kind: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub payload: serde_json::Value,
    /// Made while logged in without the server.
    pub offline: bool,
    /// Who made it, as the server can check: without it the entry is refused
    /// ([`rejection_codes::AUTHOR_UNPROVEN`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<EntryAuthor>,
}

/// Proof of who made an outbox entry. The payload's own names (a case's actor, a message's
/// composer) are claims; the server believes them only when they match the person proven here,
/// and only for staff of the pushing desk's centre.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum EntryAuthor {
    /// Made in an online session on this device: the session's reference
    /// ([`session_reference`], hex), which names the session without being able to use it.
    Session { session: String },
    /// Made in a session unlocked offline: the card's own signature at the unlock, bound to the
    /// device and the moment by [`offline_unlock_nonce`].
    OfflineUnlock {
        /// The Web eID token the card made (certificate, algorithm, signature), JSON.
        token: String,
        unlocked_at: DateTime<Utc>,
        /// Random, hex, chosen by the device at the unlock.
        salt: String,
    },
}

/// The origin an offline unlock is signed for: never a server's, so such a signature can never
/// be replayed as an online login.
pub const OFFLINE_UNLOCK_ORIGIN: &str = "https://offline-unlock.pietura.invalid";

/// How the server stores and finds a session: SHA-256 over a domain prefix and the token. Not
/// a credential: the server accepts only the token itself for acting as the person.
pub fn session_token_hash(token: &str) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::new().chain_update(b"pietura-session:").chain_update(token).finalize().into()
}

/// A session's reference as [`EntryAuthor::Session`] carries it (hex of [`session_token_hash`]).
pub fn session_reference(token: &str) -> String {
    session_token_hash(token).iter().map(|b| format!("{b:02x}")).collect()
}

/// The challenge a card signs to unlock `device_id` offline at `unlocked_at`: the server
/// recomputes it from the pushing device's own id, so a record from one desk proves nothing
/// at another.
pub fn offline_unlock_nonce(device_id: Uuid, unlocked_at: DateTime<Utc>, salt: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::new()
        .chain_update(b"pietura-offline-unlock:")
        .chain_update(device_id.as_bytes())
        .chain_update(unlocked_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
        .chain_update(b":")
        .chain_update(salt)
        .finalize();
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutboxPush {
    pub entries: Vec<OutboxEntryDto>,
}

/// What became of one entry: `applied`, `duplicate` (applied before; done all the same),
/// `rejected` (invalid: set it aside with the reason; retrying cannot help) or `deferred` (nothing
/// done yet because something outside the server did not answer, e.g. a CA's OCSP responder:
/// send it again later).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutboxResult {
    pub id: Uuid,
    pub outcome: String,
    pub reason: Option<String>,
    /// For `rejected`: what was wrong, as a code the desk translates (see [`rejection_codes`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// Why the server rejects an outbox entry.
pub mod rejection_codes {
    /// The payload cannot be read as what its kind says.
    pub const UNREADABLE: &str = "unreadable";
    /// The entry names a person from the other side of the line between the real service and
    /// training (a training person at the real server, a real one at a training server).
    pub const ENVIRONMENT_CROSSING: &str = super::error_codes::ENVIRONMENT_CROSSING;
    /// An entry of a kind this server does not know.
    pub const UNKNOWN_KIND: &str = "unknown_kind";
    /// The case number is taken by another case.
    pub const NUMBER_TAKEN: &str = "number_taken";
    /// The case names another centre than the device's.
    pub const OTHER_CENTRE: &str = "other_centre";
    /// The service is not (or no longer) in the catalogue.
    pub const UNKNOWN_SERVICE: &str = "unknown_service";
    /// The case the entry is about is not on the server.
    pub const UNKNOWN_CASE: &str = "unknown_case";
    /// The case's rules refuse it (an impossible status change, a note too long…).
    pub const CASE_RULES: &str = "case_rules";
    /// The case moved on meanwhile; its current state comes down with the case feed.
    pub const CASE_MOVED_ON: &str = "case_moved_on";
    /// The message breaks the e-address rules (subject, attachments' types or sizes, …).
    pub const MESSAGE_INVALID: &str = "message_invalid";
    /// A recipient has no active e-address.
    pub const UNKNOWN_RECIPIENT: &str = "unknown_recipient";
    /// The person who wrote the message may not send from that mailbox (no longer staff there).
    pub const NOT_ALLOWED: &str = "not_allowed";
    /// An attachment's content never reached the server.
    pub const MISSING_ATTACHMENT: &str = "missing_attachment";
    /// The entry does not prove who made it (no author, an unknown session, a session of
    /// another device or person, an offline unlock that does not verify).
    pub const AUTHOR_UNPROVEN: &str = "author_unproven";
    /// The person who made it holds no staff role at the desk's centre (now).
    pub const NOT_STAFF: &str = "not_staff";
    /// An e-form submission's data does not pass its form version (the reason names the field),
    /// or names a form version that was never published.
    pub const FORM_INVALID: &str = "form_invalid";
    /// The form asks for the applicant's signature and the submission's PDF carries none, or one
    /// that does not verify (changed after signing, another document, other data embedded).
    pub const SIGNATURE_INVALID: &str = "signature_invalid";
    /// The signature's certificate is not a trusted eID signing certificate valid when it signed.
    pub const SIGNATURE_UNTRUSTED: &str = "signature_untrusted";
    /// The person who signed is not the applicant.
    pub const SIGNER_NOT_APPLICANT: &str = "signer_not_applicant";
    /// The signing certificate's CA says it is revoked (the card was lost or replaced).
    pub const SIGNATURE_REVOKED: &str = "signature_revoked";
}

/// `PUT` an e-address attachment's content, by its SHA-256 (hex).
pub const ATTACHMENT_PATH: &str = "/v1/eaddress/attachments";
/// `GET` the e-address catalogue (institutions' addresses).
pub const DIRECTORY_PATH: &str = "/v1/eaddress/directory";

/// `POST` the states of messages a desk sent (device credentials).
pub const MESSAGE_STATES_PATH: &str = "/v1/sync/message-states";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageStatesRequest {
    /// At most 200 message ids.
    pub ids: Vec<Uuid>,
}

/// One recipient's state of a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeliveryStateDto {
    pub recipient: String,
    /// The recipient mailbox's name; empty where the server does not send it (message states).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub recipient_name: String,
    /// `delivered`, `notified` or `read`.
    pub state: String,
    pub notified_on: chrono::NaiveDate,
    pub read_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageStateDto {
    pub id: Uuid,
    pub deliveries: Vec<DeliveryStateDto>,
}

/// The states of the asked messages the device's centre sent (others are left out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageStates {
    pub messages: Vec<MessageStateDto>,
    /// Messages waiting unread in the device's centre's mailboxes (for the desk's E-address
    /// tab); 0 from servers before it was sent.
    #[serde(default)]
    pub unread: u64,
}

/// An e-address message as the API shows it (`/v1/eaddress/mailboxes/{address}/...`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageDto {
    pub id: Uuid,
    pub sender: String,
    /// The sending mailbox's name; empty from servers before it was sent.
    #[serde(default)]
    pub sender_name: String,
    pub subject: String,
    pub body: String,
    pub case_number: Option<String>,
    pub attachments: Vec<domain::eaddress::AttachmentInfo>,
    pub sent_at: DateTime<Utc>,
    pub deliveries: Vec<DeliveryStateDto>,
}

/// A mailbox the caller may use (`GET /v1/eaddress/mailboxes`; the directory's entries too).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MailboxDto {
    pub address: String,
    pub name: String,
    /// `natural`, `legal` or `institution`.
    pub kind: String,
    /// `full`, or what the rights held allow: `read`, `communicate`, `delete` or
    /// `communicate+delete`.
    pub rights: String,
    /// The mailbox of the centre where the caller is logged in.
    #[serde(default)]
    pub centre: bool,
}

/// A delegation on a mailbox: the delegate may use it with `rights` until the end of `ends_on`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DelegationDto {
    pub id: Uuid,
    pub mailbox: String,
    /// The delegate's personal code.
    pub delegate: String,
    /// The delegate's name, where their own e-address account names them (else empty).
    #[serde(default)]
    pub delegate_name: String,
    /// `read`, `communicate` or `delete`.
    pub rights: String,
    pub ends_on: chrono::NaiveDate,
    pub granted_at: DateTime<Utc>,
}

/// One access to a mailbox, for its owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessDto {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub detail: String,
    /// The actor in words (an institution's name, the centre of a clerk acting under the
    /// owner's consent, a person's code); empty from servers before it was sent.
    #[serde(default)]
    pub who: String,
    /// `own`, `delegation`, `consent` or `operator`; empty from servers before it was sent.
    #[serde(default)]
    pub basis: String,
}

/// A `message_send` outbox entry: a message a desk's clerk wrote, sent from the centre's
/// mailbox under the entry's id (the message id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageEntry {
    /// The mailbox it is sent from.
    pub from: String,
    /// The personal code of the clerk who wrote it.
    pub composed_by: String,
    pub recipients: Vec<String>,
    pub subject: String,
    #[serde(default)]
    pub body: String,
    /// The case it is about (shown on the case page), and its number (sent with the message).
    #[serde(default)]
    pub case_id: Option<Uuid>,
    #[serde(default)]
    pub case_number: Option<String>,
    #[serde(default)]
    pub attachments: Vec<domain::eaddress::AttachmentInfo>,
    /// The message this one answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_reply_to: Option<Uuid>,
}

/// A `form_submission` outbox entry: an e-form filled in with the applicant at a desk, sent under
/// the entry's id as one e-address message from the centre's mailbox to the institution that
/// holds the service, with the case it creates (`new_case`) or moves on (`message.case_id`).
///
/// The message's attachments are `application.json` (exactly [`forms::Application::to_bytes`]
/// of `application`), `application.pdf` and the files the data names, nothing else. The server
/// decides the recipient, the subject and the text from the catalogue and the case; the desk's
/// are its own view of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormSubmissionEntry {
    #[serde(flatten)]
    pub message: MessageEntry,
    pub application: forms::Application,
    /// The case registered with the submission (its history: the registration only), when the
    /// form was not started from a case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_case: Option<domain::case::Case>,
    /// For a form started from a case: the status the desk saw.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_from: Option<domain::case::CaseStatus>,
    pub submitted_at: DateTime<Utc>,
}

/// A submission's time as `application.json` carries it: RFC 3339, UTC, to the second.
pub fn application_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// `GET /v1/forms/{form}/submissions?after=<position>&limit=<n>` (institution key): the
/// submissions of a form the institution holds the service of.
pub const FORM_SUBMISSIONS_PATH: &str = "/v1/forms/{form}/submissions";
/// `GET /v1/forms/{form}/submissions/{id}/application.pdf` (institution key): a submission's
/// application PDF, with the applicant's signature when [`FormSubmissionDto::signed`].
pub const FORM_SUBMISSION_PDF_PATH: &str = "/v1/forms/{form}/submissions/{id}/application.pdf";

/// One submission in an institution's feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FormSubmissionDto {
    pub seq: i64,
    /// The submission's id, which is also its e-address message's id.
    pub id: Uuid,
    pub case_number: String,
    pub received_at: DateTime<Utc>,
    /// `application.json` as the message carries it.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub application: serde_json::Value,
    /// The applicant signed it (their form version asks for it): the signed PDF, with this
    /// `application.json` embedded, is at [`FORM_SUBMISSION_PDF_PATH`] (and is the second
    /// attachment of the e-address message `id`).
    #[serde(default)]
    pub signed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FormSubmissionPage {
    pub submissions: Vec<FormSubmissionDto>,
    /// The newest position when the page was read.
    pub head: i64,
}

/// `POST` (kiosk credentials and a citizen's session) a reply the citizen signed with their own
/// eID card (PIN2): a kiosk only reads mailboxes, so the server sends a reply from it only when
/// the signed PDF's embedded `reply.json` ([`SignedReply`]) says so and the mailbox's owner
/// signed it. Answers the message as sent.
pub const SIGNED_REPLIES_PATH: &str = "/v1/eaddress/signed-replies";
/// The name of a signed reply's machine-readable part, embedded in its PDF.
pub const SIGNED_REPLY_JSON: &str = "reply.json";
/// The name the signed reply's PDF carries as the message's attachment.
pub const SIGNED_REPLY_PDF: &str = "atbilde.pdf";

/// What a citizen's signed reply says, embedded in the PDF they sign: the server sends exactly
/// this and believes nothing else the kiosk sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedReply {
    /// The message's id (made by the kiosk: sending it again changes nothing).
    pub id: Uuid,
    /// The institution's message this answers, in the signer's mailbox.
    pub in_reply_to: Uuid,
    /// The signer's own mailbox.
    pub from: String,
    /// The institution's mailbox that sent `in_reply_to`.
    pub to: String,
    pub subject: String,
    pub body: String,
    /// When the citizen signed, as the kiosk's clock said (RFC 3339, to the second).
    pub signed_at: String,
}

impl SignedReply {
    /// The bytes embedded in the PDF (the fields in their order, no spaces).
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a reply is plain JSON")
    }
}

/// The signed reply, as the kiosk posts it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SignedReplyRequest {
    /// The signed PDF, base64 (standard alphabet).
    pub pdf: String,
}

/// `POST` a citizen's own e-form application, filled and signed by them at a kiosk (device
/// credentials and the citizen's session): [`OwnApplicationRequest`]. The server sends it from
/// the signer's own mailbox to the institution holding the service, reading everything from the
/// `application.json` embedded in the signed PDF. Answers the message as sent (201; 200 again).
pub const CITIZEN_FORM_SUBMISSIONS_PATH: &str = "/v1/citizen/form-submissions";

/// A citizen's own application signed at a kiosk, as the kiosk posts it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OwnApplicationRequest {
    /// The application's PDF, PAdES-signed by the applicant with `application.json` embedded,
    /// base64 (standard alphabet).
    pub pdf: String,
}

/// `GET` the case feed (device credentials: the device's centre's cases),
/// `?after=<position>&limit=<n>`.
pub const CASE_FEED_PATH: &str = "/v1/sync/cases";
/// `GET` a citizen's own cases (device credentials and a citizen's session).
pub const CITIZEN_CASES_PATH: &str = "/v1/citizen/cases";
/// The most cases one feed page carries.
pub const MAX_CASE_PAGE: u32 = 1_000;

/// A case as it stands on the server, at its place in the case feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseRecordDto {
    pub seq: i64,
    /// `domain::case::Case`, history and notes included.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub case: domain::case::Case,
}

/// A page of the case feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CasePage {
    pub cases: Vec<CaseRecordDto>,
    /// The newest position when the page was read.
    pub head: i64,
}

/// A citizen's cases, the newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CitizenCases {
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub cases: Vec<domain::case::Case>,
}

/// `POST /v1/cases/{number}/status` (institution key): move a case the institution holds or
/// provides on. `expected_status` is the status the institution last saw: a case that moved on
/// meanwhile is a conflict, and sending the same change again is answered as done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct InstitutionStatusRequest {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub status: domain::case::CaseStatus,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub expected_status: domain::case::CaseStatus,
    #[serde(default)]
    pub note: String,
}

/// A case an institution registers for one of its own channels (`POST /v1/cases`, its API key):
/// in person at the institution, by phone, post, e-mail, e-address, an e-service or its app.
/// Numbered by the server like a centre's cases (`CODE-CC-YY-NNNN`: the institution's case code,
/// the channel, the year, the sequence); sending the same `own_id` again answers the case
/// registered then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct InstitutionCaseRequest {
    /// The institution's own id for the case (1 to 100 characters).
    pub own_id: String,
    /// The catalogue service (its IRI); the institution must be one of its competent authorities.
    pub service_id: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "consultation"))]
    pub kind: domain::case::CaseKind,
    /// `institution_in_person`, `phone`, `post`, `email`, `e_address`, `e_service` or `mobile_app`.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "phone"))]
    pub channel: domain::catalogue::ChannelKind,
    /// When the customer arrived (in person), if known; not after `served_at`.
    #[serde(default)]
    pub arrived_at: Option<chrono::DateTime<chrono::Utc>>,
    /// When serving began.
    pub served_at: chrono::DateTime<chrono::Utc>,
    /// When the case was registered (now when left out); not before `served_at`, not in the future.
    #[serde(default)]
    pub registered_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The customer, if known: a personal code or a registration number, and the name.
    #[serde(default)]
    pub customer: Option<InstitutionCaseCustomer>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct InstitutionCaseCustomer {
    /// A personal code (`DDMMYY-NNNNN` or `32…`) or an 11-digit registration number.
    pub code: String,
    #[serde(default)]
    pub name: String,
}

/// An institution's own-channel case as registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InstitutionCaseRecord {
    pub id: Uuid,
    pub own_id: String,
    pub number: String,
    pub service_id: String,
    pub kind: String,
    pub channel: String,
    pub served_at: chrono::DateTime<chrono::Utc>,
    pub registered_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutboxReply {
    pub results: Vec<OutboxResult>,
}

/// The header in which a device says how its outbox stands (`pending=3; refused=1;
/// oldest=2026-12-05T09:00:00Z`), for its centre's administrator: a claim of the device's, shown
/// as such, never acted on.
pub const OUTBOX_HEADER: &str = "pietura-outbox";

/// The header in which a server says whom it serves: `production` (the real service) or
/// `training` (a workshop's sandbox). A device in training mode talks only to a training server,
/// and a device in normal mode never to one.
pub const ENVIRONMENT_HEADER: &str = "pietura-environment";

/// What a device's outbox holds, as reported in [`OUTBOX_HEADER`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutboxReport {
    /// Entries waiting to be sent.
    pub pending: u32,
    /// Entries the server refused, waiting for a clerk to see them.
    pub refused: u32,
    /// When the oldest waiting entry was made (none when nothing waits).
    pub oldest: Option<DateTime<Utc>>,
}

impl OutboxReport {
    /// The header's value.
    pub fn to_header(&self) -> String {
        let mut value = format!("pending={}; refused={}", self.pending, self.refused);
        if let Some(oldest) = self.oldest {
            value.push_str("; oldest=");
            value.push_str(&oldest.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        }
        value
    }

    /// Reads a header's value; anything but the three known fields, each at most once with a
    /// plain value, is not a report.
    pub fn parse(value: &str) -> Option<Self> {
        let (mut pending, mut refused, mut oldest) = (None, None, None);
        for part in value.split(';') {
            let (name, field) = part.trim().split_once('=')?;
            let seen = match name {
                "pending" => pending.replace(field.parse::<u32>().ok()?).is_some(),
                "refused" => refused.replace(field.parse::<u32>().ok()?).is_some(),
                "oldest" => oldest.replace(DateTime::parse_from_rfc3339(field).ok()?.with_timezone(&Utc)).is_some(),
                _ => return None,
            };
            if seen {
                return None;
            }
        }
        Some(Self { pending: pending?, refused: refused?, oldest })
    }
}

pub const LOGIN_CHALLENGE_PATH: &str = "/v1/auth/challenge";
pub const LOGIN_PATH: &str = "/v1/auth/login";
pub const SESSION_PATH: &str = "/v1/auth/session";
pub const LOGOUT_PATH: &str = "/v1/auth/logout";
/// The header that carries a person's session token, beside the device's `Authorization`.
pub const SESSION_HEADER: &str = "pietura-session";

/// A challenge for the card to sign: the Web eID nonce and the origin to sign it for.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChallengeResponse {
    pub nonce: String,
    pub origin: String,
    pub expires_at: DateTime<Utc>,
}

/// A Web eID authentication token (its JSON text, as the card session made it) and the nonce
/// it answers.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    pub token: String,
    pub nonce: String,
}

impl std::fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginRequest").finish_non_exhaustive()
    }
}

/// The person a certificate names.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonDto {
    pub personal_code: String,
    pub given_name: String,
    pub surname: String,
    pub country: String,
}

/// Who is logged in on this device and until when.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionDto {
    pub person: PersonDto,
    /// `clerk`, `librarian`, `trainer`, `admin` at this device's centre, or `citizen` at a kiosk.
    pub roles: Vec<String>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginResponse {
    /// Sent back in the `pietura-session` header; valid on this device only.
    pub session_token: String,
    pub session: SessionDto,
    /// The authentication certificate (base64 DER), which a desk pins for offline unlock.
    pub certificate: String,
}

impl std::fmt::Debug for LoginResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginResponse").field("session", &self.session).finish_non_exhaustive()
    }
}

// ---------------------------------------------------------------------------------------------
// The centre administrator (role admin at a centre, logged in at one of its desks). The centre is
// always the desk's own: no path or body names one, so an administrator cannot reach another.

/// `GET` the centre's figures: [`CentreDashboard`].
pub const ADMIN_DASHBOARD_PATH: &str = "/v1/admin/dashboard";
/// `GET` the centre's staff ([`StaffList`]); `POST` [`GrantRoleRequest`] grants a role (201).
pub const ADMIN_STAFF_PATH: &str = "/v1/admin/staff";
/// `DELETE` `/v1/admin/staff/{personal_code}/roles/{role}`: takes the role away (204), and the
/// person's sessions at the centre end.
pub const ADMIN_STAFF_ROLE_PATH: &str = "/v1/admin/staff/{personal_code}/roles/{role}";
/// `GET` the centre's devices ([`CentreDevices`]); `POST` [`NewDeviceRequest`] adds one and
/// answers its one-time enrollment code ([`DeviceEnrollmentCode`], 201).
pub const ADMIN_DEVICES_PATH: &str = "/v1/admin/devices";
/// `DELETE` `/v1/admin/devices/{id}`: revokes the device (204; it is refused from its next
/// request on). `POST` `/v1/admin/devices/{id}/code`: a new enrollment code for a device that
/// has not enrolled yet.
pub const ADMIN_DEVICE_PATH: &str = "/v1/admin/devices/{id}";
pub const ADMIN_DEVICE_CODE_PATH: &str = "/v1/admin/devices/{id}/code";

/// The scenarios a training server offers (trainers).
pub const TRAINING_SCENARIOS_PATH: &str = "/v1/training/scenarios";
/// The trainer's centre's workshops (`GET`), a new one (`POST`).
pub const TRAINING_WORKSHOPS_PATH: &str = "/v1/training/workshops";
/// One workshop with every seat's progress.
pub const TRAINING_WORKSHOP_PATH: &str = "/v1/training/workshops/{id}";
/// Starts one seat, or every seat, of a workshop again.
pub const TRAINING_RESET_PATH: &str = "/v1/training/workshops/{id}/reset";
/// A training person's card, for a training desk's in-process card reader.
pub const TRAINING_CARDS_PATH: &str = "/v1/training/cards";

/// Ask for a training person's card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TrainingCardRequest {
    pub personal_code: String,
}

/// A training person's card: its certificates and keys (the virtual card's profile, JSON) and
/// PINs. Only training servers issue them, only for their own training people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrainingCard {
    pub person: TrainingPerson,
    pub profile: String,
}

/// A workshop to open: the scenarios, in order, and how many seats.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewWorkshopRequest {
    pub scenarios: Vec<String>,
    pub seats: u8,
}

/// Start one seat (`seat`) or every seat (none) of a workshop again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    #[serde(default)]
    pub seat: Option<u8>,
}

/// A training person, as the trainee's handout names them (their training card's PINs too).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrainingPerson {
    pub personal_code: String,
    pub given_name: String,
    pub surname: String,
    pub pin1: String,
    pub pin2: String,
}

/// A seat's customer for one scenario.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeatCustomer {
    pub scenario: String,
    pub person: TrainingPerson,
    /// The relatives the scenario's story needs (a newborn son, a late father).
    #[serde(default)]
    pub relatives: Vec<SeatRelative>,
}

/// A training customer's relative, by their role in the scenario's story.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeatRelative {
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub role: domain::catalogue::Text,
    pub person: TrainingPerson,
}

/// How one step stands for a seat: `done`, `waiting`, or `wrong` with a code and the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StepProgress {
    pub step: String,
    pub state: String,
    pub code: Option<String>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScenarioProgress {
    pub scenario: String,
    pub steps: Vec<StepProgress>,
    /// Every step done.
    pub finished: bool,
}

/// A seat: its desk, its training clerk, its customers and its progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkshopSeatView {
    pub seat: u8,
    pub device_id: Uuid,
    pub device_name: String,
    pub desk_number: Option<u8>,
    /// The desk's one-time enrollment code: only in the answer that opened the workshop (the
    /// server keeps a hash); the Devices screen gives a new one.
    pub enrollment_code: Option<String>,
    pub clerk: TrainingPerson,
    pub customers: Vec<SeatCustomer>,
    pub progress: Vec<ScenarioProgress>,
    pub reset_at: DateTime<Utc>,
    /// When the seat's training clerk last logged in (none: not yet — did not attend).
    #[serde(default)]
    pub last_login_at: Option<DateTime<Utc>>,
}

/// A workshop as its trainer sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkshopView {
    pub id: Uuid,
    pub series: u32,
    pub created_at: DateTime<Utc>,
    /// The scenarios, in the trainer's order, as data (title, story, steps in LV and EN).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub scenarios: Vec<domain::training::TrainingScenario>,
    pub seats: Vec<WorkshopSeatView>,
}

/// A centre's workshops, the newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkshopList {
    pub workshops: Vec<WorkshopSummary>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkshopSummary {
    pub id: Uuid,
    pub series: u32,
    pub created_at: DateTime<Utc>,
    pub scenarios: Vec<String>,
}

/// The scenarios a training server offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrainingScenarios {
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub scenarios: Vec<domain::training::TrainingScenario>,
}

/// A count under a name: a service's IRI, a channel, a clerk's personal code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NamedCount {
    pub key: String,
    pub cases: u64,
}

/// Cases in a period, in all and by service, channel and clerk (the largest first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PeriodFigures {
    pub cases: u64,
    pub by_service: Vec<NamedCount>,
    pub by_channel: Vec<NamedCount>,
    /// By the clerk who registered the case (personal code).
    pub by_clerk: Vec<NamedCount>,
}

/// One day (in Riga) of the centre's cases: how many, and how long customers waited (arrival
/// to being served) and were served (served to the case registered), median and 90th
/// percentile in whole minutes; none on a day without cases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DayFigures {
    pub day: chrono::NaiveDate,
    pub cases: u64,
    pub waiting_median_minutes: Option<u32>,
    pub waiting_p90_minutes: Option<u32>,
    pub service_median_minutes: Option<u32>,
    pub service_p90_minutes: Option<u32>,
}

/// E-address messages the centre's staff sent in a period, and how many were read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageFigures {
    pub sent: u64,
    pub read: u64,
}

/// What a centre administrator's dashboard shows, computed by the server at `computed_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CentreDashboard {
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub centre: Centre,
    pub computed_at: DateTime<Utc>,
    /// Today and this calendar month, in Riga.
    pub today: PeriodFigures,
    pub month: PeriodFigures,
    /// The last 30 days, the oldest first, today last.
    pub days: Vec<DayFigures>,
    /// This month's messages.
    pub messages: MessageFigures,
    /// The centre's devices whose outbox holds something, as each last said (waiting entries
    /// are what a desk could not send yet; refused ones wait for a clerk to look at them).
    #[serde(default)]
    pub outboxes: Vec<DeviceOutbox>,
}

/// One device's outbox as it last reported it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceOutbox {
    pub device_id: Uuid,
    pub name: String,
    pub desk_number: Option<u8>,
    pub outbox: OutboxReport,
    /// When the device said so (its last contact).
    pub reported_at: Option<DateTime<Utc>>,
}

/// A person with roles at the centre.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffMember {
    pub personal_code: String,
    /// As their card gave it at their latest login; empty when they never logged in.
    pub name: String,
    /// Role names (`clerk`, `librarian`, `trainer`, `admin`), in that order.
    pub roles: Vec<String>,
    /// When the earliest of these roles was granted.
    pub since: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
}

/// A login, failed login or logout on one of the centre's devices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffLoginEvent {
    pub at: DateTime<Utc>,
    /// `login`, `login_failed`, `logout`, …
    pub kind: String,
    pub personal_code: Option<String>,
    pub device_name: String,
}

/// The centre's staff and the newest logins on its devices (at most 100, the newest first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffList {
    pub members: Vec<StaffMember>,
    pub logins: Vec<StaffLoginEvent>,
}

/// Grant a role at the administrator's centre.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct GrantRoleRequest {
    pub personal_code: String,
    /// `clerk`, `librarian`, `trainer` or `admin`.
    pub role: String,
}

/// A device of the centre, as its administrator sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CentreDevice {
    pub id: Uuid,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub kind: DeviceKind,
    pub name: String,
    pub desk_number: Option<u8>,
    /// `waiting` (for enrollment), `expired` (its code), `enrolled`, `revoked`.
    pub state: String,
    pub enrollment_expires_at: DateTime<Utc>,
    pub last_seen_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// The version the device last said it runs.
    pub reported_version: Option<String>,
    /// How the device last said its outbox stands (as of `last_seen_at`).
    #[serde(default)]
    pub outbox: Option<OutboxReport>,
    /// The newest version devices of the whole fleet report, when this one runs an older one.
    #[serde(default)]
    pub behind: Option<String>,
    /// Enrolled and in use, but not heard from for a day (or ever since enrolling).
    #[serde(default)]
    pub unseen: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CentreDevices {
    pub devices: Vec<CentreDevice>,
}

/// Add a device to the administrator's centre.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewDeviceRequest {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub kind: DeviceKind,
    /// A label people recognise, e.g. "Galds 3".
    pub name: String,
}

/// A device's one-time enrollment code, to type into the new device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceEnrollmentCode {
    pub device: CentreDevice,
    pub code: String,
}

/// Stable error codes the server sends and clients switch on.
pub mod error_codes {
    pub const PROTOCOL_MISMATCH: &str = "protocol_mismatch";
    /// A person from the other side of the line between the real service and training: a
    /// training person at the real server, or a real one at a training server.
    pub const ENVIRONMENT_CROSSING: &str = "environment_crossing";
    pub const UNAUTHORISED: &str = "unauthorised";
    pub const DEVICE_REVOKED: &str = "device_revoked";
    pub const ENROLLMENT_CODE_INVALID: &str = "enrollment_code_invalid";
    pub const ENROLLMENT_CODE_UNKNOWN: &str = "enrollment_code_unknown";
    pub const ENROLLMENT_CODE_EXPIRED: &str = "enrollment_code_expired";
    pub const ENROLLMENT_CODE_USED: &str = "enrollment_code_used";
    pub const VALIDATION: &str = "validation";
    pub const BAD_REQUEST: &str = "bad_request";
    pub const TOO_LARGE: &str = "too_large";
    pub const TOO_MANY_ATTEMPTS: &str = "too_many_attempts";
    /// The uploader's attachment content that no message names yet is at its quota.
    pub const UPLOAD_QUOTA: &str = "upload_quota";
    pub const NOT_FOUND: &str = "not_found";
    pub const CONFLICT: &str = "conflict";
    /// An update named a version that is no longer the current one (409).
    pub const VERSION_CONFLICT: &str = "version_conflict";
    /// The caller may not do this (403), e.g. change another institution's records.
    pub const FORBIDDEN: &str = "forbidden";
    /// A signed document's signature does not verify, or it does not carry what it should.
    pub const SIGNATURE_INVALID: &str = "signature_invalid";
    /// The signature's certificate is not a trusted eID signing certificate valid now.
    pub const SIGNATURE_UNTRUSTED: &str = "signature_untrusted";
    /// The signing certificate is revoked.
    pub const SIGNATURE_REVOKED: &str = "signature_revoked";
    /// Someone other than the mailbox's owner signed.
    pub const SIGNER_NOT_OWNER: &str = "signer_not_owner";
    /// An application does not pass its form as published (or the form is not one for this).
    pub const FORM_INVALID: &str = "form_invalid";
    /// The signing certificate's revocation status could not be learnt (503: try again later).
    pub const REVOCATION_UNKNOWN: &str = "revocation_unknown";
    pub const UNAVAILABLE: &str = "unavailable";
    pub const INTERNAL: &str = "internal";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_check_names_both_versions() {
        assert_eq!(check_version(Some("1")), Ok(()));
        assert_eq!(check_version(Some(" 1 ")), Ok(()));
        assert_eq!(check_version(None), Err(VersionError::Missing));
        assert_eq!(check_version(Some("x")), Err(VersionError::Malformed("x".into())));
        let err = check_version(Some("2")).unwrap_err();
        assert_eq!(err, VersionError::Mismatch { ours: 1, theirs: 2 });
        assert!(err.to_string().contains("update"));
    }

    #[test]
    fn credentials_round_trip_through_the_header_and_stay_out_of_debug() {
        let creds = DeviceCredentials { device_id: Uuid::now_v7(), secret: "s3cr3t".into() };
        let header = creds.authorization_header();
        assert_eq!(DeviceCredentials::from_authorization_header(&header), Some(creds.clone()));
        assert!(!format!("{creds:?}").contains("s3cr3t"));
        for bad in ["", "Bearer", "Bearer x.y", "Basic abc", "Bearer 0190b2d8-0000-7000-8000-000000000000."] {
            assert_eq!(DeviceCredentials::from_authorization_header(bad), None, "{bad}");
        }
    }

    proptest::proptest! {
        /// Any Authorization header is either refused or read back to the same credentials.
        #[test]
        fn authorization_headers_never_panic_and_round_trip(header in "\\PC{0,120}") {
            if let Some(creds) = DeviceCredentials::from_authorization_header(&header) {
                let again = DeviceCredentials::from_authorization_header(&creds.authorization_header());
                proptest::prop_assert_eq!(again, Some(creds));
            }
        }

        #[test]
        fn version_headers_never_panic(header in "\\PC{0,12}") {
            let _ = check_version(Some(&header));
        }
    }

    #[test]
    fn enroll_request_rejects_unknown_fields() {
        let err = serde_json::from_str::<EnrollRequest>(r#"{"enrollment_code":"A","x":1}"#);
        assert!(err.is_err());
    }
}

#[cfg(test)]
mod outbox_report_tests {
    use super::OutboxReport;

    #[test]
    fn an_outbox_report_goes_through_its_header_and_nothing_else_is_one() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-05T09:00:00Z").unwrap().with_timezone(&chrono::Utc);
        for report in [
            OutboxReport { pending: 3, refused: 1, oldest: Some(at) },
            OutboxReport { pending: 0, refused: 0, oldest: None },
        ] {
            assert_eq!(OutboxReport::parse(&report.to_header()), Some(report));
        }
        assert_eq!(OutboxReport::parse("refused=2;pending=0").unwrap().refused, 2);
        for bad in [
            "",
            "pending=1",
            "pending=-1; refused=0",
            "pending=1; refused=0; pending=2",
            "pending=1; refused=0; name=x",
            "pending=1; refused=0; oldest=yesterday",
            "pending=99999999999; refused=0",
        ] {
            assert_eq!(OutboxReport::parse(bad), None, "{bad:?}");
        }
    }
}
