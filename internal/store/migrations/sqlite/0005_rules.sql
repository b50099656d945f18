-- The platform's rules documents and who agreed to them. See internal/rules.
--
-- rules_versions holds every version of the five documents (R-RULES-1). A
-- version's text never changes once written; only its state moves forward:
--   draft → reported → effective → superseded   (a major change, R-RULES-3)
--   draft → effective → superseded              (a minor change, or the first 1.0)
--   draft | reported → withdrawn                (abandoned; kept, never shown)
-- The checks below make the database itself refuse a major change (x.0 with
-- x > 1) that takes effect without a recorded report to the ministry.
CREATE TABLE rules_versions (
	id            INTEGER NOT NULL PRIMARY KEY,
	kind          TEXT    NOT NULL CHECK (kind IN ('service-agreement', 'publishing-rules', 'privacy', 'fees', 'funds-refunds')),
	major         INTEGER NOT NULL CHECK (major >= 1),
	minor         INTEGER NOT NULL CHECK (minor >= 0),
	title_zh      TEXT    NOT NULL,
	title_en      TEXT    NOT NULL,
	body_zh       TEXT    NOT NULL,
	body_en       TEXT    NOT NULL,
	summary_zh    TEXT    NOT NULL,
	summary_en    TEXT    NOT NULL,
	state         TEXT    NOT NULL CHECK (state IN ('draft', 'reported', 'effective', 'superseded', 'withdrawn')),
	created_by    TEXT    NOT NULL,
	created_at    BIGINT  NOT NULL,
	reported_at   BIGINT,
	report_ref    TEXT    NOT NULL DEFAULT '',
	reported_by   TEXT    NOT NULL DEFAULT '',
	effective_at  BIGINT,
	effective_by  TEXT    NOT NULL DEFAULT '',
	superseded_at BIGINT,
	withdrawn_at  BIGINT,
	withdrawn_by  TEXT    NOT NULL DEFAULT '',
	UNIQUE (id, kind, major, minor), -- the target of rules_consents' foreign key
	CHECK ((reported_at IS NULL) = (report_ref = '')),
	CHECK (state <> 'reported' OR reported_at IS NOT NULL),
	CHECK ((state IN ('effective', 'superseded')) = (effective_at IS NOT NULL)),
	CHECK ((state = 'superseded') = (superseded_at IS NOT NULL)),
	CHECK ((state = 'withdrawn') = (withdrawn_at IS NOT NULL)),
	-- R-RULES-3: a major change is reported before it takes effect.
	CHECK (NOT (major > 1 AND minor = 0 AND state IN ('effective', 'superseded') AND reported_at IS NULL)),
	CHECK (reported_at IS NULL OR effective_at IS NULL OR reported_at <= effective_at)
);

-- One number per kind (a withdrawn draft frees its number), at most one
-- version in force and at most one pending change per kind.
CREATE UNIQUE INDEX rules_versions_number ON rules_versions (kind, major, minor) WHERE state <> 'withdrawn';
CREATE UNIQUE INDEX rules_versions_effective ON rules_versions (kind) WHERE state = 'effective';
CREATE UNIQUE INDEX rules_versions_pending ON rules_versions (kind) WHERE state IN ('draft', 'reported');

-- Versions are never deleted, and their text never changes.
CREATE TRIGGER rules_versions_no_delete BEFORE DELETE ON rules_versions
BEGIN SELECT RAISE(ABORT, 'rules_versions: versions are never deleted; withdraw a draft instead'); END;
CREATE TRIGGER rules_versions_fixed BEFORE UPDATE OF id, kind, major, minor, title_zh, title_en, body_zh, body_en, summary_zh, summary_en, created_by, created_at ON rules_versions
BEGIN SELECT RAISE(ABORT, 'rules_versions: the text of a version never changes; draft a new version'); END;
-- The state only moves forward, and what was recorded on the way stays.
CREATE TRIGGER rules_versions_transition BEFORE UPDATE ON rules_versions
WHEN NOT (
	(OLD.state = 'draft' AND NEW.state = 'reported'
		AND NEW.reported_at IS NOT NULL AND NEW.effective_at IS NULL AND NEW.withdrawn_at IS NULL)
	OR (OLD.state IN ('draft', 'reported') AND NEW.state = 'effective'
		AND NEW.reported_at IS OLD.reported_at AND NEW.report_ref = OLD.report_ref AND NEW.reported_by = OLD.reported_by)
	OR (OLD.state = 'effective' AND NEW.state = 'superseded'
		AND NEW.reported_at IS OLD.reported_at AND NEW.report_ref = OLD.report_ref AND NEW.reported_by = OLD.reported_by
		AND NEW.effective_at = OLD.effective_at AND NEW.effective_by = OLD.effective_by)
	OR (OLD.state IN ('draft', 'reported') AND NEW.state = 'withdrawn'
		AND NEW.reported_at IS OLD.reported_at AND NEW.report_ref = OLD.report_ref AND NEW.reported_by = OLD.reported_by)
)
BEGIN SELECT RAISE(ABORT, 'rules_versions: a version''s state only moves forward (draft, reported, effective, superseded)'); END;

-- rules_consents records who agreed to which version, when and from where
-- (R-RULES-2). It is append-only: a consent, once given, is a fact.
CREATE TABLE rules_consents (
	id         INTEGER NOT NULL PRIMARY KEY,
	subject    TEXT    NOT NULL CHECK (subject <> ''),
	version_id BIGINT  NOT NULL,
	kind       TEXT    NOT NULL,
	major      INTEGER NOT NULL,
	minor      INTEGER NOT NULL,
	at         BIGINT  NOT NULL,
	source     TEXT    NOT NULL,
	UNIQUE (subject, version_id),
	FOREIGN KEY (version_id, kind, major, minor) REFERENCES rules_versions (id, kind, major, minor)
);

CREATE INDEX rules_consents_subject ON rules_consents (subject, kind, major);

CREATE TRIGGER rules_consents_no_update BEFORE UPDATE ON rules_consents
BEGIN SELECT RAISE(ABORT, 'rules_consents: consents are never updated or deleted'); END;
CREATE TRIGGER rules_consents_no_delete BEFORE DELETE ON rules_consents
BEGIN SELECT RAISE(ABORT, 'rules_consents: consents are never updated or deleted'); END;
