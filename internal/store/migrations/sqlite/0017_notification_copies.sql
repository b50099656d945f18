-- Every copy of a payment notification is compared with what was recorded
-- for its transaction (issue 13, 8c). A transaction id is not the whole
-- identity of a notification: a copy that reuses one with another order,
-- amount or merchant is a different claim, and is set aside for finance
-- staff on its own row, once, however often it comes. The quarantine is
-- therefore unique by what a copy says (provider, transaction, order,
-- amount, merchant), not by the transaction id alone, and 'transaction_reused'
-- names a copy that matches its own order but reuses the transaction id of
-- another payment already recorded.
--
-- An order marked 'quarantined' because a mismatching copy named it may
-- still be paid, once, by a genuine payment that matches it exactly: the
-- donor's money was taken, and the mismatching copy stays quarantined.
-- See internal/donation (Confirm) and docs/decisions/0013.
CREATE TABLE donation_quarantine_copies (
	id             INTEGER NOT NULL PRIMARY KEY,
	provider       TEXT    NOT NULL CHECK (provider <> ''),
	transaction_id TEXT    NOT NULL CHECK (transaction_id <> ''),
	order_no       TEXT    NOT NULL,
	reason         TEXT    NOT NULL CHECK (reason IN ('unknown_order', 'amount_mismatch', 'merchant_mismatch',
		'request_mismatch', 'already_paid', 'transaction_reused')),
	amount_fen     BIGINT  NOT NULL CHECK (typeof(amount_fen) = 'integer'),
	merchant       TEXT    NOT NULL,
	received_at    BIGINT  NOT NULL CHECK (typeof(received_at) = 'integer'),
	resolved_by    TEXT    CHECK (resolved_by <> ''),
	resolved_at    BIGINT,
	UNIQUE (provider, transaction_id, order_no, amount_fen, merchant),
	CHECK ((resolved_at IS NULL) = (resolved_by IS NULL))
);
INSERT INTO donation_quarantine_copies (id, provider, transaction_id, order_no, reason, amount_fen, merchant,
	received_at, resolved_by, resolved_at)
	SELECT id, provider, transaction_id, order_no, reason, amount_fen, merchant, received_at, resolved_by, resolved_at
	FROM donation_quarantine;
DROP TABLE donation_quarantine;
ALTER TABLE donation_quarantine_copies RENAME TO donation_quarantine;
CREATE INDEX donation_quarantine_open ON donation_quarantine (received_at, id) WHERE resolved_at IS NULL;

CREATE TRIGGER donation_quarantine_no_delete BEFORE DELETE ON donation_quarantine
BEGIN SELECT RAISE(ABORT, 'donation_quarantine: a quarantined notification is never deleted'); END;
CREATE TRIGGER donation_quarantine_fixed BEFORE UPDATE OF id, provider, transaction_id, order_no, reason, amount_fen,
	merchant, received_at ON donation_quarantine
BEGIN SELECT RAISE(ABORT, 'donation_quarantine: a quarantined notification never changes'); END;
CREATE TRIGGER donation_quarantine_resolved_once BEFORE UPDATE ON donation_quarantine
WHEN OLD.resolved_at IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'donation_quarantine: a resolution is never changed'); END;

DROP TRIGGER donation_orders_settled;
CREATE TRIGGER donation_orders_settled BEFORE UPDATE ON donation_orders
WHEN OLD.state = 'paid' OR OLD.state = 'quarantined' AND NEW.state <> 'paid'
BEGIN SELECT RAISE(ABORT, 'donation_orders: a paid order never changes, a quarantined one only to paid'); END;
