-- The double audit of a request for help (R-REV-1, R-REV-2, R-REV-3). See
-- internal/review.
--
-- review_screenings keeps every machine pre-screen of a request, never
-- changed: the verdicts as JSON holding only screen names, outcomes, scores
-- and reason keys with their arguments (request ids, blacklist entry ids and
-- reasons written by staff), never a name, ID number, phone or diagnosis.
CREATE TABLE review_screenings (
	id         INTEGER NOT NULL PRIMARY KEY,
	request_id BIGINT  NOT NULL REFERENCES requests (id),
	verdicts   TEXT    NOT NULL,
	score      INTEGER NOT NULL CHECK (score >= 0),
	level      TEXT    NOT NULL CHECK (level IN ('low', 'medium', 'high', 'blocked')),
	actor      TEXT    NOT NULL CHECK (actor <> ''),
	at         BIGINT  NOT NULL
);
CREATE INDEX review_screenings_request ON review_screenings (request_id, id);

-- Who is reviewing a request: at most one open claim per request. A claim is
-- released (released_at set) by a decision or by the reviewer; nothing else
-- about it ever changes, and it is never deleted.
CREATE TABLE review_claims (
	id          INTEGER NOT NULL PRIMARY KEY,
	request_id  BIGINT  NOT NULL REFERENCES requests (id),
	staff_id    BIGINT  NOT NULL REFERENCES staff (id),
	claimed_at  BIGINT  NOT NULL,
	released_at BIGINT
);
CREATE UNIQUE INDEX review_claims_open ON review_claims (request_id) WHERE released_at IS NULL;
CREATE INDEX review_claims_staff ON review_claims (staff_id, id);

-- The human decisions, never changed: approve, reject (with the reason the
-- requester sees) or needs_info (with the questions the requester sees). A
-- request that needs four eyes (R-REV-3) has two approvals by different
-- reviewers.
CREATE TABLE review_decisions (
	id         INTEGER NOT NULL PRIMARY KEY,
	request_id BIGINT  NOT NULL REFERENCES requests (id),
	staff_id   BIGINT  NOT NULL REFERENCES staff (id),
	decision   TEXT    NOT NULL CHECK (decision IN ('approve', 'reject', 'needs_info')),
	text       TEXT    NOT NULL,
	at         BIGINT  NOT NULL,
	CHECK (decision = 'approve' OR text <> '')
);
CREATE INDEX review_decisions_request ON review_decisions (request_id, id);

-- Conflicts of interest (R-REV-3), kept by admins: staff member staff_id is
-- related to public user user_id (their own account, a relative, someone
-- they referred) and may not review that user's requests, nor requests for
-- that user as patient. Staff accounts carry no phone or ID number, so this
-- mapping is how a reviewer's own requests are recognised.
CREATE TABLE review_conflicts (
	staff_id BIGINT NOT NULL REFERENCES staff (id),
	user_id  BIGINT NOT NULL REFERENCES users (id),
	note     TEXT   NOT NULL,
	added_by TEXT   NOT NULL CHECK (added_by <> ''),
	added_at BIGINT NOT NULL,
	PRIMARY KEY (staff_id, user_id)
);

CREATE TRIGGER review_screenings_no_update BEFORE UPDATE ON review_screenings
BEGIN SELECT RAISE(ABORT, 'review_screenings: a screening is never changed; screen again'); END;
CREATE TRIGGER review_screenings_no_delete BEFORE DELETE ON review_screenings
BEGIN SELECT RAISE(ABORT, 'review_screenings: a screening is never changed; screen again'); END;
CREATE TRIGGER review_decisions_no_update BEFORE UPDATE ON review_decisions
BEGIN SELECT RAISE(ABORT, 'review_decisions: a decision is never changed'); END;
CREATE TRIGGER review_decisions_no_delete BEFORE DELETE ON review_decisions
BEGIN SELECT RAISE(ABORT, 'review_decisions: a decision is never changed'); END;
CREATE TRIGGER review_claims_no_delete BEFORE DELETE ON review_claims
BEGIN SELECT RAISE(ABORT, 'review_claims: claims are never deleted; release them'); END;
CREATE TRIGGER review_claims_release_only BEFORE UPDATE ON review_claims
WHEN OLD.released_at IS NOT NULL OR NEW.released_at IS NULL OR NEW.id <> OLD.id OR NEW.request_id <> OLD.request_id
	OR NEW.staff_id <> OLD.staff_id OR NEW.claimed_at <> OLD.claimed_at
BEGIN SELECT RAISE(ABORT, 'review_claims: a claim can only be released, once'); END;
CREATE TRIGGER review_conflicts_no_update BEFORE UPDATE ON review_conflicts
BEGIN SELECT RAISE(ABORT, 'review_conflicts: a recorded conflict is never changed'); END;
CREATE TRIGGER review_conflicts_no_delete BEFORE DELETE ON review_conflicts
BEGIN SELECT RAISE(ABORT, 'review_conflicts: a recorded conflict is never changed'); END;
