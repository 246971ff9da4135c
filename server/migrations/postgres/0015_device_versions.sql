-- The version a device last reported (its User-Agent, `pietura-sync/<version>`), for the centre
-- administrator's device list. A claim of the device's, shown as such; empty until it calls again.
ALTER TABLE devices ADD COLUMN reported_version TEXT;
