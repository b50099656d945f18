-- Requests for help (求助信息), their life cycle and their published versions.
-- See internal/campaign.
--
-- Everything the publisher files about the patient (name, ID number,
-- diagnosis, story, the family's finances) is personal data: it is stored
-- only as filing_sealed, the whole filing sealed under the request's own data
-- key (data_keys, 0003) with associated data naming the request and column.
-- patient_index is the blind index of the patient's ID number (domain
-- "id-number", as identities.number_index), for "same patient" lookups; it is
-- NULL while a draft holds no valid ID number. title and target_fen are
-- public once published and kept plain for lists (R-PII-1).
CREATE TABLE requests (
	id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	publisher_user_id BIGINT  NOT NULL REFERENCES users (id),
	state             TEXT    NOT NULL CHECK (state IN ('draft', 'submitted', 'screening', 'in_review', 'needs_info',
		'rejected', 'approved', 'fundraising', 'closed', 'settling', 'completed', 'suspended', 'terminated')),
	key_id            BIGINT  NOT NULL UNIQUE REFERENCES data_keys (id),
	patient_index     TEXT    CHECK (length(patient_index) = 64),
	filing_sealed     BYTEA   NOT NULL,
	target_fen        BIGINT  NOT NULL,
	title             TEXT    NOT NULL,
	-- Optimistic concurrency: every change of the row adds one, and a form
	-- saved from an older revision is refused.
	draft_revision    INTEGER NOT NULL CHECK (draft_revision >= 1),
	submitted_at      BIGINT,
	created_at        BIGINT  NOT NULL,
	updated_at        BIGINT  NOT NULL
);
CREATE INDEX requests_publisher ON requests (publisher_user_id, id);
CREATE INDEX requests_patient ON requests (patient_index, state);

CREATE FUNCTION requests_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION '%: %', TG_TABLE_NAME, TG_ARGV[0] USING ERRCODE = 'restrict_violation';
END
$$;

-- A request keeps who filed it, under which key, and when.
CREATE TRIGGER requests_no_delete BEFORE DELETE ON requests
	FOR EACH ROW EXECUTE FUNCTION requests_refuse_change('requests are never deleted; personal data is anonymized on schedule (R-PII-2)');
CREATE TRIGGER requests_no_truncate BEFORE TRUNCATE ON requests
	FOR EACH STATEMENT EXECUTE FUNCTION requests_refuse_change('requests are never deleted; personal data is anonymized on schedule (R-PII-2)');
CREATE TRIGGER requests_fixed BEFORE UPDATE OF id, publisher_user_id, key_id, created_at ON requests
	FOR EACH ROW EXECUTE FUNCTION requests_refuse_change('the publisher, key and creation time of a request never change');

-- Every change of state, in order: who, why, when.
CREATE TABLE request_events (
	id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	request_id BIGINT  NOT NULL REFERENCES requests (id),
	from_state TEXT    NOT NULL,
	to_state   TEXT    NOT NULL,
	event      TEXT    NOT NULL CHECK (event <> ''),
	actor      TEXT    NOT NULL CHECK (actor <> ''),
	reason     TEXT    NOT NULL,
	at         BIGINT  NOT NULL
);
CREATE INDEX request_events_request ON request_events (request_id, id);

-- The published text of a request, one row per version, never changed
-- (R-REQ-6): published_sealed is the public text sealed under the request's
-- key (it is public, but it still names the diagnosis and the family's
-- finances, which are deleted with the rest after R-PII-2's period); changes
-- lists the names of the fields that differ from the version before, as JSON.
CREATE TABLE request_versions (
	request_id       BIGINT  NOT NULL REFERENCES requests (id),
	version          INTEGER NOT NULL CHECK (version >= 1),
	published_sealed BYTEA   NOT NULL,
	changes          TEXT    NOT NULL,
	by_actor         TEXT    NOT NULL CHECK (by_actor <> ''),
	at               BIGINT  NOT NULL,
	PRIMARY KEY (request_id, version)
);

CREATE TRIGGER request_events_immutable BEFORE UPDATE OR DELETE ON request_events
	FOR EACH ROW EXECUTE FUNCTION requests_refuse_change('the history of a request is never changed');
CREATE TRIGGER request_events_no_truncate BEFORE TRUNCATE ON request_events
	FOR EACH STATEMENT EXECUTE FUNCTION requests_refuse_change('the history of a request is never changed');
CREATE TRIGGER request_versions_immutable BEFORE UPDATE OR DELETE ON request_versions
	FOR EACH ROW EXECUTE FUNCTION requests_refuse_change('a published version is never changed; publish a new one (R-REQ-6)');
CREATE TRIGGER request_versions_no_truncate BEFORE TRUNCATE ON request_versions
	FOR EACH STATEMENT EXECUTE FUNCTION requests_refuse_change('a published version is never changed; publish a new one (R-REQ-6)');
