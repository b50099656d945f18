-- The schema carefund's migrations build, read from SQLite after the last
-- migration (0043_complaint_retention.sql). PostgreSQL has the same tables and
-- columns (a test checks); its types are in internal/store/migrations/postgres.
-- Generated: go test ./internal/store -run SchemaDoc -update

CREATE TABLE audit_head (
	id   INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
	seq  BIGINT  NOT NULL CHECK (seq >= 0),
	hash TEXT    NOT NULL CHECK (length(hash) = 64)
);

CREATE TABLE audit_log (
	seq       INTEGER NOT NULL PRIMARY KEY CHECK (seq >= 1),
	at        BIGINT  NOT NULL,
	actor     TEXT    NOT NULL CHECK (actor <> ''),
	action    TEXT    NOT NULL CHECK (action <> ''),
	object    TEXT    NOT NULL,
	result    TEXT    NOT NULL CHECK (result IN ('ok', 'denied', 'failed')),
	source    TEXT    NOT NULL,
	detail    TEXT    NOT NULL,
	prev_hash TEXT    NOT NULL CHECK (length(prev_hash) = 64),
	hash      TEXT    NOT NULL CHECK (length(hash) = 64)
);

CREATE TABLE bank_cursors (
	bank       TEXT   NOT NULL PRIMARY KEY,
	read_to    TEXT   NOT NULL,
	updated_at BIGINT NOT NULL CHECK (typeof(updated_at) = 'integer')
);

CREATE TABLE bank_outcomes (
	id          INTEGER NOT NULL PRIMARY KEY,
	bank        TEXT    NOT NULL CHECK (bank <> ''),
	transfer_id TEXT    NOT NULL,
	status      TEXT    NOT NULL CHECK (status IN ('pending', 'paid', 'rejected', 'returned')),
	reason      TEXT    NOT NULL,
	at          BIGINT  NOT NULL CHECK (typeof(at) = 'integer'),
	seq         BIGINT  NOT NULL,
	received_at BIGINT  NOT NULL CHECK (typeof(received_at) = 'integer'),
	quarantined INTEGER NOT NULL CHECK (quarantined IN (0, 1)),
	applied_at  BIGINT,
	UNIQUE (bank, transfer_id, status),
	CHECK (quarantined = 0 OR applied_at IS NULL)
);

CREATE TABLE bank_transfer_conflicts (
	id           INTEGER NOT NULL PRIMARY KEY,
	transfer_id  TEXT    NOT NULL,
	content_hash TEXT    NOT NULL,
	amount_fen   BIGINT  NOT NULL,
	received_at  BIGINT  NOT NULL CHECK (typeof(received_at) = 'integer'),
	UNIQUE (transfer_id, content_hash)
);

CREATE TABLE bank_transfers (
	id             TEXT    NOT NULL PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 35),
	bank           TEXT    NOT NULL CHECK (bank <> ''),
	content_hash   TEXT    NOT NULL CHECK (length(content_hash) = 64),
	amount_fen     BIGINT  NOT NULL CHECK (typeof(amount_fen) = 'integer' AND amount_fen > 0),
	key_id         BIGINT  NOT NULL UNIQUE REFERENCES data_keys (id),
	payee_sealed   BLOB    NOT NULL CHECK (typeof(payee_sealed) = 'blob'),
	account_masked TEXT    NOT NULL,
	remittance     TEXT    NOT NULL,
	submitted_at   BIGINT  NOT NULL CHECK (typeof(submitted_at) = 'integer'),
	sent_at        BIGINT,
	status         TEXT    NOT NULL CHECK (status IN ('', 'pending', 'paid', 'rejected', 'returned')),
	status_at      BIGINT
);

CREATE TABLE blacklist_entries (
	id           INTEGER NOT NULL PRIMARY KEY,
	person_index TEXT    NOT NULL CHECK (length(person_index) = 64),
	masked       TEXT    NOT NULL CHECK (length(masked) = 18),
	reason       TEXT    NOT NULL CHECK (reason <> ''),
	evidence     TEXT    NOT NULL CHECK (evidence <> ''),
	listed_at    BIGINT  NOT NULL,
	listed_by    TEXT    NOT NULL CHECK (listed_by <> ''),
	status       TEXT    NOT NULL DEFAULT 'listed' CHECK (status IN ('listed', 'appealed', 'upheld', 'lifted')),
	appeal       TEXT    NOT NULL DEFAULT '',
	appealed_at  BIGINT,
	decision     TEXT    NOT NULL DEFAULT '',
	decided_by   TEXT    NOT NULL DEFAULT '',
	decided_at   BIGINT,
	CHECK (status <> 'appealed' OR appealed_at IS NOT NULL),
	CHECK (status NOT IN ('upheld', 'lifted') OR decided_at IS NOT NULL)
);

CREATE TABLE blacklist_events (
	id       INTEGER NOT NULL PRIMARY KEY,
	entry_id BIGINT  NOT NULL REFERENCES blacklist_entries (id),
	at       BIGINT  NOT NULL,
	actor    TEXT    NOT NULL CHECK (actor <> ''),
	action   TEXT    NOT NULL CHECK (action IN ('add', 'appeal', 'uphold', 'lift')),
	text     TEXT    NOT NULL
);

CREATE TABLE charities (
	id         INTEGER NOT NULL PRIMARY KEY,
	name       TEXT    NOT NULL UNIQUE CHECK (name <> ''),
	summary    TEXT    NOT NULL DEFAULT '',
	categories TEXT    NOT NULL DEFAULT '',
	regions    TEXT    NOT NULL DEFAULT '',
	url        TEXT    NOT NULL CHECK (url LIKE 'https://%'),
	active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
	sort_order INTEGER NOT NULL DEFAULT 0,
	created_at BIGINT  NOT NULL,
	updated_at BIGINT  NOT NULL
);

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

CREATE TABLE charity_transfer_sources (
	transfer_id BIGINT NOT NULL REFERENCES charity_transfers (id),
	source      TEXT   NOT NULL CHECK (source IN ('interest', 'refund_to_charity')),
	period      TEXT   NOT NULL,
	request_id  BIGINT NOT NULL,
	amount      BIGINT NOT NULL CHECK (typeof(amount) = 'integer' AND amount > 0),
	PRIMARY KEY (transfer_id, source, period, request_id)
);

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

CREATE TABLE complaint_events (
	id           INTEGER NOT NULL PRIMARY KEY,
	complaint_id BIGINT  NOT NULL REFERENCES complaints (id),
	at           BIGINT  NOT NULL,
	actor        TEXT    NOT NULL CHECK (actor <> ''),
	kind         TEXT    NOT NULL CHECK (kind IN ('received', 'acknowledged', 'assigned', 'note', 'linked', 'escalated', 'resolved', 'dismissed')),
	detail       TEXT    NOT NULL DEFAULT ''
);

CREATE TABLE complaint_evidence (
	id           INTEGER NOT NULL PRIMARY KEY,
	complaint_id BIGINT  NOT NULL REFERENCES complaints (id),
	name         TEXT    NOT NULL,
	kind         TEXT    NOT NULL CHECK (kind IN ('image/jpeg', 'image/png', 'application/pdf')),
	size         BIGINT  NOT NULL CHECK (size > 0),
	data_sealed  BLOB    NOT NULL,
	created_at   BIGINT  NOT NULL
);

CREATE TABLE complaints (
	id                  INTEGER NOT NULL PRIMARY KEY,
	number              TEXT    NOT NULL UNIQUE CHECK (number LIKE 'TS________-_____'),
	category            TEXT    NOT NULL CHECK (category IN ('false_info', 'misuse', 'privacy', 'payout', 'staff', 'other')),
	request_id          BIGINT  REFERENCES requests (id),
	staff_ref           TEXT    NOT NULL DEFAULT '',
	subject_staff_id    BIGINT  REFERENCES staff (id),
	text                TEXT    NOT NULL CHECK (text <> ''),
	account_id          BIGINT  REFERENCES users (id),
	key_id              BIGINT  NOT NULL REFERENCES data_keys (id),
	seal_token          TEXT    NOT NULL UNIQUE,
	contact_sealed      BLOB    NOT NULL,
	contact_masked      TEXT    NOT NULL,
	secret_sealed       BLOB    NOT NULL,
	client_key          TEXT    NOT NULL,
	text_hash           TEXT    NOT NULL,
	idem_key            TEXT    UNIQUE,
	status              TEXT    NOT NULL CHECK (status IN ('received', 'triaged', 'investigating', 'resolved', 'dismissed')),
	level               INTEGER NOT NULL DEFAULT 0 CHECK (level >= 0),
	assigned_to         BIGINT  REFERENCES staff (id),
	received_at         BIGINT  NOT NULL,
	ack_due             BIGINT  NOT NULL,
	handle_due          BIGINT  NOT NULL,
	acked_at            BIGINT,
	ack_escalated_at    BIGINT,
	handle_escalated_at BIGINT,
	closed_at           BIGINT,
	outcome             TEXT    CHECK (outcome IN ('upheld', 'partly', 'not_upheld', 'dismissed')),
	response            TEXT    NOT NULL DEFAULT '',
	published           INTEGER NOT NULL DEFAULT 0 CHECK (published IN (0, 1)), anonymized_at BIGINT,
	CHECK ((closed_at IS NULL) = (status NOT IN ('resolved', 'dismissed'))),
	CHECK ((outcome IS NULL) = (closed_at IS NULL)),
	CHECK (published = 0 OR (request_id IS NOT NULL AND closed_at IS NOT NULL)),
	-- A complaint about a staff member is never theirs to handle (R-COMP-1).
	CHECK (assigned_to IS NULL OR subject_staff_id IS NULL OR assigned_to <> subject_staff_id)
);

CREATE TABLE content_records (
	id          INTEGER NOT NULL PRIMARY KEY,
	place       TEXT    NOT NULL CHECK (place IN ('request', 'update', 'donation_message', 'complaint_response')),
	ref         TEXT    NOT NULL CHECK (length(ref) BETWEEN 1 AND 100),
	categories  TEXT    NOT NULL CHECK (categories <> ''),
	terms       TEXT    NOT NULL,
	action      TEXT    NOT NULL CHECK (action IN ('hold', 'refuse')),
	state       TEXT    NOT NULL CHECK (state IN ('held', 'cleared', 'taken_down', 'refused')),
	screened_at BIGINT  NOT NULL CHECK (typeof(screened_at) = 'integer'),
	handled_by  TEXT,
	handled_at  BIGINT,
	note        TEXT    CHECK (length(note) <= 500),
	CHECK ((state IN ('held', 'refused')) = (handled_at IS NULL)),
	CHECK ((handled_by IS NULL) = (handled_at IS NULL))
);

CREATE TABLE content_takedowns (
	id       INTEGER NOT NULL PRIMARY KEY,
	place    TEXT    NOT NULL CHECK (place IN ('request', 'update', 'donation_message', 'complaint_response')),
	ref      TEXT    NOT NULL CHECK (length(ref) BETWEEN 1 AND 100),
	reason   TEXT    NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
	taken_by TEXT    NOT NULL CHECK (taken_by <> ''),
	taken_at BIGINT  NOT NULL CHECK (typeof(taken_at) = 'integer'),
	UNIQUE (place, ref)
);

CREATE TABLE content_terms (
	id         INTEGER NOT NULL PRIMARY KEY,
	category   TEXT    NOT NULL CHECK (category IN ('illegal', 'harmful', 'rumour', 'hype', 'risky')),
	term       TEXT    NOT NULL CHECK (length(term) BETWEEN 1 AND 50),
	change     TEXT    NOT NULL CHECK (change IN ('add', 'remove')),
	changed_by TEXT    NOT NULL CHECK (changed_by <> ''),
	changed_at BIGINT  NOT NULL CHECK (typeof(changed_at) = 'integer')
);

CREATE TABLE custody_accounts (
	id             INTEGER NOT NULL PRIMARY KEY,
	bank_name      TEXT    NOT NULL CHECK (bank_name <> ''),
	account_masked TEXT    NOT NULL,
	account_index  TEXT    NOT NULL,
	key_id         BIGINT  NOT NULL REFERENCES data_keys (id),
	account_sealed BLOB    NOT NULL CHECK (typeof(account_sealed) = 'blob'),
	opened_on      TEXT    NOT NULL CHECK (length(opened_on) = 10),
	state          TEXT    NOT NULL CHECK (state IN ('open', 'closed', 'revoked')),
	ended_on       TEXT,
	CHECK ((state = 'open') = (ended_on IS NULL))
);

CREATE TABLE custody_changes (
	id             INTEGER NOT NULL PRIMARY KEY,
	action         TEXT    NOT NULL CHECK (action IN ('open', 'change', 'close', 'revoke')),
	account_id     BIGINT  REFERENCES custody_accounts (id),
	bank_name      TEXT    NOT NULL,
	account_masked TEXT    NOT NULL,
	account_index  TEXT    NOT NULL,
	key_id         BIGINT  REFERENCES data_keys (id),
	account_sealed BLOB,
	effective_on   TEXT    NOT NULL CHECK (length(effective_on) = 10),
	reason         TEXT    NOT NULL CHECK (reason <> ''),
	state          TEXT    NOT NULL CHECK (state IN ('proposed', 'approved', 'reported', 'effective', 'withdrawn')),
	proposal_id    BIGINT  NOT NULL UNIQUE REFERENCES staff_proposals (id),
	proposed_by    BIGINT  NOT NULL,
	proposed_at    BIGINT  NOT NULL CHECK (typeof(proposed_at) = 'integer'),
	approved_by    BIGINT,
	reported_on    TEXT,
	report_ref     TEXT    NOT NULL,
	reported_by    BIGINT,
	effective_at   BIGINT,
	effective_by   BIGINT,
	CHECK ((reported_on IS NULL) = (reported_by IS NULL)),
	CHECK (state NOT IN ('reported', 'effective') OR reported_on IS NOT NULL)
);

