//! The Latvian eID card's APDUs as pure functions: the commands Pietura sends, and the parsing of
//! what the card answers (status words, FCP sizes, PIN counters, the PKCS#15 directory files).
//! Facts from the reference notes (OpenSC `card-esteid2018.c`, libelectronic-id
//! `LatEIDIDEMIAv2.cpp` and its mock card trace). No I/O here: the card module sends these
//! through PC/SC and the virtual card answers them.

use zeroize::{Zeroize, Zeroizing};

/// Latvian eID, IDEMIA Cosmo 8.1/8.2 (RSA-2048 or EC P-384 keys: the ATR does not say which).
pub const ATR_LATVIAN_EID_COSMO_8: [u8; 22] = [
    0x3B, 0xDB, 0x96, 0x00, 0x80, 0xB1, 0xFE, 0x45, 0x1F, 0x83, 0x00, 0x12, 0x42, 0x8F, 0x53, 0x65, 0x49, 0x44, 0x0F,
    0x90, 0x00, 0x20,
];
/// Latvian eID, IDEMIA Cosmo X.
pub const ATR_LATVIAN_EID_COSMO_X: [u8; 23] = [
    0x3B, 0xDC, 0x96, 0x00, 0x80, 0xB1, 0xFE, 0x45, 0x1F, 0x83, 0x00, 0x12, 0x42, 0x8F, 0x54, 0x65, 0x49, 0x44, 0x32,
    0x0F, 0x90, 0x00, 0x12,
];

/// The IAS-ECC main application.
pub const MAIN_AID: [u8; 16] =
    [0xA0, 0x00, 0x00, 0x00, 0x77, 0x01, 0x08, 0x00, 0x07, 0x00, 0x00, 0xFE, 0x00, 0x00, 0x01, 0x00];
/// ADF1, the authentication application ("…POT AWP").
pub const AUTH_AID: [u8; 13] = [0xE8, 0x28, 0xBD, 0x08, 0x0F, 0xF2, 0x50, 0x4F, 0x54, 0x20, 0x41, 0x57, 0x50];
/// ADF2, the qualified signature application.
pub const QSCD_AID: [u8; 16] = *b"QSCD Application";

pub const FID_OD: [u8; 2] = [0x50, 0x31];
/// Certificates are read in blocks of 0xC0 bytes, which every known card and reader accepts.
pub const READ_BLOCK: u8 = 0xC0;

/// PIN references: PIN1 (authentication) is global, PIN2 (signing) is local to ADF2.
pub const PIN1: u8 = 0x01;
pub const PIN2: u8 = 0x85;
pub const PUK: u8 = 0x02;
pub const PIN_MIN_LENGTH: usize = 4;
pub const PIN2_MIN_LENGTH: usize = 6;
pub const PIN_MAX_LENGTH: usize = 12;

