//! The pure half of offline search: reading what a person typed into terms, Latvian-aware
//! folding and light stemming, one-typo matching, and the FTS5 query built from it. No I/O.

/// At most this many words of a query are used; the rest are ignored.
pub const MAX_TERMS: usize = 8;
const MAX_TERM_CHARS: usize = 64;
/// Words at least this long tolerate one typo.
pub const TYPO_MIN_CHARS: usize = 5;

/// Lower case with diacritics removed, as SQLite's `unicode61 remove_diacritics 2` stores
/// words: every Latvian letter (ā č ē ģ ī ķ ļ ņ š ū ž) and the common Latin ones.
pub fn fold(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    fold_into(text, &mut folded);
    folded
}

/// [`fold`] into `folded` (emptied first), to fold word after word without a new string each.
pub fn fold_into(text: &str, folded: &mut String) {
    folded.clear();
    if text.is_ascii() {
        folded.extend(text.chars().map(|c| c.to_ascii_lowercase()));
    } else {
        folded.extend(text.chars().flat_map(char::to_lowercase).map(without_diacritics));
    }
}

/// The first letter of `word` as [`fold`] would give it.
pub fn folded_first_letter(word: &str) -> Option<char> {
    word.chars().next()?.to_lowercase().next().map(without_diacritics)
}

/// A lower-case letter without its diacritics.
fn without_diacritics(c: char) -> char {
    match c {
        'ā' | 'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' | 'ą' => 'a',
        'č' | 'ć' | 'ç' => 'c',
        'ē' | 'é' | 'è' | 'ê' | 'ë' | 'ę' | 'ė' => 'e',
        'ģ' | 'ğ' => 'g',
        'ī' | 'í' | 'ì' | 'î' | 'ï' | 'į' => 'i',
        'ķ' => 'k',
        'ļ' | 'ł' => 'l',
        'ņ' | 'ń' | 'ñ' => 'n',
        'ō' | 'ó' | 'ò' | 'ô' | 'ö' | 'õ' => 'o',
        'ŗ' => 'r',
        'š' | 'ś' => 's',
        'ū' | 'ú' | 'ù' | 'û' | 'ü' | 'ų' => 'u',
        'ž' | 'ź' | 'ż' => 'z',
        other => other,
    }
}

/// Where each word of `text` lies (byte ranges), words split as the index splits them.
pub fn word_spans(text: &str) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    let mut chars = text.char_indices().peekable();
    std::iter::from_fn(move || {
        let (start, _) = chars.by_ref().find(|(_, c)| c.is_alphanumeric())?;
        let mut end = text.len();
        while let Some(&(at, c)) = chars.peek() {
            if !c.is_alphanumeric() {
                end = at;
                break;
            }
            chars.next();
        }
        Some(start..end)
    })
}

/// Every word of a text, folded, split as the index splits it.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    word_spans(text).map(|span| fold(&text[span]))
}

/// The words of a query, folded. Anything that is not a letter or digit separates words, so
/// quotes, operators and brackets can never reach the FTS5 query syntax.
pub fn terms(query: &str) -> Vec<String> {
    fold(query)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(|t| t.chars().take(MAX_TERM_CHARS).collect())
        .take(MAX_TERMS)
        .collect()
}

/// Latvian noun and adjective endings, folded, longest first. Stripping them lets `nodevas`
/// find `nodeva` and `nodevām`; it is a light stemmer in the spirit of Lucene's Latvian one.
const ENDINGS: &[&str] = &[
    "ajiem", "ajam", "ajai", "ajas", "iem", "ajs", "aja", "am", "as", "es", "is", "us", "os", "em", "im", "ai", "ei",
    "a", "e", "i", "u", "s",
];

/// The stem to match by prefix: the word without its ending, never shorter than 3 letters.
pub fn stem(term: &str) -> &str {
    let chars = term.chars().count();
    if chars < 4 {
        return term;
    }
    for ending in ENDINGS {
        if let Some(stem) = term.strip_suffix(ending)
            && stem.chars().count() >= 3
        {
            return stem;
        }
    }
    term
}