CREATE TABLE data_keys (
	id                 INTEGER NOT NULL PRIMARY KEY,
	wrapped            BLOB    NOT NULL CHECK (typeof(wrapped) = 'blob'),
	master_fingerprint TEXT    NOT NULL,
	created_at         BIGINT  NOT NULL
);

CREATE TABLE donation_order_lapses (
	order_id       INTEGER NOT NULL PRIMARY KEY REFERENCES donation_orders (id),
	provider_state TEXT    NOT NULL CHECK (provider_state IN ('not_paid', 'closed', 'failed', 'refunded', 'unknown')),
	lapsed_at      BIGINT  NOT NULL CHECK (typeof(lapsed_at) = 'integer')
);

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

CREATE TABLE "donation_quarantine" (
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

CREATE TABLE hospital_drafts (
	id             INTEGER NOT NULL PRIMARY KEY,
	hospital_id    BIGINT  REFERENCES hospitals (id),
	name           TEXT    NOT NULL,
	credit_code    TEXT    NOT NULL,
	bank_name      TEXT    NOT NULL,
	city           TEXT    NOT NULL,
	key_id         BIGINT  NOT NULL REFERENCES data_keys (id),
	account_sealed BLOB    NOT NULL CHECK (typeof(account_sealed) = 'blob'),
	account_masked TEXT    NOT NULL,
	created_at     BIGINT  NOT NULL
);

CREATE TABLE hospital_vouchers (
	hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
	staff_id    BIGINT NOT NULL REFERENCES staff (id),
	proposal_id BIGINT NOT NULL REFERENCES staff_proposals (id),
	PRIMARY KEY (hospital_id, staff_id, proposal_id)
);

CREATE TABLE hospitals (
	id             INTEGER NOT NULL PRIMARY KEY,
	name           TEXT    NOT NULL CHECK (name <> ''),
	credit_code    TEXT    NOT NULL CHECK (length(credit_code) = 18),
	bank_name      TEXT    NOT NULL CHECK (bank_name <> ''),
	city           TEXT    NOT NULL CHECK (city <> ''),
	key_id         BIGINT  NOT NULL REFERENCES data_keys (id),
	account_sealed BLOB    NOT NULL CHECK (typeof(account_sealed) = 'blob'),
	account_index  TEXT    NOT NULL CHECK (length(account_index) = 64),
	account_masked TEXT    NOT NULL CHECK (account_masked <> ''),
	active         INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
	created_at     BIGINT  NOT NULL,
	updated_at     BIGINT  NOT NULL,
	deactivated_at BIGINT,
	CHECK (active = 1 OR deactivated_at IS NOT NULL)
);

CREATE TABLE identities (
	id         INTEGER NOT NULL PRIMARY KEY,
	user_id    BIGINT  NOT NULL REFERENCES users (id),
	key_id     BIGINT  NOT NULL REFERENCES data_keys (id),
	name_sealed BLOB   NOT NULL,
	number_sealed BLOB NOT NULL,
	number_index TEXT  NOT NULL,
	verifier   TEXT    NOT NULL,
	outcome    TEXT    NOT NULL CHECK (outcome IN ('verified', 'rejected')),
	reason     TEXT    NOT NULL,
	source     TEXT    NOT NULL,
	created_at BIGINT  NOT NULL
);

CREATE TABLE incident_affected (
	incident_id BIGINT NOT NULL REFERENCES incidents (id),
	object      TEXT   NOT NULL CHECK (object <> ''),
	PRIMARY KEY (incident_id, object)
) WITHOUT ROWID;

CREATE TABLE incident_notices (
	id          INTEGER NOT NULL PRIMARY KEY,
	incident_id BIGINT  NOT NULL REFERENCES incidents (id),
	-- 'authority' (recipient names which one) or 'person' (recipient is
	-- one of the incident's affected objects, e.g. "user:5").
	audience    TEXT    NOT NULL CHECK (audience IN ('authority', 'person')),
	recipient   TEXT    NOT NULL CHECK (recipient <> ''),
	reference   TEXT    NOT NULL,
	channel     TEXT    NOT NULL CHECK (channel IN ('sms', 'email', 'letter', 'in_app')),
	sent_at     BIGINT  NOT NULL,
	sent_by     TEXT    NOT NULL CHECK (sent_by <> ''),
	outcome     TEXT    NOT NULL CHECK (outcome IN ('sent', 'delivered', 'failed')),
	note        TEXT    NOT NULL,
	recorded_at BIGINT  NOT NULL
);

CREATE TABLE incident_steps (
	id          INTEGER NOT NULL PRIMARY KEY,
	incident_id BIGINT  NOT NULL REFERENCES incidents (id),
	at          BIGINT  NOT NULL,
	by_actor    TEXT    NOT NULL,
	kind        TEXT    NOT NULL CHECK (kind IN ('remediation', 'notice_people', 'notice_regulator', 'note', 'status')),
	text        TEXT    NOT NULL CHECK (text <> '')
);

CREATE TABLE incidents (
	id            INTEGER NOT NULL PRIMARY KEY,
	title         TEXT    NOT NULL CHECK (title <> ''),
	description   TEXT    NOT NULL,
	status        TEXT    NOT NULL CHECK (status IN ('open', 'contained', 'notified', 'closed')),
	opened_by     TEXT    NOT NULL,
	opened_at     BIGINT  NOT NULL,
	suspect_actor TEXT    NOT NULL,
	scope_from    BIGINT  NOT NULL,
	scope_to      BIGINT  NOT NULL, kind TEXT NOT NULL DEFAULT 'leak' CHECK (kind IN ('leak', 'tampering', 'loss')),
	CHECK (scope_from <= scope_to)
);

CREATE TABLE key_backups (
	id          INTEGER NOT NULL PRIMARY KEY,
	fingerprint TEXT    NOT NULL CHECK (fingerprint <> ''),
	actor       TEXT    NOT NULL CHECK (actor <> ''),
	created_at  BIGINT  NOT NULL CHECK (typeof(created_at) = 'integer')
);

CREATE TABLE ledger_accounts (
	id           INTEGER NOT NULL PRIMARY KEY,
	name         TEXT    NOT NULL UNIQUE,
	type         TEXT    NOT NULL CHECK (type IN ('asset', 'liability', 'income')),
	non_negative INTEGER NOT NULL CHECK (non_negative IN (0, 1)),
	balance      BIGINT  NOT NULL DEFAULT 0,
	created_at   BIGINT  NOT NULL,
	-- A request account never goes negative (R-FUND-1): the platform cannot
	-- pay out or refund money a request does not hold.
	CHECK (non_negative = 1 OR name NOT LIKE 'request:%'),
	CHECK (non_negative = 0 OR balance >= 0),
	-- SQLite turns an integer that overflows into a float; refuse that.
	CHECK (typeof(balance) = 'integer')
);

CREATE TABLE ledger_entries (
	id           INTEGER NOT NULL PRIMARY KEY,
	idem_key     TEXT    NOT NULL UNIQUE, -- exactly-once: a replay finds the first entry
	kind         TEXT    NOT NULL,
	memo         TEXT    NOT NULL,
	reverses     BIGINT  UNIQUE REFERENCES ledger_entries (id),
	content_hash TEXT    NOT NULL,        -- tells a replay from a reuse of the key
	created_at   BIGINT  NOT NULL
);

CREATE TABLE ledger_postings (
	entry_id   BIGINT NOT NULL REFERENCES ledger_entries (id),
	account_id BIGINT NOT NULL REFERENCES ledger_accounts (id),
	amount     BIGINT NOT NULL CHECK (amount <> 0),
	PRIMARY KEY (entry_id, account_id)
) WITHOUT ROWID;

CREATE TABLE meta (
	key        TEXT   NOT NULL PRIMARY KEY,
	value      TEXT   NOT NULL,
	updated_at BIGINT NOT NULL
);

CREATE TABLE patient_checks (
	id            INTEGER NOT NULL PRIMARY KEY,
	request_id    BIGINT NOT NULL REFERENCES requests (id),
	user_id       BIGINT NOT NULL REFERENCES users (id),
	pair_index    TEXT   NOT NULL CHECK (pair_index <> ''),
	patient_index TEXT   NOT NULL CHECK (patient_index <> ''),
	verifier      TEXT   NOT NULL CHECK (verifier <> ''),
	outcome       TEXT   NOT NULL CHECK (outcome IN ('verified', 'rejected')),
	reason        TEXT   NOT NULL,
	created_at    BIGINT NOT NULL
);

CREATE TABLE payout_events (
	id         INTEGER NOT NULL PRIMARY KEY,
	payout_id  BIGINT  NOT NULL REFERENCES payouts (id),
	from_state TEXT    NOT NULL,
	to_state   TEXT    NOT NULL,
	event      TEXT    NOT NULL CHECK (event <> ''),
	actor      TEXT    NOT NULL CHECK (actor <> ''),
	text       TEXT    NOT NULL,
	at         BIGINT  NOT NULL
);

CREATE TABLE payout_materials (
	payout_id   BIGINT NOT NULL REFERENCES payouts (id),
	material_id BIGINT NOT NULL REFERENCES request_materials (id),
	purpose     TEXT   NOT NULL CHECK (purpose IN ('application', 'answer', 'usage')),
	usage_id    BIGINT REFERENCES payout_usage (id),
	CHECK ((purpose = 'usage') = (usage_id IS NOT NULL))
);

CREATE TABLE payout_outcome_copies (
	id          INTEGER NOT NULL PRIMARY KEY,
	transfer_id TEXT    NOT NULL,
	status      TEXT    NOT NULL,
	reason      TEXT    NOT NULL,
	at          BIGINT  NOT NULL,
	recorded_at BIGINT  NOT NULL,
	UNIQUE (transfer_id, status, reason, at)
);

CREATE TABLE payout_outcomes (
	transfer_id TEXT   NOT NULL,
	phase       TEXT   NOT NULL CHECK (phase IN ('settle', 'return')),
	payout_id   BIGINT NOT NULL REFERENCES payouts (id),
	status      TEXT   NOT NULL CHECK (status IN ('paid', 'rejected', 'returned')),
	reason      TEXT   NOT NULL,
	at          BIGINT NOT NULL,
	recorded_at BIGINT NOT NULL,
	PRIMARY KEY (transfer_id, phase)
);

CREATE TABLE payout_usage (
	id        INTEGER NOT NULL PRIMARY KEY,
	payout_id BIGINT  NOT NULL REFERENCES payouts (id),
	body      TEXT    NOT NULL CHECK (length(body) BETWEEN 1 AND 2000),
	posted_by TEXT    NOT NULL CHECK (posted_by <> ''),
	posted_at BIGINT  NOT NULL
);

CREATE TABLE payouts (
	id                INTEGER NOT NULL PRIMARY KEY,
	request_id        BIGINT  NOT NULL REFERENCES requests (id),
	applicant_user_id BIGINT  NOT NULL REFERENCES users (id),
	idem_key          TEXT    NOT NULL CHECK (length(idem_key) BETWEEN 1 AND 100),
	content_index     TEXT    NOT NULL CHECK (length(content_index) = 64),
	state             TEXT    NOT NULL CHECK (state IN ('requested', 'in_review', 'needs_info', 'approved', 'paying',
		'paid', 'failed', 'rejected', 'returned')),
	mode              TEXT    NOT NULL CHECK (mode IN ('direct', 'hospital_or_batches')),
	amount_fen        BIGINT  NOT NULL CHECK (typeof(amount_fen) = 'integer' AND amount_fen > 0),
	purpose           TEXT    NOT NULL CHECK (length(purpose) BETWEEN 1 AND 500),
	payee_kind        TEXT    NOT NULL CHECK (payee_kind IN ('requester', 'guardian', 'relative', 'hospital')),
	relationship      TEXT    CHECK (relationship <> ''),
	designated_by     TEXT    CHECK (designated_by IN ('requester', 'guardian')),
	hospital_id       BIGINT,
	hospital_name     TEXT    CHECK (hospital_name <> ''),
	bank_name         TEXT    NOT NULL CHECK (length(bank_name) BETWEEN 1 AND 100),
	batch             INTEGER NOT NULL CHECK (batch IN (0, 1)),
	key_id            BIGINT  NOT NULL UNIQUE REFERENCES data_keys (id),
	seal_token        TEXT    NOT NULL UNIQUE CHECK (length(seal_token) = 32),
	payee_sealed      BLOB    NOT NULL CHECK (length(payee_sealed) > 0),
	account_index     TEXT    NOT NULL CHECK (length(account_index) = 64),
	account_masked    TEXT    NOT NULL CHECK (account_masked <> ''),
	question          TEXT,
	reason            TEXT,
	claimant          BIGINT  REFERENCES staff (id),
	first_approver    BIGINT  REFERENCES staff (id),
	first_approved_at BIGINT,
	second_approver   BIGINT  REFERENCES staff (id),
	approve_entry_id  BIGINT  REFERENCES ledger_entries (id),
	attempts          INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
	transfer_id       TEXT    UNIQUE CHECK (length(transfer_id) BETWEEN 1 AND 35),
	created_at        BIGINT  NOT NULL CHECK (typeof(created_at) = 'integer'),
	complete_at       BIGINT,
	decided_at        BIGINT,
	approved_at       BIGINT,
	sent_at           BIGINT,
	paid_at           BIGINT,
	failed_at         BIGINT,
	returned_at       BIGINT,
	UNIQUE (applicant_user_id, idem_key),
	CHECK ((hospital_id IS NULL) = (payee_kind <> 'hospital')),
	CHECK ((hospital_name IS NULL) = (payee_kind <> 'hospital')),
	CHECK ((first_approver IS NULL) = (first_approved_at IS NULL)),
	CHECK ((state IN ('approved', 'paying', 'paid', 'failed', 'returned')) = (approve_entry_id IS NOT NULL)),
	CHECK ((state IN ('paying', 'paid', 'returned')) = (transfer_id IS NOT NULL) OR state = 'failed')
);

CREATE TABLE police_referrals (
	id             INTEGER NOT NULL PRIMARY KEY,
	termination_id BIGINT  NOT NULL REFERENCES terminations (id),
	station        TEXT    NOT NULL CHECK (length(station) BETWEEN 1 AND 200),
	referred_on    TEXT    NOT NULL CHECK (length(referred_on) = 10),
	case_number    TEXT    NOT NULL CHECK (length(case_number) BETWEEN 1 AND 100),
	key_id         BIGINT  NOT NULL UNIQUE REFERENCES data_keys (id),
	seal_token     TEXT    NOT NULL UNIQUE CHECK (length(seal_token) = 32),
	officer_sealed BLOB    NOT NULL CHECK (length(officer_sealed) > 0),
	officer_masked TEXT    NOT NULL CHECK (officer_masked <> ''),
	added_by       BIGINT  NOT NULL REFERENCES staff (id),
	added_at       BIGINT  NOT NULL CHECK (typeof(added_at) = 'integer')
);

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
	correction_entry BIGINT  REFERENCES ledger_entries (id), line_key TEXT NOT NULL DEFAULT '',
	CHECK ((resolved_at IS NULL) = (resolved_by IS NULL) AND (resolved_at IS NULL) = (reason IS NULL))
);

CREATE TABLE reconcile_in_transit (
	run_id BIGINT NOT NULL REFERENCES reconcile_runs (id),
	key    TEXT   NOT NULL,
	PRIMARY KEY (run_id, key)
) WITHOUT ROWID;

CREATE TABLE reconcile_refusals (
	id           INTEGER NOT NULL PRIMARY KEY,
	statement_id TEXT    NOT NULL,
	file_hash    TEXT    NOT NULL,
	reason       TEXT    NOT NULL,
	actor        TEXT    NOT NULL,
	created_at   BIGINT  NOT NULL
);

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

CREATE TABLE refund_quarantine (
	id                 INTEGER NOT NULL PRIMARY KEY,
	provider           TEXT    NOT NULL CHECK (provider <> ''),
	refund_no          TEXT    NOT NULL,
	reason             TEXT    NOT NULL CHECK (reason IN ('unknown_refund', 'amount_mismatch', 'order_mismatch',
		'stale_attempt', 'after_charity')),
	state              TEXT    NOT NULL,
	amount_fen         BIGINT  NOT NULL CHECK (typeof(amount_fen) = 'integer'),
	order_no           TEXT    NOT NULL,
	transaction_id     TEXT    NOT NULL,
	provider_refund_id TEXT    NOT NULL,
	received_at        BIGINT  NOT NULL CHECK (typeof(received_at) = 'integer'),
	resolved_by        TEXT    CHECK (resolved_by <> ''),
	resolved_at        BIGINT,
	UNIQUE (provider, refund_no, reason, state, amount_fen, order_no, transaction_id),
	CHECK ((resolved_at IS NULL) = (resolved_by IS NULL))
);

CREATE TABLE refund_runs (
	id              INTEGER NOT NULL PRIMARY KEY,
	request_id      BIGINT  NOT NULL REFERENCES requests (id),
	cause           TEXT    NOT NULL CHECK (cause IN ('purpose_ended', 'after_close', 'donor', 'terminated', 'recovery',
		'wind_down')),
	amount_fen      BIGINT  NOT NULL CHECK (typeof(amount_fen) = 'integer' AND amount_fen > 0),
	refunds         BIGINT  NOT NULL CHECK (refunds > 0),
	state           TEXT    NOT NULL CHECK (state IN ('ledgering', 'ledgered', 'finished')),
	actor           TEXT    NOT NULL CHECK (actor <> ''),
	reason          TEXT    NOT NULL CHECK (length(reason) <= 500),
	idem_key        TEXT    NOT NULL UNIQUE CHECK (length(idem_key) BETWEEN 1 AND 200),
	succeeded_count BIGINT  NOT NULL DEFAULT 0 CHECK (succeeded_count >= 0),
	succeeded_fen   BIGINT  NOT NULL DEFAULT 0 CHECK (succeeded_fen >= 0),
	charity_count   BIGINT  NOT NULL DEFAULT 0 CHECK (charity_count >= 0),
	charity_fen     BIGINT  NOT NULL DEFAULT 0 CHECK (charity_fen >= 0),
	created_at      BIGINT  NOT NULL CHECK (typeof(created_at) = 'integer'),
	ledgered_at     BIGINT,
	finished_at     BIGINT,
	CHECK (succeeded_count + charity_count <= refunds),
	CHECK (succeeded_fen + charity_fen <= amount_fen),
	CHECK ((state = 'ledgering') = (ledgered_at IS NULL)),
	CHECK ((state = 'finished') = (finished_at IS NOT NULL))
);

CREATE TABLE refunds (
	id                 INTEGER NOT NULL PRIMARY KEY,
	run_id             BIGINT  NOT NULL REFERENCES refund_runs (id),
	donation_id        BIGINT  NOT NULL REFERENCES donations (id),
	request_id         BIGINT  NOT NULL REFERENCES requests (id),
	provider           TEXT    NOT NULL CHECK (provider <> ''),
	order_no           TEXT    NOT NULL CHECK (order_no <> ''),
	transaction_id     TEXT    NOT NULL CHECK (transaction_id <> ''),
	total_fen          BIGINT  NOT NULL CHECK (typeof(total_fen) = 'integer' AND total_fen > 0),
	amount_fen         BIGINT  NOT NULL CHECK (typeof(amount_fen) = 'integer' AND amount_fen > 0 AND amount_fen <= total_fen),
	state              TEXT    NOT NULL CHECK (state IN ('planned', 'decided', 'sending', 'processing', 'succeeded',
		'retrying', 'abnormal', 'to_charity')),
	attempt            INTEGER NOT NULL CHECK (attempt >= 1),
	out_refund_no      TEXT    NOT NULL UNIQUE CHECK (length(out_refund_no) BETWEEN 6 AND 32),
	provider_refund_id TEXT,
	account            TEXT,
	next_at            BIGINT  NOT NULL CHECK (typeof(next_at) = 'integer'),
	last_error         TEXT,
	created_at         BIGINT  NOT NULL CHECK (typeof(created_at) = 'integer'),
	updated_at         BIGINT  NOT NULL CHECK (typeof(updated_at) = 'integer'),
	settled_at         BIGINT,
	UNIQUE (run_id, donation_id),
	CHECK ((state IN ('succeeded', 'to_charity')) = (settled_at IS NOT NULL))
);

CREATE TABLE request_devices (
	request_id   BIGINT NOT NULL REFERENCES requests (id),
	device_index TEXT   NOT NULL CHECK (length(device_index) = 64),
	first_seen   BIGINT NOT NULL CHECK (typeof(first_seen) = 'integer'),
	PRIMARY KEY (request_id, device_index)
) WITHOUT ROWID;

CREATE TABLE request_events (
	id         INTEGER NOT NULL PRIMARY KEY,
	request_id BIGINT  NOT NULL REFERENCES requests (id),
	from_state TEXT    NOT NULL,
	to_state   TEXT    NOT NULL,
	event      TEXT    NOT NULL CHECK (event <> ''),
	actor      TEXT    NOT NULL CHECK (actor <> ''),
	reason     TEXT    NOT NULL,
	at         BIGINT  NOT NULL
);

CREATE TABLE request_fundraising (
	request_id   INTEGER NOT NULL PRIMARY KEY REFERENCES requests (id),
	opened_at    BIGINT  NOT NULL CHECK (typeof(opened_at) = 'integer'),
	deadline     BIGINT  NOT NULL CHECK (typeof(deadline) = 'integer'),
	extensions   INTEGER NOT NULL CHECK (extensions BETWEEN 0 AND 1),
	extended_by  TEXT    CHECK (extended_by <> ''),
	extended_at  BIGINT,
	closed_at    BIGINT,
	close_reason TEXT    CHECK (close_reason IN ('target_reached', 'period_ended', 'purpose_achieved', 'purpose_gone',
		'closed_by_requester', 'closed_by_staff', 'wind_down')),
	close_cause  TEXT    CHECK (close_cause IN ('recovered', 'died', 'treatment_abandoned')),
	closed_by    TEXT    CHECK (closed_by <> ''),
	close_note   TEXT    CHECK (length(close_note) <= 200),
	CHECK (deadline >= opened_at),
	CHECK ((extensions = 0) = (extended_at IS NULL) AND (extended_at IS NULL) = (extended_by IS NULL)),
	CHECK ((closed_at IS NULL) = (close_reason IS NULL) AND (closed_at IS NULL) = (closed_by IS NULL)),
	CHECK (closed_at IS NOT NULL OR close_note IS NULL),
	-- A cause exactly with purpose_gone.
	CHECK (close_reason IS NULL OR (close_reason = 'purpose_gone') = (close_cause IS NOT NULL))
);

CREATE TABLE request_materials (
	id             INTEGER NOT NULL PRIMARY KEY,
	request_id     BIGINT  NOT NULL REFERENCES requests (id),
	kind           TEXT    NOT NULL CHECK (kind IN ('diagnosis', 'id_document', 'relationship', 'cost_estimate',
		'certificate', 'expense_list', 'other')),
	content_type   TEXT    NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'application/pdf')),
	size_bytes     INTEGER NOT NULL CHECK (typeof(size_bytes) = 'integer' AND size_bytes BETWEEN 1 AND 10485760),
	key_id         BIGINT  NOT NULL UNIQUE REFERENCES data_keys (id),
	seal_token     TEXT    NOT NULL UNIQUE CHECK (length(seal_token) = 32),
	content_sealed BLOB    NOT NULL CHECK (typeof(content_sealed) = 'blob' AND length(content_sealed) > 0),
	content_index  TEXT    NOT NULL CHECK (length(content_index) = 64),
	uploaded_by    TEXT    NOT NULL CHECK (uploaded_by <> ''),
	uploaded_at    BIGINT  NOT NULL,
	reviewed_by    TEXT    CHECK (reviewed_by <> ''),
	reviewed_at    BIGINT,
	published_by   TEXT    CHECK (published_by <> ''),
	published_at   BIGINT,
	withdrawn_by   TEXT    CHECK (withdrawn_by <> ''),
	withdrawn_at   BIGINT, public_summary TEXT CHECK (public_summary <> ''),
	CHECK ((reviewed_by IS NULL) = (reviewed_at IS NULL)),
	CHECK ((published_by IS NULL) = (published_at IS NULL)),
	CHECK ((withdrawn_by IS NULL) = (withdrawn_at IS NULL)),
	CHECK (published_at IS NULL OR reviewed_at IS NOT NULL),
	CHECK (published_at IS NULL OR kind IN ('certificate', 'expense_list')),
	CHECK (published_at IS NULL OR withdrawn_at IS NULL)
);

