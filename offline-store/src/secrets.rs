//! Secrets in the OS keyring: the database key and the device secret.
//!
//! Backends (through the `keyring` crate): kernel keyutils on Linux, which needs no desktop
//! session; the Credential Manager on Windows. See README "Secrets" for what survives a reboot.

use std::fmt;

use zeroize::{Zeroize, Zeroizing};

/// A 256-bit SQLCipher key. Wiped from memory when dropped; never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseKey([u8; 32]);

impl DatabaseKey {
    pub fn generate() -> Result<Self, SecretError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)
            .map_err(|e| SecretError::Keyring(format!("the system random source failed: {e}")))?;
        Ok(Self(bytes))
    }

    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    pub(crate) fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(self.0))
    }

    fn from_hex(text: &str) -> Option<Self> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(text.trim(), &mut bytes).ok()?;
        Some(Self(bytes))
    }
}

impl Drop for DatabaseKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for DatabaseKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DatabaseKey(<redacted>)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("the OS keyring could not be used: {0}")]
    Keyring(String),
    #[error("the keyring entry {0:?} holds something that is not a Pietura key; it was left untouched")]
    Malformed(String),
}

impl From<keyring::Error> for SecretError {
    fn from(error: keyring::Error) -> Self {
        SecretError::Keyring(error.to_string())
    }
}

const DATABASE_KEY: &str = "offline-store-key";
const DEVICE_SECRET: &str = "device-secret";

/// The keyring entries of one installation. `service` separates installations (and tests).
#[derive(Debug, Clone)]
pub struct Vault {
    service: String,
}

impl Vault {
    pub fn new(service: impl Into<String>) -> Self {
        Self { service: service.into() }
    }

    fn entry(&self, name: &str) -> Result<keyring::Entry, SecretError> {
        Ok(keyring::Entry::new(&self.service, name)?)
    }

    fn get(&self, name: &str) -> Result<Option<Zeroizing<String>>, SecretError> {
        match self.entry(name)?.get_password() {
            Ok(value) => Ok(Some(Zeroizing::new(value))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(other) => Err(other.into()),
        }
    }

    fn set(&self, name: &str, value: &str) -> Result<(), SecretError> {
        self.entry(name)?.set_password(value)?;
        // Read back: some keyrings accept a write they cannot later return (see platform notes).
        match self.get(name)? {
            Some(stored) if stored.as_str() == value => Ok(()),
            _ => Err(SecretError::Keyring(
                "the keyring accepted a secret but did not return it; on Linux without a desktop session, run inside `keyctl session`".into(),
            )),
        }
    }

    /// The database key, if one was stored.
    pub fn database_key(&self) -> Result<Option<DatabaseKey>, SecretError> {
        self.get(DATABASE_KEY)?
            .map(|text| DatabaseKey::from_hex(&text).ok_or_else(|| SecretError::Malformed(DATABASE_KEY.into())))
            .transpose()
    }

    /// Generates and stores a new database key. Only for a database that does not exist yet.
    pub fn create_database_key(&self) -> Result<DatabaseKey, SecretError> {
        let key = DatabaseKey::generate()?;
        self.set(DATABASE_KEY, &key.to_hex())?;
        Ok(key)
    }

    pub fn device_secret(&self) -> Result<Option<Zeroizing<String>>, SecretError> {
        self.get(DEVICE_SECRET)
    }

    pub fn set_device_secret(&self, secret: &str) -> Result<(), SecretError> {
        self.set(DEVICE_SECRET, secret)
    }

    /// Removes every entry of this installation (used when a device is reset).
    pub fn forget_all(&self) -> Result<(), SecretError> {
        for name in [DATABASE_KEY, DEVICE_SECRET] {
            match self.entry(name)?.delete_credential() {
                Ok(()) | Err(keyring::Error::NoEntry) => {}
                Err(other) => return Err(other.into()),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_through_hex_and_stay_out_of_debug() {
        let key = DatabaseKey::from_bytes([0xab; 32]);
        assert_eq!(DatabaseKey::from_hex(&key.to_hex()), Some(key.clone()));
        assert_eq!(format!("{key:?}"), "DatabaseKey(<redacted>)");
        assert_eq!(DatabaseKey::from_hex("not hex"), None);
        assert_eq!(DatabaseKey::from_hex("abcd"), None);
        assert_ne!(DatabaseKey::generate().unwrap(), DatabaseKey::generate().unwrap());
    }
}
