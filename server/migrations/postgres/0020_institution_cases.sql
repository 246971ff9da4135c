-- Cases an institution registers for its own channels (issue 21: in person at the institution,
-- phone, post, e-mail, e-service …) through its API key. Numbered like a centre's cases, with the
-- institution's case code in place of the centre's and the channel in place of the desk
-- (`VSAA-02-26-0042`); idempotent by the institution's own id. Counted in the open data.
ALTER TABLE institutions ADD COLUMN case_code TEXT;
CREATE UNIQUE INDEX institutions_case_code ON institutions (case_code);

CREATE TABLE institution_cases (
    id             UUID PRIMARY KEY,
    institution_id TEXT NOT NULL REFERENCES institutions (id),
    own_id         TEXT NOT NULL,
    number         TEXT NOT NULL UNIQUE,
    channel_number INTEGER NOT NULL,
    year           INTEGER NOT NULL,
    sequence       INTEGER NOT NULL,
    service_id     TEXT NOT NULL,
    kind           TEXT NOT NULL,
    channel        TEXT NOT NULL,
    served_at      TIMESTAMPTZ NOT NULL,
    registered_at  TIMESTAMPTZ NOT NULL,
    -- The request as read (JSON), to tell a repeat from another case under the same own id.
    request        TEXT NOT NULL,
    UNIQUE (institution_id, own_id),
    UNIQUE (institution_id, channel_number, year, sequence)
);
