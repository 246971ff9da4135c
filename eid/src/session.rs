//! Talking to a Latvian eID card through any APDU transport (PC/SC in the apps, the virtual card
//! directly in unit tests): read the authentication certificate through the card's directory
//! files, read the PIN1 counter, verify PIN1, and sign a login challenge.

use crate::{
    apdu::{self, Command, KeyKind, Pin, Response, Status},
    token::{Algorithm, AuthToken, challenge_digest},
};

/// Why a card operation failed, in terms a clerk can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CardError {
    #[error("no smart-card reader is connected")]
    NoReader,
    #[error("no card is in the reader")]
    NoCard,
    #[error("this card is not a Latvian eID card")]
    UnsupportedCard,
    #[error("wrong PIN: {tries_left} tries left")]
    WrongPin { tries_left: u8 },
    #[error("the PIN is blocked: unblock it with the PUK code")]
    PinBlocked,
    #[error("the card was removed during the operation")]
    CardRemoved,
    #[error("the reader is in use by another program")]
    ReaderInUse,
    #[error("the card or reader did not answer in time")]
    Timeout,
    #[error("the PIN is not valid: {0}")]
    PinFormat(#[from] apdu::PinFormatError),
    #[error("the card's answer was not understood: {0}")]
    Protocol(String),
    #[error("the smart-card service failed: {0}")]
    Reader(String),
}

impl CardError {
    /// A stable code for the UIs' translations.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoReader => "no_reader",
            Self::NoCard => "no_card",
            Self::UnsupportedCard => "unsupported_card",
            Self::WrongPin { .. } => "wrong_pin",
            Self::PinBlocked => "pin_blocked",
            Self::CardRemoved => "card_removed",
            Self::ReaderInUse => "reader_in_use",
            Self::Timeout => "timeout",
            Self::PinFormat(_) => "pin_format",
            Self::Protocol(_) => "card_protocol",
            Self::Reader(_) => "reader_failed",
        }
    }
}

impl From<apdu::ApduError> for CardError {
    fn from(error: apdu::ApduError) -> Self {
        Self::Protocol(error.to_string())
    }
}

/// One reader as it is now.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReaderSnapshot {
    pub name: String,
    pub card_present: bool,
    /// Counts cards coming and going in this reader: the same number means the same card has
    /// stayed in since it was last looked at.
    pub card_events: u32,
    /// The card's ATR when one is present.
    pub atr: Option<Vec<u8>>,
    /// Whether the card is a Latvian eID card (by its ATR).
    pub latvian_eid: bool,
}

/// Sends one command APDU and returns the response APDU's bytes.
pub trait Transport {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, CardError>;

    /// Whether the reader has its own PIN pad.
    fn has_pin_pad(&mut self) -> bool {
        false
    }

    /// VERIFY of `reference` with the PIN typed on the reader's pad (this program never sees
    /// it); the card's response APDU.
    fn verify_on_pin_pad(&mut self, _reference: u8, _min_length: u8) -> Result<Vec<u8>, CardError> {
        Err(CardError::Protocol("this reader has no PIN pad".into()))
    }
}

/// Where a PIN comes from: typed in this program, or on the reader's own pad.
#[derive(Debug, Clone, Copy)]
pub enum PinEntry<'a> {
    Typed(&'a Pin),
    PinPad,
}

/// The authentication key as the card describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthenticationKey {
    pub kind: KeyKind,
    pub reference: u8,
}

impl AuthenticationKey {
    /// The Web eID algorithm a card key signs with (RS256 for RSA cards, ES384 for EC cards).
    pub fn algorithm(self) -> Algorithm {
        match self.kind {
            KeyKind::Rsa2048 => Algorithm::Rs256,
            KeyKind::EcP384 => Algorithm::Es384,
        }
    }
}

/// The qualified signing key as the card describes it (ADF2's PrKDF).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SigningKey {
    pub kind: KeyKind,
    pub reference: u8,
}

/// A Latvian eID card behind a transport.
pub struct EidCard<T: Transport> {
    transport: T,
}

