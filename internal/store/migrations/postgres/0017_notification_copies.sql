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
ALTER TABLE donation_quarantine DROP CONSTRAINT donation_quarantine_provider_transaction_id_key;
ALTER TABLE donation_quarantine ADD CONSTRAINT donation_quarantine_copy_key
	UNIQUE (provider, transaction_id, order_no, amount_fen, merchant);
ALTER TABLE donation_quarantine DROP CONSTRAINT donation_quarantine_reason_check;
ALTER TABLE donation_quarantine ADD CONSTRAINT donation_quarantine_reason_check
	CHECK (reason IN ('unknown_order', 'amount_mismatch', 'merchant_mismatch', 'request_mismatch', 'already_paid',
		'transaction_reused'));

DROP TRIGGER donation_orders_settled ON donation_orders;
CREATE TRIGGER donation_orders_settled BEFORE UPDATE ON donation_orders
	FOR EACH ROW WHEN (OLD.state = 'paid' OR OLD.state = 'quarantined' AND NEW.state <> 'paid')
	EXECUTE FUNCTION donation_refuse_change('a paid order never changes, a quarantined one only to paid');
