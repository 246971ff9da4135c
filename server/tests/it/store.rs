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
    let code = domain::CentreCode::suggest(name, |_| false).into_inner();
    NewCentre { id: Uuid::now_v7(), name: name.into(), municipality: "Rīga".into(), code, created_at: t(0) }
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
    assert_eq!(store.schema_version().await.unwrap(), 21);
    store.migrate().await.unwrap();
    store.migrate().await.unwrap();
    assert_eq!(store.schema_version().await.unwrap(), 21);
    store.ping().await.unwrap();
}

pub async fn a_database_belongs_to_the_first_environment_that_claims_it(store: Arc<dyn Store>) {
    assert_eq!(store.claim_environment("training").await.unwrap(), "training");
    assert_eq!(store.claim_environment("production").await.unwrap(), "training", "the first claim holds");
    assert_eq!(store.claim_environment("training").await.unwrap(), "training");
}

pub async fn centres_are_unique_by_name_and_listed_in_order(store: Arc<dyn Store>) {
    let riga = store.add_centre(new_centre("Rīgas VPVKAC")).await.unwrap();
    let cesis = store.add_centre(new_centre("Cēsu bibliotēka")).await.unwrap();
    assert_eq!((riga.municipality.as_str(), riga.code.as_str()), ("Rīga", "RV"));
    let duplicate = store.add_centre(new_centre("Rīgas VPVKAC")).await.unwrap_err();
    assert!(matches!(duplicate, StoreError::Conflict { .. }), "{duplicate:?}");
    let same_code = store.add_centre(NewCentre { code: "RV".into(), ..new_centre("Rēzeknes VPVKAC") }).await;
    assert!(matches!(same_code, Err(StoreError::Conflict { .. })), "{same_code:?}");
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
    assert_eq!(device.reported_version, None);
    store.redeem_enrollment_code([1; 32], [2; 32], t(10)).await.unwrap();
    assert_eq!(device.reported_outbox, None);
    // The header says whole seconds.
    let outbox =
        protocol::OutboxReport { pending: 2, refused: 1, oldest: Some(chrono::SubsecRound::trunc_subsecs(t(5), 0)) };
    store
        .record_device_seen(device.id, t(20) + Duration::milliseconds(5), Some("0.4.0".into()), Some(outbox))
        .await
        .unwrap();
    let record = store.device_auth_record(device.id).await.unwrap().unwrap();
    assert_eq!(record.device.last_seen_at, Some(t(20) + Duration::milliseconds(5)));
    assert_eq!(record.device.reported_version.as_deref(), Some("0.4.0"));
    assert_eq!(record.device.reported_outbox, Some(outbox));
    // A request that names no version and no outbox keeps the last ones said.
    store.record_device_seen(device.id, t(25), None, None).await.unwrap();
    let listed = store.list_devices().await.unwrap();
    assert_eq!((listed[0].last_seen_at, listed[0].reported_version.as_deref()), (Some(t(25)), Some("0.4.0")));
    assert_eq!(listed[0].reported_outbox, Some(outbox));
    let emptied = protocol::OutboxReport { pending: 0, refused: 0, oldest: None };
    store.record_device_seen(device.id, t(26), None, Some(emptied)).await.unwrap();
    assert_eq!(store.list_devices().await.unwrap()[0].reported_outbox, Some(emptied));
    // Unknown devices are not an error: nothing to record.
    store.record_device_seen(Uuid::now_v7(), t(30), None, None).await.unwrap();
    // One centre's devices only.
    let elsewhere = store.add_centre(new_centre("Cēsu bibliotēka")).await.unwrap();
    store.add_device(NewDevice { kind: DeviceKind::Kiosk, ..new_device(elsewhere.id, "Kiosks", 9) }).await.unwrap();
    let here: Vec<Uuid> = store.centre_devices(centre.id).await.unwrap().into_iter().map(|d| d.id).collect();
    assert_eq!(here, [device.id]);
    assert_eq!(store.centre_devices(elsewhere.id).await.unwrap()[0].name, "Kiosks");
    assert_eq!(store.list_devices().await.unwrap().len(), 2);
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

// ---- The catalogue ----

use server::catalogue::{Catalogue, EditError, Editor};
use server::store::{ArticleFlag, Institution, RecordChange, RecordKind};

fn change(kind: RecordKind, id: &str, expected: Option<u64>, title: &str) -> RecordChange {
    RecordChange {
        kind,
        id: id.into(),
        owner: "https://pietura.lv/id/org/vid".into(),
        expected_version: expected,
        retired: false,
        document: serde_json::json!({ "id": id, "title": title }),
        linked_services: vec![],
    }
}

pub async fn catalogue_changes_get_versions_and_feed_positions(store: Arc<dyn Store>) {
    assert_eq!(store.schema_version().await.unwrap(), 21);
    assert_eq!(store.catalogue_head().await.unwrap(), 0);
    let first = store
        .apply_catalogue_changes(
            vec![change(RecordKind::Service, "s1", Some(0), "a"), change(RecordKind::Service, "s2", None, "b")],
            t(1),
        )
        .await
        .unwrap();
    assert_eq!(first.iter().map(|r| (r.version, r.seq)).collect::<Vec<_>>(), [(1, 1), (1, 2)]);
    let json: serde_json::Value = serde_json::from_str(&first[0].document).unwrap();
    assert_eq!(json["version"], 1, "the store writes the version into the document");

    // An update names the version it replaces; a stale one fails the whole batch.
    let stale = store
        .apply_catalogue_changes(
            vec![change(RecordKind::Service, "s2", Some(1), "b2"), change(RecordKind::Service, "s1", Some(0), "x")],
            t(2),
        )
        .await
        .unwrap_err();
    assert!(matches!(stale, StoreError::VersionConflict { current: 1, .. }), "{stale:?}");
    assert_eq!(store.catalogue_head().await.unwrap(), 2, "nothing of the failed batch was written");
    let s2 = store.catalogue_record(RecordKind::Service, "s2").await.unwrap().unwrap();
    assert_eq!(s2.version, 1);

    let updated =
        store.apply_catalogue_changes(vec![change(RecordKind::Service, "s1", Some(1), "a2")], t(3)).await.unwrap();
    assert_eq!((updated[0].version, updated[0].seq), (2, 3));
    // The feed has each record once, at its latest version, in change order.
    let feed = store.catalogue_changes(0, 100).await.unwrap();
    assert_eq!(
        feed.iter().map(|r| (r.id.as_str(), r.version, r.seq)).collect::<Vec<_>>(),
        [("s2", 1, 2), ("s1", 2, 3)]
    );
    assert_eq!(store.catalogue_changes(2, 100).await.unwrap().len(), 1);
    assert_eq!(store.catalogue_changes(0, 1).await.unwrap()[0].id, "s2");

    // A retirement is a tombstone at a new position.
    let mut retire = change(RecordKind::Service, "s2", Some(1), "b");
    retire.retired = true;
    store.apply_catalogue_changes(vec![retire], t(4)).await.unwrap();
    let tail = store.catalogue_changes(3, 100).await.unwrap();
    assert_eq!((tail[0].id.as_str(), tail[0].retired, tail[0].version), ("s2", true, 2));
    assert_eq!(store.catalogue_records(RecordKind::Service).await.unwrap().len(), 2);
    assert_eq!(store.catalogue_head().await.unwrap(), 4);
    // Same id, different kind: a different record.
    store.apply_catalogue_changes(vec![change(RecordKind::Article, "s1", Some(0), "x")], t(5)).await.unwrap();
    assert_eq!(store.catalogue_record(RecordKind::Article, "s1").await.unwrap().unwrap().version, 1);
}

pub async fn concurrent_catalogue_writers_never_share_or_skip_a_position(store: Arc<dyn Store>) {
    let mut tasks = Vec::new();
    for writer in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..10 {
                let id = format!("w{writer}-{i}");
                store
                    .apply_catalogue_changes(vec![change(RecordKind::Service, &id, Some(0), "t")], t(i))
                    .await
                    .unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let feed = store.catalogue_changes(0, 1000).await.unwrap();
    let positions: Vec<i64> = feed.iter().map(|r| r.seq).collect();
    assert_eq!(positions, (1..=80).collect::<Vec<i64>>());
}

pub async fn institutions_keys_links_and_flags_are_kept(store: Arc<dyn Store>) {
    let vid = Institution {
        id: "https://pietura.lv/id/org/vid".into(),
        name: "Valsts ieņēmumu dienests".into(),
        is_central_editor: false,
        created_at: t(0),
    };
    store.add_institution(vid.clone()).await.unwrap();
    assert!(matches!(store.add_institution(vid.clone()).await.unwrap_err(), StoreError::Conflict { .. }));
    assert_eq!(store.list_institutions().await.unwrap(), std::slice::from_ref(&vid));
    let key = Uuid::now_v7();
    let audit = |action: &str| server::audit::NewAuditEntry::new(t(1), "operator", action, vid.id.clone(), "");
    let (head, _) = store.audit_head().await.unwrap();
    store.add_institution_key(key, &vid.id, [7; 32], t(1), None, audit("institution_key_issued")).await.unwrap();
    assert!(
        store
            .add_institution_key(
                Uuid::now_v7(),
                "https://nav.lv/x",
                [8; 32],
                t(1),
                None,
                audit("institution_key_issued")
            )
            .await
            .is_err()
    );
    let record = store.institution_key_record(key).await.unwrap().unwrap();
    assert_eq!((record.institution.clone(), record.secret_hash, record.revoked_at), (vid.clone(), [7; 32], None));
    assert_eq!((record.created_at, record.expires_at), (t(1), None));
    assert!(store.institution_key_record(Uuid::now_v7()).await.unwrap().is_none());
    // A second key that expires; both listed oldest first; revoking is kept once, audited once.
    let expiring = Uuid::now_v7();
    store
        .add_institution_key(expiring, &vid.id, [9; 32], t(2), Some(t(100)), audit("institution_key_issued"))
        .await
        .unwrap();
    let keys = store.institution_keys(Some(vid.id.clone())).await.unwrap();
    assert_eq!(
        keys.iter().map(|k| (k.key_id, k.expires_at)).collect::<Vec<_>>(),
        [(key, None), (expiring, Some(t(100)))]
    );
    assert_eq!(store.institution_keys(None).await.unwrap().len(), 2);
    assert!(store.institution_keys(Some("https://nav.lv/x".into())).await.unwrap().is_empty());
    let revoked = store.revoke_institution_key(key, t(5), audit("institution_key_revoked")).await.unwrap().unwrap();
    assert_eq!(revoked.revoked_at, Some(t(5)));
    let again = store.revoke_institution_key(key, t(6), audit("institution_key_revoked")).await.unwrap().unwrap();
    assert_eq!(again.revoked_at, Some(t(5)), "the first revocation counts");
    assert!(store.revoke_institution_key(Uuid::now_v7(), t(6), audit("x")).await.unwrap().is_none());
    let actions: Vec<String> = store.audit_entries(head, 10).await.unwrap().into_iter().map(|e| e.action).collect();
    assert_eq!(actions, ["institution_key_issued", "institution_key_issued", "institution_key_revoked"]);

    let mut article = change(RecordKind::Article, "a1", Some(0), "Kā deklarēt ienākumus");
    article.linked_services = vec!["s1".into(), "s2".into()];
    store.apply_catalogue_changes(vec![article.clone()], t(2)).await.unwrap();
    assert_eq!(store.articles_linked_to("s2").await.unwrap()[0].id, "a1");
    article.linked_services = vec!["s1".into()];
    article.expected_version = Some(1);
    store.apply_catalogue_changes(vec![article], t(3)).await.unwrap();
    assert!(store.articles_linked_to("s2").await.unwrap().is_empty(), "links follow the latest version");

    let centre = store.add_centre(new_centre("Rīgas VPVKAC")).await.unwrap();
    let device = store.add_device(new_device(centre.id, "Galds 1", 1)).await.unwrap();
    let flag = ArticleFlag {
        id: Uuid::now_v7(),
        article_id: "a1".into(),
        owner: vid.id.clone(),
        reason: "outdated".into(),
        note: "Nodeva mainījās".into(),
        device_id: device.id,
        centre_name: centre.name.clone(),
        created_at: t(4),
    };
    store.add_article_flag(flag.clone()).await.unwrap();
    assert_eq!(store.article_flags(Some(&vid.id)).await.unwrap(), std::slice::from_ref(&flag));
    assert!(store.article_flags(Some("https://pietura.lv/id/org/other")).await.unwrap().is_empty());
    assert_eq!(store.article_flags(None).await.unwrap().len(), 1);
}

fn demo_service(id: &str, owner: &str) -> domain::catalogue::PublicService {
    serde_json::from_value(serde_json::json!({
        "id": id,
        "name": { "lv": "Suņu reģistrācija" },
        "description": { "lv": "Suns jāreģistrē." },
        "competent_authorities": [owner],
        "costs": [{ "id": "c1", "value_minor": 500, "currency": "EUR" }],
        "steps": [{ "lv": "Aizpildiet iesniegumu." }]
    }))
    .unwrap()
}

pub async fn advice_changes_unverify_linked_articles_and_keys_keep_to_their_institution(store: Arc<dyn Store>) {
    let catalogue = Catalogue::new(store.clone());
    let ldc = Editor::Institution { id: "https://pietura.lv/id/org/ldc".into(), central: false };
    let vid = Editor::Institution { id: "https://pietura.lv/id/org/vid".into(), central: false };
    let service = demo_service("https://pietura.lv/id/service/dogs", "https://pietura.lv/id/org/ldc");
    let written = catalogue.put_service(&ldc, service.clone(), t(1)).await.unwrap();
    assert_eq!(written.version, 1);
    // Another institution may neither create services for LDC nor change LDC's.
    assert!(matches!(catalogue.put_service(&vid, service.clone(), t(2)).await, Err(EditError::Forbidden(_))));
    let article: domain::catalogue::Article = serde_json::from_value(serde_json::json!({
        "id": "https://pietura.lv/id/article/dogs", "title": "Suņu reģistrācija: ko jautā klienti",
        "body": "1. Pārbaudiet čipu.", "language": "lv", "owner": "https://pietura.lv/id/org/ldc",
        "linked_services": ["https://pietura.lv/id/service/dogs"]
    }))
    .unwrap();
    let written_article = catalogue.put_article(&ldc, article, t(2)).await.unwrap();
    let stored: domain::catalogue::Article = serde_json::from_str(&written_article.document).unwrap();
    assert_eq!(stored.verified_at, Some(t(2)), "the owner writing it verifies it");

    // A new name does not change the advice: the article stays verified.
    let mut renamed = service.clone();
    renamed.version = 1;
    renamed.name = domain::catalogue::Text::new().with("lv", "Mājas suņu reģistrācija");
    catalogue.put_service(&ldc, renamed.clone(), t(3)).await.unwrap();
    let article_now =
        store.catalogue_record(RecordKind::Article, "https://pietura.lv/id/article/dogs").await.unwrap().unwrap();
    assert_eq!(article_now.version, 1);

    // A new cost does: in the same transaction the article loses its verification.
    let mut dearer = renamed.clone();
    dearer.version = 2;
    dearer.costs[0].value_minor = Some(700);
    let before = store.catalogue_head().await.unwrap();
    catalogue.put_service(&ldc, dearer.clone(), t(4)).await.unwrap();
    assert_eq!(store.catalogue_head().await.unwrap(), before + 2, "service and article, one position each");
    let article_now =
        store.catalogue_record(RecordKind::Article, "https://pietura.lv/id/article/dogs").await.unwrap().unwrap();
    let unverified: domain::catalogue::Article = serde_json::from_str(&article_now.document).unwrap();
    assert_eq!((article_now.version, unverified.verified_at), (2, None));

    // A stale version is a conflict; the owner re-verifies; retiring leaves a tombstone.
    assert!(matches!(
        catalogue.put_service(&ldc, dearer, t(5)).await,
        Err(EditError::Store(StoreError::VersionConflict { current: 3, .. }))
    ));
    let verified = catalogue.verify_article(&ldc, "https://pietura.lv/id/article/dogs", 2, t(6)).await.unwrap();
    assert_eq!(verified.version, 3);
    assert!(matches!(
        catalogue.retire(&vid, RecordKind::Service, "https://pietura.lv/id/service/dogs", 3, t(7)).await,
        Err(EditError::Forbidden(_))
    ));
    let retired =
        catalogue.retire(&ldc, RecordKind::Service, "https://pietura.lv/id/service/dogs", 3, t(7)).await.unwrap();
    assert!(retired.retired);
    assert!(retired.document.contains("\"withdrawn\""));
    assert!(matches!(
        catalogue.live(RecordKind::Service, "https://pietura.lv/id/service/dogs").await,
        Err(EditError::NotFound { .. })
    ));
    // An invalid record names every problem.
    let mut invalid = service;
    invalid.id = "https://pietura.lv/id/service/other".into();
    invalid.costs[0].currency = None;
    invalid.description = domain::catalogue::Text::new();
    let Err(EditError::Invalid { problems, .. }) = catalogue.put_service(&ldc, invalid, t(8)).await else { panic!() };
    let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(paths, ["description", "costs[0].currency"]);
}

async fn enrolled_device(store: &Arc<dyn Store>, centre: &str) -> (Uuid, Uuid) {
    let centre = store.add_centre(new_centre(centre)).await.unwrap();
    // Enrollment codes are unique: one per centre name.
    let code = centre.name.bytes().fold(7u8, |a, b| a.wrapping_mul(31).wrapping_add(b));
    let device = store.add_device(new_device(centre.id, "Galds 1", code)).await.unwrap();
    (centre.id, device.id)
}

pub async fn login_challenges_work_once_and_expired_ones_are_swept(store: Arc<dyn Store>) {
    use server::store::LoginNonce;
    let (_, device) = enrolled_device(&store, "Centrs").await;
    let nonce = |hash: u8, expires: i64| LoginNonce {
        nonce_hash: [hash; 32],
        device_id: device,
        issued_at: t(0),
        expires_at: t(expires),
    };
    store.add_login_nonce(nonce(1, 300), t(0)).await.unwrap();
    store.add_login_nonce(nonce(2, 10), t(0)).await.unwrap();
    assert_eq!(store.take_login_nonce([1; 32]).await.unwrap(), Some(nonce(1, 300)));
    assert_eq!(store.take_login_nonce([1; 32]).await.unwrap(), None, "a challenge works once");
    // Issuing at t(20) sweeps the one that expired at t(10).
    store.add_login_nonce(nonce(3, 320), t(20)).await.unwrap();
    assert_eq!(store.take_login_nonce([2; 32]).await.unwrap(), None);
    assert!(matches!(store.add_login_nonce(nonce(3, 320), t(20)).await, Err(StoreError::Conflict { .. })));
}

pub async fn concurrent_takes_of_one_challenge_let_exactly_one_through(store: Arc<dyn Store>) {
    use server::store::LoginNonce;
    let (_, device) = enrolled_device(&store, "Centrs").await;
    let nonce = LoginNonce { nonce_hash: [9; 32], device_id: device, issued_at: t(0), expires_at: t(300) };
    store.add_login_nonce(nonce, t(0)).await.unwrap();
    let takes: Vec<_> = (0..8)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.take_login_nonce([9; 32]).await.unwrap() })
        })
        .collect();
    let mut found = 0;
    for take in takes {
        found += usize::from(take.await.unwrap().is_some());
    }
    assert_eq!(found, 1, "a replayed challenge must fail even when the replays race");
}

