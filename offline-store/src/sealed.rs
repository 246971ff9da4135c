//! Secrets in a file sealed by a systemd credential: for a kiosk (or desk) with no desktop
//! keyring, whose secrets must survive a reboot.
//!
//! A systemd credential (`systemd-creds encrypt`, bound to the TPM where there is one and to the
//! host's credential secret) holds a 256-bit master key. The service's unit passes it decrypted
//! to the process (`LoadCredentialEncrypted=pietura-master-key:…`, read from
//! `$CREDENTIALS_DIRECTORY`); outside a unit, root can decrypt it with `systemd-creds decrypt`.
//! The secrets themselves live in `secrets.sealed` beside the database, ChaCha20-Poly1305 under
//! that master key, rewritten atomically on every change: a credential cannot be written by the
//! service itself, the file can.

use std::{
    collections::BTreeMap,
    io::Write,
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

use ring::aead::{self, Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey};
use zeroize::Zeroizing;

use crate::secrets::SecretError;

/// The credential's name (what `LoadCredentialEncrypted=` and `systemd-creds --name` call it).
pub const CREDENTIAL_NAME: &str = "pietura-master-key";
/// The sealed file's name in the data folder.
pub const SEALED_FILE: &str = "secrets.sealed";
const MAGIC: &[u8; 8] = b"PIETSEC1";

/// Where the master key comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MasterKeySource {
    /// A folder where systemd put the decrypted credential (`$CREDENTIALS_DIRECTORY`).
    CredentialsDirectory(PathBuf),
    /// An encrypted credential file decrypted with `systemd-creds decrypt` (as root).
    EncryptedCredential(PathBuf),
}

impl MasterKeySource {
    /// `$CREDENTIALS_DIRECTORY` when it holds the credential, else `PIETURA_MASTER_KEY_CREDENTIAL`
    /// (an encrypted credential file); none when neither is set.
    pub fn from_env() -> Option<Self> {
        if let Some(dir) = std::env::var_os("CREDENTIALS_DIRECTORY").map(PathBuf::from)
            && dir.join(CREDENTIAL_NAME).is_file()
        {
            return Some(Self::CredentialsDirectory(dir));
        }
        std::env::var_os("PIETURA_MASTER_KEY_CREDENTIAL").map(|path| Self::EncryptedCredential(path.into()))
    }

    fn load(&self) -> Result<MasterKey, SecretError> {
        let text = match self {
            Self::CredentialsDirectory(dir) => {
                Zeroizing::new(std::fs::read_to_string(dir.join(CREDENTIAL_NAME)).map_err(|e| {
                    SecretError::Keyring(format!("the credential {CREDENTIAL_NAME} cannot be read: {e}"))
                })?)
            }
            Self::EncryptedCredential(path) => {
                let output = Command::new("systemd-creds")
                    .args(["decrypt", &format!("--name={CREDENTIAL_NAME}")])
                    .arg(path)
                    .arg("-")
                    .stdin(Stdio::null())
                    .output()
                    .map_err(|e| SecretError::Keyring(format!("systemd-creds could not run: {e}")))?;
                if !output.status.success() {
                    return Err(SecretError::Keyring(format!(
                        "systemd-creds could not decrypt {}: {}",
                        path.display(),
                        String::from_utf8_lossy(&output.stderr).trim()
                    )));
                }
                Zeroizing::new(
                    String::from_utf8(output.stdout).map_err(|_| SecretError::Malformed(CREDENTIAL_NAME.into()))?,
                )
            }
        };
        MasterKey::from_hex(text.trim()).ok_or_else(|| SecretError::Malformed(CREDENTIAL_NAME.into()))
    }
}

/// 32 bytes, wiped when dropped.
struct MasterKey(Zeroizing<[u8; 32]>);

impl MasterKey {
    fn from_hex(text: &str) -> Option<Self> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(text, bytes.as_mut()).ok()?;
        Some(Self(bytes))
    }

    fn aead(&self) -> LessSafeKey {
        LessSafeKey::new(UnboundKey::new(&CHACHA20_POLY1305, self.0.as_ref()).expect("a 32-byte key"))
    }
}

