-- Rate limits that hold across nodes (issue 16): one row per counted event
-- (a sign-in code asked for, a real-name check made, a staff sign-in
-- attempt…), by an opaque key the caller chooses — never a raw phone or ID
-- number, a blind index or hash of it. See internal/throttle. Rows older
-- than the longest window are purged by a job.
CREATE TABLE throttle_events (
	id  INTEGER NOT NULL PRIMARY KEY,
	key TEXT    NOT NULL CHECK (key <> '' AND length(key) <= 200),
	at  BIGINT  NOT NULL CHECK (typeof(at) = 'integer')
);
CREATE INDEX throttle_events_key ON throttle_events (key, at);
CREATE INDEX throttle_events_at ON throttle_events (at);
