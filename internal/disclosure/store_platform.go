package disclosure

import (
	"context"
	"database/sql"

	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/store"
)

// Platform is the money of every request together, as the public figures
// page shows it (R-DISC-1): the sums of the requests' Figures, read from
// the ledger with the same rules as readFigures, so that the same identity
// holds; how many requests the ledger holds money for and how many
// donations they had; and what the custody account's interest gave to
// charity.
type Platform struct {
	Figures
	// Requests counts the requests the ledger holds an account for: those
	// that ever received money.
	Requests int
	// Donors counts the donations (a donor who gave twice counts twice),
	// as each request's page counts them.
	Donors int
	// Interest is the custody account's interest, all owed to charity
	// (kind interest into charity:payable); CharityPaid is what was paid
	// from charity:payable to charitable organisations, less what came
	// back (R-CHAR-1).
	Interest, CharityPaid money.Fen
}

// PlatformFigures reads the platform's figures, in one transaction.
func (s *Service) PlatformFigures(ctx context.Context) (Platform, error) {
	var p Platform
	err := s.DB.Read(ctx, func(tx *store.Tx) (err error) {
		p, err = readPlatform(ctx, tx)
		return err
	})
	return p, err
}

// readPlatform sums readFigures over every request account at once: the
// balances of the request:R accounts, their postings by kind, the postings
// of every refund run's payable account by kind, the fees (request:R
// postings of entries that credit income:fees), and charity:payable's
// interest and transfers.
func readPlatform(ctx context.Context, tx *store.Tx) (Platform, error) {
	var p Platform
	var held sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*), SUM(balance) FROM ledger_accounts WHERE name LIKE 'request:%'`).
		Scan(&p.Requests, &held)
	if err != nil {
		return p, err
	}
	p.Held = money.Fen(held.Int64)
	var donations sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT SUM(donations) FROM request_totals`).Scan(&donations); err != nil {
		return p, err
	}
	p.Donors = int(donations.Int64)
	err = sumFigures(ctx, tx, &p.Figures, "a.name LIKE 'request:%'", nil,
		"a.name IN (SELECT 'payable:refund:' || CAST(id AS TEXT) FROM refund_runs)", nil)
	if err != nil {
		return p, err
	}
	// charity:payable, credits positive: interest comes in, transfers go
	// out, a transfer returned comes back.
	err = store.Each(ctx, tx, func(rows *sql.Rows) error {
		var kind string
		var sum int64
		if err := rows.Scan(&kind, &sum); err != nil {
			return err
		}
		switch kind {
		case "interest":
			p.Interest += money.Fen(-sum)
		case "charity_transfer", "charity_transfer_return":
			p.CharityPaid += money.Fen(sum)
		}
		return nil
	}, `SELECT e.kind, SUM(p.amount) FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id
		JOIN ledger_accounts a ON a.id = p.account_id WHERE a.name = 'charity:payable' GROUP BY e.kind`)
	return p, err
}
