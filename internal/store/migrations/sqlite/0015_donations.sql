-- Donations (R-DON-1, R-DON-2, R-PUB-4, R-FEE-1): the orders donors place,
-- the donations confirmed through the ledger, the notifications set aside
-- for finance staff, the running totals of each request, and share links.
-- See internal/donation and docs/decisions/0013.
--
-- shares: a share link of a request, with who shared it; its token is the
-- unguessable ?s= of the link. share_counts holds what it brought; shares
-- never carry money (R-REF-3). sharer_order_id (a donor sharing after
-- donating) has no foreign key: orders refer to shares, and shares come first.
CREATE TABLE shares (
	id              INTEGER NOT NULL PRIMARY KEY,
	token           TEXT    NOT NULL UNIQUE CHECK (length(token) = 16),
	request_id      BIGINT  NOT NULL REFERENCES requests (id),
	sharer_user_id  BIGINT  REFERENCES users (id),
	sharer_order_id BIGINT,
	created_at      BIGINT  NOT NULL CHECK (typeof(created_at) = 'integer')
);
CREATE TABLE share_counts (
	share_id   INTEGER NOT NULL PRIMARY KEY REFERENCES shares (id),
	visits     BIGINT  NOT NULL CHECK (visits >= 0),
	donations  BIGINT  NOT NULL CHECK (donations >= 0),
	raised_fen BIGINT  NOT NULL CHECK (typeof(raised_fen) = 'integer' AND raised_fen >= 0)
);

-- donation_orders: one row per order. order_no is our order number sent to
-- the provider (random, 24 characters); client_token is the one-time token
-- of the donation form, so a double click returns the first order. The
-- donor is always recorded when signed in, even when anonymous to the public
-- (R-DON-2). There is no fee or tip column (R-FEE-1). An order is never
-- deleted; only its state changes, once, from 'created', with paid_at set
-- exactly when it becomes 'paid'.
CREATE TABLE donation_orders (
	id              INTEGER NOT NULL PRIMARY KEY,
	order_no        TEXT    NOT NULL UNIQUE CHECK (length(order_no) = 24),
	request_id      BIGINT  NOT NULL REFERENCES requests (id),
	amount_fen      BIGINT  NOT NULL CHECK (typeof(amount_fen) = 'integer' AND amount_fen > 0),
	donor_user_id   BIGINT  REFERENCES users (id),
	anonymous       INTEGER NOT NULL CHECK (anonymous IN (0, 1)),
	message         TEXT    CHECK (length(message) BETWEEN 1 AND 200),
	message_flagged INTEGER NOT NULL CHECK (message_flagged IN (0, 1)),
	share_id        BIGINT  REFERENCES shares (id),
	provider        TEXT    NOT NULL CHECK (provider <> ''),
	client_token    TEXT    NOT NULL CHECK (length(client_token) BETWEEN 1 AND 64),
	state           TEXT    NOT NULL CHECK (state IN ('created', 'paid', 'quarantined')),
	created_at      BIGINT  NOT NULL CHECK (typeof(created_at) = 'integer'),
	expires_at      BIGINT  NOT NULL CHECK (typeof(expires_at) = 'integer'),
	paid_at         BIGINT,
	UNIQUE (request_id, client_token),
	CHECK ((state = 'paid') = (paid_at IS NOT NULL))
);
-- The orders the query job asks the provider about.
CREATE INDEX donation_orders_unpaid ON donation_orders (expires_at, id) WHERE state = 'created';

-- donations: one row per confirmed payment, written in the transaction of
-- its ledger entry (entry_id), unique by order and by the provider's
-- transaction id (R-DON-1). after_close marks a payment that landed after
-- the channel closed: still recorded once, to be refunded (R-PUB-4). Never
-- updated or deleted.
CREATE TABLE donations (
	id              INTEGER NOT NULL PRIMARY KEY,
	order_id        BIGINT  NOT NULL UNIQUE REFERENCES donation_orders (id),
	request_id      BIGINT  NOT NULL REFERENCES requests (id),
	amount_fen      BIGINT  NOT NULL CHECK (typeof(amount_fen) = 'integer' AND amount_fen > 0),
	entry_id        BIGINT  NOT NULL UNIQUE REFERENCES ledger_entries (id),
	provider        TEXT    NOT NULL CHECK (provider <> ''),
	transaction_id  TEXT    NOT NULL CHECK (transaction_id <> ''),
	donor_user_id   BIGINT  REFERENCES users (id),
	anonymous       INTEGER NOT NULL CHECK (anonymous IN (0, 1)),
	message         TEXT    CHECK (length(message) BETWEEN 1 AND 200),
	message_flagged INTEGER NOT NULL CHECK (message_flagged IN (0, 1)),
	share_id        BIGINT  REFERENCES shares (id),
	after_close     INTEGER NOT NULL CHECK (after_close IN (0, 1)),
	paid_at         BIGINT  NOT NULL CHECK (typeof(paid_at) = 'integer'),
	created_at      BIGINT  NOT NULL CHECK (typeof(created_at) = 'integer'),
	UNIQUE (provider, transaction_id)
);
CREATE INDEX donations_request ON donations (request_id, id);
CREATE INDEX donations_donor ON donations (donor_user_id, id) WHERE donor_user_id IS NOT NULL;

