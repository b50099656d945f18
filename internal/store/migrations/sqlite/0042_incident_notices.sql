-- Incident notices (R-PII-3, issue 18): an incident is a leak, tampering
-- or loss of personal data, and it records a notice to the authority and
-- to each person affected: the channel, when it was sent, by whom and the
-- outcome. Notices are never changed or removed; a failed one is followed
-- by a new one. See internal/incident.
ALTER TABLE incidents ADD COLUMN kind TEXT NOT NULL DEFAULT 'leak' CHECK (kind IN ('leak', 'tampering', 'loss'));
CREATE TRIGGER incidents_kind_fixed BEFORE UPDATE OF kind ON incidents
BEGIN SELECT RAISE(ABORT, 'incidents: only the status of an incident changes'); END;

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
CREATE INDEX incident_notices_incident ON incident_notices (incident_id, id);
CREATE TRIGGER incident_notices_no_update BEFORE UPDATE ON incident_notices
BEGIN SELECT RAISE(ABORT, 'incident_notices: recorded notices are never changed'); END;
CREATE TRIGGER incident_notices_no_delete BEFORE DELETE ON incident_notices
BEGIN SELECT RAISE(ABORT, 'incident_notices: recorded notices are never changed'); END;
