package refundfund

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/store"
)

const fundingColumns = `id, provider, amount_fen, due_fen, balance_fen, state, COALESCE(entry_id, 0), reason, created_at,
	COALESCE(sent_at, 0), COALESCE(ended_at, 0), COALESCE(credited_at, 0)`

func at(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}

func scanFunding(row interface{ Scan(...any) error }) (Funding, error) {
	var f Funding
	var amount, due, balance, created, sent, ended, credited int64
	err := row.Scan(&f.ID, &f.Provider, &amount, &due, &balance, &f.State, &f.EntryID, &f.Reason, &created, &sent, &ended, &credited)
	f.Amount, f.Due, f.Balance = money.Fen(amount), money.Fen(due), money.Fen(balance)
	f.CreatedAt, f.SentAt, f.EndedAt, f.CreditedAt = at(created), at(sent), at(ended), at(credited)
	f.TransferID = BankTransferID(f.ID)
	return f, err
}

func listFundings(ctx context.Context, tx *store.Tx, where string, args ...any) ([]Funding, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (Funding, error) { return scanFunding(rows) },
		`SELECT `+fundingColumns+` FROM refund_fundings WHERE `+where, args...)
}

func getFunding(ctx context.Context, tx *store.Tx, id int64) (Funding, error) {
	f, err := scanFunding(tx.QueryRowContext(ctx, `SELECT `+fundingColumns+` FROM refund_fundings WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return f, apperr.New(apperr.NotFound, "refundfund.unknown_transfer")
	}
	return f, err
}

// inFlight sums the provider's top-ups on their way: planned, sending, or
// paid and not yet credited by the provider.
func inFlight(ctx context.Context, tx *store.Tx, provider string) (money.Fen, error) {
	var sum int64
	err := tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(amount_fen), 0) FROM refund_fundings
		WHERE provider = $1 AND (state IN ('planned', 'sending') OR (state = 'paid' AND credited_at IS NULL))`, provider).Scan(&sum)
	return money.Fen(sum), err
}

func insertFunding(ctx context.Context, tx *store.Tx, provider string, amount, due, balance money.Fen) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO refund_fundings (provider, amount_fen, due_fen, balance_fen, state, created_at)
		VALUES ($1, $2, $3, $4, 'planned', $5) RETURNING id`, provider, int64(amount), int64(due), int64(balance), tx.Now.UnixMicro()).Scan(&id)
	return id, err
}

// setState moves a top-up from one state to the next, setting the
// columns given; false when it was not in from.
func setState(ctx context.Context, tx *store.Tx, id int64, from, to State, set map[string]any) (bool, error) {
	q := "UPDATE refund_fundings SET state = $1"
	args := []any{string(to)}
	for _, c := range []string{"entry_id", "reason", "sent_at", "ended_at"} {
		if v, ok := set[c]; ok {
			args = append(args, v)
			q += ", " + c + " = $" + strconv.Itoa(len(args))
		}
	}
	args = append(args, id, string(from))
	q += " WHERE id = $" + strconv.Itoa(len(args)-1) + " AND state = $" + strconv.Itoa(len(args))
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func setCredited(ctx context.Context, tx *store.Tx, id int64) (bool, error) {
	res, err := tx.ExecContext(ctx, `UPDATE refund_fundings SET credited_at = $1 WHERE id = $2 AND state = 'paid' AND credited_at IS NULL`,
		tx.Now.UnixMicro(), id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
