-- Backups of the secret keys (issue 16; docs/decisions/0024-backups-and-production-start.md):
-- one row each time 'carefund keys backup' copied the keys folder and
-- checked the copy. fingerprint is the keys' fingerprint (meta
-- 'key_fingerprint' at the time), never the keys; actor is who ran it
-- ("cli:<os user>"). 'carefund serve --production' refuses to start when
-- the database's current fingerprint has no row here: after 'carefund keys
-- rotate', back the keys up again.
CREATE TABLE key_backups (
	id          INTEGER NOT NULL PRIMARY KEY,
	fingerprint TEXT    NOT NULL CHECK (fingerprint <> ''),
	actor       TEXT    NOT NULL CHECK (actor <> ''),
	created_at  BIGINT  NOT NULL CHECK (typeof(created_at) = 'integer')
);
CREATE INDEX key_backups_fingerprint ON key_backups (fingerprint);
