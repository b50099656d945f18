package reconcile

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/store"
)

// credit is a statement line posted under its own key.
type credit struct {
	lineKey   string
	kind      string // interest or recovery
	requestID int64
	amount    money.Fen
	bookedOn  time.Time
	entryID   int64
	matchedBy string
}

func insertCredit(ctx context.Context, tx *store.Tx, c credit) error {
	var req any
	if c.requestID != 0 {
		req = c.requestID
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO statement_credits (line_key, kind, request_id, amount, booked_on, entry_id,
		matched_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		c.lineKey, c.kind, req, int64(c.amount), c.bookedOn.Format(time.DateOnly), c.entryID, c.matchedBy, tx.Now.UnixMicro())
	return err
}

// receivable returns what request id still owes: the balance of
// receivable:recovery:<id>, zero when it was never posted to.
func receivable(ctx context.Context, tx *store.Tx, account string) (money.Fen, error) {
	var b int64
	err := tx.QueryRowContext(ctx, "SELECT balance FROM ledger_accounts WHERE name = $1", account).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return money.Fen(b), err
}

// Recovery is a recovery posted from a statement line, and whether the
// refund service has taken it.
type Recovery struct {
	EntryID   int64
	RequestID int64
	Amount    money.Fen
	LineKey   string
	BookedOn  time.Time
	MatchedBy string
	Started   bool
}

func listRecoveries(ctx context.Context, tx *store.Tx, unstartedOnly bool, limit int) ([]Recovery, error) {
	where := "kind = 'recovery'"
	if unstartedOnly {
		where += " AND refund_started_at IS NULL"
	}
	return store.All(ctx, tx, func(rows *sql.Rows) (Recovery, error) {
		var r Recovery
		var booked string
		var started sql.NullInt64
		err := rows.Scan(&r.EntryID, &r.RequestID, &r.Amount, &r.LineKey, &booked, &r.MatchedBy, &started)
		r.BookedOn, _ = time.Parse(time.DateOnly, booked)
		r.Started = started.Valid
		return r, err
	}, `SELECT entry_id, request_id, amount, line_key, booked_on, matched_by, refund_started_at
		FROM statement_credits WHERE `+where+` ORDER BY id LIMIT $1`, limit)
}

func markStarted(ctx context.Context, tx *store.Tx, entryID int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE statement_credits SET refund_started_at = $1
		WHERE entry_id = $2 AND refund_started_at IS NULL`, tx.Now.UnixMicro(), entryID)
	return err
}

// lateCredits returns the sum of the statement credits booked on or
// before the bank date to and posted at or after end: money the statement
// of to shows and the ledger learnt only when the statement was read.
func lateCredits(ctx context.Context, tx *store.Tx, to, end time.Time) (money.Fen, error) {
	var sum sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT SUM(c.amount) FROM statement_credits c JOIN ledger_entries e ON e.id = c.entry_id
		WHERE c.booked_on <= $1 AND e.created_at >= $2`, to.Format(time.DateOnly), end.UnixMicro()).Scan(&sum)
	return money.Fen(sum.Int64), err
}

// Interest is the interest the custody bank credited in one month.
type Interest struct {
	Period string // YYYY-MM, the month the bank booked it
	Amount money.Fen
}

func interestByMonth(ctx context.Context, tx *store.Tx) ([]Interest, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (Interest, error) {
		var i Interest
		err := rows.Scan(&i.Period, &i.Amount)
		return i, err
	}, `SELECT substr(booked_on, 1, 7), SUM(amount) FROM statement_credits WHERE kind = 'interest'
		GROUP BY substr(booked_on, 1, 7) ORDER BY 1`)
}
