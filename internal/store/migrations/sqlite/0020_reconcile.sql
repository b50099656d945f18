-- Settlement and reconciliation (R-FUND-1, R-FUND-4). See internal/reconcile
-- and docs/decisions/0018.
--
-- A provider's settlement file is recorded once per reference and content:
-- the first copy of a reference is posted to the ledger (custody:<ref>); a
-- later copy with the same content is a replay and adds nothing; a copy with
-- the same reference and other figures is kept as 'quarantined', never
-- posted, and opens a difference.
CREATE TABLE reconcile_settlements (
	id           INTEGER NOT NULL PRIMARY KEY,
	ref          TEXT    NOT NULL CHECK (ref <> ''),
	provider     TEXT    NOT NULL CHECK (provider <> ''),
	settle_date  TEXT    NOT NULL,
	gross        BIGINT  NOT NULL CHECK (typeof(gross) = 'integer'),
	fees         BIGINT  NOT NULL CHECK (typeof(fees) = 'integer'),
	net          BIGINT  NOT NULL CHECK (typeof(net) = 'integer'),
	tx_count     BIGINT  NOT NULL,
	content_hash TEXT    NOT NULL,
	status       TEXT    NOT NULL CHECK (status IN ('posted', 'quarantined')),
	entry_id     BIGINT  REFERENCES ledger_entries (id),
	created_at   BIGINT  NOT NULL,
	UNIQUE (ref, content_hash),
	CHECK ((status = 'posted') = (entry_id IS NOT NULL))
);
-- One posted copy per reference: the money is credited once.
CREATE UNIQUE INDEX reconcile_settlements_posted ON reconcile_settlements (ref) WHERE status = 'posted';

-- A run is one statement reconciled: a statement id (empty for a CSV
-- statement, which has none) and the file's hash make an import
-- exactly-once; the same id with another hash is refused and recorded in
-- reconcile_refusals.
CREATE TABLE reconcile_runs (
	id              INTEGER NOT NULL PRIMARY KEY,
	statement_id    TEXT    NOT NULL,
	file_hash       TEXT    NOT NULL UNIQUE CHECK (file_hash <> ''),
	account_masked  TEXT    NOT NULL,
	period_from     TEXT    NOT NULL,
	period_to       TEXT    NOT NULL,
	opening         BIGINT,
	closing         BIGINT,
	ledger_at_end   BIGINT  NOT NULL,
	in_transit_sum  BIGINT  NOT NULL,
	lines           BIGINT  NOT NULL,
	matched         BIGINT  NOT NULL,
	in_transit      BIGINT  NOT NULL,
	differences     BIGINT  NOT NULL,
	settlement_ref  TEXT    NOT NULL,
	actor           TEXT    NOT NULL,
	created_at      BIGINT  NOT NULL
);
CREATE UNIQUE INDEX reconcile_runs_statement ON reconcile_runs (statement_id) WHERE statement_id <> '';

CREATE TABLE reconcile_refusals (
	id           INTEGER NOT NULL PRIMARY KEY,
	statement_id TEXT    NOT NULL,
	file_hash    TEXT    NOT NULL,
	reason       TEXT    NOT NULL,
	actor        TEXT    NOT NULL,
	created_at   BIGINT  NOT NULL
);

-- Every difference stays open until a finance officer resolves it with a
-- reason; nothing is absorbed. Money that has to move is moved by a
-- correcting ledger entry, named here, never by an edit.
CREATE TABLE reconcile_differences (
	id               INTEGER NOT NULL PRIMARY KEY,
	run_id           BIGINT  REFERENCES reconcile_runs (id),
	settlement_id    BIGINT  REFERENCES reconcile_settlements (id),
	kind             TEXT    NOT NULL CHECK (kind IN ('missing', 'extra', 'duplicate', 'amount_mismatch', 'in_transit_overdue')),
	source           TEXT    NOT NULL CHECK (source IN ('statement', 'settlement')),
	reference        TEXT    NOT NULL,
	ledger_amount    BIGINT,
	other_amount     BIGINT,
	detail           TEXT    NOT NULL,
	created_at       BIGINT  NOT NULL,
	resolved_by      BIGINT,
	resolved_at      BIGINT,
	reason           TEXT,
	correction_entry BIGINT  REFERENCES ledger_entries (id),
	CHECK ((resolved_at IS NULL) = (resolved_by IS NULL) AND (resolved_at IS NULL) = (reason IS NULL))
);
CREATE INDEX reconcile_differences_open ON reconcile_differences (id) WHERE resolved_at IS NULL;

CREATE TRIGGER reconcile_differences_no_delete BEFORE DELETE ON reconcile_differences
BEGIN SELECT RAISE(ABORT, 'reconcile_differences: a difference is never deleted; resolve it with a reason'); END;
CREATE TRIGGER reconcile_differences_fixed BEFORE UPDATE ON reconcile_differences
	WHEN OLD.resolved_at IS NOT NULL OR NEW.id <> OLD.id OR NEW.kind <> OLD.kind OR NEW.reference <> OLD.reference
		OR NEW.ledger_amount IS NOT OLD.ledger_amount OR NEW.other_amount IS NOT OLD.other_amount
BEGIN SELECT RAISE(ABORT, 'reconcile_differences: a difference changes only once, from open to resolved'); END;
CREATE TRIGGER reconcile_runs_no_change BEFORE UPDATE ON reconcile_runs
BEGIN SELECT RAISE(ABORT, 'reconcile_runs: a run is never changed'); END;
CREATE TRIGGER reconcile_runs_no_delete BEFORE DELETE ON reconcile_runs
BEGIN SELECT RAISE(ABORT, 'reconcile_runs: a run is never deleted'); END;
CREATE TRIGGER reconcile_settlements_no_change BEFORE UPDATE ON reconcile_settlements
BEGIN SELECT RAISE(ABORT, 'reconcile_settlements: a settlement is never changed'); END;
CREATE TRIGGER reconcile_settlements_no_delete BEFORE DELETE ON reconcile_settlements
BEGIN SELECT RAISE(ABORT, 'reconcile_settlements: a settlement is never deleted'); END;

-- The entries in transit at a run's period end: the next run reports each
-- one it still does not find on its statement as overdue.
CREATE TABLE reconcile_in_transit (
	run_id BIGINT NOT NULL REFERENCES reconcile_runs (id),
	key    TEXT   NOT NULL,
	PRIMARY KEY (run_id, key)
) WITHOUT ROWID;
