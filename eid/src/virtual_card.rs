//! A virtual Latvian eID card: the same ATR, applications, files, PIN counters and status words
//! as the real card (reference notes, section 1), answering APDUs as a pure state machine, and
//! a runner that plugs it into a real `pcscd` through `vsmartcard-vpcd`'s socket.

use std::{
    io::{Read, Write},
    net::TcpStream,
};

use zeroize::Zeroizing;

use crate::{
    apdu::{self, Command, KeyKind, Response},
    session::{CardError, CardReaders, EidCard, LoginChallenge, PinEntry, ReaderSnapshot},
    test_ca::{CardKey, CardProfile},
    token::AuthToken,
};

const MAX_TRIES: u8 = 3;
const FID_ADF1: [u8; 2] = [0xAD, 0xF1];
const FID_ADF2: [u8; 2] = [0xAD, 0xF2];
const FID_MF: [u8; 2] = [0x3F, 0x00];
const FID_DOCUMENT_NUMBER: [u8; 2] = [0xD0, 0x03];
const FID_CDF: [u8; 2] = [0x70, 0x05];
const FID_PRKDF: [u8; 2] = [0x70, 0x01];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Folder {
    Master,
    Authentication,
    Signing,
}

struct PinState {
    padded: Zeroizing<Vec<u8>>,
    tries_left: u8,
    verified: bool,
}

impl PinState {
    fn new(digits: &str) -> Self {
        let mut padded = Zeroizing::new(vec![0xFF; apdu::PIN_MAX_LENGTH]);
        padded[..digits.len()].copy_from_slice(digits.as_bytes());
        Self { padded, tries_left: MAX_TRIES, verified: false }
    }

    fn verify(&mut self, data: &[u8]) -> u16 {
        if self.tries_left == 0 {
            return apdu::SW_PIN_BLOCKED;
        }
        if data.is_empty() {
            // A status query: no try is used.
            return if self.verified { apdu::SW_OK } else { apdu::sw_wrong_pin(self.tries_left) };
        }
        if data.len() != apdu::PIN_MAX_LENGTH {
            return apdu::SW_WRONG_LENGTH;
        }
        // Compare every byte so the time does not tell how much matched.
        let matches = data.iter().zip(self.padded.iter()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
        if matches {
            self.tries_left = MAX_TRIES;
            self.verified = true;
            apdu::SW_OK
        } else {
            self.tries_left -= 1;
            self.verified = false;
            apdu::sw_wrong_pin(self.tries_left)
        }
    }
}

/// The card's state between APDUs; everything but the PIN counters is lost on reset.
pub struct VirtualCard {
    profile: CardProfile,
    pin1: PinState,
    pin2: PinState,
    puk: PinState,
    folder: Folder,
    file: Option<[u8; 2]>,
    authentication_key_set: bool,
    signing_key_set: bool,
}

impl std::fmt::Debug for VirtualCard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VirtualCard").field("holder", &self.profile.holder).finish_non_exhaustive()
    }
}

impl VirtualCard {
    pub fn new(profile: CardProfile) -> Self {
        let (pin1, pin2, puk) =
            (PinState::new(&profile.pin1), PinState::new(&profile.pin2), PinState::new(&profile.puk));
        Self {
            profile,
            pin1,
            pin2,
            puk,
            folder: Folder::Master,
            file: None,
            authentication_key_set: false,
            signing_key_set: false,
        }
    }