pub async fn throttles_count_a_keys_attempts_within_the_window_and_report_a_refusal_once(store: Arc<dyn Store>) {
    let window = Duration::minutes(15);
    let take = |scope: &'static str, key: &'static str, at: DateTime<Utc>| {
        let store = store.clone();
        async move { store.take_attempt(scope, key, at, 10, window).await.unwrap() }
    };
    let mut attempts = Vec::new();
    for minute in 0..10 {
        attempts.push(take("enrollment", "192.0.2.1", t(minute * 60)).await.expect("within the limit"));
    }
    assert_eq!(take("enrollment", "192.0.2.1", t(600)).await, Err(t(0) + window), "free when the first leaves");
    assert!(take("enrollment", "192.0.2.2", t(600)).await.is_ok(), "another key is not held back");
    assert!(take("login", "192.0.2.1", t(600)).await.is_ok(), "nor the same key in another throttle");
    // The first attempt has left the window: one more counts, then the key waits for the second.
    assert!(take("enrollment", "192.0.2.1", t(900)).await.is_ok());
    assert_eq!(take("enrollment", "192.0.2.1", t(900)).await, Err(t(60) + window));
    // An attempt given back (it went well) frees its place; giving it back twice does nothing.
    store.give_back_attempt(attempts[5]).await.unwrap();
    store.give_back_attempt(attempts[5]).await.unwrap();
    assert!(take("enrollment", "192.0.2.1", t(901)).await.is_ok());
    assert!(take("enrollment", "192.0.2.1", t(901)).await.is_err());
    // Long after, the key starts afresh.
    for _ in 0..10 {
        assert!(take("enrollment", "192.0.2.1", t(5000)).await.is_ok());
    }

    // A flood of refusals is reported once per window, per key and throttle.
    let first = |key: &'static str, at: DateTime<Utc>| {
        let store = store.clone();
        async move { store.first_refusal("enrollment", key, at, window).await.unwrap() }
    };
    assert!(first("192.0.2.1", t(0)).await);
    assert!(!first("192.0.2.1", t(60)).await);
    assert!(first("192.0.2.2", t(60)).await);
    assert!(store.first_refusal("login", "192.0.2.1", t(60), window).await.unwrap());
    assert!(!first("192.0.2.1", t(899)).await);
    assert!(first("192.0.2.1", t(900)).await, "a new window");
    assert!(!first("192.0.2.1", t(901)).await);
}

