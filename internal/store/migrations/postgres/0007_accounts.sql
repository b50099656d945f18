-- Public users, sign-in codes, sessions and real-name verification.
-- Phone numbers, names and ID numbers are stored only encrypted under a
-- per-record data key (data_keys, 0003); equality lookups use a blind index
-- (an HMAC under the index key), never the plain value (R-PII-1).
CREATE TABLE users (
	id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	phone_index  TEXT    NOT NULL UNIQUE,
	key_id       BIGINT  NOT NULL REFERENCES data_keys (id),
	phone_sealed BYTEA    NOT NULL,
	created_at   BIGINT  NOT NULL,
	signed_in_at BIGINT  NOT NULL
);

-- One-time sign-in codes: only an HMAC of the code is kept.
CREATE TABLE signin_codes (
	id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	phone_index TEXT    NOT NULL,
	code_hash   TEXT    NOT NULL,
	source      TEXT    NOT NULL,
	created_at  BIGINT  NOT NULL,
	expires_at  BIGINT  NOT NULL,
	attempts    INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
	used_at     BIGINT
);
CREATE INDEX signin_codes_phone ON signin_codes (phone_index, created_at);
CREATE INDEX signin_codes_source ON signin_codes (source, created_at);

CREATE TABLE sessions (
	id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	token_hash   TEXT    NOT NULL UNIQUE,
	kind         TEXT    NOT NULL CHECK (kind IN ('user', 'staff')),
	subject_id   BIGINT  NOT NULL,
	created_at   BIGINT  NOT NULL,
	last_seen_at BIGINT  NOT NULL,
	source       TEXT    NOT NULL,
	ended_at     BIGINT
);
CREATE INDEX sessions_subject ON sessions (kind, subject_id);

-- Real-name verification attempts and their outcome (R-ACC-1).
CREATE TABLE identities (
	id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id    BIGINT  NOT NULL REFERENCES users (id),
	key_id     BIGINT  NOT NULL REFERENCES data_keys (id),
	name_sealed BYTEA   NOT NULL,
	number_sealed BYTEA NOT NULL,
	number_index TEXT  NOT NULL,
	verifier   TEXT    NOT NULL,
	outcome    TEXT    NOT NULL CHECK (outcome IN ('verified', 'rejected')),
	reason     TEXT    NOT NULL,
	source     TEXT    NOT NULL,
	created_at BIGINT  NOT NULL
);
CREATE INDEX identities_user ON identities (user_id, id);
CREATE INDEX identities_number ON identities (number_index, outcome);
-- An ID number is verified on one account only.
CREATE UNIQUE INDEX identities_one_account ON identities (number_index) WHERE outcome = 'verified';
