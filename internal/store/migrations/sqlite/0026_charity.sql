-- Money to charity (R-CHAR-1) and what the custody statement brings in
-- besides settlements: interest and recoveries (R-REF-2). See
-- internal/charitypay and internal/reconcile.
--
-- A difference remembers the statement line it came from (line_key, see
-- reconcile.LineKey), so that an unknown credit can later be matched to a
-- recovery under the line's own ledger key, statement:<line_key>.
ALTER TABLE reconcile_differences ADD COLUMN line_key TEXT NOT NULL DEFAULT '';

-- statement_credits: the statement lines posted to the ledger under
-- statement:<line_key>: interest (to charity:payable) and recoveries (to
-- receivable:recovery:R). A line is posted once. A recovery is then handed
-- to the refund service under refund_key; refund_started_at is set once it
-- took it, and a job hands over the ones a crash left.
CREATE TABLE statement_credits (
	id                INTEGER NOT NULL PRIMARY KEY,
	line_key          TEXT    NOT NULL UNIQUE CHECK (line_key <> ''),
	kind              TEXT    NOT NULL CHECK (kind IN ('interest', 'recovery')),
	request_id        BIGINT,
	amount            BIGINT  NOT NULL CHECK (typeof(amount) = 'integer' AND amount > 0),
	booked_on         TEXT    NOT NULL CHECK (length(booked_on) = 10),
	entry_id          BIGINT  NOT NULL UNIQUE REFERENCES ledger_entries (id),
	matched_by        TEXT    NOT NULL,
	refund_started_at BIGINT,
	created_at        BIGINT  NOT NULL,
	CHECK ((kind = 'recovery') = (request_id IS NOT NULL))
);
CREATE INDEX statement_credits_unstarted ON statement_credits (id) WHERE kind = 'recovery' AND refund_started_at IS NULL;

-- charity_recipients: registered charitable organisations money to charity
-- may go to (a list apart from the referral list of package charity, whose
-- organisations are suggested to requesters and are never paid). The
-- account number is sealed under the row's data key, indexed blind and
-- masked (R-PII-1); entries are added and deactivated only through four
-- eyes (R-STAFF-1), never deleted.
CREATE TABLE charity_recipients (
	id              INTEGER NOT NULL PRIMARY KEY,
	name            TEXT    NOT NULL CHECK (name <> ''),
	credit_code     TEXT    NOT NULL CHECK (length(credit_code) = 18),
	certificate_ref TEXT    NOT NULL CHECK (certificate_ref <> ''),
	bank_name       TEXT    NOT NULL CHECK (bank_name <> ''),
	key_id          BIGINT  NOT NULL REFERENCES data_keys (id),
	account_sealed  BLOB    NOT NULL CHECK (typeof(account_sealed) = 'blob'),
	account_index   TEXT    NOT NULL CHECK (length(account_index) = 64),
	account_masked  TEXT    NOT NULL CHECK (account_masked <> ''),
	active          INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
	proposed_by     BIGINT  NOT NULL,
	approved_by     BIGINT  NOT NULL,
	created_at      BIGINT  NOT NULL,
	deactivated_at  BIGINT,
	CHECK (active = 1 OR deactivated_at IS NOT NULL)
);
CREATE UNIQUE INDEX charity_recipients_active_code ON charity_recipients (credit_code) WHERE active = 1;

-- A proposed recipient, as typed, sealed the same way, so that the
-- proposal carries no account number.
CREATE TABLE charity_recipient_drafts (
	id              INTEGER NOT NULL PRIMARY KEY,
	name            TEXT    NOT NULL,
	credit_code     TEXT    NOT NULL,
	certificate_ref TEXT    NOT NULL,
	bank_name       TEXT    NOT NULL,
	key_id          BIGINT  NOT NULL REFERENCES data_keys (id),
	account_sealed  BLOB    NOT NULL CHECK (typeof(account_sealed) = 'blob'),
	account_masked  TEXT    NOT NULL,
	created_at      BIGINT  NOT NULL
);

-- charity_transfers: a transfer of charity:payable to a recipient:
-- proposed by finance, approved by another finance officer or an admin
-- (four eyes), sent through the custody bank's outbox as transfer_id
-- (CFCT<id>), paid (ledger entry custody:<transfer_id>), or rejected by
-- the bank (nothing was posted), or returned after payment (entry
-- custody:<transfer_id>:return puts the money back on charity:payable).
CREATE TABLE charity_transfers (
	id           INTEGER NOT NULL PRIMARY KEY,
	recipient_id BIGINT  NOT NULL REFERENCES charity_recipients (id),
	amount       BIGINT  NOT NULL CHECK (typeof(amount) = 'integer' AND amount > 0),
	state        TEXT    NOT NULL CHECK (state IN ('proposed', 'approved', 'paying', 'paid', 'rejected', 'returned', 'withdrawn')),
	note         TEXT    NOT NULL,
	proposal_id  BIGINT  NOT NULL UNIQUE,
	proposed_by  BIGINT  NOT NULL,
	approved_by  BIGINT,
	transfer_id  TEXT    UNIQUE,
	reason       TEXT    NOT NULL DEFAULT '',
	entry_id     BIGINT  REFERENCES ledger_entries (id),
	created_at   BIGINT  NOT NULL,
	approved_at  BIGINT,
	sent_at      BIGINT,
	paid_at      BIGINT,
	ended_at     BIGINT
);
CREATE INDEX charity_transfers_open ON charity_transfers (id) WHERE state IN ('proposed', 'approved', 'paying');

-- What a transfer comes from: interest of a period (source 'interest',
-- period YYYY-MM) or refunds that could not be made (source
-- 'refund_to_charity', request_id). The parts sum to the transfer.
CREATE TABLE charity_transfer_sources (
	transfer_id BIGINT NOT NULL REFERENCES charity_transfers (id),
	source      TEXT   NOT NULL CHECK (source IN ('interest', 'refund_to_charity')),
	period      TEXT   NOT NULL,
	request_id  BIGINT NOT NULL,
	amount      BIGINT NOT NULL CHECK (typeof(amount) = 'integer' AND amount > 0),
	PRIMARY KEY (transfer_id, source, period, request_id)
);

CREATE TRIGGER statement_credits_no_delete BEFORE DELETE ON statement_credits
BEGIN SELECT RAISE(ABORT, 'statement_credits: a posted line is never deleted'); END;
CREATE TRIGGER charity_recipients_no_delete BEFORE DELETE ON charity_recipients
BEGIN SELECT RAISE(ABORT, 'charity_recipients: entries are never deleted; deactivate them'); END;
CREATE TRIGGER charity_transfers_no_delete BEFORE DELETE ON charity_transfers
BEGIN SELECT RAISE(ABORT, 'charity_transfers: a transfer is never deleted'); END;
CREATE TRIGGER charity_transfer_sources_fixed BEFORE UPDATE ON charity_transfer_sources
BEGIN SELECT RAISE(ABORT, 'charity_transfer_sources: what a transfer comes from never changes'); END;
CREATE TRIGGER charity_transfer_sources_no_delete BEFORE DELETE ON charity_transfer_sources
BEGIN SELECT RAISE(ABORT, 'charity_transfer_sources: what a transfer comes from never changes'); END;
