//! The official electronic address (e-adrese, DEPP): addresses, who may write to whom, what a
//! message may carry, and the rights an owner delegates. Facts from the reference notes
//! (`eid-card-web-eid-e-address.md` §4): natural persons are `_PRIVATE@<personal code>`,
//! legal entities and institutions `_DEFAULT@<registration number>`, structural units of an
//! institution (a VPVKAC centre) sub-addresses `<UNIT>@<registration number>`; private persons
//! and companies write only to public entities; up to 10 attachments of listed types, 10 MB each;
//! a person's delegate may only read.

use std::fmt;

use chrono::NaiveDate;

use crate::PersonalCode;
use crate::case::RegistrationNumber;

/// Whose mailbox an address is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    Natural,
    Legal,
    /// A public entity: it may receive from anyone and write to anyone.
    Institution,
}

/// An e-address, in its technical form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EAddress {
    /// `_PRIVATE`, `_DEFAULT` or a unit's name (upper case).
    unit: String,
    /// The personal code (11 digits, no hyphen) or registration number.
    owner: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EAddressError {
    #[error("an e-address looks like _DEFAULT@90000012345, _PRIVATE@32000012345 or UNIT@90000012345")]
    Shape,
    #[error("the personal code in the address is not valid")]
    PersonalCode,
    #[error("the registration number in the address is not valid")]
    RegistrationNumber,
}

impl EAddress {
    /// A natural person's address.
    pub fn private(code: &PersonalCode) -> Self {
        Self { unit: "_PRIVATE".into(), owner: code.to_string().replace('-', "") }
    }

    /// A legal entity's or institution's main address.
    pub fn default_of(number: &RegistrationNumber) -> Self {
        Self { unit: "_DEFAULT".into(), owner: number.as_str().to_owned() }
    }

    /// A structural unit's sub-address (a VPVKAC centre of a municipality, say).
    pub fn unit_of(number: &RegistrationNumber, unit: &str) -> Result<Self, EAddressError> {
        let unit = unit.trim().to_uppercase();
        let fine = !unit.is_empty()
            && unit.len() <= 40
            && !unit.starts_with('_')
            && unit.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !fine {
            return Err(EAddressError::Shape);
        }
        Ok(Self { unit, owner: number.as_str().to_owned() })
    }

    /// Reads an address as typed (any case, spaces around).
    pub fn parse(input: &str) -> Result<Self, EAddressError> {
        let (unit, owner) = input.trim().split_once('@').ok_or(EAddressError::Shape)?;
        let unit = unit.trim().to_uppercase();
        let owner = owner.trim();
        match unit.as_str() {
            "_PRIVATE" => {
                let code = PersonalCode::parse(owner).map_err(|_| EAddressError::PersonalCode)?;
                Ok(Self::private(&code))
            }
            "_DEFAULT" => {
                let number = RegistrationNumber::parse(owner).map_err(|_| EAddressError::RegistrationNumber)?;
                Ok(Self::default_of(&number))
            }
            _ => {
                let number = RegistrationNumber::parse(owner).map_err(|_| EAddressError::RegistrationNumber)?;
                Self::unit_of(&number, &unit)
            }
        }
    }

    pub fn is_private(&self) -> bool {
        self.unit == "_PRIVATE"
    }

    /// The main address of the same owner (itself for a main address).
    pub fn main(&self) -> Self {
        if self.is_private() || self.unit == "_DEFAULT" {
            return self.clone();
        }
        Self { unit: "_DEFAULT".into(), owner: self.owner.clone() }
    }

    /// The personal code or registration number.
    pub fn owner(&self) -> &str {
        &self.owner
    }
}

impl fmt::Display for EAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.unit, self.owner)
    }
}

