//! Offline search over the catalogue and knowledge base: FTS5 with folded diacritics, prefix
//! matching as you type, light Latvian stemming, one-typo tolerance, BM25 with a title boost,
//! highlighted snippets, and facet filters.

use domain::Language;
use rusqlite::{OptionalExtension, Transaction, params, params_from_iter, types::Value};

use crate::search_query::{TYPO_MIN_CHARS, TermPlan, match_expression, terms, within_one_edit};
use crate::store::{Store, StoreError};

/// What a document is; the id is the catalogue's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocumentKind {
    Service,
    Article,
    Organisation,
}

impl DocumentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Service => "service",
            DocumentKind::Article => "article",
            DocumentKind::Organisation => "organisation",
        }
    }

    fn parse(raw: &str) -> Result<Self, StoreError> {
        match raw {
            "service" => Ok(DocumentKind::Service),
            "article" => Ok(DocumentKind::Article),
            "organisation" => Ok(DocumentKind::Organisation),
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
    fn as_str(self) -> &'static str {
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

const HIGHLIGHT_START: char = '\u{2}';
const HIGHLIGHT_END: char = '\u{3}';
/// How many vocabulary words sharing a first letter are checked for one-typo matches.
const TYPO_SCAN_LIMIT: usize = 20_000;
const MAX_CORRECTIONS: usize = 5;

fn split_snippet(raw: &str) -> Vec<SnippetPart> {
    let mut parts = Vec::new();
    let mut highlighted = false;
    let mut text = String::new();
    for c in raw.chars() {
        if c == HIGHLIGHT_START || c == HIGHLIGHT_END {
            if !text.is_empty() {
                parts.push(SnippetPart { text: std::mem::take(&mut text), highlighted });
            }
            highlighted = c == HIGHLIGHT_START;
        } else {
            text.push(c);
        }
    }
    if !text.is_empty() {
        parts.push(SnippetPart { text, highlighted });
    }
    parts
}

/// The smallest string greater than every string starting with `prefix`.
fn prefix_end(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

fn plan_term(tx: &rusqlite::Connection, term: &str) -> Result<TermPlan, StoreError> {
    let mut plan = TermPlan::new(term);
    let known: Option<String> = tx
        .query_row(
            "SELECT term FROM search_vocab WHERE term >= ?1 AND term < ?2 LIMIT 1",
            params![plan.prefix, prefix_end(&plan.prefix)],
            |r| r.get(0),
        )
        .optional()?;
    if known.is_some() || term.chars().count() < TYPO_MIN_CHARS {
        return Ok(plan);
    }
    let first: String = term.chars().take(1).collect();
    let length = term.chars().count();
    let mut statement = tx.prepare_cached("SELECT term FROM search_vocab WHERE term >= ?1 AND term < ?2 LIMIT ?3")?;
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

fn remove_in(tx: &Transaction<'_>, kind: DocumentKind, id: &str, language: Option<Language>) -> Result<(), StoreError> {
    let rowids: Vec<i64> = {
        let mut statement = tx.prepare_cached(
            "SELECT rowid FROM search_documents WHERE kind = ?1 AND ref_id = ?2 AND (?3 IS NULL OR language = ?3)",
        )?;
        statement
            .query_map(params![kind.as_str(), id, language.map(Language::code)], |r| r.get(0))?
            .collect::<Result<_, _>>()?
    };
    for rowid in rowids {
        tx.execute("DELETE FROM search_index WHERE rowid = ?1", params![rowid])?;
        tx.execute("DELETE FROM search_filters WHERE doc = ?1", params![rowid])?;
        tx.execute("DELETE FROM search_documents WHERE rowid = ?1", params![rowid])?;
    }
    Ok(())
}

impl Store {
    /// Adds or replaces documents, all in one transaction.
    pub fn index_documents(&self, documents: &[SearchDocument]) -> Result<(), StoreError> {
        let mut connection = self.connection();
        let tx = connection.transaction()?;
        for doc in documents {
            remove_in(&tx, doc.kind, &doc.id, Some(doc.language))?;
            tx.execute(
                "INSERT INTO search_documents (kind, ref_id, language) VALUES (?1, ?2, ?3)",
                params![doc.kind.as_str(), doc.id, doc.language.code()],
            )?;
            let rowid = tx.last_insert_rowid();
            tx.execute(
                "INSERT INTO search_index (rowid, title, body, keywords) VALUES (?1, ?2, ?3, ?4)",
                params![rowid, doc.title, doc.body, doc.keywords],
            )?;
            for (facet, value) in &doc.facets {
                tx.execute(
                    "INSERT OR IGNORE INTO search_filters (doc, key, value) VALUES (?1, ?2, ?3)",
                    params![rowid, facet.as_str(), value],
                )?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Removes a document in every language (a retired service, a deleted article).
    pub fn remove_document(&self, kind: DocumentKind, id: &str) -> Result<(), StoreError> {
        let mut connection = self.connection();
        let tx = connection.transaction()?;
        remove_in(&tx, kind, id, None)?;
        tx.commit()?;
        Ok(())
    }

    /// The best matches for what a person typed, best first. An empty query finds nothing.
    pub fn search(&self, query: &SearchQuery) -> Result<Vec<SearchHit>, StoreError> {
        let words = terms(&query.text);
        if words.is_empty() || query.limit == 0 {
            return Ok(Vec::new());
        }
        let connection = self.connection();
        let plans = words.iter().map(|w| plan_term(&connection, w)).collect::<Result<Vec<_>, _>>()?;
        let mut sql = String::from(
            "SELECT d.kind, d.ref_id, d.language, search_index.title,
                    snippet(search_index, -1, char(2), char(3), '…', 12),
                    bm25(search_index, 10.0, 1.0, 3.0) AS score
             FROM search_index JOIN search_documents d ON d.rowid = search_index.rowid
             WHERE search_index MATCH ?",
        );
        let mut values: Vec<Value> = vec![Value::Text(match_expression(&plans))];
        if let Some(language) = query.language {
            sql.push_str(" AND d.language = ?");
            values.push(Value::Text(language.code().into()));
        }
        if !query.kinds.is_empty() {
            sql.push_str(&format!(" AND d.kind IN ({})", vec!["?"; query.kinds.len()].join(", ")));
            values.extend(query.kinds.iter().map(|k| Value::Text(k.as_str().into())));
        }
        let mut facets: Vec<Facet> = query.facets.iter().map(|(f, _)| *f).collect();
        facets.dedup();
        for facet in facets {
            let wanted: Vec<&String> = query.facets.iter().filter(|(f, _)| *f == facet).map(|(_, v)| v).collect();
            sql.push_str(&format!(
                " AND d.rowid IN (SELECT doc FROM search_filters WHERE key = ? AND value IN ({}))",
                vec!["?"; wanted.len()].join(", ")
            ));
            values.push(Value::Text(facet.as_str().into()));
            values.extend(wanted.into_iter().map(|v| Value::Text(v.clone())));
        }
        sql.push_str(" ORDER BY score LIMIT ?");
        values.push(Value::Integer(query.limit.min(1000) as i64));
        let mut statement = connection.prepare_cached(&sql)?;
        let rows = statement
            .query_map(params_from_iter(values), |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, f64>(5)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(kind, id, language, title, snippet, score)| {
                Ok(SearchHit {
                    kind: DocumentKind::parse(&kind)?,
                    id,
                    language: language
                        .parse()
                        .map_err(|e: domain::ParseLanguageError| StoreError::Corrupt(e.to_string()))?,
                    title,
                    snippet: split_snippet(&snippet),
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
    fn snippets_split_into_plain_and_highlighted_parts() {
        let parts = split_snippet("Par \u{2}suņu\u{3} reģistrāciju\u{2}\u{3}…");
        assert_eq!(
            parts,
            [
                SnippetPart { text: "Par ".into(), highlighted: false },
                SnippetPart { text: "suņu".into(), highlighted: true },
                SnippetPart { text: " reģistrāciju".into(), highlighted: false },
                SnippetPart { text: "…".into(), highlighted: false },
            ]
        );
    }
}
