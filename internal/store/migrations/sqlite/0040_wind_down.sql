-- The platform's wind-down (R-WIND-1, internal/winddown, decision 0033).
--
-- wind_downs holds the switch: an admin proposes it (staff_proposals,
-- kind wind_down), another approves it. live is 1 while the proposal is
-- pending or approved and NULL once it was rejected, so there is at most
-- one live wind-down: proposing twice fails on the constraint as well as
-- in the service. approved_at starts the schedule: refund_from (day 30)
-- and deadline (day 60); completed_at is when every undisbursed yuan was
-- out, the time the retention rule counts from. The figures count the
-- ledger entries after after_entry (a range of the postings' key, not a
-- scan by time).
CREATE TABLE wind_downs (
	id                INTEGER NOT NULL PRIMARY KEY,
	proposal_id       BIGINT  NOT NULL UNIQUE REFERENCES staff_proposals (id),
	live              INTEGER UNIQUE CHECK (live = 1),
	reason            TEXT    NOT NULL CHECK (reason <> ''),
	notice            TEXT    NOT NULL CHECK (notice <> ''),
	withdrawn_on      TEXT    NOT NULL CHECK (length(withdrawn_on) = 10),
	ministry_ref      TEXT    NOT NULL CHECK (ministry_ref <> ''),
	proposed_by       BIGINT  NOT NULL REFERENCES staff (id),
	proposed_at       BIGINT  NOT NULL,
	approved_by       BIGINT  REFERENCES staff (id),
	approved_at       BIGINT,
	refund_from       BIGINT,
	deadline          BIGINT,
	held_at_start_fen BIGINT  NOT NULL DEFAULT 0 CHECK (held_at_start_fen >= 0),
	after_entry       BIGINT  NOT NULL DEFAULT 0, -- the last ledger entry before approval
	completed_at      BIGINT,
	CHECK (approved_by IS NULL OR approved_by <> proposed_by),
	CHECK ((approved_at IS NULL) = (deadline IS NULL)),
	CHECK (completed_at IS NULL OR approved_at IS NOT NULL)
);

-- wind_down_requests lists, at approval, every request the wind-down must
-- empty: those that were raising money (closed with wind_down) and those
-- that still held money. refund_run is the run that gave back what was
-- left at day 30 (refund cause wind_down), or earlier when its requester
-- asked (refund_asked_at); done_at when nothing was left.
CREATE TABLE wind_down_requests (
	wind_down_id      BIGINT  NOT NULL REFERENCES wind_downs (id),
	request_id        BIGINT  NOT NULL PRIMARY KEY REFERENCES requests (id),
	state_at_start    TEXT    NOT NULL CHECK (state_at_start <> ''),
	held_at_start_fen BIGINT  NOT NULL CHECK (held_at_start_fen >= 0),
	refund_run        BIGINT  REFERENCES refund_runs (id),
	refund_asked_at   BIGINT,
	done_at           BIGINT
);
