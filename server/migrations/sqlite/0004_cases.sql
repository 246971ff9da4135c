-- Service cases (P_UZSK) as desks register them, and the outbox entries already applied: each
-- entry id once, written in the same transaction as its effect, so a retried push never
-- applies anything twice.
CREATE TABLE cases (
    id                   TEXT PRIMARY KEY NOT NULL,
    number               TEXT NOT NULL UNIQUE,
    service_id           TEXT NOT NULL,
    kind                 TEXT NOT NULL,
    channel              TEXT NOT NULL,
    status               TEXT NOT NULL,
    centre_id            TEXT NOT NULL REFERENCES centres (id),
    holder_institution   TEXT NOT NULL,
    provider_institution TEXT,
    -- JSON of domain::case::Case, history included.
    document             TEXT NOT NULL,
    -- Registered in a session logged in without the server.
    offline              INTEGER NOT NULL CHECK (offline IN (0, 1)),
    served_at            TEXT NOT NULL,
    updated_at           TEXT NOT NULL
);
CREATE INDEX cases_by_centre ON cases (centre_id, served_at);

CREATE TABLE applied_entries (
    id         TEXT PRIMARY KEY NOT NULL,
    device_id  TEXT NOT NULL REFERENCES devices (id),
    applied_at TEXT NOT NULL
);
