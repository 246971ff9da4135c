//! Offline search over the catalogue and knowledge base: FTS5 with folded diacritics, prefix
//! matching as you type, light Latvian stemming, one-typo tolerance, BM25 with a title boost,
//! highlighted snippets, and facet filters.

use domain::Language;
use rusqlite::{Transaction, params, params_from_iter, types::Value};

use crate::search_query::{TYPO_MIN_CHARS, TermPlan, fold, match_expression_with, terms, within_one_edit, words};
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
        while let Some(row) = rows.next()? {
            let rowid: i64 = row.get(0)?;
            let score = match index {
                Index::Titles => {
                    title_score(row.get_ref(1)?.as_str().unwrap_or(""), row.get_ref(2)?.as_str().unwrap_or(""), plans)
                }
                // Body matches keep index order (services first), after every title match.
                Index::Everything => BODY_PENALTY + rowid as f64 * 1e-9,
            };
            scored.push((rowid, score));
        }
        Ok(scored)
    }
}

/// How well a title (and keywords) answers the query; lower is better, like BM25 in SQLite.
/// Each query word found at the start of a title word counts most, earlier words more, a
/// keyword less; shorter titles win ties, as BM25's length normalisation would have it.
fn title_score(title: &str, keywords: &str, plans: &[TermPlan]) -> f64 {
    // One folded copy per text, then slices: this runs for every candidate.
    let title = fold(title);
    let title_words: Vec<&str> = title.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let keywords = fold(keywords);
    let mut relevance = 0.0;
    for plan in plans {
        let matches = |word: &&str| plan.matches(word);
        if let Some(position) = title_words.iter().position(matches) {
            relevance += 10.0 + 2.0 / (1.0 + position as f64);
        } else if keywords.split(|c: char| !c.is_alphanumeric()).any(|w| matches(&w)) {
            relevance += 3.0;
        }
    }
    -(relevance / (1.0 + 0.05 * title_words.len() as f64))
}

/// How many vocabulary words sharing a first letter are checked for one-typo matches.
const TYPO_SCAN_LIMIT: usize = 20_000;
const MAX_CORRECTIONS: usize = 5;

/// Words shown in a snippet.
const SNIPPET_WORDS: usize = 14;

/// Whether a word of a document matched one of the query's words.
fn word_matches(word: &str, plans: &[TermPlan]) -> bool {
    let folded = fold(word);
    plans.iter().any(|p| p.matches(&folded))
}

/// A short passage of `text` around the first matching word, matching words highlighted.
fn snippet(text: &str, plans: &[TermPlan]) -> Vec<SnippetPart> {
    // Alternating runs: words (letters and digits) and what lies between them.
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
    let first_hit = word_positions.iter().position(|&i| word_matches(runs[i].0, plans)).unwrap_or(0);
    let first_word = first_hit.saturating_sub(3);
    let last_word = (first_word + SNIPPET_WORDS).min(word_positions.len());
    if word_positions.is_empty() {
        return Vec::new();
    }
    let from = word_positions[first_word];
    let to = word_positions[last_word - 1];
    let mut parts: Vec<SnippetPart> = Vec::new();
    let mut push = |text: &str, highlighted: bool| match parts.last_mut() {
        Some(last) if last.highlighted == highlighted => last.text.push_str(text),
        _ => parts.push(SnippetPart { text: text.to_owned(), highlighted }),
    };
    if first_word > 0 {
        push("…", false);
    }
    for (text, is_word) in &runs[from..=to] {
        push(text, *is_word && word_matches(text, plans));
    }
    if last_word < word_positions.len() {
        push("…", false);
    }
    parts
}

/// The smallest string greater than every string starting with `prefix`.
fn prefix_end(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

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
        let mut spelled_out = std::collections::HashMap::new();
        let plans = words.iter().map(|w| plan_term(&connection, w, &mut spelled_out)).collect::<Result<Vec<_>, _>>()?;
        let expression = match_expression_with(&plans, |prefix| spelled_out.get(prefix).cloned().flatten());
        let filter = Filter::new(query);
        let limit = query.limit.min(1000);
        // Stage one: titles and keywords, where the words a clerk types usually are. Stage two,
        // only when that finds too little: everything, bodies too.
        let mut ranked = filter.candidates(&connection, Index::Titles, &expression, &plans)?;
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
                    snippet: snippet(&body, &plans),
                    score,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_show_the_passage_around_the_first_hit_with_hits_highlighted() {
        let plans = [TermPlan::new("sunu")];
        let text = "Vispirms viens divi trīs četri pieci: suņu reģistrācija, un suns jāčipo; beigās vēl daudz citu vārdu te ir.";
        let parts = snippet(text, &plans);
        let shown: String = parts.iter().map(|p| p.text.as_str()).collect();
        assert!(shown.starts_with("…trīs četri pieci: suņu"), "{shown}");
        assert!(shown.ends_with('…'), "{shown}");
        let highlighted: Vec<&str> = parts.iter().filter(|p| p.highlighted).map(|p| p.text.as_str()).collect();
        assert_eq!(highlighted, ["suņu", "suns"]);
        assert!(snippet("", &plans).is_empty());
        let short = snippet("Suņu pase", &plans);
        assert_eq!(short[0], SnippetPart { text: "Suņu".into(), highlighted: true });
    }
}