CREATE TABLE request_suspensions (
	id           INTEGER NOT NULL PRIMARY KEY,
	request_id   BIGINT  NOT NULL REFERENCES requests (id),
	notice       TEXT    NOT NULL CHECK (length(notice) BETWEEN 1 AND 500),
	reason       TEXT    NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
	suspended_by BIGINT  NOT NULL REFERENCES staff (id),
	suspended_at BIGINT  NOT NULL CHECK (typeof(suspended_at) = 'integer'),
	resumed_by   BIGINT  REFERENCES staff (id),
	resumed_at   BIGINT,
	resume_note  TEXT    CHECK (resume_note IS NULL OR length(resume_note) BETWEEN 1 AND 500),
	CHECK ((resumed_by IS NULL) = (resumed_at IS NULL) AND (resumed_at IS NULL) = (resume_note IS NULL))
);

CREATE TABLE request_totals (
	request_id INTEGER NOT NULL PRIMARY KEY REFERENCES requests (id),
	raised_fen BIGINT  NOT NULL CHECK (typeof(raised_fen) = 'integer' AND raised_fen >= 0),
	donations  BIGINT  NOT NULL CHECK (donations >= 0)
);

CREATE TABLE request_updates (
	id              INTEGER NOT NULL PRIMARY KEY,
	request_id      BIGINT  NOT NULL REFERENCES requests (id),
	body_sealed     BLOB    NOT NULL CHECK (typeof(body_sealed) = 'blob'),
	posted_by       TEXT    NOT NULL CHECK (posted_by <> ''),
	posted_at       BIGINT  NOT NULL CHECK (typeof(posted_at) = 'integer'),
	screen_level    TEXT    NOT NULL CHECK (screen_level IN ('ok', 'flagged')),
	screen_reasons  TEXT    NOT NULL,
	checked_by      TEXT    CHECK (checked_by <> ''),
	checked_at      BIGINT,
	taken_down_by   TEXT    CHECK (taken_down_by <> ''),
	taken_down_at   BIGINT,
	takedown_reason TEXT    CHECK (takedown_reason <> '' AND length(takedown_reason) <= 500),
	CHECK ((checked_at IS NULL) = (checked_by IS NULL)),
	CHECK ((taken_down_at IS NULL) = (taken_down_by IS NULL) AND (taken_down_at IS NULL) = (takedown_reason IS NULL))
);

