//! The offline catalogue: records from the server's change feed applied a page at a time, each
//! page in one transaction together with the cursor, and indexed for search in the same
//! transaction, so a crash never skips, repeats or half-applies a page.

use chrono::{DateTime, Utc};
use domain::{
    Language,
    catalogue::{Article, ArticleStatus, EventKind, PublicOrganisation, PublicService, ServiceStatus, Text},
};
use rusqlite::{OptionalExtension, params};

use crate::search::{DocumentKind, Facet, SearchDocument, index_in, remove_in};
use crate::store::{Store, StoreError};

/// One record from the server's feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingRecord {
    pub kind: DocumentKind,
    pub id: String,
    pub version: u64,
    pub retired: bool,
    /// JSON of the domain type.
    pub document: String,
}

/// Where the offline catalogue stands against the server's feed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CatalogueProgress {
    pub cursor: i64,
    pub head: i64,
    pub records_applied: u64,
    pub bytes_received: u64,
    pub caught_up_at: Option<DateTime<Utc>>,
}

impl CatalogueProgress {
    pub fn is_caught_up(&self) -> bool {
        self.cursor >= self.head && self.caught_up_at.is_some()
    }
}

/// A life or business event, with services, for browsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventEntry {
    pub id: String,
    pub kind: EventKind,
    pub name: Text,
}

impl Store {
    /// Applies one page of the feed and moves the cursor to `cursor`, all or nothing. Records
    /// that cannot be read are an error (nothing of the page is applied), never skipped.
    pub fn apply_catalogue_page(
        &self,
        records: &[IncomingRecord],
        cursor: i64,
        head: i64,
        bytes: u64,
        now: DateTime<Utc>,
    ) -> Result<CatalogueProgress, StoreError> {
        // Reading the JSON and building search documents needs no database: it runs before the
        // database is locked, so the screens can still search while a page is being prepared.
        let parsed = records.iter().map(parse_record).collect::<Result<Vec<_>, _>>()?;
        apply_page(&mut self.connection(), records, parsed, cursor, head, bytes, now)
    }

    /// Before a large first sync: the search indexes stop merging their segments after every
    /// page (FTS5 `automerge` 0); [`Store::finish_bulk_load`] merges once at the end.
    pub fn begin_bulk_load(&self) -> Result<(), StoreError> {
        self.connection().execute_batch(
            "INSERT INTO search_index (search_index, rank) VALUES ('automerge', 0);
             INSERT INTO search_titles (search_titles, rank) VALUES ('automerge', 0);",
        )?;
        Ok(())
    }

    /// Merges the search indexes into one segment each and restores FTS5's default merging.
    /// Safe to call at any time (after an interrupted bulk load, too).
    pub fn finish_bulk_load(&self) -> Result<(), StoreError> {
        self.connection().execute_batch(
            "INSERT INTO search_index (search_index) VALUES ('optimize');
             INSERT INTO search_titles (search_titles) VALUES ('optimize');
             INSERT INTO search_index (search_index, rank) VALUES ('automerge', 4);
             INSERT INTO search_titles (search_titles, rank) VALUES ('automerge', 4);",
        )?;
        Ok(())
    }

    /// Counts bytes received for the catalogue outside the feed (a snapshot download).
    pub fn note_catalogue_bytes(&self, bytes: u64) -> Result<CatalogueProgress, StoreError> {
        let connection = self.connection();
        connection.execute(
            "UPDATE catalogue_sync SET bytes_received = bytes_received + ?1",
            params![i64::try_from(bytes).unwrap_or(i64::MAX)],
        )?;
        read_progress(&connection)
    }

    pub fn catalogue_progress(&self) -> Result<CatalogueProgress, StoreError> {
        read_progress(&self.connection())
    }

