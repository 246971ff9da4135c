//! Offline search over the catalogue and knowledge base: FTS5 with folded diacritics, prefix
//! matching as you type, light Latvian stemming, one-typo tolerance, BM25 with a title boost,
//! highlighted snippets, and facet filters.

use domain::Language;
use rusqlite::{Transaction, params, params_from_iter, types::Value};

use crate::search_query::{
    TYPO_MIN_CHARS, TermPlan, fold_into, folded_first_letter, match_expression_with, terms, within_one_edit,
    word_spans, words,
};
use crate::store::{Store, StoreError, parse_language};

/// What a document is; the id is the catalogue's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocumentKind {
    Service,
    Article,
    Organisation,
    /// An e-form (kept for filling in, not searched).
    Form,
    /// A life-situation scenario (kept for the navigator, not searched).
    Scenario,
}

impl DocumentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Service => "service",
            DocumentKind::Article => "article",
            DocumentKind::Organisation => "organisation",
            DocumentKind::Form => "form",
            DocumentKind::Scenario => "scenario",
        }
    }

    fn parse(raw: &str) -> Result<Self, StoreError> {
        match raw {
            "service" => Ok(DocumentKind::Service),
            "article" => Ok(DocumentKind::Article),
            "organisation" => Ok(DocumentKind::Organisation),
            "form" => Ok(DocumentKind::Form),
            "scenario" => Ok(DocumentKind::Scenario),
            other => Err(StoreError::Corrupt(format!("unknown document kind {other:?}"))),
        }
    }
}

/// Facets a search can be narrowed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Facet {
    Institution,
    Channel,
    Municipality,
    LifeEvent,
    HasEService,
}

impl Facet {
    pub fn as_str(self) -> &'static str {
        match self {
            Facet::Institution => "institution",
            Facet::Channel => "channel",
            Facet::Municipality => "municipality",
            Facet::LifeEvent => "life_event",
            Facet::HasEService => "has_e_service",
        }
    }
}

/// One searchable text in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchDocument {
    pub kind: DocumentKind,
    pub id: String,
    pub language: Language,
    pub title: String,
    pub body: String,
    pub keywords: String,
    pub facets: Vec<(Facet, String)>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchQuery {
    pub text: String,
    pub language: Option<Language>,
    pub kinds: Vec<DocumentKind>,
    /// Every facet given must match (facets of one kind given twice: either value).
    pub facets: Vec<(Facet, String)>,
    pub limit: usize,
}

/// A piece of a snippet; highlighted pieces matched the query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnippetPart {
    pub text: String,
    pub highlighted: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    pub kind: DocumentKind,
    pub id: String,
    pub language: Language,
    pub title: String,
    pub snippet: Vec<SnippetPart>,
    /// BM25: lower is better.
    pub score: f64,
}

/// Matches considered per stage, in index order (services before articles, as synced); they are
/// ranked by BM25 here. A query with more matches than this is not specific yet (a few letters
/// typed): the best of the first ones are shown, and ranking is exact once the clerk types on.
const CANDIDATES: i64 = 100;
/// Added to the BM25 score (lower is better) of matches found only in bodies.
const BODY_PENALTY: f64 = 1_000.0;

/// The two full-text indexes: titles and keywords alone, or everything.
#[derive(Clone, Copy)]
enum Index {
    Titles,
    Everything,
}

/// The language, kind and facet conditions of a query, as SQL with its values.
struct Filter {
    sql: String,
    values: Vec<Value>,
}