impl<T: Transport> EidCard<T> {
    pub fn new(transport: T) -> Self {
        Self { transport }
    }

    pub fn into_transport(self) -> T {
        self.transport
    }

    fn send(&mut self, command: &Command) -> Result<Response, CardError> {
        let bytes = command.to_bytes();
        let answer = self.transport.transmit(&bytes)?;
        tracing::trace!(command = ?command, sw = format_args!("{:04X}", Response::parse(&answer).map(|r| r.sw).unwrap_or(0)), "APDU");
        Ok(Response::parse(&answer)?)
    }

    /// Sends and requires `90 00`; PIN and other failures become their [`CardError`].
    fn expect_ok(&mut self, command: &Command, what: &str) -> Result<Vec<u8>, CardError> {
        let response = self.send(command)?;
        Self::check_ok(response, what)
    }

    fn check_ok(response: Response, what: &str) -> Result<Vec<u8>, CardError> {
        match response.status() {
            Status::Ok => Ok(response.data),
            Status::WrongPin { tries_left: 0 } | Status::PinBlocked => Err(CardError::PinBlocked),
            Status::WrongPin { tries_left } => Err(CardError::WrongPin { tries_left }),
            other => Err(CardError::Protocol(format!("{what}: the card answered {other:?} ({:04X})", response.sw))),
        }
    }

    fn select_authentication_application(&mut self) -> Result<(), CardError> {
        // A card that refuses the main application is some other card.
        match self.send(&apdu::select_aid(&apdu::MAIN_AID))?.status() {
            Status::Ok => {}
            _ => return Err(CardError::UnsupportedCard),
        }
        self.expect_ok(&apdu::select_aid(&apdu::AUTH_AID), "select the authentication application")?;
        Ok(())
    }

    /// Reads a whole elementary file of the current application, in blocks of 0xC0 bytes.
    fn read_file(&mut self, fid: [u8; 2]) -> Result<Vec<u8>, CardError> {
        let fcp = self.expect_ok(&apdu::select_ef(fid), "select a file")?;
        let size = apdu::fcp_file_size(&fcp)?;
        let mut content = Vec::with_capacity(size);
        while content.len() < size {
            let block = (size - content.len()).min(usize::from(apdu::READ_BLOCK)) as u8;
            let offset = u16::try_from(content.len()).map_err(|_| CardError::Protocol("a file over 32 KiB".into()))?;
            let chunk = self.expect_ok(&apdu::read_binary(offset, block), "read a file")?;
            if chunk.len() != usize::from(block) {
                return Err(CardError::Protocol(format!("asked {block} bytes, the card gave {}", chunk.len())));
            }
            content.extend_from_slice(&chunk);
        }
        Ok(content)
    }

    /// The authentication certificate (DER), found through EF.OD and EF.CDF, so both card
    /// generations (slot 1 RSA, slot 2 EC) are read the same way. Needs no PIN.
    pub fn authentication_certificate(&mut self) -> Result<Vec<u8>, CardError> {
        self.select_authentication_application()?;
        let (cdf, _) = apdu::object_directory(&self.read_file(apdu::FID_OD)?)?;
        let certificate_file = apdu::certificate_file(&self.read_file(cdf)?)?;
        self.read_file(certificate_file)
    }

    /// The authentication key's type and reference, from EF.PrKDF.
    pub fn authentication_key(&mut self) -> Result<AuthenticationKey, CardError> {
        self.select_authentication_application()?;
        let (_, prkdf) = apdu::object_directory(&self.read_file(apdu::FID_OD)?)?;
        let (kind, reference) = apdu::private_key(&self.read_file(prkdf)?)?;
        Ok(AuthenticationKey { kind, reference })
    }

    /// How many PIN1 tries are left (0: blocked).
    pub fn pin1_tries_left(&mut self) -> Result<u8, CardError> {
        self.expect_ok(&apdu::select_aid(&apdu::MAIN_AID), "select the main application")?;
        let answer = self.expect_ok(&apdu::pin_retry_counter(apdu::PIN1), "read the PIN1 counter")?;
        Ok(apdu::pin_counter(&answer)?.1)
    }

