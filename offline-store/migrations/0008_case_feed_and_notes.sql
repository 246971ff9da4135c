-- Cases also change on the server (institutions move them on), desks write notes, attach scanned
-- documents and send e-address messages. The outbox gains the 'case_note', 'case_document' and
-- 'message_send' kinds and the code of the server's reason for a refused entry
-- (SQLite cannot change a CHECK in place: the table is rebuilt, its rows kept as they are).
CREATE TABLE outbox_new (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    id            TEXT NOT NULL UNIQUE,
    kind          TEXT NOT NULL CHECK (kind IN ('case_registered', 'case_status', 'case_note', 'case_document', 'message_send')),
    payload       TEXT NOT NULL,
    offline       INTEGER NOT NULL CHECK (offline IN (0, 1)),
    created_at    TEXT NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    poisoned      TEXT,
    poisoned_code TEXT,
    done_at       TEXT
);
INSERT INTO outbox_new (seq, id, kind, payload, offline, created_at, attempts, last_error, poisoned, done_at)
    SELECT seq, id, kind, payload, offline, created_at, attempts, last_error, poisoned, done_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_pending ON outbox (seq) WHERE done_at IS NULL AND poisoned IS NULL;

-- What changed on the server since the clerk last opened the case (JSON: the status the desk
-- had before, and when); NULL once seen.
ALTER TABLE cases ADD COLUMN news TEXT;
CREATE INDEX cases_with_news ON cases (updated_at) WHERE news IS NOT NULL;

-- How far this desk has followed the server's case feed.
CREATE TABLE case_feed (
    only_row INTEGER PRIMARY KEY CHECK (only_row = 1),
    cursor   INTEGER NOT NULL
);
INSERT INTO case_feed (only_row, cursor) VALUES (1, 0);

-- The content of documents attached to cases (their descriptions are in the case document).
-- In this encrypted store: scans carry personal data.
CREATE TABLE case_files (
    id      TEXT PRIMARY KEY NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases (id),
    content BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX case_files_by_case ON case_files (case_id);

-- Attachments of e-address messages waiting in the outbox, by SHA-256, until the server has them.
CREATE TABLE outbox_files (
    sha256      TEXT PRIMARY KEY NOT NULL,
    content     BLOB NOT NULL,
    uploaded_at TEXT
) WITHOUT ROWID;

-- The e-address catalogue (institutions' addresses), for choosing recipients offline.
CREATE TABLE eaddress_directory (
    address TEXT PRIMARY KEY NOT NULL,
    name    TEXT NOT NULL
) WITHOUT ROWID;

-- How this desk's sent messages stand on the server (each recipient: delivered, deemed
-- notified, read), as last heard: shown offline too.
CREATE TABLE message_states (
    message_id TEXT PRIMARY KEY NOT NULL,
    -- JSON: [{recipient, state, notified_on, read_at}]
    deliveries TEXT NOT NULL,
    checked_at TEXT NOT NULL
) WITHOUT ROWID;
