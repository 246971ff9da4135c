-- Workshops on a training server (issue 18): the scenarios a trainer chose and the seats, each a
-- desk of the training centre with its training clerk. A seat's customers follow from the
-- workshop's series (domain::training::training_code), so they are not stored. What counts
-- towards a seat's progress is what was done after its reset_at.
CREATE TABLE workshops (
    id TEXT PRIMARY KEY,
    centre_id TEXT NOT NULL REFERENCES centres(id),
    series INTEGER NOT NULL UNIQUE,
    scenarios TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE workshop_seats (
    workshop_id TEXT NOT NULL REFERENCES workshops(id),
    seat INTEGER NOT NULL,
    device_id TEXT NOT NULL REFERENCES devices(id),
    clerk_code TEXT NOT NULL,
    reset_at TEXT NOT NULL,
    PRIMARY KEY (workshop_id, seat)
);
