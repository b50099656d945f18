-- Refunds (R-REF-1, R-REF-2, R-PUB-4, R-DON-2, R-CHAR-1): every way money
-- goes back to donors, by the original route. See internal/refund.
--
-- The money is in the ledger: a refund decided posts
-- request:R → payable:refund:<run> (kind refund, key refund:<id>), paid
-- payable:refund:<run> → psp:<provider> (refund_paid, refund:<id>:paid), and
-- one that cannot be paid payable:refund:<run> → charity:payable
-- (refund_to_charity, refund:<id>:charity). A row here says where a refund
-- stands; a refund whose refund entry exists is decided.
--
-- refund_runs: one decision to give money back (a cause, an amount, who
-- decided it and why), with the counters of its outcomes. idem_key makes
-- starting a run exactly-once. state: ledgering (plan written, entries
-- being posted), ledgered (every refund's entry posted), finished (every
-- refund succeeded or went to charity).
CREATE TABLE refund_runs (
	id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	request_id      BIGINT  NOT NULL REFERENCES requests (id),
	cause           TEXT    NOT NULL CHECK (cause IN ('purpose_ended', 'after_close', 'donor', 'terminated', 'recovery',
		'wind_down')),
	amount_fen      BIGINT  NOT NULL CHECK (amount_fen > 0),
	refunds         BIGINT  NOT NULL CHECK (refunds > 0),
	state           TEXT    NOT NULL CHECK (state IN ('ledgering', 'ledgered', 'finished')),
	actor           TEXT    NOT NULL CHECK (actor <> ''),
	reason          TEXT    NOT NULL CHECK (length(reason) <= 500),
	idem_key        TEXT    NOT NULL UNIQUE CHECK (length(idem_key) BETWEEN 1 AND 200),
	succeeded_count BIGINT  NOT NULL DEFAULT 0 CHECK (succeeded_count >= 0),
	succeeded_fen   BIGINT  NOT NULL DEFAULT 0 CHECK (succeeded_fen >= 0),
	charity_count   BIGINT  NOT NULL DEFAULT 0 CHECK (charity_count >= 0),
	charity_fen     BIGINT  NOT NULL DEFAULT 0 CHECK (charity_fen >= 0),
	created_at      BIGINT  NOT NULL,
	ledgered_at     BIGINT,
	finished_at     BIGINT,
	CHECK (succeeded_count + charity_count <= refunds),
	CHECK (succeeded_fen + charity_fen <= amount_fen),
	CHECK ((state = 'ledgering') = (ledgered_at IS NULL)),
	CHECK ((state = 'finished') = (finished_at IS NOT NULL))
);
CREATE INDEX refund_runs_request ON refund_runs (request_id, id);
CREATE INDEX refund_runs_ledgering ON refund_runs (id) WHERE state = 'ledgering';

-- refunds: one per donation per run, to the donation's own provider and
-- transaction (R-DON-2). out_refund_no is the number of the current
-- attempt (CFRF<id>A<attempt>), sent again unchanged after a crash so the
-- provider refunds once; a closed or abnormal attempt is retried with the
-- next number at next_at. planned: written, its entry not yet known to be
-- posted; decided: its entry posted.
CREATE TABLE refunds (
	id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	run_id             BIGINT  NOT NULL REFERENCES refund_runs (id),
	donation_id        BIGINT  NOT NULL REFERENCES donations (id),
	request_id         BIGINT  NOT NULL REFERENCES requests (id),
	provider           TEXT    NOT NULL CHECK (provider <> ''),
	order_no           TEXT    NOT NULL CHECK (order_no <> ''),
	transaction_id     TEXT    NOT NULL CHECK (transaction_id <> ''),
	total_fen          BIGINT  NOT NULL CHECK (total_fen > 0),
	amount_fen         BIGINT  NOT NULL CHECK (amount_fen > 0 AND amount_fen <= total_fen),
	state              TEXT    NOT NULL CHECK (state IN ('planned', 'decided', 'sending', 'processing', 'succeeded',
		'retrying', 'abnormal', 'to_charity')),
	attempt            INTEGER NOT NULL CHECK (attempt >= 1),
	out_refund_no      TEXT    NOT NULL UNIQUE CHECK (length(out_refund_no) BETWEEN 6 AND 32),
	provider_refund_id TEXT,
	account            TEXT,
	next_at            BIGINT  NOT NULL,
	last_error         TEXT,
	created_at         BIGINT  NOT NULL,
	updated_at         BIGINT  NOT NULL,
	settled_at         BIGINT,
	UNIQUE (run_id, donation_id),
	CHECK ((state IN ('succeeded', 'to_charity')) = (settled_at IS NOT NULL))
);
CREATE INDEX refunds_run ON refunds (run_id, state);
CREATE INDEX refunds_donation ON refunds (donation_id);
CREATE INDEX refunds_due ON refunds (next_at, id) WHERE state IN ('decided', 'sending', 'processing', 'retrying', 'abnormal');

