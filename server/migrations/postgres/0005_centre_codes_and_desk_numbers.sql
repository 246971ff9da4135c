-- Case numbers are made on desks without the server (RCV-03-26-0042): each centre has a short
-- code and each desk a number within its centre, never reused, so no two desks count alike.
ALTER TABLE centres ADD COLUMN code TEXT;
ALTER TABLE devices ADD COLUMN desk_number SMALLINT CHECK (desk_number BETWEEN 1 AND 99);

-- Centres made before codes existed get C1, C2, … in the order they were made.
UPDATE centres SET code = numbered.code
FROM (SELECT id, 'C' || ROW_NUMBER() OVER (ORDER BY created_at, id) AS code FROM centres) AS numbered
WHERE numbered.id = centres.id;
-- Desks made before numbers existed are numbered in their centre in the order they were made.
UPDATE devices SET desk_number = numbered.n
FROM (
    SELECT id, ROW_NUMBER() OVER (PARTITION BY centre_id ORDER BY created_at, id) AS n
    FROM devices WHERE kind = 'desk'
) AS numbered
WHERE numbered.id = devices.id;

ALTER TABLE centres ALTER COLUMN code SET NOT NULL;
CREATE UNIQUE INDEX centres_code ON centres (code);
CREATE UNIQUE INDEX devices_desk_number ON devices (centre_id, desk_number) WHERE desk_number IS NOT NULL;
