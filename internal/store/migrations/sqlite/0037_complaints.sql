-- Complaints and reports (issue 18, internal/complaint; R-COMP-1, R-COMP-2,
-- R-DISC-2, R-DISP-1).
--
-- complaints holds one complaint: what it is about, the text as typed (it is
-- escaped on output, never interpreted), the complainant's contact details
-- sealed under the record's data key (contact_masked is what staff see
-- until they reveal it, audited), the tracking secret sealed the same way,
-- and the two clocks of R-COMP-2 computed from the working calendar at
-- receipt: ack_due (1 working day) and handle_due (7). client_key is a hash
-- of the client's address, for the repeat limit; text_hash finds the same
-- complaint sent again. Only handling moves: status, level, assignment,
-- the times of acknowledgement, escalation and closing, the outcome and the
-- response. What the complainant sent never changes, except that the
-- retention job may replace the sealed contact details (R-PII-2).
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
	published           INTEGER NOT NULL DEFAULT 0 CHECK (published IN (0, 1)),
	CHECK ((closed_at IS NULL) = (status NOT IN ('resolved', 'dismissed'))),
	CHECK ((outcome IS NULL) = (closed_at IS NULL)),
	CHECK (published = 0 OR (request_id IS NOT NULL AND closed_at IS NOT NULL)),
	-- A complaint about a staff member is never theirs to handle (R-COMP-1).
	CHECK (assigned_to IS NULL OR subject_staff_id IS NULL OR assigned_to <> subject_staff_id)
);
CREATE INDEX complaints_client ON complaints (client_key, received_at);
CREATE INDEX complaints_request ON complaints (request_id) WHERE request_id IS NOT NULL;
CREATE INDEX complaints_open ON complaints (status, handle_due);
CREATE INDEX complaints_received ON complaints (received_at);

-- Evidence the complainant attached, checked by internal/upload, stripped
-- of metadata and sealed under the complaint's data key.
CREATE TABLE complaint_evidence (
	id           INTEGER NOT NULL PRIMARY KEY,
	complaint_id BIGINT  NOT NULL REFERENCES complaints (id),
	name         TEXT    NOT NULL,
	kind         TEXT    NOT NULL CHECK (kind IN ('image/jpeg', 'image/png', 'application/pdf')),
	size         BIGINT  NOT NULL CHECK (size > 0),
	data_sealed  BLOB    NOT NULL,
	created_at   BIGINT  NOT NULL
);
CREATE INDEX complaint_evidence_complaint ON complaint_evidence (complaint_id, id);

