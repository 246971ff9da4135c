-- Releases of the desk's and the kiosk's packages (issue 19), published by an operator with the
-- detached minisign signature made by the project's offline release key. Devices learn of the
-- newest of their kind in the sync hello, download it, and check the signature against the key
-- they were installed with before installing it. Kept in the database, so a backup holds them.
CREATE TABLE releases (
    kind         TEXT NOT NULL CHECK (kind IN ('desk', 'kiosk')),
    version      TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    size         BIGINT NOT NULL,
    signature    TEXT NOT NULL,
    content      BLOB NOT NULL,
    published_at TEXT NOT NULL,
    PRIMARY KEY (kind, version)
);

CREATE UNIQUE INDEX releases_content ON releases (kind, sha256);
