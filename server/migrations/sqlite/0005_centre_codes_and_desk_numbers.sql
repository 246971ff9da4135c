-- Case numbers are made on desks without the server (RCV-03-26-0042): each centre has a short
-- code and each desk a number within its centre, never reused, so no two desks count alike.
ALTER TABLE centres ADD COLUMN code TEXT;
ALTER TABLE devices ADD COLUMN desk_number INTEGER CHECK (desk_number BETWEEN 1 AND 99);

-- Centres made before codes existed get C1, C2, … in the order they were made.
UPDATE centres SET code = 'C' || (
    SELECT COUNT(*) FROM centres older
    WHERE older.created_at < centres.created_at OR (older.created_at = centres.created_at AND older.id <= centres.id)
);
-- Desks made before numbers existed are numbered in their centre in the order they were made.
UPDATE devices SET desk_number = (
    SELECT COUNT(*) FROM devices older
    WHERE older.centre_id = devices.centre_id AND older.kind = 'desk'
      AND (older.created_at < devices.created_at OR (older.created_at = devices.created_at AND older.id <= devices.id))
) WHERE kind = 'desk';

CREATE UNIQUE INDEX centres_code ON centres (code);
CREATE UNIQUE INDEX devices_desk_number ON devices (centre_id, desk_number) WHERE desk_number IS NOT NULL;
