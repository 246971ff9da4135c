-- The tamper-evident audit log: each entry carries the hash of the one before it; the head row
-- keeps the last sequence number and hash, so entries removed from the end show too. Appends
-- lock the head row, so entries are numbered and chained in commit order.
CREATE TABLE audit_log (
    seq       BIGINT PRIMARY KEY,
    at        TIMESTAMPTZ NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    subject   TEXT NOT NULL,
    detail    TEXT NOT NULL,
    prev_hash BYTEA NOT NULL,
    hash      BYTEA NOT NULL
);
CREATE INDEX audit_log_by_subject ON audit_log (subject, seq);

CREATE TABLE audit_head (
    only_row INTEGER PRIMARY KEY CHECK (only_row = 1),
    seq      BIGINT NOT NULL,
    hash     BYTEA NOT NULL
);
INSERT INTO audit_head (only_row, seq, hash) VALUES (1, 0, decode(repeat('00', 32), 'hex'));
