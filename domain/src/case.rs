//! Service cases (P_UZSK): every service provided is accounted for with a unique identifier, its
//! channel, kind and status. A case is made on the desk, possibly offline, so its id and its
//! human number are unique without asking the server.

use std::{fmt, str::FromStr};

use chrono::{DateTime, Datelike, Utc};
use uuid::Uuid;

use crate::{PersonalCode, PersonalCodeError, catalogue::ChannelKind};

/// A case number read aloud at the desk: centre code, desk number, year, sequence —
/// `RCV-03-26-0042`. Unique without the server because each desk numbers its own cases and
/// each centre has its own code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CaseNumber {
    centre: String,
    desk: u8,
    year: u16,
    sequence: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseNumberError {
    #[error("a case number looks like RCV-03-26-0042: centre code, desk, year, number")]
    Shape,
    #[error("a centre code has 2 to 4 capital letters or digits")]
    CentreCode,
    #[error("desks are numbered 1 to 99")]
    Desk,
    #[error("a desk numbers at most 9,999 cases a year")]
    Sequence,
}

impl CaseNumber {
    /// The number of the `sequence`th case (from 1) of `desk` at `centre` in `year`.
    pub fn new(centre: &str, desk: u8, year: i32, sequence: u32) -> Result<Self, CaseNumberError> {
        let centre = crate::CentreCode::parse(centre).map_err(|_| CaseNumberError::CentreCode)?.into_inner();
        if !(1..=99).contains(&desk) {
            return Err(CaseNumberError::Desk);
        }
        let sequence =
            u16::try_from(sequence).ok().filter(|s| (1..=9_999).contains(s)).ok_or(CaseNumberError::Sequence)?;
        let year = u16::try_from(year.rem_euclid(100)).map_err(|_| CaseNumberError::Shape)?;
        Ok(Self { centre, desk, year, sequence })
    }

    /// Reads a number as typed: any case, spaces or dashes between the parts, leading zeros
    /// optional.
    pub fn parse(input: &str) -> Result<Self, CaseNumberError> {
        let parts: Vec<&str> = input.split(['-', ' ', '/']).filter(|p| !p.is_empty()).collect();
        let [centre, desk, year, sequence] = parts.as_slice() else { return Err(CaseNumberError::Shape) };
        let number = |text: &str| text.parse::<u32>().map_err(|_| CaseNumberError::Shape);
        let year = number(year)?;
        if year > 99 {
            return Err(CaseNumberError::Shape);
        }
        let desk = u8::try_from(number(desk)?).map_err(|_| CaseNumberError::Desk)?;
        Self::new(centre, desk, year as i32, number(sequence)?)
    }

    pub fn sequence(&self) -> u32 {
        u32::from(self.sequence)
    }

    /// The desk that numbered the case.
    pub fn desk(&self) -> u8 {
        self.desk
    }
}

impl fmt::Display for CaseNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{:02}-{:02}-{:04}", self.centre, self.desk, self.year, self.sequence)
    }
}

