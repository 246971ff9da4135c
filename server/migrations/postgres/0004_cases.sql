-- Service cases (P_UZSK) as desks register them, and the outbox entries already applied: each
-- entry id once, written in the same transaction as its effect, so a retried push never
-- applies anything twice.
CREATE TABLE cases (
    id                   UUID PRIMARY KEY,
    number               TEXT NOT NULL UNIQUE,
    service_id           TEXT NOT NULL,
    kind                 TEXT NOT NULL,
    channel              TEXT NOT NULL,
    status               TEXT NOT NULL,
    centre_id            UUID NOT NULL REFERENCES centres (id),
    holder_institution   TEXT NOT NULL,
    provider_institution TEXT,
    -- JSON of domain::case::Case, history included.
    document             TEXT NOT NULL,
    -- Registered in a session logged in without the server.
    offline              BOOLEAN NOT NULL,
    served_at            TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL
);
CREATE INDEX cases_by_centre ON cases (centre_id, served_at);

CREATE TABLE applied_entries (
    id         UUID PRIMARY KEY,
    device_id  UUID NOT NULL REFERENCES devices (id),
    applied_at TIMESTAMPTZ NOT NULL
);