CREATE TABLE request_versions (
	request_id       BIGINT  NOT NULL REFERENCES requests (id),
	version          INTEGER NOT NULL CHECK (version >= 1),
	published_sealed BLOB    NOT NULL CHECK (typeof(published_sealed) = 'blob'),
	changes          TEXT    NOT NULL,
	by_actor         TEXT    NOT NULL CHECK (by_actor <> ''),
	at               BIGINT  NOT NULL,
	PRIMARY KEY (request_id, version)
) WITHOUT ROWID;

CREATE TABLE requests (
	id                INTEGER NOT NULL PRIMARY KEY,
	publisher_user_id BIGINT  NOT NULL REFERENCES users (id),
	state             TEXT    NOT NULL CHECK (state IN ('draft', 'submitted', 'screening', 'in_review', 'needs_info',
		'rejected', 'approved', 'fundraising', 'closed', 'settling', 'completed', 'suspended', 'terminated')),
	key_id            BIGINT  NOT NULL UNIQUE REFERENCES data_keys (id),
	patient_index     TEXT    CHECK (length(patient_index) = 64),
	filing_sealed     BLOB    NOT NULL CHECK (typeof(filing_sealed) = 'blob'),
	target_fen        BIGINT  NOT NULL CHECK (typeof(target_fen) = 'integer'),
	title             TEXT    NOT NULL,
	-- Optimistic concurrency: every change of the row adds one, and a form
	-- saved from an older revision is refused.
	draft_revision    INTEGER NOT NULL CHECK (draft_revision >= 1),
	submitted_at      BIGINT,
	created_at        BIGINT  NOT NULL,
	updated_at        BIGINT  NOT NULL
, anonymized_at BIGINT);

CREATE TABLE retention_records (
	request_id    BIGINT  NOT NULL PRIMARY KEY REFERENCES requests (id),
	completed_at  BIGINT  NOT NULL,
	due_at        BIGINT  NOT NULL CHECK (due_at > completed_at),
	anonymized_at BIGINT  NOT NULL CHECK (anonymized_at >= due_at),
	cleared       TEXT    NOT NULL
);

CREATE TABLE review_claims (
	id          INTEGER NOT NULL PRIMARY KEY,
	request_id  BIGINT  NOT NULL REFERENCES requests (id),
	staff_id    BIGINT  NOT NULL REFERENCES staff (id),
	claimed_at  BIGINT  NOT NULL,
	released_at BIGINT
);

CREATE TABLE review_conflicts (
	staff_id BIGINT NOT NULL REFERENCES staff (id),
	user_id  BIGINT NOT NULL REFERENCES users (id),
	note     TEXT   NOT NULL,
	added_by TEXT   NOT NULL CHECK (added_by <> ''),
	added_at BIGINT NOT NULL,
	PRIMARY KEY (staff_id, user_id)
);

CREATE TABLE review_decisions (
	id         INTEGER NOT NULL PRIMARY KEY,
	request_id BIGINT  NOT NULL REFERENCES requests (id),
	staff_id   BIGINT  NOT NULL REFERENCES staff (id),
	decision   TEXT    NOT NULL CHECK (decision IN ('approve', 'reject', 'needs_info')),
	text       TEXT    NOT NULL,
	at         BIGINT  NOT NULL,
	CHECK (decision = 'approve' OR text <> '')
);

CREATE TABLE review_screenings (
	id         INTEGER NOT NULL PRIMARY KEY,
	request_id BIGINT  NOT NULL REFERENCES requests (id),
	verdicts   TEXT    NOT NULL,
	score      INTEGER NOT NULL CHECK (score >= 0),
	level      TEXT    NOT NULL CHECK (level IN ('low', 'medium', 'high', 'blocked')),
	actor      TEXT    NOT NULL CHECK (actor <> ''),
	at         BIGINT  NOT NULL
);

CREATE TABLE rules_consents (
	id         INTEGER NOT NULL PRIMARY KEY,
	subject    TEXT    NOT NULL CHECK (subject <> ''),
	version_id BIGINT  NOT NULL,
	kind       TEXT    NOT NULL,
	major      INTEGER NOT NULL,
	minor      INTEGER NOT NULL,
	at         BIGINT  NOT NULL,
	source     TEXT    NOT NULL,
	UNIQUE (subject, version_id),
	FOREIGN KEY (version_id, kind, major, minor) REFERENCES rules_versions (id, kind, major, minor)
);

CREATE TABLE rules_versions (
	id            INTEGER NOT NULL PRIMARY KEY,
	kind          TEXT    NOT NULL CHECK (kind IN ('service-agreement', 'publishing-rules', 'privacy', 'fees', 'funds-refunds')),
	major         INTEGER NOT NULL CHECK (major >= 1),
	minor         INTEGER NOT NULL CHECK (minor >= 0),
	title_zh      TEXT    NOT NULL,
	title_en      TEXT    NOT NULL,
	body_zh       TEXT    NOT NULL,
	body_en       TEXT    NOT NULL,
	summary_zh    TEXT    NOT NULL,
	summary_en    TEXT    NOT NULL,
	state         TEXT    NOT NULL CHECK (state IN ('draft', 'reported', 'effective', 'superseded', 'withdrawn')),
	created_by    TEXT    NOT NULL,
	created_at    BIGINT  NOT NULL,
	reported_at   BIGINT,
	report_ref    TEXT    NOT NULL DEFAULT '',
	reported_by   TEXT    NOT NULL DEFAULT '',
	effective_at  BIGINT,
	effective_by  TEXT    NOT NULL DEFAULT '',
	superseded_at BIGINT,
	withdrawn_at  BIGINT,
	withdrawn_by  TEXT    NOT NULL DEFAULT '',
	UNIQUE (id, kind, major, minor), -- the target of rules_consents' foreign key
	CHECK ((reported_at IS NULL) = (report_ref = '')),
	CHECK (state <> 'reported' OR reported_at IS NOT NULL),
	CHECK ((state IN ('effective', 'superseded')) = (effective_at IS NOT NULL)),
	CHECK ((state = 'superseded') = (superseded_at IS NOT NULL)),
	CHECK ((state = 'withdrawn') = (withdrawn_at IS NOT NULL)),
	-- R-RULES-3: a major change is reported before it takes effect.
	CHECK (NOT (major > 1 AND minor = 0 AND state IN ('effective', 'superseded') AND reported_at IS NULL)),
	CHECK (reported_at IS NULL OR effective_at IS NULL OR reported_at <= effective_at)
);

CREATE TABLE sandbox_bank_bookings (
	id            INTEGER NOT NULL PRIMARY KEY,
	kind          TEXT    NOT NULL CHECK (kind IN ('payout', 'return', 'credit')),
	end_to_end_id TEXT    NOT NULL CHECK (end_to_end_id <> ''),
	amount_fen    BIGINT  NOT NULL CHECK (typeof(amount_fen) = 'integer' AND amount_fen > 0),
	booked_on     TEXT    NOT NULL CHECK (length(booked_on) = 10),
	counterparty  TEXT    NOT NULL,
	remittance    TEXT    NOT NULL,
	at            BIGINT  NOT NULL CHECK (typeof(at) = 'integer'),
	UNIQUE (kind, end_to_end_id)
);

CREATE TABLE sandbox_bank_events (
	id          INTEGER NOT NULL PRIMARY KEY,
	transfer_id TEXT    NOT NULL REFERENCES sandbox_bank_transfers (id),
	status      TEXT    NOT NULL CHECK (status IN ('pending', 'paid', 'rejected', 'returned')),
	reason      TEXT    NOT NULL,
	due_at      BIGINT  NOT NULL CHECK (typeof(due_at) = 'integer'),
	seq         BIGINT  UNIQUE,
	UNIQUE (transfer_id, status)
);

CREATE TABLE sandbox_bank_transfers (
	id             TEXT   NOT NULL PRIMARY KEY,
	content_hash   TEXT   NOT NULL,
	amount_fen     BIGINT NOT NULL CHECK (typeof(amount_fen) = 'integer' AND amount_fen > 0),
	account_masked TEXT   NOT NULL,
	habit          TEXT   NOT NULL CHECK (habit IN ('pay', 'closed', 'name_mismatch', 'return', 'late')),
	received_at    BIGINT NOT NULL CHECK (typeof(received_at) = 'integer')
);

CREATE TABLE sandbox_psp_fundings (
	ref         TEXT   NOT NULL PRIMARY KEY,
	amount_fen  BIGINT NOT NULL CHECK (typeof(amount_fen) = 'integer' AND amount_fen > 0),
	received_at BIGINT NOT NULL CHECK (typeof(received_at) = 'integer')
);

CREATE TABLE sandbox_psp_refunds (
	refund_no          TEXT   NOT NULL PRIMARY KEY,
	order_no           TEXT   NOT NULL,
	transaction_id     TEXT   NOT NULL,
	total_fen          BIGINT NOT NULL CHECK (typeof(total_fen) = 'integer' AND total_fen > 0),
	amount_fen         BIGINT NOT NULL CHECK (typeof(amount_fen) = 'integer' AND amount_fen > 0),
	outcome            TEXT   NOT NULL CHECK (outcome IN ('success', 'abnormal', 'closed')),
	provider_refund_id TEXT   NOT NULL UNIQUE,
	received_at        BIGINT NOT NULL CHECK (typeof(received_at) = 'integer')
);

CREATE TABLE schema_migrations (
	name       TEXT   NOT NULL PRIMARY KEY,
	applied_at BIGINT NOT NULL
);

CREATE TABLE sessions (
	id           INTEGER NOT NULL PRIMARY KEY,
	token_hash   TEXT    NOT NULL UNIQUE,
	kind         TEXT    NOT NULL CHECK (kind IN ('user', 'staff')),
	subject_id   BIGINT  NOT NULL,
	created_at   BIGINT  NOT NULL,
	last_seen_at BIGINT  NOT NULL,
	source       TEXT    NOT NULL,
	ended_at     BIGINT
);

CREATE TABLE share_counts (
	share_id   INTEGER NOT NULL PRIMARY KEY REFERENCES shares (id),
	visits     BIGINT  NOT NULL CHECK (visits >= 0),
	donations  BIGINT  NOT NULL CHECK (donations >= 0),
	raised_fen BIGINT  NOT NULL CHECK (typeof(raised_fen) = 'integer' AND raised_fen >= 0)
);

CREATE TABLE shares (
	id              INTEGER NOT NULL PRIMARY KEY,
	token           TEXT    NOT NULL UNIQUE CHECK (length(token) = 16),
	request_id      BIGINT  NOT NULL REFERENCES requests (id),
	sharer_user_id  BIGINT  REFERENCES users (id),
	sharer_order_id BIGINT,
	created_at      BIGINT  NOT NULL CHECK (typeof(created_at) = 'integer')
);

CREATE TABLE signin_codes (
	id          INTEGER NOT NULL PRIMARY KEY,
	phone_index TEXT    NOT NULL,
	code_hash   TEXT    NOT NULL,
	source      TEXT    NOT NULL,
	created_at  BIGINT  NOT NULL,
	expires_at  BIGINT  NOT NULL,
	attempts    INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
	used_at     BIGINT
);

CREATE TABLE staff (
	id              INTEGER NOT NULL PRIMARY KEY,
	username        TEXT    NOT NULL UNIQUE CHECK (length(username) BETWEEN 3 AND 32 AND username = lower(username)),
	role            TEXT    NOT NULL CHECK (role IN ('reviewer', 'finance', 'complaints', 'admin', 'auditor', 'security_admin')),
	password_hash   TEXT    NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
	totp_sealed     BLOB    NOT NULL,
	totp_last_step  BIGINT  NOT NULL DEFAULT 0 CHECK (totp_last_step >= 0),
	failed_attempts INTEGER NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
	locked_at       BIGINT,
	disabled        INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
	created_at      BIGINT  NOT NULL,
	updated_at      BIGINT  NOT NULL
, locked_until BIGINT, lockouts INTEGER NOT NULL DEFAULT 0 CHECK (lockouts >= 0));

CREATE TABLE staff_proposals (
	id            INTEGER NOT NULL PRIMARY KEY,
	kind          TEXT    NOT NULL CHECK (kind <> ''),
	object        TEXT    NOT NULL,
	payload       TEXT    NOT NULL,
	reason        TEXT    NOT NULL CHECK (reason <> ''),
	proposed_by   BIGINT  NOT NULL REFERENCES staff (id),
	proposed_at   BIGINT  NOT NULL,
	status        TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
	decided_by    BIGINT  REFERENCES staff (id),
	decided_at    BIGINT,
	decision_note TEXT    NOT NULL DEFAULT '',
	-- Four eyes, in the schema too: nobody decides their own proposal.
	CHECK (decided_by IS NULL OR decided_by <> proposed_by),
	CHECK ((status = 'pending') = (decided_by IS NULL AND decided_at IS NULL))
);

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

CREATE TABLE termination_documents (
	id             INTEGER NOT NULL PRIMARY KEY,
	termination_id BIGINT  NOT NULL REFERENCES terminations (id),
	referral_id    BIGINT  REFERENCES police_referrals (id),
	content_type   TEXT    NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'application/pdf')),
	size_bytes     BIGINT  NOT NULL CHECK (size_bytes > 0),
	key_id         BIGINT  NOT NULL UNIQUE REFERENCES data_keys (id),
	seal_token     TEXT    NOT NULL UNIQUE CHECK (length(seal_token) = 32),
	content_sealed BLOB    NOT NULL CHECK (length(content_sealed) > 0),
	added_by       BIGINT  NOT NULL REFERENCES staff (id),
	added_at       BIGINT  NOT NULL CHECK (typeof(added_at) = 'integer')
);

