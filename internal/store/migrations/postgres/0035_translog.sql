-- The transparency log (issue 17, internal/translog): C2SP tlog-tiles.
--
-- translog_pending is the outbox: an event's own transaction adds its
-- record here (the ledger in its group-commit batch, a request version, a
-- rules version, a blacklist change, the audit head), so a crash can
-- neither lose nor double an entry. The integrator moves pending rows, in
-- id order, into translog_entries with the next index, stores the tree's
-- hashes (tlog stored-hash indexes) and signs a checkpoint, all in one
-- transaction. source names the event and is unique forever.
CREATE TABLE translog_pending (
	id         BIGINT    GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	source     TEXT      NOT NULL UNIQUE CHECK (source <> ''),
	data       BYTEA     NOT NULL CHECK (length(data) BETWEEN 1 AND 65535),
	created_at BIGINT    NOT NULL
);
CREATE TABLE translog_entries (
	idx        BIGINT  NOT NULL PRIMARY KEY CHECK (idx >= 0),
	source     TEXT    NOT NULL UNIQUE CHECK (source <> ''),
	data       BYTEA   NOT NULL,
	created_at BIGINT  NOT NULL, -- when the event committed (pending row)
	logged_at  BIGINT  NOT NULL  -- when it was integrated
);
CREATE TABLE translog_hashes (
	id   BIGINT NOT NULL PRIMARY KEY CHECK (id >= 0), -- tlog.StoredHashIndex
	hash BYTEA  NOT NULL CHECK (length(hash) = 32)
);
-- Every signed tree head, newest last; note is the signed note as served
-- (without witness cosignatures).
CREATE TABLE translog_checkpoints (
	size       BIGINT  NOT NULL PRIMARY KEY CHECK (size >= 0),
	root       BYTEA   NOT NULL CHECK (length(root) = 32),
	note       TEXT    NOT NULL,
	created_at BIGINT  NOT NULL
);
