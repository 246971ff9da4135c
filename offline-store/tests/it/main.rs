//! The offline store against real SQLCipher files and the real OS keyring.
//! Keyring tests need a session keyring: `cargo xtask test` runs them inside `keyctl session`.

mod cases;
mod catalogue;
mod drafts;
mod search;

use chrono::DateTime;
use domain::{Centre, DeviceKind, Language};
use offline_store::{Backend, DatabaseKey, Enrollment, SCHEMA_VERSION, Store, StoreError, Vault};
use uuid::Uuid;

fn enrollment() -> Enrollment {
    Enrollment {
        server_url: "https://pietura.example/".into(),
        device_id: Uuid::now_v7(),
        device_name: "Galds 1".into(),
        kind: DeviceKind::Desk,
        centre: Centre {
            id: Uuid::now_v7(),
            name: "Rīgas VPVKAC".into(),
            municipality: "Rīga".into(),
            code: "RV".into(),
        },
        desk_number: None,
        enrolled_at: DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
    }
}

fn unique_vault() -> Vault {
    Vault::new(format!("pietura-test-{}", Uuid::new_v4()))
}

#[test]
fn data_survives_reopening_and_the_file_is_encrypted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("local.db");
    let key = DatabaseKey::generate().unwrap();
    let saved = enrollment();
    {
        let store = Store::open(&path, &key).unwrap();
        assert!(store.cipher_version().unwrap().is_some(), "built without SQLCipher");
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        assert_eq!(store.enrollment().unwrap(), None);
        store.save_enrollment(&saved).unwrap();
        store.set_language(Language::En).unwrap();
    }
    let store = Store::open(&path, &key).unwrap();
    assert_eq!(store.enrollment().unwrap(), Some(saved.clone()));
    assert_eq!(store.language().unwrap(), Some(Language::En));
    drop(store);
    // Nothing readable on disk: neither SQLite's header nor the data.
    let bytes = std::fs::read(&path).unwrap();
    assert!(!bytes.starts_with(b"SQLite format 3"));
    assert!(!bytes.windows(b"Galds 1".len()).any(|w| w == b"Galds 1"));
}

#[test]
fn the_sqlcipher_build_has_fts5_for_offline_search() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("local.db");
    drop(Store::open(&path, &DatabaseKey::from_bytes([4; 32])).unwrap());
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute_batch(&format!("PRAGMA key = \"x'{}'\";", "04".repeat(32))).unwrap();
    raw.execute_batch("CREATE VIRTUAL TABLE t USING fts5(body, tokenize = 'unicode61 remove_diacritics 2'); INSERT INTO t VALUES ('suņu nodeva');").unwrap();
    let hits: i64 = raw.query_row("SELECT count(*) FROM t WHERE t MATCH 'sunu'", [], |r| r.get(0)).unwrap();
    assert_eq!(hits, 1);
}

#[test]
fn a_wrong_key_is_a_clear_error_and_the_file_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("local.db");
    let store = Store::open(&path, &DatabaseKey::from_bytes([1; 32])).unwrap();
    store.save_enrollment(&enrollment()).unwrap();
    drop(store);
    let size_before = std::fs::metadata(&path).unwrap().len();
    let err = Store::open(&path, &DatabaseKey::from_bytes([2; 32])).unwrap_err();
    assert!(matches!(err, StoreError::CannotDecrypt { .. }), "{err:?}");
    assert!(err.to_string().contains("Do not delete"), "{err}");
    assert_eq!(std::fs::metadata(&path).unwrap().len(), size_before);
    // The right key still opens it with the data intact.
    assert!(Store::open(&path, &DatabaseKey::from_bytes([1; 32])).unwrap().enrollment().unwrap().is_some());
}

#[test]
fn a_damaged_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("local.db");
    std::fs::write(&path, vec![0x5a; 8192]).unwrap();
    let err = Store::open(&path, &DatabaseKey::from_bytes([1; 32])).unwrap_err();
    assert!(matches!(err, StoreError::CannotDecrypt { .. }), "{err:?}");
    assert_eq!(std::fs::read(&path).unwrap(), vec![0x5a; 8192], "the file must be left as it was");
}