/// Makes a new master key and seals it into the credential file `to` with `systemd-creds encrypt`
/// (TPM and host key where there is a TPM, else the host key): what an installer runs once.
pub fn create_master_key_credential(to: &Path) -> Result<(), SecretError> {
    let mut bytes = Zeroizing::new([0u8; 32]);
    getrandom::fill(bytes.as_mut())
        .map_err(|e| SecretError::Keyring(format!("the system random source failed: {e}")))?;
    let text = Zeroizing::new(hex::encode(bytes.as_ref()));
    let mut child = Command::new("systemd-creds")
        .args(["encrypt", &format!("--name={CREDENTIAL_NAME}"), "-"])
        .arg(to)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| SecretError::Keyring(format!("systemd-creds could not run: {e}")))?;
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(text.as_bytes())
        .map_err(|e| SecretError::Keyring(format!("systemd-creds did not take the key: {e}")))?;
    let output = child.wait_with_output().map_err(|e| SecretError::Keyring(e.to_string()))?;
    if !output.status.success() {
        return Err(SecretError::Keyring(format!(
            "systemd-creds could not encrypt: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    // Only its owner reads it (it is encrypted, but nobody else needs even that).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| SecretError::Keyring(format!("{} cannot be made private: {e}", to.display())))?;
    }
    Ok(())
}

/// The sealed file of one data folder.
#[derive(Debug, Clone)]
pub struct SealedSecrets {
    file: PathBuf,
    source: MasterKeySource,
}

type Entries = BTreeMap<String, String>;

impl SealedSecrets {
    pub fn new(data_dir: &Path, source: MasterKeySource) -> Self {
        Self { file: data_dir.join(SEALED_FILE), source }
    }

    fn read_all(&self, key: &MasterKey) -> Result<Zeroizing<Vec<u8>>, SecretError> {
        let bytes = match std::fs::read(&self.file) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Zeroizing::new(b"{}".to_vec())),
            Err(e) => return Err(SecretError::Keyring(format!("{} cannot be read: {e}", self.file.display()))),
        };
        let malformed = || SecretError::Malformed(SEALED_FILE.into());
        let rest = bytes.strip_prefix(MAGIC.as_slice()).ok_or_else(malformed)?;
        let (nonce, sealed) = rest.split_at_checked(aead::NONCE_LEN).ok_or_else(malformed)?;
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| malformed())?;
        let mut buffer = Zeroizing::new(sealed.to_vec());
        let opened = key.aead().open_in_place(nonce, Aad::from(MAGIC), buffer.as_mut()).map_err(|_| {
            SecretError::Keyring(format!(
                "{} does not open with this machine's credential {CREDENTIAL_NAME} (another machine's file, or damaged)",
                self.file.display()
            ))
        })?;
        Ok(Zeroizing::new(opened.to_vec()))
    }

    fn entries(&self, key: &MasterKey) -> Result<Entries, SecretError> {
        serde_json::from_slice(&self.read_all(key)?).map_err(|_| SecretError::Malformed(SEALED_FILE.into()))
    }

    fn write_all(&self, key: &MasterKey, entries: &Entries) -> Result<(), SecretError> {
        let io = |e: std::io::Error| SecretError::Keyring(format!("{} cannot be written: {e}", self.file.display()));
        let mut buffer = Zeroizing::new(serde_json::to_vec(entries).map_err(|e| SecretError::Keyring(e.to_string()))?);
        let mut nonce = [0u8; aead::NONCE_LEN];
        getrandom::fill(&mut nonce)
            .map_err(|e| SecretError::Keyring(format!("the system random source failed: {e}")))?;
        let tag = key
            .aead()
            .seal_in_place_separate_tag(Nonce::assume_unique_for_key(nonce), Aad::from(MAGIC), buffer.as_mut())
            .map_err(|_| SecretError::Keyring("sealing failed".into()))?;
        let mut sealed = Vec::with_capacity(MAGIC.len() + nonce.len() + buffer.len() + tag.as_ref().len());
        sealed.extend_from_slice(MAGIC);
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&buffer);
        sealed.extend_from_slice(tag.as_ref());
        if let Some(folder) = self.file.parent() {
            std::fs::create_dir_all(folder).map_err(io)?;
        }
        // Written beside, synced, then renamed over: a crash leaves the old file or the new one.
        let partial = self.file.with_extension("sealed.partial");
        let mut file = std::fs::File::create(&partial).map_err(io)?;
        file.write_all(&sealed).map_err(io)?;
        file.sync_all().map_err(io)?;
        std::fs::rename(&partial, &self.file).map_err(io)
    }

    pub fn get(&self, name: &str) -> Result<Option<Zeroizing<String>>, SecretError> {
        let key = self.source.load()?;
        Ok(self.entries(&key)?.remove(name).map(Zeroizing::new))
    }

    pub fn set(&self, name: &str, value: &str) -> Result<(), SecretError> {
        let key = self.source.load()?;
        let mut entries = self.entries(&key)?;
        entries.insert(name.to_owned(), value.to_owned());
        let written = self.write_all(&key, &entries);
        for value in entries.values_mut() {
            zeroize::Zeroize::zeroize(value);
        }
        written
    }

    /// Removes the file (every secret of the installation).
    pub fn forget_all(&self) -> Result<(), SecretError> {
        match std::fs::remove_file(&self.file) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(SecretError::Keyring(format!("{} cannot be removed: {e}", self.file.display()))),
        }
    }
}