pub async fn racing_attempts_cannot_all_pass_a_throttle(store: Arc<dyn Store>) {
    // Forty attempts at one moment from eight tasks (on PostgreSQL, eight connections, as
    // through several servers): exactly the allowed ten are counted.
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut passed = 0;
                for _ in 0..5 {
                    let taken = store.take_attempt("login", "device", t(0), 10, Duration::minutes(15)).await;
                    passed += usize::from(taken.unwrap().is_ok());
                }
                passed
            })
        })
        .collect();
    let mut passed = 0;
    for task in tasks {
        passed += task.await.unwrap();
    }
    assert_eq!(passed, 10);
    let reports: Vec<_> = (0..8)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.first_refusal("login", "device", t(1), Duration::minutes(15)).await })
        })
        .collect();
    let mut first = 0;
    for report in reports {
        first += usize::from(report.await.unwrap().unwrap());
    }
    assert_eq!(first, 1, "racing refusals are reported once");
}

pub async fn role_grants_sessions_and_auth_events_are_kept(store: Arc<dyn Store>) {
    use domain::Role;
    use server::store::{AuthEvent, UserSession};
    let (centre, device) = enrolled_device(&store, "Centrs").await;
    let other = store.add_centre(new_centre("Cits")).await.unwrap();
    store.grant_role("210860-10528", Role::Clerk, centre, t(1)).await.unwrap();
    store.grant_role("210860-10528", Role::Clerk, centre, t(2)).await.unwrap();
    store.grant_role("210860-10528", Role::Admin, other.id, t(3)).await.unwrap();
    store.grant_role("161175-19997", Role::Librarian, centre, t(4)).await.unwrap();
    let mine = store.role_grants(Some("210860-10528")).await.unwrap();
    assert_eq!(mine.len(), 2);
    assert_eq!((mine[0].role, mine[0].centre.name.as_str(), mine[0].granted_at), (Role::Clerk, "Centrs", t(1)));
    assert_eq!((mine[1].role, mine[1].centre.id), (Role::Admin, other.id));
    assert_eq!(store.role_grants(None).await.unwrap().len(), 3);
    // One centre's grants only, in the same order.
    let here: Vec<_> =
        store.centre_role_grants(centre).await.unwrap().into_iter().map(|g| (g.personal_code, g.role)).collect();
    assert_eq!(here, [("161175-19997".to_owned(), Role::Librarian), ("210860-10528".to_owned(), Role::Clerk)]);
    assert_eq!(store.centre_role_grants(other.id).await.unwrap().len(), 1);
    assert!(store.centre_role_grants(Uuid::now_v7()).await.unwrap().is_empty());
    assert!(store.revoke_role("210860-10528", Role::Admin, other.id, t(6)).await.unwrap());
    assert!(!store.revoke_role("210860-10528", Role::Admin, other.id, t(6)).await.unwrap());
    assert!(store.grant_role("210860-10528", Role::Clerk, Uuid::now_v7(), t(5)).await.is_err(), "no such centre");

    let session = UserSession {
        token_hash: [5; 32],
        device_id: device,
        personal_code: "210860-10528".into(),
        given_name: "SERGEJS".into(),
        surname: "KULIŠS".into(),
        roles: vec![Role::Clerk, Role::Trainer],
        issued_at: t(10),
        expires_at: t(10 + 8 * 3600),
        ended_at: None,
    };
    store.add_session(session.clone()).await.unwrap();
    assert_eq!(store.session([5; 32]).await.unwrap(), Some(session.clone()));
    assert_eq!(store.session([6; 32]).await.unwrap(), None);
    store.end_session([5; 32], t(20)).await.unwrap();
    store.end_session([5; 32], t(30)).await.unwrap();
    assert_eq!(store.session([5; 32]).await.unwrap().unwrap().ended_at, Some(t(20)), "the first logout counts");

    for (i, kind) in ["login", "login_failed", "logout"].into_iter().enumerate() {
        store
            .add_auth_event(AuthEvent {
                at: t(40 + i as i64),
                kind: kind.into(),
                device_id: Some(device),
                personal_code: (kind != "login_failed").then(|| "210860-10528".into()),
                detail: format!("event {i}"),
            })
            .await
            .unwrap();
    }
    let events = store.auth_events(2).await.unwrap();
    assert_eq!(events.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(), ["logout", "login_failed"]);
    assert_eq!(events[1].personal_code, None);
    assert_eq!(events[0].device_id, Some(device));
}