    /// A record's JSON, if the device has it.
    pub fn catalogue_document(&self, kind: DocumentKind, id: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .connection()
            .prepare_cached("SELECT document FROM catalogue_records WHERE kind = ?1 AND id = ?2")?
            .query_row(params![kind.as_str(), id], |r| r.get(0))
            .optional()?)
    }

    pub fn service(&self, id: &str) -> Result<Option<PublicService>, StoreError> {
        self.parsed(DocumentKind::Service, id)
    }

    pub fn organisation(&self, id: &str) -> Result<Option<PublicOrganisation>, StoreError> {
        self.parsed(DocumentKind::Organisation, id)
    }

    pub fn article(&self, id: &str) -> Result<Option<Article>, StoreError> {
        self.parsed(DocumentKind::Article, id)
    }

    /// A form's record as the server sent it (JSON of `forms::FormRecord`: the device layer reads it).
    pub fn form_document(&self, id: &str) -> Result<Option<String>, StoreError> {
        self.catalogue_document(DocumentKind::Form, id)
    }

    /// The scenario of a life or business event, if one is published (the first by id).
    pub fn scenario_of_event(&self, event_id: &str) -> Result<Option<domain::navigator::Scenario>, StoreError> {
        let id: Option<String> = self
            .connection()
            .prepare_cached(
                "SELECT scenario_id FROM catalogue_scenarios WHERE event_id = ?1 ORDER BY scenario_id LIMIT 1",
            )?
            .query_row(params![event_id], |r| r.get(0))
            .optional()?;
        match id {
            Some(id) => self.parsed(DocumentKind::Scenario, &id),
            None => Ok(None),
        }
    }

    /// Every scenario published, in id order.
    pub fn scenarios(&self) -> Result<Vec<domain::navigator::Scenario>, StoreError> {
        let ids: Vec<String> = self
            .connection()
            .prepare_cached("SELECT scenario_id FROM catalogue_scenarios ORDER BY scenario_id")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut scenarios = Vec::new();
        for id in ids {
            scenarios.extend(self.parsed(DocumentKind::Scenario, &id)?);
        }
        Ok(scenarios)
    }

    /// The ids of the forms a service has, in id order.
    pub fn forms_of_service(&self, service_id: &str) -> Result<Vec<String>, StoreError> {
        Ok(self
            .connection()
            .prepare_cached("SELECT form_id FROM catalogue_forms WHERE service_id = ?1 ORDER BY form_id")?
            .query_map(params![service_id], |r| r.get(0))?
            .collect::<Result<_, _>>()?)
    }

    /// Every form the device holds, by id.
    pub fn form_ids(&self) -> Result<Vec<String>, StoreError> {
        Ok(self
            .connection()
            .prepare_cached("SELECT form_id FROM catalogue_forms ORDER BY form_id")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?)
    }

    fn parsed<T: serde::de::DeserializeOwned>(&self, kind: DocumentKind, id: &str) -> Result<Option<T>, StoreError> {
        self.catalogue_document(kind, id)?
            .map(|json| {
                serde_json::from_str(&json)
                    .map_err(|e| StoreError::Corrupt(format!("the stored {} {id} cannot be read: {e}", kind.as_str())))
            })
            .transpose()
    }

    /// Articles that advise on a service, by title.
    pub fn articles_for_service(&self, service_id: &str) -> Result<Vec<Article>, StoreError> {
        let ids: Vec<String> = self
            .connection()
            .prepare_cached("SELECT article_id FROM catalogue_article_links WHERE service_id = ?1")?
            .query_map(params![service_id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut articles: Vec<Article> =
            ids.iter().filter_map(|id| self.article(id).transpose()).collect::<Result<_, _>>()?;
        articles.sort_by(|a, b| a.title.cmp(&b.title));
        Ok(articles)
    }

    /// Every organisation, for browsing by institution.
    pub fn organisations(&self) -> Result<Vec<PublicOrganisation>, StoreError> {
        let documents: Vec<String> = self
            .connection()
            .prepare_cached("SELECT document FROM catalogue_records WHERE kind = 'organisation'")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        documents
            .iter()
            .map(|json| serde_json::from_str(json).map_err(|e| StoreError::Corrupt(e.to_string())))
            .collect()
    }

    /// Every life and business event services name.
    pub fn events(&self) -> Result<Vec<EventEntry>, StoreError> {
        let rows: Vec<(String, String, String)> = self
            .connection()
            .prepare_cached("SELECT id, kind, name FROM catalogue_events ORDER BY id")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        rows.into_iter()
            .map(|(id, kind, name)| {
                Ok(EventEntry {
                    id,
                    kind: if kind == "business" { EventKind::Business } else { EventKind::Life },
                    name: serde_json::from_str(&name).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                })
            })
            .collect()
    }

    /// Services with a facet value (an event, an institution), in one language's documents.
    pub fn services_with(&self, facet: Facet, value: &str) -> Result<Vec<PublicService>, StoreError> {
        let ids: Vec<String> = self
            .connection()
            .prepare_cached(
                "SELECT DISTINCT d.ref_id FROM search_filters f JOIN search_documents d ON d.rowid = f.doc
                 WHERE f.key = ?1 AND f.value = ?2 AND d.kind = 'service'",
            )?
            .query_map(params![facet.as_str(), value], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        ids.iter().filter_map(|id| self.service(id).transpose()).collect()
    }
}

/// What a record contributes besides its JSON: search documents, events, article links.
struct ParsedRecord {
    documents: Vec<SearchDocument>,
    /// (id, kind, name as JSON) of the events a service names.
    events: Vec<(String, &'static str, String)>,
    linked_services: Vec<String>,
    /// The service a form belongs to.
    form_of: Option<String>,
    /// The event a scenario guides through.
    scenario_of: Option<String>,
}

/// What the store reads of a form record (the rest is the device layer's to read).
#[derive(serde::Deserialize)]
struct FormOf {
    service: String,
}

fn parse_record(record: &IncomingRecord) -> Result<Option<ParsedRecord>, StoreError> {
    if record.retired {
        return Ok(None);
    }
    let unreadable = |e: serde_json::Error| {
        StoreError::Corrupt(format!("the server sent an unreadable {} {}: {e}", record.kind.as_str(), record.id))
    };
    let parsed = match record.kind {
        DocumentKind::Service => {
            let service: PublicService = serde_json::from_str(&record.document).map_err(unreadable)?;
            let events = service
                .events
                .iter()
                .map(|event| {
                    let kind = match event.kind {
                        EventKind::Life => "life",
                        EventKind::Business => "business",
                    };
                    (event.id.clone(), kind, serde_json::to_string(&event.name).unwrap_or_default())
                })
                .collect();
            ParsedRecord {
                documents: service_documents(&service),
                events,
                linked_services: Vec::new(),
                form_of: None,
                scenario_of: None,
            }
        }
        DocumentKind::Organisation => {
            let organisation: PublicOrganisation = serde_json::from_str(&record.document).map_err(unreadable)?;
            ParsedRecord {
                documents: organisation_documents(&organisation),
                events: Vec::new(),
                linked_services: Vec::new(),
                form_of: None,
                scenario_of: None,
            }
        }
        DocumentKind::Article => {
            let article: Article = serde_json::from_str(&record.document).map_err(unreadable)?;
            ParsedRecord {
                documents: article_document(&article).into_iter().collect(),
                events: Vec::new(),
                linked_services: article.linked_services,
                form_of: None,
                scenario_of: None,
            }
        }
        DocumentKind::Form => {
            let form: FormOf = serde_json::from_str(&record.document).map_err(unreadable)?;
            ParsedRecord {
                documents: Vec::new(),
                events: Vec::new(),
                linked_services: Vec::new(),
                form_of: Some(form.service),
                scenario_of: None,
            }
        }
        DocumentKind::Scenario => {
            let scenario: domain::navigator::Scenario = serde_json::from_str(&record.document).map_err(unreadable)?;
            ParsedRecord {
                documents: Vec::new(),
                events: Vec::new(),
                linked_services: Vec::new(),
                form_of: None,
                scenario_of: Some(scenario.event),
            }
        }
    };
    Ok(Some(parsed))
}

/// Applies one page and moves the cursor, all or nothing, on a connection where the catalogue
/// tables are reachable unqualified (a device's store, or a snapshot being built).
fn apply_page(
    connection: &mut rusqlite::Connection,
    records: &[IncomingRecord],
    parsed: Vec<Option<ParsedRecord>>,
    cursor: i64,
    head: i64,
    bytes: u64,
    now: DateTime<Utc>,
) -> Result<CatalogueProgress, StoreError> {
    let tx = connection.transaction()?;
    let mut documents = Vec::new();
    for (record, parsed) in records.iter().zip(parsed) {
        remove_in(&tx, record.kind, &record.id, None)?;
        if record.kind == DocumentKind::Article {
            tx.prepare_cached("DELETE FROM catalogue_article_links WHERE article_id = ?1")?
                .execute(params![record.id])?;
        }
        if record.kind == DocumentKind::Form {
            tx.prepare_cached("DELETE FROM catalogue_forms WHERE form_id = ?1")?.execute(params![record.id])?;
        }
        if record.kind == DocumentKind::Scenario {
            tx.prepare_cached("DELETE FROM catalogue_scenarios WHERE scenario_id = ?1")?.execute(params![record.id])?;
        }
        if record.retired {
            tx.prepare_cached("DELETE FROM catalogue_records WHERE kind = ?1 AND id = ?2")?
                .execute(params![record.kind.as_str(), record.id])?;
            continue;
        }
        tx.prepare_cached(
            "INSERT INTO catalogue_records (kind, id, version, document) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (kind, id) DO UPDATE SET version = excluded.version, document = excluded.document",
        )?
        .execute(params![record.kind.as_str(), record.id, record.version as i64, record.document])?;
        let Some(parsed) = parsed else { continue };
        for (id, kind, name) in &parsed.events {
            tx.prepare_cached(
                "INSERT INTO catalogue_events (id, kind, name) VALUES (?1, ?2, ?3)
                     ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, name = excluded.name",
            )?
            .execute(params![id, kind, name])?;
        }
        if let Some(service) = &parsed.form_of {
            tx.prepare_cached("INSERT INTO catalogue_forms (form_id, service_id) VALUES (?1, ?2)")?
                .execute(params![record.id, service])?;
        }
        if let Some(event) = &parsed.scenario_of {
            tx.prepare_cached("INSERT INTO catalogue_scenarios (scenario_id, event_id) VALUES (?1, ?2)")?
                .execute(params![record.id, event])?;
        }
        for service in &parsed.linked_services {
            tx.prepare_cached(
                "INSERT OR IGNORE INTO catalogue_article_links (article_id, service_id) VALUES (?1, ?2)",
            )?
            .execute(params![record.id, service])?;
        }
        documents.extend(parsed.documents);
    }
    // Every record of the page was removed from the index above.
    index_in(&tx, &documents, false)?;
    let caught_up = (cursor >= head).then_some(now);
    tx.prepare_cached(
        "UPDATE catalogue_sync SET cursor = ?1, head = ?2, records_applied = records_applied + ?3,
                 bytes_received = bytes_received + ?4, caught_up_at = COALESCE(?5, caught_up_at)",
    )?
    .execute(params![cursor, head, records.len() as i64, bytes as i64, caught_up])?;
    let progress = read_progress(&tx)?;
    tx.commit()?;
    Ok(progress)
}

pub(crate) fn read_progress(connection: &rusqlite::Connection) -> Result<CatalogueProgress, StoreError> {
    Ok(connection.query_row(
        "SELECT cursor, head, records_applied, bytes_received, caught_up_at FROM catalogue_sync",
        [],
        |r| {
            Ok(CatalogueProgress {
                cursor: r.get(0)?,
                head: r.get(1)?,
                records_applied: r.get::<_, i64>(2)? as u64,
                bytes_received: r.get::<_, i64>(3)? as u64,
                caught_up_at: r.get(4)?,
            })
        },
    )?)
}

fn languages() -> [Language; 2] {
    [Language::Lv, Language::En]
}

/// A service's search documents: one per language it has a name in.
pub fn service_documents(service: &PublicService) -> Vec<SearchDocument> {
    if service.status == ServiceStatus::Withdrawn {
        return Vec::new();
    }
    let mut facets: Vec<(Facet, String)> = Vec::new();
    facets.extend(service.competent_authorities.iter().map(|a| (Facet::Institution, a.clone())));
    for channel in &service.channels {
        let kind = serde_json::to_value(&channel.kind).ok().and_then(|v| v.as_str().map(str::to_owned));
        facets.push((Facet::Channel, kind.unwrap_or_else(|| "other".into())));
    }
    facets.extend(service.spatial.iter().map(|s| (Facet::Municipality, s.clone())));
    facets.extend(service.events.iter().map(|e| (Facet::LifeEvent, e.id.clone())));
    if service.has_e_service() {
        facets.push((Facet::HasEService, "true".into()));
    }
    languages()
        .into_iter()
        .filter(|language| service.name.get(language.code()).is_some())
        .map(|language| {
            let code = language.code();
            let mut body = Vec::new();
            body.extend(service.description.get(code));
            body.extend(service.steps.iter().filter_map(|s| s.get(code)));
            body.extend(service.requirements.iter().filter_map(|r| r.name.get(code)));
            body.extend(service.outputs.iter().filter_map(|o| o.name.get(code)));
            body.extend(service.events.iter().filter_map(|e| e.name.get(code)));
            let keywords = service.keywords.get(code).map(|k| k.join(" ")).unwrap_or_default();
            SearchDocument {
                kind: DocumentKind::Service,
                id: service.id.clone(),
                language,
                title: service.name.get(code).unwrap_or_default().to_owned(),
                body: body.join("\n"),
                keywords,
                facets: facets.clone(),
            }
        })
        .collect()
}

fn organisation_documents(organisation: &PublicOrganisation) -> Vec<SearchDocument> {
    let facets: Vec<(Facet, String)> =
        organisation.municipality.iter().map(|m| (Facet::Municipality, m.clone())).collect();
    languages()
        .into_iter()
        .filter(|language| organisation.name.get(language.code()).is_some())
        .map(|language| SearchDocument {
            kind: DocumentKind::Organisation,
            id: organisation.id.clone(),
            language,
            title: organisation.name.get(language.code()).unwrap_or_default().to_owned(),
            body: organisation
                .contact_points
                .iter()
                .flat_map(|c| c.email.iter().chain(&c.telephone).cloned())
                .collect::<Vec<_>>()
                .join(" "),
            keywords: String::new(),
            facets: facets.clone(),
        })
        .collect()
}

fn article_document(article: &Article) -> Option<SearchDocument> {
    (article.status == ArticleStatus::Published).then(|| SearchDocument {
        kind: DocumentKind::Article,
        id: article.id.clone(),
        language: article.language,
        title: article.title.clone(),
        // Indexed as text: snippets quote it, and Markdown's marks are not words.
        body: domain::markdown::to_plain_text(&article.body),
        keywords: article.tags.join(" "),
        facets: vec![(Facet::Institution, article.owner.clone())],
    })
}

/// A catalogue file built on its own: the snapshot a server offers for first syncs. Same
/// schema and same page code as on a device, unencrypted (public information), written without
/// a journal: build it under a temporary name and rename it when [`SnapshotBuilder::finish`]
/// returns.
pub struct SnapshotBuilder {
    connection: rusqlite::Connection,
}

impl SnapshotBuilder {
    pub fn create(path: &std::path::Path) -> Result<Self, StoreError> {
        let _ = std::fs::remove_file(path);
        let mut connection = rusqlite::Connection::open(path)
            .map_err(|e| StoreError::Open { path: path.to_owned(), reason: e.to_string() })?;
        let _mode: String = connection.query_row("PRAGMA journal_mode = OFF", [], |r| r.get(0))?;
        connection.execute_batch("PRAGMA synchronous = OFF; PRAGMA cache_size = -64000;")?;
        crate::store::migrate_catalogue(&mut connection, "main")?;
        // One merge at the end instead of after every page.
        connection.execute_batch(
            "INSERT INTO search_index (search_index, rank) VALUES ('automerge', 0);
             INSERT INTO search_titles (search_titles, rank) VALUES ('automerge', 0);",
        )?;
        Ok(Self { connection })
    }

    pub fn apply_page(
        &mut self,
        records: &[IncomingRecord],
        cursor: i64,
        head: i64,
        now: DateTime<Utc>,
    ) -> Result<CatalogueProgress, StoreError> {
        let parsed = records.iter().map(parse_record).collect::<Result<Vec<_>, _>>()?;
        apply_page(&mut self.connection, records, parsed, cursor, head, 0, now)
    }

    /// Merges the indexes, restores normal merging and a rollback journal, and closes the file.
    pub fn finish(self) -> Result<CatalogueProgress, StoreError> {
        self.connection.execute_batch(
            "INSERT INTO search_index (search_index) VALUES ('optimize');
             INSERT INTO search_titles (search_titles) VALUES ('optimize');
             INSERT INTO search_index (search_index, rank) VALUES ('automerge', 4);
             INSERT INTO search_titles (search_titles, rank) VALUES ('automerge', 4);",
        )?;
        let _mode: String = self.connection.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))?;
        let progress = read_progress(&self.connection)?;
        self.connection.close().map_err(|(_, e)| StoreError::Sqlite(e))?;
        Ok(progress)
    }
}