impl FromStr for CaseNumber {
    type Err = CaseNumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for CaseNumber {
    type Error = CaseNumberError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<CaseNumber> for String {
    fn from(number: CaseNumber) -> Self {
        number.to_string()
    }
}

/// A Latvian registration number of a legal person (Enterprise Register, 11 digits starting
/// with 4 or 5; institutions with 9), with its check digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegistrationNumber(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RegistrationNumberError {
    #[error("a registration number has 11 digits, starting with 4, 5 or 9")]
    Shape,
    #[error("the registration number's digits do not add up: check for a typing mistake")]
    CheckDigit,
}

impl RegistrationNumber {
    pub fn parse(input: &str) -> Result<Self, RegistrationNumberError> {
        let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        let digits = digits.strip_prefix("LV").unwrap_or(&digits);
        if digits.len() != 11 || !digits.bytes().all(|b| b.is_ascii_digit()) || !matches!(&digits[..1], "4" | "5" | "9")
        {
            return Err(RegistrationNumberError::Shape);
        }
        // Weights from the VAT number rules for legal persons (python-stdnum `lv.pvn`): the
        // weighted sum is 3 modulo 11.
        const WEIGHTS: [u32; 11] = [9, 1, 4, 8, 3, 10, 2, 5, 7, 6, 1];
        let sum: u32 = digits.bytes().zip(WEIGHTS).map(|(d, w)| u32::from(d - b'0') * w).sum();
        if sum % 11 != 3 {
            return Err(RegistrationNumberError::CheckDigit);
        }
        Ok(Self(digits.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for RegistrationNumber {
    type Error = RegistrationNumberError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<RegistrationNumber> for String {
    fn from(number: RegistrationNumber) -> Self {
        number.0
    }
}

/// Who the case is for.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Customer {
    Natural { personal_code: PersonalCode, name: String },
    Legal { registration_number: RegistrationNumber, name: String },
}

impl Customer {
    /// The customer's own official e-address: a person's private mailbox, a company's main one.
    pub fn e_address(&self) -> crate::eaddress::EAddress {
        match self {
            Self::Natural { personal_code, .. } => crate::eaddress::EAddress::private(personal_code),
            Self::Legal { registration_number, .. } => crate::eaddress::EAddress::default_of(registration_number),
        }
    }

    /// `natural` or `legal`.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Self::Natural { .. } => "natural",
            Self::Legal { .. } => "legal",
        }
    }

    /// The personal code or registration number, as written.
    pub fn code(&self) -> String {
        match self {
            Self::Natural { personal_code, .. } => personal_code.to_string(),
            Self::Legal { registration_number, .. } => registration_number.as_str().to_owned(),
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Self::Natural { name, .. } | Self::Legal { name, .. } => name,
        }
    }
}

/// What the visit was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum CaseKind {
    /// Advice only: nothing is submitted.
    Consultation,
    /// An application submitted to the provider institution.
    Application,
    /// Handing over the result of an earlier application.
    ResultHandover,
}

impl CaseKind {
    pub const ALL: [CaseKind; 3] = [Self::Consultation, Self::Application, Self::ResultHandover];
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    Registered,
    Submitted,
    InProgress,
    Decided,
    ResultDelivered,
    Closed,
    Cancelled,
}

impl CaseStatus {
    pub const ALL: [CaseStatus; 7] = [
        Self::Registered,
        Self::Submitted,
        Self::InProgress,
        Self::Decided,
        Self::ResultDelivered,
        Self::Closed,
        Self::Cancelled,
    ];

    pub fn is_final(self) -> bool {
        matches!(self, Self::Closed | Self::Cancelled)
    }

    /// The statuses a case of `kind` may move to from this one.
    pub fn next(self, kind: CaseKind) -> &'static [CaseStatus] {
        use CaseStatus::*;
        match (kind, self) {
            (_, Closed | Cancelled) => &[],
            // Advice is given and done, or the visit is called off.
            (CaseKind::Consultation, Registered) => &[Closed, Cancelled],
            (CaseKind::Consultation, _) => &[],
            (CaseKind::Application, Registered) => &[Submitted, Cancelled],
            (CaseKind::Application, Submitted) => &[InProgress, Decided, Cancelled],
            (CaseKind::Application, InProgress) => &[Decided, Cancelled],
            (CaseKind::Application, Decided) => &[ResultDelivered, Closed],
            (CaseKind::Application, ResultDelivered) => &[Closed],
            (CaseKind::ResultHandover, Registered) => &[ResultDelivered, Cancelled],
            (CaseKind::ResultHandover, ResultDelivered) => &[Closed],
            (CaseKind::ResultHandover, _) => &[],
        }
    }
}

/// Who changed a case.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Actor {
    /// A clerk or librarian at a desk (`offline` when logged in without the server).
    Staff { personal_code: PersonalCode, offline: bool },
    /// The provider or holder institution, through its API key.
    Institution { id: String },
}

impl Actor {
    /// Acting in a session logged in without the server.
    pub fn is_offline(&self) -> bool {
        matches!(self, Self::Staff { offline: true, .. })
    }
}

