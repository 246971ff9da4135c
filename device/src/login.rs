//! Logging a person in on a desk or kiosk with their eID card: online through the server's
//! challenge, or, with the server unreachable, offline against the certificate pinned at their
//! last online login. Removing the card locks at once; the same card and PIN unlock.
//!
//! Card access is behind [`CardReaders`] (PC/SC in the apps, virtual cards in tests), so this
//! logic runs and is tested without a window or a reader.

use std::sync::{Arc, Mutex};

use base64::{Engine as _, engine::general_purpose::STANDARD};
use chrono::{DateTime, Duration, Utc};
use eid::{
    CardError, CardReaders, LoginChallenge, ParsedCertificate, ReaderSnapshot,
    apdu::{PIN_MIN_LENGTH, Pin},
    session::PinEntry,
};
use offline_store::{PinnedLogin, Store};
use serde::Serialize;

use crate::{
    ErrorCode,
    client::{ClientError, SyncClient},
    engine::Clock,
    protocol::DeviceCredentials,
};

/// How long after the last online login a person may unlock a device offline, unless set.
pub const DEFAULT_OFFLINE_UNLOCK_DAYS: i64 = 7;

/// Why a login failed, with a stable code for the UI's translations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{message}")]
pub struct LoginFailure {
    pub code: ErrorCode,
    pub message: String,
    /// PIN tries left after a wrong PIN.
    pub tries_left: Option<u8>,
}

impl LoginFailure {
    fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), tries_left: None }
    }
}

impl From<CardError> for LoginFailure {
    fn from(error: CardError) -> Self {
        let tries_left = match error {
            CardError::WrongPin { tries_left } => Some(tries_left),
            _ => None,
        };
        Self { code: ErrorCode::from(&error), message: error.to_string(), tries_left }
    }
}

impl From<offline_store::StoreError> for LoginFailure {
    fn from(error: offline_store::StoreError) -> Self {
        Self::new(ErrorCode::LocalStore, error.to_string())
    }
}

/// The person logged in (or whose card locked the device).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Person {
    pub personal_code: String,
    pub given_name: String,
    pub surname: String,
    pub roles: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Active {
    person: Person,
    certificate: Vec<u8>,
    reader: String,
    /// The reader's card event count when the card was read: any change is a removal.
    card_events: u32,
    session_token: Option<String>,
    /// The proof of this login the desk's outbox entries carry (JSON of
    /// [`crate::protocol::EntryAuthor`]).
    author: Option<String>,
    offline: bool,
    since: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
enum State {
    #[default]
    LoggedOut,
    LoggedIn(Active),
    Locked(Active),
}

/// What the screens show about the login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LoginView {
    /// `logged_out`, `logged_in` or `locked`.
    #[cfg_attr(feature = "ts", ts(type = r#""logged_out" | "logged_in" | "locked""#))]
    pub state: &'static str,
    pub person: Option<Person>,
    /// Logged in without the server: everything done is marked so when it syncs.
    pub offline: bool,
    pub since: Option<DateTime<Utc>>,
}

/// The card's holder and dates from its authentication certificate, with what is known of its PIN.
fn holder_details(
    reader: &ReaderSnapshot,
    der: &[u8],
    pin_tries_left: Option<u8>,
    pin_pad: bool,
) -> Result<CardDetails, CardError> {
    let certificate = ParsedCertificate::from_der(der).map_err(|e| CardError::Protocol(e.0))?;
    let identity = certificate.identity();
    let holder = match (&identity.given_name, &identity.surname) {
        (Some(given), Some(surname)) => format!("{given} {surname}"),
        _ => identity.common_name.clone().unwrap_or_default(),
    };
    Ok(CardDetails {
        reader: reader.name.clone(),
        holder,
        personal_code: identity.personal_code().map(|(_, code)| code.to_owned()),
        not_before: certificate.not_before(),
        not_after: certificate.not_after(),
        pin_tries_left,
        pin_pad,
    })
}

