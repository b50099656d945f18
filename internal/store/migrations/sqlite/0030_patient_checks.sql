-- The patient's real-name check (R-ACC-1, issue 16): before a request is
-- submitted, the patient's name and ID number are checked with the same
-- provider as the publisher's. Each answer is one row: who asked, when,
-- which provider, the outcome and a short reason code. Never the name nor
-- the number in clear, nor the provider's raw answer: pair_index is the
-- blind index of the name and number together (a verified pair is not
-- asked again), patient_index the blind index of the number, as
-- requests.patient_index. A failure to get an answer records nothing.
CREATE TABLE patient_checks (
	id            INTEGER NOT NULL PRIMARY KEY,
	request_id    BIGINT NOT NULL REFERENCES requests (id),
	user_id       BIGINT NOT NULL REFERENCES users (id),
	pair_index    TEXT   NOT NULL CHECK (pair_index <> ''),
	patient_index TEXT   NOT NULL CHECK (patient_index <> ''),
	verifier      TEXT   NOT NULL CHECK (verifier <> ''),
	outcome       TEXT   NOT NULL CHECK (outcome IN ('verified', 'rejected')),
	reason        TEXT   NOT NULL,
	created_at    BIGINT NOT NULL
);
CREATE INDEX patient_checks_pair ON patient_checks (pair_index) WHERE outcome = 'verified';
CREATE INDEX patient_checks_request ON patient_checks (request_id, id);