/// Whether `a` and `b` differ by at most one edit: an insertion, a deletion, a substitution,
/// or two neighbouring letters swapped.
pub fn within_one_edit(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a == b {
        return true;
    }
    let (shorter, longer) = if a.len() <= b.len() { (&a, &b) } else { (&b, &a) };
    match longer.len() - shorter.len() {
        0 => {
            let differing: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
            match differing.as_slice() {
                [_] => true,
                [i, j] => *j == i + 1 && a[*i] == b[*j] && a[*j] == b[*i],
                _ => false,
            }
        }
        1 => {
            let first_difference = (0..shorter.len()).find(|&i| shorter[i] != longer[i]).unwrap_or(shorter.len());
            shorter[first_difference..] == longer[first_difference + 1..]
        }
        _ => false,
    }
}

/// Words people say for what the catalogue calls otherwise (folded stems, both ways): a "suņa
/// nodoklis" is paid as a "nodeva", a "mašīna" is registered as a "transportlīdzeklis". Kept
/// short and exact: each pair is a meaning clerks and citizens confuse, never a looser match.
const SAME_MEANING: &[&[&str]] = &[
    &["nodokl", "nodev"],
    &["masin", "auto", "transportlidzek"],
    &["pabalst", "atbalst"],
    &["dzivesviet", "adres"],
    // A "bērnudārzs" is a "pirmsskolas izglītības iestāde" in the catalogue's words.
    &["bernudarz", "pirmsskol"],
    // "Pierakstīties" is what people say for declaring their place of residence.
    &["pierakst", "dzivesviet"],
    &["firm", "uznemum", "komersant"],
    // English spellings of a licence.
    &["licens", "licenc"],
    &["car", "vehicl"],
];

/// One way only, and only for exactly this stem: someone asking for a "pase" (pase, pases, pasi)
/// means an identity document, so the eID card ("personas apliecība (eID karte)") is one too; but
/// "pasts" or "pastāvīgi" share the stem's letters and mean nothing of the kind, and someone asking
/// for the eID card does not mean every page that mentions a passport.
const ALSO_MEANS: &[(&str, &[&str])] = &[
    ("pas", &["eid"]),
    ("passport", &["eid"]),
    ("id", &["eid"]),
    // "Darbs" (work) is looked for among vacancies and unemployment; "darbība" is not.
    ("darb", &["vakanc", "bezdarb"]),
    // "Kāzas" are a marriage's registration, "bēres" a funeral ("apbedīšana").
    ("kaz", &["laulib"]),
    ("ber", &["apbed"]),
    ("wedding", &["marriag"]),
    ("slimlap", &["slimib"]),
    ("pensionar", &["pensij"]),
    ("tax", &["fee"]),
];

/// The stems meaning the same as `stem` (not itself).
fn same_meaning(stem: &str) -> Vec<String> {
    SAME_MEANING
        .iter()
        .filter(|group| group.iter().any(|word| stem.starts_with(word)))
        .flat_map(|group| group.iter().filter(|word| !stem.starts_with(**word)).map(|word| (*word).to_owned()))
        .chain(
            ALSO_MEANS
                .iter()
                .filter(|(exactly, _)| *exactly == stem)
                .flat_map(|(_, also)| also.iter().map(|word| (*word).to_owned())),
        )
        .collect()
}

/// How one query word is matched. The exact form is not added separately: the prefix covers
/// it, and a rare exact form would outweigh a title hit through its higher IDF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermPlan {
    /// Matched as a prefix: the stem, or the word itself while it is short.
    pub prefix: String,
    /// Other prefixes meaning the same ([`SAME_MEANING`]).
    pub synonyms: Vec<String>,
    /// Words from the index one typo away, when the word itself matches nothing.
    pub corrections: Vec<String>,
    /// The word's own forms, matched exactly, when its stem is too short to match by prefix.
    pub forms: Vec<String>,
}

