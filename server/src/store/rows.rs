//! The rows the store reads and writes, shared by both backends.

use std::fmt;

use chrono::{DateTime, Utc};
use domain::{Centre, DeviceKind};
use uuid::Uuid;

use super::*;

/// A centre to create.
#[derive(Debug, Clone)]
pub struct NewCentre {
    pub id: Uuid,
    pub name: String,
    pub municipality: String,
    /// Checked with `domain::CentreCode`.
    pub code: String,
    pub created_at: DateTime<Utc>,
}

/// Desk numbers are two digits in case numbers.
pub const MAX_DESKS_PER_CENTRE: u8 = 99;

/// A release of the desk's or the kiosk's package (issue 19), as published; see [`ReleaseInfo`].
#[derive(Debug, Clone)]
pub struct NewRelease {
    /// `desk` or `kiosk`.
    pub kind: String,
    pub version: String,
    pub sha256: String,
    /// The detached minisign signature's text.
    pub signature: String,
    pub content: Vec<u8>,
    pub published_at: DateTime<Utc>,
}

/// A published release, without its content.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReleaseInfo {
    pub kind: String,
    pub version: String,
    pub sha256: String,
    pub size: u64,
    pub signature: String,
    pub published_at: DateTime<Utc>,
}

/// A device to create, waiting for its enrollment code.
#[derive(Debug, Clone)]
pub struct NewDevice {
    pub id: Uuid,
    pub centre_id: Uuid,
    pub kind: DeviceKind,
    pub name: String,
    pub enrollment_code_hash: [u8; 32],
    pub enrollment_expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

/// A device as operators see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub id: Uuid,
    pub centre: Centre,
    /// A desk's number in its centre (1–99), given when it is added; kiosks have none.
    pub desk_number: Option<u8>,
    pub kind: DeviceKind,
    pub name: String,
    pub enrollment_expires_at: DateTime<Utc>,
    pub enrolled_at: Option<DateTime<Utc>>,
    pub last_seen_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// The app version the device last said it runs (a claim, for the administrator's list).
    pub reported_version: Option<String>,
    /// How the device last said its outbox stands (a claim, as of `last_seen_at`).
    pub reported_outbox: Option<protocol::OutboxReport>,
}

/// What the server needs to authenticate a device's request.
#[derive(Clone, PartialEq, Eq)]
pub struct DeviceAuthRecord {
    pub device: Device,
    pub secret_hash: Option<[u8; 32]>,
}

impl fmt::Debug for DeviceAuthRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceAuthRecord").field("device", &self.device).finish_non_exhaustive()
    }
}

/// What a catalogue record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    Service,
    Organisation,
    Article,
    /// An e-form with every version published (`forms::FormRecord`).
    Form,
    /// A life-situation scenario of the navigator (`domain::navigator::Scenario`).
    Scenario,
}

impl RecordKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Service => "service",
            RecordKind::Organisation => "organisation",
            RecordKind::Article => "article",
            RecordKind::Form => "form",
            RecordKind::Scenario => "scenario",
        }
    }

    pub(super) fn parse(raw: &str) -> Result<Self, StoreError> {
        match raw {
            "service" => Ok(RecordKind::Service),
            "organisation" => Ok(RecordKind::Organisation),
            "article" => Ok(RecordKind::Article),
            "form" => Ok(RecordKind::Form),
            "scenario" => Ok(RecordKind::Scenario),
            other => Err(StoreError::Corrupt(format!("unknown catalogue record kind {other:?}"))),
        }
    }
}

/// An institution that publishes to the catalogue, known by its organisation IRI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Institution {
    pub id: String,
    pub name: String,
    /// May change every institution's records (the catalogue's central editors).
    pub is_central_editor: bool,
    pub created_at: DateTime<Utc>,
}

/// What the server needs to authenticate an institution's API key.
#[derive(Clone, PartialEq, Eq)]
pub struct InstitutionKeyRecord {
    pub key_id: Uuid,
    pub institution: Institution,
    pub secret_hash: [u8; 32],
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl fmt::Debug for InstitutionKeyRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InstitutionKeyRecord")
            .field("key_id", &self.key_id)
            .field("institution", &self.institution)
            .finish_non_exhaustive()
    }
}

/// One change to apply to the catalogue.
#[derive(Debug, Clone)]
pub struct RecordChange {
    pub kind: RecordKind,
    pub id: String,
    pub owner: String,
    /// The version the writer last saw (0 = it must not exist yet); `None` = whatever is there
    /// (imports by the operator).
    pub expected_version: Option<u64>,
    pub retired: bool,
    /// The record as JSON of its domain type; its `version` is set by the store.
    pub document: serde_json::Value,
    /// For articles: the services it advises on.
    pub linked_services: Vec<String>,
}

/// A catalogue record as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    pub kind: RecordKind,
    pub id: String,
    pub owner: String,
    pub version: u64,
    pub retired: bool,
    /// JSON of the domain type, `version` included.
    pub document: String,
    /// Its position in the change feed.
    pub seq: i64,
    pub changed_at: DateTime<Utc>,
}

