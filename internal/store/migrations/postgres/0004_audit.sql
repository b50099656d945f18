-- The audit log (R-STAFF-1): every staff action, every view of personal data,
-- sign-ins and refusals, in a hash chain. See internal/audit.
--
-- Each entry's hash covers its content and the previous entry's hash, so an
-- entry changed or removed behind the application's back breaks the chain,
-- and `carefund verify` names the first broken link. audit_head holds the
-- last entry's seq and hash: every append locks it, so appends serialize and
-- the chain never forks, and a deleted tail shows as a head that points past
-- the last entry. detail never holds personal data, only IDs.
CREATE TABLE audit_log (
	seq       BIGINT NOT NULL PRIMARY KEY CHECK (seq >= 1),
	at        BIGINT NOT NULL,
	actor     TEXT   NOT NULL CHECK (actor <> ''),
	action    TEXT   NOT NULL CHECK (action <> ''),
	object    TEXT   NOT NULL,
	result    TEXT   NOT NULL CHECK (result IN ('ok', 'denied', 'failed')),
	source    TEXT   NOT NULL,
	detail    TEXT   NOT NULL,
	prev_hash TEXT   NOT NULL CHECK (length(prev_hash) = 64),
	hash      TEXT   NOT NULL CHECK (length(hash) = 64)
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
CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION '%: %', TG_TABLE_NAME, TG_ARGV[0] USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER audit_log_immutable BEFORE UPDATE OR DELETE ON audit_log
	FOR EACH ROW EXECUTE FUNCTION audit_refuse_change('audit entries are never updated or deleted');
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
	FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change('audit entries are never updated or deleted');
CREATE TRIGGER audit_head_one BEFORE INSERT OR DELETE ON audit_head
	FOR EACH ROW EXECUTE FUNCTION audit_refuse_change('there is one head, never deleted');
CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head
	FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change('there is one head, never deleted');

-- A new entry follows the head: no fork, no gap.
CREATE FUNCTION audit_log_linked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM audit_head WHERE id = 1 AND seq + 1 = NEW.seq AND hash = NEW.prev_hash) THEN
		RAISE EXCEPTION 'audit_log: a new entry must follow the head of the chain' USING ERRCODE = 'restrict_violation';
	END IF;
	RETURN NEW;
END
$$;
CREATE TRIGGER audit_log_linked BEFORE INSERT ON audit_log
	FOR EACH ROW EXECUTE FUNCTION audit_log_linked();

-- The head moves forward one entry at a time, onto an entry that exists.
CREATE FUNCTION audit_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.id <> OLD.id OR NEW.seq <> OLD.seq + 1
		OR NOT EXISTS (SELECT 1 FROM audit_log WHERE seq = NEW.seq AND hash = NEW.hash) THEN
		RAISE EXCEPTION 'audit_head: the head only moves forward, one entry at a time' USING ERRCODE = 'restrict_violation';
	END IF;
	RETURN NEW;
END
$$;
CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_head
	FOR EACH ROW EXECUTE FUNCTION audit_head_forward();

-- Personal-data incidents (R-PII-3): a suspected leak, the people it may
-- affect (found in the audit log) and what was done about it. See
-- internal/incident. Incidents are never deleted; their steps are never
-- changed; only the status moves, forward.
CREATE TABLE incidents (
	id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	title         TEXT   NOT NULL CHECK (title <> ''),
	description   TEXT   NOT NULL,
	status        TEXT   NOT NULL CHECK (status IN ('open', 'contained', 'notified', 'closed')),
	opened_by     TEXT   NOT NULL,
	opened_at     BIGINT NOT NULL,
	suspect_actor TEXT   NOT NULL,
	scope_from    BIGINT NOT NULL,
	scope_to      BIGINT NOT NULL,
	CHECK (scope_from <= scope_to)
);

CREATE TABLE incident_affected (
	incident_id BIGINT NOT NULL REFERENCES incidents (id),
	object      TEXT   NOT NULL CHECK (object <> ''),
	PRIMARY KEY (incident_id, object)
);

CREATE TABLE incident_steps (
	id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	incident_id BIGINT NOT NULL REFERENCES incidents (id),
	at          BIGINT NOT NULL,
	by_actor    TEXT   NOT NULL,
	kind        TEXT   NOT NULL CHECK (kind IN ('remediation', 'notice_people', 'notice_regulator', 'note', 'status')),
	text        TEXT   NOT NULL CHECK (text <> '')
);
CREATE INDEX incident_steps_incident ON incident_steps (incident_id, id);

CREATE TRIGGER incidents_no_delete BEFORE DELETE ON incidents
	FOR EACH ROW EXECUTE FUNCTION audit_refuse_change('incidents are never deleted');
CREATE TRIGGER incidents_no_truncate BEFORE TRUNCATE ON incidents
	FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change('incidents are never deleted');
CREATE TRIGGER incidents_fixed BEFORE UPDATE OF id, title, description, opened_by, opened_at, suspect_actor, scope_from, scope_to ON incidents
	FOR EACH ROW EXECUTE FUNCTION audit_refuse_change('only the status of an incident changes');
CREATE FUNCTION incidents_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF array_position(ARRAY['open', 'contained', 'notified', 'closed'], NEW.status)
		<= array_position(ARRAY['open', 'contained', 'notified', 'closed'], OLD.status) THEN
		RAISE EXCEPTION 'incidents: the status only moves forward' USING ERRCODE = 'restrict_violation';
	END IF;
	RETURN NEW;
END
$$;
CREATE TRIGGER incidents_forward BEFORE UPDATE OF status ON incidents
	FOR EACH ROW EXECUTE FUNCTION incidents_forward();
CREATE TRIGGER incident_affected_immutable BEFORE UPDATE OR DELETE ON incident_affected
	FOR EACH ROW EXECUTE FUNCTION audit_refuse_change('the people an incident affects are never changed');
CREATE TRIGGER incident_affected_no_truncate BEFORE TRUNCATE ON incident_affected
	FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change('the people an incident affects are never changed');
CREATE TRIGGER incident_steps_immutable BEFORE UPDATE OR DELETE ON incident_steps
	FOR EACH ROW EXECUTE FUNCTION audit_refuse_change('recorded steps are never changed');
CREATE TRIGGER incident_steps_no_truncate BEFORE TRUNCATE ON incident_steps
	FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change('recorded steps are never changed');