-- donation_quarantine: verified notifications that must not be credited
-- (unknown order; amount, merchant or request not matching the order; an
-- order already paid by another transaction), for finance staff. Only the
-- resolution is ever set, once; rows are never deleted.
CREATE TABLE donation_quarantine (
	id             INTEGER NOT NULL PRIMARY KEY,
	provider       TEXT    NOT NULL CHECK (provider <> ''),
	transaction_id TEXT    NOT NULL CHECK (transaction_id <> ''),
	order_no       TEXT    NOT NULL,
	reason         TEXT    NOT NULL CHECK (reason IN ('unknown_order', 'amount_mismatch', 'merchant_mismatch',
		'request_mismatch', 'already_paid')),
	amount_fen     BIGINT  NOT NULL CHECK (typeof(amount_fen) = 'integer'),
	merchant       TEXT    NOT NULL,
	received_at    BIGINT  NOT NULL CHECK (typeof(received_at) = 'integer'),
	resolved_by    TEXT    CHECK (resolved_by <> ''),
	resolved_at    BIGINT,
	UNIQUE (provider, transaction_id),
	CHECK ((resolved_at IS NULL) = (resolved_by IS NULL))
);
CREATE INDEX donation_quarantine_open ON donation_quarantine (received_at, id) WHERE resolved_at IS NULL;

-- request_totals: what each request raised before its channel closed, and
-- from how many donations; only ever added to.
CREATE TABLE request_totals (
	request_id INTEGER NOT NULL PRIMARY KEY REFERENCES requests (id),
	raised_fen BIGINT  NOT NULL CHECK (typeof(raised_fen) = 'integer' AND raised_fen >= 0),
	donations  BIGINT  NOT NULL CHECK (donations >= 0)
);

CREATE TRIGGER donation_orders_no_delete BEFORE DELETE ON donation_orders
BEGIN SELECT RAISE(ABORT, 'donation_orders: an order is never deleted'); END;
CREATE TRIGGER donation_orders_fixed BEFORE UPDATE OF id, order_no, request_id, amount_fen, donor_user_id, anonymous,
	message, message_flagged, share_id, provider, client_token, created_at, expires_at ON donation_orders
BEGIN SELECT RAISE(ABORT, 'donation_orders: what an order says never changes'); END;
CREATE TRIGGER donation_orders_settled BEFORE UPDATE ON donation_orders
WHEN OLD.state <> 'created'
BEGIN SELECT RAISE(ABORT, 'donation_orders: a paid or quarantined order never changes'); END;

CREATE TRIGGER donations_no_delete BEFORE DELETE ON donations
BEGIN SELECT RAISE(ABORT, 'donations: a donation is never deleted'); END;
CREATE TRIGGER donations_no_update BEFORE UPDATE ON donations
BEGIN SELECT RAISE(ABORT, 'donations: a donation is never changed'); END;

CREATE TRIGGER donation_quarantine_no_delete BEFORE DELETE ON donation_quarantine
BEGIN SELECT RAISE(ABORT, 'donation_quarantine: a quarantined notification is never deleted'); END;
CREATE TRIGGER donation_quarantine_fixed BEFORE UPDATE OF id, provider, transaction_id, order_no, reason, amount_fen,
	merchant, received_at ON donation_quarantine
BEGIN SELECT RAISE(ABORT, 'donation_quarantine: a quarantined notification never changes'); END;
CREATE TRIGGER donation_quarantine_resolved_once BEFORE UPDATE ON donation_quarantine
WHEN OLD.resolved_at IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'donation_quarantine: a resolution is never changed'); END;

CREATE TRIGGER request_totals_no_delete BEFORE DELETE ON request_totals
BEGIN SELECT RAISE(ABORT, 'request_totals: totals are never deleted'); END;
CREATE TRIGGER request_totals_add_only BEFORE UPDATE ON request_totals
WHEN NEW.request_id <> OLD.request_id OR NEW.raised_fen < OLD.raised_fen OR NEW.donations < OLD.donations
BEGIN SELECT RAISE(ABORT, 'request_totals: totals are only ever added to'); END;

CREATE TRIGGER shares_no_delete BEFORE DELETE ON shares
BEGIN SELECT RAISE(ABORT, 'shares: a share is never deleted'); END;
CREATE TRIGGER shares_no_update BEFORE UPDATE ON shares
BEGIN SELECT RAISE(ABORT, 'shares: a share is never changed'); END;
CREATE TRIGGER share_counts_no_delete BEFORE DELETE ON share_counts
BEGIN SELECT RAISE(ABORT, 'share_counts: counts are never deleted'); END;
CREATE TRIGGER share_counts_add_only BEFORE UPDATE ON share_counts
WHEN NEW.share_id <> OLD.share_id OR NEW.visits < OLD.visits OR NEW.donations < OLD.donations
	OR NEW.raised_fen < OLD.raised_fen
BEGIN SELECT RAISE(ABORT, 'share_counts: counts are only ever added to'); END;
