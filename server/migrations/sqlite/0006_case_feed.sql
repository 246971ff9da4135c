-- Institutions change cases too, so desks and institutions need to hear of changes: every case
-- write takes the next position of one case feed (a counter row updated in the writing
-- transaction, so positions are handed out in commit order), as the catalogue's feed does.
-- The customer's code gets a column of its own so a citizen can find their cases at a kiosk.
ALTER TABLE cases ADD COLUMN change_seq INTEGER;
ALTER TABLE cases ADD COLUMN customer_code TEXT NOT NULL DEFAULT '';

CREATE TABLE case_sequence (
    only_row INTEGER PRIMARY KEY CHECK (only_row = 1),
    last     INTEGER NOT NULL
);
UPDATE cases SET change_seq = rowid,
    customer_code = coalesce(json_extract(document, '$.customer.personal_code'),
                             json_extract(document, '$.customer.registration_number'), '');
INSERT INTO case_sequence (only_row, last) SELECT 1, coalesce(max(change_seq), 0) FROM cases;

CREATE UNIQUE INDEX cases_by_change ON cases (change_seq);
CREATE INDEX cases_by_centre_change ON cases (centre_id, change_seq);
CREATE INDEX cases_by_holder_change ON cases (holder_institution, change_seq);
CREATE INDEX cases_by_provider_change ON cases (provider_institution, change_seq) WHERE provider_institution IS NOT NULL;
CREATE INDEX cases_by_customer ON cases (customer_code, served_at);
