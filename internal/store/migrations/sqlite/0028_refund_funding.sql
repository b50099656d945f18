-- Refunds funded from custody (R-FUND-2, R-DON-2): when the refunds due
-- through a payment provider exceed what it holds for us, the platform
-- tops its balance up from the custody account, as a merchant tops up its
-- WeChat Pay balance from its bank account. See internal/refundfund and
-- docs/decisions/0020-refund-funding.md.
--
-- refund_fundings: one top-up, sent through the custody bank's outbox as
-- transfer CFRT<id> to the provider's settlement account. state: planned
-- (decided, not yet in the outbox), sending (in the outbox), paid (the
-- bank paid it: psp:<provider> ← bank:custody, kind refund, key
-- custody:CFRT<id>, entry_id), rejected (nothing moved). credited_at is
-- when the provider was told of the money (the sandbox's book); a job
-- tells it the ones a crash left.
CREATE TABLE refund_fundings (
	id          INTEGER NOT NULL PRIMARY KEY,
	provider    TEXT    NOT NULL CHECK (provider <> ''),
	amount_fen  BIGINT  NOT NULL CHECK (typeof(amount_fen) = 'integer' AND amount_fen > 0),
	due_fen     BIGINT  NOT NULL CHECK (typeof(due_fen) = 'integer' AND due_fen >= 0),
	balance_fen BIGINT  NOT NULL CHECK (typeof(balance_fen) = 'integer'),
	state       TEXT    NOT NULL CHECK (state IN ('planned', 'sending', 'paid', 'rejected')),
	entry_id    BIGINT  UNIQUE REFERENCES ledger_entries (id),
	reason      TEXT    NOT NULL DEFAULT '',
	created_at  BIGINT  NOT NULL,
	sent_at     BIGINT,
	ended_at    BIGINT,
	credited_at BIGINT,
	CHECK ((state = 'paid') = (entry_id IS NOT NULL)),
	CHECK (credited_at IS NULL OR state = 'paid')
);
CREATE INDEX refund_fundings_open ON refund_fundings (provider, id) WHERE state IN ('planned', 'sending') OR (state = 'paid' AND credited_at IS NULL);

CREATE TRIGGER refund_fundings_no_delete BEFORE DELETE ON refund_fundings
BEGIN SELECT RAISE(ABORT, 'refund_fundings: a top-up is never deleted'); END;

CREATE TRIGGER refund_fundings_fixed BEFORE UPDATE OF id, provider, amount_fen, due_fen, balance_fen, created_at ON refund_fundings
BEGIN SELECT RAISE(ABORT, 'refund_fundings: a top-up''s amount and provider never change'); END;

-- sandbox_psp_fundings: the sandbox payment provider's own book of the
-- top-ups of its balance, by the custody transfer's id; the day's are in
-- its settlement (funding records) and pay the day's refunds.
CREATE TABLE sandbox_psp_fundings (
	ref         TEXT   NOT NULL PRIMARY KEY,
	amount_fen  BIGINT NOT NULL CHECK (typeof(amount_fen) = 'integer' AND amount_fen > 0),
	received_at BIGINT NOT NULL CHECK (typeof(received_at) = 'integer')
);
CREATE INDEX sandbox_psp_fundings_day ON sandbox_psp_fundings (received_at);
CREATE INDEX sandbox_psp_refunds_day ON sandbox_psp_refunds (received_at) WHERE outcome = 'success';
