//! Card readers through the system's PC/SC service (pcscd on Linux, WinSCard on Windows): list
//! readers, watch readers and cards come and go, and open a Latvian eID card for a session.

use std::{ffi::CString, time::Duration};

use crate::{
    apdu,
    session::{CardError, CardReaders, EidCard, LoginChallenge, PinEntry, ReaderSnapshot, Transport},
    token::AuthToken,
};

fn from_pcsc(error: pcsc::Error) -> CardError {
    use pcsc::Error as E;
    match error {
        E::NoReadersAvailable | E::UnknownReader | E::ReaderUnavailable => CardError::NoReader,
        E::NoSmartcard => CardError::NoCard,
        E::RemovedCard | E::ResetCard | E::UnpoweredCard => CardError::CardRemoved,
        E::SharingViolation => CardError::ReaderInUse,
        E::Timeout => CardError::Timeout,
        E::NoService | E::ServiceStopped => {
            CardError::Reader("the smart-card service (pcscd) is not running: start it, or ask support".into())
        }
        E::UnresponsiveCard | E::UnsupportedCard => CardError::UnsupportedCard,
        other => CardError::Reader(other.to_string()),
    }
}

/// The system's readers.
pub struct Readers {
    context: pcsc::Context,
}

impl Readers {
    pub fn new() -> Result<Self, CardError> {
        Ok(Self { context: pcsc::Context::establish(pcsc::Scope::User).map_err(from_pcsc)? })
    }

    fn names(&self) -> Result<Vec<CString>, CardError> {
        match self.context.list_readers_owned() {
            Ok(names) => Ok(names),
            Err(pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
            Err(e) => Err(from_pcsc(e)),
        }
    }

    /// Every reader and whether a card is in it (none connected: an empty list).
    pub fn snapshot(&self) -> Result<Vec<ReaderSnapshot>, CardError> {
        let mut states: Vec<pcsc::ReaderState> =
            self.names()?.into_iter().map(|n| pcsc::ReaderState::new(n, pcsc::State::UNAWARE)).collect();
        if states.is_empty() {
            return Ok(Vec::new());
        }
        self.context.get_status_change(Duration::ZERO, &mut states).map_err(from_pcsc)?;
        Ok(states.iter().map(snapshot_of).collect())
    }

    /// Waits up to `timeout` for a reader or card to come or go, then returns the new snapshot
    /// (or the same one after the timeout). UIs call this in a loop on their own thread.
    pub fn wait_for_change(
        &self,
        known: &[ReaderSnapshot],
        timeout: Duration,
    ) -> Result<Vec<ReaderSnapshot>, CardError> {
        let mut states: Vec<pcsc::ReaderState> = known
            .iter()
            .filter_map(|r| CString::new(r.name.clone()).ok())
            .map(|name| pcsc::ReaderState::new(name, pcsc::State::UNAWARE))
            .collect();
        // Learn the current state of the known readers, then wait for any change, including a
        // reader being plugged in (the PnP pseudo-reader).
        if !states.is_empty() {
            self.context.get_status_change(Duration::ZERO, &mut states).map_err(from_pcsc)?;
            for state in &mut states {
                state.sync_current_state();
            }
        }
        states.push(pcsc::ReaderState::new(pcsc::PNP_NOTIFICATION(), pcsc::State::UNAWARE));
        match self.context.get_status_change(timeout, &mut states) {
            Ok(()) | Err(pcsc::Error::Timeout) => {}
            Err(e) => return Err(from_pcsc(e)),
        }
        self.snapshot()
    }

    /// Opens the Latvian eID card in `reader` (shared with other programs; each operation runs
    /// in a PC/SC transaction).
    pub fn connect(&self, reader: &str) -> Result<ConnectedCard, CardError> {
        let name = CString::new(reader).map_err(|_| CardError::NoReader)?;
        let card = self.context.connect(&name, pcsc::ShareMode::Shared, pcsc::Protocols::ANY).map_err(from_pcsc)?;
        let atr = card.status2_owned().map_err(from_pcsc)?.atr().to_vec();
        if apdu::identify(&atr).is_none() {
            return Err(CardError::UnsupportedCard);
        }
        Ok(ConnectedCard { card: Some(card), atr, reader: reader.to_owned() })
    }
}

fn snapshot_of(state: &pcsc::ReaderState) -> ReaderSnapshot {
    // A card that does not answer for a moment (MUTE) is still in the reader.
    let present = state.event_state().contains(pcsc::State::PRESENT);
    let atr = present.then(|| state.atr().to_vec()).filter(|a| !a.is_empty());
    ReaderSnapshot {
        name: state.name().to_string_lossy().into_owned(),
        card_present: present,
        card_events: state.event_count(),
        latvian_eid: atr.as_deref().and_then(apdu::identify).is_some(),
        atr,
    }
}

/// A connected card. Dropping it leaves the card as it is: `pcsc::Card`'s own drop resets
/// the card, which would break every other program's (and thread's) work with it.
pub struct ConnectedCard {
    card: Option<pcsc::Card>,
    pub atr: Vec<u8>,
    pub reader: String,
}

impl Drop for ConnectedCard {
    fn drop(&mut self) {
        if let Some(card) = self.card.take()
            && let Err((_, error)) = card.disconnect(pcsc::Disposition::LeaveCard)
        {
            tracing::debug!(%error, "disconnecting from the card");
        }
    }
}

/// The reader's VERIFY_PIN_DIRECT control code, when it has a PIN pad.
fn pin_pad_code(card: &pcsc::Card) -> Option<u32> {
    let mut buffer = [0u8; 256];
    // SCARD_CTL_CODE(3400), CM_IOCTL_GET_FEATURE_REQUEST: which PC/SC part 10 features it has.
    let features = card.control(pcsc::ctl_code(3400), &[], &mut buffer).ok()?;
    apdu::pin_pad_verify_code(features)
}

impl Transport for &pcsc::Card {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, CardError> {
        let mut buffer = [0u8; pcsc::MAX_BUFFER_SIZE];
        let answer = pcsc::Card::transmit(self, command, &mut buffer).map_err(from_pcsc)?.to_vec();
        // The buffer may have held a PIN on its way in: nothing of it stays on the stack.
        zeroize::Zeroize::zeroize(&mut buffer[..]);
        Ok(answer)
    }

