-- Attachment uploads (issue 12). Content goes into the object store before the message that
-- names it; who uploaded what and when is kept so that each uploader's content no message names
-- yet can be held to a quota, and content no message named a day after its last upload can be
-- collected.
CREATE TABLE eaddress_uploads (
    sha256      TEXT NOT NULL,
    uploader    TEXT NOT NULL,
    bytes       INTEGER NOT NULL,
    uploaded_at TEXT NOT NULL,
    PRIMARY KEY (sha256, uploader)
);
CREATE INDEX eaddress_uploads_by_uploader ON eaddress_uploads (uploader, uploaded_at);
CREATE INDEX eaddress_uploads_by_time ON eaddress_uploads (uploaded_at);

-- Which content each message names, written with the message; content named here is never
-- collected.
CREATE TABLE eaddress_message_attachments (
    message_id TEXT NOT NULL REFERENCES eaddress_messages (id),
    sha256     TEXT NOT NULL,
    PRIMARY KEY (message_id, sha256)
);
CREATE INDEX eaddress_message_attachments_by_content ON eaddress_message_attachments (sha256);

INSERT OR IGNORE INTO eaddress_message_attachments (message_id, sha256)
SELECT m.id, lower(json_extract(a.value, '$.sha256'))
FROM eaddress_messages m, json_each(m.attachments) a
WHERE json_extract(a.value, '$.sha256') IS NOT NULL;
