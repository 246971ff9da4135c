//! A device that only registers cases and pushes its outbox, for the fault tests: it can be
//! killed at any moment and started again on the same folder.
//!
//! `outbox_device DIR SERVER_URL ENROLLMENT_CODE COUNT`: enrolls on first run (credentials in
//! DIR/credentials.json: test data, never done so by a real device), registers cases until the
//! device has COUNT (made in an offline unlock by the clerk's card in DIR/../clerk-card.json),
//! pushes until nothing is pending (retrying when the server is away), prints `done`.

use std::{path::PathBuf, sync::Arc, time::Duration};

use device::{
    client::{SyncClient, parse_server_url},
    engine,
    protocol::DeviceCredentials,
};
use domain::{PersonalCode, case::Actor};
use offline_store::{CaseDraft, DatabaseKey, Store};
use uuid::Uuid;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, url, code, count] = args.as_slice() else {
        eprintln!("usage: outbox_device DIR SERVER_URL ENROLLMENT_CODE COUNT");
        std::process::exit(2);
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = PathBuf::from(dir);
    let count: u64 = count.parse().expect("a count");
    let client = SyncClient::new(parse_server_url(url).expect("a server URL")).expect("a client");
    let credentials_file = dir.join("credentials.json");
    let (credentials, centre): (DeviceCredentials, Uuid) = match std::fs::read_to_string(&credentials_file) {
        Ok(text) => {
            let saved: serde_json::Value = serde_json::from_str(&text).expect("saved credentials");
            (
                DeviceCredentials {
                    device_id: saved["device_id"].as_str().unwrap().parse().unwrap(),
                    secret: saved["secret"].as_str().unwrap().to_owned(),
                },
                saved["centre"].as_str().unwrap().parse().unwrap(),
            )
        }
        Err(_) => {
            let enrolled = loop {
                match client.enroll(code).await {
                    Ok(enrolled) => break enrolled,
                    Err(error) if error.is_unreachable() => tokio::time::sleep(Duration::from_millis(100)).await,
                    Err(error) => panic!("enrollment: {error}"),
                }
            };
            let saved = serde_json::json!({
                "device_id": enrolled.device_id, "secret": enrolled.device_secret, "centre": enrolled.centre.id
            });
            let temporary = dir.join("credentials.json.part");
            std::fs::write(&temporary, saved.to_string()).unwrap();
            std::fs::rename(&temporary, &credentials_file).unwrap();
            (DeviceCredentials { device_id: enrolled.device_id, secret: enrolled.device_secret }, enrolled.centre.id)
        }
    };
    let store = Arc::new(Store::open(&dir.join("local.db"), &DatabaseKey::from_bytes([6; 32])).expect("the store"));
    let clock = engine::system_clock();
    let clerk = Actor::Staff { personal_code: PersonalCode::parse(tests::DEMO_CLERK).unwrap(), offline: false };
    // The clerk's card unlocks this device (its test card lies beside the device's folder).
    let author =
        tests::clerk_offline_author(dir.parent().expect("a device folder in the test's folder"), credentials.device_id)
            .expect("the clerk's card signs the unlock");
    loop {
        let counts = store.outbox_counts().unwrap();
        let registered = counts.pending + counts.done + counts.poisoned;
        if registered >= count {
            break;
        }
        let now = clock();
        let draft =
            CaseDraft { registered_by: clerk.clone(), author: Some(author.clone()), ..CaseDraft::example(centre, now) };
        store.register_case(draft, now).expect("a case");
    }
    println!("registered");
    loop {
        match engine::push_outbox(&client, &credentials, &store, &clock).await {
            Ok(_) if store.outbox_counts().unwrap().pending == 0 => break,
            Ok(_) => {}
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    let counts = store.outbox_counts().unwrap();
    println!("done {} {}", counts.done, counts.poisoned);
}
