-- Offline full-text search over the catalogue and knowledge base.
-- One row per (kind, id, language); its rowid is the document's rowid in search_index.
CREATE TABLE search_documents (
    rowid    INTEGER PRIMARY KEY,
    kind     TEXT NOT NULL,
    ref_id   TEXT NOT NULL,
    language TEXT NOT NULL,
    UNIQUE (kind, ref_id, language)
);

-- Diacritics folded (suņu = sunu), Unicode word splitting; bm25 weights title, body, keywords.
-- Prefix indexes make as-you-type prefixes of 2 to 5 letters cheap to look up.
CREATE VIRTUAL TABLE search_index USING fts5(
    title, body, keywords,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3 4 5'
);

-- Every folded word ever indexed, for prefix checks and one-typo corrections. (fts5vocab would
-- count each word's documents on every look-up, which is slow for common words.) Words of
-- removed documents stay: a correction to a vanished word simply matches nothing.
CREATE TABLE search_terms (
    term TEXT PRIMARY KEY NOT NULL
) WITHOUT ROWID;

-- Facets to filter on: institution, channel, municipality, life event, has e-service.
CREATE TABLE search_filters (
    doc   INTEGER NOT NULL REFERENCES search_documents (rowid) ON DELETE CASCADE,
    key   TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (key, value, doc)
) WITHOUT ROWID;
CREATE INDEX search_filters_doc ON search_filters (doc);