    pub fn atr(&self) -> &'static [u8] {
        &apdu::ATR_LATVIAN_EID_COSMO_8
    }

    pub fn profile(&self) -> &CardProfile {
        &self.profile
    }

    pub fn pin1_tries_left(&self) -> u8 {
        self.pin1.tries_left
    }

    pub fn pin2_tries_left(&self) -> u8 {
        self.pin2.tries_left
    }

    /// Power cycle or reset: selections and verified PINs are gone, counters stay.
    pub fn reset(&mut self) {
        self.folder = Folder::Master;
        self.file = None;
        self.authentication_key_set = false;
        self.signing_key_set = false;
        for pin in [&mut self.pin1, &mut self.pin2, &mut self.puk] {
            pin.verified = false;
        }
    }

    fn key_kind(&self) -> KeyKind {
        self.profile.key.kind()
    }

    /// The authentication key reference and certificate file: the original (RSA) cards use
    /// slot 1, the updated (EC) ones slot 2.
    fn authentication_slot(&self) -> (u8, [u8; 2]) {
        match self.key_kind() {
            KeyKind::Rsa2048 => (0x81, [0x34, 0x01]),
            KeyKind::EcP384 => (0x82, [0x34, 0x02]),
        }
    }

    /// The signing key reference, its algorithm reference for MSE, and the certificate file:
    /// slot 1 (`9F`, `341F`) on the original RSA cards, slot 2 (`9E`, `341E`) on the EC ones.
    fn signing_slot(&self) -> (u8, u8, [u8; 2]) {
        match self.key_kind() {
            KeyKind::Rsa2048 => (0x9F, 0x42, [0x34, 0x1F]),
            KeyKind::EcP384 => (0x9E, 0x54, [0x34, 0x1E]),
        }
    }

    fn file_content(&self, folder: Folder, fid: [u8; 2]) -> Option<Vec<u8>> {
        let (key_reference, certificate_file) = self.authentication_slot();
        let (signing_reference, _, signing_file) = self.signing_slot();
        let key_tag = if self.key_kind() == KeyKind::EcP384 { 0xA0 } else { 0x30 };
        match (folder, fid) {
            (Folder::Master, FID_DOCUMENT_NUMBER) => Some([&[0x04, 0x09][..], b"PA0000001"].concat()),
            (Folder::Authentication | Folder::Signing, apdu::FID_OD) => Some(vec![
                0xA4, 0x06, 0x30, 0x04, 0x04, 0x02, 0x70, 0x05, 0xA0, 0x06, 0x30, 0x04, 0x04, 0x02, 0x70, 0x01,
            ]),
            (Folder::Authentication, FID_CDF) => {
                Some([&[0x30, 0x0A, 0xA1, 0x08, 0x30, 0x06, 0x30, 0x04, 0x04, 0x02][..], &certificate_file].concat())
            }
            (Folder::Authentication, FID_PRKDF) => {
                Some(vec![key_tag, 0x08, 0x30, 0x00, 0x30, 0x04, 0x02, 0x02, 0x00, key_reference])
            }
            (Folder::Authentication, fid) if fid == certificate_file => Some(self.profile.certificate_der.clone()),
            // The qualified signature application, on cards that carry a signing key.
            (Folder::Signing, FID_CDF) if self.profile.signing.is_some() => {
                Some([&[0x30, 0x0A, 0xA1, 0x08, 0x30, 0x06, 0x30, 0x04, 0x04, 0x02][..], &signing_file].concat())
            }
            (Folder::Signing, FID_PRKDF) if self.profile.signing.is_some() => {
                Some(vec![key_tag, 0x08, 0x30, 0x00, 0x30, 0x04, 0x02, 0x02, 0x00, signing_reference])
            }
            (Folder::Signing, fid) if fid == signing_file => {
                self.profile.signing.as_ref().map(|slot| slot.certificate_der.clone())
            }
            _ => None,
        }
    }

    /// Answers one command APDU with a response APDU (data and status word).
    pub fn respond(&mut self, bytes: &[u8]) -> Vec<u8> {
        let response = match Command::parse(bytes) {
            Ok(command) => self.execute(&command),
            Err(_) => Response { data: Vec::new(), sw: apdu::SW_WRONG_LENGTH },
        };
        response.to_bytes()
    }

    fn execute(&mut self, command: &Command) -> Response {
        let status = |sw| Response { data: Vec::new(), sw };
        if command.cla != 0x00 {
            return status(0x6E00);
        }
        match command.ins {
            apdu::INS_SELECT => self.select(command),
            apdu::INS_READ_BINARY => self.read_binary(command),
            apdu::INS_GET_DATA => self.get_data(command),
            apdu::INS_VERIFY => status(self.verify(command)),
            apdu::INS_MSE => status(self.manage_security_environment(command)),
            apdu::INS_INTERNAL_AUTHENTICATE => self.internal_authenticate(command),
            apdu::INS_PSO => self.compute_digital_signature(command),
            _ => status(apdu::SW_INS_NOT_SUPPORTED),
        }
    }

    fn select(&mut self, command: &Command) -> Response {
        let not_found = Response { data: Vec::new(), sw: apdu::SW_NOT_FOUND };
        let data = command.data.as_slice();
        let target: Option<(Folder, Option<[u8; 2]>)> = match command.p1 {
            0x04 if data == apdu::MAIN_AID => Some((Folder::Master, None)),
            0x04 if data == apdu::AUTH_AID => Some((Folder::Authentication, None)),
            0x04 if data == apdu::QSCD_AID => Some((Folder::Signing, None)),
            0x00 if data.is_empty() || data == FID_MF => Some((Folder::Master, None)),
            0x01 if data == FID_ADF1 => Some((Folder::Authentication, None)),
            0x01 if data == FID_ADF2 => Some((Folder::Signing, None)),
            0x02 if data.len() == 2 => Some((self.folder, Some([data[0], data[1]]))),
            0x08 | 0x09 if data.len().is_multiple_of(2) && !data.is_empty() => self.walk(data),
            _ => None,
        };
        let Some((folder, file)) = target else { return not_found };
        if let Some(fid) = file
            && self.file_content(folder, fid).is_none()
        {
            return not_found;
        }
        self.folder = folder;
        self.file = file;
        let data = match (command.p2, file.and_then(|fid| self.file_content(folder, fid))) {
            (0x04, Some(content)) => {
                let [high, low] = (content.len() as u16).to_be_bytes();
                vec![0x62, 0x04, 0x80, 0x02, high, low]
            }
            _ => Vec::new(),
        };
        Response { data, sw: apdu::SW_OK }
    }

    /// A path from the master file (with or without its `3F00`).
    fn walk(&self, path: &[u8]) -> Option<(Folder, Option<[u8; 2]>)> {
        let mut parts: Vec<[u8; 2]> = path.chunks(2).map(|c| [c[0], c[1]]).collect();
        if parts.first() == Some(&FID_MF) {
            parts.remove(0);
        }
        let mut folder = Folder::Master;
        let mut file = None;
        for (i, part) in parts.iter().enumerate() {
            match *part {
                FID_ADF1 if i == 0 => folder = Folder::Authentication,
                FID_ADF2 if i == 0 => folder = Folder::Signing,
                fid if i == parts.len() - 1 => file = Some(fid),
                _ => return None,
            }
        }
        Some((folder, file))
    }

    fn read_binary(&mut self, command: &Command) -> Response {
        let Some(content) = self.file.and_then(|fid| self.file_content(self.folder, fid)) else {
            return Response { data: Vec::new(), sw: 0x6986 };
        };
        let offset = (usize::from(command.p1 & 0x7F) << 8) | usize::from(command.p2);
        if offset >= content.len() {
            return Response { data: Vec::new(), sw: apdu::SW_WRONG_P1P2 };
        }
        let wanted = match command.le {
            Some(0) | None => 256,
            Some(n) => usize::from(n),
        };
        let end = (offset + wanted).min(content.len());
        Response { data: content[offset..end].to_vec(), sw: apdu::SW_OK }
    }

    fn get_data(&self, command: &Command) -> Response {
        let template = [0x4D, 0x08, 0x70, 0x06, 0xBF, 0x81];
        if command.p1 != 0x3F || command.p2 != 0xFF || command.data.len() != 10 || command.data[..6] != template {
            return Response { data: Vec::new(), sw: apdu::SW_WRONG_DATA };
        }
        let reference = command.data[6];
        let pin = match reference {
            r if r == apdu::PIN1 => &self.pin1,
            r if r == apdu::PUK => &self.puk,
            r if r == apdu::PIN2 & 0x0F => &self.pin2,
            _ => return Response { data: Vec::new(), sw: apdu::SW_KEY_NOT_FOUND },
        };
        // The 32-byte layout OpenSC insists on: the reference, the maximum and remaining tries, then
        // the same access condition under two tags (8C and 9C).
        const CONDITION: [u8; 7] = [0x06, 0xF3, 0x00, 0x00, 0x73, 0x43, 0x00];
        let mut data = vec![0x70, 0x1E, 0xBF, 0x81, reference, 0x1A, 0xA0, 0x18, 0x9A, 0x01, MAX_TRIES, 0x9B, 0x01];
        data.extend([pin.tries_left, 0xA1, 0x10, 0x8C]);
        data.extend(CONDITION);
        data.push(0x9C);
        data.extend(CONDITION);
        Response { data, sw: apdu::SW_OK }
    }

    fn verify(&mut self, command: &Command) -> u16 {
        match command.p2 {
            apdu::PIN1 => self.pin1.verify(&command.data),
            apdu::PUK => self.puk.verify(&command.data),
            // PIN2 is local to the signing application.
            apdu::PIN2 if self.folder == Folder::Signing => self.pin2.verify(&command.data),
            _ => apdu::SW_KEY_NOT_FOUND,
        }
    }

    /// MSE SET: the authentication key in ADF1 (P2 `A4`) or the signing key in ADF2 (P2 `B6`),
    /// each only with its own algorithm and key reference.
    fn manage_security_environment(&mut self, command: &Command) -> u16 {
        if command.p1 != 0x41 || !matches!(command.p2, 0xA4 | 0xB6) {
            return apdu::SW_WRONG_P1P2;
        }
        if command.p2 == 0xB6 {
            let (key_reference, algorithm, _) = self.signing_slot();
            if self.folder != Folder::Signing {
                return apdu::SW_CONDITIONS_NOT_SATISFIED;
            }
            self.signing_key_set =
                self.profile.signing.is_some() && command.data == [0x80, 0x01, algorithm, 0x84, 0x01, key_reference];
            return if self.signing_key_set { apdu::SW_OK } else { apdu::SW_KEY_NOT_FOUND };
        }
        let (key_reference, _) = self.authentication_slot();
        let algorithm = match self.key_kind() {
            KeyKind::Rsa2048 => 0x02,
            KeyKind::EcP384 => 0x04,
        };
        if self.folder != Folder::Authentication {
            return apdu::SW_CONDITIONS_NOT_SATISFIED;
        }
        if command.data != [0x80, 0x01, algorithm, 0x84, 0x01, key_reference] {
            self.authentication_key_set = false;
            return apdu::SW_KEY_NOT_FOUND;
        }
        self.authentication_key_set = true;
        apdu::SW_OK
    }

    /// PSO: COMPUTE DIGITAL SIGNATURE (`00 2A 9E 9A`) with the signing key over the hash sent:
    /// PIN2 verified just before, for every signature (the key's user consent). RSA: PKCS#1 v1.5
    /// with the DigestInfo of the hash's length (SHA-256/384/512); EC: ECDSA P-384 over the hash
    /// zero-padded or cut to 48 bytes, raw r‖s.
    fn compute_digital_signature(&mut self, command: &Command) -> Response {
        let status = |sw| Response { data: Vec::new(), sw };
        if command.p1 != 0x9E || command.p2 != 0x9A {
            return status(apdu::SW_WRONG_P1P2);
        }
        if self.folder != Folder::Signing || !self.signing_key_set {
            return status(apdu::SW_CONDITIONS_NOT_SATISFIED);
        }
        if !self.pin2.verified {
            return status(apdu::SW_SECURITY_NOT_SATISFIED);
        }
        let Some(slot) = &self.profile.signing else { return status(apdu::SW_KEY_NOT_FOUND) };
        let hash = command.data.as_slice();
        let signature = match &slot.key {
            CardKey::Rsa(key) => {
                let scheme = match hash.len() {
                    32 => rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
                    48 => rsa::Pkcs1v15Sign::new::<sha2::Sha384>(),
                    64 => rsa::Pkcs1v15Sign::new::<sha2::Sha512>(),
                    _ => return status(apdu::SW_WRONG_LENGTH),
                };
                key.sign(scheme, hash).ok()
            }
            CardKey::Ec(key) => {
                if hash.is_empty() || hash.len() > 64 {
                    return status(apdu::SW_WRONG_LENGTH);
                }
                let mut digest = [0u8; 48];
                let used = hash.len().min(48);
                digest[48 - used..].copy_from_slice(&hash[..used]);
                use signature::hazmat::PrehashSigner;
                let signed: Result<p384::ecdsa::Signature, _> = key.sign_prehash(&digest);
                signed.ok().map(|s| s.to_bytes().to_vec())
            }
        };
        // PIN2 is asked again for the next signature.
        self.pin2.verified = false;
        match signature {
            Some(data) => Response { data, sw: apdu::SW_OK },
            None => status(apdu::SW_WRONG_DATA),
        }
    }

    fn internal_authenticate(&mut self, command: &Command) -> Response {
        let status = |sw| Response { data: Vec::new(), sw };
        if !self.authentication_key_set {
            return status(apdu::SW_CONDITIONS_NOT_SATISFIED);
        }
        if !self.pin1.verified {
            return status(apdu::SW_SECURITY_NOT_SATISFIED);
        }
        let signature = match &self.profile.key {
            // The card adds PKCS#1 v1.5 type-1 padding to what it is given (DigestInfo + hash).
            CardKey::Rsa(key) => key.sign(rsa::Pkcs1v15Sign::new_unprefixed(), &command.data).ok(),
            CardKey::Ec(key) => {
                if command.data.len() > 48 {
                    return status(apdu::SW_WRONG_LENGTH);
                }
                let mut digest = [0u8; 48];
                digest[48 - command.data.len()..].copy_from_slice(&command.data);
                use signature::hazmat::PrehashSigner;
                let signed: Result<p384::ecdsa::Signature, _> = key.sign_prehash(&digest);
                signed.ok().map(|s| s.to_bytes().to_vec())
            }
        };
        match signature {
            Some(data) => Response { data, sw: apdu::SW_OK },
            None => status(apdu::SW_WRONG_DATA),
        }
    }
}