impl TermPlan {
    pub fn new(term: &str) -> Self {
        let stem = stem(term);
        let synonyms = same_meaning(stem);
        // A whole short word ("pase", "suņu") cut to three letters would find everything that
        // starts with them ("pašvaldība", "pasts", "sunīši"): it matches from the word as typed,
        // and its stem's forms exactly (pase, pases, pasi, pasu, pasē, …).
        if stem.chars().count() == 3 && term.chars().count() > 3 {
            let forms =
                ENDINGS.iter().map(|ending| format!("{stem}{ending}")).filter(|f| !f.starts_with(term)).collect();
            return Self { prefix: term.to_owned(), synonyms, corrections: Vec::new(), forms };
        }
        Self { prefix: stem.to_owned(), synonyms, corrections: Vec::new(), forms: Vec::new() }
    }

    /// Whether a folded word of a document is one this query word finds.
    pub fn matches(&self, folded: &str) -> bool {
        folded.starts_with(&self.prefix)
            || self.synonyms.iter().any(|s| folded.starts_with(s.as_str()))
            || self.corrections.iter().any(|c| c == folded)
            || self.forms.iter().any(|f| f == folded)
    }
}

/// The FTS5 MATCH expression: every word must match, each through any of its forms.
pub fn match_expression(plans: &[TermPlan]) -> String {
    match_expression_with(plans, |_| None)
}

