-- The offline catalogue, in a file of its own: public information only (services,
-- organisations, articles and their search index), so it is not encrypted, and a device's
-- first sync can take it whole as a snapshot the server built. `{db}` is the schema name the
-- file is opened under ("catalogue" beside a device's store, "main" when built alone).

-- Records as the server sent them (JSON of the domain types). A rowid table: documents are
-- kilobytes, too large for WITHOUT ROWID's in-index rows.
CREATE TABLE {db}.catalogue_records (
    kind     TEXT NOT NULL CHECK (kind IN ('service', 'organisation', 'article')),
    id       TEXT NOT NULL,
    version  INTEGER NOT NULL,
    document TEXT NOT NULL,
    UNIQUE (kind, id)
);

-- Which services each article advises on.
CREATE TABLE {db}.catalogue_article_links (
    article_id TEXT NOT NULL,
    service_id TEXT NOT NULL,
    PRIMARY KEY (article_id, service_id)
) WITHOUT ROWID;
CREATE INDEX {db}.catalogue_article_links_by_service ON catalogue_article_links (service_id);

-- Life and business events named by services, with their names, for browsing.
CREATE TABLE {db}.catalogue_events (
    id   TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL
) WITHOUT ROWID;

-- The sync cursor, written in the same transaction as the records it covers.
CREATE TABLE {db}.catalogue_sync (
    only_row        INTEGER PRIMARY KEY CHECK (only_row = 1),
    -- The last feed position applied.
    cursor          INTEGER NOT NULL,
    -- The newest position the server reported: up to date when cursor = head.
    head            INTEGER NOT NULL,
    records_applied INTEGER NOT NULL,
    bytes_received  INTEGER NOT NULL,
    -- When the device last caught up with the head.
    caught_up_at    TEXT
);
INSERT INTO {db}.catalogue_sync (only_row, cursor, head, records_applied, bytes_received) VALUES (1, 0, 0, 0, 0);

-- Search: one document per (kind, id, language); its rowid is the document's rowid in both
-- FTS5 indexes.
CREATE TABLE {db}.search_documents (
    rowid    INTEGER PRIMARY KEY,
    kind     TEXT NOT NULL,
    ref_id   TEXT NOT NULL,
    language TEXT NOT NULL,
    UNIQUE (kind, ref_id, language)
);

-- Diacritics folded (suņu = sunu), Unicode word splitting; no token positions (queries are
-- words and prefixes, never phrases; snippets are built outside SQLite).
CREATE VIRTUAL TABLE {db}.search_index USING fts5(
    title, body, keywords,
    tokenize = 'unicode61 remove_diacritics 2',
    detail = column
);

-- Titles and keywords alone, searched first, with prefix indexes for typing.
CREATE VIRTUAL TABLE {db}.search_titles USING fts5(
    title, keywords,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3 4 5',
    detail = column
);

-- Every folded word ever indexed, for prefix checks and one-typo corrections.
CREATE TABLE {db}.search_terms (
    term TEXT PRIMARY KEY NOT NULL
) WITHOUT ROWID;

-- Facets to filter on: institution, channel, municipality, life event, has e-service.
CREATE TABLE {db}.search_filters (
    doc   INTEGER NOT NULL REFERENCES search_documents (rowid) ON DELETE CASCADE,
    key   TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (key, value, doc)
) WITHOUT ROWID;
CREATE INDEX {db}.search_filters_doc ON search_filters (doc);
