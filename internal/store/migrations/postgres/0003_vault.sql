-- Data keys (R-PII-1): each record holding personal data has its own random
-- 256-bit key, kept here only wrapped (AES-256-GCM) under the master key in
-- the keys folder; see internal/vault. master_fingerprint names the master
-- key that wraps it, so that a key wrapped under another master is reported
-- as such, and so that carefund keys rotate re-wraps in batches and resumes
-- after a crash where it stopped.
CREATE TABLE data_keys (
	id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	wrapped            BYTEA  NOT NULL,
	master_fingerprint TEXT   NOT NULL,
	created_at         BIGINT NOT NULL
);
CREATE INDEX data_keys_master ON data_keys (master_fingerprint, id);
