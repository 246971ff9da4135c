use std::fmt;

/// How many random bytes make one enrollment code: 40 bits, eight base-32 characters.
pub const ENROLLMENT_CODE_RANDOM_BYTES: usize = 5;

const CODE_CHARS: usize = 8;
/// Crockford's base-32 alphabet: no I, L, O or U, so a code read aloud or typed from paper
/// cannot be confused.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A one-time code an operator gives to whoever sets up a desk or kiosk. It is short enough to
/// type (`7KQ2-M9XD`); the server keeps only its hash, lets it expire and accepts it once.
#[derive(Clone, PartialEq, Eq)]
pub struct EnrollmentCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnrollmentCodeError {
    #[error("the enrollment code must have {CODE_CHARS} letters and digits, this one has {0}")]
    WrongLength(usize),
    #[error("the enrollment code contains {0:?}, which is never used in codes")]
    InvalidCharacter(char),
}

impl EnrollmentCode {
    /// Makes a code from random bytes the caller drew from a secure source.
    pub fn from_random_bytes(bytes: [u8; ENROLLMENT_CODE_RANDOM_BYTES]) -> Self {
        let mut bits: u64 = 0;
        for byte in bytes {
            bits = (bits << 8) | u64::from(byte);
        }
        let code = (0..CODE_CHARS).rev().map(|i| ALPHABET[((bits >> (i * 5)) & 0x1f) as usize] as char).collect();
        Self(code)
    }

    /// Reads a code as a person typed it: case, spaces and dashes do not matter, and the
    /// look-alikes O, I and L are read as 0, 1 and 1.
    pub fn parse(typed: &str) -> Result<Self, EnrollmentCodeError> {
        let mut code = String::with_capacity(CODE_CHARS);
        for ch in typed.chars() {
            if ch.is_whitespace() || ch == '-' {
                continue;
            }
            let upper = ch.to_ascii_uppercase();
            let canonical = match upper {
                'O' => '0',
                'I' | 'L' => '1',
                other => other,
            };
            if !canonical.is_ascii() || !ALPHABET.contains(&(canonical as u8)) {
                return Err(EnrollmentCodeError::InvalidCharacter(ch));
            }
            code.push(canonical);
        }
        if code.len() != CODE_CHARS {
            return Err(EnrollmentCodeError::WrongLength(code.len()));
        }
        Ok(Self(code))
    }

    /// The form that is hashed and compared: eight characters, no dash.
    pub fn canonical(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EnrollmentCode {
    /// Shown as two groups of four, which people copy more reliably.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", &self.0[..4], &self.0[4..])
    }
}

impl fmt::Debug for EnrollmentCode {
    // A code is a secret until it is used: keep it out of logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EnrollmentCode(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_from_bytes_are_eight_characters_of_the_alphabet() {
        assert_eq!(EnrollmentCode::from_random_bytes([0; 5]).canonical(), "00000000");
        assert_eq!(EnrollmentCode::from_random_bytes([0xff; 5]).canonical(), "ZZZZZZZZ");
        let code = EnrollmentCode::from_random_bytes([0x12, 0x34, 0x56, 0x78, 0x9a]);
        assert_eq!(code.canonical(), "28T5CY4T");
        assert_eq!(code.to_string(), "28T5-CY4T");
    }

    #[test]
    fn typed_codes_are_read_forgivingly() {
        let expected = EnrollmentCode::parse("28T5CY4T").unwrap();
        for typed in ["28t5-cy4t", " 28T5 CY4T ", "28T5-CY4T"] {
            assert_eq!(EnrollmentCode::parse(typed).unwrap(), expected, "{typed}");
        }
        assert_eq!(EnrollmentCode::parse("oil0-0000").unwrap().canonical(), "01100000");
    }

    #[test]
    fn bad_codes_say_what_is_wrong() {
        assert_eq!(EnrollmentCode::parse("1234"), Err(EnrollmentCodeError::WrongLength(4)));
        assert_eq!(EnrollmentCode::parse(""), Err(EnrollmentCodeError::WrongLength(0)));
        assert_eq!(EnrollmentCode::parse("UUUU-0000"), Err(EnrollmentCodeError::InvalidCharacter('U')));
        assert_eq!(EnrollmentCode::parse("ĀBCD-0000"), Err(EnrollmentCodeError::InvalidCharacter('Ā')));
    }

    #[test]
    fn every_generated_code_parses_back() {
        for seed in 0u8..=255 {
            let bytes = [seed, seed.wrapping_mul(7), seed ^ 0x5a, 3, seed.rotate_left(3)];
            let code = EnrollmentCode::from_random_bytes(bytes);
            assert_eq!(EnrollmentCode::parse(&code.to_string()).unwrap(), code);
        }
    }

    proptest::proptest! {
        /// Any typed text either parses to a code whose display parses back to it, or is
        /// refused with a reason; it never panics.
        #[test]
        fn parsing_any_text_never_panics_and_round_trips(typed in "\\PC{0,20}") {
            if let Ok(code) = EnrollmentCode::parse(&typed) {
                proptest::prop_assert_eq!(EnrollmentCode::parse(&code.to_string()).unwrap(), code.clone());
                proptest::prop_assert_eq!(code.canonical().len(), 8);
            }
        }

        #[test]
        fn every_random_code_round_trips(bytes in proptest::array::uniform5(0u8..)) {
            let code = EnrollmentCode::from_random_bytes(bytes);
            proptest::prop_assert_eq!(EnrollmentCode::parse(&code.to_string().to_lowercase()).unwrap(), code);
        }
    }

    #[test]
    fn debug_does_not_reveal_the_code() {
        let code = EnrollmentCode::from_random_bytes([1; 5]);
        assert!(!format!("{code:?}").contains(code.canonical()));
    }
}
