//! Devices: creating them with a one-time enrollment code, enrolling, authenticating.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Duration, Utc};
use domain::release::ReleaseVersion;
use domain::{
    CentreCode, CentreName, DeviceKind, DeviceName, ENROLLMENT_CODE_RANDOM_BYTES, EnrollmentCode, EnrollmentCodeError,
    Municipality, ValidationError,
};
use protocol::{DeviceCredentials, EnrollResponse};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::store::{Device, NewCentre, NewDevice, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    #[error(transparent)]
    Validation(#[from] ValidationError),
    #[error(transparent)]
    Code(#[from] EnrollmentCodeError),
    #[error("there is no centre named {0:?}: add it first with `pietura-server centre add`")]
    NoSuchCentre(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the system random source failed: {0}")]
    Random(String),
}

/// Why a device's request was refused.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("device credentials are missing or malformed")]
    Missing,
    #[error("the device is unknown or its secret is wrong")]
    Invalid,
    #[error("this device was revoked by an operator; enroll it again with a new code")]
    Revoked,
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn random_bytes<const N: usize>() -> Result<[u8; N], DeviceError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| DeviceError::Random(e.to_string()))?;
    Ok(bytes)
}

/// Codes are hashed with a label so that a code hash can never be mistaken for a secret hash.
pub fn enrollment_code_hash(code: &EnrollmentCode) -> [u8; 32] {
    Sha256::new().chain_update(b"pietura-enrollment-code:").chain_update(code.canonical()).finalize().into()
}

/// The secret is 256 random bits, so a plain SHA-256 is enough: there is nothing to guess.
pub fn device_secret_hash(secret: &str) -> [u8; 32] {
    Sha256::new().chain_update(b"pietura-device-secret:").chain_update(secret).finalize().into()
}

/// Adds a centre; without a `code`, one is made from its name that no other centre has.
pub async fn add_centre(
    store: &dyn Store,
    name: &str,
    municipality: &str,
    code: Option<&str>,
    now: DateTime<Utc>,
) -> Result<domain::Centre, DeviceError> {
    let name = CentreName::parse(name)?;
    let municipality = Municipality::parse(municipality)?;
    let code = match code {
        Some(code) => CentreCode::parse(code)?,
        None => {
            let taken: Vec<String> = store.list_centres().await?.into_iter().map(|c| c.code).collect();
            CentreCode::suggest(name.as_str(), |code| taken.iter().any(|t| t == code))
        }
    };
    Ok(store
        .add_centre(NewCentre {
            id: Uuid::now_v7(),
            name: name.into_inner(),
            municipality: municipality.into_inner(),
            code: code.into_inner(),
            created_at: now,
        })
        .await?)
}

/// Creates a device waiting for enrollment and returns its one-time code.
pub async fn add_device(
    store: &dyn Store,
    centre_name: &str,
    kind: DeviceKind,
    name: &str,
    code_ttl: Duration,
    now: DateTime<Utc>,
) -> Result<(Device, EnrollmentCode), DeviceError> {
    add_device_by(store, centre_name, kind, name, code_ttl, "operator", now).await
}

/// [`add_device`] by someone other than the server's operator (audited under `by`).
pub async fn add_device_by(
    store: &dyn Store,
    centre_name: &str,
    kind: DeviceKind,
    name: &str,
    code_ttl: Duration,
    by: &str,
    now: DateTime<Utc>,
) -> Result<(Device, EnrollmentCode), DeviceError> {
    let centre_name = CentreName::parse(centre_name).map_err(|e| ValidationError::new("centre", e.problem))?;
    let name = DeviceName::parse(name)?;
    let centre = store
        .find_centre_by_name(centre_name.as_str())
        .await?
        .ok_or_else(|| DeviceError::NoSuchCentre(centre_name.as_str().to_owned()))?;
    // 40-bit codes can collide; on the rare clash, draw again.
    for _ in 0..5 {
        let code = EnrollmentCode::from_random_bytes(random_bytes::<ENROLLMENT_CODE_RANDOM_BYTES>()?);
        let new = NewDevice {
            id: Uuid::now_v7(),
            centre_id: centre.id,
            kind,
            name: name.as_str().to_owned(),
            enrollment_code_hash: enrollment_code_hash(&code),
            enrollment_expires_at: now + code_ttl,
            created_at: now,
        };
        match store.add_device(new).await {
            Ok(device) => {
                let detail = format!("{} {:?} at {}", device.kind, device.name, device.centre.name);
                audit(store, now, by, "device_added", &device, detail).await?;
                return Ok((device, code));
            }
            Err(StoreError::Conflict { what }) => {
                if store
                    .list_devices()
                    .await?
                    .iter()
                    .any(|d| d.centre.id == centre.id && d.name == name.as_str() && d.revoked_at.is_none())
                {
                    return Err(StoreError::Conflict { what }.into());
                }
            }
            Err(other) => return Err(other.into()),
        }
    }
    Err(DeviceError::Random("five enrollment codes in a row collided".into()))
}

/// Gives a device that has not enrolled yet a fresh code, e.g. after the first one expired.
pub async fn renew_code(
    store: &dyn Store,
    id: Uuid,
    code_ttl: Duration,
    now: DateTime<Utc>,
) -> Result<(Device, EnrollmentCode), DeviceError> {
    renew_code_by(store, id, code_ttl, "operator", now).await
}

/// [`renew_code`] by someone other than the server's operator (audited under `by`).
pub async fn renew_code_by(
    store: &dyn Store,
    id: Uuid,
    code_ttl: Duration,
    by: &str,
    now: DateTime<Utc>,
) -> Result<(Device, EnrollmentCode), DeviceError> {
    for _ in 0..5 {
        let code = EnrollmentCode::from_random_bytes(random_bytes::<ENROLLMENT_CODE_RANDOM_BYTES>()?);
        match store.renew_enrollment_code(id, enrollment_code_hash(&code), now + code_ttl).await {
            Ok(device) => {
                audit(store, now, by, "enrollment_code_renewed", &device, String::new()).await?;
                return Ok((device, code));
            }
            // Only a clash with another device's code is a conflict here: draw again.
            Err(StoreError::Conflict { .. }) => continue,
            Err(other) => return Err(other.into()),
        }
    }
    Err(DeviceError::Random("five enrollment codes in a row collided".into()))
}

/// Trades a typed enrollment code for device credentials, once.
pub async fn enroll(store: &dyn Store, typed_code: &str, now: DateTime<Utc>) -> Result<EnrollResponse, DeviceError> {
    let code = EnrollmentCode::parse(typed_code)?;
    let secret = URL_SAFE_NO_PAD.encode(random_bytes::<32>()?);
    let device = store.redeem_enrollment_code(enrollment_code_hash(&code), device_secret_hash(&secret), now).await?;
    tracing::info!(device = %device.id, centre = %device.centre.id, kind = %device.kind, "device enrolled");
    audit(store, now, format!("device:{}", device.id), "device_enrolled", &device, String::new()).await?;
    Ok(EnrollResponse {
        device_id: device.id,
        device_secret: secret,
        device_name: device.name,
        kind: device.kind,
        centre: device.centre,
        desk_number: device.desk_number,
    })
}

/// A known device's refused authentication, audited at most once a minute per device and
/// reason, so a device retrying in a loop cannot flood the log.
async fn refused(store: &dyn Store, now: DateTime<Utc>, device: &Device, reason: &str) -> Result<(), StoreError> {
    let actor = format!("device:{}", device.id);
    let entry = crate::audit::NewAuditEntry::new(now, actor.clone(), "device_auth_refused", actor, reason);
    crate::audit::record_unless_recent(store, entry, Duration::minutes(1)).await
}

/// Revokes a device (its sessions end with it), audited.
pub async fn revoke(store: &dyn Store, id: Uuid, now: DateTime<Utc>) -> Result<Device, DeviceError> {
    revoke_by(store, id, "operator", now).await
}

/// [`revoke`] by someone other than the server's operator (audited under `by`).
pub async fn revoke_by(store: &dyn Store, id: Uuid, by: &str, now: DateTime<Utc>) -> Result<Device, DeviceError> {
    let device = store.revoke_device(id, now).await?;
    audit(store, now, by, "device_revoked", &device, String::new()).await?;
    Ok(device)
}

async fn audit(
    store: &dyn Store,
    now: DateTime<Utc>,
    actor: impl Into<String>,
    action: &str,
    device: &Device,
    detail: String,
) -> Result<(), StoreError> {
    let entry = crate::audit::NewAuditEntry::new(now, actor, action, format!("device:{}", device.id), detail);
    store.append_audit(entry).await.map(|_| ())
}

/// The app version in a device's `User-Agent` (`pietura-sync/0.3.1`), when it is one: a claim
/// for the administrator's list, so only a short plain version is kept.
pub fn reported_version(user_agent: &str) -> Option<String> {
    let version = user_agent.strip_prefix("pietura-sync/")?.split_whitespace().next()?;
    let plain = !version.is_empty()
        && version.len() <= 32
        && version.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+'));
    plain.then(|| version.to_owned())
}

/// A device not heard from for this long is shown as such (issue 19: the fleet).
pub const UNSEEN_AFTER_HOURS: i64 = 24;

/// The newest of the versions devices report (`0.10.0` is newer than `0.9.3`; text that is not
/// a version counts for nothing).
pub fn newest_version<'a>(versions: impl IntoIterator<Item = &'a str>) -> Option<String> {
    versions.into_iter().filter_map(|v| v.parse::<ReleaseVersion>().ok()).max().map(|v| v.to_string())
}

