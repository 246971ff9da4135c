-- Service cases registered on this device, and the outbox that carries them to the server.
-- A case and its outbox entry are written in one transaction, so a case is never made without
-- being sent, nor sent without being made.

CREATE TABLE cases (
    id          TEXT PRIMARY KEY NOT NULL,
    number      TEXT NOT NULL UNIQUE,
    -- JSON of domain::case::Case, history included.
    document    TEXT NOT NULL,
    served_at   TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX cases_by_served_at ON cases (served_at);

-- The last case number this desk gave out, per year (numbers are unique without the server).
CREATE TABLE case_numbers (
    year INTEGER PRIMARY KEY NOT NULL,
    last INTEGER NOT NULL
);

-- What the server must still be told, oldest first. `id` is the idempotency key the server
-- applies exactly once. An entry the server refuses as invalid is set aside (`poisoned`) with
-- its reason; it blocks nothing.
CREATE TABLE outbox (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL CHECK (kind IN ('case_registered', 'case_status')),
    payload    TEXT NOT NULL,
    -- Made while logged in without the server: the server records it so.
    offline    INTEGER NOT NULL CHECK (offline IN (0, 1)),
    created_at TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    poisoned   TEXT,
    done_at    TEXT
);
CREATE INDEX outbox_pending ON outbox (seq) WHERE done_at IS NULL AND poisoned IS NULL;
