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
WHEN OLD.anonymized_at IS NOT NULL AND NEW.anonymized_at IS NOT OLD.anonymized_at
BEGIN SELECT RAISE(ABORT, 'requests: an anonymized request stays anonymized (R-PII-2)'); END;
CREATE TRIGGER requests_anonymized_completed BEFORE UPDATE OF anonymized_at ON requests
WHEN NEW.anonymized_at IS NOT NULL AND NEW.state <> 'completed'
BEGIN SELECT RAISE(ABORT, 'requests: only a completed request is anonymized (R-PII-2)'); END;

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
CREATE TRIGGER retention_records_no_update BEFORE UPDATE ON retention_records
BEGIN SELECT RAISE(ABORT, 'retention_records: a retention record is never changed'); END;
CREATE TRIGGER retention_records_no_delete BEFORE DELETE ON retention_records
BEGIN SELECT RAISE(ABORT, 'retention_records: a retention record is never changed'); END;

DROP TRIGGER request_versions_no_update;
CREATE TRIGGER request_versions_no_update BEFORE UPDATE ON request_versions
WHEN (SELECT anonymized_at FROM requests WHERE id = OLD.request_id) IS NULL OR NEW.request_id <> OLD.request_id
	OR NEW.version <> OLD.version OR NEW.changes <> OLD.changes OR NEW.by_actor <> OLD.by_actor OR NEW.at <> OLD.at
BEGIN SELECT RAISE(ABORT, 'request_versions: a published version is never changed; publish a new one (R-REQ-6)'); END;

DROP TRIGGER request_materials_fixed;
CREATE TRIGGER request_materials_fixed BEFORE UPDATE OF id, request_id, kind, content_type, size_bytes, key_id, seal_token,
	uploaded_by, uploaded_at ON request_materials
BEGIN SELECT RAISE(ABORT, 'request_materials: uploaded material never changes (R-PII-1)'); END;
CREATE TRIGGER request_materials_content_fixed BEFORE UPDATE OF content_sealed, content_index ON request_materials
WHEN (SELECT anonymized_at FROM requests WHERE id = OLD.request_id) IS NULL
BEGIN SELECT RAISE(ABORT, 'request_materials: uploaded material never changes (R-PII-1)'); END;

DROP TRIGGER request_updates_body_fixed;
CREATE TRIGGER request_updates_body_fixed BEFORE UPDATE OF body_sealed ON request_updates
WHEN length(OLD.body_sealed) > 0 AND (SELECT anonymized_at FROM requests WHERE id = OLD.request_id) IS NULL
BEGIN SELECT RAISE(ABORT, 'request_updates: the text of an update is never changed; post a new one'); END;

DROP TRIGGER payouts_fixed;
CREATE TRIGGER payouts_fixed BEFORE UPDATE OF id, request_id, applicant_user_id, idem_key, content_index, mode, amount_fen,
	payee_kind, hospital_id, key_id, seal_token, created_at ON payouts
BEGIN SELECT RAISE(ABORT, 'payouts: what was applied for never changes'); END;
CREATE TRIGGER payouts_payee_fixed BEFORE UPDATE OF payee_sealed, account_index ON payouts
WHEN (SELECT anonymized_at FROM requests WHERE id = OLD.request_id) IS NULL
BEGIN SELECT RAISE(ABORT, 'payouts: what was applied for never changes'); END;

DROP TRIGGER request_devices_no_delete;
CREATE TRIGGER request_devices_no_delete BEFORE DELETE ON request_devices
WHEN (SELECT anonymized_at FROM requests WHERE id = OLD.request_id) IS NULL
BEGIN SELECT RAISE(ABORT, 'request_devices: the devices of a request are only added'); END;
