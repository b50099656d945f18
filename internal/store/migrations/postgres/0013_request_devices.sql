-- The devices a request was filed from, for the relationship network of the
-- machine screen (R-RISK-1): requests filed from one browser by different
-- people are a sign of an organised operation. device_index is the HMAC
-- blind index (domain "device") of a random identifier the browser keeps in
-- an HttpOnly cookie; the identifier itself is never stored. Rows are only
-- added.
CREATE TABLE request_devices (
	request_id   BIGINT NOT NULL REFERENCES requests (id),
	device_index TEXT   NOT NULL CHECK (length(device_index) = 64),
	first_seen   BIGINT NOT NULL,
	PRIMARY KEY (request_id, device_index)
);
CREATE INDEX request_devices_device ON request_devices (device_index, request_id);

CREATE TRIGGER request_devices_immutable BEFORE UPDATE OR DELETE ON request_devices
	FOR EACH ROW EXECUTE FUNCTION review_refuse_change('the devices of a request are only added');
CREATE TRIGGER request_devices_no_truncate BEFORE TRUNCATE ON request_devices
	FOR EACH STATEMENT EXECUTE FUNCTION review_refuse_change('the devices of a request are only added');