CREATE TABLE terminations (
	id                  INTEGER NOT NULL PRIMARY KEY,
	request_id          BIGINT  NOT NULL REFERENCES requests (id),
	proposal_id         BIGINT  NOT NULL UNIQUE REFERENCES staff_proposals (id),
	reason              TEXT    NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
	public_reason       TEXT    NOT NULL CHECK (length(public_reason) BETWEEN 1 AND 500),
	findings            TEXT    NOT NULL CHECK (findings <> ''),
	patient_involved    INTEGER NOT NULL CHECK (patient_involved IN (0, 1)),
	proposed_by         BIGINT  NOT NULL REFERENCES staff (id),
	proposed_at         BIGINT  NOT NULL CHECK (typeof(proposed_at) = 'integer'),
	approved_by         BIGINT  REFERENCES staff (id),
	terminated_at       BIGINT,
	paid_out_fen        BIGINT  CHECK (paid_out_fen IS NULL OR paid_out_fen >= 0),
	receivable_entry_id BIGINT  REFERENCES ledger_entries (id),
	refund_run          TEXT    CHECK (refund_run IS NULL OR length(refund_run) BETWEEN 1 AND 100),
	followed_up_at      BIGINT,
	CHECK ((approved_by IS NULL) = (terminated_at IS NULL) AND (terminated_at IS NULL) = (paid_out_fen IS NULL))
);

CREATE TABLE throttle_events (
	id  INTEGER NOT NULL PRIMARY KEY,
	key TEXT    NOT NULL CHECK (key <> '' AND length(key) <= 200),
	at  BIGINT  NOT NULL CHECK (typeof(at) = 'integer')
);

CREATE TABLE translog_checkpoints (
	size       BIGINT  NOT NULL PRIMARY KEY CHECK (size >= 0),
	root       BLOB    NOT NULL CHECK (length(root) = 32),
	note       TEXT    NOT NULL,
	created_at BIGINT  NOT NULL
) WITHOUT ROWID;

CREATE TABLE translog_cosignatures (
	size       BIGINT  NOT NULL REFERENCES translog_checkpoints (size),
	witness    TEXT    NOT NULL CHECK (witness <> ''),
	line       TEXT    NOT NULL CHECK (line LIKE '— %'),
	created_at BIGINT  NOT NULL,
	PRIMARY KEY (size, witness)
) WITHOUT ROWID;

CREATE TABLE translog_entries (
	idx        BIGINT  NOT NULL PRIMARY KEY CHECK (idx >= 0),
	source     TEXT    NOT NULL UNIQUE CHECK (source <> ''),
	data       BLOB    NOT NULL CHECK (typeof(data) = 'blob'),
	created_at BIGINT  NOT NULL, -- when the event committed (pending row)
	logged_at  BIGINT  NOT NULL  -- when it was integrated
) WITHOUT ROWID;

CREATE TABLE translog_hashes (
	id   BIGINT NOT NULL PRIMARY KEY CHECK (id >= 0), -- tlog.StoredHashIndex
	hash BLOB   NOT NULL CHECK (length(hash) = 32)
) WITHOUT ROWID;

CREATE TABLE translog_pending (
	id         INTEGER NOT NULL PRIMARY KEY,
	source     TEXT    NOT NULL UNIQUE CHECK (source <> ''),
	data       BLOB    NOT NULL CHECK (typeof(data) = 'blob' AND length(data) BETWEEN 1 AND 65535),
	created_at BIGINT  NOT NULL
);

CREATE TABLE translog_witnesses (
	witness    TEXT    NOT NULL PRIMARY KEY CHECK (witness <> ''),
	size       BIGINT  NOT NULL CHECK (size >= 0),
	updated_at BIGINT  NOT NULL
) WITHOUT ROWID;

CREATE TABLE usage_reminders (
	payout_id  BIGINT NOT NULL REFERENCES payouts (id),
	stage      TEXT   NOT NULL CHECK (stage IN ('due', 'overdue')),
	due_at     BIGINT NOT NULL CHECK (typeof(due_at) = 'integer'),
	claimed_at BIGINT NOT NULL CHECK (typeof(claimed_at) = 'integer'),
	sent_at    BIGINT,
	PRIMARY KEY (payout_id, stage)
);

CREATE TABLE users (
	id           INTEGER NOT NULL PRIMARY KEY,
	phone_index  TEXT    NOT NULL UNIQUE,
	key_id       BIGINT  NOT NULL REFERENCES data_keys (id),
	phone_sealed BLOB    NOT NULL,
	created_at   BIGINT  NOT NULL,
	signed_in_at BIGINT  NOT NULL
);

CREATE TABLE wechat_oauth_states (
	state_hash   TEXT   NOT NULL PRIMARY KEY,
	browser_hash TEXT   NOT NULL,
	next         TEXT   NOT NULL CHECK (substr(next, 1, 1) = '/'),
	created_at   BIGINT NOT NULL,
	expires_at   BIGINT NOT NULL,
	used_at      BIGINT
);

CREATE TABLE wechat_payers (
	token_hash TEXT   NOT NULL PRIMARY KEY,
	openid     TEXT   NOT NULL CHECK (openid <> ''),
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL
);

CREATE TABLE wechat_tokens (
	name         TEXT   NOT NULL PRIMARY KEY CHECK (name IN ('access_token', 'jsapi_ticket')),
	value        TEXT   NOT NULL DEFAULT '',
	expires_at   BIGINT NOT NULL DEFAULT 0,
	lease_until  BIGINT NOT NULL DEFAULT 0,
	lease_holder TEXT   NOT NULL DEFAULT '',
	refreshed_at BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE wind_down_requests (
	wind_down_id      BIGINT  NOT NULL REFERENCES wind_downs (id),
	request_id        BIGINT  NOT NULL PRIMARY KEY REFERENCES requests (id),
	state_at_start    TEXT    NOT NULL CHECK (state_at_start <> ''),
	held_at_start_fen BIGINT  NOT NULL CHECK (held_at_start_fen >= 0),
	refund_run        BIGINT  REFERENCES refund_runs (id),
	refund_asked_at   BIGINT,
	done_at           BIGINT
);

CREATE TABLE wind_downs (
	id                INTEGER NOT NULL PRIMARY KEY,
	proposal_id       BIGINT  NOT NULL UNIQUE REFERENCES staff_proposals (id),
	live              INTEGER UNIQUE CHECK (live = 1),
	reason            TEXT    NOT NULL CHECK (reason <> ''),
	notice            TEXT    NOT NULL CHECK (notice <> ''),
	withdrawn_on      TEXT    NOT NULL CHECK (length(withdrawn_on) = 10),
	ministry_ref      TEXT    NOT NULL CHECK (ministry_ref <> ''),
	proposed_by       BIGINT  NOT NULL REFERENCES staff (id),
	proposed_at       BIGINT  NOT NULL,
	approved_by       BIGINT  REFERENCES staff (id),
	approved_at       BIGINT,
	refund_from       BIGINT,
	deadline          BIGINT,
	held_at_start_fen BIGINT  NOT NULL DEFAULT 0 CHECK (held_at_start_fen >= 0),
	after_entry       BIGINT  NOT NULL DEFAULT 0, -- the last ledger entry before approval
	completed_at      BIGINT,
	CHECK (approved_by IS NULL OR approved_by <> proposed_by),
	CHECK ((approved_at IS NULL) = (deadline IS NULL)),
	CHECK (completed_at IS NULL OR approved_at IS NOT NULL)
);

CREATE TABLE work_calendar (
	day        TEXT    NOT NULL PRIMARY KEY CHECK (day LIKE '____-__-__'),
	working    INTEGER NOT NULL CHECK (working IN (0, 1)),
	name       TEXT    NOT NULL DEFAULT '',
	updated_at BIGINT  NOT NULL DEFAULT 0,
	updated_by TEXT    NOT NULL DEFAULT 'seed'
);

CREATE INDEX audit_log_action ON audit_log (action, seq);

CREATE INDEX audit_log_actor ON audit_log (actor, seq);

CREATE INDEX audit_log_at ON audit_log (at);

CREATE INDEX audit_log_object ON audit_log (object, seq);

CREATE INDEX bank_outcomes_unapplied ON bank_outcomes (bank, id) WHERE applied_at IS NULL AND quarantined = 0;

CREATE INDEX bank_transfers_unsent ON bank_transfers (bank, submitted_at, id) WHERE sent_at IS NULL;

CREATE UNIQUE INDEX blacklist_entries_in_force ON blacklist_entries (person_index) WHERE status <> 'lifted';

CREATE INDEX blacklist_entries_person ON blacklist_entries (person_index, id);

CREATE INDEX blacklist_events_entry ON blacklist_events (entry_id, id);

CREATE UNIQUE INDEX charity_recipients_active_code ON charity_recipients (credit_code) WHERE active = 1;

CREATE INDEX charity_transfers_open ON charity_transfers (id) WHERE state IN ('proposed', 'approved', 'paying');

CREATE INDEX complaint_events_complaint ON complaint_events (complaint_id, id);

CREATE INDEX complaint_evidence_complaint ON complaint_evidence (complaint_id, id);

CREATE INDEX complaints_client ON complaints (client_key, received_at);

CREATE INDEX complaints_open ON complaints (status, handle_due);

CREATE INDEX complaints_received ON complaints (received_at);

CREATE INDEX complaints_request ON complaints (request_id) WHERE request_id IS NOT NULL;

CREATE INDEX content_records_ref ON content_records (place, ref, id);

CREATE INDEX content_records_state ON content_records (state, id);

CREATE INDEX custody_changes_pending ON custody_changes (id) WHERE state IN ('proposed', 'approved', 'reported');

CREATE INDEX data_keys_master ON data_keys (master_fingerprint, id);

CREATE INDEX donation_orders_unpaid ON donation_orders (expires_at, id) WHERE state = 'created';

CREATE INDEX donation_quarantine_open ON donation_quarantine (received_at, id) WHERE resolved_at IS NULL;

CREATE INDEX donations_donor ON donations (donor_user_id, id) WHERE donor_user_id IS NOT NULL;

CREATE INDEX donations_request ON donations (request_id, id);

CREATE UNIQUE INDEX hospitals_active_account ON hospitals (account_index) WHERE active = 1;

CREATE UNIQUE INDEX hospitals_active_code ON hospitals (credit_code) WHERE active = 1;

CREATE INDEX identities_number ON identities (number_index, outcome);

CREATE UNIQUE INDEX identities_one_account ON identities (number_index) WHERE outcome = 'verified';

CREATE INDEX identities_user ON identities (user_id, id);

CREATE INDEX incident_notices_incident ON incident_notices (incident_id, id);

CREATE INDEX incident_steps_incident ON incident_steps (incident_id, id);

CREATE INDEX key_backups_fingerprint ON key_backups (fingerprint);

CREATE INDEX ledger_postings_account ON ledger_postings (account_id, entry_id);

CREATE INDEX patient_checks_pair ON patient_checks (pair_index) WHERE outcome = 'verified';

CREATE INDEX patient_checks_request ON patient_checks (request_id, id);

CREATE INDEX payout_events_payout ON payout_events (payout_id, id);

CREATE UNIQUE INDEX payout_materials_once ON payout_materials (payout_id, material_id, purpose, COALESCE(usage_id, 0));

CREATE INDEX payout_usage_payout ON payout_usage (payout_id, id);

CREATE INDEX payouts_account ON payouts (account_index);

CREATE INDEX payouts_request ON payouts (request_id, id);

CREATE INDEX payouts_state ON payouts (state, id);

CREATE INDEX police_referrals_termination ON police_referrals (termination_id, id);

CREATE INDEX reconcile_differences_open ON reconcile_differences (id) WHERE resolved_at IS NULL;

CREATE UNIQUE INDEX reconcile_runs_statement ON reconcile_runs (statement_id) WHERE statement_id <> '';

CREATE UNIQUE INDEX reconcile_settlements_posted ON reconcile_settlements (ref) WHERE status = 'posted';

CREATE INDEX refund_fundings_open ON refund_fundings (provider, id) WHERE state IN ('planned', 'sending') OR (state = 'paid' AND credited_at IS NULL);

CREATE INDEX refund_notices_open ON refund_notices (state, claimed_at) WHERE state IN ('pending', 'claimed');

CREATE INDEX refund_runs_ledgering ON refund_runs (id) WHERE state = 'ledgering';

CREATE INDEX refund_runs_request ON refund_runs (request_id, id);

CREATE INDEX refunds_donation ON refunds (donation_id);

CREATE INDEX refunds_due ON refunds (next_at, id) WHERE state IN ('decided', 'sending', 'processing', 'retrying', 'abnormal');

CREATE INDEX refunds_run ON refunds (run_id, state);

CREATE INDEX request_devices_device ON request_devices (device_index, request_id);

CREATE INDEX request_events_request ON request_events (request_id, id);

CREATE INDEX request_fundraising_open ON request_fundraising (deadline) WHERE closed_at IS NULL;

CREATE INDEX request_materials_content ON request_materials (content_index);

CREATE INDEX request_materials_request ON request_materials (request_id, id);

CREATE UNIQUE INDEX request_suspensions_open ON request_suspensions (request_id) WHERE resumed_at IS NULL;

CREATE INDEX request_suspensions_request ON request_suspensions (request_id, id);

CREATE INDEX request_updates_patrol ON request_updates (posted_at, id) WHERE checked_at IS NULL AND taken_down_at IS NULL;

CREATE INDEX request_updates_request ON request_updates (request_id, id);

CREATE INDEX requests_patient ON requests (patient_index, state);

CREATE INDEX requests_publisher ON requests (publisher_user_id, id);

CREATE INDEX retention_records_at ON retention_records (anonymized_at, request_id);

CREATE UNIQUE INDEX review_claims_open ON review_claims (request_id) WHERE released_at IS NULL;

CREATE INDEX review_claims_staff ON review_claims (staff_id, id);

CREATE INDEX review_decisions_request ON review_decisions (request_id, id);

CREATE INDEX review_screenings_request ON review_screenings (request_id, id);

CREATE INDEX rules_consents_subject ON rules_consents (subject, kind, major);

CREATE UNIQUE INDEX rules_versions_effective ON rules_versions (kind) WHERE state = 'effective';

CREATE UNIQUE INDEX rules_versions_number ON rules_versions (kind, major, minor) WHERE state <> 'withdrawn';

CREATE UNIQUE INDEX rules_versions_pending ON rules_versions (kind) WHERE state IN ('draft', 'reported');

CREATE INDEX sandbox_bank_bookings_day ON sandbox_bank_bookings (booked_on, id);

CREATE INDEX sandbox_bank_events_due ON sandbox_bank_events (due_at, id) WHERE seq IS NULL;

CREATE INDEX sandbox_psp_fundings_day ON sandbox_psp_fundings (received_at);

CREATE INDEX sandbox_psp_refunds_day ON sandbox_psp_refunds (received_at) WHERE outcome = 'success';

CREATE INDEX sandbox_psp_refunds_order ON sandbox_psp_refunds (order_no);

CREATE INDEX sessions_subject ON sessions (kind, subject_id);

CREATE INDEX shares_request ON shares (request_id, id);

CREATE INDEX signin_codes_phone ON signin_codes (phone_index, created_at);

CREATE INDEX signin_codes_source ON signin_codes (source, created_at);

CREATE INDEX staff_proposals_status ON staff_proposals (status, id);

CREATE INDEX statement_credits_unstarted ON statement_credits (id) WHERE kind = 'recovery' AND refund_started_at IS NULL;

CREATE INDEX termination_documents_termination ON termination_documents (termination_id, id);

CREATE INDEX terminations_follow_up ON terminations (followed_up_at, terminated_at);

CREATE INDEX terminations_request ON terminations (request_id, id);

CREATE INDEX throttle_events_at ON throttle_events (at);

CREATE INDEX throttle_events_key ON throttle_events (key, at);

CREATE INDEX wechat_oauth_states_expiry ON wechat_oauth_states (expires_at);

CREATE INDEX wechat_payers_expiry ON wechat_payers (expires_at);

CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_head
WHEN NEW.id <> OLD.id OR NEW.seq <> OLD.seq + 1
  OR NOT EXISTS (SELECT 1 FROM audit_log WHERE seq = NEW.seq AND hash = NEW.hash)
BEGIN SELECT RAISE(ABORT, 'audit_head: the head only moves forward, one entry at a time'); END;

CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
BEGIN SELECT RAISE(ABORT, 'audit_head: the head is never deleted'); END;

CREATE TRIGGER audit_head_no_insert BEFORE INSERT ON audit_head
BEGIN SELECT RAISE(ABORT, 'audit_head: there is only one head'); END;

CREATE TRIGGER audit_log_linked BEFORE INSERT ON audit_log
WHEN NOT EXISTS (SELECT 1 FROM audit_head WHERE id = 1 AND seq + 1 = NEW.seq AND hash = NEW.prev_hash)
BEGIN SELECT RAISE(ABORT, 'audit_log: a new entry must follow the head of the chain'); END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log: audit entries are never updated or deleted'); END;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log: audit entries are never updated or deleted'); END;

