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
CREATE TRIGGER complaints_anonymized_once BEFORE UPDATE ON complaints
	FOR EACH ROW WHEN (OLD.anonymized_at IS NOT NULL AND NEW.anonymized_at IS DISTINCT FROM OLD.anonymized_at)
	EXECUTE FUNCTION complaint_refuse_change('an anonymized complaint stays anonymized (R-PII-2)');
CREATE TRIGGER complaints_anonymized_closed BEFORE UPDATE OF anonymized_at ON complaints
	FOR EACH ROW WHEN (NEW.anonymized_at IS NOT NULL AND NEW.closed_at IS NULL)
	EXECUTE FUNCTION complaint_refuse_change('only a closed complaint is anonymized (R-PII-2)');
CREATE TRIGGER complaints_contact_fixed BEFORE UPDATE ON complaints
	FOR EACH ROW WHEN ((OLD.contact_sealed, OLD.contact_masked) IS DISTINCT FROM (NEW.contact_sealed, NEW.contact_masked)
		AND (OLD.anonymized_at IS NOT NULL OR NEW.anonymized_at IS NULL))
	EXECUTE FUNCTION complaint_refuse_change('the contact details change only when the complaint is anonymized (R-PII-2)');

CREATE FUNCTION complaint_live(complaint BIGINT) RETURNS BOOLEAN LANGUAGE sql STABLE AS $$
	SELECT anonymized_at IS NULL FROM complaints WHERE id = complaint
$$;
DROP TRIGGER complaint_evidence_fixed ON complaint_evidence;
CREATE TRIGGER complaint_evidence_no_delete BEFORE DELETE ON complaint_evidence
	FOR EACH ROW EXECUTE FUNCTION complaint_refuse_change('evidence is never changed');
CREATE TRIGGER complaint_evidence_fixed BEFORE UPDATE ON complaint_evidence
	FOR EACH ROW WHEN (complaint_live(OLD.complaint_id)
		OR (NEW.id, NEW.complaint_id, NEW.kind, NEW.size, NEW.created_at) IS DISTINCT FROM (OLD.id, OLD.complaint_id, OLD.kind, OLD.size, OLD.created_at))
	EXECUTE FUNCTION complaint_refuse_change('evidence is never changed');