/// Issue 12: a revoked role or device ends the sessions it carried at once (they lasted up to
/// ten hours before); sessions elsewhere and of other people stay.
pub async fn revoking_a_role_or_a_device_ends_the_sessions_it_carried(store: Arc<dyn Store>) {
    use domain::Role;
    use server::store::UserSession;
    let (centre, desk) = enrolled_device(&store, "Centrs").await;
    let (other_centre, other_desk) = enrolled_device(&store, "Cits").await;
    let second_desk = store.add_device(new_device(centre, "Galds 2", 99)).await.unwrap().id;
    let session = |hash: u8, device: Uuid, code: &str| UserSession {
        token_hash: [hash; 32],
        device_id: device,
        personal_code: code.into(),
        given_name: "V".into(),
        surname: "U".into(),
        roles: vec![Role::Clerk],
        issued_at: t(0),
        expires_at: t(10 * 3600),
        ended_at: None,
    };
    store.grant_role("210860-10528", Role::Clerk, centre, t(0)).await.unwrap();
    store.grant_role("210860-10528", Role::Clerk, other_centre, t(0)).await.unwrap();
    store.grant_role("161175-19997", Role::Clerk, centre, t(0)).await.unwrap();
    for s in [
        session(1, desk, "210860-10528"),
        session(2, second_desk, "210860-10528"),
        session(3, other_desk, "210860-10528"),
        session(4, desk, "161175-19997"),
    ] {
        store.add_session(s).await.unwrap();
    }
    let ended = |store: Arc<dyn Store>| async move {
        let mut ended = Vec::new();
        for hash in 1..=4u8 {
            ended.push(store.session([hash; 32]).await.unwrap().unwrap().ended_at);
        }
        ended
    };
    assert!(store.revoke_role("210860-10528", Role::Clerk, centre, t(100)).await.unwrap());
    assert_eq!(
        ended(store.clone()).await,
        [Some(t(100)), Some(t(100)), None, None],
        "the person's sessions at the centre's desks end; at the other centre and of others they stay"
    );
    store.revoke_device(desk, t(200)).await.unwrap();
    assert_eq!(
        ended(store.clone()).await,
        [Some(t(100)), Some(t(100)), None, Some(t(200))],
        "every session on the device ends"
    );
}

fn stored_case(id: Uuid, number: &str, centre: Uuid) -> server::store::StoredCase {
    server::store::StoredCase {
        id,
        number: number.into(),
        service_id: "https://pietura.lv/id/service/dog-fee".into(),
        kind: "application".into(),
        channel: "vpvkac_in_person".into(),
        status: "registered".into(),
        centre_id: centre,
        holder_institution: "https://pietura.lv/id/org/riga".into(),
        provider_institution: None,
        document: "{}".into(),
        offline: true,
        served_at: t(10),
        updated_at: t(10),
        customer_code: "161175-19997".into(),
        change_seq: 0,
    }
}

pub async fn every_case_write_takes_the_next_feed_position_in_its_scope(store: Arc<dyn Store>) {
    use server::store::CaseScope;
    let (centre, device) = enrolled_device(&store, "Centrs").await;
    let (other_centre, other_device) = enrolled_device(&store, "Cits centrs").await;
    assert_eq!(store.case_head().await.unwrap(), 0);
    let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    store.insert_case(a, device, stored_case(a, "RCV-03-26-0001", centre), t(11)).await.unwrap();
    let mut held_elsewhere = stored_case(b, "RCV-03-26-0002", centre);
    held_elsewhere.holder_institution = "https://pietura.lv/id/org/vid".into();
    held_elsewhere.provider_institution = Some("https://pietura.lv/id/org/riga".into());
    held_elsewhere.customer_code = "40003521600".into();
    store.insert_case(b, device, held_elsewhere, t(12)).await.unwrap();
    store.insert_case(c, other_device, stored_case(c, "C2-01-26-0001", other_centre), t(13)).await.unwrap();
    assert_eq!(store.case_head().await.unwrap(), 3);
    let seqs = |cases: Vec<server::store::StoredCase>| {
        cases.iter().map(|c| (c.number.clone(), c.change_seq)).collect::<Vec<_>>()
    };
    assert_eq!(
        seqs(store.case_changes(CaseScope::Centre(centre), 0, 10).await.unwrap()),
        [("RCV-03-26-0001".to_owned(), 1), ("RCV-03-26-0002".to_owned(), 2)]
    );
    // An institution sees the cases it holds and those it provides.
    let riga = CaseScope::Institution("https://pietura.lv/id/org/riga".into());
    assert_eq!(store.case_changes(riga.clone(), 0, 10).await.unwrap().len(), 3);
    let vid = CaseScope::Institution("https://pietura.lv/id/org/vid".into());
    assert_eq!(seqs(store.case_changes(vid.clone(), 0, 10).await.unwrap()), [("RCV-03-26-0002".to_owned(), 2)]);
    // An institution's change moves the case to the end of the feed; a stale one changes nothing.
    assert_eq!(store.change_case(a, "registered", "submitted", "{\"v\":2}".into(), t(20)).await.unwrap(), 4);
    let stale = store.change_case(a, "registered", "closed", "{}".into(), t(21)).await;
    assert!(matches!(stale, Err(StoreError::VersionConflict { .. })), "{stale:?}");
    assert_eq!(store.case_head().await.unwrap(), 4, "the refused change gave its position back");
    assert_eq!(
        seqs(store.case_changes(CaseScope::Centre(centre), 1, 10).await.unwrap()),
        [("RCV-03-26-0002".to_owned(), 2), ("RCV-03-26-0001".to_owned(), 4)]
    );
    assert_eq!(seqs(store.case_changes(CaseScope::Centre(centre), 0, 1).await.unwrap()).len(), 1, "limit");
    // A desk's update takes a position too.
    store.update_case(Uuid::now_v7(), device, a, "submitted", "decided", "{}".into(), t(22)).await.unwrap();
    assert_eq!(store.case(a).await.unwrap().unwrap().change_seq, 5);
    // Look-ups by number and by customer.
    assert_eq!(store.case_by_number("RCV-03-26-0002").await.unwrap().unwrap().id, b);
    assert!(store.case_by_number("RCV-03-26-0099").await.unwrap().is_none());
    let mine = store.customer_cases("161175-19997", 10).await.unwrap();
    assert_eq!(mine.iter().map(|c| c.id).collect::<std::collections::HashSet<_>>(), [a, c].into_iter().collect());
    assert_eq!(store.customer_cases("40003521600", 10).await.unwrap().len(), 1);
    assert!(store.customer_cases("010101-10000", 10).await.unwrap().is_empty());
    // A centre's cases by when they were served (its administrator's figures).
    let served = |cases: Vec<server::store::StoredCase>| cases.iter().map(|c| c.id).collect::<Vec<_>>();
    assert_eq!(served(store.centre_cases_since(centre, t(10)).await.unwrap()).len(), 2);
    assert!(store.centre_cases_since(centre, t(11)).await.unwrap().is_empty());
    assert_eq!(served(store.centre_cases_since(other_centre, t(0)).await.unwrap()), [c]);
}

pub async fn concurrent_case_writers_never_share_a_feed_position(store: Arc<dyn Store>) {
    let (centre, device) = enrolled_device(&store, "Centrs").await;
    let writers: Vec<_> = (0..8)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                for n in 0..5 {
                    let id = Uuid::now_v7();
                    let number = format!("RCV-{:02}-26-{:04}", i + 1, n + 1);
                    store.insert_case(id, device, stored_case(id, &number, centre), t(30)).await.unwrap();
                }
            })
        })
        .collect();
    for writer in writers {
        writer.await.unwrap();
    }
    let mut seqs: Vec<i64> = store
        .case_changes(server::store::CaseScope::Centre(centre), 0, 100)
        .await
        .unwrap()
        .iter()
        .map(|c| c.change_seq)
        .collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=40).collect::<Vec<i64>>());
}

pub async fn a_case_entry_applies_once_however_often_it_is_sent(store: Arc<dyn Store>) {
    use server::store::EntryEffect;
    let (centre, device) = enrolled_device(&store, "Centrs").await;
    let case = Uuid::now_v7();
    let first = store.insert_case(case, device, stored_case(case, "RCV-03-26-0001", centre), t(11)).await.unwrap();
    let again = store.insert_case(case, device, stored_case(case, "RCV-03-26-0001", centre), t(12)).await.unwrap();
    assert_eq!((first, again), (EntryEffect::Applied, EntryEffect::AlreadyApplied));
    assert_eq!(store.case_count().await.unwrap(), 1);
    assert!(store.entry_applied(case).await.unwrap());
    let kept = store.case(case).await.unwrap().unwrap();
    assert_eq!((kept.number.as_str(), kept.offline, kept.served_at), ("RCV-03-26-0001", true, t(10)));
    // Another case with the same number is a conflict, and leaves no trace of its entry.
    let other = Uuid::now_v7();
    let clash = store.insert_case(other, device, stored_case(other, "RCV-03-26-0001", centre), t(13)).await;
    assert!(matches!(clash, Err(StoreError::Conflict { .. })), "{clash:?}");
    assert!(!store.entry_applied(other).await.unwrap(), "the refused entry was rolled back with it");
    assert_eq!(store.case_count().await.unwrap(), 1);
}

pub async fn concurrent_pushes_of_one_entry_apply_it_exactly_once(store: Arc<dyn Store>) {
    use server::store::EntryEffect;
    let (centre, device) = enrolled_device(&store, "Centrs").await;
    let case = Uuid::now_v7();
    let pushes: Vec<_> = (0..8)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                store.insert_case(case, device, stored_case(case, "RCV-03-26-0007", centre), t(20 + i)).await.unwrap()
            })
        })
        .collect();
    let mut applied = 0;
    for push in pushes {
        applied += usize::from(push.await.unwrap() == EntryEffect::Applied);
    }
    assert_eq!(applied, 1);
    assert_eq!(store.case_count().await.unwrap(), 1);
}