/// One step of a case's history; the history only grows.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StatusChange {
    pub status: CaseStatus,
    pub at: DateTime<Utc>,
    pub actor: Actor,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseError {
    #[error("a {kind:?} case cannot go from {from:?} to {to:?}")]
    IllegalTransition { kind: CaseKind, from: CaseStatus, to: CaseStatus },
    #[error("a status change cannot be dated before the previous one")]
    TimeGoesBack,
    #[error("the service is missing")]
    NoService,
    #[error("the channel {0:?} is not one a case can come through")]
    Channel(ChannelKind),
    #[error("the case number's year {number} is not the year it was registered ({registered})")]
    NumberYear { number: String, registered: i32 },
    #[error("a note has at most 2,000 characters")]
    NoteTooLong,
    #[error("a note needs some text")]
    EmptyNote,
    #[error("a document must be a PDF, JPEG, PNG or TIFF file (a scan)")]
    DocumentType,
    #[error("a document may be at most 10 MB")]
    DocumentTooLarge,
    #[error("a document's name must be 1 to 200 characters")]
    DocumentName,
    #[error("a case holds at most 30 documents")]
    TooManyDocuments,
}

/// The largest document a case takes (a many-page scan fits).
pub const DOCUMENT_MAX_BYTES: u64 = 10 * 1024 * 1024;
const DOCUMENTS_MAX: usize = 30;

/// The media type of a scanned document, by its first bytes (never by its name): PDF, JPEG,
/// PNG or TIFF, or `None` for anything else.
pub fn document_media_type(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [b'%', b'P', b'D', b'F', b'-', ..] => Some("application/pdf"),
        [0xFF, 0xD8, 0xFF, ..] => Some("image/jpeg"),
        [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => Some("image/png"),
        [b'I', b'I', 0x2A, 0x00, ..] | [b'M', b'M', 0x00, 0x2A, ..] => Some("image/tiff"),
        _ => None,
    }
}

const NOTE_MAX: usize = 2_000;

/// A service case as the desk registers it and the server keeps it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Case {
    /// Made on the device (UUIDv7): the outbox's idempotency key.
    pub id: Uuid,
    pub number: CaseNumber,
    /// The catalogue service (its IRI).
    pub service_id: String,
    pub kind: CaseKind,
    pub channel: ChannelKind,
    pub customer: Customer,
    /// The institution that holds the case, and the one that provides the service if other.
    pub holder_institution: String,
    pub provider_institution: Option<String>,
    pub centre_id: Uuid,
    /// When the customer arrived, and when the clerk started serving them.
    pub arrived_at: DateTime<Utc>,
    pub served_at: DateTime<Utc>,
    pub history: Vec<StatusChange>,
    /// Notes, append-only: kept whatever happens to the status.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<CaseNote>,
    /// Documents (scans) attached at the desk: what they are; the content stays on the desk
    /// that took it, encrypted, until it is sent on (e-address).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<CaseDocument>,
}

/// A document attached to a case.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CaseDocument {
    pub id: Uuid,
    /// The file's name as the clerk chose it.
    pub name: String,
    pub media_type: String,
    pub size: u64,
    /// SHA-256 of the content, hex.
    pub sha256: String,
    pub added_at: DateTime<Utc>,
    pub actor: Actor,
}

/// A note on a case. A desk's status change that came too late (someone else moved the case on
/// meanwhile) is kept as a note with the status it meant to set.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CaseNote {
    /// Made where the note was written: notes are merged by it.
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub actor: Actor,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intended_status: Option<CaseStatus>,
}

/// What became of a desk's status change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeskChange {
    Applied,
    /// The case had moved on from the status the desk saw: the institution's status stands and
    /// the change is kept as a note.
    Superseded,
}

/// What registering a case needs from the desk.
#[derive(Debug, Clone)]
pub struct NewCase {
    pub id: Uuid,
    pub number: CaseNumber,
    pub service_id: String,
    pub kind: CaseKind,
    pub channel: ChannelKind,
    pub customer: Customer,
    pub holder_institution: String,
    pub provider_institution: Option<String>,
    pub centre_id: Uuid,
    pub arrived_at: DateTime<Utc>,
    /// When serving started (the visit's start, or the registration itself).
    pub served_at: DateTime<Utc>,
    /// When the case was registered: its first history step. Serving until then is its service
    /// time.
    pub registered_at: DateTime<Utc>,
    pub registered_by: Actor,
    pub note: String,
}

