-- The offline catalogue: services, organisations and articles as the server sent them (JSON of
-- the domain types), the links and labels the screens need, and the sync cursor. The cursor is
-- written in the same transaction as the records it covers, so a crash never skips or repeats.
-- A rowid table (documents are kilobytes: too large for WITHOUT ROWID's in-index rows).
CREATE TABLE catalogue_records (
    kind     TEXT NOT NULL CHECK (kind IN ('service', 'organisation', 'article')),
    id       TEXT NOT NULL,
    version  INTEGER NOT NULL,
    document TEXT NOT NULL,
    UNIQUE (kind, id)
);

-- Which services each article advises on.
CREATE TABLE catalogue_article_links (
    article_id TEXT NOT NULL,
    service_id TEXT NOT NULL,
    PRIMARY KEY (article_id, service_id)
) WITHOUT ROWID;
CREATE INDEX catalogue_article_links_by_service ON catalogue_article_links (service_id);

-- Life and business events named by services, with their names, for browsing.
CREATE TABLE catalogue_events (
    id   TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE catalogue_sync (
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
INSERT INTO catalogue_sync (only_row, cursor, head, records_applied, bytes_received) VALUES (1, 0, 0, 0, 0);

-- The search index again, smaller: positions are not kept per token (detail=column), since
-- queries are words and prefixes, never phrases, and snippets are built outside SQLite. Until
-- this version no catalogue was ever synced, so the index was empty and nothing is lost.
DROP TABLE search_index;
CREATE VIRTUAL TABLE search_index USING fts5(
    title, body, keywords,
    tokenize = 'unicode61 remove_diacritics 2',
    detail = column
);

-- Titles and keywords alone, searched first: their word lists are short, so a search as you
-- type answers without reading every body's entries. Same rowids as search_index.
CREATE VIRTUAL TABLE search_titles USING fts5(
    title, keywords,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3 4 5',
    detail = column
);
