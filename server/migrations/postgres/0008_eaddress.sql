-- Official e-address mailboxes (DEPP). An account is a mailbox: a natural person's
-- (_PRIVATE@code), a legal entity's or an institution's (_DEFAULT@reg. no.) or an institution's
-- unit's (UNIT@reg. no., e.g. a VPVKAC centre). Institutions' mailboxes are operated with the
-- institution's API key; a centre's by the staff of that centre.
CREATE TABLE eaddress_accounts (
    address        TEXT PRIMARY KEY NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('natural', 'legal', 'institution')),
    name           TEXT NOT NULL,
    institution_id TEXT REFERENCES institutions (id),
    centre_id      UUID REFERENCES centres (id),
    active         BOOLEAN NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    changed_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX eaddress_accounts_by_institution ON eaddress_accounts (institution_id) WHERE institution_id IS NOT NULL;
CREATE INDEX eaddress_accounts_by_centre ON eaddress_accounts (centre_id) WHERE centre_id IS NOT NULL;

-- A message, once; its id is made by the sender (a desk's outbox entry, an API client's key), so a
-- repeated send changes nothing. Attachments are described here (JSON: name, media type, size,
-- SHA-256); their content is in the object store under its digest.
CREATE TABLE eaddress_messages (
    id          UUID PRIMARY KEY NOT NULL,
    sender      TEXT NOT NULL REFERENCES eaddress_accounts (address),
    sent_by     TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    case_number TEXT,
    in_reply_to UUID,
    attachments TEXT NOT NULL,
    sent_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX eaddress_messages_sent ON eaddress_messages (sender, sent_at DESC, id);

-- Each recipient's copy: delivered into the mailbox, deemed notified on a date (the second
-- working day after sending), read (by whom), deleted from the mailbox.
CREATE TABLE eaddress_deliveries (
    message_id   UUID NOT NULL REFERENCES eaddress_messages (id),
    recipient    TEXT NOT NULL REFERENCES eaddress_accounts (address),
    delivered_at TIMESTAMPTZ NOT NULL,
    notified_on  DATE NOT NULL,
    read_at      TIMESTAMPTZ,
    read_by      TEXT,
    deleted_at   TIMESTAMPTZ,
    PRIMARY KEY (message_id, recipient)
);
CREATE INDEX eaddress_inbox ON eaddress_deliveries (recipient, delivered_at DESC, message_id);

-- Rights an owner gives a person on a mailbox, until a date or until revoked.
CREATE TABLE eaddress_delegations (
    id         UUID PRIMARY KEY NOT NULL,
    mailbox    TEXT NOT NULL REFERENCES eaddress_accounts (address),
    delegate   TEXT NOT NULL,
    rights     TEXT NOT NULL CHECK (rights IN ('read', 'communicate', 'delete')),
    granted_by TEXT NOT NULL,
    granted_at TIMESTAMPTZ NOT NULL,
    ends_on    DATE NOT NULL,
    revoked_at TIMESTAMPTZ
);
CREATE INDEX eaddress_delegations_by_delegate ON eaddress_delegations (delegate, mailbox);
CREATE INDEX eaddress_delegations_by_mailbox ON eaddress_delegations (mailbox);

-- A citizen's consent, signed with their own eID card at a desk, for a clerk to read their
-- mailbox with them (or send in their name) for a while. Asked for by the clerk (nonce kept
-- until signed, five minutes), signed by the citizen, ended by the desk when the card leaves.
CREATE TABLE eaddress_consents (
    id           UUID PRIMARY KEY NOT NULL,
    agent        TEXT NOT NULL,
    device_id    UUID NOT NULL REFERENCES devices (id),
    rights       TEXT NOT NULL CHECK (rights IN ('read', 'communicate')),
    minutes      INTEGER NOT NULL CHECK (minutes BETWEEN 1 AND 240),
    nonce        TEXT NOT NULL UNIQUE,
    requested_at TIMESTAMPTZ NOT NULL,
    citizen      TEXT,
    signed_at    TIMESTAMPTZ,
    valid_until  TIMESTAMPTZ,
    ended_at     TIMESTAMPTZ
);
CREATE INDEX eaddress_consents_by_agent ON eaddress_consents (agent, valid_until);
