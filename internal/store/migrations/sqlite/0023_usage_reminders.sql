-- The reminders of a usage update (R-DISB-4: the publisher is reminded
-- before the update is due and after): one row per payout and stage, so
-- that each is sent once however many runs or nodes of the reminding job
-- there are. A run claims a row before it sends (claimed_at) and marks it
-- sent after (sent_at); a send that failed gives the claim up, and a claim
-- left by a run that died between the two may be taken again after a
-- while. See internal/jobs (UsageReminders). No phone number or text is
-- kept: only which reminder went out, and when.
CREATE TABLE usage_reminders (
	payout_id  BIGINT NOT NULL REFERENCES payouts (id),
	stage      TEXT   NOT NULL CHECK (stage IN ('due', 'overdue')),
	due_at     BIGINT NOT NULL CHECK (typeof(due_at) = 'integer'),
	claimed_at BIGINT NOT NULL CHECK (typeof(claimed_at) = 'integer'),
	sent_at    BIGINT,
	PRIMARY KEY (payout_id, stage)
);
