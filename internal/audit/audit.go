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
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
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
