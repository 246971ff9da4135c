-- E-form submissions travel in the outbox as entries of their own kind ('form_submission': the
-- case they make or move on and the message to the institution, with its files in outbox_files).
-- SQLite cannot change a CHECK in place: the table is rebuilt, its rows kept as they are.
CREATE TABLE outbox_new (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    id            TEXT NOT NULL UNIQUE,
    kind          TEXT NOT NULL CHECK (kind IN ('case_registered', 'case_status', 'case_note', 'case_document',
                                                'message_send', 'form_submission')),
    payload       TEXT NOT NULL,
    offline       INTEGER NOT NULL CHECK (offline IN (0, 1)),
    created_at    TEXT NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    poisoned      TEXT,
    poisoned_code TEXT,
    done_at       TEXT,
    author        TEXT
);
INSERT INTO outbox_new (seq, id, kind, payload, offline, created_at, attempts, last_error, poisoned, poisoned_code,
                        done_at, author)
    SELECT seq, id, kind, payload, offline, created_at, attempts, last_error, poisoned, poisoned_code, done_at, author
    FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_pending ON outbox (seq) WHERE done_at IS NULL AND poisoned IS NULL;