#[test]
fn a_device_enrolls_once_and_sync_success_updates_the_centre_and_desk_number() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("local.db"), &DatabaseKey::generate().unwrap()).unwrap();
    let saved = enrollment();
    store.save_enrollment(&saved).unwrap();
    assert!(store.save_enrollment(&enrollment()).is_err());
    assert_eq!(store.last_sync_at().unwrap(), None);
    let renamed = Centre { name: "Rīgas Centra VPVKAC".into(), ..saved.centre.clone() };
    let at = DateTime::from_timestamp(1_800_000_100, 0).unwrap();
    store.record_sync_success(at, &renamed, Some(4)).unwrap();
    assert_eq!(store.last_sync_at().unwrap(), Some(at));
    let now = store.enrollment().unwrap().unwrap();
    assert_eq!((now.centre, now.desk_number), (renamed.clone(), Some(4)));
    // A desk number, once known, stays: cases were numbered with it.
    store.record_sync_success(at, &renamed, Some(9)).unwrap();
    store.record_sync_success(at, &renamed, None).unwrap();
    assert_eq!(store.enrollment().unwrap().unwrap().desk_number, Some(4));
}

#[test]
fn a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("local.db");
    let key = DatabaseKey::from_bytes([3; 32]);
    drop(Store::open(&path, &key).unwrap());
    {
        let raw = rusqlite::Connection::open(&path).unwrap();
        raw.execute_batch(&format!("PRAGMA key = \"x'{}'\"; PRAGMA user_version = 99;", "03".repeat(32))).unwrap();
    }
    let err = Store::open(&path, &key).unwrap_err();
    assert!(matches!(err, StoreError::TooNew { found: 99, .. }), "{err:?}");
}

#[test]
fn the_keyring_holds_the_key_and_a_lost_key_never_means_a_new_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("local.db");
    let vault = unique_vault();
    let store = Store::open_with_vault(&path, &vault).unwrap();
    store.save_enrollment(&enrollment()).unwrap();
    drop(store);
    assert!(vault.database_key().unwrap().is_some());
    // Reopening finds the key in the keyring.
    assert!(Store::open_with_vault(&path, &vault).unwrap().enrollment().unwrap().is_some());
    // Another installation's keyring has no key for this file: an error, and the file stays.
    let err = Store::open_with_vault(&path, &unique_vault()).unwrap_err();
    assert!(matches!(err, StoreError::KeyMissing { .. }), "{err:?}");
    assert!(path.exists());
    vault.forget_all().unwrap();
}

#[test]
fn the_device_secret_lives_in_the_keyring() {
    let vault = unique_vault();
    assert!(vault.device_secret().unwrap().is_none());
    vault.set_device_secret("s3cret-value").unwrap();
    assert_eq!(vault.device_secret().unwrap().unwrap().as_str(), "s3cret-value");
    vault.forget_all().unwrap();
    assert!(vault.device_secret().unwrap().is_none());
}

/// The Secret Service path is part of the suite, not an option: `cargo xtask test` runs the
/// tests in a D-Bus session with an unlocked GNOME Keyring.
fn require_secret_service() {
    assert!(
        Backend::secret_service_answers(),
        "no Secret Service answers on the session bus: run `cargo xtask test`, which starts \
         dbus-run-session with gnome-keyring-daemon, or run inside your desktop session"
    );
}

#[test]
fn with_a_secret_service_the_key_is_kept_there_not_only_in_the_kernel_keyring() {
    require_secret_service();
    assert_eq!(Backend::detect(), Backend::SecretService, "auto-detection prefers the persistent store");
    let service = format!("pietura-test-{}", Uuid::new_v4());
    let persistent = Vault::with_backend(&service, Backend::SecretService);
    let key = persistent.create_database_key().unwrap();
    // The kernel keyring does not hold it, so a reboot (which empties keyutils) cannot lose it.
    assert!(Vault::with_backend(&service, Backend::Keyutils).database_key().unwrap().is_none());
    assert_eq!(Vault::with_backend(&service, Backend::SecretService).database_key().unwrap(), Some(key));
    persistent.forget_all().unwrap();
    assert!(persistent.database_key().unwrap().is_none());
}

