//! A deterministic generator of benchmark-scale catalogues (5,000 services and 50,000 articles by
//! default) in Latvian and English that reads like the real thing: declined Latvian nouns and
//! conjugated verbs, long compounds, diacritics, a Zipf-like word frequency, services with every
//! section, articles with Markdown. The seed is the randomness (`domain` draws none itself).

use crate::{
    Language,
    catalogue::{
        Article, ArticleStatus, Channel, ChannelKind, Cost, EidMethod, EventKind, EventRef, Evidence, LegalResource,
        Output, PublicOrganisation, PublicService, Requirement, ServiceStatus, Text,
    },
};

/// Noun stems with their declension's endings: (stem, endings).
const NOUNS: &[(&str, &[&str])] = &[
    ("dokument", FIRST),
    ("iesniegum", FIRST),
    ("pakalpojum", FIRST),
    ("lēmum", FIRST),
    ("maksājum", FIRST),
    ("pieteikum", FIRST),
    ("apliecinājum", FIRST),
    ("līgum", FIRST),
    ("nodokl", FIRST),
    ("pabalst", FIRST),
    ("īpašniek", FIRST),
    ("iedzīvotāj", FIRST),
    ("bezdarbniek", FIRST),
    ("uzņēmum", FIRST),
    ("transportlīdzekl", FIRST),
    ("zemesgabal", FIRST),
    ("termiņ", FIRST),
    ("klient", FIRST),
    ("konsultant", FIRST),
    ("reģistr", FIRST),
    ("komercreģistr", FIRST),
    ("pensionār", FIRST),
    ("student", FIRST),
    ("skolēn", FIRST),
    ("vecāk", FIRST),
    ("kredīt", FIRST),
    ("ienākum", FIRST),
    ("izdevum", FIRST),
    ("stāž", FIRST),
    ("suņ", SECOND),
    ("kaķ", SECOND),
    ("ūdensskaitītāj", FIRST),
    ("izziņ", FOURTH),
    ("nodev", FOURTH),
    ("dzīvesviet", FOURTH),
    ("pašvaldīb", FOURTH),
    ("iestād", FIFTH),
    ("pensij", FOURTH),
    ("deklarācij", FOURTH),
    ("atļauj", FOURTH),
    ("būvatļauj", FOURTH),
    ("apliecīb", FOURTH),
    ("pas", FOURTH),
    ("laulīb", FOURTH),
    ("dzimšan", FOURTH),
    ("miršan", FOURTH),
    ("reģistrācij", FOURTH),
    ("zemesgrāmat", FOURTH),
    ("veselīb", FOURTH),
    ("invaliditāt", FIFTH),
    ("ģimen", FIFTH),
    ("aģentūr", FOURTH),
    ("ministrij", FOURTH),
    ("maksātnespēj", FOURTH),
    ("apdrošināšan", FOURTH),
    ("nekustamā_īpašuma_nodokļ", FIRST),
    ("mājsaimniecīb", FOURTH),
    ("palīdzīb", FOURTH),
    ("izglītīb", FOURTH),
    ("skol", FOURTH),
    ("bērnudārz", FIRST),
    ("rind", FOURTH),
    ("vakcinācij", FOURTH),
    ("numurzīm", FIFTH),
    ("tehniskā_apskat", FIFTH),
    ("e-adres", FIFTH),
    ("vēstul", FIFTH),
    ("sūdzīb", FOURTH),
    ("atmaks", FOURTH),
    ("kompensācij", FOURTH),
    ("uzturlīdzekļ", FIRST_PLURAL),
    ("personas_kod", FIRST),
    ("dzimtsarakst", FIRST_PLURAL),
    ("vadītāja_apliecīb", FOURTH),
    ("zemes_vienīb", FOURTH),
    ("kadastrālā_vērtīb", FOURTH),
    ("būvniecīb", FOURTH),
    ("tirdzniecīb", FOURTH),
    ("ciršan", FOURTH),
    ("kok", FIRST),
    ("mežsaimniecīb", FOURTH),
    ("lauksaimniecīb", FOURTH),
    ("slimīb", FOURTH),
    ("darbnespēj", FOURTH),
    ("nodarbinātīb", FOURTH),
    ("apmācīb", FOURTH),
    ("kvalifikācij", FOURTH),
    ("sertifikāt", FIRST),
    ("licenc", FIFTH),
    ("akcīz", FIFTH),
    ("muit", FOURTH),
    ("robež", FIFTH),
    ("uzturēšanās_atļauj", FOURTH),
    ("pilsonīb", FOURTH),
    ("naturalizācij", FOURTH),
    ("vēlēšan", FOURTH_PLURAL),
    ("bibliotēk", FOURTH),
    ("kultūr", FOURTH),
    ("sport", FIRST),
    ("transport", FIRST),
    ("autobus", FIRST),
    ("ceļ", SECOND),
    ("satiksm", FIFTH),
    ("stāvviet", FOURTH),
    ("atkritum", FIRST_PLURAL),
    ("ūden", SECOND),
    ("siltumapgād", FIFTH),
    ("dzīvokl", SECOND),
    ("īr", FIFTH),
    ("hipotēk", FOURTH),
    ("mantojum", FIRST),
    ("testament", FIRST),
    ("notār", FIRST),
    ("ties", FIFTH),
    ("prasīb", FOURTH),
    ("sod", FIRST),
    ("administratīvā_pārkāpum", FIRST),
    ("policij", FOURTH),
    ("ugunsdzēsēj", FIRST),
    ("glābšan", FOURTH),
    ("vid", FIFTH),
    ("piesārņojum", FIRST),
    ("enerģij", FOURTH),
    ("elektroenerģij", FOURTH),
    ("gāz", FIFTH),
    ("apkur", FOURTH),
    ("renovācij", FOURTH),
    ("daudzdzīvokļu_māj", FOURTH),
    ("apsaimniekotāj", FIRST),
];
const FIRST: &[&str] = &["s", "a", "am", "u", "ā", "i", "u", "iem", "us", "os"];
const FIRST_PLURAL: &[&str] = &["i", "u", "iem", "us", "os"];
const SECOND: &[&str] = &["is", "a", "im", "i", "ī", "i", "u", "iem", "us", "os"];
const FOURTH: &[&str] = &["a", "as", "ai", "u", "ā", "as", "u", "ām", "ās"];
const FOURTH_PLURAL: &[&str] = &["as", "u", "ām", "ās"];
const FIFTH: &[&str] = &["e", "es", "ei", "i", "ē", "es", "ju", "ēm", "ēs"];

