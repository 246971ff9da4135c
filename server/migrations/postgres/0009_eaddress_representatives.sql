-- Who represents a legal entity (the Enterprise Register's board members and others with the
-- right to represent it alone), recorded by an operator from the register with its source. A
-- representative answers for the entity's mailbox: reads it, grants its employees delegations,
-- sees who accessed it. Ended, not deleted, when the right ends (the audit keeps both).
CREATE TABLE eaddress_representatives (
    mailbox     TEXT NOT NULL REFERENCES eaddress_accounts (address),
    person      TEXT NOT NULL,
    source      TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    ended_at    TIMESTAMPTZ,
    PRIMARY KEY (mailbox, person)
);
CREATE INDEX eaddress_representatives_by_person ON eaddress_representatives (person);
