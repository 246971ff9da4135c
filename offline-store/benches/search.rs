//! Offline search at catalogue scale: 5,000 services and 50,000 articles of generated Latvian
//! text, 1,000 realistic queries (prefixes, no diacritics, one typo, two words). Prints medians
//! and 99th percentiles of `Store::search` beside a bare FTS5 MATCH of the same prefixes,
//! measured in the same run, and the indexing rate.
//!
//! `cargo bench -p offline-store --bench search` (add `-- --small` for a quick look).

use std::time::{Duration, Instant};

use domain::Language;
use offline_store::{
    DatabaseKey, DocumentKind, Facet, SearchDocument, SearchQuery, Store,
    search_query::{fold, stem},
};

/// Word parts from which a vocabulary of about 25,000 Latvian-looking forms is built, so that
/// words are as varied as in real descriptions (long compounds, diacritics, many endings).
const PREFIXES: &[&str] = &["", "ie", "pār", "no", "pie", "at", "sa", "iz", "ap", "pa"];
const ROOTS: &[&str] = &[
    "reģistr",
    "pakalpoj",
    "iesniegum",
    "dzimš",
    "mirš",
    "laulīb",
    "bērn",
    "pabalst",
    "nodev",
    "pašvaldīb",
    "iedzīvotāj",
    "deklarēš",
    "dzīvesviet",
    "pas",
    "apliecīb",
    "transportlīdzekļ",
    "vadītāj",
    "tiesīb",
    "īpašum",
    "zemesgrāmat",
    "nodokl",
    "atmaks",
    "ienākum",
    "bezdarbniek",
    "invaliditāt",
    "veselīb",
    "izziņ",
    "klientu",
    "apkalpoš",
    "dokument",
    "termiņ",
    "samaks",
    "lēmum",
    "sūdzīb",
    "iestād",
    "ministrij",
    "dienest",
    "aģentūr",
    "mājdzīvniek",
    "čipoš",
    "vakcināc",
    "būvatļauj",
    "būvniecīb",
    "saskaņoš",
    "uzņēmum",
    "komercreģistr",
    "maksātnespēj",
    "pensij",
    "apdrošināš",
    "iemaks",
    "stāž",
    "ģimen",
    "sociāl",
    "palīdzīb",
    "mājsaimniecīb",
    "mācīb",
    "skolēn",
    "student",
    "kredīt",
    "eksāmen",
    "apskat",
    "numurzīm",
    "atjaunoš",
    "nozaudēš",
    "e-adres",
];
const SUFFIXES: &[&str] = &["", "šan", "īb", "tāj", "um", "niec", "isk", "ēj"];
const ENDINGS: &[&str] = &["a", "as", "ai", "u", "ām", "is", "us", "s", "ie", "ē"];

/// A small deterministic generator: the same data in every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// Skewed towards the front, as word frequencies are (a few common, many rare).
    fn skewed(&mut self, n: usize) -> usize {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((u * u * u) * n as f64) as usize
    }
    fn word(&mut self) -> String {
        let root = ROOTS[self.skewed(ROOTS.len())];
        let prefix = PREFIXES[self.skewed(PREFIXES.len())];
        let suffix = SUFFIXES[self.skewed(SUFFIXES.len())];
        let ending = ENDINGS[self.below(ENDINGS.len())];
        format!("{prefix}{root}{suffix}{ending}")
    }
    fn words(&mut self, count: usize) -> String {
        (0..count).map(|_| self.word()).collect::<Vec<_>>().join(" ")
    }
}

fn capitalised(text: String) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