CREATE TRIGGER blacklist_entries_fixed BEFORE UPDATE OF id, person_index, masked, reason, evidence, listed_at, listed_by ON blacklist_entries
BEGIN SELECT RAISE(ABORT, 'blacklist_entries: who was listed, why and by whom never changes'); END;

CREATE TRIGGER blacklist_entries_lifted BEFORE UPDATE ON blacklist_entries WHEN OLD.status = 'lifted'
BEGIN SELECT RAISE(ABORT, 'blacklist_entries: a lifted entry never changes; list the person again'); END;

CREATE TRIGGER blacklist_entries_no_delete BEFORE DELETE ON blacklist_entries
BEGIN SELECT RAISE(ABORT, 'blacklist_entries: entries are never deleted; lift them'); END;

CREATE TRIGGER blacklist_events_no_delete BEFORE DELETE ON blacklist_events
BEGIN SELECT RAISE(ABORT, 'blacklist_events: the history is never changed'); END;

CREATE TRIGGER blacklist_events_no_update BEFORE UPDATE ON blacklist_events
BEGIN SELECT RAISE(ABORT, 'blacklist_events: the history is never changed'); END;

CREATE TRIGGER charities_no_delete BEFORE DELETE ON charities
BEGIN SELECT RAISE(ABORT, 'charities: organisations are never deleted; deactivate them'); END;

CREATE TRIGGER charity_recipients_no_delete BEFORE DELETE ON charity_recipients
BEGIN SELECT RAISE(ABORT, 'charity_recipients: entries are never deleted; deactivate them'); END;

CREATE TRIGGER charity_transfer_sources_fixed BEFORE UPDATE ON charity_transfer_sources
BEGIN SELECT RAISE(ABORT, 'charity_transfer_sources: what a transfer comes from never changes'); END;

CREATE TRIGGER charity_transfer_sources_no_delete BEFORE DELETE ON charity_transfer_sources
BEGIN SELECT RAISE(ABORT, 'charity_transfer_sources: what a transfer comes from never changes'); END;

CREATE TRIGGER charity_transfers_no_delete BEFORE DELETE ON charity_transfers
BEGIN SELECT RAISE(ABORT, 'charity_transfers: a transfer is never deleted'); END;

CREATE TRIGGER complaint_events_no_delete BEFORE DELETE ON complaint_events
BEGIN SELECT RAISE(ABORT, 'complaint_events: the history is append-only'); END;

CREATE TRIGGER complaint_events_no_update BEFORE UPDATE ON complaint_events
BEGIN SELECT RAISE(ABORT, 'complaint_events: the history is append-only'); END;

CREATE TRIGGER complaint_evidence_no_delete BEFORE DELETE ON complaint_evidence
BEGIN SELECT RAISE(ABORT, 'complaint_evidence: evidence is never changed'); END;

CREATE TRIGGER complaint_evidence_no_update BEFORE UPDATE ON complaint_evidence
WHEN (SELECT anonymized_at FROM complaints WHERE id = OLD.complaint_id) IS NULL
	OR NEW.id <> OLD.id OR NEW.complaint_id <> OLD.complaint_id OR NEW.kind <> OLD.kind OR NEW.size <> OLD.size
	OR NEW.created_at <> OLD.created_at
BEGIN SELECT RAISE(ABORT, 'complaint_evidence: evidence is never changed'); END;

CREATE TRIGGER complaints_anonymized_closed BEFORE UPDATE OF anonymized_at ON complaints
WHEN NEW.anonymized_at IS NOT NULL AND NEW.closed_at IS NULL
BEGIN SELECT RAISE(ABORT, 'complaints: only a closed complaint is anonymized (R-PII-2)'); END;

CREATE TRIGGER complaints_anonymized_once BEFORE UPDATE OF anonymized_at ON complaints
WHEN OLD.anonymized_at IS NOT NULL AND NEW.anonymized_at IS NOT OLD.anonymized_at
BEGIN SELECT RAISE(ABORT, 'complaints: an anonymized complaint stays anonymized (R-PII-2)'); END;

CREATE TRIGGER complaints_contact_fixed BEFORE UPDATE OF contact_sealed, contact_masked ON complaints
WHEN (OLD.contact_sealed <> NEW.contact_sealed OR OLD.contact_masked <> NEW.contact_masked)
	AND (OLD.anonymized_at IS NOT NULL OR NEW.anonymized_at IS NULL)
BEGIN SELECT RAISE(ABORT, 'complaints: the contact details change only when the complaint is anonymized (R-PII-2)'); END;

CREATE TRIGGER complaints_fixed BEFORE UPDATE OF id, number, category, request_id, staff_ref, subject_staff_id, text, account_id,
	key_id, seal_token, secret_sealed, client_key, text_hash, idem_key, received_at, ack_due, handle_due ON complaints
WHEN OLD.request_id IS NOT NEW.request_id AND OLD.request_id IS NOT NULL
	OR OLD.id <> NEW.id OR OLD.number <> NEW.number OR OLD.category <> NEW.category OR OLD.staff_ref <> NEW.staff_ref
	OR OLD.subject_staff_id IS NOT NEW.subject_staff_id AND OLD.subject_staff_id IS NOT NULL OR OLD.text <> NEW.text OR OLD.account_id IS NOT NEW.account_id
	OR OLD.key_id <> NEW.key_id OR OLD.seal_token <> NEW.seal_token OR OLD.secret_sealed <> NEW.secret_sealed OR OLD.client_key <> NEW.client_key
	OR OLD.text_hash <> NEW.text_hash OR OLD.idem_key IS NOT NEW.idem_key OR OLD.received_at <> NEW.received_at
	OR OLD.ack_due <> NEW.ack_due OR OLD.handle_due <> NEW.handle_due
BEGIN SELECT RAISE(ABORT, 'complaints: what the complainant sent never changes; a request and a staff member are linked once'); END;

CREATE TRIGGER complaints_no_delete BEFORE DELETE ON complaints
BEGIN SELECT RAISE(ABORT, 'complaints: complaints are never deleted'); END;

CREATE TRIGGER content_records_fixed BEFORE UPDATE OF id, place, ref, categories, terms, action, screened_at ON content_records
BEGIN SELECT RAISE(ABORT, 'content_records: what a screening found never changes'); END;

CREATE TRIGGER content_records_handled BEFORE UPDATE ON content_records
WHEN OLD.state <> 'held'
BEGIN SELECT RAISE(ABORT, 'content_records: a handled record never changes'); END;

CREATE TRIGGER content_records_no_delete BEFORE DELETE ON content_records
BEGIN SELECT RAISE(ABORT, 'content_records: a handling record is never deleted'); END;

CREATE TRIGGER content_takedowns_no_delete BEFORE DELETE ON content_takedowns
BEGIN SELECT RAISE(ABORT, 'content_takedowns: a takedown is never deleted'); END;

CREATE TRIGGER content_takedowns_no_update BEFORE UPDATE ON content_takedowns
BEGIN SELECT RAISE(ABORT, 'content_takedowns: a takedown is never changed'); END;

CREATE TRIGGER content_terms_no_delete BEFORE DELETE ON content_terms
BEGIN SELECT RAISE(ABORT, 'content_terms: a change of the word list is never deleted'); END;

CREATE TRIGGER content_terms_no_update BEFORE UPDATE ON content_terms
BEGIN SELECT RAISE(ABORT, 'content_terms: a change of the word list is never changed'); END;

CREATE TRIGGER donation_order_lapses_no_delete BEFORE DELETE ON donation_order_lapses
BEGIN SELECT RAISE(ABORT, 'donation_order_lapses: a lapse is never deleted'); END;

CREATE TRIGGER donation_order_lapses_no_update BEFORE UPDATE ON donation_order_lapses
BEGIN SELECT RAISE(ABORT, 'donation_order_lapses: a lapse is never changed'); END;

CREATE TRIGGER donation_orders_fixed BEFORE UPDATE OF id, order_no, request_id, amount_fen, donor_user_id, anonymous,
	message, message_flagged, share_id, provider, client_token, created_at, expires_at ON donation_orders
BEGIN SELECT RAISE(ABORT, 'donation_orders: what an order says never changes'); END;

CREATE TRIGGER donation_orders_no_delete BEFORE DELETE ON donation_orders
BEGIN SELECT RAISE(ABORT, 'donation_orders: an order is never deleted'); END;

CREATE TRIGGER donation_orders_settled BEFORE UPDATE ON donation_orders
WHEN OLD.state = 'paid' OR OLD.state = 'quarantined' AND NEW.state <> 'paid'
BEGIN SELECT RAISE(ABORT, 'donation_orders: a paid order never changes, a quarantined one only to paid'); END;

CREATE TRIGGER donation_quarantine_fixed BEFORE UPDATE OF id, provider, transaction_id, order_no, reason, amount_fen,
	merchant, received_at ON donation_quarantine
BEGIN SELECT RAISE(ABORT, 'donation_quarantine: a quarantined notification never changes'); END;

CREATE TRIGGER donation_quarantine_no_delete BEFORE DELETE ON donation_quarantine
BEGIN SELECT RAISE(ABORT, 'donation_quarantine: a quarantined notification is never deleted'); END;

CREATE TRIGGER donation_quarantine_resolved_once BEFORE UPDATE ON donation_quarantine
WHEN OLD.resolved_at IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'donation_quarantine: a resolution is never changed'); END;

CREATE TRIGGER donations_no_delete BEFORE DELETE ON donations
BEGIN SELECT RAISE(ABORT, 'donations: a donation is never deleted'); END;

CREATE TRIGGER donations_no_update BEFORE UPDATE ON donations
BEGIN SELECT RAISE(ABORT, 'donations: a donation is never changed'); END;

CREATE TRIGGER hospital_drafts_no_delete BEFORE DELETE ON hospital_drafts
BEGIN SELECT RAISE(ABORT, 'hospital_drafts: a proposal''s draft never changes'); END;

