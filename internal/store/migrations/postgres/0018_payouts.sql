-- Payouts (拨付, R-DISB-1 to R-DISB-4, R-REF-3, R-STAFF-1, R-PII-1): the
-- applications a request's publisher files, their review by two finance
-- officers, the transfer the custody bank executes and the outcome it
-- reports, and the usage updates that follow. See internal/payout.
--
-- The money itself is in the ledger: the second approval posts
-- request:R → payable:payout:X (approve_entry_id), the bank's payment
-- payable:payout:X → bank:custody. A row here only says where the
-- application stands, and changes in the transaction of its entry.
--
-- The payee's name and account number are personal data (R-PII-1): they are
-- kept only in payee_sealed, sealed under the payout's own data key with
-- associated data naming the table and the row's seal_token. account_index is
-- the blind index (domain "payee-account") that finds one account paid for
-- unrelated requests (R-REF-3); account_masked is what lists show.
CREATE TABLE payouts (
	id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	request_id        BIGINT  NOT NULL REFERENCES requests (id),
	applicant_user_id BIGINT  NOT NULL REFERENCES users (id),
	idem_key          TEXT    NOT NULL CHECK (length(idem_key) BETWEEN 1 AND 100),
	content_index     TEXT    NOT NULL CHECK (length(content_index) = 64),
	state             TEXT    NOT NULL CHECK (state IN ('requested', 'in_review', 'needs_info', 'approved', 'paying',
		'paid', 'failed', 'rejected', 'returned')),
	mode              TEXT    NOT NULL CHECK (mode IN ('direct', 'hospital_or_batches')),
	amount_fen        BIGINT  NOT NULL CHECK (amount_fen > 0),
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
	payee_sealed      BYTEA   NOT NULL CHECK (octet_length(payee_sealed) > 0),
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
	created_at        BIGINT  NOT NULL,
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
CREATE INDEX payouts_request ON payouts (request_id, id);
CREATE INDEX payouts_state ON payouts (state, id);
CREATE INDEX payouts_account ON payouts (account_index);


-- payout_events: every move of a payout, with who moved it and the text
-- they gave (a question, an answer, a reason). Never updated or deleted.
CREATE TABLE payout_events (
	id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	payout_id  BIGINT  NOT NULL REFERENCES payouts (id),
	from_state TEXT    NOT NULL,
	to_state   TEXT    NOT NULL,
	event      TEXT    NOT NULL CHECK (event <> ''),
	actor      TEXT    NOT NULL CHECK (actor <> ''),
	text       TEXT    NOT NULL,
	at         BIGINT  NOT NULL
);
CREATE INDEX payout_events_payout ON payout_events (payout_id, id);

-- payout_usage: the usage updates posted after a payout (R-DISB-4), public.
CREATE TABLE payout_usage (
	id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	payout_id BIGINT  NOT NULL REFERENCES payouts (id),
	body      TEXT    NOT NULL CHECK (length(body) BETWEEN 1 AND 2000),
	posted_by TEXT    NOT NULL CHECK (posted_by <> ''),
	posted_at BIGINT  NOT NULL
);
CREATE INDEX payout_usage_payout ON payout_usage (payout_id, id);

-- payout_materials: the request's materials an application, an answer or a
-- usage update (usage_id) refers to.
CREATE TABLE payout_materials (
	payout_id   BIGINT NOT NULL REFERENCES payouts (id),
	material_id BIGINT NOT NULL REFERENCES request_materials (id),
	purpose     TEXT   NOT NULL CHECK (purpose IN ('application', 'answer', 'usage')),
	usage_id    BIGINT REFERENCES payout_usage (id),
	CHECK ((purpose = 'usage') = (usage_id IS NOT NULL))
);
CREATE UNIQUE INDEX payout_materials_once ON payout_materials (payout_id, material_id, purpose, COALESCE(usage_id, 0));

-- payout_outcomes: what the bank reported for a transfer, once per phase:
-- 'settle' (paid or rejected) and 'return' (returned after payment). A copy
-- that contradicts the recorded one is kept in payout_outcome_copies, once,
-- and refused: never applied.
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
CREATE TABLE payout_outcome_copies (
	id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	transfer_id TEXT    NOT NULL,
	status      TEXT    NOT NULL,
	reason      TEXT    NOT NULL,
	at          BIGINT  NOT NULL,
	recorded_at BIGINT  NOT NULL,
	UNIQUE (transfer_id, status, reason, at)
);

CREATE FUNCTION payout_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION '%: %', TG_TABLE_NAME, TG_ARGV[0] USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER payouts_no_delete BEFORE DELETE ON payouts
	FOR EACH ROW EXECUTE FUNCTION payout_refuse_change('a payout is never deleted');
CREATE TRIGGER payouts_no_truncate BEFORE TRUNCATE ON payouts
	FOR EACH STATEMENT EXECUTE FUNCTION payout_refuse_change('a payout is never deleted');
CREATE TRIGGER payouts_fixed BEFORE UPDATE OF id, request_id, applicant_user_id, idem_key, content_index, mode, amount_fen,
	payee_kind, hospital_id, key_id, seal_token, payee_sealed, account_index, created_at ON payouts
	FOR EACH ROW EXECUTE FUNCTION payout_refuse_change('what was applied for never changes');
CREATE TRIGGER payout_events_append_only BEFORE UPDATE OR DELETE ON payout_events
	FOR EACH ROW EXECUTE FUNCTION payout_refuse_change('append only');
-- Usage updates, the materials referred to and the bank's outcomes are
-- records: never changed or removed.
CREATE TRIGGER payout_usage_append_only BEFORE UPDATE OR DELETE ON payout_usage
	FOR EACH ROW EXECUTE FUNCTION payout_refuse_change('append only');
CREATE TRIGGER payout_materials_append_only BEFORE UPDATE OR DELETE ON payout_materials
	FOR EACH ROW EXECUTE FUNCTION payout_refuse_change('append only');
CREATE TRIGGER payout_outcomes_append_only BEFORE UPDATE OR DELETE ON payout_outcomes
	FOR EACH ROW EXECUTE FUNCTION payout_refuse_change('append only');
CREATE TRIGGER payout_outcome_copies_append_only BEFORE UPDATE OR DELETE ON payout_outcome_copies
	FOR EACH ROW EXECUTE FUNCTION payout_refuse_change('append only');
