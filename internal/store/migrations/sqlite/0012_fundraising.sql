-- The fundraising channel of a request (R-PUB-4) and the progress updates
-- its publisher posts (R-DISC-2), patrolled by staff (R-REV-4). See
-- internal/campaign (fundraising.go, updates.go).
--
-- request_fundraising holds one row per request whose channel opened, or
-- that closed before it opened (then opened_at = deadline = closed_at). The
-- row is never deleted; opened_at never changes; the deadline only moves
-- forward, by one extension at most; a closed channel is never changed
-- again. Who extended and who closed it, and why (a CloseReason, with a
-- GoneCause for purpose_gone, and an optional short public note), are kept.
CREATE TABLE request_fundraising (
	request_id   INTEGER NOT NULL PRIMARY KEY REFERENCES requests (id),
	opened_at    BIGINT  NOT NULL CHECK (typeof(opened_at) = 'integer'),
	deadline     BIGINT  NOT NULL CHECK (typeof(deadline) = 'integer'),
	extensions   INTEGER NOT NULL CHECK (extensions BETWEEN 0 AND 1),
	extended_by  TEXT    CHECK (extended_by <> ''),
	extended_at  BIGINT,
	closed_at    BIGINT,
	close_reason TEXT    CHECK (close_reason IN ('target_reached', 'period_ended', 'purpose_achieved', 'purpose_gone',
		'closed_by_requester', 'closed_by_staff', 'wind_down')),
	close_cause  TEXT    CHECK (close_cause IN ('recovered', 'died', 'treatment_abandoned')),
	closed_by    TEXT    CHECK (closed_by <> ''),
	close_note   TEXT    CHECK (length(close_note) <= 200),
	CHECK (deadline >= opened_at),
	CHECK ((extensions = 0) = (extended_at IS NULL) AND (extended_at IS NULL) = (extended_by IS NULL)),
	CHECK ((closed_at IS NULL) = (close_reason IS NULL) AND (closed_at IS NULL) = (closed_by IS NULL)),
	CHECK (closed_at IS NOT NULL OR close_note IS NULL),
	-- A cause exactly with purpose_gone.
	CHECK (close_reason IS NULL OR (close_reason = 'purpose_gone') = (close_cause IS NOT NULL))
);
-- The channels CloseExpired looks at.
CREATE INDEX request_fundraising_open ON request_fundraising (deadline) WHERE closed_at IS NULL;

CREATE TRIGGER request_fundraising_no_delete BEFORE DELETE ON request_fundraising
BEGIN SELECT RAISE(ABORT, 'request_fundraising: a fundraising channel is never deleted'); END;
CREATE TRIGGER request_fundraising_fixed BEFORE UPDATE ON request_fundraising
WHEN NEW.request_id <> OLD.request_id OR NEW.opened_at <> OLD.opened_at
BEGIN SELECT RAISE(ABORT, 'request_fundraising: the request and opening time of a channel never change'); END;
CREATE TRIGGER request_fundraising_forward BEFORE UPDATE ON request_fundraising
WHEN NEW.extensions < OLD.extensions OR NEW.deadline < OLD.deadline
BEGIN SELECT RAISE(ABORT, 'request_fundraising: a deadline never moves back'); END;
CREATE TRIGGER request_fundraising_closed BEFORE UPDATE ON request_fundraising
WHEN OLD.closed_at IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'request_fundraising: a closed channel is never changed'); END;

-- Progress updates on a request (R-DISC-2, R-DISB-4). body_sealed is the
-- text sealed under the request's data key with associated data
-- "request_updates.body:<id>": the row is inserted with an empty body and
-- sealed in the same transaction once its id is known, so the body can be
-- set once, from empty, and never changed after. screen_level and
-- screen_reasons are the wording screen's verdict (R-REV-4): reason keys
-- only, as JSON, never a phrase of the text. checked_* records the staff
-- member who looked at it; taken_down_* hides it from the public with a
-- public reason. Nothing is ever deleted, and each of those is set once.
CREATE TABLE request_updates (
	id              INTEGER NOT NULL PRIMARY KEY,
	request_id      BIGINT  NOT NULL REFERENCES requests (id),
	body_sealed     BLOB    NOT NULL CHECK (typeof(body_sealed) = 'blob'),
	posted_by       TEXT    NOT NULL CHECK (posted_by <> ''),
	posted_at       BIGINT  NOT NULL CHECK (typeof(posted_at) = 'integer'),
	screen_level    TEXT    NOT NULL CHECK (screen_level IN ('ok', 'flagged')),
	screen_reasons  TEXT    NOT NULL,
	checked_by      TEXT    CHECK (checked_by <> ''),
	checked_at      BIGINT,
	taken_down_by   TEXT    CHECK (taken_down_by <> ''),
	taken_down_at   BIGINT,
	takedown_reason TEXT    CHECK (takedown_reason <> '' AND length(takedown_reason) <= 500),
	CHECK ((checked_at IS NULL) = (checked_by IS NULL)),
	CHECK ((taken_down_at IS NULL) = (taken_down_by IS NULL) AND (taken_down_at IS NULL) = (takedown_reason IS NULL))
);
CREATE INDEX request_updates_request ON request_updates (request_id, id);
-- The patrol queue: what nobody has looked at yet.
CREATE INDEX request_updates_patrol ON request_updates (posted_at, id) WHERE checked_at IS NULL AND taken_down_at IS NULL;

CREATE TRIGGER request_updates_no_delete BEFORE DELETE ON request_updates
BEGIN SELECT RAISE(ABORT, 'request_updates: an update is never deleted; take it down'); END;
CREATE TRIGGER request_updates_fixed BEFORE UPDATE OF id, request_id, posted_by, posted_at, screen_level, screen_reasons
ON request_updates
BEGIN SELECT RAISE(ABORT, 'request_updates: who posted an update, when, and its screening never change'); END;
CREATE TRIGGER request_updates_body_fixed BEFORE UPDATE OF body_sealed ON request_updates
WHEN length(OLD.body_sealed) > 0
BEGIN SELECT RAISE(ABORT, 'request_updates: the text of an update is never changed; post a new one'); END;
CREATE TRIGGER request_updates_checked_once BEFORE UPDATE ON request_updates
WHEN OLD.checked_at IS NOT NULL AND (NEW.checked_at IS NOT OLD.checked_at OR NEW.checked_by IS NOT OLD.checked_by)
BEGIN SELECT RAISE(ABORT, 'request_updates: a check is never changed'); END;
CREATE TRIGGER request_updates_taken_down_once BEFORE UPDATE ON request_updates
WHEN OLD.taken_down_at IS NOT NULL AND (NEW.taken_down_at IS NOT OLD.taken_down_at
	OR NEW.taken_down_by IS NOT OLD.taken_down_by OR NEW.takedown_reason IS NOT OLD.takedown_reason)
BEGIN SELECT RAISE(ABORT, 'request_updates: a takedown is never undone or changed'); END;