/// Verb stems and endings (infinitive, present, past, passive, participles).
const VERBS: &[&str] = &[
    "reģistrē",
    "iesnieg",
    "pieprasī",
    "saņem",
    "apmaksā",
    "pārbaudī",
    "aizpildī",
    "pievieno",
    "nosūtī",
    "apstiprinā",
    "izsniedz",
    "deklarē",
    "pieteik",
    "norādī",
    "aprēķinā",
    "atjaunin",
    "pagarinā",
    "anulē",
    "apliecinā",
    "izskatī",
];
const VERB_ENDINGS: &[&str] = &["t", "", "ja", "jam", "ts", "ta", "tie", "šana", "šanas", "jiet", "s"];

/// Little words that glue sentences together, the most frequent of all.
const FUNCTION_WORDS: &[&str] = &[
    "un",
    "vai",
    "ar",
    "par",
    "uz",
    "no",
    "pie",
    "lai",
    "ja",
    "kas",
    "ir",
    "tiek",
    "var",
    "jā",
    "bez",
    "pēc",
    "līdz",
    "kā",
    "arī",
    "tikai",
    "savu",
    "šo",
    "to",
    "kuru",
    "katru",
    "gadā",
    "dienu",
    "laikā",
    "vietā",
    "gadījumā",
];

/// A deterministic xorshift generator: the same catalogue from the same seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Zipf-like: index i with weight about 1/(i+1).
    fn zipf(&mut self, n: usize) -> usize {
        let x = ((n as f64 + 1.0).ln() * self.unit()).exp() - 1.0;
        (x as usize).min(n - 1)
    }
}

/// One Latvian word form: a declined noun (often), a verb form, or a function word.
pub fn latvian_word(rng: &mut Rng) -> String {
    match rng.below(10) {
        0..=2 => FUNCTION_WORDS[rng.zipf(FUNCTION_WORDS.len())].to_owned(),
        3..=4 => {
            let stem = VERBS[rng.zipf(VERBS.len())];
            format!("{stem}{}", VERB_ENDINGS[rng.below(VERB_ENDINGS.len())])
        }
        _ => {
            let (stem, endings) = NOUNS[rng.zipf(NOUNS.len())];
            format!("{}{}", stem.replace('_', " "), endings[rng.below(endings.len())])
        }
    }
}

/// A sentence of `words` words, capitalised, with a full stop.
pub fn latvian_sentence(rng: &mut Rng, words: usize) -> String {
    latvian_sentence_of(rng, words, 1)
}

