//! The storage conformance suite: every `Store` method, same expectations on every backend.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use domain::DeviceKind;
use server::store::{NewCentre, NewDevice, Store, StoreError};
use uuid::Uuid;

fn t(secs: i64) -> DateTime<Utc> {
    // Whole milliseconds: both backends keep at least that precision.
    DateTime::from_timestamp(1_800_000_000 + secs, 123_000_000).unwrap()
}

fn new_centre(name: &str) -> NewCentre {
    NewCentre { id: Uuid::now_v7(), name: name.into(), municipality: "Rīga".into(), created_at: t(0) }
}

fn new_device(centre_id: Uuid, name: &str, code: u8) -> NewDevice {
    NewDevice {
        id: Uuid::now_v7(),
        centre_id,
        kind: DeviceKind::Desk,
        name: name.into(),
        enrollment_code_hash: [code; 32],
        enrollment_expires_at: t(3600),
        created_at: t(0),
    }
}

pub async fn migrations_are_idempotent_and_versioned(store: Arc<dyn Store>) {
    assert_eq!(store.schema_version().await.unwrap(), 1);
    store.migrate().await.unwrap();
    store.migrate().await.unwrap();
    assert_eq!(store.schema_version().await.unwrap(), 1);
    store.ping().await.unwrap();
}

pub async fn centres_are_unique_by_name_and_listed_in_order(store: Arc<dyn Store>) {
    let riga = store.add_centre(new_centre("Rīgas VPVKAC")).await.unwrap();
    let cesis = store.add_centre(new_centre("Cēsu bibliotēka")).await.unwrap();
    assert_eq!(riga.municipality, "Rīga");
    let duplicate = store.add_centre(new_centre("Rīgas VPVKAC")).await.unwrap_err();
    assert!(matches!(duplicate, StoreError::Conflict { .. }), "{duplicate:?}");
    let names: Vec<String> = store.list_centres().await.unwrap().into_iter().map(|c| c.name).collect();
    assert_eq!(names, ["Cēsu bibliotēka", "Rīgas VPVKAC"]);
    assert_eq!(store.find_centre_by_name("Cēsu bibliotēka").await.unwrap(), Some(cesis));
    assert_eq!(store.find_centre_by_name("Nav tādas").await.unwrap(), None);
}

pub async fn devices_need_an_existing_centre_and_a_unique_live_name(store: Arc<dyn Store>) {
    let missing = store.add_device(new_device(Uuid::now_v7(), "Galds 1", 1)).await.unwrap_err();
    assert!(matches!(missing, StoreError::NotFound { .. }), "{missing:?}");
    let centre = store.add_centre(new_centre("Rīgas VPVKAC")).await.unwrap();
    let other = store.add_centre(new_centre("Ogres VPVKAC")).await.unwrap();
    let device = store.add_device(new_device(centre.id, "Galds 1", 1)).await.unwrap();
    assert_eq!(device.centre, centre);
    assert_eq!(device.kind, DeviceKind::Desk);
    assert_eq!((device.enrolled_at, device.revoked_at, device.last_seen_at), (None, None, None));
    assert_eq!(device.enrollment_expires_at, t(3600));
    let same_name = store.add_device(new_device(centre.id, "Galds 1", 2)).await.unwrap_err();
    assert!(matches!(same_name, StoreError::Conflict { .. }), "{same_name:?}");
    let same_code = store.add_device(new_device(centre.id, "Galds 2", 1)).await.unwrap_err();
    assert!(matches!(same_code, StoreError::Conflict { .. }), "{same_code:?}");
    // The same name in another centre is fine.
    store.add_device(new_device(other.id, "Galds 1", 3)).await.unwrap();
    let listed = store.list_devices().await.unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[1], device, "ordered by centre name: Ogres before Rīgas");
}

pub async fn enrollment_codes_work_once_and_only_before_expiry(store: Arc<dyn Store>) {
    let centre = store.add_centre(new_centre("Rīgas VPVKAC")).await.unwrap();
    let device = store.add_device(new_device(centre.id, "Galds 1", 7)).await.unwrap();
    let expiring = store.add_device(new_device(centre.id, "Galds 2", 8)).await.unwrap();

    let unknown = store.redeem_enrollment_code([9; 32], [0; 32], t(10)).await.unwrap_err();
    assert!(matches!(unknown, StoreError::EnrollmentCodeUnknown), "{unknown:?}");
    let expired = store.redeem_enrollment_code([8; 32], [0; 32], t(3600)).await.unwrap_err();
    assert!(matches!(expired, StoreError::EnrollmentCodeExpired), "{expired:?}");
    let still_waiting = store.device_auth_record(expiring.id).await.unwrap().unwrap();
    assert_eq!(still_waiting.secret_hash, None);

    let enrolled = store.redeem_enrollment_code([7; 32], [42; 32], t(10)).await.unwrap();
    assert_eq!(enrolled.id, device.id);
    assert_eq!(enrolled.enrolled_at, Some(t(10)));
    let again = store.redeem_enrollment_code([7; 32], [43; 32], t(11)).await.unwrap_err();
    assert!(matches!(again, StoreError::EnrollmentCodeUsed), "{again:?}");

    let record = store.device_auth_record(device.id).await.unwrap().unwrap();
    assert_eq!(record.secret_hash, Some([42; 32]), "the second attempt must not replace the secret");
    assert_eq!(store.device_auth_record(Uuid::now_v7()).await.unwrap(), None);
}