impl TryFrom<String> for EAddress {
    type Error = EAddressError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<EAddress> for String {
    fn from(address: EAddress) -> Self {
        address.to_string()
    }
}

/// Attachments one message may carry.
pub const MAX_ATTACHMENTS: usize = 10;
/// The largest attachment.
pub const MAX_ATTACHMENT_BYTES: u64 = 10 * 1024 * 1024;
pub const MAX_SUBJECT_CHARS: usize = 200;
pub const MAX_BODY_CHARS: usize = 20_000;
pub const MAX_RECIPIENTS: usize = 20;

/// The attachment types the portal takes, by extension, with their media types.
pub const ATTACHMENT_TYPES: &[(&str, &str)] = &[
    ("pdf", "application/pdf"),
    ("doc", "application/msword"),
    ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("odt", "application/vnd.oasis.opendocument.text"),
    ("ods", "application/vnd.oasis.opendocument.spreadsheet"),
    ("odp", "application/vnd.oasis.opendocument.presentation"),
    ("jpeg", "image/jpeg"),
    ("jpg", "image/jpeg"),
    ("png", "image/png"),
    ("tiff", "image/tiff"),
    ("tif", "image/tiff"),
    ("edoc", "application/vnd.etsi.asic-e+zip"),
    ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    // Machine-readable data: an e-form submission's application.json.
    ("json", "application/json"),
];

/// The media type an attachment's name stands for, when it is an allowed type.
pub fn attachment_media_type(name: &str) -> Option<&'static str> {
    let extension = name.rsplit_once('.')?.1.to_ascii_lowercase();
    ATTACHMENT_TYPES.iter().find(|(e, _)| *e == extension).map(|(_, t)| *t)
}

/// What is wrong with a message, each with the field it is about.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    #[error("recipients: at least one, at most {MAX_RECIPIENTS}, each once")]
    Recipients,
    #[error("recipients: {0} is a private person or company; they may write only to public institutions")]
    NotAnInstitution(String),
    #[error("subject: 1 to {MAX_SUBJECT_CHARS} characters")]
    Subject,
    #[error("body: at most {MAX_BODY_CHARS} characters")]
    Body,
    #[error("attachments: at most {MAX_ATTACHMENTS}")]
    TooManyAttachments,
    #[error(
        "attachments: {0} is not an allowed type (PDF, DOC/DOCX, ODT/ODS/ODP, JPEG, PNG, TIFF, EDOC, XLSX, PPTX, JSON)"
    )]
    AttachmentType(String),
    #[error("attachments: {0} is larger than 10 MB")]
    AttachmentTooLarge(String),
    #[error("attachments: {0} has an empty or unsafe name")]
    AttachmentName(String),
}

impl MessageError {
    /// The request field the problem is about.
    pub fn field(&self) -> &'static str {
        match self {
            Self::Recipients | Self::NotAnInstitution(_) => "recipients",
            Self::Subject => "subject",
            Self::Body => "body",
            _ => "attachments",
        }
    }
}

/// An attachment as described in a message (its content travels separately, by digest).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AttachmentInfo {
    pub name: String,
    pub size: u64,
    /// SHA-256 of the content, hex.
    pub sha256: String,
}

/// Checks a message before it is sent: `sender_kind` is the sending mailbox's kind,
/// `recipient_kinds` each recipient's (as the e-address catalogue has them).
pub fn check_message(
    sender_kind: AccountKind,
    recipients: &[(EAddress, AccountKind)],
    subject: &str,
    body: &str,
    attachments: &[AttachmentInfo],
) -> Result<(), MessageError> {
    let mut distinct: Vec<&EAddress> = recipients.iter().map(|(a, _)| a).collect();
    distinct.sort();
    distinct.dedup();
    if recipients.is_empty() || recipients.len() > MAX_RECIPIENTS || distinct.len() != recipients.len() {
        return Err(MessageError::Recipients);
    }
    if sender_kind != AccountKind::Institution
        && let Some((address, _)) = recipients.iter().find(|(_, kind)| *kind != AccountKind::Institution)
    {
        return Err(MessageError::NotAnInstitution(address.to_string()));
    }
    let subject_chars = subject.trim().chars().count();
    if subject_chars == 0 || subject_chars > MAX_SUBJECT_CHARS {
        return Err(MessageError::Subject);
    }
    if body.chars().count() > MAX_BODY_CHARS {
        return Err(MessageError::Body);
    }
    if attachments.len() > MAX_ATTACHMENTS {
        return Err(MessageError::TooManyAttachments);
    }
    attachments.iter().try_for_each(check_attachment)
}