-- refund_quarantine: verified refund answers and notifications that must
-- not be believed (an unknown refund number, another order, a wrong
-- amount, a success after the money went to charity), kept for finance
-- staff, once per distinct claim. Only the resolution is ever set, once.
CREATE TABLE refund_quarantine (
	id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	provider           TEXT    NOT NULL CHECK (provider <> ''),
	refund_no          TEXT    NOT NULL,
	reason             TEXT    NOT NULL CHECK (reason IN ('unknown_refund', 'amount_mismatch', 'order_mismatch',
		'stale_attempt', 'after_charity')),
	state              TEXT    NOT NULL,
	amount_fen         BIGINT  NOT NULL,
	order_no           TEXT    NOT NULL,
	transaction_id     TEXT    NOT NULL,
	provider_refund_id TEXT    NOT NULL,
	received_at        BIGINT  NOT NULL,
	resolved_by        TEXT    CHECK (resolved_by <> ''),
	resolved_at        BIGINT,
	UNIQUE (provider, refund_no, reason, state, amount_fen, order_no, transaction_id),
	CHECK ((resolved_at IS NULL) = (resolved_by IS NULL))
);

-- sandbox_psp_refunds: the sandbox payment provider's own refund book, so
-- that its refunds survive a restart: one row per refund number, with the
-- outcome its habits decided when the refund arrived.
CREATE TABLE sandbox_psp_refunds (
	refund_no          TEXT   NOT NULL PRIMARY KEY,
	order_no           TEXT   NOT NULL,
	transaction_id     TEXT   NOT NULL,
	total_fen          BIGINT NOT NULL CHECK (total_fen > 0),
	amount_fen         BIGINT NOT NULL CHECK (amount_fen > 0),
	outcome            TEXT   NOT NULL CHECK (outcome IN ('success', 'abnormal', 'closed')),
	provider_refund_id TEXT   NOT NULL UNIQUE,
	received_at        BIGINT NOT NULL
);
CREATE INDEX sandbox_psp_refunds_order ON sandbox_psp_refunds (order_no);

CREATE FUNCTION refund_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION '%: %', TG_TABLE_NAME, TG_ARGV[0] USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER refund_runs_no_delete BEFORE DELETE ON refund_runs
	FOR EACH ROW EXECUTE FUNCTION refund_refuse_change('a refund run is never deleted');
CREATE TRIGGER refund_runs_no_truncate BEFORE TRUNCATE ON refund_runs
	FOR EACH STATEMENT EXECUTE FUNCTION refund_refuse_change('a refund run is never deleted');
CREATE TRIGGER refund_runs_fixed BEFORE UPDATE OF id, request_id, cause, amount_fen, refunds, actor, reason, idem_key,
	created_at ON refund_runs
	FOR EACH ROW EXECUTE FUNCTION refund_refuse_change('what was decided never changes');
CREATE TRIGGER refund_runs_finished BEFORE UPDATE ON refund_runs
	FOR EACH ROW WHEN (OLD.state = 'finished') EXECUTE FUNCTION refund_refuse_change('a finished run never changes');

CREATE TRIGGER refunds_no_delete BEFORE DELETE ON refunds
	FOR EACH ROW EXECUTE FUNCTION refund_refuse_change('a refund is never deleted');
CREATE TRIGGER refunds_no_truncate BEFORE TRUNCATE ON refunds
	FOR EACH STATEMENT EXECUTE FUNCTION refund_refuse_change('a refund is never deleted');
CREATE TRIGGER refunds_fixed BEFORE UPDATE OF id, run_id, donation_id, request_id, provider, order_no, transaction_id,
	total_fen, amount_fen, created_at ON refunds
	FOR EACH ROW EXECUTE FUNCTION refund_refuse_change('what was decided never changes');
CREATE TRIGGER refunds_final BEFORE UPDATE ON refunds
	FOR EACH ROW WHEN (OLD.state IN ('succeeded', 'to_charity'))
	EXECUTE FUNCTION refund_refuse_change('a refund paid or given to charity never changes');
-- A donation is never refunded more than it gave, whatever the runs: one
-- check per statement over the donations it touched (a run inserts
-- thousands of rows at once).
CREATE FUNCTION refunds_within_gift() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM (SELECT DISTINCT donation_id FROM new_refunds) n JOIN donations d ON d.id = n.donation_id
		WHERE d.amount_fen < (SELECT SUM(r.amount_fen) FROM refunds r WHERE r.donation_id = n.donation_id)) THEN
		RAISE EXCEPTION 'refunds: a donation is never refunded more than it gave' USING ERRCODE = 'check_violation';
	END IF;
	RETURN NULL;
END
$$;
CREATE TRIGGER refunds_within_gift AFTER INSERT ON refunds REFERENCING NEW TABLE AS new_refunds
	FOR EACH STATEMENT EXECUTE FUNCTION refunds_within_gift();

CREATE TRIGGER refund_quarantine_no_delete BEFORE DELETE ON refund_quarantine
	FOR EACH ROW EXECUTE FUNCTION refund_refuse_change('a quarantined answer is never deleted');
CREATE TRIGGER refund_quarantine_fixed BEFORE UPDATE OF id, provider, refund_no, reason, state, amount_fen, order_no,
	transaction_id, provider_refund_id, received_at ON refund_quarantine
	FOR EACH ROW EXECUTE FUNCTION refund_refuse_change('a quarantined answer never changes');
CREATE TRIGGER refund_quarantine_resolved_once BEFORE UPDATE ON refund_quarantine
	FOR EACH ROW WHEN (OLD.resolved_at IS NOT NULL) EXECUTE FUNCTION refund_refuse_change('a resolution is never changed');