pub async fn case_updates_apply_once_and_only_from_the_expected_status(store: Arc<dyn Store>) {
    use server::store::EntryEffect;
    let (centre, device) = enrolled_device(&store, "Centrs").await;
    let case = Uuid::now_v7();
    store.insert_case(case, device, stored_case(case, "RCV-03-26-0002", centre), t(11)).await.unwrap();
    let entry = Uuid::now_v7();
    let update = |expected: &'static str, document: &'static str, at: i64| {
        let store = store.clone();
        async move { store.update_case(entry, device, case, expected, "submitted", document.into(), t(at)).await }
    };
    assert_eq!(update("registered", "{\"v\":1}", 20).await.unwrap(), EntryEffect::Applied);
    assert_eq!(update("registered", "{\"v\":2}", 21).await.unwrap(), EntryEffect::AlreadyApplied);
    let kept = store.case(case).await.unwrap().unwrap();
    assert_eq!((kept.status.as_str(), kept.document.as_str()), ("submitted", "{\"v\":1}"));
    let stale = store.update_case(Uuid::now_v7(), device, case, "registered", "closed", "{}".into(), t(22)).await;
    assert!(matches!(stale, Err(StoreError::VersionConflict { .. })), "{stale:?}");
}

pub async fn case_statistics_count_by_month_service_institution_channel_and_kind(store: Arc<dyn Store>) {
    let (centre, device) = enrolled_device(&store, "Centrs").await;
    let november = DateTime::parse_from_rfc3339("2026-11-30T23:30:00Z").unwrap().with_timezone(&Utc);
    let december = DateTime::parse_from_rfc3339("2026-12-01T00:30:00Z").unwrap().with_timezone(&Utc);
    let cases = [
        (november, "consultation", 1),
        (november, "consultation", 2),
        (november, "application", 3),
        (december, "consultation", 4),
    ];
    for (served, kind, n) in cases {
        let id = Uuid::now_v7();
        let mut case = stored_case(id, &format!("RCV-03-26-{n:04}"), centre);
        case.served_at = served;
        case.kind = kind.into();
        // The times as a case's document holds them: waited n minutes, served for 2n.
        let arrived = served - chrono::Duration::minutes(n);
        let registered = served + chrono::Duration::minutes(2 * n) + chrono::Duration::milliseconds(400);
        case.document = serde_json::json!({
            "arrived_at": arrived, "served_at": served, "history": [{ "status": "registered", "at": registered }]
        })
        .to_string();
        store.insert_case(id, device, case, t(30)).await.unwrap();
    }
    let rows = store.case_statistics().await.unwrap();
    let summary: Vec<(String, String, u64)> = rows.iter().map(|r| (r.month.clone(), r.kind.clone(), r.cases)).collect();
    assert_eq!(
        summary,
        [
            ("2026-11".to_owned(), "application".to_owned(), 1),
            ("2026-11".to_owned(), "consultation".to_owned(), 2),
            ("2026-12".to_owned(), "consultation".to_owned(), 1)
        ]
    );
    assert!(rows.iter().all(|r| r.institution == "https://pietura.lv/id/org/riga" && r.channel == "vpvkac_in_person"));
    assert!(rows.iter().all(|r| r.centre == "Centrs"), "the centre by name: {rows:?}");
    // Each case's waiting and service times, in whole seconds, by month and centre.
    let mut times: Vec<(String, String, i64, i64)> = store
        .case_times()
        .await
        .unwrap()
        .into_iter()
        .map(|t| (t.month, t.centre, t.waiting_seconds, t.service_seconds))
        .collect();
    times.sort();
    let centre = || "Centrs".to_owned();
    assert_eq!(
        times,
        [
            ("2026-11".to_owned(), centre(), 60, 120),
            ("2026-11".to_owned(), centre(), 120, 240),
            ("2026-11".to_owned(), centre(), 180, 360),
            ("2026-12".to_owned(), centre(), 240, 480),
        ]
    );
}

pub async fn desks_are_numbered_in_their_centre_and_numbers_are_never_reused(store: Arc<dyn Store>) {
    let centre = store.add_centre(new_centre("Rīgas VPVKAC")).await.unwrap();
    let other = store.add_centre(new_centre("Ogres VPVKAC")).await.unwrap();
    let first = store.add_device(new_device(centre.id, "Galds 1", 1)).await.unwrap();
    let kiosk =
        store.add_device(NewDevice { kind: DeviceKind::Kiosk, ..new_device(centre.id, "Kiosks", 2) }).await.unwrap();
    let second = store.add_device(new_device(centre.id, "Galds 2", 3)).await.unwrap();
    let elsewhere = store.add_device(new_device(other.id, "Galds 1", 4)).await.unwrap();
    assert_eq!(
        [first.desk_number, kiosk.desk_number, second.desk_number, elsewhere.desk_number],
        [Some(1), None, Some(2), Some(1)]
    );
    // A revoked desk's number stays taken: its cases keep their numbers.
    store.revoke_device(second.id, t(10)).await.unwrap();
    let third = store.add_device(new_device(centre.id, "Galds 2", 5)).await.unwrap();
    assert_eq!(third.desk_number, Some(3));
    let listed = store.list_devices().await.unwrap();
    assert!(listed.iter().any(|d| d.id == second.id && d.desk_number == Some(2)));
}

fn audit(n: i64, action: &str) -> server::audit::NewAuditEntry {
    server::audit::NewAuditEntry::new(
        t(100 + n),
        "person:161175-19997",
        action,
        "_PRIVATE@16117519997",
        format!("#{n}"),
    )
}

pub async fn audit_entries_chain_in_commit_order_under_concurrent_writers(store: Arc<dyn Store>) {
    use server::audit;
    assert_eq!(store.audit_head().await.unwrap(), (0, audit::GENESIS));
    let first = store.append_audit(audit(0, "mailbox_read")).await.unwrap();
    assert_eq!((first.seq, first.prev_hash), (1, audit::GENESIS));
    // An auth event is audited in the same transaction.
    store
        .add_auth_event(server::store::AuthEvent {
            at: t(101),
            kind: "login".into(),
            device_id: None,
            personal_code: Some("161175-19997".into()),
            detail: String::new(),
        })
        .await
        .unwrap();
    let writers: Vec<_> = (0..8)
        .map(|w| {
            let store = store.clone();
            tokio::spawn(async move {
                for n in 0..5 {
                    store.append_audit(audit(w * 10 + n, "delegation_granted")).await.unwrap();
                }
            })
        })
        .collect();
    for writer in writers {
        writer.await.unwrap();
    }
    let verified = audit::verify(store.as_ref()).await.unwrap().unwrap();
    assert_eq!(verified.entries, 42);
    let entries = store.audit_entries(0, 100).await.unwrap();
    assert_eq!(entries[1].action, "login");
    assert_eq!(entries[1].actor, "person:161175-19997");
    assert_eq!(entries[0].at, t(100), "the time comes back as it was hashed");
    assert_eq!(store.audit_entries(40, 100).await.unwrap().len(), 2, "paging");
}

pub async fn audit_tampering_is_detected_and_named(store: Arc<dyn Store>, raw: &crate::backends::Raw) {
    use server::audit::{self, ChainError};
    for n in 1..=6 {
        store.append_audit(audit(n, "mailbox_read")).await.unwrap();
    }
    assert!(audit::verify(store.as_ref()).await.unwrap().is_ok());
    let check = || async { audit::verify(store.as_ref()).await.unwrap() };

    // Changed: a detail rewritten in place.
    raw.execute("UPDATE audit_log SET detail = 'nothing happened' WHERE seq = 3").await;
    assert_eq!(check().await, Err(ChainError::Changed { seq: 3 }));
    raw.execute("UPDATE audit_log SET detail = '#3' WHERE seq = 3").await;
    assert!(check().await.is_ok(), "put back, it checks again");

    // Removed from the middle.
    raw.execute("CREATE TABLE kept AS SELECT * FROM audit_log WHERE seq = 4; DELETE FROM audit_log WHERE seq = 4")
        .await;
    assert_eq!(check().await, Err(ChainError::Removed { seq: 5, expected: 4 }));
    raw.execute("INSERT INTO audit_log SELECT * FROM kept").await;
    assert!(check().await.is_ok());

    // Reordered: two entries' contents swapped (their hashes go with them).
    raw.execute(
        "UPDATE audit_log SET seq = -2 WHERE seq = 2; UPDATE audit_log SET seq = 2 WHERE seq = 5;
         UPDATE audit_log SET seq = 5 WHERE seq = -2",
    )
    .await;
    assert!(matches!(check().await, Err(ChainError::Changed { seq: 2 })), "{:?}", check().await);
    raw.execute(
        "UPDATE audit_log SET seq = -2 WHERE seq = 2; UPDATE audit_log SET seq = 2 WHERE seq = 5;
         UPDATE audit_log SET seq = 5 WHERE seq = -2",
    )
    .await;
    assert!(check().await.is_ok());

    // Removed from the end: the head still remembers.
    raw.execute("DELETE FROM audit_log WHERE seq = 6").await;
    assert_eq!(check().await, Err(ChainError::Truncated { last: 5, head: 6 }));
}