    fn has_pin_pad(&mut self) -> bool {
        pin_pad_code(self).is_some()
    }

    fn verify_on_pin_pad(&mut self, reference: u8, min_length: u8) -> Result<Vec<u8>, CardError> {
        let code = pin_pad_code(self).ok_or_else(|| CardError::Protocol("this reader has no PIN pad".into()))?;
        let structure = apdu::pin_pad_verify_structure(reference, min_length, apdu::LANGUAGE_LATVIAN);
        let mut buffer = [0u8; 258];
        // Blocks while the holder types on the reader (its own timeouts apply).
        Ok(self.control(code.into(), &structure, &mut buffer).map_err(from_pcsc)?.to_vec())
    }
}

impl ConnectedCard {
    /// Runs `operation` inside one PC/SC transaction, so no other program's APDUs interleave.
    pub fn with<R>(
        &mut self,
        operation: impl FnOnce(&mut EidCard<&pcsc::Card>) -> Result<R, CardError>,
    ) -> Result<R, CardError> {
        self.in_transaction(|card| operation(&mut EidCard::new(card)))
    }

    /// Runs `operation` on the PC/SC card inside one transaction: for a caller that puts its own
    /// transport around it (the measurements count and time each APDU).
    pub fn in_transaction<R>(
        &mut self,
        operation: impl FnOnce(&pcsc::Card) -> Result<R, CardError>,
    ) -> Result<R, CardError> {
        let card = self.card.as_mut().ok_or(CardError::CardRemoved)?;
        let transaction = card.transaction().map_err(from_pcsc)?;
        let result = operation(&transaction);
        // Ending the transaction fails when the card is gone; the operation's own error says more.
        let _ = transaction.end(pcsc::Disposition::LeaveCard);
        result
    }
}

impl CardReaders for Readers {
    fn readers(&self) -> Result<Vec<ReaderSnapshot>, CardError> {
        self.snapshot()
    }

    fn authentication_certificate(&self, reader: &str) -> Result<Vec<u8>, CardError> {
        self.connect(reader)?.with(|card| card.authentication_certificate())
    }

    fn pin1_tries_left(&self, reader: &str) -> Result<u8, CardError> {
        self.connect(reader)?.with(|card| card.pin1_tries_left())
    }

    fn has_pin_pad(&self, reader: &str) -> bool {
        self.connect(reader).and_then(|mut card| card.with(|card| Ok(card.has_pin_pad()))).unwrap_or(false)
    }

    fn sign_login(
        &self,
        reader: &str,
        pin: PinEntry<'_>,
        challenge: &LoginChallenge<'_>,
    ) -> Result<AuthToken, CardError> {
        self.connect(reader)?.with(|card| card.sign_login_with(pin, challenge))
    }

    fn signing_certificate(&self, reader: &str) -> Result<Vec<u8>, CardError> {
        self.connect(reader)?.with(|card| card.signing_certificate())
    }

    fn pin2_tries_left(&self, reader: &str) -> Result<u8, CardError> {
        self.connect(reader)?.with(|card| card.pin2_tries_left())
    }

    fn sign(&self, reader: &str, pin2: PinEntry<'_>, hash: &[u8]) -> Result<Vec<u8>, CardError> {
        self.connect(reader)?.with(|card| card.sign(pin2, hash))
    }
}
