-- How a device last said its outbox stands (the `pietura-outbox` header: waiting, refused, the
-- oldest waiting), for the centre administrator's dashboard. A claim of the device's, as of its
-- last contact; empty until it calls again.
ALTER TABLE devices ADD COLUMN reported_outbox TEXT;
