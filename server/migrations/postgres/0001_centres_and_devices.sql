-- Centres (VPVKAC sites, libraries) and the desks and kiosks enrolled in them.
CREATE TABLE centres (
    id           UUID PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    municipality TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE devices (
    id                    UUID PRIMARY KEY,
    centre_id             UUID NOT NULL REFERENCES centres (id),
    kind                  TEXT NOT NULL CHECK (kind IN ('desk', 'kiosk')),
    name                  TEXT NOT NULL,
    -- SHA-256 of the one-time enrollment code; kept after use so reuse can be named.
    enrollment_code_hash  BYTEA NOT NULL UNIQUE,
    enrollment_expires_at TIMESTAMPTZ NOT NULL,
    enrolled_at           TIMESTAMPTZ,
    -- SHA-256 of the device secret; the secret itself is never stored.
    secret_hash           BYTEA,
    last_seen_at          TIMESTAMPTZ,
    revoked_at            TIMESTAMPTZ,
    created_at            TIMESTAMPTZ NOT NULL
);

-- A name is unique among a centre's devices that are not revoked.
CREATE UNIQUE INDEX devices_live_name ON devices (centre_id, name) WHERE revoked_at IS NULL;
