-- eID login: single-use challenges, staff role grants, sessions, and authentication events.

-- A challenge (Web eID nonce) given to a device; removed when used, so it works once. Only its
-- SHA-256 is kept. Any server instance sharing the database can check it.
CREATE TABLE login_nonces (
    nonce_hash BLOB PRIMARY KEY NOT NULL,
    device_id  TEXT NOT NULL REFERENCES devices (id),
    issued_at  TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX login_nonces_by_expiry ON login_nonces (expires_at);

-- Staff roles, per person (Latvian personal code) and centre. Citizens need no grant.
CREATE TABLE role_grants (
    personal_code TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('clerk', 'librarian', 'trainer', 'admin')),
    centre_id     TEXT NOT NULL REFERENCES centres (id),
    granted_at    TEXT NOT NULL,
    PRIMARY KEY (personal_code, role, centre_id)
);

-- A logged-in person on one device. Only the token's SHA-256 is kept.
CREATE TABLE user_sessions (
    token_hash    BLOB PRIMARY KEY NOT NULL,
    device_id     TEXT NOT NULL REFERENCES devices (id),
    personal_code TEXT NOT NULL,
    given_name    TEXT NOT NULL,
    surname       TEXT NOT NULL,
    -- Roles at the device's centre when the session began, comma-separated.
    roles         TEXT NOT NULL,
    issued_at     TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    ended_at      TEXT
);

-- Every login, failed login and logout (the tamper-evident audit log comes with e-address).
CREATE TABLE auth_events (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    at            TEXT NOT NULL,
    kind          TEXT NOT NULL,
    device_id     TEXT,
    personal_code TEXT,
    detail        TEXT NOT NULL
);