/// Connects `card` to vpcd at `address` (its default slot listens on 127.0.0.1:35963) and
/// answers until the connection closes or `keep_going` says stop. vpcd's protocol: every
/// message is a 2-byte big-endian length and data; one-byte messages are power off (0), power
/// on (1), reset (2) and get ATR (4); anything longer is a command APDU.
pub fn serve_vpcd(
    card: &mut VirtualCard,
    stream: &mut TcpStream,
    keep_going: &dyn Fn() -> bool,
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(std::time::Duration::from_millis(200)))?;
    stream.set_nodelay(true)?;
    loop {
        let mut length = [0u8; 2];
        match stream.read_exact(&mut length) {
            Ok(()) => {}
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                if keep_going() {
                    continue;
                }
                return Ok(());
            }
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(e) => return Err(e),
        }
        let mut message = vec![0u8; usize::from(u16::from_be_bytes(length))];
        stream.set_read_timeout(None)?;
        stream.read_exact(&mut message)?;
        stream.set_read_timeout(Some(std::time::Duration::from_millis(200)))?;
        let reply = match message.as_slice() {
            [0x00] | [0x01] | [0x02] => {
                card.reset();
                None
            }
            [0x04] => Some(card.atr().to_vec()),
            [_] => None,
            apdu => Some(card.respond(apdu)),
        };
        if let Some(reply) = reply {
            let mut frame = (reply.len() as u16).to_be_bytes().to_vec();
            frame.extend_from_slice(&reply);
            stream.write_all(&frame)?;
        }
    }
}