impl Case {
    pub fn register(new: NewCase) -> Result<Self, CaseError> {
        if new.service_id.trim().is_empty() {
            return Err(CaseError::NoService);
        }
        if matches!(new.channel, ChannelKind::Other(_)) {
            return Err(CaseError::Channel(new.channel));
        }
        if new.note.chars().count() > NOTE_MAX {
            return Err(CaseError::NoteTooLong);
        }
        if new.served_at < new.arrived_at || new.registered_at < new.served_at {
            return Err(CaseError::TimeGoesBack);
        }
        let registered = new.served_at.year();
        if i32::from(new.number.year) != registered.rem_euclid(100) {
            return Err(CaseError::NumberYear { number: new.number.to_string(), registered });
        }
        Ok(Self {
            id: new.id,
            number: new.number,
            service_id: new.service_id,
            kind: new.kind,
            channel: new.channel,
            customer: new.customer,
            holder_institution: new.holder_institution,
            provider_institution: new.provider_institution,
            centre_id: new.centre_id,
            arrived_at: new.arrived_at,
            served_at: new.served_at,
            history: vec![StatusChange {
                status: CaseStatus::Registered,
                at: new.registered_at,
                actor: new.registered_by,
                note: new.note,
            }],
            notes: Vec::new(),
            documents: Vec::new(),
        })
    }

    pub fn status(&self) -> CaseStatus {
        self.history.last().map_or(CaseStatus::Registered, |change| change.status)
    }

    /// Moves the case on, if its kind allows it from where it is; the history keeps every step.
    pub fn change_status(
        &mut self,
        to: CaseStatus,
        at: DateTime<Utc>,
        actor: Actor,
        note: &str,
    ) -> Result<(), CaseError> {
        let from = self.status();
        if !from.next(self.kind).contains(&to) {
            return Err(CaseError::IllegalTransition { kind: self.kind, from, to });
        }
        if self.history.last().is_some_and(|last| at < last.at) {
            return Err(CaseError::TimeGoesBack);
        }
        if note.chars().count() > NOTE_MAX {
            return Err(CaseError::NoteTooLong);
        }
        self.history.push(StatusChange { status: to, at, actor, note: note.to_owned() });
        Ok(())
    }

    /// Adds a note; a note already there (the same id) is not added twice. Answers whether it
    /// was added.
    pub fn add_note(&mut self, note: CaseNote) -> Result<bool, CaseError> {
        if note.text.trim().is_empty() && note.intended_status.is_none() {
            return Err(CaseError::EmptyNote);
        }
        if note.text.chars().count() > NOTE_MAX {
            return Err(CaseError::NoteTooLong);
        }
        if self.notes.iter().any(|n| n.id == note.id) {
            return Ok(false);
        }
        self.notes.push(note);
        Ok(true)
    }

    /// Attaches a document (its description; the content is kept by the caller); the same
    /// document (id) again is not added twice. Answers whether it was added.
    pub fn add_document(&mut self, document: CaseDocument) -> Result<bool, CaseError> {
        let name = document.name.trim();
        if name.is_empty() || name.chars().count() > 200 || name.contains(['/', '\\', '\0']) {
            return Err(CaseError::DocumentName);
        }
        if !["application/pdf", "image/jpeg", "image/png", "image/tiff"].contains(&document.media_type.as_str()) {
            return Err(CaseError::DocumentType);
        }
        if document.size > DOCUMENT_MAX_BYTES {
            return Err(CaseError::DocumentTooLarge);
        }
        if self.documents.iter().any(|d| d.id == document.id) {
            return Ok(false);
        }
        if self.documents.len() >= DOCUMENTS_MAX {
            return Err(CaseError::TooManyDocuments);
        }
        self.documents.push(document);
        Ok(true)
    }

    /// A status change made at a desk that saw the case at `seen`: applied when the case is
    /// still there, kept as a note (id `note_id`) when someone else moved it on meanwhile, so
    /// the institution's status wins and nothing the clerk wrote is lost. A change the case
    /// could not make from the status the desk saw is an error, as ever.
    pub fn apply_desk_change(
        &mut self,
        seen: Option<CaseStatus>,
        change: StatusChange,
        note_id: Uuid,
    ) -> Result<DeskChange, CaseError> {
        match seen {
            Some(seen) if seen != self.status() => {
                self.add_note(CaseNote {
                    id: note_id,
                    at: change.at,
                    actor: change.actor,
                    text: change.note,
                    intended_status: Some(change.status),
                })?;
                Ok(DeskChange::Superseded)
            }
            _ => {
                self.change_status(change.status, change.at, change.actor, &change.note)?;
                Ok(DeskChange::Applied)
            }
        }
    }

