-- meta holds facts about this installation: when it was created, whether the
-- demo data was loaded. Times throughout the schema are BIGINT microseconds
-- since the Unix epoch, UTC, the same on both dialects.
CREATE TABLE meta (
	key        TEXT   NOT NULL PRIMARY KEY,
	value      TEXT   NOT NULL,
	updated_at BIGINT NOT NULL
);