fn mailbox(address: &str, kind: domain::eaddress::AccountKind, institution: Option<&str>) -> server::store::Account {
    server::store::Account {
        address: address.into(),
        kind,
        name: address.into(),
        institution_id: institution.map(str::to_owned),
        centre_id: None,
        active: true,
        created_at: t(0),
        changed_at: t(0),
    }
}

fn letter(id: u128, sender: &str, at: i64) -> server::store::StoredMessage {
    server::store::StoredMessage {
        id: Uuid::from_u128(id),
        sender: sender.into(),
        sent_by: "institution:https://pietura.lv/id/org/vid".into(),
        subject: format!("Vēstule {id}"),
        body: "Teksts".into(),
        case_number: None,
        in_reply_to: None,
        attachments: "[]".into(),
        sent_at: t(at),
    }
}

/// Many senders at once (PostgreSQL writes what waits together in one transaction): every
/// message once, a repeat of one of them answered as already there, a message to a mailbox
/// that does not exist refused without taking the others with it, and the audit chain whole.
pub async fn messages_sent_at_once_are_each_written_once_and_a_bad_one_fails_alone(store: Arc<dyn Store>) {
    use domain::eaddress::AccountKind;
    use server::store::{Delivery, EntryEffect};
    let vid = "https://pietura.lv/id/org/vid";
    let institution =
        server::store::Institution { id: vid.into(), name: "VID".into(), is_central_editor: false, created_at: t(0) };
    store.add_institution(institution).await.unwrap();
    store.put_account(mailbox("_DEFAULT@90000069281", AccountKind::Institution, Some(vid))).await.unwrap();
    store.put_account(mailbox("_PRIVATE@32503511782", AccountKind::Natural, None)).await.unwrap();
    let send = |n: u128, recipient: &str| {
        let delivery = Delivery {
            message_id: Uuid::from_u128(n),
            recipient: recipient.into(),
            delivered_at: t(100 + n as i64),
            notified_on: chrono::NaiveDate::from_ymd_opt(2027, 1, 19).unwrap(),
            read_at: None,
            read_by: None,
            deleted_at: None,
        };
        let audit =
            server::audit::NewAuditEntry::new(t(100), "institution:x", "message_sent", recipient, n.to_string());
        let store = store.clone();
        tokio::spawn(async move {
            store.send_message(letter(n, "_DEFAULT@90000069281", 100 + n as i64), vec![delivery], audit).await
        })
    };
    // Two waves: all good, then with the 30th to nobody and the 40th the 20th again.
    let mut outcomes = Vec::new();
    for wave in [1..=29u128, 30..=60] {
        let mut sending = Vec::new();
        for n in wave {
            let recipient = if n == 30 { "_PRIVATE@00000000000" } else { "_PRIVATE@32503511782" };
            sending.push(send(if n == 40 { 20 } else { n }, recipient));
        }
        for sent in sending {
            outcomes.push(sent.await.unwrap());
        }
    }
    assert!(outcomes[29].is_err(), "the message to nobody is refused: {:?}", outcomes[29]);
    let applied = outcomes.iter().filter(|o| matches!(o, Ok(EntryEffect::Applied))).count();
    let repeated = outcomes.iter().filter(|o| matches!(o, Ok(EntryEffect::AlreadyApplied))).count();
    assert_eq!((applied, repeated), (58, 1), "{outcomes:?}");
    let inbox = store.inbox("_PRIVATE@32503511782".into(), None, 200).await.unwrap();
    assert_eq!(inbox.len(), 58);
    let verified = server::audit::verify(store.as_ref()).await.unwrap().unwrap();
    assert_eq!(verified.entries, 58, "one audit entry per message written");
}

