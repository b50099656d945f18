-- The audit log (R-STAFF-1): every staff action, every view of personal data,
-- sign-ins and refusals, in a hash chain. See internal/audit.
--
-- Each entry's hash covers its content and the previous entry's hash, so an
-- entry changed or removed behind the application's back breaks the chain,
-- and `carefund verify` names the first broken link. audit_head holds the
-- last entry's seq and hash: every append takes it, so appends serialize and
-- the chain never forks, and a deleted tail shows as a head that points past
-- the last entry. detail never holds personal data, only IDs.
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

-- The auditor's page filters by actor, action or object, newest first; an
-- incident looks up what one actor viewed in a time window.
CREATE INDEX audit_log_actor ON audit_log (actor, seq);
CREATE INDEX audit_log_action ON audit_log (action, seq);
CREATE INDEX audit_log_object ON audit_log (object, seq);
CREATE INDEX audit_log_at ON audit_log (at);

CREATE TABLE audit_head (
	id   INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
	seq  BIGINT  NOT NULL CHECK (seq >= 0),
	hash TEXT    NOT NULL CHECK (length(hash) = 64)
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- The application only ever appends. The database refuses anything else, so
-- neither a bug nor a hand-typed statement can quietly rewrite history.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log: audit entries are never updated or deleted'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log: audit entries are never updated or deleted'); END;
-- A new entry follows the head: no fork, no gap.
CREATE TRIGGER audit_log_linked BEFORE INSERT ON audit_log
WHEN NOT EXISTS (SELECT 1 FROM audit_head WHERE id = 1 AND seq + 1 = NEW.seq AND hash = NEW.prev_hash)
BEGIN SELECT RAISE(ABORT, 'audit_log: a new entry must follow the head of the chain'); END;
-- The head moves forward one entry at a time, onto an entry that exists.
CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_head
WHEN NEW.id <> OLD.id OR NEW.seq <> OLD.seq + 1
  OR NOT EXISTS (SELECT 1 FROM audit_log WHERE seq = NEW.seq AND hash = NEW.hash)
BEGIN SELECT RAISE(ABORT, 'audit_head: the head only moves forward, one entry at a time'); END;
CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
BEGIN SELECT RAISE(ABORT, 'audit_head: the head is never deleted'); END;
CREATE TRIGGER audit_head_no_insert BEFORE INSERT ON audit_head
BEGIN SELECT RAISE(ABORT, 'audit_head: there is only one head'); END;

-- Personal-data incidents (R-PII-3): a suspected leak, the people it may
-- affect (found in the audit log) and what was done about it. See
-- internal/incident. Incidents are never deleted; their steps are never
-- changed; only the status moves, forward.
CREATE TABLE incidents (
	id            INTEGER NOT NULL PRIMARY KEY,
	title         TEXT    NOT NULL CHECK (title <> ''),
	description   TEXT    NOT NULL,
	status        TEXT    NOT NULL CHECK (status IN ('open', 'contained', 'notified', 'closed')),
	opened_by     TEXT    NOT NULL,
	opened_at     BIGINT  NOT NULL,
	suspect_actor TEXT    NOT NULL,
	scope_from    BIGINT  NOT NULL,
	scope_to      BIGINT  NOT NULL,
	CHECK (scope_from <= scope_to)
);

CREATE TABLE incident_affected (
	incident_id BIGINT NOT NULL REFERENCES incidents (id),
	object      TEXT   NOT NULL CHECK (object <> ''),
	PRIMARY KEY (incident_id, object)
) WITHOUT ROWID;

CREATE TABLE incident_steps (
	id          INTEGER NOT NULL PRIMARY KEY,
	incident_id BIGINT  NOT NULL REFERENCES incidents (id),
	at          BIGINT  NOT NULL,
	by_actor    TEXT    NOT NULL,
	kind        TEXT    NOT NULL CHECK (kind IN ('remediation', 'notice_people', 'notice_regulator', 'note', 'status')),
	text        TEXT    NOT NULL CHECK (text <> '')
);
CREATE INDEX incident_steps_incident ON incident_steps (incident_id, id);

CREATE TRIGGER incidents_no_delete BEFORE DELETE ON incidents
BEGIN SELECT RAISE(ABORT, 'incidents: incidents are never deleted'); END;
CREATE TRIGGER incidents_fixed BEFORE UPDATE OF id, title, description, opened_by, opened_at, suspect_actor, scope_from, scope_to ON incidents
BEGIN SELECT RAISE(ABORT, 'incidents: only the status of an incident changes'); END;
CREATE TRIGGER incidents_forward BEFORE UPDATE OF status ON incidents
WHEN instr('open contained notified closed', NEW.status) <= instr('open contained notified closed', OLD.status)
BEGIN SELECT RAISE(ABORT, 'incidents: the status only moves forward'); END;
CREATE TRIGGER incident_affected_no_update BEFORE UPDATE ON incident_affected
BEGIN SELECT RAISE(ABORT, 'incident_affected: the people an incident affects are never changed'); END;
CREATE TRIGGER incident_affected_no_delete BEFORE DELETE ON incident_affected
BEGIN SELECT RAISE(ABORT, 'incident_affected: the people an incident affects are never changed'); END;
CREATE TRIGGER incident_steps_no_update BEFORE UPDATE ON incident_steps
BEGIN SELECT RAISE(ABORT, 'incident_steps: recorded steps are never changed'); END;
CREATE TRIGGER incident_steps_no_delete BEFORE DELETE ON incident_steps
BEGIN SELECT RAISE(ABORT, 'incident_steps: recorded steps are never changed'); END;
