-- Files attached to an e-form draft (scans, documents), kept by SHA-256 with the draft until it
-- is submitted or removed; the draft's answers name them ({name, sha256, size, media_type}).
CREATE TABLE form_draft_files (
    draft_id   TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    content    BLOB NOT NULL,
    PRIMARY KEY (draft_id, sha256)
);
