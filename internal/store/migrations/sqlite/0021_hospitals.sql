-- The hospital directory (issue 14): verified hospital accounts a payout may
-- go to, shared by all requests. See internal/hospital.
--
-- The account number is personal data of a kind (R-PII-1): it is stored only
-- sealed under the row's data key (key_id), with its blind index for
-- equality and its masked form for lists. Entries are added, changed and
-- deactivated only through a four-eyes proposal (R-STAFF-1); what was
-- proposed is kept in hospital_drafts, sealed the same way, so that the
-- proposal itself carries no account number. Entries are never deleted: a
-- deactivated one stays for the payouts that named it.
CREATE TABLE hospitals (
	id             INTEGER NOT NULL PRIMARY KEY,
	name           TEXT    NOT NULL CHECK (name <> ''),
	credit_code    TEXT    NOT NULL CHECK (length(credit_code) = 18),
	bank_name      TEXT    NOT NULL CHECK (bank_name <> ''),
	city           TEXT    NOT NULL CHECK (city <> ''),
	key_id         BIGINT  NOT NULL REFERENCES data_keys (id),
	account_sealed BLOB    NOT NULL CHECK (typeof(account_sealed) = 'blob'),
	account_index  TEXT    NOT NULL CHECK (length(account_index) = 64),
	account_masked TEXT    NOT NULL CHECK (account_masked <> ''),
	active         INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
	created_at     BIGINT  NOT NULL,
	updated_at     BIGINT  NOT NULL,
	deactivated_at BIGINT,
	CHECK (active = 1 OR deactivated_at IS NOT NULL)
);
-- One active entry per institution and per account; deactivated ones stay
-- as history.
CREATE UNIQUE INDEX hospitals_active_code ON hospitals (credit_code) WHERE active = 1;
CREATE UNIQUE INDEX hospitals_active_account ON hospitals (account_index) WHERE active = 1;

-- A proposed addition or change, as typed, waiting for its proposal's
-- decision. hospital_id is the entry it changes, NULL for an addition.
CREATE TABLE hospital_drafts (
	id             INTEGER NOT NULL PRIMARY KEY,
	hospital_id    BIGINT  REFERENCES hospitals (id),
	name           TEXT    NOT NULL,
	credit_code    TEXT    NOT NULL,
	bank_name      TEXT    NOT NULL,
	city           TEXT    NOT NULL,
	key_id         BIGINT  NOT NULL REFERENCES data_keys (id),
	account_sealed BLOB    NOT NULL CHECK (typeof(account_sealed) = 'blob'),
	account_masked TEXT    NOT NULL,
	created_at     BIGINT  NOT NULL
);

CREATE TRIGGER hospitals_no_delete BEFORE DELETE ON hospitals
BEGIN SELECT RAISE(ABORT, 'hospitals: entries are never deleted; deactivate them'); END;
CREATE TRIGGER hospitals_inactive BEFORE UPDATE ON hospitals WHEN OLD.active = 0
BEGIN SELECT RAISE(ABORT, 'hospitals: a deactivated entry never changes; add the hospital again'); END;
CREATE TRIGGER hospital_drafts_no_update BEFORE UPDATE ON hospital_drafts
BEGIN SELECT RAISE(ABORT, 'hospital_drafts: a proposal''s draft never changes'); END;
CREATE TRIGGER hospital_drafts_no_delete BEFORE DELETE ON hospital_drafts
BEGIN SELECT RAISE(ABORT, 'hospital_drafts: a proposal''s draft never changes'); END;
