package disclosure

import (
	"context"
	"database/sql"
	"errors"
	"strconv"

	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/store"
)

// readFigures reads a request's public figures from the ledger: the
// postings on request:R by kind, and on the payable:refund:<run> accounts
// of its refund runs.
func readFigures(ctx context.Context, tx *store.Tx, id int64) (Figures, error) {
	var f Figures
	name := "request:" + strconv.FormatInt(id, 10)
	var held int64
	err := tx.QueryRowContext(ctx, "SELECT balance FROM ledger_accounts WHERE name = $1", name).Scan(&held)
	if errors.Is(err, sql.ErrNoRows) {
		return f, nil
	}
	if err != nil {
		return f, err
	}
	f.Held = money.Fen(held)
	// On request:R a credit (negative) adds, a debit takes away.
	err = store.Each(ctx, tx, func(rows *sql.Rows) error {
		var kind string
		var sum int64
		if err := rows.Scan(&kind, &sum); err != nil {
			return err
		}
		switch kind {
		case "donation":
			f.Raised += money.Fen(-sum)
		case "payout", "payout_return":
			f.PaidOut += money.Fen(sum)
		case "recovery_receivable":
			f.Recovered += money.Fen(-sum)
		}
		return nil
	}, `SELECT e.kind, SUM(p.amount) FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id
		JOIN ledger_accounts a ON a.id = p.account_id WHERE a.name = $1 GROUP BY e.kind`, name)
	if err != nil {
		return f, err
	}
	// The refund runs' payable accounts: refund credits them, refund_paid
	// and refund_to_charity debit them.
	err = store.Each(ctx, tx, func(rows *sql.Rows) error {
		var kind string
		var sum int64
		if err := rows.Scan(&kind, &sum); err != nil {
			return err
		}
		switch kind {
		case "refund_paid":
			f.Refunded += money.Fen(sum)
		case "refund_to_charity":
			f.ToCharity += money.Fen(sum)
		}
		f.Refunding -= money.Fen(sum)
		return nil
	}, `SELECT e.kind, SUM(p.amount) FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id
		JOIN ledger_accounts a ON a.id = p.account_id
		WHERE a.name IN (SELECT 'payable:refund:' || CAST(id AS TEXT) FROM refund_runs WHERE request_id = $1)
		GROUP BY e.kind`, id)
	return f, err
}
