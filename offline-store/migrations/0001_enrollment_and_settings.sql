-- How this device is known to the server: at most one row.
CREATE TABLE enrollment (
    id                  INTEGER PRIMARY KEY CHECK (id = 1),
    server_url          TEXT NOT NULL,
    device_id           TEXT NOT NULL,
    device_name         TEXT NOT NULL,
    kind                TEXT NOT NULL CHECK (kind IN ('desk', 'kiosk')),
    centre_id           TEXT NOT NULL,
    centre_name         TEXT NOT NULL,
    centre_municipality TEXT NOT NULL,
    enrolled_at         TEXT NOT NULL,
    last_sync_at        TEXT
);

-- Local preferences such as the interface language.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
