-- The schema carefund's migrations build, read from SQLite after the last
-- migration (0001_meta.sql). PostgreSQL has the same tables and
-- columns (a test checks); its types are in internal/store/migrations/postgres.
-- Generated: go test ./internal/store -run SchemaDoc -update

CREATE TABLE meta (
	key        TEXT   NOT NULL PRIMARY KEY,
	value      TEXT   NOT NULL,
	updated_at BIGINT NOT NULL
);

CREATE TABLE schema_migrations (
	name       TEXT   NOT NULL PRIMARY KEY,
	applied_at BIGINT NOT NULL
);