pub async fn mailboxes_deliver_each_message_once_and_page_newest_first(store: Arc<dyn Store>) {
    use domain::eaddress::{AccountKind, Right};
    use server::store::{Delegation, Delivery, EntryEffect};
    let vid = "https://pietura.lv/id/org/vid";
    store
        .add_institution(server::store::Institution {
            id: vid.into(),
            name: "VID".into(),
            is_central_editor: false,
            created_at: t(0),
        })
        .await
        .unwrap();
    store.put_account(mailbox("_DEFAULT@90000069281", AccountKind::Institution, Some(vid))).await.unwrap();
    store.put_account(mailbox("_PRIVATE@32503511782", AccountKind::Natural, None)).await.unwrap();
    // A mailbox naming an institution that does not exist is refused.
    let orphan = store.put_account(mailbox("_DEFAULT@40003521600", AccountKind::Legal, Some("https://nowhere"))).await;
    assert!(orphan.is_err(), "{orphan:?}");
    // Changing a mailbox keeps one row.
    let mut renamed = mailbox("_PRIVATE@32503511782", AccountKind::Natural, None);
    renamed.name = "JĀNIS BĒRZIŅŠ".into();
    store.put_account(renamed).await.unwrap();
    let found = store.accounts(vec!["_PRIVATE@32503511782".into(), "_PRIVATE@00000000000".into()]).await.unwrap();
    assert_eq!(found.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(), ["JĀNIS BĒRZIŅŠ"]);
    assert_eq!(store.operated_accounts(Some(vid.into()), None).await.unwrap().len(), 1);
    assert_eq!(store.institution_directory().await.unwrap().len(), 1);

    let person = "_PRIVATE@32503511782".to_owned();
    for n in 1..=5u128 {
        let delivery = Delivery {
            message_id: Uuid::from_u128(n),
            recipient: person.clone(),
            delivered_at: t(100 + n as i64),
            notified_on: chrono::NaiveDate::from_ymd_opt(2027, 1, 19).unwrap(),
            read_at: None,
            read_by: None,
            deleted_at: None,
        };
        let audit = server::audit::NewAuditEntry::new(t(100), "institution:x", "message_sent", &person, "");
        let sent = store.send_message(
            letter(n, "_DEFAULT@90000069281", 100 + n as i64),
            vec![delivery.clone()],
            audit.clone(),
        );
        assert_eq!(sent.await.unwrap(), EntryEffect::Applied);
        if n == 5 {
            // The same message again (a retried send): nothing new.
            let again = store.send_message(letter(n, "_DEFAULT@90000069281", 100 + n as i64), vec![delivery], audit);
            assert_eq!(again.await.unwrap(), EntryEffect::AlreadyApplied);
        }
    }
    let first_page = store.inbox(person.clone(), None, 2).await.unwrap();
    assert_eq!(first_page.iter().map(|(m, _)| m.id.as_u128()).collect::<Vec<_>>(), [5, 4]);
    let last = &first_page[1].1;
    let next_page = store.inbox(person.clone(), Some((last.delivered_at, last.message_id)), 10).await.unwrap();
    assert_eq!(next_page.iter().map(|(m, _)| m.id.as_u128()).collect::<Vec<_>>(), [3, 2, 1]);
    assert_eq!(store.sent_messages("_DEFAULT@90000069281".into(), None, 10).await.unwrap().len(), 5);
    assert_eq!(store.unread_count(vec![person.clone()]).await.unwrap(), 5);
    assert_eq!(store.unread_count(vec![]).await.unwrap(), 0);
    assert_eq!(store.unread_count(vec!["_DEFAULT@90000069281".into()]).await.unwrap(), 0, "sent is not received");

    let audit = server::audit::NewAuditEntry::new(t(200), "person:325035-11782", "message_read", &person, "");
    assert!(
        store
            .mark_read(Uuid::from_u128(3), person.clone(), "person:325035-11782".into(), t(200), audit.clone())
            .await
            .unwrap()
    );
    assert!(
        !store
            .mark_read(Uuid::from_u128(3), person.clone(), "person:325035-11782".into(), t(201), audit)
            .await
            .unwrap()
    );
    let (message, deliveries) = store.message(Uuid::from_u128(3)).await.unwrap().unwrap();
    assert_eq!(message.subject, "Vēstule 3");
    assert_eq!(deliveries[0].read_at, Some(t(200)), "the first reading counts");
    // Sent and read, by sender and since when (a centre administrator's figures).
    let vid_sender = "institution:https://pietura.lv/id/org/vid".to_owned();
    assert_eq!(store.sent_and_read(vec![vid_sender.clone(), "person:x".into()], t(0)).await.unwrap(), (5, 1));
    assert_eq!(store.sent_and_read(vec![vid_sender.clone()], t(104)).await.unwrap(), (2, 0));
    assert_eq!(store.sent_and_read(vec!["person:x".into()], t(0)).await.unwrap(), (0, 0));
    assert_eq!(store.sent_and_read(vec![], t(0)).await.unwrap(), (0, 0));
    assert_eq!(
        store.unread_count(vec![person.clone(), "_DEFAULT@90000069281".into()]).await.unwrap(),
        4,
        "read ones are not counted"
    );
    assert_eq!(deliveries[0].notified_on, chrono::NaiveDate::from_ymd_opt(2027, 1, 19).unwrap());
    assert!(store.message(Uuid::from_u128(99)).await.unwrap().is_none());

    let delegation = Delegation {
        id: Uuid::from_u128(77),
        mailbox: person.clone(),
        delegate: "161175-19997".into(),
        rights: Right::Read,
        granted_by: "person:325035-11782".into(),
        granted_at: t(300),
        ends_on: chrono::NaiveDate::from_ymd_opt(2027, 12, 31).unwrap(),
        revoked_at: None,
    };
    let audit = server::audit::NewAuditEntry::new(t(300), "person:325035-11782", "delegation_granted", &person, "");
    store.add_delegation(delegation.clone(), audit.clone()).await.unwrap();
    assert_eq!(store.delegations(None, Some("161175-19997".into())).await.unwrap(), std::slice::from_ref(&delegation));
    assert!(store.revoke_delegation(delegation.id, t(400), audit.clone()).await.unwrap());
    assert!(!store.revoke_delegation(delegation.id, t(401), audit).await.unwrap(), "revoked once");
    assert_eq!(store.delegations(Some(person.clone()), None).await.unwrap()[0].revoked_at, Some(t(400)));
    // Every send, reading and delegation change is in the audit log, chained.
    let verified = server::audit::verify(store.as_ref()).await.unwrap().unwrap();
    assert_eq!(verified.entries, 5 + 2 + 3);
    // The KPIs: five messages from the institution, one read; too few readings to publish a time,
    // too few mailboxes to count them.
    // Only closed months are published: in the messages' own month there is nothing yet.
    let (open, _) = server::open_data::eaddress_kpis(store.as_ref(), t(500)).await.unwrap();
    assert!(open.is_empty(), "{open:?}");
    let next_month = t(0) + chrono::Duration::days(40);
    let (rows, accounts) = server::open_data::eaddress_kpis(store.as_ref(), next_month).await.unwrap();
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(
        (row.sender.as_str(), row.messages_sent, row.deliveries, row.read),
        ("_DEFAULT@90000069281", Some(5), Some(5), Some(1))
    );
    assert_eq!(row.median_hours_to_read, None, "one reading is too few to publish a time");
    assert!(accounts.iter().all(|(_, n)| n.is_none()), "{accounts:?}");
    // Five readings: the times are published (nearest rank, as both backends compute it).
    for n in [1u128, 2, 4, 5] {
        let at = t(1000 + n as i64 * 100);
        let audit = server::audit::NewAuditEntry::new(at, "person:325035-11782", "message_read", &person, "");
        store.mark_read(Uuid::from_u128(n), person.clone(), "person:325035-11782".into(), at, audit).await.unwrap();
    }
    let (rows, _) = server::open_data::eaddress_kpis(store.as_ref(), next_month).await.unwrap();
    // Seconds to read: 97, 999, 1098, 1296, 1395 → median 1098 s (0.3 h), 90th 1395 s (0.4 h).
    assert_eq!(
        (rows[0].read, rows[0].median_hours_to_read, rows[0].p90_hours_to_read),
        (Some(5), Some(0.3), Some(0.4))
    );

    // A consent: asked, signed once, in force until its time, ended once.
    let (_, device) = enrolled_device(&store, "Centrs").await;
    let consent = server::store::Consent {
        id: Uuid::from_u128(88),
        agent: "161175-19997".into(),
        device_id: device,
        rights: Right::Read,
        minutes: 10,
        nonce: "n0nce".into(),
        requested_at: t(500),
        citizen: None,
        signed_at: None,
        valid_until: None,
        ended_at: None,
    };
    store.add_consent(consent.clone()).await.unwrap();
    assert_eq!(store.consent(consent.id).await.unwrap(), Some(consent.clone()));
    let audit = server::audit::NewAuditEntry::new(t(501), "person:325035-11782", "consent_given", CITIZEN_MAILBOX, "");
    assert!(store.sign_consent(consent.id, "325035-11782".into(), t(501), t(1101), audit.clone()).await.unwrap());
    assert!(!store.sign_consent(consent.id, "290156-11605".into(), t(502), t(1102), audit.clone()).await.unwrap());
    assert_eq!(store.active_consents("161175-19997".into(), t(600)).await.unwrap().len(), 1);
    assert!(store.active_consents("161175-19997".into(), t(1200)).await.unwrap().is_empty(), "its time is over");
    assert!(store.end_consent(consent.id, t(700), audit.clone()).await.unwrap());
    assert!(!store.end_consent(consent.id, t(701), audit).await.unwrap());
    assert!(store.active_consents("161175-19997".into(), t(702)).await.unwrap().is_empty());
    assert_eq!(store.consent(consent.id).await.unwrap().unwrap().citizen.as_deref(), Some("325035-11782"));

    // All five read: nothing unread; a new one is, until it is deleted unread.
    assert_eq!(store.unread_count(vec![person.clone()]).await.unwrap(), 0);
    let delivery = Delivery {
        message_id: Uuid::from_u128(6),
        recipient: person.clone(),
        delivered_at: t(800),
        notified_on: chrono::NaiveDate::from_ymd_opt(2027, 1, 19).unwrap(),
        read_at: None,
        read_by: None,
        deleted_at: None,
    };
    let audit = server::audit::NewAuditEntry::new(t(800), "institution:x", "message_sent", &person, "");
    store.send_message(letter(6, "_DEFAULT@90000069281", 800), vec![delivery], audit.clone()).await.unwrap();
    assert_eq!(store.unread_count(vec![person.clone()]).await.unwrap(), 1);
    store.delete_delivery(Uuid::from_u128(6), person.clone(), t(801), audit).await.unwrap();
    assert_eq!(store.unread_count(vec![person.clone()]).await.unwrap(), 0, "a deleted message is not waiting");

    // Representatives of a company: recorded, found by mailbox and by person, ended once,
    // recorded again with a new source.
    store.put_account(mailbox("_DEFAULT@40003521600", AccountKind::Legal, None)).await.unwrap();
    let representative = server::store::Representative {
        mailbox: "_DEFAULT@40003521600".into(),
        person: "161175-19997".into(),
        source: "UR izziņa 1".into(),
        recorded_by: "operator".into(),
        recorded_at: t(900),
        ended_at: None,
    };
    let audit =
        server::audit::NewAuditEntry::new(t(900), "operator", "representative_recorded", "_DEFAULT@40003521600", "");
    store.put_representative(representative.clone(), audit.clone()).await.unwrap();
    assert_eq!(
        store.representatives(None, Some("161175-19997".into())).await.unwrap(),
        std::slice::from_ref(&representative)
    );
    assert_eq!(store.representatives(Some("_DEFAULT@40003521600".into()), None).await.unwrap().len(), 1);
    assert!(store.representatives(Some(person.clone()), None).await.unwrap().is_empty());
    let no_mailbox = server::store::Representative { mailbox: "_DEFAULT@40000000000".into(), ..representative.clone() };
    assert!(store.put_representative(no_mailbox, audit.clone()).await.is_err(), "only of a mailbox that exists");
    assert!(
        store
            .end_representative("_DEFAULT@40003521600".into(), "161175-19997".into(), t(901), audit.clone())
            .await
            .unwrap()
    );
    assert!(
        !store
            .end_representative("_DEFAULT@40003521600".into(), "161175-19997".into(), t(902), audit.clone())
            .await
            .unwrap()
    );
    assert_eq!(store.representatives(None, Some("161175-19997".into())).await.unwrap()[0].ended_at, Some(t(901)));
    let again = server::store::Representative { source: "UR izziņa 2".into(), recorded_at: t(903), ..representative };
    store.put_representative(again.clone(), audit).await.unwrap();
    assert_eq!(
        store.representatives(None, Some("161175-19997".into())).await.unwrap(),
        [again],
        "in force again, one row"
    );
}

const CITIZEN_MAILBOX: &str = "_PRIVATE@32503511782";