/// The card used directly, without PC/SC (unit tests of the session logic).
impl crate::session::Transport for VirtualCard {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, CardError> {
        Ok(self.respond(command))
    }
}

/// Virtual cards in readers of this process, behind the same [`CardReaders`] interface as PC/SC
/// (for tests of login logic that need no pcscd; the pcscd path has its own tests).
#[derive(Default)]
pub struct InProcessReaders {
    slots: std::sync::Mutex<Vec<(String, Option<VirtualCard>)>>,
    /// Readers with a PIN pad, and the digits "typed" on it.
    pin_pads: std::sync::Mutex<std::collections::HashMap<String, String>>,
    /// Insertions and removals so far (all readers), as PC/SC's event counter.
    events: std::sync::atomic::AtomicU32,
}

impl InProcessReaders {
    pub fn with_reader(name: &str) -> Self {
        Self {
            slots: std::sync::Mutex::new(vec![(name.to_owned(), None)]),
            pin_pads: Default::default(),
            events: Default::default(),
        }
    }

    /// Gives `reader` a PIN pad on which `digits` will be typed (a holder at a PIN-pad reader).
    pub fn type_on_pin_pad(&self, reader: &str, digits: &str) {
        self.pin_pads.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(reader.into(), digits.into());
    }

    fn slots(&self) -> std::sync::MutexGuard<'_, Vec<(String, Option<VirtualCard>)>> {
        self.slots.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Puts `card` into `reader` (replacing any card there).
    pub fn insert(&self, reader: &str, mut card: VirtualCard) {
        card.reset();
        self.events.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let mut slots = self.slots();
        match slots.iter_mut().find(|(name, _)| name == reader) {
            Some(slot) => slot.1 = Some(card),
            None => slots.push((reader.to_owned(), Some(card))),
        }
    }

