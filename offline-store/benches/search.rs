//! Offline search and catalogue apply at catalogue scale: 5,000 services and 50,000 articles of
//! generated Latvian text (`domain::catalogue_gen`), applied as sync pages of 1,000 records
//! (records/s including indexing), then 1,000 realistic queries (prefixes as typed, words
//! without diacritics, one typo, two words). Prints medians and 99th percentiles of
//! `Store::search` beside a bare FTS5 MATCH of the same terms, measured in the same run.
//!
//! `cargo bench -p offline-store --bench search` (add `-- --small` for a quick look, or
//! `-- --scale 10` for ten times the catalogue: 50,000 services and 500,000 articles, with
//! `--no-fts5-ranking` to leave out FTS5's own ranking, which takes minutes there), and the
//! slowest queries (what to look at next). A device's memory with such a catalogue is measured
//! by `cargo xtask measure --only catalogue --scale 10` (this process holds the generated
//! catalogue too).

use std::time::{Duration, Instant};

use chrono::DateTime;
use domain::catalogue_gen::{self, Rng, latvian_word};
use offline_store::{
    DatabaseKey, DocumentKind, IncomingRecord, SearchQuery, Store,
    search_query::{fold, stem, terms},
};

/// What clerks type: a prefix as they type it, a word without diacritics, a word with one
/// typo, two words.
fn queries(rng: &mut Rng, count: usize) -> Vec<String> {
    (0..count)
        .map(|i| {
            let word = latvian_word(rng);
            match i % 4 {
                0 => word.chars().take(3 + rng.below(4)).collect(),
                1 => fold(&word),
                2 => {
                    let mut chars: Vec<char> = fold(&word).chars().collect();
                    if chars.len() >= 6 {
                        let at = 2 + rng.below(chars.len() - 3);
                        chars.swap(at, at + 1);
                    }
                    chars.into_iter().collect()
                }
                _ => format!("{} {}", word, latvian_word(rng).chars().take(4).collect::<String>()),
            }
        })
        .collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn records(generated: &catalogue_gen::Generated) -> Vec<IncomingRecord> {
    let record = |kind, id: &str, document: String| IncomingRecord {
        kind,
        id: id.to_owned(),
        version: 1,
        retired: false,
        document,
    };
    let mut out = Vec::new();
    for o in &generated.organisations {
        out.push(record(DocumentKind::Organisation, &o.id, serde_json::to_string(o).unwrap()));
    }
    for s in &generated.services {
        out.push(record(DocumentKind::Service, &s.id, serde_json::to_string(s).unwrap()));
    }
    for a in &generated.articles {
        out.push(record(DocumentKind::Article, &a.id, serde_json::to_string(a).unwrap()));
    }
    out
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let small = args.iter().any(|a| a == "--small");
    let scale: usize =
        args.iter().position(|a| a == "--scale").and_then(|at| args.get(at + 1)?.parse().ok()).unwrap_or(1);
    let (services, articles, query_count) =
        if small { (500, 5_000, 200) } else { (5_000 * scale, 50_000 * scale, 1_000) };
    let dir = tempfile::tempdir().expect("a temporary folder");
    let store = Store::open(&dir.path().join("bench.db"), &DatabaseKey::generate().expect("a key")).expect("opens");
    let generated = catalogue_gen::catalogue(0x5049_4554_5552_4131, services, articles);
    let records = records(&generated);
    let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();

    // As a device's first sync leaves its catalogue (the server builds the snapshot this way,
    // and a device pulling the feed record by record does too): a bulk load, the search indexes
    // merged into one segment each at the end.
    let started = Instant::now();
    store.begin_bulk_load().expect("bulk load");
    let pages: Vec<&[IncomingRecord]> = records.chunks(1_000).collect();
    for (i, page) in pages.iter().enumerate() {
        let cursor = ((i + 1) * 1_000).min(records.len()) as i64;
        store.apply_catalogue_page(page, cursor, records.len() as i64, 0, now).expect("apply");
    }
    store.finish_bulk_load().expect("indexes merged");
    let applying = started.elapsed();
    println!(
        "applied {} records in pages of 1,000 as a bulk load in {:.2} s: {:.0} records/s (the catalogue file, search index included and merged)",
        records.len(),
        applying.as_secs_f64(),
        records.len() as f64 / applying.as_secs_f64()
    );

    // The generated catalogue is not needed any more.
    drop(pages);
    drop(records);
    drop(generated);

    let mut rng = Rng::new(0x0051_5545_5259);
    let queries = queries(&mut rng, query_count);
    let mut ours = Vec::with_capacity(queries.len());
    let mut bare = Vec::with_capacity(queries.len());
    let mut unranked = Vec::with_capacity(queries.len());
    let mut slowest = Vec::new();
    let mut hits = 0usize;
    // The four kinds of query `queries` makes, in turn.
    let mut by_kind: [Vec<Duration>; 4] = Default::default();
    // FTS5's own ranking reads every match (p50 0.1 s at the first scale): at larger scales it is
    // measured on the first 100 queries only, or it would take most of an hour.
    // `--no-fts5-ranking` leaves it out (minutes at ten times the catalogue).
    let ranked_queries = if args.iter().any(|a| a == "--no-fts5-ranking") {
        0
    } else if scale > 1 {
        100
    } else {
        queries.len()
    };
    for round in 0..2 {
        for (at, text) in queries.iter().enumerate() {
            let query = SearchQuery { text: text.clone(), limit: 20, ..Default::default() };
            let started = Instant::now();
            let found = store.search(&query).expect("search");
            let took = started.elapsed();
            // The bare baseline: the same words, stemmed and folded, as prefixes, ranked by
            // FTS5, no joins, no typo look-ups, no snippets.
            let expression = terms(text).iter().map(|w| format!("\"{}\"*", stem(w))).collect::<Vec<_>>().join(" AND ");
            let started = Instant::now();
            if at < ranked_queries {
                let _ = store.bare_fts_match(&expression, 20, true).expect("bare match");
            }
            let bare_took = started.elapsed();
            let started = Instant::now();
            let _ = store.bare_fts_match(&expression, 20, false).expect("bare match");
            let unranked_took = started.elapsed();
            // The first round warms caches; only the second is measured.
            if round == 1 {
                by_kind[at % 4].push(took);
                ours.push(took);
                slowest.push((took, text.clone(), found.len()));
                if at < ranked_queries {
                    bare.push(bare_took);
                }
                unranked.push(unranked_took);
                hits += usize::from(!found.is_empty());
            }
        }
    }
    ours.sort();
    bare.sort();
    unranked.sort();
    let (p50, p99) = (percentile(&ours, 0.5), percentile(&ours, 0.99));
    let (b50, b99) = if bare.is_empty() {
        (Duration::ZERO, Duration::ZERO)
    } else {
        (percentile(&bare, 0.5), percentile(&bare, 0.99))
    };
    let (u50, u99) = (percentile(&unranked, 0.5), percentile(&unranked, 0.99));
    println!(
        "search over {services} services + {articles} articles, {} queries ({hits} found something):",
        queries.len()
    );
    println!(
        "  Store::search (two stages, typos, snippets)  p50 {:>9.1} µs   p99 {:>9.1} µs",
        micros(p50),
        micros(p99)
    );
    println!(
        "  bare FTS5 MATCH, ranked by FTS5 BM25        p50 {:>9.1} µs   p99 {:>9.1} µs ({} queries)",
        micros(b50),
        micros(b99),
        bare.len()
    );
    println!(
        "  bare FTS5 MATCH, first 20, no ranking        p50 {:>9.1} µs   p99 {:>9.1} µs",
        micros(u50),
        micros(u99)
    );
    for (kind, times) in ["a prefix as typed", "a word without diacritics", "a word with one typo", "two words"]
        .iter()
        .zip(by_kind.iter_mut())
    {
        times.sort();
        println!(
            "    {kind:<28} p50 {:>9.1} µs   p99 {:>9.1} µs",
            micros(percentile(times, 0.5)),
            micros(percentile(times, 0.99))
        );
    }
    slowest.sort_by_key(|slow| std::cmp::Reverse(slow.0));
    for (took, text, hits) in slowest.iter().take(8) {
        println!("  slow: {:>9.1} µs  {text:?} ({hits} hits)", micros(*took));
    }
    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
    println!(
        "  Store::search / ranked bare MATCH           p50 {:>8.2}×      p99 {:>8.2}×",
        ratio(p50, b50),
        ratio(p99, b99)
    );
    println!(
        "  Store::search / unranked bare MATCH         p50 {:>8.2}×      p99 {:>8.2}×",
        ratio(p50, u50),
        ratio(p99, u99)
    );
}