/// Attachment uploads: each uploader's content no message names counts (once per content) until
/// a message names it; the collector's candidates are unnamed content whose last upload by
/// anyone is old enough; named content is never one. The migration's backfill finds the content
/// of messages sent before uploads were recorded.
pub async fn uploads_count_until_named_and_only_unnamed_old_content_is_collected(
    store: Arc<dyn Store>,
    raw: &crate::backends::Raw,
) {
    use domain::eaddress::AccountKind;
    use server::store::{ContentStanding, Delivery, Upload};
    let hour = 3600;
    let (a, b, c) = ("a".repeat(64), "b".repeat(64), "c".repeat(64));
    let upload = |sha: &str, uploader: &str, bytes: u64, at: i64| Upload {
        sha256: sha.into(),
        uploader: uploader.into(),
        bytes,
        uploaded_at: t(at),
    };
    store.record_upload(upload(&a, "institution:vid", 100, 0)).await.unwrap();
    store.record_upload(upload(&b, "institution:vid", 40, 10)).await.unwrap();
    store.record_upload(upload(&c, "device:desk", 7, 20)).await.unwrap();
    // Again by the same uploader: one record, the new size and time.
    store.record_upload(upload(&b, "institution:vid", 50, 30)).await.unwrap();
    let unnamed =
        |uploader: &str, since: i64, except: &str| store.unnamed_upload_bytes(uploader.into(), t(since), except.into());
    assert_eq!(unnamed("institution:vid", 0, "").await.unwrap(), 150);
    assert_eq!(unnamed("institution:vid", 0, &b).await.unwrap(), 100, "the content being uploaded again is left out");
    assert_eq!(unnamed("institution:vid", 20, "").await.unwrap(), 50, "only uploads since then");
    assert_eq!(unnamed("device:desk", 0, "").await.unwrap(), 7);
    assert_eq!(
        store.content_standing(b.clone()).await.unwrap(),
        ContentStanding { named: false, last_upload: Some(t(30)) }
    );
    assert_eq!(store.content_standing("d".repeat(64)).await.unwrap(), ContentStanding::default());

    // A message naming a: it no longer counts, and is never a candidate.
    store
        .add_institution(server::store::Institution {
            id: "https://pietura.lv/id/org/vid".into(),
            name: "VID".into(),
            is_central_editor: false,
            created_at: t(0),
        })
        .await
        .unwrap();
    store
        .put_account(mailbox("_DEFAULT@90000069281", AccountKind::Institution, Some("https://pietura.lv/id/org/vid")))
        .await
        .unwrap();
    store.put_account(mailbox("_PRIVATE@32503511782", AccountKind::Natural, None)).await.unwrap();
    let mut named = letter(1, "_DEFAULT@90000069281", 40);
    named.attachments = format!(r#"[{{"name":"lēmums.pdf","size":100,"sha256":"{}"}}]"#, a.to_uppercase());
    let delivery = Delivery {
        message_id: named.id,
        recipient: "_PRIVATE@32503511782".into(),
        delivered_at: t(40),
        notified_on: chrono::NaiveDate::from_ymd_opt(2027, 1, 19).unwrap(),
        read_at: None,
        read_by: None,
        deleted_at: None,
    };
    let audit = server::audit::NewAuditEntry::new(t(40), "institution:x", "message_sent", "_PRIVATE@32503511782", "");
    store.send_message(named, vec![delivery], audit).await.unwrap();
    assert!(store.content_standing(a.clone()).await.unwrap().named, "named in any case of hex");
    assert_eq!(unnamed("institution:vid", 0, "").await.unwrap(), 50);

    // Candidates: unnamed, last upload before the time asked; at most the limit.
    let candidates = |before: i64, limit: u32| store.unnamed_uploads_before(t(before), limit);
    assert_eq!(candidates(25, 10).await.unwrap(), vec![(c.clone(), 7)], "b was uploaded again at 30");
    let mut all = candidates(hour, 10).await.unwrap();
    all.sort();
    assert_eq!(all, vec![(b.clone(), 50), (c.clone(), 7)]);
    assert_eq!(candidates(hour, 1).await.unwrap().len(), 1);
    // Another uploader's newer upload of c keeps it.
    store.record_upload(upload(&c, "institution:vid", 7, 2 * hour)).await.unwrap();
    assert_eq!(candidates(hour, 10).await.unwrap(), vec![(b.clone(), 50)]);
    // Forgetting: one content's old records; then the old records of named content.
    assert_eq!(store.forget_uploads(Some(b.clone()), t(hour)).await.unwrap(), 1);
    assert_eq!(store.content_standing(b.clone()).await.unwrap(), ContentStanding::default());
    assert_eq!(store.forget_uploads(None, t(hour)).await.unwrap(), 1, "a's record: named, so it holds nothing");
    assert_eq!(store.content_standing(c.clone()).await.unwrap().last_upload, Some(t(2 * hour)));

    // The migration's backfill: references made from the messages' own descriptions.
    let (forget, backfill) = match raw {
        crate::backends::Raw::Sqlite(_) => include_str!("../../migrations/sqlite/0011_attachment_uploads.sql"),
        crate::backends::Raw::Postgres(_) => include_str!("../../migrations/postgres/0011_attachment_uploads.sql"),
    }
    .split_once("INSERT")
    .map(|(_, backfill)| ("DELETE FROM eaddress_message_attachments", format!("INSERT{backfill}")))
    .unwrap();
    raw.execute(forget).await;
    assert!(!store.content_standing(a.clone()).await.unwrap().named);
    raw.execute(&backfill).await;
    assert!(store.content_standing(a.clone()).await.unwrap().named, "backfilled from the message");
}

pub async fn form_submissions_are_recorded_once_and_fed_by_form(store: Arc<dyn Store>) {
    let row = |id: u128, form: &str| server::store::FormSubmissionRow {
        seq: 0,
        id: Uuid::from_u128(id),
        form_id: form.into(),
        holder: "https://pietura.lv/id/org/riga".into(),
        case_number: format!("RCV-01-26-{id:04}"),
        application: format!("{{\"n\":{id}}}"),
        received_at: t(id as i64),
    };
    let (dogs, trees) = ("https://pietura.lv/id/form/dog-fee", "https://pietura.lv/id/form/tree-felling");
    assert_eq!(store.form_submissions(dogs, 0, 10).await.unwrap(), (vec![], 0));
    assert!(store.record_form_submission(row(1, dogs)).await.unwrap());
    assert!(!store.record_form_submission(row(1, dogs)).await.unwrap(), "once, whatever is sent again");
    assert!(store.record_form_submission(row(2, trees)).await.unwrap());
    assert!(store.record_form_submission(row(3, dogs)).await.unwrap());
    let (page, head) = store.form_submissions(dogs, 0, 10).await.unwrap();
    assert_eq!(page.iter().map(|r| r.id).collect::<Vec<_>>(), [Uuid::from_u128(1), Uuid::from_u128(3)]);
    assert_eq!(head, page[1].seq);
    assert_eq!((page[0].case_number.as_str(), page[0].application.as_str()), ("RCV-01-26-0001", "{\"n\":1}"));
    assert_eq!(page[0].received_at, t(1));
    let (rest, _) = store.form_submissions(dogs, page[0].seq, 1).await.unwrap();
    assert_eq!(rest.iter().map(|r| r.id).collect::<Vec<_>>(), [Uuid::from_u128(3)]);
    assert_eq!(store.form_submissions(dogs, head, 10).await.unwrap().0, vec![]);
    assert_eq!(store.form_submissions(trees, 0, 10).await.unwrap().0.len(), 1);
}

pub async fn workshops_are_kept_with_their_seats_and_seats_are_reset(store: Arc<dyn Store>) {
    use server::store::{Workshop, WorkshopSeat};
    let centre = store.add_centre(new_centre("Mācību centrs")).await.unwrap();
    let desks = [
        store.add_device(new_device(centre.id, "Vieta 1", 1)).await.unwrap(),
        store.add_device(new_device(centre.id, "Vieta 2", 2)).await.unwrap(),
    ];
    assert_eq!(store.last_workshop_series().await.unwrap(), 0);
    let workshop = Workshop {
        id: Uuid::now_v7(),
        centre_id: centre.id,
        series: 1,
        scenarios: vec!["https://pietura.lv/id/training/birth".into(), "https://pietura.lv/id/training/death".into()],
        created_by: "person:010118-20007".into(),
        created_at: t(10),
    };
    let seats: Vec<WorkshopSeat> = desks
        .iter()
        .enumerate()
        .map(|(i, desk)| WorkshopSeat {
            workshop_id: workshop.id,
            seat: i as u8 + 1,
            device_id: desk.id,
            clerk_code: format!("clerk {i}"),
            reset_at: t(10),
        })
        .collect();
    store.add_workshop(workshop.clone(), seats.clone()).await.unwrap();
    assert_eq!(store.last_workshop_series().await.unwrap(), 1);
    assert_eq!(store.workshop(workshop.id).await.unwrap(), Some((workshop.clone(), seats.clone())));
    assert_eq!(store.workshop(Uuid::now_v7()).await.unwrap(), None);
    // A series is a workshop's own: a second one with it is a conflict, and leaves no seats.
    let twin = Workshop { id: Uuid::now_v7(), created_at: t(20), ..workshop.clone() };
    let twin_seat = WorkshopSeat { workshop_id: twin.id, ..seats[0].clone() };
    assert!(matches!(store.add_workshop(twin.clone(), vec![twin_seat]).await, Err(StoreError::Conflict { .. })));
    assert_eq!(store.workshop(twin.id).await.unwrap(), None);
    let later = Workshop { id: Uuid::now_v7(), series: 2, created_at: t(30), ..workshop.clone() };
    store.add_workshop(later.clone(), vec![]).await.unwrap();
    let listed: Vec<u32> = store.centre_workshops(centre.id).await.unwrap().iter().map(|w| w.series).collect();
    assert_eq!(listed, [2, 1], "the newest first");
    assert!(store.centre_workshops(Uuid::now_v7()).await.unwrap().is_empty());
    // One seat, then all of them, start again.
    assert_eq!(store.reset_seats(workshop.id, Some(2), t(40)).await.unwrap(), 1);
    let (_, now_seats) = store.workshop(workshop.id).await.unwrap().unwrap();
    assert_eq!((now_seats[0].reset_at, now_seats[1].reset_at), (t(10), t(40)));
    assert_eq!(store.reset_seats(workshop.id, None, t(50)).await.unwrap(), 2);
    assert_eq!(store.reset_seats(workshop.id, Some(9), t(60)).await.unwrap(), 0, "no such seat");
}
