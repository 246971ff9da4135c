-- Who made each outbox entry, as the server can check it: the login's proof (the session's
-- reference, or the card's signature at an offline unlock), JSON made by the device layer.
-- Entries queued before this have none; the server refuses those with `author_unproven`.
ALTER TABLE outbox ADD COLUMN author TEXT;