    /// Verifies PIN1 and signs `digest` with the authentication key (libelectronic-id's order:
    /// application, key directory, security environment, PIN, INTERNAL AUTHENTICATE).
    pub fn authenticate(&mut self, pin: &Pin, digest: &[u8]) -> Result<Vec<u8>, CardError> {
        let key = self.authentication_key()?;
        self.authenticate_with(key, PinEntry::Typed(pin), digest)
    }

    /// [`EidCard::authenticate`] with the key already read from the card.
    fn authenticate_with(
        &mut self,
        key: AuthenticationKey,
        pin: PinEntry<'_>,
        digest: &[u8],
    ) -> Result<Vec<u8>, CardError> {
        self.expect_ok(&apdu::select_aid(&apdu::AUTH_AID), "select the authentication application")?;
        self.expect_ok(&apdu::set_authentication_key(key.kind, key.reference), "choose the authentication key")?;
        match pin {
            PinEntry::Typed(pin) => {
                self.expect_ok(&apdu::verify_pin(apdu::PIN1, pin), "verify PIN1")?;
            }
            PinEntry::PinPad => {
                let answer = self.transport.verify_on_pin_pad(apdu::PIN1, apdu::PIN_MIN_LENGTH as u8)?;
                Self::check_ok(Response::parse(&answer)?, "verify PIN1 on the reader")?;
            }
        }
        self.expect_ok(&apdu::internal_authenticate(key.kind, digest), "sign")
    }

    fn select_signing_application(&mut self) -> Result<(), CardError> {
        match self.send(&apdu::select_aid(&apdu::MAIN_AID))?.status() {
            Status::Ok => {}
            _ => return Err(CardError::UnsupportedCard),
        }
        self.expect_ok(&apdu::select_aid(&apdu::QSCD_AID), "select the signing application")?;
        Ok(())
    }

    /// The qualified signing certificate (DER) from ADF2, found through its EF.OD and EF.CDF
    /// (slot 1 `341F` on RSA cards, slot 2 `341E` on EC ones). Needs no PIN.
    pub fn signing_certificate(&mut self) -> Result<Vec<u8>, CardError> {
        self.select_signing_application()?;
        let (cdf, _) = apdu::object_directory(&self.read_file(apdu::FID_OD)?)?;
        let certificate_file = apdu::certificate_file(&self.read_file(cdf)?)?;
        self.read_file(certificate_file)
    }

    /// The signing key's type and reference, from ADF2's EF.PrKDF.
    pub fn signing_key(&mut self) -> Result<SigningKey, CardError> {
        self.select_signing_application()?;
        let (_, prkdf) = apdu::object_directory(&self.read_file(apdu::FID_OD)?)?;
        let (kind, reference) = apdu::private_key(&self.read_file(prkdf)?)?;
        Ok(SigningKey { kind, reference })
    }

    /// How many PIN2 tries are left (0: blocked). PIN2 is local to the signing application.
    pub fn pin2_tries_left(&mut self) -> Result<u8, CardError> {
        self.select_signing_application()?;
        let answer = self.expect_ok(&apdu::pin_retry_counter(apdu::PIN2 & 0x0F), "read the PIN2 counter")?;
        Ok(apdu::pin_counter(&answer)?.1)
    }

    /// Signs `hash` (SHA-256 for an RSA card, SHA-384 for an EC one) with the qualified signing
    /// key: signing application, key directory, security environment, PIN2 (typed or on the
    /// reader's pad), PSO: COMPUTE DIGITAL SIGNATURE. The card asks PIN2 for every signature.
    /// RSA: a PKCS#1 v1.5 signature; EC: raw r‖s.
    pub fn sign(&mut self, pin2: PinEntry<'_>, hash: &[u8]) -> Result<Vec<u8>, CardError> {
        let key = self.signing_key()?;
        self.expect_ok(&apdu::select_aid(&apdu::QSCD_AID), "select the signing application")?;
        self.expect_ok(&apdu::set_signing_key(key.kind, key.reference), "choose the signing key")?;
        match pin2 {
            PinEntry::Typed(pin) => {
                self.expect_ok(&apdu::verify_pin(apdu::PIN2, pin), "verify PIN2")?;
            }
            PinEntry::PinPad => {
                let answer = self.transport.verify_on_pin_pad(apdu::PIN2, apdu::PIN2_MIN_LENGTH as u8)?;
                Self::check_ok(Response::parse(&answer)?, "verify PIN2 on the reader")?;
            }
        }
        self.expect_ok(&apdu::compute_digital_signature(hash), "sign")
    }