CREATE TRIGGER hospital_drafts_no_update BEFORE UPDATE ON hospital_drafts
BEGIN SELECT RAISE(ABORT, 'hospital_drafts: a proposal''s draft never changes'); END;

CREATE TRIGGER hospital_vouchers_fixed BEFORE UPDATE ON hospital_vouchers
BEGIN
	SELECT RAISE(ABORT, 'hospital_vouchers: who vouched for an account never changes');
END;

CREATE TRIGGER hospital_vouchers_kept BEFORE DELETE ON hospital_vouchers
BEGIN
	SELECT RAISE(ABORT, 'hospital_vouchers: who vouched for an account never changes');
END;

CREATE TRIGGER hospitals_inactive BEFORE UPDATE ON hospitals WHEN OLD.active = 0
BEGIN SELECT RAISE(ABORT, 'hospitals: a deactivated entry never changes; add the hospital again'); END;

CREATE TRIGGER hospitals_no_delete BEFORE DELETE ON hospitals
BEGIN SELECT RAISE(ABORT, 'hospitals: entries are never deleted; deactivate them'); END;

CREATE TRIGGER incident_affected_no_delete BEFORE DELETE ON incident_affected
BEGIN SELECT RAISE(ABORT, 'incident_affected: the people an incident affects are never changed'); END;

CREATE TRIGGER incident_affected_no_update BEFORE UPDATE ON incident_affected
BEGIN SELECT RAISE(ABORT, 'incident_affected: the people an incident affects are never changed'); END;

CREATE TRIGGER incident_notices_no_delete BEFORE DELETE ON incident_notices
BEGIN SELECT RAISE(ABORT, 'incident_notices: recorded notices are never changed'); END;

CREATE TRIGGER incident_notices_no_update BEFORE UPDATE ON incident_notices
BEGIN SELECT RAISE(ABORT, 'incident_notices: recorded notices are never changed'); END;

CREATE TRIGGER incident_steps_no_delete BEFORE DELETE ON incident_steps
BEGIN SELECT RAISE(ABORT, 'incident_steps: recorded steps are never changed'); END;

CREATE TRIGGER incident_steps_no_update BEFORE UPDATE ON incident_steps
BEGIN SELECT RAISE(ABORT, 'incident_steps: recorded steps are never changed'); END;

CREATE TRIGGER incidents_fixed BEFORE UPDATE OF id, title, description, opened_by, opened_at, suspect_actor, scope_from, scope_to ON incidents
BEGIN SELECT RAISE(ABORT, 'incidents: only the status of an incident changes'); END;

CREATE TRIGGER incidents_forward BEFORE UPDATE OF status ON incidents
WHEN instr('open contained notified closed', NEW.status) <= instr('open contained notified closed', OLD.status)
BEGIN SELECT RAISE(ABORT, 'incidents: the status only moves forward'); END;

CREATE TRIGGER incidents_kind_fixed BEFORE UPDATE OF kind ON incidents
BEGIN SELECT RAISE(ABORT, 'incidents: only the status of an incident changes'); END;

CREATE TRIGGER incidents_no_delete BEFORE DELETE ON incidents
BEGIN SELECT RAISE(ABORT, 'incidents: incidents are never deleted'); END;

CREATE TRIGGER ledger_accounts_fixed BEFORE UPDATE OF id, name, type, non_negative, created_at ON ledger_accounts
BEGIN SELECT RAISE(ABORT, 'ledger_accounts: only the balance of an account changes'); END;

CREATE TRIGGER ledger_accounts_no_delete BEFORE DELETE ON ledger_accounts
BEGIN SELECT RAISE(ABORT, 'ledger_accounts: accounts are never deleted'); END;

CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger_entries: posted entries are never updated or deleted; post a reversing entry'); END;

CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger_entries: posted entries are never updated or deleted; post a reversing entry'); END;

CREATE TRIGGER ledger_postings_no_delete BEFORE DELETE ON ledger_postings
BEGIN SELECT RAISE(ABORT, 'ledger_postings: posted entries are never updated or deleted; post a reversing entry'); END;

CREATE TRIGGER ledger_postings_no_update BEFORE UPDATE ON ledger_postings
BEGIN SELECT RAISE(ABORT, 'ledger_postings: posted entries are never updated or deleted; post a reversing entry'); END;

CREATE TRIGGER payout_events_append_only BEFORE UPDATE ON payout_events
BEGIN SELECT RAISE(ABORT, 'payout_events: append only'); END;

CREATE TRIGGER payout_events_no_delete BEFORE DELETE ON payout_events
BEGIN SELECT RAISE(ABORT, 'payout_events: append only'); END;

CREATE TRIGGER payout_materials_append_only BEFORE UPDATE ON payout_materials
BEGIN SELECT RAISE(ABORT, 'payout_materials: append only'); END;

CREATE TRIGGER payout_materials_no_delete BEFORE DELETE ON payout_materials
BEGIN SELECT RAISE(ABORT, 'payout_materials: append only'); END;

CREATE TRIGGER payout_outcome_copies_append_only BEFORE UPDATE ON payout_outcome_copies
BEGIN SELECT RAISE(ABORT, 'payout_outcome_copies: append only'); END;

CREATE TRIGGER payout_outcome_copies_no_delete BEFORE DELETE ON payout_outcome_copies
BEGIN SELECT RAISE(ABORT, 'payout_outcome_copies: append only'); END;

CREATE TRIGGER payout_outcomes_append_only BEFORE UPDATE ON payout_outcomes
BEGIN SELECT RAISE(ABORT, 'payout_outcomes: append only'); END;

CREATE TRIGGER payout_outcomes_no_delete BEFORE DELETE ON payout_outcomes
BEGIN SELECT RAISE(ABORT, 'payout_outcomes: append only'); END;

CREATE TRIGGER payout_usage_append_only BEFORE UPDATE ON payout_usage
BEGIN SELECT RAISE(ABORT, 'payout_usage: append only'); END;

CREATE TRIGGER payout_usage_no_delete BEFORE DELETE ON payout_usage
BEGIN SELECT RAISE(ABORT, 'payout_usage: append only'); END;

CREATE TRIGGER payouts_fixed BEFORE UPDATE OF id, request_id, applicant_user_id, idem_key, content_index, mode, amount_fen,
	payee_kind, hospital_id, key_id, seal_token, created_at ON payouts
BEGIN SELECT RAISE(ABORT, 'payouts: what was applied for never changes'); END;

CREATE TRIGGER payouts_no_delete BEFORE DELETE ON payouts
BEGIN SELECT RAISE(ABORT, 'payouts: a payout is never deleted'); END;

CREATE TRIGGER payouts_payee_fixed BEFORE UPDATE OF payee_sealed, account_index ON payouts
WHEN (SELECT anonymized_at FROM requests WHERE id = OLD.request_id) IS NULL
BEGIN SELECT RAISE(ABORT, 'payouts: what was applied for never changes'); END;

CREATE TRIGGER police_referrals_fixed BEFORE UPDATE ON police_referrals
BEGIN SELECT RAISE(ABORT, 'police_referrals: a referral never changes; record another'); END;

CREATE TRIGGER police_referrals_no_delete BEFORE DELETE ON police_referrals
BEGIN SELECT RAISE(ABORT, 'police_referrals: a referral is never deleted'); END;

CREATE TRIGGER reconcile_differences_fixed BEFORE UPDATE ON reconcile_differences
	WHEN OLD.resolved_at IS NOT NULL OR NEW.id <> OLD.id OR NEW.kind <> OLD.kind OR NEW.reference <> OLD.reference
		OR NEW.ledger_amount IS NOT OLD.ledger_amount OR NEW.other_amount IS NOT OLD.other_amount
BEGIN SELECT RAISE(ABORT, 'reconcile_differences: a difference changes only once, from open to resolved'); END;

CREATE TRIGGER reconcile_differences_no_delete BEFORE DELETE ON reconcile_differences
BEGIN SELECT RAISE(ABORT, 'reconcile_differences: a difference is never deleted; resolve it with a reason'); END;

CREATE TRIGGER reconcile_runs_no_change BEFORE UPDATE ON reconcile_runs
BEGIN SELECT RAISE(ABORT, 'reconcile_runs: a run is never changed'); END;

CREATE TRIGGER reconcile_runs_no_delete BEFORE DELETE ON reconcile_runs
BEGIN SELECT RAISE(ABORT, 'reconcile_runs: a run is never deleted'); END;

CREATE TRIGGER reconcile_settlements_no_change BEFORE UPDATE ON reconcile_settlements
BEGIN SELECT RAISE(ABORT, 'reconcile_settlements: a settlement is never changed'); END;

CREATE TRIGGER reconcile_settlements_no_delete BEFORE DELETE ON reconcile_settlements
BEGIN SELECT RAISE(ABORT, 'reconcile_settlements: a settlement is never deleted'); END;

CREATE TRIGGER refund_fundings_fixed BEFORE UPDATE OF id, provider, amount_fen, due_fen, balance_fen, created_at ON refund_fundings
BEGIN SELECT RAISE(ABORT, 'refund_fundings: a top-up''s amount and provider never change'); END;

CREATE TRIGGER refund_fundings_no_delete BEFORE DELETE ON refund_fundings
BEGIN SELECT RAISE(ABORT, 'refund_fundings: a top-up is never deleted'); END;

CREATE TRIGGER refund_quarantine_fixed BEFORE UPDATE OF id, provider, refund_no, reason, state, amount_fen, order_no,
	transaction_id, provider_refund_id, received_at ON refund_quarantine
BEGIN SELECT RAISE(ABORT, 'refund_quarantine: a quarantined answer never changes'); END;

CREATE TRIGGER refund_quarantine_no_delete BEFORE DELETE ON refund_quarantine
BEGIN SELECT RAISE(ABORT, 'refund_quarantine: a quarantined answer is never deleted'); END;

CREATE TRIGGER refund_quarantine_resolved_once BEFORE UPDATE ON refund_quarantine
WHEN OLD.resolved_at IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'refund_quarantine: a resolution is never changed'); END;

CREATE TRIGGER refund_runs_finished BEFORE UPDATE ON refund_runs
WHEN OLD.state = 'finished'
BEGIN SELECT RAISE(ABORT, 'refund_runs: a finished run never changes'); END;

CREATE TRIGGER refund_runs_fixed BEFORE UPDATE OF id, request_id, cause, amount_fen, refunds, actor, reason, idem_key,
	created_at ON refund_runs
BEGIN SELECT RAISE(ABORT, 'refund_runs: what was decided never changes'); END;

CREATE TRIGGER refund_runs_no_delete BEFORE DELETE ON refund_runs
BEGIN SELECT RAISE(ABORT, 'refund_runs: a refund run is never deleted'); END;

CREATE TRIGGER refunds_final BEFORE UPDATE ON refunds
WHEN OLD.state IN ('succeeded', 'to_charity')
BEGIN SELECT RAISE(ABORT, 'refunds: a refund paid or given to charity never changes'); END;

CREATE TRIGGER refunds_fixed BEFORE UPDATE OF id, run_id, donation_id, request_id, provider, order_no, transaction_id,
	total_fen, amount_fen, created_at ON refunds
BEGIN SELECT RAISE(ABORT, 'refunds: what was decided never changes'); END;

CREATE TRIGGER refunds_no_delete BEFORE DELETE ON refunds
BEGIN SELECT RAISE(ABORT, 'refunds: a refund is never deleted'); END;

CREATE TRIGGER refunds_within_gift BEFORE INSERT ON refunds
WHEN NEW.amount_fen + (SELECT COALESCE(SUM(amount_fen), 0) FROM refunds WHERE donation_id = NEW.donation_id)
	> (SELECT amount_fen FROM donations WHERE id = NEW.donation_id)
BEGIN SELECT RAISE(ABORT, 'refunds: a donation is never refunded more than it gave'); END;

CREATE TRIGGER request_devices_no_delete BEFORE DELETE ON request_devices
WHEN (SELECT anonymized_at FROM requests WHERE id = OLD.request_id) IS NULL
BEGIN SELECT RAISE(ABORT, 'request_devices: the devices of a request are only added'); END;

CREATE TRIGGER request_devices_no_update BEFORE UPDATE ON request_devices
BEGIN SELECT RAISE(ABORT, 'request_devices: the devices of a request are only added'); END;

CREATE TRIGGER request_events_no_delete BEFORE DELETE ON request_events
BEGIN SELECT RAISE(ABORT, 'request_events: the history of a request is never changed'); END;

CREATE TRIGGER request_events_no_update BEFORE UPDATE ON request_events
BEGIN SELECT RAISE(ABORT, 'request_events: the history of a request is never changed'); END;

CREATE TRIGGER request_fundraising_closed BEFORE UPDATE ON request_fundraising
WHEN OLD.closed_at IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'request_fundraising: a closed channel is never changed'); END;

CREATE TRIGGER request_fundraising_fixed BEFORE UPDATE ON request_fundraising
WHEN NEW.request_id <> OLD.request_id OR NEW.opened_at <> OLD.opened_at
BEGIN SELECT RAISE(ABORT, 'request_fundraising: the request and opening time of a channel never change'); END;

CREATE TRIGGER request_fundraising_forward BEFORE UPDATE ON request_fundraising
WHEN NEW.extensions < OLD.extensions OR NEW.deadline < OLD.deadline
BEGIN SELECT RAISE(ABORT, 'request_fundraising: a deadline never moves back'); END;

CREATE TRIGGER request_fundraising_no_delete BEFORE DELETE ON request_fundraising
BEGIN SELECT RAISE(ABORT, 'request_fundraising: a fundraising channel is never deleted'); END;

