//! Secrets in the OS keyring: the database key and the device secret.
//!
//! Backends (through the `keyring` crate), see [`Backend`]: on Linux the desktop's Secret
//! Service when one answers, else kernel keyutils; the Credential Manager on Windows; the
//! Keychain on macOS. See README "Secrets" for what survives a reboot.

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

    #[cfg(feature = "keyring")]
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

#[cfg(feature = "keyring")]
impl From<keyring::Error> for SecretError {
    fn from(error: keyring::Error) -> Self {
        SecretError::Keyring(error.to_string())
    }
}

#[cfg(feature = "keyring")]
const DATABASE_KEY: &str = "offline-store-key";
#[cfg(feature = "keyring")]
const DEVICE_SECRET: &str = "device-secret";

/// Where secrets are kept.
#[cfg(feature = "keyring")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The desktop's Secret Service (GNOME Keyring, KWallet) over D-Bus: survives reboots.
    SecretService,
    /// The kernel's keyutils: needs no desktop session, but is lost on reboot.
    Keyutils,
    /// The platform's own store: Credential Manager on Windows, Keychain on macOS.
    Platform,
    /// A file in the data folder sealed by a systemd credential's master key (see
    /// [`crate::sealed`]): survives reboots without a desktop session, as a kiosk needs.
    SystemdCredential,
}

#[cfg(feature = "keyring")]
impl Backend {
    /// Chooses the backend: `PIETURA_KEYRING` (`secret-service`, `keyutils`, `systemd-creds` or
    /// `auto`); by default a systemd credential when one is given (`$CREDENTIALS_DIRECTORY` or
    /// `PIETURA_MASTER_KEY_CREDENTIAL`), else the Secret Service when one answers on the session
    /// bus, else keyutils.
    pub fn detect() -> Self {
        if !cfg!(target_os = "linux") {
            return Backend::Platform;
        }
        match std::env::var("PIETURA_KEYRING").unwrap_or_default().trim() {
            "secret-service" => Backend::SecretService,
            "keyutils" => Backend::Keyutils,
            "systemd-creds" => Backend::SystemdCredential,
            _ if crate::sealed::MasterKeySource::from_env().is_some() => Backend::SystemdCredential,
            choice => {
                if !matches!(choice, "" | "auto") {
                    tracing::error!(choice, "PIETURA_KEYRING must be secret-service, keyutils or auto; using auto");
                }
                if Self::secret_service_answers() {
                    Backend::SecretService
                } else {
                    tracing::warn!(
                        "no Secret Service on the session bus: secrets are kept in the kernel keyring, which a reboot empties"
                    );
                    Backend::Keyutils
                }
            }
        }
    }

    /// Whether a Secret Service is reachable and unlocked.
    pub fn secret_service_answers() -> bool {
        if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
            return false;
        }
        match Backend::SecretService.entry("pietura-probe", "probe").map(|e| e.get_password()) {
            Ok(Ok(_)) | Ok(Err(keyring::Error::NoEntry)) => true,
            Ok(Err(error)) => {
                tracing::debug!(%error, "the Secret Service does not answer");
                false
            }
            Err(error) => {
                tracing::debug!(%error, "the Secret Service does not answer");
                false
            }
        }
    }

    fn entry(self, service: &str, name: &str) -> Result<keyring::Entry, SecretError> {
        Ok(match self {
            #[cfg(target_os = "linux")]
            Backend::SecretService => keyring::Entry::new_with_credential(Box::new(
                keyring::secret_service::SsCredential::new_with_target(None, service, name)?,
            )),
            #[cfg(target_os = "linux")]
            Backend::Keyutils => keyring::Entry::new_with_credential(Box::new(
                keyring::keyutils::KeyutilsCredential::new_with_target(None, service, name)?,
            )),
            Backend::SystemdCredential => {
                return Err(SecretError::Keyring("a sealed file has no keyring entries".into()));
            }
            _ => keyring::Entry::new(service, name)?,
        })
    }
}