/// The version the fleet is measured against: the newest reported, but never newer than this
/// server's own or the newest release published to it — a version is a device's claim, and one
/// device saying "99.0" must not make every other look out of date.
pub fn fleet_newest<'a>(
    versions: impl IntoIterator<Item = &'a str>,
    published: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let own: Option<ReleaseVersion> = env!("CARGO_PKG_VERSION").parse().ok();
    let ceiling = published.into_iter().filter_map(|v| v.parse::<ReleaseVersion>().ok()).chain(own).max();
    newest_version(
        versions
            .into_iter()
            .filter(|v| v.parse::<ReleaseVersion>().ok().zip(ceiling.as_ref()).is_some_and(|(v, top)| v <= *top)),
    )
}

/// Where a device stands in the fleet: the newest version when it runs an older one, and
/// whether an enrolled device has not been heard from for a day.
pub fn fleet_standing(device: &Device, newest: Option<&str>, now: DateTime<Utc>) -> (Option<String>, bool) {
    let parse = |v: Option<&str>| v.and_then(|v| v.parse::<ReleaseVersion>().ok());
    let behind = match (parse(device.reported_version.as_deref()), parse(newest)) {
        (Some(own), Some(best)) if own < best => Some(best.to_string()),
        _ => None,
    };
    let active = device.enrolled_at.is_some() && device.revoked_at.is_none();
    let unseen =
        active && device.last_seen_at.is_none_or(|seen| now - seen > chrono::Duration::hours(UNSEEN_AFTER_HOURS));
    (behind.filter(|_| active), unseen)
}