/// DigestInfo prefix for SHA-256 (RSA cards expect it before the hash).
pub const SHA256_DIGEST_INFO: [u8; 19] =
    [0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardGeneration {
    Cosmo8,
    CosmoX,
}

/// Which Latvian eID card an ATR belongs to; `None` for any other card.
pub fn identify(atr: &[u8]) -> Option<CardGeneration> {
    if atr == ATR_LATVIAN_EID_COSMO_8 {
        Some(CardGeneration::Cosmo8)
    } else if atr == ATR_LATVIAN_EID_COSMO_X {
        Some(CardGeneration::CosmoX)
    } else {
        None
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApduError {
    #[error("the card's answer is too short ({0} bytes)")]
    TooShort(usize),
    #[error("the command is malformed: {0}")]
    MalformedCommand(&'static str),
    #[error("the card's data is malformed: {0}")]
    MalformedData(&'static str),
}

/// A short command APDU (ISO 7816-4 cases 1–4; the card needs nothing longer).
#[derive(Clone, PartialEq, Eq)]
pub struct Command {
    pub cla: u8,
    pub ins: u8,
    pub p1: u8,
    pub p2: u8,
    pub data: Vec<u8>,
    /// Expected length; `Some(0)` means up to 256 bytes.
    pub le: Option<u8>,
}

// PIN data must never reach a log through `{:?}`.
impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let data = if self.ins == INS_VERIFY { "<pin>".to_owned() } else { hex(&self.data) };
        write!(f, "{:02X} {:02X} {:02X} {:02X} [{data}] le={:?}", self.cla, self.ins, self.p1, self.p2, self.le)
    }
}

impl Drop for Command {
    fn drop(&mut self) {
        self.data.zeroize();
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

pub const INS_SELECT: u8 = 0xA4;
pub const INS_READ_BINARY: u8 = 0xB0;
pub const INS_GET_DATA: u8 = 0xCB;
pub const INS_VERIFY: u8 = 0x20;
pub const INS_MSE: u8 = 0x22;
pub const INS_INTERNAL_AUTHENTICATE: u8 = 0x88;
pub const INS_PSO: u8 = 0x2A;

impl Command {
    fn new(ins: u8, p1: u8, p2: u8, data: &[u8], le: Option<u8>) -> Self {
        Self { cla: 0x00, ins, p1, p2, data: data.to_vec(), le }
    }

    /// The bytes to send. Wiped by the caller after use when they hold a PIN.
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::with_capacity(5 + self.data.len() + 1));
        out.extend_from_slice(&[self.cla, self.ins, self.p1, self.p2]);
        if !self.data.is_empty() {
            out.push(self.data.len() as u8);
            out.extend_from_slice(&self.data);
        }
        if let Some(le) = self.le {
            out.push(le);
        }
        out
    }

    /// Reads a short command APDU (the virtual card's side).
    pub fn parse(bytes: &[u8]) -> Result<Self, ApduError> {
        let header: [u8; 4] = bytes
            .get(..4)
            .and_then(|h| h.try_into().ok())
            .ok_or(ApduError::MalformedCommand("shorter than a header"))?;
        let [cla, ins, p1, p2] = header;
        let body = &bytes[4..];
        let (data, le) = match body.len() {
            0 => (&[][..], None),
            1 => (&[][..], Some(body[0])),
            _ => {
                let lc = usize::from(body[0]);
                if lc == 0 {
                    return Err(ApduError::MalformedCommand("extended lengths are not supported"));
                }
                match body.len() - 1 {
                    n if n == lc => (&body[1..], None),
                    n if n == lc + 1 => (&body[1..=lc], Some(body[lc + 1])),
                    _ => return Err(ApduError::MalformedCommand("Lc does not match the data")),
                }
            }
        };
        Ok(Self { cla, ins, p1, p2, data: data.to_vec(), le })
    }
}

/// A response APDU: data and the status word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub data: Vec<u8>,
    pub sw: u16,
}

impl Response {
    pub fn parse(bytes: &[u8]) -> Result<Self, ApduError> {
        if bytes.len() < 2 {
            return Err(ApduError::TooShort(bytes.len()));
        }
        let (data, sw) = bytes.split_at(bytes.len() - 2);
        Ok(Self { data: data.to_vec(), sw: u16::from_be_bytes([sw[0], sw[1]]) })
    }

    pub fn status(&self) -> Status {
        Status::from_sw(self.sw)
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.data.clone();
        out.extend_from_slice(&self.sw.to_be_bytes());
        out
    }
}

/// What a status word means for Pietura.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    /// `63 Cx`: wrong PIN, `x` tries left (0: now blocked).
    WrongPin {
        tries_left: u8,
    },
    /// `69 83` / `69 84`: the PIN is blocked.
    PinBlocked,
    /// `69 82`: the PIN has not been verified.
    SecurityNotSatisfied,
    /// `6A 82`: no such file or application.
    NotFound,
    /// `67 00` / `6B 80`: a length the card refuses.
    WrongLength,
    /// `6A 88`: no such key.
    KeyNotFound,
    Other(u16),
}

pub const SW_OK: u16 = 0x9000;
pub const SW_PIN_BLOCKED: u16 = 0x6983;
pub const SW_SECURITY_NOT_SATISFIED: u16 = 0x6982;
pub const SW_NOT_FOUND: u16 = 0x6A82;
pub const SW_WRONG_LENGTH: u16 = 0x6700;
pub const SW_KEY_NOT_FOUND: u16 = 0x6A88;
pub const SW_WRONG_P1P2: u16 = 0x6B00;
pub const SW_INS_NOT_SUPPORTED: u16 = 0x6D00;
pub const SW_WRONG_DATA: u16 = 0x6A80;
pub const SW_CONDITIONS_NOT_SATISFIED: u16 = 0x6985;

pub fn sw_wrong_pin(tries_left: u8) -> u16 {
    0x63C0 | u16::from(tries_left.min(0x0F))
}

impl Status {
    pub fn from_sw(sw: u16) -> Self {
        match sw {
            SW_OK => Self::Ok,
            0x63C0..=0x63CF => Self::WrongPin { tries_left: (sw & 0x0F) as u8 },
            SW_PIN_BLOCKED | 0x6984 => Self::PinBlocked,
            SW_SECURITY_NOT_SATISFIED => Self::SecurityNotSatisfied,
            SW_NOT_FOUND => Self::NotFound,
            SW_WRONG_LENGTH | 0x6B80 => Self::WrongLength,
            SW_KEY_NOT_FOUND => Self::KeyNotFound,
            other => Self::Other(other),
        }
    }
}

// ---- Commands -------------------------------------------------------------------------------

pub fn select_aid(aid: &[u8]) -> Command {
    Command::new(INS_SELECT, 0x04, 0x0C, aid, None)
}

/// Selects an elementary file under the current application, asking for its FCP (size).
pub fn select_ef(fid: [u8; 2]) -> Command {
    Command::new(INS_SELECT, 0x02, 0x04, &fid, Some(0x00))
}

pub fn read_binary(offset: u16, length: u8) -> Command {
    let [high, low] = offset.to_be_bytes();
    Command::new(INS_READ_BINARY, high & 0x7F, low, &[], Some(length))
}

/// GET DATA for a PIN's retry counter (`reference & 0x0F` in the template).
pub fn pin_retry_counter(reference: u8) -> Command {
    Command::new(
        INS_GET_DATA,
        0x3F,
        0xFF,
        &[0x4D, 0x08, 0x70, 0x06, 0xBF, 0x81, reference & 0x0F, 0x02, 0xA0, 0x80],
        Some(0x00),
    )
}

/// A PIN the holder typed: digits only, of the card's lengths. Wiped when dropped.
pub struct Pin(Zeroizing<Vec<u8>>);

impl std::fmt::Debug for Pin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pin(<hidden>)")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PinFormatError {
    #[error("a PIN has only digits")]
    NotDigits,
    #[error("this PIN has {min} to {max} digits")]
    Length { min: usize, max: usize },
}