/// What the screens show about readers and the card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CardView {
    /// `no_service`, `no_reader`, `no_card`, `unsupported_card`, `card`.
    #[cfg_attr(feature = "ts", ts(type = r#""no_service" | "no_reader" | "no_card" | "unsupported_card" | "card""#))]
    pub status: &'static str,
    pub readers: Vec<String>,
    pub card: Option<CardDetails>,
    pub message: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CardDetails {
    pub reader: String,
    pub holder: String,
    pub personal_code: Option<String>,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    pub pin_tries_left: Option<u8>,
    /// PIN1 is typed on the reader's own pad.
    pub pin_pad: bool,
}

/// A card as last described: by reader and event count, with its certificate.
struct CachedCard {
    reader: String,
    events: u32,
    details: CardDetails,
    certificate: Vec<u8>,
    /// A login was tried since: the PIN counter may have changed.
    tries_stale: bool,
}

/// The server to log in with, when the device is enrolled.
pub struct Server {
    pub client: SyncClient,
    pub credentials: DeviceCredentials,
}

/// One device's login state.
pub struct LoginManager {
    cards: Arc<dyn CardReaders>,
    store: Arc<Store>,
    clock: Clock,
    offline_unlock: Duration,
    app_version: String,
    state: Mutex<State>,
    /// The card last described, by reader and event count (reading a certificate takes a dozen
    /// APDUs; the screens ask twice a second).
    card_cache: Mutex<Option<CachedCard>>,
    /// The last presence check found the card missing.
    absent_once: Mutex<bool>,
}

impl std::fmt::Debug for LoginManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginManager").field("view", &self.view()).finish_non_exhaustive()
    }
}

use crate::protocol::OFFLINE_UNLOCK_ORIGIN as OFFLINE_ORIGIN;