fn documents(rng: &mut Rng, services: usize, articles: usize) -> Vec<SearchDocument> {
    let institutions = ["VID", "PMLP", "NVA", "VSAA", "CSDD", "LDC", "UR", "TM", "VARAM", "LAD", "VZD", "NVD"];
    let channels = ["in_person", "e_service", "phone", "post", "e_address"];
    let mut docs = Vec::with_capacity(services + articles);
    for i in 0..services {
        let title_words = 3 + rng.below(4);
        let body_words = 60 + rng.below(120);
        let facets = vec![
            (Facet::Institution, institutions[rng.below(institutions.len())].to_owned()),
            (Facet::Channel, channels[rng.below(channels.len())].to_owned()),
            (Facet::HasEService, if rng.below(2) == 0 { "yes" } else { "no" }.to_owned()),
        ];
        docs.push(SearchDocument {
            kind: DocumentKind::Service,
            id: format!("service-{i}"),
            language: Language::Lv,
            title: capitalised(rng.words(title_words)),
            body: rng.words(body_words),
            keywords: rng.words(4),
            facets,
        });
    }
    for i in 0..articles {
        let title_words = 4 + rng.below(6);
        let body_words = 40 + rng.below(80);
        docs.push(SearchDocument {
            kind: DocumentKind::Article,
            id: format!("article-{i}"),
            language: Language::Lv,
            title: capitalised(rng.words(title_words)),
            body: rng.words(body_words),
            keywords: String::new(),
            facets: vec![(Facet::Institution, institutions[rng.below(institutions.len())].to_owned())],
        });
    }
    docs
}

/// What clerks type: a prefix, a word without diacritics, a word with one typo, two words.
fn queries(rng: &mut Rng, count: usize) -> Vec<String> {
    (0..count)
        .map(|i| {
            let word = rng.word();
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
                _ => format!("{} {}", word, rng.word().chars().take(4).collect::<String>()),
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

fn main() {
    let small = std::env::args().any(|a| a == "--small");
    let (services, articles, query_count) = if small { (500, 5_000, 200) } else { (5_000, 50_000, 1_000) };
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("bench.db");
    let store = Store::open(&path, &DatabaseKey::generate().expect("a key")).expect("the store opens");
    let mut rng = Rng(0x5049_4554_5552_4131);
    let docs = documents(&mut rng, services, articles);

    let started = Instant::now();
    for batch in docs.chunks(1_000) {
        store.index_documents(batch).expect("indexing");
    }
    let indexing = started.elapsed();
    println!(
        "indexed {} documents in {:.2} s: {:.0} documents/s (SQLCipher, batches of 1,000)",
        docs.len(),
        indexing.as_secs_f64(),
        docs.len() as f64 / indexing.as_secs_f64()
    );

    let queries = queries(&mut rng, query_count);
    // Bare FTS5 baseline: the same words, stemmed and folded, as prefixes, ranked, no joins,
    // no typo look-ups, no snippets.
    let mut ours = Vec::with_capacity(queries.len());
    let mut bare = Vec::with_capacity(queries.len());
    let mut hits = 0usize;
    for round in 0..2 {
        for text in &queries {
            let query = SearchQuery { text: text.clone(), limit: 20, ..Default::default() };
            let started = Instant::now();
            let found = store.search(&query).expect("search");
            let took = started.elapsed();
            let expression =
                text.split_whitespace().map(|w| format!("\"{}\"*", stem(&fold(w)))).collect::<Vec<_>>().join(" AND ");
            let started = Instant::now();
            let bare_found = store.bare_fts_match(&expression, 20).expect("bare match");
            let bare_took = started.elapsed();
            // The first round warms caches; only the second is measured.
            if round == 1 {
                ours.push(took);
                bare.push(bare_took);
                hits += usize::from(!found.is_empty());
                let _ = bare_found;
            }
        }
    }
    ours.sort();
    bare.sort();
    let (p50, p99) = (percentile(&ours, 0.5), percentile(&ours, 0.99));
    let (b50, b99) = (percentile(&bare, 0.5), percentile(&bare, 0.99));
    println!(
        "search over {services} services + {articles} articles, {} queries ({} found something):",
        queries.len(),
        hits
    );
    println!("  Store::search    p50 {:>8.1} µs   p99 {:>8.1} µs", micros(p50), micros(p99));
    println!("  bare FTS5 MATCH  p50 {:>8.1} µs   p99 {:>8.1} µs", micros(b50), micros(b99));
    println!(
        "  ratio            p50 {:>8.2}×     p99 {:>8.2}×",
        p50.as_secs_f64() / b50.as_secs_f64(),
        p99.as_secs_f64() / b99.as_secs_f64()
    );
}
