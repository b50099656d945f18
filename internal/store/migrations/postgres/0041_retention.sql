-- Retention (R-PII-2, docs/decisions/0034-retention.md): three years (or
-- the configured longer period) after a request completes, its personal
-- data is anonymized; see internal/retention.
--
-- requests.anonymized_at marks a request whose personal data is gone. It is
-- set once and never cleared. The records that never change (published
-- versions, uploaded material, update texts, payouts, devices) accept the
-- one change anonymization makes only once their request is marked, in the
-- same transaction: before that they are as fixed as they were.
ALTER TABLE requests ADD COLUMN anonymized_at BIGINT;
CREATE TRIGGER requests_anonymized_once BEFORE UPDATE ON requests
	FOR EACH ROW WHEN (OLD.anonymized_at IS NOT NULL AND NEW.anonymized_at IS DISTINCT FROM OLD.anonymized_at)
	EXECUTE FUNCTION requests_refuse_change('an anonymized request stays anonymized (R-PII-2)');
CREATE TRIGGER requests_anonymized_completed BEFORE UPDATE OF anonymized_at ON requests
	FOR EACH ROW WHEN (NEW.anonymized_at IS NOT NULL AND NEW.state <> 'completed')
	EXECUTE FUNCTION requests_refuse_change('only a completed request is anonymized (R-PII-2)');

-- retention_records: what each anonymization cleared, and when; one per
-- request, never changed.
CREATE TABLE retention_records (
	request_id    BIGINT  NOT NULL PRIMARY KEY REFERENCES requests (id),
	completed_at  BIGINT  NOT NULL,
	due_at        BIGINT  NOT NULL CHECK (due_at > completed_at),
	anonymized_at BIGINT  NOT NULL CHECK (anonymized_at >= due_at),
	cleared       TEXT    NOT NULL
);
CREATE INDEX retention_records_at ON retention_records (anonymized_at, request_id);
CREATE TRIGGER retention_records_immutable BEFORE UPDATE OR DELETE ON retention_records
	FOR EACH ROW EXECUTE FUNCTION requests_refuse_change('a retention record is never changed');
CREATE TRIGGER retention_records_no_truncate BEFORE TRUNCATE ON retention_records
	FOR EACH STATEMENT EXECUTE FUNCTION requests_refuse_change('a retention record is never changed');

CREATE FUNCTION retention_request_live(request BIGINT) RETURNS BOOLEAN LANGUAGE sql STABLE AS $$
	SELECT anonymized_at IS NULL FROM requests WHERE id = request
$$;

DROP TRIGGER request_versions_immutable ON request_versions;
CREATE TRIGGER request_versions_no_delete BEFORE DELETE ON request_versions
	FOR EACH ROW EXECUTE FUNCTION requests_refuse_change('a published version is never changed; publish a new one (R-REQ-6)');
CREATE TRIGGER request_versions_immutable BEFORE UPDATE ON request_versions
	FOR EACH ROW WHEN (retention_request_live(OLD.request_id) OR NEW.request_id <> OLD.request_id
		OR NEW.version <> OLD.version OR NEW.changes <> OLD.changes OR NEW.by_actor <> OLD.by_actor OR NEW.at <> OLD.at)
	EXECUTE FUNCTION requests_refuse_change('a published version is never changed; publish a new one (R-REQ-6)');

DROP TRIGGER request_materials_fixed ON request_materials;
CREATE TRIGGER request_materials_fixed BEFORE UPDATE OF id, request_id, kind, content_type, size_bytes, key_id, seal_token,
	uploaded_by, uploaded_at ON request_materials
	FOR EACH ROW EXECUTE FUNCTION request_materials_refuse_change('uploaded material never changes (R-PII-1)');
CREATE TRIGGER request_materials_content_fixed BEFORE UPDATE OF content_sealed, content_index ON request_materials
	FOR EACH ROW WHEN (retention_request_live(OLD.request_id))
	EXECUTE FUNCTION request_materials_refuse_change('uploaded material never changes (R-PII-1)');

DROP TRIGGER request_updates_body_fixed ON request_updates;
CREATE TRIGGER request_updates_body_fixed BEFORE UPDATE OF body_sealed ON request_updates
	FOR EACH ROW WHEN (length(OLD.body_sealed) > 0 AND retention_request_live(OLD.request_id))
	EXECUTE FUNCTION fundraising_refuse_change('the text of an update is never changed; post a new one');

DROP TRIGGER payouts_fixed ON payouts;
CREATE TRIGGER payouts_fixed BEFORE UPDATE OF id, request_id, applicant_user_id, idem_key, content_index, mode, amount_fen,
	payee_kind, hospital_id, key_id, seal_token, created_at ON payouts
	FOR EACH ROW EXECUTE FUNCTION payout_refuse_change('what was applied for never changes');
CREATE TRIGGER payouts_payee_fixed BEFORE UPDATE OF payee_sealed, account_index ON payouts
	FOR EACH ROW WHEN (retention_request_live(OLD.request_id))
	EXECUTE FUNCTION payout_refuse_change('what was applied for never changes');

DROP TRIGGER request_devices_immutable ON request_devices;
CREATE TRIGGER request_devices_no_update BEFORE UPDATE ON request_devices
	FOR EACH ROW EXECUTE FUNCTION review_refuse_change('the devices of a request are only added');
CREATE TRIGGER request_devices_no_delete BEFORE DELETE ON request_devices
	FOR EACH ROW WHEN (retention_request_live(OLD.request_id))
	EXECUTE FUNCTION review_refuse_change('the devices of a request are only added');
