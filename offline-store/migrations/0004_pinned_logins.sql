-- People who logged in online on this device: their authentication certificate and roles, so
-- the device can be unlocked with the same card while the server is unreachable (within the
-- offline-unlock period counted from the last online login).
CREATE TABLE pinned_logins (
    personal_code        TEXT PRIMARY KEY NOT NULL,
    certificate          BLOB NOT NULL,
    given_name           TEXT NOT NULL,
    surname              TEXT NOT NULL,
    roles                TEXT NOT NULL,
    last_online_login_at TEXT NOT NULL
) WITHOUT ROWID;
