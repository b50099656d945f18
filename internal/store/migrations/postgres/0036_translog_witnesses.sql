-- Witnesses of the transparency log (issue 17, internal/witness): C2SP
-- tlog-witness and tlog-cosignature.
--
-- translog_cosignatures holds each witness's cosignature line of a
-- checkpoint ("— <witness> <base64>"), checked against the witness's key
-- before it is stored; /log/checkpoint serves the checkpoint with its
-- lines appended. translog_witnesses is the size each witness last
-- cosigned, the old size of the next request to it.
CREATE TABLE translog_cosignatures (
	size       BIGINT  NOT NULL REFERENCES translog_checkpoints (size),
	witness    TEXT    NOT NULL CHECK (witness <> ''),
	line       TEXT    NOT NULL CHECK (line LIKE '— %'),
	created_at BIGINT  NOT NULL,
	PRIMARY KEY (size, witness)
);
CREATE TABLE translog_witnesses (
	witness    TEXT    NOT NULL PRIMARY KEY CHECK (witness <> ''),
	size       BIGINT  NOT NULL CHECK (size >= 0),
	updated_at BIGINT  NOT NULL
);