impl Pin {
    pub fn new(digits: &str, min: usize) -> Result<Self, PinFormatError> {
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PinFormatError::NotDigits);
        }
        if !(min..=PIN_MAX_LENGTH).contains(&digits.len()) {
            return Err(PinFormatError::Length { min, max: PIN_MAX_LENGTH });
        }
        Ok(Self(Zeroizing::new(digits.as_bytes().to_vec())))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// ASCII digits padded with `FF` to 12 bytes, as the card compares them.
    fn padded(&self) -> Zeroizing<Vec<u8>> {
        let mut block = Zeroizing::new(vec![0xFF; PIN_MAX_LENGTH]);
        block[..self.0.len()].copy_from_slice(&self.0);
        block
    }
}

pub fn verify_pin(reference: u8, pin: &Pin) -> Command {
    Command::new(INS_VERIFY, 0x00, reference, &pin.padded(), None)
}

/// The key used for authentication, as the card's PrKDF describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Rsa2048,
    EcP384,
}

/// MANAGE SECURITY ENVIRONMENT for authentication with `key_reference`.
pub fn set_authentication_key(kind: KeyKind, key_reference: u8) -> Command {
    let algorithm = match kind {
        KeyKind::Rsa2048 => 0x02,
        KeyKind::EcP384 => 0x04,
    };
    Command::new(INS_MSE, 0x41, 0xA4, &[0x80, 0x01, algorithm, 0x84, 0x01, key_reference], None)
}

/// INTERNAL AUTHENTICATE over a SHA-256 (RSA: with its DigestInfo) or SHA-384 (EC) digest.
pub fn internal_authenticate(kind: KeyKind, digest: &[u8]) -> Command {
    let data = match kind {
        KeyKind::Rsa2048 => [&SHA256_DIGEST_INFO[..], digest].concat(),
        KeyKind::EcP384 => digest.to_vec(),
    };
    Command::new(INS_INTERNAL_AUTHENTICATE, 0x00, 0x00, &data, Some(0x00))
}