/// A sentence of `min` to `min + spread - 1` words.
fn latvian_sentence_of(rng: &mut Rng, min: usize, spread: usize) -> String {
    let words = min + rng.below(spread.max(1));
    let text: Vec<String> = (0..words.max(1)).map(|_| latvian_word(rng)).collect();
    let text = text.join(" ");
    let mut chars = text.chars();
    let first: String = chars.next().map(|c| c.to_uppercase().collect()).unwrap_or_default();
    format!("{first}{}.", chars.as_str())
}

fn paragraph(rng: &mut Rng, min: usize, spread: usize) -> String {
    let sentences = min + rng.below(spread.max(1));
    (0..sentences).map(|_| latvian_sentence_of(rng, 6, 10)).collect::<Vec<_>>().join(" ")
}

const ENGLISH: &[&str] = &[
    "apply",
    "application",
    "certificate",
    "permit",
    "registration",
    "benefit",
    "tax",
    "fee",
    "payment",
    "owner",
    "vehicle",
    "residence",
    "declaration",
    "pension",
    "child",
    "family",
    "property",
    "land",
    "register",
    "service",
    "online",
    "office",
    "document",
    "decision",
    "days",
    "within",
    "for",
    "the",
    "and",
    "of",
    "to",
    "a",
    "by",
    "with",
];

fn english(rng: &mut Rng, min: usize, spread: usize) -> String {
    let words = min + rng.below(spread.max(1));
    let text: Vec<&str> = (0..words.max(1)).map(|_| ENGLISH[rng.zipf(ENGLISH.len())]).collect();
    let mut text = text.join(" ");
    if let Some(first) = text.get(0..1) {
        text.replace_range(0..1, &first.to_uppercase());
    }
    text
}

/// A generated catalogue.
pub struct Generated {
    pub organisations: Vec<PublicOrganisation>,
    pub services: Vec<PublicService>,
    pub articles: Vec<Article>,
}

