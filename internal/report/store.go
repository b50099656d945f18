package report

import (
	"context"
	"database/sql"
	"time"

	"github.com/carefund/carefund/internal/store"
)

// readRequests counts the requests that first reached each stage from from
// (inclusive) to to (exclusive), from their histories (request_events).
func readRequests(ctx context.Context, tx *store.Tx, from, to time.Time) (Requests, error) {
	var r Requests
	err := store.Each(ctx, tx, func(rows *sql.Rows) error {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return err
		}
		switch state {
		case "submitted":
			r.Received = n
		case "approved":
			r.Published = n
		case "rejected":
			r.Rejected = n
		case "terminated":
			r.Terminated = n
		}
		return nil
	}, `SELECT to_state, COUNT(*) FROM (
			SELECT request_id, to_state, MIN(at) AS first_at FROM request_events
			WHERE to_state IN ('submitted', 'approved', 'rejected', 'terminated') GROUP BY request_id, to_state
		) firsts WHERE first_at >= $1 AND first_at < $2 GROUP BY to_state`, from.UnixMicro(), to.UnixMicro())
	return r, err
}

// firstEntry is when the ledger's first entry was posted, zero when it has
// none.
func firstEntry(ctx context.Context, tx *store.Tx) (time.Time, error) {
	var at sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT MIN(created_at) FROM ledger_entries`).Scan(&at); err != nil {
		return time.Time{}, err
	}
	if !at.Valid {
		return time.Time{}, nil
	}
	return time.UnixMicro(at.Int64), nil
}

// requestIDs lists the requests with a ledger account, in order.
func requestIDs(ctx context.Context, tx *store.Tx) ([]int64, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (int64, error) {
		var id int64
		err := rows.Scan(&id)
		return id, err
	}, `SELECT id FROM requests WHERE 'request:' || CAST(id AS TEXT) IN (SELECT name FROM ledger_accounts) ORDER BY id`)
}