impl LoginManager {
    pub fn new(
        cards: Arc<dyn CardReaders>,
        store: Arc<Store>,
        clock: Clock,
        offline_unlock: Duration,
        app_version: &str,
    ) -> Self {
        Self {
            cards,
            store,
            clock,
            offline_unlock,
            app_version: app_version.to_owned(),
            state: Mutex::default(),
            card_cache: Mutex::default(),
            absent_once: Mutex::default(),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn view(&self) -> LoginView {
        let (state, active) = match &*self.state() {
            State::LoggedOut => ("logged_out", None),
            State::LoggedIn(active) => ("logged_in", Some(active.clone())),
            State::Locked(active) => ("locked", Some(active.clone())),
        };
        LoginView {
            state,
            offline: active.as_ref().is_some_and(|a| a.offline),
            since: active.as_ref().map(|a| a.since),
            person: active.map(|a| a.person),
        }
    }

    /// The session token of an online login, for calls that act for the person.
    pub fn session_token(&self) -> Option<String> {
        match &*self.state() {
            State::LoggedIn(active) => active.session_token.clone(),
            _ => None,
        }
    }

    /// The proof of the present login that outbox entries made now carry, so the server can
    /// check who made them (JSON of [`crate::protocol::EntryAuthor`]): the session's reference
    /// online, the card's signature at the unlock offline.
    pub fn entry_author(&self) -> Option<String> {
        match &*self.state() {
            State::LoggedIn(active) => active.author.clone(),
            _ => None,
        }
    }

    /// Readers and the card in them, with the card's holder and PIN tries (no PIN needed).
    pub fn card_view(&self) -> CardView {
        let readers = match self.cards.readers() {
            Ok(readers) => readers,
            Err(error) => {
                return CardView {
                    status: "no_service",
                    readers: Vec::new(),
                    card: None,
                    message: Some(error.to_string()),
                };
            }
        };
        let names = readers.iter().map(|r| r.name.clone()).collect();
        let Some(reader) = readers.iter().find(|r| r.latvian_eid) else {
            let status = match readers.as_slice() {
                [] => "no_reader",
                all if all.iter().any(|r| r.card_present) => "unsupported_card",
                _ => "no_card",
            };
            return CardView { status, readers: names, card: None, message: None };
        };
        let mut cache = self.card_cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(cached) = cache.as_mut()
            && cached.reader == reader.name
            && cached.events == reader.card_events
        {
            if cached.tries_stale {
                cached.details.pin_tries_left = self.cards.pin1_tries_left(&reader.name).ok();
                cached.tries_stale = false;
            }
            return CardView { status: "card", readers: names, card: Some(cached.details.clone()), message: None };
        }
        match self.card_details(reader) {
            Ok((details, certificate)) => {
                *cache = Some(CachedCard {
                    reader: reader.name.clone(),
                    events: reader.card_events,
                    details: details.clone(),
                    certificate,
                    tries_stale: false,
                });
                CardView { status: "card", readers: names, card: Some(details), message: None }
            }
            Err(error) => CardView { status: "no_card", readers: names, card: None, message: Some(error.to_string()) },
        }
    }

    /// The card of the customer at the desk: a Latvian eID card in a reader other than the one
    /// the logged-in person used. Only the certificate is read: no PIN, nothing signed.
    pub fn customer_card(&self) -> Result<CardDetails, LoginFailure> {
        let own = match &*self.state() {
            State::LoggedIn(active) => (active.reader.clone(), active.certificate.clone()),
            _ => return Err(LoginFailure::new(ErrorCode::NotLoggedIn, "log in before reading a customer's card")),
        };
        let readers = self.cards.readers()?;
        let others: Vec<&ReaderSnapshot> = readers.iter().filter(|r| r.name != own.0 && r.card_present).collect();
        for reader in others.iter().filter(|r| r.latvian_eid) {
            // The customer types no PIN here: their PIN counter and the reader's pad stay unread.
            let certificate = self.cards.authentication_certificate(&reader.name)?;
            if certificate != own.1 {
                let details = holder_details(reader, &certificate, None, false)?;
                tracing::info!(reader = %reader.name, "customer card read (certificate only)");
                return Ok(details);
            }
        }
        if others.is_empty() {
            Err(LoginFailure::new(
                ErrorCode::NoCustomerCard,
                "no customer card: insert the customer's eID card into the second reader, or type their personal code",
            ))
        } else {
            Err(LoginFailure::new(ErrorCode::UnsupportedCard, "the customer's card is not a Latvian eID card"))
        }
    }

    /// The customer signs with their own card (PIN1 typed by them): for a consent, with the
    /// `origin` and `nonce` the server gave. Answers the Web eID token's JSON.
    pub fn customer_sign(&self, pin: &str, origin: &str, nonce: &str) -> Result<String, LoginFailure> {
        let pin = Pin::new(pin, PIN_MIN_LENGTH).map_err(|e| LoginFailure::new(ErrorCode::PinFormat, e.to_string()))?;
        let own = match &*self.state() {
            State::LoggedIn(active) => (active.reader.clone(), active.certificate.clone()),
            _ => return Err(LoginFailure::new(ErrorCode::NotLoggedIn, "log in before the customer signs")),
        };
        let readers = self.cards.readers()?;
        for reader in readers.iter().filter(|r| r.name != own.0 && r.card_present && r.latvian_eid) {
            let certificate = self.cards.authentication_certificate(&reader.name)?;
            if certificate != own.1 {
                let challenge =
                    LoginChallenge { certificate: &certificate, origin, nonce, app_version: &self.app_version };
                let token = self.cards.sign_login(&reader.name, PinEntry::Typed(&pin), &challenge)?;
                tracing::info!(reader = %reader.name, "the customer signed with their card");
                return Ok(token.to_json());
            }
        }
        Err(LoginFailure::new(ErrorCode::NoCustomerCard, "insert the customer's eID card into the second reader"))
    }

    /// The customer's card for a signature: the reader and its qualified signing certificate —
    /// a Latvian eID card in a reader other than the logged-in person's, and not their card (the
    /// clerk's own card is never the applicant's signature).
    pub fn customer_signing_card(&self) -> Result<(String, Vec<u8>), LoginFailure> {
        let own = match &*self.state() {
            State::LoggedIn(active) => (active.reader.clone(), active.certificate.clone()),
            _ => return Err(LoginFailure::new(ErrorCode::NotLoggedIn, "log in before the customer signs")),
        };
        let readers = self.cards.readers()?;
        for reader in readers.iter().filter(|r| r.name != own.0 && r.card_present && r.latvian_eid) {
            if self.cards.authentication_certificate(&reader.name)? != own.1 {
                let certificate = self.cards.signing_certificate(&reader.name)?;
                return Ok((reader.name.clone(), certificate));
            }
        }
        Err(LoginFailure::new(ErrorCode::NoCustomerCard, "insert the customer's eID card into the second reader"))
    }

    /// The logged-in person's own card for a signature (a citizen at a kiosk): the reader they
    /// logged in with, its card still theirs, and its qualified signing certificate.
    pub fn holder_signing_card(&self) -> Result<(String, Vec<u8>), LoginFailure> {
        let (reader, certificate) = match &*self.state() {
            State::LoggedIn(active) => (active.reader.clone(), active.certificate.clone()),
            _ => return Err(LoginFailure::new(ErrorCode::NotLoggedIn, "log in with your eID card before signing")),
        };
        if self.cards.authentication_certificate(&reader)? != certificate {
            return Err(LoginFailure::new(
                ErrorCode::CertificateMismatch,
                "the card in the reader is not the logged-in person's",
            ));
        }
        Ok((reader.clone(), self.cards.signing_certificate(&reader)?))
    }

    /// The card the customer would sign with: its holder as the signing certificate names them,
    /// and PIN2 tries left (the screen shows whose card it is before the PIN is typed).
    pub fn customer_signer(&self) -> Result<CardDetails, LoginFailure> {
        let (reader, certificate) = self.customer_signing_card()?;
        let snapshot = self.cards.readers()?.into_iter().find(|r| r.name == reader).ok_or(CardError::CardRemoved)?;
        let tries = self.cards.pin2_tries_left(&reader).ok();
        Ok(holder_details(&snapshot, &certificate, tries, self.cards.has_pin_pad(&reader))?)
    }

    /// PIN2 tries left on the customer's card in `reader`.
    pub fn customer_pin2_tries_left(&self, reader: &str) -> Result<u8, LoginFailure> {
        Ok(self.cards.pin2_tries_left(reader)?)
    }

    /// Whether `reader` has its own PIN pad.
    pub fn has_pin_pad(&self, reader: &str) -> bool {
        self.cards.has_pin_pad(reader)
    }

    /// The card in `reader` signs `hash` with its holder's qualified key, PIN2 typed by them
    /// (or on the reader's pad when `pin2` is `None`).
    pub fn sign_with_pin2(&self, reader: &str, pin2: Option<&str>, hash: &[u8]) -> Result<Vec<u8>, LoginFailure> {
        let typed = pin2
            .map(|pin| {
                Pin::new(pin, eid::apdu::PIN2_MIN_LENGTH)
                    .map_err(|e| LoginFailure::new(ErrorCode::PinFormat, e.to_string()))
            })
            .transpose()?;
        let entry = match &typed {
            Some(pin) => PinEntry::Typed(pin),
            None if self.cards.has_pin_pad(reader) => PinEntry::PinPad,
            None => return Err(LoginFailure::new(ErrorCode::PinFormat, "enter PIN2: this reader has no PIN pad")),
        };
        let signature = self.cards.sign(reader, entry, hash)?;
        tracing::info!(reader, "a card holder signed a document with PIN2");
        Ok(signature)
    }

    fn card_details(&self, reader: &ReaderSnapshot) -> Result<(CardDetails, Vec<u8>), CardError> {
        let der = self.cards.authentication_certificate(&reader.name)?;
        let tries = self.cards.pin1_tries_left(&reader.name).ok();
        let details = holder_details(reader, &der, tries, self.cards.has_pin_pad(&reader.name))?;
        Ok((details, der))
    }

    /// Logs in (or unlocks) with the card in the reader and `pin`: online when `server` answers,
    /// offline against the pinned certificate when it cannot be reached.
    /// `pin: None` means the holder types PIN1 on the reader's own pad.
    pub async fn log_in(&self, pin: Option<&str>, server: Option<&Server>) -> Result<LoginView, LoginFailure> {
        let typed = pin
            .map(|pin| {
                Pin::new(pin, PIN_MIN_LENGTH).map_err(|e| LoginFailure::new(ErrorCode::PinFormat, e.to_string()))
            })
            .transpose()?;
        let reader = self.cards.eid_reader()?;
        let pin = match &typed {
            Some(pin) => PinEntry::Typed(pin),
            None if self.cards.has_pin_pad(&reader) => PinEntry::PinPad,
            None => return Err(LoginFailure::new(ErrorCode::PinFormat, "enter PIN1: this reader has no PIN pad")),
        };
        let card_events = self
            .cards
            .readers()?
            .into_iter()
            .find(|r| r.name == reader)
            .map(|r| r.card_events)
            .ok_or(CardError::CardRemoved)?;
        // The certificate the screen showed, when it is still the same card; the PIN counter
        // may change whatever happens, so the card is described afresh next time.
        let cached = {
            let mut cache = self.card_cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            cache.as_mut().filter(|c| c.reader == reader && c.events == card_events).map(|c| {
                c.tries_stale = true;
                c.certificate.clone()
            })
        };
        let certificate = match cached {
            Some(der) => der,
            None => self.cards.authentication_certificate(&reader)?,
        };
        if let State::Locked(active) = &*self.state()
            && active.certificate != certificate
        {
            return Err(LoginFailure::new(
                ErrorCode::LockedByOther,
                format!(
                    "this desk is locked by {} {}: insert their card, or log them out first",
                    active.person.given_name, active.person.surname
                ),
            ));
        }
        let now = (self.clock)();
        let online = match server {
            Some(server) => match self.log_in_online(server, &reader, pin, &certificate, now).await {
                Err(OnlineError::Unreachable(reason)) => {
                    tracing::info!(%reason, "the server is unreachable: trying an offline unlock");
                    None
                }
                Err(OnlineError::Refused(failure)) => return Err(failure),
                Ok(active) => Some(active),
            },
            None => None,
        };
        let mut active = match online {
            Some(active) => active,
            None => self.log_in_offline(&reader, pin, &certificate, now)?,
        };
        active.card_events = card_events;
        tracing::info!(offline = active.offline, roles = ?active.person.roles, "logged in");
        *self.state() = State::LoggedIn(active);
        Ok(self.view())
    }

    async fn log_in_online(
        &self,
        server: &Server,
        reader: &str,
        pin: PinEntry<'_>,
        certificate: &[u8],
        now: DateTime<Utc>,
    ) -> Result<Active, OnlineError> {
        let challenge = server.client.login_challenge(&server.credentials).await?;
        let signed = LoginChallenge {
            certificate,
            origin: &challenge.origin,
            nonce: &challenge.nonce,
            app_version: &self.app_version,
        };
        let token = self.cards.sign_login(reader, pin, &signed)?;
        let response = server.client.log_in(&server.credentials, &token.to_json(), &challenge.nonce).await?;
        let person = Person {
            personal_code: response.session.person.personal_code.clone(),
            given_name: response.session.person.given_name.clone(),
            surname: response.session.person.surname.clone(),
            roles: response.session.roles.clone(),
        };
        let accepted = STANDARD.decode(&response.certificate).unwrap_or_default();
        if accepted != certificate {
            return Err(OnlineError::Refused(LoginFailure::new(
                ErrorCode::CertificateMismatch,
                "the server accepted a different certificate than the card's: try again",
            )));
        }
        if self.remembers_logins() {
            self.store
                .pin_login(&PinnedLogin {
                    personal_code: person.personal_code.clone(),
                    certificate: certificate.to_vec(),
                    given_name: person.given_name.clone(),
                    surname: person.surname.clone(),
                    roles: person.roles.clone(),
                    last_online_login_at: now,
                })
                .map_err(|e| OnlineError::Refused(e.into()))?;
        }
        Ok(Active {
            person,
            certificate: certificate.to_vec(),
            reader: reader.to_owned(),
            card_events: 0,
            author: author_json(&crate::protocol::EntryAuthor::Session {
                session: crate::protocol::session_reference(&response.session_token),
            }),
            session_token: Some(response.session_token),
            offline: false,
            since: now,
        })
    }

    /// Desks remember their staff for offline unlock; kiosks remember no citizen.
    fn remembers_logins(&self) -> bool {
        matches!(self.store.enrollment(), Ok(Some(e)) if e.kind == domain::DeviceKind::Desk)
    }

    fn log_in_offline(
        &self,
        reader: &str,
        pin: PinEntry<'_>,
        certificate: &[u8],
        now: DateTime<Utc>,
    ) -> Result<Active, LoginFailure> {
        if !self.remembers_logins() {
            return Err(LoginFailure::new(ErrorCode::Unreachable, "the server cannot be reached: try again later"));
        }
        let pinned = self.store.pinned_login(certificate)?.ok_or_else(|| {
            LoginFailure::new(
                ErrorCode::OfflineUnknownCard,
                "the server cannot be reached, and this card has not logged in on this desk before: log in once while online",
            )
        })?;
        if now > pinned.last_online_login_at + self.offline_unlock {
            return Err(LoginFailure::new(
                ErrorCode::OfflinePeriodOver,
                format!(
                    "the server cannot be reached, and the last online login on this desk was more than {} days ago: log in while online",
                    self.offline_unlock.num_days()
                ),
            ));
        }
        let parsed =
            ParsedCertificate::from_der(certificate).map_err(|e| LoginFailure::new(ErrorCode::CardProtocol, e.0))?;
        if parsed.validity_at(now) != eid::certificate::Validity::Valid {
            return Err(LoginFailure::new(ErrorCode::CertificateExpired, "the card's certificate is not valid now"));
        }
        // A fresh local challenge bound to this device and moment, signed by the card and checked
        // against the pinned certificate. The signature travels with what is done in this
        // session: the server checks it again when the entries arrive.
        let device_id = self
            .store
            .enrollment()?
            .map(|e| e.device_id)
            .ok_or_else(|| LoginFailure::new(ErrorCode::NotEnrolled, "this device is not enrolled"))?;
        let mut random = [0u8; 32];
        getrandom::fill(&mut random).map_err(|e| LoginFailure::new(ErrorCode::Random, e.to_string()))?;
        let salt = hex::encode(random);
        let nonce = crate::protocol::offline_unlock_nonce(device_id, now, &salt);
        let origin = OFFLINE_ORIGIN;
        let challenge = LoginChallenge { certificate, origin, nonce: &nonce, app_version: &self.app_version };
        let token = self.cards.sign_login(reader, pin, &challenge)?;
        eid::token::verify_signature(&parsed, token.algorithm.as_deref(), token.signature.as_deref(), origin, &nonce)
            .map_err(|e| LoginFailure::new(ErrorCode::named(e.code()), e.to_string()))?;
        let author = author_json(&crate::protocol::EntryAuthor::OfflineUnlock {
            token: token.to_json(),
            unlocked_at: now,
            salt,
        });
        Ok(Active {
            person: Person {
                personal_code: pinned.personal_code,
                given_name: pinned.given_name,
                surname: pinned.surname,
                roles: pinned.roles,
            },
            certificate: certificate.to_vec(),
            reader: reader.to_owned(),
            card_events: 0,
            session_token: None,
            author,
            offline: true,
            since: now,
        })
    }

    /// Checks the reader of the logged-in person: when their card has gone (seen missing twice in
    /// a row), or another card is in its place, the device locks. Returns whether it just locked.
    /// Reads no card data unless the reader's event count moved, so it is cheap to call often.
    pub fn check_card_presence(&self) -> bool {
        let (reader, events, certificate) = match &*self.state() {
            State::LoggedIn(active) => (active.reader.clone(), active.card_events, active.certificate.clone()),
            _ => return false,
        };
        let snapshot = match self.cards.readers() {
            Ok(readers) => readers.into_iter().find(|r| r.name == reader),
            // The reader service failing is no proof the card left; the next check decides.
            Err(error) => {
                tracing::debug!(%error, "reader state unavailable");
                return false;
            }
        };
        let absent = snapshot.as_ref().is_none_or(|r| !r.card_present);
        // Readers report a card missing for a moment now and then: it counts when seen twice in
        // a row (a quarter of a second apart with the watch).
        let seen_before = std::mem::replace(&mut *self.absent_once.lock().unwrap_or_else(|e| e.into_inner()), absent);
        if absent && !seen_before {
            return false;
        }
        let reason = match &snapshot {
            None => "the reader was unplugged",
            Some(r) if !r.card_present => "the card was taken out",
            Some(r) if r.card_events == events => return false,
            // Cards came and went since the login. The same card back in the reader is the same
            // person (readers also count power cycles on some platforms); another card is not.
            Some(r) => match self.cards.authentication_certificate(&reader) {
                Ok(der) if der == certificate => {
                    if let State::LoggedIn(active) = &mut *self.state() {
                        active.card_events = r.card_events;
                    }
                    return false;
                }
                Ok(_) => "another card is in the reader",
                Err(_) => "the card cannot be read",
            },
        };
        let mut state = self.state();
        if let State::LoggedIn(active) = &*state {
            tracing::info!(reason, snapshot = ?snapshot, "locking");
            *state = State::Locked(active.clone());
            return true;
        }
        false
    }

    /// Ends the login (and the server session when there is one and the server answers).
    pub async fn log_out(&self, server: Option<&Server>) -> LoginView {
        let previous = std::mem::take(&mut *self.state());
        if let (State::LoggedIn(active) | State::Locked(active), Some(server)) = (previous, server)
            && let Some(token) = active.session_token
            && let Err(error) = server.client.log_out(&server.credentials, &token).await
        {
            // The session expires on its own; the desk is logged out either way.
            tracing::warn!(%error, "the server could not be told about the logout");
        }
        self.view()
    }
}

enum OnlineError {
    Unreachable(String),
    Refused(LoginFailure),
}

impl From<ClientError> for OnlineError {
    fn from(error: ClientError) -> Self {
        match error {
            ClientError::Unreachable { reason, .. } => Self::Unreachable(reason),
            ClientError::Rejected { code, message, .. } => {
                Self::Refused(LoginFailure::new(ErrorCode::named(&code), message))
            }
            other => Self::Refused(LoginFailure::new(ErrorCode::named(other.code()), other.to_string())),
        }
    }
}

impl From<CardError> for OnlineError {
    fn from(error: CardError) -> Self {
        Self::Refused(error.into())
    }
}

/// The system's PC/SC readers, connected on first use and again after pcscd restarts, so a
/// device starts even when the smart-card service is not running yet.
///
/// Card operations each get a PC/SC context of their own and run one at a time: pcsc-lite
/// holds a context's lock while a call blocks, so a transaction waiting on one thread would
/// stall every call of another thread that shares its context.
#[derive(Default)]
pub struct SystemReaders {
    readers: Mutex<Option<Arc<eid::reader::Readers>>>,
    card_operation: Mutex<()>,
}

impl SystemReaders {
    fn get(&self) -> Result<Arc<eid::reader::Readers>, CardError> {
        let mut slot = self.readers.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(readers) = slot.as_ref() {
            return Ok(readers.clone());
        }
        let readers = Arc::new(eid::reader::Readers::new()?);
        *slot = Some(readers.clone());
        Ok(readers)
    }

    /// A failure that means the service went away: reconnect next time.
    fn forget_on(&self, error: &CardError) {
        if matches!(error, CardError::Reader(_)) {
            *self.readers.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = None;
        }
    }

    fn call<R>(&self, f: impl FnOnce(&eid::reader::Readers) -> Result<R, CardError>) -> Result<R, CardError> {
        let result = f(&*self.get()?);
        if let Err(error) = &result {
            self.forget_on(error);
        }
        result
    }

    fn with_card<R>(&self, f: impl FnOnce(&eid::reader::Readers) -> Result<R, CardError>) -> Result<R, CardError> {
        let _one_at_a_time = self.card_operation.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&eid::reader::Readers::new()?)
    }
}

impl CardReaders for SystemReaders {
    fn readers(&self) -> Result<Vec<ReaderSnapshot>, CardError> {
        self.call(|r| r.readers())
    }

