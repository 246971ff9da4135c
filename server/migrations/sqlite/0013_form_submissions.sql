-- E-form submissions as institutions take them (GET /v1/forms/{form}/submissions): one row per
-- submission, its id the outbox entry's and the e-address message's, written once.
CREATE TABLE form_submissions (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    form_id     TEXT NOT NULL,
    holder      TEXT NOT NULL,
    case_number TEXT NOT NULL,
    application TEXT NOT NULL,
    received_at TEXT NOT NULL
);
CREATE INDEX form_submissions_by_form ON form_submissions (form_id, seq);
