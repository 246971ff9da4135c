-- Case numbers start with the centre's code and the desk's number (RCV-03-26-0042). Devices
-- enrolled before the server gave them learn them at their next exchange with the server.
ALTER TABLE enrollment ADD COLUMN centre_code TEXT NOT NULL DEFAULT '';
ALTER TABLE enrollment ADD COLUMN desk_number INTEGER;
