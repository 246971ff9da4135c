-- E-forms arrive in the catalogue feed as records of their own kind ('form': every published
-- version of one form). They are kept for filling in, not searched; `catalogue_forms` finds a
-- service's forms. SQLite cannot change a CHECK in place: the table is rebuilt with its rows.
CREATE TABLE {db}.catalogue_records_with_forms (
    kind     TEXT NOT NULL CHECK (kind IN ('service', 'organisation', 'article', 'form')),
    id       TEXT NOT NULL,
    version  INTEGER NOT NULL,
    document TEXT NOT NULL,
    UNIQUE (kind, id)
);
INSERT INTO {db}.catalogue_records_with_forms (rowid, kind, id, version, document)
    SELECT rowid, kind, id, version, document FROM {db}.catalogue_records;
DROP TABLE {db}.catalogue_records;
ALTER TABLE {db}.catalogue_records_with_forms RENAME TO catalogue_records;

CREATE TABLE {db}.catalogue_forms (
    form_id    TEXT PRIMARY KEY NOT NULL,
    service_id TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX {db}.catalogue_forms_by_service ON catalogue_forms (service_id);
