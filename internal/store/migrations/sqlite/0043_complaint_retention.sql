-- Retention of complaints (R-PII-2, docs/decisions/0034-retention.md): the
-- retention period after a complaint was closed, its contact details and
-- its evidence are anonymized; the category, the outcome, the times and the
-- published response stay (they are the statistics and the public answer).
--
-- complaints.anonymized_at marks a complaint whose personal data is gone:
-- set once, only on a closed complaint. The sealed contact details change
-- only in that same update; the evidence's name and content only once the
-- complaint is marked. Everything else stays as fixed as 0037 made it.
ALTER TABLE complaints ADD COLUMN anonymized_at BIGINT;
CREATE TRIGGER complaints_anonymized_once BEFORE UPDATE OF anonymized_at ON complaints
WHEN OLD.anonymized_at IS NOT NULL AND NEW.anonymized_at IS NOT OLD.anonymized_at
BEGIN SELECT RAISE(ABORT, 'complaints: an anonymized complaint stays anonymized (R-PII-2)'); END;
CREATE TRIGGER complaints_anonymized_closed BEFORE UPDATE OF anonymized_at ON complaints
WHEN NEW.anonymized_at IS NOT NULL AND NEW.closed_at IS NULL
BEGIN SELECT RAISE(ABORT, 'complaints: only a closed complaint is anonymized (R-PII-2)'); END;
CREATE TRIGGER complaints_contact_fixed BEFORE UPDATE OF contact_sealed, contact_masked ON complaints
WHEN (OLD.contact_sealed <> NEW.contact_sealed OR OLD.contact_masked <> NEW.contact_masked)
	AND (OLD.anonymized_at IS NOT NULL OR NEW.anonymized_at IS NULL)
BEGIN SELECT RAISE(ABORT, 'complaints: the contact details change only when the complaint is anonymized (R-PII-2)'); END;

DROP TRIGGER complaint_evidence_no_update;
CREATE TRIGGER complaint_evidence_no_update BEFORE UPDATE ON complaint_evidence
WHEN (SELECT anonymized_at FROM complaints WHERE id = OLD.complaint_id) IS NULL
	OR NEW.id <> OLD.id OR NEW.complaint_id <> OLD.complaint_id OR NEW.kind <> OLD.kind OR NEW.size <> OLD.size
	OR NEW.created_at <> OLD.created_at
BEGIN SELECT RAISE(ABORT, 'complaint_evidence: evidence is never changed'); END;
