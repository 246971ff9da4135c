-- Centres (VPVKAC sites, libraries) and the desks and kiosks enrolled in them.
CREATE TABLE centres (
    id           TEXT PRIMARY KEY NOT NULL,
    name         TEXT NOT NULL UNIQUE,
    municipality TEXT NOT NULL,
    created_at   TEXT NOT NULL
);

CREATE TABLE devices (
    id                    TEXT PRIMARY KEY NOT NULL,
    centre_id             TEXT NOT NULL REFERENCES centres (id),
    kind                  TEXT NOT NULL CHECK (kind IN ('desk', 'kiosk')),
    name                  TEXT NOT NULL,
    -- SHA-256 of the one-time enrollment code; kept after use so reuse can be named.
    enrollment_code_hash  BLOB NOT NULL UNIQUE,
    enrollment_expires_at TEXT NOT NULL,
    enrolled_at           TEXT,
    -- SHA-256 of the device secret; the secret itself is never stored.
    secret_hash           BLOB,
    last_seen_at          TEXT,
    revoked_at            TEXT,
    created_at            TEXT NOT NULL
);

-- A name is unique among a centre's devices that are not revoked.
CREATE UNIQUE INDEX devices_live_name ON devices (centre_id, name) WHERE revoked_at IS NULL;
