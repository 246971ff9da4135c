-- Throttles (guessed enrollment codes per address, failed logins and login challenges per
-- device) counted in the database, so every server instance over it counts the same attempts:
-- behind a load balancer a guesser cannot multiply its tries by the number of instances.

-- Attempts still counting: `scope` names the throttle, `key` whom it holds back. Rows older than
-- the scope's window are removed as attempts of that scope are taken.
CREATE TABLE throttle_attempts (
    id    BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    scope TEXT NOT NULL,
    key   TEXT NOT NULL,
    at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX throttle_attempts_by_key ON throttle_attempts (scope, key, at);
CREATE INDEX throttle_attempts_by_age ON throttle_attempts (scope, at);

-- When a key's refusal was last put in the audit log: once per window, not once per request of
-- a flood.
CREATE TABLE throttle_refusals (
    scope       TEXT NOT NULL,
    key         TEXT NOT NULL,
    reported_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX throttle_refusals_by_age ON throttle_refusals (scope, reported_at);
