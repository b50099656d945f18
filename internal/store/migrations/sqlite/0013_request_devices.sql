-- The devices a request was filed from, for the relationship network of the
-- machine screen (R-RISK-1): requests filed from one browser by different
-- people are a sign of an organised operation. device_index is the HMAC
-- blind index (domain "device") of a random identifier the browser keeps in
-- an HttpOnly cookie; the identifier itself is never stored. Rows are only
-- added.
CREATE TABLE request_devices (
	request_id   BIGINT NOT NULL REFERENCES requests (id),
	device_index TEXT   NOT NULL CHECK (length(device_index) = 64),
	first_seen   BIGINT NOT NULL CHECK (typeof(first_seen) = 'integer'),
	PRIMARY KEY (request_id, device_index)
) WITHOUT ROWID;
CREATE INDEX request_devices_device ON request_devices (device_index, request_id);

CREATE TRIGGER request_devices_no_update BEFORE UPDATE ON request_devices
BEGIN SELECT RAISE(ABORT, 'request_devices: the devices of a request are only added'); END;
CREATE TRIGGER request_devices_no_delete BEFORE DELETE ON request_devices
BEGIN SELECT RAISE(ABORT, 'request_devices: the devices of a request are only added'); END;