/// [`match_expression`], with each prefix that `words_of` spells out (the indexed words
/// starting with it) matched as those words instead. FTS5 reads a prefix's matches whole before
/// it can answer (every document of every word under it: "dokument"* at ten times today's
/// catalogue is tens of thousands), while words are read lazily, in document order, only as
/// far as the query's limit needs: the same documents, found in the same order.
pub fn match_expression_with(plans: &[TermPlan], words_of: impl Fn(&str) -> Option<Vec<String>>) -> String {
    plans
        .iter()
        .map(|plan| {
            let mut forms = Vec::new();
            for prefix in std::iter::once(&plan.prefix).chain(&plan.synonyms) {
                match words_of(prefix) {
                    Some(words) => forms.extend(words.iter().map(|word| format!("\"{word}\""))),
                    None => forms.push(format!("\"{prefix}\"*")),
                }
            }
            forms.extend(plan.corrections.iter().chain(&plan.forms).map(|c| format!("\"{c}\"")));
            let mut seen = std::collections::HashSet::new();
            forms.retain(|form| seen.insert(form.clone()));
            format!("({})", forms.join(" OR "))
        })
        .collect::<Vec<_>>()
        .join(" AND ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_matches_sqlite_for_every_latvian_letter() {
        assert_eq!(fold("ĀČĒĢĪĶĻŅŠŪŽ āčēģīķļņšūž"), "acegiklnsuz acegiklnsuz");
        assert_eq!(fold("Suņu reģistrācija"), "sunu registracija");
    }

    #[test]
    fn queries_become_safe_folded_words() {
        assert_eq!(terms("  Suņu \"reģistrācija\" OR NEAR(x) -- *"), ["sunu", "registracija", "or", "near", "x"]);
        assert!(terms("\"*()-:^").is_empty());
        assert_eq!(terms(&"a ".repeat(20)).len(), MAX_TERMS);
        assert_eq!(terms(&"ā".repeat(100))[0].len(), MAX_TERM_CHARS);
    }

    #[test]
    fn stemming_strips_latvian_endings_but_keeps_three_letters() {
        let cases = [
            ("nodevas", "nodev"),
            ("nodeva", "nodev"),
            ("nodevam", "nodev"),
            ("pases", "pas"),
            ("sunu", "sun"),
            ("dzimsanas", "dzimsan"),
            ("bernu", "bern"),
            ("zalajiem", "zal"),
            ("auto", "auto"),
            ("eis", "eis"),
            ("vid", "vid"),
        ];
        for (word, expected) in cases {
            assert_eq!(stem(word), expected, "{word}");
        }
    }

    #[test]
    fn one_edit_means_one_insertion_deletion_substitution_or_swap() {
        let yes = [
            ("registracija", "registracija"),
            ("registracija", "registacija"),
            ("registracija", "registracijaa"),
            ("registracija", "registrazija"),
            ("registracija", "regsitracija"),
            ("bezdarbnieka", "bezdarbnika"),
        ];
        for (a, b) in yes {
            assert!(within_one_edit(a, b), "{a} ~ {b}");
            assert!(within_one_edit(b, a), "{b} ~ {a}");
        }
        let no = [("registracija", "regitsarcija"), ("pase", "pasts"), ("abc", "cba"), ("ab", "abcd")];
        for (a, b) in no {
            assert!(!within_one_edit(a, b), "{a} !~ {b}");
        }
    }

    proptest::proptest! {
        /// Whatever is typed, the query holds only letter-and-digit words, so nothing typed can
        /// become FTS5 syntax, and every word is quoted exactly once.
        #[test]
        fn no_typed_text_reaches_fts5_syntax(typed in "\\PC{0,80}") {
            let words = terms(&typed);
            proptest::prop_assert!(words.len() <= MAX_TERMS);
            for word in &words {
                proptest::prop_assert!(!word.is_empty() && word.chars().all(char::is_alphanumeric), "{word:?}");
            }
            let plans: Vec<TermPlan> = words.iter().map(|w| TermPlan::new(w)).collect();
            let expression = match_expression(&plans);
            let quoted: usize = plans.iter().map(|p| 1 + p.synonyms.len() + p.corrections.len() + p.forms.len()).sum();
            proptest::prop_assert_eq!(expression.matches('"').count(), 2 * quoted);
        }

        #[test]
        fn folding_is_idempotent_and_stems_are_prefixes(word in "[a-zāčēģīķļņšūž]{1,20}") {
            let folded = fold(&word);
            proptest::prop_assert_eq!(fold(&folded), folded.clone());
            proptest::prop_assert!(folded.starts_with(stem(&folded)));
        }

        #[test]
        fn one_edit_is_symmetric_and_reflexive(a in "[a-e]{0,8}", b in "[a-e]{0,8}") {
            proptest::prop_assert!(within_one_edit(&a, &a));
            proptest::prop_assert_eq!(within_one_edit(&a, &b), within_one_edit(&b, &a));
        }
    }

    #[test]
    fn the_match_expression_needs_every_word_through_any_form() {
        let mut second = TermPlan::new("registacija");
        second.corrections.push("registracija".into());
        let expression = match_expression(&[TermPlan::new("nodevas"), second]);
        // A word meaning the same ("nodoklis" for "nodeva") is one more form of the word.
        assert_eq!(expression, "(\"nodev\"* OR \"nodokl\"*) AND (\"registacij\"* OR \"registracija\")");
    }

    #[test]
    fn prefixes_spelled_out_become_their_words_once_each() {
        let mut plan = TermPlan::new("pases");
        assert_eq!(plan.prefix, "pases");
        plan.forms = vec!["pasu".into(), "pases".into()];
        let words_of = |prefix: &str| match prefix {
            "pases" => Some(vec!["pases".to_owned()]),
            "nodev" => Some(vec!["nodeva".to_owned(), "nodevam".to_owned(), "nodevas".to_owned()]),
            _ => None,
        };
        let expression = match_expression_with(&[plan, TermPlan::new("nodevas")], words_of);
        // Spelled out where known; prefixes nobody spelled out ("eid" for a passport, "nodokl")
        // stay prefixes.
        assert_eq!(
            expression,
            "(\"pases\" OR \"eid\"* OR \"pasu\") AND (\"nodeva\" OR \"nodevam\" OR \"nodevas\" OR \"nodokl\"*)"
        );
    }
}