/// One attachment's name, type and size, as the portal takes them (a message's, or an e-form's
/// file, which travels in a message too).
pub fn check_attachment(attachment: &AttachmentInfo) -> Result<(), MessageError> {
    let name = attachment.name.trim();
    if name.is_empty() || name.chars().count() > 200 || name.contains(['/', '\\', '\0']) || name.starts_with('.') {
        return Err(MessageError::AttachmentName(attachment.name.clone()));
    }
    if attachment_media_type(name).is_none() {
        return Err(MessageError::AttachmentType(name.to_owned()));
    }
    if attachment.size > MAX_ATTACHMENT_BYTES {
        return Err(MessageError::AttachmentTooLarge(name.to_owned()));
    }
    Ok(())
}

/// A right an owner delegates on their mailbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Right {
    Read,
    /// Send in the owner's name (includes reading).
    Communicate,
    /// Delete messages (includes reading).
    Delete,
}

impl Right {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Communicate => "communicate",
            Self::Delete => "delete",
        }
    }

    /// Whether holding `self` allows `wanted`.
    pub fn allows(self, wanted: Right) -> bool {
        self == wanted || wanted == Right::Read
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DelegationError {
    #[error("a private person's mailbox may be delegated for reading only")]
    PrivateReadOnly,
    #[error("the delegation must end on or after today")]
    EndsInThePast,
    #[error("a delegation lasts at most 5 years")]
    TooLong,
    #[error("nobody delegates to themselves")]
    ToSelf,
}

/// Checks a delegation an owner wants to grant.
pub fn check_delegation(
    mailbox: &EAddress,
    delegate: &PersonalCode,
    right: Right,
    ends_on: NaiveDate,
    today: NaiveDate,
) -> Result<(), DelegationError> {
    if mailbox.is_private() && right != Right::Read {
        return Err(DelegationError::PrivateReadOnly);
    }
    if mailbox.is_private() && mailbox.owner() == delegate.to_string().replace('-', "") {
        return Err(DelegationError::ToSelf);
    }
    if ends_on < today {
        return Err(DelegationError::EndsInThePast);
    }
    if ends_on > today + chrono::Duration::days(5 * 366) {
        return Err(DelegationError::TooLong);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(s: &str) -> EAddress {
        EAddress::parse(s).unwrap()
    }

    #[test]
    fn addresses_read_as_typed_and_print_in_their_technical_form() {
        assert_eq!(address("_private@161175-19997").to_string(), "_PRIVATE@16117519997");
        assert_eq!(address(" _DEFAULT@90000069281 ").to_string(), "_DEFAULT@90000069281");
        assert_eq!(address("rcv@90000069281").to_string(), "RCV@90000069281");
        assert_eq!(address("rcv@90000069281").main(), address("_DEFAULT@90000069281"));
        assert!(address("_PRIVATE@32503511782").is_private());
        assert_eq!(EAddress::parse("_PRIVATE@161175-19996"), Err(EAddressError::PersonalCode));
        assert_eq!(EAddress::parse("_DEFAULT@40003521601"), Err(EAddressError::RegistrationNumber));
        assert_eq!(EAddress::parse("nobody"), Err(EAddressError::Shape));
        assert_eq!(EAddress::parse("_OTHER@90000069281"), Err(EAddressError::Shape));
        assert_eq!(EAddress::parse("a b@90000069281"), Err(EAddressError::Shape));
        let json = serde_json::to_string(&address("_DEFAULT@90000069281")).unwrap();
        assert_eq!(json, "\"_DEFAULT@90000069281\"");
        assert!(serde_json::from_str::<EAddress>("\"_DEFAULT@1\"").is_err());
    }

    #[test]
    fn people_and_companies_write_only_to_institutions() {
        let vid = (address("_DEFAULT@90000069281"), AccountKind::Institution);
        let person = (address("_PRIVATE@32503511782"), AccountKind::Natural);
        let company = (address("_DEFAULT@40003521600"), AccountKind::Legal);
        assert_eq!(check_message(AccountKind::Natural, std::slice::from_ref(&vid), "Iesniegums", "", &[]), Ok(()));
        assert_eq!(
            check_message(AccountKind::Natural, std::slice::from_ref(&company), "Sveiki", "", &[]),
            Err(MessageError::NotAnInstitution("_DEFAULT@40003521600".into()))
        );
        assert!(check_message(AccountKind::Legal, std::slice::from_ref(&person), "x", "", &[]).is_err());
        assert_eq!(check_message(AccountKind::Institution, &[person, company], "Lēmums", "", &[]), Ok(()));
        assert_eq!(check_message(AccountKind::Institution, &[], "x", "", &[]), Err(MessageError::Recipients));
        assert_eq!(
            check_message(AccountKind::Institution, &[vid.clone(), vid.clone()], "x", "", &[]),
            Err(MessageError::Recipients),
            "each recipient once"
        );
    }

    #[test]
    fn messages_carry_at_most_ten_allowed_attachments_of_10_mb() {
        let vid = [(address("_DEFAULT@90000069281"), AccountKind::Institution)];
        let file = |name: &str, size: u64| AttachmentInfo { name: name.into(), size, sha256: "00".repeat(32) };
        let fine = [file("iesniegums.pdf", 1_000), file("pase.JPG", 2_000_000), file("līgums.edoc", 10 * 1024 * 1024)];
        assert_eq!(check_message(AccountKind::Natural, &vid, "Iesniegums", "Lūdzu…", &fine), Ok(()));
        assert_eq!(
            check_message(AccountKind::Natural, &vid, "x", "", &[file("programma.exe", 10)]),
            Err(MessageError::AttachmentType("programma.exe".into()))
        );
        assert_eq!(
            check_message(AccountKind::Natural, &vid, "x", "", &[file("liels.pdf", 10 * 1024 * 1024 + 1)]),
            Err(MessageError::AttachmentTooLarge("liels.pdf".into()))
        );
        assert_eq!(
            check_message(AccountKind::Natural, &vid, "x", "", &[file("../../etc/passwd.pdf", 1)]),
            Err(MessageError::AttachmentName("../../etc/passwd.pdf".into()))
        );
        let eleven: Vec<AttachmentInfo> = (0..11).map(|i| file(&format!("{i}.pdf"), 1)).collect();
        assert_eq!(check_message(AccountKind::Natural, &vid, "x", "", &eleven), Err(MessageError::TooManyAttachments));
        assert_eq!(check_message(AccountKind::Natural, &vid, "  ", "", &[]), Err(MessageError::Subject));
        assert_eq!(MessageError::Subject.field(), "subject");
        assert_eq!(attachment_media_type("a.DOCX"), Some(ATTACHMENT_TYPES[2].1));
    }

    #[test]
    fn delegations_follow_the_owners_kind() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        let person = address("_PRIVATE@32503511782");
        let company = address("_DEFAULT@40003521600");
        let clerk = PersonalCode::parse("161175-19997").unwrap();
        let next_month = today + chrono::Duration::days(30);
        assert_eq!(check_delegation(&person, &clerk, Right::Read, next_month, today), Ok(()));
        assert_eq!(
            check_delegation(&person, &clerk, Right::Communicate, next_month, today),
            Err(DelegationError::PrivateReadOnly)
        );
        assert_eq!(check_delegation(&company, &clerk, Right::Communicate, next_month, today), Ok(()));
        assert_eq!(
            check_delegation(&company, &clerk, Right::Delete, today - chrono::Duration::days(1), today),
            Err(DelegationError::EndsInThePast)
        );
        assert_eq!(
            check_delegation(&company, &clerk, Right::Read, today + chrono::Duration::days(2000), today),
            Err(DelegationError::TooLong)
        );
        let own = PersonalCode::parse("325035-11782").unwrap();
        assert_eq!(check_delegation(&person, &own, Right::Read, next_month, today), Err(DelegationError::ToSelf));
        assert!(Right::Communicate.allows(Right::Read));
        assert!(!Right::Read.allows(Right::Communicate));
        assert!(!Right::Delete.allows(Right::Communicate));
    }
}
