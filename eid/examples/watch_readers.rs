//! Prints the readers' states as pcscd reports them, twice a second (for looking at what a
//! reader does over time: `cargo run -p eid --features card --example watch_readers`).

fn main() {
    if std::env::args().nth(1).as_deref() == Some("read") {
        // Reads the first Latvian eID card's certificate every 3 s, as a login screen would.
        use eid::CardReaders;
        for _ in 0..5 {
            let readers = eid::reader::Readers::new().expect("pcscd answers");
            let reader = readers.eid_reader().expect("an eID card");
            let der = readers.authentication_certificate(&reader).expect("the certificate");
            println!("read {} bytes from {reader}", der.len());
            std::thread::sleep(std::time::Duration::from_secs(3));
        }
        return;
    }
    let readers = eid::reader::Readers::new().expect("pcscd answers");
    let started = std::time::Instant::now();
    let seconds: u64 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(20);
    while started.elapsed().as_secs() < seconds {
        let snapshot = readers.snapshot().expect("a snapshot");
        for reader in snapshot {
            println!(
                "{:>6} ms {} present={} eid={} events={} atr={}",
                started.elapsed().as_millis(),
                reader.name,
                reader.card_present,
                reader.latvian_eid,
                reader.card_events,
                reader.atr.map_or(0, |a| a.len())
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
}
