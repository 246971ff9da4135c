-- Which side of the training line this database is on (`production` or `training`, issue 18),
-- written by the first server that opens it: a server of the other side then refuses to open it,
-- so a misconfigured training server can never serve a workshop over the real service's data,
-- nor a real server over a workshop's. A database made before this migration is claimed by the
-- first server that opens it after.
CREATE TABLE server_environment (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    environment TEXT NOT NULL CHECK (environment IN ('production', 'training'))
);
