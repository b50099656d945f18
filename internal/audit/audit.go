// Package audit keeps carefund's append-only, tamper-evident log of every
// staff action, every view of personal data, sign-ins and refusals
// (R-STAFF-1).
//
// Entries form a hash chain: each entry's hash covers its sequence number,
// time, content and the previous entry's hash, so changing, removing or
// reordering any entry breaks every link after it, and Verify names the first
// broken one. The database refuses UPDATE and DELETE of entries and lets the
// one-row head (the last sequence number and hash) move only forward, one
// entry at a time, onto an entry that exists.
//
// Someone who controls the database can still disable those guards and
// rewrite the whole chain from some entry on, hashes included. The chain
// makes that detectable from outside: the head printed by `carefund verify`
// and kept elsewhere (a ticket, a signed report, the regulator's copy) no
// longer appears in the log.
//
// Append runs inside the caller's transaction, so an action and its record
// commit or fail together. Records never hold personal data: callers pass
// IDs ("user:5"), never names, numbers or diagnoses.
package audit

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/carefund/carefund/internal/store"
)

// The results a Record may carry.
const (
	ResultOK     = "ok"
	ResultDenied = "denied"
	ResultFailed = "failed"
)

// Record is one thing that happened: every staff action, every view of
// personal data, sign-ins and refusals. Detail must never hold personal data
// (callers pass IDs, not values).
type Record struct {
	Actor  string // "staff:12", "user:5", "system", "anonymous"
	Action string // dotted verb, e.g. "staff.sign_in", "pii.view", "staff.role_change.propose"
	Object string // what it acted on, e.g. "user:5", "identity:3", "proposal:9"; may be ""
	Result string // ResultOK, ResultDenied or ResultFailed
	Source string // the client's IP address; "" for the system
	Detail string // short, free text, no personal data
}

// Entry is a Record as the log holds it.
type Entry struct {
	Seq int64     // 1, 2, 3… gap-free
	At  time.Time // the appending transaction's time, UTC, in microseconds
	Record
	PrevHash string // the previous entry's Hash; ZeroHash for Seq 1
	Hash     string // see HashEntry
}

// ZeroHash is the PrevHash of the first entry, and the head of an empty log.
const ZeroHash = "0000000000000000000000000000000000000000000000000000000000000000"

// Limits on a Record's fields, in bytes. They keep one entry small, and a
// caller that pastes a document into Detail fails loudly in its tests.
const (
	maxName   = 200  // Actor, Action, Object, Source
	maxDetail = 2000 // Detail
)

// hashDomain starts every hashed message, so a hash from this chain cannot be
// passed off as one of another format. Its length is fixed.
const hashDomain = "carefund audit v1\x00"

