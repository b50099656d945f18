-- The custody bank (R-FUND-1, R-FUND-2, R-FUND-3): the platform's outbox of
-- transfers and what the bank said of them, the sandbox bank's own books
-- ("the bank's side", which a real bank keeps for itself), and the record of
-- the custody account with its changes reported to the ministry. See
-- internal/bank and docs/decisions/0017-custody-bank.md.
--
-- bank_transfers: the outbox. A transfer is recorded once, by its
-- end-to-end id, before anything is sent; sent_at is set once the bank has
-- acknowledged it, and a transfer without one is sent again (the bank
-- refuses a second transfer of an id it has seen, so a resend pays nothing
-- twice). The payee is personal data: sealed under key_id, masked in
-- account_masked (R-PII-1). content_hash tells a replay from a conflicting
-- copy under the same id.
CREATE TABLE bank_transfers (
	id             TEXT    NOT NULL PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 35),
	bank           TEXT    NOT NULL CHECK (bank <> ''),
	content_hash   TEXT    NOT NULL CHECK (length(content_hash) = 64),
	amount_fen     BIGINT  NOT NULL CHECK (amount_fen > 0),
	key_id         BIGINT  NOT NULL UNIQUE REFERENCES data_keys (id),
	payee_sealed   BYTEA   NOT NULL,
	account_masked TEXT    NOT NULL,
	remittance     TEXT    NOT NULL,
	submitted_at   BIGINT  NOT NULL,
	sent_at        BIGINT,
	status         TEXT    NOT NULL CHECK (status IN ('', 'pending', 'paid', 'rejected', 'returned')),
	status_at      BIGINT
);
CREATE INDEX bank_transfers_unsent ON bank_transfers (bank, submitted_at, id) WHERE sent_at IS NULL;

-- bank_transfer_conflicts: a second copy of a transfer id with other
-- content, refused and kept for finance staff, once per content.
CREATE TABLE bank_transfer_conflicts (
	id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	transfer_id  TEXT    NOT NULL,
	content_hash TEXT    NOT NULL,
	amount_fen   BIGINT  NOT NULL,
	received_at  BIGINT  NOT NULL,
	UNIQUE (transfer_id, content_hash)
);

-- bank_outcomes: every status change read from a bank, once per transfer
-- and status. One for a transfer the platform never submitted is kept
-- quarantined and never applied; applied_at is set once the payout side
-- has taken it.
CREATE TABLE bank_outcomes (
	id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	bank        TEXT    NOT NULL CHECK (bank <> ''),
	transfer_id TEXT    NOT NULL,
	status      TEXT    NOT NULL CHECK (status IN ('pending', 'paid', 'rejected', 'returned')),
	reason      TEXT    NOT NULL,
	at          BIGINT  NOT NULL,
	seq         BIGINT  NOT NULL,
	received_at BIGINT  NOT NULL,
	quarantined INTEGER NOT NULL CHECK (quarantined IN (0, 1)),
	applied_at  BIGINT,
	UNIQUE (bank, transfer_id, status),
	CHECK (quarantined = 0 OR applied_at IS NULL)
);
CREATE INDEX bank_outcomes_unapplied ON bank_outcomes (bank, id) WHERE applied_at IS NULL AND quarantined = 0;

-- bank_cursors: how far the outcomes of each bank have been read and
-- applied.
CREATE TABLE bank_cursors (
	bank       TEXT   NOT NULL PRIMARY KEY,
	read_to    TEXT   NOT NULL,
	updated_at BIGINT NOT NULL
);