/// MANAGE SECURITY ENVIRONMENT for signing with `key_reference` (ADF2; algorithm `42` RSA, `54`
/// EC).
pub fn set_signing_key(kind: KeyKind, key_reference: u8) -> Command {
    let algorithm = match kind {
        KeyKind::Rsa2048 => 0x42,
        KeyKind::EcP384 => 0x54,
    };
    Command::new(INS_MSE, 0x41, 0xB6, &[0x80, 0x01, algorithm, 0x84, 0x01, key_reference], None)
}

/// PSO: COMPUTE DIGITAL SIGNATURE over a bare hash (the card adds an RSA key's DigestInfo).
pub fn compute_digital_signature(hash: &[u8]) -> Command {
    Command::new(INS_PSO, 0x9E, 0x9A, hash, Some(0x00))
}

// ---- PIN-pad readers (PC/SC v2 part 10) ------------------------------------------------------

/// The reader feature "verify the PIN entered on the reader's own keypad".
pub const FEATURE_VERIFY_PIN_DIRECT: u8 = 0x06;
/// Latvian (LANGID 0x0426), for the reader's own prompts.
pub const LANGUAGE_LATVIAN: u16 = 0x0426;

/// The control code of FEATURE_VERIFY_PIN_DIRECT in a GET_FEATURE_REQUEST answer (entries of
/// tag, length 4, big-endian code); `None` when the reader has no PIN pad.
pub fn pin_pad_verify_code(features: &[u8]) -> Option<u32> {
    features.chunks(6).find_map(|entry| match entry {
        [FEATURE_VERIFY_PIN_DIRECT, 4, a, b, c, d] => Some(u32::from_be_bytes([*a, *b, *c, *d])),
        _ => None,
    })
}

/// PIN_VERIFY_STRUCTURE for VERIFY of `reference` with the PIN typed on the reader: ASCII digits,
/// left-justified in a 12-byte block padded with `FF` (the APDU carries the padding), 4 to 12
/// digits, confirmed with the reader's OK key.
pub fn pin_pad_verify_structure(reference: u8, min_length: u8, language: u16) -> Vec<u8> {
    let apdu = [&[0x00, INS_VERIFY, 0x00, reference, PIN_MAX_LENGTH as u8][..], &[0xFF; PIN_MAX_LENGTH]].concat();
    let mut structure = vec![
        0x1E,                 // bTimerOut: 30 s for the first digit
        0x1E,                 // bTimerOut2: 30 s between digits
        0x82,                 // bmFormatString: byte units, PIN at offset 0, left justified, ASCII
        0x00,                 // bmPINBlockString: no PIN length field; the block size comes from the APDU
        0x00,                 // bmPINLengthFormat
        PIN_MAX_LENGTH as u8, // wPINMaxExtraDigit, low byte: the most digits
        min_length,           // high byte: the fewest digits
        0x02,                 // bEntryValidationCondition: the OK key
        0x01,                 // bNumberMessage: one prompt
    ];
    structure.extend_from_slice(&language.to_le_bytes()); // wLangId
    structure.extend_from_slice(&[0x00, 0x00, 0x00, 0x00]); // bMsgIndex, bTeoPrologue
    structure.extend_from_slice(&(apdu.len() as u32).to_le_bytes()); // ulDataLength
    structure.extend_from_slice(&apdu);
    structure
}

// ---- Parsing the card's data ----------------------------------------------------------------

/// One BER-TLV element (ISO 7816-4 data objects: multi-byte tags, definite lengths).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// The tag's bytes as a number (`BF 81 01` is `0xBF8101`).
    pub tag: u32,
    pub constructed: bool,
    pub value: &'a [u8],
}

