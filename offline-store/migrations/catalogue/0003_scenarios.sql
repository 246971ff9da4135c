-- Life-situation scenarios (the navigator) arrive in the catalogue feed as records of their own
-- kind ('scenario'). They are not searched; `catalogue_scenarios` finds an event's scenario.
-- SQLite cannot change a CHECK in place: the table is rebuilt with its rows.
CREATE TABLE {db}.catalogue_records_with_scenarios (
    kind     TEXT NOT NULL CHECK (kind IN ('service', 'organisation', 'article', 'form', 'scenario')),
    id       TEXT NOT NULL,
    version  INTEGER NOT NULL,
    document TEXT NOT NULL,
    UNIQUE (kind, id)
);
INSERT INTO {db}.catalogue_records_with_scenarios (rowid, kind, id, version, document)
    SELECT rowid, kind, id, version, document FROM {db}.catalogue_records;
DROP TABLE {db}.catalogue_records;
ALTER TABLE {db}.catalogue_records_with_scenarios RENAME TO catalogue_records;

CREATE TABLE {db}.catalogue_scenarios (
    scenario_id TEXT PRIMARY KEY NOT NULL,
    event_id    TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX {db}.catalogue_scenarios_by_event ON catalogue_scenarios (event_id);