impl Filter {
    fn new(query: &SearchQuery) -> Self {
        let mut sql = String::new();
        let mut values: Vec<Value> = Vec::new();
        if query.language.is_some() || !query.kinds.is_empty() {
            sql.push_str(" AND search_index.rowid IN (SELECT rowid FROM search_documents WHERE 1");
            if let Some(language) = query.language {
                sql.push_str(" AND language = ?");
                values.push(Value::Text(language.code().into()));
            }
            if !query.kinds.is_empty() {
                sql.push_str(&format!(" AND kind IN ({})", vec!["?"; query.kinds.len()].join(", ")));
                values.extend(query.kinds.iter().map(|k| Value::Text(k.as_str().into())));
            }
            sql.push(')');
        }
        let mut facets: Vec<Facet> = query.facets.iter().map(|(f, _)| *f).collect();
        facets.sort_by_key(|f| f.as_str());
        facets.dedup();
        for facet in facets {
            let wanted: Vec<&String> = query.facets.iter().filter(|(f, _)| *f == facet).map(|(_, v)| v).collect();
            sql.push_str(&format!(
                " AND search_index.rowid IN (SELECT doc FROM search_filters WHERE key = ? AND value IN ({}))",
                vec!["?"; wanted.len()].join(", ")
            ));
            values.push(Value::Text(facet.as_str().into()));
            values.extend(wanted.into_iter().map(|v| Value::Text(v.clone())));
        }
        Self { sql, values }
    }

    /// Up to [`CANDIDATES`] matches of `expression` in index order, scored here (lower is
    /// better). FTS5's own `bm25()` counts every match of every term to weigh it, which costs
    /// more than the whole search may take; without `ORDER BY rank`, FTS5 also stops at the
    /// limit instead of visiting every match.
    fn candidates(
        &self,
        connection: &rusqlite::Connection,
        index: Index,
        expression: &str,
        plans: &[TermPlan],
    ) -> Result<Vec<(i64, f64)>, StoreError> {
        let (table, text) = match index {
            Index::Titles => ("search_titles", "title, keywords"),
            Index::Everything => ("search_index", "'', ''"),
        };
        let sql = format!(
            "SELECT {table}.rowid, {text} FROM {table} WHERE {table} MATCH ?{} LIMIT ?",
            self.sql.replace("search_index.rowid", &format!("{table}.rowid"))
        );
        let mut values = Vec::with_capacity(self.values.len() + 2);
        values.push(Value::Text(expression.to_owned()));
        values.extend(self.values.iter().cloned());
        values.push(Value::Integer(CANDIDATES));
        let mut statement = connection.prepare_cached(&sql)?;
        let mut rows = statement.query(params_from_iter(values))?;
        let mut scored = Vec::new();
        let mut words = WordFolder::new(plans);
        while let Some(row) = rows.next()? {
            let rowid: i64 = row.get(0)?;
            let score = match index {
                Index::Titles => {
                    let title = row.get_ref(1)?.as_str().unwrap_or("");
                    title_score(title, row.get_ref(2)?.as_str().unwrap_or(""), &mut words)
                }
                // Body matches keep index order (services first), after every title match.
                Index::Everything => BODY_PENALTY + rowid as f64 * 1e-9,
            };
            scored.push((rowid, score));
        }
        Ok(scored)
    }
}

/// Folds a document's words one at a time to match them against the query's words; a word
/// beginning with a letter none of the query's words begins with is no match, known without
/// folding it. Ranking and snippets read every candidate's words, so this is the search's
/// inner loop.
struct WordFolder<'p> {
    plans: &'p [TermPlan],
    /// The folded letters the query's words begin with; `None` when one is empty (it would match
    /// every word).
    first_letters: Option<Vec<char>>,
    folded: String,
}

impl<'p> WordFolder<'p> {
    fn new(plans: &'p [TermPlan]) -> Self {
        let forms = plans
            .iter()
            .flat_map(|p| std::iter::once(&p.prefix).chain(&p.synonyms).chain(&p.corrections).chain(&p.forms));
        let first_letters = forms.map(|form| form.chars().next()).collect::<Option<Vec<char>>>().map(|mut letters| {
            letters.sort_unstable();
            letters.dedup();
            letters
        });
        Self { plans, first_letters, folded: String::new() }
    }

    /// `word` folded, or `None` when it cannot match any of the query's words.
    fn fold(&mut self, word: &str) -> Option<&str> {
        if let Some(letters) = &self.first_letters
            && !folded_first_letter(word).is_some_and(|letter| letters.contains(&letter))
        {
            return None;
        }
        fold_into(word, &mut self.folded);
        Some(&self.folded)
    }

