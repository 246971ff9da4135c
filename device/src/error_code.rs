//! The codes of the errors the device layer and the desk show: each one the UIs translate
//! (`ui/src/locales/*.json`, `errors.<code>`, checked by the architecture test against the
//! generated `ErrorCode.ts`), serialised as its snake_case name.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    // The desk's enrollment, session and login
    AlreadyEnrolled,
    /// Another desk is already open on this data folder.
    AlreadyRunning,
    NotEnrolled,
    EnrollmentCodeInvalid,
    DeskNumberUnknown,
    SessionInvalid,
    NotLoggedIn,
    LockedByOther,
    CertificateMismatch,
    CertificateExpired,
    OfflinePeriodOver,
    OfflineUnknownCard,
    NoCustomerCard,
    /// The centre administrator's screens need that role.
    NotAdministrator,
    NotTrainer,
    Random,
    // The card and its reader (`eid::CardError`)
    NoReader,
    NoCard,
    UnsupportedCard,
    WrongPin,
    PinBlocked,
    CardRemoved,
    ReaderInUse,
    Timeout,
    PinFormat,
    CardProtocol,
    ReaderFailed,
    // The server connection (`client::ClientError`)
    InvalidUrl,
    Unreachable,
    BadResponse,
    // The local store and the keyring
    Store,
    StoreCannotDecrypt,
    StoreKeyMissing,
    StoreTooNew,
    LocalStore,
    Keyring,
    // Cases, customers and their documents
    CaseUnknown,
    CaseChangeRefused,
    CaseNoteRefused,
    ServiceUnknown,
    PersonalCodeInvalid,
    NoVisit,
    DocumentUnknown,
    DocumentElsewhere,
    DocumentNoPreview,
    DocumentRefused,
    DocumentTooLarge,
    DocumentType,
    DocumentUnreadable,
    // E-forms
    FormUnknown,
    FormDraftUnknown,
    FormDataInvalid,
    FormIncomplete,
    SignatureRequired,
    SignerNotApplicant,
    ApplicationNotShown,
    ApplicationChanged,
    // Mail, consent and delegation
    RecipientInvalid,
    AttachmentEmpty,
    AttachmentUnreadable,
    NoConsent,
    ConsentUnknown,
    DelegationToSelf,
    /// A signed reply goes from the signer's own mailbox (not a company's they read).
    ReplyOwnMailboxOnly,
    ReplyEmpty,
    // Printing, links and the rest
    NoPrinter,
    PrintFailed,
    /// A saved copy could not be written where the clerk chose (no room, no right to write).
    SaveFailed,
    LinkFailed,
    LinkRefused,
    NotFound,
    Internal,
    /// A task ended without an answer (it panicked): a bug.
    Unknown,
    /// A code another part named, passed on as it is: the server's refusal
    /// (`protocol::error_codes`), a domain check (e.g. `message_subject`), a token's validation.
    #[serde(untagged)]
    Other(String),
}

impl ErrorCode {
    /// The code named `name`: this enum's own variant when there is one, so that equal names
    /// are equal codes.
    pub fn named(name: &str) -> Self {
        serde_json::from_value(serde_json::Value::String(name.to_owned()))
            .unwrap_or_else(|_| Self::Other(name.to_owned()))
    }

    /// The name the UIs translate.
    pub fn name(&self) -> String {
        match self {
            Self::Other(name) => name.clone(),
            known => serde_json::to_value(known).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(),
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.name() == *other
    }
}

impl From<&eid::CardError> for ErrorCode {
    fn from(error: &eid::CardError) -> Self {
        Self::named(error.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_keep_their_names_and_a_known_name_is_its_own_variant() {
        assert_eq!(serde_json::to_string(&ErrorCode::NotLoggedIn).unwrap(), r#""not_logged_in""#);
        assert_eq!(serde_json::to_string(&ErrorCode::named("message_subject")).unwrap(), r#""message_subject""#);
        assert_eq!(ErrorCode::named("not_found"), ErrorCode::NotFound);
        assert_eq!(ErrorCode::named("unknown_service"), ErrorCode::Other("unknown_service".into()));
        assert_eq!(serde_json::from_str::<ErrorCode>(r#""pin_blocked""#).unwrap(), ErrorCode::PinBlocked);
        assert_eq!(ErrorCode::WrongPin, "wrong_pin");
        assert_eq!(ErrorCode::from(&eid::CardError::NoReader), ErrorCode::NoReader);
    }
}