    /// Seconds the customer waited before being served.
    pub fn waiting_seconds(&self) -> i64 {
        (self.served_at - self.arrived_at).num_seconds()
    }

    /// When the case was registered (its first history step).
    pub fn registered_at(&self) -> DateTime<Utc> {
        self.history.first().map_or(self.served_at, |step| step.at)
    }

    /// Seconds of service from when serving started until the case was registered.
    pub fn service_seconds(&self) -> i64 {
        (self.registered_at() - self.served_at).num_seconds()
    }

    /// Whether the case's times are in order: arrived, served, registered (a case from a desk
    /// is checked again by the server).
    pub fn check_timings(&self) -> Result<(), CaseError> {
        if self.served_at < self.arrived_at || self.registered_at() < self.served_at {
            return Err(CaseError::TimeGoesBack);
        }
        Ok(())
    }
}

/// A personal code or registration number as typed at the desk, checked as typed.
pub fn customer_from_code(code: &str, name: &str) -> Result<Customer, CustomerError> {
    let compact: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.len() == 11 && matches!(&compact[..1], "4" | "5" | "9") && !compact.contains('-') {
        return Ok(Customer::Legal {
            registration_number: RegistrationNumber::parse(&compact)?,
            name: name.trim().into(),
        });
    }
    Ok(Customer::Natural { personal_code: PersonalCode::parse(code)?, name: name.trim().into() })
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CustomerError {
    #[error(transparent)]
    PersonalCode(#[from] PersonalCodeError),
    #[error(transparent)]
    RegistrationNumber(#[from] RegistrationNumberError),
}

impl CustomerError {
    /// A stable code per rule broken, for user interfaces to translate.
    pub fn code(&self) -> &'static str {
        match self {
            Self::PersonalCode(PersonalCodeError::Shape) => "personal_code_shape",
            Self::PersonalCode(PersonalCodeError::Date) => "personal_code_date",
            Self::PersonalCode(PersonalCodeError::CheckDigit) => "personal_code_check_digit",
            Self::RegistrationNumber(RegistrationNumberError::Shape) => "registration_number_shape",
            Self::RegistrationNumber(RegistrationNumberError::CheckDigit) => "registration_number_check_digit",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-26T09:00:00Z").unwrap().with_timezone(&Utc)
            + chrono::Duration::minutes(minutes)
    }

    fn clerk() -> Actor {
        Actor::Staff { personal_code: PersonalCode::parse("161175-19997").unwrap(), offline: false }
    }

    fn new_case(kind: CaseKind) -> NewCase {
        NewCase {
            id: Uuid::nil(),
            number: CaseNumber::new("RCV", 3, 2026, 42).unwrap(),
            service_id: "https://pietura.lv/id/service/dog-fee".into(),
            kind,
            channel: ChannelKind::VpvkacInPerson,
            customer: customer_from_code("290156-11605", "Oskars Kalns").unwrap(),
            holder_institution: "https://pietura.lv/id/org/riga".into(),
            provider_institution: None,
            centre_id: Uuid::nil(),
            arrived_at: at(0),
            served_at: at(7),
            registered_at: at(9),
            registered_by: clerk(),
            note: String::new(),
        }
    }

    #[test]
    fn case_numbers_read_aloud_and_read_back_as_typed() {
        let number = CaseNumber::new("rcv", 3, 2026, 42).unwrap();
        assert_eq!(number.to_string(), "RCV-03-26-0042");
        for typed in ["RCV-03-26-0042", "rcv 3 26 42", "RCV/3/26/0042", " Rcv-03-26-42 "] {
            assert_eq!(CaseNumber::parse(typed).unwrap(), number, "{typed}");
        }
        assert_eq!(CaseNumber::parse("RCV-03-26"), Err(CaseNumberError::Shape));
        assert_eq!(CaseNumber::parse("R-03-26-1"), Err(CaseNumberError::CentreCode));
        assert_eq!(CaseNumber::parse("RCV-0-26-1"), Err(CaseNumberError::Desk));
        assert_eq!(CaseNumber::parse("RCV-03-26-10000"), Err(CaseNumberError::Sequence));
        assert_eq!(CaseNumber::parse("RCV-03-2026-1"), Err(CaseNumberError::Shape));
        let json = serde_json::to_string(&number).unwrap();
        assert_eq!(json, "\"RCV-03-26-0042\"");
        assert_eq!(serde_json::from_str::<CaseNumber>(&json).unwrap(), number);
    }

    #[test]
    fn registration_numbers_have_their_check_digit() {
        // Published examples: the State Revenue Service's own number and python-stdnum's.
        for good in ["90000069281", "40003521600", "LV40003521600", "4000 3521 600"] {
            assert!(RegistrationNumber::parse(good).is_ok(), "{good}");
        }
        assert_eq!(RegistrationNumber::parse("40003521601"), Err(RegistrationNumberError::CheckDigit));
        assert_eq!(RegistrationNumber::parse("10003521600"), Err(RegistrationNumberError::Shape));
        assert_eq!(RegistrationNumber::parse("4000352160"), Err(RegistrationNumberError::Shape));
    }

    #[test]
    fn customers_are_told_apart_by_their_code() {
        assert!(matches!(customer_from_code("161175-19997", "A"), Ok(Customer::Natural { .. })));
        assert!(matches!(customer_from_code("40003521600", "SIA X"), Ok(Customer::Legal { .. })));
        assert!(matches!(customer_from_code("32503511782", "B"), Ok(Customer::Natural { .. })));
        assert!(customer_from_code("161175-19996", "A").is_err());
        assert!(customer_from_code("40003521601", "SIA X").is_err());
        let legal = customer_from_code("40003521600", " SIA X ").unwrap();
        assert_eq!((legal.kind_name(), legal.code(), legal.name()), ("legal", "40003521600".into(), "SIA X"));
        let natural = customer_from_code("16117519997", "A").unwrap();
        assert_eq!((natural.kind_name(), natural.code()), ("natural", "161175-19997".into()));
    }

    #[test]
    fn notes_are_appended_once_and_checked() {
        let mut case = Case::register(new_case(CaseKind::Application)).unwrap();
        let note = CaseNote {
            id: Uuid::from_u128(7),
            at: at(9),
            actor: clerk(),
            text: "Brought the missing certificate".into(),
            intended_status: None,
        };
        assert_eq!(case.add_note(note.clone()), Ok(true));
        assert_eq!(case.add_note(note.clone()), Ok(false), "the same note again is not a second note");
        assert_eq!(case.notes.len(), 1);
        let blank = CaseNote { id: Uuid::from_u128(8), text: "  ".into(), ..note.clone() };
        assert_eq!(case.add_note(blank), Err(CaseError::EmptyNote));
        let long = CaseNote { id: Uuid::from_u128(9), text: "x".repeat(2_001), ..note };
        assert_eq!(case.add_note(long), Err(CaseError::NoteTooLong));
        // Notes survive a round trip, and documents without notes still read.
        let json = serde_json::to_string(&case).unwrap();
        assert_eq!(serde_json::from_str::<Case>(&json).unwrap(), case);
        let mut bare: serde_json::Value = serde_json::from_str(&json).unwrap();
        bare.as_object_mut().unwrap().remove("notes");
        assert!(serde_json::from_value::<Case>(bare).unwrap().notes.is_empty());
    }

    #[test]
    fn the_institutions_status_wins_over_a_late_desk_change() {
        use CaseStatus::*;
        let institution = Actor::Institution { id: "https://pietura.lv/id/org/riga".into() };
        let mut case = Case::register(new_case(CaseKind::Application)).unwrap();
        case.change_status(Submitted, at(10), clerk(), "").unwrap();
        // The desk, offline, saw Submitted and cancels; meanwhile the institution decided.
        case.change_status(Decided, at(20), institution, "Granted").unwrap();
        let late = StatusChange { status: Cancelled, at: at(15), actor: clerk(), note: "Customer withdrew".into() };
        assert_eq!(
            case.apply_desk_change(Some(Submitted), late.clone(), Uuid::from_u128(1)),
            Ok(DeskChange::Superseded)
        );
        assert_eq!(case.status(), Decided);
        assert_eq!(case.notes.len(), 1);
        assert_eq!(case.notes[0].intended_status, Some(Cancelled));
        assert_eq!(case.notes[0].text, "Customer withdrew");
        // Sent again: still one note.
        assert_eq!(case.apply_desk_change(Some(Submitted), late, Uuid::from_u128(1)), Ok(DeskChange::Superseded));
        assert_eq!(case.notes.len(), 1);
        // A desk that saw the current status moves the case on as usual.
        let deliver = StatusChange { status: ResultDelivered, at: at(30), actor: clerk(), note: String::new() };
        assert_eq!(case.apply_desk_change(Some(Decided), deliver, Uuid::from_u128(2)), Ok(DeskChange::Applied));
        assert_eq!(case.status(), ResultDelivered);
        // An impossible change from the status the desk saw stays an error.
        let back = StatusChange { status: Submitted, at: at(40), actor: clerk(), note: String::new() };
        assert!(matches!(
            case.apply_desk_change(Some(ResultDelivered), back, Uuid::from_u128(3)),
            Err(CaseError::IllegalTransition { .. })
        ));
    }

    #[test]
    fn documents_are_scans_of_bounded_size_attached_once() {
        assert_eq!(document_media_type(b"%PDF-1.7\n"), Some("application/pdf"));
        assert_eq!(document_media_type(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(document_media_type(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(document_media_type(b"II*\0...."), Some("image/tiff"));
        assert_eq!(document_media_type(b"MZ\x90\0"), None, "a program is no scan");
        assert_eq!(document_media_type(b""), None);
        let mut case = Case::register(new_case(CaseKind::Application)).unwrap();
        let document = CaseDocument {
            id: Uuid::from_u128(1),
            name: "iesniegums.pdf".into(),
            media_type: "application/pdf".into(),
            size: 1_000,
            sha256: "00".repeat(32),
            added_at: at(9),
            actor: clerk(),
        };
        assert_eq!(case.add_document(document.clone()), Ok(true));
        assert_eq!(case.add_document(document.clone()), Ok(false));
        let refused = |change: fn(&mut CaseDocument)| {
            let mut other = CaseDocument { id: Uuid::from_u128(2), ..document.clone() };
            change(&mut other);
            case.clone().add_document(other).unwrap_err()
        };
        assert_eq!(refused(|d| d.media_type = "application/x-msdownload".into()), CaseError::DocumentType);
        assert_eq!(refused(|d| d.size = DOCUMENT_MAX_BYTES + 1), CaseError::DocumentTooLarge);
        assert_eq!(refused(|d| d.name = " ".into()), CaseError::DocumentName);
        assert_eq!(refused(|d| d.name = "../../etc/passwd".into()), CaseError::DocumentName);
        for n in 2..=30 {
            assert_eq!(case.add_document(CaseDocument { id: Uuid::from_u128(n), ..document.clone() }), Ok(true));
        }
        assert_eq!(case.documents.len(), 30);
        assert_eq!(
            case.add_document(CaseDocument { id: Uuid::from_u128(99), ..document }),
            Err(CaseError::TooManyDocuments)
        );
    }

    /// Every (kind, from, to) triple: exactly the listed transitions are allowed.
    #[test]
    fn the_state_machine_allows_exactly_its_transitions() {
        use CaseStatus::*;
        let allowed: &[(CaseKind, CaseStatus, CaseStatus)] = &[
            (CaseKind::Consultation, Registered, Closed),
            (CaseKind::Consultation, Registered, Cancelled),
            (CaseKind::Application, Registered, Submitted),
            (CaseKind::Application, Registered, Cancelled),
            (CaseKind::Application, Submitted, InProgress),
            (CaseKind::Application, Submitted, Decided),
            (CaseKind::Application, Submitted, Cancelled),
            (CaseKind::Application, InProgress, Decided),
            (CaseKind::Application, InProgress, Cancelled),
            (CaseKind::Application, Decided, ResultDelivered),
            (CaseKind::Application, Decided, Closed),
            (CaseKind::Application, ResultDelivered, Closed),
            (CaseKind::ResultHandover, Registered, ResultDelivered),
            (CaseKind::ResultHandover, Registered, Cancelled),
            (CaseKind::ResultHandover, ResultDelivered, Closed),
        ];
        for kind in CaseKind::ALL {
            for from in CaseStatus::ALL {
                for to in CaseStatus::ALL {
                    let expected = allowed.contains(&(kind, from, to));
                    assert_eq!(from.next(kind).contains(&to), expected, "{kind:?}: {from:?} → {to:?}");
                }
            }
        }
        for status in CaseStatus::ALL {
            assert_eq!(status.is_final(), matches!(status, Closed | Cancelled));
            if status.is_final() {
                assert!(CaseKind::ALL.iter().all(|kind| status.next(*kind).is_empty()), "{status:?} is final");
            }
        }
    }

    #[test]
    fn a_case_moves_only_forward_and_keeps_its_history() {
        let mut case = Case::register(new_case(CaseKind::Application)).unwrap();
        assert_eq!(case.status(), CaseStatus::Registered);
        assert_eq!(case.waiting_seconds(), 7 * 60);
        assert_eq!(case.service_seconds(), 2 * 60, "from serving to registering");
        assert_eq!(case.registered_at(), at(9));
        assert_eq!(case.check_timings(), Ok(()));
        let mut reordered = case.clone();
        reordered.arrived_at = at(8);
        assert_eq!(reordered.check_timings(), Err(CaseError::TimeGoesBack));
        let riga = Actor::Institution { id: "https://pietura.lv/id/org/riga".into() };
        case.change_status(CaseStatus::Submitted, at(10), clerk(), "iesniegts").unwrap();
        assert_eq!(
            case.change_status(CaseStatus::Closed, at(11), riga.clone(), ""),
            Err(CaseError::IllegalTransition {
                kind: CaseKind::Application,
                from: CaseStatus::Submitted,
                to: CaseStatus::Closed
            })
        );
        assert_eq!(case.change_status(CaseStatus::InProgress, at(9), riga.clone(), ""), Err(CaseError::TimeGoesBack));
        case.change_status(CaseStatus::InProgress, at(60), riga.clone(), "").unwrap();
        case.change_status(CaseStatus::Decided, at(120), riga.clone(), "").unwrap();
        case.change_status(CaseStatus::ResultDelivered, at(180), clerk(), "").unwrap();
        case.change_status(CaseStatus::Closed, at(181), clerk(), "").unwrap();
        assert!(case.change_status(CaseStatus::Cancelled, at(200), clerk(), "").is_err(), "closed is final");
        assert_eq!(case.history.len(), 6);
        let json = serde_json::to_string(&case).unwrap();
        assert_eq!(serde_json::from_str::<Case>(&json).unwrap(), case);
    }

    #[test]
    fn registration_refuses_what_cannot_be_right() {
        let mut wrong_year = new_case(CaseKind::Consultation);
        wrong_year.number = CaseNumber::new("RCV", 3, 2025, 1).unwrap();
        assert!(matches!(Case::register(wrong_year), Err(CaseError::NumberYear { .. })));
        let mut no_service = new_case(CaseKind::Consultation);
        no_service.service_id = " ".into();
        assert_eq!(Case::register(no_service), Err(CaseError::NoService));
        let mut served_before_arrival = new_case(CaseKind::Consultation);
        served_before_arrival.served_at = at(-1);
        assert_eq!(Case::register(served_before_arrival), Err(CaseError::TimeGoesBack));
        let mut registered_before_served = new_case(CaseKind::Consultation);
        registered_before_served.registered_at = at(6);
        assert_eq!(Case::register(registered_before_served), Err(CaseError::TimeGoesBack));
        let mut other_channel = new_case(CaseKind::Consultation);
        other_channel.channel = ChannelKind::Other("x".into());
        assert!(matches!(Case::register(other_channel), Err(CaseError::Channel(_))));
    }

    proptest::proptest! {
        /// Whatever is tried, in whatever order, a case is always in a state its kind reaches
        /// by allowed steps, and a refused step changes nothing.
        #[test]
        fn random_attempts_never_leave_the_state_machine(
            kind in 0usize..3,
            steps in proptest::collection::vec((0usize..7, 0i64..30), 0..20),
        ) {
            let kind = CaseKind::ALL[kind];
            let mut case = Case::register(new_case(kind)).unwrap();
            let mut minute = 7;
            for (to, later) in steps {
                minute += later;
                let before = case.clone();
                let to = CaseStatus::ALL[to];
                match case.change_status(to, at(minute), clerk(), "") {
                    Ok(()) => proptest::prop_assert!(before.status().next(kind).contains(&to)),
                    Err(_) => proptest::prop_assert_eq!(&case, &before),
                }
            }
            for pair in case.history.windows(2) {
                proptest::prop_assert!(pair[0].status.next(kind).contains(&pair[1].status));
                proptest::prop_assert!(pair[0].at <= pair[1].at);
            }
        }
    }
}