CREATE TRIGGER request_materials_content_fixed BEFORE UPDATE OF content_sealed, content_index ON request_materials
WHEN (SELECT anonymized_at FROM requests WHERE id = OLD.request_id) IS NULL
BEGIN SELECT RAISE(ABORT, 'request_materials: uploaded material never changes (R-PII-1)'); END;

CREATE TRIGGER request_materials_fixed BEFORE UPDATE OF id, request_id, kind, content_type, size_bytes, key_id, seal_token,
	uploaded_by, uploaded_at ON request_materials
BEGIN SELECT RAISE(ABORT, 'request_materials: uploaded material never changes (R-PII-1)'); END;

CREATE TRIGGER request_materials_marks_once BEFORE UPDATE ON request_materials
WHEN (OLD.reviewed_at IS NOT NULL AND (NEW.reviewed_at IS NOT OLD.reviewed_at OR NEW.reviewed_by IS NOT OLD.reviewed_by))
	OR (OLD.published_at IS NOT NULL AND (NEW.published_at IS NOT OLD.published_at OR NEW.published_by IS NOT OLD.published_by))
	OR (OLD.withdrawn_at IS NOT NULL AND (NEW.withdrawn_at IS NOT OLD.withdrawn_at OR NEW.withdrawn_by IS NOT OLD.withdrawn_by))
BEGIN SELECT RAISE(ABORT, 'request_materials: a review, publication or withdrawal mark is set once and never changed'); END;

CREATE TRIGGER request_materials_no_delete BEFORE DELETE ON request_materials
BEGIN SELECT RAISE(ABORT, 'request_materials: material is never deleted; upload a new one and withdraw the old'); END;

CREATE TRIGGER request_materials_summary_once BEFORE UPDATE OF public_summary ON request_materials
WHEN OLD.public_summary IS NOT NULL AND NEW.public_summary IS NOT OLD.public_summary
BEGIN SELECT RAISE(ABORT, 'request_materials: a published summary is never changed'); END;

CREATE TRIGGER request_suspensions_fixed BEFORE UPDATE OF id, request_id, notice, reason, suspended_by, suspended_at
	ON request_suspensions
BEGIN SELECT RAISE(ABORT, 'request_suspensions: a suspension never changes; it is only resumed'); END;

CREATE TRIGGER request_suspensions_no_delete BEFORE DELETE ON request_suspensions
BEGIN SELECT RAISE(ABORT, 'request_suspensions: a suspension is never deleted'); END;

CREATE TRIGGER request_totals_add_only BEFORE UPDATE ON request_totals
WHEN NEW.request_id <> OLD.request_id OR NEW.raised_fen < OLD.raised_fen OR NEW.donations < OLD.donations
BEGIN SELECT RAISE(ABORT, 'request_totals: totals are only ever added to'); END;

CREATE TRIGGER request_totals_no_delete BEFORE DELETE ON request_totals
BEGIN SELECT RAISE(ABORT, 'request_totals: totals are never deleted'); END;

CREATE TRIGGER request_updates_body_fixed BEFORE UPDATE OF body_sealed ON request_updates
WHEN length(OLD.body_sealed) > 0 AND (SELECT anonymized_at FROM requests WHERE id = OLD.request_id) IS NULL
BEGIN SELECT RAISE(ABORT, 'request_updates: the text of an update is never changed; post a new one'); END;

CREATE TRIGGER request_updates_checked_once BEFORE UPDATE ON request_updates
WHEN OLD.checked_at IS NOT NULL AND (NEW.checked_at IS NOT OLD.checked_at OR NEW.checked_by IS NOT OLD.checked_by)
BEGIN SELECT RAISE(ABORT, 'request_updates: a check is never changed'); END;

CREATE TRIGGER request_updates_fixed BEFORE UPDATE OF id, request_id, posted_by, posted_at, screen_level, screen_reasons
ON request_updates
BEGIN SELECT RAISE(ABORT, 'request_updates: who posted an update, when, and its screening never change'); END;

CREATE TRIGGER request_updates_no_delete BEFORE DELETE ON request_updates
BEGIN SELECT RAISE(ABORT, 'request_updates: an update is never deleted; take it down'); END;

CREATE TRIGGER request_updates_taken_down_once BEFORE UPDATE ON request_updates
WHEN OLD.taken_down_at IS NOT NULL AND (NEW.taken_down_at IS NOT OLD.taken_down_at
	OR NEW.taken_down_by IS NOT OLD.taken_down_by OR NEW.takedown_reason IS NOT OLD.takedown_reason)
BEGIN SELECT RAISE(ABORT, 'request_updates: a takedown is never undone or changed'); END;

CREATE TRIGGER request_versions_no_delete BEFORE DELETE ON request_versions
BEGIN SELECT RAISE(ABORT, 'request_versions: a published version is never changed; publish a new one (R-REQ-6)'); END;

CREATE TRIGGER request_versions_no_update BEFORE UPDATE ON request_versions
WHEN (SELECT anonymized_at FROM requests WHERE id = OLD.request_id) IS NULL OR NEW.request_id <> OLD.request_id
	OR NEW.version <> OLD.version OR NEW.changes <> OLD.changes OR NEW.by_actor <> OLD.by_actor OR NEW.at <> OLD.at
BEGIN SELECT RAISE(ABORT, 'request_versions: a published version is never changed; publish a new one (R-REQ-6)'); END;

CREATE TRIGGER requests_anonymized_completed BEFORE UPDATE OF anonymized_at ON requests
WHEN NEW.anonymized_at IS NOT NULL AND NEW.state <> 'completed'
BEGIN SELECT RAISE(ABORT, 'requests: only a completed request is anonymized (R-PII-2)'); END;

CREATE TRIGGER requests_anonymized_once BEFORE UPDATE ON requests
WHEN OLD.anonymized_at IS NOT NULL AND NEW.anonymized_at IS NOT OLD.anonymized_at
BEGIN SELECT RAISE(ABORT, 'requests: an anonymized request stays anonymized (R-PII-2)'); END;

CREATE TRIGGER requests_fixed BEFORE UPDATE OF id, publisher_user_id, key_id, created_at ON requests
BEGIN SELECT RAISE(ABORT, 'requests: the publisher, key and creation time of a request never change'); END;

CREATE TRIGGER requests_no_delete BEFORE DELETE ON requests
BEGIN SELECT RAISE(ABORT, 'requests: requests are never deleted; personal data is anonymized on schedule (R-PII-2)'); END;

CREATE TRIGGER retention_records_no_delete BEFORE DELETE ON retention_records
BEGIN SELECT RAISE(ABORT, 'retention_records: a retention record is never changed'); END;

CREATE TRIGGER retention_records_no_update BEFORE UPDATE ON retention_records
BEGIN SELECT RAISE(ABORT, 'retention_records: a retention record is never changed'); END;

CREATE TRIGGER review_claims_no_delete BEFORE DELETE ON review_claims
BEGIN SELECT RAISE(ABORT, 'review_claims: claims are never deleted; release them'); END;

CREATE TRIGGER review_claims_release_only BEFORE UPDATE ON review_claims
WHEN OLD.released_at IS NOT NULL OR NEW.released_at IS NULL OR NEW.id <> OLD.id OR NEW.request_id <> OLD.request_id
	OR NEW.staff_id <> OLD.staff_id OR NEW.claimed_at <> OLD.claimed_at
BEGIN SELECT RAISE(ABORT, 'review_claims: a claim can only be released, once'); END;

CREATE TRIGGER review_conflicts_no_delete BEFORE DELETE ON review_conflicts
BEGIN SELECT RAISE(ABORT, 'review_conflicts: a recorded conflict is never changed'); END;

CREATE TRIGGER review_conflicts_no_update BEFORE UPDATE ON review_conflicts
BEGIN SELECT RAISE(ABORT, 'review_conflicts: a recorded conflict is never changed'); END;

CREATE TRIGGER review_decisions_no_delete BEFORE DELETE ON review_decisions
BEGIN SELECT RAISE(ABORT, 'review_decisions: a decision is never changed'); END;

CREATE TRIGGER review_decisions_no_update BEFORE UPDATE ON review_decisions
BEGIN SELECT RAISE(ABORT, 'review_decisions: a decision is never changed'); END;

CREATE TRIGGER review_screenings_no_delete BEFORE DELETE ON review_screenings
BEGIN SELECT RAISE(ABORT, 'review_screenings: a screening is never changed; screen again'); END;

CREATE TRIGGER review_screenings_no_update BEFORE UPDATE ON review_screenings
BEGIN SELECT RAISE(ABORT, 'review_screenings: a screening is never changed; screen again'); END;

CREATE TRIGGER rules_consents_no_delete BEFORE DELETE ON rules_consents
BEGIN SELECT RAISE(ABORT, 'rules_consents: consents are never updated or deleted'); END;

CREATE TRIGGER rules_consents_no_update BEFORE UPDATE ON rules_consents
BEGIN SELECT RAISE(ABORT, 'rules_consents: consents are never updated or deleted'); END;

CREATE TRIGGER rules_versions_fixed BEFORE UPDATE OF id, kind, major, minor, title_zh, title_en, body_zh, body_en, summary_zh, summary_en, created_by, created_at ON rules_versions
BEGIN SELECT RAISE(ABORT, 'rules_versions: the text of a version never changes; draft a new version'); END;

CREATE TRIGGER rules_versions_no_delete BEFORE DELETE ON rules_versions
BEGIN SELECT RAISE(ABORT, 'rules_versions: versions are never deleted; withdraw a draft instead'); END;

CREATE TRIGGER rules_versions_transition BEFORE UPDATE ON rules_versions
WHEN NOT (
	(OLD.state = 'draft' AND NEW.state = 'reported'
		AND NEW.reported_at IS NOT NULL AND NEW.effective_at IS NULL AND NEW.withdrawn_at IS NULL)
	OR (OLD.state IN ('draft', 'reported') AND NEW.state = 'effective'
		AND NEW.reported_at IS OLD.reported_at AND NEW.report_ref = OLD.report_ref AND NEW.reported_by = OLD.reported_by)
	OR (OLD.state = 'effective' AND NEW.state = 'superseded'
		AND NEW.reported_at IS OLD.reported_at AND NEW.report_ref = OLD.report_ref AND NEW.reported_by = OLD.reported_by
		AND NEW.effective_at = OLD.effective_at AND NEW.effective_by = OLD.effective_by)
	OR (OLD.state IN ('draft', 'reported') AND NEW.state = 'withdrawn'
		AND NEW.reported_at IS OLD.reported_at AND NEW.report_ref = OLD.report_ref AND NEW.reported_by = OLD.reported_by)
)
BEGIN SELECT RAISE(ABORT, 'rules_versions: a version''s state only moves forward (draft, reported, effective, superseded)'); END;

CREATE TRIGGER share_counts_add_only BEFORE UPDATE ON share_counts
WHEN NEW.share_id <> OLD.share_id OR NEW.visits < OLD.visits OR NEW.donations < OLD.donations
	OR NEW.raised_fen < OLD.raised_fen
BEGIN SELECT RAISE(ABORT, 'share_counts: counts are only ever added to'); END;

CREATE TRIGGER share_counts_no_delete BEFORE DELETE ON share_counts
BEGIN SELECT RAISE(ABORT, 'share_counts: counts are never deleted'); END;

CREATE TRIGGER shares_no_delete BEFORE DELETE ON shares
BEGIN SELECT RAISE(ABORT, 'shares: a share is never deleted'); END;

CREATE TRIGGER shares_no_update BEFORE UPDATE ON shares
BEGIN SELECT RAISE(ABORT, 'shares: a share is never changed'); END;

CREATE TRIGGER staff_fixed BEFORE UPDATE OF id, username, created_at ON staff
BEGIN SELECT RAISE(ABORT, 'staff: the id, username and creation time of an account never change'); END;

CREATE TRIGGER staff_no_delete BEFORE DELETE ON staff
BEGIN SELECT RAISE(ABORT, 'staff: accounts are never deleted; disable them'); END;

CREATE TRIGGER staff_proposals_decided BEFORE UPDATE ON staff_proposals WHEN OLD.status <> 'pending'
BEGIN SELECT RAISE(ABORT, 'staff_proposals: a decided proposal never changes'); END;

CREATE TRIGGER staff_proposals_fixed BEFORE UPDATE OF id, kind, object, payload, reason, proposed_by, proposed_at ON staff_proposals
BEGIN SELECT RAISE(ABORT, 'staff_proposals: only the decision of a proposal is recorded'); END;

CREATE TRIGGER staff_proposals_no_delete BEFORE DELETE ON staff_proposals
BEGIN SELECT RAISE(ABORT, 'staff_proposals: proposals are never deleted'); END;

CREATE TRIGGER statement_credits_no_delete BEFORE DELETE ON statement_credits
BEGIN SELECT RAISE(ABORT, 'statement_credits: a posted line is never deleted'); END;

CREATE TRIGGER termination_documents_fixed BEFORE UPDATE ON termination_documents
BEGIN SELECT RAISE(ABORT, 'termination_documents: a document never changes'); END;

CREATE TRIGGER termination_documents_no_delete BEFORE DELETE ON termination_documents
BEGIN SELECT RAISE(ABORT, 'termination_documents: a document is never deleted'); END;

CREATE TRIGGER terminations_fixed BEFORE UPDATE OF id, request_id, proposal_id, reason, public_reason, findings,
	patient_involved, proposed_by, proposed_at ON terminations
BEGIN SELECT RAISE(ABORT, 'terminations: what was proposed never changes'); END;

CREATE TRIGGER terminations_no_delete BEFORE DELETE ON terminations
BEGIN SELECT RAISE(ABORT, 'terminations: a termination is never deleted'); END;