#[test]
fn keys_from_the_kernel_keyring_move_to_the_secret_service() {
    require_secret_service();
    let service = format!("pietura-test-{}", Uuid::new_v4());
    let volatile = Vault::with_backend(&service, Backend::Keyutils);
    let key = volatile.create_database_key().unwrap();
    volatile.set_device_secret("device-secret-value").unwrap();
    // A desk set up before a Secret Service was available still opens its database ...
    let persistent = Vault::with_backend(&service, Backend::SecretService);
    assert_eq!(persistent.database_key().unwrap(), Some(key.clone()));
    assert_eq!(persistent.device_secret().unwrap().unwrap().as_str(), "device-secret-value");
    // ... and from then on the secrets no longer depend on the kernel keyring.
    volatile.forget_all().unwrap();
    assert_eq!(Vault::with_backend(&service, Backend::SecretService).database_key().unwrap(), Some(key));
    persistent.forget_all().unwrap();
}

/// A kiosk without a desktop keyring keeps its secrets across reboots in a file sealed by a real
/// systemd credential: created with `systemd-creds encrypt` (the host key; the TPM too where
/// there is one), read as root through `systemd-creds decrypt` and as a unit's service through
/// `$CREDENTIALS_DIRECTORY`; another machine's credential or a damaged file opens nothing.
#[test]
fn secrets_sealed_by_a_systemd_credential_survive_reopening_and_open_nowhere_else() {
    use offline_store::sealed::{CREDENTIAL_NAME, MasterKeySource, SEALED_FILE, create_master_key_credential};
    let dir = tempfile::tempdir().unwrap();
    let credential = dir.path().join("master-key.cred");
    create_master_key_credential(&credential)
        .expect("systemd-creds encrypts with the host key (as root, like the kiosk's installer)");
    let data = dir.path().join("kiosk");
    let source = MasterKeySource::EncryptedCredential(credential.clone());
    let service = format!("pietura-test-{}", Uuid::new_v4());
    let saved = enrollment();
    {
        let vault = Vault::sealed(&service, &data, source.clone());
        let store = Store::open_with_vault(&data.join("local.db"), &vault).unwrap();
        store.save_enrollment(&saved).unwrap();
        vault.set_device_secret("device-secret-value").unwrap();
    }
    // Nothing of the secrets in clear: neither their names nor their values.
    let sealed = std::fs::read(data.join(SEALED_FILE)).unwrap();
    for clear in [b"offline-store-key".as_slice(), b"device-secret"] {
        assert!(
            !sealed.windows(clear.len()).any(|w| w == clear),
            "{:?} in the sealed file",
            String::from_utf8_lossy(clear)
        );
    }
    // A new process (a reboot empties keyutils, not this file) opens the same database.
    let reopened = Vault::sealed(&service, &data, source);
    let store = Store::open_with_vault(&data.join("local.db"), &reopened).unwrap();
    assert_eq!(store.enrollment().unwrap(), Some(saved.clone()));
    assert_eq!(reopened.device_secret().unwrap().unwrap().as_str(), "device-secret-value");
    drop(store);

    // As a unit with LoadCredentialEncrypted= sees it: decrypted into $CREDENTIALS_DIRECTORY.
    let credentials = dir.path().join("credentials");
    std::fs::create_dir_all(&credentials).unwrap();
    let decrypted = std::process::Command::new("systemd-creds")
        .args(["decrypt", &format!("--name={CREDENTIAL_NAME}")])
        .arg(&credential)
        .arg(credentials.join(CREDENTIAL_NAME))
        .status()
        .unwrap();
    assert!(decrypted.success());
    let as_a_service = Vault::sealed(&service, &data, MasterKeySource::CredentialsDirectory(credentials));
    assert_eq!(
        Store::open_with_vault(&data.join("local.db"), &as_a_service).unwrap().enrollment().unwrap(),
        Some(saved)
    );

    // Another machine's credential opens nothing, and says so.
    let other = dir.path().join("other.cred");
    create_master_key_credential(&other).unwrap();
    let stranger = Vault::sealed(&service, &data, MasterKeySource::EncryptedCredential(other));
    let refused = stranger.database_key().unwrap_err().to_string();
    assert!(refused.contains("does not open with this machine's credential"), "{refused}");
    // A damaged file is refused, never replaced by a new key.
    let mut damaged = sealed.clone();
    let last = damaged.len() - 1;
    damaged[last] ^= 1;
    std::fs::write(data.join(SEALED_FILE), &damaged).unwrap();
    assert!(Store::open_with_vault(&data.join("local.db"), &reopened).is_err());
    assert_eq!(std::fs::read(data.join(SEALED_FILE)).unwrap(), damaged, "the damaged file is left as it was");
    reopened.forget_all().unwrap();
    assert!(!data.join(SEALED_FILE).exists());
}