    /// Takes the card out of `reader`, keeping it (its PIN counters) for a later insert.
    pub fn remove(&self, reader: &str) -> Option<VirtualCard> {
        self.events.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.slots().iter_mut().find(|(name, _)| name == reader).and_then(|slot| slot.1.take())
    }

    fn with<R>(
        &self,
        reader: &str,
        f: impl FnOnce(&mut EidCard<PadReader<'_>>) -> Result<R, CardError>,
    ) -> Result<R, CardError> {
        let pad = self.pin_pads.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(reader).cloned();
        let mut slots = self.slots();
        let slot = slots.iter_mut().find(|(name, _)| name == reader).ok_or(CardError::NoReader)?;
        let card = slot.1.as_mut().ok_or(CardError::NoCard)?;
        f(&mut EidCard::new(PadReader { card, pad }))
    }
}

/// A virtual card in a reader that may have a PIN pad with digits typed on it.
pub struct PadReader<'a> {
    card: &'a mut VirtualCard,
    pad: Option<String>,
}

impl crate::session::Transport for PadReader<'_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, CardError> {
        Ok(self.card.respond(command))
    }

    fn has_pin_pad(&mut self) -> bool {
        self.pad.is_some()
    }

    /// What a PIN-pad reader does: builds the VERIFY APDU from the keys pressed and sends it.
    fn verify_on_pin_pad(&mut self, reference: u8, _min_length: u8) -> Result<Vec<u8>, CardError> {
        let digits = self.pad.as_deref().ok_or_else(|| CardError::Protocol("this reader has no PIN pad".into()))?;
        let mut block = Zeroizing::new(vec![0xFF; apdu::PIN_MAX_LENGTH]);
        let typed = &digits.as_bytes()[..digits.len().min(apdu::PIN_MAX_LENGTH)];
        block[..typed.len()].copy_from_slice(typed);
        let command = Zeroizing::new([&[0x00, apdu::INS_VERIFY, 0x00, reference, 0x0C][..], &block].concat());
        Ok(self.card.respond(&command))
    }
}

