-- Institutions that publish to the catalogue (by their organisation IRI) and their API keys.
CREATE TABLE institutions (
    id                TEXT PRIMARY KEY NOT NULL,
    name              TEXT NOT NULL,
    -- Central editors may change any institution's records.
    is_central_editor INTEGER NOT NULL DEFAULT 0 CHECK (is_central_editor IN (0, 1)),
    created_at        TEXT NOT NULL
);

CREATE TABLE institution_keys (
    id             TEXT PRIMARY KEY NOT NULL,
    institution_id TEXT NOT NULL REFERENCES institutions (id),
    -- SHA-256 of the key's secret; the secret itself is never stored.
    secret_hash    BLOB NOT NULL,
    created_at     TEXT NOT NULL,
    revoked_at     TEXT
);

-- The catalogue: each service, organisation and article at its latest version, as JSON of the
-- domain type. A retirement keeps the row as a tombstone. `change_seq` is the record's place in
-- the change feed; every change moves the row to the end of the feed.
CREATE TABLE catalogue_records (
    kind       TEXT NOT NULL CHECK (kind IN ('service', 'organisation', 'article')),
    id         TEXT NOT NULL,
    owner      TEXT NOT NULL,
    version    INTEGER NOT NULL CHECK (version > 0),
    retired    INTEGER NOT NULL CHECK (retired IN (0, 1)),
    document   TEXT NOT NULL,
    change_seq INTEGER NOT NULL UNIQUE,
    changed_at TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);

-- One counter for the feed, so positions are handed out in commit order.
CREATE TABLE catalogue_sequence (
    only_row INTEGER PRIMARY KEY CHECK (only_row = 1),
    last     INTEGER NOT NULL
);
INSERT INTO catalogue_sequence (only_row, last) VALUES (1, 0);

-- Which services each article advises on, to find the articles to re-verify.
CREATE TABLE article_services (
    article_id TEXT NOT NULL,
    service_id TEXT NOT NULL,
    PRIMARY KEY (article_id, service_id)
);
CREATE INDEX article_services_by_service ON article_services (service_id);

-- Clerks' flags on articles, for the owner institution.
CREATE TABLE article_flags (
    id          TEXT PRIMARY KEY NOT NULL,
    article_id  TEXT NOT NULL,
    owner       TEXT NOT NULL,
    reason      TEXT NOT NULL CHECK (reason IN ('outdated', 'missing_information', 'other')),
    note        TEXT NOT NULL,
    device_id   TEXT NOT NULL REFERENCES devices (id),
    centre_name TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX article_flags_by_owner ON article_flags (owner, created_at);