/// The elements at one level of `data`.
pub fn tlvs(mut data: &[u8]) -> Result<Vec<Tlv<'_>>, ApduError> {
    let cut = ApduError::MalformedData("a tag or length is cut short");
    let mut out = Vec::new();
    while let Some(&first) = data.first() {
        // Padding between records in files read whole.
        if first == 0x00 || first == 0xFF {
            data = &data[1..];
            continue;
        }
        let mut tag = u32::from(first);
        let mut at = 1;
        if first & 0x1F == 0x1F {
            loop {
                let next = *data.get(at).ok_or(cut.clone())?;
                at += 1;
                if at > 4 {
                    return Err(ApduError::MalformedData("a tag longer than three bytes"));
                }
                tag = (tag << 8) | u32::from(next);
                if next & 0x80 == 0 {
                    break;
                }
            }
        }
        let length = match *data.get(at).ok_or(cut.clone())? {
            l if l < 0x80 => {
                at += 1;
                usize::from(l)
            }
            0x81 => {
                at += 2;
                usize::from(*data.get(at - 1).ok_or(cut.clone())?)
            }
            0x82 => {
                at += 3;
                let bytes = data.get(at - 2..at).ok_or(cut.clone())?;
                usize::from(u16::from_be_bytes([bytes[0], bytes[1]]))
            }
            _ => return Err(ApduError::MalformedData("an unsupported length form")),
        };
        let value = data.get(at..at + length).ok_or(ApduError::MalformedData("a value runs past the data"))?;
        out.push(Tlv { tag, constructed: first & 0x20 != 0, value });
        data = &data[at + length..];
    }
    Ok(out)
}

/// The first element tagged `tag` anywhere below `data` (depth-first through constructed tags).
pub fn find(data: &[u8], tag: u32) -> Option<&[u8]> {
    for element in tlvs(data).ok()? {
        if element.tag == tag {
            return Some(element.value);
        }
        if element.constructed
            && let Some(found) = find(element.value, tag)
        {
            return Some(found);
        }
    }
    None
}

/// The file size from an FCP template (`62 … 80|81 size …`).
pub fn fcp_file_size(fcp: &[u8]) -> Result<usize, ApduError> {
    let template = find(fcp, 0x62).ok_or(ApduError::MalformedData("no FCP template"))?;
    let size = tlvs(template)?
        .into_iter()
        .find(|t| t.tag == 0x80 || t.tag == 0x81)
        .ok_or(ApduError::MalformedData("no file size in the FCP"))?
        .value;
    if size.is_empty() || size.len() > 4 {
        return Err(ApduError::MalformedData("a file size of an odd length"));
    }
    Ok(size.iter().fold(0usize, |n, b| (n << 8) | usize::from(*b)))
}

/// `(max tries, tries left)` from a PIN retry counter answer (tags `9A` and `9B`).
pub fn pin_counter(data: &[u8]) -> Result<(u8, u8), ApduError> {
    let byte = |tag| find(data, tag).and_then(|v| v.first().copied());
    match (byte(0x9A), byte(0x9B)) {
        (Some(max), Some(left)) => Ok((max, left)),
        _ => Err(ApduError::MalformedData("no PIN counter in the answer")),
    }
}

/// The file id of the first path (an `04 02 xx xx` octet string) inside a directory entry.
fn first_path(data: &[u8]) -> Option<[u8; 2]> {
    let path = find(data, 0x04)?;
    path.get(path.len().checked_sub(2)?..)?.try_into().ok()
}

/// From EF.OD: the certificate directory (`A4`) and private key directory (`A0`) file ids.
pub fn object_directory(od: &[u8]) -> Result<([u8; 2], [u8; 2]), ApduError> {
    let entries = tlvs(od)?;
    let path_of = |tag| entries.iter().find(|e| e.tag == tag).and_then(|e| first_path(e.value));
    match (path_of(0xA4), path_of(0xA0)) {
        (Some(cdf), Some(prkdf)) => Ok((cdf, prkdf)),
        _ => Err(ApduError::MalformedData("EF.OD lacks the certificate or key directory")),
    }
}

/// From EF.CDF: the file id of the first certificate.
pub fn certificate_file(cdf: &[u8]) -> Result<[u8; 2], ApduError> {
    first_path(cdf).ok_or(ApduError::MalformedData("EF.CDF names no certificate file"))
}

