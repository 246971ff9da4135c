//! Latvian eID cards and the Web eID authentication protocol.
//!
//! - [`token`]: Web eID authentication tokens, and the server's validation of them.
//! - [`apdu`]: the card's commands and answers, as pure functions.
//! - [`session`]: reading the certificate, PIN counters, and signing a login over any transport.
//! - `test_ca`, `virtual_card` (feature `virtual-card`): a test CA and a virtual card that speaks
//!   the same APDUs, connected to a real pcscd through vpcd.
//! - [`certificate`]: what is read from an X.509 certificate (identity, purpose, signatures).

pub mod apdu;
pub mod certificate;
#[doc(hidden)]
pub mod fuzzing;
pub mod ocsp;
#[cfg(feature = "card")]
pub mod reader;
pub mod session;
#[cfg(feature = "virtual-card")]
pub mod test_ca;
pub mod token;
#[cfg(feature = "virtual-card")]
pub mod virtual_card;

pub use certificate::{Identity, ParsedCertificate};
pub use session::{CardError, CardReaders, EidCard, LoginChallenge, ReaderSnapshot, Transport};
pub use token::{Algorithm, AuthToken, TokenError, TokenValidator, ValidatedToken, ValidatorConfig};