impl CardReaders for InProcessReaders {
    fn readers(&self) -> Result<Vec<ReaderSnapshot>, CardError> {
        Ok(self
            .slots()
            .iter()
            .map(|(name, card)| ReaderSnapshot {
                name: name.clone(),
                card_present: card.is_some(),
                card_events: self.events.load(std::sync::atomic::Ordering::SeqCst),
                atr: card.as_ref().map(|c| c.atr().to_vec()),
                latvian_eid: card.is_some(),
            })
            .collect())
    }

    fn authentication_certificate(&self, reader: &str) -> Result<Vec<u8>, CardError> {
        self.with(reader, |card| card.authentication_certificate())
    }

    fn pin1_tries_left(&self, reader: &str) -> Result<u8, CardError> {
        self.with(reader, |card| card.pin1_tries_left())
    }

    fn has_pin_pad(&self, reader: &str) -> bool {
        self.pin_pads.lock().unwrap_or_else(std::sync::PoisonError::into_inner).contains_key(reader)
    }

    fn sign_login(
        &self,
        reader: &str,
        pin: PinEntry<'_>,
        challenge: &LoginChallenge<'_>,
    ) -> Result<AuthToken, CardError> {
        self.with(reader, |card| card.sign_login_with(pin, challenge))
    }

    fn signing_certificate(&self, reader: &str) -> Result<Vec<u8>, CardError> {
        self.with(reader, |card| card.signing_certificate())
    }

    fn pin2_tries_left(&self, reader: &str) -> Result<u8, CardError> {
        self.with(reader, |card| card.pin2_tries_left())
    }

    fn sign(&self, reader: &str, pin2: PinEntry<'_>, hash: &[u8]) -> Result<Vec<u8>, CardError> {
        self.with(reader, |card| card.sign(pin2, hash))
    }
}