/// An e-form submission as its holder institution takes it from the feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormSubmissionRow {
    /// Its feed position (ignored when recording).
    pub seq: i64,
    /// The outbox entry's id, which is its e-address message's too.
    pub id: Uuid,
    pub form_id: String,
    /// The institution holding the service (its IRI).
    pub holder: String,
    pub case_number: String,
    /// `application.json`.
    pub application: String,
    pub received_at: DateTime<Utc>,
}

/// A clerk's flag on an article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleFlag {
    pub id: Uuid,
    pub article_id: String,
    pub owner: String,
    pub reason: String,
    pub note: String,
    pub device_id: Uuid,
    pub centre_name: String,
    pub created_at: DateTime<Utc>,
}

/// A login challenge handed to a device (only the nonce's hash is stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginNonce {
    pub nonce_hash: [u8; 32],
    pub device_id: Uuid,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A staff role held by a person at a centre.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleGrant {
    pub personal_code: String,
    pub role: domain::Role,
    pub centre: Centre,
    pub granted_at: DateTime<Utc>,
}

/// A person logged in on a device (only the token's hash is stored).
#[derive(Clone, PartialEq, Eq)]
pub struct UserSession {
    pub token_hash: [u8; 32],
    pub device_id: Uuid,
    pub personal_code: String,
    pub given_name: String,
    pub surname: String,
    pub roles: Vec<domain::Role>,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
}

impl fmt::Debug for UserSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserSession")
            .field("device_id", &self.device_id)
            .field("roles", &self.roles)
            .field("expires_at", &self.expires_at)
            .field("ended_at", &self.ended_at)
            .finish_non_exhaustive()
    }
}

/// A case as the server keeps it (the domain case as JSON, with the columns queries need).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCase {
    pub id: Uuid,
    pub number: String,
    pub service_id: String,
    pub kind: String,
    pub channel: String,
    pub status: String,
    pub centre_id: Uuid,
    pub holder_institution: String,
    pub provider_institution: Option<String>,
    pub document: String,
    pub offline: bool,
    pub served_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The customer's personal code or registration number, for a citizen's own list.
    pub customer_code: String,
    /// The case's place in the case feed (given by the store on every write; 0 when new).
    pub change_seq: i64,
}

impl StoredCase {
    /// `case` as the store keeps it, first written at `updated_at` (its feed position is the store's).
    pub fn new(case: &domain::case::Case, offline: bool, updated_at: DateTime<Utc>) -> Result<Self, StoreError> {
        Ok(StoredCase {
            id: case.id,
            number: case.number.to_string(),
            service_id: case.service_id.clone(),
            kind: serde_name(&case.kind),
            channel: serde_name(&case.channel),
            status: serde_name(&case.status()),
            centre_id: case.centre_id,
            holder_institution: case.holder_institution.clone(),
            provider_institution: case.provider_institution.clone(),
            document: serde_json::to_string(case).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            offline,
            served_at: case.served_at,
            updated_at,
            customer_code: case.customer.code(),
            change_seq: 0,
        })
    }
}

/// The name a unit enum variant has in JSON (its column value), e.g. `vpvkac_in_person`.
pub fn serde_name<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// Whose cases a feed lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseScope {
    /// A centre's cases, for its desks.
    Centre(Uuid),
    /// Cases an institution holds or provides.
    Institution(String),
}

/// One case write from an outbox entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseWrite {
    Insert {
        entry_id: Uuid,
        case: StoredCase,
    },
    /// Replace the document and status if the case is still at `expected_status`.
    Update {
        entry_id: Uuid,
        case_id: Uuid,
        expected_status: String,
        status: String,
        document: String,
    },
}

impl CaseWrite {
    pub fn entry_id(&self) -> Uuid {
        match self {
            Self::Insert { entry_id, .. } | Self::Update { entry_id, .. } => *entry_id,
        }
    }

    pub fn case_id(&self) -> Uuid {
        match self {
            Self::Insert { case, .. } => case.id,
            Self::Update { case_id, .. } => *case_id,
        }
    }
}

/// What an outbox entry did on the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryEffect {
    Applied,
    /// The entry was applied before (a retried push): nothing happened now.
    AlreadyApplied,
}

/// A person's latest login: their name as the card gave it, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastLogin {
    pub personal_code: String,
    pub given_name: String,
    pub surname: String,
    pub at: DateTime<Utc>,
}

/// A login, failed login or logout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthEvent {
    pub at: DateTime<Utc>,
    pub kind: String,
    pub device_id: Option<Uuid>,
    pub personal_code: Option<String>,
    pub detail: String,
}

/// An e-address mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub address: String,
    pub kind: domain::eaddress::AccountKind,
    pub name: String,
    /// The institution whose API key operates it.
    pub institution_id: Option<String>,
    /// The centre whose staff work it.
    pub centre_id: Option<Uuid>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub changed_at: DateTime<Utc>,
}