-- The history of a complaint, append-only: received, acknowledged,
-- assigned, notes (staff only), links, escalations, the outcome.
CREATE TABLE complaint_events (
	id           INTEGER NOT NULL PRIMARY KEY,
	complaint_id BIGINT  NOT NULL REFERENCES complaints (id),
	at           BIGINT  NOT NULL,
	actor        TEXT    NOT NULL CHECK (actor <> ''),
	kind         TEXT    NOT NULL CHECK (kind IN ('received', 'acknowledged', 'assigned', 'note', 'linked', 'escalated', 'resolved', 'dismissed')),
	detail       TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX complaint_events_complaint ON complaint_events (complaint_id, id);

-- The working calendar of the clocks: a day listed here is a holiday
-- (working = 0) or a make-up working day on a weekend (调休, working = 1);
-- any other day is a working day from Monday to Friday. Admins edit it in
-- the console. Seeded with the 2026 State Council schedule and, for 2027,
-- the statutory holidays only, until that year's notice is published.
CREATE TABLE work_calendar (
	day        TEXT    NOT NULL PRIMARY KEY CHECK (day LIKE '____-__-__'),
	working    INTEGER NOT NULL CHECK (working IN (0, 1)),
	name       TEXT    NOT NULL DEFAULT '',
	updated_at BIGINT  NOT NULL DEFAULT 0,
	updated_by TEXT    NOT NULL DEFAULT 'seed'
);
INSERT INTO work_calendar (day, working, name) VALUES
	('2026-01-01', 0, '元旦'), ('2026-01-02', 0, '元旦'), ('2026-01-03', 0, '元旦'), ('2026-01-04', 1, '元旦调休'),
	('2026-02-14', 1, '春节调休'), ('2026-02-15', 0, '春节'), ('2026-02-16', 0, '春节'), ('2026-02-17', 0, '春节'),
	('2026-02-18', 0, '春节'), ('2026-02-19', 0, '春节'), ('2026-02-20', 0, '春节'), ('2026-02-21', 0, '春节'),
	('2026-02-22', 0, '春节'), ('2026-02-23', 0, '春节'), ('2026-02-28', 1, '春节调休'),
	('2026-04-04', 0, '清明节'), ('2026-04-05', 0, '清明节'), ('2026-04-06', 0, '清明节'),
	('2026-05-01', 0, '劳动节'), ('2026-05-02', 0, '劳动节'), ('2026-05-03', 0, '劳动节'), ('2026-05-04', 0, '劳动节'),
	('2026-05-05', 0, '劳动节'), ('2026-05-09', 1, '劳动节调休'),
	('2026-06-19', 0, '端午节'), ('2026-06-20', 0, '端午节'), ('2026-06-21', 0, '端午节'),
	('2026-09-20', 1, '国庆节调休'), ('2026-09-25', 0, '中秋节'), ('2026-09-26', 0, '中秋节'), ('2026-09-27', 0, '中秋节'),
	('2026-10-01', 0, '国庆节'), ('2026-10-02', 0, '国庆节'), ('2026-10-03', 0, '国庆节'), ('2026-10-04', 0, '国庆节'),
	('2026-10-05', 0, '国庆节'), ('2026-10-06', 0, '国庆节'), ('2026-10-07', 0, '国庆节'), ('2026-10-10', 1, '国庆节调休'),
	('2027-01-01', 0, '元旦（法定，待国务院通知）'),
	('2027-02-05', 0, '春节（法定，待国务院通知）'), ('2027-02-06', 0, '春节（法定，待国务院通知）'),
	('2027-02-07', 0, '春节（法定，待国务院通知）'), ('2027-02-08', 0, '春节（法定，待国务院通知）'),
	('2027-04-05', 0, '清明节（法定，待国务院通知）'),
	('2027-05-01', 0, '劳动节（法定，待国务院通知）'), ('2027-05-02', 0, '劳动节（法定，待国务院通知）'),
	('2027-06-09', 0, '端午节（法定，待国务院通知）'),
	('2027-09-15', 0, '中秋节（法定，待国务院通知）'),
	('2027-10-01', 0, '国庆节（法定，待国务院通知）'), ('2027-10-02', 0, '国庆节（法定，待国务院通知）'),
	('2027-10-03', 0, '国庆节（法定，待国务院通知）');

CREATE TRIGGER complaints_no_delete BEFORE DELETE ON complaints
BEGIN SELECT RAISE(ABORT, 'complaints: complaints are never deleted'); END;
CREATE TRIGGER complaints_fixed BEFORE UPDATE OF id, number, category, request_id, staff_ref, subject_staff_id, text, account_id,
	key_id, seal_token, secret_sealed, client_key, text_hash, idem_key, received_at, ack_due, handle_due ON complaints
WHEN OLD.request_id IS NOT NEW.request_id AND OLD.request_id IS NOT NULL
	OR OLD.id <> NEW.id OR OLD.number <> NEW.number OR OLD.category <> NEW.category OR OLD.staff_ref <> NEW.staff_ref
	OR OLD.subject_staff_id IS NOT NEW.subject_staff_id AND OLD.subject_staff_id IS NOT NULL OR OLD.text <> NEW.text OR OLD.account_id IS NOT NEW.account_id
	OR OLD.key_id <> NEW.key_id OR OLD.seal_token <> NEW.seal_token OR OLD.secret_sealed <> NEW.secret_sealed OR OLD.client_key <> NEW.client_key
	OR OLD.text_hash <> NEW.text_hash OR OLD.idem_key IS NOT NEW.idem_key OR OLD.received_at <> NEW.received_at
	OR OLD.ack_due <> NEW.ack_due OR OLD.handle_due <> NEW.handle_due
BEGIN SELECT RAISE(ABORT, 'complaints: what the complainant sent never changes; a request and a staff member are linked once'); END;
CREATE TRIGGER complaint_evidence_no_update BEFORE UPDATE ON complaint_evidence
BEGIN SELECT RAISE(ABORT, 'complaint_evidence: evidence is never changed'); END;
CREATE TRIGGER complaint_evidence_no_delete BEFORE DELETE ON complaint_evidence
BEGIN SELECT RAISE(ABORT, 'complaint_evidence: evidence is never changed'); END;
CREATE TRIGGER complaint_events_no_update BEFORE UPDATE ON complaint_events
BEGIN SELECT RAISE(ABORT, 'complaint_events: the history is append-only'); END;
CREATE TRIGGER complaint_events_no_delete BEFORE DELETE ON complaint_events
BEGIN SELECT RAISE(ABORT, 'complaint_events: the history is append-only'); END;
