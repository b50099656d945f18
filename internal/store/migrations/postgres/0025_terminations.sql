-- Suspension and termination for fraud or misuse (R-REV-4, R-REF-2,
-- R-DISC-2, R-STAFF-1, R-PII-1). See internal/termination.
--
-- request_suspensions: every suspension of a published request, with the
-- public notice shown on the request page while it lasts, and the public
-- note that ends it when the investigation clears the request. At most one
-- is open (not resumed) per request. The request's state itself lives in
-- requests and request_events (package campaign).
CREATE FUNCTION terminations_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION '%: %', TG_TABLE_NAME, TG_ARGV[0] USING ERRCODE = 'restrict_violation';
END
$$;

CREATE TABLE request_suspensions (
	id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	request_id   BIGINT  NOT NULL REFERENCES requests (id),
	notice       TEXT    NOT NULL CHECK (length(notice) BETWEEN 1 AND 500),
	reason       TEXT    NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
	suspended_by BIGINT  NOT NULL REFERENCES staff (id),
	suspended_at BIGINT  NOT NULL,
	resumed_by   BIGINT  REFERENCES staff (id),
	resumed_at   BIGINT,
	resume_note  TEXT    CHECK (resume_note IS NULL OR length(resume_note) BETWEEN 1 AND 500),
	CHECK ((resumed_by IS NULL) = (resumed_at IS NULL) AND (resumed_at IS NULL) = (resume_note IS NULL))
);
CREATE UNIQUE INDEX request_suspensions_open ON request_suspensions (request_id) WHERE resumed_at IS NULL;
CREATE INDEX request_suspensions_request ON request_suspensions (request_id, id);

CREATE TRIGGER request_suspensions_no_delete BEFORE DELETE ON request_suspensions
	FOR EACH ROW EXECUTE FUNCTION terminations_refuse_change('a suspension is never deleted');
CREATE TRIGGER request_suspensions_no_truncate BEFORE TRUNCATE ON request_suspensions
	FOR EACH STATEMENT EXECUTE FUNCTION terminations_refuse_change('a suspension is never deleted');
CREATE TRIGGER request_suspensions_fixed BEFORE UPDATE OF id, request_id, notice, reason, suspended_by, suspended_at ON request_suspensions
	FOR EACH ROW EXECUTE FUNCTION terminations_refuse_change('a suspension never changes; it is only resumed');

-- terminations: one proposal to terminate a request (staff.KindTermination,
-- four eyes) and, once approved, the termination itself. Whether it is
-- pending, rejected or approved is the proposal's status; terminated_at is
-- set in the approving transaction. paid_out_fen is what the request had
-- paid out at that moment: the recovery receivable posted after commit
-- (receivable_entry_id, key termination:<id>:receivable) and the refund run
-- started (refund_run, key termination:<id>) are recorded by the follow-up,
-- which runs again until both are done.
CREATE TABLE terminations (
	id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	request_id          BIGINT  NOT NULL REFERENCES requests (id),
	proposal_id         BIGINT  NOT NULL UNIQUE REFERENCES staff_proposals (id),
	reason              TEXT    NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
	public_reason       TEXT    NOT NULL CHECK (length(public_reason) BETWEEN 1 AND 500),
	findings            TEXT    NOT NULL CHECK (findings <> ''),
	patient_involved    INTEGER NOT NULL CHECK (patient_involved IN (0, 1)),
	proposed_by         BIGINT  NOT NULL REFERENCES staff (id),
	proposed_at         BIGINT  NOT NULL,
	approved_by         BIGINT  REFERENCES staff (id),
	terminated_at       BIGINT,
	paid_out_fen        BIGINT  CHECK (paid_out_fen IS NULL OR paid_out_fen >= 0),
	receivable_entry_id BIGINT  REFERENCES ledger_entries (id),
	refund_run          TEXT    CHECK (refund_run IS NULL OR length(refund_run) BETWEEN 1 AND 100),
	followed_up_at      BIGINT,
	CHECK ((approved_by IS NULL) = (terminated_at IS NULL) AND (terminated_at IS NULL) = (paid_out_fen IS NULL))
);
CREATE INDEX terminations_request ON terminations (request_id, id);
CREATE INDEX terminations_follow_up ON terminations (followed_up_at, terminated_at);

