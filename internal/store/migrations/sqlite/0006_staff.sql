-- Staff accounts and four-eyes approvals (R-ACC-2, R-STAFF-1). See internal/staff.
--
-- Staff sign in with a password (an argon2id hash in PHC form, which carries
-- its own parameters so they can be raised later) and a TOTP code. The TOTP
-- secret is stored sealed by the application's key, never in the clear.
-- totp_last_step is the last time step accepted, so a code is used once.
-- An account locks (locked_at set) after repeated failures; only another
-- staff member unlocks it.
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
);

-- Sensitive actions wait here until a second, different staff member decides
-- them. payload is JSON with what the action needs: IDs, blind indexes and masked values,
-- never a full ID number, phone number or other plain personal data.
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
CREATE INDEX staff_proposals_status ON staff_proposals (status, id);

-- Accounts are disabled, never deleted (the audit log names them), and a
-- username is never reused for someone else: the TOTP secret is sealed to it.
CREATE TRIGGER staff_no_delete BEFORE DELETE ON staff
BEGIN SELECT RAISE(ABORT, 'staff: accounts are never deleted; disable them'); END;
CREATE TRIGGER staff_fixed BEFORE UPDATE OF id, username, created_at ON staff
BEGIN SELECT RAISE(ABORT, 'staff: the id, username and creation time of an account never change'); END;
-- A proposal is decided once; after that it never changes.
CREATE TRIGGER staff_proposals_no_delete BEFORE DELETE ON staff_proposals
BEGIN SELECT RAISE(ABORT, 'staff_proposals: proposals are never deleted'); END;
CREATE TRIGGER staff_proposals_decided BEFORE UPDATE ON staff_proposals WHEN OLD.status <> 'pending'
BEGIN SELECT RAISE(ABORT, 'staff_proposals: a decided proposal never changes'); END;
CREATE TRIGGER staff_proposals_fixed BEFORE UPDATE OF id, kind, object, payload, reason, proposed_by, proposed_at ON staff_proposals
BEGIN SELECT RAISE(ABORT, 'staff_proposals: only the decision of a proposal is recorded'); END;
