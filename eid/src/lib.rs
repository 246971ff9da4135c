//! Latvian eID cards and the Web eID authentication protocol.
//!
//! - [`token`]: Web eID authentication tokens, and the server's validation of them.
//! - [`certificate`]: what is read from an X.509 certificate (identity, purpose, signatures).

pub mod apdu;
pub mod certificate;
pub mod token;

pub use certificate::{Identity, ParsedCertificate};
pub use token::{Algorithm, AuthToken, TokenError, TokenValidator, ValidatedToken, ValidatorConfig};