CREATE TRIGGER terminations_no_delete BEFORE DELETE ON terminations
	FOR EACH ROW EXECUTE FUNCTION terminations_refuse_change('a termination is never deleted');
CREATE TRIGGER terminations_no_truncate BEFORE TRUNCATE ON terminations
	FOR EACH STATEMENT EXECUTE FUNCTION terminations_refuse_change('a termination is never deleted');
CREATE TRIGGER terminations_fixed BEFORE UPDATE OF id, request_id, proposal_id, reason, public_reason, findings, patient_involved, proposed_by, proposed_at ON terminations
	FOR EACH ROW EXECUTE FUNCTION terminations_refuse_change('what was proposed never changes');

-- police_referrals: the referrals of a termination to the police (R-REF-2),
-- several allowed. The officer's name and contact are personal data
-- (R-PII-1): sealed under the referral's own data key, with associated data
-- naming the row's seal_token; officer_masked is what lists show. Station,
-- date and case number are not personal data; the public page shows the
-- station and the date only.
CREATE TABLE police_referrals (
	id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	termination_id BIGINT  NOT NULL REFERENCES terminations (id),
	station        TEXT    NOT NULL CHECK (length(station) BETWEEN 1 AND 200),
	referred_on    TEXT    NOT NULL CHECK (length(referred_on) = 10),
	case_number    TEXT    NOT NULL CHECK (length(case_number) BETWEEN 1 AND 100),
	key_id         BIGINT  NOT NULL UNIQUE REFERENCES data_keys (id),
	seal_token     TEXT    NOT NULL UNIQUE CHECK (length(seal_token) = 32),
	officer_sealed BYTEA   NOT NULL CHECK (length(officer_sealed) > 0),
	officer_masked TEXT    NOT NULL CHECK (officer_masked <> ''),
	added_by       BIGINT  NOT NULL REFERENCES staff (id),
	added_at       BIGINT  NOT NULL
);
CREATE INDEX police_referrals_termination ON police_referrals (termination_id, id);

CREATE TRIGGER police_referrals_fixed BEFORE UPDATE ON police_referrals
	FOR EACH ROW EXECUTE FUNCTION terminations_refuse_change('a referral never changes; record another');
CREATE TRIGGER police_referrals_no_delete BEFORE DELETE ON police_referrals
	FOR EACH ROW EXECUTE FUNCTION terminations_refuse_change('a referral is never deleted');
CREATE TRIGGER police_referrals_no_truncate BEFORE TRUNCATE ON police_referrals
	FOR EACH STATEMENT EXECUTE FUNCTION terminations_refuse_change('a referral is never deleted');

-- termination_documents: the evidence of a termination and the documents of
-- its referrals (referral_id set), checked and stripped as every upload is
-- (package upload), sealed under their own data key with associated data
-- naming the row's seal_token. Every opening is recorded in the audit log.
CREATE TABLE termination_documents (
	id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	termination_id BIGINT  NOT NULL REFERENCES terminations (id),
	referral_id    BIGINT  REFERENCES police_referrals (id),
	content_type   TEXT    NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'application/pdf')),
	size_bytes     BIGINT  NOT NULL CHECK (size_bytes > 0),
	key_id         BIGINT  NOT NULL UNIQUE REFERENCES data_keys (id),
	seal_token     TEXT    NOT NULL UNIQUE CHECK (length(seal_token) = 32),
	content_sealed BYTEA   NOT NULL CHECK (length(content_sealed) > 0),
	added_by       BIGINT  NOT NULL REFERENCES staff (id),
	added_at       BIGINT  NOT NULL
);
CREATE INDEX termination_documents_termination ON termination_documents (termination_id, id);

CREATE TRIGGER termination_documents_fixed BEFORE UPDATE ON termination_documents
	FOR EACH ROW EXECUTE FUNCTION terminations_refuse_change('a document never changes');
CREATE TRIGGER termination_documents_no_delete BEFORE DELETE ON termination_documents
	FOR EACH ROW EXECUTE FUNCTION terminations_refuse_change('a document is never deleted');
CREATE TRIGGER termination_documents_no_truncate BEFORE TRUNCATE ON termination_documents
	FOR EACH STATEMENT EXECUTE FUNCTION terminations_refuse_change('a document is never deleted');
