//! A device's catalogue pull, measured: `pull` enrolls with a code, pulls the whole feed into a
//! fresh offline store, prints records/s and peak memory, then on each line read from standard
//! input pulls again (an incremental sync) and prints how long it took. `load` hammers catalogue
//! reads on a server for a few seconds and prints requests per second beside `/healthz`.
//!
//! Used by `cargo xtask measure`.

use std::{sync::Arc, time::Instant};

use device::{
    client::{SyncClient, parse_server_url},
    engine,
    protocol::DeviceCredentials,
};
use offline_store::{DatabaseKey, Store};

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find_map(|l| l.strip_prefix("VmHWM:")).map(str::to_owned))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}

async fn pull(client: &SyncClient, creds: &DeviceCredentials, store: &Arc<Store>) -> (u64, u64) {
    let before = store.catalogue_progress().unwrap();
    let progress =
        engine::pull_catalogue(client, creds, store, &engine::system_clock(), |_, _| {}).await.expect("a pull");
    (progress.records_applied - before.records_applied, progress.bytes_received - before.bytes_received)
}

/// Requests per second of GET `path` (`{n}` cycling through 5,000 services) with `workers` at
/// once; with `revalidate`, each asks with the tag it was given first (answered 304).
async fn load(url: &str, path: &str, seconds: u64, workers: usize) -> f64 {
    load_with(url, path, seconds, workers, false).await
}

async fn load_with(url: &str, path: &str, seconds: u64, workers: usize, revalidate: bool) -> f64 {
    let http = reqwest::Client::new();
    let deadline = Instant::now() + std::time::Duration::from_secs(seconds);
    let count = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut tasks = Vec::new();
    for worker in 0..workers {
        let (http, count, url, path) = (http.clone(), count.clone(), url.to_owned(), path.to_owned());
        tasks.push(tokio::spawn(async move {
            let mut i = worker;
            let mut tags = std::collections::HashMap::new();
            while Instant::now() < deadline {
                let n = i % 5_000;
                let target = format!("{url}{}", path.replace("{n}", &n.to_string()));
                let mut request = http.get(&target).header("pietura-protocol", "1");
                if let Some(tag) = tags.get(&n).filter(|_| revalidate) {
                    request = request.header("if-none-match", tag);
                }
                let response = request.send().await.expect("an answer");
                let fine = response.status().is_success() || response.status() == reqwest::StatusCode::NOT_MODIFIED;
                assert!(fine, "{target}: {}", response.status());
                if let Some(tag) = response.headers().get("etag") {
                    tags.insert(n, tag.clone());
                }
                let _ = response.bytes().await;
                count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                i += workers;
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    count.load(std::sync::atomic::Ordering::Relaxed) as f64 / seconds as f64
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["pull", url, code, dir] => {
            let client = SyncClient::new(parse_server_url(url).unwrap()).unwrap();
            let enrolled = client.enroll(code).await.expect("enrollment");
            let creds = DeviceCredentials { device_id: enrolled.device_id, secret: enrolled.device_secret };
            let store = Arc::new(
                Store::open(&std::path::Path::new(dir).join("local.db"), &DatabaseKey::from_bytes([7; 32])).unwrap(),
            );
            let started = Instant::now();
            let (records, bytes) = pull(&client, &creds, &store).await;
            let took = started.elapsed().as_secs_f64();
            // Proof that what arrived is usable: the last generated service is there, and a search
            // for its name answers from the index (its words are common ones, so other services
            // may rank first).
            let last = store.service("https://pietura.lv/id/gen/service/4999").ok().flatten();
            let found = last.as_ref().map_or(0, |service| {
                let name = service.name.get("lv").unwrap_or_default().to_owned();
                let query = offline_store::SearchQuery { text: name, limit: 20, ..Default::default() };
                store.search(&query).map(|hits| hits.len().min(1)).unwrap_or(0)
            });
            println!(
                "{}",
                serde_json::json!({ "records": records, "bytes": bytes, "seconds": took, "peak_rss_mib": peak_rss_mib(), "last_service_found": found })
            );
            let mut line = String::new();
            while std::io::stdin().read_line(&mut line).unwrap_or(0) > 0 {
                let started = Instant::now();
                let (records, _) = pull(&client, &creds, &store).await;
                println!("{}", serde_json::json!({ "records": records, "seconds": started.elapsed().as_secs_f64() }));
                line.clear();
            }
        }
        ["load", url] => {
            // reqwest is built without a bundled crypto provider; the sync client uses ring.
            let _ = rustls::crypto::ring::default_provider().install_default();
            let health = load(url, "/healthz", 5, 16).await;
            let services =
                load(url, "/v1/catalogue/services/https%3A%2F%2Fpietura.lv%2Fid%2Fgen%2Fservice%2F{n}", 5, 16).await;
            let revalidated = load_with(
                url,
                "/v1/catalogue/services/https%3A%2F%2Fpietura.lv%2Fid%2Fgen%2Fservice%2F{n}",
                5,
                16,
                true,
            )
            .await;
            println!(
                "{}",
                serde_json::json!({ "healthz_rps": health, "service_rps": services, "revalidated_rps": revalidated })
            );
        }
        _ => {
            eprintln!("usage: catalogue_client pull URL CODE DIR | load URL");
            std::process::exit(2);
        }
    }
}
