//! What the device benchmarks share: percentiles, and the floor every durable write is measured
//! beside (a small file written and `fsync`ed on the same disk, in the same run).

use std::time::{Duration, Instant};

pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

/// `rounds` small writes, each synced to disk, in `dir`: their times, sorted.
pub fn fsync_floor(dir: &std::path::Path, rounds: usize) -> Vec<Duration> {
    let file = dir.join("floor");
    let mut floor: Vec<Duration> = (0..rounds)
        .map(|i| {
            let started = Instant::now();
            let mut f = std::fs::File::create(&file).unwrap();
            std::io::Write::write_all(&mut f, format!("write {i}").as_bytes()).unwrap();
            f.sync_all().unwrap();
            started.elapsed()
        })
        .collect();
    floor.sort();
    floor
}

/// "what: p50 …, p99 …; write + fsync floor p50 …, p99 …; ratio p99 …"
pub fn report(what: &str, mut measured: Vec<Duration>, floor: &[Duration]) {
    measured.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{what}: p50 {:.2} ms, p99 {:.2} ms; write + fsync floor p50 {:.2} ms, p99 {:.2} ms; ratio p99 {:.1}",
        ms(percentile(&measured, 0.5)),
        ms(percentile(&measured, 0.99)),
        ms(percentile(floor, 0.5)),
        ms(percentile(floor, 0.99)),
        ms(percentile(&measured, 0.99)) / ms(percentile(floor, 0.99)).max(1e-6)
    );
}