/// Attachment content someone uploaded (before the message that names it), and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    pub sha256: String,
    /// `institution:<id>` or `device:<id>`.
    pub uploader: String,
    pub bytes: u64,
    pub uploaded_at: DateTime<Utc>,
}

/// What holds on to attachment content: a message naming it, or a recent upload.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ContentStanding {
    pub named: bool,
    pub last_upload: Option<DateTime<Utc>>,
}

/// A message as kept (attachments described as JSON).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    pub id: Uuid,
    pub sender: String,
    /// Who sent it: `person:<code>`, `institution:<iri>`.
    pub sent_by: String,
    pub subject: String,
    pub body: String,
    pub case_number: Option<String>,
    pub in_reply_to: Option<Uuid>,
    pub attachments: String,
    pub sent_at: DateTime<Utc>,
}

/// One recipient's copy of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub message_id: Uuid,
    pub recipient: String,
    pub delivered_at: DateTime<Utc>,
    pub notified_on: chrono::NaiveDate,
    pub read_at: Option<DateTime<Utc>>,
    pub read_by: Option<String>,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// Rights a person holds on a mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delegation {
    pub id: Uuid,
    pub mailbox: String,
    /// The delegate's personal code.
    pub delegate: String,
    pub rights: domain::eaddress::Right,
    pub granted_by: String,
    pub granted_at: DateTime<Utc>,
    pub ends_on: chrono::NaiveDate,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A person who represents a legal entity and so answers for its mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Representative {
    pub mailbox: String,
    /// Their personal code.
    pub person: String,
    /// Where the right to represent comes from (an Enterprise Register extract, a decision).
    pub source: String,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
}

/// One group of the e-address KPIs, before small counts are withheld.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryKpi {
    pub month: String,
    pub sender: String,
    pub messages: u64,
    pub deliveries: u64,
    pub read: u64,
    /// Seconds from sending to reading (nearest rank), over the read deliveries.
    pub median_seconds: Option<i64>,
    pub p90_seconds: Option<i64>,
}

/// A citizen's consent for a clerk to act on their mailbox (see migration 0008).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub id: Uuid,
    /// The clerk's personal code.
    pub agent: String,
    pub device_id: Uuid,
    pub rights: domain::eaddress::Right,
    pub minutes: u32,
    /// What the citizen's card signs (with the login origin).
    pub nonce: String,
    pub requested_at: DateTime<Utc>,
    /// The citizen who signed it.
    pub citizen: Option<String>,
    pub signed_at: Option<DateTime<Utc>>,
    pub valid_until: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
}

/// One cell of the service-provision statistics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvisionCount {
    pub month: String,
    pub service_id: String,
    pub institution: String,
    /// The client service centre's name.
    pub centre: String,
    pub channel: String,
    pub kind: String,
    pub cases: u64,
}

/// A case an institution registers for one of its own channels, as asked (the store numbers it).
#[derive(Debug, Clone)]
pub struct NewInstitutionCase {
    pub id: Uuid,
    pub institution_id: String,
    /// The institution's own id for it: a repeat with the same id is the same case.
    pub own_id: String,
    /// The institution's case code (the first part of its numbers).
    pub case_code: String,
    /// The channel's number (the second part).
    pub channel_number: u8,
    pub service_id: String,
    pub kind: String,
    pub channel: String,
    pub served_at: DateTime<Utc>,
    pub registered_at: DateTime<Utc>,
    /// The request as read (JSON).
    pub request: String,
    pub audit: crate::audit::NewAuditEntry,
}

/// A case of an institution's own channel, as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstitutionCaseRow {
    pub id: Uuid,
    pub institution_id: String,
    pub own_id: String,
    pub number: String,
    pub service_id: String,
    pub kind: String,
    pub channel: String,
    pub served_at: DateTime<Utc>,
    pub registered_at: DateTime<Utc>,
    pub request: String,
}

/// One case's times, for the waiting and service times by centre (nothing else of it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseTimes {
    /// `YYYY-MM` of serving, UTC.
    pub month: String,
    /// The centre's name.
    pub centre: String,
    /// Seconds from arriving until being served.
    pub waiting_seconds: i64,
    /// Seconds from being served until the case was registered.
    pub service_seconds: i64,
}

/// A workshop on a training server: the scenarios chosen and who made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workshop {
    pub id: Uuid,
    pub centre_id: Uuid,
    /// The series its training people's codes come from (`domain::training::training_code`).
    pub series: u32,
    /// The scenarios' ids, in the trainer's order.
    pub scenarios: Vec<String>,
    /// `person:<code>` of the trainer.
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// A seat of a workshop: its desk and its training clerk; what was done before `reset_at` does
/// not count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkshopSeat {
    pub workshop_id: Uuid,
    pub seat: u8,
    pub device_id: Uuid,
    pub clerk_code: String,
    pub reset_at: DateTime<Utc>,
}
