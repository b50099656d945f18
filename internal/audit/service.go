package audit

import (
	"context"

	"github.com/carefund/carefund/internal/store"
)

// Log is the audit log's own use cases, each one transaction: recording an
// outcome whose action was refused or rolled back, and browsing the log.
type Log struct{ DB *store.DB }

// Add appends r in a transaction of its own. It is for outcomes that have no
// transaction to share: a refusal by the permission check, a view, an action
// that failed and was rolled back with its record.
func (l *Log) Add(ctx context.Context, r Record) error {
	return l.DB.Write(ctx, func(tx *store.Tx) error {
		_, err := Append(ctx, tx, r)
		return err
	})
}

// Browse returns the entries that match f, newest first (R-STAFF-1).
func (l *Log) Browse(ctx context.Context, f Filter) ([]Entry, error) {
	var entries []Entry
	err := l.DB.Read(ctx, func(tx *store.Tx) (err error) {
		entries, err = List(ctx, tx, f)
		return err
	})
	return entries, err
}

// Write runs fn in one write transaction of db that first appends r, so that
// a staff action and its record commit together or not at all. The record
// goes first: a failing fn rolls it back with everything else, and appending
// first keeps PostgreSQL from failing the transaction over the chain's head
// (see Append). Domain services use it for the actions they are asked to
// record.
func Write(ctx context.Context, db *store.DB, r Record, fn func(tx *store.Tx) error) error {
	return db.Write(ctx, func(tx *store.Tx) error {
		if _, err := Append(ctx, tx, r); err != nil {
			return err
		}
		return fn(tx)
	})
}
