-- Life-situation scenarios (the navigator, domain::navigator::Scenario) join the catalogue as
-- records of their own kind, published and synced like services. SQLite cannot change a CHECK
-- in place: the table is rebuilt with the same rows.
CREATE TABLE catalogue_records_with_scenarios (
    kind       TEXT NOT NULL CHECK (kind IN ('service', 'organisation', 'article', 'form', 'scenario')),
    id         TEXT NOT NULL,
    owner      TEXT NOT NULL,
    version    INTEGER NOT NULL CHECK (version > 0),
    retired    INTEGER NOT NULL CHECK (retired IN (0, 1)),
    document   TEXT NOT NULL,
    change_seq INTEGER NOT NULL UNIQUE,
    changed_at TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);
INSERT INTO catalogue_records_with_scenarios (kind, id, owner, version, retired, document, change_seq, changed_at)
    SELECT kind, id, owner, version, retired, document, change_seq, changed_at FROM catalogue_records;
DROP TABLE catalogue_records;
ALTER TABLE catalogue_records_with_scenarios RENAME TO catalogue_records;
