-- The content screen (R-CONT-1, decision 0031, internal/content).
--
-- content_terms: the maintained word list, as the changes made to the
-- built-in list (internal/screen): each row adds a term or removes one, by
-- whom and when. A change is never updated or deleted; the list in force is
-- the built-in list with the changes applied in order.
CREATE TABLE content_terms (
	id         INTEGER NOT NULL PRIMARY KEY,
	category   TEXT    NOT NULL CHECK (category IN ('illegal', 'harmful', 'rumour', 'hype', 'risky')),
	term       TEXT    NOT NULL CHECK (length(term) BETWEEN 1 AND 50),
	change     TEXT    NOT NULL CHECK (change IN ('add', 'remove')),
	changed_by TEXT    NOT NULL CHECK (changed_by <> ''),
	changed_at BIGINT  NOT NULL CHECK (typeof(changed_at) = 'integer')
);

-- content_records: the handling record, one row per screening of a public
-- text that found something: where the text is (place, ref), the
-- categories and the terms found (for staff), the action, and who handled
-- a held text, when, how and why. The text itself stays where it lives.
CREATE TABLE content_records (
	id          INTEGER NOT NULL PRIMARY KEY,
	place       TEXT    NOT NULL CHECK (place IN ('request', 'update', 'donation_message', 'complaint_response')),
	ref         TEXT    NOT NULL CHECK (length(ref) BETWEEN 1 AND 100),
	categories  TEXT    NOT NULL CHECK (categories <> ''),
	terms       TEXT    NOT NULL,
	action      TEXT    NOT NULL CHECK (action IN ('hold', 'refuse')),
	state       TEXT    NOT NULL CHECK (state IN ('held', 'cleared', 'taken_down', 'refused')),
	screened_at BIGINT  NOT NULL CHECK (typeof(screened_at) = 'integer'),
	handled_by  TEXT,
	handled_at  BIGINT,
	note        TEXT    CHECK (length(note) <= 500),
	CHECK ((state IN ('held', 'refused')) = (handled_at IS NULL)),
	CHECK ((handled_by IS NULL) = (handled_at IS NULL))
);
CREATE INDEX content_records_state ON content_records (state, id);
CREATE INDEX content_records_ref ON content_records (place, ref, id);

-- content_takedowns: a public text staff took down, with the public reason
-- its page shows in its place. The text is never deleted, and a takedown
-- is never undone or replaced.
CREATE TABLE content_takedowns (
	id       INTEGER NOT NULL PRIMARY KEY,
	place    TEXT    NOT NULL CHECK (place IN ('request', 'update', 'donation_message', 'complaint_response')),
	ref      TEXT    NOT NULL CHECK (length(ref) BETWEEN 1 AND 100),
	reason   TEXT    NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
	taken_by TEXT    NOT NULL CHECK (taken_by <> ''),
	taken_at BIGINT  NOT NULL CHECK (typeof(taken_at) = 'integer'),
	UNIQUE (place, ref)
);

CREATE TRIGGER content_terms_no_delete BEFORE DELETE ON content_terms
BEGIN SELECT RAISE(ABORT, 'content_terms: a change of the word list is never deleted'); END;
CREATE TRIGGER content_terms_no_update BEFORE UPDATE ON content_terms
BEGIN SELECT RAISE(ABORT, 'content_terms: a change of the word list is never changed'); END;
CREATE TRIGGER content_records_no_delete BEFORE DELETE ON content_records
BEGIN SELECT RAISE(ABORT, 'content_records: a handling record is never deleted'); END;
CREATE TRIGGER content_records_fixed BEFORE UPDATE OF id, place, ref, categories, terms, action, screened_at ON content_records
BEGIN SELECT RAISE(ABORT, 'content_records: what a screening found never changes'); END;
CREATE TRIGGER content_records_handled BEFORE UPDATE ON content_records
WHEN OLD.state <> 'held'
BEGIN SELECT RAISE(ABORT, 'content_records: a handled record never changes'); END;
CREATE TRIGGER content_takedowns_no_delete BEFORE DELETE ON content_takedowns
BEGIN SELECT RAISE(ABORT, 'content_takedowns: a takedown is never deleted'); END;
CREATE TRIGGER content_takedowns_no_update BEFORE UPDATE ON content_takedowns
BEGIN SELECT RAISE(ABORT, 'content_takedowns: a takedown is never changed'); END;