-- sandbox_bank_*: the simulated bank's own books. It never holds a payee's
-- name or full account number: only what it decided and booked.
CREATE TABLE sandbox_bank_transfers (
	id             TEXT   NOT NULL PRIMARY KEY,
	content_hash   TEXT   NOT NULL,
	amount_fen     BIGINT NOT NULL CHECK (amount_fen > 0),
	account_masked TEXT   NOT NULL,
	habit          TEXT   NOT NULL CHECK (habit IN ('pay', 'closed', 'name_mismatch', 'return', 'late')),
	received_at    BIGINT NOT NULL
);
-- sandbox_bank_events: status changes, scheduled when a transfer arrives
-- and numbered (seq) in the order they come due as the bank's clock
-- passes due_at.
CREATE TABLE sandbox_bank_events (
	id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	transfer_id TEXT    NOT NULL REFERENCES sandbox_bank_transfers (id),
	status      TEXT    NOT NULL CHECK (status IN ('pending', 'paid', 'rejected', 'returned')),
	reason      TEXT    NOT NULL,
	due_at      BIGINT  NOT NULL,
	seq         BIGINT  UNIQUE,
	UNIQUE (transfer_id, status)
);
CREATE INDEX sandbox_bank_events_due ON sandbox_bank_events (due_at, id) WHERE seq IS NULL;
-- sandbox_bank_bookings: the lines of the custody account's statements,
-- one per payout paid, return and credit.
CREATE TABLE sandbox_bank_bookings (
	id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	kind          TEXT    NOT NULL CHECK (kind IN ('payout', 'return', 'credit')),
	end_to_end_id TEXT    NOT NULL CHECK (end_to_end_id <> ''),
	amount_fen    BIGINT  NOT NULL CHECK (amount_fen > 0),
	booked_on     TEXT    NOT NULL CHECK (length(booked_on) = 10),
	counterparty  TEXT    NOT NULL,
	remittance    TEXT    NOT NULL,
	at            BIGINT  NOT NULL,
	UNIQUE (kind, end_to_end_id)
);
CREATE INDEX sandbox_bank_bookings_day ON sandbox_bank_bookings (booked_on, id);

-- custody_accounts: the custody deposit account(s) (R-FUND-1) as they are
-- in effect; a row is written or changed only by a custody change that has
-- taken effect. The number is sealed, indexed blind and masked (R-PII-1).
CREATE TABLE custody_accounts (
	id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	bank_name      TEXT    NOT NULL CHECK (bank_name <> ''),
	account_masked TEXT    NOT NULL,
	account_index  TEXT    NOT NULL,
	key_id         BIGINT  NOT NULL REFERENCES data_keys (id),
	account_sealed BYTEA   NOT NULL,
	opened_on      TEXT    NOT NULL CHECK (length(opened_on) = 10),
	state          TEXT    NOT NULL CHECK (state IN ('open', 'closed', 'revoked')),
	ended_on       TEXT,
	CHECK ((state = 'open') = (ended_on IS NULL))
);

-- custody_changes: each change of the custody account (open, change,
-- close, revoke) goes proposed (finance) → approved (an admin, four eyes)
-- → reported to the ministry (date, reference) → in effect (R-FUND-3).
CREATE TABLE custody_changes (
	id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	action         TEXT    NOT NULL CHECK (action IN ('open', 'change', 'close', 'revoke')),
	account_id     BIGINT  REFERENCES custody_accounts (id),
	bank_name      TEXT    NOT NULL,
	account_masked TEXT    NOT NULL,
	account_index  TEXT    NOT NULL,
	key_id         BIGINT  REFERENCES data_keys (id),
	account_sealed BYTEA,
	effective_on   TEXT    NOT NULL CHECK (length(effective_on) = 10),
	reason         TEXT    NOT NULL CHECK (reason <> ''),
	state          TEXT    NOT NULL CHECK (state IN ('proposed', 'approved', 'reported', 'effective', 'withdrawn')),
	proposal_id    BIGINT  NOT NULL UNIQUE REFERENCES staff_proposals (id),
	proposed_by    BIGINT  NOT NULL,
	proposed_at    BIGINT  NOT NULL,
	approved_by    BIGINT,
	reported_on    TEXT,
	report_ref     TEXT    NOT NULL,
	reported_by    BIGINT,
	effective_at   BIGINT,
	effective_by   BIGINT,
	CHECK ((reported_on IS NULL) = (reported_by IS NULL)),
	CHECK (state NOT IN ('reported', 'effective') OR reported_on IS NOT NULL)
);
CREATE INDEX custody_changes_pending ON custody_changes (id) WHERE state IN ('proposed', 'approved', 'reported');