    /// Whether PIN1 can be entered on the reader itself.
    pub fn has_pin_pad(&mut self) -> bool {
        self.transport.has_pin_pad()
    }

    /// A Web eID authentication token for `origin` and the server's `nonce`, signed with PIN1.
    pub fn sign_login(
        &mut self,
        pin: &Pin,
        origin: &str,
        nonce: &str,
        app_version: &str,
    ) -> Result<AuthToken, CardError> {
        let certificate = self.authentication_certificate()?;
        let challenge = LoginChallenge { certificate: &certificate, origin, nonce, app_version };
        self.sign_login_with(PinEntry::Typed(pin), &challenge)
    }

    /// [`EidCard::sign_login`] with the certificate already read (it takes a dozen APDUs).
    pub fn sign_login_with(
        &mut self,
        pin: PinEntry<'_>,
        challenge: &LoginChallenge<'_>,
    ) -> Result<AuthToken, CardError> {
        let key = self.authentication_key()?;
        let algorithm = key.algorithm();
        let digest = challenge_digest(algorithm, challenge.origin, challenge.nonce);
        let signature = self.authenticate_with(key, pin, &digest)?;
        Ok(AuthToken::new(challenge.certificate, algorithm, &signature, challenge.app_version))
    }
}

/// What a Web eID login signs, and what goes into its token: the card's authentication
/// certificate (read before), the server's origin and nonce, the app's version.
#[derive(Debug, Clone, Copy)]
pub struct LoginChallenge<'a> {
    pub certificate: &'a [u8],
    pub origin: &'a str,
    pub nonce: &'a str,
    pub app_version: &'a str,
}

/// The card operations a login needs, by reader name: implemented over PC/SC
/// (`reader::Readers`) and, for tests, over virtual cards held in the process.
pub trait CardReaders: Send + Sync {
    fn readers(&self) -> Result<Vec<ReaderSnapshot>, CardError>;
    fn authentication_certificate(&self, reader: &str) -> Result<Vec<u8>, CardError>;
    fn pin1_tries_left(&self, reader: &str) -> Result<u8, CardError>;
    /// Whether the reader has its own PIN pad.
    fn has_pin_pad(&self, _reader: &str) -> bool {
        false
    }

    /// Signs a login challenge with the card in `reader`.
    fn sign_login(
        &self,
        reader: &str,
        pin: PinEntry<'_>,
        challenge: &LoginChallenge<'_>,
    ) -> Result<AuthToken, CardError>;

    /// The qualified signing certificate of the card in `reader` (no PIN).
    fn signing_certificate(&self, reader: &str) -> Result<Vec<u8>, CardError>;
    fn pin2_tries_left(&self, reader: &str) -> Result<u8, CardError>;
    /// Signs `hash` with the card's qualified signing key in `reader`, PIN2 asked for it.
    fn sign(&self, reader: &str, pin2: PinEntry<'_>, hash: &[u8]) -> Result<Vec<u8>, CardError>;

    /// The first reader holding a Latvian eID card, or why there is none.
    fn eid_reader(&self) -> Result<String, CardError> {
        let readers = self.readers()?;
        if readers.is_empty() {
            return Err(CardError::NoReader);
        }
        if let Some(reader) = readers.iter().find(|r| r.latvian_eid) {
            return Ok(reader.name.clone());
        }
        Err(if readers.iter().any(|r| r.card_present) { CardError::UnsupportedCard } else { CardError::NoCard })
    }
}
