-- Supporting material of requests for help (R-REQ-3, R-REQ-4, R-REQ-5): the
-- diagnosis proof, ID documents, relationship proof, cost estimate, the
-- certificate a target above ¥500,000 needs and the list of medical expenses.
-- See internal/material.
--
-- The file itself is personal data (R-PII-1). It is kept only as
-- content_sealed: the checked file with its metadata stripped, sealed under
-- the material's own data key (data_keys, 0003) with associated data naming
-- the table, column, request and seal_token, a random value fixed at insert.
-- It lives in the database rather than on disk so that a save is atomic with
-- its row and every node of a deployment sees it. The original file name is
-- never stored: it often holds the patient's name. content_index is the blind
-- index (domain "material") of the SHA-256 of the stored plain bytes, for
-- finding the same file filed again; an unkeyed hash of an ID card photo
-- would be a fingerprint of it.
--
-- Rows are never deleted and what was uploaded never changes: wrong material
-- is superseded by a new upload, and the requester withdraws the old one
-- (withdrawn_at) so lists hide it. The marks — reviewed, published (only a
-- certificate or an expense list, once reviewed, R-REQ-4), withdrawn — are
-- each set once, with who and when, and never changed or cleared.
CREATE TABLE request_materials (
	id             INTEGER NOT NULL PRIMARY KEY,
	request_id     BIGINT  NOT NULL REFERENCES requests (id),
	kind           TEXT    NOT NULL CHECK (kind IN ('diagnosis', 'id_document', 'relationship', 'cost_estimate',
		'certificate', 'expense_list', 'other')),
	content_type   TEXT    NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'application/pdf')),
	size_bytes     INTEGER NOT NULL CHECK (typeof(size_bytes) = 'integer' AND size_bytes BETWEEN 1 AND 10485760),
	key_id         BIGINT  NOT NULL UNIQUE REFERENCES data_keys (id),
	seal_token     TEXT    NOT NULL UNIQUE CHECK (length(seal_token) = 32),
	content_sealed BLOB    NOT NULL CHECK (typeof(content_sealed) = 'blob' AND length(content_sealed) > 0),
	content_index  TEXT    NOT NULL CHECK (length(content_index) = 64),
	uploaded_by    TEXT    NOT NULL CHECK (uploaded_by <> ''),
	uploaded_at    BIGINT  NOT NULL,
	reviewed_by    TEXT    CHECK (reviewed_by <> ''),
	reviewed_at    BIGINT,
	published_by   TEXT    CHECK (published_by <> ''),
	published_at   BIGINT,
	withdrawn_by   TEXT    CHECK (withdrawn_by <> ''),
	withdrawn_at   BIGINT,
	CHECK ((reviewed_by IS NULL) = (reviewed_at IS NULL)),
	CHECK ((published_by IS NULL) = (published_at IS NULL)),
	CHECK ((withdrawn_by IS NULL) = (withdrawn_at IS NULL)),
	CHECK (published_at IS NULL OR reviewed_at IS NOT NULL),
	CHECK (published_at IS NULL OR kind IN ('certificate', 'expense_list')),
	CHECK (published_at IS NULL OR withdrawn_at IS NULL)
);
CREATE INDEX request_materials_request ON request_materials (request_id, id);
CREATE INDEX request_materials_content ON request_materials (content_index);

CREATE TRIGGER request_materials_no_delete BEFORE DELETE ON request_materials
BEGIN SELECT RAISE(ABORT, 'request_materials: material is never deleted; upload a new one and withdraw the old'); END;
CREATE TRIGGER request_materials_fixed BEFORE UPDATE OF id, request_id, kind, content_type, size_bytes, key_id, seal_token,
	content_sealed, content_index, uploaded_by, uploaded_at ON request_materials
BEGIN SELECT RAISE(ABORT, 'request_materials: uploaded material never changes (R-PII-1)'); END;
CREATE TRIGGER request_materials_marks_once BEFORE UPDATE ON request_materials
WHEN (OLD.reviewed_at IS NOT NULL AND (NEW.reviewed_at IS NOT OLD.reviewed_at OR NEW.reviewed_by IS NOT OLD.reviewed_by))
	OR (OLD.published_at IS NOT NULL AND (NEW.published_at IS NOT OLD.published_at OR NEW.published_by IS NOT OLD.published_by))
	OR (OLD.withdrawn_at IS NOT NULL AND (NEW.withdrawn_at IS NOT OLD.withdrawn_at OR NEW.withdrawn_by IS NOT OLD.withdrawn_by))
BEGIN SELECT RAISE(ABORT, 'request_materials: a review, publication or withdrawal mark is set once and never changed'); END;