/// The keyring entries of one installation. `service` separates installations (and tests).
#[cfg(feature = "keyring")]
#[derive(Debug, Clone)]
pub struct Vault {
    service: String,
    backend: Backend,
    /// Where secrets may still be from an earlier run without a Secret Service; found there,
    /// they move to `backend`.
    fallback: Option<Backend>,
    /// The sealed file, when `backend` is [`Backend::SystemdCredential`].
    sealed: Option<crate::sealed::SealedSecrets>,
}

#[cfg(feature = "keyring")]
impl Vault {
    /// A vault on the detected backend (see [`Backend::detect`]).
    pub fn new(service: impl Into<String>) -> Self {
        Self::with_backend(service, Backend::detect())
    }

    pub fn with_backend(service: impl Into<String>, backend: Backend) -> Self {
        let fallback = (backend == Backend::SecretService).then_some(Backend::Keyutils);
        tracing::debug!(?backend, "secrets backend");
        Self { service: service.into(), backend, fallback, sealed: None }
    }

    /// The vault of the installation in `data_dir`: the detected backend, and for a systemd
    /// credential the file sealed with it in that folder (secrets an earlier run left in
    /// keyutils move into it).
    pub fn for_data_dir(service: impl Into<String>, data_dir: &std::path::Path) -> Result<Self, SecretError> {
        let backend = Backend::detect();
        if backend != Backend::SystemdCredential {
            return Ok(Self::with_backend(service, backend));
        }
        let source = crate::sealed::MasterKeySource::from_env().ok_or_else(|| {
            SecretError::Keyring(
                "PIETURA_KEYRING=systemd-creds needs the credential: run under a unit with LoadCredentialEncrypted=pietura-master-key:FILE, or set PIETURA_MASTER_KEY_CREDENTIAL=FILE".into(),
            )
        })?;
        Ok(Self::sealed(service, data_dir, source))
    }

    /// Secrets in `data_dir`'s file sealed with the master key from `source`.
    pub fn sealed(
        service: impl Into<String>,
        data_dir: &std::path::Path,
        source: crate::sealed::MasterKeySource,
    ) -> Self {
        tracing::debug!(?source, "secrets backend: a file sealed by a systemd credential");
        Self {
            service: service.into(),
            backend: Backend::SystemdCredential,
            fallback: Some(Backend::Keyutils),
            sealed: Some(crate::sealed::SealedSecrets::new(data_dir, source)),
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    fn read(&self, backend: Backend, name: &str) -> Result<Option<Zeroizing<String>>, SecretError> {
        if let (Backend::SystemdCredential, Some(sealed)) = (backend, &self.sealed) {
            return sealed.get(name);
        }
        match backend.entry(&self.service, name)?.get_password() {
            Ok(value) => Ok(Some(Zeroizing::new(value))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(other) => Err(other.into()),
        }
    }

    fn get(&self, name: &str) -> Result<Option<Zeroizing<String>>, SecretError> {
        if let Some(value) = self.read(self.backend, name)? {
            return Ok(Some(value));
        }
        let Some(fallback) = self.fallback else { return Ok(None) };
        // A missing or unusable fallback is simply "not there".
        let Ok(Some(value)) = self.read(fallback, name) else { return Ok(None) };
        tracing::info!(name, ?fallback, to = ?self.backend, "moving a secret to the persistent keyring");
        self.set(name, &value)?;
        Ok(Some(value))
    }

    fn set(&self, name: &str, value: &str) -> Result<(), SecretError> {
        if let Some(sealed) = &self.sealed {
            return sealed.set(name, value);
        }
        self.backend.entry(&self.service, name)?.set_password(value)?;
        // Read back: some keyrings accept a write they cannot later return (see platform notes).
        match self.read(self.backend, name)? {
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

    /// Removes every entry of this installation from every backend it uses.
    pub fn forget_all(&self) -> Result<(), SecretError> {
        if let Some(sealed) = &self.sealed {
            sealed.forget_all()?;
        }
        for backend in std::iter::once(self.backend).chain(self.fallback) {
            if backend == Backend::SystemdCredential {
                continue;
            }
            for name in [DATABASE_KEY, DEVICE_SECRET] {
                match backend.entry(&self.service, name)?.delete_credential() {
                    Ok(()) | Err(keyring::Error::NoEntry) => {}
                    Err(other) => return Err(other.into()),
                }
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