    /// Whether `word` matches one of the query's words.
    fn matches(&mut self, word: &str) -> bool {
        let plans = self.plans;
        self.fold(word).is_some_and(|folded| plans.iter().any(|p| p.matches(folded)))
    }
}

/// How well a title (and keywords) answers the query; lower is better, like BM25 in SQLite.
/// Each query word found at the start of a title word counts most, earlier words more, a
/// keyword less; shorter titles win ties, as BM25's length normalisation would have it.
/// Keywords are read only for query words the title lacks.
fn title_score(title: &str, keywords: &str, words: &mut WordFolder<'_>) -> f64 {
    let plans = words.plans;
    // Per query word: the position of the first title word it matches, if any.
    let mut in_title: Vec<Option<usize>> = vec![None; plans.len()];
    let mut title_words = 0;
    for (position, span) in word_spans(title).enumerate() {
        title_words += 1;
        if in_title.iter().all(Option::is_some) {
            continue;
        }
        let Some(folded) = words.fold(&title[span]) else { continue };
        for (plan, found) in plans.iter().zip(&mut in_title) {
            if found.is_none() && plan.matches(folded) {
                *found = Some(position);
            }
        }
    }
    let mut in_keywords = vec![false; plans.len()];
    if in_title.iter().any(Option::is_none) {
        for span in word_spans(keywords) {
            let Some(folded) = words.fold(&keywords[span]) else { continue };
            for ((plan, found), keyword) in plans.iter().zip(&in_title).zip(&mut in_keywords) {
                *keyword |= found.is_none() && plan.matches(folded);
            }
        }
    }
    let mut relevance = 0.0;
    for (position, keyword) in in_title.iter().zip(&in_keywords) {
        match (position, keyword) {
            (Some(position), _) => relevance += 10.0 + 2.0 / (1.0 + *position as f64),
            (None, true) => relevance += 3.0,
            (None, false) => {}
        }
    }
    -(relevance / (1.0 + 0.05 * title_words as f64))
}

/// How many vocabulary words sharing a first letter are checked for one-typo matches.
const TYPO_SCAN_LIMIT: usize = 20_000;
const MAX_CORRECTIONS: usize = 5;

/// Words shown in a snippet.
const SNIPPET_WORDS: usize = 14;

/// A short passage of `text` around the first matching word, matching words highlighted.
/// Reads the text only as far as the passage ends: words are folded one at a time, and of the
/// words before the first hit only the last three are kept.
fn snippet(text: &str, words: &mut WordFolder<'_>) -> Vec<SnippetPart> {
    let mut spans = word_spans(text);
    // The words before the first hit, at most three (they open the passage), and whether any
    // came before those.
    let mut before: std::collections::VecDeque<std::ops::Range<usize>> = std::collections::VecDeque::new();
    let mut cut_before = false;
    let mut hit = None;
    for span in spans.by_ref() {
        if words.matches(&text[span.clone()]) {
            hit = Some(span);
            break;
        }
        if before.len() == 3 {
            before.pop_front();
            cut_before = true;
        }
        before.push_back(span);
    }
    let mut passage: Vec<std::ops::Range<usize>> = match hit {
        Some(hit) => before.into_iter().chain(std::iter::once(hit)).collect(),
        // No word matched (the hit was in the title or keywords): the text's first words.
        None => {
            cut_before = false;
            spans = word_spans(text);
            Vec::new()
        }
    };
    passage.extend(spans.by_ref().take(SNIPPET_WORDS - passage.len()));
    let cut_after = spans.next().is_some();
    if passage.is_empty() {
        return Vec::new();
    }

    let mut parts: Vec<SnippetPart> = Vec::new();
    let mut push = |text: &str, highlighted: bool| match parts.last_mut() {
        Some(last) if last.highlighted == highlighted => last.text.push_str(text),
        _ => parts.push(SnippetPart { text: text.to_owned(), highlighted }),
    };
    if cut_before {
        push("…", false);
    }
    let mut previous_end = None;
    for span in passage {
        if let Some(end) = previous_end {
            push(&text[end..span.start], false);
        }
        previous_end = Some(span.end);
        let word = &text[span];
        push(word, words.matches(word));
    }
    if cut_after {
        push("…", false);
    }
    parts
}

