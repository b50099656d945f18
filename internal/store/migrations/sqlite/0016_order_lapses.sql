-- donation_order_lapses: orders the platform gave up on. When no payment
-- notification came by an order's expiry, the query job asks the provider
-- (R-DON-1); a paid order is confirmed through the usual path, and one the
-- provider reports unpaid, closed or unknown is recorded here, once, so the
-- job stops asking. The order itself stays 'created': a payment that still
-- arrives is credited, because the money was taken.
CREATE TABLE donation_order_lapses (
	order_id       INTEGER NOT NULL PRIMARY KEY REFERENCES donation_orders (id),
	provider_state TEXT    NOT NULL CHECK (provider_state IN ('not_paid', 'closed', 'failed', 'refunded', 'unknown')),
	lapsed_at      BIGINT  NOT NULL CHECK (typeof(lapsed_at) = 'integer')
);
CREATE TRIGGER donation_order_lapses_no_delete BEFORE DELETE ON donation_order_lapses
BEGIN SELECT RAISE(ABORT, 'donation_order_lapses: a lapse is never deleted'); END;
CREATE TRIGGER donation_order_lapses_no_update BEFORE UPDATE ON donation_order_lapses
BEGIN SELECT RAISE(ABORT, 'donation_order_lapses: a lapse is never changed'); END;

-- The share links of a request, for the publisher's "where support came from".
CREATE INDEX shares_request ON shares (request_id, id);