/// From EF.PrKDF: the key type (an `A0` entry is an EC key) and its reference (the last byte of
/// the first INTEGER in the entry).
pub fn private_key(prkdf: &[u8]) -> Result<(KeyKind, u8), ApduError> {
    let entry = tlvs(prkdf)?.into_iter().next().ok_or(ApduError::MalformedData("EF.PrKDF is empty"))?;
    let kind = if entry.tag == 0xA0 { KeyKind::EcP384 } else { KeyKind::Rsa2048 };
    let reference = find(entry.value, 0x02)
        .and_then(|i| i.last().copied())
        .ok_or(ApduError::MalformedData("EF.PrKDF gives no key reference"))?;
    Ok((kind, reference))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(hex: &str) -> Vec<u8> {
        hex.split_whitespace().map(|b| u8::from_str_radix(b, 16).unwrap()).collect()
    }

    #[test]
    fn commands_encode_as_in_the_reference_trace() {
        let pin = Pin::new("1234", PIN_MIN_LENGTH).unwrap();
        let table: [(Command, &str); 8] = [
            (select_aid(&MAIN_AID), "00 A4 04 0C 10 A0 00 00 00 77 01 08 00 07 00 00 FE 00 00 01 00"),
            (select_aid(&AUTH_AID), "00 A4 04 0C 0D E8 28 BD 08 0F F2 50 4F 54 20 41 57 50"),
            (select_ef(FID_OD), "00 A4 02 04 02 50 31 00"),
            (read_binary(0x0180, 0xC0), "00 B0 01 80 C0"),
            (pin_retry_counter(PIN1), "00 CB 3F FF 0A 4D 08 70 06 BF 81 01 02 A0 80 00"),
            (verify_pin(PIN1, &pin), "00 20 00 01 0C 31 32 33 34 FF FF FF FF FF FF FF FF"),
            (set_authentication_key(KeyKind::Rsa2048, 0x81), "00 22 41 A4 06 80 01 02 84 01 81"),
            (set_authentication_key(KeyKind::EcP384, 0x82), "00 22 41 A4 06 80 01 04 84 01 82"),
        ];
        for (command, expected) in table {
            assert_eq!(*command.to_bytes(), bytes(expected), "{command:?}");
            assert_eq!(Command::parse(&command.to_bytes()).unwrap(), command);
        }
        let rsa = internal_authenticate(KeyKind::Rsa2048, &[0xAB; 32]).to_bytes();
        assert_eq!(&rsa[..5], &bytes("00 88 00 00 33")[..]);
        assert_eq!(rsa.len(), 5 + 0x33 + 1);
        let ec = internal_authenticate(KeyKind::EcP384, &[0xAB; 48]).to_bytes();
        assert_eq!(&ec[..5], &bytes("00 88 00 00 30")[..]);
    }

    #[test]
    fn status_words_mean_what_the_card_says() {
        let table = [
            (0x9000, Status::Ok),
            (0x63C2, Status::WrongPin { tries_left: 2 }),
            (0x63C0, Status::WrongPin { tries_left: 0 }),
            (0x6983, Status::PinBlocked),
            (0x6984, Status::PinBlocked),
            (0x6982, Status::SecurityNotSatisfied),
            (0x6A82, Status::NotFound),
            (0x6700, Status::WrongLength),
            (0x6B80, Status::WrongLength),
            (0x6A88, Status::KeyNotFound),
            (0x6F00, Status::Other(0x6F00)),
        ];
        for (sw, status) in table {
            assert_eq!(Status::from_sw(sw), status, "{sw:04X}");
        }
        assert_eq!(sw_wrong_pin(1), 0x63C1);
    }

    #[test]
    fn card_data_from_the_reference_trace_is_read() {
        assert_eq!(fcp_file_size(&bytes("62 04 80 02 06 C5")).unwrap(), 1733);
        assert_eq!(fcp_file_size(&bytes("62 04 81 02 00 10")).unwrap(), 16);
        let counter =
            bytes("70 1E BF 81 01 1A A0 18 9A 01 03 9B 01 03 A1 10 8C 06 F3 00 00 73 43 00 9C 06 F3 00 00 73 43 00");
        assert_eq!(pin_counter(&counter).unwrap(), (3, 3));
        assert_eq!(find(&counter, 0xBF8101).map(<[u8]>::len), Some(0x1A), "a three-byte tag is one tag");
        let od = bytes("A4 06 30 04 04 02 70 05 A0 06 30 04 04 02 70 01");
        assert_eq!(object_directory(&od).unwrap(), ([0x70, 0x05], [0x70, 0x01]));
        assert_eq!(certificate_file(&bytes("30 0A A1 08 30 06 30 04 04 02 34 01")).unwrap(), [0x34, 0x01]);
        assert_eq!(private_key(&bytes("30 08 30 00 30 04 02 02 00 81")).unwrap(), (KeyKind::Rsa2048, 0x81));
        assert_eq!(private_key(&bytes("A0 08 30 00 30 04 02 02 00 82")).unwrap(), (KeyKind::EcP384, 0x82));
        assert_eq!(identify(&ATR_LATVIAN_EID_COSMO_8), Some(CardGeneration::Cosmo8));
        assert_eq!(identify(&ATR_LATVIAN_EID_COSMO_X), Some(CardGeneration::CosmoX));
        let estonian = bytes("3B DB 96 00 80 B1 FE 45 1F 83 00 12 23 3F 53 65 49 44 0F 90 00 F1");
        assert_eq!(identify(&estonian), None);
    }

    #[test]
    fn malformed_card_data_is_an_error_not_a_panic() {
        for bad in ["62", "62 04 80", "62 04 80 02 06", "62 02 83 01", "62 82 01", "A4 06 30 04"] {
            let data = bytes(bad);
            assert!(fcp_file_size(&data).is_err(), "{bad}");
            assert!(object_directory(&data).is_err(), "{bad}");
        }
        assert!(pin_counter(&bytes("70 03 9A 01 03")).is_err());
        assert!(Response::parse(&[0x90]).is_err());
        assert!(Command::parse(&[0x00, 0xA4, 0x04]).is_err());
        assert!(Command::parse(&bytes("00 A4 04 0C 05 01 02")).is_err());
    }

    #[test]
    fn pins_are_digits_of_the_right_length_and_never_printed() {
        assert!(Pin::new("123", PIN_MIN_LENGTH).is_err());
        assert!(Pin::new("12a4", PIN_MIN_LENGTH).is_err());
        assert!(Pin::new("1234567890123", PIN_MIN_LENGTH).is_err());
        assert!(Pin::new("12345", PIN2_MIN_LENGTH).is_err());
        let pin = Pin::new("4321", PIN_MIN_LENGTH).unwrap();
        assert_eq!(format!("{pin:?}"), "Pin(<hidden>)");
        assert!(!format!("{:?}", verify_pin(PIN1, &pin)).contains("34333231"));
    }

    #[test]
    fn pin_pad_features_and_the_verify_structure_are_as_pcsc_part_10_says() {
        // A reader offering VERIFY_PIN_START (0x01) and VERIFY_PIN_DIRECT (0x06).
        let features = bytes("01 04 42 33 00 01 06 04 42 33 00 06");
        assert_eq!(pin_pad_verify_code(&features), Some(0x4233_0006));
        assert_eq!(pin_pad_verify_code(&bytes("01 04 42 33 00 01")), None);
        assert_eq!(pin_pad_verify_code(&[]), None);
        let structure = pin_pad_verify_structure(PIN1, 4, LANGUAGE_LATVIAN);
        assert_eq!(&structure[..9], &bytes("1E 1E 82 00 00 0C 04 02 01")[..]);
        assert_eq!(&structure[9..11], &[0x26, 0x04], "wLangId little-endian");
        assert_eq!(&structure[15..19], &[17, 0, 0, 0], "ulDataLength is the APDU's");
        assert_eq!(&structure[19..24], &bytes("00 20 00 01 0C")[..]);
        assert!(structure[24..].iter().all(|b| *b == 0xFF));
        assert_eq!(structure.len(), 19 + 17);
    }

    proptest::proptest! {
        /// The fuzz target's property, run on every test: no input makes a parser panic.
        #[test]
        fn parsers_never_panic(data in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            let _ = Command::parse(&data);
            let _ = Response::parse(&data);
            let _ = fcp_file_size(&data);
            let _ = pin_counter(&data);
            let _ = object_directory(&data);
            let _ = certificate_file(&data);
            let _ = private_key(&data);
            let _ = find(&data, 0x62);
            let _ = pin_pad_verify_code(&data);
        }

        #[test]
        fn commands_round_trip(ins in 0u8..=255, p1 in 0u8..=255, p2 in 0u8..=255,
                               data in proptest::collection::vec(proptest::num::u8::ANY, 0..255),
                               le in proptest::option::of(0u8..=255)) {
            let command = Command { cla: 0, ins, p1, p2, data, le };
            proptest::prop_assert_eq!(Command::parse(&command.to_bytes()).unwrap(), command);
        }
    }
}