/// The smallest string greater than every string starting with `prefix`.
fn prefix_end(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

/// The longest prefix the titles' index keeps a prefix index for (`prefix = '2 3 4 5'`).
const TITLE_PREFIX_INDEX_CHARS: usize = 5;

/// At most this many indexed words spell a prefix out in a query (see
/// [`match_expression_with`]); a prefix with more stays a prefix (a few letters typed: their
/// titles have prefix indexes).
const SPELLED_OUT_WORDS: usize = 64;

/// The indexed words starting with `prefix`: all of them when there are at most
/// [`SPELLED_OUT_WORDS`], else one more than that.
fn words_under(connection: &rusqlite::Connection, prefix: &str) -> Result<Vec<String>, StoreError> {
    let mut statement =
        connection.prepare_cached("SELECT term FROM search_terms WHERE term >= ?1 AND term < ?2 LIMIT ?3")?;
    Ok(statement
        .query_map(params![prefix, prefix_end(prefix), SPELLED_OUT_WORDS as i64 + 1], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?)
}

/// The words a prefix is matched as, when they are few enough (and any at all).
fn spelled_out(words: Vec<String>) -> Option<Vec<String>> {
    (!words.is_empty() && words.len() <= SPELLED_OUT_WORDS).then_some(words)
}

/// How `term` is matched; the words its prefix and synonyms spell out go into `spelled_out`.
fn plan_term(
    connection: &rusqlite::Connection,
    term: &str,
    spelled_out_words: &mut std::collections::HashMap<String, Option<Vec<String>>>,
) -> Result<TermPlan, StoreError> {
    let mut plan = TermPlan::new(term);
    let under_prefix = words_under(connection, &plan.prefix)?;
    let known = !under_prefix.is_empty();
    spelled_out_words.insert(plan.prefix.clone(), spelled_out(under_prefix));
    for synonym in &plan.synonyms {
        spelled_out_words.insert(synonym.clone(), spelled_out(words_under(connection, synonym)?));
    }
    if known || term.chars().count() < TYPO_MIN_CHARS {
        return Ok(plan);
    }
    let first: String = term.chars().take(1).collect();
    let length = term.chars().count();
    let mut statement =
        connection.prepare_cached("SELECT term FROM search_terms WHERE term >= ?1 AND term < ?2 LIMIT ?3")?;
    let candidates =
        statement.query_map(params![first, prefix_end(&first), TYPO_SCAN_LIMIT as i64], |r| r.get::<_, String>(0))?;
    for candidate in candidates {
        let candidate = candidate?;
        if candidate.chars().count().abs_diff(length) <= 1 && within_one_edit(&candidate, term) {
            plan.corrections.push(candidate);
            if plan.corrections.len() == MAX_CORRECTIONS {
                break;
            }
        }
    }
    Ok(plan)
}

pub(crate) fn remove_in(
    tx: &Transaction<'_>,
    kind: DocumentKind,
    id: &str,
    language: Option<Language>,
) -> Result<(), StoreError> {
    let rowids: Vec<i64> = {
        let mut statement = tx.prepare_cached(
            "SELECT rowid FROM search_documents WHERE kind = ?1 AND ref_id = ?2 AND (?3 IS NULL OR language = ?3)",
        )?;
        statement
            .query_map(params![kind.as_str(), id, language.map(Language::code)], |r| r.get(0))?
            .collect::<Result<_, _>>()?
    };
    for rowid in rowids {
        tx.prepare_cached("DELETE FROM search_index WHERE rowid = ?1")?.execute(params![rowid])?;
        tx.prepare_cached("DELETE FROM search_titles WHERE rowid = ?1")?.execute(params![rowid])?;
        tx.prepare_cached("DELETE FROM search_filters WHERE doc = ?1")?.execute(params![rowid])?;
        tx.prepare_cached("DELETE FROM search_documents WHERE rowid = ?1")?.execute(params![rowid])?;
    }
    Ok(())
}

/// Adds documents inside the caller's transaction, replacing earlier ones of the same record and
/// language unless the caller has removed them already (`replace: false`).
pub(crate) fn index_in(tx: &Transaction<'_>, documents: &[SearchDocument], replace: bool) -> Result<(), StoreError> {
    // Each distinct word once per batch: most words repeat across documents.
    let mut new_terms: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut insert_document =
        tx.prepare_cached("INSERT INTO search_documents (kind, ref_id, language) VALUES (?1, ?2, ?3)")?;
    let mut insert_text =
        tx.prepare_cached("INSERT INTO search_index (rowid, title, body, keywords) VALUES (?1, ?2, ?3, ?4)")?;
    let mut insert_title =
        tx.prepare_cached("INSERT INTO search_titles (rowid, title, keywords) VALUES (?1, ?2, ?3)")?;
    let mut insert_facet =
        tx.prepare_cached("INSERT OR IGNORE INTO search_filters (doc, key, value) VALUES (?1, ?2, ?3)")?;
    for doc in documents {
        if replace {
            remove_in(tx, doc.kind, &doc.id, Some(doc.language))?;
        }
        insert_document.execute(params![doc.kind.as_str(), doc.id, doc.language.code()])?;
        let rowid = tx.last_insert_rowid();
        insert_text.execute(params![rowid, doc.title, doc.body, doc.keywords])?;
        insert_title.execute(params![rowid, doc.title, doc.keywords])?;
        new_terms.extend(words(&doc.title).chain(words(&doc.body)).chain(words(&doc.keywords)));
        for (facet, value) in &doc.facets {
            insert_facet.execute(params![rowid, facet.as_str(), value])?;
        }
    }
    let mut add_term = tx.prepare_cached("INSERT OR IGNORE INTO search_terms (term) VALUES (?1)")?;
    for term in &new_terms {
        add_term.execute(params![term])?;
    }
    Ok(())
}

impl Store {
    /// Adds or replaces documents, all in one transaction.
    pub fn index_documents(&self, documents: &[SearchDocument]) -> Result<(), StoreError> {
        let mut connection = self.connection();
        let tx = connection.transaction()?;
        index_in(&tx, documents, true)?;
        tx.commit()?;
        Ok(())
    }

    /// Whether a record has a search document in `language`.
    pub fn has_search_document(&self, kind: DocumentKind, id: &str, language: Language) -> Result<bool, StoreError> {
        Ok(self
            .connection()
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM search_documents WHERE kind = ?1 AND ref_id = ?2 AND language = ?3)",
            )?
            .query_row(params![kind.as_str(), id, language.code()], |r| r.get(0))?)
    }

    /// Removes a document in every language (a retired service, a deleted article).
    pub fn remove_document(&self, kind: DocumentKind, id: &str) -> Result<(), StoreError> {
        let mut connection = self.connection();
        let tx = connection.transaction()?;
        remove_in(&tx, kind, id, None)?;
        tx.commit()?;
        Ok(())
    }

    /// A plain FTS5 MATCH with no joins, look-ups or snippets, ranked by FTS5's BM25 or not
    /// (the first matches in index order): the baselines benchmarks compare [`Store::search`]
    /// against.
    pub fn bare_fts_match(&self, expression: &str, limit: usize, ranked: bool) -> Result<Vec<i64>, StoreError> {
        let connection = self.connection();
        let sql = if ranked {
            "SELECT rowid FROM search_index WHERE search_index MATCH ?1 ORDER BY rank LIMIT ?2"
        } else {
            "SELECT rowid FROM search_index WHERE search_index MATCH ?1 LIMIT ?2"
        };
        let mut statement = connection.prepare_cached(sql)?;
        let rows = statement.query_map(params![expression, limit as i64], |r| r.get(0))?.collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// The best matches for what a person typed, best first. An empty query finds nothing.
    pub fn search(&self, query: &SearchQuery) -> Result<Vec<SearchHit>, StoreError> {
        let words = terms(&query.text);
        if words.is_empty() || query.limit == 0 {
            return Ok(Vec::new());
        }
        let connection = self.connection();
        // One read transaction for every statement of the search rather than one each (the
        // term look-ups and the hits' details took about 0.85× the time, at ten times the
        // catalogue).
        let _reading = connection.unchecked_transaction()?;
        let mut spelled_out = std::collections::HashMap::new();
        let plans = words.iter().map(|w| plan_term(&connection, w, &mut spelled_out)).collect::<Result<Vec<_>, _>>()?;
        let expression = match_expression_with(&plans, |prefix| spelled_out.get(prefix).cloned().flatten());
        let filter = Filter::new(query);
        let limit = query.limit.min(1000);
        // The titles' index has prefix indexes: there a short prefix is one term, read lazily.
        let title_expression = match_expression_with(&plans, |prefix| {
            if prefix.chars().count() <= TITLE_PREFIX_INDEX_CHARS {
                None
            } else {
                spelled_out.get(prefix).cloned().flatten()
            }
        });
        // Stage one: titles and keywords, where the words a clerk types usually are. Stage two,
        // only when that finds too little: everything, bodies too.
        let mut ranked = filter.candidates(&connection, Index::Titles, &title_expression, &plans)?;
        if ranked.len() < limit {
            let seen: std::collections::HashSet<i64> = ranked.iter().map(|(rowid, _)| *rowid).collect();
            let more = filter.candidates(&connection, Index::Everything, &expression, &plans)?;
            // Body-only matches rank after every title match.
            ranked.extend(more.into_iter().filter(|(rowid, _)| !seen.contains(rowid)));
        }
        ranked.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        ranked.truncate(limit);

        let mut details = connection.prepare_cached(
            "SELECT d.kind, d.ref_id, d.language, s.title, s.body
             FROM search_documents d JOIN search_index s ON s.rowid = d.rowid WHERE d.rowid = ?1",
        )?;
        let mut words = WordFolder::new(&plans);
        ranked
            .into_iter()
            .map(|(rowid, score)| {
                let (kind, id, language, title, body) = details.query_row(params![rowid], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                    ))
                })?;
                Ok(SearchHit {
                    kind: DocumentKind::parse(&kind)?,
                    id,
                    language: parse_language(&language)?,
                    title,
                    snippet: snippet(&body, &mut words),
                    score,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search_query::fold;
    use proptest::strategy::Strategy;

    fn snippet_of(text: &str, plans: &[TermPlan]) -> Vec<SnippetPart> {
        snippet(text, &mut WordFolder::new(plans))
    }

    #[test]
    fn snippets_show_the_passage_around_the_first_hit_with_hits_highlighted() {
        let plans = [TermPlan::new("sunu")];
        let text = "Vispirms viens divi trīs četri pieci: suņu reģistrācija, un suns jāčipo; beigās vēl daudz citu vārdu te ir.";
        let parts = snippet_of(text, &plans);
        let shown: String = parts.iter().map(|p| p.text.as_str()).collect();
        assert!(shown.starts_with("…trīs četri pieci: suņu"), "{shown}");
        assert!(shown.ends_with('…'), "{shown}");
        let highlighted: Vec<&str> = parts.iter().filter(|p| p.highlighted).map(|p| p.text.as_str()).collect();
        assert_eq!(highlighted, ["suņu", "suns"]);
        assert!(snippet_of("", &plans).is_empty());
        let short = snippet_of("Suņu pase", &plans);
        assert_eq!(short[0], SnippetPart { text: "Suņu".into(), highlighted: true });
    }

    /// The plain way to score a title, kept to check the fast one against: fold whole texts,
    /// split them, try every query word on every word.
    fn plainly_scored(title: &str, keywords: &str, plans: &[TermPlan]) -> f64 {
        let title_words: Vec<String> = crate::search_query::words(title).collect();
        let keywords: Vec<String> = crate::search_query::words(keywords).collect();
        let mut relevance = 0.0;
        for plan in plans {
            if let Some(position) = title_words.iter().position(|w| plan.matches(w)) {
                relevance += 10.0 + 2.0 / (1.0 + position as f64);
            } else if keywords.iter().any(|w| plan.matches(w)) {
                relevance += 3.0;
            }
        }
        -(relevance / (1.0 + 0.05 * title_words.len() as f64))
    }

    /// The plain way to cut a snippet, kept to check the fast one against: split the whole text
    /// into runs of word and not-word, find the first hit among all words, take fourteen words
    /// from three before it.
    fn plain_snippet(text: &str, plans: &[TermPlan]) -> Vec<SnippetPart> {
        let matches = |word: &str| plans.iter().any(|p| p.matches(&fold(word)));
        let mut runs: Vec<(&str, bool)> = Vec::new();
        let mut start = 0;
        let mut in_word = None;
        for (at, c) in text.char_indices() {
            let is_word = c.is_alphanumeric();
            if in_word != Some(is_word) {
                if at > start {
                    runs.push((&text[start..at], in_word == Some(true)));
                }
                start = at;
                in_word = Some(is_word);
            }
        }
        if start < text.len() {
            runs.push((&text[start..], in_word == Some(true)));
        }
        let word_positions: Vec<usize> = runs.iter().enumerate().filter(|(_, r)| r.1).map(|(i, _)| i).collect();
        if word_positions.is_empty() {
            return Vec::new();
        }
        let first_hit = word_positions.iter().position(|&i| matches(runs[i].0)).unwrap_or(0);
        let first_word = first_hit.saturating_sub(3);
        let last_word = (first_word + SNIPPET_WORDS).min(word_positions.len());
        let mut parts: Vec<SnippetPart> = Vec::new();
        let mut push = |text: &str, highlighted: bool| match parts.last_mut() {
            Some(last) if last.highlighted == highlighted => last.text.push_str(text),
            _ => parts.push(SnippetPart { text: text.to_owned(), highlighted }),
        };
        if first_word > 0 {
            push("…", false);
        }
        for (text, is_word) in &runs[word_positions[first_word]..=word_positions[last_word - 1]] {
            push(text, *is_word && matches(text));
        }
        if last_word < word_positions.len() {
            push("…", false);
        }
        parts
    }

    /// Texts of Latvian-ish words (with and without diacritics, capitals, digits) between
    /// spaces and punctuation, and queries made of some of the same words.
    fn text_of(words: usize) -> impl proptest::strategy::Strategy<Value = String> {
        let word = "[a-zA-ZāčēģīķļņšūžĀČĒĢĪĶĻŅŠŪŽéö0-9]{1,9}";
        let gap = "[ ,.;:()«»!?–\\-]{1,3}";
        proptest::collection::vec((word, gap), 0..words)
            .prop_map(|pieces| pieces.into_iter().map(|(w, g)| format!("{w}{g}")).collect())
    }

    proptest::proptest! {
        #[test]
        fn the_fast_ranking_and_snippets_agree_with_the_plain_ones(
            title in text_of(10),
            keywords in text_of(6),
            body in text_of(60),
            query in text_of(3),
            from_body in proptest::collection::vec(0usize..60, 0..2),
        ) {
            // Query words both made up and taken from the texts (so that some match).
            let body_words: Vec<String> = crate::search_query::words(&body).collect();
            let mut typed = terms(&query);
            typed.extend(from_body.iter().filter_map(|&at| body_words.get(at).cloned()));
            typed.extend(crate::search_query::words(&title).take(1));
            let mut plans: Vec<TermPlan> = typed.iter().map(|w| TermPlan::new(w)).collect();
            // A typo's corrections are whole words of the index.
            if let (Some(plan), Some(word)) = (plans.first_mut(), body_words.last()) {
                plan.corrections.push(word.clone());
            }
            let fast = title_score(&title, &keywords, &mut WordFolder::new(&plans));
            proptest::prop_assert_eq!(fast.to_bits(), plainly_scored(&title, &keywords, &plans).to_bits());
            proptest::prop_assert_eq!(snippet_of(&body, &plans), plain_snippet(&body, &plans));
        }
    }
}