/// Checks a device's credentials and notes that it was seen, and which version it says it runs.
pub async fn authenticate(
    store: &dyn Store,
    credentials: &DeviceCredentials,
    version: Option<String>,
    outbox: Option<protocol::OutboxReport>,
    now: DateTime<Utc>,
) -> Result<Device, AuthError> {
    // Unknown ids are refused without a trace in the audit log (anyone can make them up, and
    // the log must not be floodable); a known device refused is worth a trace.
    let record = store.device_auth_record(credentials.device_id).await?.ok_or(AuthError::Invalid)?;
    // Comparing hashes, not secrets: timing reveals nothing about the secret itself.
    if record.secret_hash != Some(device_secret_hash(&credentials.secret)) {
        refused(store, now, &record.device, "wrong secret").await?;
        return Err(AuthError::Invalid);
    }
    if record.device.revoked_at.is_some() {
        refused(store, now, &record.device, "revoked").await?;
        return Err(AuthError::Revoked);
    }
    store.record_device_seen(record.device.id, now, version.clone(), outbox).await?;
    // What this request says it runs, not what the last one said (the hello's update offer
    // depends on it).
    let mut device = record.device;
    if version.is_some() {
        device.reported_version = version;
    }
    Ok(device)
}

#[cfg(test)]
mod fleet_tests {
    use super::*;

    #[test]
    fn versions_are_ordered_by_their_numbers_not_as_text() {
        assert_eq!(newest_version(["0.9.3", "0.10.0", "0.2.11"]).as_deref(), Some("0.10.0"));
        assert_eq!(newest_version(["1.2.0-rc1", "1.2.0"]).as_deref(), Some("1.2.0"), "a release after its candidates");
        assert_eq!(newest_version(["1.2.0+build7", "1.1.9"]).as_deref(), Some("1.2.0+build7"));
        assert_eq!(newest_version(["not-a-version", "0.1.0"]).as_deref(), Some("0.1.0"));
        assert_eq!(newest_version([]), None);
        // Against the fleet, a claim newer than this server's own version counts for nothing.
        let own = env!("CARGO_PKG_VERSION");
        assert_eq!(fleet_newest(["0.0.1", own, "999.0.0"], []).as_deref(), Some(own));
        // A release published to the server raises that ceiling.
        assert_eq!(fleet_newest(["0.0.1", own, "999.0.0", "999.0.1"], ["999.0.0"]).as_deref(), Some("999.0.0"));
    }

    #[test]
    fn a_device_in_use_is_behind_or_unseen_by_what_it_last_said() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let device = |version: Option<&str>, seen_hours_ago: Option<i64>, revoked: bool| Device {
            id: Uuid::nil(),
            centre: domain::Centre { id: Uuid::nil(), name: "C".into(), municipality: "M".into(), code: "C".into() },
            desk_number: Some(1),
            kind: DeviceKind::Desk,
            name: "Galds".into(),
            enrollment_expires_at: now,
            enrolled_at: Some(now - Duration::days(30)),
            last_seen_at: seen_hours_ago.map(|h| now - Duration::hours(h)),
            revoked_at: revoked.then_some(now),
            created_at: now - Duration::days(30),
            reported_version: version.map(str::to_owned),
            reported_outbox: None,
        };
        assert_eq!(
            fleet_standing(&device(Some("0.1.0"), Some(1), false), Some("0.1.1"), now),
            (Some("0.1.1".into()), false)
        );
        assert_eq!(fleet_standing(&device(Some("0.1.1"), Some(25), false), Some("0.1.1"), now), (None, true));
        assert_eq!(
            fleet_standing(&device(None, Some(1), false), Some("0.1.1"), now),
            (None, false),
            "no claim, no verdict"
        );
        assert_eq!(
            fleet_standing(&device(Some("0.1.0"), Some(48), true), Some("0.1.1"), now),
            (None, false),
            "revoked: not in use"
        );
    }
}
