-- E-forms being filled with a customer: kept at every change (in this encrypted file only, never
-- sent before submission), resumed after a restart, removed 30 days after the last change.
CREATE TABLE form_drafts (
    id            TEXT PRIMARY KEY NOT NULL,
    form_id       TEXT NOT NULL,
    form_version  INTEGER NOT NULL,
    -- Whose application it is.
    customer_code TEXT NOT NULL,
    customer_name TEXT NOT NULL,
    -- The case it was started from, if any.
    case_id       TEXT,
    -- The answers so far (JSON object) and the step the clerk was on.
    data          TEXT NOT NULL,
    step          INTEGER NOT NULL CHECK (step >= 0),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX form_drafts_by_customer ON form_drafts (customer_code, updated_at);
CREATE INDEX form_drafts_by_age ON form_drafts (updated_at);
