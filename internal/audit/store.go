package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/carefund/carefund/internal/store"
)

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