/// `services` services of 100 institutions and `articles` articles linked to them.
pub fn catalogue(seed: u64, services: usize, articles: usize) -> Generated {
    let mut rng = Rng::new(seed);
    let organisations: Vec<PublicOrganisation> = (0..100)
        .map(|i| PublicOrganisation {
            id: format!("https://pietura.lv/id/gen/org/{i}"),
            identifier: None,
            registration_number: Some(format!("9000{:07}", i)),
            name: Text::new().with("lv", &latvian_sentence(&mut rng, 3)).with("en", &english(&mut rng, 3, 1)),
            spatial: vec!["http://publications.europa.eu/resource/authority/country/LVA".into()],
            municipality: Some(["Rīga", "Cēsis", "Liepāja", "Daugavpils", "Jelgava"][i % 5].into()),
            contact_points: vec![],
            e_address: Some(format!("_DEFAULT@9000{:07}", i)),
            version: 0,
            kept_rdf: None,
        })
        .collect();
    let events: Vec<EventRef> = (0..40)
        .map(|i| EventRef {
            id: format!("https://pietura.lv/id/gen/event/{i}"),
            identifier: None,
            kind: if i % 4 == 0 { EventKind::Business } else { EventKind::Life },
            name: Text::new().with("lv", &latvian_sentence(&mut rng, 2)).with("en", &english(&mut rng, 2, 1)),
        })
        .collect();
    let services: Vec<PublicService> = (0..services)
        .map(|i| {
            let id = format!("https://pietura.lv/id/gen/service/{i}");
            let authority = organisations[rng.zipf(organisations.len())].id.clone();
            let online = rng.below(3) > 0;
            let mut channels = vec![Channel {
                id: format!("{id}#office"),
                identifier: None,
                kind: ChannelKind::InstitutionInPerson,
                type_iri: None,
                description: Text::new().with("lv", &latvian_sentence(&mut rng, 8)),
                location: Text::new().with("lv", &latvian_sentence(&mut rng, 4)),
                opening_hours: Text::new().with("lv", "P.–Pk. 8.30–17.00"),
                processing_time: None,
                url: None,
            }];
            if online {
                channels.insert(
                    0,
                    Channel {
                        id: format!("{id}#e-service"),
                        identifier: None,
                        kind: ChannelKind::EService,
                        type_iri: None,
                        description: Text::new().with("lv", &latvian_sentence(&mut rng, 8)),
                        location: Text::new(),
                        opening_hours: Text::new(),
                        processing_time: Some(format!("P{}D", 1 + rng.below(30))),
                        url: Some(format!("https://www.latvija.gov.lv/Services/gen-{i}")),
                    },
                );
            }
            let english_too = rng.below(4) > 0;
            let mut name = Text::new().with("lv", &latvian_sentence_of(&mut rng, 3, 4));
            let mut description = Text::new().with("lv", &paragraph(&mut rng, 2, 3));
            if english_too {
                name.set("en", &english(&mut rng, 3, 4));
                description.set("en", &english(&mut rng, 30, 1));
            }
            PublicService {
                identifier: Some(format!("GEN-{i}")),
                name,
                description,
                competent_authorities: vec![authority],
                costs: if rng.below(2) == 0 {
                    vec![]
                } else {
                    vec![Cost {
                        id: format!("{id}#fee"),
                        identifier: None,
                        value_minor: Some(100 * (1 + rng.below(100)) as i64),
                        currency: Some("EUR".into()),
                        description: Text::new().with("lv", &latvian_sentence(&mut rng, 5)),
                        channel: None,
                    }]
                },
                channels,
                requirements: vec![Requirement {
                    id: format!("{id}#requirement"),
                    identifier: None,
                    name: Text::new().with("lv", &latvian_sentence(&mut rng, 5)),
                    evidence: vec![Evidence {
                        id: format!("{id}#evidence"),
                        identifier: None,
                        name: Text::new().with("lv", &latvian_sentence(&mut rng, 4)),
                        description: Text::new(),
                    }],
                }],
                inputs: vec![],
                outputs: vec![Output {
                    id: format!("{id}#output"),
                    identifier: None,
                    name: Text::new().with("lv", &latvian_sentence(&mut rng, 3)),
                    description: Text::new(),
                }],
                contact_points: vec![],
                processing_time: Some(format!("P{}D", 1 + rng.below(60))),
                legal_resources: vec![LegalResource {
                    id: format!("https://likumi.lv/ta/id/{}", 10_000 + rng.below(300_000)),
                    identifier: None,
                    title: Text::new().with("lv", &latvian_sentence(&mut rng, 4)),
                    description: Text::new(),
                }],
                events: vec![events[rng.zipf(events.len())].clone()],
                keywords: [("lv".to_owned(), (0..4).map(|_| latvian_word(&mut rng)).collect())].into(),
                status: ServiceStatus::Active,
                related_services: vec![],
                spatial: vec!["http://publications.europa.eu/resource/authority/country/LVA".into()],
                steps: (0..2 + rng.below(4)).map(|_| Text::new().with("lv", &latvian_sentence(&mut rng, 8))).collect(),
                online_access_url: online.then(|| format!("https://www.latvija.gov.lv/Services/gen-{i}")),
                info_url: None,
                accepted_eid_methods: if online {
                    vec![EidMethod::EidCard, EidMethod::EparakstsMobile]
                } else {
                    vec![]
                },
                version: 0,
                id,
                kept_rdf: None,
            }
        })
        .collect();
    let articles: Vec<Article> = (0..articles)
        .map(|i| {
            let service = &services[rng.below(services.len().max(1))];
            let body = format!(
                "## {}\n\n{}\n\n1. {}\n2. {}\n\n{}",
                latvian_sentence(&mut rng, 3),
                paragraph(&mut rng, 2, 3),
                latvian_sentence(&mut rng, 7),
                latvian_sentence(&mut rng, 7),
                paragraph(&mut rng, 1, 2)
            );
            Article {
                id: format!("https://pietura.lv/id/gen/article/{i}"),
                title: latvian_sentence_of(&mut rng, 4, 5).trim_end_matches('.').to_owned(),
                body,
                language: Language::Lv,
                linked_services: vec![service.id.clone()],
                tags: vec![latvian_word(&mut rng)],
                owner: service.competent_authorities[0].clone(),
                version: 0,
                verified_at: None,
                status: ArticleStatus::Published,
            }
        })
        .collect();
    Generated { organisations, services, articles }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_catalogue_is_valid_deterministic_and_latvian() {
        let first = catalogue(7, 50, 200);
        let again = catalogue(7, 50, 200);
        assert_eq!(first.services, again.services);
        assert_eq!((first.services.len(), first.articles.len(), first.organisations.len()), (50, 200, 100));
        for service in &first.services {
            assert_eq!(service.problems(), [], "{}", service.id);
        }
        for article in &first.articles {
            assert_eq!(article.problems(), [], "{}", article.id);
        }
        let text: String = first.articles.iter().map(|a| a.body.as_str()).collect();
        assert!(text.chars().any(|c| "āčēģīķļņšūž".contains(c)), "Latvian diacritics");
        assert!(text.split_whitespace().any(|w| w.chars().count() >= 14), "long compound words");
    }
}
