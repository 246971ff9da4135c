-- eID login: single-use challenges, staff role grants, sessions, and authentication events.

-- A challenge (Web eID nonce) given to a device; removed when used, so it works once. Only its
-- SHA-256 is kept. Any server instance sharing the database can check it.
CREATE TABLE login_nonces (
    nonce_hash BYTEA PRIMARY KEY,
    device_id  UUID NOT NULL REFERENCES devices (id),
    issued_at  TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX login_nonces_by_expiry ON login_nonces (expires_at);

-- Staff roles, per person (Latvian personal code) and centre. Citizens need no grant.
CREATE TABLE role_grants (
    personal_code TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('clerk', 'librarian', 'trainer', 'admin')),
    centre_id     UUID NOT NULL REFERENCES centres (id),
    granted_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (personal_code, role, centre_id)
);

-- A logged-in person on one device. Only the token's SHA-256 is kept.
CREATE TABLE user_sessions (
    token_hash    BYTEA PRIMARY KEY,
    device_id     UUID NOT NULL REFERENCES devices (id),
    personal_code TEXT NOT NULL,
    given_name    TEXT NOT NULL,
    surname       TEXT NOT NULL,
    -- Roles at the device's centre when the session began, comma-separated.
    roles         TEXT NOT NULL,
    issued_at     TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL,
    ended_at      TIMESTAMPTZ
);

-- Every login, failed login and logout (the tamper-evident audit log comes with e-address).
CREATE TABLE auth_events (
    id            BIGSERIAL PRIMARY KEY,
    at            TIMESTAMPTZ NOT NULL,
    kind          TEXT NOT NULL,
    device_id     UUID,
    personal_code TEXT,
    detail        TEXT NOT NULL
);