    fn authentication_certificate(&self, reader: &str) -> Result<Vec<u8>, CardError> {
        self.with_card(|r| r.authentication_certificate(reader))
    }

    fn pin1_tries_left(&self, reader: &str) -> Result<u8, CardError> {
        self.with_card(|r| r.pin1_tries_left(reader))
    }

    fn has_pin_pad(&self, reader: &str) -> bool {
        self.with_card(|r| Ok(r.has_pin_pad(reader))).unwrap_or(false)
    }

    fn sign_login(
        &self,
        reader: &str,
        pin: PinEntry<'_>,
        challenge: &LoginChallenge<'_>,
    ) -> Result<eid::AuthToken, CardError> {
        self.with_card(|r| r.sign_login(reader, pin, challenge))
    }

    fn signing_certificate(&self, reader: &str) -> Result<Vec<u8>, CardError> {
        self.with_card(|r| r.signing_certificate(reader))
    }

    fn pin2_tries_left(&self, reader: &str) -> Result<u8, CardError> {
        self.with_card(|r| r.pin2_tries_left(reader))
    }

    fn sign(&self, reader: &str, pin2: PinEntry<'_>, hash: &[u8]) -> Result<Vec<u8>, CardError> {
        self.with_card(|r| r.sign(reader, pin2, hash))
    }
}

fn author_json(author: &crate::protocol::EntryAuthor) -> Option<String> {
    serde_json::to_string(author).ok()
}

/// Watches the logged-in person's card on a thread of its own, locking the moment it goes.
/// Stops when the manager is dropped.
pub fn spawn_card_watch(login: &Arc<LoginManager>, every: std::time::Duration) {
    let weak = Arc::downgrade(login);
    let spawned = std::thread::Builder::new().name("card-watch".into()).spawn(move || {
        while let Some(login) = weak.upgrade() {
            login.check_card_presence();
            drop(login);
            std::thread::sleep(every);
        }
    });
    if let Err(error) = spawned {
        tracing::error!(%error, "the card watch could not start: removing the card will not lock");
    }
}

/// The offline-unlock period from `PIETURA_OFFLINE_UNLOCK_DAYS` (0 turns offline unlock off).
pub fn offline_unlock_from_env() -> Duration {
    let days = std::env::var("PIETURA_OFFLINE_UNLOCK_DAYS")
        .ok()
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|d| (0..=90).contains(d))
        .unwrap_or(DEFAULT_OFFLINE_UNLOCK_DAYS);
    Duration::days(days)
}

