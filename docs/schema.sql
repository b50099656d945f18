-- The schema carefund's migrations build, read from SQLite after the last
-- migration (0002_ledger.sql). PostgreSQL has the same tables and
-- columns (a test checks); its types are in internal/store/migrations/postgres.
-- Generated: go test ./internal/store -run SchemaDoc -update

CREATE TABLE ledger_accounts (
	id           INTEGER NOT NULL PRIMARY KEY,
	name         TEXT    NOT NULL UNIQUE,
	type         TEXT    NOT NULL CHECK (type IN ('asset', 'liability', 'income')),
	non_negative INTEGER NOT NULL CHECK (non_negative IN (0, 1)),
	balance      BIGINT  NOT NULL DEFAULT 0,
	created_at   BIGINT  NOT NULL,
	-- A request account never goes negative (R-FUND-1): the platform cannot
	-- pay out or refund money a request does not hold.
	CHECK (non_negative = 1 OR name NOT LIKE 'request:%'),
	CHECK (non_negative = 0 OR balance >= 0),
	-- SQLite turns an integer that overflows into a float; refuse that.
	CHECK (typeof(balance) = 'integer')
);

CREATE TABLE ledger_entries (
	id           INTEGER NOT NULL PRIMARY KEY,
	idem_key     TEXT    NOT NULL UNIQUE, -- exactly-once: a replay finds the first entry
	kind         TEXT    NOT NULL,
	memo         TEXT    NOT NULL,
	reverses     BIGINT  UNIQUE REFERENCES ledger_entries (id),
	content_hash TEXT    NOT NULL,        -- tells a replay from a reuse of the key
	created_at   BIGINT  NOT NULL
);

CREATE TABLE ledger_postings (
	entry_id   BIGINT NOT NULL REFERENCES ledger_entries (id),
	account_id BIGINT NOT NULL REFERENCES ledger_accounts (id),
	amount     BIGINT NOT NULL CHECK (amount <> 0),
	PRIMARY KEY (entry_id, account_id)
) WITHOUT ROWID;

CREATE TABLE meta (
	key        TEXT   NOT NULL PRIMARY KEY,
	value      TEXT   NOT NULL,
	updated_at BIGINT NOT NULL
);

CREATE TABLE schema_migrations (
	name       TEXT   NOT NULL PRIMARY KEY,
	applied_at BIGINT NOT NULL
);

CREATE INDEX ledger_postings_account ON ledger_postings (account_id, entry_id);

CREATE TRIGGER ledger_accounts_fixed BEFORE UPDATE OF id, name, type, non_negative, created_at ON ledger_accounts
BEGIN SELECT RAISE(ABORT, 'ledger_accounts: only the balance of an account changes'); END;

CREATE TRIGGER ledger_accounts_no_delete BEFORE DELETE ON ledger_accounts
BEGIN SELECT RAISE(ABORT, 'ledger_accounts: accounts are never deleted'); END;

CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger_entries: posted entries are never updated or deleted; post a reversing entry'); END;

CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger_entries: posted entries are never updated or deleted; post a reversing entry'); END;

CREATE TRIGGER ledger_postings_no_delete BEFORE DELETE ON ledger_postings
BEGIN SELECT RAISE(ABORT, 'ledger_postings: posted entries are never updated or deleted; post a reversing entry'); END;

CREATE TRIGGER ledger_postings_no_update BEFORE UPDATE ON ledger_postings
BEGIN SELECT RAISE(ABORT, 'ledger_postings: posted entries are never updated or deleted; post a reversing entry'); END;