pub async fn concurrent_redemptions_of_one_code_let_exactly_one_through(store: Arc<dyn Store>) {
    let centre = store.add_centre(new_centre("Rīgas VPVKAC")).await.unwrap();
    store.add_device(new_device(centre.id, "Galds 1", 5)).await.unwrap();
    let attempts = (0..8u8).map(|i| {
        let store = store.clone();
        tokio::spawn(async move { store.redeem_enrollment_code([5; 32], [i; 32], t(1)).await })
    });
    let mut successes = 0;
    for attempt in attempts {
        match attempt.await.unwrap() {
            Ok(_) => successes += 1,
            Err(StoreError::EnrollmentCodeUsed) => {}
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(successes, 1);
}

pub async fn revocation_is_idempotent_and_frees_the_name(store: Arc<dyn Store>) {
    let centre = store.add_centre(new_centre("Rīgas VPVKAC")).await.unwrap();
    let device = store.add_device(new_device(centre.id, "Galds 1", 1)).await.unwrap();
    let revoked = store.revoke_device(device.id, t(100)).await.unwrap();
    assert_eq!(revoked.revoked_at, Some(t(100)));
    let twice = store.revoke_device(device.id, t(200)).await.unwrap();
    assert_eq!(twice.revoked_at, Some(t(100)), "the first revocation time stands");
    let unknown = store.revoke_device(Uuid::now_v7(), t(100)).await.unwrap_err();
    assert!(matches!(unknown, StoreError::NotFound { .. }), "{unknown:?}");
    // A revoked device's code cannot be used any more.
    let used = store.redeem_enrollment_code([1; 32], [2; 32], t(101)).await.unwrap_err();
    assert!(matches!(used, StoreError::EnrollmentCodeUsed), "{used:?}");
    // Its name can be given to a replacement.
    store.add_device(new_device(centre.id, "Galds 1", 2)).await.unwrap();
}

pub async fn last_seen_is_recorded(store: Arc<dyn Store>) {
    let centre = store.add_centre(new_centre("Rīgas VPVKAC")).await.unwrap();
    let device = store.add_device(new_device(centre.id, "Galds 1", 1)).await.unwrap();
    store.redeem_enrollment_code([1; 32], [2; 32], t(10)).await.unwrap();
    store.record_device_seen(device.id, t(20) + Duration::milliseconds(5)).await.unwrap();
    let record = store.device_auth_record(device.id).await.unwrap().unwrap();
    assert_eq!(record.device.last_seen_at, Some(t(20) + Duration::milliseconds(5)));
    // Unknown devices are not an error: nothing to record.
    store.record_device_seen(Uuid::now_v7(), t(30)).await.unwrap();
}

pub async fn a_waiting_device_can_get_a_new_code_and_the_old_one_stops_working(store: Arc<dyn Store>) {
    let centre = store.add_centre(new_centre("Rīgas VPVKAC")).await.unwrap();
    let device = store.add_device(new_device(centre.id, "Galds 1", 1)).await.unwrap();
    let other = store.add_device(new_device(centre.id, "Galds 2", 2)).await.unwrap();
    let renewed = store.renew_enrollment_code(device.id, [3; 32], t(7200)).await.unwrap();
    assert_eq!(renewed.enrollment_expires_at, t(7200));
    let old = store.redeem_enrollment_code([1; 32], [9; 32], t(10)).await.unwrap_err();
    assert!(matches!(old, StoreError::EnrollmentCodeUnknown), "{old:?}");
    // Another device's code cannot be taken over.
    let clash = store.renew_enrollment_code(device.id, [2; 32], t(7200)).await.unwrap_err();
    assert!(matches!(clash, StoreError::Conflict { .. }), "{clash:?}");
    // Valid past the first code's expiry.
    assert_eq!(store.redeem_enrollment_code([3; 32], [9; 32], t(3700)).await.unwrap().id, device.id);
    let enrolled = store.renew_enrollment_code(device.id, [4; 32], t(7200)).await.unwrap_err();
    assert!(matches!(enrolled, StoreError::DeviceNotWaiting(id) if id == device.id), "{enrolled:?}");
    store.revoke_device(other.id, t(20)).await.unwrap();
    let revoked = store.renew_enrollment_code(other.id, [5; 32], t(7200)).await.unwrap_err();
    assert!(matches!(revoked, StoreError::DeviceNotWaiting(_)), "{revoked:?}");
    let unknown = store.renew_enrollment_code(Uuid::now_v7(), [6; 32], t(7200)).await.unwrap_err();
    assert!(matches!(unknown, StoreError::NotFound { .. }), "{unknown:?}");
}