// HashEntry returns the hash of e as the log stores it: the hex SHA-256 of
//
//	"carefund audit v1\x00"
//	Seq              as 8 bytes, big-endian
//	At               as microseconds since the Unix epoch, 8 bytes, big-endian (two's complement)
//	Actor, Action, Object, Result, Source, Detail, PrevHash
//	                 each as its length in bytes (8 bytes, big-endian) followed by its UTF-8 bytes
//
// Every field is length-prefixed, so no two different entries encode to the
// same bytes ("ab"+"c" and "a"+"bc" differ). The encoding is documented here
// so that an auditor can re-check the chain with their own program.
func HashEntry(e Entry) string {
	n := len(hashDomain) + 16
	fields := [...]string{e.Actor, e.Action, e.Object, e.Result, e.Source, e.Detail, e.PrevHash}
	for _, f := range fields {
		n += 8 + len(f)
	}
	b := make([]byte, 0, n)
	b = append(b, hashDomain...)
	b = binary.BigEndian.AppendUint64(b, uint64(e.Seq))
	b = binary.BigEndian.AppendUint64(b, uint64(e.At.UnixMicro()))
	for _, f := range fields {
		b = binary.BigEndian.AppendUint64(b, uint64(len(f)))
		b = append(b, f...)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// check returns why r cannot be logged, or nil. These are programming
// errors, not user input: a caller that gets one has a bug.
func (r Record) check() error {
	if r.Actor == "" || r.Action == "" {
		return errors.New("audit: a record needs an actor and an action")
	}
	switch r.Result {
	case ResultOK, ResultDenied, ResultFailed:
	default:
		return fmt.Errorf("audit: result %q is not ok, denied or failed", r.Result)
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{
		{"actor", r.Actor, maxName}, {"action", r.Action, maxName}, {"object", r.Object, maxName},
		{"source", r.Source, maxName}, {"detail", r.Detail, maxDetail},
	} {
		// Name the field, never echo its value: it might be what should
		// not have been passed.
		if len(f.v) > f.max {
			return fmt.Errorf("audit: %s is %d bytes, over the limit of %d", f.name, len(f.v), f.max)
		}
		// PostgreSQL refuses NUL and invalid UTF-8 in TEXT and SQLite
		// does not: refuse both here so the two databases hold the same.
		if !utf8.ValidString(f.v) || strings.ContainsRune(f.v, 0) {
			return fmt.Errorf("audit: %s is not valid UTF-8 text", f.name)
		}
	}
	return nil
}

// Append adds r to the log inside tx, so an action and its record commit or
// fail together, and returns the entry as stored.
//
// It takes the chain's head first, so concurrent appends wait for each other
// until commit and the chain never forks. On SQLite the write transaction
// already holds the database's only write lock. On PostgreSQL it locks the
// head table (LOCK TABLE, then SELECT … FOR UPDATE):
//   - under DB.WriteLocking (read committed) a waiting append then reads the
//     head the previous one committed;
//   - under DB.Write (serializable) a transaction reads from the snapshot
//     taken at its first statement. LOCK TABLE takes no snapshot, so when
//     Append is the transaction's first statement it waits for the lock,
//     then sees the latest head, and never fails. When other statements come
//     first, an append committed in between makes it fail with a
//     serialization error, and DB.Write runs it again; under heavy
//     concurrent appending, append first (or use DB.WriteLocking).
func Append(ctx context.Context, tx *store.Tx, r Record) (Entry, error) {
	if err := r.check(); err != nil {
		return Entry{}, err
	}
	q := "SELECT seq, hash FROM audit_head WHERE id = 1"
	if tx.Dialect == store.Postgres {
		// SHARE ROW EXCLUSIVE conflicts with itself and with the UPDATE
		// below, not with readers: Verify and List never wait.
		if _, err := tx.ExecContext(ctx, "LOCK TABLE audit_head IN SHARE ROW EXCLUSIVE MODE"); err != nil {
			return Entry{}, fmt.Errorf("audit: locking the head of the chain: %w", err)
		}
		q += " FOR UPDATE"
	}
	var head Entry
	if err := tx.QueryRowPrepared(ctx, q).Scan(&head.Seq, &head.Hash); err != nil {
		return Entry{}, fmt.Errorf("audit: reading the head of the chain: %w", err)
	}
	e := Entry{
		Seq:      head.Seq + 1,
		At:       tx.Now.UTC().Truncate(time.Microsecond),
		Record:   r,
		PrevHash: head.Hash,
	}
	e.Hash = HashEntry(e)
	if _, err := tx.ExecPrepared(ctx, `INSERT INTO audit_log (seq, at, actor, action, object, result, source, detail, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		e.Seq, e.At.UnixMicro(), e.Actor, e.Action, e.Object, e.Result, e.Source, e.Detail, e.PrevHash, e.Hash); err != nil {
		return Entry{}, fmt.Errorf("audit: appending entry %d: %w", e.Seq, err)
	}
	if _, err := tx.ExecPrepared(ctx, "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1", e.Seq, e.Hash); err != nil {
		return Entry{}, fmt.Errorf("audit: moving the head to entry %d: %w", e.Seq, err)
	}
	return e, nil
}

// columns are the audit_log columns scan reads, in its order.
const columns = "seq, at, actor, action, object, result, source, detail, prev_hash, hash"

type scanner interface{ Scan(dest ...any) error }

func scan(s scanner) (Entry, error) {
	var e Entry
	var at int64
	err := s.Scan(&e.Seq, &at, &e.Actor, &e.Action, &e.Object, &e.Result, &e.Source, &e.Detail, &e.PrevHash, &e.Hash)
	e.At = time.UnixMicro(at).UTC()
	return e, err
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
