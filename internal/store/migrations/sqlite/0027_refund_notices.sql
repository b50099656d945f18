-- The donor's SMS about a refund (R-DON-2: the donor is told when money is
-- on its way back): one row per refund and event — sent to the provider,
-- paid back (succeeded), or given to charity (to_charity) — so that each
-- is told once however many runs or nodes of the job there are. The
-- refund-notices job (internal/jobs) writes the rows of refunds whose
-- state changed and were not yet told, claims a row (claimed) in one
-- transaction, sends the SMS outside any transaction, and records it
-- (sent); a send the gateway refused goes back to pending, up to a few
-- attempts (failed after). A claim left by a run that died between
-- claiming and recording is never sent again (unsure): a donor is never
-- told twice. No phone number or text is kept: only which notice went
-- out, to which user, and when.
CREATE TABLE refund_notices (
	refund_id  BIGINT  NOT NULL REFERENCES refunds (id),
	event      TEXT    NOT NULL CHECK (event IN ('sent', 'succeeded', 'to_charity')),
	user_id    BIGINT  NOT NULL REFERENCES users (id),
	request_id BIGINT  NOT NULL REFERENCES requests (id),
	amount_fen BIGINT  NOT NULL CHECK (amount_fen > 0),
	state      TEXT    NOT NULL CHECK (state IN ('pending', 'claimed', 'sent', 'failed', 'unsure')),
	attempts   INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
	created_at BIGINT  NOT NULL CHECK (typeof(created_at) = 'integer'),
	claimed_at BIGINT,
	sent_at    BIGINT,
	PRIMARY KEY (refund_id, event),
	CHECK ((state = 'sent') = (sent_at IS NOT NULL)),
	CHECK (state = 'pending' OR claimed_at IS NOT NULL)
);
CREATE INDEX refund_notices_open ON refund_notices (state, claimed_at) WHERE state IN ('pending', 'claimed');
