//! Releases and updates (issue 19) on both backends: publishing checks the signature against the
//! configured key, the hello offers a device the newest release of its kind newer than what it
//! runs, the device downloads it over a real socket and keeps it only when digest and signature
//! hold; a release a broken-into server changed is refused and leaves nothing behind.

use std::path::{Path, PathBuf};

use device::update::{Fetched, UpdateError, fetch, package_file};
use domain::{DeviceKind, release::ReleaseSignatureError};
use server::{
    devices,
    releases::{self, ReleaseError},
    store::{NewRelease, StoreError},
};

use crate::api::{Running, client_for, enrolled};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../domain/tests").join(name)
}

fn text(name: &str) -> String {
    std::fs::read_to_string(fixture(name)).unwrap()
}

#[allow(clippy::disallowed_methods)] // published now, on the server's own clock
fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

on_both_backends!(server: a_signed_release_reaches_the_devices_of_its_kind_and_a_changed_one_is_refused);

async fn a_signed_release_reaches_the_devices_of_its_kind_and_a_changed_one_is_refused(server: Running) {
    let store = server.store.as_ref();
    let (key, signature) = (text("release-test.pub"), text("release.txt.minisig"));
    let content = std::fs::read(fixture("release.txt")).unwrap();
    let publish = |version: &'static str, content: Vec<u8>, key: String| {
        let signature = signature.clone();
        async move {
            let publication =
                releases::Publication { kind: DeviceKind::Kiosk, version, content, signature: &signature };
            releases::publish(store, &key, publication, "operator", now()).await
        }
    };

    // Refused: another key, a changed file, a version that is not one. Nothing is published.
    let other_key = "RWQ9Qoq722Np++sJCl6elHTpiMnc+F2e8iPcZjioDXIbshe2f0gRO+NJ".to_owned();
    let refused = publish("0.1.1", content.clone(), other_key).await.unwrap_err();
    assert!(matches!(refused, ReleaseError::Signature(ReleaseSignatureError::Mismatch)), "{refused}");
    let mut changed = content.clone();
    changed[3] ^= 0x20;
    assert!(matches!(publish("0.1.1", changed.clone(), key.clone()).await, Err(ReleaseError::Signature(_))));
    assert!(matches!(publish("latest", content.clone(), key.clone()).await, Err(ReleaseError::Version(_))));
    assert!(store.list_releases().await.unwrap().is_empty());

    let published = publish("0.1.1", content.clone(), key.clone()).await.unwrap();
    assert_eq!(published.size, content.len() as u64);
    // A kind's version is published once.
    assert!(matches!(
        publish("0.1.1", content.clone(), key.clone()).await,
        Err(ReleaseError::Store(StoreError::Conflict { .. }))
    ));
    let audit = store.audit_entries(0, 1000).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "release_published" && e.subject == "release:kiosk:0.1.1"));

    devices::add_centre(store, "Rīgas Centrālā bibliotēka", "Rīga", None, now()).await.unwrap();
    let kiosk = enrolled(&server, "Rīgas Centrālā bibliotēka", DeviceKind::Kiosk, "Kiosks 1").await;
    let desk = enrolled(&server, "Rīgas Centrālā bibliotēka", DeviceKind::Desk, "Galds 1").await;
    let client = client_for(&server);
    // The test's devices run the crate's version, 0.1.0: the kiosk is offered 0.1.1, the desk
    // nothing (no desk release).
    let offer = client.hello(&kiosk).await.unwrap().update.expect("an update for the kiosk");
    assert_eq!((offer.version.as_str(), offer.sha256.as_str()), ("0.1.1", published.sha256.as_str()));
    assert_eq!(client.hello(&desk).await.unwrap().update, None);

    // The kiosk downloads it and keeps it, checked; once is enough.
    let dir = tempfile::tempdir().unwrap();
    let updates = dir.path().join("updates");
    let kept = fetch(&client, &kiosk, &offer, Some(&key), &updates).await.unwrap();
    assert_eq!(kept, Fetched::Kept(updates.join(package_file("0.1.1"))));
    assert_eq!(std::fs::read(updates.join(package_file("0.1.1"))).unwrap(), content);
    assert_eq!(
        fetch(&client, &kiosk, &offer, Some(&key), &updates).await.unwrap(),
        Fetched::AlreadyThere(updates.join(package_file("0.1.1")))
    );
    // Installed without a release key: it downloads nothing.
    assert_eq!(fetch(&client, &kiosk, &offer, None, &dir.path().join("none")).await.unwrap(), Fetched::NoKey);
    assert!(!dir.path().join("none").exists());
    // A desk asking for the kiosk's package is told there is none of its kind.
    let desk_dir = dir.path().join("desk");
    match fetch(&client, &desk, &offer, Some(&key), &desk_dir).await {
        Err(UpdateError::Server(device::client::ClientError::Rejected { status: 404, .. })) => {}
        other => panic!("a desk downloaded a kiosk's package: {other:?}"),
    }

    // A server broken into serves a changed package under the old signature (straight into its
    // database, past the publishing check): the kiosk refuses it and keeps nothing of it.
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&changed));
    store
        .publish_release(NewRelease {
            kind: "kiosk".into(),
            version: "0.1.2".into(),
            sha256: sha,
            signature: signature.clone(),
            content: changed,
            published_at: now(),
        })
        .await
        .unwrap();
    let offer = client.hello(&kiosk).await.unwrap().update.expect("the changed release offered");
    assert_eq!(offer.version, "0.1.2");
    let refused = fetch(&client, &kiosk, &offer, Some(&key), &updates).await.unwrap_err();
    assert!(matches!(refused, UpdateError::Signature(ReleaseSignatureError::Mismatch)), "{refused}");
    let mut left: Vec<String> =
        std::fs::read_dir(&updates).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    left.sort();
    assert_eq!(left, [package_file("0.1.1"), format!("{}.minisig", package_file("0.1.1"))]);
}
