-- The blacklist of dishonest fundraisers (R-BL-1) and the referral list of
-- public charitable organisations (R-REQ-7). See internal/blacklist and
-- internal/charity.
--
-- A blacklist entry names a person only by the blind index of their ID
-- number (the same "id-number" domain as identities.number_index) and by the
-- masked number staff see, never by the plain number. An entry is never
-- deleted: lifting it is a status, and every step (listing, appeal, decision,
-- lifting) is kept in blacklist_events.
CREATE TABLE blacklist_entries (
	id           INTEGER NOT NULL PRIMARY KEY,
	person_index TEXT    NOT NULL CHECK (length(person_index) = 64),
	masked       TEXT    NOT NULL CHECK (length(masked) = 18),
	reason       TEXT    NOT NULL CHECK (reason <> ''),
	evidence     TEXT    NOT NULL CHECK (evidence <> ''),
	listed_at    BIGINT  NOT NULL,
	listed_by    TEXT    NOT NULL CHECK (listed_by <> ''),
	status       TEXT    NOT NULL DEFAULT 'listed' CHECK (status IN ('listed', 'appealed', 'upheld', 'lifted')),
	appeal       TEXT    NOT NULL DEFAULT '',
	appealed_at  BIGINT,
	decision     TEXT    NOT NULL DEFAULT '',
	decided_by   TEXT    NOT NULL DEFAULT '',
	decided_at   BIGINT,
	CHECK (status <> 'appealed' OR appealed_at IS NOT NULL),
	CHECK (status NOT IN ('upheld', 'lifted') OR decided_at IS NOT NULL)
);
-- A person has at most one entry in force; lifted ones stay as history.
CREATE UNIQUE INDEX blacklist_entries_in_force ON blacklist_entries (person_index) WHERE status <> 'lifted';
CREATE INDEX blacklist_entries_person ON blacklist_entries (person_index, id);

CREATE TABLE blacklist_events (
	id       INTEGER NOT NULL PRIMARY KEY,
	entry_id BIGINT  NOT NULL REFERENCES blacklist_entries (id),
	at       BIGINT  NOT NULL,
	actor    TEXT    NOT NULL CHECK (actor <> ''),
	action   TEXT    NOT NULL CHECK (action IN ('add', 'appeal', 'uphold', 'lift')),
	text     TEXT    NOT NULL
);
CREATE INDEX blacklist_events_entry ON blacklist_events (entry_id, id);

CREATE TRIGGER blacklist_entries_no_delete BEFORE DELETE ON blacklist_entries
BEGIN SELECT RAISE(ABORT, 'blacklist_entries: entries are never deleted; lift them'); END;
CREATE TRIGGER blacklist_entries_fixed BEFORE UPDATE OF id, person_index, masked, reason, evidence, listed_at, listed_by ON blacklist_entries
BEGIN SELECT RAISE(ABORT, 'blacklist_entries: who was listed, why and by whom never changes'); END;
CREATE TRIGGER blacklist_entries_lifted BEFORE UPDATE ON blacklist_entries WHEN OLD.status = 'lifted'
BEGIN SELECT RAISE(ABORT, 'blacklist_entries: a lifted entry never changes; list the person again'); END;
CREATE TRIGGER blacklist_events_no_update BEFORE UPDATE ON blacklist_events
BEGIN SELECT RAISE(ABORT, 'blacklist_events: the history is never changed'); END;
CREATE TRIGGER blacklist_events_no_delete BEFORE DELETE ON blacklist_events
BEGIN SELECT RAISE(ABORT, 'blacklist_events: the history is never changed'); END;

-- Public charitable organisations suggested to requesters. categories and
-- regions are keyword lists, one per line; an empty list means "any illness"
-- and "nationwide". Staff deactivate an organisation rather than delete it.
CREATE TABLE charities (
	id         INTEGER NOT NULL PRIMARY KEY,
	name       TEXT    NOT NULL UNIQUE CHECK (name <> ''),
	summary    TEXT    NOT NULL DEFAULT '',
	categories TEXT    NOT NULL DEFAULT '',
	regions    TEXT    NOT NULL DEFAULT '',
	url        TEXT    NOT NULL CHECK (url LIKE 'https://%'),
	active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
	sort_order INTEGER NOT NULL DEFAULT 0,
	created_at BIGINT  NOT NULL,
	updated_at BIGINT  NOT NULL
);
CREATE TRIGGER charities_no_delete BEFORE DELETE ON charities
BEGIN SELECT RAISE(ABORT, 'charities: organisations are never deleted; deactivate them'); END;