/// The in-process reader a training desk puts its clerk's training card in.
pub const TRAINING_CLERK_READER: &str = "Mācību karte (darbinieks)";
/// The one for the customer's training card.
pub const TRAINING_CUSTOMER_READER: &str = "Mācību karte (klients)";

/// A training desk's readers: two in-process ones holding the training cards its training server
/// issued (a workshop needs no hardware), first, then the system's. Logins and signatures go
/// through the same code as with real cards.
#[derive(Default)]
pub struct TrainingReaders {
    system: SystemReaders,
    pub training: eid::virtual_card::InProcessReaders,
}

impl TrainingReaders {
    pub fn new() -> Self {
        Self {
            system: SystemReaders::default(),
            training: eid::virtual_card::InProcessReaders::with_reader(TRAINING_CLERK_READER),
        }
    }

    fn pick(&self, reader: &str) -> &dyn CardReaders {
        if reader == TRAINING_CLERK_READER || reader == TRAINING_CUSTOMER_READER {
            &self.training
        } else {
            &self.system
        }
    }
}

impl CardReaders for TrainingReaders {
    fn readers(&self) -> Result<Vec<ReaderSnapshot>, CardError> {
        let mut all = self.training.readers()?;
        // No PC/SC service on a workshop's computer is no reason to lose the training readers.
        all.extend(self.system.readers().unwrap_or_default());
        Ok(all)
    }

    fn authentication_certificate(&self, reader: &str) -> Result<Vec<u8>, CardError> {
        self.pick(reader).authentication_certificate(reader)
    }

    fn pin1_tries_left(&self, reader: &str) -> Result<u8, CardError> {
        self.pick(reader).pin1_tries_left(reader)
    }

    fn has_pin_pad(&self, reader: &str) -> bool {
        self.pick(reader).has_pin_pad(reader)
    }

    fn sign_login(
        &self,
        reader: &str,
        pin: PinEntry<'_>,
        challenge: &LoginChallenge<'_>,
    ) -> Result<eid::AuthToken, CardError> {
        self.pick(reader).sign_login(reader, pin, challenge)
    }

    fn signing_certificate(&self, reader: &str) -> Result<Vec<u8>, CardError> {
        self.pick(reader).signing_certificate(reader)
    }

    fn pin2_tries_left(&self, reader: &str) -> Result<u8, CardError> {
        self.pick(reader).pin2_tries_left(reader)
    }

    fn sign(&self, reader: &str, pin2: PinEntry<'_>, hash: &[u8]) -> Result<Vec<u8>, CardError> {
        self.pick(reader).sign(reader, pin2, hash)
    }
}
